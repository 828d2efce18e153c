/* ex_basic.c -- the simple physical operators: VALUES (a source), FILTER,
** PROJECT, LIMIT/OFFSET and GENERATE (streaming operators) and BUFFER (a
** sink that keeps every chunk, then a source of them).
**
** Memory: streaming operators build their output in the thread's scratch
** arena and may hand their input's vectors on unchanged. VALUES evaluates
** its rows once (source_init) into the query arena. BUFFER copies what it
** keeps into its own arena under its lock and accounts the bytes with
** ex_mem_force (it cannot spill), releasing them when destroyed.
**
** LIMIT shares two atomic counters between threads: rows seen so far
** decides which rows of a chunk fall inside [offset, offset + limit); once
** the window is passed the operator is done (ex_limit_done) and drops every
** later chunk, so sources that poll it may stop early. On an unordered
** source any rows qualify; the planner runs an ordered one on one thread. */
#include "exec.h"

#include <stdio.h>

static st_status oom(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory in an operator");
}

/* Pushes rows [lo, hi) of c (c itself when that is all of it). */
static st_status push_range(ex_emit *next, ex_thread *t, const ex_chunk *c, int64_t lo,
                            int64_t hi, st_error *err)
{
    if (lo == 0 && hi == c->n_rows)
        return next->push(next, t, c, err);
    int32_t *idx = st_arena_alloc(t->arena, (size_t)(hi - lo > 0 ? hi - lo : 1) * sizeof *idx);
    if (!idx)
        return oom(err);
    for (int64_t i = lo; i < hi; i++)
        idx[i - lo] = (int32_t)i;
    ex_chunk out;
    st_status rc = ex_chunk_take(t->arena, c, idx, hi - lo, &out, err);
    return rc != ST_OK ? rc : next->push(next, t, &out, err);
}

/* ---- VALUES ---------------------------------------------------------------------- */

typedef struct values_state {
    const lp_node  *node;         /* borrowed: the plan */
    ex_expr       **exprs;        /* n_rows * n_cols, q->arena */
    ex_chunk        chunk;        /* built by source_init, q->arena */
    bool            built;
    _Atomic bool    taken;        /* the one chunk was handed out */
} values_state;

static st_status values_build(ex_op *op, st_error *err)
{
    values_state *s = op->state;
    const lp_node *n = s->node;
    ex_query *q = op->q;
    ex_thread *t = ex_thread_new(q, 0);
    vec **row_vals = st_calloc((size_t)(n->n_rows > 0 ? n->n_rows : 1), sizeof *row_vals);
    vec **cols = st_arena_calloc(q->arena, (size_t)(n->n_cols > 0 ? n->n_cols : 1), sizeof *cols);
    st_status rc = ST_OK;
    if (!t || !row_vals || !cols)
        rc = oom(err);
    ex_chunk dummy = {.n_rows = 1, .n_cols = 0, .cols = NULL};
    for (int c = 0; c < n->n_cols && rc == ST_OK; c++) {
        const vec_type *ty = &op->types[c];
        for (int64_t r = 0; r < n->n_rows && rc == ST_OK; r++) {
            vec *v;
            rc = ex_expr_eval(s->exprs[r * n->n_cols + c], t, &dummy, &v, err);
            if (rc == ST_OK && (v->type->id != ty->id ||
                                (ty->id == VEC_DECIMAL && v->type->scale != ty->scale)))
                rc = fn_cast(&q->fnctx, v, ty, false, 1, t->arena, &v, err);
            row_vals[r] = v;
        }
        if (rc == ST_OK)
            rc = ex_vec_concat(q->arena, (const vec *const *)row_vals, (int)n->n_rows, ty,
                               &cols[c], err);
    }
    st_free(row_vals);
    ex_thread_free(t);
    if (rc != ST_OK)
        return rc;
    s->chunk.n_rows = n->n_rows;
    s->chunk.n_cols = n->n_cols;
    s->chunk.cols = cols;
    s->built = true;
    return ST_OK;
}

static st_status values_init(ex_op *op, st_error *err)
{
    values_state *s = op->state;
    atomic_store(&s->taken, false);
    return s->built ? ST_OK : values_build(op, err);
}

