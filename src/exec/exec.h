/* exec.h -- the executor's contract: physical operators, the chunks they
** pass, compiled expressions, per-thread scratch memory, the memory limit
** and spill files. The physical planner (ex_plan.c) turns an optimized
** logical plan (src/sql/plan.h) into operators and cuts them into pipelines;
** the runner (ex_pipeline.c) drives each pipeline on all threads.
**
** Push model (DuckDB's Source / Operator / Sink). A pipeline is a source,
** zero or more streaming operators and a sink. Every worker thread loops:
** source_next -> execute of each operator -> sink, one chunk at a time,
** until the source is exhausted; then each thread's sink state is combined
** into the shared state, and the sink is finalized (single-threaded). A
** finalized sink is the source of a later pipeline (hash aggregate, sort,
** buffered union) or is probed by one (hash join build). Pipelines run one
** after another in dependency order, each on all threads at once
** (morsel-driven: sources hand out row groups / files / partitions on
** demand, so fast threads take more).
**
** Memory: a chunk and everything computed from it live in the thread's
** scratch arena (ex_thread.arena), which the runner resets after the chunk
** has been pushed through the whole pipeline. So an operator's output may
** borrow its input's vectors, and a sink that keeps rows must copy them into
** memory it owns. Sinks account what they keep with ex_mem_reserve; when it
** refuses (the query is at its memory limit) they spill to ex_spill files
** and still finish.
**
** Threads: per-thread state ("local") is created per pipeline and only
** touched by its thread; shared state is guarded by the operator's own lock.
** A source marked `ordered` (sorted output) runs on one thread. */
#ifndef STRATA_EXEC_EXEC_H
#define STRATA_EXEC_EXEC_H

#include <pthread.h>
#include <stdatomic.h>
#include "../sql/plan.h"

/* ---- chunks ---------------------------------------------------------------- */

typedef struct ex_chunk {
    int64_t n_rows;
    int     n_cols;
    vec   **cols;                /* n_cols vectors of n_rows rows each */
} ex_chunk;

/* ---- query, settings, threads ------------------------------------------------ */

typedef struct ex_settings {
    int         threads;         /* worker threads, >= 1 (default: cores) */
    int64_t     memory_limit;    /* bytes sinks may keep before spilling */
    const char *temp_dir;        /* spill files go here (default $TMPDIR or /tmp) */
    int64_t     batch_rows;      /* rows per chunk sources aim for (default 2048) */
} ex_settings;

typedef struct ex_query ex_query;
typedef struct ex_op ex_op;

typedef struct ex_thread {
    int        id;               /* 0 .. threads-1 */
    st_arena  *arena;            /* scratch, reset after every chunk */
    ex_query  *q;
} ex_thread;

struct ex_query {
    ex_settings     set;
    fn_context      fnctx;       /* what kernels see (ANSI mode, now) */
    lp_ctx         *lp;          /* the plan (borrowed) */
    st_arena       *arena;       /* query lifetime: operators, compiled expressions */
    _Atomic int64_t mem_used;    /* bytes reserved by sinks */
    _Atomic int64_t mem_peak;
    _Atomic int64_t spilled;     /* bytes written to spill files */
    _Atomic bool    cancelled;   /* set on the first error: threads stop early */
    bool            analyze;     /* EXPLAIN ANALYZE: operators time themselves */
    int             spill_seq;   /* next spill file number (under spill_lock) */
    pthread_mutex_t spill_lock;
    ex_op         **ops;         /* every operator made for this query (destroyed
                                 ** by ex_query_free) */
    int             n_ops, cap_ops;
};

/* A query context (settings copied; NULL set = defaults; lp may be NULL in
** tests). ex_query_free destroys every operator made with ex_op_new. */
ex_query *ex_query_new(const ex_settings *set, const fn_context *fnctx, lp_ctx *lp);
void      ex_query_free(ex_query *q);                  /* accepts NULL */
/* Defaults: threads = online cores, memory_limit = 60% of RAM, temp_dir from
** $TMPDIR or /tmp, batch_rows 2048. */
void      ex_settings_default(ex_settings *set);
/* A thread context for tests and single-threaded callers (own arena). */
ex_thread *ex_thread_new(ex_query *q, int id);
void      ex_thread_free(ex_thread *t);                /* accepts NULL */

/* Reserves bytes of the memory limit; false (nothing reserved) when that
** would pass the limit: the caller should spill. Never blocks. */
bool      ex_mem_reserve(ex_query *q, int64_t bytes);
void      ex_mem_release(ex_query *q, int64_t bytes);
/* Reserves even past the limit (for state that cannot spill); tracks peak. */
void      ex_mem_force(ex_query *q, int64_t bytes);

/* ---- chunk helpers (ex_chunk.c) ------------------------------------------------ */

