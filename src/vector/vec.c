/* vec.c -- allocating vectors and batches in the Arrow layout of vec.h, and
** keeping their validity bitmaps and null counts exact.
**
** Invariants kept here: every buffer comes from the caller's (batch) arena;
** fixed-width values, BOOL bitmaps and offsets start zeroed, so a fresh vector
** of len rows is a valid vector of zeros / empty strings / empty lists;
** validity is NULL exactly when null_count == 0 after vec_finish_validity.
** A VEC_NULL vector has no buffers and null_count == len (Arrow's null type).
** Sizes are overflow-checked before any allocation; failures return NULL or
** ST_ERR_NOMEM / ST_ERR_LIMIT, never abort. */
#include "vec.h"

#include <inttypes.h>

/* Zeroed arena bytes for count elements of size bytes; NULL on overflow/OOM. */
static void *zalloc(st_arena *a, int64_t count, size_t size)
{
    size_t total;
    if (count < 0 || (uint64_t)count > SIZE_MAX || !st_mul_size((size_t)count, size, &total))
        return NULL;
    return st_arena_calloc(a, 1, total);
}

/* Allocates the children array of a nested vector and each child vector. */
static bool new_children(st_arena *a, const vec_type *t, vec *v, int64_t child_len)
{
    if (t->n_children <= 0 || !t->children)
        return t->id == VEC_STRUCT && t->n_children == 0;
    v->children = zalloc(a, t->n_children, sizeof(vec *));
    if (!v->children)
        return false;
    for (int i = 0; i < t->n_children; i++) {
        v->children[i] = vec_new(a, &t->children[i].type, child_len);
        if (!v->children[i])
            return false;
    }
    return true;
}

vec *vec_new(st_arena *a, const vec_type *t, int64_t len)
{
    if (!a || !t || len < 0 || len >= INT64_MAX)
        return NULL;
    vec *v = st_arena_calloc(a, 1, sizeof *v);
    if (!v)
        return NULL;
    v->type = t;
    v->len = len;
    int width = vec_type_width(t->id);
    switch (t->id) {
    case VEC_NULL:
        v->null_count = len;
        return v;
    case VEC_BOOL:
        v->values = st_arena_calloc(a, 1, vec_bitmap_bytes(len));
        return v->values ? v : NULL;
    case VEC_STRING:
    case VEC_BINARY:
        v->values = zalloc(a, len + 1, sizeof(int32_t));
        return v->values ? v : NULL;
    case VEC_LIST:
    case VEC_MAP:
        if (t->n_children != 1)
            return NULL;
        v->values = zalloc(a, len + 1, sizeof(int32_t));
        if (!v->values || !new_children(a, t, v, 0))
            return NULL;
        return v;
    case VEC_STRUCT:
        return new_children(a, t, v, len) ? v : NULL;
    default:
        if (width <= 0)
            return NULL;              /* an id outside the enum */
        v->values = zalloc(a, len, (size_t)width);
        return v->values ? v : NULL;
    }
}

st_status vec_alloc_validity(st_arena *a, vec *v, st_error *err)
{
    if (v->validity || v->type->id == VEC_NULL)
        return ST_OK;                 /* VEC_NULL has no validity buffer */
    size_t n = vec_bitmap_bytes(v->len);
    uint8_t *bits = st_arena_alloc(a, n);
    if (!bits)
        return st_error_set(err, ST_ERR_NOMEM,
                            "out of memory allocating a validity bitmap of %zu bytes", n);
    memset(bits, 0xff, n);
    v->validity = bits;
    return ST_OK;
}

st_status vec_set_null(st_arena *a, vec *v, int64_t i, st_error *err)
{
    if (i < 0 || i >= v->len)
        return st_error_set(err, ST_ERR_INTERNAL,
                            "row %" PRId64 " is out of range for a vector of %" PRId64 " rows",
                            i, v->len);
    if (v->type->id == VEC_NULL)
        return ST_OK;                 /* every row is already null */
    st_status rc = vec_alloc_validity(a, v, err);
    if (rc != ST_OK)
        return rc;
    if (vec_bit_get(v->validity, i)) {
        vec_bit_clear(v->validity, i);
        v->null_count++;
    }
    return ST_OK;
}

void vec_finish_validity(vec *v)
{
    if (v->type->id == VEC_NULL) {
        v->validity = NULL;
        v->null_count = v->len;
        return;
    }
    if (!v->validity) {
        v->null_count = 0;
        return;
    }
    int64_t nulls = 0, full = v->len / 8;
    for (int64_t k = 0; k < full; k++)
        nulls += 8 - __builtin_popcount(v->validity[k]);
    for (int64_t i = full * 8; i < v->len; i++)
        nulls += !vec_bit_get(v->validity, i);
    v->null_count = nulls;
    if (nulls == 0)
        v->validity = NULL;
}

/* The batch struct lives in its own arena, so freeing the arena frees all. */
vec_batch *vec_batch_new(const vec_schema *s, int n_cols, size_t arena_block)
{
    if (n_cols < 0)
        return NULL;
    st_arena *a = st_arena_new(arena_block);
    if (!a)
        return NULL;
    vec_batch *b = st_arena_calloc(a, 1, sizeof *b);
    vec **cols = zalloc(a, n_cols, sizeof(vec *));
    if (!b || !cols) {
        st_arena_free(a);
        return NULL;
    }
    b->schema = s;
    b->n_cols = n_cols;
    b->cols = cols;
    b->arena = a;
    return b;
}

void vec_batch_free(vec_batch *b)
{
    if (b)
        st_arena_free(b->arena);
}

void vec_set_type(vec *v, const vec_type *t)
{
    v->type = t;
    if (!v->children)
        return;
    for (int i = 0; i < t->n_children; i++)
        if (v->children[i])
            vec_set_type(v->children[i], &t->children[i].type);
}
