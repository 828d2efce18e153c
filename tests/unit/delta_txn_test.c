/* delta_txn_test.c -- the Delta write path (delta_txn.c, delta_stats.c,
** delta_checkpoint_write.c): create/append/overwrite/remove read back through
** delta_snapshot_load, delta_scan and the raw NDJSON log; exact stats JSON
** for every type; partition folder escaping and add.path URI encoding with
** special characters and nulls; a checkpoint at version 10 read back and its
** Parquet schema compared with a Spark-written checkpoint; idempotent
** (appId, version) commits; conflicts against competing commit files; one
** data file per partition across many batches (stats equal to those of the
** concatenated rows), rolling at row/byte limits, abort of open files. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "delta/delta_write.h"
#include "format/parquet/pq.h"
#include "store/store.h"
#include "test_util.h"

#define GOLDEN "/work/shared/testdata/delta/golden"

/* ---- a two-column table: id bigint, name string -------------------------- */

static vec_field kv_fields[2];
static vec_schema kv_schema;

static void kv_init(void)
{
    kv_fields[0] = (vec_field){ .name = "id", .type = { .id = VEC_INT64 }, .nullable = true };
    kv_fields[1] = (vec_field){ .name = "name", .type = { .id = VEC_STRING }, .nullable = true };
    kv_schema = (vec_schema){ .n_fields = 2, .fields = kv_fields };
}

static vec_batch *kv_batch(int64_t from, int64_t n)
{
    st_error err;
    vec_batch *b = vec_batch_new(&kv_schema, 2, 0);
    vec_builder *ib = vec_builder_new(&kv_fields[0].type), *sb = vec_builder_new(&kv_fields[1].type);
    for (int64_t i = from; i < from + n; i++) {
        char s[32];
        snprintf(s, sizeof s, "row%lld", (long long)i);
        cr_assert_eq(vec_builder_append_i64(ib, i, &err), ST_OK);
        cr_assert_eq(vec_builder_append_bytes(sb, s, strlen(s), &err), ST_OK);
    }
    cr_assert_eq(vec_builder_finish(ib, b->arena, &b->cols[0], &err), ST_OK);
    cr_assert_eq(vec_builder_finish(sb, b->arena, &b->cols[1], &err), ST_OK);
    vec_builder_free(ib);
    vec_builder_free(sb);
    b->n_rows = n;
    return b;
}

static int64_t commit_rows(const char *table, const delta_create_options *create,
                           delta_write_mode mode, int64_t from, int64_t n)
{
    st_error err;
    st_error_init(&err);
    delta_txn *t = NULL;
    cr_assert_eq(delta_txn_begin(table, create, &t, &err), ST_OK, "%s", err.msg);
    delta_txn_set_mode(t, mode);
    if (n > 0) {
        vec_batch *b = kv_batch(from, n);
        cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
        vec_batch_free(b);
    }
    int64_t v = -2;
    cr_assert_eq(delta_txn_commit(t, create ? "CREATE TABLE" : "WRITE", NULL, &v, &err), ST_OK,
                 "%s", err.msg);
    return v;
}

static delta_snapshot *load(const char *table)
{
    st_error err;
    st_error_init(&err);
    delta_snapshot *s = NULL;
    cr_assert_eq(delta_snapshot_load(table, NULL, &s, &err), ST_OK, "%s", err.msg);
    return s;
}

/* Sum of ids and row count over a scan of the snapshot. */
static int64_t scan_rows(const delta_snapshot *s, int64_t *id_sum)
{
    st_error err;
    st_error_init(&err);
    delta_scan *sc = NULL;
    cr_assert_eq(delta_scan_open(s, NULL, &sc, &err), ST_OK, "%s", err.msg);
    int64_t n = 0, sum = 0;
    for (;;) {
        vec_batch *b = NULL;
        cr_assert_eq(delta_scan_next(sc, &b, &err), ST_OK, "%s", err.msg);
        if (!b)
            break;
        for (int64_t i = 0; i < b->n_rows; i++)
            if (b->cols[0]->type->id == VEC_INT64)
                sum += ((int64_t *)b->cols[0]->values)[i];
        n += b->n_rows;
        vec_batch_free(b);
    }
    delta_scan_close(sc);
    if (id_sum)
        *id_sum = sum;
    return n;
}

/* The actions of commit v as a JSON array (one element per line). */
static json_t *read_commit(const char *table, int64_t v)
{
    char path[512];
    snprintf(path, sizeof path, "%s/_delta_log/%020lld.json", table, (long long)v);
    FILE *f = fopen(path, "r");
    cr_assert(f != NULL, "missing %s", path);
    json_t *arr = json_array();
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        cr_assert(o != NULL, "bad line in %s: %s", path, je.text);
        json_array_append_new(arr, o);
    }
    free(line);
    fclose(f);
    return arr;
}

static int count_action(json_t *arr, const char *key)
{
    int n = 0;
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
        n += json_object_get(o, key) != NULL;
    return n;
}

/* ---- stats ----------------------------------------------------------------- */

Test(delta_stats, all_types_exact)
{
    vec_field st_kids[2] = {
        { .name = "x", .type = { .id = VEC_INT32 }, .nullable = true },
        { .name = "y", .type = { .id = VEC_STRING }, .nullable = true },
    };
    vec_field elem = { .name = "element", .type = { .id = VEC_INT32 }, .nullable = true };
    vec_field f[] = {
        { .name = "i", .type = { .id = VEC_INT32 }, .nullable = true },
        { .name = "l", .type = { .id = VEC_INT64 }, .nullable = true },
        { .name = "d", .type = { .id = VEC_DOUBLE }, .nullable = true },
        { .name = "s", .type = { .id = VEC_STRING }, .nullable = true },
        { .name = "dt", .type = { .id = VEC_DATE }, .nullable = true },
        { .name = "ts", .type = { .id = VEC_TIMESTAMP }, .nullable = true },
        { .name = "ntz", .type = { .id = VEC_TIMESTAMP_NTZ }, .nullable = true },
        { .name = "dec", .type = { .id = VEC_DECIMAL, .precision = 10, .scale = 2 }, .nullable = true },
        { .name = "b", .type = { .id = VEC_BOOL }, .nullable = true },
        { .name = "bin", .type = { .id = VEC_BINARY }, .nullable = true },
        { .name = "st", .type = { .id = VEC_STRUCT, .n_children = 2, .children = st_kids }, .nullable = true },
        { .name = "arr", .type = { .id = VEC_LIST, .n_children = 1, .children = &elem }, .nullable = true },
        { .name = "allnull", .type = { .id = VEC_INT32 }, .nullable = true },
    };
    int nf = (int)(sizeof f / sizeof f[0]);
    vec_schema s = { .n_fields = nf, .fields = f };
    vec_batch *b = vec_batch_new(&s, nf, 0);
    st_error err;
    vec_builder *bl[13];
    for (int k = 0; k < nf; k++)
        bl[k] = vec_builder_new(&f[k].type);
    /* long strings: 40 chars; the max one gets truncated + U+10FFFF */
    const char *s_vals[3] = { "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", NULL, "a\"b" };
    for (int r = 0; r < 3; r++) {
        cr_assert_eq(r == 1 ? vec_builder_append_null(bl[0], &err)
                            : vec_builder_append_i64(bl[0], r == 0 ? -5 : 7, &err), ST_OK);
        cr_assert_eq(vec_builder_append_i64(bl[1], (int64_t)r * 1000000000000LL, &err), ST_OK);
        cr_assert_eq(vec_builder_append_f64(bl[2], r == 0 ? 1.5 : r == 1 ? -0.25 : NAN, &err), ST_OK);
        cr_assert_eq(s_vals[r] ? vec_builder_append_bytes(bl[3], s_vals[r], strlen(s_vals[r]), &err)
                               : vec_builder_append_null(bl[3], &err), ST_OK);
        cr_assert_eq(vec_builder_append_i64(bl[4], 19724 + r, &err), ST_OK);   /* 2024-01-02.. */
        cr_assert_eq(vec_builder_append_i64(bl[5], 1704164645123456LL + r, &err), ST_OK);
        cr_assert_eq(vec_builder_append_i64(bl[6], 1704164645999999LL - r * 1000000LL, &err), ST_OK);
        cr_assert_eq(vec_builder_append_i128(bl[7], r == 2 ? -1234 : 1230 + r, &err), ST_OK);
        cr_assert_eq(vec_builder_append_bool(bl[8], r == 1, &err), ST_OK);
        cr_assert_eq(r == 2 ? vec_builder_append_null(bl[9], &err)
                            : vec_builder_append_bytes(bl[9], "zz", 2, &err), ST_OK);
        /* st: row 0 {x:3,y:"q"}, row 1 null, row 2 {x:null,y:"p"} */
        if (r == 1) {
            cr_assert_eq(vec_builder_append_null(bl[10], &err), ST_OK);
        } else {
            vec_builder *x = vec_builder_child(bl[10], 0), *y = vec_builder_child(bl[10], 1);
            cr_assert_eq(r == 0 ? vec_builder_append_i64(x, 3, &err) : vec_builder_append_null(x, &err), ST_OK);
            cr_assert_eq(vec_builder_append_bytes(y, r == 0 ? "q" : "p", 1, &err), ST_OK);
            cr_assert_eq(vec_builder_append_struct(bl[10], true, &err), ST_OK);
        }
        if (r == 0) {
            cr_assert_eq(vec_builder_append_null(bl[11], &err), ST_OK);
        } else {
            cr_assert_eq(vec_builder_append_i64(vec_builder_child(bl[11], 0), r, &err), ST_OK);
            cr_assert_eq(vec_builder_end_list(bl[11], &err), ST_OK);
        }
        cr_assert_eq(vec_builder_append_null(bl[12], &err), ST_OK);
    }
    for (int k = 0; k < nf; k++) {
        cr_assert_eq(vec_builder_finish(bl[k], b->arena, &b->cols[k], &err), ST_OK, "%s", err.msg);
        vec_builder_free(bl[k]);
    }
    b->n_rows = 3;
    st_buf out;
    st_buf_init(&out);
    cr_assert_eq(delta_stats_json(b, -1, &out, &err), ST_OK, "%s", err.msg);
    st_buf_append_byte(&out, 0, &err);
    const char *want =
        "{\"numRecords\":3,"
        "\"minValues\":{\"i\":-5,\"l\":0,\"d\":-0.25,\"s\":\"a\\\"b\",\"dt\":\"2024-01-02\","
        "\"ts\":\"2024-01-02T03:04:05.123Z\",\"ntz\":\"2024-01-02T03:04:03.999\",\"dec\":-12.34,"
        "\"st\":{\"x\":3,\"y\":\"p\"}},"
        "\"maxValues\":{\"i\":7,\"l\":2000000000000,\"d\":\"NaN\","
        "\"s\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\xF4\x8F\xBF\xBF\",\"dt\":\"2024-01-04\","
        "\"ts\":\"2024-01-02T03:04:05.123Z\",\"ntz\":\"2024-01-02T03:04:05.999\",\"dec\":12.31,"
        "\"st\":{\"x\":3,\"y\":\"q\"}},"
        "\"nullCount\":{\"i\":1,\"l\":0,\"d\":0,\"s\":1,\"dt\":0,\"ts\":0,\"ntz\":0,\"dec\":0,"
        "\"b\":0,\"bin\":1,\"st\":{\"x\":2,\"y\":1},\"arr\":1,\"allnull\":3}}";
    cr_assert_str_eq((char *)out.data, want);
    /* only the first 3 leaf columns indexed */
    st_buf_clear(&out);
    cr_assert_eq(delta_stats_json(b, 3, &out, &err), ST_OK);
    st_buf_append_byte(&out, 0, &err);
    cr_assert_str_eq((char *)out.data, "{\"numRecords\":3,\"minValues\":{\"i\":-5,\"l\":0,"
                     "\"d\":-0.25},\"maxValues\":{\"i\":7,\"l\":2000000000000,\"d\":\"NaN\"},"
                     "\"nullCount\":{\"i\":1,\"l\":0,\"d\":0}}");
    st_buf_destroy(&out);
    vec_batch_free(b);
}

Test(delta_stats, escaping_helpers)
{
    st_error err;
    st_buf b;
    st_buf_init(&b);
    cr_assert_eq(delta_escape_partition("a/b=c%d e:f\x01#", &b, &err), ST_OK);
    st_buf_append_byte(&b, 0, &err);
    cr_assert_str_eq((char *)b.data, "a%2Fb%3Dc%25d e%3Af%01%23");
    st_buf_clear(&b);
    cr_assert_eq(delta_uri_encode_path("p=a%2Fb c/part-0.parquet", &b, &err), ST_OK);
    st_buf_append_byte(&b, 0, &err);
    cr_assert_str_eq((char *)b.data, "p=a%252Fb%20c/part-0.parquet");
    st_buf_destroy(&b);
    char u1[37], u2[37];
    delta_uuid(u1);
    delta_uuid(u2);
    cr_assert_eq(strlen(u1), 36);
    cr_assert_eq(u1[14], '4');
    cr_assert_str_neq(u1, u2);
}

