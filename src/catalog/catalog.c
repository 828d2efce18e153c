/* catalog.c -- the metastore database (WAREHOUSE/metastore.db, SQLite) and
** its catalogs and schemas; tables and views are in catalog_table.c, helpers
** without SQLite in catalog_util.c. The schema is described in README.md here.
**
** Invariants: the database runs in WAL mode with a 30 s busy timeout and
** foreign keys on; every change is one BEGIN IMMEDIATE ... COMMIT, so checks
** ("already exists", "not empty") and the change they guard cannot be split
** by another process. PRAGMA user_version is the schema version: opening runs
** the missing steps of k_migrations (later modules append theirs) and refuses
** a database newer than this build. Managed data folders are deleted only
** after the dropping transaction committed, and only when they lie strictly
** below the warehouse or a recorded MANAGED LOCATION. */
#include "catalog_int.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* ---- schema and migrations -------------------------------------------------- */

/* Step i brings the database from version i to i + 1; the version after the
** last step is the schema version of this build. Names are lowercase and
** normalised before they reach SQL; ids are never reused (AUTOINCREMENT) so
** that later lineage and grants may refer to them. */
static const char *const k_migrations[] = {
    "CREATE TABLE catalogs ("
    "  id         INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  name       TEXT NOT NULL UNIQUE,"
    "  comment    TEXT,"
    "  location   TEXT,"
    "  props_json TEXT NOT NULL DEFAULT '{}',"
    "  owner      TEXT,"
    "  created_ms INTEGER NOT NULL);"
    "CREATE TABLE schemas ("
    "  id         INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  catalog    TEXT NOT NULL REFERENCES catalogs(name),"
    "  name       TEXT NOT NULL,"
    "  comment    TEXT,"
    "  location   TEXT,"
    "  props_json TEXT NOT NULL DEFAULT '{}',"
    "  owner      TEXT,"
    "  created_ms INTEGER NOT NULL,"
    "  UNIQUE (catalog, name));"
    "CREATE TABLE tables ("
    "  id           INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  catalog      TEXT NOT NULL,"
    "  schema       TEXT NOT NULL,"
    "  name         TEXT NOT NULL,"
    "  type         TEXT NOT NULL CHECK (type IN ('MANAGED', 'EXTERNAL', 'VIEW')),"
    "  format       TEXT,"
    "  location     TEXT,"
    "  view_sql     TEXT,"
    "  comment      TEXT,"
    "  options_json TEXT NOT NULL DEFAULT '{}',"
    "  schema_json  TEXT,"
    "  owner        TEXT,"
    "  created_ms   INTEGER NOT NULL,"
    "  UNIQUE (catalog, schema, name),"
    "  FOREIGN KEY (catalog, schema) REFERENCES schemas(catalog, name));"
    "CREATE INDEX tables_by_location ON tables(location);",
};
#define CAT_SCHEMA_VERSION ((int)ST_ARRAY_LEN(k_migrations))

/* ---- SQLite helpers ----------------------------------------------------------- */

st_status cat_sql_error(cat_db *db, const char *what, st_error *err)
{
    return st_error_set(err, ST_ERR_IO, "could not %s: metastore \"%s\": %s", what, db->db_path,
                        sqlite3_errmsg(db->sql));
}

st_status cat_prepare(cat_db *db, const char *sql, sqlite3_stmt **out, st_error *err)
{
    *out = NULL;
    if (sqlite3_prepare_v2(db->sql, sql, -1, out, NULL) != SQLITE_OK)
        return cat_sql_error(db, "prepare a query", err);
    return ST_OK;
}

st_status cat_prepare_texts(cat_db *db, const char *sql, const char *const *texts,
                            sqlite3_stmt **out, st_error *err)
{
    st_status rc = cat_prepare(db, sql, out, err);
    for (int i = 0; rc == ST_OK && i < sqlite3_bind_parameter_count(*out); i++)
        cat_bind_text(*out, i + 1, texts[i]);
    return rc;
}

int cat_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
    return s ? sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, idx);
}

bool cat_col_text(sqlite3_stmt *st, int i, st_arena *a, const char **out)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    if (!v) {
        *out = NULL;
        return sqlite3_column_type(st, i) == SQLITE_NULL;   /* else: out of memory */
    }
    *out = st_arena_strndup(a, (const char *)v, (size_t)sqlite3_column_bytes(st, i));
    return *out != NULL;
}

static st_status exec_sql(cat_db *db, const char *sql, const char *what, st_error *err)
{
    if (sqlite3_exec(db->sql, sql, NULL, NULL, NULL) != SQLITE_OK)
        return cat_sql_error(db, what, err);
    return ST_OK;
}

