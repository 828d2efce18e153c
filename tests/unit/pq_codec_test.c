/* pq_codec_test.c -- unit tests for Parquet page compression (pq_codec.h):
** round trips through every codec strata writes on empty, tiny and 1 MiB
** (random and repetitive) pages; corrupted, truncated and wrongly sized
** inputs fail with ST_ERR_CORRUPT; concatenated gzip members; the deprecated
** LZ4 codec in Hadoop framing (built by hand) and as a bare block; LZO and
** unknown codec ids; and the CRC-32 check value. */
#include <criterion/criterion.h>

#include "format/parquet/pq_codec.h"
#include "format/parquet/pq_meta.h"

#include <lz4.h>
#include <stdlib.h>
#include <zlib.h>

static const int write_codecs[] = { PQ_CODEC_UNCOMPRESSED, PQ_CODEC_SNAPPY, PQ_CODEC_GZIP,
                                    PQ_CODEC_BROTLI, PQ_CODEC_ZSTD, PQ_CODEC_LZ4_RAW };

static void fill(uint8_t *p, size_t n, bool random)
{
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < n; i++) {
        if (random) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            p[i] = (uint8_t)s;
        } else {
            p[i] = (uint8_t)("parquet page "[i % 13] + (i / 4096) % 3);
        }
    }
}

static void round_trip(int codec, int level, const uint8_t *src, size_t n)
{
    st_buf c;
    st_buf_init(&c);
    st_error err;
    cr_assert_eq(pq_compress(codec, level, src, n, &c, &err), ST_OK, "codec %d: %s", codec,
                 err.msg);
    uint8_t *dst = malloc(n ? n : 1);
    cr_assert_eq(pq_decompress(codec, c.data, c.len, dst, n, &err), ST_OK,
                 "codec %d n %zu: %s", codec, n, err.msg);
    if (n)
        cr_assert_eq(memcmp(dst, src, n), 0, "codec %d n %zu", codec, n);
    /* A wrong expected size is corrupt, both smaller and larger. */
    if (n > 0) {
        cr_assert_eq(pq_decompress(codec, c.data, c.len, dst, n - 1, &err), ST_ERR_CORRUPT,
                     "codec %d n %zu short", codec, n);
    }
    uint8_t *big = malloc(n + 1);
    cr_assert_eq(pq_decompress(codec, c.data, c.len, big, n + 1, &err), ST_ERR_CORRUPT,
                 "codec %d n %zu long", codec, n);
    free(big);
    free(dst);
    st_buf_destroy(&c);
}

Test(pq_codec, round_trips)
{
    enum { MIB = 1 << 20 };
    uint8_t *rnd = malloc(MIB), *rep = malloc(MIB);
    fill(rnd, MIB, true);
    fill(rep, MIB, false);
    for (size_t i = 0; i < ST_ARRAY_LEN(write_codecs); i++) {
        int codec = write_codecs[i];
        round_trip(codec, 0, rnd, 0);
        round_trip(codec, 0, rnd, 1);
        round_trip(codec, 0, rep, 1000);
        round_trip(codec, 0, rnd, MIB);
        round_trip(codec, 0, rep, MIB);
    }
    /* Explicit levels. */
    round_trip(PQ_CODEC_ZSTD, 9, rep, 100000);
    round_trip(PQ_CODEC_GZIP, 9, rep, 100000);
    round_trip(PQ_CODEC_BROTLI, 5, rep, 100000);
    free(rnd);
    free(rep);
}

Test(pq_codec, repetitive_data_shrinks)
{
    enum { N = 1 << 20 };
    uint8_t *rep = malloc(N);
    fill(rep, N, false);
    for (size_t i = 1; i < ST_ARRAY_LEN(write_codecs); i++) {
        st_buf c;
        st_buf_init(&c);
        st_error err;
        cr_assert_eq(pq_compress(write_codecs[i], 0, rep, N, &c, &err), ST_OK);
        cr_assert_lt(c.len, N / 10, "codec %d wrote %zu bytes", write_codecs[i], c.len);
        st_buf_destroy(&c);
    }
    free(rep);
}

