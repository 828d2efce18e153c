/* pq_decode_fuzz.c -- libFuzzer target for the Parquet page decoders
** (pq_encoding.h) and page codecs (pq_codec.h). Every input must decode or
** fail with a status; never crash, over-read, hang or leak.
**
** Input layout: [kind:u8][param:u8][n:u16 LE][payload...]
**   kind   which decoder (or round trip) runs, modulo KIND_COUNT
**   param  bit width, value width, bit offset or codec id
**   n      value count, bounded to MAX_VALUES (dst size for codecs: n * 16)
** The round-trip kinds read the payload as values, encode them, decode the
** result and trap on any difference. Seeds: tests/fuzz/corpus/pq_decode_fuzz. */
#include "format/parquet/pq_codec.h"
#include "format/parquet/pq_encoding.h"

#include <stdlib.h>

#define MAX_VALUES 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    K_RLE_U32, K_RLE_U16, K_LEGACY, K_DELTA_I32, K_DELTA_I64, K_DELTA_LEN, K_DELTA_BA,
    K_PLAIN_BA, K_PLAIN_BOOL, K_BSS, K_DECOMPRESS, K_RT_RLE, K_RT_DELTA, K_RT_CODEC,
    KIND_COUNT
};

static void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

/* Invariants of a decoded byte-array run over n values. */
static void check_arrays(const pq_byte_arrays *ba, size_t n)
{
    check(ba->n == n && ba->offsets[0] == 0);
    for (size_t i = 0; i < n; i++)
        check(ba->offsets[i + 1] >= ba->offsets[i]);
    /* Touch every byte so ASan checks the span. */
    volatile uint8_t sink = 0;
    for (int32_t i = 0; i < ba->offsets[n]; i++)
        sink ^= ba->data[i];
    (void)sink;
}

static void fuzz_rle(const uint8_t *p, size_t len, int bw, size_t n, bool u16)
{
    uint32_t *o32 = malloc(n * sizeof *o32 + 1);
    uint16_t *o16 = malloc(n * sizeof *o16 + 1);
    pq_rle_decoder d;
    st_error err;
    pq_rle_init(&d, p, len, bw);
    size_t first = n / 3;  /* two calls: runs must resume mid-way */
    st_status rc = u16 ? pq_rle_get_u16(&d, o16, first, &err) : pq_rle_get_u32(&d, o32, first, &err);
    if (rc == ST_OK)
        rc = u16 ? pq_rle_get_u16(&d, o16 + first, n - first, &err)
                 : pq_rle_get_u32(&d, o32 + first, n - first, &err);
    if (rc == ST_OK && bw < 32 && !u16)
        for (size_t i = 0; i < n; i++)
            check((o32[i] >> bw) == 0);
    free(o32);
    free(o16);
}

static void fuzz_delta(const uint8_t *p, size_t len, size_t n, bool i64)
{
    void *o = malloc(n * 8 + 1);
    size_t used = 0;
    st_error err;
    st_status rc = i64 ? pq_delta_decode_i64(p, len, o, n, &used, &err)
                       : pq_delta_decode_i32(p, len, o, n, &used, &err);
    if (rc == ST_OK)
        check(used <= len);
    free(o);
}

static void fuzz_byte_arrays(int kind, const uint8_t *p, size_t len, size_t n)
{
    st_arena *a = st_arena_new(0);
    pq_byte_arrays ba;
    size_t used = 0;
    st_error err;
    st_status rc;
    if (kind == K_DELTA_LEN)
        rc = pq_delta_length_decode(p, len, n, a, &ba, &used, &err);
    else if (kind == K_DELTA_BA)
        rc = pq_delta_byte_array_decode(p, len, n, a, &ba, &used, &err);
    else
        rc = pq_plain_decode_byte_array(p, len, n, a, &ba, &used, &err);
    if (rc == ST_OK) {
        check(used <= len);
        check_arrays(&ba, n);
    }
    st_arena_free(a);
}

