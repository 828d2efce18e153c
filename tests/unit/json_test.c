/* json_test.c -- the NDJSON reader (src/format/json) on hand-written files:
** inference (bigint/double/boolean/string, structs merged across lines in
** first-seen key order, arrays of merged element types, null-only columns,
** conflicts widening to double or string), nested values into STRUCT and
** LIST vectors, explicit schemas (dates and timestamps from strings), blank
** lines, CRLF, a BOM, batch boundaries, and the exact error messages for bad
** lines and type mismatches after the sample. Rows are compared as the JSON
** text vec_format_value produces (docs/conventions.md). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "format/json/json.h"

static st_error err;

static const char *put(const char *name, const char *content, size_t n)
{
    static char path[256];
    snprintf(path, sizeof path, "/tmp/strata_json_test_%d_%s", (int)getpid(), name);
    st_error_init(&err);
    cr_assert_eq(st_file_write_all(path, content, n, &err), ST_OK, "%s", err.msg);
    return path;
}
#define PUT(name, lit) put(name, lit, sizeof(lit) - 1)

typedef struct result {
    st_status rc;
    char      schema[2048];
    st_buf    rows;
    int64_t   n_rows;
    int       n_batches;
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

static void read_all(const char *path, const json_options *opt, result *res)
{
    memset(res, 0, sizeof *res);
    st_buf_init(&res->rows);
    st_error_init(&err);
    json_reader *r = NULL;
    res->rc = json_reader_open(path, opt, &r, &err);
    if (res->rc != ST_OK) {
        cr_assert_null(r);
        return;
    }
    const vec_schema *s = json_reader_schema(r);
    size_t k = 0;
    for (int c = 0; c < s->n_fields; c++) {
        char t[1024];
        vec_type_format(&s->fields[c].type, t, sizeof t);
        k += (size_t)snprintf(res->schema + k, sizeof res->schema - k, "%s%s %s", c ? ", " : "",
                              s->fields[c].name, t);
    }
    for (;;) {
        vec_batch *b = NULL;
        res->rc = json_reader_next(r, &b, &err);
        if (res->rc != ST_OK || !b)
            break;
        res->n_batches++;
        for (int64_t i = 0; i < b->n_rows; i++)
            append_row(&res->rows, b, i);
        res->n_rows += b->n_rows;
        vec_batch_free(b);
    }
    json_reader_close(r);
    st_buf_append_byte(&res->rows, 0, NULL);
}

static void expect(const char *path, const json_options *opt, const char *schema,
                   const char *want_rows)
{
    result r;
    read_all(path, opt, &r);
    cr_assert_eq(r.rc, ST_OK, "%s", err.msg);
    cr_assert_str_eq(r.schema, schema);
    cr_assert_str_eq((const char *)r.rows.data, want_rows);
    st_buf_destroy(&r.rows);
}

static void expect_error(const char *path, const json_options *opt, st_status code,
                         const char *msg)
{
    result r;
    read_all(path, opt, &r);
    cr_assert_eq(r.rc, code, "got %s: %s", st_status_name(r.rc), err.msg);
    cr_assert_str_eq(err.msg, msg);
    st_buf_destroy(&r.rows);
}

Test(json, scalars)
{
    const char *p = PUT("scalars.json",
        "{\"i\":1,\"d\":1.5,\"b\":true,\"s\":\"2024-01-02\",\"n\":null}\n"
        "{\"i\":-9223372036854775808,\"d\":2,\"b\":false,\"s\":\"x\\u00e9\\n\",\"n\":null}\n"
        "{\"d\":1e3}\n");
    expect(p, NULL, "i bigint, d double, b boolean, s string, n string",
           "{\"i\":1,\"d\":1.5,\"b\":true,\"s\":\"2024-01-02\",\"n\":null}\n"
           "{\"i\":-9223372036854775808,\"d\":2,\"b\":false,\"s\":\"x\xc3\xa9\\n\",\"n\":null}\n"
           "{\"i\":null,\"d\":1000,\"b\":null,\"s\":null,\"n\":null}\n");
}

Test(json, keys_in_first_seen_order)
{
    const char *p = PUT("order.json", "{\"b\":1}\n{\"a\":2,\"b\":3}\n{\"c\":4}\n");
    expect(p, NULL, "b bigint, a bigint, c bigint",
           "{\"b\":1,\"a\":null,\"c\":null}\n{\"b\":3,\"a\":2,\"c\":null}\n"
           "{\"b\":null,\"a\":null,\"c\":4}\n");
}

Test(json, nested_structs_and_arrays)
{
    const char *p = PUT("nested.json",
        "{\"s\":{\"x\":1,\"t\":{\"u\":true}},\"a\":[1,2],\"as\":[{\"k\":\"v\"}]}\n"
        "{\"s\":{\"y\":\"z\",\"x\":2.5},\"a\":[],\"as\":[{\"k\":null,\"m\":[1]},null]}\n"
        "{\"s\":null,\"a\":null,\"as\":[]}\n"
        "{\"a\":[null,3]}\n");
    expect(p, NULL,
           "s struct<x:double,t:struct<u:boolean>,y:string>, a array<bigint>, "
           "as array<struct<k:string,m:array<bigint>>>",
           "{\"s\":{\"x\":1,\"t\":{\"u\":true},\"y\":null},\"a\":[1,2],"
           "\"as\":[{\"k\":\"v\",\"m\":null}]}\n"
           "{\"s\":{\"x\":2.5,\"t\":null,\"y\":\"z\"},\"a\":[],"
           "\"as\":[{\"k\":null,\"m\":[1]},null]}\n"
           "{\"s\":null,\"a\":null,\"as\":[]}\n"
           "{\"s\":null,\"a\":[null,3],\"as\":null}\n");
}

Test(json, conflicts_widen)
{
    /* bigint+double -> double; bigint+string -> string (JSON text); struct +
    ** bigint -> string; bool + bigint -> string; array + object -> string;
    ** only nulls -> string; [] only -> array<string>; {} only -> string */
    const char *p = PUT("conflict.json",
        "{\"n\":1,\"m\":1,\"o\":{\"a\":1},\"b\":true,\"x\":[1],\"z\":null,\"e\":[],\"eo\":{}}\n"
        "{\"n\":2.5,\"m\":\"two\",\"o\":7,\"b\":0,\"x\":{\"k\":[1, 2]},\"z\":null,\"e\":[],"
        "\"eo\":{}}\n");
    expect(p, NULL,
           "n double, m string, o string, b string, x string, z string, e array<string>, "
           "eo string",
           "{\"n\":1,\"m\":\"1\",\"o\":\"{\\\"a\\\":1}\",\"b\":\"true\",\"x\":\"[1]\","
           "\"z\":null,\"e\":[],\"eo\":\"{}\"}\n"
           "{\"n\":2.5,\"m\":\"two\",\"o\":\"7\",\"b\":\"0\",\"x\":\"{\\\"k\\\":[1,2]}\","
           "\"z\":null,\"e\":[],\"eo\":\"{}\"}\n");
}

