/* opt_util.c -- helpers the optimizer stages share (opt_int.h): column-id
** bitmaps, expression properties (deterministic, correlated, has a
** subquery), substitution of column references, and builders for the nodes
** and expressions rewrites insert. Everything is allocated in the lp_ctx
** arena; nothing here changes an existing node except opt_join_set_cols and
** opt_pass_cols, which recompute a node's output columns. */
#include <string.h>

#include "opt_int.h"

st_status opt_nomem(st_error *err, const char *what)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory %s", what);
}

/* ---- column sets --------------------------------------------------------- */

st_status opt_colset_init(lp_ctx *c, opt_colset *s, st_error *err)
{
    s->n_words = (int)(c->next_col / 64 + 1);
    s->w = st_arena_calloc(c->arena, (size_t)s->n_words, sizeof *s->w);
    if (!s->w) return opt_nomem(err, "building a column set");
    return ST_OK;
}

void opt_colset_add(opt_colset *s, lp_colid id)
{
    if (id >= 0 && id / 64 < s->n_words) s->w[id / 64] |= (uint64_t)1 << (id % 64);
}

bool opt_colset_has(const opt_colset *s, lp_colid id)
{
    return id >= 0 && id / 64 < s->n_words && ((s->w[id / 64] >> (id % 64)) & 1);
}

bool opt_colset_empty(const opt_colset *s)
{
    for (int i = 0; i < s->n_words; i++)
        if (s->w[i]) return false;
    return true;
}

st_status opt_colset_of_node(lp_ctx *c, const lp_node *n, opt_colset *s, st_error *err)
{
    st_status rc = opt_colset_init(c, s, err);
    if (rc != ST_OK) return rc;
    for (int i = 0; i < n->n_cols; i++) opt_colset_add(s, n->cols[i].id);
    return ST_OK;
}

typedef struct add_ctx { opt_colset *s; bool with_outer; } add_ctx;

static bool add_one(lp_expr *e, void *ud)
{
    add_ctx *a = ud;
    if (e->kind == LP_X_COL && (!e->outer || a->with_outer)) opt_colset_add(a->s, e->col);
    return true;
}

void opt_colset_add_expr(opt_colset *s, const lp_expr *e, bool with_outer)
{
    add_ctx a = {s, with_outer};
    lp_expr_walk((lp_expr *)e, add_one, &a);
}

static bool within_one(lp_expr *e, void *ud)
{
    return e->kind != LP_X_COL || e->outer || opt_colset_has(ud, e->col);
}

bool opt_expr_within(const lp_expr *e, const opt_colset *s)
{
    return lp_expr_walk((lp_expr *)e, within_one, (void *)s);
}

static bool touches_one(lp_expr *e, void *ud)
{
    return !(e->kind == LP_X_COL && !e->outer && opt_colset_has(ud, e->col));
}

bool opt_expr_touches(const lp_expr *e, const opt_colset *s)
{
    return !lp_expr_walk((lp_expr *)e, touches_one, (void *)s);
}

/* ---- expression properties ------------------------------------------------ */

static bool det_one(lp_expr *e, void *ud)
{
    (void)ud;
    if (e->kind == LP_X_CALL && e->fn && !e->fn->deterministic) return false;
    return e->kind != LP_X_SUBQUERY;
}

bool opt_expr_deterministic(const lp_expr *e)
{
    return lp_expr_walk((lp_expr *)e, det_one, NULL);
}

static bool cheap_one(lp_expr *e, void *ud)
{
    (void)ud;
    return !(e->kind == LP_X_CALL && e->fn && e->fn->expensive);
}

bool opt_expr_expensive(const lp_expr *e)
{
    return !lp_expr_walk((lp_expr *)e, cheap_one, NULL);
}

static bool subq_one(lp_expr *e, void *ud)
{
    (void)ud;
    return e->kind != LP_X_SUBQUERY;
}

bool opt_expr_has_subquery(const lp_expr *e)
{
    return !lp_expr_walk((lp_expr *)e, subq_one, NULL);
}

static bool outer_one(lp_expr *e, void *ud)
{
    (void)ud;
    return !(e->kind == LP_X_COL && e->outer);
}

bool opt_expr_has_outer(const lp_expr *e)
{
    return !lp_expr_walk((lp_expr *)e, outer_one, NULL);
}

