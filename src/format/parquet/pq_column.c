/* pq_column.c -- reads one leaf column chunk of one row group: page headers,
** CRC checks, decompression, definition/repetition levels and values in
** every encoding parquet-format defines for data pages, converted to the
** leaf's vector representation (pq_leaf.conv). Written by hand: no packaged
** C library decodes Parquet.
**
** The whole compressed chunk is read with one pread. Pages are decoded one
** at a time into page-level buffers (levels, converted fixed-width values or
** byte-string views); pq_col_read then hands out whole records, possibly
** spanning pages. Byte views point into the chunk, a decompressed page or
** the dictionary, so a page's buffers are retired (kept alive) until the
** next pq_col_read call. Peak memory: the compressed chunk, the dictionary,
** and the pages one batch touches.
**
** Data page v1 layout (after decompression):
**   [rep levels: u32 LE length + RLE]  when max_rep > 0
**   [def levels: u32 LE length + RLE]  when max_def > 0  (BIT_PACKED: no length)
**   values
** Data page v2: rep levels | def levels (both RLE, lengths in the header,
** never compressed) | values (compressed when is_compressed). */
#include "pq_int.h"

#include <math.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdio.h>

/* Most level entries one nested data page may hold (about 1 GiB of decode
** buffers); real pages hold far fewer. */
#define PQ_MAX_PAGE_ENTRIES (64 * 1024 * 1024)

typedef struct page_mem {
    uint8_t  *buf;    /* owned heap (decompressed page), or NULL */
    st_arena *arena;  /* owned (rebuilt values), or NULL */
} page_mem;

struct pq_col_reader {
    pq_file        *f;
    const pq_leaf  *lf;
    const pq_column_meta *cm;
    int             rg, leaf;
    bool            verify_crc;
    int64_t         max_page_bytes;  /* largest uncompressed page accepted */
    uint8_t        *chunk;         /* owned: the compressed column chunk, or
                                   ** borrowed from the file mapping */
    bool            chunk_mapped;  /* chunk points into pq_file.map */
    size_t          chunk_len;
    int64_t         chunk_off;     /* file offset of chunk[0] */
    size_t          pos;           /* next page header within chunk */
    int             page_no;       /* pages seen, for messages */
    int64_t         entries_done;  /* level entries consumed from the chunk */
    /* dictionary */
    bool            has_dict;
    int64_t         n_dict;
    uint8_t        *dict_fixed;    /* dict_mem: n_dict * width */
    pq_view        *dict_views;    /* dict_mem: n_dict */
    page_mem        dict_mem;      /* owned for the chunk's lifetime */
    uint64_t        dict_max_len;  /* longest dictionary byte string */
    /* current page */
    bool            page_live;
    int64_t         p_entries, p_entry_pos;
    int64_t         p_vals, p_val_pos;
    uint16_t       *p_defs, *p_reps;    /* heap, grow-only */
    size_t          cap_p_entries;
    uint8_t        *p_fixed;            /* heap, grow-only */
    const uint8_t  *p_fixed_src;        /* values of the current page: p_fixed, or
                                        ** the page itself (PLAIN) */
    bool            p_conv_at_take;     /* p_fixed_src holds raw PLAIN values that
                                        ** take_entries converts (convert_fixed) */
    pq_view        *p_views;            /* heap, grow-only */
    size_t          cap_p_vals;
    uint32_t       *idx;                /* heap scratch for dictionary indices */
    uint64_t        p_bytes_bound;      /* upper bound on the page's value bytes */
    bool            p_all_valid;        /* every entry has d == max_def; p_defs unused */
    bool            p_dict;             /* current page's values are dictionary
                                        ** indices in idx, gathered when taken */
    size_t          cap_idx;
    page_mem        cur;                /* memory of the current page */
    page_mem       *retired;            /* pages finished during this batch */
    int             n_retired, cap_retired;
    page_mem       *old;                /* chunk buffers replaced by extend_chunk */
    int             n_old, cap_old;
};

/* ---- small helpers ------------------------------------------------------ */

static const char *col_path(const pq_col_reader *c) { return c->lf->info.path; }

static void page_mem_free(page_mem *m)
{
    st_free(m->buf);
    st_arena_free(m->arena);
    m->buf = NULL;
    m->arena = NULL;
}

static st_status grow(void **p, size_t *cap, size_t need, size_t elem, st_error *err)
{
    if (need <= *cap)
        return ST_OK;
    size_t ncap = *cap ? *cap : 1024;
    while (ncap < need)
        ncap *= 2;
    size_t bytes;
    if (!st_mul_size(ncap, elem, &bytes))
        return st_error_set(err, ST_ERR_NOMEM, "buffer size overflow");
    void *q = st_realloc(*p, bytes);
    if (!q)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory (%zu bytes)", bytes);
    *p = q;
    *cap = ncap;
    return ST_OK;
}

static st_status retire_current(pq_col_reader *c, st_error *err)
{
    if (!c->cur.buf && !c->cur.arena)
        return ST_OK;
    if (c->n_retired == c->cap_retired) {
        int ncap = c->cap_retired ? c->cap_retired * 2 : 8;
        page_mem *r = st_realloc(c->retired, sizeof(page_mem) * (size_t)ncap);
        if (!r)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        c->retired = r;
        c->cap_retired = ncap;
    }
    c->retired[c->n_retired++] = c->cur;
    c->cur.buf = NULL;
    c->cur.arena = NULL;
    return ST_OK;
}

static st_arena *page_arena(pq_col_reader *c, page_mem *m)
{
    (void)c;
    if (!m->arena)
        m->arena = st_arena_new(0);
    return m->arena;
}

/* ---- value conversion --------------------------------------------------- */

static __int128 dec_from_be(const uint8_t *p, size_t n)
{
    if (n == 0)
        return 0;
    unsigned __int128 v = (p[0] & 0x80) ? ~(unsigned __int128)0 : 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return (__int128)v;
}

static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    float v;
    if (exp == 0)
        v = ldexpf((float)mant, -24);
    else if (exp == 31)
        v = mant ? NAN : INFINITY;
    else
        v = ldexpf((float)(mant | 0x400), (int)exp - 25);
    return sign ? -v : v;
}

