/* opt_decorrelate.c -- subquery removal (opt.h stage 1): every
** LP_X_SUBQUERY becomes a join, so nothing runs row by row.
**
** Subquery plans are handled innermost first. For one subquery over an
** input X (the child of the FILTER or PROJECT holding it):
**   - correlated predicates (those naming outer columns) are pulled up out of
**     the subquery plan through FILTER, PROJECT (which passes the columns the
**     predicates need), INNER/CROSS joins, the preserved side of outer/semi/
**     anti joins, SORT, grouped aggregates (an equality correlation's inner
**     side becomes one more group column), and (where duplicates do not
**     matter: EXISTS, IN) DISTINCT and LIMIT n>0; they become the join
**     condition;
**   - EXISTS / IN / ANY as a WHERE conjunct: SEMI join (NOT EXISTS: ANTI;
**     NOT IN: ANTI with null_aware);
**   - EXISTS / IN / ANY / ALL elsewhere: MARK join whose mark column replaces
**     the expression (ALL p = NOT ANY NOT p under three-valued logic);
**   - scalar, uncorrelated or correlated without an aggregate on top: SINGLE
**     join on the pulled predicates, the subquery's column replaces the
**     expression (more than one match is a runtime error, as in Spark); an
**     uncorrelated ungrouped aggregate (exactly one row) is a cross join;
**   - scalar over an ungrouped aggregate with equality correlations
**     (outer_expr = inner_expr): the aggregate is grouped by the inner
**     expressions and LEFT joined back on them; the subquery's select
**     expression is evaluated above the join, count(...) read through
**     coalesce(count, 0) because a missing group means an empty one.
** A correlated shape these rules do not take (a non-equality correlation
** below an aggregate, outer references in a select list, in an outer
** join's condition...) falls back to the general dependent join (below):
** the subquery runs once per distinct value of the outer columns it uses.
** What even that cannot express (a correlation below LIMIT, a set
** operation, GROUPING SETS, or on both sides of a join; references two
** query levels out) is ST_ERR_UNSUPPORTED naming the shape: the stage never
** returns a plan with a different answer. Outer flags of the references it
** resolves are cleared. */
#include <string.h>

#include "opt_int.h"

typedef struct dc_list {
    lp_expr **e;              /* arena */
    int       n;
} dc_list;

static st_status dc_node(lp_ctx *c, lp_node **np, int depth, st_error *err);

static st_status unsupported(st_error *err, const char *what)
{
    return st_error_set(err, ST_ERR_UNSUPPORTED, "correlated subquery %s is not supported", what);
}

static bool tree_has_outer(const lp_node *n)
{
    if (opt_node_any_expr(n, opt_expr_has_outer)) return true;
    for (int i = 0; i < n->n_child; i++)
        if (tree_has_outer(n->child[i])) return true;
    return false;
}

static bool clear_one(lp_expr *e, void *ud)
{
    if (e->kind == LP_X_COL && e->outer && opt_colset_has(ud, e->col)) e->outer = false;
    return true;
}

/* Clears the outer flag of references to columns of s. */
static void clear_outer(lp_expr *e, const opt_colset *s)
{
    lp_expr_walk(e, clear_one, (void *)s);
}

/* ---- pulling correlated predicates up ----------------------------------------- */

static st_status pull(lp_ctx *c, lp_node *n, bool dup_ok, lp_node **out, dc_list *preds,
                      int depth, st_error *err);

/* Adds to PROJECT p pass-through columns for the child columns preds need. */
static st_status project_pass(lp_ctx *c, lp_node *p, const dc_list *preds, st_error *err)
{
    const lp_node *ch = p->child[0];
    opt_colset need;
    st_status rc = opt_colset_init(c, &need, err);
    if (rc != ST_OK) return rc;
    for (int i = 0; i < preds->n; i++) opt_colset_add_expr(&need, preds->e[i], false);
    for (int i = 0; i < ch->n_cols; i++) {
        if (!opt_colset_has(&need, ch->cols[i].id) || lp_find_col(p, ch->cols[i].id) >= 0)
            continue;
        lp_col *cols = st_arena_alloc(c->arena, (size_t)(p->n_cols + 1) * sizeof *cols);
        lp_expr **ex = st_arena_alloc(c->arena, (size_t)(p->n_cols + 1) * sizeof *ex);
        if (!cols || !ex) return opt_nomem(err, "decorrelating a subquery");
        st_memcpy(cols, p->cols, (size_t)p->n_cols * sizeof *cols);
        st_memcpy(ex, p->exprs, (size_t)p->n_cols * sizeof *ex);
        cols[p->n_cols] = ch->cols[i];
        ex[p->n_cols] = lp_expr_col(c, &ch->cols[i]);
        if (!ex[p->n_cols]) return opt_nomem(err, "decorrelating a subquery");
        p->cols = cols;
        p->exprs = ex;
        p->n_cols++;
    }
    return ST_OK;
}

static st_status pull_filter(lp_ctx *c, lp_node *n, bool dup_ok, lp_node **out, dc_list *preds,
                             int depth, st_error *err)
{
    st_status rc = pull(c, n->child[0], dup_ok, &n->child[0], preds, depth + 1, err);
    if (rc != ST_OK) return rc;
    dc_list conj = {NULL, 0}, rest = {NULL, 0};
    if ((rc = lp_conjuncts(c, n->cond, &conj.e, &conj.n, err)) != ST_OK) return rc;
    for (int i = 0; i < conj.n && rc == ST_OK; i++) {
        if (opt_expr_has_outer(conj.e[i])) {
            if (opt_expr_has_subquery(conj.e[i]) || !opt_expr_deterministic(conj.e[i]))
                return unsupported(err, "with a nondeterministic correlated predicate");
            rc = opt_push_expr(c, &preds->e, &preds->n, conj.e[i], err);
        } else {
            rc = opt_push_expr(c, &rest.e, &rest.n, conj.e[i], err);
        }
    }
    if (rc != ST_OK) return rc;
    if ((rc = opt_pass_cols(c, n, err)) != ST_OK) return rc;
    if (rest.n == 0) {
        *out = n->child[0];
        return ST_OK;
    }
    n->cond = lp_and(c, rest.e, rest.n);
    *out = n;
    return n->cond ? ST_OK : opt_nomem(err, "decorrelating a subquery");
}

