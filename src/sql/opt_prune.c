/* opt_prune.c -- projection pruning (opt.h stage 6). One top-down pass
** carries the set of columns the parent needs: PROJECT keeps the exprs
** producing them, SCAN the fields (scan_fields shrink, pruning hints over
** dropped columns go), AGGREGATE the aggregates referenced (all groups),
** WINDOW the functions referenced; FILTER/SORT/LIMIT add what their own
** expressions use and mirror their input's columns; JOIN, GENERATE and
** MARK recompute their outputs from their inputs. DISTINCT and set
** operations need every input column (they compare whole rows). The
** root's columns are required as they are, so the result keeps them
** exactly. A node always keeps at least one column so row counts survive. */
#include <string.h>

#include "opt_int.h"

static st_status prune(lp_ctx *c, lp_node *n, const opt_colset *need, int depth, st_error *err);

static void add_all(opt_colset *s, lp_expr *const *es, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if (es[i]) opt_colset_add_expr(s, es[i], false);
}

static st_status need_all_of(lp_ctx *c, const lp_node *n, opt_colset *s, st_error *err)
{
    st_status rc = opt_colset_init(c, s, err);
    if (rc != ST_OK) return rc;
    for (int i = 0; i < n->n_cols; i++) opt_colset_add(s, n->cols[i].id);
    return ST_OK;
}

/* A copy of need plus the columns n's own expressions use. */
static st_status need_plus_own(lp_ctx *c, const lp_node *n, const opt_colset *need, opt_colset *s,
                               st_error *err)
{
    st_status rc = opt_colset_init(c, s, err);
    if (rc != ST_OK) return rc;
    memcpy(s->w, need->w, (size_t)ST_MIN(s->n_words, need->n_words) * sizeof *s->w);
    if (n->cond) opt_colset_add_expr(s, n->cond, false);
    if (n->residual) opt_colset_add_expr(s, n->residual, false);
    if (n->gen_arg) opt_colset_add_expr(s, n->gen_arg, false);
    add_all(s, n->left_keys, n->n_join_keys);
    add_all(s, n->right_keys, n->n_join_keys);
    for (int i = 0; i < n->n_keys; i++) opt_colset_add_expr(s, n->keys[i].expr, false);
    add_all(s, n->partition, n->n_partition);
    for (int j = 0; j < n->n_winfns; j++) add_all(s, n->winfns[j].args, n->winfns[j].n_args);
    return ST_OK;
}

static st_status prune_project(lp_ctx *c, lp_node *n, const opt_colset *need, int depth,
                               st_error *err)
{
    int k = 0;
    lp_col *cols = st_arena_alloc(c->arena, (size_t)(n->n_cols + 1) * sizeof *cols);
    lp_expr **exprs = st_arena_alloc(c->arena, (size_t)(n->n_cols + 1) * sizeof *exprs);
    if (!cols || !exprs) return opt_nomem(err, "pruning columns");
    for (int i = 0; i < n->n_cols; i++) {
        bool keep = opt_colset_has(need, n->cols[i].id);
        if (!keep) continue;
        cols[k] = n->cols[i];
        exprs[k] = n->exprs[i];
        k++;
    }
    n->cols = cols;
    n->exprs = exprs;
    n->n_cols = k;
    opt_colset s;
    st_status rc = opt_colset_init(c, &s, err);
    if (rc != ST_OK) return rc;
    add_all(&s, n->exprs, n->n_cols);
    return prune(c, n->child[0], &s, depth + 1, err);
}

static st_status prune_scan(lp_ctx *c, lp_node *n, const opt_colset *need, st_error *err)
{
    int k = 0;
    lp_col *cols = st_arena_alloc(c->arena, (size_t)(n->n_cols + 1) * sizeof *cols);
    int *fields = st_arena_alloc(c->arena, (size_t)(n->n_cols + 1) * sizeof *fields);
    if (!cols || !fields) return opt_nomem(err, "pruning columns");
    for (int i = 0; i < n->n_cols; i++) {
        bool keep = opt_colset_has(need, n->cols[i].id);
        /* A scan may end with no columns (count(*)): it still yields row counts,
        ** from footers / log stats without decoding. */
        if (!keep) continue;
        cols[k] = n->cols[i];
        fields[k] = n->scan_fields[i];
        k++;
    }
    n->cols = cols;
    n->scan_fields = fields;
    n->n_cols = k;
    lp_expr **filters = st_arena_alloc(c->arena, (size_t)(n->n_filters + 1) * sizeof *filters);
    if (!filters) return opt_nomem(err, "pruning columns");
    opt_colset have;
    st_status rc = opt_colset_of_node(c, n, &have, err);
    if (rc != ST_OK) return rc;
    int f = 0;
    for (int i = 0; i < n->n_filters; i++)
        if (opt_expr_within(n->filters[i], &have)) filters[f++] = n->filters[i];
    n->filters = filters;
    n->n_filters = f;
    return ST_OK;
}

