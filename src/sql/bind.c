/* bind.c -- the binder's entry point (bind.h) and the query level: WITH
** lists (CTEs are bound again at each reference, so every use gets its own
** column ids), set operations (column counts checked, inputs cast to the
** common type of each column through a projection), VALUES (one common
** type per column, columns named col1, col2, ...), parenthesised queries
** with their own ORDER BY/LIMIT, and SELECT blocks (bind_select.c).
** The result node's cols are the query's result columns in order. */
#include "bind_int.h"
#include "../func/fn.h"

#include <stdio.h>
#include <string.h>

static const char *setop_name(sql_setop op)
{
    return op == SQL_SET_UNION ? "UNION" : op == SQL_SET_INTERSECT ? "INTERSECT" : "EXCEPT";
}

/* A projection of n casting column i to types[i] (fresh ids). */
static st_status cast_side(binder *b, lp_node **n, const vec_type *types)
{
    bool need = false;
    for (int i = 0; i < (*n)->n_cols; i++)
        need |= !vec_type_equal(&(*n)->cols[i].type, &types[i]);
    if (!need)
        return ST_OK;
    int nc = (*n)->n_cols;
    lp_node *p = lp_node_new(b->c, LP_PROJECT, (*n)->pos);
    if (!p || !(p->cols = bind_alloc(b, sizeof *p->cols * (size_t)nc)) ||
        !(p->exprs = bind_alloc(b, sizeof *p->exprs * (size_t)nc)))
        return bind_nomem(b);
    p->child[0] = *n;
    p->n_child = 1;
    p->n_cols = nc;
    for (int i = 0; i < nc; i++) {
        const lp_col *c = &(*n)->cols[i];
        lp_expr *e = lp_expr_col(b->c, c);
        if (!e || !(e = bind_cast_to(b, e, &types[i])))
            return bind_nomem(b);
        p->exprs[i] = e;
        p->cols[i] = bind_new_col(b, c->name, &types[i], c->nullable);
    }
    *n = p;
    return ST_OK;
}

static st_status bind_setop(binder *b, const sql_query *q, const bind_scope *outer,
                            lp_node **out)
{
    lp_node *l, *r;
    st_status rc;
    if ((rc = bind_query(b, q->left, outer, &l)) != ST_OK ||
        (rc = bind_query(b, q->right, outer, &r)) != ST_OK)
        return rc;
    if (l->n_cols != r->n_cols)
        return bind_error(b, q->pos, "%s inputs have different column counts: %d and %d",
                          setop_name(q->setop), l->n_cols, r->n_cols);
    int nc = l->n_cols;
    vec_type *types = bind_alloc(b, sizeof *types * (size_t)(nc + 1));
    lp_node *s = lp_node_new(b->c, LP_SETOP, q->pos);
    if (!types || !s || !(s->cols = bind_alloc(b, sizeof *s->cols * (size_t)(nc + 1))))
        return bind_nomem(b);
    for (int i = 0; i < nc; i++) {
        vec_type t;
        if (!fn_common_type(&l->cols[i].type, &r->cols[i].type, &t)) {
            char t1[96], t2[96];
            vec_type_format(&l->cols[i].type, t1, sizeof t1);
            vec_type_format(&r->cols[i].type, t2, sizeof t2);
            return bind_error(b, q->pos, "%s column %d has no common type for %s and %s",
                              setop_name(q->setop), i + 1, t1, t2);
        }
        if ((rc = bind_type_copy(b, &t, &types[i])) != ST_OK)
            return rc;
    }
    if ((rc = cast_side(b, &l, types)) != ST_OK || (rc = cast_side(b, &r, types)) != ST_OK)
        return rc;
    s->child[0] = l;
    s->child[1] = r;
    s->n_child = 2;
    s->setop = q->setop;
    s->all = q->all;
    s->n_cols = nc;
    for (int i = 0; i < nc; i++) {
        bool nullable = l->cols[i].nullable ||
                        (q->setop == SQL_SET_UNION && r->cols[i].nullable);
        s->cols[i] = bind_new_col(b, l->cols[i].name, &types[i], nullable);
    }
    *out = s;
    return ST_OK;
}

