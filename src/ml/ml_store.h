/* ml_store.h -- the tracking store and the model registry of a warehouse:
** experiments, runs (params, metrics with full history, tags), registered
** models, model versions, stages and aliases, kept in SQLite beside the
** catalog (WAREHOUSE/metastore.db, tables prefixed ml_), and the artifact
** folders under WAREHOUSE/_mlflow/artifacts.
**
** Entities come back as jansson objects in MLflow's REST shapes (the
** messages of service.proto and model_registry.proto: Experiment, Run,
** RunInfo, Metric, RegisteredModel, ModelVersion), so the REST server
** (src/server) returns them as they are and the SQL views (src/exec) read
** their fields. Ids are text: experiment ids and model versions are decimal
** strings, run ids 32 lowercase hex digits; times are epoch milliseconds.
**
** Experiment "0" named "Default" exists in every store. An experiment's
** artifact_location is "mlflow-artifacts:/<experiment_id>" and a run's
** artifact_uri "mlflow-artifacts:/<experiment_id>/<run_id>/artifacts", as a
** MLflow server serving artifacts hands them out; ml_store_local_path maps
** such URIs to folders under the artifact root.
**
** Errors follow MLflow's codes: ST_ERR_NOTFOUND is RESOURCE_DOES_NOT_EXIST,
** ST_ERR_EXISTS is RESOURCE_ALREADY_EXISTS, ST_ERR_ARGUMENT is
** INVALID_PARAMETER_VALUE (ml_store_error_code names them); ST_ERR_IO is a
** SQLite or file failure. Messages name the object ("Run with id=... not
** found", "Registered Model with name=x already exists").
**
** Concurrency: every change is one SQLite transaction (BEGIN IMMEDIATE, WAL,
** busy timeout 30 s), so several processes (a server, CLI sessions) may share
** a store. A handle is used by one thread at a time. */
#ifndef STRATA_ML_ML_STORE_H
#define STRATA_ML_ML_STORE_H

#include "../base/base.h"

#include <jansson.h>

typedef struct ml_store ml_store;

/* Opens the store of warehouse folder dir (created when missing), creating
** its tables and the Default experiment on first use. */
st_status   ml_store_open(const char *warehouse, ml_store **out, st_error *err);
void        ml_store_close(ml_store *s);      /* accepts NULL */
/* Absolute folder that "mlflow-artifacts:/" names (WAREHOUSE/_mlflow/artifacts). */
const char *ml_store_artifact_root(const ml_store *s);
/* MLflow's error_code for a status (RESOURCE_DOES_NOT_EXIST, ...;
** INTERNAL_ERROR for IO/internal failures). */
const char *ml_store_error_code(st_status code);

/* ---- key/value lists --------------------------------------------------------- */

/* A tag or param as MLflow sends them. */
typedef struct ml_kv {
    const char *key;
    const char *value;
} ml_kv;

/* ---- experiments ------------------------------------------------------------- */

/* Creates an experiment; *id_out (heap, caller frees; may be NULL) gets its
** id. artifact_location NULL: the default. Name empty -> ARGUMENT; taken
** (also by a deleted experiment) -> EXISTS. */
st_status ml_experiment_create(ml_store *s, const char *name, const char *artifact_location,
                               const ml_kv *tags, int n_tags, char **id_out, st_error *err);
/* {experiment_id, name, artifact_location, lifecycle_stage, last_update_time,
** creation_time, tags[]} (new reference). */
st_status ml_experiment_get(ml_store *s, const char *id, json_t **out, st_error *err);
st_status ml_experiment_get_by_name(ml_store *s, const char *name, json_t **out, st_error *err);
/* view: "ACTIVE_ONLY" (default when NULL), "DELETED_ONLY" or "ALL". filter:
** MLflow's experiment filter (name = / != / LIKE / ILIKE 'x', tags.k = 'v',
** joined by AND) or NULL. order_by: "name", "experiment_id", "creation_time",
** "last_update_time" [ASC|DESC] (default, as MLflow: creation_time DESC;
** experiment_id ASC breaks ties). max_results: 0 = 1000, at most 50000.
** page_token: NULL or what the previous page returned. *out: {experiments:
** [...], next_page_token?}. */
st_status ml_experiment_search(ml_store *s, const char *view, const char *filter,
                               const char *const *order_by, int n_order_by,
                               int64_t max_results, const char *page_token, json_t **out,
                               st_error *err);
