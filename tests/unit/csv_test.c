/* csv_test.c -- the CSV reader (src/format/csv) on hand-written files: type
** inference per column, RFC 4180 quoting (embedded delimiters, doubled
** quotes, line breaks inside quotes), line ends (LF, CRLF, CR, none at the
** end), a UTF-8 BOM, NULL spellings, explicit schemas, batch boundaries,
** records crossing the reader's 1 MiB chunks, and the exact error messages
** for malformed files. Also fmt_glob and the scalar parsers of format.h.
** Each file is written under /tmp and every row is compared as the JSON text
** vec_format_value produces (docs/conventions.md). */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/csv/csv.h"
#include "format/format.h"

static st_error err;

/* A per-test path under /tmp with content written to it. */
static const char *put(const char *name, const char *content, size_t n)
{
    static char path[256];
    snprintf(path, sizeof path, "/tmp/strata_csv_test_%d_%s", (int)getpid(), name);
    st_error_init(&err);
    cr_assert_eq(st_file_write_all(path, content, n, &err), ST_OK, "%s", err.msg);
    return path;
}
#define PUT(name, lit) put(name, lit, sizeof(lit) - 1)

/* Result of reading a whole file. */
typedef struct result {
    st_status rc;
    char      schema[1024];  /* "a int, b string" */
    st_buf    rows;          /* one JSON object per row, '\n' after each */
    int64_t   n_rows;
    int       n_batches;
    int64_t   max_batch;
} result;

static void append_row(st_buf *out, const vec_batch *b, int64_t i)
{
    st_buf_append_str(out, "{", NULL);
    for (int c = 0; c < b->n_cols; c++) {
        st_buf_printf(out, NULL, "%s\"%s\":", c ? "," : "", b->schema->fields[c].name);
        if (!vec_is_valid(b->cols[c], i))
            st_buf_append_str(out, "null", NULL);
        else
            cr_assert_eq(vec_format_value(b->cols[c], i, VEC_FMT_JSON, out, NULL), ST_OK);
    }
    st_buf_append_str(out, "}\n", NULL);
}

static void read_all(const char *path, const csv_options *opt, result *res)
{
    memset(res, 0, sizeof *res);
    st_buf_init(&res->rows);
    st_error_init(&err);
    csv_reader *r = NULL;
    res->rc = csv_reader_open(path, opt, &r, &err);
    if (res->rc != ST_OK) {
        cr_assert_null(r);
        return;
    }
    const vec_schema *s = csv_reader_schema(r);
    size_t k = 0;
    for (int c = 0; c < s->n_fields; c++) {
        char t[256];
        vec_type_format(&s->fields[c].type, t, sizeof t);
        k += (size_t)snprintf(res->schema + k, sizeof res->schema - k, "%s%s %s", c ? ", " : "",
                              s->fields[c].name, t);
    }
    for (;;) {
        vec_batch *b = NULL;
        res->rc = csv_reader_next(r, &b, &err);
        if (res->rc != ST_OK || !b)
            break;
        cr_assert_gt(b->n_rows, 0);
        res->n_batches++;
        res->max_batch = ST_MAX(res->max_batch, b->n_rows);
        for (int64_t i = 0; i < b->n_rows; i++)
            append_row(&res->rows, b, i);
        res->n_rows += b->n_rows;
        vec_batch_free(b);
    }
    csv_reader_close(r);
    st_buf_append_byte(&res->rows, 0, NULL);
}

static const char *rows(result *r) { return (const char *)r->rows.data; }

/* Reads path with default options and checks schema and rows exactly. */
static void expect(const char *path, const csv_options *opt, const char *schema,
                   const char *want_rows)
{
    result r;
    read_all(path, opt, &r);
    cr_assert_eq(r.rc, ST_OK, "%s", err.msg);
    cr_assert_str_eq(r.schema, schema);
    cr_assert_str_eq(rows(&r), want_rows);
    st_buf_destroy(&r.rows);
}

/* Reads path expecting failure code with message msg exactly. */
static void expect_error(const char *path, const csv_options *opt, st_status code,
                         const char *msg)
{
    result r;
    read_all(path, opt, &r);
    cr_assert_eq(r.rc, code, "got %s: %s", st_status_name(r.rc), err.msg);
    cr_assert_str_eq(err.msg, msg);
    st_buf_destroy(&r.rows);
}

/* ---- inference ----------------------------------------------------------- */

