/* delta_maint_test.c -- table maintenance (delta_maint.c, delta_zorder.c):
** VACUUM keeps live and recently removed files, deletes old unreferenced
** ones (mtimes set with utimes, a fixed now_ms), honours the retention, dry
** runs and the retention check, records VACUUM START/END commits and removes
** emptied partition folders; RESTORE brings back exactly an older version's
** rows and files with Delta's metrics, commits nothing for the current
** version and refuses vacuumed files; OPTIMIZE compacts small files
** (same rows, dataChange false, metrics), leaves partitions keep() rejects
** alone, and ZORDER BY measurably tightens the files' min/max ranges. */
#include <criterion/criterion.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "delta/delta_scan_int.h"
#include "delta/delta_write.h"
#include "delta/delta_zorder.h"
#include "store/store.h"
#include "test_util.h"

/* ---- tables of int64 and string columns ----------------------------------- */

/* Row generator: for int64 columns *iv, for strings sv (cap 64). */
typedef void (*row_gen)(int col, int64_t row, int64_t *iv, char *sv);

static vec_batch *make_batch(const vec_schema *s, int64_t from, int64_t n, row_gen gen)
{
    st_error err;
    vec_batch *b = vec_batch_new(s, s->n_fields, 0);
    for (int c = 0; c < s->n_fields; c++) {
        vec_builder *bl = vec_builder_new(&s->fields[c].type);
        for (int64_t i = from; i < from + n; i++) {
            int64_t iv = 0;
            char sv[64] = "";
            gen(c, i, &iv, sv);
            if (s->fields[c].type.id == VEC_STRING)
                cr_assert_eq(vec_builder_append_bytes(bl, sv, strlen(sv), &err), ST_OK);
            else
                cr_assert_eq(vec_builder_append_i64(bl, iv, &err), ST_OK);
        }
        cr_assert_eq(vec_builder_finish(bl, b->arena, &b->cols[c], &err), ST_OK);
        vec_builder_free(bl);
    }
    b->n_rows = n;
    return b;
}

/* Commits rows [from, from + n) (create: a new table with these options). */
static int64_t write_rows(const char *table, const delta_create_options *create,
                          const vec_schema *s, delta_write_mode mode, int64_t from, int64_t n,
                          row_gen gen)
{
    st_error err;
    st_error_init(&err);
    delta_txn *t = NULL;
    cr_assert_eq(delta_txn_begin(table, create, &t, &err), ST_OK, "%s", err.msg);
    delta_txn_set_mode(t, mode);
    vec_batch *b = make_batch(s, from, n, gen);
    cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
    vec_batch_free(b);
    int64_t v = -2;
    cr_assert_eq(delta_txn_commit(t, create ? "CREATE TABLE" : "WRITE", NULL, &v, &err), ST_OK,
                 "%s", err.msg);
    return v;
}

static delta_snapshot *load_at(const char *table, int64_t version)
{
    st_error err;
    st_error_init(&err);
    delta_read_options o = { .has_version = version >= 0, .version = version };
    delta_snapshot *s = NULL;
    cr_assert_eq(delta_snapshot_load(table, &o, &s, &err), ST_OK, "%s", err.msg);
    return s;
}

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every row of the snapshot as "v1|v2|..." text, sorted (a multiset). */
static char **rows_of(const delta_snapshot *s, int64_t *n_out)
{
    st_error err;
    st_error_init(&err);
    delta_scan *sc = NULL;
    cr_assert_eq(delta_scan_open(s, NULL, &sc, &err), ST_OK, "%s", err.msg);
    char **rows = NULL;
    int64_t n = 0, cap = 0;
    st_buf line;
    st_buf_init(&line);
    for (;;) {
        vec_batch *b = NULL;
        cr_assert_eq(delta_scan_next(sc, &b, &err), ST_OK, "%s", err.msg);
        if (!b)
            break;
        for (int64_t i = 0; i < b->n_rows; i++) {
            st_buf_clear(&line);
            for (int c = 0; c < b->n_cols; c++) {
                if (c > 0)
                    cr_assert_eq(st_buf_append_byte(&line, '|', &err), ST_OK);
                cr_assert_eq(vec_format_value(b->cols[c], i, VEC_FMT_TEXT, &line, &err), ST_OK);
            }
            cr_assert_eq(st_buf_append_byte(&line, '\0', &err), ST_OK);
            if (n == cap) {
                cap = cap ? 2 * cap : 256;
                rows = realloc(rows, (size_t)cap * sizeof *rows);
            }
            rows[n++] = strdup((const char *)line.data);
        }
        vec_batch_free(b);
    }
    delta_scan_close(sc);
    st_buf_destroy(&line);
    if (n > 1)
        qsort(rows, (size_t)n, sizeof *rows, cmp_strp);
    *n_out = n;
    return rows;
}

static void free_rows(char **rows, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        free(rows[i]);
    free(rows);
}

static void assert_same_rows(const delta_snapshot *a, const delta_snapshot *b)
{
    int64_t na, nb;
    char **ra = rows_of(a, &na), **rb = rows_of(b, &nb);
    cr_assert_eq(na, nb, "row counts differ: %lld vs %lld", (long long)na, (long long)nb);
    for (int64_t i = 0; i < na; i++)
        cr_assert_str_eq(ra[i], rb[i], "row %lld differs", (long long)i);
    free_rows(ra, na);
    free_rows(rb, nb);
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

static json_t *commit_info(json_t *arr)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        json_t *ci = json_object_get(o, "commitInfo");
        if (ci)
            return ci;
    }
    cr_assert_fail("commit has no commitInfo");
    return NULL;
}

static int64_t metric(json_t *ci, const char *key)
{
    json_t *v = json_object_get(json_object_get(ci, "operationMetrics"), key);
    cr_assert(json_is_string(v), "metric %s missing or not a string", key);
    return atoll(json_string_value(v));
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

static void set_mtime(const char *path, int64_t ms)
{
    struct timeval tv[2];
    tv[0].tv_sec = tv[1].tv_sec = (time_t)(ms / 1000);
    tv[0].tv_usec = tv[1].tv_usec = (suseconds_t)(ms % 1000) * 1000;
    cr_assert_eq(utimes(path, tv), 0, "utimes %s", path);
}

static void touch(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL, "create %s", path);
    fputs(text, f);
    fclose(f);
}

