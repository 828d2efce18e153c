/* delta_log_int.h -- internals shared by the snapshot loader (delta_log.c),
** the action parser (delta_actions.c) and the checkpoint reader
** (delta_checkpoint_read.c). Not part of the module contract.
**
** Log replay runs oldest to newest into a delta_replay: the checkpoint's
** actions first, then each commit in version order. File actions are
** reconciled by (path, deletion vector unique id) in a hash map: the newest
** action for a key wins, so an entry is either a live add or a remove
** tombstone. Protocol and metaData are "latest wins"; txn latest per appId;
** domainMetadata latest per domain. Every string an entry points to lives in
** the snapshot arena; the entry array and hash slots are heap memory owned by
** the replay and released by delta_replay_destroy. */
#ifndef STRATA_DELTA_DELTA_LOG_INT_H
#define STRATA_DELTA_DELTA_LOG_INT_H

#include "delta.h"

/* One reconciled file action. */
typedef struct delta_entry {
    delta_file   f;                   /* strings borrowed: snapshot arena */
    bool         is_remove;           /* tombstone (remove action won) */
    int          n_pv;                /* raw partitionValues pairs */
    const char **pv_keys;             /* arena; physical partition column names */
    const char **pv_vals;             /* arena; NULL = null value */
    const char  *dv_key;              /* deletion vector unique id, NULL if none */
    uint64_t     hash;                /* of (path, dv_key) */
} delta_entry;

/* The latest metaData action, still raw (schema parsed at the end). */
typedef struct delta_raw_meta {
    const char  *id, *name, *description, *schema_string; /* arena; may be NULL */
    int          n_partition_cols;
    const char **partition_cols;      /* arena */
    int          n_config;
    const char **config_keys, **config_values; /* arena */
    bool         has_created_time;
    int64_t      created_time;
} delta_raw_meta;

typedef struct delta_replay {
    st_arena      *arena;             /* borrowed: the snapshot's arena */
    delta_entry   *entries;           /* heap; reconciled file actions */
    size_t         n_entries, cap_entries;
    uint32_t      *slots;             /* heap; open addressing, entry index + 1, 0 = empty */
    size_t         n_slots;           /* power of two */
    bool           has_protocol;
    delta_protocol protocol;          /* arrays in the arena */
    bool           has_meta;
    delta_raw_meta meta;
    delta_app_txn *txns;              /* heap */
    int            n_txns, cap_txns;
    delta_domain  *domains;           /* heap; configuration NULL = removed */
    int            n_domains, cap_domains;
    int64_t        version;           /* version of the actions being applied */
    bool           has_ict;           /* current commit's commitInfo.inCommitTimestamp */
    int64_t        ict;
    const char   **sidecars;          /* heap array of arena strings (V2 checkpoints) */
    int            n_sidecars, cap_sidecars;
    const char    *source;            /* file being applied, for messages */
} delta_replay;

void      delta_replay_init(delta_replay *r, st_arena *a);
void      delta_replay_destroy(delta_replay *r);
/* Records a file action (e->f.path and the arrays already in the arena;
** e->dv_key set when e->f.has_dv). The newest action for a key wins. */
st_status delta_replay_put_file(delta_replay *r, const delta_entry *e, st_error *err);
/* Deletion vector unique id (storage type, path, "@offset"), arena. */
const char *delta_dv_unique_id(st_arena *a, const delta_dv *dv);

/* Applies every action of newline-delimited JSON text (a commit file or a
** V2 JSON checkpoint). `what` names the file in messages. */
st_status delta_actions_apply_ndjson(delta_replay *r, const char *text, size_t len,
                                     const char *what, st_error *err);
/* Applies one action given as its name ("metaData") and JSON value text;
** used by the checkpoint reader for the rare, non-file actions. */
st_status delta_actions_apply_one(delta_replay *r, const char *name, const char *json_text,
                                  size_t len, st_error *err);
/* Finds commitInfo.inCommitTimestamp / timestamp / the whole commitInfo in a
** commit file's text. Returns false when no commitInfo line parses. json_out
** (arena, may be NULL) gets the commitInfo object's text. */
bool      delta_actions_commit_info(const char *text, size_t len, st_arena *a,
                                    bool *has_ict, int64_t *ict, bool *has_ts, int64_t *ts,
                                    const char **operation, const char **json_out);

/* A checkpoint found in the log listing. */
typedef enum delta_ckpt_kind { DELTA_CKPT_CLASSIC, DELTA_CKPT_MULTI, DELTA_CKPT_V2 } delta_ckpt_kind;
typedef struct delta_ckpt {
    int64_t         version;
    delta_ckpt_kind kind;
    int             n_files;          /* multi-part: parts in order; else 1 */
    const char    **files;            /* names inside _delta_log, arena */
} delta_ckpt;

/* Reads the checkpoint's actions into r (sidecars of V2 checkpoints too).
** log_dir is the _delta_log folder. */
st_status delta_checkpoint_read(delta_replay *r, const char *log_dir, const delta_ckpt *ck,
                                st_error *err);

#endif /* STRATA_DELTA_DELTA_LOG_INT_H */
