/* lake.h -- internals shared by the session (session.c) and the lakehouse
** statement runners: catalog statements (lake_ddl.c), writes (lake_dml.c:
** INSERT, UPDATE, DELETE, MERGE, CTAS) and table maintenance and history
** (lake_maint.c). Not part of the module contract.
**
** The runners build SQL queries as ASTs (sql.h) and run them through the
** session's normal bind -> optimize -> plan -> execute path; a query may
** see extra names (an "overlay") that resolve before the session's own
** names -- how a DML statement makes its target table read the snapshot of
** its transaction with row ids. Results stream to a callback. */
#ifndef STRATA_EXEC_LAKE_H
#define STRATA_EXEC_LAKE_H

#include "session.h"
#include "ex_int.h"
#include "../catalog/catalog.h"
#include "../sql/bind.h"
#include "../ml/ml_model.h"

/* Name an overlay gives the target of a DML statement. */
#define LAKE_TARGET_NAME "__strata_target"

typedef struct lake_overlay {
    const char *name;            /* one-part name, case-insensitive */
    bind_table  table;
} lake_overlay;

/* A query bound, optimized and planned, ready to run once. */
typedef struct lake_query lake_query;

st_status      lake_query_prepare(ex_session *s, const char *sql, const sql_query *q,
                                  const lake_overlay *ov, int n_ov, lake_query **out,
                                  st_error *err);
/* The bound root: output columns (names, types, nullability). */
const lp_node *lake_query_root(const lake_query *lq);
/* Runs the query; fn gets every result chunk (one call at a time). *rows
** (may be NULL) gets the number of rows delivered. */
st_status      lake_query_run(lake_query *lq, ex_collect_fn fn, void *ud, int64_t *rows,
                              st_error *err);
void           lake_query_free(lake_query *lq);   /* accepts NULL */

/* The session's catalog, opened on first use (create: make the warehouse
** folder and metastore when missing; otherwise ST_ERR_NOTFOUND when there
** is none). The default warehouse is $STRATA_WAREHOUSE or ./warehouse. */
st_status   ex_session_catalog(ex_session *s, bool create, cat_db **out, st_error *err);
/* The warehouse's tracking store and model registry, opened on first use
** (after the catalog, which creates the warehouse). */
st_status   ex_session_ml(ex_session *s, ml_store **out, st_error *err);
/* The current catalog and schema (USE CATALOG / USE SCHEMA). */
const char *ex_session_current_catalog(const ex_session *s);
const char *ex_session_current_schema(const ex_session *s);
st_status   ex_session_use(ex_session *s, const char *catalog, const char *schema,
                           st_error *err);
/* A setting's value as text (spark.* / delta.* keys as SET stored them), or
** NULL when never set. */
const char *ex_session_extra(const ex_session *s, const char *key);
/* The stored spark./delta./strata. settings, by index. */
int         ex_session_n_extra(const ex_session *s);
const char *ex_session_extra_at(const ex_session *s, int i, const char **value);
/* Is a setting "true" (case-insensitive)? def when unset. */
bool        ex_session_flag(const ex_session *s, const char *key, bool def);
/* Names registered in the session (temporary views, strata_register). */
int         ex_session_n_registered(const ex_session *s);
st_status   ex_session_unregister(ex_session *s, const char *name, st_error *err);
const char *ex_session_registered(const ex_session *s, int i, bool *is_view, const char **text,
                                  lp_source_kind *format);
/* Looks a name up as a query would (session names, then the catalog). */
st_status   ex_session_lookup(ex_session *s, const char *const *parts, int n_parts,
                              st_arena *a, bind_table *out, st_error *err);

/* A result of text rows (every column STRING); cells row-major, NULL = null. */
st_status   lake_text_result(const char *stmt, const char *const *names, int n_cols,
                             const char *const *cells, int64_t n_rows, ex_result **out,
                             st_error *err);

/* Like lake_text_result with column types (STRING, BIGINT, BOOLEAN or
** TIMESTAMP -- "YYYY-MM-DD HH:MM:SS[.fff]" text); unparsable cells are NULL. */
st_status   lake_typed_result(const char *stmt, const char *const *names,
                              const vec_type_id *types, int n_cols, const char *const *cells,
                              int64_t n_rows, ex_result **out, st_error *err);
/* A one-row result of BIGINT columns (DML counts, as Databricks returns them). */
st_status   lake_int_result(const char *stmt, const char *const *names, int n_cols,
                            const int64_t *vals, ex_result **out, st_error *err);

/* ---- resolving names ---------------------------------------------------------- */

