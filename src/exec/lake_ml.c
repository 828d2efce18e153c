/* lake_ml.c -- the SQL face of the ML layer: CREATE [OR REPLACE] MODEL
** (train on a query, track the run, save the model, register a version),
** DROP / ALTER / DESCRIBE MODEL, SHOW MODELS / EXPERIMENTS / RUNS, the table
** functions experiments(), runs([experiment]), metric_history(run_id, key),
** models(), model_versions(name), ML.EVALUATE and ML.FEATURE_IMPORTANCE, and model loading for predict()
** and ML.PREDICT (bind_ml.c binds those).
**
** The tracking store and registry (src/ml/ml_store.h) hold everything; a
** statement reads or changes them and returns rows. The table functions are
** bound as views whose text is a VALUES list of the rows read at bind time,
** so they compose with every SQL clause; each rows set is the same one the
** matching SHOW statement prints.
**
** CREATE MODEL order: the query runs into an ml_dataset, a tracking run is
** created (RUNNING), the model trains, params / training and holdout metrics
** are logged, the model folder is written under the run's artifacts
** (MLflow's layout: <run>/artifacts/model) and recorded as a logged model,
** the run is FINISHED, and a new version of the registered model points at
** the folder. A failure after the run exists marks it FAILED; nothing is
** registered then. */
#include "lake.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

/* ---- rows ------------------------------------------------------------------------ */

/* A small table of text cells with column types (what SHOW prints and the
** table functions' views hold). Everything in arena a. */
typedef struct ml_rows {
    st_arena     *a;
    const char  **names;
    vec_type_id  *types;        /* STRING, INT64, DOUBLE, BOOL, TIMESTAMP */
    int           n_cols, cap_cols;
    const char  **cells;        /* row-major, NULL = null */
    int64_t       n_rows, cap_rows;
} ml_rows;

static st_status nomem(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory");
}

static st_status rows_col(ml_rows *r, const char *name, vec_type_id t, st_error *err)
{
    if (r->n_rows > 0)
        return st_error_set(err, ST_ERR_INTERNAL, "column added after rows");
    if (r->n_cols == r->cap_cols) {
        int nc = r->cap_cols ? r->cap_cols * 2 : 16;
        const char **nn = st_arena_alloc(r->a, sizeof *nn * (size_t)nc);
        vec_type_id *nt = st_arena_alloc(r->a, sizeof *nt * (size_t)nc);
        if (!nn || !nt)
            return nomem(err);
        if (r->n_cols) {
            memcpy(nn, r->names, sizeof *nn * (size_t)r->n_cols);
            memcpy(nt, r->types, sizeof *nt * (size_t)r->n_cols);
        }
        r->names = nn;
        r->types = nt;
        r->cap_cols = nc;
    }
    if (!(r->names[r->n_cols] = st_arena_strdup(r->a, name)))
        return nomem(err);
    r->types[r->n_cols++] = t;
    return ST_OK;
}

/* A new row of NULLs; *row points at its cells. */
static st_status rows_add(ml_rows *r, const char ***row, st_error *err)
{
    if (r->n_rows == r->cap_rows) {
        int64_t nc = r->cap_rows ? r->cap_rows * 2 : 16;
        const char **n = st_arena_alloc(r->a, sizeof *n * (size_t)(nc * r->n_cols));
        if (!n)
            return nomem(err);
        if (r->n_rows)
            memcpy(n, r->cells, sizeof *n * (size_t)(r->n_rows * r->n_cols));
        r->cells = n;
        r->cap_rows = nc;
    }
    *row = r->cells + r->n_rows * r->n_cols;
    for (int c = 0; c < r->n_cols; c++)
        (*row)[c] = NULL;
    r->n_rows++;
    return ST_OK;
}

static int rows_find(const ml_rows *r, const char *name)
{
    for (int c = 0; c < r->n_cols; c++)
        if (!strcmp(r->names[c], name))
            return c;
    return -1;
}

static st_status rows_result(const ml_rows *r, const char *stmt, ex_result **out, st_error *err)
{
    return lake_typed_result(stmt, r->names, r->types, r->n_cols, r->cells, r->n_rows, out, err);
}

static st_status buf_sql_string(st_buf *b, const char *s, st_error *err)
{
    st_status rc = st_buf_append_byte(b, '\'', err);
    for (const char *c = s; rc == ST_OK && *c; c++) {
        if (*c == '\'' || *c == '\\')
            rc = st_buf_append_byte(b, '\\', err);
        if (rc == ST_OK)
            rc = st_buf_append_byte(b, (uint8_t)*c, err);
    }
    return rc == ST_OK ? st_buf_append_byte(b, '\'', err) : rc;
}

static st_status buf_ident(st_buf *b, const char *s, st_error *err)
{
    st_status rc = st_buf_append_byte(b, '`', err);
    for (const char *c = s; rc == ST_OK && *c; c++) {
        if (*c == '`')
            rc = st_buf_append_byte(b, '`', err);
        if (rc == ST_OK)
            rc = st_buf_append_byte(b, (uint8_t)*c, err);
    }
    return rc == ST_OK ? st_buf_append_byte(b, '`', err) : rc;
}

static const char *sql_type_name(vec_type_id t)
{
    switch (t) {
    case VEC_INT64: return "BIGINT";
    case VEC_DOUBLE: return "DOUBLE";
    case VEC_BOOL: return "BOOLEAN";
    case VEC_TIMESTAMP: return "TIMESTAMP";
    default: return "STRING";
    }
}

/* The rows as a query: SELECT CAST(c0 AS T) AS `name`, ... FROM VALUES
** (...), ... AS t(c0, ...) (one row of NULLs filtered out when empty). */
static st_status rows_view(const ml_rows *r, const char *name, st_arena *a, bind_table *out,
                           st_error *err)
{
    st_buf b;
    st_buf_init(&b);
    st_status rc = st_buf_append_str(&b, "SELECT ", err);
    for (int c = 0; rc == ST_OK && c < r->n_cols; c++) {
        rc = st_buf_printf(&b, err, "%sCAST(c%d AS %s) AS ", c ? ", " : "", c,
                           sql_type_name(r->types[c]));
        if (rc == ST_OK)
            rc = buf_ident(&b, r->names[c], err);
    }
    if (rc == ST_OK)
        rc = st_buf_append_str(&b, " FROM VALUES ", err);
    int64_t n = r->n_rows ? r->n_rows : 1;
    for (int64_t i = 0; rc == ST_OK && i < n; i++) {
        rc = st_buf_append_str(&b, i ? ", (" : "(", err);
        for (int c = 0; rc == ST_OK && c < r->n_cols; c++) {
            const char *v = r->n_rows ? r->cells[i * r->n_cols + c] : NULL;
            if (c)
                rc = st_buf_append_str(&b, ", ", err);
            if (rc == ST_OK)
                rc = v ? buf_sql_string(&b, v, err) : st_buf_append_str(&b, "NULL", err);
        }
        if (rc == ST_OK)
            rc = st_buf_append_byte(&b, ')', err);
    }
    if (rc == ST_OK)
        rc = st_buf_append_str(&b, " AS t(", err);
    for (int c = 0; rc == ST_OK && c < r->n_cols; c++)
        rc = st_buf_printf(&b, err, "%sc%d", c ? ", " : "", c);
    if (rc == ST_OK)
        rc = st_buf_append_str(&b, r->n_rows ? ")" : ") WHERE false", err);
    if (rc == ST_OK) {
        memset(out, 0, sizeof *out);
        out->kind = BIND_TABLE_VIEW;
        out->sql = st_arena_strndup(a, (const char *)b.data, b.len);
        out->name = st_arena_strdup(a, name);
        if (!out->sql || !out->name)
            rc = nomem(err);
    }
    st_buf_destroy(&b);
    return rc;
}

