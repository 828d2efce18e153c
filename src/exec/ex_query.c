/* ex_query.c -- the per-query executor context: settings, the query arena,
** the operator registry (every operator is destroyed with its query), the
** memory limit accounting sinks reserve against, and thread contexts.
** Memory accounting is advisory and lock-free: reserve is a CAS loop on
** mem_used that refuses to pass memory_limit; force always succeeds. */
#include "exec.h"

#include <stdlib.h>
#include <unistd.h>

void ex_settings_default(ex_settings *set)
{
    memset(set, 0, sizeof *set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    set->threads = n > 0 ? (int)n : 1;
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    int64_t ram = pages > 0 && psz > 0 ? (int64_t)pages * psz : (int64_t)4 << 30;
    set->memory_limit = ram / 10 * 6;
    const char *tmp = getenv("TMPDIR");
    set->temp_dir = tmp && *tmp ? tmp : "/tmp";
    set->batch_rows = 2048;
}

ex_query *ex_query_new(const ex_settings *set, const fn_context *fnctx, lp_ctx *lp)
{
    ex_query *q = st_calloc(1, sizeof *q);
    if (!q) return NULL;
    if (set) q->set = *set;
    else ex_settings_default(&q->set);
    if (q->set.threads < 1) q->set.threads = 1;
    if (q->set.batch_rows < 1) q->set.batch_rows = 2048;
    if (!q->set.temp_dir) q->set.temp_dir = "/tmp";
    if (fnctx) q->fnctx = *fnctx;
    else q->fnctx.time_zone = "UTC";
    q->lp = lp;
    q->arena = st_arena_new(0);
    if (!q->arena) { st_free(q); return NULL; }
    q->set.temp_dir = st_arena_strdup(q->arena, q->set.temp_dir);
    pthread_mutex_init(&q->spill_lock, NULL);
    return q;
}

void ex_query_free(ex_query *q)
{
    if (!q) return;
    for (int i = q->n_ops - 1; i >= 0; i--)
        if (q->ops[i]->ops->destroy) q->ops[i]->ops->destroy(q->ops[i]);
    st_free(q->ops);
    pthread_mutex_destroy(&q->spill_lock);
    st_arena_free(q->arena);
    st_free(q);
}

ex_op *ex_op_new(ex_query *q, const ex_op_ops *ops, const vec_type *types, int n_types)
{
    st_error err;
    st_error_init(&err);
    ex_op *op = st_arena_calloc(q->arena, 1, sizeof *op);
    if (!op) return NULL;
    op->ops = ops;
    op->q = q;
    op->n_types = n_types;
    if (n_types > 0) {
        op->types = st_arena_calloc(q->arena, (size_t)n_types, sizeof *op->types);
        if (!op->types) return NULL;
        for (int i = 0; i < n_types; i++)
            if (vec_type_copy(q->arena, &types[i], &op->types[i], &err) != ST_OK) return NULL;
    }
    if (q->n_ops == q->cap_ops) {
        int cap = q->cap_ops ? q->cap_ops * 2 : 16;
        ex_op **n = st_realloc(q->ops, (size_t)cap * sizeof *n);
        if (!n) return NULL;
        q->ops = n;
        q->cap_ops = cap;
    }
    q->ops[q->n_ops++] = op;
    return op;
}

bool ex_mem_reserve(ex_query *q, int64_t bytes)
{
    int64_t cur = atomic_load(&q->mem_used);
    for (;;) {
        if (cur + bytes > q->set.memory_limit && bytes > 0) return false;
        if (atomic_compare_exchange_weak(&q->mem_used, &cur, cur + bytes)) break;
    }
    int64_t peak = atomic_load(&q->mem_peak);
    while (cur + bytes > peak && !atomic_compare_exchange_weak(&q->mem_peak, &peak, cur + bytes)) {}
    return true;
}

void ex_mem_release(ex_query *q, int64_t bytes)
{
    atomic_fetch_sub(&q->mem_used, bytes);
}

void ex_mem_force(ex_query *q, int64_t bytes)
{
    int64_t now = atomic_fetch_add(&q->mem_used, bytes) + bytes;
    int64_t peak = atomic_load(&q->mem_peak);
    while (now > peak && !atomic_compare_exchange_weak(&q->mem_peak, &peak, now)) {}
}

ex_thread *ex_thread_new(ex_query *q, int id)
{
    ex_thread *t = st_calloc(1, sizeof *t);
    if (!t) return NULL;
    t->arena = st_arena_new(256 * 1024);
    if (!t->arena) { st_free(t); return NULL; }
    t->id = id;
    t->q = q;
    return t;
}

void ex_thread_free(ex_thread *t)
{
    if (!t) return;
    st_arena_free(t->arena);
    st_free(t);
}