static st_status values_next(ex_op *op, void *local, ex_thread *t, ex_chunk *out, bool *done,
                             st_error *err)
{
    values_state *s = op->state;
    if (!s->built) {
        st_status rc = values_build(op, err);
        if (rc != ST_OK)
            return rc;
    }
    if (atomic_exchange(&s->taken, true) || s->chunk.n_rows == 0) {
        *done = true;
        return ST_OK;
    }
    *out = s->chunk;
    *done = false;
    return ST_OK;
}

static const ex_op_ops VALUES_OPS = {
    .name = "Values",
    .source_init = values_init,
    .source_next = values_next,
    .ordered = true,
};

st_status ex_values_new(ex_query *q, const lp_node *values, ex_op **out, st_error *err)
{
    if (values->n_rows < 0 || values->n_rows > INT32_MAX)
        return st_error_set(err, ST_ERR_INTERNAL, "VALUES with %lld rows", (long long)values->n_rows);
    vec_type *types = st_arena_calloc(q->arena, (size_t)(values->n_cols > 0 ? values->n_cols : 1),
                                      sizeof *types);
    values_state *s = st_arena_calloc(q->arena, 1, sizeof *s);
    size_t n_exprs = (size_t)values->n_rows * (size_t)values->n_cols;
    s = s && types ? s : NULL;
    if (s && n_exprs > 0 && !(s->exprs = st_arena_calloc(q->arena, n_exprs, sizeof *s->exprs)))
        s = NULL;
    if (!s)
        return oom(err);
    for (int c = 0; c < values->n_cols; c++)
        types[c] = values->cols[c].type;
    for (size_t i = 0; i < n_exprs; i++) {
        st_status rc = ex_expr_compile(q, values->values[i], NULL, 0, &s->exprs[i], err);
        if (rc != ST_OK)
            return rc;
    }
    s->node = values;
    ex_op *op = ex_op_new(q, &VALUES_OPS, types, values->n_cols);
    if (!op)
        return oom(err);
    op->state = s;
    *out = op;
    return ST_OK;
}

/* ---- FILTER -------------------------------------------------------------------------- */

static st_status filter_execute(ex_op *op, void *local, ex_thread *t, const ex_chunk *in,
                                ex_emit *next, st_error *err)
{
    const ex_expr *cond = op->state;
    int32_t *sel = st_arena_alloc(t->arena, (size_t)(in->n_rows > 0 ? in->n_rows : 1) * sizeof *sel);
    if (!sel)
        return oom(err);
    int64_t n = 0;
    st_status rc = ex_expr_select(cond, t, in, sel, &n, err);
    if (rc != ST_OK || n == 0)
        return rc;
    if (n == in->n_rows)
        return next->push(next, t, in, err);
    ex_chunk out;
    rc = ex_chunk_take(t->arena, in, sel, n, &out, err);
    return rc != ST_OK ? rc : next->push(next, t, &out, err);
}

static const ex_op_ops FILTER_OPS = {.name = "Filter", .execute = filter_execute};

st_status ex_filter_new(ex_query *q, ex_expr *cond, const vec_type *types, int n_types,
                        ex_op **out, st_error *err)
{
    if (ex_expr_type(cond)->id != VEC_BOOL && ex_expr_type(cond)->id != VEC_NULL)
        return st_error_set(err, ST_ERR_INTERNAL, "filter condition of type %s is not boolean",
                            vec_type_id_name(ex_expr_type(cond)->id));
    ex_op *op = ex_op_new(q, &FILTER_OPS, types, n_types);
    if (!op)
        return oom(err);
    op->state = cond;
    *out = op;
    return ST_OK;
}

/* ---- PROJECT --------------------------------------------------------------------------- */

typedef struct project_state {
    ex_expr **exprs;              /* q->arena copy of the pointers */
    int       n;
} project_state;

