/* delta.h -- the Delta Lake module's contract (delta-io/delta PROTOCOL.md):
** load a table snapshot by log replay, scan its live files as column
** batches, and publish new versions through optimistic transactions.
**
** Reading (delta_log.c, delta_checkpoint_read.c, delta_schema.c): a
** snapshot is the reconciled state at one version -- protocol, metadata,
** live add files with partition values, stats and deletion vectors, app
** transaction versions, domain metadata. It is immutable once loaded and
** owns all its memory (one arena).
**
** Scanning (delta_scan.c, delta_dv.c): batches of the table's logical
** columns, read from the live files with partition values filled in, column
** mapping resolved, deletion vectors applied and old files' narrower types
** widened.
**
** Writing (delta_txn.c, delta_stats.c, delta_checkpoint_write.c):
** a transaction reads a snapshot, writes new data files, and commits
** <version>.json through store_put_if_absent; on losing the race it checks
** the winning commits for conflicts and retries or fails with
** ST_ERR_CONFLICT naming the conflict. Checkpoints every
** delta.checkpointInterval (10) commits.
**
** Paths: `table` is a local folder path (or a file:// URI); add.path in the
** log is a URI reference relative to the table root (percent-encoded). */
#ifndef STRATA_DELTA_DELTA_H
#define STRATA_DELTA_DELTA_H

#include "../vector/vec.h"

/* ---- snapshot ----------------------------------------------------------- */

typedef struct delta_protocol {
    int          min_reader;
    int          min_writer;
    int          n_reader_features;
    const char **reader_features;   /* NULL when the protocol has no list */
    int          n_writer_features;
    const char **writer_features;
} delta_protocol;

/* Per top-level-or-nested field Delta metadata (column mapping, etc.). The
** tree mirrors the logical schema: for field i of a struct, info i. */
typedef struct delta_field_info delta_field_info;
struct delta_field_info {
    const char       *physical_name;  /* delta.columnMapping.physicalName, or the name */
    int64_t           field_id;       /* delta.columnMapping.id, -1 if none */
    int               n_children;     /* struct fields; list: 1 (element); map: 2 (key, value) */
    delta_field_info *children;
    const char       *extra_metadata; /* the field's other metadata entries as a JSON
                                      ** object text ("comment", "delta.generationExpression",
                                      ** "CURRENT_DEFAULT", "delta.identity.*", ...), kept
                                      ** verbatim on parse and written back by
                                      ** delta_schema_format; NULL when there are none */
};

typedef struct delta_metadata {
    const char  *id;
    const char  *name;                /* may be NULL */
    const char  *description;         /* may be NULL */
    const char  *schema_string;       /* Spark JSON schema, as in the log */
    vec_schema   schema;              /* logical schema (display names) */
    delta_field_info *field_info;     /* one per schema field */
    int          n_partition_cols;
    const char **partition_cols;      /* logical names */
    int         *partition_field;     /* index into schema.fields per partition column */
    int          n_config;
    const char **config_keys;
    const char **config_values;
    bool         has_created_time;
    int64_t      created_time;        /* ms since epoch */
    int          column_mapping;      /* 0 none, 1 name, 2 id (delta.columnMapping.mode) */
} delta_metadata;

/* Deletion vector descriptor (PROTOCOL.md "Deletion Vectors"). */
typedef struct delta_dv {
    char         storage_type;        /* 'u' (relative, z85 uuid), 'p' (absolute path), 'i' (inline) */
    const char  *path_or_inline_dv;
    bool         has_offset;
    int32_t      offset;
    int32_t      size_in_bytes;
    int64_t      cardinality;
} delta_dv;

typedef struct delta_file {
    const char  *path;                /* as in the log (URI-encoded, relative or absolute) */
    const char **partition_values;    /* per metadata partition column; NULL = null value */
    int64_t      size;
    int64_t      modification_time;   /* ms */
    bool         data_change;
    const char  *stats;               /* JSON string, or NULL */
    bool         has_dv;
    delta_dv     dv;
    bool         has_base_row_id;
    int64_t      base_row_id;
    bool         has_default_row_commit_version;
    int64_t      default_row_commit_version;
    int64_t      added_version;       /* version of the commit (or checkpoint) it came from */
    int64_t      deletion_timestamp;  /* remove tombstones: ms, 0 when absent */
} delta_file;

