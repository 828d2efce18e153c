/* ex_pipeline.c -- runs one pipeline (source -> operators -> sink) on the
** query's worker threads, morsel by morsel.
**
** Each worker owns an ex_thread (scratch arena reset after every chunk) and
** its per-operator local states. It pulls chunks from the source until the
** source says done, pushing each through the operators' execute callbacks
** (a chain of ex_emit continuations ending in the sink). Then all workers
** meet at a barrier; worker 0 runs the operators' flush callbacks (unmatched
** build rows of outer joins) into the rest of the chain; after a second
** barrier every worker combines its sink state. The caller finalizes the
** sink. The first error wins: it is kept, q->cancelled is set, and the
** other workers stop at their next chunk. An ordered source runs on one
** worker, so its order reaches the sink intact. */
#include "ex_int.h"

#include <time.h>

typedef struct worker worker;

typedef struct chain {
    ex_emit  base;
    worker  *w;
    int      idx;                 /* operator index this emit feeds; n_ops = the sink */
} chain;

struct worker {
    ex_pipe      *p;
    ex_thread    *t;
    void         *src_local;
    void        **op_local;
    void         *sink_local;
    chain        *chains;         /* n_ops + 1 */
    struct run   *run;
    pthread_t     tid;
};

typedef struct run {
    ex_query        *q;
    ex_pipe         *p;
    int              n;
    worker          *w;
    pthread_mutex_t  lock;
    pthread_cond_t   cond;
    int              arrived[2];  /* barrier counts */
    st_status        rc;
    st_error         err;         /* first error */
} run;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void run_fail(run *r, st_status rc, const st_error *err)
{
    pthread_mutex_lock(&r->lock);
    if (r->rc == ST_OK) {
        r->rc = rc;
        r->err = *err;
    }
    pthread_mutex_unlock(&r->lock);
    atomic_store(&r->q->cancelled, true);
}

static void barrier(run *r, int which)
{
    pthread_mutex_lock(&r->lock);
    r->arrived[which]++;
    if (r->arrived[which] >= r->n) pthread_cond_broadcast(&r->cond);
    else
        while (r->arrived[which] < r->n) pthread_cond_wait(&r->cond, &r->lock);
    pthread_mutex_unlock(&r->lock);
}

static st_status chain_push(ex_emit *self, ex_thread *t, const ex_chunk *c, st_error *err)
{
    chain *ch = (chain *)self;
    worker *w = ch->w;
    ex_pipe *p = w->p;
    bool to_sink = ch->idx == p->n_ops;
    if (c->n_rows == 0 && !to_sink) return ST_OK;
    atomic_fetch_add(&(ch->idx > 0 ? p->ops[ch->idx - 1] : p->source)->rows_out, c->n_rows);
    ex_op *op = to_sink ? p->sink : p->ops[ch->idx];
    int64_t t0 = t->q->analyze ? now_ns() : 0;
    st_status rc = to_sink ? op->ops->sink(op, w->sink_local, t, c, err)
                           : op->ops->execute(op, w->op_local[ch->idx], t, c,
                                              &w->chains[ch->idx + 1].base, err);
    if (t->q->analyze) atomic_fetch_add(&op->nanos, now_ns() - t0);
    return rc;
}

static st_status worker_init(worker *w, st_error *err)
{
    ex_pipe *p = w->p;
    st_status rc;
    w->op_local = st_calloc((size_t)p->n_ops + 1, sizeof *w->op_local);
    w->chains = st_calloc((size_t)p->n_ops + 1, sizeof *w->chains);
    if (!w->op_local || !w->chains)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory starting a pipeline");
    for (int i = 0; i <= p->n_ops; i++) {
        w->chains[i].base.push = chain_push;
        w->chains[i].w = w;
        w->chains[i].idx = i;
    }
    if (p->source->ops->source_local &&
        (rc = p->source->ops->source_local(p->source, w->t, &w->src_local, err)) != ST_OK)
        return rc;
    for (int i = 0; i < p->n_ops; i++)
        if (p->ops[i]->ops->op_local &&
            (rc = p->ops[i]->ops->op_local(p->ops[i], w->t, &w->op_local[i], err)) != ST_OK)
            return rc;
    if (p->sink->ops->sink_local &&
        (rc = p->sink->ops->sink_local(p->sink, w->t, &w->sink_local, err)) != ST_OK)
        return rc;
    return ST_OK;
}