static int64_t floor_div64(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* Converts n raw fixed-width physical values (phys_width bytes each) into
** the leaf's vector representation (width bytes each). Hot loop per type. */
static void convert_fixed(const pq_leaf *lf, const uint8_t *raw, size_t n, uint8_t *out)
{
    size_t i;
    switch (lf->conv) {
    case PQC_COPY4:
        memcpy(out, raw, n * 4);
        break;
    case PQC_COPY8:
        memcpy(out, raw, n * 8);
        break;
    case PQC_I32_TO_I8:
        for (i = 0; i < n; i++)
            out[i] = (uint8_t)st_load_le32(raw + 4 * i);
        break;
    case PQC_I32_TO_I16:
        for (i = 0; i < n; i++) {
            uint16_t v = (uint16_t)st_load_le32(raw + 4 * i);
            memcpy(out + 2 * i, &v, 2);
        }
        break;
    case PQC_I32_TO_DEC:
        for (i = 0; i < n; i++) {
            __int128 v = (int32_t)st_load_le32(raw + 4 * i);
            memcpy(out + 16 * i, &v, 16);
        }
        break;
    case PQC_I64_TO_DEC:
        for (i = 0; i < n; i++) {
            __int128 v = (int64_t)st_load_le64(raw + 8 * i);
            memcpy(out + 16 * i, &v, 16);
        }
        break;
    case PQC_I32_MS_TO_US:
        for (i = 0; i < n; i++) {
            int64_t v = (int64_t)(int32_t)st_load_le32(raw + 4 * i) * 1000;
            memcpy(out + 8 * i, &v, 8);
        }
        break;
    case PQC_I64_MS_TO_US:
        for (i = 0; i < n; i++) {
            int64_t v = (int64_t)st_load_le64(raw + 8 * i);
            v = (int64_t)((uint64_t)v * 1000u);
            memcpy(out + 8 * i, &v, 8);
        }
        break;
    case PQC_I64_NS_TO_US:
        for (i = 0; i < n; i++) {
            int64_t v = floor_div64((int64_t)st_load_le64(raw + 8 * i), 1000);
            memcpy(out + 8 * i, &v, 8);
        }
        break;
    case PQC_INT96_TO_US:
        for (i = 0; i < n; i++) {
            int64_t nanos = (int64_t)st_load_le64(raw + 12 * i);
            int64_t julian = (int32_t)st_load_le32(raw + 12 * i + 8);
            /* Wrapping arithmetic: out-of-range days must not be UB. */
            int64_t v = (int64_t)((uint64_t)(julian - 2440588) * 86400000000ULL +
                                  (uint64_t)floor_div64(nanos, 1000));
            memcpy(out + 8 * i, &v, 8);
        }
        break;
    case PQC_FLBA_DEC:
        for (i = 0; i < n; i++) {
            __int128 v = dec_from_be(raw + (size_t)lf->phys_width * i, (size_t)lf->phys_width);
            memcpy(out + 16 * i, &v, 16);
        }
        break;
    case PQC_FLBA_F16:
        for (i = 0; i < n; i++) {
            float v = half_to_float(st_load_le16(raw + 2 * i));
            memcpy(out + 4 * i, &v, 4);
        }
        break;
    default:
        break;
    }
}

/* Byte strings -> fixed values (BYTE_ARRAY decimals) or final views (UUID
** formatting, FLBA decimals/float16 that arrived as views). */
static st_status convert_views(pq_col_reader *c, page_mem *mem, const pq_view *v, size_t n,
                               uint8_t *fixed_out, pq_view *views_out, st_error *err)
{
    const pq_leaf *lf = c->lf;
    switch (lf->conv) {
    case PQC_BA_DEC:
    case PQC_FLBA_DEC:
        for (size_t i = 0; i < n; i++) {
            if (v[i].len > 16)
                return st_error_set(err, ST_ERR_CORRUPT,
                                    "decimal value of %u bytes in column \"%s\" is wider than 16",
                                    v[i].len, col_path(c));
            __int128 d = dec_from_be(v[i].p, v[i].len);
            memcpy(fixed_out + 16 * i, &d, 16);
        }
        return ST_OK;
    case PQC_FLBA_F16:
        for (size_t i = 0; i < n; i++) {
            if (v[i].len != 2)
                return st_error_set(err, ST_ERR_CORRUPT, "float16 value of %u bytes in column \"%s\"",
                                    v[i].len, col_path(c));
            float x = half_to_float(st_load_le16(v[i].p));
            memcpy(fixed_out + 4 * i, &x, 4);
        }
        return ST_OK;
    case PQC_FLBA_UUID: {
        st_arena *a = page_arena(c, mem);
        char *s = a ? st_arena_alloc(a, 36 * (n ? n : 1)) : NULL;
        if (!s)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        static const char hx[] = "0123456789abcdef";
        for (size_t i = 0; i < n; i++) {
            if (v[i].len != 16)
                return st_error_set(err, ST_ERR_CORRUPT, "uuid value of %u bytes in column \"%s\"",
                                    v[i].len, col_path(c));
            char *o = s + 36 * i;
            int k = 0;
            for (int b = 0; b < 16; b++) {
                if (b == 4 || b == 6 || b == 8 || b == 10)
                    o[k++] = '-';
                o[k++] = hx[v[i].p[b] >> 4];
                o[k++] = hx[v[i].p[b] & 15];
            }
            views_out[i].p = (const uint8_t *)o;
            views_out[i].len = 36;
        }
        return ST_OK;
    }
    default:
        if (views_out != v)
            memcpy(views_out, v, n * sizeof *v);
        return ST_OK;
    }
}

/* Decodes n PLAIN values starting at buf into the page (or dictionary)
** value buffers. *used = bytes consumed. */
static st_status decode_plain(pq_col_reader *c, page_mem *mem, const uint8_t *buf, size_t len,
                              size_t n, uint8_t *fixed_out, pq_view *views_out, st_error *err)
{
    const pq_leaf *lf = c->lf;
    int ptype = lf->info.elem->type;
    if (ptype == PQ_BOOLEAN)
        return pq_plain_decode_bool(buf, len, 0, fixed_out, n, err);
    if (ptype == PQ_BYTE_ARRAY) {
        /* Views straight into the page: 4-byte length + bytes each. */
        pq_view *views = views_out;
        pq_view *tmp = NULL;
        if (lf->out == PQO_FIXED) {
            tmp = st_malloc(sizeof(pq_view) * (n ? n : 1));
            if (!tmp)
                return st_error_set(err, ST_ERR_NOMEM, "out of memory");
            views = tmp;
        }
        size_t p = 0;
        for (size_t i = 0; i < n; i++) {
            if (len - p < 4) {
                st_free(tmp);
                return st_error_set(err, ST_ERR_CORRUPT,
                                    "PLAIN byte array data ends after %zu of %zu values", i, n);
            }
            uint32_t l = st_load_le32(buf + p);
            p += 4;
            if (l > len - p) {
                st_free(tmp);
                return st_error_set(err, ST_ERR_CORRUPT,
                                    "PLAIN byte array value %zu has length %u past the page end",
                                    i, l);
            }
            views[i].p = buf + p;
            views[i].len = l;
            p += l;
        }
        st_status rc = ST_OK;
        if (lf->out == PQO_FIXED)
            rc = convert_views(c, mem, views, n, fixed_out, NULL, err);
        else if (lf->conv != PQC_BYTES)
            rc = convert_views(c, mem, views, n, NULL, views_out, err);
        st_free(tmp);
        return rc;
    }
    size_t w = (size_t)lf->phys_width, need;
    if (!st_mul_size(w, n, &need) || need > len)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "PLAIN data holds %zu bytes, fewer than %zu values of %zu bytes", len, n,
                            w);
    if (ptype == PQ_FIXED_LEN_BYTE_ARRAY && lf->out == PQO_BYTES) {
        for (size_t i = 0; i < n; i++) {
            views_out[i].p = buf + w * i;
            views_out[i].len = (uint32_t)w;
        }
        if (lf->conv == PQC_FLBA_UUID)
            return convert_views(c, mem, views_out, n, NULL, views_out, err);
        return ST_OK;
    }
    convert_fixed(lf, buf, n, fixed_out);
    return ST_OK;
}

/* ---- dictionary --------------------------------------------------------- */

