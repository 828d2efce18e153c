/* ml_registry.c -- the model registry: registered models with tags and
** aliases, model versions with tags and stages, searches, latest versions
** per stage, and resolution of model URIs (models:/name/3, /latest,
** /<Stage>, models:/name@alias, runs:/..., paths) to a version and a local
** folder, as MLflow's model registry (model_registry.proto, SQL store) does.
**
** Invariants: names are case-sensitive; version numbers are never reused
** (ml_registered_models.last_version only grows, so a deleted version's
** number stays retired); stages are stored in their canonical spelling (None,
** Staging, Production, Archived) and matched case-insensitively; an alias
** names exactly one version of its model and goes away with it; renames and
** deletes reach versions, tags and aliases through ON UPDATE / ON DELETE
** CASCADE; every change is one BEGIN IMMEDIATE transaction that also moves
** the registered model's last_updated_timestamp. */
#include "ml_store_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const k_stages[] = { "None", "Staging", "Production", "Archived" };

/* Canonical spelling of a stage name given in any case; NULL when unknown. */
static const char *stage_canon(const char *stage)
{
    for (size_t i = 0; stage && i < ST_ARRAY_LEN(k_stages); i++)
        if (strcasecmp(stage, k_stages[i]) == 0)
            return k_stages[i];
    return NULL;
}

static st_status stage_check(const char *stage, const char **out, st_error *err)
{
    if (!(*out = stage_canon(stage)))
        return st_error_set(err, ST_ERR_ARGUMENT, "Invalid Model Version stage: %.100s. Value "
                                                  "must be one of None, Staging, Production, "
                                                  "Archived.", stage ? stage : "");
    return ST_OK;
}

/* ---- lookups ------------------------------------------------------------------------ */

static st_status model_check_name(const char *name, st_error *err)
{
    if (!name || !*name)
        return st_error_set(err, ST_ERR_ARGUMENT, "Registered model name cannot be empty.");
    return ST_OK;
}

/* Whether registered model name exists. */
static st_status model_found(ml_store *s, const char *name, bool *found, st_error *err)
{
    int64_t one;
    return ml_query_int(s, "SELECT 1 FROM ml_registered_models WHERE name = ?1",
                        (ml_arg[]){ ml_s(name ? name : "") }, 1, &one, found, err);
}

static st_status model_exists(ml_store *s, const char *name, st_error *err)
{
    bool found;
    st_status rc = model_found(s, name, &found, err);
    if (rc == ST_OK && !found)
        rc = st_error_set(err, ST_ERR_NOTFOUND, "Registered Model with name=%.300s not found",
                          name ? name : "");
    return rc;
}

static st_status version_parse(const char *version, int64_t *num, st_error *err)
{
    if (!ml_parse_id(version, num))
        return st_error_set(err, ST_ERR_ARGUMENT, "Model version must be an integer, got "
                                                  "'%.100s'", version ? version : "");
    return ST_OK;
}

/* NOTFOUND "Model Version (name=..., version=<text>) not found" unless
** version num of model name exists. */
static st_status version_found(ml_store *s, const char *name, int64_t num, const char *text,
                               st_error *err)
{
    bool found;
    int64_t one;
    st_status rc = ml_query_int(s, "SELECT 1 FROM ml_model_versions WHERE name = ?1 AND "
                                   "version = ?2", (ml_arg[]){ ml_s(name), ml_i(num) }, 2, &one,
                                &found, err);
    if (rc == ST_OK && !found)
        rc = st_error_set(err, ST_ERR_NOTFOUND, "Model Version (name=%s, version=%s) not found",
                          name, text);
    return rc;
}

/* The version's number; NOTFOUND naming the model or the version. */
static st_status version_exists(ml_store *s, const char *name, const char *version,
                                int64_t *num, st_error *err)
{
    st_status rc = version_parse(version, num, err);
    if (rc == ST_OK)
        rc = model_exists(s, name, err);
    return rc == ST_OK ? version_found(s, name, *num, version, err) : rc;
}

static st_status touch_model(ml_store *s, const char *name, int64_t now, st_error *err)
{
    return ml_exec(s, "UPDATE ml_registered_models SET last_updated_timestamp = ?1 "
                      "WHERE name = ?2", (ml_arg[]){ ml_i(now), ml_s(name) }, 2, NULL, err);
}

/* ---- JSON ------------------------------------------------------------------------------ */

/* The alias name of column 0. */
static st_status alias_name_row(ml_store *s, sqlite3_stmt *st, json_t **out, st_error *err)
{
    (void)s;
    if (!(*out = json_string((const char *)sqlite3_column_text(st, 0))))
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    return ST_OK;
}

/* {alias, version} of columns 0 and 1. */
static st_status alias_row(ml_store *s, sqlite3_stmt *st, json_t **out, st_error *err)
{
    (void)s;
    if (!(*out = json_object()))
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    ml_json_set_col(*out, "alias", st, 0);
    ml_json_set_col(*out, "version", st, 1);
    return ST_OK;
}

