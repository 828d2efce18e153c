/* pq_wchunk.c -- encodes one leaf column's buffered row group (pq_writer_int.h)
** as a Parquet column chunk: an optional dictionary page, then data pages
** (v1), each compressed on its own and preceded by a PageHeader carrying the
** CRC-32 of the compressed bytes; and fills the chunk's ColumnMetaData with
** encodings, sizes, offsets and Statistics. Called only by pq_writer.c.
**
** Chunk layout written:
**   [dictionary page: PageHeader | PLAIN values of the distinct entries]
**   data page*: PageHeader | [rep levels: u32 LE length | RLE hybrid]
**                            [def levels: u32 LE length | RLE hybrid]
**                            values: PLAIN, or RLE_DICTIONARY (1 byte bit
**                            width | RLE hybrid of dictionary indices)
** Rep levels are omitted when max_rep == 0, def levels when max_def == 0.
**
** Dictionary rule: every type but BOOLEAN first tries a dictionary built with
** an open-addressing hash table (integers hashed by a multiplicative mix,
** byte strings by XXH3). The chunk falls back to PLAIN as a whole as soon as
** the dictionary's PLAIN page would pass 1 MiB or it holds more than half as
** many entries as the chunk has values (a dictionary that small a saving is
** not worth the indirection for readers). Both limits only grow, so the
** build stops at the first value that breaks them. To spare the inserts of
** mostly-unique columns (keys, prices, comments), a chunk whose first 64Ki
** values are over 3/4 distinct also falls back then (see dict_looks_unique).
**
** Pages hold about page_bytes of uncompressed values (dictionary indices
** counted at their bit width); nested columns (max_rep > 0) are only split
** where a record starts (rep level 0), as readers expect.
**
** Statistics follow the column order of each type (parquet-format
** LogicalTypes.md): signed for signed integers, decimals, dates, times and
** timestamps; unsigned for UINT_x; IEEE order ignoring NaN for floats (all
** NaN: no min/max; a zero min is written -0.0, a zero max +0.0); unsigned
** byte-wise for strings and binary, truncated to 64 bytes (min: a prefix;
** max: a prefix with its last non-0xff byte incremented, or no max). For a
** dictionary chunk they are computed over the dictionary entries. */
#include "pq_writer_int.h"

#include <xxhash.h>

#include "pq_codec.h"
#include "pq_encoding.h"

#define STATS_MAX_BYTES 64            /* string/binary min/max truncation */

/* ---- scratch ------------------------------------------------------------- */

void pq_wscratch_destroy(pq_wscratch *s)
{
    st_buf_destroy(&s->page);
    st_buf_destroy(&s->cpage);
    st_buf_destroy(&s->hdr);
    st_buf_destroy(&s->dict);
    st_free(s->indices);
    st_free(s->slots);
    st_free(s->entry_pos);
    memset(s, 0, sizeof *s);
}

/* Grows a heap scratch array *p of *cap elements to at least n elements of
** elem bytes (contents not kept). */
static st_status scratch_grow(void **p, size_t *cap, size_t n, size_t elem, st_error *err)
{
    if (n <= *cap)
        return ST_OK;
    size_t bytes;
    if (!st_mul_size(n, elem, &bytes))
        return st_error_set(err, ST_ERR_NOMEM, "parquet writer scratch size overflow");
    void *q = st_malloc(bytes);
    if (!q)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory allocating %zu bytes of parquet "
                            "writer scratch", bytes);
    st_free(*p);
    *p = q;
    *cap = n;
    return ST_OK;
}

/* ---- dictionary building ------------------------------------------------- */

/* One open-addressing slot; idx1 == 0 marks an empty slot, else entry + 1.
** key is the value itself (fixed width) or its XXH3 hash (byte strings). */
typedef struct dict_slot {
    uint64_t key;            /* value bits or hash */
    uint32_t idx1;           /* dictionary entry + 1, 0 = empty */
    uint32_t len;            /* byte strings: value length */
} dict_slot;

typedef struct dict_table {
    dict_slot *slots;        /* borrowed: scratch */
    size_t     mask;         /* capacity - 1 (capacity a power of two) */
    int        shift;        /* 64 - log2(capacity), for the integer mix */
    size_t     n;            /* entries */
} dict_table;

#define DICT_MIN_SLOTS 1024

