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

static st_status model_exists(ml_store *s, const char *name, st_error *err)
{
    bool found;
    int64_t one;
    st_status rc = ml_query_int(s, "SELECT 1 FROM ml_registered_models WHERE name = ?1",
                                (ml_arg[]){ ml_s(name ? name : "") }, 1, &one, &found, err);
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

/* The version's number; NOTFOUND naming the model or the version. */
static st_status version_exists(ml_store *s, const char *name, const char *version,
                                int64_t *num, st_error *err)
{
    st_status rc = version_parse(version, num, err);
    if (rc == ST_OK)
        rc = model_exists(s, name, err);
    bool found;
    int64_t one;
    if (rc == ST_OK)
        rc = ml_query_int(s, "SELECT 1 FROM ml_model_versions WHERE name = ?1 AND version = ?2",
                          (ml_arg[]){ ml_s(name), ml_i(*num) }, 2, &one, &found, err);
    if (rc == ST_OK && !found)
        rc = st_error_set(err, ST_ERR_NOTFOUND, "Model Version (name=%s, version=%s) not found",
                          name, version);
    return rc;
}

static st_status touch_model(ml_store *s, const char *name, int64_t now, st_error *err)
{
    return ml_exec(s, "UPDATE ml_registered_models SET last_updated_timestamp = ?1 "
                      "WHERE name = ?2", (ml_arg[]){ ml_i(now), ml_s(name) }, 2, NULL, err);
}

/* ---- JSON ------------------------------------------------------------------------------ */

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
    json_t *tags = NULL, *aliases = json_array();
    ml_arg key[] = { ml_s(name), ml_i(num) };
    st_status rc = ml_json_kv_list(s, "SELECT key, value FROM ml_model_version_tags "
                                      "WHERE name = ?1 AND version = ?2 ORDER BY key",
                                   key, 2, &tags, err);
    sqlite3_stmt *al = NULL;
    if (rc == ST_OK)
        rc = ml_stmt(s, "SELECT alias FROM ml_model_aliases WHERE name = ?1 AND version = ?2 "
                        "ORDER BY alias", key, 2, &al, err);
    bool row = true;
    while (rc == ST_OK && (rc = ml_step(s, al, &row, err)) == ST_OK && row)
        if (!aliases ||
            json_array_append_new(aliases,
                                  json_string((const char *)sqlite3_column_text(al, 0))) != 0)
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    sqlite3_finalize(al);
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
    if (rc != ST_OK)
        return rc;
    bool row;
    rc = ml_step(s, st, &row, err);
    if (rc == ST_OK && !row)
        rc = st_error_set(err, ST_ERR_NOTFOUND, "Model Version (name=%s, version=%lld) not "
                                                "found", name, (long long)num);
    if (rc == ST_OK)
        rc = version_json_row(s, st, out, err);
    sqlite3_finalize(st);
    return rc;
}

/* Appends to arr the ModelVersions of a query selecting MV_COLS. */
static st_status version_list(ml_store *s, sqlite3_stmt *st, json_t *arr, st_error *err)
{
    bool row = true;
    st_status rc = ST_OK;
    while (rc == ST_OK && (rc = ml_step(s, st, &row, err)) == ST_OK && row) {
        json_t *v;
        if ((rc = version_json_row(s, st, &v, err)) == ST_OK &&
            json_array_append_new(arr, v) != 0)
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    }
    sqlite3_finalize(st);
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
            rc = version_list(s, st, arr, err);
    }
    return rc;
}

