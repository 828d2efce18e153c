/* pq_rle.c -- the RLE / bit-packed hybrid encoding (parquet-format
** Encodings.md, "Run Length Encoding / Bit-Packing Hybrid") used for
** definition and repetition levels, dictionary indices and RLE booleans, plus
** the deprecated MSB-first BIT_PACKED level encoding. Implemented by hand: no
** packaged C library implements it.
**
** Stream layout (no length prefix here; callers strip it):
**   run := header:ULEB128 ( rle-run | bit-packed-run )
**   header & 1 == 0: RLE run of (header >> 1) copies of one value stored in
**                    ceil(bit_width / 8) bytes, little endian
**   header & 1 == 1: (header >> 1) groups of 8 values, each group bit_width
**                    bytes, values packed LSB-first
**
** Invariants: the decoder never reads outside [buf, buf + len); every value it
** returns is < 2^bit_width (an RLE value with higher bits set is corrupt); a
** header varint is at most 5 bytes and fits 32 bits. A bit-packed run cut
** short by the end of the input yields the values it fully holds; asking for
** more is ST_ERR_CORRUPT. This is the hot path of page decoding, so
** bit-packed runs are unpacked 8 values at a time by the per-width
** specialised routines of pq_bitpack.c. */
#include "pq_encoding.h"
#include "pq_bitpack.h"

#include <inttypes.h>

#define RLE_NAME "rle/bit-packed hybrid data"
/* Longest bit-packed run the encoder writes, in groups of 8 values. */
#define RLE_ENC_MAX_GROUPS 64u
/* Longest RLE run the encoder writes (its header must fit a uint32). */
#define RLE_ENC_MAX_RUN 0x7fffffffu

/* ---- varints -------------------------------------------------------------- */

enum { VARINT_OK = 0, VARINT_TRUNCATED, VARINT_TOO_LONG };

/* Reads a ULEB128 value of at most 5 bytes that fits 32 bits. */
static int read_uvarint32(const uint8_t **pp, const uint8_t *end, uint32_t *out)
{
    const uint8_t *p = *pp;
    uint64_t v = 0;
    for (int i = 0; i < 5; i++) {
        if (p == end)
            return VARINT_TRUNCATED;
        uint8_t b = *p++;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            if (v > UINT32_MAX)
                return VARINT_TOO_LONG;
            *out = (uint32_t)v;
            *pp = p;
            return VARINT_OK;
        }
    }
    return VARINT_TOO_LONG;
}

/* ---- decoder -------------------------------------------------------------- */

/* Stands in for a NULL input of length 0 so pointer arithmetic stays defined. */
static const uint8_t no_bytes[1];

void pq_rle_init(pq_rle_decoder *d, const uint8_t *buf, size_t len, int bit_width)
{
    if (!buf)
        buf = no_bytes;
    d->p = buf;
    d->end = buf + len;
    d->bit_width = bit_width;
    d->rle_left = 0;
    d->rle_value = 0;
    d->bp_left = 0;
    d->bp_base = buf;
    d->bp_index = 0;
}

