/* bind_select.c -- binds one SELECT block into the plan's node pipeline:
**   FROM -> FILTER (WHERE) -> AGGREGATE (GROUP BY, grouping sets) -> FILTER
**   (HAVING) -> WINDOW (one per distinct partition/order spec) -> FILTER
**   (QUALIFY) -> GENERATE (explode) -> PROJECT (select list + ORDER BY
**   helpers) -> DISTINCT -> SORT -> LIMIT -> PROJECT (drops the helpers).
** Expressions are first bound over the FROM scope, aggregates and window
** functions collected as they are met (bind_agg.c). In an aggregate query
** every expression above the AGGREGATE is then rewritten: subtrees equal to
** a GROUP BY expression become references to its group column, and any
** other column of the input is the "must appear in the GROUP BY clause"
** error. ORDER BY resolves ordinals and select-list names first, then
** expressions over the input (matched against the select list, else added
** as hidden helper columns), then expressions over the select list. */
#include "bind_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_GROUPS 63
#define MAX_SETS   4096

/* ---- small node builders ---------------------------------------------------------- */

static lp_node *unary_node(binder *b, lp_kind k, lp_node *child, int32_t pos)
{
    lp_node *n = lp_node_new(b->c, k, pos);
    if (!n)
        return NULL;
    n->child[0] = child;
    n->n_child = 1;
    n->cols = child->cols;
    n->n_cols = child->n_cols;
    return n;
}

static st_status add_filter(binder *b, lp_node **n, lp_expr *cond, int32_t pos)
{
    if (!cond)
        return ST_OK;
    lp_node *f = unary_node(b, LP_FILTER, *n, pos);
    if (!f)
        return bind_nomem(b);
    f->cond = cond;
    *n = f;
    return ST_OK;
}

static lp_expr *col_ref(binder *b, const lp_col *c, int32_t pos)
{
    lp_expr *e = lp_expr_col(b->c, c);
    if (e)
        e->pos = pos;
    return e;
}

/* ---- GROUP BY ----------------------------------------------------------------------- */

typedef struct set_list {
    uint64_t *sets;           /* arena; bit g = group g in the set */
    int       n, cap;         /* used / allocated entries */
} set_list;

static st_status push_set(binder *b, set_list *l, uint64_t s)
{
    if (l->n >= MAX_SETS)
        return bind_error(b, -1, "too many grouping sets (more than %d)", MAX_SETS);
    return bind_push(b, (void **)&l->sets, &l->n, &l->cap, &s, sizeof s);
}

/* Binds one GROUP BY expression (ordinal, select alias or expression) and
** returns its index among the groups. */
static st_status group_index(binder *b, const sql_query *q, const bind_ectx *gx,
                             bind_sel *s, const sql_expr *e, int *out)
{
    const sql_expr *use = e;
    if (e->kind == SQL_E_LITERAL && e->lit == SQL_LIT_INT) {
        int64_t k;
        st_status rc = bind_const_int(b, e, "GROUP BY position", &k);
        if (rc != ST_OK)
            return rc;
        if (k < 1 || k > q->n_items || q->items[k - 1].expr->kind == SQL_E_STAR)
            return bind_error(b, e->pos, "GROUP BY position %lld is not in the select list",
                              (long long)k);
        use = q->items[k - 1].expr;
    }
    lp_expr *g;
    st_status rc = bind_expr(b, gx, use, &g);
    if (rc == ST_ERR_BIND && e->kind == SQL_E_NAME && e->name.n_parts == 1) {
        for (int i = 0; i < q->n_items; i++)
            if (bind_name_eq(q->items[i].alias, e->name.parts[0])) {
                st_error_init(b->err);
                rc = bind_expr(b, gx, q->items[i].expr, &g);
                break;
            }
    }
    if (rc != ST_OK)
        return rc;
    for (int i = 0; i < s->n_groups; i++)
        if (bind_expr_equal(s->groups[i], g)) {
            *out = i;
            return ST_OK;
        }
    if (s->n_groups >= MAX_GROUPS)
        return bind_error(b, e->pos, "too many GROUP BY expressions (more than %d)", MAX_GROUPS);
    int cap = s->n_groups;
    if ((rc = bind_push(b, (void **)&s->groups, &s->n_groups, &cap, &g, sizeof g)) != ST_OK)
        return rc;
    *out = s->n_groups - 1;
    return ST_OK;
}

/* The sets one GROUPING element (ROW of exprs, or one expr) stands for. */
static st_status element_set(binder *b, const sql_query *q, const bind_ectx *gx, bind_sel *s,
                             const sql_expr *e, uint64_t *out)
{
    *out = 0;
    int g;
    st_status rc;
    if (e->kind == SQL_E_ROW) {
        for (int i = 0; i < e->n_list; i++) {
            if ((rc = group_index(b, q, gx, s, e->list[i], &g)) != ST_OK)
                return rc;
            *out |= (uint64_t)1 << g;
        }
        return ST_OK;
    }
    if (e->kind == SQL_E_GROUPING)
        return bind_error_code(b, ST_ERR_UNSUPPORTED, e->pos,
                               "nested ROLLUP/CUBE/GROUPING SETS are not supported");
    if ((rc = group_index(b, q, gx, s, e, &g)) != ST_OK)
        return rc;
    *out = (uint64_t)1 << g;
    return ST_OK;
}

