/* delta_maint.c -- table maintenance commands of delta.h: VACUUM, RESTORE and
** OPTIMIZE (bin-packing and ZORDER BY), with Delta Lake's semantics and the
** commitInfo operations, parameters and metrics Delta (VacuumCommand,
** RestoreTableCommand, OptimizeTableCommand) records. Implemented by hand:
** no packaged C library maintains Delta tables.
**
** VACUUM lists the table folder recursively (local file system: the store
** layer has no recursive listing), skipping hidden names at every level as
** Delta does: a name starting with '_' or '.' is hidden unless it is a
** partition folder "<partition column>=...", "_delta_index*" or
** "_change_data*"; _delta_log is never entered. A file survives when the
** snapshot references it (a live add, or a remove tombstone younger than the
** retention -- each with its deletion vector file) or when its modification
** time is not older than the retention; everything else is deleted, then the
** emptied subfolders that were themselves older than the retention.
** "VACUUM START" is committed before the first delete and "VACUUM END" after
** the last (empty commits: commitInfo only).
**
** RESTORE diffs the live files of the current version against those of the
** target version by (path, deletion vector) as Delta does, so a file whose
** DV changed is removed and re-added with its old DV. Every file re-added
** (and its DV file) must still exist; a missing one fails the whole restore.
**
** OPTIMIZE writes its own output files (Parquet + stats, delta_write.h
** helpers) and registers them with delta_txn_add_file, instead of going
** through delta_txn_write: the transaction keeps one rolling file per
** partition for its whole life, while OPTIMIZE needs one file per bin, files
** of opt->target_size rather than the table's roll size, and the exact size
** of every new file before the commit for minFileSize..maxFileSize. Files it
** wrote are deleted again on any failure. Memory: bin-packing streams one
** bin's batches; ZORDER BY holds one partition's rows (delta_zorder.c). */
#include "delta_write.h"
#include "delta_cleanup.h"
#include "delta_scan_int.h"
#include "delta_zorder.h"

#include "../format/parquet/pq.h"
#include "../store/store.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAINT_DEFAULT_TARGET_SIZE ((int64_t)128 << 20)   /* OPTIMIZE output file bytes */
#define MAINT_ROW_GROUP_ROWS      (128 * 1024)           /* as delta_txn.c writes */
#define MAINT_ZORDER_CHUNK_ROWS   65536                  /* rows per batch written */
#define MAINT_MAX_DEPTH           128                    /* folder nesting VACUUM follows */
#define MAINT_HIVE_NULL           "__HIVE_DEFAULT_PARTITION__"
#define MAINT_DV_RATIO            0.05   /* optimize.maxDeletedRowsRatio */

static st_status nomem(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory in delta table maintenance");
}

/* ---- sorted string sets ---------------------------------------------------- */

typedef struct str_set {
    char  **v;                 /* heap array; strings borrowed (an arena) */
    size_t  n, cap;
} str_set;

static st_status set_add(str_set *s, char *p, st_error *err)
{
    if (!p)
        return nomem(err);
    if (s->n == s->cap) {
        char **v = delta_grow(s->v, &s->cap, sizeof *v, 64);
        if (!v)
            return nomem(err);
        s->v = v;
    }
    s->v[s->n++] = p;
    return ST_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void set_sort(str_set *s)
{
    if (s->n > 1)
        qsort(s->v, s->n, sizeof *s->v, cmp_str);
}

static bool set_has(const str_set *s, const char *p)
{
    return s->n > 0 && bsearch(&p, s->v, s->n, sizeof *s->v, cmp_str) != NULL;
}

static void set_destroy(str_set *s)
{
    st_free(s->v);
    *s = (str_set){ 0 };
}

/* Appends "key":"value" pairs of int64 metrics as a JSON object of strings,
** as Delta writes operationMetrics. */
static st_status metrics_json(st_buf *b, const char *const *keys, const int64_t *vals, int n,
                              st_error *err)
{
    st_status rc = st_buf_append_byte(b, '{', err);
    for (int i = 0; i < n && rc == ST_OK; i++)
        rc = st_buf_printf(b, err, "%s\"%s\":\"%" PRId64 "\"", i ? "," : "", keys[i], vals[i]);
    if (rc == ST_OK)
        rc = st_buf_append_byte(b, '}', err);
    return rc == ST_OK ? st_buf_append_byte(b, '\0', err) : rc;
}

/* Commits a transaction with no file actions (VACUUM START / END). */
static st_status empty_commit(const char *table, const char *op, const char *params,
                              const char *metrics, st_error *err)
{
    delta_txn *t = NULL;
    st_status rc = delta_txn_begin(table, NULL, &t, err);
    if (rc != ST_OK)
        return rc;
    rc = delta_txn_set_metrics(t, metrics, err);
    if (rc != ST_OK) {
        delta_txn_abort(t);
        return rc;
    }
    int64_t v;
    return delta_txn_commit(t, op, params, &v, err);
}

/* Adds the resolved path of f and of its deletion vector file (if any). */
static st_status add_referenced(const delta_snapshot *s, const delta_file *f, st_arena *a,
                                str_set *set, st_error *err)
{
    st_status rc = set_add(set, delta_resolve_path(s->table, f->path, a), err);
    if (rc == ST_OK && f->has_dv && f->dv.storage_type != 'i') {
        char *dv = NULL;
        rc = delta_dv_file_path(s->table, &f->dv, a, &dv, err);
        if (rc == ST_OK)
            rc = set_add(set, dv, err);
    }
    return rc;
}

/* ---- VACUUM ------------------------------------------------------------------ */

typedef struct vac_walk {
    const delta_snapshot *s;   /* borrowed */
    const str_set *valid;      /* borrowed: resolved paths the snapshot keeps */
    int64_t   cutoff_ms;       /* files modified before this are deletable */
    st_arena *tmp;             /* borrowed: scratch paths */
    str_set   files;           /* candidates (tmp arena) */
    int64_t   bytes;           /* their total size */
    str_set   dirs;            /* subfolders older than the cutoff (tmp arena) */
    int64_t   n_dirs;          /* folders listed, the root included */
} vac_walk;

/* Delta's DeltaTableUtils.isHiddenDirectory, applied to every name. */
static bool vac_hidden(const delta_snapshot *s, const char *name)
{
    if (name[0] != '.' && name[0] != '_')
        return false;
    if (strncmp(name, "_delta_index", 12) == 0 || strncmp(name, "_change_data", 12) == 0)
        return false;
    const delta_metadata *m = &s->meta;
    for (int k = 0; k < m->n_partition_cols; k++) {
        const char *names[2] = { m->partition_cols[k], NULL };
        int f = m->partition_field[k];
        if (m->field_info && f >= 0 && f < m->schema.n_fields)
            names[1] = m->field_info[f].physical_name;
        for (int j = 0; j < 2; j++) {
            size_t n = names[j] ? strlen(names[j]) : 0;
            if (n > 0 && strncmp(name, names[j], n) == 0 && name[n] == '=')
                return false;
        }
    }
    return true;
}

static int64_t stat_mtime_ms(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
}

static st_status vac_walk_dir(vac_walk *w, const char *dir, int depth, st_error *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT && depth > 0)
            return ST_OK;              /* removed while we listed */
        return st_error_set(err, ST_ERR_IO, "could not list folder \"%s\" of table \"%s\": %s",
                            dir, w->s->table, strerror(errno));
    }
    w->n_dirs++;
    st_status rc = ST_OK;
    struct dirent *e;
    while (rc == ST_OK && (e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        if ((depth == 0 && strcmp(name, "_delta_log") == 0) || vac_hidden(w->s, name))
            continue;
        char *path = st_arena_printf(w->tmp, "%s/%s", dir, name);
        if (!path) {
            rc = nomem(err);
            break;
        }
        struct stat st;
        if (lstat(path, &st) != 0)
            continue;                  /* vanished meanwhile */
        if (S_ISDIR(st.st_mode)) {
            if (depth + 1 >= MAINT_MAX_DEPTH) {
                rc = st_error_set(err, ST_ERR_LIMIT, "cannot vacuum table \"%s\": folder \"%s\" "
                                  "is nested deeper than %d levels", w->s->table, path,
                                  MAINT_MAX_DEPTH);
                break;
            }
            if (stat_mtime_ms(&st) < w->cutoff_ms)
                rc = set_add(&w->dirs, path, err);
            if (rc == ST_OK)
                rc = vac_walk_dir(w, path, depth + 1, err);
        } else if (stat_mtime_ms(&st) < w->cutoff_ms && !set_has(w->valid, path)) {
            rc = set_add(&w->files, path, err);
            w->bytes += st.st_size;
        }
    }
    closedir(d);
    return rc;
}