Test(csv, infers_each_type)
{
    const char *p = PUT("types.csv",
        "i,big,d,b,day,ts,s\n"
        "1,3000000000,1.5,true,2024-01-02,2024-01-02 03:04:05,x\n"
        "-2,-4,2,FALSE,2024-02-29,2024-01-02T03:04:05.5,y z\n"
        "+3,5,-1e3,True,1970-01-01,2024-01-02T03:04:05.123456789Z,007\n"
        "2147483647,6,.25,false,0001-01-01,2024-01-02T03:04:05-02:30,12abc\n");
    expect(p, NULL, "i int, big bigint, d double, b boolean, day date, ts timestamp, s string",
           "{\"i\":1,\"big\":3000000000,\"d\":1.5,\"b\":true,\"day\":\"2024-01-02\","
           "\"ts\":\"2024-01-02T03:04:05Z\",\"s\":\"x\"}\n"
           "{\"i\":-2,\"big\":-4,\"d\":2,\"b\":false,\"day\":\"2024-02-29\","
           "\"ts\":\"2024-01-02T03:04:05.500000Z\",\"s\":\"y z\"}\n"
           "{\"i\":3,\"big\":5,\"d\":-1000,\"b\":true,\"day\":\"1970-01-01\","
           "\"ts\":\"2024-01-02T03:04:05.123456Z\",\"s\":\"007\"}\n"
           "{\"i\":2147483647,\"big\":6,\"d\":0.25,\"b\":false,\"day\":\"0001-01-01\","
           "\"ts\":\"2024-01-02T05:34:05Z\",\"s\":\"12abc\"}\n");
}

Test(csv, widening_and_fallbacks)
{
    /* int32 overflow -> bigint; int64 overflow -> double; int + bool ->
    ** string; date + timestamp -> timestamp; invalid date -> string;
    ** int + date -> string; an all-empty column -> string */
    const char *p = PUT("widen.csv",
        "a,b,c,d,e,f,g\n"
        "2147483648,9223372036854775808,1,2024-01-01,2024-02-30,1,\n"
        "-2147483649,1,true,2024-01-01 10:00:00,2024-01-01,2024-01-01,\n");
    expect(p, NULL, "a bigint, b double, c string, d timestamp, e string, f string, g string",
           "{\"a\":2147483648,\"b\":9.223372036854776e+18,\"c\":\"1\","
           "\"d\":\"2024-01-01T00:00:00Z\",\"e\":\"2024-02-30\",\"f\":\"1\",\"g\":null}\n"
           "{\"a\":-2147483649,\"b\":1,\"c\":\"true\",\"d\":\"2024-01-01T10:00:00Z\","
           "\"e\":\"2024-01-01\",\"f\":\"2024-01-01\",\"g\":null}\n");
}

Test(csv, nulls_and_quoted_empty)
{
    const char *p = PUT("nulls.csv", "a,b,c\n1,,\"\"\n,x,\"\"\n");
    expect(p, NULL, "a int, b string, c string",
           "{\"a\":1,\"b\":null,\"c\":\"\"}\n{\"a\":null,\"b\":\"x\",\"c\":\"\"}\n");
    csv_options o;
    csv_options_init(&o);
    o.null_value = "NA";
    p = PUT("na.csv", "a,b\nNA,\n2,\"NA\"\n");
    expect(p, &o, "a int, b string", "{\"a\":null,\"b\":\"\"}\n{\"a\":2,\"b\":\"NA\"}\n");
}

Test(csv, header_only_and_empty_file)
{
    const char *p = PUT("hdr.csv", "x,y\n");
    expect(p, NULL, "x string, y string", "");
    p = PUT("empty.csv", "");
    expect(p, NULL, "", "");
    p = PUT("blank.csv", "\n\n");
    expect(p, NULL, "", "");
}

Test(csv, no_header_and_empty_names)
{
    csv_options o;
    csv_options_init(&o);
    o.no_header = true;
    const char *p = PUT("nohdr.csv", "1,a\n2,b");
    expect(p, &o, "_c0 int, _c1 string",
           "{\"_c0\":1,\"_c1\":\"a\"}\n{\"_c0\":2,\"_c1\":\"b\"}\n");
    p = PUT("emptyname.csv", "a,,c\n1,2,3\n");
    expect(p, NULL, "a int, _c1 int, c int", "{\"a\":1,\"_c1\":2,\"c\":3}\n");
}

