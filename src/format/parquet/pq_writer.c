/* pq_writer.c -- writes vector batches as a Parquet file (the writer half of
** pq.h). Parquet's file layout, Dremel shredding and footer are implemented
** here by hand: no packaged C library writes Parquet.
**
** Flow: pq_writer_open maps the vector schema to Parquet schema elements and
** one pq_wleaf per leaf column (pq_writer_int.h), creates the file and writes
** "PAR1". pq_writer_write shreds each batch, a slice of rows at a time, into
** the leaves' level and value buffers; when the open row group reaches
** row_group_rows rows or RG_MAX_BYTES buffered bytes, every leaf is encoded as
** a column chunk (pq_wchunk.c) and its buffers are emptied, so memory stays
** bounded by one row group. pq_writer_close flushes the last row group and
** writes FileMetaData, its 4-byte LE length and "PAR1".
**
** Type mapping (the inverse of docs/conventions.md "Parquet to vector types"):
**   BOOL -> BOOLEAN; INT8/16 -> INT32 INTEGER(8/16,signed) + INT_8/16;
**   INT32/INT64 -> INT32/INT64; UINT8/16/32 -> INT32 INTEGER(w,unsigned) +
**   UINT_w; UINT64 -> INT64 INTEGER(64,unsigned) + UINT_64; FLOAT, DOUBLE;
**   DECIMAL(p,s) -> INT32 (p <= 9), INT64 (p <= 18), else FIXED_LEN_BYTE_ARRAY
**   of the fewest bytes holding p digits, big-endian (as Spark writes), with
**   DECIMAL logical + converted types; STRING -> BYTE_ARRAY STRING + UTF8;
**   BINARY -> BYTE_ARRAY; DATE -> INT32 DATE; TIME -> INT64 TIME(MICROS,
**   local); TIMESTAMP -> INT64 TIMESTAMP(MICROS, UTC) + TIMESTAMP_MICROS;
**   TIMESTAMP_NTZ -> INT64 TIMESTAMP(MICROS, local); NULL -> optional INT32
**   with the UNKNOWN logical type, every value null (what pyarrow writes for
**   null columns: Spark 4 reads it as NullType, DuckDB as an all-null
**   INTEGER); STRUCT -> group; LIST -> the 3-level
**   `<rep> group name (LIST) { repeated group list { <rep> element } }`;
**   MAP -> `<rep> group name (MAP) { repeated group key_value { required key;
**   <rep> value } }`. Nullable fields are OPTIONAL, others REQUIRED.
**
** Errors: any failure while writing marks the writer failed; close then
** reports it and, like abort, removes the partial file. */
#include "pq_writer_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "pq_codec.h"

#define CREATED_BY       "strata version 0.1.0 (build 1)"
#define DEFAULT_RG_ROWS  (1 << 20)
#define DEFAULT_PAGE     (1 << 20)
#define MAX_PAGE         ((int64_t)1 << 30)   /* page_bytes is clamped to this */
#define RG_MAX_BYTES     ((size_t)128 << 20)  /* buffered bytes that force a flush */
#define SLICE_ROWS       65536                /* rows shredded between size checks */
#define OUT_BUF_BYTES    ((size_t)1 << 20)    /* write-behind buffer */

struct pq_writer {
    char        *path;          /* owned */
    pq_wout      out;           /* the file */
    const vec_schema *schema;   /* borrowed: caller's schema arena, outlives writes */
    pq_wchunk_ctx cctx;         /* chunk encoder settings */
    int64_t      rg_rows;       /* rows per row group */
    bool         failed;        /* a write failed; only close/abort remain */
    st_arena    *arena;         /* owned: schema elements, leaves, footer pieces */
    int          n_leaves;
    pq_wleaf    *leaves;        /* heap, n_leaves */
    int64_t      buffered_rows; /* rows in the open row group */
    pq_file_meta meta;          /* footer; schema/kv in arena, row_groups heap */
    int          cap_row_groups;
    pq_wscratch  scratch;       /* chunk encoder scratch */
    st_buf       sel;           /* int64 rows of the values being appended */
};

/* ---- file output --------------------------------------------------------- */