bool opt_is_call(const lp_expr *e, const char *name)
{
    return e && e->kind == LP_X_CALL && e->fn && e->fn->name && strcmp(e->fn->name, name) == 0;
}

bool opt_is_bool_const(const lp_expr *e, bool v)
{
    if (!e || e->kind != LP_X_CONST || e->type.id != VEC_BOOL || !e->value) return false;
    if (!vec_is_valid(e->value, 0)) return false;
    return vec_bit_get(e->value->values, 0) == v;
}

bool opt_is_null_const(const lp_expr *e)
{
    return e && e->kind == LP_X_CONST && (!e->value || !vec_is_valid(e->value, 0));
}

/* ---- rewriting -------------------------------------------------------------- */

lp_expr *opt_expr_subst(lp_ctx *c, const lp_expr *e, const lp_colid *from, lp_expr *const *to,
                        int n)
{
    if (!e) return NULL;
    if (e->kind == LP_X_COL && !e->outer) {
        for (int i = 0; i < n; i++)
            if (from[i] == e->col) return lp_expr_copy(c, to[i]);
    }
    lp_expr *x = st_arena_alloc(c->arena, sizeof *x);
    if (!x) return NULL;
    *x = *e;
    if (e->n_args > 0) {
        x->args = st_arena_alloc(c->arena, (size_t)e->n_args * sizeof *x->args);
        if (!x->args) return NULL;
        for (int i = 0; i < e->n_args; i++) {
            x->args[i] = opt_expr_subst(c, e->args[i], from, to, n);
            if (!x->args[i]) return NULL;
        }
    }
    return x;
}

lp_expr *opt_make_cast(lp_ctx *c, lp_expr *e, const vec_type *to)
{
    if (vec_type_equal(&e->type, to)) return e;
    lp_expr *x = lp_expr_new(c, LP_X_CAST, e->pos);
    lp_expr **args = st_arena_alloc(c->arena, sizeof *args);
    if (!x || !args) return NULL;
    x->type = *to;
    x->nullable = e->nullable;
    args[0] = e;
    x->args = args;
    x->n_args = 1;
    return x;
}

lp_expr *opt_make_not(lp_ctx *c, lp_expr *e)
{
    lp_expr *x = lp_expr_new(c, LP_X_NOT, e->pos);
    lp_expr **args = st_arena_alloc(c->arena, sizeof *args);
    if (!x || !args) return NULL;
    x->type.id = VEC_BOOL;
    x->nullable = e->nullable;
    args[0] = e;
    x->args = args;
    x->n_args = 1;
    return x;
}

st_status opt_make_call(lp_ctx *c, const char *name, lp_expr *const *args, int n_args,
                        lp_expr **out, st_error *err)
{
    if (n_args > FN_MAX_ARGS)
        return st_error_set(err, ST_ERR_INTERNAL, "too many arguments for %s", name);
    fn_arg_info info[FN_MAX_ARGS];
    for (int i = 0; i < n_args; i++) {
        info[i].type = &args[i]->type;
        info[i].is_const = args[i]->kind == LP_X_CONST;
        info[i].value = args[i]->value;
    }
    fn_bound *f = st_arena_calloc(c->arena, 1, sizeof *f);
    lp_expr *x = lp_expr_new(c, LP_X_CALL, -1);
    lp_expr **xa = st_arena_alloc(c->arena, (size_t)(n_args > 0 ? n_args : 1) * sizeof *xa);
    if (!f || !x || !xa) return opt_nomem(err, "building a call");
    st_status rc = fn_resolve(name, info, n_args, c->arena, f, err);
    if (rc != ST_OK) return rc;
    bool nullable = false;
    for (int i = 0; i < n_args; i++) {
        xa[i] = args[i];
        if (f->cast_to[i].id != VEC_NULL) {
            xa[i] = opt_make_cast(c, args[i], &f->cast_to[i]);
            if (!xa[i]) return opt_nomem(err, "building a call");
        }
        nullable = nullable || args[i]->nullable;
    }
    x->fn = f;
    x->type = f->ret;
    x->nullable = f->ret_nullable || nullable;
    x->args = xa;
    x->n_args = n_args;
    *out = x;
    return ST_OK;
}

/* ---- nodes ------------------------------------------------------------------ */

static lp_col *copy_cols(lp_ctx *c, const lp_col *cols, int n)
{
    lp_col *out = st_arena_alloc(c->arena, (size_t)(n > 0 ? n : 1) * sizeof *out);
    if (out && n > 0) memcpy(out, cols, (size_t)n * sizeof *out);
    return out;
}

