/* opt_semi.c -- semi-join placement (opt.h stages 4b and 5b): two rewrites
** that make a small key set filter a large input before the expensive work
** on it happens.
**
** Pushdown (before join ordering): a SEMI or ANTI join whose condition
** reads left columns of only one input of an INNER/CROSS join below it (or
** of the preserved input of a LEFT join) moves down into that input, through
** FILTERs and column-renaming PROJECTs, as far as it goes. Both joins only
** drop left rows by a test on the row's own columns, so the result is the
** same; join ordering then sees the reduced input (TPC-H Q18: the 64 large
** orders are found before 6M lineitem rows meet 1.5M orders). It moves
** into an input only when its own right input is estimated at under a
** quarter of that input: a large semi join stays above the joins that may
** shrink its probe side first (Q21's EXISTS over all of lineitem).
**
** Reduction (after join ordering, "magic sets"): a join that drops the rows
** of one input A without a match (INNER, SEMI, the non-preserved side of
** LEFT/RIGHT) where A is a grouped aggregate (through PROJECT and FILTER)
** and some join keys are its group columns: the aggregate's input gets a
** SEMI join with a copy of the other input B on those keys, so groups that
** cannot match are never built (Q17, Q20: 200k / 543k groups become a few
** thousand); the new join then moves down the aggregate's input as a pushed
** semi join would. Only whole groups go, so the aggregate's surviving rows are
** unchanged. The copy is of B, or when B reads more than a quarter of the
** rows the aggregate's input reads, of the input below B that produces its
** key columns (a superset of B's keys: Q2's filtered part instead of all of
** partsupp joined to it); it must be deterministic, without LIMIT or
** window. The new join is marked `reducer`: it is redundant (the join above
** drops the same rows), so the executor stops probing it once it sees that
** it keeps most rows. */
#include <string.h>

#include "opt_int.h"

#define SEMI_MAX_DEPTH 10000

/* ---- helpers ---------------------------------------------------------------- */

/* Copy of e with its (non-outer) column ids mapped through map (ids beyond
** n_map or mapped to -1 stay). */
static bool remap_one(lp_expr *e, void *ud)
{
    const lp_colid *const *m = ud;
    const lp_colid *map = m[0];
    lp_colid n_map = (lp_colid)(intptr_t)m[1];
    if (e->kind == LP_X_COL && !e->outer && e->col >= 0 && e->col < n_map && map[e->col] >= 0)
        e->col = map[e->col];
    return true;
}

static lp_expr *remap(lp_ctx *c, const lp_expr *e, const lp_colid *map, lp_colid n_map)
{
    lp_expr *x = lp_expr_copy(c, e);
    if (!x) return NULL;
    const lp_colid *ud[2] = {map, (const lp_colid *)(intptr_t)n_map};
    lp_expr_walk(x, remap_one, (void *)ud);
    return x;
}

/* ---- pushdown ------------------------------------------------------------------- */

/* Pushes the SEMI/ANTI join s (its left input already detached) into n,
** whose output holds every left column s's condition reads; returns the
** node that replaces n. */
static lp_node *push_into(lp_ctx *c, lp_node *n, lp_node *s, int depth, st_error *err,
                          st_status *rc);

/* Whether the columns s's condition reads from its left side are all among
** n's output (the right side's columns are excluded via rs). */
static bool cond_within(lp_ctx *c, const lp_node *s, const opt_colset *rs, const lp_node *n,
                        st_error *err)
{
    opt_colset ns;
    if (opt_colset_of_node(c, n, &ns, err) != ST_OK) return false;
    for (int w = 0; w < rs->n_words && w < ns.n_words; w++) ns.w[w] |= rs->w[w];
    return opt_expr_within(s->cond, &ns);
}

