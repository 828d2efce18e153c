/* catalog.h -- the metastore: catalogs, schemas, tables and views of a
** warehouse, kept in SQLite (WAREHOUSE/metastore.db).
**
** A warehouse is a folder. Opening it creates the folder, the database and
** the default catalog `main` with its schema `default` when missing. Names
** are case-insensitive and stored lowercase (as Unity Catalog and Spark's
** metastore do); three-level names are catalog.schema.table.
**
** Tables are MANAGED (data under the warehouse, at the location chosen by
** cat_managed_location; DROP deletes the data), EXTERNAL (LOCATION given by
** the user, anywhere; DROP keeps the data) or VIEW (the query text). A Delta
** table's schema, properties and history live in its _delta_log, not here:
** the catalog records only where the table is, its format and what the log
** cannot hold (the comment set before the first commit, the OPTIONS of
** CSV/JSON tables, a declared schema of non-Delta tables).
**
** Consistency under concurrent processes: every change runs in one SQLite
** transaction (BEGIN IMMEDIATE, WAL journal, a busy timeout of 30 s), so two
** processes creating the same table get one success and one "already
** exists". Errors: ST_ERR_NOTFOUND ("table main.default.t not found", ...),
** ST_ERR_ARGUMENT for "already exists" / "not empty" / bad names, ST_ERR_IO
** for SQLite failures, naming the database file. */
#ifndef STRATA_CATALOG_CATALOG_H
#define STRATA_CATALOG_CATALOG_H

#include "../base/base.h"

typedef struct cat_db cat_db;

#define CAT_DEFAULT_CATALOG "main"
#define CAT_DEFAULT_SCHEMA  "default"

/* A catalog or a schema. */
typedef struct cat_object {
    const char *catalog;          /* for a schema: its catalog; for a catalog: its name */
    const char *name;             /* the catalog's or schema's name */
    const char *comment;          /* or NULL */
    const char *location;         /* MANAGED LOCATION given at creation, or NULL */
    const char *props_json;       /* JSON object of properties ("{}" when none) */
    const char *owner;            /* creating user ($USER), or NULL */
    int64_t     created_ms;
} cat_object;

typedef enum cat_table_type { CAT_MANAGED, CAT_EXTERNAL, CAT_VIEW } cat_table_type;

typedef struct cat_table {
    const char    *catalog, *schema, *name;
    cat_table_type type;
    const char    *format;        /* "delta", "parquet", "csv", "json"; NULL for views */
    const char    *location;      /* absolute folder or file path; NULL for views */
    const char    *view_sql;      /* VIEW: the query text; else NULL */
    const char    *comment;       /* or NULL */
    const char    *options_json;  /* JSON object: OPTIONS (header, sep, ...) of file
                                  ** tables, view column names ("columns": [...]);
                                  ** "{}" when none */
    const char    *schema_json;   /* declared Spark JSON schema of non-Delta tables, or
                                  ** NULL (Delta: the log has it) */
    const char    *owner;         /* or NULL */
    int64_t        created_ms;
    int64_t        id;            /* unique, stable across renames */
} cat_table;

/* Opens (creating when missing) the warehouse folder and its metastore.
** warehouse is made absolute against the current directory. */
st_status   cat_open(const char *warehouse, cat_db **out, st_error *err);
void        cat_close(cat_db *db);                   /* accepts NULL */
const char *cat_warehouse(const cat_db *db);         /* absolute folder path */

/* ---- catalogs ------------------------------------------------------------ */

st_status cat_catalog_create(cat_db *db, const char *name, const char *comment,
                             const char *location, bool if_not_exists, st_error *err);
/* Drops a catalog. Without cascade it must hold no schema other than
** `default` (and that one no table); with cascade its schemas, tables and
** views go too, and managed tables' data folders are deleted after the
** catalog change committed. The catalog `main` may be dropped like any other. */
st_status cat_catalog_drop(cat_db *db, const char *name, bool if_exists, bool cascade,
                           st_error *err);
st_status cat_catalog_get(cat_db *db, const char *name, st_arena *a, cat_object *out,
                          st_error *err);
/* Catalogs sorted by name; like is a SHOW ... LIKE pattern or NULL (see
** cat_like_match). Arrays and strings go into arena a. */
st_status cat_catalog_list(cat_db *db, const char *like, st_arena *a, cat_object **out,
                           int *n_out, st_error *err);
