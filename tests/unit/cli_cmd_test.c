/* cli_cmd_test.c -- end-to-end tests of the `strata` program: runs the built
** binary ($STRATA_BIN; skipped when unset or missing) through the shell on
** parquet-testing files and checks stdout, stderr and exit codes.
**
** Expected values come from alltypes_plain.parquet's known content (Impala
** alltypes, 8 rows, ids 4,5,6,7,2,3,0,1; even ids have bool_col true and 0 in
** the integer/float columns, odd ids false and 1/1/1/10/1.1/10.1; the two
** string-like columns are BYTE_ARRAY without a UTF8 annotation, so strata
** types them binary and prints base64: string_col "0" is "MA==", "1" is
** "MQ==", date_string_col "03/01/09" is "MDMvMDEvMDk="; timestamp_col is
** INT96, 2009-03-01 00:00:00 for id 4 and one minute later for id 5).
** Test data: $STRATA_TESTDATA, else ../shared/testdata from the repo root. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------- */

static const char *strata_bin(void)
{
    const char *b = getenv("STRATA_BIN");
    if (!b || !*b || access(b, X_OK) != 0)
        return NULL;
    return b;
}

/* Path of a parquet-testing data file (static buffer), or NULL if missing. */
static const char *data_file(const char *name)
{
    static char path[4096];
    const char *d = getenv("STRATA_TESTDATA");
    snprintf(path, sizeof path, "%s/parquet/data/%s", d && *d ? d : "../shared/testdata", name);
    return access(path, R_OK) == 0 ? path : NULL;
}

typedef struct run_result {
    char *out;     /* heap: stdout */
    char *err;     /* heap: stderr */
    int   code;    /* exit code, -1 if not exited normally */
} run_result;

static char *slurp(FILE *fp)
{
    size_t cap = 4096, len = 0;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    size_t n;
    while ((n = fread(s + len, 1, cap - len - 1, fp)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            cap *= 2;
            s = realloc(s, cap);
            cr_assert_not_null(s);
        }
    }
    s[len] = '\0';
    return s;
}

/* Runs `$STRATA_BIN <args>` (args already shell-quoted) and captures both
** streams. Skips the test when the binary is not available. */
static run_result run(const char *args)
{
    const char *bin = strata_bin();
    if (!bin)
        cr_skip_test("STRATA_BIN is not set to an executable strata binary");
    char errpath[] = "/tmp/strata_cli_test_XXXXXX";
    int fd = mkstemp(errpath);
    cr_assert(fd >= 0);
    close(fd);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>'%s'", bin, args, errpath);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    run_result r;
    r.out = slurp(p);
    int st = pclose(p);
    r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    FILE *ef = fopen(errpath, "r");
    cr_assert_not_null(ef);
    r.err = slurp(ef);
    fclose(ef);
    unlink(errpath);
    return r;
}

static void run_free(run_result *r)
{
    free(r->out);
    free(r->err);
}

/* The alltypes_plain path, skipping the test when the data is missing. */
static const char *alltypes(void)
{
    const char *f = data_file("alltypes_plain.parquet");
    if (!f)
        cr_skip_test("alltypes_plain.parquet not found (set STRATA_TESTDATA)");
    return f;
}

#define CSV_HEADER "id,bool_col,tinyint_col,smallint_col,int_col,bigint_col,float_col," \
                   "double_col,date_string_col,string_col,timestamp_col\n"
#define CSV_ROW_4 "4,true,0,0,0,0,0,0,MDMvMDEvMDk=,MA==,2009-03-01 00:00:00\n"
#define CSV_ROW_5 "5,false,1,1,1,10,1.1,10.1,MDMvMDEvMDk=,MQ==,2009-03-01 00:01:00\n"

/* ---- tests --------------------------------------------------------------- */

Test(cli_cmd, version)
{
    run_result r = run("version");
    cr_assert_eq(r.code, 0);
    cr_assert_str_eq(r.out, "strata 0.1.0\n");
    cr_assert_str_eq(r.err, "");
    run_free(&r);
}

Test(cli_cmd, help_and_unknown_command)
{
    run_result r = run("--help");
    cr_assert_eq(r.code, 0);
    cr_assert(strstr(r.out, "parquet cat") != NULL, "%s", r.out);
    run_free(&r);
    r = run("frobnicate");
    cr_assert_eq(r.code, 2);
    cr_assert(strncmp(r.err, "error: unknown command \"frobnicate\"", 35) == 0, "%s", r.err);
    run_free(&r);
}

