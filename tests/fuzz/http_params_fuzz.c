/* http_params_fuzz.c -- libFuzzer target for the request fields of `strata
** serve` (src/server): the query string split and decoded as
** libmicrohttpd does it, repeated and "k[]" keys collected into arrays, the
** JSON body merged over them (srv_params_parse in http.c), then the field
** helpers of mlflow_api.c (srv_param_str / srv_param_int64) on every field,
** and, when asked, one of the MLflow API's GET routes called with those
** fields against a store on a temporary warehouse (an experiment, a run
** with a metric, a registered model with a version and an alias), removed at
** exit.
**
** Input: byte 0 is flags (bit 0: raw_body, bit 1: call a GET route, the one
** byte 1 picks); the rest up to the first NUL is the query string, what
** follows the NUL the body. A route may fail with any status but
** ST_ERR_INTERNAL or ST_ERR_IO (a bug or an SQLite error for bad input);
** crashes, leaks, hangs and sanitizer reports are bugs too. Seeds:
** tests/fuzz/corpus/http_params_fuzz/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "server/server.h"

#define MUST(rc, err) fuzz_must("http_params_fuzz", (rc), (err))

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

static void fill_store(ml_store *s)
{
    st_error err;
    st_error_init(&err);
    char *exp = NULL;
    MUST(ml_experiment_create(s, "fuzz", NULL, NULL, 0, &exp, &err), &err);
    json_t *run = NULL;
    MUST(ml_run_create(s, exp, "fuzzer", "alpha", 1000, NULL, 0, &run, &err), &err);
    const char *id = json_string_value(json_object_get(json_object_get(run, "info"), "run_id"));
    char run_id[40];
    snprintf(run_id, sizeof run_id, "%s", id ? id : "");
    json_decref(run);
    MUST(ml_log_metric(s, run_id, "acc", 0.5, 10, 0, &err), &err);
    json_t *j = NULL;
    MUST(ml_model_create(s, "churn", NULL, NULL, 0, &j, &err), &err);
    json_decref(j);
    char src[128];
    snprintf(src, sizeof src, "runs:/%s/model", run_id);
    MUST(ml_version_create(s, "churn", src, run_id, NULL, NULL, 0, NULL, &j, &err), &err);
    json_decref(j);
    MUST(ml_alias_set(s, "churn", "champion", "1", &err), &err);
    st_free(exp);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_scratch_dir(g_dir, sizeof g_dir, "http_params_fuzz");
    st_error err;
    st_error_init(&err);
    MUST(ml_store_open(g_dir, &g_store, &err), &err);
    fill_store(g_store);
    atexit(cleanup);
    return 0;
}

/* The k-th route (cyclically) that answers GET with a JSON body. */
static const srv_route *get_route(unsigned k)
{
    int n = 0;
    for (int i = 0; i < srv_mlflow_n_routes; i++)
        n += (srv_mlflow_routes[i].methods & SRV_GET) && !srv_mlflow_routes[i].raw_body;
    if (n == 0)
        return NULL;
    k %= (unsigned)n;
    for (int i = 0; i < srv_mlflow_n_routes; i++)
        if ((srv_mlflow_routes[i].methods & SRV_GET) && !srv_mlflow_routes[i].raw_body &&
            k-- == 0)
            return &srv_mlflow_routes[i];
    return NULL;
}

/* Reads every field through the helpers the handlers use. */
static void read_fields(srv_call *c)
{
    size_t n = json_object_size(c->params);
    char **keys = calloc(n ? n : 1, sizeof *keys);
    if (!keys)
        return;
    size_t k = 0;
    const char *key;
    json_t *v;
    json_object_foreach(c->params, key, v) {
        if (k < n)
            keys[k++] = strdup(key);
    }
    for (size_t i = 0; i < k; i++) {
        if (!keys[i])
            continue;
        st_error err;
        st_error_init(&err);
        int64_t x;
        if (srv_param_int64(c, keys[i], 0, &x, &err) != ST_OK &&
            (err.code != ST_ERR_ARGUMENT || !err.msg[0]))
            abort();
        (void)srv_param_str(c, keys[i]);
        free(keys[i]);
    }
    free(keys);
}

static void call_route(srv_call *c, const srv_route *r)
{
    c->store = g_store;
    c->warehouse = g_dir;
    c->method = SRV_GET;
    c->method_name = "GET";
    c->path = r->path;
    c->suffix = "";
    c->reply_fd = -1;
    st_error err;
    st_error_init(&err);
    st_status rc = r->fn(c, &err);
    if (rc == ST_ERR_INTERNAL || rc == ST_ERR_IO) {
        fprintf(stderr, "GET %s: status %s: %s\n", r->path, st_status_name(rc), err.msg);
        abort();
    }
    if (rc != ST_OK && !err.msg[0])
        abort();
    if (c->reply_fd >= 0)
        close(c->reply_fd);
    json_decref(c->reply);
    st_free(c->reply_filename);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 1 << 20)
        return 0;
    uint8_t flags = data[0], pick = data[1];
    data += 2;
    size -= 2;
    const uint8_t *nul = memchr(data, 0, size);
    size_t qlen = nul ? (size_t)(nul - data) : size;
    char *query = malloc(qlen + 1);
    if (!query)
        return 0;
    memcpy(query, data, qlen);
    query[qlen] = '\0';
    const uint8_t *body = nul ? nul + 1 : data + size;
    size_t body_len = (size_t)(data + size - body);
    srv_call c = { .params = json_object(), .reply_fd = -1 };
    st_error err;
    st_error_init(&err);
    if (c.params) {
        st_status rc = srv_params_parse(query, body, body_len, flags & 1, c.params, &err);
        if (rc == ST_OK) {
            if (!json_is_object(c.params))
                abort();
            read_fields(&c);
            const srv_route *r = (flags & 2) ? get_route(pick) : NULL;
            if (r)
                call_route(&c, r);
        } else if (rc != ST_ERR_ARGUMENT || !err.msg[0]) {
            abort();
        }
    }
    json_decref(c.params);
    free(query);
    return 0;
}
