/* ml_run.c -- runs of the tracking store: create (ids from the kernel's
** random source, generated two-word names), get, update, delete / restore,
** search; logging of metrics (full history plus the latest value per key),
** params, tags, batches, logged models and dataset inputs; metric history;
** artifact URIs mapped to local folders and artifact listings.
**
** Invariants: run_name and the tag mlflow.runName always agree (create,
** update, set-tag and log-batch keep them in sync); a param once logged
** keeps its value; logging goes only to runs whose lifecycle stage is
** active; ml_latest_metrics holds, per run and key, the logged value with
** the highest (step, timestamp, value), NaN never beating a number at equal
** step and timestamp, as MLflow's SQL store decides; a batch is logged in
** one transaction or not at all. Artifact paths never contain ".." and
** relative paths are never absolute. */
#include "ml_store_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define ML_RUN_NAME_TAG "mlflow.runName"
#define ML_MODEL_HISTORY_TAG "mlflow.log-model.history"
#define ML_PARAM_VALUE_MAX 6000
#define ML_TAG_VALUE_MAX 8000

/* ---- ids and names ----------------------------------------------------------------- */

static st_status random_bytes(uint8_t *buf, size_t n, st_error *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, 0);
        if (r > 0) {
            got += (size_t)r;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        break;
    }
    if (got == n)
        return ST_OK;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t r = fd >= 0 ? read(fd, buf, n) : -1;
    if (fd >= 0)
        close(fd);
    if (r != (ssize_t)n)
        return st_error_set(err, ST_ERR_IO, "could not read random bytes for a run id: %s",
                            strerror(errno));
    return ST_OK;
}