typedef struct delta_app_txn {
    const char *app_id;
    int64_t     version;
    bool        has_last_updated;
    int64_t     last_updated;
} delta_app_txn;

typedef struct delta_domain {
    const char *domain;
    const char *configuration;        /* JSON string */
} delta_domain;

typedef struct delta_snapshot {
    const char     *table;            /* table root folder (no trailing slash) */
    int64_t         version;
    int64_t         timestamp_ms;     /* commit time of `version` (ICT when enabled) */
    delta_protocol  protocol;
    delta_metadata  meta;
    size_t          n_files;
    delta_file     *files;            /* live files, sorted by path */
    size_t          n_tombstones;     /* remove actions in the replayed log (expired ones
                                      ** are dropped when a checkpoint is written) */
    delta_file     *tombstones;
    int             n_app_txns;
    delta_app_txn  *app_txns;
    int             n_domains;
    delta_domain   *domains;
    int64_t         checkpoint_version; /* newest checkpoint used, -1 if none */
    st_arena       *arena;            /* owned: everything above */
} delta_snapshot;

typedef struct delta_read_options {
    bool     has_version;
    int64_t  version;                 /* time travel: this version */
    bool     has_timestamp;
    int64_t  timestamp_ms;            /* time travel: latest version committed at or before */
} delta_read_options;

/* Loads the snapshot at the latest version (opt NULL) or the one opt asks
** for. Errors: ST_ERR_NOTFOUND (no _delta_log, version cleaned up or not yet
** written -- the message says which), ST_ERR_UNSUPPORTED naming the reader
** feature or protocol version strata lacks, ST_ERR_CORRUPT naming the log
** file and version. */
st_status delta_snapshot_load(const char *table, const delta_read_options *opt,
                              delta_snapshot **out, st_error *err);
void      delta_snapshot_free(delta_snapshot *s);     /* accepts NULL */
/* The configuration value for key, or NULL. */
const char *delta_config_get(const delta_metadata *m, const char *key);
/* Reader features strata implements (NULL-terminated), for messages/docs. */
const char *const *delta_supported_reader_features(void);
const char *const *delta_supported_writer_features(void);

/* ---- history (delta_log.c) -------------------------------------------- */

typedef struct delta_commit_info {
    int64_t     version;
    int64_t     timestamp_ms;         /* commitInfo.timestamp, ICT, or file mtime */
    const char *operation;            /* may be NULL */
    const char *json;                 /* the whole commitInfo object, or NULL */
} delta_commit_info;

/* Commit infos from the newest version down (at most `limit`, 0 = all that
** remain in the log). Caller frees with st_arena_free(*arena). */
st_status delta_history(const char *table, int64_t limit, delta_commit_info **out, int *n_out,
                        st_arena **arena, st_error *err);

/* ---- schema (delta_schema.c) -------------------------------------------- */

/* Parses a Spark JSON schema string into a vec_schema plus field infos,
** allocated in a. Unknown types: ST_ERR_UNSUPPORTED naming the type. */
st_status delta_schema_parse(const char *json, st_arena *a, vec_schema *out,
                             delta_field_info **info_out, st_error *err);
/* Appends the Spark JSON schema of s to out (nullable flags kept, no
** column-mapping metadata unless info is given). */
st_status delta_schema_format(const vec_schema *s, const delta_field_info *info, st_buf *out,
                              st_error *err);

/* ---- scans (delta_scan.c) ----------------------------------------------- */

typedef struct delta_scan delta_scan;

typedef struct delta_scan_options {
    const int *columns;              /* logical top-level fields, NULL = all */
    int        n_columns;
    int64_t    batch_rows;            /* 0 = default */
    bool       row_ids;               /* append two BIGINT columns after the projected
                                      ** ones: "_file_index" (index of the row's file in
                                      ** s->files) and "_row_index" (its position in the
                                      ** file, counting rows a deletion vector removed) --
                                      ** what DML records as "which rows of which file" */
    const size_t *files;              /* indices into s->files to read, in this order
                                      ** (one morsel of a parallel scan); NULL = every
                                      ** live file */
    size_t     n_files;
    bool       one_row_group;         /* read only row group `row_group` of each file
                                      ** (rows keep their file positions, so deletion
                                      ** vectors still apply) */
    int        row_group;             /* with one_row_group: that group's index */
} delta_scan_options;