Test(json, blank_lines_crlf_bom)
{
    const char *p = PUT("ws.json", "\xEF\xBB\xBF{\"a\":1}\r\n\r\n   \n{\"a\":2}");
    expect(p, NULL, "a bigint", "{\"a\":1}\n{\"a\":2}\n");
    expect(PUT("empty.json", ""), NULL, "", "");
    /* objects with no keys: zero columns, rows still counted */
    result r;
    read_all(PUT("nokeys.json", "{}\n{}\n"), NULL, &r);
    cr_assert_eq(r.rc, ST_OK, "%s", err.msg);
    cr_assert_eq(r.n_rows, 2);
    st_buf_destroy(&r.rows);
}

Test(json, deep_nesting_becomes_string)
{
    st_buf b;
    st_buf_init(&b);
    st_buf_append_str(&b, "{\"d\":", NULL);
    for (int i = 0; i < 100; i++)
        st_buf_append_str(&b, "[", NULL);
    for (int i = 0; i < 100; i++)
        st_buf_append_str(&b, "]", NULL);
    st_buf_append_str(&b, "}\n", NULL);
    result r;
    read_all(put("deep.json", (const char *)b.data, b.len), NULL, &r);
    st_buf_destroy(&b);
    cr_assert_eq(r.rc, ST_OK, "%s", err.msg);
    /* 64 levels of array, then string */
    cr_assert(strstr(r.schema, "array<array<") == r.schema + 2);
    cr_assert(strstr(r.schema, "array<string>") != NULL);
    st_buf_destroy(&r.rows);
}

Test(json, errors_name_file_and_line)
{
    char want[512];
    const char *p = PUT("bad.json", "{\"a\":1}\n\n{\"a\":2,}\n");
    snprintf(want, sizeof want, "file \"%s\", line 3, column 8: string or '}' expected near '}'",
             p);
    expect_error(p, NULL, ST_ERR_CORRUPT, want);
    p = PUT("arr.json", "{\"a\":1}\n[1,2]\n");
    snprintf(want, sizeof want, "file \"%s\", line 2: expected a JSON object, found an array", p);
    expect_error(p, NULL, ST_ERR_CORRUPT, want);
    p = PUT("scalar.json", "{\"a\":1}\n\"x\"\n");
    snprintf(want, sizeof want, "file \"%s\", line 2: expected a JSON object, found a string", p);
    expect_error(p, NULL, ST_ERR_CORRUPT, want);
    p = PUT("two.json", "{\"a\":1} {\"a\":2}\n");
    snprintf(want, sizeof want, "file \"%s\", line 1, column 9: end of file expected near '{'",
             p);
    expect_error(p, NULL, ST_ERR_CORRUPT, want);
}

