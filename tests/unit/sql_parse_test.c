/* sql_parse_test.c -- unit tests for src/sql (lexer, parser, AST printer):
** every construct of the Spark SQL dialect printed in the canonical
** S-expression form (exact strings), operator precedence, the 22 TPC-H
** queries, SET/RESET/SHOW/USE/EXPLAIN, error messages with exact line and
** column plus the caret picture, nesting limits, node positions, and
** allocation failures. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "sql/sql.h"
#include "sql_tpch_queries.h"

static st_arena *A;

static void setup(void) { A = st_arena_new(0); }
static void teardown(void)
{
    st_alloc_fail_after(-1);
    st_arena_free(A);
    A = NULL;
}

TestSuite(sql_parse, .init = setup, .fini = teardown);

/* Parses sql, prints every statement; returns a heap string (caller frees). */
static char *fmt(const char *sql)
{
    sql_stmt_list *l = NULL;
    st_error err;
    st_error_init(&err);
    st_status rc = sql_parse(sql, A, &l, &err);
    cr_assert_eq(rc, ST_OK, "parse of [%s] failed: %s\n%s", sql, err.msg, err.hint);
    st_buf b;
    st_buf_init(&b);
    cr_assert_eq(sql_ast_format(l, &b, &err), ST_OK);
    cr_assert(b.len > 0);
    char *s = strndup((const char *)b.data, b.len - 1);   /* drop the final '\n' */
    st_buf_destroy(&b);
    return s;
}

static void check(const char *sql, const char *want)
{
    char *got = fmt(sql);
    cr_expect_str_eq(got, want, "sql: %s", sql);
    free(got);
}

/* Checks a one-expression query: SELECT <expr>. */
static void check_expr(const char *expr, const char *want)
{
    char sql[1024], exp[2048];
    snprintf(sql, sizeof sql, "SELECT %s", expr);
    snprintf(exp, sizeof exp, "(select (items %s))", want);
    check(sql, exp);
}

static st_status parse_err(const char *sql, st_error *err)
{
    sql_stmt_list *l = NULL;
    st_error_init(err);
    st_status rc = sql_parse(sql, A, &l, err);
    cr_assert_neq(rc, ST_OK, "expected [%s] to fail", sql);
    cr_assert_null(l);
    return rc;
}

static void check_err(const char *sql, st_status code, const char *msg)
{
    st_error err;
    cr_assert_eq(parse_err(sql, &err), code, "sql [%s]: %s", sql, err.msg);
    cr_expect_str_eq(err.msg, msg, "sql: %s", sql);
}

/* ---- select basics ------------------------------------------------------- */

Test(sql_parse, select_items_and_aliases)
{
    check("SELECT a, b AS c, d e FROM t",
          "(select (items a (as b c) (as d e)) (from (table t)))");
    check("select * from t", "(select (items *) (from (table t)))");
    check("SELECT t.*, s.x.* FROM t", "(select (items t.* s.x.*) (from (table t)))");
    check("SELECT DISTINCT a FROM t", "(select distinct (items a) (from (table t)))");
    check("SELECT ALL a FROM t", "(select (items a) (from (table t)))");
    check("SELECT 1", "(select (items 1))");
    check("SeLeCt A As `B` fRoM T", "(select (items (as A B)) (from (table T)))");
}

Test(sql_parse, identifiers)
{
    check("SELECT `a``b`, `x y`.c, `select` FROM `my table`",
          "(select (items `a``b` `x y`.c select) (from (table `my table`)))");
    check("SELECT cat.db.t.col FROM cat.db.t",
          "(select (items cat.db.t.col) (from (table cat.db.t)))");
    check("SELECT date, timestamp, version, `order` FROM t",
          "(select (items date timestamp version order) (from (table t)))");
}

Test(sql_parse, where_order_limit_offset)
{
    check("SELECT a FROM t WHERE a > 1 ORDER BY a DESC NULLS LAST, b, c ASC NULLS FIRST "
          "LIMIT 10 OFFSET 5",
          "(select (items a) (from (table t)) (where (> a 1)) "
          "(order (desc a nulls-last) (asc b) (asc c nulls-first)) (limit 10) (offset 5))");
    check("SELECT a FROM t LIMIT ALL", "(select (items a) (from (table t)))");
}

/* ---- literals ------------------------------------------------------------ */

Test(sql_parse, numeric_literals)
{
    check_expr("1, 1L, 1S, 1Y, 1.5, 1.5D, 1e3, 1.5E-3, 2BD, 3f, .5, 5.",
               "1 (bigint 1) (smallint 1) (tinyint 1) (decimal 1.5) (double 1.5) "
               "(double 1e3) (double 1.5E-3) (decimal 2) (float 3) (decimal .5) (decimal 5.)");
    check_expr("12345678901234567890", "12345678901234567890");
}

Test(sql_parse, string_literals)
{
    check_expr("'abc', \"dq\"", "'abc' 'dq'");
    check_expr("'a\\nb\\tc\\\\d\\'e\\\"f'", "'a\\nb\\tc\\\\d\\'e\"f'");
    check_expr("'\\u00e9\\U0001F600'", "'\xc3\xa9\xf0\x9f\x98\x80'");
    check_expr("'a' 'b'  \"c\"", "'abc'");
    check_expr("'it''s'", "'its'");                 /* Spark: adjacent literals */
    check_expr("'x\\%y\\_z\\q'", "'x\\\\%y\\\\_zq'");   /* \% \_ keep the backslash */
    check_expr("''", "''");
}

