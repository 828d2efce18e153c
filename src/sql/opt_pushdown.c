/* opt_pushdown.c -- predicate pushdown (opt.h stage 3). One recursive pass
** carries the conjuncts that must hold above a node down as far as each may
** go and re-creates a FILTER where it stops:
**   PROJECT    columns replaced by the projected (deterministic) expressions,
**              except expensive ones (model inference), which stay computed once;
**   JOIN       INNER/CROSS: one-sided conjuncts go to their side, the rest
**              become the join condition (CROSS turns INNER); LEFT/RIGHT:
**              only to the preserved side, and a null-rejecting conjunct
**              over the nullable side first turns the join INNER (FULL:
**              LEFT/RIGHT); the ON condition's conjuncts over the
**              non-preserved side move into it; SEMI/ANTI/MARK/SINGLE:
**              conjuncts over the left columns go left;
**   AGGREGATE  conjuncts over group columns only (plain GROUP BY);
**   SORT, DISTINCT always; WINDOW over partition columns only; set
**              operations into both inputs (columns mapped by position);
**   SCAN       a FILTER stays above it and the simple conjuncts (column op
**              constant, IS [NOT] NULL, IN lists) are copied into filters
**              as pruning hints.
** Nondeterministic conjuncts and ones holding a subquery never move. */
#include <string.h>

#include "opt_int.h"

typedef struct pd_list {
    lp_expr **e;              /* arena */
    int       n;
} pd_list;

static st_status push(lp_ctx *c, lp_node *n, pd_list in, lp_node **out, int depth, st_error *err);

static st_status add(lp_ctx *c, pd_list *l, lp_expr *e, st_error *err)
{
    return opt_push_expr(c, &l->e, &l->n, e, err);
}

static bool movable(const lp_expr *e)
{
    return opt_expr_deterministic(e) && !opt_expr_has_outer(e);
}

/* Wraps n in a FILTER of the conjuncts in l (n itself when l is empty). */
static st_status wrap(lp_ctx *c, lp_node *n, pd_list l, lp_node **out, st_error *err)
{
    *out = opt_make_filter(c, n, l.e, l.n);
    return *out ? ST_OK : opt_nomem(err, "pushing down a filter");
}

/* Pushes nothing into n's children (each gets only what is already there). */
static st_status push_children(lp_ctx *c, lp_node *n, int depth, st_error *err)
{
    for (int i = 0; i < n->n_child; i++) {
        pd_list none = {NULL, 0};
        st_status rc = push(c, n->child[i], none, &n->child[i], depth + 1, err);
        if (rc != ST_OK) return rc;
    }
    return ST_OK;
}

/* ---- null rejection ------------------------------------------------------- */

static bool strict_over(const lp_expr *e, const opt_colset *side)
{
    if (e->kind == LP_X_COL) return !e->outer && opt_colset_has(side, e->col);
    if (e->kind == LP_X_CAST) return strict_over(e->args[0], side);
    if (e->kind == LP_X_CALL && e->fn) {
        static const char *const strict[] = {"+", "-", "*", "/", "%", "div", "negative",
                                             "substring", "substr", "upper", "lower", "year",
                                             "month", "abs"};
        bool known = false;
        for (size_t i = 0; i < ST_ARRAY_LEN(strict); i++)
            if (strcmp(e->fn->name, strict[i]) == 0) known = true;
        if (!known) return false;
        for (int i = 0; i < e->n_args; i++)
            if (strict_over(e->args[i], side)) return true;
    }
    return false;
}

/* True when e is NULL or FALSE whenever every column of side is NULL. */
static bool null_rejecting(const lp_expr *e, const opt_colset *side)
{
    static const char *const cmps[] = {"=", "==", "<>", "!=", "<", "<=", ">", ">=", "like",
                                       "rlike", "startswith", "endswith", "contains"};
    if (e->kind == LP_X_CALL && e->fn) {
        for (size_t i = 0; i < ST_ARRAY_LEN(cmps); i++)
            if (strcmp(e->fn->name, cmps[i]) == 0) {
                for (int a = 0; a < e->n_args; a++)
                    if (strict_over(e->args[a], side)) return true;
                return false;
            }
        return false;
    }
    if (e->kind == LP_X_IS_NULL) return e->negated && strict_over(e->args[0], side);
    if (e->kind == LP_X_IN) return strict_over(e->args[0], side);
    if (e->kind == LP_X_AND) {
        for (int i = 0; i < e->n_args; i++)
            if (null_rejecting(e->args[i], side)) return true;
        return false;
    }
    if (e->kind == LP_X_OR) {
        for (int i = 0; i < e->n_args; i++)
            if (!null_rejecting(e->args[i], side)) return false;
        return true;
    }
    return false;
}

