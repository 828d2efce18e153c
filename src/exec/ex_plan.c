/* ex_plan.c -- the physical planner: an optimized logical plan becomes
** operators cut into pipelines, and the runner of those pipelines.
**
** The walk is bottom-up. A node either extends its input's open pipeline
** with a streaming operator (filter, project, limit, generate, join probe)
** or ends it with a sink (aggregate, sort, window, join build, union
** buffer) and opens a new pipeline whose source is that sink. Pipelines are
** appended to the plan when they are closed, so a pipeline always comes
** after every pipeline it depends on (a join's build side is closed before
** its probe side can be), and running them in order is correct.
**
** Column ids are resolved here: every expression is compiled against the
** output columns of the node's input (ex_expr_compile), which are also the
** chunk layout the operators exchange. Physical joins keep the logical
** column order (left = probe, right = build; RIGHT_SEMI / RIGHT_ANTI output
** the build columns only). */
#include "ex_int.h"

typedef struct pbuild {
    ex_query *q;
    ex_plan  *plan;
    ex_op   **shared;             /* arena, by share_id: the buffer holding that
                                  ** subplan's rows once its first occurrence is built */
    int       n_shared;
} pbuild;

static st_status nomem(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory planning the query");
}

static vec_type *col_types(ex_query *q, const lp_col *cols, int n)
{
    vec_type *t = st_arena_calloc(q->arena, (size_t)(n > 0 ? n : 1), sizeof *t);
    if (!t) return NULL;
    for (int i = 0; i < n; i++) t[i] = cols[i].type;
    return t;
}

static st_status pipe_new(pbuild *b, ex_op *source, ex_pipe **out, st_error *err)
{
    ex_pipe *p = st_arena_calloc(b->q->arena, 1, sizeof *p);
    if (!p) return nomem(err);
    p->source = source;
    *out = p;
    return ST_OK;
}

static st_status pipe_add(pbuild *b, ex_pipe *p, ex_op *op, st_error *err)
{
    if (p->n_ops == p->cap_ops) {
        int cap = p->cap_ops ? p->cap_ops * 2 : 4;
        ex_op **n = st_arena_realloc(b->q->arena, p->ops, (size_t)p->cap_ops * sizeof *n,
                                     (size_t)cap * sizeof *n);
        if (!n) return nomem(err);
        p->ops = n;
        p->cap_ops = cap;
    }
    p->ops[p->n_ops++] = op;
    return ST_OK;
}

static st_status pipe_close(pbuild *b, ex_pipe *p, ex_op *sink, bool finalize, st_error *err)
{
    ex_plan *pl = b->plan;
    p->sink = sink;
    p->finalize_sink = finalize;
    if (pl->n_pipes == pl->cap_pipes) {
        int cap = pl->cap_pipes ? pl->cap_pipes * 2 : 8;
        ex_pipe **n = st_arena_realloc(b->q->arena, pl->pipes,
                                       (size_t)pl->cap_pipes * sizeof *n, (size_t)cap * sizeof *n);
        if (!n) return nomem(err);
        pl->pipes = n;
        pl->cap_pipes = cap;
    }
    pl->pipes[pl->n_pipes++] = p;
    return ST_OK;
}

static st_status note_scan(pbuild *b, ex_op *scan, st_error *err)
{
    ex_plan *pl = b->plan;
    if (pl->n_scans == pl->cap_scans) {
        int cap = pl->cap_scans ? pl->cap_scans * 2 : 4;
        ex_op **n = st_arena_realloc(b->q->arena, pl->scans, (size_t)pl->cap_scans * sizeof *n,
                                     (size_t)cap * sizeof *n);
        if (!n) return nomem(err);
        pl->scans = n;
        pl->cap_scans = cap;
    }
    pl->scans[pl->n_scans++] = scan;
    return ST_OK;
}

static st_status compile(pbuild *b, const lp_expr *e, const lp_col *cols, int n, ex_expr **out,
                         st_error *err)
{
    if (!e) { *out = NULL; return ST_OK; }
    return ex_expr_compile(b->q, e, cols, n, out, err);
}

static st_status compile_list(pbuild *b, lp_expr *const *es, int ne, const lp_col *cols, int n,
                              ex_expr ***out, st_error *err)
{
    ex_expr **x = st_arena_calloc(b->q->arena, (size_t)(ne > 0 ? ne : 1), sizeof *x);
    if (!x) return nomem(err);
    for (int i = 0; i < ne; i++) {
        st_status rc = compile(b, es[i], cols, n, &x[i], err);
        if (rc != ST_OK) return rc;
    }
    *out = x;
    return ST_OK;
}