lp_node *opt_make_filter(lp_ctx *c, lp_node *child, lp_expr **conj, int n)
{
    if (n == 0) return child;
    lp_node *f = lp_node_new(c, LP_FILTER, -1);
    if (!f) return NULL;
    f->cond = lp_and(c, conj, n);
    f->child[0] = child;
    f->n_child = 1;
    f->cols = copy_cols(c, child->cols, child->n_cols);
    f->n_cols = child->n_cols;
    if (!f->cond || !f->cols) return NULL;
    return f;
}

lp_node *opt_make_identity(lp_ctx *c, lp_node *child, const lp_col *cols, int n)
{
    lp_node *p = lp_node_new(c, LP_PROJECT, -1);
    if (!p) return NULL;
    p->cols = copy_cols(c, cols, n);
    p->exprs = st_arena_alloc(c->arena, (size_t)(n > 0 ? n : 1) * sizeof *p->exprs);
    if (!p->cols || !p->exprs) return NULL;
    for (int i = 0; i < n; i++) {
        p->exprs[i] = lp_expr_col(c, &cols[i]);
        if (!p->exprs[i]) return NULL;
    }
    p->n_cols = n;
    p->child[0] = child;
    p->n_child = 1;
    p->est_rows = child->est_rows;
    return p;
}

lp_node *opt_make_join(lp_ctx *c, lp_join_kind kind, lp_node *l, lp_node *r, lp_expr *cond)
{
    lp_node *j = lp_node_new(c, LP_JOIN, -1);
    if (!j) return NULL;
    j->join = kind;
    j->child[0] = l;
    j->child[1] = r;
    j->n_child = 2;
    j->cond = cond;
    st_error err;
    st_error_init(&err);
    if (opt_join_set_cols(c, j, &err) != ST_OK) return NULL;
    return j;
}

st_status opt_join_set_cols(lp_ctx *c, lp_node *j, st_error *err)
{
    const lp_node *l = j->child[0], *r = j->child[1];
    bool mark = j->join == LP_JOIN_MARK;
    lp_col mark_col = {0};
    if (mark) {
        if (j->n_cols < 1) return st_error_set(err, ST_ERR_INTERNAL, "mark join has no mark column");
        mark_col = j->cols[j->n_cols - 1];
    }
    if (j->join == LP_JOIN_RIGHT_SEMI || j->join == LP_JOIN_RIGHT_ANTI) {
        /* right only: the right input's columns unchanged */
        lp_col *rc = st_arena_alloc(c->arena, (size_t)(r->n_cols + 1) * sizeof *rc);
        if (!rc) return opt_nomem(err, "building a join");
        if (r->n_cols > 0) memcpy(rc, r->cols, (size_t)r->n_cols * sizeof *rc);
        j->cols = rc;
        j->n_cols = r->n_cols;
        return ST_OK;
    }
    bool left_only = j->join == LP_JOIN_SEMI || j->join == LP_JOIN_ANTI || mark;
    int n = l->n_cols + (left_only ? 0 : r->n_cols) + (mark ? 1 : 0);
    lp_col *cols = st_arena_alloc(c->arena, (size_t)(n > 0 ? n : 1) * sizeof *cols);
    if (!cols) return opt_nomem(err, "building a join");
    if (l->n_cols > 0) memcpy(cols, l->cols, (size_t)l->n_cols * sizeof *cols);
    if (!left_only && r->n_cols > 0)
        memcpy(cols + l->n_cols, r->cols, (size_t)r->n_cols * sizeof *cols);
    if (mark) cols[n - 1] = mark_col;
    /* Outer joins make the other side's columns nullable. */
    if (j->join == LP_JOIN_LEFT || j->join == LP_JOIN_SINGLE || j->join == LP_JOIN_FULL)
        for (int i = l->n_cols; i < l->n_cols + r->n_cols && !left_only; i++) cols[i].nullable = true;
    if (j->join == LP_JOIN_RIGHT || j->join == LP_JOIN_FULL)
        for (int i = 0; i < l->n_cols; i++) cols[i].nullable = true;
    j->cols = cols;
    j->n_cols = n;
    return ST_OK;
}