static st_status pull_join(lp_ctx *c, lp_node *n, bool dup_ok, lp_node **out, dc_list *preds,
                           int depth, st_error *err)
{
    st_status rc;
    bool inner = n->join == LP_JOIN_INNER;
    bool left_kept = n->join == LP_JOIN_LEFT || n->join == LP_JOIN_SEMI ||
                     n->join == LP_JOIN_ANTI || n->join == LP_JOIN_SINGLE ||
                     n->join == LP_JOIN_MARK;
    if (!inner) {
        bool ok = left_kept && !tree_has_outer(n->child[1]) &&
                  !(n->cond && opt_expr_has_outer(n->cond));
        if (!ok) return unsupported(err, "with a correlated reference inside an outer join");
    }
    if ((rc = pull(c, n->child[0], dup_ok, &n->child[0], preds, depth + 1, err)) != ST_OK)
        return rc;
    if (inner) {
        if ((rc = pull(c, n->child[1], dup_ok, &n->child[1], preds, depth + 1, err)) != ST_OK)
            return rc;
        dc_list conj = {NULL, 0}, rest = {NULL, 0};
        if ((rc = lp_conjuncts(c, n->cond, &conj.e, &conj.n, err)) != ST_OK) return rc;
        for (int i = 0; i < conj.n && rc == ST_OK; i++) {
            dc_list *dst = opt_expr_has_outer(conj.e[i]) ? preds : &rest;
            rc = opt_push_expr(c, &dst->e, &dst->n, conj.e[i], err);
        }
        if (rc != ST_OK) return rc;
        n->cond = lp_and(c, rest.e, rest.n);
    }
    n->n_join_keys = 0;
    if ((rc = opt_join_set_cols(c, n, err)) != ST_OK) return rc;
    *out = n;
    return ST_OK;
}

/* Through a grouped aggregate: each correlation must be outer = inner
** expression; the inner expression becomes one more group column (within
** one outer row it is constant, so the groups are the same) and the
** predicate compares the outer side with that column. */
static st_status pull_aggregate(lp_ctx *c, lp_node *n, bool dup_ok, lp_node **out,
                                dc_list *preds, int depth, st_error *err)
{
    if (n->n_groups == 0 || n->n_sets > 0 || opt_node_any_expr(n, opt_expr_has_outer))
        return unsupported(err, "with a correlation below an aggregate");
    dc_list mine = {NULL, 0};
    st_status rc = pull(c, n->child[0], dup_ok, &n->child[0], &mine, depth + 1, err);
    if (rc != ST_OK) return rc;
    int ng = n->n_groups + mine.n;
    lp_expr **groups = st_arena_alloc(c->arena, (size_t)ng * sizeof *groups);
    lp_col *cols = st_arena_alloc(c->arena, (size_t)(n->n_cols + mine.n) * sizeof *cols);
    if (!groups || !cols) return opt_nomem(err, "decorrelating a subquery");
    memcpy(groups, n->groups, (size_t)n->n_groups * sizeof *groups);
    st_memcpy(cols, n->cols, (size_t)n->n_groups * sizeof *cols);
    st_memcpy(cols + ng, n->cols + n->n_groups, (size_t)(n->n_cols - n->n_groups) * sizeof *cols);
    for (int i = 0; i < mine.n; i++) {
        lp_expr *p = mine.e[i];
        if (!(opt_is_call(p, "=") || opt_is_call(p, "==")) || p->n_args != 2 ||
            opt_expr_has_outer(p->args[0]) == opt_expr_has_outer(p->args[1]))
            return unsupported(err, "with a non-equality correlation below an aggregate");
        bool a_out = opt_expr_has_outer(p->args[0]);
        lp_expr *inner = a_out ? p->args[1] : p->args[0];
        lp_col *g = &cols[n->n_groups + i];
        g->id = lp_ctx_new_col(c);
        g->name = "corr";
        g->type = inner->type;
        g->nullable = inner->nullable;
        groups[n->n_groups + i] = inner;
        lp_expr *ref = lp_expr_col(c, g), *eq = NULL;
        if (!ref) return opt_nomem(err, "decorrelating a subquery");
        lp_expr *args[2] = {a_out ? p->args[0] : ref, a_out ? ref : p->args[1]};
        if ((rc = opt_make_call(c, "=", args, 2, &eq, err)) != ST_OK) return rc;
        if ((rc = opt_push_expr(c, &preds->e, &preds->n, eq, err)) != ST_OK) return rc;
    }
    n->groups = groups;
    n->n_groups = ng;
    n->cols = cols;
    n->n_cols += mine.n;
    *out = n;
    return ST_OK;
}

static st_status pull(lp_ctx *c, lp_node *n, bool dup_ok, lp_node **out, dc_list *preds,
                      int depth, st_error *err)
{
    if (depth > 10000) return st_error_set(err, ST_ERR_LIMIT, "plan nested too deeply");
    *out = n;
    if (!tree_has_outer(n)) return ST_OK;
    st_status rc;
    switch (n->kind) {
    case LP_FILTER:
        return pull_filter(c, n, dup_ok, out, preds, depth, err);
    case LP_PROJECT:
        for (int i = 0; i < n->n_cols; i++)
            if (opt_expr_has_outer(n->exprs[i]))
                return unsupported(err, "with a correlated reference in its select list");
        if ((rc = pull(c, n->child[0], dup_ok, &n->child[0], preds, depth + 1, err)) != ST_OK)
            return rc;
        return project_pass(c, n, preds, err);
    case LP_JOIN:
        return pull_join(c, n, dup_ok, out, preds, depth, err);
    case LP_SORT:
        if (opt_node_any_expr(n, opt_expr_has_outer))
            return unsupported(err, "with a correlated ORDER BY");
        return pull(c, n->child[0], dup_ok, out, preds, depth + 1, err);
    case LP_DISTINCT:
        if (!dup_ok) return unsupported(err, "with DISTINCT below a correlation");
        return pull(c, n->child[0], dup_ok, out, preds, depth + 1, err);
    case LP_LIMIT:
        if (!dup_ok || n->limit == 0 || n->offset > 0)
            return unsupported(err, "with LIMIT below a correlation");
        return pull(c, n->child[0], dup_ok, out, preds, depth + 1, err);
    case LP_AGGREGATE:
        return pull_aggregate(c, n, dup_ok, out, preds, depth, err);
    case LP_WINDOW:
        return unsupported(err, "with a correlation below a window function");
    case LP_SETOP:
        return unsupported(err, "with a correlation inside a set operation");
    default:
        return unsupported(err, "with a correlated reference in this clause");
    }
}

