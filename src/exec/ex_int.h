/* ex_int.h -- private to the executor's planner, runner and session
** (ex_plan.c, ex_pipeline.c, ex_collect.c, session.c): pipelines and the
** physical plan of one query. Operators themselves only need exec.h. */
#ifndef STRATA_EXEC_EX_INT_H
#define STRATA_EXEC_EX_INT_H

#include "exec.h"

typedef struct ex_pipe {
    ex_op  *source;
    ex_op **ops;                  /* streaming operators, in push order */
    int     n_ops, cap_ops;
    ex_op  *sink;
    bool    finalize_sink;        /* the last pipeline feeding this sink */
    bool    single_thread;        /* run on one worker (e.g. LIMIT over an ordered source) */
} ex_pipe;

/* A physical plan: pipelines in the order they must run, and the root
** operator tree for EXPLAIN. */
typedef struct ex_plan {
    ex_pipe **pipes;
    int       n_pipes, cap_pipes;
    ex_op    *root;               /* the result collector */
    ex_op   **scans;              /* every scan, for EXPLAIN's pruning counts */
    int       n_scans, cap_scans;
} ex_plan;

/* Builds the physical plan of an optimized logical plan (every join has its
** keys; no subqueries). */
st_status ex_plan_build(ex_query *q, const lp_node *root, ex_plan **out, st_error *err);
/* Runs every pipeline in order. */
st_status ex_plan_run(ex_query *q, ex_plan *p, st_error *err);
/* Runs one pipeline on q->set.threads workers (one for ordered sources). */
st_status ex_pipe_run(ex_query *q, ex_pipe *p, st_error *err);
/* The EXPLAIN text of the physical plan (with counters when analyzed). */
st_status ex_plan_explain(const ex_query *q, const ex_plan *p, st_buf *out, st_error *err);

/* The result collector (ex_collect.c): a sink that keeps every chunk as a
** vec_batch with its own arena, in arrival order. */
st_status ex_collect_new(ex_query *q, const vec_type *types, int n_types, ex_op **out,
                         st_error *err);
/* Streams the result instead of keeping it: fn gets every chunk, one call at
** a time (under a lock; the chunk is valid only during the call). */
typedef st_status (*ex_collect_fn)(void *ud, const ex_chunk *c, st_error *err);
void      ex_collect_set_fn(ex_op *op, ex_collect_fn fn, void *ud);
/* Moves the collected batches out (the caller owns them and the array). */
void      ex_collect_take(ex_op *op, vec_batch ***batches, int *n_batches, int64_t *n_rows);

#endif /* STRATA_EXEC_EX_INT_H */