st_status ml_experiment_rename(ml_store *s, const char *id, const char *new_name, st_error *err);
/* Delete marks the experiment and its runs deleted (experiment "0" cannot be
** deleted: ARGUMENT); restore undoes that (an active one: ARGUMENT). */
st_status ml_experiment_delete(ml_store *s, const char *id, st_error *err);
st_status ml_experiment_restore(ml_store *s, const char *id, st_error *err);
st_status ml_experiment_set_tag(ml_store *s, const char *id, const char *key,
                                const char *value, st_error *err);

/* ---- runs ------------------------------------------------------------------- */

/* Creates a RUNNING run in experiment_id ("0" when NULL). run_name NULL: a
** generated two-word name; the tag mlflow.runName mirrors the name, and
** mlflow.parentRunId in tags makes it a child run. start_time 0: now.
** *out gets the Run {info, data, inputs}. */
st_status ml_run_create(ml_store *s, const char *experiment_id, const char *user_id,
                        const char *run_name, int64_t start_time, const ml_kv *tags,
                        int n_tags, json_t **out, st_error *err);
/* {info, data: {metrics (latest value per key), params, tags}, inputs}. */
st_status ml_run_get(ml_store *s, const char *run_id, json_t **out, st_error *err);
/* Updates any of status ("RUNNING", "SCHEDULED", "FINISHED", "FAILED",
** "KILLED"), end_time (> 0) and run_name (non-NULL); NULL/0 keep the value.
** *out (may be NULL) gets the RunInfo. */
st_status ml_run_update(ml_store *s, const char *run_id, const char *status, int64_t end_time,
                        const char *run_name, json_t **out, st_error *err);
st_status ml_run_delete(ml_store *s, const char *run_id, st_error *err);
st_status ml_run_restore(ml_store *s, const char *run_id, st_error *err);
/* MLflow's run search: experiment ids; filter like
** "metrics.acc > 0.9 and params.model = 'rf' and tags.`a b` = 'x' and
** attributes.status = 'FINISHED'" (=, !=, <, <=, >, >=, LIKE, ILIKE on
** metrics/params/tags/attributes run_name, status, start_time, end_time,
** run_id; AND only); view "ACTIVE_ONLY" (default), "DELETED_ONLY", "ALL";
** order_by "metrics.acc DESC", "attributes.start_time", "params.x ASC" ...
** (default start_time DESC, then run_id; missing values sort last).
** max_results: 0 = 1000, at most 50000. Also datasets.name / digest /
** context and IN / NOT IN lists. *out: {runs: [...], next_page_token?}. */
st_status ml_run_search(ml_store *s, const char *const *experiment_ids, int n_experiments,
                        const char *filter, const char *view, const char *const *order_by,
                        int n_order_by, int64_t max_results, const char *page_token,
                        json_t **out, st_error *err);

/* Logging. As MLflow, logging goes to any active run whatever its status; a
** deleted run -> ARGUMENT ("The run ... must be in the 'active' state").
** A param logged again with a different value -> ARGUMENT; the same value is
** accepted. timestamp 0: now (also in log-batch). Keys follow MLflow's name
** rule (alphanumerics, _ - . space / :, no ".." component, <= 250 bytes);
** param values <= 6000 bytes, tag values <= 8000. Setting the tag
** mlflow.runName renames the run. ml_delete_tag of a missing key: NOTFOUND. */
st_status ml_log_metric(ml_store *s, const char *run_id, const char *key, double value,
                        int64_t timestamp, int64_t step, st_error *err);
st_status ml_log_param(ml_store *s, const char *run_id, const char *key, const char *value,
                       st_error *err);
