/* opt_int.h -- private to the optimizer (src/sql/opt*.c): column sets,
** expression rewriting and node building helpers the stages share.
**
** Every object a stage makes lives in the lp_ctx arena, like the plan it
** rewrites; helpers that allocate return NULL (or ST_ERR_NOMEM) on failure.
** A column set is a bitmap over column ids [0, c->next_col) taken when the
** set was made: ids allocated later are never members. */
#ifndef STRATA_SQL_OPT_INT_H
#define STRATA_SQL_OPT_INT_H

#include "opt.h"

/* A set of column ids (bitmap in the ctx arena). */
typedef struct opt_colset {
    uint64_t *w;              /* arena: n_words words */
    int       n_words;
} opt_colset;

st_status opt_colset_init(lp_ctx *c, opt_colset *s, st_error *err);
void      opt_colset_add(opt_colset *s, lp_colid id);
bool      opt_colset_has(const opt_colset *s, lp_colid id);
bool      opt_colset_empty(const opt_colset *s);
/* The output columns of n. */
st_status opt_colset_of_node(lp_ctx *c, const lp_node *n, opt_colset *s, st_error *err);
/* Adds every column e references (outer references only when with_outer). */
void      opt_colset_add_expr(opt_colset *s, const lp_expr *e, bool with_outer);
/* True when every (non-outer) column e references is in s. */
bool      opt_expr_within(const lp_expr *e, const opt_colset *s);
/* True when e references at least one (non-outer) column of s. */
bool      opt_expr_touches(const lp_expr *e, const opt_colset *s);

/* ---- expression properties and rewriting (opt_util.c) -------------------- */

bool      opt_expr_deterministic(const lp_expr *e);
/* True when e calls a function marked expensive (fn_bound.expensive). */
bool      opt_expr_expensive(const lp_expr *e);
bool      opt_expr_has_subquery(const lp_expr *e);
bool      opt_expr_has_outer(const lp_expr *e);
/* True when e is a call of the named function (fn->name). */
bool      opt_is_call(const lp_expr *e, const char *name);
/* True for the constants TRUE / FALSE (not NULL). */
bool      opt_is_bool_const(const lp_expr *e, bool v);
bool      opt_is_null_const(const lp_expr *e);

/* Replaces (in a deep copy) every non-outer reference to from[i] with a copy
** of to[i]. NULL on OOM. */
lp_expr  *opt_expr_subst(lp_ctx *c, const lp_expr *e, const lp_colid *from, lp_expr *const *to,
                         int n);

/* A call of a binary comparison/arithmetic operator `name` over a and b,
** resolved with fn_resolve (casts inserted when the operands differ). */
st_status opt_make_call(lp_ctx *c, const char *name, lp_expr *const *args, int n_args,
                        lp_expr **out, st_error *err);
lp_expr  *opt_make_cast(lp_ctx *c, lp_expr *e, const vec_type *to);
lp_expr  *opt_make_not(lp_ctx *c, lp_expr *e);

/* Node builders (cols copied into the arena). */
lp_node  *opt_make_filter(lp_ctx *c, lp_node *child, lp_expr **conj, int n);
/* A PROJECT over child outputting cols (ids kept; each column must be a
** column of child). */
lp_node  *opt_make_identity(lp_ctx *c, lp_node *child, const lp_col *cols, int n);
lp_node  *opt_make_join(lp_ctx *c, lp_join_kind kind, lp_node *l, lp_node *r, lp_expr *cond);
/* Recomputes a join's output columns from its children (and its mark column
** for MARK joins, kept from the old cols). */
st_status opt_join_set_cols(lp_ctx *c, lp_node *j, st_error *err);
/* Copies child's columns into n (for FILTER/SORT/LIMIT/DISTINCT). */
st_status opt_pass_cols(lp_ctx *c, lp_node *n, st_error *err);
/* Appends to an arena array of expression pointers. */
st_status opt_push_expr(lp_ctx *c, lp_expr ***arr, int *n, lp_expr *e, st_error *err);

st_status opt_nomem(st_error *err, const char *what);

/* True when pred holds for some expression of n itself (not its children). */
bool      opt_node_any_expr(const lp_node *n, bool (*pred)(const lp_expr *e));
/* Whether computing n a second time gives the same rows: every expression
** deterministic, no LIMIT (which rows), window or generator below it. */
bool      opt_plan_repeatable(const lp_node *n, int depth);

/* A deep copy of the plan n in the ctx arena (subquery plans inside
** expressions are shared). renumber: every column the copy produces gets a
** fresh id and *map_out (when not NULL) maps old ids to new ones (-1 for
** ids the copy does not produce; sized by the ctx's next_col at the call). */
lp_node  *opt_copy_plan(lp_ctx *c, const lp_node *n, bool renumber, lp_colid **map_out);
/* The lp_format text of n with its columns numbered 1, 2, ... in the order
** a copy meets them: equal texts mean plans that compute the same rows in
** the same column order (appended to out). */
st_status opt_canonical_text(lp_ctx *c, const lp_node *n, st_buf *out, st_error *err);

/* ---- shared stage workers ---------------------------------------------- */

/* Extracts the keys of one join from its cond (opt_keys.c). */
st_status opt_join_keys_node(lp_ctx *c, lp_node *j, st_error *err);
/* Estimates est_rows of n and every node below it (opt_order.c). */
double    opt_estimate(lp_ctx *c, lp_node *n);
/* Cheap, never-failing conjuncts of every FILTER first, the most selective
** first (opt_order.c). */
st_status opt_order_conjuncts(lp_ctx *c, lp_node **root, st_error *err);
/* opt_join_order; enabled false only sets the estimates (no_reorder). */
st_status opt_join_order_ex(lp_ctx *c, lp_node **root, bool enabled, st_error *err);

#endif /* STRATA_SQL_OPT_INT_H */
