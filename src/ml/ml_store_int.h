/* ml_store_int.h -- internals shared by the files of the tracking store
** and model registry (ml_store.c, ml_run.c, ml_search.c, ml_registry.c):
** the ml_store handle, SQLite helpers (statements with typed arguments,
** BEGIN IMMEDIATE transactions, error reports naming the database file),
** MLflow's search-filter and order-by parsers, the dynamic-query builder,
** the search runner the four searches share (one ml_search_def table per
** entity), and small JSON helpers (row lists, first rows).
**
** Invariants: one handle owns one SQLite connection (WAL, busy timeout
** 30 s, foreign keys on) used by one thread at a time; every change runs
** inside ml_tx_begin ... ml_tx_end, so the checks guarding it ("already
** exists", "must be active") cannot be split from it by another process.
** Private to those four files. */
#ifndef STRATA_ML_ML_STORE_INT_H
#define STRATA_ML_ML_STORE_INT_H

/* Most order_by clauses a search takes (SQLite limits ORDER BY terms). */
#define ML_MAX_ORDER_BY 100

#include <sqlite3.h>

#include "ml_store.h"

#define ML_BUSY_TIMEOUT_MS 30000

struct ml_store {
    sqlite3 *sql;             /* owned: one connection, one thread at a time */
    char    *warehouse;       /* owned: absolute folder, no trailing slash */
    char    *db_path;         /* owned: warehouse + "/metastore.db" */
    char    *artifact_root;   /* owned: warehouse + "/_mlflow/artifacts" */
};

/* ---- statement arguments ------------------------------------------------------ */

/* One bound argument: kind 's' text (NULL binds SQL NULL), 'i' integer,
** 'd' double (any other kind binds SQL NULL). */
typedef struct ml_arg {
    char        kind;         /* 's', 'i' or 'd' */
    const char *s;            /* borrowed: text for 's' */
    int64_t     i;            /* value for 'i' */
    double      d;            /* value for 'd' */
} ml_arg;

static inline ml_arg ml_s(const char *s) { return (ml_arg){ 's', s, 0, 0 }; }
static inline ml_arg ml_i(int64_t i) { return (ml_arg){ 'i', NULL, i, 0 }; }
static inline ml_arg ml_d(double d) { return (ml_arg){ 'd', NULL, 0, d }; }

/* ---- SQLite helpers (ml_store.c) ----------------------------------------------- */

/* Records ST_ERR_IO "could not <what>: metastore \"<file>\": <sqlite message>". */
st_status ml_sql_error(ml_store *s, const char *what, st_error *err);
/* Prepares sql and binds args[0..n) to ?1..?n. */
st_status ml_stmt(ml_store *s, const char *sql, const ml_arg *args, int n, sqlite3_stmt **out,
                  st_error *err);
/* Runs a statement that returns no rows; *changes (may be NULL) gets the
** number of rows it changed. */
st_status ml_exec(ml_store *s, const char *sql, const ml_arg *args, int n, int *changes,
                  st_error *err);
/* First column of the first row as an integer; *found (may be NULL) tells
** whether there was a row (*out 0 when not). */
st_status ml_query_int(ml_store *s, const char *sql, const ml_arg *args, int n, int64_t *out,
                       bool *found, st_error *err);
/* First column of the first row as a heap string (NULL when no row or SQL
** NULL); caller frees. */
st_status ml_query_text(ml_store *s, const char *sql, const ml_arg *args, int n, char **out,
                        st_error *err);
/* BEGIN IMMEDIATE (waits up to the busy timeout for other writers). */
st_status ml_tx_begin(ml_store *s, st_error *err);
/* Commits when rc is ST_OK (returning the commit's status), else rolls back
** and returns rc. */
st_status ml_tx_end(ml_store *s, st_status rc, st_error *err);
/* Steps st expecting SQLITE_ROW or SQLITE_DONE; *row tells which. */
st_status ml_step(ml_store *s, sqlite3_stmt *st, bool *row, st_error *err);

int64_t   ml_now_ms(void);
/* Copy of column i of the current row (NULL for SQL NULL); heap. */
char     *ml_col_dup(sqlite3_stmt *st, int i);

/* ---- JSON helpers (ml_store.c) --------------------------------------------------- */

/* Turns the current row of a query into a new JSON value (*out NULL on error). */
typedef st_status (*ml_row_json)(ml_store *s, sqlite3_stmt *st, json_t **out, st_error *err);

/* obj[key] = text of column i of st; skipped when the column is NULL. */
void      ml_json_set_col(json_t *obj, const char *key, sqlite3_stmt *st, int i);
/* Steps st to its end, appending what fill makes of each row to arr (NULL
** arr: ST_ERR_NOMEM). Finalizes st. */
st_status ml_rows_append(ml_store *s, sqlite3_stmt *st, ml_row_json fill, json_t *arr,
                         st_error *err);
/* The array of what fill makes of every row of st (new reference). Finalizes st. */
st_status ml_json_list(ml_store *s, sqlite3_stmt *st, ml_row_json fill, json_t **out,
                       st_error *err);
