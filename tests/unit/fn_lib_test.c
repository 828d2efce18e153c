/* fn_lib_test.c -- the math, string, date and hash function families
** (func/fn_math.c, fn_string.c, fn_date.c, fn_hash.c), called through their
** own fn_def tables (not the registry): resolve, then run the kernel, and
** compare with the values Spark SQL returns (Spark docs examples where they
** exist). Arguments are built already in the types the resolver wants, and
** the tests check which casts the resolver asks for separately. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "func/fn_int.h"

static st_arena *A;
static fn_context CTX = {.ansi = false, .now_micros = INT64_C(1700000000123456), .time_zone = "UTC"};

static void setup(void) { A = st_arena_new(0); }
static void teardown(void) { st_arena_free(A); }

static vec_type t_i32 = {.id = VEC_INT32}, t_i64 = {.id = VEC_INT64}, t_f64 = {.id = VEC_DOUBLE},
                t_str = {.id = VEC_STRING}, t_date = {.id = VEC_DATE},
                t_ts = {.id = VEC_TIMESTAMP}, t_bool = {.id = VEC_BOOL},
                t_bin = {.id = VEC_BINARY};

/* ---- argument builders (one row unless said otherwise) ----------------- */

static vec *finish(vec_builder *b)
{
    st_error err;
    vec *v;
    cr_assert_eq(vec_builder_finish(b, A, &v, &err), ST_OK);
    vec_builder_free(b);
    return v;
}
static vec *vstr(const char *s)
{
    st_error err;
    vec_builder *b = vec_builder_new(&t_str);
    if (s)
        cr_assert_eq(vec_builder_append_bytes(b, s, strlen(s), &err), ST_OK);
    else
        cr_assert_eq(vec_builder_append_null(b, &err), ST_OK);
    return finish(b);
}
static vec *vbin(const char *s)
{
    st_error err;
    vec_builder *b = vec_builder_new(&t_bin);
    cr_assert_eq(vec_builder_append_bytes(b, s, strlen(s), &err), ST_OK);
    return finish(b);
}
static vec *vint_t(const vec_type *t, int64_t x, bool null)
{
    st_error err;
    vec_builder *b = vec_builder_new(t);
    if (null)
        cr_assert_eq(vec_builder_append_null(b, &err), ST_OK);
    else
        cr_assert_eq(vec_builder_append_i64(b, x, &err), ST_OK);
    return finish(b);
}
static vec *vint(int64_t x) { return vint_t(&t_i32, x, false); }
static vec *vlong(int64_t x) { return vint_t(&t_i64, x, false); }
static vec *vnull_int(void) { return vint_t(&t_i32, 0, true); }
static vec *vbool(bool x)
{
    st_error err;
    vec_builder *b = vec_builder_new(&t_bool);
    cr_assert_eq(vec_builder_append_bool(b, x, &err), ST_OK);
    return finish(b);
}
static vec *vdbl(double x)
{
    st_error err;
    vec_builder *b = vec_builder_new(&t_f64);
    cr_assert_eq(vec_builder_append_f64(b, x, &err), ST_OK);
    return finish(b);
}
static vec *vdec(__int128 unscaled, int p, int s)
{
    st_error err;
    vec_type *t = st_arena_calloc(A, 1, sizeof *t);
    t->id = VEC_DECIMAL;
    t->precision = (uint8_t)p;
    t->scale = (uint8_t)s;
    vec_builder *b = vec_builder_new(t);
    cr_assert_eq(vec_builder_append_i128(b, unscaled, &err), ST_OK);
    return finish(b);
}
static int64_t days(int y, int m, int d) { return st_days_from_civil(y, (unsigned)m, (unsigned)d); }
static vec *vdate(int y, int m, int d) { return vint_t(&t_date, days(y, m, d), false); }
static int64_t micros(int y, int mo, int d, int h, int mi, int s)
{
    return days(y, mo, d) * INT64_C(86400000000) + ((h * 60 + mi) * 60 + s) * INT64_C(1000000);
}
static vec *vts(int y, int mo, int d, int h, int mi, int s)
{
    return vint_t(&t_ts, micros(y, mo, d, h, mi, s), false);
}
static vec *vstrs(int n, const char *const *s)
{
    st_error err;
    vec_builder *b = vec_builder_new(&t_str);
    for (int i = 0; i < n; i++) {
        if (s[i])
            cr_assert_eq(vec_builder_append_bytes(b, s[i], strlen(s[i]), &err), ST_OK);
        else
            cr_assert_eq(vec_builder_append_null(b, &err), ST_OK);
    }
    return finish(b);
}
static vec *vlist_ints(int n, const int *x)
{
    st_error err;
    vec_field *el = st_arena_calloc(A, 1, sizeof *el);
    el->name = "element";
    el->type = t_i32;
    el->nullable = true;
    vec_type *t = st_arena_calloc(A, 1, sizeof *t);
    t->id = VEC_LIST;
    t->n_children = 1;
    t->children = el;
    vec_builder *b = vec_builder_new(t);
    for (int i = 0; i < n; i++)
        cr_assert_eq(vec_builder_append_i64(vec_builder_child(b, 0), x[i], &err), ST_OK);
    cr_assert_eq(vec_builder_end_list(b, &err), ST_OK);
    return finish(b);
}

/* ---- calling a function through its family table ----------------------- */

static const fn_def *find_def(const fn_def *tab, const char *name)
{
    for (; tab->name; tab++)
        if (strcmp(tab->name, name) == 0)
            return tab;
    cr_assert_fail("no function %s in its table", name);
    return NULL;
}

static st_status try_call(const fn_def *tab, const char *name, int n, vec **argv, fn_bound *fb,
                          vec **out, st_error *err)
{
    const fn_def *d = find_def(tab, name);
    cr_assert(n >= d->min_args && (d->max_args < 0 || n <= d->max_args), "%s arity %d", name, n);
    fn_arg_info info[8] = {{0}};
    int64_t rows = n == 0 ? 1 : 0;
    for (int i = 0; i < n; i++) {
        info[i] = (fn_arg_info){.type = argv[i]->type, .is_const = argv[i]->len == 1,
                                .value = argv[i]};
        rows = ST_MAX(rows, argv[i]->len);
    }
    st_status rc = d->resolve(name, info, n, A, fb, err);
    if (rc != ST_OK)
        return rc;
    const vec *args[8];
    int32_t zeros[64] = {0};
    for (int i = 0; i < n; i++) {
        cr_assert_eq(fb->cast_to[i].id, VEC_NULL, "%s: argument %d needs a cast", name, i);
        args[i] = argv[i];
        if (argv[i]->len == 1 && rows > 1) {   /* constants arrive as n_rows copies */
            vec *c;
            cr_assert_eq(vec_take(A, argv[i], zeros, rows, &c, err), ST_OK);
            args[i] = c;
        }
    }
    rc = fb->kernel(fb, &CTX, args, rows, A, out, err);
    if (rc == ST_OK) {
        cr_assert_eq((*out)->len, rows);
        cr_assert(vec_type_equal((*out)->type, &fb->ret), "%s: output type", name);
    }
    return rc;
}

