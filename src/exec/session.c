/* session.c -- the SQL session: settings, registered tables and views, and
** the statement runner (parse -> bind -> optimize -> physical plan -> run
** -> result). See session.h for the statements and settings it knows.
**
** Each query gets its own lp_ctx (the bound plan, snapshots it loaded) and
** ex_query (operators, memory accounting); both are freed before the result
** is handed back, which owns only its batches and schema. */
#include "lake.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/time.h>
#include <unistd.h>

#include "../sql/opt.h"
#include "../delta/delta.h"

typedef struct reg_entry {
    char           *name;        /* heap */
    bind_table_kind kind;
    lp_source_kind  format;
    char           *text;        /* heap: path or view SQL */
} reg_entry;

typedef struct kv {
    char *key, *value;           /* heap */
} kv;

struct ex_session {
    char        *warehouse;      /* heap or NULL */
    ex_settings  set;
    bool         ansi;
    reg_entry   *reg;
    int          n_reg, cap_reg;
    kv          *extra;          /* other settings as given */
    int          n_extra, cap_extra;
    cat_db      *cat;            /* owned: the warehouse's catalog, opened on first use */
    ml_store    *ml;             /* owned: its tracking store and registry, likewise */
    char        *cur_catalog;    /* heap: USE CATALOG (default "main") */
    char        *cur_schema;     /* heap: USE SCHEMA (default "default") */
    const lake_overlay *ov;      /* names a lake statement's query sees first */
    int          n_ov;
};

void ex_result_free(ex_result *r)
{
    if (!r) return;
    for (int i = 0; i < r->n_batches; i++) vec_batch_free(r->batches[i]);
    st_free(r->batches);
    st_arena_free(r->arena);
    st_free(r);
}

st_status ex_session_new(const char *warehouse, ex_session **out, st_error *err)
{
    ex_session *s = st_calloc(1, sizeof *s);
    if (!s) return st_error_set(err, ST_ERR_NOMEM, "out of memory creating a session");
    ex_settings_default(&s->set);
    s->set.temp_dir = NULL;
    s->ansi = true;
    if (warehouse && !(s->warehouse = st_strdup(warehouse))) {
        st_free(s);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory creating a session");
    }
    *out = s;
    return ST_OK;
}

void ex_session_free(ex_session *s)
{
    if (!s) return;
    for (int i = 0; i < s->n_reg; i++) {
        st_free(s->reg[i].name);
        st_free(s->reg[i].text);
    }
    st_free(s->reg);
    for (int i = 0; i < s->n_extra; i++) {
        st_free(s->extra[i].key);
        st_free(s->extra[i].value);
    }
    st_free(s->extra);
    st_free((char *)s->set.temp_dir);
    st_free(s->warehouse);
    cat_close(s->cat);
    ml_store_close(s->ml);
    st_free(s->cur_catalog);
    st_free(s->cur_schema);
    st_free(s);
}

/* ---- catalog ------------------------------------------------------------------- */

static const char *warehouse_dir(const ex_session *s)
{
    if (s->warehouse) return s->warehouse;
    const char *e = getenv("STRATA_WAREHOUSE");
    return e && *e ? e : "warehouse";
}

st_status ex_session_catalog(ex_session *s, bool create, cat_db **out, st_error *err)
{
    if (!s->cat) {
        const char *w = warehouse_dir(s);
        char path[4096];
        snprintf(path, sizeof path, "%s/metastore.db", w);
        if (!create && access(path, F_OK) != 0)
            return st_error_set(err, ST_ERR_NOTFOUND, "no warehouse at %s", w);
        st_status rc = cat_open(w, &s->cat, err);
        if (rc != ST_OK) return rc;
    }
    *out = s->cat;
    return ST_OK;
}

st_status ex_session_ml(ex_session *s, ml_store **out, st_error *err)
{
    if (!s->ml) {
        cat_db *db;
        st_status rc = ex_session_catalog(s, true, &db, err);   /* the warehouse first */
        if (rc == ST_OK) rc = ml_store_open(warehouse_dir(s), &s->ml, err);
        if (rc != ST_OK) return rc;
    }
    *out = s->ml;
    return ST_OK;
}

const char *ex_session_current_catalog(const ex_session *s)
{
    return s->cur_catalog ? s->cur_catalog : CAT_DEFAULT_CATALOG;
}

const char *ex_session_current_schema(const ex_session *s)
{
    return s->cur_schema ? s->cur_schema : CAT_DEFAULT_SCHEMA;
}

