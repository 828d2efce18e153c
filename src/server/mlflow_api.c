/* mlflow_api.c -- MLflow's REST API over the tracking store (ml_store.h):
** tracking (service.proto), model registry (model_registry.proto) and the
** proxied artifacts of mlflow_artifacts.proto, as docs/interfaces.md
** section 1 lists them, plus what older clients call: the 1.x
** GET experiments/list and registered-models/list, the npm mlflow@2.0.7
** client's misspelt path "experimentsset-experiment-tag", and the Databricks
** SDK's databricks/registered-models/get and
** databricks/model-versions/transition-stage.
**
** Request conventions (MLflow's server): int64 fields as numbers or numeric
** strings; run_uuid is accepted for run_id; enums are names; a missing
** required field is INVALID_PARAMETER_VALUE naming it. The store returns
** entities already in MLflow's JSON shapes; handlers wrap them in the reply
** message ({"experiment": ...}, {"run": ...}).
**
** Proxied artifacts live under ml_store_artifact_root (immutable once the
** store is open, so those routes run without the store mutex). Paths are
** relative to the root and may not be absolute or hold ".." components.
** Uploads go to a temporary file beside the target, renamed into place. */
#include "server.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEARCH_DEFAULT_MAX 1000     /* runs/search, experiments/search */
#define MODEL_SEARCH_DEFAULT_MAX 100
#define VERSION_SEARCH_DEFAULT_MAX 10000

/* ---- field conversion ---------------------------------------------------- */

/* Text of field key of obj: strings as they are; numbers and booleans are
** replaced in obj by their text so the returned pointer lives as long as
** obj. NULL when absent, null, or an object/array. */
static const char *field_text(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    char buf[64];
    if (!v || json_is_null(v))
        return NULL;
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v))
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
    else if (json_is_boolean(v))
        snprintf(buf, sizeof buf, "%s", json_is_true(v) ? "true" : "false");
    else
        return NULL;
    json_t *s = json_string(buf);
    if (!s || json_object_set_new(obj, key, s) != 0)
        return NULL;
    return json_string_value(json_object_get(obj, key));
}

/* An int64 field: integer, integral real, or decimal string. */
static st_status field_int64(json_t *obj, const char *key, int64_t def, int64_t *out,
                             st_error *err)
{
    json_t *v = json_object_get(obj, key);
    *out = def;
    if (!v || json_is_null(v))
        return ST_OK;
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return ST_OK;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d == floor(d) && d >= -9.2e18 && d <= 9.2e18) {
            *out = (int64_t)d;
            return ST_OK;
        }
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        if (*s && *end == '\0' && errno == 0) {
            *out = x;
            return ST_OK;
        }
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "invalid value '%.100s' for parameter '%s': expected an integer", s,
                            key);
    }
    return st_error_set(err, ST_ERR_ARGUMENT, "invalid value for parameter '%s': expected an integer",
                        key);
}

/* A double field: number or numeric string ("NaN", "Infinity" included, as
** JSON cannot carry them). *is_set false when absent. */
static st_status field_double(json_t *obj, const char *key, double *out, bool *is_set,
                              st_error *err)
{
    json_t *v = json_object_get(obj, key);
    *is_set = false;
    if (!v || json_is_null(v))
        return ST_OK;
    if (json_is_number(v)) {
        *out = json_number_value(v);
        *is_set = true;
        return ST_OK;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        double d = strtod(s, &end);
        if (*s && *end == '\0') {
            *out = d;
            *is_set = true;
            return ST_OK;
        }
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "invalid value '%.100s' for parameter '%s': expected a number", s, key);
    }
    return st_error_set(err, ST_ERR_ARGUMENT, "invalid value for parameter '%s': expected a number",
                        key);
}

const char *srv_param_str(srv_call *c, const char *key)
{
    return field_text(c->params, key);
}

st_status srv_param_req(srv_call *c, const char *key, const char **out, st_error *err)
{
    *out = field_text(c->params, key);
    if (!*out)
        return st_error_set(err, ST_ERR_ARGUMENT, "missing value for required parameter '%s'",
                            key);
    return ST_OK;
}

st_status srv_param_int64(srv_call *c, const char *key, int64_t def, int64_t *out, st_error *err)
{
    return field_int64(c->params, key, def, out, err);
}

/* A required non-empty string (MLflow treats "" as missing for ids and names). */
static st_status param_req_nonempty(srv_call *c, const char *key, const char **out,
                                    st_error *err)
{
    st_status rc = srv_param_req(c, key, out, err);
    if (rc == ST_OK && !**out)
        return st_error_set(err, ST_ERR_ARGUMENT, "missing value for required parameter '%s'",
                            key);
    return rc;
}

/* An optional string field: NULL when absent or empty. */
static const char *param_opt(srv_call *c, const char *key)
{
    const char *v = srv_param_str(c, key);
    return v && *v ? v : NULL;
}

/* run_id, or the deprecated run_uuid. */
static st_status param_run_id(srv_call *c, const char **out, st_error *err)
{
    *out = srv_param_str(c, "run_id");
    if (!*out || !**out)
        *out = srv_param_str(c, "run_uuid");
    if (!*out || !**out)
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "missing value for required parameter 'run_id'");
    return ST_OK;
}

static st_status param_bool(srv_call *c, const char *key, bool def, bool *out, st_error *err)
{
    json_t *v = json_object_get(c->params, key);
    *out = def;
    if (!v || json_is_null(v))
        return ST_OK;
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return ST_OK;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0) {
            *out = true;
            return ST_OK;
        }
        if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0 || !*s) {
            *out = false;
            return ST_OK;
        }
    }
    if (json_is_integer(v)) {
        *out = json_integer_value(v) != 0;
        return ST_OK;
    }
    return st_error_set(err, ST_ERR_ARGUMENT, "invalid value for parameter '%s': expected a boolean",
                        key);
}