/* Batches over the snapshot's live files (file order, or opt->files), with
** the projected logical columns, partition values filled in and deleted rows
** removed. The snapshot (and opt->files) must outlive the scan. A file index
** outside the snapshot is ST_ERR_ARGUMENT. */
st_status delta_scan_open(const delta_snapshot *s, const delta_scan_options *opt,
                          delta_scan **out, st_error *err);
st_status delta_scan_next(delta_scan *sc, vec_batch **out, st_error *err);
const vec_schema *delta_scan_schema(const delta_scan *sc);
void      delta_scan_close(delta_scan *sc);
/* Parses a timestamp for time travel and partition values: "YYYY-MM-DD",
** "YYYY-MM-DD HH:MM:SS[.ffffff]" or with 'T', then an optional "Z" or
** "+HH:MM" offset (zone-less = UTC). Micros since the epoch; false on bad
** text (delta_scan.c). */
bool      delta_parse_timestamp(const char *s, int64_t *out_micros);
/* numRecords of f's stats (the physical row count, deletion vector not
** subtracted), or -1 when f has no stats or they lack a valid count
** (delta_scan.c). */
int64_t   delta_file_num_records(const delta_file *f);
/* Parses a partitionValues string (PROTOCOL.md "Partition Value
** Serialization") into a scalar of type t; NULL or "" is the null value.
** Also reads date/timestamp stats values. Bytes point into s or arena a.
** Bad text is ST_ERR_CORRUPT naming the value and type (delta_scan.c). */
st_status delta_partition_value_parse(const vec_type *t, const char *s, st_arena *a,
                                      vec_scalar *out, st_error *err);

/* Percent-decodes a log path and joins it to the table root (absolute
** file:// URIs and absolute paths are taken as they are). Arena-allocated. */
char     *delta_resolve_path(const char *table, const char *log_path, st_arena *a);

/* ---- writing (delta_txn.c) ---------------------------------------------- */

typedef struct delta_txn delta_txn;

typedef enum delta_write_mode { DELTA_APPEND, DELTA_OVERWRITE } delta_write_mode;

typedef struct delta_create_options {
    const vec_schema *schema;
    int               n_partition_cols;
    const char *const *partition_cols;
    int               n_config;
    const char *const *config_keys;
    const char *const *config_values;
    const char       *name;           /* may be NULL */
    const char       *description;    /* may be NULL */
} delta_create_options;

/* Starts a transaction on `table`. create != NULL creates the table (fails
** with ST_ERR_ARGUMENT if one exists); the options are copied, and the table
** folder is created when the first data file is written. */
st_status delta_txn_begin(const char *table, const delta_create_options *create,
                          delta_txn **out, st_error *err);
/* The snapshot the transaction read (NULL while creating a new table). */
const delta_snapshot *delta_txn_snapshot(const delta_txn *t);
/* Writes rows as new data files (partitioned per the table), recording add
** actions with stats. The batch schema must match the table's. */
st_status delta_txn_write(delta_txn *t, const vec_batch *b, st_error *err);
/* Removes a live file (recorded as a remove action). */
st_status delta_txn_remove(delta_txn *t, const delta_file *f, st_error *err);
/* Overwrite mode: remove every live file at commit. */
void      delta_txn_set_mode(delta_txn *t, delta_write_mode mode);
/* Idempotent writes: commit only if app_id's last version < version; a
** commit that would repeat one returns ST_OK with *out_version = -1. */
void      delta_txn_set_app_version(delta_txn *t, const char *app_id, int64_t version);
/* Commits; *out_version gets the new version (out_version may be NULL).
** operation is commitInfo's operation ("WRITE", "CREATE TABLE", ...);
** params a JSON object or NULL.
** Conflicts after retries: ST_ERR_CONFLICT naming the conflict. Data files
** of a failed commit are deleted. Frees t in every case. */
st_status delta_txn_commit(delta_txn *t, const char *operation, const char *params_json,
                           int64_t *out_version, st_error *err);
void      delta_txn_abort(delta_txn *t);   /* deletes written files; frees t */