static st_status dict_table_init(pq_wscratch *s, dict_table *t, size_t cap, st_error *err)
{
    size_t have = s->cap_slots_bytes / sizeof(dict_slot);
    st_status rc = scratch_grow(&s->slots, &have, cap, sizeof(dict_slot), err);
    if (rc != ST_OK)
        return rc;
    s->cap_slots_bytes = have * sizeof(dict_slot);
    t->slots = s->slots;
    memset(t->slots, 0, cap * sizeof(dict_slot));
    t->mask = cap - 1;
    t->shift = 64 - __builtin_ctzll((unsigned long long)cap);
    t->n = 0;
    return ST_OK;
}

static inline size_t mix_int(uint64_t key, int shift)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> shift);
}

/* Doubles the table, reinserting every slot (integer tables rehash the key
** with the new shift; byte tables reuse the stored hash). */
static st_status dict_table_grow(pq_wscratch *s, dict_table *t, bool int_keys, st_error *err)
{
    size_t old_cap = t->mask + 1, cap = old_cap * 2;
    dict_slot *old = st_malloc(old_cap * sizeof(dict_slot));
    if (!old)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory growing a dictionary hash table");
    memcpy(old, t->slots, old_cap * sizeof(dict_slot));
    size_t n = t->n;
    st_status rc = dict_table_init(s, t, cap, err);
    if (rc != ST_OK) {
        st_free(old);
        return rc;
    }
    t->n = n;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].idx1 == 0)
            continue;
        size_t h = int_keys ? mix_int(old[i].key, t->shift) : (size_t)(old[i].key & t->mask);
        while (t->slots[h].idx1 != 0)
            h = (h + 1) & t->mask;
        t->slots[h] = old[i];
    }
    st_free(old);
    return ST_OK;
}

/* Looks key up, inserting it as entry t->n when absent (*inserted = true). */
static inline uint32_t dict_probe_int(dict_table *t, uint64_t key, bool *inserted)
{
    size_t h = mix_int(key, t->shift);
    for (;;) {
        dict_slot *sl = &t->slots[h];
        if (sl->idx1 == 0) {
            sl->key = key;
            sl->idx1 = (uint32_t)++t->n;
            *inserted = true;
            return sl->idx1 - 1;
        }
        if (sl->key == key) {
            *inserted = false;
            return sl->idx1 - 1;
        }
        h = (h + 1) & t->mask;
    }
}

/* After the first DICT_PROBE_VALUES values, a chunk whose values were more
** than 3/4 distinct gives up on its dictionary early (it would most likely
** pass a limit later, after costly inserts). A heuristic: a chunk that
** becomes repetitive only later is written PLAIN, which is still correct. */
#define DICT_PROBE_VALUES 65536

static bool dict_looks_unique(size_t n_entries, size_t seen)
{
    return n_entries * 4 > seen * 3;
}

/* Dictionary for 4- and 8-byte values. Hot loop: one probe per value.
** Sets *ok = false (and stops) when a limit is passed. */
static st_status dict_build_int(pq_wscratch *s, const pq_wleaf *l, size_t max_entries, bool *ok,
                                size_t *n_entries, st_error *err)
{
    size_t n = (size_t)l->n_values, w = (size_t)l->width;
    dict_table t;
    st_buf_clear(&s->dict);
    st_status rc = dict_table_init(s, &t, DICT_MIN_SLOTS, err);
    if (rc == ST_OK)
        rc = st_buf_reserve(&s->dict, max_entries * w, err);
    if (rc != ST_OK)
        return rc;
    const uint8_t *vals = l->values.data;
    uint32_t *idx = s->indices;
    uint8_t *dict = s->dict.data;
    uint64_t prev = 0;
    uint32_t prev_e = UINT32_MAX;
    *ok = false;
    for (size_t i = 0; i < n; i++) {
        uint64_t key = w == 4 ? st_load_le32(vals + i * 4) : st_load_le64(vals + i * 8);
        if (i == DICT_PROBE_VALUES && dict_looks_unique(t.n, i))
            return ST_OK;
        if (key == prev && prev_e != UINT32_MAX) {
            idx[i] = prev_e;    /* OPT: runs of one value skip the table */
            continue;
        }
        bool inserted;
        uint32_t e = dict_probe_int(&t, key, &inserted);
        idx[i] = e;
        prev = key;
        prev_e = e;
        if (!inserted)
            continue;
        if (t.n > max_entries)
            return ST_OK;
        memcpy(dict + (size_t)e * w, vals + i * w, w);
        if (t.n * 2 > t.mask + 1) {
            rc = dict_table_grow(s, &t, true, err);
            if (rc != ST_OK)
                return rc;
        }
    }
    s->dict.len = t.n * w;
    *n_entries = t.n;
    *ok = true;
    return ST_OK;
}