/* ---- scan hints ------------------------------------------------------------- */

static const char *mirror_op(const char *op)
{
    static const char *const pairs[][2] = {{"=", "="}, {"==", "=="}, {"<>", "<>"}, {"!=", "!="},
                                           {"<", ">"}, {">", "<"}, {"<=", ">="}, {">=", "<="},
                                           {"<=>", "<=>"}};
    for (size_t i = 0; i < ST_ARRAY_LEN(pairs); i++)
        if (strcmp(op, pairs[i][0]) == 0) return pairs[i][1];
    return NULL;
}

static bool is_col(const lp_expr *e) { return e->kind == LP_X_COL && !e->outer; }

/* The pruning hint for one conjunct over a scan, or NULL when it is not simple. */
static lp_expr *scan_hint(lp_ctx *c, lp_expr *e)
{
    if (e->kind == LP_X_CALL && e->fn && e->n_args == 2 && mirror_op(e->fn->name)) {
        lp_expr *a = e->args[0], *b = e->args[1];
        if (is_col(a) && b->kind == LP_X_CONST) return e;
        if (is_col(b) && a->kind == LP_X_CONST) {
            lp_expr *args[2] = {b, a}, *x = NULL;
            st_error err;
            st_error_init(&err);
            if (opt_make_call(c, mirror_op(e->fn->name), args, 2, &x, &err) != ST_OK) return NULL;
            return x;
        }
        return NULL;
    }
    if (e->kind == LP_X_IS_NULL && is_col(e->args[0])) return e;
    if (e->kind == LP_X_IN && !e->negated && is_col(e->args[0])) {
        for (int i = 1; i < e->n_args; i++)
            if (e->args[i]->kind != LP_X_CONST) return NULL;
        return e;
    }
    return NULL;
}

static st_status push_scan(lp_ctx *c, lp_node *n, pd_list in, lp_node **out, st_error *err)
{
    for (int i = 0; i < in.n; i++) {
        lp_expr *h = scan_hint(c, in.e[i]);
        if (!h) continue;
        bool dup = false;
        for (int k = 0; k < n->n_filters; k++)
            if (n->filters[k] == h || n->filters[k] == in.e[i]) dup = true;
        if (dup) continue;
        st_status rc = opt_push_expr(c, &n->filters, &n->n_filters, h, err);
        if (rc != ST_OK) return rc;
    }
    return wrap(c, n, in, out, err);
}

/* ---- OR factoring and implied one-sided predicates ------------------------- */

/* The text of e (column ids included): equal texts mean equal expressions. */
static char *expr_key(lp_ctx *c, const lp_expr *e)
{
    st_buf b;
    st_error err;
    st_buf_init(&b);
    st_error_init(&err);
    char *out = NULL;
    if (lp_expr_format(e, &b, &err) == ST_OK)
        out = st_arena_strndup(c->arena, (const char *)b.data, b.len);
    st_buf_destroy(&b);
    return out;
}

