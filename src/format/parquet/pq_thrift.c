/* pq_thrift.c -- the Thrift compact protocol, read and written by hand (no
** packaged C library speaks it without generated code); the wire summary and
** the reader's safety invariants are in pq_thrift.h.
**
** The reader never trusts a length or count: every byte is fetched through
** need(), container counts are checked against the bytes left before the
** caller may allocate for them, and nesting is bounded by THR_MAX_DEPTH.
** The writer is sticky (see pq_thrift.h). Callers: pq_meta.c. */
#include "pq_thrift.h"

#include <inttypes.h>
#include <stdio.h>

/* ---- reader ------------------------------------------------------------- */

void thr_reader_init(thr_reader *r, const uint8_t *buf, size_t len, const char *what,
                     st_error *err)
{
    memset(r, 0, sizeof *r);
    r->buf = buf;
    r->len = buf ? len : 0;
    r->what = what ? what : "input";
    r->err = err;
    r->bool_pending = -1;
}

size_t thr_reader_remaining(const thr_reader *r)
{
    return r->len - r->pos;
}

const char *thr_type_name(int type)
{
    switch (type) {
    case THR_STOP: return "stop";
    case THR_BOOL: return "bool";
    case THR_BYTE: return "byte";
    case THR_I16: return "i16";
    case THR_I32: return "i32";
    case THR_I64: return "i64";
    case THR_DOUBLE: return "double";
    case THR_BINARY: return "binary";
    case THR_LIST: return "list";
    case THR_SET: return "set";
    case THR_MAP: return "map";
    case THR_STRUCT: return "struct";
    }
    return "invalid";
}

/* Fails unless n more bytes are available at r->pos. */
static st_status need(thr_reader *r, size_t n)
{
    if (n <= r->len - r->pos)
        return ST_OK;
    return st_error_set(r->err, ST_ERR_CORRUPT,
                        "truncated thrift value at byte %zu of the %s (needs %zu bytes, %zu left)",
                        r->pos, r->what, n, r->len - r->pos);
}

/* Maps a compact wire type code to enum thr_type (1 and 2 both mean bool);
** -1 for codes the protocol does not define. */
static int wire_type(int code)
{
    if (code == 2)
        return THR_BOOL;
    if (code >= THR_STOP && code <= THR_STRUCT)
        return code;
    return -1;
}

static st_status bad_type(thr_reader *r, int code, size_t at)
{
    return st_error_set(r->err, ST_ERR_CORRUPT, "invalid thrift compact type %d at byte %zu of the %s",
                        code, at, r->what);
}

/* ULEB128, at most 10 bytes, no bits beyond 64. */
static st_status read_varint(thr_reader *r, uint64_t *out)
{
    size_t start = r->pos;
    uint64_t v = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
        if (r->pos >= r->len)
            return st_error_set(r->err, ST_ERR_CORRUPT,
                                "truncated thrift varint at byte %zu of the %s", start, r->what);
        uint8_t b = r->buf[r->pos++];
        if (shift == 63 && (b & 0x7e))
            break;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return ST_OK;
        }
    }
    return st_error_set(r->err, ST_ERR_CORRUPT, "thrift varint at byte %zu of the %s overflows 64 bits",
                        start, r->what);
}

/* A varint that must fit in `bits` unsigned bits (zigzag form of a narrower int). */
static st_status read_varint_bits(thr_reader *r, int bits, uint64_t *out)
{
    size_t start = r->pos;
    st_status rc = read_varint(r, out);
    if (rc != ST_OK)
        return rc;
    if (bits < 64 && *out >> bits)
        return st_error_set(r->err, ST_ERR_CORRUPT,
                            "thrift varint %" PRIu64 " at byte %zu of the %s does not fit in %d bits",
                            *out, start, r->what, bits);
    return ST_OK;
}

