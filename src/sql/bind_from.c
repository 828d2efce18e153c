/* bind_from.c -- binds FROM clauses: table names (CTEs first, then the
** session's lookup callback: stored tables or view text parsed and bound in
** place), format.`path` references and read_files(...) into LP_SCAN nodes
** over an lp_source, subqueries and VALUES, and joins of every kind (ON,
** USING, NATURAL with Spark's merged columns, comma joins as CROSS).
** Sources: Delta snapshots are loaded here (time travel applied) and handed
** to the lp_ctx; Parquet schemas come from the first file's footer and row
** estimates from every footer; CSV/NDJSON schemas are inferred by opening the
** first file, and kept in lp_source with the reader options pointing at it.
** As in Spark, csv.`path` and read_files(..., format => 'csv') read without a
** header row (columns _c0, _c1, ...) unless header => true is given.
** The scope filled for the caller lists the columns each clause may name. */
#include "bind_int.h"
#include "../format/format.h"
#include "../format/parquet/pq.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>

/* ---- sources -------------------------------------------------------------------- */

typedef struct source_opts {
    bool         has_version; /* VERSION AS OF given */
    int64_t      version;     /* the version asked for */
    bool         has_ts;      /* TIMESTAMP AS OF given */
    int64_t      ts_ms;       /* the timestamp asked for, ms since the epoch */
    csv_options  csv;         /* CSV reader options (read_files) */
    json_options json;        /* NDJSON reader options */
    const delta_snapshot *snapshot; /* bind_table.snapshot: use it, load nothing */
    bool         row_ids;     /* bind_table.row_ids */
} source_opts;

/* Sum of numRecords over the files' stats, -1 if a file has none. */
static double delta_est_rows(const delta_snapshot *s)
{
    double total = 0;
    for (size_t i = 0; i < s->n_files; i++) {
        int64_t n = delta_file_num_records(&s->files[i]);
        if (n < 0)
            return -1;
        total += (double)n;
    }
    return total;
}

static st_status load_delta(binder *b, lp_source *src, const source_opts *o, int32_t pos)
{
    delta_read_options ro = {.has_version = o->has_version, .version = o->version,
                             .has_timestamp = o->has_ts, .timestamp_ms = o->ts_ms};
    delta_snapshot *snap = (delta_snapshot *)o->snapshot;
    st_status rc;
    if (!snap) {
        if ((rc = delta_snapshot_load(src->path, &ro, &snap, b->err)) != ST_OK)
            return bind_error_at(b, pos, rc);
        if ((rc = lp_ctx_add_snapshot(b->c, snap, b->err)) != ST_OK)
            return rc;
    }
    src->snapshot = snap;
    src->schema = snap->meta.schema;
    src->est_rows = delta_est_rows(snap);
    if (o->row_ids) {                  /* the schema plus _file_index, _row_index */
        int nf = snap->meta.schema.n_fields;
        vec_field *f = bind_alloc(b, sizeof *f * (size_t)(nf + 2));
        if (!f)
            return bind_nomem(b);
        memcpy(f, snap->meta.schema.fields, sizeof *f * (size_t)nf);
        f[nf] = (vec_field){.name = LP_ROW_FILE, .type = {.id = VEC_INT64}, .nullable = false};
        f[nf + 1] = (vec_field){.name = LP_ROW_INDEX, .type = {.id = VEC_INT64},
                                .nullable = false};
        src->schema.fields = f;
        src->schema.n_fields = nf + 2;
        src->row_ids = true;
    }
    return ST_OK;
}

static st_status load_parquet(binder *b, lp_source *src, int32_t pos)
{
    double total = 0;
    for (int i = 0; i < src->n_files; i++) {
        pq_file *f = NULL;
        st_status rc = pq_file_open(src->files[i], &f, b->err);
        if (rc != ST_OK)
            return bind_error_at(b, pos, rc);
        if (i == 0) {
            st_error tmp;
            st_error_init(&tmp);
            rc = vec_schema_copy(b->c->arena, pq_file_schema(f), &src->schema, &tmp);
        }
        total += (double)pq_file_num_rows(f);
        pq_file_close(f);
        if (rc != ST_OK)
            return bind_nomem(b);
    }
    src->est_rows = total;
    return ST_OK;
}