/* ---- create / append / overwrite / remove ----------------------------------- */

Test(delta_txn, create_append_overwrite_remove)
{
    kv_init();
    char *table = tu_tmp_dir("crud");
    delta_create_options co = { .schema = &kv_schema };
    cr_assert_eq(commit_rows(table, &co, DELTA_APPEND, 0, 3), 0);
    cr_assert_eq(commit_rows(table, NULL, DELTA_APPEND, 3, 2), 1);

    /* creating again fails */
    st_error err;
    delta_txn *t = NULL;
    cr_assert_eq(delta_txn_begin(table, &co, &t, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "already exists"));

    delta_snapshot *s = load(table);
    cr_assert_eq(s->version, 1);
    cr_assert_eq(s->n_files, 2);
    cr_assert_eq(s->protocol.min_reader, 1);
    cr_assert_eq(s->protocol.min_writer, 2);
    cr_assert_eq(s->meta.schema.n_fields, 2);
    cr_assert_str_eq(s->meta.schema.fields[1].name, "name");
    int64_t sum = 0;
    cr_assert_eq(scan_rows(s, &sum), 5);
    cr_assert_eq(sum, 0 + 1 + 2 + 3 + 4);
    delta_snapshot_free(s);

    /* version 0: commitInfo first, then protocol, metaData, add */
    json_t *c0 = read_commit(table, 0);
    cr_assert(json_object_get(json_array_get(c0, 0), "commitInfo"));
    json_t *ci = json_object_get(json_array_get(c0, 0), "commitInfo");
    cr_assert_str_eq(json_string_value(json_object_get(ci, "engineInfo")), "strata/0.1.0");
    cr_assert_null(json_object_get(ci, "readVersion"));
    cr_assert_eq(count_action(c0, "protocol"), 1);
    cr_assert_eq(count_action(c0, "metaData"), 1);
    cr_assert_eq(count_action(c0, "add"), 1);
    json_t *add = json_object_get(json_array_get(c0, 3), "add");
    cr_assert(add);
    const char *stats = json_string_value(json_object_get(add, "stats"));
    cr_assert_str_eq(stats, "{\"numRecords\":3,\"minValues\":{\"id\":0,\"name\":\"row0\"},"
                     "\"maxValues\":{\"id\":2,\"name\":\"row2\"},\"nullCount\":{\"id\":0,\"name\":0}}");
    const char *path = json_string_value(json_object_get(add, "path"));
    cr_assert(strncmp(path, "part-00000-", 11) == 0 && strstr(path, "-c000.snappy.parquet"));
    json_decref(c0);

    /* overwrite: removes both files, adds one */
    cr_assert_eq(commit_rows(table, NULL, DELTA_OVERWRITE, 100, 4), 2);
    json_t *c2 = read_commit(table, 2);
    ci = json_object_get(json_array_get(c2, 0), "commitInfo");
    cr_assert_eq(json_integer_value(json_object_get(ci, "readVersion")), 1);
    cr_assert(json_is_false(json_object_get(ci, "isBlindAppend")));
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(ci, "operationParameters"),
                                                       "mode")), "Overwrite");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(ci, "operationMetrics"),
                                                       "numRemovedFiles")), "2");
    cr_assert_eq(count_action(c2, "remove"), 2);
    cr_assert_eq(count_action(c2, "add"), 1);
    json_t *rm = json_object_get(json_array_get(c2, 1), "remove");
    cr_assert(json_is_true(json_object_get(rm, "extendedFileMetadata")));
    cr_assert(json_integer_value(json_object_get(rm, "size")) > 0);
    json_decref(c2);
    s = load(table);
    cr_assert_eq(s->n_files, 1);
    cr_assert_eq(scan_rows(s, &sum), 4);
    cr_assert_eq(sum, 100 + 101 + 102 + 103);

    /* remove the one live file */
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_remove(t, &delta_txn_snapshot(t)->files[0], &err), ST_OK);
    int64_t v = -2;
    cr_assert_eq(delta_txn_commit(t, "DELETE", "{\"predicate\":\"[]\"}", &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 3);
    delta_snapshot_free(s);
    s = load(table);
    cr_assert_eq(s->n_files, 0);
    cr_assert_eq(s->n_tombstones, 3);
    cr_assert_eq(scan_rows(s, NULL), 0);
    delta_snapshot_free(s);
    tu_rm_rf(table);
    free(table);
}

Test(delta_txn, abort_deletes_files)
{
    kv_init();
    char *table = tu_tmp_dir("abort");
    delta_create_options co = { .schema = &kv_schema };
    cr_assert_eq(commit_rows(table, &co, DELTA_APPEND, 0, 1), 0);
    st_error err;
    delta_txn *t = NULL;
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK);
    vec_batch *b = kv_batch(0, 5);
    cr_assert_eq(delta_txn_write(t, b, &err), ST_OK);
    vec_batch_free(b);
    delta_txn_abort(t);
    int n = 0;
    DIR *d = opendir(table);
    struct dirent *e;
    while ((e = readdir(d)))
        n += strstr(e->d_name, ".parquet") != NULL;
    closedir(d);
    cr_assert_eq(n, 1);
    tu_rm_rf(table);
    free(table);
}

/* ---- partitions --------------------------------------------------------------- */

Test(delta_txn, partitioned_special_chars)
{
    vec_field f[] = {
        { .name = "p", .type = { .id = VEC_STRING }, .nullable = true },
        { .name = "n", .type = { .id = VEC_INT32 }, .nullable = true },
        { .name = "v", .type = { .id = VEC_INT64 }, .nullable = true },
    };
    vec_schema s = { .n_fields = 3, .fields = f };
    const char *pv[] = { "a/b", "x=y%z", "sp ace", NULL, "a/b" };
    int nv[] = { 1, 2, 3, 0, 1 };
    st_error err;
    vec_batch *b = vec_batch_new(&s, 3, 0);
    vec_builder *bp = vec_builder_new(&f[0].type), *bn = vec_builder_new(&f[1].type),
                *bv = vec_builder_new(&f[2].type);
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(pv[i] ? vec_builder_append_bytes(bp, pv[i], strlen(pv[i]), &err)
                           : vec_builder_append_null(bp, &err), ST_OK);
        cr_assert_eq(nv[i] ? vec_builder_append_i64(bn, nv[i], &err)
                           : vec_builder_append_null(bn, &err), ST_OK);
        cr_assert_eq(vec_builder_append_i64(bv, 10 * i, &err), ST_OK);
    }
    vec_builder_finish(bp, b->arena, &b->cols[0], &err);
    vec_builder_finish(bn, b->arena, &b->cols[1], &err);
    vec_builder_finish(bv, b->arena, &b->cols[2], &err);
    vec_builder_free(bp);
    vec_builder_free(bn);
    vec_builder_free(bv);
    b->n_rows = 5;

    char *table = tu_tmp_dir("part");
    const char *pc[] = { "p", "n" };
    delta_create_options co = { .schema = &s, .n_partition_cols = 2, .partition_cols = pc };
    delta_txn *t = NULL;
    cr_assert_eq(delta_txn_begin(table, &co, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
    int64_t v = -2;
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 0);
    vec_batch_free(b);

    char dir[512];
    const char *dirs[] = { "p=a%2Fb/n=1", "p=x%3Dy%25z/n=2", "p=sp ace/n=3",
                           "p=__HIVE_DEFAULT_PARTITION__/n=__HIVE_DEFAULT_PARTITION__" };
    for (int i = 0; i < 4; i++) {
        snprintf(dir, sizeof dir, "%s/%s", table, dirs[i]);
        struct stat st;
        cr_assert_eq(stat(dir, &st), 0, "missing folder %s", dir);
    }
    json_t *c0 = read_commit(table, 0);
    cr_assert_eq(count_action(c0, "add"), 4);
    json_t *ci = json_object_get(json_array_get(c0, 0), "commitInfo");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(ci, "operationParameters"),
                                                       "partitionBy")), "[\"p\",\"n\"]");
    int seen = 0;
    size_t i;
    json_t *o;
    json_array_foreach(c0, i, o) {
        json_t *add = json_object_get(o, "add");
        if (!add)
            continue;
        const char *path = json_string_value(json_object_get(add, "path"));
        json_t *pvs = json_object_get(add, "partitionValues");
        const char *p = json_string_value(json_object_get(pvs, "p"));
        const char *stats = json_string_value(json_object_get(add, "stats"));
        cr_assert(strstr(stats, "\"p\"") == NULL, "partition column in stats: %s", stats);
        if (p && strcmp(p, "x=y%z") == 0) {
            cr_assert(strncmp(path, "p=x%253Dy%2525z/n=2/part-", 25) == 0, "%s", path);
            cr_assert_str_eq(json_string_value(json_object_get(pvs, "n")), "2");
            seen |= 1;
        } else if (p && strcmp(p, "sp ace") == 0) {
            cr_assert(strncmp(path, "p=sp%20ace/n=3/part-", 20) == 0, "%s", path);
            seen |= 2;
        } else if (p && strcmp(p, "a/b") == 0) {
            cr_assert(strncmp(path, "p=a%252Fb/n=1/part-", 19) == 0, "%s", path);
            cr_assert(strstr(stats, "\"numRecords\":2"), "%s", stats);
            seen |= 4;
        } else {
            cr_assert(json_is_null(json_object_get(pvs, "p")));
            cr_assert(json_is_null(json_object_get(pvs, "n")));
            cr_assert(strncmp(path, "p=__HIVE_DEFAULT_PARTITION__/n=__HIVE_DEFAULT_PARTITION__/",
                              58) == 0, "%s", path);
            seen |= 8;
        }
    }
    cr_assert_eq(seen, 15);
    json_decref(c0);

    /* read back through the snapshot + scan: partition values restored */
    delta_snapshot *sn = load(table);
    cr_assert_eq(sn->n_files, 4);
    delta_scan *sc = NULL;
    cr_assert_eq(delta_scan_open(sn, NULL, &sc, &err), ST_OK, "%s", err.msg);
    int64_t rows = 0, vsum = 0, nulls = 0;
    for (;;) {
        vec_batch *rb = NULL;
        cr_assert_eq(delta_scan_next(sc, &rb, &err), ST_OK, "%s", err.msg);
        if (!rb)
            break;
        for (int64_t r = 0; r < rb->n_rows; r++) {
            vsum += ((int64_t *)rb->cols[2]->values)[r];
            nulls += !vec_is_valid(rb->cols[0], r);
            if (vec_is_valid(rb->cols[0], r) && ((int64_t *)rb->cols[2]->values)[r] == 10) {
                const int32_t *off = vec_offsets(rb->cols[0]);
                cr_assert_eq(off[r + 1] - off[r], 5);
                cr_assert(memcmp(rb->cols[0]->bytes + off[r], "x=y%z", 5) == 0);
            }
        }
        rows += rb->n_rows;
        vec_batch_free(rb);
    }
    delta_scan_close(sc);
    cr_assert_eq(rows, 5);
    cr_assert_eq(vsum, 100);
    cr_assert_eq(nulls, 1);
    delta_snapshot_free(sn);
    tu_rm_rf(table);
    free(table);
}

/* ---- checkpoints ----------------------------------------------------------- */