/* A list of strings: one string or an array of strings (repeated query keys);
** integers are taken as their decimal text.
** *out (st_malloc'd, caller frees; NULL when empty) borrows from c->params. */
static st_status param_str_list(srv_call *c, const char *key, const char ***out, int *n_out,
                                st_error *err)
{
    *out = NULL;
    *n_out = 0;
    json_t *v = json_object_get(c->params, key);
    if (!v || json_is_null(v))
        return ST_OK;
    if (!json_is_array(v)) {
        const char *s = field_text(c->params, key);
        if (!s)
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "invalid value for parameter '%s': expected a list of strings", key);
        *out = st_malloc(sizeof **out);
        if (!*out)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        (*out)[0] = s;
        *n_out = 1;
        return ST_OK;
    }
    size_t n = json_array_size(v);
    if (n == 0)
        return ST_OK;
    *out = st_calloc(n, sizeof **out);
    if (!*out)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(v, i);
        if (json_is_integer(e)) {   /* "experiment_ids": [1, 2] */
            char buf[32];
            snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(e));
            json_array_set_new(v, i, json_string(buf));
            e = json_array_get(v, i);
        }
        if (!json_is_string(e)) {
            st_free(*out);
            *out = NULL;
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "invalid value for parameter '%s': expected a list of strings", key);
        }
        (*out)[i] = json_string_value(e);
    }
    *n_out = (int)n;
    return ST_OK;
}

/* A list of {key, value} objects (tags, params). *out (st_malloc'd; caller
** frees) borrows its strings from c->params. A missing value is "". */
static st_status param_kv_list(json_t *parent, const char *key, ml_kv **out, int *n_out,
                               st_error *err)
{
    *out = NULL;
    *n_out = 0;
    json_t *v = json_object_get(parent, key);
    if (!v || json_is_null(v))
        return ST_OK;
    if (!json_is_array(v))
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "invalid value for parameter '%s': expected a list of {key, value}", key);
    size_t n = json_array_size(v);
    if (n == 0)
        return ST_OK;
    if (n > INT32_MAX)
        return st_error_set(err, ST_ERR_ARGUMENT, "too many entries in parameter '%s'", key);
    *out = st_calloc(n, sizeof **out);
    if (!*out)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(v, i);
        const char *k = json_is_object(e) ? field_text(e, "key") : NULL;
        if (!k) {
            st_free(*out);
            *out = NULL;
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "missing value for required parameter '%s[%zu].key'", key, i);
        }
        const char *val = field_text(e, "value");
        (*out)[i] = (ml_kv){ .key = k, .value = val ? val : "" };
    }
    *n_out = (int)n;
    return ST_OK;
}

/* Sets c->reply to {key: obj}, taking obj. */
static st_status reply_wrap(srv_call *c, const char *key, json_t *obj, st_error *err)
{
    c->reply = json_object();
    if (!c->reply || json_object_set_new(c->reply, key, obj) != 0)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    return ST_OK;
}

/* Takes obj (a complete reply message) as c->reply. */
static st_status reply_take(srv_call *c, json_t *obj, st_error *err)
{
    if (!obj)
        obj = json_object();
    if (!obj)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    c->reply = obj;
    return ST_OK;
}

/* Reads the required fields names[0..n) into out[0..n): run_id (also as
** run_uuid) with param_run_id, "value" as given (tag and param values may be
** empty), every other one non-empty. */
static st_status req_fields(srv_call *c, const char *const *names, int n, const char **out,
                            st_error *err)
{
    st_status rc = ST_OK;
    for (int i = 0; rc == ST_OK && i < n; i++) {
        if (strcmp(names[i], "run_id") == 0)
            rc = param_run_id(c, &out[i], err);
        else if (strcmp(names[i], "value") == 0)
            rc = srv_param_req(c, names[i], &out[i], err);
        else
            rc = param_req_nonempty(c, names[i], &out[i], err);
    }
    return rc;
}

/* Store calls whose arguments are required request fields (req_fields). */
typedef st_status (*store_fn1)(ml_store *s, const char *a, st_error *err);
typedef st_status (*store_fn2)(ml_store *s, const char *a, const char *b, st_error *err);
typedef st_status (*store_fn_kv)(ml_store *s, const char *a, const char *key,
                                 const char *value, st_error *err);
typedef st_status (*store_get_fn)(ml_store *s, const char *a, json_t **out, st_error *err);

/* fn(field); replies {}. */
static st_status call1(srv_call *c, const char *field, store_fn1 fn, st_error *err)
{
    const char *a;
    st_status rc = req_fields(c, &field, 1, &a, err);
    return rc == ST_OK ? fn(c->store, a, err) : rc;
}

/* fn(field0, field1); replies {}. */
static st_status call2(srv_call *c, const char *field0, const char *field1, store_fn2 fn,
                       st_error *err)
{
    const char *f[2];
    st_status rc = req_fields(c, (const char *const[]){ field0, field1 }, 2, f, err);
    return rc == ST_OK ? fn(c->store, f[0], f[1], err) : rc;
}

/* fn(field, key, value): tags and params; replies {}. */
static st_status call_kv(srv_call *c, const char *field, store_fn_kv fn, st_error *err)
{
    const char *f[3];
    st_status rc = req_fields(c, (const char *const[]){ field, "key", "value" }, 3, f, err);
    return rc == ST_OK ? fn(c->store, f[0], f[1], f[2], err) : rc;
}