static lp_node *push_into(lp_ctx *c, lp_node *n, lp_node *s, int depth, st_error *err,
                          st_status *rc)
{
    opt_colset rs;
    if (depth < SEMI_MAX_DEPTH && (*rc = opt_colset_of_node(c, s->child[1], &rs, err)) == ST_OK) {
        if (n->kind == LP_FILTER) {
            n->child[0] = push_into(c, n->child[0], s, depth + 1, err, rc);
            return n;
        }
        if (n->kind == LP_PROJECT) {
            /* Through a PROJECT when every column the condition reads is a
            ** plain column reference there (renamed through the copy). */
            lp_colid *from = st_arena_alloc(c->arena, (size_t)n->n_cols * sizeof *from);
            lp_expr **to = st_arena_alloc(c->arena, (size_t)n->n_cols * sizeof *to);
            opt_colset used;
            if (!from || !to || opt_colset_init(c, &used, err) != ST_OK) {
                *rc = opt_nomem(err, "pushing a semi join");
                return n;
            }
            opt_colset_add_expr(&used, s->cond, false);
            int m = 0;
            bool ok = true;
            for (int i = 0; i < n->n_cols; i++) {
                if (!opt_colset_has(&used, n->cols[i].id)) continue;
                if (n->exprs[i]->kind != LP_X_COL || n->exprs[i]->outer) ok = false;
                from[m] = n->cols[i].id;
                to[m++] = n->exprs[i];
            }
            if (ok) {
                lp_expr *cond = opt_expr_subst(c, s->cond, from, to, m);
                if (!cond) {
                    *rc = opt_nomem(err, "pushing a semi join");
                    return n;
                }
                s->cond = cond;
                n->child[0] = push_into(c, n->child[0], s, depth + 1, err, rc);
                return n;
            }
        } else if (n->kind == LP_JOIN && (n->join == LP_JOIN_INNER || n->join == LP_JOIN_LEFT)) {
            double re = opt_estimate(c, s->child[1]);
            for (int side = 0; side < (n->join == LP_JOIN_INNER ? 2 : 1); side++)
                if (cond_within(c, s, &rs, n->child[side], err) &&
                    re * 4 <= opt_estimate(c, n->child[side])) {
                    n->child[side] = push_into(c, n->child[side], s, depth + 1, err, rc);
                    return n;
                }
        }
    }
    /* It stops here: s over n. */
    s->child[0] = n;
    st_status r = opt_join_set_cols(c, s, err);
    if (r != ST_OK) *rc = r;
    return s;
}

static st_status pushdown_rec(lp_ctx *c, lp_node **np, int depth, st_error *err)
{
    if (depth > SEMI_MAX_DEPTH) return st_error_set(err, ST_ERR_LIMIT, "plan nested too deeply");
    lp_node *n = *np;
    for (int i = 0; i < n->n_child; i++) {
        st_status rc = pushdown_rec(c, &n->child[i], depth + 1, err);
        if (rc != ST_OK) return rc;
    }
    if (n->kind != LP_JOIN || (n->join != LP_JOIN_SEMI && n->join != LP_JOIN_ANTI) || !n->cond ||
        !opt_expr_deterministic(n->cond) || opt_expr_has_outer(n->cond) ||
        opt_expr_has_subquery(n->cond))
        return ST_OK;
    lp_node *l = n->child[0];
    lp_node *below = l;
    while (below->kind == LP_FILTER || below->kind == LP_PROJECT) below = below->child[0];
    if (below->kind != LP_JOIN || (below->join != LP_JOIN_INNER && below->join != LP_JOIN_LEFT))
        return ST_OK;
    /* The semi join's own output columns are its left input's: whatever
    ** pushes it down keeps the columns above unchanged. */
    st_status rc = ST_OK;
    lp_node *top = push_into(c, l, n, depth + 1, err, &rc);
    if (rc != ST_OK) return rc;
    if (top != n) {
        *np = top;
        return opt_join_keys_node(c, n, err);
    }
    return ST_OK;
}

st_status opt_semi_pushdown(lp_ctx *c, lp_node **root, st_error *err)
{
    return pushdown_rec(c, root, 0, err);
}

/* ---- reduction ----------------------------------------------------------------- */

/* Rows the scans under n read (their sources' estimates). */
static double scan_rows(const lp_node *n, int depth)
{
    if (depth > SEMI_MAX_DEPTH) return 0;
    double r = 0;
    if (n->kind == LP_SCAN) r = n->source && n->source->est_rows >= 0 ? n->source->est_rows : 1000;
    for (int i = 0; i < n->n_child; i++) r += scan_rows(n->child[i], depth + 1);
    return r;
}

