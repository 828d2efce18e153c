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
/* Commits; *out_version gets the new version. operation is commitInfo's
** operation ("WRITE", "CREATE TABLE", ...); params a JSON object or NULL.
** Conflicts after retries: ST_ERR_CONFLICT naming the conflict. Data files
** of a failed commit are deleted. Frees t in every case. */
st_status delta_txn_commit(delta_txn *t, const char *operation, const char *params_json,
                           int64_t *out_version, st_error *err);
void      delta_txn_abort(delta_txn *t);   /* deletes written files; frees t */

/* Writes a classic checkpoint for snapshot s and updates _last_checkpoint. */
st_status delta_checkpoint_write(const delta_snapshot *s, st_error *err);

#endif /* STRATA_DELTA_DELTA_H */
