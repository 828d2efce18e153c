/* ex_basic_test.c -- the executor's shared pieces: row hashing, value
** equality and ordering across types (NaN, -0.0, NULL, nested), chunk
** take / copy / concat of nested vectors, spill file round trips (every
** type, NULLs, a corrupted file) and the simple operators (values, filter,
** project, limit, generate, buffer) driven directly. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "exec/exec.h"

static const vec_type T_I32 = {.id = VEC_INT32};
static const vec_type T_I64 = {.id = VEC_INT64};
static const vec_type T_I8 = {.id = VEC_INT8};
static const vec_type T_U16 = {.id = VEC_UINT16};
static const vec_type T_DBL = {.id = VEC_DOUBLE};
static const vec_type T_FLT = {.id = VEC_FLOAT};
static const vec_type T_STR = {.id = VEC_STRING};
static const vec_type T_BIN = {.id = VEC_BINARY};
static const vec_type T_BOOL = {.id = VEC_BOOL};
static const vec_type T_DATE = {.id = VEC_DATE};
static const vec_type T_TS = {.id = VEC_TIMESTAMP};
static const vec_type T_NULLT = {.id = VEC_NULL};
static const vec_type T_DEC = {.id = VEC_DECIMAL, .precision = 20, .scale = 2};

static vec_field F_LIST_EL[1] = {{"element", {.id = VEC_INT32}, true}};
static const vec_type T_LIST = {.id = VEC_LIST, .n_children = 1, .children = F_LIST_EL};
static vec_field F_STRUCT[2] = {{"a", {.id = VEC_INT64}, true}, {"b", {.id = VEC_STRING}, true}};
static const vec_type T_STRUCT = {.id = VEC_STRUCT, .n_children = 2, .children = F_STRUCT};
static vec_field F_ENTRY[2] = {{"key", {.id = VEC_STRING}, false}, {"value", {.id = VEC_INT32}, true}};
static vec_field F_MAP[1] = {{"entries", {.id = VEC_STRUCT, .n_children = 2, .children = F_ENTRY}, false}};
static const vec_type T_MAP = {.id = VEC_MAP, .n_children = 1, .children = F_MAP};

static st_arena *A;
static void setup(void) { A = st_arena_new(0); }
static void teardown(void) { st_arena_free(A); }

static vec *finish(vec_builder *b)
{
    vec *out = NULL;
    cr_assert_eq(vec_builder_finish(b, A, &out, NULL), ST_OK);
    vec_builder_free(b);
    return out;
}

/* ints; INT64_MIN marks NULL */
static vec *ints(const vec_type *t, const int64_t *v, int n)
{
    vec_builder *b = vec_builder_new(t);
    for (int i = 0; i < n; i++) {
        if (v[i] == INT64_MIN) vec_builder_append_null(b, NULL);
        else if (t->id == VEC_BOOL) vec_builder_append_bool(b, v[i] != 0, NULL);
        else if (t->id == VEC_DECIMAL) vec_builder_append_i128(b, v[i], NULL);
        else if (t->id >= VEC_UINT8 && t->id <= VEC_UINT64) vec_builder_append_u64(b, (uint64_t)v[i], NULL);
        else vec_builder_append_i64(b, v[i], NULL);
    }
    return finish(b);
}

static vec *dbls(const vec_type *t, const double *v, int n)
{
    vec_builder *b = vec_builder_new(t);
    for (int i = 0; i < n; i++) vec_builder_append_f64(b, v[i], NULL);
    return finish(b);
}

/* strings; NULL pointer marks NULL */
static vec *strs(const vec_type *t, const char *const *v, int n)
{
    vec_builder *b = vec_builder_new(t);
    for (int i = 0; i < n; i++) {
        if (!v[i]) vec_builder_append_null(b, NULL);
        else vec_builder_append_bytes(b, v[i], strlen(v[i]), NULL);
    }
    return finish(b);
}

/* lists of int32: lens[i] < 0 marks a NULL list; vals consumed in order
** (INT64_MIN: NULL element) */
static vec *lists(const int *lens, int n, const int64_t *vals)
{
    vec_builder *b = vec_builder_new(&T_LIST);
    vec_builder *c = vec_builder_child(b, 0);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (lens[i] < 0) { vec_builder_append_null(b, NULL); continue; }
        for (int j = 0; j < lens[i]; j++, k++) {
            if (vals[k] == INT64_MIN) vec_builder_append_null(c, NULL);
            else vec_builder_append_i64(c, vals[k], NULL);
        }
        cr_assert_eq(vec_builder_end_list(b, NULL), ST_OK);
    }
    return finish(b);
}

/* structs (a bigint, b string); valid[i] false: NULL struct */
static vec *structs(const bool *valid, const int64_t *a, const char *const *s, int n)
{
    vec_builder *b = vec_builder_new(&T_STRUCT);
    for (int i = 0; i < n; i++) {
        if (a[i] == INT64_MIN) vec_builder_append_null(vec_builder_child(b, 0), NULL);
        else vec_builder_append_i64(vec_builder_child(b, 0), a[i], NULL);
        if (!s[i]) vec_builder_append_null(vec_builder_child(b, 1), NULL);
        else vec_builder_append_bytes(vec_builder_child(b, 1), s[i], strlen(s[i]), NULL);
        cr_assert_eq(vec_builder_append_struct(b, valid[i], NULL), ST_OK);
    }
    return finish(b);
}

/* maps string -> int: lens[i] < 0 NULL map */
static vec *maps(const int *lens, int n, const char *const *keys, const int64_t *vals)
{
    vec_builder *b = vec_builder_new(&T_MAP);
    vec_builder *e = vec_builder_child(b, 0);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (lens[i] < 0) { vec_builder_append_null(b, NULL); continue; }
        for (int j = 0; j < lens[i]; j++, k++) {
            vec_builder_append_bytes(vec_builder_child(e, 0), keys[k], strlen(keys[k]), NULL);
            if (vals[k] == INT64_MIN) vec_builder_append_null(vec_builder_child(e, 1), NULL);
            else vec_builder_append_i64(vec_builder_child(e, 1), vals[k], NULL);
            cr_assert_eq(vec_builder_append_struct(e, true, NULL), ST_OK);
        }
        cr_assert_eq(vec_builder_end_list(b, NULL), ST_OK);
    }
    return finish(b);
}

static uint64_t hash1(const vec *v, int64_t i)
{
    int32_t idx = (int32_t)i;
    vec *one = NULL;
    cr_assert_eq(vec_take(A, v, &idx, 1, &one, NULL), ST_OK);
    uint64_t h = 0;
    const vec *cols[1] = {one};
    cr_assert_eq(ex_hash_rows(cols, 1, 1, &h, NULL), ST_OK);
    return h;
}

