/* delta_cleanup_test.c -- log and tombstone retention (delta_cleanup.c,
** delta_checkpoint_write.c, delta_txn.c): interval property parsing as Spark
** writes it; expired-log cleanup after a checkpoint commit on a 25-commit
** table whose old commit files are back-dated with utimensat (exact list of
** removed files, every retained version loadable, older versions "no longer
** available"); a second cleanup that removes the older checkpoint; cleanup
** disabled by delta.enableExpiredLogCleanup=false; bogus intervals falling
** back to the defaults; expired remove tombstones dropped from a checkpoint
** (read back with the JSON commits hidden); the lost CREATE race message. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "delta/delta_cleanup.h"
#include "delta/delta_write.h"
#include "store/store.h"
#include "test_util.h"

#define HOUR_MS (3600LL * 1000)

/* ---- interval parsing ------------------------------------------------------ */

Test(delta_cleanup, interval_parsing)
{
    static const struct { const char *s; int64_t ms; } ok[] = {
        { "interval 30 days", 30 * DELTA_MS_PER_DAY },
        { "interval 1 hour", HOUR_MS },
        { "interval 2 weeks", 14 * DELTA_MS_PER_DAY },
        { "30 days", 30 * DELTA_MS_PER_DAY },
        { "interval 168 hours", 7 * DELTA_MS_PER_DAY },
        { "INTERVAL 1 DAY", DELTA_MS_PER_DAY },
        { "  interval   1 day 12 hours ", DELTA_MS_PER_DAY + 12 * HOUR_MS },
        { "interval 1500 milliseconds", 1500 },
        { "interval 2 minutes", 120000 },
        { "interval 1.5 seconds", 1500 },
        { "interval 2500 microseconds", 2 },
        { "interval 0 seconds", 0 },
        { "interval 2 days -1 day", DELTA_MS_PER_DAY },
    };
    for (size_t i = 0; i < ST_ARRAY_LEN(ok); i++) {
        int64_t ms = -1;
        cr_assert(delta_parse_interval_ms(ok[i].s, &ms), "rejected \"%s\"", ok[i].s);
        cr_assert_eq(ms, ok[i].ms, "\"%s\" -> %lld", ok[i].s, (long long)ms);
    }
    static const char *const bad[] = {
        "", "interval", "banana", "interval banana", "30", "interval 30", "days 30",
        "interval 1 month", "interval 2 years", "interval -1 day", "interval 1.5 days",
        "interval 30 dayz", "interval 99999999999999999999 days", "interval 200000000 weeks",
        "interval 1day", "interval 1 day,", "1 day x",
    };
    for (size_t i = 0; i < ST_ARRAY_LEN(bad); i++) {
        int64_t ms = 42;
        cr_assert(!delta_parse_interval_ms(bad[i], &ms), "accepted \"%s\"", bad[i]);
        cr_assert_eq(ms, 42);
    }
    cr_assert(!delta_parse_interval_ms(NULL, NULL));
}

/* ---- a one-column table ---------------------------------------------------------- */

static vec_field id_field = { .name = "id", .type = { .id = VEC_INT64 }, .nullable = true };
static vec_schema id_schema = { .n_fields = 1, .fields = &id_field };

static vec_batch *id_batch(int64_t id)
{
    st_error err;
    vec_batch *b = vec_batch_new(&id_schema, 1, 0);
    vec_builder *ib = vec_builder_new(&id_field.type);
    cr_assert_eq(vec_builder_append_i64(ib, id, &err), ST_OK);
    cr_assert_eq(vec_builder_finish(ib, b->arena, &b->cols[0], &err), ST_OK);
    vec_builder_free(ib);
    b->n_rows = 1;
    return b;
}

/* Commits one row (creating the table with the given properties when
** n_config >= 0); returns the version written. */
static int64_t commit_row(const char *table, int n_config, const char *const *keys,
                          const char *const *vals, int64_t id)
{
    st_error err;
    st_error_init(&err);
    delta_create_options co = { .schema = &id_schema, .n_config = n_config < 0 ? 0 : n_config,
                                .config_keys = keys, .config_values = vals };
    delta_txn *t = NULL;
    cr_assert_eq(delta_txn_begin(table, n_config >= 0 ? &co : NULL, &t, &err), ST_OK, "%s",
                 err.msg);
    vec_batch *b = id_batch(id);
    cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
    vec_batch_free(b);
    int64_t v = -2;
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &v, &err), ST_OK, "%s", err.msg);
    return v;
}

