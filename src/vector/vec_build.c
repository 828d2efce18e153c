/* vec_build.c -- growable row-by-row vector builders for producers that do
** not know their length in advance (CSV/JSON readers, tests, small results).
** Appends go into heap st_bufs; vec_builder_finish copies them into an arena
** as one vector in exactly the vec.h layout (validity NULL when no row is
** null, null_count exact, offsets starting at 0).
**
** Per-type buffers: `validity` always holds one bit per row; `values` holds
** fixed-width values, the BOOL bitmap, or int32 offsets (offsets[0] = 0 is
** written at creation); `bytes` holds STRING/BINARY data. STRUCT, LIST and
** MAP own one child builder per child field; a MAP's single child is its
** "entries" STRUCT builder with children key (0) and value (1).
**
** Row rules:
**   scalar   one append_* (or append_null) per row; the value kind must fit
**            the type (bool->BOOL; i64/u64->integers in range, DATE (int32
**            days), TIME/TIMESTAMP* (micros); f64->FLOAT (narrowed)/DOUBLE;
**            i128->DECIMAL within its precision; bytes->STRING/BINARY).
**            A kind the type cannot take is ST_ERR_INTERNAL; an in-kind value
**            out of the type's range is ST_ERR_ARGUMENT.
**   LIST/MAP append the row's elements to child 0, then vec_builder_end_list;
**            append_null requires that no elements are pending for the row.
**            MAP rows may not contain null entries or null keys.
**   STRUCT   append exactly one value (possibly null) to every child, then
**            vec_builder_append_struct(valid). This holds for valid=false
**            too: the children still get one row each (their values are
**            ignored by readers; null is customary). append_null on a STRUCT
**            builder is the shortcut that appends a null to every child
**            itself, so it must be called with no child value pending.
** A builder holds at most INT32_MAX rows and 2 GiB of STRING/BINARY data
** (Arrow int32 offsets); beyond that appends return ST_ERR_LIMIT. Values are
** stored in host byte order, which strata requires to be little-endian.
** Type and argument errors are detected before anything changes, so the
** builder stays usable; after ST_ERR_NOMEM/ST_ERR_LIMIT a nested builder may
** be inconsistent and should only be freed. vec_builder_finish does not
** change the builder (it can be finished again or freed). */
#include "vec.h"

#include <inttypes.h>

#define BUILDER_MAX_DEPTH 256   /* deeper type trees are rejected */

struct vec_builder {
    const vec_type *type;     /* borrowed: schema arena */
    int64_t       len;        /* rows appended */
    int64_t       null_count; /* rows appended as null */
    st_buf        validity;   /* owned: one bit per row, 1 = valid */
    st_buf        values;     /* owned: fixed values, BOOL bits, or int32 offsets */
    st_buf        bytes;      /* owned: STRING/BINARY data */
    int           n_children; /* STRUCT fields, 1 for LIST/MAP, else 0 */
    vec_builder **children;   /* owned, heap */
};

/* ---- lifecycle ----------------------------------------------------------- */

static bool has_offsets(vec_type_id id)
{
    return id == VEC_STRING || id == VEC_BINARY || id == VEC_LIST || id == VEC_MAP;
}

/* A MAP must be MAP<STRUCT<key,value>>; a LIST must have one child. */
static bool type_shape_ok(const vec_type *t)
{
    if ((int)t->id < 0 || t->id >= VEC_TYPE_COUNT)
        return false;
    if (t->n_children < 0 || (t->n_children > 0 && !t->children))
        return false;
    if (t->id == VEC_LIST || t->id == VEC_MAP) {
        if (t->n_children != 1)
            return false;
    }
    if (t->id == VEC_MAP) {
        const vec_type *e = &t->children[0].type;
        if (e->id != VEC_STRUCT || e->n_children != 2 || !e->children)
            return false;
    }
    if (t->id == VEC_DECIMAL && (t->precision < 1 || t->precision > 38 || t->scale > t->precision))
        return false;
    return true;
}