st_status cat_tx_begin(cat_db *db, st_error *err)
{
    return exec_sql(db, "BEGIN IMMEDIATE", "start a metastore transaction", err);
}

st_status cat_tx_commit(cat_db *db, st_error *err)
{
    if (sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        return ST_OK;
    st_status rc = cat_sql_error(db, "commit a metastore transaction", err);
    cat_tx_rollback(db);
    return rc;
}

void cat_tx_rollback(cat_db *db)
{
    if (!sqlite3_get_autocommit(db->sql))
        sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
}

st_status cat_tx_end(cat_db *db, st_status rc, bool keep, st_error *err)
{
    if (rc == ST_OK && keep)
        return cat_tx_commit(db, err);
    cat_tx_rollback(db);
    return rc;
}

st_status cat_exec_stmt(cat_db *db, sqlite3_stmt *st, const char *what, st_error *err)
{
    int r = sqlite3_step(st);
    st_status rc = (r == SQLITE_DONE || r == SQLITE_ROW) ? ST_OK : cat_sql_error(db, what, err);
    sqlite3_finalize(st);
    return rc;
}

/* Runs sql with up to three text parameters and returns the first column of
** the first row as an integer (0 when there is no row). */
static st_status query_int(cat_db *db, const char *sql, const char *p1, const char *p2,
                           const char *p3, int64_t *out, st_error *err)
{
    sqlite3_stmt *st;
    st_status rc = cat_prepare_texts(db, sql, (const char *const[]){ p1, p2, p3 }, &st, err);
    if (rc != ST_OK)
        return rc;
    int r = sqlite3_step(st);
    *out = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        rc = cat_sql_error(db, "read the metastore", err);
    sqlite3_finalize(st);
    return rc;
}

/* ST_OK when catalog c exists, else ST_ERR_NOTFOUND "catalog c not found". */
static st_status catalog_check(cat_db *db, const char *c, st_error *err)
{
    int64_t k;
    st_status rc = query_int(db, "SELECT count(*) FROM catalogs WHERE name = ?1", c, NULL, NULL,
                             &k, err);
    if (rc == ST_OK && k == 0)
        rc = st_error_set(err, ST_ERR_NOTFOUND, "catalog %s not found", c);
    return rc;
}

/* ---- opening -------------------------------------------------------------------- */

/* Inserts a catalog and its schema `default` (inside the caller's transaction). */
static st_status insert_catalog(cat_db *db, const char *name, const char *comment,
                                const char *location, st_error *err)
{
    sqlite3_stmt *st;
    int64_t now = cat_now_ms();
    const char *text = comment && *comment ? comment : NULL;
    st_status rc = cat_prepare_texts(db,
        "INSERT INTO catalogs (name, comment, location, props_json, owner, created_ms) "
        "VALUES (?1, ?2, ?3, '{}', ?4, ?5)",
        (const char *const[]){ name, text, location, cat_owner(), NULL }, &st, err);
    if (rc != ST_OK)
        return rc;
    sqlite3_bind_int64(st, 5, now);
    rc = cat_exec_stmt(db, st, "create a catalog", err);
    if (rc != ST_OK)
        return rc;
    rc = cat_prepare_texts(db,
        "INSERT INTO schemas (catalog, name, props_json, owner, created_ms) "
        "VALUES (?1, ?2, '{}', ?3, ?4)",
        (const char *const[]){ name, CAT_DEFAULT_SCHEMA, cat_owner(), NULL }, &st, err);
    if (rc != ST_OK)
        return rc;
    sqlite3_bind_int64(st, 4, now);
    return cat_exec_stmt(db, st, "create a schema", err);
}

/* Brings the schema to CAT_SCHEMA_VERSION. A current database is recognised
** without taking the write lock; otherwise the steps run in one transaction,
** re-reading the version under the lock so that concurrent openers of a new
** warehouse create it exactly once. A new database gets `main`.`default`. */
static st_status migrate(cat_db *db, st_error *err)
{
    int64_t v;
    st_status rc = query_int(db, "PRAGMA user_version", NULL, NULL, NULL, &v, err);
    if (rc != ST_OK)
        return rc;
    if (v == CAT_SCHEMA_VERSION)
        return ST_OK;
    if ((rc = cat_tx_begin(db, err)) != ST_OK)
        return rc;
    rc = query_int(db, "PRAGMA user_version", NULL, NULL, NULL, &v, err);
    if (rc == ST_OK && v > CAT_SCHEMA_VERSION) {
        rc = st_error_set(err, ST_ERR_UNSUPPORTED,
                          "metastore \"%s\" has schema version %lld, newer than this build "
                          "supports (%d)", db->db_path, (long long)v, CAT_SCHEMA_VERSION);
        st_error_hint(err, "Use a newer strata to open this warehouse.");
    }
    bool fresh = v == 0;
    for (; rc == ST_OK && v < CAT_SCHEMA_VERSION; v++)
        rc = exec_sql(db, k_migrations[v], "create the metastore tables", err);
    if (rc == ST_OK && fresh)
        rc = insert_catalog(db, CAT_DEFAULT_CATALOG, NULL, NULL, err);
    if (rc == ST_OK) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", CAT_SCHEMA_VERSION);
        rc = exec_sql(db, sql, "record the metastore schema version", err);
    }
    return cat_tx_end(db, rc, true, err);
}