static st_status project_execute(ex_op *op, void *local, ex_thread *t, const ex_chunk *in,
                                 ex_emit *next, st_error *err)
{
    const project_state *s = op->state;
    ex_chunk out = {.n_rows = in->n_rows, .n_cols = s->n};
    out.cols = st_arena_calloc(t->arena, (size_t)(s->n > 0 ? s->n : 1), sizeof *out.cols);
    if (!out.cols)
        return oom(err);
    for (int i = 0; i < s->n; i++) {
        st_status rc = ex_expr_eval(s->exprs[i], t, in, &out.cols[i], err);
        if (rc != ST_OK)
            return rc;
    }
    return next->push(next, t, &out, err);
}

static const ex_op_ops PROJECT_OPS = {.name = "Project", .execute = project_execute};

st_status ex_project_new(ex_query *q, ex_expr **exprs, int n, ex_op **out, st_error *err)
{
    project_state *s = st_arena_calloc(q->arena, 1, sizeof *s);
    vec_type *types = st_arena_calloc(q->arena, (size_t)(n > 0 ? n : 1), sizeof *types);
    if (!s || !types || !(s->exprs = st_arena_calloc(q->arena, (size_t)(n > 0 ? n : 1),
                                                     sizeof *s->exprs)))
        return oom(err);
    for (int i = 0; i < n; i++) {
        s->exprs[i] = exprs[i];
        types[i] = *ex_expr_type(exprs[i]);
    }
    s->n = n;
    ex_op *op = ex_op_new(q, &PROJECT_OPS, types, n);
    if (!op)
        return oom(err);
    op->state = s;
    *out = op;
    return ST_OK;
}

/* ---- LIMIT ------------------------------------------------------------------------------ */

typedef struct limit_state {
    int64_t         limit;        /* rows to keep, < 0: all */
    int64_t         offset;       /* rows to skip first */
    _Atomic int64_t seen;         /* rows that reached the operator so far */
    _Atomic bool    done;         /* the window is complete: drop the rest */
} limit_state;

static st_status limit_execute(ex_op *op, void *local, ex_thread *t, const ex_chunk *in,
                               ex_emit *next, st_error *err)
{
    limit_state *s = op->state;
    if (atomic_load(&s->done) || in->n_rows == 0)
        return ST_OK;
    int64_t n = in->n_rows;
    int64_t start = atomic_fetch_add(&s->seen, n);
    int64_t lo = s->offset - start, hi = n;
    if (lo < 0)
        lo = 0;
    if (s->limit >= 0) {
        int64_t end = s->offset + s->limit;    /* one past the last row kept */
        if (start + n >= end)
            atomic_store(&s->done, true);
        if (end - start < hi)
            hi = end - start;
    }
    if (hi <= lo)
        return ST_OK;
    return push_range(next, t, in, lo, hi, err);
}

static st_status limit_explain(const ex_op *op, st_buf *out, st_error *err)
{
    const limit_state *s = op->state;
    return st_buf_printf(out, err, "limit %lld offset %lld", (long long)s->limit,
                         (long long)s->offset);
}

static const ex_op_ops LIMIT_OPS = {
    .name = "Limit", .execute = limit_execute, .explain = limit_explain,
};

st_status ex_limit_new(ex_query *q, int64_t limit, int64_t offset, const vec_type *types,
                       int n_types, ex_op **out, st_error *err)
{
    limit_state *s = st_arena_calloc(q->arena, 1, sizeof *s);
    if (!s)
        return oom(err);
    s->limit = limit < 0 ? -1 : limit;
    s->offset = offset > 0 ? offset : 0;
    atomic_store(&s->done, limit == 0);
    ex_op *op = ex_op_new(q, &LIMIT_OPS, types, n_types);
    if (!op)
        return oom(err);
    op->state = s;
    *out = op;
    return ST_OK;
}

bool ex_limit_done(const ex_op *op)
{
    if (!op || op->ops != &LIMIT_OPS)
        return false;
    limit_state *s = op->state;
    return atomic_load(&s->done);
}

/* ---- GENERATE ------------------------------------------------------------------------------ */

typedef struct gen_state {
    lp_gen_kind kind;
    bool        outer;            /* a row with NULLs for an empty or NULL input */
    ex_expr    *arg;              /* q->arena */
} gen_state;

/* Output rows being gathered: input row, element row (-1: NULL), position. */
typedef struct gen_batch {
    int32_t *rep, *el, *pos;      /* t->arena, cap entries each */
    int64_t  n, cap;
} gen_batch;

