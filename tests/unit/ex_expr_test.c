/* ex_expr_test.c -- compiled expressions: columns, constants, calls (with
** argument casts), CAST, three-valued AND / OR / NOT tables, IS NULL, CASE
** with and without ELSE, IN over constants and over columns with SQL NULL
** rules, selection of TRUE rows, and short-circuiting: an ANSI division by
** zero in a branch or term that is not evaluated for a row does not error. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "exec/exec.h"

static const vec_type T_I32 = {.id = VEC_INT32};
static const vec_type T_I64 = {.id = VEC_INT64};
static const vec_type T_DBL = {.id = VEC_DOUBLE};
static const vec_type T_STR = {.id = VEC_STRING};
static const vec_type T_BOOL = {.id = VEC_BOOL};

static lp_ctx *C;
static ex_query *Q;
static ex_thread *T;
static st_arena *A;
static lp_col COLS[4];
static ex_chunk IN;

#define N_ROWS 9
/* x, y: every pair of TRUE/FALSE/NULL (2 = NULL); a, b: ints (b has a 0 and a NULL) */
static const int X[N_ROWS] = {1, 1, 1, 0, 0, 0, 2, 2, 2};
static const int Y[N_ROWS] = {1, 0, 2, 1, 0, 2, 1, 0, 2};
static const int64_t AV[N_ROWS] = {10, 20, 30, 40, 50, 60, 70, 80, INT64_MIN};
static const int64_t BV[N_ROWS] = {2, 0, 5, 0, INT64_MIN, 10, 7, 0, 1};

static vec *tri_vec(const int *v, int n)
{
    vec_builder *b = vec_builder_new(&T_BOOL);
    for (int i = 0; i < n; i++) {
        if (v[i] == 2) vec_builder_append_null(b, NULL);
        else vec_builder_append_bool(b, v[i] == 1, NULL);
    }
    vec *out;
    cr_assert_eq(vec_builder_finish(b, A, &out, NULL), ST_OK);
    vec_builder_free(b);
    return out;
}

static vec *int_vec(const vec_type *t, const int64_t *v, int n)
{
    vec_builder *b = vec_builder_new(t);
    for (int i = 0; i < n; i++) {
        if (v[i] == INT64_MIN) vec_builder_append_null(b, NULL);
        else vec_builder_append_i64(b, v[i], NULL);
    }
    vec *out;
    cr_assert_eq(vec_builder_finish(b, A, &out, NULL), ST_OK);
    vec_builder_free(b);
    return out;
}

static void setup_ansi(bool ansi)
{
    fn_context fc = {ansi, 0, "UTC"};
    C = lp_ctx_new("", &fc);
    Q = ex_query_new(NULL, &fc, C);
    T = ex_thread_new(Q, 0);
    A = st_arena_new(0);
    const char *names[4] = {"x", "y", "a", "b"};
    const vec_type *types[4] = {&T_BOOL, &T_BOOL, &T_I32, &T_I32};
    for (int i = 0; i < 4; i++)
        COLS[i] = (lp_col){.id = 100 + i, .name = names[i], .type = *types[i], .nullable = true};
    IN.n_rows = N_ROWS;
    IN.n_cols = 4;
    IN.cols = st_arena_calloc(A, 4, sizeof(vec *));
    IN.cols[0] = tri_vec(X, N_ROWS);
    IN.cols[1] = tri_vec(Y, N_ROWS);
    IN.cols[2] = int_vec(&T_I32, AV, N_ROWS);
    IN.cols[3] = int_vec(&T_I32, BV, N_ROWS);
}
static void setup(void) { setup_ansi(false); }
static void setup_a(void) { setup_ansi(true); }
static void teardown(void)
{
    ex_thread_free(T);
    ex_query_free(Q);
    lp_ctx_free(C);
    st_arena_free(A);
}

/* ---- building expressions --------------------------------------------------- */

static lp_expr *col(int i) { return lp_expr_col(C, &COLS[i]); }

static lp_expr *cint(int64_t v)
{
    vec_scalar s = {.i64 = v};
    return lp_expr_const(C, &T_I32, &s);
}

static lp_expr *cnull(const vec_type *t) { return lp_expr_const(C, t, NULL); }

