/* api_test.c -- the public API (include/strata.h): reading Parquet files into
** Arrow C Data Interface arrays, with formats, lengths, null counts and
** buffer contents checked against the files' documented values; SQL through
** strata_exec, the ML workflow included, with results read as Arrow. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata.h"

static const char *testdata(const char *rel)
{
    static char buf[1024];
    const char *root = getenv("STRATA_TESTDATA");
    snprintf(buf, sizeof buf, "%s/%s", root ? root : "../shared/testdata", rel);
    return buf;
}

Test(api, version) { cr_assert_str_eq(strata_version(), STRATA_VERSION); }

Test(api, alltypes_plain_arrow)
{
    strata_parquet *p;
    char *msg = NULL;
    int rc = strata_parquet_open(testdata("parquet/data/alltypes_plain.parquet"),
                                 "id,bool_col,timestamp_col,string_col", &p, &msg);
    cr_assert_eq(rc, STRATA_OK, "%s", msg ? msg : "");
    struct ArrowSchema s;
    cr_assert_eq(strata_parquet_schema(p, &s, &msg), STRATA_OK);
    cr_assert_str_eq(s.format, "+s");
    cr_assert_eq(s.n_children, 4);
    cr_assert_str_eq(s.children[0]->name, "id");
    cr_assert_str_eq(s.children[0]->format, "i");
    cr_assert_str_eq(s.children[1]->format, "b");
    cr_assert_str_eq(s.children[2]->format, "tsu:UTC");
    cr_assert_str_eq(s.children[3]->format, "z");
    cr_assert(s.children[0]->flags & ARROW_FLAG_NULLABLE);
    s.release(&s);
    cr_assert_null(s.release);

    int64_t total = 0;
    int32_t ids[8];
    for (;;) {
        struct ArrowArray a;
        cr_assert_eq(strata_parquet_next(p, &a, &msg), STRATA_OK);
        if (!a.release)
            break;
        cr_assert_eq(a.n_children, 4);
        const struct ArrowArray *id = a.children[0];
        cr_assert_eq(id->n_buffers, 2);
        for (int64_t i = 0; i < id->length; i++)
            ids[total + i] = ((const int32_t *)id->buffers[1])[i];
        const struct ArrowArray *b = a.children[1];
        const uint8_t *bits = b->buffers[1];
        cr_assert_eq(bits[0] & 1, 1); /* row 0: true */
        cr_assert_eq((bits[0] >> 1) & 1, 0);
        const struct ArrowArray *ts = a.children[2];
        /* 2009-03-01 00:00:00 UTC in micros */
        cr_assert_eq(((const int64_t *)ts->buffers[1])[0], 1235865600000000LL);
        const struct ArrowArray *str = a.children[3];
        cr_assert_eq(str->n_buffers, 3);
        const int32_t *off = str->buffers[1];
        cr_assert_eq(off[1] - off[0], 1);
        cr_assert_eq(((const char *)str->buffers[2])[0], '0');
        total += a.length;
        a.release(&a);
        cr_assert_null(a.release);
    }
    cr_assert_eq(total, 8);
    int32_t want[8] = { 4, 5, 6, 7, 2, 3, 0, 1 };
    cr_assert_arr_eq(ids, want, sizeof want);
    strata_parquet_close(p);
}

Test(api, errors)
{
    strata_parquet *p;
    char *msg = NULL;
    int rc = strata_parquet_open("/nonexistent/x.parquet", NULL, &p, &msg);
    cr_assert_eq(rc, STRATA_NOTFOUND);
    cr_assert_not_null(msg);
    cr_assert(strstr(msg, "/nonexistent/x.parquet") != NULL, "%s", msg);
    strata_free(msg);
    rc = strata_parquet_open(testdata("parquet/data/alltypes_plain.parquet"), "id,nope", &p, &msg);
    cr_assert_eq(rc, STRATA_NOTFOUND);
    cr_assert(strstr(msg, "\"nope\"") != NULL, "%s", msg);
    strata_free(msg);
    rc = strata_parquet_open(testdata("parquet/data/uniform_encryption.parquet.encrypted"), NULL, &p,
                             &msg);
    cr_assert_eq(rc, STRATA_UNSUPPORTED);
    cr_assert(strstr(msg, "encrypted Parquet is not supported") != NULL, "%s", msg);
    strata_free(msg);
}

