/* vec_format.c -- one vector value as text (table/CSV cells) or as a JSON
** value (ndjson output, nested values), exactly as docs/conventions.md
** specifies. Hand-written because the rules are ours (Spark-like text, Arrow
** types); jansson would need a full DOM per value and cannot print int128.
**
** Choices the conventions leave open:
**   floats    shortest "%.{N}g" (N = 6..9 for float, 15..17 for double) that
**             parses back to the same value; so 1.0 prints "1", -0.0 "-0",
**             1e300 "1e+300" (all valid JSON numbers). strata never calls
**             setlocale, so printf/strtod run in the "C" locale.
**   NULL      "NULL" at the top level in TEXT mode, "null" in JSON and for
**             null elements/fields/values inside nested values.
**   nested    TEXT mode renders STRUCT/LIST/MAP as their JSON text, with no
**             spaces: {"a":1,"b":"x"}, [1,2], {"k":[1]}.
**   map keys  the key's TEXT form, JSON-escaped as a string ("1", "true").
**   strings   JSON escapes \" \\ \n \r \t \b \f and \u00XX for other bytes
**             below 0x20; bytes >= 0x80 pass through unchanged (no UTF-8
**             validation).
** Offsets and child lengths are checked before use, so an inconsistent
** vector yields ST_ERR_CORRUPT instead of a read out of bounds. */
#include "vec.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define FORMAT_MAX_DEPTH 256

static st_status fmt_value(const vec *v, int64_t i, vec_fmt_mode mode, st_buf *out,
                           st_error *err, int depth);

/* ---- decimals ------------------------------------------------------------ */

/* Bounded output that counts past the end, as snprintf does. */
typedef struct dec_out {
    char  *buf;   /* borrowed: caller's buffer */
    size_t n;     /* capacity including the NUL */
    size_t pos;   /* characters produced so far */
} dec_out;

static void dec_put(dec_out *o, char c)
{
    if (o->pos + 1 < o->n)
        o->buf[o->pos] = c;
    o->pos++;
}

/* Writes v / 10^scale with exactly `scale` fraction digits (a negative scale
** appends -scale zeros). NUL-terminates when n > 0, truncating to fit, and
** returns the full length; -1 (and "") for |scale| > 255. */
int vec_format_decimal(__int128 v, int scale, char *buf, size_t n)
{
    dec_out o = {buf, n, 0};
    if (scale > 255 || scale < -255) {
        if (n > 0)
            buf[0] = '\0';
        return -1;
    }
    char digits[40];                   /* |v| <= 2^127 has at most 39 digits */
    int nd = 0;
    unsigned __int128 mag = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
    do {
        digits[nd++] = (char)('0' + (int)(mag % 10));
        mag /= 10;
    } while (mag);
    if (v < 0)
        dec_put(&o, '-');
    int int_digits = nd - (scale > 0 ? scale : 0);
    if (int_digits <= 0) {
        dec_put(&o, '0');
    } else {
        for (int k = nd - 1; k >= nd - int_digits; k--)
            dec_put(&o, digits[k]);
    }
    for (int k = 0; k < -scale; k++)
        dec_put(&o, '0');
    if (scale > 0) {
        dec_put(&o, '.');
        for (int k = 0; k < -int_digits; k++)
            dec_put(&o, '0');
        for (int k = (int_digits > 0 ? nd - int_digits : nd) - 1; k >= 0; k--)
            dec_put(&o, digits[k]);
    }
    if (n > 0)
        buf[o.pos < n ? o.pos : n - 1] = '\0';
    return (int)o.pos;
}

/* ---- scalars ------------------------------------------------------------- */

/* Shortest %.{6..9}g text of f that reads back as f. Normal values reach
** their shortest form at 6 digits or more (%g trims zeros); subnormals have
** fewer significant digits, so their search starts at 1. */
static void format_float(float f, char *buf, size_t n)
{
    for (int prec = fpclassify(f) == FP_SUBNORMAL ? 1 : 6; prec <= 9; prec++) {
        snprintf(buf, n, "%.*g", prec, (double)f);
        if (strtof(buf, NULL) == f)
            return;
    }
}