/* RegisteredModel of the current row of "SELECT name, creation_timestamp,
** last_updated_timestamp, description FROM ml_registered_models ...". */
static st_status model_json_row(ml_store *s, sqlite3_stmt *st, json_t **out, st_error *err)
{
    *out = NULL;
    json_t *m = json_object(), *latest = json_array(), *tags = NULL, *aliases = json_array();
    const char *name = (const char *)sqlite3_column_text(st, 0);
    st_status rc = m && latest && aliases ? ST_OK
                                          : st_error_set(err, ST_ERR_NOMEM, "out of memory");
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
    sqlite3_stmt *al = NULL;
    if (rc == ST_OK)
        rc = ml_stmt(s, "SELECT alias, version FROM ml_model_aliases WHERE name = ?1 "
                        "ORDER BY alias", (ml_arg[]){ ml_s(name) }, 1, &al, err);
    bool row = true;
    while (rc == ST_OK && (rc = ml_step(s, al, &row, err)) == ST_OK && row) {
        json_t *a = json_object();
        if (!a || json_array_append_new(aliases, a) != 0) {
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
            break;
        }
        ml_json_set_col(a, "alias", al, 0);
        ml_json_set_col(a, "version", al, 1);
    }
    sqlite3_finalize(al);
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
    if (rc != ST_OK)
        return rc;
    bool row;
    rc = ml_step(s, st, &row, err);
    if (rc == ST_OK && !row)
        rc = st_error_set(err, ST_ERR_NOTFOUND, "Registered Model with name=%.300s not found",
                          name ? name : "");
    if (rc == ST_OK)
        rc = model_json_row(s, st, out, err);
    sqlite3_finalize(st);
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
    int64_t one;
    st_status rc = ml_query_int(s, "SELECT 1 FROM ml_registered_models WHERE name = ?1",
                                (ml_arg[]){ ml_s(name) }, 1, &one, &found, err);
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
    ml_query_sql(q, " AND ");
    st_status rc = ml_clause_check(c, false, err);
    if (rc != ST_OK)
        return rc;
    if (c->ent == ML_ENT_TAG) {
        ml_query_sql(q, "EXISTS (SELECT 1 FROM ml_registered_model_tags t WHERE t.name = m.name "
                        "AND t.key = ");
        ml_query_arg(q, ml_s(c->key));
        ml_query_sql(q, " AND ");
        ml_query_compare(q, "t.value", c);
        ml_query_sql(q, ")");
        return ST_OK;
    }
    if (c->ent != ML_ENT_ATTR || strcmp(c->key, "name") != 0)
        return st_error_set(err, ST_ERR_ARGUMENT, "Invalid attribute key '%s' specified. "
                                                  "Valid keys are 'name' and tags.<key>",
                            c->key);
    ml_query_compare(q, "m.name", c);
    return ST_OK;
}

/* Appends "col dir, " for an order_by entry whose attribute is one of cols
** (alias "timestamp" means last_updated_timestamp); *has_name tells whether
** "name" was used. */
static st_status order_term(ml_query *q, const char *text, st_arena *a,
                            const char *const *cols, int n_cols, const char *prefix,
                            bool *has_key, const char *key_col, st_error *err)
{
    ml_order o;
    st_status rc = ml_order_parse(text, a, &o, err);
    if (rc != ST_OK)
        return rc;
    const char *key = strcmp(o.key, "timestamp") == 0 ? "last_updated_timestamp"
                      : strcmp(o.key, "version_number") == 0 ? "version"
                                                             : o.key;
    const char *col = NULL;
    for (int i = 0; o.ent == ML_ENT_ATTR && i < n_cols; i++)
        if (strcmp(key, cols[i]) == 0)
            col = cols[i];
    if (!col)
        return st_error_set(err, ST_ERR_ARGUMENT, "Invalid order_by clause '%s'", text);
    *has_key |= strcmp(col, key_col) == 0;
    ml_query_sql(q, prefix);
    ml_query_sql(q, col);
    ml_query_sql(q, o.desc ? " DESC, " : " ASC, ");
    return ST_OK;
}

static st_status search_finish(ml_store *s, ml_query *q, st_status rc, int64_t offset,
                               int64_t limit, const char *key, ml_row_json fill, json_t **out,
                               st_error *err)
{
    json_t *res = rc == ST_OK ? json_object() : NULL;
    if (rc == ST_OK && !res)
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    if (rc == ST_OK)
        rc = ml_search_collect(s, q, offset, limit, key, fill, res, err);
    ml_query_destroy(q);
    st_arena_free(q->a);
    if (rc != ST_OK) {
        json_decref(res);
        return rc;
    }
    *out = res;
    return ST_OK;
}