/* Row i equal to row j <=> (hash equal and compare 0), and hash equality
** holds for equal values. */
static void same(const vec *v, int64_t i, int64_t j)
{
    cr_assert(ex_value_equal(v, i, v, j, true), "rows %lld %lld should be equal", (long long)i, (long long)j);
    cr_assert_eq(ex_value_compare(v, i, v, j, false, true), 0);
    cr_assert_eq(hash1(v, i), hash1(v, j), "rows %lld %lld should hash equally", (long long)i, (long long)j);
}

static void before(const vec *v, int64_t i, int64_t j)
{
    cr_assert(!ex_value_equal(v, i, v, j, true));
    cr_assert_lt(ex_value_compare(v, i, v, j, false, true), 0, "row %lld should sort before %lld", (long long)i, (long long)j);
    cr_assert_gt(ex_value_compare(v, j, v, i, false, true), 0);
    if (vec_is_valid(v, i) && vec_is_valid(v, j))
        cr_assert_gt(ex_value_compare(v, i, v, j, true, true), 0, "desc flips");
}

/* ---- hashing and comparison ---------------------------------------------- */

Test(ex_hash, doubles_nan_negzero, .init = setup, .fini = teardown)
{
    double d[] = {NAN, -NAN, 0.0, -0.0, INFINITY, -INFINITY, 1.5};
    vec *v = dbls(&T_DBL, d, 7);
    same(v, 0, 1);
    same(v, 2, 3);
    before(v, 4, 0);          /* +inf < NaN */
    before(v, 5, 2);
    before(v, 6, 4);
    cr_assert_neq(hash1(v, 2), hash1(v, 6));
    vec *f = dbls(&T_FLT, d, 7);
    same(f, 0, 1);
    same(f, 2, 3);
    before(f, 4, 0);
    /* float and double of the same value hash alike (not required, but the
    ** normalization makes it so) */
    cr_assert_eq(hash1(f, 6), hash1(v, 6));
}

Test(ex_hash, nulls, .init = setup, .fini = teardown)
{
    int64_t x[] = {INT64_MIN, 5, INT64_MIN};
    vec *v = ints(&T_I32, x, 3);
    cr_assert(ex_value_equal(v, 0, v, 2, true));
    cr_assert(!ex_value_equal(v, 0, v, 2, false));
    cr_assert(!ex_value_equal(v, 0, v, 1, true));
    cr_assert_eq(hash1(v, 0), hash1(v, 2));
    cr_assert_lt(ex_value_compare(v, 0, v, 1, false, true), 0);
    cr_assert_gt(ex_value_compare(v, 0, v, 1, false, false), 0);
    cr_assert_gt(ex_value_compare(v, 0, v, 1, true, false), 0, "nulls last regardless of desc");
    cr_assert_eq(ex_value_compare(v, 0, v, 2, false, true), 0);
    /* a NULL-typed column */
    vec *n = NULL;
    cr_assert_eq(vec_constant(A, &T_NULLT, NULL, 2, &n, NULL), ST_OK);
    cr_assert(ex_value_equal(n, 0, n, 1, true));
    cr_assert(!ex_value_equal(n, 0, n, 1, false));
}

Test(ex_hash, ints_and_others, .init = setup, .fini = teardown)
{
    int64_t x[] = {-3, 7, -3, 100};
    const vec_type *ts[] = {&T_I8, &T_I32, &T_I64, &T_DATE, &T_TS, &T_DEC};
    for (size_t k = 0; k < ST_ARRAY_LEN(ts); k++) {
        vec *v = ints(ts[k], x, 4);
        same(v, 0, 2);
        before(v, 0, 1);
        before(v, 1, 3);
        cr_assert_neq(hash1(v, 0), hash1(v, 1));
    }
    int64_t u[] = {65535, 1, 65535};
    vec *uv = ints(&T_U16, u, 3);
    same(uv, 0, 2);
    before(uv, 1, 0);          /* unsigned: 65535 above 1 */
    int64_t b[] = {1, 0, 1};
    vec *bv = ints(&T_BOOL, b, 3);
    same(bv, 0, 2);
    before(bv, 1, 0);
    /* int32 and int64 of the same value hash alike */
    vec *a32 = ints(&T_I32, x, 4), *a64 = ints(&T_I64, x, 4);
    cr_assert_eq(hash1(a32, 1), hash1(a64, 1));
}

Test(ex_hash, strings_bytewise, .init = setup, .fini = teardown)
{
    const char *s[] = {"abc", "abd", "abc", "", "ab", "\xc3\xa9", NULL};
    vec *v = strs(&T_STR, s, 7);
    same(v, 0, 2);
    before(v, 0, 1);
    before(v, 3, 4);
    before(v, 4, 0);
    before(v, 1, 5);           /* bytes compare unsigned: 0xc3 > 'a' */
    before(v, 6, 3);           /* NULL first */
    vec *bin = strs(&T_BIN, s, 6);
    same(bin, 0, 2);
    before(bin, 4, 0);
}

Test(ex_hash, nested, .init = setup, .fini = teardown)
{
    int lens[] = {2, 2, 3, -1, 0, 2, 0};
    int64_t vals[] = {1, 2, 1, 2, 1, 2, 0, 1, INT64_MIN};
    vec *l = lists(lens, 7, vals);
    same(l, 0, 1);             /* [1,2] [1,2] */
    before(l, 0, 2);           /* [1,2] < [1,2,0] */
    before(l, 4, 0);           /* [] < [1,2] */
    same(l, 4, 6);
    before(l, 3, 4);           /* NULL first */
    before(l, 5, 0);           /* [1,NULL] < [1,2]: NULL element first */
    cr_assert_neq(hash1(l, 0), hash1(l, 2));

    bool valid[] = {true, true, true, false, true};
    int64_t a[] = {1, 1, 1, 9, INT64_MIN};
    const char *s[] = {"x", "x", "y", "z", "x"};
    vec *st = structs(valid, a, s, 5);
    same(st, 0, 1);
    before(st, 1, 2);
    before(st, 3, 0);          /* NULL struct */
    before(st, 4, 0);          /* NULL field sorts first */
    cr_assert(!ex_value_equal(st, 3, st, 4, true));

    int mlens[] = {2, 2, 1, -1};
    const char *keys[] = {"k", "l", "k", "l", "k"};
    int64_t mv[] = {1, 2, 1, 2, 1};
    vec *m = maps(mlens, 4, keys, mv);
    same(m, 0, 1);
    before(m, 2, 0);
    before(m, 3, 2);
}

