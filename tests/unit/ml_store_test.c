/* ml_store_test.c -- the tracking store and model registry (src/ml/ml_store.h):
** opening a warehouse (Default experiment, tables beside the catalog's),
** experiments and their lifecycle, runs (ids, generated names, the
** mlflow.runName tag kept in sync), params / metrics / tags with MLflow's
** rules (param re-log, latest metric by step then timestamp, batch limits and
** atomicity), metric history, run and experiment search (filters, order_by,
** pagination, views), artifacts and artifact URIs, registered models,
** versions, stages with archive_existing, aliases, model URI resolution,
** persistence across reopen, and concurrent writers (two handles and a forked
** process) on one warehouse. Every test works in its own mkdtemp folder. */
#include <criterion/criterion.h>

#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "ml/ml_store.h"
#include "test_util.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

typedef struct fixture {
    char     *root;   /* temp folder */
    char      wh[400];
    ml_store *s;
} fixture;

static void fx_open(fixture *fx)
{
    fx->root = tu_tmp_dir("mls");
    snprintf(fx->wh, sizeof fx->wh, "%s/wh", fx->root);
    st_error err;
    cr_assert_eq(ml_store_open(fx->wh, &fx->s, &err), ST_OK, "%s", err.msg);
}

static void fx_close(fixture *fx)
{
    ml_store_close(fx->s);
    tu_rm_rf(fx->root);
    free(fx->root);
}

static const char *jstr(json_t *o, const char *path)
{
    /* path: "a.b" through objects */
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = o;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, "."))
        cur = json_object_get(cur, tok);
    return json_string_value(cur);
}

static json_int_t jint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    cr_assert(json_is_integer(v), "%s is not an integer", key);
    return json_integer_value(v);
}

/* Value of key in a [{key, value}] list, or NULL. */
static const char *kv_get(json_t *arr, const char *key)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
        if (strcmp(json_string_value(json_object_get(e, "key")), key) == 0)
            return json_string_value(json_object_get(e, "value"));
    return NULL;
}

static json_t *find_metric(json_t *run, const char *key)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(json_object_get(run, "data"), "metrics"), i, e)
        if (strcmp(json_string_value(json_object_get(e, "key")), key) == 0)
            return e;
    return NULL;
}

/* Creates a run and returns its id (heap via strdup). */
static char *new_run(ml_store *s, const char *exp, const char *name, int64_t start)
{
    json_t *run;
    st_error err;
    cr_assert_eq(ml_run_create(s, exp, "alice", name, start, NULL, 0, &run, &err), ST_OK, "%s",
                 err.msg);
    char *id = strdup(jstr(run, "info.run_id"));
    json_decref(run);
    return id;
}

/* The value at path ("a.b") of each entry of res[member], joined by ','. */
static void names_of(json_t *res, const char *member, const char *path, char *out, size_t n)
{
    out[0] = 0;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(res, member), i, e) {
        if (i)
            strncat(out, ",", n - strlen(out) - 1);
        strncat(out, jstr(e, path), n - strlen(out) - 1);
    }
}

/* Asserts the names of a search result (see names_of) are want; frees res. */
static void expect_names(json_t *res, const char *member, const char *path, const char *want)
{
    char got[256];
    names_of(res, member, path, got, sizeof got);
    cr_assert_str_eq(got, want);
    json_decref(res);
}

static void expect_runs(json_t *res, const char *want)
{
    expect_names(res, "runs", "info.run_name", want);
}

static void expect_exps(json_t *res, const char *want)
{
    expect_names(res, "experiments", "name", want);
}

/* Asserts that uri maps to the folder want. */
static void expect_local_path(ml_store *s, const char *uri, const char *want)
{
    char *path;
    st_error err;
    cr_assert_eq(ml_store_local_path(s, uri, &path, &err), ST_OK, "%s: %s", uri, err.msg);
    cr_assert_str_eq(path, want, "uri %s", uri);
    st_free(path);
}

/* Copies res's next_page_token into tok ("" when there is none). */
static void take_token(json_t *res, char *tok, size_t n)
{
    const char *v = jstr(res, "next_page_token");
    snprintf(tok, n, "%s", v ? v : "");
}

/* ---- opening ------------------------------------------------------------------------- */

