/* ex_sort_test.c -- the sort / top-N operator (ex_sort.c) driven the way
** the pipeline runner drives it: sink_local / sink / combine per thread,
** finalize, then source_init / source_next on one thread with the scratch
** arena reset after every chunk. Covers ints, strings (shared 8-byte
** prefixes), doubles with NULL, NaN, -0.0 and infinities, list keys, two
** keys with mixed ASC/DESC and NULLS FIRST/LAST (a string key before and
** after an int key), empty input, two threads sinking, top-N with offset
** (one and two threads, small and larger than a run, string keys checked
** against qsort), and a 500k-row sort under a 1 MiB memory limit that must
** spill and give the in-memory order. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"

static const vec_type T_I64 = {.id = VEC_INT64};
static const vec_type T_DBL = {.id = VEC_DOUBLE};
static const vec_type T_STR = {.id = VEC_STRING};

#define NUL INT64_MIN

static st_arena *A;                 /* inputs, outputs and plan objects */
static lp_ctx *L;

static void setup(void)
{
    A = st_arena_new(0);
    L = lp_ctx_new(NULL, NULL);
}

static void teardown(void)
{
    lp_ctx_free(L);
    st_arena_free(A);
}

/* ---- inputs -------------------------------------------------------------------- */

static vec *finish(vec_builder *b)
{
    vec *out = NULL;
    cr_assert_eq(vec_builder_finish(b, A, &out, NULL), ST_OK);
    vec_builder_free(b);
    return out;
}

static vec *ints(const int64_t *v, int64_t n)
{
    vec_builder *b = vec_builder_new(&T_I64);
    for (int64_t i = 0; i < n; i++)
        if (v[i] == NUL)
            vec_builder_append_null(b, NULL);
        else
            vec_builder_append_i64(b, v[i], NULL);
    return finish(b);
}

/* NULL entries of v mark NULL rows; a NULL v (with n rows) makes every row NULL. */
static vec *strs(const char *const *v, int64_t n)
{
    vec_builder *b = vec_builder_new(&T_STR);
    for (int64_t i = 0; i < n; i++)
        if (v[i])
            vec_builder_append_bytes(b, v[i], strlen(v[i]), NULL);
        else
            vec_builder_append_null(b, NULL);
    return finish(b);
}

/* isnan(v[i]) && signbit: NULL (a NaN with the sign bit set marks NULL). */
static vec *dbls(const double *v, int64_t n)
{
    vec_builder *b = vec_builder_new(&T_DBL);
    for (int64_t i = 0; i < n; i++)
        if (isnan(v[i]) && signbit(v[i]))
            vec_builder_append_null(b, NULL);
        else
            vec_builder_append_f64(b, v[i], NULL);
    return finish(b);
}

static lp_col *schema(const vec_type *const *types, int n)
{
    lp_col *c = st_arena_calloc(A, (size_t)n, sizeof *c);
    for (int i = 0; i < n; i++) {
        c[i].id = 100 + i;
        c[i].name = "c";
        c[i].type = *types[i];
        c[i].nullable = true;
    }
    return c;
}

static ex_expr *col(ex_query *q, lp_col *cols, int n, int i)
{
    st_error err;
    st_error_init(&err);
    ex_expr *e = NULL;
    lp_expr *x = lp_expr_col(L, &cols[i]);
    cr_assert_not_null(x);
    cr_assert_eq(ex_expr_compile(q, x, cols, n, &e, &err), ST_OK, "%s", err.msg);
    return e;
}

static ex_query *query(int threads, int64_t memory_limit, int64_t batch_rows)
{
    ex_settings set;
    ex_settings_default(&set);
    set.threads = threads;
    set.memory_limit = memory_limit;
    set.batch_rows = batch_rows;
    ex_query *q = ex_query_new(&set, NULL, NULL);
    cr_assert_not_null(q);
    return q;
}

typedef struct key_def {
    int  col;
    bool desc, nulls_first;
} key_def;

