/* opt_keys.c -- equi-join key extraction (opt.h stage 4): every LP_JOIN's
** cond is split into left_keys[i] = right_keys[i] (null_eq for <=>) plus a
** residual. A conjunct `a = b` is a key when one side references only left
** columns and the other only right columns (at least one column each);
** sides are swapped as needed, and keys of different types are cast to
** their common type (found by resolving "=" over the two types). The stage
** recomputes keys from cond, so running it twice gives the same result. */
#include "opt_int.h"

/* Makes both keys of one pair the same type; false when no common type. */
static bool unify_key_types(lp_ctx *c, lp_expr **l, lp_expr **r)
{
    if (vec_type_equal(&(*l)->type, &(*r)->type)) return true;
    fn_arg_info info[2] = {{&(*l)->type, false, NULL}, {&(*r)->type, false, NULL}};
    fn_bound f;
    st_error err;
    st_error_init(&err);
    if (fn_resolve("=", info, 2, c->arena, &f, &err) != ST_OK) return false;
    vec_type lt = f.cast_to[0].id != VEC_NULL ? f.cast_to[0] : (*l)->type;
    vec_type rt = f.cast_to[1].id != VEC_NULL ? f.cast_to[1] : (*r)->type;
    if (!vec_type_equal(&lt, &rt)) return false;
    lp_expr *nl = opt_make_cast(c, *l, &lt), *nr = opt_make_cast(c, *r, &rt);
    if (!nl || !nr) return false;
    *l = nl;
    *r = nr;
    return true;
}

st_status opt_join_keys_node(lp_ctx *c, lp_node *j, st_error *err)
{
    j->n_join_keys = 0;
    j->left_keys = j->right_keys = NULL;
    j->null_eq = NULL;
    j->residual = NULL;
    if (!j->cond) return ST_OK;
    lp_expr **conj = NULL, **rest = NULL;
    int n = 0, n_rest = 0;
    st_status rc = lp_conjuncts(c, j->cond, &conj, &n, err);
    if (rc != ST_OK) return rc;
    opt_colset ls, rs;
    if ((rc = opt_colset_of_node(c, j->child[0], &ls, err)) != ST_OK) return rc;
    if ((rc = opt_colset_of_node(c, j->child[1], &rs, err)) != ST_OK) return rc;
    j->left_keys = st_arena_alloc(c->arena, (size_t)n * sizeof *j->left_keys);
    j->right_keys = st_arena_alloc(c->arena, (size_t)n * sizeof *j->right_keys);
    j->null_eq = st_arena_alloc(c->arena, (size_t)n * sizeof *j->null_eq);
    if (!j->left_keys || !j->right_keys || !j->null_eq) return opt_nomem(err, "extracting join keys");
    for (int i = 0; i < n; i++) {
        lp_expr *e = conj[i];
        bool eq = opt_is_call(e, "=") || opt_is_call(e, "==");
        bool nseq = opt_is_call(e, "<=>");
        if ((eq || nseq) && e->n_args == 2 && !opt_expr_has_outer(e) &&
            opt_expr_deterministic(e)) {
            lp_expr *a = e->args[0], *b = e->args[1];
            lp_expr *l = NULL, *r = NULL;
            if (opt_expr_within(a, &ls) && opt_expr_touches(a, &ls) &&
                opt_expr_within(b, &rs) && opt_expr_touches(b, &rs)) {
                l = a;
                r = b;
            } else if (opt_expr_within(b, &ls) && opt_expr_touches(b, &ls) &&
                       opt_expr_within(a, &rs) && opt_expr_touches(a, &rs)) {
                l = b;
                r = a;
            }
            if (l && unify_key_types(c, &l, &r)) {
                j->left_keys[j->n_join_keys] = l;
                j->right_keys[j->n_join_keys] = r;
                j->null_eq[j->n_join_keys] = nseq;
                j->n_join_keys++;
                continue;
            }
        }
        if ((rc = opt_push_expr(c, &rest, &n_rest, e, err)) != ST_OK) return rc;
    }
    j->residual = lp_and(c, rest, n_rest);
    if (n_rest > 0 && !j->residual) return opt_nomem(err, "extracting join keys");
    return ST_OK;
}

static st_status keys_rec(lp_ctx *c, lp_node *n, int depth, st_error *err)
{
    if (depth > 10000) return st_error_set(err, ST_ERR_LIMIT, "plan nested too deeply");
    for (int i = 0; i < n->n_child; i++) {
        st_status rc = keys_rec(c, n->child[i], depth + 1, err);
        if (rc != ST_OK) return rc;
    }
    if (n->kind == LP_JOIN) return opt_join_keys_node(c, n, err);
    return ST_OK;
}

st_status opt_join_keys(lp_ctx *c, lp_node **root, st_error *err)
{
    return keys_rec(c, *root, 0, err);
}
