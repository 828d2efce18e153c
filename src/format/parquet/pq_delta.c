/* pq_delta.c -- the delta encodings of parquet-format Encodings.md:
** DELTA_BINARY_PACKED (int32/int64, decode and encode),
** DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY (decode). Implemented by hand:
** no packaged C library implements them.
**
** DELTA_BINARY_PACKED layout:
**   header: block_size:ULEB128 (values, multiple of 128)
**           miniblocks_per_block:ULEB128 (block_size / it is a multiple of 32)
**           total_count:ULEB128  first_value:zigzag ULEB128
**   block:  min_delta:zigzag ULEB128  bit_width:u8 x miniblocks_per_block
**           miniblocks: (block_size / miniblocks_per_block) values each,
**           bit-packed LSB-first at that miniblock's width
** total_count counts the first value, so the blocks hold total_count - 1
** deltas. In the last block the miniblocks after the one holding the last
** value are absent and their bit-width bytes may be garbage (parquet-mr
** leaves stale widths there; parquet-testing's delta_binary_packed.parquet
** has them): they are never checked. The miniblock holding the last value is
** present in full (padded), so the stream ends right after it and *consumed
** is exactly that end. Arithmetic wraps (unsigned), as the spec requires;
** both int32 and int64 streams accept bit widths up to 64 (DuckDB writes
** 33-bit miniblocks for full-range int32 columns because it takes deltas in
** 64 bits); int32 results are then exact modulo 2^32. */
#include "pq_encoding.h"
#include "pq_bitpack.h"

#include <inttypes.h>

#define DBP_NAME "delta binary packed data"
/* Upper bound on the block size we accept: a page never holds more values. */
#define DBP_MAX_BLOCK ((uint64_t)1 << 31)
/* Values decoded per unpack call (whole groups of 8). */
#define DBP_CHUNK 512u

/* Stands in for a NULL input of length 0 so pointer arithmetic stays defined. */
static const uint8_t no_bytes[1];

/* ---- varints ---------------------------------------------------------------- */

enum { VARINT_OK = 0, VARINT_TRUNCATED, VARINT_TOO_LONG };

/* Reads a ULEB128 value of at most 10 bytes that fits 64 bits. */
static int read_uvarint64(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
    const uint8_t *p = *pp;
    uint64_t v = 0;
    for (int i = 0; i < 10; i++) {
        if (p == end)
            return VARINT_TRUNCATED;
        uint8_t b = *p++;
        if (i == 9 && b > 1)
            return VARINT_TOO_LONG;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            *pp = p;
            return VARINT_OK;
        }
    }
    return VARINT_TOO_LONG;
}

static inline uint64_t zigzag_decode(uint64_t u) { return (u >> 1) ^ (0 - (u & 1)); }
static inline uint64_t zigzag_encode(int64_t v)
{
    return ((uint64_t)v << 1) ^ (0 - ((uint64_t)v >> 63));
}

/* Reads one varint named `what` or fails with ST_ERR_CORRUPT. */
static st_status get_varint(const uint8_t **pp, const uint8_t *end, const char *what,
                            uint64_t *out, st_error *err)
{
    int vr = read_uvarint64(pp, end, out);
    if (vr == VARINT_TRUNCATED)
        return st_error_set(err, ST_ERR_CORRUPT, DBP_NAME " ends inside its %s", what);
    if (vr == VARINT_TOO_LONG)
        return st_error_set(err, ST_ERR_CORRUPT, DBP_NAME " has a %s varint over 64 bits", what);
    return ST_OK;
}

/* ---- padded 64-bit unpacking ------------------------------------------------ */

/* Unpacks `groups` groups at src (bw bytes each, all inside [src, end)) into
** out, copying the last groups into a padded buffer when fewer than bw + 9
** bytes follow them. */
static void unpack_span(const uint8_t *src, const uint8_t *end, uint64_t *out, size_t groups,
                        unsigned bw)
{
    size_t avail = (size_t)(end - src);
    size_t fast = avail >= bw + 16 ? (avail - 16) / (bw ? bw : 1) : 0;
    if (bw == 0 || fast > groups)
        fast = groups;
    pq_unpack64(src, out, fast, (int)bw);
    for (size_t g = fast; g < groups; g++) {
        uint8_t pad[64 + 16] = {0};
        memcpy(pad, src + g * bw, bw);
        pq_unpack64(pad, out + g * 8, 1, (int)bw);
    }
}

