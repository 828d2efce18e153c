/* ex_collect.c -- the result collector: the sink at the top of every query
** plan. Each chunk it receives is deep-copied into a fresh vec_batch (its own
** arena) and appended under a lock, so batches arrive in the order the
** pipeline delivered them (the whole order when the source is ordered and
** runs on one worker). The batches' schema pointer is left NULL: the session
** that takes them sets it to the result schema it owns. With a callback set
** (ex_collect_set_fn, what DML uses to stream rows into a Delta transaction)
** each chunk is handed to it under the lock instead and nothing is kept. */
#include "ex_int.h"

typedef struct collect_state {
    pthread_mutex_t lock;
    vec_batch     **batches;       /* owned until ex_collect_take */
    int             n, cap;
    int64_t         rows;
    ex_collect_fn   fn;            /* when set: chunks go here instead of batches */
    void           *ud;
} collect_state;

static st_status collect_sink(ex_op *op, void *local, ex_thread *t, const ex_chunk *in,
                              st_error *err)
{
    collect_state *s = op->state;
    if (in->n_rows == 0) return ST_OK;
    atomic_fetch_add(&op->rows_out, in->n_rows);
    if (s->fn) {
        pthread_mutex_lock(&s->lock);
        st_status rc = s->fn(s->ud, in, err);
        s->rows += rc == ST_OK ? in->n_rows : 0;
        pthread_mutex_unlock(&s->lock);
        return rc;
    }
    vec_batch *b = vec_batch_new(NULL, in->n_cols, 0);
    if (!b) return st_error_set(err, ST_ERR_NOMEM, "out of memory collecting the result");
    ex_chunk copy;
    st_status rc = ex_chunk_copy(b->arena, in, &copy, err);
    if (rc != ST_OK) { vec_batch_free(b); return rc; }
    for (int i = 0; i < in->n_cols; i++) b->cols[i] = copy.cols[i];
    b->n_rows = in->n_rows;
    ex_mem_force(op->q, (int64_t)st_arena_bytes(b->arena));
    pthread_mutex_lock(&s->lock);
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 16;
        vec_batch **nb = st_realloc(s->batches, (size_t)cap * sizeof *nb);
        if (!nb) {
            pthread_mutex_unlock(&s->lock);
            vec_batch_free(b);
            return st_error_set(err, ST_ERR_NOMEM, "out of memory collecting the result");
        }
        s->batches = nb;
        s->cap = cap;
    }
    s->batches[s->n++] = b;
    s->rows += in->n_rows;
    pthread_mutex_unlock(&s->lock);
    return ST_OK;
}

static void collect_destroy(ex_op *op)
{
    collect_state *s = op->state;
    if (!s) return;
    for (int i = 0; i < s->n; i++) vec_batch_free(s->batches[i]);
    st_free(s->batches);
    pthread_mutex_destroy(&s->lock);
    st_free(s);
    op->state = NULL;
}

static const ex_op_ops COLLECT_OPS = {
    .name = "Result",
    .sink = collect_sink,
    .destroy = collect_destroy,
};

st_status ex_collect_new(ex_query *q, const vec_type *types, int n_types, ex_op **out,
                         st_error *err)
{
    ex_op *op = ex_op_new(q, &COLLECT_OPS, types, n_types);
    collect_state *s = op ? st_calloc(1, sizeof *s) : NULL;
    if (!s) return st_error_set(err, ST_ERR_NOMEM, "out of memory creating the result");
    pthread_mutex_init(&s->lock, NULL);
    op->state = s;
    *out = op;
    return ST_OK;
}

void ex_collect_set_fn(ex_op *op, ex_collect_fn fn, void *ud)
{
    collect_state *s = op->state;
    s->fn = fn;
    s->ud = ud;
}

void ex_collect_take(ex_op *op, vec_batch ***batches, int *n_batches, int64_t *n_rows)
{
    collect_state *s = op->state;
    *batches = s->batches;
    *n_batches = s->n;
    *n_rows = s->rows;
    s->batches = NULL;
    s->n = s->cap = 0;
    s->rows = 0;
}