st_status ml_set_tag(ml_store *s, const char *run_id, const char *key, const char *value,
                     st_error *err);
st_status ml_delete_tag(ml_store *s, const char *run_id, const char *key, st_error *err);
/* A metric for log-batch. */
typedef struct ml_metric {
    const char *key;
    double      value;
    int64_t     timestamp;
    int64_t     step;
} ml_metric;
/* All of it in one transaction (nothing logged on any error); MLflow's
** limits: 1000 metrics, 100 params, 100 tags, 1000 in all -> ARGUMENT. */
st_status ml_log_batch(ml_store *s, const char *run_id, const ml_metric *metrics, int n_metrics,
                       const ml_kv *params, int n_params, const ml_kv *tags, int n_tags,
                       st_error *err);
/* Records a logged model (MLmodel as JSON text) in the run's tag
** mlflow.log-model.history, as MLflow does. */
st_status ml_log_model(ml_store *s, const char *run_id, const char *model_json, st_error *err);
/* log-inputs: datasets as MLflow sends them (array of DatasetInput, each
** with dataset.name, digest, source_type and source; NULL = none). A dataset
** (name, digest) already logged to the run is kept once. */
st_status ml_log_inputs(ml_store *s, const char *run_id, json_t *datasets, st_error *err);
/* Every value of metric key of a run, by step then timestamp:
** {metrics: [{key, value, timestamp, step}, ...]}. */
st_status ml_metric_history(ml_store *s, const char *run_id, const char *key, json_t **out,
                            st_error *err);

/* ---- artifacts --------------------------------------------------------------- */

/* The folder an artifact URI names: "mlflow-artifacts:/x/y" (also
** "mlflow-artifacts://host:port/x/y") -> root/x/y, "runs:/<run_id>/p" -> the
** run's artifact folder/p, "file:///a" -> "/a", plain paths ("/a", "a/b")
** as they are, "models:/..." -> the version's source resolved again. Refuses
** ".." components (ARGUMENT); other schemes (s3://...) -> UNSUPPORTED.
** Heap string, caller frees. */
st_status ml_store_local_path(ml_store *s, const char *uri, char **out, st_error *err);
/* The run's artifact folder (created): root/<exp>/<run>/artifacts. Heap. */
st_status ml_run_artifact_dir(ml_store *s, const char *run_id, char **out, st_error *err);
/* Lists folder path (relative to the run's artifact folder, "" = top):
** {root_uri, files: [{path (run-relative), is_dir, file_size?}]}. */
st_status ml_artifact_list(ml_store *s, const char *run_id, const char *path, json_t **out,
                           st_error *err);

/* ---- registry ---------------------------------------------------------------- */

/* Registered model names are case-sensitive, as in MLflow; empty -> ARGUMENT,
** taken -> EXISTS. *out: RegisteredModel {name, creation_timestamp,
** last_updated_timestamp, description?, latest_versions[], tags[], aliases[]}. */
st_status ml_model_create(ml_store *s, const char *name, const char *description,
                          const ml_kv *tags, int n_tags, json_t **out, st_error *err);
st_status ml_model_get(ml_store *s, const char *name, json_t **out, st_error *err);
/* filter: "name = 'x'", "name LIKE '%x%'", "name ILIKE ..." or NULL; order_by
** "name [ASC|DESC]", "last_updated_timestamp ...", "creation_timestamp ..."
** (default name ASC); max_results 0 = 100, at most 1000;
** {registered_models, next_page_token?}. Tag deletes of missing keys are
** no-ops, as in MLflow. */
st_status ml_model_search(ml_store *s, const char *filter, const char *const *order_by,
                          int n_order_by, int64_t max_results, const char *page_token,
                          json_t **out, st_error *err);
st_status ml_model_rename(ml_store *s, const char *name, const char *new_name, json_t **out,
                          st_error *err);
st_status ml_model_update(ml_store *s, const char *name, const char *description, json_t **out,
                          st_error *err);