Test(ml_store, open_default_experiment_and_catalog_coexist)
{
    fixture fx;
    fx_open(&fx);
    st_error err;
    json_t *e;
    cr_assert_eq(ml_experiment_get(fx.s, "0", &e, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(jstr(e, "name"), "Default");
    cr_assert_str_eq(jstr(e, "experiment_id"), "0");
    cr_assert_str_eq(jstr(e, "artifact_location"), "mlflow-artifacts:/0");
    cr_assert_str_eq(jstr(e, "lifecycle_stage"), "active");
    cr_assert_gt(jint(e, "creation_time"), 1600000000000LL);
    cr_assert(json_is_array(json_object_get(e, "tags")));
    json_decref(e);

    char want[PATH_MAX + 64];
    char resolved[PATH_MAX];
    cr_assert(realpath(fx.root, resolved));
    snprintf(want, sizeof want, "%s/wh/_mlflow/artifacts", resolved);
    cr_assert_str_eq(ml_store_artifact_root(fx.s), want);
    char db[600];
    snprintf(db, sizeof db, "%s/metastore.db", fx.wh);
    struct stat sb;
    cr_assert_eq(stat(db, &sb), 0);

    /* the catalog opens the same file and finds its own tables */
    cat_db *cat;
    cr_assert_eq(cat_open(fx.wh, &cat, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(cat_schema_create(cat, "main", "ml_side", NULL, NULL, NULL, false, &err), ST_OK,
                 "%s", err.msg);
    char *id;
    cr_assert_eq(ml_experiment_create(fx.s, "with-catalog", NULL, NULL, 0, &id, &err), ST_OK,
                 "%s", err.msg);
    cr_assert_str_eq(id, "1");
    st_free(id);
    cat_close(cat);

    /* a second handle sees one Default experiment, not a new one */
    ml_store *s2;
    cr_assert_eq(ml_store_open(fx.wh, &s2, &err), ST_OK, "%s", err.msg);
    json_t *res;
    cr_assert_eq(ml_experiment_search(s2, "ALL", NULL, NULL, 0, 0, NULL, &res, &err), ST_OK,
                 "%s", err.msg);
    cr_assert_eq(json_array_size(json_object_get(res, "experiments")), 2);
    json_decref(res);
    ml_store_close(s2);

    cr_assert_str_eq(ml_store_error_code(ST_ERR_NOTFOUND), "RESOURCE_DOES_NOT_EXIST");
    cr_assert_str_eq(ml_store_error_code(ST_ERR_EXISTS), "RESOURCE_ALREADY_EXISTS");
    cr_assert_str_eq(ml_store_error_code(ST_ERR_ARGUMENT), "INVALID_PARAMETER_VALUE");
    cr_assert_str_eq(ml_store_error_code(ST_ERR_IO), "INTERNAL_ERROR");
    ml_store_close(NULL);
    fx_close(&fx);
}

Test(ml_store, open_relative_warehouse)
{
    char *root = tu_tmp_dir("mls");
    char cwd[512];
    cr_assert(getcwd(cwd, sizeof cwd));
    cr_assert_eq(chdir(root), 0);
    ml_store *s;
    st_error err;
    cr_assert_eq(ml_store_open("rel/wh", &s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(chdir(cwd), 0);
    cr_assert_eq(ml_store_artifact_root(s)[0], '/');
    cr_assert(strstr(ml_store_artifact_root(s), "/rel/wh/_mlflow/artifacts") != NULL);
    ml_store_close(s);
    tu_rm_rf(root);
    free(root);
}

/* ---- experiments --------------------------------------------------------------------- */

Test(ml_store, experiments_lifecycle)
{
    fixture fx;
    fx_open(&fx);
    st_error err;
    char *id;
    ml_kv tags[] = { { "team", "growth" }, { "mlflow.note.content", "hello" } };
    cr_assert_eq(ml_experiment_create(fx.s, "churn", NULL, tags, 2, &id, &err), ST_OK, "%s",
                 err.msg);
    cr_assert_str_eq(id, "1");
    cr_assert_eq(ml_experiment_create(fx.s, "churn", NULL, NULL, 0, NULL, &err), ST_ERR_EXISTS);
    cr_assert_str_eq(err.msg, "Experiment with name 'churn' already exists.");
    cr_assert_eq(ml_experiment_create(fx.s, "", NULL, NULL, 0, NULL, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_experiment_create(fx.s, NULL, NULL, NULL, 0, NULL, &err), ST_ERR_ARGUMENT);
    ml_kv bad[] = { { "../x", "v" } };
    cr_assert_eq(ml_experiment_create(fx.s, "bad", NULL, bad, 1, NULL, &err), ST_ERR_ARGUMENT);
    char *id2;
    cr_assert_eq(ml_experiment_create(fx.s, "custom", "file:///tmp/somewhere", NULL, 0, &id2,
                                      &err), ST_OK);

    json_t *e;
    cr_assert_eq(ml_experiment_get(fx.s, id, &e, &err), ST_OK);
    cr_assert_str_eq(jstr(e, "artifact_location"), "mlflow-artifacts:/1");
    cr_assert_str_eq(kv_get(json_object_get(e, "tags"), "team"), "growth");
    cr_assert_str_eq(kv_get(json_object_get(e, "tags"), "mlflow.note.content"), "hello");
    json_decref(e);
    cr_assert_eq(ml_experiment_get(fx.s, id2, &e, &err), ST_OK);
    cr_assert_str_eq(jstr(e, "artifact_location"), "file:///tmp/somewhere");
    json_decref(e);

    cr_assert_eq(ml_experiment_get(fx.s, "42", &e, &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "No Experiment with id=42 exists");
    cr_assert_null(e);
    cr_assert_eq(ml_experiment_get(fx.s, "abc", &e, &err), ST_ERR_NOTFOUND);
    cr_assert_eq(ml_experiment_get_by_name(fx.s, "nope", &e, &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "Could not find experiment with name 'nope'");
    cr_assert_eq(ml_experiment_get_by_name(fx.s, "churn", &e, &err), ST_OK);
    cr_assert_str_eq(jstr(e, "experiment_id"), "1");
    json_decref(e);

    /* rename */
    cr_assert_eq(ml_experiment_rename(fx.s, id, "custom", &err), ST_ERR_EXISTS);
    cr_assert_eq(ml_experiment_rename(fx.s, id, "", &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_experiment_rename(fx.s, "77", "x", &err), ST_ERR_NOTFOUND);
    cr_assert_eq(ml_experiment_rename(fx.s, id, "churn2", &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ml_experiment_rename(fx.s, id, "churn2", &err), ST_OK);   /* same name */
    cr_assert_eq(ml_experiment_get_by_name(fx.s, "churn2", &e, &err), ST_OK);
    json_decref(e);

    /* tags */
    cr_assert_eq(ml_experiment_set_tag(fx.s, id, "team", "core", &err), ST_OK);
    cr_assert_eq(ml_experiment_set_tag(fx.s, "99", "team", "core", &err), ST_ERR_NOTFOUND);
    cr_assert_eq(ml_experiment_set_tag(fx.s, id, "", "core", &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_experiment_get(fx.s, id, &e, &err), ST_OK);
    cr_assert_str_eq(kv_get(json_object_get(e, "tags"), "team"), "core");
    json_decref(e);

    /* delete marks the experiment and its runs deleted; restore undoes that */
    char *run = new_run(fx.s, id, "r1", 0);
    cr_assert_eq(ml_experiment_delete(fx.s, id, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ml_experiment_get(fx.s, id, &e, &err), ST_OK);
    cr_assert_str_eq(jstr(e, "lifecycle_stage"), "deleted");
    json_decref(e);
    json_t *r;
    cr_assert_eq(ml_run_get(fx.s, run, &r, &err), ST_OK);
    cr_assert_str_eq(jstr(r, "info.lifecycle_stage"), "deleted");
    json_decref(r);
    cr_assert_eq(ml_experiment_create(fx.s, "churn2", NULL, NULL, 0, NULL, &err), ST_ERR_EXISTS);
    cr_assert_eq(ml_experiment_rename(fx.s, id, "zzz", &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_experiment_set_tag(fx.s, id, "k", "v", &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_run_create(fx.s, id, NULL, NULL, 0, NULL, 0, &r, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "must be in the 'active' state") != NULL, "%s", err.msg);
    cr_assert_eq(ml_experiment_restore(fx.s, id, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ml_experiment_restore(fx.s, id, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_run_get(fx.s, run, &r, &err), ST_OK);
    cr_assert_str_eq(jstr(r, "info.lifecycle_stage"), "active");
    json_decref(r);
    cr_assert_eq(ml_experiment_delete(fx.s, "0", &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_experiment_delete(fx.s, "55", &err), ST_ERR_NOTFOUND);
    free(run);
    st_free(id);
    st_free(id2);
    fx_close(&fx);
}

Test(ml_store, experiment_search)
{
    fixture fx;
    fx_open(&fx);
    st_error err;
    const char *names[] = { "alpha", "beta", "gamma", "Delta", "epsilon" };
    char *ids[5];
    for (int i = 0; i < 5; i++) {
        ml_kv tag = { "kind", i % 2 ? "odd" : "even" };
        cr_assert_eq(ml_experiment_create(fx.s, names[i], NULL, &tag, 1, &ids[i], &err), ST_OK);
        usleep(2000);                       /* distinct creation times */
    }
    cr_assert_eq(ml_experiment_delete(fx.s, ids[4], &err), ST_OK);
    json_t *res;
    /* default: active only, newest first */
    cr_assert_eq(ml_experiment_search(fx.s, NULL, NULL, NULL, 0, 0, NULL, &res, &err), ST_OK,
                 "%s", err.msg);
    cr_assert_null(json_object_get(res, "next_page_token"));
    expect_exps(res, "Delta,gamma,beta,alpha,Default");

    cr_assert_eq(ml_experiment_search(fx.s, "DELETED_ONLY", NULL, NULL, 0, 0, NULL, &res, &err),
                 ST_OK);
    expect_exps(res, "epsilon");

    const char *by_name[] = { "name ASC" };
    cr_assert_eq(ml_experiment_search(fx.s, "ALL", "name LIKE '%a'", by_name, 1, 0, NULL, &res,
                                      &err), ST_OK, "%s", err.msg);
    expect_exps(res, "Delta,alpha,beta,gamma");    /* case-sensitive LIKE, byte order */
    cr_assert_eq(ml_experiment_search(fx.s, NULL, "name ILIKE 'd%'", by_name, 1, 0, NULL, &res,
                                      &err), ST_OK);
    expect_exps(res, "Default,Delta");
    cr_assert_eq(ml_experiment_search(fx.s, NULL, "name LIKE 'd%'", by_name, 1, 0, NULL, &res,
                                      &err), ST_OK);
    cr_assert_eq(json_array_size(json_object_get(res, "experiments")), 0);
    json_decref(res);

    const char *desc[] = { "name DESC" };
    cr_assert_eq(ml_experiment_search(fx.s, "ALL", "tags.kind = 'even' and name != 'alpha'",
                                      desc, 1, 0, NULL, &res, &err), ST_OK, "%s", err.msg);
    expect_exps(res, "gamma,epsilon");

    /* pages of two */
    const char *by_id[] = { "experiment_id" };
    char tok[64] = "";
    const char *const exp_pages[] = { "Default,alpha", "beta,gamma", "Delta" };
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(ml_experiment_search(fx.s, NULL, NULL, by_id, 1, 2, i ? tok : NULL, &res,
                                          &err), ST_OK);
        take_token(res, tok, sizeof tok);
        expect_exps(res, exp_pages[i]);
    }
    cr_assert_str_eq(tok, "");                  /* no token after the last page */

    /* errors */
    cr_assert_eq(ml_experiment_search(fx.s, "SOME", NULL, NULL, 0, 0, NULL, &res, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_eq(ml_experiment_search(fx.s, NULL, "name = ", NULL, 0, 0, NULL, &res, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_eq(ml_experiment_search(fx.s, NULL, "name = 'a' OR name = 'b'", NULL, 0, 0, NULL,
                                      &res, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_experiment_search(fx.s, NULL, "owner = 'a'", NULL, 0, 0, NULL, &res, &err),
                 ST_ERR_ARGUMENT);
    const char *bad_order[] = { "colour DESC" };
    cr_assert_eq(ml_experiment_search(fx.s, NULL, NULL, bad_order, 1, 0, NULL, &res, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_eq(ml_experiment_search(fx.s, NULL, NULL, NULL, 0, -1, NULL, &res, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_eq(ml_experiment_search(fx.s, NULL, NULL, NULL, 0, 0, "garbage", &res, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_null(res);
    for (int i = 0; i < 5; i++)
        st_free(ids[i]);
    fx_close(&fx);
}

/* ---- runs ----------------------------------------------------------------------------- */

Test(ml_store, run_create_names_and_ids)
{
    fixture fx;
    fx_open(&fx);
    st_error err;
    json_t *run;
    ml_kv tags[] = { { "mlflow.user", "alice" }, { "mlflow.source.type", "LOCAL" } };
    cr_assert_eq(ml_run_create(fx.s, NULL, "alice", NULL, 1700000000000LL, tags, 2, &run, &err),
                 ST_OK, "%s", err.msg);
    const char *id = jstr(run, "info.run_id");
    regex_t re;
    cr_assert_eq(regcomp(&re, "^[0-9a-f]{32}$", REG_EXTENDED | REG_NOSUB), 0);
    cr_assert_eq(regexec(&re, id, 0, NULL, 0), 0, "run id %s", id);
    regfree(&re);
    cr_assert_str_eq(jstr(run, "info.run_uuid"), id);
    cr_assert_str_eq(jstr(run, "info.experiment_id"), "0");
    cr_assert_str_eq(jstr(run, "info.user_id"), "alice");
    cr_assert_str_eq(jstr(run, "info.status"), "RUNNING");
    cr_assert_str_eq(jstr(run, "info.lifecycle_stage"), "active");
    cr_assert_eq(jint(json_object_get(run, "info"), "start_time"), 1700000000000LL);
    cr_assert_null(json_object_get(json_object_get(run, "info"), "end_time"));
    char uri[128];
    snprintf(uri, sizeof uri, "mlflow-artifacts:/0/%s/artifacts", id);
    cr_assert_str_eq(jstr(run, "info.artifact_uri"), uri);
    const char *name = jstr(run, "info.run_name");
    cr_assert_eq(regcomp(&re, "^[a-z]+-[a-z]+-[0-9]{1,3}$", REG_EXTENDED | REG_NOSUB), 0);
    cr_assert_eq(regexec(&re, name, 0, NULL, 0), 0, "generated name %s", name);
    regfree(&re);
    json_t *rtags = json_object_get(json_object_get(run, "data"), "tags");
    cr_assert_str_eq(kv_get(rtags, "mlflow.runName"), name);
    cr_assert_str_eq(kv_get(rtags, "mlflow.source.type"), "LOCAL");
    cr_assert(json_is_object(json_object_get(run, "inputs")));

    /* two runs get different ids */
    json_t *run2;
    cr_assert_eq(ml_run_create(fx.s, "0", NULL, "named", 0, NULL, 0, &run2, &err), ST_OK);
    cr_assert_str_neq(jstr(run2, "info.run_id"), id);
    cr_assert_str_eq(jstr(run2, "info.run_name"), "named");
    cr_assert_str_eq(kv_get(json_object_get(json_object_get(run2, "data"), "tags"),
                            "mlflow.runName"), "named");
    cr_assert_gt(jint(json_object_get(run2, "info"), "start_time"), 1600000000000LL);
    json_decref(run2);

    /* the name from the tag; a conflicting name and tag are refused */
    ml_kv name_tag[] = { { "mlflow.runName", "from-tag" } };
    cr_assert_eq(ml_run_create(fx.s, "0", NULL, NULL, 0, name_tag, 1, &run2, &err), ST_OK);
    cr_assert_str_eq(jstr(run2, "info.run_name"), "from-tag");
    json_decref(run2);
    cr_assert_eq(ml_run_create(fx.s, "0", NULL, "other", 0, name_tag, 1, &run2, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_eq(ml_run_create(fx.s, "9", NULL, NULL, 0, NULL, 0, &run2, &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "No Experiment with id=9 exists");

    /* child run through mlflow.parentRunId */
    ml_kv parent[] = { { "mlflow.parentRunId", id } };
    cr_assert_eq(ml_run_create(fx.s, "0", NULL, "child", 0, parent, 1, &run2, &err), ST_OK);
    cr_assert_str_eq(kv_get(json_object_get(json_object_get(run2, "data"), "tags"),
                            "mlflow.parentRunId"), id);
    json_decref(run2);
    json_decref(run);
    fx_close(&fx);
}

Test(ml_store, run_update_delete_restore)
{
    fixture fx;
    fx_open(&fx);
    st_error err;
    char *id = new_run(fx.s, "0", "first", 0);
    json_t *info;
    cr_assert_eq(ml_run_update(fx.s, id, "FINISHED", 1700000001234LL, NULL, &info, &err), ST_OK,
                 "%s", err.msg);
    cr_assert_str_eq(jstr(info, "status"), "FINISHED");
    cr_assert_eq(jint(info, "end_time"), 1700000001234LL);
    cr_assert_str_eq(jstr(info, "run_name"), "first");
    json_decref(info);
    cr_assert_eq(ml_run_update(fx.s, id, NULL, 0, "renamed", &info, &err), ST_OK);
    cr_assert_str_eq(jstr(info, "status"), "FINISHED");
    cr_assert_str_eq(jstr(info, "run_name"), "renamed");
    json_decref(info);
    json_t *run;
    cr_assert_eq(ml_run_get(fx.s, id, &run, &err), ST_OK);
    cr_assert_str_eq(kv_get(json_object_get(json_object_get(run, "data"), "tags"),
                            "mlflow.runName"), "renamed");
    json_decref(run);
    /* the tag renames the run too */
    cr_assert_eq(ml_set_tag(fx.s, id, "mlflow.runName", "via-tag", &err), ST_OK);
    cr_assert_eq(ml_run_get(fx.s, id, &run, &err), ST_OK);
    cr_assert_str_eq(jstr(run, "info.run_name"), "via-tag");
    json_decref(run);
    cr_assert_eq(ml_run_update(fx.s, id, "DONE", 0, NULL, NULL, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_run_update(fx.s, "0123", "FAILED", 0, NULL, NULL, &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "Run with id=0123 not found");
    cr_assert_eq(ml_run_get(fx.s, "0123", &run, &err), ST_ERR_NOTFOUND);
    cr_assert_null(run);

    cr_assert_eq(ml_run_restore(fx.s, id, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_run_delete(fx.s, id, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ml_run_get(fx.s, id, &run, &err), ST_OK);
    cr_assert_str_eq(jstr(run, "info.lifecycle_stage"), "deleted");
    json_decref(run);
    cr_assert_eq(ml_log_metric(fx.s, id, "m", 1, 0, 0, &err), ST_ERR_ARGUMENT);
    char want[200];
    snprintf(want, sizeof want,
             "The run %s must be in the 'active' state. Current state is deleted.", id);
    cr_assert_str_eq(err.msg, want);
    cr_assert_eq(ml_log_param(fx.s, id, "p", "1", &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_set_tag(fx.s, id, "t", "1", &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_run_update(fx.s, id, "FAILED", 0, NULL, NULL, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_run_delete(fx.s, "nope", &err), ST_ERR_NOTFOUND);
    cr_assert_eq(ml_run_restore(fx.s, id, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ml_log_metric(fx.s, id, "m", 1, 0, 0, &err), ST_OK, "%s", err.msg);
    free(id);
    fx_close(&fx);
}

/* ---- logging ---------------------------------------------------------------------------- */

Test(ml_store, params_tags_and_metrics)
{
    fixture fx;
    fx_open(&fx);
    st_error err;
    char *id = new_run(fx.s, "0", "r", 0);
    cr_assert_eq(ml_log_param(fx.s, id, "max_depth", "6", &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ml_log_param(fx.s, id, "max_depth", "6", &err), ST_OK);        /* same value */
    cr_assert_eq(ml_log_param(fx.s, id, "max_depth", "7", &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "Changing param values is not allowed") != NULL, "%s", err.msg);
    cr_assert_eq(ml_log_param(fx.s, id, "", "7", &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_log_param(fx.s, id, "a/../../b", "7", &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_log_param(fx.s, id, "bad\"key", "7", &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_log_param(fx.s, id, "empty", "", &err), ST_OK);
    char *big = malloc(7000);
    memset(big, 'x', 6999);
    big[6999] = 0;
    cr_assert_eq(ml_log_param(fx.s, id, "big", big, &err), ST_ERR_ARGUMENT);
    free(big);
    cr_assert_eq(ml_log_param(fx.s, "missing", "k", "v", &err), ST_ERR_NOTFOUND);

    cr_assert_eq(ml_set_tag(fx.s, id, "stage", "dev", &err), ST_OK);
    cr_assert_eq(ml_set_tag(fx.s, id, "stage", "prod", &err), ST_OK);
    cr_assert_eq(ml_set_tag(fx.s, id, "gone", "x", &err), ST_OK);
    cr_assert_eq(ml_delete_tag(fx.s, id, "gone", &err), ST_OK);
    cr_assert_eq(ml_delete_tag(fx.s, id, "gone", &err), ST_ERR_NOTFOUND);

    /* latest value per key: highest step, then timestamp, then value */
    cr_assert_eq(ml_log_metric(fx.s, id, "loss", 0.9, 1000, 5, &err), ST_OK);
    cr_assert_eq(ml_log_metric(fx.s, id, "loss", 0.5, 3000, 2, &err), ST_OK);   /* lower step */
    cr_assert_eq(ml_log_metric(fx.s, id, "loss", 0.7, 2000, 5, &err), ST_OK);   /* later ts */
    cr_assert_eq(ml_log_metric(fx.s, id, "loss", 0.8, 2000, 5, &err), ST_OK);   /* higher value */
    cr_assert_eq(ml_log_metric(fx.s, id, "loss", NAN, 2000, 5, &err), ST_OK);   /* NaN loses */
    cr_assert_eq(ml_log_metric(fx.s, id, "acc", NAN, 10, 0, &err), ST_OK);
    cr_assert_eq(ml_log_metric(fx.s, id, "inf", INFINITY, 10, 0, &err), ST_OK);
    cr_assert_eq(ml_log_metric(fx.s, id, "now", 1.5, 0, 0, &err), ST_OK);
    cr_assert_eq(ml_log_metric(fx.s, id, "bad key!", 1, 0, 0, &err), ST_ERR_ARGUMENT);

    json_t *run;
    cr_assert_eq(ml_run_get(fx.s, id, &run, &err), ST_OK);
    json_t *data = json_object_get(run, "data");
    cr_assert_str_eq(kv_get(json_object_get(data, "params"), "max_depth"), "6");
    cr_assert_str_eq(kv_get(json_object_get(data, "params"), "empty"), "");
    cr_assert_str_eq(kv_get(json_object_get(data, "tags"), "stage"), "prod");
    cr_assert_null(kv_get(json_object_get(data, "tags"), "gone"));
    json_t *loss = find_metric(run, "loss");
    cr_assert_not_null(loss);
    cr_assert_float_eq(json_real_value(json_object_get(loss, "value")), 0.8, 1e-12);
    cr_assert_eq(jint(loss, "step"), 5);
    cr_assert_eq(jint(loss, "timestamp"), 2000);
    cr_assert_str_eq(json_string_value(json_object_get(find_metric(run, "acc"), "value")), "NaN");
    cr_assert_str_eq(json_string_value(json_object_get(find_metric(run, "inf"), "value")),
                     "Infinity");
    cr_assert_gt(jint(find_metric(run, "now"), "timestamp"), 1600000000000LL);
    cr_assert_eq(json_array_size(json_object_get(data, "metrics")), 4);
    json_decref(run);

    /* history: every value by step then timestamp */
    json_t *h;
    cr_assert_eq(ml_metric_history(fx.s, id, "loss", &h, &err), ST_OK, "%s", err.msg);
    json_t *ms = json_object_get(h, "metrics");
    cr_assert_eq(json_array_size(ms), 5);
    cr_assert_eq(jint(json_array_get(ms, 0), "step"), 2);
    cr_assert_float_eq(json_real_value(json_object_get(json_array_get(ms, 0), "value")), 0.5,
                       1e-12);
    cr_assert_eq(jint(json_array_get(ms, 1), "timestamp"), 1000);
    cr_assert_str_eq(jstr(json_array_get(ms, 1), "key"), "loss");
    json_decref(h);
    /* logging the same (step, timestamp, value) again is not a new point */
    cr_assert_eq(ml_log_metric(fx.s, id, "loss", 0.9, 1000, 5, &err), ST_OK);
    cr_assert_eq(ml_metric_history(fx.s, id, "loss", &h, &err), ST_OK);
    cr_assert_eq(json_array_size(json_object_get(h, "metrics")), 5);
    json_decref(h);
    cr_assert_eq(ml_metric_history(fx.s, id, "none", &h, &err), ST_OK);
    cr_assert_eq(json_array_size(json_object_get(h, "metrics")), 0);
    json_decref(h);
    cr_assert_eq(ml_metric_history(fx.s, "nope", "loss", &h, &err), ST_ERR_NOTFOUND);
    free(id);
    fx_close(&fx);
}

Test(ml_store, log_batch_limits_and_atomicity)
{
    fixture fx;
    fx_open(&fx);
    st_error err;
    char *id = new_run(fx.s, "0", "batch", 0);
    ml_metric ms[3] = { { "rmse", 1.0, 100, 0 }, { "rmse", 0.5, 200, 1 }, { "r2", 0.9, 200, 1 } };
    ml_kv ps[2] = { { "lr", "0.1" }, { "depth", "4" } };
    ml_kv ts[2] = { { "phase", "train" }, { "mlflow.runName", "batched" } };
    cr_assert_eq(ml_log_batch(fx.s, id, ms, 3, ps, 2, ts, 2, &err), ST_OK, "%s", err.msg);
    json_t *run;
    cr_assert_eq(ml_run_get(fx.s, id, &run, &err), ST_OK);
    cr_assert_str_eq(jstr(run, "info.run_name"), "batched");
    cr_assert_float_eq(json_real_value(json_object_get(find_metric(run, "rmse"), "value")), 0.5,
                       1e-12);
    cr_assert_eq(json_array_size(json_object_get(json_object_get(run, "data"), "params")), 2);
    json_decref(run);

    /* a conflicting param fails the whole batch: nothing else is logged */
    ml_metric m2[1] = { { "late", 3.0, 300, 9 } };
    ml_kv p2[2] = { { "new_param", "x" }, { "lr", "0.2" } };
    ml_kv t2[1] = { { "phase", "eval" } };
    cr_assert_eq(ml_log_batch(fx.s, id, m2, 1, p2, 2, t2, 1, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_run_get(fx.s, id, &run, &err), ST_OK);
    cr_assert_null(find_metric(run, "late"));
    json_t *data = json_object_get(run, "data");
    cr_assert_null(kv_get(json_object_get(data, "params"), "new_param"));
    cr_assert_str_eq(kv_get(json_object_get(data, "tags"), "phase"), "train");
    json_decref(run);

    /* duplicate keys, limits */
    ml_kv dup[2] = { { "a", "1" }, { "a", "1" } };
    cr_assert_eq(ml_log_batch(fx.s, id, NULL, 0, dup, 2, NULL, 0, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "Duplicate parameter keys") != NULL);
    ml_metric *many = calloc(1001, sizeof *many);
    for (int i = 0; i < 1001; i++)
        many[i] = (ml_metric){ "m", (double)i, 1000 + i, i };
    cr_assert_eq(ml_log_batch(fx.s, id, many, 1001, NULL, 0, NULL, 0, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "at most 1000 metrics") != NULL, "%s", err.msg);
    ml_kv *kvs = calloc(101, sizeof *kvs);
    char (*keys)[16] = calloc(101, 16);
    for (int i = 0; i < 101; i++) {
        snprintf(keys[i], 16, "k%d", i);
        kvs[i] = (ml_kv){ keys[i], "v" };
    }
    cr_assert_eq(ml_log_batch(fx.s, id, NULL, 0, kvs, 101, NULL, 0, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_log_batch(fx.s, id, NULL, 0, NULL, 0, kvs, 101, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_log_batch(fx.s, id, many, 950, kvs, 60, NULL, 0, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "1000 metrics, params and tags") != NULL, "%s", err.msg);
    /* exactly at the limits works */
    cr_assert_eq(ml_log_batch(fx.s, id, many, 900, kvs, 100, NULL, 0, &err), ST_OK, "%s",
                 err.msg);
    json_t *h;
    cr_assert_eq(ml_metric_history(fx.s, id, "m", &h, &err), ST_OK);
    cr_assert_eq(json_array_size(json_object_get(h, "metrics")), 900);
    json_decref(h);
    cr_assert_eq(ml_log_batch(fx.s, "nope", ms, 1, NULL, 0, NULL, 0, &err), ST_ERR_NOTFOUND);
    free(many);
    free(kvs);
    free(keys);
    free(id);
    fx_close(&fx);
}

Test(ml_store, log_model_and_inputs)
{
    fixture fx;
    fx_open(&fx);
    st_error err;
    char *id = new_run(fx.s, "0", "m", 0);
    char model[512];
    snprintf(model, sizeof model,
             "{\"artifact_path\": \"model\", \"flavors\": {\"xgboost\": {}}, "
             "\"utc_time_created\": \"2024-01-01 00:00:00.000000\", \"run_id\": \"%s\"}", id);
    cr_assert_eq(ml_log_model(fx.s, id, model, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ml_log_model(fx.s, id, model, &err), ST_OK);
    cr_assert_eq(ml_log_model(fx.s, id, "{\"artifact_path\": \"m\"}", &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "missing mandatory fields") != NULL);
    cr_assert_eq(ml_log_model(fx.s, id, "not json", &err), ST_ERR_ARGUMENT);
    json_t *run;
    cr_assert_eq(ml_run_get(fx.s, id, &run, &err), ST_OK);
    const char *hist = kv_get(json_object_get(json_object_get(run, "data"), "tags"),
                              "mlflow.log-model.history");
    cr_assert_not_null(hist);
    json_t *h = json_loads(hist, 0, NULL);
    cr_assert(json_is_array(h));
    cr_assert_eq(json_array_size(h), 2);
    cr_assert_str_eq(jstr(json_array_get(h, 0), "artifact_path"), "model");
    json_decref(h);
    json_decref(run);

    json_t *ds = json_loads(
        "[{\"tags\": [{\"key\": \"mlflow.data.context\", \"value\": \"training\"}],"
        "  \"dataset\": {\"name\": \"churn\", \"digest\": \"abc123\", \"source_type\": \"local\","
        "               \"source\": \"{\\\"uri\\\": \\\"/data\\\"}\", \"schema\": \"{}\"}}]",
        0, NULL);
    cr_assert_not_null(ds);
    cr_assert_eq(ml_log_inputs(fx.s, id, ds, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ml_log_inputs(fx.s, id, ds, &err), ST_OK);        /* same dataset: once */
    json_t *bad = json_loads("[{\"dataset\": {\"name\": \"x\"}}]", 0, NULL);
    cr_assert_eq(ml_log_inputs(fx.s, id, bad, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_log_inputs(fx.s, id, NULL, &err), ST_OK);                /* nothing */
    cr_assert_eq(ml_log_inputs(fx.s, "nope", ds, &err), ST_ERR_NOTFOUND);
    json_decref(bad);
    cr_assert_eq(ml_run_get(fx.s, id, &run, &err), ST_OK);
    json_t *inputs = json_object_get(json_object_get(run, "inputs"), "dataset_inputs");
    cr_assert_eq(json_array_size(inputs), 1);
    cr_assert_str_eq(jstr(json_array_get(inputs, 0), "dataset.digest"), "abc123");
    json_decref(run);

    /* datasets in run search filters */
    json_t *res;
    const char *exps[] = { "0" };
    cr_assert_eq(ml_run_search(fx.s, exps, 1, "datasets.name = 'churn' AND "
                                              "datasets.context = 'training'",
                               NULL, NULL, 0, 0, NULL, &res, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(json_array_size(json_object_get(res, "runs")), 1);
    json_decref(res);
    cr_assert_eq(ml_run_search(fx.s, exps, 1, "datasets.digest = 'zzz'", NULL, NULL, 0, 0, NULL,
                               &res, &err), ST_OK);
    cr_assert_eq(json_array_size(json_object_get(res, "runs")), 0);
    json_decref(res);
    json_decref(ds);
    free(id);
    fx_close(&fx);
}

/* ---- run search ------------------------------------------------------------------------- */

Test(ml_store, run_search_filters_order_pages)
{
    fixture fx;
    fx_open(&fx);
    st_error err;
    char *e1;
    cr_assert_eq(ml_experiment_create(fx.s, "search", NULL, NULL, 0, &e1, &err), ST_OK);
    /* five runs: r0..r4 started at 1000..5000 */
    char *ids[5];
    for (int i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "r%d", i);
        ids[i] = new_run(fx.s, e1, name, 1000 * (i + 1));
        if (i != 3)
            cr_assert_eq(ml_log_metric(fx.s, ids[i], "acc", 0.5 + 0.1 * i, 10, 0, &err), ST_OK);
        cr_assert_eq(ml_log_param(fx.s, ids[i], "model", i % 2 ? "rf" : "gbt", &err), ST_OK);
        cr_assert_eq(ml_set_tag(fx.s, ids[i], "team a", i < 2 ? "x" : "y", &err), ST_OK);
    }
    cr_assert_eq(ml_run_update(fx.s, ids[1], "FINISHED", 9000, NULL, NULL, &err), ST_OK);
    cr_assert_eq(ml_run_update(fx.s, ids[2], "FINISHED", 9000, NULL, NULL, &err), ST_OK);
    cr_assert_eq(ml_log_metric(fx.s, ids[4], "acc", NAN, 20, 1, &err), ST_OK);  /* latest NaN */
    char *other = new_run(fx.s, "0", "elsewhere", 500);

    const char *exps[] = { e1 };
    json_t *res;
    char got[256];
    /* default order: start_time DESC */
    cr_assert_eq(ml_run_search(fx.s, exps, 1, NULL, NULL, NULL, 0, 0, NULL, &res, &err), ST_OK,
                 "%s", err.msg);
    expect_runs(res, "r4,r3,r2,r1,r0");

    struct { const char *filter, *want; } cases[] = {
        { "metrics.acc > 0.55", "r2,r1" },
        { "metrics.acc >= 0.5 and params.model = 'gbt'", "r2,r0" },
        { "params.model != 'gbt'", "r3,r1" },
        { "tags.`team a` = 'x'", "r1,r0" },
        { "tags.\"team a\" = 'y' AND attributes.status = 'FINISHED'", "r2" },
        { "attributes.run_name LIKE 'r%' and attribute.start_time < 3000", "r1,r0" },
        { "run_name ILIKE 'R_'", "r4,r3,r2,r1,r0" },
        { "attributes.run_name LIKE 'R%'", "" },
        { "status = \"RUNNING\"", "r4,r3,r0" },
        { "attributes.end_time = 9000", "r2,r1" },
        { "metrics.acc = 0.6", "r1" },
        { "params.model IN ('rf', 'xgb')", "r3,r1" },
        { "metrics.missing > 0", "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_eq(ml_run_search(fx.s, exps, 1, cases[i].filter, NULL, NULL, 0, 0, NULL, &res,
                                   &err), ST_OK, "%s: %s", cases[i].filter, err.msg);
        names_of(res, "runs", "info.run_name", got, sizeof got);
        cr_assert_str_eq(got, cases[i].want, "filter %s", cases[i].filter);
        json_decref(res);
    }
    char f[128];
    snprintf(f, sizeof f, "attributes.run_id = '%s'", ids[3]);
    cr_assert_eq(ml_run_search(fx.s, exps, 1, f, NULL, NULL, 0, 0, NULL, &res, &err), ST_OK);
    expect_runs(res, "r3");

    /* order by metric: values first (desc), NaN next, missing last */
    const char *by_acc[] = { "metrics.acc DESC" };
    cr_assert_eq(ml_run_search(fx.s, exps, 1, NULL, NULL, by_acc, 1, 0, NULL, &res, &err), ST_OK,
                 "%s", err.msg);
    expect_runs(res, "r2,r1,r0,r4,r3");
    const char *by_acc_asc[] = { "metrics.acc" };
    cr_assert_eq(ml_run_search(fx.s, exps, 1, NULL, NULL, by_acc_asc, 1, 0, NULL, &res, &err),
                 ST_OK);
    expect_runs(res, "r0,r1,r2,r4,r3");
    const char *by_param[] = { "params.model ASC", "attributes.start_time ASC" };
    cr_assert_eq(ml_run_search(fx.s, exps, 1, NULL, NULL, by_param, 2, 0, NULL, &res, &err),
                 ST_OK);
    expect_runs(res, "r0,r2,r4,r1,r3");

    /* pages */
    const char *by_name[] = { "attributes.run_name" };
    char tok[64] = "";
    const char *const run_pages[] = { "r0,r1", "r2,r3", "r4" };
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(ml_run_search(fx.s, exps, 1, NULL, NULL, by_name, 1, 2, i ? tok : NULL,
                                   &res, &err), ST_OK);
        take_token(res, tok, sizeof tok);
        expect_runs(res, run_pages[i]);
    }
    cr_assert_str_eq(tok, "");                  /* no token after the last page */

    /* views and several experiments */
    cr_assert_eq(ml_run_delete(fx.s, ids[0], &err), ST_OK);
    cr_assert_eq(ml_run_search(fx.s, exps, 1, NULL, "DELETED_ONLY", NULL, 0, 0, NULL, &res,
                               &err), ST_OK);
    expect_runs(res, "r0");
    cr_assert_eq(ml_run_search(fx.s, exps, 1, NULL, "ALL", NULL, 0, 0, NULL, &res, &err), ST_OK);
    cr_assert_eq(json_array_size(json_object_get(res, "runs")), 5);
    json_decref(res);
    const char *both[] = { "0", e1 };
    cr_assert_eq(ml_run_search(fx.s, both, 2, NULL, NULL, NULL, 0, 0, NULL, &res, &err), ST_OK);
    /* search results are full runs */
    json_t *first = json_array_get(json_object_get(res, "runs"), 0);
    cr_assert_str_eq(kv_get(json_object_get(json_object_get(first, "data"), "params"), "model"),
                     "gbt");
    expect_runs(res, "r4,r3,r2,r1,elsewhere");

    /* errors */
    const char *bad_filters[] = { "metrics.acc > 'x'", "params.model > 'a'", "params.model = 3",
                                  "foo.bar = 'x'", "attributes.colour = 'x'",
                                  "metrics.acc > 1 or metrics.acc < 0", "tags.x = 'unterminated",
                                  "metrics.acc LIKE '%'" };
    for (size_t i = 0; i < sizeof bad_filters / sizeof bad_filters[0]; i++)
        cr_assert_eq(ml_run_search(fx.s, exps, 1, bad_filters[i], NULL, NULL, 0, 0, NULL, &res,
                                   &err), ST_ERR_ARGUMENT, "filter %s", bad_filters[i]);
    const char *bad_order[] = { "metrics.acc SIDEWAYS" };
    cr_assert_eq(ml_run_search(fx.s, exps, 1, NULL, NULL, bad_order, 1, 0, NULL, &res, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_eq(ml_run_search(fx.s, exps, 1, NULL, NULL, NULL, 0, 50001, NULL, &res, &err),
                 ST_ERR_ARGUMENT);
    /* quotes inside values, no experiments at all */
    cr_assert_eq(ml_set_tag(fx.s, ids[2], "quote", "it's \"x\"", &err), ST_OK);
    cr_assert_eq(ml_run_search(fx.s, exps, 1, "tags.quote = 'it''s \"x\"'", NULL, NULL, 0, 0,
                               NULL, &res, &err), ST_OK, "%s", err.msg);
    expect_runs(res, "r2");
    cr_assert_eq(ml_run_search(fx.s, NULL, 0, NULL, NULL, NULL, 0, 0, NULL, &res, &err), ST_OK,
                 "%s", err.msg);
    cr_assert_eq(json_array_size(json_object_get(res, "runs")), 0);
    json_decref(res);
    const char *bad_exp[] = { "x1" };
    cr_assert_eq(ml_run_search(fx.s, bad_exp, 1, NULL, NULL, NULL, 0, 0, NULL, &res, &err),
                 ST_ERR_ARGUMENT);
    for (int i = 0; i < 5; i++)
        free(ids[i]);
    free(other);
    st_free(e1);
    fx_close(&fx);
}

/* ---- artifacts ---------------------------------------------------------------------------- */

Test(ml_store, artifacts_and_local_paths)
{
    fixture fx;
    fx_open(&fx);
    st_error err;
    char *id = new_run(fx.s, "0", "art", 0);
    char *dir;
    cr_assert_eq(ml_run_artifact_dir(fx.s, id, &dir, &err), ST_OK, "%s", err.msg);
    char want[700];
    snprintf(want, sizeof want, "%s/0/%s/artifacts", ml_store_artifact_root(fx.s), id);
    cr_assert_str_eq(dir, want);
    struct stat sb;
    cr_assert_eq(stat(dir, &sb), 0);
    cr_assert(S_ISDIR(sb.st_mode));
    char p[800];
    snprintf(p, sizeof p, "%s/model", dir);
    cr_assert_eq(mkdir(p, 0777), 0);
    snprintf(p, sizeof p, "%s/model/MLmodel", dir);
    write_file(p, "flavors: {}\n");
    snprintf(p, sizeof p, "%s/model/model.json", dir);
    write_file(p, "{}");
    snprintf(p, sizeof p, "%s/notes.txt", dir);
    write_file(p, "hello");

    json_t *ls;
    cr_assert_eq(ml_artifact_list(fx.s, id, NULL, &ls, &err), ST_OK, "%s", err.msg);
    char uri[128];
    snprintf(uri, sizeof uri, "mlflow-artifacts:/0/%s/artifacts", id);
    cr_assert_str_eq(jstr(ls, "root_uri"), uri);
    json_t *files = json_object_get(ls, "files");
    cr_assert_eq(json_array_size(files), 2);
    cr_assert_str_eq(jstr(json_array_get(files, 0), "path"), "model");
    cr_assert(json_is_true(json_object_get(json_array_get(files, 0), "is_dir")));
    cr_assert_null(json_object_get(json_array_get(files, 0), "file_size"));
    cr_assert_str_eq(jstr(json_array_get(files, 1), "path"), "notes.txt");
    cr_assert_eq(jint(json_array_get(files, 1), "file_size"), 5);
    json_decref(ls);
    cr_assert_eq(ml_artifact_list(fx.s, id, "model/", &ls, &err), ST_OK);
    files = json_object_get(ls, "files");
    cr_assert_eq(json_array_size(files), 2);
    cr_assert_str_eq(jstr(json_array_get(files, 0), "path"), "model/MLmodel");
    cr_assert_eq(jint(json_array_get(files, 0), "file_size"), 12);
    cr_assert_str_eq(jstr(json_array_get(files, 1), "path"), "model/model.json");
    json_decref(ls);
    cr_assert_eq(ml_artifact_list(fx.s, id, "nothing/here", &ls, &err), ST_OK);
    cr_assert_eq(json_array_size(json_object_get(ls, "files")), 0);
    json_decref(ls);
    cr_assert_eq(ml_artifact_list(fx.s, id, "../x", &ls, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_artifact_list(fx.s, id, "/etc", &ls, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_artifact_list(fx.s, "nope", "", &ls, &err), ST_ERR_NOTFOUND);

    /* URIs to folders */
    char *path;
    snprintf(uri, sizeof uri, "mlflow-artifacts:/0/%s/artifacts/model", id);
    snprintf(want, sizeof want, "%s/model", dir);
    expect_local_path(fx.s, uri, want);
    snprintf(uri, sizeof uri, "runs:/%s/model", id);
    expect_local_path(fx.s, uri, want);
    snprintf(uri, sizeof uri, "mlflow-artifacts://localhost:5000/0/%s/artifacts/model", id);
    expect_local_path(fx.s, uri, want);
    expect_local_path(fx.s, "file:///data/models/x", "/data/models/x");
    expect_local_path(fx.s, "file://localhost/data/y/", "/data/y");
    expect_local_path(fx.s, "/abs/folder", "/abs/folder");
    expect_local_path(fx.s, "rel/folder", "rel/folder");
    cr_assert_eq(ml_store_local_path(fx.s, "mlflow-artifacts:/0/../../etc", &path, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_null(path);
    snprintf(uri, sizeof uri, "runs:/%s/../../x", id);
    cr_assert_eq(ml_store_local_path(fx.s, uri, &path, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_store_local_path(fx.s, "/a/../b", &path, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_store_local_path(fx.s, "runs:/feedbeef/model", &path, &err),
                 ST_ERR_NOTFOUND);
    cr_assert_eq(ml_store_local_path(fx.s, "s3://bucket/x", &path, &err), ST_ERR_UNSUPPORTED);
    cr_assert_eq(ml_store_local_path(fx.s, "", &path, &err), ST_ERR_ARGUMENT);

    /* an experiment with a file:// location puts its runs' artifacts there */
    char loc[600], *eid;
    snprintf(loc, sizeof loc, "file://%s/custom/", fx.root);      /* trailing slash */
    cr_assert_eq(ml_experiment_create(fx.s, "custom", loc, NULL, 0, &eid, &err), ST_OK);
    char *rid = new_run(fx.s, eid, "c", 0);
    st_free(dir);
    cr_assert_eq(ml_run_artifact_dir(fx.s, rid, &dir, &err), ST_OK, "%s", err.msg);
    snprintf(want, sizeof want, "%s/custom/%s/artifacts", fx.root, rid);
    cr_assert_str_eq(dir, want);
    cr_assert_eq(stat(dir, &sb), 0);
    st_free(dir);
    st_free(eid);
    free(rid);
    free(id);
    fx_close(&fx);
}

/* ---- registry ----------------------------------------------------------------------------- */

Test(ml_store, registered_models)
{
    fixture fx;
    fx_open(&fx);
    st_error err;
    json_t *m;
    ml_kv tags[] = { { "owner", "ml-team" } };
    cr_assert_eq(ml_model_create(fx.s, "Churn", "predicts churn", tags, 1, &m, &err), ST_OK,
                 "%s", err.msg);
    cr_assert_str_eq(jstr(m, "name"), "Churn");
    cr_assert_str_eq(jstr(m, "description"), "predicts churn");
    cr_assert_eq(json_array_size(json_object_get(m, "latest_versions")), 0);
    cr_assert_str_eq(kv_get(json_object_get(m, "tags"), "owner"), "ml-team");
    cr_assert(json_is_array(json_object_get(m, "aliases")));
    json_int_t created = jint(m, "creation_timestamp");
    json_decref(m);
    cr_assert_eq(ml_model_create(fx.s, "Churn", NULL, NULL, 0, &m, &err), ST_ERR_EXISTS);
    cr_assert_str_eq(err.msg, "Registered Model with name=Churn already exists");
    cr_assert_eq(ml_model_create(fx.s, "churn", NULL, NULL, 0, NULL, &err), ST_OK); /* case */
    cr_assert_eq(ml_model_create(fx.s, "", NULL, NULL, 0, NULL, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_model_create(fx.s, "other", NULL, NULL, 0, NULL, &err), ST_OK);
    cr_assert_eq(ml_model_get(fx.s, "nope", &m, &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "Registered Model with name=nope not found");

    cr_assert_eq(ml_model_update(fx.s, "Churn", "v2 description", &m, &err), ST_OK);
    cr_assert_str_eq(jstr(m, "description"), "v2 description");
    cr_assert_geq(jint(m, "last_updated_timestamp"), created);
    json_decref(m);
    cr_assert_eq(ml_model_update(fx.s, "nope", "x", &m, &err), ST_ERR_NOTFOUND);
    cr_assert_eq(ml_model_set_tag(fx.s, "Churn", "tier", "gold", &err), ST_OK);
    cr_assert_eq(ml_model_set_tag(fx.s, "Churn", "owner", "core", &err), ST_OK);
    cr_assert_eq(ml_model_delete_tag(fx.s, "Churn", "tier", &err), ST_OK);
    cr_assert_eq(ml_model_set_tag(fx.s, "nope", "tier", "gold", &err), ST_ERR_NOTFOUND);
    cr_assert_eq(ml_model_get(fx.s, "Churn", &m, &err), ST_OK);
    cr_assert_str_eq(kv_get(json_object_get(m, "tags"), "owner"), "core");
    cr_assert_null(kv_get(json_object_get(m, "tags"), "tier"));
    json_decref(m);

    /* search */
    json_t *res;
    cr_assert_eq(ml_model_search(fx.s, NULL, NULL, 0, 0, NULL, &res, &err), ST_OK, "%s", err.msg);
    json_t *list = json_object_get(res, "registered_models");
    cr_assert_eq(json_array_size(list), 3);
    cr_assert_str_eq(jstr(json_array_get(list, 0), "name"), "Churn");
    cr_assert_str_eq(jstr(json_array_get(list, 1), "name"), "churn");
    json_decref(res);
    cr_assert_eq(ml_model_search(fx.s, "name ILIKE 'CH%'", NULL, 0, 0, NULL, &res, &err), ST_OK);
    cr_assert_eq(json_array_size(json_object_get(res, "registered_models")), 2);
    json_decref(res);
    cr_assert_eq(ml_model_search(fx.s, "name LIKE '%hur%' AND tags.owner = 'core'", NULL, 0, 0,
                                 NULL, &res, &err), ST_OK, "%s", err.msg);
    list = json_object_get(res, "registered_models");
    cr_assert_eq(json_array_size(list), 1);
    cr_assert_str_eq(jstr(json_array_get(list, 0), "name"), "Churn");
    json_decref(res);
    const char *desc[] = { "name DESC" };
    cr_assert_eq(ml_model_search(fx.s, NULL, desc, 1, 2, NULL, &res, &err), ST_OK);
    list = json_object_get(res, "registered_models");
    cr_assert_eq(json_array_size(list), 2);
    cr_assert_str_eq(jstr(json_array_get(list, 0), "name"), "other");
    cr_assert_str_eq(jstr(res, "next_page_token"), "2");
    json_decref(res);
    cr_assert_eq(ml_model_search(fx.s, NULL, desc, 1, 2, "2", &res, &err), ST_OK);
    list = json_object_get(res, "registered_models");
    cr_assert_eq(json_array_size(list), 1);
    cr_assert_str_eq(jstr(json_array_get(list, 0), "name"), "Churn");
    json_decref(res);
    cr_assert_eq(ml_model_search(fx.s, "version = 3", NULL, 0, 0, NULL, &res, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_eq(ml_model_search(fx.s, NULL, NULL, 0, 1001, NULL, &res, &err), ST_ERR_ARGUMENT);

    /* rename carries versions, tags and aliases along */
    cr_assert_eq(ml_version_create(fx.s, "other", "mlflow-artifacts:/x", NULL, NULL, NULL, 0,
                                   NULL, NULL, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ml_alias_set(fx.s, "other", "champion", "1", &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ml_version_set_tag(fx.s, "other", "1", "validated", "yes", &err), ST_OK);
    cr_assert_eq(ml_model_rename(fx.s, "other", "Churn", &m, &err), ST_ERR_EXISTS);
    cr_assert_eq(ml_model_rename(fx.s, "other", "renamed", &m, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(jstr(m, "name"), "renamed");
    cr_assert_eq(json_array_size(json_object_get(m, "latest_versions")), 1);
    json_decref(m);
    json_t *v;
    cr_assert_eq(ml_alias_get(fx.s, "renamed", "champion", &v, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(jstr(v, "name"), "renamed");
    cr_assert_str_eq(kv_get(json_object_get(v, "tags"), "validated"), "yes");
    json_decref(v);
    cr_assert_eq(ml_model_get(fx.s, "other", &m, &err), ST_ERR_NOTFOUND);
    cr_assert_eq(ml_model_rename(fx.s, "other", "x", &m, &err), ST_ERR_NOTFOUND);

    /* delete takes versions, tags and aliases */
    cr_assert_eq(ml_model_delete(fx.s, "renamed", &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ml_model_delete(fx.s, "renamed", &err), ST_ERR_NOTFOUND);
    cr_assert_eq(ml_version_search(fx.s, "name = 'renamed'", NULL, 0, 0, NULL, &res, &err),
                 ST_OK);
    cr_assert_eq(json_array_size(json_object_get(res, "model_versions")), 0);
    json_decref(res);
    cr_assert_eq(ml_model_create(fx.s, "renamed", NULL, NULL, 0, &m, &err), ST_OK);
    cr_assert_eq(json_array_size(json_object_get(m, "aliases")), 0);
    json_decref(m);
    cr_assert_eq(ml_version_create(fx.s, "renamed", "/src", NULL, NULL, NULL, 0, NULL, &v, &err),
                 ST_OK);
    cr_assert_str_eq(jstr(v, "version"), "1");
    cr_assert_eq(json_array_size(json_object_get(v, "tags")), 0);
    json_decref(v);
    fx_close(&fx);
}

/* Creates versions 1..n of model name with sources /src/<i>. */
static void make_versions(ml_store *s, const char *name, int n, const char *run_id)
{
    st_error err;
    for (int i = 1; i <= n; i++) {
        char src[32];
        snprintf(src, sizeof src, "/src/%d", i);
        json_t *v;
        cr_assert_eq(ml_version_create(s, name, src, run_id, NULL, NULL, 0, NULL, &v, &err),
                     ST_OK, "%s", err.msg);
        char want[8];
        snprintf(want, sizeof want, "%d", i);
        cr_assert_str_eq(jstr(v, "version"), want);
        json_decref(v);
    }
}

/* current_stage of version ver of name. */
static void expect_stage(ml_store *s, const char *name, const char *ver, const char *stage)
{
    json_t *v;
    st_error err;
    cr_assert_eq(ml_version_get(s, name, ver, &v, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(jstr(v, "current_stage"), stage, "version %s", ver);
    json_decref(v);
}

Test(ml_store, model_versions_and_stages)
{
    fixture fx;
    fx_open(&fx);
    st_error err;
    char *run = new_run(fx.s, "0", "train", 0);
    cr_assert_eq(ml_model_create(fx.s, "m", NULL, NULL, 0, NULL, &err), ST_OK);
    json_t *v;
    ml_kv tags[] = { { "source", "sql" } };
    cr_assert_eq(ml_version_create(fx.s, "m", "mlflow-artifacts:/0/r/artifacts/model", run,
                                   "first", tags, 1, "http://x/run", &v, &err), ST_OK, "%s",
                 err.msg);
    cr_assert_str_eq(jstr(v, "name"), "m");
    cr_assert_str_eq(jstr(v, "version"), "1");
    cr_assert_str_eq(jstr(v, "current_stage"), "None");
    cr_assert_str_eq(jstr(v, "status"), "READY");
    cr_assert_str_eq(jstr(v, "source"), "mlflow-artifacts:/0/r/artifacts/model");
    cr_assert_str_eq(jstr(v, "run_id"), run);
    cr_assert_str_eq(jstr(v, "run_link"), "http://x/run");
    cr_assert_str_eq(jstr(v, "description"), "first");
    cr_assert_str_eq(kv_get(json_object_get(v, "tags"), "source"), "sql");
    cr_assert_eq(json_array_size(json_object_get(v, "aliases")), 0);
    json_decref(v);
    cr_assert_eq(ml_version_create(fx.s, "nope", "/x", NULL, NULL, NULL, 0, NULL, &v, &err),
                 ST_ERR_NOTFOUND);
    cr_assert_eq(ml_version_create(fx.s, "m", "", NULL, NULL, NULL, 0, NULL, &v, &err),
                 ST_ERR_ARGUMENT);
    json_t *mv2;
    cr_assert_eq(ml_version_create(fx.s, "m", "/src/2", NULL, NULL, NULL, 0, NULL, &mv2, &err),
                 ST_OK);
    cr_assert_null(json_object_get(mv2, "run_id"));
    cr_assert_null(json_object_get(mv2, "description"));
    json_decref(mv2);
    make_versions(fx.s, "m", 0, NULL);
    for (int i = 3; i <= 4; i++)
        cr_assert_eq(ml_version_create(fx.s, "m", "/src/n", NULL, NULL, NULL, 0, NULL, NULL,
                                       &err), ST_OK);

    cr_assert_eq(ml_version_get(fx.s, "m", "9", &v, &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "Model Version (name=m, version=9) not found");
    cr_assert_eq(ml_version_get(fx.s, "m", "x", &v, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_version_get(fx.s, "zz", "1", &v, &err), ST_ERR_NOTFOUND);
    cr_assert_eq(ml_version_update(fx.s, "m", "2", "second", &v, &err), ST_OK);
    cr_assert_str_eq(jstr(v, "description"), "second");
    json_decref(v);
    cr_assert_eq(ml_version_set_tag(fx.s, "m", "2", "k", "v", &err), ST_OK);
    cr_assert_eq(ml_version_delete_tag(fx.s, "m", "2", "k", &err), ST_OK);
    cr_assert_eq(ml_version_set_tag(fx.s, "m", "9", "k", "v", &err), ST_ERR_NOTFOUND);
    char *uri;
    cr_assert_eq(ml_version_download_uri(fx.s, "m", "2", &uri, &err), ST_OK);
    cr_assert_str_eq(uri, "/src/2");
    st_free(uri);
    cr_assert_eq(ml_version_download_uri(fx.s, "m", "7", &uri, &err), ST_ERR_NOTFOUND);

    /* stages */
    cr_assert_eq(ml_version_transition(fx.s, "m", "1", "production", false, &v, &err), ST_OK,
                 "%s", err.msg);
    cr_assert_str_eq(jstr(v, "current_stage"), "Production");
    json_decref(v);
    cr_assert_eq(ml_version_transition(fx.s, "m", "2", "Production", false, NULL, &err), ST_OK);
    cr_assert_eq(ml_version_transition(fx.s, "m", "3", "STAGING", false, NULL, &err), ST_OK);
    expect_stage(fx.s, "m", "1", "Production");
    cr_assert_eq(ml_version_transition(fx.s, "m", "4", "Production", true, NULL, &err), ST_OK,
                 "%s", err.msg);
    expect_stage(fx.s, "m", "1", "Archived");
    expect_stage(fx.s, "m", "2", "Archived");
    expect_stage(fx.s, "m", "3", "Staging");
    expect_stage(fx.s, "m", "4", "Production");
    cr_assert_eq(ml_version_transition(fx.s, "m", "1", "Retired", false, NULL, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_eq(ml_version_transition(fx.s, "m", "1", "Archived", true, NULL, &err),
                 ST_ERR_ARGUMENT);
    cr_assert_eq(ml_version_transition(fx.s, "m", "8", "Staging", false, NULL, &err),
                 ST_ERR_NOTFOUND);

    /* latest versions per stage */
    json_t *res;
    cr_assert_eq(ml_model_latest_versions(fx.s, "m", NULL, 0, &res, &err), ST_OK, "%s", err.msg);
    json_t *list = json_object_get(res, "model_versions");
    cr_assert_eq(json_array_size(list), 3);                 /* no version is in None */
    cr_assert_str_eq(jstr(json_array_get(list, 0), "version"), "3");
    cr_assert_str_eq(jstr(json_array_get(list, 1), "version"), "4");
    cr_assert_str_eq(jstr(json_array_get(list, 2), "version"), "2");
    json_decref(res);
    const char *st[] = { "archived", "Staging", "ARCHIVED" };
    cr_assert_eq(ml_model_latest_versions(fx.s, "m", st, 3, &res, &err), ST_OK);
    list = json_object_get(res, "model_versions");
    cr_assert_eq(json_array_size(list), 2);
    cr_assert_str_eq(jstr(json_array_get(list, 0), "current_stage"), "Archived");
    cr_assert_str_eq(jstr(json_array_get(list, 0), "version"), "2");
    cr_assert_str_eq(jstr(json_array_get(list, 1), "version"), "3");
    json_decref(res);
    const char *bad[] = { "Live" };
    cr_assert_eq(ml_model_latest_versions(fx.s, "m", bad, 1, &res, &err), ST_ERR_ARGUMENT);
    cr_assert_eq(ml_model_latest_versions(fx.s, "zz", NULL, 0, &res, &err), ST_ERR_NOTFOUND);
    json_t *m;
    cr_assert_eq(ml_model_get(fx.s, "m", &m, &err), ST_OK);
    cr_assert_eq(json_array_size(json_object_get(m, "latest_versions")), 3);
    json_decref(m);

    /* version search */
    cr_assert_eq(ml_model_create(fx.s, "other", NULL, NULL, 0, NULL, &err), ST_OK);
    make_versions(fx.s, "other", 2, run);
    char f[128];
    snprintf(f, sizeof f, "run_id = '%s'", run);
    cr_assert_eq(ml_version_search(fx.s, f, NULL, 0, 0, NULL, &res, &err), ST_OK, "%s", err.msg);
    list = json_object_get(res, "model_versions");
    cr_assert_eq(json_array_size(list), 3);
    cr_assert_str_eq(jstr(json_array_get(list, 0), "name"), "m");
    cr_assert_str_eq(jstr(json_array_get(list, 1), "name"), "other");
    cr_assert_str_eq(jstr(json_array_get(list, 1), "version"), "2");    /* version DESC */
    json_decref(res);
    cr_assert_eq(ml_version_search(fx.s, "name = 'm' and version >= 3", NULL, 0, 0, NULL, &res,
                                   &err), ST_OK, "%s", err.msg);
    cr_assert_eq(json_array_size(json_object_get(res, "model_versions")), 2);
    json_decref(res);
    cr_assert_eq(ml_version_search(fx.s, "name = 'm' and version = '2'", NULL, 0, 0, NULL, &res,
                                   &err), ST_OK);
    cr_assert_eq(json_array_size(json_object_get(res, "model_versions")), 1);
    json_decref(res);
    const char *asc[] = { "version_number ASC" };
    cr_assert_eq(ml_version_search(fx.s, "name LIKE 'o%'", asc, 1, 1, NULL, &res, &err), ST_OK);
    list = json_object_get(res, "model_versions");
    cr_assert_eq(json_array_size(list), 1);
    cr_assert_str_eq(jstr(json_array_get(list, 0), "version"), "1");
    cr_assert_str_eq(jstr(res, "next_page_token"), "1");
    json_decref(res);
    cr_assert_eq(ml_version_search(fx.s, "stage = 'x'", NULL, 0, 0, NULL, &res, &err),
                 ST_ERR_ARGUMENT);

    /* deleting a version retires its number */
    cr_assert_eq(ml_version_delete(fx.s, "m", "4", &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ml_version_delete(fx.s, "m", "4", &err), ST_ERR_NOTFOUND);
    cr_assert_eq(ml_version_create(fx.s, "m", "/src/5", NULL, NULL, NULL, 0, NULL, &v, &err),
                 ST_OK);
    cr_assert_str_eq(jstr(v, "version"), "5");
    json_decref(v);
    free(run);
    fx_close(&fx);
}

Test(ml_store, aliases)
{
    fixture fx;
    fx_open(&fx);
    st_error err;
    cr_assert_eq(ml_model_create(fx.s, "m", NULL, NULL, 0, NULL, &err), ST_OK);
    make_versions(fx.s, "m", 3, NULL);
    cr_assert_eq(ml_alias_set(fx.s, "m", "champion", "1", &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ml_alias_set(fx.s, "m", "challenger", "2", &err), ST_OK);
    json_t *v;
    cr_assert_eq(ml_alias_get(fx.s, "m", "champion", &v, &err), ST_OK);
    cr_assert_str_eq(jstr(v, "version"), "1");
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(v, "aliases"), 0)),
                     "champion");
    json_decref(v);
    /* moving an alias */
    cr_assert_eq(ml_alias_set(fx.s, "m", "champion", "3", &err), ST_OK);
    cr_assert_eq(ml_alias_get(fx.s, "m", "champion", &v, &err), ST_OK);
    cr_assert_str_eq(jstr(v, "version"), "3");
    json_decref(v);
    cr_assert_eq(ml_version_get(fx.s, "m", "1", &v, &err), ST_OK);
    cr_assert_eq(json_array_size(json_object_get(v, "aliases")), 0);
    json_decref(v);
    cr_assert_eq(ml_alias_set(fx.s, "m", "backup", "3", &err), ST_OK);
    cr_assert_eq(ml_version_get(fx.s, "m", "3", &v, &err), ST_OK);
    json_t *al = json_object_get(v, "aliases");
    cr_assert_eq(json_array_size(al), 2);
    cr_assert_str_eq(json_string_value(json_array_get(al, 0)), "backup");
    cr_assert_str_eq(json_string_value(json_array_get(al, 1)), "champion");
    json_decref(v);
    json_t *m;
    cr_assert_eq(ml_model_get(fx.s, "m", &m, &err), ST_OK);
    al = json_object_get(m, "aliases");
    cr_assert_eq(json_array_size(al), 3);
    cr_assert_str_eq(jstr(json_array_get(al, 0), "alias"), "backup");
    cr_assert_str_eq(jstr(json_array_get(al, 0), "version"), "3");
    cr_assert_str_eq(jstr(json_array_get(al, 1), "alias"), "challenger");
    cr_assert_str_eq(jstr(json_array_get(al, 1), "version"), "2");
    json_decref(m);

    /* bad names and targets */
    const char *bad[] = { "", "latest", "LATEST", "v1", "V22", "has space", "a.b" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(ml_alias_set(fx.s, "m", bad[i], "1", &err), ST_ERR_ARGUMENT, "alias '%s'",
                     bad[i]);
    cr_assert_eq(ml_alias_set(fx.s, "m", "v1x", "1", &err), ST_OK);       /* not reserved */
    cr_assert_eq(ml_alias_set(fx.s, "m", "x", "9", &err), ST_ERR_NOTFOUND);
    cr_assert_eq(ml_alias_set(fx.s, "zz", "x", "1", &err), ST_ERR_NOTFOUND);
    cr_assert_eq(ml_alias_get(fx.s, "m", "nobody", &v, &err), ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "Registered model alias nobody not found.");

    /* delete the alias; deleting a version drops its aliases */
    cr_assert_eq(ml_alias_delete(fx.s, "m", "challenger", &err), ST_OK);
    cr_assert_eq(ml_alias_get(fx.s, "m", "challenger", &v, &err), ST_ERR_NOTFOUND);
    cr_assert_eq(ml_version_delete(fx.s, "m", "3", &err), ST_OK);
    cr_assert_eq(ml_alias_get(fx.s, "m", "champion", &v, &err), ST_ERR_NOTFOUND);
    cr_assert_eq(ml_model_get(fx.s, "m", &m, &err), ST_OK);
    cr_assert_eq(json_array_size(json_object_get(m, "aliases")), 1);       /* v1x */
    json_decref(m);
    fx_close(&fx);
}

Test(ml_store, model_uri_resolution)
{
    fixture fx;
    fx_open(&fx);
    st_error err;
    char *run = new_run(fx.s, "0", "train", 0);
    char *adir;
    cr_assert_eq(ml_run_artifact_dir(fx.s, run, &adir, &err), ST_OK);
    cr_assert_eq(ml_model_create(fx.s, "churn", NULL, NULL, 0, NULL, &err), ST_OK);
    char src[200];
    snprintf(src, sizeof src, "mlflow-artifacts:/0/%s/artifacts/model", run);
    cr_assert_eq(ml_version_create(fx.s, "churn", src, run, NULL, NULL, 0, NULL, NULL, &err),
                 ST_OK);
    snprintf(src, sizeof src, "runs:/%s/model2", run);
    cr_assert_eq(ml_version_create(fx.s, "churn", src, run, NULL, NULL, 0, NULL, NULL, &err),
                 ST_OK);
    cr_assert_eq(ml_version_create(fx.s, "churn", "file:///models/three", NULL, NULL, NULL, 0,
                                   NULL, NULL, &err), ST_OK);
    cr_assert_eq(ml_version_transition(fx.s, "churn", "1", "Production", false, NULL, &err),
                 ST_OK);
    cr_assert_eq(ml_version_transition(fx.s, "churn", "2", "Staging", false, NULL, &err), ST_OK);
    cr_assert_eq(ml_alias_set(fx.s, "churn", "champion", "2", &err), ST_OK);
    cr_assert_eq(ml_model_create(fx.s, "empty", NULL, NULL, 0, NULL, &err), ST_OK);

    char want1[700], want2[700];
    snprintf(want1, sizeof want1, "%s/model", adir);
    snprintf(want2, sizeof want2, "%s/model2", adir);
    struct { const char *uri, *ver, *src; } cases[] = {
        { "models:/churn/1", "1", want1 },
        { "models:/churn/3", "3", "/models/three" },
        { "models:/churn/latest", "3", "/models/three" },
        { "models:/churn/LATEST", "3", "/models/three" },
        { "models:/churn/Production", "1", want1 },
        { "models:/churn/production", "1", want1 },
        { "models:/churn/staging", "2", want2 },
        { "models:/churn@champion", "2", want2 },
        { "churn", "3", "/models/three" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *name, *ver, *path;
        cr_assert_eq(ml_resolve_model_uri(fx.s, cases[i].uri, &name, &ver, &path, &err), ST_OK,
                     "%s: %s", cases[i].uri, err.msg);
        cr_assert_str_eq(name, "churn");
        cr_assert_str_eq(ver, cases[i].ver, "%s", cases[i].uri);
        cr_assert_str_eq(path, cases[i].src, "%s", cases[i].uri);
        st_free(name);
        st_free(ver);
        st_free(path);
    }
    /* only the pieces asked for */
    char *ver;
    cr_assert_eq(ml_resolve_model_uri(fx.s, "models:/churn/2", NULL, &ver, NULL, &err), ST_OK);
    cr_assert_str_eq(ver, "2");
    st_free(ver);
    /* models:/ through ml_store_local_path too */
    char *path;
    expect_local_path(fx.s, "models:/churn@champion", want2);

    /* locations: folder only */
    char *name;
    char uri[200];
    snprintf(uri, sizeof uri, "runs:/%s/model", run);
    cr_assert_eq(ml_resolve_model_uri(fx.s, uri, &name, &ver, &path, &err), ST_OK, "%s",
                 err.msg);
    cr_assert_null(name);
    cr_assert_null(ver);
    cr_assert_str_eq(path, want1);
    st_free(path);
    cr_assert_eq(ml_resolve_model_uri(fx.s, "/some/folder", &name, &ver, &path, &err), ST_OK);
    cr_assert_str_eq(path, "/some/folder");
    st_free(path);
    cr_assert_eq(ml_resolve_model_uri(fx.s, "file:///some/folder", NULL, NULL, &path, &err),
                 ST_OK);
    cr_assert_str_eq(path, "/some/folder");
    st_free(path);

    /* errors */
    struct { const char *uri; st_status code; } bad[] = {
        { "models:/churn/9", ST_ERR_NOTFOUND },       { "models:/churn/Archived", ST_ERR_NOTFOUND },
        { "models:/churn/Live", ST_ERR_ARGUMENT },    { "models:/nope/1", ST_ERR_NOTFOUND },
        { "models:/churn@nobody", ST_ERR_NOTFOUND },  { "models:/empty/latest", ST_ERR_NOTFOUND },
        { "models:/churn/", ST_ERR_ARGUMENT },        { "models:/", ST_ERR_ARGUMENT },
        { "models:/churn@", ST_ERR_ARGUMENT },        { "nope", ST_ERR_NOTFOUND },
        { "", ST_ERR_ARGUMENT },                      { "runs:/", ST_ERR_ARGUMENT },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(ml_resolve_model_uri(fx.s, bad[i].uri, &name, &ver, &path, &err),
                     bad[i].code, "%s gave %d (%s)", bad[i].uri, err.code, err.msg);
        cr_assert_null(name);
        cr_assert_null(ver);
        cr_assert_null(path);
    }
    cr_assert_eq(ml_resolve_model_uri(fx.s, "models:/churn/Archived", NULL, NULL, NULL, &err),
                 ST_ERR_NOTFOUND);
    cr_assert_str_eq(err.msg, "No versions of model with name 'churn' and stage 'Archived' found");
    st_free(adir);
    free(run);
    fx_close(&fx);
}

/* ---- persistence and concurrency --------------------------------------------------------- */

Test(ml_store, reopen_keeps_everything)
{
    fixture fx;
    fx_open(&fx);
    st_error err;
    char *eid;
    cr_assert_eq(ml_experiment_create(fx.s, "kept", NULL, NULL, 0, &eid, &err), ST_OK);
    char *run = new_run(fx.s, eid, "persist", 0);
    cr_assert_eq(ml_log_metric(fx.s, run, "acc", 0.75, 100, 3, &err), ST_OK);
    cr_assert_eq(ml_log_param(fx.s, run, "p", "1", &err), ST_OK);
    cr_assert_eq(ml_model_create(fx.s, "kept-model", "d", NULL, 0, NULL, &err), ST_OK);
    cr_assert_eq(ml_version_create(fx.s, "kept-model", "/s", run, NULL, NULL, 0, NULL, NULL,
                                   &err), ST_OK);
    cr_assert_eq(ml_alias_set(fx.s, "kept-model", "prod", "1", &err), ST_OK);
    cr_assert_eq(ml_version_transition(fx.s, "kept-model", "1", "Production", false, NULL, &err),
                 ST_OK);
    ml_store_close(fx.s);

    cr_assert_eq(ml_store_open(fx.wh, &fx.s, &err), ST_OK, "%s", err.msg);
    json_t *e, *r, *v;
    cr_assert_eq(ml_experiment_get_by_name(fx.s, "kept", &e, &err), ST_OK);
    cr_assert_str_eq(jstr(e, "experiment_id"), eid);
    json_decref(e);
    cr_assert_eq(ml_run_get(fx.s, run, &r, &err), ST_OK);
    cr_assert_str_eq(jstr(r, "info.run_name"), "persist");
    cr_assert_float_eq(json_real_value(json_object_get(find_metric(r, "acc"), "value")), 0.75,
                       1e-12);
    cr_assert_str_eq(kv_get(json_object_get(json_object_get(r, "data"), "params"), "p"), "1");
    json_decref(r);
    cr_assert_eq(ml_alias_get(fx.s, "kept-model", "prod", &v, &err), ST_OK);
    cr_assert_str_eq(jstr(v, "current_stage"), "Production");
    cr_assert_str_eq(jstr(v, "run_id"), run);
    json_decref(v);
    /* ids continue */
    char *eid2;
    cr_assert_eq(ml_experiment_create(fx.s, "next", NULL, NULL, 0, &eid2, &err), ST_OK);
    cr_assert_str_eq(eid2, "2");
    st_free(eid2);
    st_free(eid);
    free(run);
    fx_close(&fx);
}

/* Child: opens its own handle and logs n metrics and params to run_id, one
** transaction each; exit code 0 on success. */
static void writer_child(const char *wh, const char *run_id, int n, int go_fd)
{
    char c;
    if (read(go_fd, &c, 1) != 1)
        _exit(90);
    ml_store *s;
    st_error err;
    if (ml_store_open(wh, &s, &err) != ST_OK)
        _exit(91);
    for (int i = 0; i < n; i++) {
        char key[32];
        snprintf(key, sizeof key, "child_%d", i);
        if (ml_log_metric(s, run_id, "child_loss", 1.0 / (i + 1), 1000 + i, i, &err) != ST_OK ||
            ml_log_param(s, run_id, key, "v", &err) != ST_OK) {
            fprintf(stderr, "child: %s\n", err.msg);
            ml_store_close(s);
            _exit(92);
        }
    }
    char *eid;
    if (ml_experiment_create(s, "from-child", NULL, NULL, 0, &eid, &err) != ST_OK)
        _exit(93);
    st_free(eid);
    ml_store_close(s);
    _exit(0);
}

Test(ml_store, concurrent_handles_and_process)
{
    fixture fx;
    fx_open(&fx);
    st_error err;
    ml_store *s2;
    cr_assert_eq(ml_store_open(fx.wh, &s2, &err), ST_OK, "%s", err.msg);
    char *run_a = new_run(fx.s, "0", "a", 0);
    char *run_b = new_run(s2, "0", "b", 0);
    int go[2];
    cr_assert_eq(pipe(go), 0);
    pid_t kid = fork();
    cr_assert(kid >= 0);
    if (kid == 0) {
        close(go[1]);
        writer_child(fx.wh, run_a, 150, go[0]);
    }
    close(go[0]);
    cr_assert_eq(write(go[1], "g", 1), 1);
    close(go[1]);
    /* meanwhile two handles in this process write too */
    for (int i = 0; i < 150; i++) {
        cr_assert_eq(ml_log_metric(fx.s, run_b, "h1", i, 1000 + i, i, &err), ST_OK, "%s",
                     err.msg);
        cr_assert_eq(ml_log_metric(s2, run_a, "h2", i, 1000 + i, i, &err), ST_OK, "%s",
                     err.msg);
        if (i % 50 == 0) {
            char name[32];
            snprintf(name, sizeof name, "m%d", i);
            cr_assert_eq(ml_model_create(s2, name, NULL, NULL, 0, NULL, &err), ST_OK, "%s",
                         err.msg);
        }
    }
    int status;
    cr_assert_eq(waitpid(kid, &status, 0), kid);
    cr_assert(WIFEXITED(status));
    cr_assert_eq(WEXITSTATUS(status), 0, "child failed with %d", WEXITSTATUS(status));

    json_t *h;
    cr_assert_eq(ml_metric_history(fx.s, run_a, "child_loss", &h, &err), ST_OK);
    cr_assert_eq(json_array_size(json_object_get(h, "metrics")), 150);
    json_decref(h);
    cr_assert_eq(ml_metric_history(s2, run_a, "h2", &h, &err), ST_OK);
    cr_assert_eq(json_array_size(json_object_get(h, "metrics")), 150);
    json_decref(h);
    cr_assert_eq(ml_metric_history(s2, run_b, "h1", &h, &err), ST_OK);
    cr_assert_eq(json_array_size(json_object_get(h, "metrics")), 150);
    json_decref(h);
    json_t *r;
    cr_assert_eq(ml_run_get(s2, run_a, &r, &err), ST_OK);
    cr_assert_eq(json_array_size(json_object_get(json_object_get(r, "data"), "params")), 150);
    json_t *last = find_metric(r, "child_loss");
    cr_assert_eq(jint(last, "step"), 149);
    json_decref(r);
    json_t *e;
    cr_assert_eq(ml_experiment_get_by_name(fx.s, "from-child", &e, &err), ST_OK);
    json_decref(e);
    json_t *res;
    cr_assert_eq(ml_model_search(fx.s, "name LIKE 'm%'", NULL, 0, 0, NULL, &res, &err), ST_OK);
    cr_assert_eq(json_array_size(json_object_get(res, "registered_models")), 3);
    json_decref(res);
    ml_store_close(s2);
    free(run_a);
    free(run_b);
    fx_close(&fx);
}

/* Child of the race: opens a new warehouse (racing the sibling to create
** it) and creates "shared" and its own experiment; exit 10 + whether it got
** "shared" (1) or EXISTS (0). */
static void race_child(const char *wh, int k, int go_fd)
{
    char c;
    if (read(go_fd, &c, 1) != 1)
        _exit(90);
    ml_store *s;
    st_error err;
    if (ml_store_open(wh, &s, &err) != ST_OK) {
        fprintf(stderr, "child open: %s\n", err.msg);
        _exit(91);
    }
    st_status rc = ml_experiment_create(s, "shared", NULL, NULL, 0, NULL, &err);
    if (rc != ST_OK && rc != ST_ERR_EXISTS)
        _exit(92);
    char own[32];
    snprintf(own, sizeof own, "own-%d", k);
    if (ml_experiment_create(s, own, NULL, NULL, 0, NULL, &err) != ST_OK)
        _exit(93);
    ml_store_close(s);
    _exit(rc == ST_OK ? 11 : 10);
}

Test(ml_store, processes_race_on_a_new_warehouse)
{
    char *root = tu_tmp_dir("mls");
    char wh[400];
    snprintf(wh, sizeof wh, "%s/fresh", root);              /* created by the children */
    int go[2];
    cr_assert_eq(pipe(go), 0);
    pid_t kids[3];
    for (int k = 0; k < 3; k++) {
        kids[k] = fork();
        cr_assert(kids[k] >= 0);
        if (kids[k] == 0) {
            close(go[1]);
            race_child(wh, k, go[0]);
        }
    }
    close(go[0]);
    cr_assert_eq(write(go[1], "ggg", 3), 3);
    close(go[1]);
    int winners = 0;
    for (int k = 0; k < 3; k++) {
        int status;
        cr_assert_eq(waitpid(kids[k], &status, 0), kids[k]);
        cr_assert(WIFEXITED(status));
        int code = WEXITSTATUS(status);
        cr_assert(code == 10 || code == 11, "child %d exited with %d", k, code);
        winners += code == 11;
    }
    cr_assert_eq(winners, 1);
    ml_store *s;
    st_error err;
    cr_assert_eq(ml_store_open(wh, &s, &err), ST_OK, "%s", err.msg);
    json_t *res;
    cr_assert_eq(ml_experiment_search(s, "ALL", NULL, NULL, 0, 0, NULL, &res, &err), ST_OK);
    cr_assert_eq(json_array_size(json_object_get(res, "experiments")), 5);   /* Default once */
    json_decref(res);
    ml_store_close(s);
    tu_rm_rf(root);
    free(root);
}

/* ---- filters past SQLite's limits (found by tests/fuzz/ml_search_fuzz.c) -------------- */

/* "<clause> AND <clause> ..." n times, heap. */
static char *repeat_and(const char *clause, int n)
{
    size_t len = (strlen(clause) + 5) * (size_t)n + 1;
    char *s = malloc(len);
    s[0] = '\0';
    for (int i = 0; i < n; i++) {
        strcat(s, i ? " AND " : "");
        strcat(s, clause);
    }
    return s;
}

/* "params.p IN ('v0', 'v1', ...)" with n values, heap. */
static char *in_list(int n)
{
    char *s = malloc((size_t)n * 12 + 32);
    strcpy(s, "params.p IN (");
    char *p = s + strlen(s);
    for (int i = 0; i < n; i++)
        p += sprintf(p, "%s'v%d'", i ? ", " : "", i);
    strcpy(p, ")");
    return s;
}

Test(ml_store, search_filter_limits)
{
    fixture fx;
    fx_open(&fx);
    st_error err;
    json_t *run, *res = NULL;
    cr_assert_eq(ml_run_create(fx.s, NULL, "alice", "r", 0, NULL, 0, &run, &err), ST_OK, "%s",
                 err.msg);
    const char *run_id = jstr(run, "info.run_id");
    cr_assert_eq(ml_log_param(fx.s, run_id, "p", "v4999", &err), ST_OK, "%s", err.msg);
    const char *exps[] = { "0" };
    /* 1200 comparisons were an SQLite "Expression tree is too large" (ST_ERR_IO) */
    char *f = repeat_and("name = 'x'", 1200);
    cr_assert_eq(ml_experiment_search(fx.s, NULL, f, NULL, 0, 0, NULL, &res, &err),
                 ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "too many comparisons (at most 100)"), "%s", err.msg);
    free(f);
    f = repeat_and("params.p != 'x'", 100);
    cr_assert_eq(ml_run_search(fx.s, exps, 1, f, NULL, NULL, 0, 0, NULL, &res, &err), ST_OK,
                 "%s", err.msg);
    cr_assert_eq(json_array_size(json_object_get(res, "runs")), 1);
    json_decref(res);
    free(f);
    /* IN lists: 5000 values bind (as bare '?' parameters) and match; past 10000 refused */
    f = in_list(5000);
    cr_assert_eq(ml_run_search(fx.s, exps, 1, f, NULL, NULL, 0, 0, NULL, &res, &err), ST_OK,
                 "%s", err.msg);
    cr_assert_eq(json_array_size(json_object_get(res, "runs")), 1);
    json_decref(res);
    free(f);
    f = in_list(10001);
    cr_assert_eq(ml_run_search(fx.s, exps, 1, f, NULL, NULL, 0, 0, NULL, &res, &err),
                 ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "too many values in IN lists (at most 10000)"), "%s", err.msg);
    free(f);
    json_decref(run);
    fx_close(&fx);
}

/* Hundreds of order_by clauses were SQLite's "too many terms in ORDER BY"
** (ST_ERR_IO, an HTTP 500 through the server); now a bounded ARGUMENT error. */
Test(ml_store, search_order_by_limit)
{
    fixture fx;
    fx_open(&fx);
    st_error err;
    json_t *res = NULL;
    const char *order[101];
    for (int i = 0; i < 101; i++)
        order[i] = "name ASC";
    cr_assert_eq(ml_experiment_search(fx.s, NULL, NULL, order, 100, 0, NULL, &res, &err), ST_OK,
                 "%s", err.msg);
    json_decref(res);
    res = NULL;
    cr_assert_eq(ml_experiment_search(fx.s, NULL, NULL, order, 101, 0, NULL, &res, &err),
                 ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "order_by has 101 clauses; at most 100 are allowed"), "%s", err.msg);
    const char *exps[] = { "0" };
    cr_assert_eq(ml_run_search(fx.s, exps, 1, NULL, NULL, order, 101, 0, NULL, &res, &err),
                 ST_ERR_ARGUMENT);
    fx_close(&fx);
}
