/* ex_hashagg.c -- the hash aggregate operator (GROUP BY, GROUPING SETS,
** ungrouped aggregates): a sink of its input and then the source of one row
** per group (group columns, aggregates, then the bigint grouping id when
** there are grouping sets). Design after DuckDB's partitioned hash
** aggregate (docs/sql-engine-plan.md).
**
** Sink: every thread owns a table split into HA_PARTS radix partitions by
** the high bits of the key hash (ex_hash_rows). Each partition is an open
** addressing index (slot = group id + 1 and a tag of hash bits, so most
** mismatches cost no other load) over its groups; a group keeps its hash,
** a pointer to its state row (one 16-aligned slot per aggregate, agg.h
** contract) and its key, stored column-wise in append-only key blocks (the
** new keys of one batch, copied with ex_chunk_take). When every key is an
** integer-like type (at most HA_FIX_MAX keys), each group's keys are also
** kept packed as uint64s (their NULL mask in the slot tag): probing then
** compares integers and never chases the key blocks. A row with the same
** key as the row probed before it reuses that row's group. A batch is first
** put in "batch layout": the key columns (for grouping sets: the set's keys
** with the others NULL, plus the grouping id), then every aggregate's
** arguments (cast to cast_to), then the FILTER column of each aggregate
** that has one. The same layout is written to spill files.
**
** Memory: after every chunk a table reserves its growth (arena + index
** arrays) with ex_mem_reserve; once refused the table spills: rows whose
** group already exists are still aggregated, rows of new groups are written
** (batch layout) to the table's spill file and remembered per partition.
**
** Source: each source_next call works on one partition at a time, taken
** from a shared counter, so several threads finalize in parallel. The first
** table's partition is the destination: the other tables' groups of that
** partition are merged into it (ops->combine), then its spilled rows are
** aggregated, and the groups are emitted in chunks of batch_rows
** (ops->finalize). Memory created while merging lives in the source thread's
** work arena, released once the partition is emitted; the thread that
** finishes the last partition frees the sink tables and their reservations.
** Re-reading spilled rows is bounded the same way as the sink (hybrid hash):
** a round takes new groups while ex_mem_reserve agrees (and at least
** HA_MIN_ROUND of them, so every round progresses), aggregates the rows of
** groups it holds and writes the others to an overflow file. Those rows
** belong to no group of the round, so the round's groups are complete and
** are emitted; the next round re-reads the overflow.
**
** Invariants: a partition is touched by exactly one thread at a time (its
** table's sink thread, then the source thread that took it); groups of a
** key block are consecutive group ids; the ungrouped case uses a single
** partition and always yields exactly one row. */
#include "exec.h"

#include <inttypes.h>

#define HA_PART_BITS 5
#define HA_PARTS (1 << HA_PART_BITS)    /* radix partitions of a grouped table */
#define HA_MAX_GROUPS ((int64_t)INT32_MAX - 1)
#define HA_MIN_ROUND 4096                /* groups a source round takes even past the limit */
#define HA_FIX_MAX 4                     /* most key columns of the packed-key path */
#define HA_PREFETCH 16                   /* rows a probe's slot load is started ahead */

static const vec_type HA_BIGINT = {.id = VEC_INT64};

/* The new keys of one batch: groups [first, first + keys.n_rows). */
typedef struct ha_block {
    ex_chunk keys;          /* n_keys columns, in the arena of the insert */
    int64_t  first;         /* group id of row 0 */
} ha_block;

/* One slot of a partition's open addressing index. */
typedef struct ha_slot {
    uint32_t gid1;          /* group id + 1, 0 = empty slot */
    uint32_t tag;           /* hash bits 36..63 << 4 | NULL mask of the packed keys */
} ha_slot;

typedef struct ha_part {
    uint64_t  *hashes;      /* heap: hash of each group, n_groups of cap */
    uint8_t  **states;      /* heap: state row of each group (arena memory) */
    int32_t   *blk;         /* heap: key block of each group */
    uint64_t  *fkeys;       /* heap, packed-key path only: n_fk packed keys per group */
    int        n_fk;        /* keys per group in fkeys (0: generic path) */
    int64_t    n_groups, cap;
    ha_slot   *slots;       /* heap: n_slots, a power of 2 */
    uint32_t   n_slots;
    ha_block  *blocks;      /* heap */
    int        n_blocks, cap_blocks;
    int32_t   *pend;        /* heap: input rows of the groups not yet in a block */
    int64_t    cap_pend;
    int64_t   *spills;      /* heap: spill handles of this partition's rows */
    int        n_spills, cap_spills;
} ha_part;

typedef struct ha_table {
    st_arena  *arena;       /* owned: key blocks, states, agg data of the sink */
    ex_spill  *spill;       /* owned, NULL until the table spills */
    bool       spilling;    /* the memory limit refused growth: new groups spill */
    int64_t    reserved;    /* bytes reserved from the query's limit */
    ha_part    parts[HA_PARTS];
} ha_table;

typedef struct ha_op {
    ex_query   *q;
    ex_agg_spec spec;       /* copied into q->arena */
    int         n_parts;    /* HA_PARTS, or 1 ungrouped */
    int         n_keys;     /* n_groups, + 1 (grouping id) with sets */
    bool        fixed;      /* 1..HA_FIX_MAX keys, all integer-like: packed-key path */
    int         n_argcols;  /* sum of n_args */
    int         n_batch;    /* columns of the batch layout */
    int        *arg_at;     /* per aggregate: first argument column in the layout */
    int        *filt_at;    /* per aggregate: filter column, or -1 */
    size_t     *off;        /* per aggregate: byte offset in the state row */
    size_t      row_size;   /* bytes per state row, multiple of 16, >= 16 */
    vec_type   *btypes;     /* types of the batch layout columns */
    pthread_mutex_t lock;   /* guards tables, n_tables */
    ha_table  **tables;     /* heap: combined thread tables (owned) */
    int         n_tables, cap_tables;
    _Atomic int next_part;  /* next partition a source thread takes */
    _Atomic int parts_done; /* partitions emitted; the last one frees the tables */
} ha_op;

typedef struct ha_sink_local {
    ha_table *tab;          /* owned until combine hands it to the op */
} ha_sink_local;

/* Handles of chunks in one spill file. */
typedef struct ha_runs {
    ex_spill *file;         /* owned, or NULL */
    int64_t  *h;            /* heap */
    int64_t   n, cap;
} ha_runs;

typedef struct ha_src_local {
    st_arena *work;         /* owned: the round being emitted */
    st_arena *tmp;          /* owned: scratch while building, reset per batch */
    int       part;         /* partition being emitted, -1 none */
    ha_part  *cur;          /* the round's groups: the first table's partition
                            ** (round 1) or &own (later rounds) */
    ha_part   own;          /* heap arrays of a later round */
    int64_t   base_bytes;   /* heap bytes cur had when the round started */
    int64_t   reserved;     /* bytes reserved or forced for this round */
    bool      overflowing;  /* the limit refused growth: new groups go to ovf */
    ha_runs   ovf;          /* rows of groups this round refused */
    ex_chunk  keys;         /* the round's keys, concatenated (work arena) */
    int64_t   pos;          /* next group to emit */
} ha_src_local;

static st_status nomem(st_error *err, const char *what)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory in hash aggregate (%s)", what);
}

