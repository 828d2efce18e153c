/* sql_bind_test.c -- unit tests for the binder (src/sql/bind*.c): the 22
** TPC-H queries bound against generated sf 0.01 Parquet files and checked
** with lp_verify (plus result names and types of some), plan shapes of
** small queries over CSV files (lp_format), name resolution (qualified,
** USING, CTEs, views, correlation), grouping, windows, set operations and
** VALUES, and every error kind with its exact message and caret position. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gen/gen.h"
#include "sql/bind.h"
#include "sql_tpch_queries.h"

static char g_dir[256];
static st_arena *A;
static lp_ctx *C;

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
}

static void setup(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/strata-bind-test-%d", (int)getpid());
    mkdir(g_dir, 0700);
    write_file("t.csv", "a,b,amount,d\n1,x,2.5,2024-01-01\n2,y,3.5,2024-02-01\n");
    write_file("u.csv", "a,c\n1,10\n3,30\n");
    A = st_arena_new(0);
    C = NULL;
}

static void teardown(void)
{
    lp_ctx_free(C);
    C = NULL;
    st_arena_free(A);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(sql_bind, .init = setup, .fini = teardown);

static const char *const TPCH_TABLES[] = {"region", "nation", "supplier", "customer",
                                          "part", "partsupp", "orders", "lineitem"};

/* t, u: CSV files; v: a view over t; TPC-H names: Parquet files. */
static st_status lookup(void *ud, const char *const *parts, int n_parts, st_arena *a,
                        bind_table *out, st_error *err)
{
    (void)ud;
    (void)err;
    const char *name = parts[n_parts - 1];
    memset(out, 0, sizeof *out);
    out->name = st_arena_strdup(a, name);
    if (!strcasecmp(name, "t") || !strcasecmp(name, "u")) {
        out->kind = BIND_TABLE_SOURCE;
        out->format = LP_SRC_CSV;
        out->path = st_arena_printf(a, "%s/%s.csv", g_dir, !strcasecmp(name, "t") ? "t" : "u");
        return ST_OK;
    }
    if (!strcasecmp(name, "v")) {
        out->kind = BIND_TABLE_VIEW;
        out->sql = "select a, b as bee from t where a > 1";
        return ST_OK;
    }
    if (!strcasecmp(name, "dnation")) {
        out->kind = BIND_TABLE_SOURCE;
        out->format = LP_SRC_DELTA;
        out->path = st_arena_printf(a, "%s/nation", g_dir);
        return ST_OK;
    }
    if (!strcasecmp(name, "loop")) {
        out->kind = BIND_TABLE_VIEW;
        out->sql = "select * from loop";
        return ST_OK;
    }
    for (size_t i = 0; i < sizeof TPCH_TABLES / sizeof TPCH_TABLES[0]; i++)
        if (!strcasecmp(name, TPCH_TABLES[i])) {
            out->kind = BIND_TABLE_SOURCE;
            out->format = LP_SRC_PARQUET;
            out->path = st_arena_printf(a, "%s/%s.parquet", g_dir, TPCH_TABLES[i]);
            return ST_OK;
        }
    return ST_ERR_NOTFOUND;
}

static const bind_env ENV = {.ud = NULL, .lookup = lookup};

/* Binds sql (one query) into *out; returns the status, err filled. */
static st_status bind_sql(const char *sql, lp_node **out, st_error *err)
{
    sql_stmt_list *l = NULL;
    st_error_init(err);
    st_status rc = sql_parse(sql, A, &l, err);
    cr_assert_eq(rc, ST_OK, "parse of [%s] failed: %s", sql, err->msg);
    cr_assert_eq(l->n_stmts, 1);
    lp_ctx_free(C);
    fn_context fc = {.ansi = false, .now_micros = 0, .time_zone = "UTC"};
    C = lp_ctx_new(sql, &fc);
    cr_assert(C);
    return sql_bind(C, &ENV, l->stmts[0]->query, out, err);
}

static lp_node *bind_ok(const char *sql)
{
    lp_node *n = NULL;
    st_error err;
    st_status rc = bind_sql(sql, &n, &err);
    cr_assert_eq(rc, ST_OK, "bind of [%s] failed: %s\n%s", sql, err.msg, err.hint);
    cr_assert(n);
    rc = lp_verify(n, &err);
    cr_assert_eq(rc, ST_OK, "verify of [%s] failed: %s", sql, err.msg);
    return n;
}

/* lp_format of sql's plan as a heap string (caller frees). */
static char *plan_of(const char *sql)
{
    lp_node *n = bind_ok(sql);
    st_buf b;
    st_error err;
    st_buf_init(&b);
    st_error_init(&err);
    cr_assert_eq(lp_format(n, &b, &err), ST_OK, "%s", err.msg);
    char *s = strndup((const char *)b.data, b.len);
    st_buf_destroy(&b);
    return s;
}

static void expect_plan(const char *sql, const char *want)
{
    char *got = plan_of(sql);
    cr_assert_str_eq(got, want, "plan of [%s]:\n%s\nwant:\n%s", sql, got, want);
    free(got);
}