/* Sets of one GROUP BY item into *l. */
static st_status item_sets(binder *b, const sql_query *q, const bind_ectx *gx, bind_sel *s,
                           const sql_expr *e, set_list *l)
{
    st_status rc;
    if (e->kind != SQL_E_GROUPING) {
        uint64_t m;
        return (rc = element_set(b, q, gx, s, e, &m)) != ST_OK ? rc : push_set(b, l, m);
    }
    s->has_sets = true;
    uint64_t *el = bind_alloc(b, sizeof *el * (size_t)(e->n_list + 1));
    if (!el)
        return bind_nomem(b);
    for (int i = 0; i < e->n_list; i++)
        if ((rc = element_set(b, q, gx, s, e->list[i], &el[i])) != ST_OK)
            return rc;
    int k = e->n_list;
    if (e->op == SQL_OP_ROLLUP) {
        for (int n = k; n >= 0; n--) {
            uint64_t m = 0;
            for (int i = 0; i < n; i++)
                m |= el[i];
            if ((rc = push_set(b, l, m)) != ST_OK)
                return rc;
        }
    } else if (e->op == SQL_OP_CUBE) {
        if (k > 12)
            return bind_error(b, e->pos, "CUBE of %d expressions is too large (at most 12)", k);
        for (uint32_t bits = (1u << k); bits-- > 0;) {
            uint64_t m = 0;
            for (int i = 0; i < k; i++)
                if (bits & (1u << (k - 1 - i)))
                    m |= el[i];
            if ((rc = push_set(b, l, m)) != ST_OK)
                return rc;
        }
    } else {
        for (int i = 0; i < k; i++)
            if ((rc = push_set(b, l, el[i])) != ST_OK)
                return rc;
    }
    return ST_OK;
}

/* Binds GROUP BY into s->groups and (with grouping sets) the cross product
** of the items' sets into *sets. */
static st_status bind_group_by(binder *b, const sql_query *q, const bind_scope *scope,
                               bind_sel *s, uint64_t **sets, int *n_sets)
{
    bind_ectx gx = {.scope = scope, .clause = "GROUP BY"};
    set_list acc = {0};
    st_status rc = push_set(b, &acc, 0);
    for (int i = 0; rc == ST_OK && i < q->n_group_by; i++) {
        set_list one = {0}, next = {0};
        if ((rc = item_sets(b, q, &gx, s, q->group_by[i], &one)) != ST_OK)
            return rc;
        for (int x = 0; rc == ST_OK && x < acc.n; x++)
            for (int y = 0; rc == ST_OK && y < one.n; y++)
                rc = push_set(b, &next, acc.sets[x] | one.sets[y]);
        acc = next;
    }
    if (rc != ST_OK)
        return rc;
    *sets = s->has_sets ? acc.sets : NULL;
    *n_sets = s->has_sets ? acc.n : 0;
    if (s->has_sets) {
        vec_type t = {.id = VEC_INT64};
        s->gid = bind_new_col(b, "spark_grouping_id", &t, false);
    }
    return ST_OK;
}

/* ---- rewriting over the aggregate's output -------------------------------------------- */

typedef struct agg_map {
    bind_sel     *s;          /* groups and the input they are over */
    const lp_col *gcols;      /* the AGGREGATE's group output columns */
} agg_map;

static st_status rewrite_outer_plan(binder *b, const agg_map *m, lp_node *n, int depth);

/* Correlated references (inside a subquery above the AGGREGATE) to a GROUP
** BY column now name the group column: the subquery runs over the groups. */
static st_status rewrite_outer(binder *b, const agg_map *m, lp_expr **pe, int depth)
{
    lp_expr *e = *pe;
    if (!e)
        return ST_OK;
    if (e->kind == LP_X_COL && e->outer) {
        for (int g = 0; g < m->s->n_groups; g++)
            if (m->s->groups[g]->kind == LP_X_COL && m->s->groups[g]->col == e->col) {
                lp_expr *r = col_ref(b, &m->gcols[g], e->pos);
                if (!r)
                    return bind_nomem(b);
                r->outer = true;
                *pe = r;
                break;
            }
        return ST_OK;
    }
    st_status rc = ST_OK;
    if (e->kind == LP_X_SUBQUERY)
        rc = rewrite_outer_plan(b, m, e->subq, depth + 1);
    for (int i = 0; rc == ST_OK && i < e->n_args; i++)
        rc = rewrite_outer(b, m, &e->args[i], depth);
    return rc;
}

static st_status rewrite_outer_list(binder *b, const agg_map *m, lp_expr **es, int n, int depth)
{
    st_status rc = ST_OK;
    for (int i = 0; rc == ST_OK && i < n; i++)
        rc = rewrite_outer(b, m, &es[i], depth);
    return rc;
}