st_status ex_session_use(ex_session *s, const char *catalog, const char *schema, st_error *err)
{
    cat_db *db;
    st_status rc = ex_session_catalog(s, true, &db, err);
    if (rc != ST_OK) return rc;
    st_arena *a = st_arena_new(0);
    if (!a) return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    cat_object o;
    const char *c = catalog ? catalog : ex_session_current_catalog(s);
    if (schema) rc = cat_schema_get(db, c, schema, a, &o, err);
    else rc = cat_catalog_get(db, c, a, &o, err);
    st_arena_free(a);
    if (rc != ST_OK) return rc;
    char *nc = st_strdup(c), *ns = st_strdup(schema ? schema : CAT_DEFAULT_SCHEMA);
    if (!nc || !ns) {
        st_free(nc);
        st_free(ns);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    }
    for (char *p = nc; *p; p++) *p = (char)tolower((unsigned char)*p);
    for (char *p = ns; *p; p++) *p = (char)tolower((unsigned char)*p);
    st_free(s->cur_catalog);
    st_free(s->cur_schema);
    s->cur_catalog = nc;
    s->cur_schema = ns;
    return ST_OK;
}

st_status ex_session_unregister(ex_session *s, const char *name, st_error *err)
{
    for (int i = 0; i < s->n_reg; i++)
        if (!strcasecmp(s->reg[i].name, name)) {
            st_free(s->reg[i].name);
            st_free(s->reg[i].text);
            s->reg[i] = s->reg[--s->n_reg];
            return ST_OK;
        }
    return st_error_set(err, ST_ERR_NOTFOUND, "'%s' is not registered", name);
}

int ex_session_n_registered(const ex_session *s)
{
    return s->n_reg;
}

const char *ex_session_registered(const ex_session *s, int i, bool *is_view, const char **text,
                                  lp_source_kind *format)
{
    *is_view = s->reg[i].kind == BIND_TABLE_VIEW;
    *text = s->reg[i].text;
    *format = s->reg[i].format;
    return s->reg[i].name;
}

int ex_session_n_extra(const ex_session *s)
{
    return s->n_extra;
}

const char *ex_session_extra_at(const ex_session *s, int i, const char **value)
{
    *value = s->extra[i].value;
    return s->extra[i].key;
}

const char *ex_session_extra(const ex_session *s, const char *key)
{
    for (int i = 0; i < s->n_extra; i++)
        if (!strcasecmp(s->extra[i].key, key)) return s->extra[i].value;
    return NULL;
}

bool ex_session_flag(const ex_session *s, const char *key, bool def)
{
    const char *v = ex_session_extra(s, key);
    if (!v) return def;
    while (*v == '\'' || *v == '"' || *v == ' ') v++;
    return !strncasecmp(v, "true", 4);
}

static st_status reg_put(ex_session *s, const char *name, bind_table_kind kind,
                         lp_source_kind format, const char *text, st_error *err)
{
    char *n = st_strdup(name), *t = st_strdup(text);
    if (!n || !t) {
        st_free(n);
        st_free(t);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory registering '%s'", name);
    }
    for (int i = 0; i < s->n_reg; i++) {
        if (strcasecmp(s->reg[i].name, name) == 0) {
            st_free(s->reg[i].name);
            st_free(s->reg[i].text);
            s->reg[i] = (reg_entry){n, kind, format, t};
            return ST_OK;
        }
    }
    if (s->n_reg == s->cap_reg) {
        int cap = s->cap_reg ? s->cap_reg * 2 : 8;
        reg_entry *r = st_realloc(s->reg, (size_t)cap * sizeof *r);
        if (!r) {
            st_free(n);
            st_free(t);
            return st_error_set(err, ST_ERR_NOMEM, "out of memory registering '%s'", name);
        }
        s->reg = r;
        s->cap_reg = cap;
    }
    s->reg[s->n_reg++] = (reg_entry){n, kind, format, t};
    return ST_OK;
}

st_status ex_session_register(ex_session *s, const char *name, lp_source_kind format,
                              const char *path, st_error *err)
{
    return reg_put(s, name, BIND_TABLE_SOURCE, format, path, err);
}

st_status ex_session_register_view(ex_session *s, const char *name, const char *sql,
                                   st_error *err)
{
    return reg_put(s, name, BIND_TABLE_VIEW, LP_SRC_DELTA, sql, err);
}

/* ---- settings ------------------------------------------------------------------ */

static bool parse_bytes(const char *v, int64_t *out)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || d < 0) return false;
    while (*end == ' ') end++;
    double mul = 1;
    if (*end) {
        char u[8] = {0};
        size_t k = 0;
        while (*end && k < sizeof u - 1) u[k++] = (char)tolower((unsigned char)*end++);
        if (*end) return false;
        if (!strcmp(u, "b")) mul = 1;
        else if (!strcmp(u, "k") || !strcmp(u, "kb") || !strcmp(u, "kib")) mul = 1024.0;
        else if (!strcmp(u, "m") || !strcmp(u, "mb") || !strcmp(u, "mib")) mul = 1048576.0;
        else if (!strcmp(u, "g") || !strcmp(u, "gb") || !strcmp(u, "gib")) mul = 1073741824.0;
        else if (!strcmp(u, "t") || !strcmp(u, "tb") || !strcmp(u, "tib")) mul = 1099511627776.0;
        else return false;
    }
    d *= mul;
    if (d > 9e18) return false;
    *out = (int64_t)d;
    return true;
}

