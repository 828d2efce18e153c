/* sql_opt_test.c -- unit tests for the optimizer (src/sql/opt.h): each stage
** over hand-built plans (no binder needed), checked through the lp_format
** text, lp_verify and structural asserts: join key extraction (swaps, <=>,
** casts to a common type), predicate pushdown (projects, inner/outer joins,
** outer -> inner conversion, aggregates, windows, set operations, scan
** hints, nondeterministic filters, OR factoring and implied one-sided
** filters), decorrelation (EXISTS, NOT EXISTS with a non-equality
** correlation, NOT IN, IN as a value, correlated scalar aggregates with
** count, uncorrelated scalars, correlation below GROUP BY, the dependent
** join fallback, unsupported shapes), constant folding, projection pruning,
** greedy join order, metadata answers over a real partitioned Delta table
** written with the txn API, the whole pipeline, and the 22 TPC-H queries
** bound (sql_bind over generated Parquet files) and optimized. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "gen/gen.h"
#include "sql/bind.h"
#include "sql/opt.h"
#include "sql_tpch_queries.h"
#include "test_util.h"

static lp_ctx *C;
static st_error E;
static const vec_type T_I64 = {.id = VEC_INT64};
static const vec_type T_I32 = {.id = VEC_INT32};
static const vec_type T_STR = {.id = VEC_STRING};

static void setup(void)
{
    fn_context f = {.ansi = true, .now_micros = 0, .time_zone = "UTC"};
    C = lp_ctx_new("", &f);
    cr_assert(C != NULL);
    st_error_init(&E);
}

static void teardown(void)
{
    lp_ctx_free(C);
    C = NULL;
}

TestSuite(sql_opt, .init = setup, .fini = teardown);

/* ---- plan building helpers ---------------------------------------------------- */

/* A parquet scan named name with columns "a,b,c" (bigint), est rows. */
static lp_node *scan(const char *name, const char *cols, double est)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", cols);
    const char *names[16];
    int n = 0;
    for (char *t = strtok(buf, ","); t && n < 16; t = strtok(NULL, ","))
        names[n++] = st_arena_strdup(C->arena, t);
    lp_source *src = st_arena_calloc(C->arena, 1, sizeof *src);
    src->kind = LP_SRC_PARQUET;
    src->name = st_arena_strdup(C->arena, name);
    src->path = src->name;
    src->est_rows = est;
    src->schema.n_fields = n;
    src->schema.fields = st_arena_calloc(C->arena, (size_t)n, sizeof(vec_field));
    lp_node *s = lp_node_new(C, LP_SCAN, -1);
    s->source = src;
    s->cols = st_arena_calloc(C->arena, (size_t)n, sizeof(lp_col));
    s->scan_fields = st_arena_calloc(C->arena, (size_t)n, sizeof(int));
    for (int i = 0; i < n; i++) {
        src->schema.fields[i] = (vec_field){.name = names[i], .type = T_I64, .nullable = true};
        s->cols[i] = (lp_col){lp_ctx_new_col(C), names[i], T_I64, true};
        s->scan_fields[i] = i;
    }
    s->n_cols = n;
    return s;
}

static lp_expr *col(const lp_node *n, int i) { return lp_expr_col(C, &n->cols[i]); }

static lp_expr *outer_col(const lp_node *n, int i)
{
    lp_expr *e = col(n, i);
    e->outer = true;
    return e;
}

static lp_expr *ci(int64_t v)
{
    vec_scalar s = {.i64 = v};
    return lp_expr_const(C, &T_I64, &s);
}

static lp_expr *cstr(const char *v)
{
    vec_scalar s = {.bytes = (const uint8_t *)v, .n_bytes = (int64_t)strlen(v)};
    return lp_expr_const(C, &T_STR, &s);
}

static lp_expr *cast(lp_expr *e, const vec_type *t)
{
    lp_expr *x = lp_expr_new(C, LP_X_CAST, -1);
    x->type = *t;
    x->args = st_arena_alloc(C->arena, sizeof *x->args);
    x->args[0] = e;
    x->n_args = 1;
    return x;
}

/* name(args...) resolved with fn_resolve, casts inserted as the binder does. */
static lp_expr *calln(const char *name, int n, lp_expr **args)
{
    fn_arg_info info[8];
    for (int i = 0; i < n; i++)
        info[i] = (fn_arg_info){&args[i]->type, args[i]->kind == LP_X_CONST, args[i]->value};
    fn_bound *f = st_arena_calloc(C->arena, 1, sizeof *f);
    cr_assert_eq(fn_resolve(name, info, n, C->arena, f, &E), ST_OK, "%s", E.msg);
    lp_expr *x = lp_expr_new(C, LP_X_CALL, -1);
    x->fn = f;
    x->type = f->ret;
    x->args = st_arena_alloc(C->arena, (size_t)n * sizeof *x->args);
    for (int i = 0; i < n; i++)
        x->args[i] = f->cast_to[i].id != VEC_NULL ? cast(args[i], &f->cast_to[i]) : args[i];
    x->n_args = n;
    return x;
}

static lp_expr *call(const char *name, lp_expr *a, lp_expr *b)
{
    lp_expr *args[2] = {a, b};
    return calln(name, b ? 2 : 1, args);
}

static lp_expr *and2(lp_expr *a, lp_expr *b)
{
    lp_expr *c2[2] = {a, b};
    return lp_and(C, c2, 2);
}

static lp_expr *and3(lp_expr *a, lp_expr *b, lp_expr *c)
{
    lp_expr *c3[3] = {a, b, c};
    return lp_and(C, c3, 3);
}

static lp_expr *unary(lp_expr_kind k, lp_expr *a, bool negated)
{
    lp_expr *x = lp_expr_new(C, k, -1);
    x->type.id = VEC_BOOL;
    x->args = st_arena_alloc(C->arena, sizeof *x->args);
    x->args[0] = a;
    x->n_args = 1;
    x->negated = negated;
    return x;
}

static lp_node *filter(lp_node *child, lp_expr *cond)
{
    lp_node *f = lp_node_new(C, LP_FILTER, -1);
    f->child[0] = child;
    f->n_child = 1;
    f->cond = cond;
    f->cols = child->cols;
    f->n_cols = child->n_cols;
    return f;
}

static lp_node *project(lp_node *child, int n, lp_expr **exprs, const char *const *names)
{
    lp_node *p = lp_node_new(C, LP_PROJECT, -1);
    p->child[0] = child;
    p->n_child = 1;
    p->exprs = st_arena_alloc(C->arena, (size_t)n * sizeof *p->exprs);
    p->cols = st_arena_calloc(C->arena, (size_t)n, sizeof *p->cols);
    for (int i = 0; i < n; i++) {
        p->exprs[i] = exprs[i];
        p->cols[i] = (lp_col){lp_ctx_new_col(C), names[i], exprs[i]->type, true};
    }
    p->n_cols = n;
    return p;
}

static lp_node *join(lp_join_kind k, lp_node *l, lp_node *r, lp_expr *cond)
{
    lp_node *j = lp_node_new(C, LP_JOIN, -1);
    j->join = k;
    j->child[0] = l;
    j->child[1] = r;
    j->n_child = 2;
    j->cond = cond;
    bool left_only = k == LP_JOIN_SEMI || k == LP_JOIN_ANTI;
    int n = l->n_cols + (left_only ? 0 : r->n_cols);
    j->cols = st_arena_calloc(C->arena, (size_t)n, sizeof *j->cols);
    memcpy(j->cols, l->cols, (size_t)l->n_cols * sizeof *j->cols);
    if (!left_only) memcpy(j->cols + l->n_cols, r->cols, (size_t)r->n_cols * sizeof *j->cols);
    j->n_cols = n;
    return j;
}

/* An ungrouped (n_groups 0) or grouped aggregate of one function over arg. */
static lp_node *aggregate(lp_node *child, lp_expr *group, const char *fn, lp_expr *arg)
{
    lp_node *a = lp_node_new(C, LP_AGGREGATE, -1);
    a->child[0] = child;
    a->n_child = 1;
    int ng = group ? 1 : 0;
    a->groups = st_arena_alloc(C->arena, sizeof *a->groups);
    if (group) a->groups[0] = group;
    a->n_groups = ng;
    a->aggs = st_arena_calloc(C->arena, 1, sizeof *a->aggs);
    agg_bound *b = st_arena_calloc(C->arena, 1, sizeof *b);
    fn_arg_info info = {arg ? &arg->type : NULL, false, NULL};
    cr_assert_eq(agg_resolve(fn, false, &info, arg ? 1 : 0, C->arena, b, &E), ST_OK, "%s", E.msg);
    a->aggs[0].fn = b;
    if (arg) {
        a->aggs[0].args = st_arena_alloc(C->arena, sizeof(lp_expr *));
        a->aggs[0].args[0] = arg;
        a->aggs[0].n_args = 1;
    }
    a->aggs[0].out = lp_ctx_new_col(C);
    a->n_aggs = 1;
    a->cols = st_arena_calloc(C->arena, 2, sizeof *a->cols);
    if (group) a->cols[0] = (lp_col){lp_ctx_new_col(C), "g", group->type, true};
    a->cols[ng] = (lp_col){a->aggs[0].out, fn, b->ret, true};
    a->n_cols = ng + 1;
    return a;
}