/* rows of src at el (-1 = NULL) */
static st_status take_or_null(ex_thread *t, const vec *src, const int32_t *el, int64_t n,
                              vec **out, st_error *err)
{
    if (src->len == 0)
        return vec_constant(t->arena, src->type, NULL, n, out, err);
    int32_t *idx = st_arena_alloc(t->arena, (size_t)(n > 0 ? n : 1) * sizeof *idx);
    if (!idx)
        return oom(err);
    bool any_null = false;
    for (int64_t i = 0; i < n; i++) {
        idx[i] = el[i] < 0 ? 0 : el[i];
        any_null |= el[i] < 0;
    }
    st_status rc = vec_take(t->arena, src, idx, n, out, err);
    for (int64_t i = 0; rc == ST_OK && any_null && i < n; i++)
        if (el[i] < 0)
            rc = vec_set_null(t->arena, *out, i, err);
    return rc;
}

static st_status pos_vec(ex_thread *t, const vec_type *ty, const gen_batch *b, vec **out,
                         st_error *err)
{
    vec *v = vec_new(t->arena, ty, b->n);
    if (!v)
        return oom(err);
    for (int64_t i = 0; i < b->n; i++) {
        if (ty->id == VEC_INT64) ((int64_t *)v->values)[i] = b->pos[i];
        else ((int32_t *)v->values)[i] = b->pos[i];
        if (b->el[i] < 0) {
            st_status rc = vec_set_null(t->arena, v, i, err);
            if (rc != ST_OK)
                return rc;
        }
    }
    *out = v;
    return ST_OK;
}

static st_status gen_emit(ex_op *op, ex_thread *t, const ex_chunk *in, const vec *arg,
                          gen_batch *b, ex_emit *next, st_error *err)
{
    const gen_state *s = op->state;
    if (b->n == 0)
        return ST_OK;
    if (atomic_load(&op->q->cancelled))   /* a huge replicate/explode stops early */
        return st_error_set(err, ST_ERR_CANCELLED, "query cancelled");
    ex_chunk view = *in, out;
    st_status rc = ex_chunk_take(t->arena, &view, b->rep, b->n, &out, err);
    if (rc != ST_OK)
        return rc;
    int n_in = in->n_cols, n_out = n_in;
    if (s->kind != LP_GEN_REPLICATE) {
        vec **cols = st_arena_calloc(t->arena, (size_t)n_in + 3, sizeof *cols);
        if (!cols)
            return oom(err);
        memcpy(cols, out.cols, (size_t)n_in * sizeof *cols);
        if (s->kind == LP_GEN_POSEXPLODE) {
            static const vec_type T_I32 = {.id = VEC_INT32};
            const vec_type *pt = op->n_types > n_in && (op->types[n_in].id == VEC_INT64 ||
                                 op->types[n_in].id == VEC_INT32) ? &op->types[n_in] : &T_I32;
            if ((rc = pos_vec(t, pt, b, &cols[n_out++], err)) != ST_OK)
                return rc;
        }
        const vec *child = arg->type->id == VEC_NULL ? NULL : arg->children[0];
        if (!child) {                    /* explode_outer(NULL): NULL columns */
            static const vec_type T_NULLT = {.id = VEC_NULL};
            for (int k = 0; k < (op->n_types > n_out + 1 ? 2 : 1); k++, n_out++) {
                const vec_type *ty = op->n_types > n_out ? &op->types[n_out] : &T_NULLT;
                if ((rc = vec_constant(t->arena, ty, NULL, b->n, &cols[n_out], err)) != ST_OK)
                    return rc;
            }
        } else if (arg->type->id == VEC_MAP) {
            if ((rc = take_or_null(t, child->children[0], b->el, b->n, &cols[n_out++], err)) ||
                (rc = take_or_null(t, child->children[1], b->el, b->n, &cols[n_out++], err)))
                return rc;
        } else if ((rc = take_or_null(t, child, b->el, b->n, &cols[n_out++], err)) != ST_OK) {
            return rc;
        }
        out.cols = cols;
        out.n_cols = n_out;
    }
    b->n = 0;
    return next->push(next, t, &out, err);
}