static bool parse_bool(const char *v, bool *out)
{
    if (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "on")) { *out = true; return true; }
    if (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "off")) { *out = false; return true; }
    return false;
}

/* An integer in [lo, hi] with nothing after it. */
static bool parse_count(const char *v, long lo, long hi, long *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (end == v || *end || n < lo || n > hi)
        return false;
    *out = n;
    return true;
}

static const char *const KNOWN[] = {"threads", "memory_limit", "temp_directory",
                                    "spark.sql.ansi.enabled", "spark.sql.session.timeZone",
                                    "batch_rows", NULL};

/* Strips matching quotes from a SET value. */
static const char *unquote(const char *v, char *buf, size_t n)
{
    size_t len = strlen(v);
    if (len >= 2 && (v[0] == '\'' || v[0] == '"') && v[len - 1] == v[0] && len - 2 < n) {
        memcpy(buf, v + 1, len - 2);
        buf[len - 2] = 0;
        return buf;
    }
    return v;
}

st_status ex_session_set(ex_session *s, const char *key, const char *value, st_error *err)
{
    ex_settings def;
    ex_settings_default(&def);
    char vb[1024];
    if (value) value = unquote(value, vb, sizeof vb);
    if (!strcasecmp(key, "threads")) {
        if (!value) { s->set.threads = def.threads; return ST_OK; }
        long n;
        if (!parse_count(value, 1, 1024, &n))
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "setting threads: '%s' is not a thread count (1..1024)", value);
        s->set.threads = (int)n;
        return ST_OK;
    }
    if (!strcasecmp(key, "memory_limit")) {
        if (!value) { s->set.memory_limit = def.memory_limit; return ST_OK; }
        int64_t b;
        if (!parse_bytes(value, &b) || b < 1)
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "setting memory_limit: '%s' is not a size (e.g. 4GB, 512MB)",
                                value);
        s->set.memory_limit = b;
        return ST_OK;
    }
    if (!strcasecmp(key, "batch_rows")) {
        if (!value) { s->set.batch_rows = def.batch_rows; return ST_OK; }
        long n;
        if (!parse_count(value, 1, 1 << 20, &n))
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "setting batch_rows: '%s' is not a row count (1..1048576)", value);
        s->set.batch_rows = n;
        return ST_OK;
    }
    if (!strcasecmp(key, "temp_directory")) {
        char *d = value ? st_strdup(value) : NULL;
        if (value && !d) return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        st_free((char *)s->set.temp_dir);
        s->set.temp_dir = d;
        return ST_OK;
    }
    if (!strcasecmp(key, "spark.sql.ansi.enabled")) {
        if (!value) { s->ansi = true; return ST_OK; }
        if (!parse_bool(value, &s->ansi))
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "setting spark.sql.ansi.enabled: '%s' is not true or false", value);
        return ST_OK;
    }
    if (!strcasecmp(key, "spark.sql.session.timeZone")) {
        if (value && strcasecmp(value, "UTC") && strcasecmp(value, "Etc/UTC") &&
            strcasecmp(value, "GMT") && strcmp(value, "+00:00"))
            return st_error_set(err, ST_ERR_UNSUPPORTED,
                                "setting spark.sql.session.timeZone: only UTC is supported, not '%s'",
                                value);
        return ST_OK;
    }
    if (strncasecmp(key, "spark.", 6) && strncasecmp(key, "delta.", 6) &&
        strncasecmp(key, "strata.", 7))
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "unknown setting '%s' (known: threads, memory_limit, temp_directory, "
                            "batch_rows, spark.sql.ansi.enabled, spark.sql.session.timeZone, "
                            "spark.* / delta.* options)",
                            key);
    for (int i = 0; i < s->n_extra; i++) {
        if (strcasecmp(s->extra[i].key, key) == 0) {
            st_free(s->extra[i].value);
            if (!value) {
                st_free(s->extra[i].key);
                s->extra[i] = s->extra[--s->n_extra];
                return ST_OK;
            }
            if (!(s->extra[i].value = st_strdup(value)))
                return st_error_set(err, ST_ERR_NOMEM, "out of memory");
            return ST_OK;
        }
    }
    if (!value) return ST_OK;
    if (s->n_extra == s->cap_extra) {
        int cap = s->cap_extra ? s->cap_extra * 2 : 8;
        kv *n = st_realloc(s->extra, (size_t)cap * sizeof *n);
        if (!n) return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        s->extra = n;
        s->cap_extra = cap;
    }
    kv e = {st_strdup(key), st_strdup(value)};
    if (!e.key || !e.value) {
        st_free(e.key);
        st_free(e.value);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    }
    s->extra[s->n_extra++] = e;
    return ST_OK;
}

