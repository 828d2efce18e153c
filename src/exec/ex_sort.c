/* ex_sort.c -- ORDER BY and top-N: a sink that keeps its input in sorted
** runs and an ordered source that merges them.
**
** Sink (every thread): the key expressions are evaluated per chunk and the
** chunk is copied as payload columns (the input) followed by key columns
** into the thread's pending buffer. When the buffer holds SORT_RUN_ROWS rows
** it is sorted into an in-memory run; when ex_mem_reserve refuses (the query
** is at its memory limit) and it holds at least SORT_SPILL_MIN_ROWS rows, it
** is sorted and written to the thread's spill file as a spilled run (chunks
** of batch_rows rows, in order), and the thread's in-memory runs follow it
** to disk. The merge reads one chunk per run at a time and is single-pass
** (no intermediate merging when there are very many runs).
**
** Keys are normalized into fixed-width byte strings so that most comparisons
** are one memcmp: per key a null-flag byte (placing NULLs first or last),
** then the value big-endian with the sign bit flipped (ints, dates,
** timestamps, decimals), IEEE bits with the sign trick (floats: -0.0 made
** 0.0, every NaN one NaN above +inf), booleans as one byte, strings as an
** 8-byte zero-padded prefix; DESC inverts the value bytes (not the flag).
** Strings and nested values are "prefix" keys: the memcmp stops after each
** prefix key's segment, and when that segment ties the full values decide
** (byte order for strings, ex_value_compare for nested values) before any
** later key is looked at.
**
** Source (ordered: one thread): a heap over one cursor per run (k-way
** merge); spilled runs are read back one chunk at a time. Output chunks are
** gathered with vec_take from the runs' current chunks. The order among
** equal keys is unspecified (the sort is not stable).
**
** Top-N (spec->limit >= 0): every run is truncated to offset+limit rows;
** when that is small (<= SORT_RUN_ROWS) the pending buffer is sorted and
** truncated each time it reaches twice that size and is never spilled, so a
** thread keeps O(offset+limit) rows; once it holds that many, incoming rows
** not better than the worst kept one are dropped before being copied. The
** merge emits rows [offset, offset+limit).
**
** Possible speedups, not done: radix sort of the normalized keys instead of
** qsort_r over row indices, a loser tree instead of the binary heap.
**
** Invariants: run rows are in key order; norm[i] of a cursor is the
** normalized key of row i of its current chunk; shared state (runs, spill
** files) is guarded by sort_state.lock until the sink is finalized; the
** merge state is touched only by the single source thread. */
#include "exec.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#define SORT_RUN_ROWS    65536     /* rows per in-memory run */
#define SORT_STR_PREFIX  8         /* string bytes in a normalized key */
#define SORT_TOPN_MIN    4096      /* top-N buffer compacts at max(2N, this) rows */
#define SORT_SPILL_MIN_ROWS 8192   /* shortest run written to disk */

typedef struct sort_keyfmt {
    int          off;        /* byte offset of the key's segment (flag byte first) */
    int          width;      /* value bytes after the flag */
    bool         desc;
    bool         nulls_first;
    bool         prefix;     /* ties of the normalized bytes need the full values */
    vec_type_id  id;
} sort_keyfmt;

typedef struct sort_run {
    st_arena *arena;         /* owned: rows and norm (in-memory runs) */
    ex_chunk  rows;          /* in-memory: every row in order (payload then keys) */
    uint8_t  *norm;          /* in-memory: rows.n_rows * width bytes (arena) */
    ex_spill *spill;         /* spilled: borrowed (sort_state.spills) */
    int64_t  *handles;       /* spilled: chunk handles in order (heap, owned) */
    int       n_handles, cap_handles;
    int64_t   n_rows;
    int64_t   reserved;      /* bytes reserved against the memory limit */
    struct sort_run *next;
} sort_run;

typedef struct sort_cursor {
    sort_run *run;           /* borrowed */
    st_arena *arena;         /* owned (spilled runs): current chunk and norm */
    ex_chunk  cur;           /* current chunk (payload then keys) */
    uint8_t  *norm;          /* normalized keys of cur */
    int64_t   pos;           /* next row of cur */
    int       next_handle;   /* spilled: next chunk to read */
    bool      reload;        /* exhausted cur; load the next chunk before merging */
} sort_cursor;

typedef struct sort_state {
    ex_expr     **keys;      /* q->arena */
    int           n_keys;
    sort_keyfmt  *kf;        /* per key (q->arena) */
    int           width;     /* bytes of one normalized key */
    int          *prefix_keys; /* the prefix keys, in key order (q->arena) */
    int           n_prefix;
    int64_t       limit, offset;
    int64_t       keep;      /* offset+limit rows kept when limited, else -1 */
    bool          topn_small;/* keep <= SORT_RUN_ROWS: compact, never spill */
    int           n_types;   /* payload columns */
    vec_type     *all;       /* payload then key types (q->arena) */
    int           n_all;
    pthread_mutex_t lock;    /* guards runs and spills below */
    sort_run     *runs;      /* combined runs (owned) */
    int           n_runs;
    ex_spill    **spills;    /* every spill file opened (heap, owned) */
    int           n_spills, cap_spills;
    /* merge: the single source thread only */
    sort_cursor  *cur;       /* heap array, n_runs */
    int          *heap;      /* cursor indices, a binary min-heap */
    int           n_heap;
    int64_t       skipped;   /* rows skipped of offset */
    int64_t       emitted;   /* rows emitted of limit */
    int32_t      *pick_cur;  /* per output row: cursor (batch_rows, heap) */
    int32_t      *pick_row;  /* per output row: row of that cursor's chunk */
} sort_state;

