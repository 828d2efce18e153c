/* delta_log.c -- loads a Delta table snapshot by log replay (PROTOCOL.md
** "Action Reconciliation", "Checkpoints", "Time Travel"), lists a table's
** history and resolves log paths.
**
** Loading: list _delta_log (the listing is authoritative; _last_checkpoint
** is only an optimisation for stores that cannot list cheaply, so a missing,
** stale or corrupt one changes nothing here), pick the target version (the
** latest, a given version, or the latest committed at or before a
** timestamp), pick the newest complete checkpoint at or below it (falling
** back to older ones, then to commit 0, if a checkpoint cannot be read),
** and replay the commits after it, which must be contiguous. Log compaction
** files, .crc files, AppleDouble "._*" and other unknown names are ignored.
** The reconciled state is then checked (protocol and metaData present,
** reader version and features supported, schema parseable) and copied into
** an immutable delta_snapshot that owns one arena.
**
** Commit timestamps: commitInfo.inCommitTimestamp when the table enables
** in-commit timestamps (for time travel: when the commit carries one), else
** the commit file's modification time. Tombstones are every remove action
** left in the reconciled state (a checkpoint holds only unexpired ones);
** dropping those older than delta.deletedFileRetentionDuration is left to
** the checkpoint writer, which knows the wall clock -- file modification
** times of a copied table say nothing about when files were deleted. */
#include "delta_log_int.h"

#include "../store/store.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

static const char *const READER_FEATURES[] = {
    "columnMapping", "deletionVectors", "timestampNtz", "v2Checkpoint",
    "vacuumProtocolCheck", "typeWidening", "typeWidening-preview", NULL,
};
/* Writer features strata honours when writing (others make writes refuse):
** checkConstraints, generatedColumns, allowColumnDefaults and identityColumns
** hold SQL the statement executor enforces (it refuses writes to identity
** columns); deletionVectors are read and written (merge-on-read DML);
** clustering needs only the delta.clustering domain the executor keeps;
** typeWidening: new files get the current (wide) types, scans widen old
** ones. changeDataFeed is known, but writes with it enabled are refused
** (no change-data files are written). */
static const char *const WRITER_FEATURES[] = {
    "appendOnly", "invariants", "timestampNtz", "domainMetadata", "columnMapping",
    "deletionVectors", "checkConstraints", "generatedColumns", "identityColumns",
    "changeDataFeed", "allowColumnDefaults", "clustering", "typeWidening",
    "typeWidening-preview", NULL,
};

const char *const *delta_supported_reader_features(void) { return READER_FEATURES; }
const char *const *delta_supported_writer_features(void) { return WRITER_FEATURES; }

const char *delta_config_get(const delta_metadata *m, const char *key)
{
    if (!m)
        return NULL;
    for (int i = 0; i < m->n_config; i++)
        if (strcmp(m->config_keys[i], key) == 0)
            return m->config_values[i];
    return NULL;
}

/* ---- paths --------------------------------------------------------------- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Strips a file: scheme ("file:/x", "file:///x", "file://localhost/x"). */
static const char *strip_file_scheme(const char *p)
{
    if (strncmp(p, "file:", 5) != 0)
        return p;
    p += 5;
    if (strncmp(p, "//", 2) == 0) {
        p += 2;
        if (*p != '/') {                   /* authority: skip it */
            const char *slash = strchr(p, '/');
            p = slash ? slash : p + strlen(p);
        }
    }
    return p;
}