/* fn(field) -> entity; replies {reply_key: entity}. */
static st_status call_get(srv_call *c, const char *field, store_get_fn fn, const char *reply_key,
                          st_error *err)
{
    const char *a;
    json_t *res = NULL;
    st_status rc = req_fields(c, &field, 1, &a, err);
    if (rc == ST_OK)
        rc = fn(c->store, a, &res, err);
    return rc == ST_OK ? reply_wrap(c, reply_key, res, err) : rc;
}

/* The common fields of the search endpoints. */
typedef struct search_params {
    int64_t      max_results;  /* the endpoint's default when absent */
    const char **ids;          /* owned (st_malloc): the list field, if asked for */
    int          n_ids;
    const char **order;        /* owned (st_malloc): order_by entries */
    int          n_order;
    const char  *filter;       /* borrowed: c->params */
    const char  *page_token;   /* borrowed: c->params */
} search_params;

/* Reads max_results (default dflt_max), the list field ids_key (when not
** NULL), order_by, filter and page_token. Free with search_end. */
static st_status search_begin(srv_call *c, int64_t dflt_max, const char *ids_key,
                              search_params *p, st_error *err)
{
    *p = (search_params){ .filter = srv_param_str(c, "filter"),
                          .page_token = srv_param_str(c, "page_token") };
    st_status rc = srv_param_int64(c, "max_results", dflt_max, &p->max_results, err);
    if (rc == ST_OK && ids_key)
        rc = param_str_list(c, ids_key, &p->ids, &p->n_ids, err);
    if (rc == ST_OK)
        rc = param_str_list(c, "order_by", &p->order, &p->n_order, err);
    return rc;
}

/* Frees p's lists; replies res (the store's search result) when rc is ST_OK. */
static st_status search_end(srv_call *c, search_params *p, st_status rc, json_t *res,
                            st_error *err)
{
    st_free(p->ids);
    st_free(p->order);
    return rc == ST_OK ? reply_take(c, res, err) : rc;
}

/* ---- experiments ---------------------------------------------------------- */

static st_status h_experiment_create(srv_call *c, st_error *err)
{
    const char *name;
    st_status rc = param_req_nonempty(c, "name", &name, err);
    ml_kv *tags = NULL;
    int n_tags = 0;
    if (rc == ST_OK)
        rc = param_kv_list(c->params, "tags", &tags, &n_tags, err);
    char *id = NULL;
    if (rc == ST_OK)
        rc = ml_experiment_create(c->store, name, param_opt(c, "artifact_location"), tags,
                                  n_tags, &id, err);
    if (rc == ST_OK)
        rc = reply_wrap(c, "experiment_id", json_string(id), err);
    st_free(id);
    st_free(tags);
    return rc;
}

static st_status h_experiment_get(srv_call *c, st_error *err)
{
    return call_get(c, "experiment_id", ml_experiment_get, "experiment", err);
}

static st_status h_experiment_get_by_name(srv_call *c, st_error *err)
{
    return call_get(c, "experiment_name", ml_experiment_get_by_name, "experiment", err);
}

static st_status h_experiment_search(srv_call *c, st_error *err)
{
    search_params p;
    json_t *res = NULL;
    st_status rc = search_begin(c, SEARCH_DEFAULT_MAX, NULL, &p, err);
    if (rc == ST_OK)
        rc = ml_experiment_search(c->store, srv_param_str(c, "view_type"), p.filter, p.order,
                                  p.n_order, p.max_results, p.page_token, &res, err);
    return search_end(c, &p, rc, res, err);
}

/* The 1.x list endpoint (npm mlflow's Experiments.list): every experiment of
** the view, all pages, as {experiments}. */
static st_status h_experiment_list(srv_call *c, st_error *err)
{
    json_t *all = json_array();
    char *token = NULL;
    st_status rc = all ? ST_OK : st_error_set(err, ST_ERR_NOMEM, "out of memory");
    while (rc == ST_OK) {
        json_t *page = NULL;
        rc = ml_experiment_search(c->store, srv_param_str(c, "view_type"), NULL, NULL, 0,
                                  SEARCH_DEFAULT_MAX, token, &page, err);
        if (rc != ST_OK)
            break;
        json_array_extend(all, json_object_get(page, "experiments"));
        const char *next = json_string_value(json_object_get(page, "next_page_token"));
        st_free(token);
        token = next && *next ? st_strdup(next) : NULL;
        json_decref(page);
        if (!token)
            break;
    }
    st_free(token);
    if (rc != ST_OK) {
        json_decref(all);
        return rc;
    }
    return reply_wrap(c, "experiments", all, err);
}

static st_status h_experiment_update(srv_call *c, st_error *err)
{
    const char *id;
    st_status rc = param_req_nonempty(c, "experiment_id", &id, err);
    if (rc != ST_OK)
        return rc;
    const char *new_name = srv_param_str(c, "new_name");
    if (new_name && *new_name)
        return ml_experiment_rename(c->store, id, new_name, err);
    json_t *e = NULL;
    rc = ml_experiment_get(c->store, id, &e, err);
    json_decref(e);
    return rc;
}

static st_status h_experiment_delete(srv_call *c, st_error *err)
{
    return call1(c, "experiment_id", ml_experiment_delete, err);
}

static st_status h_experiment_restore(srv_call *c, st_error *err)
{
    return call1(c, "experiment_id", ml_experiment_restore, err);
}

static st_status h_experiment_set_tag(srv_call *c, st_error *err)
{
    return call_kv(c, "experiment_id", ml_experiment_set_tag, err);
}

/* ---- runs ----------------------------------------------------------------- */

static st_status h_run_create(srv_call *c, st_error *err)
{
    int64_t start_time;
    ml_kv *tags = NULL;
    int n_tags = 0;
    json_t *run = NULL;
    st_status rc = srv_param_int64(c, "start_time", 0, &start_time, err);
    if (rc == ST_OK)
        rc = param_kv_list(c->params, "tags", &tags, &n_tags, err);
    if (rc == ST_OK)
        rc = ml_run_create(c->store, param_opt(c, "experiment_id"), srv_param_str(c, "user_id"),
                           param_opt(c, "run_name"), start_time, tags, n_tags, &run, err);
    st_free(tags);
    return rc == ST_OK ? reply_wrap(c, "run", run, err) : rc;
}

