/* delta_stats.c -- per-file column statistics for add actions (PROTOCOL.md
** "Per-file Statistics"), computed from the vectors a data file was written
** from, in the JSON shape Spark writes:
**   {"numRecords":N,"minValues":{..},"maxValues":{..},"nullCount":{..}}
** Columns are the first n_indexed leaf columns of the file's schema in schema
** order (nested structs descend and nest as JSON objects; a list or map is
** one leaf). Bounds exist for numbers, decimals, dates, timestamps and
** strings only (Spark's "skipping eligible" types); boolean, binary, time,
** list and map columns get a nullCount only. A column whose values are all
** null has no bounds (Spark's to_json drops null fields).
** Spark conventions followed: strings keep a 32 code point prefix, and a
** truncated max gets the tie-breaker U+10FFFF appended so it still bounds
** every value; timestamps are truncated to milliseconds and written as
** "YYYY-MM-DDTHH:MM:SS.mmmZ" (timestamp_ntz without the Z); NaN is the
** largest double (so a max may be "NaN"), and a min is NaN only when every
** value is. A nested field counts as null where its parent struct is.
** A delta_stats_acc folds batches in one at a time (a file is written from
** many batches): per leaf it keeps the null count and the current min/max
** as raw vector bytes (strings as owned full copies), compared with the
** same typed ordering as within a batch, so the result equals the stats of
** the concatenated rows. */
#include "delta_write.h"

#include <inttypes.h>
#include <math.h>

enum { PASS_MIN, PASS_MAX, PASS_NULLS };

/* The current min or max of one leaf, kept across batches. */
typedef struct stats_bound {
    bool     has;          /* a non-null value was seen */
    _Alignas(16) uint8_t raw[16]; /* fixed-width value as laid out in a vector (aligned
                                  ** for its loads, __int128 included) */
    int32_t  off[2];       /* STRING: offsets {0, len} of str */
    st_buf   str;          /* owned: STRING bytes (full value, truncated at finish) */
} stats_bound;

typedef struct stats_leaf {
    const vec_field *field; /* borrowed: data schema */
    int64_t     null_count;
    stats_bound min, max;
} stats_leaf;

struct delta_stats_acc {
    vec_type    top;        /* the schema seen as one struct (fields borrowed) */
    int         n_leaves;   /* indexed leaves: the first n_leaves in schema order */
    stats_leaf *leaves;     /* heap, n_leaves */
    int64_t     n_rows;     /* rows folded in */
    st_arena   *scratch;    /* owned: parent validity masks, reset per call */
};

typedef struct stats_ctx {
    st_buf   *out;
    const delta_stats_acc *acc;
    int       leaf;      /* next leaf index in schema order */
} stats_ctx;

st_status delta_json_quote(st_buf *out, const char *s, size_t n, st_error *err)
{
    st_status rc = st_buf_append_byte(out, '"', err);
    for (size_t i = 0; i < n && rc == ST_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char esc[2] = { '\\', (char)c };
            rc = st_buf_append(out, esc, 2, err);
        } else if (c == '\n') {
            rc = st_buf_append(out, "\\n", 2, err);
        } else if (c == '\t') {
            rc = st_buf_append(out, "\\t", 2, err);
        } else if (c == '\r') {
            rc = st_buf_append(out, "\\r", 2, err);
        } else if (c < 0x20) {
            rc = st_buf_printf(out, err, "\\u%04x", c);
        } else {
            rc = st_buf_append_byte(out, c, err);
        }
    }
    return rc == ST_OK ? st_buf_append_byte(out, '"', err) : rc;
}

static bool has_bounds(vec_type_id id)
{
    switch (id) {
    case VEC_INT8: case VEC_INT16: case VEC_INT32: case VEC_INT64:
    case VEC_UINT8: case VEC_UINT16: case VEC_UINT32: case VEC_UINT64:
    case VEC_FLOAT: case VEC_DOUBLE: case VEC_DECIMAL: case VEC_STRING:
    case VEC_DATE: case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ:
        return true;
    default:
        return false;
    }
}