/* Paths VACUUM must keep: live files and tombstones younger than the cutoff
** (deletion vector files included). */
static st_status vac_valid(const delta_snapshot *s, int64_t cutoff_ms, st_arena *a, str_set *set,
                           st_error *err)
{
    st_status rc = ST_OK;
    for (size_t i = 0; i < s->n_files && rc == ST_OK; i++)
        rc = add_referenced(s, &s->files[i], a, set, err);
    for (size_t i = 0; i < s->n_tombstones && rc == ST_OK; i++)
        if (s->tombstones[i].deletion_timestamp > cutoff_ms)
            rc = add_referenced(s, &s->tombstones[i], a, set, err);
    set_sort(set);
    return rc;
}

/* Retention in ms from opt (or the table default) and the retention check. */
static st_status vac_retention(const delta_snapshot *s, const delta_vacuum_options *opt,
                               int64_t default_ms, int64_t *out_ms, st_error *err)
{
    *out_ms = default_ms;
    if (isnan(opt->retain_hours))
        return st_error_set(err, ST_ERR_ARGUMENT, "cannot vacuum table \"%s\": retention period "
                            "is not a number", s->table);
    if (opt->retain_hours < 0)
        return ST_OK;
    double ms = opt->retain_hours * 3600000.0;
    *out_ms = ms >= 9.0e18 ? INT64_C(9000000000000000000) : (int64_t)ms;
    if (opt->check_retention && *out_ms < default_ms) {
        st_error_set(err, ST_ERR_ARGUMENT, "cannot vacuum table \"%s\" with a retention period "
                     "of %g hours: it is less than the table's delta.deletedFileRetentionDuration "
                     "of %g hours", s->table, opt->retain_hours, (double)default_ms / 3600000.0);
        return st_error_hint(err, "Concurrent readers and writers may still need younger files. "
                             "If no operation is using the table, set "
                             "spark.databricks.delta.retentionDurationCheck.enabled = false; "
                             "otherwise use a value not less than %g hours.",
                             (double)default_ms / 3600000.0);
    }
    return ST_OK;
}

/* Deletes the candidates and then the emptied old subfolders (deepest first);
** *n_deleted counts the files actually removed. */
static void vac_delete(vac_walk *w, int64_t *n_deleted)
{
    *n_deleted = 0;
    for (size_t i = 0; i < w->files.n; i++)
        if (unlink(w->files.v[i]) == 0 || errno == ENOENT)
            (*n_deleted)++;
    set_sort(&w->dirs);
    for (size_t i = w->dirs.n; i-- > 0;)
        rmdir(w->dirs.v[i]);           /* fails harmlessly when not empty */
}

static st_status vac_commits(const delta_snapshot *s, const delta_vacuum_options *opt,
                             int64_t default_ms, int64_t retention_ms, vac_walk *w,
                             st_error *err)
{
    char params[256];
    int n = snprintf(params, sizeof params, "{\"retentionCheckEnabled\":%s,"
                     "\"defaultRetentionMillis\":%" PRId64, opt->check_retention ? "true" : "false",
                     default_ms);
    if (opt->retain_hours >= 0)
        n += snprintf(params + n, sizeof params - (size_t)n, ",\"specifiedRetentionMillis\":%"
                      PRId64, retention_ms);
    snprintf(params + n, sizeof params - (size_t)n, "}");
    st_buf m;
    st_buf_init(&m);
    static const char *const start_keys[] = { "numFilesToDelete", "sizeOfDataToDelete" };
    int64_t start_vals[] = { (int64_t)w->files.n, w->bytes };
    st_status rc = metrics_json(&m, start_keys, start_vals, 2, err);
    if (rc == ST_OK)
        rc = empty_commit(s->table, "VACUUM START", params, (const char *)m.data, err);
    int64_t n_deleted = 0;
    if (rc == ST_OK)
        vac_delete(w, &n_deleted);
    static const char *const end_keys[] = { "numDeletedFiles", "numVacuumedDirectories" };
    int64_t end_vals[] = { n_deleted, w->n_dirs };
    st_buf_clear(&m);
    if (rc == ST_OK)
        rc = metrics_json(&m, end_keys, end_vals, 2, err);
    if (rc == ST_OK)
        rc = empty_commit(s->table, "VACUUM END", "{\"status\":\"COMPLETED\"}",
                          (const char *)m.data, err);
    st_buf_destroy(&m);
    return rc;
}