Test(csv, sample_limits_inference_then_value_error)
{
    csv_options o;
    csv_options_init(&o);
    o.sample_rows = 2;
    const char *p = PUT("late.csv", "a,b\n1,x\n2,y\n3,z\nabc,w\n");
    char want[512];
    snprintf(want, sizeof want,
             "file \"%s\", line 5, column \"a\": cannot parse \"abc\" as int", p);
    expect_error(p, &o, ST_ERR_CORRUPT, want);
    cr_assert(strstr(err.hint, "sample_rows") != NULL, "hint: %s", err.hint);
    /* the default sample sees the whole file: a string column */
    expect(p, NULL, "a string, b string",
           "{\"a\":\"1\",\"b\":\"x\"}\n{\"a\":\"2\",\"b\":\"y\"}\n{\"a\":\"3\",\"b\":\"z\"}\n"
           "{\"a\":\"abc\",\"b\":\"w\"}\n");
    /* int column overflowing int32 after the sample */
    p = PUT("late2.csv", "a\n1\n2\n3000000000\n");
    snprintf(want, sizeof want,
             "file \"%s\", line 4, column \"a\": cannot parse \"3000000000\" as int", p);
    expect_error(p, &o, ST_ERR_CORRUPT, want);
}

/* ---- RFC 4180 syntax ----------------------------------------------------- */

Test(csv, quoting)
{
    const char *p = PUT("quotes.csv",
        "a,b\n"
        "\"x,y\",\"say \"\"hi\"\"\"\n"
        "\"line1\nline2\",\"cr\r\nlf\"\n"
        "\"\"\"\",\"\"\n"
        "plain\"quote,\"a\"\"\"\n");
    expect(p, NULL, "a string, b string",
           "{\"a\":\"x,y\",\"b\":\"say \\\"hi\\\"\"}\n"
           "{\"a\":\"line1\\nline2\",\"b\":\"cr\\r\\nlf\"}\n"
           "{\"a\":\"\\\"\",\"b\":\"\"}\n"
           "{\"a\":\"plain\\\"quote\",\"b\":\"a\\\"\"}\n");
}

Test(csv, line_ends_bom_and_no_final_newline)
{
    const char *want = "{\"a\":1,\"b\":\"x\"}\n{\"a\":2,\"b\":\"y\"}\n";
    expect(PUT("crlf.csv", "a,b\r\n1,x\r\n2,y\r\n"), NULL, "a int, b string", want);
    expect(PUT("cr.csv", "a,b\r1,x\r2,y\r"), NULL, "a int, b string", want);
    expect(PUT("nofinal.csv", "a,b\n1,x\n2,y"), NULL, "a int, b string", want);
    expect(PUT("bom.csv", "\xEF\xBB\xBF" "a,b\n1,x\n2,y\n"), NULL, "a int, b string", want);
    expect(PUT("blanklines.csv", "a,b\n\n1,x\r\n\r\n2,y\n\n"), NULL, "a int, b string", want);
    /* last field empty with no newline: a NULL, not a lost field */
    expect(PUT("trailing.csv", "a,b\n1,"), NULL, "a int, b string",
           "{\"a\":1,\"b\":null}\n");
    /* a quoted last field with no newline */
    expect(PUT("qlast.csv", "a,b\n1,\"x\""), NULL, "a int, b string",
           "{\"a\":1,\"b\":\"x\"}\n");
}

Test(csv, delimiter_and_backslash_escape)
{
    csv_options o;
    csv_options_init(&o);
    o.delimiter = '\t';
    expect(PUT("tab.tsv", "a\tb\n1,5\t\"x\ty\"\n"), &o, "a string, b string",
           "{\"a\":\"1,5\",\"b\":\"x\\ty\"}\n");
    csv_options_init(&o);
    o.delimiter = ';';
    o.escape = '\\';
    expect(PUT("bs.csv", "a;b\n\"x\\\"y\";\"back\\\\slash\"\n"), &o, "a string, b string",
           "{\"a\":\"x\\\"y\",\"b\":\"back\\\\slash\"}\n");
}

Test(csv, explicit_schema)
{
    static vec_field f[4] = {
        {.name = "id", .type = {.id = VEC_INT16}, .nullable = true},
        {.name = "v", .type = {.id = VEC_FLOAT}, .nullable = true},
        {.name = "s", .type = {.id = VEC_STRING}, .nullable = true},
        {.name = "t", .type = {.id = VEC_TIMESTAMP_NTZ}, .nullable = true},
    };
    static vec_schema s = {4, f};
    csv_options o;
    csv_options_init(&o);
    o.schema = &s;
    const char *p = PUT("explicit.csv", "x,y,z,w\n7,0.5,123,2024-01-02\n,1,,\n");
    expect(p, &o, "id smallint, v float, s string, t timestamp_ntz",
           "{\"id\":7,\"v\":0.5,\"s\":\"123\",\"t\":\"2024-01-02T00:00:00\"}\n"
           "{\"id\":null,\"v\":1,\"s\":null,\"t\":null}\n");
    char want[512];
    p = PUT("explicit_bad.csv", "x,y,z,w\n70000,1,a,2024-01-02\n");
    snprintf(want, sizeof want,
             "file \"%s\", line 2, column \"id\": cannot parse \"70000\" as smallint", p);
    expect_error(p, &o, ST_ERR_CORRUPT, want);
    p = PUT("explicit_count.csv", "x,y\n1,2\n");
    snprintf(want, sizeof want, "file \"%s\", line 1: expected 4 fields, found 2", p);
    expect_error(p, &o, ST_ERR_CORRUPT, want);
}