/* Column references to every column of cols (DISTINCT keys, set-op keys). */
static st_status all_col_exprs(pbuild *b, const lp_col *cols, int n, ex_expr ***out,
                               st_error *err)
{
    lp_ctx *c = b->q->lp;
    lp_expr **es = st_arena_calloc(b->q->arena, (size_t)(n > 0 ? n : 1), sizeof *es);
    if (!es) return nomem(err);
    for (int i = 0; i < n; i++) {
        es[i] = lp_expr_col(c, &cols[i]);
        if (!es[i]) return nomem(err);
    }
    return compile_list(b, es, n, cols, n, out, err);
}

static st_status build(pbuild *b, const lp_node *n, ex_pipe **out, ex_op **top, st_error *err);

static void set_children(ex_op *op, ex_op *a, ex_op *c2)
{
    op->children[0] = a;
    op->n_children = a ? 1 : 0;
    if (c2) {
        op->children[1] = c2;
        op->n_children = 2;
    }
}

/* An aggregate with only keys: DISTINCT over cols. Closes p, returns the new pipe. */
static st_status distinct_over(pbuild *b, ex_pipe *p, ex_op *below, const lp_col *cols, int n,
                               ex_pipe **out, ex_op **top, st_error *err)
{
    ex_agg_spec spec = {0};
    st_status rc = all_col_exprs(b, cols, n, &spec.groups, err);
    if (rc != ST_OK) return rc;
    spec.n_groups = n;
    ex_op *agg = NULL;
    if ((rc = ex_hashagg_new(b->q, &spec, &agg, err)) != ST_OK) return rc;
    set_children(agg, below, NULL);
    if ((rc = pipe_close(b, p, agg, true, err)) != ST_OK) return rc;
    *top = agg;
    return pipe_new(b, agg, out, err);
}

static st_status build_join(pbuild *b, const lp_node *n, ex_pipe **out, ex_op **top,
                            st_error *err)
{
    const lp_node *L = n->child[0], *R = n->child[1];
    ex_join_spec spec = {0};
    st_status rc;
    spec.kind = n->join;
    spec.n_keys = n->n_join_keys;
    spec.null_eq = n->null_eq;
    spec.null_aware = n->null_aware;
    spec.reducer = n->reducer;
    if ((rc = compile_list(b, n->left_keys, n->n_join_keys, L->cols, L->n_cols, &spec.probe_keys,
                           err)) != ST_OK)
        return rc;
    if ((rc = compile_list(b, n->right_keys, n->n_join_keys, R->cols, R->n_cols,
                           &spec.build_keys, err)) != ST_OK)
        return rc;
    lp_expr *resid = n->n_join_keys > 0 ? n->residual : n->cond;
    if (resid) {
        int nb = L->n_cols + R->n_cols;
        lp_col *both = st_arena_calloc(b->q->arena, (size_t)nb + 1, sizeof *both);
        if (!both) return nomem(err);
        st_memcpy(both, L->cols, (size_t)L->n_cols * sizeof *both);
        st_memcpy(both + L->n_cols, R->cols, (size_t)R->n_cols * sizeof *both);
        if ((rc = compile(b, resid, both, nb, &spec.residual, err)) != ST_OK) return rc;
    }
    spec.probe_types = col_types(b->q, L->cols, L->n_cols);
    spec.n_probe = L->n_cols;
    spec.build_types = col_types(b->q, R->cols, R->n_cols);
    spec.n_build = R->n_cols;
    if (!spec.probe_types || !spec.build_types) return nomem(err);

    /* Build side first: its pipeline must finish before the probe runs. */
    ex_pipe *pr = NULL;
    ex_op *rtop = NULL;
    if ((rc = build(b, R, &pr, &rtop, err)) != ST_OK) return rc;
    ex_pipe *pl = NULL;
    ex_op *ltop = NULL;
    if ((rc = build(b, L, &pl, &ltop, err)) != ST_OK) return rc;

    /* Dynamic pruning: the probe pipeline's source is a scan whose column
    ** holds key 0 unchanged (only filters in between). */
    if (spec.n_keys > 0 && (n->join == LP_JOIN_INNER || n->join == LP_JOIN_SEMI ||
                            n->join == LP_JOIN_RIGHT || n->join == LP_JOIN_RIGHT_SEMI ||
                            n->join == LP_JOIN_RIGHT_ANTI) &&
        n->left_keys[0]->kind == LP_X_COL && pl->source->ops->name &&
        strcmp(pl->source->ops->name, "Scan") == 0) {
        bool only_filters = true;
        for (int i = 0; i < pl->n_ops; i++)
            if (strcmp(pl->ops[i]->ops->name, "Filter") != 0) only_filters = false;
        int col = lp_find_col(L, n->left_keys[0]->col);
        if (only_filters && col >= 0 && pl->source->n_types == L->n_cols) {
            spec.probe_scan = pl->source;
            spec.probe_scan_col = col;
        }
    }

    ex_op *join = NULL;
    rc = spec.n_keys > 0 ? ex_hashjoin_new(b->q, &spec, &join, err)
                         : ex_nljoin_new(b->q, &spec, &join, err);
    if (rc != ST_OK) return rc;
    set_children(join, ltop, rtop);
    if ((rc = pipe_close(b, pr, join, true, err)) != ST_OK) return rc;
    if ((rc = pipe_add(b, pl, join, err)) != ST_OK) return rc;
    *out = pl;
    *top = join;
    return ST_OK;
}