/* Dictionary for BYTE_ARRAY (length-prefixed) and FIXED_LEN_BYTE_ARRAY
** values. Entries point at their first occurrence in the values buffer. */
static st_status dict_build_bytes(pq_wscratch *s, const pq_wleaf *l, size_t max_entries,
                                  bool *ok, size_t *n_entries, st_error *err)
{
    size_t n = (size_t)l->n_values;
    bool prefixed = l->phys == PQ_BYTE_ARRAY;
    dict_table t;
    st_status rc = dict_table_init(s, &t, DICT_MIN_SLOTS, err);
    if (rc == ST_OK)
        rc = scratch_grow((void **)&s->entry_pos, &s->cap_entries, max_entries + 1,
                          sizeof(int64_t), err);
    if (rc != ST_OK)
        return rc;
    st_buf_clear(&s->dict);
    const uint8_t *vals = l->values.data;
    uint32_t *idx = s->indices;
    size_t pos = 0;
    *ok = false;
    for (size_t i = 0; i < n; i++) {
        uint32_t len = prefixed ? st_load_le32(vals + pos) : (uint32_t)l->width;
        size_t start = prefixed ? pos + 4 : pos;
        const uint8_t *p = vals + start;
        pos = start + len;
        if (i == DICT_PROBE_VALUES && dict_looks_unique(t.n, i))
            return ST_OK;
        uint64_t hash = XXH3_64bits(p, len);
        size_t h = (size_t)(hash & t.mask);
        for (;;) {
            dict_slot *sl = &t.slots[h];
            if (sl->idx1 == 0)
                break;
            if (sl->key == hash && sl->len == len &&
                st_memcmp(vals + s->entry_pos[sl->idx1 - 1], p, len) == 0)
                break;
            h = (h + 1) & t.mask;
        }
        dict_slot *sl = &t.slots[h];
        if (sl->idx1 != 0) {
            idx[i] = sl->idx1 - 1;
            continue;
        }
        /* new entry */
        if (t.n + 1 > max_entries || s->dict.len + len + 4 > PQ_W_DICT_MAX_BYTES)
            return ST_OK;
        sl->key = hash;
        sl->len = len;
        sl->idx1 = (uint32_t)(t.n + 1);
        s->entry_pos[t.n] = (int64_t)start;
        idx[i] = (uint32_t)t.n;
        t.n++;
        rc = st_buf_append(&s->dict, prefixed ? vals + start - 4 : p, prefixed ? len + 4 : len,
                           err);
        if (rc == ST_OK && t.n * 2 > t.mask + 1)
            rc = dict_table_grow(s, &t, false, err);
        if (rc != ST_OK)
            return rc;
    }
    *n_entries = t.n;
    *ok = true;
    return ST_OK;
}

/* Tries a dictionary for the chunk; *ok false means PLAIN. */
static st_status dict_build(pq_wscratch *s, const pq_wleaf *l, bool *ok, size_t *n_entries,
                            st_error *err)
{
    size_t n = (size_t)l->n_values;
    *ok = false;
    size_t max_entries = n / 2;
    /* each entry takes at least width (or 4 length) bytes of the page */
    max_entries = ST_MIN(max_entries, PQ_W_DICT_MAX_BYTES / (size_t)(l->width ? l->width : 4));
    if (max_entries == 0)
        return ST_OK;
    st_status rc = scratch_grow((void **)&s->indices, &s->cap_indices, n, sizeof(uint32_t), err);
    if (rc != ST_OK)
        return rc;
    if (l->phys == PQ_BYTE_ARRAY || l->phys == PQ_FIXED_LEN_BYTE_ARRAY)
        return dict_build_bytes(s, l, max_entries, ok, n_entries, err);
    return dict_build_int(s, l, max_entries, ok, n_entries, err);
}

/* ---- statistics ---------------------------------------------------------- */

typedef struct wstats {
    bool           has_minmax;
    uint8_t        fixed_min[16], fixed_max[16];  /* fixed-width min/max bytes */
    const uint8_t *min, *max;      /* point into fixed_* or the scanned buffer */
    size_t         min_len, max_len;
} wstats;

static void stats_i32(const uint8_t *vals, size_t n, bool is_unsigned, wstats *st)
{
    if (is_unsigned) {
        uint32_t mn = UINT32_MAX, mx = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t x = st_load_le32(vals + i * 4);
            mn = x < mn ? x : mn;
            mx = x > mx ? x : mx;
        }
        st_store_le32(st->fixed_min, mn);
        st_store_le32(st->fixed_max, mx);
    } else {
        int32_t mn = INT32_MAX, mx = INT32_MIN;
        for (size_t i = 0; i < n; i++) {
            int32_t x = (int32_t)st_load_le32(vals + i * 4);
            mn = x < mn ? x : mn;
            mx = x > mx ? x : mx;
        }
        st_store_le32(st->fixed_min, (uint32_t)mn);
        st_store_le32(st->fixed_max, (uint32_t)mx);
    }
    st->min_len = st->max_len = 4;
}

