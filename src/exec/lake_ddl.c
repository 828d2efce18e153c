/* lake_ddl.c -- catalog statements: CREATE / DROP CATALOG, SCHEMA, TABLE and
** VIEW, ALTER TABLE, COMMENT ON, USE, SHOW CATALOGS / SCHEMAS / TABLES /
** VIEWS / COLUMNS / TBLPROPERTIES / CREATE TABLE, DESCRIBE TABLE / CATALOG
** / SCHEMA / QUERY.
**
** The catalog (src/catalog) records names, locations and formats; a Delta
** table's schema, properties, constraints and comment live in its log, so
** ALTER TABLE and COMMENT ON TABLE are Delta commits (new metaData) and
** DESCRIBE reads the snapshot. Order of a CREATE TABLE: the catalog entry
** first (it decides who wins a race for the name), then the Delta commit;
** if the commit fails the entry is removed again, so a failed CREATE leaves
** neither. CREATE TABLE ... LOCATION on a folder that already holds a Delta
** table registers it with the schema in its log. */
#include "lake.h"

#include "../delta/delta.h"

#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static st_status oom(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory");
}

/* ---- small helpers ------------------------------------------------------------- */

/* A growing list of string cells for text results. */
typedef struct cells {
    const char **v;
    int64_t      n, cap;
    st_arena    *a;
    bool         oom;
} cells;

static void cell(cells *c, const char *s)
{
    if (c->oom) return;
    if (c->n == c->cap) {
        int64_t cap = c->cap ? c->cap * 2 : 64;
        const char **nv = st_realloc(c->v, (size_t)cap * sizeof *nv);
        if (!nv) {
            c->oom = true;
            return;
        }
        c->v = nv;
        c->cap = cap;
    }
    c->v[c->n++] = s ? st_arena_strdup(c->a, s) : NULL;
    if (s && !c->v[c->n - 1]) c->oom = true;
}

static st_status cells_result(cells *c, const char *stmt, const char *const *names, int n_cols,
                              ex_result **out, st_error *err)
{
    st_status rc = c->oom ? oom(err)
                          : lake_text_result(stmt, names, n_cols, c->v, c->n / n_cols, out, err);
    st_free(c->v);
    c->v = NULL;
    return rc;
}

static char *lower_dup(st_arena *a, const char *s)
{
    char *r = st_arena_strdup(a, s);
    for (char *p = r; p && *p; p++) *p = (char)tolower((unsigned char)*p);
    return r;
}

/* path made absolute against the current directory (not resolved further). */
static const char *abs_path(st_arena *a, const char *p)
{
    if (!strncmp(p, "file://", 7)) p += 7;
    if (p[0] == '/') {
        char *r = st_arena_strdup(a, p);
        size_t n = r ? strlen(r) : 0;
        while (n > 1 && r[n - 1] == '/') r[--n] = 0;
        return r;
    }
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) return NULL;
    char *r = st_arena_alloc(a, strlen(cwd) + strlen(p) + 2);
    if (!r) return NULL;
    sprintf(r, "%s/%s", cwd, p);
    size_t n = strlen(r);
    while (n > 1 && r[n - 1] == '/') r[--n] = 0;
    return r;
}

static bool has_delta_log(const char *path)
{
    char buf[4200];
    snprintf(buf, sizeof buf, "%s/_delta_log", path);
    struct stat stt;
    return stat(buf, &stt) == 0 && S_ISDIR(stt.st_mode);
}

static bool dir_nonempty(const char *path)
{
    DIR *d = opendir(path);
    if (!d) return false;
    bool r = false;
    for (struct dirent *e; !r && (e = readdir(d));)
        r = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return r;
}

static const char *json_props(st_arena *a, const sql_property *p, int n)
{
    json_t *o = json_object();
    for (int i = 0; i < n; i++)
        json_object_set_new(o, p[i].key, p[i].value ? json_string(p[i].value) : json_null());
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    const char *r = s ? st_arena_strdup(a, s) : NULL;
    free(s);
    return r;
}

static const char *fmt_time(st_arena *a, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[64];
    strftime(buf, sizeof buf, "%a %b %d %H:%M:%S UTC %Y", &tm);
    return st_arena_strdup(a, buf);
}

static const char *type_text(st_arena *a, const vec_type *t)
{
    char buf[512];
    vec_type_format(t, buf, sizeof buf);
    return st_arena_strdup(a, buf);
}

/* The table property of CHECK constraint name: delta.constraints.<name>,
** lowercase (as Delta stores it). NULL when out of memory. */
static const char *constraint_key(st_arena *a, const char *name)
{
    char *k = st_arena_alloc(a, strlen(name) + 20);
    if (!k) return NULL;
    sprintf(k, "delta.constraints.%s", name);
    for (char *p = k; *p; p++) *p = (char)tolower((unsigned char)*p);
    return k;
}

/* Spark's JSON name of a primitive type (delta.typeChanges), or NULL. */
static const char *spark_type_name(st_arena *a, const vec_type *t)
{
    switch (t->id) {
    case VEC_INT8: return "byte";
    case VEC_INT16: return "short";
    case VEC_INT32: return "integer";
    case VEC_INT64: return "long";
    case VEC_FLOAT: return "float";
    case VEC_DOUBLE: return "double";
    case VEC_DATE: return "date";
    case VEC_TIMESTAMP_NTZ: return "timestamp_ntz";
    case VEC_DECIMAL: {
        char b[32];
        snprintf(b, sizeof b, "decimal(%d,%d)", t->precision, t->scale);
        return st_arena_strdup(a, b);
    }
    default: return NULL;
    }
}

/* ---- USE ----------------------------------------------------------------------- */

static st_status run_use(ex_session *s, const sql_stmt *st, st_error *err)
{
    const sql_name *n = &st->name;
    if (st->use_what == SQL_OBJ_CATALOG) {
        if (n->n_parts != 1)
            return st_error_set(err, ST_ERR_ARGUMENT, "USE CATALOG takes one name");
        return ex_session_use(s, n->parts[0], CAT_DEFAULT_SCHEMA, err);
    }
    if (n->n_parts == 2) return ex_session_use(s, n->parts[0], n->parts[1], err);
    if (n->n_parts != 1)
        return st_error_set(err, ST_ERR_ARGUMENT, "USE takes a schema or catalog.schema");
    return ex_session_use(s, NULL, n->parts[0], err);
}

/* ---- CREATE / DROP CATALOG and SCHEMA ---------------------------------------------- */

static st_status schema_name(ex_session *s, const sql_name *n, const char **c, const char **sc,
                             st_error *err)
{
    if (n->n_parts == 1) {
        *c = ex_session_current_catalog(s);
        *sc = n->parts[0];
    } else if (n->n_parts == 2) {
        *c = n->parts[0];
        *sc = n->parts[1];
    } else {
        return st_error_set(err, ST_ERR_ARGUMENT, "a schema name has one or two parts");
    }
    return ST_OK;
}

/* ---- CREATE TABLE --------------------------------------------------------------- */

/* The Delta create options of a CREATE TABLE (schema from the column list). */
static st_status field_meta_set(st_arena *a, delta_field_info *fi, const char *key,
                                const char *value, st_error *err);
static int field_index(const vec_schema *s, const char *name);

#define PROP_DEFAULTS "spark.databricks.delta.properties.defaults."

/* Table properties a new table gets from the session, as in Spark:
** spark.databricks.delta.properties.defaults.<key> = v gives delta.<key> = v
** unless TBLPROPERTIES sets it. Deletion vectors are on by default for new
** tables (as on Databricks); `...defaults.enableDeletionVectors = false`
** or the table property turns them off. */
static int session_defaults(ex_session *s, const sql_create *cr, st_arena *a, const char **keys,
                            const char **vals, int m, int cap)
{
    bool dv_set = false;
    for (int i = 0; i < cr->n_props; i++)
        dv_set |= !strcasecmp(cr->props[i].key, "delta.enableDeletionVectors");
    for (int i = 0; i < ex_session_n_extra(s) && m < cap; i++) {
        const char *v, *k = ex_session_extra_at(s, i, &v);
        if (strncasecmp(k, PROP_DEFAULTS, strlen(PROP_DEFAULTS)) != 0) continue;
        char *dk = st_arena_alloc(a, strlen(k) + 8);
        if (!dk) continue;
        sprintf(dk, "delta.%s", k + strlen(PROP_DEFAULTS));
        bool given = false;
        for (int j = 0; j < cr->n_props; j++) given |= !strcasecmp(cr->props[j].key, dk);
        if (given) continue;
        const char *vv = v;
        while (*vv == '\'' || *vv == ' ') vv++;
        char *val = st_arena_strdup(a, vv);
        for (char *p = val ? val + strlen(val) : NULL; p && p > val && (p[-1] == '\'' ||
                                                                  p[-1] == ' ');)
            *--p = 0;
        dv_set |= !strcasecmp(dk, "delta.enableDeletionVectors");
        keys[m] = dk;
        vals[m++] = val ? val : v;
    }
    if (!dv_set && m < cap) {
        keys[m] = "delta.enableDeletionVectors";
        vals[m++] = "true";
    }
    return m;
}