Test(delta_txn, checkpoint_at_version_10)
{
    kv_init();
    char *table = tu_tmp_dir("cp");
    delta_create_options co = { .schema = &kv_schema };
    cr_assert_eq(commit_rows(table, &co, DELTA_APPEND, 0, 2), 0);
    for (int v = 1; v <= 11; v++)
        cr_assert_eq(commit_rows(table, NULL, DELTA_APPEND, 2 * v, 2), v);
    char path[512];
    snprintf(path, sizeof path, "%s/_delta_log/00000000000000000010.checkpoint.parquet", table);
    cr_assert(store_exists(path));
    snprintf(path, sizeof path, "%s/_delta_log/_last_checkpoint", table);
    uint8_t *data = NULL;
    size_t n = 0;
    st_error err;
    cr_assert_eq(store_read(path, &data, &n, &err), ST_OK);
    json_t *lc = json_loadb((char *)data, n, 0, NULL);
    st_free(data);
    cr_assert_eq(json_integer_value(json_object_get(lc, "version")), 10);
    cr_assert_eq(json_integer_value(json_object_get(lc, "size")), 2 + 11);
    cr_assert_eq(json_integer_value(json_object_get(lc, "numOfAddFiles")), 11);
    cr_assert(json_integer_value(json_object_get(lc, "sizeInBytes")) > 0);
    json_decref(lc);

    /* loading from the checkpoint only: hide commits 0..10 */
    for (int v = 0; v <= 10; v++) {
        char a[512], b2[512];
        snprintf(a, sizeof a, "%s/_delta_log/%020d.json", table, v);
        snprintf(b2, sizeof b2, "%s/_delta_log/.hidden-%d", table, v);
        cr_assert_eq(rename(a, b2), 0);
    }
    delta_snapshot *s = load(table);
    cr_assert_eq(s->version, 11);
    cr_assert_eq(s->checkpoint_version, 10);
    cr_assert_eq(s->n_files, 12);
    cr_assert_str_eq(s->meta.schema.fields[0].name, "id");
    int64_t sum = 0;
    cr_assert_eq(scan_rows(s, &sum), 24);
    cr_assert_eq(sum, 23 * 24 / 2);
    for (size_t i = 0; i < s->n_files; i++)
        cr_assert(s->files[i].stats && strstr(s->files[i].stats, "\"numRecords\":2"));
    delta_snapshot_free(s);

    /* same column names and types as a Spark checkpoint */
    snprintf(path, sizeof path, "%s/_delta_log/00000000000000000010.checkpoint.parquet", table);
    pq_file *ours = NULL, *spark = NULL;
    cr_assert_eq(pq_file_open(path, &ours, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(pq_file_open(GOLDEN "/basic-with-inserts-deletes-checkpoint/delta/_delta_log/"
                              "00000000000000000010.checkpoint.parquet", &spark, &err), ST_OK);
    const vec_schema *os = pq_file_schema(ours), *ss = pq_file_schema(spark);
    cr_assert_eq(os->n_fields, ss->n_fields);
    for (int i = 0; i < ss->n_fields; i++) {
        cr_assert_str_eq(os->fields[i].name, ss->fields[i].name);
        char ta[2048], tb[2048];
        vec_type_format(&os->fields[i].type, ta, sizeof ta);
        vec_type_format(&ss->fields[i].type, tb, sizeof tb);
        cr_assert_str_eq(ta, tb);
    }
    cr_assert_eq(pq_file_num_leaves(ours), pq_file_num_leaves(spark));
    for (int i = 0; i < pq_file_num_leaves(spark); i++)
        cr_assert_str_eq(pq_file_leaf(ours, i)->path, pq_file_leaf(spark, i)->path);
    pq_file_close(ours);
    pq_file_close(spark);
    tu_rm_rf(table);
    free(table);
}

/* ---- idempotent writes -------------------------------------------------------- */

static st_status app_commit(const char *table, const char *app, int64_t app_v, int64_t *v,
                            st_error *err)
{
    delta_txn *t = NULL;
    st_status rc = delta_txn_begin(table, NULL, &t, err);
    if (rc != ST_OK)
        return rc;
    delta_txn_set_app_version(t, app, app_v);
    vec_batch *b = kv_batch(0, 1);
    rc = delta_txn_write(t, b, err);
    vec_batch_free(b);
    if (rc != ST_OK) {
        delta_txn_abort(t);
        return rc;
    }
    return delta_txn_commit(t, "STREAMING UPDATE", NULL, v, err);
}

Test(delta_txn, idempotent_app_versions)
{
    kv_init();
    char *table = tu_tmp_dir("idem");
    delta_create_options co = { .schema = &kv_schema };
    cr_assert_eq(commit_rows(table, &co, DELTA_APPEND, 0, 0), 0);
    st_error err;
    int64_t v;
    cr_assert_eq(app_commit(table, "app-1", 1, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 1);
    cr_assert_eq(app_commit(table, "app-1", 1, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, -1);
    cr_assert_eq(app_commit(table, "app-1", 0, &v, &err), ST_OK);
    cr_assert_eq(v, -1);
    cr_assert_eq(app_commit(table, "app-1", 2, &v, &err), ST_OK);
    cr_assert_eq(v, 2);
    cr_assert_eq(app_commit(table, "app-2", 1, &v, &err), ST_OK);
    cr_assert_eq(v, 3);
    delta_snapshot *s = load(table);
    cr_assert_eq(s->version, 3);
    cr_assert_eq(s->n_files, 3);
    cr_assert_eq(s->n_app_txns, 2);
    for (int i = 0; i < s->n_app_txns; i++)
        cr_assert_eq(s->app_txns[i].version, strcmp(s->app_txns[i].app_id, "app-1") == 0 ? 2 : 1);
    delta_snapshot_free(s);
    /* the skipped commit left no data file behind */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "test $(ls '%s' | grep -c parquet) -eq 3", table);
    cr_assert_eq(system(cmd), 0);
    tu_rm_rf(table);
    free(table);
}

/* ---- conflicts ----------------------------------------------------------------- */

static void put_competing(const char *table, int64_t v, const char *actions)
{
    char path[512], text[2048];
    snprintf(path, sizeof path, "%s/_delta_log/%020lld.json", table, (long long)v);
    snprintf(text, sizeof text, "{\"commitInfo\":{\"timestamp\":1,\"operation\":\"WRITE\"}}\n%s",
             actions);
    st_error err;
    cr_assert_eq(store_put_if_absent(path, text, strlen(text), &err), ST_OK, "%s", err.msg);
}

static const char competing_add[] =
    "{\"add\":{\"path\":\"other.parquet\",\"partitionValues\":{},\"size\":1,"
    "\"modificationTime\":1,\"dataChange\":true}}\n";

/* Begins a txn on table with one written row, mode m, optional app id. */
static delta_txn *txn_with_row(const char *table, delta_write_mode m, const char *app)
{
    st_error err;
    delta_txn *t = NULL;
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    delta_txn_set_mode(t, m);
    if (app)
        delta_txn_set_app_version(t, app, 5);
    vec_batch *b = kv_batch(7, 1);
    cr_assert_eq(delta_txn_write(t, b, &err), ST_OK);
    vec_batch_free(b);
    return t;
}

static int count_parquet(const char *table)
{
    int n = 0;
    DIR *d = opendir(table);
    struct dirent *e;
    while ((e = readdir(d)))
        n += strstr(e->d_name, ".parquet") != NULL;
    closedir(d);
    return n;
}

Test(delta_txn, conflicts)
{
    kv_init();
    char *table = tu_tmp_dir("conf");
    delta_create_options co = { .schema = &kv_schema };
    cr_assert_eq(commit_rows(table, &co, DELTA_APPEND, 0, 2), 0);
    st_error err;
    int64_t v = -2;

    /* blind append vs concurrent append: retried at the next version */
    delta_txn *t = txn_with_row(table, DELTA_APPEND, NULL);
    put_competing(table, 1, competing_add);
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 2);
    json_t *c2 = read_commit(table, 2);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_array_get(c2, 0),
                                    "commitInfo"), "readVersion")), 0);
    json_decref(c2);

    /* overwrite vs concurrent append */
    int before = count_parquet(table);
    t = txn_with_row(table, DELTA_OVERWRITE, NULL);
    put_competing(table, 3, competing_add);
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &v, &err), ST_ERR_CONFLICT);
    cr_assert(strstr(err.msg, "concurrent append") && strstr(err.msg, "version 3"), "%s", err.msg);
    cr_assert_eq(count_parquet(table), before, "failed txn left its data file");

    /* metadata change */
    t = txn_with_row(table, DELTA_APPEND, NULL);
    put_competing(table, 4, "{\"metaData\":{\"id\":\"x\",\"format\":{\"provider\":\"parquet\","
                  "\"options\":{}},\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":"
                  "[{\\\"name\\\":\\\"id\\\",\\\"type\\\":\\\"long\\\",\\\"nullable\\\":true,"
                  "\\\"metadata\\\":{}},{\\\"name\\\":\\\"name\\\",\\\"type\\\":\\\"string\\\","
                  "\\\"nullable\\\":true,\\\"metadata\\\":{}}]}\",\"partitionColumns\":[],"
                  "\"configuration\":{}}}\n");
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &v, &err), ST_ERR_CONFLICT);
    cr_assert(strstr(err.msg, "concurrent metadata change in version 4"), "%s", err.msg);

    /* protocol change */
    t = txn_with_row(table, DELTA_APPEND, NULL);
    put_competing(table, 5, "{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n");
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &v, &err), ST_ERR_CONFLICT);
    cr_assert(strstr(err.msg, "concurrent protocol change in version 5"), "%s", err.msg);

    /* concurrent delete of a file this txn removes */
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    const delta_file *f = &delta_txn_snapshot(t)->files[0];
    cr_assert_eq(delta_txn_remove(t, f, &err), ST_OK);
    char rm_line[1024];
    snprintf(rm_line, sizeof rm_line, "{\"remove\":{\"path\":\"%s\",\"deletionTimestamp\":1,"
             "\"dataChange\":true}}\n", f->path);
    put_competing(table, 6, rm_line);
    cr_assert_eq(delta_txn_commit(t, "DELETE", NULL, &v, &err), ST_ERR_CONFLICT);
    cr_assert(strstr(err.msg, "concurrent delete of file") && strstr(err.msg, "version 6"),
              "%s", err.msg);

    /* app id moved concurrently */
    t = txn_with_row(table, DELTA_APPEND, "stream-a");
    put_competing(table, 7, "{\"txn\":{\"appId\":\"stream-a\",\"version\":9}}\n");
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &v, &err), ST_ERR_CONFLICT);
    cr_assert(strstr(err.msg, "concurrent transaction for app id \"stream-a\" in version 7"),
              "%s", err.msg);

    /* another app id does not conflict */
    t = txn_with_row(table, DELTA_APPEND, "stream-b");
    put_competing(table, 8, "{\"txn\":{\"appId\":\"stream-a\",\"version\":10}}\n");
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 9);

    /* two creators: the loser is told the table was created concurrently */
    char *t2 = tu_tmp_dir("conf2");
    delta_txn *a = NULL, *b = NULL;
    cr_assert_eq(delta_txn_begin(t2, &co, &a, &err), ST_OK);
    cr_assert_eq(delta_txn_begin(t2, &co, &b, &err), ST_OK);
    cr_assert_eq(delta_txn_commit(a, "CREATE TABLE", NULL, &v, &err), ST_OK);
    cr_assert_eq(delta_txn_commit(b, "CREATE TABLE", NULL, &v, &err), ST_ERR_CONFLICT);
    cr_assert(strstr(err.msg, "table was created concurrently (version 0 exists)"), "%s", err.msg);
    tu_rm_rf(t2);
    free(t2);
    tu_rm_rf(table);
    free(table);
}

Test(delta_txn, timestamp_ntz_protocol)
{
    vec_field f[] = { { .name = "t", .type = { .id = VEC_TIMESTAMP_NTZ }, .nullable = true } };
    vec_schema s = { .n_fields = 1, .fields = f };
    char *table = tu_tmp_dir("ntz");
    delta_create_options co = { .schema = &s };
    st_error err;
    delta_txn *t = NULL;
    int64_t v;
    cr_assert_eq(delta_txn_begin(table, &co, &t, &err), ST_OK);
    cr_assert_eq(delta_txn_commit(t, "CREATE TABLE", NULL, &v, &err), ST_OK, "%s", err.msg);
    delta_snapshot *sn = load(table);
    cr_assert_eq(sn->protocol.min_reader, 3);
    cr_assert_eq(sn->protocol.min_writer, 7);
    cr_assert_eq(sn->protocol.n_reader_features, 1);
    cr_assert_str_eq(sn->protocol.reader_features[0], "timestampNtz");
    cr_assert_str_eq(sn->protocol.writer_features[0], "timestampNtz");
    delta_snapshot_free(sn);
    tu_rm_rf(table);
    free(table);
}

/* ---- data files spanning batches ------------------------------------------------ */

/* Rows of the multi-batch tests: p string (3 values), id bigint (some null),
** name string, d double (some NaN), all derived from the global row number. */
static vec_field mb_fields[4];
static vec_schema mb_schema, mb_data_schema;

static void mb_init(void)
{
    mb_fields[0] = (vec_field){ .name = "p", .type = { .id = VEC_STRING }, .nullable = true };
    mb_fields[1] = (vec_field){ .name = "id", .type = { .id = VEC_INT64 }, .nullable = true };
    mb_fields[2] = (vec_field){ .name = "name", .type = { .id = VEC_STRING }, .nullable = true };
    mb_fields[3] = (vec_field){ .name = "d", .type = { .id = VEC_DOUBLE }, .nullable = true };
    mb_schema = (vec_schema){ .n_fields = 4, .fields = mb_fields };
    mb_data_schema = (vec_schema){ .n_fields = 3, .fields = mb_fields + 1 };
}

static const char *mb_part(int64_t r)
{
    static const char *const pv[] = { "aa", "bb", "cc" };
    return pv[(r * 7 + r / 13) % 3];
}

