/* opt.c -- the optimizer driver (opt.h): runs the stages in their fixed
** order over one bound plan, in place: decorrelate, fold, pushdown, join
** keys, semi-join pushdown, join order (estimates only with no_reorder),
** semi-join reduction, projection pruning,
** metadata answers, then a last fold for the constants the rewrites made,
** cheap filter conditions ordered first, and common subplans marked once
** the plan is final.
** Debug builds check the plan invariants (lp_verify) at the end. */
#include "opt_int.h"

st_status opt_optimize(lp_ctx *c, const opt_options *o, lp_node **root, st_error *err)
{
    opt_options none = {0};
    if (!o) o = &none;
    st_status rc = opt_decorrelate(c, root, err);
    if (rc == ST_OK) rc = opt_fold(c, root, err);
    if (rc == ST_OK) rc = opt_pushdown(c, root, err);
    if (rc == ST_OK) rc = opt_join_keys(c, root, err);
    if (rc == ST_OK && !o->no_reorder) rc = opt_semi_pushdown(c, root, err);
    if (rc == ST_OK) rc = opt_join_order_ex(c, root, !o->no_reorder, err);
    if (rc == ST_OK && !o->no_reorder) rc = opt_semi_reduce(c, root, err);
    if (rc == ST_OK) rc = opt_prune_columns(c, root, err);
    if (rc == ST_OK && !o->no_metadata_answers) rc = opt_metadata_answers(c, root, err);
    if (rc == ST_OK) rc = opt_fold(c, root, err);
    if (rc == ST_OK) rc = opt_join_keys(c, root, err);
    if (rc == ST_OK) rc = opt_order_conjuncts(c, root, err);
    if (rc == ST_OK) opt_estimate(c, *root);
    if (rc == ST_OK) rc = opt_share(c, root, err);
#ifndef NDEBUG
    if (rc == ST_OK) rc = lp_verify(*root, err);
#endif
    return rc;
}