typedef struct sort_local {
    st_arena  *arena;        /* owned: pending chunks */
    ex_chunk **pending;      /* heap array of chunks in arena */
    int        n_pending, cap_pending;
    int64_t    pending_rows;
    int64_t    reserved;     /* bytes reserved for pending */
    ex_spill  *spill;        /* this thread's spill file (owned by sort_state) */
    sort_run  *runs;         /* finished runs not yet combined (owned) */
    /* Top-N: once keep rows are kept, rows not better than the worst of
    ** them cannot qualify and are dropped before they are copied. */
    uint8_t   *bound;        /* normalized key of the worst kept row (heap), or NULL */
    ex_chunk  *bound_chunk;  /* the kept chunk holding it (in arena) */
    int64_t    bound_row;
} sort_local;

static st_status oom(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory in sort");
}

/* ---- key normalization ------------------------------------------------------ */

static int key_width(vec_type_id id, bool *prefix)
{
    *prefix = false;
    switch (id) {
    case VEC_BOOL:
        return 1;
    case VEC_STRING:
    case VEC_BINARY:
        *prefix = true;
        return SORT_STR_PREFIX;
    case VEC_STRUCT:
    case VEC_LIST:
    case VEC_MAP:
        *prefix = true;
        return 0;
    case VEC_NULL:
        return 0;
    default:
        return vec_type_width(id);
    }
}

static void store_be(uint8_t *p, uint64_t u, int w)
{
    for (int b = w - 1; b >= 0; b--) {
        p[b] = (uint8_t)u;
        u >>= 8;
    }
}

static int64_t load_signed(const vec *v, int64_t i)
{
    switch (vec_type_width(v->type->id)) {
    case 1:  return ((const int8_t *)v->values)[i];
    case 2:  return ((const int16_t *)v->values)[i];
    case 4:  return ((const int32_t *)v->values)[i];
    default: return ((const int64_t *)v->values)[i];
    }
}

static uint64_t load_unsigned(const vec *v, int64_t i)
{
    switch (vec_type_width(v->type->id)) {
    case 1:  return ((const uint8_t *)v->values)[i];
    case 2:  return ((const uint16_t *)v->values)[i];
    case 4:  return ((const uint32_t *)v->values)[i];
    default: return ((const uint64_t *)v->values)[i];
    }
}

/* Writes the order-preserving bytes of valid row i of v (ascending). */
static void encode_value(const vec *v, int64_t i, const sort_keyfmt *k, uint8_t *p)
{
    switch (k->id) {
    case VEC_BOOL:
        p[0] = vec_bit_get(v->values, i);
        break;
    case VEC_INT8: case VEC_INT16: case VEC_INT32: case VEC_INT64:
    case VEC_DATE: case VEC_TIME: case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ:
        store_be(p, (uint64_t)load_signed(v, i) ^ (1ull << (8 * k->width - 1)), k->width);
        break;
    case VEC_UINT8: case VEC_UINT16: case VEC_UINT32: case VEC_UINT64:
        store_be(p, load_unsigned(v, i), k->width);
        break;
    case VEC_FLOAT: {
        float f = ((const float *)v->values)[i];
        uint32_t u;
        if (isnan(f))
            u = 0x7fc00000u;
        else {
            if (f == 0.0f)
                f = 0.0f;                   /* -0.0 sorts as 0.0 */
            memcpy(&u, &f, 4);
        }
        u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
        store_be(p, u, 4);
        break;
    }
    case VEC_DOUBLE: {
        double d = ((const double *)v->values)[i];
        uint64_t u;
        if (isnan(d))
            u = 0x7ff8000000000000ull;
        else {
            if (d == 0.0)
                d = 0.0;
            memcpy(&u, &d, 8);
        }
        u = (u & 0x8000000000000000ull) ? ~u : (u | 0x8000000000000000ull);
        store_be(p, u, 8);
        break;
    }
    case VEC_DECIMAL: {
        unsigned __int128 u;
        memcpy(&u, (const uint8_t *)v->values + i * 16, 16);
        u ^= (unsigned __int128)1 << 127;
        store_be(p, (uint64_t)(u >> 64), 8);
        store_be(p + 8, (uint64_t)u, 8);
        break;
    }
    case VEC_STRING:
    case VEC_BINARY: {
        const int32_t *o = vec_offsets(v);
        int32_t len = o[i + 1] - o[i];
        int32_t m = len < SORT_STR_PREFIX ? len : SORT_STR_PREFIX;
        memset(p, 0, SORT_STR_PREFIX);
        if (m > 0)
            memcpy(p, v->bytes + o[i], (size_t)m);
        break;
    }
    default:
        break;
    }
}

/* norm[i * width ..] = normalized key of row i over key vectors keys. */
static void sort_normalize(const sort_state *s, vec *const *keys, int64_t n, uint8_t *norm)
{
    for (int k = 0; k < s->n_keys; k++) {
        const sort_keyfmt *kf = &s->kf[k];
        const vec *v = keys[k];
        bool never_valid = v->type->id == VEC_NULL;
        for (int64_t i = 0; i < n; i++) {
            uint8_t *p = norm + i * s->width + kf->off;
            if (never_valid || !vec_is_valid(v, i)) {
                p[0] = kf->nulls_first ? 0 : 2;
                memset(p + 1, 0, (size_t)kf->width);
                continue;
            }
            p[0] = 1;
            encode_value(v, i, kf, p + 1);
            if (kf->desc)
                for (int b = 1; b <= kf->width; b++)
                    p[b] = (uint8_t)~p[b];
        }
    }
}