static ex_op *make_sort(ex_query *q, const vec_type *const *types, int n_types,
                        const key_def *keys, int n_keys, int64_t limit, int64_t offset)
{
    lp_col *cols = schema(types, n_types);
    ex_sort_spec spec;
    memset(&spec, 0, sizeof spec);
    ex_expr **k = st_arena_calloc(A, (size_t)n_keys + 1, sizeof *k);
    bool *desc = st_arena_calloc(A, (size_t)n_keys + 1, sizeof *desc);
    bool *nf = st_arena_calloc(A, (size_t)n_keys + 1, sizeof *nf);
    vec_type *t = st_arena_calloc(A, (size_t)n_types, sizeof *t);
    for (int i = 0; i < n_keys; i++) {
        k[i] = col(q, cols, n_types, keys[i].col);
        desc[i] = keys[i].desc;
        nf[i] = keys[i].nulls_first;
    }
    for (int i = 0; i < n_types; i++)
        t[i] = *types[i];
    spec.keys = k;
    spec.desc = desc;
    spec.nulls_first = nf;
    spec.n_keys = n_keys;
    spec.limit = limit;
    spec.offset = offset;
    spec.types = t;
    spec.n_types = n_types;
    ex_op *op = NULL;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(ex_sort_new(q, &spec, &op, &err), ST_OK, "%s", err.msg);
    return op;
}

/* ---- running it ------------------------------------------------------------------ */

/* Sinks chunks in[0..n) round-robin over n_threads thread contexts, combines,
** finalizes, and drains the source into one chunk (copied into A). */
static ex_chunk run(ex_op *op, ex_chunk *in, int n, int n_threads)
{
    ex_query *q = op->q;
    st_error err;
    st_error_init(&err);
    ex_thread *t[4];
    void *loc[4];
    for (int i = 0; i < n_threads; i++) {
        t[i] = ex_thread_new(q, i);
        cr_assert_eq(op->ops->sink_local(op, t[i], &loc[i], &err), ST_OK, "%s", err.msg);
    }
    for (int c = 0; c < n; c++) {
        int i = c % n_threads;
        cr_assert_eq(op->ops->sink(op, loc[i], t[i], &in[c], &err), ST_OK, "%s", err.msg);
        st_arena_reset(t[i]->arena);
    }
    for (int i = 0; i < n_threads; i++) {
        cr_assert_eq(op->ops->combine(op, loc[i], t[i], &err), ST_OK, "%s", err.msg);
        op->ops->sink_local_free(op, loc[i]);
    }
    cr_assert_eq(op->ops->finalize(op, &err), ST_OK, "%s", err.msg);
    cr_assert(op->ops->ordered);
    cr_assert_eq(op->ops->source_init(op, &err), ST_OK, "%s", err.msg);
    void *sl = NULL;
    if (op->ops->source_local)
        cr_assert_eq(op->ops->source_local(op, t[0], &sl, &err), ST_OK, "%s", err.msg);
    ex_chunk *parts[4096];
    int np = 0;
    for (;;) {
        ex_chunk out;
        bool done = false;
        cr_assert_eq(op->ops->source_next(op, sl, t[0], &out, &done, &err), ST_OK, "%s", err.msg);
        if (done)
            break;
        cr_assert_eq(out.n_cols, op->n_types);
        cr_assert_leq(out.n_rows, q->set.batch_rows);
        cr_assert_lt(np, 4096);
        parts[np] = st_arena_alloc(A, sizeof(ex_chunk));
        cr_assert_eq(ex_chunk_copy(A, &out, parts[np], &err), ST_OK, "%s", err.msg);
        np++;
        st_arena_reset(t[0]->arena);
    }
    if (op->ops->source_local_free)
        op->ops->source_local_free(op, sl);
    for (int i = 0; i < n_threads; i++)
        ex_thread_free(t[i]);
    ex_chunk all = {0, op->n_types, NULL};
    if (np > 0)
        cr_assert_eq(ex_chunk_concat(A, (const ex_chunk *const *)parts, np, op->n_types, &all, &err),
                     ST_OK, "%s", err.msg);
    return all;
}

