/* delta_dv_int.h -- private to src/delta: the deletion-vector write path
** (delta_dv_write.c) and its hooks in a transaction (delta_txn.c).
**
** A transaction owns at most one pending-deletion-vector set (delta_dvw),
** created by the first delta_txn_delete_rows. delta_txn.c only keeps the
** pointer: it calls delta_dvw_finish once at commit before the removes are
** checked (that writes the one DV file, fsync'd, and records the remove/add
** actions through delta_txn_remove / delta_txn_add_file), delta_dvw_discard on
** abort (deletes the DV file if it was written) and delta_dvw_free after a
** successful commit. Encoders here are the inverses of the decoders in
** delta_scan_int.h (delta_dv.c). */
#ifndef STRATA_DELTA_DV_INT_H
#define STRATA_DELTA_DV_INT_H

#include "delta.h"

typedef struct delta_dvw delta_dvw;

/* ---- delta_txn.c ------------------------------------------------------- */

/* The transaction's pending-deletion-vector slot (NULL until the first
** delta_txn_delete_rows); delta_dv_write.c creates and fills it. */
delta_dvw **delta_txn_dvw(delta_txn *t);

/* ---- delta_dv_write.c -------------------------------------------------- */

/* Commit step: writes the transaction's DV file (if any file keeps rows),
** fsyncs it, and records per touched file a remove (old DV) plus an add with
** the new DV, or only the remove when every row is deleted. No-op without
** pending deletes. On failure the caller aborts (which discards). */
st_status delta_dvw_finish(delta_txn *t, st_error *err);
/* Abort: deletes the DV file if it was written, then frees (accepts NULL). */
void      delta_dvw_discard(delta_dvw *w);
/* After a successful commit: frees, keeping the DV file (accepts NULL). */
void      delta_dvw_free(delta_dvw *w);

/* Encodes n bytes (n a multiple of 4) as n / 4 * 5 Z85 characters + NUL. */
void      delta_z85_encode(const uint8_t *p, size_t n, char *out);
/* Appends the RoaringBitmapArray serialization (magic, bucket count, per
** bucket its high key and portable 32-bit roaring bytes) of n sorted,
** distinct row positions (each below 2^63) to out. */
st_status delta_dv_encode_bitmap(const uint64_t *rows, size_t n, st_buf *out, st_error *err);

#endif /* STRATA_DELTA_DV_INT_H */