static int64_t unzigzag(uint64_t u)
{
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

st_status thr_read_struct_begin(thr_reader *r)
{
    if (r->depth >= THR_MAX_DEPTH)
        return st_error_set(r->err, ST_ERR_CORRUPT,
                            "thrift values nested deeper than %d levels at byte %zu of the %s",
                            THR_MAX_DEPTH, r->pos, r->what);
    r->depth++;
    r->last_id[r->depth] = 0;
    return ST_OK;
}

st_status thr_read_struct_end(thr_reader *r)
{
    if (r->depth <= 0)
        return st_error_set(r->err, ST_ERR_INTERNAL, "thrift struct end without a matching begin");
    r->depth--;
    return ST_OK;
}

st_status thr_read_field(thr_reader *r, int *out_type, int16_t *out_id)
{
    r->bool_pending = -1;
    if (r->depth <= 0)
        return st_error_set(r->err, ST_ERR_INTERNAL, "thrift field read outside a struct");
    size_t at = r->pos;
    st_status rc = need(r, 1);
    if (rc != ST_OK)
        return rc;
    uint8_t b = r->buf[r->pos++];
    int code = b & 0x0f;
    int type = wire_type(code);
    if (type < 0)
        return bad_type(r, code, at);
    if (type == THR_STOP) {
        *out_type = THR_STOP;
        *out_id = 0;
        r->field_id = 0;
        return ST_OK;
    }
    int32_t id;
    if (b >> 4) {
        id = (int32_t)r->last_id[r->depth] + (b >> 4);
        if (id > INT16_MAX)
            return st_error_set(r->err, ST_ERR_CORRUPT,
                                "thrift field id %" PRId32 " at byte %zu of the %s is out of range",
                                id, at, r->what);
    } else {
        int16_t v = 0;
        rc = thr_read_i16(r, &v);
        if (rc != ST_OK)
            return rc;
        id = v;
    }
    r->last_id[r->depth] = (int16_t)id;
    r->field_id = (int16_t)id;
    if (type == THR_BOOL)
        r->bool_pending = code == 1 ? 1 : 0;
    *out_type = type;
    *out_id = (int16_t)id;
    return ST_OK;
}

st_status thr_read_bool(thr_reader *r, bool *out)
{
    if (r->bool_pending >= 0) {
        *out = r->bool_pending == 1;
        r->bool_pending = -1;
        return ST_OK;
    }
    st_status rc = need(r, 1);
    if (rc != ST_OK)
        return rc;
    *out = r->buf[r->pos++] == 1;   /* 1 true; writers use 2 (or 0) for false */
    return ST_OK;
}

st_status thr_read_i8(thr_reader *r, int8_t *out)
{
    st_status rc = need(r, 1);
    if (rc != ST_OK)
        return rc;
    *out = (int8_t)r->buf[r->pos++];
    return ST_OK;
}

st_status thr_read_i16(thr_reader *r, int16_t *out)
{
    uint64_t u = 0;
    st_status rc = read_varint_bits(r, 16, &u);
    if (rc == ST_OK)
        *out = (int16_t)unzigzag(u);
    return rc;
}

st_status thr_read_i32(thr_reader *r, int32_t *out)
{
    uint64_t u = 0;
    st_status rc = read_varint_bits(r, 32, &u);
    if (rc == ST_OK)
        *out = (int32_t)unzigzag(u);
    return rc;
}

st_status thr_read_i64(thr_reader *r, int64_t *out)
{
    uint64_t u = 0;
    st_status rc = read_varint(r, &u);
    if (rc == ST_OK)
        *out = unzigzag(u);
    return rc;
}

st_status thr_read_double(thr_reader *r, double *out)
{
    st_status rc = need(r, 8);
    if (rc != ST_OK)
        return rc;
    uint64_t bits = st_load_le64(r->buf + r->pos);
    memcpy(out, &bits, sizeof *out);
    r->pos += 8;
    return ST_OK;
}

st_status thr_read_binary(thr_reader *r, const uint8_t **out_ptr, uint32_t *out_len)
{
    size_t at = r->pos;
    uint64_t n = 0;
    st_status rc = read_varint(r, &n);
    if (rc != ST_OK)
        return rc;
    if (n > INT32_MAX || n > r->len - r->pos)
        return st_error_set(r->err, ST_ERR_CORRUPT,
                            "thrift binary length %" PRIu64 " at byte %zu of the %s exceeds the %zu bytes left",
                            n, at, r->what, r->len - r->pos);
    *out_ptr = r->buf + r->pos;
    *out_len = (uint32_t)n;
    r->pos += (size_t)n;
    return ST_OK;
}

/* A container size: a varint that must be a non-negative int32 (some writers
** encode it as a plain int32 varint, so a huge value is a negative size). */
static st_status read_size(thr_reader *r, size_t at, int32_t *out)
{
    uint64_t u = 0;
    st_status rc = read_varint(r, &u);
    if (rc != ST_OK)
        return rc;
    if (u > UINT32_MAX)
        return st_error_set(r->err, ST_ERR_CORRUPT,
                            "thrift container size %" PRIu64 " at byte %zu of the %s is too large",
                            u, at, r->what);
    int32_t n = (int32_t)(uint32_t)u;
    if (n < 0)
        return st_error_set(r->err, ST_ERR_CORRUPT,
                            "thrift container size %" PRId32 " at byte %zu of the %s is negative",
                            n, at, r->what);
    *out = n;
    return ST_OK;
}

/* Each element takes at least one byte, so n elements need n bytes. */
static st_status check_count(thr_reader *r, size_t at, int32_t n, size_t per_elem)
{
    size_t min_bytes;
    if (!st_mul_size((size_t)n, per_elem, &min_bytes) || min_bytes > r->len - r->pos)
        return st_error_set(r->err, ST_ERR_CORRUPT,
                            "thrift container size %" PRId32 " at byte %zu of the %s exceeds the %zu bytes left",
                            n, at, r->what, r->len - r->pos);
    return ST_OK;
}

st_status thr_read_list_begin(thr_reader *r, int *out_elem_type, int32_t *out_n)
{
    size_t at = r->pos;
    st_status rc = need(r, 1);
    if (rc != ST_OK)
        return rc;
    uint8_t b = r->buf[r->pos++];
    int code = b & 0x0f;
    int type = wire_type(code);
    int32_t n = b >> 4;
    if (n == 15) {
        rc = read_size(r, at, &n);
        if (rc != ST_OK)
            return rc;
    }
    if (type < 0 || (type == THR_STOP && n > 0))
        return bad_type(r, code, at);
    rc = check_count(r, at, n, 1);
    if (rc != ST_OK)
        return rc;
    *out_elem_type = type;
    *out_n = n;
    return ST_OK;
}

st_status thr_read_map_begin(thr_reader *r, int *out_key_type, int *out_val_type, int32_t *out_n)
{
    size_t at = r->pos;
    int32_t n = 0;
    st_status rc = read_size(r, at, &n);
    if (rc != ST_OK)
        return rc;
    *out_key_type = *out_val_type = THR_STOP;
    *out_n = 0;
    if (n == 0)
        return ST_OK;
    size_t tat = r->pos;
    rc = need(r, 1);
    if (rc != ST_OK)
        return rc;
    uint8_t b = r->buf[r->pos++];
    int kt = wire_type(b >> 4), vt = wire_type(b & 0x0f);
    if (kt <= THR_STOP)
        return bad_type(r, b >> 4, tat);
    if (vt <= THR_STOP)
        return bad_type(r, b & 0x0f, tat);
    rc = check_count(r, at, n, 2);
    if (rc != ST_OK)
        return rc;
    *out_key_type = kt;
    *out_val_type = vt;
    *out_n = n;
    return ST_OK;
}

static st_status push_container(thr_reader *r)
{
    if (r->depth >= THR_MAX_DEPTH)
        return st_error_set(r->err, ST_ERR_CORRUPT,
                            "thrift values nested deeper than %d levels at byte %zu of the %s",
                            THR_MAX_DEPTH, r->pos, r->what);
    r->depth++;
    return ST_OK;
}

static st_status skip_struct(thr_reader *r)
{
    st_status rc = thr_read_struct_begin(r);
    while (rc == ST_OK) {
        int type = 0;
        int16_t id = 0;
        rc = thr_read_field(r, &type, &id);
        if (rc != ST_OK || type == THR_STOP)
            break;
        rc = thr_skip(r, type);
    }
    return rc == ST_OK ? thr_read_struct_end(r) : rc;
}

static st_status skip_list(thr_reader *r)
{
    int et = 0;
    int32_t n = 0;
    st_status rc = thr_read_list_begin(r, &et, &n);
    if (rc == ST_OK)
        rc = push_container(r);
    for (int32_t i = 0; rc == ST_OK && i < n; i++)
        rc = thr_skip(r, et);
    if (rc == ST_OK)
        r->depth--;
    return rc;
}

static st_status skip_map(thr_reader *r)
{
    int kt = 0, vt = 0;
    int32_t n = 0;
    st_status rc = thr_read_map_begin(r, &kt, &vt, &n);
    if (rc == ST_OK)
        rc = push_container(r);
    for (int32_t i = 0; rc == ST_OK && i < n; i++) {
        rc = thr_skip(r, kt);
        if (rc == ST_OK)
            rc = thr_skip(r, vt);
    }
    if (rc == ST_OK)
        r->depth--;
    return rc;
}

st_status thr_skip(thr_reader *r, int type)
{
    uint64_t u = 0;
    switch (type) {
    case THR_BOOL: {
        bool b = false;
        return thr_read_bool(r, &b);
    }
    case THR_BYTE: {
        int8_t v = 0;
        return thr_read_i8(r, &v);
    }
    case THR_I16:
    case THR_I32:
    case THR_I64:
        return read_varint(r, &u);
    case THR_DOUBLE: {
        double d = 0;
        return thr_read_double(r, &d);
    }
    case THR_BINARY: {
        const uint8_t *p = NULL;
        uint32_t n = 0;
        return thr_read_binary(r, &p, &n);
    }
    case THR_LIST:
    case THR_SET:
        return skip_list(r);
    case THR_MAP:
        return skip_map(r);
    case THR_STRUCT:
        return skip_struct(r);
    }
    return bad_type(r, type, r->pos);
}

/* ---- writer ------------------------------------------------------------- */

void thr_writer_init(thr_writer *w, st_buf *out, st_error *err)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->err = err;
    w->rc = ST_OK;
}

