/* delta_dv_write_test.c -- writing deletion vectors (delta_dv_write.c):
** delta_txn_delete_rows on a table with delta.enableDeletionVectors read
** back through delta_snapshot_load/delta_scan (exact remaining rows), union
** with an existing DV and across calls, a fully deleted file removed, abort
** and a failed (conflicting) commit leave no DV file, the commit's
** add.deletionVector / stats / remove fields and the DV file bytes, the
** bitmap and Z85 encoders against the decoders of delta_dv.c, and more
** deletes on a Spark-written table with deletion vectors. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "delta/delta_dv_int.h"
#include "delta/delta_scan_int.h"
#include "delta/delta_write.h"
#include "test_util.h"

#define GOLDEN "/work/shared/testdata/delta/golden"

static void rm_rf(char *p)
{
    tu_rm_rf(p);
    free(p);
}

static vec_field kv_fields[2] = {
    { .name = "id", .type = { .id = VEC_INT64 }, .nullable = true },
    { .name = "name", .type = { .id = VEC_STRING }, .nullable = true },
};
static vec_schema kv_schema = { .n_fields = 2, .fields = kv_fields };

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

/* One commit of ids [from, from + n) (one data file); creates the table
** (with DVs enabled when dv) when create is set. */
static void append(const char *table, bool create, bool dv, int64_t from, int64_t n)
{
    const char *keys[] = { "delta.enableDeletionVectors" };
    const char *vals[] = { "true" };
    delta_create_options c = { .schema = &kv_schema, .n_config = dv ? 1 : 0,
                               .config_keys = keys, .config_values = vals };
    st_error err;
    st_error_init(&err);
    delta_txn *t = NULL;
    cr_assert_eq(delta_txn_begin(table, create ? &c : NULL, &t, &err), ST_OK, "%s", err.msg);
    vec_batch *b = kv_batch(from, n);
    cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
    vec_batch_free(b);
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, NULL, &err), ST_OK, "%s", err.msg);
}

/* A table of 3 files: ids 0..9, 10..19, 20..29. */
static char *three_files(const char *tag)
{
    char *table = tu_tmp_dir(tag);
    append(table, true, true, 0, 10);
    append(table, false, false, 10, 10);
    append(table, false, false, 20, 10);
    return table;
}

static delta_snapshot *load(const char *table)
{
    st_error err;
    st_error_init(&err);
    delta_snapshot *s = NULL;
    cr_assert_eq(delta_snapshot_load(table, NULL, &s, &err), ST_OK, "%s", err.msg);
    return s;
}

/* numRecords / minValues.id / tightBounds of a file's stats. */
static int64_t stat_int(const delta_file *f, const char *what)
{
    json_t *o = json_loads(f->stats, 0, NULL);
    cr_assert(o != NULL, "bad stats %s", f->stats);
    json_t *v = strcmp(what, "min") == 0 ? json_object_get(json_object_get(o, "minValues"), "id")
                                         : json_object_get(o, what);
    int64_t r = json_is_integer(v) ? (int64_t)json_integer_value(v)
              : json_is_boolean(v) ? (json_is_true(v) ? 1 : 0) : -1;
    json_decref(o);
    return r;
}

