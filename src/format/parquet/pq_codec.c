/* pq_codec.c -- Parquet page compression through the Debian libraries:
** snappy (snappy-c), GZIP (zlib), ZSTD (libzstd), BROTLI (libbrotli), LZ4_RAW
** (liblz4 block format) and the deprecated LZ4 codec, plus the page CRC-32.
**
** Invariants: pq_decompress fills exactly dst_len bytes or fails; a decoder
** error or any other output size is ST_ERR_CORRUPT naming the codec and both
** sizes. No library is handed a length it could overrun: every size is
** checked against the library's integer type first.
**
** Format notes:
**   GZIP     inflate accepts gzip and zlib headers (windowBits 15 + 32) and
**            continues over concatenated gzip members until dst_len bytes are
**            produced (parquet-testing concatenated_gzip_members.parquet);
**            the writer emits one gzip member (windowBits 31).
**   LZ4      the deprecated codec is Hadoop's framing, repeated
**            [uncompressed len:u32 BE][compressed len:u32 BE][lz4 block],
**            accepted only when the frames are consistent and fill dst_len
**            exactly; otherwise src is one bare lz4 block, as older
**            parquet-cpp wrote. strata never writes it.
**   LZO      no well-kept library: ST_ERR_UNSUPPORTED.
** Levels: 0 picks a fast default per codec (zstd 1, brotli quality 1, zlib's
** own default 6) since pages are written once per query and speed matters
** more than the last few percent of size. */
#include "pq_codec.h"
#include "pq_meta.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <limits.h>
#include <lz4.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

static const char *codec_name(int codec)
{
    switch (codec) {
    case PQ_CODEC_UNCOMPRESSED: return "uncompressed";
    case PQ_CODEC_SNAPPY: return "snappy";
    case PQ_CODEC_GZIP: return "gzip";
    case PQ_CODEC_LZO: return "lzo";
    case PQ_CODEC_BROTLI: return "brotli";
    case PQ_CODEC_LZ4: return "lz4";
    case PQ_CODEC_ZSTD: return "zstd";
    case PQ_CODEC_LZ4_RAW: return "lz4_raw";
    default: return "unknown";
    }
}

bool pq_codec_supported(int codec)
{
    switch (codec) {
    case PQ_CODEC_UNCOMPRESSED:
    case PQ_CODEC_SNAPPY:
    case PQ_CODEC_GZIP:
    case PQ_CODEC_BROTLI:
    case PQ_CODEC_LZ4:
    case PQ_CODEC_ZSTD:
    case PQ_CODEC_LZ4_RAW:
        return true;
    default:
        return false;
    }
}

uint32_t pq_crc32(const uint8_t *p, size_t n)
{
    return (uint32_t)crc32_z(0L, p, n);
}

static st_status unsupported(int codec, st_error *err)
{
    if (codec == PQ_CODEC_LZO) {
        st_status rc = st_error_set(err, ST_ERR_UNSUPPORTED,
                                    "LZO-compressed Parquet is not supported");
        st_error_hint(err, "Rewrite the file with SNAPPY, ZSTD or GZIP compression.");
        return rc;
    }
    return st_error_set(err, ST_ERR_UNSUPPORTED, "unknown Parquet compression codec id %d",
                        codec);
}

static st_status size_mismatch(int codec, size_t got, size_t want, st_error *err)
{
    return st_error_set(err, ST_ERR_CORRUPT,
                        "%s page decompresses to %zu bytes but its header says %zu",
                        codec_name(codec), got, want);
}

/* ---- zlib allocation through the st_alloc hooks ---------------------------- */

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return st_calloc(items, size);
}

static void z_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    st_free(p);
}

/* ---- GZIP -------------------------------------------------------------------- */