/* ---- DELTA_BINARY_PACKED decode ------------------------------------------- */

typedef struct dbp_header {
    uint64_t block_size;     /* values per block */
    uint64_t n_mini;         /* miniblocks per block */
    uint64_t per_mini;       /* values per miniblock (multiple of 32) */
    uint64_t total;          /* values in the stream, first value included */
    uint64_t first;          /* first value, two's complement */
} dbp_header;

static st_status dbp_read_header(const uint8_t **pp, const uint8_t *end, dbp_header *h,
                                 st_error *err)
{
    st_status rc;
    if ((rc = get_varint(pp, end, "block size", &h->block_size, err)) != ST_OK ||
        (rc = get_varint(pp, end, "miniblock count", &h->n_mini, err)) != ST_OK ||
        (rc = get_varint(pp, end, "value count", &h->total, err)) != ST_OK ||
        (rc = get_varint(pp, end, "first value", &h->first, err)) != ST_OK)
        return rc;
    h->first = zigzag_decode(h->first);
    if (h->block_size == 0 || h->block_size % 128 != 0 || h->block_size > DBP_MAX_BLOCK)
        return st_error_set(err, ST_ERR_CORRUPT,
                            DBP_NAME " has block size %" PRIu64 " (not a multiple of 128)",
                            h->block_size);
    if (h->n_mini == 0 || h->block_size % h->n_mini != 0 ||
        (h->block_size / h->n_mini) % 32 != 0)
        return st_error_set(err, ST_ERR_CORRUPT,
                            DBP_NAME " has %" PRIu64 " miniblocks per block of %" PRIu64
                            " values (miniblocks must hold a multiple of 32)",
                            h->n_mini, h->block_size);
    h->per_mini = h->block_size / h->n_mini;
    return ST_OK;
}

/* Decodes k values of one miniblock at src (complete inside [src, end)),
** adding min_delta + packed to *prev per value, into o32 or o64 (one set). */
static void dbp_miniblock(const uint8_t *src, const uint8_t *end, unsigned bw, uint64_t k,
                          uint64_t min_delta, uint64_t *prev, int32_t *o32, int64_t *o64)
{
    uint64_t tmp[DBP_CHUNK];
    uint64_t v = *prev;
    for (uint64_t done = 0; done < k;) {
        size_t m = (size_t)ST_MIN(k - done, (uint64_t)DBP_CHUNK);
        size_t groups = (m + 7) / 8;
        unpack_span(src + (done / 8) * bw, end, tmp, groups, bw);
        if (o64) {
            for (size_t j = 0; j < m; j++) {
                v += min_delta + tmp[j];
                o64[done + j] = (int64_t)v;
            }
        } else {
            for (size_t j = 0; j < m; j++) {
                v += min_delta + tmp[j];
                o32[done + j] = (int32_t)(uint32_t)v;
            }
        }
        done += m;
    }
    *prev = v;
}