static char *log_file(const char *table, int64_t v, const char *suffix)
{
    char *p = malloc(512);
    snprintf(p, 512, "%s/_delta_log/%020lld%s", table, (long long)v, suffix);
    return p;
}

static bool log_exists(const char *table, int64_t v, const char *suffix)
{
    char *p = log_file(table, v, suffix);
    bool e = store_exists(p);
    free(p);
    return e;
}

static void backdate(const char *path, int64_t age_ms)
{
    int64_t t = delta_now_ms() - age_ms;
    struct timespec ts[2] = { { t / 1000, (t % 1000) * 1000000 }, { t / 1000, (t % 1000) * 1000000 } };
    cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0, "utimensat %s", path);
}

static void backdate_log(const char *table, int64_t v, const char *suffix, int64_t age_ms)
{
    char *p = log_file(table, v, suffix);
    backdate(p, age_ms);
    free(p);
}

static void touch(const char *path)
{
    cr_assert_eq(store_put_atomic(path, "{}\n", 3, NULL), ST_OK);
}

static st_status load_version(const char *table, int64_t v, delta_snapshot **s, st_error *err)
{
    delta_read_options o = { .has_version = true, .version = v };
    return delta_snapshot_load(table, &o, s, err);
}

static int count_log_entries(const char *table)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/_delta_log", table);
    st_arena *a = st_arena_new(0);
    char **names = NULL;
    int n = 0;
    cr_assert_eq(store_list(dir, a, &names, &n, NULL), ST_OK);
    st_arena_free(a);
    return n;
}

/* Builds versions 0..19 (checkpoint at 10) with the given properties, then
** back-dates commits 0..14 (and checkpoint 10, .crc and compaction files
** planted among them) by three days. */
static void build_aged_table(const char *table, int n_config, const char *const *keys,
                             const char *const *vals)
{
    cr_assert_eq(commit_row(table, n_config, keys, vals, 0), 0);
    for (int64_t i = 1; i < 20; i++)
        cr_assert_eq(commit_row(table, -1, NULL, NULL, i), i);
    cr_assert(log_exists(table, 10, ".checkpoint.parquet"));
    char *p = log_file(table, 5, ".crc");
    touch(p);
    backdate(p, 3 * DELTA_MS_PER_DAY);
    free(p);
    p = log_file(table, 3, ".00000000000000000008.compacted.json");
    touch(p);
    free(p);
    p = log_file(table, 12, ".00000000000000000014.compacted.json");
    touch(p);
    free(p);
    for (int64_t v = 0; v <= 14; v++)
        backdate_log(table, v, ".json", 3 * DELTA_MS_PER_DAY);
    backdate_log(table, 10, ".checkpoint.parquet", 3 * DELTA_MS_PER_DAY);
}

