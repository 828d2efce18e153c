/* plan.h -- the bound logical plan: what a query means once every name is
** resolved and every type is known. The binder (bind.h) builds it from the
** AST, the optimizer (opt.h) rewrites it in place, and the executor
** (src/exec/exec.h) turns it into pipelines of physical operators.
**
** Columns are named by ids, not positions: every column a node produces
** gets a query-unique lp_colid (lp_ctx_new_col), and expressions refer to
** input columns by id. This keeps rewrites local (pushing a filter below a
** join or dropping an unused column never renumbers anything); the physical
** planner maps ids to positions in the chunks an operator receives.
**
** Invariants after binding (checked by lp_verify in the tests):
**   - every LP_X_COL in a node's expressions names a column of that node's
**     input(s), except `outer` references inside a correlated subquery plan,
**     which name columns of an enclosing query (only until decorrelation);
**   - LP_X_SUBQUERY appears only before opt_decorrelate has run;
**   - expression types are final: function arguments are already cast (the
**     fn_bound's cast_to has been turned into LP_X_CAST nodes), CASE arms,
**     IN lists and set-operation inputs share one type;
**   - a node's `cols` lists its output columns in order; ids are unique
**     within the query.
** Everything (nodes, expressions, types, strings) lives in lp_ctx.arena;
** external resources a plan holds (Delta snapshots) are registered with the
** ctx and released by lp_ctx_free. */
#ifndef STRATA_SQL_PLAN_H
#define STRATA_SQL_PLAN_H

#include "sql.h"
#include "../func/fn.h"
#include "../func/agg.h"
#include "../delta/delta.h"
#include "../format/csv/csv.h"
#include "../format/json/json.h"

typedef int32_t lp_colid;

typedef struct lp_node lp_node;
typedef struct lp_expr lp_expr;

/* ---- planning context ---------------------------------------------------- */

typedef struct lp_ctx {
    st_arena   *arena;        /* owned: the whole plan */
    const char *sql;          /* statement text (error carets), borrowed */
    fn_context  fnctx;        /* settings kernels see (ANSI, now) */
    lp_colid    next_col;     /* next free column id */
    delta_snapshot **snapshots; /* owned: loaded by the binder, freed by lp_ctx_free */
    int         n_snapshots, cap_snapshots;
} lp_ctx;

lp_ctx   *lp_ctx_new(const char *sql, const fn_context *fnctx);   /* NULL on OOM */
void      lp_ctx_free(lp_ctx *c);                                 /* accepts NULL */
lp_colid  lp_ctx_new_col(lp_ctx *c);
/* Takes ownership of s (freed with the ctx even on failure). */
st_status lp_ctx_add_snapshot(lp_ctx *c, delta_snapshot *s, st_error *err);

/* ---- expressions --------------------------------------------------------- */

typedef enum lp_expr_kind {
    LP_X_COL,        /* col (+ outer for a correlated reference) */
    LP_X_CONST,      /* value: a 1-row vector of `type` (NULL literal: null row) */
    LP_X_CALL,       /* fn (scalar function), args (already of fn->cast_to types) */
    LP_X_CAST,       /* args[0] to `type`; try_cast: NULL instead of an error */
    LP_X_AND,        /* args[0..n) n >= 2, SQL three-valued AND */
    LP_X_OR,         /* args[0..n) n >= 2, SQL three-valued OR */
    LP_X_NOT,        /* args[0] */
    LP_X_IS_NULL,    /* args[0] IS NULL (negated: IS NOT NULL); never NULL */
    LP_X_CASE,       /* args: when0, then0, when1, then1, ..., [else if has_else];
                     ** whens are boolean; no else = NULL */
    LP_X_IN,         /* args[0] [NOT] IN (args[1..n)), all of one type; SQL NULL rules:
                     ** no match and a NULL in the list (or a NULL operand) = NULL */
    LP_X_SUBQUERY    /* subq: only until decorrelation (see lp_subq_kind) */
} lp_expr_kind;

typedef enum lp_subq_kind {
    LP_SUBQ_SCALAR,  /* (SELECT x ...): one column, at most one row */
    LP_SUBQ_EXISTS,  /* [NOT] EXISTS (...) (negated) */
    LP_SUBQ_IN,      /* args[0] [NOT] IN (SELECT x ...) (negated) */
    LP_SUBQ_ANY,     /* args[0] <cmp> ANY (SELECT ...): cmp_fn holds the comparison */
    LP_SUBQ_ALL      /* args[0] <cmp> ALL (SELECT ...) */
} lp_subq_kind;