static char *local_of(const delta_snapshot *s, const delta_file *f, st_arena *a)
{
    char *p = delta_resolve_path(s->table, f->path, a);
    cr_assert(p != NULL);
    return p;
}

/* ---- id bigint, name string --------------------------------------------------- */

static vec_field kv_fields[2] = {
    { .name = "id", .type = { .id = VEC_INT64 }, .nullable = true },
    { .name = "name", .type = { .id = VEC_STRING }, .nullable = true },
};
static const vec_schema kv_schema = { .n_fields = 2, .fields = kv_fields };

static void kv_gen(int col, int64_t row, int64_t *iv, char *sv)
{
    *iv = row;
    snprintf(sv, 64, "row%lld", (long long)row);
}

static const delta_create_options kv_create = { .schema = &kv_schema };

#define DAY_MS (24LL * 3600 * 1000)

/* ---- VACUUM ------------------------------------------------------------------- */

Test(delta_maint, vacuum_keeps_live_deletes_old)
{
    char *t = tu_tmp_dir("vac");
    write_rows(t, &kv_create, &kv_schema, DELTA_APPEND, 0, 100, kv_gen);
    write_rows(t, NULL, &kv_schema, DELTA_APPEND, 100, 100, kv_gen);
    delta_snapshot *before = load_at(t, -1);
    int64_t v2 = write_rows(t, NULL, &kv_schema, DELTA_OVERWRITE, 200, 50, kv_gen);
    delta_snapshot *s = load_at(t, -1);
    cr_assert_eq(s->version, v2);
    cr_assert_eq(s->n_files, 1);
    cr_assert_eq(s->n_tombstones, 2);
    st_arena *a = st_arena_new(0);
    int64_t now = delta_now_ms();
    /* Unreferenced files: an orphan at the top, one in a plain subfolder;
    ** hidden names the vacuum must not touch. */
    char *orphan = st_arena_printf(a, "%s/part-orphan.snappy.parquet", t);
    char *subdir = st_arena_printf(a, "%s/sub", t);
    char *subfile = st_arena_printf(a, "%s/sub/x.bin", t);
    char *hidden1 = st_arena_printf(a, "%s/_hidden.txt", t);
    char *hidden2 = st_arena_printf(a, "%s/.hidden", t);
    cr_assert_eq(mkdir(subdir, 0755), 0);
    touch(orphan, "orphan");
    touch(subfile, "xx");
    touch(hidden1, "h");
    touch(hidden2, "h");
    char *live = local_of(s, &s->files[0], a);
    char *gone[2];
    int64_t gone_bytes = 0;
    for (int i = 0; i < 2; i++) {
        gone[i] = local_of(s, &s->tombstones[i], a);
        gone_bytes += s->tombstones[i].size;
    }
    const char *all[] = { orphan, subfile, hidden1, hidden2, live, gone[0], gone[1] };
    for (size_t i = 0; i < ST_ARRAY_LEN(all); i++)
        set_mtime(all[i], now - 30 * DAY_MS);

    /* Dry run now: tombstones are younger than 7 days, so only the two
    ** unreferenced files qualify; nothing is deleted or committed. */
    st_error err;
    st_error_init(&err);
    delta_vacuum_options o = { .retain_hours = -1, .dry_run = true, .check_retention = true,
                               .now_ms = now };
    char **paths = NULL;
    int64_t n = -1;
    cr_assert_eq(delta_vacuum(t, &o, a, &paths, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 2);
    cr_expect_str_eq(paths[0], orphan);
    cr_expect_str_eq(paths[1], subfile);
    cr_assert(store_exists(orphan) && store_exists(subfile));
    delta_snapshot *s2 = load_at(t, -1);
    cr_assert_eq(s2->version, v2, "a dry run commits nothing");
    delta_snapshot_free(s2);

    /* Eight days later the tombstones expired too. */
    o.dry_run = false;
    o.now_ms = now + 8 * DAY_MS;
    cr_assert_eq(delta_vacuum(t, &o, a, &paths, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 4);
    for (int64_t i = 0; i < n; i++)
        cr_expect(!store_exists(paths[i]), "%s survived", paths[i]);
    cr_expect(!store_exists(gone[0]) && !store_exists(gone[1]));
    cr_expect(!store_exists(orphan) && !store_exists(subfile));
    cr_expect(!store_exists(subdir), "the emptied folder is removed");
    cr_expect(store_exists(live) && store_exists(hidden1) && store_exists(hidden2));
    cr_expect(store_exists(t));

    /* VACUUM START and END commits with Delta's parameters and metrics. */
    json_t *c1 = read_commit(t, v2 + 1), *c2 = read_commit(t, v2 + 2);
    json_t *ci1 = commit_info(c1), *ci2 = commit_info(c2);
    cr_expect_eq(json_array_size(c1), 1, "no file actions");
    cr_expect_eq(json_array_size(c2), 1, "no file actions");
    cr_expect_str_eq(json_string_value(json_object_get(ci1, "operation")), "VACUUM START");
    json_t *p1 = json_object_get(ci1, "operationParameters");
    cr_expect(json_is_true(json_object_get(p1, "retentionCheckEnabled")));
    cr_expect_eq(json_integer_value(json_object_get(p1, "defaultRetentionMillis")), 7 * DAY_MS);
    cr_expect(json_object_get(p1, "specifiedRetentionMillis") == NULL);
    cr_expect_eq(metric(ci1, "numFilesToDelete"), 4);
    cr_expect_eq(metric(ci1, "sizeOfDataToDelete"), gone_bytes + 6 + 2);
    cr_expect_str_eq(json_string_value(json_object_get(ci2, "operation")), "VACUUM END");
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(ci2, "operationParameters"),
                                                       "status")), "COMPLETED");
    cr_expect_eq(metric(ci2, "numDeletedFiles"), 4);
    cr_expect_eq(metric(ci2, "numVacuumedDirectories"), 2);
    json_decref(c1);
    json_decref(c2);

    /* The table still reads: exactly the overwrite's rows. */
    s2 = load_at(t, -1);
    cr_expect_eq(s2->version, v2 + 2);
    assert_same_rows(s, s2);
    delta_snapshot_free(s2);
    delta_snapshot_free(s);
    delta_snapshot_free(before);
    st_arena_free(a);
    tu_rm_rf(t);
    free(t);
}

