/* ml_store.c -- the tracking store: opening (tables in WAREHOUSE/metastore.db
** beside the catalog's, WAL, busy timeout, schema version in ml_meta), the
** SQLite and JSON helpers shared with ml_run.c and ml_registry.c, the search
** runner behind all four searches (ml_search_exec: paging, filter clauses,
** order_by and the tie-breaking tail, driven by one ml_search_def table per
** entity), and experiments with their tags and lifecycle. Runs, logging, metric history and artifacts are
** in ml_run.c; the search syntax in ml_search.c. The schema is described in
** README.md here.
**
** Invariants: the catalog owns PRAGMA user_version, so these tables are
** created with CREATE TABLE IF NOT EXISTS and versioned by the row
** ml_meta('schema_version'); experiment "0" ("Default") exists in every
** store and cannot be deleted; experiment names are unique across active and
** deleted experiments; every change is one BEGIN IMMEDIATE transaction. */
#include "ml_store_int.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- schema --------------------------------------------------------------------- */

#define ML_SCHEMA_VERSION 1

/* Version 1. Foreign keys cascade renames and deletes of registered models
** to their versions, tags and aliases. Metric values of NaN are stored as 0
** with is_nan = 1, as MLflow's SQL store does (SQLite turns NaN into NULL). */
static const char k_schema[] =
    "CREATE TABLE IF NOT EXISTS ml_meta ("
    "  key   TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS ml_experiments ("
    "  experiment_id     INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  name              TEXT NOT NULL UNIQUE,"
    "  artifact_location TEXT NOT NULL,"
    "  lifecycle_stage   TEXT NOT NULL CHECK (lifecycle_stage IN ('active', 'deleted')),"
    "  creation_time     INTEGER NOT NULL,"
    "  last_update_time  INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS ml_experiment_tags ("
    "  experiment_id INTEGER NOT NULL REFERENCES ml_experiments(experiment_id),"
    "  key           TEXT NOT NULL,"
    "  value         TEXT NOT NULL,"
    "  PRIMARY KEY (experiment_id, key));"
    "CREATE TABLE IF NOT EXISTS ml_runs ("
    "  run_id          TEXT PRIMARY KEY,"
    "  experiment_id   INTEGER NOT NULL REFERENCES ml_experiments(experiment_id),"
    "  run_name        TEXT NOT NULL,"
    "  user_id         TEXT NOT NULL,"
    "  status          TEXT NOT NULL,"
    "  start_time      INTEGER NOT NULL,"
    "  end_time        INTEGER,"
    "  artifact_uri    TEXT NOT NULL,"
    "  lifecycle_stage TEXT NOT NULL CHECK (lifecycle_stage IN ('active', 'deleted')),"
    "  deleted_time    INTEGER);"
    "CREATE INDEX IF NOT EXISTS ml_runs_by_experiment ON ml_runs(experiment_id, start_time);"
    "CREATE TABLE IF NOT EXISTS ml_params ("
    "  run_id TEXT NOT NULL REFERENCES ml_runs(run_id),"
    "  key    TEXT NOT NULL,"
    "  value  TEXT NOT NULL,"
    "  PRIMARY KEY (run_id, key));"
    "CREATE TABLE IF NOT EXISTS ml_tags ("
    "  run_id TEXT NOT NULL REFERENCES ml_runs(run_id),"
    "  key    TEXT NOT NULL,"
    "  value  TEXT NOT NULL,"
    "  PRIMARY KEY (run_id, key));"
    "CREATE TABLE IF NOT EXISTS ml_metrics ("
    "  run_id    TEXT NOT NULL REFERENCES ml_runs(run_id),"
    "  key       TEXT NOT NULL,"
    "  value     REAL NOT NULL,"
    "  is_nan    INTEGER NOT NULL,"
    "  timestamp INTEGER NOT NULL,"
    "  step      INTEGER NOT NULL,"
    "  PRIMARY KEY (run_id, key, step, timestamp, value, is_nan));"
    "CREATE TABLE IF NOT EXISTS ml_latest_metrics ("
    "  run_id    TEXT NOT NULL REFERENCES ml_runs(run_id),"
    "  key       TEXT NOT NULL,"
    "  value     REAL NOT NULL,"
    "  is_nan    INTEGER NOT NULL,"
    "  timestamp INTEGER NOT NULL,"
    "  step      INTEGER NOT NULL,"
    "  PRIMARY KEY (run_id, key));"
    "CREATE TABLE IF NOT EXISTS ml_run_inputs ("
    "  id         INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  run_id     TEXT NOT NULL REFERENCES ml_runs(run_id),"
    "  name       TEXT NOT NULL,"
    "  digest     TEXT NOT NULL,"
    "  input_json TEXT NOT NULL,"
    "  UNIQUE (run_id, name, digest));"
    "CREATE TABLE IF NOT EXISTS ml_registered_models ("
    "  name                   TEXT PRIMARY KEY,"
    "  creation_timestamp     INTEGER NOT NULL,"
    "  last_updated_timestamp INTEGER NOT NULL,"
    "  description            TEXT,"
    "  last_version           INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS ml_registered_model_tags ("
    "  name  TEXT NOT NULL REFERENCES ml_registered_models(name)"
    "        ON UPDATE CASCADE ON DELETE CASCADE,"
    "  key   TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  PRIMARY KEY (name, key));"
    "CREATE TABLE IF NOT EXISTS ml_model_versions ("
    "  name                   TEXT NOT NULL REFERENCES ml_registered_models(name)"
    "                         ON UPDATE CASCADE ON DELETE CASCADE,"
    "  version                INTEGER NOT NULL,"
    "  creation_timestamp     INTEGER NOT NULL,"
    "  last_updated_timestamp INTEGER NOT NULL,"
    "  description            TEXT,"
    "  current_stage          TEXT NOT NULL,"
    "  source                 TEXT NOT NULL,"
    "  run_id                 TEXT,"
    "  run_link               TEXT,"
    "  status                 TEXT NOT NULL,"
    "  PRIMARY KEY (name, version));"
    "CREATE TABLE IF NOT EXISTS ml_model_version_tags ("
    "  name    TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  key     TEXT NOT NULL,"
    "  value   TEXT NOT NULL,"
    "  PRIMARY KEY (name, version, key),"
    "  FOREIGN KEY (name, version) REFERENCES ml_model_versions(name, version)"
    "    ON UPDATE CASCADE ON DELETE CASCADE);"
    "CREATE TABLE IF NOT EXISTS ml_model_aliases ("
    "  name    TEXT NOT NULL,"
    "  alias   TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  PRIMARY KEY (name, alias),"
    "  FOREIGN KEY (name, version) REFERENCES ml_model_versions(name, version)"
    "    ON UPDATE CASCADE ON DELETE CASCADE);";

