/* ex_hash.c -- row hashing and value equality / ordering for the executor's
** hash tables (aggregate, join, IN sets) and sorts.
**
** Invariants: values that ex_value_equal calls equal hash equally when their
** types are equal. Floats follow Spark's grouping and ordering rules: every
** NaN equals every other NaN and sorts above +inf, -0.0 equals 0.0 (both are
** normalized before hashing). Signed integers hash as their int64 value and
** unsigned ones as their uint64 value, so widths do not change hashes.
** Strings and binary compare bytewise (unsigned) and hash with XXH3. STRUCT,
** LIST and MAP compare and hash recursively (inside nested values NULL equals
** NULL and sorts first). ex_hash_rows switches on the type once per column
** and then loops over the rows. */
#include "exec.h"

#include <math.h>
#include <xxhash.h>

#define HASH_NULL  0x6a09e667f3bcc909ULL  /* the hash of a NULL value */
#define HASH_NAN   0x3c6ef372fe94f82bULL  /* the hash of every NaN */
#define HASH_EMPTY 0xbb67ae8584caa73bULL  /* seed of a LIST/MAP fold */

/* A strong 64-bit finalizer (murmur3's fmix64). */
static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* Order-dependent combination of a running hash with a value hash. */
static inline uint64_t combine(uint64_t h, uint64_t v)
{
    return mix64(h * 0x9e3779b97f4a7c15ULL + v + 0x632be59bd9b4e019ULL);
}

static inline uint64_t hash_double(double d)
{
    if (isnan(d))
        return HASH_NAN;
    if (d == 0.0)
        d = 0.0;                      /* -0.0 hashes as 0.0 */
    uint64_t bits;
    memcpy(&bits, &d, 8);
    return mix64(bits);
}

/* Hashes every row of v (n rows) into h (no NULL handling for nested
** elements beyond their own validity). Returns false on OOM. */
static bool hash_vec(const vec *v, int64_t n, uint64_t *h);

static bool hash_list(const vec *v, int64_t n, uint64_t *h)
{
    const int32_t *off = vec_offsets(v);
    const vec *child = v->children[0];
    int64_t clen = child->len;
    uint64_t *ch = st_malloc((size_t)(clen > 0 ? clen : 1) * sizeof *ch);
    if (!ch)
        return false;
    if (!hash_vec(child, clen, ch)) {
        st_free(ch);
        return false;
    }
    for (int64_t i = 0; i < n; i++) {
        uint64_t acc = HASH_EMPTY;
        for (int32_t k = off[i]; k < off[i + 1]; k++)
            acc = combine(acc, ch[k]);
        h[i] = mix64(acc ^ (uint64_t)(off[i + 1] - off[i]));
    }
    st_free(ch);
    return true;
}

static bool hash_struct(const vec *v, int64_t n, uint64_t *h)
{
    uint64_t *ch = st_malloc((size_t)(n > 0 ? n : 1) * sizeof *ch);
    if (!ch)
        return false;
    for (int64_t i = 0; i < n; i++)
        h[i] = HASH_EMPTY;
    for (int c = 0; c < v->type->n_children; c++) {
        if (!hash_vec(v->children[c], n, ch)) {
            st_free(ch);
            return false;
        }
        for (int64_t i = 0; i < n; i++)
            h[i] = combine(h[i], ch[i]);
    }
    st_free(ch);
    return true;
}