/* Replaces the table's metaData at commit (ALTER TABLE and friends): schema
** (with field infos carrying column mapping and extra field metadata;
** field_info mirrors m->schema, NULL = none), configuration, description,
** name; the table id and createdTime are kept. The partition columns must
** stay the same (ST_ERR_ARGUMENT, checked here and at commit) unless the
** transaction is in DELTA_OVERWRITE mode (CREATE OR REPLACE TABLE). Call it
** before delta_txn_write; later writes use the new schema. While creating a
** table it replaces the create options (field infos at creation).
** Column mapping: with delta.columnMapping.mode name (or id), every field
** without an id gets one and a physical name -- its own name when mapping is
** being enabled on a table with data (files keep their column names), else
** "col-<uuid>" -- and delta.columnMapping.maxColumnId is kept at the highest
** id. The mode may only go from none to name on a table that keeps its files.
** Writes to name-mode tables store physical names (files, stats, partition
** values); id mode writes are ST_ERR_UNSUPPORTED (no Parquet field ids).
** The protocol is raised as the new metadata needs (never lowered; a protocol
** action only when it changes): delta.columnMapping.mode name/id -> reader 2
** / writer 5 (or the columnMapping feature), delta.constraints.* -> writer 3
** (checkConstraints), a field with delta.generationExpression -> writer 4
** (generatedColumns), delta.enableChangeDataFeed=true -> writer 4,
** delta.enableDeletionVectors=true -> reader 3 / writer 7 with
** deletionVectors, delta.appendOnly -> writer 2, identity columns -> writer 6
** (identityColumns), timestamp_ntz columns -> the timestampNtz feature, a
** field with CURRENT_DEFAULT -> allowColumnDefaults (writer 7), a field with
** delta.typeChanges or delta.enableTypeWidening=true or a widened column ->
** typeWidening (reader 3 / writer 7); a legacy table moved to reader 3 /
** writer 7 lists the features its old versions implied.
** Table feature properties: delta.feature.<name> = 'supported' (or
** 'enabled'; names case-insensitive) in the configuration, here or at
** creation, lists the feature in the protocol and is not stored in
** metaData.configuration (Delta consumes it). Features that can be asked
** for: appendOnly, invariants, checkConstraints, changeDataFeed,
** generatedColumns, columnMapping, identityColumns, deletionVectors,
** timestampNtz, domainMetadata, allowColumnDefaults, clustering (brings
** domainMetadata) and typeWidening; any other name is ST_ERR_UNSUPPORTED
** naming it, another value ST_ERR_ARGUMENT.
** Type changes: while the table keeps its files (not DELTA_OVERWRITE) a
** column (matched by name; under column mapping by physical name; nested
** fields too) may only be widened as Delta's type widening allows: byte /
** short / int to a wider integer, to double or to a decimal with enough
** integer digits; float to double; decimal(p, s) to decimal(p + k1, s + k2)
** with k1 >= k2 >= 0; date to timestamp_ntz. New files get the wide type and
** the scan widens old ones. The executor records the change in the field's
** metadata as Delta does ("delta.typeChanges": [{"fromType": "integer",
** "toType": "long"}], with "fieldPath": "element" / "key" / "value" for
** changes inside arrays and maps). Anything else is ST_ERR_ARGUMENT naming
** the column and both types -- except in a transaction that already removed
** or re-added files (RESTORE: an older version's metadata comes back with
** that version's files). The delta layer does not evaluate CHECK constraints,
** generation expressions or identity values: the statement executor does.
** Concurrent metadata changes conflict as in Delta (MetadataChangedException):
** "concurrent metadata change in version N". On failure the transaction keeps
** the metadata it had. */
st_status delta_txn_set_metadata(delta_txn *t, const delta_create_options *m,
                                 const delta_field_info *field_info, st_error *err);
/* Field infos for s with column mapping on (ALTER TABLE RENAME/DROP COLUMN
** enable delta.columnMapping.mode = 'name'): a copy of old_info (mirrors s;
** NULL = none; extra metadata kept) where every struct field, nested ones
** included, without an id gets id ++*max_id and a physical name -- its own
** name when no top-level field of old_info has an id (mapping being enabled:
** existing files keep their names), else "col-<uuid>" (a new column).
** *max_id: in, the table's delta.columnMapping.maxColumnId (0 if none); out,
** the highest id in the result -- store it as maxColumnId. Arena a. */
st_status delta_enable_column_mapping(const vec_schema *s, const delta_field_info *old_info,
                                      st_arena *a, delta_field_info **out_info, int64_t *max_id,
                                      st_error *err);