/* ---- building the joins --------------------------------------------------------- */

typedef struct dc_ctx {
    lp_ctx     *c;
    lp_node    *input;        /* the rows the subqueries are evaluated for; grows */
    opt_colset  outer_cols;   /* columns of the original input */
    int         depth;
    st_error   *err;
} dc_ctx;

/* Clears resolved outer flags in preds and checks nothing deeper is left. */
static st_status resolve_preds(dc_ctx *d, dc_list *preds)
{
    for (int i = 0; i < preds->n; i++) {
        clear_outer(preds->e[i], &d->outer_cols);
        if (opt_expr_has_outer(preds->e[i]))
            return unsupported(d->err, "referencing a query two levels out");
    }
    return ST_OK;
}

static lp_expr *value_col(lp_ctx *c, const lp_node *sub)
{
    lp_col col = sub->cols[0];
    col.nullable = true;
    return lp_expr_col(c, &col);
}

/* Strips the select list of an EXISTS subquery (any rows will do). */
static lp_node *strip_projects(lp_node *n)
{
    while (n->kind == LP_PROJECT) n = n->child[0];
    return n;
}

/* The comparison a quantified subquery applies: args[0] <cmp> value. */
static st_status quantified_cmp(dc_ctx *d, lp_expr *sq, lp_expr *val, lp_expr **out)
{
    if (sq->subq_kind == LP_SUBQ_IN || !sq->cmp_fn) {
        lp_expr *args[2] = {sq->args[0], val};
        return opt_make_call(d->c, "=", args, 2, out, d->err);
    }
    lp_expr *x = lp_expr_new(d->c, LP_X_CALL, sq->pos);
    lp_expr **args = st_arena_alloc(d->c->arena, 2 * sizeof *args);
    if (!x || !args) return opt_nomem(d->err, "decorrelating a subquery");
    const fn_bound *f = sq->cmp_fn;
    args[0] = sq->args[0];
    args[1] = val;
    for (int i = 0; i < 2 && i < f->n_args; i++)
        if (f->cast_to[i].id != VEC_NULL && !(args[i] = opt_make_cast(d->c, args[i], &f->cast_to[i])))
            return opt_nomem(d->err, "decorrelating a subquery");
    x->fn = sq->cmp_fn;
    x->type = f->ret;
    x->args = args;
    x->n_args = 2;
    *out = x;
    return ST_OK;
}

/* Builds the join for an EXISTS/IN/ANY/ALL subquery. where_mode: the
** subquery is a WHERE conjunct on its own (SEMI/ANTI possible). *repl gets
** the expression replacing it (NULL in where_mode when a SEMI/ANTI join did
** the whole job). */
/* Joins right (the subquery, decorrelated) to the input for an
** EXISTS/IN/ANY/ALL subquery; corr holds the correlation conjuncts (over
** input and right columns). */
static st_status finish_quantified(dc_ctx *d, lp_expr *sq, bool where_mode, lp_node *right,
                                   dc_list corr, lp_expr **repl)
{
    lp_ctx *c = d->c;
    st_status rc;
    bool is_exists = sq->subq_kind == LP_SUBQ_EXISTS;
    int n_corr = corr.n;
    if (!is_exists) {
        lp_expr *cmp = NULL;
        if ((rc = quantified_cmp(d, sq, value_col(c, sq->subq), &cmp)) != ST_OK) return rc;
        if (sq->subq_kind == LP_SUBQ_ALL && !(cmp = opt_make_not(c, cmp)))
            return opt_nomem(d->err, "decorrelating a subquery");
        if ((rc = opt_push_expr(c, &corr.e, &corr.n, cmp, d->err)) != ST_OK) return rc;
    }
    lp_expr *cond = lp_and(c, corr.e, corr.n);
    if (corr.n > 0 && !cond) return opt_nomem(d->err, "decorrelating a subquery");
    bool all = sq->subq_kind == LP_SUBQ_ALL;
    bool not_in = sq->negated && sq->subq_kind == LP_SUBQ_IN;
    /* A correlated NOT IN's NULL rule holds per outer row (among the rows
    ** its correlation selects): the MARK join evaluates it exactly, a
    ** null-aware ANTI join only over the whole right side. */
    if (where_mode && !all && !(sq->negated && sq->subq_kind == LP_SUBQ_ANY) &&
        !(not_in && n_corr > 0)) {
        lp_join_kind k = sq->negated ? LP_JOIN_ANTI : LP_JOIN_SEMI;
        lp_node *j = opt_make_join(c, k, d->input, right, cond);
        if (!j) return opt_nomem(d->err, "decorrelating a subquery");
        j->null_aware = not_in;
        d->input = j;
        *repl = NULL;
        return ST_OK;
    }
    /* MARK join: left columns then the mark. */
    lp_node *j = lp_node_new(c, LP_JOIN, sq->pos);
    lp_col *mark = st_arena_calloc(c->arena, 1, sizeof *mark);
    if (!j || !mark) return opt_nomem(d->err, "decorrelating a subquery");
    mark->id = lp_ctx_new_col(c);
    mark->name = "mark";
    mark->type.id = VEC_BOOL;
    mark->nullable = !is_exists;
    j->join = LP_JOIN_MARK;
    j->child[0] = d->input;
    j->child[1] = right;
    j->n_child = 2;
    j->cond = cond;
    j->cols = mark;
    j->n_cols = 1;
    if ((rc = opt_join_set_cols(c, j, d->err)) != ST_OK) return rc;
    d->input = j;
    lp_expr *m = lp_expr_col(c, mark);
    if (!m) return opt_nomem(d->err, "decorrelating a subquery");
    bool neg = sq->negated != all;
    *repl = neg ? opt_make_not(c, m) : m;
    return *repl ? ST_OK : opt_nomem(d->err, "decorrelating a subquery");
}