/* The live file whose smallest id is min_id (NULL if none). */
static const delta_file *file_with_min(const delta_snapshot *s, int64_t min_id)
{
    for (size_t i = 0; i < s->n_files; i++)
        if (stat_int(&s->files[i], "min") == min_id)
            return &s->files[i];
    return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sorted first-column values (int or bigint) of a full scan; returns count. */
static size_t scan_ids(const delta_snapshot *s, int64_t *out, size_t cap)
{
    st_error err;
    st_error_init(&err);
    delta_scan *sc = NULL;
    cr_assert_eq(delta_scan_open(s, NULL, &sc, &err), ST_OK, "%s", err.msg);
    size_t n = 0;
    for (;;) {
        vec_batch *b = NULL;
        cr_assert_eq(delta_scan_next(sc, &b, &err), ST_OK, "%s", err.msg);
        if (!b)
            break;
        for (int64_t i = 0; i < b->n_rows; i++) {
            cr_assert(n < cap);
            out[n++] = b->cols[0]->type->id == VEC_INT64 ? ((int64_t *)b->cols[0]->values)[i]
                                                         : ((int32_t *)b->cols[0]->values)[i];
        }
        vec_batch_free(b);
    }
    delta_scan_close(sc);
    qsort(out, n, sizeof *out, cmp_i64);
    return n;
}

/* Checks that the scan yields exactly ids 0..29 minus gone[0..n_gone). */
static void expect_ids(const char *table, const int64_t *gone, size_t n_gone, int64_t total)
{
    delta_snapshot *s = load(table);
    int64_t got[64], want[64];
    size_t n = scan_ids(s, got, 64), m = 0;
    for (int64_t id = 0; id < total; id++) {
        bool g = false;
        for (size_t k = 0; k < n_gone; k++)
            g |= gone[k] == id;
        if (!g)
            want[m++] = id;
    }
    cr_assert_eq(n, m, "scan returned %zu rows, expected %zu", n, m);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(got[i], want[i], "row %zu: %lld vs %lld", i, (long long)got[i],
                     (long long)want[i]);
    delta_snapshot_free(s);
}

static int count_dv_files(const char *table)
{
    DIR *d = opendir(table);
    cr_assert(d != NULL);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, "deletion_vector_", 16) == 0;
    closedir(d);
    return n;
}

static void delete_rows(delta_txn *t, const delta_file *f, const uint64_t *rows, size_t n)
{
    st_error err;
    st_error_init(&err);
    cr_assert_eq(delta_txn_delete_rows(t, f, rows, n, &err), ST_OK, "%s", err.msg);
}

static delta_txn *begin(const char *table)
{
    st_error err;
    st_error_init(&err);
    delta_txn *t = NULL;
    cr_assert_eq(delta_txn_begin(table, NULL, &t, &err), ST_OK, "%s", err.msg);
    return t;
}

static int64_t commit(delta_txn *t)
{
    st_error err;
    st_error_init(&err);
    int64_t v = -1;
    cr_assert_eq(delta_txn_commit(t, "DELETE", NULL, &v, &err), ST_OK, "%s", err.msg);
    return v;
}

/* ---- tests ---------------------------------------------------------------- */

Test(delta_dv_write, delete_from_two_files)
{
    char *table = three_files("two");
    delta_snapshot *s0 = load(table);
    cr_assert(delta_dv_enabled(s0));
    delta_txn *t = begin(table);
    const delta_snapshot *s = delta_txn_snapshot(t);
    static const uint64_t ra[] = { 1, 3 }, rb[] = { 0, 9 };
    delete_rows(t, file_with_min(s, 0), ra, 2);
    delete_rows(t, file_with_min(s, 10), rb, 2);
    commit(t);
    delta_snapshot_free(s0);
    static const int64_t gone[] = { 1, 3, 10, 19 };
    expect_ids(table, gone, 4, 30);
    delta_snapshot *s1 = load(table);
    cr_assert_eq(s1->n_files, 3);
    const delta_file *a = file_with_min(s1, 0), *b = file_with_min(s1, 10),
                     *c = file_with_min(s1, 20);
    cr_assert(a && b && c);
    cr_assert(a->has_dv && b->has_dv && !c->has_dv);
    cr_assert_eq(a->dv.cardinality, 2);
    cr_assert_eq(b->dv.cardinality, 2);
    cr_assert_eq(stat_int(a, "numRecords"), 10);
    cr_assert_eq(stat_int(a, "tightBounds"), 0);
    cr_assert_eq(stat_int(c, "tightBounds"), -1);        /* untouched file: no flag */
    cr_assert_eq(count_dv_files(table), 1);              /* one DV file per transaction */
    cr_assert_str_eq(a->dv.path_or_inline_dv, b->dv.path_or_inline_dv);
    delta_snapshot_free(s1);
    rm_rf(table);
}

Test(delta_dv_write, union_with_existing_and_repeated_calls)
{
    char *table = three_files("union");
    delta_txn *t = begin(table);
    static const uint64_t r1[] = { 1, 3 };
    delete_rows(t, file_with_min(delta_txn_snapshot(t), 0), r1, 2);
    commit(t);
    t = begin(table);
    const delta_file *f = file_with_min(delta_txn_snapshot(t), 0);
    static const uint64_t r2[] = { 3, 5 }, r3[] = { 2, 7 }, r4[] = { 7 };
    delete_rows(t, f, r2, 2);
    delete_rows(t, f, r3, 2);
    delete_rows(t, f, r4, 1);
    commit(t);
    static const int64_t gone[] = { 1, 2, 3, 5, 7 };
    expect_ids(table, gone, 5, 30);
    delta_snapshot *s = load(table);
    cr_assert_eq(file_with_min(s, 0)->dv.cardinality, 5);
    delta_snapshot_free(s);
    rm_rf(table);
}