static void stats_i64(const uint8_t *vals, size_t n, bool is_unsigned, wstats *st)
{
    if (is_unsigned) {
        uint64_t mn = UINT64_MAX, mx = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t x = st_load_le64(vals + i * 8);
            mn = x < mn ? x : mn;
            mx = x > mx ? x : mx;
        }
        st_store_le64(st->fixed_min, mn);
        st_store_le64(st->fixed_max, mx);
    } else {
        int64_t mn = INT64_MAX, mx = INT64_MIN;
        for (size_t i = 0; i < n; i++) {
            int64_t x = (int64_t)st_load_le64(vals + i * 8);
            mn = x < mn ? x : mn;
            mx = x > mx ? x : mx;
        }
        st_store_le64(st->fixed_min, (uint64_t)mn);
        st_store_le64(st->fixed_max, (uint64_t)mx);
    }
    st->min_len = st->max_len = 8;
}

/* Floats: NaN never becomes min or max; a zero min is -0.0, a zero max +0.0
** (parquet-format's rule so that either zero is covered). */
static void stats_float(const uint8_t *vals, size_t n, bool is_double, wstats *st)
{
    double mn = 0, mx = 0;
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        double x;
        if (is_double) {
            memcpy(&x, vals + i * 8, 8);
        } else {
            float f;
            memcpy(&f, vals + i * 4, 4);
            x = f;
        }
        if (x != x)
            continue;
        if (!any) {
            mn = mx = x;
            any = true;
        }
        mn = x < mn ? x : mn;
        mx = x > mx ? x : mx;
    }
    if (!any) {
        st->has_minmax = false;
        return;
    }
    if (mn == 0)
        mn = -0.0;
    if (mx == 0)
        mx = 0.0;
    if (is_double) {
        memcpy(st->fixed_min, &mn, 8);
        memcpy(st->fixed_max, &mx, 8);
        st->min_len = st->max_len = 8;
    } else {
        float fmn = (float)mn, fmx = (float)mx;
        memcpy(st->fixed_min, &fmn, 4);
        memcpy(st->fixed_max, &fmx, 4);
        st->min_len = st->max_len = 4;
    }
}

/* Unsigned lexicographic order; a proper prefix sorts first. */
static int cmp_bytes(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    int c = st_memcmp(a, b, ST_MIN(na, nb));
    if (c != 0)
        return c;
    return na < nb ? -1 : na > nb;
}

static void stats_byte_array(const uint8_t *vals, size_t n, wstats *st)
{
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t len = st_load_le32(vals + pos);
        const uint8_t *p = vals + pos + 4;
        pos += 4 + (size_t)len;
        if (i == 0) {
            st->min = st->max = p;
            st->min_len = st->max_len = len;
            continue;
        }
        /* OPT: a first byte strictly between min's and max's decides */
        if (len > 0 && st->min_len > 0 && st->max_len > 0 && p[0] > st->min[0] &&
            p[0] < st->max[0])
            continue;
        if (cmp_bytes(p, len, st->min, st->min_len) < 0) {
            st->min = p;
            st->min_len = len;
        } else if (cmp_bytes(p, len, st->max, st->max_len) > 0) {
            st->max = p;
            st->max_len = len;
        }
    }
}

/* Big-endian two's complement of equal width: the sign byte compares
** signed, the rest unsigned. */
static int cmp_dec_be(const uint8_t *a, const uint8_t *b, size_t w)
{
    if (a[0] != b[0])
        return (int8_t)a[0] < (int8_t)b[0] ? -1 : 1;
    return memcmp(a + 1, b + 1, w - 1);
}

static void stats_dec_be(const uint8_t *vals, size_t n, size_t w, wstats *st)
{
    const uint8_t *mn = vals, *mx = vals;
    for (size_t i = 1; i < n; i++) {
        const uint8_t *p = vals + i * w;
        if (cmp_dec_be(p, mn, w) < 0)
            mn = p;
        else if (cmp_dec_be(p, mx, w) > 0)
            mx = p;
    }
    st->min = mn;
    st->max = mx;
    st->min_len = st->max_len = w;
}

static void stats_bool(const uint8_t *vals, size_t n, wstats *st)
{
    uint8_t mn = 1, mx = 0;
    for (size_t i = 0; i < n; i++) {
        mn &= vals[i];
        mx |= vals[i];
    }
    st->fixed_min[0] = mn;
    st->fixed_max[0] = mx;
    st->min_len = st->max_len = 1;
}

