/* bind_int.h -- private to the binder (src/sql/bind*.c): the binder state,
** name scopes, the per-SELECT collection of aggregates and window functions,
** and the helpers the binder files share.
**
** bind.c drives queries (WITH, set operations, VALUES, ORDER BY/LIMIT),
** bind_from.c binds table references into scans and joins, bind_select.c a
** SELECT block (grouping, aggregates, windows, ORDER BY over the select
** list), bind_expr.c expressions, bind_util.c errors, names and equality.
** Invariants: every object the binder makes lives in the lp_ctx arena; a
** scope lists the columns a clause may name, each carrying the id of a
** column of the node the clause's expressions are evaluated over (or of an
** enclosing query's node, reached through `parent` and marked `outer`). */
#ifndef STRATA_SQL_BIND_INT_H
#define STRATA_SQL_BIND_INT_H

#include "bind.h"

/* Deepest nesting of views inside views (a view naming itself loops). */
#define BIND_MAX_VIEW_DEPTH 32

/* One nameable column of a scope. */
typedef struct bind_scol {
    const char *qual;         /* table alias or name qualifying it, or NULL */
    const char *name;         /* column name (matched case-insensitively) */
    lp_col      col;          /* id/type/nullability of the column it names */
    bool        hidden;       /* USING/NATURAL duplicate: only reachable qualified,
                              ** not part of * */
} bind_scol;

typedef struct bind_scope bind_scope;
struct bind_scope {
    bind_scol        *cols;   /* arena */
    int               n_cols, cap;
    const bind_scope *parent; /* enclosing query's scope (correlation), or NULL */
};

/* A visible common table expression (a stack: innermost first). */
typedef struct bind_cte bind_cte;
struct bind_cte {
    const sql_cte *def;       /* borrowed: AST */
    const bind_cte *next;     /* CTEs visible to this one's body (defined before it) */
    const char     *sql;      /* text the definition's positions refer to */
};

/* Binder state for one sql_bind call. */
typedef struct binder {
    lp_ctx         *c;
    const bind_env *env;
    const char     *sql;      /* text the current AST's positions refer to */
    const bind_cte *ctes;     /* visible CTEs */
    int             view_depth;
    st_error       *err;
} binder;

/* A window function seen while binding a SELECT, before it gets a node. */
typedef struct bind_win {
    lp_winfn     fn;          /* args bound over the SELECT's input, out allocated */
    const char  *name;        /* output column name (the call's SQL text) */
    bool         nullable;    /* output column nullability */
    lp_expr    **partition;
    int          n_partition;
    lp_sort_key *order;
    int          n_order;
} bind_win;

/* What a SELECT collects while its expressions are bound. */
typedef struct bind_sel {
    const lp_node *input;     /* the FROM/WHERE node the expressions run over */
    lp_agg       *aggs;       /* arena */
    int           n_aggs, cap_aggs;
    bind_win     *wins;       /* arena */
    int           n_wins, cap_wins;
    lp_expr     **groups;     /* bound group expressions (over input) */
    int           n_groups;
    bool          has_sets;   /* GROUPING SETS / ROLLUP / CUBE */
    lp_col        gid;        /* grouping id column when has_sets */
    const sql_named_window *windows; /* WINDOW clause */
    int           n_windows;
} bind_sel;

/* A select-list alias HAVING and QUALIFY may name (Spark resolves them
** after the input's columns). */
typedef struct bind_alias {
    const char *name;
    lp_expr    *expr;         /* the item, bound over the SELECT's input */
} bind_alias;

/* Expression binding context. */
typedef struct bind_ectx {
    const bind_scope *scope;  /* names visible */
    bind_sel   *sel;          /* NULL: no aggregates/windows allowed */
    const char *clause;       /* "WHERE", "GROUP BY", ... for messages */
    bool        allow_agg;
    bool        allow_win;
    bool        in_agg;       /* inside an aggregate's arguments */
    bool        in_win;       /* inside a window function's arguments/spec */
    const bind_alias *aliases; /* select aliases visible after the scope, or NULL */
    int         n_aliases;
} bind_ectx;

/* ---- bind.c ---------------------------------------------------------------- */
/* Binds a query; its scope's parent is `outer` (correlated subqueries). */
st_status bind_query(binder *b, const sql_query *q, const bind_scope *outer, lp_node **out);

/* ---- bind_from.c ----------------------------------------------------------- */
/* Binds a FROM clause into *out and fills scope with its columns. */
st_status bind_from(binder *b, const sql_tableref *t, const bind_scope *outer, lp_node **out,
                    bind_scope *scope);