/* Full order of valid rows ia / ib of prefix key k (their normalized bytes
** tie). */
static int cmp_prefix_key(const sort_keyfmt *kf, const vec *a, int64_t ia, const vec *b,
                          int64_t ib)
{
    int c;
    if (kf->id == VEC_STRING || kf->id == VEC_BINARY) {
        const int32_t *oa = vec_offsets(a), *ob = vec_offsets(b);
        int32_t la = oa[ia + 1] - oa[ia], lb = ob[ib + 1] - ob[ib];
        int32_t m = la < lb ? la : lb;
        c = m > 0 ? memcmp(a->bytes + oa[ia], b->bytes + ob[ib], (size_t)m) : 0;
        if (c == 0)
            c = (la > lb) - (la < lb);
    } else
        c = ex_value_compare(a, ia, b, ib, false, kf->nulls_first);
    if (c == 0)
        return 0;
    return kf->desc ? (c < 0 ? 1 : -1) : (c < 0 ? -1 : 1);
}

/* Row order: memcmp of the normalized keys, except that a tie on a prefix
** key's bytes is settled by its full values before any later key counts. */
static int cmp_rows(const sort_state *s, const uint8_t *na, vec *const *ka, int64_t ia,
                    const uint8_t *nb, vec *const *kb, int64_t ib)
{
    int off = 0, c;
    for (int j = 0; j < s->n_prefix; j++) {
        const sort_keyfmt *kf = &s->kf[s->prefix_keys[j]];
        int end = kf->off + 1 + kf->width;
        if ((c = memcmp(na + off, nb + off, (size_t)(end - off))) != 0)
            return c;
        off = end;
        int k = s->prefix_keys[j];
        if (na[kf->off] != 1)              /* equal flags: both NULL */
            continue;
        if ((c = cmp_prefix_key(kf, ka[k], ia, kb[k], ib)) != 0)
            return c;
    }
    return off < s->width ? memcmp(na + off, nb + off, (size_t)(s->width - off)) : 0;
}

typedef struct sort_ctx {
    const sort_state *s;
    const uint8_t    *norm;
    vec *const       *keys;
} sort_ctx;

static int cmp_index(const void *pa, const void *pb, void *ud)
{
    const sort_ctx *c = ud;
    int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;
    int w = c->s->width;
    return cmp_rows(c->s, c->norm + (int64_t)a * w, c->keys, a, c->norm + (int64_t)b * w,
                    c->keys, b);
}

/* ---- building runs ------------------------------------------------------------- */

/* Concatenates the pending chunks into *all (in tmp) and sorts them: *perm
** (heap, caller frees) lists all->n_rows row indices in key order, *norm
** (heap, caller frees) their normalized keys by original row. */
static st_status sort_pending(const sort_state *s, sort_local *l, st_arena *tmp, ex_chunk *all,
                              int32_t **perm, uint8_t **norm, st_error *err)
{
    *perm = NULL;
    *norm = NULL;
    if (l->n_pending == 1)
        *all = *l->pending[0];
    else {
        st_status rc = ex_chunk_concat(tmp, (const ex_chunk *const *)l->pending, l->n_pending,
                                       s->n_all, all, err);
        if (rc != ST_OK)
            return rc;
    }
    int64_t n = all->n_rows;
    size_t nb, pb;
    if (n > INT32_MAX || !st_mul_size((size_t)n, (size_t)s->width, &nb) ||
        !st_mul_size((size_t)n, sizeof(int32_t), &pb))
        return st_error_set(err, ST_ERR_LIMIT, "sort run of %" PRId64 " rows is too large", n);
    *norm = st_malloc(nb);
    *perm = st_malloc(pb);
    if (!*norm || !*perm) {
        st_free(*norm);
        st_free(*perm);
        *norm = NULL;
        *perm = NULL;
        return oom(err);
    }
    vec *const *keys = all->cols + s->n_types;
    sort_normalize(s, keys, n, *norm);
    for (int64_t i = 0; i < n; i++)
        (*perm)[i] = (int32_t)i;
    sort_ctx c = {s, *norm, keys};
    qsort_r(*perm, (size_t)n, sizeof(int32_t), cmp_index, &c);
    return ST_OK;
}

static void pending_clear(ex_op *op, sort_local *l)
{
    st_arena_reset(l->arena);
    l->n_pending = 0;
    l->pending_rows = 0;
    ex_mem_release(op->q, l->reserved);
    l->reserved = 0;
}

static st_status pending_push(sort_local *l, ex_chunk *c, st_error *err)
{
    if (l->n_pending == l->cap_pending) {
        int cap = l->cap_pending ? l->cap_pending * 2 : 16;
        ex_chunk **p = st_realloc(l->pending, (size_t)cap * sizeof *p);
        if (!p)
            return oom(err);
        l->pending = p;
        l->cap_pending = cap;
    }
    l->pending[l->n_pending++] = c;
    l->pending_rows += c->n_rows;
    return ST_OK;
}