/* Domain metadata (PROTOCOL.md "Domain Metadata"): at commit a
** {"domainMetadata":{"domain":..,"configuration":"<text>","removed":false}}
** action; configuration_json NULL removes the domain (removed=true, the old
** configuration repeated; nothing when the table does not have the domain).
** The last call per domain wins. The domainMetadata writer feature is added
** to the protocol when missing. A concurrent commit that changed the same
** domain is a conflict ("concurrent change of domain "d""); other domains do
** not conflict. The snapshot's live domains are s->domains.
** Liquid clustering (PROTOCOL.md "Clustered Table"): the table needs
** delta.feature.clustering = 'supported' (which brings domainMetadata) and
** the domain "delta.clustering" with configuration
** {"clusteringColumns":[["a"],["b"]]} -- one array per clustering column,
** holding the column's path of PHYSICAL names (under column mapping the
** delta_field_info physical_name of each level, e.g. [["col-5f1c..."]];
** without mapping the column names; a nested column is ["s","x"]).
** CLUSTER BY NONE writes {"clusteringColumns":[]}. Clustering columns must
** have stats (among the first delta.dataSkippingNumIndexedCols columns). */
st_status delta_txn_set_domain(delta_txn *t, const char *domain, const char *configuration_json,
                               st_error *err);
/* Adds an existing data file (RESTORE puts back files of an older version):
** an add action with f's path, size, partition values, stats and deletion
** vector, modificationTime now. */
st_status delta_txn_add_file(delta_txn *t, const delta_file *f, st_error *err);
/* dataChange of every add and remove this transaction records (default
** true); OPTIMIZE and other rearrangements set false. */
void      delta_txn_set_data_change(delta_txn *t, bool data_change);
/* commitInfo.operationMetrics as a JSON object of string values (Delta
** writes numbers as strings), replacing the default {numFiles, numOutputRows,
** numOutputBytes}; isBlindAppend becomes false when the transaction read the
** table or removed files. */
st_status delta_txn_set_metrics(delta_txn *t, const char *metrics_json, st_error *err);
/* Data files written so far by delta_txn_write (files re-added with
** delta_txn_add_file are not counted; closing open data files first is not
** needed: counts cover rows handed to delta_txn_write) -- for operation
** metrics. Bytes are exact file sizes for closed files; a file still open
** counts its rows' in-memory size, so call delta_txn_flush first when exact
** sizes matter. Any pointer may be NULL. */
void      delta_txn_written(const delta_txn *t, int64_t *files, int64_t *rows, int64_t *bytes);
/* Closes (footer, fsync) every data file still open; later writes start new
** files. Makes delta_txn_written's byte count exact. */
st_status delta_txn_flush(delta_txn *t, st_error *err);

/* ---- deletion vectors: merge-on-read DML (delta_dv_write.c) -------------- */

/* Marks rows of data file f as deleted (PROTOCOL.md "Deletion Vectors").
** f: a live file of the transaction's snapshot (matched by path). rows:
** sorted, distinct positions in the physical file (counting rows f's
** existing deletion vector already removed), n of them; every one below the
** file's row count. They are merged (union) with f's existing DV and with
** earlier calls for f in this transaction. At commit all DVs go into one new
** file <table>/deletion_vector_<uuid>.bin (fsync'd first; deleted if the
** transaction aborts or its commit fails) and each touched file gets a
** remove (with its old DV) plus an add of the same path with the new
** deletionVector ('u' storage), its size and partition values, stats with
** the physical numRecords and "tightBounds":false; a file whose every row
** ends up deleted is only removed. Do not also delta_txn_remove f.
** Errors: ST_ERR_UNSUPPORTED "table ... does not have deletion vectors
** enabled (delta.enableDeletionVectors)" when the protocol lacks the
** deletionVectors feature; ST_ERR_ARGUMENT for a file that is not live,
** unsorted/duplicate positions, a position past the end of the file or
** while creating a table. */
st_status delta_txn_delete_rows(delta_txn *t, const delta_file *f, const uint64_t *rows,
                                size_t n, st_error *err);