/* Min/max of n PLAIN values in vals (the chunk's values or its dictionary). */
static void stats_scan(const pq_wleaf *l, const uint8_t *vals, size_t n, wstats *st)
{
    memset(st, 0, sizeof *st);
    if (n == 0 || l->sort == PQ_WSORT_NONE)
        return;
    st->has_minmax = true;
    st->min = st->fixed_min;
    st->max = st->fixed_max;
    switch (l->sort) {
    case PQ_WSORT_BOOL:   stats_bool(vals, n, st); break;
    case PQ_WSORT_I32:    stats_i32(vals, n, false, st); break;
    case PQ_WSORT_U32:    stats_i32(vals, n, true, st); break;
    case PQ_WSORT_I64:    stats_i64(vals, n, false, st); break;
    case PQ_WSORT_U64:    stats_i64(vals, n, true, st); break;
    case PQ_WSORT_FLOAT:  stats_float(vals, n, false, st); break;
    case PQ_WSORT_DOUBLE: stats_float(vals, n, true, st); break;
    case PQ_WSORT_BYTES:  stats_byte_array(vals, n, st); break;
    case PQ_WSORT_DEC_BE: stats_dec_be(vals, n, (size_t)l->width, st); break;
    default:              st->has_minmax = false; break;
    }
}

static st_status arena_copy(st_arena *a, const uint8_t *p, size_t n, pq_bytes *out,
                            st_error *err)
{
    uint8_t *q = st_arena_alloc(a, n ? n : 1);
    if (!q)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory copying column statistics");
    if (n)
        memcpy(q, p, n);
    out->ptr = q;
    out->len = (int32_t)n;
    return ST_OK;
}

/* Fills out's min/max from st: byte strings truncated to STATS_MAX_BYTES,
** deprecated min/max too when the leaf's order is the signed one. */
static st_status stats_fill(const pq_wchunk_ctx *ctx, const pq_wleaf *l, const wstats *st,
                            pq_statistics *out, st_error *err)
{
    if (!st->has_minmax)
        return ST_OK;
    size_t min_len = st->min_len, max_len = st->max_len;
    bool max_ok = true;
    uint8_t maxbuf[STATS_MAX_BYTES];
    const uint8_t *maxp = st->max;
    out->is_min_value_exact = min_len <= STATS_MAX_BYTES;
    out->is_max_value_exact = max_len <= STATS_MAX_BYTES;
    if (min_len > STATS_MAX_BYTES)
        min_len = STATS_MAX_BYTES;
    if (max_len > STATS_MAX_BYTES) {
        /* smallest string of <= 64 bytes above every string with this prefix */
        memcpy(maxbuf, st->max, STATS_MAX_BYTES);
        max_len = STATS_MAX_BYTES;
        while (max_len > 0 && maxbuf[max_len - 1] == 0xff)
            max_len--;
        if (max_len == 0)
            max_ok = false;
        else
            maxbuf[max_len - 1]++;
        maxp = maxbuf;
    }
    st_status rc = arena_copy(ctx->meta_arena, st->min, min_len, &out->min_value, err);
    if (rc != ST_OK)
        return rc;
    out->has_min_value = out->has_is_min_exact = true;
    if (max_ok) {
        rc = arena_copy(ctx->meta_arena, maxp, max_len, &out->max_value, err);
        if (rc != ST_OK)
            return rc;
        out->has_max_value = out->has_is_max_exact = true;
    }
    if (l->legacy_stats) {
        out->min = out->min_value;
        out->max = out->max_value;
        out->has_min = out->has_max = true;
    }
    return ST_OK;
}

/* ---- pages --------------------------------------------------------------- */

typedef struct chunk_totals {
    int64_t uncompressed;    /* header + uncompressed body bytes */
    int64_t compressed;      /* header + compressed body bytes */
    int32_t n_data_pages;
} chunk_totals;