st_status cat_catalog_set_comment(cat_db *db, const char *name, const char *comment,
                                  st_error *err);

/* ---- schemas ------------------------------------------------------------- */

st_status cat_schema_create(cat_db *db, const char *catalog, const char *name,
                            const char *comment, const char *location, const char *props_json,
                            bool if_not_exists, st_error *err);
/* Without cascade the schema must be empty; with cascade its tables and
** views are dropped too (managed data deleted as for cat_table_drop). */
st_status cat_schema_drop(cat_db *db, const char *catalog, const char *name, bool if_exists,
                          bool cascade, st_error *err);
st_status cat_schema_get(cat_db *db, const char *catalog, const char *name, st_arena *a,
                         cat_object *out, st_error *err);
st_status cat_schema_list(cat_db *db, const char *catalog, const char *like, st_arena *a,
                          cat_object **out, int *n_out, st_error *err);
st_status cat_schema_set_comment(cat_db *db, const char *catalog, const char *name,
                                 const char *comment, st_error *err);

/* ---- tables and views ---------------------------------------------------- */

/* The folder a new managed table catalog.schema.name gets:
** WAREHOUSE/<catalog>/<schema>/<name> (or under the schema's / catalog's
** MANAGED LOCATION), with "-<8 hex>" appended when that folder is already
** used by another catalog entry or exists and is not empty. Arena-allocated;
** nothing is created. */
st_status cat_managed_location(cat_db *db, const char *catalog, const char *schema,
                               const char *name, st_arena *a, const char **out,
                               st_error *err);

/* Adds t (catalog, schema and name must name an existing schema; t->id and
** created_ms are assigned). replace: an existing entry of the same name is
** replaced (its id kept; a managed table's data is not touched -- the caller
** decides). Otherwise an existing name is ST_ERR_ARGUMENT "table ... already
** exists" -- unless if_not_exists, which returns ST_OK with *created false.
** created may be NULL. */
st_status cat_table_create(cat_db *db, const cat_table *t, bool replace, bool if_not_exists,
                           bool *created, st_error *err);
/* Looks a table or view up; ST_ERR_NOTFOUND with "table c.s.n not found"
** (the caller may decorate). Strings go into arena a. */
st_status cat_table_get(cat_db *db, const char *catalog, const char *schema, const char *name,
                        st_arena *a, cat_table *out, st_error *err);
/* Removes the entry; for a managed table also deletes its data folder (after
** the catalog change committed). want_view: true for DROP VIEW (a table is
** then ST_ERR_ARGUMENT "... is a table, use DROP TABLE"), false for DROP
** TABLE (a view likewise). if_exists: a missing name is ST_OK. */
st_status cat_table_drop(cat_db *db, const char *catalog, const char *schema, const char *name,
                         bool want_view, bool if_exists, st_error *err);
/* Renames (possibly into another schema of the same catalog). The data
** folder does not move. */
st_status cat_table_rename(cat_db *db, const char *catalog, const char *schema,
                           const char *name, const char *new_schema, const char *new_name,
                           st_error *err);
/* Updates the mutable fields of an existing entry: comment, options_json,
** schema_json, location, view_sql (NULL arguments leave a field alone; the
** empty string "" clears comment). */
st_status cat_table_update(cat_db *db, const char *catalog, const char *schema,
                           const char *name, const char *comment, const char *options_json,
                           const char *schema_json, const char *location, const char *view_sql,
                           st_error *err);
/* Tables and views of one schema sorted by name; views_only for SHOW VIEWS. */
st_status cat_table_list(cat_db *db, const char *catalog, const char *schema, const char *like,
                         bool views_only, st_arena *a, cat_table **out, int *n_out,
                         st_error *err);
/* The entry whose location is path (absolute, no trailing slash), if any:
** ST_ERR_NOTFOUND otherwise. Used to find a table's name from a path. */
st_status cat_table_by_location(cat_db *db, const char *path, st_arena *a, cat_table *out,
                                st_error *err);

/* ---- helpers ------------------------------------------------------------- */

/* SHOW ... LIKE matching as Spark does it: case-insensitive, '*' any
** sequence, '|' separates alternatives, and SQL's '%' and '_' are accepted
** as '*' and any one character. */
bool        cat_like_match(const char *pattern, const char *name);
/* Deletes a folder and everything under it (no error when missing). */
st_status   cat_remove_tree(const char *path, st_error *err);

#endif /* STRATA_CATALOG_CATALOG_H */