Test(sql_parse, typed_and_keyword_literals)
{
    check_expr("TRUE, false, NULL", "true false null");
    check_expr("DATE '2024-01-01', TIMESTAMP '2024-01-01 10:00:00', "
               "TIMESTAMP_NTZ '2024-01-01 00:00', timestamp_ltz '2024-01-01'",
               "(date '2024-01-01') (timestamp '2024-01-01 10:00:00') "
               "(timestamp_ntz '2024-01-01 00:00') (timestamp_ltz '2024-01-01')");
}

Test(sql_parse, interval_literals)
{
    check_expr("INTERVAL '1' DAY, INTERVAL 3 DAYS, INTERVAL '1-2' YEAR TO MONTH, "
               "interval '10 11:12' day to minute, INTERVAL -5 hours",
               "(interval '1' day) (interval '3' day) (interval '1-2' year to month) "
               "(interval '10 11:12' day to minute) (interval '-5' hour)");
    check_expr("d + INTERVAL '90' DAY", "(+ d (interval '90' day))");
}

Test(sql_parse, parameters)
{
    check("SELECT ? , :name FROM t WHERE a = ?",
          "(select (items ? :name) (from (table t)) (where (= a ?)))");
}

/* ---- operators and precedence -------------------------------------------- */

Test(sql_parse, arithmetic_precedence)
{
    check_expr("1 + 2 * 3", "(+ 1 (* 2 3))");
    check_expr("(1 + 2) * 3", "(* (+ 1 2) 3)");
    check_expr("1 - 2 - 3", "(- (- 1 2) 3)");
    check_expr("a / b % c DIV d", "(div (% (/ a b) c) d)");
    check_expr("-a * b", "(* (neg a) b)");
    check_expr("- - a", "(neg (neg a))");
    check_expr("+a - ~b", "(- (pos a) (~ b))");
    check_expr("a || b + c", "(+ (|| a b) c)");
    check_expr("a + b || c", "(|| (+ a b) c)");
}

Test(sql_parse, bitwise_precedence)
{
    check_expr("a | b ^ c & d", "(| a (^ b (& c d)))");
    check_expr("a & b + c", "(& a (+ b c))");
    check_expr("a << 2 >> 1 >>> 3", "(>>> (>> (<< a 2) 1) 3)");
    check_expr("a | b = c", "(= (| a b) c)");
}

Test(sql_parse, boolean_precedence)
{
    check_expr("a OR b AND c", "(or a (and b c))");
    check_expr("a AND b OR c AND d", "(or (and a b) (and c d))");
    check_expr("NOT a AND b", "(and (not a) b)");
    check_expr("NOT a = b", "(not (= a b))");
    check_expr("NOT NOT a", "(not (not a))");
    check_expr("!a", "(not a)");
    check_expr("a = 1 OR b <> 2 AND NOT c", "(or (= a 1) (and (<> b 2) (not c)))");
}

Test(sql_parse, comparisons)
{
    check_expr("a = b, a == b, a <> b, a != b, a < b, a <= b, a > b, a >= b, a <=> b",
               "(= a b) (= a b) (<> a b) (<> a b) (< a b) (<= a b) (> a b) (>= a b) "
               "(<=> a b)");
    check_expr("a + 1 > b * 2", "(> (+ a 1) (* b 2))");
}

Test(sql_parse, is_predicates)
{
    check_expr("a IS NULL, a IS NOT NULL, a IS TRUE, a IS NOT FALSE, a is unknown",
               "(is-null a) (is-not-null a) (is-true a) (is-not-false a) (is-unknown a)");
    check_expr("a IS DISTINCT FROM b, a IS NOT DISTINCT FROM b + 1",
               "(is-distinct-from a b) (is-not-distinct-from a (+ b 1))");
    check_expr("a = b IS NULL", "(is-null (= a b))");
    check_expr("NOT a IS NULL", "(not (is-null a))");
}

Test(sql_parse, between_in)
{
    check_expr("a BETWEEN 1 AND 2 AND b", "(and (between a 1 2) b)");
    check_expr("a NOT BETWEEN b + 1 AND c * 2", "(not-between a (+ b 1) (* c 2))");
    check_expr("a IN (1, 2, 3)", "(in a 1 2 3)");
    check_expr("a NOT IN ('x')", "(not-in a 'x')");
    check_expr("a IN (SELECT b FROM t)", "(in a (select (items b) (from (table t))))");
    check_expr("(a, b) IN ((1, 2))", "(in (row a b) (row 1 2))");
}

Test(sql_parse, like_family)
{
    check_expr("a LIKE 'x%'", "(like a 'x%')");
    check_expr("a NOT LIKE 'x!%' ESCAPE '!'", "(not-like a 'x!%' (escape '!'))");
    check_expr("a ILIKE 'X%', a RLIKE '^x', a REGEXP 'y$', a NOT RLIKE 'z'",
               "(ilike a 'X%') (rlike a '^x') (rlike a 'y$') (not-rlike a 'z')");
    check_expr("a LIKE ANY ('a%', 'b%'), a NOT LIKE ALL ('c%')",
               "(like a (any 'a%' 'b%')) (not-like a (all 'c%'))");
    check_expr("a || 'x' LIKE b", "(like (|| a 'x') b)");
}

Test(sql_parse, subqueries)
{
    check_expr("EXISTS (SELECT 1 FROM t)", "(exists (select (items 1) (from (table t))))");
    check_expr("NOT EXISTS (SELECT 1)", "(not (exists (select (items 1))))");
    check_expr("(SELECT max(x) FROM t) + 1",
               "(+ (subquery (select (items (call max x)) (from (table t)))) 1)");
}