static vec *callv(const fn_def *tab, const char *name, int n, vec **argv)
{
    fn_bound fb;
    vec *out;
    st_error err;
    st_status rc = try_call(tab, name, n, argv, &fb, &out, &err);
    cr_assert_eq(rc, ST_OK, "%s: %s", name, err.msg);
    return out;
}
#define CALL(tab, name, ...) callv(tab, name, (int)(sizeof((vec *[]){__VA_ARGS__}) / sizeof(vec *)), (vec *[]){__VA_ARGS__})
#define CALL0(tab, name) callv(tab, name, 0, NULL)

static bool isnull(const vec *v, int64_t i) { return !vec_is_valid(v, i); }
static const char *sat(const vec *v, int64_t i)
{
    if (isnull(v, i))
        return NULL;
    const int32_t *o = vec_offsets(v);
    return st_arena_strndup(A, (const char *)v->bytes + o[i], (size_t)(o[i + 1] - o[i]));
}
static int64_t iat(const vec *v, int64_t i)
{
    cr_assert(!isnull(v, i));
    switch (v->type->id) {
    case VEC_INT32: case VEC_DATE: return ((int32_t *)v->values)[i];
    case VEC_BOOL: return vec_bit_get(v->values, i);
    default: return ((int64_t *)v->values)[i];
    }
}
static double dat(const vec *v, int64_t i)
{
    cr_assert(!isnull(v, i));
    return ((double *)v->values)[i];
}
static __int128 decat(const vec *v, int64_t i)
{
    __int128 x;
    cr_assert(!isnull(v, i));
    memcpy(&x, (uint8_t *)v->values + 16 * i, 16);
    return x;
}

#define M fn_defs_math
#define S fn_defs_string
#define D fn_defs_date
#define H fn_defs_hash
#define STR_EQ(v, want) cr_assert_str_eq(sat(v, 0), want)

TestSuite(fn_lib, .init = setup, .fini = teardown);

/* ---- math ------------------------------------------------------------- */

Test(fn_lib, round_doubles_half_up_and_half_even)
{
    cr_assert_eq(dat(CALL(M, "round", vdbl(2.5)), 0), 3.0);
    cr_assert_eq(dat(CALL(M, "round", vdbl(-2.5)), 0), -3.0);
    cr_assert_eq(dat(CALL(M, "bround", vdbl(2.5)), 0), 2.0);
    cr_assert_eq(dat(CALL(M, "bround", vdbl(3.5)), 0), 4.0);
    cr_assert_eq(dat(CALL(M, "bround", vdbl(-2.5)), 0), -2.0);
    /* Spark rounds the decimal text of the double: 2.675 -> 2.68 */
    cr_assert_eq(dat(CALL(M, "round", vdbl(2.675), vint(2)), 0), 2.68);
    cr_assert_eq(dat(CALL(M, "round", vdbl(1234.5678), vint(-2)), 0), 1200.0);
    cr_assert_eq(dat(CALL(M, "round", vdbl(0.1234), vint(10)), 0), 0.1234);
    cr_assert(isnan(dat(CALL(M, "round", vdbl(NAN)), 0)));
}

Test(fn_lib, round_decimals_exact_with_spark_result_type)
{
    vec *r = CALL(M, "round", vdec(25, 2, 1));          /* 2.5 */
    cr_assert_eq(r->type->precision, 2);
    cr_assert_eq(r->type->scale, 0);
    cr_assert(decat(r, 0) == 3);
    cr_assert(decat(CALL(M, "round", vdec(-25, 2, 1)), 0) == -3);
    cr_assert(decat(CALL(M, "bround", vdec(25, 2, 1)), 0) == 2);
    cr_assert(decat(CALL(M, "bround", vdec(35, 2, 1)), 0) == 4);
    r = CALL(M, "round", vdec(123456, 6, 3), vint(1));  /* 123.456 -> 123.5 */
    cr_assert_eq(r->type->precision, 5);
    cr_assert_eq(r->type->scale, 1);
    cr_assert(decat(r, 0) == 1235);
    r = CALL(M, "round", vdec(12345, 5, 2), vint(-2));  /* 123.45 -> 100 */
    cr_assert_eq(r->type->scale, 0);
    cr_assert(decat(r, 0) == 100);
    r = CALL(M, "round", vdec(999, 3, 1), vint(0));     /* 99.9 -> 100 needs 3 digits */
    cr_assert_eq(r->type->precision, 3);
    cr_assert(decat(r, 0) == 100);
    cr_assert_eq(iat(CALL(M, "round", vint(125), vint(-1)), 0), 130);
    cr_assert_eq(iat(CALL(M, "bround", vint(125), vint(-1)), 0), 120);
    cr_assert_eq(iat(CALL(M, "round", vint(-125), vint(-1)), 0), -130);
}

Test(fn_lib, floor_ceil_types)
{
    vec *r = CALL(M, "floor", vdbl(-0.1));
    cr_assert_eq(r->type->id, VEC_INT64);
    cr_assert_eq(iat(r, 0), -1);
    cr_assert_eq(iat(CALL(M, "ceil", vdbl(-0.1)), 0), 0);
    cr_assert_eq(iat(CALL(M, "ceiling", vdbl(5.0001)), 0), 6);
    cr_assert_eq(iat(CALL(M, "ceil", vdbl(1e300)), 0), INT64_MAX);
    r = CALL(M, "ceil", vdec(314, 3, 2));
    cr_assert_eq(r->type->id, VEC_DECIMAL);
    cr_assert_eq(r->type->precision, 2);
    cr_assert(decat(r, 0) == 4);
    cr_assert(decat(CALL(M, "floor", vdec(-314, 3, 2)), 0) == -4);
    cr_assert_eq(iat(CALL(M, "floor", vint(7)), 0), 7);
}

