/* ex_hashjoin.c -- the hash join (and, with no keys, the nested-loop join
** that ex_nljoin.c constructs): a sink in the build pipeline and a streaming
** operator in the probe pipeline.
**
** Build (sink): every thread evaluates the build keys and copies "keys ++
** build columns" into its own arena (ex_chunk_copy), reserving the bytes
** with ex_mem_reserve (SEMI / ANTI / MARK without a residual keep only the
** keys: nothing else is read); combine hands the thread's blocks and arena
** to the shared state under s->lock; finalize concatenates all blocks into
** one table chunk and chains its rows. The hashed table has 2x rows
** (rounded up to a power of two) 64-bit bucket heads: the first row of the
** chain plus a 32-bit filter of the chain's hash bits, so most probe rows
** without a match stop at the bucket; per row one 16-byte entry (hash,
** next). One signed integer key over a dense value range instead gets a
** direct table (chain heads indexed by key value - min: no hashing, no key
** compare). Keys compare by type (fixed-width bytes, string bytes) without
** ex_value_equal unless null-safe or floating. Rows with a NULL in a key
** that is not null_eq can never match: they are dropped, except for RIGHT
** / FULL / RIGHT ANTI, where they stay out of the chains and come out
** unmatched in flush.
**
** RIGHT SEMI / RIGHT ANTI (a SEMI / ANTI whose small left input the
** optimizer moved to the build side): probing only marks build rows;
** flush emits the matched (SEMI) or unmatched (ANTI) build rows, with the
** build columns only.
**
** Spilling (Grace hash join): once a reservation is refused, s->spilling is
** set; every thread then writes its kept blocks and all further build rows
** to HJ_N_PARTS partitions (chunks in one spill file per side), chosen by
** the top bits of the key hash (the table uses the low bits). The probe
** pipeline then writes its rows (probe keys ++ probe columns) the same way,
** and flush (thread 0) joins partition by partition: load the build
** partition, build its table, probe it with the partition's probe rows,
** emit its unmatched build rows. Equal keys hash equally, so every match
** lies within one partition; the facts MARK and NOT IN need about the whole
** build side (row count, any NULL key) are counted in the sink. A build
** partition over half the limit (with probe rows) is split again by the
** next hash bits, up to HJ_MAX_LEVELS levels; past that (heavy skew: one
** key's rows) it is loaded whole with ex_mem_force.
**
** Dynamic pruning: the sink tracks the [min, max] of build key 0 per thread
** (merged in combine); finalize hands it to the probe side's scan
** (ex_scan_add_range) for INNER / SEMI / RIGHT joins, in memory or spilled.
**
** Probe: keys are evaluated and hashed, the first candidate of every row
** looked up (bucket heads and entries prefetched), chains walked,
** candidates compared and collected into (probe row, build row) batches of
** at most batch_rows pairs (a batch that is exactly the probe chunk's rows
** in order reuses its column vectors instead of gathering); the residual filters a batch; the join kind
** decides what the batch emits (pairs) or records (per-probe-row match
** flags). After the pairs, LEFT / FULL / SINGLE emit unmatched probe rows
** with NULL build columns, SEMI / ANTI their kept rows, MARK every row with
** its mark. Output chunks are built in the thread's own out arena, reset
** after every push, so large fan-outs stay bounded. In flush, t->arena is
** reset after every pushed chunk (the runner keeps nothing there then).
**
** Nested loop (s->nlj): same sink without hashing or spilling (the build
** side is reserved with ex_mem_force), and every build row is a candidate
** for every probe row.
**
** Threads: the table is immutable after finalize except the RIGHT / FULL /
** RIGHT SEMI / RIGHT ANTI matched bytes, which probe threads set with relaxed atomic stores (flush
** runs after every thread finished, behind the runner's barrier). Spill
** partitions are guarded by their own locks. */
#include "exec.h"

#include <inttypes.h>
#include <stdlib.h>

#define HJ_PART_BITS  6
#define HJ_N_PARTS    (1 << HJ_PART_BITS)
#define HJ_TOP_SHIFT  (64 - HJ_PART_BITS)  /* level 0 partitions: the top hash bits */
#define HJ_MAX_LEVELS 3                    /* repartitioning depth (bits 46..63; the
                                           ** table's buckets use bits below 32) */

typedef struct hj_block {
    ex_chunk         c;          /* keys ++ build columns; arena: the sink local's */
    struct hj_block *next;
} hj_block;

/* One spill partition: the chunks of its rows in its side's file. */
typedef struct hj_part {
    int64_t         *handles;    /* heap: chunks written */
    int64_t          n, cap;
    int64_t          bytes;      /* ex_chunk_bytes of the chunks written */
    pthread_mutex_t  lock;       /* guards every field */
} hj_part;

/* The spilled rows of one side: one file (ex_spill_write is thread-safe)
** shared by its partitions, so a join holds two descriptors at most. */
typedef struct hj_spill_side {
    ex_spill        *file;       /* owned; opened on the first write under s->lock */
    hj_part          parts[HJ_N_PARTS];
} hj_spill_side;

/* One build row's chain entry: its hash and next row, in one cache line
** fetch. */
typedef struct hj_entry {
    uint64_t hash;               /* the row's key hash */
    int32_t  next;               /* next row of its chain, -1 = end */
    int32_t  pad;                /* unused (keeps entries 16-byte aligned) */
} hj_entry;

/* A bucket head: (row + 1) in the low 32 bits (0 = empty), a 32-bit filter
** of the chain's hashes in the high ones (bit HJ_FILTER_BIT(h) set for
** every row of the chain), so most probe rows without a match stop at
** the bucket. */
#define HJ_FILTER_BIT(h) ((int)(((h) >> 40) & 31))   /* bits 40..44: not used by the
                                                     ** buckets (< 32) or partitions */

/* How a join key compares (chosen per key in hj_state_init). */
typedef enum hj_cmp {
    HJ_CMP_ANY,                  /* ex_value_equal (null-safe keys, floats, nested) */
    HJ_CMP_1, HJ_CMP_2, HJ_CMP_4, HJ_CMP_8, HJ_CMP_16,   /* fixed-width bytes */
    HJ_CMP_STR                   /* string / binary bytes */
} hj_cmp;

/* A built table: the build rows and their chains. */
typedef struct hj_table {
    ex_chunk          rows;      /* keys ++ build columns (n_rows may be 0, cols NULL) */
    hj_entry         *ent;       /* per row (hash join only) */
    uint64_t         *heads;     /* mask + 1 bucket heads (see above); NULL if direct */
    uint64_t          mask;
    int32_t          *dheads;    /* direct: dhi - dlo + 1 chain heads by key value, -1 = none */
    int64_t           dlo, dhi;  /* direct: the build keys' value range */
    bool              direct;    /* one integer key over a dense range: chains by value */
    bool              unique;    /* direct, and no key value repeats: every chain has one
                                 ** row (the walk skips the entries) */
    _Atomic uint8_t  *matched;   /* RIGHT / FULL: 1 once some probe row matched */
    st_arena         *arena;     /* owned: everything above */
    int64_t           reserved;  /* bytes reserved for it in the query's limit */
} hj_table;

typedef struct hj_state {
    lp_join_kind  kind;
    bool          nlj;           /* no keys: every build row is a candidate */
    int           n_keys, n_probe, n_build;
    int           n_stored;      /* build columns kept in blocks / tables: n_build, or 0
                                 ** for SEMI / ANTI / MARK without a residual (only
                                 ** the keys are read then) */
    ex_expr     **probe_keys;    /* q->arena */
    ex_expr     **build_keys;    /* q->arena */
    bool         *null_eq;       /* q->arena, n_keys entries */
    hj_cmp       *cmp;           /* q->arena, n_keys entries */
    ex_expr      *residual;      /* borrowed (q->arena), or NULL */
    bool          null_aware;
    bool          reducer;       /* a redundant SEMI (ex_join_spec.reducer) */
    _Atomic int64_t n_probed;    /* reducer: probe rows seen, rows kept */
    _Atomic int64_t n_kept;
    _Atomic bool  bypass;        /* reducer: it keeps most rows, so rows pass unprobed */
    ex_op        *probe_scan;    /* borrowed, or NULL */
    int           probe_scan_col;
    vec_type     *brow_types;    /* keys ++ build columns (spill reads); q->arena */
    vec_type     *prow_types;    /* keys ++ probe columns (spill reads); q->arena */
    pthread_mutex_t lock;        /* guards the build fields below until finalize
                                 ** and the opening of the spill files */
    hj_block     *blocks;        /* combined blocks, in the arenas below */
    st_arena    **arenas;        /* heap array of owned arenas */
    int           n_arenas, cap_arenas;
    int64_t       block_bytes;   /* reserved for the blocks */
    int64_t       n_build_rows;  /* every build row seen (NULL keys, spilled included) */
    bool          has_null_key;  /* some build row has a NULL non-null_eq key */
    _Atomic bool  spilling;      /* a reservation was refused: build rows go to bside */
    hj_spill_side bside;         /* spilled build rows (keys ++ build columns) */
    hj_spill_side pside;         /* spilled probe rows (keys ++ probe columns) */
    bool          spilled;       /* set by finalize: the probe side partitions too */
    int           n_splits;      /* partitions split again in flush (thread 0 only) */
    bool          pruned;        /* a range was handed to the probe scan */
    st_arena     *mm;            /* owned: kmin / kmax */
    vec          *kmin, *kmax;   /* 1-row range of build key 0 (dynamic pruning), under lock */
    hj_table      tab;           /* in-memory table (not spilled) */
} hj_state;

typedef struct hj_sink_local {
    st_arena *arena;             /* owned until combine hands it over */
    hj_block *blocks, *tail;     /* in arena */
    int64_t   bytes;             /* reserved for the blocks */
    int64_t   n_rows;            /* build rows seen */
    bool      has_null;
    st_arena *mm;                /* owned: kmin / kmax (survives spilling) */
    vec      *kmin, *kmax;       /* 1-row range of key 0 so far, or NULL */
} hj_sink_local;

typedef struct hj_local {
    st_arena *out;               /* owned: output chunks, reset after every push */
    int32_t  *pi, *bi;           /* heap: pair batch (probe row, build row) */
    int64_t   cap;               /* batch_rows */
} hj_local;