static void fuzz_misc(int kind, const uint8_t *p, size_t len, int param, size_t n)
{
    st_error err;
    if (kind == K_LEGACY) {
        uint16_t *o = malloc(n * sizeof *o + 1);
        (void)pq_bitpacked_legacy_get_u16(p, len, param % 18, o, n, &err);
        free(o);
    } else if (kind == K_PLAIN_BOOL) {
        uint8_t *o = malloc(n + 1);
        if (pq_plain_decode_bool(p, len, (size_t)param % 24, o, n, &err) == ST_OK)
            for (size_t i = 0; i < n; i++)
                check(o[i] <= 1);
        free(o);
    } else if (kind == K_BSS) {
        int w = param % 19;  /* 0 is invalid on purpose */
        size_t dec = n / 2 + (size_t)(param & 1);
        uint8_t *o = malloc(dec * (size_t)(w ? w : 1) + 1);
        (void)pq_byte_stream_split_decode(p, len, w, n, o, dec, &err);
        free(o);
    } else {  /* K_DECOMPRESS */
        size_t dst_len = n * 16;
        uint8_t *o = malloc(dst_len + 1);
        (void)pq_decompress(param % 9, p, len, o, dst_len, &err);
        free(o);
    }
}

/* Payload as values (masked to the bit width): encode, decode, compare. */
static void rt_rle(const uint8_t *p, size_t len, int bw)
{
    size_t n = ST_MIN(len / 4, (size_t)MAX_VALUES);
    uint32_t *v = malloc(n * sizeof *v + 1), *o = malloc(n * sizeof *o + 1);
    uint32_t mask = bw >= 32 ? 0xffffffffu : (uint32_t)((1ull << bw) - 1);
    for (size_t i = 0; i < n; i++)
        v[i] = st_load_le32(p + 4 * i) & mask;
    st_buf b;
    st_buf_init(&b);
    st_error err;
    check(pq_rle_encode_u32(v, n, bw, &b, &err) == ST_OK);
    pq_rle_decoder d;
    pq_rle_init(&d, b.data, b.len, bw);
    check(pq_rle_get_u32(&d, o, n, &err) == ST_OK);
    check(n == 0 || memcmp(v, o, n * sizeof *v) == 0);
    st_buf_destroy(&b);
    free(v);
    free(o);
}

static void rt_delta(const uint8_t *p, size_t len)
{
    size_t n = ST_MIN(len / 8, (size_t)MAX_VALUES);
    int64_t *v = malloc(n * sizeof *v + 1), *o = malloc(n * sizeof *o + 1);
    for (size_t i = 0; i < n; i++)
        v[i] = (int64_t)st_load_le64(p + 8 * i);
    st_buf b;
    st_buf_init(&b);
    st_error err;
    size_t used = 0;
    check(pq_delta_encode_i64(v, n, &b, &err) == ST_OK);
    check(pq_delta_decode_i64(b.data, b.len, o, n, &used, &err) == ST_OK);
    check(used == b.len && (n == 0 || memcmp(v, o, n * sizeof *v) == 0));
    st_buf_destroy(&b);
    free(v);
    free(o);
}

static void rt_codec(const uint8_t *p, size_t len, int param)
{
    static const int codecs[] = { 0, 1, 2, 4, 6, 7 };
    int codec = codecs[param % 6];
    st_buf b;
    st_buf_init(&b);
    st_error err;
    check(pq_compress(codec, 0, p, len, &b, &err) == ST_OK);
    uint8_t *o = malloc(len + 1);
    check(pq_decompress(codec, b.data, b.len, o, len, &err) == ST_OK);
    check(len == 0 || memcmp(o, p, len) == 0);
    free(o);
    st_buf_destroy(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    int kind = data[0] % KIND_COUNT;
    int param = data[1];
    size_t n = (size_t)(data[2] | data[3] << 8) % (MAX_VALUES + 1);
    const uint8_t *p = data + 4;
    size_t len = size - 4;
    switch (kind) {
    case K_RLE_U32: fuzz_rle(p, len, param % 34, n, false); break;
    case K_RLE_U16: fuzz_rle(p, len, param % 34, n, true); break;
    case K_DELTA_I32: fuzz_delta(p, len, n, false); break;
    case K_DELTA_I64: fuzz_delta(p, len, n, true); break;
    case K_DELTA_LEN:
    case K_DELTA_BA:
    case K_PLAIN_BA: fuzz_byte_arrays(kind, p, len, n); break;
    case K_RT_RLE: rt_rle(p, len, param % 33); break;
    case K_RT_DELTA: rt_delta(p, len); break;
    case K_RT_CODEC: rt_codec(p, len, param); break;
    default: fuzz_misc(kind, p, len, param, n); break;
    }
    return 0;
}