/* Rows idx[0..n) of every column of in, into a (vec_take). */
st_status ex_chunk_take(st_arena *a, const ex_chunk *in, const int32_t *idx, int64_t n,
                        ex_chunk *out, st_error *err);
/* Deep copy of in into a (sinks keeping rows past the scratch reset). */
st_status ex_chunk_copy(st_arena *a, const ex_chunk *in, ex_chunk *out, st_error *err);
/* Bytes in's buffers occupy (for memory accounting). */
int64_t   ex_chunk_bytes(const ex_chunk *in);
/* Concatenates chunks (same column types) into one, in a. */
st_status ex_chunk_concat(st_arena *a, const ex_chunk *const *in, int n, int n_cols,
                          ex_chunk *out, st_error *err);
/* Concatenates vectors in[0..n) (all of type t's id) into one new vector
** of type t in a (deep copy, offsets rebased). */
st_status ex_vec_concat(st_arena *a, const vec *const *in, int n, const vec_type *t, vec **out,
                        st_error *err);
/* Deep copy of rows [start, start+n) of v into a. */
st_status ex_vec_slice(st_arena *a, const vec *v, int64_t start, int64_t n, vec **out,
                       st_error *err);

/* ---- compiled expressions (ex_expr.c) ---------------------------------------- */

typedef struct ex_expr ex_expr;

/* Compiles e over input columns in[0..n_in) (column ids become positions; an
** id not among them is ST_ERR_INTERNAL). Allocated in q->arena. */
st_status ex_expr_compile(ex_query *q, const lp_expr *e, const lp_col *in, int n_in,
                          ex_expr **out, st_error *err);
/* Evaluates e over the rows of in: *out has in->n_rows rows, allocated in
** t->arena (or is one of in's vectors, for a plain column). Kernel errors
** (ANSI division by zero, bad cast) come back as the kernel's status. */
st_status ex_expr_eval(const ex_expr *e, ex_thread *t, const ex_chunk *in, vec **out,
                       st_error *err);
/* Rows of in where boolean e is TRUE (not FALSE, not NULL): indices written
** to sel (room for in->n_rows), their count to *n_sel. AND/OR evaluate
** later terms only on rows still undecided. */
st_status ex_expr_select(const ex_expr *e, ex_thread *t, const ex_chunk *in, int32_t *sel,
                         int64_t *n_sel, st_error *err);
const vec_type *ex_expr_type(const ex_expr *e);

/* ---- operators ---------------------------------------------------------------- */

/* The rest of the pipeline after an operator: push hands it one chunk. */
typedef struct ex_emit ex_emit;
struct ex_emit {
    st_status (*push)(ex_emit *self, ex_thread *t, const ex_chunk *c, st_error *err);
};

typedef struct ex_op_ops {
    const char *name;            /* "HashAggregate", "Scan", ... */

    /* Source role. source_init runs once (single-threaded) before the
    ** pipeline starts; source_next fills *out with the next chunk for this
    ** thread (memory in t->arena or the local state), or sets *done. */
    st_status (*source_init)(ex_op *op, st_error *err);
    st_status (*source_local)(ex_op *op, ex_thread *t, void **local, st_error *err);
    st_status (*source_next)(ex_op *op, void *local, ex_thread *t, ex_chunk *out, bool *done,
                             st_error *err);
    void      (*source_local_free)(ex_op *op, void *local);
    bool        ordered;         /* the source's row order matters: one thread */

    /* Streaming-operator role: execute pushes 0..n chunks per input chunk
    ** into next; flush (optional) runs once on thread 0 after every thread
    ** finished the source (right/full join: unmatched build rows). */
    st_status (*op_local)(ex_op *op, ex_thread *t, void **local, st_error *err);
    st_status (*execute)(ex_op *op, void *local, ex_thread *t, const ex_chunk *in, ex_emit *next,
                         st_error *err);
    st_status (*flush)(ex_op *op, void *local, ex_thread *t, ex_emit *next, st_error *err);
    void      (*op_local_free)(ex_op *op, void *local);

    /* Sink role: sink consumes a chunk (copying what it keeps); combine runs
    ** on each thread when it is done (merge local into shared state under the
    ** op's lock) and frees nothing; finalize runs once after all combines. */
    st_status (*sink_local)(ex_op *op, ex_thread *t, void **local, st_error *err);
    st_status (*sink)(ex_op *op, void *local, ex_thread *t, const ex_chunk *in, st_error *err);
    st_status (*combine)(ex_op *op, void *local, ex_thread *t, st_error *err);
    st_status (*finalize)(ex_op *op, st_error *err);
    void      (*sink_local_free)(ex_op *op, void *local);

    /* Frees the operator's state (not the op itself: q->arena). */
    void      (*destroy)(ex_op *op);
    /* Appends a one-line description of the operator's parameters for
    ** EXPLAIN (keys, files kept/pruned, ...); may be NULL. */
    st_status (*explain)(const ex_op *op, st_buf *out, st_error *err);
} ex_op_ops;