static int64_t load_signed(const vec *v, int64_t i)
{
    switch (v->type->id) {
    case VEC_INT8:  return ((const int8_t *)v->values)[i];
    case VEC_INT16: return ((const int16_t *)v->values)[i];
    case VEC_INT32: case VEC_DATE: return ((const int32_t *)v->values)[i];
    default:        return ((const int64_t *)v->values)[i];
    }
}

static uint64_t load_unsigned(const vec *v, int64_t i)
{
    switch (v->type->id) {
    case VEC_UINT8:  return ((const uint8_t *)v->values)[i];
    case VEC_UINT16: return ((const uint16_t *)v->values)[i];
    case VEC_UINT32: return ((const uint32_t *)v->values)[i];
    default:         return ((const uint64_t *)v->values)[i];
    }
}

static double load_double(const vec *v, int64_t i)
{
    if (v->type->id == VEC_FLOAT)
        return ((const float *)v->values)[i];
    return ((const double *)v->values)[i];
}

static __int128 load_dec(const vec *v, int64_t i)
{
    __int128 x;
    memcpy(&x, (const uint8_t *)v->values + 16 * i, 16);
    return x;
}

static int cmp_bytes(const vec *va, int64_t a, const vec *vb, int64_t b)
{
    const int32_t *oa = vec_offsets(va), *ob = vec_offsets(vb);
    size_t la = (size_t)(oa[a + 1] - oa[a]), lb = (size_t)(ob[b + 1] - ob[b]);
    int c = st_memcmp(va->bytes + oa[a], vb->bytes + ob[b], ST_MIN(la, lb));
    if (c != 0)
        return c;
    return la < lb ? -1 : la > lb;
}

/* Orders row a of va against row b of vb (same type); NaN sorts above
** every number (Spark). */
static int cmp_values(const vec *va, int64_t a, const vec *vb, int64_t b)
{
    switch (va->type->id) {
    case VEC_UINT8: case VEC_UINT16: case VEC_UINT32: case VEC_UINT64: {
        uint64_t x = load_unsigned(va, a), y = load_unsigned(vb, b);
        return x < y ? -1 : x > y;
    }
    case VEC_FLOAT: case VEC_DOUBLE: {
        double x = load_double(va, a), y = load_double(vb, b);
        if (isnan(x) || isnan(y))
            return isnan(x) - isnan(y);
        return x < y ? -1 : x > y;
    }
    case VEC_DECIMAL: {
        __int128 x = load_dec(va, a), y = load_dec(vb, b);
        return x < y ? -1 : x > y;
    }
    case VEC_STRING:
        return cmp_bytes(va, a, vb, b);
    default: {
        int64_t x = load_signed(va, a), y = load_signed(vb, b);
        return x < y ? -1 : x > y;
    }
    }
}

static int cmp_rows(const vec *v, int64_t a, int64_t b)
{
    return cmp_values(v, a, v, b);
}

static bool row_valid(const vec *v, const uint8_t *parent, int64_t i)
{
    return (parent == NULL || parent[i]) && vec_is_valid(v, i);
}

static bool is_nan_row(const vec *v, int64_t i)
{
    return (v->type->id == VEC_FLOAT || v->type->id == VEC_DOUBLE) && isnan(load_double(v, i));
}

/* Index of the min (want_max false) or max row, or -1 when all are null. A
** min skips NaN unless nothing else is there. */
static int64_t extreme_row(const vec *v, const uint8_t *parent, int64_t n, bool want_max)
{
    int64_t best = -1, best_nan = -1;
    for (int64_t i = 0; i < n; i++) {
        if (!row_valid(v, parent, i))
            continue;
        if (!want_max && is_nan_row(v, i)) {
            best_nan = i;
            continue;
        }
        if (best < 0) {
            best = i;
            continue;
        }
        int c = cmp_rows(v, i, best);
        if (want_max ? c > 0 : c < 0)
            best = i;
    }
    return best >= 0 ? best : best_nan;
}

/* Byte length of the first n_cp code points of s (lead bytes counted). */
static size_t prefix_bytes(const uint8_t *s, size_t len, size_t n_cp, size_t *out_cp)
{
    size_t i = 0, cp = 0;
    while (i < len) {
        if ((s[i] & 0xC0) != 0x80) {
            if (cp == n_cp)
                break;
            cp++;
        }
        i++;
    }
    *out_cp = cp;
    return i;
}