static st_status write_fully(pq_wout *o, const uint8_t *p, size_t n, st_error *err)
{
    while (n > 0) {
        ssize_t k = write(o->fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return st_error_set(err, ST_ERR_IO, "could not write parquet file \"%s\": %s",
                                o->path, k < 0 ? strerror(errno) : "no progress");
        p += k;
        n -= (size_t)k;
    }
    return ST_OK;
}

static st_status wout_flush(pq_wout *o, st_error *err)
{
    st_status rc = write_fully(o, o->buf.data, o->buf.len, err);
    o->buf.len = 0;
    return rc;
}

st_status pq_wout_write(pq_wout *o, const void *p, size_t n, st_error *err)
{
    if (o->buf.len + n > OUT_BUF_BYTES) {
        st_status rc = wout_flush(o, err);
        if (rc != ST_OK)
            return rc;
        if (n >= OUT_BUF_BYTES) {
            rc = write_fully(o, p, n, err);
            if (rc == ST_OK)
                o->offset += (int64_t)n;
            return rc;
        }
    }
    st_status rc = st_buf_append(&o->buf, p, n, err);
    if (rc == ST_OK)
        o->offset += (int64_t)n;
    return rc;
}

/* ---- schema mapping ------------------------------------------------------ */

/* State of the depth-first walk from a top-level field down to each leaf. */
typedef struct build_ctx {
    pq_writer  *w;
    int         top;                            /* top-level field index */
    pq_wstep    steps[PQ_W_MAX_DEPTH];          /* path so far */
    int         n_steps;
    const char *parts[2 * PQ_W_MAX_DEPTH];      /* path_in_schema so far */
    int         n_parts;
    int         def, rep;                       /* levels above the current node */
    pq_schema_element *elems;                   /* heap, grown */
    int         n_elems, cap_elems;
    int         cap_leaves;
} build_ctx;

static pq_schema_element *elem_add(build_ctx *b, const char *name, int repetition,
                                   st_error *err)
{
    if (b->n_elems == b->cap_elems) {
        int cap = b->cap_elems ? b->cap_elems * 2 : 16;
        pq_schema_element *e = st_realloc(b->elems, sizeof *e * (size_t)cap);
        if (!e) {
            st_error_set(err, ST_ERR_NOMEM, "out of memory building a parquet schema");
            return NULL;
        }
        b->elems = e;
        b->cap_elems = cap;
    }
    pq_schema_element *e = &b->elems[b->n_elems++];
    memset(e, 0, sizeof *e);
    e->name = st_arena_strdup(b->w->arena, name);
    if (!e->name) {
        st_error_set(err, ST_ERR_NOMEM, "out of memory building a parquet schema");
        return NULL;
    }
    e->converted_type = PQ_CT_NONE;
    e->has_repetition = repetition >= 0;
    e->repetition = repetition;
    return e;
}

/* Fewest bytes whose signed range holds every p-digit number (Spark's
** Decimal.minBytesForPrecision). */
static int decimal_flba_width(int precision)
{
    int n = 1;
    while (__builtin_powi(2.0, 8 * n - 1) < __builtin_powi(10.0, precision))
        n++;
    return n;
}

static void set_int_logical(pq_schema_element *e, int bits, bool is_signed, int converted)
{
    e->logical.kind = PQ_LT_INTEGER;
    e->logical.int_bit_width = (int8_t)bits;
    e->logical.int_signed = is_signed;
    e->converted_type = converted;
}

/* Physical type, annotations and statistics order of a primitive leaf. */
static st_status leaf_type(pq_wleaf *l, pq_schema_element *e, const vec_type *t, st_error *err)
{
    int phys = PQ_INT32, width = 4, sort = PQ_WSORT_I32;
    bool legacy = true;
    switch (t->id) {
    case VEC_NULL:   e->logical.kind = PQ_LT_UNKNOWN; sort = PQ_WSORT_NONE; break;
    case VEC_BOOL:   phys = PQ_BOOLEAN; width = 1; sort = PQ_WSORT_BOOL; break;
    case VEC_INT8:   set_int_logical(e, 8, true, PQ_CT_INT_8); break;
    case VEC_INT16:  set_int_logical(e, 16, true, PQ_CT_INT_16); break;
    case VEC_INT32:  break;
    case VEC_INT64:  phys = PQ_INT64; width = 8; sort = PQ_WSORT_I64; break;
    case VEC_UINT8:  set_int_logical(e, 8, false, PQ_CT_UINT_8); sort = PQ_WSORT_U32; break;
    case VEC_UINT16: set_int_logical(e, 16, false, PQ_CT_UINT_16); sort = PQ_WSORT_U32; break;
    case VEC_UINT32: set_int_logical(e, 32, false, PQ_CT_UINT_32); sort = PQ_WSORT_U32; break;
    case VEC_UINT64:
        set_int_logical(e, 64, false, PQ_CT_UINT_64);
        phys = PQ_INT64; width = 8; sort = PQ_WSORT_U64;
        break;
    case VEC_FLOAT:  phys = PQ_FLOAT; sort = PQ_WSORT_FLOAT; break;
    case VEC_DOUBLE: phys = PQ_DOUBLE; width = 8; sort = PQ_WSORT_DOUBLE; break;
    case VEC_DECIMAL:
        if (t->precision < 1 || t->precision > 38 || t->scale > t->precision)
            return st_error_set(err, ST_ERR_ARGUMENT, "column \"%s\" has invalid type "
                                "decimal(%d,%d)", l->path, t->precision, t->scale);
        e->logical.kind = PQ_LT_DECIMAL;
        e->logical.dec_precision = e->precision = t->precision;
        e->logical.dec_scale = e->scale = t->scale;
        e->converted_type = PQ_CT_DECIMAL;
        if (t->precision > 18) {
            phys = PQ_FIXED_LEN_BYTE_ARRAY;
            width = decimal_flba_width(t->precision);
            e->type_length = width;
            sort = PQ_WSORT_DEC_BE;
            legacy = false;
        } else if (t->precision > 9) {
            phys = PQ_INT64; width = 8; sort = PQ_WSORT_I64;
        }
        break;
    case VEC_STRING:
        e->logical.kind = PQ_LT_STRING;
        e->converted_type = PQ_CT_UTF8;
        phys = PQ_BYTE_ARRAY; width = 0; sort = PQ_WSORT_BYTES; legacy = false;
        break;
    case VEC_BINARY:
        phys = PQ_BYTE_ARRAY; width = 0; sort = PQ_WSORT_BYTES; legacy = false;
        break;
    case VEC_DATE:
        e->logical.kind = PQ_LT_DATE;
        e->converted_type = PQ_CT_DATE;
        break;
    case VEC_TIME:
        e->logical.kind = PQ_LT_TIME;
        e->logical.unit = PQ_UNIT_MICROS;
        e->logical.is_adjusted_utc = false;
        phys = PQ_INT64; width = 8; sort = PQ_WSORT_I64;
        break;
    case VEC_TIMESTAMP:
    case VEC_TIMESTAMP_NTZ:
        e->logical.kind = PQ_LT_TIMESTAMP;
        e->logical.unit = PQ_UNIT_MICROS;
        e->logical.is_adjusted_utc = t->id == VEC_TIMESTAMP;
        if (t->id == VEC_TIMESTAMP)
            e->converted_type = PQ_CT_TIMESTAMP_MICROS;
        phys = PQ_INT64; width = 8; sort = PQ_WSORT_I64;
        break;
    default:
        return st_error_set(err, ST_ERR_UNSUPPORTED, "column \"%s\" has vector type %d that "
                            "parquet cannot store", l->path, (int)t->id);
    }
    if (sort == PQ_WSORT_U32 || sort == PQ_WSORT_U64 || sort == PQ_WSORT_NONE)
        legacy = false;
    e->has_type = true;
    e->type = phys;
    l->vtype = t->id;
    l->precision = t->precision;
    l->phys = phys;
    l->width = width;
    l->sort = sort;
    l->legacy_stats = legacy;
    return ST_OK;
}

static char *join_path(st_arena *a, const char *const *parts, int n)
{
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(parts[i]) + 1;
    char *s = st_arena_alloc(a, len);
    if (!s)
        return NULL;
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        size_t k = strlen(parts[i]);
        if (i > 0)
            s[at++] = '.';
        memcpy(s + at, parts[i], k);
        at += k;
    }
    s[at] = '\0';
    return s;
}

