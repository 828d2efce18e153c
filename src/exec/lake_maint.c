/* lake_maint.c -- history and maintenance statements on Delta tables:
** DESCRIBE HISTORY, DESCRIBE DETAIL, RESTORE, OPTIMIZE [WHERE] [ZORDER BY],
** VACUUM [RETAIN n HOURS] [DRY RUN]. The work itself is in src/delta
** (delta_history, delta_restore, delta_optimize, delta_vacuum); this file
** resolves the table, checks the SQL-level rules (OPTIMIZE WHERE may only
** name partition columns; VACUUM's retention check follows the session
** setting spark.databricks.delta.retentionDurationCheck.enabled) and shapes
** the results as Databricks shows them. */
#include "lake.h"

#include "../delta/delta.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static st_status oom(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory");
}

static const char *i64(st_arena *a, int64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%" PRId64, v);
    return st_arena_strdup(a, b);
}

static const char *ts_text(st_arena *a, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char b[64];
    size_t n = strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(b + n, sizeof b - n, ".%03d", (int)(ms % 1000));
    return st_arena_strdup(a, b);
}

/* A JSON value as display text: strings as they are, others compact. */
static const char *jtext(st_arena *a, json_t *v)
{
    if (!v || json_is_null(v)) return NULL;
    if (json_is_string(v)) return st_arena_strdup(a, json_string_value(v));
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    const char *r = s ? st_arena_strdup(a, s) : NULL;
    free(s);
    return r;
}

static st_status resolve_delta(ex_session *s, const char *sql, const sql_tableref *t,
                               st_arena *a, lake_table *lt, st_error *err)
{
    st_status rc = lake_resolve(s, sql, t, a, lt, err);
    if (rc != ST_OK) return rc;
    if (strcmp(lt->format, "delta") != 0)
        return lake_error_at(sql, t->pos, ST_ERR_UNSUPPORTED, err,
                             "'%s' is a %s table; this statement needs a Delta table", lt->full,
                             lt->format);
    return ST_OK;
}

/* ---- DESCRIBE HISTORY ------------------------------------------------------------ */

static st_status run_history(ex_session *s, const char *sql, const sql_stmt *st, st_arena *a,
                             ex_result **out, st_error *err)
{
    const sql_describe *ds = st->describe;
    lake_table lt;
    st_status rc = resolve_delta(s, sql, ds->target, a, &lt, err);
    if (rc != ST_OK) return rc;
    int64_t limit = 0;
    if (ds->limit) {
        if (ds->limit->kind != SQL_E_LITERAL || !ds->limit->str ||
            (limit = strtoll(ds->limit->str, NULL, 10)) <= 0)
            return lake_error_at(sql, ds->limit->pos, ST_ERR_ARGUMENT, err,
                                 "LIMIT of DESCRIBE HISTORY must be a positive integer");
    }
    delta_commit_info *ci;
    int n;
    st_arena *ha = NULL;
    if ((rc = delta_history(lt.path, limit, &ci, &n, &ha, err)) != ST_OK) return rc;
    enum { NC = 12 };
    const char *names[NC] = {"version", "timestamp", "userId", "userName", "operation",
                             "operationParameters", "readVersion", "isolationLevel",
                             "isBlindAppend", "operationMetrics", "userMetadata", "engineInfo"};
    const char **cells = st_calloc((size_t)n * NC + 1, sizeof *cells);
    if (!cells) {
        st_arena_free(ha);
        return oom(err);
    }
    for (int i = 0; i < n; i++) {
        const char **r = cells + (size_t)i * NC;
        json_t *o = ci[i].json ? json_loads(ci[i].json, 0, NULL) : NULL;
        r[0] = i64(a, ci[i].version);
        r[1] = ts_text(a, ci[i].timestamp_ms);
        r[2] = jtext(a, json_object_get(o, "userId"));
        r[3] = jtext(a, json_object_get(o, "userName"));
        r[4] = ci[i].operation ? st_arena_strdup(a, ci[i].operation) : NULL;
        r[5] = jtext(a, json_object_get(o, "operationParameters"));
        r[6] = jtext(a, json_object_get(o, "readVersion"));
        r[7] = jtext(a, json_object_get(o, "isolationLevel"));
        r[8] = jtext(a, json_object_get(o, "isBlindAppend"));
        r[9] = jtext(a, json_object_get(o, "operationMetrics"));
        r[10] = jtext(a, json_object_get(o, "userMetadata"));
        r[11] = jtext(a, json_object_get(o, "engineInfo"));
        json_decref(o);
    }
    static const vec_type_id types[NC] = {VEC_INT64, VEC_TIMESTAMP, VEC_STRING, VEC_STRING,
                                          VEC_STRING, VEC_STRING, VEC_INT64, VEC_STRING,
                                          VEC_BOOL, VEC_STRING, VEC_STRING, VEC_STRING};
    rc = lake_typed_result("describe", names, types, NC, cells, n, out, err);
    st_free(cells);
    st_arena_free(ha);
    return rc;
}

