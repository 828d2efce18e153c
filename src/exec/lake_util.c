/* lake_util.c -- name resolution and errors shared by the lakehouse
** statement runners (lake.h): three-level names against the session's
** current catalog and schema, statement targets as catalog entries or
** delta.`path` references, and errors that point into the SQL text. */
#include "lake.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

st_status lake_error_at(const char *sql, int32_t pos, st_status code, st_error *err,
                        const char *fmt, ...)
{
    char msg[ST_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!sql || pos < 0)
        return st_error_set(err, code, "%s", msg);
    int32_t line, col;
    sql_pos_linecol(sql, pos, &line, &col);
    st_error_set(err, code, "line %d, column %d: %s", (int)line, (int)col, msg);
    st_buf hint;
    st_buf_init(&hint);
    st_error tmp;
    st_error_init(&tmp);
    if (sql_error_caret(sql, pos, &hint, &tmp) == ST_OK &&
        st_buf_append_byte(&hint, 0, &tmp) == ST_OK)
        st_error_hint(err, "%s", (const char *)hint.data);
    st_buf_destroy(&hint);
    return code;
}

void lake_qualify(ex_session *s, const sql_name *n, const char **catalog, const char **schema,
                  const char **name)
{
    *name = n->parts[n->n_parts - 1];
    *schema = n->n_parts >= 2 ? n->parts[n->n_parts - 2] : ex_session_current_schema(s);
    *catalog = n->n_parts >= 3 ? n->parts[0] : ex_session_current_catalog(s);
}

st_status lake_resolve(ex_session *s, const char *sql, const sql_tableref *t, st_arena *a,
                       lake_table *out, st_error *err)
{
    memset(out, 0, sizeof *out);
    if (t->kind == SQL_T_PATH) {
        if (strcasecmp(t->format, "delta") != 0)
            return lake_error_at(sql, t->pos, ST_ERR_UNSUPPORTED, err,
                                 "this statement needs a Delta table, not %s.`%s`", t->format,
                                 t->path);
        char *abs = realpath(t->path, NULL);
        out->path = st_arena_strdup(a, abs ? abs : t->path);
        free(abs);
        out->format = "delta";
        out->full = out->path;
        return out->path ? ST_OK : st_error_set(err, ST_ERR_NOMEM, "out of memory");
    }
    if (t->kind != SQL_T_NAME || t->name.n_parts < 1 || t->name.n_parts > 3)
        return lake_error_at(sql, t->pos, ST_ERR_UNSUPPORTED, err,
                             "this statement needs a table name or delta.`path`");
    const sql_name *n = &t->name;
    /* A name registered in the session (strata_register / --table) that is
    ** a Delta folder counts as a path. */
    if (n->n_parts == 1) {
        for (int i = 0; i < ex_session_n_registered(s); i++) {
            bool is_view;
            const char *text;
            lp_source_kind fmt;
            const char *rn = ex_session_registered(s, i, &is_view, &text, &fmt);
            if (strcasecmp(rn, n->parts[0]) != 0) continue;
            if (is_view)
                return lake_error_at(sql, t->pos, ST_ERR_UNSUPPORTED, err,
                                     "'%s' is a temporary view; this statement needs a table",
                                     rn);
            out->path = st_arena_strdup(a, text);
            out->format = lp_source_kind_name(fmt);
            out->full = st_arena_strdup(a, rn);
            return out->path && out->full ? ST_OK
                                          : st_error_set(err, ST_ERR_NOMEM, "out of memory");
        }
    }
    cat_db *db;
    st_status rc = ex_session_catalog(s, true, &db, err);
    if (rc != ST_OK) return rc;
    const char *c, *sc, *nm;
    lake_qualify(s, n, &c, &sc, &nm);
    rc = cat_table_get(db, c, sc, nm, a, &out->entry, err);
    if (rc == ST_ERR_NOTFOUND)
        return lake_error_at(sql, t->pos, ST_ERR_NOTFOUND, err, "table '%s.%s.%s' not found",
                             c, sc, nm);
    if (rc != ST_OK) return rc;
    out->in_catalog = true;
    out->catalog = out->entry.catalog;
    out->schema = out->entry.schema;
    out->name = out->entry.name;
    char *full = st_arena_alloc(a, strlen(out->catalog) + strlen(out->schema) +
                                       strlen(out->name) + 3);
    if (!full) return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    sprintf(full, "%s.%s.%s", out->catalog, out->schema, out->name);
    out->full = full;
    if (out->entry.type == CAT_VIEW)
        return lake_error_at(sql, t->pos, ST_ERR_UNSUPPORTED, err,
                             "'%s' is a view; this statement needs a table", full);
    out->path = out->entry.location;
    out->format = out->entry.format ? out->entry.format : "delta";
    return ST_OK;
}

