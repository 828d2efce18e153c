/* ex_expr_fast_test.c -- the fast paths of compiled expressions
** (exec/ex_expr.c): IN over a short constant list compared directly
** (strings and integers, NULL items, NOT IN, NULL operands) against the
** hashed path for longer lists, constants of every layout filled for a
** chunk, and selection where a later conjunct that cannot fail is
** evaluated on the whole chunk (the rows selected must not change, and a
** conjunct that can fail is still evaluated only on the surviving rows). */
#include <criterion/criterion.h>
#include <string.h>

#include "exec/exec.h"

static const vec_type T_I64 = {.id = VEC_INT64};
static const vec_type T_STR = {.id = VEC_STRING};
static const vec_type T_BOOL = {.id = VEC_BOOL};

static lp_ctx *C;
static ex_query *Q;
static ex_thread *T;
static st_arena *A;
static lp_col COLS[3];
static ex_chunk IN;

#define N_ROWS 8
static const char *const SV[N_ROWS] = {"MAIL", "SHIP", NULL, "", "AIR", "MAI", "SHIPX", "RAIL"};
static const int64_t AV[N_ROWS] = {10, 20, 30, 40, 50, 60, 70, INT64_MIN};
static const int64_t BV[N_ROWS] = {1, 0, 1, 1, 1, 1, 1, 1};   /* a zero divisor on row 1 */

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

