/* pq_encoding_test.c -- unit tests for the Parquet value and level encodings
** (pq_encoding.h): byte sequences built by hand from parquet-format
** Encodings.md, encode -> decode round trips over every bit width, and
** truncated or malformed inputs, which must fail with a status (the inputs
** are copied into exactly-sized heap blocks so ASan sees any over-read). */
#include <criterion/criterion.h>

#include "format/parquet/pq_encoding.h"

#include <stdint.h>
#include <stdlib.h>

/* ---- helpers ---------------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

/* Exactly-sized heap copy of buf[0..n) (so over-reads trip ASan). */
static uint8_t *dup_exact(const uint8_t *buf, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    cr_assert_not_null(p);
    if (n)
        memcpy(p, buf, n);
    return p;
}

/* Values for bit width bw: random, with runs of repeats mixed in. */
static void fill_values(uint32_t *v, size_t n, int bw, uint64_t seed)
{
    uint64_t s = seed | 1;
    uint32_t mask = bw == 32 ? 0xffffffffu : (uint32_t)((1ull << bw) - 1);
    size_t i = 0;
    while (i < n) {
        uint64_t r = rng_next(&s);
        size_t run = (r % 4 == 0) ? (size_t)(r >> 8) % 40 + 1 : 1;
        uint32_t val = (uint32_t)(rng_next(&s) >> 11) & mask;
        for (size_t j = 0; j < run && i < n; j++)
            v[i++] = val;
    }
}

/* ---- RLE / bit-packed hybrid ---------------------------------------------------- */

Test(pq_rle, spec_bitpacked_example)
{
    /* Encodings.md: values 0..7 at bit width 3 pack to 10001000 11000110 11111010. */
    const uint8_t in[] = { 0x03, 0x88, 0xC6, 0xFA };
    uint8_t *buf = dup_exact(in, sizeof in);
    pq_rle_decoder d;
    uint32_t out[8];
    st_error err;
    pq_rle_init(&d, buf, sizeof in, 3);
    cr_assert_eq(pq_rle_get_u32(&d, out, 8, &err), ST_OK);
    for (uint32_t i = 0; i < 8; i++)
        cr_assert_eq(out[i], i);
    free(buf);
}

Test(pq_rle, spec_rle_run)
{
    /* 10 copies of 5 at bit width 3, then 300 copies of 0x1ab at width 9. */
    const uint8_t a[] = { 0x14, 0x05 };
    const uint8_t b[] = { 0xD8, 0x04, 0xab, 0x01 };
    pq_rle_decoder d;
    uint32_t out[300];
    uint16_t out16[300];
    st_error err;
    pq_rle_init(&d, a, sizeof a, 3);
    cr_assert_eq(pq_rle_get_u32(&d, out, 10, &err), ST_OK);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(out[i], 5);
    cr_assert_eq(pq_rle_get_u32(&d, out, 1, &err), ST_ERR_CORRUPT);
    pq_rle_init(&d, b, sizeof b, 9);
    cr_assert_eq(pq_rle_get_u16(&d, out16, 300, &err), ST_OK);
    for (int i = 0; i < 300; i++)
        cr_assert_eq(out16[i], 0x1ab);
}

Test(pq_rle, bit_width_zero_reads_nothing)
{
    pq_rle_decoder d;
    uint32_t out[5] = { 9, 9, 9, 9, 9 };
    st_error err;
    pq_rle_init(&d, NULL, 0, 0);
    cr_assert_eq(pq_rle_get_u32(&d, out, 5, &err), ST_OK);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(out[i], 0);
}