static st_status local_spill_file(ex_op *op, sort_local *l, st_error *err)
{
    sort_state *s = op->state;
    if (l->spill)
        return ST_OK;
    st_status rc = ex_spill_open(op->q, &l->spill, err);
    if (rc != ST_OK)
        return rc;
    pthread_mutex_lock(&s->lock);
    if (s->n_spills == s->cap_spills) {
        int cap = s->cap_spills ? s->cap_spills * 2 : 8;
        ex_spill **p = st_realloc(s->spills, (size_t)cap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&s->lock);
            ex_spill_close(l->spill);
            l->spill = NULL;
            return oom(err);
        }
        s->spills = p;
        s->cap_spills = cap;
    }
    s->spills[s->n_spills++] = l->spill;
    pthread_mutex_unlock(&s->lock);
    return ST_OK;
}

static st_status run_add_handle(sort_run *r, int64_t h, st_error *err)
{
    if (r->n_handles == r->cap_handles) {
        int cap = r->cap_handles ? r->cap_handles * 2 : 16;
        int64_t *p = st_realloc(r->handles, (size_t)cap * sizeof *p);
        if (!p)
            return oom(err);
        r->handles = p;
        r->cap_handles = cap;
    }
    r->handles[r->n_handles++] = h;
    return ST_OK;
}

static void run_free(ex_query *q, sort_run *r)
{
    if (!r)
        return;
    ex_mem_release(q, r->reserved);
    st_arena_free(r->arena);
    st_free(r->handles);
    st_free(r);
}

/* Writes rows perm[0..n) of all to the thread's spill file as a new run. */
static st_status spill_rows(ex_op *op, sort_local *l, const ex_chunk *all, const int32_t *perm,
                            int64_t n, sort_run *r, st_error *err)
{
    st_status rc = local_spill_file(op, l, err);
    if (rc != ST_OK)
        return rc;
    r->spill = l->spill;
    st_arena *piece = st_arena_new(0);
    if (!piece)
        return oom(err);
    int64_t step = op->q->set.batch_rows;
    for (int64_t off = 0; off < n && rc == ST_OK; off += step) {
        int64_t m = ST_MIN(step, n - off);
        ex_chunk c;
        int64_t h;
        rc = ex_chunk_take(piece, all, perm + off, m, &c, err);
        if (rc == ST_OK)
            rc = ex_spill_write(l->spill, &c, &h, err);
        if (rc == ST_OK)
            rc = run_add_handle(r, h, err);
        st_arena_reset(piece);
    }
    st_arena_free(piece);
    r->n_rows = n;
    return rc;
}

/* Rows perm[0..n) of all, in order, into r's own arena (keys normalized). */
static st_status keep_rows(ex_op *op, const ex_chunk *all, const int32_t *perm,
                           const uint8_t *norm, int64_t n, sort_run *r, st_error *err)
{
    sort_state *s = op->state;
    r->arena = st_arena_new(0);
    if (!r->arena)
        return oom(err);
    st_status rc = ex_chunk_take(r->arena, all, perm, n, &r->rows, err);
    if (rc != ST_OK)
        return rc;
    r->norm = st_arena_alloc(r->arena, (size_t)(n * s->width + 1));
    if (!r->norm)
        return oom(err);
    for (int64_t i = 0; i < n; i++)
        memcpy(r->norm + i * s->width, norm + (int64_t)perm[i] * s->width, (size_t)s->width);
    r->n_rows = n;
    r->reserved = ex_chunk_bytes(&r->rows) + n * s->width;
    ex_mem_force(op->q, r->reserved);
    return ST_OK;
}

/* Sorts the pending rows into a run (truncated to keep rows when limited),
** in memory or written to the thread's spill file; pending is emptied. */
static st_status flush_pending(ex_op *op, sort_local *l, bool to_disk, st_error *err)
{
    sort_state *s = op->state;
    if (l->pending_rows == 0) {
        pending_clear(op, l);
        return ST_OK;
    }
    st_arena *tmp = st_arena_new(0);
    sort_run *r = st_calloc(1, sizeof *r);
    if (!tmp || !r) {
        st_arena_free(tmp);
        st_free(r);
        return oom(err);
    }
    ex_chunk all;
    int32_t *perm = NULL;
    uint8_t *norm = NULL;
    st_status rc = sort_pending(s, l, tmp, &all, &perm, &norm, err);
    if (rc == ST_OK) {
        int64_t n = s->keep >= 0 ? ST_MIN(all.n_rows, s->keep) : all.n_rows;
        rc = to_disk ? spill_rows(op, l, &all, perm, n, r, err)
                     : keep_rows(op, &all, perm, norm, n, r, err);
    }
    st_free(perm);
    st_free(norm);
    st_arena_free(tmp);
    pending_clear(op, l);
    st_free(l->bound);                      /* its chunk is gone */
    l->bound = NULL;
    if (rc != ST_OK) {
        run_free(op->q, r);
        return rc;
    }
    r->next = l->runs;
    l->runs = r;
    return ST_OK;
}