/* (A AND B) OR (A AND C) -> A AND (B OR C): appends the conjuncts of the
** rewritten e to out. Join keys hidden in every branch of an OR (TPC-H Q19)
** become visible this way. */
static st_status factor_or(lp_ctx *c, lp_expr *e, pd_list *out, st_error *err)
{
    if (e->kind != LP_X_OR || !movable(e)) return add(c, out, e, err);
    int nb = e->n_args;
    pd_list *br = st_arena_calloc(c->arena, (size_t)nb, sizeof *br);
    char ***keys = st_arena_calloc(c->arena, (size_t)nb, sizeof *keys);
    if (!br || !keys) return opt_nomem(err, "factoring a condition");
    st_status rc;
    for (int b = 0; b < nb; b++) {
        if ((rc = lp_conjuncts(c, e->args[b], &br[b].e, &br[b].n, err)) != ST_OK) return rc;
        keys[b] = st_arena_calloc(c->arena, (size_t)br[b].n + 1, sizeof *keys[b]);
        if (!keys[b]) return opt_nomem(err, "factoring a condition");
        for (int i = 0; i < br[b].n; i++)
            if (!(keys[b][i] = expr_key(c, br[b].e[i]))) return opt_nomem(err, "factoring a condition");
    }
    bool **common = st_arena_calloc(c->arena, (size_t)nb, sizeof *common);
    if (!common) return opt_nomem(err, "factoring a condition");
    for (int b = 0; b < nb; b++)
        if (!(common[b] = st_arena_calloc(c->arena, (size_t)br[b].n + 1, sizeof *common[b])))
            return opt_nomem(err, "factoring a condition");
    int n_common = 0;
    for (int i = 0; i < br[0].n; i++) {
        bool all = true;
        int *at = st_arena_alloc(c->arena, (size_t)nb * sizeof *at);
        if (!at) return opt_nomem(err, "factoring a condition");
        at[0] = i;
        for (int b = 1; b < nb && all; b++) {
            at[b] = -1;
            for (int k = 0; k < br[b].n && at[b] < 0; k++)
                if (!common[b][k] && strcmp(keys[0][i], keys[b][k]) == 0) at[b] = k;
            all = at[b] >= 0;
        }
        if (!all) continue;
        for (int b = 0; b < nb; b++) common[b][at[b]] = true;
        if ((rc = add(c, out, br[0].e[i], err)) != ST_OK) return rc;
        n_common++;
    }
    if (n_common == 0) return add(c, out, e, err);
    lp_expr **rest = st_arena_alloc(c->arena, (size_t)nb * sizeof *rest);
    if (!rest) return opt_nomem(err, "factoring a condition");
    for (int b = 0; b < nb; b++) {
        pd_list left = {NULL, 0};
        for (int i = 0; i < br[b].n; i++)
            if (!common[b][i] && (rc = add(c, &left, br[b].e[i], err)) != ST_OK) return rc;
        if (left.n == 0) return ST_OK;     /* that branch is just the common part */
        rest[b] = lp_and(c, left.e, left.n);
        if (!rest[b]) return opt_nomem(err, "factoring a condition");
    }
    lp_expr *or = lp_expr_new(c, LP_X_OR, e->pos);
    if (!or) return opt_nomem(err, "factoring a condition");
    *or = *e;
    or->args = rest;
    return add(c, out, or, err);
}

/* For an OR over both sides of a join: OR over the branches of each branch's
** conjuncts that only use side s, when every branch has one (implied by e,
** so it may filter s early while e stays where it is). NULL if none. */
static lp_expr *implied_for_side(lp_ctx *c, const lp_expr *e, const opt_colset *side)
{
    if (e->kind != LP_X_OR || !movable(e)) return NULL;
    lp_expr **parts = st_arena_alloc(c->arena, (size_t)e->n_args * sizeof *parts);
    if (!parts) return NULL;
    st_error err;
    st_error_init(&err);
    for (int b = 0; b < e->n_args; b++) {
        pd_list conj = {NULL, 0}, mine = {NULL, 0};
        if (lp_conjuncts(c, e->args[b], &conj.e, &conj.n, &err) != ST_OK) return NULL;
        for (int i = 0; i < conj.n; i++)
            if (opt_expr_within(conj.e[i], side) && opt_expr_touches(conj.e[i], side) &&
                add(c, &mine, conj.e[i], &err) != ST_OK)
                return NULL;
        if (mine.n == 0) return NULL;
        parts[b] = lp_and(c, mine.e, mine.n);
        if (!parts[b]) return NULL;
    }
    lp_expr *or = lp_expr_new(c, LP_X_OR, -1);
    if (!or) return NULL;
    or->type.id = VEC_BOOL;
    or->nullable = e->nullable;
    or->args = parts;
    or->n_args = e->n_args;
    return or;
}