st_status ml_model_search(ml_store *s, const char *filter, const char *const *order_by,
                          int n_order_by, int64_t max_results, const char *page_token,
                          json_t **out, st_error *err)
{
    *out = NULL;
    int64_t limit, offset;
    st_status rc = ml_page_limit(max_results, 100, 1000, &limit, err);
    if (rc == ST_OK)
        rc = ml_page_offset(page_token, &offset, err);
    st_arena *a = rc == ST_OK ? st_arena_new(0) : NULL;
    if (rc != ST_OK || !a)
        return rc != ST_OK ? rc : st_error_set(err, ST_ERR_NOMEM, "out of memory");
    ml_query q;
    ml_query_init(&q, a);
    ml_query_sql(&q, "SELECT " RM_COLS " FROM ml_registered_models m WHERE 1");
    ml_clause *cl;
    int n_cl;
    rc = ml_filter_parse(filter, a, &cl, &n_cl, err);
    for (int i = 0; rc == ST_OK && i < n_cl; i++)
        rc = model_filter(&q, &cl[i], err);
    static const char *const k_cols[] = { "name", "creation_timestamp",
                                          "last_updated_timestamp" };
    ml_query_sql(&q, " ORDER BY ");
    bool has_name = false;
    for (int i = 0; rc == ST_OK && i < n_order_by; i++)
        rc = order_term(&q, order_by[i], a, k_cols, 3, "m.", &has_name, "name", err);
    ml_query_sql(&q, has_name ? "1" : "m.name ASC");
    ml_query_page(&q, limit, offset);
    return search_finish(s, &q, rc, offset, limit, "registered_models", model_json_row, out,
                         err);
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
    ml_query_sql(q, " AND ");
    if (c->ent == ML_ENT_TAG) {
        st_status rc = ml_clause_check(c, false, err);
        if (rc != ST_OK)
            return rc;
        ml_query_sql(q, "EXISTS (SELECT 1 FROM ml_model_version_tags t WHERE t.name = v.name "
                        "AND t.version = v.version AND t.key = ");
        ml_query_arg(q, ml_s(c->key));
        ml_query_sql(q, " AND ");
        ml_query_compare(q, "t.value", c);
        ml_query_sql(q, ")");
        return ST_OK;
    }
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
    const char *col = strcmp(key, "name") == 0            ? "v.name"
                      : strcmp(key, "run_id") == 0        ? "v.run_id"
                      : strcmp(key, "source_path") == 0   ? "v.source"
                      : strcmp(key, "source") == 0        ? "v.source"
                      : strcmp(key, "current_stage") == 0 ? "v.current_stage"
                                                          : NULL;
    if (!col)
        return st_error_set(err, ST_ERR_ARGUMENT, "Invalid attribute key '%s' specified. Valid "
                                                  "keys are name, run_id, version_number, "
                                                  "source_path and tags.<key>", c->key);
    st_status rc = ml_clause_check(c, false, err);
    if (rc == ST_OK)
        ml_query_compare(q, col, c);
    return rc;
}

st_status ml_version_search(ml_store *s, const char *filter, const char *const *order_by,
                            int n_order_by, int64_t max_results, const char *page_token,
                            json_t **out, st_error *err)
{
    *out = NULL;
    int64_t limit, offset;
    st_status rc = ml_page_limit(max_results, 10000, 200000, &limit, err);
    if (rc == ST_OK)
        rc = ml_page_offset(page_token, &offset, err);
    st_arena *a = rc == ST_OK ? st_arena_new(0) : NULL;
    if (rc != ST_OK || !a)
        return rc != ST_OK ? rc : st_error_set(err, ST_ERR_NOMEM, "out of memory");
    ml_query q;
    ml_query_init(&q, a);
    ml_query_sql(&q, "SELECT " MV_COLS " FROM ml_model_versions v WHERE 1");
    ml_clause *cl;
    int n_cl;
    rc = ml_filter_parse(filter, a, &cl, &n_cl, err);
    for (int i = 0; rc == ST_OK && i < n_cl; i++)
        rc = version_filter(&q, &cl[i], err);
    static const char *const k_cols[] = { "name", "version", "creation_timestamp",
                                          "last_updated_timestamp", "run_id", "current_stage" };
    ml_query_sql(&q, " ORDER BY ");
    bool unused = false;
    for (int i = 0; rc == ST_OK && i < n_order_by; i++)
        rc = order_term(&q, order_by[i], a, k_cols, (int)ST_ARRAY_LEN(k_cols), "v.", &unused,
                        "", err);
    ml_query_sql(&q, "v.name ASC, v.version DESC");
    ml_query_page(&q, limit, offset);
    return search_finish(s, &q, rc, offset, limit, "model_versions", version_json_row, out,
                         err);
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
    bool found = false;
    if (!suffix || strcasecmp(suffix, "latest") == 0) {
        rc = ml_query_int(s, "SELECT max(version) FROM ml_model_versions WHERE name = ?1",
                          (ml_arg[]){ ml_s(name) }, 1, num, NULL, err);
        if (rc == ST_OK && *num == 0)
            rc = st_error_set(err, ST_ERR_NOTFOUND, "Registered Model with name=%s has no "
                                                    "versions", name);
        return rc;
    }
    if (ml_parse_id(suffix, num)) {
        int64_t one;
        rc = ml_query_int(s, "SELECT 1 FROM ml_model_versions WHERE name = ?1 AND version = ?2",
                          (ml_arg[]){ ml_s(name), ml_i(*num) }, 2, &one, &found, err);
        if (rc == ST_OK && !found)
            rc = st_error_set(err, ST_ERR_NOTFOUND, "Model Version (name=%s, version=%s) not "
                                                    "found", name, suffix);
        return rc;
    }
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