/* Switches to WAL. Changing the journal mode needs a moment of exclusive
** access, which a concurrent opener may hold; retry while busy. */
static st_status set_wal(cat_db *db, st_error *err)
{
    for (int attempt = 0;; attempt++) {
        sqlite3_stmt *st;
        st_status rc = cat_prepare(db, "PRAGMA journal_mode = WAL", &st, err);
        if (rc != ST_OK)
            return rc;
        int r = sqlite3_step(st);
        sqlite3_finalize(st);
        if (r == SQLITE_ROW || r == SQLITE_DONE)
            return ST_OK;
        if ((r != SQLITE_BUSY && r != SQLITE_LOCKED) || attempt >= 3000)
            return cat_sql_error(db, "switch the metastore to WAL mode", err);
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
}

st_status cat_open(const char *warehouse, cat_db **out, st_error *err)
{
    *out = NULL;
    cat_db *db = st_calloc(1, sizeof *db);
    if (!db)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    st_status rc = cat_path_abs(warehouse, &db->warehouse, err);
    if (rc == ST_OK)
        rc = cat_mkdir_p(db->warehouse, err);
    if (rc == ST_OK) {
        size_t n = strlen(db->warehouse) + sizeof "/metastore.db";
        db->db_path = st_malloc(n);
        if (!db->db_path)
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
        else
            snprintf(db->db_path, n, "%s%s", strcmp(db->warehouse, "/") ? db->warehouse : "",
                     "/metastore.db");
    }
    if (rc == ST_OK) {
        int r = sqlite3_open_v2(db->db_path, &db->sql,
                                SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
        if (r != SQLITE_OK)
            rc = st_error_set(err, ST_ERR_IO, "could not open metastore \"%s\": %s",
                              db->db_path, db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(r));
    }
    if (rc == ST_OK) {
        sqlite3_busy_timeout(db->sql, CAT_BUSY_TIMEOUT_MS);
        rc = set_wal(db, err);
    }
    if (rc == ST_OK)
        rc = exec_sql(db, "PRAGMA foreign_keys = ON", "enable foreign keys", err);
    if (rc == ST_OK)
        rc = migrate(db, err);
    if (rc != ST_OK) {
        cat_close(db);
        return rc;
    }
    *out = db;
    return ST_OK;
}

void cat_close(cat_db *db)
{
    if (!db)
        return;
    if (db->sql)
        sqlite3_close_v2(db->sql);
    st_free(db->warehouse);
    st_free(db->db_path);
    st_free(db);
}

const char *cat_warehouse(const cat_db *db)
{
    return db->warehouse;
}

/* ---- shared checks -------------------------------------------------------------- */

st_status cat_check_json(cat_db *db, const char *what, const char *json, bool want_object,
                         st_error *err)
{
    if (!json)
        return ST_OK;
    int64_t kind;
    st_status rc = query_int(db,
        "SELECT CASE WHEN NOT json_valid(?1) THEN 0 WHEN json_type(?1) = 'object' THEN 2 "
        "ELSE 1 END", json, NULL, NULL, &kind, err);
    if (rc != ST_OK)
        return rc;
    if (kind == 0 || (want_object && kind != 2))
        return st_error_set(err, ST_ERR_ARGUMENT, "invalid %s \"%.80s\": not a JSON %s", what,
                            json, want_object ? "object" : "value");
    return ST_OK;
}

st_status cat_schema_lookup(cat_db *db, const char *catalog, const char *schema, st_arena *a,
                            const char **location, const char **catalog_location,
                            st_error *err)
{
    sqlite3_stmt *st;
    st_status rc = cat_prepare_texts(db,
        "SELECT c.location, s.location, s.id FROM catalogs c "
        "LEFT JOIN schemas s ON s.catalog = c.name AND s.name = ?2 WHERE c.name = ?1",
        (const char *const[]){ catalog, schema }, &st, err);
    if (rc != ST_OK)
        return rc;
    int r = sqlite3_step(st);
    if (r == SQLITE_DONE)
        rc = st_error_set(err, ST_ERR_NOTFOUND, "catalog %s not found", catalog);
    else if (r != SQLITE_ROW)
        rc = cat_sql_error(db, "read the metastore", err);
    else if (sqlite3_column_type(st, 2) == SQLITE_NULL)
        rc = st_error_set(err, ST_ERR_NOTFOUND, "schema %s.%s not found", catalog, schema);
    else if (!cat_col_text(st, 0, a, catalog_location) || !cat_col_text(st, 1, a, location))
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    sqlite3_finalize(st);
    return rc;
}

/* ---- managed data of dropped tables ------------------------------------------------ */

/* Collects the data folders of the managed tables matching catalog and
** (when not NULL) schema and name, checking each is safe to delete: strictly
** below the warehouse or a recorded MANAGED LOCATION, and neither the
** warehouse, an ancestor of it, nor the metastore's files. Call inside the
** dropping transaction, before the rows go. */
st_status cat_drop_list_collect(cat_db *db, const char *catalog, const char *schema,
                                const char *name, st_arena *a, cat_drop_list *out,
                                st_error *err)
{
    sqlite3_stmt *st;
    st_status rc = cat_prepare_texts(db,
        "SELECT catalog || '.' || schema || '.' || name, location FROM tables "
        "WHERE type = 'MANAGED' AND location IS NOT NULL AND catalog = ?1 "
        "AND (?2 IS NULL OR schema = ?2) AND (?3 IS NULL OR name = ?3) ORDER BY id",
        (const char *const[]){ catalog, schema, name }, &st, err);
    if (rc != ST_OK)
        return rc;
    int r = SQLITE_DONE;
    while (rc == ST_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == out->cap) {
            int ncap = out->cap ? out->cap * 2 : 8;
            const char **np = st_arena_realloc(a, out->paths, (size_t)out->cap * sizeof *np,
                                               (size_t)ncap * sizeof *np);
            const char **nn = st_arena_realloc(a, out->names, (size_t)out->cap * sizeof *nn,
                                               (size_t)ncap * sizeof *nn);
            if (!np || !nn) {
                rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
                break;
            }
            out->paths = np;
            out->names = nn;
            out->cap = ncap;
        }
        if (!cat_col_text(st, 0, a, &out->names[out->n]) ||
            !cat_col_text(st, 1, a, &out->paths[out->n]))
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
        else
            out->n++;
    }
    if (rc == ST_OK && r != SQLITE_DONE)
        rc = cat_sql_error(db, "read the metastore", err);
    sqlite3_finalize(st);
    for (int i = 0; rc == ST_OK && i < out->n; i++)
        rc = cat_check_managed_path(db, out->names[i], out->paths[i], err);
    return rc;
}

/* True when path is strictly below one of the recorded MANAGED LOCATIONs. */
static st_status under_managed_location(cat_db *db, const char *path, bool *out, st_error *err)
{
    sqlite3_stmt *st;
    *out = false;
    st_status rc = cat_prepare(db,
        "SELECT location FROM catalogs WHERE location IS NOT NULL "
        "UNION SELECT location FROM schemas WHERE location IS NOT NULL", &st, err);
    if (rc != ST_OK)
        return rc;
    int r = SQLITE_DONE;
    while (!*out && (r = sqlite3_step(st)) == SQLITE_ROW)
        *out = cat_path_under(path, (const char *)sqlite3_column_text(st, 0));
    if (!*out && r != SQLITE_DONE)
        rc = cat_sql_error(db, "read the metastore", err);
    sqlite3_finalize(st);
    return rc;
}

st_status cat_check_managed_path(cat_db *db, const char *table, const char *path, st_error *err)
{
    size_t dl = strlen(db->db_path);
    bool bad = !path || path[0] != '/' || strcmp(path, db->warehouse) == 0 ||
               cat_path_under(db->warehouse, path) ||
               (strncmp(path, db->db_path, dl) == 0 && (path[dl] == '\0' || path[dl] == '-'));
    bool ok = false;
    if (!bad && cat_path_under(path, db->warehouse))
        ok = true;
    else if (!bad) {
        st_status rc = under_managed_location(db, path, &ok, err);
        if (rc != ST_OK)
            return rc;
    }
    if (ok)
        return ST_OK;
    st_error_set(err, ST_ERR_ARGUMENT,
                 "managed table %s has location \"%s\", which is not below the warehouse "
                 "\"%s\" or a managed location", table, path ? path : "", db->warehouse);
    st_error_hint(err, "Managed data is deleted with its table, so it must live in the "
                       "warehouse; use an EXTERNAL table for other locations.");
    return ST_ERR_ARGUMENT;
}

st_status cat_drop_finish(st_status rc, bool if_exists, const cat_drop_list *l, st_error *err)
{
    if (rc == ST_ERR_NOTFOUND && if_exists) {
        st_error_init(err);
        return ST_OK;
    }
    return rc == ST_OK ? cat_drop_list_delete(l, err) : rc;
}

st_status cat_drop_list_delete(const cat_drop_list *l, st_error *err)
{
    st_status first = ST_OK;
    for (int i = 0; i < l->n; i++) {
        st_error e;
        st_error_init(&e);
        if (cat_remove_tree(l->paths[i], &e) != ST_OK && first == ST_OK) {
            first = e.code;
            if (err)
                *err = e;
            st_error_context(err, "%s was dropped but its data could not be deleted",
                             l->names[i]);
        }
    }
    return first;
}

/* Removes the warehouse folder of a dropped schema (s) or catalog (s NULL:
** with its schema folders) when empty; anything left in them stays. */
static void rmdir_quiet(cat_db *db, const char *c, const char *s)
{
    char path[4096];
    int n = s ? snprintf(path, sizeof path, "%s/%s/%s", db->warehouse, c, s)
              : snprintf(path, sizeof path, "%s/%s", db->warehouse, c);
    if (n <= 0 || (size_t)n >= sizeof path)
        return;
    DIR *d = s ? NULL : opendir(path);
    if (d) {
        struct dirent *e;
        char sub[4096 + 256];
        while ((e = readdir(d)) != NULL)
            if (e->d_name[0] != '.') {
                snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
                rmdir(sub);
            }
        closedir(d);
    }
    rmdir(path);
}

/* ---- catalogs ------------------------------------------------------------------ */

/* Normalises a name for a lookup: a name that breaks the rules cannot exist,
** so it is reported as not found (by the caller) rather than as bad. */
static bool norm_lookup(const char *name, char *out)
{
    return cat_name_norm("object", name, out, NULL) == ST_OK;
}

st_status cat_catalog_create(cat_db *db, const char *name, const char *comment,
                             const char *location, bool if_not_exists, st_error *err)
{
    char n[CAT_NAME_MAX + 1];
    st_status rc = cat_name_norm("catalog", name, n, err);
    if (rc != ST_OK)
        return rc;
    char *loc = NULL;
    if (location && *location) {
        if ((rc = cat_path_abs(location, &loc, err)) != ST_OK)
            return rc;
        if (strcmp(loc, "/") == 0) {
            st_free(loc);
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "invalid managed location \"/\" for catalog %s", n);
        }
    }
    if ((rc = cat_tx_begin(db, err)) != ST_OK) {
        st_free(loc);
        return rc;
    }
    int64_t exists;
    rc = query_int(db, "SELECT count(*) FROM catalogs WHERE name = ?1", n, NULL, NULL, &exists,
                   err);
    bool skip = false;
    if (rc == ST_OK && exists) {
        if (if_not_exists)
            skip = true;
        else
            rc = st_error_set(err, ST_ERR_ARGUMENT, "catalog %s already exists", n);
    }
    if (rc == ST_OK && !skip)
        rc = insert_catalog(db, n, comment, loc, err);
    st_free(loc);
    return cat_tx_end(db, rc, !skip, err);
}