#define MV_COLS "name, version, creation_timestamp, last_updated_timestamp, description, " \
                "current_stage, source, run_id, run_link, status"

/* ModelVersion of the current row of a query selecting MV_COLS. */
static st_status version_json_row(ml_store *s, sqlite3_stmt *st, json_t **out, st_error *err)
{
    *out = NULL;
    json_t *v = json_object();
    if (!v)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    const char *name = (const char *)sqlite3_column_text(st, 0);
    int64_t num = sqlite3_column_int64(st, 1);
    char ver[24];
    snprintf(ver, sizeof ver, "%lld", (long long)num);
    ml_json_set_col(v, "name", st, 0);
    json_object_set_new(v, "version", json_string(ver));
    json_object_set_new(v, "creation_timestamp", json_integer(sqlite3_column_int64(st, 2)));
    json_object_set_new(v, "last_updated_timestamp", json_integer(sqlite3_column_int64(st, 3)));
    ml_json_set_col(v, "description", st, 4);
    ml_json_set_col(v, "current_stage", st, 5);
    ml_json_set_col(v, "source", st, 6);
    ml_json_set_col(v, "run_id", st, 7);
    ml_json_set_col(v, "run_link", st, 8);
    ml_json_set_col(v, "status", st, 9);
    json_t *tags = NULL, *aliases = NULL;
    ml_arg key[] = { ml_s(name), ml_i(num) };
    st_status rc = ml_json_kv_list(s, "SELECT key, value FROM ml_model_version_tags "
                                      "WHERE name = ?1 AND version = ?2 ORDER BY key",
                                   key, 2, &tags, err);
    sqlite3_stmt *al;
    if (rc == ST_OK)
        rc = ml_stmt(s, "SELECT alias FROM ml_model_aliases WHERE name = ?1 AND version = ?2 "
                        "ORDER BY alias", key, 2, &al, err);
    if (rc == ST_OK)
        rc = ml_json_list(s, al, alias_name_row, &aliases, err);
    if (rc != ST_OK) {
        json_decref(tags);
        json_decref(aliases);
        json_decref(v);
        return rc;
    }
    json_object_set_new(v, "tags", tags);
    json_object_set_new(v, "aliases", aliases);
    *out = v;
    return ST_OK;
}

/* ModelVersion of (name, version number). */
static st_status version_json(ml_store *s, const char *name, int64_t num, json_t **out,
                              st_error *err)
{
    sqlite3_stmt *st;
    *out = NULL;
    st_status rc = ml_stmt(s, "SELECT " MV_COLS " FROM ml_model_versions WHERE name = ?1 "
                              "AND version = ?2", (ml_arg[]){ ml_s(name), ml_i(num) }, 2, &st,
                           err);
    if (rc == ST_OK)
        rc = ml_json_first(s, st, version_json_row, out, err);
    if (rc == ST_OK && !*out)
        rc = st_error_set(err, ST_ERR_NOTFOUND, "Model Version (name=%s, version=%lld) not "
                                                "found", name, (long long)num);
    return rc;
}

/* The latest version of model name in each of stages (canonical names), in
** that order, appended to arr. */
static st_status latest_in_stages(ml_store *s, const char *name, const char *const *stages,
                                  int n, json_t *arr, st_error *err)
{
    st_status rc = ST_OK;
    for (int i = 0; rc == ST_OK && i < n; i++) {
        sqlite3_stmt *st;
        rc = ml_stmt(s, "SELECT " MV_COLS " FROM ml_model_versions WHERE name = ?1 AND "
                        "current_stage = ?2 ORDER BY version DESC LIMIT 1",
                     (ml_arg[]){ ml_s(name), ml_s(stages[i]) }, 2, &st, err);
        if (rc == ST_OK)
            rc = ml_rows_append(s, st, version_json_row, arr, err);
    }
    return rc;
}

/* RegisteredModel of the current row of "SELECT name, creation_timestamp,
** last_updated_timestamp, description FROM ml_registered_models ...". */
static st_status model_json_row(ml_store *s, sqlite3_stmt *st, json_t **out, st_error *err)
{
    *out = NULL;
    json_t *m = json_object(), *latest = json_array(), *tags = NULL, *aliases = NULL;
    const char *name = (const char *)sqlite3_column_text(st, 0);
    st_status rc = m && latest ? ST_OK : st_error_set(err, ST_ERR_NOMEM, "out of memory");
    if (rc == ST_OK) {
        ml_json_set_col(m, "name", st, 0);
        json_object_set_new(m, "creation_timestamp", json_integer(sqlite3_column_int64(st, 1)));
        json_object_set_new(m, "last_updated_timestamp",
                            json_integer(sqlite3_column_int64(st, 2)));
        ml_json_set_col(m, "description", st, 3);
        rc = latest_in_stages(s, name, k_stages, (int)ST_ARRAY_LEN(k_stages), latest, err);
    }
    if (rc == ST_OK)
        rc = ml_json_kv_list(s, "SELECT key, value FROM ml_registered_model_tags "
                                "WHERE name = ?1 ORDER BY key", (ml_arg[]){ ml_s(name) }, 1,
                             &tags, err);
    sqlite3_stmt *al;
    if (rc == ST_OK)
        rc = ml_stmt(s, "SELECT alias, version FROM ml_model_aliases WHERE name = ?1 "
                        "ORDER BY alias", (ml_arg[]){ ml_s(name) }, 1, &al, err);
    if (rc == ST_OK)
        rc = ml_json_list(s, al, alias_row, &aliases, err);
    if (rc != ST_OK) {
        json_decref(m);
        json_decref(latest);
        json_decref(tags);
        json_decref(aliases);
        return rc;
    }
    json_object_set_new(m, "latest_versions", latest);
    json_object_set_new(m, "tags", tags);
    json_object_set_new(m, "aliases", aliases);
    *out = m;
    return ST_OK;
}