/* Reads the next run header (and an RLE run's value). Fails with
** ST_ERR_CORRUPT when the input is exhausted or the header is malformed;
** `done` and `want` only feed the message. */
static st_status rle_next_run(pq_rle_decoder *d, size_t done, size_t want, st_error *err)
{
    uint32_t hdr;
    int vr = read_uvarint32(&d->p, d->end, &hdr);
    if (vr == VARINT_TRUNCATED)
        return st_error_set(err, ST_ERR_CORRUPT,
                            RLE_NAME " ends after %zu of %zu values", done, want);
    if (vr == VARINT_TOO_LONG)
        return st_error_set(err, ST_ERR_CORRUPT,
                            RLE_NAME " has a run header varint longer than 32 bits");
    const unsigned bw = (unsigned)d->bit_width;
    size_t avail = (size_t)(d->end - d->p);
    if (!(hdr & 1)) {
        size_t nbytes = (bw + 7) / 8;
        if (avail < nbytes)
            return st_error_set(err, ST_ERR_CORRUPT,
                                RLE_NAME " ends inside an rle run value (%zu of %zu bytes)",
                                avail, nbytes);
        uint32_t v = 0;
        for (size_t i = 0; i < nbytes; i++)
            v |= (uint32_t)d->p[i] << (8 * i);
        if (bw < 32 && (v >> bw) != 0)
            return st_error_set(err, ST_ERR_CORRUPT,
                                RLE_NAME " has rle run value %" PRIu32 " wider than bit width %u",
                                v, bw);
        d->p += nbytes;
        d->rle_value = v;
        d->rle_left = hdr >> 1;
        return ST_OK;
    }
    /* Bit-packed: keep only the values the input fully holds (a writer may
    ** cut the padding of the final run). */
    uint64_t groups = hdr >> 1;
    uint64_t run_bytes = groups * bw;
    uint64_t present = (uint64_t)avail * 8 / bw;
    uint64_t values = groups * 8 < present ? groups * 8 : present;
    if (values > UINT32_MAX)
        return st_error_set(err, ST_ERR_CORRUPT,
                            RLE_NAME " has a bit-packed run of %" PRIu64 " groups", groups);
    d->bp_base = d->p;
    d->bp_index = 0;
    d->bp_left = (uint32_t)values;
    d->p += run_bytes < avail ? run_bytes : avail;
    return ST_OK;
}

/* Unpacks group `g` of the current bit-packed run into tmp[8], copying the
** group into a zero-padded buffer when it sits near the end of the input. */
static void bp_unpack_group_safe(const pq_rle_decoder *d, uint64_t g, uint32_t tmp[8])
{
    const size_t bw = (size_t)d->bit_width;
    const uint8_t *src = d->bp_base + g * bw;
    uint8_t pad[32 + 8] = {0};
    size_t avail = (size_t)(d->end - src);
    memcpy(pad, src, avail < bw ? avail : bw);
    pq_unpack32(pad, tmp, 1, d->bit_width);
}

/* Moves k values (k <= d->bp_left) of the current bit-packed run to out32 or
** out16 (exactly one non-NULL). Returns false if a value does not fit 16 bits. */
static bool bp_take(pq_rle_decoder *d, uint32_t *out32, uint16_t *out16, size_t k)
{
    const size_t bw = (size_t)d->bit_width;
    uint32_t tmp[8];
    uint32_t wide = 0;  /* OR of values written to out16 through tmp */
    size_t o = 0;
    while (o < k) {
        uint64_t idx = d->bp_index;
        unsigned in_group = (unsigned)(idx & 7);
        const uint8_t *src = d->bp_base + (idx >> 3) * bw;
        size_t fast = 0;
        if (in_group == 0 && k - o >= 8) {
            /* OPT: whole groups straight from the input while 8 bytes of
            ** slack remain after them. */
            size_t avail = (size_t)(d->end - src);
            fast = (k - o) / 8;
            size_t safe = avail >= bw + 8 ? (avail - 8) / bw : 0;
            if (fast > safe)
                fast = safe;
            if (fast > 0) {
                if (out32)
                    pq_unpack32(src, out32 + o, fast, d->bit_width);
                else if (bw <= 16)
                    pq_unpack16(src, out16 + o, fast, d->bit_width);
                else
                    fast = 0;
            }
        }
        if (fast > 0) {
            o += fast * 8;
            d->bp_index += fast * 8;
            continue;
        }
        bp_unpack_group_safe(d, idx >> 3, tmp);
        size_t m = 8 - in_group;
        if (m > k - o)
            m = k - o;
        for (size_t j = 0; j < m; j++) {
            uint32_t v = tmp[in_group + j];
            if (out32) {
                out32[o + j] = v;
            } else {
                wide |= v;
                out16[o + j] = (uint16_t)v;
            }
        }
        o += m;
        d->bp_index += m;
    }
    d->bp_left -= (uint32_t)k;
    return wide <= 0xffff;
}