/* Checks a catalog may be dropped without CASCADE (inside the transaction). */
static st_status catalog_empty(cat_db *db, const char *n, st_error *err)
{
    int64_t k;
    st_status rc = query_int(db,
        "SELECT count(*) FROM schemas WHERE catalog = ?1 AND name <> 'default'", n, NULL, NULL,
        &k, err);
    if (rc == ST_OK && k > 0)
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "catalog %s is not empty (%lld schema%s); use CASCADE", n,
                            (long long)k, k == 1 ? "" : "s");
    if (rc == ST_OK)
        rc = query_int(db, "SELECT count(*) FROM tables WHERE catalog = ?1", n, NULL, NULL, &k,
                       err);
    if (rc == ST_OK && k > 0)
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "catalog %s is not empty (%lld table%s in schema default); use "
                            "CASCADE", n, (long long)k, k == 1 ? "" : "s");
    return rc;
}

/* Deletes the rows of tables, schemas and (when schema is NULL) the catalog. */
static st_status delete_rows(cat_db *db, const char *c, const char *s, st_error *err)
{
    static const char *const sql_all[] = {
        "DELETE FROM tables WHERE catalog = ?1",
        "DELETE FROM schemas WHERE catalog = ?1",
        "DELETE FROM catalogs WHERE name = ?1",
    };
    static const char *const sql_schema[] = {
        "DELETE FROM tables WHERE catalog = ?1 AND schema = ?2",
        "DELETE FROM schemas WHERE catalog = ?1 AND name = ?2",
    };
    const char *const *sql = s ? sql_schema : sql_all;
    int n = s ? 2 : 3;
    st_status rc = ST_OK;
    for (int i = 0; rc == ST_OK && i < n; i++) {
        sqlite3_stmt *st;
        if ((rc = cat_prepare_texts(db, sql[i], (const char *const[]){ c, s }, &st, err)) !=
            ST_OK)
            break;
        rc = cat_exec_stmt(db, st, "drop from the metastore", err);
    }
    return rc;
}