/* Compresses body, writes header h (sizes and CRC filled here) and the
** compressed body to the file. */
static st_status page_emit(const pq_wchunk_ctx *ctx, pq_page_header *h, const st_buf *body,
                           chunk_totals *tot, st_error *err)
{
    pq_wscratch *s = ctx->scratch;
    if (body->len > INT32_MAX)
        return st_error_set(err, ST_ERR_LIMIT, "parquet page of %zu bytes is over the 2 GiB "
                            "limit", body->len);
    const uint8_t *data = body->data;
    size_t clen = body->len;
    if (ctx->codec != PQ_CODEC_UNCOMPRESSED) {
        st_buf_clear(&s->cpage);
        st_status rc = pq_compress(ctx->codec, ctx->level, body->data, body->len, &s->cpage,
                                   err);
        if (rc != ST_OK)
            return rc;
        data = s->cpage.data;
        clen = s->cpage.len;
        if (clen > INT32_MAX)
            return st_error_set(err, ST_ERR_LIMIT, "compressed parquet page of %zu bytes is "
                                "over the 2 GiB limit", clen);
    }
    h->uncompressed_page_size = (int32_t)body->len;
    h->compressed_page_size = (int32_t)clen;
    h->has_crc = true;
    h->crc = (int32_t)pq_crc32(data, clen);
    st_buf_clear(&s->hdr);
    st_status rc = pq_meta_write_page_header(&s->hdr, h, err);
    if (rc == ST_OK)
        rc = pq_wout_write(ctx->out, s->hdr.data, s->hdr.len, err);
    if (rc == ST_OK)
        rc = pq_wout_write(ctx->out, data, clen, err);
    if (rc != ST_OK)
        return rc;
    tot->uncompressed += (int64_t)(s->hdr.len + body->len);
    tot->compressed += (int64_t)(s->hdr.len + clen);
    return ST_OK;
}

/* Appends levels[0..n) as u32 LE length + RLE hybrid. */
static st_status put_levels(st_buf *page, const uint16_t *levels, size_t n, int max_level,
                            st_error *err)
{
    st_status rc = st_buf_reserve(page, 4, err);
    if (rc != ST_OK)
        return rc;
    size_t at = page->len;
    page->len += 4;
    rc = pq_rle_encode_u16(levels, n, pq_bit_width((uint64_t)max_level), page, err);
    if (rc != ST_OK)
        return rc;
    size_t len = page->len - at - 4;
    if (len > INT32_MAX)
        return st_error_set(err, ST_ERR_LIMIT, "parquet level run of %zu bytes is too long", len);
    st_store_le32(page->data + at, (uint32_t)len);
    return ST_OK;
}

/* OPT: n levels all equal to level (a page without nulls), as the single RLE
** run the hybrid encoder would produce, without scanning them. */
static st_status put_level_run(st_buf *page, size_t n, int level, st_error *err)
{
    st_status rc = st_buf_reserve(page, 4 + 10 + 2, err);
    if (rc != ST_OK)
        return rc;
    uint8_t *p = page->data + page->len + 4, *start = p;
    if (n > 0) {
        uint64_t hdr = (uint64_t)n << 1;
        while (hdr >= 0x80) {
            *p++ = (uint8_t)(hdr | 0x80);
            hdr >>= 7;
        }
        *p++ = (uint8_t)hdr;
        int bw = pq_bit_width((uint64_t)level);
        for (int b = 0; b < bw; b += 8)
            *p++ = (uint8_t)(level >> b);
    }
    st_store_le32(page->data + page->len, (uint32_t)(p - start));
    page->len += 4 + (size_t)(p - start);
    return ST_OK;
}

/* PLAIN BOOLEAN: LSB-first bits from one byte 0/1 per value. */
static st_status put_bools(st_buf *page, const uint8_t *vals, size_t n, st_error *err)
{
    size_t nb = (n + 7) / 8;
    st_status rc = st_buf_reserve(page, nb, err);
    if (rc != ST_OK)
        return rc;
    uint8_t *o = page->data + page->len;
    size_t full = n / 8;
    for (size_t k = 0; k < full; k++) {
        const uint8_t *v = vals + k * 8;
        o[k] = (uint8_t)(v[0] | v[1] << 1 | v[2] << 2 | v[3] << 3 | v[4] << 4 | v[5] << 5 |
                         v[6] << 6 | v[7] << 7);
    }
    if (full < nb) {
        uint8_t b = 0;
        for (size_t i = full * 8; i < n; i++)
            b |= (uint8_t)(vals[i] << (i & 7));
        o[full] = b;
    }
    page->len += nb;
    return ST_OK;
}

/* The chunk being paged: which encoding and where each page ends. */
typedef struct page_walk {
    const pq_wleaf *l;
    const uint16_t *def, *rep;  /* NULL when the level is absent */
    bool     dict;              /* RLE_DICTIONARY values */
    int      dict_bits;         /* index bit width */
    int64_t  target_bits;       /* page size goal in bits of values */
    int64_t  e, v;              /* next entry, next value */
    size_t   pos;               /* next value's byte offset in l->values */
} page_walk;