struct lp_expr {
    lp_expr_kind kind;
    vec_type     type;        /* result type (children in the ctx arena) */
    bool         nullable;    /* may produce NULL (false lets kernels skip checks) */
    int32_t      pos;         /* byte offset in the SQL text, -1 if synthesized */
    /* COL */
    lp_colid     col;
    const char  *name;        /* the column's name, for printing */
    bool         outer;       /* correlated: names a column of an enclosing query */
    /* CONST */
    vec         *value;       /* 1 row, type == &this->type */
    /* CALL */
    fn_bound    *fn;
    /* CAST */
    bool         try_cast;
    /* NOT / IS_NULL / IN / SUBQUERY */
    bool         negated;
    /* CASE */
    bool         has_else;
    /* SUBQUERY */
    lp_subq_kind subq_kind;
    lp_node     *subq;        /* its first output column is the value */
    fn_bound    *cmp_fn;      /* ANY / ALL: args[0] <op> subquery column */
    /* operands */
    lp_expr    **args;
    int          n_args;
    const char  *alias;       /* display name when this is a select item, or NULL */
};

/* ---- aggregates and window functions ------------------------------------- */

typedef struct lp_agg {
    agg_bound  *fn;           /* resolved aggregate (ret, distinct, ops) */
    lp_expr   **args;         /* of fn->cast_to types */
    int         n_args;
    lp_expr    *filter;       /* agg(...) FILTER (WHERE cond), or NULL */
    lp_colid    out;          /* output column id */
} lp_agg;

typedef struct lp_sort_key {
    lp_expr *expr;
    bool     desc;
    bool     nulls_first;     /* resolved: Spark default is NULLS FIRST for ASC,
                              ** NULLS LAST for DESC */
} lp_sort_key;

typedef enum lp_win_kind {
    LP_WIN_AGG,               /* agg over the frame */
    LP_WIN_ROW_NUMBER, LP_WIN_RANK, LP_WIN_DENSE_RANK, LP_WIN_PERCENT_RANK,
    LP_WIN_CUME_DIST,
    LP_WIN_NTILE,             /* args[0]: bucket count (constant int) */
    LP_WIN_LAG, LP_WIN_LEAD,  /* args: value, [offset constant int, default 1], [default value] */
    LP_WIN_FIRST_VALUE, LP_WIN_LAST_VALUE, /* args[0], over the frame */
    LP_WIN_NTH_VALUE          /* args: value, n (constant int) */
} lp_win_kind;

typedef enum lp_frame_bound_kind {
    LP_FB_UNBOUNDED_PRECEDING, LP_FB_PRECEDING, LP_FB_CURRENT_ROW, LP_FB_FOLLOWING,
    LP_FB_UNBOUNDED_FOLLOWING
} lp_frame_bound_kind;

typedef struct lp_frame_bound {
    lp_frame_bound_kind kind;
    int64_t  rows;            /* ROWS n PRECEDING/FOLLOWING: n */
    lp_expr *offset;          /* RANGE n PRECEDING/FOLLOWING: a constant of the sort
                              ** key's type (or an integer days for dates) */
} lp_frame_bound;

typedef struct lp_frame {
    bool            range;    /* RANGE (true) or ROWS (false) */
    lp_frame_bound  start, end;
} lp_frame;
/* Default frames (resolved by the binder as Spark does): with ORDER BY,
** RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW; without, the whole
** partition (ROWS UNBOUNDED PRECEDING .. UNBOUNDED FOLLOWING). Ranking
** functions, lag and lead ignore the frame. */

typedef struct lp_winfn {
    lp_win_kind kind;
    agg_bound  *agg;          /* WIN_AGG */
    lp_expr   **args;
    int         n_args;
    bool        ignore_nulls; /* first_value/last_value/lag/lead IGNORE NULLS */
    lp_frame    frame;
    vec_type    type;         /* result type */
    lp_colid    out;
} lp_winfn;

/* ---- sources -------------------------------------------------------------- */

/* Names of the row-id columns a DML scan adds (bind_table.row_ids). */
#define LP_ROW_FILE  "_file_index"
#define LP_ROW_INDEX "_row_index"

typedef enum lp_source_kind {
    LP_SRC_DELTA, LP_SRC_PARQUET, LP_SRC_CSV, LP_SRC_JSON,
    LP_SRC_RANGE     /* range(start, end, step): one BIGINT column "id" */
} lp_source_kind;

