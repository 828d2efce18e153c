/* delta_log_test.c -- snapshot loading (log replay), time travel and history
** over the Spark-written golden tables in ../shared/testdata/delta/golden and
** over synthetic logs written here. Expected versions and outcomes come from
** the feature manifest in ../shared/testdata/README.md; expected file counts
** were obtained by reading the tables' logs by hand (grep of the JSON
** commits, `strata parquet cat` of the checkpoints), as noted per test. */
#include <criterion/criterion.h>

#include "delta/delta.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define GOLDEN "../shared/testdata/delta/golden"

static const char *golden_root(void)
{
    static char root[512];
    if (!root[0]) {
        const char *cands[] = { GOLDEN, "/work/shared/testdata/delta/golden" };
        snprintf(root, sizeof root, "%s", cands[1]);
        for (size_t i = 0; i < 2; i++)
            if (access(cands[i], R_OK) == 0) {
                snprintf(root, sizeof root, "%s", cands[i]);
                break;
            }
    }
    return root;
}

static char *gpath(const char *table)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/%s", golden_root(), table);
    return buf;
}

static delta_snapshot *load_ok(const char *table, const delta_read_options *opt)
{
    delta_snapshot *s = NULL;
    st_error e;
    st_error_init(&e);
    st_status rc = delta_snapshot_load(gpath(table), opt, &s, &e);
    cr_assert_eq(rc, ST_OK, "%s: %s", table, e.msg);
    return s;
}

typedef struct golden_case {
    const char *table;     /* relative to the golden folder */
    int64_t     version;   /* README `ver`, -1 when the log has none */
    st_status   expect;    /* ST_OK or the failure code */
    const char *msg;       /* substring of the failure message */
} golden_case;