/* ---- INTERSECT ALL / EXCEPT ALL ---------------------------------------------------- */

/* A plan-level rewrite (as Spark does it): tag each side's rows with
** counters (left: a=1, b=0; right: a=0, b=1), UNION ALL them, group by every
** column summing a and b, keep groups with l = sum(a), r = sum(b) where
** INTERSECT: l > 0 AND r > 0, EXCEPT: l > r, then replicate each group
** least(l, r) / l - r times. The last projection gives the rows the set
** operation's own column ids. */
static lp_col *new_cols(lp_ctx *c, const lp_col *like, int n, int extra)
{
    lp_col *cols = st_arena_calloc(c->arena, (size_t)(n + extra + 1), sizeof *cols);
    if (!cols) return NULL;
    for (int i = 0; i < n; i++) {
        cols[i] = like[i];
        cols[i].id = lp_ctx_new_col(c);
    }
    return cols;
}

static lp_expr *call2(lp_ctx *c, const char *name, lp_expr *a, lp_expr *b, st_error *err)
{
    fn_arg_info args[2] = {{&a->type, false, NULL}, {&b->type, false, NULL}};
    fn_bound *f = st_arena_calloc(c->arena, 1, sizeof *f);
    lp_expr *e = lp_expr_new(c, LP_X_CALL, -1);
    lp_expr **av = st_arena_calloc(c->arena, 2, sizeof *av);
    if (!f || !e || !av) return NULL;
    if (fn_resolve(name, args, 2, c->arena, f, err) != ST_OK) return NULL;
    av[0] = a;
    av[1] = b;
    e->fn = f;
    e->type = f->ret;
    e->args = av;
    e->n_args = 2;
    return e;
}