/* Top-N: sorts the pending rows and keeps the best keep of them as the only
** pending chunk. */
static st_status compact_pending(ex_op *op, sort_local *l, st_error *err)
{
    sort_state *s = op->state;
    st_arena *tmp = st_arena_new(0), *fresh = st_arena_new(0);
    ex_chunk *kept = fresh ? st_arena_calloc(fresh, 1, sizeof *kept) : NULL;
    if (!tmp || !kept) {
        st_arena_free(tmp);
        st_arena_free(fresh);
        return oom(err);
    }
    ex_chunk all;
    int32_t *perm = NULL;
    uint8_t *norm = NULL;
    st_status rc = sort_pending(s, l, tmp, &all, &perm, &norm, err);
    int64_t n = rc == ST_OK ? ST_MIN(all.n_rows, s->keep) : 0;
    if (rc == ST_OK)
        rc = ex_chunk_take(fresh, &all, perm, n, kept, err);
    if (rc == ST_OK && n == s->keep && n > 0) {
        if (!l->bound && !(l->bound = st_malloc((size_t)s->width + 1)))
            rc = oom(err);
        else {
            memcpy(l->bound, norm + (int64_t)perm[n - 1] * s->width, (size_t)s->width);
            l->bound_chunk = kept;
            l->bound_row = n - 1;
        }
    }
    st_free(perm);
    st_free(norm);
    st_arena_free(tmp);
    if (rc != ST_OK) {
        st_arena_free(fresh);
        return rc;
    }
    pending_clear(op, l);
    st_arena_free(l->arena);
    l->arena = fresh;
    l->reserved = ex_chunk_bytes(kept);
    ex_mem_force(op->q, l->reserved);
    return pending_push(l, kept, err);
}

/* Moves the thread's in-memory runs to its spill file (memory is short). */
static st_status spill_local_runs(ex_op *op, sort_local *l, st_error *err)
{
    for (sort_run *r = l->runs; r; r = r->next) {
        if (!r->arena)
            continue;
        int32_t *perm = st_malloc((size_t)(r->n_rows > 0 ? r->n_rows : 1) * sizeof *perm);
        if (!perm)
            return oom(err);
        for (int64_t i = 0; i < r->n_rows; i++)
            perm[i] = (int32_t)i;
        ex_chunk rows = r->rows;
        st_status rc = spill_rows(op, l, &rows, perm, r->n_rows, r, err);
        st_free(perm);
        if (rc != ST_OK)
            return rc;
        st_arena_free(r->arena);
        r->arena = NULL;
        r->norm = NULL;
        ex_mem_release(op->q, r->reserved);
        r->reserved = 0;
    }
    return ST_OK;
}

/* ---- sink ------------------------------------------------------------------------ */

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

static void sort_sink_local_free(ex_op *op, void *local)
{
    sort_local *l = local;
    if (!l)
        return;
    while (l->runs) {
        sort_run *r = l->runs;
        l->runs = r->next;
        run_free(op->q, r);
    }
    ex_mem_release(op->q, l->reserved);
    st_arena_free(l->arena);
    st_free(l->pending);
    st_free(l->bound);
    st_free(l);
}

/* Top-N: rows of comb strictly better than the worst kept row, into sel;
** returns their count. */
static st_status topn_filter(const sort_state *s, const sort_local *l, ex_thread *t,
                             const ex_chunk *comb, int32_t **sel, int64_t *n_sel, st_error *err)
{
    int64_t n = comb->n_rows;
    uint8_t *norm = st_arena_alloc(t->arena, (size_t)(n * s->width + 1));
    int32_t *idx = st_arena_alloc(t->arena, (size_t)n * sizeof *idx);
    if (!norm || !idx)
        return oom(err);
    vec *const *keys = comb->cols + s->n_types;
    vec *const *bkeys = l->bound_chunk->cols + s->n_types;
    sort_normalize(s, keys, n, norm);
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
        if (cmp_rows(s, norm + i * s->width, keys, i, l->bound, bkeys, l->bound_row) < 0)
            idx[m++] = (int32_t)i;
    *sel = idx;
    *n_sel = m;
    return ST_OK;
}

static st_status sort_sink_local(ex_op *op, ex_thread *t, void **local, st_error *err)
{
    sort_local *l = st_calloc(1, sizeof *l);
    if (!l || !(l->arena = st_arena_new(0))) {
        st_free(l);
        return oom(err);
    }
    *local = l;
    return ST_OK;
}

/* The input's payload columns followed by its evaluated keys (in
** t->arena), each checked against the type the sort was built for. */
static st_status sink_columns(const sort_state *s, ex_thread *t, const ex_chunk *in,
                              vec ***out, st_error *err)
{
    vec **cols = st_arena_alloc(t->arena, (size_t)s->n_all * sizeof *cols + 1);
    if (!cols)
        return oom(err);
    if (in->n_cols < s->n_types)
        return st_error_set(err, ST_ERR_INTERNAL, "sort input has %d columns, expected %d",
                            in->n_cols, s->n_types);
    for (int c = 0; c < s->n_all; c++) {
        if (c < s->n_types)
            cols[c] = in->cols[c];
        else {
            st_status rc = ex_expr_eval(s->keys[c - s->n_types], t, in, &cols[c], err);
            if (rc != ST_OK)
                return rc;
        }
        if (cols[c]->type->id != s->all[c].id || cols[c]->len < in->n_rows)
            return st_error_set(err, ST_ERR_INTERNAL,
                                "sort input column %d is a %s vector of %" PRId64
                                " rows, expected %s with %" PRId64, c,
                                vec_type_id_name(cols[c]->type->id), cols[c]->len,
                                vec_type_id_name(s->all[c].id), in->n_rows);
    }
    *out = cols;
    return ST_OK;
}