/* Deletes the model with its versions, tags and aliases. */
st_status ml_model_delete(ml_store *s, const char *name, st_error *err);
st_status ml_model_set_tag(ml_store *s, const char *name, const char *key, const char *value,
                           st_error *err);
st_status ml_model_delete_tag(ml_store *s, const char *name, const char *key, st_error *err);
/* Latest version per stage (stages NULL/0: every stage, "None" included):
** {model_versions: [...]}. Stage names are case-insensitive. */
st_status ml_model_latest_versions(ml_store *s, const char *name, const char *const *stages,
                                   int n_stages, json_t **out, st_error *err);

/* Creates version max+1 of registered model name (which must exist) with
** status READY, stage "None". *out: ModelVersion {name, version, creation_timestamp,
** last_updated_timestamp, current_stage, description?, source, run_id?,
** status, tags[], run_link?, aliases[]}. */
st_status ml_version_create(ml_store *s, const char *name, const char *source,
                            const char *run_id, const char *description, const ml_kv *tags,
                            int n_tags, const char *run_link, json_t **out, st_error *err);
st_status ml_version_get(ml_store *s, const char *name, const char *version, json_t **out,
                         st_error *err);
st_status ml_version_update(ml_store *s, const char *name, const char *version,
                            const char *description, json_t **out, st_error *err);
st_status ml_version_delete(ml_store *s, const char *name, const char *version, st_error *err);
/* filter: "name = 'x'", "name LIKE ...", "run_id = '...'", "version = '3'"
** (or version_number >= 2), source_path, tags.k, joined by AND, or NULL;
** order_by name, version_number, creation_timestamp, last_updated_timestamp
** (default name ASC, version DESC); max_results 0 = 10000, at most 200000;
** {model_versions, next_page_token?}. Version numbers are never reused after
** a delete. */
st_status ml_version_search(ml_store *s, const char *filter, const char *const *order_by,
                            int n_order_by, int64_t max_results, const char *page_token,
                            json_t **out, st_error *err);
/* stage: None, Staging, Production, Archived (case-insensitive; else
** ARGUMENT). archive_existing: the other versions in that stage move to
** Archived (only for Staging/Production; with another stage -> ARGUMENT, as
** MLflow). */
st_status ml_version_transition(ml_store *s, const char *name, const char *version,
                                const char *stage, bool archive_existing, json_t **out,
                                st_error *err);
st_status ml_version_set_tag(ml_store *s, const char *name, const char *version,
                             const char *key, const char *value, st_error *err);
st_status ml_version_delete_tag(ml_store *s, const char *name, const char *version,
                                const char *key, st_error *err);
/* The version's source (artifact URI) as given at creation. Heap. */
st_status ml_version_download_uri(ml_store *s, const char *name, const char *version,
                                  char **out, st_error *err);
/* Aliases: one version per alias; setting moves it. Alias names: letters,
** digits, '_' and '-', not "latest" and not all digits with a leading 'v'
** as MLflow refuses (ARGUMENT). Deleting a missing alias is a no-op; getting
** one -> NOTFOUND ("Registered model alias x not found."). */
st_status ml_alias_set(ml_store *s, const char *name, const char *alias, const char *version,
                       st_error *err);
st_status ml_alias_delete(ml_store *s, const char *name, const char *alias, st_error *err);
st_status ml_alias_get(ml_store *s, const char *name, const char *alias, json_t **out,
                       st_error *err);

/* Resolves a model URI to a version: "models:/name/3", "models:/name/latest",
** "models:/name/<Stage>" (latest version in the stage), "models:/name@alias";
** also a bare registered model name (its latest version). *name_out and
** *version_out (heap, may be NULL) get the version; *source_out (heap, may be
** NULL) its local model folder. "runs:/<id>/path" resolves to the folder only
** (name/version NULL), as do "mlflow-artifacts:/...", "file://..." and paths
** (anything with a '/' or a scheme other than models:). */
st_status ml_resolve_model_uri(ml_store *s, const char *uri, char **name_out,
                               char **version_out, char **source_out, st_error *err);

#endif /* STRATA_ML_ML_STORE_H */