static st_status rewrite_setop_all(lp_ctx *c, const lp_node *n, lp_node **out, st_error *err)
{
    int nc = n->n_cols;
    vec_type bt = {.id = VEC_INT64};
    vec_scalar one = {.i64 = 1}, zero = {.i64 = 0};
    lp_node *tagged[2];
    for (int side = 0; side < 2; side++) {
        const lp_node *ch = n->child[side];
        lp_node *p = lp_node_new(c, LP_PROJECT, -1);
        lp_col *cols = p ? new_cols(c, ch->cols, nc, 2) : NULL;
        lp_expr **es = st_arena_calloc(c->arena, (size_t)nc + 2, sizeof *es);
        if (!cols || !es) return nomem(err);
        for (int i = 0; i < nc; i++)
            if (!(es[i] = lp_expr_col(c, &ch->cols[i]))) return nomem(err);
        es[nc] = lp_expr_const(c, &bt, side == 0 ? &one : &zero);
        es[nc + 1] = lp_expr_const(c, &bt, side == 0 ? &zero : &one);
        if (!es[nc] || !es[nc + 1]) return nomem(err);
        for (int k = 0; k < 2; k++)
            cols[nc + k] = (lp_col){lp_ctx_new_col(c), k ? "b" : "a", bt, false};
        p->cols = cols;
        p->n_cols = nc + 2;
        p->exprs = es;
        p->child[0] = (lp_node *)ch;
        p->n_child = 1;
        tagged[side] = p;
    }
    lp_node *u = lp_node_new(c, LP_SETOP, -1);
    if (!u || !(u->cols = new_cols(c, tagged[0]->cols, nc + 2, 0))) return nomem(err);
    u->n_cols = nc + 2;
    u->setop = SQL_SET_UNION;
    u->all = true;
    u->child[0] = tagged[0];
    u->child[1] = tagged[1];
    u->n_child = 2;

    lp_node *g = lp_node_new(c, LP_AGGREGATE, -1);
    if (!g || !(g->cols = new_cols(c, u->cols, nc + 2, 0))) return nomem(err);
    g->n_cols = nc + 2;
    g->groups = st_arena_calloc(c->arena, (size_t)nc + 1, sizeof *g->groups);
    g->aggs = st_arena_calloc(c->arena, 2, sizeof *g->aggs);
    if (!g->groups || !g->aggs) return nomem(err);
    for (int i = 0; i < nc; i++)
        if (!(g->groups[i] = lp_expr_col(c, &u->cols[i]))) return nomem(err);
    g->n_groups = nc;
    g->n_aggs = 2;
    for (int k = 0; k < 2; k++) {
        lp_agg *a = &g->aggs[k];
        fn_arg_info ai = {&bt, false, NULL};
        a->fn = st_arena_calloc(c->arena, 1, sizeof *a->fn);
        a->args = st_arena_calloc(c->arena, 1, sizeof *a->args);
        if (!a->fn || !a->args || !(a->args[0] = lp_expr_col(c, &u->cols[nc + k])))
            return nomem(err);
        st_status rc = agg_resolve("sum", false, &ai, 1, c->arena, a->fn, err);
        if (rc != ST_OK) return rc;
        a->n_args = 1;
        a->out = g->cols[nc + k].id;
        g->cols[nc + k].type = a->fn->ret;
        g->cols[nc + k].nullable = true;
    }
    g->child[0] = u;
    g->n_child = 1;

    lp_expr *l = lp_expr_col(c, &g->cols[nc]), *r = lp_expr_col(c, &g->cols[nc + 1]);
    lp_expr *zero_e = lp_expr_const(c, &bt, &zero);
    if (!l || !r || !zero_e) return nomem(err);
    lp_expr *cond;
    if (n->setop == SQL_SET_INTERSECT) {
        lp_expr *c1 = call2(c, ">", l, zero_e, err), *c2 = call2(c, ">", r, zero_e, err);
        if (!c1 || !c2) return err->code ? err->code : nomem(err);
        lp_expr *both[2] = {c1, c2};
        cond = lp_and(c, both, 2);
    } else {
        cond = call2(c, ">", l, r, err);
    }
    if (!cond) return err->code ? err->code : nomem(err);
    lp_node *f = lp_node_new(c, LP_FILTER, -1);
    if (!f) return nomem(err);
    f->cond = cond;
    f->cols = g->cols;
    f->n_cols = g->n_cols;
    f->child[0] = g;
    f->n_child = 1;

    lp_node *pc = lp_node_new(c, LP_PROJECT, -1);
    lp_col *pcols = pc ? new_cols(c, g->cols, nc, 1) : NULL;
    lp_expr **pes = st_arena_calloc(c->arena, (size_t)nc + 1, sizeof *pes);
    if (!pcols || !pes) return nomem(err);
    for (int i = 0; i < nc; i++)
        if (!(pes[i] = lp_expr_col(c, &g->cols[i]))) return nomem(err);
    lp_expr *l2 = lp_expr_col(c, &g->cols[nc]), *r2 = lp_expr_col(c, &g->cols[nc + 1]);
    if (!l2 || !r2) return nomem(err);
    pes[nc] = call2(c, n->setop == SQL_SET_INTERSECT ? "least" : "-", l2, r2, err);
    if (!pes[nc]) return err->code ? err->code : nomem(err);
    pcols[nc] = (lp_col){lp_ctx_new_col(c), "n", pes[nc]->type, true};
    pc->cols = pcols;
    pc->n_cols = nc + 1;
    pc->exprs = pes;
    pc->child[0] = f;
    pc->n_child = 1;

    lp_node *gen = lp_node_new(c, LP_GENERATE, -1);
    if (!gen || !(gen->gen_arg = lp_expr_col(c, &pcols[nc]))) return nomem(err);
    gen->gen = LP_GEN_REPLICATE;
    gen->cols = pcols;
    gen->n_cols = nc + 1;
    gen->child[0] = pc;
    gen->n_child = 1;

    lp_node *fin = lp_node_new(c, LP_PROJECT, -1);
    lp_expr **fes = st_arena_calloc(c->arena, (size_t)nc + 1, sizeof *fes);
    if (!fin || !fes) return nomem(err);
    for (int i = 0; i < nc; i++)
        if (!(fes[i] = lp_expr_col(c, &pcols[i]))) return nomem(err);
    fin->cols = n->cols;
    fin->n_cols = nc;
    fin->exprs = fes;
    fin->child[0] = gen;
    fin->n_child = 1;
    *out = fin;
    return ST_OK;
}

