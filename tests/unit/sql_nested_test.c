/* sql_nested_test.c -- end-to-end SQL over nested values through a session
** (src/exec/session.h): array/map/struct constructors, a[i] and m[k]
** subscripts, s.f field access (on expressions and on struct columns read
** from NDJSON, qualified and not), explode in the select list, ANSI errors
** for out-of-range indices, timestamp/date +/- INTERVAL (single units and
** X TO Y ranges), and Spark's header-less default for csv.`path`. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/session.h"
#include "test_util.h"

static ex_session *S;
static char g_dir[256];

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
    st_error err;
    st_error_init(&err);
    cr_assert_eq(ex_session_new(NULL, &S, &err), ST_OK);
    snprintf(g_dir, sizeof g_dir, "/tmp/strata-nested-test-%d", (int)getpid());
    mkdir(g_dir, 0700);
    write_file("n.json",
               "{\"id\": 1, \"obj\": {\"field\": \"a\", \"n\": {\"k\": 5}}, \"arr\": [1, 2, 3]}\n"
               "{\"id\": 2, \"obj\": {\"field\": \"b\", \"n\": {\"k\": 6}}, \"arr\": []}\n"
               "{\"id\": 3, \"obj\": null, \"arr\": null}\n");
    write_file("h.csv", "x,y\n1,hello\n2,world\n");
}

static void teardown(void)
{
    ex_session_free(S);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(sql_nested, .init = setup, .fini = teardown, .timeout = 60);

/* Runs sql (with %s replaced by the test folder) and checks the rows. */
static void expect(const char *sql_fmt, const char *want)
{
    char sql[2048];
    snprintf(sql, sizeof sql, sql_fmt, g_dir);
    st_error err;
    st_error_init(&err);
    ex_result *r = NULL;
    st_status rc = ex_session_query(S, sql, &r, &err);
    cr_assert_eq(rc, ST_OK, "%s\n-> %s", sql, err.msg);
    cr_assert_not_null(r);
    char *got = tu_result_text(r, false);
    ex_result_free(r);
    cr_expect_str_eq(got, want, "query: %s", sql);
    st_free(got);
}

static void expect_error(const char *sql, const char *msg_part)
{
    st_error err;
    st_error_init(&err);
    ex_result *r = NULL;
    st_status rc = ex_session_query(S, sql, &r, &err);
    ex_result_free(r);
    cr_assert_neq(rc, ST_OK, "expected an error for %s", sql);
    cr_expect(strstr(err.msg, msg_part) != NULL, "error for %s was '%s', wanted '%s'", sql,
              err.msg, msg_part);
}

/* Name and type of result column i of sql. */
static void expect_column(const char *sql, int i, const char *name, const char *type)
{
    st_error err;
    st_error_init(&err);
    ex_result *r = NULL;
    cr_assert_eq(ex_session_query(S, sql, &r, &err), ST_OK, "%s -> %s", sql, err.msg);
    char t[128];
    vec_type_format(&r->schema.fields[i].type, t, sizeof t);
    cr_expect_str_eq(r->schema.fields[i].name, name);
    cr_expect_str_eq(t, type);
    ex_result_free(r);
}

Test(sql_nested, constructors_and_subscripts)
{
    expect("SELECT array(1,2,3)[1], size(array()), map('a',1)['a'], named_struct('x', 1).x, "
           "element_at(array(1,2), -1)", "2|0|1|1|2\n");
    expect("SELECT array(1, NULL, 3)[1], map('a', 1)['b'], size(NULL), "
           "array_contains(array('x', 'y'), 'y')", "NULL|NULL|NULL|true\n");
    expect("SELECT sort_array(array(3, 1, NULL)), array_join(array('a', 'b'), '-'), "
           "map_keys(map(1, 'a', 2, 'b')), struct(1, 'z').col2",
           "[null,1,3]|a-b|[1,2]|z\n");
    expect("SELECT named_struct('a', array(10, 20)).a[1], array(array(1, 2), array(3))[1][0], "
           "flatten(array(array(1), array(2, 3)))", "20|3|[1,2,3]\n");
    /* empty constructors have void elements: nothing matches, nothing to order */
    expect("SELECT array_min(array()), element_at(map(), 'a'), array_contains(array(), 1), "
           "size(map()), sort_array(array(NULL, NULL))", "NULL|NULL|false|0|[null,null]\n");
    expect_column("SELECT struct(a, 1, t.b) FROM VALUES (1, 'x') AS t(a, b)", 0,
                  "struct(a, 1, b)", "struct<a:int,col2:int,b:string>");
    expect("SELECT struct(a, 1, t.b).b, struct(a).a FROM VALUES (1, 'x') AS t(a, b)", "x|1\n");
    expect_column("SELECT array(1,2,3)[1]", 0, "array(1, 2, 3)[1]", "int");
    expect_column("SELECT named_struct('x', 1.5).x", 0, "named_struct(x, 1.5).x",
                  "decimal(2,1)");
    expect_column("SELECT map('k', array(1))", 0, "map(k, array(1))", "map<string,array<int>>");
}