static st_status gen_add(ex_op *op, ex_thread *t, const ex_chunk *in, const vec *arg,
                         gen_batch *b, int64_t row, int32_t el, int32_t pos, ex_emit *next,
                         st_error *err)
{
    b->rep[b->n] = (int32_t)row;
    b->el[b->n] = el;
    b->pos[b->n] = pos;
    if (++b->n == b->cap)
        return gen_emit(op, t, in, arg, b, next, err);
    return ST_OK;
}

/* The repeat count of row i of an integer vector (NULL, negative: 0). */
static int64_t count_at(const vec *v, int64_t i)
{
    if (v->type->id == VEC_NULL || !vec_is_valid(v, i))
        return 0;
    int64_t c;
    switch (v->type->id) {
    case VEC_INT8: c = ((const int8_t *)v->values)[i]; break;
    case VEC_INT16: c = ((const int16_t *)v->values)[i]; break;
    case VEC_INT32: c = ((const int32_t *)v->values)[i]; break;
    case VEC_INT64: c = ((const int64_t *)v->values)[i]; break;
    default: c = 0; break;
    }
    return c > 0 ? c : 0;
}

static st_status generate_execute(ex_op *op, void *local, ex_thread *t, const ex_chunk *in,
                                  ex_emit *next, st_error *err)
{
    const gen_state *s = op->state;
    vec *arg;
    st_status rc = ex_expr_eval(s->arg, t, in, &arg, err);
    if (rc != ST_OK)
        return rc;
    bool lists = arg->type->id == VEC_LIST || arg->type->id == VEC_MAP;
    if (s->kind != LP_GEN_REPLICATE && !lists && arg->type->id != VEC_NULL)
        return st_error_set(err, ST_ERR_INTERNAL, "explode of a %s value",
                            vec_type_id_name(arg->type->id));
    gen_batch b = {.cap = op->q->set.batch_rows > 0 ? op->q->set.batch_rows : 2048};
    b.rep = st_arena_alloc(t->arena, (size_t)b.cap * sizeof *b.rep);
    b.el = st_arena_alloc(t->arena, (size_t)b.cap * sizeof *b.el);
    b.pos = st_arena_alloc(t->arena, (size_t)b.cap * sizeof *b.pos);
    if (!b.rep || !b.el || !b.pos)
        return oom(err);
    for (int64_t i = 0; i < in->n_rows && rc == ST_OK; i++) {
        if (s->kind == LP_GEN_REPLICATE) {
            for (int64_t k = count_at(arg, i); k > 0 && rc == ST_OK; k--)
                rc = gen_add(op, t, in, arg, &b, i, -1, 0, next, err);
            continue;
        }
        bool valid = lists && vec_is_valid(arg, i);
        const int32_t *off = lists ? vec_offsets(arg) : NULL;
        if (valid && off[i + 1] > off[i]) {
            for (int32_t k = off[i]; k < off[i + 1] && rc == ST_OK; k++)
                rc = gen_add(op, t, in, arg, &b, i, k, k - off[i], next, err);
        } else if (s->outer) {
            rc = gen_add(op, t, in, arg, &b, i, -1, 0, next, err);
        }
    }
    if (rc == ST_OK)
        rc = gen_emit(op, t, in, arg, &b, next, err);
    return rc;
}

static const ex_op_ops GENERATE_OPS = {.name = "Generate", .execute = generate_execute};

st_status ex_generate_new(ex_query *q, lp_gen_kind kind, bool outer, ex_expr *arg,
                          const vec_type *types, int n_types, ex_op **out, st_error *err)
{
    gen_state *s = st_arena_calloc(q->arena, 1, sizeof *s);
    if (!s)
        return oom(err);
    s->kind = kind;
    s->outer = outer;
    s->arg = arg;
    ex_op *op = ex_op_new(q, &GENERATE_OPS, types, n_types);
    if (!op)
        return oom(err);
    op->state = s;
    *out = op;
    return ST_OK;
}

/* ---- BUFFER ---------------------------------------------------------------------------------- */