static st_status emit_string_bound(stats_ctx *c, const vec *v, int64_t row, bool is_max,
                                   st_error *err)
{
    const int32_t *off = vec_offsets(v);
    const uint8_t *s = v->bytes + off[row];
    size_t len = (size_t)(off[row + 1] - off[row]), cp = 0;
    size_t keep = prefix_bytes(s, len, DELTA_STATS_STRING_PREFIX, &cp);
    if (keep == len || !is_max)
        return delta_json_quote(c->out, (const char *)s, keep, err);
    /* Extend over code points not below the tie-breaker (only U+10FFFF
    ** itself, F4 8F BF BF); if that runs off the end the value is exact. */
    while (keep + 4 <= len && memcmp(s + keep, "\xF4\x8F\xBF\xBF", 4) == 0)
        keep += 4;
    if (keep == len)
        return delta_json_quote(c->out, (const char *)s, len, err);
    st_buf tmp;
    st_buf_init(&tmp);
    st_status rc = st_buf_append(&tmp, s, keep, err);
    if (rc == ST_OK)
        rc = st_buf_append(&tmp, "\xF4\x8F\xBF\xBF", 4, err);
    if (rc == ST_OK)
        rc = delta_json_quote(c->out, (const char *)tmp.data, tmp.len, err);
    st_buf_destroy(&tmp);
    return rc;
}

/* Timestamp micros as "YYYY-MM-DDTHH:MM:SS.mmm" (+ "Z" when utc), ms floor. */
static st_status emit_timestamp(stats_ctx *c, int64_t micros, bool utc, st_error *err)
{
    int64_t ms = micros >= 0 ? micros / 1000 : -((-micros + 999) / 1000);
    int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    int64_t rem = ms - days * 86400000;
    int64_t y;
    unsigned mo, d;
    st_civil_from_days(days, &y, &mo, &d);
    return st_buf_printf(c->out, err, "\"%04" PRId64 "-%02u-%02uT%02d:%02d:%02d.%03d%s\"", y, mo, d,
                         (int)(rem / 3600000), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
                         (int)(rem % 1000), utc ? "Z" : "");
}

static st_status emit_bound(stats_ctx *c, const vec *v, int64_t row, bool is_max, st_error *err)
{
    switch (v->type->id) {
    case VEC_STRING:
        return emit_string_bound(c, v, row, is_max, err);
    case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ:
        return emit_timestamp(c, load_signed(v, row), v->type->id == VEC_TIMESTAMP, err);
    default:
        return vec_format_value(v, row, VEC_FMT_JSON, c->out, err);
    }
}

static st_status emit_key(stats_ctx *c, bool *first, const char *name, st_error *err)
{
    st_status rc = ST_OK;
    if (!*first)
        rc = st_buf_append_byte(c->out, ',', err);
    *first = false;
    if (rc == ST_OK)
        rc = delta_json_quote(c->out, name, strlen(name), err);
    return rc == ST_OK ? st_buf_append_byte(c->out, ':', err) : rc;
}

static int64_t count_nulls(const vec *v, const uint8_t *parent, int64_t n)
{
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        k += !row_valid(v, parent, i);
    return k;
}

/* ---- folding batches in ------------------------------------------------------ */

/* A one-row vector viewing bound (borrowed storage), so the row helpers and
** emitters above apply to it unchanged. */
static vec bound_view(const stats_leaf *l, const stats_bound *bd)
{
    vec v = { .type = &l->field->type, .len = 1, .values = (void *)bd->raw };
    if (l->field->type.id == VEC_STRING) {
        v.values = (void *)bd->off;
        v.bytes = bd->str.data ? bd->str.data : (uint8_t *)"";   /* "" has no buffer */
        v.n_bytes = bd->off[1];
    }
    return v;
}

