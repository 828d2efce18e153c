/* delta_zorder.h -- private to src/delta: the Z-order (Morton) row order
** OPTIMIZE ... ZORDER BY writes rows in (delta_zorder.c), and the key
** helpers its unit tests check directly. Not part of the module contract
** (delta.h).
**
** Rows are addressed as (batch, row) pairs over a list of batches that all
** have the same schema; nothing is copied. */
#ifndef STRATA_DELTA_ZORDER_H
#define STRATA_DELTA_ZORDER_H

#include "delta.h"

#define DELTA_ZORDER_MAX_COLS 64     /* at least one bit per column in a 64-bit key */

typedef struct delta_row_ref {
    uint32_t batch;                  /* index into the batch list */
    uint32_t row;                    /* row within that batch */
} delta_row_ref;

/* True when a column of type t can be z-ordered (every scalar type: ints,
** floats, decimals, dates, times, timestamps, strings, binary, booleans). */
bool      delta_zorder_type_ok(const vec_type *t);

/* Interleaves n_cols keys of `bits` bits each (n_cols * bits <= 64) into one
** Morton code, most significant bit of column 0 first. */
uint64_t  delta_zorder_interleave(const uint64_t *keys, int n_cols, int bits);

/* The rows of batches[0..n_batches) ordered along the Z-order curve of
** columns cols[0..n_cols) (indices into the batches' columns): each column's
** values are replaced by their dense rank (NULLs first, NaN last, like
** Spark's ordering), ranks are scaled to min(21, 64 / n_cols) bits and
** interleaved; ties keep input order (stable). *out is a heap array of
** *n_out refs (caller st_free's it). Errors: ST_ERR_ARGUMENT (too many
** columns, a batch over 2^32 rows), ST_ERR_UNSUPPORTED (nested column type),
** ST_ERR_NOMEM. */
st_status delta_zorder_sort(vec_batch *const *batches, size_t n_batches, const int *cols,
                            int n_cols, delta_row_ref **out, int64_t *n_out, st_error *err);

#endif /* STRATA_DELTA_ZORDER_H */