static void expect_error(const char *sql, st_status code, const char *msg, const char *caret)
{
    lp_node *n = NULL;
    st_error err;
    st_status rc = bind_sql(sql, &n, &err);
    cr_assert_eq(rc, code, "bind of [%s]: status %d (%s)", sql, (int)rc, err.msg);
    cr_assert_str_eq(err.msg, msg, "bind of [%s]", sql);
    if (caret)
        cr_assert_str_eq(err.hint, caret, "hint of [%s]:\n%s", sql, err.hint);
}

static void expect_cols(const lp_node *n, const char *const *names, const vec_type_id *types,
                        int count)
{
    cr_assert_eq(n->n_cols, count, "got %d columns", n->n_cols);
    for (int i = 0; i < count; i++) {
        cr_assert_str_eq(n->cols[i].name, names[i], "column %d", i);
        if (types)
            cr_assert_eq(n->cols[i].type.id, types[i], "column %d (%s) type %d", i, names[i],
                         (int)n->cols[i].type.id);
    }
}

static const lp_node *find_kind(const lp_node *n, lp_kind k)
{
    if (n->kind == k)
        return n;
    for (int i = 0; i < n->n_child; i++) {
        const lp_node *r = find_kind(n->child[i], k);
        if (r)
            return r;
    }
    return NULL;
}

/* ---- TPC-H ------------------------------------------------------------------------ */

Test(sql_bind, tpch_22_queries)
{
    gen_tpch_options opt = {.sf = 0.01, .dir = g_dir, .format = GEN_FORMAT_PARQUET,
                            .n_threads = 2};
    st_error err;
    st_error_init(&err);
    cr_assert_eq(gen_tpch(&opt, NULL, &err), ST_OK, "%s", err.msg);
    for (int q = 0; q < 22; q++) {
        lp_node *n = NULL;
        st_status rc = bind_sql(TPCH_QUERIES[q], &n, &err);
        cr_assert_eq(rc, ST_OK, "Q%d: %s\n%s", q + 1, err.msg, err.hint);
        rc = lp_verify(n, &err);
        cr_assert_eq(rc, ST_OK, "Q%d verify: %s", q + 1, err.msg);
        cr_assert(n->n_cols > 0);
        if (q == 0) {
            static const char *const names[] = {
                "l_returnflag", "l_linestatus", "sum_qty", "sum_base_price", "sum_disc_price",
                "sum_charge", "avg_qty", "avg_price", "avg_disc", "count_order"};
            static const vec_type_id types[] = {
                VEC_STRING, VEC_STRING, VEC_DECIMAL, VEC_DECIMAL, VEC_DECIMAL,
                VEC_DECIMAL, VEC_DECIMAL, VEC_DECIMAL, VEC_DECIMAL, VEC_INT64};
            expect_cols(n, names, types, 10);
            cr_assert_eq(n->kind, LP_SORT);
            const lp_node *agg = find_kind(n, LP_AGGREGATE);
            cr_assert(agg);
            cr_assert_eq(agg->n_groups, 2);
            cr_assert_eq(agg->n_aggs, 8);   /* avg(l_quantity) etc. are distinct from sums */
            const lp_node *scan = find_kind(n, LP_SCAN);
            cr_assert(scan);
            cr_assert_eq(scan->source->kind, LP_SRC_PARQUET);
            cr_assert(scan->source->est_rows > 50000 && scan->source->est_rows < 70000,
                      "lineitem est %f", scan->source->est_rows);
            cr_assert_eq(scan->source->n_files, 1);
        }
        if (q == 2) {   /* Q3: revenue, o_orderdate; limit 10 */
            cr_assert_eq(n->kind, LP_LIMIT);
            cr_assert_eq(n->limit, 10);
            static const char *const names[] = {"l_orderkey", "revenue", "o_orderdate",
                                                "o_shippriority"};
            static const vec_type_id types[] = {VEC_INT64, VEC_DECIMAL, VEC_DATE, VEC_INT32};
            expect_cols(n, names, types, 4);
        }
        if (q == 13) {   /* Q14: 100.00 * sum(...) / sum(...) */
            cr_assert_eq(n->n_cols, 1);
            cr_assert_str_eq(n->cols[0].name, "promo_revenue");
        }
    }
    /* a Parquet glob: files sorted, schema of the first, rows of all footers */
    char sql[1024];
    snprintf(sql, sizeof sql, "select * from parquet.`%s/*ion.parquet`", g_dir);
    lp_node *n = bind_ok(sql);
    const lp_node *scan = find_kind(n, LP_SCAN);
    cr_assert_eq(scan->source->n_files, 2);
    cr_assert(strstr(scan->source->files[0], "nation.parquet"));
    cr_assert(strstr(scan->source->files[1], "region.parquet"));
    cr_assert_eq(scan->source->est_rows, 30);
    cr_assert_eq(n->n_cols, 4);
    cr_assert_str_eq(n->cols[0].name, "n_nationkey");
}