static ex_chunk chunk(int n_cols, int64_t n_rows, vec **cols)
{
    ex_chunk c = {n_rows, n_cols, st_arena_calloc(A, (size_t)n_cols, sizeof(vec *))};
    memcpy(c.cols, cols, (size_t)n_cols * sizeof(vec *));
    return c;
}

static int64_t i64_at(const vec *v, int64_t i)
{
    return vec_is_valid(v, i) ? ((const int64_t *)v->values)[i] : NUL;
}

static const char *str_at(const vec *v, int64_t i)
{
    if (!vec_is_valid(v, i))
        return NULL;
    const int32_t *o = vec_offsets(v);
    return st_arena_strndup(A, (const char *)v->bytes + o[i], (size_t)(o[i + 1] - o[i]));
}

/* ---- tests ------------------------------------------------------------------------ */

Test(ex_sort, ints_with_nulls, .init = setup, .fini = teardown)
{
    const vec_type *types[] = {&T_I64};
    int64_t v[] = {5, NUL, -3, 7, 0, NUL, 2, INT64_MAX, INT64_MIN + 1};
    vec *c0 = ints(v, 9);
    ex_chunk in = chunk(1, 9, &c0);

    ex_query *q = query(1, (int64_t)1 << 30, 4);
    key_def asc = {0, false, true};
    ex_chunk out = run(make_sort(q, types, 1, &asc, 1, -1, 0), &in, 1, 1);
    int64_t want[] = {NUL, NUL, INT64_MIN + 1, -3, 0, 2, 5, 7, INT64_MAX};
    cr_assert_eq(out.n_rows, 9);
    for (int i = 0; i < 9; i++)
        cr_assert_eq(i64_at(out.cols[0], i), want[i], "row %d", i);
    ex_query_free(q);

    q = query(1, (int64_t)1 << 30, 1024);
    key_def dsc = {0, true, false};
    out = run(make_sort(q, types, 1, &dsc, 1, -1, 0), &in, 1, 1);
    int64_t want2[] = {INT64_MAX, 7, 5, 2, 0, -3, INT64_MIN + 1, NUL, NUL};
    for (int i = 0; i < 9; i++)
        cr_assert_eq(i64_at(out.cols[0], i), want2[i], "row %d", i);
    ex_query_free(q);
}

