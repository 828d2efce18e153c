/* bind_agg.c -- aggregate calls, window function calls and grouping() /
** grouping_id() inside a SELECT. Each aggregate is resolved (agg_resolve,
** argument casts made explicit), de-duplicated against the ones already
** collected in the SELECT's bind_sel and replaced by a reference to its
** output column; window functions are collected with their bound partition,
** order and frame (Spark's default frames resolved here) and likewise
** replaced. bind_select.c later builds the AGGREGATE and WINDOW nodes
** producing those columns. Misplaced aggregates (WHERE, GROUP BY, JOIN ON,
** nested) and window functions are errors naming the function and clause. */
#include "bind_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

bool bind_agg_nullable(const char *name)
{
    return strcmp(name, "count") != 0 && strcmp(name, "count_if") != 0 &&
           strcmp(name, "approx_count_distinct") != 0;
}

static lp_expr *col_ref(binder *b, const lp_col *c, int32_t pos)
{
    lp_expr *e = lp_expr_col(b->c, c);
    if (e) {
        e->pos = pos;
        e->name = c->name;
        e->type = c->type;
        e->nullable = c->nullable;
    }
    return e;
}

static st_status cast_args(binder *b, lp_expr **args, int n, const vec_type *cast_to)
{
    for (int i = 0; i < n; i++)
        if (cast_to[i].id != VEC_NULL && !(args[i] = bind_cast_to(b, args[i], &cast_to[i])))
            return bind_nomem(b);
    return ST_OK;
}

static st_status bind_args(binder *b, const bind_ectx *x, const sql_expr *e, lp_expr ***out,
                           fn_arg_info *info)
{
    if (e->n_list > FN_MAX_ARGS)
        return bind_error(b, e->pos, "too many arguments");
    lp_expr **args = bind_alloc(b, sizeof *args * (size_t)(e->n_list + 1));
    if (!args)
        return bind_nomem(b);
    for (int i = 0; i < e->n_list; i++) {
        st_status rc = bind_expr(b, x, e->list[i], &args[i]);
        if (rc != ST_OK)
            return rc;
        info[i].type = &args[i]->type;
        info[i].is_const = args[i]->kind == LP_X_CONST;
        info[i].value = info[i].is_const ? args[i]->value : NULL;
    }
    *out = args;
    return ST_OK;
}

static bool agg_same(const lp_agg *a, const agg_bound *f, lp_expr *const *args, int n,
                     const lp_expr *filter)
{
    if (strcmp(a->fn->name, f->name) != 0 || a->fn->distinct != f->distinct || a->n_args != n ||
        !bind_expr_equal(a->filter, filter))
        return false;
    for (int i = 0; i < n; i++)
        if (!bind_expr_equal(a->args[i], args[i]))
            return false;
    return true;
}

st_status bind_agg_call(binder *b, const bind_ectx *x, const sql_expr *e, const char *name,
                        lp_expr **out)
{
    if (x->in_agg)
        return bind_error(b, e->pos,
                          "aggregate function %s cannot be nested inside another aggregate "
                          "function", name);
    if (!x->sel || !x->allow_agg)
        return bind_error(b, e->pos, "aggregate function %s is not allowed in %s", name,
                          x->clause ? x->clause : "this context");
    if (e->star && strcmp(name, "count") != 0)
        return bind_error(b, e->pos, "%s(*) is not supported; only count(*) is", name);
    bind_ectx ax = *x;
    ax.in_agg = true;
    fn_arg_info info[FN_MAX_ARGS];
    lp_expr **args;
    lp_expr *filter = NULL;
    st_status rc = bind_args(b, &ax, e, &args, info);
    if (rc != ST_OK)
        return rc;
    agg_bound *f = bind_alloc(b, sizeof *f);
    if (!f)
        return bind_nomem(b);
    if ((rc = agg_resolve(name, e->distinct, info, e->n_list, b->c->arena, f, b->err)) != ST_OK)
        return bind_error_at(b, e->pos, rc);
    if ((rc = cast_args(b, args, e->n_list, f->cast_to)) != ST_OK)
        return rc;
    if (e->b && (rc = bind_cond(b, &ax, e->b, &filter)) != ST_OK)
        return rc;
    bind_sel *s = x->sel;
    for (int i = 0; i < s->n_aggs; i++)
        if (agg_same(&s->aggs[i], f, args, e->n_list, filter)) {
            lp_col c = {.id = s->aggs[i].out, .name = bind_expr_name(b, e),
                        .type = s->aggs[i].fn->ret, .nullable = bind_agg_nullable(name)};
            return (*out = col_ref(b, &c, e->pos)) ? ST_OK : bind_nomem(b);
        }
    lp_col c = bind_new_col(b, bind_expr_name(b, e), &f->ret, bind_agg_nullable(name));
    lp_agg a = {.fn = f, .args = args, .n_args = e->n_list, .filter = filter, .out = c.id};
    if ((rc = bind_push(b, (void **)&s->aggs, &s->n_aggs, &s->cap_aggs, &a, sizeof a)) != ST_OK)
        return rc;
    return (*out = col_ref(b, &c, e->pos)) ? ST_OK : bind_nomem(b);
}

