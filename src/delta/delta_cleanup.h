/* delta_cleanup.h -- retention of the Delta log (PROTOCOL.md "Metadata
** Cleanup") and of remove tombstones: parsing the interval table properties
** Spark writes (delta.logRetentionDuration, delta.deletedFileRetentionDuration)
** and deleting expired _delta_log entries after a checkpoint. Private to
** src/delta (delta_txn.c, delta_checkpoint_write.c) and its unit tests; not
** part of the module contract (delta.h). Implemented in delta_cleanup.c. */
#ifndef STRATA_DELTA_DELTA_CLEANUP_H
#define STRATA_DELTA_DELTA_CLEANUP_H

#include "delta.h"

#define DELTA_MS_PER_DAY                 (24LL * 60 * 60 * 1000)
#define DELTA_LOG_RETENTION_DEFAULT_MS   (30 * DELTA_MS_PER_DAY)  /* delta.logRetentionDuration */
#define DELTA_TOMBSTONE_RETENTION_DEFAULT_MS (7 * DELTA_MS_PER_DAY) /* deletedFileRetentionDuration */

/* Parses a CalendarInterval string as Spark accepts it for Delta interval
** properties: an optional "interval" keyword, then one or more
** "<integer> <unit>" pairs (unit singular or plural, any case: week, day,
** hour, minute, second, millisecond, microsecond; seconds may carry a
** fraction), e.g. "interval 30 days", "2 weeks", "interval 1 day 12 hours".
** Months and years are rejected (Delta requires a fixed duration), as are
** negative totals and overflow. True and *out_ms set (microseconds truncated
** to ms) on success; false on anything else. */
bool      delta_parse_interval_ms(const char *s, int64_t *out_ms);

/* The interval property key of m in ms, or default_ms when it is absent or
** does not parse (a bad value never fails a commit). */
int64_t   delta_config_interval_ms(const delta_metadata *m, const char *key, int64_t default_ms);

/* Deletes expired log entries of table s->table per PROTOCOL.md "Metadata
** Cleanup", judged at wall-clock time now_ms with s's configuration:
** cutoff = midnight UTC of (now - delta.logRetentionDuration); the cutoff
** commit is the newest commit whose (monotonized) file time is <= cutoff;
** the cutoff checkpoint C is the newest complete checkpoint <= that commit.
** Deleted: commits, .crc files and checkpoints (all kinds) with version < C,
** compaction files starting at or before C, staged commits <= C. Nothing is
** deleted when delta.enableExpiredLogCleanup is "false" or no such C exists.
** *out_from (may be NULL) gets C, or -1 when nothing qualified; *out_deleted
** (may be NULL) the number of files removed. Fails only on listing errors;
** a file that cannot be removed is skipped. _sidecars is not cleaned. */
st_status delta_log_cleanup(const delta_snapshot *s, int64_t now_ms, int64_t *out_from,
                            int *out_deleted, st_error *err);

#endif /* STRATA_DELTA_DELTA_CLEANUP_H */