static bool hash_vec(const vec *v, int64_t n, uint64_t *h)
{
    const void *p = v->values;
    switch (v->type->id) {
    case VEC_NULL:
        for (int64_t i = 0; i < n; i++) h[i] = HASH_NULL;
        return true;
    case VEC_BOOL:
        for (int64_t i = 0; i < n; i++) h[i] = mix64(vec_bit_get(p, i) ? 1 : 2);
        break;
    case VEC_INT8:
        for (int64_t i = 0; i < n; i++) h[i] = mix64((uint64_t)(int64_t)((const int8_t *)p)[i]);
        break;
    case VEC_INT16:
        for (int64_t i = 0; i < n; i++) h[i] = mix64((uint64_t)(int64_t)((const int16_t *)p)[i]);
        break;
    case VEC_INT32:
    case VEC_DATE:
        for (int64_t i = 0; i < n; i++) h[i] = mix64((uint64_t)(int64_t)((const int32_t *)p)[i]);
        break;
    case VEC_INT64:
    case VEC_TIME:
    case VEC_TIMESTAMP:
    case VEC_TIMESTAMP_NTZ:
        for (int64_t i = 0; i < n; i++) h[i] = mix64((uint64_t)((const int64_t *)p)[i]);
        break;
    case VEC_UINT8:
        for (int64_t i = 0; i < n; i++) h[i] = mix64(((const uint8_t *)p)[i]);
        break;
    case VEC_UINT16:
        for (int64_t i = 0; i < n; i++) h[i] = mix64(((const uint16_t *)p)[i]);
        break;
    case VEC_UINT32:
        for (int64_t i = 0; i < n; i++) h[i] = mix64(((const uint32_t *)p)[i]);
        break;
    case VEC_UINT64:
        for (int64_t i = 0; i < n; i++) h[i] = mix64(((const uint64_t *)p)[i]);
        break;
    case VEC_FLOAT:
        for (int64_t i = 0; i < n; i++) h[i] = hash_double((double)((const float *)p)[i]);
        break;
    case VEC_DOUBLE:
        for (int64_t i = 0; i < n; i++) h[i] = hash_double(((const double *)p)[i]);
        break;
    case VEC_DECIMAL: {
        const uint8_t *b = p;
        for (int64_t i = 0; i < n; i++)
            h[i] = combine(mix64(st_load_le64(b + i * 16)), st_load_le64(b + i * 16 + 8));
        break;
    }
    case VEC_STRING:
    case VEC_BINARY: {
        const int32_t *off = p;
        for (int64_t i = 0; i < n; i++)
            h[i] = XXH3_64bits(v->bytes + off[i], (size_t)(off[i + 1] - off[i]));
        break;
    }
    case VEC_LIST:
    case VEC_MAP:
        if (!hash_list(v, n, h))
            return false;
        break;
    case VEC_STRUCT:
        if (!hash_struct(v, n, h))
            return false;
        break;
    default:
        for (int64_t i = 0; i < n; i++) h[i] = HASH_NULL;
        break;
    }
    if (v->validity && v->null_count != 0)
        for (int64_t i = 0; i < n; i++)
            if (!vec_bit_get(v->validity, i))
                h[i] = HASH_NULL;
    return true;
}

st_status ex_hash_rows(const vec *const *cols, int n_cols, int64_t n_rows, uint64_t *hashes,
                       st_error *err)
{
    if (n_rows <= 0)
        return ST_OK;
    if (n_cols == 0) {
        for (int64_t i = 0; i < n_rows; i++) hashes[i] = HASH_EMPTY;
        return ST_OK;
    }
    if (!hash_vec(cols[0], n_rows, hashes))
        goto oom;
    if (n_cols == 1)
        return ST_OK;
    uint64_t *tmp = st_malloc((size_t)n_rows * sizeof *tmp);
    if (!tmp)
        goto oom;
    for (int c = 1; c < n_cols; c++) {
        if (!hash_vec(cols[c], n_rows, tmp)) {
            st_free(tmp);
            goto oom;
        }
        for (int64_t i = 0; i < n_rows; i++)
            hashes[i] = combine(hashes[i], tmp[i]);
    }
    st_free(tmp);
    return ST_OK;
oom:
    return st_error_set(err, ST_ERR_NOMEM, "out of memory hashing %lld rows", (long long)n_rows);
}

/* ---- comparison ---------------------------------------------------------- */

static inline int cmp_double(double x, double y)
{
    bool nx = isnan(x), ny = isnan(y);
    if (nx || ny)
        return nx == ny ? 0 : (nx ? 1 : -1);
    return x < y ? -1 : (x > y ? 1 : 0);      /* -0.0 == 0.0 */
}

#define CMP(x, y) ((x) < (y) ? -1 : ((x) > (y) ? 1 : 0))

/* Ascending order of two valid rows of equal types; nested values order
** NULL elements first. */
static int cmp_valid(const vec *a, int64_t ia, const vec *b, int64_t ib);

/* Ascending order including NULLs (NULL first). */
static int cmp_nullable(const vec *a, int64_t ia, const vec *b, int64_t ib)
{
    bool va = a->type->id != VEC_NULL && vec_is_valid(a, ia);
    bool vb = b->type->id != VEC_NULL && vec_is_valid(b, ib);
    if (!va || !vb)
        return va == vb ? 0 : (va ? 1 : -1);
    return cmp_valid(a, ia, b, ib);
}

static int cmp_bytes(const vec *a, int64_t ia, const vec *b, int64_t ib)
{
    const int32_t *oa = vec_offsets(a), *ob = vec_offsets(b);
    int32_t la = oa[ia + 1] - oa[ia], lb = ob[ib + 1] - ob[ib];
    int32_t m = la < lb ? la : lb;
    int r = m > 0 ? memcmp(a->bytes + oa[ia], b->bytes + ob[ib], (size_t)m) : 0;
    if (r != 0)
        return r < 0 ? -1 : 1;
    return CMP(la, lb);
}