/* Every table folder of the README manifest. Failures: the NEGATIVE tables,
** the ones the manifest says cannot be replayed ("log replay fails",
** "metaData without schemaString"), and tables whose reader features or
** column types strata does not support. */
static const golden_case CASES[] = {
    { "124-decimal-decode-bug/delta", 0, ST_OK, NULL },
    { "125-iterator-bug/delta", 11, ST_OK, NULL },
    { "app-txn-checkpoint", 1, ST_OK, NULL },
    { "app-txn-no-checkpoint", 1, ST_OK, NULL },
    { "app-txn-with-last-updated", 3, ST_OK, NULL },
    { "basic-decimal-table-legacy/delta", 0, ST_OK, NULL },
    { "basic-decimal-table/delta", 0, ST_OK, NULL },
    { "basic-with-inserts-deletes-checkpoint/delta", 13, ST_OK, NULL },
    { "basic-with-inserts-merge/delta", 1, ST_OK, NULL },
    { "basic-with-inserts-overwrite-restore/delta", 3, ST_OK, NULL },
    { "basic-with-inserts-updates/delta", 1, ST_OK, NULL },
    { "basic-with-vacuum-protocol-check-feature/delta", 1, ST_OK, NULL },
    { "basic_partitioned", 1, ST_OK, NULL },
    { "canonicalized-paths-normal-a/delta", 1, ST_OK, NULL },
    { "canonicalized-paths-normal-b/delta", 1, ST_OK, NULL },
    { "canonicalized-paths-special-a/delta", 1, ST_OK, NULL },
    { "canonicalized-paths-special-b/delta", 1, ST_OK, NULL },
    { "cdf-column-mapping-id-mode", 4, ST_OK, NULL },
    { "cdf-column-mapping-name-mode", 4, ST_OK, NULL },
    { "cdf-column-mapping-name-mode-3-7", 4, ST_OK, NULL },
    { "cdf-table", 3, ST_OK, NULL },
    { "cdf-table-backtick-column-names", 1, ST_OK, NULL },
    { "cdf-table-data-change", 1, ST_OK, NULL },
    { "cdf-table-delete-conditional-all-rows", 1, ST_OK, NULL },
    { "cdf-table-delete-conditional-two-rows", 1, ST_OK, NULL },
    { "cdf-table-delete-unconditional", 1, ST_OK, NULL },
    { "cdf-table-non-partitioned", 4, ST_OK, NULL },
    { "cdf-table-partitioned", 2, ST_OK, NULL },
    { "cdf-table-simple", 2, ST_OK, NULL },
    { "cdf-table-update-ops", 2, ST_OK, NULL },
    { "cdf-table-with-cdc-and-dvs", 25, ST_OK, NULL },
    { "cdf-table-with-dv", 6, ST_OK, NULL },
    { "checkpoint/delta", 14, ST_OK, NULL },
    { "compacted-log-files-table", 25, ST_OK, NULL },
    { "corrupted-last-checkpoint-kernel/delta", 11, ST_OK, NULL },
    { "crc-full", 0, ST_OK, NULL },
    { "crc-malformed", -1, ST_ERR_NOTFOUND, "has no commits or checkpoints" },
    { "data-reader-absolute-paths-escaped-chars/delta", 1, ST_ERR_CORRUPT, "no metaData action at version 1" },
    { "data-reader-array-complex-objects/delta", 0, ST_OK, NULL },
    { "data-reader-array-primitives/delta", 0, ST_OK, NULL },
    { "data-reader-date-types-America/delta", 0, ST_OK, NULL },
    { "data-reader-date-types-Asia/delta", 0, ST_OK, NULL },
    { "data-reader-date-types-Etc/delta", 0, ST_OK, NULL },
    { "data-reader-date-types-Iceland/delta", 0, ST_OK, NULL },
    { "data-reader-date-types-Jst/delta", 0, ST_OK, NULL },
    { "data-reader-date-types-Pst/delta", 0, ST_OK, NULL },
    { "data-reader-date-types-utc/delta", 0, ST_OK, NULL },
    { "data-reader-escaped-chars/delta", 2, ST_OK, NULL },
    { "data-reader-map/delta", 0, ST_OK, NULL },
    { "data-reader-nested-struct/delta", 0, ST_OK, NULL },
    { "data-reader-nullable-field-invalid-schema-key/delta", 0, ST_OK, NULL },
    { "data-reader-partition-values/delta", 0, ST_OK, NULL },
    { "data-reader-primitives/delta", 0, ST_OK, NULL },
    { "data-reader-timestamp_ntz-id-mode/delta", 1, ST_OK, NULL },
    { "data-reader-timestamp_ntz-name-mode/delta", 1, ST_OK, NULL },
    { "data-reader-timestamp_ntz/delta", 1, ST_OK, NULL },
    { "data-skipping-basic-stats-all-types-checkpoint/delta", 0, ST_OK, NULL },
    { "data-skipping-basic-stats-all-types-columnmapping-id/delta", 0, ST_OK, NULL },
    { "data-skipping-basic-stats-all-types-columnmapping-name/delta", 0, ST_OK, NULL },
    { "data-skipping-basic-stats-all-types/delta", 0, ST_OK, NULL },
    { "data-skipping-change-stats-collected-across-versions/delta", 4, ST_OK, NULL },
    { "data-skipping-partition-and-data-column/delta", 3, ST_OK, NULL },
    { "decimal-various-scale-precision/delta", 0, ST_OK, NULL },
    { "delete-re-add-same-file-different-transactions/delta", 3, ST_OK, NULL },
    { "deltalog-commit-info/delta", 0, ST_ERR_CORRUPT, "has no schemaString" },
    { "deltalog-getChanges/delta", 2, ST_OK, NULL },
    { "deltalog-invalid-protocol-version/delta", 0, ST_ERR_UNSUPPORTED, "requires Delta reader version 99; strata supports 1 to 3" },
    { "deltalog-state-reconstruction-from-checkpoint-missing-metadata/delta", 10, ST_ERR_CORRUPT, "no metaData action at version 10" },
    { "deltalog-state-reconstruction-from-checkpoint-missing-protocol/delta", 10, ST_ERR_CORRUPT, "no protocol action at version 10" },
    { "deltalog-state-reconstruction-without-metadata/delta", 0, ST_ERR_CORRUPT, "no metaData action at version 0" },
    { "deltalog-state-reconstruction-without-protocol/delta", 0, ST_ERR_CORRUPT, "no protocol action at version 0" },
    { "dv-partitioned-with-checkpoint/delta", 15, ST_OK, NULL },
    { "dv-with-columnmapping/delta", 15, ST_OK, NULL },
    { "external-table-different-nullability", 5, ST_OK, NULL },
    { "hive/delta/deltatbl-column-names-case-insensitive", 0, ST_OK, NULL },
    { "hive/delta/deltatbl-deleted-path", 0, ST_OK, NULL },
    { "hive/delta/deltatbl-incorrect-format-config", 0, ST_OK, NULL },
    { "hive/delta/deltatbl-map-types-correctly", 0, ST_OK, NULL },
    { "hive/delta/deltatbl-non-partitioned", 0, ST_OK, NULL },
    { "hive/delta/deltatbl-not-allow-write", 0, ST_OK, NULL },
    { "hive/delta/deltatbl-partition-prune", 0, ST_OK, NULL },
    { "hive/delta/deltatbl-partitioned", 0, ST_OK, NULL },
    { "hive/delta/deltatbl-schema-match", 0, ST_OK, NULL },
    { "hive/delta/deltatbl-special-chars-in-partition-column", 0, ST_OK, NULL },
    { "hive/delta/deltatbl-touch-files-needed-for-partitioned", 0, ST_OK, NULL },
    { "kernel-timestamp-int96/delta", 0, ST_OK, NULL },
    { "kernel-timestamp-pst/delta", 0, ST_OK, NULL },
    { "kernel-timestamp-timestamp_micros/delta", 0, ST_OK, NULL },
    { "kernel-timestamp-timestamp_millis/delta", 0, ST_OK, NULL },
    { "log-replay-dv-key-cases/delta", 3, ST_OK, NULL },
    { "log-replay-latest-metadata-protocol/delta", 2, ST_OK, NULL },
    { "log-replay-special-characters-a/delta", 1, ST_OK, NULL },
    { "log-replay-special-characters-b/delta", 0, ST_OK, NULL },
    { "log-replay-special-characters/delta", 1, ST_OK, NULL },
    { "mixed-nulls", 0, ST_OK, NULL },
    { "multi-part-checkpoint/delta", 1, ST_OK, NULL },
    { "no-delta-log-folder/delta", -1, ST_ERR_NOTFOUND, "has no _delta_log folder" },
    { "only-checkpoint-files/delta", 2, ST_OK, NULL },
    { "parsed-stats", 5, ST_OK, NULL },
    { "partition_cm/id", 0, ST_OK, NULL },
    { "partition_cm/name", 0, ST_OK, NULL },
    { "partition_cm/none", 0, ST_OK, NULL },
    { "partitioned_with_materialize_feature", 1, ST_OK, NULL },
    { "snapshot-data0/delta", 0, ST_OK, NULL },
    { "snapshot-data1/delta", 1, ST_OK, NULL },
    { "snapshot-data2-deleted/delta", 4, ST_OK, NULL },
    { "snapshot-data2/delta", 2, ST_OK, NULL },
    { "snapshot-data3/delta", 3, ST_OK, NULL },
    { "snapshot-repartitioned/delta", 5, ST_OK, NULL },
    { "snapshot-vacuumed/delta", 5, ST_OK, NULL },
    { "stats-writing-all-types/delta", 1, ST_OK, NULL },
    { "table-with-cdf", 4, ST_OK, NULL },
    { "table-with-columnmapping-mode-id/delta", 0, ST_OK, NULL },
    { "table-with-columnmapping-mode-name/delta", 0, ST_OK, NULL },
    { "table-with-dv-small", 1, ST_OK, NULL },
    { "table-with-geo", 0, ST_ERR_UNSUPPORTED, "not support: geospatial" },
    { "table-without-dv-small", 0, ST_OK, NULL },
    { "time-travel-partition-changes-a/delta", 0, ST_OK, NULL },
    { "time-travel-partition-changes-b/delta", 1, ST_OK, NULL },
    { "time-travel-schema-changes-a/delta", 0, ST_OK, NULL },
    { "time-travel-schema-changes-b/delta", 1, ST_OK, NULL },
    { "time-travel-start-start20-start40/delta", 2, ST_OK, NULL },
    { "time-travel-start-start20/delta", 1, ST_OK, NULL },
    { "time-travel-start/delta", 0, ST_OK, NULL },
    { "timestamp-partitioned-table", 0, ST_OK, NULL },
    { "timestamp-truncation-stats", 2, ST_OK, NULL },
    { "type-widening", 2, ST_OK, NULL },
    { "unshredded-variant", 2, ST_ERR_UNSUPPORTED, "not support: variantType-preview" },
    { "update-deleted-directory/delta", 0, ST_ERR_CORRUPT, "has no schemaString" },
    { "v1-multi-part-partitioned-struct-stats-only", 5, ST_OK, NULL },
    { "v1-multi-part-struct-stats-only", 5, ST_OK, NULL },
    { "v1-single-part-struct-stats-only", 5, ST_OK, NULL },
    { "v2-checkpoint-json/delta", 2, ST_OK, NULL },
    { "v2-checkpoint-parquet/delta", 2, ST_OK, NULL },
    { "v2-checkpoints-json-with-last-checkpoint", 0, ST_OK, NULL },
    { "v2-checkpoints-json-with-sidecars", 6, ST_OK, NULL },
    { "v2-checkpoints-json-without-sidecars", 2, ST_OK, NULL },
    { "v2-checkpoints-parquet-with-last-checkpoint", 0, ST_OK, NULL },
    { "v2-checkpoints-parquet-with-sidecars", 6, ST_OK, NULL },
    { "v2-checkpoints-parquet-without-sidecars", 2, ST_OK, NULL },
    { "v2-classic-checkpoint-json", 1, ST_OK, NULL },
    { "v2-classic-checkpoint-parquet", 1, ST_OK, NULL },
    { "v2-classic-parquet-struct-stats-only", 5, ST_OK, NULL },
    { "v2-json-sidecars-struct-stats-only", 5, ST_OK, NULL },
    { "v2-parquet-sidecars-struct-stats-only", 5, ST_OK, NULL },
    { "versions-not-contiguous/delta", 2, ST_ERR_CORRUPT, "cannot reconstruct version 2: commits 1..1 are missing" },
    { "void-column", 0, ST_ERR_UNSUPPORTED, "column \"void_col\" has type \"void\"" },
    { "with-short-dv", 0, ST_OK, NULL },
    { "with_checkpoint_no_last_checkpoint", 3, ST_OK, NULL },
};