/* ---- plan shapes ------------------------------------------------------------------------ */

Test(sql_bind, shape_filter_project)
{
    expect_plan("select a + 1, b as bb from t where a > 1",
                "Project [(a#1 + 1) AS (a + 1)#5, b#2 AS bb#6]\n"
                "  Filter (a#1 > 1)\n"
                "    Scan csv t [a#1, b#2, amount#3, d#4]\n");
}

Test(sql_bind, shape_aggregate_having_order)
{
    expect_plan("select a, count(*) as n, sum(amount) from t group by a having count(*) > 0 "
                "order by n desc",
                "Sort n#9 DESC NULLS LAST\n"
                "  Project [a#7 AS a#8, count(1)#5 AS n#9, sum(amount)#6 AS sum(amount)#10]\n"
                "    Filter (count(1)#5 > cast(0 as bigint))\n"
                "      Aggregate keys: [a#1] aggs: [count()#5, sum(amount#3)#6]\n"
                "        Scan csv t [a#1, b#2, amount#3, d#4]\n");
}

Test(sql_bind, shape_using_join)
{
    expect_plan("select * from t join u using (a)",
                "Project [a#1 AS a#7, b#2 AS b#8, amount#3 AS amount#9, d#4 AS d#10, c#6 AS c#11]\n"
                "  Join Inner on (a#1 = a#5)\n"
                "    Scan csv t [a#1, b#2, amount#3, d#4]\n"
                "    Scan csv u [a#5, c#6]\n");
    /* qualified names still reach both sides; RIGHT JOIN merges the right one */
    lp_node *n = bind_ok("select t.a, u.a, a from t right join u using (a)");
    cr_assert_eq(n->exprs[0]->col, 1);
    cr_assert_eq(n->exprs[1]->col, 5);
    cr_assert_eq(n->exprs[2]->col, 5);
    cr_assert(n->cols[0].nullable);
    /* FULL JOIN USING: coalesce of both sides */
    n = bind_ok("select a, c from t full join u using (a)");
    cr_assert_eq(n->child[0]->kind, LP_PROJECT);
    cr_assert_str_eq(n->child[0]->exprs[0]->fn->name, "coalesce");
    n = bind_ok("select * from t natural join u");
    cr_assert_eq(n->n_cols, 5);
}

Test(sql_bind, shape_window_setop_values_cte)
{
    expect_plan("select a, row_number() over (partition by b order by d) as rn from t",
                "Project [a#1 AS a#6, row_number() OVER (PARTITION BY b ORDER BY d ASC NULLS "
                "FIRST)#5 AS rn#7]\n"
                "  Window partition: [b#2] order: [d#4 ASC NULLS FIRST] fns: [row_number()#5]\n"
                "    Scan csv t [a#1, b#2, amount#3, d#4]\n");
    expect_plan("select a from t union all select c from u",
                "Union All [a#9]\n"
                "  Project [a#1 AS a#5]\n"
                "    Scan csv t [a#1, b#2, amount#3, d#4]\n"
                "  Project [c#7 AS c#8]\n"
                "    Scan csv u [a#6, c#7]\n");
    lp_node *n = bind_ok("values (1, 'x'), (2.5, null)");
    static const char *const names[] = {"col1", "col2"};
    static const vec_type_id types[] = {VEC_DECIMAL, VEC_STRING};
    expect_cols(n, names, types, 2);
    cr_assert_eq(n->n_rows, 2);
    cr_assert_eq(n->cols[0].type.precision, 11);   /* int (10,0) widened with (2,1) */
    cr_assert_eq(n->cols[0].type.scale, 1);
    /* a CTE referenced twice is bound twice: distinct column ids */
    expect_plan("with w as (select a from t) select * from w x join w y on x.a = y.a",
                "Project [a#5 AS a#11, a#10 AS a#12]\n"
                "  Join Inner on (a#5 = a#10)\n"
                "    Project [a#1 AS a#5]\n"
                "      Scan csv t [a#1, b#2, amount#3, d#4]\n"
                "    Project [a#6 AS a#10]\n"
                "      Scan csv t [a#6, b#7, amount#8, d#9]\n");
}

Test(sql_bind, grouping_sets)
{
    lp_node *n = bind_ok("select a, b, grouping_id(), grouping(b) from t group by rollup (a, b)");
    const lp_node *agg = find_kind(n, LP_AGGREGATE);
    cr_assert_eq(agg->n_sets, 3);
    cr_assert_eq(agg->sets[0], 3);
    cr_assert_eq(agg->sets[1], 1);
    cr_assert_eq(agg->sets[2], 0);
    cr_assert_eq(agg->n_cols, 3);             /* a, b, grouping id */
    cr_assert_eq(n->cols[2].type.id, VEC_INT64);
    cr_assert_eq(n->cols[3].type.id, VEC_INT8);
    cr_assert(n->cols[0].nullable);
    n = bind_ok("select a, b, count(*) from t group by cube (a, b)");
    cr_assert_eq(find_kind(n, LP_AGGREGATE)->n_sets, 4);
    n = bind_ok("select a, b from t group by grouping sets ((a, b), (a), ())");
    agg = find_kind(n, LP_AGGREGATE);
    cr_assert_eq(agg->n_sets, 3);
    cr_assert_eq(agg->sets[2], 0);
}

