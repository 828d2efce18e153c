/* pq_encoding.h -- Parquet value and level encodings (parquet-format
** Encodings.md), decoders and the encoders the writer needs. Written by hand:
** no packaged C library implements them.
**
** All decoders take an input span (buf, len) they never read past, decode
** exactly the n values asked for, and return ST_ERR_CORRUPT naming the
** encoding when the input ends early or breaks the format (a run longer
** than the page, a bit width over 32/64, a negative length). Outputs are
** caller buffers or the arena passed in. Bit packing is LSB-first except
** the deprecated BIT_PACKED level encoding (MSB-first). */
#ifndef STRATA_FORMAT_PQ_ENCODING_H
#define STRATA_FORMAT_PQ_ENCODING_H

#include "../../base/base.h"

/* ---- RLE / bit-packed hybrid (pq_rle.c) ---------------------------------- */

typedef struct pq_rle_decoder {
    const uint8_t *p;        /* next unread byte (borrowed) */
    const uint8_t *end;
    int      bit_width;      /* 0..32 */
    uint32_t rle_left;       /* values left in the current RLE run */
    uint32_t rle_value;
    uint32_t bp_left;        /* values left in the current bit-packed run */
    const uint8_t *bp_base;  /* start of the current bit-packed run's groups */
    uint64_t bp_index;       /* index of the next value within that run */
} pq_rle_decoder;

/* bit_width 0 decodes zeros without reading. */
void      pq_rle_init(pq_rle_decoder *d, const uint8_t *buf, size_t len, int bit_width);
st_status pq_rle_get_u32(pq_rle_decoder *d, uint32_t *out, size_t n, st_error *err);
st_status pq_rle_get_u16(pq_rle_decoder *d, uint16_t *out, size_t n, st_error *err);
/* Deprecated BIT_PACKED levels (MSB-first, no runs), exactly n values. */
st_status pq_bitpacked_legacy_get_u16(const uint8_t *buf, size_t len, int bit_width,
                                      uint16_t *out, size_t n, st_error *err);

/* Bits needed to store max_value (0 for 0). */
int       pq_bit_width(uint64_t max_value);
/* Appends the hybrid encoding of n values (no length prefix). Picks RLE runs
** for repeats of 8+ and bit-packed groups of 8 otherwise. */
st_status pq_rle_encode_u32(const uint32_t *vals, size_t n, int bit_width, st_buf *out,
                            st_error *err);
st_status pq_rle_encode_u16(const uint16_t *vals, size_t n, int bit_width, st_buf *out,
                            st_error *err);

/* ---- DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY
**      (pq_delta.c) --------------------------------------------------------- */

/* Decodes n values; *consumed = bytes of buf the encoded block used (a
** DELTA_BINARY_PACKED stream knows its own end once its header count is
** read). Wrapping arithmetic, as the spec requires. */
st_status pq_delta_decode_i32(const uint8_t *buf, size_t len, int32_t *out, size_t n,
                              size_t *consumed, st_error *err);
st_status pq_delta_decode_i64(const uint8_t *buf, size_t len, int64_t *out, size_t n,
                              size_t *consumed, st_error *err);
st_status pq_delta_encode_i64(const int64_t *vals, size_t n, st_buf *out, st_error *err);
st_status pq_delta_encode_i32(const int32_t *vals, size_t n, st_buf *out, st_error *err);

/* A run of n byte strings: offsets[n + 1] into data. */
typedef struct pq_byte_arrays {
    int32_t       *offsets;  /* arena */
    const uint8_t *data;     /* arena, or borrowed from the input page */
    size_t         n;
} pq_byte_arrays;

/* DELTA_LENGTH_BYTE_ARRAY: lengths, then the bytes back to back (data is
** borrowed from buf, zero-copy). */
st_status pq_delta_length_decode(const uint8_t *buf, size_t len, size_t n, st_arena *a,
                                 pq_byte_arrays *out, size_t *consumed, st_error *err);
/* DELTA_BYTE_ARRAY (incremental/front coding): prefix lengths, then suffixes
** as DELTA_LENGTH_BYTE_ARRAY; values rebuilt into the arena. */
st_status pq_delta_byte_array_decode(const uint8_t *buf, size_t len, size_t n, st_arena *a,
                                     pq_byte_arrays *out, size_t *consumed, st_error *err);

/* ---- PLAIN and BYTE_STREAM_SPLIT (pq_plain.c) ---------------------------- */

/* PLAIN BYTE_ARRAY: 4-byte LE length + bytes per value; copied contiguous. */
st_status pq_plain_decode_byte_array(const uint8_t *buf, size_t len, size_t n, st_arena *a,
                                     pq_byte_arrays *out, size_t *consumed, st_error *err);
/* PLAIN BOOLEAN: bit-packed LSB-first, starting at bit `bit_offset` of buf;
** writes n bytes of 0/1. */
st_status pq_plain_decode_bool(const uint8_t *buf, size_t len, size_t bit_offset, uint8_t *out,
                               size_t n, st_error *err);
/* BYTE_STREAM_SPLIT: width-byte values split into width streams of n_total
** values each (n_total = values in the page); decodes the first n. */
st_status pq_byte_stream_split_decode(const uint8_t *buf, size_t len, int width, size_t n_total,
                                      uint8_t *out, size_t n, st_error *err);

#endif /* STRATA_FORMAT_PQ_ENCODING_H */