/* A table a statement names: a catalog entry or a path. */
typedef struct lake_table {
    bool          in_catalog;    /* a catalog entry (else a path reference) */
    cat_table     entry;         /* in_catalog: the entry */
    const char   *catalog, *schema, *name; /* in_catalog: resolved three-level name */
    const char   *full;          /* "main.default.t" or the path, for messages */
    const char   *path;          /* table folder (Delta) or file/glob */
    const char   *format;        /* "delta", "parquet", ... */
} lake_table;

/* Resolves parts (1..3) against the current catalog and schema. */
void      lake_qualify(ex_session *s, const sql_name *n, const char **catalog,
                       const char **schema, const char **name);
/* Resolves a statement's target table (a name in the catalog, or
** delta.`path`); ST_ERR_NOTFOUND with "table ... not found" at its position. */
st_status lake_resolve(ex_session *s, const char *sql, const sql_tableref *t, st_arena *a,
                       lake_table *out, st_error *err);
/* Byte offset where expression e starts in sql (binary operators' nodes
** point at the operator; opening parentheses before it are taken in). */
int32_t   lake_expr_start(const char *sql, const sql_expr *e);
/* The source text of expression e (which ends before byte end), trimmed,
** with unbalanced parentheses of the surrounding syntax dropped. */
const char *lake_expr_text(const char *sql, const sql_expr *e, int32_t end, st_arena *a);
/* The source text of an expression inside a clause (GENERATED ALWAYS AS
** (e), DEFAULT e, CHECK (e)): from its start to the first ',' or ')' at its
** own nesting level or a following clause keyword, outer parentheses
** dropped. */
const char *lake_clause_text(const char *sql, const sql_expr *e, st_arena *a);
/* An error "line L, column C: msg" with the caret hint at pos. */
st_status lake_error_at(const char *sql, int32_t pos, st_status code, st_error *err,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- statement runners ---------------------------------------------------------- */

/* Catalog statements: CREATE/DROP CATALOG/SCHEMA/VIEW, CREATE TABLE (incl.
** CTAS, via lake_dml), SHOW ..., DESCRIBE TABLE/CATALOG/SCHEMA, USE,
** COMMENT ON, ALTER TABLE. (lake_ddl.c) */
st_status lake_run_ddl(ex_session *s, const char *sql, const sql_stmt *st, ex_result **out,
                       st_error *err);
/* INSERT, UPDATE, DELETE, MERGE, TRUNCATE (lake_dml.c). */
st_status lake_run_dml(ex_session *s, const char *sql, const sql_stmt *st, ex_result **out,
                       st_error *err);
/* Writes the rows of query q (bound with the session's names) as a new
** Delta table at path (CREATE TABLE ... AS SELECT; or_replace replaces an
** existing table's contents and schema as a new version). (lake_dml.c) */
st_status lake_write_ctas(ex_session *s, const char *sql, const sql_query *q, const char *path,
                          const delta_create_options *create, const delta_field_info *info,
                          const char *clustering, bool replace, const char *operation,
                          int64_t *version, int64_t *rows, st_error *err);
/* The "delta.clustering" domain configuration for CLUSTER BY cols. */
const char *lake_clustering_json(const char *const *cols, int n, st_arena *a);
/* The clustering columns of a snapshot (its delta.clustering domain), or
** n 0 when the table is not clustered. Arena-allocated. */
void        lake_clustering_cols(const delta_snapshot *s, st_arena *a, const char ***cols,
                                 int *n);
/* DESCRIBE HISTORY / DETAIL, RESTORE, OPTIMIZE, VACUUM (lake_maint.c). */
st_status lake_run_maint(ex_session *s, const char *sql, const sql_stmt *st, ex_result **out,
                         st_error *err);

/* ---- ML (lake_ml.c) ------------------------------------------------------------- */

/* CREATE / DROP / ALTER / DESCRIBE MODEL. */
st_status lake_run_model(ex_session *s, const char *sql, const sql_stmt *st, ex_result **out,
                         st_error *err);
/* SHOW MODELS, SHOW EXPERIMENTS, SHOW RUNS [IN EXPERIMENT 'name']. */
bool      lake_ml_is_show(const sql_stmt *st);
st_status lake_run_ml_show(ex_session *s, const char *sql, const sql_stmt *st, ex_result **out,
                           st_error *err);
/* bind_env callbacks (ud is the session): the ML table functions and model loading. */
st_status lake_ml_table_func(void *ud, const char *sql, const sql_tableref *t, st_arena *a,
                             bind_table *out, st_error *err);
st_status lake_ml_model(void *ud, const char *uri, st_arena *a, ml_model **out, st_error *err);

#endif /* STRATA_EXEC_LAKE_H */