/* Whether DML on the table at s should write deletion vectors: the protocol
** has the deletionVectors reader and writer feature and the configuration
** delta.enableDeletionVectors is "true" (case-insensitive). */
bool      delta_dv_enabled(const delta_snapshot *s);

/* ---- maintenance (delta_maint.c) ------------------------------------------ */

typedef struct delta_restore_result {
    int64_t version;                  /* the new commit */
    int64_t table_size_after;         /* bytes of live files after */
    int64_t num_files_after;
    int64_t num_removed_files, num_restored_files;
    int64_t removed_files_size, restored_files_size;
} delta_restore_result;

/* RESTORE: commits the state of version `to` (by version or timestamp) as a
** new version: removes live files absent then, re-adds files live then and
** absent now (each must still exist on disk, else ST_ERR_NOTFOUND naming the
** file and suggesting it was vacuumed), and restores metadata (protocol is
** never lowered). operation "RESTORE", parameters {version, timestamp},
** Delta's RESTORE metrics. Restoring the current version commits nothing
** (result version = current). */
st_status delta_restore(const char *table, const delta_read_options *to,
                        delta_restore_result *out, st_error *err);

typedef struct delta_vacuum_options {
    double retain_hours;              /* < 0: the table's delta.deletedFileRetentionDuration
                                      ** (default 168 hours = 7 days) */
    bool   dry_run;                   /* list, do not delete */
    bool   check_retention;           /* refuse a retention below the table's default
                                      ** (spark.databricks.delta.retentionDurationCheck.enabled) */
    int64_t now_ms;                   /* 0: the wall clock (tests pass a fixed time) */
} delta_vacuum_options;

/* VACUUM: deletes files under the table folder that the current snapshot
** does not reference (data files and deletion-vector files; never
** _delta_log, and never names starting with '_' or '.' at the top level
** other than partition folders) and whose modification time is older than
** the retention. Returns the (absolute) paths deleted, or that would be in a
** dry run, in arena a. Non-dry runs record "VACUUM START" and "VACUUM END"
** commits with Delta's parameters and metrics (numFilesToDelete,
** sizeOfDataToDelete / numDeletedFiles, numVacuumedDirectories). */
st_status delta_vacuum(const char *table, const delta_vacuum_options *opt, st_arena *a,
                       char ***paths, int64_t *n_paths, st_error *err);

typedef struct delta_optimize_options {
    /* Partition filter: files of partitions for which keep() returns false
    ** are left alone (OPTIMIZE ... WHERE on partition columns). NULL: all. */
    bool      (*keep)(void *ud, const delta_snapshot *s, const delta_file *f);
    void       *ud;
    const char *const *zorder_cols;   /* ZORDER BY columns (logical names), or NULL */
    int         n_zorder;
    int64_t     target_size;          /* bytes; 0: delta.targetFileSize or 128 MiB */
    const char *predicate;            /* the WHERE text for operationParameters, or NULL */
} delta_optimize_options;

typedef struct delta_optimize_result {
    int64_t version;                  /* the new commit, or -1 when nothing to do */
    int64_t num_files_added, num_files_removed;
    int64_t num_bytes_added, num_bytes_removed;
    int64_t partitions_optimized;
    int64_t total_considered_files;
} delta_optimize_result;

/* OPTIMIZE: per partition, bin-packs files smaller than the target size into
** files near it (a partition with one small file is left alone); with
** ZORDER BY, rewrites every selected file of each partition sorted along a
** Z-order curve of the columns (each column's values mapped to ranks, bits
** interleaved), so min/max ranges of the columns tighten. One commit with
** dataChange=false, operation "OPTIMIZE", parameters {predicate, zOrderBy}
** and metrics as Databricks shows them (numAddedFiles, numRemovedFiles,
** numAddedBytes, numRemovedBytes, minFileSize, p25FileSize, p50FileSize,
** p75FileSize, maxFileSize, ...). Memory: one bin (about target_size of
** data) at a time; with ZORDER BY one partition's rows at a time. */
st_status delta_optimize(const char *table, const delta_optimize_options *opt,
                         delta_optimize_result *out, st_error *err);

/* Writes a classic checkpoint for snapshot s and updates _last_checkpoint. */
st_status delta_checkpoint_write(const delta_snapshot *s, st_error *err);

#endif /* STRATA_DELTA_DELTA_H */