static st_status h_run_get(srv_call *c, st_error *err)
{
    return call_get(c, "run_id", ml_run_get, "run", err);
}

static st_status h_run_update(srv_call *c, st_error *err)
{
    const char *id;
    int64_t end_time = 0;
    json_t *info = NULL;
    st_status rc = param_run_id(c, &id, err);
    if (rc == ST_OK)
        rc = srv_param_int64(c, "end_time", 0, &end_time, err);
    if (rc == ST_OK)
        rc = ml_run_update(c->store, id, param_opt(c, "status"), end_time,
                           param_opt(c, "run_name"), &info, err);
    return rc == ST_OK ? reply_wrap(c, "run_info", info, err) : rc;
}

static st_status h_run_delete(srv_call *c, st_error *err)
{
    return call1(c, "run_id", ml_run_delete, err);
}

static st_status h_run_restore(srv_call *c, st_error *err)
{
    return call1(c, "run_id", ml_run_restore, err);
}

static st_status h_run_search(srv_call *c, st_error *err)
{
    search_params p;
    json_t *res = NULL;
    st_status rc = search_begin(c, SEARCH_DEFAULT_MAX, "experiment_ids", &p, err);
    if (rc == ST_OK)
        rc = ml_run_search(c->store, p.ids, p.n_ids, p.filter, srv_param_str(c, "run_view_type"),
                           p.order, p.n_order, p.max_results, p.page_token, &res, err);
    return search_end(c, &p, rc, res, err);
}

static st_status h_log_metric(srv_call *c, st_error *err)
{
    const char *id, *key;
    double value = 0;
    bool has_value;
    int64_t ts, step;
    st_status rc = param_run_id(c, &id, err);
    if (rc == ST_OK)
        rc = param_req_nonempty(c, "key", &key, err);
    if (rc == ST_OK)
        rc = field_double(c->params, "value", &value, &has_value, err);
    if (rc == ST_OK && !has_value)
        rc = st_error_set(err, ST_ERR_ARGUMENT, "missing value for required parameter 'value'");
    if (rc == ST_OK && !json_object_get(c->params, "timestamp"))
        rc = st_error_set(err, ST_ERR_ARGUMENT,
                          "missing value for required parameter 'timestamp'");
    if (rc == ST_OK)
        rc = srv_param_int64(c, "timestamp", 0, &ts, err);
    if (rc == ST_OK)
        rc = srv_param_int64(c, "step", 0, &step, err);
    return rc == ST_OK ? ml_log_metric(c->store, id, key, value, ts, step, err) : rc;
}

static st_status h_log_parameter(srv_call *c, st_error *err)
{
    return call_kv(c, "run_id", ml_log_param, err);
}

static st_status h_set_tag(srv_call *c, st_error *err)
{
    return call_kv(c, "run_id", ml_set_tag, err);
}

static st_status h_delete_tag(srv_call *c, st_error *err)
{
    return call2(c, "run_id", "key", ml_delete_tag, err);
}

/* The metrics of a log-batch request into an st_malloc'd array. */
static st_status batch_metrics(srv_call *c, ml_metric **out, int *n_out, st_error *err)
{
    *out = NULL;
    *n_out = 0;
    json_t *v = json_object_get(c->params, "metrics");
    if (!v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0))
        return ST_OK;
    if (!json_is_array(v) || json_array_size(v) > INT32_MAX)
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "invalid value for parameter 'metrics': expected a list of metrics");
    size_t n = json_array_size(v);
    *out = st_calloc(n, sizeof **out);
    if (!*out)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    st_status rc = ST_OK;
    for (size_t i = 0; i < n && rc == ST_OK; i++) {
        json_t *m = json_array_get(v, i);
        ml_metric *o = &(*out)[i];
        bool has_value = false;
        o->key = json_is_object(m) ? field_text(m, "key") : NULL;
        if (!o->key) {
            rc = st_error_set(err, ST_ERR_ARGUMENT,
                              "missing value for required parameter 'metrics[%zu].key'", i);
            break;
        }
        rc = field_double(m, "value", &o->value, &has_value, err);
        if (rc == ST_OK && !has_value)
            rc = st_error_set(err, ST_ERR_ARGUMENT,
                              "missing value for required parameter 'metrics[%zu].value'", i);
        if (rc == ST_OK)
            rc = field_int64(m, "timestamp", 0, &o->timestamp, err);
        if (rc == ST_OK)
            rc = field_int64(m, "step", 0, &o->step, err);
    }
    if (rc != ST_OK) {
        st_free(*out);
        *out = NULL;
        return rc;
    }
    *n_out = (int)n;
    return ST_OK;
}

static st_status h_log_batch(srv_call *c, st_error *err)
{
    const char *id;
    ml_metric *metrics = NULL;
    ml_kv *params = NULL, *tags = NULL;
    int n_metrics = 0, n_params = 0, n_tags = 0;
    st_status rc = param_run_id(c, &id, err);
    if (rc == ST_OK)
        rc = batch_metrics(c, &metrics, &n_metrics, err);
    if (rc == ST_OK)
        rc = param_kv_list(c->params, "params", &params, &n_params, err);
    if (rc == ST_OK)
        rc = param_kv_list(c->params, "tags", &tags, &n_tags, err);
    if (rc == ST_OK)
        rc = ml_log_batch(c->store, id, metrics, n_metrics, params, n_params, tags, n_tags, err);
    st_free(metrics);
    st_free(params);
    st_free(tags);
    return rc;
}

