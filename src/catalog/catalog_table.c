/* catalog_table.c -- tables and views of the metastore: create (with
** replace / if-not-exists), lookup, drop (deleting managed data after the
** commit), rename, update, listing, lookup by location, and the choice of a
** managed table's folder. Database handling is in catalog.c.
**
** Invariants: a table's id never changes (not on rename, not on replace); a
** view has no format and no location, a table always has both; a managed
** table's location lies strictly below the warehouse or a MANAGED LOCATION
** (checked on create, update and again before deleting) and is used by no
** other entry. Names that break the naming rules cannot exist, so lookups and
** drops of such names report "not found"; creates and renames reject them. */
#include "catalog_int.h"

#include <stdio.h>

#define CAT_TABLE_COLS \
    "id, catalog, schema, name, type, format, location, view_sql, comment, options_json, " \
    "schema_json, owner, created_ms"

/* The three normalised parts of a table name. */
typedef struct tname {
    char c[CAT_NAME_MAX + 1];   /* catalog */
    char s[CAT_NAME_MAX + 1];   /* schema */
    char n[CAT_NAME_MAX + 1];   /* table or view */
} tname;

static const char *type_sql(cat_table_type t)
{
    return t == CAT_MANAGED ? "MANAGED" : t == CAT_EXTERNAL ? "EXTERNAL" : "VIEW";
}

static cat_table_type type_parse(const char *s)
{
    if (s && strcmp(s, "MANAGED") == 0)
        return CAT_MANAGED;
    return s && strcmp(s, "EXTERNAL") == 0 ? CAT_EXTERNAL : CAT_VIEW;
}

static const char *kind_of(cat_table_type t)
{
    return t == CAT_VIEW ? "view" : "table";
}

/* Normalises for a create/rename: bad names are ST_ERR_ARGUMENT. */
static st_status tname_new(const char *c, const char *s, const char *n, const char *kind,
                           tname *out, st_error *err)
{
    st_status rc = cat_name_norm("catalog", c, out->c, err);
    if (rc == ST_OK)
        rc = cat_name_norm("schema", s, out->s, err);
    if (rc == ST_OK)
        rc = cat_name_norm(kind, n, out->n, err);
    return rc;
}

/* Normalises for a lookup: false when some part cannot be a stored name. */
static bool tname_lookup(const char *c, const char *s, const char *n, tname *out)
{
    return cat_name_norm("catalog", c, out->c, NULL) == ST_OK &&
           cat_name_norm("schema", s, out->s, NULL) == ST_OK &&
           cat_name_norm("table", n, out->n, NULL) == ST_OK;
}

static st_status not_found(const char *kind, const char *c, const char *s, const char *n,
                           st_error *err)
{
    return st_error_set(err, ST_ERR_NOTFOUND, "%s %s.%s.%s not found", kind, c ? c : "",
                        s ? s : "", n ? n : "");
}

/* Fills a cat_table from a row of CAT_TABLE_COLS. */
static bool fill_table(sqlite3_stmt *st, st_arena *a, void *row)
{
    cat_table *t = row;
    t->id = sqlite3_column_int64(st, 0);
    t->type = type_parse((const char *)sqlite3_column_text(st, 4));
    t->created_ms = sqlite3_column_int64(st, 12);
    return cat_col_text(st, 1, a, &t->catalog) && cat_col_text(st, 2, a, &t->schema) &&
           cat_col_text(st, 3, a, &t->name) && cat_col_text(st, 5, a, &t->format) &&
           cat_col_text(st, 6, a, &t->location) && cat_col_text(st, 7, a, &t->view_sql) &&
           cat_col_text(st, 8, a, &t->comment) && cat_col_text(st, 9, a, &t->options_json) &&
           cat_col_text(st, 10, a, &t->schema_json) && cat_col_text(st, 11, a, &t->owner);
}