Test(sql_bind, names_and_resolution)
{
    /* correlated reference marked outer */
    lp_node *n = bind_ok("select a from t where exists (select * from u where u.c > t.amount)");
    const lp_node *f = find_kind(n, LP_FILTER);
    cr_assert_eq(f->cond->kind, LP_X_SUBQUERY);
    cr_assert_eq(f->cond->subq_kind, LP_SUBQ_EXISTS);
    const lp_node *inner = find_kind(f->cond->subq, LP_FILTER);
    const lp_expr *cmp = inner->cond;
    cr_assert_eq(cmp->kind, LP_X_CALL);
    const lp_expr *rhs = cmp->args[1]->kind == LP_X_CAST ? cmp->args[1]->args[0] : cmp->args[1];
    cr_assert_eq(rhs->kind, LP_X_COL);
    cr_assert(rhs->outer);
    cr_assert_eq(rhs->col, 3);
    /* a correlated subquery above an aggregate names the group column */
    n = bind_ok("select b, (select count(*) from u where u.c > t.b) from t group by b");
    const lp_node *agg = find_kind(n, LP_AGGREGATE);
    const lp_expr *sq = n->exprs[1];
    cr_assert_eq(sq->kind, LP_X_SUBQUERY);
    const lp_expr *corr = find_kind(sq->subq, LP_FILTER)->cond;
    while (corr->kind != LP_X_COL || !corr->outer)
        corr = corr->args[corr->n_args - 1];
    cr_assert_eq(corr->col, agg->cols[0].id);
    /* catalog-qualified column names */
    n = bind_ok("select db.t.a, t.b from db.t");
    cr_assert_eq(n->exprs[0]->col, 1);
    cr_assert_eq(n->exprs[1]->col, 2);
    /* view text bound in place, with its alias */
    n = bind_ok("select bee, a from v");
    static const char *const vn[] = {"bee", "a"};
    expect_cols(n, vn, NULL, 2);
    /* CTE column list, ORDER BY ordinal, alias and expression over the input */
    n = bind_ok("with w (x, y) as (select a, b from t) select y, x from w order by 2, y, x + 1");
    cr_assert_eq(n->kind, LP_PROJECT);        /* drops the helper column */
    cr_assert_eq(n->child[0]->kind, LP_SORT);
    cr_assert_eq(n->child[0]->n_keys, 3);
    cr_assert_eq(n->child[0]->child[0]->n_cols, 3);
    static const char *const wn[] = {"y", "x"};
    expect_cols(n, wn, NULL, 2);
    /* select list display names */
    n = bind_ok("select sum(a), count(distinct b), cast(a as bigint), -a, 1.50, 'lit', "
                "extract(year from d) from t group by a, d");
    static const char *const dn[] = {"sum(a)", "count(DISTINCT b)", "CAST(a AS BIGINT)",
                                     "(- a)", "1.50", "lit", "extract(year FROM d)"};
    expect_cols(n, dn, NULL, 7);
    n = bind_ok("select a is not null, a between 1 and 2, a in (1, 2), b not like 'x%', "
                "(select 1), case when a = 1 then 'one' end from t");
    static const char *const dn2[] = {"(a IS NOT NULL)", "(a BETWEEN 1 AND 2)", "(a IN (1, 2))",
                                      "b NOT LIKE x%", "scalarsubquery()",
                                      "CASE WHEN (a = 1) THEN one END"};
    expect_cols(n, dn2, NULL, 6);
    /* literals: int overflow to bigint, decimal precision/scale, dates */
    n = bind_ok("select 2147483648, 12.345, date '2024-03-01', 7L, 1e3");
    static const vec_type_id lt[] = {VEC_INT64, VEC_DECIMAL, VEC_DATE, VEC_INT64, VEC_DOUBLE};
    cr_assert_eq(n->n_cols, 5);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(n->cols[i].type.id, lt[i], "literal %d", i);
    cr_assert_eq(n->cols[1].type.precision, 5);
    cr_assert_eq(n->cols[1].type.scale, 3);
    /* IN list and CASE get one type; BETWEEN is an AND of two comparisons */
    n = bind_ok("select case when a > 1 then 1 else 2.5 end, a in (1, 2.5), "
                "a between 1 and 2 from t");
    cr_assert_eq(n->cols[0].type.id, VEC_DECIMAL);
    cr_assert_eq(n->exprs[1]->kind, LP_X_IN);
    cr_assert_eq(n->exprs[1]->args[0]->type.id, n->exprs[1]->args[2]->type.id);
    cr_assert_eq(n->exprs[2]->kind, LP_X_AND);
    /* date +/- interval */
    n = bind_ok("select d + interval '3' month, d - interval '2' day from t");
    cr_assert_str_eq(n->exprs[0]->fn->name, "add_months");
    cr_assert_str_eq(n->exprs[1]->fn->name, "date_add");
    cr_assert_eq(n->cols[0].type.id, VEC_DATE);
    /* a timestamp, or a date plus hours, goes through timestampadd */
    n = bind_ok("select cast(d as timestamp) + interval 2 hours, d - interval '1 12' day to hour, "
                "d + interval '1-2' year to month from t");
    cr_assert_str_eq(n->exprs[0]->fn->name, "timestampadd");
    cr_assert_eq(n->cols[0].type.id, VEC_TIMESTAMP);
    cr_assert_str_eq(n->exprs[1]->fn->name, "timestampadd");
    cr_assert_eq(n->exprs[1]->args[1]->value->type->id, VEC_INT64);
    cr_assert_eq(((const int64_t *)n->exprs[1]->args[1]->value->values)[0],
                 -36 * INT64_C(3600000000));
    cr_assert_str_eq(n->exprs[2]->fn->name, "add_months");
    cr_assert_eq(((const int32_t *)n->exprs[2]->args[1]->value->values)[0], 14);
    expect_error("select d + interval '1:2' day from t", ST_ERR_BIND,
                 "line 1, column 12: invalid interval value '1:2'", NULL);
}