static lp_expr *node(lp_expr_kind k, const vec_type *t, int n, lp_expr **args)
{
    lp_expr *e = lp_expr_new(C, k, -1);
    e->type = *t;
    e->n_args = n;
    e->args = st_arena_calloc(C->arena, (size_t)n, sizeof *e->args);
    memcpy(e->args, args, (size_t)n * sizeof *args);
    return e;
}

#define NODE(k, t, ...) node(k, t, (int)(sizeof((lp_expr *[]){__VA_ARGS__}) / sizeof(lp_expr *)), \
                             (lp_expr *[]){__VA_ARGS__})

/* name(args) resolved as the binder would (argument casts left to fn->cast_to). */
static lp_expr *call(const char *name, int n, lp_expr **args)
{
    fn_arg_info info[8] = {{0}};
    for (int i = 0; i < n; i++)
        info[i] = (fn_arg_info){&args[i]->type, args[i]->kind == LP_X_CONST, args[i]->value};
    fn_bound *f = st_arena_calloc(C->arena, 1, sizeof *f);
    st_error err;
    cr_assert_eq(fn_resolve(name, info, n, C->arena, f, &err), ST_OK, "%s", err.msg);
    lp_expr *e = node(LP_X_CALL, &f->ret, n, args);
    e->fn = f;
    return e;
}
#define CALL(name, ...) call(name, (int)(sizeof((lp_expr *[]){__VA_ARGS__}) / sizeof(lp_expr *)), \
                             (lp_expr *[]){__VA_ARGS__})

static st_status run(lp_expr *e, vec **out, st_error *err)
{
    ex_expr *x;
    st_status rc = ex_expr_compile(Q, e, COLS, 4, &x, err);
    if (rc != ST_OK) return rc;
    return ex_expr_eval(x, T, &IN, out, err);
}

