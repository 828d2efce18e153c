/* ex_window.c -- window functions: a sink that keeps its input hashed into
** buckets by the partition keys, and a source that evaluates one bucket at
** a time (several threads take different buckets; row order of the output
** does not matter to SQL).
**
** Sink (every thread): evaluates the partition keys, order keys and every
** function argument, and copies them with the input columns into the
** thread's per-bucket chunk lists; the stored row is
**     input[0..n_types) ++ partition keys ++ order keys ++ fn arguments.
** Without partition keys there is one bucket. When ex_mem_reserve refuses,
** the thread writes every bucket it holds to its spill file (one chunk per
** bucket) and starts over, so buckets are later rebuilt from memory and disk.
**
** Source: a bucket is concatenated, sorted by (partition hash, partition
** keys, order keys) with qsort over row indices and ex_value_compare, cut
** into partitions and peer groups (equal order keys), and every function is
** evaluated over each partition:
**   ranking     row_number, rank, dense_rank, percent_rank, cume_dist, ntile
**   offsets     lag/lead (offset, default, IGNORE NULLS)
**   values      first_value/last_value (IGNORE NULLS), nth_value over the frame
**   aggregates  through agg.h: one state per partition for whole-partition
**               frames; a running state (finalized once per distinct frame
**               end, so peers share a value) when the frame starts UNBOUNDED
**               PRECEDING; otherwise each distinct frame is aggregated from
**               scratch (O(frame) per row; a segment tree would make
**               sliding frames O(log n)).
** RANGE frames with offsets need one numeric/date/decimal order key; NULL
** keys frame their own peer group.
**
** Invariants: bucket lists are guarded by win_state.lock until the sink is
** finalized, then read-only; a source local owns its current bucket's
** result until it asks for the next one. One bucket is processed in memory
** at a time per thread: a single huge partition is not split further. */
#include "exec.h"

#include <inttypes.h>
#include <stdlib.h>

#define WIN_BUCKETS 64

typedef struct win_disk {
    ex_spill *spill;         /* borrowed: win_state.spills */
    int64_t   handle;
} win_disk;

typedef struct win_bucket {
    ex_chunk **mem;          /* in-memory chunks (heap array; chunks in a kept arena) */
    int        n_mem, cap_mem;
    win_disk  *disk;         /* spilled chunks (heap array) */
    int        n_disk, cap_disk;
    int64_t    n_rows;
} win_bucket;

typedef struct win_state {
    ex_expr      **part;     /* q->arena */
    int            n_part;
    ex_expr      **order;
    bool          *desc;
    bool          *nulls_first;
    int            n_order;
    ex_winfn_spec *fns;      /* q->arena copies */
    int            n_fns;
    int           *arg_col;  /* stored column of each function's first argument */
    int            n_types;  /* input columns */
    int            part_col, order_col;
    vec_type      *all;      /* stored column types (q->arena) */
    int            n_all;
    int            n_buckets;
    pthread_mutex_t lock;    /* guards buckets, arenas, spills until finalize */
    win_bucket     buckets[WIN_BUCKETS];
    st_arena     **arenas;   /* sink arenas holding in-memory chunks (heap, owned) */
    int            n_arenas, cap_arenas;
    ex_spill     **spills;   /* owned */
    int            n_spills, cap_spills;
    int64_t        reserved; /* bytes reserved for the kept arenas */
    _Atomic int    next_bucket; /* source: next bucket to hand out */
} win_state;

typedef struct win_local {
    st_arena  *arena;        /* owned until combine: in-memory chunks */
    win_bucket b[WIN_BUCKETS];
    int64_t    reserved;
    ex_spill  *spill;        /* owned by win_state once opened */
} win_local;

typedef struct win_src {
    st_arena *arena;         /* owned: the current bucket and its result */
    ex_chunk  res;           /* result rows of the current bucket */
    int64_t   pos;           /* next row of res to emit */
    int64_t   reserved;      /* bytes forced for the current bucket */
} win_src;

/* Evaluation context of one sorted bucket. */
typedef struct win_ctx {
    ex_op          *op;
    ex_thread      *t;
    st_arena       *a;       /* the bucket's arena */
    const ex_chunk *s;       /* sorted stored rows */
    int64_t         n;
    int32_t        *pend;    /* per row: end of its partition */
    int32_t        *peer_s;  /* per row: start of its peer group */
    int32_t        *peer_e;  /* per row: end of its peer group */
} win_ctx;

static st_status oom(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory in window");
}

static st_status grow(void **p, int *cap, int n, size_t size, st_error *err)
{
    if (n < *cap)
        return ST_OK;
    int c = *cap ? *cap * 2 : 8;
    void *q = st_realloc(*p, (size_t)c * size);
    if (!q)
        return oom(err);
    *p = q;
    *cap = c;
    return ST_OK;
}

static st_status bucket_add_mem(win_bucket *b, ex_chunk *c, st_error *err)
{
    st_status rc = grow((void **)&b->mem, &b->cap_mem, b->n_mem, sizeof *b->mem, err);
    if (rc != ST_OK)
        return rc;
    b->mem[b->n_mem++] = c;
    b->n_rows += c->n_rows;
    return ST_OK;
}

static st_status bucket_add_disk(win_bucket *b, ex_spill *s, int64_t h, int64_t rows,
                                 st_error *err)
{
    st_status rc = grow((void **)&b->disk, &b->cap_disk, b->n_disk, sizeof *b->disk, err);
    if (rc != ST_OK)
        return rc;
    b->disk[b->n_disk].spill = s;
    b->disk[b->n_disk].handle = h;
    b->n_disk++;
    b->n_rows += rows;
    return ST_OK;
}

static void bucket_free(win_bucket *b)
{
    st_free(b->mem);
    st_free(b->disk);
    memset(b, 0, sizeof *b);
}

/* ---- sink ------------------------------------------------------------------------ */

static void win_sink_local_free(ex_op *op, void *local)
{
    win_local *l = local;
    if (!l)
        return;
    for (int i = 0; i < WIN_BUCKETS; i++)
        bucket_free(&l->b[i]);
    ex_mem_release(op->q, l->reserved);
    st_arena_free(l->arena);
    st_free(l);
}

static st_status win_sink_local(ex_op *op, ex_thread *t, void **local, st_error *err)
{
    win_local *l = st_calloc(1, sizeof *l);
    if (!l || !(l->arena = st_arena_new(0))) {
        st_free(l);
        return oom(err);
    }
    *local = l;
    return ST_OK;
}

/* Points v (and its children) at type t: kept rows must not borrow the
** producer's types, which may die with its pipeline. */
static void retype(vec *v, const vec_type *t)
{
    v->type = t;
    if (!v->children)
        return;
    for (int c = 0; c < t->n_children; c++)
        if (v->children[c])
            retype(v->children[c], &t->children[c].type);
}

static void retype_chunk(const win_state *s, ex_chunk *c)
{
    for (int k = 0; k < s->n_all; k++)
        retype(c->cols[k], &s->all[k]);
}

