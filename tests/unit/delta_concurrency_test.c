/* delta_concurrency_test.c -- process-level tests of Delta commits
** (delta_txn.c over store_put_if_absent): 8 forked writers appending to one
** table at once must produce contiguous versions with every commit landing
** exactly once and no conflict errors; writers SIGKILLed at random moments
** must leave a loadable table whose rows are exactly those of whole commits,
** with every commit file complete. */
#include <criterion/criterion.h>

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "delta/delta.h"
#include "store/store.h"

static vec_field cc_fields[2];
static vec_schema cc_schema;

static void cc_init(void)
{
    cc_fields[0] = (vec_field){ .name = "writer", .type = { .id = VEC_INT64 }, .nullable = true };
    cc_fields[1] = (vec_field){ .name = "seq", .type = { .id = VEC_INT64 }, .nullable = true };
    cc_schema = (vec_schema){ .n_fields = 2, .fields = cc_fields };
}

static char *cc_table(const char *tag)
{
    char *p = malloc(256);
    snprintf(p, 256, "/tmp/strata-dconc-%s-%d-XXXXXX", tag, (int)getpid());
    cr_assert(mkdtemp(p) != NULL);
    return p;
}

static void cc_rm(const char *p)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
    cr_assert_eq(system(cmd), 0);
}

/* One append of n rows; returns the status (child processes report it). */
static st_status append_rows(const char *table, int64_t writer, int64_t seq, int n, st_error *err)
{
    delta_txn *t = NULL;
    st_status rc = delta_txn_begin(table, NULL, &t, err);
    if (rc != ST_OK)
        return rc;
    vec_batch *b = vec_batch_new(&cc_schema, 2, 0);
    vec_builder *w = vec_builder_new(&cc_fields[0].type), *s = vec_builder_new(&cc_fields[1].type);
    for (int i = 0; i < n && rc == ST_OK; i++) {
        rc = vec_builder_append_i64(w, writer, err);
        if (rc == ST_OK)
            rc = vec_builder_append_i64(s, seq, err);
    }
    if (rc == ST_OK)
        rc = vec_builder_finish(w, b->arena, &b->cols[0], err);
    if (rc == ST_OK)
        rc = vec_builder_finish(s, b->arena, &b->cols[1], err);
    vec_builder_free(w);
    vec_builder_free(s);
    b->n_rows = n;
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

static void create_empty(const char *table)
{
    st_error err;
    delta_txn *t = NULL;
    delta_create_options co = { .schema = &cc_schema };
    cr_assert_eq(delta_txn_begin(table, &co, &t, &err), ST_OK, "%s", err.msg);
    int64_t v;
    cr_assert_eq(delta_txn_commit(t, "CREATE TABLE", NULL, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(v, 0);
}

/* Parses every commit 0..last: each line must be a complete JSON object.
** Returns the number of add actions and sums their numRecords. */
static int64_t log_adds(const char *table, int64_t last, int64_t *rows)
{
    int64_t adds = 0;
    *rows = 0;
    for (int64_t v = 0; v <= last; v++) {
        char path[512];
        snprintf(path, sizeof path, "%s/_delta_log/%020lld.json", table, (long long)v);
        uint8_t *data = NULL;
        size_t n = 0;
        st_error err;
        cr_assert_eq(store_read(path, &data, &n, &err), ST_OK, "version %lld missing: %s",
                     (long long)v, err.msg);
        cr_assert(n > 0 && data[n - 1] == '\n', "commit %lld is not complete", (long long)v);
        char *p = (char *)data, *end = p + n;
        while (p < end) {
            char *nl = memchr(p, '\n', (size_t)(end - p));
            json_error_t je;
            json_t *o = json_loadb(p, (size_t)(nl - p), 0, &je);
            cr_assert(o != NULL, "bad line in commit %lld: %s", (long long)v, je.text);
            json_t *add = json_object_get(o, "add");
            if (add) {
                json_t *st = json_loads(json_string_value(json_object_get(add, "stats")), 0, NULL);
                *rows += json_integer_value(json_object_get(st, "numRecords"));
                json_decref(st);
                adds++;
            }
            json_decref(o);
            p = nl + 1;
        }
        st_free(data);
    }
    return adds;
}

static int64_t scan_count(const delta_snapshot *s)
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
        n += b->n_rows;
        vec_batch_free(b);
    }
    delta_scan_close(sc);
    return n;
}

Test(delta_concurrency, eight_writers_contiguous, .timeout = 120)
{
    cc_init();
    char *table = cc_table("8w");
    create_empty(table);
    enum { WRITERS = 8, COMMITS = 25, ROWS = 10 };
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        cr_assert(pids[w] >= 0);
        if (pids[w] == 0) {
            for (int c = 0; c < COMMITS; c++) {
                st_error err;
                st_error_init(&err);
                if (append_rows(table, w, c, ROWS, &err) != ST_OK) {
                    fprintf(stderr, "writer %d commit %d: %s\n", w, c, err.msg);
                    _exit(1);
                }
            }
            _exit(0);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int status = 0;
        cr_assert_eq(waitpid(pids[w], &status, 0), pids[w]);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed", w);
    }
    st_error err;
    delta_snapshot *s = NULL;
    cr_assert_eq(delta_snapshot_load(table, NULL, &s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(s->version, WRITERS * COMMITS);
    cr_assert_eq(s->n_files, WRITERS * COMMITS);
    int64_t rows = 0;
    cr_assert_eq(log_adds(table, s->version, &rows), WRITERS * COMMITS);
    cr_assert_eq(rows, WRITERS * COMMITS * ROWS);
    cr_assert_eq(scan_count(s), WRITERS * COMMITS * ROWS);
    /* every (writer, seq) landed exactly once: no duplicates among the files */
    char path[512];
    snprintf(path, sizeof path, "%s/_delta_log/%020d.json", table, WRITERS * COMMITS + 1);
    cr_assert(!store_exists(path));
    delta_snapshot_free(s);
    cc_rm(table);
    free(table);
}

Test(delta_concurrency, killed_writers_leave_whole_commits, .timeout = 180)
{
    cc_init();
    char *table = cc_table("kill");
    create_empty(table);
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    enum { ROUNDS = 20, WRITERS = 3 };
    for (int r = 0; r < ROUNDS; r++) {
        pid_t pids[WRITERS];
        for (int w = 0; w < WRITERS; w++) {
            pids[w] = fork();
            cr_assert(pids[w] >= 0);
            if (pids[w] == 0) {
                for (int c = 0;; c++) {
                    st_error err;
                    append_rows(table, r * WRITERS + w, c, 10, &err);
                }
            }
        }
        usleep((useconds_t)(rand() % 40000));
        for (int w = 0; w < WRITERS; w++)
            kill(pids[w], SIGKILL);
        for (int w = 0; w < WRITERS; w++)
            waitpid(pids[w], NULL, 0);
    }
    st_error err;
    delta_snapshot *s = NULL;
    cr_assert_eq(delta_snapshot_load(table, NULL, &s, &err), ST_OK, "%s", err.msg);
    int64_t rows = 0;
    int64_t adds = log_adds(table, s->version, &rows);
    cr_assert(s->version > 0, "no writer committed before being killed");
    cr_assert_eq(adds, s->version, "one add per commit after the create");
    cr_assert_eq((int64_t)s->n_files, adds);
    cr_assert_eq(rows, 10 * adds);
    cr_assert_eq(scan_count(s), rows);
    delta_snapshot_free(s);
    cc_rm(table);
    free(table);
}