/* ---- DESCRIBE DETAIL ---------------------------------------------------------------- */

static st_status run_detail(ex_session *s, const char *sql, const sql_stmt *st, st_arena *a,
                            ex_result **out, st_error *err)
{
    lake_table lt;
    st_status rc = resolve_delta(s, sql, st->describe->target, a, &lt, err);
    if (rc != ST_OK) return rc;
    delta_snapshot *snap;
    if ((rc = delta_snapshot_load(lt.path, NULL, &snap, err)) != ST_OK) return rc;
    const delta_metadata *m = &snap->meta;
    int64_t size = 0;
    for (size_t i = 0; i < snap->n_files; i++) size += snap->files[i].size;
    json_t *parts = json_array(), *props = json_object(), *feats = json_array();
    for (int i = 0; i < m->n_partition_cols; i++)
        json_array_append_new(parts, json_string(m->partition_cols[i]));
    for (int i = 0; i < m->n_config; i++)
        json_object_set_new(props, m->config_keys[i], json_string(m->config_values[i]));
    for (int i = 0; i < snap->protocol.n_writer_features; i++)
        json_array_append_new(feats, json_string(snap->protocol.writer_features[i]));
    enum { NC = 14 };
    const char *names[NC] = {"format", "id", "name", "description", "location", "createdAt",
                             "lastModified", "partitionColumns", "clusteringColumns", "numFiles",
                             "sizeInBytes", "properties", "minReaderVersion", "minWriterVersion"};
    const char *cells[NC + 1];
    cells[0] = "delta";
    cells[1] = m->id;
    cells[2] = lt.in_catalog ? lt.full : m->name;
    cells[3] = m->description;
    cells[4] = lt.path;
    cells[5] = m->has_created_time ? ts_text(a, m->created_time) : NULL;
    cells[6] = ts_text(a, snap->timestamp_ms);
    cells[7] = jtext(a, parts);
    const char **ccols;
    int n_cc;
    lake_clustering_cols(snap, a, &ccols, &n_cc);
    json_t *cc = json_array();
    for (int i = 0; i < n_cc; i++) json_array_append_new(cc, json_string(ccols[i]));
    cells[8] = jtext(a, cc);
    json_decref(cc);
    cells[9] = i64(a, (int64_t)snap->n_files);
    cells[10] = i64(a, size);
    cells[11] = jtext(a, props);
    cells[12] = i64(a, snap->protocol.min_reader);
    cells[13] = i64(a, snap->protocol.min_writer);
    json_decref(parts);
    json_decref(props);
    json_decref(feats);
    static const vec_type_id types[NC] = {VEC_STRING, VEC_STRING, VEC_STRING, VEC_STRING,
                                          VEC_STRING, VEC_TIMESTAMP, VEC_TIMESTAMP, VEC_STRING,
                                          VEC_STRING, VEC_INT64, VEC_INT64, VEC_STRING,
                                          VEC_INT64, VEC_INT64};
    rc = lake_typed_result("describe", names, types, NC, cells, 1, out, err);
    delta_snapshot_free(snap);
    return rc;
}

/* ---- RESTORE ------------------------------------------------------------------------ */