/* Writes every in-memory chunk of the thread to its spill file, one chunk
** per bucket, and empties its arena. */
static st_status spill_local(ex_op *op, win_local *l, st_error *err)
{
    win_state *s = op->state;
    st_status rc;
    if (!l->spill) {
        if ((rc = ex_spill_open(op->q, &l->spill, err)) != ST_OK)
            return rc;
        pthread_mutex_lock(&s->lock);
        rc = grow((void **)&s->spills, &s->cap_spills, s->n_spills, sizeof *s->spills, err);
        if (rc == ST_OK)
            s->spills[s->n_spills++] = l->spill;
        pthread_mutex_unlock(&s->lock);
        if (rc != ST_OK) {
            ex_spill_close(l->spill);
            l->spill = NULL;
            return rc;
        }
    }
    st_arena *tmp = st_arena_new(0);
    if (!tmp)
        return oom(err);
    rc = ST_OK;
    for (int i = 0; i < WIN_BUCKETS && rc == ST_OK; i++) {
        win_bucket *b = &l->b[i];
        if (b->n_mem == 0)
            continue;
        ex_chunk one;
        int64_t h, rows = 0;
        for (int k = 0; k < b->n_mem; k++)
            rows += b->mem[k]->n_rows;
        rc = ex_chunk_concat(tmp, (const ex_chunk *const *)b->mem, b->n_mem, s->n_all, &one,
                             err);
        if (rc == ST_OK)
            rc = ex_spill_write(l->spill, &one, &h, err);
        b->n_mem = 0;
        b->n_rows -= rows;
        if (rc == ST_OK)
            rc = bucket_add_disk(b, l->spill, h, rows, err);
        st_arena_reset(tmp);
    }
    st_arena_free(tmp);
    st_arena_reset(l->arena);
    ex_mem_release(op->q, l->reserved);
    l->reserved = 0;
    return rc;
}

/* Stored columns of in: input, partition keys, order keys, arguments. */
static st_status eval_stored(ex_op *op, ex_thread *t, const ex_chunk *in, ex_chunk *out,
                             st_error *err)
{
    win_state *s = op->state;
    vec **cols = st_arena_alloc(t->arena, (size_t)s->n_all * sizeof *cols + 1);
    if (!cols)
        return oom(err);
    if (in->n_cols < s->n_types)
        return st_error_set(err, ST_ERR_INTERNAL, "window input has %d columns, expected %d",
                            in->n_cols, s->n_types);
    for (int c = 0; c < s->n_types; c++)
        cols[c] = in->cols[c];
    st_status rc = ST_OK;
    for (int k = 0; k < s->n_part && rc == ST_OK; k++)
        rc = ex_expr_eval(s->part[k], t, in, &cols[s->part_col + k], err);
    for (int k = 0; k < s->n_order && rc == ST_OK; k++)
        rc = ex_expr_eval(s->order[k], t, in, &cols[s->order_col + k], err);
    for (int f = 0; f < s->n_fns && rc == ST_OK; f++) {
        const ex_winfn_spec *w = &s->fns[f];
        for (int k = 0; k < w->n_args && rc == ST_OK; k++) {
            int at = s->arg_col[f] + k;
            rc = ex_expr_eval(w->args[k], t, in, &cols[at], err);
            if (rc == ST_OK && !vec_type_equal(cols[at]->type, &s->all[at]))
                rc = fn_cast(&op->q->fnctx, cols[at], &s->all[at], false, in->n_rows, t->arena,
                             &cols[at], err);
        }
    }
    for (int c = 0; c < s->n_all && rc == ST_OK; c++)
        if (cols[c]->type->id != s->all[c].id || cols[c]->len < in->n_rows)
            rc = st_error_set(err, ST_ERR_INTERNAL,
                              "window input column %d is a %s vector of %" PRId64
                              " rows, expected %s with %" PRId64, c,
                              vec_type_id_name(cols[c]->type->id), cols[c]->len,
                              vec_type_id_name(s->all[c].id), in->n_rows);
    out->n_rows = in->n_rows;
    out->n_cols = s->n_all;
    out->cols = cols;
    return rc;
}

static st_status win_sink(ex_op *op, void *local, ex_thread *t, const ex_chunk *in,
                          st_error *err)
{
    win_state *s = op->state;
    win_local *l = local;
    if (in->n_rows == 0)
        return ST_OK;
    ex_chunk comb;
    st_status rc = eval_stored(op, t, in, &comb, err);
    if (rc != ST_OK)
        return rc;
    int64_t n = in->n_rows, bytes = 0;
    if (s->n_buckets == 1) {
        ex_chunk *c = st_arena_alloc(l->arena, sizeof *c);
        if (!c)
            return oom(err);
        if ((rc = ex_chunk_copy(l->arena, &comb, c, err)) != ST_OK)
            return rc;
        retype_chunk(s, c);
        bytes = ex_chunk_bytes(c);
        rc = bucket_add_mem(&l->b[0], c, err);
    } else {
        uint64_t *h = st_arena_alloc(t->arena, (size_t)n * sizeof *h);
        int32_t *idx = st_arena_alloc(t->arena, (size_t)n * sizeof *idx);
        int64_t cnt[WIN_BUCKETS + 1] = {0};
        if (!h || !idx)
            return oom(err);
        rc = ex_hash_rows((const vec *const *)comb.cols + s->part_col, s->n_part, n, h, err);
        if (rc != ST_OK)
            return rc;
        for (int64_t i = 0; i < n; i++)
            cnt[(h[i] >> 58) + 1]++;
        for (int b = 1; b <= WIN_BUCKETS; b++)
            cnt[b] += cnt[b - 1];
        int64_t start[WIN_BUCKETS + 1];
        memcpy(start, cnt, sizeof start);
        for (int64_t i = 0; i < n; i++)
            idx[cnt[h[i] >> 58]++] = (int32_t)i;
        for (int b = 0; b < WIN_BUCKETS && rc == ST_OK; b++) {
            int64_t m = start[b + 1] - start[b];
            if (m == 0)
                continue;
            ex_chunk *c = st_arena_alloc(l->arena, sizeof *c);
            if (!c)
                return oom(err);
            rc = ex_chunk_take(l->arena, &comb, idx + start[b], m, c, err);
            if (rc == ST_OK) {
                retype_chunk(s, c);
                bytes += ex_chunk_bytes(c);
                rc = bucket_add_mem(&l->b[b], c, err);
            }
        }
    }
    if (rc != ST_OK)
        return rc;
    if (ex_mem_reserve(op->q, bytes)) {
        l->reserved += bytes;
        return ST_OK;
    }
    ex_mem_force(op->q, bytes);
    l->reserved += bytes;
    return spill_local(op, l, err);
}

