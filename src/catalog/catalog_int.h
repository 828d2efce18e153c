/* catalog_int.h -- internals shared by the metastore's files: the cat_db
** handle, SQLite helpers (prepare, bind, transactions, error reports naming
** the database file), name normalisation and path helpers.
**
** Invariants: every name stored in the database went through cat_name_norm
** (lowercase ASCII, non-empty, at most CAT_NAME_MAX bytes, no '/', '.' or
** control characters); every stored location went through cat_path_abs
** (absolute, no trailing slash, no "." / ".." / empty components). Private to
** src/catalog; other modules use catalog.h. */
#ifndef STRATA_CATALOG_CATALOG_INT_H
#define STRATA_CATALOG_CATALOG_INT_H

#include <sqlite3.h>

#include "catalog.h"

#define CAT_NAME_MAX 255      /* bytes in one name part */
#define CAT_BUSY_TIMEOUT_MS 30000

struct cat_db {
    sqlite3 *sql;             /* owned: one connection, not shared across threads */
    char    *warehouse;       /* owned: absolute folder, no trailing slash */
    char    *db_path;         /* owned: warehouse + "/metastore.db" */
};

/* ---- SQLite helpers (catalog.c) ------------------------------------------ */

/* Records ST_ERR_IO "could not <what>: metastore \"<file>\": <sqlite message>". */
st_status cat_sql_error(cat_db *db, const char *what, st_error *err);
st_status cat_prepare(cat_db *db, const char *sql, sqlite3_stmt **out, st_error *err);
/* cat_prepare, then binds texts[i] (NULL: SQL NULL) to ?i+1 for every
** parameter of sql: texts holds one entry per parameter; entries for
** non-text parameters are NULL and the caller binds those afterwards. */
st_status cat_prepare_texts(cat_db *db, const char *sql, const char *const *texts,
                            sqlite3_stmt **out, st_error *err);
/* Binds a string, or NULL when s is NULL. */
int       cat_bind_text(sqlite3_stmt *st, int idx, const char *s);
/* Copies column i into arena a (NULL for SQL NULL); false on out-of-memory. */
bool      cat_col_text(sqlite3_stmt *st, int i, st_arena *a, const char **out);
/* BEGIN IMMEDIATE (waits up to the busy timeout for other writers). */
st_status cat_tx_begin(cat_db *db, st_error *err);
st_status cat_tx_commit(cat_db *db, st_error *err);
void      cat_tx_rollback(cat_db *db);
/* Ends the caller's transaction: commits when rc is ST_OK and keep (returning
** the commit's status), else rolls back and returns rc. */
st_status cat_tx_end(cat_db *db, st_status rc, bool keep, st_error *err);
/* Steps a statement expected to return no row; finalizes it. */
st_status cat_exec_stmt(cat_db *db, sqlite3_stmt *st, const char *what, st_error *err);
/* Copies the current row of st into row (a zeroed element of the array being
** read), strings into arena a; false when out of memory. */
typedef bool (*cat_row_fill)(sqlite3_stmt *st, st_arena *a, void *row);

/* A query's rows read into an arena array by cat_read_rows. */
typedef struct cat_rows {
    const char   *like;       /* borrowed: keep rows whose name matches (NULL: all) */
    int           name_col;   /* result column holding the name like matches */
    size_t        elem_size;  /* bytes of one element of rows */
    cat_row_fill  fill;       /* fills one element from the current row */
    st_arena     *arena;      /* borrowed: holds rows and their strings */
    void         *rows;       /* out, arena: the kept rows */
    int           n_rows;     /* out: how many were kept (0 on failure) */
} cat_rows;

/* Steps st to its end collecting the kept rows into r->rows; finalizes st. */
st_status cat_read_rows(cat_db *db, sqlite3_stmt *st, cat_rows *r, st_error *err);

/* Looks a schema up inside a transaction: ST_OK and its MANAGED LOCATION (in
** arena a, NULL when none) or ST_ERR_NOTFOUND "schema c.s not found" (or
** "catalog c not found" when the catalog itself is missing). */
st_status cat_schema_lookup(cat_db *db, const char *catalog, const char *schema, st_arena *a,
                            const char **location, const char **catalog_location,
                            st_error *err);

/* Fails with ST_ERR_ARGUMENT unless json (when not NULL) is valid JSON, and
** a JSON object when want_object; what names the field in the message. */
st_status cat_check_json(cat_db *db, const char *what, const char *json, bool want_object,
                         st_error *err);

/* Data folders of managed tables being dropped: collected inside the dropping
** transaction, deleted after it committed. */
typedef struct cat_drop_list {
    const char **paths;       /* arena: absolute data folders */
    const char **names;       /* arena: "catalog.schema.table" of each, for messages */
    int          n, cap;
} cat_drop_list;

/* Appends the managed tables matching catalog and (unless NULL) schema and
** name; fails with ST_ERR_ARGUMENT when a folder is not safe to delete. */
st_status cat_drop_list_collect(cat_db *db, const char *catalog, const char *schema,
                                const char *name, st_arena *a, cat_drop_list *out,
                                st_error *err);
/* Deletes every folder of l (all are tried); the first failure is reported. */
st_status cat_drop_list_delete(const cat_drop_list *l, st_error *err);
/* Finishes a DROP whose transaction ended with rc: ST_ERR_NOTFOUND becomes
** ST_OK (err cleared) when if_exists; after success the folders of l are
** deleted (cat_drop_list_delete); any other failure is returned as is. */
st_status cat_drop_finish(st_status rc, bool if_exists, const cat_drop_list *l, st_error *err);
/* ST_OK when path may hold managed table data: strictly below the warehouse or
** a recorded MANAGED LOCATION, and not the warehouse, an ancestor of it or the
** metastore's own files. table names the table in the message. */
st_status cat_check_managed_path(cat_db *db, const char *table, const char *path, st_error *err);

/* ---- names, paths, time (catalog_util.c) ---------------------------------- */

/* Validates name (kind names the object in messages: "table", "schema") and
** writes its lowercase form into out (CAT_NAME_MAX + 1 bytes). ST_ERR_ARGUMENT
** "invalid table name \"a/b\": ..." when it breaks the rules. */
st_status cat_name_norm(const char *kind, const char *name, char *out, st_error *err);
/* Makes path absolute (against the current directory) and lexically clean:
** no trailing slash, no empty, "." or ".." components. Heap string (st_free). */
st_status cat_path_abs(const char *path, char **out, st_error *err);
/* True when path lies strictly below root (both clean absolute paths). */
bool      cat_path_under(const char *path, const char *root);
/* mkdir -p; existing folders are fine. */
st_status cat_mkdir_p(const char *path, st_error *err);
/* True when path does not exist or is an empty folder. */
bool      cat_dir_free(const char *path);
/* Eight random lowercase hex digits plus NUL into out (9 bytes). */
void      cat_random_hex8(char *out);
int64_t   cat_now_ms(void);
/* $USER, or NULL when unset or empty. */
const char *cat_owner(void);

#endif /* STRATA_CATALOG_CATALOG_INT_H */