/* Adds the implied one-sided parts of the ORs in l to left / right. */
static st_status add_implied(lp_ctx *c, pd_list l, const opt_colset *ls, const opt_colset *rs,
                             pd_list *left, pd_list *right, st_error *err)
{
    for (int i = 0; i < l.n; i++) {
        lp_expr *il = implied_for_side(c, l.e[i], ls), *ir = implied_for_side(c, l.e[i], rs);
        st_status rc;
        if (il && (rc = add(c, left, il, err)) != ST_OK) return rc;
        if (ir && (rc = add(c, right, ir, err)) != ST_OK) return rc;
    }
    return ST_OK;
}

/* ---- per-node rules ---------------------------------------------------------- */

static st_status push_project(lp_ctx *c, lp_node *n, pd_list in, lp_node **out, int depth,
                              st_error *err)
{
    pd_list down = {NULL, 0}, keep = {NULL, 0};
    lp_colid *from = st_arena_alloc(c->arena, (size_t)(n->n_cols + 1) * sizeof *from);
    if (!from) return opt_nomem(err, "pushing down a filter");
    bool *ok = st_arena_calloc(c->arena, (size_t)n->n_cols + 1, sizeof *ok);
    if (!ok) return opt_nomem(err, "pushing down a filter");
    for (int i = 0; i < n->n_cols; i++) {
        from[i] = n->cols[i].id;
        ok[i] = movable(n->exprs[i]) && !opt_expr_expensive(n->exprs[i]);
    }
    st_status rc = ST_OK;
    for (int k = 0; k < in.n && rc == ST_OK; k++) {
        lp_expr *e = in.e[k];
        bool can = movable(e);
        opt_colset used;
        if ((rc = opt_colset_init(c, &used, err)) != ST_OK) return rc;
        opt_colset_add_expr(&used, e, false);
        for (int i = 0; can && i < n->n_cols; i++)
            if (opt_colset_has(&used, from[i]) && !ok[i]) can = false;
        if (can) {
            lp_expr *s = opt_expr_subst(c, e, from, n->exprs, n->n_cols);
            if (!s) return opt_nomem(err, "pushing down a filter");
            rc = add(c, &down, s, err);
        } else {
            rc = add(c, &keep, e, err);
        }
    }
    if (rc != ST_OK) return rc;
    if ((rc = push(c, n->child[0], down, &n->child[0], depth + 1, err)) != ST_OK) return rc;
    return wrap(c, n, keep, out, err);
}

/* Splits the conjuncts of list l by side: left-only, right-only, both. */
static st_status split_sides(lp_ctx *c, pd_list l, const opt_colset *ls, const opt_colset *rs,
                             pd_list *left, pd_list *right, pd_list *both, st_error *err)
{
    st_status rc = ST_OK;
    for (int i = 0; i < l.n && rc == ST_OK; i++) {
        lp_expr *e = l.e[i];
        if (!movable(e)) rc = add(c, both, e, err);
        else if (opt_expr_within(e, ls)) rc = add(c, left, e, err);
        else if (opt_expr_within(e, rs)) rc = add(c, right, e, err);
        else rc = add(c, both, e, err);
    }
    return rc;
}

static st_status append(lp_ctx *c, pd_list *dst, pd_list src, st_error *err)
{
    for (int i = 0; i < src.n; i++) {
        st_status rc = add(c, dst, src.e[i], err);
        if (rc != ST_OK) return rc;
    }
    return ST_OK;
}

/* Outer joins whose NULL rows a WHERE conjunct rejects lose them. */
static void convert_outer(lp_node *n, pd_list in, const opt_colset *ls, const opt_colset *rs)
{
    for (int i = 0; i < in.n; i++) {
        if (!movable(in.e[i])) continue;
        bool rej_r = null_rejecting(in.e[i], rs), rej_l = null_rejecting(in.e[i], ls);
        if (n->join == LP_JOIN_LEFT && rej_r) n->join = LP_JOIN_INNER;
        else if (n->join == LP_JOIN_RIGHT && rej_l) n->join = LP_JOIN_INNER;
        else if (n->join == LP_JOIN_FULL && rej_r && rej_l) n->join = LP_JOIN_INNER;
        else if (n->join == LP_JOIN_FULL && rej_r) n->join = LP_JOIN_RIGHT;
        else if (n->join == LP_JOIN_FULL && rej_l) n->join = LP_JOIN_LEFT;
    }
}