st_status thr_writer_status(const thr_writer *w)
{
    return w->rc;
}

static st_status put(thr_writer *w, const void *p, size_t n)
{
    if (w->rc != ST_OK)
        return w->rc;
    w->rc = st_buf_append(w->out, p, n, w->err);
    return w->rc;
}

static st_status put_byte(thr_writer *w, uint8_t b)
{
    return put(w, &b, 1);
}

static st_status put_varint(thr_writer *w, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    return put(w, tmp, n);
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

st_status thr_writer_fail(thr_writer *w, st_status code, const char *fmt, ...)
{
    if (w->rc != ST_OK)
        return w->rc;
    char msg[ST_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    w->rc = st_error_set(w->err, code, "%s", msg);
    return w->rc;
}

static st_status fail(thr_writer *w, st_status code, const char *msg)
{
    return thr_writer_fail(w, code, "%s", msg);
}

st_status thr_write_struct_begin(thr_writer *w)
{
    if (w->rc != ST_OK)
        return w->rc;
    if (w->depth >= THR_MAX_DEPTH)
        return fail(w, ST_ERR_INTERNAL, "thrift structs nested too deeply to write");
    w->depth++;
    w->last_id[w->depth] = 0;
    return ST_OK;
}

st_status thr_write_struct_end(thr_writer *w)
{
    if (w->rc != ST_OK)
        return w->rc;
    if (w->depth <= 0)
        return fail(w, ST_ERR_INTERNAL, "thrift struct end written without a matching begin");
    w->depth--;
    return put_byte(w, THR_STOP);
}

static st_status field_header(thr_writer *w, int code, int16_t id)
{
    if (w->rc != ST_OK)
        return w->rc;
    if (w->depth <= 0)
        return fail(w, ST_ERR_INTERNAL, "thrift field written outside a struct");
    int16_t last = w->last_id[w->depth];
    w->last_id[w->depth] = id;
    if (id > last && id - last <= 15)
        return put_byte(w, (uint8_t)(((id - last) << 4) | code));
    put_byte(w, (uint8_t)code);
    return put_varint(w, zigzag(id));
}

st_status thr_write_field(thr_writer *w, int type, int16_t id)
{
    if (type <= THR_BOOL || type > THR_STRUCT || wire_type(type) < 0)
        return fail(w, ST_ERR_INTERNAL, "invalid thrift field type to write");
    return field_header(w, type, id);
}

st_status thr_write_field_bool(thr_writer *w, int16_t id, bool v)
{
    return field_header(w, v ? 1 : 2, id);
}

st_status thr_write_bool(thr_writer *w, bool v)
{
    return put_byte(w, v ? 1 : 2);
}

st_status thr_write_i8(thr_writer *w, int8_t v)
{
    return put_byte(w, (uint8_t)v);
}

st_status thr_write_i16(thr_writer *w, int16_t v)
{
    return put_varint(w, zigzag(v));
}

st_status thr_write_i32(thr_writer *w, int32_t v)
{
    return put_varint(w, zigzag(v));
}

st_status thr_write_i64(thr_writer *w, int64_t v)
{
    return put_varint(w, zigzag(v));
}

st_status thr_write_double(thr_writer *w, double v)
{
    uint8_t tmp[8];
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    st_store_le64(tmp, bits);
    return put(w, tmp, sizeof tmp);
}

st_status thr_write_binary(thr_writer *w, const void *p, size_t n)
{
    if (n > INT32_MAX)
        return fail(w, ST_ERR_LIMIT, "thrift binary value longer than 2 GiB");
    if (n > 0 && !p)
        return fail(w, ST_ERR_INTERNAL, "thrift binary value without bytes");
    put_varint(w, n);
    return put(w, p, n);
}

st_status thr_write_string(thr_writer *w, const char *s)
{
    return thr_write_binary(w, s ? s : "", s ? strlen(s) : 0);
}

st_status thr_write_list_begin(thr_writer *w, int elem_type, int32_t n)
{
    if (n < 0)
        return fail(w, ST_ERR_INTERNAL, "negative thrift list size to write");
    if (elem_type <= THR_STOP || elem_type > THR_STRUCT || wire_type(elem_type) < 0)
        return fail(w, ST_ERR_INTERNAL, "invalid thrift list element type to write");
    if (n < 15)
        return put_byte(w, (uint8_t)((n << 4) | elem_type));
    put_byte(w, (uint8_t)(0xf0 | elem_type));
    return put_varint(w, (uint64_t)n);
}

st_status thr_write_map_begin(thr_writer *w, int key_type, int val_type, int32_t n)
{
    if (n < 0)
        return fail(w, ST_ERR_INTERNAL, "negative thrift map size to write");
    if (key_type <= THR_STOP || key_type > THR_STRUCT || val_type <= THR_STOP ||
        val_type > THR_STRUCT)
        return fail(w, ST_ERR_INTERNAL, "invalid thrift map types to write");
    put_varint(w, (uint64_t)n);
    if (n == 0)
        return w->rc;
    return put_byte(w, (uint8_t)((key_type << 4) | val_type));
}

st_status thr_write_field_i32(thr_writer *w, int16_t id, int32_t v)
{
    field_header(w, THR_I32, id);
    return thr_write_i32(w, v);
}

st_status thr_write_field_i64(thr_writer *w, int16_t id, int64_t v)
{
    field_header(w, THR_I64, id);
    return thr_write_i64(w, v);
}

st_status thr_write_field_binary(thr_writer *w, int16_t id, const void *p, size_t n)
{
    field_header(w, THR_BINARY, id);
    return thr_write_binary(w, p, n);
}

st_status thr_write_field_string(thr_writer *w, int16_t id, const char *s)
{
    field_header(w, THR_BINARY, id);
    return thr_write_string(w, s);
}