static st_status load_dictionary(pq_col_reader *c, const pq_page_header *h, const uint8_t *data,
                                 size_t len, uint8_t *owned_buf, st_error *err)
{
    if (c->has_dict) {
        st_free(owned_buf);
        return st_error_set(err, ST_ERR_CORRUPT, "column chunk has a second dictionary page");
    }
    c->dict_mem.buf = owned_buf;
    int32_t n = h->has_dictionary_page ? h->dictionary_page.num_values : 0;
    if (n < 0)
        return st_error_set(err, ST_ERR_CORRUPT, "dictionary page has a negative value count %d", n);
    int enc = h->has_dictionary_page ? h->dictionary_page.encoding : PQ_ENC_PLAIN;
    if (enc != PQ_ENC_PLAIN && enc != PQ_ENC_PLAIN_DICTIONARY)
        return st_error_set(err, ST_ERR_UNSUPPORTED, "dictionary page encoding %s is not supported",
                            pq_encoding_name(enc));
    /* Each value needs at least one bit of the page (4 bytes for byte arrays). */
    if ((uint64_t)n > (uint64_t)len * 8 + 8)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "dictionary page claims %d values in %zu bytes", n, len);
    const pq_leaf *lf = c->lf;
    st_arena *a = page_arena(c, &c->dict_mem);
    if (!a)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    size_t cnt = (size_t)n;
    if (lf->out == PQO_BYTES) {
        c->dict_views = st_arena_alloc(a, sizeof(pq_view) * (cnt ? cnt : 1));
        if (!c->dict_views)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    } else {
        c->dict_fixed = st_arena_alloc(a, (size_t)lf->width * (cnt ? cnt : 1));
        if (!c->dict_fixed)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    }
    st_status rc = decode_plain(c, &c->dict_mem, data, len, cnt, c->dict_fixed, c->dict_views, err);
    if (rc != ST_OK)
        return st_error_context(err, "decoding the dictionary");
    c->n_dict = n;
    c->has_dict = true;
    if (c->dict_views)
        for (size_t i = 0; i < cnt; i++)
            if (c->dict_views[i].len > c->dict_max_len)
                c->dict_max_len = c->dict_views[i].len;
    return ST_OK;
}

static st_status decode_dict_indices(pq_col_reader *c, const uint8_t *buf, size_t len, size_t n,
                                     st_error *err)
{
    if (!c->has_dict)
        return st_error_set(err, ST_ERR_CORRUPT, "dictionary-encoded page without a dictionary page");
    if (n == 0)
        return ST_OK;
    if (len < 1)
        return st_error_set(err, ST_ERR_CORRUPT, "dictionary-encoded page has no bit width byte");
    int bw = buf[0];
    if (bw > 32)
        return st_error_set(err, ST_ERR_CORRUPT, "dictionary index bit width %d is over 32", bw);
    st_status rc = grow((void **)&c->idx, &c->cap_idx, n, sizeof(uint32_t), err);
    if (rc != ST_OK)
        return rc;
    pq_rle_decoder d;
    pq_rle_init(&d, buf + 1, len - 1, bw);
    rc = pq_rle_get_u32(&d, c->idx, n, err);
    if (rc != ST_OK)
        return st_error_context(err, "decoding dictionary indices");
    /* OPT: results identical if removed. Flags any index out of range with
    ** a compare that vectorizes (SSE2 has no unsigned max); the exact
    ** maximum (for the message) is only computed when one is. */
    const uint32_t *ix = c->idx;
    uint32_t maxi = 0, bad = 0;
    if (c->n_dict <= (int64_t)UINT32_MAX) {
        uint32_t nd = (uint32_t)c->n_dict;
        for (size_t i = 0; i < n; i++)
            bad |= (uint32_t)(ix[i] >= nd);
    }
    if (bad) {
        for (size_t i = 0; i < n; i++)
            maxi = ix[i] > maxi ? ix[i] : maxi;
    }
    if ((int64_t)maxi >= c->n_dict)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "dictionary index %u is out of range for a dictionary of %lld values",
                            maxi, (long long)c->n_dict);
    /* OPT: values are gathered from the dictionary straight into the batch
    ** buffer when taken (take_entries), not into a page buffer first. */
    c->p_dict = true;
    return ST_OK;
}

/* ---- data pages ---------------------------------------------------------- */

/* True when an RLE/bit-packed level stream starts with one RLE run of at
** least n copies of `value` (a page without nulls, as most writers encode
** it): the levels need not be materialized. */
static bool rle_single_run(const uint8_t *buf, size_t len, int bw, size_t n, uint16_t value)
{
    uint64_t h = 0;
    size_t i = 0;
    for (int shift = 0; i < len && shift < 35; shift += 7) {
        uint8_t b = buf[i++];
        h |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            goto done;
    }
    return false;
done:
    if ((h & 1) || (h >> 1) < n)
        return false;
    int nb = (bw + 7) / 8;
    if (len - i < (size_t)nb)
        return false;
    uint32_t v = 0;
    for (int k = 0; k < nb; k++)
        v |= (uint32_t)buf[i + (size_t)k] << (8 * k);
    return v == value;
}

/* Decodes n v1 levels; when all_max is given and the stream is one run of
** max_level, sets *all_max and leaves out untouched. */
static st_status decode_levels_v1(pq_col_reader *c, int enc, int max_level, const uint8_t *buf,
                                  size_t len, uint16_t *out, size_t n, size_t *used,
                                  bool *all_max, st_error *err)
{
    int bw = pq_bit_width((uint64_t)max_level);
    if (enc == PQ_ENC_RLE) {
        if (len < 4)
            return st_error_set(err, ST_ERR_CORRUPT, "level data is shorter than its length prefix");
        uint32_t l = st_load_le32(buf);
        if (l > len - 4)
            return st_error_set(err, ST_ERR_CORRUPT,
                                "level data length %u is past the page end (%zu bytes left)", l,
                                len - 4);
        *used = 4 + (size_t)l;
        if (all_max && rle_single_run(buf + 4, l, bw, n, (uint16_t)max_level)) {
            *all_max = true; /* OPT: results identical if removed */
            return ST_OK;
        }
        pq_rle_decoder d;
        pq_rle_init(&d, buf + 4, l, bw);
        return pq_rle_get_u16(&d, out, n, err);
    }
    if (enc == PQ_ENC_BIT_PACKED) {
        size_t bits;
        if (!st_mul_size(n, (size_t)bw, &bits))
            return st_error_set(err, ST_ERR_CORRUPT, "level count overflow");
        size_t l = (bits + 7) / 8;
        if (l > len)
            return st_error_set(err, ST_ERR_CORRUPT, "BIT_PACKED levels are past the page end");
        *used = l;
        return pq_bitpacked_legacy_get_u16(buf, l, bw, out, n, err);
    }
    return st_error_set(err, ST_ERR_UNSUPPORTED, "level encoding %s is not supported",
                        pq_encoding_name(enc));
}

static st_status check_levels(const uint16_t *lv, size_t n, int max, const char *what,
                              st_error *err)
{
    uint16_t m = 0;
    for (size_t i = 0; i < n; i++)
        m = lv[i] > m ? lv[i] : m;
    if (m > max)
        return st_error_set(err, ST_ERR_CORRUPT, "%s level %u exceeds the column's maximum %d",
                            what, m, max);
    return ST_OK;
}