/* ---- SQLite helpers ------------------------------------------------------------------ */

st_status ml_sql_error(ml_store *s, const char *what, st_error *err)
{
    return st_error_set(err, ST_ERR_IO, "could not %s: metastore \"%s\": %s", what, s->db_path,
                        sqlite3_errmsg(s->sql));
}

st_status ml_stmt(ml_store *s, const char *sql, const ml_arg *args, int n, sqlite3_stmt **out,
                  st_error *err)
{
    *out = NULL;
    if (sqlite3_prepare_v2(s->sql, sql, -1, out, NULL) != SQLITE_OK)
        return ml_sql_error(s, "prepare a query", err);
    for (int i = 0; i < n; i++) {
        int r;
        switch (args[i].kind) {
        case 's':
            r = args[i].s ? sqlite3_bind_text(*out, i + 1, args[i].s, -1, SQLITE_TRANSIENT)
                          : sqlite3_bind_null(*out, i + 1);
            break;
        case 'i':
            r = sqlite3_bind_int64(*out, i + 1, args[i].i);
            break;
        case 'd':
            r = sqlite3_bind_double(*out, i + 1, args[i].d);
            break;
        default:
            r = sqlite3_bind_null(*out, i + 1);
            break;
        }
        if (r != SQLITE_OK) {
            st_status rc = ml_sql_error(s, "bind a query argument", err);
            sqlite3_finalize(*out);
            *out = NULL;
            return rc;
        }
    }
    return ST_OK;
}

st_status ml_step(ml_store *s, sqlite3_stmt *st, bool *row, st_error *err)
{
    int r = sqlite3_step(st);
    *row = r == SQLITE_ROW;
    if (r == SQLITE_ROW || r == SQLITE_DONE)
        return ST_OK;
    return ml_sql_error(s, "run a metastore statement", err);
}

/* Prepares sql with args and steps it once; *row tells whether *st (NULL
** after a prepare error; the caller finalizes it) stands on a first row. */
static st_status stmt_first(ml_store *s, const char *sql, const ml_arg *args, int n,
                            sqlite3_stmt **st, bool *row, st_error *err)
{
    *row = false;
    st_status rc = ml_stmt(s, sql, args, n, st, err);
    return rc == ST_OK ? ml_step(s, *st, row, err) : rc;
}

st_status ml_exec(ml_store *s, const char *sql, const ml_arg *args, int n, int *changes,
                  st_error *err)
{
    sqlite3_stmt *st;
    bool row;
    st_status rc = stmt_first(s, sql, args, n, &st, &row, err);
    sqlite3_finalize(st);
    if (changes)
        *changes = rc == ST_OK ? sqlite3_changes(s->sql) : 0;
    return rc;
}

st_status ml_query_int(ml_store *s, const char *sql, const ml_arg *args, int n, int64_t *out,
                       bool *found, st_error *err)
{
    sqlite3_stmt *st;
    bool row;
    st_status rc = stmt_first(s, sql, args, n, &st, &row, err);
    *out = rc == ST_OK && row ? sqlite3_column_int64(st, 0) : 0;
    if (found)
        *found = row;
    sqlite3_finalize(st);
    return rc;
}

char *ml_col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    return v ? st_strdup((const char *)v) : NULL;
}

st_status ml_query_text(ml_store *s, const char *sql, const ml_arg *args, int n, char **out,
                        st_error *err)
{
    sqlite3_stmt *st;
    bool row;
    *out = NULL;
    st_status rc = stmt_first(s, sql, args, n, &st, &row, err);
    if (rc == ST_OK && row && sqlite3_column_type(st, 0) != SQLITE_NULL &&
        !(*out = ml_col_dup(st, 0)))
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    sqlite3_finalize(st);
    return rc;
}