static lp_expr *subquery(lp_subq_kind k, lp_node *plan, lp_expr *arg, bool negated)
{
    lp_expr *x = lp_expr_new(C, LP_X_SUBQUERY, -1);
    x->subq_kind = k;
    x->subq = plan;
    x->negated = negated;
    x->type = k == LP_SUBQ_SCALAR ? plan->cols[0].type : (vec_type){.id = VEC_BOOL};
    if (arg) {
        x->args = st_arena_alloc(C->arena, sizeof *x->args);
        x->args[0] = arg;
        x->n_args = 1;
    }
    return x;
}

/* lp_format of root (verified first), in a static buffer. */
static const char *fmt(const lp_node *root)
{
    static char text[8192];
    st_error err;
    st_error_init(&err);
    cr_assert_eq(lp_verify(root, &err), ST_OK, "%s", err.msg);
    st_buf b;
    st_buf_init(&b);
    cr_assert_eq(lp_format(root, &b, &err), ST_OK);
    snprintf(text, sizeof text, "%.*s", (int)b.len, (const char *)b.data);
    st_buf_destroy(&b);
    return text;
}

static const char *efmt(const lp_expr *e)
{
    static char text[1024];
    st_error err;
    st_error_init(&err);
    st_buf b;
    st_buf_init(&b);
    cr_assert_eq(lp_expr_format(e, &b, &err), ST_OK);
    snprintf(text, sizeof text, "%.*s", (int)b.len, (const char *)b.data);
    st_buf_destroy(&b);
    return text;
}

#define EXPECT_PLAN(root, want) do { \
    const char *got_ = fmt(root); \
    cr_assert_str_eq(got_, want, "plan:\n%s", got_); \
} while (0)

/* ---- join keys ------------------------------------------------------------------ */