/* Rows r in [from, from + n) whose partition is want (NULL: all) as a batch
** on the full schema (with_p) or the data schema. */
static vec_batch *mb_batch(int64_t from, int64_t n, const char *want, bool with_p)
{
    st_error err;
    const vec_schema *s = with_p ? &mb_schema : &mb_data_schema;
    vec_batch *b = vec_batch_new(s, s->n_fields, 0);
    vec_builder *bl[4];
    for (int k = 0; k < 4; k++)
        bl[k] = vec_builder_new(&mb_fields[k].type);
    int64_t m = 0;
    for (int64_t r = from; r < from + n; r++) {
        if (want && strcmp(mb_part(r), want) != 0)
            continue;
        char s2[64];
        /* long names so the 32 code point truncation is exercised */
        snprintf(s2, sizeof s2, "name-%04lld-padding-padding-padding-%lld",
                 (long long)((r * 7919) % 1000), (long long)r);
        cr_assert_eq(vec_builder_append_bytes(bl[0], mb_part(r), 2, &err), ST_OK);
        cr_assert_eq(r % 17 == 3 ? vec_builder_append_null(bl[1], &err)
                                 : vec_builder_append_i64(bl[1], (r * 31) % 1009 - 500, &err), ST_OK);
        cr_assert_eq(r % 23 == 5 ? vec_builder_append_null(bl[2], &err)
                                 : vec_builder_append_bytes(bl[2], s2, strlen(s2), &err), ST_OK);
        cr_assert_eq(vec_builder_append_f64(bl[3], r == 617 ? NAN : (double)((r * 13) % 97) / 4 - 9,
                                            &err), ST_OK);
        m++;
    }
    for (int k = with_p ? 0 : 1; k < 4; k++)
        cr_assert_eq(vec_builder_finish(bl[k], b->arena, &b->cols[with_p ? k : k - 1], &err), ST_OK);
    for (int k = 0; k < 4; k++)
        vec_builder_free(bl[k]);
    b->n_rows = m;
    return b;
}

/* Parquet files under dir, recursively. */
static int count_parquet_tree(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "find '%s' -name '*.parquet' -not -path '*_delta_log*' | wc -l", dir);
    FILE *f = popen(cmd, "r");
    cr_assert(f);
    int n = -1;
    cr_assert_eq(fscanf(f, "%d", &n), 1);
    pclose(f);
    return n;
}

/* Creates table with optional partitioning and config, writes n_batches
** batches of rows_per rows, commits; returns commit 0's actions. */
static json_t *mb_write(const char *table, bool partitioned, const char *cfg_key,
                        const char *cfg_val, int n_batches, int64_t rows_per)
{
    st_error err;
    st_error_init(&err);
    const char *pc[] = { "p" };
    const char *keys[] = { cfg_key }, *vals[] = { cfg_val };
    delta_create_options co = { .schema = partitioned ? &mb_schema : &mb_data_schema,
                                .n_partition_cols = partitioned ? 1 : 0,
                                .partition_cols = pc, .n_config = cfg_key ? 1 : 0,
                                .config_keys = keys, .config_values = vals };
    delta_txn *t = NULL;
    cr_assert_eq(delta_txn_begin(table, &co, &t, &err), ST_OK, "%s", err.msg);
    for (int i = 0; i < n_batches; i++) {
        /* unpartitioned: the table is the data schema (no p column) */
        vec_batch *b = mb_batch(i * rows_per, rows_per, NULL, partitioned);
        cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
        vec_batch_free(b);
    }
    int64_t v = -2;
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 0);
    return read_commit(table, 0);
}

static const char *want_stats(int64_t from, int64_t n, const char *part, st_buf *out)
{
    st_error err;
    vec_batch *all = mb_batch(from, n, part, false);
    st_buf_clear(out);
    cr_assert_eq(delta_stats_json(all, -1, out, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(st_buf_append_byte(out, 0, &err), ST_OK);
    vec_batch_free(all);
    return (const char *)out->data;
}

Test(delta_txn, partitioned_one_file_per_partition)
{
    mb_init();
    char *table = tu_tmp_dir("mbpart");
    json_t *c0 = mb_write(table, true, NULL, NULL, 10, 100);
    cr_assert_eq(count_action(c0, "add"), 3);
    cr_assert_eq(count_parquet_tree(table), 3);
    json_t *ci = json_object_get(json_array_get(c0, 0), "commitInfo");
    json_t *om = json_object_get(ci, "operationMetrics");
    cr_assert_str_eq(json_string_value(json_object_get(om, "numFiles")), "3");
    cr_assert_str_eq(json_string_value(json_object_get(om, "numOutputRows")), "1000");
    st_buf want;
    st_buf_init(&want);
    size_t i;
    json_t *o;
    int seen = 0;
    json_array_foreach(c0, i, o) {
        json_t *add = json_object_get(o, "add");
        if (!add)
            continue;
        const char *p = json_string_value(json_object_get(json_object_get(add, "partitionValues"),
                                                          "p"));
        cr_assert(p);
        seen |= 1 << (p[0] - 'a');
        const char *stats = json_string_value(json_object_get(add, "stats"));
        cr_assert_str_eq(stats, want_stats(0, 1000, p, &want));
        /* the stats really span batches: the row count is the partition's */
        int64_t n = 0;
        for (int64_t r = 0; r < 1000; r++)
            n += strcmp(mb_part(r), p) == 0;
        char nr[64];
        snprintf(nr, sizeof nr, "{\"numRecords\":%lld,", (long long)n);
        cr_assert(strncmp(stats, nr, strlen(nr)) == 0, "%s", stats);
        cr_assert(n > 300 && n < 370, "partition %s has %lld rows", p, (long long)n);
        /* the file itself holds those rows */
        char path[600];
        snprintf(path, sizeof path, "%s/%s", table,
                 json_string_value(json_object_get(add, "path")));
        pq_file *f = NULL;
        st_error err;
        cr_assert_eq(pq_file_open(path, &f, &err), ST_OK, "%s", err.msg);
        cr_assert_eq(pq_file_num_rows(f), n);
        pq_file_close(f);
    }
    cr_assert_eq(seen, 7);
    st_buf_destroy(&want);
    json_decref(c0);
    delta_snapshot *s = load(table);
    cr_assert_eq(scan_rows(s, NULL), 1000);
    delta_snapshot_free(s);
    tu_rm_rf(table);
    free(table);
}

Test(delta_txn, unpartitioned_one_file)
{
    mb_init();
    char *table = tu_tmp_dir("mbflat");
    json_t *c0 = mb_write(table, false, NULL, NULL, 5, 100);
    cr_assert_eq(count_action(c0, "add"), 1);
    cr_assert_eq(count_parquet_tree(table), 1);
    st_buf want;
    st_buf_init(&want);
    json_t *add = json_object_get(json_array_get(c0, 3), "add");
    cr_assert(add);
    cr_assert_str_eq(json_string_value(json_object_get(add, "stats")),
                     want_stats(0, 500, NULL, &want));
    cr_assert(strstr((const char *)want.data, "\"d\":\"NaN\"") == NULL);   /* row 617 not in */
    st_buf_destroy(&want);
    json_decref(c0);
    tu_rm_rf(table);
    free(table);
}

Test(delta_txn, files_roll_at_limits)
{
    mb_init();
    /* 10 x 100 rows at 250 rows per file: 4 files of 250, split inside batches */
    char *table = tu_tmp_dir("mbroll");
    json_t *c0 = mb_write(table, false, "strata.maxRecordsPerFile", "250", 10, 100);
    cr_assert_eq(count_action(c0, "add"), 4);
    cr_assert_eq(count_parquet_tree(table), 4);
    st_buf want;
    st_buf_init(&want);
    size_t i;
    json_t *o;
    int k = 0;
    json_array_foreach(c0, i, o) {
        json_t *add = json_object_get(o, "add");
        if (!add)
            continue;
        /* files are added in the order they were closed: rows [250k, 250k+250) */
        cr_assert_str_eq(json_string_value(json_object_get(add, "stats")),
                         want_stats(250 * k, 250, NULL, &want));
        k++;
    }
    cr_assert_eq(k, 4);
    json_decref(c0);
    delta_snapshot *s = load(table);
    cr_assert_eq(scan_rows(s, NULL), 1000);
    delta_snapshot_free(s);
    tu_rm_rf(table);
    free(table);

    /* a tiny delta.targetFileSize closes the file after every batch */
    table = tu_tmp_dir("mbbytes");
    c0 = mb_write(table, false, "delta.targetFileSize", "1", 5, 100);
    cr_assert_eq(count_action(c0, "add"), 5);
    cr_assert_eq(count_parquet_tree(table), 5);
    json_decref(c0);
    tu_rm_rf(table);
    free(table);

    /* about two batches per file (one 100-row batch is ~5.7 KB in memory) */
    table = tu_tmp_dir("mbbytes2");
    c0 = mb_write(table, false, "delta.targetFileSize", "10000", 6, 100);
    cr_assert_eq(count_action(c0, "add"), 3);
    json_decref(c0);
    st_buf_destroy(&want);
    tu_rm_rf(table);
    free(table);
}

Test(delta_txn, abort_deletes_open_files)
{
    mb_init();
    char *table = tu_tmp_dir("mbabort");
    const char *pc[] = { "p" };
    delta_create_options co = { .schema = &mb_schema, .n_partition_cols = 1, .partition_cols = pc };
    st_error err;
    delta_txn *t = NULL;
    cr_assert_eq(delta_txn_begin(table, &co, &t, &err), ST_OK, "%s", err.msg);
    for (int i = 0; i < 4; i++) {
        vec_batch *b = mb_batch(i * 100, 100, NULL, true);
        cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
        vec_batch_free(b);
    }
    cr_assert_eq(count_parquet_tree(table), 3, "one open file per partition");
    delta_txn_abort(t);
    cr_assert_eq(count_parquet_tree(table), 0);
    tu_rm_rf(table);
    free(table);
}

/* ---- re-added files, dataChange, metrics ------------------------------------------ */

/* The first action with key in commit arr (borrowed), or NULL. */
static json_t *first_action(json_t *arr, const char *key)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
        if (json_object_get(o, key))
            return json_object_get(o, key);
    return NULL;
}

Test(delta_txn, add_file_restores_old_file)
{
    kv_init();
    char *table = tu_tmp_dir("readd");
    const char *pc[] = { "name" };
    delta_create_options co = { .schema = &kv_schema, .n_partition_cols = 1, .partition_cols = pc };
    cr_assert_eq(commit_rows(table, &co, DELTA_APPEND, 0, 1), 0);
    delta_snapshot *s0 = load(table);
    cr_assert_eq(s0->n_files, 1);
    cr_assert_eq(commit_rows(table, NULL, DELTA_OVERWRITE, 10, 1), 1);

    /* RESTORE-like: remove the live file, put back version 0's file */
    st_error err;
    delta_txn *t = NULL;
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_remove(t, &delta_txn_snapshot(t)->files[0], &err), ST_OK);
    cr_assert_eq(delta_txn_add_file(t, &s0->files[0], &err), ST_OK, "%s", err.msg);
    int64_t nf = -1, nr = -1, nb = -1;
    delta_txn_written(t, &nf, &nr, &nb);
    cr_assert(nf == 0 && nr == 0 && nb == 0, "re-added files are not written files");
    cr_assert_eq(delta_txn_set_metrics(t, "[1,2]", &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "not a JSON object"), "%s", err.msg);
    cr_assert_eq(delta_txn_set_metrics(t, "{\"numRestoredFiles\":\"1\",\"numRemovedFiles\":\"1\"}",
                                       &err), ST_OK, "%s", err.msg);
    int64_t v = -2;
    cr_assert_eq(delta_txn_commit(t, "RESTORE", "{\"version\":0}", &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 2);

    json_t *c = read_commit(table, 2);
    json_t *ci = first_action(c, "commitInfo"), *add = first_action(c, "add");
    json_t *rm = first_action(c, "remove");
    cr_assert(ci && add && rm);
    cr_assert(json_is_false(json_object_get(ci, "isBlindAppend")));
    cr_assert_str_eq(json_string_value(json_object_get(ci, "isolationLevel")), "Serializable");
    json_t *m = json_object_get(ci, "operationMetrics");
    cr_assert_eq(json_object_size(m), 2);
    cr_assert_str_eq(json_string_value(json_object_get(m, "numRestoredFiles")), "1");
    cr_assert_null(json_object_get(m, "numFiles"));
    cr_assert_str_eq(json_string_value(json_object_get(add, "path")), s0->files[0].path);
    cr_assert_eq(json_integer_value(json_object_get(add, "size")), s0->files[0].size);
    cr_assert_str_eq(json_string_value(json_object_get(add, "stats")), s0->files[0].stats);
    cr_assert(json_is_true(json_object_get(add, "dataChange")));
    cr_assert(json_is_true(json_object_get(rm, "dataChange")));
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(add, "partitionValues"),
                                                       "name")), "row0");
    cr_assert_eq(json_object_size(json_object_get(add, "partitionValues")), 1);
    cr_assert(json_integer_value(json_object_get(add, "modificationTime")) >=
              s0->files[0].modification_time);
    cr_assert_null(json_object_get(add, "deletionVector"));
    json_decref(c);

    delta_snapshot *s = load(table);
    cr_assert_eq(s->n_files, 1);
    int64_t sum = -1;
    cr_assert_eq(scan_rows(s, &sum), 1);
    cr_assert_eq(sum, 0);
    delta_snapshot_free(s);

    /* a deletion vector travels with the re-added file */
    delta_file f = s0->files[0];
    f.has_dv = true;
    f.dv = (delta_dv){ .storage_type = 'u', .path_or_inline_dv = "ab^-aqEH.-t@S}K{vb[*k^",
                       .has_offset = true, .offset = 4, .size_in_bytes = 40, .cardinality = 6 };
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_add_file(t, &f, &err), ST_OK, "%s", err.msg);
    delta_txn_abort(t);   /* must not delete the table's file */
    struct stat st;
    char *local = delta_resolve_path(table, s0->files[0].path, s0->arena);
    cr_assert_eq(stat(local, &st), 0, "abort deleted a re-added file");
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_add_file(t, &f, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_commit(t, "RESTORE", NULL, &v, &err), ST_OK, "%s", err.msg);
    c = read_commit(table, 3);
    json_t *dv = json_object_get(first_action(c, "add"), "deletionVector");
    cr_assert(dv);
    cr_assert_str_eq(json_string_value(json_object_get(dv, "storageType")), "u");
    cr_assert_str_eq(json_string_value(json_object_get(dv, "pathOrInlineDv")),
                     "ab^-aqEH.-t@S}K{vb[*k^");
    cr_assert_eq(json_integer_value(json_object_get(dv, "offset")), 4);
    cr_assert_eq(json_integer_value(json_object_get(dv, "sizeInBytes")), 40);
    cr_assert_eq(json_integer_value(json_object_get(dv, "cardinality")), 6);
    json_decref(c);
    delta_snapshot_free(s0);
    tu_rm_rf(table);
    free(table);
}

