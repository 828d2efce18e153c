/* bench_delta.c -- Delta write-path benchmarks, run by bench/delta/run.sh
** (`make bench-delta`):
**   (a) snapshot load time of a table with many files: a checkpoint holding
**       N synthetic add actions (written with delta_checkpoint_write) plus 50
**       JSON commits after it; median of several loads;
**   (b) commit throughput: 500 single-row appends in a loop, commits/second
**       (checkpoints every 10 commits included).
** Usage: bench_delta DIR [N_FILES] */
#include "delta/delta.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read-only after initialisation (vec_schema needs a non-const pointer). */
static vec_field b_fields[2] = {
    { .name = "id", .type = { .id = VEC_INT64 }, .nullable = true },
    { .name = "name", .type = { .id = VEC_STRING }, .nullable = true },
};
static const vec_schema b_schema = { .n_fields = 2, .fields = b_fields };

static int fail(const char *what, const st_error *err)
{
    fprintf(stderr, "bench_delta: %s: %s\n", what, err->msg);
    return 1;
}

static st_status append_one(const char *table, int64_t id, st_error *err)
{
    delta_txn *t = NULL;
    st_status rc = delta_txn_begin(table, NULL, &t, err);
    if (rc != ST_OK)
        return rc;
    vec_batch *b = vec_batch_new(&b_schema, 2, 0);
    vec_builder *ib = vec_builder_new(&b_fields[0].type), *sb = vec_builder_new(&b_fields[1].type);
    rc = vec_builder_append_i64(ib, id, err);
    if (rc == ST_OK)
        rc = vec_builder_append_bytes(sb, "x", 1, err);
    if (rc == ST_OK)
        rc = vec_builder_finish(ib, b->arena, &b->cols[0], err);
    if (rc == ST_OK)
        rc = vec_builder_finish(sb, b->arena, &b->cols[1], err);
    vec_builder_free(ib);
    vec_builder_free(sb);
    b->n_rows = 1;
    if (rc == ST_OK)
        rc = delta_txn_write(t, b, err);
    vec_batch_free(b);
    if (rc != ST_OK) {
        delta_txn_abort(t);
        return rc;
    }
    int64_t v;
    return delta_txn_commit(t, "WRITE", NULL, &v, err);
}

static st_status create(const char *table, const char *interval, st_error *err)
{
    const char *keys[] = { "delta.checkpointInterval" };
    const char *vals[] = { interval };
    delta_create_options co = { .schema = &b_schema, .n_config = 1, .config_keys = keys,
                                .config_values = vals };
    delta_txn *t = NULL;
    st_status rc = delta_txn_begin(table, &co, &t, err);
    int64_t v;
    return rc == ST_OK ? delta_txn_commit(t, "CREATE TABLE", NULL, &v, err) : rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Version 1 = a checkpoint with n synthetic files (and an empty commit). */
static st_status big_checkpoint(const char *table, size_t n, st_error *err)
{
    delta_snapshot *s = NULL;
    st_status rc = delta_snapshot_load(table, NULL, &s, err);
    if (rc != ST_OK)
        return rc;
    delta_file *files = st_arena_calloc(s->arena, n, sizeof *files);
    for (size_t i = 0; files && i < n; i++) {
        files[i].path = st_arena_printf(s->arena, "part-%05zu-%08zx-0000-4000-8000-000000000000-"
                                        "c000.snappy.parquet", i % 100000, i);
        files[i].size = 1000 + (int64_t)i;
        files[i].modification_time = 1700000000000LL;
        files[i].data_change = true;
        files[i].stats = "{\"numRecords\":1,\"minValues\":{\"id\":1,\"name\":\"x\"},"
                         "\"maxValues\":{\"id\":1,\"name\":\"x\"},\"nullCount\":{\"id\":0,\"name\":0}}";
    }
    s->files = files;
    s->n_files = n;
    s->version = 1;
    char path[4200];
    snprintf(path, sizeof path, "%.4000s/_delta_log/%020d.json", table, 1);
    const char *c1 = "{\"commitInfo\":{\"timestamp\":1700000000000,\"operation\":\"WRITE\"}}\n";
    rc = files ? store_put_if_absent(path, c1, strlen(c1), err)
               : st_error_set(err, ST_ERR_NOMEM, "out of memory");
    if (rc == ST_OK)
        rc = delta_checkpoint_write(s, err);
    delta_snapshot_free(s);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_delta DIR [N_FILES]\n");
        return 2;
    }
    size_t n_files = argc > 2 ? (size_t)atol(argv[2]) : 100000;
    st_runtime_init();
    st_error err;
    st_error_init(&err);
    char big[4096], small[4096];
    snprintf(big, sizeof big, "%.4000s/big", argv[1]);
    snprintf(small, sizeof small, "%.4000s/commits", argv[1]);

    /* (a) snapshot load */
    double t0 = now_s();
    if (create(big, "100000", &err) != ST_OK || big_checkpoint(big, n_files, &err) != ST_OK)
        return fail("building the big table", &err);
    for (int i = 0; i < 50; i++)
        if (append_one(big, i, &err) != ST_OK)
            return fail("appending to the big table", &err);
    printf("setup: %zu-file checkpoint + 50 commits in %.2f s\n", n_files, now_s() - t0);
    enum { LOADS = 7 };
    double times[LOADS];
    for (int i = 0; i < LOADS; i++) {
        delta_snapshot *s = NULL;
        double a = now_s();
        if (delta_snapshot_load(big, NULL, &s, &err) != ST_OK)
            return fail("loading the big table", &err);
        times[i] = now_s() - a;
        if (s->n_files != n_files + 50 || s->version != 51) {
            fprintf(stderr, "bench_delta: unexpected snapshot: version %" PRId64 ", %zu files\n",
                    s->version, s->n_files);
            return 1;
        }
        delta_snapshot_free(s);
    }
    qsort(times, LOADS, sizeof times[0], cmp_double);
    printf("snapshot load (%zu files, checkpoint + 50 commits): median %.1f ms "
           "(min %.1f, max %.1f, %d loads)\n", n_files + 50, times[LOADS / 2] * 1e3,
           times[0] * 1e3, times[LOADS - 1] * 1e3, LOADS);

    /* (b) commit throughput */
    if (create(small, "10", &err) != ST_OK)
        return fail("creating the commit table", &err);
    enum { COMMITS = 500 };
    double c0 = now_s();
    for (int i = 0; i < COMMITS; i++)
        if (append_one(small, i, &err) != ST_OK)
            return fail("appending", &err);
    double el = now_s() - c0;
    printf("commit throughput: %d single-row appends in %.2f s = %.1f commits/s\n", COMMITS, el,
           COMMITS / el);
    return 0;
}