static char *percent_decode(const char *s, st_arena *a)
{
    size_t n = strlen(s);
    char *out = st_arena_alloc(a, n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < n + 1 && (h = hexval((unsigned char)s[i + 1])) >= 0
            && (l = hexval((unsigned char)s[i + 2])) >= 0) {
            *o++ = (char)(h * 16 + l);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

static char *table_root(const char *table, st_arena *a)
{
    char *t = st_arena_strdup(a, strip_file_scheme(table));
    if (!t)
        return NULL;
    size_t n = strlen(t);
    while (n > 1 && t[n - 1] == '/')
        t[--n] = '\0';
    return t;
}

char *delta_resolve_path(const char *table, const char *log_path, st_arena *a)
{
    bool is_uri = strncmp(log_path, "file:", 5) == 0;
    char *dec = percent_decode(is_uri ? strip_file_scheme(log_path) : log_path, a);
    if (!dec)
        return NULL;
    if (dec[0] == '/')
        return dec;
    char *root = table_root(table, a);
    return root ? st_arena_printf(a, "%s/%s", root, dec) : NULL;
}

/* ---- listing ------------------------------------------------------------- */

typedef struct log_part {          /* one multi-part checkpoint file */
    int64_t     version;
    int         part, total;
    const char *name;
} log_part;

typedef struct log_listing {
    const char *log_dir;           /* arena */
    int64_t    *commits;           /* heap; ascending versions with a .json */
    const char **commit_names;     /* heap; parallel */
    int         n_commits;
    delta_ckpt *ckpts;             /* heap; complete checkpoints, ascending version */
    int         n_ckpts;
} log_listing;

static void listing_destroy(log_listing *l)
{
    st_free(l->commits);
    st_free(l->commit_names);
    st_free(l->ckpts);
}

static bool parse_digits(const char *s, int n, int64_t *out)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]) || v > (INT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool is_uuid(const char *s, size_t n)
{
    if (n != 36)
        return false;
    for (size_t i = 0; i < n; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

static int cmp_part(const void *a, const void *b)
{
    const log_part *x = a, *y = b;
    if (x->version != y->version)
        return x->version < y->version ? -1 : 1;
    if (x->total != y->total)
        return x->total - y->total;
    return x->part - y->part;
}

static st_status push_ckpt(log_listing *l, int *cap, const delta_ckpt *ck, st_error *err)
{
    if (l->n_ckpts == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        delta_ckpt *n = st_realloc(l->ckpts, (size_t)*cap * sizeof *n);
        if (!n)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory listing the delta log");
        l->ckpts = n;
    }
    l->ckpts[l->n_ckpts++] = *ck;
    return ST_OK;
}

/* Groups multi-part files into complete sets (incomplete sets ignored). */
static st_status group_parts(log_listing *l, int *cap, log_part *parts, int n, st_arena *a,
                             st_error *err)
{
    qsort(parts, (size_t)n, sizeof *parts, cmp_part);
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && parts[j].version == parts[i].version && parts[j].total == parts[i].total)
            j++;
        bool complete = j - i == parts[i].total;
        for (int k = i; complete && k < j; k++)
            complete = parts[k].part == k - i + 1;
        if (complete) {
            delta_ckpt ck = { parts[i].version, DELTA_CKPT_MULTI, j - i, NULL };
            ck.files = st_arena_calloc(a, (size_t)(j - i), sizeof(char *));
            if (!ck.files)
                return st_error_set(err, ST_ERR_NOMEM, "out of memory listing the delta log");
            for (int k = i; k < j; k++)
                ck.files[k - i] = parts[k].name;
            st_status rc = push_ckpt(l, cap, &ck, err);
            if (rc != ST_OK)
                return rc;
        }
        i = j;
    }
    return ST_OK;
}

static int cmp_ckpt(const void *a, const void *b)
{
    const delta_ckpt *x = a, *y = b;
    return x->version < y->version ? -1 : x->version > y->version;
}

static st_status list_log(const char *root, st_arena *a, log_listing *l, st_error *err)
{
    memset(l, 0, sizeof *l);
    l->log_dir = st_arena_printf(a, "%s/_delta_log", root);
    char **names = NULL;
    int n = 0;
    st_status rc = store_list(l->log_dir, a, &names, &n, err);
    if (rc == ST_ERR_NOTFOUND)
        return st_error_set(err, ST_ERR_NOTFOUND, "table \"%s\" has no _delta_log folder", root);
    if (rc != ST_OK)
        return st_error_context(err, "listing the log of table \"%s\"", root);
    l->commits = st_malloc((size_t)n * sizeof(int64_t) + 1);
    l->commit_names = st_malloc((size_t)n * sizeof(char *) + 1);
    log_part *parts = st_malloc((size_t)n * sizeof(log_part) + 1);
    int n_parts = 0, cap = 0;
    if (!l->commits || !l->commit_names || !parts) {
        st_free(parts);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory listing the delta log");
    }
    for (int i = 0; i < n && rc == ST_OK; i++) {
        const char *s = names[i];
        int64_t v, o, t;
        if (strlen(s) < 25 || !parse_digits(s, 20, &v))
            continue;
        const char *sfx = s + 20;
        size_t sl = strlen(sfx);
        if (strcmp(sfx, ".json") == 0) {
            l->commits[l->n_commits] = v;
            l->commit_names[l->n_commits++] = s;
        } else if (strcmp(sfx, ".checkpoint.parquet") == 0) {
            delta_ckpt ck = { v, DELTA_CKPT_CLASSIC, 1, NULL };
            ck.files = st_arena_calloc(a, 1, sizeof(char *));
            if (!ck.files) {
                rc = st_error_set(err, ST_ERR_NOMEM, "out of memory listing the delta log");
                break;
            }
            ck.files[0] = s;
            rc = push_ckpt(l, &cap, &ck, err);
        } else if (sl == 12 + 10 + 1 + 10 + 8 && strncmp(sfx, ".checkpoint.", 12) == 0
                   && parse_digits(sfx + 12, 10, &o) && sfx[22] == '.'
                   && parse_digits(sfx + 23, 10, &t) && strcmp(sfx + 33, ".parquet") == 0) {
            if (o >= 1 && o <= t && t <= INT32_MAX)
                parts[n_parts++] = (log_part){ v, (int)o, (int)t, s };
        } else if (strncmp(sfx, ".checkpoint.", 12) == 0
                   && ((sl > 17 && strcmp(sfx + sl - 5, ".json") == 0 && is_uuid(sfx + 12, sl - 17))
                       || (sl > 20 && strcmp(sfx + sl - 8, ".parquet") == 0
                           && is_uuid(sfx + 12, sl - 20)))) {
            delta_ckpt ck = { v, DELTA_CKPT_V2, 1, NULL };
            ck.files = st_arena_calloc(a, 1, sizeof(char *));
            if (!ck.files) {
                rc = st_error_set(err, ST_ERR_NOMEM, "out of memory listing the delta log");
                break;
            }
            ck.files[0] = s;
            rc = push_ckpt(l, &cap, &ck, err);
        }
        /* anything else (.crc, compaction files, temp files) is ignored */
    }
    if (rc == ST_OK)
        rc = group_parts(l, &cap, parts, n_parts, a, err);
    st_free(parts);
    if (rc == ST_OK && l->n_ckpts > 1)
        qsort(l->ckpts, (size_t)l->n_ckpts, sizeof *l->ckpts, cmp_ckpt);
    return rc;
}

static int64_t latest_version(const log_listing *l)
{
    int64_t v = -1;
    if (l->n_commits)
        v = l->commits[l->n_commits - 1];
    if (l->n_ckpts && l->ckpts[l->n_ckpts - 1].version > v)
        v = l->ckpts[l->n_ckpts - 1].version;
    return v;
}

/* Earliest version whose state can be rebuilt, -1 if none. */
static int64_t earliest_version(const log_listing *l)
{
    if (l->n_commits && l->commits[0] == 0)
        return 0;
    return l->n_ckpts ? l->ckpts[0].version : -1;
}

static int commit_index(const log_listing *l, int64_t v)
{
    int lo = 0, hi = l->n_commits - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (l->commits[mid] == v)
            return mid;
        if (l->commits[mid] < v)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* ---- commit timestamps --------------------------------------------------- */

/* Commit time of version v: its in-commit timestamp when use_ict and the
** commit has one, else the commit (or checkpoint) file's modification time. */
static st_status version_timestamp(const log_listing *l, int64_t v, bool use_ict, st_arena *a,
                                   int64_t *out, st_error *err)
{
    int ci = commit_index(l, v);
    const char *name = NULL;
    if (ci >= 0) {
        name = l->commit_names[ci];
    } else {
        for (int i = 0; i < l->n_ckpts && !name; i++)
            if (l->ckpts[i].version == v)
                name = l->ckpts[i].files[0];
    }
    if (!name)
        return st_error_set(err, ST_ERR_NOTFOUND, "version %" PRId64 " has no log file", v);
    char *path = st_arena_printf(a, "%s/%s", l->log_dir, name);
    if (use_ict && ci >= 0) {
        uint8_t *data = NULL;
        size_t len = 0;
        st_status rc = store_read(path, &data, &len, err);
        if (rc != ST_OK)
            return rc;
        bool has_ict, has_ts;
        int64_t ict = 0, ts = 0;
        delta_actions_commit_info((const char *)data, len, NULL, &has_ict, &ict, &has_ts, &ts,
                                  NULL, NULL);
        st_free(data);
        if (has_ict) {
            *out = ict;
            return ST_OK;
        }
    }
    int64_t size;
    return store_stat(path, out, &size, err);
}

static void format_ms(char *buf, size_t n, int64_t ms)
{
    int64_t us;
    if (__builtin_mul_overflow(ms, (int64_t)1000, &us))
        us = 0;
    st_format_timestamp(buf, n, us, true, true);
}

/* Latest version committed at or before ts_ms. */
static st_status version_at_time(const log_listing *l, int64_t ts_ms, st_arena *a, int64_t *out,
                                 st_error *err)
{
    int64_t earliest = earliest_version(l), earliest_ts = 0;
    for (int64_t v = latest_version(l); v >= earliest && v >= 0; v--) {
        int64_t t;
        st_status rc = version_timestamp(l, v, true, a, &t, err);
        if (rc == ST_ERR_NOTFOUND)
            continue;                       /* a gap: reported when loading */
        if (rc != ST_OK)
            return rc;
        if (t <= ts_ms) {
            *out = v;
            return ST_OK;
        }
        earliest_ts = t;
    }
    char want[48], first[48];
    format_ms(want, sizeof want, ts_ms);
    format_ms(first, sizeof first, earliest_ts);
    return st_error_set(err, ST_ERR_NOTFOUND,
                        "timestamp %s is before the earliest available commit (version %" PRId64
                        " at %s)", want, earliest, first);
}

/* ---- replay -------------------------------------------------------------- */

static st_status replay_commits(delta_replay *r, const log_listing *l, int64_t from, int64_t to,
                                st_error *err)
{
    for (int64_t v = from; v <= to; v++) {
        int ci = commit_index(l, v);
        if (ci < 0) {
            int64_t b = v;
            while (b + 1 <= to && commit_index(l, b + 1) < 0)
                b++;
            return st_error_set(err, ST_ERR_CORRUPT,
                                "cannot reconstruct version %" PRId64 ": commits %" PRId64
                                "..%" PRId64 " are missing", to, v, b);
        }
    }
    for (int64_t v = from; v <= to; v++) {
        const char *name = l->commit_names[commit_index(l, v)];
        char *path = st_arena_printf(r->arena, "%s/%s", l->log_dir, name);
        uint8_t *data = NULL;
        size_t len = 0;
        st_status rc = store_read(path, &data, &len, err);
        if (rc != ST_OK)
            return rc;
        r->version = v;
        r->has_ict = false;
        rc = delta_actions_apply_ndjson(r, (const char *)data, len, path, err);
        st_free(data);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

/* Checkpoint (newest usable at or below target) plus commits; on return
** *ckpt_version is the checkpoint used or -1. */
static st_status replay_to(delta_replay *r, const log_listing *l, int64_t target,
                           int64_t *ckpt_version, st_error *err)
{
    st_arena *a = r->arena;
    st_status first_rc = ST_OK;
    st_error first_err;
    st_error_init(&first_err);
    for (int i = l->n_ckpts - 1; i >= -1; i--) {
        if (i >= 0 && l->ckpts[i].version > target)
            continue;
        int64_t from = i >= 0 ? l->ckpts[i].version + 1 : 0;
        st_status rc = ST_OK;
        delta_replay_destroy(r);
        delta_replay_init(r, a);
        if (i >= 0)
            rc = delta_checkpoint_read(r, l->log_dir, &l->ckpts[i], err);
        if (rc == ST_OK)
            rc = replay_commits(r, l, from, target, err);
        if (rc == ST_OK) {
            *ckpt_version = i >= 0 ? l->ckpts[i].version : -1;
            return ST_OK;
        }
        if (first_rc == ST_OK) {
            first_rc = rc;
            if (err)
                first_err = *err;
        }
        /* an unreadable checkpoint: try an older one; a gap in commits cannot
        ** be healed by an older checkpoint */
        if (rc != ST_ERR_CORRUPT && rc != ST_ERR_IO && rc != ST_ERR_UNSUPPORTED)
            break;
        if (i < 0 || strstr(err ? err->msg : "", "cannot reconstruct"))
            break;
    }
    if (err)
        *err = first_err;
    return first_rc;
}

/* ---- building the snapshot ----------------------------------------------- */

static st_status check_protocol(const delta_protocol *p, const char *root, st_arena *a,
                                st_error *err)
{
    if (p->min_reader > 3 || p->min_reader < 1)
        return st_error_set(err, ST_ERR_UNSUPPORTED,
                            "table \"%s\" requires Delta reader version %d; strata supports 1 to 3",
                            root, p->min_reader);
    if (p->min_reader < 3)
        return ST_OK;
    char *missing = NULL;
    for (int i = 0; i < p->n_reader_features; i++) {
        bool ok = false;
        for (int k = 0; READER_FEATURES[k] && !ok; k++)
            ok = strcmp(READER_FEATURES[k], p->reader_features[i]) == 0;
        if (!ok)
            missing = missing ? st_arena_printf(a, "%s, %s", missing, p->reader_features[i])
                              : st_arena_printf(a, "%s", p->reader_features[i]);
    }
    if (missing) {
        st_error_set(err, ST_ERR_UNSUPPORTED,
                     "table \"%s\" uses Delta reader feature(s) strata does not support: %s",
                     root, missing);
        return st_error_hint(err, "strata reads tables with these reader features: "
                             "columnMapping, deletionVectors, timestampNtz, v2Checkpoint, "
                             "vacuumProtocolCheck, typeWidening");
    }
    return ST_OK;
}

static int find_field(const vec_schema *s, const char *name)
{
    for (int i = 0; i < s->n_fields; i++)
        if (strcmp(s->fields[i].name, name) == 0)
            return i;
    for (int i = 0; i < s->n_fields; i++)
        if (strcasecmp(s->fields[i].name, name) == 0)
            return i;
    return -1;
}

static st_status build_meta(delta_snapshot *s, const delta_replay *r, st_error *err)
{
    const delta_raw_meta *m = &r->meta;
    delta_metadata *out = &s->meta;
    if (!m->schema_string)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "metaData of table \"%s\" at version %" PRId64 " has no schemaString",
                            s->table, s->version);
    out->id = m->id;
    out->name = m->name;
    out->description = m->description;
    out->schema_string = m->schema_string;
    out->n_config = m->n_config;
    out->config_keys = m->config_keys;
    out->config_values = m->config_values;
    out->has_created_time = m->has_created_time;
    out->created_time = m->created_time;
    const char *mode = delta_config_get(out, "delta.columnMapping.mode");
    out->column_mapping = mode && strcmp(mode, "name") == 0 ? 1 : mode && strcmp(mode, "id") == 0 ? 2 : 0;
    st_status rc = delta_schema_parse(m->schema_string, s->arena, &out->schema, &out->field_info, err);
    if (rc != ST_OK)
        return st_error_context(err, "reading the schema of table \"%s\" at version %" PRId64,
                                s->table, s->version);
    out->n_partition_cols = m->n_partition_cols;
    out->partition_cols = m->partition_cols;
    out->partition_field = st_arena_calloc(s->arena, (size_t)m->n_partition_cols + 1, sizeof(int));
    if (!out->partition_field)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory building a snapshot");
    for (int i = 0; i < m->n_partition_cols; i++) {
        int f = find_field(&out->schema, m->partition_cols[i]);
        if (f < 0)
            return st_error_set(err, ST_ERR_CORRUPT,
                                "partition column \"%s\" of table \"%s\" is not in its schema",
                                m->partition_cols[i], s->table);
        out->partition_field[i] = f;
    }
    return ST_OK;
}

/* Partition values of e in metadata partition-column order. */
static st_status map_partitions(const delta_snapshot *s, const delta_entry *e, delta_file *f,
                                st_error *err)
{
    const delta_metadata *m = &s->meta;
    if (m->n_partition_cols == 0)
        return ST_OK;
    f->partition_values = st_arena_calloc(s->arena, (size_t)m->n_partition_cols, sizeof(char *));
    if (!f->partition_values)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory building a snapshot");
    for (int i = 0; i < m->n_partition_cols; i++) {
        const char *phys = m->field_info[m->partition_field[i]].physical_name;
        const char *logical = m->partition_cols[i];
        for (int k = 0; k < e->n_pv; k++)
            if (strcmp(e->pv_keys[k], phys) == 0 || strcmp(e->pv_keys[k], logical) == 0) {
                f->partition_values[i] = e->pv_vals[k];
                break;
            }
    }
    return ST_OK;
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const delta_file *)a)->path, ((const delta_file *)b)->path);
}