/* ---- errors ----------------------------------------------------------------- */

Test(csv, field_count_errors_name_the_line)
{
    char want[512];
    const char *p = PUT("count.csv", "a,b\n1,2\n\"multi\nline\",3\n4,5,6\n");
    snprintf(want, sizeof want, "file \"%s\", line 5: expected 2 fields, found 3", p);
    expect_error(p, NULL, ST_ERR_CORRUPT, want);
    /* after the sample, at batch time */
    csv_options o;
    csv_options_init(&o);
    o.sample_rows = 1;
    p = PUT("count2.csv", "a,b\n1,2\n3,4\n5\n");
    snprintf(want, sizeof want, "file \"%s\", line 4: expected 2 fields, found 1", p);
    expect_error(p, &o, ST_ERR_CORRUPT, want);
}

Test(csv, quote_errors)
{
    char want[512];
    const char *p = PUT("unterminated.csv", "a,b\n1,\"abc\n2,3\n");
    snprintf(want, sizeof want,
             "file \"%s\", line 2: unterminated quoted field at end of file", p);
    expect_error(p, NULL, ST_ERR_CORRUPT, want);
    p = PUT("afterquote.csv", "a,b\n1,\"abc\"x\n");
    snprintf(want, sizeof want,
             "file \"%s\", line 2: unexpected character 'x' after the closing quote of field 2",
             p);
    expect_error(p, NULL, ST_ERR_CORRUPT, want);
    expect_error("/tmp/strata_csv_test_no_such_file.csv", NULL, ST_ERR_NOTFOUND,
                 "could not open file \"/tmp/strata_csv_test_no_such_file.csv\": "
                 "No such file or directory");
}

Test(csv, bad_options)
{
    csv_options o;
    csv_options_init(&o);
    o.delimiter = '"';
    result r;
    read_all(PUT("opt.csv", "a\n1\n"), &o, &r);
    cr_assert_eq(r.rc, ST_ERR_ARGUMENT);
    st_buf_destroy(&r.rows);
    static vec_field f[1] = {{.name = "m", .type = {.id = VEC_DECIMAL, .precision = 5}}};
    static vec_schema s = {1, f};
    csv_options_init(&o);
    o.schema = &s;
    read_all(PUT("opt2.csv", "a\n1\n"), &o, &r);
    cr_assert_eq(r.rc, ST_ERR_UNSUPPORTED);
    cr_assert_str_eq(err.msg, "column \"m\" of type decimal cannot be read from CSV");
    st_buf_destroy(&r.rows);
}

/* ---- streaming --------------------------------------------------------------- */

Test(csv, batches_and_chunk_boundaries)
{
    /* 300000 rows (~9 MiB): records and quoted fields cross 1 MiB chunks;
    ** a CRLF may be split between two chunks */
    st_buf b;
    st_buf_init(&b);
    st_buf_append_str(&b, "id,s,x\r\n", NULL);
    for (int i = 0; i < 300000; i++)
        st_buf_printf(&b, NULL, "%d,\"v,%d\n\"\"q\"\"\",%d.5\r\n", i, i % 1000, i % 7);
    const char *p = put("big.csv", (const char *)b.data, b.len);
    st_buf_destroy(&b);
    csv_options o;
    csv_options_init(&o);
    o.batch_rows = 4096;
    o.sample_rows = 100;
    result r;
    read_all(p, &o, &r);
    cr_assert_eq(r.rc, ST_OK, "%s", err.msg);
    cr_assert_str_eq(r.schema, "id int, s string, x double");
    cr_assert_eq(r.n_rows, 300000);
    cr_assert_eq(r.max_batch, 4096);
    cr_assert_eq(r.n_batches, (300000 + 4095) / 4096);
    const char *last = "{\"id\":299999,\"s\":\"v,999\\n\\\"q\\\"\",\"x\":0.5}\n";
    size_t n = strlen(rows(&r)), k = strlen(last);
    cr_assert(n > k && strcmp(rows(&r) + n - k, last) == 0, "tail: %s", rows(&r) + n - k);
    cr_assert(strstr(rows(&r), "{\"id\":150001,\"s\":\"v,1\\n\\\"q\\\"\",\"x\":5.5}\n"));
    st_buf_destroy(&r.rows);
    unlink(p);
}