typedef struct buffer_state {
    pthread_mutex_t lock;         /* guards arena, chunks, n, cap, bytes */
    st_arena       *arena;        /* owned: every kept chunk */
    ex_chunk       *chunks;       /* owned (heap) array */
    int64_t         n, cap;
    int64_t         bytes;        /* reserved with ex_mem_force */
    _Atomic int64_t next;         /* next chunk to hand out */
    bool            shared;       /* a common subplan's rows, read by several pipelines */
} buffer_state;

static st_status buffer_sink(ex_op *op, void *local, ex_thread *t, const ex_chunk *in,
                             st_error *err)
{
    buffer_state *s = op->state;
    if (in->n_rows == 0)
        return ST_OK;
    st_status rc = ST_OK;
    pthread_mutex_lock(&s->lock);
    if (s->n == s->cap) {
        int64_t cap = s->cap ? s->cap * 2 : 16;
        ex_chunk *c = st_realloc(s->chunks, (size_t)cap * sizeof *c);
        if (!c)
            rc = oom(err);
        else {
            s->chunks = c;
            s->cap = cap;
        }
    }
    int64_t bytes = 0;
    if (rc == ST_OK) {
        size_t before = st_arena_bytes(s->arena);
        rc = ex_chunk_copy(s->arena, in, &s->chunks[s->n], err);
        if (rc == ST_OK) {
            s->n++;
            bytes = (int64_t)(st_arena_bytes(s->arena) - before);
            s->bytes += bytes;
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (bytes > 0)
        ex_mem_force(op->q, bytes);
    return rc;
}

static st_status buffer_init(ex_op *op, st_error *err)
{
    buffer_state *s = op->state;
    atomic_store(&s->next, 0);
    return ST_OK;
}

static st_status buffer_next(ex_op *op, void *local, ex_thread *t, ex_chunk *out, bool *done,
                             st_error *err)
{
    buffer_state *s = op->state;
    int64_t i = atomic_fetch_add(&s->next, 1);
    if (i >= s->n) {
        *done = true;
        return ST_OK;
    }
    *out = s->chunks[i];
    *done = false;
    return ST_OK;
}

static void buffer_destroy(ex_op *op)
{
    buffer_state *s = op->state;
    if (!s)
        return;
    ex_mem_release(op->q, s->bytes);
    st_arena_free(s->arena);
    st_free(s->chunks);
    pthread_mutex_destroy(&s->lock);
    op->state = NULL;
}

static st_status buffer_explain(const ex_op *op, st_buf *out, st_error *err)
{
    const buffer_state *s = op->state;
    return s && s->shared ? st_buf_append_str(out, "(shared subplan, computed once)", err) : ST_OK;
}

static const ex_op_ops BUFFER_OPS = {
    .name = "Buffer", .sink = buffer_sink, .source_init = buffer_init,
    .source_next = buffer_next, .destroy = buffer_destroy, .explain = buffer_explain,
};
static const ex_op_ops BUFFER_ORDERED_OPS = {
    .name = "Buffer", .sink = buffer_sink, .source_init = buffer_init,
    .source_next = buffer_next, .destroy = buffer_destroy, .ordered = true,
};

st_status ex_buffer_new(ex_query *q, const vec_type *types, int n_types, bool ordered,
                        ex_op **out, st_error *err)
{
    buffer_state *s = st_arena_calloc(q->arena, 1, sizeof *s);
    if (!s || !(s->arena = st_arena_new(0)))
        return oom(err);
    pthread_mutex_init(&s->lock, NULL);
    ex_op *op = ex_op_new(q, ordered ? &BUFFER_ORDERED_OPS : &BUFFER_OPS, types, n_types);
    if (!op) {
        st_arena_free(s->arena);
        pthread_mutex_destroy(&s->lock);
        return oom(err);
    }
    op->state = s;
    *out = op;
    return ST_OK;
}

void ex_buffer_set_shared(ex_op *op)
{
    buffer_state *s = op->state;
    s->shared = true;
}

int64_t ex_buffer_rows(const ex_op *op)
{
    const buffer_state *s = op->state;
    int64_t n = 0;
    for (int64_t i = 0; i < s->n; i++)
        n += s->chunks[i].n_rows;
    return n;
}
