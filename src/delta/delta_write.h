/* delta_write.h -- private helpers shared by the Delta write path
** (delta_txn.c, delta_stats.c, delta_checkpoint_write.c) and its tests:
** per-file statistics JSON, Hive-style partition folder escaping, URI
** encoding of add.path, partition value serialization, JSON string quoting,
** random UUIDs, row copying between vectors and column-mapped physical
** fields (also used by delta_maint.c). Not part of the module
** contract (delta.h); only src/delta and tests/unit include it. */
#ifndef STRATA_DELTA_DELTA_WRITE_H
#define STRATA_DELTA_DELTA_WRITE_H

#include "delta.h"

#define DELTA_STATS_DEFAULT_INDEXED_COLS 32  /* delta.dataSkippingNumIndexedCols */
#define DELTA_STATS_STRING_PREFIX        32  /* code points kept in string bounds */

/* ---- delta_stats.c ------------------------------------------------------ */

/* Accumulates the stats of a data file over every batch written to it:
** numRecords, and per indexed leaf column the running nullCount and min/max
** (strings kept as owned full copies; truncation happens at finish). The
** stats cover the first n_indexed leaf columns of data_schema in schema order
** (n_indexed < 0: all). Follows Spark: strings bounded to 32 code points (a
** truncated max gets the U+10FFFF tie-breaker), timestamps in ms, no bounds
** for boolean/binary/list/map, NaN counted as the largest double.
** data_schema is borrowed and must outlive the accumulator. */
typedef struct delta_stats_acc delta_stats_acc;

/* A new accumulator (no rows yet); NULL when out of memory. */
delta_stats_acc *delta_stats_new(const vec_schema *data_schema, int n_indexed);
/* Folds the rows of b (laid out as data_schema) into acc. */
st_status delta_stats_update(delta_stats_acc *acc, const vec_batch *b, st_error *err);
/* Appends the stats JSON of every row folded in so far; exactly the text
** delta_stats_json gives for those rows concatenated into one batch. */
st_status delta_stats_finish(const delta_stats_acc *acc, st_buf *out, st_error *err);
void      delta_stats_free(delta_stats_acc *acc);   /* accepts NULL */
/* The stats JSON of the rows of one batch (new + update + finish). */
st_status delta_stats_json(const vec_batch *b, int n_indexed, st_buf *out, st_error *err);

/* Appends s as a quoted JSON string (control chars as \u00XX). */
st_status delta_json_quote(st_buf *out, const char *s, size_t n, st_error *err);

/* ---- delta_txn.c -------------------------------------------------------- */

/* Appends a partition value as a Hive folder name component, escaping the
** characters Spark escapes as %XX: control chars, DEL and the ASCII
** punctuation " # % ' * / : = ? \ { [ ] ^ (space is kept, as on Linux). */
st_status delta_escape_partition(const char *v, st_buf *out, st_error *err);
/* Appends a relative path percent-encoded as a URI path (what Hadoop's
** Path.toUri produces): everything but unreserved, sub-delims, ':' '@' '/'
** and non-ASCII bytes becomes %XX. */
st_status delta_uri_encode_path(const char *p, st_buf *out, st_error *err);
/* Row i of v serialized per PROTOCOL.md "Partition Value Serialization"
** into out (NUL-terminated); *is_null set for a null value. */
st_status delta_partition_value(const vec *v, int64_t i, st_buf *out, bool *is_null,
                                st_error *err);
/* A random (version 4) UUID as 36 chars + NUL. */
void      delta_uuid(char out[37]);
/* Appends row i of v (any type, nested included) to builder b of the same type. */
st_status delta_append_row(vec_builder *b, const vec *v, int64_t i, st_error *err);
/* Milliseconds since the epoch (wall clock). */
int64_t   delta_now_ms(void);
/* Appends the JSON array of the n strings items, itself quoted as one JSON
** string ("[\"a\",\"b\"]"): how commitInfo operationParameters carry lists. */
st_status delta_json_string_array(st_buf *out, const char *const *items, int n, st_error *err);
/* Grows the heap array arr of elem_size-byte elements from *cap elements to
** twice that (first_cap when *cap is 0). Returns the moved array and updates
** *cap, or NULL with arr and *cap unchanged when out of memory or the size
** overflows. */
void     *delta_grow(void *arr, size_t *cap, size_t elem_size, size_t first_cap);
/* Field f as data files store it, in *out: with column mapping (info, which
** mirrors f, non-NULL) its name and every nested struct field name become the
** physical names, the copied child arrays allocated in arena a; info NULL
** copies f unchanged. Fails only when out of memory. */
st_status delta_physical_field(st_arena *a, const vec_field *f, const delta_field_info *info,
                               vec_field *out, st_error *err);

#endif /* STRATA_DELTA_DELTA_WRITE_H */