Test(fn_lib, double_functions)
{
    cr_assert_eq(dat(CALL(M, "sqrt", vdbl(4)), 0), 2.0);
    cr_assert(isnan(dat(CALL(M, "sqrt", vdbl(-1)), 0)));
    cr_assert_eq(dat(CALL(M, "pow", vdbl(2), vdbl(10)), 0), 1024.0);
    cr_assert_eq(dat(CALL(M, "power", vdbl(2), vdbl(-1)), 0), 0.5);
    cr_assert_eq(dat(CALL(M, "exp", vdbl(0)), 0), 1.0);
    cr_assert_eq(dat(CALL(M, "ln", vdbl(1)), 0), 0.0);
    cr_assert(isnull(CALL(M, "ln", vdbl(0)), 0));
    cr_assert(isnull(CALL(M, "log10", vdbl(-1)), 0));
    cr_assert_eq(dat(CALL(M, "log10", vdbl(100)), 0), 2.0);
    cr_assert_eq(dat(CALL(M, "log2", vdbl(8)), 0), 3.0);
    cr_assert_eq(dat(CALL(M, "log", vdbl(10), vdbl(100)), 0), 2.0);
    cr_assert_eq(dat(CALL(M, "log", vdbl(M_E)), 0), 1.0);
    cr_assert(isnull(CALL(M, "log", vdbl(-2), vdbl(8)), 0));
    cr_assert_eq(dat(CALL(M, "sign", vdbl(-5)), 0), -1.0);
    cr_assert_eq(dat(CALL(M, "signum", vdbl(0)), 0), 0.0);
    cr_assert_eq(dat(CALL(M, "degrees", vdbl(M_PI)), 0), 180.0);
    cr_assert_eq(dat(CALL(M, "radians", vdbl(180)), 0), M_PI);
    cr_assert_eq(dat(CALL(M, "atan2", vdbl(0), vdbl(1)), 0), 0.0);
    cr_assert_eq(dat(CALL(M, "cos", vdbl(0)), 0), 1.0);
    cr_assert(isnan(dat(CALL(M, "asin", vdbl(2)), 0)));
    cr_assert_eq(dat(CALL0(M, "pi"), 0), M_PI);
    cr_assert_eq(dat(CALL0(M, "e"), 0), M_E);
}

Test(fn_lib, double_functions_propagate_nulls_and_ask_for_casts)
{
    st_error err;
    vec_builder *b = vec_builder_new(&t_f64);
    cr_assert_eq(vec_builder_append_f64(b, 9, &err), ST_OK);
    cr_assert_eq(vec_builder_append_null(b, &err), ST_OK);
    cr_assert_eq(vec_builder_append_f64(b, 16, &err), ST_OK);
    vec *r = CALL(M, "sqrt", finish(b));
    cr_assert_eq(dat(r, 0), 3.0);
    cr_assert(isnull(r, 1));
    cr_assert_eq(dat(r, 2), 4.0);
    cr_assert_eq(r->null_count, 1);

    fn_bound fb;
    fn_arg_info ai = {.type = &t_i32};
    cr_assert_eq(find_def(M, "sqrt")->resolve("sqrt", &ai, 1, A, &fb, &err), ST_OK);
    cr_assert_eq(fb.cast_to[0].id, VEC_DOUBLE);
    fn_arg_info bad = {.type = &t_date};
    cr_assert_eq(find_def(M, "sqrt")->resolve("sqrt", &bad, 1, A, &fb, &err), ST_ERR_BIND);
    cr_assert(strstr(err.msg, "sqrt(date)") != NULL, "%s", err.msg);
}

Test(fn_lib, abs_mod_pmod)
{
    cr_assert_eq(iat(CALL(M, "abs", vint(-5)), 0), 5);
    cr_assert_eq(iat(CALL(M, "abs", vint(INT32_MIN)), 0), INT32_MIN);   /* wraps as Java */
    cr_assert(decat(CALL(M, "abs", vdec(-125, 5, 2)), 0) == 125);
    cr_assert_eq(dat(CALL(M, "abs", vdbl(-0.5)), 0), 0.5);
    cr_assert_eq(iat(CALL(M, "mod", vint(-7), vint(3)), 0), -1);
    cr_assert_eq(iat(CALL(M, "pmod", vint(-7), vint(3)), 0), 2);
    cr_assert_eq(iat(CALL(M, "pmod", vint(7), vint(-3)), 0), 1);
    cr_assert(isnull(CALL(M, "mod", vint(7), vint(0)), 0));
    cr_assert_eq(dat(CALL(M, "pmod", vdbl(-7.5), vdbl(2)), 0), 0.5);
    cr_assert_eq(iat(CALL(M, "mod", vlong(10), vlong(4)), 0), 2);

    fn_context ansi = CTX;
    ansi.ansi = true;
    fn_bound fb;
    st_error err;
    fn_arg_info ai = {.type = &t_i32};
    cr_assert_eq(find_def(M, "abs")->resolve("abs", &ai, 1, A, &fb, &err), ST_OK);
    const vec *args[1] = {vint(INT32_MIN)};
    vec *out;
    cr_assert_eq(fb.kernel(&fb, &ansi, args, 1, A, &out, &err), ST_ERR_ARGUMENT);
}

Test(fn_lib, rand_in_unit_interval_and_not_deterministic)
{
    vec *r = CALL0(M, "rand");
    cr_assert(dat(r, 0) >= 0 && dat(r, 0) < 1);
    fn_bound fb;
    st_error err;
    cr_assert_eq(find_def(M, "random")->resolve("random", NULL, 0, A, &fb, &err), ST_OK);
    cr_assert(!fb.deterministic);
    vec *o1, *o2;
    cr_assert_eq(fb.kernel(&fb, &CTX, NULL, 100, A, &o1, &err), ST_OK);
    cr_assert_eq(fb.kernel(&fb, &CTX, NULL, 100, A, &o2, &err), ST_OK);
    int same = 0;
    for (int i = 0; i < 100; i++) {
        cr_assert(dat(o1, i) >= 0 && dat(o1, i) < 1);
        same += dat(o1, i) == dat(o2, i);
    }
    cr_assert_lt(same, 5);
}

/* ---- strings ---------------------------------------------------------- */

Test(fn_lib, concat_and_concat_ws)
{
    STR_EQ(CALL(S, "concat", vstr("Spark"), vstr("SQL")), "SparkSQL");
    cr_assert(isnull(CALL(S, "concat", vstr("a"), vstr(NULL)), 0));
    STR_EQ(CALL(S, "concat_ws", vstr(" "), vstr("Spark"), vstr("SQL")), "Spark SQL");
    STR_EQ(CALL(S, "concat_ws", vstr(","), vstr("a"), vstr(NULL), vstr("b")), "a,b");
    STR_EQ(CALL(S, "concat_ws", vstr(","), vstr(NULL)), "");
    cr_assert(isnull(CALL(S, "concat_ws", vstr(NULL), vstr("a")), 0));
    const char *rows[3] = {"x", NULL, "z"};
    vec *r = CALL(S, "concat", vstrs(3, rows), vstr("!"));
    cr_assert_str_eq(sat(r, 0), "x!");
    cr_assert(isnull(r, 1));
    cr_assert_str_eq(sat(r, 2), "z!");
}

