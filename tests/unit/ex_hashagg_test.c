/* ex_hashagg_test.c -- the hash aggregate operator (ex_hashagg.c) driven the
** way the pipeline runner drives it: sink_local / sink / combine per thread,
** finalize, then source_local / source_next per thread, with the thread
** scratch arena reset after every chunk. Results are compared as sorted
** multisets of formatted rows ("k|agg|..."). Covers int, string, two-column,
** NULL and NaN keys, every basic aggregate checked exactly, DISTINCT,
** FILTER, ROLLUP grouping ids, the ungrouped row over empty input, several
** threads sinking and emitting partitions, and spilling under a 1 MiB
** memory limit with 200k groups. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"

static const vec_type T_I32 = {.id = VEC_INT32};
static const vec_type T_I64 = {.id = VEC_INT64};
static const vec_type T_DBL = {.id = VEC_DOUBLE};
static const vec_type T_STR = {.id = VEC_STRING};
static const vec_type T_BOOL = {.id = VEC_BOOL};

#define NUL INT64_MIN

static st_arena *A;                 /* input chunks and plan-side objects */
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

/* ---- inputs ------------------------------------------------------------------------ */

static vec *finish(vec_builder *b)
{
    vec *out = NULL;
    cr_assert_eq(vec_builder_finish(b, A, &out, NULL), ST_OK);
    vec_builder_free(b);
    return out;
}

static vec *ints(const vec_type *t, const int64_t *v, int64_t n)
{
    vec_builder *b = vec_builder_new(t);
    for (int64_t i = 0; i < n; i++) {
        if (v[i] == NUL)
            vec_builder_append_null(b, NULL);
        else if (t->id == VEC_BOOL)
            vec_builder_append_bool(b, v[i] != 0, NULL);
        else
            vec_builder_append_i64(b, v[i], NULL);
    }
    return finish(b);
}

static vec *dbls(const double *v, const bool *null, int64_t n)
{
    vec_builder *b = vec_builder_new(&T_DBL);
    for (int64_t i = 0; i < n; i++) {
        if (null && null[i])
            vec_builder_append_null(b, NULL);
        else
            vec_builder_append_f64(b, v[i], NULL);
    }
    return finish(b);
}

static vec *strs(const char *const *v, int64_t n)
{
    vec_builder *b = vec_builder_new(&T_STR);
    for (int64_t i = 0; i < n; i++) {
        if (v[i])
            vec_builder_append_bytes(b, v[i], strlen(v[i]), NULL);
        else
            vec_builder_append_null(b, NULL);
    }
    return finish(b);
}

static ex_chunk chunk(int n_cols, int64_t n_rows, vec **cols)
{
    ex_chunk c = {n_rows, n_cols, st_arena_calloc(A, (size_t)n_cols, sizeof(vec *))};
    memcpy(c.cols, cols, (size_t)n_cols * sizeof(vec *));
    return c;
}

/* ---- building the operator ------------------------------------------------------------- */

/* Input columns of the test: ids 1..n with the given types. */
typedef struct in_schema {
    lp_col cols[8];
    int    n;
} in_schema;

static in_schema schema(int n, const vec_type *const *types)
{
    in_schema s;
    memset(&s, 0, sizeof s);
    s.n = n;
    for (int i = 0; i < n; i++) {
        s.cols[i].id = i + 1;
        s.cols[i].name = "c";
        s.cols[i].type = *types[i];
        s.cols[i].nullable = true;
    }
    return s;
}

static ex_expr *col(ex_query *q, const in_schema *s, int i)
{
    st_error err;
    st_error_init(&err);
    ex_expr *e = NULL;
    lp_expr *x = lp_expr_col(L, &s->cols[i]);
    cr_assert_not_null(x);
    cr_assert_eq(ex_expr_compile(q, x, s->cols, s->n, &e, &err), ST_OK, "%s", err.msg);
    return e;
}

/* One aggregate: name(DISTINCT?) over input column arg (-1: none), with an
** optional FILTER column (-1: none). */
typedef struct agg_def {
    const char *name;
    bool        distinct;
    int         arg;
    int         filter;
} agg_def;