Test(pq_rle, round_trip_every_width)
{
    static const size_t sizes[] = { 0, 1, 7, 8, 9, 15, 100, 1000, 4099 };
    uint32_t *vals = malloc(4099 * sizeof *vals), *got = malloc(4099 * sizeof *got);
    uint16_t *got16 = malloc(4099 * sizeof *got16);
    for (int bw = 0; bw <= 32; bw++) {
        for (size_t si = 0; si < ST_ARRAY_LEN(sizes); si++) {
            size_t n = sizes[si];
            fill_values(vals, n, bw, (uint64_t)bw * 977 + si + 1);
            st_buf enc;
            st_buf_init(&enc);
            st_error err;
            cr_assert_eq(pq_rle_encode_u32(vals, n, bw, &enc, &err), ST_OK, "%s", err.msg);
            uint8_t *buf = dup_exact(enc.data, enc.len);
            /* Decode in uneven chunks so runs and groups split across calls. */
            pq_rle_decoder d;
            pq_rle_init(&d, buf, enc.len, bw);
            size_t i = 0, step = 1;
            while (i < n) {
                size_t k = ST_MIN(step, n - i);
                cr_assert_eq(pq_rle_get_u32(&d, got + i, k, &err), ST_OK,
                             "bw %d n %zu: %s", bw, n, err.msg);
                i += k;
                step = step * 3 % 61 + 1;
            }
            for (size_t j = 0; j < n; j++)
                cr_assert_eq(got[j], vals[j], "bw %d n %zu value %zu", bw, n, j);
            if (bw <= 16) {
                pq_rle_init(&d, buf, enc.len, bw);
                cr_assert_eq(pq_rle_get_u16(&d, got16, n, &err), ST_OK);
                for (size_t j = 0; j < n; j++)
                    cr_assert_eq(got16[j], vals[j], "u16 bw %d n %zu value %zu", bw, n, j);
            }
            free(buf);
            st_buf_destroy(&enc);
        }
    }
    free(vals);
    free(got);
    free(got16);
}

Test(pq_rle, encoder_uses_runs)
{
    /* 100 zeros at width 1: one RLE run, header 200 = varint c8 01, value 00. */
    uint32_t v[100] = { 0 };
    st_buf enc;
    st_buf_init(&enc);
    st_error err;
    cr_assert_eq(pq_rle_encode_u32(v, 100, 1, &enc, &err), ST_OK);
    cr_assert_eq(enc.len, 3);
    cr_assert_eq(enc.data[0], 0xC8);
    cr_assert_eq(enc.data[1], 0x01);
    cr_assert_eq(enc.data[2], 0x00);
    /* 3 values at width 3: one padded bit-packed group. */
    st_buf_clear(&enc);
    const uint16_t w[3] = { 1, 2, 3 };
    cr_assert_eq(pq_rle_encode_u16(w, 3, 3, &enc, &err), ST_OK);
    cr_assert_eq(enc.len, 4);
    cr_assert_eq(enc.data[0], 0x03);
    cr_assert_eq(enc.data[1], 0xD1);  /* 001 010 01|1 */
    cr_assert_eq(enc.data[2], 0x00);
    /* A value wider than the bit width is a caller error. */
    const uint32_t big = 8;
    cr_assert_eq(pq_rle_encode_u32(&big, 1, 3, &enc, &err), ST_ERR_ARGUMENT);
    st_buf_destroy(&enc);
}

Test(pq_rle, truncation_never_overreads)
{
    enum { N = 777 };
    uint32_t vals[N], got[N];
    for (int bw = 1; bw <= 32; bw += 3) {
        fill_values(vals, N, bw, (uint64_t)bw + 99);
        st_buf enc;
        st_buf_init(&enc);
        st_error err;
        cr_assert_eq(pq_rle_encode_u32(vals, N, bw, &enc, &err), ST_OK);
        for (size_t cut = 0; cut < enc.len; cut++) {
            uint8_t *buf = dup_exact(enc.data, cut);
            pq_rle_decoder d;
            pq_rle_init(&d, buf, cut, bw);
            st_status rc = pq_rle_get_u32(&d, got, N, &err);
            /* Cutting only the padding of the last group may still decode. */
            if (rc == ST_OK) {
                for (size_t j = 0; j < N; j++)
                    cr_assert_eq(got[j], vals[j]);
            } else {
                cr_assert_eq(rc, ST_ERR_CORRUPT);
            }
            if (cut + bw < enc.len)
                cr_assert_eq(rc, ST_ERR_CORRUPT, "bw %d cut %zu of %zu", bw, cut, enc.len);
            free(buf);
        }
        st_buf_destroy(&enc);
    }
}

Test(pq_rle, short_final_bitpacked_run)
{
    /* Header promises 1 group of width 3, but only 2 bytes (5 values) follow. */
    const uint8_t in[] = { 0x03, 0x88, 0xC6 };
    uint8_t *buf = dup_exact(in, sizeof in);
    pq_rle_decoder d;
    uint32_t out[8];
    st_error err;
    pq_rle_init(&d, buf, sizeof in, 3);
    cr_assert_eq(pq_rle_get_u32(&d, out, 5, &err), ST_OK);
    for (uint32_t i = 0; i < 5; i++)
        cr_assert_eq(out[i], i);
    pq_rle_init(&d, buf, sizeof in, 3);
    cr_assert_eq(pq_rle_get_u32(&d, out, 6, &err), ST_ERR_CORRUPT);
    free(buf);
}

