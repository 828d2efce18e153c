/* ex_chunk.c -- chunk helpers shared by every operator: gathering rows
** (take), deep copies that outlive the scratch arena (copy), the bytes a
** chunk occupies (memory accounting) and concatenation.
**
** Copy and concat share one recursive worker that appends row ranges of
** vectors of one type into a fresh vector: offsets are rebased to start at
** 0, LIST/MAP children are copied for exactly the element range the rows
** use, STRUCT children for the same rows, and null_count is recounted. So a
** copy never shares a buffer with its source and is compact. */
#include "exec.h"

#include <limits.h>

static st_status oom(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory copying a chunk");
}

/* Ascending indices as ranges of consecutive rows, when they form at most
** one range per EX_RUN_MIN rows (else NULL: gathering by index is cheaper). */
#define EX_RUN_MIN 16

static vec_run *as_runs(st_arena *a, const int32_t *idx, int64_t n, int64_t *n_runs)
{
    int64_t nr = 0;
    for (int64_t i = 0; i < n; i++)
        nr += i == 0 || idx[i] != idx[i - 1] + 1;
    if (n < EX_RUN_MIN || nr * EX_RUN_MIN > n)
        return NULL;
    vec_run *runs = st_arena_alloc(a, (size_t)nr * sizeof *runs);
    if (!runs)
        return NULL;
    int64_t r = -1;
    for (int64_t i = 0; i < n; i++) {
        if (i == 0 || idx[i] != idx[i - 1] + 1) {
            if (i > 0 && idx[i] <= idx[i - 1])
                return NULL;                    /* not ascending: gather by index */
            runs[++r] = (vec_run){idx[i], 0};
        }
        runs[r].len++;
    }
    *n_runs = nr;
    return runs;
}

st_status ex_chunk_take(st_arena *a, const ex_chunk *in, const int32_t *idx, int64_t n,
                        ex_chunk *out, st_error *err)
{
    vec **cols = st_arena_calloc(a, (size_t)(in->n_cols > 0 ? in->n_cols : 1), sizeof *cols);
    if (!cols)
        return oom(err);
    /* OPT: results identical if removed. Mostly consecutive rows (a filter
    ** keeping most of a chunk) are copied range by range. */
    int64_t n_runs = 0;
    vec_run *runs = in->n_cols > 1 ? as_runs(a, idx, n, &n_runs) : NULL;
    for (int c = 0; c < in->n_cols; c++) {
        if (!in->cols[c])
            continue;                 /* a column the caller left out */
        st_status rc = runs ? vec_take_runs(a, in->cols[c], runs, n_runs, n, &cols[c], err)
                            : vec_take(a, in->cols[c], idx, n, &cols[c], err);
        if (rc != ST_OK)
            return rc;
    }
    out->n_rows = n;
    out->n_cols = in->n_cols;
    out->cols = cols;
    return ST_OK;
}

/* One row range of a source vector. */
typedef struct ex_range {
    const vec *v;
    int64_t    start;                 /* first row */
    int64_t    n;                     /* rows */
} ex_range;

/* Copies bit range [from, from+n) of src to bit position at of dst. */
static void copy_bits(uint8_t *dst, int64_t at, const uint8_t *src, int64_t from, int64_t n)
{
    if ((at & 7) == 0 && (from & 7) == 0) {
        size_t whole = (size_t)(n / 8);
        memcpy(dst + at / 8, src + from / 8, whole);
        for (int64_t i = (int64_t)whole * 8; i < n; i++)
            if (vec_bit_get(src, from + i)) vec_bit_set(dst, at + i);
        return;
    }
    for (int64_t i = 0; i < n; i++)
        if (vec_bit_get(src, from + i)) vec_bit_set(dst, at + i);
}

static st_status concat_ranges(st_arena *a, const vec_type *t, const ex_range *r, int k,
                               vec **out, st_error *err);

static st_status concat_validity(st_arena *a, const ex_range *r, int k, vec *v, st_error *err)
{
    bool any = false;
    for (int i = 0; i < k && !any; i++)
        any = r[i].v->validity != NULL && r[i].v->null_count != 0 && r[i].n > 0;
    if (!any || v->type->id == VEC_NULL)
        return ST_OK;
    uint8_t *bits = st_arena_calloc(a, 1, vec_bitmap_bytes(v->len) + 1);
    if (!bits)
        return oom(err);
    int64_t at = 0, nulls = 0;
    for (int i = 0; i < k; i++) {
        const vec *s = r[i].v;
        if (s->validity && s->null_count != 0) {
            copy_bits(bits, at, s->validity, r[i].start, r[i].n);
        } else {
            for (int64_t j = 0; j < r[i].n; j++) vec_bit_set(bits, at + j);
        }
        at += r[i].n;
    }
    for (int64_t j = 0; j < v->len; j++)
        nulls += !vec_bit_get(bits, j);
    v->null_count = nulls;
    v->validity = nulls ? bits : NULL;
    return ST_OK;
}