/* ---- bind_select.c --------------------------------------------------------- */
st_status bind_select(binder *b, const sql_query *q, const bind_scope *outer, lp_node **out);
/* Adds ORDER BY / LIMIT / OFFSET of q over node n whose output columns are the
** query's result (set operations, VALUES, nested queries). */
st_status bind_order_limit(binder *b, const sql_query *q, lp_node **n);
st_status bind_limit(binder *b, const sql_query *q, lp_node **n);

/* ---- bind_expr.c ----------------------------------------------------------- */
st_status bind_expr(binder *b, const bind_ectx *x, const sql_expr *e, lp_expr **out);
/* A boolean condition (NULL type is cast to boolean; others are an error). */
st_status bind_cond(binder *b, const bind_ectx *x, const sql_expr *e, lp_expr **out);
/* e cast to t (e itself when the types are equal). */
lp_expr  *bind_cast_to(binder *b, lp_expr *e, const vec_type *t);
/* A call of scalar function name over args (casts inserted). pos: for errors. */
st_status bind_call_fn(binder *b, const char *name, lp_expr **args, int n_args, int32_t pos,
                       lp_expr **out);
/* Common type of the n exprs, cast in place; what names the construct. */
st_status bind_unify(binder *b, lp_expr **es, int n, int32_t pos, const char *what);
/* A constant integer (LIMIT, ntile, lag offsets) out of e. */
st_status bind_const_int(binder *b, const sql_expr *e, const char *what, int64_t *out);

/* ---- bind_agg.c ------------------------------------------------------------ */
/* An aggregate call: collected into x->sel, replaced by its output column. */
st_status bind_agg_call(binder *b, const bind_ectx *x, const sql_expr *e, const char *name,
                        lp_expr **out);
/* A window function call (OVER): collected into x->sel likewise. */
st_status bind_win_call(binder *b, const bind_ectx *x, const sql_expr *e, const char *name,
                        lp_expr **out);
/* False for aggregates that never return NULL (count, count_if, ...). */
bool      bind_agg_nullable(const char *name);
/* grouping(col) / grouping_id(...) over the grouping id column. */
st_status bind_grouping_call(binder *b, const bind_ectx *x, const sql_expr *e,
                             const char *name, lp_expr **out);

/* ---- bind_ml.c ------------------------------------------------------------- */
/* predict(uri, ...) / predict_probability(uri, ...) */
bool      bind_ml_is_scalar(const char *name);
st_status bind_ml_call(binder *b, const bind_ectx *x, const sql_expr *e, const char *name,
                       lp_expr **out);
/* ML.PREDICT(MODEL m, TABLE t | (query)) */
bool      bind_ml_is_predict_tvf(const sql_tableref *t);
st_status bind_ml_predict_tvf(binder *b, const sql_tableref *t, lp_node **out);
/* The TABLE t / (query) input of an ML table function. */
st_status bind_ml_input(binder *b, const sql_tableref *t, const char *fname, lp_node **out,
                        bind_scope *scope);

/* ---- bind_util.c ----------------------------------------------------------- */
/* ST_ERR_BIND "line L, column C: <msg>" with the caret hint. */
st_status bind_error(binder *b, int32_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same with another status code (ST_ERR_UNSUPPORTED, ...). */
st_status bind_error_code(binder *b, st_status code, int32_t pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Prefixes an error a callee set (fn_resolve, ...) with the position. */
st_status bind_error_at(binder *b, int32_t pos, st_status rc);
st_status bind_nomem(binder *b);
void     *bind_alloc(binder *b, size_t n);          /* zeroed arena memory */
/* Appends item (size bytes) to an arena array, growing it. */
st_status bind_push(binder *b, void **arr, int *n, int *cap, const void *item, size_t size);
st_status bind_scope_add(binder *b, bind_scope *s, const char *qual, const char *name,
                         const lp_col *col, bool hidden);
/* A fresh output column (new id). */
lp_col    bind_new_col(binder *b, const char *name, const vec_type *t, bool nullable);
bool      bind_name_eq(const char *a, const char *b);   /* case-insensitive */
/* Structural equality of two bound expressions. */
bool      bind_expr_equal(const lp_expr *a, const lp_expr *b);
/* Spark's display name of e (column name, or its SQL text). */
const char *bind_expr_name(binder *b, const sql_expr *e);
/* Levenshtein distance (bounded strings). */
int       bind_edit_distance(const char *a, const char *b);
/* Copy of t's children into the ctx arena (types out of fn_bound etc.). */
st_status bind_type_copy(binder *b, const vec_type *src, vec_type *dst);

#endif /* STRATA_SQL_BIND_INT_H */