/* Shortest %.{15..17}g text of d that reads back as d (subnormals from 1,
** as for floats). */
static void format_double(double d, char *buf, size_t n)
{
    for (int prec = fpclassify(d) == FP_SUBNORMAL ? 1 : 15; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

static st_status append_real(double d, bool is_float, vec_fmt_mode mode, st_buf *out,
                             st_error *err)
{
    const char *special = NULL;
    if (isnan(d))
        special = "NaN";
    else if (isinf(d))
        special = d > 0 ? "Infinity" : "-Infinity";
    if (special) {
        if (mode == VEC_FMT_JSON)
            return st_buf_printf(out, err, "\"%s\"", special);
        return st_buf_append_str(out, special, err);
    }
    char tmp[64];
    if (is_float)
        format_float((float)d, tmp, sizeof tmp);
    else
        format_double(d, tmp, sizeof tmp);
    return st_buf_append_str(out, tmp, err);
}

/* Appends p[0..n) as a quoted, escaped JSON string. */
static st_status append_json_string(st_buf *out, const uint8_t *p, size_t n, st_error *err)
{
    st_status rc = st_buf_append_byte(out, '"', err);
    size_t run = 0;                    /* start of the pending unescaped run */
    for (size_t k = 0; k < n && rc == ST_OK; k++) {
        uint8_t c = p[k];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        rc = st_buf_append(out, p + run, k - run, err);
        run = k + 1;
        if (rc != ST_OK)
            break;
        switch (c) {
        case '"':  rc = st_buf_append(out, "\\\"", 2, err); break;
        case '\\': rc = st_buf_append(out, "\\\\", 2, err); break;
        case '\n': rc = st_buf_append(out, "\\n", 2, err); break;
        case '\r': rc = st_buf_append(out, "\\r", 2, err); break;
        case '\t': rc = st_buf_append(out, "\\t", 2, err); break;
        case '\b': rc = st_buf_append(out, "\\b", 2, err); break;
        case '\f': rc = st_buf_append(out, "\\f", 2, err); break;
        default:   rc = st_buf_printf(out, err, "\\u%04x", (unsigned)c); break;
        }
    }
    if (rc == ST_OK && n > run)        /* an empty value may have no byte buffer */
        rc = st_buf_append(out, p + run, n - run, err);
    if (rc == ST_OK)
        rc = st_buf_append_byte(out, '"', err);
    return rc;
}

/* Reads offsets[i], offsets[i+1] and checks 0 <= from <= to <= limit. */
static st_status get_span(const vec *v, int64_t i, int64_t limit, int32_t *from, int32_t *to,
                          st_error *err)
{
    const int32_t *off = vec_offsets(v);
    *from = off[i];
    *to = off[i + 1];
    if (*from < 0 || *from > *to || *to > limit)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "%s vector row %" PRId64 " has offsets %" PRId32 "..%" PRId32
                            " outside 0..%" PRId64, vec_type_id_name(v->type->id), i, *from, *to,
                            limit);
    return ST_OK;
}

static st_status append_varlen(const vec *v, int64_t i, vec_fmt_mode mode, st_buf *out,
                               st_error *err)
{
    int32_t from = 0, to = 0;
    st_status rc = get_span(v, i, v->n_bytes, &from, &to, err);
    if (rc != ST_OK)
        return rc;
    if (from == to && !v->bytes) {
        if (mode == VEC_FMT_JSON)
            return st_buf_append(out, "\"\"", 2, err);
        return ST_OK;
    }
    if (!v->bytes)
        return st_error_set(err, ST_ERR_CORRUPT, "%s vector has offsets but no data",
                            vec_type_id_name(v->type->id));
    const uint8_t *p = v->bytes + from;
    size_t n = (size_t)(to - from);
    if (v->type->id == VEC_STRING) {
        if (mode == VEC_FMT_JSON)
            return append_json_string(out, p, n, err);
        return st_buf_append(out, p, n, err);
    }
    size_t enc = 4 * ((n + 2) / 3);   /* n < 2^31: cannot overflow */
    rc = st_buf_reserve(out, enc + 2, err);
    if (rc != ST_OK)
        return rc;
    if (mode == VEC_FMT_JSON)
        out->data[out->len++] = '"';
    out->len += st_base64_encode(p, n, (char *)out->data + out->len);
    if (mode == VEC_FMT_JSON)
        out->data[out->len++] = '"';
    return ST_OK;
}

/* Date/time text: quoted in JSON, bare in TEXT. */
static st_status append_temporal(const vec *v, int64_t i, vec_fmt_mode mode, st_buf *out,
                                 st_error *err)
{
    char tmp[96];
    bool json = mode == VEC_FMT_JSON;
    vec_type_id id = v->type->id;
    if (id == VEC_DATE) {
        int32_t d;
        memcpy(&d, (const uint8_t *)v->values + i * 4, 4);
        st_format_date(tmp, sizeof tmp, d);
    } else {
        int64_t t;
        memcpy(&t, (const uint8_t *)v->values + i * 8, 8);
        if (id == VEC_TIME)
            st_format_time(tmp, sizeof tmp, t);
        else
            st_format_timestamp(tmp, sizeof tmp, t, json && id == VEC_TIMESTAMP, json);
    }
    if (json)
        return st_buf_printf(out, err, "\"%s\"", tmp);
    return st_buf_append_str(out, tmp, err);
}

/* Integers, floats, decimals and booleans: the same text in both modes. */
static st_status append_number(const vec *v, int64_t i, vec_fmt_mode mode, st_buf *out,
                               st_error *err)
{
    const uint8_t *p = (const uint8_t *)v->values;
    char tmp[64];
    switch (v->type->id) {
    case VEC_BOOL:
        return st_buf_append_str(out, vec_bit_get(p, i) ? "true" : "false", err);
    case VEC_INT8:   return st_buf_printf(out, err, "%d", (int)((const int8_t *)p)[i]);
    case VEC_INT16: {
        int16_t x;
        memcpy(&x, p + i * 2, 2);
        return st_buf_printf(out, err, "%d", (int)x);
    }
    case VEC_INT32: {
        int32_t x;
        memcpy(&x, p + i * 4, 4);
        return st_buf_printf(out, err, "%" PRId32, x);
    }
    case VEC_INT64: {
        int64_t x;
        memcpy(&x, p + i * 8, 8);
        return st_buf_printf(out, err, "%" PRId64, x);
    }
    case VEC_UINT8:  return st_buf_printf(out, err, "%u", (unsigned)p[i]);
    case VEC_UINT16: return st_buf_printf(out, err, "%u", (unsigned)st_load_le16(p + i * 2));
    case VEC_UINT32: return st_buf_printf(out, err, "%" PRIu32, st_load_le32(p + i * 4));
    case VEC_UINT64: return st_buf_printf(out, err, "%" PRIu64, st_load_le64(p + i * 8));
    case VEC_FLOAT: {
        float f;
        memcpy(&f, p + i * 4, 4);
        return append_real(f, true, mode, out, err);
    }
    case VEC_DOUBLE: {
        double d;
        memcpy(&d, p + i * 8, 8);
        return append_real(d, false, mode, out, err);
    }
    case VEC_DECIMAL: {
        __int128 x;
        memcpy(&x, p + i * 16, 16);
        vec_format_decimal(x, v->type->scale, tmp, sizeof tmp);
        return st_buf_append_str(out, tmp, err);
    }
    default:
        return st_error_set(err, ST_ERR_INTERNAL, "cannot format a value of type id %d",
                            (int)v->type->id);
    }
}

/* ---- nested -------------------------------------------------------------- */

/* Child k of v, checked to exist and to hold at least `need` rows. */
static st_status get_child(const vec *v, int k, int64_t need, const vec **out, st_error *err)
{
    if (!v->children || k >= v->type->n_children || !v->children[k])
        return st_error_set(err, ST_ERR_CORRUPT, "%s vector is missing child %d",
                            vec_type_id_name(v->type->id), k);
    if (v->children[k]->len < need)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "%s vector child %d has %" PRId64 " rows, needs %" PRId64,
                            vec_type_id_name(v->type->id), k, v->children[k]->len, need);
    *out = v->children[k];
    return ST_OK;
}