static st_status sort_sink(ex_op *op, void *local, ex_thread *t, const ex_chunk *in,
                           st_error *err)
{
    sort_state *s = op->state;
    sort_local *l = local;
    if (in->n_rows == 0 || s->keep == 0)
        return ST_OK;
    vec **cols = NULL;
    st_status rc = sink_columns(s, t, in, &cols, err);
    if (rc != ST_OK)
        return rc;
    ex_chunk comb = {in->n_rows, s->n_all, cols};
    int32_t *sel = NULL;
    int64_t n_sel = comb.n_rows;
    if (s->topn_small && l->bound) {        /* OPT: results identical if removed */
        if ((rc = topn_filter(s, l, t, &comb, &sel, &n_sel, err)) != ST_OK)
            return rc;
        if (n_sel == 0)
            return ST_OK;
    }
    ex_chunk *kept = st_arena_alloc(l->arena, sizeof *kept);
    if (!kept)
        return oom(err);
    if (n_sel < comb.n_rows)
        rc = ex_chunk_take(l->arena, &comb, sel, n_sel, kept, err);
    else
        rc = ex_chunk_copy(l->arena, &comb, kept, err);
    if (rc != ST_OK)
        return rc;
    for (int c = 0; c < s->n_all; c++)
        retype(kept->cols[c], &s->all[c]);
    int64_t bytes = ex_chunk_bytes(kept);
    bool fits = s->topn_small || ex_mem_reserve(op->q, bytes);
    if (!fits || s->topn_small)
        ex_mem_force(op->q, bytes);
    l->reserved += bytes;
    rc = pending_push(l, kept, err);
    if (rc != ST_OK)
        return rc;
    if (s->topn_small) {
        if (l->pending_rows >= ST_MAX(2 * s->keep, SORT_TOPN_MIN))
            return compact_pending(op, l, err);
        return ST_OK;
    }
    /* Over the limit: spill, but not runs so short that the merge would
    ** juggle thousands of them (the overshoot is at most that many rows). */
    if (!fits && l->pending_rows >= SORT_SPILL_MIN_ROWS) {
        rc = flush_pending(op, l, true, err);
        return rc == ST_OK ? spill_local_runs(op, l, err) : rc;
    }
    if (l->pending_rows >= SORT_RUN_ROWS)
        return flush_pending(op, l, false, err);
    return ST_OK;
}

static st_status sort_combine(ex_op *op, void *local, ex_thread *t, st_error *err)
{
    sort_state *s = op->state;
    sort_local *l = local;
    st_status rc = flush_pending(op, l, false, err);
    if (rc != ST_OK)
        return rc;
    pthread_mutex_lock(&s->lock);
    while (l->runs) {
        sort_run *r = l->runs;
        l->runs = r->next;
        r->next = s->runs;
        s->runs = r;
        s->n_runs++;
    }
    pthread_mutex_unlock(&s->lock);
    return ST_OK;
}

static st_status sort_finalize(ex_op *op, st_error *err)
{
    return ST_OK;
}

/* ---- merge (source) ----------------------------------------------------------- */

static int cmp_cursor(const sort_state *s, int a, int b)
{
    const sort_cursor *x = &s->cur[a], *y = &s->cur[b];
    return cmp_rows(s, x->norm + x->pos * s->width, x->cur.cols + s->n_types, x->pos,
                    y->norm + y->pos * s->width, y->cur.cols + s->n_types, y->pos);
}

static void heap_down(sort_state *s, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->n_heap && cmp_cursor(s, s->heap[l], s->heap[m]) < 0)
            m = l;
        if (r < s->n_heap && cmp_cursor(s, s->heap[r], s->heap[m]) < 0)
            m = r;
        if (m == i)
            return;
        int tmp = s->heap[i];
        s->heap[i] = s->heap[m];
        s->heap[m] = tmp;
        i = m;
    }
}

static void heap_up(sort_state *s, int i)
{
    while (i > 0) {
        int p = (i - 1) / 2;
        if (cmp_cursor(s, s->heap[i], s->heap[p]) >= 0)
            return;
        int tmp = s->heap[i];
        s->heap[i] = s->heap[p];
        s->heap[p] = tmp;
        i = p;
    }
}

/* Reads the next chunk of a spilled run into its cursor (false: none left). */
static st_status cursor_load(ex_op *op, sort_cursor *c, bool *loaded, st_error *err)
{
    sort_state *s = op->state;
    *loaded = false;
    while (c->next_handle < c->run->n_handles) {
        st_arena_reset(c->arena);
        st_status rc = ex_spill_read(c->run->spill, c->run->handles[c->next_handle++], s->all,
                                     s->n_all, c->arena, &c->cur, err);
        if (rc != ST_OK)
            return st_error_context(err, "reading a sorted run back");
        if (c->cur.n_rows == 0)
            continue;
        c->norm = st_arena_alloc(c->arena, (size_t)(c->cur.n_rows * s->width + 1));
        if (!c->norm)
            return oom(err);
        sort_normalize(s, c->cur.cols + s->n_types, c->cur.n_rows, c->norm);
        c->pos = 0;
        *loaded = true;
        return ST_OK;
    }
    return ST_OK;
}