/* Reads rows of CAT_TABLE_COLS into an arena array, keeping names matching
** like (NULL: all); finalizes st. */
static st_status read_tables(cat_db *db, sqlite3_stmt *st, const char *like, st_arena *a,
                             cat_table **out, int *n_out, st_error *err)
{
    cat_rows r = { .like = like, .name_col = 3, .elem_size = sizeof(cat_table),
                   .fill = fill_table, .arena = a };
    st_status rc = cat_read_rows(db, st, &r, err);
    *out = r.rows;
    *n_out = r.n_rows;
    return rc;
}

/* Finds the entry c.s.n: *id (0 when missing) and *type. */
static st_status find_entry(cat_db *db, const tname *t, int64_t *id, cat_table_type *type,
                            st_error *err)
{
    sqlite3_stmt *st;
    *id = 0;
    st_status rc = cat_prepare_texts(db, "SELECT id, type FROM tables WHERE catalog = ?1 AND "
                                         "schema = ?2 AND name = ?3",
                                     (const char *const[]){ t->c, t->s, t->n }, &st, err);
    if (rc != ST_OK)
        return rc;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        *type = type_parse((const char *)sqlite3_column_text(st, 1));
    } else if (r != SQLITE_DONE) {
        rc = cat_sql_error(db, "read the metastore", err);
    }
    sqlite3_finalize(st);
    return rc;
}