/* Builds the join for an EXISTS/IN/ANY/ALL subquery. where_mode: the
** subquery is a WHERE conjunct on its own (SEMI/ANTI possible). *repl gets
** the expression replacing it (NULL in where_mode when a SEMI/ANTI join did
** the whole job). */
static st_status build_quantified(dc_ctx *d, lp_expr *sq, bool where_mode, lp_expr **repl)
{
    bool is_exists = sq->subq_kind == LP_SUBQ_EXISTS;
    lp_node *plan = is_exists ? strip_projects(sq->subq) : sq->subq;
    dc_list preds = {NULL, 0};
    lp_node *right;
    st_status rc = pull(d->c, plan, true, &right, &preds, d->depth, d->err);
    if (rc != ST_OK) return rc;
    if ((rc = resolve_preds(d, &preds)) != ST_OK) return rc;
    return finish_quantified(d, sq, where_mode, right, preds, repl);
}

static bool is_count(const lp_agg *a)
{
    return a->fn && (strcmp(a->fn->name, "count") == 0 || strcmp(a->fn->name, "count_if") == 0 ||
                     strcmp(a->fn->name, "approx_count_distinct") == 0);
}

/* The value of a decorrelated scalar aggregate subquery: its select
** expression over the aggregates (agg's outputs after its n group columns),
** count read as 0 for a missing group. */
static st_status scalar_agg_value(dc_ctx *d, const lp_node *proj, const lp_node *agg, int n,
                                  lp_expr **repl)
{
    lp_ctx *c = d->c;
    st_status rc;
    lp_colid *from = st_arena_alloc(c->arena, (size_t)(agg->n_aggs + 1) * sizeof *from);
    lp_expr **to = st_arena_alloc(c->arena, (size_t)(agg->n_aggs + 1) * sizeof *to);
    if (!from || !to) return opt_nomem(d->err, "decorrelating a subquery");
    for (int k = 0; k < agg->n_aggs; k++) {
        const lp_col *ac = &agg->cols[n + k];
        from[k] = ac->id;
        lp_col nc = *ac;
        nc.nullable = true;
        to[k] = lp_expr_col(c, &nc);
        if (!to[k]) return opt_nomem(d->err, "decorrelating a subquery");
        if (is_count(&agg->aggs[k])) {
            vec_scalar zero = {.i64 = 0};
            lp_expr *z = lp_expr_const(c, &ac->type, &zero);
            lp_expr *args[2] = {to[k], z};
            if (!z) return opt_nomem(d->err, "decorrelating a subquery");
            if ((rc = opt_make_call(c, "coalesce", args, 2, &to[k], d->err)) != ST_OK) return rc;
        }
    }
    lp_expr *v;
    if (proj) {
        v = proj->exprs[0];
    } else {
        lp_col vc = agg->cols[n];
        v = lp_expr_col(c, &vc);
        if (!v) return opt_nomem(d->err, "decorrelating a subquery");
    }
    *repl = opt_expr_subst(c, v, from, to, agg->n_aggs);
    if (!*repl) return opt_nomem(d->err, "decorrelating a subquery");
    clear_outer(*repl, &d->outer_cols);
    if (opt_expr_has_outer(*repl)) return unsupported(d->err, "referencing a query two levels out");
    return ST_OK;
}

/* Correlated scalar over an ungrouped aggregate: group by the inner sides of
** the equality correlations and LEFT join back on them. */
static st_status build_scalar_agg(dc_ctx *d, lp_node *proj, lp_node *agg, lp_expr **repl)
{
    lp_ctx *c = d->c;
    dc_list preds = {NULL, 0};
    lp_node *child;
    st_status rc = pull(c, agg->child[0], false, &child, &preds, d->depth, d->err);
    if (rc != ST_OK) return rc;
    int n = preds.n;
    lp_expr **groups = st_arena_alloc(c->arena, (size_t)(n + 1) * sizeof *groups);
    lp_expr **conds = st_arena_alloc(c->arena, (size_t)(n + 1) * sizeof *conds);
    lp_col *cols = st_arena_alloc(c->arena, (size_t)(n + agg->n_cols + 1) * sizeof *cols);
    if (!groups || !conds || !cols) return opt_nomem(d->err, "decorrelating a subquery");
    for (int i = 0; i < n; i++) {
        lp_expr *p = preds.e[i];
        if (!(opt_is_call(p, "=") || opt_is_call(p, "==")) || p->n_args != 2)
            return unsupported(d->err, "with a non-equality correlation over an aggregate");
        bool a_out = opt_expr_has_outer(p->args[0]), b_out = opt_expr_has_outer(p->args[1]);
        if (a_out == b_out)
            return unsupported(d->err, "with a correlation mixing inner and outer columns");
        lp_expr *outer = a_out ? p->args[0] : p->args[1];
        lp_expr *inner = a_out ? p->args[1] : p->args[0];
        groups[i] = inner;
        cols[i].id = lp_ctx_new_col(c);
        cols[i].name = "corr";
        cols[i].type = inner->type;
        cols[i].nullable = inner->nullable;
        clear_outer(outer, &d->outer_cols);
        if (opt_expr_has_outer(outer)) return unsupported(d->err, "referencing a query two levels out");
        lp_expr *g = lp_expr_col(c, &cols[i]);
        lp_expr *args[2] = {outer, g};
        if (!g) return opt_nomem(d->err, "decorrelating a subquery");
        if ((rc = opt_make_call(c, "=", args, 2, &conds[i], d->err)) != ST_OK) return rc;
    }
    st_memcpy(cols + n, agg->cols, (size_t)agg->n_cols * sizeof *cols);
    agg->child[0] = child;
    agg->groups = groups;
    agg->n_groups = n;
    agg->cols = cols;
    agg->n_cols = n + agg->n_cols;
    lp_node *j = opt_make_join(c, LP_JOIN_LEFT, d->input, agg, lp_and(c, conds, n));
    if (!j || (n > 0 && !j->cond)) return opt_nomem(d->err, "decorrelating a subquery");
    d->input = j;
    return scalar_agg_value(d, proj, agg, n, repl);
}