Test(delta_log, golden_manifest)
{
    int n_ok = 0, n_fail = 0;
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        const golden_case *c = &CASES[i];
        delta_snapshot *s = NULL;
        st_error e;
        st_error_init(&e);
        st_status rc = delta_snapshot_load(gpath(c->table), NULL, &s, &e);
        if (c->expect == ST_OK) {
            cr_expect_eq(rc, ST_OK, "%s: %s", c->table, e.msg);
            if (rc == ST_OK) {
                cr_expect_eq(s->version, c->version, "%s: version %" PRId64 ", want %" PRId64,
                             c->table, s->version, c->version);
                cr_expect(s->meta.schema.n_fields > 0, "%s: empty schema", c->table);
                for (size_t k = 1; k < s->n_files; k++)
                    cr_expect(strcmp(s->files[k - 1].path, s->files[k].path) < 0,
                              "%s: files not sorted", c->table);
                n_ok++;
            }
        } else {
            cr_expect_eq(rc, c->expect, "%s: got %s (%s)", c->table, st_status_name(rc), e.msg);
            cr_expect(strstr(e.msg, c->msg) != NULL, "%s: message \"%s\" lacks \"%s\"", c->table,
                      e.msg, c->msg);
            n_fail++;
        }
        delta_snapshot_free(s);
    }
    printf("golden manifest: %d tables loaded, %d failed as expected\n", n_ok, n_fail);
}