/* ---- partitions ------------------------------------------------------------- */

static int64_t part_heap_bytes(const ha_part *p)
{
    return p->cap * (int64_t)(sizeof *p->hashes + sizeof *p->states + sizeof *p->blk) +
           p->cap * p->n_fk * (int64_t)sizeof *p->fkeys +
           (int64_t)p->n_slots * (int64_t)sizeof *p->slots +
           (int64_t)p->cap_blocks * (int64_t)sizeof *p->blocks +
           p->cap_pend * (int64_t)sizeof *p->pend +
           (int64_t)p->cap_spills * (int64_t)sizeof *p->spills;
}

static void part_free(ha_part *p)
{
    st_free(p->hashes);
    st_free(p->states);
    st_free(p->blk);
    st_free(p->fkeys);
    st_free(p->slots);
    st_free(p->blocks);
    st_free(p->pend);
    st_free(p->spills);
    memset(p, 0, sizeof *p);
}

static bool grow_array(void **arr, int64_t *cap, int64_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    int64_t n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    size_t bytes;
    if (!st_mul_size((size_t)n, elem, &bytes))
        return false;
    void *m = st_realloc(*arr, bytes);
    if (!m)
        return false;
    *arr = m;
    *cap = n;
    return true;
}

static inline uint32_t slot_tag(uint64_t hv, unsigned nulls)
{
    return ((uint32_t)(hv >> 32) & ~0xFu) | nulls;
}

/* Makes room for one more group: group arrays (packed keys when fixed)
** and the slot index (load factor at most 1/2, rebuilt from the stored
** hashes). */
static st_status part_reserve(ha_part *p, int nk, st_error *err)
{
    if (p->n_groups >= HA_MAX_GROUPS)
        return st_error_set(err, ST_ERR_LIMIT, "hash aggregate partition has more than %" PRId64
                            " groups", HA_MAX_GROUPS);
    if (p->n_groups == p->cap) {
        int64_t cap = p->cap;
        int64_t c1 = cap, c2 = cap;
        if (!grow_array((void **)&p->hashes, &cap, p->n_groups + 1, sizeof *p->hashes) ||
            !grow_array((void **)&p->states, &c1, p->n_groups + 1, sizeof *p->states) ||
            !grow_array((void **)&p->blk, &c2, p->n_groups + 1, sizeof *p->blk))
            return nomem(err, "group arrays");
        int64_t c3 = p->cap;
        if (nk > 0 && !grow_array((void **)&p->fkeys, &c3, p->n_groups + 1,
                                  (size_t)nk * sizeof *p->fkeys))
            return nomem(err, "group keys");
        p->cap = cap;
        p->n_fk = nk;
    }
    if ((uint64_t)(p->n_groups + 1) * 2 <= p->n_slots)
        return ST_OK;
    uint32_t n = p->n_slots ? p->n_slots * 2 : 64;
    ha_slot *slots = st_calloc(n, sizeof *slots);
    if (!slots)
        return nomem(err, "slot index");
    uint32_t mask = n - 1;
    for (uint32_t i = 0; i < p->n_slots; i++) {
        if (!p->slots[i].gid1)
            continue;
        uint32_t s = (uint32_t)p->hashes[p->slots[i].gid1 - 1] & mask;
        while (slots[s].gid1)
            s = (s + 1) & mask;
        slots[s] = p->slots[i];
    }
    st_free(p->slots);
    p->slots = slots;
    p->n_slots = n;
    return ST_OK;
}

/* ex_value_equal(a, ia, b, ib, true) with the string compare inline. */
static inline bool col_equal(const vec *a, int64_t ia, const vec *b, int64_t ib)
{
    vec_type_id id = a->type->id;
    if ((id == VEC_STRING || id == VEC_BINARY) && b->type->id == id &&
        (a->validity == NULL || a->null_count == 0) &&
        (b->validity == NULL || b->null_count == 0)) {
        const int32_t *oa = vec_offsets(a), *ob = vec_offsets(b);
        int32_t la = oa[ia + 1] - oa[ia];
        if (la != ob[ib + 1] - ob[ib])
            return false;
        const uint8_t *pa = a->bytes + oa[ia], *pb = b->bytes + ob[ib];
        if (la <= 8) {
            for (int32_t k = 0; k < la; k++)
                if (pa[k] != pb[k])
                    return false;
            return true;
        }
        return st_memcmp(pa, pb, (size_t)la) == 0;
    }
    return ex_value_equal(a, ia, b, ib, true);
}

/* Rows ra and rb of keys have equal keys. */
static bool rows_equal(const ha_op *h, const ex_chunk *keys, int64_t ra, int64_t rb)
{
    for (int c = 0; c < h->n_keys; c++)
        if (!col_equal(keys->cols[c], ra, keys->cols[c], rb))
            return false;
    return true;
}

/* Key of group g equals row r of keys. Groups from `committed` on are still
** pending: their key is row pend[g - committed] of keys itself. */
static bool key_equal(const ha_op *h, const ha_part *p, int64_t g, int64_t committed,
                      const ex_chunk *keys, int64_t r)
{
    const ex_chunk *other = keys;
    int64_t row;
    if (g >= committed) {
        row = p->pend[g - committed];
    } else {
        const ha_block *b = &p->blocks[p->blk[g]];
        other = &b->keys;
        row = g - b->first;
    }
    for (int c = 0; c < h->n_keys; c++)
        if (!col_equal(other->cols[c], row, keys->cols[c], r))
            return false;
    return true;
}

/* A new group for row r: state row in a (initialised), pending key. */
static st_status part_add(const ha_op *h, ha_part *p, st_arena *a, uint64_t hv, int32_t r,
                          int64_t committed, uint32_t slot, unsigned nulls,
                          st_error *err)
{
    int64_t k = p->n_groups - committed;
    if (!grow_array((void **)&p->pend, &p->cap_pend, k + 1, sizeof *p->pend))
        return nomem(err, "pending keys");
    uint8_t *st = st_arena_alloc(a, h->row_size);
    if (!st)
        return nomem(err, "group states");
    for (int j = 0; j < h->spec.n_aggs; j++)
        h->spec.fns[j]->ops->init(h->spec.fns[j], st + h->off[j]);
    int64_t g = p->n_groups++;
    p->hashes[g] = hv;
    p->states[g] = st;
    p->pend[k] = r;
    p->slots[slot] = (ha_slot){(uint32_t)g + 1, slot_tag(hv, nulls)};
    return ST_OK;
}

/* Copies the keys of the groups added since `committed` into a new block. */
static st_status part_commit(const ha_op *h, ha_part *p, st_arena *a, const ex_chunk *keys,
                             int64_t committed, st_error *err)
{
    int64_t n = p->n_groups - committed;
    if (n == 0)
        return ST_OK;
    if (p->n_blocks == p->cap_blocks) {
        int64_t cap = p->cap_blocks;
        if (!grow_array((void **)&p->blocks, &cap, p->n_blocks + 1, sizeof *p->blocks) ||
            cap > INT32_MAX)
            return nomem(err, "key blocks");
        p->cap_blocks = (int)cap;
    }
    ha_block *b = &p->blocks[p->n_blocks];
    memset(b, 0, sizeof *b);
    b->first = committed;
    if (h->n_keys > 0) {
        ex_chunk view = {keys->n_rows, h->n_keys, keys->cols};
        st_status rc = ex_chunk_take(a, &view, p->pend, n, &b->keys, err);
        if (rc != ST_OK)
            return rc;
    } else {
        b->keys.n_rows = n;
    }
    for (int64_t g = committed; g < p->n_groups; g++)
        p->blk[g] = p->n_blocks;
    p->n_blocks++;
    return ST_OK;
}