/* Every expression slot of n and of its inputs. */
static st_status rewrite_outer_plan(binder *b, const agg_map *m, lp_node *n, int depth)
{
    if (!n || depth > SQL_MAX_DEPTH)
        return ST_OK;
    st_status rc = ST_OK;
    for (int i = 0; rc == ST_OK && i < n->n_child; i++)
        rc = rewrite_outer_plan(b, m, n->child[i], depth + 1);
    if (rc == ST_OK)
        rc = rewrite_outer(b, m, &n->cond, depth);
    if (rc == ST_OK && n->kind == LP_PROJECT)
        rc = rewrite_outer_list(b, m, n->exprs, n->n_cols, depth);
    if (rc == ST_OK && n->kind == LP_VALUES)
        rc = rewrite_outer_list(b, m, n->values, (int)(n->n_rows * n->n_cols), depth);
    if (rc == ST_OK)
        rc = rewrite_outer_list(b, m, n->groups, n->n_groups, depth);
    for (int j = 0; rc == ST_OK && j < n->n_aggs; j++) {
        rc = rewrite_outer_list(b, m, n->aggs[j].args, n->aggs[j].n_args, depth);
        if (rc == ST_OK)
            rc = rewrite_outer(b, m, &n->aggs[j].filter, depth);
    }
    for (int j = 0; rc == ST_OK && j < n->n_keys; j++)
        rc = rewrite_outer(b, m, &n->keys[j].expr, depth);
    if (rc == ST_OK)
        rc = rewrite_outer_list(b, m, n->partition, n->n_partition, depth);
    for (int j = 0; rc == ST_OK && j < n->n_winfns; j++)
        rc = rewrite_outer_list(b, m, n->winfns[j].args, n->winfns[j].n_args, depth);
    if (rc == ST_OK)
        rc = rewrite_outer(b, m, &n->gen_arg, depth);
    return rc;
}