Test(delta_txn, data_change_false_rearranges)
{
    kv_init();
    char *table = tu_tmp_dir("nodc");
    delta_create_options co = { .schema = &kv_schema };
    cr_assert_eq(commit_rows(table, &co, DELTA_APPEND, 0, 3), 0);
    cr_assert_eq(commit_rows(table, NULL, DELTA_APPEND, 3, 2), 1);

    /* OPTIMIZE-like: both files rewritten as one, dataChange false */
    st_error err;
    delta_txn *t = NULL;
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    const delta_snapshot *s = delta_txn_snapshot(t);
    for (size_t i = 0; i < s->n_files; i++)
        cr_assert_eq(delta_txn_remove(t, &s->files[i], &err), ST_OK);
    vec_batch *b = kv_batch(0, 5);
    cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
    vec_batch_free(b);
    delta_txn_set_data_change(t, false);
    int64_t nf = -1, nr = -1, nb = -1;
    delta_txn_written(t, &nf, &nr, &nb);
    cr_assert_eq(nf, 1);
    cr_assert_eq(nr, 5);
    cr_assert(nb > 0);
    cr_assert_eq(delta_txn_flush(t, &err), ST_OK, "%s", err.msg);
    delta_txn_written(t, &nf, &nr, &nb);
    cr_assert_eq(nf, 1);
    cr_assert_eq(nr, 5);
    /* a concurrent append does not conflict with a rearrangement */
    put_competing(table, 2, competing_add);
    int64_t v = -2;
    cr_assert_eq(delta_txn_commit(t, "OPTIMIZE", NULL, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 3);
    json_t *c = read_commit(table, 3);
    size_t i;
    json_t *o;
    int n_add = 0, n_rm = 0;
    json_array_foreach(c, i, o) {
        json_t *a = json_object_get(o, "add"), *r = json_object_get(o, "remove");
        if (a) {
            n_add++;
            cr_assert(json_is_false(json_object_get(a, "dataChange")));
            cr_assert_eq(json_integer_value(json_object_get(a, "size")), nb);
        }
        if (r) {
            n_rm++;
            cr_assert(json_is_false(json_object_get(r, "dataChange")));
        }
    }
    cr_assert_eq(n_add, 1);
    cr_assert_eq(n_rm, 2);
    json_t *ci = first_action(c, "commitInfo");
    cr_assert_str_eq(json_string_value(json_object_get(ci, "isolationLevel")),
                     "SnapshotIsolation");
    cr_assert(json_is_false(json_object_get(ci, "isBlindAppend")));
    char want[32];
    snprintf(want, sizeof want, "%lld", (long long)nb);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(ci, "operationMetrics"),
                                                       "numOutputBytes")), want);
    json_decref(c);

    /* with dataChange true, the same concurrent append conflicts */
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_remove(t, &delta_txn_snapshot(t)->files[0], &err), ST_OK);
    put_competing(table, 4, competing_add);
    cr_assert_eq(delta_txn_commit(t, "DELETE", NULL, &v, &err), ST_ERR_CONFLICT);
    cr_assert(strstr(err.msg, "concurrent append"), "%s", err.msg);
    tu_rm_rf(table);
    free(table);
}

/* ---- metadata changes ---------------------------------------------------------------- */

/* kv_schema's create options with the given config pairs. */
static delta_create_options kv_meta(const char *const *keys, const char *const *vals, int n)
{
    return (delta_create_options){ .schema = &kv_schema, .n_config = n, .config_keys = keys,
                                   .config_values = vals };
}

static json_t *schema_of(json_t *meta)
{
    json_error_t je;
    json_t *s = json_loads(json_string_value(json_object_get(meta, "schemaString")), 0, &je);
    cr_assert(s != NULL, "%s", je.text);
    return s;
}

Test(delta_txn, set_metadata_replaces_metadata)
{
    kv_init();
    char *table = tu_tmp_dir("setmeta");
    delta_create_options co = { .schema = &kv_schema, .description = "first" };
    cr_assert_eq(commit_rows(table, &co, DELTA_APPEND, 0, 3), 0);
    delta_snapshot *s0 = load(table);

    /* a comment, a constraint and a new description */
    st_error err;
    delta_txn *t = NULL;
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    const char *k[] = { "delta.constraints.pos" }, *v[] = { "id >= 0" };
    delta_create_options m = kv_meta(k, v, 1);
    m.description = "second";
    m.name = "kv";
    delta_field_info info[2] = {
        { .physical_name = "id", .field_id = -1, .extra_metadata = "{\"comment\":\"the key\"}" },
        { .physical_name = "name", .field_id = -1 },
    };
    cr_assert_eq(delta_txn_set_metadata(t, &m, info, &err), ST_OK, "%s", err.msg);
    int64_t ver = -2;
    cr_assert_eq(delta_txn_commit(t, "ADD CONSTRAINT", NULL, &ver, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ver, 1);
    json_t *c = read_commit(table, 1);
    json_t *md = first_action(c, "metaData"), *pr = first_action(c, "protocol");
    cr_assert(md && pr);
    cr_assert_str_eq(json_string_value(json_object_get(md, "id")), s0->meta.id);
    cr_assert_eq(json_integer_value(json_object_get(md, "createdTime")), s0->meta.created_time);
    cr_assert_str_eq(json_string_value(json_object_get(md, "description")), "second");
    cr_assert_str_eq(json_string_value(json_object_get(md, "name")), "kv");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(md, "configuration"),
                                                       "delta.constraints.pos")), "id >= 0");
    json_t *sch = schema_of(md);
    json_t *f0 = json_array_get(json_object_get(sch, "fields"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(f0, "metadata"),
                                                       "comment")), "the key");
    json_decref(sch);
    cr_assert_eq(json_integer_value(json_object_get(pr, "minReaderVersion")), 1);
    cr_assert_eq(json_integer_value(json_object_get(pr, "minWriterVersion")), 3);
    cr_assert_null(json_object_get(pr, "writerFeatures"));
    cr_assert(json_is_false(json_object_get(first_action(c, "commitInfo"), "isBlindAppend")));
    json_decref(c);

    /* a second change needing nothing new: metaData only, no protocol */
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    m.description = "third";
    cr_assert_eq(delta_txn_set_metadata(t, &m, info, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_commit(t, "SET TBLPROPERTIES", NULL, &ver, &err), ST_OK, "%s", err.msg);
    c = read_commit(table, 2);
    cr_assert_eq(count_action(c, "protocol"), 0);
    cr_assert_eq(count_action(c, "metaData"), 1);
    json_decref(c);

    delta_snapshot *s = load(table);
    cr_assert_str_eq(s->meta.description, "third");
    cr_assert_str_eq(s->meta.field_info[0].extra_metadata, "{\"comment\":\"the key\"}");
    cr_assert_null(s->meta.field_info[1].extra_metadata);
    cr_assert_eq(s->protocol.min_writer, 3);
    int64_t sum;
    cr_assert_eq(scan_rows(s, &sum), 3);
    delta_snapshot_free(s);

    /* partition columns may not change, unless the table is replaced */
    const char *pc[] = { "name" };
    delta_create_options part = { .schema = &kv_schema, .n_partition_cols = 1,
                                  .partition_cols = pc };
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_metadata(t, &part, NULL, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "cannot change the partition columns"), "%s", err.msg);
    /* the txn kept its metadata: a write still works and commits unpartitioned */
    vec_batch *b = kv_batch(3, 1);
    cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
    vec_batch_free(b);
    cr_assert_eq(delta_txn_set_metadata(t, &m, info, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "after writing data"), "%s", err.msg);
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &ver, &err), ST_OK, "%s", err.msg);
    c = read_commit(table, 3);
    cr_assert_eq(count_action(c, "metaData"), 0);
    json_decref(c);

    /* CREATE OR REPLACE: overwrite + new partitioning; createdTime and id kept */
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    delta_txn_set_mode(t, DELTA_OVERWRITE);
    cr_assert_eq(delta_txn_set_metadata(t, &part, NULL, &err), ST_OK, "%s", err.msg);
    b = kv_batch(50, 2);
    cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
    vec_batch_free(b);
    cr_assert_eq(delta_txn_commit(t, "CREATE OR REPLACE TABLE", NULL, NULL, &err), ST_OK,
                 "%s", err.msg);
    s = load(table);
    cr_assert_eq(s->version, 4);
    cr_assert_str_eq(s->meta.id, s0->meta.id);
    cr_assert_eq(s->meta.n_partition_cols, 1);
    cr_assert_str_eq(s->meta.partition_cols[0], "name");
    cr_assert_null(s->meta.description);
    cr_assert_eq(s->n_files, 2);
    cr_assert_eq(s->protocol.min_writer, 3, "the protocol is never lowered");
    cr_assert_eq(scan_rows(s, &sum), 2);
    cr_assert_eq(sum, 101);
    delta_snapshot_free(s);
    delta_snapshot_free(s0);
    tu_rm_rf(table);
    free(table);
}

Test(delta_txn, set_metadata_protocol_upgrades)
{
    kv_init();
    char *table = tu_tmp_dir("proto");
    delta_create_options co = { .schema = &kv_schema };
    cr_assert_eq(commit_rows(table, &co, DELTA_APPEND, 0, 1), 0);
    st_error err;
    delta_txn *t = NULL;
    int64_t ver;
    /* a generated column -> writer 4 */
    delta_field_info gen[2] = {
        { .physical_name = "id", .field_id = -1 },
        { .physical_name = "name", .field_id = -1,
          .extra_metadata = "{\"delta.generationExpression\":\"CAST(id AS STRING)\"}" },
    };
    delta_create_options m = kv_meta(NULL, NULL, 0);
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_metadata(t, &m, gen, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_commit(t, "ALTER", NULL, &ver, &err), ST_OK, "%s", err.msg);
    delta_snapshot *s = load(table);
    cr_assert_eq(s->protocol.min_reader, 1);
    cr_assert_eq(s->protocol.min_writer, 4);
    delta_snapshot_free(s);

    /* deletion vectors: table features, the legacy ones listed explicitly */
    const char *k[] = { "delta.enableDeletionVectors" }, *v[] = { "true" };
    m = kv_meta(k, v, 1);
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_metadata(t, &m, gen, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_commit(t, "ALTER", NULL, &ver, &err), ST_OK, "%s", err.msg);
    json_t *c = read_commit(table, ver);
    json_t *pr = first_action(c, "protocol");
    cr_assert(pr);
    cr_assert_eq(json_integer_value(json_object_get(pr, "minReaderVersion")), 3);
    cr_assert_eq(json_integer_value(json_object_get(pr, "minWriterVersion")), 7);
    json_t *rf = json_object_get(pr, "readerFeatures"), *wf = json_object_get(pr, "writerFeatures");
    cr_assert_eq(json_array_size(rf), 1);
    cr_assert_str_eq(json_string_value(json_array_get(rf, 0)), "deletionVectors");
    const char *want[] = { "appendOnly", "invariants", "checkConstraints", "changeDataFeed",
                           "generatedColumns", "deletionVectors" };
    cr_assert_eq(json_array_size(wf), ST_ARRAY_LEN(want), "%s", json_dumps(wf, 0));
    for (size_t i = 0; i < ST_ARRAY_LEN(want); i++) {
        bool found = false;
        for (size_t j = 0; j < json_array_size(wf); j++)
            found |= strcmp(json_string_value(json_array_get(wf, j)), want[i]) == 0;
        cr_assert(found, "writer feature %s missing", want[i]);
    }
    json_decref(c);
    /* the upgraded table is still writable and readable */
    cr_assert_eq(commit_rows(table, NULL, DELTA_APPEND, 1, 2), ver + 1);
    s = load(table);
    int64_t sum;
    cr_assert_eq(scan_rows(s, &sum), 3);
    cr_assert_eq(sum, 3);
    delta_snapshot_free(s);

    /* identity column on a reader 3 / writer 7 table: one more feature */
    delta_field_info ident[2] = {
        { .physical_name = "id", .field_id = -1,
          .extra_metadata = "{\"delta.identity.start\":1,\"delta.identity.step\":1}" },
        gen[1],
    };
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_metadata(t, &m, ident, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_commit(t, "ALTER", NULL, &ver, &err), ST_OK, "%s", err.msg);
    s = load(table);
    cr_assert_eq(s->protocol.n_writer_features, 7);
    cr_assert_str_eq(s->protocol.writer_features[6], "identityColumns");
    cr_assert_eq(s->protocol.n_reader_features, 1);
    delta_snapshot_free(s);

    /* dropping everything again lowers nothing and emits no protocol */
    m = kv_meta(NULL, NULL, 0);
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_metadata(t, &m, NULL, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_commit(t, "ALTER", NULL, &ver, &err), ST_OK, "%s", err.msg);
    c = read_commit(table, ver);
    cr_assert_eq(count_action(c, "protocol"), 0);
    json_decref(c);
    tu_rm_rf(table);
    free(table);
}