Test(ex_hash, multi_column_and_vectorized, .init = setup, .fini = teardown)
{
    int64_t x[] = {1, 1, 2, 1};
    const char *s[] = {"a", "a", "a", "b"};
    const vec *cols[2] = {ints(&T_I64, x, 4), strs(&T_STR, s, 4)};
    uint64_t h[4];
    cr_assert_eq(ex_hash_rows(cols, 2, 4, h, NULL), ST_OK);
    cr_assert_eq(h[0], h[1]);
    cr_assert_neq(h[0], h[2]);
    cr_assert_neq(h[0], h[3]);
    /* the column order matters */
    const vec *swapped[2] = {ints(&T_I64, (int64_t[]){1, 2}, 2), ints(&T_I64, (int64_t[]){2, 1}, 2)};
    cr_assert_eq(ex_hash_rows(swapped, 2, 2, h, NULL), ST_OK);
    cr_assert_neq(h[0], h[1]);
    /* vectorized hash equals the one-row hash */
    uint64_t hv[4];
    cr_assert_eq(ex_hash_rows(cols, 1, 4, hv, NULL), ST_OK);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(hv[i], hash1(cols[0], i));
}

/* ---- chunks ---------------------------------------------------------------- */

#define RICH_COLS 16
#define RICH_ROWS 7

/* A chunk with one column of every type, NULLs in most. */
static ex_chunk rich_chunk(void)
{
    static int64_t iv[RICH_ROWS] = {1, INT64_MIN, -5, 127, 0, INT64_MIN, 42};
    static int64_t uv[RICH_ROWS] = {1, 2, 65535, 4, 0, 9, 7};
    static double dv[RICH_ROWS] = {1.5, NAN, -0.0, INFINITY, -2.25, 0, 1e300};
    static const char *sv[RICH_ROWS] = {"a", NULL, "", "hello world, long enough", "x", "\xff\x00", NULL};
    static int64_t bv[RICH_ROWS] = {1, 0, INT64_MIN, 1, 1, 0, 0};
    static int lens[RICH_ROWS] = {2, -1, 0, 3, 1, 2, 0};
    static int64_t lv[] = {1, 2, 3, INT64_MIN, 5, 6, 7, 8};
    static bool valid[RICH_ROWS] = {true, true, false, true, true, true, true};
    static int64_t sa[RICH_ROWS] = {1, INT64_MIN, 3, 4, 5, 6, 7};
    static const char *ss[RICH_ROWS] = {"p", "q", NULL, "r", NULL, "s", "t"};
    static int mlens[RICH_ROWS] = {1, 0, -1, 2, 1, 0, 1};
    static const char *mk[] = {"a", "b", "c", "d", "e"};
    static int64_t mv[] = {1, INT64_MIN, 3, 4, 5};
    ex_chunk c = {.n_rows = RICH_ROWS, .n_cols = RICH_COLS};
    c.cols = st_arena_calloc(A, RICH_COLS, sizeof(vec *));
    c.cols[0] = ints(&T_I8, iv, RICH_ROWS);
    c.cols[1] = ints(&T_U16, uv, RICH_ROWS);
    c.cols[2] = ints(&T_I32, iv, RICH_ROWS);
    c.cols[3] = ints(&T_I64, iv, RICH_ROWS);
    c.cols[4] = dbls(&T_FLT, dv, RICH_ROWS);
    c.cols[5] = dbls(&T_DBL, dv, RICH_ROWS);
    c.cols[6] = ints(&T_DEC, iv, RICH_ROWS);
    c.cols[7] = strs(&T_STR, sv, RICH_ROWS);
    c.cols[8] = strs(&T_BIN, sv, RICH_ROWS);
    c.cols[9] = ints(&T_BOOL, bv, RICH_ROWS);
    c.cols[10] = ints(&T_DATE, iv, RICH_ROWS);
    c.cols[11] = ints(&T_TS, iv, RICH_ROWS);
    cr_assert_eq(vec_constant(A, &T_NULLT, NULL, RICH_ROWS, &c.cols[12], NULL), ST_OK);
    c.cols[13] = lists(lens, RICH_ROWS, lv);
    c.cols[14] = structs(valid, sa, ss, RICH_ROWS);
    c.cols[15] = maps(mlens, RICH_ROWS, mk, mv);
    return c;
}

static const vec_type *rich_types(const ex_chunk *c)
{
    vec_type *t = st_arena_calloc(A, (size_t)c->n_cols, sizeof *t);
    for (int i = 0; i < c->n_cols; i++)
        t[i] = *c->cols[i]->type;
    return t;
}

/* Row ra of a equals row rb of b in every column (NULL == NULL). */
static void rows_equal(const ex_chunk *a, int64_t ra, const ex_chunk *b, int64_t rb)
{
    cr_assert_eq(a->n_cols, b->n_cols);
    for (int c = 0; c < a->n_cols; c++) {
        cr_assert_eq(a->cols[c]->type->id, b->cols[c]->type->id);
        cr_assert(ex_value_equal(a->cols[c], ra, b->cols[c], rb, true),
                  "column %d: row %lld vs %lld", c, (long long)ra, (long long)rb);
        cr_assert_eq(vec_is_valid(a->cols[c], ra) && a->cols[c]->type->id != VEC_NULL,
                     vec_is_valid(b->cols[c], rb) && b->cols[c]->type->id != VEC_NULL);
    }
}

static int64_t count_nulls(const vec *v)
{
    if (v->type->id == VEC_NULL) return v->len;
    int64_t n = 0;
    for (int64_t i = 0; i < v->len; i++) n += !vec_is_valid(v, i);
    return n;
}