/* Live file counts, by hand from the logs. */
Test(delta_log, live_file_counts)
{
    static const struct { const char *t; size_t files; size_t tombs; } want[] = {
        /* 4 add lines in 2 commits, no removes */
        { "app-txn-no-checkpoint", 4, 0 },
        /* 9 add lines, 6 remove lines each naming an earlier add */
        { "snapshot-data2-deleted/delta", 3, 6 },
        /* checkpoint 10 has 11 adds (parquet cat), commit 11 adds 1 */
        { "125-iterator-bug/delta", 12, 0 },
        /* two checkpoint parts with 5 adds each (parquet cat) */
        { "multi-part-checkpoint/delta", 10, 0 },
        /* add "/x", then remove "file:/x" or "file:///x": the same file */
        { "canonicalized-paths-normal-a/delta", 0, 1 },
        { "canonicalized-paths-normal-b/delta", 0, 1 },
        { "canonicalized-paths-special-a/delta", 0, 1 },
        { "canonicalized-paths-special-b/delta", 0, 1 },
        /* 3 commits of 2 adds each */
        { "time-travel-start-start20-start40/delta", 6, 0 },
        /* one path re-added with 3 deletion vectors: 4 adds, 3 removes */
        { "log-replay-dv-key-cases/delta", 1, 3 },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        delta_snapshot *s = load_ok(want[i].t, NULL);
        cr_expect_eq(s->n_files, want[i].files, "%s: %zu files", want[i].t, s->n_files);
        cr_expect_eq(s->n_tombstones, want[i].tombs, "%s: %zu tombstones", want[i].t,
                     s->n_tombstones);
        delta_snapshot_free(s);
    }
}