bool ex_session_get(const ex_session *s, const char *key, char *buf, size_t n)
{
    if (!strcasecmp(key, "threads")) snprintf(buf, n, "%d", s->set.threads);
    else if (!strcasecmp(key, "memory_limit")) {
        double g = (double)s->set.memory_limit / 1073741824.0;
        if (g >= 1) snprintf(buf, n, "%.1fGB", g);
        else snprintf(buf, n, "%.1fMB", (double)s->set.memory_limit / 1048576.0);
    } else if (!strcasecmp(key, "temp_directory")) {
        const char *t = getenv("TMPDIR");
        snprintf(buf, n, "%s", s->set.temp_dir ? s->set.temp_dir : t && *t ? t : "/tmp");
    } else if (!strcasecmp(key, "batch_rows")) snprintf(buf, n, "%lld", (long long)s->set.batch_rows);
    else if (!strcasecmp(key, "spark.sql.ansi.enabled")) snprintf(buf, n, "%s", s->ansi ? "true" : "false");
    else if (!strcasecmp(key, "spark.sql.session.timeZone")) snprintf(buf, n, "UTC");
    else {
        for (int i = 0; i < s->n_extra; i++)
            if (strcasecmp(s->extra[i].key, key) == 0) {
                snprintf(buf, n, "%s", s->extra[i].value);
                return true;
            }
        return false;
    }
    return true;
}

/* ---- results ------------------------------------------------------------------- */

static st_status result_new(const char *stmt, ex_result **out, st_error *err)
{
    ex_result *r = st_calloc(1, sizeof *r);
    if (!r || !(r->arena = st_arena_new(0))) {
        st_free(r);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory building a result");
    }
    r->statement = stmt;
    *out = r;
    return ST_OK;
}

/* A result of string columns from rows of text (names[0..n_cols)). */
/* One cell's text appended to b as type t (STRING, BIGINT, BOOLEAN,
** TIMESTAMP); text that does not parse becomes NULL. */
static st_status append_typed(vec_builder *vb, vec_type_id t, const char *v, st_error *err)
{
    if (!v) return vec_builder_append_null(vb, err);
    switch (t) {
    case VEC_INT64: {
        char *end;
        long long x = strtoll(v, &end, 10);
        return end == v || *end ? vec_builder_append_null(vb, err)
                                : vec_builder_append_i64(vb, x, err);
    }
    case VEC_BOOL:
        return vec_builder_append_bool(vb, !strcasecmp(v, "true"), err);
    case VEC_DOUBLE: {
        char *end;
        double x = strtod(v, &end);
        return end == v || *end ? vec_builder_append_null(vb, err)
                                : vec_builder_append_f64(vb, x, err);
    }
    case VEC_TIMESTAMP: {
        int64_t us;
        return delta_parse_timestamp(v, &us) ? vec_builder_append_i64(vb, us, err)
                                             : vec_builder_append_null(vb, err);
    }
    default:
        return vec_builder_append_bytes(vb, v, strlen(v), err);
    }
}

static st_status typed_result(const char *stmt, const char *const *names,
                              const vec_type_id *types, int n_cols, const char *const *cells,
                              int64_t n_rows, ex_result **out, st_error *err)
{
    ex_result *r;
    st_status rc = result_new(stmt, &r, err);
    if (rc != ST_OK) return rc;
    r->schema.n_fields = n_cols;
    r->schema.fields = st_arena_calloc(r->arena, (size_t)n_cols, sizeof *r->schema.fields);
    if (!r->schema.fields) { ex_result_free(r); return st_error_set(err, ST_ERR_NOMEM, "out of memory"); }
    for (int c = 0; c < n_cols; c++) {
        r->schema.fields[c].name = st_arena_strdup(r->arena, names[c]);
        r->schema.fields[c].type.id = types ? types[c] : VEC_STRING;
        r->schema.fields[c].nullable = true;
    }
    if (n_rows > 0) {
        vec_batch *b = vec_batch_new(&r->schema, n_cols, 0);
        r->batches = st_calloc(1, sizeof *r->batches);
        if (!b || !r->batches) {
            vec_batch_free(b);
            ex_result_free(r);
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        }
        r->batches[0] = b;
        r->n_batches = 1;
        for (int c = 0; c < n_cols && rc == ST_OK; c++) {
            vec_builder *vb = vec_builder_new(&r->schema.fields[c].type);
            if (!vb) { rc = st_error_set(err, ST_ERR_NOMEM, "out of memory"); break; }
            for (int64_t i = 0; i < n_rows && rc == ST_OK; i++)
                rc = append_typed(vb, r->schema.fields[c].type.id, cells[i * n_cols + c], err);
            if (rc == ST_OK) rc = vec_builder_finish(vb, b->arena, &b->cols[c], err);
            vec_builder_free(vb);
        }
        b->n_rows = n_rows;
        r->n_rows = n_rows;
        if (rc != ST_OK) { ex_result_free(r); return rc; }
    }
    *out = r;
    return ST_OK;
}

