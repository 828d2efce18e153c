/* pq_bitpack.h -- LSB-first bit unpacking shared by the RLE / bit-packed
** hybrid decoder (pq_rle.c) and DELTA_BINARY_PACKED (pq_delta.c). Written by
** hand: LSB-first bit unpacking as parquet-format Encodings.md defines it
** (values packed from the low bit of each byte upwards, 8 values per group, a
** group of width w taking exactly w bytes).
**
** Invariants: these routines never fail and never check input length; the
** caller guarantees the readable slack stated per function and pads the tail
** of its input itself. Every value written is < 2^bit_width. A bit width
** outside the function's range writes zeros (width 0 is legal: all zeros). */
#ifndef STRATA_FORMAT_PQ_BITPACK_H
#define STRATA_FORMAT_PQ_BITPACK_H

#include <stddef.h>
#include <stdint.h>

/* Unpacks groups_of_8 groups of 8 values of bit_width (1..32) bits from src
** into out (8 * groups_of_8 values). src must have bit_width + 8 readable
** bytes from the start of every group. */
void pq_unpack32(const uint8_t *src, uint32_t *out, size_t groups_of_8, int bit_width);

/* Same into 16-bit outputs for bit_width 1..16 (levels, small dictionaries);
** src needs bit_width + 8 readable bytes from the start of every group. */
void pq_unpack16(const uint8_t *src, uint16_t *out, size_t groups_of_8, int bit_width);

/* Same into 64-bit outputs for bit_width 1..64; src must have bit_width + 9
** readable bytes from the start of every group. */
void pq_unpack64(const uint8_t *src, uint64_t *out, size_t groups_of_8, int bit_width);

#endif