static st_status load_text(binder *b, lp_source *src, const source_opts *o, int32_t pos)
{
    st_error tmp;
    st_error_init(&tmp);
    st_status rc;
    if (src->kind == LP_SRC_CSV) {
        csv_reader *r = NULL;
        src->csv = o->csv;
        if ((rc = csv_reader_open(src->files[0], &src->csv, &r, b->err)) != ST_OK)
            return bind_error_at(b, pos, rc);
        rc = vec_schema_copy(b->c->arena, csv_reader_schema(r), &src->schema, &tmp);
        csv_reader_close(r);
        src->csv.schema = &src->schema;
    } else {
        json_reader *r = NULL;
        src->json = o->json;
        if ((rc = json_reader_open(src->files[0], &src->json, &r, b->err)) != ST_OK)
            return bind_error_at(b, pos, rc);
        rc = vec_schema_copy(b->c->arena, json_reader_schema(r), &src->schema, &tmp);
        json_reader_close(r);
        src->json.schema = &src->schema;
    }
    return rc == ST_OK ? ST_OK : bind_nomem(b);
}

/* A scan over the source at path; fills the scope with its columns. */
static st_status bind_source(binder *b, lp_source_kind kind, const char *path, const char *name,
                             const source_opts *o, int32_t pos, lp_node **out)
{
    lp_source *src = bind_alloc(b, sizeof *src);
    if (!src || !(src->path = st_arena_strdup(b->c->arena, path)) ||
        !(src->name = st_arena_strdup(b->c->arena, name ? name : path)))
        return bind_nomem(b);
    src->kind = kind;
    src->est_rows = -1;
    st_status rc;
    if (kind == LP_SRC_DELTA) {
        rc = load_delta(b, src, o, pos);
    } else {
        if (o->has_version || o->has_ts)
            return bind_error(b, pos, "time travel needs a Delta table, not '%s'", path);
        if ((rc = fmt_glob(path, b->c->arena, &src->files, &src->n_files, b->err)) != ST_OK)
            return bind_error_at(b, pos, rc);
        rc = kind == LP_SRC_PARQUET ? load_parquet(b, src, pos) : load_text(b, src, o, pos);
    }
    if (rc != ST_OK)
        return rc;
    lp_node *n = lp_node_new(b->c, LP_SCAN, pos);
    int nf = src->schema.n_fields;
    if (!n || !(n->cols = bind_alloc(b, sizeof *n->cols * (size_t)nf)) ||
        !(n->scan_fields = bind_alloc(b, sizeof *n->scan_fields * (size_t)nf)))
        return bind_nomem(b);
    n->source = src;
    n->n_cols = nf;
    n->est_rows = src->est_rows;
    for (int i = 0; i < nf; i++) {
        const vec_field *f = &src->schema.fields[i];
        n->cols[i] = bind_new_col(b, f->name, &f->type, f->nullable);
        n->scan_fields[i] = i;
    }
    *out = n;
    return ST_OK;
}