static st_status bound_store(stats_bound *bd, const vec *v, int64_t row, st_error *err)
{
    if (v->type->id == VEC_STRING) {
        const int32_t *off = vec_offsets(v);
        st_buf_clear(&bd->str);
        st_status rc = st_buf_append(&bd->str, v->bytes + off[row],
                                     (size_t)(off[row + 1] - off[row]), err);
        if (rc != ST_OK)
            return rc;
        bd->off[0] = 0;
        bd->off[1] = off[row + 1] - off[row];
    } else {
        int w = vec_type_width(v->type->id);
        ST_ASSERT(w > 0 && w <= (int)sizeof bd->raw);
        memcpy(bd->raw, (const uint8_t *)v->values + (size_t)w * (size_t)row, (size_t)w);
    }
    bd->has = true;
    return ST_OK;
}

/* Folds the batch's extreme row of v into the leaf's min or max. */
static st_status fold_bound(stats_leaf *l, const vec *v, const uint8_t *parent, int64_t n,
                            bool want_max, st_error *err)
{
    int64_t row = extreme_row(v, parent, n, want_max);
    if (row < 0)
        return ST_OK;
    stats_bound *bd = want_max ? &l->max : &l->min;
    if (bd->has) {
        vec cur = bound_view(l, bd);
        int c = cmp_values(v, row, &cur, 0);   /* NaN-largest order for both bounds */
        if (want_max ? c <= 0 : c >= 0)
            return ST_OK;
    }
    return bound_store(bd, v, row, err);
}

