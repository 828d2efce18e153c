/* session.h -- a SQL session: settings, the tables and views registered in
** it, and the statement runner that takes SQL text through parse, bind,
** optimize, plan and execute and hands back one result per statement.
**
** Statements: queries (SELECT / WITH / VALUES / set operations), EXPLAIN
** [ANALYZE] <query> (the plan as rows of text), SET key = value, SET key
** (show one), SET (show all), RESET [key], SHOW SETTINGS / SHOW TABLES.
** Settings (names as Spark/Databricks users write them, case-insensitive):
**   threads                        worker threads (default: cores)
**   memory_limit                   bytes or '4GB' / '512MB' (default 60% of RAM)
**   temp_directory                 spill folder (default $TMPDIR or /tmp)
**   spark.sql.ansi.enabled         true (default, as in Spark 4 and Databricks
**                                  SQL): overflow, division by zero and bad
**                                  casts are errors; false: they give NULL
**   spark.sql.session.timeZone     UTC (the only zone supported for now)
**   batch_rows                     rows per chunk (default 2048)
** Any other key under spark. / delta. / strata. is stored as given (Delta
** write options read them later).
**
** A result owns its batches and schema; free it with ex_result_free. A
** session is used by one thread at a time (each query runs on many). */
#ifndef STRATA_EXEC_SESSION_H
#define STRATA_EXEC_SESSION_H

#include "exec.h"

typedef struct ex_session ex_session;

typedef struct ex_result {
    vec_schema  schema;          /* result columns (names, types); arena */
    vec_batch **batches;         /* owned; each batch's schema is &schema */
    int         n_batches;
    int64_t     n_rows;
    const char *statement;       /* "query", "explain", "set", "reset", "show" */
    st_arena   *arena;           /* owned: schema, strings */
} ex_result;

void       ex_result_free(ex_result *r);              /* accepts NULL */

/* A session over an optional warehouse folder (NULL: none yet). */
st_status  ex_session_new(const char *warehouse, ex_session **out, st_error *err);
void       ex_session_free(ex_session *s);            /* accepts NULL */

/* Registers a table name for this session: path in format (delta, parquet,
** csv, json); replaces an earlier registration of the same name. */
st_status  ex_session_register(ex_session *s, const char *name, lp_source_kind format,
                               const char *path, st_error *err);
/* Registers a temporary view: name -> the query text. */
st_status  ex_session_register_view(ex_session *s, const char *name, const char *sql,
                                    st_error *err);

/* Sets / reads a setting (value NULL resets it to its default). Unknown keys
** outside the spark./delta./strata. namespaces are ST_ERR_ARGUMENT. */
st_status  ex_session_set(ex_session *s, const char *key, const char *value, st_error *err);
/* The current value as text (into buf), false for an unknown key. */
bool       ex_session_get(const ex_session *s, const char *key, char *buf, size_t n);

/* Runs every statement in sql; calls cb with each statement's result (the
** callback takes ownership of it). Stops at the first error (statements
** before it stay done). cb may be NULL (results are dropped). */
typedef st_status (*ex_result_cb)(void *ud, ex_result *r, st_error *err);
st_status  ex_session_exec(ex_session *s, const char *sql, ex_result_cb cb, void *ud,
                           st_error *err);
/* Runs sql and returns the last statement's result (NULL if there was none). */
st_status  ex_session_query(ex_session *s, const char *sql, ex_result **out, st_error *err);

#endif /* STRATA_EXEC_SESSION_H */