Test(sql_parse, case_expressions)
{
    check_expr("CASE WHEN a > 1 THEN 'x' WHEN a > 0 THEN 'y' ELSE 'z' END",
               "(case (when (> a 1) 'x') (when (> a 0) 'y') (else 'z'))");
    check_expr("CASE a WHEN 1 THEN 2 END", "(case a (when 1 2))");
}

Test(sql_parse, casts)
{
    check_expr("CAST(a AS INT), TRY_CAST(b AS decimal(10, 2)), c::bigint, d::string::date",
               "(cast a int) (try_cast b decimal(10,2)) (cast c bigint) "
               "(cast (cast d string) date)");
    check_expr("-a::int", "(neg (cast a int))");
}

Test(sql_parse, types)
{
    check_expr("cast(a as boolean), cast(a as tinyint), cast(a as byte), cast(a as smallint), "
               "cast(a as short), cast(a as integer), cast(a as long), cast(a as float), "
               "cast(a as real), cast(a as double)",
               "(cast a boolean) (cast a tinyint) (cast a tinyint) (cast a smallint) "
               "(cast a smallint) (cast a int) (cast a bigint) (cast a float) "
               "(cast a float) (cast a double)");
    check_expr("cast(a as decimal), cast(a as dec(5)), cast(a as numeric(38,38)), "
               "cast(a as varchar(10)), cast(a as char(3)), cast(a as binary), "
               "cast(a as timestamp), cast(a as timestamp_ntz), cast(a as timestamp_ltz)",
               "(cast a decimal(10,0)) (cast a decimal(5,0)) (cast a decimal(38,38)) "
               "(cast a varchar(10)) (cast a char(3)) (cast a binary) "
               "(cast a timestamp) (cast a timestamp_ntz) (cast a timestamp)");
    check_expr("cast(a as array<int>), cast(a as map<string, array<bigint>>), "
               "cast(a as struct<x:int, y string, `z w`: array<map<int,int>>>)",
               "(cast a array<int>) (cast a map<string,array<bigint>>) "
               "(cast a struct<x:int,y:string,z w:array<map<int,int>>>)");
}

Test(sql_parse, type_mapping_to_vec_type)
{
    sql_stmt_list *l;
    st_error err;
    cr_assert_eq(sql_parse("select cast(a as map<string, decimal(12,3)>)", A, &l, &err), ST_OK);
    const sql_type *t = l->stmts[0]->query->items[0].expr->type;
    cr_assert_eq(t->vt.id, VEC_MAP);
    cr_assert_eq(t->vt.n_children, 1);
    const vec_type *e = &t->vt.children[0].type;
    cr_assert_eq(e->id, VEC_STRUCT);
    cr_assert_eq(e->n_children, 2);
    cr_assert_eq(e->children[0].type.id, VEC_STRING);
    cr_assert_eq(e->children[1].type.id, VEC_DECIMAL);
    cr_assert_eq(e->children[1].type.precision, 12);
    cr_assert_eq(e->children[1].type.scale, 3);
}

Test(sql_parse, function_calls)
{
    check_expr("count(*), count(DISTINCT a, b), f(), db.f(1), coalesce(a, b, 'x')",
               "(call count *) (call count distinct a b) (call f) (call db.f 1) "
               "(call coalesce a b 'x')");
    check_expr("sum(x) FILTER (WHERE x > 0)", "(call sum x (filter (> x 0)))");
    check_expr("array(1, 2), map('a', 1), struct(a, b), named_struct('x', 1)",
               "(call array 1 2) (call map 'a' 1) (call struct a b) (call named_struct 'x' 1)");
    check_expr("f(a => 1, b => 'x')", "(call f (=> a 1) (=> b 'x'))");
    check_expr("EXTRACT(YEAR FROM d)", "(extract YEAR d)");
    check_expr("left(s, 2), right(s, 1), `if`(a, 1, 2)",
               "(call left s 2) (call right s 1) (call if a 1 2)");
}

Test(sql_parse, window_functions)
{
    check_expr("row_number() OVER (PARTITION BY a, b ORDER BY c DESC)",
               "(call row_number (over (window (partition a b) (order (desc c)))))");
    check_expr("sum(x) OVER (ORDER BY d ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)",
               "(call sum x (over (window (order (asc d)) "
               "(rows unbounded-preceding current-row))))");
    check_expr("avg(x) OVER (RANGE BETWEEN 2 PRECEDING AND 3 FOLLOWING)",
               "(call avg x (over (window (range (preceding 2) (following 3)))))");
    check_expr("sum(x) OVER (ROWS 5 PRECEDING), sum(x) OVER (ROWS BETWEEN CURRENT ROW "
               "AND UNBOUNDED FOLLOWING)",
               "(call sum x (over (window (rows (preceding 5) current-row)))) "
               "(call sum x (over (window (rows current-row unbounded-following))))");
    check_expr("rank() OVER w, sum(x) OVER ()",
               "(call rank (over w)) (call sum x (over (window)))");
    check_expr("first_value(x) IGNORE NULLS OVER (ORDER BY t), last(x, true) RESPECT NULLS "
               "OVER w2, first(x) ignore nulls",
               "(call first_value x ignore-nulls (over (window (order (asc t))))) "
               "(call last x true respect-nulls (over w2)) (call first x ignore-nulls)");
    check_expr("count(*) FILTER (WHERE a) OVER (w ORDER BY b)",
               "(call count * (filter a) (over (window w (order (asc b)))))");
}