Test(sql_bind, sources_and_distinct)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "select distinct _c1 from csv.`%s/t.csv` where _c0 > 0 limit 5 offset 1",
             g_dir);
    lp_node *n = bind_ok(sql);
    cr_assert_eq(n->kind, LP_LIMIT);
    cr_assert_eq(n->limit, 5);
    cr_assert_eq(n->offset, 1);
    cr_assert_eq(n->child[0]->kind, LP_DISTINCT);
    const lp_node *scan = find_kind(n, LP_SCAN);
    cr_assert_eq(scan->source->kind, LP_SRC_CSV);
    cr_assert_eq(scan->source->csv.schema, &scan->source->schema);
    cr_assert_eq(scan->source->schema.n_fields, 4);
    cr_assert_eq(scan->source->est_rows, -1);
    /* Spark's default: no header row, so the header line is data (strings) */
    cr_assert(scan->source->csv.no_header);
    cr_assert_str_eq(scan->source->schema.fields[0].name, "_c0");
    cr_assert_eq(scan->source->schema.fields[0].type.id, VEC_STRING);
    write_file("s.txt", "x;y\n1;hello\n");
    snprintf(sql, sizeof sql,
             "select y from read_files('%s/s.txt', format => 'csv', header => true, "
             "delimiter => ';')", g_dir);
    n = bind_ok(sql);
    scan = find_kind(n, LP_SCAN);
    cr_assert_eq(scan->source->csv.delimiter, ';');
    cr_assert(!scan->source->csv.no_header);
    cr_assert_eq(n->cols[0].type.id, VEC_STRING);
    write_file("j.json", "{\"x\": 1, \"y\": \"a\"}\n{\"x\": 2, \"y\": null}\n");
    snprintf(sql, sizeof sql, "select y, x from json.`%s/j.json` as j (xx, yy)", g_dir);
    expect_error(sql, ST_ERR_BIND,
                 "line 1, column 8: unknown column 'y' (did you mean 'yy'?)", NULL);
    snprintf(sql, sizeof sql, "select yy, j.xx from json.`%s/j.json` as j (xx, yy)", g_dir);
    n = bind_ok(sql);
    scan = find_kind(n, LP_SCAN);
    cr_assert_eq(scan->source->kind, LP_SRC_JSON);
    cr_assert_eq(scan->source->json.schema, &scan->source->schema);
    cr_assert_eq(n->cols[0].type.id, VEC_STRING);
    cr_assert_eq(n->cols[1].type.id, VEC_INT64);
    n = bind_ok("select a, row_number() over (partition by b order by a) as rn from t "
                "qualify rn = 1");
    cr_assert_eq(n->n_cols, 2);
    cr_assert_eq(n->child[0]->kind, LP_FILTER);
    cr_assert_eq(n->child[0]->cond->args[0]->col, n->child[0]->child[0]->winfns[0].out);
    n = bind_ok("select * from t qualify row_number() over (order by a) = 1");
    cr_assert_eq(n->n_cols, 4);
    cr_assert_eq(n->child[0]->kind, LP_FILTER);
    cr_assert_eq(n->child[0]->child[0]->kind, LP_WINDOW);
}

/* ---- errors --------------------------------------------------------------------------- */

Test(sql_bind, error_unknown_column)
{
    expect_error("select amout from t", ST_ERR_BIND,
                 "line 1, column 8: unknown column 'amout' (did you mean 'amount'?)",
                 "LINE 1: select amout from t\n               ^");
    expect_error("select a\nfrom t where zzz > 1", ST_ERR_BIND,
                 "line 2, column 14: unknown column 'zzz'", NULL);
}

Test(sql_bind, error_unknown_table)
{
    expect_error("select * from nope", ST_ERR_BIND,
                 "line 1, column 15: table or view 'nope' not found",
                 "LINE 1: select * from nope\n                      ^");
}