static st_status build_setop(pbuild *b, const lp_node *n, ex_pipe **out, ex_op **top,
                             st_error *err)
{
    const lp_node *L = n->child[0], *R = n->child[1];
    st_status rc;
    if (n->setop == SQL_SET_UNION) {
        vec_type *types = col_types(b->q, n->cols, n->n_cols);
        if (!types) return nomem(err);
        ex_op *buf = NULL;
        if ((rc = ex_buffer_new(b->q, types, n->n_cols, false, &buf, err)) != ST_OK) return rc;
        ex_pipe *pl = NULL, *pr = NULL;
        ex_op *ltop = NULL, *rtop = NULL;
        if ((rc = build(b, L, &pl, &ltop, err)) != ST_OK) return rc;
        if ((rc = pipe_close(b, pl, buf, false, err)) != ST_OK) return rc;
        if ((rc = build(b, R, &pr, &rtop, err)) != ST_OK) return rc;
        if ((rc = pipe_close(b, pr, buf, true, err)) != ST_OK) return rc;
        set_children(buf, ltop, rtop);
        ex_pipe *p = NULL;
        if ((rc = pipe_new(b, buf, &p, err)) != ST_OK) return rc;
        if (n->all) {
            *out = p;
            *top = buf;
            return ST_OK;
        }
        return distinct_over(b, p, buf, n->cols, n->n_cols, out, top, err);
    }
    if (n->all) {
        lp_node *rw = NULL;
        if ((rc = rewrite_setop_all(b->q->lp, n, &rw, err)) != ST_OK) return rc;
        return build(b, rw, out, top, err);
    }
    /* INTERSECT / EXCEPT: DISTINCT(left) semi / anti join right on all
    ** columns, NULL matching NULL. */
    ex_join_spec spec = {0};
    spec.kind = n->setop == SQL_SET_INTERSECT ? LP_JOIN_SEMI : LP_JOIN_ANTI;
    spec.n_keys = n->n_cols;
    bool *null_eq = st_arena_calloc(b->q->arena, (size_t)n->n_cols + 1, sizeof *null_eq);
    if (!null_eq) return nomem(err);
    for (int i = 0; i < n->n_cols; i++) null_eq[i] = true;
    spec.null_eq = null_eq;
    if ((rc = all_col_exprs(b, L->cols, L->n_cols, &spec.probe_keys, err)) != ST_OK) return rc;
    if ((rc = all_col_exprs(b, R->cols, R->n_cols, &spec.build_keys, err)) != ST_OK) return rc;
    spec.probe_types = col_types(b->q, L->cols, L->n_cols);
    spec.n_probe = L->n_cols;
    spec.build_types = col_types(b->q, R->cols, R->n_cols);
    spec.n_build = R->n_cols;
    if (!spec.probe_types || !spec.build_types) return nomem(err);
    ex_op *join = NULL;
    if ((rc = ex_hashjoin_new(b->q, &spec, &join, err)) != ST_OK) return rc;
    ex_pipe *pr = NULL, *pl = NULL, *pd = NULL;
    ex_op *rtop = NULL, *ltop = NULL, *dtop = NULL;
    if ((rc = build(b, R, &pr, &rtop, err)) != ST_OK) return rc;
    if ((rc = pipe_close(b, pr, join, true, err)) != ST_OK) return rc;
    if ((rc = build(b, L, &pl, &ltop, err)) != ST_OK) return rc;
    if ((rc = distinct_over(b, pl, ltop, L->cols, L->n_cols, &pd, &dtop, err)) != ST_OK) return rc;
    if ((rc = pipe_add(b, pd, join, err)) != ST_OK) return rc;
    set_children(join, dtop, rtop);
    *out = pd;
    *top = join;
    return ST_OK;
}

/* n's sort keys (SORT's, or WINDOW's order) compiled over C's columns, with
** their directions and NULL placements. */
static st_status compile_sort_keys(pbuild *b, const lp_node *n, const lp_node *C, ex_expr ***keys,
                                   bool **desc, bool **nulls_first, st_error *err)
{
    *keys = st_arena_calloc(b->q->arena, (size_t)n->n_keys + 1, sizeof **keys);
    *desc = st_arena_calloc(b->q->arena, (size_t)n->n_keys + 1, sizeof **desc);
    *nulls_first = st_arena_calloc(b->q->arena, (size_t)n->n_keys + 1, sizeof **nulls_first);
    if (!*keys || !*desc || !*nulls_first) return nomem(err);
    for (int i = 0; i < n->n_keys; i++) {
        st_status rc = compile(b, n->keys[i].expr, C->cols, C->n_cols, &(*keys)[i], err);
        if (rc != ST_OK) return rc;
        (*desc)[i] = n->keys[i].desc;
        (*nulls_first)[i] = n->keys[i].nulls_first;
    }
    return ST_OK;
}