Test(fn_lib, substring_left_right)
{
    STR_EQ(CALL(S, "substring", vstr("Spark SQL"), vint(5)), "k SQL");
    STR_EQ(CALL(S, "substring", vstr("Spark SQL"), vint(-3)), "SQL");
    STR_EQ(CALL(S, "substring", vstr("Spark SQL"), vint(5), vint(1)), "k");
    STR_EQ(CALL(S, "substr", vstr("Spark SQL"), vint(0), vint(2)), "Sp");
    STR_EQ(CALL(S, "substr", vstr("abc"), vint(-5), vint(3)), "a");
    STR_EQ(CALL(S, "substr", vstr("abc"), vint(2), vint(-1)), "");
    STR_EQ(CALL(S, "substr", vstr("héllo wörld"), vint(2), vint(4)), "éllo");
    STR_EQ(CALL(S, "left", vstr("Spark SQL"), vint(3)), "Spa");
    STR_EQ(CALL(S, "right", vstr("Spark SQL"), vint(3)), "SQL");
    STR_EQ(CALL(S, "right", vstr("ab"), vint(5)), "ab");
    STR_EQ(CALL(S, "left", vstr("ab"), vint(-1)), "");
    cr_assert(isnull(CALL(S, "substr", vstr("abc"), vnull_int()), 0));
}

Test(fn_lib, case_mapping_unicode)
{
    STR_EQ(CALL(S, "upper", vstr("SparkSql")), "SPARKSQL");
    STR_EQ(CALL(S, "ucase", vstr("straße")), "STRASSE");
    STR_EQ(CALL(S, "lower", vstr("ÀÉÎ ΣΑΣ")), "àéî σασ");
    STR_EQ(CALL(S, "lcase", vstr("ABC")), "abc");
    STR_EQ(CALL(S, "initcap", vstr("sPark sql")), "Spark Sql");
    STR_EQ(CALL(S, "initcap", vstr("élan vital")), "Élan Vital");
    cr_assert(isnull(CALL(S, "upper", vstr(NULL)), 0));
}

Test(fn_lib, trims)
{
    STR_EQ(CALL(S, "trim", vstr("    SparkSQL   ")), "SparkSQL");
    STR_EQ(CALL(S, "ltrim", vstr("    SparkSQL   ")), "SparkSQL   ");
    STR_EQ(CALL(S, "rtrim", vstr("    SparkSQL   ")), "    SparkSQL");
    STR_EQ(CALL(S, "trim", vstr("\tx ")), "\tx");   /* only spaces by default */
    /* TRIM(BOTH 'SL' FROM 'SSparkSQLS') = trim('SL', 'SSparkSQLS') */
    STR_EQ(CALL(S, "trim", vstr("SL"), vstr("SSparkSQLS")), "parkSQ");
    STR_EQ(CALL(S, "ltrim", vstr("SL"), vstr("SSparkSQLS")), "parkSQLS");
    STR_EQ(CALL(S, "rtrim", vstr("SL"), vstr("SSparkSQLS")), "SSparkSQ");
    STR_EQ(CALL(S, "btrim", vstr("SSparkSQLS"), vstr("SL")), "parkSQ");
    STR_EQ(CALL(S, "trim", vstr("é"), vstr("éaé")), "a");
}

Test(fn_lib, lengths)
{
    cr_assert_eq(iat(CALL(S, "length", vstr("Spark SQL ")), 0), 10);
    cr_assert_eq(iat(CALL(S, "char_length", vstr("\xF0\x9F\x98\x80")), 0), 1);   /* emoji */
    cr_assert_eq(iat(CALL(S, "character_length", vstr("héllo")), 0), 5);
    cr_assert_eq(iat(CALL(S, "octet_length", vstr("\xF0\x9F\x98\x80")), 0), 4);
    cr_assert_eq(iat(CALL(S, "length", vbin("ab\xC3")), 0), 3);
    cr_assert(isnull(CALL(S, "length", vstr(NULL)), 0));
}

Test(fn_lib, replace_translate_repeat_reverse)
{
    STR_EQ(CALL(S, "replace", vstr("ABCabc"), vstr("abc"), vstr("DEF")), "ABCDEF");
    STR_EQ(CALL(S, "replace", vstr("aaa"), vstr("a")), "");
    STR_EQ(CALL(S, "replace", vstr("abc"), vstr(""), vstr("x")), "abc");
    STR_EQ(CALL(S, "translate", vstr("AaBbCc"), vstr("abc"), vstr("123")), "A1B2C3");
    STR_EQ(CALL(S, "translate", vstr("abcd"), vstr("bd"), vstr("x")), "axc");
    STR_EQ(CALL(S, "repeat", vstr("123"), vint(2)), "123123");
    STR_EQ(CALL(S, "repeat", vstr("x"), vint(-1)), "");
    STR_EQ(CALL(S, "reverse", vstr("Spark SQL")), "LQS krapS");
    STR_EQ(CALL(S, "reverse", vstr("añb\xF0\x9F\x98\x80")), "\xF0\x9F\x98\x80" "bña");
}

Test(fn_lib, pads)
{
    STR_EQ(CALL(S, "lpad", vstr("hi"), vint(5), vstr("??")), "???hi");
    STR_EQ(CALL(S, "lpad", vstr("hi"), vint(1), vstr("??")), "h");
    STR_EQ(CALL(S, "lpad", vstr("hi"), vint(5)), "   hi");
    STR_EQ(CALL(S, "rpad", vstr("hi"), vint(5), vstr("??")), "hi???");
    STR_EQ(CALL(S, "rpad", vstr("hi"), vint(1), vstr("??")), "h");
    STR_EQ(CALL(S, "lpad", vstr("hi"), vint(5), vstr("")), "hi");
    STR_EQ(CALL(S, "lpad", vstr("hi"), vint(-1), vstr("x")), "");
    STR_EQ(CALL(S, "rpad", vstr("é"), vint(3), vstr("ü")), "éüü");
}