static vec_builder *builder_new(const vec_type *t, int depth)
{
    if (!t || depth > BUILDER_MAX_DEPTH || !type_shape_ok(t))
        return NULL;
    vec_builder *b = st_calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->type = t;
    st_buf_init(&b->validity);
    st_buf_init(&b->values);
    st_buf_init(&b->bytes);
    if (has_offsets(t->id)) {
        int32_t zero = 0;
        if (st_buf_append(&b->values, &zero, sizeof zero, NULL) != ST_OK)
            goto fail;
    }
    if (vec_type_is_nested(t->id) && t->n_children > 0) {
        b->children = st_calloc((size_t)t->n_children, sizeof *b->children);
        if (!b->children)
            goto fail;
        b->n_children = t->n_children;
        for (int i = 0; i < t->n_children; i++) {
            b->children[i] = builder_new(&t->children[i].type, depth + 1);
            if (!b->children[i])
                goto fail;
        }
    }
    return b;
fail:
    vec_builder_free(b);
    return NULL;
}

vec_builder *vec_builder_new(const vec_type *t) { return builder_new(t, 0); }

void vec_builder_free(vec_builder *b)
{
    if (!b)
        return;
    for (int i = 0; i < b->n_children; i++)
        vec_builder_free(b->children[i]);
    st_free(b->children);
    st_buf_destroy(&b->validity);
    st_buf_destroy(&b->values);
    st_buf_destroy(&b->bytes);
    st_free(b);
}

int64_t vec_builder_len(const vec_builder *b) { return b->len; }

vec_builder *vec_builder_child(vec_builder *b, int i)
{
    if (!b || i < 0 || i >= b->n_children)
        return NULL;
    return b->children[i];
}

/* ---- row plumbing -------------------------------------------------------- */