typedef struct lp_source {
    lp_source_kind  kind;
    const char     *name;     /* for EXPLAIN and errors: the table name or path */
    const char     *path;     /* as given (a folder, file or glob) */
    char          **files;    /* PARQUET/CSV/JSON: the files the glob matched, sorted */
    int             n_files;
    delta_snapshot *snapshot; /* DELTA: the snapshot read (time travel applied);
                              ** owned by the lp_ctx */
    csv_options     csv;      /* CSV: options (schema set to `schema` once inferred) */
    json_options    json;     /* JSON: options (likewise) */
    vec_schema      schema;   /* every column the source has */
    double          est_rows; /* estimated rows (Delta stats, Parquet footers; -1 unknown) */
    int64_t         range_start, range_end, range_step; /* RANGE */
    bool            row_ids;  /* DELTA: schema ends with LP_ROW_FILE and LP_ROW_INDEX
                              ** (delta_scan_options.row_ids) */
    double         *ndv;      /* per field: distinct values estimated from min/max
                              ** statistics (-1 unknown); filled by the optimizer
                              ** on first use (opt_order.c) */
} lp_source;

/* ---- nodes --------------------------------------------------------------- */

typedef enum lp_kind {
    LP_SCAN,       /* source, scan_fields[i] = source field of output column i;
                   ** filters: conjuncts over the output columns the scan may use
                   ** to skip files/row groups (hints only: a FILTER above still
                   ** applies them exactly) */
    LP_VALUES,     /* n_rows rows of n_cols expressions each (values[r * n_cols + c]),
                   ** no input; zero columns and one row for SELECT without FROM */
    LP_FILTER,     /* child[0], cond */
    LP_PROJECT,    /* child[0], exprs[i] computes cols[i] */
    LP_AGGREGATE,  /* child[0]; output = groups (cols[0..n_groups)), then aggs
                   ** (cols[n_groups + j] == aggs[j].out), then the grouping id
                   ** column when n_sets > 0 */
    LP_JOIN,       /* child[0] left, child[1] right, join kind, cond;
                   ** output = left cols then right cols (SEMI/ANTI: left only;
                   ** MARK: left cols then the mark column; RIGHT_SEMI /
                   ** RIGHT_ANTI: right only) */
    LP_SORT,       /* child[0], keys */
    LP_LIMIT,      /* child[0], limit (-1: none), offset */
    LP_SETOP,      /* child[0], child[1] with equal column types; setop, all */
    LP_WINDOW,     /* child[0]; partition, order (shared by all winfns);
                   ** output = child cols then one per winfn */
    LP_GENERATE,   /* child[0]; gen kind over gen_arg; output = child cols then the
                   ** generated ones (pos?, col | key, value) */
    LP_DISTINCT    /* child[0]: removes duplicate rows (all columns) */
} lp_kind;

typedef enum lp_join_kind {
    LP_JOIN_INNER, LP_JOIN_LEFT, LP_JOIN_RIGHT, LP_JOIN_FULL,
    LP_JOIN_SEMI, LP_JOIN_ANTI,
    LP_JOIN_MARK,   /* left rows each once + mark = TRUE if some right row matches,
                    ** NULL if none matches but a comparison was NULL (IN rules),
                    ** FALSE otherwise */
    LP_JOIN_SINGLE, /* like LEFT, but more than one match per left row is an error
                    ** ("more than one row returned by a subquery used as an
                    ** expression") */
    LP_JOIN_RIGHT_SEMI,  /* SEMI with the inputs swapped (join ordering makes it
                         ** when the SEMI's left input is the much smaller one):
                         ** output = the RIGHT input's columns, each right row
                         ** once if some left row matches; the right input is
                         ** the hash build side */
    LP_JOIN_RIGHT_ANTI   /* ANTI (not null-aware) with the inputs swapped: output =
                         ** the right input's rows no left row matches */
} lp_join_kind;

typedef enum lp_gen_kind {
    LP_GEN_EXPLODE,     /* one row per array element (col) or map entry (key, value) */
    LP_GEN_POSEXPLODE,  /* same with a leading int pos */
    LP_GEN_REPLICATE    /* each input row gen_arg (bigint) times, no new columns */
} lp_gen_kind;

typedef struct lp_col {
    lp_colid    id;
    const char *name;         /* output name (select alias, column name) */
    vec_type    type;
    bool        nullable;
} lp_col;

struct lp_node {
    lp_kind     kind;
    lp_col     *cols;         /* output columns, in order */
    int         n_cols;
    lp_node    *child[2];
    int         n_child;
    double      est_rows;     /* optimizer's estimate, -1 unknown */
    int         share_id;     /* > 0: an equal subplan occurs elsewhere with the same
                              ** id (opt_share.c); it is computed once */
    int32_t     pos;          /* SQL offset of the clause that made it, or -1 */