Test(ex_sort, strings_shared_prefixes, .init = setup, .fini = teardown)
{
    const vec_type *types[] = {&T_STR, &T_I64};
    const char *s[] = {"applesauce", NULL, "apple", "applesau", "", "applesaub", "banana",
                       "applesaua", "b", "applesauce"};
    int64_t id[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    vec *cols[] = {strs(s, 10), ints(id, 10)};
    ex_chunk in = chunk(2, 10, cols);
    ex_query *q = query(1, (int64_t)1 << 30, 3);
    key_def k = {0, false, false};
    ex_chunk out = run(make_sort(q, types, 2, &k, 1, -1, 0), &in, 1, 1);
    const char *want[] = {"", "apple", "applesau", "applesaua", "applesaub", "applesauce",
                          "applesauce", "b", "banana", NULL};
    cr_assert_eq(out.n_rows, 10);
    for (int i = 0; i < 10; i++) {
        const char *got = str_at(out.cols[0], i);
        if (!want[i])
            cr_assert_null(got, "row %d", i);
        else
            cr_assert_str_eq(got, want[i], "row %d", i);
        /* the payload travels with its key */
        int64_t src = i64_at(out.cols[1], i);
        const char *orig = s[src];
        cr_assert((orig == NULL) == (got == NULL) && (!orig || strcmp(orig, got) == 0));
    }
    ex_query_free(q);

    q = query(1, (int64_t)1 << 30, 1024);
    key_def d = {0, true, true};
    out = run(make_sort(q, types, 2, &d, 1, -1, 0), &in, 1, 1);
    cr_assert_null(str_at(out.cols[0], 0));
    for (int i = 1; i < 10; i++)
        cr_assert_str_eq(str_at(out.cols[0], i), want[9 - i], "row %d", i);
    ex_query_free(q);
}

Test(ex_sort, doubles_nan_negzero, .init = setup, .fini = teardown)
{
    const vec_type *types[] = {&T_DBL};
    double nullv = -NAN;
    double v[] = {1.5, NAN, -0.0, 0.0, -INFINITY, INFINITY, nullv, -2.5, 1e-300, -1e300};
    vec *c0 = dbls(v, 10);
    ex_chunk in = chunk(1, 10, &c0);
    ex_query *q = query(1, (int64_t)1 << 30, 1024);
    key_def k = {0, false, false};
    ex_chunk out = run(make_sort(q, types, 1, &k, 1, -1, 0), &in, 1, 1);
    double want[] = {-INFINITY, -1e300, -2.5, 0.0, 0.0, 1e-300, 1.5, INFINITY};
    const double *d = out.cols[0]->values;
    cr_assert_eq(out.n_rows, 10);
    for (int i = 0; i < 8; i++) {
        cr_assert(vec_is_valid(out.cols[0], i));
        cr_assert(d[i] == want[i], "row %d: %g", i, d[i]);
    }
    cr_assert(vec_is_valid(out.cols[0], 8) && isnan(d[8]), "NaN sorts above +inf");
    cr_assert(!vec_is_valid(out.cols[0], 9), "NULLS LAST");
    ex_query_free(q);

    q = query(1, (int64_t)1 << 30, 1024);
    key_def dk = {0, true, true};
    out = run(make_sort(q, types, 1, &dk, 1, -1, 0), &in, 1, 1);
    d = out.cols[0]->values;
    cr_assert(!vec_is_valid(out.cols[0], 0));
    cr_assert(isnan(d[1]));
    for (int i = 0; i < 8; i++)
        cr_assert(d[i + 2] == want[7 - i], "desc row %d: %g", i + 2, d[i + 2]);
    ex_query_free(q);
}

/* Order check against ex_value_compare over the original key columns. */
static void check_multi(const ex_chunk *out, const key_def *k, int nk)
{
    for (int64_t i = 1; i < out->n_rows; i++) {
        int c = 0;
        for (int j = 0; j < nk && c == 0; j++)
            c = ex_value_compare(out->cols[k[j].col], i - 1, out->cols[k[j].col], i, k[j].desc,
                                 k[j].nulls_first);
        cr_assert_leq(c, 0, "rows %" PRId64 " and %" PRId64 " out of order", i - 1, i);
    }
}

Test(ex_sort, multi_key_mixed, .init = setup, .fini = teardown)
{
    const vec_type *types[] = {&T_I64, &T_STR, &T_I64};
    int n = 600;
    int64_t *a = st_arena_calloc(A, (size_t)n, sizeof *a), *id = st_arena_calloc(A, (size_t)n, sizeof *id);
    const char **s = st_arena_calloc(A, (size_t)n, sizeof *s);
    const char *words[] = {"x", "xylophone-long", "xylophone-lonG", "a", NULL, "m"};
    for (int i = 0; i < n; i++) {
        a[i] = (i * 7919) % 13 == 0 ? NUL : (i * 31) % 5;
        s[i] = words[(i * 17) % 6];
        id[i] = i;
    }
    vec *cols[] = {ints(a, n), strs(s, n), ints(id, n)};
    ex_chunk in[3];
    st_error err;
    for (int c = 0; c < 3; c++) {     /* three chunks of 200 rows */
        int32_t idx[200];
        for (int i = 0; i < 200; i++)
            idx[i] = c * 200 + i;
        ex_chunk whole = chunk(3, n, cols);
        cr_assert_eq(ex_chunk_take(A, &whole, idx, 200, &in[c], &err), ST_OK);
    }
    key_def k[2] = {{0, false, false}, {1, true, true}};
    ex_query *q = query(2, (int64_t)1 << 30, 64);
    ex_chunk out = run(make_sort(q, types, 3, k, 2, -1, 0), in, 3, 2);
    cr_assert_eq(out.n_rows, n);
    check_multi(&out, k, 2);
    /* every id exactly once, its columns intact */
    bool *seen = st_arena_calloc(A, (size_t)n, sizeof *seen);
    for (int i = 0; i < n; i++) {
        int64_t x = i64_at(out.cols[2], i);
        cr_assert(x >= 0 && x < n && !seen[x]);
        seen[x] = true;
        cr_assert_eq(i64_at(out.cols[0], i), a[x]);
        const char *got = str_at(out.cols[1], i);
        cr_assert((s[x] == NULL) == (got == NULL) && (!got || strcmp(got, s[x]) == 0));
    }
    /* first rows: a = 0 with strings descending, NULL strings first */
    cr_assert_eq(i64_at(out.cols[0], 0), 0);
    cr_assert_null(str_at(out.cols[1], 0));
    /* last rows: a NULL (NULLS LAST) */
    cr_assert_eq(i64_at(out.cols[0], n - 1), NUL);
    ex_query_free(q);
}

Test(ex_sort, empty_input, .init = setup, .fini = teardown)
{
    const vec_type *types[] = {&T_I64};
    vec *c0 = ints(NULL, 0);
    ex_chunk in = chunk(1, 0, &c0);
    key_def k = {0, false, true};
    ex_query *q = query(2, (int64_t)1 << 30, 1024);
    ex_chunk out = run(make_sort(q, types, 1, &k, 1, -1, 0), &in, 1, 2);
    cr_assert_eq(out.n_rows, 0);
    ex_query_free(q);
    q = query(1, (int64_t)1 << 30, 1024);
    out = run(make_sort(q, types, 1, &k, 1, 5, 2), NULL, 0, 1);
    cr_assert_eq(out.n_rows, 0);
    ex_query_free(q);
}

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* n_chunks chunks of rows (key, id): keys a permutation of 0..n-1 times 3
** (unique), ids the row numbers. */
static ex_chunk *perm_chunks(int64_t n, int64_t per, int *n_chunks)
{
    int64_t *key = st_arena_calloc(A, (size_t)n, sizeof *key);
    for (int64_t i = 0; i < n; i++)
        key[i] = i * 3;
    uint64_t s = 88172645463325252ull;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)(rng(&s) % (uint64_t)(i + 1));
        int64_t tmp = key[i];
        key[i] = key[j];
        key[j] = tmp;
    }
    int nc = (int)((n + per - 1) / per);
    ex_chunk *in = st_arena_calloc(A, (size_t)nc + 1, sizeof *in);
    int64_t *id = st_arena_calloc(A, (size_t)per, sizeof *id);
    for (int c = 0; c < nc; c++) {
        int64_t m = ST_MIN(per, n - c * per);
        for (int64_t i = 0; i < m; i++)
            id[i] = c * per + i;
        vec *cols[] = {ints(key + c * per, m), ints(id, m)};
        in[c] = chunk(2, m, cols);
    }
    *n_chunks = nc;
    return in;
}