st_status opt_pass_cols(lp_ctx *c, lp_node *n, st_error *err)
{
    const lp_node *ch = n->child[0];
    n->cols = copy_cols(c, ch->cols, ch->n_cols);
    if (!n->cols) return opt_nomem(err, "copying columns");
    n->n_cols = ch->n_cols;
    return ST_OK;
}

st_status opt_push_expr(lp_ctx *c, lp_expr ***arr, int *n, lp_expr *e, st_error *err)
{
    lp_expr **g = st_arena_realloc(c->arena, *arr, (size_t)*n * sizeof **arr,
                                   (size_t)(*n + 1) * sizeof **arr);
    if (!g) return opt_nomem(err, "growing an expression list");
    g[(*n)++] = e;
    *arr = g;
    return ST_OK;
}

/* ---- a node's own expressions ------------------------------------------------- */

bool opt_node_any_expr(const lp_node *n, bool (*pred)(const lp_expr *e))
{
#define T(x) do { if ((x) && pred(x)) return true; } while (0)
    T(n->cond);
    T(n->residual);
    T(n->gen_arg);
    for (int i = 0; i < n->n_filters; i++) T(n->filters[i]);
    if (n->kind == LP_PROJECT)
        for (int i = 0; i < n->n_cols; i++) T(n->exprs[i]);
    if (n->kind == LP_VALUES)
        for (int64_t i = 0; i < n->n_rows * n->n_cols; i++) T(n->values[i]);
    for (int i = 0; i < n->n_groups; i++) T(n->groups[i]);
    for (int j = 0; j < n->n_aggs; j++) {
        for (int i = 0; i < n->aggs[j].n_args; i++) T(n->aggs[j].args[i]);
        T(n->aggs[j].filter);
    }
    for (int i = 0; i < n->n_join_keys; i++) {
        T(n->left_keys[i]);
        T(n->right_keys[i]);
    }
    for (int i = 0; i < n->n_keys; i++) T(n->keys[i].expr);
    for (int i = 0; i < n->n_partition; i++) T(n->partition[i]);
    for (int j = 0; j < n->n_winfns; j++)
        for (int i = 0; i < n->winfns[j].n_args; i++) T(n->winfns[j].args[i]);
#undef T
    return false;
}

static bool nondeterministic(const lp_expr *e)
{
    return !opt_expr_deterministic(e);
}

bool opt_plan_repeatable(const lp_node *n, int depth)
{
    if (depth > 10000 || n->kind == LP_LIMIT || n->kind == LP_WINDOW || n->kind == LP_GENERATE ||
        opt_node_any_expr(n, nondeterministic))
        return false;
    for (int i = 0; i < n->n_child; i++)
        if (!opt_plan_repeatable(n->child[i], depth + 1)) return false;
    return true;
}

/* ---- plan copies ------------------------------------------------------------ */

typedef struct cp_ctx {
    lp_ctx   *c;
    lp_colid *map;            /* old id -> new id (-1: not yet), renumber only */
    int       n_map;
    bool      renumber;
    bool      failed;
    lp_colid  canon;          /* > 0: canonical ids from here on (not the ctx's) */
} cp_ctx;

static lp_colid cp_id(cp_ctx *k, lp_colid id)
{
    if (!k->renumber || id < 0 || id >= k->n_map) return id;
    if (k->map[id] < 0) k->map[id] = k->canon > 0 ? k->canon++ : lp_ctx_new_col(k->c);
    return k->map[id];
}

static lp_expr *cp_expr(cp_ctx *k, const lp_expr *e)
{
    if (!e) return NULL;
    lp_expr *x = st_arena_alloc(k->c->arena, sizeof *x);
    if (!x) { k->failed = true; return NULL; }
    *x = *e;
    if (e->kind == LP_X_COL && !e->outer) x->col = cp_id(k, e->col);
    if (e->n_args > 0) {
        x->args = st_arena_alloc(k->c->arena, (size_t)e->n_args * sizeof *x->args);
        if (!x->args) { k->failed = true; return NULL; }
        for (int i = 0; i < e->n_args; i++) x->args[i] = cp_expr(k, e->args[i]);
    }
    return x;
}

static lp_expr **cp_exprs(cp_ctx *k, lp_expr *const *es, int64_t n)
{
    if (!es || n <= 0) return NULL;
    lp_expr **x = st_arena_alloc(k->c->arena, (size_t)n * sizeof *x);
    if (!x) { k->failed = true; return NULL; }
    for (int64_t i = 0; i < n; i++) x[i] = cp_expr(k, es[i]);
    return x;
}