#define RM_COLS "name, creation_timestamp, last_updated_timestamp, description"

static st_status model_json(ml_store *s, const char *name, json_t **out, st_error *err)
{
    sqlite3_stmt *st;
    *out = NULL;
    st_status rc = ml_stmt(s, "SELECT " RM_COLS " FROM ml_registered_models WHERE name = ?1",
                           (ml_arg[]){ ml_s(name ? name : "") }, 1, &st, err);
    if (rc == ST_OK)
        rc = ml_json_first(s, st, model_json_row, out, err);
    if (rc == ST_OK && !*out)
        rc = st_error_set(err, ST_ERR_NOTFOUND, "Registered Model with name=%.300s not found",
                          name ? name : "");
    return rc;
}

/* ---- registered models ---------------------------------------------------------------- */

static st_status check_tags(const ml_kv *tags, int n_tags, st_error *err)
{
    st_status rc = ST_OK;
    for (int i = 0; rc == ST_OK && i < n_tags; i++)
        rc = ml_check_key("tag", tags[i].key, err);
    return rc;
}

static st_status put_model_tag(ml_store *s, const char *name, const char *key,
                               const char *value, st_error *err)
{
    return ml_exec(s, "INSERT OR REPLACE INTO ml_registered_model_tags (name, key, value) "
                      "VALUES (?1, ?2, ?3)",
                   (ml_arg[]){ ml_s(name), ml_s(key), ml_s(value ? value : "") }, 3, NULL, err);
}

static st_status model_name_free(ml_store *s, const char *name, st_error *err)
{
    bool found;
    st_status rc = model_found(s, name, &found, err);
    if (rc == ST_OK && found)
        rc = st_error_set(err, ST_ERR_EXISTS, "Registered Model with name=%s already exists",
                          name);
    return rc;
}

st_status ml_model_create(ml_store *s, const char *name, const char *description,
                          const ml_kv *tags, int n_tags, json_t **out, st_error *err)
{
    if (out)
        *out = NULL;
    st_status rc = model_check_name(name, err);
    if (rc == ST_OK)
        rc = check_tags(tags, n_tags, err);
    if (rc != ST_OK || (rc = ml_tx_begin(s, err)) != ST_OK)
        return rc;
    rc = model_name_free(s, name, err);
    if (rc == ST_OK)
        rc = ml_exec(s, "INSERT INTO ml_registered_models (name, creation_timestamp, "
                        "last_updated_timestamp, description, last_version) "
                        "VALUES (?1, ?2, ?2, ?3, 0)",
                     (ml_arg[]){ ml_s(name), ml_i(ml_now_ms()), ml_s(description) }, 3, NULL,
                     err);
    for (int i = 0; rc == ST_OK && i < n_tags; i++)
        rc = put_model_tag(s, name, tags[i].key, tags[i].value, err);
    rc = ml_tx_end(s, rc, err);
    if (rc == ST_OK && out)
        rc = model_json(s, name, out, err);
    return rc;
}

st_status ml_model_get(ml_store *s, const char *name, json_t **out, st_error *err)
{
    return model_json(s, name, out, err);
}

static st_status model_filter(ml_query *q, const ml_clause *c, st_error *err)
{
    static const ml_col k_cols[] = { { "name", "m.name", false }, { NULL, NULL, false } };
    st_status rc = ml_clause_check(c, false, err);
    if (rc != ST_OK)
        return rc;
    if (c->ent == ML_ENT_TAG)
        return ml_key_filter(q, "EXISTS (SELECT 1 FROM ml_registered_model_tags t WHERE "
                                "t.name = m.name AND t.key = ", c, false, err);
    return ml_attr_filter(q, k_cols, "'name' and tags.<key>", c, err);
}

static const ml_col k_model_order_cols[] = {
    { "name", "m.name", false },
    { "creation_timestamp", "m.creation_timestamp", true },
    { "last_updated_timestamp", "m.last_updated_timestamp", true },
    { "timestamp", "m.last_updated_timestamp", true },
    { NULL, NULL, false },
};

/* Registered models order by name after any order_by. */
static const ml_search_def k_model_search = {
    .select = "SELECT " RM_COLS " FROM ml_registered_models m WHERE ",
    .filter = model_filter,
    .order_cols = k_model_order_cols,
    .seen_col = "m.name",
    .tie_unseen = "m.name ASC",
    .tie_seen = "1",
    .max_dflt = 100,
    .max_limit = 1000,
    .key = "registered_models",
    .fill = model_json_row,
};