Test(ex_chunk, take_copy_concat, .init = setup, .fini = teardown)
{
    ex_chunk c = rich_chunk();
    int32_t idx[] = {6, 0, 3, 3, 1};
    ex_chunk t;
    cr_assert_eq(ex_chunk_take(A, &c, idx, 5, &t, NULL), ST_OK);
    cr_assert_eq(t.n_rows, 5);
    for (int i = 0; i < 5; i++) rows_equal(&t, i, &c, idx[i]);

    ex_chunk cp;
    st_arena *b = st_arena_new(0);
    cr_assert_eq(ex_chunk_copy(b, &c, &cp, NULL), ST_OK);
    for (int i = 0; i < RICH_ROWS; i++) rows_equal(&cp, i, &c, i);
    for (int k = 0; k < c.n_cols; k++) {
        cr_assert_eq(cp.cols[k]->null_count, count_nulls(cp.cols[k]), "null_count of column %d", k);
        if (c.cols[k]->values) cr_assert_neq(cp.cols[k]->values, c.cols[k]->values, "deep copy");
    }
    cr_assert_gt(ex_chunk_bytes(&c), 7 * 8);

    const ex_chunk *parts[3] = {&c, &t, &cp};
    ex_chunk cat;
    cr_assert_eq(ex_chunk_concat(b, parts, 3, RICH_COLS, &cat, NULL), ST_OK);
    cr_assert_eq(cat.n_rows, RICH_ROWS + 5 + RICH_ROWS);
    for (int i = 0; i < RICH_ROWS; i++) rows_equal(&cat, i, &c, i);
    for (int i = 0; i < 5; i++) rows_equal(&cat, RICH_ROWS + i, &t, i);
    for (int i = 0; i < RICH_ROWS; i++) rows_equal(&cat, RICH_ROWS + 5 + i, &c, i);
    for (int k = 0; k < cat.n_cols; k++)
        cr_assert_eq(cat.cols[k]->null_count, count_nulls(cat.cols[k]));
    st_arena_free(b);
}

Test(ex_chunk, copy_of_offset_slice, .init = setup, .fini = teardown)
{
    /* a LIST and a STRING whose offsets do not start at 0 (a slice) */
    int lens[] = {2, 1, 3, 0, 2};
    int64_t lv[] = {1, 2, 3, 4, 5, 6, 7, 8};
    vec *l = lists(lens, 5, lv);
    const char *s[] = {"aa", "b", "cccc", "", "dd"};
    vec *sv = strs(&T_STR, s, 5);
    vec ls = *l, ss = *sv;
    ls.values = vec_offsets(l) + 2;
    ls.len = 3;
    ss.values = vec_offsets(sv) + 2;
    ss.len = 3;
    vec *cols[2] = {&ls, &ss};
    ex_chunk in = {3, 2, cols}, out;
    cr_assert_eq(ex_chunk_copy(A, &in, &out, NULL), ST_OK);
    cr_assert_eq(vec_offsets(out.cols[0])[0], 0);
    cr_assert_eq(vec_offsets(out.cols[0])[3], 5);
    cr_assert_eq(out.cols[0]->children[0]->len, 5);
    cr_assert_eq(((int32_t *)out.cols[0]->children[0]->values)[0], 4);
    cr_assert_eq(vec_offsets(out.cols[1])[3], 6);
    cr_assert_eq(out.cols[1]->n_bytes, 6);
    cr_assert(memcmp(out.cols[1]->bytes, "ccccdd", 6) == 0);
    for (int i = 0; i < 3; i++) {
        cr_assert(ex_value_equal(out.cols[0], i, l, i + 2, false));
        cr_assert(ex_value_equal(out.cols[1], i, sv, i + 2, false));
    }
    vec *sl = NULL;
    cr_assert_eq(ex_vec_slice(A, l, 1, 3, &sl, NULL), ST_OK);
    cr_assert_eq(sl->len, 3);
    cr_assert(ex_value_equal(sl, 0, l, 1, false));
    cr_assert_neq(ex_vec_slice(A, l, 3, 3, &sl, NULL), ST_OK);
}

/* ---- spill files ------------------------------------------------------------ */