/* Where the conjuncts around one join go. */
typedef struct pd_route {
    pd_list where_l, where_r, where_b;   /* WHERE conjuncts by the side they use */
    pd_list on_l, on_r, on_b, on;        /* ON conjuncts likewise (on: all) */
    pd_list down_l, down_r;              /* pushed into each input */
    pd_list cond;                        /* the join's new condition */
    pd_list keep;                        /* a FILTER above the join */
} pd_route;

static st_status route(lp_ctx *c, const lp_node *n, pd_route *r, pd_list in, st_error *err)
{
    st_status rc = ST_OK;
    r->cond = r->on_b;
    switch (n->join) {
    case LP_JOIN_INNER:
        r->down_l = r->where_l;
        r->down_r = r->where_r;
        if ((rc = append(c, &r->down_l, r->on_l, err)) != ST_OK) return rc;
        if ((rc = append(c, &r->down_r, r->on_r, err)) != ST_OK) return rc;
        for (int i = 0; i < r->where_b.n && rc == ST_OK; i++) {
            /* Nondeterministic WHERE conjuncts stay above the join. */
            pd_list *dst = movable(r->where_b.e[i]) ? &r->cond : &r->keep;
            rc = add(c, dst, r->where_b.e[i], err);
        }
        return rc;
    case LP_JOIN_LEFT:
    case LP_JOIN_SINGLE:
        r->down_l = r->where_l;
        r->down_r = r->on_r;
        r->keep = r->where_r;
        if ((rc = append(c, &r->keep, r->where_b, err)) != ST_OK) return rc;
        return append(c, &r->cond, r->on_l, err);
    case LP_JOIN_RIGHT:
        r->down_r = r->where_r;
        r->down_l = r->on_l;
        r->keep = r->where_l;
        if ((rc = append(c, &r->keep, r->where_b, err)) != ST_OK) return rc;
        return append(c, &r->cond, r->on_r, err);
    case LP_JOIN_SEMI:
    case LP_JOIN_ANTI:
    case LP_JOIN_MARK:
        /* Output = left columns (+ mark): WHERE conjuncts over the left go left;
        ** the ON condition's right-only conjuncts filter the right input for
        ** SEMI and plain ANTI (FALSE and NULL there mean the same: no match). */
        r->down_l = r->where_l;
        r->keep = r->where_r;   /* only the mark column can be here */
        if ((rc = append(c, &r->keep, r->where_b, err)) != ST_OK) return rc;
        rc = append(c, n->join == LP_JOIN_SEMI ? &r->down_l : &r->cond, r->on_l, err);
        if (rc != ST_OK) return rc;
        if (n->join != LP_JOIN_MARK && !n->null_aware) r->down_r = r->on_r;
        else rc = append(c, &r->cond, r->on_r, err);
        return rc;
    case LP_JOIN_FULL:
    case LP_JOIN_RIGHT_SEMI:   /* made after pushdown (join ordering); kept conservative */
    case LP_JOIN_RIGHT_ANTI:
        r->keep = in;
        r->cond = r->on;
        return ST_OK;
    }
    return ST_OK;
}

static st_status push_join(lp_ctx *c, lp_node *n, pd_list in, lp_node **out, int depth,
                           st_error *err)
{
    opt_colset ls, rs;
    st_status rc;
    if ((rc = opt_colset_of_node(c, n->child[0], &ls, err)) != ST_OK) return rc;
    if ((rc = opt_colset_of_node(c, n->child[1], &rs, err)) != ST_OK) return rc;
    convert_outer(n, in, &ls, &rs);
    if ((rc = opt_join_set_cols(c, n, err)) != ST_OK) return rc;

    pd_route r;
    memset(&r, 0, sizeof r);
    if ((rc = split_sides(c, in, &ls, &rs, &r.where_l, &r.where_r, &r.where_b, err)) != ST_OK)
        return rc;
    pd_list on_raw = {NULL, 0};
    if ((rc = lp_conjuncts(c, n->cond, &on_raw.e, &on_raw.n, err)) != ST_OK) return rc;
    for (int i = 0; i < on_raw.n; i++)
        if ((rc = factor_or(c, on_raw.e[i], &r.on, err)) != ST_OK) return rc;
    if ((rc = split_sides(c, r.on, &ls, &rs, &r.on_l, &r.on_r, &r.on_b, err)) != ST_OK) return rc;
    if ((rc = route(c, n, &r, in, err)) != ST_OK) return rc;
    if (n->join == LP_JOIN_INNER &&
        (rc = add_implied(c, r.cond, &ls, &rs, &r.down_l, &r.down_r, err)) != ST_OK)
        return rc;

    n->cond = lp_and(c, r.cond.e, r.cond.n);
    if (r.cond.n > 0 && !n->cond) return opt_nomem(err, "pushing down a filter");
    if ((rc = push(c, n->child[0], r.down_l, &n->child[0], depth + 1, err)) != ST_OK) return rc;
    if ((rc = push(c, n->child[1], r.down_r, &n->child[1], depth + 1, err)) != ST_OK) return rc;
    if ((rc = opt_join_set_cols(c, n, err)) != ST_OK) return rc;
    return wrap(c, n, r.keep, out, err);
}

