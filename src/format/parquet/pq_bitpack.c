/* pq_bitpack.c -- LSB-first bit unpacking for the Parquet decoders. Written
** by hand: LSB-first bit unpacking as parquet-format Encodings.md defines it.
**
** This is the hot path of page decoding, so values are unpacked 8 at a time
** by a loop specialised per bit width: unpack_groups() is always inlined with
** a constant width and output size, and unpack_dispatch() holds the one
** switch that instantiates it for widths 1..64. The three exported entry
** points only fix the output size (and range-check the width), so each gets
** its own copy of the switch with dead code folded away.
**
** Invariants: a value's bits are read with one unaligned little-endian 64-bit
** load, plus one more byte when the value straddles it (only for widths over
** 56); the readable slack each entry point asks for in pq_bitpack.h covers
** both. Nothing here allocates or fails. */
#include "pq_bitpack.h"

#include <string.h>

#include "../../base/base.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* Value i (0..7) of the group of 8 packed LSB-first at src, width bw. */
static ALWAYS_INLINE uint64_t unpack1(const uint8_t *src, unsigned i, const unsigned bw)
{
    const unsigned bit = i * bw, b = bit >> 3, s = bit & 7;
    const uint64_t mask = bw == 64 ? ~(uint64_t)0 : (((uint64_t)1 << bw) - 1);
    uint64_t v = st_load_le64(src + b) >> s;
    if (s + bw > 64)  /* folded away for widths up to 56 */
        v |= (uint64_t)src[b + 8] << (64 - s);
    return v & mask;
}

/* Stores v as value i of an output of out_bits (16, 32 or 64) bits each;
** out_bits is a constant after inlining, so this is a single store. */
static ALWAYS_INLINE void store1(void *out, size_t i, uint64_t v, const unsigned out_bits)
{
    if (out_bits == 16)
        ((uint16_t *)out)[i] = (uint16_t)v;
    else if (out_bits == 32)
        ((uint32_t *)out)[i] = (uint32_t)v;
    else
        ((uint64_t *)out)[i] = v;
}

/* Unpacks `groups` groups of 8 values of width bw from src (bw bytes each). */
static ALWAYS_INLINE void unpack_groups(const uint8_t *src, void *out, size_t groups,
                                        const unsigned bw, const unsigned out_bits)
{
    for (size_t g = 0, o = 0; g < groups; g++, src += bw, o += 8) {
        store1(out, o + 0, unpack1(src, 0, bw), out_bits);
        store1(out, o + 1, unpack1(src, 1, bw), out_bits);
        store1(out, o + 2, unpack1(src, 2, bw), out_bits);
        store1(out, o + 3, unpack1(src, 3, bw), out_bits);
        store1(out, o + 4, unpack1(src, 4, bw), out_bits);
        store1(out, o + 5, unpack1(src, 5, bw), out_bits);
        store1(out, o + 6, unpack1(src, 6, bw), out_bits);
        store1(out, o + 7, unpack1(src, 7, bw), out_bits);
    }
}