st_status ml_tx_begin(ml_store *s, st_error *err)
{
    if (sqlite3_exec(s->sql, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return ml_sql_error(s, "start a metastore transaction", err);
    return ST_OK;
}

st_status ml_tx_end(ml_store *s, st_status rc, st_error *err)
{
    if (rc == ST_OK) {
        if (sqlite3_exec(s->sql, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
            return ST_OK;
        rc = ml_sql_error(s, "commit a metastore transaction", err);
    }
    if (!sqlite3_get_autocommit(s->sql))
        sqlite3_exec(s->sql, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int64_t ml_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- JSON and validation helpers -------------------------------------------------------- */

void ml_json_set_col(json_t *obj, const char *key, sqlite3_stmt *st, int i)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    if (v)
        json_object_set_new(obj, key, json_string((const char *)v));
}

st_status ml_rows_append(ml_store *s, sqlite3_stmt *st, ml_row_json fill, json_t *arr,
                         st_error *err)
{
    bool row = true;
    st_status rc = ST_OK;
    while (rc == ST_OK && (rc = ml_step(s, st, &row, err)) == ST_OK && row) {
        json_t *item;
        if ((rc = fill(s, st, &item, err)) == ST_OK && json_array_append_new(arr, item) != 0)
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    return rc;
}

st_status ml_json_list(ml_store *s, sqlite3_stmt *st, ml_row_json fill, json_t **out,
                       st_error *err)
{
    json_t *arr = json_array();
    st_status rc = ml_rows_append(s, st, fill, arr, err);
    if (rc != ST_OK) {
        json_decref(arr);
        arr = NULL;
    }
    *out = arr;
    return rc;
}

st_status ml_json_first(ml_store *s, sqlite3_stmt *st, ml_row_json fill, json_t **out,
                        st_error *err)
{
    *out = NULL;
    bool row;
    st_status rc = ml_step(s, st, &row, err);
    if (rc == ST_OK && row)
        rc = fill(s, st, out, err);
    sqlite3_finalize(st);
    return rc;
}

/* {key, value} of columns 0 and 1. */
static st_status kv_row(ml_store *s, sqlite3_stmt *st, json_t **out, st_error *err)
{
    (void)s;
    if (!(*out = json_object()))
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    ml_json_set_col(*out, "key", st, 0);
    ml_json_set_col(*out, "value", st, 1);
    return ST_OK;
}

st_status ml_json_kv_list(ml_store *s, const char *sql, const ml_arg *args, int n, json_t **out,
                          st_error *err)
{
    sqlite3_stmt *st;
    *out = NULL;
    st_status rc = ml_stmt(s, sql, args, n, &st, err);
    return rc == ST_OK ? ml_json_list(s, st, kv_row, out, err) : rc;
}

json_t *ml_json_double(double v)
{
    if (isnan(v))
        return json_string("NaN");
    if (isinf(v))
        return json_string(v > 0 ? "Infinity" : "-Infinity");
    return json_real(v);
}

st_status ml_check_key(const char *what, const char *key, st_error *err)
{
    if (!key || !*key)
        return st_error_set(err, ST_ERR_ARGUMENT, "Missing value for required parameter "
                                                  "'key' of %s", what);
    size_t n = strlen(key);
    bool ok = n <= 250 && key[0] != '/';
    for (size_t i = 0; ok && i < n; i++) {
        unsigned char c = (unsigned char)key[i];
        ok = c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
             (c >= '0' && c <= '9') || strchr("_-. /:", c);
    }
    /* no ".." path component: the key may become a file name */
    for (const char *p = key; ok && (p = strstr(p, "..")) != NULL; p += 2)
        ok = !((p == key || p[-1] == '/') && (p[2] == 0 || p[2] == '/'));
    if (!ok)
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "Invalid %s name: '%.300s'. Names may only contain alphanumerics, "
                            "underscores (_), dashes (-), periods (.), spaces ( ), colons (:) "
                            "and slashes (/), at most 250 bytes", what, key);
    return ST_OK;
}

bool ml_parse_id(const char *text, int64_t *out)
{
    if (!text || !*text || strlen(text) > 18)
        return false;
    int64_t v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return true;
}

/* ---- opening ----------------------------------------------------------------------------- */

/* mkdir -p; existing folders are fine. */
st_status ml_mkdir_p(const char *path, st_error *err)
{
    char *p = st_strdup(path);
    if (!p)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    st_status rc = ST_OK;
    for (char *c = p + 1;; c++) {
        if (*c != '/' && *c)
            continue;
        char saved = *c;
        *c = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            rc = st_error_set(err, ST_ERR_IO, "could not create folder \"%s\": %s", p,
                              strerror(errno));
            break;
        }
        *c = saved;
        if (!saved)
            break;
    }
    st_free(p);
    return rc;
}

/* Absolute, resolved folder of warehouse (created). Heap. */
static st_status warehouse_path(const char *warehouse, char **out, st_error *err)
{
    *out = NULL;
    if (!warehouse || !*warehouse)
        return st_error_set(err, ST_ERR_ARGUMENT, "invalid warehouse folder \"\"");
    char *abs;
    if (warehouse[0] == '/') {
        abs = st_strdup(warehouse);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            return st_error_set(err, ST_ERR_IO, "could not read the current folder: %s",
                                strerror(errno));
        size_t n = strlen(cwd) + strlen(warehouse) + 2;
        abs = st_malloc(n);
        if (abs)
            snprintf(abs, n, "%s/%s", cwd, warehouse);
    }
    if (!abs)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    st_status rc = ml_mkdir_p(abs, err);
    char resolved[PATH_MAX];
    if (rc == ST_OK && !realpath(abs, resolved))
        rc = st_error_set(err, ST_ERR_IO, "could not resolve warehouse folder \"%s\": %s", abs,
                          strerror(errno));
    st_free(abs);
    if (rc == ST_OK && !(*out = st_strdup(resolved)))
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    return rc;
}

/* Switches to WAL, retrying while a concurrent opener holds the moment of
** exclusive access the switch needs. */
static st_status set_wal(ml_store *s, st_error *err)
{
    for (int attempt = 0;; attempt++) {
        int r = sqlite3_exec(s->sql, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
        if (r == SQLITE_OK)
            return ST_OK;
        if ((r != SQLITE_BUSY && r != SQLITE_LOCKED) || attempt >= 3000)
            return ml_sql_error(s, "switch the metastore to WAL mode", err);
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
}

/* Creates the tables and the Default experiment unless ml_meta already says
** this version (checked first without the write lock, then again under it). */
static st_status create_schema(ml_store *s, st_error *err)
{
    int64_t v = 0, have;
    st_status rc = ml_query_int(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                   "AND name = 'ml_meta'", NULL, 0, &have, NULL, err);
    if (rc == ST_OK && have)
        rc = ml_query_int(s, "SELECT CAST(value AS INTEGER) FROM ml_meta "
                             "WHERE key = 'schema_version'", NULL, 0, &v, NULL, err);
    if (rc != ST_OK || v == ML_SCHEMA_VERSION)
        return rc;
    if ((rc = ml_tx_begin(s, err)) != ST_OK)
        return rc;
    if (sqlite3_exec(s->sql, k_schema, NULL, NULL, NULL) != SQLITE_OK)
        rc = ml_sql_error(s, "create the tracking tables", err);
    if (rc == ST_OK)
        rc = ml_query_int(s, "SELECT CAST(value AS INTEGER) FROM ml_meta "
                             "WHERE key = 'schema_version'", NULL, 0, &v, NULL, err);
    if (rc == ST_OK && v > ML_SCHEMA_VERSION)
    {
        st_error_set(err, ST_ERR_UNSUPPORTED, "metastore \"%s\" has tracking schema version "
                     "%lld, newer than this build supports (%d)", s->db_path, (long long)v,
                     ML_SCHEMA_VERSION);
        rc = st_error_hint(err, "Use a newer strata to open this warehouse.");
    }
    if (rc == ST_OK)
        rc = ml_exec(s, "INSERT OR REPLACE INTO ml_meta (key, value) "
                        "VALUES ('schema_version', ?1)",
                     (ml_arg[]){ ml_i(ML_SCHEMA_VERSION) }, 1, NULL, err);
    int64_t now = ml_now_ms();
    if (rc == ST_OK)
        rc = ml_exec(s, "INSERT OR IGNORE INTO ml_experiments (experiment_id, name, "
                        "artifact_location, lifecycle_stage, creation_time, last_update_time) "
                        "VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', ?1, ?1)",
                     (ml_arg[]){ ml_i(now) }, 1, NULL, err);
    return ml_tx_end(s, rc, err);
}

st_status ml_store_open(const char *warehouse, ml_store **out, st_error *err)
{
    *out = NULL;
    ml_store *s = st_calloc(1, sizeof *s);
    if (!s)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    st_status rc = warehouse_path(warehouse, &s->warehouse, err);
    if (rc == ST_OK) {
        size_t n = strlen(s->warehouse) + sizeof "/_mlflow/artifacts";
        s->db_path = st_malloc(n);
        s->artifact_root = st_malloc(n);
        if (!s->db_path || !s->artifact_root) {
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
        } else {
            const char *base = strcmp(s->warehouse, "/") ? s->warehouse : "";
            snprintf(s->db_path, n, "%s/metastore.db", base);
            snprintf(s->artifact_root, n, "%s/_mlflow/artifacts", base);
        }
    }
    if (rc == ST_OK) {
        int r = sqlite3_open_v2(s->db_path, &s->sql, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                NULL);
        if (r != SQLITE_OK)
            rc = st_error_set(err, ST_ERR_IO, "could not open metastore \"%s\": %s", s->db_path,
                              s->sql ? sqlite3_errmsg(s->sql) : sqlite3_errstr(r));
    }
    if (rc == ST_OK) {
        sqlite3_busy_timeout(s->sql, ML_BUSY_TIMEOUT_MS);
        rc = set_wal(s, err);
    }
    if (rc == ST_OK && (sqlite3_exec(s->sql, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) !=
                            SQLITE_OK || ml_like_register(s->sql) != SQLITE_OK))
        rc = ml_sql_error(s, "set up the metastore connection", err);
    if (rc == ST_OK)
        rc = create_schema(s, err);
    if (rc != ST_OK) {
        ml_store_close(s);
        return rc;
    }
    *out = s;
    return ST_OK;
}

void ml_store_close(ml_store *s)
{
    if (!s)
        return;
    if (s->sql)
        sqlite3_close_v2(s->sql);
    st_free(s->warehouse);
    st_free(s->db_path);
    st_free(s->artifact_root);
    st_free(s);
}

const char *ml_store_artifact_root(const ml_store *s)
{
    return s->artifact_root;
}

const char *ml_store_error_code(st_status code)
{
    switch (code) {
    case ST_OK:
        return "OK";
    case ST_ERR_NOTFOUND:
        return "RESOURCE_DOES_NOT_EXIST";
    case ST_ERR_EXISTS:
        return "RESOURCE_ALREADY_EXISTS";
    case ST_ERR_ARGUMENT:
    case ST_ERR_SYNTAX:
    case ST_ERR_BIND:
    case ST_ERR_CONSTRAINT:
    case ST_ERR_LIMIT:
    case ST_ERR_CORRUPT:
        return "INVALID_PARAMETER_VALUE";
    case ST_ERR_UNSUPPORTED:
        return "NOT_IMPLEMENTED";
    case ST_ERR_CONFLICT:
        return "RESOURCE_CONFLICT";
    default:
        return "INTERNAL_ERROR";
    }
}

/* ---- experiments ---------------------------------------------------------------------- */

#define EXP_COLS "experiment_id, name, artifact_location, lifecycle_stage, last_update_time, " \
                 "creation_time"

/* The Experiment of the current row of a query selecting EXP_COLS. */
static st_status exp_json_row(ml_store *s, sqlite3_stmt *st, json_t **out, st_error *err)
{
    json_t *e = json_object();
    if (!e)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    int64_t id = sqlite3_column_int64(st, 0);
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    json_object_set_new(e, "experiment_id", json_string(ids));
    ml_json_set_col(e, "name", st, 1);
    ml_json_set_col(e, "artifact_location", st, 2);
    ml_json_set_col(e, "lifecycle_stage", st, 3);
    json_object_set_new(e, "last_update_time", json_integer(sqlite3_column_int64(st, 4)));
    json_object_set_new(e, "creation_time", json_integer(sqlite3_column_int64(st, 5)));
    json_t *tags;
    st_status rc = ml_json_kv_list(s, "SELECT key, value FROM ml_experiment_tags "
                                      "WHERE experiment_id = ?1 ORDER BY key",
                                   (ml_arg[]){ ml_i(id) }, 1, &tags, err);
    if (rc != ST_OK) {
        json_decref(e);
        return rc;
    }
    json_object_set_new(e, "tags", tags);
    *out = e;
    return ST_OK;
}

/* The experiment a query with one argument selects; missing -> NOTFOUND msg. */
static st_status exp_get_where(ml_store *s, const char *where, ml_arg arg, const char *missing,
                               json_t **out, st_error *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT " EXP_COLS " FROM ml_experiments WHERE %s", where);
    sqlite3_stmt *st;
    st_status rc = ml_stmt(s, sql, &arg, 1, &st, err);
    if (rc == ST_OK)
        rc = ml_json_first(s, st, exp_json_row, out, err);
    if (rc == ST_OK && !*out)
        rc = st_error_set(err, ST_ERR_NOTFOUND, "%s", missing);
    return rc;
}

/* Looks experiment id up: its number and whether it is active. */
st_status ml_experiment_lookup(ml_store *s, const char *id, int64_t *num, bool *active,
                               st_error *err)
{
    if (!ml_parse_id(id, num))
        return st_error_set(err, ST_ERR_NOTFOUND, "No Experiment with id=%.100s exists",
                            id ? id : "");
    char *stage;
    st_status rc = ml_query_text(s, "SELECT lifecycle_stage FROM ml_experiments "
                                    "WHERE experiment_id = ?1", (ml_arg[]){ ml_i(*num) }, 1,
                                 &stage, err);
    if (rc != ST_OK)
        return rc;
    if (!stage)
        return st_error_set(err, ST_ERR_NOTFOUND, "No Experiment with id=%s exists", id);
    *active = strcmp(stage, "active") == 0;
    st_free(stage);
    return ST_OK;
}

st_status ml_experiment_check_active(ml_store *s, const char *id, int64_t *num, st_error *err)
{
    bool active;
    st_status rc = ml_experiment_lookup(s, id, num, &active, err);
    if (rc == ST_OK && !active)
        rc = st_error_set(err, ST_ERR_ARGUMENT, "The experiment %s must be in the 'active' "
                                                "state. Current state is deleted.", id);
    return rc;
}

static st_status exp_check_name(const char *name, st_error *err)
{
    if (!name || !*name)
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "Invalid experiment name: ''. Experiment name must be a non-empty "
                            "string");
    return ST_OK;
}

/* EXISTS when name is taken (by an active or a deleted experiment). */
static st_status exp_name_free(ml_store *s, const char *name, st_error *err)
{
    char *stage;
    st_status rc = ml_query_text(s, "SELECT lifecycle_stage FROM ml_experiments WHERE name = ?1",
                                 (ml_arg[]){ ml_s(name) }, 1, &stage, err);
    if (rc != ST_OK || !stage)
        return rc;
    rc = st_error_set(err, ST_ERR_EXISTS, "Experiment with name '%s' already exists.", name);
    if (strcmp(stage, "deleted") == 0)
        st_error_hint(err, "The experiment is deleted; restore it or choose another name.");
    st_free(stage);
    return rc;
}

static st_status upsert_exp_tag(ml_store *s, int64_t id, const char *key, const char *value,
                                st_error *err)
{
    return ml_exec(s, "INSERT OR REPLACE INTO ml_experiment_tags (experiment_id, key, value) "
                      "VALUES (?1, ?2, ?3)",
                   (ml_arg[]){ ml_i(id), ml_s(key), ml_s(value ? value : "") }, 3, NULL, err);
}

st_status ml_experiment_create(ml_store *s, const char *name, const char *artifact_location,
                               const ml_kv *tags, int n_tags, char **id_out, st_error *err)
{
    if (id_out)
        *id_out = NULL;
    st_status rc = exp_check_name(name, err);
    for (int i = 0; rc == ST_OK && i < n_tags; i++)
        rc = ml_check_key("tag", tags[i].key, err);
    if (rc != ST_OK || (rc = ml_tx_begin(s, err)) != ST_OK)
        return rc;
    rc = exp_name_free(s, name, err);
    int64_t now = ml_now_ms(), id = 0;
    const char *loc = artifact_location && *artifact_location ? artifact_location : NULL;
    if (rc == ST_OK)
        rc = ml_exec(s, "INSERT INTO ml_experiments (name, artifact_location, lifecycle_stage, "
                        "creation_time, last_update_time) VALUES (?1, coalesce(?2, ''), "
                        "'active', ?3, ?3)",
                     (ml_arg[]){ ml_s(name), ml_s(loc), ml_i(now) }, 3, NULL, err);
    if (rc == ST_OK) {
        id = sqlite3_last_insert_rowid(s->sql);
        if (!loc)
            rc = ml_exec(s, "UPDATE ml_experiments SET artifact_location = "
                            "'mlflow-artifacts:/' || experiment_id WHERE experiment_id = ?1",
                         (ml_arg[]){ ml_i(id) }, 1, NULL, err);
    }
    for (int i = 0; rc == ST_OK && i < n_tags; i++)
        rc = upsert_exp_tag(s, id, tags[i].key, tags[i].value, err);
    rc = ml_tx_end(s, rc, err);
    if (rc == ST_OK && id_out) {
        char buf[24];
        snprintf(buf, sizeof buf, "%lld", (long long)id);
        if (!(*id_out = st_strdup(buf)))
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    }
    return rc;
}

st_status ml_experiment_get(ml_store *s, const char *id, json_t **out, st_error *err)
{
    *out = NULL;
    int64_t num;
    char missing[160];
    snprintf(missing, sizeof missing, "No Experiment with id=%.100s exists", id ? id : "");
    if (!ml_parse_id(id, &num))
        return st_error_set(err, ST_ERR_NOTFOUND, "%s", missing);
    return exp_get_where(s, "experiment_id = ?1", ml_i(num), missing, out, err);
}

st_status ml_experiment_get_by_name(ml_store *s, const char *name, json_t **out, st_error *err)
{
    *out = NULL;
    char missing[400];
    snprintf(missing, sizeof missing, "Could not find experiment with name '%.300s'",
             name ? name : "");
    return exp_get_where(s, "name = ?1", ml_s(name ? name : ""), missing, out, err);
}

/* ---- the search runner ------------------------------------------------------------------ */

/* Appends view's condition on column col: "ACTIVE_ONLY" (or NULL, ""),
** "DELETED_ONLY", "ALL", or 1 / 2 / 3. */
static st_status view_condition(const char *view, const char *col, ml_query *q, st_error *err)
{
    if (!view || !*view || strcasecmp(view, "ACTIVE_ONLY") == 0 || strcmp(view, "1") == 0) {
        ml_query_sql(q, col);
        ml_query_sql(q, " = 'active'");
    } else if (strcasecmp(view, "DELETED_ONLY") == 0 || strcmp(view, "2") == 0) {
        ml_query_sql(q, col);
        ml_query_sql(q, " = 'deleted'");
    } else if (strcasecmp(view, "ALL") == 0 || strcmp(view, "3") == 0) {
        ml_query_sql(q, "1");
    } else {
        return st_error_set(err, ST_ERR_ARGUMENT, "Invalid view type '%.100s': expected "
                                                  "ACTIVE_ONLY, DELETED_ONLY or ALL", view);
    }
    return ST_OK;
}

/* Checks a clause's value kind against what its attribute compares. */
st_status ml_clause_check(const ml_clause *c, bool numeric, st_error *err)
{
    bool str_op = strcmp(c->op, "LIKE") == 0 || strcmp(c->op, "ILIKE") == 0 ||
                  strcmp(c->op, "IN") == 0 || strcmp(c->op, "NOT IN") == 0;
    if (numeric && (!c->is_num || str_op))
        return st_error_set(err, ST_ERR_ARGUMENT, "Expected numeric value type for '%s' "
                                                  "compared with %s. Found '%s'", c->key, c->op,
                            c->str ? c->str : "(list)");
    bool in = strcmp(c->op, "IN") == 0 || strcmp(c->op, "NOT IN") == 0;
    if (!numeric && c->is_num)
        return st_error_set(err, ST_ERR_ARGUMENT, "Expected a quoted string value for '%s'. "
                                                  "Found '%s'", c->key, c->str);
    if (!numeric && !in && !str_op && strcmp(c->op, "=") && strcmp(c->op, "!="))
        return st_error_set(err, ST_ERR_ARGUMENT, "Invalid comparator '%s' for '%s': strings "
                                                  "compare with =, !=, LIKE, ILIKE, IN", c->op,
                            c->key);
    return ST_OK;
}

const ml_col *ml_col_find(const ml_col *cols, const char *key)
{
    for (; cols->key; cols++)
        if (strcmp(key, cols->key) == 0)
            return cols;
    return NULL;
}

st_status ml_attr_filter(ml_query *q, const ml_col *cols, const char *valid, const ml_clause *c,
                         st_error *err)
{
    const ml_col *col = c->ent == ML_ENT_ATTR ? ml_col_find(cols, c->key) : NULL;
    if (!col)
        return st_error_set(err, ST_ERR_ARGUMENT, "Invalid attribute key '%s' specified. Valid "
                                                  "keys are %s", c->key, valid);
    st_status rc = ml_clause_check(c, col->numeric, err);
    if (rc == ST_OK)
        ml_query_compare(q, col->col, c);
    return rc;
}

st_status ml_key_filter(ml_query *q, const char *head, const ml_clause *c, bool numeric,
                        st_error *err)
{
    st_status rc = ml_clause_check(c, numeric, err);
    if (rc != ST_OK)
        return rc;
    ml_query_sql(q, head);
    ml_query_arg(q, ml_s(c->key));
    ml_query_sql(q, " AND ");
    ml_query_compare(q, "t.value", c);
    ml_query_sql(q, ")");
    return ST_OK;
}

/* Appends the ORDER BY terms of one order_by entry; *seen tells whether
** def->seen_col was among them. */
static st_status search_order(ml_query *q, const ml_search_def *def, const char *text,
                              bool *seen, st_error *err)
{
    ml_order o;
    st_status rc = ml_order_parse(text, q->a, &o, err);
    if (rc != ST_OK)
        return rc;
    const char *dir = o.desc ? " DESC, " : " ASC, ";
    if (def->order_key && def->order_key(q, &o, dir))
        return ST_OK;
    const ml_col *c = o.ent == ML_ENT_ATTR ? ml_col_find(def->order_cols, o.key) : NULL;
    if (!c)
        return st_error_set(err, ST_ERR_ARGUMENT, "Invalid order_by clause '%s'%s", text,
                            def->order_hint ? def->order_hint : "");
    *seen |= def->seen_col && strcmp(c->col, def->seen_col) == 0;
    if (def->nulls_last) {
        ml_query_sql(q, c->col);
        ml_query_sql(q, " IS NULL, ");
    }
    ml_query_sql(q, c->col);
    ml_query_sql(q, dir);
    return ST_OK;
}

/* Builds the search query of req, everything but the page. */
static st_status search_query(ml_query *q, const ml_search_def *def, const ml_search_req *req,
                              st_error *err)
{
    ml_query_sql(q, def->select);
    st_status rc = def->scope ? def->scope(q, req->scope_ids, req->n_scope_ids, err) : ST_OK;
    if (rc == ST_OK && def->view_col)
        rc = view_condition(req->view, def->view_col, q, err);
    else if (rc == ST_OK)
        ml_query_sql(q, "1");
    ml_clause *cl = NULL;
    int n_cl = 0;
    if (rc == ST_OK)
        rc = ml_filter_parse(req->filter, q->a, &cl, &n_cl, err);
    for (int i = 0; rc == ST_OK && i < n_cl; i++) {
        ml_query_sql(q, " AND ");
        rc = def->filter(q, &cl[i], err);
    }
    if (rc == ST_OK && req->n_order_by > ML_MAX_ORDER_BY)
        rc = st_error_set(err, ST_ERR_ARGUMENT,
                          "order_by has %d clauses; at most %d are allowed", req->n_order_by,
                          ML_MAX_ORDER_BY);
    ml_query_sql(q, " ORDER BY ");
    bool seen = false;
    for (int i = 0; rc == ST_OK && i < req->n_order_by; i++)
        rc = search_order(q, def, req->order_by[i], &seen, err);
    if (req->n_order_by == 0 && def->order_none)
        ml_query_sql(q, def->order_none);
    ml_query_sql(q, seen ? def->tie_seen : def->tie_unseen);
    return rc;
}

/* Runs the built query (LIMIT limit + 1 OFFSET offset already part of it),
** turning each row into JSON with def->fill; out[def->key] gets the array
** and next_page_token is set when a further row exists. */
static st_status search_collect(ml_store *s, ml_query *q, const ml_search_def *def,
                                int64_t offset, int64_t limit, json_t *out, st_error *err)
{
    sqlite3_stmt *st;
    st_status rc = ml_query_stmt(s, q, &st, err);
    if (rc != ST_OK)
        return rc;
    json_t *arr = json_array();
    if (!arr || json_object_set_new(out, def->key, arr) != 0)
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    bool row = false;
    int64_t n = 0;
    while (rc == ST_OK && (rc = ml_step(s, st, &row, err)) == ST_OK && row) {
        if (n++ == limit) {
            ml_page_next(out, offset + limit);
            break;
        }
        json_t *item;
        if ((rc = def->fill(s, st, &item, err)) == ST_OK && json_array_append_new(arr, item) != 0)
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    return rc;
}

st_status ml_search_exec(ml_store *s, const ml_search_def *def, const ml_search_req *req,
                         json_t **out, st_error *err)
{
    *out = NULL;
    int64_t limit, offset;
    st_status rc = ml_page_limit(req->max_results, def->max_dflt, def->max_limit, &limit, err);
    if (rc == ST_OK)
        rc = ml_page_offset(req->page_token, &offset, err);
    if (rc != ST_OK)
        return rc;
    st_arena *a = st_arena_new(0);
    json_t *res = json_object();
    if (!a || !res) {
        st_arena_free(a);
        json_decref(res);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    }
    ml_query q;
    ml_query_init(&q, a);
    rc = search_query(&q, def, req, err);
    ml_query_sql(&q, " LIMIT ");
    ml_query_arg(&q, ml_i(limit + 1));
    ml_query_sql(&q, " OFFSET ");
    ml_query_arg(&q, ml_i(offset));
    if (rc == ST_OK)
        rc = search_collect(s, &q, def, offset, limit, res, err);
    ml_query_destroy(&q);
    st_arena_free(a);
    if (rc != ST_OK) {
        json_decref(res);
        return rc;
    }
    *out = res;
    return ST_OK;
}

/* ---- experiment search ------------------------------------------------------------------ */

static const ml_col k_exp_filter_cols[] = {
    { "name", "e.name", false },
    { "creation_time", "e.creation_time", true },
    { "last_update_time", "e.last_update_time", true },
    { NULL, NULL, false },
};

static const ml_col k_exp_order_cols[] = {
    { "name", "e.name", false },
    { "experiment_id", "e.experiment_id", true },
    { "creation_time", "e.creation_time", true },
    { "last_update_time", "e.last_update_time", true },
    { NULL, NULL, false },
};

static st_status exp_filter(ml_query *q, const ml_clause *c, st_error *err)
{
    if (c->ent == ML_ENT_TAG)
        return ml_key_filter(q, "EXISTS (SELECT 1 FROM ml_experiment_tags t WHERE "
                                "t.experiment_id = e.experiment_id AND t.key = ", c, false, err);
    if (c->ent != ML_ENT_ATTR)
        return st_error_set(err, ST_ERR_ARGUMENT, "Invalid experiment filter on '%s': use "
                                                  "name, creation_time, last_update_time or "
                                                  "tags.<key>", c->key);
    return ml_attr_filter(q, k_exp_filter_cols, "'name', 'creation_time', 'last_update_time'",
                          c, err);
}

static const ml_search_def k_exp_search = {
    .select = "SELECT " EXP_COLS " FROM ml_experiments e WHERE ",
    .view_col = "e.lifecycle_stage",
    .filter = exp_filter,
    .order_cols = k_exp_order_cols,
    .order_hint = ": experiments order by name, experiment_id, creation_time or "
                  "last_update_time",
    .seen_col = "e.experiment_id",
    .order_none = "e.creation_time DESC, ",
    .tie_unseen = "e.experiment_id ASC",
    .tie_seen = "1",
    .max_dflt = 1000,
    .max_limit = 50000,
    .key = "experiments",
    .fill = exp_json_row,
};

st_status ml_experiment_search(ml_store *s, const char *view, const char *filter,
                               const char *const *order_by, int n_order_by,
                               int64_t max_results, const char *page_token, json_t **out,
                               st_error *err)
{
    ml_search_req req = { .view = view, .filter = filter, .order_by = order_by,
                          .n_order_by = n_order_by, .max_results = max_results,
                          .page_token = page_token };
    return ml_search_exec(s, &k_exp_search, &req, out, err);
}

st_status ml_experiment_rename(ml_store *s, const char *id, const char *new_name, st_error *err)
{
    st_status rc = exp_check_name(new_name, err);
    if (rc != ST_OK || (rc = ml_tx_begin(s, err)) != ST_OK)
        return rc;
    int64_t num;
    bool active;
    rc = ml_experiment_lookup(s, id, &num, &active, err);
    if (rc == ST_OK && !active)
        rc = st_error_set(err, ST_ERR_ARGUMENT, "Cannot rename a non-active experiment.");
    char *cur = NULL;
    if (rc == ST_OK)
        rc = ml_query_text(s, "SELECT name FROM ml_experiments WHERE experiment_id = ?1",
                           (ml_arg[]){ ml_i(num) }, 1, &cur, err);
    if (rc == ST_OK && cur && strcmp(cur, new_name) != 0)
        rc = exp_name_free(s, new_name, err);
    st_free(cur);
    if (rc == ST_OK)
        rc = ml_exec(s, "UPDATE ml_experiments SET name = ?1, last_update_time = ?2 "
                        "WHERE experiment_id = ?3",
                     (ml_arg[]){ ml_s(new_name), ml_i(ml_now_ms()), ml_i(num) }, 3, NULL, err);
    return ml_tx_end(s, rc, err);
}

/* Moves experiment id and its runs to lifecycle stage `to`. */
static st_status exp_set_stage(ml_store *s, const char *id, bool deleted, st_error *err)
{
    int64_t num;
    bool active;
    st_status rc = ml_tx_begin(s, err);
    if (rc != ST_OK)
        return rc;
    rc = ml_experiment_lookup(s, id, &num, &active, err);
    if (rc == ST_OK && deleted && num == 0)
        rc = st_error_set(err, ST_ERR_ARGUMENT, "Cannot delete the default experiment '0'. "
                                                "This is an internally reserved experiment.");
    if (rc == ST_OK && !deleted && active)
        rc = st_error_set(err, ST_ERR_ARGUMENT, "Cannot restore an active experiment.");
    int64_t now = ml_now_ms();
    const char *to = deleted ? "deleted" : "active";
    if (rc == ST_OK)
        rc = ml_exec(s, "UPDATE ml_experiments SET lifecycle_stage = ?1, last_update_time = ?2 "
                        "WHERE experiment_id = ?3",
                     (ml_arg[]){ ml_s(to), ml_i(now), ml_i(num) }, 3, NULL, err);
    if (rc == ST_OK)
        rc = ml_exec(s, "UPDATE ml_runs SET lifecycle_stage = ?1, "
                        "deleted_time = CASE WHEN ?1 = 'deleted' THEN ?2 END "
                        "WHERE experiment_id = ?3 AND lifecycle_stage <> ?1",
                     (ml_arg[]){ ml_s(to), ml_i(now), ml_i(num) }, 3, NULL, err);
    return ml_tx_end(s, rc, err);
}

st_status ml_experiment_delete(ml_store *s, const char *id, st_error *err)
{
    return exp_set_stage(s, id, true, err);
}

st_status ml_experiment_restore(ml_store *s, const char *id, st_error *err)
{
    return exp_set_stage(s, id, false, err);
}

st_status ml_experiment_set_tag(ml_store *s, const char *id, const char *key,
                                const char *value, st_error *err)
{
    st_status rc = ml_check_key("tag", key, err);
    if (rc != ST_OK || (rc = ml_tx_begin(s, err)) != ST_OK)
        return rc;
    int64_t num;
    rc = ml_experiment_check_active(s, id, &num, err);
    if (rc == ST_OK)
        rc = upsert_exp_tag(s, num, key, value, err);
    return ml_tx_end(s, rc, err);
}