/* Decodes n_vals values of the page's value section. */
static st_status decode_values(pq_col_reader *c, int enc, const uint8_t *buf, size_t len,
                               size_t n_vals, st_error *err)
{
    const pq_leaf *lf = c->lf;
    int ptype = lf->info.elem->type;
    st_status rc = ST_OK;
    if (n_vals == 0)
        return ST_OK;
    switch (enc) {
    case PQ_ENC_PLAIN:
        if ((lf->conv == PQC_COPY4 || lf->conv == PQC_COPY8) && len / (size_t)lf->width >= n_vals) {
            c->p_fixed_src = buf; /* OPT: results identical if removed */
            return ST_OK;
        }
        if ((lf->conv == PQC_I32_TO_DEC || lf->conv == PQC_I64_TO_DEC ||
             lf->conv == PQC_I32_TO_I8 || lf->conv == PQC_I32_TO_I16 ||
             lf->conv == PQC_I32_MS_TO_US || lf->conv == PQC_I64_MS_TO_US ||
             lf->conv == PQC_I64_NS_TO_US) && lf->out == PQO_FIXED && lf->phys_width > 0 &&
            len / (size_t)lf->phys_width >= n_vals) {
            /* OPT: results identical if removed. Converted straight into
            ** the batch buffer when taken, not into a page buffer first. */
            c->p_fixed_src = buf;
            c->p_conv_at_take = true;
            return ST_OK;
        }
        return decode_plain(c, &c->cur, buf, len, n_vals, c->p_fixed, c->p_views, err);
    case PQ_ENC_PLAIN_DICTIONARY:
    case PQ_ENC_RLE_DICTIONARY:
        return decode_dict_indices(c, buf, len, n_vals, err);
    case PQ_ENC_RLE: {
        if (ptype != PQ_BOOLEAN)
            break;
        if (len < 4)
            return st_error_set(err, ST_ERR_CORRUPT, "RLE boolean data has no length prefix");
        uint32_t l = st_load_le32(buf);
        if (l > len - 4)
            return st_error_set(err, ST_ERR_CORRUPT, "RLE boolean data length %u past page end", l);
        rc = grow((void **)&c->idx, &c->cap_idx, n_vals, sizeof(uint32_t), err);
        if (rc != ST_OK)
            return rc;
        pq_rle_decoder d;
        pq_rle_init(&d, buf + 4, l, 1);
        rc = pq_rle_get_u32(&d, c->idx, n_vals, err);
        if (rc != ST_OK)
            return rc;
        for (size_t i = 0; i < n_vals; i++)
            c->p_fixed[i] = (uint8_t)(c->idx[i] & 1);
        return ST_OK;
    }
    case PQ_ENC_DELTA_BINARY_PACKED: {
        size_t used;
        if (ptype == PQ_INT32) {
            int32_t *tmp = st_malloc(4 * n_vals);
            if (!tmp)
                return st_error_set(err, ST_ERR_NOMEM, "out of memory");
            rc = pq_delta_decode_i32(buf, len, tmp, n_vals, &used, err);
            if (rc == ST_OK)
                convert_fixed(lf, (const uint8_t *)tmp, n_vals, c->p_fixed);
            st_free(tmp);
            return rc;
        }
        if (ptype == PQ_INT64) {
            int64_t *tmp = st_malloc(8 * n_vals);
            if (!tmp)
                return st_error_set(err, ST_ERR_NOMEM, "out of memory");
            rc = pq_delta_decode_i64(buf, len, tmp, n_vals, &used, err);
            if (rc == ST_OK)
                convert_fixed(lf, (const uint8_t *)tmp, n_vals, c->p_fixed);
            st_free(tmp);
            return rc;
        }
        break;
    }
    case PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
    case PQ_ENC_DELTA_BYTE_ARRAY: {
        if (ptype != PQ_BYTE_ARRAY && ptype != PQ_FIXED_LEN_BYTE_ARRAY)
            break;
        st_arena *a = page_arena(c, &c->cur);
        if (!a)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        pq_byte_arrays ba;
        size_t used;
        rc = enc == PQ_ENC_DELTA_LENGTH_BYTE_ARRAY
                 ? pq_delta_length_decode(buf, len, n_vals, a, &ba, &used, err)
                 : pq_delta_byte_array_decode(buf, len, n_vals, a, &ba, &used, err);
        if (rc != ST_OK)
            return rc;
        pq_view *views = lf->out == PQO_BYTES ? c->p_views
                                              : st_arena_alloc(a, sizeof(pq_view) * n_vals);
        if (!views)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < n_vals; i++) {
            views[i].p = ba.data + ba.offsets[i];
            views[i].len = (uint32_t)(ba.offsets[i + 1] - ba.offsets[i]);
            if (ptype == PQ_FIXED_LEN_BYTE_ARRAY && views[i].len != (uint32_t)lf->phys_width)
                return st_error_set(err, ST_ERR_CORRUPT,
                                    "fixed-length value %zu has %u bytes, not %d", i, views[i].len,
                                    lf->phys_width);
        }
        if (lf->out == PQO_FIXED)
            return convert_views(c, &c->cur, views, n_vals, c->p_fixed, NULL, err);
        if (lf->conv != PQC_BYTES)
            return convert_views(c, &c->cur, views, n_vals, NULL, c->p_views, err);
        return ST_OK;
    }
    case PQ_ENC_BYTE_STREAM_SPLIT: {
        int w = lf->phys_width;
        if (w <= 0)
            break;
        size_t bytes;
        if (!st_mul_size(n_vals, (size_t)w, &bytes))
            return st_error_set(err, ST_ERR_CORRUPT, "value count overflow");
        uint8_t *tmp = st_malloc(bytes);
        if (!tmp)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        rc = pq_byte_stream_split_decode(buf, len, w, n_vals, tmp, n_vals, err);
        if (rc == ST_OK) {
            if (ptype == PQ_FIXED_LEN_BYTE_ARRAY && lf->out == PQO_BYTES) {
                /* Keep the bytes alive with the page. */
                st_arena *a = page_arena(c, &c->cur);
                uint8_t *keep = a ? st_arena_alloc(a, bytes) : NULL;
                if (!keep) {
                    st_free(tmp);
                    return st_error_set(err, ST_ERR_NOMEM, "out of memory");
                }
                memcpy(keep, tmp, bytes);
                rc = decode_plain(c, &c->cur, keep, bytes, n_vals, c->p_fixed, c->p_views, err);
            } else {
                convert_fixed(lf, tmp, n_vals, c->p_fixed);
            }
        }
        st_free(tmp);
        return rc;
    }
    default:
        break;
    }
    return st_error_set(err, ST_ERR_UNSUPPORTED,
                        "encoding %s is not supported for %s values", pq_encoding_name(enc),
                        pq_physical_name(ptype));
}

static st_status ensure_page_caps(pq_col_reader *c, size_t entries, st_error *err)
{
    if (entries > c->cap_p_entries) {
        size_t ncap = c->cap_p_entries ? c->cap_p_entries : 1024;
        while (ncap < entries)
            ncap *= 2;
        uint16_t *a = st_realloc(c->p_defs, ncap * sizeof(uint16_t));
        if (!a)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        c->p_defs = a;
        uint16_t *b = st_realloc(c->p_reps, ncap * sizeof(uint16_t));
        if (!b)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        c->p_reps = b;
        pq_view *v = st_realloc(c->p_views, ncap * sizeof(pq_view));
        if (!v)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        c->p_views = v;
        uint8_t *fx = st_realloc(c->p_fixed, ncap * 16);
        if (!fx)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        c->p_fixed = fx;
        c->cap_p_entries = c->cap_p_vals = ncap;
    }
    return ST_OK;
}