static st_status build_scalar(dc_ctx *d, lp_expr *sq, lp_expr **repl)
{
    lp_ctx *c = d->c;
    lp_node *plan = sq->subq;
    if (tree_has_outer(plan)) {
        lp_node *proj = plan->kind == LP_PROJECT ? plan : NULL;
        lp_node *agg = proj ? proj->child[0] : plan;
        if (agg->kind == LP_AGGREGATE && agg->n_groups == 0 && agg->n_sets == 0 &&
            !opt_node_any_expr(agg, opt_expr_has_outer) &&
            (!proj || proj->n_cols >= 1))
            return build_scalar_agg(d, proj, agg, repl);
    }
    dc_list preds = {NULL, 0};
    lp_node *right;
    st_status rc = pull(c, plan, false, &right, &preds, d->depth, d->err);
    if (rc != ST_OK) return rc;
    if ((rc = resolve_preds(d, &preds)) != ST_OK) return rc;
    lp_expr *cond = lp_and(c, preds.e, preds.n);
    /* OPT: an uncorrelated ungrouped aggregate has exactly one row, so the
    ** SINGLE join is a plain cross join (filters over it can become its
    ** condition). */
    lp_node *one = plan;
    while (one->kind == LP_PROJECT) one = one->child[0];
    bool one_row = preds.n == 0 && one->kind == LP_AGGREGATE && one->n_groups == 0 &&
                   one->n_sets == 0;
    lp_node *j = opt_make_join(c, one_row ? LP_JOIN_INNER : LP_JOIN_SINGLE, d->input, right, cond);
    if (!j || (preds.n > 0 && !cond)) return opt_nomem(d->err, "decorrelating a subquery");
    d->input = j;
    *repl = value_col(c, plan);
    return *repl ? ST_OK : opt_nomem(d->err, "decorrelating a subquery");
}

/* ---- general fallback: the dependent join ------------------------------------ */
/* Neumann & Kemper's unnesting for the shapes the rules above do not take:
** D = DISTINCT of the outer columns the subquery uses, taken from a copy of
** the input (fresh column ids); the subquery is evaluated once per row of
** D by joining D in where its outer references are and carrying D's
** columns through every operator above (PROJECT passes them, aggregates
** and windows group/partition by them, DISTINCT keeps them), with outer
** references replaced by D's columns. The input is then joined with the
** result on outer column <=> D column (NULL outer values form their own
** group, as evaluating the subquery with a NULL would). */

typedef struct dj_ctx {
    dc_ctx    *d;
    lp_node   *dom;           /* D: distinct outer values */
    bool       used;          /* D joined in already (it may appear once) */
    lp_colid  *from;          /* outer column ids */
    lp_expr  **to;            /* their D columns */
    lp_col    *dcols;         /* D's columns */
    int        k;
} dj_ctx;

static bool subst_one(lp_expr *e, void *ud)
{
    dj_ctx *j = ud;
    if (e->kind != LP_X_COL || !e->outer) return true;
    for (int i = 0; i < j->k; i++)
        if (j->from[i] == e->col) {
            e->col = j->dcols[i].id;
            e->name = j->dcols[i].name;
            e->outer = false;
        }
    return true;
}

/* Points the outer references in e (in place) at D's columns. */
static void dj_subst(dj_ctx *j, lp_expr *e)
{
    lp_expr_walk(e, subst_one, j);
}

static void dj_subst_all(dj_ctx *j, lp_expr **es, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if (es[i]) dj_subst(j, es[i]);
}

/* Appends D's columns to n's (after position at; cols re-allocated). */
static st_status dj_add_cols(dj_ctx *j, lp_node *n, int at)
{
    lp_ctx *c = j->d->c;
    lp_col *cols = st_arena_alloc(c->arena, (size_t)(n->n_cols + j->k) * sizeof *cols);
    if (!cols) return opt_nomem(j->d->err, "decorrelating a subquery");
    st_memcpy(cols, n->cols, (size_t)at * sizeof *cols);
    st_memcpy(cols + at, j->dcols, (size_t)j->k * sizeof *cols);
    st_memcpy(cols + at + j->k, n->cols + at, (size_t)(n->n_cols - at) * sizeof *cols);
    n->cols = cols;
    n->n_cols += j->k;
    return ST_OK;
}

/* D's columns as expressions appended to an expression array. */
static lp_expr **dj_append_refs(dj_ctx *j, lp_expr **es, int n)
{
    lp_ctx *c = j->d->c;
    lp_expr **x = st_arena_alloc(c->arena, (size_t)(n + j->k) * sizeof *x);
    if (!x) return NULL;
    if (n > 0) memcpy(x, es, (size_t)n * sizeof *x);
    for (int i = 0; i < j->k; i++)
        if (!(x[n + i] = lp_expr_col(c, &j->dcols[i]))) return NULL;
    return x;
}

static st_status dep(dj_ctx *j, lp_node **np, int depth);

static st_status dep_join(dj_ctx *j, lp_node *n, int depth)
{
    st_error *err = j->d->err;
    bool lo = tree_has_outer(n->child[0]), ro = tree_has_outer(n->child[1]);
    int side;
    if (n->join == LP_JOIN_INNER && !(lo && ro)) side = ro ? 1 : 0;
    else if ((n->join == LP_JOIN_LEFT || n->join == LP_JOIN_SEMI || n->join == LP_JOIN_ANTI ||
              n->join == LP_JOIN_SINGLE || n->join == LP_JOIN_MARK) && !ro) side = 0;
    else if (n->join == LP_JOIN_RIGHT && !lo) side = 1;
    else return unsupported(err, "with outer references on both sides of a join");
    st_status rc = dep(j, &n->child[side], depth + 1);
    if (rc != ST_OK) return rc;
    if (n->cond) dj_subst(j, n->cond);
    n->n_join_keys = 0;
    n->residual = NULL;
    return opt_join_set_cols(j->d->c, n, err);
}