static st_status concat_varlen(st_arena *a, const ex_range *r, int k, vec *v, st_error *err)
{
    int64_t total = 0;
    for (int i = 0; i < k; i++) {
        const int32_t *o = vec_offsets(r[i].v);
        total += (int64_t)o[r[i].start + r[i].n] - o[r[i].start];
    }
    if (total > INT32_MAX)
        return st_error_set(err, ST_ERR_LIMIT, "concatenated strings exceed 2 GiB (%lld bytes)",
                            (long long)total);
    int32_t *off = v->values;
    v->bytes = st_arena_alloc(a, (size_t)total + 1);
    if (!v->bytes)
        return oom(err);
    int64_t row = 0;
    int32_t pos = 0;
    for (int i = 0; i < k; i++) {
        const int32_t *o = vec_offsets(r[i].v);
        int32_t base = o[r[i].start];
        int32_t len = o[r[i].start + r[i].n] - base;
        if (len > 0)
            memcpy(v->bytes + pos, r[i].v->bytes + base, (size_t)len);
        for (int64_t j = 0; j < r[i].n; j++)
            off[row + j + 1] = pos + (o[r[i].start + j + 1] - base);
        row += r[i].n;
        pos += len;
    }
    v->n_bytes = total;
    return ST_OK;
}

static st_status concat_list(st_arena *a, const ex_range *r, int k, vec *v, st_error *err)
{
    ex_range *cr = st_malloc((size_t)(k > 0 ? k : 1) * sizeof *cr);
    if (!cr)
        return oom(err);
    int32_t *off = v->values;
    int64_t row = 0, pos = 0;
    for (int i = 0; i < k; i++) {
        const int32_t *o = vec_offsets(r[i].v);
        int32_t base = o[r[i].start];
        cr[i].v = r[i].v->children[0];
        cr[i].start = base;
        cr[i].n = o[r[i].start + r[i].n] - base;
        if (pos + cr[i].n > INT32_MAX) {
            st_free(cr);
            return st_error_set(err, ST_ERR_LIMIT, "concatenated lists exceed INT32_MAX elements");
        }
        for (int64_t j = 0; j < r[i].n; j++)
            off[row + j + 1] = (int32_t)(pos + (o[r[i].start + j + 1] - base));
        row += r[i].n;
        pos += cr[i].n;
    }
    st_status rc = concat_ranges(a, &v->type->children[0].type, cr, k, &v->children[0], err);
    st_free(cr);
    return rc;
}

static st_status concat_struct(st_arena *a, const ex_range *r, int k, vec *v, st_error *err)
{
    ex_range *cr = st_malloc((size_t)(k > 0 ? k : 1) * sizeof *cr);
    if (!cr)
        return oom(err);
    st_status rc = ST_OK;
    for (int c = 0; c < v->type->n_children && rc == ST_OK; c++) {
        for (int i = 0; i < k; i++) {
            cr[i] = r[i];
            cr[i].v = r[i].v->children[c];
        }
        rc = concat_ranges(a, &v->type->children[c].type, cr, k, &v->children[c], err);
    }
    st_free(cr);
    return rc;
}

/* A new vector of type t holding ranges r[0..k) one after another. */
static st_status concat_ranges(st_arena *a, const vec_type *t, const ex_range *r, int k,
                               vec **out, st_error *err)
{
    int64_t len = 0;
    for (int i = 0; i < k; i++) {
        if (r[i].v->type->id != t->id)
            return st_error_set(err, ST_ERR_INTERNAL, "cannot concatenate a %s vector into a %s one",
                                vec_type_id_name(r[i].v->type->id), vec_type_id_name(t->id));
        len += r[i].n;
    }
    vec *v = vec_new(a, t, len);
    if (!v)
        return oom(err);
    st_status rc = concat_validity(a, r, k, v, err);
    if (rc != ST_OK)
        return rc;
    int64_t at = 0;
    switch (t->id) {
    case VEC_NULL:
        break;
    case VEC_BOOL:
        for (int i = 0; i < k; i++) {
            copy_bits(v->values, at, r[i].v->values, r[i].start, r[i].n);
            at += r[i].n;
        }
        break;
    case VEC_STRING:
    case VEC_BINARY:
        rc = concat_varlen(a, r, k, v, err);
        break;
    case VEC_LIST:
    case VEC_MAP:
        rc = concat_list(a, r, k, v, err);
        break;
    case VEC_STRUCT:
        rc = concat_struct(a, r, k, v, err);
        break;
    default: {
        size_t w = (size_t)vec_type_width(t->id);
        for (int i = 0; i < k; i++) {
            if (r[i].n > 0)
                memcpy((uint8_t *)v->values + (size_t)at * w,
                       (const uint8_t *)r[i].v->values + (size_t)r[i].start * w,
                       (size_t)r[i].n * w);
            at += r[i].n;
        }
        break;
    }
    }
    if (rc != ST_OK)
        return rc;
    *out = v;
    return ST_OK;
}