/* ---- JSON fields as cells ----------------------------------------------------------- */

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* An integer field (number or numeric string), or def. */
static int64_t jint(json_t *o, const char *key, int64_t def)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_real(v))
        return (int64_t)json_real_value(v);
    if (json_is_string(v)) {
        char *end;
        long long x = strtoll(json_string_value(v), &end, 10);
        if (end != json_string_value(v) && !*end)
            return x;
    }
    return def;
}

static const char *cell_str(st_arena *a, const char *s)
{
    return s ? st_arena_strdup(a, s) : NULL;
}

/* Epoch milliseconds as TIMESTAMP text (NULL for 0 / absent). */
static const char *cell_ms(st_arena *a, int64_t ms)
{
    if (ms <= 0)
        return NULL;
    char buf[64];
    st_format_timestamp(buf, sizeof buf, ms * 1000, false, false);
    return st_arena_strdup(a, buf);
}

static const char *cell_int(st_arena *a, int64_t v)
{
    return st_arena_printf(a, "%lld", (long long)v);
}

static const char *cell_double(st_arena *a, double v)
{
    if (isnan(v))
        return st_arena_strdup(a, "NaN");
    return st_arena_printf(a, "%.17g", v);
}

static const char *cell_json(st_arena *a, json_t *v)
{
    if (!v)
        return NULL;
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    const char *r = s ? st_arena_strdup(a, s) : NULL;
    free(s);
    return r;
}

static bool like_ok(const char *pattern, const char *s)
{
    return !pattern || cat_like_match(pattern, s);
}

/* ---- paging through searches ------------------------------------------------------------ */

/* One search of the store, continued by page token (what all_pages calls). */
typedef enum { PAGE_EXPERIMENTS, PAGE_RUNS, PAGE_MODELS, PAGE_VERSIONS } page_kind;

typedef struct page_query {
    page_kind          kind;
    const char *const *ids;     /* RUNS: experiment ids */
    int                n_ids;
    const char        *filter;  /* VERSIONS */
} page_query;

/* Every entity the search finds, in one JSON array (new reference). */
static st_status all_pages(ml_store *st, const page_query *pq, json_t **out, st_error *err)
{
    static const char *const fields[] = {"experiments", "runs", "registered_models",
                                         "model_versions"};
    static const char *const exp_order[] = {"experiment_id ASC"};
    static const char *const model_order[] = {"name ASC"};
    json_t *all = json_array();
    char *token = NULL;
    st_status rc = all ? ST_OK : nomem(err);
    while (rc == ST_OK) {
        json_t *res = NULL;
        switch (pq->kind) {
        case PAGE_EXPERIMENTS:
            rc = ml_experiment_search(st, "ACTIVE_ONLY", NULL, exp_order, 1, 1000, token, &res,
                                      err);
            break;
        case PAGE_RUNS:
            rc = ml_run_search(st, pq->ids, pq->n_ids, NULL, "ACTIVE_ONLY", NULL, 0, 1000, token,
                               &res, err);
            break;
        case PAGE_MODELS:
            rc = ml_model_search(st, NULL, model_order, 1, 1000, token, &res, err);
            break;
        case PAGE_VERSIONS:
            rc = ml_version_search(st, pq->filter, NULL, 0, 1000, token, &res, err);
            break;
        }
        st_free(token);
        token = NULL;
        if (rc != ST_OK)
            break;
        json_array_extend(all, json_object_get(res, fields[pq->kind]));
        const char *next = jstr(res, "next_page_token");
        if (next && *next && !(token = st_strdup(next)))
            rc = nomem(err);
        json_decref(res);
        if (!token)
            break;
    }
    st_free(token);
    if (rc != ST_OK) {
        json_decref(all);
        return rc;
    }
    *out = all;
    return ST_OK;
}

/* ---- experiments and runs ------------------------------------------------------------ */

static st_status experiment_rows(ml_store *st, const char *like, ml_rows *r, st_error *err)
{
    static const char *const names[] = {"experiment_id", "name", "artifact_location",
                                        "lifecycle_stage", "creation_time", "last_update_time",
                                        "tags"};
    static const vec_type_id types[] = {VEC_STRING, VEC_STRING, VEC_STRING, VEC_STRING,
                                        VEC_TIMESTAMP, VEC_TIMESTAMP, VEC_STRING};
    st_status rc = ST_OK;
    for (int c = 0; rc == ST_OK && c < 7; c++)
        rc = rows_col(r, names[c], types[c], err);
    json_t *all = NULL;
    if (rc == ST_OK)
        rc = all_pages(st, &(page_query){.kind = PAGE_EXPERIMENTS}, &all, err);
    size_t i;
    json_t *e;
    json_array_foreach(all, i, e) {
        if (!like_ok(like, jstr(e, "name") ? jstr(e, "name") : ""))
            continue;
        const char **row;
        if ((rc = rows_add(r, &row, err)) != ST_OK)
            break;
        row[0] = cell_str(r->a, jstr(e, "experiment_id"));
        row[1] = cell_str(r->a, jstr(e, "name"));
        row[2] = cell_str(r->a, jstr(e, "artifact_location"));
        row[3] = cell_str(r->a, jstr(e, "lifecycle_stage"));
        row[4] = cell_ms(r->a, jint(e, "creation_time", 0));
        row[5] = cell_ms(r->a, jint(e, "last_update_time", 0));
        row[6] = cell_json(r->a, json_object_get(e, "tags"));
    }
    json_decref(all);
    return rc;
}

/* The id of the experiment named (or numbered) `which`. Heap. */
static st_status experiment_id(ml_store *st, const char *which, char **out, st_error *err)
{
    json_t *e = NULL;
    st_status rc = ml_experiment_get_by_name(st, which, &e, err);
    if (rc == ST_ERR_NOTFOUND) {
        st_error tmp;
        st_error_init(&tmp);
        if (ml_experiment_get(st, which, &e, &tmp) == ST_OK)
            rc = ST_OK;
    }
    if (rc != ST_OK)
        return rc;
    *out = st_strdup(jstr(e, "experiment_id") ? jstr(e, "experiment_id") : "");
    json_decref(e);
    return *out ? ST_OK : nomem(err);
}