static st_status build_files(delta_snapshot *s, const delta_replay *r, st_error *err)
{
    size_t n_add = 0, n_rm = 0;
    for (size_t i = 0; i < r->n_entries; i++) {
        const delta_entry *e = &r->entries[i];
        if (!e->is_remove)
            n_add++;
        else
            n_rm++;
    }
    s->files = st_arena_calloc(s->arena, n_add + 1, sizeof(delta_file));
    s->tombstones = st_arena_calloc(s->arena, n_rm + 1, sizeof(delta_file));
    if (!s->files || !s->tombstones)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory building a snapshot of %zu files",
                            n_add);
    for (size_t i = 0; i < r->n_entries; i++) {
        const delta_entry *e = &r->entries[i];
        delta_file *f;
        if (!e->is_remove)
            f = &s->files[s->n_files++];
        else
            f = &s->tombstones[s->n_tombstones++];
        *f = e->f;
        st_status rc = map_partitions(s, e, f, err);
        if (rc != ST_OK)
            return rc;
    }
    qsort(s->files, s->n_files, sizeof(delta_file), cmp_file);
    qsort(s->tombstones, s->n_tombstones, sizeof(delta_file), cmp_file);
    return ST_OK;
}

static st_status build_snapshot(delta_snapshot *s, const delta_replay *r, const log_listing *l,
                                st_error *err)
{
    if (!r->has_protocol)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "table \"%s\" has no protocol action at version %" PRId64, s->table,
                            s->version);
    if (!r->has_meta)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "table \"%s\" has no metaData action at version %" PRId64, s->table,
                            s->version);
    s->protocol = r->protocol;
    st_status rc = check_protocol(&s->protocol, s->table, s->arena, err);
    if (rc == ST_OK)
        rc = build_meta(s, r, err);
    if (rc != ST_OK)
        return rc;
    const char *ict = delta_config_get(&s->meta, "delta.enableInCommitTimestamps");
    rc = version_timestamp(l, s->version, ict && strcmp(ict, "true") == 0, s->arena,
                           &s->timestamp_ms, err);
    if (rc == ST_OK)
        rc = build_files(s, r, err);
    if (rc != ST_OK)
        return rc;
    s->app_txns = st_arena_calloc(s->arena, (size_t)r->n_txns + 1, sizeof(delta_app_txn));
    s->domains = st_arena_calloc(s->arena, (size_t)r->n_domains + 1, sizeof(delta_domain));
    if (!s->app_txns || !s->domains)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory building a snapshot");
    for (int i = 0; i < r->n_txns; i++)
        s->app_txns[s->n_app_txns++] = r->txns[i];
    for (int i = 0; i < r->n_domains; i++)
        if (r->domains[i].configuration)
            s->domains[s->n_domains++] = r->domains[i];
    return ST_OK;
}