/* What fill makes of the first row of st; *out NULL (and ST_OK) when there
** is no row, so the caller reports its own "not found". Finalizes st. */
st_status ml_json_first(ml_store *s, sqlite3_stmt *st, ml_row_json fill, json_t **out,
                        st_error *err);
/* [{key, value}, ...] from the rows of "SELECT key, value ..." with args. */
st_status ml_json_kv_list(ml_store *s, const char *sql, const ml_arg *args, int n, json_t **out,
                          st_error *err);
/* A double as proto3 JSON does it: a number, or "NaN" / "Infinity" /
** "-Infinity" for the values JSON numbers cannot hold. */
json_t   *ml_json_double(double v);

/* ---- validation (ml_store.c) ------------------------------------------------------ */

/* MLflow's key rule for metrics, params and tags (what names "metric",
** "param", "tag"): non-empty, at most 250 bytes, alphanumerics, '_', '-',
** '.', ' ', '/', ':' (and non-ASCII), no leading '/', no ".." component. */
st_status ml_check_key(const char *what, const char *key, st_error *err);
/* Parses a decimal id (experiment id, model version) into *out; false when
** text is not a non-negative decimal integer that fits. */
bool      ml_parse_id(const char *text, int64_t *out);

/* ---- search filters, order_by, pages, ml_like (ml_search.c) ---------------------- */

typedef enum ml_ent {
    ML_ENT_ATTR,              /* attributes.x, attribute.x, attr.x, run.x or bare x */
    ML_ENT_METRIC,            /* metrics.x, metric.x */
    ML_ENT_PARAM,             /* params.x, param.x, parameters.x, parameter.x */
    ML_ENT_TAG,               /* tags.x, tag.x */
    ML_ENT_DATASET            /* datasets.x, dataset.x */
} ml_ent;

/* One comparison of a filter ("metrics.acc > 0.9"). */
typedef struct ml_clause {
    ml_ent        ent;        /* the entity kind the identifier names */
    const char   *key;        /* arena: key (lowercased attribute names) */
    const char   *op;         /* static: "=", "!=", "<", "<=", ">", ">=", "LIKE",
                              ** "ILIKE", "IN", "NOT IN" */
    bool          is_num;     /* value is a number (unquoted) */
    double        num;        /* the number when is_num */
    const char   *str;        /* arena: the string (also the number's text) */
    const char  **list;       /* arena: the values of IN / NOT IN */
    int           n_list;
} ml_clause;

/* Parses MLflow's filter syntax (clauses joined by AND; identifiers with
** `backquoted` or "double-quoted" keys; 'single' or "double" quoted strings,
** numbers, (lists) for IN). NULL or blank: no clauses. ST_ERR_ARGUMENT
** naming the filter on bad syntax. */
st_status ml_filter_parse(const char *filter, st_arena *a, ml_clause **out, int *n_out,
                          st_error *err);

/* One order_by entry ("metrics.acc DESC"). */
typedef struct ml_order {
    ml_ent      ent;          /* as for clauses */
    const char *key;          /* arena */
    bool        desc;         /* DESC given */
} ml_order;

st_status ml_order_parse(const char *text, st_arena *a, ml_order *out, st_error *err);

/* Offset encoded in a page token (NULL/"" -> 0); ST_ERR_ARGUMENT when bad. */
st_status ml_page_offset(const char *token, int64_t *out, st_error *err);
/* max_results: 0 -> dflt; negative or above limit -> ST_ERR_ARGUMENT. */
st_status ml_page_limit(int64_t max_results, int64_t dflt, int64_t limit, int64_t *out,
                        st_error *err);
/* Sets out["next_page_token"] to offset as text. */
void      ml_page_next(json_t *out, int64_t offset);

/* A dynamic query being built: SQL text plus arguments (arena strings). */
typedef struct ml_query {
    st_buf    sql;            /* owned: text so far */
    ml_arg   *args;           /* arena: bound arguments */
    int       n_args, cap;
    st_arena *a;              /* borrowed: holds args and their strings */
    bool      oom;            /* an append failed (reported by ml_query_stmt) */
} ml_query;

void      ml_query_init(ml_query *q, st_arena *a);
void      ml_query_destroy(ml_query *q);
void      ml_query_sql(ml_query *q, const char *text);
/* Appends "?" for a new argument (arguments bind in order). */
void      ml_query_arg(ml_query *q, ml_arg v);
st_status ml_query_stmt(ml_store *s, ml_query *q, sqlite3_stmt **out, st_error *err);
/* Appends "<col> <op> ?" for a clause comparing a column: numbers compared
** as numbers, LIKE / ILIKE through ml_like (case-sensitive / not), IN lists. */
void      ml_query_compare(ml_query *q, const char *col, const ml_clause *c);
/* Registers the SQL function ml_like(value, pattern, case_insensitive). */
int       ml_like_register(sqlite3 *db);

/* ---- the search runner, shared by the four searches (ml_store.c) ------------------- */