static st_status win_combine(ex_op *op, void *local, ex_thread *t, st_error *err)
{
    win_state *s = op->state;
    win_local *l = local;
    st_status rc = ST_OK;
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < WIN_BUCKETS && rc == ST_OK; i++) {
        win_bucket *b = &l->b[i];
        int64_t before = s->buckets[i].n_rows;
        for (int k = 0; k < b->n_mem && rc == ST_OK; k++)
            rc = bucket_add_mem(&s->buckets[i], b->mem[k], err);
        for (int k = 0; k < b->n_disk && rc == ST_OK; k++)
            rc = bucket_add_disk(&s->buckets[i], b->disk[k].spill, b->disk[k].handle, 0, err);
        if (rc == ST_OK) {
            s->buckets[i].n_rows = before + b->n_rows;
            bucket_free(b);
        }
    }
    if (rc == ST_OK)
        rc = grow((void **)&s->arenas, &s->cap_arenas, s->n_arenas, sizeof *s->arenas, err);
    if (rc == ST_OK) {
        s->arenas[s->n_arenas++] = l->arena;
        l->arena = NULL;
        s->reserved += l->reserved;
        l->reserved = 0;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static st_status win_finalize(ex_op *op, st_error *err)
{
    return ST_OK;
}

/* ---- sorting a bucket ------------------------------------------------------------ */

typedef struct win_sort_ctx {
    const win_state *s;
    const uint64_t  *h;
    vec *const      *cols;   /* stored columns */
} win_sort_ctx;

static int cmp_rows(const void *pa, const void *pb, void *ud)
{
    const win_sort_ctx *c = ud;
    const win_state *s = c->s;
    int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;
    if (c->h && c->h[a] != c->h[b])
        return c->h[a] < c->h[b] ? -1 : 1;
    for (int k = 0; k < s->n_part; k++) {
        const vec *v = c->cols[s->part_col + k];
        int r = ex_value_compare(v, a, v, b, false, true);
        if (r != 0)
            return r;
    }
    for (int k = 0; k < s->n_order; k++) {
        const vec *v = c->cols[s->order_col + k];
        int r = ex_value_compare(v, a, v, b, s->desc[k], s->nulls_first[k]);
        if (r != 0)
            return r;
    }
    return 0;
}

/* The bucket's rows in one chunk (in a), memory and disk. */
static st_status load_bucket(ex_op *op, const win_bucket *b, st_arena *a, ex_chunk *out,
                             st_error *err)
{
    win_state *s = op->state;
    int n = b->n_mem + b->n_disk;
    if (n == 1 && b->n_mem == 1) {
        *out = *b->mem[0];
        return ST_OK;
    }
    const ex_chunk **parts = st_arena_calloc(a, (size_t)n + 1, sizeof *parts);
    if (!parts)
        return oom(err);
    for (int k = 0; k < b->n_mem; k++)
        parts[k] = b->mem[k];
    for (int k = 0; k < b->n_disk; k++) {
        ex_chunk *c = st_arena_alloc(a, sizeof *c);
        if (!c)
            return oom(err);
        st_status rc = ex_spill_read(b->disk[k].spill, b->disk[k].handle, s->all, s->n_all, a, c,
                                     err);
        if (rc != ST_OK)
            return st_error_context(err, "reading a spilled window partition");
        parts[b->n_mem + k] = c;
    }
    return ex_chunk_concat(a, parts, n, s->n_all, out, err);
}

/* Sorts rows of r into *sorted and fills the partition / peer arrays. */
static st_status sort_bucket(win_ctx *c, const ex_chunk *r, ex_chunk *sorted, st_error *err)
{
    win_state *s = c->op->state;
    int64_t n = r->n_rows;
    if (n > INT32_MAX)
        return st_error_set(err, ST_ERR_LIMIT, "window bucket of %" PRId64 " rows is too large",
                            n);
    uint64_t *h = NULL;
    int32_t *perm = st_arena_alloc(c->a, (size_t)n * sizeof *perm + 1);
    c->pend = st_arena_alloc(c->a, (size_t)n * sizeof *c->pend + 1);
    c->peer_s = st_arena_alloc(c->a, (size_t)n * sizeof *c->peer_s + 1);
    c->peer_e = st_arena_alloc(c->a, (size_t)n * sizeof *c->peer_e + 1);
    if (!perm || !c->pend || !c->peer_s || !c->peer_e)
        return oom(err);
    if (s->n_part > 0) {
        h = st_arena_alloc(c->a, (size_t)n * sizeof *h + 1);
        if (!h)
            return oom(err);
        st_status rc = ex_hash_rows((const vec *const *)r->cols + s->part_col, s->n_part, n, h,
                                    err);
        if (rc != ST_OK)
            return rc;
    }
    for (int64_t i = 0; i < n; i++)
        perm[i] = (int32_t)i;
    if (s->n_part + s->n_order > 0) {
        win_sort_ctx sc = {s, h, r->cols};
        qsort_r(perm, (size_t)n, sizeof *perm, cmp_rows, &sc);
    }
    st_status rc = ex_chunk_take(c->a, r, perm, n, sorted, err);
    if (rc != ST_OK)
        return rc;
    /* Partition and peer-group boundaries over the sorted rows. */
    vec *const *cols = sorted->cols;
    int64_t ps = 0, qs = 0;
    for (int64_t i = 0; i <= n; i++) {
        bool new_part = i == n || i == 0, new_peer;
        for (int k = 0; k < s->n_part && !new_part; k++)
            new_part = (h[perm[i]] != h[perm[i - 1]]) ||
                       !ex_value_equal(cols[s->part_col + k], i, cols[s->part_col + k], i - 1, true);
        new_peer = new_part;
        for (int k = 0; k < s->n_order && !new_peer; k++)
            new_peer = !ex_value_equal(cols[s->order_col + k], i, cols[s->order_col + k], i - 1,
                                       true);
        if (new_peer) {
            for (int64_t j = qs; j < i; j++) {
                c->peer_s[j] = (int32_t)qs;
                c->peer_e[j] = (int32_t)i;
            }
            qs = i;
        }
        if (new_part) {
            for (int64_t j = ps; j < i; j++)
                c->pend[j] = (int32_t)i;
            ps = i;
        }
    }
    c->s = sorted;
    c->n = n;
    return ST_OK;
}

/* ---- ranking and offset functions ---------------------------------------------- */

static void set_int(vec *v, int64_t i, int64_t x)
{
    switch (v->type->id) {
    case VEC_INT8:   ((int8_t *)v->values)[i] = (int8_t)x; break;
    case VEC_INT16:  ((int16_t *)v->values)[i] = (int16_t)x; break;
    case VEC_INT32:  ((int32_t *)v->values)[i] = (int32_t)x; break;
    case VEC_DOUBLE: ((double *)v->values)[i] = (double)x; break;
    default:         ((int64_t *)v->values)[i] = x; break;
    }
}

/* Integer argument k of fn f at row i (constant in the binder's contract). */
static bool arg_int(const win_ctx *c, int f, int k, int64_t i, int64_t *out)
{
    const win_state *s = c->op->state;
    const vec *v = c->s->cols[s->arg_col[f] + k];
    if (v->type->id == VEC_NULL || !vec_is_valid(v, i))
        return false;
    switch (v->type->id) {
    case VEC_INT8:  *out = ((const int8_t *)v->values)[i]; return true;
    case VEC_INT16: *out = ((const int16_t *)v->values)[i]; return true;
    case VEC_INT32: *out = ((const int32_t *)v->values)[i]; return true;
    case VEC_INT64: *out = ((const int64_t *)v->values)[i]; return true;
    default:        return false;
    }
}

static st_status eval_rank(win_ctx *c, int f, vec **out, st_error *err)
{
    win_state *s = c->op->state;
    const ex_winfn_spec *w = &s->fns[f];
    vec *v = vec_new(c->a, &w->type, c->n);
    if (!v)
        return oom(err);
    for (int64_t ps = 0, pe; ps < c->n; ps = pe) {
        pe = c->pend[ps];
        int64_t cnt = pe - ps, dense = 0, buckets = 0;
        if (w->kind == LP_WIN_NTILE) {
            if (!arg_int(c, f, 0, ps, &buckets) || buckets <= 0)
                return st_error_set(err, ST_ERR_ARGUMENT,
                                    "ntile bucket count must be a positive integer");
        }
        for (int64_t i = ps; i < pe; i++) {
            if (c->peer_s[i] == i)
                dense++;
            int64_t rank = c->peer_s[i] - ps + 1, r = i - ps;
            switch (w->kind) {
            case LP_WIN_ROW_NUMBER: set_int(v, i, r + 1); break;
            case LP_WIN_RANK:       set_int(v, i, rank); break;
            case LP_WIN_DENSE_RANK: set_int(v, i, dense); break;
            case LP_WIN_PERCENT_RANK:
                ((double *)v->values)[i] = cnt > 1 ? (double)(rank - 1) / (double)(cnt - 1) : 0.0;
                break;
            case LP_WIN_CUME_DIST:
                ((double *)v->values)[i] = (double)(c->peer_e[i] - ps) / (double)cnt;
                break;
            default: {                      /* NTILE */
                int64_t size = cnt / buckets, rem = cnt % buckets, big = rem * (size + 1);
                set_int(v, i, r < big ? r / (size + 1) + 1 : (r - big) / size + rem + 1);
                break;
            }
            }
        }
    }
    *out = v;
    return ST_OK;
}

/* Gathers value rows: idx[i] >= 0 a row of value, -1 NULL, -2 the default
** (argument 2) at row i. */
static st_status gather_values(win_ctx *c, int f, const int64_t *idx, vec **out, st_error *err)
{
    win_state *s = c->op->state;
    const ex_winfn_spec *w = &s->fns[f];
    const vec *val = c->s->cols[s->arg_col[f]];
    const vec *def = w->n_args > 2 ? c->s->cols[s->arg_col[f] + 2] : NULL;
    vec *null1;
    st_status rc = vec_constant(c->a, val->type, NULL, 1, &null1, err);
    if (rc != ST_OK)
        return rc;
    const vec *parts[3] = {val, null1, def};
    vec *src;
    rc = ex_vec_concat(c->a, parts, def ? 3 : 2, val->type, &src, err);
    if (rc != ST_OK)
        return rc;
    int32_t *ix = st_arena_alloc(c->a, (size_t)c->n * sizeof *ix + 1);
    if (!ix)
        return oom(err);
    for (int64_t i = 0; i < c->n; i++)
        ix[i] = (int32_t)(idx[i] >= 0 ? idx[i] : idx[i] == -1 ? c->n : c->n + 1 + i);
    return vec_take(c->a, src, ix, c->n, out, err);
}

static st_status eval_lag(win_ctx *c, int f, vec **out, st_error *err)
{
    win_state *s = c->op->state;
    const ex_winfn_spec *w = &s->fns[f];
    const vec *val = c->s->cols[s->arg_col[f]];
    bool has_def = w->n_args > 2;
    int64_t *idx = st_arena_alloc(c->a, (size_t)c->n * sizeof *idx + 1);
    int64_t *nn = st_arena_alloc(c->a, (size_t)c->n * sizeof *nn + 1);
    if (!idx || !nn)
        return oom(err);
    for (int64_t ps = 0, pe; ps < c->n; ps = pe) {
        pe = c->pend[ps];
        int64_t off = 1;
        if (w->n_args > 1 && !arg_int(c, f, 1, ps, &off))
            return st_error_set(err, ST_ERR_ARGUMENT, "%s offset must be an integer constant",
                                w->kind == LP_WIN_LAG ? "lag" : "lead");
        if (w->kind == LP_WIN_LAG)
            off = -off;                     /* the target is row i + off */
        int64_t n_nn = 0;
        if (w->ignore_nulls)
            for (int64_t i = ps; i < pe; i++)
                if (val->type->id != VEC_NULL && vec_is_valid(val, i))
                    nn[n_nn++] = i;
        int64_t below = 0;                  /* non-null rows before i */
        for (int64_t i = ps; i < pe; i++) {
            int64_t tgt;
            if (!w->ignore_nulls || off == 0)
                tgt = i + off;
            else {
                while (below < n_nn && nn[below] < i)
                    below++;
                int64_t at = off < 0 ? below + off
                                     : below + (below < n_nn && nn[below] == i) + off - 1;
                tgt = at >= 0 && at < n_nn ? nn[at] : -1;
            }
            if (tgt >= ps && tgt < pe)
                idx[i] = tgt;
            else
                idx[i] = has_def ? -2 : -1;
        }
    }
    return gather_values(c, f, idx, out, err);
}

/* ---- frames ------------------------------------------------------------------ */

typedef struct win_range {
    bool     dbl;            /* compare as double, else as __int128 */
    double   off_d[2];       /* start, end offsets */
    __int128 off_i[2];
} win_range;

static bool num_at(const vec *v, int64_t i, bool dbl, double *d, __int128 *x)
{
    if (v->type->id == VEC_NULL || !vec_is_valid(v, i))
        return false;
    const void *p = v->values;
    __int128 iv = 0;
    double dv = 0;
    switch (v->type->id) {
    case VEC_INT8:  iv = ((const int8_t *)p)[i]; dv = (double)iv; break;
    case VEC_INT16: iv = ((const int16_t *)p)[i]; dv = (double)iv; break;
    case VEC_INT32:
    case VEC_DATE:  iv = ((const int32_t *)p)[i]; dv = (double)iv; break;
    case VEC_INT64:
    case VEC_TIME:
    case VEC_TIMESTAMP:
    case VEC_TIMESTAMP_NTZ: iv = ((const int64_t *)p)[i]; dv = (double)iv; break;
    case VEC_DECIMAL: memcpy(&iv, (const uint8_t *)p + i * 16, 16); dv = (double)iv; break;
    case VEC_FLOAT: dv = ((const float *)p)[i]; iv = (__int128)dv; break;
    case VEC_DOUBLE: dv = ((const double *)p)[i]; iv = (__int128)dv; break;
    default: return false;
    }
    *d = dbl ? dv : 0;
    *x = iv;
    return true;
}

/* Evaluates the RANGE offsets of fn f (constants) once per bucket. */
static st_status range_setup(win_ctx *c, int f, win_range *r, st_error *err)
{
    win_state *s = c->op->state;
    const ex_winfn_spec *w = &s->fns[f];
    memset(r, 0, sizeof *r);
    if (s->n_order != 1)
        return st_error_set(err, ST_ERR_UNSUPPORTED,
                            "a RANGE frame with offsets needs exactly one order key (got %d)",
                            s->n_order);
    vec_type_id kid = c->s->cols[s->order_col]->type->id;
    switch (kid) {
    case VEC_FLOAT: case VEC_DOUBLE:
        r->dbl = true;
        break;
    case VEC_INT8: case VEC_INT16: case VEC_INT32: case VEC_INT64: case VEC_DATE:
    case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ: case VEC_TIME: case VEC_DECIMAL:
        break;
    default:
        return st_error_set(err, ST_ERR_UNSUPPORTED,
                            "a RANGE frame with offsets cannot order by a %s key",
                            vec_type_id_name(kid));
    }
    ex_expr *e[2] = {w->range_start, w->range_end};
    const lp_frame_bound *b[2] = {&w->frame.start, &w->frame.end};
    for (int k = 0; k < 2; k++) {
        if (b[k]->kind != LP_FB_PRECEDING && b[k]->kind != LP_FB_FOLLOWING)
            continue;
        if (!e[k])
            return st_error_set(err, ST_ERR_INTERNAL, "RANGE frame bound has no offset");
        ex_chunk one = {1, 0, NULL};
        vec *v;
        st_status rc = ex_expr_eval(e[k], c->t, &one, &v, err);
        if (rc != ST_OK)
            return rc;
        if (!num_at(v, 0, r->dbl, &r->off_d[k], &r->off_i[k]))
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "RANGE frame offset must be a non-null number");
        if (r->dbl ? r->off_d[k] < 0 : r->off_i[k] < 0)
            return st_error_set(err, ST_ERR_ARGUMENT, "RANGE frame offset must not be negative");
    }
    return ST_OK;
}