Test(delta_cleanup, expired_log_removed_after_checkpoint)
{
    char *table = tu_tmp_dir("log");
    const char *keys[] = { "delta.logRetentionDuration" };
    const char *vals[] = { "interval 1 hour" };
    build_aged_table(table, 1, keys, vals);
    int before = count_log_entries(table);

    /* version 20 is a checkpoint commit: cutoff commit 14, cutoff checkpoint 10 */
    cr_assert_eq(commit_row(table, -1, NULL, NULL, 20), 20);
    cr_assert(log_exists(table, 20, ".checkpoint.parquet"));
    for (int64_t v = 0; v < 10; v++)
        cr_assert(!log_exists(table, v, ".json"), "commit %lld kept", (long long)v);
    cr_assert(!log_exists(table, 5, ".crc"));
    cr_assert(!log_exists(table, 3, ".00000000000000000008.compacted.json"));
    cr_assert(log_exists(table, 12, ".00000000000000000014.compacted.json"));
    cr_assert(log_exists(table, 10, ".checkpoint.parquet"));
    for (int64_t v = 10; v <= 20; v++)
        cr_assert(log_exists(table, v, ".json"), "commit %lld removed", (long long)v);
    /* removed: commits 0..9, one .crc, one compaction; added: json 20 + checkpoint 20 */
    cr_assert_eq(count_log_entries(table), before - 12 + 2);

    for (int64_t i = 21; i < 25; i++)
        cr_assert_eq(commit_row(table, -1, NULL, NULL, i), i);
    st_error err;
    st_error_init(&err);
    delta_snapshot *s = NULL;
    cr_assert_eq(delta_snapshot_load(table, NULL, &s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(s->version, 24);
    cr_assert_eq(s->n_files, 25);
    cr_assert_eq(s->checkpoint_version, 20);
    delta_snapshot_free(s);
    for (int64_t v = 10; v <= 24; v++) {
        cr_assert_eq(load_version(table, v, &s, &err), ST_OK, "v%lld: %s", (long long)v, err.msg);
        cr_assert_eq(s->version, v);
        cr_assert_eq((int64_t)s->n_files, v + 1);
        delta_snapshot_free(s);
    }
    for (int64_t v = 0; v < 10; v++) {
        cr_assert_eq(load_version(table, v, &s, &err), ST_ERR_NOTFOUND, "v%lld", (long long)v);
        cr_assert(strstr(err.msg, "is no longer available (log retained from version 10)"), "%s",
                  err.msg);
    }

    /* later, everything up to 22 has aged: the cutoff checkpoint moves to 20 */
    for (int64_t v = 10; v <= 22; v++)
        backdate_log(table, v, ".json", 3 * DELTA_MS_PER_DAY);
    cr_assert_eq(delta_snapshot_load(table, NULL, &s, &err), ST_OK, "%s", err.msg);
    int64_t from = -2;
    int deleted = -1;
    cr_assert_eq(delta_log_cleanup(s, delta_now_ms(), &from, &deleted, &err), ST_OK, "%s",
                 err.msg);
    delta_snapshot_free(s);
    cr_assert_eq(from, 20);
    cr_assert_eq(deleted, 10 + 1 + 1);   /* commits 10..19, checkpoint 10, compaction 12 */
    cr_assert(!log_exists(table, 10, ".checkpoint.parquet"));
    cr_assert(!log_exists(table, 19, ".json"));
    cr_assert(!log_exists(table, 12, ".00000000000000000014.compacted.json"));
    cr_assert(log_exists(table, 20, ".json"));
    cr_assert(log_exists(table, 20, ".checkpoint.parquet"));
    for (int64_t v = 20; v <= 24; v++) {
        cr_assert_eq(load_version(table, v, &s, &err), ST_OK, "v%lld: %s", (long long)v, err.msg);
        delta_snapshot_free(s);
    }
    cr_assert_eq(load_version(table, 15, &s, &err), ST_ERR_NOTFOUND);
    cr_assert(strstr(err.msg, "log retained from version 20"), "%s", err.msg);

    /* a second run finds nothing more to delete */
    cr_assert_eq(delta_snapshot_load(table, NULL, &s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_log_cleanup(s, delta_now_ms(), &from, &deleted, &err), ST_OK);
    cr_assert_eq(from, 20);
    cr_assert_eq(deleted, 0);
    delta_snapshot_free(s);
    tu_rm_rf(table);
    free(table);
}

Test(delta_cleanup, nothing_removed_without_old_checkpoint_or_when_disabled)
{
    /* cleanup disabled */
    char *table = tu_tmp_dir("off");
    const char *keys[] = { "delta.logRetentionDuration", "delta.enableExpiredLogCleanup" };
    const char *vals[] = { "interval 1 hour", "FALSE" };
    build_aged_table(table, 2, keys, vals);
    int before = count_log_entries(table);
    cr_assert_eq(commit_row(table, -1, NULL, NULL, 20), 20);
    cr_assert_eq(count_log_entries(table), before + 2);
    st_error err;
    st_error_init(&err);
    delta_snapshot *s = NULL;
    cr_assert_eq(load_version(table, 0, &s, &err), ST_OK, "%s", err.msg);
    delta_snapshot_free(s);
    tu_rm_rf(table);
    free(table);

    /* bogus interval: default 30 days keeps three-day-old commits; commits still work */
    table = tu_tmp_dir("bogus");
    const char *bkeys[] = { "delta.logRetentionDuration", "delta.deletedFileRetentionDuration" };
    const char *bvals[] = { "interval banana", "1 fortnight" };
    build_aged_table(table, 2, bkeys, bvals);
    before = count_log_entries(table);
    cr_assert_eq(commit_row(table, -1, NULL, NULL, 20), 20);
    cr_assert(log_exists(table, 20, ".checkpoint.parquet"));
    cr_assert_eq(count_log_entries(table), before + 2);
    cr_assert_eq(load_version(table, 0, &s, &err), ST_OK, "%s", err.msg);
    delta_snapshot_free(s);
    tu_rm_rf(table);
    free(table);

    /* old commits but the only older checkpoint is too new: nothing to delete */
    table = tu_tmp_dir("young");
    const char *ykeys[] = { "delta.logRetentionDuration" };
    const char *yvals[] = { "interval 1 hour" };
    cr_assert_eq(commit_row(table, 1, ykeys, yvals, 0), 0);
    for (int64_t i = 1; i < 10; i++)
        cr_assert_eq(commit_row(table, -1, NULL, NULL, i), i);
    for (int64_t v = 0; v <= 8; v++)
        backdate_log(table, v, ".json", 3 * DELTA_MS_PER_DAY);
    before = count_log_entries(table);
    cr_assert_eq(commit_row(table, -1, NULL, NULL, 10), 10);   /* checkpoint 10 > cutoff 8 */
    cr_assert_eq(count_log_entries(table), before + 3);        /* + _last_checkpoint */
    for (int64_t v = 0; v <= 10; v++)
        cr_assert(log_exists(table, v, ".json"), "commit %lld removed", (long long)v);
    cr_assert_eq(load_version(table, 0, &s, &err), ST_OK, "%s", err.msg);
    delta_snapshot_free(s);
    tu_rm_rf(table);
    free(table);
}

Test(delta_cleanup, non_monotonic_times_keep_more)
{
    /* a commit with a future-skewed time stops the cutoff before it */
    char *table = tu_tmp_dir("skew");
    const char *keys[] = { "delta.logRetentionDuration" };
    const char *vals[] = { "interval 1 hour" };
    build_aged_table(table, 1, keys, vals);
    backdate_log(table, 4, ".json", -DELTA_MS_PER_DAY);   /* one day in the future */
    for (int64_t v = 15; v <= 19; v++)
        backdate_log(table, v, ".json", 3 * DELTA_MS_PER_DAY);
    cr_assert_eq(commit_row(table, -1, NULL, NULL, 20), 20);
    for (int64_t v = 0; v <= 20; v++)
        cr_assert(log_exists(table, v, ".json"), "commit %lld removed", (long long)v);
    tu_rm_rf(table);
    free(table);
}

/* ---- tombstones ------------------------------------------------------------- */

Test(delta_cleanup, expired_tombstones_left_out_of_checkpoint)
{
    char *table = tu_tmp_dir("tomb");
    const char *keys[] = { "delta.deletedFileRetentionDuration" };
    const char *vals[] = { "interval 1 hour" };
    cr_assert_eq(commit_row(table, 1, keys, vals, 0), 0);
    cr_assert_eq(commit_row(table, -1, NULL, NULL, 1), 1);
    cr_assert_eq(commit_row(table, -1, NULL, NULL, 2), 2);
    st_error err;
    st_error_init(&err);
    delta_snapshot *s = NULL;
    cr_assert_eq(delta_snapshot_load(table, NULL, &s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(s->n_files, 3);
    char *old_path = strdup(s->files[0].path), *new_path = strdup(s->files[1].path);
    delta_snapshot_free(s);

    /* version 3 removes one file two hours ago and another just now */
    int64_t now = delta_now_ms();
    char text[2048];
    int n = snprintf(text, sizeof text,
                     "{\"commitInfo\":{\"timestamp\":%lld,\"operation\":\"DELETE\"}}\n"
                     "{\"remove\":{\"path\":\"%s\",\"deletionTimestamp\":%lld,\"dataChange\":true}}\n"
                     "{\"remove\":{\"path\":\"%s\",\"deletionTimestamp\":%lld,\"dataChange\":true}}\n",
                     (long long)now, old_path, (long long)(now - 2 * HOUR_MS), new_path,
                     (long long)(now - 1000));
    char *p3 = log_file(table, 3, ".json");
    cr_assert_eq(store_put_if_absent(p3, text, (size_t)n, &err), ST_OK, "%s", err.msg);
    free(p3);
    for (int64_t i = 4; i <= 10; i++)
        cr_assert_eq(commit_row(table, -1, NULL, NULL, i), i);
    cr_assert(log_exists(table, 10, ".checkpoint.parquet"));

    /* a snapshot replayed from the commits keeps both tombstones */
    cr_assert_eq(load_version(table, 9, &s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(s->checkpoint_version, -1);
    cr_assert_eq(s->n_tombstones, 2);
    delta_snapshot_free(s);

    /* hide the commits: the checkpoint alone has only the unexpired one */
    char hidden[512], cmd[1200];
    snprintf(hidden, sizeof hidden, "%s/hidden", table);
    cr_assert_eq(mkdir(hidden, 0755), 0);
    snprintf(cmd, sizeof cmd, "mv '%s'/_delta_log/*.json '%s'/", table, hidden);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(delta_snapshot_load(table, NULL, &s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(s->version, 10);
    cr_assert_eq(s->checkpoint_version, 10);
    cr_assert_eq(s->n_files, 8);   /* 3 adds, 2 removed, 7 adds */
    cr_assert_eq(s->n_tombstones, 1);
    cr_assert_str_eq(s->tombstones[0].path, new_path);
    cr_assert_eq(s->tombstones[0].deletion_timestamp, now - 1000);
    delta_snapshot_free(s);
    snprintf(cmd, sizeof cmd, "mv '%s'/*.json '%s'/_delta_log/", hidden, table);
    cr_assert_eq(system(cmd), 0);
    free(old_path);
    free(new_path);
    tu_rm_rf(table);
    free(table);
}

Test(delta_cleanup, default_tombstone_retention_keeps_recent_removes)
{
    /* no property: one week, so a two-hour-old remove stays in the checkpoint */
    char *table = tu_tmp_dir("tombdef");
    cr_assert_eq(commit_row(table, 0, NULL, NULL, 0), 0);
    cr_assert_eq(commit_row(table, -1, NULL, NULL, 1), 1);
    st_error err;
    st_error_init(&err);
    delta_snapshot *s = NULL;
    cr_assert_eq(delta_snapshot_load(table, NULL, &s, &err), ST_OK, "%s", err.msg);
    char *path = strdup(s->files[0].path);
    delta_snapshot_free(s);
    int64_t now = delta_now_ms();
    char text[1024];
    int n = snprintf(text, sizeof text,
                     "{\"remove\":{\"path\":\"%s\",\"deletionTimestamp\":%lld,\"dataChange\":true}}\n"
                     "{\"remove\":{\"path\":\"gone.parquet\",\"deletionTimestamp\":%lld,"
                     "\"dataChange\":true}}\n", path, (long long)(now - 2 * HOUR_MS),
                     (long long)(now - 8 * DELTA_MS_PER_DAY));
    char *p2 = log_file(table, 2, ".json");
    cr_assert_eq(store_put_if_absent(p2, text, (size_t)n, &err), ST_OK);
    free(p2);
    cr_assert_eq(delta_snapshot_load(table, NULL, &s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(s->n_tombstones, 2);
    cr_assert_eq(delta_checkpoint_write(s, &err), ST_OK, "%s", err.msg);
    delta_snapshot_free(s);
    char *p = log_file(table, 2, ".json");
    char *q = log_file(table, 2, ".json.hidden");
    cr_assert_eq(rename(p, q), 0);
    for (int64_t v = 0; v < 2; v++) {
        char *c = log_file(table, v, ".json");
        cr_assert_eq(unlink(c), 0);
        free(c);
    }
    cr_assert_eq(delta_snapshot_load(table, NULL, &s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(s->version, 2);
    cr_assert_eq(s->n_tombstones, 1);
    cr_assert_str_eq(s->tombstones[0].path, path);
    delta_snapshot_free(s);
    free(p);
    free(q);
    free(path);
    tu_rm_rf(table);
    free(table);
}

/* ---- create race ------------------------------------------------------------ */

Test(delta_cleanup, lost_create_race_names_the_winner)
{
    char *table = tu_tmp_dir("race");
    st_error err;
    st_error_init(&err);
    delta_create_options co = { .schema = &id_schema };
    delta_txn *a = NULL, *b = NULL;
    cr_assert_eq(delta_txn_begin(table, &co, &a, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_txn_begin(table, &co, &b, &err), ST_OK, "%s", err.msg);
    vec_batch *rows = id_batch(7);
    cr_assert_eq(delta_txn_write(b, rows, &err), ST_OK, "%s", err.msg);
    vec_batch_free(rows);
    int64_t v = -2;
    cr_assert_eq(delta_txn_commit(a, "CREATE TABLE", NULL, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 0);
    cr_assert_eq(delta_txn_commit(b, "CREATE TABLE", NULL, &v, &err), ST_ERR_CONFLICT);
    cr_assert_eq(v, -1);
    cr_assert(strstr(err.msg, "table was created concurrently (version 0 exists)"), "%s", err.msg);
    cr_assert(!log_exists(table, 1, ".json"));
    /* the loser's data file was deleted: only _delta_log remains */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls '%s' | grep -v _delta_log)\"", table);
    cr_assert_eq(system(cmd), 0);
    tu_rm_rf(table);
    free(table);
}