/* Decodes the data page whose (decompressed where needed) parts are given. */
static st_status load_data_page(pq_col_reader *c, const pq_page_header *h, const uint8_t *pg,
                                size_t pg_len, const uint8_t *vals_buf, size_t vals_len,
                                st_error *err)
{
    const pq_leaf *lf = c->lf;
    int max_def = lf->info.max_def, max_rep = lf->info.max_rep;
    bool v2 = h->type == PQ_PAGE_DATA_V2;
    int32_t nv = v2 ? h->data_page_v2.num_values : h->data_page.num_values;
    int enc = v2 ? h->data_page_v2.encoding : h->data_page.encoding;
    if (nv < 0)
        return st_error_set(err, ST_ERR_CORRUPT, "data page has a negative value count %d", nv);
    size_t n = (size_t)nv;
    /* Bound the entry count before allocating for it: a flat column has one
    ** entry per row, so a page cannot hold more entries than rows remain;
    ** a nested page is capped (RLE runs make tiny pages with many entries). */
    if (max_rep == 0) {
        int64_t rows = c->f->meta.row_groups[c->rg].num_rows;
        if ((int64_t)n > rows - c->entries_done)
            return st_error_set(err, ST_ERR_CORRUPT,
                                "data page holds %d values but only %lld rows remain in the row "
                                "group", nv, (long long)(rows - c->entries_done));
    } else if (n > PQ_MAX_PAGE_ENTRIES) {
        return st_error_set(err, ST_ERR_LIMIT, "data page holds %d values, over the limit of %d",
                            nv, PQ_MAX_PAGE_ENTRIES);
    }
    st_status rc = ensure_page_caps(c, n, err);
    if (rc != ST_OK)
        return rc;
    size_t p = 0;
    bool all_valid = false;  /* definition levels are all max_def (not decoded) */
    if (v2) {
        size_t rl = (size_t)h->data_page_v2.repetition_levels_byte_length;
        size_t dl = (size_t)h->data_page_v2.definition_levels_byte_length;
        if (h->data_page_v2.repetition_levels_byte_length < 0 ||
            h->data_page_v2.definition_levels_byte_length < 0 || rl + dl > pg_len)
            return st_error_set(err, ST_ERR_CORRUPT, "data page v2 level lengths exceed the page");
        if (max_rep > 0) {
            pq_rle_decoder d;
            pq_rle_init(&d, pg, rl, pq_bit_width((uint64_t)max_rep));
            rc = pq_rle_get_u16(&d, c->p_reps, n, err);
            if (rc != ST_OK)
                return st_error_context(err, "decoding repetition levels");
        }
        if (max_def > 0) {
            int bw = pq_bit_width((uint64_t)max_def);
            if (rle_single_run(pg + rl, dl, bw, n, (uint16_t)max_def)) {
                all_valid = true; /* OPT: results identical if removed */
            } else {
                pq_rle_decoder d;
                pq_rle_init(&d, pg + rl, dl, bw);
                rc = pq_rle_get_u16(&d, c->p_defs, n, err);
                if (rc != ST_OK)
                    return st_error_context(err, "decoding definition levels");
            }
        }
    } else {
        size_t used = 0;
        if (max_rep > 0) {
            rc = decode_levels_v1(c, h->data_page.repetition_level_encoding, max_rep, pg, pg_len,
                                  c->p_reps, n, &used, NULL, err);
            if (rc != ST_OK)
                return st_error_context(err, "decoding repetition levels");
            p += used;
        }
        if (max_def > 0) {
            rc = decode_levels_v1(c, h->data_page.definition_level_encoding, max_def, pg + p,
                                  pg_len - p, c->p_defs, n, &used, &all_valid, err);
            if (rc != ST_OK)
                return st_error_context(err, "decoding definition levels");
            p += used;
        }
        vals_buf = pg + p;
        vals_len = pg_len - p;
    }
    size_t n_vals = n;
    c->p_all_valid = all_valid || max_def == 0;
    if (max_def > 0 && !all_valid) {
        /* One pass: count the values and find the largest level. */
        uint16_t md = (uint16_t)max_def, top = 0;
        size_t cnt = 0;
        for (size_t i = 0; i < n; i++) {
            uint16_t d = c->p_defs[i];
            cnt += d == md;
            top = d > top ? d : top;
        }
        if (top > md)
            return st_error_set(err, ST_ERR_CORRUPT,
                                "definition level %u exceeds the column's maximum %d", top, max_def);
        n_vals = cnt;
    }
    if (max_rep > 0) {
        rc = check_levels(c->p_reps, n, max_rep, "repetition", err);
        if (rc != ST_OK)
            return rc;
        if (c->entries_done == 0 && n > 0 && c->p_reps[0] != 0)
            return st_error_set(err, ST_ERR_CORRUPT,
                                "first value of the column chunk has repetition level %u, not 0",
                                c->p_reps[0]);
    }
    c->p_fixed_src = c->p_fixed;
    c->p_conv_at_take = false;
    c->p_dict = false;
    rc = decode_values(c, enc, vals_buf, vals_len, n_vals, err);
    if (rc != ST_OK)
        return st_error_context(err, "decoding %s values", pq_encoding_name(enc));
    c->p_bytes_bound = UINT64_MAX / 2;
    if (lf->out == PQO_BYTES) {
        if (!c->p_dict) {
            c->p_bytes_bound = vals_len + (uint64_t)n_vals * 36; /* uuid text grows */
        } else {
            c->p_bytes_bound = (uint64_t)n_vals * c->dict_max_len;
        }
    }
    c->p_entries = (int64_t)n;
    c->p_entry_pos = 0;
    c->p_vals = (int64_t)n_vals;
    c->p_val_pos = 0;
    c->page_live = true;
    return ST_OK;
}

/* Decompresses src into a fresh heap buffer of exactly n bytes. */
static st_status inflate_into(pq_col_reader *c, const uint8_t *src, size_t src_len, size_t n,
                              uint8_t **out, st_error *err)
{
    uint8_t *b = st_malloc(n ? n : 1);
    if (!b)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory for a %zu-byte page", n);
    st_status rc = pq_decompress(c->cm->codec, src, src_len, b, n, err);
    if (rc != ST_OK) {
        st_free(b);
        return rc;
    }
    *out = b;
    return ST_OK;
}

/* Grows the chunk buffer to new_len bytes from the file. The old buffer is
** kept (views into it stay valid) until the reader closes. */
static st_status extend_chunk(pq_col_reader *c, size_t new_len, st_error *err)
{
    int64_t limit = c->f->fh.size - 8;
    if ((int64_t)new_len > limit - c->chunk_off)
        return st_error_set(err, ST_ERR_CORRUPT, "the page would end past the file's data");
    if (c->chunk_mapped) {
        c->chunk_len = new_len;
        return ST_OK;
    }
    uint8_t *nb = st_malloc(new_len);
    if (!nb)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    memcpy(nb, c->chunk, c->chunk_len);
    st_status rc = st_file_read_at(&c->f->fh, nb + c->chunk_len, new_len - c->chunk_len,
                                   c->chunk_off + (int64_t)c->chunk_len, err);
    if (rc != ST_OK) {
        st_free(nb);
        return rc;
    }
    page_mem old = { .buf = c->chunk, .arena = NULL };
    if (c->n_old == c->cap_old) {
        int ncap = c->cap_old ? c->cap_old * 2 : 2;
        page_mem *o = st_realloc(c->old, sizeof(page_mem) * (size_t)ncap);
        if (!o) {
            st_free(nb);
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        }
        c->old = o;
        c->cap_old = ncap;
    }
    c->old[c->n_old++] = old;
    c->chunk = nb;
    c->chunk_len = new_len;
    return ST_OK;
}