struct ex_op {
    const ex_op_ops *ops;
    ex_query    *q;
    void        *state;          /* the operator's shared state */
    int          n_types;        /* output columns */
    vec_type    *types;          /* q->arena */
    ex_op       *children[2];    /* inputs, for EXPLAIN's tree */
    int          n_children;
    /* EXPLAIN ANALYZE counters (atomic: every thread adds) */
    _Atomic int64_t rows_out;
    _Atomic int64_t nanos;
    _Atomic int64_t bytes_read;  /* sources: bytes read from files */
};

/* Allocates an op in q->arena with the given ops and output types (copied,
** children included) and registers it for destruction with the query. NULL
** on OOM. */
ex_op    *ex_op_new(ex_query *q, const ex_op_ops *ops, const vec_type *types, int n_types);

/* ---- operator constructors ------------------------------------------------------ */

/* Scans (ex_scan.c): the output columns are scan->cols in order. Morsels
** are Parquet row groups, Delta files (deletion vectors applied, partition
** values filled), CSV / NDJSON files. scan->filters prune Delta files
** (partition values, min/max/nullCount stats) and Parquet row groups. */
st_status ex_scan_new(ex_query *q, const lp_node *scan, ex_op **out, st_error *err);
/* Dynamic pruning: before the scan's pipeline starts, the join build side
** reports the range of key values it holds for output column col; files
** and row groups whose stats for that column fall outside are skipped. */
void      ex_scan_add_range(ex_op *scan, int col, const vec_scalar *min, const vec_scalar *max);
/* Files / row groups the scan kept and pruned (EXPLAIN). */
void      ex_scan_counts(const ex_op *scan, int64_t *files_kept, int64_t *files_pruned,
                         int64_t *groups_kept, int64_t *groups_pruned);

/* Simple operators (ex_basic.c). */
st_status ex_values_new(ex_query *q, const lp_node *values, ex_op **out, st_error *err);
st_status ex_filter_new(ex_query *q, ex_expr *cond, const vec_type *types, int n_types,
                        ex_op **out, st_error *err);
st_status ex_project_new(ex_query *q, ex_expr **exprs, int n, ex_op **out, st_error *err);
/* Streaming LIMIT/OFFSET (shared counters; on an ordered source it runs on
** one thread so it keeps the first rows). limit < 0: none. */
st_status ex_limit_new(ex_query *q, int64_t limit, int64_t offset, const vec_type *types,
                       int n_types, ex_op **out, st_error *err);
/* True once a LIMIT operator has passed its last row (it then drops every
** chunk): sources and the runner may poll it to stop early. False for any
** other operator. */
bool      ex_limit_done(const ex_op *op);
/* explode / posexplode / replicate (gen_arg compiled over the input). */
st_status ex_generate_new(ex_query *q, lp_gen_kind kind, bool outer, ex_expr *arg,
                          const vec_type *types, int n_types, ex_op **out, st_error *err);
/* A sink that keeps every chunk (copied) and then is a source of them
** (UNION ALL inputs, materialized CTEs); ordered keeps arrival order and
** emits on one thread. */
st_status ex_buffer_new(ex_query *q, const vec_type *types, int n_types, bool ordered,
                        ex_op **out, st_error *err);
/* Marks a buffer as holding a shared subplan (EXPLAIN says so). */
void      ex_buffer_set_shared(ex_op *buffer);
/* Rows a finalized buffer holds (tests, EXPLAIN ANALYZE). */
int64_t   ex_buffer_rows(const ex_op *buffer);

/* Hash aggregate (ex_hashagg.c): sink of the input, then the source of one
** row per group: the group columns, the aggregates, then (n_sets > 0) the
** bigint grouping id. With n_groups == 0 and n_sets == 0 it yields exactly
** one row (ungrouped aggregate, even over no input). Thread-local tables,
** partitioned by hash so they merge and spill partition by partition. */
typedef struct ex_agg_spec {
    ex_expr   **groups;          /* over the input */
    int         n_groups;
    agg_bound **fns;
    ex_expr  ***args;            /* args[j][k]: argument k of aggregate j */
    int        *n_args;
    ex_expr   **filters;         /* per aggregate, or NULL entries */
    int         n_aggs;
    const uint64_t *sets;        /* grouping sets as in lp_node */
    int         n_sets;
} ex_agg_spec;
st_status ex_hashagg_new(ex_query *q, const ex_agg_spec *spec, ex_op **out, st_error *err);