/* Shared worker of pq_rle_get_u32/_u16: exactly one of out32/out16 is set. */
static st_status rle_get(pq_rle_decoder *d, uint32_t *out32, uint16_t *out16, size_t n,
                         st_error *err)
{
    if (d->bit_width < 0 || d->bit_width > 32)
        return st_error_set(err, ST_ERR_CORRUPT, RLE_NAME " has bit width %d (over 32)",
                            d->bit_width);
    if (d->bit_width == 0) {
        if (out32)
            memset(out32, 0, n * sizeof *out32);
        else
            memset(out16, 0, n * sizeof *out16);
        return ST_OK;
    }
    size_t i = 0;
    while (i < n) {
        if (d->rle_left > 0) {
            size_t k = ST_MIN((size_t)d->rle_left, n - i);
            uint32_t v = d->rle_value;
            if (out32) {
                for (size_t j = 0; j < k; j++)
                    out32[i + j] = v;
            } else {
                if (v > 0xffff)
                    return st_error_set(err, ST_ERR_CORRUPT,
                                        RLE_NAME " has value %" PRIu32 " over 16 bits", v);
                for (size_t j = 0; j < k; j++)
                    out16[i + j] = (uint16_t)v;
            }
            d->rle_left -= (uint32_t)k;
            i += k;
        } else if (d->bp_left > 0) {
            size_t k = ST_MIN((size_t)d->bp_left, n - i);
            if (!bp_take(d, out32 ? out32 + i : NULL, out16 ? out16 + i : NULL, k))
                return st_error_set(err, ST_ERR_CORRUPT,
                                    RLE_NAME " has a value over 16 bits (bit width %d)",
                                    d->bit_width);
            i += k;
        } else {
            st_status rc = rle_next_run(d, i, n, err);
            if (rc != ST_OK)
                return rc;
        }
    }
    return ST_OK;
}

st_status pq_rle_get_u32(pq_rle_decoder *d, uint32_t *out, size_t n, st_error *err)
{
    return rle_get(d, out, NULL, n, err);
}

st_status pq_rle_get_u16(pq_rle_decoder *d, uint16_t *out, size_t n, st_error *err)
{
    return rle_get(d, NULL, out, n, err);
}

/* ---- deprecated BIT_PACKED levels ------------------------------------------ */

st_status pq_bitpacked_legacy_get_u16(const uint8_t *buf, size_t len, int bit_width,
                                      uint16_t *out, size_t n, st_error *err)
{
    if (bit_width < 0 || bit_width > 16)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "bit-packed levels have bit width %d (over 16)", bit_width);
    size_t bits;
    if (!st_mul_size(n, (size_t)bit_width, &bits) || bits / 8 + (bits % 8 != 0) > len)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "bit-packed levels need %zu values of %d bits but have %zu bytes",
                            n, bit_width, len);
    /* MSB-first: value bits run from the high bit of each byte downwards. */
    size_t bitpos = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t v = 0;
        for (int b = 0; b < bit_width; b++, bitpos++)
            v = (v << 1) | ((buf[bitpos >> 3] >> (7 - (bitpos & 7))) & 1u);
        out[i] = (uint16_t)v;
    }
    return ST_OK;
}

/* ---- encoder ----------------------------------------------------------------- */

int pq_bit_width(uint64_t max_value)
{
    return max_value == 0 ? 0 : 64 - __builtin_clzll(max_value);
}

static inline uint32_t enc_val(const uint32_t *v32, const uint16_t *v16, size_t i)
{
    return v32 ? v32[i] : v16[i];
}

/* Length of the run of equal values starting at i, counting at most `cap`. */
static size_t enc_run_len(const uint32_t *v32, const uint16_t *v16, size_t n, size_t i,
                          size_t cap)
{
    uint32_t v = enc_val(v32, v16, i);
    size_t j = i + 1;
    while (j < n && j - i < cap && enc_val(v32, v16, j) == v)
        j++;
    return j - i;
}

static void put_uvarint(uint8_t **pp, uint32_t v)
{
    uint8_t *p = *pp;
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    *pp = p;
}