st_status delta_vacuum(const char *table, const delta_vacuum_options *opt, st_arena *a,
                       char ***paths, int64_t *n_paths, st_error *err)
{
    *paths = NULL;
    *n_paths = 0;
    delta_vacuum_options dflt = { .retain_hours = -1, .check_retention = true };
    if (!opt)
        opt = &dflt;
    delta_snapshot *s = NULL;
    st_status rc = delta_snapshot_load(table, NULL, &s, err);
    if (rc != ST_OK)
        return rc;
    int64_t default_ms = delta_config_interval_ms(&s->meta, "delta.deletedFileRetentionDuration",
                                                  DELTA_TOMBSTONE_RETENTION_DEFAULT_MS);
    int64_t retention_ms = default_ms;
    rc = vac_retention(s, opt, default_ms, &retention_ms, err);
    int64_t now = opt->now_ms ? opt->now_ms : delta_now_ms();
    st_arena *tmp = st_arena_new(0);
    str_set valid = { 0 };
    vac_walk w = { .s = s, .valid = &valid, .tmp = tmp };
    if (rc == ST_OK && !tmp)
        rc = nomem(err);
    if (rc == ST_OK) {
        w.cutoff_ms = now - retention_ms;
        rc = vac_valid(s, w.cutoff_ms, tmp, &valid, err);
    }
    if (rc == ST_OK)
        rc = vac_walk_dir(&w, s->table, 0, err);
    if (rc == ST_OK) {
        set_sort(&w.files);
        *paths = st_arena_calloc(a, w.files.n + 1, sizeof(char *));
        for (size_t i = 0; *paths && i < w.files.n; i++)
            if (!((*paths)[i] = st_arena_strdup(a, w.files.v[i])))
                *paths = NULL;
        if (*paths)
            *n_paths = (int64_t)w.files.n;
        else
            rc = nomem(err);
    }
    if (rc == ST_OK && !opt->dry_run)
        rc = vac_commits(s, opt, default_ms, retention_ms, &w, err);
    set_destroy(&w.files);
    set_destroy(&w.dirs);
    set_destroy(&valid);
    st_arena_free(tmp);
    delta_snapshot_free(s);
    return rc;
}

/* ---- RESTORE ----------------------------------------------------------------- */

typedef struct file_key {
    const char       *key;     /* resolved path + DV id (arena) */
    const delta_file *f;       /* borrowed: its snapshot */
} file_key;

static int cmp_file_key(const void *a, const void *b)
{
    return strcmp(((const file_key *)a)->key, ((const file_key *)b)->key);
}

/* Keys (path, deletion vector id) of the live files of s, sorted; heap. */
static st_status restore_keys(const delta_snapshot *s, st_arena *a, file_key **out,
                              st_error *err)
{
    *out = st_calloc(s->n_files + 1, sizeof **out);
    if (!*out)
        return nomem(err);
    for (size_t i = 0; i < s->n_files; i++) {
        const delta_file *f = &s->files[i];
        const char *p = delta_resolve_path(s->table, f->path, a);
        const char *k = !p ? NULL : !f->has_dv ? p
            : st_arena_printf(a, "%s\x01%c%s@%d", p, f->dv.storage_type,
                              f->dv.path_or_inline_dv ? f->dv.path_or_inline_dv : "",
                              f->dv.has_offset ? (int)f->dv.offset : -1);
        if (!k)
            return nomem(err);
        (*out)[i] = (file_key){ .key = k, .f = f };
    }
    if (s->n_files > 1)
        qsort(*out, s->n_files, sizeof **out, cmp_file_key);
    return ST_OK;
}

/* A file RESTORE re-adds (and its DV file) must still exist. */
static st_status restore_check_file(const delta_snapshot *old, const delta_file *f, st_arena *a,
                                    st_error *err)
{
    char *p = delta_resolve_path(old->table, f->path, a);
    st_status rc = p ? ST_OK : nomem(err);
    if (rc == ST_OK && !store_exists(p))
        rc = st_error_set(err, ST_ERR_NOTFOUND, "cannot restore table \"%s\" to version %" PRId64
                          ": data file \"%s\" no longer exists", old->table, old->version, p);
    if (rc == ST_OK && f->has_dv && f->dv.storage_type != 'i') {
        rc = delta_dv_file_path(old->table, &f->dv, a, &p, err);
        if (rc == ST_OK && !store_exists(p))
            rc = st_error_set(err, ST_ERR_NOTFOUND, "cannot restore table \"%s\" to version %"
                              PRId64 ": deletion vector file \"%s\" no longer exists",
                              old->table, old->version, p);
    }
    if (rc == ST_ERR_NOTFOUND)
        st_error_hint(err, "It was probably deleted by VACUUM; restore a newer version.");
    return rc;
}

static bool str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool meta_same(const delta_metadata *a, const delta_metadata *b)
{
    if (!str_eq(a->schema_string, b->schema_string) || !str_eq(a->name, b->name) ||
        !str_eq(a->description, b->description) || a->n_config != b->n_config ||
        a->n_partition_cols != b->n_partition_cols)
        return false;
    for (int i = 0; i < a->n_partition_cols; i++)
        if (!str_eq(a->partition_cols[i], b->partition_cols[i]))
            return false;
    for (int i = 0; i < a->n_config; i++)
        if (!str_eq(delta_config_get(b, a->config_keys[i]), a->config_values[i]))
            return false;
    return true;
}