Test(json, mismatch_after_sample)
{
    json_options o = {.sample_rows = 2};
    char want[512];
    const char *p = PUT("late.json", "{\"a\":1}\n{\"a\":2}\n{\"a\":\"x\"}\n");
    snprintf(want, sizeof want, "file \"%s\", line 3, field \"a\": cannot read \"x\" as bigint",
             p);
    expect_error(p, &o, ST_ERR_CORRUPT, want);
    cr_assert(strstr(err.hint, "sample_rows") != NULL);
    p = PUT("late2.json", "{\"s\":{\"k\":true}}\n{\"s\":{\"k\":false}}\n\n{\"s\":{\"k\":1.5}}\n");
    snprintf(want, sizeof want, "file \"%s\", line 4, field \"k\": cannot read 1.5 as boolean",
             p);
    expect_error(p, &o, ST_ERR_CORRUPT, want);
    /* a bad line after the sample */
    p = PUT("late3.json", "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\nnope\n");
    snprintf(want, sizeof want, "file \"%s\", line 4, column 4: invalid token near 'nope'",
             p);
    expect_error(p, &o, ST_ERR_CORRUPT, want);
    /* values a string column accepts after the sample */
    p = PUT("late4.json", "{\"a\":\"x\"}\n{\"a\":\"y\"}\n{\"a\":[1,{\"b\":null}]}\n{\"a\":3}\n");
    expect(p, &o, "a string",
           "{\"a\":\"x\"}\n{\"a\":\"y\"}\n{\"a\":\"[1,{\\\"b\\\":null}]\"}\n{\"a\":\"3\"}\n");
}

Test(json, explicit_schema)
{
    static vec_field f[4] = {
        {.name = "i", .type = {.id = VEC_INT32}, .nullable = true},
        {.name = "d", .type = {.id = VEC_DATE}, .nullable = true},
        {.name = "t", .type = {.id = VEC_TIMESTAMP}, .nullable = true},
        {.name = "f", .type = {.id = VEC_DOUBLE}, .nullable = true},
    };
    static vec_schema s = {4, f};
    json_options o = {.schema = &s};
    const char *p = PUT("explicit.json",
        "{\"i\":5,\"d\":\"2024-03-01\",\"t\":\"2024-03-01T10:00:00+02:00\",\"f\":3,\"extra\":1}\n"
        "{}\n");
    expect(p, &o, "i int, d date, t timestamp, f double",
           "{\"i\":5,\"d\":\"2024-03-01\",\"t\":\"2024-03-01T08:00:00Z\",\"f\":3}\n"
           "{\"i\":null,\"d\":null,\"t\":null,\"f\":null}\n");
    char want[512];
    p = PUT("explicit_bad.json", "{\"i\":3000000000}\n");
    snprintf(want, sizeof want, "file \"%s\", line 1, field \"i\": cannot read 3000000000 as int",
             p);
    expect_error(p, &o, ST_ERR_CORRUPT, want);
    p = PUT("explicit_bad2.json", "{\"d\":\"03/01/2024\"}\n");
    snprintf(want, sizeof want,
             "file \"%s\", line 1, field \"d\": cannot read \"03/01/2024\" as date", p);
    expect_error(p, &o, ST_ERR_CORRUPT, want);
}

Test(json, batches_over_chunks)
{
    st_buf b;
    st_buf_init(&b);
    for (int i = 0; i < 100000; i++)
        st_buf_printf(&b, NULL, "{\"id\":%d,\"s\":\"%0*d\",\"l\":[%d,%d]}\n", i, 1 + i % 40, i,
                      i, -i);
    const char *p = put("big.json", (const char *)b.data, b.len);
    st_buf_destroy(&b);
    json_options o = {.sample_rows = 10, .batch_rows = 1000};
    result r;
    read_all(p, &o, &r);
    cr_assert_eq(r.rc, ST_OK, "%s", err.msg);
    cr_assert_str_eq(r.schema, "id bigint, s string, l array<bigint>");
    cr_assert_eq(r.n_rows, 100000);
    cr_assert_eq(r.n_batches, 100);
    cr_assert(strstr((const char *)r.rows.data,
                     "{\"id\":99999,\"s\":\"0000000000000000000000000000000000099999\","
                     "\"l\":[99999,-99999]}\n") != NULL);
    st_buf_destroy(&r.rows);
    unlink(p);
}
