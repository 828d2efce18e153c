/* vec_kern.c -- shared vector kernels: gather rows (vec_take), filter a
** batch in place (vec_filter_batch), constant vectors (vec_constant) and the
** widening casts Delta type widening needs (vec_cast_widen).
**
** Every kernel builds new vectors in the arena it is given and never writes
** to its inputs (vectors are immutable once handed out). Offsets stay int32
** as in Arrow's layout: a result whose bytes or elements would pass
** INT32_MAX is ST_ERR_LIMIT. Nested vectors are handled recursively: a
** STRUCT gathers every child with the same indices, a LIST/MAP gathers the
** element ranges of the chosen rows. */
#include "vec.h"

#include <limits.h>

static st_status oom(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory in a vector kernel");
}

/* A vector header of type t and length n with no buffers. */
static vec *new_shell(st_arena *a, const vec_type *t, int64_t n)
{
    vec *v = st_arena_calloc(a, 1, sizeof *v);
    if (v) {
        v->type = t;
        v->len = n;
    }
    return v;
}

/* Gathers the validity bits of v at idx into out (null_count exact). */
static st_status take_validity(st_arena *a, const vec *v, const int32_t *idx, int64_t n,
                               vec *out, st_error *err)
{
    if (v->type->id == VEC_NULL) {
        out->null_count = n;
        return ST_OK;
    }
    if (!v->validity || v->null_count == 0)
        return ST_OK;
    out->validity = st_arena_calloc(a, 1, vec_bitmap_bytes(n) + 1);
    if (!out->validity)
        return oom(err);
    int64_t nulls = 0;
    for (int64_t i = 0; i < n; i++) {
        if (vec_bit_get(v->validity, idx[i]))
            vec_bit_set(out->validity, i);
        else
            nulls++;
    }
    out->null_count = nulls;
    if (nulls == 0)
        out->validity = NULL;
    return ST_OK;
}

static st_status take_varlen(st_arena *a, const vec *v, const int32_t *idx, int64_t n, vec *out,
                             st_error *err)
{
    const int32_t *off = vec_offsets(v);
    int64_t total = 0;
    for (int64_t i = 0; i < n; i++)
        total += (int64_t)off[idx[i] + 1] - off[idx[i]];
    if (total > INT32_MAX)
        return st_error_set(err, ST_ERR_LIMIT, "gathered strings exceed 2 GiB (%lld bytes)",
                            (long long)total);
    int32_t *o = st_arena_alloc(a, (size_t)(n + 1) * sizeof *o);
    uint8_t *bytes = st_arena_alloc(a, (size_t)total + 1);
    if (!o || !bytes)
        return oom(err);
    int32_t pos = 0;
    o[0] = 0;
    for (int64_t i = 0; i < n; i++) {
        int32_t len = off[idx[i] + 1] - off[idx[i]];
        if (len > 0)
            memcpy(bytes + pos, v->bytes + off[idx[i]], (size_t)len);
        pos += len;
        o[i + 1] = pos;
    }
    out->values = o;
    out->bytes = bytes;
    out->n_bytes = total;
    return ST_OK;
}

static st_status take_list(st_arena *a, const vec *v, const int32_t *idx, int64_t n, vec *out,
                           st_error *err)
{
    const int32_t *off = vec_offsets(v);
    int64_t total = 0;
    for (int64_t i = 0; i < n; i++)
        total += (int64_t)off[idx[i] + 1] - off[idx[i]];
    if (total > INT32_MAX)
        return st_error_set(err, ST_ERR_LIMIT, "gathered lists exceed INT32_MAX elements");
    int32_t *o = st_arena_alloc(a, (size_t)(n + 1) * sizeof *o);
    int32_t *child_idx = st_malloc((size_t)(total ? total : 1) * sizeof *child_idx);
    out->children = st_arena_calloc(a, 1, sizeof(vec *));
    if (!o || !child_idx || !out->children) {
        st_free(child_idx);
        return oom(err);
    }
    int32_t pos = 0;
    o[0] = 0;
    for (int64_t i = 0; i < n; i++) {
        for (int32_t k = off[idx[i]]; k < off[idx[i] + 1]; k++)
            child_idx[pos++] = k;
        o[i + 1] = pos;
    }
    out->values = o;
    st_status rc = vec_take(a, v->children[0], child_idx, total, &out->children[0], err);
    st_free(child_idx);
    return rc;
}