/* Makes sure bitmap `bits` has a (zeroed) byte for bit i; idempotent, so a
** failure later in the same append leaves no misaligned byte behind. */
static st_status bits_reserve(st_buf *bits, int64_t i, st_error *err)
{
    size_t need = (size_t)(i / 8) + 1;
    while (bits->len < need) {
        st_status rc = st_buf_append_byte(bits, 0, err);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

static void bits_put(st_buf *bits, int64_t i, bool on)
{
    if (on)
        vec_bit_set(bits->data, i);
    else
        vec_bit_clear(bits->data, i);
}

/* First step of every append: room for the row's validity bit. */
static st_status row_begin(vec_builder *b, st_error *err)
{
    if (b->len >= INT32_MAX)
        return st_error_set(err, ST_ERR_LIMIT,
                            "vector builder of type %s is full (%" PRId64 " rows)",
                            vec_type_id_name(b->type->id), b->len);
    return bits_reserve(&b->validity, b->len, err);
}

/* Last step: cannot fail. */
static void row_commit(vec_builder *b, bool valid)
{
    bits_put(&b->validity, b->len, valid);
    if (!valid)
        b->null_count++;
    b->len++;
}

static int32_t last_offset(const vec_builder *b)
{
    int32_t v;
    memcpy(&v, b->values.data + b->values.len - sizeof v, sizeof v);
    return v;
}

static st_status push_offset(vec_builder *b, int64_t off, st_error *err)
{
    if (off > INT32_MAX)
        return st_error_set(err, ST_ERR_LIMIT,
                            "%s vector builder exceeds the int32 offset range (%" PRId64 ")",
                            vec_type_id_name(b->type->id), off);
    int32_t v = (int32_t)off;
    return st_buf_append(&b->values, &v, sizeof v, err);
}

static st_status wrong_kind(const vec_builder *b, const char *kind, st_error *err)
{
    char tname[128];
    vec_type_format(b->type, tname, sizeof tname);
    return st_error_set(err, ST_ERR_INTERNAL, "vector builder of type %s cannot take a %s value",
                        tname, kind);
}

/* Appends one fixed-width value (w bytes at p) as a valid row. */
static st_status append_fixed(vec_builder *b, const void *p, size_t w, st_error *err)
{
    st_status rc = row_begin(b, err);
    if (rc == ST_OK)
        rc = st_buf_append(&b->values, p, w, err);
    if (rc == ST_OK)
        row_commit(b, true);
    return rc;
}

/* ---- scalar appends ------------------------------------------------------ */

st_status vec_builder_append_null(vec_builder *b, st_error *err)
{
    st_status rc = row_begin(b, err);
    if (rc != ST_OK)
        return rc;
    vec_type_id id = b->type->id;
    int w = vec_type_width(id);
    if (id == VEC_BOOL) {
        rc = bits_reserve(&b->values, b->len, err);
        if (rc == ST_OK)
            bits_put(&b->values, b->len, false);
    } else if (w > 0) {
        static const uint8_t zeros[16];
        rc = st_buf_append(&b->values, zeros, (size_t)w, err);
    } else if (id == VEC_LIST || id == VEC_MAP) {
        int32_t off = last_offset(b);
        if (b->children[0]->len != off)
            return st_error_set(err, ST_ERR_INTERNAL,
                                "%s row %" PRId64 " is null but has %" PRId64 " pending elements",
                                vec_type_id_name(id), b->len, b->children[0]->len - off);
        rc = push_offset(b, off, err);
    } else if (has_offsets(id)) {
        rc = push_offset(b, last_offset(b), err);
    } else if (id == VEC_STRUCT) {
        for (int i = 0; i < b->n_children; i++)
            if (b->children[i]->len != b->len)
                return st_error_set(err, ST_ERR_INTERNAL,
                                    "struct row %" PRId64 " is null but field %d already has a "
                                    "value", b->len, i);
        for (int i = 0; i < b->n_children && rc == ST_OK; i++)
            rc = vec_builder_append_null(b->children[i], err);
    }
    if (rc == ST_OK)
        row_commit(b, false);
    return rc;
}

st_status vec_builder_append_bool(vec_builder *b, bool v, st_error *err)
{
    if (b->type->id != VEC_BOOL)
        return wrong_kind(b, "boolean", err);
    st_status rc = row_begin(b, err);
    if (rc == ST_OK)
        rc = bits_reserve(&b->values, b->len, err);
    if (rc != ST_OK)
        return rc;
    bits_put(&b->values, b->len, v);
    row_commit(b, true);
    return ST_OK;
}

/* Range of an integer-like type as [lo, hi] in __int128; false if none. */
static bool int_range(vec_type_id id, __int128 *lo, __int128 *hi)
{
    switch (id) {
    case VEC_INT8:   *lo = INT8_MIN;  *hi = INT8_MAX;  return true;
    case VEC_INT16:  *lo = INT16_MIN; *hi = INT16_MAX; return true;
    case VEC_INT32:
    case VEC_DATE:   *lo = INT32_MIN; *hi = INT32_MAX; return true;
    case VEC_INT64:
    case VEC_TIME:
    case VEC_TIMESTAMP:
    case VEC_TIMESTAMP_NTZ:
                     *lo = INT64_MIN; *hi = INT64_MAX; return true;
    case VEC_UINT8:  *lo = 0; *hi = UINT8_MAX;  return true;
    case VEC_UINT16: *lo = 0; *hi = UINT16_MAX; return true;
    case VEC_UINT32: *lo = 0; *hi = UINT32_MAX; return true;
    case VEC_UINT64: *lo = 0; *hi = UINT64_MAX; return true;
    default:
        return false;
    }
}

/* Shared worker of append_i64/append_u64: v is the exact value. */
static st_status append_int(vec_builder *b, __int128 v, const char *kind, st_error *err)
{
    __int128 lo, hi;
    if (!int_range(b->type->id, &lo, &hi))
        return wrong_kind(b, kind, err);
    if (v < lo || v > hi) {
        char tname[32];
        vec_type_format(b->type, tname, sizeof tname);
        if (v < 0)
            return st_error_set(err, ST_ERR_ARGUMENT, "value %" PRId64 " is out of range for %s",
                                (int64_t)v, tname);
        return st_error_set(err, ST_ERR_ARGUMENT, "value %" PRIu64 " is out of range for %s",
                            (uint64_t)v, tname);
    }
    /* Little-endian hosts: the low w bytes of the two's complement value. */
    uint64_t u = (uint64_t)v;
    uint8_t raw[8];
    memcpy(raw, &u, sizeof raw);
    return append_fixed(b, raw, (size_t)vec_type_width(b->type->id), err);
}

st_status vec_builder_append_i64(vec_builder *b, int64_t v, st_error *err)
{
    return append_int(b, v, "bigint", err);
}

st_status vec_builder_append_u64(vec_builder *b, uint64_t v, st_error *err)
{
    return append_int(b, v, "ubigint", err);
}

st_status vec_builder_append_f64(vec_builder *b, double v, st_error *err)
{
    if (b->type->id == VEC_FLOAT) {
        float f = (float)v;
        return append_fixed(b, &f, sizeof f, err);
    }
    if (b->type->id == VEC_DOUBLE)
        return append_fixed(b, &v, sizeof v, err);
    return wrong_kind(b, "double", err);
}

st_status vec_builder_append_i128(vec_builder *b, __int128 v, st_error *err)
{
    if (b->type->id != VEC_DECIMAL)
        return wrong_kind(b, "decimal", err);
    __int128 limit = 1;               /* 10^precision */
    for (int k = 0; k < b->type->precision; k++)
        limit *= 10;
    if (v >= limit || v <= -limit) {
        char num[64], tname[32];
        vec_format_decimal(v, b->type->scale, num, sizeof num);
        vec_type_format(b->type, tname, sizeof tname);
        return st_error_set(err, ST_ERR_ARGUMENT, "value %s does not fit %s", num, tname);
    }
    return append_fixed(b, &v, sizeof v, err);
}

st_status vec_builder_append_bytes(vec_builder *b, const void *p, size_t n, st_error *err)
{
    if (!vec_type_is_varlen(b->type->id))
        return wrong_kind(b, "bytes", err);
    size_t total;
    if (!st_add_size(b->bytes.len, n, &total) || total > INT32_MAX)
        return st_error_set(err, ST_ERR_LIMIT,
                            "%s vector builder exceeds 2 GiB of data (adding %zu bytes to %zu)",
                            vec_type_id_name(b->type->id), n, b->bytes.len);
    st_status rc = row_begin(b, err);
    if (rc == ST_OK)                  /* reserve the offset first: no partial rows */
        rc = st_buf_reserve(&b->values, sizeof(int32_t), err);
    if (rc == ST_OK)
        rc = st_buf_append(&b->bytes, p, n, err);
    if (rc != ST_OK)
        return rc;
    (void)push_offset(b, (int64_t)total, err);  /* reserved and in range: cannot fail */
    row_commit(b, true);
    return ST_OK;
}

/* ---- nested rows --------------------------------------------------------- */

/* For a MAP row closing entries [from, to): entries and keys must be valid. */
static st_status check_map_entries(const vec_builder *b, int64_t from, int64_t to, st_error *err)
{
    const vec_builder *e = b->children[0], *k = e->children[0];
    for (int64_t j = from; j < to; j++) {
        if (!vec_bit_get(e->validity.data, j))
            return st_error_set(err, ST_ERR_ARGUMENT, "map row %" PRId64 " has a null entry",
                                b->len);
        if (!vec_bit_get(k->validity.data, j))
            return st_error_set(err, ST_ERR_ARGUMENT, "map row %" PRId64 " has a null key",
                                b->len);
    }
    return ST_OK;
}

st_status vec_builder_end_list(vec_builder *b, st_error *err)
{
    vec_type_id id = b->type->id;
    if (id != VEC_LIST && id != VEC_MAP)
        return wrong_kind(b, "list", err);
    int64_t child_len = b->children[0]->len;
    st_status rc = ST_OK;
    if (id == VEC_MAP)
        rc = check_map_entries(b, last_offset(b), child_len, err);
    if (rc == ST_OK)
        rc = row_begin(b, err);
    if (rc == ST_OK)
        rc = push_offset(b, child_len, err);
    if (rc == ST_OK)
        row_commit(b, true);
    return rc;
}

st_status vec_builder_append_struct(vec_builder *b, bool valid, st_error *err)
{
    if (b->type->id != VEC_STRUCT)
        return wrong_kind(b, "struct", err);
    for (int i = 0; i < b->n_children; i++) {
        int64_t got = b->children[i]->len - b->len;
        if (got != 1)
            return st_error_set(err, ST_ERR_INTERNAL,
                                "struct row %" PRId64 " has %" PRId64 " values for field \"%s\" "
                                "(expected 1)", b->len, got,
                                b->type->children[i].name ? b->type->children[i].name : "?");
    }
    st_status rc = row_begin(b, err);
    if (rc == ST_OK)
        row_commit(b, valid);
    return rc;
}

/* ---- finishing ----------------------------------------------------------- */

/* Arena copy of n bytes of src (non-NULL even when n == 0). */
static void *arena_copy(st_arena *a, const void *src, size_t n)
{
    void *p = st_arena_alloc(a, n);
    if (p && n)
        memcpy(p, src, n);
    return p;
}

/* Checks that every child holds the rows this builder's offsets/rows need. */
static st_status check_children(const vec_builder *b, st_error *err)
{
    vec_type_id id = b->type->id;
    if (id == VEC_STRUCT) {
        for (int i = 0; i < b->n_children; i++)
            if (b->children[i]->len != b->len)
                return st_error_set(err, ST_ERR_INTERNAL,
                                    "struct builder has %" PRId64 " rows but field %d has %" PRId64,
                                    b->len, i, b->children[i]->len);
    } else if (id == VEC_LIST || id == VEC_MAP) {
        if (b->children[0]->len != last_offset(b))
            return st_error_set(err, ST_ERR_INTERNAL,
                                "%s builder has %" PRId64 " elements after its last row "
                                "(missing vec_builder_end_list)", vec_type_id_name(id),
                                b->children[0]->len - last_offset(b));
    }
    return ST_OK;
}

/* Copies this builder's own buffers into v; ST_ERR_NOMEM (no message) on OOM. */
static st_status finish_buffers(const vec_builder *b, st_arena *a, vec *v)
{
    vec_type_id id = b->type->id;
    size_t nbits = vec_bitmap_bytes(b->len);
    if (b->null_count > 0 && id != VEC_NULL) {
        if (!(v->validity = arena_copy(a, b->validity.data, nbits)))
            return ST_ERR_NOMEM;
    }
    if (id == VEC_BOOL) {
        if (!(v->values = st_arena_calloc(a, 1, nbits)))
            return ST_ERR_NOMEM;
        if (nbits)
            memcpy(v->values, b->values.data, nbits);
    } else if (vec_type_width(id) > 0 || has_offsets(id)) {
        if (!(v->values = arena_copy(a, b->values.data, b->values.len)))
            return ST_ERR_NOMEM;
    }
    if (vec_type_is_varlen(id)) {
        if (!(v->bytes = arena_copy(a, b->bytes.data, b->bytes.len)))
            return ST_ERR_NOMEM;
        v->n_bytes = (int64_t)b->bytes.len;
    }
    return ST_OK;
}

static st_status builder_finish(const vec_builder *b, st_arena *a, vec **out, st_error *err)
{
    st_status rc = check_children(b, err);
    if (rc != ST_OK)
        return rc;
    vec *v = st_arena_calloc(a, 1, sizeof *v);
    if (!v)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory finishing a vector");
    v->type = b->type;
    v->len = b->len;
    v->null_count = b->type->id == VEC_NULL ? b->len : b->null_count;
    if (finish_buffers(b, a, v) != ST_OK)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory copying a vector of %" PRId64
                            " rows into its arena", b->len);
    if (b->n_children > 0) {
        v->children = st_arena_calloc(a, (size_t)b->n_children, sizeof(vec *));
        if (!v->children)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory finishing a vector");
        for (int i = 0; i < b->n_children; i++) {
            rc = builder_finish(b->children[i], a, &v->children[i], err);
            if (rc != ST_OK)
                return rc;
        }
    }
    *out = v;
    return ST_OK;
}

st_status vec_builder_finish(vec_builder *b, st_arena *a, vec **out, st_error *err)
{
    *out = NULL;
    return builder_finish(b, a, out, err);
}