Test(sql_parse, access_and_lambdas)
{
    check_expr("a[0], m['k'], a[1][2], s.f.g, f(x).y, a[0].b",
               "(at a 0) (at m 'k') (at (at a 1) 2) s.f.g (field (call f x) y) "
               "(field (at a 0) b)");
    check_expr("transform(xs, x -> x + 1)", "(call transform xs (lambda (x) (+ x 1)))");
    check_expr("zip_with(a, b, (x, y) -> x * y)",
               "(call zip_with a b (lambda (x y) (* x y)))");
    check_expr("aggregate(xs, 0, (acc, x) -> acc + x, acc -> acc * 10)",
               "(call aggregate xs 0 (lambda (acc x) (+ acc x)) (lambda (acc) (* acc 10)))");
}

/* ---- FROM clause ----------------------------------------------------------- */

Test(sql_parse, table_references)
{
    check("SELECT * FROM a.b.c AS x", "(select (items *) (from (as (table a.b.c) x)))");
    check("SELECT * FROM delta.`/data/t` d",
          "(select (items *) (from (as (path delta '/data/t') d)))");
    check("SELECT * FROM parquet.`p.parquet`, csv.`c.csv`, json.`j.json`",
          "(select (items *) (from (join cross (join cross (path parquet 'p.parquet') "
          "(path csv 'c.csv')) (path json 'j.json'))))");
    check("SELECT * FROM delta.t", "(select (items *) (from (table delta.t)))");
    check("SELECT * FROM read_files('/in/*.csv', format => 'csv', header => true) f",
          "(select (items *) (from (as (tvf read_files '/in/*.csv' (=> format 'csv') "
          "(=> header true)) f)))");
    check("SELECT * FROM range(10)", "(select (items *) (from (tvf range 10)))");
}

Test(sql_parse, subquery_and_values_refs)
{
    check("SELECT * FROM (SELECT a FROM t) s",
          "(select (items *) (from (as (select (items a) (from (table t))) s)))");
    check("SELECT * FROM (SELECT 1, 2) AS s(x, y)",
          "(select (items *) (from (as (select (items 1 2)) s (x y))))");
    check("SELECT * FROM VALUES (1, 'a'), (2, 'b') AS v(id, name)",
          "(select (items *) (from (as (values (row 1 'a') (row 2 'b')) v (id name))))");
    check("SELECT * FROM (VALUES 1, 2) t(x)",
          "(select (items *) (from (as (values (row 1) (row 2)) t (x))))");
    check("VALUES (1, 2), (3, 4)", "(values (row 1 2) (row 3 4))");
}

Test(sql_parse, time_travel)
{
    check("SELECT * FROM t VERSION AS OF 3",
          "(select (items *) (from (table t (version-as-of 3))))");
    check("SELECT * FROM db.t TIMESTAMP AS OF '2024-01-01' AS x",
          "(select (items *) (from (as (table db.t (timestamp-as-of '2024-01-01')) x)))");
    check("SELECT * FROM t@v3", "(select (items *) (from (table t (version-as-of 3))))");
    check("SELECT * FROM t@20240101000000000 x",
          "(select (items *) (from (as (table t (timestamp-as-of 20240101000000000)) x)))");
}

Test(sql_parse, joins)
{
    check("SELECT * FROM a JOIN b ON a.x = b.x",
          "(select (items *) (from (join inner (table a) (table b) (on (= a.x b.x)))))");
    check("SELECT * FROM a INNER JOIN b USING (x, y)",
          "(select (items *) (from (join inner (table a) (table b) (using x y))))");
    check("SELECT * FROM a LEFT JOIN b ON p LEFT OUTER JOIN c ON q",
          "(select (items *) (from (join left (join left (table a) (table b) (on p)) "
          "(table c) (on q))))");
    check("SELECT * FROM a RIGHT OUTER JOIN b ON p FULL JOIN c ON q FULL OUTER JOIN d ON r",
          "(select (items *) (from (join full (join full (join right (table a) (table b) "
          "(on p)) (table c) (on q)) (table d) (on r))))");
    check("SELECT * FROM a CROSS JOIN b, c",
          "(select (items *) (from (join cross (join cross (table a) (table b)) (table c))))");
    check("SELECT * FROM a LEFT SEMI JOIN b ON p LEFT ANTI JOIN c ON q",
          "(select (items *) (from (join anti (join semi (table a) (table b) (on p)) "
          "(table c) (on q))))");
    check("SELECT * FROM a NATURAL JOIN b NATURAL LEFT JOIN c",
          "(select (items *) (from (join natural-left (join natural-inner (table a) "
          "(table b)) (table c))))");
    check("SELECT * FROM a x JOIN (b y JOIN c z ON y.k = z.k) ON x.k = y.k",
          "(select (items *) (from (join inner (as (table a) x) (join inner (as (table b) y) "
          "(as (table c) z) (on (= y.k z.k))) (on (= x.k y.k)))))");
    check("SELECT * FROM a, b JOIN c ON p",
          "(select (items *) (from (join cross (table a) (join inner (table b) (table c) "
          "(on p)))))");
}

/* ---- grouping, having, qualify, windows ------------------------------------ */

