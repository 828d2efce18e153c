/* agg_test.c -- the aggregate library: resolution and result types, every
** aggregate over small grouped inputs with NULLs (interleaved groups, several
** rows per state), combine of two partial states against the one-pass
** result, DISTINCT, ANSI overflow, HyperLogLog accuracy and exact
** percentiles on small inputs. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "func/agg.h"

static const vec_type T_I32 = {.id = VEC_INT32};
static const vec_type T_I64 = {.id = VEC_INT64};
static const vec_type T_DBL = {.id = VEC_DOUBLE};
static const vec_type T_STR = {.id = VEC_STRING};
static const vec_type T_BOOL = {.id = VEC_BOOL};
static const vec_type T_DATE = {.id = VEC_DATE};

static const fn_context NONANSI = {false, 0, "UTC"};
static const fn_context ANSI = {true, 0, "UTC"};

static st_arena *A;
static void setup(void) { A = st_arena_new(0); }
static void teardown(void) { st_arena_free(A); }

#define NUL INT64_MIN

static vec *ints(const vec_type *t, const int64_t *v, int n)
{
    vec_builder *b = vec_builder_new(t);
    for (int i = 0; i < n; i++) {
        if (v[i] == NUL)
            vec_builder_append_null(b, NULL);
        else if (t->id == VEC_DECIMAL)
            vec_builder_append_i128(b, v[i], NULL);
        else if (t->id == VEC_BOOL)
            vec_builder_append_bool(b, v[i] != 0, NULL);
        else if (t->id == VEC_DOUBLE)
            vec_builder_append_f64(b, (double)v[i], NULL);
        else
            vec_builder_append_i64(b, v[i], NULL);
    }
    vec *out = NULL;
    cr_assert_eq(vec_builder_finish(b, A, &out, NULL), ST_OK);
    vec_builder_free(b);
    return out;
}

static vec *strs(const char *const *v, int n)
{
    vec_builder *b = vec_builder_new(&T_STR);
    for (int i = 0; i < n; i++) {
        if (v[i])
            vec_builder_append_bytes(b, v[i], strlen(v[i]), NULL);
        else
            vec_builder_append_null(b, NULL);
    }
    vec *out = NULL;
    cr_assert_eq(vec_builder_finish(b, A, &out, NULL), ST_OK);
    vec_builder_free(b);
    return out;
}

static vec *const_dbl(double d)
{
    vec_builder *b = vec_builder_new(&T_DBL);
    vec_builder_append_f64(b, d, NULL);
    vec *out = NULL;
    cr_assert_eq(vec_builder_finish(b, A, &out, NULL), ST_OK);
    vec_builder_free(b);
    return out;
}

static vec *const_bool(bool x)
{
    int64_t v[1] = {x};
    return ints(&T_BOOL, v, 1);
}

/* Text of row i ("NULL" for null). */
static const char *txt(const vec *v, int64_t i)
{
    st_buf b;
    st_buf_init(&b);
    if (!vec_is_valid(v, i))
        st_buf_append_str(&b, "NULL", NULL);
    else
        { st_error fe; st_error_init(&fe); cr_assert_eq(vec_format_value(v, i, VEC_FMT_TEXT, &b, &fe), ST_OK, "%s", fe.msg); }
    char *s = st_arena_strndup(A, (const char *)b.data, b.len);
    st_buf_destroy(&b);
    return s;
}

static agg_bound bind_agg(const char *name, bool distinct, vec **args, int n_args)
{
    fn_arg_info ai[8];
    memset(ai, 0, sizeof ai);
    for (int k = 0; k < n_args; k++) {
        ai[k].type = args[k]->type;
        ai[k].is_const = args[k]->len == 1;
        ai[k].value = args[k];
    }
    agg_bound f;
    st_error err;
    st_error_init(&err);
    memset(&f, 0, sizeof f);
    st_status rc = agg_resolve(name, distinct, ai, n_args, A, &f, &err);
    cr_assert_eq(rc, ST_OK, "%s: %s", name, err.msg);
    cr_assert_eq(f.state_size % 16, 0);
    return f;
}