/* Shared by the catalog and schema drops: s NULL drops catalog c. */
static st_status drop_container(cat_db *db, const char *c, const char *s, bool if_exists,
                                bool cascade, st_error *err)
{
    st_arena *a = st_arena_new(0);
    if (!a)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    cat_drop_list l = { 0 };
    st_status rc = cat_tx_begin(db, err);
    if (rc != ST_OK) {
        st_arena_free(a);
        return rc;
    }
    int64_t k = 0;
    if (s) {
        const char *loc, *cloc;
        rc = cat_schema_lookup(db, c, s, a, &loc, &cloc, err);
        if (rc == ST_OK)
            rc = query_int(db, "SELECT count(*) FROM tables WHERE catalog = ?1 AND schema = ?2",
                           c, s, NULL, &k, err);
        if (rc == ST_OK && k > 0 && !cascade)
            rc = st_error_set(err, ST_ERR_ARGUMENT,
                              "schema %s.%s is not empty (%lld table%s); use CASCADE", c, s,
                              (long long)k, k == 1 ? "" : "s");
    } else {
        rc = catalog_check(db, c, err);
        if (rc == ST_OK && !cascade)
            rc = catalog_empty(db, c, err);
    }
    if (rc == ST_OK)
        rc = cat_drop_list_collect(db, c, s, NULL, a, &l, err);
    if (rc == ST_OK)
        rc = delete_rows(db, c, s, err);
    rc = cat_tx_end(db, rc, true, err);
    bool dropped = rc == ST_OK;
    rc = cat_drop_finish(rc, if_exists, &l, err);
    if (dropped)
        rmdir_quiet(db, c, s);
    st_arena_free(a);
    return rc;
}