Test(sql_nested, explode_in_select_list)
{
    expect("SELECT explode(array(1,2,3))", "1\n2\n3\n");
    expect("SELECT explode(map('a', 1))", "a|1\n");
}

Test(sql_nested, ansi_index_errors)
{
    expect_error("SELECT array(1,2,3)[5]",
                 "array index 5 is out of bounds for an array of 3 elements");
    expect_error("SELECT element_at(array(1,2,3), 4)",
                 "array index 4 is out of bounds for an array of 3 elements");
    expect_error("SELECT element_at(array(1), 0)", "array indices start at 1");
    expect_error("SELECT map(NULL, 1)", "cannot use null as map key");
    expect_error("SELECT named_struct('x', 1).y", "no field 'y' in struct<x:int>");
    expect_error("SELECT (1)[0]", "cannot subscript a value of type int");
    st_error err;
    st_error_init(&err);
    cr_assert_eq(ex_session_set(S, "spark.sql.ansi.enabled", "false", &err), ST_OK);
    expect("SELECT array(1,2,3)[5], element_at(array(1,2,3), -4), array(1)[-1]",
           "NULL|NULL|NULL\n");
}

Test(sql_nested, struct_columns_from_ndjson)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT t.arr[0] FROM json.`%s/n.json` t", g_dir);
    expect_error(sql, "array index 0 is out of bounds for an array of 0 elements");
    st_error err;
    st_error_init(&err);
    cr_assert_eq(ex_session_set(S, "spark.sql.ansi.enabled", "false", &err), ST_OK);
    expect("SELECT t.obj.field, obj.n.k, obj['field'], t.arr[0], size(arr) "
           "FROM json.`%s/n.json` t ORDER BY id",
           "a|5|a|1|3\nb|6|b|NULL|0\nNULL|NULL|NULL|NULL|NULL\n");
    expect("SELECT id FROM json.`%s/n.json` WHERE obj.n.k > 5 OR array_contains(arr, 2) "
           "ORDER BY id", "1\n2\n");
    expect("SELECT obj.field, count(*) FROM json.`%s/n.json` GROUP BY obj.field "
           "ORDER BY obj.field NULLS FIRST", "NULL|1\na|1\nb|1\n");
    snprintf(sql, sizeof sql, "SELECT t.obj.field FROM json.`%s/n.json` t", g_dir);
    expect_column(sql, 0, "field", "string");
    snprintf(sql, sizeof sql, "SELECT t.obj.nope FROM json.`%s/n.json` t", g_dir);
    expect_error(sql, "no field 'nope'");
}

Test(sql_nested, interval_arithmetic)
{
    expect("SELECT timestamp '2024-01-01 10:00:00' + interval 2 hours", "2024-01-01 12:00:00\n");
    expect("SELECT timestamp '2024-01-31 10:00:00' + interval 1 month, "
           "timestamp '2024-01-01 00:00:00' - interval '1 01:30:00' day to second",
           "2024-02-29 10:00:00|2023-12-30 22:30:00\n");
    expect("SELECT date '2024-01-01' + interval 36 hours, date '2024-03-31' - interval 1 month, "
           "date '2024-01-01' + interval '1-2' year to month, interval 3 day + date '2024-01-01'",
           "2024-01-02 12:00:00|2024-02-29|2025-03-01|2024-01-04\n");
    expect("SELECT timestamp '2024-01-01 00:00:00' + interval '1.5' second, "
           "timestampadd('MINUTE', 90, timestamp '2024-01-01 00:00:00')",
           "2024-01-01 00:00:01.500000|2024-01-01 01:30:00\n");
    expect("SELECT timestampadd(HOUR, -2, timestamp '2024-01-01 00:00:00'), "
           "dateadd(date '2024-01-01', 3), dateadd(day, 3, date '2024-01-01')",
           "2023-12-31 22:00:00|2024-01-04|2024-01-04 00:00:00\n");
    expect("SELECT timestamp_ntz '2024-01-01 10:00:00' + interval 90 minutes",
           "2024-01-01 11:30:00\n");
    expect_column("SELECT timestamp_ntz '2024-01-01 10:00:00' + interval 90 minutes AS t", 0,
                  "t", "timestamp_ntz");
    expect_error("SELECT timestampadd('FORTNIGHT', 1, timestamp '2024-01-01 00:00:00')",
                 "invalid unit 'FORTNIGHT'");
    expect_error("SELECT date '2024-01-01' + interval '1:2' day", "invalid interval value");
}

Test(sql_nested, csv_without_header_by_default)
{
    expect("SELECT _c0, _c1 FROM csv.`%s/h.csv`", "x|y\n1|hello\n2|world\n");
    expect("SELECT y FROM read_files('%s/h.csv', format => 'csv', header => true) "
           "WHERE x = 2", "world\n");
    expect("SELECT count(*) FROM read_files('%s/h.csv', format => 'csv')", "3\n");
}