Test(sql_bind, error_messages)
{
    expect_error("select a from t, u", ST_ERR_BIND, "line 1, column 8: column 'a' is ambiguous",
                 "LINE 1: select a from t, u\n               ^");
    expect_error("select nofn(a) from t", ST_ERR_BIND,
                 "line 1, column 8: function nofn does not exist", NULL);
    expect_error("select nofn(*) from t", ST_ERR_BIND,
                 "line 1, column 8: function nofn does not exist", NULL);
    expect_error("select upper(distinct b) from t", ST_ERR_BIND,
                 "line 1, column 8: function upper is not an aggregate function", NULL);
    expect_error("select a from t where sum(a) > 1", ST_ERR_BIND,
                 "line 1, column 23: aggregate function sum is not allowed in WHERE", NULL);
    expect_error("select sum(sum(a)) from t", ST_ERR_BIND,
                 "line 1, column 12: aggregate function sum cannot be nested inside another "
                 "aggregate function", NULL);
    expect_error("select a, b from t group by a", ST_ERR_BIND,
                 "line 1, column 11: column 'b' must appear in the GROUP BY clause or be used "
                 "in an aggregate function",
                 "LINE 1: select a, b from t group by a\n                  ^");
    expect_error("select b, sum(a) from t", ST_ERR_BIND,
                 "line 1, column 8: column 'b' must appear in the GROUP BY clause or be used "
                 "in an aggregate function", NULL);
    expect_error("select a from t union select a, b from t", ST_ERR_BIND,
                 "line 1, column 17: UNION inputs have different column counts: 1 and 2", NULL);
    expect_error("select a from t\nwhere a > (select a, c from u)", ST_ERR_BIND,
                 "line 2, column 11: subquery must return one column, got 2", NULL);
    expect_error("select a from t order by 3", ST_ERR_BIND,
                 "line 1, column 26: ORDER BY position 3 is not in the select list", NULL);
    expect_error("select rank() over (partition by a) from t", ST_ERR_BIND,
                 "line 1, column 8: window function rank requires an ORDER BY in its window",
                 NULL);
    expect_error("select a from t where row_number() over (order by a) = 1", ST_ERR_BIND,
                 "line 1, column 23: window function row_number is not allowed in WHERE", NULL);
    expect_error("select cast(d as boolean) from t", ST_ERR_BIND,
                 "line 1, column 8: cannot cast date to boolean", NULL);
    expect_error("select a from t where b", ST_ERR_BIND,
                 "line 1, column 23: condition must be boolean, got string", NULL);
    expect_error("select a from t where a > 1 and 'x'", ST_ERR_BIND,
                 "line 1, column 33: condition must be boolean, got string", NULL);
}

Test(sql_bind, explode_windows_order)
{
    expect_error("select sqrt(d) from t", ST_ERR_BIND,
                 "line 1, column 8: function sqrt(date) does not exist; sqrt takes a number",
                 NULL);
    expect_plan("select explode(split(b, ',')) as w, a from t",
                "Project [w#5 AS w#6, a#1 AS a#7]\n"
                "  Generate explode(split(b#2, ',')) [a#1, b#2, amount#3, d#4, w#5]\n"
                "    Scan csv t [a#1, b#2, amount#3, d#4]\n");
    lp_node *n = bind_ok("select posexplode(split(b, ',')) from t");
    static const char *const pn[] = {"pos", "col"};
    static const vec_type_id pt[] = {VEC_INT32, VEC_STRING};
    expect_cols(n, pn, pt, 2);
    /* ORDER BY an input column not selected: a helper column, dropped after */
    expect_plan("select a from t order by amount",
                "Project [a#5 AS a#7]\n"
                "  Sort __order#6 ASC NULLS FIRST\n"
                "    Project [a#1 AS a#5, amount#3 AS __order#6]\n"
                "      Scan csv t [a#1, b#2, amount#3, d#4]\n");
    /* ORDER BY an expression over a select alias */
    expect_plan("select a as z from t order by z + 1",
                "Sort (z#5 + 1) ASC NULLS FIRST\n"
                "  Project [a#1 AS z#5]\n"
                "    Scan csv t [a#1, b#2, amount#3, d#4]\n");
    n = bind_ok("select sum(a) over (partition by b order by d rows between 1 preceding and "
                "current row), lag(a, 2, 0) over (partition by b order by d), "
                "avg(a) over (), first_value(a) over w from t window w as (order by a)");
    static const char *const wnames[] = {
        "sum(a) OVER (PARTITION BY b ORDER BY d ASC NULLS FIRST ROWS BETWEEN 1 PRECEDING AND "
        "CURRENT ROW)",
        "lag(a, 2, 0) OVER (PARTITION BY b ORDER BY d ASC NULLS FIRST)", "avg(a) OVER ()",
        "first_value(a) OVER w"};
    expect_cols(n, wnames, NULL, 4);
    const lp_node *w = find_kind(n, LP_WINDOW);
    cr_assert(w);
    int n_windows = 0;
    for (const lp_node *x = n->child[0]; x->kind == LP_WINDOW; x = x->child[0])
        n_windows++;
    cr_assert_eq(n_windows, 3);               /* (b, d), (), (a) */
    const lp_node *low = n->child[0]->child[0]->child[0];
    cr_assert_eq(low->n_winfns, 2);           /* sum and lag share (b, d) */
    cr_assert_eq(low->winfns[0].kind, LP_WIN_AGG);
    cr_assert(!low->winfns[0].frame.range);
    cr_assert_eq(low->winfns[0].frame.start.kind, LP_FB_PRECEDING);
    cr_assert_eq(low->winfns[0].frame.start.rows, 1);
    cr_assert_eq(low->winfns[0].frame.end.kind, LP_FB_CURRENT_ROW);
    cr_assert_eq(low->winfns[1].kind, LP_WIN_LAG);
    cr_assert_eq(low->winfns[1].n_args, 3);
    const lp_node *mid = n->child[0]->child[0];
    cr_assert_eq(mid->winfns[0].frame.end.kind, LP_FB_UNBOUNDED_FOLLOWING);
    cr_assert_eq(mid->n_partition, 0);
    const lp_node *top = n->child[0];
    cr_assert_eq(top->winfns[0].kind, LP_WIN_FIRST_VALUE);
    cr_assert(top->winfns[0].frame.range);    /* default with ORDER BY */
    cr_assert_eq(top->winfns[0].frame.end.kind, LP_FB_CURRENT_ROW);
    n = bind_ok("select a from t group by all");
    cr_assert_eq(find_kind(n, LP_AGGREGATE)->n_groups, 1);
    n = bind_ok("select b from t intersect select b from t order by b");
    cr_assert_eq(n->kind, LP_SORT);
    cr_assert_eq(n->child[0]->kind, LP_SETOP);
    cr_assert_eq(n->child[0]->setop, SQL_SET_INTERSECT);
    n = bind_ok("select count(*) filter (where a > 1) from t");
    cr_assert(find_kind(n, LP_AGGREGATE)->aggs[0].filter);
    expect_error("select * from loop", ST_ERR_BIND,
                 "binding view 'loop': line 1, column 15: views nest too deeply (does view "
                 "'loop' refer to itself?)", NULL);
}