/* ---- window functions ------------------------------------------------------------- */

typedef struct win_spec {
    sql_expr      **partition;   /* PARTITION BY (borrowed: AST) */
    int             n_partition;
    sql_order_item *order;       /* ORDER BY (borrowed: AST) */
    int             n_order;
    sql_frame_unit  frame;       /* NONE: the default frame */
    sql_bound       start, end;  /* frame bounds when frame != NONE */
    int32_t         pos;         /* the call, for errors */
} win_spec;

static const sql_window *named_window(const bind_sel *s, const char *name)
{
    for (int i = 0; i < s->n_windows; i++)
        if (bind_name_eq(s->windows[i].name, name))
            return s->windows[i].spec;
    return NULL;
}

/* Merges w (and the named windows it builds on) into *out. */
static st_status resolve_spec(binder *b, const bind_sel *s, const sql_window *w, int depth,
                              int32_t pos, win_spec *out)
{
    if (depth > 16)
        return bind_error(b, pos, "window definitions refer to each other in a cycle");
    if (w->base) {
        const sql_window *base = named_window(s, w->base);
        if (!base)
            return bind_error(b, w->pos, "window '%s' is not defined", w->base);
        st_status rc = resolve_spec(b, s, base, depth + 1, pos, out);
        if (rc != ST_OK)
            return rc;
    }
    if (w->n_partition > 0) {
        out->partition = w->partition;
        out->n_partition = w->n_partition;
    }
    if (w->n_order > 0) {
        out->order = w->order;
        out->n_order = w->n_order;
    }
    if (w->frame != SQL_FRAME_NONE) {
        out->frame = w->frame;
        out->start = w->start;
        out->end = w->end;
    }
    return ST_OK;
}

static st_status conv_bound(binder *b, const bind_ectx *x, const sql_bound *sb, bool range,
                            lp_frame_bound *out)
{
    static const lp_frame_bound_kind K[] = {LP_FB_UNBOUNDED_PRECEDING, LP_FB_PRECEDING,
                                            LP_FB_CURRENT_ROW, LP_FB_FOLLOWING,
                                            LP_FB_UNBOUNDED_FOLLOWING};
    out->kind = K[sb->kind];
    if (!sb->offset)
        return ST_OK;
    if (!range) {
        st_status rc = bind_const_int(b, sb->offset, "ROWS frame offset", &out->rows);
        if (rc == ST_OK && out->rows < 0)
            return bind_error(b, sb->offset->pos, "frame offset must not be negative");
        return rc;
    }
    st_status rc = bind_expr(b, x, sb->offset, &out->offset);
    if (rc == ST_OK && out->offset->kind != LP_X_CONST)
        return bind_error(b, sb->offset->pos, "RANGE frame offset must be a constant");
    return rc;
}