static st_status build_sort(pbuild *b, const lp_node *n, int64_t limit, int64_t offset,
                            ex_pipe **out, ex_op **top, st_error *err)
{
    const lp_node *C = n->child[0];
    ex_pipe *p = NULL;
    ex_op *ctop = NULL;
    st_status rc = build(b, C, &p, &ctop, err);
    if (rc != ST_OK) return rc;
    ex_sort_spec spec = {0};
    spec.n_keys = n->n_keys;
    ex_expr **keys;
    bool *desc, *nf;
    if ((rc = compile_sort_keys(b, n, C, &keys, &desc, &nf, err)) != ST_OK) return rc;
    spec.keys = keys;
    spec.desc = desc;
    spec.nulls_first = nf;
    spec.limit = limit;
    spec.offset = offset;
    spec.types = col_types(b->q, C->cols, C->n_cols);
    spec.n_types = C->n_cols;
    if (!spec.types) return nomem(err);
    ex_op *sort = NULL;
    if ((rc = ex_sort_new(b->q, &spec, &sort, err)) != ST_OK) return rc;
    set_children(sort, ctop, NULL);
    if ((rc = pipe_close(b, p, sort, true, err)) != ST_OK) return rc;
    *top = sort;
    return pipe_new(b, sort, out, err);
}

static st_status build_window(pbuild *b, const lp_node *n, ex_pipe **out, ex_op **top,
                              st_error *err)
{
    const lp_node *C = n->child[0];
    ex_pipe *p = NULL;
    ex_op *ctop = NULL;
    st_status rc = build(b, C, &p, &ctop, err);
    if (rc != ST_OK) return rc;
    ex_window_spec spec = {0};
    if ((rc = compile_list(b, n->partition, n->n_partition, C->cols, C->n_cols, &spec.partition,
                           err)) != ST_OK)
        return rc;
    spec.n_partition = n->n_partition;
    ex_expr **order;
    bool *desc, *nf;
    if ((rc = compile_sort_keys(b, n, C, &order, &desc, &nf, err)) != ST_OK) return rc;
    ex_winfn_spec *fns = st_arena_calloc(b->q->arena, (size_t)n->n_winfns + 1, sizeof *fns);
    if (!fns) return nomem(err);
    for (int i = 0; i < n->n_winfns; i++) {
        const lp_winfn *w = &n->winfns[i];
        ex_winfn_spec *f = &fns[i];
        f->kind = w->kind;
        f->agg = w->agg;
        f->n_args = w->n_args;
        f->ignore_nulls = w->ignore_nulls;
        f->frame = w->frame;
        f->type = w->type;
        if ((rc = compile_list(b, w->args, w->n_args, C->cols, C->n_cols, &f->args, err)) != ST_OK)
            return rc;
        if ((rc = compile(b, w->frame.start.offset, C->cols, C->n_cols, &f->range_start, err)) !=
            ST_OK)
            return rc;
        if ((rc = compile(b, w->frame.end.offset, C->cols, C->n_cols, &f->range_end, err)) != ST_OK)
            return rc;
    }
    spec.order = order;
    spec.desc = desc;
    spec.nulls_first = nf;
    spec.n_order = n->n_keys;
    spec.fns = fns;
    spec.n_fns = n->n_winfns;
    spec.types = col_types(b->q, C->cols, C->n_cols);
    spec.n_types = C->n_cols;
    if (!spec.types) return nomem(err);
    ex_op *win = NULL;
    if ((rc = ex_window_new(b->q, &spec, &win, err)) != ST_OK) return rc;
    set_children(win, ctop, NULL);
    if ((rc = pipe_close(b, p, win, true, err)) != ST_OK) return rc;
    *top = win;
    return pipe_new(b, win, out, err);
}

static st_status build_node(pbuild *b, const lp_node *n, ex_pipe **out, ex_op **top,
                            st_error *err);

/* A shared subplan (lp_node.share_id, opt_share.c): the first occurrence is
** built and closed into a buffer; every occurrence reads the buffer, which
** its source_init rewinds for each pipeline. */
static st_status build(pbuild *b, const lp_node *n, ex_pipe **out, ex_op **top, st_error *err)
{
    if (n->share_id <= 0) return build_node(b, n, out, top, err);
    if (n->share_id >= b->n_shared) {
        int cap = n->share_id + 8;
        ex_op **sh = st_arena_realloc(b->q->arena, b->shared, (size_t)b->n_shared * sizeof *sh,
                                      (size_t)cap * sizeof *sh);
        if (!sh) return nomem(err);
        memset(sh + b->n_shared, 0, (size_t)(cap - b->n_shared) * sizeof *sh);
        b->shared = sh;
        b->n_shared = cap;
    }
    ex_op *buf = b->shared[n->share_id];
    st_status rc;
    if (!buf) {
        ex_pipe *p = NULL;
        ex_op *below = NULL;
        if ((rc = build_node(b, n, &p, &below, err)) != ST_OK) return rc;
        vec_type *types = col_types(b->q, n->cols, n->n_cols);
        if (!types) return nomem(err);
        if ((rc = ex_buffer_new(b->q, types, n->n_cols, false, &buf, err)) != ST_OK) return rc;
        ex_buffer_set_shared(buf);
        set_children(buf, below, NULL);
        if ((rc = pipe_close(b, p, buf, true, err)) != ST_OK) return rc;
        b->shared[n->share_id] = buf;
    }
    *top = buf;
    return pipe_new(b, buf, out, err);
}