Test(delta_dv_write, all_rows_deleted_removes_file)
{
    char *table = three_files("all");
    delta_txn *t = begin(table);
    static const uint64_t half[] = { 0, 1, 2, 3, 4 }, rest[] = { 4, 5, 6, 7, 8, 9 };
    static const uint64_t all[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    delete_rows(t, file_with_min(delta_txn_snapshot(t), 10), half, 5);
    commit(t);
    t = begin(table);
    delete_rows(t, file_with_min(delta_txn_snapshot(t), 10), rest, 6);    /* with the old DV */
    delete_rows(t, file_with_min(delta_txn_snapshot(t), 20), all, 10);
    int64_t v = commit(t);
    delta_snapshot *s = load(table);
    cr_assert_eq(s->n_files, 1);
    cr_assert_eq(stat_int(&s->files[0], "min"), 0);
    cr_assert(!s->files[0].has_dv);
    delta_snapshot_free(s);
    int64_t gone[20];
    for (int i = 0; i < 20; i++)
        gone[i] = 10 + i;
    expect_ids(table, gone, 20, 30);
    /* no DV was needed by the last commit: only the first commit's file */
    cr_assert_eq(count_dv_files(table), 1);
    char path[512];
    snprintf(path, sizeof path, "%s/_delta_log/%020lld.json", table, (long long)v);
    FILE *fp = fopen(path, "r");
    cr_assert(fp != NULL);
    char line[8192];
    int adds = 0, removes = 0;
    while (fgets(line, sizeof line, fp)) {
        adds += strncmp(line, "{\"add\"", 6) == 0;
        removes += strncmp(line, "{\"remove\"", 9) == 0;
    }
    fclose(fp);
    cr_assert_eq(adds, 0);
    cr_assert_eq(removes, 2);
    rm_rf(table);
}

Test(delta_dv_write, abort_and_failed_commit_leave_no_dv_file)
{
    char *table = three_files("abort");
    delta_txn *t = begin(table);
    static const uint64_t r[] = { 4 }, r2[] = { 6 };
    delete_rows(t, file_with_min(delta_txn_snapshot(t), 0), r, 1);
    delta_txn_abort(t);
    cr_assert_eq(count_dv_files(table), 0);
    expect_ids(table, NULL, 0, 30);
    /* two transactions delete from the same file; the second to commit
    ** conflicts and its DV file (written at commit) is deleted */
    delta_txn *t1 = begin(table), *t2 = begin(table);
    delete_rows(t1, file_with_min(delta_txn_snapshot(t1), 0), r, 1);
    delete_rows(t2, file_with_min(delta_txn_snapshot(t2), 0), r2, 1);
    commit(t2);
    cr_assert_eq(count_dv_files(table), 1);
    st_error err;
    st_error_init(&err);
    cr_assert_eq(delta_txn_commit(t1, "DELETE", NULL, NULL, &err), ST_ERR_CONFLICT, "%s", err.msg);
    cr_assert_eq(count_dv_files(table), 1);
    static const int64_t gone[] = { 6 };
    expect_ids(table, gone, 1, 30);
    rm_rf(table);
}

/* The add / remove lines of commit v as parsed JSON (caller decrefs). */
static json_t *commit_actions(const char *table, int64_t v, const char *key)
{
    char path[512];
    snprintf(path, sizeof path, "%s/_delta_log/%020lld.json", table, (long long)v);
    FILE *fp = fopen(path, "r");
    cr_assert(fp != NULL);
    json_t *arr = json_array();
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, fp) > 0) {
        json_t *o = json_loads(line, 0, NULL);
        cr_assert(o != NULL);
        if (json_object_get(o, key))
            json_array_append(arr, json_object_get(o, key));
        json_decref(o);
    }
    free(line);
    fclose(fp);
    return arr;
}