static st_status push_aggregate(lp_ctx *c, lp_node *n, pd_list in, lp_node **out, int depth,
                                st_error *err)
{
    pd_list down = {NULL, 0}, keep = {NULL, 0};
    opt_colset groups;
    st_status rc = opt_colset_init(c, &groups, err);
    if (rc != ST_OK) return rc;
    lp_colid *from = st_arena_alloc(c->arena, (size_t)(n->n_groups + 1) * sizeof *from);
    if (!from) return opt_nomem(err, "pushing down a filter");
    bool groups_ok = n->n_sets == 0 && n->n_groups > 0;
    for (int g = 0; g < n->n_groups; g++) {
        from[g] = n->cols[g].id;
        opt_colset_add(&groups, from[g]);
        if (!movable(n->groups[g])) groups_ok = false;
    }
    for (int k = 0; k < in.n && rc == ST_OK; k++) {
        lp_expr *e = in.e[k];
        if (groups_ok && movable(e) && opt_expr_within(e, &groups)) {
            lp_expr *s = opt_expr_subst(c, e, from, n->groups, n->n_groups);
            if (!s) return opt_nomem(err, "pushing down a filter");
            rc = add(c, &down, s, err);
        } else {
            rc = add(c, &keep, e, err);
        }
    }
    if (rc != ST_OK) return rc;
    if ((rc = push(c, n->child[0], down, &n->child[0], depth + 1, err)) != ST_OK) return rc;
    return wrap(c, n, keep, out, err);
}

static st_status push_window(lp_ctx *c, lp_node *n, pd_list in, lp_node **out, int depth,
                             st_error *err)
{
    pd_list down = {NULL, 0}, keep = {NULL, 0};
    opt_colset part;
    st_status rc = opt_colset_init(c, &part, err);
    if (rc != ST_OK) return rc;
    for (int i = 0; i < n->n_partition; i++)
        if (is_col(n->partition[i])) opt_colset_add(&part, n->partition[i]->col);
    for (int k = 0; k < in.n && rc == ST_OK; k++) {
        bool can = movable(in.e[k]) && opt_expr_within(in.e[k], &part);
        rc = add(c, can ? &down : &keep, in.e[k], err);
    }
    if (rc != ST_OK) return rc;
    if ((rc = push(c, n->child[0], down, &n->child[0], depth + 1, err)) != ST_OK) return rc;
    return wrap(c, n, keep, out, err);
}

/* Passes every movable conjunct through n (SORT, DISTINCT). */
static st_status push_through(lp_ctx *c, lp_node *n, pd_list in, lp_node **out, int depth,
                              st_error *err)
{
    pd_list down = {NULL, 0}, keep = {NULL, 0};
    st_status rc = ST_OK;
    for (int k = 0; k < in.n && rc == ST_OK; k++)
        rc = add(c, movable(in.e[k]) ? &down : &keep, in.e[k], err);
    if (rc != ST_OK) return rc;
    if ((rc = push(c, n->child[0], down, &n->child[0], depth + 1, err)) != ST_OK) return rc;
    if ((rc = opt_pass_cols(c, n, err)) != ST_OK) return rc;
    return wrap(c, n, keep, out, err);
}

