/* fn_core_test.c -- scalar function core: name resolution and errors,
** Spark's result types (decimal precision rules included), arithmetic,
** comparison, logic and conditional kernels with NULLs, ANSI vs non-ANSI
** runtime behaviour, and CAST's parsing and text forms. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "func/fn.h"

static const vec_type T_I8 = {.id = VEC_INT8};
static const vec_type T_I32 = {.id = VEC_INT32};
static const vec_type T_I64 = {.id = VEC_INT64};
static const vec_type T_DBL = {.id = VEC_DOUBLE};
static const vec_type T_STR = {.id = VEC_STRING};
static const vec_type T_BOOL = {.id = VEC_BOOL};
static const vec_type T_DATE = {.id = VEC_DATE};
static const vec_type T_TS = {.id = VEC_TIMESTAMP};
static const vec_type T_NULL = {.id = VEC_NULL};

static const fn_context NONANSI = {false, 0, "UTC"};
static const fn_context ANSI = {true, 0, "UTC"};

static st_arena *A;
static void setup(void) { A = st_arena_new(0); }
static void teardown(void) { st_arena_free(A); }

static vec_type dec(int p, int s)
{
    vec_type t = {.id = VEC_DECIMAL, .precision = (uint8_t)p, .scale = (uint8_t)s};
    return t;
}

/* A vector from int64 values; INT64_MIN marks NULL. */
static vec *ints(const vec_type *t, const int64_t *v, int n)
{
    vec_builder *b = vec_builder_new(t);
    for (int i = 0; i < n; i++) {
        if (v[i] == INT64_MIN)
            vec_builder_append_null(b, NULL);
        else if (t->id == VEC_DECIMAL)
            vec_builder_append_i128(b, v[i], NULL);
        else if (t->id == VEC_BOOL)
            vec_builder_append_bool(b, v[i] != 0, NULL);
        else
            vec_builder_append_i64(b, v[i], NULL);
    }
    vec *out = NULL;
    cr_assert_eq(vec_builder_finish(b, A, &out, NULL), ST_OK);
    vec_builder_free(b);
    return out;
}

static vec *dbls(const double *v, int n)
{
    vec_builder *b = vec_builder_new(&T_DBL);
    for (int i = 0; i < n; i++)
        vec_builder_append_f64(b, v[i], NULL);
    vec *out = NULL;
    cr_assert_eq(vec_builder_finish(b, A, &out, NULL), ST_OK);
    vec_builder_free(b);
    return out;
}

/* A string vector; NULL pointer entries are NULL rows. */
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

static char *str_at(const vec *v, int64_t i)
{
    const int32_t *o = vec_offsets(v);
    return st_arena_strndup(A, (const char *)v->bytes + o[i], (size_t)(o[i + 1] - o[i]));
}

static int64_t i64_at(const vec *v, int64_t i)
{
    switch (v->type->id) {
    case VEC_INT8: return ((int8_t *)v->values)[i];
    case VEC_INT32: case VEC_DATE: return ((int32_t *)v->values)[i];
    case VEC_BOOL: return vec_bit_get(v->values, i);
    case VEC_DECIMAL: {
        __int128 x;
        memcpy(&x, (uint8_t *)v->values + 16 * i, 16);
        return (int64_t)x;
    }
    default: return ((int64_t *)v->values)[i];
    }
}

/* Resolves and runs name over the args (casting them first as bound). */
static st_status run(const fn_context *ctx, const char *name, vec **args, int n_args,
                     fn_bound *f, vec **out, st_error *err)
{
    fn_arg_info info[8] = {{0}};
    for (int i = 0; i < n_args; i++)
        info[i] = (fn_arg_info){args[i]->type, false, NULL};
    st_status rc = fn_resolve(name, info, n_args, A, f, err);
    if (rc != ST_OK)
        return rc;
    const vec *cast[8];
    int64_t n = args[0]->len;
    for (int i = 0; i < n_args; i++) {
        vec *c = args[i];
        if (f->cast_to[i].id != VEC_NULL) {
            rc = fn_cast(ctx, args[i], &f->cast_to[i], false, n, A, &c, err);
            if (rc != ST_OK)
                return rc;
        }
        cast[i] = c;
    }
    return f->kernel(f, ctx, cast, n, A, out, err);
}