Test(sql_parse, group_by_forms)
{
    check("SELECT a, count(*) FROM t GROUP BY a, 2",
          "(select (items a (call count *)) (from (table t)) (group a 2))");
    check("SELECT a FROM t GROUP BY ALL", "(select (items a) (from (table t)) (group all))");
    check("SELECT a FROM t GROUP BY GROUPING SETS ((a, b), (a), ())",
          "(select (items a) (from (table t)) "
          "(group (grouping-sets (row a b) (row a) (row))))");
    check("SELECT a FROM t GROUP BY ROLLUP(a, b), CUBE(c, d)",
          "(select (items a) (from (table t)) (group (rollup a b) (cube c d)))");
    check("SELECT a FROM t GROUP BY a HAVING count(*) > 1",
          "(select (items a) (from (table t)) (group a) (having (> (call count *) 1)))");
}

Test(sql_parse, qualify_and_window_clause)
{
    check("SELECT a FROM t QUALIFY row_number() OVER (PARTITION BY a ORDER BY b) = 1",
          "(select (items a) (from (table t)) (qualify (= (call row_number (over (window "
          "(partition a) (order (asc b))))) 1)))");
    check("SELECT sum(x) OVER w FROM t WINDOW w AS (PARTITION BY k), w2 AS (w ORDER BY d)",
          "(select (items (call sum x (over w))) (from (table t)) "
          "(named-window w (window (partition k))) "
          "(named-window w2 (window w (order (asc d)))))");
}

/* ---- set operations and CTEs --------------------------------------------- */

Test(sql_parse, set_operations)
{
    check("SELECT 1 UNION SELECT 2 UNION ALL SELECT 3",
          "(union-all (union (select (items 1)) (select (items 2))) (select (items 3)))");
    check("SELECT 1 UNION SELECT 2 INTERSECT SELECT 3",
          "(union (select (items 1)) (intersect (select (items 2)) (select (items 3))))");
    check("SELECT 1 INTERSECT ALL SELECT 2 EXCEPT SELECT 3 MINUS SELECT 4",
          "(except (except (intersect-all (select (items 1)) (select (items 2))) "
          "(select (items 3))) (select (items 4)))");
    check("SELECT 1 EXCEPT ALL SELECT 2 UNION DISTINCT SELECT 3",
          "(union (except-all (select (items 1)) (select (items 2))) (select (items 3)))");
    check("(SELECT 1 UNION SELECT 2) INTERSECT SELECT 3",
          "(intersect (union (select (items 1)) (select (items 2))) (select (items 3)))");
    check("SELECT a FROM t UNION SELECT b FROM u ORDER BY 1 LIMIT 5",
          "(union (select (items a) (from (table t))) (select (items b) (from (table u))) "
          "(order (asc 1)) (limit 5))");
    check("(SELECT a FROM t LIMIT 1) ORDER BY a",
          "(nested (select (items a) (from (table t)) (limit 1)) (order (asc a)))");
    check("((SELECT 1))", "(select (items 1))");
}

Test(sql_parse, ctes)
{
    check("WITH x AS (SELECT 1 AS a), y (b) AS (SELECT a FROM x) SELECT * FROM y",
          "(with (cte x (select (items (as 1 a)))) (cte y (b) (select (items a) "
          "(from (table x)))) (select (items *) (from (table y))))");
    check("WITH x AS (SELECT 1) SELECT * FROM x UNION ALL SELECT 2 ORDER BY 1",
          "(with (cte x (select (items 1))) (union-all (select (items *) (from (table x))) "
          "(select (items 2)) (order (asc 1))))");
    check("SELECT * FROM (WITH c AS (SELECT 1) SELECT * FROM c) s",
          "(select (items *) (from (as (with (cte c (select (items 1))) (select (items *) "
          "(from (table c)))) s)))");
}

/* ---- other statements ------------------------------------------------------- */

Test(sql_parse, set_reset_show_use_explain)
{
    check("SET spark.sql.shuffle.partitions = 8", "(set 'spark.sql.shuffle.partitions' '8')");
    check("SET spark.sql.ansi.enabled=true", "(set 'spark.sql.ansi.enabled' 'true')");
    check("set a.b.c = /tmp/some dir ", "(set 'a.b.c' '/tmp/some dir')");
    check("SET x.y", "(set 'x.y')");
    check("SET", "(set)");
    check("RESET", "(reset)");
    check("RESET spark.sql.x", "(reset 'spark.sql.x')");
    check("SHOW TABLES IN db LIKE 'a*'", "(show 'TABLES' 'IN' 'db' 'LIKE' '\\'a*\\'')");
    check("USE db", "(use db)");
    check("USE cat.`my db`", "(use cat.`my db`)");
    check("EXPLAIN SELECT 1", "(explain (select (items 1)))");
    check("EXPLAIN ANALYZE SELECT a FROM t", "(explain-analyze (select (items a) (from (table t))))");
}

Test(sql_parse, multiple_statements_and_comments)
{
    check("SELECT 1; SELECT 2;; -- done\n", "(select (items 1))\n(select (items 2))");
    check("/* head */ SELECT /* mid */ a -- tail\nFROM t; SET x = 1; USE d",
          "(select (items a) (from (table t)))\n(set 'x' '1')\n(use d)");
    sql_stmt_list *l;
    st_error err;
    cr_assert_eq(sql_parse("  ;  ", A, &l, &err), ST_OK);
    cr_assert_eq(l->n_stmts, 0);
}

Test(sql_parse, tpch_queries_parse)
{
    for (int q = 0; q < 22; q++) {
        sql_stmt_list *l = NULL;
        st_error err;
        st_error_init(&err);
        st_status rc = sql_parse(TPCH_QUERIES[q], A, &l, &err);
        cr_assert_eq(rc, ST_OK, "TPC-H Q%d: %s\n%s", q + 1, err.msg, err.hint);
        cr_assert_eq(l->n_stmts, 1, "TPC-H Q%d", q + 1);
        cr_assert_eq(l->stmts[0]->kind, SQL_S_QUERY);
        st_buf b;
        st_buf_init(&b);
        cr_assert_eq(sql_ast_format(l, &b, &err), ST_OK);
        st_buf_destroy(&b);
    }
}