static st_status pick_version(const log_listing *l, const delta_read_options *opt, st_arena *a,
                              const char *root, int64_t *out, st_error *err)
{
    int64_t latest = latest_version(l), earliest = earliest_version(l);
    if (latest < 0)
        return st_error_set(err, ST_ERR_NOTFOUND,
                            "table \"%s\" has no commits or checkpoints in its _delta_log", root);
    int64_t v = latest;
    if (opt && opt->has_version) {
        v = opt->version;
        if (v < 0)
            return st_error_set(err, ST_ERR_ARGUMENT, "version %" PRId64 " is negative", v);
        if (v > latest)
            return st_error_set(err, ST_ERR_NOTFOUND,
                                "table has no version %" PRId64 "; latest is %" PRId64, v, latest);
    } else if (opt && opt->has_timestamp) {
        st_status rc = version_at_time(l, opt->timestamp_ms, a, &v, err);
        if (rc != ST_OK)
            return rc;
    }
    if (earliest < 0 || v < earliest) {
        if (earliest < 0)
            earliest = l->n_commits ? l->commits[0] : 0;
        return st_error_set(err, ST_ERR_NOTFOUND,
                            "version %" PRId64 " is no longer available (log retained from version "
                            "%" PRId64 ")", v, earliest);
    }
    *out = v;
    return ST_OK;
}