/* Shared worker of pq_delta_decode_i32/_i64: exactly one of o32/o64 is set. */
static st_status dbp_decode(const uint8_t *buf, size_t len, int32_t *o32, int64_t *o64,
                            size_t n, size_t *consumed, st_error *err)
{
    const unsigned max_bw = 64; /* int32 too: some writers (DuckDB) take deltas in 64 bits */
    if (n == 0 && len == 0) {
        *consumed = 0;  /* an empty page may omit the stream entirely */
        return ST_OK;
    }
    if (!buf)
        buf = no_bytes;
    const uint8_t *p = buf, *end = buf + len;
    dbp_header h;
    st_status rc = dbp_read_header(&p, end, &h, err);
    if (rc != ST_OK)
        return rc;
    if (h.total < n)
        return st_error_set(err, ST_ERR_CORRUPT,
                            DBP_NAME " holds %" PRIu64 " values but %zu are needed", h.total, n);
    uint64_t prev = h.first, pos = 0, remaining = h.total;
    if (remaining > 0) {
        if (n > 0) {
            if (o64)
                o64[0] = (int64_t)prev;
            else
                o32[0] = (int32_t)(uint32_t)prev;
        }
        pos = 1;
        remaining--;
    }
    while (remaining > 0) {
        uint64_t min_delta;
        if ((rc = get_varint(&p, end, "min delta", &min_delta, err)) != ST_OK)
            return rc;
        min_delta = zigzag_decode(min_delta);
        if ((uint64_t)(end - p) < h.n_mini)
            return st_error_set(err, ST_ERR_CORRUPT,
                                DBP_NAME " ends inside the bit widths of a block");
        const uint8_t *widths = p;
        p += h.n_mini;
        for (uint64_t m = 0; m < h.n_mini && remaining > 0; m++) {
            unsigned bw = widths[m];
            if (bw > max_bw)
                return st_error_set(err, ST_ERR_CORRUPT,
                                    DBP_NAME " has miniblock bit width %u (over %u)", bw, max_bw);
            uint64_t mb_bytes = h.per_mini / 8 * bw;
            if ((uint64_t)(end - p) < mb_bytes)
                return st_error_set(err, ST_ERR_CORRUPT,
                                    DBP_NAME " ends inside a miniblock (%zu of %" PRIu64
                                    " bytes)", (size_t)(end - p), mb_bytes);
            uint64_t cnt = ST_MIN(h.per_mini, remaining);
            if (pos < n) {
                uint64_t k = ST_MIN(cnt, (uint64_t)n - pos);
                dbp_miniblock(p, end, bw, k, min_delta, &prev, o32 ? o32 + pos : NULL,
                              o64 ? o64 + pos : NULL);
            }
            p += mb_bytes;
            pos += cnt;
            remaining -= cnt;
        }
    }
    *consumed = (size_t)(p - buf);
    return ST_OK;
}

st_status pq_delta_decode_i32(const uint8_t *buf, size_t len, int32_t *out, size_t n,
                              size_t *consumed, st_error *err)
{
    return dbp_decode(buf, len, out, NULL, n, consumed, err);
}

st_status pq_delta_decode_i64(const uint8_t *buf, size_t len, int64_t *out, size_t n,
                              size_t *consumed, st_error *err)
{
    return dbp_decode(buf, len, NULL, out, n, consumed, err);
}

/* ---- DELTA_BINARY_PACKED encode --------------------------------------------- */

#define DBP_ENC_BLOCK 128u
#define DBP_ENC_MINI 4u
#define DBP_ENC_PER_MINI (DBP_ENC_BLOCK / DBP_ENC_MINI)

static void put_uvarint64(uint8_t **pp, uint64_t v)
{
    uint8_t *p = *pp;
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    *pp = p;
}

/* LSB-first bit writer; holds fewer than 8 pending bits between calls. */
typedef struct bit_writer {
    uint8_t *p;       /* next output byte */
    uint64_t acc;     /* pending bits */
    unsigned nbits;   /* pending bit count, < 8 */
} bit_writer;

static void bw_put32(bit_writer *w, uint64_t x, unsigned k)
{
    w->acc |= x << w->nbits;
    w->nbits += k;
    while (w->nbits >= 8) {
        *w->p++ = (uint8_t)w->acc;
        w->acc >>= 8;
        w->nbits -= 8;
    }
}

static void bw_put(bit_writer *w, uint64_t v, unsigned bw)
{
    if (bw <= 32) {
        bw_put32(w, bw == 32 ? v & 0xffffffffu : v & (((uint64_t)1 << bw) - 1), bw);
    } else {
        bw_put32(w, v & 0xffffffffu, 32);
        bw_put32(w, v >> 32, bw - 32);
    }
}