static st_status h_log_model(srv_call *c, st_error *err)
{
    return call2(c, "run_id", "model_json", ml_log_model, err);
}

static st_status h_log_inputs(srv_call *c, st_error *err)
{
    const char *id;
    st_status rc = param_run_id(c, &id, err);
    if (rc != ST_OK)
        return rc;
    json_t *ds = json_object_get(c->params, "datasets");
    if (ds && !json_is_array(ds) && !json_is_null(ds))
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "invalid value for parameter 'datasets': expected a list");
    json_t *empty = NULL;
    if (!ds || json_is_null(ds))
        ds = empty = json_array();
    rc = ml_log_inputs(c->store, id, ds, err);
    json_decref(empty);
    return rc;
}

static st_status h_metric_history(srv_call *c, st_error *err)
{
    const char *f[2];
    json_t *res = NULL;
    st_status rc = req_fields(c, (const char *const[]){ "run_id", "metric_key" }, 2, f, err);
    if (rc == ST_OK)
        rc = ml_metric_history(c->store, f[0], f[1], &res, err);
    return rc == ST_OK ? reply_take(c, res, err) : rc;
}

static st_status h_artifact_list(srv_call *c, st_error *err)
{
    const char *id;
    json_t *res = NULL;
    st_status rc = param_run_id(c, &id, err);
    if (rc == ST_OK) {
        const char *path = srv_param_str(c, "path");
        rc = ml_artifact_list(c->store, id, path ? path : "", &res, err);
    }
    return rc == ST_OK ? reply_take(c, res, err) : rc;
}

/* ---- registered models ------------------------------------------------------ */

static st_status h_model_create(srv_call *c, st_error *err)
{
    const char *name;
    ml_kv *tags = NULL;
    int n_tags = 0;
    json_t *m = NULL;
    st_status rc = param_req_nonempty(c, "name", &name, err);
    if (rc == ST_OK)
        rc = param_kv_list(c->params, "tags", &tags, &n_tags, err);
    if (rc == ST_OK)
        rc = ml_model_create(c->store, name, srv_param_str(c, "description"), tags, n_tags, &m,
                             err);
    st_free(tags);
    return rc == ST_OK ? reply_wrap(c, "registered_model", m, err) : rc;
}

static st_status h_model_get(srv_call *c, st_error *err)
{
    return call_get(c, "name", ml_model_get, "registered_model", err);
}

static st_status h_model_get_databricks(srv_call *c, st_error *err)
{
    return call_get(c, "name", ml_model_get, "registered_model_databricks", err);
}

/* Model and version searches take the same fields. */
typedef st_status (*registry_search_fn)(ml_store *s, const char *filter,
                                        const char *const *order_by, int n_order_by,
                                        int64_t max_results, const char *page_token,
                                        json_t **out, st_error *err);

static st_status registry_search(srv_call *c, int64_t dflt_max, registry_search_fn fn,
                                 st_error *err)
{
    search_params p;
    json_t *res = NULL;
    st_status rc = search_begin(c, dflt_max, NULL, &p, err);
    if (rc == ST_OK)
        rc = fn(c->store, p.filter, p.order, p.n_order, p.max_results, p.page_token, &res, err);
    return search_end(c, &p, rc, res, err);
}

static st_status h_model_search(srv_call *c, st_error *err)
{
    return registry_search(c, MODEL_SEARCH_DEFAULT_MAX, ml_model_search, err);
}

static st_status h_model_rename(srv_call *c, st_error *err)
{
    const char *f[2];
    json_t *m = NULL;
    st_status rc = req_fields(c, (const char *const[]){ "name", "new_name" }, 2, f, err);
    if (rc == ST_OK)
        rc = ml_model_rename(c->store, f[0], f[1], &m, err);
    return rc == ST_OK ? reply_wrap(c, "registered_model", m, err) : rc;
}

static st_status h_model_update(srv_call *c, st_error *err)
{
    const char *name;
    json_t *m = NULL;
    st_status rc = param_req_nonempty(c, "name", &name, err);
    if (rc == ST_OK)
        rc = ml_model_update(c->store, name, srv_param_str(c, "description"), &m, err);
    return rc == ST_OK ? reply_wrap(c, "registered_model", m, err) : rc;
}

static st_status h_model_delete(srv_call *c, st_error *err)
{
    return call1(c, "name", ml_model_delete, err);
}

static st_status h_model_set_tag(srv_call *c, st_error *err)
{
    return call_kv(c, "name", ml_model_set_tag, err);
}

static st_status h_model_delete_tag(srv_call *c, st_error *err)
{
    return call2(c, "name", "key", ml_model_delete_tag, err);
}

static st_status h_model_latest(srv_call *c, st_error *err)
{
    const char *name;
    const char **stages = NULL;
    int n_stages = 0;
    json_t *res = NULL;
    st_status rc = param_req_nonempty(c, "name", &name, err);
    if (rc == ST_OK)
        rc = param_str_list(c, "stages", &stages, &n_stages, err);
    if (rc == ST_OK)
        rc = ml_model_latest_versions(c->store, name, stages, n_stages, &res, err);
    st_free(stages);
    return rc == ST_OK ? reply_take(c, res, err) : rc;
}

/* ---- model versions --------------------------------------------------------- */

static st_status h_version_create(srv_call *c, st_error *err)
{
    const char *name, *source;
    ml_kv *tags = NULL;
    int n_tags = 0;
    json_t *v = NULL;
    st_status rc = param_req_nonempty(c, "name", &name, err);
    if (rc == ST_OK)
        rc = param_req_nonempty(c, "source", &source, err);
    if (rc == ST_OK)
        rc = param_kv_list(c->params, "tags", &tags, &n_tags, err);
    if (rc == ST_OK)
        rc = ml_version_create(c->store, name, source, param_opt(c, "run_id"),
                               srv_param_str(c, "description"), tags, n_tags,
                               param_opt(c, "run_link"), &v, err);
    st_free(tags);
    return rc == ST_OK ? reply_wrap(c, "model_version", v, err) : rc;
}