/* 32 lowercase hex digits plus NUL into out. */
static st_status new_run_id(char out[33], st_error *err)
{
    uint8_t b[16];
    st_status rc = random_bytes(b, sizeof b, err);
    for (int i = 0; rc == ST_OK && i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return rc;
}

/* "adjective-noun-NNN" as MLflow names runs that got no name. */
static st_status new_run_name(char *out, size_t n, st_error *err)
{
    static const char *const k_adj[] = {
        "amber", "bold", "brave", "bright", "calm", "clever", "crisp", "daring", "eager",
        "gentle", "glowing", "golden", "honest", "humble", "jolly", "keen", "lively", "lucky",
        "mellow", "nimble", "quiet", "rapid", "silver", "steady", "sunny", "swift", "tidy",
        "vivid", "witty", "zesty",
    };
    static const char *const k_noun[] = {
        "badger", "bee", "crane", "dolphin", "eagle", "falcon", "ferret", "finch", "fox",
        "gecko", "heron", "ibis", "koala", "lark", "lynx", "marten", "moose", "newt", "otter",
        "owl", "panda", "puffin", "quail", "raven", "robin", "seal", "sparrow", "stork",
        "trout", "wren",
    };
    uint8_t b[4];
    st_status rc = random_bytes(b, sizeof b, err);
    if (rc == ST_OK)
        snprintf(out, n, "%s-%s-%u", k_adj[b[0] % ST_ARRAY_LEN(k_adj)],
                 k_noun[b[1] % ST_ARRAY_LEN(k_noun)], (unsigned)((b[2] << 8 | b[3]) % 1000));
    return rc;
}

/* ---- lookups ------------------------------------------------------------------------- */

/* NOTFOUND "Run with id=... not found"; *active (may be NULL) gets whether
** the run's lifecycle stage is active. */
static st_status run_lookup(ml_store *s, const char *run_id, bool *active, st_error *err)
{
    char *stage = NULL;
    st_status rc = ml_query_text(s, "SELECT lifecycle_stage FROM ml_runs WHERE run_id = ?1",
                                 (ml_arg[]){ ml_s(run_id ? run_id : "") }, 1, &stage, err);
    if (rc != ST_OK)
        return rc;
    if (!stage)
        return st_error_set(err, ST_ERR_NOTFOUND, "Run with id=%.100s not found",
                            run_id ? run_id : "");
    if (active)
        *active = strcmp(stage, "active") == 0;
    st_free(stage);
    return ST_OK;
}

static st_status run_check_active(ml_store *s, const char *run_id, st_error *err)
{
    bool active;
    st_status rc = run_lookup(s, run_id, &active, err);
    if (rc == ST_OK && !active)
        rc = st_error_set(err, ST_ERR_ARGUMENT, "The run %s must be in the 'active' state. "
                                                "Current state is deleted.", run_id);
    return rc;
}

/* ---- JSON of runs ---------------------------------------------------------------------- */

#define RUN_INFO_COLS "run_id, run_name, experiment_id, user_id, status, start_time, end_time, " \
                      "artifact_uri, lifecycle_stage"

/* RunInfo from the current row of a query selecting RUN_INFO_COLS. */
static st_status run_info_row(ml_store *s, sqlite3_stmt *st, json_t **out, st_error *err)
{
    (void)s;
    json_t *i = *out = json_object();
    if (!i)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    ml_json_set_col(i, "run_id", st, 0);
    ml_json_set_col(i, "run_uuid", st, 0);
    ml_json_set_col(i, "run_name", st, 1);
    ml_json_set_col(i, "experiment_id", st, 2);
    ml_json_set_col(i, "user_id", st, 3);
    ml_json_set_col(i, "status", st, 4);
    json_object_set_new(i, "start_time", json_integer(sqlite3_column_int64(st, 5)));
    if (sqlite3_column_type(st, 6) != SQLITE_NULL)
        json_object_set_new(i, "end_time", json_integer(sqlite3_column_int64(st, 6)));
    ml_json_set_col(i, "artifact_uri", st, 7);
    ml_json_set_col(i, "lifecycle_stage", st, 8);
    return ST_OK;
}

static st_status run_info_get(ml_store *s, const char *run_id, json_t **out, st_error *err)
{
    sqlite3_stmt *st;
    *out = NULL;
    st_status rc = ml_stmt(s, "SELECT " RUN_INFO_COLS " FROM ml_runs WHERE run_id = ?1",
                           (ml_arg[]){ ml_s(run_id ? run_id : "") }, 1, &st, err);
    if (rc == ST_OK)
        rc = ml_json_first(s, st, run_info_row, out, err);
    if (rc == ST_OK && !*out)
        rc = st_error_set(err, ST_ERR_NOTFOUND, "Run with id=%.100s not found",
                          run_id ? run_id : "");
    return rc;
}

/* Metric {key, value, timestamp, step} from columns key, value, is_nan,
** timestamp, step starting at column 0. */
static st_status metric_row(ml_store *s, sqlite3_stmt *st, json_t **out, st_error *err)
{
    (void)s;
    json_t *m = *out = json_object();
    if (!m)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    ml_json_set_col(m, "key", st, 0);
    json_object_set_new(m, "value", sqlite3_column_int(st, 2) ? json_string("NaN")
                                                             : ml_json_double(
                                                                   sqlite3_column_double(st, 1)));
    json_object_set_new(m, "timestamp", json_integer(sqlite3_column_int64(st, 3)));
    json_object_set_new(m, "step", json_integer(sqlite3_column_int64(st, 4)));
    return ST_OK;
}

/* [Metric] of the rows of sql (columns as metric_row reads them). */
static st_status metric_list(ml_store *s, const char *sql, const ml_arg *args, int n,
                             json_t **out, st_error *err)
{
    sqlite3_stmt *st;
    *out = NULL;
    st_status rc = ml_stmt(s, sql, args, n, &st, err);
    return rc == ST_OK ? ml_json_list(s, st, metric_row, out, err) : rc;
}

/* {dataset_inputs: [...]} (the member left out when there are none). */
static st_status run_inputs(ml_store *s, const char *run_id, json_t **out, st_error *err)
{
    sqlite3_stmt *st;
    *out = json_object();
    if (!*out)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    st_status rc = ml_stmt(s, "SELECT input_json FROM ml_run_inputs WHERE run_id = ?1 "
                              "ORDER BY id", (ml_arg[]){ ml_s(run_id) }, 1, &st, err);
    json_t *arr = NULL;
    bool row = true;
    while (rc == ST_OK && (rc = ml_step(s, st, &row, err)) == ST_OK && row) {
        json_t *in = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
        if (!in)
            continue;                            /* stored by us: always valid */
        if (!arr && (arr = json_array()) != NULL)
            json_object_set_new(*out, "dataset_inputs", arr);
        if (!arr || json_array_append_new(arr, in) != 0)
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    if (rc != ST_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* The Run {info, data: {metrics, params, tags}, inputs} of run_id. */
static st_status run_json(ml_store *s, const char *run_id, json_t **out, st_error *err)
{
    *out = NULL;
    json_t *info, *metrics = NULL, *params = NULL, *tags = NULL, *inputs = NULL;
    st_status rc = run_info_get(s, run_id, &info, err);
    if (rc != ST_OK)
        return rc;
    ml_arg id = ml_s(run_id);
    rc = metric_list(s, "SELECT key, value, is_nan, timestamp, step FROM ml_latest_metrics "
                        "WHERE run_id = ?1 ORDER BY key", &id, 1, &metrics, err);
    if (rc == ST_OK)
        rc = ml_json_kv_list(s, "SELECT key, value FROM ml_params WHERE run_id = ?1 "
                                "ORDER BY key", &id, 1, &params, err);
    if (rc == ST_OK)
        rc = ml_json_kv_list(s, "SELECT key, value FROM ml_tags WHERE run_id = ?1 "
                                "ORDER BY key", &id, 1, &tags, err);
    if (rc == ST_OK)
        rc = run_inputs(s, run_id, &inputs, err);
    json_t *run = rc == ST_OK ? json_object() : NULL;
    json_t *data = run ? json_object() : NULL;
    if (rc == ST_OK && (!data || json_object_set_new(run, "info", info) != 0 ||
                        json_object_set_new(run, "data", data) != 0 ||
                        json_object_set_new(data, "metrics", metrics) != 0 ||
                        json_object_set_new(data, "params", params) != 0 ||
                        json_object_set_new(data, "tags", tags) != 0 ||
                        json_object_set_new(run, "inputs", inputs) != 0))
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    if (rc != ST_OK) {
        if (!data) {                             /* nothing was handed over yet */
            json_decref(info);
            json_decref(metrics);
            json_decref(params);
            json_decref(tags);
            json_decref(inputs);
        }
        json_decref(run);
        return rc;
    }
    *out = run;
    return ST_OK;
}

/* ---- tags and params inside a transaction --------------------------------------------- */

/* Sets a run tag; mlflow.runName also renames the run. */
static st_status put_tag(ml_store *s, const char *run_id, const char *key, const char *value,
                         st_error *err)
{
    const char *v = value ? value : "";
    st_status rc = ml_exec(s, "INSERT OR REPLACE INTO ml_tags (run_id, key, value) "
                              "VALUES (?1, ?2, ?3)",
                           (ml_arg[]){ ml_s(run_id), ml_s(key), ml_s(v) }, 3, NULL, err);
    if (rc == ST_OK && strcmp(key, ML_RUN_NAME_TAG) == 0)
        rc = ml_exec(s, "UPDATE ml_runs SET run_name = ?1 WHERE run_id = ?2",
                     (ml_arg[]){ ml_s(v), ml_s(run_id) }, 2, NULL, err);
    return rc;
}

/* Logs a param; an existing key must keep its value. */
static st_status put_param(ml_store *s, const char *run_id, const char *key, const char *value,
                           st_error *err)
{
    char *old;
    const char *v = value ? value : "";
    st_status rc = ml_query_text(s, "SELECT value FROM ml_params WHERE run_id = ?1 AND key = ?2",
                                 (ml_arg[]){ ml_s(run_id), ml_s(key) }, 2, &old, err);
    if (rc != ST_OK)
        return rc;
    if (old) {
        if (strcmp(old, v) != 0)
            rc = st_error_set(err, ST_ERR_ARGUMENT,
                              "Changing param values is not allowed. Param with key='%s' was "
                              "already logged with value='%.200s' for run ID='%s'. Attempted "
                              "logging new value '%.200s'.", key, old, run_id, v);
        st_free(old);
        return rc;
    }
    return ml_exec(s, "INSERT INTO ml_params (run_id, key, value) VALUES (?1, ?2, ?3)",
                   (ml_arg[]){ ml_s(run_id), ml_s(key), ml_s(v) }, 3, NULL, err);
}

/* Records one metric value and moves the latest value forward when this
** one has a higher (step, timestamp, value). */
static st_status put_metric(ml_store *s, const char *run_id, const ml_metric *m, int64_t now,
                            st_error *err)
{
    bool nan = isnan(m->value);
    ml_arg args[] = { ml_s(run_id), ml_s(m->key), ml_d(nan ? 0.0 : m->value), ml_i(nan),
                      ml_i(m->timestamp ? m->timestamp : now), ml_i(m->step) };
    st_status rc = ml_exec(s, "INSERT OR IGNORE INTO ml_metrics (run_id, key, value, is_nan, "
                              "timestamp, step) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           args, 6, NULL, err);
    if (rc == ST_OK)
        rc = ml_exec(s, "INSERT INTO ml_latest_metrics (run_id, key, value, is_nan, timestamp, "
                        "step) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (run_id, key) DO "
                        "UPDATE SET value = excluded.value, is_nan = excluded.is_nan, "
                        "timestamp = excluded.timestamp, step = excluded.step WHERE "
                        "excluded.step > step OR (excluded.step = step AND "
                        "(excluded.timestamp > timestamp OR (excluded.timestamp = timestamp "
                        "AND NOT excluded.is_nan AND NOT is_nan AND excluded.value > value)))",
                     args, 6, NULL, err);
    return rc;
}

static st_status check_value(const char *what, const char *key, const char *value, size_t max,
                             st_error *err)
{
    size_t n = value ? strlen(value) : 0;
    if (n > max)
        return st_error_set(err, ST_ERR_ARGUMENT, "%s '%s' had length %zu, which exceeded "
                                                  "length limit of %zu", what, key, n, max);
    return ST_OK;
}

/* What a logged key / value pair is: params and tags. */
typedef struct kv_kind {
    const char *what;         /* static: the key's kind, for ml_check_key */
    const char *value_what;   /* static: the value's, for check_value */
    size_t      max;          /* bytes a value may have */
    /* stores it (inside a transaction) */
    st_status (*put)(ml_store *s, const char *run_id, const char *key, const char *value,
                     st_error *err);
} kv_kind;

static const kv_kind k_param_kind = { "param", "Param value", ML_PARAM_VALUE_MAX, put_param };
static const kv_kind k_tag_kind = { "tag", "Tag value", ML_TAG_VALUE_MAX, put_tag };

/* Checks the key and the value's length of kv, a k. */
static st_status kv_check(const kv_kind *k, const ml_kv *kv, st_error *err)
{
    st_status rc = ml_check_key(k->what, kv->key, err);
    return rc == ST_OK ? check_value(k->value_what, kv->key, kv->value, k->max, err) : rc;
}

/* Logs kv, a k, to active run run_id in a transaction of its own. */
static st_status log_kv(ml_store *s, const char *run_id, const kv_kind *k, const ml_kv *kv,
                        st_error *err)
{
    st_status rc = kv_check(k, kv, err);
    if (rc != ST_OK || (rc = ml_tx_begin(s, err)) != ST_OK)
        return rc;
    rc = run_check_active(s, run_id, err);
    if (rc == ST_OK)
        rc = k->put(s, run_id, kv->key, kv->value, err);
    return ml_tx_end(s, rc, err);
}

/* ---- runs ----------------------------------------------------------------------------- */

/* Resolves the name of a new run: run_name, else the mlflow.runName tag,
** else a generated one; both given and different -> ARGUMENT. */
static st_status pick_run_name(const char *run_name, const ml_kv *tags, int n_tags, char *out,
                               size_t n, st_error *err)
{
    const char *tag = NULL;
    for (int i = 0; i < n_tags; i++)
        if (strcmp(tags[i].key, ML_RUN_NAME_TAG) == 0)
            tag = tags[i].value ? tags[i].value : "";
    if (run_name && *run_name && tag && strcmp(run_name, tag) != 0)
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "Both 'run_name' argument and 'mlflow.runName' tag are specified, "
                            "but with different values (run_name='%.200s', "
                            "mlflow.runName='%.200s').", run_name, tag);
    const char *name = run_name && *run_name ? run_name : tag && *tag ? tag : NULL;
    if (!name)
        return new_run_name(out, n, err);
    if (strlen(name) >= n)
        return st_error_set(err, ST_ERR_ARGUMENT, "Run name '%.100s...' is longer than %zu "
                                                  "bytes", name, n - 1);
    memcpy(out, name, strlen(name) + 1);
    return ST_OK;
}

st_status ml_run_create(ml_store *s, const char *experiment_id, const char *user_id,
                        const char *run_name, int64_t start_time, const ml_kv *tags,
                        int n_tags, json_t **out, st_error *err)
{
    if (out)
        *out = NULL;
    const char *exp = experiment_id && *experiment_id ? experiment_id : "0";
    char name[512], id[33];
    st_status rc = pick_run_name(run_name, tags, n_tags, name, sizeof name, err);
    for (int i = 0; rc == ST_OK && i < n_tags; i++) {
        rc = ml_check_key("tag", tags[i].key, err);
        if (rc == ST_OK)
            rc = check_value("Tag", tags[i].key, tags[i].value, ML_TAG_VALUE_MAX, err);
    }
    if (rc == ST_OK)
        rc = new_run_id(id, err);
    if (rc != ST_OK || (rc = ml_tx_begin(s, err)) != ST_OK)
        return rc;
    int64_t num;
    rc = ml_experiment_check_active(s, exp, &num, err);
    if (rc == ST_OK)
        rc = ml_exec(s, "INSERT INTO ml_runs (run_id, experiment_id, run_name, user_id, status, "
                        "start_time, artifact_uri, lifecycle_stage) SELECT ?1, experiment_id, "
                        "?2, ?3, 'RUNNING', ?4, "
                        "rtrim(artifact_location, '/') || '/' || ?1 || '/artifacts', "
                        "'active' FROM ml_experiments WHERE experiment_id = ?5",
                     (ml_arg[]){ ml_s(id), ml_s(name), ml_s(user_id ? user_id : ""),
                                 ml_i(start_time ? start_time : ml_now_ms()), ml_i(num) },
                     5, NULL, err);
    for (int i = 0; rc == ST_OK && i < n_tags; i++)
        rc = put_tag(s, id, tags[i].key, tags[i].value, err);
    if (rc == ST_OK)
        rc = put_tag(s, id, ML_RUN_NAME_TAG, name, err);
    rc = ml_tx_end(s, rc, err);
    if (rc == ST_OK && out)
        rc = run_json(s, id, out, err);
    return rc;
}

st_status ml_run_get(ml_store *s, const char *run_id, json_t **out, st_error *err)
{
    return run_json(s, run_id, out, err);
}

static bool valid_status(const char *status)
{
    static const char *const k_status[] = { "RUNNING", "SCHEDULED", "FINISHED", "FAILED",
                                            "KILLED" };
    for (size_t i = 0; i < ST_ARRAY_LEN(k_status); i++)
        if (strcmp(status, k_status[i]) == 0)
            return true;
    return false;
}

st_status ml_run_update(ml_store *s, const char *run_id, const char *status, int64_t end_time,
                        const char *run_name, json_t **out, st_error *err)
{
    if (out)
        *out = NULL;
    if (status && *status && !valid_status(status))
        return st_error_set(err, ST_ERR_ARGUMENT, "Invalid run status '%.100s': expected "
                                                  "RUNNING, SCHEDULED, FINISHED, FAILED or "
                                                  "KILLED", status);
    if (end_time < 0)
        return st_error_set(err, ST_ERR_ARGUMENT, "Invalid end_time %lld",
                            (long long)end_time);
    st_status rc = ml_tx_begin(s, err);
    if (rc != ST_OK)
        return rc;
    rc = run_check_active(s, run_id, err);
    if (rc == ST_OK)
        rc = ml_exec(s, "UPDATE ml_runs SET status = coalesce(?1, status), "
                        "end_time = coalesce(?2, end_time) WHERE run_id = ?3",
                     (ml_arg[]){ ml_s(status && *status ? status : NULL),
                                 end_time > 0 ? ml_i(end_time) : ml_s(NULL), ml_s(run_id) },
                     3, NULL, err);
    if (rc == ST_OK && run_name && *run_name)
        rc = put_tag(s, run_id, ML_RUN_NAME_TAG, run_name, err);
    rc = ml_tx_end(s, rc, err);
    if (rc == ST_OK && out)
        rc = run_info_get(s, run_id, out, err);
    return rc;
}

/* Delete (to deleted) or restore (to active) a run. */
static st_status run_set_stage(ml_store *s, const char *run_id, bool deleted, st_error *err)
{
    st_status rc = ml_tx_begin(s, err);
    if (rc != ST_OK)
        return rc;
    bool active;
    rc = run_lookup(s, run_id, &active, err);
    if (rc == ST_OK && !deleted && active)
        rc = st_error_set(err, ST_ERR_ARGUMENT, "The run %s must be in the 'deleted' state. "
                                                "Current state is active.", run_id);
    if (rc == ST_OK)
        rc = ml_exec(s, "UPDATE ml_runs SET lifecycle_stage = ?1, deleted_time = ?2 "
                        "WHERE run_id = ?3",
                     (ml_arg[]){ ml_s(deleted ? "deleted" : "active"),
                                 deleted ? ml_i(ml_now_ms()) : ml_s(NULL), ml_s(run_id) },
                     3, NULL, err);
    return ml_tx_end(s, rc, err);
}

st_status ml_run_delete(ml_store *s, const char *run_id, st_error *err)
{
    return run_set_stage(s, run_id, true, err);
}

st_status ml_run_restore(ml_store *s, const char *run_id, st_error *err)
{
    return run_set_stage(s, run_id, false, err);
}

/* ---- run search ------------------------------------------------------------------------ */

/* The attributes of ml_runs r that filters and order_by name. */
static const ml_col k_run_attrs[] = {
    { "run_id", "r.run_id", false },       { "run_uuid", "r.run_id", false },
    { "run_name", "r.run_name", false },   { "status", "r.status", false },
    { "user_id", "r.user_id", false },     { "artifact_uri", "r.artifact_uri", false },
    { "lifecycle_stage", "r.lifecycle_stage", false },
    { "start_time", "r.start_time", true }, { "end_time", "r.end_time", true },
    { "created", "r.start_time", true },   { "experiment_id", "r.experiment_id", true },
    { NULL, NULL, false },
};

/* The key/value table of metrics, params and tags of ml_runs r. */
static const char *const k_run_kv_tables[] = { [ML_ENT_METRIC] = "ml_latest_metrics",
                                               [ML_ENT_PARAM] = "ml_params",
                                               [ML_ENT_TAG] = "ml_tags" };

/* "r.experiment_id IN (...) AND " for the searched experiments. */
static st_status run_scope(ml_query *q, const char *const *ids, int n_ids, st_error *err)
{
    ml_query_sql(q, "r.experiment_id IN (");
    for (int i = 0; i < n_ids; i++) {
        int64_t num;
        if (!ml_parse_id(ids[i], &num))
            return st_error_set(err, ST_ERR_ARGUMENT, "Invalid experiment id '%.100s'",
                                ids[i] ? ids[i] : "");
        ml_query_sql(q, i ? ", " : "");
        ml_query_arg(q, ml_i(num));
    }
    ml_query_sql(q, ") AND ");
    return ST_OK;
}

/* The condition of one clause of a run filter. */
static st_status run_filter(ml_query *q, const ml_clause *c, st_error *err)
{
    static const char *const k_heads[] = {
        [ML_ENT_METRIC] = "EXISTS (SELECT 1 FROM ml_latest_metrics t WHERE t.run_id = r.run_id "
                          "AND t.is_nan = 0 AND t.key = ",
        [ML_ENT_PARAM] = "EXISTS (SELECT 1 FROM ml_params t WHERE t.run_id = r.run_id AND "
                         "t.key = ",
        [ML_ENT_TAG] = "EXISTS (SELECT 1 FROM ml_tags t WHERE t.run_id = r.run_id AND t.key = ",
    };
    switch (c->ent) {
    case ML_ENT_METRIC:
    case ML_ENT_PARAM:
    case ML_ENT_TAG:
        return ml_key_filter(q, k_heads[c->ent], c, c->ent == ML_ENT_METRIC, err);
    case ML_ENT_DATASET: {
        const char *col = strcmp(c->key, "name") == 0     ? "i.name"
                          : strcmp(c->key, "digest") == 0 ? "i.digest"
                          : strcmp(c->key, "context") == 0
                              ? "(SELECT json_extract(t.value, '$.value') FROM "
                                "json_each(i.input_json, '$.tags') t WHERE "
                                "json_extract(t.value, '$.key') = 'mlflow.data.context')"
                              : NULL;
        if (!col)
            return st_error_set(err, ST_ERR_ARGUMENT, "Invalid dataset key '%s': use name, "
                                                      "digest or context", c->key);
        st_status rc = ml_clause_check(c, false, err);
        if (rc != ST_OK)
            return rc;
        ml_query_sql(q, "EXISTS (SELECT 1 FROM ml_run_inputs i WHERE i.run_id = r.run_id AND ");
        ml_query_compare(q, col, c);
        ml_query_sql(q, ")");
        return ST_OK;
    }
    case ML_ENT_ATTR:
        break;
    }
    return ml_attr_filter(q, k_run_attrs, "run_id, run_name, status, user_id, artifact_uri, "
                                          "start_time, end_time", c, err);
}

/* Orders by a metric, param or tag (missing values, then NaN metrics, last). */
static bool run_order_key(ml_query *q, const ml_order *o, const char *dir)
{
    if (o->ent != ML_ENT_METRIC && o->ent != ML_ENT_PARAM && o->ent != ML_ENT_TAG)
        return false;
    const char *tbl = k_run_kv_tables[o->ent];
    /* rank: 0 a value, 1 NaN (metrics), 2 missing -- always ascending */
    ml_query_sql(q, "coalesce((SELECT ");
    ml_query_sql(q, o->ent == ML_ENT_METRIC ? "x.is_nan" : "0");
    ml_query_sql(q, " FROM ");
    ml_query_sql(q, tbl);
    ml_query_sql(q, " x WHERE x.run_id = r.run_id AND x.key = ");
    ml_query_arg(q, ml_s(o->key));
    ml_query_sql(q, "), 2) ASC, (SELECT x.value FROM ");
    ml_query_sql(q, tbl);
    ml_query_sql(q, " x WHERE x.run_id = r.run_id AND x.key = ");
    ml_query_arg(q, ml_s(o->key));
    ml_query_sql(q, ")");
    ml_query_sql(q, dir);
    return true;
}

static st_status run_json_row(ml_store *s, sqlite3_stmt *st, json_t **out, st_error *err)
{
    return run_json(s, (const char *)sqlite3_column_text(st, 0), out, err);
}

/* Runs order by start_time DESC, then run_id, after any order_by. */
static const ml_search_def k_run_search = {
    .select = "SELECT r.run_id FROM ml_runs r WHERE ",
    .scope = run_scope,
    .view_col = "r.lifecycle_stage",
    .filter = run_filter,
    .order_cols = k_run_attrs,
    .order_key = run_order_key,
    .nulls_last = true,
    .seen_col = "r.start_time",
    .tie_unseen = "r.start_time DESC, r.run_id ASC",
    .tie_seen = "r.run_id ASC",
    .max_dflt = 1000,
    .max_limit = 50000,
    .key = "runs",
    .fill = run_json_row,
};

st_status ml_run_search(ml_store *s, const char *const *experiment_ids, int n_experiments,
                        const char *filter, const char *view, const char *const *order_by,
                        int n_order_by, int64_t max_results, const char *page_token,
                        json_t **out, st_error *err)
{
    ml_search_req req = { .view = view, .filter = filter, .order_by = order_by,
                          .n_order_by = n_order_by, .max_results = max_results,
                          .page_token = page_token, .scope_ids = experiment_ids,
                          .n_scope_ids = n_experiments };
    return ml_search_exec(s, &k_run_search, &req, out, err);
}

/* ---- logging -------------------------------------------------------------------------- */

st_status ml_log_metric(ml_store *s, const char *run_id, const char *key, double value,
                        int64_t timestamp, int64_t step, st_error *err)
{
    st_status rc = ml_check_key("metric", key, err);
    if (rc != ST_OK || (rc = ml_tx_begin(s, err)) != ST_OK)
        return rc;
    rc = run_check_active(s, run_id, err);
    ml_metric m = { key, value, timestamp, step };
    if (rc == ST_OK)
        rc = put_metric(s, run_id, &m, ml_now_ms(), err);
    return ml_tx_end(s, rc, err);
}

st_status ml_log_param(ml_store *s, const char *run_id, const char *key, const char *value,
                       st_error *err)
{
    return log_kv(s, run_id, &k_param_kind, &(ml_kv){ key, value }, err);
}

st_status ml_set_tag(ml_store *s, const char *run_id, const char *key, const char *value,
                     st_error *err)
{
    return log_kv(s, run_id, &k_tag_kind, &(ml_kv){ key, value }, err);
}

st_status ml_delete_tag(ml_store *s, const char *run_id, const char *key, st_error *err)
{
    st_status rc = ml_tx_begin(s, err);
    if (rc != ST_OK)
        return rc;
    rc = run_check_active(s, run_id, err);
    int n = 0;
    if (rc == ST_OK)
        rc = ml_exec(s, "DELETE FROM ml_tags WHERE run_id = ?1 AND key = ?2",
                     (ml_arg[]){ ml_s(run_id), ml_s(key ? key : "") }, 2, &n, err);
    if (rc == ST_OK && n == 0)
        rc = st_error_set(err, ST_ERR_NOTFOUND, "No tag with name: %.300s in run with id %s",
                          key ? key : "", run_id);
    return ml_tx_end(s, rc, err);
}

/* Everything about a batch that can be checked without the database. */
static st_status batch_check(const ml_metric *metrics, int n_metrics, const ml_kv *params,
                             int n_params, const ml_kv *tags, int n_tags, st_error *err)
{
    if (n_metrics < 0 || n_params < 0 || n_tags < 0)
        return st_error_set(err, ST_ERR_ARGUMENT, "negative count in a batch logging request");
    if (n_metrics > 1000)
        return st_error_set(err, ST_ERR_ARGUMENT, "A batch logging request can contain at most "
                                                  "1000 metrics. Got %d metrics. Please split "
                                                  "up metrics across multiple requests and try "
                                                  "again.", n_metrics);
    if (n_params > 100)
        return st_error_set(err, ST_ERR_ARGUMENT, "A batch logging request can contain at most "
                                                  "100 params. Got %d params. Please split up "
                                                  "params across multiple requests and try "
                                                  "again.", n_params);
    if (n_tags > 100)
        return st_error_set(err, ST_ERR_ARGUMENT, "A batch logging request can contain at most "
                                                  "100 tags. Got %d tags. Please split up tags "
                                                  "across multiple requests and try again.",
                            n_tags);
    if (n_metrics + n_params + n_tags > 1000)
        return st_error_set(err, ST_ERR_ARGUMENT, "A batch logging request can contain at most "
                                                  "1000 metrics, params and tags in all. Got "
                                                  "%d. Please split up the data across "
                                                  "multiple requests and try again.",
                            n_metrics + n_params + n_tags);
    st_status rc = ST_OK;
    for (int i = 0; rc == ST_OK && i < n_metrics; i++)
        rc = ml_check_key("metric", metrics[i].key, err);
    for (int i = 0; rc == ST_OK && i < n_params; i++) {
        rc = kv_check(&k_param_kind, &params[i], err);
        for (int j = 0; rc == ST_OK && j < i; j++)
            if (strcmp(params[i].key, params[j].key) == 0)
                rc = st_error_set(err, ST_ERR_ARGUMENT,
                                  "Duplicate parameter keys have been submitted: ['%s']. Please "
                                  "ensure the request contains only one param value per param "
                                  "key.", params[i].key);
    }
    for (int i = 0; rc == ST_OK && i < n_tags; i++)
        rc = kv_check(&k_tag_kind, &tags[i], err);
    return rc;
}

st_status ml_log_batch(ml_store *s, const char *run_id, const ml_metric *metrics, int n_metrics,
                       const ml_kv *params, int n_params, const ml_kv *tags, int n_tags,
                       st_error *err)
{
    st_status rc = batch_check(metrics, n_metrics, params, n_params, tags, n_tags, err);
    if (rc != ST_OK || (rc = ml_tx_begin(s, err)) != ST_OK)
        return rc;
    rc = run_check_active(s, run_id, err);
    int64_t now = ml_now_ms();
    for (int i = 0; rc == ST_OK && i < n_params; i++)
        rc = put_param(s, run_id, params[i].key, params[i].value, err);
    for (int i = 0; rc == ST_OK && i < n_tags; i++)
        rc = put_tag(s, run_id, tags[i].key, tags[i].value, err);
    for (int i = 0; rc == ST_OK && i < n_metrics; i++)
        rc = put_metric(s, run_id, &metrics[i], now, err);
    return ml_tx_end(s, rc, err);
}

st_status ml_log_model(ml_store *s, const char *run_id, const char *model_json, st_error *err)
{
    json_t *model = model_json ? json_loads(model_json, 0, NULL) : NULL;
    static const char *const k_need[] = { "artifact_path", "flavors", "utc_time_created",
                                          "run_id" };
    st_status rc = ST_OK;
    if (!json_is_object(model))
        rc = st_error_set(err, ST_ERR_ARGUMENT, "Malformed model info: model_json is not a "
                                                "JSON object");
    for (size_t i = 0; rc == ST_OK && i < ST_ARRAY_LEN(k_need); i++)
        if (!json_object_get(model, k_need[i]))
            rc = st_error_set(err, ST_ERR_ARGUMENT, "Model json is missing mandatory fields: "
                                                    "['%s']", k_need[i]);
    if (rc != ST_OK || (rc = ml_tx_begin(s, err)) != ST_OK) {
        json_decref(model);
        return rc;
    }
    rc = run_check_active(s, run_id, err);
    char *old = NULL, *text = NULL;
    if (rc == ST_OK)
        rc = ml_query_text(s, "SELECT value FROM ml_tags WHERE run_id = ?1 AND key = ?2",
                           (ml_arg[]){ ml_s(run_id), ml_s(ML_MODEL_HISTORY_TAG) }, 2, &old, err);
    json_t *hist = old ? json_loads(old, 0, NULL) : NULL;
    if (!json_is_array(hist)) {
        json_decref(hist);
        hist = json_array();
    }
    if (rc == ST_OK && (!hist || json_array_append(hist, model) != 0 ||
                        !(text = json_dumps(hist, JSON_COMPACT))))
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    if (rc == ST_OK)
        rc = put_tag(s, run_id, ML_MODEL_HISTORY_TAG, text, err);
    free(text);                                  /* jansson's allocator */
    st_free(old);
    json_decref(hist);
    json_decref(model);
    return ml_tx_end(s, rc, err);
}

/* Checks one DatasetInput: {tags?, dataset: {name, digest, source_type, source, ...}}. */
static st_status check_input(json_t *in, size_t i, st_error *err)
{
    json_t *ds = json_object_get(in, "dataset");
    static const char *const k_need[] = { "name", "digest", "source_type", "source" };
    if (!json_is_object(ds))
        return st_error_set(err, ST_ERR_ARGUMENT, "Dataset input %zu has no 'dataset' object",
                            i);
    for (size_t k = 0; k < ST_ARRAY_LEN(k_need); k++)
        if (!json_is_string(json_object_get(ds, k_need[k])))
            return st_error_set(err, ST_ERR_ARGUMENT, "Missing value for required parameter "
                                                      "'dataset.%s' of dataset input %zu",
                                k_need[k], i);
    json_t *tags = json_object_get(in, "tags");
    if (tags && !json_is_array(tags))
        return st_error_set(err, ST_ERR_ARGUMENT, "Tags of dataset input %zu are not a list",
                            i);
    return ST_OK;
}

st_status ml_log_inputs(ml_store *s, const char *run_id, json_t *datasets, st_error *err)
{
    if (datasets && !json_is_array(datasets))
        return st_error_set(err, ST_ERR_ARGUMENT, "datasets must be a list of dataset inputs");
    st_status rc = ST_OK;
    for (size_t i = 0; rc == ST_OK && i < json_array_size(datasets); i++)
        rc = check_input(json_array_get(datasets, i), i, err);
    if (rc != ST_OK || (rc = ml_tx_begin(s, err)) != ST_OK)
        return rc;
    rc = run_check_active(s, run_id, err);
    for (size_t i = 0; rc == ST_OK && i < json_array_size(datasets); i++) {
        json_t *in = json_array_get(datasets, i);
        json_t *ds = json_object_get(in, "dataset");
        char *text = json_dumps(in, JSON_COMPACT);
        if (!text) {
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
            break;
        }
        rc = ml_exec(s, "INSERT OR IGNORE INTO ml_run_inputs (run_id, name, digest, input_json) "
                        "VALUES (?1, ?2, ?3, ?4)",
                     (ml_arg[]){ ml_s(run_id), ml_s(json_string_value(json_object_get(ds, "name"))),
                                 ml_s(json_string_value(json_object_get(ds, "digest"))),
                                 ml_s(text) }, 4, NULL, err);
        free(text);
    }
    return ml_tx_end(s, rc, err);
}

st_status ml_metric_history(ml_store *s, const char *run_id, const char *key, json_t **out,
                            st_error *err)
{
    *out = NULL;
    st_status rc = run_lookup(s, run_id, NULL, err);
    json_t *arr;
    if (rc == ST_OK)
        rc = metric_list(s, "SELECT key, value, is_nan, timestamp, step FROM ml_metrics "
                            "WHERE run_id = ?1 AND key = ?2 ORDER BY step, timestamp, rowid",
                         (ml_arg[]){ ml_s(run_id), ml_s(key ? key : "") }, 2, &arr, err);
    if (rc != ST_OK)
        return rc;
    *out = json_object();
    if (!*out || json_object_set_new(*out, "metrics", arr) != 0) {
        json_decref(*out);
        *out = NULL;
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    }
    return ST_OK;
}

/* ---- artifacts ---------------------------------------------------------------------- */

/* ARGUMENT when path has a ".." component (or, unless abs_ok, starts with '/'). */
static st_status check_path(const char *path, bool abs_ok, st_error *err)
{
    if (!abs_ok && path[0] == '/')
        return st_error_set(err, ST_ERR_ARGUMENT, "Invalid artifact path '%.300s': absolute "
                                                  "paths are not allowed", path);
    for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2)
        if ((p == path || p[-1] == '/') && (p[2] == 0 || p[2] == '/'))
            return st_error_set(err, ST_ERR_ARGUMENT, "Invalid artifact path '%.300s': '..' "
                                                      "is not allowed", path);
    return ST_OK;
}

/* base + "/" + rel (rel "" gives base). Heap. */
static st_status join_path(const char *base, const char *rel, char **out, st_error *err)
{
    while (*rel == '/')
        rel++;
    size_t n = strlen(base) + strlen(rel) + 2;
    *out = st_malloc(n);
    if (!*out)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    snprintf(*out, n, "%s%s%s", base, *rel ? "/" : "", rel);
    size_t len = strlen(*out);
    while (len > 1 && (*out)[len - 1] == '/')
        (*out)[--len] = 0;
    return ST_OK;
}

/* Skips "//authority" after a scheme. */
static const char *skip_authority(const char *p)
{
    if (p[0] == '/' && p[1] == '/') {
        const char *slash = strchr(p + 2, '/');
        return slash ? slash : "";
    }
    return p;
}

static st_status local_path(ml_store *s, const char *uri, int depth, char **out, st_error *err);

/* The local folder of run_id's artifact URI, resolved at depth. Heap. */
static st_status run_artifact_local(ml_store *s, const char *run_id, int depth, char **out,
                                    st_error *err)
{
    *out = NULL;
    char *uri;
    st_status rc = ml_query_text(s, "SELECT artifact_uri FROM ml_runs WHERE run_id = ?1",
                                 (ml_arg[]){ ml_s(run_id ? run_id : "") }, 1, &uri, err);
    if (rc == ST_OK && !uri)
        rc = st_error_set(err, ST_ERR_NOTFOUND, "Run with id=%.100s not found",
                          run_id ? run_id : "");
    if (rc == ST_OK)
        rc = local_path(s, uri, depth, out, err);
    st_free(uri);
    return rc;
}

/* runs:/<run_id>/<path>. */
static st_status runs_uri_path(ml_store *s, const char *rest, int depth, char **out,
                               st_error *err)
{
    while (*rest == '/')
        rest++;
    const char *slash = strchr(rest, '/');
    size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
    char id[64];
    if (n == 0 || n >= sizeof id)
        return st_error_set(err, ST_ERR_ARGUMENT, "Invalid runs URI 'runs:/%.200s': expected "
                                                  "runs:/<run_id>/<path>", rest);
    memcpy(id, rest, n);
    id[n] = 0;
    const char *rel = slash ? slash + 1 : "";
    st_status rc = check_path(rel, false, err);
    char *base = NULL;
    if (rc == ST_OK)
        rc = run_artifact_local(s, id, depth + 1, &base, err);
    if (rc == ST_OK)
        rc = join_path(base, rel, out, err);
    st_free(base);
    return rc;
}

static st_status local_path(ml_store *s, const char *uri, int depth, char **out, st_error *err)
{
    *out = NULL;
    if (!uri || !*uri)
        return st_error_set(err, ST_ERR_ARGUMENT, "Invalid artifact URI ''");
    if (depth > 4)
        return st_error_set(err, ST_ERR_ARGUMENT, "Artifact URI '%.300s' refers to itself",
                            uri);
    st_status rc;
    if (strncmp(uri, "mlflow-artifacts:", 17) == 0) {
        const char *rel = skip_authority(uri + 17);
        while (*rel == '/')
            rel++;
        rc = check_path(rel, false, err);
        return rc == ST_OK ? join_path(s->artifact_root, rel, out, err) : rc;
    }
    if (strncmp(uri, "runs:", 5) == 0)
        return runs_uri_path(s, uri + 5, depth, out, err);
    if (strncmp(uri, "models:", 7) == 0) {
        char *src;
        if ((rc = ml_registry_source(s, uri, &src, err)) != ST_OK)
            return rc;
        rc = local_path(s, src, depth + 1, out, err);
        st_free(src);
        return rc;
    }
    const char *path = uri;
    if (strncmp(uri, "file:", 5) == 0) {
        path = skip_authority(uri + 5);
        if (path[0] != '/')
            return st_error_set(err, ST_ERR_ARGUMENT, "Invalid file URI '%.300s'", uri);
    } else {
        const char *colon = strchr(uri, ':'), *slash = strchr(uri, '/');
        if (colon && colon > uri + 1 && (!slash || colon < slash))
            return st_error_set(err, ST_ERR_UNSUPPORTED, "Artifact URI '%.300s' is not a local "
                                                         "location; strata stores artifacts in "
                                                         "local folders", uri);
    }
    if ((rc = check_path(path, true, err)) != ST_OK)
        return rc;
    return join_path(path, "", out, err);
}

st_status ml_store_local_path(ml_store *s, const char *uri, char **out, st_error *err)
{
    return local_path(s, uri, 0, out, err);
}

st_status ml_run_artifact_path(ml_store *s, const char *run_id, char **out, st_error *err)
{
    return run_artifact_local(s, run_id, 1, out, err);
}

st_status ml_run_artifact_dir(ml_store *s, const char *run_id, char **out, st_error *err)
{
    st_status rc = ml_run_artifact_path(s, run_id, out, err);
    if (rc == ST_OK && (rc = ml_mkdir_p(*out, err)) != ST_OK) {
        st_free(*out);
        *out = NULL;
    }
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted entry names of folder dir (none when it is missing). Heap array
** of heap strings. */
static st_status dir_names(const char *dir, char ***out, size_t *n_out, st_error *err)
{
    *out = NULL;
    *n_out = 0;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT || errno == ENOTDIR
                   ? ST_OK
                   : st_error_set(err, ST_ERR_IO, "could not list folder \"%s\": %s", dir,
                                  strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    st_status rc = ST_OK;
    struct dirent *e;
    while (rc == ST_OK && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16, bytes;
            char **nn = st_mul_size(ncap, sizeof *nn, &bytes) ? st_realloc(names, bytes) : NULL;
            if (!nn) {
                rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
                break;
            }
            names = nn;
            cap = ncap;
        }
        if (!(names[n] = st_strdup(e->d_name)))
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
        else
            n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_names);
    *out = names;
    *n_out = n;
    return rc;
}

/* Appends FileInfo entries of folder dir (listed as prefix/name) to files. */
static st_status list_into(const char *dir, const char *prefix, json_t *files, st_error *err)
{
    char **names;
    size_t n;
    st_status rc = dir_names(dir, &names, &n, err);
    for (size_t i = 0; i < n; i++) {
        char *full = NULL, *rel = NULL;
        struct stat sb;
        if (rc == ST_OK)
            rc = join_path(dir, names[i], &full, err);
        if (rc == ST_OK)
            rc = join_path(prefix, names[i], &rel, err);
        if (rc == ST_OK && lstat(full, &sb) == 0) {
            bool is_dir = S_ISDIR(sb.st_mode);
            json_t *f = json_pack("{s:s, s:b}", "path", *prefix ? rel : names[i], "is_dir",
                                  is_dir);
            if (f && !is_dir)
                json_object_set_new(f, "file_size", json_integer((json_int_t)sb.st_size));
            if (!f || json_array_append_new(files, f) != 0)
                rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
        }
        st_free(full);
        st_free(rel);
        st_free(names[i]);
    }
    st_free(names);
    return rc;
}

st_status ml_artifact_list(ml_store *s, const char *run_id, const char *path, json_t **out,
                           st_error *err)
{
    *out = NULL;
    const char *rel = path ? path : "";
    st_status rc = check_path(rel, false, err);
    json_t *info = NULL;
    char *root = NULL, *dir = NULL;
    if (rc == ST_OK)
        rc = run_info_get(s, run_id, &info, err);
    if (rc == ST_OK)
        rc = ml_run_artifact_path(s, run_id, &root, err);
    if (rc == ST_OK)
        rc = join_path(root, rel, &dir, err);
    json_t *res = NULL, *files = NULL;
    if (rc == ST_OK) {
        res = json_object();
        files = json_array();
        if (!res || json_object_set(res, "root_uri", json_object_get(info, "artifact_uri")) ||
            json_object_set_new(res, "files", files) != 0)
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    }
    char *prefix = NULL;
    if (rc == ST_OK)
        rc = join_path("", rel, &prefix, err);   /* rel without leading/trailing slashes */
    if (rc == ST_OK)
        rc = list_into(dir, prefix + (prefix[0] == '/'), files, err);
    st_free(prefix);
    st_free(root);
    st_free(dir);
    json_decref(info);
    if (rc != ST_OK) {
        json_decref(res);
        return rc;
    }
    *out = res;
    return ST_OK;
}