/* One attribute a filter or order_by may name. Tables end with { NULL }. */
typedef struct ml_col {
    const char *key;          /* static: the attribute as MLflow names it */
    const char *col;          /* static: its SQL column, alias-qualified ("r.status") */
    bool        numeric;      /* compares as a number (else as a string) */
} ml_col;

/* The entry of cols for key, or NULL. */
const ml_col *ml_col_find(const ml_col *cols, const char *key);
/* Checks a clause's value against the kind of what it compares: numbers
** (=, !=, <, <=, >, >=) or strings (=, !=, LIKE, ILIKE, IN, NOT IN). */
st_status ml_clause_check(const ml_clause *c, bool numeric, st_error *err);
/* Appends the comparison of attribute clause c with its column in cols;
** ARGUMENT "Invalid attribute key '<key>' specified. Valid keys are <valid>"
** when c names none of them (or is not an attribute). */
st_status ml_attr_filter(ml_query *q, const ml_col *cols, const char *valid, const ml_clause *c,
                         st_error *err);
/* Appends an EXISTS test on a key/value table (tags, params, metrics):
** head (ending "t.key = "), the clause's key, then the comparison of t.value
** and ")". The value is checked as numeric says first. */
st_status ml_key_filter(ml_query *q, const char *head, const ml_clause *c, bool numeric,
                        st_error *err);

/* What the search runner needs to know about one entity: a static table
** per entity. The query is select, scope, view, " AND <clause>" per filter
** clause, " ORDER BY " + the order_by terms + the tie-breaking tail, then
** LIMIT / OFFSET; rows go through fill into reply member key. */
typedef struct ml_search_def {
    const char   *select;     /* static: "SELECT <cols> FROM <table> <alias> WHERE " */
    /* appends "<condition> AND " for the request's scope_ids (runs: their
    ** experiments), or NULL for none */
    st_status   (*scope)(ml_query *q, const char *const *ids, int n_ids, st_error *err);
    const char   *view_col;   /* static: lifecycle column view_type filters; NULL: no view */
    /* appends the condition of one filter clause */
    st_status   (*filter)(ml_query *q, const ml_clause *c, st_error *err);
    const ml_col *order_cols; /* static: attributes order_by may name */
    /* appends "<terms><dir>" for a non-attribute order_by entry and returns
    ** true, or false when it is not one it orders by; NULL: none */
    bool        (*order_key)(ml_query *q, const ml_order *o, const char *dir);
    bool          nulls_last; /* order "<col> IS NULL" first: missing values last */
    const char   *order_hint; /* static: appended to "Invalid order_by clause '...'", or NULL */
    const char   *seen_col;   /* static: order column that selects tie_seen; NULL: never */
    const char   *order_none; /* static: terms when order_by is empty, or NULL */
    const char   *tie_unseen; /* static: last terms unless seen_col was ordered by */
    const char   *tie_seen;   /* static: last terms when it was */
    int64_t       max_dflt;   /* max_results 0 means this many */
    int64_t       max_limit;  /* max_results above this: ARGUMENT */
    const char   *key;        /* static: reply member of the rows */
    ml_row_json   fill;       /* the JSON of one row */
} ml_search_def;

/* One search request, as the public search functions take it. */
typedef struct ml_search_req {
    const char        *view;         /* view type ("ACTIVE_ONLY" when NULL), if def has one */
    const char        *filter;       /* MLflow filter, or NULL */
    const char *const *order_by;     /* order_by entries */
    int                n_order_by;
    int64_t            max_results;  /* 0: def->max_dflt */
    const char        *page_token;   /* NULL or what the previous page returned */
    const char *const *scope_ids;    /* for def->scope */
    int                n_scope_ids;
} ml_search_req;

/* Runs a search: *out = {<def->key>: [...], next_page_token?} (new reference). */
st_status ml_search_exec(ml_store *s, const ml_search_def *def, const ml_search_req *req,
                         json_t **out, st_error *err);

/* ---- experiments (ml_store.c) -------------------------------------------------------- */

/* Experiment id's number and whether it is active; ST_ERR_NOTFOUND
** "No Experiment with id=... exists". */
st_status ml_experiment_lookup(ml_store *s, const char *id, int64_t *num, bool *active,
                               st_error *err);
/* Like ml_experiment_lookup, but a deleted experiment is ST_ERR_ARGUMENT
** "The experiment <id> must be in the 'active' state...". */
st_status ml_experiment_check_active(ml_store *s, const char *id, int64_t *num, st_error *err);
/* mkdir -p; existing folders are fine. */
st_status ml_mkdir_p(const char *path, st_error *err);

/* ---- runs (ml_run.c), used by the registry ------------------------------------------- */

/* The local folder of a run's artifact root (not created). Heap. */
st_status ml_run_artifact_path(ml_store *s, const char *run_id, char **out, st_error *err);

/* ---- registry (ml_registry.c), used by the store ------------------------------------ */

/* Resolves "models:/..." to the version's source URI (heap). */
st_status ml_registry_source(ml_store *s, const char *uri, char **out, st_error *err);

#endif /* STRATA_ML_ML_STORE_INT_H */