static const char *const k_name_version[] = { "name", "version" };

static st_status h_version_get(srv_call *c, st_error *err)
{
    const char *f[2];
    json_t *v = NULL;
    st_status rc = req_fields(c, k_name_version, 2, f, err);
    if (rc == ST_OK)
        rc = ml_version_get(c->store, f[0], f[1], &v, err);
    return rc == ST_OK ? reply_wrap(c, "model_version", v, err) : rc;
}

static st_status h_version_update(srv_call *c, st_error *err)
{
    const char *f[2];
    json_t *v = NULL;
    st_status rc = req_fields(c, k_name_version, 2, f, err);
    if (rc == ST_OK)
        rc = ml_version_update(c->store, f[0], f[1], srv_param_str(c, "description"), &v, err);
    return rc == ST_OK ? reply_wrap(c, "model_version", v, err) : rc;
}

static st_status h_version_delete(srv_call *c, st_error *err)
{
    return call2(c, "name", "version", ml_version_delete, err);
}

static st_status h_version_search(srv_call *c, st_error *err)
{
    return registry_search(c, VERSION_SEARCH_DEFAULT_MAX, ml_version_search, err);
}

/* Shared by the MLflow and the Databricks transition (reply key differs). */
static st_status version_transition(srv_call *c, const char *reply_key, st_error *err)
{
    const char *f[3];
    bool archive;
    json_t *v = NULL;
    st_status rc = req_fields(c, (const char *const[]){ "name", "version", "stage" }, 3, f, err);
    if (rc == ST_OK)
        rc = param_bool(c, "archive_existing_versions", false, &archive, err);
    if (rc == ST_OK)
        rc = ml_version_transition(c->store, f[0], f[1], f[2], archive, &v, err);
    return rc == ST_OK ? reply_wrap(c, reply_key, v, err) : rc;
}

static st_status h_version_transition(srv_call *c, st_error *err)
{
    return version_transition(c, "model_version", err);
}

static st_status h_version_transition_databricks(srv_call *c, st_error *err)
{
    return version_transition(c, "model_version_databricks", err);
}

static st_status h_version_download_uri(srv_call *c, st_error *err)
{
    const char *f[2];
    char *uri = NULL;
    st_status rc = req_fields(c, k_name_version, 2, f, err);
    if (rc == ST_OK)
        rc = ml_version_download_uri(c->store, f[0], f[1], &uri, err);
    if (rc == ST_OK)
        rc = reply_wrap(c, "artifact_uri", json_string(uri), err);
    st_free(uri);
    return rc;
}

static st_status h_version_set_tag(srv_call *c, st_error *err)
{
    const char *f[4];
    st_status rc = req_fields(c, (const char *const[]){ "name", "version", "key", "value" }, 4,
                              f, err);
    return rc == ST_OK ? ml_version_set_tag(c->store, f[0], f[1], f[2], f[3], err) : rc;
}

static st_status h_version_delete_tag(srv_call *c, st_error *err)
{
    const char *f[3];
    st_status rc = req_fields(c, (const char *const[]){ "name", "version", "key" }, 3, f, err);
    return rc == ST_OK ? ml_version_delete_tag(c->store, f[0], f[1], f[2], err) : rc;
}

/* POST sets, DELETE removes, GET resolves an alias (one path, three methods). */
static st_status h_alias(srv_call *c, st_error *err)
{
    const char *f[3];
    st_status rc = req_fields(c, (const char *const[]){ "name", "alias", "version" },
                              c->method == SRV_POST ? 3 : 2, f, err);
    if (rc != ST_OK)
        return rc;
    if (c->method == SRV_POST)
        return ml_alias_set(c->store, f[0], f[1], f[2], err);
    if (c->method == SRV_DELETE)
        return ml_alias_delete(c->store, f[0], f[1], err);
    json_t *v = NULL;
    rc = ml_alias_get(c->store, f[0], f[1], &v, err);
    return rc == ST_OK ? reply_wrap(c, "model_version", v, err) : rc;
}

/* ---- proxied artifacts ------------------------------------------------------ */

/* root + "/" + rel after checking rel: relative, no ".." component. Heap. */
static st_status artifact_path(srv_call *c, const char *rel, char **out, st_error *err)
{
    *out = NULL;
    if (rel[0] == '/')
        return st_error_set(err, ST_ERR_ARGUMENT, "invalid artifact path '%.200s': absolute",
                            rel);
    for (const char *p = rel; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "invalid artifact path '%.200s': '..' is not allowed", rel);
        p += n;
        while (*p == '/')
            p++;
    }
    const char *root = ml_store_artifact_root(c->store);
    size_t len;
    if (!st_add_size(strlen(root), strlen(rel), &len) || !st_add_size(len, 2, &len))
        return st_error_set(err, ST_ERR_ARGUMENT, "artifact path is too long");
    *out = st_malloc(len);
    if (!*out)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    snprintf(*out, len, "%s/%s", root, rel);
    /* drop trailing slashes ("dir/" names dir) */
    size_t n = strlen(*out);
    while (n > 1 && (*out)[n - 1] == '/')
        (*out)[--n] = '\0';
    return ST_OK;
}

/* Creates every missing parent folder of file path. */
static st_status make_parents(char *path, st_error *err)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int r = mkdir(path, 0777);
        int e = errno;
        *p = '/';
        if (r != 0 && e != EEXIST) {
            *p = '\0';
            st_error_set(err, ST_ERR_IO, "could not create folder \"%s\": %s", path, strerror(e));
            *p = '/';
            return ST_ERR_IO;
        }
    }
    return ST_OK;
}

