/* pq_plain.c -- the PLAIN encodings that need more than a memcpy (BYTE_ARRAY
** with 4-byte little-endian length prefixes, bit-packed BOOLEAN) and
** BYTE_STREAM_SPLIT (parquet-format Encodings.md). Implemented by hand: no
** packaged C library implements them.
**
** Layouts:
**   PLAIN BYTE_ARRAY   (len:u32 LE, bytes[len]) x n
**   PLAIN BOOLEAN      one bit per value, LSB-first, values back to back
**   BYTE_STREAM_SPLIT  width streams of n_total bytes: stream k holds byte k
**                      of every value, in value order
** Invariants: nothing is read outside [buf, buf + len); byte-array output is
** copied into the arena (offsets int32[n + 1], data contiguous) and its total
** stays within INT32_MAX bytes (ST_ERR_LIMIT otherwise). */
#include "pq_encoding.h"

#include <inttypes.h>

/* Stands in for a NULL input of length 0 so pointer arithmetic stays defined. */
static const uint8_t no_bytes[1];

st_status pq_plain_decode_byte_array(const uint8_t *buf, size_t len, size_t n, st_arena *a,
                                     pq_byte_arrays *out, size_t *consumed, st_error *err)
{
    size_t n1, bytes;
    if (!st_add_size(n, 1, &n1) || !st_mul_size(n1, sizeof(int32_t), &bytes))
        return st_error_set(err, ST_ERR_LIMIT, "too many byte array values (%zu)", n);
    int32_t *off = st_arena_alloc(a, bytes);
    if (!off)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory for %zu byte array offsets", n);
    /* Pass 1: validate the length prefixes and build the offsets. */
    size_t p = 0;
    int64_t total = 0;
    off[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (len - p < 4)
            return st_error_set(err, ST_ERR_CORRUPT,
                                "plain byte array data ends before the length of value %zu "
                                "of %zu", i, n);
        uint32_t l = st_load_le32(buf + p);
        p += 4;
        if (l > len - p)
            return st_error_set(err, ST_ERR_CORRUPT,
                                "plain byte array value %zu has length %" PRIu32
                                " but only %zu bytes remain", i, l, len - p);
        p += l;
        total += l;
        if (total > INT32_MAX)
            return st_error_set(err, ST_ERR_LIMIT,
                                "plain byte array values exceed %d bytes", INT32_MAX);
        off[i + 1] = (int32_t)total;
    }
    /* Pass 2: gather the bytes without their prefixes. */
    uint8_t *data = st_arena_alloc(a, total ? (size_t)total : 1);
    if (!data)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory for %" PRId64 " bytes", total);
    const uint8_t *src = buf;
    for (size_t i = 0; i < n; i++) {
        size_t l = (size_t)(off[i + 1] - off[i]);
        if (l > 0)
            memcpy(data + off[i], src + 4, l);
        src += 4 + l;
    }
    out->offsets = off;
    out->data = data;
    out->n = n;
    *consumed = p;
    return ST_OK;
}

st_status pq_plain_decode_bool(const uint8_t *buf, size_t len, size_t bit_offset, uint8_t *out,
                               size_t n, st_error *err)
{
    size_t bits;
    if (!st_add_size(bit_offset, n, &bits) || bits / 8 + (bits % 8 != 0) > len)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "plain boolean data has %zu bytes, too few for %zu values at bit %zu",
                            len, n, bit_offset);
    size_t i = 0, bit = bit_offset;
    for (; i < n && (bit & 7); i++, bit++)
        out[i] = (buf[bit >> 3] >> (bit & 7)) & 1;
    /* OPT: whole bytes spread to 8 output bytes at once (byte k = bit k). */
    for (; n - i >= 8; i += 8, bit += 8) {
        uint64_t x = buf[bit >> 3] * 0x0101010101010101ULL;
        x = (((x & 0x8040201008040201ULL) + 0x7f7f7f7f7f7f7f7fULL) >> 7) & 0x0101010101010101ULL;
        st_store_le64(out + i, x);
    }
    for (; i < n; i++, bit++)
        out[i] = (buf[bit >> 3] >> (bit & 7)) & 1;
    return ST_OK;
}

st_status pq_byte_stream_split_decode(const uint8_t *buf, size_t len, int width, size_t n_total,
                                      uint8_t *out, size_t n, st_error *err)
{
    size_t need;
    if (width <= 0)
        return st_error_set(err, ST_ERR_CORRUPT, "byte stream split value width is %d", width);
    if (n > n_total)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "byte stream split page holds %zu values but %zu are needed",
                            n_total, n);
    if (!st_mul_size((size_t)width, n_total, &need) || need > len)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "byte stream split data has %zu bytes, too few for %zu values of "
                            "%d bytes", len, n_total, width);
    if (!buf)
        buf = no_bytes;
    const size_t w = (size_t)width, s = n_total;
    if (w == 4) {
        const uint8_t *s0 = buf, *s1 = buf + s, *s2 = buf + 2 * s, *s3 = buf + 3 * s;
        for (size_t i = 0; i < n; i++) {
            uint32_t v = (uint32_t)s0[i] | (uint32_t)s1[i] << 8 | (uint32_t)s2[i] << 16 |
                         (uint32_t)s3[i] << 24;
            st_store_le32(out + 4 * i, v);
        }
    } else if (w == 8) {
        const uint8_t *st[8];
        for (size_t k = 0; k < 8; k++)
            st[k] = buf + k * s;
        for (size_t i = 0; i < n; i++) {
            uint64_t v = 0;
            for (unsigned k = 0; k < 8; k++)
                v |= (uint64_t)st[k][i] << (8 * k);
            st_store_le64(out + 8 * i, v);
        }
    } else {
        for (size_t k = 0; k < w; k++) {
            const uint8_t *src = buf + k * s;
            for (size_t i = 0; i < n; i++)
                out[i * w + k] = src[i];
        }
    }
    return ST_OK;
}