static st_status take_values(st_arena *a, const vec *v, const int32_t *idx, int64_t n, vec *out,
                             st_error *err)
{
    const vec_type *t = v->type;
    switch (t->id) {
    case VEC_NULL:
        return ST_OK;
    case VEC_BOOL:
        out->values = st_arena_calloc(a, 1, vec_bitmap_bytes(n) + 1);
        if (!out->values)
            return oom(err);
        for (int64_t i = 0; i < n; i++)
            if (vec_bit_get(v->values, idx[i]))
                vec_bit_set(out->values, i);
        return ST_OK;
    case VEC_STRING:
    case VEC_BINARY:
        return take_varlen(a, v, idx, n, out, err);
    case VEC_LIST:
    case VEC_MAP:
        return take_list(a, v, idx, n, out, err);
    case VEC_STRUCT:
        out->children = st_arena_calloc(a, (size_t)(t->n_children ? t->n_children : 1),
                                        sizeof(vec *));
        if (!out->children)
            return oom(err);
        for (int c = 0; c < t->n_children; c++) {
            st_status rc = vec_take(a, v->children[c], idx, n, &out->children[c], err);
            if (rc != ST_OK)
                return rc;
        }
        return ST_OK;
    default: {
        size_t w = (size_t)vec_type_width(t->id);
        if (w == 0)
            return st_error_set(err, ST_ERR_INTERNAL, "cannot gather vector type %d", (int)t->id);
        uint8_t *dst = st_arena_alloc(a, (size_t)n * w + 1);
        if (!dst)
            return oom(err);
        const uint8_t *src = v->values;
        /* OPT: one typed loop per width (a memcpy of a run-time width is a
        ** library call per row). */
#define TAKE_W(W) for (int64_t i = 0; i < n; i++) \
            memcpy(dst + (size_t)i * (W), src + (size_t)idx[i] * (W), (W))
        switch (w) {
        case 1: TAKE_W(1); break;
        case 2: TAKE_W(2); break;
        case 4: TAKE_W(4); break;
        case 8: TAKE_W(8); break;
        case 16: TAKE_W(16); break;
        default: TAKE_W(w); break;
        }
#undef TAKE_W
        out->values = dst;
        return ST_OK;
    }
    }
}

st_status vec_take(st_arena *a, const vec *v, const int32_t *idx, int64_t n, vec **out,
                   st_error *err)
{
    for (int64_t i = 0; i < n; i++)
        if (idx[i] < 0 || idx[i] >= v->len)
            return st_error_set(err, ST_ERR_ARGUMENT, "row index %d is outside a vector of %lld rows",
                                idx[i], (long long)v->len);
    vec *r = new_shell(a, v->type, n);
    if (!r)
        return oom(err);
    st_status rc = take_validity(a, v, idx, n, r, err);
    if (rc == ST_OK)
        rc = take_values(a, v, idx, n, r, err);
    if (rc != ST_OK)
        return rc;
    *out = r;
    return ST_OK;
}

/* ---- gathering row ranges ---------------------------------------------------- */

/* The row indices of runs[0..nr) (n in all), heap-allocated; NULL on OOM. */
static int32_t *runs_to_idx(const vec_run *runs, int64_t nr, int64_t n)
{
    int32_t *idx = st_malloc((size_t)(n > 0 ? n : 1) * sizeof *idx);
    if (!idx)
        return NULL;
    int64_t k = 0;
    for (int64_t r = 0; r < nr; r++)
        for (int64_t i = 0; i < runs[r].len; i++)
            idx[k++] = (int32_t)(runs[r].start + i);
    return idx;
}