static st_status create_options(ex_session *s_of_create, const char *sql, st_arena *a,
                                const sql_create *cr, delta_create_options *co,
                                vec_schema *schema, delta_field_info **info, st_error *err)
{
    memset(co, 0, sizeof *co);
    if (cr->n_cols > 0) {
        schema->n_fields = cr->n_cols + (cr->partition_defs ? cr->n_partition_cols : 0);
        schema->fields = st_arena_calloc(a, (size_t)schema->n_fields + 1, sizeof *schema->fields);
        if (!schema->fields) return oom(err);
        int k = 0;
        *info = st_arena_calloc(a, (size_t)schema->n_fields + 1, sizeof **info);
        if (!*info) return oom(err);
        for (int i = 0; i < cr->n_cols; i++, k++) {
            const sql_column_def *c = &cr->cols[i];
            delta_field_info *fi = &(*info)[k];
            fi->physical_name = c->name.parts[c->name.n_parts - 1];
            fi->field_id = -1;
            st_status rc = ST_OK;
            if (c->comment) rc = field_meta_set(a, fi, "comment", c->comment, err);
            if (rc == ST_OK && c->generated) {
                const char *g = lake_clause_text(sql, c->generated, a);
                rc = g ? field_meta_set(a, fi, "delta.generationExpression", g, err) : oom(err);
            }
            if (rc == ST_OK && c->default_value) {
                const char *dv = lake_clause_text(sql, c->default_value, a);
                rc = dv ? field_meta_set(a, fi, "CURRENT_DEFAULT", dv, err) : oom(err);
            }
            if (rc == ST_OK && c->identity)
                rc = st_error_set(err, ST_ERR_UNSUPPORTED, "identity columns are not supported "
                                  "yet (column '%s')", fi->physical_name);
            if (rc != ST_OK) return rc;
            if (!c->type)
                return st_error_set(err, ST_ERR_SYNTAX, "column '%s' needs a type",
                                    c->name.parts[c->name.n_parts - 1]);
            schema->fields[k].name = c->name.parts[c->name.n_parts - 1];
            schema->fields[k].type = c->type->vt;
            schema->fields[k].nullable = !c->not_null;
            for (int j = 0; j < k; j++)
                if (!strcasecmp(schema->fields[j].name, schema->fields[k].name))
                    return st_error_set(err, ST_ERR_BIND, "column '%s' is defined twice",
                                        schema->fields[k].name);
        }
        for (int i = 0; cr->partition_defs && i < cr->n_partition_cols; i++, k++) {
            const sql_column_def *c = &cr->partition_defs[i];
            (*info)[k] = (delta_field_info){.physical_name = c->name.parts[c->name.n_parts - 1],
                                            .field_id = -1};
            schema->fields[k].name = c->name.parts[c->name.n_parts - 1];
            schema->fields[k].type = c->type ? c->type->vt : (vec_type){.id = VEC_STRING};
            schema->fields[k].nullable = !c->not_null;
        }
        co->schema = schema;
    }
    co->n_partition_cols = cr->n_partition_cols;
    co->partition_cols = cr->partition_cols;
    co->description = cr->comment;
    int n = cr->n_props + cr->n_checks + 64;
    const char **keys = st_arena_calloc(a, (size_t)n + 1, sizeof *keys);
    const char **vals = st_arena_calloc(a, (size_t)n + 1, sizeof *vals);
    if (!keys || !vals) return oom(err);
    int m = 0;
    for (int i = 0; i < cr->n_props; i++) {
        keys[m] = cr->props[i].key;
        vals[m++] = cr->props[i].value ? cr->props[i].value : "";
    }
    for (int i = 0; i < cr->n_checks; i++) {
        const char *k = constraint_key(a, cr->check_names[i]);
        const char *t = lake_clause_text(sql, cr->checks[i], a);
        if (!k || !t) return oom(err);
        keys[m] = k;
        vals[m++] = t;
    }
    bool defaults = false;
    for (int i = 0; i < cr->n_cols; i++) defaults |= cr->cols[i].default_value != NULL;
    if (defaults) {                      /* DEFAULT needs the allowColumnDefaults feature */
        keys = st_arena_realloc(a, keys, sizeof *keys * (size_t)(n + 1),
                                sizeof *keys * (size_t)(n + 2));
        vals = st_arena_realloc(a, vals, sizeof *vals * (size_t)(n + 1),
                                sizeof *vals * (size_t)(n + 2));
        if (!keys || !vals) return oom(err);
        keys[m] = "delta.feature.allowColumnDefaults";
        vals[m++] = "supported";
    }
    m = session_defaults(s_of_create, cr, a, keys, vals, m, n);
    co->n_config = m;
    co->config_keys = keys;
    co->config_values = vals;
    return ST_OK;
}

static st_status commit_create(const char *path, const delta_create_options *co,
                               const delta_field_info *info, const char *clustering,
                               const char *op, st_error *err)
{
    delta_txn *t;
    st_status rc = delta_txn_begin(path, co, &t, err);
    if (rc != ST_OK) return rc;
    if ((info && (rc = delta_txn_set_metadata(t, co, info, err)) != ST_OK) ||
        (clustering && (rc = delta_txn_set_domain(t, "delta.clustering", clustering, err)) !=
                           ST_OK)) {
        delta_txn_abort(t);
        return rc;
    }
    int64_t v;
    return delta_txn_commit(t, op, NULL, &v, err);
}