static st_status dep(dj_ctx *j, lp_node **np, int depth)
{
    lp_ctx *c = j->d->c;
    st_error *err = j->d->err;
    lp_node *n = *np;
    st_status rc;
    if (depth > 10000) return st_error_set(err, ST_ERR_LIMIT, "plan nested too deeply");
    if (!tree_has_outer(n)) {
        if (j->used) return unsupported(err, "with outer references in two branches");
        j->used = true;
        *np = opt_make_join(c, LP_JOIN_INNER, n, j->dom, NULL);
        return *np ? ST_OK : opt_nomem(err, "decorrelating a subquery");
    }
    switch (n->kind) {
    case LP_FILTER:
    case LP_DISTINCT:
        if ((rc = dep(j, &n->child[0], depth + 1)) != ST_OK) return rc;
        if (n->cond) dj_subst(j, n->cond);
        return opt_pass_cols(c, n, err);
    case LP_SORT:
        *np = n->child[0];
        return dep(j, np, depth + 1);
    case LP_PROJECT:
        if ((rc = dep(j, &n->child[0], depth + 1)) != ST_OK) return rc;
        dj_subst_all(j, n->exprs, n->n_cols);
        if (!(n->exprs = dj_append_refs(j, n->exprs, n->n_cols)))
            return opt_nomem(err, "decorrelating a subquery");
        return dj_add_cols(j, n, n->n_cols);
    case LP_AGGREGATE:
        if (n->n_groups == 0 || n->n_sets > 0)
            return unsupported(err, "with an ungrouped aggregate or grouping sets below the top");
        if ((rc = dep(j, &n->child[0], depth + 1)) != ST_OK) return rc;
        dj_subst_all(j, n->groups, n->n_groups);
        for (int a = 0; a < n->n_aggs; a++) {
            dj_subst_all(j, n->aggs[a].args, n->aggs[a].n_args);
            if (n->aggs[a].filter) dj_subst(j, n->aggs[a].filter);
        }
        if (!(n->groups = dj_append_refs(j, n->groups, n->n_groups)))
            return opt_nomem(err, "decorrelating a subquery");
        if ((rc = dj_add_cols(j, n, n->n_groups)) != ST_OK) return rc;
        n->n_groups += j->k;
        return ST_OK;
    case LP_WINDOW: {
        int old_in = n->child[0]->n_cols;
        if ((rc = dep(j, &n->child[0], depth + 1)) != ST_OK) return rc;
        dj_subst_all(j, n->partition, n->n_partition);
        for (int i = 0; i < n->n_keys; i++) dj_subst(j, n->keys[i].expr);
        for (int f = 0; f < n->n_winfns; f++) dj_subst_all(j, n->winfns[f].args, n->winfns[f].n_args);
        if (!(n->partition = dj_append_refs(j, n->partition, n->n_partition)))
            return opt_nomem(err, "decorrelating a subquery");
        n->n_partition += j->k;
        /* Output = the (new) input's columns, then the window functions'. */
        const lp_node *ch = n->child[0];
        int n_fn = n->n_cols - old_in;
        lp_col *cols = st_arena_alloc(c->arena, (size_t)(ch->n_cols + n_fn + 1) * sizeof *cols);
        if (!cols) return opt_nomem(err, "decorrelating a subquery");
        st_memcpy(cols, ch->cols, (size_t)ch->n_cols * sizeof *cols);
        st_memcpy(cols + ch->n_cols, n->cols + old_in, (size_t)n_fn * sizeof *cols);
        n->cols = cols;
        n->n_cols = ch->n_cols + n_fn;
        return ST_OK;
    }
    case LP_JOIN:
        return dep_join(j, n, depth);
    case LP_LIMIT:
        return unsupported(err, "with LIMIT below a correlation");
    default:
        return unsupported(err, "with a correlated reference in this clause");
    }
}

/* Collects the outer references of every expression in plan n. */
static bool outer_ref_one(lp_expr *e, void *ud)
{
    if (e->kind == LP_X_COL && e->outer) opt_colset_add(ud, e->col);
    return true;
}

static void collect_outer(const lp_node *n, opt_colset *s)
{
#define W(x) do { if (x) lp_expr_walk((x), outer_ref_one, s); } while (0)
    W(n->cond);
    W(n->residual);
    W(n->gen_arg);
    for (int i = 0; i < n->n_filters; i++) W(n->filters[i]);
    if (n->kind == LP_PROJECT)
        for (int i = 0; i < n->n_cols; i++) W(n->exprs[i]);
    if (n->kind == LP_VALUES)
        for (int64_t i = 0; i < n->n_rows * n->n_cols; i++) W(n->values[i]);
    for (int i = 0; i < n->n_groups; i++) W(n->groups[i]);
    for (int a = 0; a < n->n_aggs; a++) {
        for (int i = 0; i < n->aggs[a].n_args; i++) W(n->aggs[a].args[i]);
        W(n->aggs[a].filter);
    }
    for (int i = 0; i < n->n_keys; i++) W(n->keys[i].expr);
    for (int i = 0; i < n->n_partition; i++) W(n->partition[i]);
    for (int f = 0; f < n->n_winfns; f++)
        for (int i = 0; i < n->winfns[f].n_args; i++) W(n->winfns[f].args[i]);
#undef W
    for (int i = 0; i < n->n_child; i++) collect_outer(n->child[i], s);
}