st_status vec_take_runs(st_arena *a, const vec *v, const vec_run *runs, int64_t n_runs,
                        int64_t n, vec **out, st_error *err)
{
    int64_t total = 0;
    for (int64_t r = 0; r < n_runs; r++) {
        if (runs[r].start < 0 || runs[r].len < 0 || runs[r].start + runs[r].len > v->len)
            return st_error_set(err, ST_ERR_ARGUMENT, "row range %lld+%lld is outside a vector "
                                "of %lld rows", (long long)runs[r].start, (long long)runs[r].len,
                                (long long)v->len);
        total += runs[r].len;
    }
    if (total != n)
        return st_error_set(err, ST_ERR_ARGUMENT, "row ranges hold %lld rows, not %lld",
                            (long long)total, (long long)n);
    vec_type_id id = v->type->id;
    size_t w = (size_t)vec_type_width(id);
    bool nulls = v->validity && v->null_count > 0;
    int32_t *idx = NULL;
    if ((w == 0 && !vec_type_is_varlen(id)) || nulls) {
        /* BOOL and nested types gather by index, and so do NULL bits. */
        if (!(idx = runs_to_idx(runs, n_runs, n)))
            return oom(err);
        if (w == 0 && !vec_type_is_varlen(id)) {
            st_status rc = vec_take(a, v, idx, n, out, err);
            st_free(idx);
            return rc;
        }
    }
    vec *res = new_shell(a, v->type, n);
    st_status rc = res ? take_validity(a, v, idx, n, res, err) : oom(err);
    st_free(idx);
    if (rc != ST_OK)
        return rc;
    if (w > 0) {
        uint8_t *dst = st_arena_alloc(a, (size_t)n * w + 1);
        if (!dst)
            return oom(err);
        size_t at = 0;
        for (int64_t r = 0; r < n_runs; r++) {
            size_t len = (size_t)runs[r].len * w;
            memcpy(dst + at, (const uint8_t *)v->values + (size_t)runs[r].start * w, len);
            at += len;
        }
        res->values = dst;
    } else {
        const int32_t *off = vec_offsets(v);
        int64_t bytes = 0;
        for (int64_t r = 0; r < n_runs; r++)
            bytes += (int64_t)off[runs[r].start + runs[r].len] - off[runs[r].start];
        if (bytes > INT32_MAX)
            return st_error_set(err, ST_ERR_LIMIT, "gathered strings exceed 2 GiB (%lld bytes)",
                                (long long)bytes);
        int32_t *o = st_arena_alloc(a, (size_t)(n + 1) * sizeof *o);
        uint8_t *b = st_arena_alloc(a, (size_t)bytes + 1);
        if (!o || !b)
            return oom(err);
        int64_t at = 0;
        int32_t pos = 0;
        o[0] = 0;
        for (int64_t r = 0; r < n_runs; r++) {
            int64_t s0 = runs[r].start, len = runs[r].len;
            int32_t base = off[s0], nb = off[s0 + len] - base;
            if (nb > 0)
                memcpy(b + pos, v->bytes + base, (size_t)nb);
            for (int64_t i = 1; i <= len; i++)
                o[at + i] = pos + (off[s0 + i] - base);
            at += len;
            pos += nb;
        }
        res->values = o;
        res->bytes = b;
        res->n_bytes = bytes;
    }
    *out = res;
    return ST_OK;
}

st_status vec_filter_batch(vec_batch *b, const uint8_t *keep, st_error *err)
{
    int64_t n = 0;
    for (int64_t i = 0; i < b->n_rows; i++)
        n += keep[i] != 0;
    if (n == b->n_rows)
        return ST_OK;                      /* OPT: results identical if removed */
    int32_t *idx = st_malloc((size_t)(n ? n : 1) * sizeof *idx);
    vec **cols = st_arena_calloc(b->arena, (size_t)(b->n_cols ? b->n_cols : 1), sizeof(vec *));
    if (!idx || !cols) {
        st_free(idx);
        return oom(err);
    }
    int64_t k = 0;
    for (int64_t i = 0; i < b->n_rows; i++)
        if (keep[i])
            idx[k++] = (int32_t)i;
    st_status rc = ST_OK;
    for (int c = 0; c < b->n_cols && rc == ST_OK; c++)
        rc = vec_take(b->arena, b->cols[c], idx, n, &cols[c], err);
    st_free(idx);
    if (rc != ST_OK)
        return rc;
    b->cols = cols;
    b->n_rows = n;
    return ST_OK;
}

/* An all-null vector of any type (nested ones get empty/zeroed children). */
static st_status constant_null(st_arena *a, const vec_type *t, int64_t n, vec **out,
                               st_error *err)
{
    vec *v = vec_new(a, t, n);
    if (!v)
        return oom(err);
    if (t->id != VEC_NULL) {
        v->validity = st_arena_calloc(a, 1, vec_bitmap_bytes(n) + 1);
        if (!v->validity)
            return oom(err);
    }
    v->null_count = n;
    *out = v;
    return ST_OK;
}