/* Args cast as the bound asks, constants expanded to n rows. */
static void prep_args(const agg_bound *f, vec **args, int n_args, int64_t n, vec **out)
{
    for (int k = 0; k < n_args; k++) {
        vec *v = args[k];
        if (v->len == 1 && n > 1) {
            int32_t *idx = st_arena_calloc(A, (size_t)n, sizeof *idx);
            cr_assert_eq(vec_take(A, v, idx, n, &v, NULL), ST_OK);
        }
        if (f->cast_to[k].id != VEC_NULL)
            cr_assert_eq(fn_cast(&NONANSI, v, &f->cast_to[k], false, n, A, &v, NULL), ST_OK);
        out[k] = v;
    }
}

static void **new_states(const agg_bound *f, int n_groups)
{
    void **st = st_arena_calloc(A, (size_t)n_groups, sizeof *st);
    for (int g = 0; g < n_groups; g++) {
        st[g] = st_arena_alloc(A, f->state_size);
        f->ops->init(f, st[g]);
    }
    return st;
}

/* Folds rows [lo, hi) of args (group ids grp) into states st. */
static st_status feed(const agg_bound *f, const fn_context *ctx, vec **args, int64_t lo,
                      int64_t hi, const int *grp, void **st, st_error *err)
{
    int64_t n = hi - lo;
    void **rows = st_arena_calloc(A, (size_t)(n ? n : 1), sizeof *rows);
    const vec *sl[8] = {0};
    int32_t *idx = st_arena_calloc(A, (size_t)(n ? n : 1), sizeof *idx);
    for (int64_t i = 0; i < n; i++) {
        rows[i] = st[grp[lo + i]];
        idx[i] = (int32_t)(lo + i);
    }
    for (int k = 0; k < f->n_args; k++) {
        vec *t = NULL;
        cr_assert_eq(vec_take(A, args[k], idx, n, &t, NULL), ST_OK);
        sl[k] = t;
    }
    return f->ops->update(f, ctx, sl, n, NULL, rows, A, err);
}

/* Sketches past their exact range may differ between one pass and combine. */
static bool g_exact_combine = true;