Test(cli_cmd, cat_csv_header_and_rows)
{
    const char *f = alltypes();
    char args[4200];
    snprintf(args, sizeof args, "parquet cat '%s' --format csv", f);
    run_result r = run(args);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert(strncmp(r.out, CSV_HEADER CSV_ROW_4 CSV_ROW_5, strlen(CSV_HEADER CSV_ROW_4 CSV_ROW_5))
                  == 0, "%s", r.out);
    int lines = 0;
    for (const char *p = r.out; *p; p++)
        lines += *p == '\n';
    cr_assert_eq(lines, 9);                                 /* header + 8 rows */
    cr_assert(strstr(r.out, "\n1,false,1,1,1,10,1.1,10.1,MDEvMDEvMDk=,MQ==,2009-01-01 00:01:00\n")
              != NULL, "%s", r.out);
    run_free(&r);
}

Test(cli_cmd, cat_ndjson_projection)
{
    const char *f = alltypes();
    char args[4200];
    snprintf(args, sizeof args, "parquet cat '%s' --columns id,string_col --format ndjson", f);
    run_result r = run(args);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_str_eq(r.out,
                     "{\"id\":4,\"string_col\":\"MA==\"}\n"
                     "{\"id\":5,\"string_col\":\"MQ==\"}\n"
                     "{\"id\":6,\"string_col\":\"MA==\"}\n"
                     "{\"id\":7,\"string_col\":\"MQ==\"}\n"
                     "{\"id\":2,\"string_col\":\"MA==\"}\n"
                     "{\"id\":3,\"string_col\":\"MQ==\"}\n"
                     "{\"id\":0,\"string_col\":\"MA==\"}\n"
                     "{\"id\":1,\"string_col\":\"MQ==\"}\n");
    run_free(&r);

    /* columns come out in the order asked for */
    snprintf(args, sizeof args, "parquet cat '%s' --columns timestamp_col,id --format ndjson "
                                "--limit 1", f);
    r = run(args);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "{\"timestamp_col\":\"2009-03-01T00:00:00Z\",\"id\":4}\n");
    run_free(&r);
}

Test(cli_cmd, cat_limit)
{
    const char *f = alltypes();
    char args[4200];
    snprintf(args, sizeof args, "parquet cat '%s' --format csv --limit 2", f);
    run_result r = run(args);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_str_eq(r.out, CSV_HEADER CSV_ROW_4 CSV_ROW_5);
    run_free(&r);

    snprintf(args, sizeof args, "parquet cat '%s' --format csv --limit=0 --columns id", f);
    r = run(args);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "id\n");
    run_free(&r);
}

Test(cli_cmd, cat_table)
{
    const char *f = alltypes();
    char args[4200];
    snprintf(args, sizeof args, "parquet cat '%s' --columns id,bool_col --limit 2", f);
    run_result r = run(args);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_str_eq(r.out,
                     "┌─────┬──────────┐\n"
                     "│ id  │ bool_col │\n"
                     "│ int │ boolean  │\n"
                     "├─────┼──────────┤\n"
                     "│   4 │ true     │\n"
                     "│   5 │ false    │\n"
                     "└─────┴──────────┘\n"
                     "  2 rows\n");
    run_free(&r);
}

Test(cli_cmd, schema)
{
    const char *f = alltypes();
    char args[4200];
    snprintf(args, sizeof args, "parquet schema '%s'", f);
    run_result r = run(args);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert(strncmp(r.out, "message schema {\n  optional int32 id;\n", 38) == 0, "%s", r.out);
    cr_assert(strstr(r.out, "  optional int96 timestamp_col;\n}\n") != NULL, "%s", r.out);
    cr_assert(strstr(r.out, "  optional binary string_col;\n") != NULL, "%s", r.out);
    cr_assert(strstr(r.out, "  timestamp_col    timestamp\n") != NULL, "%s", r.out);
    cr_assert(strstr(r.out, "  bigint_col       bigint\n") != NULL, "%s", r.out);
    run_free(&r);
}

Test(cli_cmd, schema_nested_groups)
{
    const char *f = data_file("nested_maps.snappy.parquet");
    if (!f)
        cr_skip_test("nested_maps.snappy.parquet not found");
    char args[4200];
    snprintf(args, sizeof args, "parquet schema '%s'", f);
    run_result r = run(args);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert(strstr(r.out,
                     "  optional group a (MAP) {\n"
                     "    repeated group key_value {\n"
                     "      required binary key (UTF8);\n"
                     "      optional group value (MAP) {\n") != NULL, "%s", r.out);
    cr_assert(strstr(r.out, "  a  map<string,map<int,boolean>>\n") != NULL, "%s", r.out);
    run_free(&r);
}

Test(cli_cmd, meta)
{
    const char *f = alltypes();
    char args[4200];
    snprintf(args, sizeof args, "parquet meta '%s'", f);
    run_result r = run(args);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert(strstr(r.out, "num_rows: 8\nnum_row_groups: 1\n") != NULL, "%s", r.out);
    cr_assert(strstr(r.out, "created_by: impala version 1.3.0-INTERNAL") != NULL, "%s", r.out);
    cr_assert(strstr(r.out, "  column 10: timestamp_col\n    physical_type: INT96\n") != NULL,
              "%s", r.out);
    run_free(&r);
}