static st_status write_all_fd(int fd, const uint8_t *p, size_t n, const char *path,
                              st_error *err)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return st_error_set(err, ST_ERR_IO, "could not write \"%s\": %s", path,
                                strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    return ST_OK;
}

static st_status artifact_upload(srv_call *c, char *full, st_error *err)
{
    st_status rc = make_parents(full, err);
    if (rc != ST_OK)
        return rc;
    struct stat st;
    if (stat(full, &st) == 0 && S_ISDIR(st.st_mode))
        return st_error_set(err, ST_ERR_ARGUMENT, "artifact path '%s' is a folder", c->suffix);
    size_t len = strlen(full) + 32;
    char *tmp = st_malloc(len);
    if (!tmp)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    snprintf(tmp, len, "%s.upload-XXXXXX", full);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = st_error_set(err, ST_ERR_IO, "could not create \"%s\": %s", tmp, strerror(errno));
    } else {
        rc = write_all_fd(fd, c->body, c->body_len, tmp, err);
        fchmod(fd, 0644);
        if (close(fd) != 0 && rc == ST_OK)
            rc = st_error_set(err, ST_ERR_IO, "could not write \"%s\": %s", tmp, strerror(errno));
        if (rc == ST_OK && rename(tmp, full) != 0)
            rc = st_error_set(err, ST_ERR_IO, "could not rename \"%s\": %s", tmp,
                              strerror(errno));
        if (rc != ST_OK)
            unlink(tmp);
    }
    st_free(tmp);
    return rc;
}

static const char *guess_type(const char *path)
{
    static const struct {
        const char *ext;
        const char *type;
    } map[] = {
        { ".json", "application/json" }, { ".txt", "text/plain" },  { ".yaml", "text/plain" },
        { ".yml", "text/plain" },        { ".csv", "text/csv" },    { ".html", "text/html" },
        { ".png", "image/png" },         { ".jpg", "image/jpeg" },  { ".svg", "image/svg+xml" },
    };
    size_t n = strlen(path);
    for (size_t i = 0; i < ST_ARRAY_LEN(map); i++) {
        size_t e = strlen(map[i].ext);
        if (n >= e && strcasecmp(path + n - e, map[i].ext) == 0)
            return map[i].type;
    }
    return "application/octet-stream";
}