static st_status update_fields(delta_stats_acc *acc, const vec_type *st, vec *const *cols,
                               const uint8_t *parent, int64_t n, int *leaf, st_error *err)
{
    for (int k = 0; k < st->n_children && *leaf < acc->n_leaves; k++) {
        const vec_field *f = &st->children[k];
        const vec *v = cols[k];
        if (f->type.id == VEC_STRUCT) {
            uint8_t *mask = st_arena_alloc(acc->scratch, (size_t)n + 1);
            if (!mask)
                return st_error_set(err, ST_ERR_NOMEM, "out of memory computing file statistics");
            for (int64_t i = 0; i < n; i++)
                mask[i] = row_valid(v, parent, i);
            st_status rc = update_fields(acc, &f->type, v->children, mask, n, leaf, err);
            if (rc != ST_OK)
                return rc;
            continue;
        }
        stats_leaf *l = &acc->leaves[(*leaf)++];
        l->null_count += count_nulls(v, parent, n);
        if (!has_bounds(f->type.id))
            continue;
        st_status rc = fold_bound(l, v, parent, n, false, err);
        if (rc == ST_OK)
            rc = fold_bound(l, v, parent, n, true, err);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

/* Leaf fields in schema order (structs descend; lists and maps are leaves). */
static int count_leaves(const vec_type *st, vec_field const **out, int at)
{
    for (int k = 0; k < st->n_children; k++) {
        const vec_field *f = &st->children[k];
        if (f->type.id == VEC_STRUCT) {
            at = count_leaves(&f->type, out, at);
        } else {
            if (out)
                out[at] = f;
            at++;
        }
    }
    return at;
}

delta_stats_acc *delta_stats_new(const vec_schema *data_schema, int n_indexed)
{
    delta_stats_acc *acc = st_calloc(1, sizeof *acc);
    if (!acc)
        return NULL;
    acc->top = (vec_type){ .id = VEC_STRUCT, .n_children = data_schema->n_fields,
                           .children = data_schema->fields };
    int total = count_leaves(&acc->top, NULL, 0);
    acc->n_leaves = n_indexed < 0 ? total : ST_MIN(total, n_indexed);
    const vec_field **fields = st_calloc((size_t)total + 1, sizeof *fields);
    acc->leaves = st_calloc((size_t)acc->n_leaves + 1, sizeof *acc->leaves);
    acc->scratch = st_arena_new(0);
    if (!fields || !acc->leaves || !acc->scratch) {
        st_free(fields);
        delta_stats_free(acc);
        return NULL;
    }
    count_leaves(&acc->top, fields, 0);
    for (int i = 0; i < acc->n_leaves; i++) {
        acc->leaves[i].field = fields[i];
        st_buf_init(&acc->leaves[i].min.str);
        st_buf_init(&acc->leaves[i].max.str);
    }
    st_free(fields);
    return acc;
}

void delta_stats_free(delta_stats_acc *acc)
{
    if (!acc)
        return;
    for (int i = 0; acc->leaves && i < acc->n_leaves; i++) {
        st_buf_destroy(&acc->leaves[i].min.str);
        st_buf_destroy(&acc->leaves[i].max.str);
    }
    st_free(acc->leaves);
    st_arena_free(acc->scratch);
    st_free(acc);
}

st_status delta_stats_update(delta_stats_acc *acc, const vec_batch *b, st_error *err)
{
    if (b->n_cols != acc->top.n_children)
        return st_error_set(err, ST_ERR_INTERNAL, "statistics batch has %d columns, expected %d",
                            b->n_cols, acc->top.n_children);
    int leaf = 0;
    st_status rc = update_fields(acc, &acc->top, b->cols, NULL, b->n_rows, &leaf, err);
    st_arena_reset(acc->scratch);
    if (rc == ST_OK)
        acc->n_rows += b->n_rows;
    return rc;
}

/* ---- writing the JSON ----------------------------------------------------------- */

static st_status emit_fields(stats_ctx *c, const vec_type *st, int pass, st_error *err);

/* One field of a pass; *first tracks the comma; nothing is written for a
** field without a value in this pass. */
static st_status emit_field(stats_ctx *c, const vec_field *f, int pass, bool *first,
                            st_error *err)
{
    if (f->type.id == VEC_STRUCT) {
        size_t mark = c->out->len;
        bool was_first = *first;
        st_status rc = emit_key(c, first, f->name, err);
        if (rc == ST_OK)
            rc = st_buf_append_byte(c->out, '{', err);
        size_t body = c->out->len;
        if (rc == ST_OK)
            rc = emit_fields(c, &f->type, pass, err);
        if (rc == ST_OK && c->out->len == body) {  /* nothing inside: drop the key */
            c->out->len = mark;
            *first = was_first;
            return ST_OK;
        }
        return rc == ST_OK ? st_buf_append_byte(c->out, '}', err) : rc;
    }
    if (c->leaf >= c->acc->n_leaves)
        return ST_OK;
    const stats_leaf *l = &c->acc->leaves[c->leaf++];
    if (pass == PASS_NULLS) {
        st_status rc = emit_key(c, first, f->name, err);
        return rc == ST_OK ? st_buf_printf(c->out, err, "%" PRId64, l->null_count) : rc;
    }
    const stats_bound *bd = pass == PASS_MAX ? &l->max : &l->min;
    if (!has_bounds(f->type.id) || !bd->has)
        return ST_OK;
    vec v = bound_view(l, bd);
    st_status rc = emit_key(c, first, f->name, err);
    return rc == ST_OK ? emit_bound(c, &v, 0, pass == PASS_MAX, err) : rc;
}

static st_status emit_fields(stats_ctx *c, const vec_type *st, int pass, st_error *err)
{
    bool first = true;
    st_status rc = ST_OK;
    for (int k = 0; k < st->n_children && rc == ST_OK; k++)
        rc = emit_field(c, &st->children[k], pass, &first, err);
    return rc;
}

st_status delta_stats_finish(const delta_stats_acc *acc, st_buf *out, st_error *err)
{
    static const char *const names[] = { "minValues", "maxValues", "nullCount" };
    stats_ctx c = { .out = out, .acc = acc };
    st_status rc = st_buf_printf(out, err, "{\"numRecords\":%" PRId64, acc->n_rows);
    for (int pass = PASS_MIN; pass <= PASS_NULLS && rc == ST_OK; pass++) {
        c.leaf = 0;
        rc = st_buf_printf(out, err, ",\"%s\":{", names[pass]);
        if (rc == ST_OK)
            rc = emit_fields(&c, &acc->top, pass, err);
        if (rc == ST_OK)
            rc = st_buf_append_byte(out, '}', err);
    }
    return rc == ST_OK ? st_buf_append_byte(out, '}', err) : rc;
}

st_status delta_stats_json(const vec_batch *b, int n_indexed, st_buf *out, st_error *err)
{
    delta_stats_acc *acc = delta_stats_new(b->schema, n_indexed);
    if (!acc)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory computing file statistics");
    st_status rc = delta_stats_update(acc, b, err);
    if (rc == ST_OK)
        rc = delta_stats_finish(acc, out, err);
    delta_stats_free(acc);
    return rc;
}