st_status ml_model_search(ml_store *s, const char *filter, const char *const *order_by,
                          int n_order_by, int64_t max_results, const char *page_token,
                          json_t **out, st_error *err)
{
    ml_search_req req = { .filter = filter, .order_by = order_by, .n_order_by = n_order_by,
                          .max_results = max_results, .page_token = page_token };
    return ml_search_exec(s, &k_model_search, &req, out, err);
}

st_status ml_model_rename(ml_store *s, const char *name, const char *new_name, json_t **out,
                          st_error *err)
{
    if (out)
        *out = NULL;
    st_status rc = model_check_name(new_name, err);
    if (rc != ST_OK || (rc = ml_tx_begin(s, err)) != ST_OK)
        return rc;
    rc = model_exists(s, name, err);
    if (rc == ST_OK && strcmp(name, new_name) != 0)
        rc = model_name_free(s, new_name, err);
    if (rc == ST_OK)
        rc = ml_exec(s, "UPDATE ml_registered_models SET name = ?1, last_updated_timestamp = ?2 "
                        "WHERE name = ?3",
                     (ml_arg[]){ ml_s(new_name), ml_i(ml_now_ms()), ml_s(name) }, 3, NULL, err);
    rc = ml_tx_end(s, rc, err);
    if (rc == ST_OK && out)
        rc = model_json(s, new_name, out, err);
    return rc;
}

st_status ml_model_update(ml_store *s, const char *name, const char *description, json_t **out,
                          st_error *err)
{
    if (out)
        *out = NULL;
    st_status rc = ml_tx_begin(s, err);
    if (rc != ST_OK)
        return rc;
    rc = model_exists(s, name, err);
    if (rc == ST_OK)
        rc = ml_exec(s, "UPDATE ml_registered_models SET description = coalesce(?1, "
                        "description), last_updated_timestamp = ?2 WHERE name = ?3",
                     (ml_arg[]){ ml_s(description), ml_i(ml_now_ms()), ml_s(name) }, 3, NULL,
                     err);
    rc = ml_tx_end(s, rc, err);
    if (rc == ST_OK && out)
        rc = model_json(s, name, out, err);
    return rc;
}

st_status ml_model_delete(ml_store *s, const char *name, st_error *err)
{
    st_status rc = ml_tx_begin(s, err);
    if (rc != ST_OK)
        return rc;
    rc = model_exists(s, name, err);
    if (rc == ST_OK)
        rc = ml_exec(s, "DELETE FROM ml_registered_models WHERE name = ?1",
                     (ml_arg[]){ ml_s(name) }, 1, NULL, err);
    return ml_tx_end(s, rc, err);
}

st_status ml_model_set_tag(ml_store *s, const char *name, const char *key, const char *value,
                           st_error *err)
{
    st_status rc = ml_check_key("tag", key, err);
    if (rc != ST_OK || (rc = ml_tx_begin(s, err)) != ST_OK)
        return rc;
    rc = model_exists(s, name, err);
    if (rc == ST_OK)
        rc = put_model_tag(s, name, key, value, err);
    return ml_tx_end(s, rc, err);
}

st_status ml_model_delete_tag(ml_store *s, const char *name, const char *key, st_error *err)
{
    st_status rc = ml_tx_begin(s, err);
    if (rc != ST_OK)
        return rc;
    rc = model_exists(s, name, err);
    if (rc == ST_OK)
        rc = ml_exec(s, "DELETE FROM ml_registered_model_tags WHERE name = ?1 AND key = ?2",
                     (ml_arg[]){ ml_s(name), ml_s(key ? key : "") }, 2, NULL, err);
    return ml_tx_end(s, rc, err);
}

st_status ml_model_latest_versions(ml_store *s, const char *name, const char *const *stages,
                                   int n_stages, json_t **out, st_error *err)
{
    *out = NULL;
    const char *canon[ST_ARRAY_LEN(k_stages)];
    int n = 0;
    st_status rc = ST_OK;
    for (int i = 0; rc == ST_OK && i < n_stages; i++) {
        const char *c;
        if ((rc = stage_check(stages[i], &c, err)) != ST_OK)
            break;
        bool dup = false;
        for (int j = 0; j < n; j++)
            dup |= canon[j] == c;
        if (!dup)
            canon[n++] = c;
    }
    if (rc == ST_OK)
        rc = model_exists(s, name, err);
    json_t *res = rc == ST_OK ? json_object() : NULL;
    json_t *arr = res ? json_array() : NULL;
    if (rc == ST_OK && (!arr || json_object_set_new(res, "model_versions", arr) != 0))
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    if (rc == ST_OK)
        rc = n_stages > 0 ? latest_in_stages(s, name, canon, n, arr, err)
                          : latest_in_stages(s, name, k_stages, (int)ST_ARRAY_LEN(k_stages),
                                             arr, err);
    if (rc != ST_OK) {
        json_decref(res);
        return rc;
    }
    *out = res;
    return ST_OK;
}