static ex_op *make_agg(ex_query *q, const in_schema *s, const int *groups, int n_groups,
                       const agg_def *aggs, int n_aggs, const uint64_t *sets, int n_sets)
{
    st_error err;
    st_error_init(&err);
    ex_agg_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.groups = st_arena_calloc(q->arena, (size_t)n_groups + 1, sizeof *spec.groups);
    for (int g = 0; g < n_groups; g++)
        spec.groups[g] = col(q, s, groups[g]);
    spec.n_groups = n_groups;
    spec.fns = st_arena_calloc(q->arena, (size_t)n_aggs + 1, sizeof *spec.fns);
    spec.args = st_arena_calloc(q->arena, (size_t)n_aggs + 1, sizeof *spec.args);
    spec.n_args = st_arena_calloc(q->arena, (size_t)n_aggs + 1, sizeof *spec.n_args);
    spec.filters = st_arena_calloc(q->arena, (size_t)n_aggs + 1, sizeof *spec.filters);
    for (int j = 0; j < n_aggs; j++) {
        fn_arg_info ai = {0};
        int na = aggs[j].arg >= 0;
        if (na)
            ai.type = &s->cols[aggs[j].arg].type;
        spec.fns[j] = st_arena_calloc(q->arena, 1, sizeof(agg_bound));
        cr_assert_eq(agg_resolve(aggs[j].name, aggs[j].distinct, &ai, na, q->arena, spec.fns[j],
                                 &err), ST_OK, "%s", err.msg);
        spec.args[j] = st_arena_calloc(q->arena, 1, sizeof(ex_expr *));
        if (na)
            spec.args[j][0] = col(q, s, aggs[j].arg);
        spec.n_args[j] = na;
        if (aggs[j].filter >= 0)
            spec.filters[j] = col(q, s, aggs[j].filter);
    }
    spec.n_aggs = n_aggs;
    spec.sets = sets;
    spec.n_sets = n_sets;
    ex_op *op = NULL;
    cr_assert_eq(ex_hashagg_new(q, &spec, &op, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(op->n_types, n_groups + n_aggs + (n_sets > 0));
    return op;
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

/* ---- running it ------------------------------------------------------------------------ */

typedef struct rows {
    char  **v;                      /* heap strings */
    int64_t n, cap;
} rows;

static void rows_add(rows *r, const char *s)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->v = realloc(r->v, (size_t)r->cap * sizeof *r->v);
    }
    r->v[r->n++] = strdup(s);
}

static void rows_free(rows *r)
{
    for (int64_t i = 0; i < r->n; i++)
        free(r->v[i]);
    free(r->v);
    memset(r, 0, sizeof *r);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct worker {
    ex_op     *op;
    ex_thread *t;
    ex_chunk  *chunks;              /* this worker sinks chunks[k], k = id mod threads */
    int        n_chunks, stride;
    rows       out;                 /* formatted output rows */
    int64_t    n_chunks_out;
    st_status  rc;
    st_error   err;
} worker;

static void format_chunk(worker *w, const ex_chunk *c)
{
    st_buf b;
    st_buf_init(&b);
    for (int64_t i = 0; i < c->n_rows && w->rc == ST_OK; i++) {
        st_buf_clear(&b);
        for (int k = 0; k < c->n_cols && w->rc == ST_OK; k++) {
            if (k)
                st_buf_append_byte(&b, '|', NULL);
            if (!vec_is_valid(c->cols[k], i))
                st_buf_append_str(&b, "NULL", NULL);
            else
                w->rc = vec_format_value(c->cols[k], i, VEC_FMT_TEXT, &b, &w->err);
        }
        st_buf_append_byte(&b, 0, NULL);
        rows_add(&w->out, (const char *)b.data);
    }
    st_buf_destroy(&b);
}

static void *sink_main(void *arg)
{
    worker *w = arg;
    const ex_op_ops *ops = w->op->ops;
    void *local = NULL;
    w->rc = ops->sink_local(w->op, w->t, &local, &w->err);
    for (int k = w->t->id; k < w->n_chunks && w->rc == ST_OK; k += w->stride) {
        w->rc = ops->sink(w->op, local, w->t, &w->chunks[k], &w->err);
        st_arena_reset(w->t->arena);
    }
    if (w->rc == ST_OK)
        w->rc = ops->combine(w->op, local, w->t, &w->err);
    ops->sink_local_free(w->op, local);
    return NULL;
}

static void *source_main(void *arg)
{
    worker *w = arg;
    const ex_op_ops *ops = w->op->ops;
    void *local = NULL;
    w->rc = ops->source_local(w->op, w->t, &local, &w->err);
    for (bool done = false; w->rc == ST_OK && !done;) {
        ex_chunk c;
        w->rc = ops->source_next(w->op, local, w->t, &c, &done, &w->err);
        if (w->rc == ST_OK && !done) {
            cr_assert_eq(c.n_cols, w->op->n_types);
            cr_assert(c.n_rows > 0 && c.n_rows <= w->op->q->set.batch_rows);
            for (int k = 0; k < c.n_cols; k++) {
                cr_assert_eq(c.cols[k]->len, c.n_rows);
                cr_assert_eq(c.cols[k]->type->id, w->op->types[k].id);
            }
            format_chunk(w, &c);
            w->n_chunks_out++;
        }
        st_arena_reset(w->t->arena);
    }
    ops->source_local_free(w->op, local);
    return NULL;
}

/* Sinks chunks on `threads` threads, finalizes and reads the result back on
** as many threads; returns the sorted formatted rows. */
static rows run(ex_query *q, ex_op *op, ex_chunk *chunks, int n_chunks, int threads)
{
    worker w[4];
    cr_assert(threads >= 1 && threads <= 4);
    memset(w, 0, sizeof w);
    pthread_t th[4];
    for (int i = 0; i < threads; i++) {
        w[i].op = op;
        w[i].t = ex_thread_new(q, i);
        w[i].chunks = chunks;
        w[i].n_chunks = n_chunks;
        w[i].stride = threads;
        st_error_init(&w[i].err);
        cr_assert_eq(pthread_create(&th[i], NULL, sink_main, &w[i]), 0);
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(w[i].rc, ST_OK, "sink: %s", w[i].err.msg);
    }
    st_error err;
    st_error_init(&err);
    cr_assert_eq(op->ops->finalize(op, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(op->ops->source_init(op, &err), ST_OK, "%s", err.msg);
    for (int i = 0; i < threads; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, source_main, &w[i]), 0);
    rows all = {0};
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(w[i].rc, ST_OK, "source: %s", w[i].err.msg);
        for (int64_t k = 0; k < w[i].out.n; k++)
            rows_add(&all, w[i].out.v[k]);
        rows_free(&w[i].out);
        ex_thread_free(w[i].t);
    }
    qsort(all.v, (size_t)all.n, sizeof *all.v, cmp_str);
    return all;
}

static void expect_rows(rows *got, const char *const *want, int n)
{
    const char **sorted = malloc((size_t)n * sizeof *sorted);
    memcpy(sorted, want, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_str);
    for (int64_t i = 0; i < got->n && i < n; i++)
        cr_expect_str_eq(got->v[i], sorted[i], "row %" PRId64 ": got %s want %s", i, got->v[i],
                         sorted[i]);
    cr_assert_eq(got->n, n, "got %" PRId64 " rows, want %d", got->n, n);
    free(sorted);
    rows_free(got);
}

/* ---- tests ----------------------------------------------------------------------------- */

TestSuite(ex_hashagg, .init = setup, .fini = teardown);

/* group by an int key (NULL is one group) with every basic aggregate, over
** two chunks so groups continue across chunks. */
Test(ex_hashagg, group_by_int_basic_aggregates)
{
    ex_query *q = query(1, INT64_MAX, 2048);
    const vec_type *ty[] = {&T_I32, &T_I64};
    in_schema s = schema(2, ty);
    int64_t k1[] = {1, 2, 1, NUL, 3}, v1[] = {10, 20, 30, 5, 40};
    int64_t k2[] = {2, NUL, 1}, v2[] = {NUL, 7, 50};
    ex_chunk in[2] = {chunk(2, 5, (vec *[]){ints(&T_I32, k1, 5), ints(&T_I64, v1, 5)}),
                      chunk(2, 3, (vec *[]){ints(&T_I32, k2, 3), ints(&T_I64, v2, 3)})};
    agg_def aggs[] = {{"count", false, -1, -1}, {"count", false, 1, -1}, {"sum", false, 1, -1},
                      {"avg", false, 1, -1},    {"min", false, 1, -1},   {"max", false, 1, -1}};
    ex_op *op = make_agg(q, &s, (int[]){0}, 1, aggs, 6, NULL, 0);
    cr_assert_eq(op->types[0].id, VEC_INT32);
    cr_assert_eq(op->types[3].id, VEC_INT64);
    cr_assert_eq(op->types[4].id, VEC_DOUBLE);
    rows r = run(q, op, in, 2, 1);
    const char *want[] = {"1|3|3|90|30|10|50", "2|2|1|20|20|20|20", "3|1|1|40|40|40|40",
                          "NULL|2|2|12|6|5|7"};
    expect_rows(&r, want, 4);
    ex_query_free(q);
}

/* String keys and string min/max (state data in the table's arena), many
** groups so every partition is used; small batches split the output. */
Test(ex_hashagg, group_by_string_many_groups)
{
    ex_query *q = query(1, INT64_MAX, 100);
    const vec_type *ty[] = {&T_STR, &T_STR};
    in_schema s = schema(2, ty);
    enum { N = 3000, G = 1000 };
    char **k = st_arena_alloc(A, N * sizeof *k), **v = st_arena_alloc(A, N * sizeof *v);
    for (int i = 0; i < N; i++) {
        k[i] = st_arena_printf(A, "key-%04d", i % G);
        v[i] = st_arena_printf(A, "v%d", i / G);        /* v0, v1, v2 per key */
    }
    ex_chunk in[3];
    for (int c = 0; c < 3; c++)
        in[c] = chunk(2, 1000, (vec *[]){strs((const char *const *)k + c * 1000, 1000),
                                         strs((const char *const *)v + c * 1000, 1000)});
    agg_def aggs[] = {{"count", false, -1, -1}, {"min", false, 1, -1}, {"max", false, 1, -1}};
    ex_op *op = make_agg(q, &s, (int[]){0}, 1, aggs, 3, NULL, 0);
    rows r = run(q, op, in, 3, 1);
    cr_assert_eq(r.n, G);
    for (int g = 0; g < G; g++) {
        char want[64];
        snprintf(want, sizeof want, "key-%04d|3|v0|v2", g);
        cr_assert_str_eq(r.v[g], want);
    }
    rows_free(&r);
    ex_query_free(q);
}

/* Two keys (int, string), NULLs in both: (NULL, x) and (1, NULL) are groups
** of their own and NULL equals NULL. */
Test(ex_hashagg, group_by_two_keys_with_nulls)
{
    ex_query *q = query(1, INT64_MAX, 2048);
    const vec_type *ty[] = {&T_I32, &T_STR, &T_I64};
    in_schema s = schema(3, ty);
    int64_t a[] = {1, 1, 1, NUL, NUL, 2, 1, NUL};
    const char *b[] = {"x", "y", "x", "x", NULL, "x", NULL, NULL};
    int64_t v[] = {1, 2, 3, 4, 5, 6, 7, 8};
    ex_chunk in[1] = {chunk(3, 8, (vec *[]){ints(&T_I32, a, 8), strs(b, 8), ints(&T_I64, v, 8)})};
    agg_def aggs[] = {{"sum", false, 2, -1}};
    ex_op *op = make_agg(q, &s, (int[]){0, 1}, 2, aggs, 1, NULL, 0);
    rows r = run(q, op, in, 1, 1);
    const char *want[] = {"1|x|4", "1|y|2", "NULL|x|4", "NULL|NULL|13", "2|x|6", "1|NULL|7"};
    expect_rows(&r, want, 6);
    ex_query_free(q);
}

/* NaN keys form one group whatever their bits; -0.0 groups with 0.0. */
Test(ex_hashagg, nan_and_negative_zero_keys)
{
    ex_query *q = query(1, INT64_MAX, 2048);
    const vec_type *ty[] = {&T_DBL};
    in_schema s = schema(1, ty);
    double nan2;
    uint64_t bits = 0x7ff8000000000123ULL;
    memcpy(&nan2, &bits, 8);
    double k[] = {NAN, 0.0, -NAN, -0.0, 1.5, nan2, 0.0};
    bool nul[] = {false, false, false, false, false, false, true};
    ex_chunk in[1] = {chunk(1, 7, (vec *[]){dbls(k, nul, 7)})};
    agg_def aggs[] = {{"count", false, -1, -1}};
    ex_op *op = make_agg(q, &s, (int[]){0}, 1, aggs, 1, NULL, 0);
    rows r = run(q, op, in, 1, 1);
    const char *want[] = {"NaN|3", "0|2", "1.5|1", "NULL|1"};
    expect_rows(&r, want, 4);
    ex_query_free(q);
}

/* Ungrouped over no input: exactly one row, count 0 and NULL otherwise. */
Test(ex_hashagg, ungrouped_empty_input)
{
    ex_query *q = query(2, INT64_MAX, 2048);
    const vec_type *ty[] = {&T_I64};
    in_schema s = schema(1, ty);
    agg_def aggs[] = {{"count", false, -1, -1}, {"count", false, 0, -1}, {"sum", false, 0, -1},
                      {"max", false, 0, -1}};
    ex_op *op = make_agg(q, &s, NULL, 0, aggs, 4, NULL, 0);
    ex_chunk empty = chunk(1, 0, (vec *[]){ints(&T_I64, NULL, 0)});
    rows r = run(q, op, &empty, 1, 2);
    const char *want[] = {"0|0|NULL|NULL"};
    expect_rows(&r, want, 1);
    ex_query_free(q);
}

/* Ungrouped over rows on two threads: the partial states combine. */
Test(ex_hashagg, ungrouped_two_threads)
{
    ex_query *q = query(2, INT64_MAX, 2048);
    const vec_type *ty[] = {&T_I64};
    in_schema s = schema(1, ty);
    int64_t v1[] = {1, 2, NUL}, v2[] = {10, 20};
    ex_chunk in[2] = {chunk(1, 3, (vec *[]){ints(&T_I64, v1, 3)}),
                      chunk(1, 2, (vec *[]){ints(&T_I64, v2, 2)})};
    agg_def aggs[] = {{"count", false, -1, -1}, {"sum", false, 0, -1}, {"min", false, 0, -1},
                      {"avg", false, 0, -1}};
    ex_op *op = make_agg(q, &s, NULL, 0, aggs, 4, NULL, 0);
    rows r = run(q, op, in, 2, 2);
    const char *want[] = {"5|33|1|8.25"};
    expect_rows(&r, want, 1);
    ex_query_free(q);
}

/* count(DISTINCT x) and sum(DISTINCT x) with duplicates split across two
** threads, so the distinct sets are merged by combine. */
Test(ex_hashagg, distinct_aggregates_combine)
{
    ex_query *q = query(2, INT64_MAX, 2048);
    const vec_type *ty[] = {&T_I32, &T_I64};
    in_schema s = schema(2, ty);
    int64_t k1[] = {1, 1, 2, 1}, v1[] = {5, 5, 7, 6};
    int64_t k2[] = {1, 2, 2, 1}, v2[] = {6, 7, NUL, 8};
    ex_chunk in[2] = {chunk(2, 4, (vec *[]){ints(&T_I32, k1, 4), ints(&T_I64, v1, 4)}),
                      chunk(2, 4, (vec *[]){ints(&T_I32, k2, 4), ints(&T_I64, v2, 4)})};
    agg_def aggs[] = {{"count", true, 1, -1}, {"sum", true, 1, -1}, {"count", false, 1, -1}};
    ex_op *op = make_agg(q, &s, (int[]){0}, 1, aggs, 3, NULL, 0);
    rows r = run(q, op, in, 2, 2);
    const char *want[] = {"1|3|19|5", "2|1|7|2"};
    expect_rows(&r, want, 2);
    ex_query_free(q);
}

/* FILTER (WHERE f): only rows where f is TRUE (not FALSE, not NULL). */
Test(ex_hashagg, filter_clause)
{
    ex_query *q = query(1, INT64_MAX, 2048);
    const vec_type *ty[] = {&T_I32, &T_I64, &T_BOOL};
    in_schema s = schema(3, ty);
    int64_t k[] = {1, 1, 1, 2, 2}, v[] = {1, 2, 4, 8, 16}, f[] = {1, 0, NUL, 0, 0};
    ex_chunk in[1] = {chunk(3, 5, (vec *[]){ints(&T_I32, k, 5), ints(&T_I64, v, 5),
                                            ints(&T_BOOL, f, 5)})};
    agg_def aggs[] = {{"sum", false, 1, 2}, {"count", false, -1, 2}, {"sum", false, 1, -1}};
    ex_op *op = make_agg(q, &s, (int[]){0}, 1, aggs, 3, NULL, 0);
    rows r = run(q, op, in, 1, 1);
    const char *want[] = {"1|1|1|7", "2|NULL|0|24"};
    expect_rows(&r, want, 2);
    ex_query_free(q);
}

/* ROLLUP(a, b) = GROUPING SETS ((a, b), (a), ()): grouping ids 0, 1, 3 and
** the subtotals; a real NULL in b stays apart from the rolled-up NULL. */
Test(ex_hashagg, rollup_grouping_ids)
{
    ex_query *q = query(2, INT64_MAX, 2048);
    const vec_type *ty[] = {&T_I32, &T_STR, &T_I64};
    in_schema s = schema(3, ty);
    int64_t a[] = {1, 1, 2, 1}, v[] = {1, 2, 4, 8};
    const char *b[] = {"x", "y", "x", NULL};
    ex_chunk in[1] = {chunk(3, 4, (vec *[]){ints(&T_I32, a, 4), strs(b, 4), ints(&T_I64, v, 4)})};
    agg_def aggs[] = {{"sum", false, 2, -1}, {"count", false, -1, -1}};
    uint64_t sets[] = {3, 1, 0};
    ex_op *op = make_agg(q, &s, (int[]){0, 1}, 2, aggs, 2, sets, 3);
    cr_assert_eq(op->types[4].id, VEC_INT64);
    rows r = run(q, op, in, 1, 2);
    const char *want[] = {"1|x|1|1|0", "1|y|2|1|0", "2|x|4|1|0", "1|NULL|8|1|0",
                          "1|NULL|11|3|1", "2|NULL|4|1|1", "NULL|NULL|15|4|3"};
    expect_rows(&r, want, 7);
    ex_query_free(q);
}

/* Builds n_chunks chunks of `rows` rows: key i*7919 mod groups, value i. */
static ex_chunk *gen_chunks(int n_chunks, int64_t rows_per, int64_t groups)
{
    ex_chunk *in = st_arena_alloc(A, (size_t)n_chunks * sizeof *in);
    int64_t *k = st_arena_alloc(A, (size_t)rows_per * sizeof *k);
    int64_t *v = st_arena_alloc(A, (size_t)rows_per * sizeof *v);
    for (int c = 0; c < n_chunks; c++) {
        for (int64_t i = 0; i < rows_per; i++) {
            int64_t r = c * rows_per + i;
            k[i] = (r * 7919) % groups;
            v[i] = r % 1000 == 0 ? NUL : r;
        }
        in[c] = chunk(2, rows_per, (vec *[]){ints(&T_I64, k, rows_per), ints(&T_I64, v, rows_per)});
    }
    return in;
}

static rows run_big(int threads, int64_t limit, ex_chunk *in, int n_chunks, int64_t *spilled)
{
    ex_query *q = query(threads, limit, 2048);
    const vec_type *ty[] = {&T_I64, &T_I64};
    in_schema s = schema(2, ty);
    agg_def aggs[] = {{"count", false, -1, -1}, {"sum", false, 1, -1}, {"max", false, 1, -1},
                      {"count", true, 1, -1}};
    ex_op *op = make_agg(q, &s, (int[]){0}, 1, aggs, 4, NULL, 0);
    rows r = run(q, op, in, n_chunks, threads);
    if (spilled)
        *spilled = atomic_load(&q->spilled);
    cr_assert_eq(atomic_load(&q->mem_used), 0, "memory still reserved after the result was read");
    ex_query_free(q);
    return r;
}

static void expect_same(rows *a, rows *b)
{
    cr_assert_eq(a->n, b->n);
    for (int64_t i = 0; i < a->n; i++)
        cr_assert_str_eq(a->v[i], b->v[i], "row %" PRId64, i);
    rows_free(a);
    rows_free(b);
}

/* Several threads sinking different chunks and pulling different
** partitions give the single-threaded multiset. */
Test(ex_hashagg, multithreaded_equals_single)
{
    ex_chunk *in = gen_chunks(24, 2048, 5000);
    rows one = run_big(1, INT64_MAX, in, 24, NULL);
    cr_assert_eq(one.n, 5000);
    /* key 0: rows r with r*7919 % 5000 == 0, i.e. r % 5000 == 0 */
    cr_assert_str_eq(one.v[0], "0|10|NULL|NULL|0");
    rows two = run_big(2, INT64_MAX, in, 24, NULL);
    rows three = run_big(3, INT64_MAX, in, 24, NULL);
    rows copy = {0};
    for (int64_t i = 0; i < one.n; i++)
        rows_add(&copy, one.v[i]);
    expect_same(&one, &two);
    expect_same(&copy, &three);
}

/* 200k groups under a 1 MiB memory limit: the tables spill and the result
** equals the in-memory one; with two threads as well. */
Test(ex_hashagg, spill_under_memory_limit, .timeout = 120)
{
    ex_chunk *in = gen_chunks(200, 2048, 200000);
    int64_t spilled = 0;
    rows ref = run_big(1, INT64_MAX, in, 200, &spilled);
    cr_assert_eq(ref.n, 200000);
    cr_assert_eq(spilled, 0);
    rows small = run_big(1, 1 << 20, in, 200, &spilled);
    cr_assert(spilled > 0, "nothing spilled under a 1 MiB limit");
    rows copy = {0};
    for (int64_t i = 0; i < ref.n; i++)
        rows_add(&copy, ref.v[i]);
    expect_same(&ref, &small);
    rows small2 = run_big(2, 1 << 20, in, 200, &spilled);
    cr_assert(spilled > 0);
    expect_same(&copy, &small2);
}

/* String keys with ROLLUP (grouping id as a hidden key), string min/max
** and DISTINCT states, spilled under 1 MiB on two threads: same answer. */
static rows run_strings(int threads, int64_t limit, int64_t *spilled)
{
    enum { N_CHUNKS = 60, ROWS = 2048, GROUPS = 40000 };
    ex_query *q = query(threads, limit, 1000);
    const vec_type *ty[] = {&T_STR, &T_I32, &T_I64};
    in_schema s = schema(3, ty);
    ex_chunk *in = st_arena_alloc(A, N_CHUNKS * sizeof *in);
    char **ks = st_arena_alloc(A, ROWS * sizeof *ks);
    int64_t *k2 = st_arena_alloc(A, ROWS * sizeof *k2), *v = st_arena_alloc(A, ROWS * sizeof *v);
    for (int c = 0; c < N_CHUNKS; c++) {
        for (int i = 0; i < ROWS; i++) {
            int64_t r = (int64_t)c * ROWS + i, k = (r * 7919) % GROUPS;
            ks[i] = k % 997 == 0 ? NULL : st_arena_printf(A, "s%07" PRId64, k);
            k2[i] = k % 5;
            v[i] = r % 3;
        }
        in[c] = chunk(3, ROWS, (vec *[]){strs((const char *const *)ks, ROWS),
                                        ints(&T_I32, k2, ROWS), ints(&T_I64, v, ROWS)});
    }
    agg_def aggs[] = {{"sum", false, 2, -1}, {"min", false, 0, -1}, {"max", false, 0, -1},
                      {"count", true, 2, -1}};
    uint64_t sets[] = {3, 1, 0};
    ex_op *op = make_agg(q, &s, (int[]){0, 1}, 2, aggs, 4, sets, 3);
    rows r = run(q, op, in, N_CHUNKS, threads);
    *spilled = atomic_load(&q->spilled);
    cr_assert_eq(atomic_load(&q->mem_used), 0);
    ex_query_free(q);
    return r;
}

Test(ex_hashagg, spill_string_keys_rollup, .timeout = 120)
{
    int64_t spilled = 0;
    rows ref = run_strings(1, INT64_MAX, &spilled);
    cr_assert_eq(spilled, 0);
    /* 40000 keys less the NULL ones (k % 997 == 0: 41 keys -> one NULL key
    ** per k2 value) at level (ks, k2), same at (ks), plus the grand total */
    int64_t level = 40000 - 41 + 5;
    cr_assert_eq(ref.n, level + (40000 - 41 + 1) + 1);
    cr_assert_str_eq(ref.v[ref.n - 1], "s0039999|NULL|3|s0039999|s0039999|3|1");
    cr_assert_str_eq(ref.v[ref.n - 2], "s0039999|4|3|s0039999|s0039999|3|0");
    bool total = false;
    for (int64_t i = 0; i < ref.n; i++)
        total |= strcmp(ref.v[i], "NULL|NULL|122880|s0000001|s0039999|3|3") == 0;
    cr_assert(total, "grand total row missing");
    rows small = run_strings(2, 1 << 20, &spilled);
    cr_assert(spilled > 0);
    expect_same(&ref, &small);
}

/* No aggregates (SELECT DISTINCT as the planner builds it: fns, args and
** filters all NULL): one row per distinct key tuple. */
Test(ex_hashagg, distinct_rows_without_aggregates)
{
    ex_query *q = query(2, INT64_MAX, 2048);
    const vec_type *ty[] = {&T_I32, &T_STR};
    in_schema s = schema(2, ty);
    int64_t a[] = {1, 1, 2, 1, NUL, NUL};
    const char *b[] = {"x", "x", "x", "y", NULL, NULL};
    ex_chunk in[2] = {chunk(2, 3, (vec *[]){ints(&T_I32, a, 3), strs(b, 3)}),
                      chunk(2, 3, (vec *[]){ints(&T_I32, a + 3, 3), strs(b + 3, 3)})};
    ex_agg_spec spec = {0};
    spec.groups = (ex_expr *[]){col(q, &s, 0), col(q, &s, 1)};
    spec.n_groups = 2;
    ex_op *op = NULL;
    st_error err;
    cr_assert_eq(ex_hashagg_new(q, &spec, &op, &err), ST_OK, "%s", err.msg);
    rows r = run(q, op, in, 2, 2);
    const char *want[] = {"1|x", "2|x", "1|y", "NULL|NULL"};
    expect_rows(&r, want, 4);
    ex_query_free(q);
}

/* A kernel error (ANSI bigint overflow in sum) comes back from sink as the
** kernel's status, and the operator still frees everything. */
Test(ex_hashagg, aggregate_error_propagates)
{
    ex_query *q = query(1, INT64_MAX, 2048);
    q->fnctx.ansi = true;
    const vec_type *ty[] = {&T_I32, &T_I64};
    in_schema s = schema(2, ty);
    int64_t k[] = {1, 1}, v[] = {INT64_MAX, 1};
    ex_chunk in = chunk(2, 2, (vec *[]){ints(&T_I32, k, 2), ints(&T_I64, v, 2)});
    agg_def aggs[] = {{"sum", false, 1, -1}};
    ex_op *op = make_agg(q, &s, (int[]){0}, 1, aggs, 1, NULL, 0);
    ex_thread *t = ex_thread_new(q, 0);
    void *local = NULL;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(op->ops->sink_local(op, t, &local, &err), ST_OK);
    st_status rc = op->ops->sink(op, local, t, &in, &err);
    cr_assert_neq(rc, ST_OK);
    cr_assert_eq(rc, err.code);
    cr_assert(strstr(err.msg, "overflow") != NULL, "%s", err.msg);
    op->ops->sink_local_free(op, local);
    ex_thread_free(t);
    ex_query_free(q);
}

/* EXPLAIN names the keys and the aggregates. */
Test(ex_hashagg, explain_text)
{
    ex_query *q = query(1, INT64_MAX, 2048);
    const vec_type *ty[] = {&T_I32, &T_I64, &T_BOOL};
    in_schema s = schema(3, ty);
    agg_def aggs[] = {{"sum", false, 1, 2}, {"count", true, 1, -1}, {"count", false, -1, -1}};
    ex_op *op = make_agg(q, &s, (int[]){0}, 1, aggs, 3, NULL, 0);
    st_buf b;
    st_buf_init(&b);
    st_error err;
    cr_assert_eq(op->ops->explain(op, &b, &err), ST_OK);
    st_buf_append_byte(&b, 0, NULL);
    cr_assert_str_eq((const char *)b.data, "keys: int#0, aggregates: sum(bigint) FILTER, "
                                           "count(DISTINCT bigint), count(*)");
    cr_assert_str_eq(op->ops->name, "HashAggregate");
    st_buf_destroy(&b);
    ex_query_free(q);
}