/* Puts the target version's metadata back when it differs from the current. */
static st_status restore_meta(delta_txn *t, const delta_snapshot *cur, const delta_snapshot *old,
                              st_error *err)
{
    const delta_metadata *m = &old->meta;
    if (meta_same(&cur->meta, m))
        return ST_OK;
    delta_create_options c = {
        .schema = &m->schema,
        .n_partition_cols = m->n_partition_cols,
        .partition_cols = m->partition_cols,
        .n_config = m->n_config,
        .config_keys = m->config_keys,
        .config_values = m->config_values,
        .name = m->name,
        .description = m->description,
    };
    return delta_txn_set_metadata(t, &c, m->field_info, err);
}

/* Removes and re-adds files per the key diff; fills the counts of out. */
static st_status restore_diff(delta_txn *t, const delta_snapshot *cur, const delta_snapshot *old,
                              st_arena *a, delta_restore_result *out, st_error *err)
{
    file_key *ck = NULL, *ok = NULL;
    st_status rc = restore_keys(cur, a, &ck, err);
    if (rc == ST_OK)
        rc = restore_keys(old, a, &ok, err);
    size_t i = 0, j = 0;
    while (rc == ST_OK && (i < cur->n_files || j < old->n_files)) {
        int c = i == cur->n_files ? 1 : j == old->n_files ? -1 : strcmp(ck[i].key, ok[j].key);
        if (c == 0) {
            i++;
            j++;
        } else if (c < 0) {                         /* live now, absent then */
            rc = delta_txn_remove(t, ck[i].f, err);
            out->num_removed_files++;
            out->removed_files_size += ck[i].f->size;
            i++;
        } else {                                    /* live then, absent now */
            rc = restore_check_file(old, ok[j].f, a, err);
            if (rc == ST_OK)
                rc = delta_txn_add_file(t, ok[j].f, err);
            out->num_restored_files++;
            out->restored_files_size += ok[j].f->size;
            j++;
        }
    }
    st_free(ck);
    st_free(ok);
    return rc;
}

/* operationParameters {version, timestamp} as Delta records them. */
static void restore_params(const delta_read_options *to, int64_t version, char *buf, size_t n)
{
    if (to->has_timestamp && !to->has_version) {
        char ts[64];
        st_format_timestamp(ts, sizeof ts, to->timestamp_ms * 1000, false, false);
        snprintf(buf, n, "{\"version\":null,\"timestamp\":\"%s\"}", ts);
    } else {
        snprintf(buf, n, "{\"version\":%" PRId64 ",\"timestamp\":null}", version);
    }
}

static st_status restore_commit(delta_txn *t, const delta_read_options *to,
                                const delta_snapshot *old, delta_restore_result *out,
                                st_error *err)
{
    static const char *const keys[] = { "numRestoredFiles", "removedFilesSize", "numRemovedFiles",
                                        "restoredFilesSize", "numOfFilesAfterRestore",
                                        "tableSizeAfterRestore" };
    int64_t vals[] = { out->num_restored_files, out->removed_files_size, out->num_removed_files,
                       out->restored_files_size, out->num_files_after, out->table_size_after };
    st_buf m;
    st_buf_init(&m);
    st_status rc = metrics_json(&m, keys, vals, 6, err);
    if (rc == ST_OK)
        rc = delta_txn_set_metrics(t, (const char *)m.data, err);
    st_buf_destroy(&m);
    if (rc != ST_OK) {
        delta_txn_abort(t);
        return rc;
    }
    char params[160];
    restore_params(to, old->version, params, sizeof params);
    return delta_txn_commit(t, "RESTORE", params, &out->version, err);
}

st_status delta_restore(const char *table, const delta_read_options *to,
                        delta_restore_result *out, st_error *err)
{
    memset(out, 0, sizeof *out);
    out->version = -1;
    if (!to || (!to->has_version && !to->has_timestamp))
        return st_error_set(err, ST_ERR_ARGUMENT, "cannot restore table \"%s\": no version or "
                            "timestamp to restore to", table);
    delta_txn *t = NULL;
    st_status rc = delta_txn_begin(table, NULL, &t, err);
    if (rc != ST_OK)
        return rc;
    const delta_snapshot *cur = delta_txn_snapshot(t);
    delta_snapshot *old = NULL;
    st_arena *a = st_arena_new(0);
    rc = a ? delta_snapshot_load(cur->table, to, &old, err) : nomem(err);
    if (rc == ST_OK) {
        out->num_files_after = (int64_t)old->n_files;
        for (size_t i = 0; i < old->n_files; i++)
            out->table_size_after += old->files[i].size;
        if (old->version == cur->version) {         /* nothing to change */
            out->version = cur->version;
            delta_txn_abort(t);
            delta_snapshot_free(old);
            st_arena_free(a);
            return ST_OK;
        }
        rc = restore_diff(t, cur, old, a, out, err);
    }
    if (rc == ST_OK)
        rc = restore_meta(t, cur, old, err);
    if (rc == ST_OK)
        rc = restore_commit(t, to, old, out, err);   /* frees t */
    else
        delta_txn_abort(t);
    delta_snapshot_free(old);
    st_arena_free(a);
    return rc;
}

/* ---- OPTIMIZE: output files ------------------------------------------------------ */

typedef struct opt_ctx {
    delta_txn            *t;
    const delta_snapshot *s;          /* borrowed: t's snapshot */
    const delta_optimize_options *opt;
    st_arena             *arena;      /* owned: paths, schemas, added file records */
    vec_schema            data_schema;/* columns stored in data files (arena) */
    int                  *data_col;   /* logical column of each data field (arena) */
    vec                 **view_cols;  /* scratch column array for views (arena) */
    int                   n_indexed;  /* delta.dataSkippingNumIndexedCols */
    int64_t               target;     /* bytes per output file */
    int                   file_seq;   /* part-NNNNN counter */
    str_set               written;    /* local paths of finished output files (arena) */
    int64_t              *sizes;      /* heap; size of every added file */
    size_t                n_sizes, cap_sizes;
    delta_optimize_result *res;       /* borrowed: counts accumulate here */
    int64_t               n_dv_removed;    /* deletion vectors of removed files */
    int64_t               dv_rows_removed; /* rows they deleted */
    int64_t               dv_bytes_removed;/* their sizeInBytes */
} opt_ctx;

typedef struct opt_out {
    pq_writer        *w;              /* owned; NULL when no file is open */
    delta_stats_acc  *stats;          /* owned */
    const char       *rel;            /* arena: path relative to the table, not encoded */
    const char       *local;          /* arena */
    const delta_file *like;           /* borrowed: snapshot file giving the partition values */
    int64_t           n_rows;
} opt_out;