/* First row j in [lo, hi) of the partition's non-null keys where the key
** passes the bound target (start: key >= t; end: key > t; reversed for DESC). */
static int64_t range_search(const win_ctx *c, const win_range *r, int64_t lo, int64_t hi,
                            bool desc, bool end, double td, __int128 ti)
{
    const win_state *s = c->op->state;
    const vec *key = c->s->cols[s->order_col];
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        double d = 0;
        __int128 x = 0;
        num_at(key, mid, r->dbl, &d, &x);
        int cmp = r->dbl ? (d < td ? -1 : d > td) : (x < ti ? -1 : x > ti);
        if (desc)
            cmp = -cmp;
        bool pass = end ? cmp > 0 : cmp >= 0;
        if (pass)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* One bound of row i's frame (start: first row; end: one past the last). */
static int64_t frame_bound(const win_ctx *c, const ex_winfn_spec *w, const win_range *r,
                           int64_t i, int64_t ps, int64_t pe, bool end)
{
    const win_state *s = c->op->state;
    const lp_frame_bound *b = end ? &w->frame.end : &w->frame.start;
    switch (b->kind) {
    case LP_FB_UNBOUNDED_PRECEDING: return ps;
    case LP_FB_UNBOUNDED_FOLLOWING: return pe;
    case LP_FB_CURRENT_ROW:
        if (w->frame.range)
            return end ? c->peer_e[i] : c->peer_s[i];
        return end ? i + 1 : i;
    default:
        break;
    }
    bool prec = b->kind == LP_FB_PRECEDING;
    if (!w->frame.range) {
        int64_t j = prec ? i - b->rows : i + b->rows;
        if (end)
            j++;
        return j < ps ? ps : j > pe ? pe : j;
    }
    const vec *key = c->s->cols[s->order_col];
    double d;
    __int128 x;
    if (!num_at(key, i, r->dbl, &d, &x))
        return end ? c->peer_e[i] : c->peer_s[i];  /* NULL key: its peer group */
    /* Non-null keys of the partition: after the NULLs (nulls first) or before. */
    int64_t lo = ps, hi = pe;
    if (s->nulls_first[0])
        lo = (key->type->id == VEC_NULL || !vec_is_valid(key, ps)) ? c->peer_e[ps] : ps;
    else
        hi = (!vec_is_valid(key, pe - 1)) ? c->peer_s[pe - 1] : pe;
    int k = end ? 1 : 0;
    /* Preceding rows hold smaller keys (ASC) or larger (DESC). */
    bool minus = prec != s->desc[0];
    double td = minus ? d - r->off_d[k] : d + r->off_d[k];
    __int128 ti = minus ? x - r->off_i[k] : x + r->off_i[k];
    return range_search(c, r, lo, hi, s->desc[0], end, td, ti);
}

static void frame_of(const win_ctx *c, const ex_winfn_spec *w, const win_range *r, int64_t i,
                     int64_t ps, int64_t pe, int64_t *fs, int64_t *fe)
{
    *fs = frame_bound(c, w, r, i, ps, pe, false);
    *fe = frame_bound(c, w, r, i, ps, pe, true);
    if (*fs < ps) *fs = ps;
    if (*fe > pe) *fe = pe;
    if (*fe < *fs) *fe = *fs;
}

static bool needs_range(const ex_winfn_spec *w)
{
    if (!w->frame.range)
        return false;
    lp_frame_bound_kind a = w->frame.start.kind, b = w->frame.end.kind;
    return a == LP_FB_PRECEDING || a == LP_FB_FOLLOWING || b == LP_FB_PRECEDING ||
           b == LP_FB_FOLLOWING;
}

/* first_value / last_value / nth_value over the frame. */
static st_status eval_value(win_ctx *c, int f, vec **out, st_error *err)
{
    win_state *s = c->op->state;
    const ex_winfn_spec *w = &s->fns[f];
    const vec *val = c->s->cols[s->arg_col[f]];
    win_range r;
    memset(&r, 0, sizeof r);
    if (needs_range(w)) {
        st_status rc = range_setup(c, f, &r, err);
        if (rc != ST_OK)
            return rc;
    }
    int64_t *idx = st_arena_alloc(c->a, (size_t)c->n * sizeof *idx + 1);
    if (!idx)
        return oom(err);
    bool all_valid = val->type->id != VEC_NULL && val->validity == NULL;
    for (int64_t ps = 0, pe; ps < c->n; ps = pe) {
        pe = c->pend[ps];
        int64_t nth = 1;
        if (w->kind == LP_WIN_NTH_VALUE && (!arg_int(c, f, 1, ps, &nth) || nth <= 0))
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "nth_value position must be a positive integer constant");
        for (int64_t i = ps; i < pe; i++) {
            int64_t fs, fe, pick = -1;
            frame_of(c, w, &r, i, ps, pe, &fs, &fe);
            bool skip = w->ignore_nulls && !all_valid;
            if (w->kind == LP_WIN_LAST_VALUE) {
                for (int64_t j = fe - 1; j >= fs && pick < 0; j--)
                    if (!skip || (val->type->id != VEC_NULL && vec_is_valid(val, j)))
                        pick = j;
            } else if (!skip) {
                pick = fs + nth - 1 < fe ? fs + nth - 1 : -1;
            } else {
                int64_t seen = 0;
                for (int64_t j = fs; j < fe && pick < 0; j++)
                    if (val->type->id != VEC_NULL && vec_is_valid(val, j) && ++seen == nth)
                        pick = j;
            }
            idx[i] = pick;
        }
    }
    return gather_values(c, f, idx, out, err);
}