/* ---- model versions ---------------------------------------------------------------------- */

static st_status put_version_tag(ml_store *s, const char *name, int64_t num, const char *key,
                                 const char *value, st_error *err)
{
    return ml_exec(s, "INSERT OR REPLACE INTO ml_model_version_tags (name, version, key, value) "
                      "VALUES (?1, ?2, ?3, ?4)",
                   (ml_arg[]){ ml_s(name), ml_i(num), ml_s(key), ml_s(value ? value : "") }, 4,
                   NULL, err);
}

st_status ml_version_create(ml_store *s, const char *name, const char *source,
                            const char *run_id, const char *description, const ml_kv *tags,
                            int n_tags, const char *run_link, json_t **out, st_error *err)
{
    if (out)
        *out = NULL;
    st_status rc = model_check_name(name, err);
    if (rc == ST_OK && (!source || !*source))
        rc = st_error_set(err, ST_ERR_ARGUMENT, "Missing value for required parameter "
                                                "'source'.");
    if (rc == ST_OK)
        rc = check_tags(tags, n_tags, err);
    if (rc != ST_OK || (rc = ml_tx_begin(s, err)) != ST_OK)
        return rc;
    rc = model_exists(s, name, err);
    int64_t num = 0, now = ml_now_ms();
    if (rc == ST_OK)
        rc = ml_query_int(s, "SELECT last_version + 1 FROM ml_registered_models WHERE name = ?1",
                          (ml_arg[]){ ml_s(name) }, 1, &num, NULL, err);
    if (rc == ST_OK)
        rc = ml_exec(s, "UPDATE ml_registered_models SET last_version = ?1, "
                        "last_updated_timestamp = ?2 WHERE name = ?3",
                     (ml_arg[]){ ml_i(num), ml_i(now), ml_s(name) }, 3, NULL, err);
    if (rc == ST_OK)
        rc = ml_exec(s, "INSERT INTO ml_model_versions (name, version, creation_timestamp, "
                        "last_updated_timestamp, description, current_stage, source, run_id, "
                        "run_link, status) VALUES (?1, ?2, ?3, ?3, ?4, 'None', ?5, ?6, ?7, "
                        "'READY')",
                     (ml_arg[]){ ml_s(name), ml_i(num), ml_i(now), ml_s(description),
                                 ml_s(source), ml_s(run_id && *run_id ? run_id : NULL),
                                 ml_s(run_link && *run_link ? run_link : NULL) },
                     7, NULL, err);
    for (int i = 0; rc == ST_OK && i < n_tags; i++)
        rc = put_version_tag(s, name, num, tags[i].key, tags[i].value, err);
    rc = ml_tx_end(s, rc, err);
    if (rc == ST_OK && out)
        rc = version_json(s, name, num, out, err);
    return rc;
}

st_status ml_version_get(ml_store *s, const char *name, const char *version, json_t **out,
                         st_error *err)
{
    *out = NULL;
    int64_t num;
    st_status rc = version_exists(s, name, version, &num, err);
    return rc == ST_OK ? version_json(s, name, num, out, err) : rc;
}

st_status ml_version_update(ml_store *s, const char *name, const char *version,
                            const char *description, json_t **out, st_error *err)
{
    if (out)
        *out = NULL;
    st_status rc = ml_tx_begin(s, err);
    if (rc != ST_OK)
        return rc;
    int64_t num, now = ml_now_ms();
    rc = version_exists(s, name, version, &num, err);
    if (rc == ST_OK)
        rc = ml_exec(s, "UPDATE ml_model_versions SET description = coalesce(?1, description), "
                        "last_updated_timestamp = ?2 WHERE name = ?3 AND version = ?4",
                     (ml_arg[]){ ml_s(description), ml_i(now), ml_s(name), ml_i(num) }, 4, NULL,
                     err);
    if (rc == ST_OK)
        rc = touch_model(s, name, now, err);
    rc = ml_tx_end(s, rc, err);
    if (rc == ST_OK && out)
        rc = version_json(s, name, num, out, err);
    return rc;
}

st_status ml_version_delete(ml_store *s, const char *name, const char *version, st_error *err)
{
    st_status rc = ml_tx_begin(s, err);
    if (rc != ST_OK)
        return rc;
    int64_t num;
    rc = version_exists(s, name, version, &num, err);
    if (rc == ST_OK)
        rc = ml_exec(s, "DELETE FROM ml_model_versions WHERE name = ?1 AND version = ?2",
                     (ml_arg[]){ ml_s(name), ml_i(num) }, 2, NULL, err);
    if (rc == ST_OK)
        rc = touch_model(s, name, ml_now_ms(), err);
    return ml_tx_end(s, rc, err);
}