Test(api, nested_list_arrow)
{
    strata_parquet *p;
    char *msg = NULL;
    cr_assert_eq(strata_parquet_open(testdata("parquet/data/list_columns.parquet"), NULL, &p, &msg),
                 STRATA_OK);
    struct ArrowArray a;
    cr_assert_eq(strata_parquet_next(p, &a, &msg), STRATA_OK);
    cr_assert_not_null(a.release);
    /* int64_list: [1,2,3], [null,1], [4] */
    const struct ArrowArray *l = a.children[0];
    cr_assert_eq(l->length, 3);
    const int32_t *off = l->buffers[1];
    cr_assert_eq(off[0], 0);
    cr_assert_eq(off[1], 3);
    cr_assert_eq(off[2], 5);
    cr_assert_eq(off[3], 6);
    const struct ArrowArray *el = l->children[0];
    cr_assert_eq(el->length, 6);
    cr_assert_eq(el->null_count, 1);
    const uint8_t *valid = el->buffers[0];
    cr_assert_eq((valid[0] >> 3) & 1, 0);
    cr_assert_eq(((const int64_t *)el->buffers[1])[4], 1);
    /* utf8_list: row 1 is null */
    const struct ArrowArray *u = a.children[1];
    cr_assert_eq(u->null_count, 1);
    a.release(&a);
    strata_parquet_close(p);
}

Test(api, delta_table_arrow)
{
    strata_delta *d;
    char *msg = NULL;
    /* time-travel-start-start20-start40: version 0 holds ids 0..9, version 1
    ** adds 20..29 (see the golden README and the table's log). */
    const char *t = testdata("delta/golden/time-travel-start-start20-start40/delta");
    char path[1024];
    snprintf(path, sizeof path, "%s", t);
    int rc = strata_delta_open(path, 0, NULL, &d, &msg);
    cr_assert_eq(rc, STRATA_OK, "%s", msg ? msg : "");
    cr_assert_eq(strata_delta_version(d), 0);
    struct ArrowSchema s;
    cr_assert_eq(strata_delta_schema(d, &s, &msg), STRATA_OK);
    cr_assert_eq(s.n_children, 1);
    s.release(&s);
    int64_t rows = 0;
    for (;;) {
        struct ArrowArray a;
        cr_assert_eq(strata_delta_next(d, &a, &msg), STRATA_OK, "%s", msg ? msg : "");
        if (!a.release)
            break;
        rows += a.length;
        a.release(&a);
    }
    strata_delta_close(d);
    cr_assert_eq(rows, 10);
    rc = strata_delta_open(path, 99, NULL, &d, &msg);
    cr_assert_neq(rc, STRATA_OK);
    cr_assert(strstr(msg, "version 99") != NULL, "%s", msg);
    strata_free(msg);
}