/* Advances pw past one page; returns the page's first entry/value/byte. */
static void page_next(page_walk *pw, int64_t *e0, int64_t *v0, size_t *p0)
{
    const pq_wleaf *l = pw->l;
    *e0 = pw->e;
    *v0 = pw->v;
    *p0 = pw->pos;
    int64_t e = pw->e, v = pw->v, n = l->n_entries;
    size_t pos = pw->pos;
    int64_t vbits = pw->dict ? pw->dict_bits : l->phys == PQ_BOOLEAN ? 1 : l->width * 8;
    bool varlen = !pw->dict && l->phys == PQ_BYTE_ARRAY;
    /* dense: no nulls and no repetition, entry k is value k */
    bool dense = !pw->rep && (!pw->def || l->n_values == l->n_entries);
    int64_t bits = 0;
    const uint8_t *vals = l->values.data;
    if (dense && !varlen) {
        /* OPT: fixed-width values: the page size is arithmetic */
        int64_t vb = ST_MAX(vbits, 1);
        int64_t k = ST_MAX(1, (pw->target_bits + vb - 1) / vb);  /* as the walk below */
        k = ST_MIN(k, ST_MIN(n - e, (int64_t)PQ_W_PAGE_MAX_ENTRIES));
        pw->e = e + k;
        pw->v = v + k;
        pw->pos = (size_t)pw->v * (size_t)l->width;
        return;
    }
    if (dense) {
        /* OPT: byte arrays without nulls: only their lengths matter */
        while (e < n && (e == *e0 || (bits < pw->target_bits &&
                                      e - *e0 < PQ_W_PAGE_MAX_ENTRIES))) {
            size_t len = st_load_le32(vals + pos);
            pos += 4 + len;
            bits += (int64_t)(4 + len) * 8;
            e++;
        }
        pw->e = pw->v = e;
        pw->pos = pos;
        return;
    }
    while (e < n) {
        if (e > *e0 && (bits >= pw->target_bits || e - *e0 >= PQ_W_PAGE_MAX_ENTRIES) &&
            (!pw->rep || pw->rep[e] == 0))
            break;
        if (!pw->def || pw->def[e] == l->max_def) {
            if (varlen) {
                size_t len = st_load_le32(vals + pos);
                pos += 4 + len;
                bits += (int64_t)(4 + len) * 8;
            } else {
                bits += vbits;
            }
            v++;
        }
        e++;
    }
    pw->e = e;
    pw->v = v;
    pw->pos = varlen ? pos : (size_t)v * (size_t)l->width;
}

/* Builds and writes one data page covering entries [e0, pw->e). */
static st_status page_write(const pq_wchunk_ctx *ctx, const page_walk *pw, int64_t e0,
                            int64_t v0, size_t p0, chunk_totals *tot, st_error *err)
{
    const pq_wleaf *l = pw->l;
    st_buf *page = &ctx->scratch->page;
    size_t ne = (size_t)(pw->e - e0), nv = (size_t)(pw->v - v0);
    st_status rc = ST_OK;
    st_buf_clear(page);
    if (pw->rep)
        rc = put_levels(page, pw->rep + e0, ne, l->max_rep, err);
    if (rc == ST_OK && l->max_def > 0)
        rc = ne == nv ? put_level_run(page, ne, l->max_def, err)
                      : put_levels(page, pw->def + e0, ne, l->max_def, err);
    if (rc != ST_OK)
        return rc;
    if (pw->dict) {
        rc = st_buf_append_byte(page, (uint8_t)pw->dict_bits, err);
        if (rc == ST_OK)
            rc = pq_rle_encode_u32(ctx->scratch->indices + v0, nv, pw->dict_bits, page, err);
    } else if (l->phys == PQ_BOOLEAN) {
        rc = put_bools(page, l->values.data + v0, nv, err);
    } else {
        rc = st_buf_append(page, l->values.data + p0, pw->pos - p0, err);
    }
    if (rc != ST_OK)
        return rc;
    pq_page_header h;
    memset(&h, 0, sizeof h);
    h.type = PQ_PAGE_DATA;
    h.has_data_page = true;
    h.data_page.num_values = (int32_t)ne;
    h.data_page.encoding = pw->dict ? PQ_ENC_RLE_DICTIONARY : PQ_ENC_PLAIN;
    h.data_page.definition_level_encoding = PQ_ENC_RLE;
    h.data_page.repetition_level_encoding = PQ_ENC_RLE;
    tot->n_data_pages++;
    return page_emit(ctx, &h, page, tot, err);
}

static st_status dict_page_write(const pq_wchunk_ctx *ctx, size_t n_entries, chunk_totals *tot,
                                 st_error *err)
{
    pq_page_header h;
    memset(&h, 0, sizeof h);
    h.type = PQ_PAGE_DICTIONARY;
    h.has_dictionary_page = true;
    h.dictionary_page.num_values = (int32_t)n_entries;
    h.dictionary_page.encoding = PQ_ENC_PLAIN;
    return page_emit(ctx, &h, &ctx->scratch->dict, tot, err);
}