st_status delta_snapshot_load(const char *table, const delta_read_options *opt,
                              delta_snapshot **out, st_error *err)
{
    *out = NULL;
    st_arena *a = st_arena_new(0);
    delta_snapshot *s = a ? st_arena_calloc(a, 1, sizeof *s) : NULL;
    if (!s) {
        st_arena_free(a);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory loading a snapshot");
    }
    s->arena = a;
    s->checkpoint_version = -1;
    s->table = table_root(table, a);
    log_listing l;
    delta_replay r;
    delta_replay_init(&r, a);
    st_status rc = list_log(s->table, a, &l, err);
    if (rc == ST_OK)
        rc = pick_version(&l, opt, a, s->table, &s->version, err);
    if (rc == ST_OK)
        rc = replay_to(&r, &l, s->version, &s->checkpoint_version, err);
    if (rc == ST_OK)
        rc = build_snapshot(s, &r, &l, err);
    delta_replay_destroy(&r);
    listing_destroy(&l);
    if (rc != ST_OK) {
        st_arena_free(a);
        return rc;
    }
    *out = s;
    return ST_OK;
}

void delta_snapshot_free(delta_snapshot *s)
{
    if (s)
        st_arena_free(s->arena);
}

/* ---- history ------------------------------------------------------------- */