static st_status version_filter(ml_query *q, const ml_clause *c, st_error *err)
{
    static const ml_col k_cols[] = {
        { "name", "v.name", false },          { "run_id", "v.run_id", false },
        { "source_path", "v.source", false }, { "source", "v.source", false },
        { "current_stage", "v.current_stage", false }, { NULL, NULL, false },
    };
    if (c->ent == ML_ENT_TAG)
        return ml_key_filter(q, "EXISTS (SELECT 1 FROM ml_model_version_tags t WHERE "
                                "t.name = v.name AND t.version = v.version AND t.key = ",
                             c, false, err);
    const char *key = c->ent == ML_ENT_ATTR ? c->key : "";
    if (strcmp(key, "version") == 0 || strcmp(key, "version_number") == 0) {
        ml_clause n = *c;
        if (!n.is_num && n.str && !n.list) {     /* version = '3' */
            int64_t v;
            if (!ml_parse_id(n.str, &v))
                return st_error_set(err, ST_ERR_ARGUMENT, "Invalid version '%s' in filter",
                                    n.str);
            n.is_num = true;
            n.num = (double)v;
        }
        st_status rc = ml_clause_check(&n, true, err);
        if (rc == ST_OK)
            ml_query_compare(q, "v.version", &n);
        return rc;
    }
    return ml_attr_filter(q, k_cols, "name, run_id, version_number, source_path and "
                                     "tags.<key>", c, err);
}

static const ml_col k_version_order_cols[] = {
    { "name", "v.name", false },
    { "version", "v.version", true },
    { "version_number", "v.version", true },
    { "creation_timestamp", "v.creation_timestamp", true },
    { "last_updated_timestamp", "v.last_updated_timestamp", true },
    { "timestamp", "v.last_updated_timestamp", true },
    { "run_id", "v.run_id", false },
    { "current_stage", "v.current_stage", false },
    { NULL, NULL, false },
};

/* Versions order by name, then newest first, after any order_by. */
static const ml_search_def k_version_search = {
    .select = "SELECT " MV_COLS " FROM ml_model_versions v WHERE ",
    .filter = version_filter,
    .order_cols = k_version_order_cols,
    .tie_unseen = "v.name ASC, v.version DESC",
    .tie_seen = "v.name ASC, v.version DESC",
    .max_dflt = 10000,
    .max_limit = 200000,
    .key = "model_versions",
    .fill = version_json_row,
};

st_status ml_version_search(ml_store *s, const char *filter, const char *const *order_by,
                            int n_order_by, int64_t max_results, const char *page_token,
                            json_t **out, st_error *err)
{
    ml_search_req req = { .filter = filter, .order_by = order_by, .n_order_by = n_order_by,
                          .max_results = max_results, .page_token = page_token };
    return ml_search_exec(s, &k_version_search, &req, out, err);
}

st_status ml_version_transition(ml_store *s, const char *name, const char *version,
                                const char *stage, bool archive_existing, json_t **out,
                                st_error *err)
{
    if (out)
        *out = NULL;
    const char *to;
    st_status rc = stage_check(stage, &to, err);
    if (rc == ST_OK && archive_existing && strcmp(to, "Staging") && strcmp(to, "Production"))
        rc = st_error_set(err, ST_ERR_ARGUMENT, "Model version transition cannot archive "
                                                "existing model versions because '%s' is not "
                                                "an Active stage. Valid stages are Staging and "
                                                "Production.", to);
    if (rc != ST_OK || (rc = ml_tx_begin(s, err)) != ST_OK)
        return rc;
    int64_t num, now = ml_now_ms();
    rc = version_exists(s, name, version, &num, err);
    if (rc == ST_OK && archive_existing)
        rc = ml_exec(s, "UPDATE ml_model_versions SET current_stage = 'Archived', "
                        "last_updated_timestamp = ?1 WHERE name = ?2 AND current_stage = ?3 "
                        "AND version <> ?4",
                     (ml_arg[]){ ml_i(now), ml_s(name), ml_s(to), ml_i(num) }, 4, NULL, err);
    if (rc == ST_OK)
        rc = ml_exec(s, "UPDATE ml_model_versions SET current_stage = ?1, "
                        "last_updated_timestamp = ?2 WHERE name = ?3 AND version = ?4",
                     (ml_arg[]){ ml_s(to), ml_i(now), ml_s(name), ml_i(num) }, 4, NULL, err);
    if (rc == ST_OK)
        rc = touch_model(s, name, now, err);
    rc = ml_tx_end(s, rc, err);
    if (rc == ST_OK && out)
        rc = version_json(s, name, num, out, err);
    return rc;
}

st_status ml_version_set_tag(ml_store *s, const char *name, const char *version,
                             const char *key, const char *value, st_error *err)
{
    st_status rc = ml_check_key("tag", key, err);
    if (rc != ST_OK || (rc = ml_tx_begin(s, err)) != ST_OK)
        return rc;
    int64_t num;
    rc = version_exists(s, name, version, &num, err);
    if (rc == ST_OK)
        rc = put_version_tag(s, name, num, key, value, err);
    return ml_tx_end(s, rc, err);
}