static st_status run_create_table(ex_session *s, const char *sql, const sql_stmt *st,
                                  st_arena *a, ex_result **out, st_error *err)
{
    const sql_create *cr = st->create;
    cat_db *db;
    st_status rc = ex_session_catalog(s, true, &db, err);
    if (rc != ST_OK) return rc;
    const char *c, *sc, *n;
    lake_qualify(s, &cr->name, &c, &sc, &n);
    cat_table old;
    bool exists = cat_table_get(db, c, sc, n, a, &old, err) == ST_OK;
    st_error_init(err);
    if (exists && cr->if_not_exists) return ST_OK;
    if (exists && !cr->or_replace)
        return lake_error_at(sql, cr->name.pos, ST_ERR_ARGUMENT, err,
                             "table '%s.%s.%s' already exists", c, sc, n);
    if (exists && old.type == CAT_VIEW)
        return lake_error_at(sql, cr->name.pos, ST_ERR_ARGUMENT, err,
                             "'%s.%s.%s' is a view", c, sc, n);
    const char *fmt = cr->using_fmt ? lower_dup(a, cr->using_fmt) : "delta";
    if (!fmt) return oom(err);
    bool delta = !strcmp(fmt, "delta");
    if (!delta && strcmp(fmt, "parquet") && strcmp(fmt, "csv") && strcmp(fmt, "json"))
        return lake_error_at(sql, st->pos, ST_ERR_UNSUPPORTED, err,
                             "USING %s is not supported (delta, parquet, csv, json)", fmt);
    cat_table t = {.catalog = c, .schema = sc, .name = n, .format = fmt,
                   .comment = cr->comment, .options_json = "{}"};
    if (cr->location) {
        t.type = CAT_EXTERNAL;
        if (!(t.location = abs_path(a, cr->location))) return oom(err);
    } else if (exists && cr->or_replace) {
        t.type = old.type;
        t.location = old.location;
    } else {
        if (!delta)
            return lake_error_at(sql, st->pos, ST_ERR_ARGUMENT, err,
                                 "a %s table needs LOCATION 'path' (only Delta tables are "
                                 "managed)", fmt);
        t.type = CAT_MANAGED;
        if ((rc = cat_managed_location(db, c, sc, n, a, &t.location, err)) != ST_OK) return rc;
    }
    if (cr->n_options > 0 && !(t.options_json = json_props(a, cr->options, cr->n_options)))
        return oom(err);
    if (!delta) {
        if (cr->query)
            return lake_error_at(sql, st->pos, ST_ERR_UNSUPPORTED, err,
                                 "CREATE TABLE ... USING %s AS SELECT is not supported; use "
                                 "Delta", fmt);
        rc = cat_table_create(db, &t, cr->or_replace, false, NULL, err);
        return rc;
    }
    /* Delta. */
    delta_create_options co;
    vec_schema schema = {0};
    delta_field_info *info = NULL;
    if ((rc = create_options(s, sql, a, cr, &co, &schema, &info, err)) != ST_OK) return rc;
    const char *clustering = NULL;
    if (cr->n_cluster_cols > 0) {        /* liquid clustering: a domain + the feature */
        if (cr->n_partition_cols > 0)
            return lake_error_at(sql, st->pos, ST_ERR_ARGUMENT, err,
                                 "a table cannot be both PARTITIONED BY and CLUSTER BY");
        for (int i = 0; i < cr->n_cluster_cols && co.schema; i++)
            if (field_index(co.schema, cr->cluster_cols[i]) < 0)
                return lake_error_at(sql, st->pos, ST_ERR_BIND, err,
                                     "CLUSTER BY column '%s' is not a column of the table",
                                     cr->cluster_cols[i]);
        if (!(clustering = lake_clustering_json(cr->cluster_cols, cr->n_cluster_cols, a)))
            return oom(err);
        const char **k2 = st_arena_calloc(a, (size_t)co.n_config + 2, sizeof *k2);
        const char **v2 = st_arena_calloc(a, (size_t)co.n_config + 2, sizeof *v2);
        if (!k2 || !v2) return oom(err);
        memcpy(k2, co.config_keys, sizeof *k2 * (size_t)co.n_config);
        memcpy(v2, co.config_values, sizeof *v2 * (size_t)co.n_config);
        k2[co.n_config] = "delta.feature.clustering";
        v2[co.n_config] = "supported";
        co.config_keys = k2;
        co.config_values = v2;
        co.n_config++;
    }
    bool log_exists = has_delta_log(t.location);
    if (log_exists && !cr->or_replace) {
        if (cr->query)
            return lake_error_at(sql, st->pos, ST_ERR_ARGUMENT, err,
                                 "cannot create table '%s.%s.%s' AS SELECT: location '%s' "
                                 "already holds a Delta table", c, sc, n, t.location);
        delta_snapshot *snap;
        if ((rc = delta_snapshot_load(t.location, NULL, &snap, err)) != ST_OK) return rc;
        if (co.schema) {
            bool same = snap->meta.schema.n_fields == co.schema->n_fields;
            for (int i = 0; same && i < co.schema->n_fields; i++)
                same = !strcasecmp(snap->meta.schema.fields[i].name, co.schema->fields[i].name) &&
                       vec_type_equal(&snap->meta.schema.fields[i].type,
                                      &co.schema->fields[i].type);
            if (!same) {
                delta_snapshot_free(snap);
                return lake_error_at(sql, st->pos, ST_ERR_ARGUMENT, err,
                                     "the specified schema does not match the existing schema "
                                     "of the Delta table at '%s'", t.location);
            }
        }
        delta_snapshot_free(snap);
        return cat_table_create(db, &t, false, false, NULL, err);
    }
    if (!log_exists && !cr->query && !co.schema)
        return lake_error_at(sql, st->pos, ST_ERR_ARGUMENT, err,
                             "table '%s.%s.%s' needs a column list or AS SELECT (no Delta "
                             "table at '%s')", c, sc, n, t.location);
    if (!log_exists && !exists && t.type == CAT_MANAGED && dir_nonempty(t.location))
        return lake_error_at(sql, st->pos, ST_ERR_ARGUMENT, err,
                             "managed location '%s' is not empty", t.location);
    bool created = false;
    if ((rc = cat_table_create(db, &t, cr->or_replace, false, &created, err)) != ST_OK)
        return rc;
    bool replace = cr->or_replace && log_exists;
    if (cr->query) {
        int64_t rows = 0;
        rc = lake_write_ctas(s, sql, cr->query, t.location, &co, info, clustering, replace,
                             replace ? "CREATE OR REPLACE TABLE AS SELECT" : "CREATE TABLE AS SELECT",
                             NULL, &rows, err);
        if (rc == ST_OK) {
            const char *names[2] = {"num_affected_rows", "num_inserted_rows"};
            int64_t v[2] = {rows, rows};
            rc = lake_int_result("dml", names, 2, v, out, err);
        }
    } else if (replace) {
        delta_txn *tx;
        rc = delta_txn_begin(t.location, NULL, &tx, err);
        if (rc == ST_OK) {
            delta_txn_set_mode(tx, DELTA_OVERWRITE);
            if ((rc = delta_txn_set_metadata(tx, &co, info, err)) != ST_OK) delta_txn_abort(tx);
            else rc = delta_txn_commit(tx, "CREATE OR REPLACE TABLE", NULL, &(int64_t){0}, err);
        }
    } else {
        rc = commit_create(t.location, &co, info, clustering, "CREATE TABLE", err);
    }
    if (rc != ST_OK && created && !exists) {
        st_error tmp;
        st_error_init(&tmp);
        cat_table_drop(db, c, sc, n, false, true, &tmp);
    }
    return rc;
}

/* ---- CREATE VIEW ---------------------------------------------------------------- */

static st_status run_create_view(ex_session *s, const char *sql, const sql_stmt *st, st_arena *a,
                                 st_error *err)
{
    const sql_create *cr = st->create;
    const char *text = cr->query_text;
    if (cr->n_cols > 0) {                  /* v (a, b) AS q: rename the columns */
        st_buf b;
        st_buf_init(&b);
        st_status rc = st_buf_printf(&b, err, "SELECT * FROM (%s) AS __v(", text);
        for (int i = 0; rc == ST_OK && i < cr->n_cols; i++)
            rc = st_buf_printf(&b, err, "%s`%s`", i ? ", " : "",
                               cr->cols[i].name.parts[cr->cols[i].name.n_parts - 1]);
        if (rc == ST_OK) rc = st_buf_append(&b, ")", 2, err);
        text = rc == ST_OK ? st_arena_strdup(a, (const char *)b.data) : NULL;
        st_buf_destroy(&b);
        if (rc != ST_OK) return rc;
        if (!text) return oom(err);
    }
    /* The query must bind now. */
    lake_query *lq = NULL;
    st_status rc = lake_query_prepare(s, sql, cr->query, NULL, 0, &lq, err);
    lake_query_free(lq);
    if (rc != ST_OK) return rc;
    if (cr->temporary) {
        if (cr->name.n_parts != 1)
            return lake_error_at(sql, cr->name.pos, ST_ERR_ARGUMENT, err,
                                 "a temporary view has a one-part name");
        bool is_view;
        const char *tx;
        lp_source_kind f;
        for (int i = 0; i < ex_session_n_registered(s); i++)
            if (!strcasecmp(ex_session_registered(s, i, &is_view, &tx, &f), cr->name.parts[0]) &&
                !cr->or_replace) {
                if (cr->if_not_exists) return ST_OK;
                return lake_error_at(sql, cr->name.pos, ST_ERR_ARGUMENT, err,
                                     "temporary view '%s' already exists", cr->name.parts[0]);
            }
        return ex_session_register_view(s, cr->name.parts[0], text, err);
    }
    cat_db *db;
    if ((rc = ex_session_catalog(s, true, &db, err)) != ST_OK) return rc;
    const char *c, *sc, *n;
    lake_qualify(s, &cr->name, &c, &sc, &n);
    cat_table old;
    if (cr->or_replace && cat_table_get(db, c, sc, n, a, &old, err) == ST_OK &&
        old.type != CAT_VIEW)
        return lake_error_at(sql, cr->name.pos, ST_ERR_ARGUMENT, err,
                             "'%s.%s.%s' is a table, not a view", c, sc, n);
    st_error_init(err);
    cat_table t = {.catalog = c, .schema = sc, .name = n, .type = CAT_VIEW, .view_sql = text,
                   .comment = cr->comment, .options_json = "{}"};
    return cat_table_create(db, &t, cr->or_replace, cr->if_not_exists, NULL, err);
}

/* ---- DROP ----------------------------------------------------------------------- */