/* ---- aggregates over frames ------------------------------------------------------ */

/* Folds rows [lo, hi) of fn f's arguments into state st. */
static st_status agg_feed(win_ctx *c, int f, void *st, int64_t lo, int64_t hi, st_arena *sa,
                          st_error *err)
{
    win_state *s = c->op->state;
    const ex_winfn_spec *w = &s->fns[f];
    int64_t m = hi - lo;
    if (m <= 0)
        return ST_OK;
    const vec *args[FN_MAX_ARGS] = {0};
    void **states = st_arena_alloc(sa, (size_t)m * sizeof *states);
    if (!states)
        return oom(err);
    for (int64_t i = 0; i < m; i++)
        states[i] = st;
    for (int k = 0; k < w->n_args && k < FN_MAX_ARGS; k++) {
        const vec *v = c->s->cols[s->arg_col[f] + k];
        if (lo == 0 && hi == v->len)
            args[k] = v;
        else {
            vec *sl;
            st_status rc = ex_vec_slice(sa, v, lo, m, &sl, err);
            if (rc != ST_OK)
                return rc;
            args[k] = sl;
        }
    }
    return w->agg->ops->update(w->agg, &c->op->q->fnctx, args, m, NULL, states, sa, err);
}

static void *agg_new_state(const agg_bound *g, st_arena *sa)
{
    void *st = st_arena_alloc(sa, g->state_size ? g->state_size : 16);
    if (st)
        g->ops->init(g, st);
    return st;
}