Test(delta_log, dv_key_reconciliation)
{
    delta_snapshot *s = load_ok("log-replay-dv-key-cases/delta", NULL);
    cr_assert_eq(s->n_files, 1);
    cr_assert(s->files[0].has_dv);
    cr_expect_str_eq(s->files[0].dv.path_or_inline_dv, "^jP?.<zvDfIGb{C.FPij");
    cr_expect_eq(s->files[0].added_version, 3);
    delta_snapshot_free(s);
}

Test(delta_log, checkpoint_kinds)
{
    static const struct { const char *t; int64_t ver, ckpt; size_t files; } want[] = {
        { "multi-part-checkpoint/delta", 1, 1, 10 },
        { "v2-checkpoint-json/delta", 2, 2, 4 },
        { "v2-checkpoint-parquet/delta", 2, 2, 4 },
        /* 101 files: 100 in sidecars of checkpoint 6 plus the one of commit 0 */
        { "v2-checkpoints-json-with-sidecars", 6, 6, 101 },
        { "v2-checkpoints-parquet-with-sidecars", 6, 6, 101 },
        { "only-checkpoint-files/delta", 2, 2, 7 },
        { "with_checkpoint_no_last_checkpoint", 3, 2, 1 },
        { "corrupted-last-checkpoint-kernel/delta", 11, 10, 2 },
        { "125-iterator-bug/delta", 11, 10, 12 },
        { "v1-single-part-struct-stats-only", 5, 5, 5 },
        { "v1-multi-part-struct-stats-only", 5, 5, 5 },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        delta_snapshot *s = load_ok(want[i].t, NULL);
        cr_expect_eq(s->version, want[i].ver, "%s", want[i].t);
        cr_expect_eq(s->checkpoint_version, want[i].ckpt, "%s: checkpoint %" PRId64, want[i].t,
                     s->checkpoint_version);
        cr_expect_eq(s->n_files, want[i].files, "%s: %zu files", want[i].t, s->n_files);
        delta_snapshot_free(s);
    }
}

Test(delta_log, stats_parsed_fallback)
{
    /* struct-only stats checkpoint: add.stats is rebuilt from stats_parsed */
    delta_snapshot *s = load_ok("v1-single-part-struct-stats-only", NULL);
    cr_assert_eq(s->n_files, 5);
    for (size_t i = 0; i < s->n_files; i++) {
        cr_assert_not_null(s->files[i].stats, "%s", s->files[i].path);
        cr_expect(strstr(s->files[i].stats, "\"numRecords\":1") != NULL, "%s", s->files[i].stats);
    }
    delta_snapshot_free(s);
}

Test(delta_log, app_txn_versions)
{
    /* commit 1: txn my-app 3 (replacing version 1), my-app2 2; checkpoint 1 */
    const char *tables[] = { "app-txn-checkpoint", "app-txn-no-checkpoint" };
    for (int t = 0; t < 2; t++) {
        delta_snapshot *s = load_ok(tables[t], NULL);
        cr_assert_eq(s->n_app_txns, 2, "%s", tables[t]);
        int found = 0;
        for (int i = 0; i < s->n_app_txns; i++) {
            if (strcmp(s->app_txns[i].app_id, "my-app") == 0) {
                cr_expect_eq(s->app_txns[i].version, 3);
                found++;
            }
            if (strcmp(s->app_txns[i].app_id, "my-app2") == 0) {
                cr_expect_eq(s->app_txns[i].version, 2);
                found++;
            }
        }
        cr_expect_eq(found, 2);
        cr_expect_eq(s->meta.n_partition_cols, 1);
        if (s->n_files > 0)
            cr_expect_not_null(s->files[0].partition_values[0]);
        delta_snapshot_free(s);
    }
}