Test(delta_txn, concurrent_set_metadata_conflicts)
{
    kv_init();
    char *table = tu_tmp_dir("metaconf");
    delta_create_options co = { .schema = &kv_schema };
    cr_assert_eq(commit_rows(table, &co, DELTA_APPEND, 0, 1), 0);
    st_error err;
    delta_txn *a = NULL, *b = NULL;
    cr_assert_eq(delta_txn_begin(table, NULL, &a, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_begin(table, NULL, &b, &err), ST_OK, "%s", err.msg);
    const char *k[] = { "x.a" }, *va[] = { "1" }, *vb[] = { "2" };
    delta_create_options ma = kv_meta(k, va, 1), mb = kv_meta(k, vb, 1);
    cr_assert_eq(delta_txn_set_metadata(a, &ma, NULL, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_metadata(b, &mb, NULL, &err), ST_OK, "%s", err.msg);
    int64_t v = -2;
    cr_assert_eq(delta_txn_commit(a, "SET TBLPROPERTIES", NULL, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 1);
    cr_assert_eq(delta_txn_commit(b, "SET TBLPROPERTIES", NULL, &v, &err), ST_ERR_CONFLICT);
    cr_assert(strstr(err.msg, "concurrent metadata change in version 1"), "%s", err.msg);
    delta_snapshot *s = load(table);
    cr_assert_eq(s->version, 1);
    cr_assert_str_eq(delta_config_get(&s->meta, "x.a"), "1");
    delta_snapshot_free(s);
    tu_rm_rf(table);
    free(table);
}

/* Batch of (id bigint, <name> string[, extra int]) rows from..from+n. */
static vec_batch *cm_batch(const vec_schema *sch, int64_t from, int64_t n)
{
    st_error err;
    vec_batch *b = vec_batch_new(sch, sch->n_fields, 0);
    for (int c = 0; c < sch->n_fields; c++) {
        vec_builder *vb = vec_builder_new(&sch->fields[c].type);
        for (int64_t i = from; i < from + n; i++) {
            char s[32];
            snprintf(s, sizeof s, "row%lld", (long long)i);
            if (c == 0)
                cr_assert_eq(vec_builder_append_i64(vb, i, &err), ST_OK);
            else if (c == 1)
                cr_assert_eq(vec_builder_append_bytes(vb, s, strlen(s), &err), ST_OK);
            else
                cr_assert_eq(vec_builder_append_i64(vb, 10 * i, &err), ST_OK);
        }
        cr_assert_eq(vec_builder_finish(vb, b->arena, &b->cols[c], &err), ST_OK);
        vec_builder_free(vb);
    }
    b->n_rows = n;
    return b;
}

/* Scans s: per row (id, the string column's text, the third column or -1). */
static int64_t cm_scan(const delta_snapshot *s, int64_t *ids, char (*names)[16], int64_t *extra,
                       int64_t cap)
{
    st_error err;
    delta_scan *sc = NULL;
    cr_assert_eq(delta_scan_open(s, NULL, &sc, &err), ST_OK, "%s", err.msg);
    int64_t n = 0;
    for (;;) {
        vec_batch *b = NULL;
        cr_assert_eq(delta_scan_next(sc, &b, &err), ST_OK, "%s", err.msg);
        if (!b)
            break;
        for (int64_t i = 0; i < b->n_rows; i++, n++) {
            cr_assert(n < cap);
            ids[n] = ((const int64_t *)b->cols[0]->values)[i];
            const vec *sv = b->cols[1];
            const int32_t *off = vec_offsets(sv);
            cr_assert(vec_is_valid(sv, i));
            snprintf(names[n], 16, "%.*s", (int)(off[i + 1] - off[i]), sv->bytes + off[i]);
            extra[n] = -1;
            if (b->n_cols > 2 && vec_is_valid(b->cols[2], i))
                extra[n] = ((const int64_t *)b->cols[2]->values)[i];
        }
        vec_batch_free(b);
    }
    delta_scan_close(sc);
    return n;
}

Test(delta_txn, column_mapping_enable_rename_add)
{
    kv_init();
    char *table = tu_tmp_dir("cm");
    const char *pc[] = { "id" };
    vec_field f3[3] = { { .name = "id", .type = { .id = VEC_INT64 }, .nullable = true },
                        { .name = "name", .type = { .id = VEC_STRING }, .nullable = true },
                        { .name = "part", .type = { .id = VEC_INT64 }, .nullable = true } };
    vec_schema s3 = { .n_fields = 3, .fields = f3 };
    delta_create_options co = { .schema = &s3, .n_partition_cols = 1, .partition_cols = pc + 0 };
    /* partitioned by "part" */
    const char *pc2[] = { "part" };
    co.partition_cols = pc2;
    st_error err;
    delta_txn *t = NULL;
    int64_t ver;
    cr_assert_eq(delta_txn_begin(table, &co, &t, &err), ST_OK, "%s", err.msg);
    vec_batch *b = cm_batch(&s3, 0, 4);
    cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
    vec_batch_free(b);
    cr_assert_eq(delta_txn_commit(t, "CREATE TABLE", NULL, &ver, &err), ST_OK, "%s", err.msg);

    /* enable column mapping: ids 1..3, physical names = the names */
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    const delta_snapshot *s0 = delta_txn_snapshot(t);
    st_arena *a = st_arena_new(0);
    delta_field_info *info = NULL;
    int64_t max_id = 0;
    cr_assert_eq(delta_enable_column_mapping(&s0->meta.schema, s0->meta.field_info, a, &info,
                                             &max_id, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(max_id, 3);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(info[i].field_id, i + 1);
        cr_assert_str_eq(info[i].physical_name, f3[i].name);
    }
    const char *k[] = { "delta.columnMapping.mode" }, *v[] = { "name" };
    delta_create_options m = { .schema = &s3, .n_partition_cols = 1, .partition_cols = pc2,
                               .n_config = 1, .config_keys = k, .config_values = v };
    cr_assert_eq(delta_txn_set_metadata(t, &m, info, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_commit(t, "SET TBLPROPERTIES", NULL, &ver, &err), ST_OK, "%s", err.msg);
    json_t *c = read_commit(table, ver);
    json_t *pr = first_action(c, "protocol"), *md = first_action(c, "metaData");
    cr_assert(pr && md);
    cr_assert_eq(json_integer_value(json_object_get(pr, "minReaderVersion")), 2);
    cr_assert_eq(json_integer_value(json_object_get(pr, "minWriterVersion")), 5);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(md, "configuration"),
                                       "delta.columnMapping.maxColumnId")), "3");
    json_t *sch = schema_of(md);
    json_t *mdf = json_object_get(json_array_get(json_object_get(sch, "fields"), 1), "metadata");
    cr_assert_eq(json_integer_value(json_object_get(mdf, "delta.columnMapping.id")), 2);
    cr_assert_str_eq(json_string_value(json_object_get(mdf, "delta.columnMapping.physicalName")),
                     "name");
    json_decref(sch);
    json_decref(c);

    /* rename name -> label: same physical name */
    delta_snapshot *s = load(table);
    cr_assert_eq(s->meta.column_mapping, 1);
    vec_field r3[3] = { f3[0], f3[1], f3[2] };
    r3[1].name = "label";
    vec_schema rs = { .n_fields = 3, .fields = r3 };
    delta_create_options rm = m;
    rm.schema = &rs;
    rm.n_config = s->meta.n_config;
    rm.config_keys = s->meta.config_keys;
    rm.config_values = s->meta.config_values;
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_metadata(t, &rm, s->meta.field_info, &err), ST_OK, "%s", err.msg);
    b = cm_batch(&rs, 4, 2);
    cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
    vec_batch_free(b);
    cr_assert_eq(delta_txn_commit(t, "RENAME COLUMN", NULL, &ver, &err), ST_OK, "%s", err.msg);
    c = read_commit(table, ver);
    cr_assert_eq(count_action(c, "protocol"), 0);
    json_t *add = first_action(c, "add");
    cr_assert(add);
    /* stats and partition values by physical name */
    cr_assert(strstr(json_string_value(json_object_get(add, "stats")), "\"name\":\"row4\""),
              "%s", json_string_value(json_object_get(add, "stats")));
    cr_assert(json_object_get(json_object_get(add, "partitionValues"), "part"));
    json_decref(c);
    delta_snapshot_free(s);

    /* all six rows under the new name */
    s = load(table);
    cr_assert_str_eq(s->meta.schema.fields[1].name, "label");
    cr_assert_str_eq(s->meta.field_info[1].physical_name, "name");
    int64_t ids[16], extra[16];
    char names[16][16];
    int64_t n = cm_scan(s, ids, names, extra, 16);
    cr_assert_eq(n, 6);
    int64_t seen = 0;
    for (int64_t i = 0; i < n; i++) {
        char want[16];
        snprintf(want, sizeof want, "row%lld", (long long)ids[i]);
        cr_assert_str_eq(names[i], want);
        cr_assert_eq(extra[i], 10 * ids[i], "partition value of id %lld", (long long)ids[i]);
        seen |= INT64_C(1) << ids[i];
    }
    cr_assert_eq(seen, 0x3f);

    /* add a column: a fresh id and a col-<uuid> physical name */
    vec_field r4[4] = { r3[0], r3[1], r3[2],
                        { .name = "extra", .type = { .id = VEC_INT64 }, .nullable = true } };
    vec_schema s4 = { .n_fields = 4, .fields = r4 };
    delta_field_info i4[4];
    memcpy(i4, s->meta.field_info, 3 * sizeof *i4);
    i4[3] = (delta_field_info){ .physical_name = "extra", .field_id = -1 };
    delta_create_options am = rm;
    am.schema = &s4;
    am.n_config = s->meta.n_config;
    am.config_keys = s->meta.config_keys;
    am.config_values = s->meta.config_values;
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_metadata(t, &am, i4, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_commit(t, "ADD COLUMNS", NULL, &ver, &err), ST_OK, "%s", err.msg);
    delta_snapshot_free(s);
    s = load(table);
    cr_assert_eq(s->meta.field_info[3].field_id, 4);
    cr_assert(strncmp(s->meta.field_info[3].physical_name, "col-", 4) == 0);
    cr_assert_str_eq(delta_config_get(&s->meta, "delta.columnMapping.maxColumnId"), "4");
    /* rows with the new column: the file stores it under its physical name */
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    b = cm_batch(&s4, 6, 1);
    cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
    vec_batch_free(b);
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &ver, &err), ST_OK, "%s", err.msg);
    c = read_commit(table, ver);
    char key[64];
    snprintf(key, sizeof key, "\"%s\":60", s->meta.field_info[3].physical_name);
    cr_assert(strstr(json_string_value(json_object_get(first_action(c, "add"), "stats")), key),
              "%s", json_string_value(json_object_get(first_action(c, "add"), "stats")));
    char *local = delta_resolve_path(table, json_string_value(json_object_get(
                                     first_action(c, "add"), "path")), s->arena);
    pq_file *pf = NULL;
    cr_assert_eq(pq_file_open(local, &pf, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(pq_file_num_rows(pf), 1);
    const vec_schema *ps = pq_file_schema(pf);
    cr_assert_eq(ps->n_fields, 3, "the partition column is not stored");
    cr_assert_str_eq(ps->fields[0].name, "id");
    cr_assert_str_eq(ps->fields[1].name, "name");   /* renamed to label, physical kept */
    cr_assert_str_eq(ps->fields[2].name, s->meta.field_info[3].physical_name);
    pq_file_close(pf);
    json_decref(c);
    delta_snapshot_free(s);
    s = load(table);
    delta_scan *sc = NULL;
    cr_assert_eq(delta_scan_open(s, NULL, &sc, &err), ST_OK, "%s", err.msg);
    int64_t rows = 0;
    for (;;) {
        vec_batch *ob = NULL;
        cr_assert_eq(delta_scan_next(sc, &ob, &err), ST_OK, "%s", err.msg);
        if (!ob)
            break;
        cr_assert_eq(ob->n_cols, 4);
        cr_assert_str_eq(ob->schema->fields[3].name, "extra");
        for (int64_t i = 0; i < ob->n_rows; i++, rows++) {
            int64_t id = ((const int64_t *)ob->cols[0]->values)[i];
            bool valid = vec_is_valid(ob->cols[3], i);
            cr_assert_eq(valid, id == 6, "id %lld", (long long)id);
            if (valid)
                cr_assert_eq(((const int64_t *)ob->cols[3]->values)[i], 60);
        }
        vec_batch_free(ob);
    }
    delta_scan_close(sc);
    cr_assert_eq(rows, 7);
    /* changing the mode back is refused */
    const char *kn[] = { "delta.columnMapping.mode" }, *vn[] = { "none" };
    delta_create_options none = am;
    none.n_config = 1;
    none.config_keys = kn;
    none.config_values = vn;
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_metadata(t, &none, s->meta.field_info, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "from name to none"), "%s", err.msg);
    delta_txn_abort(t);
    delta_snapshot_free(s);
    st_arena_free(a);
    tu_rm_rf(table);
    free(table);
}