static st_status text_result(const char *stmt, const char *const *names, int n_cols,
                             const char *const *cells, int64_t n_rows, ex_result **out,
                             st_error *err)
{
    return typed_result(stmt, names, NULL, n_cols, cells, n_rows, out, err);
}

st_status lake_text_result(const char *stmt, const char *const *names, int n_cols,
                           const char *const *cells, int64_t n_rows, ex_result **out,
                           st_error *err)
{
    return typed_result(stmt, names, NULL, n_cols, cells, n_rows, out, err);
}

st_status lake_typed_result(const char *stmt, const char *const *names,
                            const vec_type_id *types, int n_cols, const char *const *cells,
                            int64_t n_rows, ex_result **out, st_error *err)
{
    return typed_result(stmt, names, types, n_cols, cells, n_rows, out, err);
}

st_status lake_int_result(const char *stmt, const char *const *names, int n_cols,
                          const int64_t *vals, ex_result **out, st_error *err)
{
    ex_result *r;
    st_status rc = result_new(stmt, &r, err);
    if (rc != ST_OK) return rc;
    r->schema.n_fields = n_cols;
    r->schema.fields = st_arena_calloc(r->arena, (size_t)n_cols + 1, sizeof *r->schema.fields);
    vec_batch *b = vec_batch_new(&r->schema, n_cols, 0);
    r->batches = st_calloc(1, sizeof *r->batches);
    if (!r->schema.fields || !b || !r->batches) {
        vec_batch_free(b);
        ex_result_free(r);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    }
    r->batches[0] = b;
    r->n_batches = 1;
    for (int c = 0; c < n_cols; c++) {
        vec_field *f = &r->schema.fields[c];
        f->name = st_arena_strdup(r->arena, names[c]);
        f->type.id = VEC_INT64;
        f->nullable = false;
        if (!f->name || !(b->cols[c] = vec_new(b->arena, &f->type, 1))) {
            ex_result_free(r);
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        }
        ((int64_t *)b->cols[c]->values)[0] = vals[c];
    }
    b->n_rows = r->n_rows = 1;
    *out = r;
    return ST_OK;
}

/* ---- binding environment --------------------------------------------------------- */

static lp_source_kind format_of(const char *f)
{
    lp_source_kind k = LP_SRC_DELTA;
    if (f) lp_source_kind_parse(f, &k);
    return k;
}

st_status ex_session_lookup(ex_session *s, const char *const *parts, int n_parts, st_arena *a,
                            bind_table *out, st_error *err)
{
    if (n_parts < 1) return ST_ERR_NOTFOUND;
    const char *name = parts[n_parts - 1];
    if (n_parts == 1)
        for (int i = 0; i < s->n_ov; i++)
            if (!strcasecmp(s->ov[i].name, name)) {
                *out = s->ov[i].table;
                return ST_OK;
            }
    /* Session names are one-part; "default.x" and "main.default.x" reach them too. */
    bool session_name = n_parts == 1 || !strcasecmp(parts[n_parts - 2], "default");
    for (int i = 0; session_name && i < s->n_reg; i++) {
        if (strcasecmp(s->reg[i].name, name) != 0) continue;
        memset(out, 0, sizeof *out);
        out->kind = s->reg[i].kind;
        out->format = s->reg[i].format;
        out->name = st_arena_strdup(a, s->reg[i].name);
        if (out->kind == BIND_TABLE_SOURCE) out->path = st_arena_strdup(a, s->reg[i].text);
        else out->sql = st_arena_strdup(a, s->reg[i].text);
        if (!out->name || (!out->path && !out->sql))
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        return ST_OK;
    }
    if (n_parts > 3) return ST_ERR_NOTFOUND;
    cat_db *db;
    st_error tmp;
    st_error_init(&tmp);
    if (ex_session_catalog(s, false, &db, &tmp) != ST_OK) return ST_ERR_NOTFOUND;
    const char *c = n_parts == 3 ? parts[0] : ex_session_current_catalog(s);
    const char *sc = n_parts >= 2 ? parts[n_parts - 2] : ex_session_current_schema(s);
    cat_table t;
    st_status rc = cat_table_get(db, c, sc, name, a, &t, err);
    if (rc == ST_ERR_NOTFOUND) {
        st_error_init(err);
        return ST_ERR_NOTFOUND;
    }
    if (rc != ST_OK) return rc;
    memset(out, 0, sizeof *out);
    char *full = st_arena_alloc(a, strlen(t.catalog) + strlen(t.schema) + strlen(t.name) + 3);
    if (!full) return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    sprintf(full, "%s.%s.%s", t.catalog, t.schema, t.name);
    out->name = full;
    if (t.type == CAT_VIEW) {
        out->kind = BIND_TABLE_VIEW;
        out->sql = t.view_sql;
    } else {
        out->kind = BIND_TABLE_SOURCE;
        out->format = format_of(t.format);
        out->path = t.location;
        out->options_json = t.options_json;
    }
    return ST_OK;
}