st_status ml_version_delete_tag(ml_store *s, const char *name, const char *version,
                                const char *key, st_error *err)
{
    st_status rc = ml_tx_begin(s, err);
    if (rc != ST_OK)
        return rc;
    int64_t num;
    rc = version_exists(s, name, version, &num, err);
    if (rc == ST_OK)
        rc = ml_exec(s, "DELETE FROM ml_model_version_tags WHERE name = ?1 AND version = ?2 "
                        "AND key = ?3",
                     (ml_arg[]){ ml_s(name), ml_i(num), ml_s(key ? key : "") }, 3, NULL, err);
    return ml_tx_end(s, rc, err);
}

/* The source of (name, num); heap. */
static st_status version_source(ml_store *s, const char *name, int64_t num, char **out,
                                st_error *err)
{
    st_status rc = ml_query_text(s, "SELECT source FROM ml_model_versions WHERE name = ?1 AND "
                                    "version = ?2", (ml_arg[]){ ml_s(name), ml_i(num) }, 2, out,
                                 err);
    if (rc == ST_OK && !*out)
        rc = st_error_set(err, ST_ERR_NOTFOUND, "Model Version (name=%s, version=%lld) not "
                                                "found", name, (long long)num);
    return rc;
}

st_status ml_version_download_uri(ml_store *s, const char *name, const char *version,
                                  char **out, st_error *err)
{
    *out = NULL;
    int64_t num;
    st_status rc = version_exists(s, name, version, &num, err);
    return rc == ST_OK ? version_source(s, name, num, out, err) : rc;
}

/* ---- aliases --------------------------------------------------------------------------- */

static st_status alias_check(const char *alias, st_error *err)
{
    if (!alias || !*alias)
        return st_error_set(err, ST_ERR_ARGUMENT, "Registered model alias name cannot be "
                                                  "empty.");
    size_t n = strlen(alias);
    if (n > 255)
        return st_error_set(err, ST_ERR_ARGUMENT, "Registered model alias name '%.40s...' "
                                                  "exceeds the maximum length of 255 "
                                                  "characters", alias);
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)alias[i]) && alias[i] != '_' && alias[i] != '-')
            return st_error_set(err, ST_ERR_ARGUMENT, "Invalid alias name: '%s'. Names may "
                                                      "only contain alphanumerics, underscores "
                                                      "(_), and dashes (-).", alias);
    if (strcasecmp(alias, "latest") == 0)
        return st_error_set(err, ST_ERR_ARGUMENT, "'latest' alias name (case insensitive) is "
                                                  "reserved.");
    bool digits = n > 1 && (alias[0] == 'v' || alias[0] == 'V');
    for (size_t i = 1; digits && i < n; i++)
        digits = isdigit((unsigned char)alias[i]);
    if (digits)
        return st_error_set(err, ST_ERR_ARGUMENT, "Version alias name '%s' is reserved.",
                            alias);
    return ST_OK;
}

st_status ml_alias_set(ml_store *s, const char *name, const char *alias, const char *version,
                       st_error *err)
{
    st_status rc = alias_check(alias, err);
    if (rc != ST_OK || (rc = ml_tx_begin(s, err)) != ST_OK)
        return rc;
    int64_t num;
    rc = version_exists(s, name, version, &num, err);
    if (rc == ST_OK)
        rc = ml_exec(s, "INSERT OR REPLACE INTO ml_model_aliases (name, alias, version) "
                        "VALUES (?1, ?2, ?3)", (ml_arg[]){ ml_s(name), ml_s(alias), ml_i(num) },
                     3, NULL, err);
    return ml_tx_end(s, rc, err);
}

st_status ml_alias_delete(ml_store *s, const char *name, const char *alias, st_error *err)
{
    st_status rc = ml_tx_begin(s, err);
    if (rc != ST_OK)
        return rc;
    rc = model_exists(s, name, err);
    if (rc == ST_OK)
        rc = ml_exec(s, "DELETE FROM ml_model_aliases WHERE name = ?1 AND alias = ?2",
                     (ml_arg[]){ ml_s(name), ml_s(alias ? alias : "") }, 2, NULL, err);
    return ml_tx_end(s, rc, err);
}

/* The version number alias names. */
static st_status alias_version(ml_store *s, const char *name, const char *alias, int64_t *num,
                               st_error *err)
{
    st_status rc = model_exists(s, name, err);
    bool found = false;
    if (rc == ST_OK)
        rc = ml_query_int(s, "SELECT version FROM ml_model_aliases WHERE name = ?1 "
                             "AND alias = ?2", (ml_arg[]){ ml_s(name), ml_s(alias ? alias : "") },
                          2, num, &found, err);
    if (rc == ST_OK && !found)
        rc = st_error_set(err, ST_ERR_NOTFOUND, "Registered model alias %.300s not found.",
                          alias ? alias : "");
    return rc;
}

st_status ml_alias_get(ml_store *s, const char *name, const char *alias, json_t **out,
                       st_error *err)
{
    *out = NULL;
    int64_t num;
    st_status rc = alias_version(s, name, alias, &num, err);
    return rc == ST_OK ? version_json(s, name, num, out, err) : rc;
}

/* ---- model URIs -------------------------------------------------------------------------- */