/* Where expression e starts in the text: node positions of binary
** operators point at the operator, so walk to the leftmost operand, then
** take in opening parentheses before it. */
int32_t lake_expr_start(const char *sql, const sql_expr *e)
{
    while (e->a && (e->kind == SQL_E_BINARY || e->kind == SQL_E_IS || e->kind == SQL_E_BETWEEN ||
                    e->kind == SQL_E_IN || e->kind == SQL_E_LIKE || e->kind == SQL_E_SUBSCRIPT ||
                    e->kind == SQL_E_FIELD))
        e = e->a;
    int32_t p = e->pos, k = p;
    while (k > 0 && (sql[k - 1] == ' ' || sql[k - 1] == '\t' || sql[k - 1] == '\n' ||
                     sql[k - 1] == '(')) {
        k--;
        if (sql[k] == '(') p = k;
    }
    return p;
}


/* Does text[0..n) open with '(' whose match is its last character? */
static bool wrapped(const char *t, size_t n)
{
    if (n < 2 || t[0] != '(' || t[n - 1] != ')') return false;
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        depth += t[i] == '(' ? 1 : t[i] == ')' ? -1 : 0;
        if (depth == 0 && i + 1 < n) return false;
    }
    return true;
}

const char *lake_expr_text(const char *sql, const sql_expr *e, int32_t end, st_arena *a)
{
    int32_t from = lake_expr_start(sql, e), to = end;
    while (to > from && strchr(" \t\n;", sql[to - 1])) to--;
    int open = 0, close = 0;
    for (int32_t i = from; i < to; i++) {
        open += sql[i] == '(';
        close += sql[i] == ')';
    }
    while (close > open && to > from && sql[to - 1] == ')') {
        to--;
        close--;
        while (to > from && strchr(" \t\n", sql[to - 1])) to--;
    }
    while (open > close && from < to && sql[from] == '(') {
        from++;
        open--;
    }
    while (wrapped(sql + from, (size_t)(to - from))) {
        from++;
        to--;
    }
    while (from < to && strchr(" \t\n", sql[from])) from++;
    return st_arena_strndup(a, sql + from, (size_t)(to - from));
}

/* Byte after the quoted string or identifier starting at sql[i]. */
static int32_t skip_quoted(const char *sql, int32_t i)
{
    char q = sql[i++];
    while (sql[i] && sql[i] != q) {
        if (sql[i] == '\\' && q != '`' && sql[i + 1]) i++;
        i++;
    }
    return sql[i] ? i + 1 : i;
}

const char *lake_clause_text(const char *sql, const sql_expr *e, st_arena *a)
{
    int32_t from = lake_expr_start(sql, e);
    int32_t i = from, depth = 0;
    for (; sql[i]; i++) {
        char c = sql[i];
        if (c == '\'' || c == '"' || c == '`') {
            i = skip_quoted(sql, i) - 1;
            continue;
        }
        if (c == '(') depth++;
        else if (c == ')') {
            if (depth == 0) break;
            depth--;
        } else if (depth == 0 && (c == ',' || c == ';')) {
            break;
        } else if (depth == 0 && (c == ' ' || c == '\n' || c == '\t')) {
            static const char *const stop[] = {"COMMENT", "NOT", "GENERATED", "CONSTRAINT",
                                               "DEFAULT", "PRIMARY", NULL};
            int32_t k = i;
            while (sql[k] == ' ' || sql[k] == '\n' || sql[k] == '\t') k++;
            bool hit = false;
            for (int w = 0; stop[w] && !hit; w++) {
                size_t n = strlen(stop[w]);
                hit = !strncasecmp(sql + k, stop[w], n) &&
                      !(isalnum((unsigned char)sql[k + n]) || sql[k + n] == '_');
            }
            if (hit) break;
        }
    }
    while (i > from && strchr(" \t\n", sql[i - 1])) i--;
    while (wrapped(sql + from, (size_t)(i - from))) {
        from++;
        i--;
    }
    return st_arena_strndup(a, sql + from, (size_t)(i - from));
}

const char *lake_clustering_json(const char *const *cols, int n, st_arena *a)
{
    json_t *o = json_object(), *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_t *path = json_array();
        json_array_append_new(path, json_string(cols[i]));
        json_array_append_new(arr, path);
    }
    json_object_set_new(o, "clusteringColumns", arr);
    char *t = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    const char *r = t ? st_arena_strdup(a, t) : NULL;
    free(t);
    return r;
}

void lake_clustering_cols(const delta_snapshot *s, st_arena *a, const char ***cols, int *n)
{
    *cols = NULL;
    *n = 0;
    for (int i = 0; i < s->n_domains; i++) {
        if (strcmp(s->domains[i].domain, "delta.clustering") != 0) continue;
        json_t *o = json_loads(s->domains[i].configuration, 0, NULL);
        json_t *arr = json_object_get(o, "clusteringColumns");
        size_t k, m = json_array_size(arr);
        const char **c = st_arena_calloc(a, m + 1, sizeof *c);
        json_t *v;
        json_array_foreach(arr, k, v) {
            json_t *leaf = json_is_array(v) ? json_array_get(v, json_array_size(v) - 1) : v;
            if (c && json_is_string(leaf)) c[(*n)++] = st_arena_strdup(a, json_string_value(leaf));
        }
        *cols = c;
        json_decref(o);
        return;
    }
}