static st_status leaf_add(build_ctx *b, pq_schema_element *e, const vec_type *t, st_error *err)
{
    pq_writer *w = b->w;
    if (w->n_leaves == b->cap_leaves) {
        int cap = b->cap_leaves ? b->cap_leaves * 2 : 16;
        pq_wleaf *nl = st_realloc(w->leaves, sizeof *nl * (size_t)cap);
        if (!nl)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory building a parquet schema");
        w->leaves = nl;
        b->cap_leaves = cap;
    }
    pq_wleaf *l = &w->leaves[w->n_leaves];
    memset(l, 0, sizeof *l);
    st_buf_init(&l->values);
    st_buf_init(&l->def);
    st_buf_init(&l->rep);
    l->top = b->top;
    l->n_parts = b->n_parts;
    l->parts = st_arena_alloc(w->arena, sizeof(char *) * (size_t)b->n_parts);
    l->n_steps = b->n_steps;
    l->steps = st_arena_alloc(w->arena, sizeof(pq_wstep) * (size_t)b->n_steps);
    l->path = join_path(w->arena, b->parts, b->n_parts);
    if (!l->parts || !l->steps || !l->path)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory building a parquet schema");
    for (int i = 0; i < b->n_parts; i++)
        l->parts[i] = b->parts[i];
    memcpy(l->steps, b->steps, sizeof(pq_wstep) * (size_t)b->n_steps);
    l->max_def = b->def;
    l->max_rep = b->rep;
    l->def_implicit = l->n_steps == 1 && l->max_def > 0;
    w->n_leaves++;       /* counted now so its buffers are freed on failure */
    return leaf_type(l, e, t, err);
}

static st_status build_field(build_ctx *b, const vec_field *f, const char *name,
                             bool force_required, st_error *err);

/* Pushes one path step (and the schema name part) for node `name`. */
static st_status path_push(build_ctx *b, const char *name, int kind, bool optional,
                           st_error *err)
{
    if (b->n_steps >= PQ_W_MAX_DEPTH)
        return st_error_set(err, ST_ERR_UNSUPPORTED, "column \"%s\" nests deeper than %d "
                            "levels", b->n_parts ? b->parts[0] : name, PQ_W_MAX_DEPTH);
    pq_wstep *s = &b->steps[b->n_steps++];
    memset(s, 0, sizeof *s);
    s->kind = (uint8_t)kind;
    s->optional = optional;
    b->parts[b->n_parts++] = name;
    return ST_OK;
}