/* Resolves the version a model reference names: suffix NULL or "latest"
** (any case) the highest version, digits that version, else a stage's
** latest version; alias (when not NULL) wins. */
static st_status resolve_version(ml_store *s, const char *name, const char *suffix,
                                 const char *alias, int64_t *num, st_error *err)
{
    if (alias)
        return alias_version(s, name, alias, num, err);
    st_status rc = model_exists(s, name, err);
    if (rc != ST_OK)
        return rc;
    if (!suffix || strcasecmp(suffix, "latest") == 0) {
        rc = ml_query_int(s, "SELECT max(version) FROM ml_model_versions WHERE name = ?1",
                          (ml_arg[]){ ml_s(name) }, 1, num, NULL, err);
        if (rc == ST_OK && *num == 0)
            rc = st_error_set(err, ST_ERR_NOTFOUND, "Registered Model with name=%s has no "
                                                    "versions", name);
        return rc;
    }
    if (ml_parse_id(suffix, num))
        return version_found(s, name, *num, suffix, err);
    const char *stage;
    if ((rc = stage_check(suffix, &stage, err)) != ST_OK)
        return rc;
    rc = ml_query_int(s, "SELECT max(version) FROM ml_model_versions WHERE name = ?1 AND "
                         "current_stage = ?2", (ml_arg[]){ ml_s(name), ml_s(stage) }, 2, num,
                      NULL, err);
    if (rc == ST_OK && *num == 0)
        rc = st_error_set(err, ST_ERR_NOTFOUND, "No versions of model with name '%s' and stage "
                                                "'%s' found", name, stage);
    return rc;
}

/* Splits "models:/name/suffix" or "models:/name@alias" (or a bare name) and
** resolves the version; *name_out heap. */
static st_status parse_models_uri(ml_store *s, const char *uri, char **name_out, int64_t *num,
                                  st_error *err)
{
    *name_out = NULL;
    const char *rest = uri;
    bool is_uri = strncmp(uri, "models:", 7) == 0;
    if (is_uri)
        for (rest = uri + 7; *rest == '/';)
            rest++;
    const char *at = strchr(rest, '@'), *slash = strrchr(rest, '/');
    const char *end = at ? at : is_uri && slash ? slash : rest + strlen(rest);
    if (end == rest || (at && !at[1]) || (!at && slash && !slash[1]))
        return st_error_set(err, ST_ERR_ARGUMENT, "Invalid model URI '%.300s': expected "
                                                  "models:/<name>/<version, stage or latest> "
                                                  "or models:/<name>@<alias>", uri);
    char *name = st_malloc((size_t)(end - rest) + 1);
    if (!name)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    memcpy(name, rest, (size_t)(end - rest));
    name[end - rest] = 0;
    const char *suffix = !at && is_uri && slash ? slash + 1 : NULL;
    st_status rc = resolve_version(s, name, suffix, at ? at + 1 : NULL, num, err);
    if (rc != ST_OK) {
        st_free(name);
        return rc;
    }
    *name_out = name;
    return ST_OK;
}

st_status ml_registry_source(ml_store *s, const char *uri, char **out, st_error *err)
{
    *out = NULL;
    char *name;
    int64_t num;
    st_status rc = parse_models_uri(s, uri, &name, &num, err);
    if (rc == ST_OK)
        rc = version_source(s, name, num, out, err);
    st_free(name);
    return rc;
}

/* True when uri names a location rather than a registered model: a scheme
** other than models:, or a path. */
static bool is_location(const char *uri)
{
    if (strncmp(uri, "models:", 7) == 0)
        return false;
    return strchr(uri, '/') != NULL || strchr(uri, ':') != NULL;
}

st_status ml_resolve_model_uri(ml_store *s, const char *uri, char **name_out,
                               char **version_out, char **source_out, st_error *err)
{
    if (name_out)
        *name_out = NULL;
    if (version_out)
        *version_out = NULL;
    if (source_out)
        *source_out = NULL;
    if (!uri || !*uri)
        return st_error_set(err, ST_ERR_ARGUMENT, "Invalid model URI ''");
    if (is_location(uri))
        return source_out ? ml_store_local_path(s, uri, source_out, err) : ST_OK;
    char *name, *src = NULL, ver[24];
    int64_t num;
    st_status rc = parse_models_uri(s, uri, &name, &num, err);
    if (rc != ST_OK)
        return rc;
    if (source_out)
        rc = version_source(s, name, num, &src, err);
    if (rc == ST_OK && source_out)
        rc = ml_store_local_path(s, src, source_out, err);
    snprintf(ver, sizeof ver, "%lld", (long long)num);
    if (rc == ST_OK && version_out && !(*version_out = st_strdup(ver)))
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    if (rc == ST_OK && name_out) {
        *name_out = name;
        name = NULL;
    }
    if (rc != ST_OK) {
        if (version_out) {
            st_free(*version_out);
            *version_out = NULL;
        }
        if (source_out) {
            st_free(*source_out);
            *source_out = NULL;
        }
    }
    st_free(name);
    st_free(src);
    return rc;
}