/* Loads pages until a data page is current, or sets *eof. */
static st_status next_page(pq_col_reader *c, bool *eof, st_error *err)
{
    *eof = false;
    st_status rc = retire_current(c, err);
    if (rc != ST_OK)
        return rc;
    c->page_live = false;
    for (;;) {
        if (c->pos >= c->chunk_len) {
            *eof = true;
            return ST_OK;
        }
        pq_page_header h;
        size_t hl;
        int page = c->page_no++;
        rc = pq_meta_parse_page_header(c->chunk + c->pos, c->chunk_len - c->pos, &h, &hl, err);
        if (rc != ST_OK)
            return st_error_context(err, "reading header of page %d", page);
        if (h.compressed_page_size < 0 || h.uncompressed_page_size < 0)
            return st_error_set(err, ST_ERR_CORRUPT, "page %d has a negative size", page);
        if ((size_t)h.compressed_page_size > c->chunk_len - c->pos - hl) {
            /* Some old writers understate the chunk size; like other readers,
            ** accept a page that still ends inside the file's data area. */
            rc = extend_chunk(c, c->pos + hl + (size_t)h.compressed_page_size, err);
            if (rc != ST_OK)
                return st_error_context(err, "page %d size %d runs past the end of the column "
                                        "chunk", page, h.compressed_page_size);
        }
        if (h.uncompressed_page_size > c->max_page_bytes)
            return st_error_set(err, ST_ERR_LIMIT,
                                "page %d claims %d uncompressed bytes, over the limit of %lld",
                                page, h.uncompressed_page_size, (long long)c->max_page_bytes);
        const uint8_t *body = c->chunk + c->pos + hl;
        size_t clen = (size_t)h.compressed_page_size, ulen = (size_t)h.uncompressed_page_size;
        c->pos += hl + clen;
        if (h.has_crc && c->verify_crc) {
            uint32_t got = pq_crc32(body, clen);
            if (got != (uint32_t)h.crc)
                return st_error_set(err, ST_ERR_CORRUPT,
                                    "page %d fails its CRC check (stored %08x, computed %08x)",
                                    page, (uint32_t)h.crc, got);
        }
        bool compressed = c->cm->codec != PQ_CODEC_UNCOMPRESSED;
        if (h.type == PQ_PAGE_DICTIONARY) {
            uint8_t *buf = NULL;
            const uint8_t *data = body;
            size_t len = clen;
            if (compressed) {
                rc = inflate_into(c, body, clen, ulen, &buf, err);
                if (rc != ST_OK)
                    return st_error_context(err, "decompressing dictionary page %d", page);
                data = buf;
                len = ulen;
            }
            rc = load_dictionary(c, &h, data, len, buf, err);
            if (rc != ST_OK)
                return st_error_context(err, "page %d", page);
            continue;
        }
        if (h.type == PQ_PAGE_DATA) {
            if (!h.has_data_page)
                return st_error_set(err, ST_ERR_CORRUPT, "data page %d has no data page header", page);
            const uint8_t *data = body;
            size_t len = clen;
            if (compressed) {
                rc = inflate_into(c, body, clen, ulen, &c->cur.buf, err);
                if (rc != ST_OK)
                    return st_error_context(err, "decompressing page %d", page);
                data = c->cur.buf;
                len = ulen;
            }
            rc = load_data_page(c, &h, data, len, NULL, 0, err);
            if (rc != ST_OK)
                return st_error_context(err, "page %d", page);
            return ST_OK;
        }
        if (h.type == PQ_PAGE_DATA_V2) {
            if (!h.has_data_page_v2)
                return st_error_set(err, ST_ERR_CORRUPT, "data page %d has no v2 header", page);
            int32_t lv = h.data_page_v2.repetition_levels_byte_length +
                         h.data_page_v2.definition_levels_byte_length;
            if (h.data_page_v2.repetition_levels_byte_length < 0 ||
                h.data_page_v2.definition_levels_byte_length < 0 || (size_t)lv > clen ||
                (size_t)lv > ulen)
                return st_error_set(err, ST_ERR_CORRUPT,
                                    "page %d level lengths exceed the page size", page);
            const uint8_t *vals = body + lv;
            size_t vlen = clen - (size_t)lv;
            if (compressed && h.data_page_v2.is_compressed && vlen > 0) {
                rc = inflate_into(c, vals, vlen, ulen - (size_t)lv, &c->cur.buf, err);
                if (rc != ST_OK)
                    return st_error_context(err, "decompressing page %d", page);
                vals = c->cur.buf;
                vlen = ulen - (size_t)lv;
            }
            rc = load_data_page(c, &h, body, (size_t)lv, vals, vlen, err);
            if (rc != ST_OK)
                return st_error_context(err, "page %d", page);
            return ST_OK;
        }
        /* Index pages and unknown page types carry nothing we read. */
    }
}

/* ---- public ------------------------------------------------------------- */

st_status pq_col_open(pq_file *f, int row_group, int leaf, const pq_read_options *opt,
                      pq_col_reader **out, st_error *err)
{
    const pq_row_group *rg = &f->meta.row_groups[row_group];
    if (leaf >= rg->n_columns)
        return st_error_set(err, ST_ERR_CORRUPT, "row group %d has %d column chunks, fewer than the "
                            "schema's %d leaves", row_group, rg->n_columns, f->n_leaves);
    const pq_column_chunk *cc = &rg->columns[leaf];
    if (cc->is_encrypted)
        return st_error_set(err, ST_ERR_UNSUPPORTED, "encrypted Parquet is not supported");
    if (!cc->has_meta_data)
        return st_error_set(err, ST_ERR_CORRUPT, "column chunk has no metadata");
    if (cc->file_path)
        return st_error_set(err, ST_ERR_UNSUPPORTED,
                            "column chunks in external files (\"%s\") are not supported",
                            cc->file_path);
    const pq_column_meta *cm = &cc->meta_data;
    if (cm->type != f->leaves[leaf].info.elem->type)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "column chunk type %s differs from the schema's %s",
                            pq_physical_name(cm->type),
                            pq_physical_name(f->leaves[leaf].info.elem->type));
    if (!pq_codec_supported(cm->codec))
        return st_error_set(err, ST_ERR_UNSUPPORTED, "compression codec %s is not supported",
                            pq_codec_name(cm->codec));
    int64_t start = cm->data_page_offset;
    if (cm->has_dictionary_page_offset && cm->dictionary_page_offset > 0 &&
        cm->dictionary_page_offset < start)
        start = cm->dictionary_page_offset;
    int64_t len = cm->total_compressed_size;
    int64_t limit = f->fh.size - 8;
    if (start < 4 || len < 0 || start > limit)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "column chunk offset %lld / size %lld is outside the file",
                            (long long)start, (long long)len);
    if (len > limit - start)
        len = limit - start; /* some writers overstate the size; pages bound themselves */
    pq_col_reader *c = st_calloc(1, sizeof *c);
    if (!c)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    c->f = f;
    c->lf = &f->leaves[leaf];
    c->cm = cm;
    c->rg = row_group;
    c->leaf = leaf;
    c->verify_crc = !opt->skip_crc;
    c->max_page_bytes = opt->max_page_bytes > 0 ? opt->max_page_bytes : INT32_MAX;
    c->chunk_off = start;
    c->chunk_len = (size_t)len;
    if (f->map) {
        /* OPT: the file is mapped; the chunk is read in place. */
        c->chunk = (uint8_t *)f->map + start;
        c->chunk_mapped = true;
        *out = c;
        return ST_OK;
    }
    c->chunk = st_malloc((size_t)len);
    if (!c->chunk) {
        st_free(c);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory for a %lld-byte column chunk",
                            (long long)len);
    }
    st_status rc = st_file_read_at(&f->fh, c->chunk, (size_t)len, start, err);
    if (rc != ST_OK) {
        pq_col_close(c);
        return rc;
    }
    *out = c;
    return ST_OK;
}