static st_status travel_value(const char *sql, const sql_expr *e, sql_travel kind,
                              delta_read_options *ro, st_error *err)
{
    memset(ro, 0, sizeof *ro);
    if (!e || e->kind != SQL_E_LITERAL || !e->str)
        return lake_error_at(sql, e ? e->pos : -1, ST_ERR_ARGUMENT, err,
                             "RESTORE needs a literal version or timestamp");
    if (kind == SQL_TRAVEL_VERSION) {
        char *end;
        long long v = strtoll(e->str, &end, 10);
        if (*end || v < 0)
            return lake_error_at(sql, e->pos, ST_ERR_ARGUMENT, err, "bad version '%s'", e->str);
        ro->has_version = true;
        ro->version = v;
        return ST_OK;
    }
    int64_t us;
    if (!delta_parse_timestamp(e->str, &us))
        return lake_error_at(sql, e->pos, ST_ERR_ARGUMENT, err, "bad timestamp '%s'", e->str);
    ro->has_timestamp = true;
    ro->timestamp_ms = us / 1000;
    return ST_OK;
}

static st_status run_restore(ex_session *s, const char *sql, const sql_stmt *st, st_arena *a,
                             ex_result **out, st_error *err)
{
    const sql_restore *r = st->restore;
    lake_table lt;
    st_status rc = resolve_delta(s, sql, r->target, a, &lt, err);
    if (rc != ST_OK) return rc;
    delta_read_options ro;
    if ((rc = travel_value(sql, r->at, r->travel, &ro, err)) != ST_OK) return rc;
    delta_restore_result res;
    if ((rc = delta_restore(lt.path, &ro, &res, err)) != ST_OK)
        return st_error_context(err, "RESTORE of '%s'", lt.full);
    const char *names[6] = {"table_size_after_restore", "num_of_files_after_restore",
                            "num_removed_files", "num_restored_files", "removed_files_size",
                            "restored_files_size"};
    const char *cells[6] = {i64(a, res.table_size_after), i64(a, res.num_files_after),
                            i64(a, res.num_removed_files), i64(a, res.num_restored_files),
                            i64(a, res.removed_files_size), i64(a, res.restored_files_size)};
    static const vec_type_id types[6] = {VEC_INT64, VEC_INT64, VEC_INT64, VEC_INT64,
                                         VEC_INT64, VEC_INT64};
    return lake_typed_result("restore", names, types, 6, cells, 1, out, err);
}

/* ---- OPTIMIZE ----------------------------------------------------------------------- */

/* Column names an expression mentions (last parts), appended to names. */
static void expr_names(const sql_expr *e, const char **names, int *n, int cap)
{
    if (!e) return;
    if (e->kind == SQL_E_NAME && *n < cap) names[(*n)++] = e->name.parts[e->name.n_parts - 1];
    expr_names(e->a, names, n, cap);
    expr_names(e->b, names, n, cap);
    expr_names(e->c, names, n, cap);
    for (int i = 0; i < e->n_list; i++) expr_names(e->list[i], names, n, cap);
}

typedef struct keep_set {
    const char **paths;          /* sorted file paths to optimize */
    size_t       n;
} keep_set;

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static bool keep_file(void *ud, const delta_snapshot *s, const delta_file *f)
{
    (void)s;
    const keep_set *k = ud;
    return bsearch(&f->path, k->paths, k->n, sizeof *k->paths, cmp_str) != NULL;
}

typedef struct file_hits {
    const delta_snapshot *snap;
    bool *hit;
} file_hits;

static st_status hits_sink(void *ud, const ex_chunk *c, st_error *err)
{
    file_hits *h = ud;
    const int64_t *f = c->cols[0]->values;
    for (int64_t i = 0; i < c->n_rows; i++)
        if (f[i] >= 0 && (size_t)f[i] < h->snap->n_files) h->hit[f[i]] = true;
    (void)err;
    return ST_OK;
}