static st_status build_node(pbuild *b, const lp_node *n, ex_pipe **out, ex_op **top,
                            st_error *err)
{
    ex_query *q = b->q;
    st_status rc;
    ex_op *op = NULL;
    switch (n->kind) {
    case LP_SCAN:
        if ((rc = ex_scan_new(q, n, &op, err)) != ST_OK) return rc;
        if ((rc = note_scan(b, op, err)) != ST_OK) return rc;
        *top = op;
        return pipe_new(b, op, out, err);
    case LP_VALUES:
        if ((rc = ex_values_new(q, n, &op, err)) != ST_OK) return rc;
        *top = op;
        return pipe_new(b, op, out, err);
    case LP_FILTER:
    case LP_PROJECT:
    case LP_GENERATE:
    case LP_LIMIT: {
        const lp_node *C = n->child[0];
        if (n->kind == LP_LIMIT) {
            /* LIMIT over SORT (through projections): top-N in the sort. */
            const lp_node *s = C;
            while (s->kind == LP_PROJECT) s = s->child[0];
            if (s->kind == LP_SORT && n->limit >= 0 && s == C) {
                ex_pipe *p = NULL;
                ex_op *stop = NULL;
                if ((rc = build_sort(b, s, n->limit, n->offset, &p, &stop, err)) != ST_OK)
                    return rc;
                *out = p;
                *top = stop;
                return ST_OK;
            }
        }
        ex_pipe *p = NULL;
        ex_op *ctop = NULL;
        if ((rc = build(b, C, &p, &ctop, err)) != ST_OK) return rc;
        vec_type *types = col_types(q, n->cols, n->n_cols);
        if (!types) return nomem(err);
        if (n->kind == LP_FILTER) {
            ex_expr *cond;
            if ((rc = compile(b, n->cond, C->cols, C->n_cols, &cond, err)) != ST_OK) return rc;
            rc = ex_filter_new(q, cond, types, n->n_cols, &op, err);
        } else if (n->kind == LP_PROJECT) {
            ex_expr **es;
            if ((rc = compile_list(b, n->exprs, n->n_cols, C->cols, C->n_cols, &es, err)) != ST_OK)
                return rc;
            rc = ex_project_new(q, es, n->n_cols, &op, err);
        } else if (n->kind == LP_GENERATE) {
            ex_expr *arg;
            if ((rc = compile(b, n->gen_arg, C->cols, C->n_cols, &arg, err)) != ST_OK) return rc;
            rc = ex_generate_new(q, n->gen, n->gen_outer, arg, types, n->n_cols, &op, err);
        } else {
            rc = ex_limit_new(q, n->limit, n->offset, types, n->n_cols, &op, err);
            p->single_thread = p->single_thread || p->source->ops->ordered;
        }
        if (rc != ST_OK) return rc;
        set_children(op, ctop, NULL);
        if ((rc = pipe_add(b, p, op, err)) != ST_OK) return rc;
        *out = p;
        *top = op;
        return ST_OK;
    }
    case LP_AGGREGATE:
    case LP_DISTINCT: {
        const lp_node *C = n->child[0];
        ex_pipe *p = NULL;
        ex_op *ctop = NULL;
        if ((rc = build(b, C, &p, &ctop, err)) != ST_OK) return rc;
        if (n->kind == LP_DISTINCT) return distinct_over(b, p, ctop, C->cols, C->n_cols, out, top, err);
        ex_agg_spec spec = {0};
        if ((rc = compile_list(b, n->groups, n->n_groups, C->cols, C->n_cols, &spec.groups, err)) !=
            ST_OK)
            return rc;
        spec.n_groups = n->n_groups;
        spec.n_aggs = n->n_aggs;
        int na = n->n_aggs + 1;
        spec.fns = st_arena_calloc(q->arena, (size_t)na, sizeof *spec.fns);
        spec.args = st_arena_calloc(q->arena, (size_t)na, sizeof *spec.args);
        spec.n_args = st_arena_calloc(q->arena, (size_t)na, sizeof *spec.n_args);
        spec.filters = st_arena_calloc(q->arena, (size_t)na, sizeof *spec.filters);
        if (!spec.fns || !spec.args || !spec.n_args || !spec.filters) return nomem(err);
        for (int j = 0; j < n->n_aggs; j++) {
            spec.fns[j] = n->aggs[j].fn;
            spec.n_args[j] = n->aggs[j].n_args;
            if ((rc = compile_list(b, n->aggs[j].args, n->aggs[j].n_args, C->cols, C->n_cols,
                                   &spec.args[j], err)) != ST_OK)
                return rc;
            if ((rc = compile(b, n->aggs[j].filter, C->cols, C->n_cols, &spec.filters[j], err)) !=
                ST_OK)
                return rc;
        }
        spec.sets = n->sets;
        spec.n_sets = n->n_sets;
        if ((rc = ex_hashagg_new(q, &spec, &op, err)) != ST_OK) return rc;
        set_children(op, ctop, NULL);
        if ((rc = pipe_close(b, p, op, true, err)) != ST_OK) return rc;
        *top = op;
        return pipe_new(b, op, out, err);
    }
    case LP_SORT:
        return build_sort(b, n, -1, 0, out, top, err);
    case LP_JOIN:
        return build_join(b, n, out, top, err);
    case LP_SETOP:
        return build_setop(b, n, out, top, err);
    case LP_WINDOW:
        return build_window(b, n, out, top, err);
    }
    return st_error_set(err, ST_ERR_INTERNAL, "physical planner: unknown plan node %d", n->kind);
}