static void worker_free(worker *w)
{
    ex_pipe *p = w->p;
    if (w->src_local && p->source->ops->source_local_free)
        p->source->ops->source_local_free(p->source, w->src_local);
    for (int i = 0; w->op_local && i < p->n_ops; i++)
        if (w->op_local[i] && p->ops[i]->ops->op_local_free)
            p->ops[i]->ops->op_local_free(p->ops[i], w->op_local[i]);
    if (w->sink_local && p->sink->ops->sink_local_free)
        p->sink->ops->sink_local_free(p->sink, w->sink_local);
    st_free(w->op_local);
    st_free(w->chains);
    ex_thread_free(w->t);
    w->src_local = w->sink_local = NULL;
    w->op_local = NULL;
    w->chains = NULL;
    w->t = NULL;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    run *r = w->run;
    ex_pipe *p = w->p;
    ex_query *q = r->q;
    st_error err;
    st_error_init(&err);
    st_status rc = worker_init(w, &err);
    if (rc != ST_OK) run_fail(r, rc, &err);
    /* Drain the source. */
    while (rc == ST_OK && !atomic_load(&q->cancelled)) {
        ex_chunk c = {0};
        bool done = false;
        int64_t t0 = q->analyze ? now_ns() : 0;
        rc = p->source->ops->source_next(p->source, w->src_local, w->t, &c, &done, &err);
        if (q->analyze) atomic_fetch_add(&p->source->nanos, now_ns() - t0);
        if (rc != ST_OK) { run_fail(r, rc, &err); break; }
        if (done) break;
        if (c.n_rows > 0 || p->n_ops == 0) {
            rc = chain_push(&w->chains[0].base, w->t, &c, &err);
            if (rc != ST_OK) { run_fail(r, rc, &err); break; }
        }
        st_arena_reset(w->t->arena);
    }
    barrier(r, 0);
    /* Worker 0 flushes the operators in order. */
    if (w->t && w->t->id == 0 && r->rc == ST_OK) {
        for (int i = 0; i < p->n_ops && rc == ST_OK; i++) {
            if (!p->ops[i]->ops->flush) continue;
            rc = p->ops[i]->ops->flush(p->ops[i], w->op_local[i], w->t, &w->chains[i + 1].base,
                                       &err);
            if (rc != ST_OK) run_fail(r, rc, &err);
            st_arena_reset(w->t->arena);
        }
    }
    barrier(r, 1);
    if (r->rc == ST_OK && p->sink->ops->combine && w->t) {
        rc = p->sink->ops->combine(p->sink, w->sink_local, w->t, &err);
        if (rc != ST_OK) run_fail(r, rc, &err);
    }
    worker_free(w);
    return NULL;
}

st_status ex_pipe_run(ex_query *q, ex_pipe *p, st_error *err)
{
    st_status rc;
    if (atomic_load(&q->cancelled))
        return st_error_set(err, ST_ERR_INTERNAL, "query cancelled");
    if (p->source->ops->source_init && (rc = p->source->ops->source_init(p->source, err)) != ST_OK)
        return rc;
    int n = p->source->ops->ordered ? 1 : q->set.threads;
    if (p->single_thread) n = 1;
    run r = {.q = q, .p = p, .n = n};
    st_error_init(&r.err);
    r.w = st_calloc((size_t)n, sizeof *r.w);
    if (!r.w) return st_error_set(err, ST_ERR_NOMEM, "out of memory starting a pipeline");
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.cond, NULL);
    for (int i = 0; i < n; i++) {
        r.w[i].p = p;
        r.w[i].run = &r;
        r.w[i].t = ex_thread_new(q, i);
        if (!r.w[i].t) {
            for (int j = 0; j < i; j++) ex_thread_free(r.w[j].t);
            st_free(r.w);
            pthread_mutex_destroy(&r.lock);
            pthread_cond_destroy(&r.cond);
            return st_error_set(err, ST_ERR_NOMEM, "out of memory starting a pipeline");
        }
    }
    int started = 1;
    for (int i = 1; i < n; i++) {
        if (pthread_create(&r.w[i].tid, NULL, worker_main, &r.w[i]) != 0) {
            /* Run with fewer workers: shrink the barrier count. */
            pthread_mutex_lock(&r.lock);
            r.n = started;
            pthread_cond_broadcast(&r.cond);
            pthread_mutex_unlock(&r.lock);
            for (int j = i; j < n; j++) ex_thread_free(r.w[j].t);
            break;
        }
        started++;
    }
    worker_main(&r.w[0]);
    for (int i = 1; i < started; i++) pthread_join(r.w[i].tid, NULL);
    st_free(r.w);
    pthread_mutex_destroy(&r.lock);
    pthread_cond_destroy(&r.cond);
    if (r.rc != ST_OK) {
        *err = r.err;
        return r.rc;
    }
    if (p->finalize_sink && p->sink->ops->finalize) {
        int64_t t0 = q->analyze ? now_ns() : 0;
        rc = p->sink->ops->finalize(p->sink, err);
        if (q->analyze) atomic_fetch_add(&p->sink->nanos, now_ns() - t0);
        if (rc != ST_OK) {
            atomic_store(&q->cancelled, true);
            return rc;
        }
    }
    return ST_OK;
}