static st_status run_drop(ex_session *s, const char *sql, const sql_stmt *st, st_error *err)
{
    const sql_drop *dr = st->drop;
    cat_db *db;
    st_status rc;
    if (dr->what == SQL_OBJ_VIEW && dr->name.n_parts == 1) {
        bool is_view;
        const char *tx;
        lp_source_kind f;
        for (int i = 0; i < ex_session_n_registered(s); i++)
            if (!strcasecmp(ex_session_registered(s, i, &is_view, &tx, &f), dr->name.parts[0]) &&
                is_view)
                return ex_session_unregister(s, dr->name.parts[0], err);
    }
    if ((rc = ex_session_catalog(s, true, &db, err)) != ST_OK) return rc;
    switch (dr->what) {
    case SQL_OBJ_CATALOG:
        if (dr->name.n_parts != 1)
            return st_error_set(err, ST_ERR_ARGUMENT, "a catalog name has one part");
        return cat_catalog_drop(db, dr->name.parts[0], dr->if_exists, dr->cascade, err);
    case SQL_OBJ_SCHEMA: {
        const char *c = NULL, *sc = NULL;
        if ((rc = schema_name(s, &dr->name, &c, &sc, err)) != ST_OK) return rc;
        return cat_schema_drop(db, c, sc, dr->if_exists, dr->cascade, err);
    }
    default: {
        const char *c, *sc, *n;
        lake_qualify(s, &dr->name, &c, &sc, &n);
        rc = cat_table_drop(db, c, sc, n, dr->what == SQL_OBJ_VIEW, dr->if_exists, err);
        if (rc != ST_OK && err->msg[0] && !strstr(err->msg, "line "))
            return lake_error_at(sql, dr->name.pos, rc, err, "%s", err->msg);
        return rc;
    }
    }
}

/* ---- ALTER TABLE / COMMENT ON ---------------------------------------------------- */

/* Copies the snapshot's metadata into editable create options. */
typedef struct meta_edit {
    delta_create_options co;
    vec_schema           schema;
    delta_field_info    *info;       /* one per field (copied, extra metadata editable) */
    const char         **keys, **vals;
    int                  n_config, cap_config;
} meta_edit;

static st_status edit_init(st_arena *a, const delta_snapshot *snap, meta_edit *e, st_error *err)
{
    memset(e, 0, sizeof *e);
    const delta_metadata *m = &snap->meta;
    e->schema.n_fields = m->schema.n_fields;
    e->schema.fields = st_arena_calloc(a, (size_t)m->schema.n_fields + 64, sizeof(vec_field));
    e->info = st_arena_calloc(a, (size_t)m->schema.n_fields + 64, sizeof(delta_field_info));
    e->cap_config = m->n_config + 64;
    e->keys = st_arena_calloc(a, (size_t)e->cap_config, sizeof(char *));
    e->vals = st_arena_calloc(a, (size_t)e->cap_config, sizeof(char *));
    if (!e->schema.fields || !e->info || !e->keys || !e->vals) return oom(err);
    memcpy(e->schema.fields, m->schema.fields, sizeof(vec_field) * (size_t)m->schema.n_fields);
    if (m->field_info)
        memcpy(e->info, m->field_info, sizeof(delta_field_info) * (size_t)m->schema.n_fields);
    else
        for (int i = 0; i < m->schema.n_fields; i++) {
            e->info[i].physical_name = m->schema.fields[i].name;
            e->info[i].field_id = -1;
        }
    for (int i = 0; i < m->n_config; i++) {
        e->keys[i] = m->config_keys[i];
        e->vals[i] = m->config_values[i];
    }
    e->n_config = m->n_config;
    e->co.schema = &e->schema;
    e->co.n_partition_cols = m->n_partition_cols;
    e->co.partition_cols = m->partition_cols;
    e->co.name = m->name;
    e->co.description = m->description;
    return ST_OK;
}

static void edit_set(meta_edit *e, const char *k, const char *v)
{
    for (int i = 0; i < e->n_config; i++)
        if (!strcmp(e->keys[i], k)) {
            if (v) e->vals[i] = v;
            else {
                e->keys[i] = e->keys[e->n_config - 1];
                e->vals[i] = e->vals[e->n_config - 1];
                e->n_config--;
            }
            return;
        }
    if (v && e->n_config < e->cap_config) {
        e->keys[e->n_config] = k;
        e->vals[e->n_config++] = v;
    }
}

static const char *edit_get(const meta_edit *e, const char *k)
{
    for (int i = 0; i < e->n_config; i++)
        if (!strcmp(e->keys[i], k)) return e->vals[i];
    return NULL;
}

/* Sets key in a field's extra metadata JSON (value NULL removes it). */
static st_status field_meta_set(st_arena *a, delta_field_info *fi, const char *key,
                                const char *value, st_error *err)
{
    json_t *o = fi->extra_metadata ? json_loads(fi->extra_metadata, 0, NULL) : NULL;
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_object();
    }
    if (value) json_object_set_new(o, key, json_string(value));
    else json_object_del(o, key);
    char *s = json_object_size(o) ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    fi->extra_metadata = s ? st_arena_strdup(a, s) : NULL;
    bool bad = s && !fi->extra_metadata;
    free(s);
    return bad ? oom(err) : ST_OK;
}

static int field_index(const vec_schema *s, const char *name)
{
    for (int i = 0; i < s->n_fields; i++)
        if (!strcasecmp(s->fields[i].name, name)) return i;
    return -1;
}

/* Counts rows of the table at path where cond_text holds (SQL text). */
static st_status count_where(ex_session *s, const char *path, const char *cond_text,
                             int64_t *out, st_error *err)
{
    st_buf b;
    st_buf_init(&b);
    st_status rc = st_buf_printf(&b, err, "SELECT count(*) FROM delta.`%s` WHERE %s", path,
                                 cond_text);
    if (rc == ST_OK) rc = st_buf_append_byte(&b, 0, err);
    ex_result *r = NULL;
    if (rc == ST_OK) rc = ex_session_query(s, (const char *)b.data, &r, err);
    st_buf_destroy(&b);
    if (rc != ST_OK) return rc;
    *out = r && r->n_batches > 0 ? ((const int64_t *)r->batches[0]->cols[0]->values)[0] : 0;
    ex_result_free(r);
    return ST_OK;
}

