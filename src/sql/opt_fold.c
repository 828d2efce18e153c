/* opt_fold.c -- constant folding and boolean simplification (opt.h stage 2).
** A deterministic call, cast, NOT, IS [NOT] NULL, CASE or IN whose inputs
** are all constants is evaluated once here, on 1-row vectors with the
** function kernels (fn_bound.kernel, fn_cast): the sql layer cannot use the
** executor's evaluator, so this is the small constant evaluator it needs.
** AND/OR drop TRUE/FALSE operands as three-valued logic allows, NOT NOT x
** is x, CASE arms whose condition is a constant are resolved. A FILTER that
** folds to TRUE disappears; one that folds to FALSE or NULL becomes an
** empty VALUES with the same columns. A kernel error (1/0 in ANSI mode)
** leaves the expression unfolded, so it still fails only if evaluated. */
#include <string.h>

#include "opt_int.h"

static lp_expr *fold(lp_ctx *c, lp_expr *e, int depth);

static bool is_const(const lp_expr *e) { return e->kind == LP_X_CONST && e->value; }

/* A constant expression holding v (1 row, of e's type). */
static lp_expr *const_of(lp_ctx *c, const lp_expr *e, vec *v)
{
    lp_expr *x = lp_expr_new(c, LP_X_CONST, e->pos);
    if (!x) return NULL;
    x->type = e->type;
    v->type = &x->type;
    x->value = v;
    x->nullable = !vec_is_valid(v, 0);
    x->alias = e->alias;
    return x;
}

static lp_expr *bool_or_null(lp_ctx *c, int v)   /* -1: NULL */
{
    if (v >= 0) return lp_expr_bool(c, v != 0);
    vec_type t = {.id = VEC_BOOL};
    return lp_expr_const(c, &t, NULL);
}

/* -1 NULL, 0 FALSE, 1 TRUE for a boolean constant. */
static int bool_val(const lp_expr *e)
{
    if (!vec_is_valid(e->value, 0)) return -1;
    return vec_bit_get(e->value->values, 0) ? 1 : 0;
}

static lp_expr *fold_call(lp_ctx *c, lp_expr *e)
{
    if (!e->fn || !e->fn->kernel || !e->fn->deterministic) return e;
    if (e->n_args > FN_MAX_ARGS) return e;
    const vec *args[FN_MAX_ARGS];
    for (int i = 0; i < e->n_args; i++) {
        if (!is_const(e->args[i])) return e;
        args[i] = e->args[i]->value;
    }
    vec *out = NULL;
    st_error err;
    st_error_init(&err);
    if (e->fn->kernel(e->fn, &c->fnctx, args, 1, c->arena, &out, &err) != ST_OK || !out ||
        out->len < 1)
        return e;
    lp_expr *x = const_of(c, e, out);
    return x ? x : e;
}

static lp_expr *fold_cast(lp_ctx *c, lp_expr *e)
{
    if (!is_const(e->args[0])) return e;
    vec *out = NULL;
    st_error err;
    st_error_init(&err);
    if (fn_cast(&c->fnctx, e->args[0]->value, &e->type, e->try_cast, 1, c->arena, &out, &err) !=
        ST_OK || !out)
        return e;
    lp_expr *x = const_of(c, e, out);
    return x ? x : e;
}

/* AND (is_and) / OR: the absorbing constant wins, the neutral one drops. */
static lp_expr *fold_logic(lp_ctx *c, lp_expr *e, bool is_and)
{
    int absorb = is_and ? 0 : 1;
    lp_expr **kept = st_arena_alloc(c->arena, (size_t)e->n_args * sizeof *kept);
    if (!kept) return e;
    int n = 0;
    bool saw_null = false;
    for (int i = 0; i < e->n_args; i++) {
        lp_expr *a = e->args[i];
        if (a->kind == e->kind) {   /* flatten (x AND (y AND z)) */
            lp_expr **g = st_arena_alloc(c->arena, (size_t)(e->n_args + a->n_args) * sizeof *g);
            if (!g) return e;
            memcpy(g, kept, (size_t)n * sizeof *g);
            kept = g;
            for (int k = 0; k < a->n_args; k++) kept[n++] = a->args[k];
            continue;
        }
        if (is_const(a) && a->type.id == VEC_BOOL) {
            int v = bool_val(a);
            if (v == absorb) return bool_or_null(c, absorb);
            if (v < 0) saw_null = true;
            continue;
        }
        kept[n++] = a;
    }
    if (n == 0) return bool_or_null(c, saw_null ? -1 : !absorb);
    if (saw_null) kept[n++] = bool_or_null(c, -1);
    if (n == 1) return kept[0];
    e->args = kept;
    e->n_args = n;
    return e;
}

static lp_expr *fold_case(lp_ctx *c, lp_expr *e)
{
    int pairs = (e->n_args - (e->has_else ? 1 : 0)) / 2;
    lp_expr **kept = st_arena_alloc(c->arena, (size_t)e->n_args * sizeof *kept);
    if (!kept) return e;
    int n = 0;
    for (int i = 0; i < pairs; i++) {
        lp_expr *w = e->args[2 * i], *t = e->args[2 * i + 1];
        if (is_const(w) && w->type.id == VEC_BOOL) {
            int v = bool_val(w);
            if (v != 1) continue;          /* FALSE / NULL: the arm never fires */
            if (n == 0) return t;          /* first live arm always fires */
            e->has_else = true;            /* becomes the ELSE of what is left */
            kept[n++] = t;
            e->args = kept;
            e->n_args = n;
            return e;
        }
        kept[n++] = w;
        kept[n++] = t;
    }
    if (e->has_else) {
        if (n == 0) return e->args[e->n_args - 1];
        kept[n++] = e->args[e->n_args - 1];
    } else if (n == 0) {
        return lp_expr_const(c, &e->type, NULL);
    }
    e->args = kept;
    e->n_args = n;
    return e;
}

