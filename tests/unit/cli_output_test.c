/* cli_output_test.c -- tests of the CLI result printers (src/cli/cli_output.c)
** on hand-built batches: exact CSV quoting, NDJSON with nested values, nulls
** and escaped keys, the box table's alignment, NULLs, wide and combining
** characters, cell cutting, the bounded row buffer, empty results, the
** display-width function and the writer's EPIPE handling.
**
** The CLI's objects are not part of libstrata.a (the Makefile links them only
** into the strata binary), so this file compiles cli_output.c into itself. */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

/* ---- helpers ------------------------------------------------------------- */

#define T(tid) {.id = (tid)}

static vec_field elem_fields[] = {{"element", T(VEC_STRING), true}};
static vec_field point_fields[] = {{"x", T(VEC_INT32), true}, {"y", T(VEC_STRING), true}};

/* Runs one printer over one batch (all rows) into a string (heap). */
static char *print_batch(cli_format fmt, const vec_batch *b, const cli_print_options *opt)
{
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    cr_assert_not_null(fp);
    cli_writer w;
    cli_writer_init(&w, fp);
    cli_printer *p = cli_printer_new(fmt, b->schema, &w, opt);
    cr_assert_not_null(p);
    st_error err;
    st_error_init(&err);
    cr_assert_eq(cli_printer_write(p, b, b->n_rows, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(cli_printer_finish(p, &err), ST_OK, "%s", err.msg);
    cli_printer_free(p);
    cli_writer_destroy(&w);
    fclose(fp);
    return text;
}

static vec *finish_builder(vec_builder *vb, vec_batch *b)
{
    st_error err;
    st_error_init(&err);
    vec *v = NULL;
    cr_assert_eq(vec_builder_finish(vb, b->arena, &v, &err), ST_OK, "%s", err.msg);
    vec_builder_free(vb);
    return v;
}

/* An INT32 column from values; INT32_MIN marks NULL. */
static vec *int_col(vec_batch *b, const vec_type *t, const int32_t *vals, int n)
{
    vec_builder *vb = vec_builder_new(t);
    st_error err;
    for (int i = 0; i < n; i++) {
        if (vals[i] == INT32_MIN)
            cr_assert_eq(vec_builder_append_null(vb, &err), ST_OK);
        else
            cr_assert_eq(vec_builder_append_i64(vb, vals[i], &err), ST_OK);
    }
    return finish_builder(vb, b);
}

/* A STRING column from C strings; NULL marks NULL. */
static vec *str_col(vec_batch *b, const vec_type *t, const char *const *vals, int n)
{
    vec_builder *vb = vec_builder_new(t);
    st_error err;
    for (int i = 0; i < n; i++) {
        if (!vals[i])
            cr_assert_eq(vec_builder_append_null(vb, &err), ST_OK);
        else
            cr_assert_eq(vec_builder_append_bytes(vb, vals[i], strlen(vals[i]), &err), ST_OK);
    }
    return finish_builder(vb, b);
}

/* A two-column (int "id", string "name") batch. */
typedef struct two_cols {
    vec_field  fields[2];
    vec_schema schema;
    vec_batch *batch;
} two_cols;

static void two_cols_make(two_cols *tc, const char *name0, const char *name1,
                          const int32_t *ids, const char *const *names, int n)
{
    tc->fields[0] = (vec_field){name0, T(VEC_INT32), true};
    tc->fields[1] = (vec_field){name1, T(VEC_STRING), true};
    tc->schema = (vec_schema){2, tc->fields};
    tc->batch = vec_batch_new(&tc->schema, 2, 0);
    cr_assert_not_null(tc->batch);
    tc->batch->cols[0] = int_col(tc->batch, &tc->fields[0].type, ids, n);
    tc->batch->cols[1] = str_col(tc->batch, &tc->fields[1].type, names, n);
    tc->batch->n_rows = n;
}

/* ---- CSV ----------------------------------------------------------------- */

Test(cli_output, csv_quoting)
{
    const int32_t ids[] = {1, 2, INT32_MIN, 4, 5, 6, 7};
    const char *const names[] = {"plain", "a,b", "say \"hi\"", "line1\nline2", "", NULL, "cr\r"};
    two_cols tc;
    two_cols_make(&tc, "id", "na,me", ids, names, 7);
    char *out = print_batch(CLI_FORMAT_CSV, tc.batch, NULL);
    cr_assert_str_eq(out,
                     "id,\"na,me\"\n"
                     "1,plain\n"
                     "2,\"a,b\"\n"
                     ",\"say \"\"hi\"\"\"\n"
                     "4,\"line1\nline2\"\n"
                     "5,\"\"\n"
                     "6,\n"
                     "7,\"cr\r\"\n");
    free(out);
    vec_batch_free(tc.batch);
}

Test(cli_output, csv_nested_values_are_quoted_json)
{
    vec_field fields[] = {{"tags", {.id = VEC_LIST, .n_children = 1, .children = elem_fields}, true}};
    vec_schema schema = {1, fields};
    vec_batch *b = vec_batch_new(&schema, 1, 0);
    vec_builder *vb = vec_builder_new(&fields[0].type);
    st_error err;
    vec_builder *el = vec_builder_child(vb, 0);
    cr_assert_eq(vec_builder_append_bytes(el, "a", 1, &err), ST_OK);
    cr_assert_eq(vec_builder_append_bytes(el, "b", 1, &err), ST_OK);
    cr_assert_eq(vec_builder_end_list(vb, &err), ST_OK);
    cr_assert_eq(vec_builder_append_null(vb, &err), ST_OK);
    b->cols[0] = finish_builder(vb, b);
    b->n_rows = 2;
    char *out = print_batch(CLI_FORMAT_CSV, b, NULL);
    cr_assert_str_eq(out, "tags\n\"[\"\"a\"\",\"\"b\"\"]\"\n\n");
    free(out);
    vec_batch_free(b);
}

Test(cli_output, csv_empty_result_has_header)
{
    two_cols tc;
    two_cols_make(&tc, "id", "name", NULL, NULL, 0);
    char *out = print_batch(CLI_FORMAT_CSV, tc.batch, NULL);
    cr_assert_str_eq(out, "id,name\n");
    free(out);
    vec_batch_free(tc.batch);
}

/* ---- NDJSON -------------------------------------------------------------- */

Test(cli_output, ndjson_nested_and_nulls)
{
    vec_field fields[] = {
        {"id", T(VEC_INT64), true},
        {"tags", {.id = VEC_LIST, .n_children = 1, .children = elem_fields}, true},
        {"p", {.id = VEC_STRUCT, .n_children = 2, .children = point_fields}, true},
        {"we\"ird\n", T(VEC_DOUBLE), true},
    };
    vec_schema schema = {4, fields};
    vec_batch *b = vec_batch_new(&schema, 4, 0);
    st_error err;

    vec_builder *ib = vec_builder_new(&fields[0].type);
    cr_assert_eq(vec_builder_append_i64(ib, 1, &err), ST_OK);
    cr_assert_eq(vec_builder_append_null(ib, &err), ST_OK);
    cr_assert_eq(vec_builder_append_i64(ib, -3, &err), ST_OK);
    b->cols[0] = finish_builder(ib, b);

    vec_builder *lb = vec_builder_new(&fields[1].type);
    vec_builder *el = vec_builder_child(lb, 0);
    cr_assert_eq(vec_builder_append_bytes(el, "a", 1, &err), ST_OK);
    cr_assert_eq(vec_builder_append_bytes(el, "b\"c", 3, &err), ST_OK);
    cr_assert_eq(vec_builder_end_list(lb, &err), ST_OK);
    cr_assert_eq(vec_builder_append_null(lb, &err), ST_OK);
    cr_assert_eq(vec_builder_append_null(el, &err), ST_OK);
    cr_assert_eq(vec_builder_end_list(lb, &err), ST_OK);
    b->cols[1] = finish_builder(lb, b);

    vec_builder *sb = vec_builder_new(&fields[2].type);
    cr_assert_eq(vec_builder_append_i64(vec_builder_child(sb, 0), 1, &err), ST_OK);
    cr_assert_eq(vec_builder_append_bytes(vec_builder_child(sb, 1), "q", 1, &err), ST_OK);
    cr_assert_eq(vec_builder_append_struct(sb, true, &err), ST_OK);
    cr_assert_eq(vec_builder_append_null(sb, &err), ST_OK);
    cr_assert_eq(vec_builder_append_null(vec_builder_child(sb, 0), &err), ST_OK);
    cr_assert_eq(vec_builder_append_bytes(vec_builder_child(sb, 1), "\n", 1, &err), ST_OK);
    cr_assert_eq(vec_builder_append_struct(sb, true, &err), ST_OK);
    b->cols[2] = finish_builder(sb, b);

    vec_builder *db = vec_builder_new(&fields[3].type);
    cr_assert_eq(vec_builder_append_f64(db, 0.5, &err), ST_OK);
    cr_assert_eq(vec_builder_append_null(db, &err), ST_OK);
    cr_assert_eq(vec_builder_append_f64(db, -2.25, &err), ST_OK);
    b->cols[3] = finish_builder(db, b);
    b->n_rows = 3;

    char *out = print_batch(CLI_FORMAT_NDJSON, b, NULL);
    cr_assert_str_eq(out,
                     "{\"id\":1,\"tags\":[\"a\",\"b\\\"c\"],\"p\":{\"x\":1,\"y\":\"q\"},"
                     "\"we\\\"ird\\n\":0.5}\n"
                     "{\"id\":null,\"tags\":null,\"p\":null,\"we\\\"ird\\n\":null}\n"
                     "{\"id\":-3,\"tags\":[null],\"p\":{\"x\":null,\"y\":\"\\n\"},"
                     "\"we\\\"ird\\n\":-2.25}\n");
    free(out);
    vec_batch_free(b);
}

Test(cli_output, ndjson_row_prefix_only)
{
    const int32_t ids[] = {1, 2, 3};
    const char *const names[] = {"x", "y", "z"};
    two_cols tc;
    two_cols_make(&tc, "id", "name", ids, names, 3);
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    cli_writer w;
    cli_writer_init(&w, fp);
    cli_printer *p = cli_printer_new(CLI_FORMAT_NDJSON, &tc.schema, &w, NULL);
    st_error err;
    cr_assert_eq(cli_printer_write(p, tc.batch, 2, &err), ST_OK);
    cr_assert_eq(cli_printer_finish(p, &err), ST_OK);
    cli_printer_free(p);
    cli_writer_destroy(&w);
    fclose(fp);
    cr_assert_str_eq(text, "{\"id\":1,\"name\":\"x\"}\n{\"id\":2,\"name\":\"y\"}\n");
    free(text);
    vec_batch_free(tc.batch);
}

/* ---- table --------------------------------------------------------------- */

Test(cli_output, table_alignment_nulls_unicode)
{
    const int32_t ids[] = {1, INT32_MIN, 3, 4, -12};
    const char *const names[] = {"alice", "bob", "日本", "e\xCC\x81", NULL};
    two_cols tc;
    two_cols_make(&tc, "id", "name", ids, names, 5);
    char *out = print_batch(CLI_FORMAT_TABLE, tc.batch, NULL);
    cr_assert_str_eq(out,
                     "┌──────┬────────┐\n"
                     "│  id  │  name  │\n"
                     "│ int  │ string │\n"
                     "├──────┼────────┤\n"
                     "│    1 │ alice  │\n"
                     "│ NULL │ bob    │\n"
                     "│    3 │ 日本   │\n"
                     "│    4 │ e\xCC\x81      │\n"
                     "│  -12 │ NULL   │\n"
                     "└──────┴────────┘\n"
                     "  5 rows\n");
    free(out);
    vec_batch_free(tc.batch);
}

Test(cli_output, table_cuts_long_cells_and_escapes_controls)
{
    const int32_t ids[] = {1, 2};
    const char *const names[] = {"0123456789012345678901234567890123456789XYZ", "a\tb\nc"};
    two_cols tc;
    two_cols_make(&tc, "id", "name", ids, names, 2);
    char *out = print_batch(CLI_FORMAT_TABLE, tc.batch, NULL);
    /* 43 characters become 39 plus the ellipsis: 40 columns */
    cr_assert_str_eq(out,
                     "┌─────┬──────────────────────────────────────────┐\n"
                     "│ id  │                   name                   │\n"
                     "│ int │                  string                  │\n"
                     "├─────┼──────────────────────────────────────────┤\n"
                     "│   1 │ 012345678901234567890123456789012345678… │\n"
                     "│   2 │ a\\tb\\nc                                  │\n"
                     "└─────┴──────────────────────────────────────────┘\n"
                     "  2 rows\n");
    free(out);
    vec_batch_free(tc.batch);
}

Test(cli_output, table_streams_after_buffer_with_fixed_widths)
{
    const int32_t ids[] = {1, 2, 123456789, 4};
    const char *const names[] = {"a", "bb", "ccccccccc", "dd"};
    two_cols tc;
    two_cols_make(&tc, "id", "name", ids, names, 4);
    cli_print_options opt = {.table_buffer_rows = 2, .max_cell_width = 0};
    char *out = print_batch(CLI_FORMAT_TABLE, tc.batch, &opt);
    /* widths come from the header and the first two rows; later cells are cut */
    cr_assert_str_eq(out,
                     "┌─────┬────────┐\n"
                     "│ id  │  name  │\n"
                     "│ int │ string │\n"
                     "├─────┼────────┤\n"
                     "│   1 │ a      │\n"
                     "│   2 │ bb     │\n"
                     "│ 12… │ ccccc… │\n"
                     "│   4 │ dd     │\n"
                     "└─────┴────────┘\n"
                     "  4 rows\n");
    free(out);
    vec_batch_free(tc.batch);
}

Test(cli_output, table_empty_and_single_row)
{
    two_cols tc;
    two_cols_make(&tc, "id", "name", NULL, NULL, 0);
    char *out = print_batch(CLI_FORMAT_TABLE, tc.batch, NULL);
    cr_assert_str_eq(out,
                     "┌─────┬────────┐\n"
                     "│ id  │  name  │\n"
                     "│ int │ string │\n"
                     "├─────┼────────┤\n"
                     "└─────┴────────┘\n"
                     "  0 rows\n");
    free(out);
    vec_batch_free(tc.batch);

    const int32_t ids[] = {7};
    const char *const names[] = {"x"};
    two_cols_make(&tc, "id", "name", ids, names, 1);
    out = print_batch(CLI_FORMAT_TABLE, tc.batch, NULL);
    cr_assert(strstr(out, "│   7 │ x      │\n") != NULL, "%s", out);
    cr_assert(strstr(out, "└─────┴────────┘\n  1 row\n") != NULL, "%s", out);
    free(out);
    vec_batch_free(tc.batch);
}

Test(cli_output, table_across_batches)
{
    const int32_t ids1[] = {1};
    const char *const names1[] = {"first"};
    const int32_t ids2[] = {22};
    const char *const names2[] = {"second-longer"};
    two_cols a, b;
    two_cols_make(&a, "id", "name", ids1, names1, 1);
    two_cols_make(&b, "id", "name", ids2, names2, 1);
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    cli_writer w;
    cli_writer_init(&w, fp);
    cli_printer *p = cli_printer_new(CLI_FORMAT_TABLE, &a.schema, &w, NULL);
    st_error err;
    cr_assert_eq(cli_printer_write(p, a.batch, 1, &err), ST_OK);
    vec_batch_free(a.batch);                   /* the printer keeps no batch */
    cr_assert_eq(cli_printer_write(p, b.batch, 1, &err), ST_OK);
    vec_batch_free(b.batch);
    cr_assert_eq(cli_printer_finish(p, &err), ST_OK);
    cli_printer_free(p);
    cli_writer_destroy(&w);
    fclose(fp);
    cr_assert_str_eq(text,
                     "┌─────┬───────────────┐\n"
                     "│ id  │     name      │\n"
                     "│ int │    string     │\n"
                     "├─────┼───────────────┤\n"
                     "│   1 │ first         │\n"
                     "│  22 │ second-longer │\n"
                     "└─────┴───────────────┘\n"
                     "  2 rows\n");
    free(text);
}

/* ---- width and writer ---------------------------------------------------- */

Test(cli_output, display_width)
{
    cr_assert_eq(cli_display_width("abc", 3), 3);
    cr_assert_eq(cli_display_width("日本語", strlen("日本語")), 6);
    cr_assert_eq(cli_display_width("e\xCC\x81", 3), 1);          /* e + combining acute */
    cr_assert_eq(cli_display_width("\xFF\xFE", 2), 2);           /* invalid bytes: 1 each */
    cr_assert_eq(cli_display_width("\xC3\xA9t\xC3\xA9", 5), 3);  /* "été" */
    cr_assert_eq(cli_display_width("\xF0\x9F\x98\x80", 4), 2);   /* emoji, wide */
    cr_assert_eq(cli_display_width("", 0), 0);
}

Test(cli_output, display_cut_and_invalid_utf8)
{
    st_buf b;
    st_buf_init(&b);
    st_error err;
    size_t w = 0;
    cr_assert_eq(cli_append_display(&b, "日本語です", strlen("日本語です"), 5, &w, &err), ST_OK);
    /* two wide characters (4 columns) fit before the ellipsis */
    cr_assert_eq(w, 5);
    cr_assert_eq(b.len, strlen("日本…"));
    cr_assert(memcmp(b.data, "日本…", b.len) == 0);
    st_buf_clear(&b);
    cr_assert_eq(cli_append_display(&b, "a\xFF" "b", 3, 40, &w, &err), ST_OK);
    cr_assert_eq(w, 3);
    cr_assert_eq(b.len, 5);
    cr_assert(memcmp(b.data, "a\xEF\xBF\xBD" "b", 5) == 0);
    st_buf_destroy(&b);
}

Test(cli_output, writer_broken_pipe_is_flagged)
{
    signal(SIGPIPE, SIG_IGN);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    close(fds[0]);
    FILE *fp = fdopen(fds[1], "w");
    cr_assert_not_null(fp);
    cli_writer w;
    cli_writer_init(&w, fp);
    st_error err;
    st_error_init(&err);
    cr_assert_eq(cli_write_str(&w, "hello\n", &err), ST_OK);   /* still buffered */
    cr_assert_eq(cli_writer_flush(&w, &err), ST_ERR_IO);
    cr_assert(w.is_broken_pipe);
    cr_assert(strstr(err.msg, "could not write output") != NULL, "%s", err.msg);
    /* later writes fail fast instead of piling up */
    cr_assert_eq(cli_writer_flush(&w, &err), ST_ERR_IO);
    cli_writer_destroy(&w);
    fclose(fp);
}

Test(cli_output, format_names)
{
    cli_format f;
    cr_assert(cli_format_parse("table", &f) && f == CLI_FORMAT_TABLE);
    cr_assert(cli_format_parse("csv", &f) && f == CLI_FORMAT_CSV);
    cr_assert(cli_format_parse("ndjson", &f) && f == CLI_FORMAT_NDJSON);
    cr_assert(!cli_format_parse("xml", &f));
    cr_assert(!cli_format_parse("CSV", &f));
}