static st_status sort_source_init(ex_op *op, st_error *err)
{
    sort_state *s = op->state;
    if (s->cur)
        return ST_OK;
    int n = s->n_runs;
    s->cur = st_calloc((size_t)(n > 0 ? n : 1), sizeof *s->cur);
    s->heap = st_calloc((size_t)(n > 0 ? n : 1), sizeof *s->heap);
    s->pick_cur = st_malloc((size_t)op->q->set.batch_rows * sizeof *s->pick_cur);
    s->pick_row = st_malloc((size_t)op->q->set.batch_rows * sizeof *s->pick_row);
    if (!s->cur || !s->heap || !s->pick_cur || !s->pick_row)
        return oom(err);
    int i = 0;
    for (sort_run *r = s->runs; r; r = r->next, i++) {
        sort_cursor *c = &s->cur[i];
        c->run = r;
        if (r->arena) {
            c->cur = r->rows;
            c->norm = r->norm;
            if (r->n_rows > 0)
                s->heap[s->n_heap++] = i;
            continue;
        }
        c->arena = st_arena_new(0);
        if (!c->arena)
            return oom(err);
        bool loaded;
        st_status rc = cursor_load(op, c, &loaded, err);
        if (rc != ST_OK)
            return rc;
        if (loaded)
            s->heap[s->n_heap++] = i;
    }
    for (int k = s->n_heap / 2 - 1; k >= 0; k--)
        heap_down(s, k);
    return ST_OK;
}

static st_status sort_source_local(ex_op *op, ex_thread *t, void **local, st_error *err)
{
    *local = NULL;
    return ST_OK;
}

/* Output rows picks[0..n) gathered from the cursors' current chunks. */
static st_status gather(ex_op *op, ex_thread *t, int64_t n, ex_chunk *out, st_error *err)
{
    sort_state *s = op->state;
    int n_cur = s->n_runs;
    bool one = true;
    for (int64_t i = 1; i < n && one; i++)
        one = s->pick_cur[i] == s->pick_cur[0];
    if (one) {                              /* OPT: results identical if removed */
        sort_cursor *c = &s->cur[s->pick_cur[0]];
        ex_chunk view = {c->cur.n_rows, s->n_types, c->cur.cols};
        return ex_chunk_take(t->arena, &view, s->pick_row, n, out, err);
    }
    /* Rows of each cursor in output order, concatenated cursor by cursor;
    ** then one more take puts them in output order. */
    int64_t *cnt = st_arena_calloc(t->arena, (size_t)n_cur + 1, sizeof *cnt);
    int64_t *base = st_arena_calloc(t->arena, (size_t)n_cur + 1, sizeof *base);
    int32_t *idx = st_arena_alloc(t->arena, (size_t)n * sizeof *idx);
    int32_t *order = st_arena_alloc(t->arena, (size_t)n * sizeof *order);
    ex_chunk **pieces = st_arena_calloc(t->arena, (size_t)n_cur + 1, sizeof *pieces);
    if (!cnt || !base || !idx || !order || !pieces)
        return oom(err);
    for (int64_t i = 0; i < n; i++)
        cnt[s->pick_cur[i]]++;
    for (int c = 1; c < n_cur; c++)
        base[c] = base[c - 1] + cnt[c - 1];
    int64_t *fill = st_arena_calloc(t->arena, (size_t)n_cur + 1, sizeof *fill);
    if (!fill)
        return oom(err);
    for (int64_t i = 0; i < n; i++) {
        int c = s->pick_cur[i];
        int64_t at = base[c] + fill[c]++;
        idx[at] = s->pick_row[i];
        order[i] = (int32_t)at;
    }
    int n_pieces = 0;
    for (int c = 0; c < n_cur; c++) {
        if (cnt[c] == 0)
            continue;
        ex_chunk view = {s->cur[c].cur.n_rows, s->n_types, s->cur[c].cur.cols};
        ex_chunk *p = st_arena_alloc(t->arena, sizeof *p);
        if (!p)
            return oom(err);
        st_status rc = ex_chunk_take(t->arena, &view, idx + base[c], cnt[c], p, err);
        if (rc != ST_OK)
            return rc;
        pieces[n_pieces++] = p;
    }
    ex_chunk joined;
    st_status rc = ex_chunk_concat(t->arena, (const ex_chunk *const *)pieces, n_pieces,
                                   s->n_types, &joined, err);
    if (rc != ST_OK)
        return rc;
    return ex_chunk_take(t->arena, &joined, order, n, out, err);
}

static st_status sort_source_next(ex_op *op, void *local, ex_thread *t, ex_chunk *out,
                                  bool *done, st_error *err)
{
    sort_state *s = op->state;
    *done = false;
    for (int i = 0; i < s->n_runs; i++) {   /* chunks exhausted by the last batch */
        sort_cursor *c = &s->cur[i];
        if (!c->reload)
            continue;
        c->reload = false;
        bool loaded;
        st_status rc = cursor_load(op, c, &loaded, err);
        if (rc != ST_OK)
            return rc;
        if (loaded) {
            s->heap[s->n_heap++] = i;
            heap_up(s, s->n_heap - 1);
        }
    }
    int64_t n = 0, cap = op->q->set.batch_rows;
    bool limit_hit = s->limit >= 0 && s->emitted >= s->limit;
    while (n < cap && s->n_heap > 0 && !limit_hit) {
        int ci = s->heap[0];
        sort_cursor *c = &s->cur[ci];
        if (s->skipped < s->offset)
            s->skipped++;
        else {
            s->pick_cur[n] = ci;
            s->pick_row[n] = (int32_t)c->pos;
            n++;
            s->emitted++;
            limit_hit = s->limit >= 0 && s->emitted >= s->limit;
        }
        if (++c->pos < c->cur.n_rows) {
            heap_down(s, 0);
            continue;
        }
        s->heap[0] = s->heap[--s->n_heap];
        if (s->n_heap > 0)
            heap_down(s, 0);
        if (c->next_handle >= c->run->n_handles)
            continue;
        if (n > 0) {                        /* gather before its chunk is replaced */
            c->reload = true;
            break;
        }
        bool loaded;
        st_status rc = cursor_load(op, c, &loaded, err);
        if (rc != ST_OK)
            return rc;
        if (loaded) {
            s->heap[s->n_heap++] = ci;
            heap_up(s, s->n_heap - 1);
        }
    }
    if (n == 0) {
        *done = true;
        out->n_rows = 0;
        out->n_cols = s->n_types;
        out->cols = NULL;
        return ST_OK;
    }
    return gather(op, t, n, out, err);
}