Test(ex_sort, two_threads_merge, .init = setup, .fini = teardown)
{
    const vec_type *types[] = {&T_I64, &T_I64};
    int nc;
    ex_chunk *in = perm_chunks(20000, 1000, &nc);
    key_def k = {0, false, true};
    ex_query *q = query(2, (int64_t)1 << 30, 777);
    ex_chunk out = run(make_sort(q, types, 2, &k, 1, -1, 0), in, nc, 2);
    cr_assert_eq(out.n_rows, 20000);
    for (int64_t i = 0; i < 20000; i++)
        cr_assert_eq(i64_at(out.cols[0], i), i * 3, "row %" PRId64, i);
    ex_query_free(q);
}

Test(ex_sort, top_n_with_offset, .init = setup, .fini = teardown)
{
    const vec_type *types[] = {&T_I64, &T_I64};
    int nc;
    ex_chunk *in = perm_chunks(30000, 2048, &nc);
    for (int threads = 1; threads <= 2; threads++) {
        key_def k = {0, true, false};          /* DESC: largest first */
        ex_query *q = query(threads, (int64_t)1 << 30, 4);
        ex_op *op = make_sort(q, types, 2, &k, 1, 10, 5);
        ex_chunk out = run(op, in, nc, threads);
        cr_assert_eq(out.n_rows, 10);
        for (int64_t i = 0; i < 10; i++)
            cr_assert_eq(i64_at(out.cols[0], i), (29999 - 5 - i) * 3, "row %" PRId64, i);
        st_buf b;
        st_buf_init(&b);
        cr_assert_eq(op->ops->explain(op, &b, NULL), ST_OK);
        cr_assert_not_null(memmem(b.data, b.len, "DESC NULLS LAST", 15));
        cr_assert_not_null(memmem(b.data, b.len, "top 10 offset 5", 15));
        st_buf_destroy(&b);
        ex_query_free(q);
    }
    /* a limit past the input, and limit 0 */
    ex_query *q = query(1, (int64_t)1 << 30, 4096);
    key_def k = {0, false, true};
    ex_chunk out = run(make_sort(q, types, 2, &k, 1, 100000, 29990), in, nc, 1);
    cr_assert_eq(out.n_rows, 10);
    cr_assert_eq(i64_at(out.cols[0], 0), 29990 * 3);
    ex_query_free(q);
    q = query(1, (int64_t)1 << 30, 4096);
    out = run(make_sort(q, types, 2, &k, 1, 0, 0), in, nc, 1);
    cr_assert_eq(out.n_rows, 0);
    ex_query_free(q);
}