    /* SCAN */
    lp_source  *source;
    int        *scan_fields;  /* n_cols entries */
    lp_expr   **filters;
    int         n_filters;
    /* VALUES */
    lp_expr   **values;
    int64_t     n_rows;
    /* FILTER */
    lp_expr    *cond;         /* also JOIN: the whole condition (NULL: cross join) */
    /* PROJECT */
    lp_expr   **exprs;        /* n_cols entries */
    /* AGGREGATE */
    lp_expr   **groups;
    int         n_groups;
    lp_agg     *aggs;
    int         n_aggs;
    uint64_t   *sets;         /* GROUPING SETS / ROLLUP / CUBE: bit g set = group g
                              ** is part of that set; the grouping id of a row of set
                              ** s has bit (n_groups-1-g) set for each g NOT in s
                              ** (Spark's grouping_id()) */
    int         n_sets;       /* 0: plain GROUP BY */
    /* JOIN */
    lp_join_kind join;
    lp_expr   **left_keys;    /* equi-join keys (set by the optimizer from cond): */
    lp_expr   **right_keys;   /*   left_keys[i] = right_keys[i], over the two sides */
    bool       *null_eq;      /*   true: NULL matches NULL (<=>, set operations) */
    int         n_join_keys;
    lp_expr    *residual;     /* the rest of cond once keys are taken out, or NULL */
    bool        null_aware;   /* ANTI from NOT IN: a NULL key on either side matters */
    bool        reducer;      /* SEMI added by semi-join reduction (opt_semi.c): the
                              ** join above drops the same rows, so the executor may
                              ** stop applying it */
    /* SORT (and WINDOW's order) */
    lp_sort_key *keys;
    int         n_keys;
    /* LIMIT */
    int64_t     limit;
    int64_t     offset;
    /* SETOP */
    sql_setop   setop;
    bool        all;
    /* WINDOW */
    lp_expr   **partition;
    int         n_partition;
    lp_winfn   *winfns;
    int         n_winfns;
    /* GENERATE */
    lp_gen_kind gen;
    lp_expr    *gen_arg;
    bool        gen_outer;    /* explode_outer: a row with NULLs for empty/NULL input */
};

/* ---- helpers (plan.c) ----------------------------------------------------- */

/* A source format by name: delta, parquet, csv, json (also ndjson, jsonl), in
** any case; false for anything else. */
bool      lp_source_kind_parse(const char *name, lp_source_kind *out);
/* "delta", "parquet", "csv" or "json". */
const char *lp_source_kind_name(lp_source_kind k);

lp_node  *lp_node_new(lp_ctx *c, lp_kind kind, int32_t pos);       /* zeroed, est -1 */
lp_expr  *lp_expr_new(lp_ctx *c, lp_expr_kind kind, int32_t pos);  /* zeroed */
lp_expr  *lp_expr_col(lp_ctx *c, const lp_col *col);               /* reference to col */
/* A constant of type t from a scalar (NULL s = the NULL value of t). */
lp_expr  *lp_expr_const(lp_ctx *c, const vec_type *t, const vec_scalar *s);
lp_expr  *lp_expr_bool(lp_ctx *c, bool v);
/* Index of column id in n's output, or -1. */
int       lp_find_col(const lp_node *n, lp_colid id);
/* Deep copy of e (subquery plans are shared, not copied). */
lp_expr  *lp_expr_copy(lp_ctx *c, const lp_expr *e);
/* Splits an AND tree into its conjuncts (appends to *out, grows in the arena). */
st_status lp_conjuncts(lp_ctx *c, lp_expr *e, lp_expr ***out, int *n, st_error *err);
/* AND of n conjuncts (NULL for n == 0, the conjunct itself for n == 1). */
lp_expr  *lp_and(lp_ctx *c, lp_expr **conj, int n);
/* Calls fn(e, ud) on e and every sub-expression (not into subquery plans);
** stops early when fn returns false. */
bool      lp_expr_walk(lp_expr *e, bool (*fn)(lp_expr *e, void *ud), void *ud);
/* True when every column e references is among cols[0..n). */
bool      lp_expr_only_uses(const lp_expr *e, const lp_col *cols, int n);

/* Checks the invariants above; ST_ERR_INTERNAL naming the node on failure. */
st_status lp_verify(const lp_node *root, st_error *err);

/* Indented text form for EXPLAIN and tests, one node per line:
**   Project [a#3, (b#4 + 1)#7]
**     Filter (a#3 > 5)
**       Scan delta /t [a#3, b#4] filters: (a#3 > 5)
** Column references print as name#id. */
st_status lp_format(const lp_node *root, st_buf *out, st_error *err);
st_status lp_expr_format(const lp_expr *e, st_buf *out, st_error *err);

#endif /* STRATA_SQL_PLAN_H */