st_status cat_catalog_drop(cat_db *db, const char *name, bool if_exists, bool cascade,
                           st_error *err)
{
    char n[CAT_NAME_MAX + 1];
    if (!norm_lookup(name, n))
        return if_exists ? ST_OK
                         : st_error_set(err, ST_ERR_NOTFOUND, "catalog %s not found",
                                        name ? name : "");
    return drop_container(db, n, NULL, if_exists, cascade, err);
}

st_status cat_read_rows(cat_db *db, sqlite3_stmt *st, cat_rows *r, st_error *err)
{
    char *arr = NULL;
    int n = 0, cap = 0, step = SQLITE_DONE;
    st_status rc = ST_OK;
    while (rc == ST_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (r->like &&
            !cat_like_match(r->like, (const char *)sqlite3_column_text(st, r->name_col)))
            continue;
        if (n == cap) {
            int ncap = cap ? cap * 2 : 8;
            char *na = st_arena_realloc(r->arena, arr, (size_t)cap * r->elem_size,
                                        (size_t)ncap * r->elem_size);
            if (!na) {
                rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
                break;
            }
            arr = na;
            cap = ncap;
        }
        void *row = arr + (size_t)n++ * r->elem_size;
        memset(row, 0, r->elem_size);
        if (!r->fill(st, r->arena, row))
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    }
    if (rc == ST_OK && step != SQLITE_DONE)
        rc = cat_sql_error(db, "read the metastore", err);
    sqlite3_finalize(st);
    r->rows = arr;
    r->n_rows = rc == ST_OK ? n : 0;
    return rc;
}

/* Fills a cat_object from a catalog or schema query row (columns: catalog,
** name, comment, location, props_json, owner, created_ms). */
static bool fill_object(sqlite3_stmt *st, st_arena *a, void *row)
{
    cat_object *o = row;
    o->created_ms = sqlite3_column_int64(st, 6);
    return cat_col_text(st, 0, a, &o->catalog) && cat_col_text(st, 1, a, &o->name) &&
           cat_col_text(st, 2, a, &o->comment) && cat_col_text(st, 3, a, &o->location) &&
           cat_col_text(st, 4, a, &o->props_json) && cat_col_text(st, 5, a, &o->owner);
}