static int cmp_list(const vec *a, int64_t ia, const vec *b, int64_t ib)
{
    const int32_t *oa = vec_offsets(a), *ob = vec_offsets(b);
    int32_t la = oa[ia + 1] - oa[ia], lb = ob[ib + 1] - ob[ib];
    int32_t m = la < lb ? la : lb;
    for (int32_t k = 0; k < m; k++) {
        int r = cmp_nullable(a->children[0], oa[ia] + k, b->children[0], ob[ib] + k);
        if (r != 0)
            return r;
    }
    return CMP(la, lb);
}

static int cmp_valid(const vec *a, int64_t ia, const vec *b, int64_t ib)
{
    const void *pa = a->values, *pb = b->values;
    switch (a->type->id) {
    case VEC_NULL:
        return 0;
    case VEC_BOOL:
        return CMP(vec_bit_get(pa, ia), vec_bit_get(pb, ib));
    case VEC_INT8:
        return CMP(((const int8_t *)pa)[ia], ((const int8_t *)pb)[ib]);
    case VEC_INT16:
        return CMP(((const int16_t *)pa)[ia], ((const int16_t *)pb)[ib]);
    case VEC_INT32:
    case VEC_DATE:
        return CMP(((const int32_t *)pa)[ia], ((const int32_t *)pb)[ib]);
    case VEC_INT64:
    case VEC_TIME:
    case VEC_TIMESTAMP:
    case VEC_TIMESTAMP_NTZ:
        return CMP(((const int64_t *)pa)[ia], ((const int64_t *)pb)[ib]);
    case VEC_UINT8:
        return CMP(((const uint8_t *)pa)[ia], ((const uint8_t *)pb)[ib]);
    case VEC_UINT16:
        return CMP(((const uint16_t *)pa)[ia], ((const uint16_t *)pb)[ib]);
    case VEC_UINT32:
        return CMP(((const uint32_t *)pa)[ia], ((const uint32_t *)pb)[ib]);
    case VEC_UINT64:
        return CMP(((const uint64_t *)pa)[ia], ((const uint64_t *)pb)[ib]);
    case VEC_FLOAT:
        return cmp_double(((const float *)pa)[ia], ((const float *)pb)[ib]);
    case VEC_DOUBLE:
        return cmp_double(((const double *)pa)[ia], ((const double *)pb)[ib]);
    case VEC_DECIMAL: {
        __int128 x, y;
        memcpy(&x, (const uint8_t *)pa + ia * 16, 16);
        memcpy(&y, (const uint8_t *)pb + ib * 16, 16);
        return CMP(x, y);
    }
    case VEC_STRING:
    case VEC_BINARY:
        return cmp_bytes(a, ia, b, ib);
    case VEC_LIST:
    case VEC_MAP:
        return cmp_list(a, ia, b, ib);
    case VEC_STRUCT: {
        int n = a->type->n_children < b->type->n_children ? a->type->n_children
                                                          : b->type->n_children;
        for (int c = 0; c < n; c++) {
            int r = cmp_nullable(a->children[c], ia, b->children[c], ib);
            if (r != 0)
                return r;
        }
        return 0;
    }
    default:
        return 0;
    }
}

bool ex_value_equal(const vec *a, int64_t ia, const vec *b, int64_t ib, bool null_eq)
{
    bool va = a->type->id != VEC_NULL && vec_is_valid(a, ia);
    bool vb = b->type->id != VEC_NULL && vec_is_valid(b, ib);
    if (!va || !vb)
        return !va && !vb && null_eq;
    switch (a->type->id) {               /* OPT: results identical if removed */
    case VEC_INT32:
    case VEC_DATE:
        return ((const int32_t *)a->values)[ia] == ((const int32_t *)b->values)[ib];
    case VEC_INT64:
    case VEC_TIMESTAMP:
    case VEC_TIMESTAMP_NTZ:
        return ((const int64_t *)a->values)[ia] == ((const int64_t *)b->values)[ib];
    case VEC_STRING:
    case VEC_BINARY: {
        const int32_t *oa = vec_offsets(a), *ob = vec_offsets(b);
        int32_t la = oa[ia + 1] - oa[ia];
        return la == ob[ib + 1] - ob[ib] &&
               (la == 0 || memcmp(a->bytes + oa[ia], b->bytes + ob[ib], (size_t)la) == 0);
    }
    default:
        return cmp_valid(a, ia, b, ib) == 0;
    }
}

int ex_value_compare(const vec *a, int64_t ia, const vec *b, int64_t ib, bool desc,
                     bool nulls_first)
{
    bool va = a->type->id != VEC_NULL && vec_is_valid(a, ia);
    bool vb = b->type->id != VEC_NULL && vec_is_valid(b, ib);
    if (!va || !vb) {
        if (va == vb)
            return 0;
        return !va ? (nulls_first ? -1 : 1) : (nulls_first ? 1 : -1);
    }
    int r = cmp_valid(a, ia, b, ib);
    return desc ? -r : r;
}