void pq_col_close(pq_col_reader *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n_retired; i++)
        page_mem_free(&c->retired[i]);
    for (int i = 0; i < c->n_old; i++)
        page_mem_free(&c->old[i]);
    st_free(c->old);
    page_mem_free(&c->cur);
    page_mem_free(&c->dict_mem);
    st_free(c->retired);
    if (!c->chunk_mapped) {
        st_free(c->chunk);
    } else if (c->chunk_len > 0) {
        /* Drop the chunk's pages from this process's footprint (they stay in
        ** the page cache), so resident memory follows the row group, not the
        ** file. Only whole pages strictly inside the chunk. */
        uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
        uintptr_t lo = ((uintptr_t)c->chunk + pg - 1) & ~(pg - 1);
        uintptr_t hi = ((uintptr_t)c->chunk + c->chunk_len) & ~(pg - 1);
        if (hi > lo)
            madvise((void *)lo, hi - lo, MADV_DONTNEED);
    }
    st_free(c->p_defs);
    st_free(c->p_reps);
    st_free(c->p_fixed);
    st_free(c->p_views);
    st_free(c->idx);
    st_free(c);
}

void pq_leaf_data_destroy(pq_leaf_data *d)
{
    st_free(d->defs);
    st_free(d->reps);
    st_free(d->vals);
    st_free(d->views);
    st_free(d->carry);
    memset(d, 0, sizeof *d);
}

static st_status leaf_data_reserve(pq_leaf_data *d, const pq_leaf *lf, int64_t entries,
                                   st_error *err)
{
    size_t need = (size_t)entries;
    if (need > d->cap_entries) {
        size_t ncap = d->cap_entries ? d->cap_entries : 1024;
        while (ncap < need)
            ncap *= 2;
        uint16_t *a = st_realloc(d->defs, ncap * sizeof(uint16_t));
        if (!a)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        d->defs = a;
        uint16_t *b = st_realloc(d->reps, ncap * sizeof(uint16_t));
        if (!b)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        d->reps = b;
        d->cap_entries = ncap;
    }
    if (need > d->cap_vals) {
        size_t ncap = d->cap_vals ? d->cap_vals : 1024;
        while (ncap < need)
            ncap *= 2;
        if (lf->out == PQO_BYTES) {
            pq_view *v = st_realloc(d->views, ncap * sizeof(pq_view));
            if (!v)
                return st_error_set(err, ST_ERR_NOMEM, "out of memory");
            d->views = v;
        } else {
            uint8_t *v = st_realloc(d->vals, ncap * (size_t)lf->width);
            if (!v)
                return st_error_set(err, ST_ERR_NOMEM, "out of memory");
            d->vals = v;
        }
        d->cap_vals = ncap;
    }
    return ST_OK;
}

/* Appends the next k entries of the current page to d. */
static st_status take_entries(pq_col_reader *c, pq_leaf_data *d, int64_t k, int64_t records,
                              st_error *err)
{
    const pq_leaf *lf = c->lf;
    st_status rc = leaf_data_reserve(d, lf, d->n_entries + k, err);
    if (rc != ST_OK)
        return rc;
    int64_t from = c->p_entry_pos;
    int64_t nv = k;
    if (lf->info.max_def > 0) {
        uint16_t md = (uint16_t)lf->info.max_def;
        if (c->p_all_valid) {
            if (d->has_defs)
                for (int64_t i = 0; i < k; i++)
                    d->defs[d->n_entries + i] = md;
        } else {
            if (!d->has_defs) {
                /* Levels become real: the entries held so far were all valid. */
                for (int64_t i = 0; i < d->n_entries; i++)
                    d->defs[i] = md;
                d->has_defs = true;
            }
            memcpy(d->defs + d->n_entries, c->p_defs + from, (size_t)k * sizeof(uint16_t));
            nv = 0;
            for (int64_t i = 0; i < k; i++)
                nv += c->p_defs[from + i] == md;
        }
    }
    if (lf->info.max_rep > 0)
        memcpy(d->reps + d->n_entries, c->p_reps + from, (size_t)k * sizeof(uint16_t));
    if (nv > c->p_vals - c->p_val_pos)
        return st_error_set(err, ST_ERR_INTERNAL, "page value count mismatch");
    if (c->p_dict) {
        const uint32_t *ix = c->idx + c->p_val_pos;
        if (lf->out == PQO_BYTES) {
            pq_view *dst = d->views + d->n_vals;
            for (int64_t i = 0; i < nv; i++) {
                dst[i] = c->dict_views[ix[i]];
                d->n_bytes += dst[i].len;
            }
        } else {
            size_t w = (size_t)lf->width;
            uint8_t *dst = d->vals + (size_t)d->n_vals * w;
            switch (w) {
            case 1:
                for (int64_t i = 0; i < nv; i++)
                    dst[i] = c->dict_fixed[ix[i]];
                break;
            case 4:
                for (int64_t i = 0; i < nv; i++)
                    memcpy(dst + 4 * i, c->dict_fixed + 4 * (size_t)ix[i], 4);
                break;
            case 8:
                for (int64_t i = 0; i < nv; i++)
                    memcpy(dst + 8 * i, c->dict_fixed + 8 * (size_t)ix[i], 8);
                break;
            default:
                for (int64_t i = 0; i < nv; i++)
                    memcpy(dst + w * (size_t)i, c->dict_fixed + w * (size_t)ix[i], w);
                break;
            }
        }
    } else if (lf->out == PQO_BYTES) {
        const pq_view *src = c->p_views + c->p_val_pos;
        memcpy(d->views + d->n_vals, src, (size_t)nv * sizeof(pq_view));
        for (int64_t i = 0; i < nv; i++)
            d->n_bytes += src[i].len;
    } else if (c->p_conv_at_take) {
        convert_fixed(lf, c->p_fixed_src + (size_t)c->p_val_pos * (size_t)lf->phys_width,
                      (size_t)nv, d->vals + (size_t)d->n_vals * (size_t)lf->width);
    } else {
        memcpy(d->vals + (size_t)d->n_vals * (size_t)lf->width,
               c->p_fixed_src + (size_t)c->p_val_pos * (size_t)lf->width,
               (size_t)nv * (size_t)lf->width);
    }
    d->n_entries += k;
    d->n_vals += nv;
    d->n_records += records;
    c->p_entry_pos += k;
    c->p_val_pos += nv;
    c->entries_done += k;
    return ST_OK;
}