/* Runs name(args) over n rows in groups grp (NULL: one group), one pass and
** as two partials combined; asserts both agree and returns the result. */
static vec *run(const char *name, bool distinct, vec **args, int n_args, int64_t n,
                const int *grp, int n_groups)
{
    /* Result vectors borrow f.ret, so the bound outlives this call. */
    agg_bound *fp = st_arena_alloc(A, sizeof *fp);
    *fp = bind_agg(name, distinct, args, n_args);
#define f (*fp)
    vec *in[8] = {0};
    prep_args(&f, args, n_args, n, in);
    int *g0 = st_arena_calloc(A, (size_t)(n ? n : 1), sizeof *g0);
    if (grp)
        memcpy(g0, grp, (size_t)n * sizeof *g0);
    st_error err;
    st_error_init(&err);
    void **one = new_states(&f, n_groups), **p1 = new_states(&f, n_groups),
         **p2 = new_states(&f, n_groups);
    cr_assert_eq(feed(&f, &NONANSI, in, 0, n, g0, one, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(feed(&f, &NONANSI, in, 0, n / 2, g0, p1, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(feed(&f, &NONANSI, in, n / 2, n, g0, p2, &err), ST_OK, "%s", err.msg);
    for (int g = 0; g < n_groups; g++)
        cr_assert_eq(f.ops->combine(&f, &NONANSI, p1[g], p2[g], A, &err), ST_OK);
    vec *r1 = NULL, *r2 = NULL;
    cr_assert_eq(f.ops->finalize(&f, &NONANSI, one, n_groups, A, &r1, &err), ST_OK, "%s",
                 err.msg);
    cr_assert_eq(f.ops->finalize(&f, &NONANSI, p1, n_groups, A, &r2, &err), ST_OK, "%s",
                 err.msg);
    cr_assert_eq(r1->len, n_groups);
    cr_assert(vec_type_equal(r1->type, &f.ret));
    for (int g = 0; g < n_groups && g_exact_combine; g++) {
        if (f.ret.id == VEC_DOUBLE && vec_is_valid(r1, g) && vec_is_valid(r2, g)) {
            double a = ((double *)r1->values)[g], b = ((double *)r2->values)[g];
            cr_assert(a == b || (isnan(a) && isnan(b)) || fabs(a - b) <= 1e-9 * fabs(a), "%s group %d", name, g);
        } else
            cr_assert_str_eq(txt(r1, g), txt(r2, g), "%s group %d", name, g);
    }
#undef f
    return r1;
}

/* Input: 8 rows in groups 0,1,0,1,... with NULLs; a third group is empty. */
static const int GRP[8] = {0, 1, 0, 1, 0, 1, 0, 1};
static const int64_t VALS[8] = {5, NUL, 3, 10, NUL, 20, 7, NUL};

TestSuite(agg, .init = setup, .fini = teardown);

Test(agg, count_star_and_count_x)
{
    vec *x = ints(&T_I32, VALS, 8);
    vec *r = run("count", false, NULL, 0, 8, GRP, 3);
    cr_assert_str_eq(txt(r, 0), "4");
    cr_assert_str_eq(txt(r, 1), "4");
    cr_assert_str_eq(txt(r, 2), "0");
    r = run("count", false, &x, 1, 8, GRP, 3);
    cr_assert_str_eq(txt(r, 0), "3");
    cr_assert_str_eq(txt(r, 1), "2");
    cr_assert_str_eq(txt(r, 2), "0");
    cr_assert_eq(r->null_count, 0);
}

Test(agg, count_distinct_multi)
{
    int64_t a[8] = {1, 1, 2, 2, 1, NUL, 1, 3};
    int64_t b[8] = {7, 7, 7, 8, 7, 1, 8, NUL};
    vec *args[2] = {ints(&T_I64, a, 8), ints(&T_I64, b, 8)};
    int one[8] = {0};
    vec *r = run("count", true, args, 1, 8, one, 1);
    cr_assert_str_eq(txt(r, 0), "3");
    r = run("count", true, args, 2, 8, one, 1);      /* (1,7) (2,7) (2,8) (1,8) */
    cr_assert_str_eq(txt(r, 0), "4");
    r = run("COUNT", true, args, 1, 8, GRP, 2);     /* g0: 1,2 ; g1: 1,2,3 */
    cr_assert_str_eq(txt(r, 0), "2");
    cr_assert_str_eq(txt(r, 1), "3");
}

Test(agg, count_if_bool_and_or)
{
    int64_t b[8] = {1, 0, 1, NUL, 0, 0, 1, 0};
    vec *x = ints(&T_BOOL, b, 8);
    vec *r = run("count_if", false, &x, 1, 8, GRP, 3);
    cr_assert_str_eq(txt(r, 0), "3");
    cr_assert_str_eq(txt(r, 1), "0");
    r = run("bool_and", false, &x, 1, 8, GRP, 3);
    cr_assert_str_eq(txt(r, 0), "false");
    cr_assert_str_eq(txt(r, 1), "false");
    cr_assert_str_eq(txt(r, 2), "NULL");
    r = run("every", false, &x, 1, 4, (const int[]){0, 1, 0, 1}, 2);
    cr_assert_str_eq(txt(r, 0), "true");
    r = run("bool_or", false, &x, 1, 8, GRP, 3);
    cr_assert_str_eq(txt(r, 0), "true");
    cr_assert_str_eq(txt(r, 1), "false");
    r = run("some", false, &x, 1, 8, GRP, 3);
    cr_assert_str_eq(txt(r, 2), "NULL");
}

Test(agg, sum_avg_ints)
{
    vec *x = ints(&T_I32, VALS, 8);
    agg_bound f = bind_agg("sum", false, &x, 1);
    cr_assert_eq(f.ret.id, VEC_INT64);
    vec *r = run("sum", false, &x, 1, 8, GRP, 3);
    cr_assert_str_eq(txt(r, 0), "15");
    cr_assert_str_eq(txt(r, 1), "30");
    cr_assert_str_eq(txt(r, 2), "NULL");
    f = bind_agg("avg", false, &x, 1);
    cr_assert_eq(f.ret.id, VEC_DOUBLE);
    r = run("avg", false, &x, 1, 8, GRP, 3);
    cr_assert_float_eq(((double *)r->values)[0], 5.0, 1e-12);
    cr_assert_float_eq(((double *)r->values)[1], 15.0, 1e-12);
    cr_assert_str_eq(txt(r, 2), "NULL");
    r = run("sum", true, &x, 1, 4, (const int[]){0, 0, 0, 0}, 1);   /* 5, NULL, 3, 10 */
    cr_assert_str_eq(txt(r, 0), "18");
    int64_t d[6] = {4, 4, 4, 6, NUL, 6};
    vec *y = ints(&T_I64, d, 6);
    r = run("sum", true, &y, 1, 6, (const int[6]){0}, 1);
    cr_assert_str_eq(txt(r, 0), "10");
    r = run("avg", true, &y, 1, 6, (const int[6]){0}, 1);
    cr_assert_float_eq(((double *)r->values)[0], 5.0, 1e-12);
}

Test(agg, sum_avg_decimal_types_and_exact_avg)
{
    vec_type d102 = {.id = VEC_DECIMAL, .precision = 10, .scale = 2};
    int64_t v[5] = {100, 200, NUL, 201, 1};       /* 1.00 2.00 NULL 2.01 0.01 */
    vec *x = ints(&d102, v, 5);
    agg_bound f = bind_agg("sum", false, &x, 1);
    cr_assert_eq(f.ret.id, VEC_DECIMAL);
    cr_assert_eq(f.ret.precision, 20);
    cr_assert_eq(f.ret.scale, 2);
    f = bind_agg("avg", false, &x, 1);
    cr_assert_eq(f.ret.precision, 14);
    cr_assert_eq(f.ret.scale, 6);
    vec *r = run("sum", false, &x, 1, 5, (const int[5]){0}, 1);
    cr_assert_str_eq(txt(r, 0), "5.02");
    r = run("avg", false, &x, 1, 5, (const int[5]){0}, 1);
    cr_assert_str_eq(txt(r, 0), "1.255000");
    int64_t w[3] = {100, 100, 200};                /* 4.00 / 3 = 1.333333 */
    r = run("avg", false, (vec *[]){ints(&d102, w, 3)}, 1, 3, (const int[3]){0}, 1);
    cr_assert_str_eq(txt(r, 0), "1.333333");
    int64_t w2[3] = {-100, -100, -200};            /* -1.3333333 -> half up on magnitude */
    r = run("avg", false, (vec *[]){ints(&d102, w2, 3)}, 1, 3, (const int[3]){0}, 1);
    cr_assert_str_eq(txt(r, 0), "-1.333333");
    int64_t w3[2] = {1, 0};                        /* 0.005 -> 0.005000 */
    r = run("avg", false, (vec *[]){ints(&d102, w3, 2)}, 1, 2, (const int[2]){0}, 1);
    cr_assert_str_eq(txt(r, 0), "0.005000");
}

Test(agg, sum_bigint_overflow)
{
    int64_t v[3] = {INT64_MAX, 1, 5};
    vec *x = ints(&T_I64, v, 3);
    agg_bound f = bind_agg("sum", false, &x, 1);
    void **st = new_states(&f, 1);
    const vec *args[1] = {x};
    void *rows[3] = {st[0], st[0], st[0]};
    st_error err;
    st_error_init(&err);
    cr_assert_eq(f.ops->update(&f, &ANSI, args, 3, NULL, rows, A, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "overflow") != NULL, "%s", err.msg);
    /* non-ANSI wraps like Spark's long arithmetic */
    f.ops->init(&f, st[0]);
    cr_assert_eq(f.ops->update(&f, &NONANSI, args, 3, NULL, rows, A, &err), ST_OK);
    vec *r = NULL;
    cr_assert_eq(f.ops->finalize(&f, &NONANSI, st, 1, A, &r, &err), ST_OK);
    cr_assert_eq(((int64_t *)r->values)[0], (int64_t)((uint64_t)INT64_MAX + 6));
}

static vec *big_decs(const vec_type *t, __int128 v, int n)
{
    vec_builder *b = vec_builder_new(t);
    for (int i = 0; i < n; i++)
        vec_builder_append_i128(b, v, NULL);
    vec *out = NULL;
    cr_assert_eq(vec_builder_finish(b, A, &out, NULL), ST_OK);
    vec_builder_free(b);
    return out;
}

Test(agg, sum_decimal_overflow)
{
    vec_type d380 = {.id = VEC_DECIMAL, .precision = 38, .scale = 0};
    __int128 nine = 9;
    for (int k = 0; k < 37; k++)
        nine *= 10;                                  /* 9e37 */
    vec *x = big_decs(&d380, nine, 2);
    agg_bound f = bind_agg("sum", false, &x, 1);
    cr_assert_eq(f.ret.precision, 38);
    void **st = new_states(&f, 1);
    const vec *args[1] = {x};
    void *rows[2] = {st[0], st[0]};
    st_error err;
    st_error_init(&err);
    cr_assert_eq(f.ops->update(&f, &NONANSI, args, 2, NULL, rows, A, &err), ST_OK);
    vec *r = NULL;
    cr_assert_eq(f.ops->finalize(&f, &NONANSI, st, 1, A, &r, &err), ST_OK);
    cr_assert_str_eq(txt(r, 0), "NULL");
    cr_assert_eq(f.ops->finalize(&f, &ANSI, st, 1, A, &r, &err), ST_ERR_ARGUMENT);
}

Test(agg, min_max_types)
{
    vec *x = ints(&T_I32, VALS, 8);
    vec *r = run("min", false, &x, 1, 8, GRP, 3);
    cr_assert_str_eq(txt(r, 0), "3");
    cr_assert_str_eq(txt(r, 1), "10");
    cr_assert_str_eq(txt(r, 2), "NULL");
    r = run("max", false, &x, 1, 8, GRP, 3);
    cr_assert_str_eq(txt(r, 0), "7");
    cr_assert_str_eq(txt(r, 1), "20");
    const char *s[7] = {"pear", "apple", NULL, "zebra", "apples", "b", "aa"};
    vec *y = strs(s, 7);
    r = run("min", false, &y, 1, 7, GRP, 2);
    cr_assert_str_eq(txt(r, 0), "aa");
    cr_assert_str_eq(txt(r, 1), "apple");
    r = run("max", false, &y, 1, 7, GRP, 2);
    cr_assert_str_eq(txt(r, 0), "pear");
    cr_assert_str_eq(txt(r, 1), "zebra");
    double dv[4] = {1.5, NAN, -2.0, 3.0};
    vec_builder *b = vec_builder_new(&T_DBL);
    for (int i = 0; i < 4; i++)
        vec_builder_append_f64(b, dv[i], NULL);
    vec *d = NULL;
    cr_assert_eq(vec_builder_finish(b, A, &d, NULL), ST_OK);
    vec_builder_free(b);
    r = run("max", false, &d, 1, 4, (const int[4]){0}, 1);
    cr_assert(isnan(((double *)r->values)[0]));
    r = run("min", false, &d, 1, 4, (const int[4]){0}, 1);
    cr_assert_float_eq(((double *)r->values)[0], -2.0, 0);
    int64_t days[3] = {19000, NUL, 18000};
    r = run("max", false, (vec *[]){ints(&T_DATE, days, 3)}, 1, 3, (const int[3]){0}, 1);
    cr_assert_eq(r->type->id, VEC_DATE);
    cr_assert_eq(((int32_t *)r->values)[0], 19000);
    vec_type d102 = {.id = VEC_DECIMAL, .precision = 10, .scale = 2};
    int64_t dec[3] = {-500, 250, NUL};
    r = run("min", false, (vec *[]){ints(&d102, dec, 3)}, 1, 3, (const int[3]){0}, 1);
    cr_assert_str_eq(txt(r, 0), "-5.00");
    int64_t bo[3] = {0, 1, NUL};
    r = run("max", false, (vec *[]){ints(&T_BOOL, bo, 3)}, 1, 3, (const int[3]){0}, 1);
    cr_assert_str_eq(txt(r, 0), "true");
}

Test(agg, first_last_any_value)
{
    int64_t v[6] = {NUL, 4, 9, NUL, 2, NUL};
    vec *x = ints(&T_I64, v, 6);
    int one[6] = {0};
    vec *r = run("first", false, &x, 1, 6, one, 1);
    cr_assert_str_eq(txt(r, 0), "NULL");
    vec *args[2] = {x, const_bool(true)};
    r = run("first", false, args, 2, 6, one, 1);
    cr_assert_str_eq(txt(r, 0), "4");
    r = run("last_value", false, args, 2, 6, one, 1);
    cr_assert_str_eq(txt(r, 0), "2");
    r = run("last", false, &x, 1, 6, one, 1);
    cr_assert_str_eq(txt(r, 0), "NULL");
    r = run("any_value", false, args, 2, 6, GRP, 3);
    cr_assert_str_eq(txt(r, 0), "9");
    cr_assert_str_eq(txt(r, 1), "4");
    cr_assert_str_eq(txt(r, 2), "NULL");
    const char *s[4] = {"x", NULL, "yy", "zzz"};
    r = run("last", false, (vec *[]){strs(s, 4)}, 1, 4, GRP, 2);
    cr_assert_str_eq(txt(r, 0), "yy");
    cr_assert_str_eq(txt(r, 1), "zzz");
}

Test(agg, collect_list_set)
{
    int64_t v[8] = {3, 1, NUL, 1, 3, 2, 3, NUL};
    vec *x = ints(&T_I32, v, 8);
    vec *r = run("collect_list", false, &x, 1, 8, GRP, 3);
    cr_assert_eq(r->type->id, VEC_LIST);
    cr_assert_eq(r->type->children[0].type.id, VEC_INT32);
    cr_assert_str_eq(txt(r, 0), "[3,3,3]");
    cr_assert_str_eq(txt(r, 1), "[1,1,2]");
    cr_assert_str_eq(txt(r, 2), "[]");
    r = run("collect_set", false, &x, 1, 8, GRP, 3);
    cr_assert_str_eq(txt(r, 0), "[3]");
    cr_assert_str_eq(txt(r, 1), "[1,2]");
    const char *s[5] = {"b", "a", "b", NULL, "a"};
    r = run("collect_set", false, (vec *[]){strs(s, 5)}, 1, 5, (const int[5]){0}, 1);
    cr_assert_str_eq(txt(r, 0), "[\"b\",\"a\"]");
}

Test(agg, variance_family)
{
    int64_t v[6] = {2, 4, 4, NUL, 4, 5};
    vec *x = ints(&T_I32, v, 6);
    int one[6] = {0};
    /* values 2 4 4 4 5: mean 3.8, M2 = 4.8 */
    vec *r = run("var_pop", false, &x, 1, 6, one, 1);
    cr_assert_float_eq(((double *)r->values)[0], 0.96, 1e-12);
    r = run("variance", false, &x, 1, 6, one, 1);
    cr_assert_float_eq(((double *)r->values)[0], 1.2, 1e-12);
    r = run("stddev_pop", false, &x, 1, 6, one, 1);
    cr_assert_float_eq(((double *)r->values)[0], sqrt(0.96), 1e-12);
    r = run("stddev", false, &x, 1, 6, one, 1);
    cr_assert_float_eq(((double *)r->values)[0], sqrt(1.2), 1e-12);
    int64_t w[2] = {7, NUL};
    vec *y = ints(&T_I64, w, 2);
    r = run("stddev_samp", false, &y, 1, 2, (const int[2]){0}, 2);
    cr_assert_str_eq(txt(r, 0), "NULL");           /* one row: NULL */
    cr_assert_str_eq(txt(r, 1), "NULL");           /* empty */
    r = run("var_pop", false, &y, 1, 2, (const int[2]){0}, 1);
    cr_assert_float_eq(((double *)r->values)[0], 0.0, 0);
}

Test(agg, approx_count_distinct)
{
    int64_t small[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 3, NUL};
    vec *x = ints(&T_I64, small, 12);
    vec *r = run("approx_count_distinct", false, &x, 1, 12, (const int[12]){0}, 1);
    cr_assert_eq(((int64_t *)r->values)[0], 10);
    enum { N = 100000 };
    int64_t *big = st_arena_alloc(A, N * sizeof *big);
    for (int i = 0; i < N; i++)
        big[i] = (int64_t)i * 7919 + 13;
    vec *y = ints(&T_I64, big, N);
    int *g = st_arena_calloc(A, N, sizeof *g);
    r = run("approx_count_distinct", false, &y, 1, N, g, 1);
    int64_t est = ((int64_t *)r->values)[0];
    cr_assert(fabs((double)est - N) / N < 0.05, "estimate %lld", (long long)est);
}

Test(agg, percentile_approx_exact_small)
{
    int64_t v[11] = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5, NUL};
    vec *x = ints(&T_I32, v, 11);
    int one[11] = {0};
    vec *args[2] = {x, const_dbl(0.5)};
    vec *r = run("percentile_approx", false, args, 2, 11, one, 1);
    cr_assert_eq(r->type->id, VEC_INT32);
    cr_assert_str_eq(txt(r, 0), "5");
    args[1] = const_dbl(0.0);
    r = run("approx_percentile", false, args, 2, 11, one, 1);
    cr_assert_str_eq(txt(r, 0), "1");
    args[1] = const_dbl(1.0);
    r = run("percentile_approx", false, args, 2, 11, one, 1);
    cr_assert_str_eq(txt(r, 0), "10");
    args[1] = const_dbl(0.25);
    int g3[11] = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0};
    r = run("percentile_approx", false, args, 2, 11, g3, 3);
    cr_assert_str_eq(txt(r, 0), "7");    /* g0: 10 9 8 7 6 -> rank 2 of 6..10 */
    cr_assert_str_eq(txt(r, 2), "NULL");
    r = run("median", false, &x, 1, 11, one, 1);
    cr_assert_float_eq(((double *)r->values)[0], 5.5, 1e-12);
}

Test(agg, percentile_approx_array_and_large)
{
    enum { N = 50000 };
    int64_t *v = st_arena_alloc(A, N * sizeof *v);
    for (int i = 0; i < N; i++)
        v[i] = (int64_t)((i * 7919L) % N);            /* a permutation of 0..N-1 */
    vec *x = ints(&T_I64, v, N);
    vec_type lt = {0};
    vec_field el = {.name = "element", .type = {.id = VEC_DOUBLE}, .nullable = true};
    lt.id = VEC_LIST;
    lt.n_children = 1;
    lt.children = &el;
    vec_builder *b = vec_builder_new(&lt);
    vec_builder_append_f64(vec_builder_child(b, 0), 0.1, NULL);
    vec_builder_append_f64(vec_builder_child(b, 0), 0.9, NULL);
    vec_builder_end_list(b, NULL);
    vec *ps = NULL;
    cr_assert_eq(vec_builder_finish(b, A, &ps, NULL), ST_OK);
    vec_builder_free(b);
    int64_t acc1[1] = {100};
    vec *args[3] = {x, ps, ints(&T_I32, acc1, 1)};
    int *g = st_arena_calloc(A, N, sizeof *g);
    g_exact_combine = false;
    vec *r = run("percentile_approx", false, args, 3, N, g, 1);
    cr_assert_eq(r->type->id, VEC_LIST);
    vec *c = r->children[0];
    cr_assert_eq(c->len, 2);
    int64_t p10 = ((int64_t *)c->values)[0], p90 = ((int64_t *)c->values)[1];
    cr_assert(llabs(p10 - 5000) < 1500, "p10 %lld p90 %lld", (long long)p10, (long long)p90);
    cr_assert(llabs(p90 - 45000) < 1500, "p90 %lld", (long long)p90);
}

Test(agg, resolve_errors_and_names)
{
    vec *s = strs((const char *[]){"a"}, 1);
    fn_arg_info ai = {.type = s->type};
    agg_bound f;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(agg_resolve("nosuch", false, &ai, 1, A, &f, &err), ST_ERR_BIND);
    cr_assert_str_eq(err.msg, "function nosuch does not exist");
    cr_assert_eq(agg_resolve("count_if", false, &ai, 1, A, &f, &err), ST_ERR_BIND);
    cr_assert(strstr(err.msg, "count_if(string)") != NULL, "%s", err.msg);
    fn_arg_info two[2] = {{.type = &T_I32}, {.type = &T_I32}};
    cr_assert_eq(agg_resolve("sum", false, two, 2, A, &f, &err), ST_ERR_BIND);
    cr_assert(agg_exists("approx_count_distinct"));
    cr_assert(agg_exists("MAX"));
    cr_assert(!agg_exists("lower"));
    int k = 0;
    for (const char *const *n = agg_names(); *n; n++, k++)
        cr_assert(agg_exists(*n), "%s", *n);
    cr_assert_gt(k, 25);
}

/* sum/avg of decimals accumulate in an int64 partial while it does not
** overflow, then in 128 bits: values near 10^18 (precision 18) and wider
** inputs that mostly fit int64, negative values, NULLs, interleaved groups
** and combine (run() checks one pass against two combined partials). */
Test(agg, sum_avg_decimal_int64_partial_overflow)
{
    vec_type d180 = {.id = VEC_DECIMAL, .precision = 18, .scale = 0};
    const int64_t m = 999999999999999999;          /* 10^18 - 1 */
    int64_t v[24];
    int grp[24];
    for (int i = 0; i < 24; i++) {
        v[i] = i % 4 == 3 ? -m : m;                /* group 0: 10 * m - 2 * m */
        grp[i] = i % 2;
    }
    v[5] = NUL;                                    /* group 1 loses one m */
    vec *x = ints(&d180, v, 24);
    vec *r = run("sum", false, &x, 1, 24, grp, 2);
    /* group 0 (even i): 12 rows of m; group 1: 6 rows of -m (i % 4 == 3),
    ** 5 of m (i = 5 is NULL) */
    cr_assert_str_eq(txt(r, 0), "11999999999999999988");
    cr_assert_str_eq(txt(r, 1), "-999999999999999999");
    r = run("avg", false, &x, 1, 24, grp, 2);
    cr_assert_str_eq(txt(r, 0), "999999999999999999.0000");
    cr_assert_str_eq(txt(r, 1), "-90909090909090909.0000");
    /* decimal(38,2): small values take the int64 partial, big ones 128 bits */
    vec_type d382 = {.id = VEC_DECIMAL, .precision = 38, .scale = 2};
    int64_t w[8] = {INT64_MAX, INT64_MAX, 1, NUL, -5, INT64_MIN + 1, INT64_MAX, 7};
    vec *y = ints(&d382, w, 8);
    r = run("sum", false, &y, 1, 8, NULL, 1);
    /* 3 * INT64_MAX + (INT64_MIN + 1) + 3 = 2 * INT64_MAX + 3 */
    cr_assert_str_eq(txt(r, 0), "184467440737095516.17");
}

Test(agg, sum_decimal_overflow_mixed_widths)
{
    /* 9e37 + 9e37 overflows decimal(38,0) even with small values between */
    vec_type d380 = {.id = VEC_DECIMAL, .precision = 38, .scale = 0};
    __int128 nine = 9;
    for (int k = 0; k < 37; k++)
        nine *= 10;
    vec_builder *b = vec_builder_new(&d380);
    vec_builder_append_i128(b, 5, NULL);
    vec_builder_append_i128(b, nine, NULL);
    vec_builder_append_i128(b, -3, NULL);
    vec_builder_append_i128(b, nine, NULL);
    vec *x = NULL;
    cr_assert_eq(vec_builder_finish(b, A, &x, NULL), ST_OK);
    vec_builder_free(b);
    agg_bound f = bind_agg("sum", false, &x, 1);
    void **st = new_states(&f, 1);
    const vec *args[1] = {x};
    void *rows[4] = {st[0], st[0], st[0], st[0]};
    st_error err;
    st_error_init(&err);
    cr_assert_eq(f.ops->update(&f, &NONANSI, args, 4, NULL, rows, A, &err), ST_OK);
    vec *r = NULL;
    cr_assert_eq(f.ops->finalize(&f, &NONANSI, st, 1, A, &r, &err), ST_OK);
    cr_assert_str_eq(txt(r, 0), "NULL");
    cr_assert_eq(f.ops->finalize(&f, &ANSI, st, 1, A, &r, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "overflow") != NULL, "%s", err.msg);
    /* 9e37 + 2 small values: in range, exact */
    void **st2 = new_states(&f, 1);
    void *rows2[3] = {st2[0], st2[0], st2[0]};
    cr_assert_eq(f.ops->update(&f, &ANSI, args, 3, NULL, rows2, A, &err), ST_OK);
    cr_assert_eq(f.ops->finalize(&f, &ANSI, st2, 1, A, &r, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(txt(r, 0), "90000000000000000000000000000000000002");
}