static void *cp_mem(cp_ctx *k, const void *p, size_t n)
{
    if (!p || n == 0) return NULL;
    void *x = st_arena_alloc(k->c->arena, n);
    if (!x) { k->failed = true; return NULL; }
    memcpy(x, p, n);
    return x;
}

/* A deep copy of the plan n (renumbered: every column gets a new id). */
static lp_node *cp_node(cp_ctx *k, const lp_node *n, int depth)
{
    lp_node *x = st_arena_alloc(k->c->arena, sizeof *x);
    if (!x || depth > 10000) { k->failed = true; return NULL; }
    *x = *n;
    for (int i = 0; i < n->n_child; i++)
        if (!(x->child[i] = cp_node(k, n->child[i], depth + 1))) return NULL;
    x->cols = cp_mem(k, n->cols, (size_t)n->n_cols * sizeof *n->cols);
    for (int i = 0; x->cols && i < n->n_cols; i++) x->cols[i].id = cp_id(k, n->cols[i].id);
    if (n->kind == LP_SCAN) x->scan_fields = cp_mem(k, n->scan_fields, (size_t)n->n_cols * sizeof(int));
    x->filters = cp_exprs(k, n->filters, n->n_filters);
    if (n->kind == LP_VALUES) x->values = cp_exprs(k, n->values, n->n_rows * n->n_cols);
    if (n->kind == LP_PROJECT) x->exprs = cp_exprs(k, n->exprs, n->n_cols);
    x->cond = cp_expr(k, n->cond);
    x->residual = cp_expr(k, n->residual);
    x->gen_arg = cp_expr(k, n->gen_arg);
    x->groups = cp_exprs(k, n->groups, n->n_groups);
    x->aggs = cp_mem(k, n->aggs, (size_t)n->n_aggs * sizeof *n->aggs);
    for (int j = 0; x->aggs && j < n->n_aggs; j++) {
        x->aggs[j].args = cp_exprs(k, n->aggs[j].args, n->aggs[j].n_args);
        x->aggs[j].filter = cp_expr(k, n->aggs[j].filter);
        x->aggs[j].out = cp_id(k, n->aggs[j].out);
    }
    x->left_keys = cp_exprs(k, n->left_keys, n->n_join_keys);
    x->right_keys = cp_exprs(k, n->right_keys, n->n_join_keys);
    x->keys = cp_mem(k, n->keys, (size_t)n->n_keys * sizeof *n->keys);
    for (int i = 0; x->keys && i < n->n_keys; i++) x->keys[i].expr = cp_expr(k, n->keys[i].expr);
    x->partition = cp_exprs(k, n->partition, n->n_partition);
    x->winfns = cp_mem(k, n->winfns, (size_t)n->n_winfns * sizeof *n->winfns);
    for (int j = 0; x->winfns && j < n->n_winfns; j++) {
        x->winfns[j].args = cp_exprs(k, n->winfns[j].args, n->winfns[j].n_args);
        x->winfns[j].frame.start.offset = cp_expr(k, n->winfns[j].frame.start.offset);
        x->winfns[j].frame.end.offset = cp_expr(k, n->winfns[j].frame.end.offset);
        x->winfns[j].out = cp_id(k, n->winfns[j].out);
    }
    return k->failed ? NULL : x;
}

static lp_node *copy_plan(lp_ctx *c, const lp_node *n, bool renumber, lp_colid canon,
                          lp_colid **map_out)
{
    cp_ctx k = {c, NULL, 0, renumber, false, canon};
    if (renumber) {
        k.n_map = (int)c->next_col;
        k.map = st_arena_alloc(c->arena, (size_t)(k.n_map + 1) * sizeof *k.map);
        if (!k.map) return NULL;
        for (int i = 0; i < k.n_map; i++) k.map[i] = -1;
    }
    if (map_out) *map_out = k.map;
    return cp_node(&k, n, 0);
}

lp_node *opt_copy_plan(lp_ctx *c, const lp_node *n, bool renumber, lp_colid **map_out)
{
    return copy_plan(c, n, renumber, 0, map_out);
}

st_status opt_canonical_text(lp_ctx *c, const lp_node *n, st_buf *out, st_error *err)
{
    lp_node *copy = copy_plan(c, n, true, 1, NULL);
    if (!copy) return opt_nomem(err, "comparing plans");
    return lp_format(copy, out, err);
}