static st_status bind_values(binder *b, const sql_query *q, const bind_scope *outer,
                             lp_node **out)
{
    if (q->n_rows == 0)
        return bind_error(b, q->pos, "VALUES needs at least one row");
    const sql_expr *r0 = q->rows[0];
    int nc = r0->kind == SQL_E_ROW ? r0->n_list : 1;
    size_t cells = 0;
    if (nc == 0 || !st_mul_size((size_t)nc, (size_t)q->n_rows, &cells))
        return bind_error(b, q->pos, "VALUES rows must have at least one column");
    lp_node *n = lp_node_new(b->c, LP_VALUES, q->pos);
    lp_expr **col = bind_alloc(b, sizeof *col * (size_t)q->n_rows);
    if (!n || !col || !(n->values = bind_alloc(b, sizeof *n->values * cells)) ||
        !(n->cols = bind_alloc(b, sizeof *n->cols * (size_t)nc)))
        return bind_nomem(b);
    bind_scope empty = {.parent = outer};
    bind_ectx x = {.scope = &empty, .clause = "VALUES"};
    st_status rc;
    for (int r = 0; r < q->n_rows; r++) {
        const sql_expr *row = q->rows[r];
        int k = row->kind == SQL_E_ROW ? row->n_list : 1;
        if (k != nc)
            return bind_error(b, row->pos, "VALUES row %d has %d columns, expected %d", r + 1, k,
                              nc);
        for (int c = 0; c < nc; c++) {
            const sql_expr *v = row->kind == SQL_E_ROW ? row->list[c] : row;
            if ((rc = bind_expr(b, &x, v, &n->values[(size_t)r * (size_t)nc + (size_t)c])) != ST_OK)
                return rc;
        }
    }
    for (int c = 0; c < nc; c++) {
        bool nullable = false;
        for (int r = 0; r < q->n_rows; r++)
            col[r] = n->values[(size_t)r * (size_t)nc + (size_t)c];
        if ((rc = bind_unify(b, col, q->n_rows, q->pos, "VALUES column")) != ST_OK)
            return rc;
        for (int r = 0; r < q->n_rows; r++) {
            n->values[(size_t)r * (size_t)nc + (size_t)c] = col[r];
            nullable |= col[r]->nullable;
        }
        const char *name = st_arena_printf(b->c->arena, "col%d", c + 1);
        if (!name)
            return bind_nomem(b);
        n->cols[c] = bind_new_col(b, name, &col[0]->type, nullable);
    }
    n->n_cols = nc;
    n->n_rows = q->n_rows;
    *out = n;
    return ST_OK;
}

st_status bind_query(binder *b, const sql_query *q, const bind_scope *outer, lp_node **out)
{
    const bind_cte *saved = b->ctes;
    const bind_cte *head = b->ctes;
    for (int i = 0; i < q->n_ctes; i++) {
        for (int j = 0; j < i; j++)
            if (bind_name_eq(q->ctes[j].name, q->ctes[i].name))
                return bind_error(b, q->ctes[i].pos,
                                  "common table expression '%s' is defined twice",
                                  q->ctes[i].name);
        bind_cte *c = bind_alloc(b, sizeof *c);
        if (!c)
            return bind_nomem(b);
        c->def = &q->ctes[i];
        c->next = head;
        c->sql = b->sql;
        head = c;
    }
    b->ctes = head;
    st_status rc;
    switch (q->kind) {
    case SQL_Q_SELECT:
        rc = bind_select(b, q, outer, out);
        break;
    case SQL_Q_SETOP:
        rc = bind_setop(b, q, outer, out);
        if (rc == ST_OK)
            rc = bind_order_limit(b, q, out);
        break;
    case SQL_Q_VALUES:
        rc = bind_values(b, q, outer, out);
        if (rc == ST_OK)
            rc = bind_order_limit(b, q, out);
        break;
    case SQL_Q_NESTED:
        rc = bind_query(b, q->left, outer, out);
        if (rc == ST_OK)
            rc = bind_order_limit(b, q, out);
        break;
    default:
        rc = bind_error(b, q->pos, "unknown query kind %d", (int)q->kind);
        break;
    }
    b->ctes = saved;
    return rc;
}

st_status sql_bind(lp_ctx *c, const bind_env *env, const sql_query *q, lp_node **out,
                   st_error *err)
{
    st_error scratch;
    if (!err) {
        st_error_init(&scratch);
        err = &scratch;
    }
    binder b = {.c = c, .env = env, .sql = c->sql, .err = err};
    *out = NULL;
    lp_node *n = NULL;
    st_status rc = bind_query(&b, q, NULL, &n);
    if (rc == ST_OK)
        *out = n;
    return rc;
}