Test(fn_lib, searches)
{
    cr_assert_eq(iat(CALL(S, "instr", vstr("SparkSQL"), vstr("SQL")), 0), 6);
    cr_assert_eq(iat(CALL(S, "instr", vstr("SparkSQL"), vstr("x")), 0), 0);
    cr_assert_eq(iat(CALL(S, "instr", vstr("éaé"), vstr("é")), 0), 1);
    cr_assert_eq(iat(CALL(S, "locate", vstr("bar"), vstr("foobarbar")), 0), 4);
    cr_assert_eq(iat(CALL(S, "locate", vstr("bar"), vstr("foobarbar"), vint(5)), 0), 7);
    cr_assert_eq(iat(CALL(S, "locate", vstr("bar"), vstr("foobarbar"), vint(0)), 0), 0);
    cr_assert_eq(iat(CALL(S, "position", vstr("b"), vstr("ééb")), 0), 3);
    cr_assert_eq(iat(CALL(S, "locate", vstr(""), vstr("abc"), vint(3)), 0), 1);
    cr_assert_eq(iat(CALL(S, "locate", vstr("c"), vstr("abc"), vint(9)), 0), 0);
    cr_assert_eq(iat(CALL(S, "startswith", vstr("Spark SQL"), vstr("Spark")), 0), 1);
    cr_assert_eq(iat(CALL(S, "startswith", vstr("Spark SQL"), vstr("SQL")), 0), 0);
    cr_assert_eq(iat(CALL(S, "endswith", vstr("Spark SQL"), vstr("SQL")), 0), 1);
    cr_assert_eq(iat(CALL(S, "contains", vstr("Spark SQL"), vstr("k S")), 0), 1);
    cr_assert(isnull(CALL(S, "contains", vstr(NULL), vstr("k")), 0));
    cr_assert_eq(iat(CALL(S, "ascii", vstr("222")), 0), 50);
    cr_assert_eq(iat(CALL(S, "ascii", vstr("")), 0), 0);
    STR_EQ(CALL(S, "chr", vlong(65)), "A");
    STR_EQ(CALL(S, "chr", vlong(321)), "A");   /* n mod 256 */
    STR_EQ(CALL(S, "chr", vlong(-1)), "");
}