/* Columns of node n as scope entries qualified by qual, renamed by aliases. */
static st_status scope_of_node(binder *b, const lp_node *n, const char *qual,
                               const sql_tableref *t, bind_scope *scope)
{
    if (t->n_col_aliases > n->n_cols)
        return bind_error(b, t->pos, "table alias '%s' names %d columns but the relation has %d",
                          t->alias ? t->alias : "?", t->n_col_aliases, n->n_cols);
    for (int i = 0; i < n->n_cols; i++) {
        const char *name = i < t->n_col_aliases ? t->col_aliases[i] : n->cols[i].name;
        bool hidden = n->kind == LP_SCAN && n->source && n->source->row_ids &&
                      i >= n->n_cols - 2;  /* row ids: only t._row_index reaches them */
        st_status rc = bind_scope_add(b, scope, qual, name, &n->cols[i], hidden);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

/* ---- options --------------------------------------------------------------------- */

static lp_source_kind format_kind(const char *f, bool *ok)
{
    lp_source_kind k = LP_SRC_PARQUET;
    *ok = lp_source_kind_parse(f, &k);
    return k;
}

/* Text of a literal option value (strings, numbers, booleans). */
static const char *opt_text(binder *b, const sql_expr *v)
{
    if (!v || v->kind != SQL_E_LITERAL)
        return NULL;
    switch (v->lit) {
    case SQL_LIT_TRUE: return "true";
    case SQL_LIT_FALSE: return "false";
    case SQL_LIT_NULL: return NULL;
    default: return v->str ? st_arena_strdup(b->c->arena, v->str) : NULL;
    }
}

static st_status opt_char(binder *b, const sql_expr *v, const char *key, char *out)
{
    const char *s = opt_text(b, v);
    if (!s || strlen(s) > 1)
        return bind_error(b, v->pos, "option %s must be a single character", key);
    *out = s[0];
    return ST_OK;
}

static st_status opt_bool(binder *b, const sql_expr *v, const char *key, bool *out)
{
    const char *s = opt_text(b, v);
    if (s && !strcasecmp(s, "true"))
        *out = true;
    else if (s && !strcasecmp(s, "false"))
        *out = false;
    else
        return bind_error(b, v->pos, "option %s must be true or false", key);
    return ST_OK;
}

static st_status apply_option(binder *b, source_opts *o, const char *key, const sql_expr *v)
{
    bool flag;
    st_status rc = ST_OK;
    if (!strcasecmp(key, "header")) {
        if ((rc = opt_bool(b, v, key, &flag)) == ST_OK)
            o->csv.no_header = !flag;
    } else if (!strcasecmp(key, "delimiter") || !strcasecmp(key, "sep")) {
        rc = opt_char(b, v, key, &o->csv.delimiter);
    } else if (!strcasecmp(key, "quote")) {
        rc = opt_char(b, v, key, &o->csv.quote);
    } else if (!strcasecmp(key, "escape")) {
        rc = opt_char(b, v, key, &o->csv.escape);
    } else if (!strcasecmp(key, "nullvalue")) {
        o->csv.null_value = opt_text(b, v);
    } else if (!strcasecmp(key, "inferschema") || !strcasecmp(key, "multiline")) {
        rc = opt_bool(b, v, key, &flag);
    } else if (!strcasecmp(key, "samplerows")) {
        const char *s = opt_text(b, v);
        long long n = s ? strtoll(s, NULL, 10) : 0;
        if (n <= 0)
            return bind_error(b, v->pos, "option %s must be a positive integer", key);
        o->csv.sample_rows = o->json.sample_rows = n;
    } else {
        return bind_error(b, v->pos, "unknown option '%s' for read_files", key);
    }
    return rc;
}

/* OPTIONS of a catalog table (a JSON object of strings) applied like
** read_files options; keys read_files does not know are ignored. */
static st_status table_options(binder *b, const char *json, int32_t pos, source_opts *o)
{
    json_t *root = json_loads(json, 0, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return ST_OK;
    }
    const char *key;
    json_t *val;
    st_status rc = ST_OK;
    json_object_foreach(root, key, val) {
        if (!json_is_string(val) || !strcasecmp(key, "columns"))
            continue;
        sql_expr lit = {.kind = SQL_E_LITERAL, .lit = SQL_LIT_STRING, .pos = pos,
                        .str = json_string_value(val),
                        .str_len = (int32_t)json_string_length(val)};
        if (!strcasecmp(json_string_value(val), "true")) lit.lit = SQL_LIT_TRUE;
        else if (!strcasecmp(json_string_value(val), "false")) lit.lit = SQL_LIT_FALSE;
        st_error_init(b->err);
        rc = apply_option(b, o, key, &lit);
        if (rc != ST_OK && strstr(b->err->msg, "unknown option")) {
            st_error_init(b->err);
            rc = ST_OK;
        }
        if (rc != ST_OK)
            break;
    }
    json_decref(root);
    return rc;
}

/* An integer literal argument of range(), with an optional sign. */
static st_status range_arg(binder *b, const sql_expr *e, int64_t *out)
{
    bool neg = false;
    const sql_expr *x = e;
    while (x && x->kind == SQL_E_UNARY && (x->op == SQL_OP_NEG || x->op == SQL_OP_POS)) {
        neg ^= x->op == SQL_OP_NEG;
        x = x->a;
    }
    if (!x || x->kind != SQL_E_LITERAL || !x->str ||
        (x->lit != SQL_LIT_INT && x->lit != SQL_LIT_BIGINT && x->lit != SQL_LIT_SMALLINT &&
         x->lit != SQL_LIT_TINYINT))
        return bind_error(b, e ? e->pos : -1, "range() takes integer literals");
    char *end;
    long long v = strtoll(x->str, &end, 10);
    *out = neg ? -(int64_t)v : (int64_t)v;
    return ST_OK;
}

/* range(end) / range(start, end [, step]): rows id = start, start+step, ...
** below end (above it for a negative step), as in Spark. */
static st_status bind_range(binder *b, const sql_tableref *t, lp_node **out)
{
    int64_t v[3] = {0, 0, 1};
    if (t->n_args < 1 || t->n_args > 3)
        return bind_error(b, t->pos, "range() takes 1 to 3 arguments");
    for (int i = 0; i < t->n_args; i++) {
        st_status rc = range_arg(b, t->args[i], &v[t->n_args == 1 ? 1 : i]);
        if (rc != ST_OK)
            return rc;
    }
    if (v[2] == 0)
        return bind_error(b, t->args[2]->pos, "range() step must not be 0");
    lp_source *src = bind_alloc(b, sizeof *src);
    vec_field *f = bind_alloc(b, sizeof *f);
    lp_node *n = lp_node_new(b->c, LP_SCAN, t->pos);
    if (!src || !f || !n || !(n->cols = bind_alloc(b, sizeof *n->cols)) ||
        !(n->scan_fields = bind_alloc(b, sizeof *n->scan_fields)))
        return bind_nomem(b);
    src->kind = LP_SRC_RANGE;
    src->name = src->path = "range";
    src->range_start = v[0];
    src->range_end = v[1];
    src->range_step = v[2];
    *f = (vec_field){.name = "id", .type = {.id = VEC_INT64}, .nullable = false};
    src->schema.n_fields = 1;
    src->schema.fields = f;
    double span = ((double)v[1] - (double)v[0]) / (double)v[2];
    src->est_rows = span > 0 ? span : 0;
    n->source = src;
    n->n_cols = 1;
    n->est_rows = src->est_rows;
    n->cols[0] = bind_new_col(b, "id", &f->type, false);
    n->scan_fields[0] = 0;
    *out = n;
    return ST_OK;
}

static st_status bind_read_files(binder *b, const sql_tableref *t, lp_node **out)
{
    source_opts o = {0};
    csv_options_init(&o.csv);
    o.csv.no_header = true;       /* Spark: header => false unless asked for */
    const char *path = NULL, *format = NULL;
    for (int i = 0; i < t->n_args; i++) {
        const sql_expr *a = t->args[i];
        if (a->kind != SQL_E_NAMED_ARG) {
            if (i != 0 || !(path = opt_text(b, a)))
                return bind_error(b, a->pos, "read_files takes a path string and name => value "
                                             "options");
            continue;
        }
        if (!strcasecmp(a->str, "format")) {
            if (!(format = opt_text(b, a->a)))
                return bind_error(b, a->a->pos, "option format must be a string");
            continue;
        }
        st_status rc = apply_option(b, &o, a->str, a->a);
        if (rc != ST_OK)
            return rc;
    }
    if (!path)
        return bind_error(b, t->pos, "read_files needs a path");
    bool ok = true;
    lp_source_kind k = LP_SRC_PARQUET;
    if (format)
        k = format_kind(format, &ok);
    else {
        const char *dot = strrchr(path, '.');
        if (dot)
            k = format_kind(dot + 1, &ok);
        if (!dot || !ok) {
            k = LP_SRC_PARQUET;
            ok = true;
        }
    }
    if (!ok)
        return bind_error(b, t->pos, "unknown file format '%s'", format);
    return bind_source(b, k, path, path, &o, t->pos, out);
}

/* ---- time travel ----------------------------------------------------------------- */

static st_status travel_opts(binder *b, const sql_tableref *t, source_opts *o)
{
    if (t->travel == SQL_TRAVEL_NONE)
        return ST_OK;
    const sql_expr *e = t->travel_at;
    if (t->travel == SQL_TRAVEL_VERSION) {
        o->has_version = true;
        st_status rc = bind_const_int(b, e, "VERSION AS OF", &o->version);
        if (rc == ST_OK && o->version < 0)
            return bind_error(b, e->pos, "table version %lld is negative",
                              (long long)o->version);
        return rc;
    }
    if (e->kind != SQL_E_LITERAL || !e->str)
        return bind_error(b, e->pos, "TIMESTAMP AS OF needs a timestamp literal");
    int64_t us;
    int32_t d;
    if (fmt_parse_date(e->str, strlen(e->str), &d))
        us = (int64_t)d * 86400000000LL;
    else if (!fmt_parse_timestamp(e->str, strlen(e->str), &us, NULL))
        return bind_error(b, e->pos, "invalid timestamp '%s' in TIMESTAMP AS OF", e->str);
    o->has_ts = true;
    o->ts_ms = us / 1000;
    return ST_OK;
}

/* ---- names ---------------------------------------------------------------------- */

static const char *parts_text(binder *b, const sql_name *nm)
{
    st_buf o;
    st_buf_init(&o);
    for (int i = 0; i < nm->n_parts; i++)
        st_buf_printf(&o, NULL, "%s%s", i ? "." : "", nm->parts[i]);
    char *s = st_arena_strndup(b->c->arena, o.len ? (const char *)o.data : "", o.len);
    st_buf_destroy(&o);
    return s ? s : "?";
}

static st_status bind_cte_ref(binder *b, const bind_cte *cte, const sql_tableref *t,
                              bind_scope *scope, lp_node **out)
{
    const bind_cte *saved = b->ctes;
    const char *saved_sql = b->sql;
    if (b->view_depth + 1 > BIND_MAX_VIEW_DEPTH)
        return bind_error(b, t->pos, "common table expressions nest too deeply");
    b->view_depth++;
    b->ctes = cte->next;
    b->sql = cte->sql;
    st_status rc = bind_query(b, cte->def->query, NULL, out);
    b->ctes = saved;
    b->sql = saved_sql;
    b->view_depth--;
    if (rc != ST_OK)
        return rc;
    const sql_cte *d = cte->def;
    if (d->n_cols > (*out)->n_cols)
        return bind_error(b, d->pos, "common table expression '%s' names %d columns but its "
                                     "query has %d", d->name, d->n_cols, (*out)->n_cols);
    const char *qual = t->alias ? t->alias : d->name;
    if (t->n_col_aliases > (*out)->n_cols)
        return bind_error(b, t->pos, "table alias '%s' names %d columns but the relation has %d",
                          qual, t->n_col_aliases, (*out)->n_cols);
    for (int i = 0; i < (*out)->n_cols; i++) {
        const char *name = i < t->n_col_aliases ? t->col_aliases[i]
                         : i < d->n_cols      ? d->cols[i]
                                              : (*out)->cols[i].name;
        if ((rc = bind_scope_add(b, scope, qual, name, &(*out)->cols[i], false)) != ST_OK)
            return rc;
    }
    return ST_OK;
}

static st_status bind_view(binder *b, const bind_table *bt, const sql_tableref *t,
                           lp_node **out)
{
    if (b->view_depth + 1 > BIND_MAX_VIEW_DEPTH)
        return bind_error(b, t->pos, "views nest too deeply (does view '%s' refer to itself?)",
                          bt->name ? bt->name : "?");
    const char *text = st_arena_strdup(b->c->arena, bt->sql ? bt->sql : "");
    sql_stmt_list *l = NULL;
    if (!text)
        return bind_nomem(b);
    st_status rc = sql_parse(text, b->c->arena, &l, b->err);
    if (rc != ST_OK) {
        st_error_context(b->err, "parsing view '%s'", bt->name ? bt->name : "?");
        return rc;
    }
    if (l->n_stmts != 1 || l->stmts[0]->kind != SQL_S_QUERY)
        return bind_error(b, t->pos, "view '%s' is not a single query", bt->name);
    b->view_depth++;
    const bind_cte *saved = b->ctes;
    const char *saved_sql = b->sql;
    b->ctes = NULL;
    b->sql = text;
    rc = bind_query(b, l->stmts[0]->query, NULL, out);
    b->ctes = saved;
    b->sql = saved_sql;
    b->view_depth--;
    if (rc != ST_OK && b->view_depth == 0)
        st_error_context(b->err, "binding view '%s'", bt->name ? bt->name : "?");
    return rc;
}

static st_status bind_named(binder *b, const sql_tableref *t, bind_scope *scope, lp_node **out)
{
    const sql_name *nm = &t->name;
    if (nm->n_parts == 1 && t->travel == SQL_TRAVEL_NONE)
        for (const bind_cte *c = b->ctes; c; c = c->next)
            if (bind_name_eq(c->def->name, nm->parts[0]))
                return bind_cte_ref(b, c, t, scope, out);
    const char *full = parts_text(b, nm);
    bind_table bt = {0};
    st_status rc = ST_ERR_NOTFOUND;
    if (b->env && b->env->lookup) {
        st_error_init(b->err);
        rc = b->env->lookup(b->env->ud, nm->parts, nm->n_parts, b->c->arena, &bt, b->err);
    }
    if (rc == ST_ERR_NOTFOUND)
        return bind_error(b, t->pos, "table or view '%s' not found", full);
    if (rc != ST_OK)
        return bind_error_at(b, t->pos, rc);
    if (bt.kind == BIND_TABLE_VIEW) {
        if (t->travel != SQL_TRAVEL_NONE)
            return bind_error(b, t->pos, "time travel needs a Delta table, not view '%s'", full);
        rc = bind_view(b, &bt, t, out);
    } else {
        source_opts o = {0};
        csv_options_init(&o.csv);
        if ((rc = travel_opts(b, t, &o)) != ST_OK)
            return rc;
        if (bt.snapshot && (o.has_version || o.has_ts))
            return bind_error(b, t->pos, "time travel is not allowed on the target of this "
                                         "statement '%s'", full);
        o.snapshot = bt.snapshot;
        o.row_ids = bt.row_ids && bt.format == LP_SRC_DELTA;
        if (bt.options_json && (rc = table_options(b, bt.options_json, t->pos, &o)) != ST_OK)
            return rc;
        rc = bind_source(b, bt.format, bt.path, bt.name ? bt.name : full, &o, t->pos, out);
    }
    if (rc != ST_OK)
        return rc;
    return scope_of_node(b, *out, t->alias ? t->alias : nm->parts[nm->n_parts - 1], t, scope);
}

/* ---- joins ------------------------------------------------------------------------- */

/* The one visible column named name in s, or -1 (missing) / -2 (ambiguous). */
static int find_visible(const bind_scope *s, const char *name)
{
    int found = -1;
    for (int i = 0; i < s->n_cols; i++)
        if (!s->cols[i].hidden && bind_name_eq(s->cols[i].name, name)) {
            if (found >= 0)
                return -2;
            found = i;
        }
    return found;
}

typedef struct join_using {
    const char **names;      /* merged column names, arena */
    int          n;          /* merged columns */
    int         *li, *ri;    /* scope indexes of each side */
} join_using;

static st_status collect_using(binder *b, const sql_tableref *t, const bind_scope *ls,
                               const bind_scope *rs, join_using *u)
{
    int cap = t->natural ? ls->n_cols : t->n_using;
    u->names = bind_alloc(b, sizeof *u->names * (size_t)(cap + 1));
    u->li = bind_alloc(b, sizeof *u->li * (size_t)(cap + 1));
    u->ri = bind_alloc(b, sizeof *u->ri * (size_t)(cap + 1));
    if (!u->names || !u->li || !u->ri)
        return bind_nomem(b);
    for (int i = 0; i < cap; i++) {
        const char *name = t->natural ? ls->cols[i].name : t->using_cols[i];
        if (t->natural && (ls->cols[i].hidden || find_visible(rs, name) < 0))
            continue;
        int l = find_visible(ls, name), r = find_visible(rs, name);
        if (l == -1 || r == -1)
            return bind_error(b, t->pos, "USING column '%s' is not in the %s side of the join",
                              name, l == -1 ? "left" : "right");
        if (l == -2 || r == -2)
            return bind_error(b, t->pos, "USING column '%s' is ambiguous in the %s side of "
                                         "the join", name, l == -2 ? "left" : "right");
        u->names[u->n] = name;
        u->li[u->n] = l;
        u->ri[u->n] = r;
        u->n++;
    }
    return ST_OK;
}

static st_status using_cond(binder *b, const join_using *u, const bind_scope *ls,
                            const bind_scope *rs, int32_t pos, lp_expr **out)
{
    lp_expr **conj = bind_alloc(b, sizeof *conj * (size_t)(u->n + 1));
    if (!conj)
        return bind_nomem(b);
    for (int i = 0; i < u->n; i++) {
        lp_expr *args[2] = {lp_expr_col(b->c, &ls->cols[u->li[i]].col),
                            lp_expr_col(b->c, &rs->cols[u->ri[i]].col)};
        if (!args[0] || !args[1])
            return bind_nomem(b);
        st_status rc = bind_call_fn(b, "=", args, 2, pos, &conj[i]);
        if (rc != ST_OK)
            return rc;
    }
    *out = lp_and(b->c, conj, u->n);
    return ST_OK;
}

static bool in_list(const int *l, int n, int v)
{
    for (int i = 0; i < n; i++)
        if (l[i] == v)
            return true;
    return false;
}

/* FULL JOIN USING: a projection with coalesce(l.k, r.k) first, then every
** join column again under fresh ids; the scope names those. */
static st_status full_using(binder *b, const join_using *u, const bind_scope *ls,
                            const bind_scope *rs, int32_t pos, lp_node **n, bind_scope *scope)
{
    lp_node *j = *n, *p = lp_node_new(b->c, LP_PROJECT, pos);
    int nc = u->n + j->n_cols;
    if (!p || !(p->cols = bind_alloc(b, sizeof *p->cols * (size_t)nc)) ||
        !(p->exprs = bind_alloc(b, sizeof *p->exprs * (size_t)nc)))
        return bind_nomem(b);
    p->child[0] = j;
    p->n_child = 1;
    p->n_cols = nc;
    st_status rc;
    for (int i = 0; i < u->n; i++) {
        lp_expr *args[2] = {lp_expr_col(b->c, &ls->cols[u->li[i]].col),
                            lp_expr_col(b->c, &rs->cols[u->ri[i]].col)};
        if (!args[0] || !args[1])
            return bind_nomem(b);
        if ((rc = bind_call_fn(b, "coalesce", args, 2, pos, &p->exprs[i])) != ST_OK)
            return rc;
        p->cols[i] = bind_new_col(b, u->names[i], &p->exprs[i]->type, p->exprs[i]->nullable);
        if ((rc = bind_scope_add(b, scope, NULL, u->names[i], &p->cols[i], false)) != ST_OK)
            return rc;
    }
    const bind_scope *sides[2] = {ls, rs};
    int *idx[2] = {u->li, u->ri};
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < sides[s]->n_cols; i++) {
            const bind_scol *sc = &sides[s]->cols[i];
            int k = u->n + lp_find_col(j, sc->col.id);
            if (k < u->n)
                continue;
            if (!p->exprs[k]) {
                if (!(p->exprs[k] = lp_expr_col(b->c, &sc->col)))
                    return bind_nomem(b);
                p->cols[k] = bind_new_col(b, sc->col.name, &sc->col.type, sc->col.nullable);
            }
            bool dup = in_list(idx[s], u->n, i);
            if ((rc = bind_scope_add(b, scope, sc->qual, sc->name, &p->cols[k],
                                     dup || sc->hidden)) != ST_OK)
                return rc;
        }
    *n = p;
    return ST_OK;
}

static st_status join_scope(binder *b, const sql_tableref *t, const join_using *u,
                            const bind_scope *ls, const bind_scope *rs, lp_node **n,
                            bind_scope *scope)
{
    st_status rc;
    if (t->join == SQL_JOIN_SEMI || t->join == SQL_JOIN_ANTI) {
        for (int i = 0; i < ls->n_cols; i++)
            if ((rc = bind_scope_add(b, scope, ls->cols[i].qual, ls->cols[i].name,
                                     &ls->cols[i].col, ls->cols[i].hidden)) != ST_OK)
                return rc;
        return ST_OK;
    }
    if (u->n > 0 && t->join == SQL_JOIN_FULL)
        return full_using(b, u, ls, rs, t->pos, n, scope);
    bool right = t->join == SQL_JOIN_RIGHT;
    for (int i = 0; i < u->n; i++) {
        const bind_scol *sc = right ? &rs->cols[u->ri[i]] : &ls->cols[u->li[i]];
        if ((rc = bind_scope_add(b, scope, NULL, u->names[i], &sc->col, false)) != ST_OK)
            return rc;
    }
    const bind_scope *sides[2] = {ls, rs};
    int *idx[2] = {u->li, u->ri};
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < sides[s]->n_cols; i++) {
            const bind_scol *sc = &sides[s]->cols[i];
            bool dup = u->n > 0 && in_list(idx[s], u->n, i);
            if ((rc = bind_scope_add(b, scope, sc->qual, sc->name, &sc->col,
                                     dup || sc->hidden)) != ST_OK)
                return rc;
        }
    return ST_OK;
}