static st_status bind_spec(binder *b, const bind_ectx *wx, const win_spec *sp, bind_win *w)
{
    st_status rc;
    if (sp->n_partition &&
        !(w->partition = bind_alloc(b, sizeof *w->partition * (size_t)sp->n_partition)))
        return bind_nomem(b);
    for (int i = 0; i < sp->n_partition; i++)
        if ((rc = bind_expr(b, wx, sp->partition[i], &w->partition[i])) != ST_OK)
            return rc;
    w->n_partition = sp->n_partition;
    if (sp->n_order && !(w->order = bind_alloc(b, sizeof *w->order * (size_t)sp->n_order)))
        return bind_nomem(b);
    for (int i = 0; i < sp->n_order; i++) {
        const sql_order_item *it = &sp->order[i];
        if ((rc = bind_expr(b, wx, it->expr, &w->order[i].expr)) != ST_OK)
            return rc;
        w->order[i].desc = it->desc;
        w->order[i].nulls_first = it->nulls == SQL_NULLS_DEFAULT ? !it->desc
                                                                 : it->nulls == SQL_NULLS_FIRST;
    }
    w->n_order = sp->n_order;
    lp_frame *f = &w->fn.frame;
    if (sp->frame == SQL_FRAME_NONE) {
        f->range = sp->n_order > 0;
        f->start.kind = LP_FB_UNBOUNDED_PRECEDING;
        f->end.kind = sp->n_order > 0 ? LP_FB_CURRENT_ROW : LP_FB_UNBOUNDED_FOLLOWING;
        return ST_OK;
    }
    f->range = sp->frame == SQL_FRAME_RANGE;
    if ((rc = conv_bound(b, wx, &sp->start, f->range, &f->start)) != ST_OK ||
        (rc = conv_bound(b, wx, &sp->end, f->range, &f->end)) != ST_OK)
        return rc;
    return ST_OK;
}

typedef struct win_name {
    const char *name;         /* lowercase function name */
    lp_win_kind kind;
    int         min_args, max_args; /* argument count bounds */
} win_name;

static const win_name WIN_NAMES[] = {
    {"row_number", LP_WIN_ROW_NUMBER, 0, 0}, {"rank", LP_WIN_RANK, 0, 0},
    {"dense_rank", LP_WIN_DENSE_RANK, 0, 0}, {"percent_rank", LP_WIN_PERCENT_RANK, 0, 0},
    {"cume_dist", LP_WIN_CUME_DIST, 0, 0}, {"ntile", LP_WIN_NTILE, 1, 1},
    {"lag", LP_WIN_LAG, 1, 3}, {"lead", LP_WIN_LEAD, 1, 3},
    {"first_value", LP_WIN_FIRST_VALUE, 1, 1}, {"first", LP_WIN_FIRST_VALUE, 1, 1},
    {"last_value", LP_WIN_LAST_VALUE, 1, 1}, {"last", LP_WIN_LAST_VALUE, 1, 1},
    {"nth_value", LP_WIN_NTH_VALUE, 2, 2},
};

/* A constant int argument (ntile buckets, lag offset, nth_value n). */
static st_status const_arg(binder *b, const sql_expr *e, const char *what, int64_t min,
                           lp_expr **out)
{
    int64_t v;
    st_status rc = bind_const_int(b, e, what, &v);
    if (rc != ST_OK)
        return rc;
    if (v < min || v > INT32_MAX)
        return bind_error(b, e->pos, "%s %lld is out of range", what, (long long)v);
    vec_type t = {.id = VEC_INT32};
    vec_scalar s = {.i64 = v};
    if (!(*out = lp_expr_const(b->c, &t, &s)))
        return bind_nomem(b);
    (*out)->pos = e->pos;
    return ST_OK;
}