Test(sql_parse, tpch_shapes)
{
    char *s = fmt(TPCH_QUERIES[5]);                /* Q6 */
    cr_expect_str_eq(s,
        "(select (items (as (call sum (* l_extendedprice l_discount)) revenue)) "
        "(from (table lineitem)) (where (and (and (and (>= l_shipdate (date '1994-01-01')) "
        "(< l_shipdate (+ (date '1994-01-01') (interval '1' year)))) "
        "(between l_discount (- (decimal 0.06) (decimal 0.01)) "
        "(+ (decimal 0.06) (decimal 0.01)))) (< l_quantity 24))))");
    free(s);
    s = fmt(TPCH_QUERIES[12]);                     /* Q13 */
    cr_expect(strstr(s, "(as (select (items c_custkey (call count o_orderkey)) "
                        "(from (join left (table customer) (table orders) (on (and "
                        "(= c_custkey o_custkey) (not-like o_comment '%special%requests%'))))) "
                        "(group c_custkey)) c_orders (c_custkey c_count))") != NULL, "%s", s);
    free(s);
    s = fmt(TPCH_QUERIES[14]);                     /* Q15 */
    cr_expect(strncmp(s, "(with (cte revenue0 (supplier_no total_revenue) (select", 55) == 0,
              "%s", s);
    free(s);
}

/* ---- positions and errors ---------------------------------------------------- */

Test(sql_parse, node_positions)
{
    const char *sql = "SELECT a,\n  b + c AS d\nFROM t x JOIN u ON t.k = u.k";
    sql_stmt_list *l;
    st_error err;
    cr_assert_eq(sql_parse(sql, A, &l, &err), ST_OK);
    const sql_query *q = l->stmts[0]->query;
    cr_assert_eq(q->pos, 0);
    cr_assert_eq(q->items[0].expr->pos, 7);
    const sql_expr *plus = q->items[1].expr;
    cr_assert_eq(plus->pos, (int32_t)(strstr(sql, "+") - sql));
    cr_assert_eq(plus->a->pos, (int32_t)(strstr(sql, "b +") - sql));
    cr_assert_eq(q->from->kind, SQL_T_JOIN);
    cr_assert_eq(q->from->left->pos, (int32_t)(strstr(sql, "t x") - sql));
    cr_assert_eq(q->from->on->b->pos, (int32_t)(strstr(sql, "u.k") - sql));
    int32_t line, col;
    sql_pos_linecol(sql, q->from->on->b->pos, &line, &col);
    cr_assert_eq(line, 3);
    cr_assert_eq(col, 26);
    cr_assert_eq(l->stmts[0]->end, (int32_t)strlen(sql));
}

Test(sql_parse, error_positions)
{
    check_err("SELECT a\nFROM t\nWHERE x = 1 AND\n  y FORM z", ST_ERR_SYNTAX,
              "line 4, column 5: syntax error at or near \"FORM\"");
    check_err("SELECT a FORM t", ST_ERR_SYNTAX,       /* FORM is an alias of a */
              "line 1, column 15: syntax error at or near \"t\"");
    check_err("SELECT * FROM t WHERE", ST_ERR_SYNTAX,
              "line 1, column 22: syntax error at end of input");
    check_err("SELECT (1 + 2", ST_ERR_SYNTAX, "line 1, column 14: syntax error at end of input");
    check_err("SELECT 1;\n\nSELEC 2", ST_ERR_SYNTAX,
              "line 3, column 1: syntax error at or near \"SELEC\"");
    check_err("SELECT 'abc", ST_ERR_SYNTAX, "line 1, column 8: unterminated quoted string");
    check_err("SELECT a /* x", ST_ERR_SYNTAX, "line 1, column 10: unterminated comment");
    check_err("SELECT `a", ST_ERR_SYNTAX, "line 1, column 8: unterminated quoted identifier");
    check_err("SELECT '\\u12'", ST_ERR_SYNTAX,
              "line 1, column 9: invalid unicode escape in string literal");
    check_err("SELECT cast(a AS integr)", ST_ERR_SYNTAX,
              "line 1, column 18: unknown data type \"integr\"");
    check_err("SELECT cast(a AS decimal(40, 2))", ST_ERR_SYNTAX,
              "line 1, column 26: type parameter out of range");
    check_err("SELECT a $ b", ST_ERR_SYNTAX, "line 1, column 10: syntax error at or near \"$\"");
    check_err("SELECT 1.5L", ST_ERR_SYNTAX, "line 1, column 8: invalid integer literal");
    check_err("SELECT 'é' + é $", ST_ERR_SYNTAX,
              "line 1, column 16: syntax error at or near \"$\"");   /* columns in chars */
    check_err("SELECT a FROM t GROUP a", ST_ERR_SYNTAX,
              "line 1, column 23: syntax error at or near \"a\"");
    check_err("SELECT 1 SELECT 2", ST_ERR_SYNTAX,
              "line 1, column 10: syntax error at or near \"SELECT\"");
}

Test(sql_parse, error_caret_in_hint)
{
    st_error err;
    parse_err("SELECT a\nFROM t\nWHERE x = 1 AND\n  y FORM z", &err);
    cr_expect_str_eq(err.hint, "LINE 4:   y FORM z\n            ^");
    parse_err("SELECT\tb FROM", &err);
    cr_expect_str_eq(err.hint, "LINE 1: SELECT b FROM\n                     ^");
}

