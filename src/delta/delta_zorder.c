/* delta_zorder.c -- the Z-order row order of OPTIMIZE ... ZORDER BY
** (delta_zorder.h), implemented by hand: no packaged C library computes
** Delta's multi-dimensional clustering.
**
** Like Delta (which maps each column to a range id before interleaving),
** values are not interleaved as raw bits: every column is first replaced by
** the dense rank of its value within the rows being clustered, so columns of
** any orderable type and any skew get an equal share of the key. Ranks are
** scaled to `bits` = min(21, 64 / n_cols) bits (rank * 2^bits / n_distinct,
** so the scaled keys spread over the whole bit range) and interleaved most
** significant bit first, column 0 before column 1 at each bit. Rows are then
** sorted by key; equal keys keep input order.
**
** Ordering of values (Spark's): NULLs first, NaN after every other double,
** -0.0 equal to 0.0, strings and binary bytewise (shorter prefix first),
** false before true. Memory: about 40 bytes per row besides the batches. */
#include "delta_zorder.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

/* ---- value ordering -------------------------------------------------------- */

bool delta_zorder_type_ok(const vec_type *t)
{
    return t->id != VEC_NULL && !vec_type_is_nested(t->id) && t->id < VEC_TYPE_COUNT;
}

static int cmp_i64(int64_t x, int64_t y)
{
    return (x > y) - (x < y);
}

static int cmp_u64(uint64_t x, uint64_t y)
{
    return (x > y) - (x < y);
}

static int cmp_f64(double x, double y)
{
    bool nx = isnan(x), ny = isnan(y);
    if (nx || ny)
        return (int)nx - (int)ny;
    return (x > y) - (x < y);
}

static int cmp_bytes(const vec *a, int64_t i, const vec *b, int64_t j)
{
    const int32_t *oa = vec_offsets(a), *ob = vec_offsets(b);
    size_t na = (size_t)(oa[i + 1] - oa[i]), nb = (size_t)(ob[j + 1] - ob[j]);
    int c = st_memcmp(a->bytes + oa[i], b->bytes + ob[j], ST_MIN(na, nb));
    return c != 0 ? c : (na > nb) - (na < nb);
}

/* Compares two valid values of the same scalar type. CMP_AT(cmp, T) applies
** cmp to element i of a and element j of b, both stored as C type T. */
#define CMP_AT(cmp, T) cmp(((const T *)a->values)[i], ((const T *)b->values)[j])
static int cmp_value(const vec *a, int64_t i, const vec *b, int64_t j)
{
    switch (a->type->id) {
    case VEC_BOOL:
        return (int)vec_bit_get(a->values, i) - (int)vec_bit_get(b->values, j);
    case VEC_INT8:
        return CMP_AT(cmp_i64, int8_t);
    case VEC_INT16:
        return CMP_AT(cmp_i64, int16_t);
    case VEC_INT32:
    case VEC_DATE:
        return CMP_AT(cmp_i64, int32_t);
    case VEC_INT64:
    case VEC_TIME:
    case VEC_TIMESTAMP:
    case VEC_TIMESTAMP_NTZ:
        return CMP_AT(cmp_i64, int64_t);
    case VEC_UINT8:
        return CMP_AT(cmp_u64, uint8_t);
    case VEC_UINT16:
        return CMP_AT(cmp_u64, uint16_t);
    case VEC_UINT32:
        return CMP_AT(cmp_u64, uint32_t);
    case VEC_UINT64:
        return CMP_AT(cmp_u64, uint64_t);
    case VEC_FLOAT:
        return CMP_AT(cmp_f64, float);
    case VEC_DOUBLE:
        return CMP_AT(cmp_f64, double);
    case VEC_DECIMAL: {
        __int128 x, y;
        memcpy(&x, (const uint8_t *)a->values + 16 * i, 16);
        memcpy(&y, (const uint8_t *)b->values + 16 * j, 16);
        return (x > y) - (x < y);
    }
    case VEC_STRING:
    case VEC_BINARY:
        return cmp_bytes(a, i, b, j);
    default:
        return 0;                    /* excluded by delta_zorder_type_ok */
    }
}
#undef CMP_AT

typedef struct zorder_ctx {
    vec_batch *const   *batches;     /* borrowed */
    const delta_row_ref *refs;       /* borrowed: rows in input order */
    int                 col;         /* column being ranked */
} zorder_ctx;

/* Orders two input positions by the ranked column's value. */
static int cmp_pos(const void *x, const void *y, void *ud)
{
    const zorder_ctx *c = ud;
    const delta_row_ref *a = &c->refs[*(const int64_t *)x], *b = &c->refs[*(const int64_t *)y];
    const vec *va = c->batches[a->batch]->cols[c->col];
    const vec *vb = c->batches[b->batch]->cols[c->col];
    bool na = !vec_is_valid(va, a->row), nb = !vec_is_valid(vb, b->row);
    if (na || nb)
        return (int)nb - (int)na;    /* NULLs first */
    return cmp_value(va, a->row, vb, b->row);
}

/* ---- keys ----------------------------------------------------------------- */