/* Follows column id of n down through PROJECT (plain references) and
** FILTER to a grouped aggregate; returns it with *g = the group index the
** column is, or NULL. */
static lp_node *group_origin(lp_node *n, lp_colid id, int *g)
{
    for (int depth = 0; depth < SEMI_MAX_DEPTH; depth++) {
        int i = lp_find_col(n, id);
        if (i < 0) return NULL;
        switch (n->kind) {
        case LP_PROJECT:
            if (n->exprs[i]->kind != LP_X_COL || n->exprs[i]->outer) return NULL;
            id = n->exprs[i]->col;
            n = n->child[0];
            break;
        case LP_FILTER:
            n = n->child[0];
            break;
        case LP_AGGREGATE:
            if (n->n_sets > 0 || i >= n->n_groups) return NULL;
            *g = i;
            return n;
        default:
            return NULL;
        }
    }
    return NULL;
}

/* Steps S (an input whose rows carry the keys keys[0..n)) down to the
** input below it that produces those key columns: the keys found there are
** a superset of S's, which is all a redundant semi join needs. Through
** FILTER (dropped), PROJECT (plain references, keys rewritten), INNER joins
** and the side of SEMI/ANTI/LEFT/RIGHT joins whose rows come out. False
** when S cannot go down. */
static bool descend(lp_ctx *c, lp_node **S, lp_expr **keys, int n, st_error *err)
{
    lp_node *s = *S;
    opt_colset used;
    if (opt_colset_init(c, &used, err) != ST_OK) return false;
    for (int k = 0; k < n; k++) opt_colset_add_expr(&used, keys[k], false);
    switch (s->kind) {
    case LP_FILTER:
        *S = s->child[0];
        return true;
    case LP_PROJECT: {
        lp_colid *from = st_arena_alloc(c->arena, (size_t)s->n_cols * sizeof *from);
        lp_expr **to = st_arena_alloc(c->arena, (size_t)s->n_cols * sizeof *to);
        if (!from || !to) return false;
        int m = 0;
        for (int i = 0; i < s->n_cols; i++) {
            if (!opt_colset_has(&used, s->cols[i].id)) continue;
            if (s->exprs[i]->kind != LP_X_COL || s->exprs[i]->outer) return false;
            from[m] = s->cols[i].id;
            to[m++] = s->exprs[i];
        }
        for (int k = 0; k < n; k++)
            if (!(keys[k] = opt_expr_subst(c, keys[k], from, to, m))) return false;
        *S = s->child[0];
        return true;
    }
    case LP_JOIN: {
        bool side_ok[2] = {false, false};
        switch (s->join) {
        case LP_JOIN_INNER: side_ok[0] = side_ok[1] = true; break;
        case LP_JOIN_SEMI: case LP_JOIN_ANTI: case LP_JOIN_LEFT: side_ok[0] = true; break;
        case LP_JOIN_RIGHT_SEMI: case LP_JOIN_RIGHT_ANTI: case LP_JOIN_RIGHT: side_ok[1] = true; break;
        default: break;
        }
        for (int side = 0; side < 2; side++) {
            opt_colset cs;
            if (!side_ok[side] || opt_colset_of_node(c, s->child[side], &cs, err) != ST_OK)
                continue;
            bool all = true;
            for (int k = 0; k < n && all; k++) all = opt_expr_within(keys[k], &cs);
            if (all) {
                *S = s->child[side];
                return true;
            }
        }
        return false;
    }
    default:
        return false;
    }
}