static st_status bind_join(binder *b, const sql_tableref *t, const bind_scope *outer,
                           lp_node **out, bind_scope *scope)
{
    bind_scope ls = {0}, rs = {0};
    lp_node *l, *r;
    st_status rc;
    if ((rc = bind_from(b, t->left, outer, &l, &ls)) != ST_OK ||
        (rc = bind_from(b, t->right, outer, &r, &rs)) != ST_OK)
        return rc;
    lp_node *j = lp_node_new(b->c, LP_JOIN, t->pos);
    if (!j)
        return bind_nomem(b);
    j->child[0] = l;
    j->child[1] = r;
    j->n_child = 2;
    static const lp_join_kind K[] = {LP_JOIN_INNER, LP_JOIN_LEFT, LP_JOIN_RIGHT, LP_JOIN_FULL,
                                     LP_JOIN_INNER, LP_JOIN_SEMI, LP_JOIN_ANTI};
    j->join = K[t->join];
    bool semi = t->join == SQL_JOIN_SEMI || t->join == SQL_JOIN_ANTI;
    j->n_cols = l->n_cols + (semi ? 0 : r->n_cols);
    if (!(j->cols = bind_alloc(b, sizeof *j->cols * (size_t)(j->n_cols + 1))))
        return bind_nomem(b);
    memcpy(j->cols, l->cols, sizeof *j->cols * (size_t)l->n_cols);
    if (!semi)
        memcpy(j->cols + l->n_cols, r->cols, sizeof *j->cols * (size_t)r->n_cols);
    /* outer joins make the other side's columns nullable */
    for (int i = 0; i < j->n_cols; i++)
        if ((i < l->n_cols && (j->join == LP_JOIN_RIGHT || j->join == LP_JOIN_FULL)) ||
            (i >= l->n_cols && (j->join == LP_JOIN_LEFT || j->join == LP_JOIN_FULL)))
            j->cols[i].nullable = true;
    join_using u = {0};
    if (t->natural || t->n_using > 0) {
        if ((rc = collect_using(b, t, &ls, &rs, &u)) != ST_OK ||
            (rc = using_cond(b, &u, &ls, &rs, t->pos, &j->cond)) != ST_OK)
            return rc;
    } else if (t->on) {
        bind_scope both = {0};
        both.parent = outer;
        for (int s = 0; s < 2; s++) {
            const bind_scope *sd = s ? &rs : &ls;
            for (int i = 0; i < sd->n_cols; i++)
                if ((rc = bind_scope_add(b, &both, sd->cols[i].qual, sd->cols[i].name,
                                         &sd->cols[i].col, sd->cols[i].hidden)) != ST_OK)
                    return rc;
        }
        bind_ectx x = {.scope = &both, .clause = "JOIN ON"};
        if ((rc = bind_cond(b, &x, t->on, &j->cond)) != ST_OK)
            return rc;
    }
    /* nullability of outer-join columns in the scope follows the node */
    if ((rc = join_scope(b, t, &u, &ls, &rs, &j, scope)) != ST_OK)
        return rc;
    for (int i = 0; i < scope->n_cols; i++) {
        int k = lp_find_col(j, scope->cols[i].col.id);
        if (k >= 0)
            scope->cols[i].col.nullable = j->cols[k].nullable;
    }
    *out = j;
    return ST_OK;
}