Test(delta_dv_write, commit_json_and_dv_file_bytes)
{
    char *table = three_files("json");
    delta_txn *t = begin(table);
    const delta_snapshot *s = delta_txn_snapshot(t);
    const delta_file *fa = file_with_min(s, 0);
    char *path_a = strdup(fa->path);
    static const uint64_t ra[] = { 0, 2, 4, 6, 8 }, rc_[] = { 9 };
    delete_rows(t, fa, ra, 5);
    delete_rows(t, file_with_min(s, 20), rc_, 1);
    int64_t v = commit(t);
    json_t *adds = commit_actions(table, v, "add"), *rms = commit_actions(table, v, "remove");
    cr_assert_eq(json_array_size(adds), 2);
    cr_assert_eq(json_array_size(rms), 2);
    size_t i;
    json_t *a;
    int32_t offsets[2];
    int32_t sizes[2];
    int k = 0;
    json_array_foreach(adds, i, a) {
        json_t *dv = json_object_get(a, "deletionVector");
        cr_assert(dv != NULL);
        cr_assert_str_eq(json_string_value(json_object_get(dv, "storageType")), "u");
        cr_assert_eq(strlen(json_string_value(json_object_get(dv, "pathOrInlineDv"))), 20);
        bool is_a = strcmp(json_string_value(json_object_get(a, "path")), path_a) == 0;
        cr_assert_eq(json_integer_value(json_object_get(dv, "cardinality")), is_a ? 5 : 1);
        offsets[k] = (int32_t)json_integer_value(json_object_get(dv, "offset"));
        sizes[k++] = (int32_t)json_integer_value(json_object_get(dv, "sizeInBytes"));
        cr_assert(json_is_true(json_object_get(a, "dataChange")));
        json_t *st = json_loads(json_string_value(json_object_get(a, "stats")), 0, NULL);
        cr_assert_eq(json_integer_value(json_object_get(st, "numRecords")), 10);
        cr_assert(json_is_false(json_object_get(st, "tightBounds")));
        cr_assert(json_object_get(st, "minValues") != NULL);
        json_decref(st);
    }
    /* DVs sit back to back after the version byte: size(4) bitmap crc(4) */
    int32_t lo = offsets[0] < offsets[1] ? 0 : 1;
    cr_assert_eq(offsets[lo], 1);
    cr_assert_eq(offsets[1 - lo], 1 + 4 + sizes[lo] + 4);
    json_array_foreach(rms, i, a) {
        cr_assert(json_is_true(json_object_get(a, "dataChange")));
        cr_assert(json_object_get(a, "deletionVector") == NULL);     /* had none before */
    }
    json_decref(adds);
    json_decref(rms);
    /* read back through delta_dv.c */
    delta_snapshot *s1 = load(table);
    const delta_file *f1 = file_with_min(s1, 0);
    st_arena *ar = st_arena_new(0);
    st_error err;
    st_error_init(&err);
    uint64_t *rows = NULL;
    int64_t n = 0;
    cr_assert_eq(delta_dv_load(table, &f1->dv, ar, &rows, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 5);
    for (int j = 0; j < 5; j++)
        cr_assert_eq(rows[j], ra[j]);
    char *file = NULL;
    cr_assert_eq(delta_dv_file_path(table, &f1->dv, ar, &file, &err), ST_OK);
    FILE *fp = fopen(file, "rb");
    cr_assert(fp != NULL, "missing %s", file);
    uint8_t head[5];
    cr_assert_eq(fread(head, 1, 5, fp), 5);
    fclose(fp);
    cr_assert_eq(head[0], 1);
    cr_assert_eq(st_load_be32(head + 1), (uint32_t)sizes[lo]);
    st_arena_free(ar);
    delta_snapshot_free(s1);
    free(path_a);
    rm_rf(table);
}

Test(delta_dv_write, not_enabled_and_bad_arguments)
{
    char *table = tu_tmp_dir("off");
    append(table, true, false, 0, 10);
    delta_snapshot *s = load(table);
    cr_assert(!delta_dv_enabled(s));
    delta_snapshot_free(s);
    delta_txn *t = begin(table);
    st_error err;
    st_error_init(&err);
    static const uint64_t r[] = { 1 };
    cr_assert_eq(delta_txn_delete_rows(t, &delta_txn_snapshot(t)->files[0], r, 1, &err),
                 ST_ERR_UNSUPPORTED);
    cr_assert(strstr(err.msg, "does not have deletion vectors enabled") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "delta.enableDeletionVectors") != NULL);
    delta_txn_abort(t);
    rm_rf(table);

    table = three_files("args");
    t = begin(table);
    const delta_file *f = file_with_min(delta_txn_snapshot(t), 0);
    static const uint64_t unsorted[] = { 3, 2 }, past[] = { 10 };
    cr_assert_eq(delta_txn_delete_rows(t, f, unsorted, 2, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(delta_txn_delete_rows(t, f, past, 1, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "10 rows") != NULL, "%s", err.msg);
    delta_file ghost = *f;
    ghost.path = "no-such-file.parquet";
    cr_assert_eq(delta_txn_delete_rows(t, &ghost, r, 1, &err), ST_ERR_ARGUMENT);
    delta_txn_abort(t);
    cr_assert_eq(count_dv_files(table), 0);
    rm_rf(table);
}

Test(delta_dv_write, encoders_round_trip)
{
    /* ZeroMQ RFC 32 test vector */
    static const uint8_t hello[8] = { 0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B };
    char z[11];
    delta_z85_encode(hello, 8, z);
    cr_assert_str_eq(z, "HelloWorld");
    uint8_t back[8];
    st_error err;
    st_error_init(&err);
    cr_assert_eq(delta_z85_decode(z, 10, back, &err), ST_OK);
    cr_assert_eq(memcmp(back, hello, 8), 0);
    /* several 32-bit buckets, runs and singletons */
    uint64_t rows[300];
    size_t n = 0;
    for (uint64_t i = 0; i < 100; i++)
        rows[n++] = 1000 + i;
    rows[n++] = 70000;
    rows[n++] = ((uint64_t)1 << 32) | 5;
    rows[n++] = ((uint64_t)7 << 32) | 0xFFFFFFFFu;
    st_buf b;
    st_buf_init(&b);
    cr_assert_eq(delta_dv_encode_bitmap(rows, n, &b, &err), ST_OK);
    cr_assert_eq(st_load_le32(b.data), 1681511377u);
    cr_assert_eq(st_load_le64(b.data + 4), 3);
    st_arena *a = st_arena_new(0);
    uint64_t *got = NULL;
    int64_t ng = 0;
    cr_assert_eq(delta_dv_decode_bitmap(b.data, b.len, "test", a, &got, &ng, &err), ST_OK,
                 "%s", err.msg);
    cr_assert_eq(ng, (int64_t)n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(got[i], rows[i]);
    st_buf_clear(&b);
    cr_assert_eq(delta_dv_encode_bitmap(NULL, 0, &b, &err), ST_OK);     /* empty */
    cr_assert_eq(delta_dv_decode_bitmap(b.data, b.len, "empty", a, &got, &ng, &err), ST_OK);
    cr_assert_eq(ng, 0);
    st_buf_destroy(&b);
    st_arena_free(a);
}

/* Spark wrote table-with-dv-small: values 0..9 at positions 0..9, its DV
** deletes positions 0 and 9. strata deletes 3, 4 and 0 (already gone). */
Test(delta_dv_write, spark_table_more_deletes)
{
    char *table = tu_tmp_dir("spark");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cp -r '%s/table-with-dv-small/.' '%s/'", GOLDEN, table);
    cr_assert_eq(system(cmd), 0);
    delta_snapshot *s = load(table);
    cr_assert(delta_dv_enabled(s));
    int64_t ids[16];
    cr_assert_eq(scan_ids(s, ids, 16), 8);
    delta_snapshot_free(s);
    delta_txn *t = begin(table);
    const delta_file *f = &delta_txn_snapshot(t)->files[0];
    cr_assert(f->has_dv);
    static const uint64_t r[] = { 0, 3, 4 };
    delete_rows(t, f, r, 3);
    commit(t);
    s = load(table);
    cr_assert_eq(s->n_files, 1);
    cr_assert_eq(s->files[0].dv.cardinality, 4);
    cr_assert_eq(stat_int(&s->files[0], "numRecords"), 10);
    size_t n = scan_ids(s, ids, 16);
    static const int64_t want[] = { 1, 2, 5, 6, 7, 8 };
    cr_assert_eq(n, 6);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(ids[i], want[i]);
    delta_snapshot_free(s);
    cr_assert_eq(count_dv_files(table), 2);       /* Spark's (still in the log's history) + ours */
    rm_rf(table);
}