static st_status bind_win_args(binder *b, const bind_ectx *wx, const sql_expr *e,
                               const win_name *wn, lp_winfn *fn)
{
    int n = e->n_list;
    if (n < wn->min_args || n > wn->max_args)
        return bind_error(b, e->pos, "window function %s takes %d to %d arguments, got %d",
                          wn->name, wn->min_args, wn->max_args, n);
    fn->args = bind_alloc(b, sizeof *fn->args * (size_t)(n + 1));
    if (!fn->args)
        return bind_nomem(b);
    fn->n_args = n;
    fn->type.id = VEC_INT32;
    st_status rc = ST_OK;
    switch (wn->kind) {
    case LP_WIN_PERCENT_RANK:
    case LP_WIN_CUME_DIST:
        fn->type.id = VEC_DOUBLE;
        break;
    case LP_WIN_NTILE:
        rc = const_arg(b, e->list[0], "ntile bucket count", 1, &fn->args[0]);
        break;
    case LP_WIN_LAG:
    case LP_WIN_LEAD:
    case LP_WIN_FIRST_VALUE:
    case LP_WIN_LAST_VALUE:
    case LP_WIN_NTH_VALUE:
        if ((rc = bind_expr(b, wx, e->list[0], &fn->args[0])) != ST_OK)
            return rc;
        fn->type = fn->args[0]->type;
        if (n >= 2)
            rc = const_arg(b, e->list[1], wn->kind == LP_WIN_NTH_VALUE ? "nth_value position"
                                                                        : "offset",
                           wn->kind == LP_WIN_NTH_VALUE ? 1 : 0, &fn->args[1]);
        if (rc == ST_OK && n == 3) {
            if ((rc = bind_expr(b, wx, e->list[2], &fn->args[2])) != ST_OK)
                return rc;
            lp_expr *pair[2] = {fn->args[0], fn->args[2]};
            if ((rc = bind_unify(b, pair, 2, e->pos, "lag/lead default")) != ST_OK)
                return rc;
            fn->args[0] = pair[0];
            fn->args[2] = pair[1];
            fn->type = pair[0]->type;
        }
        break;
    default:
        break;
    }
    return rc;
}

static st_status bind_win_agg(binder *b, const bind_ectx *wx, const sql_expr *e,
                              const char *name, lp_winfn *fn)
{
    fn_arg_info info[FN_MAX_ARGS];
    st_status rc = bind_args(b, wx, e, &fn->args, info);
    if (rc != ST_OK)
        return rc;
    agg_bound *f = bind_alloc(b, sizeof *f);
    if (!f)
        return bind_nomem(b);
    if ((rc = agg_resolve(name, e->distinct, info, e->n_list, b->c->arena, f, b->err)) != ST_OK)
        return bind_error_at(b, e->pos, rc);
    fn->kind = LP_WIN_AGG;
    fn->agg = f;
    fn->n_args = e->n_list;
    fn->type = f->ret;
    return cast_args(b, fn->args, e->n_list, f->cast_to);
}

st_status bind_win_call(binder *b, const bind_ectx *x, const sql_expr *e, const char *name,
                        lp_expr **out)
{
    if (x->in_agg)
        return bind_error(b, e->pos,
                          "window function %s cannot be used inside an aggregate function",
                          name);
    if (x->in_win)
        return bind_error(b, e->pos,
                          "window function %s cannot be nested inside another window function",
                          name);
    if (!x->sel || !x->allow_win)
        return bind_error(b, e->pos, "window function %s is not allowed in %s", name,
                          x->clause ? x->clause : "this context");
    win_spec sp = {.pos = e->pos};
    st_status rc;
    if (e->over_name) {
        const sql_window *w = named_window(x->sel, e->over_name);
        if (!w)
            return bind_error(b, e->pos, "window '%s' is not defined", e->over_name);
        rc = resolve_spec(b, x->sel, w, 0, e->pos, &sp);
    } else {
        rc = resolve_spec(b, x->sel, e->over, 0, e->pos, &sp);
    }
    if (rc != ST_OK)
        return rc;
    bind_ectx wx = *x;
    wx.in_win = true;
    bind_win w = {0};
    const win_name *wn = NULL;
    for (size_t i = 0; i < ST_ARRAY_LEN(WIN_NAMES); i++)
        if (!strcmp(WIN_NAMES[i].name, name))
            wn = &WIN_NAMES[i];
    if (wn) {
        w.fn.kind = wn->kind;
        rc = bind_win_args(b, &wx, e, wn, &w.fn);
    } else if (agg_exists(name)) {
        rc = bind_win_agg(b, &wx, e, name, &w.fn);
    } else {
        return bind_error(b, e->pos, "function %s is not a window function", name);
    }
    if (rc != ST_OK || (rc = bind_spec(b, &wx, &sp, &w)) != ST_OK)
        return rc;
    if (wn && wn->kind >= LP_WIN_ROW_NUMBER && wn->kind <= LP_WIN_LEAD && wn->kind != LP_WIN_AGG &&
        sp.n_order == 0)
        return bind_error(b, e->pos, "window function %s requires an ORDER BY in its window",
                          name);
    w.fn.ignore_nulls = e->nulls == SQL_NULLS_IGNORE;
    vec_type rt;
    if ((rc = bind_type_copy(b, &w.fn.type, &rt)) != ST_OK)
        return rc;
    bool nullable = !(wn && wn->kind >= LP_WIN_ROW_NUMBER && wn->kind <= LP_WIN_NTILE) &&
                    !(w.fn.agg && !bind_agg_nullable(name));
    lp_col c = bind_new_col(b, bind_expr_name(b, e), &rt, nullable);
    w.fn.type = rt;
    w.fn.out = c.id;
    w.name = c.name;
    w.nullable = nullable;
    bind_sel *s = x->sel;
    if ((rc = bind_push(b, (void **)&s->wins, &s->n_wins, &s->cap_wins, &w, sizeof w)) != ST_OK)
        return rc;
    return (*out = col_ref(b, &c, e->pos)) ? ST_OK : bind_nomem(b);
}

