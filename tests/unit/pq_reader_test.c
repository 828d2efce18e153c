/* pq_reader_test.c -- reader behaviour that the conformance suite does not
** pin down: batch boundaries that cut through pages and nested records, the
** string byte budget (records carried over to the next batch), projection
** order, and row-group selection by column statistics. Files are written by
** strata's writer into a temporary folder and read back. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "format/parquet/pq.h"

static st_error err;

static void ok(st_status rc)
{
    cr_assert_eq(rc, ST_OK, "%s", err.msg);
}

/* Schema: id bigint, tags array<string>, s string. */
static vec_field tag_elem = { .name = "element", .type = { .id = VEC_STRING }, .nullable = true };
static vec_field fields[3] = {
    { .name = "id", .type = { .id = VEC_INT64 }, .nullable = false },
    { .name = "tags", .type = { .id = VEC_LIST, .n_children = 1, .children = &tag_elem },
      .nullable = true },
    { .name = "s", .type = { .id = VEC_STRING }, .nullable = true },
};
static vec_schema schema = { .n_fields = 3, .fields = fields };

/* Writes n rows in row groups of rg_rows: id = i, tags = i % 4 strings
** (row i % 7 == 0 null), s = a string of i % 50 chars (every 5th null). */
static void write_file(const char *path, int n, int64_t rg_rows)
{
    pq_writer *w;
    pq_write_options opt = { .codec = PQ_CODEC_SNAPPY, .row_group_rows = rg_rows,
                             .page_bytes = 512 };
    st_error_init(&err);
    ok(pq_writer_open(path, &schema, &opt, &w, &err));
    vec_builder *b[3];
    for (int c = 0; c < 3; c++)
        b[c] = vec_builder_new(&fields[c].type);
    char buf[64];
    for (int i = 0; i < n; i++) {
        ok(vec_builder_append_i64(b[0], i, &err));
        if (i % 7 == 0) {
            ok(vec_builder_append_null(b[1], &err));
        } else {
            for (int k = 0; k < i % 4; k++) {
                int len = snprintf(buf, sizeof buf, "t%d-%d", i, k);
                ok(vec_builder_append_bytes(vec_builder_child(b[1], 0), buf, (size_t)len, &err));
            }
            ok(vec_builder_end_list(b[1], &err));
        }
        if (i % 5 == 0) {
            ok(vec_builder_append_null(b[2], &err));
        } else {
            memset(buf, 'a' + i % 26, sizeof buf);
            ok(vec_builder_append_bytes(b[2], buf, (size_t)(i % 50), &err));
        }
    }
    vec_batch *bt = vec_batch_new(&schema, 3, 0);
    for (int c = 0; c < 3; c++) {
        ok(vec_builder_finish(b[c], bt->arena, &bt->cols[c], &err));
        vec_builder_free(b[c]);
    }
    bt->n_rows = n;
    ok(pq_writer_write(w, bt, &err));
    vec_batch_free(bt);
    ok(pq_writer_close(w, NULL, &err));
}

/* Reads every row as JSON lines into one string; counts batches. */
static char *read_all(const char *path, const pq_read_options *opt, int *n_batches,
                      int64_t *max_batch)
{
    pq_file *f;
    pq_reader *r;
    ok(pq_file_open(path, &f, &err));
    ok(pq_reader_open(f, opt, &r, &err));
    st_buf out;
    st_buf_init(&out);
    *n_batches = 0;
    *max_batch = 0;
    for (;;) {
        vec_batch *b;
        ok(pq_reader_next(r, &b, &err));
        if (!b)
            break;
        (*n_batches)++;
        if (b->n_rows > *max_batch)
            *max_batch = b->n_rows;
        for (int64_t i = 0; i < b->n_rows; i++) {
            for (int c = 0; c < b->n_cols; c++) {
                ok(vec_format_value(b->cols[c], i, VEC_FMT_JSON, &out, &err));
                ok(st_buf_append_byte(&out, c + 1 < b->n_cols ? ',' : '\n', &err));
            }
        }
        vec_batch_free(b);
    }
    ok(st_buf_append_byte(&out, 0, &err));
    pq_reader_close(r);
    pq_file_close(f);
    return (char *)out.data;
}

static char tmpl[64];
static const char *tmp_path(void)
{
    strcpy(tmpl, "/tmp/strata_pq_reader_XXXXXX");
    int fd = mkstemp(tmpl);
    cr_assert(fd >= 0);
    close(fd);
    return tmpl;
}