/* Adds a reducing SEMI join under the aggregate behind input `side` of
** join j when the rules in the header allow it. The semi join's other
** input is a copy of the other join input B or, when B reads too much, of
** the input below B that produces its key columns (descend). */
static st_status reduce_side(lp_ctx *c, lp_node *j, int side, st_error *err)
{
    lp_expr **ak = side == 0 ? j->left_keys : j->right_keys;
    lp_expr **bk = side == 0 ? j->right_keys : j->left_keys;
    lp_node *agg = NULL;
    int *gi = st_arena_alloc(c->arena, (size_t)j->n_join_keys * sizeof *gi);
    lp_expr **sk = st_arena_alloc(c->arena, (size_t)j->n_join_keys * sizeof *sk);
    if (!gi || !sk) return opt_nomem(err, "reducing an aggregate");
    int n_pairs = 0;
    for (int k = 0; k < j->n_join_keys; k++) {
        gi[k] = -1;
        const lp_expr *a = ak[k];
        if (j->null_eq && j->null_eq[k]) continue;
        while (a->kind == LP_X_CAST) a = a->args[0];
        if (a->kind != LP_X_COL || a->outer) continue;
        int g;
        lp_node *o = group_origin(j->child[side], a->col, &g);
        if (!o || (agg && o != agg)) continue;
        agg = o;
        gi[k] = g;
        sk[n_pairs++] = bk[k];
    }
    if (!agg || n_pairs == 0) return ST_OK;
    lp_node *in = agg->child[0];
    if (in->kind == LP_JOIN && in->reducer) return ST_OK;       /* already reduced */
    double budget = scan_rows(in, 0);
    lp_node *S = j->child[1 - side];
    for (int steps = 0; scan_rows(S, 0) * 4 > budget; steps++)
        if (steps > SEMI_MAX_DEPTH || !descend(c, &S, sk, n_pairs, err)) return ST_OK;
    if (!opt_plan_repeatable(S, 0)) return ST_OK;

    lp_colid n_map = c->next_col;
    lp_colid *map = NULL;
    lp_node *copy = opt_copy_plan(c, S, true, &map);
    if (!copy) return opt_nomem(err, "reducing an aggregate");
    lp_expr **eqs = st_arena_alloc(c->arena, (size_t)n_pairs * sizeof *eqs);
    if (!eqs) return opt_nomem(err, "reducing an aggregate");
    int m = 0;
    for (int k = 0; k < j->n_join_keys; k++) {
        if (gi[k] < 0) continue;
        lp_expr *args[2];
        args[0] = lp_expr_copy(c, agg->groups[gi[k]]);
        args[1] = remap(c, sk[m], map, n_map);
        if (!args[0] || !args[1]) return opt_nomem(err, "reducing an aggregate");
        if (ak[k]->kind == LP_X_CAST) args[0] = opt_make_cast(c, args[0], &ak[k]->type);
        if (!args[0]) return opt_nomem(err, "reducing an aggregate");
        st_status rc = opt_make_call(c, "=", args, 2, &eqs[m++], err);
        if (rc != ST_OK) return rc;
    }
    lp_node *semi = opt_make_join(c, LP_JOIN_SEMI, in, copy, lp_and(c, eqs, m));
    if (!semi) return opt_nomem(err, "reducing an aggregate");
    semi->reducer = true;
    semi->pos = agg->pos;
    st_status rc = opt_join_keys_node(c, semi, err);
    if (rc != ST_OK) return rc;
    if (semi->n_join_keys == 0) return ST_OK;      /* keys of no common type: leave it */
    /* As far down the aggregate's input as it goes (pushdown's rules). */
    lp_node *top = push_into(c, in, semi, 0, err, &rc);
    if (rc != ST_OK) return rc;
    if ((rc = opt_join_keys_node(c, semi, err)) != ST_OK) return rc;
    agg->child[0] = top;
    opt_estimate(c, top);
    return ST_OK;
}

static st_status reduce_rec(lp_ctx *c, lp_node *n, int depth, st_error *err)
{
    if (depth > SEMI_MAX_DEPTH) return st_error_set(err, ST_ERR_LIMIT, "plan nested too deeply");
    for (int i = 0; i < n->n_child; i++) {
        st_status rc = reduce_rec(c, n->child[i], depth + 1, err);
        if (rc != ST_OK) return rc;
    }
    if (n->kind != LP_JOIN || n->n_join_keys == 0) return ST_OK;
    /* The inputs whose unmatched rows the join drops. */
    bool drops[2] = {false, false};
    switch (n->join) {
    case LP_JOIN_INNER: drops[0] = drops[1] = true; break;
    case LP_JOIN_SEMI: drops[0] = true; break;
    case LP_JOIN_RIGHT_SEMI: drops[1] = true; break;
    case LP_JOIN_LEFT: drops[1] = true; break;
    case LP_JOIN_RIGHT: drops[0] = true; break;
    default: break;
    }
    for (int side = 0; side < 2; side++) {
        if (!drops[side]) continue;
        st_status rc = reduce_side(c, n, side, err);
        if (rc != ST_OK) return rc;
    }
    return ST_OK;
}

st_status opt_semi_reduce(lp_ctx *c, lp_node **root, st_error *err)
{
    return reduce_rec(c, *root, 0, err);
}