st_status ex_plan_build(ex_query *q, const lp_node *root, ex_plan **out, st_error *err)
{
    ex_plan *pl = st_arena_calloc(q->arena, 1, sizeof *pl);
    if (!pl) return nomem(err);
    pbuild b = {q, pl, NULL, 0};
    ex_pipe *p = NULL;
    ex_op *top = NULL;
    st_status rc = build(&b, root, &p, &top, err);
    if (rc != ST_OK) return rc;
    vec_type *types = col_types(q, root->cols, root->n_cols);
    if (!types) return nomem(err);
    ex_op *coll = NULL;
    if ((rc = ex_collect_new(q, types, root->n_cols, &coll, err)) != ST_OK) return rc;
    set_children(coll, top, NULL);
    if ((rc = pipe_close(&b, p, coll, true, err)) != ST_OK) return rc;
    pl->root = coll;
    *out = pl;
    return ST_OK;
}

st_status ex_plan_run(ex_query *q, ex_plan *p, st_error *err)
{
    for (int i = 0; i < p->n_pipes; i++) {
        st_status rc = ex_pipe_run(q, p->pipes[i], err);
        if (rc != ST_OK) return rc;
    }
    return ST_OK;
}

static st_status explain_op(const ex_query *q, const ex_op *op, int depth, st_buf *out,
                            st_error *err)
{
    st_status rc = ST_OK;
    for (int i = 0; i < depth && rc == ST_OK; i++) rc = st_buf_append_str(out, "  ", err);
    if (rc == ST_OK) rc = st_buf_append_str(out, op->ops->name, err);
    if (rc == ST_OK && op->ops->explain) {
        if ((rc = st_buf_append_str(out, " ", err)) != ST_OK) return rc;
        rc = op->ops->explain(op, out, err);
    }
    if (rc == ST_OK && q->analyze)
        rc = st_buf_printf(out, err, "  (rows: %lld, time: %.3f ms%s", (long long)op->rows_out,
                           (double)op->nanos / 1e6, "");
    if (rc == ST_OK && q->analyze && op->bytes_read > 0)
        rc = st_buf_printf(out, err, ", read: %.1f MiB", (double)op->bytes_read / 1048576.0);
    if (rc == ST_OK && q->analyze) rc = st_buf_append_str(out, ")", err);
    if (rc == ST_OK) rc = st_buf_append_str(out, "\n", err);
    for (int i = 0; rc == ST_OK && i < op->n_children; i++)
        if (op->children[i]) rc = explain_op(q, op->children[i], depth + 1, out, err);
    return rc;
}

st_status ex_plan_explain(const ex_query *q, const ex_plan *p, st_buf *out, st_error *err)
{
    st_status rc = explain_op(q, p->root, 0, out, err);
    if (rc == ST_OK && q->analyze)
        rc = st_buf_printf(out, err, "peak memory: %.1f MiB, spilled: %.1f MiB, threads: %d\n",
                           (double)q->mem_peak / 1048576.0, (double)q->spilled / 1048576.0,
                           q->set.threads);
    return rc;
}