st_status delta_history(const char *table, int64_t limit, delta_commit_info **out, int *n_out,
                        st_arena **arena, st_error *err)
{
    *out = NULL;
    *n_out = 0;
    *arena = NULL;
    st_arena *a = st_arena_new(0);
    if (!a)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory reading history");
    const char *root = table_root(table, a);
    log_listing l;
    st_status rc = list_log(root, a, &l, err);
    int n = 0;
    delta_commit_info *ci = NULL;
    if (rc == ST_OK) {
        int want = l.n_commits;
        if (limit > 0 && limit < want)
            want = (int)limit;
        ci = st_arena_calloc(a, (size_t)want + 1, sizeof *ci);
        if (!ci)
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory reading history");
        for (int i = l.n_commits - 1; rc == ST_OK && n < want; i--) {
            char *path = st_arena_printf(a, "%s/%s", l.log_dir, l.commit_names[i]);
            uint8_t *data = NULL;
            size_t len = 0;
            rc = store_read(path, &data, &len, err);
            if (rc != ST_OK)
                break;
            delta_commit_info *c = &ci[n++];
            bool has_ict, has_ts;
            int64_t ict = 0, ts = 0;
            c->version = l.commits[i];
            delta_actions_commit_info((const char *)data, len, a, &has_ict, &ict, &has_ts, &ts,
                                      &c->operation, &c->json);
            st_free(data);
            if (has_ict)
                c->timestamp_ms = ict;
            else if (has_ts)
                c->timestamp_ms = ts;
            else {
                int64_t size;
                rc = store_stat(path, &c->timestamp_ms, &size, err);
            }
        }
    }
    listing_destroy(&l);
    if (rc != ST_OK) {
        st_arena_free(a);
        return rc;
    }
    *out = ci;
    *n_out = n;
    *arena = a;
    return ST_OK;
}