Test(delta_maint, vacuum_retention_and_check)
{
    char *t = tu_tmp_dir("vacret");
    write_rows(t, &kv_create, &kv_schema, DELTA_APPEND, 0, 10, kv_gen);
    st_arena *a = st_arena_new(0);
    int64_t now = delta_now_ms();
    char *young = st_arena_printf(a, "%s/young.parquet", t);
    touch(young, "abc");
    set_mtime(young, now - 2 * 3600 * 1000);    /* two hours old */
    st_error err;
    st_error_init(&err);
    char **paths = NULL;
    int64_t n = -1;

    /* Default retention (7 days): kept. */
    delta_vacuum_options o = { .retain_hours = -1, .check_retention = true, .now_ms = now };
    cr_assert_eq(delta_vacuum(t, &o, a, &paths, &n, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(n, 0);
    cr_expect(store_exists(young));

    /* One hour with the check on: refused, nothing deleted or committed. */
    delta_snapshot *s = load_at(t, -1);
    int64_t v = s->version;
    delta_snapshot_free(s);
    o.retain_hours = 1;
    cr_assert_eq(delta_vacuum(t, &o, a, &paths, &n, &err), ST_ERR_ARGUMENT);
    cr_expect(strstr(err.msg, "retention period") != NULL, "%s", err.msg);
    cr_expect(strstr(err.msg, "168 hours") != NULL, "%s", err.msg);
    cr_expect(strstr(err.hint, "spark.databricks.delta.retentionDurationCheck.enabled = false")
              != NULL, "%s", err.hint);
    cr_expect(store_exists(young));
    s = load_at(t, -1);
    cr_expect_eq(s->version, v);
    delta_snapshot_free(s);

    /* Three hours with the check off: still too young. One hour: deleted. */
    o.check_retention = false;
    o.retain_hours = 3;
    st_error_init(&err);
    cr_assert_eq(delta_vacuum(t, &o, a, &paths, &n, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(n, 0);
    cr_expect(store_exists(young));
    o.retain_hours = 1;
    cr_assert_eq(delta_vacuum(t, &o, a, &paths, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 1);
    cr_expect_str_eq(paths[0], young);
    cr_expect(!store_exists(young));
    json_t *c = read_commit(t, v + 3);               /* START of the last vacuum */
    json_t *p = json_object_get(commit_info(c), "operationParameters");
    cr_expect(json_is_false(json_object_get(p, "retentionCheckEnabled")));
    cr_expect_eq(json_integer_value(json_object_get(p, "specifiedRetentionMillis")), 3600000);
    json_decref(c);

    /* A table whose own retention is one hour accepts two with the check on. */
    char *t2 = tu_tmp_dir("vacret2");
    const char *keys[] = { "delta.deletedFileRetentionDuration" };
    const char *vals[] = { "interval 1 hours" };
    delta_create_options cr = { .schema = &kv_schema, .n_config = 1, .config_keys = keys,
                                .config_values = vals };
    write_rows(t2, &cr, &kv_schema, DELTA_APPEND, 0, 10, kv_gen);
    delta_vacuum_options o2 = { .retain_hours = 2, .check_retention = true, .now_ms = now };
    cr_assert_eq(delta_vacuum(t2, &o2, a, &paths, &n, &err), ST_OK, "%s", err.msg);
    c = read_commit(t2, 1);
    p = json_object_get(commit_info(c), "operationParameters");
    cr_expect_eq(json_integer_value(json_object_get(p, "defaultRetentionMillis")), 3600000);
    json_decref(c);
    st_arena_free(a);
    tu_rm_rf(t);
    tu_rm_rf(t2);
    free(t);
    free(t2);
}

/* ---- id bigint, p string, partitioned by p ------------------------------------- */

static vec_field pt_fields[2] = {
    { .name = "id", .type = { .id = VEC_INT64 }, .nullable = true },
    { .name = "p", .type = { .id = VEC_STRING }, .nullable = true },
};
static const vec_schema pt_schema = { .n_fields = 2, .fields = pt_fields };
static const char *const pt_parts[] = { "p" };
static const delta_create_options pt_create = { .schema = &pt_schema, .n_partition_cols = 1,
                                                .partition_cols = pt_parts };

static void pt_gen(int col, int64_t row, int64_t *iv, char *sv)
{
    *iv = row;
    strcpy(sv, row % 2 ? "b" : "a");
}

static void pt_gen_a(int col, int64_t row, int64_t *iv, char *sv)
{
    *iv = row;
    strcpy(sv, "a");
}

Test(delta_maint, vacuum_removes_emptied_partition_folder)
{
    char *t = tu_tmp_dir("vacpart");
    write_rows(t, &pt_create, &pt_schema, DELTA_APPEND, 0, 40, pt_gen);
    write_rows(t, NULL, &pt_schema, DELTA_OVERWRITE, 100, 10, pt_gen_a);
    st_arena *a = st_arena_new(0);
    char *pa = st_arena_printf(a, "%s/p=a", t), *pb = st_arena_printf(a, "%s/p=b", t);
    cr_assert(store_exists(pb));
    st_error err;
    st_error_init(&err);
    int64_t now = delta_now_ms();
    delta_vacuum_options o = { .retain_hours = -1, .check_retention = true,
                               .now_ms = now + 8 * DAY_MS };
    char **paths = NULL;
    int64_t n = -1;
    cr_assert_eq(delta_vacuum(t, &o, a, &paths, &n, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(n, 2, "the two files of the first write");
    cr_expect(!store_exists(pb), "p=b held only removed files");
    cr_expect(store_exists(pa));
    delta_snapshot *s = load_at(t, -1);
    int64_t nr;
    char **rows = rows_of(s, &nr);
    cr_expect_eq(nr, 10);
    free_rows(rows, nr);
    delta_snapshot_free(s);
    st_arena_free(a);
    tu_rm_rf(t);
    free(t);
}

/* ---- RESTORE ------------------------------------------------------------------ */

static bool has_path(const delta_snapshot *s, const char *path)
{
    for (size_t i = 0; i < s->n_files; i++)
        if (strcmp(s->files[i].path, path) == 0)
            return true;
    return false;
}

Test(delta_maint, restore_older_version)
{
    char *t = tu_tmp_dir("restore");
    write_rows(t, &kv_create, &kv_schema, DELTA_APPEND, 0, 10, kv_gen);        /* v0 */
    write_rows(t, NULL, &kv_schema, DELTA_APPEND, 10, 10, kv_gen);             /* v1 */
    write_rows(t, NULL, &kv_schema, DELTA_OVERWRITE, 100, 5, kv_gen);          /* v2 */
    int64_t v3 = write_rows(t, NULL, &kv_schema, DELTA_APPEND, 200, 2, kv_gen);
    /* Commit times have millisecond resolution: keep the restore's commit
    ** from sharing v3's, or restoring "v3 by timestamp" would mean v4. */
    usleep(20000);
    delta_snapshot *s1 = load_at(t, 1), *s3 = load_at(t, 3);
    int64_t size1 = 0, size3 = 0;
    for (size_t i = 0; i < s1->n_files; i++)
        size1 += s1->files[i].size;
    for (size_t i = 0; i < s3->n_files; i++)
        size3 += s3->files[i].size;

    st_error err;
    st_error_init(&err);
    delta_restore_result r;
    delta_read_options to = { .has_version = true, .version = 1 };
    cr_assert_eq(delta_restore(t, &to, &r, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(r.version, v3 + 1);
    cr_expect_eq(r.num_files_after, 2);
    cr_expect_eq(r.table_size_after, size1);
    cr_expect_eq(r.num_removed_files, 2);
    cr_expect_eq(r.removed_files_size, size3);
    cr_expect_eq(r.num_restored_files, 2);
    cr_expect_eq(r.restored_files_size, size1);

    delta_snapshot *s4 = load_at(t, -1);
    cr_assert_eq(s4->version, v3 + 1);
    assert_same_rows(s1, s4);
    cr_assert_eq(s4->n_files, s1->n_files);
    for (size_t i = 0; i < s1->n_files; i++)
        cr_expect(has_path(s4, s1->files[i].path), "file %s not restored", s1->files[i].path);

    json_t *c = read_commit(t, v3 + 1);
    json_t *ci = commit_info(c);
    cr_expect_eq(count_action(c, "add"), 2);
    cr_expect_eq(count_action(c, "remove"), 2);
    json_t *p = json_object_get(ci, "operationParameters");
    cr_expect_eq(json_integer_value(json_object_get(p, "version")), 1);
    cr_expect(json_is_null(json_object_get(p, "timestamp")));
    cr_expect_eq(metric(ci, "numRestoredFiles"), 2);
    cr_expect_eq(metric(ci, "numRemovedFiles"), 2);
    cr_expect_eq(metric(ci, "restoredFilesSize"), size1);
    cr_expect_eq(metric(ci, "removedFilesSize"), size3);
    cr_expect_eq(metric(ci, "numOfFilesAfterRestore"), 2);
    cr_expect_eq(metric(ci, "tableSizeAfterRestore"), size1);
    json_decref(c);

    delta_commit_info *hist = NULL;
    int nh = 0;
    st_arena *ha = NULL;
    cr_assert_eq(delta_history(t, 1, &hist, &nh, &ha, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(nh, 1);
    cr_expect_str_eq(hist[0].operation, "RESTORE");
    st_arena_free(ha);

    /* Restoring the current version commits nothing. */
    to.version = v3 + 1;
    cr_assert_eq(delta_restore(t, &to, &r, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(r.version, v3 + 1);
    cr_expect_eq(r.num_removed_files + r.num_restored_files, 0);
    delta_snapshot *s5 = load_at(t, -1);
    cr_expect_eq(s5->version, v3 + 1);
    delta_snapshot_free(s5);

    /* Back to version 3 by timestamp: its rows again. */
    delta_read_options by_ts = { .has_timestamp = true, .timestamp_ms = s3->timestamp_ms };
    cr_assert_eq(delta_restore(t, &by_ts, &r, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(r.version, v3 + 2);
    s5 = load_at(t, -1);
    assert_same_rows(s3, s5);
    c = read_commit(t, v3 + 2);
    p = json_object_get(commit_info(c), "operationParameters");
    cr_expect(json_is_null(json_object_get(p, "version")));
    cr_expect(json_is_string(json_object_get(p, "timestamp")));
    json_decref(c);
    delta_snapshot_free(s5);

    delta_snapshot_free(s1);
    delta_snapshot_free(s3);
    delta_snapshot_free(s4);
    tu_rm_rf(t);
    free(t);
}

Test(delta_maint, restore_puts_back_metadata)
{
    char *t = tu_tmp_dir("restmeta");
    write_rows(t, &kv_create, &kv_schema, DELTA_APPEND, 0, 10, kv_gen);        /* v0 */
    /* v1: a third column and a table property. */
    vec_field f3[3] = { kv_fields[0], kv_fields[1],
                        { .name = "extra", .type = { .id = VEC_STRING }, .nullable = true } };
    vec_schema s3 = { .n_fields = 3, .fields = f3 };
    const char *keys[] = { "strata.note" }, *vals[] = { "x" };
    delta_create_options m = { .schema = &s3, .n_config = 1, .config_keys = keys,
                               .config_values = vals, .description = "with extra" };
    st_error err;
    st_error_init(&err);
    delta_txn *tx = NULL;
    cr_assert_eq(delta_txn_begin(t, NULL, &tx, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_set_metadata(tx, &m, NULL, &err), ST_OK, "%s", err.msg);
    int64_t v1 = -1;
    cr_assert_eq(delta_txn_commit(tx, "ADD COLUMNS", NULL, &v1, &err), ST_OK, "%s", err.msg);
    delta_snapshot *s1 = load_at(t, v1);
    cr_assert_eq(s1->meta.schema.n_fields, 3);
    cr_assert_str_eq(delta_config_get(&s1->meta, "strata.note"), "x");
    delta_snapshot_free(s1);

    delta_restore_result r;
    delta_read_options to = { .has_version = true, .version = 0 };
    cr_assert_eq(delta_restore(t, &to, &r, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(r.num_removed_files + r.num_restored_files, 0, "same files");
    delta_snapshot *s0 = load_at(t, 0), *s2 = load_at(t, -1);
    cr_expect_eq(s2->version, v1 + 1);
    cr_expect_eq(s2->meta.schema.n_fields, 2);
    cr_expect(delta_config_get(&s2->meta, "strata.note") == NULL);
    cr_expect(s2->meta.description == NULL);
    assert_same_rows(s0, s2);
    json_t *c = read_commit(t, v1 + 1);
    cr_expect_eq(count_action(c, "metaData"), 1);
    json_decref(c);
    delta_snapshot_free(s0);
    delta_snapshot_free(s2);
    tu_rm_rf(t);
    free(t);
}

Test(delta_maint, restore_vacuumed_file_fails)
{
    char *t = tu_tmp_dir("restvac");
    write_rows(t, &kv_create, &kv_schema, DELTA_APPEND, 0, 10, kv_gen);
    int64_t v1 = write_rows(t, NULL, &kv_schema, DELTA_OVERWRITE, 50, 10, kv_gen);
    st_arena *a = st_arena_new(0);
    st_error err;
    st_error_init(&err);
    delta_vacuum_options o = { .retain_hours = 0, .check_retention = false,
                               .now_ms = delta_now_ms() + 60000 };
    char **paths = NULL;
    int64_t n = -1;
    cr_assert_eq(delta_vacuum(t, &o, a, &paths, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 1);
    delta_restore_result r;
    delta_read_options to = { .has_version = true, .version = 0 };
    cr_assert_eq(delta_restore(t, &to, &r, &err), ST_ERR_NOTFOUND);
    cr_expect(strstr(err.msg, paths[0]) != NULL, "%s", err.msg);
    cr_expect(strstr(err.hint, "VACUUM") != NULL, "%s", err.hint);
    delta_snapshot *s = load_at(t, -1);
    cr_expect_eq(s->version, v1 + 2, "only the two vacuum commits were added");
    delta_snapshot_free(s);
    st_arena_free(a);
    tu_rm_rf(t);
    free(t);
}

/* ---- OPTIMIZE ------------------------------------------------------------------- */

static int64_t live_bytes(const delta_snapshot *s)
{
    int64_t b = 0;
    for (size_t i = 0; i < s->n_files; i++)
        b += s->files[i].size;
    return b;
}

Test(delta_maint, optimize_compacts_small_files)
{
    char *t = tu_tmp_dir("opt");
    write_rows(t, &kv_create, &kv_schema, DELTA_APPEND, 0, 50, kv_gen);
    for (int i = 1; i < 20; i++)
        write_rows(t, NULL, &kv_schema, DELTA_APPEND, i * 50, 50, kv_gen);
    delta_snapshot *before = load_at(t, -1);
    cr_assert_eq(before->n_files, 20);
    int64_t bytes_before = live_bytes(before);

    st_error err;
    st_error_init(&err);
    delta_optimize_result r;
    cr_assert_eq(delta_optimize(t, NULL, &r, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(r.version, before->version + 1);
    cr_expect_eq(r.num_files_removed, 20);
    cr_expect_eq(r.num_files_added, 1);
    cr_expect_eq(r.num_bytes_removed, bytes_before);
    cr_expect_eq(r.partitions_optimized, 1);
    cr_expect_eq(r.total_considered_files, 20);

    delta_snapshot *after = load_at(t, -1);
    cr_assert_eq(after->n_files, 1);
    cr_expect_eq(r.num_bytes_added, after->files[0].size);
    assert_same_rows(before, after);
    json_error_t je;
    json_t *st = json_loads(after->files[0].stats, 0, &je);
    cr_assert(st != NULL);
    cr_expect_eq(json_integer_value(json_object_get(st, "numRecords")), 1000);
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(st, "minValues"), "id")), 0);
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(st, "maxValues"), "id")), 999);
    json_decref(st);

    json_t *c = read_commit(t, r.version);
    cr_expect_eq(count_action(c, "add"), 1);
    cr_expect_eq(count_action(c, "remove"), 20);
    size_t i;
    json_t *o;
    json_array_foreach(c, i, o) {
        json_t *x = json_object_get(o, "add");
        if (!x)
            x = json_object_get(o, "remove");
        if (x)
            cr_expect(json_is_false(json_object_get(x, "dataChange")), "line %zu", i);
    }
    json_t *ci = commit_info(c);
    cr_expect_str_eq(json_string_value(json_object_get(ci, "operation")), "OPTIMIZE");
    json_t *p = json_object_get(ci, "operationParameters");
    cr_expect_str_eq(json_string_value(json_object_get(p, "predicate")), "[]");
    cr_expect_str_eq(json_string_value(json_object_get(p, "zOrderBy")), "[]");
    cr_expect(json_is_false(json_object_get(p, "auto")));
    cr_expect_eq(metric(ci, "numAddedFiles"), 1);
    cr_expect_eq(metric(ci, "numRemovedFiles"), 20);
    cr_expect_eq(metric(ci, "numRemovedBytes"), bytes_before);
    cr_expect_eq(metric(ci, "numAddedBytes"), after->files[0].size);
    cr_expect_eq(metric(ci, "minFileSize"), after->files[0].size);
    cr_expect_eq(metric(ci, "p50FileSize"), after->files[0].size);
    cr_expect_eq(metric(ci, "maxFileSize"), after->files[0].size);
    cr_expect_eq(metric(ci, "numDeletionVectorsRemoved"), 0);
    json_decref(c);

    /* A second run finds nothing to do. */
    cr_assert_eq(delta_optimize(t, NULL, &r, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(r.version, -1);
    cr_expect_eq(r.num_files_removed, 0);
    delta_snapshot *again = load_at(t, -1);
    cr_expect_eq(again->version, after->version);
    delta_snapshot_free(again);

    delta_snapshot_free(before);
    delta_snapshot_free(after);
    tu_rm_rf(t);
    free(t);
}

Test(delta_maint, optimize_target_size_bins)
{
    /* Eight files of similar size, target of about three: bins of two or
    ** three files, each bin one output file, nothing above the target. */
    char *t = tu_tmp_dir("optbins");
    write_rows(t, &kv_create, &kv_schema, DELTA_APPEND, 0, 200, kv_gen);
    for (int i = 1; i < 8; i++)
        write_rows(t, NULL, &kv_schema, DELTA_APPEND, i * 200, 200, kv_gen);
    delta_snapshot *before = load_at(t, -1);
    int64_t max = 0;
    for (size_t i = 0; i < before->n_files; i++)
        max = ST_MAX(max, before->files[i].size);
    st_error err;
    st_error_init(&err);
    delta_optimize_options o = { .target_size = 3 * max };
    delta_optimize_result r;
    cr_assert_eq(delta_optimize(t, &o, &r, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(r.num_files_removed, 8);
    cr_expect_eq(r.num_files_added, 3, "bins of 3, 3 and 2 files");
    delta_snapshot *after = load_at(t, -1);
    cr_expect_eq(after->n_files, 3);
    assert_same_rows(before, after);
    delta_snapshot_free(before);
    delta_snapshot_free(after);
    tu_rm_rf(t);
    free(t);
}

static bool keep_a(void *ud, const delta_snapshot *s, const delta_file *f)
{
    (*(int *)ud)++;
    return f->partition_values[0] && strcmp(f->partition_values[0], "a") == 0;
}

Test(delta_maint, optimize_partition_filter)
{
    char *t = tu_tmp_dir("optpart");
    write_rows(t, &pt_create, &pt_schema, DELTA_APPEND, 0, 20, pt_gen);
    for (int i = 1; i < 5; i++)
        write_rows(t, NULL, &pt_schema, DELTA_APPEND, i * 20, 20, pt_gen);
    delta_snapshot *before = load_at(t, -1);
    cr_assert_eq(before->n_files, 10);
    int calls = 0;
    delta_optimize_options o = { .keep = keep_a, .ud = &calls, .predicate = "p = 'a'" };
    st_error err;
    st_error_init(&err);
    delta_optimize_result r;
    cr_assert_eq(delta_optimize(t, &o, &r, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(calls, 10);
    cr_expect_eq(r.total_considered_files, 5);
    cr_expect_eq(r.num_files_removed, 5);
    cr_expect_eq(r.num_files_added, 1);
    cr_expect_eq(r.partitions_optimized, 1);
    delta_snapshot *after = load_at(t, -1);
    cr_assert_eq(after->n_files, 6);
    int n_a = 0, n_b = 0;
    for (size_t i = 0; i < after->n_files; i++) {
        const delta_file *f = &after->files[i];
        if (strcmp(f->partition_values[0], "a") == 0) {
            n_a++;
            cr_expect(strncmp(f->path, "p=a/", 4) == 0, "%s", f->path);
        } else {
            n_b++;
            cr_expect(has_path(before, f->path), "p=b file %s was rewritten", f->path);
        }
    }
    cr_expect_eq(n_a, 1);
    cr_expect_eq(n_b, 5);
    assert_same_rows(before, after);
    json_t *c = read_commit(t, r.version);
    json_t *p = json_object_get(commit_info(c), "operationParameters");
    cr_expect_str_eq(json_string_value(json_object_get(p, "predicate")), "[\"p = 'a'\"]");
    json_decref(c);
    delta_snapshot_free(before);
    delta_snapshot_free(after);
    tu_rm_rf(t);
    free(t);
}

/* ---- ZORDER BY ------------------------------------------------------------------ */

static vec_field ab_fields[3] = {
    { .name = "a", .type = { .id = VEC_INT64 }, .nullable = true },
    { .name = "b", .type = { .id = VEC_INT64 }, .nullable = true },
    { .name = "c", .type = { .id = VEC_STRING }, .nullable = true },
};
static const vec_schema ab_schema = { .n_fields = 3, .fields = ab_fields };
static const delta_create_options ab_create = { .schema = &ab_schema };

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

static void ab_gen(int col, int64_t row, int64_t *iv, char *sv)
{
    *iv = (int64_t)(mix((uint64_t)row * 2 + (uint64_t)col) % 1000);
    snprintf(sv, 64, "r%lld", (long long)row);
}

/* Average over 200 probe points of the number of files whose [min, max] of
** column col contains the point. */
static double avg_overlap(const delta_snapshot *s, const char *col)
{
    int64_t *lo = calloc(s->n_files, sizeof *lo), *hi = calloc(s->n_files, sizeof *hi);
    for (size_t i = 0; i < s->n_files; i++) {
        json_error_t je;
        json_t *st = json_loads(s->files[i].stats, 0, &je);
        cr_assert(st != NULL);
        lo[i] = json_integer_value(json_object_get(json_object_get(st, "minValues"), col));
        hi[i] = json_integer_value(json_object_get(json_object_get(st, "maxValues"), col));
        json_decref(st);
    }
    int64_t hits = 0;
    for (int k = 0; k < 200; k++) {
        int64_t x = (int64_t)(mix(7777 + (uint64_t)k) % 1000);
        for (size_t i = 0; i < s->n_files; i++)
            hits += lo[i] <= x && x <= hi[i];
    }
    free(lo);
    free(hi);
    return (double)hits / 200.0;
}

Test(delta_maint, zorder_tightens_ranges)
{
    char *t = tu_tmp_dir("zorder");
    write_rows(t, &ab_create, &ab_schema, DELTA_APPEND, 0, 500, ab_gen);
    for (int i = 1; i < 16; i++)
        write_rows(t, NULL, &ab_schema, DELTA_APPEND, i * 500, 500, ab_gen);
    delta_snapshot *before = load_at(t, -1);
    cr_assert_eq(before->n_files, 16);
    double ba = avg_overlap(before, "a") / (double)before->n_files;
    double bb = avg_overlap(before, "b") / (double)before->n_files;
    cr_assert_gt(ba, 0.95, "random input: nearly every file spans column a (%f)", ba);

    const char *cols[] = { "a", "b" };
    delta_optimize_options o = { .zorder_cols = cols, .n_zorder = 2,
                                 .target_size = live_bytes(before) / 16 };
    st_error err;
    st_error_init(&err);
    delta_optimize_result r;
    cr_assert_eq(delta_optimize(t, &o, &r, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(r.num_files_removed, 16);
    cr_assert_geq(r.num_files_added, 12, "about 16 output files, got %lld",
                  (long long)r.num_files_added);
    delta_snapshot *after = load_at(t, -1);
    cr_assert_eq((int64_t)after->n_files, r.num_files_added);
    assert_same_rows(before, after);
    double aa = avg_overlap(after, "a") / (double)after->n_files;
    double ab = avg_overlap(after, "b") / (double)after->n_files;
    /* 16 z-order cells of a 2-D grid: each file spans about a quarter of
    ** each column's range. */
    cr_expect_lt(aa, 0.45, "column a: %f of files per point after, %f before", aa, ba);
    cr_expect_lt(ab, 0.45, "column b: %f of files per point after, %f before", ab, bb);

    json_t *c = read_commit(t, r.version);
    json_t *p = json_object_get(commit_info(c), "operationParameters");
    cr_expect_str_eq(json_string_value(json_object_get(p, "zOrderBy")), "[\"a\",\"b\"]");
    json_decref(c);

    /* Unknown and partition columns are refused. */
    const char *bad[] = { "nope" };
    o.zorder_cols = bad;
    o.n_zorder = 1;
    cr_expect_eq(delta_optimize(t, &o, &r, &err), ST_ERR_ARGUMENT);
    cr_expect(strstr(err.msg, "\"nope\"") != NULL, "%s", err.msg);
    delta_snapshot_free(before);
    delta_snapshot_free(after);
    tu_rm_rf(t);
    free(t);
}

Test(delta_maint, zorder_refuses_partition_column)
{
    char *t = tu_tmp_dir("zpart");
    write_rows(t, &pt_create, &pt_schema, DELTA_APPEND, 0, 20, pt_gen);
    const char *cols[] = { "p" };
    delta_optimize_options o = { .zorder_cols = cols, .n_zorder = 1 };
    st_error err;
    st_error_init(&err);
    delta_optimize_result r;
    cr_assert_eq(delta_optimize(t, &o, &r, &err), ST_ERR_ARGUMENT);
    cr_expect(strstr(err.msg, "partition column") != NULL, "%s", err.msg);
    tu_rm_rf(t);
    free(t);
}

Test(delta_maint, zorder_interleave_and_order)
{
    uint64_t k[2] = { 3, 0 };                       /* a = 0b11, b = 0b00 */
    cr_expect_eq(delta_zorder_interleave(k, 2, 2), 10u);   /* a1 b1 a0 b0 = 1010 */
    k[0] = 0;
    k[1] = 3;
    cr_expect_eq(delta_zorder_interleave(k, 2, 2), 5u);

    /* A 4x4 grid in scrambled order (with a NULL a, which ranks first):
    ** the z-order visits the four 2x2 quadrants one after another. */
    static vec_field f[2] = {
        { .name = "a", .type = { .id = VEC_DOUBLE }, .nullable = true },
        { .name = "b", .type = { .id = VEC_STRING }, .nullable = true },
    };
    vec_schema s = { .n_fields = 2, .fields = f };
    vec_batch *bt = vec_batch_new(&s, 2, 0);
    vec_builder *ba = vec_builder_new(&f[0].type), *bb = vec_builder_new(&f[1].type);
    st_error err;
    int order[16] = { 5, 12, 0, 9, 3, 14, 7, 10, 1, 15, 6, 8, 2, 13, 4, 11 };
    for (int i = 0; i < 16; i++) {
        int x = order[i] % 4, y = order[i] / 4;
        char sv[16];
        snprintf(sv, sizeof sv, "s%d", y);
        cr_assert_eq(vec_builder_append_f64(ba, 10.5 * x, &err), ST_OK);
        cr_assert_eq(vec_builder_append_bytes(bb, sv, strlen(sv), &err), ST_OK);
    }
    cr_assert_eq(vec_builder_append_null(ba, &err), ST_OK);
    cr_assert_eq(vec_builder_append_bytes(bb, "s0", 2, &err), ST_OK);
    cr_assert_eq(vec_builder_finish(ba, bt->arena, &bt->cols[0], &err), ST_OK);
    cr_assert_eq(vec_builder_finish(bb, bt->arena, &bt->cols[1], &err), ST_OK);
    vec_builder_free(ba);
    vec_builder_free(bb);
    bt->n_rows = 17;
    int cols[2] = { 0, 1 };
    delta_row_ref *refs = NULL;
    int64_t n = 0;
    cr_assert_eq(delta_zorder_sort(&bt, 1, cols, 2, &refs, &n, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n, 17);
    cr_expect_eq(refs[0].row, 16, "the NULL ranks first");
    /* Top bits: a in {0,1} vs {2,3} (NULL ranks lowest), then b likewise,
    ** so the quadrant number (a half major) never decreases. */
    int prev_q = 0;
    for (int i = 1; i < 17; i++) {
        int g = order[refs[i].row];
        int q = (g % 4) / 2 * 2 + (g / 4) / 2;
        cr_expect_geq(q, prev_q, "quadrant %d after %d at position %d", q, prev_q, i);
        prev_q = q;
    }
    st_free(refs);
    vec_batch_free(bt);
}

/* ---- Spark-written tables with deletion vectors --------------------------------- */

#define GOLDEN "/work/shared/testdata/delta/golden"

static char *copy_golden(const char *name, const char *tag)
{
    char *t = tu_tmp_dir(tag);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cp -r '" GOLDEN "/%s/.' '%s/'", name, t);
    cr_assert_eq(system(cmd), 0);
    return t;
}

static int64_t count_visible_files(const char *t)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "find '%s' -type f -not -path '*/_delta_log/*' -not -name '.*' "
             "-not -name '_*' | wc -l", t);
    FILE *p = popen(cmd, "r");
    cr_assert(p != NULL);
    long long n = -1;
    cr_assert_eq(fscanf(p, "%lld", &n), 1);
    pclose(p);
    return n;
}

Test(delta_maint, vacuum_dry_run_keeps_live_deletion_vectors)
{
    char *t = copy_golden("dv-partitioned-with-checkpoint/delta", "vacdv");
    delta_snapshot *s = load_at(t, -1);
    st_arena *a = st_arena_new(0);
    st_error err;
    st_error_init(&err);
    /* Referenced: live files and their DV files (tombstones are from 2023,
    ** long expired at the time used below). */
    int64_t n_ref = 0;
    const char **ref = calloc(2 * s->n_files + 1, sizeof *ref);
    for (size_t i = 0; i < s->n_files; i++) {
        ref[n_ref++] = local_of(s, &s->files[i], a);
        if (s->files[i].has_dv && s->files[i].dv.storage_type == 'u') {
            char *dv = NULL;
            cr_assert_eq(delta_dv_file_path(s->table, &s->files[i].dv, a, &dv, &err), ST_OK);
            bool dup = false;
            for (int64_t j = 0; j < n_ref; j++)
                dup |= strcmp(ref[j], dv) == 0;
            if (!dup)
                ref[n_ref++] = dv;
        }
    }
    char *orphan = st_arena_printf(a, "%s/deletion_vector_00000000-0000-0000-0000-000000000000.bin",
                                   t);
    touch(orphan, "x");
    delta_vacuum_options o = { .retain_hours = -1, .dry_run = true, .check_retention = true,
                               .now_ms = delta_now_ms() + 30 * DAY_MS };
    char **paths = NULL;
    int64_t n = -1;
    cr_assert_eq(delta_vacuum(t, &o, a, &paths, &n, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(n, count_visible_files(t) - n_ref);
    bool saw_orphan = false;
    for (int64_t i = 0; i < n; i++) {
        saw_orphan |= strcmp(paths[i], orphan) == 0;
        for (int64_t j = 0; j < n_ref; j++)
            cr_expect(strcmp(paths[i], ref[j]) != 0, "live file %s listed", ref[j]);
        cr_expect(store_exists(paths[i]), "dry run deleted %s", paths[i]);
    }
    cr_expect(saw_orphan);
    free(ref);
    delta_snapshot_free(s);
    st_arena_free(a);
    tu_rm_rf(t);
    free(t);
}

/* A copy of a Spark table RESTOREd to version 5 (files with deletion
** vectors re-added: the same rows as version 5), then OPTIMIZEd: same rows;
** files of partitions with two or more small files are rewritten without
** their DVs (a lone file is left, as Delta leaves single-file bins); DV
** metrics count the removed ones. */
static void optimize_golden(const char *name)
{
    char *t = copy_golden(name, "optdv");
    st_error err;
    st_error_init(&err);
    delta_restore_result rr;
    delta_read_options to = { .has_version = true, .version = 5 };
    cr_assert_eq(delta_restore(t, &to, &rr, &err), ST_OK, "%s: %s", name, err.msg);
    cr_expect_gt(rr.num_restored_files, 0, "%s", name);
    delta_snapshot *v5 = load_at(t, 5), *before = load_at(t, -1);
    cr_expect_eq(before->version, rr.version);
    assert_same_rows(v5, before);
    delta_snapshot_free(v5);
    delta_optimize_result r;
    cr_assert_eq(delta_optimize(t, NULL, &r, &err), ST_OK, "%s: %s", name, err.msg);
    cr_assert_gt(r.num_files_removed, 0, "%s", name);
    delta_snapshot *after = load_at(t, -1);
    cr_expect_eq(after->version, before->version + 1);
    int64_t removed = 0, dv_removed = 0, dv_rows = 0, added = 0;
    for (size_t i = 0; i < before->n_files; i++)
        if (!has_path(after, before->files[i].path)) {
            removed++;
            dv_removed += before->files[i].has_dv;
            dv_rows += before->files[i].has_dv ? before->files[i].dv.cardinality : 0;
        }
    for (size_t i = 0; i < after->n_files; i++)
        if (!has_path(before, after->files[i].path)) {
            added++;
            cr_expect(!after->files[i].has_dv, "%s: rewritten files carry no DV", name);
        }
    cr_expect_eq(removed, r.num_files_removed, "%s", name);
    cr_expect_eq(added, r.num_files_added, "%s", name);
    cr_expect_gt(dv_removed, 0, "%s", name);
    assert_same_rows(before, after);
    json_t *c = read_commit(t, r.version);
    cr_expect_eq(metric(commit_info(c), "numDeletionVectorsRemoved"), dv_removed);
    cr_expect_eq(metric(commit_info(c), "numDeletionVectorRowsRemoved"), dv_rows);
    json_decref(c);
    delta_snapshot_free(before);
    delta_snapshot_free(after);
    tu_rm_rf(t);
    free(t);
}

Test(delta_maint, optimize_spark_tables_with_deletion_vectors)
{
    optimize_golden("dv-partitioned-with-checkpoint/delta");
    optimize_golden("dv-with-columnmapping/delta");
}