static st_status prune_aggregate(lp_ctx *c, lp_node *n, const opt_colset *need, int depth,
                                 st_error *err)
{
    if (n->n_sets == 0) {
        int k = 0;
        lp_agg *aggs = st_arena_alloc(c->arena, (size_t)(n->n_aggs + 1) * sizeof *aggs);
        lp_col *cols = st_arena_alloc(c->arena, (size_t)(n->n_cols + 1) * sizeof *cols);
        if (!aggs || !cols) return opt_nomem(err, "pruning columns");
        st_memcpy(cols, n->cols, (size_t)n->n_groups * sizeof *cols);
        for (int j = 0; j < n->n_aggs; j++) {
            bool keep = opt_colset_has(need, n->aggs[j].out);
            if (!keep && k == 0 && n->n_groups == 0 && j == n->n_aggs - 1) keep = true;
            if (!keep) continue;
            int at = lp_find_col(n, n->aggs[j].out);
            if (at < 0) return st_error_set(err, ST_ERR_INTERNAL, "aggregate output #%d missing",
                                            (int)n->aggs[j].out);
            cols[n->n_groups + k] = n->cols[at];
            aggs[k++] = n->aggs[j];
        }
        n->aggs = aggs;
        n->n_aggs = k;
        n->cols = cols;
        n->n_cols = n->n_groups + k;
    }
    opt_colset s;
    st_status rc = opt_colset_init(c, &s, err);
    if (rc != ST_OK) return rc;
    add_all(&s, n->groups, n->n_groups);
    for (int j = 0; j < n->n_aggs; j++) {
        add_all(&s, n->aggs[j].args, n->aggs[j].n_args);
        if (n->aggs[j].filter) opt_colset_add_expr(&s, n->aggs[j].filter, false);
    }
    return prune(c, n->child[0], &s, depth + 1, err);
}

static st_status prune_window(lp_ctx *c, lp_node *n, const opt_colset *need, int depth,
                              st_error *err)
{
    int k = 0;
    lp_winfn *fns = st_arena_alloc(c->arena, (size_t)(n->n_winfns + 1) * sizeof *fns);
    if (!fns) return opt_nomem(err, "pruning columns");
    for (int j = 0; j < n->n_winfns; j++) {
        bool keep = opt_colset_has(need, n->winfns[j].out);
        if (!keep && k == 0 && j == n->n_winfns - 1) keep = true;   /* a WINDOW keeps one */
        if (keep) fns[k++] = n->winfns[j];
    }
    n->winfns = fns;
    n->n_winfns = k;
    opt_colset s;
    st_status rc = need_plus_own(c, n, need, &s, err);
    if (rc != ST_OK) return rc;
    if ((rc = prune(c, n->child[0], &s, depth + 1, err)) != ST_OK) return rc;
    const lp_node *ch = n->child[0];
    lp_col *cols = st_arena_alloc(c->arena, (size_t)(ch->n_cols + k + 1) * sizeof *cols);
    if (!cols) return opt_nomem(err, "pruning columns");
    st_memcpy(cols, ch->cols, (size_t)ch->n_cols * sizeof *cols);
    int m = ch->n_cols;
    for (int j = 0; j < k; j++) {
        int at = lp_find_col(n, n->winfns[j].out);
        if (at < 0) return st_error_set(err, ST_ERR_INTERNAL, "window output #%d missing",
                                        (int)n->winfns[j].out);
        cols[m++] = n->cols[at];
    }
    n->cols = cols;
    n->n_cols = m;
    return ST_OK;
}

static st_status prune_generate(lp_ctx *c, lp_node *n, const opt_colset *need, int depth,
                                st_error *err)
{
    int old_child = n->child[0]->n_cols;
    int n_gen = n->n_cols - old_child;
    lp_col *gen = st_arena_alloc(c->arena, (size_t)(n_gen + 1) * sizeof *gen);
    if (!gen) return opt_nomem(err, "pruning columns");
    st_memcpy(gen, n->cols + old_child, (size_t)n_gen * sizeof *gen);
    opt_colset s;
    st_status rc = need_plus_own(c, n, need, &s, err);
    if (rc != ST_OK) return rc;
    if ((rc = prune(c, n->child[0], &s, depth + 1, err)) != ST_OK) return rc;
    const lp_node *ch = n->child[0];
    lp_col *cols = st_arena_alloc(c->arena, (size_t)(ch->n_cols + n_gen + 1) * sizeof *cols);
    if (!cols) return opt_nomem(err, "pruning columns");
    st_memcpy(cols, ch->cols, (size_t)ch->n_cols * sizeof *cols);
    st_memcpy(cols + ch->n_cols, gen, (size_t)n_gen * sizeof *cols);
    n->cols = cols;
    n->n_cols = ch->n_cols + n_gen;
    return ST_OK;
}