Test(pq_rle, malformed_inputs)
{
    pq_rle_decoder d;
    uint32_t out[8];
    uint16_t out16[8];
    st_error err;
    const uint8_t long_varint[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 };
    pq_rle_init(&d, long_varint, sizeof long_varint, 4);
    cr_assert_eq(pq_rle_get_u32(&d, out, 1, &err), ST_ERR_CORRUPT);
    const uint8_t over32[] = { 0x80, 0x80, 0x80, 0x80, 0x10 };  /* 2^32 */
    pq_rle_init(&d, over32, sizeof over32, 4);
    cr_assert_eq(pq_rle_get_u32(&d, out, 1, &err), ST_ERR_CORRUPT);
    const uint8_t run[] = { 0x02, 0x01 };
    pq_rle_init(&d, run, sizeof run, 33);
    cr_assert_eq(pq_rle_get_u32(&d, out, 1, &err), ST_ERR_CORRUPT);
    const uint8_t wide_value[] = { 0x02, 0x09 };  /* 9 does not fit 3 bits */
    pq_rle_init(&d, wide_value, sizeof wide_value, 3);
    cr_assert_eq(pq_rle_get_u32(&d, out, 1, &err), ST_ERR_CORRUPT);
    const uint8_t short_value[] = { 0x02, 0x01 };  /* width 9 needs 2 value bytes */
    pq_rle_init(&d, short_value, sizeof short_value, 9);
    cr_assert_eq(pq_rle_get_u32(&d, out, 1, &err), ST_ERR_CORRUPT);
    /* u16 outputs reject values over 16 bits, in RLE and bit-packed runs. */
    const uint8_t big_rle[] = { 0x02, 0x00, 0x00, 0x01 };  /* 65536 at width 17 */
    pq_rle_init(&d, big_rle, sizeof big_rle, 17);
    cr_assert_eq(pq_rle_get_u16(&d, out16, 1, &err), ST_ERR_CORRUPT);
    uint32_t v[8] = { 1, 2, 70000, 4, 5, 6, 7, 8 };
    st_buf enc;
    st_buf_init(&enc);
    cr_assert_eq(pq_rle_encode_u32(v, 8, 17, &enc, &err), ST_OK);
    pq_rle_init(&d, enc.data, enc.len, 17);
    cr_assert_eq(pq_rle_get_u16(&d, out16, 8, &err), ST_ERR_CORRUPT);
    v[2] = 3;  /* fits 16 bits even at width 17 */
    st_buf_clear(&enc);
    cr_assert_eq(pq_rle_encode_u32(v, 8, 17, &enc, &err), ST_OK);
    pq_rle_init(&d, enc.data, enc.len, 17);
    cr_assert_eq(pq_rle_get_u16(&d, out16, 8, &err), ST_OK);
    cr_assert_eq(out16[2], 3);
    cr_assert_eq(out16[7], 8);
    st_buf_destroy(&enc);
}

Test(pq_rle, bit_width_of)
{
    cr_assert_eq(pq_bit_width(0), 0);
    cr_assert_eq(pq_bit_width(1), 1);
    cr_assert_eq(pq_bit_width(2), 2);
    cr_assert_eq(pq_bit_width(3), 2);
    cr_assert_eq(pq_bit_width(255), 8);
    cr_assert_eq(pq_bit_width(256), 9);
    cr_assert_eq(pq_bit_width(UINT64_MAX), 64);
}

Test(pq_rle, legacy_bitpacked)
{
    /* Encodings.md BIT_PACKED example: 0..7 at width 3 MSB-first. */
    const uint8_t in[] = { 0x05, 0x39, 0x77 };
    uint8_t *buf = dup_exact(in, sizeof in);
    uint16_t out[8];
    st_error err;
    cr_assert_eq(pq_bitpacked_legacy_get_u16(buf, sizeof in, 3, out, 8, &err), ST_OK);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(out[i], i);
    cr_assert_eq(pq_bitpacked_legacy_get_u16(buf, 2, 3, out, 8, &err), ST_ERR_CORRUPT);
    cr_assert_eq(pq_bitpacked_legacy_get_u16(buf, sizeof in, 3, out, 9, &err), ST_ERR_CORRUPT);
    cr_assert_eq(pq_bitpacked_legacy_get_u16(buf, sizeof in, 17, out, 1, &err), ST_ERR_CORRUPT);
    cr_assert_eq(pq_bitpacked_legacy_get_u16(buf, sizeof in, 0, out, 8, &err), ST_OK);
    cr_assert_eq(out[7], 0);
    free(buf);
}