/* Running aggregate (frame starts UNBOUNDED PRECEDING, end never moves back
** within a partition): one state per partition, finalized into a 1-row
** vector at each distinct frame end. */
static st_status agg_running(win_ctx *c, int f, const win_range *r, int32_t *map, vec ***vals,
                             int64_t *n_vals, st_arena *sa, st_error *err)
{
    win_state *s = c->op->state;
    const ex_winfn_spec *w = &s->fns[f];
    const agg_bound *g = w->agg;
    vec **v = st_arena_alloc(c->a, (size_t)c->n * sizeof *v + 1);
    if (!v)
        return oom(err);
    int64_t nv = 0;
    for (int64_t ps = 0, pe; ps < c->n; ps = pe) {
        pe = c->pend[ps];
        void *st = agg_new_state(g, sa);
        if (!st)
            return oom(err);
        int64_t fed = ps, last_fe = -1;
        for (int64_t i = ps; i < pe; i++) {
            int64_t fs, fe;
            frame_of(c, w, r, i, ps, pe, &fs, &fe);
            if (fe == last_fe) {
                map[i] = (int32_t)(nv - 1);
                continue;
            }
            void *use = st;
            st_status rc;
            if (fe >= fed) {
                rc = agg_feed(c, f, st, fed, fe, sa, err);
                fed = fe;
            } else {                        /* never for monotone ends; stay correct */
                use = agg_new_state(g, sa);
                rc = use ? agg_feed(c, f, use, fs, fe, sa, err) : oom(err);
            }
            if (rc == ST_OK)
                rc = g->ops->finalize(g, &c->op->q->fnctx, &use, 1, c->a, &v[nv], err);
            if (rc != ST_OK)
                return rc;
            map[i] = (int32_t)nv++;
            last_fe = fe;
        }
    }
    *vals = v;
    *n_vals = nv;
    return ST_OK;
}

static st_status eval_agg(win_ctx *c, int f, vec **out, st_error *err)
{
    win_state *s = c->op->state;
    const ex_winfn_spec *w = &s->fns[f];
    const agg_bound *g = w->agg;
    if (!g)
        return st_error_set(err, ST_ERR_INTERNAL, "window aggregate has no function");
    win_range r;
    memset(&r, 0, sizeof r);
    st_status rc;
    if (needs_range(w) && (rc = range_setup(c, f, &r, err)) != ST_OK)
        return rc;
    st_arena *sa = st_arena_new(0);         /* states and argument slices */
    int32_t *map = st_arena_alloc(c->a, (size_t)c->n * sizeof *map + 1);
    void **states = st_arena_alloc(c->a, (size_t)c->n * sizeof *states + 1);
    if (!sa || !map || !states) {
        st_arena_free(sa);
        return oom(err);
    }
    vec *res = NULL;
    int64_t ns = 0;
    bool whole = w->frame.start.kind == LP_FB_UNBOUNDED_PRECEDING &&
                 w->frame.end.kind == LP_FB_UNBOUNDED_FOLLOWING;
    if (!whole && w->frame.start.kind == LP_FB_UNBOUNDED_PRECEDING) {
        vec **vals;
        rc = agg_running(c, f, &r, map, &vals, &ns, sa, err);
        if (rc == ST_OK)
            rc = ns > 0 ? ex_vec_concat(c->a, (const vec *const *)vals, (int)ns, &g->ret, &res, err)
                        : ST_OK;
    } else {
        /* One state per partition (whole) or per distinct frame. */
        rc = ST_OK;
        for (int64_t ps = 0, pe; ps < c->n && rc == ST_OK; ps = pe) {
            pe = c->pend[ps];
            int64_t lfs = -1, lfe = -1;
            for (int64_t i = ps; i < pe && rc == ST_OK; i++) {
                int64_t fs = ps, fe = pe;
                if (!whole)
                    frame_of(c, w, &r, i, ps, pe, &fs, &fe);
                if (fs != lfs || fe != lfe) {
                    void *st = agg_new_state(g, sa);
                    rc = st ? agg_feed(c, f, st, fs, fe, sa, err) : oom(err);
                    states[ns++] = st;
                    lfs = fs;
                    lfe = fe;
                }
                map[i] = (int32_t)(ns - 1);
            }
        }
        if (rc == ST_OK && ns > 0)
            rc = g->ops->finalize(g, &c->op->q->fnctx, states, ns, c->a, &res, err);
    }
    if (rc == ST_OK && res)
        rc = vec_take(c->a, res, map, c->n, out, err);
    else if (rc == ST_OK)
        rc = (*out = vec_new(c->a, &g->ret, 0)) ? ST_OK : oom(err);
    st_arena_free(sa);
    return rc;
}