/* How many of the next `avail` entries of the current page fit: up to `want`
** whole records (flat: entries; nested: stopping before the start of record
** want + 1) and, when max_bytes > 0, without pushing the held bytes past
** max_bytes once at least one record is held. Sets *recs to the records
** started in the span and *at_boundary when the scan stopped at a record
** start (so every record held is complete). */
static int64_t plan_take(const pq_col_reader *c, const pq_leaf_data *d, int64_t want,
                         uint64_t max_bytes, int64_t *recs, bool *at_boundary)
{
    const pq_leaf *lf = c->lf;
    bool nested = lf->info.max_rep > 0, bytes = max_bytes > 0;
    int64_t avail = c->p_entries - c->p_entry_pos, k = 0, r = 0, nv = 0;
    uint64_t held = d->n_bytes;
    const uint16_t *reps = c->p_reps + c->p_entry_pos;
    const uint16_t *defs = c->p_defs + c->p_entry_pos;
    *at_boundary = false;
    /* OPT: the whole rest of the page fits the budget when even its upper
    ** bound on bytes does: skip the per-value scan. */
    if (bytes && held + c->p_bytes_bound < max_bytes)
        bytes = false;
    if (!nested && !bytes) {
        k = ST_MIN(avail, want);
        *recs = k;
        *at_boundary = true;
        return k;
    }
    for (; k < avail; k++) {
        bool start = !nested || reps[k] == 0;
        if (start) {
            int64_t have = d->n_records + r;
            if (r == want || (bytes && have > 0 && held >= max_bytes)) {
                *at_boundary = true;
                break;
            }
            r++;
        }
        if (bytes && (c->p_all_valid || defs[k] == lf->info.max_def)) {
            int64_t vi = c->p_val_pos + nv++;
            held += c->p_dict ? c->dict_views[c->idx[vi]].len : c->p_views[vi].len;
        }
    }
    if (!nested && k == avail)
        *at_boundary = true;
    *recs = r;
    return k;
}

st_status pq_col_read(pq_col_reader *c, int64_t n_records, uint64_t max_bytes, pq_leaf_data *d,
                      st_error *err)
{
    for (int i = 0; i < c->n_retired; i++)
        page_mem_free(&c->retired[i]);
    c->n_retired = 0;
    bool nested = c->lf->info.max_rep > 0;
    uint64_t budget = c->lf->out == PQO_BYTES ? max_bytes : 0;
    bool eof = false;
    st_status rc;
    while (d->n_records < n_records) {
        if (budget && d->n_records > 0 && d->n_bytes >= budget)
            break;
        if (!c->page_live || c->p_entry_pos >= c->p_entries) {
            rc = next_page(c, &eof, err);
            if (rc != ST_OK)
                goto fail;
            if (eof)
                break;
            if (c->p_entries == 0)
                continue;
        }
        int64_t recs;
        bool at_boundary;
        int64_t k = plan_take(c, d, n_records - d->n_records, budget, &recs, &at_boundary);
        if (k > 0) {
            /* Nested: the last record started here is complete only when the
            ** scan stopped at the next record's start (or the chunk ends). */
            rc = take_entries(c, d, k, recs, err);
            if (rc != ST_OK)
                goto fail;
        }
        if (nested && at_boundary)
            break;
        if (!nested && k == 0)
            break;
    }
    if (nested && !eof && d->n_records > 0 && c->p_entry_pos >= c->p_entries) {
        /* Stopped exactly at a page end: the next page decides whether the
        ** last record continues. Peek by loading it. */
        rc = next_page(c, &eof, err);
        if (rc != ST_OK)
            goto fail;
        while (!eof && c->p_entries == 0) {
            rc = next_page(c, &eof, err);
            if (rc != ST_OK)
                goto fail;
        }
        if (!eof && c->p_reps[0] != 0) {
            /* The record continues: take the rest of it. */
            int64_t recs;
            bool at_boundary;
            for (;;) {
                int64_t k = plan_take(c, d, 0, 0, &recs, &at_boundary);
                if (k > 0 && (rc = take_entries(c, d, k, 0, err)) != ST_OK)
                    goto fail;
                if (at_boundary)
                    break;
                rc = next_page(c, &eof, err);
                if (rc != ST_OK)
                    goto fail;
                if (eof)
                    break;
            }
        }
    }
    if (d->n_records < n_records && eof) {
        rc = st_error_set(err, ST_ERR_CORRUPT,
                          "column chunk ended after %lld of %lld requested rows",
                          (long long)d->n_records, (long long)n_records);
        goto fail;
    }
    return ST_OK;
fail:
    return st_error_context(err, "column \"%s\" (row group %d)", col_path(c), c->rg);
}

/* Entry index where record n starts (n_entries when n == all records). */
static int64_t record_entry(const pq_leaf_data *d, const pq_leaf *lf, int64_t n)
{
    if (lf->info.max_rep == 0)
        return n;
    int64_t seen = 0;
    for (int64_t i = 0; i < d->n_entries; i++) {
        if (d->reps[i] == 0) {
            if (seen == n)
                return i;
            seen++;
        }
    }
    return d->n_entries;
}

static int64_t count_vals(const pq_leaf_data *d, const pq_leaf *lf, int64_t entries)
{
    if (lf->info.max_def == 0 || !d->has_defs)
        return entries;
    int64_t nv = 0;
    for (int64_t i = 0; i < entries; i++)
        nv += d->defs[i] == lf->info.max_def;
    return nv;
}

void pq_leaf_data_cut(pq_leaf_data *d, const pq_leaf *lf, int64_t n, int64_t *saved_entries,
                      int64_t *saved_vals)
{
    *saved_entries = d->n_entries;
    *saved_vals = d->n_vals;
    d->has_carry = false;
    if (n >= d->n_records)
        return;
    d->has_carry = true;
    int64_t e = record_entry(d, lf, n);
    d->n_entries = e;
    d->n_vals = count_vals(d, lf, e);
}

st_status pq_leaf_data_consume(pq_leaf_data *d, const pq_leaf *lf, int64_t saved_entries,
                               int64_t saved_vals, st_error *err)
{
    int64_t used_e = d->n_entries, used_v = d->n_vals;
    int64_t used_r = lf->info.max_rep == 0 ? used_e : 0;
    if (lf->info.max_rep > 0)
        for (int64_t i = 0; i < used_e; i++)
            used_r += d->reps[i] == 0;
    int64_t left_e = saved_entries - used_e, left_v = saved_vals - used_v;
    if (left_e == 0) {
        d->n_entries = d->n_vals = d->n_records = 0;
        d->n_bytes = 0;
        d->has_defs = false;
        return ST_OK;
    }
    if (d->has_defs)
        memmove(d->defs, d->defs + used_e, (size_t)left_e * sizeof(uint16_t));
    memmove(d->reps, d->reps + used_e, (size_t)left_e * sizeof(uint16_t));
    if (lf->out == PQO_BYTES) {
        memmove(d->views, d->views + used_v, (size_t)left_v * sizeof(pq_view));
        /* Carried views would dangle once their pages retire: copy the bytes. */
        uint64_t total = 0;
        for (int64_t i = 0; i < left_v; i++)
            total += d->views[i].len;
        uint8_t *nb = st_malloc((size_t)total + 1);
        if (!nb)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory carrying %llu bytes",
                                (unsigned long long)total);
        uint64_t p = 0;
        for (int64_t i = 0; i < left_v; i++) {
            memcpy(nb + p, d->views[i].p, d->views[i].len);
            d->views[i].p = nb + p;
            p += d->views[i].len;
        }
        st_free(d->carry);
        d->carry = nb;
        d->n_bytes = total;
    } else {
        size_t w = (size_t)lf->width;
        memmove(d->vals, d->vals + (size_t)used_v * w, (size_t)left_v * w);
    }
    d->n_entries = left_e;
    d->n_vals = left_v;
    d->n_records -= used_r;
    return ST_OK;
}