Test(pq_codec, corrupt_and_truncated)
{
    enum { N = 50000 };
    uint8_t *src = malloc(N), *dst = malloc(N);
    fill(src, N, false);
    for (size_t i = 1; i < ST_ARRAY_LEN(write_codecs); i++) {
        int codec = write_codecs[i];
        st_buf c;
        st_buf_init(&c);
        st_error err;
        cr_assert_eq(pq_compress(codec, 0, src, N, &c, &err), ST_OK);
        /* Truncations must fail (in an exactly-sized copy for ASan). */
        for (size_t cut = 0; cut < c.len; cut += 1 + cut / 8) {
            uint8_t *t = malloc(cut ? cut : 1);
            memcpy(t, c.data, cut);
            cr_assert_eq(pq_decompress(codec, t, cut, dst, N, &err), ST_ERR_CORRUPT,
                         "codec %d cut %zu of %zu", codec, cut, c.len);
            free(t);
        }
        /* Flipped bytes: an error or, rarely, other bytes of the right size;
        ** never a crash. gzip checks a CRC of the data, so whatever it accepts
        ** (a flip in the header's mtime, say) must be the original bytes. */
        for (size_t pos = 0; pos < c.len; pos += 1 + c.len / 64) {
            c.data[pos] ^= 0x5a;
            st_status rc = pq_decompress(codec, c.data, c.len, dst, N, &err);
            cr_assert(rc == ST_OK || rc == ST_ERR_CORRUPT, "codec %d flip at %zu", codec, pos);
            if (codec == PQ_CODEC_GZIP && rc == ST_OK)
                cr_assert_eq(memcmp(dst, src, N), 0, "gzip flip at %zu", pos);
            c.data[pos] ^= 0x5a;
        }
        st_buf_destroy(&c);
    }
    st_error err;
    const uint8_t junk[] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x11, 0x22 };
    for (size_t i = 1; i < ST_ARRAY_LEN(write_codecs); i++)
        cr_assert_eq(pq_decompress(write_codecs[i], junk, sizeof junk, dst, 100, &err),
                     ST_ERR_CORRUPT, "codec %d", write_codecs[i]);
    cr_assert_eq(pq_decompress(PQ_CODEC_UNCOMPRESSED, junk, sizeof junk, dst, 6, &err),
                 ST_ERR_CORRUPT);
    free(src);
    free(dst);
}

Test(pq_codec, error_names_codec_and_sizes)
{
    const uint8_t src[] = "abcdefgh";
    st_buf c;
    st_buf_init(&c);
    st_error err;
    cr_assert_eq(pq_compress(PQ_CODEC_SNAPPY, 0, src, 8, &c, &err), ST_OK);
    uint8_t dst[16];
    cr_assert_eq(pq_decompress(PQ_CODEC_SNAPPY, c.data, c.len, dst, 9, &err), ST_ERR_CORRUPT);
    cr_assert(strstr(err.msg, "snappy") && strstr(err.msg, "8") && strstr(err.msg, "9"), "%s",
              err.msg);
    st_buf_destroy(&c);
}

Test(pq_codec, gzip_concatenated_members_and_zlib_header)
{
    const uint8_t a[] = "first member, ", b[] = "second member";
    st_buf c;
    st_buf_init(&c);
    st_error err;
    cr_assert_eq(pq_compress(PQ_CODEC_GZIP, 0, a, sizeof a - 1, &c, &err), ST_OK);
    cr_assert_eq(c.data[0], 0x1f);  /* gzip magic */
    cr_assert_eq(c.data[1], 0x8b);
    cr_assert_eq(pq_compress(PQ_CODEC_GZIP, 0, b, sizeof b - 1, &c, &err), ST_OK);
    uint8_t dst[64];
    size_t n = sizeof a - 1 + sizeof b - 1;
    cr_assert_eq(pq_decompress(PQ_CODEC_GZIP, c.data, c.len, dst, n, &err), ST_OK, "%s",
                 err.msg);
    cr_assert_eq(memcmp(dst, "first member, second member", n), 0);
    cr_assert_eq(pq_decompress(PQ_CODEC_GZIP, c.data, c.len, dst, n + 1, &err), ST_ERR_CORRUPT);
    cr_assert_eq(pq_decompress(PQ_CODEC_GZIP, c.data, c.len, dst, n - 1, &err), ST_ERR_CORRUPT);
    /* A zlib-wrapped stream (what some writers emit) also inflates. */
    uint8_t z[128];
    uLongf zlen = sizeof z;
    cr_assert_eq(compress2(z, &zlen, a, sizeof a - 1, 6), Z_OK);
    cr_assert_eq(pq_decompress(PQ_CODEC_GZIP, z, zlen, dst, sizeof a - 1, &err), ST_OK);
    cr_assert_eq(memcmp(dst, a, sizeof a - 1), 0);
    st_buf_destroy(&c);
}