/* Bit b of column c's key lands at bit b * n_cols + (n_cols - 1 - c). */
static uint64_t spread(uint64_t key, int c, int n_cols, int bits)
{
    uint64_t z = 0;
    for (int b = 0; b < bits; b++)
        z |= ((key >> b) & 1u) << (b * n_cols + (n_cols - 1 - c));
    return z;
}

uint64_t delta_zorder_interleave(const uint64_t *keys, int n_cols, int bits)
{
    uint64_t z = 0;
    for (int c = 0; c < n_cols; c++)
        z |= spread(keys[c], c, n_cols, bits);
    return z;
}

typedef struct zkey {
    uint64_t z;                      /* Morton code */
    int64_t  pos;                    /* input position (stable tie-break) */
} zkey;

static int cmp_zkey(const void *x, const void *y)
{
    const zkey *a = x, *b = y;
    if (a->z != b->z)
        return a->z < b->z ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

/* Ranks column col over the n rows of ctx->refs and ORs the scaled key of
** each row, as Z-order column c, into keys[pos].z. order is scratch of n. */
static void add_column(zorder_ctx *ctx, int64_t n, int c, int n_cols, int bits, int64_t *order,
                       zkey *keys)
{
    for (int64_t k = 0; k < n; k++)
        order[k] = k;
    qsort_r(order, (size_t)n, sizeof *order, cmp_pos, ctx);
    /* One pass counts distinct values, the second scales each dense rank. */
    uint64_t r = 0;
    for (int64_t k = 1; k < n; k++)
        if (cmp_pos(&order[k - 1], &order[k], ctx) != 0)
            r++;
    uint64_t n_distinct = r + 1;
    r = 0;
    for (int64_t k = 0; k < n; k++) {
        if (k > 0 && cmp_pos(&order[k - 1], &order[k], ctx) != 0)
            r++;
        uint64_t scaled = n_distinct > 1
            ? (uint64_t)(((unsigned __int128)r << bits) / n_distinct) : 0;
        keys[order[k]].z |= spread(scaled, c, n_cols, bits);
    }
}

st_status delta_zorder_sort(vec_batch *const *batches, size_t n_batches, const int *cols,
                            int n_cols, delta_row_ref **out, int64_t *n_out, st_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (n_cols < 1 || n_cols > DELTA_ZORDER_MAX_COLS)
        return st_error_set(err, ST_ERR_ARGUMENT, "cannot z-order by %d columns (1 to %d allowed)",
                            n_cols, DELTA_ZORDER_MAX_COLS);
    size_t n = 0;
    for (size_t b = 0; b < n_batches; b++) {
        if (batches[b]->n_rows < 0 || batches[b]->n_rows > (int64_t)UINT32_MAX ||
            !st_add_size(n, (size_t)batches[b]->n_rows, &n))
            return st_error_set(err, ST_ERR_ARGUMENT, "batch %zu of %" PRId64 " rows is too large "
                                "to z-order", b, batches[b]->n_rows);
        for (int c = 0; c < n_cols; c++)
            if (!delta_zorder_type_ok(batches[b]->cols[cols[c]]->type)) {
                char tn[64];
                vec_type_format(batches[b]->cols[cols[c]]->type, tn, sizeof tn);
                return st_error_set(err, ST_ERR_UNSUPPORTED, "cannot z-order by a column of "
                                    "type %s", tn);
            }
    }
    if (n_batches > UINT32_MAX)
        return st_error_set(err, ST_ERR_ARGUMENT, "too many batches to z-order (%zu)", n_batches);
    if (n == 0)
        return ST_OK;
    size_t b1, b2, b3;
    if (!st_mul_size(n, sizeof(delta_row_ref), &b1) || !st_mul_size(n, sizeof(int64_t), &b2) ||
        !st_mul_size(n, sizeof(zkey), &b3))
        return st_error_set(err, ST_ERR_NOMEM, "out of memory z-ordering %zu rows", n);
    delta_row_ref *refs = st_malloc(b1);
    int64_t *order = st_malloc(b2);
    zkey *keys = st_calloc(n, sizeof *keys);
    if (!refs || !order || !keys) {
        st_free(refs);
        st_free(order);
        st_free(keys);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory z-ordering %zu rows", n);
    }
    size_t k = 0;
    for (size_t b = 0; b < n_batches; b++)
        for (int64_t r = 0; r < batches[b]->n_rows; r++, k++)
            refs[k] = (delta_row_ref){ .batch = (uint32_t)b, .row = (uint32_t)r };
    for (size_t i = 0; i < n; i++)
        keys[i].pos = (int64_t)i;
    int bits = ST_MIN(21, 64 / n_cols);
    for (int c = 0; c < n_cols; c++) {
        zorder_ctx ctx = { .batches = batches, .refs = refs, .col = cols[c] };
        add_column(&ctx, (int64_t)n, c, n_cols, bits, order, keys);
    }
    qsort(keys, n, sizeof *keys, cmp_zkey);
    delta_row_ref *sorted = st_malloc(b1);
    if (sorted)
        for (size_t i = 0; i < n; i++)
            sorted[i] = refs[keys[i].pos];
    st_free(refs);
    st_free(order);
    st_free(keys);
    if (!sorted)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory z-ordering %zu rows", n);
    *out = sorted;
    *n_out = (int64_t)n;
    return ST_OK;
}