/* Hive folder "k=v/..." of the partition values of f (NUL-terminated); under
** column mapping k is the physical name, as Spark writes it. */
static st_status opt_folder(const opt_ctx *c, const delta_file *f, st_buf *b, st_error *err)
{
    const delta_metadata *m = &c->s->meta;
    st_status rc = ST_OK;
    for (int k = 0; k < m->n_partition_cols && rc == ST_OK; k++) {
        const char *v = f->partition_values ? f->partition_values[k] : NULL;
        const char *key = m->partition_cols[k];
        int pf = m->partition_field[k];
        if (m->column_mapping != 0 && m->field_info && pf >= 0 && m->field_info[pf].physical_name)
            key = m->field_info[pf].physical_name;
        rc = delta_escape_partition(key, b, err);
        if (rc == ST_OK)
            rc = st_buf_append_byte(b, '=', err);
        if (rc == ST_OK)
            rc = v && v[0] ? delta_escape_partition(v, b, err)
                           : st_buf_append_str(b, MAINT_HIVE_NULL, err);
        if (rc == ST_OK)
            rc = st_buf_append_byte(b, '/', err);
    }
    return rc == ST_OK ? st_buf_append_byte(b, '\0', err) : rc;
}

static st_status opt_out_open(opt_ctx *c, const delta_file *like, opt_out *o, st_error *err)
{
    *o = (opt_out){ .like = like };
    st_buf folder;
    st_buf_init(&folder);
    st_status rc = opt_folder(c, like, &folder, err);
    char uuid[37];
    delta_uuid(uuid);
    const char *fd = (const char *)folder.data;
    if (rc == ST_OK) {
        o->rel = st_arena_printf(c->arena, "%spart-%05d-%s-c000.snappy.parquet", fd,
                                 c->file_seq++, uuid);
        o->local = o->rel ? st_arena_printf(c->arena, "%s/%s", c->s->table, o->rel) : NULL;
        const char *dir = st_arena_printf(c->arena, "%s/%s", c->s->table, fd);
        rc = o->local && dir ? store_mkdirs(dir, err) : nomem(err);
    }
    st_buf_destroy(&folder);
    if (rc == ST_OK && !(o->stats = delta_stats_new(&c->data_schema, c->n_indexed)))
        rc = nomem(err);
    pq_write_options wo = { .codec = PQ_CODEC_SNAPPY, .row_group_rows = MAINT_ROW_GROUP_ROWS };
    if (rc == ST_OK)
        rc = pq_writer_open(o->local, &c->data_schema, &wo, &o->w, err);
    if (rc != ST_OK) {
        delta_stats_free(o->stats);
        *o = (opt_out){ 0 };
    }
    return rc;
}

static void opt_out_abort(opt_out *o)
{
    if (o->w)
        pq_writer_abort(o->w);
    delta_stats_free(o->stats);
    *o = (opt_out){ 0 };
}

/* Appends a batch laid out as the data schema. */
static st_status opt_out_write(opt_ctx *c, opt_out *o, const vec_batch *db, st_error *err)
{
    st_status rc = pq_writer_write(o->w, db, err);
    if (rc == ST_OK)
        rc = delta_stats_update(o->stats, db, err);
    if (rc != ST_OK)
        return st_error_context(err, "writing data file \"%s\"", o->local);
    o->n_rows += db->n_rows;
    return ST_OK;
}

/* Appends a scan batch (logical columns) through a view of its data columns. */
static st_status opt_out_write_logical(opt_ctx *c, opt_out *o, const vec_batch *b,
                                       st_error *err)
{
    for (int d = 0; d < c->data_schema.n_fields; d++)
        c->view_cols[d] = b->cols[c->data_col[d]];
    vec_batch view = { .schema = &c->data_schema, .n_rows = b->n_rows,
                       .n_cols = c->data_schema.n_fields, .cols = c->view_cols,
                       .arena = b->arena };
    return opt_out_write(c, o, &view, err);
}

static st_status push_size(opt_ctx *c, int64_t size, st_error *err)
{
    if (c->n_sizes == c->cap_sizes) {
        int64_t *p = delta_grow(c->sizes, &c->cap_sizes, sizeof *p, 16);
        if (!p)
            return nomem(err);
        c->sizes = p;
    }
    c->sizes[c->n_sizes++] = size;
    return ST_OK;
}

/* Closes the file (footer, fsync), records it for cleanup and adds it to the
** transaction with its stats. A file with no rows is discarded. */
static st_status opt_out_finish(opt_ctx *c, opt_out *o, st_error *err)
{
    if (o->n_rows == 0) {
        opt_out_abort(o);
        return ST_OK;
    }
    pq_writer *w = o->w;
    o->w = NULL;
    st_status rc = pq_writer_close(w, NULL, err);
    if (rc == ST_OK)
        rc = set_add(&c->written, (char *)o->local, err);
    if (rc != ST_OK)
        store_remove(o->local, NULL);
    delta_file f = { .partition_values = o->like->partition_values };
    if (rc == ST_OK)
        rc = store_sync_file(o->local, err);
    if (rc == ST_OK)
        rc = store_stat(o->local, &f.modification_time, &f.size, err);
    st_buf b;
    st_buf_init(&b);
    if (rc == ST_OK)
        rc = delta_stats_finish(o->stats, &b, err);
    if (rc == ST_OK)
        rc = st_buf_append_byte(&b, '\0', err);
    if (rc == ST_OK) {
        f.stats = st_arena_strdup(c->arena, (const char *)b.data);
        st_buf_clear(&b);
        rc = delta_uri_encode_path(o->rel, &b, err);
    }
    if (rc == ST_OK)
        rc = st_buf_append_byte(&b, '\0', err);
    if (rc == ST_OK)
        rc = (f.path = st_arena_strdup(c->arena, (const char *)b.data)) && f.stats
            ? delta_txn_add_file(c->t, &f, err) : nomem(err);
    st_buf_destroy(&b);
    if (rc == ST_OK)
        rc = push_size(c, f.size, err);
    if (rc == ST_OK) {
        c->res->num_files_added++;
        c->res->num_bytes_added += f.size;
    }
    delta_stats_free(o->stats);
    *o = (opt_out){ 0 };
    return rc;
}