/* Appends one Hadoop LZ4 frame: BE uncompressed length, BE compressed length,
** lz4 block. */
static void hadoop_frame(st_buf *b, const uint8_t *src, size_t n)
{
    char blk[1024];
    int clen = LZ4_compress_default((const char *)src, blk, (int)n, sizeof blk);
    cr_assert_gt(clen, 0);
    uint8_t hdr[8];
    st_store_be32(hdr, (uint32_t)n);
    st_store_be32(hdr + 4, (uint32_t)clen);
    st_error err;
    cr_assert_eq(st_buf_append(b, hdr, 8, &err), ST_OK);
    cr_assert_eq(st_buf_append(b, blk, (size_t)clen, &err), ST_OK);
}

Test(pq_codec, lz4_hadoop_and_bare_block)
{
    uint8_t src[600];
    fill(src, sizeof src, false);
    st_buf b;
    st_buf_init(&b);
    st_error err;
    hadoop_frame(&b, src, 250);
    hadoop_frame(&b, src + 250, 350);
    uint8_t dst[600];
    cr_assert_eq(pq_decompress(PQ_CODEC_LZ4, b.data, b.len, dst, sizeof dst, &err), ST_OK, "%s",
                 err.msg);
    cr_assert_eq(memcmp(dst, src, sizeof src), 0);
    /* Hadoop frames are not LZ4_RAW. */
    cr_assert_eq(pq_decompress(PQ_CODEC_LZ4_RAW, b.data, b.len, dst, sizeof dst, &err),
                 ST_ERR_CORRUPT);
    /* Inconsistent frame lengths and no valid bare block: corrupt. */
    b.data[3] ^= 1;
    cr_assert_eq(pq_decompress(PQ_CODEC_LZ4, b.data, b.len, dst, sizeof dst, &err),
                 ST_ERR_CORRUPT);
    /* A bare lz4 block under the old codec id (older parquet-cpp). */
    st_buf_clear(&b);
    cr_assert_eq(pq_compress(PQ_CODEC_LZ4_RAW, 0, src, sizeof src, &b, &err), ST_OK);
    memset(dst, 0, sizeof dst);
    cr_assert_eq(pq_decompress(PQ_CODEC_LZ4, b.data, b.len, dst, sizeof dst, &err), ST_OK, "%s",
                 err.msg);
    cr_assert_eq(memcmp(dst, src, sizeof src), 0);
    /* Writing the deprecated codec is refused. */
    cr_assert_eq(pq_compress(PQ_CODEC_LZ4, 0, src, 10, &b, &err), ST_ERR_UNSUPPORTED);
    st_buf_destroy(&b);
}

Test(pq_codec, unsupported_codecs)
{
    uint8_t dst[4];
    st_buf b;
    st_buf_init(&b);
    st_error err;
    cr_assert_not(pq_codec_supported(PQ_CODEC_LZO));
    cr_assert_not(pq_codec_supported(42));
    cr_assert(pq_codec_supported(PQ_CODEC_LZ4));
    cr_assert(pq_codec_supported(PQ_CODEC_ZSTD));
    cr_assert_eq(pq_decompress(PQ_CODEC_LZO, (const uint8_t *)"abcd", 4, dst, 4, &err),
                 ST_ERR_UNSUPPORTED);
    cr_assert_str_eq(err.msg, "LZO-compressed Parquet is not supported");
    cr_assert_eq(pq_decompress(42, (const uint8_t *)"abcd", 4, dst, 4, &err),
                 ST_ERR_UNSUPPORTED);
    cr_assert(strstr(err.msg, "42") != NULL, "%s", err.msg);
    cr_assert_eq(pq_compress(PQ_CODEC_LZO, 0, dst, 4, &b, &err), ST_ERR_UNSUPPORTED);
    cr_assert_eq(pq_compress(-1, 0, dst, 4, &b, &err), ST_ERR_UNSUPPORTED);
    cr_assert_eq(pq_compress(PQ_CODEC_ZSTD, 1000, dst, 4, &b, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(pq_compress(PQ_CODEC_GZIP, 10, dst, 4, &b, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(b.len, 0);
    st_buf_destroy(&b);
}

Test(pq_codec, crc32_check_value)
{
    cr_assert_eq(pq_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
    cr_assert_eq(pq_crc32(NULL, 0), 0u);
}