Test(ex_sort, large_limit_truncates_runs, .init = setup, .fini = teardown)
{
    const vec_type *types[] = {&T_I64, &T_I64};
    int nc;
    ex_chunk *in = perm_chunks(150000, 2048, &nc);
    key_def k = {0, false, true};
    ex_query *q = query(2, (int64_t)1 << 30, 2048);
    ex_chunk out = run(make_sort(q, types, 2, &k, 1, 70000, 10), in, nc, 2);
    cr_assert_eq(out.n_rows, 70000);
    for (int64_t i = 0; i < 70000; i++)
        cr_assert_eq(i64_at(out.cols[0], i), (i + 10) * 3, "row %" PRId64, i);
    ex_query_free(q);
}

Test(ex_sort, spill_matches_memory, .init = setup, .fini = teardown)
{
    const vec_type *types[] = {&T_I64, &T_I64, &T_STR};
    int64_t n = 500000, per = 2048;
    /* keys with duplicates (n / 4 distinct) and a string payload */
    int nc = (int)((n + per - 1) / per);
    ex_chunk *in = st_arena_calloc(A, (size_t)nc, sizeof *in);
    uint64_t s = 0x9e3779b97f4a7c15ull;
    int64_t *key = st_arena_calloc(A, (size_t)per, sizeof *key);
    int64_t *id = st_arena_calloc(A, (size_t)per, sizeof *id);
    const char **str = st_arena_calloc(A, (size_t)per, sizeof *str);
    for (int c = 0; c < nc; c++) {
        int64_t m = ST_MIN(per, n - c * per);
        for (int64_t i = 0; i < m; i++) {
            key[i] = (int64_t)(rng(&s) % (uint64_t)(n / 4));
            id[i] = c * per + i;
            str[i] = st_arena_printf(A, "row-%" PRId64, key[i] * 7);
        }
        vec *cols[] = {ints(key, m), ints(id, m), strs(str, m)};
        in[c] = chunk(3, m, cols);
    }
    key_def k[2] = {{0, false, true}, {1, true, false}};   /* (key ASC, id DESC): a total order */
    ex_query *qm = query(1, (int64_t)1 << 32, 2048);
    ex_chunk mem = run(make_sort(qm, types, 3, k, 2, -1, 0), in, nc, 1);
    cr_assert_eq(atomic_load(&qm->spilled), 0);
    ex_query *qs = query(1, (int64_t)1 << 20, 2048);
    ex_chunk disk = run(make_sort(qs, types, 3, k, 2, -1, 0), in, nc, 2);
    cr_assert_gt(atomic_load(&qs->spilled), 0, "a 1 MiB limit must spill");
    cr_assert_lt(atomic_load(&qs->mem_peak), (int64_t)2 << 20, "sort state stays near the limit");
    cr_assert_eq(mem.n_rows, n);
    cr_assert_eq(disk.n_rows, n);
    for (int64_t i = 0; i < n; i++) {
        cr_assert_eq(i64_at(mem.cols[1], i), i64_at(disk.cols[1], i), "row %" PRId64, i);
        if (i > 0)
            cr_assert_leq(i64_at(disk.cols[0], i - 1), i64_at(disk.cols[0], i));
    }
    const int32_t *o = vec_offsets(disk.cols[2]);
    cr_assert_eq(memcmp(disk.cols[2]->bytes + o[n - 1], "row-", 4), 0);
    ex_query_free(qm);
    ex_query_free(qs);
}