/* Records the removal of the input files of a rewritten bin. */
static st_status opt_remove_inputs(opt_ctx *c, const size_t *files, size_t n, st_error *err)
{
    st_status rc = ST_OK;
    for (size_t i = 0; i < n && rc == ST_OK; i++) {
        const delta_file *f = &c->s->files[files[i]];
        rc = delta_txn_remove(c->t, f, err);
        c->res->num_files_removed++;
        c->res->num_bytes_removed += f->size;
        if (f->has_dv) {
            c->n_dv_removed++;
            c->dv_rows_removed += f->dv.cardinality;
            c->dv_bytes_removed += f->dv.size_in_bytes;
        }
    }
    return rc;
}

/* ---- OPTIMIZE: bin-packing -------------------------------------------------------- */

/* Rewrites the files of one bin (same partition) into one new file. */
static st_status opt_bin(opt_ctx *c, const size_t *files, size_t n, st_error *err)
{
    opt_out o;
    st_status rc = opt_out_open(c, &c->s->files[files[0]], &o, err);
    if (rc != ST_OK)
        return rc;
    delta_scan_options so = { .files = files, .n_files = n };
    delta_scan *sc = NULL;
    rc = delta_scan_open(c->s, &so, &sc, err);
    while (rc == ST_OK) {
        vec_batch *b = NULL;
        rc = delta_scan_next(sc, &b, err);
        if (rc != ST_OK || !b)
            break;
        rc = opt_out_write_logical(c, &o, b, err);
        vec_batch_free(b);
    }
    delta_scan_close(sc);
    if (rc == ST_OK)
        rc = opt_out_finish(c, &o, err);
    else
        opt_out_abort(&o);
    return rc == ST_OK ? opt_remove_inputs(c, files, n, err) : rc;
}

/* Whether f's deletion vector hides enough rows to compact it whatever
** its size (Delta: more than 5% of its rows, or no numRecords stats). */
static bool opt_dv_heavy(const delta_file *f)
{
    if (!f->has_dv)
        return false;
    int64_t n = delta_file_num_records(f);
    return n <= 0 || (double)f->dv.cardinality > MAINT_DV_RATIO * (double)n;
}

/* Delta's bin-packing of one partition (files[] sorted by size): candidates
** are files smaller than the target or with many deleted rows; they fill
** bins greedily up to the target; bins of a single file are left alone. */
static st_status opt_binpack(opt_ctx *c, const size_t *files, size_t n, bool *optimized,
                             st_error *err)
{
    *optimized = false;
    size_t *cand = st_calloc(n + 1, sizeof *cand);
    if (!cand)
        return nomem(err);
    size_t n_cand = 0;
    for (size_t i = 0; i < n; i++) {
        const delta_file *f = &c->s->files[files[i]];
        if (f->size < c->target || opt_dv_heavy(f))
            cand[n_cand++] = files[i];
    }
    st_status rc = ST_OK;
    size_t start = 0;
    int64_t bytes = 0;
    for (size_t i = 0; i <= n_cand && rc == ST_OK; i++) {
        int64_t size = i < n_cand ? c->s->files[cand[i]].size : 0;
        if (i == n_cand || (i > start && bytes + size > c->target)) {
            if (i - start > 1) {
                rc = opt_bin(c, cand + start, i - start, err);
                *optimized = true;
            }
            start = i;
            bytes = 0;
        }
        bytes += size;
    }
    st_free(cand);
    return rc;
}

/* ---- OPTIMIZE: ZORDER BY ------------------------------------------------------------ */

/* Copies rows refs[0..n) into a new batch on the data schema. */
static st_status opt_gather(opt_ctx *c, vec_batch *const *batches, const delta_row_ref *refs,
                            int64_t n, vec_batch **out, st_error *err)
{
    *out = NULL;
    int nd = c->data_schema.n_fields;
    vec_batch *db = vec_batch_new(&c->data_schema, nd, 0);
    if (!db)
        return nomem(err);
    st_status rc = ST_OK;
    for (int d = 0; d < nd && rc == ST_OK; d++) {
        vec_builder *vb = vec_builder_new(&c->data_schema.fields[d].type);
        if (!vb) {
            rc = nomem(err);
            break;
        }
        for (int64_t i = 0; i < n && rc == ST_OK; i++)
            rc = delta_append_row(vb, batches[refs[i].batch]->cols[c->data_col[d]], refs[i].row,
                                  err);
        if (rc == ST_OK)
            rc = vec_builder_finish(vb, db->arena, &db->cols[d], err);
        vec_builder_free(vb);
    }
    db->n_rows = n;
    if (rc != ST_OK) {
        vec_batch_free(db);
        return rc;
    }
    *out = db;
    return ST_OK;
}

/* Writes rows in z-order into files of rows_per_file rows. */
static st_status opt_write_sorted(opt_ctx *c, const delta_file *like, vec_batch *const *batches,
                                  const delta_row_ref *refs, int64_t n, int64_t rows_per_file,
                                  st_error *err)
{
    opt_out o = { 0 };
    st_status rc = ST_OK;
    for (int64_t at = 0; at < n && rc == ST_OK;) {
        if (!o.w)
            rc = opt_out_open(c, like, &o, err);
        int64_t m = ST_MIN(ST_MIN((int64_t)MAINT_ZORDER_CHUNK_ROWS, n - at),
                           rows_per_file - o.n_rows);
        vec_batch *db = NULL;
        if (rc == ST_OK)
            rc = opt_gather(c, batches, refs + at, m, &db, err);
        if (rc == ST_OK)
            rc = opt_out_write(c, &o, db, err);
        vec_batch_free(db);
        at += m;
        if (rc == ST_OK && (o.n_rows >= rows_per_file || at == n))
            rc = opt_out_finish(c, &o, err);
    }
    if (o.w)
        opt_out_abort(&o);
    return rc;
}