/* The one switch: a specialised copy of unpack_groups per width 1..64. Hot
** dispatch code, hence one case per line. Callers pass bw in their range. */
static ALWAYS_INLINE void unpack_dispatch(const uint8_t *src, void *out, size_t groups,
                                          unsigned bw, const unsigned out_bits)
{
    switch (bw) {
    case 1: unpack_groups(src, out, groups, 1, out_bits); break;
    case 2: unpack_groups(src, out, groups, 2, out_bits); break;
    case 3: unpack_groups(src, out, groups, 3, out_bits); break;
    case 4: unpack_groups(src, out, groups, 4, out_bits); break;
    case 5: unpack_groups(src, out, groups, 5, out_bits); break;
    case 6: unpack_groups(src, out, groups, 6, out_bits); break;
    case 7: unpack_groups(src, out, groups, 7, out_bits); break;
    case 8: unpack_groups(src, out, groups, 8, out_bits); break;
    case 9: unpack_groups(src, out, groups, 9, out_bits); break;
    case 10: unpack_groups(src, out, groups, 10, out_bits); break;
    case 11: unpack_groups(src, out, groups, 11, out_bits); break;
    case 12: unpack_groups(src, out, groups, 12, out_bits); break;
    case 13: unpack_groups(src, out, groups, 13, out_bits); break;
    case 14: unpack_groups(src, out, groups, 14, out_bits); break;
    case 15: unpack_groups(src, out, groups, 15, out_bits); break;
    case 16: unpack_groups(src, out, groups, 16, out_bits); break;
    case 17: unpack_groups(src, out, groups, 17, out_bits); break;
    case 18: unpack_groups(src, out, groups, 18, out_bits); break;
    case 19: unpack_groups(src, out, groups, 19, out_bits); break;
    case 20: unpack_groups(src, out, groups, 20, out_bits); break;
    case 21: unpack_groups(src, out, groups, 21, out_bits); break;
    case 22: unpack_groups(src, out, groups, 22, out_bits); break;
    case 23: unpack_groups(src, out, groups, 23, out_bits); break;
    case 24: unpack_groups(src, out, groups, 24, out_bits); break;
    case 25: unpack_groups(src, out, groups, 25, out_bits); break;
    case 26: unpack_groups(src, out, groups, 26, out_bits); break;
    case 27: unpack_groups(src, out, groups, 27, out_bits); break;
    case 28: unpack_groups(src, out, groups, 28, out_bits); break;
    case 29: unpack_groups(src, out, groups, 29, out_bits); break;
    case 30: unpack_groups(src, out, groups, 30, out_bits); break;
    case 31: unpack_groups(src, out, groups, 31, out_bits); break;
    case 32: unpack_groups(src, out, groups, 32, out_bits); break;
    case 33: unpack_groups(src, out, groups, 33, out_bits); break;
    case 34: unpack_groups(src, out, groups, 34, out_bits); break;
    case 35: unpack_groups(src, out, groups, 35, out_bits); break;
    case 36: unpack_groups(src, out, groups, 36, out_bits); break;
    case 37: unpack_groups(src, out, groups, 37, out_bits); break;
    case 38: unpack_groups(src, out, groups, 38, out_bits); break;
    case 39: unpack_groups(src, out, groups, 39, out_bits); break;
    case 40: unpack_groups(src, out, groups, 40, out_bits); break;
    case 41: unpack_groups(src, out, groups, 41, out_bits); break;
    case 42: unpack_groups(src, out, groups, 42, out_bits); break;
    case 43: unpack_groups(src, out, groups, 43, out_bits); break;
    case 44: unpack_groups(src, out, groups, 44, out_bits); break;
    case 45: unpack_groups(src, out, groups, 45, out_bits); break;
    case 46: unpack_groups(src, out, groups, 46, out_bits); break;
    case 47: unpack_groups(src, out, groups, 47, out_bits); break;
    case 48: unpack_groups(src, out, groups, 48, out_bits); break;
    case 49: unpack_groups(src, out, groups, 49, out_bits); break;
    case 50: unpack_groups(src, out, groups, 50, out_bits); break;
    case 51: unpack_groups(src, out, groups, 51, out_bits); break;
    case 52: unpack_groups(src, out, groups, 52, out_bits); break;
    case 53: unpack_groups(src, out, groups, 53, out_bits); break;
    case 54: unpack_groups(src, out, groups, 54, out_bits); break;
    case 55: unpack_groups(src, out, groups, 55, out_bits); break;
    case 56: unpack_groups(src, out, groups, 56, out_bits); break;
    case 57: unpack_groups(src, out, groups, 57, out_bits); break;
    case 58: unpack_groups(src, out, groups, 58, out_bits); break;
    case 59: unpack_groups(src, out, groups, 59, out_bits); break;
    case 60: unpack_groups(src, out, groups, 60, out_bits); break;
    case 61: unpack_groups(src, out, groups, 61, out_bits); break;
    case 62: unpack_groups(src, out, groups, 62, out_bits); break;
    case 63: unpack_groups(src, out, groups, 63, out_bits); break;
    case 64: unpack_groups(src, out, groups, 64, out_bits); break;
    default: ST_ASSERT(0); break;
    }
}

void pq_unpack32(const uint8_t *src, uint32_t *out, size_t groups_of_8, int bit_width)
{
    if (bit_width < 1 || bit_width > 32) {
        memset(out, 0, groups_of_8 * 8 * sizeof *out);
        return;
    }
    unpack_dispatch(src, out, groups_of_8, (unsigned)bit_width, 32);
}

void pq_unpack16(const uint8_t *src, uint16_t *out, size_t groups_of_8, int bit_width)
{
    if (bit_width < 1 || bit_width > 16) {
        memset(out, 0, groups_of_8 * 8 * sizeof *out);
        return;
    }
    unpack_dispatch(src, out, groups_of_8, (unsigned)bit_width, 16);
}

void pq_unpack64(const uint8_t *src, uint64_t *out, size_t groups_of_8, int bit_width)
{
    if (bit_width < 1 || bit_width > 64) {
        memset(out, 0, groups_of_8 * 8 * sizeof *out);
        return;
    }
    unpack_dispatch(src, out, groups_of_8, (unsigned)bit_width, 64);
}