st_status ex_chunk_copy(st_arena *a, const ex_chunk *in, ex_chunk *out, st_error *err)
{
    vec **cols = st_arena_calloc(a, (size_t)(in->n_cols > 0 ? in->n_cols : 1), sizeof *cols);
    if (!cols)
        return oom(err);
    for (int c = 0; c < in->n_cols; c++) {
        if (!in->cols[c])
            continue;                 /* a column the caller left out */
        ex_range r = {in->cols[c], 0, in->n_rows};
        st_status rc = concat_ranges(a, in->cols[c]->type, &r, 1, &cols[c], err);
        if (rc != ST_OK)
            return rc;
    }
    out->n_rows = in->n_rows;
    out->n_cols = in->n_cols;
    out->cols = cols;
    return ST_OK;
}

static int64_t vec_bytes(const vec *v, int64_t start, int64_t n)
{
    int64_t b = v->validity ? (int64_t)vec_bitmap_bytes(n) : 0;
    switch (v->type->id) {
    case VEC_NULL:
        return 0;
    case VEC_BOOL:
        return b + (int64_t)vec_bitmap_bytes(n);
    case VEC_STRING:
    case VEC_BINARY: {
        const int32_t *o = vec_offsets(v);
        return b + (n + 1) * 4 + (o[start + n] - o[start]);
    }
    case VEC_LIST:
    case VEC_MAP: {
        const int32_t *o = vec_offsets(v);
        return b + (n + 1) * 4 + vec_bytes(v->children[0], o[start], o[start + n] - o[start]);
    }
    case VEC_STRUCT:
        for (int c = 0; c < v->type->n_children; c++)
            b += vec_bytes(v->children[c], start, n);
        return b;
    default:
        return b + n * vec_type_width(v->type->id);
    }
}

int64_t ex_chunk_bytes(const ex_chunk *in)
{
    int64_t total = (int64_t)sizeof *in + in->n_cols * (int64_t)sizeof(vec);
    for (int c = 0; c < in->n_cols; c++)
        if (in->cols[c])
            total += vec_bytes(in->cols[c], 0, in->n_rows);
    return total;
}

st_status ex_chunk_concat(st_arena *a, const ex_chunk *const *in, int n, int n_cols,
                          ex_chunk *out, st_error *err)
{
    int64_t rows = 0;
    for (int i = 0; i < n; i++) {
        if (in[i]->n_cols < n_cols)
            return st_error_set(err, ST_ERR_INTERNAL,
                                "cannot concatenate a chunk of %d columns into %d columns",
                                in[i]->n_cols, n_cols);
        rows += in[i]->n_rows;
    }
    vec **cols = st_arena_calloc(a, (size_t)(n_cols > 0 ? n_cols : 1), sizeof *cols);
    ex_range *r = st_malloc((size_t)(n > 0 ? n : 1) * sizeof *r);
    if (!cols || !r) {
        st_free(r);
        return oom(err);
    }
    if (n == 0 && n_cols > 0) {
        st_free(r);
        return st_error_set(err, ST_ERR_INTERNAL, "cannot concatenate zero chunks of %d columns",
                            n_cols);
    }
    st_status rc = ST_OK;
    for (int c = 0; c < n_cols && rc == ST_OK; c++) {
        for (int i = 0; i < n; i++) {
            r[i].v = in[i]->cols[c];
            r[i].start = 0;
            r[i].n = in[i]->n_rows;
        }
        rc = concat_ranges(a, in[0]->cols[c]->type, r, n, &cols[c], err);
    }
    st_free(r);
    if (rc != ST_OK)
        return rc;
    out->n_rows = rows;
    out->n_cols = n_cols;
    out->cols = cols;
    return ST_OK;
}

st_status ex_vec_concat(st_arena *a, const vec *const *in, int n, const vec_type *t, vec **out,
                        st_error *err)
{
    ex_range *r = st_malloc((size_t)(n > 0 ? n : 1) * sizeof *r);
    if (!r)
        return oom(err);
    for (int i = 0; i < n; i++) {
        r[i].v = in[i];
        r[i].start = 0;
        r[i].n = in[i]->len;
    }
    st_status rc = concat_ranges(a, t, r, n, out, err);
    st_free(r);
    return rc;
}

st_status ex_vec_slice(st_arena *a, const vec *v, int64_t start, int64_t n, vec **out,
                       st_error *err)
{
    if (start < 0 || n < 0 || start + n > v->len)
        return st_error_set(err, ST_ERR_INTERNAL,
                            "rows [%lld, %lld) are outside a vector of %lld rows",
                            (long long)start, (long long)(start + n), (long long)v->len);
    ex_range r = {v, start, n};
    return concat_ranges(a, v->type, &r, 1, out, err);
}