static vec *must(lp_expr *e)
{
    vec *v = NULL;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(run(e, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v->len, N_ROWS);
    return v;
}

/* Checks a boolean result against tri-states (2 = NULL). */
static void expect_tri(const vec *v, const int *want)
{
    for (int i = 0; i < N_ROWS; i++) {
        int got = !vec_is_valid(v, i) ? 2 : vec_bit_get(v->values, i);
        cr_assert_eq(got, want[i], "row %d: got %d want %d", i, got, want[i]);
    }
}

static int64_t int_at(const vec *v, int i)
{
    switch (v->type->id) {
    case VEC_INT32: return ((const int32_t *)v->values)[i];
    case VEC_INT64: return ((const int64_t *)v->values)[i];
    default: cr_assert_fail("not an int vector"); return 0;
    }
}

/* ---- tests ------------------------------------------------------------------------ */

TestSuite(ex_expr, .init = setup, .fini = teardown);

Test(ex_expr, column_const_call)
{
    vec *v = must(col(2));
    cr_assert_eq(v, IN.cols[2], "a plain column is passed through");
    v = must(CALL("+", col(2), cint(1)));
    for (int i = 0; i < N_ROWS; i++) {
        if (AV[i] == INT64_MIN) cr_assert(!vec_is_valid(v, i));
        else cr_assert_eq(int_at(v, i), AV[i] + 1);
    }
    v = must(cint(7));
    for (int i = 0; i < N_ROWS; i++) cr_assert_eq(int_at(v, i), 7);
    v = must(cnull(&T_STR));
    cr_assert_eq(v->null_count, N_ROWS);
    /* argument cast through fn->cast_to: int + bigint */
    vec_scalar big = {.i64 = 5000000000LL};
    v = must(CALL("+", col(2), lp_expr_const(C, &T_I64, &big)));
    cr_assert_eq(v->type->id, VEC_INT64);
    cr_assert_eq(int_at(v, 0), 5000000010LL);
}

Test(ex_expr, cast)
{
    lp_expr *e = NODE(LP_X_CAST, &T_STR, col(2));
    vec *v = must(e);
    cr_assert_eq(v->type->id, VEC_STRING);
    const int32_t *o = vec_offsets(v);
    cr_assert_eq(o[1] - o[0], 2);
    cr_assert(memcmp(v->bytes + o[0], "10", 2) == 0);
    cr_assert(!vec_is_valid(v, 8));
}

Test(ex_expr, and_or_not_tables)
{
    /* x AND y, x OR y, NOT x over every pair */
    static const int AND[N_ROWS] = {1, 0, 2, 0, 0, 0, 2, 0, 2};
    static const int OR[N_ROWS] = {1, 1, 1, 1, 0, 2, 1, 2, 2};
    static const int NOT[N_ROWS] = {0, 0, 0, 1, 1, 1, 2, 2, 2};
    expect_tri(must(NODE(LP_X_AND, &T_BOOL, col(0), col(1))), AND);
    expect_tri(must(NODE(LP_X_OR, &T_BOOL, col(0), col(1))), OR);
    expect_tri(must(NODE(LP_X_NOT, &T_BOOL, col(0))), NOT);
    /* three terms: x AND y AND TRUE == x AND y; x OR y OR FALSE == x OR y */
    expect_tri(must(NODE(LP_X_AND, &T_BOOL, col(0), col(1), lp_expr_bool(C, true))), AND);
    expect_tri(must(NODE(LP_X_OR, &T_BOOL, col(0), col(1), lp_expr_bool(C, false))), OR);
    /* NULL literal of type NULL as a term */
    static const vec_type T_NULLT = {.id = VEC_NULL};
    static const int AND_NULL[N_ROWS] = {2, 2, 2, 0, 0, 0, 2, 2, 2};
    expect_tri(must(NODE(LP_X_AND, &T_BOOL, col(0), cnull(&T_NULLT))), AND_NULL);
}

Test(ex_expr, is_null)
{
    static const int ISN[N_ROWS] = {0, 0, 1, 0, 0, 1, 0, 0, 1};
    static const int NOTN[N_ROWS] = {1, 1, 0, 1, 1, 0, 1, 1, 0};
    expect_tri(must(NODE(LP_X_IS_NULL, &T_BOOL, col(1))), ISN);
    lp_expr *e = NODE(LP_X_IS_NULL, &T_BOOL, col(1));
    e->negated = true;
    expect_tri(must(e), NOTN);
}

Test(ex_expr, case_when)
{
    /* CASE WHEN x THEN a WHEN y THEN b ELSE -1 END */
    lp_expr *e = NODE(LP_X_CASE, &T_I32, col(0), col(2), col(1), col(3), cint(-1));
    e->has_else = true;
    vec *v = must(e);
    for (int i = 0; i < N_ROWS; i++) {
        int64_t want = X[i] == 1 ? AV[i] : (Y[i] == 1 ? BV[i] : -1);
        if (want == INT64_MIN) cr_assert(!vec_is_valid(v, i), "row %d", i);
        else cr_assert_eq(int_at(v, i), want, "row %d", i);
    }
    /* no ELSE: rows no WHEN took are NULL; string results */
    vec_scalar s1 = {.bytes = (const uint8_t *)"yes", .n_bytes = 3};
    e = NODE(LP_X_CASE, &T_STR, col(0), lp_expr_const(C, &T_STR, &s1));
    v = must(e);
    for (int i = 0; i < N_ROWS; i++) {
        cr_assert_eq(vec_is_valid(v, i), X[i] == 1, "row %d", i);
        if (X[i] == 1) {
            const int32_t *o = vec_offsets(v);
            cr_assert(o[i + 1] - o[i] == 3 && memcmp(v->bytes + o[i], "yes", 3) == 0);
        }
    }
    /* a WHEN true for every row returns the THEN directly */
    e = NODE(LP_X_CASE, &T_I32, lp_expr_bool(C, true), col(2));
    v = must(e);
    cr_assert_eq(int_at(v, 3), 40);
    /* a WHEN never true and no ELSE: all NULL */
    e = NODE(LP_X_CASE, &T_I32, lp_expr_bool(C, false), col(2));
    cr_assert_eq(must(e)->null_count, N_ROWS);
}

Test(ex_expr, in_lists)
{
    /* a IN (10, 50, 999) */
    lp_expr *e = NODE(LP_X_IN, &T_BOOL, col(2), cint(10), cint(50), cint(999));
    static const int IN1[N_ROWS] = {1, 0, 0, 0, 1, 0, 0, 0, 2};
    expect_tri(must(e), IN1);
    /* a NOT IN (10, NULL): never TRUE */
    e = NODE(LP_X_IN, &T_BOOL, col(2), cint(10), cnull(&T_I32));
    e->negated = true;
    static const int IN2[N_ROWS] = {0, 2, 2, 2, 2, 2, 2, 2, 2};
    expect_tri(must(e), IN2);
    /* a IN (10, NULL): TRUE on a match, else NULL */
    e = NODE(LP_X_IN, &T_BOOL, col(2), cint(10), cnull(&T_I32));
    static const int IN3[N_ROWS] = {1, 2, 2, 2, 2, 2, 2, 2, 2};
    expect_tri(must(e), IN3);
    /* pairwise with a column: b IN (a, 0) */
    e = NODE(LP_X_IN, &T_BOOL, col(3), col(2), cint(0));
    static const int IN4[N_ROWS] = {0, 1, 0, 1, 2, 0, 0, 1, 2};
    expect_tri(must(e), IN4);
    e = NODE(LP_X_IN, &T_BOOL, col(3), col(2), cint(0));
    e->negated = true;
    static const int IN5[N_ROWS] = {1, 0, 1, 0, 2, 1, 1, 0, 2};
    expect_tri(must(e), IN5);
}

Test(ex_expr, in_null_operand)
{
    static const vec_type T_NULLT = {.id = VEC_NULL};
    static const int NUL[N_ROWS] = {2, 2, 2, 2, 2, 2, 2, 2, 2};
    expect_tri(must(NODE(LP_X_IN, &T_BOOL, cnull(&T_NULLT), cnull(&T_NULLT))), NUL);
    expect_tri(must(NODE(LP_X_IN, &T_BOOL, cnull(&T_I32), cint(1), cint(2))), NUL);
}

Test(ex_expr, case_decimal_arms_rescaled)
{
    /* CASE WHEN x THEN 1.5 (decimal(2,1)) ELSE 2.25 (decimal(3,2)) END as decimal(3,2) */
    vec_type d21 = {.id = VEC_DECIMAL, .precision = 2, .scale = 1};
    vec_type d32 = {.id = VEC_DECIMAL, .precision = 3, .scale = 2};
    vec_scalar a = {.i128 = 15}, b = {.i128 = 225};
    lp_expr *e = NODE(LP_X_CASE, &d32, col(0), lp_expr_const(C, &d21, &a), lp_expr_const(C, &d32, &b));
    e->has_else = true;
    vec *v = must(e);
    __int128 x0, x3;
    memcpy(&x0, (uint8_t *)v->values, 16);
    memcpy(&x3, (uint8_t *)v->values + 3 * 16, 16);
    cr_assert(x0 == 150, "1.5 as decimal(3,2) is 150");
    cr_assert(x3 == 225);
}

Test(ex_expr, in_nan_and_strings)
{
    vec_scalar nan = {.f64 = NAN}, one = {.f64 = 1.0};
    lp_expr *e = NODE(LP_X_IN, &T_BOOL, lp_expr_const(C, &T_DBL, &nan),
                      lp_expr_const(C, &T_DBL, &one), lp_expr_const(C, &T_DBL, &nan));
    static const int ALL[N_ROWS] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    expect_tri(must(e), ALL);
    vec_scalar sa = {.bytes = (const uint8_t *)"40", .n_bytes = 2};
    e = NODE(LP_X_IN, &T_BOOL, NODE(LP_X_CAST, &T_STR, col(2)), lp_expr_const(C, &T_STR, &sa));
    static const int S[N_ROWS] = {0, 0, 0, 1, 0, 0, 0, 0, 2};
    expect_tri(must(e), S);
}

Test(ex_expr, select_rows)
{
    ex_expr *x;
    st_error err;
    int32_t sel[N_ROWS];
    int64_t n = -1;
    /* x AND a > 15: rows 1, 2 */
    lp_expr *e = NODE(LP_X_AND, &T_BOOL, col(0), CALL(">", col(2), cint(15)));
    cr_assert_eq(ex_expr_compile(Q, e, COLS, 4, &x, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ex_expr_select(x, T, &IN, sel, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 2);
    cr_assert_eq(sel[0], 1);
    cr_assert_eq(sel[1], 2);
    /* x OR y: TRUE rows only */
    e = NODE(LP_X_OR, &T_BOOL, col(0), col(1));
    cr_assert_eq(ex_expr_compile(Q, e, COLS, 4, &x, &err), ST_OK);
    cr_assert_eq(ex_expr_select(x, T, &IN, sel, &n, &err), ST_OK);
    cr_assert_eq(n, 5);
    int want[] = {0, 1, 2, 3, 6};
    for (int i = 0; i < 5; i++) cr_assert_eq(sel[i], want[i]);
    /* a plain boolean column with NULLs */
    cr_assert_eq(ex_expr_compile(Q, col(1), COLS, 4, &x, &err), ST_OK);
    cr_assert_eq(ex_expr_select(x, T, &IN, sel, &n, &err), ST_OK);
    cr_assert_eq(n, 3);
    cr_assert_eq(sel[2], 6);
}

Test(ex_expr, compile_errors)
{
    ex_expr *x;
    st_error err;
    lp_col other = {.id = 999, .name = "z", .type = T_I32};
    cr_assert_eq(ex_expr_compile(Q, lp_expr_col(C, &other), COLS, 4, &x, &err), ST_ERR_INTERNAL);
    lp_expr *sq = lp_expr_new(C, LP_X_SUBQUERY, -1);
    sq->type = T_I32;
    cr_assert_eq(ex_expr_compile(Q, sq, COLS, 4, &x, &err), ST_ERR_INTERNAL);
    cr_assert_eq(ex_expr_compile(Q, CALL("+", col(2), cint(1)), COLS, 4, &x, &err), ST_OK);
    cr_assert_eq(ex_expr_type(x)->id, VEC_INT32);
}

/* ANSI mode: a / b errors on b = 0 unless that row never reaches it. */
Test(ex_expr_ansi, short_circuit, .init = setup_a, .fini = teardown)
{
    vec *v;
    st_error err;
    cr_assert_neq(run(CALL("/", col(2), col(3)), &v, &err), ST_OK, "a / b alone must fail");
    /* CASE WHEN b <> 0 THEN a / b ELSE -1.0 END */
    vec_scalar m1 = {.f64 = -1.0};
    lp_expr *div = CALL("/", col(2), col(3));
    lp_expr *e = NODE(LP_X_CASE, &T_DBL, CALL("<>", col(3), cint(0)), div,
                      lp_expr_const(C, &T_DBL, &m1));
    e->has_else = true;
    v = must(e);
    cr_assert_eq(((double *)v->values)[0], 5.0);
    cr_assert_eq(((double *)v->values)[1], -1.0);
    cr_assert_eq(((double *)v->values)[5], 6.0);
    cr_assert_eq(((double *)v->values)[4], -1.0, "NULL WHEN falls to ELSE");
    /* b <> 0 AND a / b > 3 */
    static const int AND[N_ROWS] = {1, 0, 1, 0, 2, 1, 1, 0, 2};
    expect_tri(must(NODE(LP_X_AND, &T_BOOL, CALL("<>", col(3), cint(0)),
                         CALL(">", CALL("/", col(2), col(3)), cint(3)))), AND);
    /* b = 0 OR a / b > 3 */
    static const int OR[N_ROWS] = {1, 1, 1, 1, 2, 1, 1, 1, 2};
    expect_tri(must(NODE(LP_X_OR, &T_BOOL, CALL("=", col(3), cint(0)),
                         CALL(">", CALL("/", col(2), col(3)), cint(3)))), OR);
    /* selection short-circuits the same way */
    ex_expr *x;
    lp_expr *cond = NODE(LP_X_AND, &T_BOOL, CALL("<>", col(3), cint(0)),
                         CALL(">", CALL("/", col(2), col(3)), cint(3)));
    cr_assert_eq(ex_expr_compile(Q, cond, COLS, 4, &x, &err), ST_OK);
    int32_t sel[N_ROWS];
    int64_t n;
    cr_assert_eq(ex_expr_select(x, T, &IN, sel, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 4);
    /* the taken branch still errors */
    e = NODE(LP_X_CASE, &T_DBL, CALL("=", col(3), cint(0)), CALL("/", col(2), col(3)));
    cr_assert_neq(run(e, &v, &err), ST_OK);
}