static st_status run_alter(ex_session *s, const char *sql, const sql_stmt *st, st_arena *a,
                           st_error *err)
{
    const sql_alter *al = st->alter;
    if (al->kind == SQL_ALTER_VIEW_AS) {       /* ALTER VIEW v AS query */
        cat_db *vdb;
        st_status vrc = ex_session_catalog(s, true, &vdb, err);
        if (vrc != ST_OK) return vrc;
        lake_query *lq = NULL;
        if ((vrc = lake_query_prepare(s, sql, al->query, NULL, 0, &lq, err)) != ST_OK) return vrc;
        lake_query_free(lq);
        const char *c, *sc, *n;
        lake_qualify(s, &al->name, &c, &sc, &n);
        cat_table old;
        if ((vrc = cat_table_get(vdb, c, sc, n, a, &old, err)) != ST_OK) return vrc;
        if (old.type != CAT_VIEW)
            return lake_error_at(sql, al->name.pos, ST_ERR_ARGUMENT, err,
                                 "'%s.%s.%s' is not a view", c, sc, n);
        return cat_table_update(vdb, c, sc, n, NULL, NULL, NULL, NULL, al->query_text, err);
    }
    if (al->what == SQL_OBJ_VIEW)
        return st_error_set(err, ST_ERR_UNSUPPORTED, "this ALTER VIEW form is not supported; "
                                                     "use CREATE OR REPLACE VIEW");
    sql_tableref tr = {.kind = SQL_T_NAME, .pos = al->name.pos, .name = al->name};
    lake_table lt;
    st_status rc = lake_resolve(s, sql, &tr, a, &lt, err);
    if (rc != ST_OK) return rc;
    cat_db *db;
    if ((rc = ex_session_catalog(s, true, &db, err)) != ST_OK) return rc;
    if (al->kind == SQL_ALTER_RENAME_TO) {
        if (!lt.in_catalog)
            return st_error_set(err, ST_ERR_ARGUMENT, "only catalog tables can be renamed");
        const sql_name *nn = &al->new_table;
        const char *nsch = nn->n_parts >= 2 ? nn->parts[nn->n_parts - 2] : lt.schema;
        if (nn->n_parts == 3 && strcasecmp(nn->parts[0], lt.catalog))
            return st_error_set(err, ST_ERR_ARGUMENT, "RENAME TO cannot move a table to "
                                                      "another catalog");
        return cat_table_rename(db, lt.catalog, lt.schema, lt.name, nsch,
                                nn->parts[nn->n_parts - 1], err);
    }
    if (al->kind == SQL_ALTER_SET_LOCATION || al->kind == SQL_ALTER_SET_OWNER)
        return st_error_set(err, ST_ERR_UNSUPPORTED, "this ALTER TABLE form is not supported "
                                                     "yet");
    if (strcmp(lt.format, "delta") != 0)
        return st_error_set(err, ST_ERR_UNSUPPORTED, "ALTER TABLE needs a Delta table; '%s' is "
                                                     "%s", lt.full, lt.format);
    delta_txn *tx;
    if ((rc = delta_txn_begin(lt.path, NULL, &tx, err)) != ST_OK) return rc;
    const delta_snapshot *snap = delta_txn_snapshot(tx);
    meta_edit e;
    const char *op = "SET TBLPROPERTIES";
    json_t *params = json_object();
    if ((rc = edit_init(a, snap, &e, err)) != ST_OK) goto done;
    switch (al->kind) {
    case SQL_ALTER_SET_PROPS:
        for (int i = 0; i < al->n_props; i++) {
            if (!strncasecmp(al->props[i].key, "delta.constraints.", 18)) {
                rc = st_error_set(err, ST_ERR_ARGUMENT, "use ALTER TABLE ADD CONSTRAINT to add "
                                                        "a CHECK constraint");
                goto done;
            }
            edit_set(&e, al->props[i].key, al->props[i].value ? al->props[i].value : "");
        }
        json_object_set_new(params, "properties",
                            json_string(json_props(a, al->props, al->n_props)));
        break;
    case SQL_ALTER_UNSET_PROPS:
        op = "UNSET TBLPROPERTIES";
        for (int i = 0; i < al->n_props; i++) {
            if (!edit_get(&e, al->props[i].key) && !al->if_exists) {
                rc = st_error_set(err, ST_ERR_ARGUMENT, "property '%s' is not set on '%s'",
                                  al->props[i].key, lt.full);
                goto done;
            }
            edit_set(&e, al->props[i].key, NULL);
        }
        break;
    case SQL_ALTER_ADD_COLUMNS: {
        op = "ADD COLUMNS";
        json_t *cols = json_array();
        for (int i = 0; i < al->n_cols; i++) {
            const sql_column_def *c = &al->cols[i];
            const char *name = c->name.parts[c->name.n_parts - 1];
            if (c->name.n_parts > 1) {
                rc = st_error_set(err, ST_ERR_UNSUPPORTED, "adding nested fields is not "
                                                           "supported yet");
                json_decref(cols);
                goto done;
            }
            if (field_index(&e.schema, name) >= 0) {
                rc = st_error_set(err, ST_ERR_ARGUMENT, "column '%s' already exists in '%s'",
                                  name, lt.full);
                json_decref(cols);
                goto done;
            }
            if (c->not_null) {
                rc = st_error_set(err, ST_ERR_ARGUMENT, "a column added to an existing table "
                                  "cannot be NOT NULL ('%s')", name);
                json_decref(cols);
                goto done;
            }
            int k = e.schema.n_fields++;
            e.schema.fields[k] = (vec_field){.name = name, .type = c->type->vt, .nullable = true};
            e.info[k] = (delta_field_info){.physical_name = name, .field_id = -1};
            if (c->comment && (rc = field_meta_set(a, &e.info[k], "comment", c->comment, err)) !=
                              ST_OK) {
                json_decref(cols);
                goto done;
            }
            json_t *cj = json_object();
            json_object_set_new(cj, "column", json_string(name));
            json_array_append_new(cols, cj);
        }
        char *cs = json_dumps(cols, JSON_COMPACT);
        json_object_set_new(params, "columns", json_string(cs ? cs : "[]"));
        free(cs);
        json_decref(cols);
        break;
    }
    case SQL_ALTER_COLUMN: {
        op = "CHANGE COLUMN";
        const char *name = al->column.parts[al->column.n_parts - 1];
        int k = field_index(&e.schema, name);
        if (k < 0 || al->column.n_parts > 1) {
            rc = st_error_set(err, ST_ERR_BIND, "unknown column '%s' in '%s'", name, lt.full);
            goto done;
        }
        switch (al->col_action) {
        case SQL_COL_SET_NOT_NULL: {
            char cond[600];
            snprintf(cond, sizeof cond, "`%s` IS NULL", e.schema.fields[k].name);
            int64_t n = 0;
            if ((rc = count_where(s, lt.path, cond, &n, err)) != ST_OK) goto done;
            if (n > 0) {
                rc = st_error_set(err, ST_ERR_CONSTRAINT, "cannot set column '%s' NOT NULL: "
                                  "%" PRId64 " existing rows hold null", name, n);
                goto done;
            }
            e.schema.fields[k].nullable = false;
            break;
        }
        case SQL_COL_DROP_NOT_NULL:
            e.schema.fields[k].nullable = true;
            break;
        case SQL_COL_COMMENT:
            rc = field_meta_set(a, &e.info[k], "comment", al->comment, err);
            break;
        case SQL_COL_TYPE: {
            /* Type widening: the new type goes in the schema, the change in the
            ** field's delta.typeChanges, and the table enables the feature. */
            vec_type from = e.schema.fields[k].type, to = al->type->vt;
            if (vec_type_equal(&from, &to)) break;
            const char *fn = spark_type_name(a, &from), *tn = spark_type_name(a, &to);
            if (!fn || !tn) {
                rc = st_error_set(err, ST_ERR_UNSUPPORTED, "cannot change column '%s' from %s "
                                  "to %s", name, type_text(a, &from), type_text(a, &to));
                break;
            }
            json_t *md = e.info[k].extra_metadata ? json_loads(e.info[k].extra_metadata, 0, NULL)
                                                  : json_object();
            if (!json_is_object(md)) {
                json_decref(md);
                md = json_object();
            }
            json_t *tc = json_object_get(md, "delta.typeChanges");
            if (!json_is_array(tc)) {
                tc = json_array();
                json_object_set_new(md, "delta.typeChanges", tc);
            }
            json_t *ch = json_object();
            json_object_set_new(ch, "toType", json_string(tn));
            json_object_set_new(ch, "fromType", json_string(fn));
            json_array_append_new(tc, ch);
            char *ms = json_dumps(md, JSON_COMPACT);
            json_decref(md);
            e.info[k].extra_metadata = ms ? st_arena_strdup(a, ms) : NULL;
            free(ms);
            e.schema.fields[k].type = to;
            edit_set(&e, "delta.enableTypeWidening", "true");
            break;
        }
        default:
            rc = st_error_set(err, ST_ERR_UNSUPPORTED, "this ALTER COLUMN form is not "
                                                       "supported yet");
            break;
        }
        if (rc != ST_OK) goto done;
        json_object_set_new(params, "column", json_string(name));
        break;
    }
    case SQL_ALTER_ADD_CONSTRAINT: {
        op = "ADD CONSTRAINT";
        const char *key = constraint_key(a, al->constraint);
        if (!key) {
            rc = oom(err);
            goto done;
        }
        if (edit_get(&e, key)) {
            rc = st_error_set(err, ST_ERR_ARGUMENT, "constraint '%s' already exists on '%s'",
                              al->constraint, lt.full);
            goto done;
        }
        /* The expression's text as written, and existing rows must satisfy it. */
        const char *text = lake_expr_text(sql, al->check, st->end, a);
        char *cond = text ? st_arena_alloc(a, strlen(text) * 2 + 32) : NULL;
        if (!text || !cond) {
            rc = oom(err);
            goto done;
        }
        sprintf(cond, "NOT (%s) OR (%s) IS NULL", text, text);
        int64_t n = 0;
        if ((rc = count_where(s, lt.path, cond, &n, err)) != ST_OK) goto done;
        if (n > 0) {
            rc = st_error_set(err, ST_ERR_CONSTRAINT, "%" PRId64 " rows in '%s' violate the new "
                              "CHECK constraint (%s)", n, lt.full, text);
            goto done;
        }
        edit_set(&e, key, text);
        json_object_set_new(params, "name", json_string(al->constraint));
        json_object_set_new(params, "expr", json_string(text));
        break;
    }
    case SQL_ALTER_DROP_CONSTRAINT: {
        op = "DROP CONSTRAINT";
        const char *key = constraint_key(a, al->constraint);
        if (!key) {
            rc = oom(err);
            goto done;
        }
        if (!edit_get(&e, key)) {
            if (!al->if_exists)
                rc = st_error_set(err, ST_ERR_ARGUMENT, "constraint '%s' does not exist on '%s'",
                                  al->constraint, lt.full);
            goto done;
        }
        edit_set(&e, key, NULL);
        json_object_set_new(params, "name", json_string(al->constraint));
        break;
    }
    case SQL_ALTER_RENAME_COLUMN:
    case SQL_ALTER_DROP_COLUMNS: {
        /* Both need column mapping (files keep their physical names). */
        const char *mode = edit_get(&e, "delta.columnMapping.mode");
        /* Ids and physical names (= today's names) are fixed before the
        ** rename/drop changes the logical names. */
        if (!mode || !strcasecmp(mode, "none")) {
            int64_t max_id = 0;
            delta_field_info *ni;
            if ((rc = delta_enable_column_mapping(&e.schema, e.info, a, &ni, &max_id, err)) !=
                ST_OK)
                goto done;
            memcpy(e.info, ni, sizeof *ni * (size_t)e.schema.n_fields);
            char *mv = st_arena_alloc(a, 32);
            if (!mv) {
                rc = oom(err);
                goto done;
            }
            snprintf(mv, 32, "%" PRId64, max_id);    /* a dropped column's id stays used */
            edit_set(&e, "delta.columnMapping.mode", "name");
            edit_set(&e, "delta.columnMapping.maxColumnId", mv);
        }
        if (al->kind == SQL_ALTER_RENAME_COLUMN) {
            op = "RENAME COLUMN";
            const char *name = al->column.parts[al->column.n_parts - 1];
            int k = field_index(&e.schema, name);
            if (k < 0 || al->column.n_parts > 1) {
                rc = st_error_set(err, ST_ERR_BIND, "unknown column '%s' in '%s'", name, lt.full);
                goto done;
            }
            if (field_index(&e.schema, al->new_name) >= 0) {
                rc = st_error_set(err, ST_ERR_ARGUMENT, "column '%s' already exists in '%s'",
                                  al->new_name, lt.full);
                goto done;
            }
            for (int i = 0; i < snap->meta.n_partition_cols; i++)
                if (!strcasecmp(snap->meta.partition_cols[i], name)) {
                    rc = st_error_set(err, ST_ERR_UNSUPPORTED, "renaming partition column '%s' "
                                      "is not supported", name);
                    goto done;
                }
            e.schema.fields[k].name = al->new_name;
            json_object_set_new(params, "oldColumnPath", json_string(name));
            json_object_set_new(params, "newColumnPath", json_string(al->new_name));
        } else {
            op = "DROP COLUMNS";
            json_t *cols = json_array();
            for (int j = 0; j < al->n_names; j++) {
                const char *name = al->names[j].parts[al->names[j].n_parts - 1];
                int k = field_index(&e.schema, name);
                if (k < 0 || al->names[j].n_parts > 1) {
                    if (al->if_exists && k < 0) continue;
                    rc = st_error_set(err, ST_ERR_BIND, "unknown column '%s' in '%s'", name,
                                      lt.full);
                    json_decref(cols);
                    goto done;
                }
                for (int i = 0; i < snap->meta.n_partition_cols; i++)
                    if (!strcasecmp(snap->meta.partition_cols[i], name)) {
                        rc = st_error_set(err, ST_ERR_UNSUPPORTED, "cannot drop partition "
                                          "column '%s'", name);
                        json_decref(cols);
                        goto done;
                    }
                if (e.schema.n_fields == 1) {
                    rc = st_error_set(err, ST_ERR_ARGUMENT, "cannot drop the last column of '%s'",
                                      lt.full);
                    json_decref(cols);
                    goto done;
                }
                memmove(&e.schema.fields[k], &e.schema.fields[k + 1],
                        sizeof(vec_field) * (size_t)(e.schema.n_fields - k - 1));
                memmove(&e.info[k], &e.info[k + 1],
                        sizeof(delta_field_info) * (size_t)(e.schema.n_fields - k - 1));
                e.schema.n_fields--;
                json_array_append_new(cols, json_string(name));
            }
            char *cs = json_dumps(cols, JSON_COMPACT);
            json_object_set_new(params, "columns", json_string(cs ? cs : "[]"));
            free(cs);
            json_decref(cols);
        }
        break;
    }
    case SQL_ALTER_CLUSTER_BY: {
        op = "CLUSTER BY";
        if (snap->meta.n_partition_cols > 0) {
            rc = st_error_set(err, ST_ERR_ARGUMENT, "'%s' is partitioned; a table cannot be both "
                              "PARTITIONED BY and CLUSTER BY", lt.full);
            goto done;
        }
        for (int i = 0; i < al->n_cluster_cols; i++)
            if (field_index(&e.schema, al->cluster_cols[i]) < 0) {
                rc = st_error_set(err, ST_ERR_BIND, "CLUSTER BY column '%s' is not a column of "
                                  "'%s'", al->cluster_cols[i], lt.full);
                goto done;
            }
        const char *cj = lake_clustering_json(al->cluster_cols, al->n_cluster_cols, a);
        if (!cj) {
            rc = oom(err);
            goto done;
        }
        edit_set(&e, "delta.feature.clustering", "supported");
        if ((rc = delta_txn_set_domain(tx, "delta.clustering", cj, err)) != ST_OK) goto done;
        json_t *cols = json_array();
        for (int i = 0; i < al->n_cluster_cols; i++)
            json_array_append_new(cols, json_string(al->cluster_cols[i]));
        char *cs = json_dumps(cols, JSON_COMPACT);
        json_object_set_new(params, "newClusteringColumns", json_string(cs ? cs : "[]"));
        free(cs);
        json_decref(cols);
        break;
    }
    default:
        rc = st_error_set(err, ST_ERR_UNSUPPORTED, "this ALTER TABLE form is not supported yet");
        goto done;
    }
    if (al->kind == SQL_ALTER_ADD_COLUMNS) {
        /* With column mapping on, new columns get no physical name here:
        ** delta_txn_set_metadata gives them fresh ids and "col-<uuid>" names
        ** (a dropped column's old files must not show through). */
        const char *mode = edit_get(&e, "delta.columnMapping.mode");
        if (mode && strcasecmp(mode, "none"))
            for (int i = snap->meta.schema.n_fields; i < e.schema.n_fields; i++)
                e.info[i].physical_name = NULL;
    }
    e.co.n_config = e.n_config;
    e.co.config_keys = e.keys;
    e.co.config_values = e.vals;
    if ((rc = delta_txn_set_metadata(tx, &e.co, e.info, err)) == ST_OK) {
        char *ps = json_dumps(params, JSON_COMPACT);
        rc = delta_txn_commit(tx, op, ps, &(int64_t){0}, err);
        free(ps);
        tx = NULL;
    }
done:
    json_decref(params);
    if (tx) delta_txn_abort(tx);
    return rc;
}