/* ---- dispatch ---------------------------------------------------------------------- */

st_status bind_from(binder *b, const sql_tableref *t, const bind_scope *outer, lp_node **out,
                    bind_scope *scope)
{
    st_status rc;
    switch (t->kind) {
    case SQL_T_NAME:
        return bind_named(b, t, scope, out);
    case SQL_T_PATH: {
        bool ok;
        lp_source_kind k = format_kind(t->format, &ok);
        if (!ok)
            return bind_error(b, t->pos, "unknown file format '%s'", t->format);
        source_opts o = {0};
        csv_options_init(&o.csv);
        o.csv.no_header = true;   /* Spark reads csv.`path` without a header row */
        if ((rc = travel_opts(b, t, &o)) != ST_OK ||
            (rc = bind_source(b, k, t->path, t->path, &o, t->pos, out)) != ST_OK)
            return rc;
        return scope_of_node(b, *out, t->alias, t, scope);
    }
    case SQL_T_FUNC: {
        const char *fn = t->name.parts[t->name.n_parts - 1];
        if (!strcasecmp(fn, "range")) {
            if ((rc = bind_range(b, t, out)) != ST_OK)
                return rc;
            return scope_of_node(b, *out, t->alias, t, scope);
        }
        if (bind_ml_is_predict_tvf(t)) {
            if ((rc = bind_ml_predict_tvf(b, t, out)) != ST_OK)
                return rc;
            return scope_of_node(b, *out, t->alias, t, scope);
        }
        if (strcasecmp(fn, "read_files") != 0) {
            bind_table bt = {0};
            rc = ST_ERR_NOTFOUND;
            if (b->env && b->env->table_func) {
                st_error_init(b->err);
                rc = b->env->table_func(b->env->ud, b->sql, t, b->c->arena, &bt, b->err);
            }
            if (rc == ST_ERR_NOTFOUND && b->err->code == ST_OK)
                return bind_error(b, t->pos, "table function '%s' does not exist",
                                  parts_text(b, &t->name));
            if (rc != ST_OK)
                return bind_error_at(b, t->pos, rc);
            if ((rc = bind_view(b, &bt, t, out)) != ST_OK)
                return rc;
            return scope_of_node(b, *out, t->alias, t, scope);
        }
        if ((rc = bind_read_files(b, t, out)) != ST_OK)
            return rc;
        return scope_of_node(b, *out, t->alias, t, scope);
    }
    case SQL_T_QUERY:
        if ((rc = bind_query(b, t->query, NULL, out)) != ST_OK)
            return rc;
        return scope_of_node(b, *out, t->alias, t, scope);
    case SQL_T_JOIN:
        return bind_join(b, t, outer, out, scope);
    }
    return bind_error(b, t->pos, "unknown table reference kind %d", (int)t->kind);
}
