/* ml_search_fuzz.c -- libFuzzer target for MLflow's search syntax in the
** tracking store and the registry (src/ml/ml_search.c): the filter and
** order_by scanners, page tokens, and the SQL each search builds from them,
** run against SQLite. One store is opened on a temporary warehouse at start
** and filled with an experiment, runs (metrics, a NaN metric, params, tags,
** a dataset input), a registered model and versions; it is removed at exit.
**
** Input: byte 0 picks the search (bits 0-1: runs, experiments, registered
** models, model versions), the view (bit 2: "ALL"), whether the last line is
** a page token instead of an order_by entry (bit 3) and max_results (bits
** 4-5: 0, 1, 2, 100000 -- the last one out of range). The rest is split at
** newlines: the filter, then up to 8 order_by entries. Every search must
** return ST_OK or ST_ERR_ARGUMENT with a message; anything else (an SQLite
** failure surfacing as ST_ERR_IO for user syntax, a crash, a leak) is a bug.
** Seeds: tests/fuzz/corpus/ml_search_fuzz/. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "ml/ml_store.h"

#define MUST(rc, err) fuzz_must("ml_search_fuzz", (rc), (err))

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ml_store *g_store;        /* opened once, shared by every input */
static char      g_dir[64];      /* the temporary warehouse */

static void cleanup(void)
{
    ml_store_close(g_store);
    g_store = NULL;
    fuzz_rm_tree(g_dir);
}

/* Two runs with metrics, params, tags and a dataset; a model with versions. */
static void fill_store(ml_store *s)
{
    st_error err;
    st_error_init(&err);
    char *exp = NULL;
    ml_kv etag = { "team", "ml" };
    MUST(ml_experiment_create(s, "fuzz", NULL, &etag, 1, &exp, &err), &err);
    const char *names[2] = { "alpha", "beta" };
    char run_ids[2][40];
    for (int i = 0; i < 2; i++) {
        json_t *run = NULL;
        ml_kv tag = { "mlflow.source.type", i ? "JOB" : "LOCAL" };
        MUST(ml_run_create(s, exp, "fuzzer", names[i], 1000 + i, &tag, 1, &run, &err), &err);
        const char *id = json_string_value(json_object_get(json_object_get(run, "info"),
                                                           "run_id"));
        snprintf(run_ids[i], sizeof run_ids[i], "%s", id ? id : "");
        json_decref(run);
        MUST(ml_log_metric(s, run_ids[i], "acc", 0.5 + i * 0.25, 10, 0, &err), &err);
        MUST(ml_log_metric(s, run_ids[i], "loss", i ? NAN : 1.5, 10, 0, &err), &err);
        MUST(ml_log_param(s, run_ids[i], "depth", i ? "3" : "5", &err), &err);
        MUST(ml_set_tag(s, run_ids[i], "a b", "x'y", &err), &err);
    }
    json_t *ds = json_loads("[{\"dataset\": {\"name\": \"train\", \"digest\": \"abc\", "
                            "\"source_type\": \"local\", \"source\": \"/tmp/x\"}, \"tags\": "
                            "[{\"key\": \"mlflow.data.context\", \"value\": \"training\"}]}]",
                            0, NULL);
    MUST(ml_log_inputs(s, run_ids[0], ds, &err), &err);
    json_decref(ds);
    json_t *j = NULL;
    ml_kv mtag = { "owner", "ops" };
    MUST(ml_model_create(s, "churn", "a model", &mtag, 1, &j, &err), &err);
    json_decref(j);
    for (int v = 0; v < 2; v++) {
        char src[128];
        snprintf(src, sizeof src, "runs:/%s/model", run_ids[v]);
        MUST(ml_version_create(s, "churn", src, run_ids[v], NULL, &mtag, 1, NULL, &j, &err),
             &err);
        json_decref(j);
    }
    MUST(ml_model_create(s, "Churn_2%", NULL, NULL, 0, &j, &err), &err);
    json_decref(j);
    st_free(exp);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_scratch_dir(g_dir, sizeof g_dir, "ml_search_fuzz");
    st_error err;
    st_error_init(&err);
    MUST(ml_store_open(g_dir, &g_store, &err), &err);
    fill_store(g_store);
    atexit(cleanup);
    return 0;
}

/* Runs one search; checks the status and the shape of the reply. */
static void run_search(int which, const char *view, const char *filter,
                       const char *const *order, int n_order, int64_t max_results,
                       const char *token)
{
    static const char *const k_keys[4] = { "runs", "experiments", "registered_models",
                                            "model_versions" };
    const char *exps[2] = { "0", "1" };
    st_error err;
    st_error_init(&err);
    json_t *out = NULL;
    st_status rc;
    switch (which) {
    case 0:
        rc = ml_run_search(g_store, exps, 2, filter, view, order, n_order, max_results, token,
                           &out, &err);
        break;
    case 1:
        rc = ml_experiment_search(g_store, view, filter, order, n_order, max_results, token,
                                  &out, &err);
        break;
    case 2:
        rc = ml_model_search(g_store, filter, order, n_order, max_results, token, &out, &err);
        break;
    default:
        rc = ml_version_search(g_store, filter, order, n_order, max_results, token, &out, &err);
        break;
    }
    if (rc == ST_OK) {
        if (!json_is_array(json_object_get(out, k_keys[which])))
            abort();
    } else if (rc != ST_ERR_ARGUMENT || !err.msg[0] || out) {
        fprintf(stderr, "search %d: status %s: %s\n", which, st_status_name(rc), err.msg);
        abort();
    }
    json_decref(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1 << 18))
        return 0;
    uint8_t flags = data[0];
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    const char *lines[10];
    int n_lines = 0;
    for (char *p = text; n_lines < 10;) {
        lines[n_lines++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    const char *token = NULL;
    int n_order = n_lines - 1;
    if ((flags & 8) && n_order > 0)
        token = lines[n_lines - 1], n_order--;
    if (n_order > 8)
        n_order = 8;
    static const int64_t k_max[4] = { 0, 1, 2, 100000 };
    run_search(flags & 3, (flags & 4) ? "ALL" : NULL, lines[0], lines + 1, n_order,
               k_max[(flags >> 4) & 3], token);
    free(text);
    return 0;
}