/* Joins (ex_hashjoin.c, ex_nljoin.c). The build side (a sink in the build
** pipeline) is the logical right input; the probe side streams the left
** input through execute. Output: probe columns then build columns, except
** SEMI / ANTI (probe only), MARK (probe + a boolean mark) and RIGHT_SEMI /
** RIGHT_ANTI (build only). RIGHT / FULL / RIGHT_ANTI emit the unmatched
** build rows in flush, RIGHT_SEMI the matched ones; SINGLE fails on a second
** match. */
typedef struct ex_join_spec {
    lp_join_kind kind;
    ex_expr   **probe_keys;      /* over probe columns */
    ex_expr   **build_keys;      /* over build columns */
    const bool *null_eq;
    int         n_keys;          /* 0: nested-loop join (ex_nljoin_new) */
    ex_expr    *residual;        /* over probe columns ++ build columns, or NULL */
    bool        null_aware;      /* NOT IN semantics for ANTI */
    bool        reducer;         /* SEMI that a join above makes redundant: it may
                                 ** stop probing when it keeps most rows */
    const vec_type *probe_types;
    int         n_probe;
    const vec_type *build_types;
    int         n_build;
    ex_op      *probe_scan;      /* the probe side's scan for dynamic pruning, or NULL */
    int         probe_scan_col;  /* its column holding probe key 0 */
} ex_join_spec;
st_status ex_hashjoin_new(ex_query *q, const ex_join_spec *spec, ex_op **out, st_error *err);
st_status ex_nljoin_new(ex_query *q, const ex_join_spec *spec, ex_op **out, st_error *err);

/* Sort and top-N (ex_sort.c): sink, then an ordered source of the input
** columns in key order. limit >= 0 keeps only rows [offset, offset+limit)
** (top-N with a heap). Thread-local sorted runs, k-way merge; runs spill. */
typedef struct ex_sort_spec {
    ex_expr   **keys;            /* over the input */
    const bool *desc;
    const bool *nulls_first;
    int         n_keys;
    int64_t     limit;           /* -1: all */
    int64_t     offset;
    const vec_type *types;       /* input (= output) columns */
    int         n_types;
} ex_sort_spec;
st_status ex_sort_new(ex_query *q, const ex_sort_spec *spec, ex_op **out, st_error *err);

/* Window (ex_window.c): sink of the input, then a source of the input
** columns followed by one column per function. Partitions are hashed,
** sorted by the order keys and evaluated partition by partition. */
typedef struct ex_winfn_spec {
    lp_win_kind kind;
    agg_bound  *agg;
    ex_expr   **args;
    int         n_args;
    bool        ignore_nulls;
    lp_frame    frame;           /* offsets of RANGE frames compiled below */
    ex_expr    *range_start;     /* RANGE n PRECEDING/FOLLOWING constant, or NULL */
    ex_expr    *range_end;
    vec_type    type;
} ex_winfn_spec;
typedef struct ex_window_spec {
    ex_expr   **partition;
    int         n_partition;
    ex_expr   **order;
    const bool *desc;
    const bool *nulls_first;
    int         n_order;
    ex_winfn_spec *fns;
    int         n_fns;
    const vec_type *types;       /* input columns */
    int         n_types;
} ex_window_spec;
st_status ex_window_new(ex_query *q, const ex_window_spec *spec, ex_op **out, st_error *err);

/* ---- spill files (ex_spill.c) ------------------------------------------------ */

/* An unlinked temp file in q->set.temp_dir that chunks are appended to and
** read back from in order (several independent read cursors allowed). */
typedef struct ex_spill ex_spill;
st_status ex_spill_open(ex_query *q, ex_spill **out, st_error *err);
/* Appends a chunk (any column types, nested included); returns its handle. */
st_status ex_spill_write(ex_spill *s, const ex_chunk *c, int64_t *handle, st_error *err);
/* Reads back the chunk written at handle into arena a. */
st_status ex_spill_read(ex_spill *s, int64_t handle, const vec_type *types, int n_types,
                        st_arena *a, ex_chunk *out, st_error *err);
void      ex_spill_close(ex_spill *s);                 /* accepts NULL */

/* ---- hashing and key comparison (ex_hash.c) ------------------------------------ */

/* hashes[i] = combined hash of row i over cols (NULL hashes to a fixed
** value; equal values of equal types hash equally). */
st_status ex_hash_rows(const vec *const *cols, int n_cols, int64_t n_rows, uint64_t *hashes,
                       st_error *err);
/* Row ia of a equals row ib of b (same types); NULL equals NULL only when
** null_eq. */
bool      ex_value_equal(const vec *a, int64_t ia, const vec *b, int64_t ib, bool null_eq);
/* Order of row ia of a vs row ib of b: <0, 0, >0 (NULLs ordered per
** nulls_first, desc flips non-null order). Floats: NaN above everything. */
int       ex_value_compare(const vec *a, int64_t ia, const vec *b, int64_t ib, bool desc,
                           bool nulls_first);

#endif /* STRATA_EXEC_EXEC_H */