Test(sql_bind, delta_time_travel)
{
    gen_tpch_options opt = {.sf = 0.01, .dir = g_dir, .format = GEN_FORMAT_DELTA,
                            .n_threads = 2};
    st_error err;
    st_error_init(&err);
    cr_assert_eq(gen_tpch(&opt, NULL, &err), ST_OK, "%s", err.msg);
    lp_node *n = bind_ok("select n_name from dnation version as of 0 where n_nationkey < 5");
    const lp_node *scan = find_kind(n, LP_SCAN);
    cr_assert_eq(scan->source->kind, LP_SRC_DELTA);
    cr_assert(scan->source->snapshot);
    cr_assert_eq(scan->source->snapshot->version, 0);
    cr_assert_eq(C->n_snapshots, 1);
    cr_assert_eq(scan->source->est_rows, 25);
    lp_node *bad = NULL;
    cr_assert_neq(bind_sql("select * from dnation@v7", &bad, &err), ST_OK);
    cr_assert(strncmp(err.msg, "line 1, column 15: ", 19) == 0, "%s", err.msg);
    char sql[1024];
    snprintf(sql, sizeof sql, "select count(*) from delta.`%s/region` r", g_dir);
    n = bind_ok(sql);
    cr_assert_eq(find_kind(n, LP_SCAN)->source->est_rows, 5);
}