static fn_bound resolve2(const char *name, vec_type a, vec_type b)
{
    fn_arg_info info[2] = {{&a, false, NULL}, {&b, false, NULL}};
    fn_bound f;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(fn_resolve(name, info, 2, A, &f, &err), ST_OK, "%s", err.msg);
    return f;
}

TestSuite(fn_core, .init = setup, .fini = teardown);

Test(fn_core, resolution_errors_and_names)
{
    st_error err;
    st_error_init(&err);
    fn_arg_info one = {&T_STR, false, NULL};
    fn_bound f;
    cr_assert_eq(fn_resolve("nosuchfn", &one, 1, A, &f, &err), ST_ERR_BIND);
    cr_assert_str_eq(err.msg, "function nosuchfn does not exist");
    st_error_init(&err);
    cr_assert_eq(fn_resolve("COALESC", &one, 1, A, &f, &err), ST_ERR_BIND);
    cr_assert_str_eq(err.msg, "function coalesc does not exist");
    cr_assert(strstr(err.hint, "coalesce") != NULL, "hint: %s", err.hint);
    st_error_init(&err);
    cr_assert_eq(fn_resolve("nullif", &one, 1, A, &f, &err), ST_ERR_BIND);
    cr_assert_str_eq(err.msg, "function nullif takes 2 arguments, got 1");
    st_error_init(&err);
    fn_arg_info ds[2] = {{&T_I32, false, NULL}, {&T_DATE, false, NULL}};
    cr_assert_eq(fn_resolve("+", ds, 2, A, &f, &err), ST_ERR_BIND);
    cr_assert(strstr(err.msg, "function +(int, date) does not exist") != NULL, "%s", err.msg);
    cr_assert(fn_exists("COALESCE") && fn_exists("<=>") && !fn_exists("frobnicate"));
    bool seen = false;
    for (const char *const *n = fn_names(); *n; n++)
        seen |= !strcmp(*n, "greatest");
    cr_assert(seen);
}

Test(fn_core, result_types)
{
    fn_bound f = resolve2("*", dec(10, 2), dec(10, 2));
    cr_assert(f.ret.id == VEC_DECIMAL && f.ret.precision == 21 && f.ret.scale == 4);
    f = resolve2("/", dec(38, 10), dec(38, 10));
    cr_assert(f.ret.precision == 38 && f.ret.scale == 6, "%d,%d", f.ret.precision, f.ret.scale);
    f = resolve2("+", dec(10, 2), dec(5, 3));
    cr_assert(f.ret.precision == 12 && f.ret.scale == 3);
    f = resolve2("+", T_I32, dec(5, 2));      /* int -> decimal(10,0) */
    cr_assert(f.ret.precision == 13 && f.ret.scale == 2);
    f = resolve2("/", dec(10, 2), dec(5, 1)); /* scale max(6, 2+5+1)=8, p 10-2+1+8 */
    cr_assert(f.ret.precision == 17 && f.ret.scale == 8);
    f = resolve2("/", T_I32, T_I32);
    cr_assert_eq(f.ret.id, VEC_DOUBLE);
    f = resolve2("div", T_I32, T_I32);
    cr_assert_eq(f.ret.id, VEC_INT64);
    f = resolve2("+", T_I8, T_I32);
    cr_assert_eq(f.ret.id, VEC_INT32);
    f = resolve2("+", T_I64, T_DBL);
    cr_assert_eq(f.ret.id, VEC_DOUBLE);
    f = resolve2("=", T_STR, T_I32);          /* string cast to int */
    cr_assert(f.ret.id == VEC_BOOL && f.cast_to[0].id == VEC_INT32 && f.cast_to[1].id == VEC_NULL);
    f = resolve2("<", T_STR, T_DATE);
    cr_assert(f.cast_to[0].id == VEC_DATE);
    f = resolve2("<", T_TS, T_DATE);
    cr_assert(f.cast_to[1].id == VEC_TIMESTAMP);
    f = resolve2("coalesce", T_I32, T_STR);
    cr_assert_eq(f.ret.id, VEC_STRING);
    f = resolve2("greatest", T_I32, dec(5, 2));
    cr_assert(f.ret.id == VEC_DECIMAL && f.ret.precision == 12 && f.ret.scale == 2);
}