static void fill_fixed(vec *v, const vec_scalar *s, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        switch (v->type->id) {
        case VEC_INT8:   ((int8_t *)v->values)[i] = (int8_t)s->i64; break;
        case VEC_INT16:  ((int16_t *)v->values)[i] = (int16_t)s->i64; break;
        case VEC_INT32:
        case VEC_DATE:   ((int32_t *)v->values)[i] = (int32_t)s->i64; break;
        case VEC_UINT8:  ((uint8_t *)v->values)[i] = (uint8_t)s->u64; break;
        case VEC_UINT16: ((uint16_t *)v->values)[i] = (uint16_t)s->u64; break;
        case VEC_UINT32: ((uint32_t *)v->values)[i] = (uint32_t)s->u64; break;
        case VEC_UINT64: ((uint64_t *)v->values)[i] = s->u64; break;
        case VEC_FLOAT:  ((float *)v->values)[i] = (float)s->f64; break;
        case VEC_DOUBLE: ((double *)v->values)[i] = s->f64; break;
        case VEC_DECIMAL: memcpy((uint8_t *)v->values + i * 16, &s->i128, 16); break;
        default:         ((int64_t *)v->values)[i] = s->i64; break;  /* INT64, TIME, TIMESTAMP* */
        }
    }
}

st_status vec_constant(st_arena *a, const vec_type *t, const vec_scalar *s, int64_t n, vec **out,
                       st_error *err)
{
    if (!s || s->is_null || t->id == VEC_NULL)
        return constant_null(a, t, n, out, err);
    if (vec_type_is_nested(t->id))
        return st_error_set(err, ST_ERR_ARGUMENT, "a constant of a nested type must be null");
    if (vec_type_is_varlen(t->id)) {
        size_t total;
        if (!st_mul_size((size_t)s->n_bytes, (size_t)n, &total) || total > INT32_MAX)
            return st_error_set(err, ST_ERR_LIMIT, "constant vector of %lld x %lld bytes is too big",
                                (long long)n, (long long)s->n_bytes);
    }
    vec *v = vec_new(a, t, n);
    if (!v)
        return oom(err);
    if (t->id == VEC_BOOL) {
        if (s->i64)
            memset(v->values, 0xff, vec_bitmap_bytes(n));
    } else if (vec_type_is_varlen(t->id)) {
        int32_t *o = vec_offsets(v);
        v->bytes = st_arena_alloc(a, (size_t)(s->n_bytes * n) + 1);
        if (!v->bytes)
            return oom(err);
        for (int64_t i = 0; i < n; i++) {
            if (s->n_bytes)
                memcpy(v->bytes + i * s->n_bytes, s->bytes, (size_t)s->n_bytes);
            o[i + 1] = (int32_t)((i + 1) * s->n_bytes);
        }
        v->n_bytes = s->n_bytes * n;
    } else {
        fill_fixed(v, s, n);
    }
    *out = v;
    return ST_OK;
}

/* ---- widening ------------------------------------------------------------ */

static bool is_signed_int(vec_type_id id)
{
    return id == VEC_INT8 || id == VEC_INT16 || id == VEC_INT32 || id == VEC_INT64;
}

static int int_rank(vec_type_id id)
{
    return id == VEC_INT8 ? 1 : id == VEC_INT16 ? 2 : id == VEC_INT32 ? 3 : id == VEC_INT64 ? 4 : 0;
}

static int64_t load_int(const vec *v, int64_t i)
{
    switch (v->type->id) {
    case VEC_INT8:  return ((const int8_t *)v->values)[i];
    case VEC_INT16: return ((const int16_t *)v->values)[i];
    case VEC_INT32:
    case VEC_DATE:  return ((const int32_t *)v->values)[i];
    default:        return ((const int64_t *)v->values)[i];
    }
}

static __int128 pow10_i128(int k)
{
    __int128 p = 1;
    while (k-- > 0)
        p *= 10;
    return p;
}