Test(delta_txn, create_with_field_metadata_and_mapping)
{
    kv_init();
    char *table = tu_tmp_dir("cmcreate");
    delta_create_options co = { .schema = &kv_schema };
    st_error err;
    delta_txn *t = NULL;
    cr_assert_eq(delta_txn_begin(table, &co, &t, &err), ST_OK, "%s", err.msg);
    const char *k[] = { "delta.columnMapping.mode" }, *v[] = { "name" };
    delta_create_options m = kv_meta(k, v, 1);
    delta_field_info info[2] = {
        { .field_id = -1, .extra_metadata = "{\"comment\":\"key\"}" },
        { .field_id = -1, .extra_metadata = "{\"CURRENT_DEFAULT\":\"'n'\"}" },
    };
    cr_assert_eq(delta_txn_set_metadata(t, &m, info, &err), ST_OK, "%s", err.msg);
    vec_batch *b = kv_batch(0, 3);
    cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
    vec_batch_free(b);
    int64_t ver;
    cr_assert_eq(delta_txn_commit(t, "CREATE TABLE", NULL, &ver, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ver, 0);
    json_t *c = read_commit(table, 0);
    json_t *pr = first_action(c, "protocol");
    /* CURRENT_DEFAULT needs allowColumnDefaults: table features, column
    ** mapping still only needs the legacy reader 2 */
    cr_assert_eq(json_integer_value(json_object_get(pr, "minReaderVersion")), 2);
    cr_assert_eq(json_integer_value(json_object_get(pr, "minWriterVersion")), 7);
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(pr, "writerFeatures"), 0)),
                     "columnMapping");
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(pr, "writerFeatures"), 1)),
                     "allowColumnDefaults");
    json_decref(c);
    delta_snapshot *s = load(table);
    cr_assert_eq(s->meta.column_mapping, 1);
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(s->meta.field_info[i].field_id, i + 1);
        cr_assert(strncmp(s->meta.field_info[i].physical_name, "col-", 4) == 0);
    }
    cr_assert_str_eq(s->meta.field_info[0].extra_metadata, "{\"comment\":\"key\"}");
    cr_assert_str_eq(s->meta.field_info[1].extra_metadata, "{\"CURRENT_DEFAULT\":\"'n'\"}");
    cr_assert_str_eq(delta_config_get(&s->meta, "delta.columnMapping.maxColumnId"), "2");
    /* the data file holds physical names; the scan gives logical ones back */
    char *local = delta_resolve_path(table, s->files[0].path, s->arena);
    pq_file *pf = NULL;
    cr_assert_eq(pq_file_open(local, &pf, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(pq_file_schema(pf)->fields[0].name, s->meta.field_info[0].physical_name);
    pq_file_close(pf);
    int64_t ids[8], extra[8];
    char names[8][16];
    cr_assert_eq(cm_scan(s, ids, names, extra, 8), 3);
    for (int i = 0; i < 3; i++) {
        char want[16];
        snprintf(want, sizeof want, "row%lld", (long long)ids[i]);
        cr_assert_str_eq(names[i], want);
    }
    cr_assert_eq(ids[0] + ids[1] + ids[2], 3);
    delta_snapshot_free(s);
    tu_rm_rf(table);
    free(table);
}

/* ---- table feature properties, domain metadata, type widening ------------- */

static bool str_in_array(json_t *arr, const char *s)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
        if (json_is_string(o) && strcmp(json_string_value(o), s) == 0)
            return true;
    return false;
}

Test(delta_txn, feature_properties)
{
    kv_init();
    char *table = tu_tmp_dir("featprop");
    st_error err;
    delta_txn *t = NULL;
    /* defaults: allowColumnDefaults, writer 7, reader 1, key consumed */
    const char *k[] = { "delta.feature.allowColumnDefaults", "delta.logRetentionDuration" };
    const char *v[] = { "supported", "interval 1 days" };
    delta_create_options co = kv_meta(k, v, 2);
    cr_assert_eq(commit_rows(table, &co, DELTA_APPEND, 0, 2), 0);
    json_t *c = read_commit(table, 0);
    json_t *pr = first_action(c, "protocol"), *md = first_action(c, "metaData");
    cr_assert_eq(json_integer_value(json_object_get(pr, "minReaderVersion")), 1);
    cr_assert_eq(json_integer_value(json_object_get(pr, "minWriterVersion")), 7);
    cr_assert_null(json_object_get(pr, "readerFeatures"));
    json_t *wf = json_object_get(pr, "writerFeatures");
    cr_assert_eq(json_array_size(wf), 1);
    cr_assert(str_in_array(wf, "allowColumnDefaults"));
    json_t *conf = json_object_get(md, "configuration");
    cr_assert_eq(json_object_size(conf), 1);
    cr_assert_null(json_object_get(conf, "delta.feature.allowColumnDefaults"));
    cr_assert_str_eq(json_string_value(json_object_get(conf, "delta.logRetentionDuration")),
                     "interval 1 days");
    json_decref(c);
    /* the table stays writable */
    cr_assert_eq(commit_rows(table, NULL, DELTA_APPEND, 2, 1), 1);
    delta_snapshot *s = load(table);
    cr_assert_eq(scan_rows(s, NULL), 3);
    delta_snapshot_free(s);

    /* ALTER: clustering brings domainMetadata; lower-case names, 'enabled'; a
    ** reader-writer feature (typeWidening) lists readerFeatures */
    const char *k2[] = { "delta.logRetentionDuration", "delta.feature.clustering",
                         "delta.feature.typewidening" };
    const char *v2[] = { "interval 1 days", "supported", "Enabled" };
    delta_create_options m = kv_meta(k2, v2, 3);
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_metadata(t, &m, NULL, &err), ST_OK, "%s", err.msg);
    int64_t ver = -1;
    cr_assert_eq(delta_txn_commit(t, "SET TBLPROPERTIES", NULL, &ver, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ver, 2);
    c = read_commit(table, 2);
    pr = first_action(c, "protocol");
    cr_assert_eq(json_integer_value(json_object_get(pr, "minReaderVersion")), 3);
    cr_assert_eq(json_integer_value(json_object_get(pr, "minWriterVersion")), 7);
    wf = json_object_get(pr, "writerFeatures");
    cr_assert_eq(json_array_size(wf), 4);
    cr_assert(str_in_array(wf, "allowColumnDefaults") && str_in_array(wf, "clustering") &&
              str_in_array(wf, "domainMetadata") && str_in_array(wf, "typeWidening"));
    json_t *rf = json_object_get(pr, "readerFeatures");
    cr_assert_eq(json_array_size(rf), 1);
    cr_assert(str_in_array(rf, "typeWidening"));
    conf = json_object_get(first_action(c, "metaData"), "configuration");
    cr_assert_eq(json_object_size(conf), 1);
    json_decref(c);
    cr_assert_eq(commit_rows(table, NULL, DELTA_APPEND, 3, 1), 3);

    /* unknown feature names and values are refused; metadata kept */
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    const char *k3[] = { "delta.feature.fancyIndexes" }, *v3[] = { "supported" };
    m = kv_meta(k3, v3, 1);
    cr_assert_eq(delta_txn_set_metadata(t, &m, NULL, &err), ST_ERR_UNSUPPORTED);
    cr_assert(strstr(err.msg, "\"fancyIndexes\""), "%s", err.msg);
    const char *k4[] = { "delta.feature.domainMetadata" }, *v4[] = { "yes" };
    m = kv_meta(k4, v4, 1);
    cr_assert_eq(delta_txn_set_metadata(t, &m, NULL, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "'yes'"), "%s", err.msg);
    delta_txn_abort(t);
    char *t2 = tu_tmp_dir("featbad");
    tu_rm_rf(t2);
    delta_create_options bad = kv_meta(k3, v3, 1);
    cr_assert_eq(delta_txn_begin(t2, &bad, &t, &err), ST_ERR_UNSUPPORTED);
    cr_assert(strstr(err.msg, "fancyIndexes"), "%s", err.msg);
    free(t2);

    /* a writer-7 table with these features can be written by a new txn */
    s = load(table);
    cr_assert_eq(s->protocol.n_writer_features, 4);
    cr_assert_eq(scan_rows(s, NULL), 4);
    delta_snapshot_free(s);
    tu_rm_rf(table);
    free(table);
}

static json_t *nth_action(json_t *arr, const char *key, int n)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
        if (json_object_get(o, key) && n-- == 0)
            return json_object_get(o, key);
    return NULL;
}

static const char *snap_domain_config(const delta_snapshot *s, const char *d)
{
    for (int i = 0; i < s->n_domains; i++)
        if (strcmp(s->domains[i].domain, d) == 0)
            return s->domains[i].configuration;
    return NULL;
}