static st_status session_lookup(void *ud, const char *const *parts, int n_parts, st_arena *a,
                                bind_table *out, st_error *err)
{
    return ex_session_lookup(ud, parts, n_parts, a, out, err);
}

static int64_t now_micros(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* ---- queries ------------------------------------------------------------------- */

typedef struct qrun {
    lp_ctx   *lp;
    ex_query *q;
    lp_node  *root;
    ex_plan  *plan;
} qrun;

static void qrun_free(qrun *r)
{
    ex_query_free(r->q);
    lp_ctx_free(r->lp);
    memset(r, 0, sizeof *r);
}

static st_status qrun_prepare(ex_session *s, const char *sql, const sql_query *query, qrun *r,
                              st_error *err)
{
    fn_context fc = {.ansi = s->ansi, .now_micros = now_micros(), .time_zone = "UTC"};
    memset(r, 0, sizeof *r);
    r->lp = lp_ctx_new(sql, &fc);
    if (!r->lp) return st_error_set(err, ST_ERR_NOMEM, "out of memory planning a query");
    bind_env env = {s, session_lookup, lake_ml_table_func, lake_ml_model};
    st_status rc = sql_bind(r->lp, &env, query, &r->root, err);
    if (rc != ST_OK) return rc;
    opt_options oo = {0};
    if ((rc = opt_optimize(r->lp, &oo, &r->root, err)) != ST_OK) return rc;
    ex_settings set = s->set;
    if (!set.temp_dir) {
        const char *t = getenv("TMPDIR");
        set.temp_dir = t && *t ? t : "/tmp";
    }
    r->q = ex_query_new(&set, &fc, r->lp);
    if (!r->q) return st_error_set(err, ST_ERR_NOMEM, "out of memory planning a query");
    return ex_plan_build(r->q, r->root, &r->plan, err);
}

struct lake_query {
    qrun r;
};

st_status lake_query_prepare(ex_session *s, const char *sql, const sql_query *q,
                             const lake_overlay *ov, int n_ov, lake_query **out, st_error *err)
{
    lake_query *lq = st_calloc(1, sizeof *lq);
    if (!lq) return st_error_set(err, ST_ERR_NOMEM, "out of memory planning a query");
    const lake_overlay *old = s->ov;
    int old_n = s->n_ov;
    s->ov = ov;
    s->n_ov = n_ov;
    st_status rc = qrun_prepare(s, sql, q, &lq->r, err);
    s->ov = old;
    s->n_ov = old_n;
    if (rc != ST_OK) {
        lake_query_free(lq);
        return rc;
    }
    *out = lq;
    return ST_OK;
}

const lp_node *lake_query_root(const lake_query *lq)
{
    return lq->r.root;
}

st_status lake_query_run(lake_query *lq, ex_collect_fn fn, void *ud, int64_t *rows,
                         st_error *err)
{
    ex_collect_set_fn(lq->r.plan->root, fn, ud);
    st_status rc = ex_plan_run(lq->r.q, lq->r.plan, err);
    if (rows) {
        vec_batch **b;
        int nb;
        ex_collect_take(lq->r.plan->root, &b, &nb, rows);
        for (int i = 0; i < nb; i++) vec_batch_free(b[i]);
        st_free(b);
    }
    return rc;
}

void lake_query_free(lake_query *lq)
{
    if (!lq) return;
    qrun_free(&lq->r);
    st_free(lq);
}

static st_status run_query(ex_session *s, const char *sql, const sql_query *query,
                           ex_result **out, st_error *err)
{
    qrun r;
    st_status rc = qrun_prepare(s, sql, query, &r, err);
    if (rc == ST_OK) rc = ex_plan_run(r.q, r.plan, err);
    ex_result *res = NULL;
    if (rc == ST_OK) rc = result_new("query", &res, err);
    if (rc == ST_OK) {
        const lp_node *root = r.root;
        res->schema.n_fields = root->n_cols;
        res->schema.fields = st_arena_calloc(res->arena, (size_t)root->n_cols + 1,
                                             sizeof *res->schema.fields);
        if (!res->schema.fields) rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
        for (int i = 0; rc == ST_OK && i < root->n_cols; i++) {
            vec_field *f = &res->schema.fields[i];
            f->name = st_arena_strdup(res->arena, root->cols[i].name ? root->cols[i].name : "?");
            f->nullable = root->cols[i].nullable;
            rc = vec_type_copy(res->arena, &root->cols[i].type, &f->type, err);
        }
    }
    if (rc == ST_OK) {
        ex_collect_take(r.plan->root, &res->batches, &res->n_batches, &res->n_rows);
        for (int i = 0; i < res->n_batches; i++) {
            res->batches[i]->schema = &res->schema;
            /* Point each column at the result's own (longer-lived) types. */
            for (int c = 0; c < res->batches[i]->n_cols && c < res->schema.n_fields; c++)
                vec_set_type(res->batches[i]->cols[c], &res->schema.fields[c].type);
        }
    }
    qrun_free(&r);
    if (rc != ST_OK) {
        ex_result_free(res);
        return rc;
    }
    *out = res;
    return ST_OK;
}

/* Splits text into lines as rows of a one-column result. */
static st_status lines_result(const char *stmt, const char *col, const char *text,
                              ex_result **out, st_error *err)
{
    int64_t n = 0, cap = 16;
    const char **rows = st_malloc((size_t)cap * sizeof *rows);
    char *copy = st_strdup(text);
    if (!rows || !copy) {
        st_free(rows);
        st_free(copy);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    }
    for (char *p = copy; *p;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        if (n == cap) {
            cap *= 2;
            const char **g = st_realloc(rows, (size_t)cap * sizeof *g);
            if (!g) {
                st_free(rows);
                st_free(copy);
                return st_error_set(err, ST_ERR_NOMEM, "out of memory");
            }
            rows = g;
        }
        rows[n++] = p;
        if (!nl) break;
        p = nl + 1;
    }
    const char *names[1] = {col};
    st_status rc = text_result(stmt, names, 1, rows, n, out, err);
    st_free(rows);
    st_free(copy);
    return rc;
}

static st_status run_explain(ex_session *s, const char *sql, const sql_stmt *st, ex_result **out,
                             st_error *err)
{
    const sql_stmt *inner = st->inner;
    if (!inner || inner->kind != SQL_S_QUERY)
        return st_error_set(err, ST_ERR_UNSUPPORTED, "EXPLAIN supports queries only");
    qrun r;
    st_status rc = qrun_prepare(s, sql, inner->query, &r, err);
    st_buf text;
    st_buf_init(&text);
    if (rc == ST_OK && st->analyze) {
        r.q->analyze = true;
        rc = ex_plan_run(r.q, r.plan, err);
    }
    if (rc == ST_OK) rc = st_buf_append_str(&text, "== Optimized Logical Plan ==\n", err);
    if (rc == ST_OK) rc = lp_format(r.root, &text, err);
    if (rc == ST_OK) rc = st_buf_append_str(&text, "== Physical Plan ==\n", err);
    if (rc == ST_OK) rc = ex_plan_explain(r.q, r.plan, &text, err);
    if (rc == ST_OK) rc = st_buf_append_byte(&text, 0, err);
    if (rc == ST_OK) rc = lines_result("explain", "plan", (const char *)text.data, out, err);
    st_buf_destroy(&text);
    qrun_free(&r);
    return rc;
}

static st_status show_settings(ex_session *s, const char *only, ex_result **out, st_error *err)
{
    int n = 0;
    const char *cells[2 * 64 + 2 * 256];
    char vals[64 + 1][256];
    for (int i = 0; KNOWN[i]; i++) {
        if (only && strcasecmp(only, KNOWN[i])) continue;
        ex_session_get(s, KNOWN[i], vals[n], sizeof vals[n]);
        cells[2 * n] = KNOWN[i];
        cells[2 * n + 1] = vals[n];
        n++;
    }
    for (int i = 0; i < s->n_extra && n < 64 + 256; i++) {
        if (only && strcasecmp(only, s->extra[i].key)) continue;
        cells[2 * n] = s->extra[i].key;
        cells[2 * n + 1] = s->extra[i].value;
        n++;
    }
    if (only && n == 0) {
        if (strncasecmp(only, "spark.", 6) && strncasecmp(only, "delta.", 6) &&
            strncasecmp(only, "strata.", 7))
            return st_error_set(err, ST_ERR_ARGUMENT, "unknown setting '%s'", only);
        cells[0] = only;
        cells[1] = "<undefined>";
        n = 1;
    }
    const char *names[2] = {"key", "value"};
    return text_result("set", names, 2, cells, n, out, err);
}

static st_status run_show(ex_session *s, const sql_stmt *st, ex_result **out, st_error *err)
{
    if (st->n_words >= 1 && (!strcasecmp(st->words[0], "settings") || !strcasecmp(st->words[0], "all")))
        return show_settings(s, NULL, out, err);
    if (st->n_words >= 1 && !strcasecmp(st->words[0], "tables")) {
        const char **cells = st_calloc((size_t)s->n_reg * 3 + 1, sizeof *cells);
        if (!cells) return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        for (int i = 0; i < s->n_reg; i++) {
            cells[3 * i] = s->reg[i].name;
            cells[3 * i + 1] = s->reg[i].kind == BIND_TABLE_VIEW ? "view"
                                                             : lp_source_kind_name(s->reg[i].format);
            cells[3 * i + 2] = s->reg[i].text;
        }
        const char *names[3] = {"tableName", "kind", "location"};
        st_status rc = text_result("show", names, 3, cells, s->n_reg, out, err);
        st_free(cells);
        return rc;
    }
    if (st->n_words == 1) return show_settings(s, st->words[0], out, err);
    return st_error_set(err, ST_ERR_UNSUPPORTED, "SHOW %s is not supported (try SHOW SETTINGS, SHOW TABLES)",
                        st->n_words > 0 ? st->words[0] : "");
}

static st_status run_stmt(ex_session *s, const char *sql, const sql_stmt *st, ex_result **out,
                          st_error *err)
{
    *out = NULL;
    switch (st->kind) {
    case SQL_S_QUERY:
        return run_query(s, sql, st->query, out, err);
    case SQL_S_EXPLAIN:
        return run_explain(s, sql, st, out, err);
    case SQL_S_SET:
        if (!st->key) return show_settings(s, NULL, out, err);
        if (!st->value) return show_settings(s, st->key, out, err);
        {
            st_status rc = ex_session_set(s, st->key, st->value, err);
            if (rc != ST_OK) return rc;
            return show_settings(s, st->key, out, err);
        }
    case SQL_S_RESET:
        if (st->key) return ex_session_set(s, st->key, NULL, err);
        for (int i = 0; KNOWN[i]; i++) {
            st_status rc = ex_session_set(s, KNOWN[i], NULL, err);
            if (rc != ST_OK) return rc;
        }
        while (s->n_extra > 0) {
            st_status rc = ex_session_set(s, s->extra[0].key, NULL, err);
            if (rc != ST_OK) return rc;
        }
        return ST_OK;
    case SQL_S_SHOW:
        if (st->show && st->show->kind != SQL_SHOW_OTHER)
            return lake_run_ddl(s, sql, st, out, err);
        if (lake_ml_is_show(st))
            return lake_run_ml_show(s, sql, st, out, err);
        return run_show(s, st, out, err);
    case SQL_S_USE:
    case SQL_S_CREATE:
    case SQL_S_DROP:
    case SQL_S_ALTER:
    case SQL_S_COMMENT:
        return lake_run_ddl(s, sql, st, out, err);
    case SQL_S_DESCRIBE:
        if (st->describe->kind == SQL_DESC_HISTORY || st->describe->kind == SQL_DESC_DETAIL)
            return lake_run_maint(s, sql, st, out, err);
        return lake_run_ddl(s, sql, st, out, err);
    case SQL_S_INSERT:
    case SQL_S_UPDATE:
    case SQL_S_DELETE:
    case SQL_S_MERGE:
    case SQL_S_COPY:
    case SQL_S_TRUNCATE:
        return lake_run_dml(s, sql, st, out, err);
    case SQL_S_RESTORE:
    case SQL_S_OPTIMIZE:
    case SQL_S_VACUUM:
        return lake_run_maint(s, sql, st, out, err);
    case SQL_S_MODEL:
        return lake_run_model(s, sql, st, out, err);
    }
    return st_error_set(err, ST_ERR_INTERNAL, "unknown statement kind %d", st->kind);
}

st_status ex_session_exec(ex_session *s, const char *sql, ex_result_cb cb, void *ud,
                          st_error *err)
{
    st_arena *a = st_arena_new(0);
    if (!a) return st_error_set(err, ST_ERR_NOMEM, "out of memory parsing SQL");
    sql_stmt_list *l;
    st_status rc = sql_parse(sql, a, &l, err);
    for (int i = 0; rc == ST_OK && i < l->n_stmts; i++) {
        ex_result *r = NULL;
        rc = run_stmt(s, sql, l->stmts[i], &r, err);
        if (rc == ST_OK && r) {
            if (cb) rc = cb(ud, r, err);
            else ex_result_free(r);
        }
    }
    st_arena_free(a);
    return rc;
}

static st_status keep_last(void *ud, ex_result *r, st_error *err)
{
    ex_result **last = ud;
    ex_result_free(*last);
    *last = r;
    return ST_OK;
}

st_status ex_session_query(ex_session *s, const char *sql, ex_result **out, st_error *err)
{
    ex_result *last = NULL;
    st_status rc = ex_session_exec(s, sql, keep_last, &last, err);
    if (rc != ST_OK) {
        ex_result_free(last);
        *out = NULL;
        return rc;
    }
    *out = last;
    return ST_OK;
}