Test(fn_lib, like_and_ilike)
{
    cr_assert_eq(iat(CALL(S, "like", vstr("Spark"), vstr("_park")), 0), 1);
    cr_assert_eq(iat(CALL(S, "like", vstr("Spark"), vstr("S%k")), 0), 1);
    cr_assert_eq(iat(CALL(S, "like", vstr("Spark"), vstr("s%")), 0), 0);
    cr_assert_eq(iat(CALL(S, "like", vstr("ab"), vstr("%%%b")), 0), 1);
    cr_assert_eq(iat(CALL(S, "like", vstr("a_c"), vstr("a\\_c")), 0), 1);
    cr_assert_eq(iat(CALL(S, "like", vstr("abc"), vstr("a\\_c")), 0), 0);
    cr_assert_eq(iat(CALL(S, "like", vstr("%SystemDrive%\\Users\\John"),
                          vstr("\\%SystemDrive\\%\\\\Users%")), 0), 1);
    cr_assert_eq(iat(CALL(S, "like", vstr("a%c"), vstr("a/%c"), vstr("/")), 0), 1);
    cr_assert_eq(iat(CALL(S, "like", vstr("é"), vstr("_")), 0), 1);
    cr_assert_eq(iat(CALL(S, "ilike", vstr("Spark"), vstr("_PARK")), 0), 1);
    cr_assert_eq(iat(CALL(S, "ilike", vstr("ÉCOLE"), vstr("éc%")), 0), 1);
    fn_bound fb;
    vec *out;
    st_error err;
    cr_assert_eq(try_call(S, "like", 2, (vec *[]){vstr("a"), vstr("a\\")}, &fb, &out, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_eq(try_call(S, "like", 2, (vec *[]){vstr("ab"), vstr("a\\b")}, &fb, &out, &err),
                 ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "'a\\b'") != NULL, "%s", err.msg);
}

Test(fn_lib, regex_functions)
{
    STR_EQ(CALL(S, "regexp_extract", vstr("100-200"), vstr("(\\d+)-(\\d+)"), vint(1)), "100");
    STR_EQ(CALL(S, "regexp_extract", vstr("100-200"), vstr("(\\d+)-(\\d+)"), vint(2)), "200");
    STR_EQ(CALL(S, "regexp_extract", vstr("100-200"), vstr("(\\d+)-(\\d+)"), vint(0)), "100-200");
    STR_EQ(CALL(S, "regexp_extract", vstr("abc"), vstr("(\\d+)")), "");
    STR_EQ(CALL(S, "regexp_replace", vstr("100-200"), vstr("(\\d+)"), vstr("num")), "num-num");
    STR_EQ(CALL(S, "regexp_replace", vstr("2024-01-31"), vstr("(\\d+)-(\\d+)-(\\d+)"),
                vstr("$3/$2/$1")), "31/01/2024");
    STR_EQ(CALL(S, "regexp_replace", vstr("a.b"), vstr("\\."), vstr("\\$")), "a$b");
    STR_EQ(CALL(S, "regexp_replace", vstr("abc"), vstr("x*"), vstr("-")), "-a-b-c-");
    STR_EQ(CALL(S, "regexp_replace", vstr("John Smith"), vstr("(?<first>\\w+) (?<last>\\w+)"),
                vstr("${last}, ${first}")), "Smith, John");
    cr_assert_eq(iat(CALL(S, "rlike", vstr("%SystemDrive%\\Users\\John"),
                          vstr("%SystemDrive%\\\\Users.*")), 0), 1);
    cr_assert_eq(iat(CALL(S, "regexp", vstr("abc"), vstr("^b")), 0), 0);
    cr_assert_eq(iat(CALL(S, "regexp_like", vstr("ñandú"), vstr("^.and.$")), 0), 1);

    /* per-row (non-constant) patterns */
    const char *subj[3] = {"a1", "b", "c3"}, *pats[3] = {"\\d", "\\d", "c"};
    vec *r = CALL(S, "rlike", vstrs(3, subj), vstrs(3, pats));
    cr_assert_eq(iat(r, 0), 1);
    cr_assert_eq(iat(r, 1), 0);
    cr_assert_eq(iat(r, 2), 1);

    fn_bound fb;
    vec *out;
    st_error err;
    cr_assert_eq(try_call(S, "rlike", 2, (vec *[]){vstr("a"), vstr("(ab")}, &fb, &out, &err),
                 ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "'(ab'") != NULL && strstr(err.msg, "missing") != NULL, "%s", err.msg);
    vec *two_rows = vstrs(2, subj);
    const char *bad[2] = {"a", "[z"};
    cr_assert_eq(try_call(S, "rlike", 2, (vec *[]){two_rows, vstrs(2, bad)}, &fb, &out, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_eq(try_call(S, "regexp_extract", 3, (vec *[]){vstr("a"), vstr("(a)"), vint(2)},
                          &fb, &out, &err), ST_ERR_ARGUMENT);
}

Test(fn_lib, split_to_arrays)
{
    vec *r = CALL(S, "split", vstr("oneAtwoBthreeC"), vstr("[ABC]"));
    cr_assert_eq(r->type->id, VEC_LIST);
    const int32_t *o = vec_offsets(r);
    cr_assert_eq(o[1] - o[0], 4);
    cr_assert_str_eq(sat(r->children[0], 0), "one");
    cr_assert_str_eq(sat(r->children[0], 1), "two");
    cr_assert_str_eq(sat(r->children[0], 2), "three");
    cr_assert_str_eq(sat(r->children[0], 3), "");
    r = CALL(S, "split", vstr("oneAtwoBthreeC"), vstr("[ABC]"), vint(2));
    o = vec_offsets(r);
    cr_assert_eq(o[1] - o[0], 2);
    cr_assert_str_eq(sat(r->children[0], 1), "twoBthreeC");
    r = CALL(S, "split", vstr("abc"), vstr(""));
    cr_assert_eq(vec_offsets(r)[1], 3);
    cr_assert_str_eq(sat(r->children[0], 2), "c");
    r = CALL(S, "split", vstr(NULL), vstr(","));
    cr_assert(isnull(r, 0));
}

Test(fn_lib, format_number_basic)
{
    STR_EQ(CALL(S, "format_number", vdbl(12332.123456), vint(4)), "12,332.1235");
    STR_EQ(CALL(S, "format_number", vdbl(-1234567), vint(0)), "-1,234,567");
    STR_EQ(CALL(S, "format_number", vdbl(12.5), vint(1)), "12.5");
    cr_assert(isnull(CALL(S, "format_number", vdbl(1), vint(-1)), 0));
}

Test(fn_lib, string_resolve_casts_and_errors)
{
    fn_bound fb;
    st_error err;
    fn_arg_info ai[2] = {{.type = &t_i32}, {.type = &t_i64}};
    cr_assert_eq(find_def(S, "upper")->resolve("upper", ai, 1, A, &fb, &err), ST_OK);
    cr_assert_eq(fb.cast_to[0].id, VEC_STRING);
    fn_arg_info sub[2] = {{.type = &t_str}, {.type = &t_i64}};
    cr_assert_eq(find_def(S, "substr")->resolve("substr", sub, 2, A, &fb, &err), ST_OK);
    cr_assert_eq(fb.cast_to[0].id, VEC_NULL);
    cr_assert_eq(fb.cast_to[1].id, VEC_INT32);
    fn_arg_info lst[1] = {{.type = &vlist_ints(1, (int[]){1})->type[0]}};
    cr_assert_eq(find_def(S, "lower")->resolve("lower", lst, 1, A, &fb, &err), ST_ERR_BIND);
    cr_assert(strstr(err.msg, "function lower(array<int>) does not exist") != NULL, "%s", err.msg);
}

/* ---- dates ------------------------------------------------------------- */

Test(fn_lib, date_arithmetic)
{
    cr_assert_eq(iat(CALL(D, "date_add", vdate(2016, 7, 30), vint(1)), 0), days(2016, 7, 31));
    cr_assert_eq(iat(CALL(D, "date_sub", vdate(2016, 3, 1), vint(1)), 0), days(2016, 2, 29));
    cr_assert_eq(iat(CALL(D, "date_add", vts(2016, 7, 30, 23, 59, 0), vint(1)), 0),
                 days(2016, 7, 31));
    cr_assert_eq(iat(CALL(D, "datediff", vdate(2009, 7, 31), vdate(2009, 7, 30)), 0), 1);
    cr_assert_eq(iat(CALL(D, "datediff", vdate(2009, 7, 30), vdate(2009, 7, 31)), 0), -1);
    cr_assert_eq(iat(CALL(D, "add_months", vdate(2024, 1, 31), vint(1)), 0), days(2024, 2, 29));
    cr_assert_eq(iat(CALL(D, "add_months", vdate(2023, 1, 31), vint(1)), 0), days(2023, 2, 28));
    cr_assert_eq(iat(CALL(D, "add_months", vdate(2016, 8, 31), vint(1)), 0), days(2016, 9, 30));
    cr_assert_eq(iat(CALL(D, "add_months", vdate(2016, 1, 15), vint(-13)), 0), days(2014, 12, 15));
    cr_assert_eq(iat(CALL(D, "add_months", vdate(2000, 2, 29), vint(12)), 0), days(2001, 2, 28));
    cr_assert(isnull(CALL(D, "date_add", vdate(2016, 7, 30), vnull_int()), 0));
}

Test(fn_lib, months_between_spark_values)
{
    vec *r = CALL(D, "months_between", vts(1997, 2, 28, 10, 30, 0), vts(1996, 10, 30, 0, 0, 0));
    cr_assert_eq(dat(r, 0), 3.94959677);
    r = CALL(D, "months_between", vts(1997, 2, 28, 10, 30, 0), vts(1996, 10, 30, 0, 0, 0),
             vbool(false));
    cr_assert_float_eq(dat(r, 0), 3.9495967741935485, 1e-15);
    /* both last days of their months: whole months */
    cr_assert_eq(dat(CALL(D, "months_between", vdate(2024, 2, 29), vdate(2024, 1, 31)), 0), 1.0);
    cr_assert_eq(dat(CALL(D, "months_between", vdate(2024, 3, 15), vdate(2024, 1, 15)), 0), 2.0);
    cr_assert_eq(dat(CALL(D, "months_between", vdate(2024, 1, 1), vdate(2024, 1, 2)), 0),
                 -0.03225806);
}

Test(fn_lib, truncation)
{
    cr_assert_eq(iat(CALL(D, "trunc", vdate(2019, 8, 4), vstr("week")), 0), days(2019, 7, 29));
    cr_assert_eq(iat(CALL(D, "trunc", vdate(2019, 8, 4), vstr("quarter")), 0), days(2019, 7, 1));
    cr_assert_eq(iat(CALL(D, "trunc", vdate(2009, 2, 12), vstr("MM")), 0), days(2009, 2, 1));
    cr_assert_eq(iat(CALL(D, "trunc", vdate(2015, 10, 27), vstr("YEAR")), 0), days(2015, 1, 1));
    cr_assert(isnull(CALL(D, "trunc", vdate(2015, 10, 27), vstr("hour")), 0));
    vec *ts = vint_t(&t_ts, micros(2015, 3, 5, 9, 32, 5) + 359000, false);
    cr_assert_eq(iat(CALL(D, "date_trunc", vstr("YEAR"), ts), 0), micros(2015, 1, 1, 0, 0, 0));
    cr_assert_eq(iat(CALL(D, "date_trunc", vstr("MM"), ts), 0), micros(2015, 3, 1, 0, 0, 0));
    cr_assert_eq(iat(CALL(D, "date_trunc", vstr("DD"), ts), 0), micros(2015, 3, 5, 0, 0, 0));
    cr_assert_eq(iat(CALL(D, "date_trunc", vstr("HOUR"), ts), 0), micros(2015, 3, 5, 9, 0, 0));
    cr_assert_eq(iat(CALL(D, "date_trunc", vstr("minute"), ts), 0), micros(2015, 3, 5, 9, 32, 0));
    cr_assert_eq(iat(CALL(D, "date_trunc", vstr("second"), ts), 0), micros(2015, 3, 5, 9, 32, 5));
    cr_assert_eq(iat(CALL(D, "date_trunc", vstr("week"), ts), 0), micros(2015, 3, 2, 0, 0, 0));
    cr_assert_eq(iat(CALL(D, "date_trunc", vstr("quarter"), ts), 0), micros(2015, 1, 1, 0, 0, 0));
    vec *old = vts(1969, 12, 31, 23, 30, 0);   /* before the epoch: floor, not toward zero */
    cr_assert_eq(iat(CALL(D, "date_trunc", vstr("hour"), old), 0), micros(1969, 12, 31, 23, 0, 0));
    cr_assert(isnull(CALL(D, "date_trunc", vstr("fortnight"), ts), 0));
}

Test(fn_lib, date_format_patterns)
{
    vec *ts = vint_t(&t_ts, micros(2016, 4, 8, 15, 4, 5) + 123456, false);
    STR_EQ(CALL(D, "date_format", ts, vstr("y")), "2016");
    STR_EQ(CALL(D, "date_format", ts, vstr("yyyy-MM-dd HH:mm:ss.SSS")), "2016-04-08 15:04:05.123");
    STR_EQ(CALL(D, "date_format", ts, vstr("yy/M/d h:m a")), "16/4/8 3:4 PM");
    STR_EQ(CALL(D, "date_format", ts, vstr("MMM MMMM E EEEE")), "Apr April Fri Friday");
    STR_EQ(CALL(D, "date_format", ts, vstr("'at' hh 'o''clock'")), "at 03 o'clock");
    STR_EQ(CALL(D, "date_format", vdate(2024, 1, 1), vstr("dd.MM.yyyy HH")), "01.01.2024 00");
    STR_EQ(CALL(D, "date_format", vts(2024, 1, 1, 0, 0, 0), vstr("hh a")), "12 AM");
}

Test(fn_lib, parsing_dates_and_timestamps)
{
    cr_assert_eq(iat(CALL(D, "to_date", vstr("2009-07-30 04:17:52")), 0), days(2009, 7, 30));
    cr_assert_eq(iat(CALL(D, "to_date", vstr("2016-12-31"), vstr("yyyy-MM-dd")), 0),
                 days(2016, 12, 31));
    cr_assert_eq(iat(CALL(D, "to_date", vstr("31/12/2016"), vstr("dd/MM/yyyy")), 0),
                 days(2016, 12, 31));
    cr_assert(isnull(CALL(D, "to_date", vstr("2016-02-30")), 0));
    cr_assert(isnull(CALL(D, "to_date", vstr("nope")), 0));
    cr_assert(isnull(CALL(D, "to_date", vstr("2016-12-31"), vstr("dd/MM/yyyy")), 0));
    cr_assert_eq(iat(CALL(D, "to_timestamp", vstr("2016-12-31 00:12:00")), 0),
                 micros(2016, 12, 31, 0, 12, 0));
    cr_assert_eq(iat(CALL(D, "to_timestamp", vstr("2016-12-31T00:12:00.5Z")), 0),
                 micros(2016, 12, 31, 0, 12, 0) + 500000);
    cr_assert_eq(iat(CALL(D, "to_timestamp", vstr("2016-12-31 02:12:00+02:00")), 0),
                 micros(2016, 12, 31, 0, 12, 0));
    cr_assert_eq(iat(CALL(D, "to_timestamp", vstr("12/31/2016 01:02 PM"),
                          vstr("MM/dd/yyyy hh:mm a")), 0), micros(2016, 12, 31, 13, 2, 0));
    cr_assert_eq(iat(CALL(D, "to_timestamp", vstr("Dec 31 2016"), vstr("MMM dd yyyy")), 0),
                 micros(2016, 12, 31, 0, 0, 0));
    cr_assert_eq(iat(CALL(D, "unix_timestamp", vstr("2016-04-08"), vstr("yyyy-MM-dd")), 0),
                 1460073600);
    cr_assert_eq(iat(CALL(D, "unix_timestamp", vstr("1970-01-01 00:01:00")), 0), 60);
    cr_assert_eq(iat(CALL0(D, "unix_timestamp"), 0), 1700000000);
    STR_EQ(CALL(D, "from_unixtime", vlong(0), vstr("yyyy-MM-dd HH:mm:ss")), "1970-01-01 00:00:00");
    STR_EQ(CALL(D, "from_unixtime", vlong(1460073600)), "2016-04-08 00:00:00");
    STR_EQ(CALL(D, "from_unixtime", vlong(-1)), "1969-12-31 23:59:59");

    fn_context ansi = CTX;
    ansi.ansi = true;
    fn_bound fb;
    st_error err;
    fn_arg_info ai = {.type = &t_str};
    cr_assert_eq(find_def(D, "to_date")->resolve("to_date", &ai, 1, A, &fb, &err), ST_OK);
    const vec *args[1] = {vstr("garbage")};
    vec *out;
    cr_assert_eq(fb.kernel(&fb, &ansi, args, 1, A, &out, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "'garbage'") != NULL, "%s", err.msg);
}

Test(fn_lib, current_date_and_time)
{
    cr_assert_eq(iat(CALL0(D, "current_timestamp"), 0), CTX.now_micros);
    cr_assert_eq(iat(CALL0(D, "now"), 0), CTX.now_micros);
    cr_assert_eq(iat(CALL0(D, "current_date"), 0), days(2023, 11, 14));
}

Test(fn_lib, date_fields)
{
    vec *ts = vts(2009, 7, 30, 12, 58, 59);
    cr_assert_eq(iat(CALL(D, "year", ts), 0), 2009);
    cr_assert_eq(iat(CALL(D, "quarter", ts), 0), 3);
    cr_assert_eq(iat(CALL(D, "month", ts), 0), 7);
    cr_assert_eq(iat(CALL(D, "day", ts), 0), 30);
    cr_assert_eq(iat(CALL(D, "dayofmonth", vdate(2009, 7, 30)), 0), 30);
    cr_assert_eq(iat(CALL(D, "dayofweek", vdate(2009, 7, 30)), 0), 5);   /* Thursday */
    cr_assert_eq(iat(CALL(D, "dayofweek", vdate(2024, 3, 3)), 0), 1);    /* Sunday */
    cr_assert_eq(iat(CALL(D, "dayofyear", vdate(2016, 4, 9)), 0), 100);
    cr_assert_eq(iat(CALL(D, "dayofyear", vdate(2024, 12, 31)), 0), 366);
    cr_assert_eq(iat(CALL(D, "weekofyear", vdate(2008, 2, 20)), 0), 8);
    cr_assert_eq(iat(CALL(D, "weekofyear", vdate(2021, 1, 1)), 0), 53);  /* ISO: week of 2020 */
    cr_assert_eq(iat(CALL(D, "weekofyear", vdate(2024, 12, 30)), 0), 1);
    cr_assert_eq(iat(CALL(D, "hour", ts), 0), 12);
    cr_assert_eq(iat(CALL(D, "minute", ts), 0), 58);
    cr_assert_eq(iat(CALL(D, "second", ts), 0), 59);
    cr_assert_eq(iat(CALL(D, "hour", vts(1969, 12, 31, 23, 0, 0)), 0), 23);
    cr_assert_eq(iat(CALL(D, "year", vdate(1969, 12, 31)), 0), 1969);
}

Test(fn_lib, last_next_make)
{
    cr_assert_eq(iat(CALL(D, "last_day", vdate(2009, 1, 12)), 0), days(2009, 1, 31));
    cr_assert_eq(iat(CALL(D, "last_day", vdate(2024, 2, 1)), 0), days(2024, 2, 29));
    cr_assert_eq(iat(CALL(D, "last_day", vdate(1900, 2, 1)), 0), days(1900, 2, 28));
    cr_assert_eq(iat(CALL(D, "next_day", vdate(2015, 1, 14), vstr("TU")), 0), days(2015, 1, 20));
    cr_assert_eq(iat(CALL(D, "next_day", vdate(2015, 1, 14), vstr("wednesday")), 0),
                 days(2015, 1, 21));
    cr_assert(isnull(CALL(D, "next_day", vdate(2015, 1, 14), vstr("xx")), 0));
    cr_assert_eq(iat(CALL(D, "make_date", vint(2013), vint(7), vint(15)), 0), days(2013, 7, 15));
    cr_assert_eq(iat(CALL(D, "make_date", vint(2024), vint(2), vint(29)), 0), days(2024, 2, 29));
    cr_assert(isnull(CALL(D, "make_date", vint(2019), vint(2), vint(29)), 0));
    cr_assert(isnull(CALL(D, "make_date", vint(2019), vint(7), vnull_int()), 0));
}

/* ---- hashes ------------------------------------------------------------ */

Test(fn_lib, digests)
{
    STR_EQ(CALL(H, "md5", vstr("Spark")), "8cde774d6f7333752ed72cacddb05126");
    STR_EQ(CALL(H, "md5", vbin("Spark")), "8cde774d6f7333752ed72cacddb05126");
    STR_EQ(CALL(H, "sha1", vstr("Spark")), "85f5955f4b27a9a4c2aab6ffe5d7189fc298b92c");
    STR_EQ(CALL(H, "sha", vstr("Spark")), "85f5955f4b27a9a4c2aab6ffe5d7189fc298b92c");
    STR_EQ(CALL(H, "sha2", vstr("Spark"), vint(256)),
           "529bc3b07127ecb7e53a4dcf1991d9152c24537d919178022b2c42657f79a26b");
    STR_EQ(CALL(H, "sha2", vstr("Spark"), vint(0)),
           "529bc3b07127ecb7e53a4dcf1991d9152c24537d919178022b2c42657f79a26b");
    STR_EQ(CALL(H, "sha2", vstr(""), vint(224)),
           "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f");
    cr_assert_eq(strlen(sat(CALL(H, "sha2", vstr("x"), vint(512)), 0)), 128);
    cr_assert_eq(strlen(sat(CALL(H, "sha2", vstr("x"), vint(384)), 0)), 96);
    cr_assert(isnull(CALL(H, "sha2", vstr("Spark"), vint(100)), 0));
    cr_assert(isnull(CALL(H, "md5", vstr(NULL)), 0));
    cr_assert_eq(iat(CALL(H, "crc32", vstr("Spark")), 0), 1557323817);
    fn_bound fb;
    st_error err;
    fn_arg_info ai = {.type = &t_i32};
    cr_assert_eq(find_def(H, "md5")->resolve("md5", &ai, 1, A, &fb, &err), ST_ERR_BIND);
}

Test(fn_lib, murmur3_hash_matches_spark)
{
    cr_assert_eq(iat(CALL(H, "hash", vint(1)), 0), -559580957);
    /* Spark docs: hash('Spark', array(123), 2) = -1321691492 */
    cr_assert_eq(iat(CALL(H, "hash", vstr("Spark"), vlist_ints(1, (int[]){123}), vint(2)), 0),
                 -1321691492);
    /* NULLs are skipped: hash(NULL) is the seed */
    cr_assert_eq(iat(CALL(H, "hash", vstr(NULL)), 0), 42);
    cr_assert_eq(iat(CALL(H, "hash", vint(1), vstr(NULL)), 0), -559580957);
    /* -0.0 and 0.0 hash alike */
    cr_assert_eq(iat(CALL(H, "hash", vdbl(-0.0)), 0), iat(CALL(H, "hash", vdbl(0.0)), 0));
    /* small decimals hash as their unscaled long, like a bigint */
    cr_assert_eq(iat(CALL(H, "hash", vdec(7, 10, 2)), 0), iat(CALL(H, "hash", vlong(7)), 0));
}

Test(fn_lib, xxhash64_matches_spark)
{
    /* Spark docs: xxhash64('Spark', array(123), 2) = 5602566077635097486 */
    cr_assert_eq(iat(CALL(H, "xxhash64", vstr("Spark"), vlist_ints(1, (int[]){123}), vint(2)), 0),
                 INT64_C(5602566077635097486));
    cr_assert_eq(iat(CALL(H, "xxhash64", vstr(NULL)), 0), 42);
    cr_assert_eq(CALL(H, "xxhash64", vint(1))->type->id, VEC_INT64);
}