/* Reads every file of one partition, sorts the rows along the Z-order curve
** of zcols (logical column indices) and rewrites them. */
static st_status opt_zorder(opt_ctx *c, const size_t *files, size_t n, const int *zcols,
                            int n_z, st_error *err)
{
    vec_batch **batches = NULL;
    size_t nb = 0, cap = 0;
    int64_t in_bytes = 0;
    for (size_t i = 0; i < n; i++)
        in_bytes += c->s->files[files[i]].size;
    delta_scan_options so = { .files = files, .n_files = n };
    delta_scan *sc = NULL;
    st_status rc = delta_scan_open(c->s, &so, &sc, err);
    while (rc == ST_OK) {
        vec_batch *b = NULL;
        rc = delta_scan_next(sc, &b, err);
        if (rc != ST_OK || !b)
            break;
        if (nb == cap) {
            vec_batch **p = delta_grow(batches, &cap, sizeof *p, 16);
            if (!p) {
                vec_batch_free(b);
                rc = nomem(err);
                break;
            }
            batches = p;
        }
        batches[nb++] = b;
    }
    delta_row_ref *refs = NULL;
    int64_t n_rows = 0;
    if (rc == ST_OK)
        rc = delta_zorder_sort(batches, nb, zcols, n_z, &refs, &n_rows, err);
    if (rc == ST_OK && n_rows > 0) {
        /* Rows per file from the input's bytes per row: files of about target. */
        int64_t per = in_bytes <= c->target ? n_rows
            : (int64_t)((__int128)n_rows * c->target / in_bytes);
        rc = opt_write_sorted(c, &c->s->files[files[0]], batches, refs, n_rows, ST_MAX(per, 1),
                              err);
    }
    if (rc == ST_OK)
        rc = opt_remove_inputs(c, files, n, err);
    st_free(refs);
    for (size_t i = 0; i < nb; i++)
        vec_batch_free(batches[i]);
    st_free(batches);
    delta_scan_close(sc);           /* last: the batches' types live in the scan */
    return rc;
}

/* Resolves ZORDER BY names to logical columns (data columns of a z-orderable
** type only); *out is arena-allocated. */
static st_status opt_zorder_cols(opt_ctx *c, int **out, st_error *err)
{
    const delta_optimize_options *o = c->opt;
    const delta_metadata *m = &c->s->meta;
    *out = st_arena_calloc(c->arena, (size_t)o->n_zorder + 1, sizeof **out);
    if (!*out)
        return nomem(err);
    for (int z = 0; z < o->n_zorder; z++) {
        int f = -1;
        for (int i = 0; i < m->schema.n_fields && f < 0; i++)
            if (strcasecmp(m->schema.fields[i].name, o->zorder_cols[z]) == 0)
                f = i;
        if (f < 0)
            return st_error_set(err, ST_ERR_ARGUMENT, "column \"%s\" of ZORDER BY is not in "
                                "table \"%s\"", o->zorder_cols[z], c->s->table);
        for (int k = 0; k < m->n_partition_cols; k++)
            if (m->partition_field[k] == f) {
                st_error_set(err, ST_ERR_ARGUMENT, "cannot z-order table \"%s\" by partition "
                             "column \"%s\"", c->s->table, o->zorder_cols[z]);
                return st_error_hint(err, "Z-ordering can only be performed on data columns.");
            }
        if (!delta_zorder_type_ok(&m->schema.fields[f].type))
            return st_error_set(err, ST_ERR_UNSUPPORTED, "cannot z-order table \"%s\" by column "
                                "\"%s\" of a nested type", c->s->table, o->zorder_cols[z]);
        (*out)[z] = f;
    }
    if (o->n_zorder > DELTA_ZORDER_MAX_COLS)
        return st_error_set(err, ST_ERR_ARGUMENT, "cannot z-order table \"%s\" by %d columns (at "
                            "most %d)", c->s->table, o->n_zorder, DELTA_ZORDER_MAX_COLS);
    return ST_OK;
}

/* ---- OPTIMIZE: driver ---------------------------------------------------------------- */

static int cmp_partition(const delta_file *a, const delta_file *b, int n_part)
{
    for (int k = 0; k < n_part; k++) {
        const char *x = a->partition_values ? a->partition_values[k] : NULL;
        const char *y = b->partition_values ? b->partition_values[k] : NULL;
        if (!x || !y) {
            if (x != y)
                return x ? 1 : -1;
            continue;
        }
        int c = strcmp(x, y);
        if (c != 0)
            return c;
    }
    return 0;
}

static int cmp_file_idx(const void *x, const void *y, void *ud)
{
    const delta_snapshot *s = ud;
    const delta_file *a = &s->files[*(const size_t *)x], *b = &s->files[*(const size_t *)y];
    int c = cmp_partition(a, b, s->meta.n_partition_cols);
    if (c != 0)
        return c;
    if (a->size != b->size)
        return a->size < b->size ? -1 : 1;
    return strcmp(a->path, b->path);
}

/* Data schema (table schema minus partition columns; physical names under
** column mapping) and config. */
static st_status opt_setup(opt_ctx *c, st_error *err)
{
    const delta_metadata *m = &c->s->meta;
    int nf = m->schema.n_fields;
    c->data_schema.fields = st_arena_calloc(c->arena, (size_t)nf + 1, sizeof(vec_field));
    c->data_col = st_arena_calloc(c->arena, (size_t)nf + 1, sizeof(int));
    c->view_cols = st_arena_calloc(c->arena, (size_t)nf + 1, sizeof(vec *));
    if (!c->data_schema.fields || !c->data_col || !c->view_cols)
        return nomem(err);
    for (int f = 0; f < nf; f++) {
        bool is_part = false;
        for (int k = 0; k < m->n_partition_cols; k++)
            is_part |= m->partition_field[k] == f;
        if (is_part)
            continue;
        c->data_col[c->data_schema.n_fields] = f;
        vec_field *df = &c->data_schema.fields[c->data_schema.n_fields++];
        const delta_field_info *fi =
            m->column_mapping != 0 && m->field_info ? &m->field_info[f] : NULL;
        st_status rc = delta_physical_field(c->arena, &m->schema.fields[f], fi, df, err);
        if (rc != ST_OK)
            return rc;
    }
    const char *v = delta_config_get(m, "delta.dataSkippingNumIndexedCols");
    c->n_indexed = v ? atoi(v) : DELTA_STATS_DEFAULT_INDEXED_COLS;
    v = delta_config_get(m, "delta.targetFileSize");
    c->target = c->opt->target_size > 0 ? c->opt->target_size
              : v && atoll(v) > 0 ? atoll(v) : MAINT_DEFAULT_TARGET_SIZE;
    return ST_OK;
}