Test(delta_log, time_travel_versions)
{
    static const size_t files[] = { 2, 4, 6 };
    for (int64_t v = 0; v <= 2; v++) {
        delta_read_options o = { .has_version = true, .version = v };
        delta_snapshot *s = load_ok("time-travel-start-start20-start40/delta", &o);
        cr_expect_eq(s->version, v);
        cr_expect_eq(s->n_files, files[v]);
        delta_snapshot_free(s);
    }
    for (int64_t v = 0; v <= 4; v++) {
        delta_read_options o = { .has_version = true, .version = v };
        delta_snapshot *s = load_ok("snapshot-data2-deleted/delta", &o);
        cr_expect_eq(s->version, v);
        delta_snapshot_free(s);
    }
    delta_read_options o = { .has_version = true, .version = 3 };
    delta_snapshot *s = NULL;
    st_error e;
    st_error_init(&e);
    st_status rc = delta_snapshot_load(gpath("time-travel-start-start20-start40/delta"), &o, &s, &e);
    cr_expect_eq(rc, ST_ERR_NOTFOUND);
    cr_expect(strstr(e.msg, "table has no version 3; latest is 2") != NULL, "%s", e.msg);
    /* checkpoint 10, commits 0..9 present: version 5 still rebuildable */
    o.version = 5;
    s = load_ok("125-iterator-bug/delta", &o);
    cr_expect_eq(s->version, 5);
    cr_expect_eq(s->checkpoint_version, -1);
    delta_snapshot_free(s);
}

/* ---- synthetic tables ------------------------------------------------------ */

static char *tmp_table(void)
{
    char *d = strdup("/tmp/strata-dlog-XXXXXX");
    cr_assert_not_null(mkdtemp(d));
    char log[600];
    snprintf(log, sizeof log, "%s/_delta_log", d);
    st_error e;
    cr_assert_eq(store_mkdirs(log, &e), ST_OK);
    return d;
}

static void rm_table(char *d)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    cr_expect_eq(system(cmd), 0);
    free(d);
}

static void put_commit(const char *table, int64_t v, const char *text, int64_t mtime_s)
{
    char p[700];
    snprintf(p, sizeof p, "%s/_delta_log/%020" PRId64 ".json", table, v);
    st_error e;
    st_error_init(&e);
    cr_assert_eq(store_put_atomic(p, text, strlen(text), &e), ST_OK, "%s", e.msg);
    if (mtime_s > 0) {
        struct timespec ts[2] = { { mtime_s, 0 }, { mtime_s, 0 } };
        cr_assert_eq(utimensat(AT_FDCWD, p, ts, 0), 0);
    }
}

static const char *HEADER =
    "{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n"
    "{\"metaData\":{\"id\":\"t\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"
    "\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[{\\\"name\\\":\\\"id\\\","
    "\\\"type\\\":\\\"long\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}},{\\\"name\\\":\\\"p\\\","
    "\\\"type\\\":\\\"string\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}}]}\","
    "\"partitionColumns\":[\"p\"],\"configuration\":{},\"createdTime\":1}}\n";