/* ---- DELTA_BINARY_PACKED ---------------------------------------------------------- */

Test(pq_delta, spec_example_1_to_5)
{
    const uint8_t want[] = { 0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00 };
    const int32_t vals[] = { 1, 2, 3, 4, 5 };
    st_buf enc;
    st_buf_init(&enc);
    st_error err;
    cr_assert_eq(pq_delta_encode_i32(vals, 5, &enc, &err), ST_OK);
    cr_assert_eq(enc.len, sizeof want);
    cr_assert_eq(memcmp(enc.data, want, sizeof want), 0);
    uint8_t *buf = dup_exact(want, sizeof want);
    int32_t out[5];
    size_t used = 0;
    cr_assert_eq(pq_delta_decode_i32(buf, sizeof want, out, 5, &used, &err), ST_OK);
    cr_assert_eq(used, sizeof want);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(out[i], i + 1);
    free(buf);
    st_buf_destroy(&enc);
}

Test(pq_delta, spec_example_7_5_3_1_2_3_4_5)
{
    /* deltas -2 -2 -2 1 1 1 1; min -2 (zigzag 3); relative 0 0 0 3 3 3 3 at
    ** width 2 in the first miniblock of 32 values (8 bytes). */
    const uint8_t want[] = { 0x80, 0x01, 0x04, 0x08, 0x0E, 0x03, 0x02, 0x00, 0x00, 0x00,
                             0xC0, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
    const int64_t vals[] = { 7, 5, 3, 1, 2, 3, 4, 5 };
    st_buf enc;
    st_buf_init(&enc);
    st_error err;
    cr_assert_eq(pq_delta_encode_i64(vals, 8, &enc, &err), ST_OK);
    cr_assert_eq(enc.len, sizeof want);
    cr_assert_eq(memcmp(enc.data, want, sizeof want), 0);
    uint8_t *buf = dup_exact(want, sizeof want);
    int64_t out[8];
    size_t used = 0;
    cr_assert_eq(pq_delta_decode_i64(buf, sizeof want, out, 8, &used, &err), ST_OK);
    cr_assert_eq(used, sizeof want);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(out[i], vals[i]);
    free(buf);
    st_buf_destroy(&enc);
}

/* A stream as parquet-mr writes it: 1 + 128 + 70 values in 2 blocks of 4
** miniblocks; the second block uses 3 miniblocks, its 4th width is stale
** garbage and its data is absent; three trailing bytes follow the stream. */
Test(pq_delta, last_block_garbage_width)
{
    uint8_t s[128];
    size_t k = 0;
    s[k++] = 0x80; s[k++] = 0x01;   /* block size 128 */
    s[k++] = 0x04;                  /* 4 miniblocks */
    s[k++] = 0xC7; s[k++] = 0x01;   /* 199 values */
    s[k++] = 0x14;                  /* first value 10 */
    s[k++] = 0x01;                  /* block 1: min delta -1 */
    memset(s + k, 1, 4); k += 4;    /* widths 1 */
    for (int i = 0; i < 16; i++)    /* relative deltas alternate 0,1 -> -1,0 */
        s[k++] = 0xAA;
    s[k++] = 0x04;                  /* block 2: min delta 2 */
    s[k++] = 2; s[k++] = 2; s[k++] = 2; s[k++] = 0xEE;
    for (int i = 0; i < 24; i++)    /* relative deltas 1,1,1,1 -> 3 each */
        s[k++] = 0x55;
    size_t stream_len = k;
    s[k++] = 'X'; s[k++] = 'Y'; s[k++] = 'Z';
    int64_t want[199];
    want[0] = 10;
    for (int i = 1; i <= 128; i++)
        want[i] = want[i - 1] + ((i - 1) % 2 == 0 ? -1 : 0);
    for (int i = 129; i < 199; i++)
        want[i] = want[i - 1] + 3;
    uint8_t *buf = dup_exact(s, k);
    int64_t out[199];
    int32_t out32[199];
    size_t used = 0;
    st_error err;
    cr_assert_eq(pq_delta_decode_i64(buf, k, out, 199, &used, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(used, stream_len);
    for (int i = 0; i < 199; i++)
        cr_assert_eq(out[i], want[i], "value %d", i);
    cr_assert_eq(pq_delta_decode_i32(buf, k, out32, 199, &used, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(used, stream_len);
    cr_assert_eq(out32[198], (int32_t)want[198]);
    /* Fewer values asked: *consumed is still the whole stream. */
    cr_assert_eq(pq_delta_decode_i64(buf, k, out, 3, &used, &err), ST_OK);
    cr_assert_eq(used, stream_len);
    cr_assert_eq(out[2], want[2]);
    /* More values asked than the stream holds. */
    cr_assert_eq(pq_delta_decode_i64(buf, k, out, 199 + 1, &used, &err), ST_ERR_CORRUPT);
    free(buf);
}

static void delta_round_trip64(const int64_t *vals, size_t n)
{
    st_buf enc;
    st_buf_init(&enc);
    st_error err;
    cr_assert_eq(pq_delta_encode_i64(vals, n, &enc, &err), ST_OK);
    uint8_t *buf = dup_exact(enc.data, enc.len);
    int64_t *out = malloc((n ? n : 1) * sizeof *out);
    size_t used = 0;
    cr_assert_eq(pq_delta_decode_i64(buf, enc.len, out, n, &used, &err), ST_OK,
                 "n %zu: %s", n, err.msg);
    cr_assert_eq(used, enc.len);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(out[i], vals[i], "n %zu value %zu", n, i);
    for (size_t cut = 0; cut < enc.len; cut++) {
        uint8_t *t = dup_exact(enc.data, cut);
        cr_assert_eq(pq_delta_decode_i64(t, cut, out, n, &used, &err),
                     n == 0 && cut == 0 ? ST_OK : ST_ERR_CORRUPT, "n %zu cut %zu", n, cut);
        free(t);
    }
    free(out);
    free(buf);
    st_buf_destroy(&enc);
}

static void delta_round_trip32(const int32_t *vals, size_t n)
{
    st_buf enc;
    st_buf_init(&enc);
    st_error err;
    cr_assert_eq(pq_delta_encode_i32(vals, n, &enc, &err), ST_OK);
    uint8_t *buf = dup_exact(enc.data, enc.len);
    int32_t *out = malloc((n ? n : 1) * sizeof *out);
    size_t used = 0;
    cr_assert_eq(pq_delta_decode_i32(buf, enc.len, out, n, &used, &err), ST_OK,
                 "n %zu: %s", n, err.msg);
    cr_assert_eq(used, enc.len);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(out[i], vals[i], "n %zu value %zu", n, i);
    free(out);
    free(buf);
    st_buf_destroy(&enc);
}

Test(pq_delta, round_trips)
{
    static const size_t sizes[] = { 0, 1, 2, 31, 33, 127, 128, 129, 130, 1000, 4097 };
    int64_t *v64 = malloc(4097 * sizeof *v64);
    int32_t *v32 = malloc(4097 * sizeof *v32);
    uint64_t s = 12345;
    for (size_t si = 0; si < ST_ARRAY_LEN(sizes); si++) {
        size_t n = sizes[si];
        for (int mode = 0; mode < 4; mode++) {
            for (size_t i = 0; i < n; i++) {
                uint64_t r = rng_next(&s);
                switch (mode) {
                case 0: v64[i] = (int64_t)r; break;                     /* full range */
                case 1: v64[i] = (int64_t)(i * 3) - (int64_t)(r % 7); break;
                case 2: v64[i] = (i % 2) ? INT64_MAX : INT64_MIN; break; /* wrapping */
                default: v64[i] = 42; break;                            /* width 0 */
                }
                v32[i] = mode == 2 ? ((i % 2) ? INT32_MAX : INT32_MIN) : (int32_t)v64[i];
            }
            delta_round_trip64(v64, n);
            delta_round_trip32(v32, n);
        }
    }
    free(v64);
    free(v32);
}

Test(pq_delta, bad_headers)
{
    int64_t out[4];
    int32_t out32[4];
    size_t used;
    st_error err;
    const uint8_t bad_block[] = { 0x64, 0x04, 0x01, 0x00 };  /* block size 100 */
    cr_assert_eq(pq_delta_decode_i64(bad_block, sizeof bad_block, out, 1, &used, &err),
                 ST_ERR_CORRUPT);
    const uint8_t bad_mini[] = { 0x80, 0x01, 0x03, 0x01, 0x00 };  /* 128 / 3 */
    cr_assert_eq(pq_delta_decode_i64(bad_mini, sizeof bad_mini, out, 1, &used, &err),
                 ST_ERR_CORRUPT);
    const uint8_t zero_mini[] = { 0x80, 0x01, 0x00, 0x01, 0x00 };
    cr_assert_eq(pq_delta_decode_i64(zero_mini, sizeof zero_mini, out, 1, &used, &err),
                 ST_ERR_CORRUPT);
    const uint8_t few[] = { 0x80, 0x01, 0x04, 0x01, 0x00 };  /* holds 1 value */
    cr_assert_eq(pq_delta_decode_i64(few, sizeof few, out, 2, &used, &err), ST_ERR_CORRUPT);
    cr_assert_eq(pq_delta_decode_i64(few, sizeof few, out, 1, &used, &err), ST_OK);
    cr_assert_eq(used, sizeof few);
    cr_assert_eq(out[0], 0);
    /* Width 33 is accepted for int32 too (mod 2^32, as DuckDB writes it); 65 fails. */
    uint8_t w[6 + 1 + 4 + 33 * 4] = { 0x80, 0x01, 0x04, 0x02, 0x00, 0x00, 33, 0, 0, 0 };
    memset(w + 10, 0, sizeof w - 10);
    w[10] = 5;
    cr_assert_eq(pq_delta_decode_i64(w, sizeof w, out, 2, &used, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(out[1], 5);
    cr_assert_eq(pq_delta_decode_i32(w, sizeof w, out32, 2, &used, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(out32[1], 5);
    w[6] = 65;
    cr_assert_eq(pq_delta_decode_i32(w, sizeof w, out32, 2, &used, &err), ST_ERR_CORRUPT);
    cr_assert_eq(pq_delta_decode_i64(w, sizeof w, out, 2, &used, &err), ST_ERR_CORRUPT);
    const uint8_t long_varint[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                    0x80, 0x01 };
    cr_assert_eq(pq_delta_decode_i64(long_varint, sizeof long_varint, out, 1, &used, &err),
                 ST_ERR_CORRUPT);
}

/* ---- byte arrays ---------------------------------------------------------------- */

static void check_strings(const pq_byte_arrays *ba, const char *const *want, size_t n)
{
    cr_assert_eq(ba->n, n);
    cr_assert_eq(ba->offsets[0], 0);
    for (size_t i = 0; i < n; i++) {
        size_t l = (size_t)(ba->offsets[i + 1] - ba->offsets[i]);
        cr_assert_eq(l, strlen(want[i]), "value %zu", i);
        cr_assert_eq(memcmp(ba->data + ba->offsets[i], want[i], l), 0, "value %zu", i);
    }
}

/* Appends DELTA_LENGTH_BYTE_ARRAY of strs to b. */
static void put_delta_length(st_buf *b, const char *const *strs, size_t n)
{
    int32_t lens[16];
    st_error err;
    for (size_t i = 0; i < n; i++)
        lens[i] = (int32_t)strlen(strs[i]);
    cr_assert_eq(pq_delta_encode_i32(lens, n, b, &err), ST_OK);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(st_buf_append(b, strs[i], strlen(strs[i]), &err), ST_OK);
}

Test(pq_delta, length_byte_array)
{
    const char *const strs[] = { "Hello", "World", "Foobar", "ABCDEF", "" };
    st_buf b;
    st_buf_init(&b);
    st_error err;
    put_delta_length(&b, strs, 5);
    size_t stream_len = b.len;
    cr_assert_eq(st_buf_append(&b, "tail", 4, &err), ST_OK);
    uint8_t *buf = dup_exact(b.data, b.len);
    st_arena *a = st_arena_new(0);
    pq_byte_arrays ba;
    size_t used;
    cr_assert_eq(pq_delta_length_decode(buf, b.len, 5, a, &ba, &used, &err), ST_OK, "%s",
                 err.msg);
    cr_assert_eq(used, stream_len);
    cr_assert_eq(ba.data, buf + stream_len - 22);  /* zero-copy into the input */
    check_strings(&ba, strs, 5);
    for (size_t cut = 0; cut < stream_len; cut++) {
        uint8_t *t = dup_exact(b.data, cut);
        cr_assert_eq(pq_delta_length_decode(t, cut, 5, a, &ba, &used, &err), ST_ERR_CORRUPT,
                     "cut %zu", cut);
        free(t);
    }
    /* A negative length is corrupt. */
    const int32_t neg[] = { 3, -1 };
    st_buf_clear(&b);
    cr_assert_eq(pq_delta_encode_i32(neg, 2, &b, &err), ST_OK);
    cr_assert_eq(st_buf_append(&b, "abcdef", 6, &err), ST_OK);
    cr_assert_eq(pq_delta_length_decode(b.data, b.len, 2, a, &ba, &used, &err), ST_ERR_CORRUPT);
    st_arena_free(a);
    free(buf);
    st_buf_destroy(&b);
}

Test(pq_delta, byte_array_front_coding)
{
    /* Encodings.md: axis, axle, babble, babyhood -> prefixes 0 2 0 3. */
    const char *const want[] = { "axis", "axle", "babble", "babyhood" };
    const char *const suffixes[] = { "axis", "le", "babble", "yhood" };
    const int32_t prefixes[] = { 0, 2, 0, 3 };
    st_buf b;
    st_buf_init(&b);
    st_error err;
    cr_assert_eq(pq_delta_encode_i32(prefixes, 4, &b, &err), ST_OK);
    put_delta_length(&b, suffixes, 4);
    size_t stream_len = b.len;
    cr_assert_eq(st_buf_append_byte(&b, 0x7f, &err), ST_OK);
    uint8_t *buf = dup_exact(b.data, b.len);
    st_arena *a = st_arena_new(0);
    pq_byte_arrays ba;
    size_t used;
    cr_assert_eq(pq_delta_byte_array_decode(buf, b.len, 4, a, &ba, &used, &err), ST_OK, "%s",
                 err.msg);
    cr_assert_eq(used, stream_len);
    check_strings(&ba, want, 4);
    for (size_t cut = 0; cut < stream_len; cut++) {
        uint8_t *t = dup_exact(b.data, cut);
        cr_assert_eq(pq_delta_byte_array_decode(t, cut, 4, a, &ba, &used, &err), ST_ERR_CORRUPT,
                     "cut %zu", cut);
        free(t);
    }
    /* A prefix longer than the previous value is corrupt (here: the first). */
    const int32_t bad[] = { 1, 0 };
    const char *const two[] = { "a", "b" };
    st_buf_clear(&b);
    cr_assert_eq(pq_delta_encode_i32(bad, 2, &b, &err), ST_OK);
    put_delta_length(&b, two, 2);
    cr_assert_eq(pq_delta_byte_array_decode(b.data, b.len, 2, a, &ba, &used, &err),
                 ST_ERR_CORRUPT);
    const int32_t bad2[] = { 0, 2 };
    st_buf_clear(&b);
    cr_assert_eq(pq_delta_encode_i32(bad2, 2, &b, &err), ST_OK);
    put_delta_length(&b, two, 2);
    cr_assert_eq(pq_delta_byte_array_decode(b.data, b.len, 2, a, &ba, &used, &err),
                 ST_ERR_CORRUPT);
    /* Zero values. */
    st_buf_clear(&b);
    cr_assert_eq(pq_delta_encode_i32(NULL, 0, &b, &err), ST_OK);
    cr_assert_eq(pq_delta_encode_i32(NULL, 0, &b, &err), ST_OK);
    cr_assert_eq(pq_delta_byte_array_decode(b.data, b.len, 0, a, &ba, &used, &err), ST_OK);
    cr_assert_eq(used, b.len);
    cr_assert_eq(ba.n, 0);
    cr_assert_eq(ba.offsets[0], 0);
    st_arena_free(a);
    free(buf);
    st_buf_destroy(&b);
}

/* ---- PLAIN and BYTE_STREAM_SPLIT ---------------------------------------------------- */

Test(pq_plain, byte_array)
{
    const uint8_t in[] = { 3, 0, 0, 0, 'f', 'o', 'o', 0, 0, 0, 0, 5, 0, 0, 0,
                           'h', 'e', 'l', 'l', 'o', 0xAA };
    const char *const want[] = { "foo", "", "hello" };
    uint8_t *buf = dup_exact(in, sizeof in);
    st_arena *a = st_arena_new(0);
    pq_byte_arrays ba;
    size_t used;
    st_error err;
    cr_assert_eq(pq_plain_decode_byte_array(buf, sizeof in, 3, a, &ba, &used, &err), ST_OK);
    cr_assert_eq(used, sizeof in - 1);
    check_strings(&ba, want, 3);
    for (size_t cut = 0; cut < sizeof in - 1; cut++) {
        uint8_t *t = dup_exact(in, cut);
        cr_assert_eq(pq_plain_decode_byte_array(t, cut, 3, a, &ba, &used, &err), ST_ERR_CORRUPT,
                     "cut %zu", cut);
        free(t);
    }
    const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, 'x' };
    cr_assert_eq(pq_plain_decode_byte_array(huge, sizeof huge, 1, a, &ba, &used, &err),
                 ST_ERR_CORRUPT);
    st_arena_free(a);
    free(buf);
}

Test(pq_plain, booleans)
{
    const uint8_t in[] = { 0xA5, 0x3C, 0x81 };  /* 10100101 00111100 10000001 */
    uint8_t out[24];
    st_error err;
    for (size_t off = 0; off < 24; off++) {
        size_t n = 24 - off;
        cr_assert_eq(pq_plain_decode_bool(in, sizeof in, off, out, n, &err), ST_OK);
        for (size_t i = 0; i < n; i++) {
            size_t bit = off + i;
            cr_assert_eq(out[i], (in[bit / 8] >> (bit % 8)) & 1, "off %zu value %zu", off, i);
        }
        cr_assert_eq(pq_plain_decode_bool(in, sizeof in, off, out, n + 1, &err), ST_ERR_CORRUPT);
    }
    cr_assert_eq(pq_plain_decode_bool(in, sizeof in, SIZE_MAX, out, 2, &err), ST_ERR_CORRUPT);
}

Test(pq_plain, byte_stream_split)
{
    /* width 4: values 0x04030201, 0x08070605, 0x0c0b0a09 */
    const uint8_t s4[] = { 0x01, 0x05, 0x09, 0x02, 0x06, 0x0a, 0x03, 0x07, 0x0b,
                           0x04, 0x08, 0x0c };
    uint8_t out[64];
    st_error err;
    cr_assert_eq(pq_byte_stream_split_decode(s4, sizeof s4, 4, 3, out, 3, &err), ST_OK);
    for (int i = 0; i < 12; i++)
        cr_assert_eq(out[i], i + 1);
    cr_assert_eq(pq_byte_stream_split_decode(s4, sizeof s4, 4, 3, out, 2, &err), ST_OK);
    cr_assert_eq(out[7], 8);
    cr_assert_eq(pq_byte_stream_split_decode(s4, sizeof s4 - 1, 4, 3, out, 3, &err),
                 ST_ERR_CORRUPT);
    cr_assert_eq(pq_byte_stream_split_decode(s4, sizeof s4, 4, 3, out, 4, &err),
                 ST_ERR_CORRUPT);
    cr_assert_eq(pq_byte_stream_split_decode(s4, sizeof s4, 0, 3, out, 1, &err),
                 ST_ERR_CORRUPT);
    /* widths 2, 3 (FLBA), 8 and 16 against a generic split */
    static const int widths[] = { 2, 3, 8, 16 };
    for (size_t wi = 0; wi < ST_ARRAY_LEN(widths); wi++) {
        int w = widths[wi];
        size_t nt = 5;
        uint8_t vals[80], split[80];
        for (size_t i = 0; i < nt * (size_t)w; i++)
            vals[i] = (uint8_t)(i * 7 + 1);
        for (size_t i = 0; i < nt; i++)
            for (int k = 0; k < w; k++)
                split[(size_t)k * nt + i] = vals[i * (size_t)w + (size_t)k];
        memset(out, 0, sizeof out);
        cr_assert_eq(pq_byte_stream_split_decode(split, nt * (size_t)w, w, nt, out, 4, &err),
                     ST_OK);
        cr_assert_eq(memcmp(out, vals, 4 * (size_t)w), 0, "width %d", w);
    }
}