Test(cli_cmd, scan_counts_rows)
{
    const char *f = alltypes();
    char args[4200];
    snprintf(args, sizeof args, "parquet scan '%s'", f);
    run_result r = run(args);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "8\n");
    run_free(&r);
    snprintf(args, sizeof args, "parquet scan '%s' --columns string_col", f);
    r = run(args);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "8\n");
    run_free(&r);
}

Test(cli_cmd, missing_file)
{
    run_result r = run("parquet cat /nonexistent/dir/none.parquet");
    cr_assert_eq(r.code, 1);
    cr_assert(strncmp(r.err, "error: ", 7) == 0, "%s", r.err);
    cr_assert(strstr(r.err, "none.parquet") != NULL, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    run_free(&r);
}

Test(cli_cmd, unknown_column)
{
    const char *f = alltypes();
    char args[4200];
    snprintf(args, sizeof args, "parquet cat '%s' --columns id,no_such_col", f);
    run_result r = run(args);
    cr_assert_eq(r.code, 1);
    cr_assert(strncmp(r.err, "error: column \"no_such_col\" not found", 37) == 0, "%s", r.err);
    cr_assert(strstr(r.err, "\nhint: available columns: id, bool_col, tinyint_col,") != NULL,
              "%s", r.err);
    cr_assert_str_eq(r.out, "");
    run_free(&r);
}

Test(cli_cmd, usage_errors_exit_2)
{
    const char *f = alltypes();
    char args[4200];
    snprintf(args, sizeof args, "parquet cat '%s' --format xml", f);
    run_result r = run(args);
    cr_assert_eq(r.code, 2);
    cr_assert(strstr(r.err, "\"xml\"") != NULL, "%s", r.err);
    run_free(&r);
    snprintf(args, sizeof args, "parquet cat '%s' --limit -3", f);
    r = run(args);
    cr_assert_eq(r.code, 2);
    cr_assert(strstr(r.err, "--limit \"-3\"") != NULL, "%s", r.err);
    run_free(&r);
    snprintf(args, sizeof args, "parquet cat '%s' --colums id", f);
    r = run(args);
    cr_assert_eq(r.code, 2);
    cr_assert(strstr(r.err, "\"--colums\"") != NULL, "%s", r.err);
    run_free(&r);
    r = run("parquet rewrite only-one-arg.parquet");
    cr_assert_eq(r.code, 2);
    run_free(&r);
    snprintf(args, sizeof args, "parquet rewrite '%s' /tmp/x.parquet --codec lzo", f);
    r = run(args);
    cr_assert_eq(r.code, 2);
    cr_assert(strstr(r.err, "--codec \"lzo\"") != NULL, "%s", r.err);
    run_free(&r);
}

Test(cli_cmd, broken_pipe_exits_quietly)
{
    const char *f = data_file("lz4_raw_compressed_larger.parquet");
    if (!f)
        cr_skip_test("lz4_raw_compressed_larger.parquet not found");
    char status[] = "/tmp/strata_cli_status_XXXXXX";
    int fd = mkstemp(status);
    cr_assert(fd >= 0);
    close(fd);
    /* 10000 rows of csv (~370 KB) overflow the pipe after head has quit */
    char args[8400];
    snprintf(args, sizeof args, "parquet cat '%s' --format csv; echo $? >'%s'; } | head -n 1",
             f, status);
    const char *bin = strata_bin();
    if (!bin)
        cr_skip_test("STRATA_BIN is not set to an executable strata binary");
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "{ '%s' %s", bin, args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char *out = slurp(p);
    pclose(p);
    cr_assert_str_eq(out, "a\n");
    FILE *sf = fopen(status, "r");
    cr_assert_not_null(sf);
    char *code = slurp(sf);
    fclose(sf);
    unlink(status);
    cr_assert_str_eq(code, "0\n");
    free(code);
    free(out);
}

Test(cli_cmd, rewrite_round_trip)
{
    const char *f = alltypes();
    static const char *const codecs[] = {"none", "snappy", "gzip", "zstd", "lz4", "brotli"};
    for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
        char outpath[] = "/tmp/strata_cli_rewrite_XXXXXX";
        int fd = mkstemp(outpath);
        cr_assert(fd >= 0);
        close(fd);
        char args[8400];
        snprintf(args, sizeof args, "parquet rewrite '%s' '%s' --codec %s --row-group-rows 3%s",
                 f, outpath, codecs[i], i % 2 ? " --no-dictionary" : "");
        run_result r = run(args);
        cr_assert_eq(r.code, 0, "codec %s: %s", codecs[i], r.err);
        cr_assert(strncmp(r.out, "wrote 8 rows to ", 16) == 0, "%s", r.out);
        run_free(&r);

        snprintf(args, sizeof args, "parquet cat '%s' --format csv", outpath);
        r = run(args);
        cr_assert_eq(r.code, 0, "codec %s: %s", codecs[i], r.err);
        cr_assert(strncmp(r.out, CSV_HEADER CSV_ROW_4 CSV_ROW_5,
                          strlen(CSV_HEADER CSV_ROW_4 CSV_ROW_5)) == 0, "codec %s: %s",
                  codecs[i], r.out);
        run_free(&r);

        snprintf(args, sizeof args, "parquet meta '%s'", outpath);
        r = run(args);
        cr_assert_eq(r.code, 0, "%s", r.err);
        cr_assert(strstr(r.out, "num_row_groups: 3\n") != NULL, "codec %s: %s", codecs[i], r.out);
        run_free(&r);
        unlink(outpath);
    }
}