/* ---- source ---------------------------------------------------------------------- */

static st_status eval_fn(win_ctx *c, int f, vec **out, st_error *err)
{
    win_state *s = c->op->state;
    switch (s->fns[f].kind) {
    case LP_WIN_ROW_NUMBER:
    case LP_WIN_RANK:
    case LP_WIN_DENSE_RANK:
    case LP_WIN_PERCENT_RANK:
    case LP_WIN_CUME_DIST:
    case LP_WIN_NTILE:
        return eval_rank(c, f, out, err);
    case LP_WIN_LAG:
    case LP_WIN_LEAD:
        return eval_lag(c, f, out, err);
    case LP_WIN_FIRST_VALUE:
    case LP_WIN_LAST_VALUE:
    case LP_WIN_NTH_VALUE:
        return eval_value(c, f, out, err);
    case LP_WIN_AGG:
        return eval_agg(c, f, out, err);
    }
    return st_error_set(err, ST_ERR_INTERNAL, "unknown window function kind %d",
                        (int)s->fns[f].kind);
}

/* Loads, sorts and evaluates bucket b into src->res. */
static st_status process_bucket(ex_op *op, win_src *src, ex_thread *t, int b, st_error *err)
{
    win_state *s = op->state;
    ex_chunk raw, sorted;
    win_ctx c = {op, t, src->arena, NULL, 0, NULL, NULL, NULL};
    st_status rc = load_bucket(op, &s->buckets[b], src->arena, &raw, err);
    if (rc != ST_OK)
        return rc;
    src->reserved = 2 * ex_chunk_bytes(&raw);
    ex_mem_force(op->q, src->reserved);
    if ((rc = sort_bucket(&c, &raw, &sorted, err)) != ST_OK)
        return rc;
    int n_out = s->n_types + s->n_fns;
    vec **cols = st_arena_alloc(src->arena, (size_t)n_out * sizeof *cols + 1);
    if (!cols)
        return oom(err);
    for (int k = 0; k < s->n_types; k++)
        cols[k] = sorted.cols[k];
    for (int f = 0; f < s->n_fns; f++) {
        if ((rc = eval_fn(&c, f, &cols[s->n_types + f], err)) != ST_OK)
            return rc;
    }
    src->res.n_rows = sorted.n_rows;
    src->res.n_cols = n_out;
    src->res.cols = cols;
    src->pos = 0;
    return ST_OK;
}

static st_status win_source_init(ex_op *op, st_error *err)
{
    win_state *s = op->state;
    atomic_store(&s->next_bucket, 0);
    return ST_OK;
}

static st_status win_source_local(ex_op *op, ex_thread *t, void **local, st_error *err)
{
    win_src *l = st_calloc(1, sizeof *l);
    if (!l || !(l->arena = st_arena_new(0))) {
        st_free(l);
        return oom(err);
    }
    *local = l;
    return ST_OK;
}

static void win_source_local_free(ex_op *op, void *local)
{
    win_src *l = local;
    if (!l)
        return;
    ex_mem_release(op->q, l->reserved);
    st_arena_free(l->arena);
    st_free(l);
}

static st_status win_source_next(ex_op *op, void *local, ex_thread *t, ex_chunk *out,
                                 bool *done, st_error *err)
{
    win_state *s = op->state;
    win_src *l = local;
    *done = false;
    while (l->pos >= l->res.n_rows) {
        int b = atomic_fetch_add(&s->next_bucket, 1);
        if (b >= s->n_buckets) {
            *done = true;
            out->n_rows = 0;
            out->n_cols = op->n_types;
            out->cols = NULL;
            return ST_OK;
        }
        if (s->buckets[b].n_rows == 0 && s->buckets[b].n_disk == 0)
            continue;
        st_arena_reset(l->arena);
        ex_mem_release(op->q, l->reserved);
        l->reserved = 0;
        memset(&l->res, 0, sizeof l->res);
        st_status rc = process_bucket(op, l, t, b, err);
        if (rc != ST_OK)
            return rc;
    }
    int64_t m = ST_MIN(op->q->set.batch_rows, l->res.n_rows - l->pos);
    if (l->pos == 0 && m == l->res.n_rows) {  /* OPT: results identical if removed */
        *out = l->res;
        l->pos = m;
        return ST_OK;
    }
    vec **cols = st_arena_alloc(t->arena, (size_t)l->res.n_cols * sizeof *cols + 1);
    if (!cols)
        return oom(err);
    for (int k = 0; k < l->res.n_cols; k++) {
        st_status rc = ex_vec_slice(t->arena, l->res.cols[k], l->pos, m, &cols[k], err);
        if (rc != ST_OK)
            return rc;
    }
    out->n_rows = m;
    out->n_cols = l->res.n_cols;
    out->cols = cols;
    l->pos += m;
    return ST_OK;
}

/* ---- operator ------------------------------------------------------------------ */

static void win_destroy(ex_op *op)
{
    win_state *s = op->state;
    if (!s)
        return;
    for (int i = 0; i < WIN_BUCKETS; i++)
        bucket_free(&s->buckets[i]);
    for (int i = 0; i < s->n_arenas; i++)
        st_arena_free(s->arenas[i]);
    st_free(s->arenas);
    for (int i = 0; i < s->n_spills; i++)
        ex_spill_close(s->spills[i]);
    st_free(s->spills);
    ex_mem_release(op->q, s->reserved);
    pthread_mutex_destroy(&s->lock);
    op->state = NULL;
}

static const char *fn_name(const ex_winfn_spec *w)
{
    switch (w->kind) {
    case LP_WIN_AGG:          return w->agg ? w->agg->name : "agg";
    case LP_WIN_ROW_NUMBER:   return "row_number";
    case LP_WIN_RANK:         return "rank";
    case LP_WIN_DENSE_RANK:   return "dense_rank";
    case LP_WIN_PERCENT_RANK: return "percent_rank";
    case LP_WIN_CUME_DIST:    return "cume_dist";
    case LP_WIN_NTILE:        return "ntile";
    case LP_WIN_LAG:          return "lag";
    case LP_WIN_LEAD:         return "lead";
    case LP_WIN_FIRST_VALUE:  return "first_value";
    case LP_WIN_LAST_VALUE:   return "last_value";
    case LP_WIN_NTH_VALUE:    return "nth_value";
    }
    return "?";
}

static st_status win_explain(const ex_op *op, st_buf *out, st_error *err)
{
    const win_state *s = op->state;
    st_status rc = st_buf_printf(out, err, "partition keys: %d, order: ", s->n_part);
    for (int k = 0; k < s->n_order && rc == ST_OK; k++)
        rc = st_buf_printf(out, err, "%s#%d %s NULLS %s", k ? ", " : "", k,
                           s->desc[k] ? "DESC" : "ASC", s->nulls_first[k] ? "FIRST" : "LAST");
    if (rc == ST_OK)
        rc = st_buf_append_str(out, s->n_order ? ", functions: " : "none, functions: ", err);
    for (int f = 0; f < s->n_fns && rc == ST_OK; f++)
        rc = st_buf_printf(out, err, "%s%s", f ? ", " : "", fn_name(&s->fns[f]));
    return rc;
}