/* Starts loading the home slot of rows[k] (a hint: the index may still
** grow before that row is probed). */
static inline void slot_prefetch(const ha_part *p, const uint64_t *hashes, const int32_t *rows,
                                 int64_t k, int64_t n)
{
    if (k < n && p->n_slots > 0)
        __builtin_prefetch(&p->slots[(uint32_t)hashes[rows ? rows[k] : k] & (p->n_slots - 1)]);
}

/* Key types of the packed-key path: values that fit a uint64 exactly. */
static bool fix_type(vec_type_id id)
{
    switch (id) {
    case VEC_BOOL: case VEC_INT8: case VEC_INT16: case VEC_INT32: case VEC_DATE:
    case VEC_INT64: case VEC_TIME: case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ:
    case VEC_UINT8: case VEC_UINT16: case VEC_UINT32: case VEC_UINT64:
        return true;
    default:
        return false;
    }
}

/* Row r of a fix_type column as a uint64 (equal values, equal results). */
static inline uint64_t fix_load(const vec *v, int64_t r)
{
    const void *x = v->values;
    switch (v->type->id) {
    case VEC_INT32: case VEC_DATE: return (uint64_t)(int64_t)((const int32_t *)x)[r];
    case VEC_INT64: case VEC_TIME: case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ:
    case VEC_UINT64: return ((const uint64_t *)x)[r];
    case VEC_BOOL: return vec_bit_get(x, r);
    case VEC_INT8: return (uint64_t)(int64_t)((const int8_t *)x)[r];
    case VEC_INT16: return (uint64_t)(int64_t)((const int16_t *)x)[r];
    case VEC_UINT8: return ((const uint8_t *)x)[r];
    case VEC_UINT16: return ((const uint16_t *)x)[r];
    case VEC_UINT32: return ((const uint32_t *)x)[r];
    default: return 0;
    }
}

/* part_lookup for packed keys: every group's keys are in p->fkeys and
** their NULL mask in its slot's tag, so probing compares integers and
** never touches the key blocks. */
static st_status part_lookup_fixed(const ha_op *h, ha_part *p, st_arena *a, const ex_chunk *keys,
                                   const uint64_t *hashes, const int32_t *rows, int64_t n,
                                   bool may_add, uint8_t **sts, st_error *err)
{
    int64_t committed = p->n_groups;
    int nk = h->n_keys;
    const vec *const *kc = (const vec *const *)keys->cols;
    bool nullable = false;
    for (int c = 0; c < nk; c++)
        nullable |= kc[c]->validity != NULL && kc[c]->null_count != 0;
    bool one64 = nk == 1 && !nullable && (kc[0]->type->id == VEC_INT64 ||
                                         kc[0]->type->id == VEC_UINT64);
    st_status rc = ST_OK;
    uint64_t last_kv[HA_FIX_MAX] = {0}, last_hv = 0;   /* the previous row: runs of one */
    uint8_t last_nm = 0, *last_st = NULL;              /* key skip the probe */
    for (int64_t k = 0; k < n; k++) {
        int32_t r = rows ? rows[k] : (int32_t)k;
        uint64_t hv = hashes[r];
        slot_prefetch(p, hashes, rows, k + HA_PREFETCH, n);
        uint64_t kv[HA_FIX_MAX];
        uint8_t nm = 0;
        if (one64) {
            kv[0] = ((const uint64_t *)kc[0]->values)[r];
        } else {
            for (int c = 0; c < nk; c++) {
                if (nullable && !vec_is_valid(kc[c], r)) {
                    nm |= (uint8_t)(1u << c);
                    kv[c] = 0;
                } else {
                    kv[c] = fix_load(kc[c], r);
                }
            }
        }
        if (k > 0 && hv == last_hv && nm == last_nm) {
            bool same = true;
            for (int c = 0; c < nk; c++)
                same &= kv[c] == last_kv[c];
            if (same) {
                sts[k] = last_st;
                continue;
            }
        }
        if (may_add && (rc = part_reserve(p, nk, err)) != ST_OK)
            break;
        sts[k] = NULL;
        if (p->n_slots == 0)
            continue;
        uint32_t mask = p->n_slots - 1, s = (uint32_t)hv & mask;
        uint32_t tag = slot_tag(hv, nm);
        for (const ha_slot *e; (e = &p->slots[s])->gid1 != 0; s = (s + 1) & mask) {
            if (e->tag != tag)
                continue;
            uint32_t g = e->gid1 - 1;
            bool eq = true;
            for (int c = 0; c < nk && eq; c++)
                eq = p->fkeys[(int64_t)g * nk + c] == kv[c];
            if (eq) {
                sts[k] = p->states[g];
                break;
            }
        }
        if (!sts[k] && may_add) {
            int64_t g = p->n_groups;
            if ((rc = part_add(h, p, a, hv, r, committed, s, nm, err)) != ST_OK)
                break;
            sts[k] = p->states[g];
            memcpy(p->fkeys + g * nk, kv, (size_t)nk * sizeof *kv);
        }
        last_hv = hv;
        last_nm = nm;
        last_st = sts[k];
        for (int c = 0; c < nk; c++)
            last_kv[c] = kv[c];
    }
    if (rc == ST_OK)
        rc = part_commit(h, p, a, keys, committed, err);
    return rc;
}

/* Finds the group of rows[k] (k < n; rows NULL = row k) of keys, whose hash
** is hashes[row]; adds missing groups when may_add (state rows and key
** copies in arena a). sts[k] = the group's state row, or NULL when missing. */
static st_status part_lookup(const ha_op *h, ha_part *p, st_arena *a, const ex_chunk *keys,
                             const uint64_t *hashes, const int32_t *rows, int64_t n, bool may_add,
                             uint8_t **sts, st_error *err)
{
    if (h->fixed)
        return part_lookup_fixed(h, p, a, keys, hashes, rows, n, may_add, sts, err);
    int64_t committed = p->n_groups;
    st_status rc = ST_OK;
    int32_t last_r = -1;            /* the previous row: a run of one key skips the probe */
    for (int64_t k = 0; k < n && rc == ST_OK; k++) {
        int32_t r = rows ? rows[k] : (int32_t)k;
        uint64_t hv = hashes[r];
        slot_prefetch(p, hashes, rows, k + HA_PREFETCH, n);
        if (last_r >= 0 && hashes[last_r] == hv && rows_equal(h, keys, last_r, r)) {
            sts[k] = sts[k - 1];
            continue;
        }
        last_r = r;
        if (may_add && (rc = part_reserve(p, 0, err)) != ST_OK)
            break;
        sts[k] = NULL;
        if (p->n_slots == 0)
            continue;
        uint32_t mask = p->n_slots - 1, s = (uint32_t)hv & mask;
        uint32_t tag = slot_tag(hv, 0);
        for (const ha_slot *e; (e = &p->slots[s])->gid1 != 0; s = (s + 1) & mask) {
            uint32_t g = e->gid1 - 1;
            if (e->tag == tag && p->hashes[g] == hv &&
                key_equal(h, p, g, committed, keys, r)) {
                sts[k] = p->states[g];
                break;
            }
        }
        if (!sts[k] && may_add) {
            int64_t g = p->n_groups;
            if ((rc = part_add(h, p, a, hv, r, committed, s, 0, err)) == ST_OK)
                sts[k] = p->states[g];
        }
    }
    if (rc == ST_OK)
        rc = part_commit(h, p, a, keys, committed, err);
    return rc;
}