static st_status run_comment(ex_session *s, const char *sql, const sql_stmt *st, st_arena *a,
                             st_error *err)
{
    const sql_comment_on *cm = st->comment_on;
    cat_db *db;
    st_status rc = ex_session_catalog(s, true, &db, err);
    if (rc != ST_OK) return rc;
    const char *text = cm->text ? cm->text : "";
    switch (cm->what) {
    case SQL_OBJ_CATALOG:
        return cat_catalog_set_comment(db, cm->name.parts[0], text, err);
    case SQL_OBJ_SCHEMA: {
        const char *c = NULL, *sc = NULL;
        if ((rc = schema_name(s, &cm->name, &c, &sc, err)) != ST_OK) return rc;
        return cat_schema_set_comment(db, c, sc, text, err);
    }
    default:
        break;
    }
    sql_tableref tr = {.kind = SQL_T_NAME, .pos = cm->name.pos, .name = cm->name};
    lake_table lt;
    if ((rc = lake_resolve(s, sql, &tr, a, &lt, err)) != ST_OK) return rc;
    if (cm->column.n_parts == 0 && lt.in_catalog &&
        (rc = cat_table_update(db, lt.catalog, lt.schema, lt.name, text, NULL, NULL, NULL, NULL,
                               err)) != ST_OK)
        return rc;
    if (strcmp(lt.format, "delta") != 0) return ST_OK;
    delta_txn *tx;
    if ((rc = delta_txn_begin(lt.path, NULL, &tx, err)) != ST_OK) return rc;
    meta_edit e;
    if ((rc = edit_init(a, delta_txn_snapshot(tx), &e, err)) == ST_OK) {
        if (cm->column.n_parts) {
            const char *name = cm->column.parts[cm->column.n_parts - 1];
            int k = field_index(&e.schema, name);
            if (k < 0) rc = st_error_set(err, ST_ERR_BIND, "unknown column '%s'", name);
            else rc = field_meta_set(a, &e.info[k], "comment", cm->text, err);
        } else {
            e.co.description = cm->text;
        }
    }
    e.co.n_config = e.n_config;
    e.co.config_keys = e.keys;
    e.co.config_values = e.vals;
    if (rc == ST_OK) rc = delta_txn_set_metadata(tx, &e.co, e.info, err);
    if (rc == ST_OK) return delta_txn_commit(tx, cm->column.n_parts ? "CHANGE COLUMN"
                                                                    : "SET TBLPROPERTIES",
                                             NULL, &(int64_t){0}, err);
    delta_txn_abort(tx);
    return rc;
}