/* Into both inputs of a set operation (filters commute with UNION,
** INTERSECT and EXCEPT), output columns mapped to each input's by position. */
static st_status push_setop(lp_ctx *c, lp_node *n, pd_list in, lp_node **out, int depth,
                            st_error *err)
{
    pd_list down[2] = {{NULL, 0}, {NULL, 0}}, keep = {NULL, 0};
    st_status rc = ST_OK;
    lp_colid *from = st_arena_alloc(c->arena, (size_t)(n->n_cols + 1) * sizeof *from);
    lp_expr **to = st_arena_alloc(c->arena, (size_t)(n->n_cols + 1) * sizeof *to);
    if (!from || !to) return opt_nomem(err, "pushing down a filter");
    for (int i = 0; i < n->n_cols; i++) from[i] = n->cols[i].id;
    for (int k = 0; k < in.n && rc == ST_OK; k++) {
        if (!movable(in.e[k])) {
            rc = add(c, &keep, in.e[k], err);
            continue;
        }
        for (int side = 0; side < 2 && rc == ST_OK; side++) {
            const lp_node *ch = n->child[side];
            for (int i = 0; i < n->n_cols; i++)
                if (!(to[i] = lp_expr_col(c, &ch->cols[i]))) return opt_nomem(err, "pushing down a filter");
            lp_expr *e = opt_expr_subst(c, in.e[k], from, to, n->n_cols);
            if (!e) return opt_nomem(err, "pushing down a filter");
            rc = add(c, &down[side], e, err);
        }
    }
    if (rc != ST_OK) return rc;
    for (int side = 0; side < 2; side++)
        if ((rc = push(c, n->child[side], down[side], &n->child[side], depth + 1, err)) != ST_OK)
            return rc;
    return wrap(c, n, keep, out, err);
}

static st_status push(lp_ctx *c, lp_node *n, pd_list in, lp_node **out, int depth, st_error *err)
{
    if (depth > 10000) return st_error_set(err, ST_ERR_LIMIT, "plan nested too deeply");
    st_status rc;
    switch (n->kind) {
    case LP_FILTER: {
        pd_list all = in;
        bool keep_here = false;
        pd_list mine = {NULL, 0};
        if ((rc = lp_conjuncts(c, n->cond, &mine.e, &mine.n, err)) != ST_OK) return rc;
        for (int i = 0; i < mine.n; i++) {
            /* A filter holding a subquery or a nondeterministic conjunct
            ** stays as it is: nothing moves across it. */
            if (!movable(mine.e[i])) keep_here = true;
        }
        if (keep_here) {
            if ((rc = push(c, n->child[0], (pd_list){NULL, 0}, &n->child[0], depth + 1, err)))
                return rc;
            if ((rc = opt_pass_cols(c, n, err)) != ST_OK) return rc;
            return wrap(c, n, in, out, err);
        }
        for (int i = 0; i < mine.n; i++)
            if ((rc = factor_or(c, mine.e[i], &all, err)) != ST_OK) return rc;
        return push(c, n->child[0], all, out, depth + 1, err);
    }
    case LP_PROJECT: return push_project(c, n, in, out, depth, err);
    case LP_JOIN: return push_join(c, n, in, out, depth, err);
    case LP_AGGREGATE: return push_aggregate(c, n, in, out, depth, err);
    case LP_WINDOW: return push_window(c, n, in, out, depth, err);
    case LP_SORT:
    case LP_DISTINCT: return push_through(c, n, in, out, depth, err);
    case LP_SCAN: return push_scan(c, n, in, out, err);
    case LP_LIMIT:
        if ((rc = push_children(c, n, depth, err)) != ST_OK) return rc;
        if ((rc = opt_pass_cols(c, n, err)) != ST_OK) return rc;
        return wrap(c, n, in, out, err);
    case LP_SETOP: return push_setop(c, n, in, out, depth, err);
    case LP_VALUES:
    case LP_GENERATE:
        if ((rc = push_children(c, n, depth, err)) != ST_OK) return rc;
        return wrap(c, n, in, out, err);
    }
    return wrap(c, n, in, out, err);
}

st_status opt_pushdown(lp_ctx *c, lp_node **root, st_error *err)
{
    pd_list none = {NULL, 0};
    return push(c, *root, none, root, 0, err);
}