Test(sql_parse, error_caret_long_line)
{
    char sql[400];
    memset(sql, 0, sizeof sql);
    strcpy(sql, "SELECT ");
    for (int k = 0; k < 30; k++)
        strcat(sql, "col_x + ");
    strcat(sql, "FROM t");
    st_buf b;
    st_error err;
    st_buf_init(&b);
    int32_t pos = (int32_t)(strstr(sql, "FROM") - sql);
    cr_assert_eq(sql_error_caret(sql, pos, &b, &err), ST_OK);
    cr_assert_eq(st_buf_append_byte(&b, 0, &err), ST_OK);
    const char *s = (const char *)b.data;
    const char *nl = strchr(s, '\n');
    cr_assert_not_null(nl);
    cr_expect(strncmp(s, "LINE 1: ...", 11) == 0, "%s", s);
    /* the caret sits under the F of FROM */
    size_t caret = strlen(nl + 1) - 1;
    cr_expect_eq(nl[1 + caret], '^');
    cr_expect_eq(s[caret], 'F', "%s", s);
    st_buf_destroy(&b);
}

static char *repeat(const char *head, const char *unit, int n, const char *tail)
{
    size_t len = strlen(head) + strlen(unit) * (size_t)n + strlen(tail) + 1;
    char *s = malloc(len);
    cr_assert_not_null(s);
    strcpy(s, head);
    char *p = s + strlen(head);
    for (int k = 0; k < n; k++) {
        memcpy(p, unit, strlen(unit));
        p += strlen(unit);
    }
    strcpy(p, tail);
    return s;
}

Test(sql_parse, deep_nesting_is_limited)
{
    st_error err;
    char *s = repeat("SELECT ", "(", 100000, "1");
    cr_assert_eq(parse_err(s, &err), ST_ERR_LIMIT);
    cr_expect(strstr(err.msg, "expression nested too deeply") != NULL, "%s", err.msg);
    free(s);
    s = repeat("SELECT ", "- ", 50000, "1");
    cr_assert_eq(parse_err(s, &err), ST_ERR_LIMIT);
    free(s);
    s = repeat("SELECT ", "NOT ", 50000, "a");
    cr_assert_eq(parse_err(s, &err), ST_ERR_LIMIT);
    free(s);
    s = repeat("SELECT 1", " + 1", 50000, "");          /* long left-deep chain */
    cr_assert_eq(parse_err(s, &err), ST_ERR_LIMIT);
    free(s);
    s = repeat("SELECT * FROM ", "(SELECT * FROM ", 5000, "t");
    cr_assert_eq(parse_err(s, &err), ST_ERR_LIMIT);
    free(s);
    s = repeat("SELECT 1", " UNION SELECT 1", 5000, "");
    cr_assert_eq(parse_err(s, &err), ST_ERR_LIMIT);
    free(s);
    s = repeat("SELECT cast(a AS ", "array<", 5000, "int");
    cr_assert_eq(parse_err(s, &err), ST_ERR_LIMIT);
    free(s);
}

Test(sql_parse, moderate_nesting_is_fine)
{
    char *s = repeat("SELECT ", "(", 200, "1");
    char *t = repeat(s, ")", 200, "");
    sql_stmt_list *l;
    st_error err;
    cr_assert_eq(sql_parse(t, A, &l, &err), ST_OK, "%s", err.msg);
    free(s);
    free(t);
    s = repeat("SELECT 1", " + 1", 300, "");
    cr_assert_eq(sql_parse(s, A, &l, &err), ST_OK, "%s", err.msg);
    free(s);
    check("SELECT cast(a AS array<array<int>>)", "(select (items (cast a array<array<int>>)))");
    check("SELECT cast(a AS map<int, array<array<int>>>)",
          "(select (items (cast a map<int,array<array<int>>>)))");
}

Test(sql_parse, garbage_never_crashes)
{
    static const char *const inputs[] = {
        "", ";", "(", ")", "SELECT", "SELECT (", "SELECT a FROM", "SELECT a FROM (",
        "SELECT a FROM t JOIN", "SELECT a FROM t JOIN u ON", "WITH", "WITH x AS (",
        "SELECT CASE", "SELECT CASE WHEN", "SELECT cast(", "SELECT cast(a AS",
        "SELECT cast(a AS map<int", "SELECT f(a =>", "SELECT x -> ", "SELECT (a, b) ->",
        "SELECT * FROM t@", "SELECT * FROM t@x", "SELECT * FROM t VERSION AS OF",
        "SELECT INTERVAL", "SELECT INTERVAL '1'", "SELECT INTERVAL '1' DAY TO YEAR",
        "SELECT a OVER", "SELECT sum(a) OVER (ROWS BETWEEN", "SELECT a IS", "SELECT a NOT",
        "SELECT a LIKE ANY (", "EXPLAIN", "EXPLAIN ANALYZE SET x", "USE", "SHOW", "RESET a = 1",
        "SET = 1", "SELECT 1 UNION", "SELECT a[", "SELECT a.", "SELECT :", "SELECT `",
        "SELECT '\\", "SELECT \"\\u", "SELECT 1e", "SELECT 0x", "\xff\xfe", "SELECT \x01",
        "GROUPING SETS", "SELECT a FROM t GROUP BY GROUPING SETS ((", "VALUES", "VALUES (",
        "SELECT * FROM VALUES", "SELECT extract(", "SELECT extract(year", "SELECT a::",
    };
    for (size_t k = 0; k < sizeof inputs / sizeof inputs[0]; k++) {
        sql_stmt_list *l = NULL;
        st_error err;
        st_error_init(&err);
        st_status rc = sql_parse(inputs[k], A, &l, &err);
        if (rc != ST_OK) {
            cr_expect(strncmp(err.msg, "line ", 5) == 0, "[%s] -> %s", inputs[k], err.msg);
            cr_expect_null(l);
        }
    }
}