/* ---- grouping() / grouping_id() --------------------------------------------------- */

static st_status int64_const(binder *b, int64_t v, lp_expr **out)
{
    vec_type t = {.id = VEC_INT64};
    vec_scalar s = {.i64 = v};
    return (*out = lp_expr_const(b->c, &t, &s)) ? ST_OK : bind_nomem(b);
}

/* (gid div 2^k) % 2 as a bigint: whether group g is aggregated away. */
static st_status grouping_bit(binder *b, const bind_ectx *x, const sql_expr *arg,
                              int32_t pos, lp_expr **out)
{
    bind_sel *s = x->sel;
    bind_ectx gx = *x;
    gx.allow_agg = gx.allow_win = false;
    gx.clause = "grouping()";
    lp_expr *a;
    st_status rc = bind_expr(b, &gx, arg, &a);
    if (rc != ST_OK)
        return rc;
    int g = -1;
    for (int i = 0; i < s->n_groups && g < 0; i++)
        if (bind_expr_equal(s->groups[i], a))
            g = i;
    if (g < 0)
        return bind_error(b, arg->pos, "argument of grouping() must be a GROUP BY expression");
    lp_expr *args[2];
    if (!(args[0] = col_ref(b, &s->gid, pos)) ||
        (rc = int64_const(b, (int64_t)1 << (s->n_groups - 1 - g), &args[1])) != ST_OK ||
        (rc = bind_call_fn(b, "div", args, 2, pos, &args[0])) != ST_OK ||
        (rc = int64_const(b, 2, &args[1])) != ST_OK)
        return rc;
    return bind_call_fn(b, "%", args, 2, pos, out);
}

st_status bind_grouping_call(binder *b, const bind_ectx *x, const sql_expr *e,
                             const char *name, lp_expr **out)
{
    if (!x->sel || !x->allow_agg || !x->sel->has_sets)
        return bind_error(b, e->pos,
                          "%s() can only be used with GROUPING SETS, ROLLUP or CUBE", name);
    bind_sel *s = x->sel;
    st_status rc;
    if (!strcmp(name, "grouping")) {
        if (e->n_list != 1)
            return bind_error(b, e->pos, "grouping() takes exactly one argument");
        lp_expr *bit;
        if ((rc = grouping_bit(b, x, e->list[0], e->pos, &bit)) != ST_OK)
            return rc;
        vec_type t8 = {.id = VEC_INT8};
        return (*out = bind_cast_to(b, bit, &t8)) ? ST_OK : bind_nomem(b);
    }
    if (e->n_list == 0)
        return (*out = col_ref(b, &s->gid, e->pos)) ? ST_OK : bind_nomem(b);
    lp_expr *acc = NULL;
    for (int i = 0; i < e->n_list; i++) {
        lp_expr *bit, *args[2];
        if ((rc = grouping_bit(b, x, e->list[i], e->pos, &bit)) != ST_OK)
            return rc;
        if (!acc) {
            acc = bit;
            continue;
        }
        args[0] = acc;
        if ((rc = int64_const(b, 2, &args[1])) != ST_OK ||
            (rc = bind_call_fn(b, "*", args, 2, e->pos, &args[0])) != ST_OK)
            return rc;
        args[1] = bit;
        if ((rc = bind_call_fn(b, "+", args, 2, e->pos, &acc)) != ST_OK)
            return rc;
    }
    *out = acc;
    return ST_OK;
}
