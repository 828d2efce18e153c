/* pq_codec.h -- page compression codecs through the Debian libraries:
** snappy (snappy-c), gzip (zlib, concatenated members allowed), zstd, brotli,
** LZ4_RAW (lz4 block) and the deprecated LZ4 codec (Hadoop's framing of
** big-endian lengths around lz4 blocks, falling back to a bare lz4 block as
** older parquet-cpp wrote). LZO is not supported (no well-kept library): a
** clear ST_ERR_UNSUPPORTED. Also the page CRC-32 (zlib's crc32). */
#ifndef STRATA_FORMAT_PQ_CODEC_H
#define STRATA_FORMAT_PQ_CODEC_H

#include "../../base/base.h"

/* Decompresses src into exactly dst_len bytes; a size mismatch or decoder
** failure is ST_ERR_CORRUPT naming the codec. */
st_status pq_decompress(int codec, const uint8_t *src, size_t src_len, uint8_t *dst,
                        size_t dst_len, st_error *err);
/* Appends the compressed form of src to out. Writers use UNCOMPRESSED,
** SNAPPY, GZIP, ZSTD (level `level`, 0 = library default), LZ4_RAW, BROTLI. */
st_status pq_compress(int codec, int level, const uint8_t *src, size_t src_len, st_buf *out,
                      st_error *err);
bool      pq_codec_supported(int codec);
uint32_t  pq_crc32(const uint8_t *p, size_t n);

#endif /* STRATA_FORMAT_PQ_CODEC_H */