Test(delta_txn, domain_metadata)
{
    kv_init();
    char *table = tu_tmp_dir("domain");
    delta_create_options co = { .schema = &kv_schema };
    cr_assert_eq(commit_rows(table, &co, DELTA_APPEND, 0, 2), 0);
    st_error err;
    delta_txn *t = NULL;
    int64_t v = -1;
    static const char clus[] = "{\"clusteringColumns\":[[\"id\"]]}";

    /* set two domains: protocol raised to writer 7 with domainMetadata (the
    ** legacy writer 2 features listed), configurations as strings */
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_domain(t, "delta.clustering", "{}", &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_domain(t, "delta.clustering", clus, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_domain(t, "app.x", "cfg1", &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_domain(t, "", "cfg1", &err), ST_ERR_ARGUMENT);
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 1);
    json_t *c = read_commit(table, 1);
    json_t *pr = first_action(c, "protocol");
    cr_assert_eq(json_integer_value(json_object_get(pr, "minReaderVersion")), 1);
    cr_assert_eq(json_integer_value(json_object_get(pr, "minWriterVersion")), 7);
    json_t *wf = json_object_get(pr, "writerFeatures");
    cr_assert(str_in_array(wf, "domainMetadata") && str_in_array(wf, "appendOnly") &&
              str_in_array(wf, "invariants"));
    cr_assert_eq(json_array_size(wf), 3);
    cr_assert_eq(count_action(c, "domainMetadata"), 2);
    json_t *d0 = nth_action(c, "domainMetadata", 0), *d1 = nth_action(c, "domainMetadata", 1);
    cr_assert_str_eq(json_string_value(json_object_get(d0, "domain")), "delta.clustering");
    cr_assert_str_eq(json_string_value(json_object_get(d0, "configuration")), clus);
    cr_assert(json_is_false(json_object_get(d0, "removed")));
    cr_assert_str_eq(json_string_value(json_object_get(d1, "domain")), "app.x");
    cr_assert_str_eq(json_string_value(json_object_get(d1, "configuration")), "cfg1");
    json_decref(c);
    delta_snapshot *s = load(table);
    cr_assert_eq(s->n_domains, 2);
    cr_assert_str_eq(snap_domain_config(s, "delta.clustering"), clus);
    cr_assert_str_eq(snap_domain_config(s, "app.x"), "cfg1");
    delta_snapshot_free(s);

    /* remove one (configuration repeated, removed true; no protocol action);
    ** removing an absent domain writes nothing */
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_domain(t, "app.x", NULL, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_domain(t, "app.none", NULL, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 2);
    c = read_commit(table, 2);
    cr_assert_eq(count_action(c, "protocol"), 0);
    cr_assert_eq(count_action(c, "domainMetadata"), 1);
    d0 = first_action(c, "domainMetadata");
    cr_assert_str_eq(json_string_value(json_object_get(d0, "domain")), "app.x");
    cr_assert_str_eq(json_string_value(json_object_get(d0, "configuration")), "cfg1");
    cr_assert(json_is_true(json_object_get(d0, "removed")));
    json_decref(c);
    s = load(table);
    cr_assert_eq(s->n_domains, 1);
    cr_assert_null(snap_domain_config(s, "app.x"));
    delta_snapshot_free(s);

    /* a concurrent change of another domain: retried; of the same: conflict */
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_domain(t, "app.y", "mine", &err), ST_OK, "%s", err.msg);
    put_competing(table, 3, "{\"domainMetadata\":{\"domain\":\"app.z\",\"configuration\":\"z\","
                  "\"removed\":false}}\n");
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 4);
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_domain(t, "delta.clustering", NULL, &err), ST_OK, "%s", err.msg);
    put_competing(table, 5, "{\"domainMetadata\":{\"domain\":\"delta.clustering\","
                  "\"configuration\":\"{\\\"clusteringColumns\\\":[]}\",\"removed\":false}}\n");
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &v, &err), ST_ERR_CONFLICT);
    cr_assert(strstr(err.msg, "concurrent change of domain \"delta.clustering\"") &&
              strstr(err.msg, "version 5"), "%s", err.msg);
    s = load(table);
    cr_assert_eq(s->version, 5);
    cr_assert_eq(s->n_domains, 3);
    cr_assert_str_eq(snap_domain_config(s, "app.y"), "mine");
    cr_assert_str_eq(snap_domain_config(s, "app.z"), "z");
    cr_assert_str_eq(snap_domain_config(s, "delta.clustering"), "{\"clusteringColumns\":[]}");
    delta_snapshot_free(s);

    /* at creation, with the clustering feature: one commit carries it all */
    char *t2 = tu_tmp_dir("domcreate");
    tu_rm_rf(t2);
    const char *k[] = { "delta.feature.clustering" }, *vv[] = { "supported" };
    delta_create_options cc = kv_meta(k, vv, 1);
    cr_assert_eq(delta_txn_begin(t2, &cc, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_domain(t, "delta.clustering", clus, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_commit(t, "CREATE TABLE", NULL, &v, &err), ST_OK, "%s", err.msg);
    c = read_commit(t2, 0);
    wf = json_object_get(first_action(c, "protocol"), "writerFeatures");
    cr_assert_eq(json_array_size(wf), 2);
    cr_assert(str_in_array(wf, "clustering") && str_in_array(wf, "domainMetadata"));
    cr_assert_str_eq(json_string_value(json_object_get(first_action(c, "domainMetadata"),
                                                       "configuration")), clus);
    json_decref(c);
    tu_rm_rf(t2);
    free(t2);
    tu_rm_rf(table);
    free(table);
}

/* A one-column batch "id" of type ty with values from..from+n-1 scaled. */
static vec_batch *id_batch(const vec_schema *sch, int64_t from, int64_t n, int64_t scale)
{
    st_error err;
    vec_batch *b = vec_batch_new(sch, 1, 0);
    vec_builder *ib = vec_builder_new(&sch->fields[0].type);
    for (int64_t i = from; i < from + n; i++)
        cr_assert_eq(vec_builder_append_i64(ib, i * scale, &err), ST_OK);
    cr_assert_eq(vec_builder_finish(ib, b->arena, &b->cols[0], &err), ST_OK, "%s", err.msg);
    vec_builder_free(ib);
    b->n_rows = n;
    return b;
}

Test(delta_txn, type_widening_write_and_scan)
{
    char *table = tu_tmp_dir("widen");
    vec_field f32 = { .name = "id", .type = { .id = VEC_INT32 }, .nullable = true };
    vec_field f64 = { .name = "id", .type = { .id = VEC_INT64 }, .nullable = true };
    vec_schema s32 = { .n_fields = 1, .fields = &f32 }, s64 = { .n_fields = 1, .fields = &f64 };
    st_error err;
    delta_txn *t = NULL;
    int64_t v = -1;
    delta_create_options co = { .schema = &s32 };
    cr_assert_eq(delta_txn_begin(table, &co, &t, &err), ST_OK, "%s", err.msg);
    vec_batch *b = id_batch(&s32, 1, 3, 1);          /* 1, 2, 3 */
    cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
    vec_batch_free(b);
    cr_assert_eq(delta_txn_commit(t, "CREATE TABLE", NULL, &v, &err), ST_OK, "%s", err.msg);

    /* widen int -> bigint as Delta records it, then write bigints */
    static const char tc[] = "{\"delta.typeChanges\":[{\"fromType\":\"integer\","
                             "\"toType\":\"long\"}]}";
    delta_field_info info = { .field_id = -1, .extra_metadata = tc };
    delta_create_options m = { .schema = &s64 };
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_metadata(t, &m, &info, &err), ST_OK, "%s", err.msg);
    b = id_batch(&s64, 1, 2, INT64_C(10000000000));  /* 1e10, 2e10 */
    cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
    vec_batch_free(b);
    cr_assert_eq(delta_txn_commit(t, "CHANGE COLUMN", NULL, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 1);
    json_t *c = read_commit(table, 1);
    json_t *pr = first_action(c, "protocol");
    cr_assert_eq(json_integer_value(json_object_get(pr, "minReaderVersion")), 3);
    cr_assert_eq(json_integer_value(json_object_get(pr, "minWriterVersion")), 7);
    cr_assert(str_in_array(json_object_get(pr, "readerFeatures"), "typeWidening"));
    cr_assert(str_in_array(json_object_get(pr, "writerFeatures"), "typeWidening"));
    json_t *sch = schema_of(first_action(c, "metaData"));
    json_t *fld = json_array_get(json_object_get(sch, "fields"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(fld, "type")), "long");
    json_t *chg = json_array_get(json_object_get(json_object_get(fld, "metadata"),
                                                 "delta.typeChanges"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(chg, "fromType")), "integer");
    cr_assert_str_eq(json_string_value(json_object_get(chg, "toType")), "long");
    json_decref(sch);
    json_decref(c);

    /* the scan gives every row as bigint: old int files widened */
    delta_snapshot *s = load(table);
    cr_assert_eq(s->n_files, 2);
    cr_assert_eq(s->meta.schema.fields[0].type.id, VEC_INT64);
    int64_t sum = 0;
    cr_assert_eq(scan_rows(s, &sum), 5);
    cr_assert_eq(sum, 6 + INT64_C(30000000000));
    delta_snapshot_free(s);

    /* later writers keep going on the wide type */
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    b = id_batch(&s64, 4, 1, 1);
    cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
    vec_batch_free(b);
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &v, &err), ST_OK, "%s", err.msg);
    s = load(table);
    cr_assert_eq(scan_rows(s, &sum), 6);
    cr_assert_eq(sum, 10 + INT64_C(30000000000));
    delta_snapshot_free(s);

    /* RESTORE to version 0 narrows back with version 0's files */
    delta_read_options to = { .has_version = true, .version = 0 };
    delta_restore_result rr;
    cr_assert_eq(delta_restore(table, &to, &rr, &err), ST_OK, "%s", err.msg);
    s = load(table);
    cr_assert_eq(s->meta.schema.fields[0].type.id, VEC_INT32);
    cr_assert_eq(s->n_files, 1);
    delta_scan *sc = NULL;
    cr_assert_eq(delta_scan_open(s, NULL, &sc, &err), ST_OK, "%s", err.msg);
    vec_batch *rb = NULL;
    cr_assert_eq(delta_scan_next(sc, &rb, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(rb->n_rows, 3);
    cr_assert_eq(rb->cols[0]->type->id, VEC_INT32);
    cr_assert_eq(((int32_t *)rb->cols[0]->values)[0] + ((int32_t *)rb->cols[0]->values)[1] +
                 ((int32_t *)rb->cols[0]->values)[2], 6);
    vec_batch_free(rb);
    delta_scan_close(sc);
    delta_snapshot_free(s);
    tu_rm_rf(table);
    free(table);
}

Test(delta_txn, type_changes_refused_unless_widening)
{
    char *table = tu_tmp_dir("narrow");
    vec_field fs[3] = {
        { .name = "id", .type = { .id = VEC_INT64 }, .nullable = true },
        { .name = "d", .type = { .id = VEC_DECIMAL, .precision = 10, .scale = 2 }, .nullable = true },
        { .name = "day", .type = { .id = VEC_DATE }, .nullable = true },
    };
    vec_schema sch = { .n_fields = 3, .fields = fs };
    st_error err;
    delta_txn *t = NULL;
    int64_t v = -1;
    delta_create_options co = { .schema = &sch };
    cr_assert_eq(delta_txn_begin(table, &co, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_commit(t, "CREATE TABLE", NULL, &v, &err), ST_OK, "%s", err.msg);

    vec_field nf[3];
    memcpy(nf, fs, sizeof nf);
    vec_schema ns = { .n_fields = 3, .fields = nf };
    delta_create_options m = { .schema = &ns };
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    /* bigint -> int narrows */
    nf[0].type.id = VEC_INT32;
    cr_assert_eq(delta_txn_set_metadata(t, &m, NULL, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "column \"id\"") && strstr(err.msg, "widening"), "%s", err.msg);
    char want[128], ob[32], nb[32];
    vec_type_format(&fs[0].type, ob, sizeof ob);
    vec_type_format(&nf[0].type, nb, sizeof nb);
    snprintf(want, sizeof want, "from %s to %s", ob, nb);
    cr_assert(strstr(err.msg, want), "%s", err.msg);
    /* bigint -> string is no widening either */
    nf[0].type.id = VEC_STRING;
    cr_assert_eq(delta_txn_set_metadata(t, &m, NULL, &err), ST_ERR_ARGUMENT);
    nf[0] = fs[0];
    /* decimal(10,2) -> decimal(10,3) loses an integer digit; (12,3) is fine */
    nf[1].type.scale = 3;
    cr_assert_eq(delta_txn_set_metadata(t, &m, NULL, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "column \"d\""), "%s", err.msg);
    nf[1].type.precision = 12;
    /* date -> timestamp_ntz widens; timestamp (with zone) does not */
    nf[2].type.id = VEC_TIMESTAMP;
    cr_assert_eq(delta_txn_set_metadata(t, &m, NULL, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "column \"day\""), "%s", err.msg);
    nf[2].type.id = VEC_TIMESTAMP_NTZ;
    cr_assert_eq(delta_txn_set_metadata(t, &m, NULL, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_commit(t, "CHANGE COLUMN", NULL, &v, &err), ST_OK, "%s", err.msg);
    json_t *c = read_commit(table, 1);
    json_t *pr = first_action(c, "protocol");
    cr_assert(str_in_array(json_object_get(pr, "writerFeatures"), "typeWidening"));
    cr_assert(str_in_array(json_object_get(pr, "writerFeatures"), "timestampNtz"));
    json_decref(c);
    delta_snapshot *s = load(table);
    cr_assert_eq(s->meta.schema.fields[1].type.precision, 12);
    cr_assert_eq(s->meta.schema.fields[2].type.id, VEC_TIMESTAMP_NTZ);
    delta_snapshot_free(s);

    /* a refused change keeps the metadata in force; replacing the table
    ** (overwrite) may change any type */
    memcpy(nf, fs, sizeof nf);
    nf[1].type.precision = 12;
    nf[1].type.scale = 3;
    nf[2].type.id = VEC_TIMESTAMP_NTZ;
    nf[0].type.id = VEC_STRING;
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_metadata(t, &m, NULL, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &v, &err), ST_OK, "%s", err.msg);
    c = read_commit(table, 2);
    cr_assert_eq(count_action(c, "metaData"), 0);
    json_decref(c);
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    delta_txn_set_mode(t, DELTA_OVERWRITE);
    cr_assert_eq(delta_txn_set_metadata(t, &m, NULL, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_commit(t, "CREATE OR REPLACE TABLE", NULL, &v, &err), ST_OK, "%s",
                 err.msg);
    s = load(table);
    cr_assert_eq(s->meta.schema.fields[0].type.id, VEC_STRING);
    delta_snapshot_free(s);
    tu_rm_rf(table);
    free(table);
}
