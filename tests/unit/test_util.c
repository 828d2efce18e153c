/* test_util.c -- scratch folders and result text for the Criterion suites
** (test_util.h). Not a suite itself: it defines no tests. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

char *tu_tmp_dir(const char *tag)
{
    char *p = malloc(256);
    cr_assert_not_null(p);
    snprintf(p, 256, "/tmp/strata-%s-%d-XXXXXX", tag, (int)getpid());
    cr_assert(mkdtemp(p) != NULL, "mkdtemp %s", p);
    return p;
}

void tu_rm_rf(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

ex_session *tu_warehouse_session(const char *tag, char **dir)
{
    *dir = tu_tmp_dir(tag);
    cr_assert_eq(chdir(*dir), 0);
    char wh[300];
    snprintf(wh, sizeof wh, "%s/wh", *dir);
    ex_session *s = NULL;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(ex_session_new(wh, &s, &err), ST_OK, "%s", err.msg);
    return s;
}

void tu_warehouse_session_free(ex_session *s, char *dir)
{
    ex_session_free(s);
    if (dir && chdir("/tmp") == 0)
        tu_rm_rf(dir);
    free(dir);
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The lines of text (heap, consumed) sorted into a new heap string. */
static char *sorted_lines(char *text)
{
    size_t cap = 64, n = 0;
    char **lines = malloc(cap * sizeof *lines);
    cr_assert_not_null(lines);
    for (char *p = strtok(text, "\n"); p; p = strtok(NULL, "\n")) {
        if (n == cap && !(lines = realloc(lines, (cap *= 2) * sizeof *lines)))
            cr_assert_fail("out of memory sorting lines");
        lines[n++] = p;
    }
    qsort(lines, n, sizeof *lines, cmp_lines);
    st_buf b;
    st_error err;
    st_buf_init(&b);
    st_error_init(&err);
    for (size_t i = 0; i < n; i++) {
        st_buf_append_str(&b, lines[i], &err);
        st_buf_append_byte(&b, '\n', &err);
    }
    st_buf_append_byte(&b, 0, &err);
    free(lines);
    st_free(text);
    return (char *)b.data;
}

char *tu_result_text(const ex_result *r, bool sort)
{
    st_buf b;
    st_error err;
    st_buf_init(&b);
    st_error_init(&err);
    for (int i = 0; r && i < r->n_batches; i++) {
        const vec_batch *bt = r->batches[i];
        for (int64_t row = 0; row < bt->n_rows; row++) {
            for (int c = 0; c < bt->n_cols; c++) {
                if (c) st_buf_append_byte(&b, '|', &err);
                if (!vec_is_valid(bt->cols[c], row)) st_buf_append_str(&b, "NULL", &err);
                else vec_format_value(bt->cols[c], row, VEC_FMT_TEXT, &b, &err);
            }
            st_buf_append_byte(&b, '\n', &err);
        }
    }
    st_buf_append_byte(&b, 0, &err);
    cr_assert_eq(err.code, ST_OK, "%s", err.msg);
    return sort ? sorted_lines((char *)b.data) : (char *)b.data;
}