static st_status append_struct(const vec *v, int64_t i, st_buf *out, st_error *err, int depth)
{
    st_status rc = st_buf_append_byte(out, '{', err);
    for (int k = 0; k < v->type->n_children && rc == ST_OK; k++) {
        const vec *c;
        const char *name = v->type->children[k].name ? v->type->children[k].name : "";
        if (k > 0)
            rc = st_buf_append_byte(out, ',', err);
        if (rc == ST_OK)
            rc = get_child(v, k, i + 1, &c, err);
        if (rc == ST_OK)
            rc = append_json_string(out, (const uint8_t *)name, strlen(name), err);
        if (rc == ST_OK)
            rc = st_buf_append_byte(out, ':', err);
        if (rc == ST_OK)
            rc = fmt_value(c, i, VEC_FMT_JSON, out, err, depth + 1);
    }
    if (rc == ST_OK)
        rc = st_buf_append_byte(out, '}', err);
    return rc;
}

static st_status append_list(const vec *v, int64_t i, st_buf *out, st_error *err, int depth)
{
    const vec *c;
    int32_t from = 0, to = 0;
    st_status rc = get_child(v, 0, 0, &c, err);
    if (rc == ST_OK)
        rc = get_span(v, i, c->len, &from, &to, err);
    if (rc == ST_OK)
        rc = st_buf_append_byte(out, '[', err);
    for (int32_t j = from; j < to && rc == ST_OK; j++) {
        if (j > from)
            rc = st_buf_append_byte(out, ',', err);
        if (rc == ST_OK)
            rc = fmt_value(c, j, VEC_FMT_JSON, out, err, depth + 1);
    }
    if (rc == ST_OK)
        rc = st_buf_append_byte(out, ']', err);
    return rc;
}