/* The probe rows of one chunk with their evaluated keys and hashes. */
typedef struct hj_probe {
    const ex_chunk  *in;         /* probe columns */
    vec *const      *keys;       /* n_keys key vectors */
    const uint64_t  *hashes;     /* per row (hash join only) */
} hj_probe;

static const char *const hj_kind_names[] = {
    "INNER", "LEFT", "RIGHT", "FULL", "SEMI", "ANTI", "MARK", "SINGLE", "RIGHT SEMI", "RIGHT ANTI"
};

static st_status hj_nomem(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory in hash join");
}

static st_status hj_check_cancel(ex_query *q, st_error *err)
{
    if (atomic_load_explicit(&q->cancelled, memory_order_relaxed))
        return st_error_set(err, ST_ERR_CANCELLED, "query cancelled");
    return ST_OK;
}

/* Kinds whose flush emits the build rows no probe row matched (so build
** rows with a NULL key stay in the table, outside the chains). */
static bool hj_keeps_null_build(const hj_state *s)
{
    return s->kind == LP_JOIN_RIGHT || s->kind == LP_JOIN_FULL || s->kind == LP_JOIN_RIGHT_ANTI;
}

/* Kinds that record per build row whether a probe row matched it. */
static bool hj_marks_build(const hj_state *s)
{
    return hj_keeps_null_build(s) || s->kind == LP_JOIN_RIGHT_SEMI;
}

/* RIGHT SEMI / RIGHT ANTI: output = build columns only, all from flush. */
static bool hj_right_only(lp_join_kind k)
{
    return k == LP_JOIN_RIGHT_SEMI || k == LP_JOIN_RIGHT_ANTI;
}

static bool hj_emits_pairs(const hj_state *s)
{
    return s->kind != LP_JOIN_SEMI && s->kind != LP_JOIN_ANTI && s->kind != LP_JOIN_MARK &&
           !hj_right_only(s->kind);
}

static inline int hj_part_of(uint64_t h, int shift)
{
    return (int)((h >> shift) & (HJ_N_PARTS - 1));
}

/* isnull[i] = 1 when row i has a NULL in a key that is not null_eq; returns
** how many rows do. */
static int64_t hj_key_nulls(const hj_state *s, vec *const *keys, int64_t n, uint8_t *isnull)
{
    memset(isnull, 0, (size_t)n);
    for (int k = 0; k < s->n_keys; k++) {
        if (s->null_eq[k] || !keys[k]->validity) continue;
        for (int64_t i = 0; i < n; i++)
            if (!vec_bit_get(keys[k]->validity, i)) isnull[i] = 1;
    }
    int64_t c = 0;
    for (int64_t i = 0; i < n; i++) c += isnull[i];
    return c;
}

/* Evaluates the n key expressions over in into cols[0..n). */
static st_status hj_eval_keys(ex_expr **exprs, int n, ex_thread *t, const ex_chunk *in, vec **cols,
                              st_error *err)
{
    for (int k = 0; k < n; k++) {
        st_status rc = ex_expr_eval(exprs[k], t, in, &cols[k], err);
        if (rc != ST_OK) return st_error_context(err, "evaluating join key %d", k + 1);
    }
    return ST_OK;
}

/* ---- spill partitions ------------------------------------------------------ */