/* A join's right (build) input still carrying columns nobody above needs
** (a FILTER keeps the ones its condition reads) gets a PROJECT keeping only
** the needed ones, so hash tables hold no dead columns. */
static st_status narrow(lp_ctx *c, lp_node **np, const opt_colset *need, st_error *err)
{
    lp_node *ch = *np;
    lp_col *keep = st_arena_alloc(c->arena, (size_t)(ch->n_cols + 1) * sizeof *keep);
    if (!keep) return opt_nomem(err, "pruning columns");
    int k = 0;
    for (int i = 0; i < ch->n_cols; i++)
        if (opt_colset_has(need, ch->cols[i].id)) keep[k++] = ch->cols[i];
    if (k == ch->n_cols || k == 0 || ch->kind == LP_PROJECT) return ST_OK;
    *np = opt_make_identity(c, ch, keep, k);
    return *np ? ST_OK : opt_nomem(err, "pruning columns");
}

static st_status prune_join(lp_ctx *c, lp_node *n, const opt_colset *need, int depth,
                            st_error *err)
{
    opt_colset s;
    st_status rc = need_plus_own(c, n, need, &s, err);
    if (rc != ST_OK) return rc;
    for (int i = 0; i < 2; i++)
        if ((rc = prune(c, n->child[i], &s, depth + 1, err)) != ST_OK) return rc;
    /* The right input is the one hashed; the left streams through. */
    if ((rc = narrow(c, &n->child[1], &s, err)) != ST_OK) return rc;
    return opt_join_set_cols(c, n, err);
}

static st_status prune(lp_ctx *c, lp_node *n, const opt_colset *need, int depth, st_error *err)
{
    if (depth > 10000) return st_error_set(err, ST_ERR_LIMIT, "plan nested too deeply");
    opt_colset s;
    st_status rc;
    switch (n->kind) {
    case LP_PROJECT: return prune_project(c, n, need, depth, err);
    case LP_SCAN: return prune_scan(c, n, need, err);
    case LP_AGGREGATE: return prune_aggregate(c, n, need, depth, err);
    case LP_WINDOW: return prune_window(c, n, need, depth, err);
    case LP_GENERATE: return prune_generate(c, n, need, depth, err);
    case LP_JOIN: return prune_join(c, n, need, depth, err);
    case LP_FILTER:
    case LP_SORT:
    case LP_LIMIT:
        if ((rc = need_plus_own(c, n, need, &s, err)) != ST_OK) return rc;
        if ((rc = prune(c, n->child[0], &s, depth + 1, err)) != ST_OK) return rc;
        return opt_pass_cols(c, n, err);
    case LP_DISTINCT:
    case LP_SETOP:
        for (int i = 0; i < n->n_child; i++) {
            if ((rc = need_all_of(c, n->child[i], &s, err)) != ST_OK) return rc;
            if ((rc = prune(c, n->child[i], &s, depth + 1, err)) != ST_OK) return rc;
        }
        return ST_OK;
    case LP_VALUES:
        return ST_OK;
    }
    return ST_OK;
}

/* True when every output of PROJECT p is an input column under its own id. */
static bool passthrough(const lp_node *p)
{
    for (int i = 0; i < p->n_cols; i++) {
        const lp_expr *e = p->exprs[i];
        if (e->kind != LP_X_COL || e->outer || e->col != p->cols[i].id) return false;
    }
    return true;
}

static bool same_cols(const lp_node *a, const lp_node *b)
{
    if (a->n_cols != b->n_cols) return false;
    for (int i = 0; i < a->n_cols; i++)
        if (a->cols[i].id != b->cols[i].id) return false;
    return true;
}

/* OPT: drops pass-through PROJECTs under PROJECTs and identity PROJECTs
** (the rewrites above leave them behind); results identical if removed. */
static void collapse(lp_node **np, int depth)
{
    lp_node *n = *np;
    if (depth > 10000) return;
    for (int i = 0; i < n->n_child; i++) collapse(&n->child[i], depth + 1);
    if (n->kind != LP_PROJECT) return;
    while (n->child[0]->kind == LP_PROJECT && passthrough(n->child[0]))
        n->child[0] = n->child[0]->child[0];
    if (passthrough(n) && same_cols(n, n->child[0])) *np = n->child[0];
}

st_status opt_prune_columns(lp_ctx *c, lp_node **root, st_error *err)
{
    lp_node *r = *root;
    int n = r->n_cols;
    lp_col *orig = st_arena_alloc(c->arena, (size_t)(n + 1) * sizeof *orig);
    if (!orig) return opt_nomem(err, "pruning columns");
    st_memcpy(orig, r->cols, (size_t)n * sizeof *orig);
    opt_colset need;
    st_status rc = need_all_of(c, r, &need, err);
    if (rc == ST_OK) rc = prune(c, r, &need, 0, err);
    if (rc != ST_OK) return rc;
    bool same = r->n_cols == n;
    for (int i = 0; same && i < n; i++) same = r->cols[i].id == orig[i].id;
    if (!same && !(*root = opt_make_identity(c, r, orig, n)))
        return opt_nomem(err, "pruning columns");
    collapse(root, 0);
    return ST_OK;
}