/* Selected files (keep()), sorted by partition, size, path; heap. */
static st_status opt_select(opt_ctx *c, size_t **out, size_t *n_out, st_error *err)
{
    const delta_snapshot *s = c->s;
    *n_out = 0;
    *out = st_calloc(s->n_files + 1, sizeof **out);
    if (!*out)
        return nomem(err);
    for (size_t i = 0; i < s->n_files; i++)
        if (!c->opt->keep || c->opt->keep(c->opt->ud, s, &s->files[i]))
            (*out)[(*n_out)++] = i;
    if (*n_out > 1)
        qsort_r(*out, *n_out, sizeof **out, cmp_file_idx, (void *)s);
    return ST_OK;
}

static st_status opt_run(opt_ctx *c, const int *zcols, st_error *err)
{
    size_t *sel = NULL, n_sel = 0;
    st_status rc = opt_select(c, &sel, &n_sel, err);
    c->res->total_considered_files = (int64_t)n_sel;
    int n_part = c->s->meta.n_partition_cols;
    for (size_t start = 0, end; rc == ST_OK && start < n_sel; start = end) {
        end = start + 1;
        while (end < n_sel && cmp_partition(&c->s->files[sel[start]], &c->s->files[sel[end]],
                                            n_part) == 0)
            end++;
        bool optimized = true;
        if (c->opt->n_zorder > 0)
            rc = opt_zorder(c, sel + start, end - start, zcols, c->opt->n_zorder, err);
        else
            rc = opt_binpack(c, sel + start, end - start, &optimized, err);
        c->res->partitions_optimized += optimized;
    }
    st_free(sel);
    return rc;
}

static int cmp_i64_asc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* operationMetrics of the commit (Delta's DeltaOperationMetrics.OPTIMIZE):
** file size percentiles are of the added files. */
static st_status opt_metrics(opt_ctx *c, st_buf *b, st_error *err)
{
    if (c->n_sizes > 1)
        qsort(c->sizes, c->n_sizes, sizeof *c->sizes, cmp_i64_asc);
    int64_t pct[5] = { 0 };
    for (int p = 0; p < 5 && c->n_sizes > 0; p++)
        pct[p] = c->sizes[(c->n_sizes - 1) * (size_t)p / 4];
    static const char *const keys[] = { "numRemovedFiles", "numRemovedBytes", "p25FileSize",
                                        "numDeletionVectorsRemoved", "minFileSize",
                                        "numAddedFiles", "maxFileSize", "p75FileSize",
                                        "p50FileSize", "numAddedBytes",
                                        "numDeletionVectorRowsRemoved",
                                        "numDeletionVectorBytesRemoved" };
    const delta_optimize_result *r = c->res;
    int64_t vals[] = { r->num_files_removed, r->num_bytes_removed, pct[1], c->n_dv_removed,
                       pct[0], r->num_files_added, pct[4], pct[3], pct[2], r->num_bytes_added,
                       c->dv_rows_removed, c->dv_bytes_removed };
    return metrics_json(b, keys, vals, (int)ST_ARRAY_LEN(keys), err);
}

/* operationParameters: predicate and zOrderBy are JSON arrays carried as
** strings, auto a boolean (DeltaOperations.Optimize). */
static st_status opt_params(const delta_optimize_options *o, st_buf *b, st_error *err)
{
    st_status rc = st_buf_append_str(b, "{\"predicate\":", err);
    if (rc == ST_OK)
        rc = delta_json_string_array(b, &o->predicate, o->predicate ? 1 : 0, err);
    if (rc == ST_OK)
        rc = st_buf_append_str(b, ",\"zOrderBy\":", err);
    if (rc == ST_OK)
        rc = delta_json_string_array(b, o->zorder_cols, o->n_zorder, err);
    if (rc == ST_OK)
        rc = st_buf_append_str(b, ",\"auto\":false}", err);
    return rc == ST_OK ? st_buf_append_byte(b, '\0', err) : rc;
}

/* Deletes the files OPTIMIZE wrote (any failure before the commit is in). */
static void opt_delete_written(opt_ctx *c)
{
    for (size_t i = 0; i < c->written.n; i++)
        store_remove(c->written.v[i], NULL);
}

static st_status opt_commit(opt_ctx *c, st_error *err)
{
    st_buf m, p;
    st_buf_init(&m);
    st_buf_init(&p);
    st_status rc = opt_metrics(c, &m, err);
    if (rc == ST_OK)
        rc = opt_params(c->opt, &p, err);
    if (rc == ST_OK)
        rc = delta_txn_set_metrics(c->t, (const char *)m.data, err);
    delta_txn_set_data_change(c->t, false);
    if (rc == ST_OK) {
        rc = delta_txn_commit(c->t, "OPTIMIZE", (const char *)p.data, &c->res->version, err);
        c->t = NULL;                   /* freed by the commit either way */
    }
    st_buf_destroy(&m);
    st_buf_destroy(&p);
    return rc;
}

st_status delta_optimize(const char *table, const delta_optimize_options *opt,
                         delta_optimize_result *out, st_error *err)
{
    memset(out, 0, sizeof *out);
    out->version = -1;
    delta_optimize_options none = { 0 };
    opt_ctx c = { .opt = opt ? opt : &none, .res = out };
    st_status rc = delta_txn_begin(table, NULL, &c.t, err);
    if (rc != ST_OK)
        return rc;
    c.s = delta_txn_snapshot(c.t);
    c.arena = st_arena_new(0);
    int *zcols = NULL;
    rc = c.arena ? opt_setup(&c, err) : nomem(err);
    if (rc == ST_OK && c.opt->n_zorder > 0)
        rc = opt_zorder_cols(&c, &zcols, err);
    if (rc == ST_OK)
        rc = opt_run(&c, zcols, err);
    bool work = out->num_files_removed > 0;
    if (rc == ST_OK && work)
        rc = opt_commit(&c, err);
    if (c.t)
        delta_txn_abort(c.t);
    if (rc != ST_OK) {
        opt_delete_written(&c);
        out->version = -1;
    }
    set_destroy(&c.written);
    st_free(c.sizes);
    st_arena_free(c.arena);
    return rc;
}