/* Reads the rows of a catalog or schema query into an arena array, keeping
** those whose name matches like; finalizes st. */
static st_status read_objects(cat_db *db, sqlite3_stmt *st, const char *like, st_arena *a,
                              cat_object **out, int *n_out, st_error *err)
{
    cat_rows r = { .like = like, .name_col = 1, .elem_size = sizeof(cat_object),
                   .fill = fill_object, .arena = a };
    st_status rc = cat_read_rows(db, st, &r, err);
    *out = r.rows;
    *n_out = r.n_rows;
    return rc;
}

#define CAT_OBJECT_COLS "comment, location, props_json, owner, created_ms"

st_status cat_catalog_get(cat_db *db, const char *name, st_arena *a, cat_object *out,
                          st_error *err)
{
    char n[CAT_NAME_MAX + 1];
    if (!norm_lookup(name, n))
        return st_error_set(err, ST_ERR_NOTFOUND, "catalog %s not found", name ? name : "");
    sqlite3_stmt *st;
    st_status rc = cat_prepare_texts(db,
        "SELECT name, name, " CAT_OBJECT_COLS " FROM catalogs WHERE name = ?1",
        (const char *const[]){ n }, &st, err);
    if (rc != ST_OK)
        return rc;
    cat_object *arr;
    int k;
    if ((rc = read_objects(db, st, NULL, a, &arr, &k, err)) != ST_OK)
        return rc;
    if (k == 0)
        return st_error_set(err, ST_ERR_NOTFOUND, "catalog %s not found", n);
    *out = arr[0];
    return ST_OK;
}

st_status cat_catalog_list(cat_db *db, const char *like, st_arena *a, cat_object **out,
                           int *n_out, st_error *err)
{
    sqlite3_stmt *st;
    st_status rc = cat_prepare(db,
        "SELECT name, name, " CAT_OBJECT_COLS " FROM catalogs ORDER BY name", &st, err);
    if (rc != ST_OK)
        return rc;
    return read_objects(db, st, like, a, out, n_out, err);
}

/* UPDATE ... SET comment for a catalog (s NULL) or schema; "" or NULL clears. */
static st_status set_comment(cat_db *db, const char *c, const char *s, const char *comment,
                             st_error *err)
{
    sqlite3_stmt *st;
    const char *text = comment && *comment ? comment : NULL;
    st_status rc = cat_prepare_texts(db, s ? "UPDATE schemas SET comment = ?3 "
                                             "WHERE catalog = ?1 AND name = ?2"
                                           : "UPDATE catalogs SET comment = ?3 WHERE name = ?1",
                                     (const char *const[]){ c, s, text }, &st, err);
    if (rc != ST_OK)
        return rc;
    if ((rc = cat_tx_begin(db, err)) != ST_OK) {
        sqlite3_finalize(st);
        return rc;
    }
    rc = cat_exec_stmt(db, st, "update a comment", err);
    if (rc == ST_OK && sqlite3_changes(db->sql) == 0)
        rc = s ? st_error_set(err, ST_ERR_NOTFOUND, "schema %s.%s not found", c, s)
               : st_error_set(err, ST_ERR_NOTFOUND, "catalog %s not found", c);
    return cat_tx_end(db, rc, true, err);
}

st_status cat_catalog_set_comment(cat_db *db, const char *name, const char *comment,
                                  st_error *err)
{
    char n[CAT_NAME_MAX + 1];
    if (!norm_lookup(name, n))
        return st_error_set(err, ST_ERR_NOTFOUND, "catalog %s not found", name ? name : "");
    return set_comment(db, n, NULL, comment, err);
}

/* ---- schemas ------------------------------------------------------------------- */