static lp_expr *fold_in(lp_ctx *c, lp_expr *e)
{
    for (int i = 0; i < e->n_args; i++)
        if (!is_const(e->args[i])) return e;
    bool saw_null = !vec_is_valid(e->args[0]->value, 0);
    bool match = false;
    for (int i = 1; i < e->n_args && !saw_null; i++) {
        lp_expr *args[2] = {e->args[0], e->args[i]}, *eq = NULL;
        st_error err;
        st_error_init(&err);
        if (opt_make_call(c, "=", args, 2, &eq, &err) != ST_OK) return e;
        for (int k = 0; k < eq->n_args; k++) eq->args[k] = fold(c, eq->args[k], 0);
        eq = fold_call(c, eq);
        if (!is_const(eq)) return e;
        int v = bool_val(eq);
        if (v < 0) saw_null = true;
        if (v == 1) match = true;
    }
    if (match) return lp_expr_bool(c, !e->negated);
    if (saw_null) return bool_or_null(c, -1);
    return lp_expr_bool(c, e->negated);
}

static lp_expr *fold(lp_ctx *c, lp_expr *e, int depth)
{
    if (!e || depth > 10000) return e;
    if (e->kind == LP_X_SUBQUERY) return e;
    for (int i = 0; i < e->n_args; i++) {
        lp_expr *a = fold(c, e->args[i], depth + 1);
        if (a) e->args[i] = a;
    }
    lp_expr *r = e;
    switch (e->kind) {
    case LP_X_CALL: r = fold_call(c, e); break;
    case LP_X_CAST: r = fold_cast(c, e); break;
    case LP_X_AND: r = fold_logic(c, e, true); break;
    case LP_X_OR: r = fold_logic(c, e, false); break;
    case LP_X_NOT: {
        lp_expr *a = e->args[0];
        if (a->kind == LP_X_NOT) r = a->args[0];
        else if (is_const(a) && a->type.id == VEC_BOOL) {
            int v = bool_val(a);
            r = bool_or_null(c, v < 0 ? -1 : !v);
        }
        break;
    }
    case LP_X_IS_NULL:
        if (is_const(e->args[0])) {
            bool isnull = !vec_is_valid(e->args[0]->value, 0);
            r = lp_expr_bool(c, isnull != e->negated);
        }
        break;
    case LP_X_CASE: r = fold_case(c, e); break;
    case LP_X_IN: r = fold_in(c, e); break;
    default: break;
    }
    if (!r) return e;
    if (r != e && !r->alias) r->alias = e->alias;
    return r;
}

st_status opt_fold_expr(lp_ctx *c, lp_expr *e, lp_expr **out, st_error *err)
{
    (void)err;
    *out = fold(c, e, 0);
    return ST_OK;
}

/* ---- over a plan ------------------------------------------------------------ */

static void fold_all(lp_ctx *c, lp_expr **es, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if (es[i]) es[i] = fold(c, es[i], 0);
}

static void fold_node_exprs(lp_ctx *c, lp_node *n)
{
    if (n->cond) n->cond = fold(c, n->cond, 0);
    if (n->residual) n->residual = fold(c, n->residual, 0);
    if (n->gen_arg) n->gen_arg = fold(c, n->gen_arg, 0);
    fold_all(c, n->filters, n->n_filters);
    if (n->kind == LP_PROJECT) fold_all(c, n->exprs, n->n_cols);
    if (n->kind == LP_VALUES) fold_all(c, n->values, n->n_rows * n->n_cols);
    fold_all(c, n->groups, n->n_groups);
    for (int j = 0; j < n->n_aggs; j++) {
        fold_all(c, n->aggs[j].args, n->aggs[j].n_args);
        if (n->aggs[j].filter) n->aggs[j].filter = fold(c, n->aggs[j].filter, 0);
    }
    fold_all(c, n->left_keys, n->n_join_keys);
    fold_all(c, n->right_keys, n->n_join_keys);
    for (int i = 0; i < n->n_keys; i++) n->keys[i].expr = fold(c, n->keys[i].expr, 0);
    fold_all(c, n->partition, n->n_partition);
    for (int j = 0; j < n->n_winfns; j++) fold_all(c, n->winfns[j].args, n->winfns[j].n_args);
}

static st_status fold_node(lp_ctx *c, lp_node **np, int depth, st_error *err)
{
    if (depth > 10000) return st_error_set(err, ST_ERR_LIMIT, "plan nested too deeply");
    lp_node *n = *np;
    for (int i = 0; i < n->n_child; i++) {
        st_status rc = fold_node(c, &n->child[i], depth + 1, err);
        if (rc != ST_OK) return rc;
    }
    fold_node_exprs(c, n);
    if (n->kind == LP_FILTER && is_const(n->cond) && n->cond->type.id == VEC_BOOL) {
        if (bool_val(n->cond) == 1) {
            *np = n->child[0];
            return ST_OK;
        }
        lp_node *v = lp_node_new(c, LP_VALUES, n->pos);
        if (!v) return opt_nomem(err, "folding a filter");
        v->cols = n->cols;
        v->n_cols = n->n_cols;
        v->n_rows = 0;
        *np = v;
        return ST_OK;
    }
    if (n->kind == LP_JOIN && n->cond && opt_is_bool_const(n->cond, true) &&
        n->n_join_keys == 0) {
        n->cond = NULL;
        n->residual = NULL;
    }
    return ST_OK;
}

st_status opt_fold(lp_ctx *c, lp_node **root, st_error *err)
{
    return fold_node(c, root, 0, err);
}