/* Delta i (>= 1) of the input, wrapped to the value type's width. */
static inline int64_t enc_delta(const int32_t *v32, const int64_t *v64, size_t i)
{
    if (v64)
        return (int64_t)((uint64_t)v64[i] - (uint64_t)v64[i - 1]);
    return (int32_t)((uint32_t)v32[i] - (uint32_t)v32[i - 1]);
}

/* Appends one block of cnt (1..128) deltas starting at input index i. */
static st_status dbp_encode_block(const int32_t *v32, const int64_t *v64, size_t i, size_t cnt,
                                  st_buf *out, st_error *err)
{
    int64_t d[DBP_ENC_BLOCK];
    uint64_t u[DBP_ENC_BLOCK] = {0};
    int64_t min = INT64_MAX;
    for (size_t j = 0; j < cnt; j++) {
        d[j] = enc_delta(v32, v64, i + j);
        if (d[j] < min)
            min = d[j];
    }
    for (size_t j = 0; j < cnt; j++)
        u[j] = (uint64_t)d[j] - (uint64_t)min;
    uint8_t widths[DBP_ENC_MINI] = {0};
    for (unsigned m = 0; m < DBP_ENC_MINI; m++) {
        uint64_t all = 0;
        for (size_t j = m * DBP_ENC_PER_MINI; j < (m + 1) * DBP_ENC_PER_MINI && j < cnt; j++)
            all |= u[j];
        widths[m] = (uint8_t)pq_bit_width(all);
    }
    st_status rc = st_buf_reserve(out, 10 + DBP_ENC_MINI + DBP_ENC_BLOCK * 8, err);
    if (rc != ST_OK)
        return rc;
    bit_writer w = { out->data + out->len, 0, 0 };
    put_uvarint64(&w.p, zigzag_encode(min));
    memcpy(w.p, widths, DBP_ENC_MINI);
    w.p += DBP_ENC_MINI;
    for (unsigned m = 0; m < DBP_ENC_MINI && m * DBP_ENC_PER_MINI < cnt; m++)
        for (size_t j = m * DBP_ENC_PER_MINI; j < (m + 1) * DBP_ENC_PER_MINI; j++)
            bw_put(&w, u[j], widths[m]);
    out->len = (size_t)(w.p - out->data);
    return ST_OK;
}

/* Shared worker of the encoders: block size 128, 4 miniblocks of 32 values
** (what parquet-mr and Arrow write); unused miniblocks get width 0. */
static st_status dbp_encode(const int32_t *v32, const int64_t *v64, size_t n, st_buf *out,
                            st_error *err)
{
    st_status rc = st_buf_reserve(out, 4 * 10, err);
    if (rc != ST_OK)
        return rc;
    uint8_t *p = out->data + out->len;
    int64_t first = n == 0 ? 0 : v64 ? v64[0] : v32[0];
    put_uvarint64(&p, DBP_ENC_BLOCK);
    put_uvarint64(&p, DBP_ENC_MINI);
    put_uvarint64(&p, (uint64_t)n);
    put_uvarint64(&p, zigzag_encode(first));
    out->len = (size_t)(p - out->data);
    for (size_t i = 1; i < n; i += DBP_ENC_BLOCK) {
        size_t cnt = ST_MIN((size_t)DBP_ENC_BLOCK, n - i);
        if ((rc = dbp_encode_block(v32, v64, i, cnt, out, err)) != ST_OK)
            return rc;
    }
    return ST_OK;
}

st_status pq_delta_encode_i64(const int64_t *vals, size_t n, st_buf *out, st_error *err)
{
    return dbp_encode(NULL, vals, n, out, err);
}

st_status pq_delta_encode_i32(const int32_t *vals, size_t n, st_buf *out, st_error *err)
{
    return dbp_encode(vals, NULL, n, out, err);
}

/* ---- DELTA_LENGTH_BYTE_ARRAY ------------------------------------------------- */