static st_status artifact_download(srv_call *c, const char *full, st_error *err)
{
    int fd = open(full, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return st_error_set(err, ST_ERR_NOTFOUND, "artifact '%s' does not exist", c->suffix);
        return st_error_set(err, ST_ERR_IO, "could not open \"%s\": %s", full, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return st_error_set(err, ST_ERR_ARGUMENT, "artifact '%s' is not a file", c->suffix);
    }
    const char *base = strrchr(full, '/');
    c->reply_filename = st_strdup(base ? base + 1 : full);
    c->reply_fd = fd;
    c->reply_fd_size = (uint64_t)st.st_size;
    c->reply_type = guess_type(full);
    return ST_OK;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static st_status artifact_delete(srv_call *c, const char *full, st_error *err)
{
    struct stat st;
    if (lstat(full, &st) != 0)
        return ST_OK;   /* already gone: MLflow's delete is idempotent */
    int r = S_ISDIR(st.st_mode) ? nftw(full, remove_entry, 16, FTW_DEPTH | FTW_PHYS)
                                : unlink(full);
    if (r != 0)
        return st_error_set(err, ST_ERR_IO, "could not delete artifact '%s': %s", c->suffix,
                            strerror(errno));
    return ST_OK;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* {"files": [{path (basename), is_dir, file_size?}]} for folder full; {} when
** the folder is missing or empty, as MLflow answers. */
static st_status artifact_list_dir(srv_call *c, const char *full, st_error *err)
{
    c->reply = json_object();
    if (!c->reply)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    DIR *d = opendir(full);
    if (!d)
        return ST_OK;
    json_t *files = json_array();
    char **names = NULL;
    size_t n = 0, cap = 0;
    st_status rc = files ? ST_OK : st_error_set(err, ST_ERR_NOMEM, "out of memory");
    struct dirent *de;
    while (rc == ST_OK && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = st_realloc(names, cap * sizeof *names);
            if (!nn) {
                rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
                break;
            }
            names = nn;
        }
        names[n] = st_strdup(de->d_name);
        if (!names[n])
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
        else
            n++;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, compare_names);
    for (size_t i = 0; i < n && rc == ST_OK; i++) {
        size_t len = strlen(full) + strlen(names[i]) + 2;
        char *p = st_malloc(len);
        struct stat st;
        if (!p) {
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
            break;
        }
        snprintf(p, len, "%s/%s", full, names[i]);
        if (stat(p, &st) == 0) {
            json_t *f = json_pack("{s:s, s:b}", "path", names[i], "is_dir", S_ISDIR(st.st_mode));
            if (f && !S_ISDIR(st.st_mode))
                json_object_set_new(f, "file_size", json_integer((json_int_t)st.st_size));
            json_array_append_new(files, f);
        }
        st_free(p);
    }
    for (size_t i = 0; i < n; i++)
        st_free(names[i]);
    st_free(names);
    if (rc == ST_OK && json_array_size(files) > 0)
        json_object_set(c->reply, "files", files);
    json_decref(files);
    return rc;
}

/* /mlflow-artifacts/artifacts/<path>: PUT upload, GET download, DELETE. */
static st_status h_artifact_file(srv_call *c, st_error *err)
{
    if (!c->suffix[0] && c->method == SRV_GET) {
        const char *path = srv_param_str(c, "path");
        char *full = NULL;
        st_status rc = artifact_path(c, path ? path : "", &full, err);
        if (rc == ST_OK)
            rc = artifact_list_dir(c, full, err);
        st_free(full);
        return rc;
    }
    if (!c->suffix[0])
        return st_error_set(err, ST_ERR_ARGUMENT, "missing artifact path");
    char *full = NULL;
    st_status rc = artifact_path(c, c->suffix, &full, err);
    if (rc != ST_OK)
        return rc;
    if (c->method == SRV_PUT)
        rc = artifact_upload(c, full, err);
    else if (c->method == SRV_DELETE)
        rc = artifact_delete(c, full, err);
    else
        rc = artifact_download(c, full, err);
    st_free(full);
    return rc;
}

/* GET /mlflow-artifacts/artifacts?path=<dir>. */
static st_status h_artifact_root_list(srv_call *c, st_error *err)
{
    return h_artifact_file(c, err);
}

/* ---- the route table ---------------------------------------------------------- */

#define R(m, p, f) { (m), (p), false, false, true, (f) }

const srv_route srv_mlflow_routes[] = {
    /* experiments */
    R(SRV_POST, "/mlflow/experiments/create", h_experiment_create),
    R(SRV_GET, "/mlflow/experiments/get", h_experiment_get),
    R(SRV_GET, "/mlflow/experiments/get-by-name", h_experiment_get_by_name),
    R(SRV_GET | SRV_POST, "/mlflow/experiments/search", h_experiment_search),
    R(SRV_GET, "/mlflow/experiments/list", h_experiment_list),
    R(SRV_POST, "/mlflow/experiments/update", h_experiment_update),
    R(SRV_POST, "/mlflow/experiments/delete", h_experiment_delete),
    R(SRV_POST, "/mlflow/experiments/restore", h_experiment_restore),
    R(SRV_POST, "/mlflow/experiments/set-experiment-tag", h_experiment_set_tag),
    R(SRV_POST, "/mlflow/experimentsset-experiment-tag", h_experiment_set_tag), /* npm mlflow 2.0.7 */
    /* runs */
    R(SRV_POST, "/mlflow/runs/create", h_run_create),
    R(SRV_GET, "/mlflow/runs/get", h_run_get),
    R(SRV_POST, "/mlflow/runs/update", h_run_update),
    R(SRV_POST, "/mlflow/runs/delete", h_run_delete),
    R(SRV_POST, "/mlflow/runs/restore", h_run_restore),
    R(SRV_GET | SRV_POST, "/mlflow/runs/search", h_run_search),
    R(SRV_POST, "/mlflow/runs/log-metric", h_log_metric),
    R(SRV_POST, "/mlflow/runs/log-parameter", h_log_parameter),
    R(SRV_POST, "/mlflow/runs/log-batch", h_log_batch),
    R(SRV_POST, "/mlflow/runs/set-tag", h_set_tag),
    R(SRV_POST, "/mlflow/runs/delete-tag", h_delete_tag),
    R(SRV_POST, "/mlflow/runs/log-model", h_log_model),
    R(SRV_POST, "/mlflow/runs/log-inputs", h_log_inputs),
    R(SRV_GET, "/mlflow/metrics/get-history", h_metric_history),
    R(SRV_GET, "/mlflow/artifacts/list", h_artifact_list),
    /* registered models */
    R(SRV_POST, "/mlflow/registered-models/create", h_model_create),
    R(SRV_GET, "/mlflow/registered-models/get", h_model_get),
    R(SRV_GET, "/mlflow/databricks/registered-models/get", h_model_get_databricks),
    R(SRV_GET | SRV_POST, "/mlflow/registered-models/search", h_model_search),
    R(SRV_GET, "/mlflow/registered-models/list", h_model_search),
    R(SRV_POST, "/mlflow/registered-models/rename", h_model_rename),
    R(SRV_PATCH, "/mlflow/registered-models/update", h_model_update),
    R(SRV_DELETE, "/mlflow/registered-models/delete", h_model_delete),
    R(SRV_GET | SRV_POST, "/mlflow/registered-models/get-latest-versions", h_model_latest),
    R(SRV_POST, "/mlflow/registered-models/set-tag", h_model_set_tag),
    R(SRV_DELETE, "/mlflow/registered-models/delete-tag", h_model_delete_tag),
    R(SRV_GET | SRV_POST | SRV_DELETE, "/mlflow/registered-models/alias", h_alias),
    /* model versions */
    R(SRV_POST, "/mlflow/model-versions/create", h_version_create),
    R(SRV_GET, "/mlflow/model-versions/get", h_version_get),
    R(SRV_PATCH, "/mlflow/model-versions/update", h_version_update),
    R(SRV_DELETE, "/mlflow/model-versions/delete", h_version_delete),
    R(SRV_GET | SRV_POST, "/mlflow/model-versions/search", h_version_search),
    R(SRV_POST, "/mlflow/model-versions/transition-stage", h_version_transition),
    R(SRV_POST, "/mlflow/databricks/model-versions/transition-stage",
      h_version_transition_databricks),
    R(SRV_GET, "/mlflow/model-versions/get-download-uri", h_version_download_uri),
    R(SRV_POST, "/mlflow/model-versions/set-tag", h_version_set_tag),
    R(SRV_DELETE, "/mlflow/model-versions/delete-tag", h_version_delete_tag),
    /* proxied artifacts: the root only reads the store's immutable root path */
    { SRV_GET, "/mlflow-artifacts/artifacts", false, false, false, h_artifact_root_list },
    { SRV_GET | SRV_PUT | SRV_DELETE, "/mlflow-artifacts/artifacts/", true, true, false,
      h_artifact_file },
};

const int srv_mlflow_n_routes = (int)ST_ARRAY_LEN(srv_mlflow_routes);