/* ---- column metadata ----------------------------------------------------- */

static st_status meta_fill(const pq_wchunk_ctx *ctx, const pq_wleaf *l, bool dict,
                           const chunk_totals *tot, pq_column_meta *m, st_error *err)
{
    int encs[3], n_enc = 0;
    encs[n_enc++] = PQ_ENC_PLAIN;
    if (l->max_def > 0 || l->max_rep > 0)
        encs[n_enc++] = PQ_ENC_RLE;
    if (dict)
        encs[n_enc++] = PQ_ENC_RLE_DICTIONARY;
    m->encodings = st_arena_alloc(ctx->meta_arena, sizeof(int) * (size_t)n_enc);
    m->encoding_stats = st_arena_calloc(ctx->meta_arena, 2, sizeof(pq_page_encoding_stats));
    if (!m->encodings || !m->encoding_stats)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory recording column chunk metadata");
    memcpy(m->encodings, encs, sizeof(int) * (size_t)n_enc);
    m->n_encodings = n_enc;
    int ns = 0;
    if (dict)
        m->encoding_stats[ns++] = (pq_page_encoding_stats){PQ_PAGE_DICTIONARY, PQ_ENC_PLAIN, 1};
    m->encoding_stats[ns++] = (pq_page_encoding_stats){
        PQ_PAGE_DATA, dict ? PQ_ENC_RLE_DICTIONARY : PQ_ENC_PLAIN, tot->n_data_pages};
    m->n_encoding_stats = ns;
    m->type = l->phys;
    m->n_path = l->n_parts;
    m->path_in_schema = l->parts;
    m->codec = ctx->codec;
    m->num_values = l->n_entries;
    m->total_uncompressed_size = tot->uncompressed;
    m->total_compressed_size = tot->compressed;
    m->has_statistics = true;
    m->statistics.has_null_count = true;
    m->statistics.null_count = l->n_entries - l->n_values;
    return ST_OK;
}

st_status pq_wchunk_encode(const pq_wchunk_ctx *ctx, const pq_wleaf *l, pq_column_chunk *cc,
                           st_error *err)
{
    pq_wscratch *s = ctx->scratch;
    memset(cc, 0, sizeof *cc);
    int64_t start = ctx->out->offset;
    bool dict = false;
    size_t n_dict = 0;
    st_status rc = ST_OK;
    if (!ctx->no_dictionary && l->phys != PQ_BOOLEAN && l->n_values > 0 &&
        l->sort != PQ_WSORT_NONE)
        rc = dict_build(s, l, &dict, &n_dict, err);
    if (rc != ST_OK)
        return rc;
    wstats st;
    if (dict)
        stats_scan(l, s->dict.data, n_dict, &st);
    else
        stats_scan(l, l->values.data, (size_t)l->n_values, &st);

    chunk_totals tot = {0, 0, 0};
    if (dict) {
        rc = dict_page_write(ctx, n_dict, &tot, err);
        if (rc != ST_OK)
            return rc;
    }
    int64_t data_start = ctx->out->offset;
    page_walk pw;
    memset(&pw, 0, sizeof pw);
    pw.l = l;
    pw.def = l->max_def > 0 && !l->def_implicit ? (const uint16_t *)l->def.data : NULL;
    pw.rep = l->max_rep > 0 ? (const uint16_t *)l->rep.data : NULL;
    pw.dict = dict;
    pw.dict_bits = dict ? ST_MAX(1, pq_bit_width(n_dict - 1)) : 0;
    pw.target_bits = ST_MAX(ctx->page_bytes, 1) * 8;
    do {    /* an empty chunk still gets one (empty) data page */
        int64_t e0, v0;
        size_t p0;
        page_next(&pw, &e0, &v0, &p0);
        rc = page_write(ctx, &pw, e0, v0, p0, &tot, err);
        if (rc != ST_OK)
            return rc;
    } while (pw.e < l->n_entries);

    pq_column_meta *m = &cc->meta_data;
    rc = meta_fill(ctx, l, dict, &tot, m, err);
    if (rc == ST_OK)
        rc = stats_fill(ctx, l, &st, &m->statistics, err);
    if (rc != ST_OK)
        return rc;
    m->data_page_offset = data_start;
    if (dict) {
        m->has_dictionary_page_offset = true;
        m->dictionary_page_offset = start;
    }
    cc->file_offset = start;
    cc->has_meta_data = true;
    return ST_OK;
}