/* The files of partitions matching OPTIMIZE's WHERE (partition columns only). */
static st_status optimize_where(ex_session *s, const char *sql, const sql_optimize *op,
                                const lake_table *lt, const delta_snapshot *snap, st_arena *a,
                                keep_set *k, st_error *err)
{
    st_status rc = ST_OK;
    const char *names[256];
    int n = 0;
    expr_names(op->where, names, &n, 256);
    for (int i = 0; i < n && rc == ST_OK; i++) {
        bool part = false;
        for (int j = 0; j < snap->meta.n_partition_cols; j++)
            part |= !strcasecmp(snap->meta.partition_cols[j], names[i]);
        if (!part)
            rc = lake_error_at(sql, op->where->pos, ST_ERR_ARGUMENT, err,
                               "OPTIMIZE WHERE may only reference partition columns; '%s' is "
                               "not one", names[i]);
    }
    bool *hit = st_calloc(snap->n_files + 1, sizeof *hit);
    if (rc == ST_OK && !hit) rc = oom(err);
    if (rc == ST_OK) {
        /* SELECT t._file_index FROM target AS t WHERE cond */
        sql_expr *fe = st_arena_calloc(a, 1, sizeof *fe);
        const char **parts = st_arena_calloc(a, 2, sizeof *parts);
        sql_select_item *it = st_arena_calloc(a, 1, sizeof *it);
        sql_tableref *from = st_arena_calloc(a, 1, sizeof *from);
        const char **tp = st_arena_calloc(a, 1, sizeof *tp);
        sql_query *q = st_arena_calloc(a, 1, sizeof *q);
        if (!fe || !parts || !it || !from || !tp || !q) rc = oom(err);
        if (rc == ST_OK) {
            parts[0] = "__t";
            parts[1] = LP_ROW_FILE;
            fe->kind = SQL_E_NAME;
            fe->pos = -1;
            fe->name = (sql_name){parts, 2, -1};
            it->expr = fe;
            tp[0] = LAKE_TARGET_NAME;
            from->kind = SQL_T_NAME;
            from->pos = -1;
            from->name = (sql_name){tp, 1, -1};
            from->alias = "__t";
            q->kind = SQL_Q_SELECT;
            q->items = it;
            q->n_items = 1;
            q->from = from;
            q->where = op->where;
            lake_overlay ov = {.name = LAKE_TARGET_NAME};
            ov.table.kind = BIND_TABLE_SOURCE;
            ov.table.format = LP_SRC_DELTA;
            ov.table.path = lt->path;
            ov.table.name = lt->full;
            ov.table.snapshot = snap;
            ov.table.row_ids = true;
            lake_query *lq = NULL;
            file_hits h = {snap, hit};
            rc = lake_query_prepare(s, sql, q, &ov, 1, &lq, err);
            if (rc == ST_OK) rc = lake_query_run(lq, hits_sink, &h, NULL, err);
            lake_query_free(lq);
        }
    }
    if (rc == ST_OK) {
        k->paths = st_arena_calloc(a, snap->n_files + 1, sizeof *k->paths);
        if (!k->paths) rc = oom(err);
        for (size_t i = 0; rc == ST_OK && i < snap->n_files; i++)
            if (hit[i] && !(k->paths[k->n++] = st_arena_strdup(a, snap->files[i].path)))
                rc = oom(err);
        if (rc == ST_OK) qsort(k->paths, k->n, sizeof *k->paths, cmp_str);
    }
    st_free(hit);
    return rc;
}

