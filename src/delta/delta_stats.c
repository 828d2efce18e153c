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
** value is. A nested field counts as null where its parent struct is. */
#include "delta_write.h"

#include <inttypes.h>
#include <math.h>

enum { PASS_MIN, PASS_MAX, PASS_NULLS };

typedef struct stats_ctx {
    st_buf   *out;
    st_arena *scratch;   /* owned by delta_stats_json: parent validity masks */
    int64_t   n_rows;
    int       budget;    /* leaf columns still indexed in this pass; <0 = all */
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

static int cmp_bytes(const vec *v, int64_t a, int64_t b)
{
    const int32_t *off = vec_offsets(v);
    size_t la = (size_t)(off[a + 1] - off[a]), lb = (size_t)(off[b + 1] - off[b]);
    int c = memcmp(v->bytes + off[a], v->bytes + off[b], ST_MIN(la, lb));
    if (c != 0)
        return c;
    return la < lb ? -1 : la > lb;
}

/* Orders rows a and b of v; NaN sorts above every number (Spark). */
static int cmp_rows(const vec *v, int64_t a, int64_t b)
{
    switch (v->type->id) {
    case VEC_UINT8: case VEC_UINT16: case VEC_UINT32: case VEC_UINT64: {
        uint64_t x = load_unsigned(v, a), y = load_unsigned(v, b);
        return x < y ? -1 : x > y;
    }
    case VEC_FLOAT: case VEC_DOUBLE: {
        double x = load_double(v, a), y = load_double(v, b);
        if (isnan(x) || isnan(y))
            return isnan(x) - isnan(y);
        return x < y ? -1 : x > y;
    }
    case VEC_DECIMAL: {
        __int128 x = load_dec(v, a), y = load_dec(v, b);
        return x < y ? -1 : x > y;
    }
    case VEC_STRING:
        return cmp_bytes(v, a, b);
    default: {
        int64_t x = load_signed(v, a), y = load_signed(v, b);
        return x < y ? -1 : x > y;
    }
    }
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

static st_status emit_fields(stats_ctx *c, const vec_type *st, vec *const *cols,
                             const uint8_t *parent, int pass, st_error *err);

/* One field of a pass; *first tracks the comma; nothing is written for a
** field without a value in this pass. */
static st_status emit_field(stats_ctx *c, const vec_field *f, const vec *v, const uint8_t *parent,
                            int pass, bool *first, st_error *err)
{
    if (f->type.id == VEC_STRUCT) {
        uint8_t *mask = st_arena_alloc(c->scratch, (size_t)c->n_rows + 1);
        if (!mask)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory computing file statistics");
        for (int64_t i = 0; i < c->n_rows; i++)
            mask[i] = row_valid(v, parent, i);
        size_t mark = c->out->len;
        bool was_first = *first;
        st_status rc = emit_key(c, first, f->name, err);
        if (rc == ST_OK)
            rc = st_buf_append_byte(c->out, '{', err);
        size_t body = c->out->len;
        if (rc == ST_OK)
            rc = emit_fields(c, &f->type, v->children, mask, pass, err);
        if (rc == ST_OK && c->out->len == body) {  /* nothing inside: drop the key */
            c->out->len = mark;
            *first = was_first;
            return ST_OK;
        }
        return rc == ST_OK ? st_buf_append_byte(c->out, '}', err) : rc;
    }
    if (c->budget == 0)
        return ST_OK;
    if (c->budget > 0)
        c->budget--;
    if (pass == PASS_NULLS) {
        st_status rc = emit_key(c, first, f->name, err);
        return rc == ST_OK ? st_buf_printf(c->out, err, "%" PRId64,
                                           count_nulls(v, parent, c->n_rows)) : rc;
    }
    if (!has_bounds(f->type.id))
        return ST_OK;
    int64_t row = extreme_row(v, parent, c->n_rows, pass == PASS_MAX);
    if (row < 0)
        return ST_OK;
    st_status rc = emit_key(c, first, f->name, err);
    return rc == ST_OK ? emit_bound(c, v, row, pass == PASS_MAX, err) : rc;
}

static st_status emit_fields(stats_ctx *c, const vec_type *st, vec *const *cols,
                             const uint8_t *parent, int pass, st_error *err)
{
    bool first = true;
    st_status rc = ST_OK;
    for (int k = 0; k < st->n_children && rc == ST_OK; k++)
        rc = emit_field(c, &st->children[k], cols[k], parent, pass, &first, err);
    return rc;
}

st_status delta_stats_json(const vec_batch *b, int n_indexed, st_buf *out, st_error *err)
{
    static const char *const names[] = { "minValues", "maxValues", "nullCount" };
    stats_ctx c = { .out = out, .n_rows = b->n_rows };
    c.scratch = st_arena_new(0);
    if (!c.scratch)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory computing file statistics");
    /* The batch's top level seen as one struct type. */
    vec_type top = { .id = VEC_STRUCT, .n_children = b->schema->n_fields,
                     .children = b->schema->fields };
    st_status rc = st_buf_printf(out, err, "{\"numRecords\":%" PRId64, b->n_rows);
    for (int pass = PASS_MIN; pass <= PASS_NULLS && rc == ST_OK; pass++) {
        c.budget = n_indexed;
        rc = st_buf_printf(out, err, ",\"%s\":{", names[pass]);
        if (rc == ST_OK)
            rc = emit_fields(&c, &top, b->cols, NULL, pass, err);
        if (rc == ST_OK)
            rc = st_buf_append_byte(out, '}', err);
    }
    if (rc == ST_OK)
        rc = st_buf_append_byte(out, '}', err);
    st_arena_free(c.scratch);
    return rc;
}