static st_status build_struct(build_ctx *b, const vec_type *t, const char *name, st_error *err)
{
    if (t->n_children < 1)
        return st_error_set(err, ST_ERR_UNSUPPORTED, "struct column \"%s\" has no fields and "
                            "parquet cannot store an empty group", name);
    pq_wstep *s = &b->steps[b->n_steps - 1];
    for (int i = 0; i < t->n_children; i++) {
        s->child = i;
        st_status rc = build_field(b, &t->children[i], t->children[i].name, false, err);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

/* LIST: `<rep> group name (LIST) { repeated group list { <rep> element } }`;
** MAP: `<rep> group name (MAP) { repeated group key_value { key; value } }`. */
static st_status build_repeated(build_ctx *b, const vec_type *t, pq_schema_element *e,
                                const char *name, st_error *err)
{
    bool is_map = t->id == VEC_MAP;
    const vec_type *entries = t->n_children == 1 ? &t->children[0].type : NULL;
    if (!entries || (is_map && (entries->id != VEC_STRUCT || entries->n_children != 2)))
        return st_error_set(err, ST_ERR_ARGUMENT, "%s column \"%s\" has a malformed vector "
                            "type", is_map ? "map" : "list", name);
    e->num_children = 1;
    e->converted_type = is_map ? PQ_CT_MAP : PQ_CT_LIST;
    e->logical.kind = is_map ? PQ_LT_MAP : PQ_LT_LIST;
    const char *group = is_map ? "key_value" : "list";
    pq_schema_element *g = elem_add(b, group, PQ_REPEATED, err);
    if (!g)
        return err ? err->code : ST_ERR_NOMEM;
    g->num_children = is_map ? 2 : 1;
    b->steps[b->n_steps - 1].rep_level = ++b->rep;
    b->def++;
    st_status rc;
    if (!is_map) {
        b->parts[b->n_parts++] = group;
        rc = build_field(b, &t->children[0], "element", false, err);
        b->n_parts--;
    } else {
        rc = path_push(b, group, PQ_WSTEP_STRUCT, false, err);
        if (rc == ST_OK) {
            b->steps[b->n_steps - 1].child = 0;
            rc = build_field(b, &entries->children[0], "key", true, err);
        }
        if (rc == ST_OK) {
            b->steps[b->n_steps - 1].child = 1;
            rc = build_field(b, &entries->children[1], "value", false, err);
        }
        b->n_steps--;
        b->n_parts--;
    }
    b->def--;
    b->rep--;
    return rc;
}

/* Adds the schema element(s) for field f (named `name`) and its leaves. */
static st_status build_field(build_ctx *b, const vec_field *f, const char *name,
                             bool force_required, st_error *err)
{
    if (!name || !*name)
        return st_error_set(err, ST_ERR_ARGUMENT, "a column of the schema has no name");
    const vec_type *t = &f->type;
    bool optional = (f->nullable && !force_required) || t->id == VEC_NULL;
    int kind = t->id == VEC_STRUCT ? PQ_WSTEP_STRUCT : t->id == VEC_LIST ? PQ_WSTEP_LIST
             : t->id == VEC_MAP ? PQ_WSTEP_MAP : PQ_WSTEP_LEAF;
    pq_schema_element *e = elem_add(b, name, optional ? PQ_OPTIONAL : PQ_REQUIRED, err);
    if (!e)
        return err ? err->code : ST_ERR_NOMEM;
    /* e stays valid until the next elem_add (which may move the array) */
    st_status rc = path_push(b, e->name, kind, optional, err);
    if (rc != ST_OK)
        return rc;
    b->steps[b->n_steps - 1].is_null_type = t->id == VEC_NULL;
    if (optional)
        b->def++;
    switch (kind) {
    case PQ_WSTEP_STRUCT:
        e->num_children = t->n_children;
        rc = build_struct(b, t, e->name, err);
        break;
    case PQ_WSTEP_LIST:
    case PQ_WSTEP_MAP:
        rc = build_repeated(b, t, e, e->name, err);
        break;
    default:
        rc = leaf_add(b, e, t, err);
        break;
    }
    if (optional)
        b->def--;
    b->n_steps--;
    b->n_parts--;
    return rc;
}

static st_status schema_build(pq_writer *w, const vec_schema *s, st_error *err)
{
    if (!s || s->n_fields < 1)
        return st_error_set(err, ST_ERR_ARGUMENT, "cannot write parquet file \"%s\" with no "
                            "columns", w->path);
    build_ctx b;
    memset(&b, 0, sizeof b);
    b.w = w;
    st_status rc = ST_OK;
    pq_schema_element *root = elem_add(&b, "schema", -1, err);
    if (!root)
        rc = err ? err->code : ST_ERR_NOMEM;
    else
        root->num_children = s->n_fields;
    for (int i = 0; rc == ST_OK && i < s->n_fields; i++) {
        b.top = i;
        rc = build_field(&b, &s->fields[i], s->fields[i].name, false, err);
    }
    if (rc == ST_OK) {
        w->meta.schema = st_arena_alloc(w->arena, sizeof(pq_schema_element) * (size_t)b.n_elems);
        if (!w->meta.schema)
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory building a parquet schema");
        else
            memcpy(w->meta.schema, b.elems, sizeof(pq_schema_element) * (size_t)b.n_elems);
        w->meta.n_schema = b.n_elems;
    }
    st_free(b.elems);
    return rc;
}

/* ---- values -------------------------------------------------------------- */

/* Row k of a selection: idx[k] when a row list is given, else first + k. */
static inline int64_t sel_row(const int64_t *idx, int64_t first, size_t k)
{
    return idx ? idx[k] : first + (int64_t)k;
}

static void copy_fixed(uint8_t *o, const uint8_t *src, size_t w, const int64_t *idx,
                       int64_t first, size_t n)
{
    if (!idx) {
        memcpy(o, src + (size_t)first * w, n * w);
    } else if (w == 4) {
        for (size_t k = 0; k < n; k++)
            memcpy(o + k * 4, src + (size_t)idx[k] * 4, 4);
    } else {
        for (size_t k = 0; k < n; k++)
            memcpy(o + k * 8, src + (size_t)idx[k] * 8, 8);
    }
}

/* Small integers widen to INT32 (sign- or zero-extended). */
static void copy_widen(uint8_t *o, const vec *v, const int64_t *idx, int64_t first, size_t n)
{
    switch (v->type->id) {
    case VEC_INT8: {
        const int8_t *s = v->values;
        for (size_t k = 0; k < n; k++)
            st_store_le32(o + k * 4, (uint32_t)(int32_t)s[sel_row(idx, first, k)]);
        break;
    }
    case VEC_UINT8: {
        const uint8_t *s = v->values;
        for (size_t k = 0; k < n; k++)
            st_store_le32(o + k * 4, s[sel_row(idx, first, k)]);
        break;
    }
    case VEC_INT16: {
        const int16_t *s = v->values;
        for (size_t k = 0; k < n; k++)
            st_store_le32(o + k * 4, (uint32_t)(int32_t)s[sel_row(idx, first, k)]);
        break;
    }
    default: {
        const uint16_t *s = v->values;
        for (size_t k = 0; k < n; k++)
            st_store_le32(o + k * 4, s[sel_row(idx, first, k)]);
        break;
    }
    }
}

/* Decimal128 to INT32 / INT64 / big-endian FLBA of width w, refusing values
** with more digits than the declared precision (they would not fit). */
static st_status copy_decimal(const pq_wleaf *l, uint8_t *o, const vec *v, const int64_t *idx,
                              int64_t first, size_t n, st_error *err)
{
    __int128 lim = 1;
    for (int i = 0; i < l->precision; i++)
        lim *= 10;
    const uint8_t *src = v->values;
    size_t w = (size_t)l->width;
    for (size_t k = 0; k < n; k++) {
        __int128 x;
        memcpy(&x, src + (size_t)sel_row(idx, first, k) * 16, 16);
        if (x >= lim || x <= -lim) {
            char buf[64];
            vec_format_decimal(x, 0, buf, sizeof buf);
            return st_error_set(err, ST_ERR_ARGUMENT, "unscaled value %s of column \"%s\" does "
                                "not fit decimal precision %d", buf, l->path, l->precision);
        }
        uint8_t *p = o + k * w;
        if (w == 4) {
            st_store_le32(p, (uint32_t)(int32_t)x);
        } else if (w == 8) {
            st_store_le64(p, (uint64_t)(int64_t)x);
        } else {
            for (size_t b = 0; b < w; b++)
                p[w - 1 - b] = (uint8_t)(x >> (8 * b));
        }
    }
    return ST_OK;
}

/* BYTE_ARRAY: 4-byte LE length + bytes per value. */
static st_status put_byte_arrays(pq_wleaf *l, const vec *v, const int64_t *idx, int64_t first,
                                 size_t n, st_error *err)
{
    const int32_t *off = vec_offsets(v);
    size_t total = 0;
    for (size_t k = 0; k < n; k++) {
        int64_t r = sel_row(idx, first, k);
        int32_t a = off[r], b = off[r + 1];
        if (a < 0 || b < a || b > v->n_bytes)
            return st_error_set(err, ST_ERR_ARGUMENT, "column \"%s\" has invalid string "
                                "offsets %d..%d at row %" PRId64, l->path, a, b, r);
        total += 4 + (size_t)(b - a);
    }
    st_status rc = st_buf_reserve(&l->values, total, err);
    if (rc != ST_OK)
        return rc;
    uint8_t *o = l->values.data + l->values.len;
    for (size_t k = 0; k < n; k++) {
        int64_t r = sel_row(idx, first, k);
        uint32_t len = (uint32_t)(off[r + 1] - off[r]);
        st_store_le32(o, len);
        st_memcpy(o + 4, v->bytes + off[r], len);   /* bytes may be NULL when all are empty */
        o += 4 + len;
    }
    l->values.len += total;
    l->n_values += (int64_t)n;
    return ST_OK;
}

/* Appends the (non-null) values of the selected rows of leaf vector v. */
static st_status put_values(pq_wleaf *l, const vec *v, const int64_t *idx, int64_t first,
                            size_t n, st_error *err)
{
    if (n == 0)
        return ST_OK;
    if (l->phys == PQ_BYTE_ARRAY)
        return put_byte_arrays(l, v, idx, first, n, err);
    size_t bytes = n * (size_t)l->width;
    st_status rc = st_buf_reserve(&l->values, bytes, err);
    if (rc != ST_OK)
        return rc;
    uint8_t *o = l->values.data + l->values.len;
    switch (l->vtype) {
    case VEC_BOOL: {
        const uint8_t *bits = v->values;
        for (size_t k = 0; k < n; k++)
            o[k] = (uint8_t)vec_bit_get(bits, sel_row(idx, first, k));
        break;
    }
    case VEC_INT8: case VEC_UINT8: case VEC_INT16: case VEC_UINT16:
        copy_widen(o, v, idx, first, n);
        break;
    case VEC_DECIMAL:
        rc = copy_decimal(l, o, v, idx, first, n, err);
        break;
    default:
        copy_fixed(o, v->values, (size_t)l->width, idx, first, n);
        break;
    }
    if (rc != ST_OK)
        return rc;
    l->values.len += bytes;
    l->n_values += (int64_t)n;
    return ST_OK;
}

/* ---- shredding ----------------------------------------------------------- */

static st_status levels_reserve(pq_wleaf *l, size_t n, st_error *err)
{
    st_status rc = ST_OK;
    if (l->max_def > 0 && !l->def_implicit)
        rc = st_buf_reserve(&l->def, n * 2, err);
    if (rc == ST_OK && l->max_rep > 0)
        rc = st_buf_reserve(&l->rep, n * 2, err);
    return rc;
}

static inline st_status level_push(pq_wleaf *l, int def, int rep, st_error *err)
{
    if ((l->max_def > 0 && l->def.len + 2 > l->def.cap) ||
        (l->max_rep > 0 && l->rep.len + 2 > l->rep.cap)) {
        st_status rc = levels_reserve(l, 4096, err);
        if (rc != ST_OK)
            return rc;
    }
    if (l->max_def > 0) {
        uint16_t d = (uint16_t)def;
        memcpy(l->def.data + l->def.len, &d, 2);
        l->def.len += 2;
    }
    if (l->max_rep > 0) {
        uint16_t r = (uint16_t)rep;
        memcpy(l->rep.data + l->rep.len, &r, 2);
        l->rep.len += 2;
    }
    l->n_entries++;
    return ST_OK;
}

static st_status null_in_required(const pq_wleaf *l, int64_t row, st_error *err)
{
    return st_error_set(err, ST_ERR_ARGUMENT, "column \"%s\" is not nullable but holds a null "
                        "(row %" PRId64 " of its vector)", l->path, row);
}

/* Turns an implicit all-max_def level run into stored levels, with room for
** n more. */
static st_status def_materialize(pq_wleaf *l, size_t n, st_error *err)
{
    l->def_implicit = false;
    st_status rc = st_buf_reserve(&l->def, ((size_t)l->n_entries + n) * 2, err);
    if (rc != ST_OK)
        return rc;
    uint16_t *d = (uint16_t *)l->def.data;
    for (int64_t i = 0; i < l->n_entries; i++)
        d[i] = (uint16_t)l->max_def;
    l->def.len = (size_t)l->n_entries * 2;
    return ST_OK;
}

/* A top-level primitive column: rows [first, first + n) of v. Its only
** possible def levels are 0 (null) and 1. */
static st_status shred_flat(pq_writer *w, pq_wleaf *l, const vec *v, int64_t first, int64_t n,
                            st_error *err)
{
    const pq_wstep *s = &l->steps[0];
    bool nulls = s->is_null_type || (v->validity && v->null_count > 0);
    if (!nulls && (l->max_def == 0 || l->def_implicit)) {
        /* OPT: no level to store */
        l->n_entries += n;
        return put_values(l, v, NULL, first, (size_t)n, err);
    }
    st_status rc = l->def_implicit ? def_materialize(l, (size_t)n, err)
                                   : levels_reserve(l, (size_t)n, err);
    if (rc != ST_OK)
        return rc;
    uint16_t *def = l->max_def > 0 ? (uint16_t *)(l->def.data + l->def.len) : NULL;
    if (s->is_null_type) {
        memset(def, 0, (size_t)n * 2);
        l->def.len += (size_t)n * 2;
        l->n_entries += n;
        return ST_OK;
    }
    if (!nulls) {
        for (int64_t i = 0; i < n; i++)
            def[i] = 1;
        l->def.len += (size_t)n * 2;
        l->n_entries += n;
        return put_values(l, v, NULL, first, (size_t)n, err);
    }
    /* nulls: collect the valid rows, then gather them */
    st_buf_clear(&w->sel);
    rc = st_buf_reserve(&w->sel, (size_t)n * sizeof(int64_t), err);
    if (rc != ST_OK)
        return rc;
    int64_t *sel = (int64_t *)w->sel.data;
    size_t k = 0;
    for (int64_t i = 0; i < n; i++) {
        bool valid = vec_bit_get(v->validity, first + i);
        if (!valid && !s->optional)
            return null_in_required(l, first + i, err);
        sel[k] = first + i;
        k += valid;
        if (def)
            def[i] = valid;
    }
    if (def)
        l->def.len += (size_t)n * 2;
    l->n_entries += n;
    return put_values(l, v, sel, 0, k, err);
}

/* Dremel shredding of one nested leaf, value by value. */
typedef struct shred_ctx {
    pq_writer  *w;
    pq_wleaf   *l;
    const vec  *leaf_vec;    /* the leaf's vector, once a value reached it */
    st_error   *err;
} shred_ctx;

/* Emits the levels (and value rows) for row i of v, the vector at depth
** `depth` of the leaf's path. def = definition level reached above v; rep =
** repetition level of the first entry this row produces. */
static st_status shred_value(shred_ctx *c, int depth, const vec *v, int64_t i, int def, int rep)
{
    const pq_wstep *s = &c->l->steps[depth];
    if (s->is_null_type || !vec_is_valid(v, i)) {
        if (!s->optional)
            return null_in_required(c->l, i, c->err);
        return level_push(c->l, def, rep, c->err);
    }
    if (s->optional)
        def++;
    switch (s->kind) {
    case PQ_WSTEP_LEAF: {
        c->leaf_vec = v;
        st_status rc = st_buf_append(&c->w->sel, &i, sizeof i, c->err);
        return rc == ST_OK ? level_push(c->l, def, rep, c->err) : rc;
    }
    case PQ_WSTEP_STRUCT: {
        const vec *child = v->children[s->child];
        if (i >= child->len)
            return st_error_set(c->err, ST_ERR_ARGUMENT, "column \"%s\" has a struct child "
                                "of %" PRId64 " rows, too short for row %" PRId64, c->l->path,
                                child->len, i);
        return shred_value(c, depth + 1, child, i, def, rep);
    }
    default: {       /* LIST, MAP: one entry per element, or one for an empty row */
        const int32_t *off = vec_offsets(v);
        const vec *child = v->children[0];
        int64_t b = off[i], e = off[i + 1];
        if (b < 0 || e < b || e > child->len)
            return st_error_set(c->err, ST_ERR_ARGUMENT, "column \"%s\" has invalid list "
                                "offsets %" PRId64 "..%" PRId64 " at row %" PRId64, c->l->path,
                                b, e, i);
        if (b == e)
            return level_push(c->l, def, rep, c->err);
        for (int64_t j = b; j < e; j++) {
            st_status rc = shred_value(c, depth + 1, child, j, def + 1,
                                       j == b ? rep : s->rep_level);
            if (rc != ST_OK)
                return rc;
        }
        return ST_OK;
    }
    }
}

static st_status shred_nested(pq_writer *w, pq_wleaf *l, const vec *v, int64_t first,
                              int64_t n, st_error *err)
{
    shred_ctx c = {w, l, NULL, err};
    st_buf_clear(&w->sel);
    for (int64_t i = first; i < first + n; i++) {
        st_status rc = shred_value(&c, 0, v, i, 0, 0);
        if (rc != ST_OK)
            return rc;
    }
    size_t nv = w->sel.len / sizeof(int64_t);
    if (nv == 0)
        return ST_OK;
    return put_values(l, c.leaf_vec, (const int64_t *)w->sel.data, 0, nv, err);
}

static size_t buffered_bytes(const pq_writer *w)
{
    size_t total = 0;
    for (int i = 0; i < w->n_leaves; i++)
        total += w->leaves[i].values.len + w->leaves[i].def.len + w->leaves[i].rep.len;
    return total;
}

/* ---- row groups ---------------------------------------------------------- */

static void leaf_clear(pq_wleaf *l)
{
    st_buf_clear(&l->values);
    st_buf_clear(&l->def);
    st_buf_clear(&l->rep);
    l->n_entries = l->n_values = 0;
    l->def_implicit = l->n_steps == 1 && l->max_def > 0;
}

/* Encodes the open row group, one column chunk per leaf, and records it in
** the footer. Buffers are emptied (capacity kept for the next row group). */
static st_status flush_row_group(pq_writer *w, st_error *err)
{
    if (w->buffered_rows == 0)
        return ST_OK;
    pq_file_meta *m = &w->meta;
    if (m->n_row_groups == w->cap_row_groups) {
        int cap = w->cap_row_groups ? w->cap_row_groups * 2 : 8;
        pq_row_group *rg = st_realloc(m->row_groups, sizeof *rg * (size_t)cap);
        if (!rg)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory recording a row group");
        m->row_groups = rg;
        w->cap_row_groups = cap;
    }
    pq_column_chunk *cols = st_arena_calloc(w->arena, (size_t)w->n_leaves, sizeof *cols);
    if (!cols)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory recording a row group");
    int64_t start = w->out.offset, unc = 0, comp = 0;
    for (int i = 0; i < w->n_leaves; i++) {
        st_status rc = pq_wchunk_encode(&w->cctx, &w->leaves[i], &cols[i], err);
        if (rc != ST_OK) {
            st_error_context(err, "writing column \"%s\" of row group %d", w->leaves[i].path,
                             m->n_row_groups);
            return rc;
        }
        unc += cols[i].meta_data.total_uncompressed_size;
        comp += cols[i].meta_data.total_compressed_size;
        leaf_clear(&w->leaves[i]);
    }
    pq_row_group *rg = &m->row_groups[m->n_row_groups];
    memset(rg, 0, sizeof *rg);
    rg->n_columns = w->n_leaves;
    rg->columns = cols;
    rg->total_byte_size = unc;
    rg->num_rows = w->buffered_rows;
    rg->has_file_offset = true;
    rg->file_offset = start;
    rg->has_total_compressed_size = true;
    rg->total_compressed_size = comp;
    rg->has_ordinal = m->n_row_groups <= INT16_MAX;
    rg->ordinal = (int16_t)(rg->has_ordinal ? m->n_row_groups : 0);
    m->n_row_groups++;
    m->num_rows += w->buffered_rows;
    w->buffered_rows = 0;
    return ST_OK;
}

/* ---- batches ------------------------------------------------------------- */

static st_status check_batch(const pq_writer *w, const vec_batch *b, st_error *err)
{
    const vec_schema *s = w->schema;
    if (!b || b->n_cols != s->n_fields || b->n_rows < 0)
        return st_error_set(err, ST_ERR_ARGUMENT, "batch has %d columns but parquet file \"%s\" "
                            "has %d", b ? b->n_cols : 0, w->path, s->n_fields);
    for (int i = 0; i < s->n_fields; i++) {
        const vec_field *f = &s->fields[i];
        const vec *c = b->cols[i];
        if (b->schema != s) {
            const vec_field *g = b->schema && i < b->schema->n_fields ? &b->schema->fields[i]
                                                                      : NULL;
            if (!g || strcmp(g->name, f->name) != 0 || !vec_type_equal(&g->type, &f->type)) {
                char want[128], got[128] = "?";
                vec_type_format(&f->type, want, sizeof want);
                if (g)
                    vec_type_format(&g->type, got, sizeof got);
                return st_error_set(err, ST_ERR_ARGUMENT, "batch column %d (\"%s\" %s) does not "
                                    "match column \"%s\" %s of parquet file \"%s\"", i,
                                    g ? g->name : "?", got, f->name, want, w->path);
            }
        }
        if (!c || c->len != b->n_rows || (c->type && c->type->id != f->type.id))
            return st_error_set(err, ST_ERR_ARGUMENT, "batch column \"%s\" has %" PRId64
                                " rows or the wrong vector type for parquet file \"%s\"",
                                f->name, c ? c->len : 0, w->path);
    }
    return ST_OK;
}

/* Shreds rows [first, first + n) of b into every leaf. */
static st_status shred_rows(pq_writer *w, const vec_batch *b, int64_t first, int64_t n,
                            st_error *err)
{
    for (int i = 0; i < w->n_leaves; i++) {
        pq_wleaf *l = &w->leaves[i];
        const vec *v = b->cols[l->top];
        st_status rc = l->n_steps == 1 ? shred_flat(w, l, v, first, n, err)
                                       : shred_nested(w, l, v, first, n, err);
        if (rc != ST_OK)
            return rc;
    }
    w->buffered_rows += n;
    return ST_OK;
}

st_status pq_writer_write(pq_writer *w, const vec_batch *b, st_error *err)
{
    if (w->failed)
        return st_error_set(err, ST_ERR_ARGUMENT, "parquet writer for file \"%s\" already "
                            "failed", w->path);
    st_status rc = check_batch(w, b, err);
    if (rc != ST_OK)
        return rc;
    int64_t done = 0;
    while (rc == ST_OK && done < b->n_rows) {
        int64_t n = ST_MIN(b->n_rows - done, w->rg_rows - w->buffered_rows);
        n = ST_MIN(n, SLICE_ROWS);
        rc = shred_rows(w, b, done, n, err);
        done += n;
        if (rc == ST_OK && (w->buffered_rows >= w->rg_rows || buffered_bytes(w) >= RG_MAX_BYTES))
            rc = flush_row_group(w, err);
    }
    if (rc != ST_OK) {
        w->failed = true;
        st_error_context(err, "writing parquet file \"%s\"", w->path);
    }
    return rc;
}

/* ---- open / close -------------------------------------------------------- */

static void writer_free(pq_writer *w)
{
    if (!w)
        return;
    if (w->out.fd >= 0)
        close(w->out.fd);
    for (int i = 0; i < w->n_leaves; i++) {
        st_buf_destroy(&w->leaves[i].values);
        st_buf_destroy(&w->leaves[i].def);
        st_buf_destroy(&w->leaves[i].rep);
    }
    st_free(w->leaves);
    st_free(w->meta.row_groups);
    st_buf_destroy(&w->out.buf);
    st_buf_destroy(&w->sel);
    pq_wscratch_destroy(&w->scratch);
    st_arena_free(w->arena);
    st_free(w->path);
    st_free(w);
}

/* Closes and removes the partial file, then frees w. */
static void writer_discard(pq_writer *w)
{
    if (w->out.fd >= 0) {
        close(w->out.fd);
        w->out.fd = -1;
        unlink(w->path);
    }
    writer_free(w);
}

static bool codec_writable(int codec)
{
    return codec == PQ_CODEC_UNCOMPRESSED || codec == PQ_CODEC_SNAPPY ||
           codec == PQ_CODEC_GZIP || codec == PQ_CODEC_ZSTD || codec == PQ_CODEC_LZ4_RAW ||
           codec == PQ_CODEC_BROTLI;
}

static st_status options_apply(pq_writer *w, const pq_write_options *opt, st_error *err)
{
    pq_wchunk_ctx *c = &w->cctx;
    c->codec = opt ? opt->codec : PQ_CODEC_SNAPPY;
    c->level = opt ? opt->level : 0;
    c->page_bytes = opt && opt->page_bytes > 0 ? ST_MIN(opt->page_bytes, MAX_PAGE)
                                               : DEFAULT_PAGE;
    c->no_dictionary = opt && opt->no_dictionary;
    c->meta_arena = w->arena;
    c->scratch = &w->scratch;
    c->out = &w->out;
    w->rg_rows = opt && opt->row_group_rows > 0 ? opt->row_group_rows : DEFAULT_RG_ROWS;
    if (!codec_writable(c->codec))
        return st_error_set(err, ST_ERR_ARGUMENT, "cannot write parquet file \"%s\" with "
                            "compression codec %d", w->path, c->codec);
    pq_file_meta *m = &w->meta;
    m->version = 2;
    m->created_by = CREATED_BY;
    m->n_column_orders = w->n_leaves;
    if (opt && opt->n_kv > 0) {
        m->kv = st_arena_calloc(w->arena, (size_t)opt->n_kv, sizeof(pq_key_value));
        if (!m->kv)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory copying key/value metadata");
        for (int i = 0; i < opt->n_kv; i++) {
            m->kv[i].key = st_arena_strdup(w->arena, opt->kv[i].key ? opt->kv[i].key : "");
            m->kv[i].value = opt->kv[i].value ? st_arena_strdup(w->arena, opt->kv[i].value)
                                              : NULL;
            if (!m->kv[i].key || (opt->kv[i].value && !m->kv[i].value))
                return st_error_set(err, ST_ERR_NOMEM, "out of memory copying key/value "
                                    "metadata");
        }
        m->n_kv = opt->n_kv;
    }
    return ST_OK;
}

st_status pq_writer_open(const char *path, const vec_schema *schema, const pq_write_options *opt,
                         pq_writer **out, st_error *err)
{
    *out = NULL;
    pq_writer *w = st_calloc(1, sizeof *w);
    if (!w)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory opening a parquet writer");
    w->out.fd = -1;
    w->path = st_strdup(path);
    w->arena = st_arena_new(0);
    st_status rc = ST_OK;
    if (!w->path || !w->arena)
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory opening a parquet writer");
    w->out.path = w->path;
    w->schema = schema;
    if (rc == ST_OK)
        rc = schema_build(w, schema, err);
    if (rc == ST_OK)
        rc = options_apply(w, opt, err);
    if (rc == ST_OK)
        rc = st_buf_reserve(&w->out.buf, OUT_BUF_BYTES, err);
    if (rc != ST_OK) {
        writer_free(w);
        return rc;
    }
    w->out.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->out.fd < 0) {
        rc = st_error_set(err, errno == ENOENT ? ST_ERR_NOTFOUND : ST_ERR_IO,
                          "could not create parquet file \"%s\": %s", path, strerror(errno));
        writer_free(w);
        return rc;
    }
    rc = pq_wout_write(&w->out, "PAR1", 4, err);
    if (rc != ST_OK) {
        writer_discard(w);
        return rc;
    }
    *out = w;
    return ST_OK;
}

/* Last row group, footer, tail; then the descriptor is closed. */
static st_status writer_finish(pq_writer *w, st_error *err)
{
    st_status rc = flush_row_group(w, err);
    if (rc != ST_OK)
        return rc;
    st_buf footer;
    st_buf_init(&footer);
    rc = pq_meta_write_file(&footer, &w->meta, err);
    uint8_t tail[8];
    if (rc == ST_OK && footer.len > UINT32_MAX)
        rc = st_error_set(err, ST_ERR_LIMIT, "parquet footer of %zu bytes is too large",
                          footer.len);
    if (rc == ST_OK) {
        st_store_le32(tail, (uint32_t)footer.len);
        memcpy(tail + 4, "PAR1", 4);
        rc = pq_wout_write(&w->out, footer.data, footer.len, err);
    }
    st_buf_destroy(&footer);
    if (rc == ST_OK)
        rc = pq_wout_write(&w->out, tail, sizeof tail, err);
    if (rc == ST_OK)
        rc = wout_flush(&w->out, err);
    if (rc != ST_OK)
        return rc;
    int fd = w->out.fd;
    w->out.fd = -1;
    if (close(fd) != 0) {
        unlink(w->path);
        return st_error_set(err, ST_ERR_IO, "could not close parquet file \"%s\": %s", w->path,
                            strerror(errno));
    }
    return ST_OK;
}

st_status pq_writer_close(pq_writer *w, pq_write_result *res, st_error *err)
{
    st_status rc;
    if (w->failed)
        rc = st_error_set(err, ST_ERR_ARGUMENT, "parquet writer for file \"%s\" failed earlier "
                          "and its file was removed", w->path);
    else
        rc = writer_finish(w, err);
    if (rc != ST_OK) {
        if (!w->failed)
            st_error_context(err, "closing parquet file \"%s\"", w->path);
        writer_discard(w);
        return rc;
    }
    if (res) {
        res->n_rows = w->meta.num_rows;
        res->file_bytes = w->out.offset;
    }
    writer_free(w);
    return ST_OK;
}

void pq_writer_abort(pq_writer *w)
{
    if (w)
        writer_discard(w);
}

const pq_file_meta *pq_writer_metadata(const pq_writer *w)
{
    return &w->meta;
}