static st_status run_optimize(ex_session *s, const char *sql, const sql_stmt *st, st_arena *a,
                              ex_result **out, st_error *err)
{
    const sql_optimize *op = st->optimize;
    lake_table lt;
    st_status rc = resolve_delta(s, sql, op->target, a, &lt, err);
    if (rc != ST_OK) return rc;
    delta_snapshot *snap;
    if ((rc = delta_snapshot_load(lt.path, NULL, &snap, err)) != ST_OK) return rc;
    delta_optimize_options o = {0};
    keep_set k = {0};
    if (op->where) {
        if ((rc = optimize_where(s, sql, op, &lt, snap, a, &k, err)) != ST_OK) goto out;
        o.keep = keep_file;
        o.ud = &k;
        const char *zo = strcasestr(sql + op->where->pos, "ZORDER");
        int32_t to = zo && zo < sql + st->end ? (int32_t)(zo - sql) : st->end;
        o.predicate = lake_expr_text(sql, op->where, to, a);
    }
    const char **z = st_arena_calloc(a, (size_t)op->n_zorder + 1, sizeof *z);
    if (!z) {
        rc = oom(err);
        goto out;
    }
    for (int i = 0; i < op->n_zorder; i++) z[i] = op->zorder[i].parts[op->zorder[i].n_parts - 1];
    o.zorder_cols = z;
    o.n_zorder = op->n_zorder;
    /* A clustered table is clustered by its CLUSTER BY columns (Z-order here). */
    const char **ccols;
    int n_cc;
    lake_clustering_cols(snap, a, &ccols, &n_cc);
    if (n_cc > 0 && op->n_zorder > 0) {
        rc = lake_error_at(sql, st->pos, ST_ERR_ARGUMENT, err,
                           "'%s' is clustered (CLUSTER BY); OPTIMIZE takes no ZORDER BY",
                           lt.full);
        goto out;
    }
    if (n_cc > 0) {
        o.zorder_cols = ccols;
        o.n_zorder = n_cc;
    }
    const char *ts = ex_session_extra(s, "delta.targetFileSize");
    if (ts) o.target_size = strtoll(ts, NULL, 10);
    delta_optimize_result r;
    if ((rc = delta_optimize(lt.path, &o, &r, err)) != ST_OK) {
        st_error_context(err, "OPTIMIZE of '%s'", lt.full);
        goto out;
    }
    const char *names[6] = {"path", "numFilesAdded", "numFilesRemoved", "numBytesAdded",
                            "numBytesRemoved", "partitionsOptimized"};
    const char *cells[6] = {lt.path, i64(a, r.num_files_added), i64(a, r.num_files_removed),
                            i64(a, r.num_bytes_added), i64(a, r.num_bytes_removed),
                            i64(a, r.partitions_optimized)};
    static const vec_type_id types[6] = {VEC_STRING, VEC_INT64, VEC_INT64, VEC_INT64,
                                         VEC_INT64, VEC_INT64};
    rc = lake_typed_result("optimize", names, types, 6, cells, 1, out, err);
out:
    delta_snapshot_free(snap);
    return rc;
}

/* ---- VACUUM ------------------------------------------------------------------------- */

static st_status run_vacuum(ex_session *s, const char *sql, const sql_stmt *st, st_arena *a,
                            ex_result **out, st_error *err)
{
    const sql_vacuum *v = st->vacuum;
    lake_table lt;
    st_status rc = resolve_delta(s, sql, v->target, a, &lt, err);
    if (rc != ST_OK) return rc;
    delta_vacuum_options o = {.retain_hours = -1, .dry_run = v->dry_run};
    o.check_retention = ex_session_flag(s, "spark.databricks.delta.retentionDurationCheck.enabled",
                                        true);
    if (v->retain_hours) {
        const sql_expr *e = v->retain_hours;
        char *end = NULL;
        double h = e->kind == SQL_E_LITERAL && e->str ? strtod(e->str, &end) : -1;
        if (h < 0 || !end || *end)
            return lake_error_at(sql, e->pos, ST_ERR_ARGUMENT, err,
                                 "RETAIN needs a non-negative number of hours");
        o.retain_hours = h;
    }
    char **paths;
    int64_t n;
    if ((rc = delta_vacuum(lt.path, &o, a, &paths, &n, err)) != ST_OK)
        return st_error_context(err, "VACUUM of '%s'", lt.full);
    const char *names[1] = {"path"};
    if (!v->dry_run) {
        const char *cells[1] = {lt.path};
        return lake_text_result("vacuum", names, 1, cells, 1, out, err);
    }
    return lake_text_result("vacuum", names, 1, (const char *const *)paths, n, out, err);
}

/* ---- entry ---------------------------------------------------------------------------- */

st_status lake_run_maint(ex_session *s, const char *sql, const sql_stmt *st, ex_result **out,
                         st_error *err)
{
    st_arena *a = st_arena_new(0);
    if (!a) return oom(err);
    st_status rc;
    switch (st->kind) {
    case SQL_S_DESCRIBE:
        rc = st->describe->kind == SQL_DESC_HISTORY ? run_history(s, sql, st, a, out, err)
                                                    : run_detail(s, sql, st, a, out, err);
        break;
    case SQL_S_RESTORE: rc = run_restore(s, sql, st, a, out, err); break;
    case SQL_S_OPTIMIZE: rc = run_optimize(s, sql, st, a, out, err); break;
    case SQL_S_VACUUM: rc = run_vacuum(s, sql, st, a, out, err); break;
    default: rc = st_error_set(err, ST_ERR_INTERNAL, "not a maintenance statement"); break;
    }
    st_arena_free(a);
    return rc;
}