/* ---- SHOW ----------------------------------------------------------------------- */

static st_status run_show(ex_session *s, const char *sql, const sql_stmt *st, st_arena *a,
                          ex_result **out, st_error *err)
{
    const sql_show *sh = st->show;
    cells cl = {.a = a};
    cat_db *db = NULL;
    st_error tmp;
    st_error_init(&tmp);
    bool have_cat = ex_session_catalog(s, sh->kind != SQL_SHOW_TABLES &&
                                              sh->kind != SQL_SHOW_VIEWS, &db, &tmp) == ST_OK;
    if (!have_cat && tmp.code != ST_ERR_NOTFOUND) {
        *err = tmp;
        return tmp.code;
    }
    st_status rc = ST_OK;
    switch (sh->kind) {
    case SQL_SHOW_CATALOGS: {
        cat_object *o;
        int n;
        if ((rc = cat_catalog_list(db, sh->like, a, &o, &n, err)) != ST_OK) return rc;
        for (int i = 0; i < n; i++) cell(&cl, o[i].name);
        const char *names[1] = {"catalog"};
        return cells_result(&cl, "show", names, 1, out, err);
    }
    case SQL_SHOW_SCHEMAS: {
        const char *c = sh->in.n_parts ? sh->in.parts[0] : ex_session_current_catalog(s);
        cat_object *o;
        int n;
        if ((rc = cat_schema_list(db, c, sh->like, a, &o, &n, err)) != ST_OK) return rc;
        for (int i = 0; i < n; i++) cell(&cl, o[i].name);
        const char *names[1] = {"databaseName"};
        return cells_result(&cl, "show", names, 1, out, err);
    }
    case SQL_SHOW_TABLES:
    case SQL_SHOW_VIEWS: {
        bool views = sh->kind == SQL_SHOW_VIEWS;
        const char *c = ex_session_current_catalog(s), *sc = ex_session_current_schema(s);
        if (sh->in.n_parts == 1) sc = sh->in.parts[0];
        else if (sh->in.n_parts == 2) {
            c = sh->in.parts[0];
            sc = sh->in.parts[1];
        }
        if (have_cat) {
            cat_table *t;
            int n;
            if ((rc = cat_table_list(db, c, sc, sh->like, views, a, &t, &n, err)) != ST_OK)
                return rc;
            for (int i = 0; i < n; i++) {
                cell(&cl, t[i].schema);
                cell(&cl, t[i].name);
                cell(&cl, "false");
            }
        }
        for (int i = 0; i < ex_session_n_registered(s); i++) {
            bool is_view;
            const char *tx;
            lp_source_kind f;
            const char *nm = ex_session_registered(s, i, &is_view, &tx, &f);
            if ((views && !is_view) || (sh->like && !cat_like_match(sh->like, nm))) continue;
            cell(&cl, "");
            cell(&cl, nm);
            cell(&cl, "true");
        }
        const char *names[3] = {"database", views ? "viewName" : "tableName", "isTemporary"};
        static const vec_type_id types[3] = {VEC_STRING, VEC_STRING, VEC_BOOL};
        if (cl.oom) return oom(err);
        rc = lake_typed_result("show", names, types, 3, cl.v, cl.n / 3, out, err);
        st_free(cl.v);
        return rc;
    }
    default:
        break;
    }
    /* COLUMNS, TBLPROPERTIES, CREATE TABLE: from the table itself. */
    lake_table lt;
    if ((rc = lake_resolve(s, sql, sh->target, a, &lt, err)) != ST_OK) return rc;
    delta_snapshot *snap = NULL;
    if (!strcmp(lt.format, "delta") &&
        (rc = delta_snapshot_load(lt.path, NULL, &snap, err)) != ST_OK)
        return rc;
    if (!snap)
        return st_error_set(err, ST_ERR_UNSUPPORTED, "SHOW on non-Delta table '%s' is not "
                                                     "supported yet", lt.full);
    const delta_metadata *m = &snap->meta;
    if (sh->kind == SQL_SHOW_COLUMNS) {
        for (int i = 0; i < m->schema.n_fields; i++) cell(&cl, m->schema.fields[i].name);
        delta_snapshot_free(snap);
        const char *names[1] = {"col_name"};
        return cells_result(&cl, "show", names, 1, out, err);
    }
    if (sh->kind == SQL_SHOW_TBLPROPERTIES) {
        char buf[3][32];
        for (int i = 0; i < m->n_config; i++) {
            if (sh->key && strcmp(sh->key, m->config_keys[i])) continue;
            cell(&cl, m->config_keys[i]);
            cell(&cl, m->config_values[i]);
        }
        snprintf(buf[0], 32, "%d", snap->protocol.min_reader);
        snprintf(buf[1], 32, "%d", snap->protocol.min_writer);
        if (!sh->key || !strcmp(sh->key, "delta.minReaderVersion")) {
            cell(&cl, "delta.minReaderVersion");
            cell(&cl, buf[0]);
        }
        if (!sh->key || !strcmp(sh->key, "delta.minWriterVersion")) {
            cell(&cl, "delta.minWriterVersion");
            cell(&cl, buf[1]);
        }
        delta_snapshot_free(snap);
        const char *names[2] = {"key", "value"};
        return cells_result(&cl, "show", names, 2, out, err);
    }
    /* SHOW CREATE TABLE */
    st_buf b;
    st_buf_init(&b);
    rc = st_buf_printf(&b, err, "CREATE TABLE %s (\n", lt.full);
    for (int i = 0; rc == ST_OK && i < m->schema.n_fields; i++) {
        const vec_field *f = &m->schema.fields[i];
        rc = st_buf_printf(&b, err, "  %s %s%s%s\n", f->name, type_text(a, &f->type),
                           f->nullable ? "" : " NOT NULL", i + 1 < m->schema.n_fields ? "," : "");
    }
    if (rc == ST_OK) rc = st_buf_append_str(&b, ")\nUSING delta\n", err);
    if (rc == ST_OK && m->n_partition_cols > 0) {
        rc = st_buf_append_str(&b, "PARTITIONED BY (", err);
        for (int i = 0; rc == ST_OK && i < m->n_partition_cols; i++)
            rc = st_buf_printf(&b, err, "%s%s", i ? ", " : "", m->partition_cols[i]);
        if (rc == ST_OK) rc = st_buf_append_str(&b, ")\n", err);
    }
    const char **ccols;
    int n_cc;
    lake_clustering_cols(snap, a, &ccols, &n_cc);
    if (rc == ST_OK && n_cc > 0) {
        rc = st_buf_append_str(&b, "CLUSTER BY (", err);
        for (int i = 0; rc == ST_OK && i < n_cc; i++)
            rc = st_buf_printf(&b, err, "%s%s", i ? ", " : "", ccols[i]);
        if (rc == ST_OK) rc = st_buf_append_str(&b, ")\n", err);
    }
    if (rc == ST_OK && lt.in_catalog && lt.entry.type == CAT_EXTERNAL)
        rc = st_buf_printf(&b, err, "LOCATION '%s'\n", lt.path);
    if (rc == ST_OK && m->description) rc = st_buf_printf(&b, err, "COMMENT '%s'\n", m->description);
    if (rc == ST_OK && m->n_config > 0) {
        rc = st_buf_append_str(&b, "TBLPROPERTIES (\n", err);
        for (int i = 0; rc == ST_OK && i < m->n_config; i++)
            rc = st_buf_printf(&b, err, "  '%s' = '%s'%s\n", m->config_keys[i],
                               m->config_values[i], i + 1 < m->n_config ? "," : "");
        if (rc == ST_OK) rc = st_buf_append_str(&b, ")\n", err);
    }
    if (rc == ST_OK) rc = st_buf_append_byte(&b, 0, err);
    if (rc == ST_OK) cell(&cl, (const char *)b.data);
    st_buf_destroy(&b);
    delta_snapshot_free(snap);
    if (rc != ST_OK) return rc;
    const char *names[1] = {"createtab_stmt"};
    return cells_result(&cl, "show", names, 1, out, err);
}

/* ---- DESCRIBE ------------------------------------------------------------------- */

static const char *field_comment(st_arena *a, const delta_metadata *m, int i)
{
    if (!m || !m->field_info || !m->field_info[i].extra_metadata) return NULL;
    json_t *o = json_loads(m->field_info[i].extra_metadata, 0, NULL);
    const char *c = json_string_value(json_object_get(o, "comment"));
    const char *r = c ? st_arena_strdup(a, c) : NULL;
    json_decref(o);
    return r;
}