Test(ex_spill, round_trip_every_type, .init = setup, .fini = teardown)
{
    ex_query *q = ex_query_new(NULL, NULL, NULL);
    ex_spill *s = NULL;
    cr_assert_eq(ex_spill_open(q, &s, NULL), ST_OK);
    ex_chunk c = rich_chunk();
    const vec_type *types = rich_types(&c);
    int32_t idx[] = {5, 3, 1};
    ex_chunk t;
    cr_assert_eq(ex_chunk_take(A, &c, idx, 3, &t, NULL), ST_OK);
    int64_t h1, h2, h3;
    cr_assert_eq(ex_spill_write(s, &c, &h1, NULL), ST_OK);
    cr_assert_eq(ex_spill_write(s, &t, &h2, NULL), ST_OK);
    ex_chunk empty = {0, 0, NULL};
    cr_assert_eq(ex_spill_write(s, &empty, &h3, NULL), ST_OK);
    cr_assert_gt(atomic_load(&q->spilled), 0);
    cr_assert_neq(h1, h2);
    st_arena *b = st_arena_new(0);
    ex_chunk r;
    st_error err;
    /* read out of order, twice */
    cr_assert_eq(ex_spill_read(s, h2, types, RICH_COLS, b, &r, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(r.n_rows, 3);
    for (int i = 0; i < 3; i++) rows_equal(&r, i, &t, i);
    cr_assert_eq(ex_spill_read(s, h1, types, RICH_COLS, b, &r, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(r.n_rows, RICH_ROWS);
    for (int i = 0; i < RICH_ROWS; i++) rows_equal(&r, i, &c, i);
    for (int k = 0; k < RICH_COLS; k++)
        cr_assert_eq(r.cols[k]->null_count, count_nulls(r.cols[k]));
    cr_assert_eq(ex_spill_read(s, h3, NULL, 0, b, &r, &err), ST_OK);
    cr_assert_eq(r.n_rows, 0);
    /* wrong expectations are errors, not crashes */
    cr_assert_eq(ex_spill_read(s, h1, types + 1, RICH_COLS - 1, b, &r, &err), ST_ERR_CORRUPT);
    vec_type wrong[RICH_COLS];
    memcpy(wrong, types, sizeof wrong);
    wrong[3].id = VEC_DOUBLE;
    cr_assert_eq(ex_spill_read(s, h1, wrong, RICH_COLS, b, &r, &err), ST_ERR_CORRUPT);
    cr_assert_eq(ex_spill_read(s, h1 + 8, types, RICH_COLS, b, &r, &err), ST_ERR_CORRUPT);
    cr_assert_eq(ex_spill_read(s, 1 << 30, types, RICH_COLS, b, &r, &err), ST_ERR_CORRUPT);
    cr_assert_eq(ex_spill_read(s, -1, types, RICH_COLS, b, &r, &err), ST_ERR_CORRUPT);
    st_arena_free(b);
    ex_spill_close(s);
    ex_query_free(q);
}

/* The fd of the (unlinked) spill file, found through /proc. */
static int spill_fd(void)
{
    for (int fd = 3; fd < 1024; fd++) {
        char p[64], target[512];
        snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(p, target, sizeof target - 1);
        if (n <= 0) continue;
        target[n] = 0;
        if (strstr(target, "strata-spill-")) return fd;
    }
    return -1;
}


Test(ex_spill, corrupted_file_errors_cleanly, .init = setup, .fini = teardown)
{
    ex_query *q = ex_query_new(NULL, NULL, NULL);
    ex_spill *s = NULL;
    cr_assert_eq(ex_spill_open(q, &s, NULL), ST_OK);
    ex_chunk c = rich_chunk();
    const vec_type *types = rich_types(&c);
    int64_t h;
    cr_assert_eq(ex_spill_write(s, &c, &h, NULL), ST_OK);
    int fd = spill_fd();
    cr_assert_geq(fd, 0);
    uint8_t head[32];
    cr_assert_eq(pread(fd, head, 32, h), 32);
    size_t payload = (size_t)st_load_le64(head + 16);
    uint8_t *orig = malloc(payload), *bad = malloc(payload);
    cr_assert_eq(pread(fd, orig, payload, h + 32), (ssize_t)payload);
    st_error err;
    st_arena *b = st_arena_new(0);
    /* a flipped byte without fixing the checksum */
    memcpy(bad, orig, payload);
    bad[payload / 2] ^= 0x55;
    cr_assert_eq(pwrite(fd, bad, payload, h + 32), (ssize_t)payload);
    ex_chunk r;
    cr_assert_eq(ex_spill_read(s, h, types, RICH_COLS, b, &r, &err), ST_ERR_CORRUPT);
    cr_assert(strstr(err.msg, "checksum"), "%s", err.msg);
    /* every byte damaged with a valid checksum: the structure checks hold */
    int failures = 0;
    for (size_t i = 0; i < payload; i++) {
        for (int v = 0; v < 3; v++) {
            memcpy(bad, orig, payload);
            bad[i] = v == 0 ? 0xff : (v == 1 ? 0x00 : (uint8_t)(bad[i] + 1));
            uint8_t hh[32];
            memcpy(hh, head, 32);
            st_store_le64(hh + 24, XXH3_64bits(bad, payload));
            cr_assert_eq(pwrite(fd, hh, 32, h), 32);
            cr_assert_eq(pwrite(fd, bad, payload, h + 32), (ssize_t)payload);
            st_arena_reset(b);
            st_status rc = ex_spill_read(s, h, types, RICH_COLS, b, &r, &err);
            if (rc != ST_OK) {
                cr_assert_eq(rc, ST_ERR_CORRUPT, "byte %zu: %s", i, err.msg);
                failures++;
            }
        }
    }
    cr_assert_gt(failures, 0);
    /* a truncated header claim */
    memcpy(bad, head, 32);
    st_store_le64(bad + 16, 1ull << 40);
    cr_assert_eq(pwrite(fd, bad, 32, h), 32);
    cr_assert_eq(ex_spill_read(s, h, types, RICH_COLS, b, &r, &err), ST_ERR_CORRUPT);
    free(orig);
    free(bad);
    st_arena_free(b);
    ex_spill_close(s);
    ex_query_free(q);
}

/* ---- operators ---------------------------------------------------------------- */

/* An ex_emit that keeps copies of what it is pushed. */
typedef struct collect {
    ex_emit   base;
    ex_chunk  chunks[256];
    int       n;
    vec      *first_col[256];     /* the pushed chunk's column 0 pointer */
} collect;

static st_status collect_push(ex_emit *self, ex_thread *t, const ex_chunk *c, st_error *err)
{
    collect *k = (collect *)self;
    cr_assert_lt(k->n, 256);
    k->first_col[k->n] = c->n_cols > 0 ? c->cols[0] : NULL;
    return ex_chunk_copy(A, c, &k->chunks[k->n++], err);
}

static collect *collector(void)
{
    collect *k = st_arena_calloc(A, 1, sizeof *k);
    k->base.push = collect_push;
    return k;
}

/* All collected chunks as one. */
static ex_chunk collected(const collect *k, int n_cols)
{
    const ex_chunk *parts[256];
    for (int i = 0; i < k->n; i++) parts[i] = &k->chunks[i];
    ex_chunk out = {0};
    if (k->n == 0) return out;
    cr_assert_eq(ex_chunk_concat(A, parts, k->n, n_cols, &out, NULL), ST_OK);
    return out;
}

static int64_t geti(const vec *v, int64_t i)
{
    switch (v->type->id) {
    case VEC_INT32: return ((const int32_t *)v->values)[i];
    case VEC_INT64: return ((const int64_t *)v->values)[i];
    default: cr_assert_fail("not an int column"); return 0;
    }
}

/* A chunk of n rows: a = start..start+n-1 (int64), s = "r<a>" */
static ex_chunk seq_chunk(int64_t start, int n)
{
    int64_t v[512];
    const char *s[512];
    for (int i = 0; i < n; i++) {
        v[i] = start + i;
        s[i] = st_arena_printf(A, "r%lld", (long long)(start + i));
    }
    ex_chunk c = {.n_rows = n, .n_cols = 2};
    c.cols = st_arena_calloc(A, 2, sizeof(vec *));
    c.cols[0] = ints(&T_I64, v, n);
    c.cols[1] = strs(&T_STR, s, n);
    return c;
}

static const vec_type SEQ_TYPES[2] = {{.id = VEC_INT64}, {.id = VEC_STRING}};

Test(ex_ops, values, .init = setup, .fini = teardown)
{
    lp_ctx *lc = lp_ctx_new("", NULL);
    ex_query *q = ex_query_new(NULL, NULL, lc);
    ex_thread *t = ex_thread_new(q, 0);
    lp_node *n = lp_node_new(lc, LP_VALUES, -1);
    n->n_cols = 2;
    n->n_rows = 3;
    n->cols = st_arena_calloc(lc->arena, 2, sizeof *n->cols);
    n->cols[0] = (lp_col){.id = 1, .name = "a", .type = T_I64};
    n->cols[1] = (lp_col){.id = 2, .name = "b", .type = T_STR};
    n->values = st_arena_calloc(lc->arena, 6, sizeof *n->values);
    const char *sv[3] = {"x", NULL, "zz"};
    for (int r = 0; r < 3; r++) {
        vec_scalar a = {.i64 = 10 * r}, b = {.bytes = (const uint8_t *)sv[r], .n_bytes = sv[r] ? (int64_t)strlen(sv[r]) : 0};
        n->values[r * 2] = lp_expr_const(lc, &T_I64, &a);
        n->values[r * 2 + 1] = lp_expr_const(lc, &T_STR, sv[r] ? &b : NULL);
    }
    ex_op *op;
    st_error err;
    cr_assert_eq(ex_values_new(q, n, &op, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(op->ops->source_init(op, &err), ST_OK, "%s", err.msg);
    ex_chunk c;
    bool done = true;
    cr_assert_eq(op->ops->source_next(op, NULL, t, &c, &done, &err), ST_OK);
    cr_assert(!done);
    cr_assert_eq(c.n_rows, 3);
    cr_assert_eq(c.n_cols, 2);
    cr_assert_eq(geti(c.cols[0], 2), 20);
    cr_assert(!vec_is_valid(c.cols[1], 1));
    const int32_t *o = vec_offsets(c.cols[1]);
    cr_assert(o[3] - o[2] == 2 && memcmp(c.cols[1]->bytes + o[2], "zz", 2) == 0);
    cr_assert_eq(op->ops->source_next(op, NULL, t, &c, &done, &err), ST_OK);
    cr_assert(done);
    /* zero columns, one row (SELECT without FROM) */
    lp_node *one = lp_node_new(lc, LP_VALUES, -1);
    one->n_rows = 1;
    cr_assert_eq(ex_values_new(q, one, &op, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(op->ops->source_init(op, &err), ST_OK);
    cr_assert_eq(op->ops->source_next(op, NULL, t, &c, &done, &err), ST_OK);
    cr_assert(!done);
    cr_assert_eq(c.n_rows, 1);
    cr_assert_eq(c.n_cols, 0);
    /* zero rows (a filter folded to FALSE): done at once */
    lp_node *none = lp_node_new(lc, LP_VALUES, -1);
    none->n_rows = 0;
    none->n_cols = 2;
    none->cols = n->cols;
    cr_assert_eq(ex_values_new(q, none, &op, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(op->ops->source_init(op, &err), ST_OK);
    cr_assert_eq(op->ops->source_next(op, NULL, t, &c, &done, &err), ST_OK);
    cr_assert(done);
    ex_thread_free(t);
    ex_query_free(q);
    lp_ctx_free(lc);
}

Test(ex_ops, filter_project, .init = setup, .fini = teardown)
{
    lp_ctx *lc = lp_ctx_new("", NULL);
    ex_query *q = ex_query_new(NULL, NULL, lc);
    ex_thread *t = ex_thread_new(q, 0);
    lp_col cols[2] = {{.id = 1, .name = "a", .type = T_I64}, {.id = 2, .name = "s", .type = T_STR}};
    /* a > 3 */
    fn_arg_info info[2] = {{&T_I64, false, NULL}, {&T_I64, true, NULL}};
    fn_bound *gt = st_arena_calloc(lc->arena, 1, sizeof *gt);
    st_error err;
    cr_assert_eq(fn_resolve(">", info, 2, lc->arena, gt, &err), ST_OK, "%s", err.msg);
    lp_expr *cond = lp_expr_new(lc, LP_X_CALL, -1);
    vec_scalar three = {.i64 = 3};
    lp_expr *args[2] = {lp_expr_col(lc, &cols[0]), lp_expr_const(lc, &T_I64, &three)};
    cond->fn = gt;
    cond->type = gt->ret;
    cond->args = args;
    cond->n_args = 2;
    ex_expr *x;
    cr_assert_eq(ex_expr_compile(q, cond, cols, 2, &x, &err), ST_OK, "%s", err.msg);
    ex_op *f;
    cr_assert_eq(ex_filter_new(q, x, SEQ_TYPES, 2, &f, &err), ST_OK);
    collect *k = collector();
    ex_chunk c = seq_chunk(0, 8);
    cr_assert_eq(f->ops->execute(f, NULL, t, &c, &k->base, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(k->n, 1);
    cr_assert_eq(k->chunks[0].n_rows, 4);
    cr_assert_eq(geti(k->chunks[0].cols[0], 0), 4);
    const int32_t *o = vec_offsets(k->chunks[0].cols[1]);
    cr_assert(memcmp(k->chunks[0].cols[1]->bytes + o[3], "r7", 2) == 0);
    /* every row passes: the chunk goes through unchanged */
    ex_chunk hi = seq_chunk(10, 5);
    cr_assert_eq(f->ops->execute(f, NULL, t, &hi, &k->base, &err), ST_OK);
    cr_assert_eq(k->n, 2);
    cr_assert_eq(k->first_col[1], hi.cols[0]);
    /* no row passes: nothing pushed */
    ex_chunk lo = seq_chunk(0, 3);
    cr_assert_eq(f->ops->execute(f, NULL, t, &lo, &k->base, &err), ST_OK);
    cr_assert_eq(k->n, 2);
    /* a non-boolean condition is refused */
    ex_expr *ax;
    cr_assert_eq(ex_expr_compile(q, args[0], cols, 2, &ax, &err), ST_OK);
    cr_assert_eq(ex_filter_new(q, ax, SEQ_TYPES, 2, &f, &err), ST_ERR_INTERNAL);

    /* project: s, a > 3 */
    ex_expr *sx, *px[2];
    cr_assert_eq(ex_expr_compile(q, lp_expr_col(lc, &cols[1]), cols, 2, &sx, &err), ST_OK);
    px[0] = sx;
    px[1] = x;
    ex_op *p;
    cr_assert_eq(ex_project_new(q, px, 2, &p, &err), ST_OK);
    cr_assert_eq(p->n_types, 2);
    cr_assert_eq(p->types[0].id, VEC_STRING);
    cr_assert_eq(p->types[1].id, VEC_BOOL);
    collect *k2 = collector();
    cr_assert_eq(p->ops->execute(p, NULL, t, &c, &k2->base, &err), ST_OK);
    cr_assert_eq(k2->chunks[0].n_rows, 8);
    cr_assert_eq(k2->first_col[0], c.cols[1]);
    cr_assert(!vec_bit_get(k2->chunks[0].cols[1]->values, 3));
    cr_assert(vec_bit_get(k2->chunks[0].cols[1]->values, 4));
    ex_thread_free(t);
    ex_query_free(q);
    lp_ctx_free(lc);
}

/* Pushes chunks of 4 rows 0..39 through a limit; returns the rows kept. */
static ex_chunk run_limit(ex_query *q, ex_thread *t, int64_t limit, int64_t offset, bool *done)
{
    ex_op *op;
    cr_assert_eq(ex_limit_new(q, limit, offset, SEQ_TYPES, 2, &op, NULL), ST_OK);
    collect *k = collector();
    for (int i = 0; i < 10; i++) {
        ex_chunk c = seq_chunk(i * 4, 4);
        cr_assert_eq(op->ops->execute(op, NULL, t, &c, &k->base, NULL), ST_OK);
    }
    *done = ex_limit_done(op);
    return collected(k, 2);
}

Test(ex_ops, limit, .init = setup, .fini = teardown)
{
    ex_query *q = ex_query_new(NULL, NULL, NULL);
    ex_thread *t = ex_thread_new(q, 0);
    bool done;
    ex_chunk r = run_limit(q, t, 5, 3, &done);
    cr_assert_eq(r.n_rows, 5);
    for (int i = 0; i < 5; i++) cr_assert_eq(geti(r.cols[0], i), 3 + i);
    cr_assert(done);
    r = run_limit(q, t, -1, 38, &done);
    cr_assert_eq(r.n_rows, 2);
    cr_assert_eq(geti(r.cols[0], 0), 38);
    cr_assert(!done);
    r = run_limit(q, t, 0, 0, &done);
    cr_assert_eq(r.n_rows, 0);
    cr_assert(done);
    r = run_limit(q, t, 100, 0, &done);
    cr_assert_eq(r.n_rows, 40);
    cr_assert(!done);
    r = run_limit(q, t, 4, 4, &done);
    cr_assert_eq(r.n_rows, 4);
    cr_assert_eq(geti(r.cols[0], 0), 4);
    cr_assert_eq(geti(r.cols[0], 3), 7);
    ex_op *other;
    cr_assert_eq(ex_limit_new(q, 1, 0, SEQ_TYPES, 2, &other, NULL), ST_OK);
    cr_assert(!ex_limit_done(other));
    ex_thread_free(t);
    ex_query_free(q);
}

/* A LIMIT shared by several threads keeps exactly `limit` rows. */
typedef struct limit_job {
    ex_op *op;
    ex_query *q;
    _Atomic int64_t *kept;
} limit_job;

static st_status count_push(ex_emit *self, ex_thread *t, const ex_chunk *c, st_error *err)
{
    limit_job *j = *(limit_job **)(self + 1);
    atomic_fetch_add(j->kept, c->n_rows);
    return ST_OK;
}

static void *limit_worker(void *arg)
{
    limit_job *j = arg;
    ex_thread *t = ex_thread_new(j->q, 1);
    struct { ex_emit e; limit_job *j; } em = {{count_push}, j};
    int64_t v[64];
    for (int i = 0; i < 64; i++) v[i] = i;
    vec_builder *b = vec_builder_new(&T_I64);
    for (int i = 0; i < 64; i++) vec_builder_append_i64(b, v[i], NULL);
    vec *col = NULL;
    vec_builder_finish(b, t->arena, &col, NULL);
    vec_builder_free(b);
    vec *cols[1] = {col};
    ex_chunk c = {64, 1, cols};
    for (int i = 0; i < 200; i++)
        j->op->ops->execute(j->op, NULL, t, &c, &em.e, NULL);
    ex_thread_free(t);
    return NULL;
}

Test(ex_ops, limit_threads, .init = setup, .fini = teardown)
{
    ex_query *q = ex_query_new(NULL, NULL, NULL);
    ex_op *op;
    cr_assert_eq(ex_limit_new(q, 10007, 333, &T_I64, 1, &op, NULL), ST_OK);
    _Atomic int64_t kept = 0;
    limit_job j = {op, q, &kept};
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, limit_worker, &j);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    cr_assert_eq(atomic_load(&kept), 10007);
    cr_assert(ex_limit_done(op));
    ex_query_free(q);
}

static ex_op *make_gen(ex_query *q, lp_gen_kind kind, bool outer, const vec_type *arg_t,
                       const vec_type *gen_types, int n_gen)
{
    lp_ctx *lc = q->lp;
    lp_col cols[2] = {{.id = 1, .name = "id", .type = T_I64}, {.id = 2, .name = "arg", .type = *arg_t}};
    ex_expr *x;
    cr_assert_eq(ex_expr_compile(q, lp_expr_col(lc, &cols[1]), cols, 2, &x, NULL), ST_OK);
    vec_type types[5] = {T_I64, *arg_t};
    for (int i = 0; i < n_gen; i++) types[2 + i] = gen_types[i];
    ex_op *op;
    cr_assert_eq(ex_generate_new(q, kind, outer, x, types, 2 + n_gen, &op, NULL), ST_OK);
    return op;
}

Test(ex_ops, generate, .init = setup, .fini = teardown)
{
    lp_ctx *lc = lp_ctx_new("", NULL);
    ex_settings set;
    ex_settings_default(&set);
    set.batch_rows = 3;                      /* forces several output chunks */
    ex_query *q = ex_query_new(&set, NULL, lc);
    ex_thread *t = ex_thread_new(q, 0);
    int lens[] = {2, 0, -1, 3};
    int64_t lv[] = {1, 2, 3, INT64_MIN, 5};
    int64_t ids[] = {100, 101, 102, 103};
    vec *cols[2] = {ints(&T_I64, ids, 4), lists(lens, 4, lv)};
    ex_chunk in = {4, 2, cols};
    st_error err;

    /* explode: 5 rows, the element NULL kept */
    vec_type el = F_LIST_EL[0].type;
    ex_op *op = make_gen(q, LP_GEN_EXPLODE, false, &T_LIST, &el, 1);
    collect *k = collector();
    cr_assert_eq(op->ops->execute(op, NULL, t, &in, &k->base, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(k->n, 2, "batches of 3 rows");
    ex_chunk r = collected(k, 3);
    cr_assert_eq(r.n_rows, 5);
    int64_t want_id[] = {100, 100, 103, 103, 103};
    int64_t want_el[] = {1, 2, 3, INT64_MIN, 5};
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(geti(r.cols[0], i), want_id[i]);
        if (want_el[i] == INT64_MIN) cr_assert(!vec_is_valid(r.cols[2], i));
        else cr_assert_eq(geti(r.cols[2], i), want_el[i]);
    }

    /* posexplode_outer: empty and NULL lists give a NULL row */
    vec_type pe[2] = {T_I32, el};
    op = make_gen(q, LP_GEN_POSEXPLODE, true, &T_LIST, pe, 2);
    k = collector();
    cr_assert_eq(op->ops->execute(op, NULL, t, &in, &k->base, &err), ST_OK, "%s", err.msg);
    r = collected(k, 4);
    cr_assert_eq(r.n_rows, 7);
    int64_t oid[] = {100, 100, 101, 102, 103, 103, 103};
    int64_t opos[] = {0, 1, INT64_MIN, INT64_MIN, 0, 1, 2};
    for (int i = 0; i < 7; i++) {
        cr_assert_eq(geti(r.cols[0], i), oid[i]);
        if (opos[i] == INT64_MIN) {
            cr_assert(!vec_is_valid(r.cols[2], i));
            cr_assert(!vec_is_valid(r.cols[3], i));
        } else {
            cr_assert_eq(geti(r.cols[2], i), opos[i]);
        }
    }
    cr_assert_eq(r.cols[2]->type->id, VEC_INT32);

    /* explode of a map: key, value */
    int mlens[] = {2, -1, 1, 0};
    const char *mk[] = {"a", "b", "c"};
    int64_t mv[] = {1, INT64_MIN, 3};
    vec *mcols[2] = {cols[0], maps(mlens, 4, mk, mv)};
    ex_chunk min = {4, 2, mcols};
    vec_type kv[2] = {F_ENTRY[0].type, F_ENTRY[1].type};
    op = make_gen(q, LP_GEN_EXPLODE, false, &T_MAP, kv, 2);
    k = collector();
    cr_assert_eq(op->ops->execute(op, NULL, t, &min, &k->base, &err), ST_OK, "%s", err.msg);
    r = collected(k, 4);
    cr_assert_eq(r.n_rows, 3);
    cr_assert_eq(geti(r.cols[0], 2), 102);
    const int32_t *o = vec_offsets(r.cols[2]);
    cr_assert(memcmp(r.cols[2]->bytes + o[1], "b", 1) == 0);
    cr_assert(!vec_is_valid(r.cols[3], 1));
    cr_assert_eq(geti(r.cols[3], 2), 3);

    /* replicate: each row count times, no new columns */
    int64_t cnt[] = {2, 0, INT64_MIN, 3};
    vec *rcols[2] = {cols[0], ints(&T_I64, cnt, 4)};
    ex_chunk rin = {4, 2, rcols};
    op = make_gen(q, LP_GEN_REPLICATE, false, &T_I64, NULL, 0);
    k = collector();
    cr_assert_eq(op->ops->execute(op, NULL, t, &rin, &k->base, &err), ST_OK, "%s", err.msg);
    r = collected(k, 2);
    cr_assert_eq(r.n_rows, 5);
    cr_assert_eq(r.n_cols, 2);
    int64_t rid[] = {100, 100, 103, 103, 103};
    for (int i = 0; i < 5; i++) cr_assert_eq(geti(r.cols[0], i), rid[i]);
    ex_thread_free(t);
    ex_query_free(q);
    lp_ctx_free(lc);
}

Test(ex_ops, buffer, .init = setup, .fini = teardown)
{
    ex_query *q = ex_query_new(NULL, NULL, NULL);
    ex_thread *t = ex_thread_new(q, 0);
    ex_op *op;
    st_error err;
    cr_assert_eq(ex_buffer_new(q, SEQ_TYPES, 2, true, &op, &err), ST_OK);
    cr_assert(op->ops->ordered);
    for (int i = 0; i < 3; i++) {
        ex_chunk c = seq_chunk(i * 10, 10);
        cr_assert_eq(op->ops->sink(op, NULL, t, &c, &err), ST_OK);
        st_arena_reset(t->arena);
    }
    ex_chunk empty = {0, 2, NULL};
    cr_assert_eq(op->ops->sink(op, NULL, t, &empty, &err), ST_OK);
    cr_assert_gt(atomic_load(&q->mem_used), 0);
    cr_assert_eq(ex_buffer_rows(op), 30);
    /* read twice: source_init rewinds */
    for (int pass = 0; pass < 2; pass++) {
        cr_assert_eq(op->ops->source_init(op, &err), ST_OK);
        int64_t next = 0;
        for (;;) {
            ex_chunk c;
            bool done;
            cr_assert_eq(op->ops->source_next(op, NULL, t, &c, &done, &err), ST_OK);
            if (done) break;
            for (int64_t i = 0; i < c.n_rows; i++) cr_assert_eq(geti(c.cols[0], i), next++);
        }
        cr_assert_eq(next, 30);
    }
    ex_op *u;
    cr_assert_eq(ex_buffer_new(q, SEQ_TYPES, 2, false, &u, &err), ST_OK);
    cr_assert(!u->ops->ordered);
    int64_t before = atomic_load(&q->mem_used);
    op->ops->destroy(op);
    cr_assert_lt(atomic_load(&q->mem_used), before, "destroy releases the memory");
    ex_thread_free(t);
    ex_query_free(q);
}

/* Spilling a slice whose offsets do not start at 0, and concurrent writers. */
typedef struct spill_job {
    ex_spill *s;
    int       id;
    int64_t   handles[50];
} spill_job;

static void *spill_writer(void *arg)
{
    spill_job *j = arg;
    st_arena *a = st_arena_new(0);
    for (int i = 0; i < 50; i++) {
        vec_builder *b = vec_builder_new(&T_I64);
        for (int r = 0; r <= i; r++) vec_builder_append_i64(b, j->id * 1000 + i, NULL);
        vec *v = NULL;
        vec_builder_finish(b, a, &v, NULL);
        vec_builder_free(b);
        vec *cols[1] = {v};
        ex_chunk c = {i + 1, 1, cols};
        if (ex_spill_write(j->s, &c, &j->handles[i], NULL) != ST_OK) j->handles[i] = -1;
    }
    st_arena_free(a);
    return NULL;
}

Test(ex_spill, slices_and_threads, .init = setup, .fini = teardown)
{
    ex_query *q = ex_query_new(NULL, NULL, NULL);
    ex_spill *s = NULL;
    cr_assert_eq(ex_spill_open(q, &s, NULL), ST_OK);
    int lens[] = {2, 1, 3, 0, 2};
    int64_t lv[] = {1, 2, 3, 4, 5, 6, 7, 8};
    vec *l = lists(lens, 5, lv);
    vec ls = *l;
    ls.values = vec_offsets(l) + 2;
    ls.len = 3;
    vec *cols[1] = {&ls};
    ex_chunk c = {3, 1, cols}, r;
    int64_t h;
    cr_assert_eq(ex_spill_write(s, &c, &h, NULL), ST_OK);
    st_error err;
    cr_assert_eq(ex_spill_read(s, h, &T_LIST, 1, A, &r, &err), ST_OK, "%s", err.msg);
    for (int i = 0; i < 3; i++) cr_assert(ex_value_equal(r.cols[0], i, l, i + 2, false));
    cr_assert_eq(vec_offsets(r.cols[0])[0], 0);

    spill_job jobs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (spill_job){.s = s, .id = i};
        pthread_create(&th[i], NULL, spill_writer, &jobs[i]);
    }
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 50; k++) {
            cr_assert_geq(jobs[i].handles[k], 0);
            cr_assert_eq(ex_spill_read(s, jobs[i].handles[k], &T_I64, 1, A, &r, &err), ST_OK, "%s", err.msg);
            cr_assert_eq(r.n_rows, k + 1);
            cr_assert_eq(((int64_t *)r.cols[0]->values)[k], i * 1000 + k);
        }
    ex_spill_close(s);
    ex_query_free(q);
}
