/* bind.h -- the binder's contract: AST (sql.h) in, bound logical plan
** (plan.h) out.
**
** The binder resolves every name: table references (names through the
** session's lookup callback, which knows temp views and registered tables
** and later the catalog; delta.`path`, parquet.`path`, csv.`path`,
** json.`path` with globs; read_files('path', format => ..., options);
** time travel VERSION AS OF / TIMESTAMP AS OF / t@v3; CTEs), columns (with
** qualification by table alias, struct field access a.b.c, USING/NATURAL
** merged columns, GROUP BY ordinals and aliases, ORDER BY select aliases and
** ordinals), functions (fn_resolve / agg_resolve, window functions), and
** types (Spark's implicit coercion: casts become LP_X_CAST nodes).
** It lowers syntax to the plan's smaller vocabulary: BETWEEN to AND of
** comparisons, LIKE/ILIKE/RLIKE to calls, EXTRACT(f FROM x) to f(x), date
** +/- INTERVAL to date_add/add_months/timestamp arithmetic, IN lists to
** LP_X_IN, subqueries to LP_X_SUBQUERY (correlated references marked
** `outer`), SELECT DISTINCT to LP_DISTINCT, INTERSECT/EXCEPT to LP_SETOP.
**
** Errors are ST_ERR_BIND with "line L, column C: ..." in msg and the source
** line with a caret in hint (sql_error_caret): unknown table, unknown column
** (with "did you mean 'x'?" when a close name exists), ambiguous column,
** unknown function, wrong argument types, non-aggregated column in an
** aggregate query, aggregate in WHERE, nested aggregates, set operation
** inputs with different column counts or types without a common type. */
#ifndef STRATA_SQL_BIND_H
#define STRATA_SQL_BIND_H

#include "plan.h"

typedef enum bind_table_kind {
    BIND_TABLE_SOURCE,   /* a table stored at path in format */
    BIND_TABLE_VIEW      /* a view: its SQL text, bound in place */
} bind_table_kind;

typedef struct bind_table {
    bind_table_kind kind;
    lp_source_kind  format;   /* SOURCE */
    const char     *path;     /* SOURCE */
    const char     *sql;      /* VIEW: the query text */
    const char     *name;     /* canonical name for EXPLAIN and messages */
    const delta_snapshot *snapshot; /* SOURCE, DELTA: read this snapshot (borrowed; it
                              ** outlives the plan) instead of loading the latest;
                              ** time travel on such a name is an error */
    bool            row_ids;  /* SOURCE, DELTA: add the hidden columns _file_index and
                              ** _row_index (LP_ROW_FILE / LP_ROW_INDEX), reachable
                              ** only qualified (t._row_index) -- what DML reads */
    const char     *options_json; /* SOURCE, CSV/JSON: reader options as a JSON object
                              ** ({"header": "true", "sep": ";"}), or NULL */
} bind_table;

typedef struct ml_model ml_model;   /* src/ml/ml_model.h */

typedef struct bind_env {
    void *ud;
    /* Resolves a table name (parts as written, 1..3 of them). Returns
    ** ST_ERR_NOTFOUND (err may stay empty) when the name is unknown; anything
    ** else is a real error. Strings go into arena a. NULL lookup: no names. */
    st_status (*lookup)(void *ud, const char *const *parts, int n_parts, st_arena *a,
                        bind_table *out, st_error *err);
    /* Table functions the session provides (experiments(), runs(...),
    ** metric_history(...), ML.EVALUATE, ML.FEATURE_IMPORTANCE): t is the call
    ** (its text is in sql). Fills out with a VIEW whose SQL text holds the
    ** rows, or returns ST_ERR_NOTFOUND when t names none of them. NULL: none. */
    st_status (*table_func)(void *ud, const char *sql, const sql_tableref *t, st_arena *a,
                            bind_table *out, st_error *err);
    /* Loads the model a URI names (models:/name/3, models:/name/Production,
    ** models:/name@alias, runs:/id/model, a registered model's name or a
    ** model folder) for predict() and ML.PREDICT; the model is released
    ** with arena a (st_arena_on_free). NULL: no models. */
    st_status (*model)(void *ud, const char *uri, st_arena *a, ml_model **out, st_error *err);
} bind_env;

/* Binds one query into *out (allocated in c->arena). The root's cols are the
** result columns in order, named as Spark names them (alias, column name, or
** the expression's text). */
st_status sql_bind(lp_ctx *c, const bind_env *env, const sql_query *q, lp_node **out,
                   st_error *err);

#endif /* STRATA_SQL_BIND_H */