Test(csv, default_batch_size)
{
    st_buf b;
    st_buf_init(&b);
    st_buf_append_str(&b, "n\n", NULL);
    for (int i = 0; i < 5000; i++)
        st_buf_printf(&b, NULL, "%d\n", i);
    const char *p = put("batch.csv", (const char *)b.data, b.len);
    st_buf_destroy(&b);
    result r;
    read_all(p, NULL, &r);
    cr_assert_eq(r.rc, ST_OK, "%s", err.msg);
    cr_assert_eq(r.n_rows, 5000);
    cr_assert_eq(r.n_batches, 3);
    cr_assert_eq(r.max_batch, 2048);
    st_buf_destroy(&r.rows);
}

/* ---- format.h helpers ------------------------------------------------------------ */

Test(csv, scalar_parsers)
{
    int64_t i;
    double d;
    int32_t day;
    bool b, zone;
    cr_assert(fmt_parse_int64("-9223372036854775808", 20, &i) && i == INT64_MIN);
    cr_assert(!fmt_parse_int64("9223372036854775808", 19, &i));
    cr_assert(!fmt_parse_int64("1 ", 2, &i) && !fmt_parse_int64("-", 1, &i));
    cr_assert(fmt_parse_double("1e-3", 4, &d) && d == 0.001);
    cr_assert(fmt_parse_double("-Infinity", 9, &d) && d < -1e308);
    cr_assert(!fmt_parse_double("1e", 2, &d) && !fmt_parse_double(".", 1, &d));
    cr_assert(!fmt_parse_double("0x10", 4, &d));
    cr_assert(fmt_parse_bool("TrUe", 4, &b) && b);
    cr_assert(!fmt_parse_bool("yes", 3, &b));
    cr_assert(fmt_parse_date("2000-02-29", 10, &day) && day == 11016);
    cr_assert(!fmt_parse_date("1900-02-29", 10, &day));
    cr_assert(!fmt_parse_date("2024-1-02", 9, &day));
    cr_assert(fmt_parse_timestamp("1970-01-01T00:00:01.000001+0100", 31, &i, &zone));
    cr_assert_eq(i, 1000001 - 3600000000LL);
    cr_assert(zone);
    cr_assert(!fmt_parse_timestamp("1970-01-01 24:00:00", 19, &i, NULL));
    cr_assert(!fmt_parse_timestamp("1970-01-01 00:00:00.", 20, &i, NULL));
}

Test(csv, glob_files_and_directories)
{
    char dir[128];
    snprintf(dir, sizeof dir, "/tmp/strata_glob_test_%d", (int)getpid());
    mkdir(dir, 0755);
    const char *names[] = {"b.csv", "a.csv", "_SUCCESS", ".hidden.csv", "c.json"};
    char p[256];
    for (size_t k = 0; k < ST_ARRAY_LEN(names); k++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[k]);
        cr_assert_eq(st_file_write_all(p, "x", 1, &err), ST_OK);
    }
    snprintf(p, sizeof p, "%s/sub", dir);
    mkdir(p, 0755);
    st_arena *a = st_arena_new(0);
    char **paths;
    int n;
    cr_assert_eq(fmt_glob(dir, a, &paths, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 3);
    snprintf(p, sizeof p, "%s/a.csv", dir);
    cr_assert_str_eq(paths[0], p);
    snprintf(p, sizeof p, "%s/c.json", dir);
    cr_assert_str_eq(paths[2], p);
    snprintf(p, sizeof p, "%s/*.csv", dir);
    cr_assert_eq(fmt_glob(p, a, &paths, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 2);   /* glob(3) skips dot files itself */
    snprintf(p, sizeof p, "%s/b.csv", dir);
    cr_assert_str_eq(paths[1], p);
    snprintf(p, sizeof p, "%s/*.parquet", dir);
    cr_assert_eq(fmt_glob(p, a, &paths, &n, &err), ST_ERR_NOTFOUND);
    char want[300];
    snprintf(want, sizeof want, "no files match \"%s\"", p);
    cr_assert_str_eq(err.msg, want);
    st_arena_free(a);
    for (size_t k = 0; k < ST_ARRAY_LEN(names); k++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[k]);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/sub", dir);
    rmdir(p);
    rmdir(dir);
}