static st_status enc_rle_run(uint32_t count, uint32_t v, int bw, st_buf *out, st_error *err)
{
    st_status rc = st_buf_reserve(out, 5 + 4, err);
    if (rc != ST_OK)
        return rc;
    uint8_t *p = out->data + out->len;
    put_uvarint(&p, count << 1);
    for (int b = 0; b < bw; b += 8)
        *p++ = (uint8_t)(v >> b);
    out->len = (size_t)(p - out->data);
    return ST_OK;
}

/* Writes values [start, start + count) as one bit-packed run, zero-padded to
** whole groups of 8. */
static st_status enc_bp_run(const uint32_t *v32, const uint16_t *v16, size_t start,
                            size_t count, int bw, st_buf *out, st_error *err)
{
    size_t groups = (count + 7) / 8;
    st_status rc = st_buf_reserve(out, 5 + groups * (size_t)bw, err);
    if (rc != ST_OK)
        return rc;
    uint8_t *p = out->data + out->len;
    put_uvarint(&p, (uint32_t)(groups << 1) | 1u);
    uint64_t acc = 0;   /* pending bits, LSB first */
    unsigned nbits = 0; /* < 32 between values */
    for (size_t g = 0; g < groups; g++) {
        uint32_t tmp[8] = {0};
        size_t m = ST_MIN((size_t)8, count - g * 8);
        for (size_t j = 0; j < m; j++)
            tmp[j] = enc_val(v32, v16, start + g * 8 + j);
        for (size_t j = 0; j < 8; j++) {
            acc |= (uint64_t)tmp[j] << nbits;
            nbits += (unsigned)bw;
            if (nbits >= 32) {
                st_store_le32(p, (uint32_t)acc);
                p += 4;
                acc >>= 32;
                nbits -= 32;
            }
        }
    }
    for (; nbits >= 8; nbits -= 8, acc >>= 8)  /* 8 * bw bits per group: whole bytes */
        *p++ = (uint8_t)acc;
    out->len = (size_t)(p - out->data);
    return ST_OK;
}

/* Shared worker of the encoders: exactly one of v32/v16 is set. */
static st_status rle_encode(const uint32_t *v32, const uint16_t *v16, size_t n, int bw,
                            st_buf *out, st_error *err)
{
    if (bw < 0 || bw > 32)
        return st_error_set(err, ST_ERR_ARGUMENT, "rle bit width %d is outside 0..32", bw);
    uint32_t all = 0;  /* OR of every value (OPT: one vectorisable pass) */
    if (v32) {
        for (size_t i = 0; i < n; i++)
            all |= v32[i];
    } else {
        for (size_t i = 0; i < n; i++)
            all |= v16[i];
    }
    if (bw < 32 && (all >> bw) != 0) {
        for (size_t i = 0; i < n; i++)
            if ((enc_val(v32, v16, i) >> bw) != 0)
                return st_error_set(err, ST_ERR_ARGUMENT,
                                    "value %" PRIu32 " does not fit rle bit width %d",
                                    enc_val(v32, v16, i), bw);
    }
    size_t i = 0;
    while (i < n) {
        size_t r = enc_run_len(v32, v16, n, i, RLE_ENC_MAX_RUN);
        if (r >= 8 || bw == 0) {
            st_status rc = enc_rle_run((uint32_t)r, enc_val(v32, v16, i), bw, out, err);
            if (rc != ST_OK)
                return rc;
            i += r;
            continue;
        }
        /* Bit-packed groups until a run of 8+ starts on a group boundary. */
        size_t start = i, groups = 0;
        while (i < n && groups < RLE_ENC_MAX_GROUPS) {
            if (groups > 0 && enc_run_len(v32, v16, n, i, 8) >= 8)
                break;
            i = n - i < 8 ? n : i + 8;
            groups++;
        }
        st_status rc = enc_bp_run(v32, v16, start, i - start, bw, out, err);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

st_status pq_rle_encode_u32(const uint32_t *vals, size_t n, int bit_width, st_buf *out,
                            st_error *err)
{
    return rle_encode(vals, NULL, n, bit_width, out, err);
}

st_status pq_rle_encode_u16(const uint16_t *vals, size_t n, int bit_width, st_buf *out,
                            st_error *err)
{
    return rle_encode(NULL, vals, n, bit_width, out, err);
}