/* SQL through the embeddable API: a query over a Parquet file registered by
** name, its Arrow schema and batches, then an error with its caret line. */
Test(api, sql_query_arrow)
{
    strata_db *db;
    char *msg = NULL;
    cr_assert_eq(strata_open(NULL, &db, &msg), STRATA_OK, "%s", msg ? msg : "");
    cr_assert_eq(strata_register(db, "t", "parquet", testdata("parquet/data/alltypes_plain.parquet"),
                                 &msg),
                 STRATA_OK, "%s", msg ? msg : "");
    strata_result *r;
    int rc = strata_exec(db, "SET threads = 2; SELECT id, string_col FROM t WHERE id >= 4 ORDER BY id",
                         &r, &msg);
    cr_assert_eq(rc, STRATA_OK, "%s", msg ? msg : "");
    cr_assert_eq(strata_result_rows(r), 4);
    cr_assert_eq(strata_result_columns(r), 2);
    cr_assert_str_eq(strata_result_column_name(r, 1), "string_col");
    struct ArrowSchema s;
    cr_assert_eq(strata_result_schema(r, &s, &msg), STRATA_OK);
    cr_assert_str_eq(s.format, "+s");
    cr_assert_str_eq(s.children[0]->format, "i");
    s.release(&s);
    int64_t rows = 0, first = -1;
    for (;;) {
        struct ArrowArray a;
        cr_assert_eq(strata_result_next(r, &a, &msg), STRATA_OK);
        if (!a.release) break;
        const int32_t *ids = a.children[0]->buffers[1];
        if (first < 0) first = ids[0];
        rows += a.length;
        a.release(&a);
    }
    cr_expect_eq(rows, 4);
    cr_expect_eq(first, 4);
    strata_result_free(r);

    rc = strata_exec(db, "SELECT nope FROM t", &r, &msg);
    cr_assert_neq(rc, STRATA_OK);
    cr_assert_null(r);
    cr_expect(strstr(msg, "line 1, column 8: unknown column 'nope'") != NULL, "%s", msg);
    cr_expect(strstr(msg, "\nLINE 1: SELECT nope FROM t\n") != NULL, "%s", msg);
    strata_free(msg);
    strata_close(db);
}

/* The ML workflow through the public API: train, promote, predict into Arrow. */
Test(api, ml_workflow_arrow)
{
    char dir[] = "/tmp/strata-api-ml-XXXXXX";
    cr_assert(mkdtemp(dir));
    strata_db *db;
    char *msg = NULL;
    cr_assert_eq(strata_open(dir, &db, &msg), STRATA_OK, "%s", msg ? msg : "");
    strata_result *r = NULL;
    int rc = strata_exec(db,
        "CREATE TABLE pts AS SELECT id, CAST(id % 10 AS DOUBLE) AS x, (id % 10) > 4 AS y "
        "FROM range(500);"
        "CREATE MODEL m OPTIONS (model_type = 'random_forest_classifier', n_estimators = 5, "
        "label_col = 'y', experiment = 'api', run_name = 'r1') AS SELECT x, y FROM pts;"
        "ALTER MODEL m VERSION 1 SET STAGE 'Production';"
        "SELECT id, prediction, probability FROM ML.PREDICT(MODEL 'models:/m/Production', "
        "TABLE pts) ORDER BY id", &r, &msg);
    cr_assert_eq(rc, STRATA_OK, "%s", msg ? msg : "");
    cr_assert_eq(strata_result_rows(r), 500);
    struct ArrowSchema s;
    cr_assert_eq(strata_result_schema(r, &s, &msg), STRATA_OK);
    cr_assert_str_eq(s.children[1]->name, "prediction");
    cr_assert_str_eq(s.children[1]->format, "b");
    cr_assert_str_eq(s.children[2]->format, "g");
    s.release(&s);
    int64_t rows = 0, right = 0;
    for (;;) {
        struct ArrowArray a;
        cr_assert_eq(strata_result_next(r, &a, &msg), STRATA_OK);
        if (!a.release) break;
        const int64_t *ids = a.children[0]->buffers[1];
        const uint8_t *pred = a.children[1]->buffers[1];
        const double *prob = a.children[2]->buffers[1];
        for (int64_t i = 0; i < a.length; i++) {
            bool p = (pred[(a.children[1]->offset + i) >> 3] >> ((a.children[1]->offset + i) & 7)) & 1;
            cr_assert_eq(p, prob[a.children[2]->offset + i] > 0.5);
            right += p == (ids[a.children[0]->offset + i] % 10 > 4);
        }
        rows += a.length;
        a.release(&a);
    }
    cr_expect_eq(rows, 500);
    cr_expect_eq(right, 500, "a forest learns x > 4.5 exactly: %lld of 500", (long long)right);
    strata_result_free(r);
    rc = strata_exec(db, "CREATE MODEL m OPTIONS (model_type = 'random_forest_classifier', "
                         "label_col = 'y') AS SELECT x, y FROM pts", &r, &msg);
    cr_assert_neq(rc, STRATA_OK);
    cr_expect(strstr(msg, "model 'm' already exists") != NULL, "%s", msg);
    strata_free(msg);
    strata_close(db);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}