/* Inflates members back to back until dst is full, then checks that the
** stream holds no further output (probing with a one-byte buffer). */
static st_status gzip_decompress(const uint8_t *src, size_t src_len, uint8_t *dst,
                                 size_t dst_len, st_error *err)
{
    if (src_len > UINT_MAX || dst_len > UINT_MAX)
        return st_error_set(err, ST_ERR_LIMIT, "gzip page of %zu bytes is too large", dst_len);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    zs.zalloc = z_alloc;
    zs.zfree = z_free;
    if (inflateInit2(&zs, 15 + 32) != Z_OK)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory starting gzip decompression");
    uint8_t extra;
    bool probing = dst_len == 0;
    zs.next_in = (Bytef *)(uintptr_t)src;
    zs.avail_in = (uInt)src_len;
    zs.next_out = probing ? &extra : dst;
    zs.avail_out = probing ? 1 : (uInt)dst_len;
    st_status rc = ST_OK;
    for (;;) {
        int r = inflate(&zs, Z_NO_FLUSH);
        size_t produced = probing ? dst_len : dst_len - zs.avail_out;
        if (probing && zs.avail_out == 0) {
            rc = st_error_set(err, ST_ERR_CORRUPT,
                              "gzip page decompresses to more than the %zu bytes its header "
                              "says", dst_len);
            break;
        }
        if (r == Z_STREAM_END) {
            if (probing || zs.avail_out == 0)
                break;
            if (zs.avail_in == 0) {
                rc = size_mismatch(PQ_CODEC_GZIP, produced, dst_len, err);
                break;
            }
            inflateReset(&zs);  /* another gzip member follows */
            continue;
        }
        if (r == Z_OK) {
            if (!probing && zs.avail_out == 0) {
                probing = true;
                zs.next_out = &extra;
                zs.avail_out = 1;
            }
            continue;
        }
        if (r == Z_MEM_ERROR)
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory decompressing a gzip page");
        else if (r == Z_BUF_ERROR)
            rc = st_error_set(err, ST_ERR_CORRUPT,
                              "gzip page data is truncated after %zu of %zu bytes", produced,
                              dst_len);
        else
            rc = st_error_set(err, ST_ERR_CORRUPT, "gzip page data is corrupt: %s",
                              zs.msg ? zs.msg : "bad deflate stream");
        break;
    }
    inflateEnd(&zs);
    return rc;
}

static st_status gzip_compress(int level, const uint8_t *src, size_t src_len, st_buf *out,
                               st_error *err)
{
    if (level == 0)
        level = Z_DEFAULT_COMPRESSION;
    else if (level < 1 || level > 9)
        return st_error_set(err, ST_ERR_ARGUMENT, "gzip compression level %d is outside 1..9",
                            level);
    if (src_len > UINT_MAX / 2)
        return st_error_set(err, ST_ERR_LIMIT, "page of %zu bytes is too large for gzip",
                            src_len);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    zs.zalloc = z_alloc;
    zs.zfree = z_free;
    if (deflateInit2(&zs, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory starting gzip compression");
    uLong bound = deflateBound(&zs, (uLong)src_len);
    st_status rc = st_buf_reserve(out, bound, err);
    if (rc == ST_OK) {
        zs.next_in = (Bytef *)(uintptr_t)src;
        zs.avail_in = (uInt)src_len;
        zs.next_out = out->data + out->len;
        zs.avail_out = (uInt)bound;
        int r = deflate(&zs, Z_FINISH);
        if (r == Z_STREAM_END)
            out->len += bound - zs.avail_out;
        else
            rc = st_error_set(err, ST_ERR_INTERNAL, "gzip compression failed (zlib code %d)", r);
    }
    deflateEnd(&zs);
    return rc;
}

/* ---- LZ4 ----------------------------------------------------------------------- */

static st_status lz4_raw_decompress(int codec, const uint8_t *src, size_t src_len, uint8_t *dst,
                                    size_t dst_len, st_error *err)
{
    if (src_len > INT_MAX || dst_len > INT_MAX)
        return st_error_set(err, ST_ERR_LIMIT, "%s page of %zu bytes is too large",
                            codec_name(codec), dst_len);
    int r = LZ4_decompress_safe((const char *)src, (char *)dst, (int)src_len, (int)dst_len);
    if (r < 0)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "%s page data is corrupt or decompresses to more than %zu bytes",
                            codec_name(codec), dst_len);
    if ((size_t)r != dst_len)
        return size_mismatch(codec, (size_t)r, dst_len, err);
    return ST_OK;
}

/* Hadoop framing; true only if the frames are consistent and fill dst. */
static bool lz4_hadoop_decompress(const uint8_t *src, size_t src_len, uint8_t *dst,
                                  size_t dst_len)
{
    size_t done = 0;
    while (src_len >= 8) {
        uint32_t ulen = st_load_be32(src), clen = st_load_be32(src + 4);
        src += 8;
        src_len -= 8;
        if (clen > src_len || ulen > dst_len - done || clen > INT_MAX || ulen > INT_MAX)
            return false;
        int r = LZ4_decompress_safe((const char *)src, (char *)dst + done, (int)clen,
                                    (int)ulen);
        if (r < 0 || (uint32_t)r != ulen)
            return false;
        src += clen;
        src_len -= clen;
        done += ulen;
    }
    return src_len == 0 && done == dst_len;
}

/* ---- other codecs ---------------------------------------------------------------- */

static st_status snappy_decompress(const uint8_t *src, size_t src_len, uint8_t *dst,
                                   size_t dst_len, st_error *err)
{
    size_t ulen;
    if (snappy_uncompressed_length((const char *)src, src_len, &ulen) != SNAPPY_OK)
        return st_error_set(err, ST_ERR_CORRUPT, "snappy page data has a corrupt length header");
    if (ulen != dst_len)
        return size_mismatch(PQ_CODEC_SNAPPY, ulen, dst_len, err);
    size_t got = dst_len;
    if (snappy_uncompress((const char *)src, src_len, (char *)dst, &got) != SNAPPY_OK)
        return st_error_set(err, ST_ERR_CORRUPT, "snappy page data is corrupt");
    if (got != dst_len)
        return size_mismatch(PQ_CODEC_SNAPPY, got, dst_len, err);
    return ST_OK;
}

static st_status zstd_decompress(const uint8_t *src, size_t src_len, uint8_t *dst,
                                 size_t dst_len, st_error *err)
{
    size_t r = ZSTD_decompress(dst, dst_len, src, src_len);
    if (ZSTD_isError(r))
        return st_error_set(err, ST_ERR_CORRUPT, "zstd page data is corrupt: %s",
                            ZSTD_getErrorName(r));
    if (r != dst_len)
        return size_mismatch(PQ_CODEC_ZSTD, r, dst_len, err);
    return ST_OK;
}

static st_status brotli_decompress(const uint8_t *src, size_t src_len, uint8_t *dst,
                                   size_t dst_len, st_error *err)
{
    size_t got = dst_len;
    BrotliDecoderResult r = BrotliDecoderDecompress(src_len, src, &got, dst);
    if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "brotli page decompresses to more than the %zu bytes its header "
                            "says", dst_len);
    if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT)
        return st_error_set(err, ST_ERR_CORRUPT, "brotli page data is truncated");
    if (r != BROTLI_DECODER_RESULT_SUCCESS)
        return st_error_set(err, ST_ERR_CORRUPT, "brotli page data is corrupt");
    if (got != dst_len)
        return size_mismatch(PQ_CODEC_BROTLI, got, dst_len, err);
    return ST_OK;
}