/* Ids of the experiment named (or numbered) which, or of every active
** experiment when which is NULL; arena-allocated. */
static st_status experiment_ids(ml_store *st, const char *which, st_arena *a, const char ***ids,
                                int *n, st_error *err)
{
    *n = 0;
    if (which) {
        char *one = NULL;
        st_status rc = experiment_id(st, which, &one, err);
        *ids = rc == ST_OK ? st_arena_alloc(a, sizeof **ids) : NULL;
        if (*ids && !((*ids)[0] = st_arena_strdup(a, one)))
            *ids = NULL;
        st_free(one);
        if (rc != ST_OK)
            return rc;
        *n = 1;
        return *ids ? ST_OK : nomem(err);
    }
    json_t *all = NULL;
    st_status rc = all_pages(st, &(page_query){.kind = PAGE_EXPERIMENTS}, &all, err);
    if (rc != ST_OK)
        return rc;
    *ids = st_arena_alloc(a, sizeof **ids * (json_array_size(all) + 1));
    size_t i;
    json_t *e;
    json_array_foreach(all, i, e) {
        if (*ids && jstr(e, "experiment_id") &&
            !((*ids)[(*n)++] = st_arena_strdup(a, jstr(e, "experiment_id"))))
            *ids = NULL;
    }
    json_decref(all);
    return *ids ? ST_OK : nomem(err);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Distinct keys of data.<what> over runs, sorted, into *keys (arena). */
static st_status run_keys(json_t *runs, const char *what, st_arena *a, const char ***keys, int *n,
                          st_error *err)
{
    int cap = 0;
    *keys = NULL;
    *n = 0;
    size_t i, j;
    json_t *run, *kv;
    json_array_foreach(runs, i, run) {
        json_array_foreach(json_object_get(json_object_get(run, "data"), what), j, kv) {
            const char *k = jstr(kv, "key");
            bool seen = !k;
            for (int x = 0; !seen && x < *n; x++)
                seen = !strcmp((*keys)[x], k);
            if (seen)
                continue;
            if (*n == cap) {
                int nc = cap ? cap * 2 : 16;
                const char **nk = st_arena_alloc(a, sizeof *nk * (size_t)nc);
                if (!nk)
                    return nomem(err);
                if (*n)
                    memcpy(nk, *keys, sizeof *nk * (size_t)*n);
                *keys = nk;
                cap = nc;
            }
            (*keys)[(*n)++] = k;
        }
    }
    if (*n > 1)
        qsort(*keys, (size_t)*n, sizeof **keys, cmp_str);
    return ST_OK;
}

/* Runs of one experiment (NULL: every active experiment), newest first;
** params.<k> and metrics.<k> columns for every key any run has. */
static st_status run_rows(ml_store *st, const char *experiment, ml_rows *r, st_error *err)
{
    const char **ids = NULL;
    int n_ids = 0;
    st_status rc = experiment_ids(st, experiment, r->a, &ids, &n_ids, err);
    json_t *all = NULL;
    page_query pq = {.kind = PAGE_RUNS, .ids = ids, .n_ids = n_ids};
    if (rc == ST_OK)
        rc = n_ids > 0 ? all_pages(st, &pq, &all, err)
                       : ((all = json_array()) ? ST_OK : nomem(err));
    if (rc != ST_OK)
        return rc;
    static const char *const names[] = {"run_id", "run_name", "experiment_id", "status",
                                        "start_time", "end_time", "user_id", "artifact_uri"};
    static const vec_type_id types[] = {VEC_STRING, VEC_STRING, VEC_STRING, VEC_STRING,
                                        VEC_TIMESTAMP, VEC_TIMESTAMP, VEC_STRING, VEC_STRING};
    const char **pk = NULL, **mk = NULL;
    int n_pk = 0, n_mk = 0;
    for (int c = 0; rc == ST_OK && c < 8; c++)
        rc = rows_col(r, names[c], types[c], err);
    if (rc == ST_OK)
        rc = run_keys(all, "params", r->a, &pk, &n_pk, err);
    if (rc == ST_OK)
        rc = run_keys(all, "metrics", r->a, &mk, &n_mk, err);
    for (int k = 0; rc == ST_OK && k < n_pk; k++)
        rc = rows_col(r, st_arena_printf(r->a, "params.%s", pk[k]), VEC_STRING, err);
    for (int k = 0; rc == ST_OK && k < n_mk; k++)
        rc = rows_col(r, st_arena_printf(r->a, "metrics.%s", mk[k]), VEC_DOUBLE, err);
    size_t i, j;
    json_t *run, *kv;
    json_array_foreach(all, i, run) {
        if (rc != ST_OK)
            break;
        json_t *info = json_object_get(run, "info");
        const char **row;
        if ((rc = rows_add(r, &row, err)) != ST_OK)
            break;
        row[0] = cell_str(r->a, jstr(info, "run_id"));
        row[1] = cell_str(r->a, jstr(info, "run_name"));
        row[2] = cell_str(r->a, jstr(info, "experiment_id"));
        row[3] = cell_str(r->a, jstr(info, "status"));
        row[4] = cell_ms(r->a, jint(info, "start_time", 0));
        row[5] = cell_ms(r->a, jint(info, "end_time", 0));
        row[6] = cell_str(r->a, jstr(info, "user_id"));
        row[7] = cell_str(r->a, jstr(info, "artifact_uri"));
        json_t *data = json_object_get(run, "data");
        json_array_foreach(json_object_get(data, "params"), j, kv) {
            int c = jstr(kv, "key") ? rows_find(r, st_arena_printf(r->a, "params.%s",
                                                                   jstr(kv, "key"))) : -1;
            if (c >= 0)
                row[c] = cell_str(r->a, jstr(kv, "value"));
        }
        json_array_foreach(json_object_get(data, "metrics"), j, kv) {
            int c = jstr(kv, "key") ? rows_find(r, st_arena_printf(r->a, "metrics.%s",
                                                                   jstr(kv, "key"))) : -1;
            json_t *v = json_object_get(kv, "value");
            if (c >= 0 && json_is_number(v))
                row[c] = cell_double(r->a, json_number_value(v));
        }
    }
    json_decref(all);
    return rc;
}

static st_status history_rows(ml_store *st, const char *run_id, const char *key, ml_rows *r,
                              st_error *err)
{
    static const char *const names[] = {"key", "value", "step", "timestamp"};
    static const vec_type_id types[] = {VEC_STRING, VEC_DOUBLE, VEC_INT64, VEC_TIMESTAMP};
    st_status rc = ST_OK;
    for (int c = 0; rc == ST_OK && c < 4; c++)
        rc = rows_col(r, names[c], types[c], err);
    json_t *res = NULL;
    if (rc == ST_OK)
        rc = ml_metric_history(st, run_id, key, &res, err);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(res, "metrics"), i, m) {
        const char **row;
        if (rc != ST_OK || (rc = rows_add(r, &row, err)) != ST_OK)
            break;
        row[0] = cell_str(r->a, jstr(m, "key"));
        json_t *v = json_object_get(m, "value");
        row[1] = json_is_number(v) ? cell_double(r->a, json_number_value(v)) : NULL;
        row[2] = cell_int(r->a, jint(m, "step", 0));
        row[3] = cell_ms(r->a, jint(m, "timestamp", 0));
    }
    json_decref(res);
    return rc;
}

/* ---- models ---------------------------------------------------------------------------- */