static int cmp_str_desc(const void *a, const void *b)
{
    return strcmp(*(const char *const *)b, *(const char *const *)a);
}

Test(ex_sort, top_n_strings_matches_full_sort, .init = setup, .fini = teardown)
{
    const vec_type *types[] = {&T_STR, &T_I64};
    int n = 20000, per = 1000;
    ex_chunk *in = st_arena_calloc(A, (size_t)(n / per), sizeof *in);
    uint64_t s = 12345;
    const char **str = st_arena_calloc(A, (size_t)per, sizeof *str);
    int64_t *id = st_arena_calloc(A, (size_t)per, sizeof *id);
    for (int c = 0; c < n / per; c++) {
        for (int i = 0; i < per; i++) {
            uint64_t r = rng(&s);
            /* long shared prefixes: ties of the 8-byte prefix are common */
            str[i] = r % 50 == 0 ? NULL : st_arena_printf(A, "prefix--%03d", (int)(r % 997));
            id[i] = c * per + i;
        }
        vec *cols[] = {strs(str, per), ints(id, per)};
        in[c] = chunk(2, per, cols);
    }
    key_def k = {0, true, false};           /* DESC NULLS LAST */
    ex_query *qf = query(2, (int64_t)1 << 30, 1024);
    ex_chunk full = run(make_sort(qf, types, 2, &k, 1, -1, 0), in, n / per, 2);
    ex_query *qt = query(2, (int64_t)1 << 30, 1024);
    ex_chunk top = run(make_sort(qt, types, 2, &k, 1, 100, 30), in, n / per, 2);
    cr_assert_eq(top.n_rows, 100);
    /* expected: every non-NULL string, sorted descending by strcmp */
    const char **want = st_arena_calloc(A, (size_t)n, sizeof *want);
    int nw = 0;
    for (int c = 0; c < n / per; c++)
        for (int i = 0; i < per; i++)
            if (vec_is_valid(in[c].cols[0], i))
                want[nw++] = str_at(in[c].cols[0], i);
    qsort(want, (size_t)nw, sizeof *want, cmp_str_desc);
    cr_assert_eq(full.n_rows, n);
    for (int i = 0; i < nw; i++)
        cr_assert_str_eq(str_at(full.cols[0], i), want[i], "full row %d", i);
    for (int i = 0; i < 100; i++)
        cr_assert_str_eq(str_at(top.cols[0], i), want[i + 30], "row %d", i);
    ex_query_free(qf);
    ex_query_free(qt);
}

static vec_field F_EL[1] = {{"element", {.id = VEC_INT64}, true}};
static const vec_type T_LIST = {.id = VEC_LIST, .n_children = 1, .children = F_EL};