Test(delta_log, time_travel_timestamps)
{
    char *t = tmp_table();
    char buf[2048];
    snprintf(buf, sizeof buf, "%s{\"add\":{\"path\":\"p=a/f0\",\"partitionValues\":{\"p\":\"a\"},"
             "\"size\":1,\"modificationTime\":1,\"dataChange\":true}}\n", HEADER);
    put_commit(t, 0, buf, 1000);
    put_commit(t, 1, "{\"add\":{\"path\":\"p=b/f1\",\"partitionValues\":{\"p\":null},\"size\":1,"
                     "\"modificationTime\":1,\"dataChange\":true}}\n", 2000);
    put_commit(t, 2, "{\"remove\":{\"path\":\"p=a/f0\",\"deletionTimestamp\":5,\"dataChange\":true}}\n",
               3000);
    static const struct { int64_t ts_ms, ver; } q[] = {
        { 1000000, 0 }, { 1999999, 0 }, { 2000000, 1 }, { 2500000, 1 }, { 9000000, 2 },
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        delta_read_options o = { .has_timestamp = true, .timestamp_ms = q[i].ts_ms };
        delta_snapshot *s = NULL;
        st_error e;
        st_error_init(&e);
        cr_assert_eq(delta_snapshot_load(t, &o, &s, &e), ST_OK, "%s", e.msg);
        cr_expect_eq(s->version, q[i].ver, "ts %" PRId64 ": version %" PRId64, q[i].ts_ms, s->version);
        cr_expect_eq(s->timestamp_ms, (q[i].ver + 1) * 1000000);
        delta_snapshot_free(s);
    }
    delta_read_options o = { .has_timestamp = true, .timestamp_ms = 999 };
    delta_snapshot *s = NULL;
    st_error e;
    st_error_init(&e);
    cr_expect_eq(delta_snapshot_load(t, &o, &s, &e), ST_ERR_NOTFOUND);
    cr_expect(strstr(e.msg, "before the earliest available commit (version 0 at 1970-01-01T00:16:40Z)"),
              "%s", e.msg);
    /* latest: f1 live with a null partition value, f0 a tombstone */
    cr_assert_eq(delta_snapshot_load(t, NULL, &s, &e), ST_OK, "%s", e.msg);
    cr_assert_eq(s->n_files, 1);
    cr_expect_str_eq(s->files[0].path, "p=b/f1");
    cr_expect_null(s->files[0].partition_values[0]);
    cr_expect_eq(s->files[0].added_version, 1);
    cr_assert_eq(s->n_tombstones, 1);
    cr_expect_eq(s->tombstones[0].deletion_timestamp, 5);
    delta_snapshot_free(s);
    rm_table(t);
}

Test(delta_log, cleaned_up_versions)
{
    char *t = tmp_table();
    char buf[2048];
    snprintf(buf, sizeof buf, "%s{\"add\":{\"path\":\"f0\",\"partitionValues\":{\"p\":\"a\"},"
             "\"size\":1,\"modificationTime\":1,\"dataChange\":true}}\n", HEADER);
    /* commits 3 and 4 only: version 3 is not rebuildable (no checkpoint) */
    put_commit(t, 3, buf, 0);
    put_commit(t, 4, "{\"commitInfo\":{\"timestamp\":7,\"operation\":\"WRITE\"}}\n", 0);
    delta_snapshot *s = NULL;
    st_error e;
    st_error_init(&e);
    cr_expect_eq(delta_snapshot_load(t, NULL, &s, &e), ST_ERR_NOTFOUND);
    cr_expect(strstr(e.msg, "version 4 is no longer available (log retained from version 3)"),
              "%s", e.msg);
    /* junk in the log is ignored; a garbage line is a clear error */
    put_commit(t, 0, buf, 0);
    put_commit(t, 1, "{}\n", 0);
    put_commit(t, 2, "{\"cdc\":{\"path\":\"c\"},\"futureAction\":{\"x\":1}}\n", 0);
    char p[700];
    snprintf(p, sizeof p, "%s/_delta_log/._00000000000000000001.json", t);
    cr_assert_eq(store_put_atomic(p, "\x00\x05", 2, &e), ST_OK);
    snprintf(p, sizeof p, "%s/_delta_log/_last_checkpoint", t);
    cr_assert_eq(store_put_atomic(p, "garbage", 7, &e), ST_OK);
    cr_assert_eq(delta_snapshot_load(t, NULL, &s, &e), ST_OK, "%s", e.msg);
    cr_expect_eq(s->version, 4);
    cr_expect_eq(s->n_files, 1);
    delta_snapshot_free(s);
    put_commit(t, 5, "{\"add\":{\"path\":\"g\",\"size\":1}\n", 0);
    cr_expect_eq(delta_snapshot_load(t, NULL, &s, &e), ST_ERR_CORRUPT);
    cr_expect(strstr(e.msg, "00000000000000000005.json") != NULL, "%s", e.msg);
    /* history of what remains: newest first */
    delta_commit_info *ci;
    int n;
    st_arena *a;
    cr_assert_eq(delta_history(t, 3, &ci, &n, &a, &e), ST_OK, "%s", e.msg);
    cr_assert_eq(n, 3);
    cr_expect_eq(ci[0].version, 5);
    cr_expect_eq(ci[1].version, 4);
    cr_expect_eq(ci[1].timestamp_ms, 7);
    cr_expect_str_eq(ci[1].operation, "WRITE");
    st_arena_free(a);
    rm_table(t);
}