static const ex_op_ops WINDOW_OPS = {
    .name = "Window",
    .source_init = win_source_init,
    .source_local = win_source_local,
    .source_next = win_source_next,
    .source_local_free = win_source_local_free,
    .ordered = false,
    .sink_local = win_sink_local,
    .sink = win_sink,
    .combine = win_combine,
    .finalize = win_finalize,
    .sink_local_free = win_sink_local_free,
    .destroy = win_destroy,
    .explain = win_explain,
};

static bool value_kind(lp_win_kind k)
{
    return k == LP_WIN_LAG || k == LP_WIN_LEAD || k == LP_WIN_FIRST_VALUE ||
           k == LP_WIN_LAST_VALUE || k == LP_WIN_NTH_VALUE;
}

/* Ranking results are written in place: their type must be numeric. */
static st_status check_type(const ex_winfn_spec *w, st_error *err)
{
    vec_type_id id = w->type.id;
    bool ok = true;
    switch (w->kind) {
    case LP_WIN_PERCENT_RANK:
    case LP_WIN_CUME_DIST:
        ok = id == VEC_DOUBLE;
        break;
    case LP_WIN_ROW_NUMBER:
    case LP_WIN_RANK:
    case LP_WIN_DENSE_RANK:
    case LP_WIN_NTILE:
        ok = id == VEC_INT8 || id == VEC_INT16 || id == VEC_INT32 || id == VEC_INT64 ||
             id == VEC_DOUBLE;
        break;
    default:
        break;
    }
    if (!ok)
        return st_error_set(err, ST_ERR_INTERNAL, "window function %s cannot return %s",
                            fn_name(w), vec_type_id_name(id));
    if (value_kind(w->kind) && w->n_args < 1)
        return st_error_set(err, ST_ERR_INTERNAL, "window function %s needs a value argument",
                            fn_name(w));
    return ST_OK;
}

/* Copies the spec into q->arena and lays out the stored columns. */
static st_status copy_spec(ex_query *q, const ex_window_spec *spec, win_state *s, st_error *err)
{
    st_arena *a = q->arena;
    st_status rc;
    s->n_part = spec->n_partition;
    s->n_order = spec->n_order;
    s->n_fns = spec->n_fns;
    s->n_types = spec->n_types;
    s->part = st_arena_calloc(a, (size_t)s->n_part + 1, sizeof *s->part);
    s->order = st_arena_calloc(a, (size_t)s->n_order + 1, sizeof *s->order);
    s->desc = st_arena_calloc(a, (size_t)s->n_order + 1, sizeof *s->desc);
    s->nulls_first = st_arena_calloc(a, (size_t)s->n_order + 1, sizeof *s->nulls_first);
    s->fns = st_arena_calloc(a, (size_t)s->n_fns + 1, sizeof *s->fns);
    s->arg_col = st_arena_calloc(a, (size_t)s->n_fns + 1, sizeof *s->arg_col);
    if (!s->part || !s->order || !s->desc || !s->nulls_first || !s->fns || !s->arg_col)
        return oom(err);
    int n_all = s->n_types + s->n_part + s->n_order;
    for (int f = 0; f < s->n_fns; f++)
        n_all += spec->fns[f].n_args;
    s->n_all = n_all;
    s->all = st_arena_calloc(a, (size_t)n_all + 1, sizeof *s->all);
    if (!s->all)
        return oom(err);
    for (int c = 0; c < s->n_types; c++)
        s->all[c] = spec->types[c];
    s->part_col = s->n_types;
    s->order_col = s->part_col + s->n_part;
    for (int k = 0; k < s->n_part; k++) {
        s->part[k] = spec->partition[k];
        s->all[s->part_col + k] = *ex_expr_type(spec->partition[k]);
    }
    for (int k = 0; k < s->n_order; k++) {
        s->order[k] = spec->order[k];
        s->desc[k] = spec->desc && spec->desc[k];
        s->nulls_first[k] = spec->nulls_first ? spec->nulls_first[k] : !s->desc[k];
        s->all[s->order_col + k] = *ex_expr_type(spec->order[k]);
    }
    int at = s->order_col + s->n_order;
    for (int f = 0; f < s->n_fns; f++) {
        ex_winfn_spec *w = &s->fns[f];
        *w = spec->fns[f];
        if (vec_type_copy(a, &spec->fns[f].type, &w->type, err) != ST_OK)
            return oom(err);
        w->args = st_arena_calloc(a, (size_t)w->n_args + 1, sizeof *w->args);
        if (!w->args)
            return oom(err);
        if (w->kind == LP_WIN_AGG && !w->agg)
            return st_error_set(err, ST_ERR_INTERNAL, "window aggregate %d has no function", f);
        if (w->n_args > FN_MAX_ARGS)
            return st_error_set(err, ST_ERR_LIMIT, "window function %s has %d arguments",
                                fn_name(w), w->n_args);
        if ((rc = check_type(w, err)) != ST_OK)
            return rc;
        s->arg_col[f] = at;
        for (int k = 0; k < w->n_args; k++, at++) {
            w->args[k] = spec->fns[f].args[k];
            s->all[at] = *ex_expr_type(w->args[k]);
            if (w->kind == LP_WIN_AGG && k < w->agg->n_args && w->agg->cast_to[k].id != VEC_NULL)
                s->all[at] = w->agg->cast_to[k];
            /* The value (and lag/lead's default) is stored as the result type. */
            if (value_kind(w->kind) && (k == 0 || k == 2) && w->type.id != VEC_NULL)
                s->all[at] = w->type;
        }
    }
    return ST_OK;
}

st_status ex_window_new(ex_query *q, const ex_window_spec *spec, ex_op **out, st_error *err)
{
    int n_out = spec->n_types + spec->n_fns;
    vec_type *types = st_arena_calloc(q->arena, (size_t)n_out + 1, sizeof *types);
    win_state *s = st_arena_calloc(q->arena, 1, sizeof *s);
    if (!types || !s)
        return oom(err);
    for (int c = 0; c < spec->n_types; c++)
        types[c] = spec->types[c];
    for (int f = 0; f < spec->n_fns; f++)
        types[spec->n_types + f] = spec->fns[f].type;
    ex_op *op = ex_op_new(q, &WINDOW_OPS, types, n_out);
    if (!op)
        return oom(err);
    st_status rc = copy_spec(q, spec, s, err);
    if (rc != ST_OK)
        return rc;
    s->n_buckets = s->n_part > 0 ? WIN_BUCKETS : 1;
    pthread_mutex_init(&s->lock, NULL);
    op->state = s;
    *out = op;
    return ST_OK;
}