Test(fn_core, arithmetic_with_nulls)
{
    int64_t a[] = {1, 7, INT64_MIN, -7, 5}, b[] = {2, 2, 3, 2, 0};
    vec *args[2] = {ints(&T_I32, a, 5), ints(&T_I32, b, 5)};
    fn_bound f;
    vec *o;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(run(&NONANSI, "/", args, 2, &f, &o, &err), ST_OK, "%s", err.msg);
    double *d = o->values;
    cr_assert(d[0] == 0.5 && d[1] == 3.5 && d[3] == -3.5);
    cr_assert(!vec_is_valid(o, 2) && !vec_is_valid(o, 4) && vec_is_valid(o, 0));
    cr_assert_eq(o->null_count, 2);
    cr_assert_eq(run(&NONANSI, "%", args, 2, &f, &o, &err), ST_OK);
    cr_assert(i64_at(o, 1) == 1 && i64_at(o, 3) == -1 && !vec_is_valid(o, 4));
    cr_assert_eq(run(&NONANSI, "div", args, 2, &f, &o, &err), ST_OK);
    cr_assert(i64_at(o, 1) == 3 && i64_at(o, 3) == -3);
    cr_assert_eq(run(&ANSI, "/", args, 2, &f, &o, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "division by zero");
}

Test(fn_core, integer_overflow_wraps_or_errors)
{
    int64_t a[] = {2147483647, 1}, b[] = {1, 1};
    vec *args[2] = {ints(&T_I32, a, 2), ints(&T_I32, b, 2)};
    fn_bound f;
    vec *o;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(run(&NONANSI, "+", args, 2, &f, &o, &err), ST_OK);
    cr_assert(i64_at(o, 0) == INT32_MIN && i64_at(o, 1) == 2);
    cr_assert_eq(run(&ANSI, "+", args, 2, &f, &o, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "overflow") != NULL, "%s", err.msg);
}

Test(fn_core, decimal_arithmetic)
{
    vec_type d102 = dec(10, 2);
    int64_t a[] = {1050, -1050, 100}, b[] = {300, 300, 0};  /* 10.50, -10.50, 1.00 / 3.00 ... */
    vec *args[2] = {ints(&d102, a, 3), ints(&d102, b, 3)};
    fn_bound f;
    vec *o;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(run(&NONANSI, "*", args, 2, &f, &o, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(i64_at(o, 0), 315000);           /* 31.5000 */
    cr_assert_eq(run(&NONANSI, "/", args, 2, &f, &o, &err), ST_OK);
    /* decimal(10,2)/decimal(10,2) -> decimal(23,13): 3.5000000000000 */
    cr_assert(f.ret.precision == 23 && f.ret.scale == 13);
    cr_assert_eq(i64_at(o, 0), 35000000000000LL);
    cr_assert_eq(i64_at(o, 1), -35000000000000LL);
    cr_assert(!vec_is_valid(o, 2));
    cr_assert_eq(run(&NONANSI, "+", args, 2, &f, &o, &err), ST_OK);
    cr_assert_eq(i64_at(o, 0), 1350);
}

Test(fn_core, comparisons_and_logic)
{
    int64_t a[] = {1, 2, INT64_MIN, INT64_MIN}, b[] = {1, 3, 1, INT64_MIN};
    vec *args[2] = {ints(&T_I32, a, 4), ints(&T_I64, b, 4)};
    fn_bound f;
    vec *o;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(run(&NONANSI, "<", args, 2, &f, &o, &err), ST_OK);
    cr_assert(!i64_at(o, 0) && i64_at(o, 1) && !vec_is_valid(o, 2) && !vec_is_valid(o, 3));
    cr_assert_eq(run(&NONANSI, "<=>", args, 2, &f, &o, &err), ST_OK);
    cr_assert(i64_at(o, 0) && !i64_at(o, 1) && !i64_at(o, 2) && i64_at(o, 3));
    cr_assert_eq(o->null_count, 0);
    const char *s[] = {"1.0", " 2 ", "x", "1"};
    vec *sargs[2] = {strs(s, 4), ints(&T_I32, b, 4)};
    cr_assert_eq(run(&NONANSI, "=", sargs, 2, &f, &o, &err), ST_OK);
    /* '1.0' as int is 1 (Spark non-ANSI truncates), 'x' is NULL */
    cr_assert(i64_at(o, 0) && !i64_at(o, 1) && !vec_is_valid(o, 2) && !vec_is_valid(o, 3));
    double nan[] = {NAN, 1.0}, nan2[] = {NAN, NAN};
    vec *dargs[2] = {dbls(nan, 2), dbls(nan2, 2)};
    cr_assert_eq(run(&NONANSI, "=", dargs, 2, &f, &o, &err), ST_OK);
    cr_assert(i64_at(o, 0) && !i64_at(o, 1));
    int64_t p[] = {1, 0, INT64_MIN, 1, 0, INT64_MIN}, q[] = {INT64_MIN, INT64_MIN, INT64_MIN, 1, 1, 0};
    vec *largs[2] = {ints(&T_BOOL, p, 6), ints(&T_BOOL, q, 6)};
    cr_assert_eq(run(&NONANSI, "and", largs, 2, &f, &o, &err), ST_OK);
    cr_assert(!vec_is_valid(o, 0) && vec_is_valid(o, 1) && !i64_at(o, 1) && !vec_is_valid(o, 2));
    cr_assert(i64_at(o, 3) && !i64_at(o, 4) && vec_is_valid(o, 5) && !i64_at(o, 5));
    cr_assert_eq(run(&NONANSI, "or", largs, 2, &f, &o, &err), ST_OK);
    cr_assert(vec_is_valid(o, 0) && i64_at(o, 0) && !vec_is_valid(o, 1) && i64_at(o, 4));
    cr_assert_eq(run(&NONANSI, "not", largs, 1, &f, &o, &err), ST_OK);
    cr_assert(!i64_at(o, 0) && i64_at(o, 1) && !vec_is_valid(o, 2));
}

Test(fn_core, conditionals)
{
    int64_t a[] = {INT64_MIN, 2, INT64_MIN}, b[] = {5, 9, INT64_MIN};
    vec *args[3] = {ints(&T_I32, a, 3), ints(&T_I64, b, 3), NULL};
    fn_bound f;
    vec *o;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(run(&NONANSI, "coalesce", args, 2, &f, &o, &err), ST_OK);
    cr_assert_eq(f.ret.id, VEC_INT64);
    cr_assert(i64_at(o, 0) == 5 && i64_at(o, 1) == 2 && !vec_is_valid(o, 2));
    cr_assert_eq(run(&NONANSI, "greatest", args, 2, &f, &o, &err), ST_OK);
    cr_assert(i64_at(o, 0) == 5 && i64_at(o, 1) == 9 && !vec_is_valid(o, 2));
    cr_assert_eq(run(&NONANSI, "least", args, 2, &f, &o, &err), ST_OK);
    cr_assert(i64_at(o, 1) == 2);
    cr_assert_eq(run(&NONANSI, "isnull", args, 1, &f, &o, &err), ST_OK);
    cr_assert(i64_at(o, 0) && !i64_at(o, 1) && o->null_count == 0);
    int64_t c[] = {1, 0, INT64_MIN};
    vec *iargs[3] = {ints(&T_BOOL, c, 3), args[0], args[1]};
    cr_assert_eq(run(&NONANSI, "if", iargs, 3, &f, &o, &err), ST_OK);
    cr_assert(!vec_is_valid(o, 0), "row0");
    cr_assert_eq(i64_at(o, 1), 9);
    cr_assert(!vec_is_valid(o, 2), "row2");
    const char *s[] = {NULL, "b", NULL};
    vec *sargs[2] = {strs(s, 3), args[1]};
    cr_assert_eq(run(&NONANSI, "coalesce", sargs, 2, &f, &o, &err), ST_OK);
    cr_assert_eq(f.ret.id, VEC_STRING);
    cr_assert_str_eq(str_at(o, 0), "5");
    cr_assert_str_eq(str_at(o, 1), "b");
    cr_assert(!vec_is_valid(o, 2));
    int64_t n1[] = {2, 3, INT64_MIN}, n2[] = {2, 4, 1};
    vec *nargs[2] = {ints(&T_I32, n1, 3), ints(&T_I32, n2, 3)};
    cr_assert_eq(run(&NONANSI, "nullif", nargs, 2, &f, &o, &err), ST_OK);
    cr_assert(!vec_is_valid(o, 0) && i64_at(o, 1) == 3 && !vec_is_valid(o, 2));
    double d[] = {NAN, 1.5};
    vec *dargs[2] = {dbls(d, 2), dbls(d + 1, 1)};
    cr_assert_eq(run(&NONANSI, "isnan", dargs, 1, &f, &o, &err), ST_OK);
    cr_assert(i64_at(o, 0) && !i64_at(o, 1));
}

/* CAST of one string to type t; returns the status, *out the 1-row result. */
static st_status cast1(const fn_context *ctx, const char *s, const vec_type *t, bool try_cast,
                       vec **out, st_error *err)
{
    const char *v[] = {s};
    return fn_cast(ctx, strs(v, 1), t, try_cast, 1, A, out, err);
}

Test(fn_core, cast_strings_to_dates_and_timestamps)
{
    static const struct { const char *in; const char *out; } dates[] = {
        {"2024", "2024-01-01"}, {"2024-3", "2024-03-01"}, {"2024-03-7", "2024-03-07"},
        {" 2024-02-29 ", "2024-02-29"}, {"2024-03-07T10:00", "2024-03-07"},
        {"2024-03-07 anything", "2024-03-07"},
    };
    st_error err;
    st_error_init(&err);
    vec *o, *s;
    for (size_t k = 0; k < ST_ARRAY_LEN(dates); k++) {
        cr_assert_eq(cast1(&NONANSI, dates[k].in, &T_DATE, false, &o, &err), ST_OK);
        cr_assert(vec_is_valid(o, 0), "%s", dates[k].in);
        cr_assert_eq(fn_cast(&NONANSI, o, &T_STR, false, 1, A, &s, &err), ST_OK);
        cr_assert_str_eq(str_at(s, 0), dates[k].out);
    }
    const char *bad[] = {"2023-02-29", "24-01-01", "2024-13-01", "2024/01/01", ""};
    for (size_t k = 0; k < ST_ARRAY_LEN(bad); k++) {
        cr_assert_eq(cast1(&NONANSI, bad[k], &T_DATE, false, &o, &err), ST_OK);
        cr_assert(!vec_is_valid(o, 0), "%s", bad[k]);
    }
    cr_assert_eq(cast1(&ANSI, "2024-13-01", &T_DATE, false, &o, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "cannot cast string '2024-13-01' to date: malformed date");
    cr_assert_eq(cast1(&ANSI, "2024-13-01", &T_DATE, true, &o, &err), ST_OK);
    cr_assert(!vec_is_valid(o, 0));
    static const struct { const char *in; const char *out; } ts[] = {
        {"2024-03-07 10:11:12", "2024-03-07 10:11:12"},
        {"2024-03-07T10:11:12.5Z", "2024-03-07 10:11:12.5"},
        {"2024-03-07 10:11:12.123456789", "2024-03-07 10:11:12.123456"},
        {"2024-03-07T10:11:12+02:00", "2024-03-07 08:11:12"},
        {"2024-03-07 10:11:12 UTC", "2024-03-07 10:11:12"},
        {"2024-03-07 1:2", "2024-03-07 01:02:00"}, {"2024", "2024-01-01 00:00:00"},
    };
    for (size_t k = 0; k < ST_ARRAY_LEN(ts); k++) {
        cr_assert_eq(cast1(&NONANSI, ts[k].in, &T_TS, false, &o, &err), ST_OK);
        cr_assert(vec_is_valid(o, 0), "%s", ts[k].in);
        cr_assert_eq(fn_cast(&NONANSI, o, &T_STR, false, 1, A, &s, &err), ST_OK);
        cr_assert_str_eq(str_at(s, 0), ts[k].out);
    }
    cr_assert_eq(cast1(&NONANSI, "2024-03-07 25:00:00", &T_TS, false, &o, &err), ST_OK);
    cr_assert(!vec_is_valid(o, 0));
}

Test(fn_core, cast_numbers_to_strings)
{
    static const struct { double d; const char *s; } t[] = {
        {1.0, "1.0"}, {1.5, "1.5"}, {1e10, "1.0E10"}, {NAN, "NaN"}, {-INFINITY, "-Infinity"},
        {0.001, "0.001"}, {1e-4, "1.0E-4"}, {1234567.0, "1234567.0"}, {12345678.9, "1.23456789E7"},
        {0.1 + 0.2, "0.30000000000000004"}, {-0.0, "-0.0"}, {100.0, "100.0"},
    };
    double d[ST_ARRAY_LEN(t)];
    for (size_t k = 0; k < ST_ARRAY_LEN(t); k++)
        d[k] = t[k].d;
    vec *o;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(fn_cast(&NONANSI, dbls(d, (int)ST_ARRAY_LEN(t)), &T_STR, false,
                         (int64_t)ST_ARRAY_LEN(t), A, &o, &err), ST_OK);
    for (size_t k = 0; k < ST_ARRAY_LEN(t); k++)
        cr_assert_str_eq(str_at(o, (int64_t)k), t[k].s);
    vec_type d52 = dec(5, 2);
    int64_t dv[] = {-5, 12345};
    cr_assert_eq(fn_cast(&NONANSI, ints(&d52, dv, 2), &T_STR, false, 2, A, &o, &err), ST_OK);
    cr_assert_str_eq(str_at(o, 0), "-0.05");
    cr_assert_str_eq(str_at(o, 1), "123.45");
}

Test(fn_core, cast_parsing_and_overflow)
{
    st_error err;
    st_error_init(&err);
    vec *o;
    const char *tr[] = {"t", "TRUE", " yes", "1", "Y"}, *fa[] = {"f", "false", "NO", "0", "n"};
    for (int k = 0; k < 5; k++) {
        cr_assert_eq(cast1(&NONANSI, tr[k], &T_BOOL, false, &o, &err), ST_OK);
        cr_assert(vec_is_valid(o, 0) && i64_at(o, 0), "%s", tr[k]);
        cr_assert_eq(cast1(&NONANSI, fa[k], &T_BOOL, false, &o, &err), ST_OK);
        cr_assert(vec_is_valid(o, 0) && !i64_at(o, 0), "%s", fa[k]);
    }
    cr_assert_eq(cast1(&NONANSI, "maybe", &T_BOOL, false, &o, &err), ST_OK);
    cr_assert(!vec_is_valid(o, 0));
    cr_assert_eq(cast1(&NONANSI, " 42 ", &T_I32, false, &o, &err), ST_OK);
    cr_assert_eq(i64_at(o, 0), 42);
    cr_assert_eq(cast1(&NONANSI, "1.9", &T_I32, false, &o, &err), ST_OK);
    cr_assert_eq(i64_at(o, 0), 1);
    cr_assert_eq(cast1(&NONANSI, "3000000000", &T_I32, false, &o, &err), ST_OK);
    cr_assert(!vec_is_valid(o, 0));
    cr_assert_eq(cast1(&ANSI, "abc", &T_I32, false, &o, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "cannot cast string 'abc' to int: malformed number");
    cr_assert_eq(cast1(&NONANSI, "1e3", &T_DBL, false, &o, &err), ST_OK);
    cr_assert_eq(((double *)o->values)[0], 1000.0);
    vec_type d42 = dec(4, 2);
    cr_assert_eq(cast1(&NONANSI, "12.345", &d42, false, &o, &err), ST_OK);
    cr_assert_eq(i64_at(o, 0), 1235);             /* HALF_UP */
    cr_assert_eq(cast1(&NONANSI, "123.4", &d42, false, &o, &err), ST_OK);
    cr_assert(!vec_is_valid(o, 0));               /* overflow: NULL */
    int64_t big[] = {300, -129};
    cr_assert_eq(fn_cast(&NONANSI, ints(&T_I32, big, 2), &T_I8, false, 2, A, &o, &err), ST_OK);
    cr_assert(i64_at(o, 0) == 44 && i64_at(o, 1) == 127);   /* wraps like Java */
    cr_assert_eq(fn_cast(&ANSI, ints(&T_I32, big, 2), &T_I8, false, 2, A, &o, &err),
                 ST_ERR_ARGUMENT);
    double dd[] = {1e20, NAN, -2.7};
    cr_assert_eq(fn_cast(&NONANSI, dbls(dd, 3), &T_I32, false, 3, A, &o, &err), ST_OK);
    cr_assert(i64_at(o, 0) == INT32_MAX && i64_at(o, 1) == 0 && i64_at(o, 2) == -2);
    vec_type d103 = dec(10, 3);
    cr_assert_eq(fn_cast(&NONANSI, dbls(dd + 2, 1), &d103, false, 1, A, &o, &err), ST_OK);
    cr_assert_eq(i64_at(o, 0), -2700);
    cr_assert(fn_can_cast(&T_STR, &T_DATE) && !fn_can_cast(&T_DATE, &T_I32));
    cr_assert(fn_can_cast(&T_NULL, &T_I32));
}

Test(fn_core, cast_nested_to_string)
{
    vec_field el = {"element", {.id = VEC_INT32}, true};
    vec_type lt = {.id = VEC_LIST, .n_children = 1, .children = &el};
    vec_builder *b = vec_builder_new(&lt);
    vec_builder *c = vec_builder_child(b, 0);
    vec_builder_append_i64(c, 1, NULL);
    vec_builder_append_null(c, NULL);
    vec_builder_append_i64(c, 2, NULL);
    vec_builder_end_list(b, NULL);
    vec *l = NULL, *o = NULL;
    cr_assert_eq(vec_builder_finish(b, A, &l, NULL), ST_OK);
    vec_builder_free(b);
    st_error err;
    st_error_init(&err);
    cr_assert_eq(fn_cast(&NONANSI, l, &T_STR, false, 1, A, &o, &err), ST_OK);
    cr_assert_str_eq(str_at(o, 0), "[1, null, 2]");
}

/* ---- decimal fast paths (int64 operands, 64-bit sums, capped products) ---- */

static vec *decs128(const vec_type *t, const __int128 *v, const bool *null, int n)
{
    vec_builder *b = vec_builder_new(t);
    for (int i = 0; i < n; i++) {
        if (null && null[i])
            vec_builder_append_null(b, NULL);
        else
            vec_builder_append_i128(b, v[i], NULL);
    }
    vec *out = NULL;
    cr_assert_eq(vec_builder_finish(b, A, &out, NULL), ST_OK);
    vec_builder_free(b);
    return out;
}

static __int128 i128_at(const vec *v, int64_t i)
{
    __int128 x;
    memcpy(&x, (const uint8_t *)v->values + 16 * i, 16);
    return x;
}

static __int128 pow10_128(int k)
{
    __int128 r = 1;
    while (k-- > 0)
        r *= 10;
    return r;
}

Test(fn_core, decimal_narrow_add_sub_scales)
{
    /* decimal(10,0) - decimal(15,2) -> decimal(16,2): the 64-bit loop */
    vec_type d100 = dec(10, 0), d152 = dec(15, 2);
    __int128 a[] = {1, -7, 3, 9999999999, -9999999999};
    __int128 b[] = {5, -123456789012345, 7, -99999999999999, 99999999999999};
    bool nul[] = {false, false, true, false, false};
    vec *args[2] = {decs128(&d100, a, nul, 5), decs128(&d152, b, NULL, 5)};
    fn_bound f;
    vec *o;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(run(&ANSI, "-", args, 2, &f, &o, &err), ST_OK, "%s", err.msg);
    cr_assert(f.ret.precision == 16 && f.ret.scale == 2);
    cr_assert(i128_at(o, 0) == 95);                          /* 1 - 0.05 */
    cr_assert(i128_at(o, 1) == (__int128)123456789011645);   /* -7 + 1234567890123.45 */
    cr_assert(!vec_is_valid(o, 2));
    cr_assert(i128_at(o, 3) == (__int128)999999999900 + 99999999999999);
    cr_assert(i128_at(o, 4) == -(__int128)999999999900 - 99999999999999);
    cr_assert_eq(run(&ANSI, "+", args, 2, &f, &o, &err), ST_OK, "%s", err.msg);
    cr_assert(i128_at(o, 0) == 105);
    cr_assert(i128_at(o, 1) == -(__int128)123456789013045);
    cr_assert(!vec_is_valid(o, 2));
    cr_assert(i128_at(o, 4) == -(__int128)999999999900 + 99999999999999);
    /* decimal(18,0) + decimal(18,0) -> decimal(19,0): the 128-bit loop */
    vec_type d180 = dec(18, 0);
    __int128 m = pow10_128(18) - 1;
    __int128 c[] = {m, -m}, d[] = {m, -m};
    vec *wide[2] = {decs128(&d180, c, NULL, 2), decs128(&d180, d, NULL, 2)};
    cr_assert_eq(run(&ANSI, "+", wide, 2, &f, &o, &err), ST_OK, "%s", err.msg);
    cr_assert(f.ret.precision == 19);
    cr_assert(i128_at(o, 0) == 2 * m && i128_at(o, 1) == -2 * m);
}

Test(fn_core, decimal_narrow_mul_exact_128)
{
    /* decimal(18,0) * decimal(18,2) -> decimal(37,2): one 64x64->128 multiply */
    vec_type d180 = dec(18, 0), d182 = dec(18, 2);
    __int128 m = pow10_128(18) - 1;
    __int128 a[] = {m, -m, 0, -3, m}, b[] = {m, m, 5, -4, 1};
    bool nul[] = {false, false, false, false, true};
    vec *args[2] = {decs128(&d180, a, nul, 5), decs128(&d182, b, NULL, 5)};
    fn_bound f;
    vec *o;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(run(&ANSI, "*", args, 2, &f, &o, &err), ST_OK, "%s", err.msg);
    cr_assert(f.ret.precision == 37 && f.ret.scale == 2);
    cr_assert(i128_at(o, 0) == m * m);
    cr_assert(i128_at(o, 1) == -(m * m));
    cr_assert(i128_at(o, 2) == 0 && i128_at(o, 3) == 12);
    cr_assert(!vec_is_valid(o, 4));
}

Test(fn_core, decimal_capped_mul_overflow)
{
    /* decimal(32,4) * decimal(16,2) -> decimal(38,6) (capped): operands that
    ** fit int64 multiply directly; wider ones are checked against 10^38 */
    vec_type d324 = dec(32, 4), d162 = dec(16, 2);
    __int128 big = pow10_128(30);
    __int128 a[] = {3000000000000000000, -(__int128)5000000000000000000, big, -big};
    __int128 b[] = {9999999999999999, 9999999999999999, 99999, -9999999};
    vec *args[2] = {decs128(&d324, a, NULL, 4), decs128(&d162, b, NULL, 4)};
    fn_bound f;
    vec *o;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(run(&ANSI, "*", args, 2, &f, &o, &err), ST_OK, "%s", err.msg);
    cr_assert(f.ret.precision == 38 && f.ret.scale == 6);
    cr_assert(i128_at(o, 0) == (__int128)3000000000000000000 * 9999999999999999);
    cr_assert(i128_at(o, 1) == -(__int128)5000000000000000000 * 9999999999999999);
    cr_assert(i128_at(o, 2) == big * 99999);
    cr_assert(i128_at(o, 3) == big * 9999999);
    /* 10^30 * 10^10 = 10^40 does not fit decimal(38,6): NULL, ANSI error */
    __int128 c[] = {7, big}, d[] = {-6, 10000000000};
    vec *ov[2] = {decs128(&d324, c, NULL, 2), decs128(&d162, d, NULL, 2)};
    cr_assert_eq(run(&NONANSI, "*", ov, 2, &f, &o, &err), ST_OK, "%s", err.msg);
    cr_assert(i128_at(o, 0) == -42);
    cr_assert(!vec_is_valid(o, 1));
    cr_assert_eq(run(&ANSI, "*", ov, 2, &f, &o, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "overflow") != NULL, "%s", err.msg);
    /* exactly 10^38 - 1 is still in range, 10^38 is not */
    __int128 e[] = {pow10_128(19) - 1, pow10_128(19)}, g[] = {pow10_128(19) + 1, pow10_128(19)};
    vec_type d200 = dec(20, 0);
    vec *edge[2] = {decs128(&d200, e, NULL, 2), decs128(&d200, g, NULL, 2)};
    cr_assert_eq(run(&NONANSI, "*", edge, 2, &f, &o, &err), ST_OK, "%s", err.msg);
    cr_assert(f.ret.precision == 38 && f.ret.scale == 0);
    cr_assert(i128_at(o, 0) == pow10_128(38) - 1);
    cr_assert(!vec_is_valid(o, 1));
}