static vec *str_vec(const char *const *v, int n)
{
    vec_builder *b = vec_builder_new(&T_STR);
    for (int i = 0; i < n; i++) {
        if (!v[i]) vec_builder_append_null(b, NULL);
        else vec_builder_append_bytes(b, v[i], strlen(v[i]), NULL);
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
    const char *names[3] = {"s", "a", "b"};
    const vec_type *types[3] = {&T_STR, &T_I64, &T_I64};
    for (int i = 0; i < 3; i++)
        COLS[i] = (lp_col){.id = 100 + i, .name = names[i], .type = *types[i], .nullable = true};
    IN.n_rows = N_ROWS;
    IN.n_cols = 3;
    IN.cols = st_arena_calloc(A, 3, sizeof(vec *));
    IN.cols[0] = str_vec(SV, N_ROWS);
    IN.cols[1] = int_vec(&T_I64, AV, N_ROWS);
    IN.cols[2] = int_vec(&T_I64, BV, N_ROWS);
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

TestSuite(ex_expr_fast, .init = setup, .fini = teardown);

static lp_expr *col(int i) { return lp_expr_col(C, &COLS[i]); }
static lp_expr *cint(int64_t v)
{
    vec_scalar s = {.i64 = v};
    return lp_expr_const(C, &T_I64, &s);
}
static lp_expr *cstr(const char *v)
{
    if (!v)
        return lp_expr_const(C, &T_STR, NULL);
    vec_scalar s = {.bytes = (const uint8_t *)v, .n_bytes = (int64_t)strlen(v)};
    return lp_expr_const(C, &T_STR, &s);
}

static lp_expr *node(lp_expr_kind k, const vec_type *t, int n, lp_expr **args)
{
    lp_expr *e = lp_expr_new(C, k, -1);
    e->type = *t;
    e->n_args = n;
    e->args = st_arena_calloc(C->arena, (size_t)n, sizeof *e->args);
    memcpy(e->args, args, (size_t)n * sizeof *args);
    return e;
}

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

/* Evaluates e and renders each row as '1', '0' or 'N' (NULL). */
static void expect_bools(lp_expr *e, const char *want)
{
    ex_expr *x;
    st_error err;
    cr_assert_eq(ex_expr_compile(Q, e, COLS, 3, &x, &err), ST_OK, "%s", err.msg);
    vec *v;
    cr_assert_eq(ex_expr_eval(x, T, &IN, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v->len, N_ROWS);
    for (int i = 0; i < N_ROWS; i++) {
        char got = !vec_is_valid(v, i) ? 'N' : vec_bit_get(v->values, i) ? '1' : '0';
        cr_assert_eq(got, want[i], "row %d: got %c want %c", i, got, want[i]);
    }
}

static lp_expr *in_list(bool negated, lp_expr *operand, int n, lp_expr **items)
{
    lp_expr *args[40];
    cr_assert(n < 40);
    args[0] = operand;
    memcpy(args + 1, items, (size_t)n * sizeof *items);
    lp_expr *e = node(LP_X_IN, &T_BOOL, n + 1, args);
    e->negated = negated;
    return e;
}

Test(ex_expr_fast, in_short_string_list)
{
    lp_expr *items[2] = {cstr("MAIL"), cstr("SHIP")};
    expect_bools(in_list(false, col(0), 2, items), "11N00000");
    expect_bools(in_list(true, col(0), 2, items), "00N11111");
    lp_expr *with_empty[2] = {cstr(""), cstr("AIR")};
    expect_bools(in_list(false, col(0), 2, with_empty), "00N11000");
    /* a NULL item: no match is NULL, a match stays TRUE (NOT IN: FALSE) */
    lp_expr *with_null[2] = {cstr("RAIL"), cstr(NULL)};
    expect_bools(in_list(false, col(0), 2, with_null), "NNNNNNN1");
    expect_bools(in_list(true, col(0), 2, with_null), "NNNNNNN0");
}

Test(ex_expr_fast, in_short_and_long_int_lists_agree)
{
    lp_expr *few[3] = {cint(20), cint(50), cint(999)};
    expect_bools(in_list(false, col(1), 3, few), "0100100N");
    expect_bools(in_list(true, col(1), 3, few), "1011011N");
    /* 30 items: the hashed path, same answers */
    lp_expr *many[30];
    for (int i = 0; i < 30; i++)
        many[i] = cint(i == 0 ? 20 : i == 1 ? 50 : 1000 + i);
    expect_bools(in_list(false, col(1), 30, many), "0100100N");
    expect_bools(in_list(true, col(1), 30, many), "1011011N");
    lp_expr *nul[2] = {cint(70), lp_expr_const(C, &T_I64, NULL)};
    expect_bools(in_list(false, col(1), 2, nul), "NNNNNN1N");
}

Test(ex_expr_fast, constants_filled_per_row)
{
    expect_bools(CALL("=", col(0), cstr("SHIP")), "01N00000");
    expect_bools(CALL("<>", col(0), cstr("")), "11N01111");
    expect_bools(CALL(">=", col(1), cint(40)), "0001111N");
    vec_scalar t = {.i64 = 1};
    lp_expr *ctrue = lp_expr_const(C, &T_BOOL, &t);
    expect_bools(CALL("=", ctrue, CALL(">", col(1), cint(35))), "0001111N");
}

/* Rows of `e` selected, as a string of '1'/'0'. */
static st_status select_str(lp_expr *e, char *out, st_error *err)
{
    ex_expr *x;
    st_status rc = ex_expr_compile(Q, e, COLS, 3, &x, err);
    if (rc != ST_OK)
        return rc;
    int32_t sel[N_ROWS];
    int64_t n = 0;
    if ((rc = ex_expr_select(x, T, &IN, sel, &n, err)) != ST_OK)
        return rc;
    memset(out, '0', N_ROWS);
    out[N_ROWS] = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i > 0)
            cr_assert(sel[i] > sel[i - 1], "selection ascending");
        out[sel[i]] = '1';
    }
    return ST_OK;
}

static lp_expr *and2(lp_expr *a, lp_expr *b)
{
    return node(LP_X_AND, &T_BOOL, 2, (lp_expr *[]){a, b});
}

Test(ex_expr_fast, select_conjunct_on_whole_chunk)
{
    char got[N_ROWS + 1];
    st_error err;
    /* a > 15 keeps 6 of 8 rows; a < 65 then runs on the whole chunk */
    cr_assert_eq(select_str(and2(CALL(">", col(1), cint(15)), CALL("<", col(1), cint(65))), got,
                            &err), ST_OK);
    cr_assert_str_eq(got, "01111100");
    /* a string IN as the later term */
    lp_expr *items[2] = {cstr("AIR"), cstr("SHIP")};
    cr_assert_eq(select_str(and2(CALL(">", col(1), cint(15)), in_list(false, col(0), 2, items)),
                            got, &err), ST_OK);
    cr_assert_str_eq(got, "01001000");
    /* three terms, the last on few rows (subset path) */
    cr_assert_eq(select_str(node(LP_X_AND, &T_BOOL, 3,
                                 (lp_expr *[]){CALL(">", col(1), cint(15)),
                                               CALL("<", col(1), cint(45)),
                                               CALL("<>", col(0), cstr(""))}),
                            got, &err), ST_OK);
    cr_assert_str_eq(got, "01000000");
}

Test(ex_expr_fast_ansi, failing_conjunct_still_sees_only_surviving_rows, .init = setup_a,
     .fini = teardown)
{
    char got[N_ROWS + 1];
    st_error err;
    /* ANSI: a / b divides by zero on row 1 only, which a <> 20 removes
    ** first; 7 of 8 rows survive, but the division must not run on row 1 */
    lp_expr *div = CALL(">", CALL("/", col(1), col(2)), cint(0));
    cr_assert_eq(select_str(and2(CALL("<>", col(1), cint(20)), div), got, &err), ST_OK,
                 "%s", err.msg);
    cr_assert_str_eq(got, "10111110");
    /* without the guard the error is raised */
    cr_assert_neq(select_str(div, got, &err), ST_OK);
}