st_status pq_decompress(int codec, const uint8_t *src, size_t src_len, uint8_t *dst,
                        size_t dst_len, st_error *err)
{
    if (!pq_codec_supported(codec))
        return unsupported(codec, err);
    /* Libraries want real pointers even for empty buffers. */
    uint8_t dummy[1];
    if (!dst)
        dst = dummy;
    if (!src)
        src = dummy;
    if (src_len == 0 && dst_len == 0)
        return ST_OK;
    switch (codec) {
    case PQ_CODEC_UNCOMPRESSED:
        if (src_len != dst_len)
            return size_mismatch(codec, src_len, dst_len, err);
        memcpy(dst, src, dst_len);
        return ST_OK;
    case PQ_CODEC_SNAPPY:
        return snappy_decompress(src, src_len, dst, dst_len, err);
    case PQ_CODEC_GZIP:
        return gzip_decompress(src, src_len, dst, dst_len, err);
    case PQ_CODEC_BROTLI:
        return brotli_decompress(src, src_len, dst, dst_len, err);
    case PQ_CODEC_ZSTD:
        return zstd_decompress(src, src_len, dst, dst_len, err);
    case PQ_CODEC_LZ4:
        if (lz4_hadoop_decompress(src, src_len, dst, dst_len))
            return ST_OK;
        return lz4_raw_decompress(codec, src, src_len, dst, dst_len, err);
    case PQ_CODEC_LZ4_RAW:
        return lz4_raw_decompress(codec, src, src_len, dst, dst_len, err);
    default:
        return unsupported(codec, err);
    }
}

/* ---- compression ------------------------------------------------------------------ */

