/* opt.h -- the optimizer's contract: rewrites of a bound logical plan that
** keep its answer and make it cheaper, applied in place in this order:
**
**   1. decorrelation (opt_decorrelate.c): every LP_X_SUBQUERY becomes a join:
**      EXISTS / NOT EXISTS in a WHERE conjunct -> SEMI / ANTI join, IN /
**      NOT IN -> SEMI / null-aware ANTI (or MARK where the result is used as a
**      value), scalar subqueries -> SINGLE join (uncorrelated) or, when
**      correlated, an aggregate grouped by the correlation columns joined
**      back (Neumann & Kemper, "Unnesting Arbitrary Queries"); nothing runs
**      row by row;
**   2. constant folding (calls on constants are evaluated once with the
**      function kernels), boolean simplification (x AND TRUE, NOT NOT x);
**   3. predicate pushdown: filters move below projects, joins (to the side
**      that has their columns; WHERE conjuncts over both sides of an inner/
**      cross join become its condition) and into scans as pruning hints;
**      outer joins become inner joins when a filter rejects their NULL rows;
**   4. equi-join keys: each join's condition is split into left_keys =
**      right_keys plus a residual;
**   5. join order (opt_semi.c, opt_order.c): SEMI/ANTI joins first move down
**      into the inner-join input whose columns they test; inner-join trees
**      are reordered greedily by estimated cardinality (Delta log stats,
**      Parquet footers, filter selectivity guesses), with the smaller input
**      on the build (right) side; then a grouped aggregate whose groups a
**      join above filters by key gets a SEMI join with a copy of the other
**      join input under it (semi-join reduction), when that input is cheap;
**   6. projection pruning: columns no one uses are dropped from every node,
**      down to the scan's field list;
**   7. metadata answers: an ungrouped COUNT(*) / MIN / MAX over a Delta scan
**      with no filters (or only partition filters) becomes LP_VALUES computed
**      from the log's stats, when every live file has them;
**   8. common subplans (opt_share.c): equal grouped aggregates (a CTE used
**      twice) get one share_id, so the executor computes them once.
**
** After opt_optimize every join has its keys extracted and no subquery
** remains; the physical planner relies on that. */
#ifndef STRATA_SQL_OPT_H
#define STRATA_SQL_OPT_H

#include "plan.h"

typedef struct opt_options {
    bool no_reorder;          /* keep the written join order */
    bool no_metadata_answers; /* always read data files */
} opt_options;

st_status opt_optimize(lp_ctx *c, const opt_options *o, lp_node **root, st_error *err);

/* The stages, for tests (opt_optimize runs them all in order). */
st_status opt_decorrelate(lp_ctx *c, lp_node **root, st_error *err);
st_status opt_fold(lp_ctx *c, lp_node **root, st_error *err);
st_status opt_pushdown(lp_ctx *c, lp_node **root, st_error *err);
st_status opt_join_keys(lp_ctx *c, lp_node **root, st_error *err);
st_status opt_semi_pushdown(lp_ctx *c, lp_node **root, st_error *err);
st_status opt_join_order(lp_ctx *c, lp_node **root, st_error *err);
st_status opt_semi_reduce(lp_ctx *c, lp_node **root, st_error *err);
st_status opt_prune_columns(lp_ctx *c, lp_node **root, st_error *err);
st_status opt_metadata_answers(lp_ctx *c, lp_node **root, st_error *err);
st_status opt_share(lp_ctx *c, lp_node **root, st_error *err);

/* Folds one expression (constants evaluated), returning the new tree. */
st_status opt_fold_expr(lp_ctx *c, lp_expr *e, lp_expr **out, st_error *err);

#endif /* STRATA_SQL_OPT_H */