/* Whether `from` -> `to` is a widening this kernel performs (scalars). */
static bool can_widen(const vec_type *from, const vec_type *to)
{
    vec_type_id f = from->id, t = to->id;
    if (is_signed_int(f) && is_signed_int(t))
        return int_rank(f) <= int_rank(t);
    if (is_signed_int(f) && t == VEC_DOUBLE)
        return int_rank(f) <= 3;
    if (f == VEC_FLOAT && t == VEC_DOUBLE)
        return true;
    if (is_signed_int(f) && t == VEC_DECIMAL) {
        static const int digits[] = {0, 3, 5, 10, 20};
        return to->precision - to->scale >= digits[int_rank(f)];
    }
    if (f == VEC_DECIMAL && t == VEC_DECIMAL)
        return to->scale >= from->scale && to->precision - to->scale >= from->precision - from->scale;
    if (f == VEC_DATE && t == VEC_TIMESTAMP_NTZ)
        return true;
    return f == t && !vec_type_is_nested(f) &&
           (f != VEC_DECIMAL || (from->precision == to->precision && from->scale == to->scale));
}

static void widen_row(const vec *v, const vec_type *to, void *dst, int64_t i)
{
    vec_type_id f = v->type->id;
    switch (to->id) {
    case VEC_INT16:  ((int16_t *)dst)[i] = (int16_t)load_int(v, i); break;
    case VEC_INT32:  ((int32_t *)dst)[i] = (int32_t)load_int(v, i); break;
    case VEC_INT64:  ((int64_t *)dst)[i] = load_int(v, i); break;
    case VEC_DOUBLE:
        ((double *)dst)[i] = f == VEC_FLOAT ? (double)((const float *)v->values)[i]
                                            : (double)load_int(v, i);
        break;
    case VEC_TIMESTAMP_NTZ: ((int64_t *)dst)[i] = load_int(v, i) * INT64_C(86400000000); break;
    case VEC_DECIMAL: {
        __int128 x;
        if (f == VEC_DECIMAL) {
            memcpy(&x, (const uint8_t *)v->values + i * 16, 16);
            x *= pow10_i128(to->scale - v->type->scale);
        } else {
            x = (__int128)load_int(v, i) * pow10_i128(to->scale);
        }
        memcpy((uint8_t *)dst + i * 16, &x, 16);
        break;
    }
    default: break;
    }
}

static st_status widen_scalar(st_arena *a, const vec *v, const vec_type *to, vec **out,
                              st_error *err)
{
    vec *r = new_shell(a, to, v->len);
    if (!r)
        return oom(err);
    r->null_count = v->null_count;
    r->validity = v->validity;
    int w = vec_type_width(to->id);
    r->values = st_arena_alloc(a, (size_t)v->len * (size_t)w + 1);
    if (!r->values)
        return oom(err);
    for (int64_t i = 0; i < v->len; i++)
        widen_row(v, to, r->values, i);
    *out = r;
    return ST_OK;
}

st_status vec_cast_widen(st_arena *a, const vec *v, const vec_type *to, vec **out,
                         st_error *err)
{
    const vec_type *from = v->type;
    if (from == to) {
        *out = (vec *)v;
        return ST_OK;
    }
    bool nested = vec_type_is_nested(from->id) || vec_type_is_nested(to->id);
    bool same_scalar = !nested && from->id == to->id &&
                       (from->id != VEC_DECIMAL ||
                        (from->precision == to->precision && from->scale == to->scale));
    if (from->id == VEC_NULL || same_scalar ||
        (nested && from->id == to->id && from->n_children == to->n_children)) {
        vec *r = new_shell(a, to, v->len);   /* same layout: retype, share buffers */
        if (!r)
            return oom(err);
        *r = *v;
        r->type = to;
        if (from->id == VEC_NULL && to->id != VEC_NULL)
            return constant_null(a, to, v->len, out, err);
        if (nested) {
            int nc = from->id == VEC_STRUCT ? from->n_children : 1;
            r->children = st_arena_calloc(a, (size_t)(nc ? nc : 1), sizeof(vec *));
            if (!r->children)
                return oom(err);
            for (int c = 0; c < nc; c++) {
                st_status rc = vec_cast_widen(a, v->children[c], &to->children[c].type,
                                              &r->children[c], err);
                if (rc != ST_OK)
                    return rc;
            }
        }
        *out = r;
        return ST_OK;
    }
    if (!nested && can_widen(from, to))
        return widen_scalar(a, v, to, out, err);
    char fb[64], tb[64];
    vec_type_format(from, fb, sizeof fb);
    vec_type_format(to, tb, sizeof tb);
    return st_error_set(err, ST_ERR_UNSUPPORTED, "cannot widen type %s to %s", fb, tb);
}