Test(sql_bind, operators_and_grouping_forms)
{
    lp_node *n = bind_ok("select a is distinct from 1, a <=> 2, (a > 1) is true, "
                         "(a > 1) is not false, b like any ('x%', 'y%'), b not ilike 'X', "
                         "b rlike '^x', b || 'z', a not in (1, 2), d > '2024-01-15' from t");
    cr_assert_eq(n->n_cols, 10);
    cr_assert_eq(n->exprs[0]->kind, LP_X_NOT);
    cr_assert_str_eq(n->exprs[0]->args[0]->fn->name, "<=>");
    cr_assert_str_eq(n->exprs[1]->fn->name, "<=>");
    cr_assert_str_eq(n->exprs[2]->fn->name, "<=>");
    cr_assert_eq(n->exprs[3]->kind, LP_X_NOT);
    cr_assert_eq(n->exprs[4]->kind, LP_X_OR);
    cr_assert_eq(n->exprs[4]->n_args, 2);
    cr_assert_str_eq(n->exprs[4]->args[0]->fn->name, "like");
    cr_assert_eq(n->exprs[5]->kind, LP_X_NOT);
    cr_assert_str_eq(n->exprs[5]->args[0]->fn->name, "ilike");
    cr_assert_str_eq(n->exprs[6]->fn->name, "rlike");
    cr_assert_str_eq(n->exprs[7]->fn->name, "concat");
    cr_assert_eq(n->exprs[8]->kind, LP_X_IN);
    cr_assert(n->exprs[8]->negated);
    cr_assert_eq(n->exprs[9]->type.id, VEC_BOOL);
    for (int i = 0; i < n->n_cols; i++)
        cr_assert(n->cols[i].type.id == VEC_BOOL || i == 7, "column %d", i);
    /* GROUP BY ordinal and select alias; HAVING without GROUP BY */
    n = bind_ok("select a + 1 as k, sum(amount) from t group by 1");
    cr_assert_eq(find_kind(n, LP_AGGREGATE)->n_groups, 1);
    cr_assert_eq(find_kind(n, LP_AGGREGATE)->groups[0]->kind, LP_X_CALL);
    n = bind_ok("select b as k, count(*) from t group by k");
    cr_assert_eq(find_kind(n, LP_AGGREGATE)->groups[0]->col, 2);
    n = bind_ok("select a, count(*) as n from t group by a having n > 1");
    cr_assert_eq(n->child[0]->kind, LP_FILTER);
    cr_assert_eq(n->child[0]->cond->args[0]->col, find_kind(n, LP_AGGREGATE)->aggs[0].out);
    n = bind_ok("select d + 1, d - 2 from t");
    cr_assert_str_eq(n->exprs[0]->fn->name, "date_add");
    cr_assert_str_eq(n->exprs[1]->fn->name, "date_sub");
    n = bind_ok("select count(*) from t having count(*) > 1");
    cr_assert_eq(n->child[0]->kind, LP_FILTER);
    /* t.* with a join, named windows building on each other */
    n = bind_ok("select u.*, t.b from t join u on t.a = u.a");
    static const char *const un[] = {"a", "c", "b"};
    expect_cols(n, un, NULL, 3);
    n = bind_ok("select rank() over (w order by d) from t window w as (partition by b)");
    cr_assert_eq(find_kind(n, LP_WINDOW)->n_partition, 1);
    cr_assert_eq(find_kind(n, LP_WINDOW)->n_keys, 1);
    /* scalar subquery type and nested query with its own ORDER BY/LIMIT */
    n = bind_ok("select (select max(c) from u) + a from t");
    cr_assert_eq(n->cols[0].type.id, VEC_INT32);
    n = bind_ok("(select a from t order by a limit 1) union all (select a from u) limit 3");
    cr_assert_eq(n->kind, LP_LIMIT);
    cr_assert_eq(n->child[0]->kind, LP_SETOP);
    cr_assert_eq(n->child[0]->child[0]->kind, LP_LIMIT);
}

Test(sql_bind, more_errors)
{
    expect_error("select a from t join u on sum(t.a) > 1", ST_ERR_BIND,
                 "line 1, column 27: aggregate function sum is not allowed in JOIN ON", NULL);
    expect_error("select a from t group by sum(a)", ST_ERR_BIND,
                 "line 1, column 26: aggregate function sum is not allowed in GROUP BY", NULL);
    expect_error("select x.* from t", ST_ERR_BIND,
                 "line 1, column 8: table 'x' is not in the FROM clause", NULL);
    expect_error("select a from t join u using (zz)", ST_ERR_BIND,
                 "line 1, column 17: USING column 'zz' is not in the left side of the join",
                 NULL);
    expect_error("select rank() over w from t", ST_ERR_BIND,
                 "line 1, column 8: window 'w' is not defined", NULL);
    expect_error("select a from t limit -1", ST_ERR_BIND,
                 "line 1, column 23: LIMIT must not be negative", NULL);
    expect_error("select a from t limit a", ST_ERR_BIND,
                 "line 1, column 23: LIMIT must be a constant integer", NULL);
    expect_error("values (1, 2), (3)", ST_ERR_BIND,
                 "line 1, column 17: VALUES row 2 has 1 columns, expected 2", NULL);
    expect_error("select a from t union select d from t", ST_ERR_BIND,
                 "line 1, column 17: UNION column 1 has no common type for int and date", NULL);
    expect_error("select explode(a) from t", ST_ERR_BIND,
                 "line 1, column 16: explode needs an array or a map, got int", NULL);
    expect_error("select a from t where a = (select sum(c) from u where c = a) and t.zz = 1",
                 ST_ERR_BIND, "line 1, column 66: unknown column 't.zz'", NULL);
    expect_error("with w as (select 1 as x), w as (select 2 as x) select * from w", ST_ERR_BIND,
                 "line 1, column 28: common table expression 'w' is defined twice", NULL);
    expect_error("select p from t", ST_ERR_BIND, "line 1, column 8: unknown column 'p'", NULL);
    expect_error("select a.b from t", ST_ERR_BIND,
                 "line 1, column 8: cannot access field 'b' of a value of type int", NULL);
    expect_error("select a[0] from t", ST_ERR_BIND,
                 "line 1, column 9: cannot subscript a value of type int", NULL);
    expect_error("select date '2024-13-01'", ST_ERR_BIND,
                 "line 1, column 8: invalid date literal '2024-13-01'", NULL);
}