Test(sql_opt, join_keys_split_swap_and_residual)
{
    lp_node *t1 = scan("t1", "a,b", 10), *t2 = scan("t2", "c,d", 10);
    lp_expr *cond = and3(call("=", col(t2, 0), col(t1, 0)), call("<", col(t1, 1), col(t2, 1)),
                         call("<=>", col(t1, 1), col(t2, 1)));
    lp_node *j = join(LP_JOIN_INNER, t1, t2, cond);
    cr_assert_eq(opt_join_keys(C, &j, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(j->n_join_keys, 2);
    cr_assert_eq(j->left_keys[0]->col, t1->cols[0].id);
    cr_assert_eq(j->right_keys[0]->col, t2->cols[0].id);
    cr_assert(!j->null_eq[0]);
    cr_assert(j->null_eq[1]);
    EXPECT_PLAN(j, "Join Inner keys: a#1 = c#3, b#2 <=> d#4 residual: (b#2 < d#4)\n"
                   "  Scan parquet t1 [a#1, b#2]\n"
                   "  Scan parquet t2 [c#3, d#4]\n");
    /* Idempotent. */
    cr_assert_eq(opt_join_keys(C, &j, &E), ST_OK);
    cr_assert_eq(j->n_join_keys, 2);
}

Test(sql_opt, join_keys_cast_common_type_and_non_keys)
{
    lp_node *t1 = scan("t1", "a,b", 10), *t2 = scan("t2", "c", 10);
    t2->cols[0].type = T_I32;
    t2->source->schema.fields[0].type = T_I32;
    /* a = c over int/bigint keys written without casts: the key pair gets one. */
    lp_expr *eq = lp_expr_new(C, LP_X_CALL, -1);
    eq->fn = call("=", col(t1, 0), col(t1, 1))->fn;
    eq->type.id = VEC_BOOL;
    eq->args = st_arena_alloc(C->arena, 2 * sizeof(lp_expr *));
    eq->args[0] = col(t1, 0);
    eq->args[1] = col(t2, 0);
    eq->n_args = 2;
    /* (a + c) = 1 uses both sides on one side: not a key; a = a: left only. */
    lp_expr *mixed = call("=", call("+", col(t1, 0), col(t2, 0)), ci(1));
    lp_expr *same = call("=", col(t1, 0), col(t1, 1));
    lp_node *j = join(LP_JOIN_LEFT, t1, t2, and3(eq, mixed, same));
    cr_assert_eq(opt_join_keys(C, &j, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(j->n_join_keys, 1);
    cr_assert_eq(j->right_keys[0]->kind, LP_X_CAST);
    cr_assert_eq(j->right_keys[0]->type.id, VEC_INT64);
    cr_assert_str_eq(efmt(j->residual),
                     "(((a#1 + cast(c#3 as bigint)) = 1) AND (a#1 = b#2))");
    /* A cross join has no keys. */
    lp_node *x = join(LP_JOIN_INNER, scan("u", "x", 1), scan("v", "y", 1), NULL);
    cr_assert_eq(opt_join_keys(C, &x, &E), ST_OK);
    cr_assert_eq(x->n_join_keys, 0);
    cr_assert_null(x->residual);
}

/* ---- pushdown ------------------------------------------------------------------- */

Test(sql_opt, pushdown_into_cross_join_and_scans)
{
    lp_node *t1 = scan("t1", "a,b", 100), *t2 = scan("t2", "c,d", 100);
    lp_node *j = join(LP_JOIN_INNER, t1, t2, NULL);
    /* WHERE a > 5 AND c = a AND 7 = d */
    lp_node *root = filter(j, and3(call(">", col(t1, 0), ci(5)), call("=", col(t2, 0), col(t1, 0)),
                                   call("=", ci(7), col(t2, 1))));
    cr_assert_eq(opt_pushdown(C, &root, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(root, "Join Inner on (c#3 = a#1)\n"
                      "  Filter (a#1 > 5)\n"
                      "    Scan parquet t1 [a#1, b#2] filters: (a#1 > 5)\n"
                      "  Filter (7 = d#4)\n"
                      "    Scan parquet t2 [c#3, d#4] filters: (d#4 = 7)\n");
}

Test(sql_opt, pushdown_through_project_substitutes)
{
    lp_node *t = scan("t", "a,b", 100);
    lp_expr *ex[2] = {call("+", col(t, 0), ci(1)), col(t, 1)};
    const char *nm[2] = {"x", "b"};
    lp_node *p = project(t, 2, ex, nm);
    lp_node *root = filter(p, and2(call("<", col(p, 0), ci(10)), unary(LP_X_IS_NULL, col(p, 1), true)));
    cr_assert_eq(opt_pushdown(C, &root, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(root, "Project [(a#1 + 1) AS x#3, b#2 AS b#4]\n"
                      "  Filter (((a#1 + 1) < 10) AND (b#2 IS NOT NULL))\n"
                      "    Scan parquet t [a#1, b#2] filters: (b#2 IS NOT NULL)\n");
}

Test(sql_opt, pushdown_left_join_rules)
{
    /* WHERE b = 1 goes to the preserved side; ON's right-only conjunct goes
    ** right; a WHERE conjunct over the nullable side that is not
    ** null-rejecting (d IS NULL) stays above. */
    lp_node *t1 = scan("t1", "a,b", 100), *t2 = scan("t2", "c,d", 100);
    lp_node *j = join(LP_JOIN_LEFT, t1, t2,
                      and2(call("=", col(t1, 0), col(t2, 0)), call(">", col(t2, 1), ci(3))));
    lp_node *root = filter(j, and2(call("=", col(t1, 1), ci(1)), unary(LP_X_IS_NULL, col(t2, 1), false)));
    cr_assert_eq(opt_pushdown(C, &root, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(root, "Filter (d#4 IS NULL)\n"
                      "  Join Left on (a#1 = c#3)\n"
                      "    Filter (b#2 = 1)\n"
                      "      Scan parquet t1 [a#1, b#2] filters: (b#2 = 1)\n"
                      "    Filter (d#4 > 3)\n"
                      "      Scan parquet t2 [c#3, d#4] filters: (d#4 > 3)\n");
}

Test(sql_opt, pushdown_outer_to_inner_when_null_rejecting)
{
    lp_node *t1 = scan("t1", "a,b", 100), *t2 = scan("t2", "c,d", 100);
    lp_node *j = join(LP_JOIN_LEFT, t1, t2, call("=", col(t1, 0), col(t2, 0)));
    lp_node *root = filter(j, call(">", call("+", col(t2, 1), ci(1)), col(t1, 1)));
    cr_assert_eq(opt_pushdown(C, &root, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(root, "Join Inner on ((a#1 = c#3) AND ((d#4 + 1) > b#2))\n"
                      "  Scan parquet t1 [a#1, b#2]\n"
                      "  Scan parquet t2 [c#3, d#4]\n");
}

Test(sql_opt, pushdown_aggregate_groups_only_and_not_nondeterministic)
{
    lp_node *t = scan("t", "a,b", 100);
    lp_node *a = aggregate(t, col(t, 0), "sum", col(t, 1));
    /* g > 1 (group column) goes below; sum > 10 stays. */
    lp_node *root = filter(a, and2(call(">", col(a, 0), ci(1)), call(">", col(a, 1), ci(10))));
    cr_assert_eq(opt_pushdown(C, &root, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(root, "Filter (sum#3 > 10)\n"
                      "  Aggregate keys: [a#1] aggs: [sum(b#2)#3]\n"
                      "    Filter (a#1 > 1)\n"
                      "      Scan parquet t [a#1, b#2] filters: (a#1 > 1)\n");
    /* rand() > 0.5 over the group column never moves. */
    lp_node *t2 = scan("t2", "a,b", 100);
    lp_node *a2 = aggregate(t2, col(t2, 0), "sum", col(t2, 1));
    lp_expr *rnd = calln("rand", 0, NULL);
    cr_assert(!rnd->fn->deterministic);
    lp_node *r2 = filter(a2, call(">", call("+", cast(col(a2, 0), &rnd->type), rnd), lp_expr_const(C, &rnd->type, &(vec_scalar){.f64 = 0.5})));
    cr_assert_eq(opt_pushdown(C, &r2, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(r2->kind, LP_FILTER);
    cr_assert_eq(r2->child[0]->kind, LP_AGGREGATE);
    cr_assert_eq(r2->child[0]->child[0]->kind, LP_SCAN);
}

/* ---- decorrelation ----------------------------------------------------------------- */

Test(sql_opt, decorrelate_correlated_exists_to_semi)
{
    /* SELECT * FROM t1 WHERE EXISTS (SELECT * FROM t2 WHERE t2.c = t1.a AND t2.d > 0) */
    lp_node *t1 = scan("t1", "a,b", 100), *t2 = scan("t2", "c,d", 100);
    lp_node *sub = filter(t2, and2(call("=", col(t2, 0), outer_col(t1, 0)), call(">", col(t2, 1), ci(0))));
    lp_expr *sx[2] = {col(t2, 0), col(t2, 1)};
    const char *sn[2] = {"c", "d"};
    lp_node *subp = project(sub, 2, sx, sn);
    lp_node *root = filter(t1, subquery(LP_SUBQ_EXISTS, subp, NULL, false));
    cr_assert_eq(opt_decorrelate(C, &root, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(root, "Join Semi on (c#3 = a#1)\n"
                      "  Scan parquet t1 [a#1, b#2]\n"
                      "  Filter (d#4 > 0)\n"
                      "    Scan parquet t2 [c#3, d#4]\n");
    cr_assert_eq(opt_join_keys(C, &root, &E), ST_OK);
    cr_assert_eq(root->n_join_keys, 1);
    cr_assert_eq(root->left_keys[0]->col, t1->cols[0].id);
    cr_assert(!root->left_keys[0]->outer && !root->right_keys[0]->outer);
}

Test(sql_opt, decorrelate_not_exists_with_non_equality)
{
    /* Q21 shape: NOT EXISTS (SELECT * FROM t2 WHERE c = t1.a AND d <> t1.b) */
    lp_node *t1 = scan("t1", "a,b", 100), *t2 = scan("t2", "c,d", 100);
    lp_node *sub = filter(t2, and2(call("=", col(t2, 0), outer_col(t1, 0)),
                                   call("<>", col(t2, 1), outer_col(t1, 1))));
    lp_expr *not_ex = unary(LP_X_NOT, subquery(LP_SUBQ_EXISTS, sub, NULL, false), false);
    lp_node *root = filter(t1, and2(call(">", col(t1, 1), ci(2)), not_ex));
    cr_assert_eq(opt_decorrelate(C, &root, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(opt_join_keys(C, &root, &E), ST_OK);
    EXPECT_PLAN(root, "Filter (b#2 > 2)\n"
                      "  Join Anti keys: a#1 = c#3 residual: (d#4 <> b#2)\n"
                      "    Scan parquet t1 [a#1, b#2]\n"
                      "    Scan parquet t2 [c#3, d#4]\n");
}

Test(sql_opt, decorrelate_not_in_null_aware)
{
    lp_node *t1 = scan("t1", "a,b", 100), *t2 = scan("t2", "c,d", 100);
    lp_expr *sx[1] = {col(t2, 0)};
    const char *sn[1] = {"c"};
    lp_node *subp = project(t2, 1, sx, sn);
    lp_node *root = filter(t1, subquery(LP_SUBQ_IN, subp, col(t1, 0), true));
    cr_assert_eq(opt_decorrelate(C, &root, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(opt_join_keys(C, &root, &E), ST_OK);
    EXPECT_PLAN(root, "Join Anti keys: a#1 = c#5 null-aware\n"
                      "  Scan parquet t1 [a#1, b#2]\n"
                      "  Project [c#3 AS c#5]\n"
                      "    Scan parquet t2 [c#3, d#4]\n");
    cr_assert(root->null_aware);
}

Test(sql_opt, decorrelate_in_as_value_is_mark_join)
{
    /* SELECT a IN (SELECT c FROM t2) OR b = 1 FROM t1 */
    lp_node *t1 = scan("t1", "a,b", 100), *t2 = scan("t2", "c", 100);
    lp_expr *or = lp_expr_new(C, LP_X_OR, -1);
    or->type.id = VEC_BOOL;
    or->args = st_arena_alloc(C->arena, 2 * sizeof(lp_expr *));
    or->args[0] = subquery(LP_SUBQ_IN, t2, col(t1, 0), false);
    or->args[1] = call("=", col(t1, 1), ci(1));
    or->n_args = 2;
    lp_expr *ex[1] = {or};
    const char *nm[1] = {"v"};
    lp_node *root = project(t1, 1, ex, nm);
    cr_assert_eq(opt_decorrelate(C, &root, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(root, "Project [(mark#5 OR (b#2 = 1)) AS v#4]\n"
                      "  Join Mark on (a#1 = c#3)\n"
                      "    Scan parquet t1 [a#1, b#2]\n"
                      "    Scan parquet t2 [c#3]\n");
}

Test(sql_opt, decorrelate_correlated_scalar_count)
{
    /* SELECT * FROM t1 WHERE b < (SELECT count(*) + 1 FROM t2 WHERE t2.c = t1.a) */
    lp_node *t1 = scan("t1", "a,b", 100), *t2 = scan("t2", "c,d", 100);
    lp_node *sub = filter(t2, call("=", col(t2, 0), outer_col(t1, 0)));
    lp_node *agg = aggregate(sub, NULL, "count", NULL);
    lp_expr *px[1] = {call("+", col(agg, 0), ci(1))};
    const char *pn[1] = {"v"};
    lp_node *subp = project(agg, 1, px, pn);
    lp_node *root = filter(t1, call("<", col(t1, 1), subquery(LP_SUBQ_SCALAR, subp, NULL, false)));
    cr_assert_eq(opt_decorrelate(C, &root, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(root, "Project [a#1 AS a#1, b#2 AS b#2]\n"
                      "  Filter (b#2 < (coalesce(count#5, 0) + 1))\n"
                      "    Join Left on (a#1 = corr#7)\n"
                      "      Scan parquet t1 [a#1, b#2]\n"
                      "      Aggregate keys: [c#3] aggs: [count()#5]\n"
                      "        Scan parquet t2 [c#3, d#4]\n");
}

Test(sql_opt, decorrelate_correlated_scalar_min_q2_shape)
{
    /* ps.cost = (SELECT min(cost) FROM t2 WHERE t2.k = t1.k) */
    lp_node *t1 = scan("t1", "k,cost", 100), *t2 = scan("t2", "k2,cost2", 100);
    lp_node *sub = filter(t2, call("=", outer_col(t1, 0), col(t2, 0)));
    lp_node *agg = aggregate(sub, NULL, "min", col(t2, 1));
    lp_node *root = filter(t1, call("=", col(t1, 1), subquery(LP_SUBQ_SCALAR, agg, NULL, false)));
    cr_assert_eq(opt_decorrelate(C, &root, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(opt_pushdown(C, &root, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(opt_join_keys(C, &root, &E), ST_OK, "%s", E.msg);
    /* The comparison rejects the LEFT join's NULL rows: it becomes INNER. */
    EXPECT_PLAN(root, "Project [k#1 AS k#1, cost#2 AS cost#2]\n"
                      "  Join Inner keys: k#1 = corr#6, cost#2 = min#5\n"
                      "    Scan parquet t1 [k#1, cost#2]\n"
                      "    Aggregate keys: [k2#3] aggs: [min(cost2#4)#5]\n"
                      "      Scan parquet t2 [k2#3, cost2#4]\n");
}

Test(sql_opt, decorrelate_uncorrelated_scalars)
{
    /* Over an ungrouped aggregate (exactly one row): a cross join. */
    lp_node *t1 = scan("t1", "a,b", 100), *t2 = scan("t2", "c", 100);
    lp_node *agg = aggregate(t2, NULL, "max", col(t2, 0));
    lp_node *root = filter(t1, call(">", col(t1, 0), subquery(LP_SUBQ_SCALAR, agg, NULL, false)));
    cr_assert_eq(opt_decorrelate(C, &root, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(root, "Project [a#1 AS a#1, b#2 AS b#2]\n"
                      "  Filter (a#1 > max#4)\n"
                      "    Join Inner\n"
                      "      Scan parquet t1 [a#1, b#2]\n"
                      "      Aggregate keys: [] aggs: [max(c#3)#4]\n"
                      "        Scan parquet t2 [c#3]\n");
    /* Pushdown then makes the comparison its condition. */
    cr_assert_eq(opt_pushdown(C, &root, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(root->child[0]->kind, LP_JOIN);
    cr_assert_str_eq(efmt(root->child[0]->cond), "(a#1 > max#4)");
    /* Anything else may return several rows: a SINGLE join checks that. */
    lp_node *t3 = scan("t3", "x,y", 100), *t4 = scan("t4", "z,w", 100);
    lp_node *sub = filter(t4, call("=", col(t4, 1), ci(1)));
    lp_node *r2 = filter(t3, call("=", col(t3, 0), subquery(LP_SUBQ_SCALAR, sub, NULL, false)));
    cr_assert_eq(opt_decorrelate(C, &r2, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(r2, "Project [x#5 AS x#5, y#6 AS y#6]\n"
                    "  Filter (x#5 = z#7)\n"
                    "    Join Single\n"
                    "      Scan parquet t3 [x#5, y#6]\n"
                    "      Filter (w#8 = 1)\n"
                    "        Scan parquet t4 [z#7, w#8]\n");
}

Test(sql_opt, decorrelate_through_group_by)
{
    /* EXISTS (SELECT c, count(*) FROM t2 WHERE d = t1.a GROUP BY c): d joins
    ** the group columns and the correlation is on it. */
    lp_node *t1 = scan("t1", "a", 100), *t2 = scan("t2", "c,d", 100);
    lp_node *sub = filter(t2, call("=", col(t2, 1), outer_col(t1, 0)));
    lp_node *agg = aggregate(sub, col(t2, 0), "count", NULL);
    lp_node *root = filter(t1, subquery(LP_SUBQ_EXISTS, agg, NULL, false));
    cr_assert_eq(opt_decorrelate(C, &root, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(root, "Join Semi on (corr#6 = a#1)\n"
                      "  Scan parquet t1 [a#1]\n"
                      "  Aggregate keys: [c#2, d#3] aggs: [count()#4]\n"
                      "    Scan parquet t2 [c#2, d#3]\n");
    cr_assert_eq(root->child[1]->n_cols, 3);
    cr_assert_eq(root->child[1]->cols[1].id, 6);
}

Test(sql_opt, decorrelate_dependent_join_fallback)
{
    /* EXISTS (SELECT c, count(*) FROM t2 WHERE d < t1.a GROUP BY c): a
    ** non-equality correlation below GROUP BY. D = distinct t1.a (from a
    ** renumbered copy of t1) joins in below the filter; the aggregate groups
    ** by it too; t1 joins the result on a <=> D.a. */
    lp_node *t1 = scan("t1", "a", 100), *t2 = scan("t2", "c,d", 100);
    lp_node *sub = filter(t2, call("<", col(t2, 1), outer_col(t1, 0)));
    lp_node *agg = aggregate(sub, col(t2, 0), "count", NULL);
    lp_node *root = filter(t1, subquery(LP_SUBQ_EXISTS, agg, NULL, false));
    cr_assert_eq(opt_decorrelate(C, &root, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(root, "Join Semi on (a#1 <=> dom#7)\n"
                      "  Scan parquet t1 [a#1]\n"
                      "  Aggregate keys: [c#2, dom#7] aggs: [count()#4]\n"
                      "    Filter (d#3 < dom#7)\n"
                      "      Join Inner\n"
                      "        Scan parquet t2 [c#2, d#3]\n"
                      "        Distinct\n"
                      "          Project [a#6 AS dom#7]\n"
                      "            Scan parquet t1 [a#6]\n");
    /* b < (SELECT count(*) FROM t2 WHERE d < t1.a): grouped by D, LEFT
    ** joined back, a missing group counts 0. */
    lp_node *u1 = scan("u1", "a,b", 100), *u2 = scan("u2", "c,d", 100);
    lp_node *s2 = filter(u2, call("<", col(u2, 1), outer_col(u1, 0)));
    lp_node *a2 = aggregate(s2, NULL, "count", NULL);
    lp_node *r2 = filter(u1, call("<", col(u1, 1), subquery(LP_SUBQ_SCALAR, a2, NULL, false)));
    cr_assert_eq(opt_decorrelate(C, &r2, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(r2, "Project [a#8 AS a#8, b#9 AS b#9]\n"
                    "  Filter (b#9 < coalesce(count#12, 0))\n"
                    "    Join Left on (a#8 <=> dom#15)\n"
                    "      Scan parquet u1 [a#8, b#9]\n"
                    "      Aggregate keys: [dom#15] aggs: [count()#12]\n"
                    "        Filter (d#11 < dom#15)\n"
                    "          Join Inner\n"
                    "            Scan parquet u2 [c#10, d#11]\n"
                    "            Distinct\n"
                    "              Project [a#13 AS dom#15]\n"
                    "                Scan parquet u1 [a#13, b#14]\n");
    /* The whole pipeline takes it: keys null-safe, columns pruned. */
    cr_assert_eq(opt_pushdown(C, &r2, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(opt_join_keys(C, &r2, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(opt_prune_columns(C, &r2, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(lp_verify(r2, &E), ST_OK, "%s", E.msg);
}

Test(sql_opt, decorrelate_unsupported_shape_fails_cleanly)
{
    /* A correlated LIMIT under a scalar subquery likewise. */
    lp_node *t3 = scan("t3", "x", 100), *t4 = scan("t4", "y", 100);
    lp_node *lim = lp_node_new(C, LP_LIMIT, -1);
    lim->child[0] = filter(t4, call("=", col(t4, 0), outer_col(t3, 0)));
    lim->n_child = 1;
    lim->limit = 1;
    lim->cols = t4->cols;
    lim->n_cols = 1;
    lp_node *r2 = filter(t3, call("=", col(t3, 0), subquery(LP_SUBQ_SCALAR, lim, NULL, false)));
    cr_assert_eq(opt_decorrelate(C, &r2, &E), ST_ERR_UNSUPPORTED);
    cr_assert(strstr(E.msg, "LIMIT") != NULL, "%s", E.msg);
}

/* ---- folding --------------------------------------------------------------------- */

Test(sql_opt, fold_constants_and_booleans)
{
    lp_node *t = scan("t", "a,b", 100);
    lp_expr *e = call("*", call("+", ci(1), ci(2)), col(t, 0));
    lp_expr *out = NULL;
    cr_assert_eq(opt_fold_expr(C, e, &out, &E), ST_OK);
    cr_assert_str_eq(efmt(out), "(3 * a#1)");
    /* (a > 1 AND TRUE) OR FALSE -> a > 1; NOT NOT x -> x */
    lp_expr *or = lp_expr_new(C, LP_X_OR, -1);
    or->type.id = VEC_BOOL;
    or->args = st_arena_alloc(C->arena, 2 * sizeof(lp_expr *));
    or->args[0] = and2(call(">", col(t, 0), ci(1)), lp_expr_bool(C, true));
    or->args[1] = lp_expr_bool(C, false);
    or->n_args = 2;
    cr_assert_eq(opt_fold_expr(C, or, &out, &E), ST_OK);
    cr_assert_str_eq(efmt(out), "(a#1 > 1)");
    lp_expr *nn = unary(LP_X_NOT, unary(LP_X_NOT, call("=", col(t, 1), ci(2)), false), false);
    cr_assert_eq(opt_fold_expr(C, nn, &out, &E), ST_OK);
    cr_assert_str_eq(efmt(out), "(b#2 = 2)");
    /* NULL AND FALSE is FALSE; NULL AND TRUE is NULL. */
    vec_type bt = {.id = VEC_BOOL};
    lp_expr *n1 = and2(lp_expr_const(C, &bt, NULL), lp_expr_bool(C, false));
    cr_assert_eq(opt_fold_expr(C, n1, &out, &E), ST_OK);
    cr_assert_str_eq(efmt(out), "false");
    lp_expr *n2 = and2(lp_expr_const(C, &bt, NULL), lp_expr_bool(C, true));
    cr_assert_eq(opt_fold_expr(C, n2, &out, &E), ST_OK);
    cr_assert_str_eq(efmt(out), "NULL");
    /* IN over constants; cast of a constant; CASE with constant arms. */
    lp_expr *in = lp_expr_new(C, LP_X_IN, -1);
    in->type.id = VEC_BOOL;
    in->args = st_arena_alloc(C->arena, 3 * sizeof(lp_expr *));
    in->args[0] = ci(3);
    in->args[1] = ci(1);
    in->args[2] = ci(3);
    in->n_args = 3;
    cr_assert_eq(opt_fold_expr(C, in, &out, &E), ST_OK);
    cr_assert_str_eq(efmt(out), "true");
    cr_assert_eq(opt_fold_expr(C, cast(cstr("42"), &T_I32), &out, &E), ST_OK);
    cr_assert_eq(out->kind, LP_X_CONST);
    cr_assert_eq(out->type.id, VEC_INT32);
    cr_assert_eq(((int32_t *)out->value->values)[0], 42);
    lp_expr *cs = lp_expr_new(C, LP_X_CASE, -1);
    cs->type = T_I64;
    cs->args = st_arena_alloc(C->arena, 5 * sizeof(lp_expr *));
    cs->args[0] = call("=", ci(1), ci(2));
    cs->args[1] = ci(10);
    cs->args[2] = call(">", col(t, 0), ci(0));
    cs->args[3] = ci(20);
    cs->args[4] = ci(30);
    cs->n_args = 5;
    cs->has_else = true;
    cr_assert_eq(opt_fold_expr(C, cs, &out, &E), ST_OK);
    cr_assert_str_eq(efmt(out), "CASE WHEN (a#1 > 0) THEN 20 ELSE 30 END");
}

Test(sql_opt, fold_division_by_zero_left_alone)
{
    lp_expr *e = call("/", ci(1), ci(0));   /* ANSI mode: an error if evaluated */
    lp_expr *out = NULL;
    cr_assert_eq(opt_fold_expr(C, e, &out, &E), ST_OK);
    cr_assert_eq(out->kind, LP_X_CALL);
}

Test(sql_opt, fold_filters_true_and_false)
{
    lp_node *t = scan("t", "a", 100);
    lp_node *root = filter(filter(t, call("=", ci(1), ci(1))), call(">", col(t, 0), ci(1)));
    cr_assert_eq(opt_fold(C, &root, &E), ST_OK);
    EXPECT_PLAN(root, "Filter (a#1 > 1)\n"
                      "  Scan parquet t [a#1]\n");
    lp_node *r2 = filter(t, and2(call(">", col(t, 0), ci(1)), call("=", ci(1), ci(2))));
    cr_assert_eq(opt_fold(C, &r2, &E), ST_OK);
    EXPECT_PLAN(r2, "Values 0 rows [a#1]\n");
}

/* ---- pruning ----------------------------------------------------------------------- */

Test(sql_opt, prune_scan_project_aggregate)
{
    lp_node *t = scan("t", "a,b,c,d", 100);
    lp_node *f = filter(t, call(">", col(t, 2), ci(0)));
    lp_node *a = aggregate(f, col(t, 0), "sum", col(t, 1));
    lp_expr *ex[1] = {col(a, 0)};   /* only the group column */
    const char *nm[1] = {"a"};
    lp_node *root = project(a, 1, ex, nm);
    cr_assert_eq(opt_prune_columns(C, &root, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(root, "Project [g#6 AS a#7]\n"
                      "  Aggregate keys: [a#1] aggs: []\n"
                      "    Filter (c#3 > 0)\n"
                      "      Scan parquet t [a#1, c#3]\n");
    cr_assert_eq(t->scan_fields[1], 2);
}

Test(sql_opt, prune_join_sides_keep_root_columns)
{
    lp_node *t1 = scan("t1", "a,b,x", 100), *t2 = scan("t2", "c,d,y", 100);
    lp_node *j = join(LP_JOIN_INNER, t1, t2, call("=", col(t1, 0), col(t2, 0)));
    lp_node *root = filter(j, call(">", col(t2, 1), ci(0)));
    /* The root (a filter) keeps every column of its input as it was. */
    lp_node *p;
    lp_expr *ex[2] = {col(t1, 1), col(t2, 2)};
    const char *nm[2] = {"b", "y"};
    p = project(root, 2, ex, nm);
    cr_assert_eq(opt_prune_columns(C, &p, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(p, "Project [b#2 AS b#7, y#6 AS y#8]\n"
                   "  Filter (d#5 > 0)\n"
                   "    Join Inner on (a#1 = c#4)\n"
                   "      Scan parquet t1 [a#1, b#2]\n"
                   "      Scan parquet t2 [c#4, d#5, y#6]\n");
    /* Pruning a plan whose root is that filter keeps its six columns. */
    lp_node *u1 = scan("u1", "a,b,x", 100), *u2 = scan("u2", "c,d,y", 100);
    lp_node *r2 = filter(join(LP_JOIN_INNER, u1, u2, call("=", col(u1, 0), col(u2, 0))),
                         call(">", col(u2, 1), ci(0)));
    cr_assert_eq(opt_prune_columns(C, &r2, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(r2->n_cols, 6);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(r2->cols[i].id, u1->cols[i].id);
        cr_assert_eq(r2->cols[3 + i].id, u2->cols[i].id);
    }
}

/* ---- join order -------------------------------------------------------------------- */

Test(sql_opt, join_order_greedy_smallest_build_side)
{
    /* big(k1) JOIN mid(k2, f) JOIN small(s): written big, small, mid. */
    lp_node *big = scan("big", "bk,bm", 1e6), *small = scan("small", "sk", 10);
    lp_node *mid = scan("mid", "mk,mb", 1000);
    lp_node *j1 = join(LP_JOIN_INNER, big, small, NULL);
    lp_node *j2 = join(LP_JOIN_INNER, j1, mid,
                       and2(call("=", col(big, 1), col(mid, 0)), call("=", col(mid, 1), col(small, 0))));
    lp_node *root = j2;
    cr_assert_eq(opt_join_keys(C, &root, &E), ST_OK);
    cr_assert_eq(opt_join_order(C, &root, &E), ST_OK, "%s", E.msg);
    /* small first; mid joins it (connected), then big; the smaller input of
    ** each join is on the right; a Project restores big, small, mid order. */
    EXPECT_PLAN(root, "Project [bk#1 AS bk#1, bm#2 AS bm#2, sk#3 AS sk#3, mk#4 AS mk#4, mb#5 AS mb#5] (est 1000000 rows)\n"
                      "  Join Inner keys: bm#2 = mk#4 (est 1000000 rows)\n"
                      "    Scan parquet big [bk#1, bm#2] (est 1000000 rows)\n"
                      "    Join Inner keys: mb#5 = sk#3 (est 1000 rows)\n"
                      "      Scan parquet mid [mk#4, mb#5] (est 1000 rows)\n"
                      "      Scan parquet small [sk#3] (est 10 rows)\n");
}

Test(sql_opt, join_order_no_reorder_keeps_order)
{
    lp_node *big = scan("big", "bk", 1e6), *small = scan("small", "sk", 10);
    lp_node *root = join(LP_JOIN_INNER, small, big, call("=", col(small, 0), col(big, 0)));
    opt_options o = {.no_reorder = true, .no_metadata_answers = true};
    cr_assert_eq(opt_optimize(C, &o, &root, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(root->kind, LP_JOIN);
    cr_assert_eq(root->child[0]->source->est_rows, 10);
    cr_assert_eq(root->n_join_keys, 1);
    cr_assert(root->est_rows >= 0);
}

/* ---- metadata answers ------------------------------------------------------------ */

static char *write_delta_table(void)
{
    char *dir = malloc(256);
    snprintf(dir, 256, "/tmp/strata-opt-meta-%d-XXXXXX", (int)getpid());
    cr_assert(mkdtemp(dir) != NULL);
    static vec_field f[3];
    f[0] = (vec_field){.name = "id", .type = {.id = VEC_INT64}, .nullable = true};
    f[1] = (vec_field){.name = "name", .type = {.id = VEC_STRING}, .nullable = true};
    f[2] = (vec_field){.name = "p", .type = {.id = VEC_INT32}, .nullable = true};
    static vec_schema s;
    s = (vec_schema){.n_fields = 3, .fields = f};
    /* rows (id, name, p): (5,'e',1) (NULL,'x',1) (-3,NULL,2) (9,'z',2) (7,'q',2) */
    int64_t ids[] = {5, 0, -3, 9, 7};
    bool id_null[] = {false, true, false, false, false};
    const char *names[] = {"e", "x", NULL, "z", "q"};
    int32_t ps[] = {1, 1, 2, 2, 2};
    vec_batch *b = vec_batch_new(&s, 3, 0);
    vec_builder *bi = vec_builder_new(&f[0].type), *bn = vec_builder_new(&f[1].type),
                *bp = vec_builder_new(&f[2].type);
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(id_null[i] ? vec_builder_append_null(bi, &E) : vec_builder_append_i64(bi, ids[i], &E), ST_OK);
        cr_assert_eq(names[i] ? vec_builder_append_bytes(bn, names[i], strlen(names[i]), &E)
                              : vec_builder_append_null(bn, &E), ST_OK);
        cr_assert_eq(vec_builder_append_i64(bp, ps[i], &E), ST_OK);
    }
    cr_assert_eq(vec_builder_finish(bi, b->arena, &b->cols[0], &E), ST_OK);
    cr_assert_eq(vec_builder_finish(bn, b->arena, &b->cols[1], &E), ST_OK);
    cr_assert_eq(vec_builder_finish(bp, b->arena, &b->cols[2], &E), ST_OK);
    vec_builder_free(bi);
    vec_builder_free(bn);
    vec_builder_free(bp);
    b->n_rows = 5;
    const char *pc[] = {"p"};
    delta_create_options co = {.schema = &s, .n_partition_cols = 1, .partition_cols = pc};
    delta_txn *t = NULL;
    cr_assert_eq(delta_txn_begin(dir, &co, &t, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(delta_txn_write(t, b, &E), ST_OK, "%s", E.msg);
    int64_t v = -1;
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &v, &E), ST_OK, "%s", E.msg);
    vec_batch_free(b);
    return dir;
}

static void rm_rf(char *dir)
{
    tu_rm_rf(dir);
    free(dir);
}

/* A Delta scan of every column of the table at dir. */
static lp_node *meta_scan(const char *dir)
{
    delta_snapshot *snap = NULL;
    cr_assert_eq(delta_snapshot_load(dir, NULL, &snap, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(lp_ctx_add_snapshot(C, snap, &E), ST_OK);
    cr_assert_eq(snap->n_files, 2);
    lp_source *src = st_arena_calloc(C->arena, 1, sizeof *src);
    src->kind = LP_SRC_DELTA;
    src->name = "t";
    src->path = dir;
    src->snapshot = snap;
    src->schema = snap->meta.schema;
    src->est_rows = 5;
    lp_node *s = lp_node_new(C, LP_SCAN, -1);
    s->source = src;
    s->n_cols = snap->meta.schema.n_fields;
    s->cols = st_arena_calloc(C->arena, (size_t)s->n_cols, sizeof(lp_col));
    s->scan_fields = st_arena_calloc(C->arena, (size_t)s->n_cols, sizeof(int));
    for (int i = 0; i < s->n_cols; i++) {
        const vec_field *fl = &snap->meta.schema.fields[i];
        s->cols[i] = (lp_col){lp_ctx_new_col(C), fl->name, fl->type, true};
        s->scan_fields[i] = i;
    }
    return s;
}

static void add_agg(lp_node *a, const char *fn, lp_expr *arg)
{
    agg_bound *b = st_arena_calloc(C->arena, 1, sizeof *b);
    fn_arg_info info = {arg ? &arg->type : NULL, false, NULL};
    cr_assert_eq(agg_resolve(fn, false, &info, arg ? 1 : 0, C->arena, b, &E), ST_OK, "%s", E.msg);
    lp_agg *g = &a->aggs[a->n_aggs++];
    g->fn = b;
    if (arg) {
        g->args = st_arena_alloc(C->arena, sizeof(lp_expr *));
        g->args[0] = arg;
        g->n_args = 1;
    }
    g->out = lp_ctx_new_col(C);
    a->cols[a->n_cols++] = (lp_col){g->out, fn, b->ret, true};
}

static lp_node *empty_agg(lp_node *child)
{
    lp_node *a = lp_node_new(C, LP_AGGREGATE, -1);
    a->child[0] = child;
    a->n_child = 1;
    a->aggs = st_arena_calloc(C->arena, 8, sizeof(lp_agg));
    a->cols = st_arena_calloc(C->arena, 8, sizeof(lp_col));
    return a;
}

static int64_t const_i64(const lp_expr *e)
{
    cr_assert_eq(e->kind, LP_X_CONST);
    cr_assert(vec_is_valid(e->value, 0));
    switch (e->type.id) {
    case VEC_INT32: return ((const int32_t *)e->value->values)[0];
    case VEC_INT64: return ((const int64_t *)e->value->values)[0];
    default: cr_assert_fail("unexpected type %d", e->type.id);
    }
    return 0;
}

Test(sql_opt, metadata_answers_from_delta_stats)
{
    char *dir = write_delta_table();
    lp_node *s = meta_scan(dir);
    lp_node *a = empty_agg(s);
    add_agg(a, "count", NULL);
    add_agg(a, "count", col(s, 0));
    add_agg(a, "min", col(s, 0));
    add_agg(a, "max", col(s, 0));
    add_agg(a, "count", col(s, 1));
    add_agg(a, "max", col(s, 2));
    lp_node *root = a;
    cr_assert_eq(opt_metadata_answers(C, &root, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(root->kind, LP_VALUES, "%s", fmt(root));
    cr_assert_eq(root->n_rows, 1);
    cr_assert_eq(root->n_cols, 6);
    cr_assert_eq(root->cols[0].id, a->aggs[0].out);
    cr_assert_eq(const_i64(root->values[0]), 5);
    cr_assert_eq(const_i64(root->values[1]), 4);
    cr_assert_eq(const_i64(root->values[2]), -3);
    cr_assert_eq(const_i64(root->values[3]), 9);
    cr_assert_eq(const_i64(root->values[4]), 4);
    cr_assert_eq(const_i64(root->values[5]), 2);
    rm_rf(dir);
}

Test(sql_opt, metadata_answers_partition_filter_and_refusals)
{
    char *dir = write_delta_table();
    lp_node *s = meta_scan(dir);
    /* count(*), min(id) WHERE p = 2 -> 3, -3 (only partition 2's file). */
    lp_node *a = empty_agg(filter(s, call("=", col(s, 2), cast(ci(2), &T_I32))));
    add_agg(a, "count", NULL);
    add_agg(a, "min", col(s, 0));
    lp_node *root = a;
    cr_assert_eq(opt_metadata_answers(C, &root, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(root->kind, LP_VALUES, "%s", fmt(root));
    cr_assert_eq(const_i64(root->values[0]), 3);
    cr_assert_eq(const_i64(root->values[1]), -3);
    /* A filter on a data column: the stats cannot answer. */
    lp_node *s2 = meta_scan(dir);
    lp_node *b = empty_agg(filter(s2, call(">", col(s2, 0), ci(0))));
    add_agg(b, "count", NULL);
    root = b;
    cr_assert_eq(opt_metadata_answers(C, &root, &E), ST_OK);
    cr_assert_eq(root->kind, LP_AGGREGATE);
    /* min of a string: bounds are truncated prefixes, not answers. */
    lp_node *s3 = meta_scan(dir);
    lp_node *c3 = empty_agg(s3);
    add_agg(c3, "min", col(s3, 1));
    root = c3;
    cr_assert_eq(opt_metadata_answers(C, &root, &E), ST_OK);
    cr_assert_eq(root->kind, LP_AGGREGATE);
    rm_rf(dir);
}

/* ---- whole pipeline ------------------------------------------------------------------ */

Test(sql_opt, optimize_exists_pushdown_and_prune)
{
    /* SELECT b FROM t1, t3 WHERE t1.a = t3.e AND t3.f > 1 + 1
    **   AND EXISTS (SELECT * FROM t2 WHERE t2.c = t1.a) */
    lp_node *t1 = scan("t1", "a,b,z", 1000), *t2 = scan("t2", "c,d", 5000);
    lp_node *t3 = scan("t3", "e,f", 50);
    lp_node *sub = filter(t2, call("=", col(t2, 0), outer_col(t1, 0)));
    lp_node *j = join(LP_JOIN_INNER, t1, t3, NULL);
    lp_node *f = filter(j, and3(call("=", col(t1, 0), col(t3, 0)),
                                call(">", col(t3, 1), call("+", ci(1), ci(1))),
                                subquery(LP_SUBQ_EXISTS, sub, NULL, false)));
    lp_expr *ex[1] = {col(t1, 1)};
    const char *nm[1] = {"b"};
    lp_node *root = project(f, 1, ex, nm);
    cr_assert_eq(opt_optimize(C, NULL, &root, &E), ST_OK, "%s", E.msg);
    /* Build (right) inputs carry only the columns used above them. The
    ** SEMI's left input (est 300) is under a quarter of t2 (5000): it is
    ** swapped into a RIGHT SEMI that hashes the small side. */
    EXPECT_PLAN(root, "Project [b#2 AS b#8] (est 150 rows)\n"
                      "  Join RightSemi keys: c#4 = a#1 (est 150 rows)\n"
                      "    Scan parquet t2 [c#4] (est 5000 rows)\n"
                      "    Project [a#1 AS a#1, b#2 AS b#2] (est 300 rows)\n"
                      "      Join Inner keys: a#1 = e#6 (est 300 rows)\n"
                      "        Scan parquet t1 [a#1, b#2] (est 1000 rows)\n"
                      "        Project [e#6 AS e#6] (est 15 rows)\n"
                      "          Filter (f#7 > 2) (est 15 rows)\n"
                      "            Scan parquet t3 [e#6, f#7] filters: (f#7 > 2) (est 50 rows)\n");
}

/* ---- OR factoring, implied filters, project clean-up ------------------------------- */

Test(sql_opt, pushdown_factors_or_and_derives_side_filters)
{
    /* (a = c AND b = 1 AND d = 2) OR (a = c AND b = 3): the join key comes out
    ** of the OR, and (b = 1 OR b = 3) filters t1 early. */
    lp_node *t1 = scan("t1", "a,b", 100), *t2 = scan("t2", "c,d", 100);
    lp_expr *or = lp_expr_new(C, LP_X_OR, -1);
    or->type.id = VEC_BOOL;
    or->args = st_arena_alloc(C->arena, 2 * sizeof(lp_expr *));
    or->args[0] = and3(call("=", col(t1, 0), col(t2, 0)), call("=", col(t1, 1), ci(1)),
                       call("=", col(t2, 1), ci(2)));
    or->args[1] = and2(call("=", col(t1, 0), col(t2, 0)), call("=", col(t1, 1), ci(3)));
    or->n_args = 2;
    lp_node *root = filter(join(LP_JOIN_INNER, t1, t2, NULL), or);
    cr_assert_eq(opt_pushdown(C, &root, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(opt_join_keys(C, &root, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(root, "Join Inner keys: a#1 = c#3 residual: (((b#2 = 1) AND (d#4 = 2)) OR (b#2 = 3))\n"
                      "  Filter ((b#2 = 1) OR (b#2 = 3))\n"
                      "    Scan parquet t1 [a#1, b#2]\n"
                      "  Scan parquet t2 [c#3, d#4]\n");
}

Test(sql_opt, prune_collapses_passthrough_projects)
{
    lp_node *t = scan("t", "a,b,c", 100);
    lp_node *p1 = lp_node_new(C, LP_PROJECT, -1);   /* pass-through of a, b */
    p1->child[0] = t;
    p1->n_child = 1;
    p1->cols = t->cols;
    p1->n_cols = 2;
    p1->exprs = st_arena_alloc(C->arena, 2 * sizeof(lp_expr *));
    p1->exprs[0] = col(t, 0);
    p1->exprs[1] = col(t, 1);
    lp_expr *ex[1] = {call("+", col(t, 0), col(t, 1))};
    const char *nm[1] = {"s"};
    lp_node *root = project(p1, 1, ex, nm);
    cr_assert_eq(opt_prune_columns(C, &root, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(root, "Project [(a#1 + b#2) AS s#4]\n"
                      "  Scan parquet t [a#1, b#2]\n");
}

/* ---- TPC-H: the 22 queries bound and optimized ---------------------------------------- */

static char g_tpch_dir[256];

static st_status tpch_lookup(void *ud, const char *const *parts, int n_parts, st_arena *a,
                             bind_table *out, st_error *err)
{
    static const char *const names[] = {"region", "nation", "supplier", "customer",
                                        "part", "partsupp", "orders", "lineitem"};
    (void)ud;
    (void)err;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(parts[n_parts - 1], names[i])) {
            out->kind = BIND_TABLE_SOURCE;
            out->format = LP_SRC_PARQUET;
            out->name = names[i];
            out->path = st_arena_printf(a, "%s/%s.parquet", g_tpch_dir, names[i]);
            return ST_OK;
        }
    return ST_ERR_NOTFOUND;
}

typedef struct plan_facts {
    int subqueries, outer_refs, joins, joins_without_keys, semi, anti, null_aware, grouped_aggs;
} plan_facts;

static bool fact_expr(lp_expr *e, void *ud)
{
    plan_facts *f = ud;
    if (e->kind == LP_X_SUBQUERY) f->subqueries++;
    if (e->kind == LP_X_COL && e->outer) f->outer_refs++;
    return true;
}

static void facts(const lp_node *n, plan_facts *f)
{
    lp_expr_walk(n->cond, fact_expr, f);
    lp_expr_walk(n->residual, fact_expr, f);
    if (n->kind == LP_PROJECT)
        for (int i = 0; i < n->n_cols; i++) lp_expr_walk(n->exprs[i], fact_expr, f);
    if (n->kind == LP_JOIN) {
        f->joins++;
        if (n->n_join_keys == 0) f->joins_without_keys++;
        /* A swapped SEMI / ANTI (small left input hashed) counts as one. */
        if (n->join == LP_JOIN_SEMI || n->join == LP_JOIN_RIGHT_SEMI) f->semi++;
        if (n->join == LP_JOIN_ANTI || n->join == LP_JOIN_RIGHT_ANTI) f->anti++;
        if (n->null_aware) f->null_aware++;
    }
    if (n->kind == LP_AGGREGATE && n->n_groups > 0) f->grouped_aggs++;
    for (int i = 0; i < n->n_child; i++) facts(n->child[i], f);
}

Test(sql_opt, tpch_22_queries_optimize, .timeout = 120)
{
    snprintf(g_tpch_dir, sizeof g_tpch_dir, "/tmp/strata-opt-tpch-%d", (int)getpid());
    gen_tpch_options go = {.sf = 0.01, .dir = g_tpch_dir, .format = GEN_FORMAT_PARQUET,
                           .n_threads = 2};
    cr_assert_eq(gen_tpch(&go, NULL, &E), ST_OK, "%s", E.msg);
    bind_env env = {.ud = NULL, .lookup = tpch_lookup};
    for (int q = 0; q < 22; q++) {
        int qn = q + 1;
        st_arena *a = st_arena_new(0);
        sql_stmt_list *l = NULL;
        cr_assert_eq(sql_parse(TPCH_QUERIES[q], a, &l, &E), ST_OK, "Q%d: %s", qn, E.msg);
        fn_context fc = {.ansi = false, .time_zone = "UTC"};
        lp_ctx *c = lp_ctx_new(TPCH_QUERIES[q], &fc);
        lp_node *n = NULL;
        cr_assert_eq(sql_bind(c, &env, l->stmts[0]->query, &n, &E), ST_OK, "Q%d: %s", qn, E.msg);
        plan_facts before = {0};
        facts(n, &before);
        int n_cols = n->n_cols;
        lp_colid first = n->cols[0].id, last = n->cols[n_cols - 1].id;
        cr_assert_eq(opt_optimize(c, NULL, &n, &E), ST_OK, "Q%d: %s", qn, E.msg);
        cr_assert_eq(lp_verify(n, &E), ST_OK, "Q%d: %s", qn, E.msg);
        /* The root keeps its columns exactly. */
        cr_assert_eq(n->n_cols, n_cols, "Q%d", qn);
        cr_assert_eq(n->cols[0].id, first, "Q%d", qn);
        cr_assert_eq(n->cols[n_cols - 1].id, last, "Q%d", qn);
        plan_facts f = {0};
        facts(n, &f);
        cr_assert_eq(f.subqueries, 0, "Q%d", qn);
        cr_assert_eq(f.outer_refs, 0, "Q%d", qn);
        if (qn == 4) cr_assert(f.semi == 1 && f.anti == 0, "Q4");
        if (qn == 16) cr_assert(f.anti == 1 && f.null_aware == 1, "Q16");
        if (qn == 21) cr_assert(f.semi == 1 && f.anti == 1, "Q21");
        if (qn == 22) cr_assert(f.anti == 1, "Q22");
        if (qn == 18 || qn == 20) cr_assert(f.semi >= 1, "Q%d", qn);
        /* Correlated scalar aggregates become aggregates grouped by the
        ** correlation columns. */
        if (qn == 2 || qn == 17 || qn == 20)
            cr_assert_eq(f.grouped_aggs, before.grouped_aggs + 1, "Q%d", qn);
        /* Every join has keys except Q11's and Q22's one-row cross joins and
        ** Q7's nation pair (an OR of names); Q19's key comes out of its OR,
        ** Q15's scalar becomes a key. */
        int cross = (qn == 7 || qn == 11 || qn == 22) ? 1 : 0;
        cr_assert_eq(f.joins_without_keys, cross, "Q%d: %d joins without keys", qn,
                     f.joins_without_keys);
        lp_ctx_free(c);
        st_arena_free(a);
    }
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tpch_dir);
    cr_assert_eq(system(cmd), 0);
}

/* ---- windows ------------------------------------------------------------------------ */

static lp_node *window_rn(lp_node *child, lp_expr *part, int n_fns)
{
    lp_node *w = lp_node_new(C, LP_WINDOW, -1);
    w->child[0] = child;
    w->n_child = 1;
    w->partition = st_arena_alloc(C->arena, sizeof(lp_expr *));
    w->partition[0] = part;
    w->n_partition = 1;
    w->winfns = st_arena_calloc(C->arena, (size_t)n_fns, sizeof(lp_winfn));
    w->cols = st_arena_calloc(C->arena, (size_t)(child->n_cols + n_fns), sizeof(lp_col));
    memcpy(w->cols, child->cols, (size_t)child->n_cols * sizeof(lp_col));
    for (int i = 0; i < n_fns; i++) {
        w->winfns[i].kind = i == 0 ? LP_WIN_ROW_NUMBER : LP_WIN_RANK;
        w->winfns[i].type = T_I64;
        w->winfns[i].out = lp_ctx_new_col(C);
        w->cols[child->n_cols + i] = (lp_col){w->winfns[i].out, i == 0 ? "rn" : "rk", T_I64, false};
    }
    w->n_winfns = n_fns;
    w->n_cols = child->n_cols + n_fns;
    return w;
}

Test(sql_opt, window_pushdown_partition_only_and_prune)
{
    lp_node *t = scan("t", "a,b", 100);
    lp_node *w = window_rn(t, col(t, 0), 2);
    /* a = 1 is over the partition column: below; rn = 1 and b = 2 stay. */
    lp_node *root = filter(w, and3(call("=", col(t, 0), ci(1)), call("=", col(w, 2), ci(1)),
                                   call("=", col(t, 1), ci(2))));
    lp_expr *ex[1] = {col(w, 2)};
    const char *nm[1] = {"rn"};
    root = project(root, 1, ex, nm);
    cr_assert_eq(opt_pushdown(C, &root, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(opt_prune_columns(C, &root, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(root, "Project [rn#3 AS rn#5]\n"
                      "  Filter ((rn#3 = 1) AND (b#2 = 2))\n"
                      "    Window partition: [a#1] order: [] fns: [row_number()#3]\n"
                      "      Filter (a#1 = 1)\n"
                      "        Scan parquet t [a#1, b#2] filters: (a#1 = 1)\n");
}

Test(sql_opt, pushdown_into_set_operation_inputs)
{
    lp_node *t1 = scan("t1", "a", 100), *t2 = scan("t2", "b", 100);
    lp_node *u = lp_node_new(C, LP_SETOP, -1);
    u->setop = SQL_SET_UNION;
    u->all = true;
    u->child[0] = t1;
    u->child[1] = t2;
    u->n_child = 2;
    u->cols = st_arena_calloc(C->arena, 1, sizeof(lp_col));
    u->cols[0] = (lp_col){lp_ctx_new_col(C), "a", T_I64, true};
    u->n_cols = 1;
    lp_node *root = filter(u, call(">", col(u, 0), ci(3)));
    cr_assert_eq(opt_pushdown(C, &root, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(root, "Union All [a#3]\n"
                      "  Filter (a#1 > 3)\n"
                      "    Scan parquet t1 [a#1] filters: (a#1 > 3)\n"
                      "  Filter (b#2 > 3)\n"
                      "    Scan parquet t2 [b#2] filters: (b#2 > 3)\n");
}

/* ---- semi-join placement (opt_semi.c) ------------------------------------------ */

Test(sql_opt, semi_pushdown_into_the_input_it_tests)
{
    /* big(bk, bm) JOIN mid(mk) ON bm = mk, SEMI small(sk) ON bk = sk: the
    ** semi join reads only big's column and small is tiny -> it moves onto
    ** big; a semi join over a right input as large as big stays on top. */
    lp_node *big = scan("big", "bk,bm", 1e6), *mid = scan("mid", "mk", 1000);
    lp_node *small = scan("small", "sk", 10);
    lp_node *j = join(LP_JOIN_INNER, big, mid, call("=", col(big, 1), col(mid, 0)));
    lp_node *root = join(LP_JOIN_SEMI, j, small, call("=", col(big, 0), col(small, 0)));
    cr_assert_eq(opt_join_keys(C, &root, &E), ST_OK);
    cr_assert_eq(opt_semi_pushdown(C, &root, &E), ST_OK, "%s", E.msg);
    EXPECT_PLAN(root, "Join Inner keys: bm#2 = mk#3\n"
                      "  Join Semi keys: bk#1 = sk#4\n"
                      "    Scan parquet big [bk#1, bm#2] (est 1000000 rows)\n"
                      "    Scan parquet small [sk#4] (est 10 rows)\n"
                      "  Scan parquet mid [mk#3]\n");

    lp_node *huge = scan("huge", "hk", 1e7);
    lp_node *big2 = scan("big2", "ck,cm", 1e6), *mid2 = scan("mid2", "nk", 1000);
    lp_node *j2 = join(LP_JOIN_INNER, big2, mid2, call("=", col(big2, 1), col(mid2, 0)));
    lp_node *root2 = join(LP_JOIN_ANTI, j2, huge, call("=", col(big2, 0), col(huge, 0)));
    cr_assert_eq(opt_join_keys(C, &root2, &E), ST_OK);
    cr_assert_eq(opt_semi_pushdown(C, &root2, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(root2->kind, LP_JOIN);
    cr_assert_eq(root2->join, LP_JOIN_ANTI);
    cr_assert_eq(root2->child[0], j2);

    /* Through a renaming PROJECT and into the preserved side of a LEFT
    ** join, never into its NULL-extended side. */
    lp_node *l = scan("l", "lk", 1e5), *r = scan("r", "rk", 1e5), *s = scan("s", "sk2", 10);
    lp_node *lj = join(LP_JOIN_LEFT, l, r, call("=", col(l, 0), col(r, 0)));
    lp_expr *pe[2] = {col(lj, 0), col(lj, 1)};
    const char *pn[2] = {"x", "y"};
    lp_node *p = project(lj, 2, pe, pn);
    lp_node *root3 = join(LP_JOIN_SEMI, p, s, call("=", col(p, 0), col(s, 0)));
    cr_assert_eq(opt_join_keys(C, &root3, &E), ST_OK);
    cr_assert_eq(opt_semi_pushdown(C, &root3, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(root3, p);
    cr_assert_eq(lj->child[0]->kind, LP_JOIN);
    cr_assert_eq(lj->child[0]->join, LP_JOIN_SEMI);
    cr_assert_eq(lj->child[0]->child[0], l);
    lp_node *root4 = join(LP_JOIN_SEMI, lj, s, call("=", col(r, 0), col(s, 0)));
    cr_assert_eq(opt_join_keys(C, &root4, &E), ST_OK);
    cr_assert_eq(opt_semi_pushdown(C, &root4, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(root4->join, LP_JOIN_SEMI);
    cr_assert_eq(root4->child[0], lj);
}

/* agg(big grouped by bk) JOIN other ON g = key: the reduced plan. */
static lp_node *agg_join(lp_join_kind k, lp_node *big, lp_node *other, bool agg_left)
{
    lp_node *a = aggregate(big, col(big, 0), "sum", col(big, 1));
    lp_node *l = agg_left ? a : other, *r = agg_left ? other : a;
    lp_node *root = join(k, l, r, call("=", col(a, 0), col(other, 0)));
    cr_assert_eq(opt_join_keys(C, &root, &E), ST_OK);
    return root;
}

Test(sql_opt, semi_reduce_aggregate_by_join_keys)
{
    lp_node *big = scan("big", "bk,bv", 1e6), *small = scan("small", "sk", 10);
    lp_node *root = agg_join(LP_JOIN_INNER, big, small, true);
    cr_assert_eq(opt_semi_reduce(C, &root, &E), ST_OK, "%s", E.msg);
    /* The aggregate reads big SEMI a renumbered copy of small. */
    EXPECT_PLAN(root, "Join Inner keys: g#5 = sk#3\n"
                      "  Aggregate keys: [bk#1] aggs: [sum(bv#2)#4]\n"
                      "    Join Semi keys: bk#1 = sk#6 reducer (est 500000 rows)\n"
                      "      Scan parquet big [bk#1, bv#2] (est 1000000 rows)\n"
                      "      Scan parquet small [sk#6] (est 10 rows)\n"
                      "  Scan parquet small [sk#3]\n");
    /* Idempotent: a second pass adds nothing. */
    cr_assert_eq(opt_semi_reduce(C, &root, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(root->child[0]->child[0]->child[0]->kind, LP_SCAN);

    /* LEFT join with the aggregate on its NULL-extended right side: reduced;
    ** with the aggregate on the preserved left side: not. */
    lp_node *big2 = scan("big2", "ck,cv", 1e6), *s2 = scan("s2", "tk", 10);
    lp_node *r2 = agg_join(LP_JOIN_LEFT, big2, s2, false);
    cr_assert_eq(opt_semi_reduce(C, &r2, &E), ST_OK, "%s", E.msg);
    cr_assert(r2->child[1]->child[0]->kind == LP_JOIN && r2->child[1]->child[0]->reducer);
    lp_node *big3 = scan("big3", "dk,dv", 1e6), *s3 = scan("s3", "uk", 10);
    lp_node *r3 = agg_join(LP_JOIN_LEFT, big3, s3, true);
    cr_assert_eq(opt_semi_reduce(C, &r3, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(r3->child[0]->child[0], big3);
}

Test(sql_opt, semi_reduce_refusals)
{
    /* The other input reads as much as the aggregate's: no copy. */
    lp_node *big = scan("big", "bk,bv", 1e6), *other = scan("other", "ok", 1e6);
    lp_node *r1 = agg_join(LP_JOIN_INNER, big, other, true);
    cr_assert_eq(opt_semi_reduce(C, &r1, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(r1->child[0]->child[0], big);

    /* A nondeterministic filter in the other input: a copy could differ. */
    lp_node *big2 = scan("big2", "ck,cv", 1e6), *s = scan("s", "sk", 10);
    lp_expr *rnd = calln("rand", 0, NULL);
    lp_node *fs = filter(s, call(">", rnd, lp_expr_const(C, &rnd->type, &(vec_scalar){.f64 = 0.5})));
    lp_node *r2 = agg_join(LP_JOIN_INNER, big2, fs, true);
    cr_assert_eq(opt_semi_reduce(C, &r2, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(r2->child[0]->child[0], big2);

    /* A join on an aggregate value (not a group column), and a null-safe
    ** key: nothing to reduce by. */
    lp_node *big3 = scan("big3", "dk,dv", 1e6), *s3 = scan("s3", "uk", 10);
    lp_node *a3 = aggregate(big3, col(big3, 0), "max", col(big3, 1));
    lp_node *r3 = join(LP_JOIN_INNER, a3, s3, call("=", col(a3, 1), col(s3, 0)));
    cr_assert_eq(opt_join_keys(C, &r3, &E), ST_OK);
    cr_assert_eq(opt_semi_reduce(C, &r3, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(a3->child[0], big3);
    lp_node *big4 = scan("big4", "ek,ev", 1e6), *s4 = scan("s4", "vk", 10);
    lp_node *a4 = aggregate(big4, col(big4, 0), "sum", col(big4, 1));
    lp_node *r4 = join(LP_JOIN_INNER, a4, s4, call("<=>", col(a4, 0), col(s4, 0)));
    cr_assert_eq(opt_join_keys(C, &r4, &E), ST_OK);
    cr_assert_eq(opt_semi_reduce(C, &r4, &E), ST_OK, "%s", E.msg);
    cr_assert_eq(a4->child[0], big4);
}

Test(sql_opt, filter_orders_cheap_conjuncts_first)
{
    lp_node *t = scan("t", "a,b,s", 1000);
    t->cols[2].type = T_STR;
    t->source->schema.fields[2].type = T_STR;
    /* written: a / b > 1 (may fail), s = 'x' (string), a <> 3, b = 7 */
    lp_expr *div = call(">", call("/", col(t, 0), col(t, 1)), ci(1));
    lp_expr *c4[4] = {div, call("=", col(t, 2), cstr("x")), call("<>", col(t, 0), ci(3)),
                      call("=", col(t, 1), ci(7))};
    lp_node *root = filter(t, lp_and(C, c4, 4));
    opt_options o = {.no_metadata_answers = true};
    cr_assert_eq(opt_optimize(C, &o, &root, &E), ST_OK, "%s", E.msg);
    const char *got = fmt(root);
    /* b = 7 (0.1), a <> 3 (0.9), then the string compare, then the division. */
    const char *p1 = strstr(got, "(b#2 = 7)"), *p2 = strstr(got, "(a#1 <> 3)");
    const char *p3 = strstr(got, "(s#3 = 'x')"), *p4 = strstr(got, "(cast(a#1 as double) /");
    cr_assert(p1 && p2 && p3 && p4, "%s", got);
    cr_assert(p1 < p2 && p2 < p3 && p3 < p4, "%s", got);
}

Test(sql_opt, join_order_tries_every_start)
{
    /* fact joins a tiny dimension every row matches and a filtered one
    ** that keeps a tenth: the filtered one must join the fact table first
    ** (starting from the tiny input alone would make a 1M-row join first). */
    lp_node *f = scan("fact", "fk1,fk2", 1e6), *d1 = scan("d1", "k1", 10);
    lp_node *d2 = scan("d2", "k2,x", 10000);
    lp_node *fd2 = filter(d2, call("=", col(d2, 1), ci(1)));
    lp_node *j1 = join(LP_JOIN_INNER, f, d1, call("=", col(f, 0), col(d1, 0)));
    lp_node *root = join(LP_JOIN_INNER, j1, fd2, call("=", col(f, 1), col(d2, 0)));
    cr_assert_eq(opt_join_keys(C, &root, &E), ST_OK);
    cr_assert_eq(opt_join_order(C, &root, &E), ST_OK, "%s", E.msg);
    lp_node *top = root->kind == LP_PROJECT ? root->child[0] : root;
    cr_assert_eq(top->kind, LP_JOIN, "%s", fmt(root));
    bool d1_on_top = top->child[0] == d1 || top->child[1] == d1;
    cr_assert(d1_on_top, "%s", fmt(root));
    cr_assert(top->est_rows <= 2e5, "%s", fmt(root));
}