/* One map entry: "key-text":value. tmp is scratch for the key's text. */
static st_status append_entry(const vec *keys, const vec *vals, int64_t j, st_buf *tmp,
                              st_buf *out, st_error *err, int depth)
{
    st_buf_clear(tmp);
    st_status rc = fmt_value(keys, j, VEC_FMT_TEXT, tmp, err, depth + 1);
    if (rc == ST_OK)
        rc = append_json_string(out, tmp->data, tmp->len, err);
    if (rc == ST_OK)
        rc = st_buf_append_byte(out, ':', err);
    if (rc == ST_OK)
        rc = fmt_value(vals, j, VEC_FMT_JSON, out, err, depth + 1);
    return rc;
}

static st_status append_map(const vec *v, int64_t i, st_buf *out, st_error *err, int depth)
{
    const vec *e, *keys = NULL, *vals = NULL;
    int32_t from = 0, to = 0;
    st_status rc = get_child(v, 0, 0, &e, err);
    if (rc == ST_OK && (e->type->id != VEC_STRUCT || e->type->n_children != 2))
        rc = st_error_set(err, ST_ERR_CORRUPT, "map vector entries are not a key/value struct");
    if (rc == ST_OK)
        rc = get_span(v, i, e->len, &from, &to, err);
    if (rc == ST_OK)
        rc = get_child(e, 0, to, &keys, err);
    if (rc == ST_OK)
        rc = get_child(e, 1, to, &vals, err);
    if (rc == ST_OK)
        rc = st_buf_append_byte(out, '{', err);
    st_buf tmp;
    st_buf_init(&tmp);
    for (int32_t j = from; j < to && rc == ST_OK; j++) {
        if (j > from)
            rc = st_buf_append_byte(out, ',', err);
        if (rc == ST_OK)
            rc = append_entry(keys, vals, j, &tmp, out, err, depth);
    }
    st_buf_destroy(&tmp);
    if (rc == ST_OK)
        rc = st_buf_append_byte(out, '}', err);
    return rc;
}

/* ---- dispatch ------------------------------------------------------------ */

static st_status fmt_value(const vec *v, int64_t i, vec_fmt_mode mode, st_buf *out,
                           st_error *err, int depth)
{
    if (depth > FORMAT_MAX_DEPTH)
        return st_error_set(err, ST_ERR_LIMIT, "value is nested deeper than %d levels",
                            FORMAT_MAX_DEPTH);
    vec_type_id id = v->type->id;
    if (id == VEC_NULL || !vec_is_valid(v, i)) {
        if (mode == VEC_FMT_TEXT && depth == 0)
            return st_buf_append(out, "NULL", 4, err);
        return st_buf_append(out, "null", 4, err);
    }
    if (!v->values && id != VEC_STRUCT)
        return st_error_set(err, ST_ERR_CORRUPT, "%s vector has no values buffer",
                            vec_type_id_name(id));
    switch (id) {
    case VEC_STRING:
    case VEC_BINARY:
        return append_varlen(v, i, mode, out, err);
    case VEC_DATE:
    case VEC_TIME:
    case VEC_TIMESTAMP:
    case VEC_TIMESTAMP_NTZ:
        return append_temporal(v, i, mode, out, err);
    case VEC_STRUCT:
        return append_struct(v, i, out, err, depth);
    case VEC_LIST:
        return append_list(v, i, out, err, depth);
    case VEC_MAP:
        return append_map(v, i, out, err, depth);
    default:
        return append_number(v, i, mode, out, err);
    }
}

st_status vec_format_value(const vec *v, int64_t i, vec_fmt_mode mode, st_buf *out, st_error *err)
{
    if (i < 0 || i >= v->len)
        return st_error_set(err, ST_ERR_INTERNAL,
                            "row %" PRId64 " is out of range for a vector of %" PRId64 " rows",
                            i, v->len);
    return fmt_value(v, i, mode, out, err, 0);
}