static st_status hj_part_write(ex_op *op, hj_spill_side *side, int part, const ex_chunk *c,
                               st_error *err)
{
    hj_state *s = op->state;
    st_status rc = ST_OK;
    pthread_mutex_lock(&s->lock);
    if (!side->file) rc = ex_spill_open(op->q, &side->file, err);
    pthread_mutex_unlock(&s->lock);
    int64_t handle = 0;
    if (rc == ST_OK) rc = ex_spill_write(side->file, c, &handle, err);
    if (rc != ST_OK) return rc;
    hj_part *p = &side->parts[part];
    pthread_mutex_lock(&p->lock);
    if (p->n == p->cap) {
        int64_t cap = p->cap ? p->cap * 2 : 16;
        int64_t *h = st_realloc(p->handles, (size_t)cap * sizeof *h);
        if (!h) rc = hj_nomem(err);
        else {
            p->handles = h;
            p->cap = cap;
        }
    }
    if (rc == ST_OK) {
        p->handles[p->n++] = handle;
        p->bytes += ex_chunk_bytes(c);
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

/* Writes the rows of c (keys in its first n_keys columns) to the partitions
** of side that bits [shift, shift + HJ_PART_BITS) of their key hashes
** select; scratch holds the temporaries. */
static st_status hj_spill_chunk(ex_op *op, hj_spill_side *side, int shift, const ex_chunk *c,
                                st_arena *scratch, st_error *err)
{
    hj_state *s = op->state;
    int64_t n = c->n_rows;
    if (n == 0) return ST_OK;
    uint64_t *hashes = st_arena_alloc(scratch, (size_t)n * sizeof *hashes);
    int32_t *idx = st_arena_alloc(scratch, (size_t)n * sizeof *idx);
    if (!hashes || !idx) return hj_nomem(err);
    st_status rc = ex_hash_rows((const vec *const *)c->cols, s->n_keys, n, hashes, err);
    if (rc != ST_OK) return rc;
    int64_t start[HJ_N_PARTS + 1] = {0};
    for (int64_t i = 0; i < n; i++) start[hj_part_of(hashes[i], shift) + 1]++;
    for (int p = 0; p < HJ_N_PARTS; p++) start[p + 1] += start[p];
    int64_t fill[HJ_N_PARTS];
    memcpy(fill, start, sizeof fill);
    for (int64_t i = 0; i < n; i++) idx[fill[hj_part_of(hashes[i], shift)]++] = (int32_t)i;
    for (int p = 0; p < HJ_N_PARTS; p++) {
        int64_t cnt = start[p + 1] - start[p];
        if (cnt == 0) continue;
        ex_chunk pc;
        if ((rc = ex_chunk_take(scratch, c, idx + start[p], cnt, &pc, err)) != ST_OK) return rc;
        if ((rc = hj_part_write(op, side, p, &pc, err)) != ST_OK)
            return st_error_context(err, "spilling hash join partition %d", p);
    }
    return ST_OK;
}

/* Spills a list of in-memory blocks (a temporary arena per block). */
static st_status hj_spill_blocks(ex_op *op, const hj_block *b, st_error *err)
{
    hj_state *s = op->state;
    if (!b) return ST_OK;
    st_arena *tmp = st_arena_new(0);
    if (!tmp) return hj_nomem(err);
    st_status rc = ST_OK;
    for (; b && rc == ST_OK; b = b->next) {
        rc = hj_spill_chunk(op, &s->bside, HJ_TOP_SHIFT, &b->c, tmp, err);
        st_arena_reset(tmp);
    }
    st_arena_free(tmp);
    return rc;
}

/* ---- tables ------------------------------------------------------------------- */

static void hj_table_free(ex_query *q, hj_table *tab)
{
    st_arena_free(tab->arena);
    if (tab->reserved) ex_mem_release(q, tab->reserved);
    memset(tab, 0, sizeof *tab);
}

/* Bytes a table of n rows over data_bytes of column data takes. */
static int64_t hj_table_bytes(const hj_state *s, int64_t n, int64_t data_bytes)
{
    int64_t cap = 1;
    while (cap < 2 * n) cap *= 2;
    return data_bytes + n * (int64_t)(2 * sizeof(hj_entry) + 1) +
           (s->nlj ? 0 : cap * (int64_t)sizeof(uint64_t));
}

/* Signed integer value of row i of a key of type id (hj_direct_type). */
static inline int64_t hj_int_at(vec_type_id id, const void *values, int64_t i)
{
    switch (id) {
    case VEC_INT8: return ((const int8_t *)values)[i];
    case VEC_INT16: return ((const int16_t *)values)[i];
    case VEC_INT64: return ((const int64_t *)values)[i];
    default: return ((const int32_t *)values)[i];    /* INT32, DATE */
    }
}

static bool hj_direct_type(vec_type_id id)
{
    return id == VEC_INT8 || id == VEC_INT16 || id == VEC_INT32 || id == VEC_INT64 ||
           id == VEC_DATE;
}

/* Direct ("perfect hash") table: with one signed integer key (not
** null-safe) whose non-NULL build values span at most 2 * cap values, the
** chain of value v starts at dheads[v - dlo]: no hashing, no key compare
** (a chain holds one value), and sorted probe keys walk the heads in
** order. Returns false (nothing done) when the keys do not qualify; else
** *rc tells whether the allocation worked. */
#define HJ_DIRECT_MIN_SPAN 32768

static bool hj_direct_build(const hj_state *s, hj_table *tab, const uint8_t *isnull, uint64_t cap,
                            st_status *rc)
{
    *rc = ST_OK;
    vec_type_id id = s->brow_types[0].id;
    if (s->n_keys != 1 || s->null_eq[0] || !hj_direct_type(id)) return false;
    const vec *k = tab->rows.cols[0];
    int64_t n = tab->rows.n_rows, lo = 0, hi = -1;
    bool any = false;
    for (int64_t r = 0; r < n; r++) {
        if (isnull[r]) continue;
        int64_t v = hj_int_at(id, k->values, r);
        if (!any || v < lo) lo = v;
        if (!any || v > hi) hi = v;
        any = true;
    }
    /* The span is checked in unsigned arithmetic: hi - lo may overflow int64. */
    /* A span up to twice the bucket count, or up to HJ_DIRECT_MIN_SPAN heads
    ** (128 KiB) for small builds over a wider range (369 suppliers of one
    ** nation among 10,000 keys). */
    uint64_t limit = 2 * cap > HJ_DIRECT_MIN_SPAN ? 2 * cap : HJ_DIRECT_MIN_SPAN;
    if (!any || (uint64_t)hi - (uint64_t)lo >= limit) return false;
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
    tab->dheads = st_arena_alloc(tab->arena, (size_t)span * sizeof *tab->dheads);
    if (!tab->dheads) {
        *rc = ST_ERR_NOMEM;
        return true;
    }
    memset(tab->dheads, 0xff, (size_t)span * sizeof *tab->dheads);
    tab->direct = true;
    tab->unique = true;
    tab->dlo = lo;
    tab->dhi = hi;
    for (int64_t r = n - 1; r >= 0; r--) {
        tab->ent[r] = (hj_entry){.hash = 0, .next = -1};
        if (isnull[r]) continue;
        int32_t *hd = &tab->dheads[(uint64_t)hj_int_at(id, k->values, r) - (uint64_t)lo];
        if (*hd >= 0) tab->unique = false;
        tab->ent[r].next = *hd;
        *hd = (int32_t)r;
    }
    return true;
}

/* Builds tab over the rows of chunks[0..n) (copied into the table's own
** arena); the caller accounts the memory. */

/* ---- parallel table build ----------------------------------------------------- */

/* Builds with at least this many rows hash and link on all threads. */
#define HJ_PAR_MIN_ROWS 65536

typedef struct hj_par {
    const ex_chunk *const *chunks;   /* the build chunks (keys first) */
    int             n_chunks;
    const int64_t  *offsets;         /* first row of each chunk in the table */
    int             n_keys;
    hj_table       *tab;
    uint64_t       *hashes;
    const uint8_t  *isnull;
    int64_t         total;
    int             n_threads;
} hj_par;

typedef struct hj_par_job {
    hj_par   *p;
    int       id;
    st_status rc;
    st_error  err;
} hj_par_job;

/* Phase 1 (hash the chunks id, id+T, ...), then phase 2 (link rows of range
** id): chains are pushed with a compare-and-swap on the bucket head, so the
** order inside a chain depends on the threads (it carries no meaning). */
static void *hj_par_hash(void *arg)
{
    hj_par_job *j = arg;
    hj_par *p = j->p;
    for (int c = j->id; c < p->n_chunks && j->rc == ST_OK; c += p->n_threads)
        j->rc = ex_hash_rows((const vec *const *)p->chunks[c]->cols, p->n_keys,
                             p->chunks[c]->n_rows, p->hashes + p->offsets[c], &j->err);
    return NULL;
}

static void *hj_par_link(void *arg)
{
    hj_par_job *j = arg;
    hj_par *p = j->p;
    hj_table *tab = p->tab;
    int64_t per = (p->total + p->n_threads - 1) / p->n_threads;
    int64_t r0 = per * j->id, r1 = ST_MIN(p->total, r0 + per);
    for (int64_t r = r0; r < r1; r++) {
        uint64_t h = p->hashes[r];
        tab->ent[r] = (hj_entry){.hash = h, .next = -1};
        if (p->isnull[r]) continue;
        uint64_t *hd = &tab->heads[h & tab->mask];
        uint64_t old = __atomic_load_n(hd, __ATOMIC_RELAXED), nw;
        do {
            tab->ent[r].next = (int32_t)(uint32_t)old - 1;
            nw = ((old >> 32 | (uint64_t)1 << HJ_FILTER_BIT(h)) << 32) | (uint64_t)(r + 1);
        } while (!__atomic_compare_exchange_n(hd, &old, nw, true, __ATOMIC_RELAXED,
                                              __ATOMIC_RELAXED));
    }
    return NULL;
}

/* Runs fn on n_threads jobs (the caller's thread is job 0). */
static st_status hj_par_run(hj_par *p, void *(*fn)(void *), st_error *err)
{
    hj_par_job jobs[64];
    pthread_t tids[64];
    bool started[64] = {false};
    int n = ST_MIN(p->n_threads, 64);
    for (int i = 0; i < n; i++) {
        jobs[i] = (hj_par_job){.p = p, .id = i, .rc = ST_OK};
        st_error_init(&jobs[i].err);
    }
    for (int i = 1; i < n; i++)
        started[i] = pthread_create(&tids[i], NULL, fn, &jobs[i]) == 0;
    fn(&jobs[0]);
    for (int i = 1; i < n; i++) {
        if (started[i]) pthread_join(tids[i], NULL);
        else fn(&jobs[i]);                 /* no thread: do its share here */
    }
    for (int i = 0; i < n; i++)
        if (jobs[i].rc != ST_OK) {
            *err = jobs[i].err;
            return jobs[i].rc;
        }
    return ST_OK;
}

static st_status hj_table_build(ex_op *op, const ex_chunk *const *chunks, int n, hj_table *tab,
                                st_error *err)
{
    hj_state *s = op->state;
    memset(tab, 0, sizeof *tab);
    tab->rows.n_cols = s->n_keys + s->n_stored;
    int64_t total = 0;
    for (int i = 0; i < n; i++) total += chunks[i]->n_rows;
    if (total > INT32_MAX - 1)
        return st_error_set(err, ST_ERR_LIMIT,
                            "join build side has %" PRId64 " rows, more than %d fit in one table",
                            total, INT32_MAX - 1);
    tab->arena = st_arena_new(0);
    if (!tab->arena) return hj_nomem(err);
    if (total == 0) return ST_OK;
    st_status rc = ex_chunk_concat(tab->arena, chunks, n, tab->rows.n_cols, &tab->rows, err);
    if (rc != ST_OK) return st_error_context(err, "building join table");
    if (hj_marks_build(s)) {
        tab->matched = st_arena_calloc(tab->arena, (size_t)total, sizeof *tab->matched);
        if (!tab->matched) return hj_nomem(err);
    }
    if (s->nlj) return ST_OK;
    uint64_t cap = 1;
    while (cap < 2 * (uint64_t)total) cap *= 2;
    tab->mask = cap - 1;
    tab->ent = st_arena_alloc(tab->arena, (size_t)total * sizeof *tab->ent);
    uint8_t *isnull = st_malloc((size_t)total);
    if (!tab->ent || !isnull) {
        st_free(isnull);
        return hj_nomem(err);
    }
    hj_key_nulls(s, tab->rows.cols, total, isnull);
    if (hj_direct_build(s, tab, isnull, cap, &rc)) {
        st_free(isnull);
        return rc == ST_OK ? ST_OK : hj_nomem(err);
    }
    tab->heads = st_arena_calloc(tab->arena, (size_t)cap, sizeof *tab->heads);
    uint64_t *hashes = st_malloc((size_t)total * sizeof *hashes);
    if (!tab->heads || !hashes) rc = hj_nomem(err);
    int threads = op->q->set.threads;
    if (rc == ST_OK && threads > 1 && total >= HJ_PAR_MIN_ROWS) {
        /* Hash chunk by chunk and link row ranges on all threads. */
        int64_t *offsets = st_malloc((size_t)(n + 1) * sizeof *offsets);
        if (!offsets) rc = hj_nomem(err);
        int64_t off = 0;
        for (int i = 0; rc == ST_OK && i < n; i++) {
            offsets[i] = off;
            off += chunks[i]->n_rows;
        }
        hj_par par = {chunks, n, offsets, s->n_keys, tab, hashes, isnull, total, threads};
        if (rc == ST_OK) rc = hj_par_run(&par, hj_par_hash, err);
        if (rc == ST_OK) rc = hj_par_run(&par, hj_par_link, err);
        st_free(offsets);
        st_free(isnull);
        st_free(hashes);
        return rc;
    }
    if (rc == ST_OK)
        rc = ex_hash_rows((const vec *const *)tab->rows.cols, s->n_keys, total, hashes, err);
    if (rc == ST_OK) {
        /* Inserted back to front so each chain lists its rows in build order. */
        for (int64_t r = total - 1; r >= 0; r--) {
            uint64_t h = hashes[r];
            tab->ent[r] = (hj_entry){.hash = h, .next = -1};
            if (isnull[r]) continue;
            uint64_t *hd = &tab->heads[h & tab->mask];
            tab->ent[r].next = (int32_t)(uint32_t)*hd - 1;
            *hd = ((*hd >> 32 | (uint64_t)1 << HJ_FILTER_BIT(h)) << 32) | (uint64_t)(r + 1);
        }
    }
    st_free(isnull);
    st_free(hashes);
    return rc;
}

/* ---- dynamic pruning ---------------------------------------------------------- */

static bool hj_range_type(vec_type_id id)
{
    switch (id) {
    case VEC_INT8: case VEC_INT16: case VEC_INT32: case VEC_INT64:
    case VEC_UINT8: case VEC_UINT16: case VEC_UINT32: case VEC_UINT64:
    case VEC_DATE: case VEC_DECIMAL: case VEC_STRING:
        return true;
    default:
        return false;
    }
}

/* Row i of fixed-width vector v as a scalar of its type. */
static bool hj_scalar_of(ex_query *q, const vec *v, int64_t i, vec_scalar *out)
{
    memset(out, 0, sizeof *out);
    const uint8_t *p = v->values;
    switch (v->type->id) {
    case VEC_INT8:   out->i64 = ((const int8_t *)p)[i]; break;
    case VEC_INT16:  out->i64 = ((const int16_t *)p)[i]; break;
    case VEC_INT32: case VEC_DATE: out->i64 = ((const int32_t *)p)[i]; break;
    case VEC_INT64:  out->i64 = ((const int64_t *)p)[i]; break;
    case VEC_UINT8:  out->u64 = ((const uint8_t *)p)[i]; break;
    case VEC_UINT16: out->u64 = ((const uint16_t *)p)[i]; break;
    case VEC_UINT32: out->u64 = ((const uint32_t *)p)[i]; break;
    case VEC_UINT64: out->u64 = ((const uint64_t *)p)[i]; break;
    case VEC_DECIMAL: memcpy(&out->i128, p + i * 16, 16); break;
    case VEC_STRING: {
        const int32_t *off = vec_offsets(v);
        int64_t len = off[i + 1] - off[i];
        uint8_t *b = st_arena_alloc(q->arena, (size_t)len + 1);
        if (!b) return false;
        if (len) memcpy(b, v->bytes + off[i], (size_t)len);
        out->bytes = b;
        out->n_bytes = len;
        break;
    }
    default:
        return false;
    }
    return true;
}

/* Whether the probe scan gets the [min, max] range of build key 0: only
** for joins that drop probe rows without a match, and not for a null-safe
** key 0 (NULL probe keys may match then). */
static bool hj_wants_range(const hj_state *s)
{
    return s->probe_scan && !s->nlj && !s->null_eq[0] && hj_range_type(s->brow_types[0].id) &&
           (s->kind == LP_JOIN_INNER || s->kind == LP_JOIN_SEMI || s->kind == LP_JOIN_RIGHT ||
            hj_right_only(s->kind));
}

/* Widens the 1-row range vectors *kmin / *kmax (copies in a) by the valid
** rows of k. */
static st_status hj_range_update(st_arena *a, const vec *k, vec **kmin, vec **kmax,
                                 st_error *err)
{
    int32_t lo = -1, hi = -1;
    for (int64_t r = 0; r < k->len; r++) {
        if (!vec_is_valid(k, r)) continue;
        if (lo < 0 || ex_value_compare(k, r, k, lo, false, false) < 0) lo = (int32_t)r;
        if (hi < 0 || ex_value_compare(k, r, k, hi, false, false) > 0) hi = (int32_t)r;
    }
    st_status rc = ST_OK;
    if (lo >= 0 && (!*kmin || ex_value_compare(k, lo, *kmin, 0, false, false) < 0))
        rc = vec_take(a, k, &lo, 1, kmin, err);
    if (rc == ST_OK && hi >= 0 && (!*kmax || ex_value_compare(k, hi, *kmax, 0, false, false) > 0))
        rc = vec_take(a, k, &hi, 1, kmax, err);
    return rc;
}

/* Hands the probe scan the range of build key 0 (before its pipeline
** starts). OPT: results identical if removed. */
static void hj_prune(ex_op *op)
{
    hj_state *s = op->state;
    if (!hj_wants_range(s) || !s->kmin || !s->kmax) return;
    vec_scalar mn, mx;
    if (!hj_scalar_of(op->q, s->kmin, 0, &mn) || !hj_scalar_of(op->q, s->kmax, 0, &mx)) return;
    ex_scan_add_range(s->probe_scan, s->probe_scan_col, &mn, &mx);
    s->pruned = true;
}

/* ---- sink ----------------------------------------------------------------------- */

static st_status hj_sink_local_new(ex_op *op, ex_thread *t, void **local, st_error *err)
{
    hj_sink_local *l = st_calloc(1, sizeof *l);
    if (!l) return hj_nomem(err);
    l->arena = st_arena_new(0);
    l->mm = st_arena_new(4096);
    if (!l->arena || !l->mm) {
        st_arena_free(l->arena);
        st_arena_free(l->mm);
        st_free(l);
        return hj_nomem(err);
    }
    *local = l;
    return ST_OK;
}

static void hj_sink_local_free(ex_op *op, void *local)
{
    hj_sink_local *l = local;
    if (!l) return;
    if (l->bytes) ex_mem_release(op->q, l->bytes);
    st_arena_free(l->arena);
    st_arena_free(l->mm);
    st_free(l);
}

/* Spills the thread's kept blocks and forgets them (s->spilling is set). */
static st_status hj_sink_spill_local(ex_op *op, hj_sink_local *l, st_error *err)
{
    if (!l->blocks) return ST_OK;
    st_status rc = hj_spill_blocks(op, l->blocks, err);
    if (rc != ST_OK) return rc;
    st_arena_reset(l->arena);
    ex_mem_release(op->q, l->bytes);
    l->bytes = 0;
    l->blocks = l->tail = NULL;
    return ST_OK;
}

/* "keys ++ build columns" of in, in t->arena; rows that can never match
** are dropped unless RIGHT / FULL must emit them. */
static st_status hj_build_rows(ex_op *op, hj_sink_local *l, ex_thread *t, const ex_chunk *in,
                               ex_chunk *out, st_error *err)
{
    hj_state *s = op->state;
    int64_t n = in->n_rows;
    out->n_rows = n;
    out->n_cols = s->n_keys + s->n_stored;
    out->cols = st_arena_alloc(t->arena, (size_t)(out->n_cols + 1) * sizeof *out->cols);
    if (!out->cols) return hj_nomem(err);
    st_status rc = hj_eval_keys(s->build_keys, s->n_keys, t, in, out->cols, err);
    if (rc != ST_OK) return rc;
    for (int c = 0; c < s->n_stored; c++) out->cols[s->n_keys + c] = in->cols[c];
    if (s->n_keys == 0) return ST_OK;
    uint8_t *isnull = st_arena_alloc(t->arena, (size_t)n);
    if (!isnull) return hj_nomem(err);
    int64_t n_null = hj_key_nulls(s, out->cols, n, isnull);
    if (n_null == 0) return ST_OK;
    l->has_null = true;
    if (hj_keeps_null_build(s)) return ST_OK;
    int32_t *idx = st_arena_alloc(t->arena, (size_t)(n - n_null + 1) * sizeof *idx);
    if (!idx) return hj_nomem(err);
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
        if (!isnull[i]) idx[m++] = (int32_t)i;
    ex_chunk kept;
    if ((rc = ex_chunk_take(t->arena, out, idx, m, &kept, err)) != ST_OK) return rc;
    *out = kept;
    return ST_OK;
}

static st_status hj_sink(ex_op *op, void *local, ex_thread *t, const ex_chunk *in, st_error *err)
{
    hj_state *s = op->state;
    hj_sink_local *l = local;
    if (in->n_rows == 0) return ST_OK;
    if (in->n_cols != s->n_build)
        return st_error_set(err, ST_ERR_INTERNAL, "join build input has %d columns, expected %d",
                            in->n_cols, s->n_build);
    l->n_rows += in->n_rows;
    ex_chunk c;
    st_status rc = hj_build_rows(op, l, t, in, &c, err);
    if (rc != ST_OK || c.n_rows == 0) return rc;
    if (hj_wants_range(s) &&
        (rc = hj_range_update(l->mm, c.cols[0], &l->kmin, &l->kmax, err)) != ST_OK)
        return rc;
    bool spill = !s->nlj && atomic_load(&s->spilling);
    int64_t bytes = ex_chunk_bytes(&c) + (int64_t)sizeof(hj_block);
    if (!spill) {
        if (s->nlj) ex_mem_force(op->q, bytes);
        else if (!ex_mem_reserve(op->q, bytes)) {
            atomic_store(&s->spilling, true);
            spill = true;
        }
    }
    if (spill) {
        if ((rc = hj_sink_spill_local(op, l, err)) != ST_OK) return rc;
        return hj_spill_chunk(op, &s->bside, HJ_TOP_SHIFT, &c, t->arena, err);
    }
    hj_block *b = st_arena_alloc(l->arena, sizeof *b);
    if (!b) {
        ex_mem_release(op->q, bytes);
        return hj_nomem(err);
    }
    l->bytes += bytes;
    if ((rc = ex_chunk_copy(l->arena, &c, &b->c, err)) != ST_OK) return rc;
    b->next = NULL;
    if (l->tail) l->tail->next = b;
    else l->blocks = b;
    l->tail = b;
    return ST_OK;
}

static st_status hj_combine(ex_op *op, void *local, ex_thread *t, st_error *err)
{
    hj_state *s = op->state;
    hj_sink_local *l = local;
    if (!l) return ST_OK;
    st_status rc = ST_OK;
    pthread_mutex_lock(&s->lock);
    s->n_build_rows += l->n_rows;
    s->has_null_key |= l->has_null;
    if (l->kmin) rc = hj_range_update(s->mm, l->kmin, &s->kmin, &s->kmax, err);
    if (rc == ST_OK && l->kmax) rc = hj_range_update(s->mm, l->kmax, &s->kmin, &s->kmax, err);
    if (rc == ST_OK && l->blocks) {
        if (s->n_arenas == s->cap_arenas) {
            int cap = s->cap_arenas ? s->cap_arenas * 2 : 8;
            st_arena **a = st_realloc(s->arenas, (size_t)cap * sizeof *a);
            if (!a) rc = hj_nomem(err);
            else {
                s->arenas = a;
                s->cap_arenas = cap;
            }
        }
        if (rc == ST_OK) {
            s->arenas[s->n_arenas++] = l->arena;
            l->tail->next = s->blocks;
            s->blocks = l->blocks;
            s->block_bytes += l->bytes;
            l->arena = NULL;
            l->blocks = l->tail = NULL;
            l->bytes = 0;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static void hj_free_blocks(ex_op *op)
{
    hj_state *s = op->state;
    for (int i = 0; i < s->n_arenas; i++) st_arena_free(s->arenas[i]);
    s->n_arenas = 0;
    s->blocks = NULL;
    if (s->block_bytes) ex_mem_release(op->q, s->block_bytes);
    s->block_bytes = 0;
}

/* Builds the in-memory table from the combined blocks. may_refuse: when
** the memory it needs cannot be reserved, leaves everything as it is and
** sets *built false (the caller spills instead). */
static st_status hj_finalize_memory(ex_op *op, bool may_refuse, bool *built, st_error *err)
{
    hj_state *s = op->state;
    *built = false;
    int n = 0;
    int64_t rows = 0;
    for (hj_block *b = s->blocks; b; b = b->next) {
        n++;
        rows += b->c.n_rows;
    }
    int64_t need = hj_table_bytes(s, rows, s->block_bytes);
    if (may_refuse) {
        if (!ex_mem_reserve(op->q, need)) return ST_OK;
    } else {
        ex_mem_force(op->q, need);
    }
    const ex_chunk **chunks = st_malloc((size_t)(n + 1) * sizeof *chunks);
    if (!chunks) {
        ex_mem_release(op->q, need);
        return hj_nomem(err);
    }
    int i = n;
    for (hj_block *b = s->blocks; b; b = b->next) chunks[--i] = &b->c;
    st_status rc = hj_table_build(op, chunks, n, &s->tab, err);
    s->tab.reserved = need;
    st_free(chunks);
    if (rc != ST_OK) return rc;
    hj_free_blocks(op);
    *built = true;
    hj_prune(op);
    return ST_OK;
}

static st_status hj_finalize(ex_op *op, st_error *err)
{
    hj_state *s = op->state;
    bool built = false;
    st_status rc;
    if (s->nlj || !atomic_load(&s->spilling)) {
        rc = hj_finalize_memory(op, !s->nlj, &built, err);
        if (rc != ST_OK || built) return rc;
    }
    /* Grace: what is still in memory joins the partitions. */
    if ((rc = hj_spill_blocks(op, s->blocks, err)) != ST_OK) return rc;
    hj_free_blocks(op);
    s->spilled = true;
    hj_prune(op);
    return ST_OK;
}

/* ---- probe ------------------------------------------------------------------------ */

static st_status hj_op_local_new(ex_op *op, ex_thread *t, void **local, st_error *err)
{
    hj_local *l = st_calloc(1, sizeof *l);
    if (!l) return hj_nomem(err);
    l->cap = op->q->set.batch_rows;
    l->out = st_arena_new(0);
    l->pi = st_malloc((size_t)l->cap * sizeof *l->pi);
    l->bi = st_malloc((size_t)l->cap * sizeof *l->bi);
    if (!l->out || !l->pi || !l->bi) {
        st_arena_free(l->out);
        st_free(l->pi);
        st_free(l->bi);
        st_free(l);
        return hj_nomem(err);
    }
    *local = l;
    return ST_OK;
}

static void hj_op_local_free(ex_op *op, void *local)
{
    hj_local *l = local;
    if (!l) return;
    st_arena_free(l->out);
    st_free(l->pi);
    st_free(l->bi);
    st_free(l);
}

static st_status hj_push(hj_local *l, ex_thread *t, const ex_chunk *c, ex_emit *next,
                         st_error *err)
{
    st_status rc = c->n_rows > 0 ? next->push(next, t, c, err) : ST_OK;
    st_arena_reset(l->out);
    return rc;
}

/* Whether probe row i's keys equal build row r's (hashes already equal;
** rows with a NULL in a non-null-safe key never get here). */
static inline bool hj_keys_equal(const hj_state *s, vec *const *pk, int64_t i,
                                 vec *const *bk, int64_t r)
{
    for (int k = 0; k < s->n_keys; k++) {
        const vec *a = pk[k], *b = bk[k];
        const uint8_t *av = a->values, *bv = b->values;
        bool eq;
        switch (s->cmp[k]) {
        case HJ_CMP_1: eq = av[i] == bv[r]; break;
        case HJ_CMP_2: eq = ((const uint16_t *)av)[i] == ((const uint16_t *)bv)[r]; break;
        case HJ_CMP_4: eq = ((const uint32_t *)av)[i] == ((const uint32_t *)bv)[r]; break;
        case HJ_CMP_8: eq = ((const uint64_t *)av)[i] == ((const uint64_t *)bv)[r]; break;
        case HJ_CMP_16: eq = memcmp(av + i * 16, bv + r * 16, 16) == 0; break;
        case HJ_CMP_STR: {
            const int32_t *oa = vec_offsets(a), *ob = vec_offsets(b);
            int32_t la = oa[i + 1] - oa[i];
            eq = la == ob[r + 1] - ob[r] &&
                 (la == 0 || memcmp(a->bytes + oa[i], b->bytes + ob[r], (size_t)la) == 0);
            break;
        }
        default: eq = ex_value_equal(a, i, b, r, s->null_eq[k]); break;
        }
        if (!eq) return false;
    }
    return true;
}

/* first[i] = the first candidate build row of probe row i (-1: none: a
** NULL key, an empty bucket, or the bucket's filter rules it out). The
** bucket heads are prefetched a few rows ahead, and each candidate's entry
** (and fixed-width key 0) as soon as it is known, so the chain walk that
** follows mostly hits the cache. */
static void hj_first_candidates(const hj_state *s, const hj_table *tab, const hj_probe *p,
                                const uint8_t *pnull, int64_t n, int32_t *first)
{
    const uint64_t *hs = p->hashes, *heads = tab->heads;
    const hj_entry *ent = tab->ent;
    uint64_t mask = tab->mask;
    if (tab->rows.n_rows == 0) {
        for (int64_t i = 0; i < n; i++) first[i] = -1;
        return;
    }
    if (tab->direct) {
        vec_type_id id = s->prow_types[0].id;
        const void *pv = p->keys[0]->values;
        for (int64_t i = 0; i < n; i++) {
            int64_t v = hj_int_at(id, pv, i);
            first[i] = pnull[i] || v < tab->dlo || v > tab->dhi
                           ? -1
                           : tab->dheads[(uint64_t)v - (uint64_t)tab->dlo];
        }
        return;
    }
    int w = 0;
    switch (s->cmp[0]) {
    case HJ_CMP_4: w = 4; break;
    case HJ_CMP_8: w = 8; break;
    default: break;
    }
    const uint8_t *k0 = tab->rows.cols[0]->values;
    for (int64_t i = 0; i < n; i++) {
        if (i + 16 < n) __builtin_prefetch(&heads[hs[i + 16] & mask]);
        uint64_t h = hs[i], hd = heads[h & mask];
        bool may = (hd >> (32 + HJ_FILTER_BIT(h))) & 1;
        int32_t r = may && !pnull[i] ? (int32_t)(uint32_t)hd - 1 : -1;
        first[i] = r;
        if (r >= 0) {
            __builtin_prefetch(&ent[r]);
            if (w) __builtin_prefetch(k0 + (size_t)r * (size_t)w);
        }
    }
}

/* Collects up to cap candidate pairs into pi/bi, resuming at probe row *ci
** and build row *cr (-2: row *ci not started). Returns the count; 0 only
** once every probe row is done. first: hj_first_candidates (hash join). */
static int64_t hj_pairs(const hj_state *s, const hj_table *tab, const hj_probe *p,
                        const int32_t *first, const uint8_t *pnull, const uint8_t *pmatch,
                        int64_t *ci, int64_t *cr, hj_local *l)
{
    int64_t n = p->in->n_rows, nb = tab->rows.n_rows, np = 0, i = *ci, r = *cr;
    bool once = s->kind == LP_JOIN_SEMI || s->kind == LP_JOIN_ANTI || s->kind == LP_JOIN_MARK;
    bool first_only = once && !s->residual;
    int32_t *pi = l->pi, *bi = l->bi;
    int64_t cap = l->cap;
    if (!s->nlj) {
        const hj_entry *ent = tab->ent;
        vec *const *bk = tab->rows.cols;
        bool direct = tab->direct;     /* a chain holds one key value: no compare */
        bool unique = tab->unique;     /* and one row */
        while (i < n && np < cap) {
            if (r == -2) r = first[i];
            if (once && (pmatch[i] & 1)) r = -1;
            uint64_t h = direct ? 0 : p->hashes[i];
            if (unique && r >= 0) {
                pi[np] = (int32_t)i;
                bi[np] = (int32_t)r;
                np++;
                r = -1;
            }
            while (r >= 0 && np < cap) {
                const hj_entry *e = &ent[r];
                int64_t nr = e->next;
                if (direct || (e->hash == h && hj_keys_equal(s, p->keys, i, bk, r))) {
                    pi[np] = (int32_t)i;
                    bi[np] = (int32_t)r;
                    np++;
                    if (first_only) nr = -1;
                }
                r = nr;
            }
            if (r < 0) {
                i++;
                r = -2;
            }
        }
        *ci = i;
        *cr = r;
        return np;
    }
    while (i < n && np < cap) {
        if (r == -2) r = pnull[i] || nb == 0 ? -1 : 0;
        if (once && (pmatch[i] & 1)) r = -1;
        while (r >= 0 && np < cap) {
            int64_t nr = r + 1 < nb ? r + 1 : -1;
            pi[np] = (int32_t)i;
            bi[np] = (int32_t)r;
            np++;
            if (first_only) nr = -1;
            r = nr;
        }
        if (r < 0) {
            i++;
            r = -2;
        }
    }
    *ci = i;
    *cr = r;
    return np;
}

/* Whether idx[0..n) is 0, 1, ..., rows - 1 (the gather can reuse the input
** vectors). */
static bool hj_identity(const int32_t *idx, int64_t n, int64_t rows)
{
    if (n != rows) return false;
    for (int64_t j = 0; j < n; j++)
        if (idx[j] != j) return false;
    return true;
}

/* Probe columns of pairs ++ build columns of pairs, in a. */
static st_status hj_pair_chunk(ex_op *op, st_arena *a, const ex_chunk *probe, const hj_table *tab,
                               const hj_local *l, int64_t np, ex_chunk *out, st_error *err)
{
    hj_state *s = op->state;
    out->n_rows = np;
    out->n_cols = s->n_probe + s->n_build;
    out->cols = st_arena_alloc(a, (size_t)(out->n_cols + 1) * sizeof *out->cols);
    if (!out->cols) return hj_nomem(err);
    st_status rc;
    bool same = hj_identity(l->pi, np, probe->n_rows);
    for (int c = 0; c < s->n_probe; c++) {
        if (same) out->cols[c] = probe->cols[c];
        else if ((rc = vec_take(a, probe->cols[c], l->pi, np, &out->cols[c], err)) != ST_OK)
            return rc;
    }
    for (int c = 0; c < s->n_build; c++)
        if ((rc = vec_take(a, tab->rows.cols[s->n_keys + c], l->bi, np,
                           &out->cols[s->n_probe + c], err)) != ST_OK)
            return rc;
    return ST_OK;
}

/* MARK with a residual: records TRUE (bit 0) and NULL (bit 1) outcomes. */
static st_status hj_mark_residual(ex_op *op, hj_local *l, ex_thread *t, const ex_chunk *pc,
                                  uint8_t *pmatch, st_error *err)
{
    hj_state *s = op->state;
    vec *v;
    st_status rc = ex_expr_eval(s->residual, t, pc, &v, err);
    if (rc != ST_OK) return st_error_context(err, "evaluating join condition");
    const uint8_t *bits = v->values;
    for (int64_t j = 0; j < pc->n_rows; j++) {
        if (!vec_is_valid(v, j)) pmatch[l->pi[j]] |= 2;
        else if (v->type->id == VEC_NULL) pmatch[l->pi[j]] |= 2;
        else if (vec_bit_get(bits, j)) pmatch[l->pi[j]] |= 1;
    }
    return ST_OK;
}

/* Handles one batch of np candidate pairs: residual, flags, output. */
static st_status hj_batch(ex_op *op, hj_local *l, ex_thread *t, const hj_table *tab,
                          const hj_probe *p, uint8_t *pmatch, int64_t np, ex_emit *next,
                          st_error *err)
{
    hj_state *s = op->state;
    ex_chunk pc = {0};
    st_status rc;
    bool have_pc = false;
    if (s->residual) {
        if ((rc = hj_pair_chunk(op, l->out, p->in, tab, l, np, &pc, err)) != ST_OK) return rc;
        have_pc = true;
        if (s->kind == LP_JOIN_MARK) {
            rc = hj_mark_residual(op, l, t, &pc, pmatch, err);
            st_arena_reset(l->out);
            return rc;
        }
        int32_t *sel = st_arena_alloc(l->out, (size_t)np * sizeof *sel);
        int64_t n_sel = 0;
        if (!sel) return hj_nomem(err);
        if ((rc = ex_expr_select(s->residual, t, &pc, sel, &n_sel, err)) != ST_OK)
            return st_error_context(err, "evaluating join condition");
        if (n_sel < np) {
            for (int64_t j = 0; j < n_sel; j++) {
                l->pi[j] = l->pi[sel[j]];
                l->bi[j] = l->bi[sel[j]];
            }
            if (hj_emits_pairs(s) && n_sel > 0) {
                ex_chunk kept;
                if ((rc = ex_chunk_take(l->out, &pc, sel, n_sel, &kept, err)) != ST_OK) return rc;
                pc = kept;
            }
            np = n_sel;
        }
    }
    for (int64_t j = 0; j < np; j++) {
        if (s->kind == LP_JOIN_SINGLE && (pmatch[l->pi[j]] & 1)) {
            st_arena_reset(l->out);
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "more than one row returned by a subquery used as an expression");
        }
        pmatch[l->pi[j]] |= 1;
        if (tab->matched) atomic_store_explicit(&tab->matched[l->bi[j]], 1, memory_order_relaxed);
    }
    if (!hj_emits_pairs(s) || np == 0) {
        st_arena_reset(l->out);
        return ST_OK;
    }
    if (!have_pc && (rc = hj_pair_chunk(op, l->out, p->in, tab, l, np, &pc, err)) != ST_OK)
        return rc;
    return hj_push(l, t, &pc, next, err);
}

/* Mark of probe row i: 1 TRUE, 0 FALSE, -1 NULL. */
static int hj_mark_of(const hj_state *s, uint8_t pnull, uint8_t pmatch)
{
    if (pmatch & 1) return 1;
    if (s->n_build_rows == 0) return 0;
    if (pnull || s->has_null_key || (pmatch & 2)) return -1;
    return 0;
}

/* Emits probe rows idx[0..n) (each with NULL build columns for the outer
** kinds, its mark for MARK) in chunks of at most batch_rows rows. */
static st_status hj_emit_probe_rows(ex_op *op, hj_local *l, ex_thread *t, const hj_probe *p,
                                    const int32_t *idx, int64_t n, const uint8_t *pnull,
                                    const uint8_t *pmatch, ex_emit *next, st_error *err)
{
    hj_state *s = op->state;
    for (int64_t at = 0; at < n; at += l->cap) {
        int64_t m = ST_MIN(l->cap, n - at);
        ex_chunk out = {.n_rows = m, .n_cols = op->n_types};
        out.cols = st_arena_alloc(l->out, (size_t)(op->n_types + 1) * sizeof *out.cols);
        if (!out.cols) return hj_nomem(err);
        st_status rc;
        bool same = at == 0 && hj_identity(idx, m, p->in->n_rows);
        for (int c = 0; c < s->n_probe; c++) {
            if (same) out.cols[c] = p->in->cols[c];
            else if ((rc = vec_take(l->out, p->in->cols[c], idx + at, m, &out.cols[c], err)) !=
                     ST_OK)
                return rc;
        }
        if (s->kind == LP_JOIN_MARK) {
            vec *v = vec_new(l->out, &op->types[s->n_probe], m);
            if (!v) return hj_nomem(err);
            for (int64_t j = 0; j < m; j++) {
                int mk = hj_mark_of(s, pnull[idx[at + j]], pmatch[idx[at + j]]);
                if (mk > 0) vec_bit_set(v->values, j);
                else if (mk < 0 && (rc = vec_set_null(l->out, v, j, err)) != ST_OK) return rc;
            }
            out.cols[s->n_probe] = v;
        } else {
            for (int c = s->n_probe; c < op->n_types; c++)
                if ((rc = vec_constant(l->out, &op->types[c], NULL, m, &out.cols[c], err)) != ST_OK)
                    return rc;
        }
        if ((rc = hj_push(l, t, &out, next, err)) != ST_OK) return rc;
    }
    return ST_OK;
}

/* After the pairs: the probe rows each kind emits on its own. */
static st_status hj_probe_finish(ex_op *op, hj_local *l, ex_thread *t, const hj_probe *p,
                                 const uint8_t *pnull, const uint8_t *pmatch, ex_emit *next,
                                 st_error *err)
{
    hj_state *s = op->state;
    int64_t n = p->in->n_rows, m = 0;
    if (s->kind == LP_JOIN_INNER || s->kind == LP_JOIN_RIGHT || hj_right_only(s->kind))
        return ST_OK;
    int32_t *idx = st_arena_alloc(t->arena, (size_t)(n + 1) * sizeof *idx);
    if (!idx) return hj_nomem(err);
    bool nonempty = s->n_build_rows > 0;
    for (int64_t i = 0; i < n; i++) {
        bool keep;
        switch (s->kind) {
        case LP_JOIN_SEMI: keep = pmatch[i] & 1; break;
        case LP_JOIN_ANTI:
            keep = !(pmatch[i] & 1);
            if (s->null_aware && nonempty && (s->has_null_key || pnull[i])) keep = false;
            break;
        case LP_JOIN_MARK: keep = true; break;
        default: keep = !(pmatch[i] & 1); break;    /* LEFT, FULL, SINGLE */
        }
        if (keep) idx[m++] = (int32_t)i;
    }
    return hj_emit_probe_rows(op, l, t, p, idx, m, pnull, pmatch, next, err);
}

/* Joins one probe chunk against tab. */
static st_status hj_probe_chunk(ex_op *op, hj_local *l, ex_thread *t, const hj_table *tab,
                                const hj_probe *p, ex_emit *next, st_error *err)
{
    hj_state *s = op->state;
    int64_t n = p->in->n_rows;
    uint8_t *pnull = st_arena_calloc(t->arena, (size_t)n + 1, 1);
    uint8_t *pmatch = st_arena_calloc(t->arena, (size_t)n + 1, 1);
    if (!pnull || !pmatch) return hj_nomem(err);
    if (s->n_keys) hj_key_nulls(s, p->keys, n, pnull);
    int32_t *first = NULL;
    if (!s->nlj) {
        first = st_arena_alloc(t->arena, (size_t)(n + 1) * sizeof *first);
        if (!first) return hj_nomem(err);
        hj_first_candidates(s, tab, p, pnull, n, first);
    }
    int64_t ci = 0, cr = -2;
    st_status rc;
    for (;;) {
        if ((rc = hj_check_cancel(op->q, err)) != ST_OK) return rc;
        int64_t np = hj_pairs(s, tab, p, first, pnull, pmatch, &ci, &cr, l);
        if (np == 0) break;
        if ((rc = hj_batch(op, l, t, tab, p, pmatch, np, next, err)) != ST_OK) return rc;
    }
    return hj_probe_finish(op, l, t, p, pnull, pmatch, next, err);
}

/* Counts the rows a reducer's probe emits on their way to the next op. */
typedef struct hj_count_emit {
    ex_emit  base;
    ex_emit *next;
    int64_t  rows;
} hj_count_emit;

static st_status hj_count_push(ex_emit *self, ex_thread *t, const ex_chunk *c, st_error *err)
{
    hj_count_emit *e = (hj_count_emit *)self;
    e->rows += c->n_rows;
    return e->next->push(e->next, t, c, err);
}

static st_status hj_probe_input(ex_op *op, hj_local *l, ex_thread *t, const ex_chunk *in,
                                ex_emit *next, st_error *err);

/* A reducer (a SEMI join the join above makes redundant) stops probing once
** HJ_REDUCER_SAMPLE rows show it keeps over HJ_REDUCER_KEEP of them: rows
** then pass unprobed, which changes no answer. */
#define HJ_REDUCER_SAMPLE 262144
#define HJ_REDUCER_KEEP   0.75

static st_status hj_execute(ex_op *op, void *local, ex_thread *t, const ex_chunk *in,
                            ex_emit *next, st_error *err)
{
    hj_state *s = op->state;
    if (in->n_rows == 0) return ST_OK;
    if (!s->reducer) return hj_probe_input(op, local, t, in, next, err);
    if (atomic_load_explicit(&s->bypass, memory_order_relaxed)) return next->push(next, t, in, err);
    hj_count_emit ce = {{hj_count_push}, next, 0};
    st_status rc = hj_probe_input(op, local, t, in, &ce.base, err);
    int64_t probed = atomic_fetch_add(&s->n_probed, in->n_rows) + in->n_rows;
    int64_t kept = atomic_fetch_add(&s->n_kept, ce.rows) + ce.rows;
    if (probed >= HJ_REDUCER_SAMPLE && (double)kept > HJ_REDUCER_KEEP * (double)probed)
        atomic_store(&s->bypass, true);
    return rc;
}

static st_status hj_probe_input(ex_op *op, hj_local *l, ex_thread *t, const ex_chunk *in,
                                ex_emit *next, st_error *err)
{
    hj_state *s = op->state;
    if (in->n_cols != s->n_probe)
        return st_error_set(err, ST_ERR_INTERNAL, "join probe input has %d columns, expected %d",
                            in->n_cols, s->n_probe);
    vec **keys = st_arena_alloc(t->arena, (size_t)(s->n_keys + s->n_probe + 1) * sizeof *keys);
    if (!keys) return hj_nomem(err);
    st_status rc = hj_eval_keys(s->probe_keys, s->n_keys, t, in, keys, err);
    if (rc != ST_OK) return rc;
    if (s->spilled) {
        for (int c = 0; c < s->n_probe; c++) keys[s->n_keys + c] = in->cols[c];
        ex_chunk c = {.n_rows = in->n_rows, .n_cols = s->n_keys + s->n_probe, .cols = keys};
        return hj_spill_chunk(op, &s->pside, HJ_TOP_SHIFT, &c, t->arena, err);
    }
    uint64_t *hashes = NULL;
    if (!s->nlj && !s->tab.direct) {
        hashes = st_arena_alloc(t->arena, (size_t)in->n_rows * sizeof *hashes);
        if (!hashes) return hj_nomem(err);
        rc = ex_hash_rows((const vec *const *)keys, s->n_keys, in->n_rows, hashes, err);
        if (rc != ST_OK) return rc;
    }
    hj_probe p = {.in = in, .keys = keys, .hashes = hashes};
    return hj_probe_chunk(op, l, t, &s->tab, &p, next, err);
}

/* RIGHT / FULL: the build rows of tab no probe row matched, with NULL probe
** columns; RIGHT ANTI the same without probe columns; RIGHT SEMI the build
** rows some probe row matched. t->arena is reset after each push (nothing
** else lives there while flush runs). */
static st_status hj_emit_unmatched(ex_op *op, hj_local *l, ex_thread *t, const hj_table *tab,
                                   ex_emit *next, st_error *err)
{
    hj_state *s = op->state;
    int64_t nb = tab->rows.n_rows, r = 0;
    uint8_t want = s->kind == LP_JOIN_RIGHT_SEMI;
    int np = hj_right_only(s->kind) ? 0 : s->n_probe;
    st_status rc;
    while (r < nb) {
        if ((rc = hj_check_cancel(op->q, err)) != ST_OK) return rc;
        int64_t m = 0;
        for (; r < nb && m < l->cap; r++)
            if (atomic_load_explicit(&tab->matched[r], memory_order_relaxed) == want)
                l->bi[m++] = (int32_t)r;
        if (m == 0) break;
        ex_chunk out = {.n_rows = m, .n_cols = op->n_types};
        out.cols = st_arena_alloc(l->out, (size_t)(op->n_types + 1) * sizeof *out.cols);
        if (!out.cols) return hj_nomem(err);
        for (int c = 0; c < np; c++)
            if ((rc = vec_constant(l->out, &op->types[c], NULL, m, &out.cols[c], err)) != ST_OK)
                return rc;
        for (int c = 0; c < s->n_build; c++)
            if ((rc = vec_take(l->out, tab->rows.cols[s->n_keys + c], l->bi, m,
                               &out.cols[np + c], err)) != ST_OK)
                return rc;
        rc = hj_push(l, t, &out, next, err);
        st_arena_reset(t->arena);
        if (rc != ST_OK) return rc;
    }
    return ST_OK;
}

/* Loads build partition bp into tab (memory forced: one partition). */
static st_status hj_load_part(ex_op *op, const hj_spill_side *bs, const hj_part *bp,
                              hj_table *tab, st_error *err)
{
    hj_state *s = op->state;
    st_arena *la = st_arena_new(0);
    ex_chunk *chunks = st_calloc((size_t)bp->n + 1, sizeof *chunks);
    const ex_chunk **ptrs = st_calloc((size_t)bp->n + 1, sizeof *ptrs);
    st_status rc = ST_OK;
    if (!la || !chunks || !ptrs) rc = hj_nomem(err);
    for (int64_t h = 0; rc == ST_OK && h < bp->n; h++) {
        rc = ex_spill_read(bs->file, bp->handles[h], s->brow_types, s->n_keys + s->n_stored, la,
                           &chunks[h], err);
        ptrs[h] = &chunks[h];
    }
    if (rc == ST_OK) {
        int64_t rows = 0;
        for (int64_t h = 0; h < bp->n; h++) rows += chunks[h].n_rows;
        int64_t need = hj_table_bytes(s, rows, (int64_t)st_arena_bytes(la));
        ex_mem_force(op->q, need);
        rc = hj_table_build(op, ptrs, (int)bp->n, tab, err);
        tab->reserved = need;
    }
    st_free(ptrs);
    st_free(chunks);
    st_arena_free(la);
    return rc;
}

/* Probes table tab with the spilled probe rows of partition pp. */
static st_status hj_probe_part(ex_op *op, hj_local *l, ex_thread *t, const hj_table *tab,
                               const hj_spill_side *ps, const hj_part *pp, ex_emit *next,
                               st_error *err)
{
    hj_state *s = op->state;
    st_status rc = ST_OK;
    for (int64_t h = 0; rc == ST_OK && h < pp->n; h++) {
        ex_chunk c;
        rc = ex_spill_read(ps->file, pp->handles[h], s->prow_types, s->n_keys + s->n_probe,
                           t->arena, &c, err);
        if (rc != ST_OK) break;
        uint64_t *hashes = st_arena_alloc(t->arena, (size_t)c.n_rows * sizeof *hashes + 1);
        if (!hashes) rc = hj_nomem(err);
        if (rc == ST_OK)
            rc = ex_hash_rows((const vec *const *)c.cols, s->n_keys, c.n_rows, hashes, err);
        ex_chunk in = {.n_rows = c.n_rows, .n_cols = s->n_probe, .cols = c.cols + s->n_keys};
        hj_probe p = {.in = &in, .keys = c.cols, .hashes = hashes};
        if (rc == ST_OK) rc = hj_probe_chunk(op, l, t, tab, &p, next, err);
        st_arena_reset(t->arena);
    }
    return rc;
}

static hj_spill_side *hj_side_new(void)
{
    hj_spill_side *side = st_calloc(1, sizeof *side);
    if (!side) return NULL;
    for (int p = 0; p < HJ_N_PARTS; p++) pthread_mutex_init(&side->parts[p].lock, NULL);
    return side;
}

/* Closes the file and frees the handle lists (not side itself). */
static void hj_side_destroy(hj_spill_side *side)
{
    if (!side) return;
    ex_spill_close(side->file);
    for (int p = 0; p < HJ_N_PARTS; p++) {
        st_free(side->parts[p].handles);
        pthread_mutex_destroy(&side->parts[p].lock);
    }
}

/* Rewrites partition `part` of side `from` (row types `types`) into the
** partitions of `to` by the next hash bits. */
static st_status hj_split(ex_op *op, ex_thread *t, const hj_spill_side *from, int part,
                          const vec_type *types, int n_types, hj_spill_side *to, int shift,
                          st_error *err)
{
    const hj_part *p = &from->parts[part];
    st_status rc = ST_OK;
    for (int64_t h = 0; rc == ST_OK && h < p->n; h++) {
        ex_chunk c;
        rc = ex_spill_read(from->file, p->handles[h], types, n_types, t->arena, &c, err);
        if (rc == ST_OK) rc = hj_spill_chunk(op, to, shift, &c, t->arena, err);
        st_arena_reset(t->arena);
    }
    return rc;
}

static st_status hj_join_part(ex_op *op, hj_local *l, ex_thread *t, const hj_spill_side *bs,
                              const hj_spill_side *ps, int part, int shift, ex_emit *next,
                              st_error *err);

/* A build partition over the memory limit: both sides of it are split by
** the next HJ_PART_BITS hash bits and joined sub-partition by sub-partition. */
static st_status hj_join_split(ex_op *op, hj_local *l, ex_thread *t, const hj_spill_side *bs,
                               const hj_spill_side *ps, int part, int shift, ex_emit *next,
                               st_error *err)
{
    hj_state *s = op->state;
    int sub = shift - HJ_PART_BITS;
    s->n_splits++;
    hj_spill_side *nb = hj_side_new(), *np = hj_side_new();
    st_status rc = nb && np ? ST_OK : hj_nomem(err);
    if (rc == ST_OK)
        rc = hj_split(op, t, bs, part, s->brow_types, s->n_keys + s->n_stored, nb, sub, err);
    if (rc == ST_OK)
        rc = hj_split(op, t, ps, part, s->prow_types, s->n_keys + s->n_probe, np, sub, err);
    for (int p = 0; rc == ST_OK && p < HJ_N_PARTS; p++)
        rc = hj_join_part(op, l, t, nb, np, p, sub, next, err);
    hj_side_destroy(nb);
    hj_side_destroy(np);
    st_free(nb);
    st_free(np);
    return rc;
}

/* Joins partition `part` of the spilled sides bs / ps (split by bits from
** `shift` up): in memory, or split further while it is over the limit and
** hash bits are left. */
static st_status hj_join_part(ex_op *op, hj_local *l, ex_thread *t, const hj_spill_side *bs,
                              const hj_spill_side *ps, int part, int shift, ex_emit *next,
                              st_error *err)
{
    hj_state *s = op->state;
    const hj_part *bp = &bs->parts[part], *pp = &ps->parts[part];
    if (pp->n == 0 && !(hj_keeps_null_build(s) && bp->n > 0)) return ST_OK;
    st_status rc = hj_check_cancel(op->q, err);
    if (rc != ST_OK) return rc;
    if (pp->n > 0 && bp->bytes * 2 > op->q->set.memory_limit &&
        shift > HJ_TOP_SHIFT - (HJ_MAX_LEVELS - 1) * HJ_PART_BITS)
        return hj_join_split(op, l, t, bs, ps, part, shift, next, err);
    hj_table tab;
    rc = hj_load_part(op, bs, bp, &tab, err);
    if (rc == ST_OK) rc = hj_probe_part(op, l, t, &tab, ps, pp, next, err);
    if (rc == ST_OK && hj_marks_build(s)) rc = hj_emit_unmatched(op, l, t, &tab, next, err);
    hj_table_free(op->q, &tab);
    return rc;
}

/* Grace: joins partition by partition on thread 0. */
static st_status hj_flush_spilled(ex_op *op, hj_local *l, ex_thread *t, ex_emit *next,
                                  st_error *err)
{
    hj_state *s = op->state;
    st_status rc = ST_OK;
    for (int p = 0; p < HJ_N_PARTS && rc == ST_OK; p++) {
        rc = hj_join_part(op, l, t, &s->bside, &s->pside, p, HJ_TOP_SHIFT, next, err);
        if (rc != ST_OK) st_error_context(err, "joining spilled partition %d", p);
    }
    return rc;
}

static st_status hj_flush(ex_op *op, void *local, ex_thread *t, ex_emit *next, st_error *err)
{
    hj_state *s = op->state;
    if (s->spilled) return hj_flush_spilled(op, local, t, next, err);
    if (hj_marks_build(s) && s->tab.matched)
        return hj_emit_unmatched(op, local, t, &s->tab, next, err);
    return ST_OK;
}

/* ---- lifecycle --------------------------------------------------------------------- */

static void hj_destroy(ex_op *op)
{
    hj_state *s = op->state;
    if (!s) return;
    hj_table_free(op->q, &s->tab);
    hj_free_blocks(op);
    st_free(s->arenas);
    st_arena_free(s->mm);
    hj_side_destroy(&s->bside);
    hj_side_destroy(&s->pside);
    pthread_mutex_destroy(&s->lock);
    st_free(s);
    op->state = NULL;
}

static st_status hj_explain(const ex_op *op, st_buf *out, st_error *err)
{
    const hj_state *s = op->state;
    const char *kind = (unsigned)s->kind < ST_ARRAY_LEN(hj_kind_names) ? hj_kind_names[s->kind]
                                                                       : "?";
    st_status rc = st_buf_printf(out, err, "%s%s", kind, s->null_aware ? " (null-aware)" : "");
    if (rc != ST_OK) return rc;
    if (!s->nlj) {
        if ((rc = st_buf_printf(out, err, " keys:")) != ST_OK) return rc;
        for (int k = 0; k < s->n_keys; k++)
            if ((rc = st_buf_printf(out, err, "%s #%d %s #%d", k ? "," : "", k,
                                    s->null_eq[k] ? "<=>" : "=", k)) != ST_OK)
                return rc;
    }
    rc = st_buf_printf(out, err, ", residual: %s, build rows: %" PRId64, s->residual ? "yes" : "no",
                       s->n_build_rows);
    if (rc == ST_OK && s->spilled)
        rc = st_buf_printf(out, err, ", spilled: %d partitions", HJ_N_PARTS);
    if (rc == ST_OK && s->n_splits)
        rc = st_buf_printf(out, err, " (%d repartitioned)", s->n_splits);
    if (rc == ST_OK && s->pruned) rc = st_buf_printf(out, err, ", probe scan pruned");
    if (rc == ST_OK && s->reducer)
        rc = st_buf_printf(out, err, ", reducer%s",
                           atomic_load(&s->bypass) ? " (bypassed: kept most rows)" : "");
    if (rc == ST_OK && s->tab.direct) rc = st_buf_printf(out, err, ", direct table");
    return rc;
}

static const ex_op_ops hj_ops = {
    .name = "HashJoin",
    .op_local = hj_op_local_new,
    .execute = hj_execute,
    .flush = hj_flush,
    .op_local_free = hj_op_local_free,
    .sink_local = hj_sink_local_new,
    .sink = hj_sink,
    .combine = hj_combine,
    .finalize = hj_finalize,
    .sink_local_free = hj_sink_local_free,
    .destroy = hj_destroy,
    .explain = hj_explain,
};

static const ex_op_ops nlj_ops = {
    .name = "NestedLoopJoin",
    .op_local = hj_op_local_new,
    .execute = hj_execute,
    .flush = hj_flush,
    .op_local_free = hj_op_local_free,
    .sink_local = hj_sink_local_new,
    .sink = hj_sink,
    .combine = hj_combine,
    .finalize = hj_finalize,
    .sink_local_free = hj_sink_local_free,
    .destroy = hj_destroy,
    .explain = hj_explain,
};

/* The byte comparison equal non-NULL values of type id need: equal values
** have equal bytes for integers, dates, timestamps, decimals (one scale on
** both sides) and strings; floats (NaN, -0.0) and the rest go through
** ex_value_equal. */
static hj_cmp hj_cmp_of(vec_type_id id)
{
    switch (id) {
    case VEC_INT8: case VEC_UINT8: return HJ_CMP_1;
    case VEC_INT16: case VEC_UINT16: return HJ_CMP_2;
    case VEC_INT32: case VEC_UINT32: case VEC_DATE: return HJ_CMP_4;
    case VEC_INT64: case VEC_UINT64: case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ: return HJ_CMP_8;
    case VEC_DECIMAL: return HJ_CMP_16;
    case VEC_STRING: case VEC_BINARY: return HJ_CMP_STR;
    default: return HJ_CMP_ANY;
    }
}

/* Checks the spec and copies its arrays into q->arena. */
static st_status hj_state_init(ex_query *q, const ex_join_spec *spec, hj_state *s, st_error *err)
{
    if ((unsigned)spec->kind > LP_JOIN_RIGHT_ANTI || spec->n_keys < 0 || spec->n_probe < 0 ||
        spec->n_build < 0 || (spec->n_keys > 0 && (!spec->probe_keys || !spec->build_keys)))
        return st_error_set(err, ST_ERR_INTERNAL, "bad join spec (kind %d, %d keys)",
                            (int)spec->kind, spec->n_keys);
    s->kind = spec->kind;
    s->nlj = spec->n_keys == 0;
    s->n_keys = spec->n_keys;
    s->n_probe = spec->n_probe;
    s->n_build = spec->n_build;
    bool keys_only = (spec->kind == LP_JOIN_SEMI || spec->kind == LP_JOIN_ANTI ||
                      spec->kind == LP_JOIN_MARK) && !spec->residual && spec->n_keys > 0;
    s->n_stored = keys_only ? 0 : spec->n_build;
    s->residual = spec->residual;
    s->null_aware = spec->null_aware;
    s->reducer = spec->reducer && spec->kind == LP_JOIN_SEMI;
    s->probe_scan = spec->probe_scan;
    s->probe_scan_col = spec->probe_scan_col;
    int nk = s->n_keys;
    s->probe_keys = st_arena_calloc(q->arena, (size_t)nk + 1, sizeof *s->probe_keys);
    s->build_keys = st_arena_calloc(q->arena, (size_t)nk + 1, sizeof *s->build_keys);
    s->null_eq = st_arena_calloc(q->arena, (size_t)nk + 1, sizeof *s->null_eq);
    s->cmp = st_arena_calloc(q->arena, (size_t)nk + 1, sizeof *s->cmp);
    s->brow_types = st_arena_calloc(q->arena, (size_t)(nk + s->n_build) + 1, sizeof(vec_type));
    s->prow_types = st_arena_calloc(q->arena, (size_t)(nk + s->n_probe) + 1, sizeof(vec_type));
    if (!s->probe_keys || !s->build_keys || !s->null_eq || !s->cmp || !s->brow_types ||
        !s->prow_types)
        return hj_nomem(err);
    for (int k = 0; k < nk; k++) {
        s->probe_keys[k] = spec->probe_keys[k];
        s->build_keys[k] = spec->build_keys[k];
        s->null_eq[k] = spec->null_eq ? spec->null_eq[k] : false;
        const vec_type *pt = ex_expr_type(s->probe_keys[k]), *bt = ex_expr_type(s->build_keys[k]);
        /* Hashes and ex_value_equal need one physical type on both sides
        ** (the optimizer casts keys to a common type); nested field names
        ** and decimal precision do not matter. */
        if (pt->id != bt->id || (pt->id == VEC_DECIMAL && pt->scale != bt->scale)) {
            char a[64], b[64];
            vec_type_format(pt, a, sizeof a);
            vec_type_format(bt, b, sizeof b);
            return st_error_set(err, ST_ERR_INTERNAL, "join key %d has types %s and %s", k + 1,
                                a, b);
        }
        s->prow_types[k] = *pt;
        s->brow_types[k] = *bt;
        s->cmp[k] = s->null_eq[k] ? HJ_CMP_ANY : hj_cmp_of(pt->id);
    }
    for (int c = 0; c < s->n_probe; c++) s->prow_types[nk + c] = spec->probe_types[c];
    for (int c = 0; c < s->n_build; c++) s->brow_types[nk + c] = spec->build_types[c];
    return ST_OK;
}

/* Output types: probe then build (SEMI / ANTI: probe; MARK: probe + bool;
** RIGHT SEMI / RIGHT ANTI: build). */
static st_status hj_out_types(ex_query *q, const ex_join_spec *spec, vec_type **out, int *n,
                              st_error *err)
{
    if (hj_right_only(spec->kind)) {
        vec_type *t = st_arena_calloc(q->arena, (size_t)spec->n_build + 1, sizeof *t);
        if (!t) return hj_nomem(err);
        for (int c = 0; c < spec->n_build; c++) t[c] = spec->build_types[c];
        *out = t;
        *n = spec->n_build;
        return ST_OK;
    }
    int m = spec->n_probe;
    if (spec->kind == LP_JOIN_MARK) m++;
    else if (spec->kind != LP_JOIN_SEMI && spec->kind != LP_JOIN_ANTI) m += spec->n_build;
    vec_type *t = st_arena_calloc(q->arena, (size_t)m + 1, sizeof *t);
    if (!t) return hj_nomem(err);
    for (int c = 0; c < spec->n_probe; c++) t[c] = spec->probe_types[c];
    if (spec->kind == LP_JOIN_MARK) t[spec->n_probe].id = VEC_BOOL;
    else
        for (int c = spec->n_probe; c < m; c++) t[c] = spec->build_types[c - spec->n_probe];
    *out = t;
    *n = m;
    return ST_OK;
}

/* The hash join; with spec->n_keys == 0 the nested-loop join (named
** NestedLoopJoin in EXPLAIN; ex_nljoin_new is the planner's entry for it). */
st_status ex_hashjoin_new(ex_query *q, const ex_join_spec *spec, ex_op **out, st_error *err)
{
    hj_state *s = st_calloc(1, sizeof *s);
    if (!s) return hj_nomem(err);
    s->mm = st_arena_new(4096);
    if (!s->mm) {
        st_free(s);
        return hj_nomem(err);
    }
    pthread_mutex_init(&s->lock, NULL);
    for (int p = 0; p < HJ_N_PARTS; p++) {
        pthread_mutex_init(&s->bside.parts[p].lock, NULL);
        pthread_mutex_init(&s->pside.parts[p].lock, NULL);
    }
    vec_type *types = NULL;
    int n_types = 0;
    st_status rc = hj_state_init(q, spec, s, err);
    if (rc == ST_OK) rc = hj_out_types(q, spec, &types, &n_types, err);
    ex_op *op = NULL;
    if (rc == ST_OK) {
        op = ex_op_new(q, spec->n_keys ? &hj_ops : &nlj_ops, types, n_types);
        if (!op) rc = hj_nomem(err);
    }
    if (rc != ST_OK) {
        ex_op tmp = {.q = q, .state = s};
        hj_destroy(&tmp);
        return rc;
    }
    op->state = s;
    *out = op;
    return ST_OK;
}