/* Sets up D for the subquery plan: its columns, the substitution, the
** join conditions input.a <=> D.a (into conds). */
static st_status dj_init(dj_ctx *j, dc_ctx *d, const lp_node *plan, dc_list *conds)
{
    lp_ctx *c = d->c;
    opt_colset outer;
    st_status rc = opt_colset_init(c, &outer, d->err);
    if (rc != ST_OK) return rc;
    collect_outer(plan, &outer);
    memset(j, 0, sizeof *j);
    j->d = d;
    int n = d->input->n_cols;
    j->from = st_arena_alloc(c->arena, (size_t)(n + 1) * sizeof *j->from);
    j->dcols = st_arena_alloc(c->arena, (size_t)(n + 1) * sizeof *j->dcols);
    lp_expr **exprs = st_arena_alloc(c->arena, (size_t)(n + 1) * sizeof *exprs);
    if (!j->from || !j->dcols || !exprs) return opt_nomem(d->err, "decorrelating a subquery");
    for (int w = 0; w < outer.n_words; w++)
        for (int b = 0; b < 64; b++) {
            lp_colid id = (lp_colid)(w * 64 + b);
            if (!opt_colset_has(&outer, id)) continue;
            if (!opt_colset_has(&d->outer_cols, id) || lp_find_col(d->input, id) < 0)
                return unsupported(d->err, "referencing a query two levels out");
        }
    lp_colid *map = NULL;
    lp_node *copy = opt_copy_plan(c, d->input, true, &map);
    if (!copy) return opt_nomem(d->err, "decorrelating a subquery");
    for (int i = 0; i < n; i++) {
        const lp_col *ic = &d->input->cols[i];
        if (!opt_colset_has(&outer, ic->id)) continue;
        lp_col src = *ic;
        src.id = map[ic->id] >= 0 ? map[ic->id] : ic->id;
        j->from[j->k] = ic->id;
        j->dcols[j->k] = *ic;
        j->dcols[j->k].id = lp_ctx_new_col(c);
        j->dcols[j->k].name = "dom";
        lp_expr *in = lp_expr_col(c, ic), *dv = lp_expr_col(c, &j->dcols[j->k]), *eq = NULL;
        if (!(exprs[j->k] = lp_expr_col(c, &src)) || !in || !dv)
            return opt_nomem(d->err, "decorrelating a subquery");
        lp_expr *args[2] = {in, dv};
        if ((rc = opt_make_call(c, "<=>", args, 2, &eq, d->err)) != ST_OK) return rc;
        if ((rc = opt_push_expr(c, &conds->e, &conds->n, eq, d->err)) != ST_OK) return rc;
        j->k++;
    }
    lp_node *p = lp_node_new(c, LP_PROJECT, -1), *dist = lp_node_new(c, LP_DISTINCT, -1);
    if (!p || !dist) return opt_nomem(d->err, "decorrelating a subquery");
    p->child[0] = copy;
    p->n_child = 1;
    p->exprs = exprs;
    p->cols = j->dcols;
    p->n_cols = j->k;
    dist->child[0] = p;
    dist->n_child = 1;
    dist->cols = j->dcols;
    dist->n_cols = j->k;
    j->dom = dist;
    return ST_OK;
}

static st_status dj_quantified(dc_ctx *d, lp_expr *sq, bool where_mode, lp_expr **repl)
{
    bool is_exists = sq->subq_kind == LP_SUBQ_EXISTS;
    lp_node *plan = is_exists ? strip_projects(sq->subq) : sq->subq;
    dj_ctx j;
    dc_list conds = {NULL, 0};
    st_status rc = dj_init(&j, d, plan, &conds);
    if (rc == ST_OK) rc = dep(&j, &plan, d->depth);
    if (rc != ST_OK) return rc;
    return finish_quantified(d, sq, where_mode, plan, conds, repl);
}

static st_status dj_scalar(dc_ctx *d, lp_expr *sq, lp_expr **repl)
{
    lp_ctx *c = d->c;
    lp_node *plan = sq->subq;
    lp_col value = plan->cols[0];
    value.nullable = true;
    dj_ctx j;
    dc_list conds = {NULL, 0};
    st_status rc = dj_init(&j, d, plan, &conds);
    if (rc != ST_OK) return rc;
    lp_node *proj = plan->kind == LP_PROJECT ? plan : NULL;
    lp_node *agg = proj ? proj->child[0] : plan;
    if (agg->kind == LP_AGGREGATE && agg->n_groups == 0 && agg->n_sets == 0) {
        /* One row per D value: group by D, LEFT join back, count of a
        ** missing group read as 0 (scalar_agg_value). */
        if ((rc = dep(&j, &agg->child[0], d->depth)) != ST_OK) return rc;
        for (int a = 0; a < agg->n_aggs; a++) {
            dj_subst_all(&j, agg->aggs[a].args, agg->aggs[a].n_args);
            if (agg->aggs[a].filter) dj_subst(&j, agg->aggs[a].filter);
        }
        if (!(agg->groups = dj_append_refs(&j, NULL, 0)))
            return opt_nomem(d->err, "decorrelating a subquery");
        if ((rc = dj_add_cols(&j, agg, 0)) != ST_OK) return rc;
        agg->n_groups = j.k;
        lp_node *jn = opt_make_join(c, LP_JOIN_LEFT, d->input, agg, lp_and(c, conds.e, conds.n));
        if (!jn || !jn->cond) return opt_nomem(d->err, "decorrelating a subquery");
        d->input = jn;
        return scalar_agg_value(d, proj, agg, j.k, repl);
    }
    if ((rc = dep(&j, &plan, d->depth)) != ST_OK) return rc;
    lp_node *jn = opt_make_join(c, LP_JOIN_SINGLE, d->input, plan, lp_and(c, conds.e, conds.n));
    if (!jn || !jn->cond) return opt_nomem(d->err, "decorrelating a subquery");
    d->input = jn;
    *repl = lp_expr_col(c, &value);
    return *repl ? ST_OK : opt_nomem(d->err, "decorrelating a subquery");
}

/* The rules first; a correlated shape they do not take goes to the
** dependent join, on a copy of the subquery taken before the rules touched
** it. */
static st_status make_quantified(dc_ctx *d, lp_expr *sq, bool where_mode, lp_expr **repl)
{
    if (!tree_has_outer(sq->subq)) return build_quantified(d, sq, where_mode, repl);
    lp_node *backup = opt_copy_plan(d->c, sq->subq, false, NULL);
    if (!backup) return opt_nomem(d->err, "decorrelating a subquery");
    st_status rc = build_quantified(d, sq, where_mode, repl);
    if (rc != ST_ERR_UNSUPPORTED) return rc;
    sq->subq = backup;
    st_error_init(d->err);
    return dj_quantified(d, sq, where_mode, repl);
}