st_status cat_schema_create(cat_db *db, const char *catalog, const char *name,
                            const char *comment, const char *location, const char *props_json,
                            bool if_not_exists, st_error *err)
{
    char c[CAT_NAME_MAX + 1], n[CAT_NAME_MAX + 1];
    st_status rc = cat_name_norm("catalog", catalog, c, err);
    if (rc == ST_OK)
        rc = cat_name_norm("schema", name, n, err);
    if (rc == ST_OK)
        rc = cat_check_json(db, "schema properties", props_json, true, err);
    char *loc = NULL;
    if (rc == ST_OK && location && *location) {
        rc = cat_path_abs(location, &loc, err);
        if (rc == ST_OK && strcmp(loc, "/") == 0)
            rc = st_error_set(err, ST_ERR_ARGUMENT,
                              "invalid managed location \"/\" for schema %s.%s", c, n);
    }
    if (rc == ST_OK)
        rc = cat_tx_begin(db, err);
    if (rc != ST_OK) {
        st_free(loc);
        return rc;
    }
    int64_t k;
    bool skip = false;
    rc = catalog_check(db, c, err);
    if (rc == ST_OK)
        rc = query_int(db, "SELECT count(*) FROM schemas WHERE catalog = ?1 AND name = ?2", c,
                       n, NULL, &k, err);
    if (rc == ST_OK && k > 0) {
        if (if_not_exists)
            skip = true;
        else
            rc = st_error_set(err, ST_ERR_ARGUMENT, "schema %s.%s already exists", c, n);
    }
    sqlite3_stmt *st;
    if (rc == ST_OK && !skip &&
        (rc = cat_prepare_texts(db, "INSERT INTO schemas (catalog, name, comment, location, "
                                    "props_json, owner, created_ms) "
                                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                (const char *const[]){ c, n, comment && *comment ? comment : NULL,
                                                       loc, props_json ? props_json : "{}",
                                                       cat_owner(), NULL },
                                &st, err)) == ST_OK) {
        sqlite3_bind_int64(st, 7, cat_now_ms());
        rc = cat_exec_stmt(db, st, "create a schema", err);
    }
    st_free(loc);
    return cat_tx_end(db, rc, !skip, err);
}

st_status cat_schema_drop(cat_db *db, const char *catalog, const char *name, bool if_exists,
                          bool cascade, st_error *err)
{
    char c[CAT_NAME_MAX + 1], n[CAT_NAME_MAX + 1];
    if (!norm_lookup(catalog, c) || !norm_lookup(name, n))
        return if_exists ? ST_OK
                         : st_error_set(err, ST_ERR_NOTFOUND, "schema %s.%s not found",
                                        catalog ? catalog : "", name ? name : "");
    return drop_container(db, c, n, if_exists, cascade, err);
}

st_status cat_schema_get(cat_db *db, const char *catalog, const char *name, st_arena *a,
                         cat_object *out, st_error *err)
{
    char c[CAT_NAME_MAX + 1], n[CAT_NAME_MAX + 1];
    if (!norm_lookup(catalog, c) || !norm_lookup(name, n))
        return st_error_set(err, ST_ERR_NOTFOUND, "schema %s.%s not found",
                            catalog ? catalog : "", name ? name : "");
    sqlite3_stmt *st;
    st_status rc = cat_prepare_texts(db,
        "SELECT catalog, name, " CAT_OBJECT_COLS " FROM schemas WHERE catalog = ?1 "
        "AND name = ?2", (const char *const[]){ c, n }, &st, err);
    if (rc != ST_OK)
        return rc;
    cat_object *arr;
    int k;
    if ((rc = read_objects(db, st, NULL, a, &arr, &k, err)) != ST_OK)
        return rc;
    if (k == 0)
        return st_error_set(err, ST_ERR_NOTFOUND, "schema %s.%s not found", c, n);
    *out = arr[0];
    return ST_OK;
}

st_status cat_schema_list(cat_db *db, const char *catalog, const char *like, st_arena *a,
                          cat_object **out, int *n_out, st_error *err)
{
    *out = NULL;
    *n_out = 0;
    char c[CAT_NAME_MAX + 1];
    if (!norm_lookup(catalog, c))
        return st_error_set(err, ST_ERR_NOTFOUND, "catalog %s not found", catalog ? catalog : "");
    st_status rc = catalog_check(db, c, err);
    if (rc != ST_OK)
        return rc;
    sqlite3_stmt *st;
    if ((rc = cat_prepare_texts(db, "SELECT catalog, name, " CAT_OBJECT_COLS " FROM schemas "
                                    "WHERE catalog = ?1 ORDER BY name",
                                (const char *const[]){ c }, &st, err)) != ST_OK)
        return rc;
    return read_objects(db, st, like, a, out, n_out, err);
}

st_status cat_schema_set_comment(cat_db *db, const char *catalog, const char *name,
                                 const char *comment, st_error *err)
{
    char c[CAT_NAME_MAX + 1], n[CAT_NAME_MAX + 1];
    if (!norm_lookup(catalog, c) || !norm_lookup(name, n))
        return st_error_set(err, ST_ERR_NOTFOUND, "schema %s.%s not found",
                            catalog ? catalog : "", name ? name : "");
    return set_comment(db, c, n, comment, err);
}