Test(sql_parse, allocation_failures)
{
    for (long n = 0; n < 200; n++) {
        st_arena *a = st_arena_new(256);
        if (!a)
            continue;
        sql_stmt_list *l = NULL;
        st_error err;
        st_error_init(&err);
        st_alloc_fail_after(n);
        st_status rc = sql_parse(TPCH_QUERIES[1], a, &l, &err);
        st_alloc_fail_after(-1);
        cr_assert(rc == ST_OK || rc == ST_ERR_NOMEM, "n=%ld rc=%d %s", n, rc, err.msg);
        st_arena_free(a);
    }
}

Test(sql_parse, lexer_edges)
{
    check_expr("1a, 2d, 1e, a1", "`1a` (double 2) `1e` a1");   /* Spark longest match */
    check_expr("a--b\n+c", "(+ a c)");
    check_expr("a/**/+/* x */b", "(+ a b)");
    check_expr("a.b.`c.d`", "a.b.`c.d`");
    check_expr("x.5", "x.`5`");
    check_expr("é + ü", "(+ `é` `ü`)");
    check("select\tA\r\nfrom\n\tT;", "(select (items A) (from (table T)))");
}

Test(sql_parse, reserved_words_need_quotes)
{
    check_err("SELECT from FROM t", ST_ERR_SYNTAX,
              "line 1, column 8: syntax error at or near \"from\"");
    check_err("SELECT a AS select FROM t", ST_ERR_SYNTAX,
              "line 1, column 13: syntax error at or near \"select\"");
    check("SELECT a AS `select` FROM t", "(select (items (as a select)) (from (table t)))");
    check("SELECT a count FROM t", "(select (items (as a count)) (from (table t)))");
}

Test(sql_parse, literal_node_kinds)
{
    sql_stmt_list *l;
    st_error err;
    cr_assert_eq(sql_parse("SELECT 7, 7L, 7.0, 7e0, 'a\\u0000b', try_cast(x AS varchar(3))",
                           A, &l, &err), ST_OK, "%s", err.msg);
    sql_select_item *it = l->stmts[0]->query->items;
    cr_assert_eq(it[0].expr->lit, SQL_LIT_INT);
    cr_assert_str_eq(it[0].expr->str, "7");
    cr_assert_eq(it[1].expr->lit, SQL_LIT_BIGINT);
    cr_assert_str_eq(it[1].expr->str, "7");
    cr_assert_eq(it[2].expr->lit, SQL_LIT_DECIMAL);
    cr_assert_eq(it[3].expr->lit, SQL_LIT_DOUBLE);
    cr_assert_eq(it[4].expr->lit, SQL_LIT_STRING);
    cr_assert_eq(it[4].expr->str_len, 3);                 /* embedded NUL kept */
    cr_assert_eq(memcmp(it[4].expr->str, "a\0b", 3), 0);
    cr_assert_eq(it[5].expr->kind, SQL_E_CAST);
    cr_assert(it[5].expr->is_try);
    cr_assert_eq(it[5].expr->type->vt.id, VEC_STRING);
    cr_assert_eq(it[5].expr->type->char_len, 3);
    cr_assert_not(it[5].expr->type->is_char);
}

Test(sql_parse, statement_spans)
{
    const char *sql = "SELECT 1 ; SET a.b = x y ;\nSHOW TABLES";
    sql_stmt_list *l;
    st_error err;
    cr_assert_eq(sql_parse(sql, A, &l, &err), ST_OK);
    cr_assert_eq(l->n_stmts, 3);
    cr_assert_eq(l->stmts[0]->pos, 0);
    cr_assert_eq(l->stmts[0]->end, 8);
    cr_assert_eq(l->stmts[1]->kind, SQL_S_SET);
    cr_assert_eq(l->stmts[1]->pos, 11);
    cr_assert_eq(l->stmts[1]->end, 24);
    cr_assert_str_eq(l->stmts[1]->key, "a.b");
    cr_assert_str_eq(l->stmts[1]->value, "x y");
    cr_assert_eq(l->stmts[2]->kind, SQL_S_SHOW);
    cr_assert_eq(l->stmts[2]->n_words, 1);
    cr_assert_str_eq(l->stmts[2]->words[0], "TABLES");
}

Test(sql_parse, caret_appends_and_handles_edges)
{
    st_buf b;
    st_error err;
    st_buf_init(&b);
    cr_assert_eq(st_buf_append_str(&b, "ctx\n", &err), ST_OK);
    cr_assert_eq(sql_error_caret("ab\ncd", 4, &b, &err), ST_OK);
    cr_assert_eq(st_buf_append_byte(&b, 0, &err), ST_OK);
    cr_expect_str_eq((const char *)b.data, "ctx\nLINE 2: cd\n         ^");
    st_buf_clear(&b);
    cr_assert_eq(sql_error_caret("", 10, &b, &err), ST_OK);   /* clamped */
    cr_assert_eq(st_buf_append_byte(&b, 0, &err), ST_OK);
    cr_expect_str_eq((const char *)b.data, "LINE 1: \n        ^");
    st_buf_destroy(&b);
}