/* ---- operator ------------------------------------------------------------------ */

static void sort_destroy(ex_op *op)
{
    sort_state *s = op->state;
    if (!s)
        return;
    while (s->runs) {
        sort_run *r = s->runs;
        s->runs = r->next;
        run_free(op->q, r);
    }
    if (s->cur)
        for (int i = 0; i < s->n_runs; i++)
            st_arena_free(s->cur[i].arena);
    for (int i = 0; i < s->n_spills; i++)
        ex_spill_close(s->spills[i]);
    st_free(s->spills);
    st_free(s->cur);
    st_free(s->heap);
    st_free(s->pick_cur);
    st_free(s->pick_row);
    pthread_mutex_destroy(&s->lock);
    op->state = NULL;
}

static st_status sort_explain(const ex_op *op, st_buf *out, st_error *err)
{
    const sort_state *s = op->state;
    st_status rc = st_buf_append_str(out, "keys: ", err);
    for (int k = 0; k < s->n_keys && rc == ST_OK; k++) {
        char tn[128];
        vec_type_format(ex_expr_type(s->keys[k]), tn, sizeof tn);
        rc = st_buf_printf(out, err, "%s#%d %s %s NULLS %s", k ? ", " : "", k, tn,
                           s->kf[k].desc ? "DESC" : "ASC", s->kf[k].nulls_first ? "FIRST" : "LAST");
    }
    if (rc == ST_OK && s->limit >= 0)
        rc = st_buf_printf(out, err, " top %" PRId64, s->limit);
    if (rc == ST_OK && s->limit >= 0 && s->offset > 0)
        rc = st_buf_printf(out, err, " offset %" PRId64, s->offset);
    return rc;
}

static const ex_op_ops SORT_OPS = {
    .name = "Sort",
    .source_init = sort_source_init,
    .source_local = sort_source_local,
    .source_next = sort_source_next,
    .ordered = true,
    .sink_local = sort_sink_local,
    .sink = sort_sink,
    .combine = sort_combine,
    .finalize = sort_finalize,
    .sink_local_free = sort_sink_local_free,
    .destroy = sort_destroy,
    .explain = sort_explain,
};

st_status ex_sort_new(ex_query *q, const ex_sort_spec *spec, ex_op **out, st_error *err)
{
    if (spec->n_keys < 0 || spec->n_types < 0 || spec->offset < 0)
        return st_error_set(err, ST_ERR_INTERNAL, "bad sort spec (%d keys, offset %" PRId64 ")",
                            spec->n_keys, spec->offset);
    ex_op *op = ex_op_new(q, &SORT_OPS, spec->types, spec->n_types);
    sort_state *s = op ? st_arena_calloc(q->arena, 1, sizeof *s) : NULL;
    if (!s)
        return oom(err);
    int nk = spec->n_keys;
    s->n_keys = nk;
    s->n_types = spec->n_types;
    s->n_all = spec->n_types + nk;
    s->keys = st_arena_calloc(q->arena, (size_t)nk + 1, sizeof *s->keys);
    s->kf = st_arena_calloc(q->arena, (size_t)nk + 1, sizeof *s->kf);
    s->all = st_arena_calloc(q->arena, (size_t)s->n_all + 1, sizeof *s->all);
    s->prefix_keys = st_arena_calloc(q->arena, (size_t)nk + 1, sizeof *s->prefix_keys);
    if (!s->keys || !s->kf || !s->all || !s->prefix_keys)
        return oom(err);
    for (int c = 0; c < spec->n_types; c++)
        s->all[c] = op->types[c];
    for (int k = 0; k < nk; k++) {
        s->keys[k] = spec->keys[k];
        s->all[spec->n_types + k] = *ex_expr_type(spec->keys[k]);
        sort_keyfmt *kf = &s->kf[k];
        kf->id = ex_expr_type(spec->keys[k])->id;
        kf->desc = spec->desc && spec->desc[k];
        kf->nulls_first = spec->nulls_first ? spec->nulls_first[k] : !kf->desc;
        kf->width = key_width(kf->id, &kf->prefix);
        kf->off = s->width;
        s->width += 1 + kf->width;
        if (kf->prefix)
            s->prefix_keys[s->n_prefix++] = k;
    }
    s->limit = spec->limit < 0 ? -1 : spec->limit;
    s->offset = spec->offset;
    s->keep = -1;
    if (s->limit >= 0 && __builtin_add_overflow(s->limit, s->offset, &s->keep))
        s->keep = INT64_MAX;
    s->topn_small = s->keep >= 0 && s->keep <= SORT_RUN_ROWS;
    pthread_mutex_init(&s->lock, NULL);
    op->state = s;
    *out = op;
    return ST_OK;
}