/* "champion=3, challenger=4" from a RegisteredModel's aliases. */
static const char *aliases_text(st_arena *a, json_t *aliases)
{
    st_buf b;
    st_buf_init(&b);
    size_t i;
    json_t *x;
    json_array_foreach(aliases, i, x) {
        if (json_is_string(x)) {
            st_buf_printf(&b, NULL, "%s%s", b.len ? ", " : "", json_string_value(x));
        } else {
            json_t *v = json_object_get(x, "version");
            st_buf_printf(&b, NULL, "%s%s=%s", b.len ? ", " : "", jstr(x, "alias") ? jstr(x, "alias") : "",
                          json_is_string(v) ? json_string_value(v) : "?");
        }
    }
    const char *r = b.len ? st_arena_strndup(a, (const char *)b.data, b.len) : NULL;
    st_buf_destroy(&b);
    return r;
}

static st_status model_rows(ml_store *st, const char *like, ml_rows *r, st_error *err)
{
    static const char *const names[] = {"name", "latest_version", "production_version",
                                        "staging_version", "aliases", "description",
                                        "creation_time", "last_updated_time"};
    static const vec_type_id types[] = {VEC_STRING, VEC_INT64, VEC_INT64, VEC_INT64,
                                        VEC_STRING, VEC_STRING, VEC_TIMESTAMP, VEC_TIMESTAMP};
    st_status rc = ST_OK;
    for (int c = 0; rc == ST_OK && c < 8; c++)
        rc = rows_col(r, names[c], types[c], err);
    json_t *all = NULL;
    if (rc == ST_OK)
        rc = all_pages(st, &(page_query){.kind = PAGE_MODELS}, &all, err);
    size_t i, j;
    json_t *m, *v;
    json_array_foreach(all, i, m) {
        const char *nm = jstr(m, "name");
        if (!nm || !like_ok(like, nm))
            continue;
        const char **row;
        if ((rc = rows_add(r, &row, err)) != ST_OK)
            break;
        row[0] = cell_str(r->a, nm);
        int64_t latest = 0, prod = 0, stag = 0;
        json_array_foreach(json_object_get(m, "latest_versions"), j, v) {
            int64_t ver = jint(v, "version", 0);
            const char *stage = jstr(v, "current_stage");
            latest = ver > latest ? ver : latest;
            if (stage && !strcasecmp(stage, "Production") && ver > prod)
                prod = ver;
            if (stage && !strcasecmp(stage, "Staging") && ver > stag)
                stag = ver;
        }
        row[1] = latest ? cell_int(r->a, latest) : NULL;
        row[2] = prod ? cell_int(r->a, prod) : NULL;
        row[3] = stag ? cell_int(r->a, stag) : NULL;
        row[4] = aliases_text(r->a, json_object_get(m, "aliases"));
        row[5] = cell_str(r->a, jstr(m, "description"));
        row[6] = cell_ms(r->a, jint(m, "creation_timestamp", 0));
        row[7] = cell_ms(r->a, jint(m, "last_updated_timestamp", 0));
    }
    json_decref(all);
    return rc;
}

static int cmp_version(const void *a, const void *b)
{
    int64_t x = jint(*(json_t *const *)a, "version", 0), y = jint(*(json_t *const *)b, "version", 0);
    return x < y ? -1 : x > y;
}

/* "name = 'x'" with the quotes in x doubled... MLflow's filter strings take
** backslash escapes; names with quotes are rare: refuse them. */
static st_status name_filter(st_arena *a, const char *name, const char **out, st_error *err)
{
    if (strchr(name, '\'') || strchr(name, '\\'))
        return st_error_set(err, ST_ERR_ARGUMENT, "model name %s has a quote or backslash", name);
    *out = st_arena_printf(a, "name = '%s'", name);
    return *out ? ST_OK : nomem(err);
}

static st_status version_rows(ml_store *st, const char *name, ml_rows *r, st_error *err)
{
    static const char *const names[] = {"version", "stage", "aliases", "status", "run_id",
                                        "source", "description", "creation_time",
                                        "last_updated_time"};
    static const vec_type_id types[] = {VEC_INT64, VEC_STRING, VEC_STRING, VEC_STRING,
                                        VEC_STRING, VEC_STRING, VEC_STRING, VEC_TIMESTAMP,
                                        VEC_TIMESTAMP};
    json_t *m = NULL;
    st_status rc = ml_model_get(st, name, &m, err);   /* NOTFOUND names the model */
    json_decref(m);
    for (int c = 0; rc == ST_OK && c < 9; c++)
        rc = rows_col(r, names[c], types[c], err);
    const char *filter = NULL;
    if (rc == ST_OK)
        rc = name_filter(r->a, name, &filter, err);
    json_t *all = NULL;
    if (rc == ST_OK)
        rc = all_pages(st, &(page_query){.kind = PAGE_VERSIONS, .filter = filter}, &all, err);
    if (rc != ST_OK)
        return rc;
    size_t n = json_array_size(all);
    json_t **v = n ? st_arena_alloc(r->a, sizeof *v * n) : NULL;
    for (size_t i = 0; v && i < n; i++)
        v[i] = json_array_get(all, i);
    if (v)
        qsort(v, n, sizeof *v, cmp_version);
    for (size_t i = 0; rc == ST_OK && i < n && v; i++) {
        const char **row;
        if ((rc = rows_add(r, &row, err)) != ST_OK)
            break;
        row[0] = cell_int(r->a, jint(v[i], "version", 0));
        row[1] = cell_str(r->a, jstr(v[i], "current_stage"));
        row[2] = aliases_text(r->a, json_object_get(v[i], "aliases"));
        row[3] = cell_str(r->a, jstr(v[i], "status"));
        row[4] = cell_str(r->a, jstr(v[i], "run_id"));
        row[5] = cell_str(r->a, jstr(v[i], "source"));
        row[6] = cell_str(r->a, jstr(v[i], "description"));
        row[7] = cell_ms(r->a, jint(v[i], "creation_timestamp", 0));
        row[8] = cell_ms(r->a, jint(v[i], "last_updated_timestamp", 0));
    }
    json_decref(all);
    return rc;
}

/* ---- loading models --------------------------------------------------------------------- */

static void release_model(void *p)
{
    ml_model_free(p);
}