static st_status rewrite(binder *b, const agg_map *m, lp_expr **pe)
{
    lp_expr *e = *pe;
    if (!e)
        return ST_OK;
    for (int g = 0; g < m->s->n_groups; g++)
        if (bind_expr_equal(m->s->groups[g], e)) {
            lp_expr *r = col_ref(b, &m->gcols[g], e->pos);
            if (!r)
                return bind_nomem(b);
            *pe = r;
            return ST_OK;
        }
    if (e->kind == LP_X_COL && !e->outer && lp_find_col(m->s->input, e->col) >= 0)
        return bind_error(b, e->pos,
                          "column '%s' must appear in the GROUP BY clause or be used in an "
                          "aggregate function", e->name ? e->name : "?");
    if (e->kind == LP_X_SUBQUERY) {
        st_status rc = rewrite_outer_plan(b, m, e->subq, 0);
        if (rc != ST_OK)
            return rc;
    }
    for (int i = 0; i < e->n_args; i++) {
        st_status rc = rewrite(b, m, &e->args[i]);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

/* ---- select items --------------------------------------------------------------------- */

typedef struct sel_item {
    lp_expr    *expr;         /* bound over the input (rewritten when aggregating) */
    const char *name;         /* output name: alias, column name or SQL text */
} sel_item;

typedef struct gen_info {
    bool        present;      /* the select list has a generator */
    lp_gen_kind kind;         /* EXPLODE or POSEXPLODE */
    bool        outer;        /* explode_outer / posexplode_outer */
    lp_expr    *arg;          /* the array or map */
    lp_col      cols[3];      /* generated columns: [pos,] col | key, value */
    int         n_cols;       /* entries used in cols */
    int         first_item;   /* select items filled by its columns */
    int32_t     pos;          /* the call, for errors */
} gen_info;

typedef struct sel_state {
    sel_item *items;          /* arena; select list after * expansion */
    int       n_items, cap;   /* used / allocated */
    gen_info  gen;            /* the explode in the list, if any */
} sel_state;

static st_status push_item(binder *b, sel_state *st, lp_expr *e, const char *name)
{
    sel_item it = {.expr = e, .name = name};
    return bind_push(b, (void **)&st->items, &st->n_items, &st->cap, &it, sizeof it);
}

static st_status expand_star(binder *b, const bind_scope *scope, const sql_expr *e,
                             sel_state *st)
{
    bool qualified = e->name.n_parts > 0;
    const char *q = qualified ? e->name.parts[e->name.n_parts - 1] : NULL;
    int added = 0;
    for (int i = 0; i < scope->n_cols; i++) {
        const bind_scol *sc = &scope->cols[i];
        if (qualified ? !bind_name_eq(sc->qual, q) : sc->hidden)
            continue;
        lp_expr *c = col_ref(b, &sc->col, e->pos);
        if (!c)
            return bind_nomem(b);
        c->name = sc->name;
        st_status rc = push_item(b, st, c, sc->name);
        if (rc != ST_OK)
            return rc;
        added++;
    }
    if (qualified && added == 0)
        return bind_error(b, e->pos, "table '%s' is not in the FROM clause", q);
    if (!qualified && added == 0 && scope->n_cols == 0)
        return bind_error(b, e->pos, "SELECT * needs a FROM clause");
    return ST_OK;
}

static bool generator_kind(const char *name, lp_gen_kind *k, bool *outer)
{
    *outer = strstr(name, "_outer") != NULL;
    if (!strcasecmp(name, "explode") || !strcasecmp(name, "explode_outer")) {
        *k = LP_GEN_EXPLODE;
        return true;
    }
    if (!strcasecmp(name, "posexplode") || !strcasecmp(name, "posexplode_outer")) {
        *k = LP_GEN_POSEXPLODE;
        return true;
    }
    return false;
}

static st_status bind_generator(binder *b, const bind_ectx *x, const sql_select_item *it,
                                sel_state *st)
{
    const sql_expr *e = it->expr;
    gen_info *g = &st->gen;
    if (g->present)
        return bind_error(b, e->pos, "only one generator (explode) is allowed per SELECT");
    if (e->n_list != 1)
        return bind_error(b, e->pos, "%s takes exactly one argument", e->name.parts[0]);
    g->present = true;
    g->pos = e->pos;
    generator_kind(e->name.parts[e->name.n_parts - 1], &g->kind, &g->outer);
    st_status rc = bind_expr(b, x, e->list[0], &g->arg);
    if (rc != ST_OK)
        return rc;
    const vec_type *t = &g->arg->type;
    vec_type it32 = {.id = VEC_INT32};
    if (g->kind == LP_GEN_POSEXPLODE)
        g->cols[g->n_cols++] = bind_new_col(b, "pos", &it32, g->outer);
    if (t->id == VEC_LIST && t->n_children == 1) {
        g->cols[g->n_cols++] = bind_new_col(b, it->alias ? it->alias : "col",
                                            &t->children[0].type, true);
    } else if (t->id == VEC_MAP && t->n_children == 1 &&
               t->children[0].type.n_children == 2) {
        const vec_field *kv = t->children[0].type.children;
        g->cols[g->n_cols++] = bind_new_col(b, "key", &kv[0].type, g->outer);
        g->cols[g->n_cols++] = bind_new_col(b, "value", &kv[1].type, true);
    } else {
        char tn[96];
        vec_type_format(t, tn, sizeof tn);
        return bind_error(b, e->list[0]->pos, "%s needs an array or a map, got %s",
                          e->name.parts[0], tn);
    }
    g->first_item = st->n_items;
    for (int i = 0; i < g->n_cols; i++) {
        lp_expr *c = col_ref(b, &g->cols[i], e->pos);
        if (!c || (rc = push_item(b, st, c, g->cols[i].name)) != ST_OK)
            return c ? rc : bind_nomem(b);
    }
    return ST_OK;
}

static st_status bind_items(binder *b, const sql_query *q, const bind_ectx *x,
                            const bind_scope *scope, sel_state *st)
{
    st_status rc;
    for (int i = 0; i < q->n_items; i++) {
        const sql_select_item *it = &q->items[i];
        const sql_expr *e = it->expr;
        lp_gen_kind gk;
        bool go;
        if (e->kind == SQL_E_STAR) {
            rc = expand_star(b, scope, e, st);
        } else if (e->kind == SQL_E_CALL && !e->over && !e->over_name &&
                   generator_kind(e->name.parts[e->name.n_parts - 1], &gk, &go)) {
            rc = bind_generator(b, x, it, st);
        } else {
            lp_expr *v;
            if ((rc = bind_expr(b, x, e, &v)) != ST_OK)
                return rc;
            const char *name = it->alias ? it->alias
                             : e->kind == SQL_E_NAME ? e->name.parts[e->name.n_parts - 1]
                                                     : bind_expr_name(b, e);
            rc = push_item(b, st, v, name);
        }
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

/* ---- ORDER BY --------------------------------------------------------------------------- */

typedef enum ord_kind { ORD_ITEM, ORD_INPUT, ORD_OUTPUT } ord_kind;

typedef struct ord_key {
    ord_kind  kind;          /* how the key was resolved */
    int       item;          /* ORD_ITEM */
    lp_expr  *expr;          /* ORD_INPUT: over the SELECT's input */
    const sql_order_item *src; /* the ORDER BY item */
    st_error  input_err;     /* ORD_OUTPUT: why binding over the input failed */
} ord_key;

static int item_by_name(const sel_state *st, const char *name)
{
    for (int i = 0; i < st->n_items; i++)
        if (bind_name_eq(st->items[i].name, name))
            return i;
    return -1;
}

static st_status order_phase_a(binder *b, const sql_query *q, const bind_ectx *x,
                               const sel_state *st, ord_key *keys)
{
    for (int i = 0; i < q->n_order_by; i++) {
        const sql_order_item *o = &q->order_by[i];
        const sql_expr *e = o->expr;
        ord_key *k = &keys[i];
        k->src = o;
        if (e->kind == SQL_E_LITERAL && e->lit == SQL_LIT_INT) {
            int64_t v;
            st_status rc = bind_const_int(b, e, "ORDER BY position", &v);
            if (rc != ST_OK)
                return rc;
            if (v < 1 || v > st->n_items)
                return bind_error(b, e->pos, "ORDER BY position %lld is not in the select list",
                                  (long long)v);
            k->kind = ORD_ITEM;
            k->item = (int)v - 1;
            continue;
        }
        if (e->kind == SQL_E_NAME && e->name.n_parts == 1 &&
            (k->item = item_by_name(st, e->name.parts[0])) >= 0) {
            k->kind = ORD_ITEM;
            continue;
        }
        k->kind = ORD_INPUT;
        st_status rc = bind_expr(b, x, e, &k->expr);
        if (rc == ST_ERR_BIND) {
            k->kind = ORD_OUTPUT;
            k->input_err = *b->err;
            st_error_init(b->err);
        } else if (rc != ST_OK) {
            return rc;
        }
    }
    return ST_OK;
}

/* ---- windows ------------------------------------------------------------------------------ */

static bool same_spec(const bind_win *a, const bind_win *w)
{
    if (a->n_partition != w->n_partition || a->n_order != w->n_order)
        return false;
    for (int i = 0; i < a->n_partition; i++)
        if (!bind_expr_equal(a->partition[i], w->partition[i]))
            return false;
    for (int i = 0; i < a->n_order; i++)
        if (a->order[i].desc != w->order[i].desc ||
            a->order[i].nulls_first != w->order[i].nulls_first ||
            !bind_expr_equal(a->order[i].expr, w->order[i].expr))
            return false;
    return true;
}

static st_status build_windows(binder *b, bind_sel *s, lp_node **n, int32_t pos)
{
    bool *done = bind_alloc(b, sizeof *done * (size_t)(s->n_wins + 1));
    if (!done)
        return bind_nomem(b);
    for (int i = 0; i < s->n_wins; i++) {
        if (done[i])
            continue;
        int cnt = 0;
        for (int j = i; j < s->n_wins; j++)
            if (!done[j] && same_spec(&s->wins[i], &s->wins[j]))
                cnt++;
        lp_node *w = lp_node_new(b->c, LP_WINDOW, pos);
        if (!w || !(w->winfns = bind_alloc(b, sizeof *w->winfns * (size_t)cnt)) ||
            !(w->cols = bind_alloc(b, sizeof *w->cols * (size_t)((*n)->n_cols + cnt))))
            return bind_nomem(b);
        w->child[0] = *n;
        w->n_child = 1;
        st_memcpy(w->cols, (*n)->cols, sizeof *w->cols * (size_t)(*n)->n_cols);
        w->n_cols = (*n)->n_cols;
        w->partition = s->wins[i].partition;
        w->n_partition = s->wins[i].n_partition;
        w->keys = s->wins[i].order;
        w->n_keys = s->wins[i].n_order;
        for (int j = i; j < s->n_wins; j++) {
            if (done[j] || !same_spec(&s->wins[i], &s->wins[j]))
                continue;
            done[j] = true;
            const lp_winfn *f = &s->wins[j].fn;
            w->winfns[w->n_winfns++] = *f;
            lp_col c = {.id = f->out, .name = s->wins[j].name, .type = f->type,
                        .nullable = s->wins[j].nullable};
            w->cols[w->n_cols++] = c;
        }
        *n = w;
    }
    return ST_OK;
}

/* ---- aggregate node -------------------------------------------------------------------------- */

static st_status build_aggregate(binder *b, bind_sel *s, uint64_t *sets, int n_sets,
                                 lp_node **n, int32_t pos, lp_col **gcols_out)
{
    lp_node *a = lp_node_new(b->c, LP_AGGREGATE, pos);
    int nc = s->n_groups + s->n_aggs + (s->has_sets ? 1 : 0);
    if (!a || !(a->cols = bind_alloc(b, sizeof *a->cols * (size_t)(nc + 1))))
        return bind_nomem(b);
    a->child[0] = *n;
    a->n_child = 1;
    a->groups = s->groups;
    a->n_groups = s->n_groups;
    a->aggs = s->aggs;
    a->n_aggs = s->n_aggs;
    a->sets = sets;
    a->n_sets = n_sets;
    for (int g = 0; g < s->n_groups; g++) {
        const lp_expr *ge = s->groups[g];
        const char *name = ge->kind == LP_X_COL && ge->name ? ge->name
                         : st_arena_printf(b->c->arena, "group%d", g);
        a->cols[g] = bind_new_col(b, name ? name : "group", &ge->type,
                                  ge->nullable || s->has_sets);
    }
    for (int j = 0; j < s->n_aggs; j++) {
        const lp_agg *ag = &s->aggs[j];
        lp_col c = {.id = ag->out, .name = ag->fn->name, .type = ag->fn->ret,
                    .nullable = bind_agg_nullable(ag->fn->name)};
        a->cols[s->n_groups + j] = c;
    }
    if (s->has_sets)
        a->cols[nc - 1] = s->gid;
    a->n_cols = nc;
    *gcols_out = a->cols;
    *n = a;
    return ST_OK;
}

/* Rewrites everything evaluated above the AGGREGATE. */
static st_status rewrite_all(binder *b, const agg_map *m, sel_state *st, lp_expr **having,
                             lp_expr **qualify, ord_key *keys, int n_keys)
{
    st_status rc = ST_OK;
    for (int i = 0; rc == ST_OK && i < st->n_items; i++)
        rc = rewrite(b, m, &st->items[i].expr);
    if (rc == ST_OK)
        rc = rewrite(b, m, having);
    if (rc == ST_OK)
        rc = rewrite(b, m, qualify);
    if (rc == ST_OK && st->gen.present)
        rc = rewrite(b, m, &st->gen.arg);
    for (int i = 0; rc == ST_OK && i < n_keys; i++)
        if (keys[i].kind == ORD_INPUT)
            rc = rewrite(b, m, &keys[i].expr);
    bind_sel *s = m->s;
    for (int w = 0; rc == ST_OK && w < s->n_wins; w++) {
        bind_win *bw = &s->wins[w];
        for (int i = 0; rc == ST_OK && i < bw->fn.n_args; i++)
            rc = rewrite(b, m, &bw->fn.args[i]);
        for (int i = 0; rc == ST_OK && i < bw->n_partition; i++)
            rc = rewrite(b, m, &bw->partition[i]);
        for (int i = 0; rc == ST_OK && i < bw->n_order; i++)
            rc = rewrite(b, m, &bw->order[i].expr);
    }
    return rc;
}

/* ---- projection, sort, limit ---------------------------------------------------------------- */

static st_status build_generate(binder *b, gen_info *g, lp_node **n)
{
    lp_node *G = lp_node_new(b->c, LP_GENERATE, g->pos);
    int nc = (*n)->n_cols + g->n_cols;
    if (!G || !(G->cols = bind_alloc(b, sizeof *G->cols * (size_t)nc)))
        return bind_nomem(b);
    G->child[0] = *n;
    G->n_child = 1;
    st_memcpy(G->cols, (*n)->cols, sizeof *G->cols * (size_t)(*n)->n_cols);
    st_memcpy(G->cols + (*n)->n_cols, g->cols, sizeof *G->cols * (size_t)g->n_cols);
    G->n_cols = nc;
    G->gen = g->kind;
    G->gen_arg = g->arg;
    G->gen_outer = g->outer;
    *n = G;
    return ST_OK;
}

/* A projection of n_items items plus helper expressions. */
static st_status build_project(binder *b, const sel_state *st, lp_expr **extra, int n_extra,
                               lp_node **n, int32_t pos)
{
    int nc = st->n_items + n_extra;
    lp_node *p = lp_node_new(b->c, LP_PROJECT, pos);
    if (!p || !(p->cols = bind_alloc(b, sizeof *p->cols * (size_t)(nc + 1))) ||
        !(p->exprs = bind_alloc(b, sizeof *p->exprs * (size_t)(nc + 1))))
        return bind_nomem(b);
    p->child[0] = *n;
    p->n_child = 1;
    p->n_cols = nc;
    for (int i = 0; i < nc; i++) {
        lp_expr *e = i < st->n_items ? st->items[i].expr : extra[i - st->n_items];
        const char *name = i < st->n_items ? st->items[i].name : "__order";
        if (i < st->n_items)
            e->alias = name;
        p->exprs[i] = e;
        p->cols[i] = bind_new_col(b, name, &e->type, e->nullable);
    }
    *n = p;
    return ST_OK;
}

static st_status bind_output_key(binder *b, const lp_node *p, int n_items, ord_key *k,
                                 lp_expr **out)
{
    bind_scope os = {0};
    for (int i = 0; i < n_items; i++) {
        st_status rc = bind_scope_add(b, &os, NULL, p->cols[i].name, &p->cols[i], false);
        if (rc != ST_OK)
            return rc;
    }
    bind_ectx ox = {.scope = &os, .clause = "ORDER BY"};
    st_status rc = bind_expr(b, &ox, k->src->expr, out);
    if (rc == ST_ERR_BIND)
        *b->err = k->input_err;
    return rc;
}

static st_status build_sort(binder *b, const sql_query *q, ord_key *keys, const int *key_col,
                            int n_items, lp_node **n)
{
    lp_node *s = unary_node(b, LP_SORT, *n, q->order_by[0].pos);
    if (!s || !(s->keys = bind_alloc(b, sizeof *s->keys * (size_t)q->n_order_by)))
        return bind_nomem(b);
    s->n_keys = q->n_order_by;
    for (int i = 0; i < q->n_order_by; i++) {
        const sql_order_item *o = &q->order_by[i];
        lp_sort_key *k = &s->keys[i];
        if (key_col[i] >= 0) {
            if (!(k->expr = col_ref(b, &(*n)->cols[key_col[i]], o->expr->pos)))
                return bind_nomem(b);
        } else {
            st_status rc = bind_output_key(b, *n, n_items, &keys[i], &k->expr);
            if (rc != ST_OK)
                return rc;
        }
        k->desc = o->desc;
        k->nulls_first = o->nulls == SQL_NULLS_DEFAULT ? !o->desc : o->nulls == SQL_NULLS_FIRST;
    }
    *n = s;
    return ST_OK;
}

st_status bind_limit(binder *b, const sql_query *q, lp_node **n)
{
    if (!q->limit && !q->offset)
        return ST_OK;
    int64_t lim = -1, off = 0;
    st_status rc;
    if (q->limit && (rc = bind_const_int(b, q->limit, "LIMIT", &lim)) != ST_OK)
        return rc;
    if (q->offset && (rc = bind_const_int(b, q->offset, "OFFSET", &off)) != ST_OK)
        return rc;
    if (lim < -1 || (q->limit && lim < 0))
        return bind_error(b, q->limit->pos, "LIMIT must not be negative");
    if (off < 0)
        return bind_error(b, q->offset->pos, "OFFSET must not be negative");
    lp_node *l = unary_node(b, LP_LIMIT, *n, q->limit ? q->limit->pos : q->offset->pos);
    if (!l)
        return bind_nomem(b);
    l->limit = lim;
    l->offset = off;
    *n = l;
    return ST_OK;
}

/* Drops the helper columns after the sort. */
static st_status drop_helpers(binder *b, int n_items, lp_node **n)
{
    lp_node *p = lp_node_new(b->c, LP_PROJECT, -1);
    if (!p || !(p->cols = bind_alloc(b, sizeof *p->cols * (size_t)n_items)) ||
        !(p->exprs = bind_alloc(b, sizeof *p->exprs * (size_t)n_items)))
        return bind_nomem(b);
    p->child[0] = *n;
    p->n_child = 1;
    p->n_cols = n_items;
    for (int i = 0; i < n_items; i++) {
        const lp_col *c = &(*n)->cols[i];
        if (!(p->exprs[i] = lp_expr_col(b->c, c)))
            return bind_nomem(b);
        p->cols[i] = bind_new_col(b, c->name, &c->type, c->nullable);
    }
    *n = p;
    return ST_OK;
}

/* Projection, DISTINCT, ORDER BY (resolving keys against the items) and LIMIT. */
static st_status finish_select(binder *b, const sql_query *q, sel_state *st, ord_key *keys,
                               lp_node **n)
{
    int nk = q->n_order_by;
    int *key_col = bind_alloc(b, sizeof *key_col * (size_t)(nk + 1));
    lp_expr **extra = bind_alloc(b, sizeof *extra * (size_t)(nk + 1));
    int n_extra = 0;
    if (!key_col || !extra)
        return bind_nomem(b);
    for (int i = 0; i < nk; i++) {
        key_col[i] = -1;
        if (keys[i].kind == ORD_ITEM) {
            key_col[i] = keys[i].item;
        } else if (keys[i].kind == ORD_INPUT) {
            for (int j = 0; j < st->n_items && key_col[i] < 0; j++)
                if (bind_expr_equal(st->items[j].expr, keys[i].expr))
                    key_col[i] = j;
            if (key_col[i] < 0) {
                if (q->distinct)
                    return bind_error(b, keys[i].src->expr->pos,
                                      "ORDER BY expression of a SELECT DISTINCT must appear "
                                      "in the select list");
                key_col[i] = st->n_items + n_extra;
                extra[n_extra++] = keys[i].expr;
            }
        }
    }
    st_status rc = build_project(b, st, extra, n_extra, n, q->pos);
    if (rc == ST_OK && q->distinct) {
        lp_node *d = unary_node(b, LP_DISTINCT, *n, q->pos);
        if (!d)
            return bind_nomem(b);
        *n = d;
    }
    if (rc == ST_OK && nk > 0)
        rc = build_sort(b, q, keys, key_col, st->n_items, n);
    if (rc == ST_OK)
        rc = bind_limit(b, q, n);
    if (rc == ST_OK && n_extra > 0)
        rc = drop_helpers(b, st->n_items, n);
    return rc;
}

/* ---- the SELECT block ------------------------------------------------------------------------ */

static st_status bind_group_all(binder *b, const sql_query *q, const bind_scope *scope,
                                bind_sel *s)
{
    bind_ectx gx = {.scope = scope, .clause = "GROUP BY"};
    bind_sel probe = *s;
    bind_ectx px = {.scope = scope, .sel = &probe, .clause = "SELECT", .allow_agg = true,
                    .allow_win = true};
    for (int i = 0; i < q->n_items; i++) {
        const sql_expr *e = q->items[i].expr;
        if (e->kind == SQL_E_STAR)
            return bind_error(b, e->pos, "GROUP BY ALL cannot be used with *");
        int na = probe.n_aggs, nw = probe.n_wins;
        lp_expr *v;
        st_status rc = bind_expr(b, &px, e, &v);
        if (rc != ST_OK)
            return rc;
        if (probe.n_aggs != na || probe.n_wins != nw)
            continue;
        if ((rc = bind_expr(b, &gx, e, &v)) != ST_OK)
            return rc;
        bool dup = false;
        for (int g = 0; g < s->n_groups && !dup; g++)
            dup = bind_expr_equal(s->groups[g], v);
        int cap = s->n_groups;
        if (!dup && (rc = bind_push(b, (void **)&s->groups, &s->n_groups, &cap, &v,
                                    sizeof v)) != ST_OK)
            return rc;
    }
    /* the probe's aggregates and windows are dropped; items are bound again */
    return ST_OK;
}

/* FROM and WHERE: the node the SELECT's expressions run over. */
static st_status select_input(binder *b, const sql_query *q, const bind_scope *outer,
                              lp_node **n, bind_scope *scope)
{
    st_status rc;
    if (q->from) {
        if ((rc = bind_from(b, q->from, outer, n, scope)) != ST_OK)
            return rc;
    } else {
        if (!(*n = lp_node_new(b->c, LP_VALUES, q->pos)))
            return bind_nomem(b);
        (*n)->n_rows = 1;
    }
    scope->parent = outer;
    if (!q->where)
        return ST_OK;
    bind_ectx wx = {.scope = scope, .clause = "WHERE"};
    lp_expr *cond;
    if ((rc = bind_cond(b, &wx, q->where, &cond)) != ST_OK)
        return rc;
    return add_filter(b, n, cond, q->where->pos);
}

/* Everything a SELECT binds over its input, before any node above it exists. */
typedef struct sel_clauses {
    sel_state st;             /* select items (and the generator) */
    lp_expr  *having;         /* HAVING condition or NULL */
    lp_expr  *qualify;        /* QUALIFY condition or NULL */
    ord_key  *keys;           /* one per ORDER BY item */
} sel_clauses;

static st_status select_clauses(binder *b, const sql_query *q, bind_ectx *x,
                                const bind_scope *scope, sel_clauses *sc)
{
    st_status rc;
    if ((rc = bind_items(b, q, x, scope, &sc->st)) != ST_OK)
        return rc;
    bind_alias *aliases = bind_alloc(b, sizeof *aliases * (size_t)(sc->st.n_items + 1));
    if (!aliases)
        return bind_nomem(b);
    for (int i = 0; i < sc->st.n_items; i++) {
        aliases[i].name = sc->st.items[i].name;
        aliases[i].expr = sc->st.items[i].expr;
    }
    bind_ectx hx = *x;
    hx.aliases = aliases;
    hx.n_aliases = sc->st.n_items;
    hx.clause = "HAVING";
    hx.allow_win = false;
    if (q->having && (rc = bind_cond(b, &hx, q->having, &sc->having)) != ST_OK)
        return rc;
    hx.clause = "QUALIFY";
    hx.allow_win = true;
    if (q->qualify && (rc = bind_cond(b, &hx, q->qualify, &sc->qualify)) != ST_OK)
        return rc;
    if (!(sc->keys = bind_alloc(b, sizeof *sc->keys * (size_t)(q->n_order_by + 1))))
        return bind_nomem(b);
    bind_ectx ox = *x;
    ox.clause = "ORDER BY";
    return order_phase_a(b, q, &ox, &sc->st, sc->keys);
}

st_status bind_select(binder *b, const sql_query *q, const bind_scope *outer, lp_node **out)
{
    bind_scope scope = {0};
    lp_node *n = NULL;
    st_status rc = select_input(b, q, outer, &n, &scope);
    if (rc != ST_OK)
        return rc;
    bind_sel s = {.input = n, .windows = q->windows, .n_windows = q->n_windows};
    uint64_t *sets = NULL;
    int n_sets = 0;
    if (q->group_all)
        rc = bind_group_all(b, q, &scope, &s);
    else if (q->n_group_by > 0)
        rc = bind_group_by(b, q, &scope, &s, &sets, &n_sets);
    if (rc != ST_OK)
        return rc;
    bind_ectx x = {.scope = &scope, .sel = &s, .clause = "SELECT", .allow_agg = true,
                   .allow_win = true};
    sel_clauses sc = {0};
    if ((rc = select_clauses(b, q, &x, &scope, &sc)) != ST_OK)
        return rc;
    if (q->group_all || q->n_group_by > 0 || s.n_aggs > 0 || q->having) {
        lp_col *gcols = NULL;
        if ((rc = build_aggregate(b, &s, sets, n_sets, &n, q->pos, &gcols)) != ST_OK)
            return rc;
        agg_map m = {.s = &s, .gcols = gcols};
        if ((rc = rewrite_all(b, &m, &sc.st, &sc.having, &sc.qualify, sc.keys,
                              q->n_order_by)) != ST_OK ||
            (rc = add_filter(b, &n, sc.having, q->having ? q->having->pos : -1)) != ST_OK)
            return rc;
    }
    if (q->qualify && s.n_wins == 0)
        return bind_error(b, q->qualify->pos, "QUALIFY needs a window function");
    if ((s.n_wins > 0 && (rc = build_windows(b, &s, &n, q->pos)) != ST_OK) ||
        (rc = add_filter(b, &n, sc.qualify, q->qualify ? q->qualify->pos : -1)) != ST_OK)
        return rc;
    if (sc.st.gen.present && (rc = build_generate(b, &sc.st.gen, &n)) != ST_OK)
        return rc;
    if ((rc = finish_select(b, q, &sc.st, sc.keys, &n)) != ST_OK)
        return rc;
    *out = n;
    return ST_OK;
}

/* ---- ORDER BY / LIMIT over a finished query ---------------------------------------------- */

st_status bind_order_limit(binder *b, const sql_query *q, lp_node **n)
{
    if (q->n_order_by > 0) {
        bind_scope os = {0};
        st_status rc;
        for (int i = 0; i < (*n)->n_cols; i++)
            if ((rc = bind_scope_add(b, &os, NULL, (*n)->cols[i].name, &(*n)->cols[i],
                                     false)) != ST_OK)
                return rc;
        lp_node *s = unary_node(b, LP_SORT, *n, q->order_by[0].pos);
        if (!s || !(s->keys = bind_alloc(b, sizeof *s->keys * (size_t)q->n_order_by)))
            return bind_nomem(b);
        s->n_keys = q->n_order_by;
        bind_ectx ox = {.scope = &os, .clause = "ORDER BY"};
        for (int i = 0; i < q->n_order_by; i++) {
            const sql_order_item *o = &q->order_by[i];
            lp_sort_key *k = &s->keys[i];
            if (o->expr->kind == SQL_E_LITERAL && o->expr->lit == SQL_LIT_INT) {
                int64_t v;
                if ((rc = bind_const_int(b, o->expr, "ORDER BY position", &v)) != ST_OK)
                    return rc;
                if (v < 1 || v > (*n)->n_cols)
                    return bind_error(b, o->expr->pos,
                                      "ORDER BY position %lld is not in the select list",
                                      (long long)v);
                if (!(k->expr = col_ref(b, &(*n)->cols[v - 1], o->expr->pos)))
                    return bind_nomem(b);
            } else if ((rc = bind_expr(b, &ox, o->expr, &k->expr)) != ST_OK) {
                return rc;
            }
            k->desc = o->desc;
            k->nulls_first = o->nulls == SQL_NULLS_DEFAULT ? !o->desc
                                                           : o->nulls == SQL_NULLS_FIRST;
        }
        *n = s;
    }
    return bind_limit(b, q, n);
}