st_status pq_delta_length_decode(const uint8_t *buf, size_t len, size_t n, st_arena *a,
                                 pq_byte_arrays *out, size_t *consumed, st_error *err)
{
    size_t n1, bytes;
    if (!buf)
        buf = no_bytes;
    if (!st_add_size(n, 1, &n1) || !st_mul_size(n1, sizeof(int32_t), &bytes))
        return st_error_set(err, ST_ERR_LIMIT, "too many byte array values (%zu)", n);
    int32_t *off = st_arena_alloc(a, bytes);
    if (!off)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory for %zu byte array offsets", n);
    size_t c;
    st_status rc = pq_delta_decode_i32(buf, len, off + 1, n, &c, err);
    if (rc != ST_OK)
        return st_error_context(err, "reading delta length byte array lengths");
    off[0] = 0;
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t l = off[i + 1];
        if (l < 0)
            return st_error_set(err, ST_ERR_CORRUPT,
                                "delta length byte array value %zu has negative length %" PRId32,
                                i, l);
        total += l;
        if (total > INT32_MAX)
            return st_error_set(err, ST_ERR_LIMIT,
                                "delta length byte array values exceed %d bytes", INT32_MAX);
        off[i + 1] = (int32_t)total;
    }
    if ((uint64_t)total > len - c)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "delta length byte array needs %" PRId64 " data bytes but has %zu",
                            total, len - c);
    out->offsets = off;
    out->data = buf + c;
    out->n = n;
    *consumed = c + (size_t)total;
    return ST_OK;
}

/* ---- DELTA_BYTE_ARRAY ---------------------------------------------------------- */

st_status pq_delta_byte_array_decode(const uint8_t *buf, size_t len, size_t n, st_arena *a,
                                     pq_byte_arrays *out, size_t *consumed, st_error *err)
{
    size_t bytes, c1, c2;
    if (!buf)
        buf = no_bytes;
    if (!st_mul_size(n ? n : 1, sizeof(int32_t), &bytes))
        return st_error_set(err, ST_ERR_LIMIT, "too many byte array values (%zu)", n);
    int32_t *prefix = st_arena_alloc(a, bytes);
    if (!prefix)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory for %zu prefix lengths", n);
    st_status rc = pq_delta_decode_i32(buf, len, prefix, n, &c1, err);
    if (rc != ST_OK)
        return st_error_context(err, "reading delta byte array prefix lengths");
    pq_byte_arrays suf;
    rc = pq_delta_length_decode(buf + c1, len - c1, n, a, &suf, &c2, err);
    if (rc != ST_OK)
        return st_error_context(err, "reading delta byte array suffixes");
    /* Pass 1: validate prefixes and size the output. */
    int64_t total = 0, prev_len = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t pl = prefix[i];
        if (pl < 0 || pl > prev_len)
            return st_error_set(err, ST_ERR_CORRUPT,
                                "delta byte array value %zu has prefix length %" PRId64
                                " but the previous value has %" PRId64 " bytes",
                                i, pl, prev_len);
        prev_len = pl + (suf.offsets[i + 1] - suf.offsets[i]);
        total += prev_len;
        if (total > INT32_MAX)
            return st_error_set(err, ST_ERR_LIMIT,
                                "delta byte array values exceed %d bytes", INT32_MAX);
    }
    /* Pass 2: rebuild each value from its predecessor and suffix. */
    int32_t *off = suf.offsets;  /* rewritten in place: suffix offsets are read first */
    uint8_t *data = st_arena_alloc(a, total ? (size_t)total : 1);
    if (!data)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory for %" PRId64 " bytes", total);
    const uint8_t *prev = data;
    int32_t pos = 0, s_begin = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t s_end = off[i + 1];
        int32_t pl = prefix[i], sl = s_end - s_begin;
        uint8_t *dst = data + pos;
        if (pl > 0)
            memcpy(dst, prev, (size_t)pl);
        if (sl > 0)
            memcpy(dst + pl, suf.data + s_begin, (size_t)sl);
        prev = dst;
        s_begin = s_end;
        off[i] = pos;
        pos += pl + sl;
    }
    off[n] = pos;
    out->offsets = off;
    out->data = data;
    out->n = n;
    *consumed = c1 + c2;
    return ST_OK;
}