Test(pq_reader, batch_sizes_and_budget_agree)
{
    const char *path = tmp_path();
    write_file(path, 3000, 1000);
    int nb;
    int64_t mx;
    pq_read_options big = { .batch_rows = 100000 };
    char *want = read_all(path, &big, &nb, &mx);
    cr_assert_eq(nb, 3, "one batch per row group, got %d", nb);
    cr_assert_eq(mx, 1000);
    /* Small batches cut through pages and list records. */
    pq_read_options small = { .batch_rows = 7 };
    char *got = read_all(path, &small, &nb, &mx);
    cr_assert_str_eq(got, want);
    cr_assert_eq(mx, 7);
    free(got);
    /* A tiny byte budget ends batches early; the id column (read first)
    ** carries its extra records into the next batch. */
    pq_read_options budget = { .batch_rows = 500, .batch_bytes = 200 };
    got = read_all(path, &budget, &nb, &mx);
    cr_assert_str_eq(got, want);
    cr_assert(mx < 500 && nb > 30, "batches %d, largest %lld", nb, (long long)mx);
    free(got);
    /* Projection in another order. */
    int cols[2] = { 2, 0 };
    pq_read_options proj = { .columns = cols, .n_columns = 2, .batch_rows = 333 };
    got = read_all(path, &proj, &nb, &mx);
    cr_assert(strncmp(got, "null,0\n\"b\",1\n\"cc\",2\n", 20) == 0, "%.40s", got);
    free(got);
    free(want);
    unlink(path);
}

Test(pq_reader, row_group_selection_by_stats)
{
    const char *path = tmp_path();
    write_file(path, 3000, 1000); /* ids 0..999 | 1000..1999 | 2000..2999 */
    pq_file *f;
    ok(pq_file_open(path, &f, &err));
    cr_assert_eq(pq_file_num_row_groups(f), 3);
    int sel[3], n;
    pq_stat_filter flt = { .leaf = 0, .op = PQ_CMP_GE, .value = { .is_set = true, .i = 1500 } };
    ok(pq_select_row_groups(f, &flt, 1, sel, &n, &err));
    cr_assert_eq(n, 2);
    cr_assert_eq(sel[0], 1);
    cr_assert_eq(sel[1], 2);
    flt.op = PQ_CMP_EQ;
    flt.value.i = 999;
    ok(pq_select_row_groups(f, &flt, 1, sel, &n, &err));
    cr_assert_eq(n, 1);
    cr_assert_eq(sel[0], 0);
    flt.op = PQ_CMP_LT;
    flt.value.i = 0;
    ok(pq_select_row_groups(f, &flt, 1, sel, &n, &err));
    cr_assert_eq(n, 0);
    /* AND of two filters: 500 <= id < 1200 keeps row groups 0 and 1. */
    pq_stat_filter two[2] = {
        { .leaf = 0, .op = PQ_CMP_GE, .value = { .is_set = true, .i = 500 } },
        { .leaf = 0, .op = PQ_CMP_LT, .value = { .is_set = true, .i = 1200 } },
    };
    ok(pq_select_row_groups(f, two, 2, sel, &n, &err));
    cr_assert_eq(n, 2);
    /* The string column s: every row group has nulls, so IS NULL keeps all. */
    int s_leaf = pq_file_num_leaves(f) - 1;
    cr_assert_str_eq(pq_file_leaf(f, s_leaf)->path, "s");
    pq_stat_filter isnull = { .leaf = s_leaf, .op = PQ_CMP_IS_NULL };
    ok(pq_select_row_groups(f, &isnull, 1, sel, &n, &err));
    cr_assert_eq(n, 3);
    /* Strings compare bytewise: nothing is > "{" (0x7b, after every letter). */
    pq_stat_filter gt = { .leaf = s_leaf, .op = PQ_CMP_GT,
                          .value = { .is_set = true, .bytes = (const uint8_t *)"{", .n_bytes = 1 } };
    ok(pq_select_row_groups(f, &gt, 1, sel, &n, &err));
    cr_assert_eq(n, 0);
    /* Reading only the selected row groups returns only their rows. */
    int rg = 2;
    pq_read_options opt = { .row_groups = &rg, .n_row_groups = 1 };
    pq_reader *r;
    ok(pq_reader_open(f, &opt, &r, &err));
    vec_batch *b;
    int64_t rows = 0, first = -1;
    for (;;) {
        ok(pq_reader_next(r, &b, &err));
        if (!b)
            break;
        if (first < 0)
            first = ((const int64_t *)b->cols[0]->values)[0];
        rows += b->n_rows;
        vec_batch_free(b);
    }
    cr_assert_eq(rows, 1000);
    cr_assert_eq(first, 2000);
    pq_reader_close(r);
    pq_stat_filter bad = { .leaf = 99, .op = PQ_CMP_EQ };
    cr_assert_eq(pq_select_row_groups(f, &bad, 1, sel, &n, &err), ST_ERR_ARGUMENT);
    pq_file_close(f);
    unlink(path);
}