static bool is_model_folder(const char *path)
{
    char buf[4096];
    struct stat sb;
    snprintf(buf, sizeof buf, "%s/MLmodel", path);
    return stat(buf, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Loads the model uri names (heap; caller frees with ml_model_free). */
static st_status load_model(ex_session *s, const char *uri, ml_model **out, st_error *err)
{
    char *dir = NULL;
    st_status rc = ST_OK;
    if (strncmp(uri, "models:/", 8) && strncmp(uri, "runs:/", 6) && is_model_folder(uri)) {
        if (!(dir = st_strdup(uri)))
            return nomem(err);
    } else {
        ml_store *st;
        if ((rc = ex_session_ml(s, &st, err)) != ST_OK)
            return rc;
        if ((rc = ml_resolve_model_uri(st, uri, NULL, NULL, &dir, err)) != ST_OK)
            return rc;
    }
    rc = ml_model_load(dir, out, err);
    if (rc != ST_OK)
        st_error_context(err, "loading model '%s'", uri);
    st_free(dir);
    return rc;
}

st_status lake_ml_model(void *ud, const char *uri, st_arena *a, ml_model **out, st_error *err)
{
    ml_model *m = NULL;
    st_status rc = load_model(ud, uri, &m, err);
    if (rc != ST_OK)
        return rc;
    if (!st_arena_on_free(a, release_model, m)) {
        ml_model_free(m);
        return nomem(err);
    }
    *out = m;
    return ST_OK;
}

/* ---- reading a query into a dataset -------------------------------------------------------- */

typedef struct ds_sink {
    ml_dataset *ds;
    vec_schema  schema;
} ds_sink;

static st_status ds_add(void *ud, const ex_chunk *c, st_error *err)
{
    ds_sink *k = ud;
    vec_batch b = {.schema = &k->schema, .n_rows = c->n_rows, .n_cols = c->n_cols, .cols = c->cols};
    return ml_dataset_add(k->ds, &b, err);
}

static int session_threads(ex_session *s)
{
    char buf[32];
    return ex_session_get(s, "threads", buf, sizeof buf) ? atoi(buf) : 1;   /* >= 1 */
}

/* Runs query q into a new dataset with label (may be NULL) and features
** (NULL/0: every other column). The query runs on one thread so rows arrive
** in the same order every time: the holdout split and XGBoost's row
** sampling follow row order, and the same statement and seed must train the
** same model. (Reading is a small part of training; the training itself
** uses every thread.) */
static st_status query_dataset(ex_session *s, const char *sql, const sql_query *q,
                               const char *label, const char *const *features, int n_features,
                               ml_dataset **out, st_error *err)
{
    lake_query *lq = NULL;
    char threads[32];
    bool had = ex_session_get(s, "threads", threads, sizeof threads);
    st_status rc = ex_session_set(s, "threads", "1", err);
    if (rc == ST_OK)
        rc = lake_query_prepare(s, sql, q, NULL, 0, &lq, err);
    st_error tmp;
    st_error_init(&tmp);
    ex_session_set(s, "threads", had ? threads : NULL, &tmp);
    if (rc != ST_OK)
        return rc;
    const lp_node *root = lake_query_root(lq);
    ds_sink k = {0};
    st_arena *a = st_arena_new(0);
    vec_field *f = a ? st_arena_calloc(a, (size_t)root->n_cols + 1, sizeof *f) : NULL;
    if (!f) {
        st_arena_free(a);
        lake_query_free(lq);
        return nomem(err);
    }
    for (int i = 0; i < root->n_cols; i++) {
        f[i].name = root->cols[i].name;
        f[i].type = root->cols[i].type;
        f[i].nullable = root->cols[i].nullable;
    }
    k.schema.n_fields = root->n_cols;
    k.schema.fields = f;
    rc = ml_dataset_new(&k.schema, label, features, n_features, &k.ds, err);
    if (rc == ST_OK)
        rc = lake_query_run(lq, ds_add, &k, NULL, err);
    lake_query_free(lq);
    st_arena_free(a);
    if (rc != ST_OK) {
        ml_dataset_free(k.ds);
        return rc;
    }
    *out = k.ds;
    return ST_OK;
}

/* ---- CREATE MODEL -------------------------------------------------------------------------- */

static int64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static const char *opt_get(const sql_model_stmt *m, const char *key)
{
    for (int i = 0; i < m->n_options; i++)
        if (!strcmp(m->options[i].key, key))
            return m->options[i].value;
    return NULL;
}

/* Comma-separated names into an arena array. */
static int split_list(st_arena *a, const char *text, const char ***out)
{
    int n = 0, cap = 0;
    *out = NULL;
    const char *p = text;
    while (p && *p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > p && t[-1] == ' ')
            t--;
        if (t > p) {
            if (n == cap) {
                int nc = cap ? cap * 2 : 8;
                const char **nn = st_arena_alloc(a, sizeof *nn * (size_t)nc);
                if (!nn)
                    return -1;
                if (n)
                    memcpy(nn, *out, sizeof *nn * (size_t)n);
                *out = nn;
                cap = nc;
            }
            (*out)[n++] = st_arena_strndup(a, p, (size_t)(t - p));
        }
        p = e;
    }
    return n;
}

/* The experiment named name (created when missing); heap id. */
static st_status ensure_experiment(ml_store *st, const char *name, char **id, st_error *err)
{
    json_t *e = NULL;
    st_status rc = ml_experiment_get_by_name(st, name, &e, err);
    if (rc == ST_OK) {
        const char *lc = jstr(e, "lifecycle_stage");
        if (lc && !strcmp(lc, "deleted"))
            rc = st_error_set(err, ST_ERR_ARGUMENT, "experiment '%s' is deleted", name);
        else if (!(*id = st_strdup(jstr(e, "experiment_id") ? jstr(e, "experiment_id") : "0")))
            rc = nomem(err);
        json_decref(e);
        return rc;
    }
    if (rc != ST_ERR_NOTFOUND)
        return rc;
    st_error_init(err);
    return ml_experiment_create(st, name, NULL, NULL, 0, id, err);
}

typedef struct train_job {
    ex_session       *s;
    ml_store         *st;
    const sql_model_stmt *m;
    const char       *sql;
    st_arena         *a;
    ml_dataset       *ds;
    ml_model         *model;
    ml_train_report   rep;
    char             *exp_id;
    const char       *run_id;
    const char       *artifact_uri;
    json_t           *run;
} train_job;

/* Logs the report (params, metrics) to the run in one batch. */
static st_status log_report(train_job *j, st_error *err)
{
    const ml_train_report *r = &j->rep;
    int nm = r->n_holdout + r->n_train + 3;
    ml_metric *mets = st_arena_calloc(j->a, (size_t)nm, sizeof *mets);
    if (!mets)
        return nomem(err);
    int64_t ts = now_ms();
    int k = 0;
    for (int i = 0; i < r->n_holdout; i++)
        mets[k++] = (ml_metric){r->holdout[i].name, r->holdout[i].value, ts, 0};
    for (int i = 0; i < r->n_train; i++)
        mets[k++] = (ml_metric){st_arena_printf(j->a, "training_%s", r->train[i].name),
                                r->train[i].value, ts, 0};
    mets[k++] = (ml_metric){"training_rows", (double)r->train_rows, ts, 0};
    mets[k++] = (ml_metric){"holdout_rows", (double)r->holdout_rows, ts, 0};
    mets[k++] = (ml_metric){"training_seconds", r->train_seconds, ts, 0};
    for (int i = 0; i < k; i++)
        if (!mets[i].key)
            return nomem(err);
    /* Params: the effective training options plus the statement's own. */
    ml_kv *params = st_arena_calloc(j->a, (size_t)(r->n_params + 4), sizeof *params);
    if (!params)
        return nomem(err);
    int np = 0;
    for (int i = 0; i < r->n_params; i++)
        params[np++] = r->params[i];
    return ml_log_batch(j->st, j->run_id, mets, k, params, np, NULL, 0, err);
}

static st_status train_and_track(train_job *j, st_error *err)
{
    const sql_model_stmt *m = j->m;
    st_status rc;
    /* Training options: everything but the tracking ones. */
    ml_kv *opts = st_arena_calloc(j->a, (size_t)m->n_options + 1, sizeof *opts);
    int n_opts = 0;
    if (!opts)
        return nomem(err);
    for (int i = 0; i < m->n_options; i++) {
        const char *k = m->options[i].key;
        if (!strcmp(k, "experiment") || !strcmp(k, "run_name") || !strcmp(k, "description"))
            continue;
        opts[n_opts++] = (ml_kv){k, m->options[i].value ? m->options[i].value : ""};
    }
    rc = ml_train(j->ds, opts, n_opts, session_threads(j->s), &j->model, &j->rep, err);
    if (rc != ST_OK)
        return rc;
    if ((rc = log_report(j, err)) != ST_OK)
        return rc;
    char *dir = NULL;
    if ((rc = ml_run_artifact_dir(j->st, j->run_id, &dir, err)) != ST_OK)
        return rc;
    char *mdir = st_arena_printf(j->a, "%s/model", dir);
    st_free(dir);
    char *mlmodel = NULL;
    if (!mdir)
        return nomem(err);
    rc = ml_model_save(j->model, mdir, j->run_id, "model", &mlmodel, err);
    if (rc == ST_OK && mlmodel)
        rc = ml_log_model(j->st, j->run_id, mlmodel, err);
    st_free(mlmodel);
    return rc;
}

/* Checks CREATE MODEL before any work: *skip when IF NOT EXISTS finds the model. */
static st_status create_check(ml_store *st, const char *sql, const sql_model_stmt *m,
                              bool *exists, bool *skip, st_error *err)
{
    json_t *existing = NULL;
    st_error tmp;
    st_error_init(&tmp);
    *exists = ml_model_get(st, m->name, &existing, &tmp) == ST_OK;
    json_decref(existing);
    *skip = *exists && m->if_not_exists;
    if (*exists && !m->or_replace && !m->if_not_exists)
        return lake_error_at(sql, m->name_pos, ST_ERR_EXISTS, err,
                             "model '%s' already exists (CREATE OR REPLACE MODEL trains a new "
                             "version of it)", m->name);
    if (!opt_get(m, "label_col"))
        return lake_error_at(sql, m->name_pos, ST_ERR_ARGUMENT, err,
                             "CREATE MODEL needs OPTIONS (label_col = 'column', model_type = ...)");
    if (!opt_get(m, "model_type"))
        return lake_error_at(sql, m->name_pos, ST_ERR_ARGUMENT, err,
                             "CREATE MODEL needs OPTIONS (model_type = 'random_forest_classifier' "
                             "| 'random_forest_regressor' | 'boosted_tree_classifier' | "
                             "'boosted_tree_regressor' | 'logistic_regression' | "
                             "'linear_regression')");
    return ST_OK;
}

/* The experiment and a RUNNING run for the job. */
static st_status start_run(train_job *j, st_error *err)
{
    const sql_model_stmt *m = j->m;
    const char *exp_name = opt_get(m, "experiment") ? opt_get(m, "experiment") : "Default";
    st_status rc = ensure_experiment(j->st, exp_name, &j->exp_id, err);
    const char *user = getenv("USER");
    ml_kv tags[] = {{"mlflow.source.type", "LOCAL"}, {"mlflow.source.name", "strata"},
                    {"strata.model", m->name}};
    if (rc == ST_OK)
        rc = ml_run_create(j->st, j->exp_id, user ? user : "strata",
                           opt_get(m, "run_name") ? opt_get(m, "run_name") : m->name, 0, tags, 3,
                           &j->run, err);
    if (rc != ST_OK)
        return rc;
    json_t *info = json_object_get(j->run, "info");
    j->run_id = jstr(info, "run_id");
    j->artifact_uri = jstr(info, "artifact_uri");
    if (!j->run_id || !j->artifact_uri)
        return st_error_set(err, ST_ERR_INTERNAL, "run without id or artifact_uri");
    return ST_OK;
}

/* A new version of the registered model (created when missing) for the run. */
static st_status register_version(train_job *j, bool exists, json_t **mv, st_error *err)
{
    const sql_model_stmt *m = j->m;
    st_status rc = ST_OK;
    if (!exists) {
        json_t *rm = NULL;
        rc = ml_model_create(j->st, m->name, opt_get(m, "description"), NULL, 0, &rm, err);
        if (rc == ST_ERR_EXISTS) {       /* created meanwhile by another session */
            st_error_init(err);
            rc = ST_OK;
        }
        json_decref(rm);
    }
    if (rc != ST_OK)
        return rc;
    const char *source = st_arena_printf(j->a, "%s/model", j->artifact_uri);
    return source ? ml_version_create(j->st, m->name, source, j->run_id,
                                      opt_get(m, "description"), NULL, 0, NULL, mv, err)
                  : nomem(err);
}

/* CREATE MODEL's row: model, version, run_id, experiment_id, row counts and
** the holdout (else training) metrics. */
static st_status create_result(train_job *j, json_t *mv, ex_result **out, st_error *err)
{
    static const char *const names[] = {"model", "version", "run_id", "experiment_id",
                                        "training_rows", "holdout_rows"};
    static const vec_type_id types[] = {VEC_STRING, VEC_INT64, VEC_STRING, VEC_STRING,
                                        VEC_INT64, VEC_INT64};
    ml_rows r = {.a = j->a};
    st_status rc = ST_OK;
    for (int c = 0; rc == ST_OK && c < 6; c++)
        rc = rows_col(&r, names[c], types[c], err);
    const ml_score *sc = j->rep.n_holdout ? j->rep.holdout : j->rep.train;
    int n_sc = j->rep.n_holdout ? j->rep.n_holdout : j->rep.n_train;
    for (int c = 0; rc == ST_OK && c < n_sc; c++)
        rc = rows_col(&r, sc[c].name, VEC_DOUBLE, err);
    const char **row;
    if (rc != ST_OK || (rc = rows_add(&r, &row, err)) != ST_OK)
        return rc;
    row[0] = j->m->name;
    row[1] = cell_str(j->a, jstr(mv, "version"));
    row[2] = j->run_id;
    row[3] = j->exp_id;
    row[4] = cell_int(j->a, j->rep.train_rows);
    row[5] = cell_int(j->a, j->rep.holdout_rows);
    for (int c = 0; c < n_sc; c++)
        row[6 + c] = cell_double(j->a, sc[c].value);
    return rows_result(&r, "create model", out, err);
}

static st_status create_model(ex_session *s, const char *sql, const sql_model_stmt *m,
                              ex_result **out, st_error *err)
{
    ml_store *st;
    bool exists, skip;
    st_status rc = ex_session_ml(s, &st, err);
    if (rc == ST_OK)
        rc = create_check(st, sql, m, &exists, &skip, err);
    if (rc != ST_OK || skip)
        return rc;
    train_job j = {.s = s, .st = st, .m = m, .sql = sql, .a = st_arena_new(0)};
    const char **features = NULL;
    int n_features = 0;
    if (!j.a || (opt_get(m, "feature_cols") &&
                 (n_features = split_list(j.a, opt_get(m, "feature_cols"), &features)) < 0)) {
        st_arena_free(j.a);
        return nomem(err);
    }
    rc = query_dataset(s, sql, m->query, opt_get(m, "label_col"), features, n_features, &j.ds,
                       err);
    if (rc == ST_OK && (rc = start_run(&j, err)) == ST_OK &&
        (rc = train_and_track(&j, err)) != ST_OK) {
        st_error tmp;
        st_error_init(&tmp);
        ml_run_update(st, j.run_id, "FAILED", now_ms(), NULL, NULL, &tmp);
    }
    if (rc == ST_ERR_ARGUMENT && !strstr(err->msg, "line "))   /* bad options or columns */
        rc = lake_error_at(sql, m->name_pos, rc, err, "%s", err->msg);
    json_t *mv = NULL;
    if (rc == ST_OK)
        rc = ml_run_update(st, j.run_id, "FINISHED", now_ms(), NULL, NULL, err);
    if (rc == ST_OK)
        rc = register_version(&j, exists, &mv, err);
    if (rc == ST_OK)
        rc = create_result(&j, mv, out, err);
    json_decref(mv);
    json_decref(j.run);
    ml_model_free(j.model);
    ml_dataset_free(j.ds);
    st_free(j.exp_id);
    st_arena_free(j.a);
    return rc;
}

/* ---- other model statements ------------------------------------------------------------------ */

static st_status run_model_stmt(ex_session *s, const char *sql, const sql_model_stmt *m,
                                st_arena *a, ex_result **out, st_error *err)
{
    ml_store *st;
    st_status rc = ex_session_ml(s, &st, err);
    if (rc != ST_OK)
        return rc;
    json_t *res = NULL;
    switch (m->op) {
    case SQL_MODEL_CREATE:
        return create_model(s, sql, m, out, err);
    case SQL_MODEL_DROP:
        rc = ml_model_delete(st, m->name, err);
        if (rc == ST_ERR_NOTFOUND && m->if_exists) {
            st_error_init(err);
            rc = ST_OK;
        }
        break;
    case SQL_MODEL_SET_STAGE:
        rc = ml_version_transition(st, m->name, m->version, m->stage, m->archive_existing, &res,
                                   err);
        break;
    case SQL_MODEL_SET_ALIAS:
        rc = ml_alias_set(st, m->name, m->alias, m->version, err);
        break;
    case SQL_MODEL_DROP_ALIAS:
        rc = ml_alias_delete(st, m->name, m->alias, err);
        break;
    case SQL_MODEL_SET_COMMENT:
        rc = m->version ? ml_version_update(st, m->name, m->version, m->comment, &res, err)
                        : ml_model_update(st, m->name, m->comment, &res, err);
        break;
    case SQL_MODEL_DESCRIBE: {
        ml_rows r = {.a = a};
        rc = version_rows(st, m->name, &r, err);
        if (rc == ST_OK)
            rc = rows_result(&r, "describe model", out, err);
        break;
    }
    }
    json_decref(res);
    if (rc != ST_OK && err->msg[0])
        return lake_error_at(sql, m->name_pos, rc, err, "%s", err->msg);
    return rc;
}

st_status lake_run_model(ex_session *s, const char *sql, const sql_stmt *st, ex_result **out,
                         st_error *err)
{
    st_arena *a = st_arena_new(0);
    if (!a)
        return nomem(err);
    st_status rc = run_model_stmt(s, sql, st->model, a, out, err);
    st_arena_free(a);
    return rc;
}

/* ---- SHOW ------------------------------------------------------------------------------------- */

static bool word_is(const sql_stmt *st, int i, const char *w)
{
    return i < st->n_words && !strcasecmp(st->words[i], w);
}

bool lake_ml_is_show(const sql_stmt *st)
{
    return word_is(st, 0, "models") || word_is(st, 0, "experiments") || word_is(st, 0, "runs");
}

/* A quoted word's text ('x' or "x" or `x`), or the word as written. */
static const char *unquote(st_arena *a, const char *w)
{
    size_t n = strlen(w);
    if (n >= 2 && (w[0] == '\'' || w[0] == '"' || w[0] == '`') && w[n - 1] == w[0])
        return st_arena_strndup(a, w + 1, n - 2);
    return w;
}

st_status lake_run_ml_show(ex_session *s, const char *sql, const sql_stmt *st, ex_result **out,
                           st_error *err)
{
    ml_store *ms;
    st_status rc = ex_session_ml(s, &ms, err);
    if (rc != ST_OK)
        return rc;
    st_arena *a = st_arena_new(0);
    if (!a)
        return nomem(err);
    ml_rows r = {.a = a};
    const char *like = NULL;
    int w = 1;
    if (word_is(st, w, "like"))
        w++;
    bool runs = word_is(st, 0, "runs");
    const char *experiment = NULL;
    if (runs && (word_is(st, 1, "in") || word_is(st, 1, "from"))) {
        w = 2;
        if (word_is(st, w, "experiment"))
            w++;
        if (w < st->n_words)
            experiment = unquote(a, st->words[w++]);
        else
            rc = st_error_set(err, ST_ERR_SYNTAX, "SHOW RUNS IN EXPERIMENT needs a name");
    } else if (!runs && w < st->n_words) {
        like = unquote(a, st->words[w++]);
    }
    if (rc == ST_OK && w < st->n_words)
        rc = st_error_set(err, ST_ERR_SYNTAX, "unexpected '%s' in SHOW %s", st->words[w],
                          st->words[0]);
    if (rc == ST_OK) {
        if (word_is(st, 0, "models"))
            rc = model_rows(ms, like, &r, err);
        else if (runs)
            rc = run_rows(ms, experiment, &r, err);
        else
            rc = experiment_rows(ms, like, &r, err);
    }
    if (rc == ST_OK)
        rc = rows_result(&r, "show", out, err);
    st_arena_free(a);
    return rc;
}

/* ---- table functions ---------------------------------------------------------------------------- */

/* Constant text of argument i (a string or number literal). */
static st_status arg_text(const char *sql, const sql_tableref *t, int i, const char *fname,
                          const char **out, st_error *err)
{
    if (i >= t->n_args)
        return lake_error_at(sql, t->pos, ST_ERR_BIND, err, "%s needs %d argument%s", fname,
                             i + 1, i ? "s" : "");
    const sql_expr *e = t->args[i];
    if (e->kind != SQL_E_LITERAL || !e->str)
        return lake_error_at(sql, e->pos, ST_ERR_BIND, err,
                             "argument %d of %s must be a constant string", i + 1, fname);
    *out = e->str;
    return ST_OK;
}

static bool fn_is(const sql_tableref *t, const char *ns, const char *name)
{
    const sql_name *n = &t->name;
    if (n->n_parts == 1) {
        char both[64];
        snprintf(both, sizeof both, "%s_%s", ns, name);
        return !strcasecmp(n->parts[0], ns[0] ? both : name);
    }
    return n->n_parts == 2 && ns[0] && !strcasecmp(n->parts[0], ns) &&
           !strcasecmp(n->parts[1], name);
}

/* The input of ML.EVALUATE as a query: the subquery argument, or
** SELECT * FROM TABLE t. */
static st_status input_query(st_arena *a, const char *sql, const sql_tableref *t,
                             const sql_query **out, st_error *err)
{
    if (!t->table_arg) {
        if (t->n_args >= 1 && t->args[0]->kind == SQL_E_SUBQUERY && t->args[0]->query) {
            *out = t->args[0]->query;
            return ST_OK;
        }
        return lake_error_at(sql, t->pos, ST_ERR_BIND, err,
                             "ML.EVALUATE needs its input as TABLE t or (query)");
    }
    sql_query *q = st_arena_calloc(a, 1, sizeof *q);
    sql_select_item *it = st_arena_calloc(a, 1, sizeof *it);
    sql_expr *star = st_arena_calloc(a, 1, sizeof *star);
    if (!q || !it || !star)
        return nomem(err);
    star->kind = SQL_E_STAR;
    star->pos = -1;
    it->expr = star;
    it->pos = -1;
    q->kind = SQL_Q_SELECT;
    q->pos = t->pos;
    q->items = it;
    q->n_items = 1;
    q->from = t->table_arg;
    *out = q;
    return ST_OK;
}

static st_status evaluate_rows(ex_session *s, const char *sql, const sql_tableref *t, ml_rows *r,
                               st_error *err)
{
    if (!t->model)
        return lake_error_at(sql, t->pos, ST_ERR_BIND, err,
                             "ML.EVALUATE needs MODEL name or MODEL 'uri' as its first argument");
    ml_model *m = NULL;
    st_status rc = load_model(s, t->model, &m, err);
    if (rc != ST_OK)
        return rc;
    const char *label = ml_model_label(m);
    if (!label) {
        ml_model_free(m);
        return lake_error_at(sql, t->model_pos, ST_ERR_UNSUPPORTED, err,
                             "model '%s' does not name its label column, so ML.EVALUATE cannot "
                             "score it", t->model);
    }
    int n_in = ml_model_n_inputs(m);
    const char **features = st_arena_calloc(r->a, (size_t)n_in + 1, sizeof *features);
    const sql_query *q = NULL;
    ml_dataset *ds = NULL;
    ml_score *scores = NULL;
    int n_scores = 0;
    if (!features)
        rc = nomem(err);
    for (int i = 0; rc == ST_OK && i < n_in; i++)
        features[i] = ml_model_input_name(m, i);
    if (rc == ST_OK)
        rc = input_query(r->a, sql, t, &q, err);
    if (rc == ST_OK)
        rc = query_dataset(s, sql, q, label, features, n_in, &ds, err);
    if (rc == ST_OK)
        rc = ml_model_evaluate(m, ds, &scores, &n_scores, err);
    for (int c = 0; rc == ST_OK && c < n_scores; c++)
        rc = rows_col(r, scores[c].name, VEC_DOUBLE, err);
    if (rc == ST_OK)
        rc = rows_col(r, "rows", VEC_INT64, err);
    const char **row;
    if (rc == ST_OK && (rc = rows_add(r, &row, err)) == ST_OK) {
        for (int c = 0; c < n_scores; c++)
            row[c] = cell_double(r->a, scores[c].value);
        row[n_scores] = cell_int(r->a, ml_dataset_rows(ds));
    }
    ml_dataset_free(ds);
    ml_model_free(m);
    return rc;
}

static st_status importance_rows(ex_session *s, const char *sql, const sql_tableref *t,
                                 ml_rows *r, st_error *err)
{
    if (!t->model)
        return lake_error_at(sql, t->pos, ST_ERR_BIND, err,
                             "ML.FEATURE_IMPORTANCE needs MODEL name or MODEL 'uri'");
    ml_model *m = NULL;
    st_status rc = load_model(s, t->model, &m, err);
    ml_importance *imp = NULL;
    int n = 0;
    if (rc == ST_OK)
        rc = ml_model_importance(m, &imp, &n, err);
    if (rc == ST_OK)
        rc = rows_col(r, "feature", VEC_STRING, err);
    if (rc == ST_OK)
        rc = rows_col(r, "importance", VEC_DOUBLE, err);
    for (int i = 0; rc == ST_OK && i < n; i++) {
        const char **row;
        if ((rc = rows_add(r, &row, err)) != ST_OK)
            break;
        row[0] = cell_str(r->a, imp[i].feature);
        row[1] = cell_double(r->a, imp[i].importance);
    }
    ml_model_free(m);
    return rc;
}

st_status lake_ml_table_func(void *ud, const char *sql, const sql_tableref *t, st_arena *a,
                             bind_table *out, st_error *err)
{
    ex_session *s = ud;
    enum { F_EXPERIMENTS, F_RUNS, F_HISTORY, F_MODELS, F_VERSIONS, F_EVALUATE, F_IMPORTANCE } f;
    if (fn_is(t, "", "experiments")) f = F_EXPERIMENTS;
    else if (fn_is(t, "", "models")) f = F_MODELS;
    else if (fn_is(t, "", "model_versions")) f = F_VERSIONS;
    else if (fn_is(t, "", "runs")) f = F_RUNS;
    else if (fn_is(t, "", "metric_history")) f = F_HISTORY;
    else if (fn_is(t, "ml", "evaluate")) f = F_EVALUATE;
    else if (fn_is(t, "ml", "feature_importance")) f = F_IMPORTANCE;
    else return ST_ERR_NOTFOUND;
    st_arena *tmp = st_arena_new(0);
    if (!tmp)
        return nomem(err);
    ml_rows r = {.a = tmp};
    ml_store *ms = NULL;
    st_status rc = ST_OK;
    const char *x1 = NULL, *x2 = NULL;
    if (f != F_EVALUATE && f != F_IMPORTANCE)
        rc = ex_session_ml(s, &ms, err);
    switch (f) {
    case F_EXPERIMENTS:
        if (rc == ST_OK)
            rc = experiment_rows(ms, NULL, &r, err);
        break;
    case F_RUNS:
        if (rc == ST_OK && t->n_args > 0)
            rc = arg_text(sql, t, 0, "runs", &x1, err);
        if (rc == ST_OK)
            rc = run_rows(ms, x1, &r, err);
        break;
    case F_HISTORY:
        if (rc == ST_OK)
            rc = arg_text(sql, t, 0, "metric_history", &x1, err);
        if (rc == ST_OK)
            rc = arg_text(sql, t, 1, "metric_history", &x2, err);
        if (rc == ST_OK)
            rc = history_rows(ms, x1, x2, &r, err);
        break;
    case F_MODELS:
        if (rc == ST_OK)
            rc = model_rows(ms, NULL, &r, err);
        break;
    case F_VERSIONS:
        if (rc == ST_OK)
            rc = arg_text(sql, t, 0, "model_versions", &x1, err);
        if (rc == ST_OK)
            rc = version_rows(ms, x1, &r, err);
        break;
    case F_EVALUATE:
        rc = evaluate_rows(s, sql, t, &r, err);
        break;
    case F_IMPORTANCE:
        rc = importance_rows(s, sql, t, &r, err);
        break;
    }
    if (rc == ST_OK) {
        char name[128];
        snprintf(name, sizeof name, "%s%s%s", t->name.parts[0], t->name.n_parts > 1 ? "." : "",
                 t->name.n_parts > 1 ? t->name.parts[1] : "");
        rc = rows_view(&r, name, a, out, err);
    }
    st_arena_free(tmp);
    return rc;
}