static st_status snappy_compress_buf(const uint8_t *src, size_t src_len, st_buf *out,
                                     st_error *err)
{
    size_t bound = snappy_max_compressed_length(src_len);
    st_status rc = st_buf_reserve(out, bound, err);
    if (rc != ST_OK)
        return rc;
    size_t got = bound;
    if (snappy_compress((const char *)src, src_len, (char *)out->data + out->len, &got) !=
        SNAPPY_OK)
        return st_error_set(err, ST_ERR_INTERNAL, "snappy compression failed");
    out->len += got;
    return ST_OK;
}

static st_status zstd_compress_buf(int level, const uint8_t *src, size_t src_len, st_buf *out,
                                   st_error *err)
{
    if (level == 0)
        level = 1;
    else if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
        return st_error_set(err, ST_ERR_ARGUMENT, "zstd compression level %d is outside %d..%d",
                            level, ZSTD_minCLevel(), ZSTD_maxCLevel());
    size_t bound = ZSTD_compressBound(src_len);
    if (ZSTD_isError(bound))
        return st_error_set(err, ST_ERR_LIMIT, "page of %zu bytes is too large for zstd",
                            src_len);
    st_status rc = st_buf_reserve(out, bound, err);
    if (rc != ST_OK)
        return rc;
    size_t r = ZSTD_compress(out->data + out->len, bound, src, src_len, level);
    if (ZSTD_isError(r))
        return st_error_set(err, ST_ERR_INTERNAL, "zstd compression failed: %s",
                            ZSTD_getErrorName(r));
    out->len += r;
    return ST_OK;
}

static st_status brotli_compress_buf(int level, const uint8_t *src, size_t src_len,
                                     st_buf *out, st_error *err)
{
    if (level == 0)
        level = 1;
    else if (level < BROTLI_MIN_QUALITY || level > BROTLI_MAX_QUALITY)
        return st_error_set(err, ST_ERR_ARGUMENT, "brotli compression level %d is outside "
                            "0..11", level);
    size_t bound = BrotliEncoderMaxCompressedSize(src_len);
    if (bound == 0 && src_len > 0)
        return st_error_set(err, ST_ERR_LIMIT, "page of %zu bytes is too large for brotli",
                            src_len);
    if (bound < 16)
        bound = 16;
    st_status rc = st_buf_reserve(out, bound, err);
    if (rc != ST_OK)
        return rc;
    size_t got = bound;
    if (!BrotliEncoderCompress(level, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, src_len, src,
                               &got, out->data + out->len))
        return st_error_set(err, ST_ERR_INTERNAL, "brotli compression failed");
    out->len += got;
    return ST_OK;
}

static st_status lz4_raw_compress_buf(const uint8_t *src, size_t src_len, st_buf *out,
                                      st_error *err)
{
    if (src_len > LZ4_MAX_INPUT_SIZE)
        return st_error_set(err, ST_ERR_LIMIT, "page of %zu bytes is too large for lz4",
                            src_len);
    int bound = LZ4_compressBound((int)src_len);
    st_status rc = st_buf_reserve(out, (size_t)bound, err);
    if (rc != ST_OK)
        return rc;
    int r = LZ4_compress_default((const char *)src, (char *)out->data + out->len, (int)src_len,
                                 bound);
    if (r <= 0)
        return st_error_set(err, ST_ERR_INTERNAL, "lz4 compression failed");
    out->len += (size_t)r;
    return ST_OK;
}

st_status pq_compress(int codec, int level, const uint8_t *src, size_t src_len, st_buf *out,
                      st_error *err)
{
    uint8_t dummy[1];
    if (!src)
        src = dummy;
    switch (codec) {
    case PQ_CODEC_UNCOMPRESSED:
        return st_buf_append(out, src, src_len, err);
    case PQ_CODEC_SNAPPY:
        return snappy_compress_buf(src, src_len, out, err);
    case PQ_CODEC_GZIP:
        return gzip_compress(level, src, src_len, out, err);
    case PQ_CODEC_BROTLI:
        return brotli_compress_buf(level, src, src_len, out, err);
    case PQ_CODEC_ZSTD:
        return zstd_compress_buf(level, src, src_len, out, err);
    case PQ_CODEC_LZ4_RAW:
        return lz4_raw_compress_buf(src, src_len, out, err);
    case PQ_CODEC_LZ4: {
        st_status rc = st_error_set(err, ST_ERR_UNSUPPORTED,
                                    "writing the deprecated LZ4 Parquet codec is not supported");
        st_error_hint(err, "Use LZ4_RAW instead.");
        return rc;
    }
    default:
        return unsupported(codec, err);
    }
}