/* ---- folding a batch ------------------------------------------------------------ */

/* sel[i] = row i is not spilled and passes aggregate j's FILTER (TRUE). */
static const uint8_t *agg_sel(const ha_op *h, int j, const ex_chunk *b, const uint8_t *live,
                              uint8_t *sel)
{
    if (h->filt_at[j] < 0)
        return live;
    const vec *f = b->cols[h->filt_at[j]];
    for (int64_t i = 0; i < b->n_rows; i++) {
        bool ok = f->type->id == VEC_BOOL && vec_is_valid(f, i) &&
                  vec_bit_get(f->values, i);
        sel[i] = (uint8_t)(ok && (!live || live[i]));
    }
    return sel;
}

/* Runs every aggregate's update over the rows of batch b whose state row is
** base[i] (live: rows to fold, NULL = all). */
static st_status fold_updates(const ha_op *h, const ex_chunk *b, uint8_t **base,
                              const uint8_t *live, st_arena *data, st_arena *tmp, st_error *err)
{
    int64_t n = b->n_rows;
    void **st = st_arena_alloc(tmp, (size_t)n * sizeof *st);
    uint8_t *sel = st_arena_alloc(tmp, (size_t)n);
    if (!st || !sel)
        return nomem(err, "update arrays");
    for (int j = 0; j < h->spec.n_aggs; j++) {
        const agg_bound *f = h->spec.fns[j];
        for (int64_t i = 0; i < n; i++)
            st[i] = base[i] + h->off[j];
        const uint8_t *s = agg_sel(h, j, b, live, sel);
        st_status rc = f->ops->update(f, &h->q->fnctx, (const vec *const *)b->cols + h->arg_at[j],
                                      n, s, st, data, err);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

/* Writes rows idx[0..n) of batch b to the table's spill file for part p. */
static st_status spill_rows(const ha_op *h, ha_table *tab, ha_part *p, const ex_chunk *b,
                            const int32_t *idx, int64_t n, st_arena *tmp, st_error *err)
{
    st_status rc = ST_OK;
    if (!tab->spill && (rc = ex_spill_open(h->q, &tab->spill, err)) != ST_OK)
        return rc;
    ex_chunk c;
    if ((rc = ex_chunk_take(tmp, b, idx, n, &c, err)) != ST_OK)
        return rc;
    int64_t cap = p->cap_spills;
    if (!grow_array((void **)&p->spills, &cap, p->n_spills + 1, sizeof *p->spills) ||
        cap > INT32_MAX)
        return nomem(err, "spill handles");
    p->cap_spills = (int)cap;
    int64_t handle;
    if ((rc = ex_spill_write(tab->spill, &c, &handle, err)) != ST_OK)
        return rc;
    p->spills[p->n_spills++] = handle;
    return ST_OK;
}

/* Looks up rows pr[0..m) of b in p (adding groups when add): base[row] =
** the group's state row and live[row] = 1, or the dummy row and live 0 for
** a missing group; the missing rows are compacted to pr[0..*n_missing). */
static st_status fold_rows(const ha_op *h, ha_part *p, st_arena *data, const ex_chunk *b,
                           const uint64_t *hashes, int32_t *pr, int64_t m, bool add,
                           uint8_t **sts, uint8_t **base, uint8_t *live, uint8_t *dummy,
                           int64_t *n_missing, st_error *err)
{
    st_status rc = part_lookup(h, p, data, b, hashes, pr, m, add, sts, err);
    int64_t n_sp = 0;
    for (int64_t k = 0; k < m && rc == ST_OK; k++) {
        bool found = sts[k] != NULL;
        base[pr[k]] = found ? sts[k] : dummy;
        live[pr[k]] = found;
        if (!found)
            pr[n_sp++] = pr[k];         /* compacts in place: n_sp <= k */
    }
    *n_missing = n_sp;
    return rc;
}

/* Folds batch b (batch layout) into table tab. may_spill: rows of groups
** the table lacks go to its spill file when it is spilling. Only the
** partitions the rows hash to are touched. data: arena for new states and
** aggregate data; tmp: scratch. */
static st_status fold_batch(const ha_op *h, ha_table *tab, const ex_chunk *b, bool may_spill,
                            st_arena *data, st_arena *tmp, st_error *err)
{
    int64_t n = b->n_rows;
    if (n == 0)
        return ST_OK;
    uint64_t *hashes = st_arena_calloc(tmp, (size_t)n, sizeof *hashes);
    int32_t *rows = st_arena_alloc(tmp, (size_t)n * sizeof *rows);
    uint8_t **sts = st_arena_alloc(tmp, (size_t)n * sizeof *sts);
    uint8_t **base = st_arena_alloc(tmp, (size_t)n * sizeof *base);
    uint8_t *live = st_arena_alloc(tmp, (size_t)n);
    uint8_t *dummy = st_arena_calloc(tmp, 1, h->row_size);
    if (!hashes || !rows || !sts || !base || !live || !dummy)
        return nomem(err, "batch arrays");
    st_status rc = ST_OK;
    if (h->n_keys > 0 && (rc = ex_hash_rows((const vec *const *)b->cols, h->n_keys, n, hashes,
                                            err)) != ST_OK)
        return rc;
    for (int j = 0; j < h->spec.n_aggs; j++)
        h->spec.fns[j]->ops->init(h->spec.fns[j], dummy + h->off[j]);
    /* Counting sort of the rows by partition (high hash bits). */
    int64_t start[HA_PARTS + 1] = {0};
    int shift = 64 - HA_PART_BITS;
    for (int64_t i = 0; i < n; i++)
        start[h->n_parts > 1 ? (hashes[i] >> shift) + 1 : 1]++;
    for (int q = 0; q < HA_PARTS; q++)
        start[q + 1] += start[q];
    int64_t fill[HA_PARTS];
    memcpy(fill, start, sizeof fill);
    for (int64_t i = 0; i < n; i++)
        rows[fill[h->n_parts > 1 ? hashes[i] >> shift : 0]++] = (int32_t)i;
    bool any_spilled = false;
    bool add = !(may_spill && tab->spilling);
    for (int q = 0; q < h->n_parts && rc == ST_OK; q++) {
        int64_t m = start[q + 1] - start[q], n_sp = 0;
        if (m == 0)
            continue;
        ha_part *p = &tab->parts[q];
        int32_t *pr = rows + start[q];
        rc = fold_rows(h, p, data, b, hashes, pr, m, add, sts, base, live, dummy, &n_sp, err);
        if (rc == ST_OK && n_sp > 0) {
            any_spilled = true;
            rc = spill_rows(h, tab, p, b, pr, n_sp, tmp, err);
        }
    }
    if (rc == ST_OK)
        rc = fold_updates(h, b, base, any_spilled ? live : NULL, data, tmp, err);
    return rc;
}

/* ---- sink -------------------------------------------------------------------------- */

static void table_free(ha_op *h, ha_table *tab)
{
    if (!tab)
        return;
    for (int q = 0; q < HA_PARTS; q++)
        part_free(&tab->parts[q]);
    ex_spill_close(tab->spill);
    st_arena_free(tab->arena);
    ex_mem_release(h->q, tab->reserved);
    st_free(tab);
}

static ha_table *table_new(void)
{
    ha_table *tab = st_calloc(1, sizeof *tab);
    if (!tab)
        return NULL;
    tab->arena = st_arena_new(64 * 1024);
    if (!tab->arena) {
        st_free(tab);
        return NULL;
    }
    return tab;
}

/* Reserves the table's growth; a refusal switches it to spilling (the
** memory it already holds is forced: it cannot be given back). */
static void table_account(ha_op *h, ha_table *tab)
{
    int64_t fp = (int64_t)st_arena_bytes(tab->arena);
    for (int q = 0; q < h->n_parts; q++)
        fp += part_heap_bytes(&tab->parts[q]);
    int64_t delta = fp - tab->reserved;
    if (delta <= 0)
        return;
    if (tab->spilling || !ex_mem_reserve(h->q, delta)) {
        ex_mem_force(h->q, delta);
        /* An ungrouped table has one group: nothing worth spilling. */
        tab->spilling = h->n_keys > 0;
    }
    tab->reserved += delta;
}

static st_status ha_sink_local_new(ex_op *op, ex_thread *t, void **local, st_error *err)
{
    ha_sink_local *l = st_calloc(1, sizeof *l);
    if (!l || !(l->tab = table_new())) {
        st_free(l);
        return nomem(err, "thread table");
    }
    *local = l;
    return ST_OK;
}

static void ha_sink_local_free(ex_op *op, void *local)
{
    ha_sink_local *l = local;
    if (!l)
        return;
    table_free(op->state, l->tab);
    st_free(l);
}

/* Evaluates e over in, cast to `to` when given and different. */
static st_status eval_cast(const ha_op *h, const ex_expr *e, const vec_type *to, ex_thread *t,
                           const ex_chunk *in, vec **out, st_error *err)
{
    st_status rc = ex_expr_eval(e, t, in, out, err);
    if (rc != ST_OK || !to || to->id == VEC_NULL || vec_type_equal((*out)->type, to))
        return rc;
    return fn_cast(&h->q->fnctx, *out, to, false, in->n_rows, t->arena, out, err);
}

/* Grouping id of set s: bit (n_groups-1-g) for each group g not in s. */
static int64_t set_gid(const ha_op *h, int s)
{
    int64_t id = 0;
    for (int g = 0; g < h->spec.n_groups; g++)
        if (!((h->spec.sets[s] >> g) & 1))
            id |= (int64_t)1 << (h->spec.n_groups - 1 - g);
    return id;
}

/* The key columns of set s into cols[0..n_keys): the set's groups, NULL
** columns for the others, then the grouping id. */
static st_status set_keys(const ha_op *h, int s, vec **gcols, ex_thread *t, int64_t n,
                          vec **cols, st_error *err)
{
    st_status rc = ST_OK;
    for (int g = 0; g < h->spec.n_groups && rc == ST_OK; g++) {
        if ((h->spec.sets[s] >> g) & 1)
            cols[g] = gcols[g];
        else
            rc = vec_constant(t->arena, &h->btypes[g], NULL, n, &cols[g], err);
    }
    vec_scalar id = {.i64 = set_gid(h, s)};
    if (rc == ST_OK)
        rc = vec_constant(t->arena, &HA_BIGINT, &id, n, &cols[h->spec.n_groups], err);
    return rc;
}

static st_status ha_sink(ex_op *op, void *local, ex_thread *t, const ex_chunk *in, st_error *err)
{
    ha_op *h = op->state;
    ha_table *tab = ((ha_sink_local *)local)->tab;
    if (in->n_rows == 0)
        return ST_OK;
    ex_chunk b = {in->n_rows, h->n_batch, NULL};
    vec **gcols = st_arena_calloc(t->arena, (size_t)h->spec.n_groups + 1, sizeof *gcols);
    b.cols = st_arena_calloc(t->arena, (size_t)h->n_batch + 1, sizeof *b.cols);
    if (!gcols || !b.cols)
        return nomem(err, "batch columns");
    st_status rc = ST_OK;
    for (int g = 0; g < h->spec.n_groups && rc == ST_OK; g++)
        rc = ex_expr_eval(h->spec.groups[g], t, in, &gcols[g], err);
    for (int j = 0; j < h->spec.n_aggs && rc == ST_OK; j++) {
        const agg_bound *f = h->spec.fns[j];
        for (int k = 0; k < h->spec.n_args[j] && rc == ST_OK; k++)
            rc = eval_cast(h, h->spec.args[j][k], k < f->n_args ? &f->cast_to[k] : NULL, t, in,
                           &b.cols[h->arg_at[j] + k], err);
        if (rc == ST_OK && h->filt_at[j] >= 0)
            rc = ex_expr_eval(h->spec.filters[j], t, in, &b.cols[h->filt_at[j]], err);
    }
    if (rc != ST_OK)
        return rc;
    if (h->spec.n_sets == 0) {
        for (int g = 0; g < h->spec.n_groups; g++)
            b.cols[g] = gcols[g];
        rc = fold_batch(h, tab, &b, true, tab->arena, t->arena, err);
    }
    for (int s = 0; s < h->spec.n_sets && rc == ST_OK; s++) {
        rc = set_keys(h, s, gcols, t, in->n_rows, b.cols, err);
        if (rc == ST_OK)
            rc = fold_batch(h, tab, &b, true, tab->arena, t->arena, err);
    }
    if (rc == ST_OK)
        table_account(h, tab);
    return rc;
}

static st_status ha_combine(ex_op *op, void *local, ex_thread *t, st_error *err)
{
    ha_op *h = op->state;
    ha_sink_local *l = local;
    if (!l || !l->tab)
        return ST_OK;               /* a worker that never made a local state */
    st_status rc = ST_OK;
    pthread_mutex_lock(&h->lock);
    int64_t cap = h->cap_tables;
    if (grow_array((void **)&h->tables, &cap, h->n_tables + 1, sizeof *h->tables)) {
        h->cap_tables = (int)cap;
        h->tables[h->n_tables++] = l->tab;
        l->tab = NULL;
    } else {
        rc = nomem(err, "table list");
    }
    pthread_mutex_unlock(&h->lock);
    return rc;
}

static st_status ha_finalize(ex_op *op, st_error *err)
{
    ha_op *h = op->state;
    if (h->n_tables == 0) {
        /* No thread sank anything: one empty table keeps the source uniform
        ** (and gives the ungrouped aggregate its row). */
        ha_table *tab = table_new();
        h->tables = st_calloc(1, sizeof *h->tables);
        if (!tab || !h->tables) {
            table_free(h, tab);
            return nomem(err, "empty table");
        }
        h->cap_tables = 1;
        h->tables[h->n_tables++] = tab;
    }
    atomic_store(&h->next_part, 0);
    return ST_OK;
}

/* ---- source -------------------------------------------------------------------------- */

static st_status ha_source_init(ex_op *op, st_error *err)
{
    ha_op *h = op->state;
    if (atomic_load(&h->parts_done) > 0)
        return st_error_set(err, ST_ERR_INTERNAL, "hash aggregate result read twice");
    atomic_store(&h->next_part, 0);
    return ST_OK;
}

static st_status ha_source_local_new(ex_op *op, ex_thread *t, void **local, st_error *err)
{
    ha_src_local *l = st_calloc(1, sizeof *l);
    if (!l)
        return nomem(err, "source state");
    l->work = st_arena_new(64 * 1024);
    l->tmp = st_arena_new(64 * 1024);
    l->part = -1;
    if (!l->work || !l->tmp) {
        st_arena_free(l->work);
        st_arena_free(l->tmp);
        st_free(l);
        return nomem(err, "source arenas");
    }
    *local = l;
    return ST_OK;
}

static void runs_free(ha_runs *r)
{
    ex_spill_close(r->file);
    st_free(r->h);
    memset(r, 0, sizeof *r);
}

/* Ends the current round: releases its memory (the work arena, a later
** round's arrays, the reservation). */
static void src_round_done(ha_op *h, ha_src_local *l)
{
    part_free(&l->own);
    ex_mem_release(h->q, l->reserved);
    l->reserved = 0;
    st_arena_reset(l->work);
    memset(&l->keys, 0, sizeof l->keys);
    l->pos = 0;
    l->cur = NULL;
    l->overflowing = false;
}

/* Frees partition l->part of every table (it has been emitted). */
static void src_part_done(ha_op *h, ha_src_local *l)
{
    if (l->part < 0)
        return;
    src_round_done(h, l);
    runs_free(&l->ovf);
    for (int i = 0; i < h->n_tables; i++)
        part_free(&h->tables[i]->parts[l->part]);
    l->part = -1;
    /* seq_cst: every other partition's frees happen before its increment,
    ** so the thread completing the count is the last one using the tables. */
    if (atomic_fetch_add(&h->parts_done, 1) + 1 == h->n_parts) {
        for (int i = 0; i < h->n_tables; i++) {
            ha_table *tab = h->tables[i];
            st_arena_free(tab->arena);
            tab->arena = NULL;
            ex_spill_close(tab->spill);
            tab->spill = NULL;
            ex_mem_release(h->q, tab->reserved);
            tab->reserved = 0;
        }
    }
}

static void ha_source_local_free(ex_op *op, void *local)
{
    ha_src_local *l = local;
    if (!l)
        return;
    src_part_done(op->state, l);
    st_arena_free(l->work);
    st_arena_free(l->tmp);
    st_free(l);
}

/* Merges partition q of table src into dst (combine of every state). */
static st_status merge_part(const ha_op *h, ha_part *dst, const ha_part *src, st_arena *work,
                            st_arena *tmp, st_error *err)
{
    for (int bi = 0; bi < src->n_blocks; bi++) {
        const ha_block *b = &src->blocks[bi];
        int64_t n = b->keys.n_rows;
        st_arena_reset(tmp);
        uint8_t **sts = st_arena_alloc(tmp, (size_t)n * sizeof *sts);
        if (!sts)
            return nomem(err, "merge arrays");
        st_status rc = part_lookup(h, dst, work, &b->keys, src->hashes + b->first, NULL, n, true,
                                   sts, err);
        for (int64_t r = 0; r < n && rc == ST_OK; r++) {
            uint8_t *d = sts[r];
            const uint8_t *s = src->states[b->first + r];
            for (int j = 0; j < h->spec.n_aggs && rc == ST_OK; j++) {
                const agg_bound *f = h->spec.fns[j];
                rc = f->ops->combine(f, &h->q->fnctx, d + h->off[j], s + h->off[j], work, err);
            }
        }
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

/* Reserves the round's growth; once refused (and the round holds at least
** HA_MIN_ROUND groups, so every round makes progress) new groups overflow. */
static void round_account(ha_op *h, ha_src_local *l)
{
    int64_t fp = (int64_t)st_arena_bytes(l->work) + part_heap_bytes(l->cur) - l->base_bytes;
    int64_t delta = fp - l->reserved;
    if (delta <= 0)
        return;
    if (l->overflowing || !ex_mem_reserve(h->q, delta)) {
        ex_mem_force(h->q, delta);
        l->overflowing = l->cur->n_groups >= HA_MIN_ROUND;
    }
    l->reserved += delta;
}

/* Folds a re-read batch into the round: rows of groups the round has (or
** may still add) are aggregated, the others written to the overflow file
** `into` for a later round. */
static st_status round_fold(ha_op *h, ha_src_local *l, const ex_chunk *b, ha_runs *into,
                            st_error *err)
{
    int64_t n = b->n_rows, n_sp = 0;
    if (n == 0)
        return ST_OK;
    uint64_t *hashes = st_arena_calloc(l->tmp, (size_t)n, sizeof *hashes);
    int32_t *rows = st_arena_alloc(l->tmp, (size_t)n * sizeof *rows);
    uint8_t **sts = st_arena_alloc(l->tmp, (size_t)n * sizeof *sts);
    uint8_t **base = st_arena_alloc(l->tmp, (size_t)n * sizeof *base);
    uint8_t *live = st_arena_alloc(l->tmp, (size_t)n);
    uint8_t *dummy = st_arena_calloc(l->tmp, 1, h->row_size);
    if (!hashes || !rows || !sts || !base || !live || !dummy)
        return nomem(err, "batch arrays");
    for (int j = 0; j < h->spec.n_aggs; j++)
        h->spec.fns[j]->ops->init(h->spec.fns[j], dummy + h->off[j]);
    for (int64_t i = 0; i < n; i++)
        rows[i] = (int32_t)i;
    st_status rc = ST_OK;
    if (h->n_keys > 0)
        rc = ex_hash_rows((const vec *const *)b->cols, h->n_keys, n, hashes, err);
    if (rc == ST_OK)
        rc = fold_rows(h, l->cur, l->work, b, hashes, rows, n, !l->overflowing, sts, base, live,
                       dummy, &n_sp, err);
    if (rc == ST_OK && n_sp > 0) {
        ex_chunk c;
        int64_t handle, cap = into->cap;
        if (!into->file && (rc = ex_spill_open(h->q, &into->file, err)) != ST_OK)
            return rc;
        if ((rc = ex_chunk_take(l->tmp, b, rows, n_sp, &c, err)) != ST_OK ||
            (rc = ex_spill_write(into->file, &c, &handle, err)) != ST_OK)
            return rc;
        if (!grow_array((void **)&into->h, &cap, into->n + 1, sizeof *into->h))
            return nomem(err, "overflow handles");
        into->cap = cap;
        into->h[into->n++] = handle;
    }
    if (rc == ST_OK)
        rc = fold_updates(h, b, base, n_sp > 0 ? live : NULL, l->work, l->tmp, err);
    if (rc == ST_OK)
        round_account(h, l);
    return rc;
}

/* Folds the chunks `handles` of spill file f into the round. */
static st_status round_replay(ha_op *h, ha_src_local *l, ex_spill *f, const int64_t *handles,
                              int64_t n, ha_runs *into, st_error *err)
{
    for (int64_t i = 0; i < n; i++) {
        if (atomic_load(&h->q->cancelled))
            return st_error_set(err, ST_ERR_CANCELLED, "hash aggregate cancelled");
        st_arena_reset(l->tmp);
        ex_chunk c;
        st_status rc = ex_spill_read(f, handles[i], h->btypes, h->n_batch, l->tmp, &c, err);
        if (rc == ST_OK)
            rc = round_fold(h, l, &c, into, err);
        if (rc != ST_OK)
            return st_error_context(err, "reading back spilled aggregate rows");
    }
    return ST_OK;
}

/* Concatenates the round's keys for emission. */
static st_status round_keys(const ha_op *h, ha_src_local *l, st_error *err)
{
    const ha_part *p = l->cur;
    l->pos = 0;
    memset(&l->keys, 0, sizeof l->keys);
    l->keys.n_rows = p->n_groups;
    if (h->n_keys == 0 || p->n_blocks == 0)
        return ST_OK;
    if (p->n_blocks == 1) {
        l->keys = p->blocks[0].keys;
        return ST_OK;
    }
    const ex_chunk **parts = st_arena_alloc(l->work, (size_t)p->n_blocks * sizeof *parts);
    if (!parts)
        return nomem(err, "key list");
    for (int i = 0; i < p->n_blocks; i++)
        parts[i] = &p->blocks[i].keys;
    return ex_chunk_concat(l->work, parts, p->n_blocks, h->n_keys, &l->keys, err);
}

/* Round 1 of partition q: merges every table's groups of q into the first
** table's, then folds the rows the tables spilled for q. */
static st_status src_part_build(ha_op *h, ha_src_local *l, int q, st_error *err)
{
    ha_part *dst = &h->tables[0]->parts[q];
    l->part = q;
    l->cur = dst;
    l->base_bytes = part_heap_bytes(dst);
    st_status rc = ST_OK;
    for (int i = 1; i < h->n_tables && rc == ST_OK; i++)
        rc = merge_part(h, dst, &h->tables[i]->parts[q], l->work, l->tmp, err);
    if (rc == ST_OK)
        round_account(h, l);
    for (int i = 0; i < h->n_tables && rc == ST_OK; i++) {
        const ha_part *p = &h->tables[i]->parts[q];
        rc = round_replay(h, l, h->tables[i]->spill, p->spills, p->n_spills, &l->ovf, err);
    }
    if (rc == ST_OK && h->n_keys == 0 && dst->n_groups == 0) {
        /* Ungrouped over no rows: one group of empty states. */
        uint64_t zero = 0;
        uint8_t *gst;
        ex_chunk none = {1, 0, NULL};
        rc = part_lookup(h, dst, l->work, &none, &zero, NULL, 1, true, &gst, err);
    }
    return rc == ST_OK ? round_keys(h, l, err) : rc;
}

/* The next round of the current partition: the groups the previous round
** refused, re-read from its overflow file (which then closes). */
static st_status src_next_round(ha_op *h, ha_src_local *l, st_error *err)
{
    ha_runs in = l->ovf;
    memset(&l->ovf, 0, sizeof l->ovf);
    src_round_done(h, l);
    l->cur = &l->own;
    l->base_bytes = 0;
    st_status rc = round_replay(h, l, in.file, in.h, in.n, &l->ovf, err);
    runs_free(&in);
    return rc == ST_OK ? round_keys(h, l, err) : rc;
}

/* Emits groups [pos, pos + n) of the current partition into out. */
static st_status src_emit(ex_op *op, ha_src_local *l, ex_thread *t, int64_t n, ex_chunk *out,
                          st_error *err)
{
    ha_op *h = op->state;
    const ha_part *p = l->cur;
    out->n_rows = n;
    out->n_cols = op->n_types;
    out->cols = st_arena_calloc(t->arena, (size_t)op->n_types + 1, sizeof *out->cols);
    int32_t *idx = st_arena_alloc(t->arena, (size_t)n * sizeof *idx);
    void **st = st_arena_alloc(t->arena, (size_t)n * sizeof *st);
    if (!out->cols || !idx || !st)
        return nomem(err, "output chunk");
    for (int64_t i = 0; i < n; i++)
        idx[i] = (int32_t)(l->pos + i);
    st_status rc = ST_OK;
    int ng = h->spec.n_groups;
    for (int c = 0; c < h->n_keys && rc == ST_OK; c++) {
        int to = c < ng ? c : ng + h->spec.n_aggs;  /* the grouping id goes last */
        rc = vec_take(t->arena, l->keys.cols[c], idx, n, &out->cols[to], err);
    }
    for (int j = 0; j < h->spec.n_aggs && rc == ST_OK; j++) {
        const agg_bound *f = h->spec.fns[j];
        for (int64_t i = 0; i < n; i++)
            st[i] = p->states[l->pos + i] + h->off[j];
        rc = f->ops->finalize(f, &h->q->fnctx, st, n, t->arena, &out->cols[ng + j], err);
    }
    l->pos += n;
    return rc;
}

static st_status ha_source_next(ex_op *op, void *local, ex_thread *t, ex_chunk *out, bool *done,
                                st_error *err)
{
    ha_op *h = op->state;
    ha_src_local *l = local;
    *done = false;
    while (l->part < 0 || l->pos >= l->keys.n_rows) {
        if (l->part >= 0 && l->ovf.n > 0) {
            st_status rc = src_next_round(h, l, err);
            if (rc != ST_OK)
                return rc;
            continue;
        }
        src_part_done(h, l);
        int q = atomic_fetch_add(&h->next_part, 1);
        if (q >= h->n_parts) {
            *done = true;
            memset(out, 0, sizeof *out);
            return ST_OK;
        }
        st_status rc = src_part_build(h, l, q, err);
        if (rc != ST_OK)
            return rc;
    }
    int64_t n = ST_MIN(h->q->set.batch_rows, l->keys.n_rows - l->pos);
    return src_emit(op, l, t, n, out, err);
}

/* ---- operator ------------------------------------------------------------------------ */

static void ha_destroy(ex_op *op)
{
    ha_op *h = op->state;
    if (!h)
        return;
    for (int i = 0; i < h->n_tables; i++)
        table_free(h, h->tables[i]);
    st_free(h->tables);
    pthread_mutex_destroy(&h->lock);
    op->state = NULL;
}

static st_status ha_explain(const ex_op *op, st_buf *out, st_error *err)
{
    const ha_op *h = op->state;
    char buf[128];
    st_status rc = st_buf_append_str(out, "keys: ", err);
    for (int g = 0; g < h->spec.n_groups && rc == ST_OK; g++) {
        vec_type_format(&h->btypes[g], buf, sizeof buf);
        rc = st_buf_printf(out, err, "%s#%d%s", buf, g, g + 1 < h->spec.n_groups ? ", " : "");
    }
    if (rc == ST_OK && h->spec.n_groups == 0)
        rc = st_buf_append_str(out, "none", err);
    if (rc == ST_OK)
        rc = st_buf_append_str(out, ", aggregates: ", err);
    for (int j = 0; j < h->spec.n_aggs && rc == ST_OK; j++) {
        const agg_bound *f = h->spec.fns[j];
        rc = st_buf_printf(out, err, "%s%s(%s", j ? ", " : "", f->name,
                           f->distinct ? "DISTINCT " : "");
        for (int k = 0; k < h->spec.n_args[j] && rc == ST_OK; k++) {
            vec_type_format(&h->btypes[h->arg_at[j] + k], buf, sizeof buf);
            rc = st_buf_printf(out, err, "%s%s", k ? ", " : "", buf);
        }
        if (rc == ST_OK)
            rc = st_buf_append_str(out, h->spec.n_args[j] ? ")" : "*)", err);
        if (rc == ST_OK && h->filt_at[j] >= 0)
            rc = st_buf_append_str(out, " FILTER", err);
    }
    if (rc == ST_OK && h->spec.n_sets > 0)
        rc = st_buf_printf(out, err, ", grouping sets: %d", h->spec.n_sets);
    return rc;
}

static const ex_op_ops HA_OPS = {
    .name = "HashAggregate",
    .source_init = ha_source_init,
    .source_local = ha_source_local_new,
    .source_next = ha_source_next,
    .source_local_free = ha_source_local_free,
    .sink_local = ha_sink_local_new,
    .sink = ha_sink,
    .combine = ha_combine,
    .finalize = ha_finalize,
    .sink_local_free = ha_sink_local_free,
    .destroy = ha_destroy,
    .explain = ha_explain,
};

/* Copies n pointers (or ints) of src into a; NULL for n == 0. */
static bool dup_array(st_arena *a, const void *src, int n, size_t elem, void *out)
{
    void *d = NULL;
    if (n > 0 && src) {
        if (!(d = st_arena_alloc(a, (size_t)n * elem)))
            return false;
        memcpy(d, src, (size_t)n * elem);
    }
    memcpy(out, &d, sizeof d);
    return true;
}

/* The spec with its arrays copied into a (the expressions and bounds are
** borrowed: they live in the query arena already). */
static st_status copy_spec(st_arena *a, const ex_agg_spec *spec, ex_agg_spec *out, st_error *err)
{
    *out = *spec;
    bool ok = dup_array(a, spec->groups, spec->n_groups, sizeof *spec->groups, &out->groups) &&
              dup_array(a, spec->fns, spec->n_aggs, sizeof *spec->fns, &out->fns) &&
              dup_array(a, spec->args, spec->n_aggs, sizeof *spec->args, &out->args) &&
              dup_array(a, spec->n_args, spec->n_aggs, sizeof *spec->n_args, &out->n_args) &&
              dup_array(a, spec->filters, spec->n_aggs, sizeof *spec->filters, &out->filters) &&
              dup_array(a, spec->sets, spec->n_sets, sizeof *spec->sets, &out->sets);
    for (int j = 0; ok && j < spec->n_aggs; j++)
        ok = dup_array(a, spec->args[j], spec->n_args[j], sizeof *spec->args[j], &out->args[j]);
    return ok ? ST_OK : nomem(err, "spec");
}

/* Copies the spec's arrays into the query arena and lays out the batch
** columns and state rows. */
static st_status ha_layout(ex_query *q, ha_op *h, ex_agg_spec *dst, const ex_agg_spec *src,
                           st_error *err)
{
    st_arena *a = q->arena;
    st_status rc = copy_spec(a, src, dst, err);
    const ex_agg_spec *spec = dst;
    int na = spec->n_aggs;
    if (rc != ST_OK)
        return rc;
    h->n_keys = spec->n_groups + (spec->n_sets > 0);
    h->n_parts = h->n_keys > 0 ? HA_PARTS : 1;
    h->fixed = h->n_keys > 0 && h->n_keys <= HA_FIX_MAX;
    for (int g = 0; g < spec->n_groups; g++)
        h->fixed = h->fixed && fix_type(ex_expr_type(spec->groups[g])->id);
    h->arg_at = st_arena_calloc(a, (size_t)na + 1, sizeof *h->arg_at);
    h->filt_at = st_arena_calloc(a, (size_t)na + 1, sizeof *h->filt_at);
    h->off = st_arena_calloc(a, (size_t)na + 1, sizeof *h->off);
    if (!h->arg_at || !h->filt_at || !h->off)
        return nomem(err, "layout");
    int col = h->n_keys;
    size_t off = 0;
    for (int j = 0; j < na; j++) {
        if (spec->fns[j]->state_size % 16 != 0)
            return st_error_set(err, ST_ERR_INTERNAL, "aggregate %s has state size %zu, not a "
                                "multiple of 16", spec->fns[j]->name, spec->fns[j]->state_size);
        h->arg_at[j] = col;
        col += spec->n_args[j];
        h->off[j] = off;
        off += spec->fns[j]->state_size;
    }
    h->n_argcols = col - h->n_keys;
    for (int j = 0; j < na; j++)
        h->filt_at[j] = spec->filters && spec->filters[j] ? col++ : -1;
    h->n_batch = col;
    h->row_size = off ? off : 16;
    h->btypes = st_arena_calloc(a, (size_t)col + 1, sizeof *h->btypes);
    if (!h->btypes)
        return nomem(err, "layout");
    for (int g = 0; g < spec->n_groups; g++)
        h->btypes[g] = *ex_expr_type(spec->groups[g]);
    if (spec->n_sets > 0)
        h->btypes[spec->n_groups] = HA_BIGINT;
    for (int j = 0; j < na; j++) {
        const agg_bound *f = spec->fns[j];
        for (int k = 0; k < spec->n_args[j]; k++) {
            bool cast = k < f->n_args && f->cast_to[k].id != VEC_NULL;
            h->btypes[h->arg_at[j] + k] = cast ? f->cast_to[k] : *ex_expr_type(spec->args[j][k]);
        }
        if (h->filt_at[j] >= 0)
            h->btypes[h->filt_at[j]] = (vec_type){.id = VEC_BOOL};
    }
    return ST_OK;
}

st_status ex_hashagg_new(ex_query *q, const ex_agg_spec *spec, ex_op **out, st_error *err)
{
    if (spec->n_groups < 0 || spec->n_aggs < 0 || spec->n_sets < 0 ||
        (spec->n_sets > 0 && spec->n_groups > 63))
        return st_error_set(err, ST_ERR_INTERNAL, "hash aggregate with %d groups, %d aggregates "
                            "and %d grouping sets", spec->n_groups, spec->n_aggs, spec->n_sets);
    ha_op *h = st_arena_calloc(q->arena, 1, sizeof *h);
    if (!h)
        return nomem(err, "operator");
    h->q = q;
    st_status rc = ha_layout(q, h, &h->spec, spec, err);
    if (rc != ST_OK)
        return rc;
    int n_types = spec->n_groups + spec->n_aggs + (spec->n_sets > 0);
    vec_type *types = st_arena_calloc(q->arena, (size_t)n_types + 1, sizeof *types);
    if (!types)
        return nomem(err, "output types");
    for (int g = 0; g < spec->n_groups; g++)
        types[g] = h->btypes[g];
    for (int j = 0; j < spec->n_aggs; j++)
        types[spec->n_groups + j] = spec->fns[j]->ret;
    if (spec->n_sets > 0)
        types[n_types - 1] = HA_BIGINT;
    ex_op *op = ex_op_new(q, &HA_OPS, types, n_types);
    if (!op)
        return nomem(err, "operator");
    pthread_mutex_init(&h->lock, NULL);
    op->state = h;
    *out = op;
    return ST_OK;
}