Test(cli_cmd, rewrite_refuses_own_input)
{
    /* on a copy, so a failing check cannot truncate the shared test data */
    const char *f = alltypes();
    char copy[] = "/tmp/strata_cli_self_XXXXXX";
    int fd = mkstemp(copy);
    cr_assert(fd >= 0);
    FILE *in = fopen(f, "rb");
    cr_assert_not_null(in);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        cr_assert_eq(write(fd, buf, n), (ssize_t)n);
    fclose(in);
    close(fd);
    struct stat before;
    cr_assert_eq(stat(copy, &before), 0);
    char args[8400];
    snprintf(args, sizeof args, "parquet rewrite '%s' '%s'", copy, copy);
    run_result r = run(args);
    cr_assert_eq(r.code, 1);
    cr_assert(strstr(r.err, "onto itself") != NULL, "%s", r.err);
    run_free(&r);
    struct stat after;
    cr_assert_eq(stat(copy, &after), 0);
    cr_assert_eq(after.st_size, before.st_size);
    unlink(copy);
}

/* `strata sql`: formats, several statements, --table, -f, stdin, errors. */
Test(cli_cmd, sql_formats_and_errors)
{
    char args[2048];
    snprintf(args, sizeof args,
             "sql --format csv --table 't=parquet:%s' -e 'SELECT id FROM t WHERE id < 2 ORDER BY id'",
             alltypes());
    run_result r = run(args);
    cr_expect_eq(r.code, 0, "%s", r.err);
    cr_expect_str_eq(r.out, "id\n0\n1\n");
    run_free(&r);

    r = run("sql --format json \"SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, NULL ORDER BY a\"");
    cr_expect_str_eq(r.out, "[{\"a\":1,\"b\":\"x\"},\n{\"a\":2,\"b\":null}]\n");
    run_free(&r);

    r = run("sql --format ndjson -e 'SET threads = 1; SELECT 1 AS a'");
    cr_expect_str_eq(r.out, "{\"key\":\"threads\",\"value\":\"1\"}\n{\"a\":1}\n");
    run_free(&r);

    r = run("sql < /dev/null");
    cr_expect_eq(r.code, 0);
    run_free(&r);

    r = run("sql -e 'SELECT 1;\nSELECT amout FROM VALUES (1) AS t(amount)'");
    cr_expect_eq(r.code, 1);
    cr_expect(strstr(r.out, "1 row") != NULL, "the first statement ran: %s", r.out);
    cr_expect_str_eq(r.err,
                     "error: line 2, column 8: unknown column 'amout' (did you mean 'amount'?)\n"
                     "LINE 2: SELECT amout FROM VALUES (1) AS t(amount)\n"
                     "               ^\n");
    run_free(&r);

    r = run("sql --format xml -e 'SELECT 1'");
    cr_expect_eq(r.code, 2);
    run_free(&r);
}

/* `strata shell` on a pipe: multi-line statements, dot commands. */
Test(cli_cmd, shell_script)
{
    char script[] = "/tmp/strata_shell_XXXXXX";
    int fd = mkstemp(script);
    cr_assert(fd >= 0);
    const char *text = ".mode csv\nSELECT 1 + \n 1 AS two;\n.timer on\n"
                       "SELECT 'a' AS s; SELECT nope;\n.quit\nSELECT 3;\n";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char args[256];
    snprintf(args, sizeof args, "shell < '%s'", script);
    run_result r = run(args);
    unlink(script);
    cr_expect_eq(r.code, 0, "%s", r.err);
    cr_expect(strstr(r.out, "two\n2\n") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "s\na\n") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "Run Time:") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "3\n") == NULL, "nothing runs after .quit: %s", r.out);
    cr_expect(strstr(r.err, "unknown column 'nope'") != NULL, "%s", r.err);
    run_free(&r);
}