static st_status make_scalar(dc_ctx *d, lp_expr *sq, lp_expr **repl)
{
    if (!tree_has_outer(sq->subq)) return build_scalar(d, sq, repl);
    lp_node *backup = opt_copy_plan(d->c, sq->subq, false, NULL);
    if (!backup) return opt_nomem(d->err, "decorrelating a subquery");
    st_status rc = build_scalar(d, sq, repl);
    if (rc != ST_ERR_UNSUPPORTED) return rc;
    sq->subq = backup;
    st_error_init(d->err);
    return dj_scalar(d, sq, repl);
}

/* Replaces the subqueries inside e (a copy is returned in *out). */
static st_status replace(dc_ctx *d, lp_expr *e, lp_expr **out)
{
    st_status rc;
    if (e->kind == LP_X_SUBQUERY) {
        if ((rc = dc_node(d->c, &e->subq, d->depth + 1, d->err)) != ST_OK) return rc;
        if (e->n_args > 0) {
            lp_expr *a0;
            if ((rc = replace(d, e->args[0], &a0)) != ST_OK) return rc;
            e->args[0] = a0;
        }
        if (e->subq_kind == LP_SUBQ_SCALAR) return make_scalar(d, e, out);
        return make_quantified(d, e, false, out);
    }
    if (!opt_expr_has_subquery(e)) {
        *out = e;
        return ST_OK;
    }
    lp_expr *x = st_arena_alloc(d->c->arena, sizeof *x);
    if (!x) return opt_nomem(d->err, "decorrelating a subquery");
    *x = *e;
    x->args = st_arena_alloc(d->c->arena, (size_t)e->n_args * sizeof *x->args);
    if (!x->args) return opt_nomem(d->err, "decorrelating a subquery");
    for (int i = 0; i < e->n_args; i++)
        if ((rc = replace(d, e->args[i], &x->args[i])) != ST_OK) return rc;
    *out = x;
    return ST_OK;
}

/* A WHERE conjunct that is a subquery on its own (NOT folded into negated). */
static lp_expr *lone_subquery(lp_expr *e, bool *negate)
{
    *negate = false;
    if (e->kind == LP_X_NOT && e->args[0]->kind == LP_X_SUBQUERY) {
        *negate = true;
        e = e->args[0];
    }
    if (e->kind != LP_X_SUBQUERY || e->subq_kind == LP_SUBQ_SCALAR) return NULL;
    return e;
}

static st_status dc_init(lp_ctx *c, lp_node *input, int depth, dc_ctx *d, st_error *err)
{
    d->c = c;
    d->input = input;
    d->depth = depth;
    d->err = err;
    return opt_colset_of_node(c, input, &d->outer_cols, err);
}

/* FILTER holding subqueries: joins under it, a PROJECT restoring its columns. */
static st_status dc_filter(lp_ctx *c, lp_node **np, int depth, st_error *err)
{
    lp_node *n = *np;
    dc_ctx d;
    st_status rc = dc_init(c, n->child[0], depth, &d, err);
    if (rc != ST_OK) return rc;
    dc_list conj = {NULL, 0}, keep = {NULL, 0};
    if ((rc = lp_conjuncts(c, n->cond, &conj.e, &conj.n, err)) != ST_OK) return rc;
    for (int i = 0; i < conj.n; i++) {
        lp_expr *e = conj.e[i], *r = NULL;
        bool negate;
        lp_expr *sq = lone_subquery(e, &negate);
        if (sq) {
            lp_expr tmp = *sq;
            tmp.negated = sq->negated != negate;
            if ((rc = dc_node(c, &sq->subq, depth + 1, err)) != ST_OK) return rc;
            tmp.subq = sq->subq;
            if (tmp.n_args > 0 && opt_expr_has_subquery(tmp.args[0]))
                return unsupported(err, "with a subquery as the IN operand");
            if ((rc = make_quantified(&d, &tmp, true, &r)) != ST_OK) return rc;
        } else if ((rc = replace(&d, e, &r)) != ST_OK) {
            return rc;
        }
        if (r && (rc = opt_push_expr(c, &keep.e, &keep.n, r, err)) != ST_OK) return rc;
    }
    lp_node *top = d.input;
    if (keep.n > 0 && !(top = opt_make_filter(c, top, keep.e, keep.n)))
        return opt_nomem(err, "decorrelating a subquery");
    bool same = top->n_cols == n->n_cols;
    for (int i = 0; same && i < n->n_cols; i++) same = top->cols[i].id == n->cols[i].id;
    if (!same && !(top = opt_make_identity(c, top, n->cols, n->n_cols)))
        return opt_nomem(err, "decorrelating a subquery");
    *np = top;
    return ST_OK;
}

static st_status dc_project(lp_ctx *c, lp_node *n, int depth, st_error *err)
{
    dc_ctx d;
    st_status rc = dc_init(c, n->child[0], depth, &d, err);
    if (rc != ST_OK) return rc;
    for (int i = 0; i < n->n_cols; i++)
        if ((rc = replace(&d, n->exprs[i], &n->exprs[i])) != ST_OK) return rc;
    n->child[0] = d.input;
    return ST_OK;
}

static st_status dc_node(lp_ctx *c, lp_node **np, int depth, st_error *err)
{
    if (depth > 10000) return st_error_set(err, ST_ERR_LIMIT, "plan nested too deeply");
    lp_node *n = *np;
    for (int i = 0; i < n->n_child; i++) {
        st_status rc = dc_node(c, &n->child[i], depth + 1, err);
        if (rc != ST_OK) return rc;
    }
    if (!opt_node_any_expr(n, opt_expr_has_subquery)) return ST_OK;
    if (n->kind == LP_FILTER) return dc_filter(c, np, depth, err);
    if (n->kind == LP_PROJECT) return dc_project(c, n, depth, err);
    return st_error_set(err, ST_ERR_UNSUPPORTED,
                        "a subquery is only supported in WHERE, HAVING and the select list");
}

st_status opt_decorrelate(lp_ctx *c, lp_node **root, st_error *err)
{
    return dc_node(c, root, 0, err);
}