static st_status run_describe(ex_session *s, const char *sql, const sql_stmt *st, st_arena *a,
                              ex_result **out, st_error *err)
{
    const sql_describe *ds = st->describe;
    cells cl = {.a = a};
    st_status rc;
    if (ds->kind == SQL_DESC_CATALOG || ds->kind == SQL_DESC_SCHEMA) {
        cat_db *db;
        if ((rc = ex_session_catalog(s, true, &db, err)) != ST_OK) return rc;
        cat_object o;
        if (ds->kind == SQL_DESC_CATALOG) {
            if ((rc = cat_catalog_get(db, ds->name.parts[0], a, &o, err)) != ST_OK) return rc;
            cell(&cl, "Catalog Name");
            cell(&cl, o.name);
        } else {
            const char *c = NULL, *sc = NULL;
            if ((rc = schema_name(s, &ds->name, &c, &sc, err)) != ST_OK) return rc;
            if ((rc = cat_schema_get(db, c, sc, a, &o, err)) != ST_OK) return rc;
            cell(&cl, "Catalog Name");
            cell(&cl, o.catalog);
            cell(&cl, "Namespace Name");
            cell(&cl, o.name);
        }
        cell(&cl, "Comment");
        cell(&cl, o.comment ? o.comment : "");
        cell(&cl, "Location");
        cell(&cl, o.location ? o.location : "");
        cell(&cl, "Owner");
        cell(&cl, o.owner ? o.owner : "");
        if (ds->extended) {
            cell(&cl, "Properties");
            cell(&cl, o.props_json);
        }
        const char *names[2] = {"info_name", "info_value"};
        return cells_result(&cl, "describe", names, 2, out, err);
    }
    /* Tables and queries: the columns as a query over them sees them. */
    sql_query *q = ds->query;
    lake_table lt = {0};
    delta_snapshot *snap = NULL;
    if (ds->kind != SQL_DESC_QUERY) {
        if (ds->target->kind == SQL_T_NAME || ds->target->kind == SQL_T_PATH) {
            st_error tmp;
            st_error_init(&tmp);
            if (lake_resolve(s, sql, ds->target, a, &lt, &tmp) != ST_OK) memset(&lt, 0, sizeof lt);
        }
        if (lt.format && !strcmp(lt.format, "delta") &&
            (rc = delta_snapshot_load(lt.path, NULL, &snap, err)) != ST_OK)
            return rc;
        sql_select_item *it = st_arena_calloc(a, 1, sizeof *it);
        sql_expr *star = st_arena_calloc(a, 1, sizeof *star);
        q = st_arena_calloc(a, 1, sizeof *q);
        if (!it || !star || !q) {
            delta_snapshot_free(snap);
            return oom(err);
        }
        star->kind = SQL_E_STAR;
        it->expr = star;
        q->kind = SQL_Q_SELECT;
        q->items = it;
        q->n_items = 1;
        q->from = ds->target;
    }
    lake_query *lq = NULL;
    if ((rc = lake_query_prepare(s, sql, q, NULL, 0, &lq, err)) != ST_OK) {
        delta_snapshot_free(snap);
        return rc;
    }
    const lp_node *root = lake_query_root(lq);
    const delta_metadata *m = snap ? &snap->meta : NULL;
    for (int i = 0; i < root->n_cols; i++) {
        if (ds->column.n_parts &&
            strcasecmp(root->cols[i].name, ds->column.parts[ds->column.n_parts - 1]))
            continue;
        cell(&cl, root->cols[i].name);
        cell(&cl, type_text(a, &root->cols[i].type));
        cell(&cl, m && i < m->schema.n_fields ? field_comment(a, m, i) : NULL);
    }
    lake_query_free(lq);
    if (m && m->n_partition_cols > 0 && !ds->column.n_parts) {
        cell(&cl, "# Partition Information"); cell(&cl, ""); cell(&cl, "");
        cell(&cl, "# col_name"); cell(&cl, "data_type"); cell(&cl, "comment");
        for (int i = 0; i < m->n_partition_cols; i++) {
            int k = m->partition_field[i];
            cell(&cl, m->partition_cols[i]);
            cell(&cl, type_text(a, &m->schema.fields[k].type));
            cell(&cl, field_comment(a, m, k));
        }
    }
    if (ds->kind == SQL_DESC_TABLE_EXTENDED && !ds->column.n_parts) {
        cell(&cl, ""); cell(&cl, ""); cell(&cl, "");
        cell(&cl, "# Detailed Table Information"); cell(&cl, ""); cell(&cl, "");
#define ROW(k, v) do { cell(&cl, k); cell(&cl, v); cell(&cl, ""); } while (0)
        if (lt.in_catalog) {
            ROW("Catalog", lt.catalog);
            ROW("Database", lt.schema);
            ROW("Table", lt.name);
            ROW("Created Time", fmt_time(a, lt.entry.created_ms));
            ROW("Owner", lt.entry.owner ? lt.entry.owner : "");
            ROW("Type", lt.entry.type == CAT_MANAGED ? "MANAGED" : "EXTERNAL");
        }
        if (lt.path) ROW("Location", lt.path);
        if (lt.format) ROW("Provider", lt.format);
        if (m && m->description) ROW("Comment", m->description);
        else if (lt.in_catalog && lt.entry.comment) ROW("Comment", lt.entry.comment);
        if (m) {
            st_buf b;
            st_buf_init(&b);
            st_error e2;
            st_error_init(&e2);
            st_buf_append_byte(&b, '[', &e2);
            for (int i = 0; i < m->n_config; i++)
                st_buf_printf(&b, &e2, "%s%s=%s", i ? "," : "", m->config_keys[i],
                              m->config_values[i]);
            st_buf_append(&b, "]", 2, &e2);
            ROW("Table Properties", b.data ? (const char *)b.data : "[]");
            st_buf_destroy(&b);
            char v[32];
            snprintf(v, sizeof v, "%" PRId64, snap->version);
            ROW("Version", v);
        }
#undef ROW
    }
    delta_snapshot_free(snap);
    const char *names[3] = {"col_name", "data_type", "comment"};
    return cells_result(&cl, "describe", names, 3, out, err);
}

/* ---- entry ------------------------------------------------------------------------ */

st_status lake_run_ddl(ex_session *s, const char *sql, const sql_stmt *st, ex_result **out,
                       st_error *err)
{
    st_arena *a = st_arena_new(0);
    if (!a) return oom(err);
    st_status rc;
    cat_db *db;
    switch (st->kind) {
    case SQL_S_USE:
        rc = run_use(s, st, err);
        break;
    case SQL_S_CREATE: {
        const sql_create *cr = st->create;
        switch (cr->what) {
        case SQL_OBJ_CATALOG:
            rc = ex_session_catalog(s, true, &db, err);
            if (rc == ST_OK)
                rc = cat_catalog_create(db, cr->name.parts[0], cr->comment,
                                        cr->location ? abs_path(a, cr->location) : NULL,
                                        cr->if_not_exists, err);
            break;
        case SQL_OBJ_SCHEMA: {
            const char *c = NULL, *sc = NULL;
            rc = ex_session_catalog(s, true, &db, err);
            if (rc == ST_OK) rc = schema_name(s, &cr->name, &c, &sc, err);
            if (rc == ST_OK)
                rc = cat_schema_create(db, c, sc, cr->comment,
                                       cr->location ? abs_path(a, cr->location) : NULL,
                                       cr->n_props ? json_props(a, cr->props, cr->n_props) : "{}",
                                       cr->if_not_exists, err);
            break;
        }
        case SQL_OBJ_VIEW:
            rc = run_create_view(s, sql, st, a, err);
            break;
        default:
            rc = run_create_table(s, sql, st, a, out, err);
            break;
        }
        break;
    }
    case SQL_S_DROP:
        rc = run_drop(s, sql, st, err);
        break;
    case SQL_S_ALTER:
        rc = run_alter(s, sql, st, a, err);
        break;
    case SQL_S_COMMENT:
        rc = run_comment(s, sql, st, a, err);
        break;
    case SQL_S_SHOW:
        rc = run_show(s, sql, st, a, out, err);
        break;
    case SQL_S_DESCRIBE:
        rc = run_describe(s, sql, st, a, out, err);
        break;
    default:
        rc = st_error_set(err, ST_ERR_INTERNAL, "not a catalog statement");
        break;
    }
    st_arena_free(a);
    return rc;
}