/* ST_ERR_ARGUMENT when another entry than self_id already uses location. */
static st_status location_free(cat_db *db, const tname *t, const char *location, int64_t self_id,
                               st_error *err)
{
    sqlite3_stmt *st;
    st_status rc = cat_prepare_texts(db, "SELECT catalog || '.' || schema || '.' || name "
                                         "FROM tables WHERE location = ?1 AND id <> ?2 LIMIT 1",
                                     (const char *const[]){ location, NULL }, &st, err);
    if (rc != ST_OK)
        return rc;
    sqlite3_bind_int64(st, 2, self_id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        rc = st_error_set(err, ST_ERR_ARGUMENT,
                          "location \"%s\" of managed table %s.%s.%s is already used by %s",
                          location, t->c, t->s, t->n, (const char *)sqlite3_column_text(st, 0));
    else if (r != SQLITE_DONE)
        rc = cat_sql_error(db, "read the metastore", err);
    sqlite3_finalize(st);
    return rc;
}

/* ---- managed location ----------------------------------------------------------- */

/* True when some entry has location path. */
static st_status location_used(cat_db *db, const char *path, bool *out, st_error *err)
{
    sqlite3_stmt *st;
    st_status rc = cat_prepare_texts(db, "SELECT 1 FROM tables WHERE location = ?1 LIMIT 1",
                                     (const char *const[]){ path }, &st, err);
    if (rc != ST_OK)
        return rc;
    int r = sqlite3_step(st);
    *out = r == SQLITE_ROW;
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        rc = cat_sql_error(db, "read the metastore", err);
    sqlite3_finalize(st);
    return rc;
}

st_status cat_managed_location(cat_db *db, const char *catalog, const char *schema,
                               const char *name, st_arena *a, const char **out,
                               st_error *err)
{
    *out = NULL;
    tname t;
    st_status rc = tname_new(catalog, schema, name, "table", &t, err);
    const char *sloc = NULL, *cloc = NULL;
    if (rc == ST_OK)
        rc = cat_schema_lookup(db, t.c, t.s, a, &sloc, &cloc, err);
    if (rc != ST_OK)
        return rc;
    const char *base = sloc   ? st_arena_printf(a, "%s/%s", sloc, t.n)
                       : cloc ? st_arena_printf(a, "%s/%s/%s", cloc, t.s, t.n)
                              : st_arena_printf(a, "%s/%s/%s/%s",
                                                strcmp(db->warehouse, "/") ? db->warehouse : "",
                                                t.c, t.s, t.n);
    if (!base)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    for (int attempt = 0; attempt < 64; attempt++) {
        const char *cand = base;
        if (attempt > 0) {
            char hex[9];
            cat_random_hex8(hex);
            if (!(cand = st_arena_printf(a, "%s-%s", base, hex)))
                return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        }
        bool used;
        if ((rc = location_used(db, cand, &used, err)) != ST_OK)
            return rc;
        if (!used && cat_dir_free(cand)) {
            *out = cand;
            return ST_OK;
        }
    }
    return st_error_set(err, ST_ERR_IO, "could not find a free folder for table %s.%s.%s near "
                        "\"%s\"", t.c, t.s, t.n, base);
}

/* ---- create --------------------------------------------------------------------- */

/* The checked, normalised fields of a new entry. */
typedef struct new_entry {
    tname          name;
    cat_table_type type;
    char           format[32];    /* lowercase; "" for views */
    char          *location;      /* owned heap, clean absolute; NULL for views */
} new_entry;

static st_status entry_prepare(cat_db *db, const cat_table *t, new_entry *e, st_error *err)
{
    memset(e, 0, sizeof *e);
    if (t->type != CAT_MANAGED && t->type != CAT_EXTERNAL && t->type != CAT_VIEW)
        return st_error_set(err, ST_ERR_ARGUMENT, "invalid table type %d", (int)t->type);
    e->type = t->type;
    const char *kind = kind_of(t->type);
    st_status rc = tname_new(t->catalog, t->schema, t->name, kind, &e->name, err);
    if (rc == ST_OK)
        rc = cat_check_json(db, "options", t->options_json, true, err);
    if (rc == ST_OK)
        rc = cat_check_json(db, "declared schema", t->schema_json, false, err);
    if (rc != ST_OK)
        return rc;
    if (t->type == CAT_VIEW) {
        if (!t->view_sql || !*t->view_sql)
            return st_error_set(err, ST_ERR_ARGUMENT, "view %s.%s.%s has no query text",
                                e->name.c, e->name.s, e->name.n);
        return ST_OK;
    }
    const char *f = t->format && *t->format ? t->format : "delta";
    size_t fl = strlen(f);
    if (fl >= sizeof e->format)
        return st_error_set(err, ST_ERR_ARGUMENT, "invalid format \"%.40s\" for table %s.%s.%s",
                            f, e->name.c, e->name.s, e->name.n);
    for (size_t i = 0; i <= fl; i++)
        e->format[i] = (f[i] >= 'A' && f[i] <= 'Z') ? (char)(f[i] - 'A' + 'a') : f[i];
    if (!t->location || !*t->location)
        return st_error_set(err, ST_ERR_ARGUMENT, "table %s.%s.%s has no location", e->name.c,
                            e->name.s, e->name.n);
    return cat_path_abs(t->location, &e->location, err);
}

/* Binds parameters 1..9 shared by INSERT and UPDATE of a whole entry. */
static void bind_entry(sqlite3_stmt *st, const cat_table *t, const new_entry *e)
{
    bool view = e->type == CAT_VIEW;
    cat_bind_text(st, 1, type_sql(e->type));
    cat_bind_text(st, 2, view ? NULL : e->format);
    cat_bind_text(st, 3, e->location);
    cat_bind_text(st, 4, view ? t->view_sql : NULL);
    cat_bind_text(st, 5, t->comment && *t->comment ? t->comment : NULL);
    cat_bind_text(st, 6, t->options_json ? t->options_json : "{}");
    cat_bind_text(st, 7, t->schema_json);
    cat_bind_text(st, 8, cat_owner());
    sqlite3_bind_int64(st, 9, cat_now_ms());
}

/* Writes the entry (inside the transaction): UPDATE of row id, or INSERT when 0. */
static st_status write_entry(cat_db *db, const cat_table *t, const new_entry *e, int64_t id,
                             st_error *err)
{
    sqlite3_stmt *st;
    st_status rc = cat_prepare(db, id
        ? "UPDATE tables SET type = ?1, format = ?2, location = ?3, view_sql = ?4, "
          "comment = ?5, options_json = ?6, schema_json = ?7, owner = ?8, created_ms = ?9 "
          "WHERE id = ?10"
        : "INSERT INTO tables (type, format, location, view_sql, comment, options_json, "
          "schema_json, owner, created_ms, catalog, schema, name) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", &st, err);
    if (rc != ST_OK)
        return rc;
    bind_entry(st, t, e);
    if (id) {
        sqlite3_bind_int64(st, 10, id);
    } else {
        cat_bind_text(st, 10, e->name.c);
        cat_bind_text(st, 11, e->name.s);
        cat_bind_text(st, 12, e->name.n);
    }
    return cat_exec_stmt(db, st, id ? "replace a table" : "create a table", err);
}

st_status cat_table_create(cat_db *db, const cat_table *t, bool replace, bool if_not_exists,
                           bool *created, st_error *err)
{
    if (created)
        *created = false;
    if (!t)
        return st_error_set(err, ST_ERR_ARGUMENT, "no table to create");
    new_entry e;
    st_status rc = entry_prepare(db, t, &e, err);
    st_arena *a = rc == ST_OK ? st_arena_new(1024) : NULL;
    if (rc == ST_OK && !a)
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    if (rc == ST_OK)
        rc = cat_tx_begin(db, err);
    if (rc != ST_OK) {
        st_free(e.location);
        st_arena_free(a);
        return rc;
    }
    const char *sloc, *cloc;
    int64_t id = 0;
    cat_table_type old_type = CAT_MANAGED;
    bool skip = false;
    rc = cat_schema_lookup(db, e.name.c, e.name.s, a, &sloc, &cloc, err);
    if (rc == ST_OK)
        rc = find_entry(db, &e.name, &id, &old_type, err);
    if (rc == ST_OK && id && !replace) {
        if (if_not_exists)
            skip = true;
        else
            rc = st_error_set(err, ST_ERR_ARGUMENT, "%s %s.%s.%s already exists",
                              kind_of(old_type), e.name.c, e.name.s, e.name.n);
    }
    if (rc == ST_OK && !skip && e.type == CAT_MANAGED) {
        const char *full = st_arena_printf(a, "%s.%s.%s", e.name.c, e.name.s, e.name.n);
        rc = full ? cat_check_managed_path(db, full, e.location, err)
                  : st_error_set(err, ST_ERR_NOMEM, "out of memory");
        if (rc == ST_OK)
            rc = location_free(db, &e.name, e.location, id, err);
    }
    if (rc == ST_OK && !skip)
        rc = write_entry(db, t, &e, id, err);
    rc = cat_tx_end(db, rc, !skip, err);
    if (rc == ST_OK && created)
        *created = !skip;
    st_free(e.location);
    st_arena_free(a);
    return rc;
}

/* ---- lookups -------------------------------------------------------------------- */

st_status cat_table_get(cat_db *db, const char *catalog, const char *schema, const char *name,
                        st_arena *a, cat_table *out, st_error *err)
{
    tname t;
    if (!tname_lookup(catalog, schema, name, &t))
        return not_found("table", catalog, schema, name, err);
    sqlite3_stmt *st;
    st_status rc = cat_prepare_texts(db, "SELECT " CAT_TABLE_COLS " FROM tables WHERE "
                                         "catalog = ?1 AND schema = ?2 AND name = ?3",
                                     (const char *const[]){ t.c, t.s, t.n }, &st, err);
    if (rc != ST_OK)
        return rc;
    cat_table *arr;
    int n;
    if ((rc = read_tables(db, st, NULL, a, &arr, &n, err)) != ST_OK)
        return rc;
    if (n == 0)
        return not_found("table", t.c, t.s, t.n, err);
    *out = arr[0];
    return ST_OK;
}

st_status cat_table_list(cat_db *db, const char *catalog, const char *schema, const char *like,
                         bool views_only, st_arena *a, cat_table **out, int *n_out,
                         st_error *err)
{
    *out = NULL;
    *n_out = 0;
    char c[CAT_NAME_MAX + 1], s[CAT_NAME_MAX + 1];
    if (cat_name_norm("catalog", catalog, c, NULL) != ST_OK ||
        cat_name_norm("schema", schema, s, NULL) != ST_OK)
        return st_error_set(err, ST_ERR_NOTFOUND, "schema %s.%s not found",
                            catalog ? catalog : "", schema ? schema : "");
    const char *sloc, *cloc;
    st_status rc = cat_schema_lookup(db, c, s, a, &sloc, &cloc, err);
    if (rc != ST_OK)
        return rc;
    sqlite3_stmt *st;
    rc = cat_prepare_texts(db, views_only
        ? "SELECT " CAT_TABLE_COLS " FROM tables WHERE catalog = ?1 AND schema = ?2 "
          "AND type = 'VIEW' ORDER BY name"
        : "SELECT " CAT_TABLE_COLS " FROM tables WHERE catalog = ?1 AND schema = ?2 "
          "ORDER BY name", (const char *const[]){ c, s }, &st, err);
    if (rc != ST_OK)
        return rc;
    return read_tables(db, st, like, a, out, n_out, err);
}

st_status cat_table_by_location(cat_db *db, const char *path, st_arena *a, cat_table *out,
                                st_error *err)
{
    char *clean;
    st_status rc = cat_path_abs(path, &clean, err);
    if (rc != ST_OK)
        return rc;
    sqlite3_stmt *st;
    rc = cat_prepare_texts(db, "SELECT " CAT_TABLE_COLS " FROM tables WHERE location = ?1 "
                               "ORDER BY id LIMIT 1", (const char *const[]){ clean }, &st, err);
    if (rc == ST_OK) {
        cat_table *arr;
        int n;
        rc = read_tables(db, st, NULL, a, &arr, &n, err);
        if (rc == ST_OK && n == 0)
            rc = st_error_set(err, ST_ERR_NOTFOUND, "no table has location \"%s\"", clean);
        else if (rc == ST_OK)
            *out = arr[0];
    }
    st_free(clean);
    return rc;
}

/* ---- drop, rename, update ------------------------------------------------------------ */

st_status cat_table_drop(cat_db *db, const char *catalog, const char *schema, const char *name,
                         bool want_view, bool if_exists, st_error *err)
{
    const char *kind = want_view ? "view" : "table";
    tname t;
    if (!tname_lookup(catalog, schema, name, &t))
        return if_exists ? ST_OK : not_found(kind, catalog, schema, name, err);
    st_arena *a = st_arena_new(1024);
    if (!a)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    cat_drop_list l = { 0 };
    int64_t id = 0;
    cat_table_type type = CAT_MANAGED;
    st_status rc = cat_tx_begin(db, err);
    if (rc == ST_OK)
        rc = find_entry(db, &t, &id, &type, err);
    if (rc == ST_OK && !id)
        rc = not_found(kind, t.c, t.s, t.n, err);
    if (rc == ST_OK && want_view != (type == CAT_VIEW))
        rc = st_error_set(err, ST_ERR_ARGUMENT, "%s.%s.%s is a %s, use DROP %s", t.c, t.s, t.n,
                          kind_of(type), type == CAT_VIEW ? "VIEW" : "TABLE");
    if (rc == ST_OK)
        rc = cat_drop_list_collect(db, t.c, t.s, t.n, a, &l, err);
    sqlite3_stmt *st;
    if (rc == ST_OK && (rc = cat_prepare(db, "DELETE FROM tables WHERE id = ?1", &st, err)) ==
                           ST_OK) {
        sqlite3_bind_int64(st, 1, id);
        rc = cat_exec_stmt(db, st, "drop a table", err);
    }
    rc = cat_drop_finish(cat_tx_end(db, rc, true, err), if_exists, &l, err);
    st_arena_free(a);
    return rc;
}

st_status cat_table_rename(cat_db *db, const char *catalog, const char *schema,
                           const char *name, const char *new_schema, const char *new_name,
                           st_error *err)
{
    tname from, to;
    if (!tname_lookup(catalog, schema, name, &from))
        return not_found("table", catalog, schema, name, err);
    st_status rc = tname_new(catalog, new_schema ? new_schema : schema, new_name, "table", &to,
                             err);
    st_arena *a = rc == ST_OK ? st_arena_new(1024) : NULL;
    if (rc == ST_OK && !a)
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    if (rc == ST_OK)
        rc = cat_tx_begin(db, err);
    if (rc != ST_OK) {
        st_arena_free(a);
        return rc;
    }
    int64_t id, other;
    cat_table_type type, other_type;
    const char *sloc, *cloc;
    rc = find_entry(db, &from, &id, &type, err);
    if (rc == ST_OK && !id)
        rc = not_found("table", from.c, from.s, from.n, err);
    if (rc == ST_OK)
        rc = cat_schema_lookup(db, to.c, to.s, a, &sloc, &cloc, err);
    if (rc == ST_OK)
        rc = find_entry(db, &to, &other, &other_type, err);
    if (rc == ST_OK && other && other != id)
        rc = st_error_set(err, ST_ERR_ARGUMENT, "%s %s.%s.%s already exists",
                          kind_of(other_type), to.c, to.s, to.n);
    sqlite3_stmt *st;
    if (rc == ST_OK &&
        (rc = cat_prepare_texts(db, "UPDATE tables SET schema = ?1, name = ?2 WHERE id = ?3",
                                (const char *const[]){ to.s, to.n, NULL }, &st, err)) == ST_OK) {
        sqlite3_bind_int64(st, 3, id);
        rc = cat_exec_stmt(db, st, "rename a table", err);
    }
    rc = cat_tx_end(db, rc, true, err);
    st_arena_free(a);
    return rc;
}

/* Checks the update's fields against the entry's type (inside the transaction). */
static st_status update_check(cat_db *db, const tname *t, cat_table_type type,
                              const char *location, const char *view_sql, st_error *err)
{
    if (view_sql && type != CAT_VIEW)
        return st_error_set(err, ST_ERR_ARGUMENT, "table %s.%s.%s is not a view", t->c, t->s,
                            t->n);
    if (location && type == CAT_VIEW)
        return st_error_set(err, ST_ERR_ARGUMENT, "view %s.%s.%s cannot have a location", t->c,
                            t->s, t->n);
    if (!location || type != CAT_MANAGED)
        return ST_OK;
    char full[3 * (CAT_NAME_MAX + 1)];
    snprintf(full, sizeof full, "%s.%s.%s", t->c, t->s, t->n);
    return cat_check_managed_path(db, full, location, err);
}

st_status cat_table_update(cat_db *db, const char *catalog, const char *schema,
                           const char *name, const char *comment, const char *options_json,
                           const char *schema_json, const char *location, const char *view_sql,
                           st_error *err)
{
    tname t;
    if (!tname_lookup(catalog, schema, name, &t))
        return not_found("table", catalog, schema, name, err);
    st_status rc = cat_check_json(db, "options", options_json, true, err);
    if (rc == ST_OK)
        rc = cat_check_json(db, "declared schema", schema_json, false, err);
    char *loc = NULL;
    if (rc == ST_OK && location)
        rc = cat_path_abs(location, &loc, err);
    if (rc == ST_OK)
        rc = cat_tx_begin(db, err);
    if (rc != ST_OK) {
        st_free(loc);
        return rc;
    }
    int64_t id;
    cat_table_type type;
    rc = find_entry(db, &t, &id, &type, err);
    if (rc == ST_OK && !id)
        rc = not_found("table", t.c, t.s, t.n, err);
    if (rc == ST_OK)
        rc = update_check(db, &t, type, loc, view_sql, err);
    if (rc == ST_OK && loc && type == CAT_MANAGED)
        rc = location_free(db, &t, loc, id, err);
    sqlite3_stmt *st;
    if (rc == ST_OK && (rc = cat_prepare_texts(db,
            "UPDATE tables SET "
            "comment = CASE WHEN ?1 IS NULL THEN comment WHEN ?1 = '' THEN NULL ELSE ?1 END, "
            "options_json = coalesce(?2, options_json), "
            "schema_json = coalesce(?3, schema_json), location = coalesce(?4, location), "
            "view_sql = coalesce(?5, view_sql) WHERE id = ?6",
            (const char *const[]){ comment, options_json, schema_json, loc, view_sql, NULL },
            &st, err)) == ST_OK) {
        sqlite3_bind_int64(st, 6, id);
        rc = cat_exec_stmt(db, st, "update a table", err);
    }
    st_free(loc);
    return cat_tx_end(db, rc, true, err);
}