Test(ex_sort, nested_list_keys, .init = setup, .fini = teardown)
{
    /* rows: [3,1], [1,2], NULL, [1], [1,2,0], [] */
    static const int64_t el[][3] = {{3, 1}, {1, 2}, {0}, {1}, {1, 2, 0}, {0}};
    static const int len[] = {2, 2, -1, 1, 3, 0};
    vec_builder *b = vec_builder_new(&T_LIST);
    for (int r = 0; r < 6; r++) {
        if (len[r] < 0) {
            vec_builder_append_null(b, NULL);
            continue;
        }
        for (int k = 0; k < len[r]; k++)
            vec_builder_append_i64(vec_builder_child(b, 0), el[r][k], NULL);
        vec_builder_end_list(b, NULL);
    }
    vec *cols[2];
    cols[0] = finish(b);
    int64_t id[] = {0, 1, 2, 3, 4, 5};
    cols[1] = ints(id, 6);
    ex_chunk in = chunk(2, 6, cols);
    const vec_type *types[] = {&T_LIST, &T_I64};
    key_def k = {0, true, false};           /* DESC NULLS LAST */
    ex_query *q = query(1, (int64_t)1 << 30, 1024);
    ex_chunk out = run(make_sort(q, types, 2, &k, 1, -1, 0), &in, 1, 1);
    int64_t want[] = {0, 4, 1, 3, 5, 2};    /* [3,1] [1,2,0] [1,2] [1] [] NULL */
    cr_assert_eq(out.n_rows, 6);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(i64_at(out.cols[1], i), want[i], "row %d", i);
    ex_query_free(q);
}

/* A prefix key before another key: a tie of the 8-byte string prefix must be
** settled by the whole string before the second key counts. */
Test(ex_sort, prefix_key_before_int_key, .init = setup, .fini = teardown)
{
    const vec_type *types[] = {&T_STR, &T_I64};
    int per = 2048, nc = 60;
    ex_chunk *in = st_arena_calloc(A, (size_t)nc, sizeof *in);
    uint64_t s = 777;
    const char **str = st_arena_calloc(A, (size_t)per, sizeof *str);
    int64_t *x = st_arena_calloc(A, (size_t)per, sizeof *x);
    for (int c = 0; c < nc; c++) {
        for (int i = 0; i < per; i++) {
            uint64_t r = rng(&s);
            str[i] = r % 97 == 0 ? NULL : st_arena_printf(A, "samepfx-%d", (int)(r % 301));
            x[i] = (int64_t)(rng(&s) % 1000) - 500;
        }
        vec *cols[] = {strs(str, per), ints(x, per)};
        in[c] = chunk(2, per, cols);
    }
    key_def k[2] = {{0, true, false}, {1, false, true}};
    for (int spill = 0; spill < 2; spill++) {
        ex_query *q = query(2, spill ? (int64_t)1 << 20 : (int64_t)1 << 30, 1000);
        ex_chunk out = run(make_sort(q, types, 2, k, 2, -1, 0), in, nc, 2);
        cr_assert_eq(out.n_rows, (int64_t)per * nc);
        check_multi(&out, k, 2);
        if (spill)
            cr_assert_gt(atomic_load(&q->spilled), 0);
        ex_query_free(q);
        /* and as top-N */
        q = query(2, (int64_t)1 << 30, 1000);
        ex_chunk top = run(make_sort(q, types, 2, k, 2, 500, 1000), in, nc, 2);
        cr_assert_eq(top.n_rows, 500);
        check_multi(&top, k, 2);
        for (int i = 0; i < 500; i++) {
            cr_assert_eq(i64_at(top.cols[1], i), i64_at(out.cols[1], i + 1000), "row %d", i);
            const char *a = str_at(top.cols[0], i), *b = str_at(out.cols[0], i + 1000);
            cr_assert((a == NULL) == (b == NULL) && (!a || strcmp(a, b) == 0), "row %d", i);
        }
        ex_query_free(q);
    }
}