Test(delta_log, history_golden)
{
    delta_commit_info *ci;
    int n;
    st_arena *a;
    st_error e;
    st_error_init(&e);
    cr_assert_eq(delta_history(gpath("deltalog-commit-info/delta"), 0, &ci, &n, &a, &e), ST_OK,
                 "%s", e.msg);
    cr_assert_eq(n, 1);
    cr_expect_eq(ci[0].version, 0);
    cr_expect_eq(ci[0].timestamp_ms, 1540415658000);
    cr_expect_str_eq(ci[0].operation, "WRITE");
    cr_expect(strstr(ci[0].json, "\"userName\":\"username_0\"") != NULL);
    st_arena_free(a);
    cr_assert_eq(delta_history(gpath("125-iterator-bug/delta"), 0, &ci, &n, &a, &e), ST_OK);
    cr_expect_eq(n, 12);
    cr_expect_eq(ci[0].version, 11);
    cr_expect_eq(ci[11].version, 0);
    st_arena_free(a);
}

Test(delta_log, resolve_path)
{
    st_arena *a = st_arena_new(0);
    cr_expect_str_eq(delta_resolve_path("/t/", "a%20b/c%25d.parquet", a), "/t/a b/c%d.parquet");
    cr_expect_str_eq(delta_resolve_path("file:///t", "x=1/f", a), "/t/x=1/f");
    cr_expect_str_eq(delta_resolve_path("/t", "/abs/f%3A1", a), "/abs/f:1");
    cr_expect_str_eq(delta_resolve_path("/t", "file:/abs/f", a), "/abs/f");
    cr_expect_str_eq(delta_resolve_path("/t", "file:///abs/f%20g", a), "/abs/f g");
    st_arena_free(a);
}

Test(delta_log, supported_features)
{
    const char *const *f = delta_supported_reader_features();
    bool cm = false, variant = false;
    for (; *f; f++) {
        cm |= strcmp(*f, "columnMapping") == 0;
        variant |= strncmp(*f, "variant", 7) == 0;
    }
    cr_expect(cm);
    cr_expect(!variant);
}

/* 100k adds in one JSON commit plus 50 small commits; prints the load time. */
Test(delta_log, big_log_load_time, .timeout = 60)
{
    char *t = tmp_table();
    st_buf b;
    st_buf_init(&b);
    st_error e;
    st_error_init(&e);
    cr_assert_eq(st_buf_append_str(&b, HEADER, &e), ST_OK);
    for (int i = 0; i < 100000; i++)
        cr_assert_eq(st_buf_printf(&b, &e, "{\"add\":{\"path\":\"p=%d/part-%06d.parquet\","
                     "\"partitionValues\":{\"p\":\"%d\"},\"size\":%d,\"modificationTime\":1,"
                     "\"dataChange\":true,\"stats\":\"{\\\"numRecords\\\":10}\"}}\n",
                     i % 10, i, i % 10, 100 + i), ST_OK);
    cr_assert_eq(st_buf_append_byte(&b, 0, &e), ST_OK);
    put_commit(t, 0, (const char *)b.data, 0);
    for (int v = 1; v <= 50; v++) {
        char c[512];
        snprintf(c, sizeof c, "{\"remove\":{\"path\":\"p=%d/part-%06d.parquet\",\"deletionTimestamp\":9,"
                 "\"dataChange\":true}}\n{\"add\":{\"path\":\"new-%d.parquet\",\"partitionValues\":"
                 "{\"p\":\"x\"},\"size\":1,\"modificationTime\":1,\"dataChange\":true}}\n",
                 v % 10, v, v);
        put_commit(t, v, c, 0);
    }
    st_buf_destroy(&b);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    delta_snapshot *s = NULL;
    cr_assert_eq(delta_snapshot_load(t, NULL, &s, &e), ST_OK, "%s", e.msg);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("delta_log: loaded 100000 adds + 50 commits in %.3f s\n",
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    cr_expect_eq(s->version, 50);
    cr_expect_eq(s->n_files, 100000);     /* 100000 - 50 removed + 50 added */
    cr_expect_eq(s->n_tombstones, 50);
    cr_expect_str_eq(s->files[0].path, "new-1.parquet");
    delta_snapshot_free(s);
    rm_table(t);
}
