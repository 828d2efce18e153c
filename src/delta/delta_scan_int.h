/* delta_scan_int.h -- private to src/delta: the pieces of the scan path that
** delta_scan.c and the unit tests share: Z85 decoding, deletion vector
** loading (delta_dv.c).
**
** Deletion vectors are returned as sorted, duplicate-free row indices
** (uint64, position of the row within its data file) allocated in the
** caller's arena. Nothing here keeps state between calls. */
#ifndef STRATA_DELTA_SCAN_INT_H
#define STRATA_DELTA_SCAN_INT_H

#include "delta.h"

/* ---- deletion vectors (delta_dv.c) ------------------------------------- */

/* Decodes n Z85 characters (n a multiple of 5) into n / 5 * 4 bytes at out.
** A character outside the alphabet or a group above 2^32-1 is
** ST_ERR_CORRUPT. */
st_status delta_z85_decode(const char *s, size_t n, uint8_t *out, st_error *err);

/* Parses a serialized RoaringBitmapArray (magic, count, then per 32-bit
** bitmap its high key and portable roaring bytes) of n bytes into sorted
** row indices (arena a). `what` names the source in messages. */
st_status delta_dv_decode_bitmap(const uint8_t *p, size_t n, const char *what, st_arena *a,
                                 uint64_t **rows, int64_t *n_rows, st_error *err);

/* The absolute path of a 'u' or 'p' deletion vector file (arena a). */
st_status delta_dv_file_path(const char *table, const delta_dv *dv, st_arena *a, char **out,
                             st_error *err);

/* Loads the deletion vector dv of a file of `table`: inline, or read from
** its file with size and CRC-32 checked; the cardinality must match. */
st_status delta_dv_load(const char *table, const delta_dv *dv, st_arena *a, uint64_t **rows,
                        int64_t *n_rows, st_error *err);

/* Partition value parsing (delta_partition_value_parse) is public: delta.h,
** since the executor's scan prunes files by partition values. */

#endif /* STRATA_DELTA_SCAN_INT_H */
