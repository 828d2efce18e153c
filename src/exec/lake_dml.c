/* lake_dml.c -- writes to Delta tables from SQL: INSERT INTO / OVERWRITE
** [PARTITION] / REPLACE WHERE, UPDATE, DELETE, MERGE INTO, TRUNCATE and the
** data half of CREATE TABLE AS SELECT. Each statement is one Delta
** transaction and one commit; any failure aborts it (the written files are
** deleted and the table stays at its last version).
**
** Every statement is reduced to one query, built as an AST and run through
** the normal engine, whose rows say what changes:
**   [__a action] [__f file, __r row] [new values of every table column]
**   [check columns]
** __f/__r are the target's row ids (bind_table.row_ids: index of the file in
** the transaction's snapshot, position of the row in that file), __a the
** MERGE clause a row took. The sink (dml_sink) records "which row positions
** of which file change" as one roaring bitmap per touched file and streams
** new rows (inserts and the new versions of updated rows) straight into the
** transaction's data files. Then each touched file is rewritten without its
** recorded positions (copy-on-write; a file whose every row changed is only
** removed) -- the same positions would become deletion vectors for
** merge-on-read. Constraints: NOT NULL columns and the table's CHECK
** constraints (delta.constraints.*) are evaluated on every written row; a
** violation fails the statement before anything is committed.
**
** Query shapes:
**   INSERT  SELECT CAST(__q.__c0 AS t0) AS c0, ... FROM (query) AS __q(__c0, ...)
**   UPDATE  SELECT t._file_index, t._row_index, CAST(e AS tk) AS ck | t.ck ...
**           FROM target AS t WHERE cond
**   DELETE  SELECT t._file_index, t._row_index FROM target AS t WHERE cond
**   MERGE   SELECT * FROM (SELECT CASE WHEN g1 THEN 1 .. ELSE 0 END AS __a,
**           t._file_index, t._row_index, CASE WHEN g1 THEN v1 .. ELSE t.ck END
**           FROM target AS t {INNER|LEFT|RIGHT|FULL} JOIN
**           (SELECT *, TRUE AS __strata_sp FROM source) AS s ON cond)
**           WHERE __a <> 0
** where g_k is clause k's guard (matched: both sides present; not matched:
** only the source; not matched by source: only the target; AND its
** condition), so CASE's first match gives Delta's first-clause-wins rule. */
#include "lake.h"

#include "../delta/delta.h"
#include "../format/format.h"

#include <inttypes.h>
#include <jansson.h>
#include <roaring/roaring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#define SRC_PRESENT "__strata_sp"

static st_status oom(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory");
}

static int64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* ---- building ASTs ---------------------------------------------------------------- */

static sql_expr *e_new(st_arena *a, sql_expr_kind k)
{
    sql_expr *e = st_arena_calloc(a, 1, sizeof *e);
    if (e) {
        e->kind = k;
        e->pos = -1;
    }
    return e;
}

static sql_expr *e_col(st_arena *a, const char *qual, const char *name)
{
    sql_expr *e = e_new(a, SQL_E_NAME);
    const char **p = st_arena_calloc(a, 2, sizeof *p);
    if (!e || !p) return NULL;
    int n = 0;
    if (qual) p[n++] = qual;
    p[n++] = name;
    e->name.parts = p;
    e->name.n_parts = n;
    e->name.pos = -1;
    return e;
}

static sql_expr *e_lit(st_arena *a, sql_lit_kind k, const char *text)
{
    sql_expr *e = e_new(a, SQL_E_LITERAL);
    if (!e) return NULL;
    e->lit = k;
    if (text) {
        e->str = st_arena_strdup(a, text);
        e->str_len = (int32_t)strlen(text);
        if (!e->str) return NULL;
    }
    return e;
}

static sql_expr *e_bigint(st_arena *a, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    return e_lit(a, SQL_LIT_BIGINT, buf);
}

static sql_expr *e_bin(st_arena *a, sql_op op, sql_expr *x, sql_expr *y)
{
    if (!x || !y) return NULL;
    sql_expr *e = e_new(a, op == SQL_OP_NOT ? SQL_E_UNARY : SQL_E_BINARY);
    if (!e) return NULL;
    e->op = op;
    e->a = x;
    e->b = y;
    return e;
}

static sql_expr *e_not(st_arena *a, sql_expr *x)
{
    if (!x) return NULL;
    sql_expr *e = e_new(a, SQL_E_UNARY);
    if (!e) return NULL;
    e->op = SQL_OP_NOT;
    e->a = x;
    return e;
}

static sql_expr *e_is_null(st_arena *a, sql_expr *x, bool negated)
{
    if (!x) return NULL;
    sql_expr *e = e_new(a, SQL_E_IS);
    if (!e) return NULL;
    e->op = SQL_OP_IS_NULL;
    e->negated = negated;
    e->a = x;
    return e;
}

static sql_expr *e_cast(st_arena *a, sql_expr *x, const vec_type *t)
{
    if (!x) return NULL;
    sql_expr *e = e_new(a, SQL_E_CAST);
    sql_type *ty = st_arena_calloc(a, 1, sizeof *ty);
    if (!e || !ty) return NULL;
    ty->vt = *t;
    ty->char_len = -1;
    ty->pos = -1;
    e->a = x;
    e->type = ty;
    return e;
}

static sql_expr *e_and(st_arena *a, sql_expr *x, sql_expr *y)
{
    if (!x) return y;
    if (!y) return x;
    return e_bin(a, SQL_OP_AND, x, y);
}

/* CASE WHEN conds[i] THEN vals[i] ... ELSE els END */
static sql_expr *e_case(st_arena *a, sql_expr **conds, sql_expr **vals, int n, sql_expr *els)
{
    if (n == 0) return els;
    sql_expr *e = e_new(a, SQL_E_CASE);
    sql_expr **l = st_arena_calloc(a, (size_t)n * 2, sizeof *l);
    if (!e || !l) return NULL;
    for (int i = 0; i < n; i++) {
        if (!conds[i] || !vals[i]) return NULL;
        l[2 * i] = conds[i];
        l[2 * i + 1] = vals[i];
    }
    e->list = l;
    e->n_list = 2 * n;
    e->b = els;
    return e;
}

static sql_tableref *t_name(st_arena *a, const char *name, const char *alias)
{
    sql_tableref *t = st_arena_calloc(a, 1, sizeof *t);
    const char **p = st_arena_calloc(a, 1, sizeof *p);
    if (!t || !p) return NULL;
    t->kind = SQL_T_NAME;
    t->pos = -1;
    p[0] = name;
    t->name.parts = p;
    t->name.n_parts = 1;
    t->alias = alias;
    return t;
}

static sql_tableref *t_query(st_arena *a, sql_query *q, const char *alias)
{
    if (!q) return NULL;
    sql_tableref *t = st_arena_calloc(a, 1, sizeof *t);
    if (!t) return NULL;
    t->kind = SQL_T_QUERY;
    t->pos = -1;
    t->query = q;
    t->alias = alias;
    return t;
}

typedef struct items {
    sql_select_item *v;
    int              n, cap;
} items;

static bool item_add(st_arena *a, items *it, sql_expr *e, const char *alias)
{
    if (!e) return false;
    if (it->n == it->cap) {
        int cap = it->cap ? it->cap * 2 : 16;
        sql_select_item *nv = st_arena_realloc(a, it->v, sizeof *nv * (size_t)it->cap,
                                               sizeof *nv * (size_t)cap);
        if (!nv) return false;
        it->v = nv;
        it->cap = cap;
    }
    it->v[it->n++] = (sql_select_item){.expr = e, .alias = alias, .pos = -1};
    return true;
}

static sql_query *q_select(st_arena *a, const items *it, sql_tableref *from, sql_expr *where)
{
    sql_query *q = st_arena_calloc(a, 1, sizeof *q);
    if (!q || !from) return NULL;
    q->kind = SQL_Q_SELECT;
    q->pos = -1;
    q->items = it->v;
    q->n_items = it->n;
    q->from = from;
    q->where = where;
    return q;
}

static sql_expr *e_star(st_arena *a, const char *qual)
{
    sql_expr *e = e_new(a, SQL_E_STAR);
    if (!e) return NULL;
    if (qual) {
        const char **p = st_arena_calloc(a, 1, sizeof *p);
        if (!p) return NULL;
        p[0] = qual;
        e->name.parts = p;
        e->name.n_parts = 1;
    }
    return e;
}

/* ---- store assignment ----------------------------------------------------------- */

static bool is_numeric(vec_type_id id)
{
    switch (id) {
    case VEC_INT8: case VEC_INT16: case VEC_INT32: case VEC_INT64:
    case VEC_FLOAT: case VEC_DOUBLE: case VEC_DECIMAL:
        return true;
    default:
        return false;
    }
}

static bool is_datetime(vec_type_id id)
{
    return id == VEC_DATE || id == VEC_TIMESTAMP || id == VEC_TIMESTAMP_NTZ;
}

/* Spark's ANSI store assignment: may a value of type from be written into a
** column of type to (with a runtime-checked cast)? */
static bool store_ok(const vec_type *from, const vec_type *to)
{
    if (from->id == VEC_NULL || vec_type_equal(from, to)) return true;
    if (is_numeric(from->id) && is_numeric(to->id)) return true;
    if (is_datetime(from->id) && is_datetime(to->id)) return true;
    if (to->id == VEC_STRING && (from->id == VEC_STRING)) return true;
    if (from->id == to->id && from->id == VEC_LIST)
        return store_ok(&from->children[0].type, &to->children[0].type);
    if (from->id == to->id && from->id == VEC_STRUCT && from->n_children == to->n_children) {
        for (int i = 0; i < from->n_children; i++)
            if (!store_ok(&from->children[i].type, &to->children[i].type)) return false;
        return true;
    }
    if (from->id == to->id && from->id == VEC_MAP)
        return store_ok(&from->children[0].type, &to->children[0].type);
    return false;
}

/* ---- the statement context ------------------------------------------------------- */

typedef enum row_kind { RK_NONE = 0, RK_INSERT, RK_UPDATE, RK_DELETE } row_kind;

typedef struct dml_check {
    const char *name;            /* constraint name, or NULL for replaceWhere */
    const char *text;            /* the expression's text */
} dml_check;

typedef struct dml {
    ex_session     *s;
    const char     *sql;
    st_arena       *a;           /* statement arena (ASTs, names) */
    lake_table      tbl;
    delta_txn      *txn;
    const delta_snapshot *snap;  /* the transaction's snapshot */
    const vec_schema *schema;    /* table schema (logical) */
    const char     *qual;        /* the target's qualifier in generated queries */
    /* query layout */
    bool            has_action;
    bool            has_ids;
    bool            has_data;
    row_kind        uniform;     /* kind of every row when !has_action */
    row_kind       *clause_kind; /* MERGE: kind per action code (1-based) */
    int            *clause_match;/* MERGE: sql_merge_match per action code */
    int             n_clauses;
    bool            dup_ok;      /* MERGE: duplicate matches allowed (delete-only) */
    dml_check      *checks;
    int             n_checks, cap_checks;
    const char    **gen;         /* per column: generation expression text, or NULL */
    const char    **def;         /* per column: DEFAULT expression text, or NULL */
    bool            any_gen;
    /* results */
    roaring_bitmap_t **bm;       /* per snapshot file: changed row positions */
    size_t          n_bm;        /* entries of bm (the snapshot dies with the txn) */
    int64_t         n_insert, n_update, n_delete, n_copied;
    int64_t         by_clause_kind[3][4]; /* [match][row_kind] counts for MERGE */
    int64_t         removed_files, removed_bytes;
    int64_t         t_scan_ms, t_rewrite_ms;
    bool            lenient;     /* COPY INTO: cast any type (no store-assignment check) */
    int64_t         dvs_added;   /* files given (or extended) a deletion vector */
    int             n_old;       /* columns of the snapshot (schema evolution adds more;
                                 ** old files read without them get NULLs) */
} dml;

static void dml_free(dml *d)
{
    for (size_t i = 0; d->bm && i < d->n_bm; i++)
        if (d->bm[i]) roaring_bitmap_free(d->bm[i]);   /* not NULL-safe in every version */
    st_free(d->bm);
    if (d->txn) delta_txn_abort(d->txn);
    d->txn = NULL;
}

/* Opens the transaction on a resolved Delta target. */
static st_status dml_begin(dml *d, const sql_tableref *t, st_error *err)
{
    st_status rc = lake_resolve(d->s, d->sql, t, d->a, &d->tbl, err);
    if (rc != ST_OK) return rc;
    if (strcasecmp(d->tbl.format, "delta") != 0)
        return lake_error_at(d->sql, t->pos, ST_ERR_UNSUPPORTED, err,
                             "table '%s' is a %s table; this statement needs a Delta table",
                             d->tbl.full, d->tbl.format);
    if ((rc = delta_txn_begin(d->tbl.path, NULL, &d->txn, err)) != ST_OK)
        return st_error_context(err, "table '%s'", d->tbl.full);
    d->snap = delta_txn_snapshot(d->txn);
    d->schema = &d->snap->meta.schema;
    d->n_old = d->schema->n_fields;
    if (t->alias) d->qual = t->alias;
    else if (t->kind == SQL_T_NAME) d->qual = t->name.parts[t->name.n_parts - 1];
    else d->qual = LAKE_TARGET_NAME;
    return ST_OK;
}

/* CHECK constraints of the table (delta.constraints.<name> = expr). */
static st_status load_checks(dml *d, st_error *err)
{
    const delta_metadata *m = &d->snap->meta;
    for (int i = 0; i < m->n_config; i++)
        if (!strncasecmp(m->config_keys[i], "delta.constraints.", 18)) d->n_checks++;
    int nf = m->schema.n_fields;
    d->cap_checks = d->n_checks + nf + 2;
    d->checks = st_arena_calloc(d->a, (size_t)d->cap_checks, sizeof *d->checks);
    d->gen = st_arena_calloc(d->a, (size_t)nf + 1, sizeof *d->gen);
    d->def = st_arena_calloc(d->a, (size_t)nf + 1, sizeof *d->def);
    if (!d->checks || !d->gen || !d->def) return oom(err);
    d->n_checks = 0;
    for (int i = 0; i < m->n_config; i++)
        if (!strncasecmp(m->config_keys[i], "delta.constraints.", 18))
            d->checks[d->n_checks++] = (dml_check){m->config_keys[i] + 18, m->config_values[i]};
    /* Generated columns and defaults live in the fields' metadata. */
    for (int k = 0; m->field_info && k < nf; k++) {
        const char *x = m->field_info[k].extra_metadata;
        if (!x) continue;
        json_t *o = json_loads(x, 0, NULL);
        const char *g = json_string_value(json_object_get(o, "delta.generationExpression"));
        const char *dv = json_string_value(json_object_get(o, "CURRENT_DEFAULT"));
        if (json_object_get(o, "delta.identity.start")) {
            json_decref(o);
            return st_error_set(err, ST_ERR_UNSUPPORTED, "table '%s' has an identity column "
                                "('%s'); writing identity columns is not supported yet",
                                d->tbl.full, m->schema.fields[k].name);
        }
        if (g && !(d->gen[k] = st_arena_strdup(d->a, g))) dv = NULL;
        if (dv) d->def[k] = st_arena_strdup(d->a, dv);
        d->any_gen |= d->gen[k] != NULL;
        json_decref(o);
    }
    return ST_OK;
}

/* Generated columns a statement gave values for must equal their expression:
** a check "col <=> (expr)" each. */
static st_status check_given_generated(dml *d, const bool *given, st_error *err)
{
    for (int k = 0; d->gen && k < d->schema->n_fields; k++) {
        if (!d->gen[k] || !given[k]) continue;
        const char *c = d->schema->fields[k].name;
        char *t = st_arena_alloc(d->a, strlen(c) + strlen(d->gen[k]) + 16);
        char *nm = st_arena_alloc(d->a, strlen(c) + 24);
        if (!t || !nm) return oom(err);
        sprintf(t, "`%s` <=> (%s)", c, d->gen[k]);
        sprintf(nm, "generated column %s", c);
        if (d->n_checks < d->cap_checks) d->checks[d->n_checks++] = (dml_check){nm, t};
    }
    return ST_OK;
}

/* The expression of a check's text, parsed as "SELECT <text>". */
static st_status parse_check(dml *d, const char *text, sql_expr **out, st_error *err)
{
    size_t n = strlen(text);
    char *q = st_arena_alloc(d->a, n + 8);
    if (!q) return oom(err);
    memcpy(q, "SELECT ", 7);
    memcpy(q + 7, text, n + 1);
    sql_stmt_list *l;
    st_status rc = sql_parse(q, d->a, &l, err);
    if (rc != ST_OK) return st_error_context(err, "constraint '%s'", text);
    if (l->n_stmts != 1 || l->stmts[0]->kind != SQL_S_QUERY ||
        l->stmts[0]->query->kind != SQL_Q_SELECT || l->stmts[0]->query->n_items != 1)
        return st_error_set(err, ST_ERR_CORRUPT, "constraint '%s' is not an expression", text);
    *out = l->stmts[0]->query->items[0].expr;
    return ST_OK;
}

/* Wraps q as SELECT __w.*, (check0) AS __chk0, ... FROM (q) AS __w [WHERE w]. */
static st_status wrap_checks(dml *d, sql_query **q, sql_expr *where, st_error *err)
{
    if (d->n_checks == 0 && !where) return ST_OK;
    items it = {0};
    if (!item_add(d->a, &it, e_star(d->a, "__w"), NULL)) return oom(err);
    for (int i = 0; i < d->n_checks; i++) {
        sql_expr *e = NULL;
        st_status rc = parse_check(d, d->checks[i].text, &e, err);
        if (rc != ST_OK) return rc;
        char *alias = st_arena_alloc(d->a, 24);
        if (!alias) return oom(err);
        snprintf(alias, 24, "__chk%d", i);
        if (!item_add(d->a, &it, e, alias)) return oom(err);
    }
    *q = q_select(d->a, &it, t_query(d->a, *q, "__w"), where);
    return *q ? ST_OK : oom(err);
}

/* Computes generated columns that the statement did not give:
** SELECT __g.<meta>..., CAST((expr) AS t) AS gcol | __g.col ... FROM (q) AS __g.
** meta names the leading columns of q. */
static st_status wrap_generated(dml *d, sql_query **q, const char *const *meta, int n_meta,
                                const bool *given, st_error *err)
{
    if (!d->any_gen) return ST_OK;
    items it = {0};
    for (int i = 0; i < n_meta; i++)
        if (!item_add(d->a, &it, e_col(d->a, "__g", meta[i]), meta[i])) return oom(err);
    for (int k = 0; k < d->schema->n_fields; k++) {
        const vec_field *f = &d->schema->fields[k];
        sql_expr *e;
        if (d->gen[k] && !given[k]) {
            st_status rc = parse_check(d, d->gen[k], &e, err);
            if (rc != ST_OK) return rc;
            e = e_cast(d->a, e, &f->type);
        } else {
            e = e_col(d->a, "__g", f->name);
        }
        if (!item_add(d->a, &it, e, f->name)) return oom(err);
    }
    *q = q_select(d->a, &it, t_query(d->a, *q, "__g"), NULL);
    return *q ? ST_OK : oom(err);
}

/* A column's DEFAULT expression cast to its type, or a typed NULL. */
static st_status default_value(dml *d, int k, sql_expr **out, st_error *err)
{
    const vec_type *t = &d->schema->fields[k].type;
    if (d->def && d->def[k]) {
        sql_expr *e;
        st_status rc = parse_check(d, d->def[k], &e, err);
        if (rc != ST_OK) return rc;
        *out = e_cast(d->a, e, t);
    } else {
        *out = e_cast(d->a, e_lit(d->a, SQL_LIT_NULL, NULL), t);
    }
    return *out ? ST_OK : oom(err);
}

static lake_overlay target_overlay(const dml *d)
{
    lake_overlay ov = {.name = LAKE_TARGET_NAME};
    ov.table.kind = BIND_TABLE_SOURCE;
    ov.table.format = LP_SRC_DELTA;
    ov.table.path = d->tbl.path;
    ov.table.name = d->tbl.full;
    ov.table.snapshot = d->snap;
    ov.table.row_ids = true;
    return ov;
}

/* ---- the sink ------------------------------------------------------------------ */

static st_status row_values(const dml *d, const ex_chunk *c, int first, int64_t r, st_buf *out,
                            st_error *err)
{
    for (int k = 0; k < d->schema->n_fields; k++) {
        const vec *v = c->cols[first + k];
        st_status rc = st_buf_printf(out, err, "\n - %s : ", d->schema->fields[k].name);
        if (rc != ST_OK) return rc;
        if (!vec_is_valid(v, r)) rc = st_buf_append_str(out, "null", err);
        else if (v->type->id == VEC_STRING) {
            const int32_t *off = v->values;
            rc = st_buf_append(out, v->bytes + off[r], (size_t)(off[r + 1] - off[r]), err);
        } else if (v->type->id == VEC_INT64) rc = st_buf_printf(out, err, "%" PRId64, ((int64_t *)v->values)[r]);
        else if (v->type->id == VEC_INT32) rc = st_buf_printf(out, err, "%d", ((int32_t *)v->values)[r]);
        else if (v->type->id == VEC_DOUBLE) rc = st_buf_printf(out, err, "%g", ((double *)v->values)[r]);
        else rc = st_buf_append_str(out, "...", err);
        if (rc != ST_OK) return rc;
    }
    return ST_OK;
}

static st_status check_row(const dml *d, const ex_chunk *c, int first, int chk0, int64_t r,
                           st_error *err)
{
    for (int k = 0; k < d->schema->n_fields; k++)
        if (!d->schema->fields[k].nullable && !vec_is_valid(c->cols[first + k], r))
            return st_error_set(err, ST_ERR_CONSTRAINT,
                                "NOT NULL constraint violated for column: %s",
                                d->schema->fields[k].name);
    for (int k = 0; k < d->n_checks; k++) {
        const vec *v = c->cols[chk0 + k];
        if (vec_is_valid(v, r) && vec_bit_get(v->values, r)) continue;
        st_buf vals;
        st_buf_init(&vals);
        st_error tmp;
        st_error_init(&tmp);
        row_values(d, c, first, r, &vals, &tmp);
        st_buf_append_byte(&vals, 0, &tmp);
        if (d->checks[k].name)
            st_error_set(err, ST_ERR_CONSTRAINT, "CHECK constraint %s (%s) violated by row with "
                         "values:%s", d->checks[k].name, d->checks[k].text,
                         vals.data ? (const char *)vals.data : "");
        else
            st_error_set(err, ST_ERR_CONSTRAINT, "data written out does not match replaceWhere "
                         "'%s'; row with values:%s", d->checks[k].text,
                         vals.data ? (const char *)vals.data : "");
        st_buf_destroy(&vals);
        return ST_ERR_CONSTRAINT;
    }
    return ST_OK;
}

static st_status mark_row(dml *d, int64_t f, int64_t r, bool is_delete, bool *fresh,
                          st_error *err)
{
    *fresh = true;
    if (f < 0 || (size_t)f >= d->snap->n_files || r < 0 || r > UINT32_MAX)
        return st_error_set(err, ST_ERR_INTERNAL, "row id (%" PRId64 ", %" PRId64 ") outside "
                            "the table", f, r);
    if (!d->bm) {
        d->bm = st_calloc(d->snap->n_files + 1, sizeof *d->bm);
        if (!d->bm) return oom(err);
        d->n_bm = d->snap->n_files;
    }
    if (!d->bm[f] && !(d->bm[f] = roaring_bitmap_create())) return oom(err);
    if (roaring_bitmap_add_checked(d->bm[f], (uint32_t)r)) return ST_OK;
    *fresh = false;
    if (d->has_action && !(is_delete && d->dup_ok))
        return st_error_set(err, ST_ERR_CONSTRAINT, "MERGE failed: multiple source rows matched "
                            "and attempted to modify the same target row in '%s' (a target row "
                            "may match at most one source row)", d->tbl.full);
    return ST_OK;
}

static st_status write_rows(dml *d, const ex_chunk *c, int first, const int32_t *idx, int64_t n,
                            st_error *err)
{
    if (n == 0) return ST_OK;
    st_arena *a = st_arena_new(0);
    if (!a) return oom(err);
    vec **cols = st_arena_calloc(a, (size_t)d->schema->n_fields + 1, sizeof *cols);
    st_status rc = cols ? ST_OK : oom(err);
    for (int k = 0; rc == ST_OK && k < d->schema->n_fields; k++) {
        const vec *v = c->cols[first + k];
        if (idx) rc = vec_take(a, v, idx, n, &cols[k], err);
        else cols[k] = (vec *)v;
        if (rc == ST_OK) vec_set_type(cols[k], &d->schema->fields[k].type);
    }
    if (rc == ST_OK) {
        vec_batch b = {.schema = d->schema, .n_rows = n, .n_cols = d->schema->n_fields,
                       .cols = cols, .arena = a};
        rc = delta_txn_write(d->txn, &b, err);
    }
    st_arena_free(a);
    return rc;
}

static st_status dml_sink(void *ud, const ex_chunk *c, st_error *err)
{
    dml *d = ud;
    int col = 0;
    const int64_t *act = NULL, *fi = NULL, *ri = NULL;
    const vec *fv = NULL;             /* null on rows without a target side (MERGE) */
    if (d->has_action) act = c->cols[col++]->values;
    if (d->has_ids) {
        fv = c->cols[col++];
        fi = fv->values;
        ri = c->cols[col++]->values;
    }
    int first = col;
    int chk0 = first + (d->has_data ? d->schema->n_fields : 0);
    int32_t *idx = st_malloc(sizeof *idx * (size_t)(c->n_rows + 1));
    if (!idx) return oom(err);
    int64_t n_w = 0;
    st_status rc = ST_OK;
    for (int64_t r = 0; r < c->n_rows && rc == ST_OK; r++) {
        row_kind k = d->uniform;
        int match = 0;
        if (act) {
            int64_t code = act[r];
            if (code <= 0 || code > d->n_clauses) continue;
            k = d->clause_kind[code - 1];
            match = d->clause_match[code - 1];
        }
        if (k == RK_UPDATE || k == RK_DELETE) {
            if (!fv || !vec_is_valid(fv, r)) {
                rc = st_error_set(err, ST_ERR_INTERNAL, "changed row without a row id");
                break;
            }
            bool fresh;
            rc = mark_row(d, fi[r], ri[r], k == RK_DELETE, &fresh, err);
            if (rc == ST_OK && !fresh) continue;   /* a duplicate delete: counted once */
        }
        if (rc == ST_OK && (k == RK_INSERT || k == RK_UPDATE)) {
            rc = check_row(d, c, first, chk0, r, err);
            idx[n_w++] = (int32_t)r;
        }
        if (k == RK_INSERT) d->n_insert++;
        else if (k == RK_UPDATE) d->n_update++;
        else if (k == RK_DELETE) d->n_delete++;
        if (act) d->by_clause_kind[match][k]++;
    }
    if (rc == ST_OK && d->has_data)
        rc = write_rows(d, c, first, n_w == c->n_rows ? NULL : idx, n_w, err);
    st_free(idx);
    return rc;
}

/* Runs q (bound with the target overlay) into the sink. */
static st_status run_into_sink(dml *d, sql_query *q, st_error *err)
{
    lake_overlay ov = target_overlay(d);
    lake_query *lq = NULL;
    int64_t t0 = now_ms();
    st_status rc = lake_query_prepare(d->s, d->sql, q, &ov, d->snap ? 1 : 0, &lq, err);
    if (rc == ST_OK) rc = lake_query_run(lq, dml_sink, d, NULL, err);
    lake_query_free(lq);
    d->t_scan_ms += now_ms() - t0;
    return rc;
}

/* ---- rewriting touched files ------------------------------------------------------- */

/* Rows of f not yet deleted (numRecords minus its deletion vector), -1 unknown. */
static int64_t live_records(const delta_file *f)
{
    int64_t n = delta_file_num_records(f);
    return n >= 0 && f->has_dv ? n - f->dv.cardinality : n;
}

static st_status rewrite_file(dml *d, size_t fi, st_error *err)
{
    const delta_file *f = &d->snap->files[fi];
    const roaring_bitmap_t *bm = d->bm[fi];
    int64_t live = live_records(f);
    if (live < 0 || (int64_t)roaring_bitmap_get_cardinality(bm) != live) {
        delta_scan_options o = {.row_ids = true, .files = &fi, .n_files = 1};
        delta_scan *sc;
        st_status rc = delta_scan_open(d->snap, &o, &sc, err);
        if (rc != ST_OK) return rc;
        for (;;) {
            vec_batch *b = NULL;
            if ((rc = delta_scan_next(sc, &b, err)) != ST_OK || !b) break;
            const int64_t *row = b->cols[b->n_cols - 1]->values;
            int32_t *idx = st_malloc(sizeof *idx * (size_t)(b->n_rows + 1));
            if (!idx) {
                vec_batch_free(b);
                rc = oom(err);
                break;
            }
            int64_t n = 0;
            for (int64_t r = 0; r < b->n_rows; r++)
                if (!roaring_bitmap_contains(bm, (uint32_t)row[r])) idx[n++] = (int32_t)r;
            ex_chunk c = {.cols = b->cols, .n_cols = b->n_cols, .n_rows = b->n_rows};
            if (d->schema->n_fields > d->n_old) {  /* columns added by schema evolution */
                vec **cols = st_arena_calloc(b->arena, (size_t)d->schema->n_fields + 1,
                                             sizeof *cols);
                if (!cols) rc = oom(err);
                for (int k = 0; rc == ST_OK && k < d->schema->n_fields; k++)
                    if (k < d->n_old) cols[k] = b->cols[k];
                    else rc = vec_constant(b->arena, &d->schema->fields[k].type, NULL, b->n_rows,
                                           &cols[k], err);
                c.cols = cols;
                c.n_cols = d->schema->n_fields;
            }
            if (rc == ST_OK) rc = write_rows(d, &c, 0, n == b->n_rows ? NULL : idx, n, err);
            d->n_copied += n;
            st_free(idx);
            vec_batch_free(b);                /* the scan hands each batch over */
            if (rc != ST_OK) break;
        }
        delta_scan_close(sc);
        if (rc != ST_OK) return st_error_context(err, "rewriting %s", f->path);
    }
    d->removed_files++;
    d->removed_bytes += f->size;
    return delta_txn_remove(d->txn, f, err);
}

/* Merge-on-read: the positions become the file's deletion vector; nothing
** is copied. A file whose every row goes is removed. */
static st_status mark_deleted(dml *d, size_t fi, st_error *err)
{
    const delta_file *f = &d->snap->files[fi];
    uint64_t n = roaring_bitmap_get_cardinality(d->bm[fi]);
    uint32_t *r32 = st_malloc(sizeof *r32 * (size_t)(n + 1));
    uint64_t *rows = st_malloc(sizeof *rows * (size_t)(n + 1));
    st_status rc = r32 && rows ? ST_OK : oom(err);
    if (rc == ST_OK) {
        roaring_bitmap_to_uint32_array(d->bm[fi], r32);
        for (uint64_t i = 0; i < n; i++) rows[i] = r32[i];
        int64_t live = live_records(f);
        if (live >= 0 && (int64_t)n == live) {
            d->removed_files++;
            d->removed_bytes += f->size;
        } else {
            d->dvs_added++;
        }
        rc = delta_txn_delete_rows(d->txn, f, rows, (size_t)n, err);
    }
    st_free(r32);
    st_free(rows);
    return rc;
}

static st_status rewrite_touched(dml *d, st_error *err)
{
    int64_t t0 = now_ms();
    st_status rc = ST_OK;
    bool dv = d->snap && delta_dv_enabled(d->snap);
    for (size_t i = 0; d->bm && rc == ST_OK && i < d->snap->n_files; i++)
        if (d->bm[i]) rc = dv ? mark_deleted(d, i, err) : rewrite_file(d, i, err);
    d->t_rewrite_ms += now_ms() - t0;
    return rc;
}

/* ---- commit and result ------------------------------------------------------------ */

typedef struct metric {
    const char *key;
    int64_t     value;
} metric;

static st_status commit(dml *d, const char *op, const char *params, const metric *m, int n_m,
                        int64_t *version, st_error *err)
{
    st_buf b;
    st_buf_init(&b);
    st_status rc = st_buf_append_byte(&b, '{', err);
    for (int i = 0; rc == ST_OK && i < n_m; i++)
        rc = st_buf_printf(&b, err, "%s\"%s\":\"%" PRId64 "\"", i ? "," : "", m[i].key,
                           m[i].value);
    if (rc == ST_OK) rc = st_buf_append(&b, "}", 2, err);
    if (rc == ST_OK) rc = delta_txn_set_metrics(d->txn, (const char *)b.data, err);
    st_buf_destroy(&b);
    if (rc != ST_OK) return rc;
    delta_txn *t = d->txn;
    d->txn = NULL;
    int64_t v = -1;
    rc = delta_txn_commit(t, op, params, &v, err);
    if (version) *version = v;
    if (rc != ST_OK) return st_error_context(err, "table '%s'", d->tbl.full);
    return ST_OK;
}

/* operationMetrics of UPDATE / DELETE (Delta's names; count_key is
** numUpdatedRows or numDeletedRows) into m[11], after closing the data
** files so the added bytes are exact. m[7] is numAddedFiles. */
static st_status rewrite_metrics(dml *d, const char *count_key, int64_t count, metric *m,
                                 st_error *err)
{
    int64_t files = 0, rows = 0, bytes = 0;
    st_status rc = delta_txn_flush(d->txn, err);
    if (rc != ST_OK) return rc;
    delta_txn_written(d->txn, &files, &rows, &bytes);
    const metric v[11] = {
        {"numRemovedFiles", d->removed_files}, {"numRemovedBytes", d->removed_bytes},
        {"numCopiedRows", d->n_copied}, {"numDeletionVectorsAdded", d->dvs_added},
        {"numAddedChangeFiles", 0}, {"executionTimeMs", d->t_scan_ms + d->t_rewrite_ms},
        {count_key, count}, {"numAddedFiles", files}, {"scanTimeMs", d->t_scan_ms},
        {"numAddedBytes", bytes}, {"rewriteTimeMs", d->t_rewrite_ms}};
    memcpy(m, v, sizeof v);
    return ST_OK;
}

static st_status count_result(const char *const *names, const int64_t *vals, int n,
                              ex_result **out, st_error *err)
{
    return lake_int_result("dml", names, n, vals, out, err);
}

/* operationParameters' "predicate" value: the JSON text of a string holding
** a JSON array with the condition's source text, as Delta writes it. */
static const char *pred_param(dml *d, const sql_expr *e, int32_t to)
{
    if (!e) return "\"[]\"";
    const char *text = lake_expr_text(d->sql, e, to, d->a);
    json_t *arr = json_array();
    json_array_append_new(arr, json_string(text ? text : ""));
    char *inner = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    json_t *str = json_string(inner ? inner : "[]");
    free(inner);
    char *outer = json_dumps(str, JSON_ENCODE_ANY);
    json_decref(str);
    const char *r = outer ? st_arena_strdup(d->a, outer) : NULL;
    free(outer);
    return r ? r : "\"[]\"";
}

/* JSON-quoted source text sql[from, to), trimmed, into the arena. */
static const char *json_text(dml *d, int32_t from, int32_t to)
{
    if (from < 0 || to <= from) return "[]";
    while (from < to && (d->sql[from] == ' ' || d->sql[from] == '\n')) from++;
    while (to > from && (d->sql[to - 1] == ' ' || d->sql[to - 1] == '\n' ||
                         d->sql[to - 1] == ';'))
        to--;
    json_t *s = json_stringn(d->sql + from, (size_t)(to - from));
    char *j = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
    json_decref(s);
    const char *r = j ? st_arena_strdup(d->a, j) : NULL;
    free(j);
    return r ? r : "\"\"";
}

/* ---- INSERT ----------------------------------------------------------------------- */

static int find_col(const vec_schema *s, const char *name)
{
    for (int i = 0; i < s->n_fields; i++)
        if (!strcasecmp(s->fields[i].name, name)) return i;
    return -1;
}

/* Output types of a query bound on its own (for store-assignment checks). */
static st_status query_types(dml *d, const sql_query *q, const lp_node **root, lake_query **lq,
                             st_error *err)
{
    st_status rc = lake_query_prepare(d->s, d->sql, q, NULL, 0, lq, err);
    if (rc == ST_OK) *root = lake_query_root(*lq);
    return rc;
}

/* Schema evolution: adds nullable columns (names[i] of types[i]) to the
** table in this transaction, before any data is written. */
static st_status evolve_schema(dml *d, const char *const *names, const vec_type *types, int n,
                               st_error *err)
{
    if (n == 0) return ST_OK;
    const delta_metadata *m = &d->snap->meta;
    int old = d->schema->n_fields, nf = old + n;
    vec_schema *ns = st_arena_calloc(d->a, 1, sizeof *ns);
    vec_field *f = st_arena_calloc(d->a, (size_t)nf + 1, sizeof *f);
    delta_field_info *info = st_arena_calloc(d->a, (size_t)nf + 1, sizeof *info);
    const char **gen = st_arena_calloc(d->a, (size_t)nf + 1, sizeof *gen);
    const char **def = st_arena_calloc(d->a, (size_t)nf + 1, sizeof *def);
    if (!ns || !f || !info || !gen || !def) return oom(err);
    memcpy(f, d->schema->fields, sizeof *f * (size_t)old);
    for (int k = 0; k < old; k++) {
        if (m->field_info) info[k] = m->field_info[k];
        else info[k] = (delta_field_info){.physical_name = f[k].name, .field_id = -1};
        if (d->gen) gen[k] = d->gen[k];
        if (d->def) def[k] = d->def[k];
    }
    for (int i = 0; i < n; i++) {
        if (types[i].id == VEC_NULL)
            return st_error_set(err, ST_ERR_BIND, "cannot add column '%s' of unknown type (NULL)",
                                names[i]);
        f[old + i] = (vec_field){.name = names[i], .type = types[i], .nullable = true};
        info[old + i] = (delta_field_info){.physical_name = names[i], .field_id = -1};
    }
    ns->n_fields = nf;
    ns->fields = f;
    const char **keys = st_arena_calloc(d->a, (size_t)m->n_config + 2, sizeof *keys);
    const char **vals = st_arena_calloc(d->a, (size_t)m->n_config + 2, sizeof *vals);
    if (!keys || !vals) return oom(err);
    int nc = 0;
    const char *mode = delta_config_get(m, "delta.columnMapping.mode");
    for (int i = 0; i < m->n_config; i++) {
        keys[nc] = m->config_keys[i];
        vals[nc++] = m->config_values[i];
    }
    /* Under column mapping delta_txn_set_metadata names new columns. */
    if (mode && strcasecmp(mode, "none"))
        for (int i = 0; i < n; i++) info[old + i].physical_name = NULL;
    delta_create_options co = {.schema = ns, .n_partition_cols = m->n_partition_cols,
                               .partition_cols = m->partition_cols, .n_config = nc,
                               .config_keys = keys, .config_values = vals, .name = m->name,
                               .description = m->description};
    st_status rc = delta_txn_set_metadata(d->txn, &co, info, err);
    if (rc != ST_OK) return rc;
    d->schema = ns;
    d->gen = gen;
    d->def = def;
    return ST_OK;
}

static bool auto_merge(const dml *d)
{
    return ex_session_flag(d->s, "spark.databricks.delta.schema.autoMerge.enabled", false);
}

/* SELECT casts of the user query's columns into the table's columns. For
** each table column k, src[k] is the query column index or -1 (then the
** value is static[k] or NULL). */
static st_status insert_query(dml *d, const sql_insert *ins, sql_query **out, st_error *err)
{
    const vec_schema *s = d->schema;
    const lp_node *root;
    lake_query *lq = NULL;
    st_status rc = query_types(d, ins->query, &root, &lq, err);
    if (rc != ST_OK) return rc;
    int n_q = root->n_cols;
    int *src = st_arena_calloc(d->a, (size_t)s->n_fields + 1, sizeof *src);
    sql_expr **stat = st_arena_calloc(d->a, (size_t)s->n_fields + 1, sizeof *stat);
    vec_type *qt = st_arena_calloc(d->a, (size_t)n_q + 1, sizeof *qt);
    const char **qn = st_arena_calloc(d->a, (size_t)n_q + 1, sizeof *qn);
    if (!src || !stat || !qt || !qn) rc = oom(err);
    for (int i = 0; rc == ST_OK && i < n_q; i++) {
        qt[i] = root->cols[i].type;   /* shallow: types live in the plan arena */
        rc = vec_type_copy(d->a, &root->cols[i].type, &qt[i], err);
        qn[i] = st_arena_strdup(d->a, root->cols[i].name ? root->cols[i].name : "");
    }
    lake_query_free(lq);
    if (rc != ST_OK) return rc;
    if (auto_merge(d) && !d->lenient) {   /* new columns of the query join the table */
        const char **nn = st_arena_calloc(d->a, (size_t)n_q + 1, sizeof *nn);
        vec_type *nt = st_arena_calloc(d->a, (size_t)n_q + 1, sizeof *nt);
        if (!nn || !nt) return oom(err);
        int n_new = 0;
        if (ins->by_name || ins->n_cols > 0) {
            for (int i = 0; i < n_q; i++) {
                const char *nm = ins->by_name ? qn[i] : i < ins->n_cols ? ins->cols[i] : NULL;
                if (nm && find_col(s, nm) < 0) {
                    nn[n_new] = nm;
                    nt[n_new++] = qt[i];
                }
            }
        } else if (ins->n_partition == 0) {
            for (int i = s->n_fields; i < n_q; i++) {
                nn[n_new] = qn[i];
                nt[n_new++] = qt[i];
            }
        }
        if ((rc = evolve_schema(d, nn, nt, n_new, err)) != ST_OK) return rc;
        s = d->schema;
        src = st_arena_calloc(d->a, (size_t)s->n_fields + 1, sizeof *src);
        stat = st_arena_calloc(d->a, (size_t)s->n_fields + 1, sizeof *stat);
        if (!src || !stat) return oom(err);
    }
    for (int k = 0; k < s->n_fields; k++) src[k] = -1;
    /* Static partition values. */
    bool *is_static = st_arena_calloc(d->a, (size_t)s->n_fields + 1, sizeof *is_static);
    if (!is_static) return oom(err);
    for (int i = 0; i < ins->n_partition; i++) {
        int k = find_col(s, ins->partition[i].key);
        if (k < 0)
            return lake_error_at(d->sql, ins->partition[i].pos, ST_ERR_BIND, err,
                                 "PARTITION column '%s' is not a column of '%s'",
                                 ins->partition[i].key, d->tbl.full);
        if (ins->partition_values && ins->partition_values[i]) {
            stat[k] = ins->partition_values[i];
            is_static[k] = true;
        }
    }
    int n_target = 0;
    if (ins->by_name) {
        for (int i = 0; i < n_q; i++) {
            int k = find_col(s, qn[i]);
            if (k < 0)
                return lake_error_at(d->sql, ins->query->pos, ST_ERR_BIND, err,
                                     "cannot write to '%s': column '%s' of the query is not a "
                                     "column of the table", d->tbl.full, qn[i]);
            src[k] = i;
        }
        n_target = n_q;
    } else if (ins->n_cols > 0) {
        if (ins->n_cols != n_q)
            return lake_error_at(d->sql, ins->query->pos, ST_ERR_BIND, err,
                                 "cannot write to '%s': the column list has %d columns but the "
                                 "query produces %d", d->tbl.full, ins->n_cols, n_q);
        for (int i = 0; i < ins->n_cols; i++) {
            int k = find_col(s, ins->cols[i]);
            if (k < 0)
                return lake_error_at(d->sql, ins->query->pos, ST_ERR_BIND, err,
                                     "column '%s' is not a column of '%s'", ins->cols[i],
                                     d->tbl.full);
            if (src[k] >= 0)
                return lake_error_at(d->sql, ins->query->pos, ST_ERR_BIND, err,
                                     "column '%s' is listed twice", ins->cols[i]);
            src[k] = i;
        }
        n_target = n_q;
    } else {
        int want = 0;
        for (int k = 0; k < s->n_fields; k++) want += !is_static[k];
        if (n_q != want)
            return lake_error_at(d->sql, ins->query->pos, ST_ERR_BIND, err,
                                 "cannot write to '%s': it has %d columns%s but the query "
                                 "produces %d", d->tbl.full, want,
                                 want != s->n_fields ? " besides the static partition values" : "",
                                 n_q);
        for (int k = 0, i = 0; k < s->n_fields; k++)
            if (!is_static[k]) src[k] = i++;
        n_target = n_q;
    }
    (void)n_target;
    /* Type checks (Spark's ANSI store assignment). */
    for (int k = 0; k < s->n_fields; k++) {
        if (src[k] < 0 || d->lenient) continue;
        if (!store_ok(&qt[src[k]], &s->fields[k].type)) {
            char ft[64], tt[64];
            vec_type_format(&qt[src[k]], ft, sizeof ft);
            vec_type_format(&s->fields[k].type, tt, sizeof tt);
            return lake_error_at(d->sql, ins->query->pos, ST_ERR_BIND, err,
                                 "cannot write incompatible data to table '%s': cannot safely "
                                 "cast column '%s' from %s to %s", d->tbl.full,
                                 s->fields[k].name, ft, tt);
        }
    }
    /* SELECT CAST(__q.__cI AS T) AS col ... FROM (query) AS __q(__c0, ...) */
    const char **aliases = st_arena_calloc(d->a, (size_t)n_q + 1, sizeof *aliases);
    if (!aliases) return oom(err);
    for (int i = 0; i < n_q; i++) {
        char *nm = st_arena_alloc(d->a, 24);
        if (!nm) return oom(err);
        snprintf(nm, 24, "__c%d", i);
        aliases[i] = nm;
    }
    items it = {0};
    for (int k = 0; k < s->n_fields; k++) {
        const vec_type *t = &s->fields[k].type;
        sql_expr *e;
        if (src[k] >= 0) {
            e = e_col(d->a, "__q", aliases[src[k]]);
            if (!vec_type_equal(&qt[src[k]], t)) e = e_cast(d->a, e, t);
        } else if (stat[k]) {
            e = e_cast(d->a, stat[k], t);
        } else if ((rc = default_value(d, k, &e, err)) != ST_OK) {
            return rc;
        }
        if (!item_add(d->a, &it, e, s->fields[k].name)) return oom(err);
    }
    sql_tableref *from = t_query(d->a, ins->query, "__q");
    if (!from) return oom(err);
    from->col_aliases = aliases;
    from->n_col_aliases = n_q;
    *out = q_select(d->a, &it, from, NULL);
    if (!*out) return oom(err);
    bool *given = st_arena_calloc(d->a, (size_t)s->n_fields + 1, sizeof *given);
    if (!given) return oom(err);
    for (int k = 0; k < s->n_fields; k++) given[k] = src[k] >= 0 || stat[k];
    if ((rc = check_given_generated(d, given, err)) != ST_OK) return rc;
    return wrap_generated(d, out, NULL, 0, given, err);
}

/* Removes files the delete query marks (positions), for REPLACE WHERE and
** static-partition overwrite: SELECT ids FROM target WHERE cond. */
static st_status delete_where(dml *d, sql_expr *cond, st_error *err)
{
    items it = {0};
    if (!item_add(d->a, &it, e_col(d->a, d->qual, LP_ROW_FILE), "__f") ||
        !item_add(d->a, &it, e_col(d->a, d->qual, LP_ROW_INDEX), "__r"))
        return oom(err);
    sql_query *q = q_select(d->a, &it, t_name(d->a, LAKE_TARGET_NAME, d->qual), cond);
    if (!q) return oom(err);
    bool had = d->has_data;
    row_kind u = d->uniform;
    d->has_ids = true;
    d->has_data = false;
    d->uniform = RK_DELETE;
    int n_checks = d->n_checks;
    d->n_checks = 0;
    st_status rc = run_into_sink(d, q, err);
    d->n_checks = n_checks;
    d->has_ids = false;
    d->has_data = had;
    d->uniform = u;
    return rc;
}

static st_status run_insert(dml *d, const sql_stmt *st, ex_result **out, st_error *err)
{
    const sql_insert *ins = st->insert;
    st_status rc = dml_begin(d, ins->target, err);
    if (rc == ST_OK) rc = load_checks(d, err);
    sql_query *q = NULL;
    if (rc == ST_OK) rc = insert_query(d, ins, &q, err);
    sql_expr *static_cond = NULL;
    for (int i = 0; rc == ST_OK && ins->overwrite && i < ins->n_partition; i++)
        if (ins->partition_values && ins->partition_values[i])
            static_cond = e_and(d->a, static_cond,
                                e_bin(d->a, SQL_OP_EQ_NULLSAFE,
                                      e_col(d->a, d->qual, ins->partition[i].key),
                                      ins->partition_values[i]));
    if (rc == ST_OK && ins->replace_where) {
        /* New rows must satisfy the condition: a check without a name. */
        d->checks[d->n_checks++] = (dml_check){NULL, lake_expr_text(d->sql, ins->replace_where,
                                                                    ins->query->pos, d->a)};
        if (!d->checks[d->n_checks - 1].text) rc = oom(err);
    }
    if (rc == ST_OK) rc = wrap_checks(d, &q, NULL, err);
    if (rc == ST_OK && ins->overwrite && !static_cond) {
        delta_txn_set_mode(d->txn, DELTA_OVERWRITE);
        for (size_t i = 0; i < d->snap->n_files; i++) {
            d->removed_files++;
            d->removed_bytes += d->snap->files[i].size;
        }
    }
    if (rc == ST_OK && (static_cond || ins->replace_where))
        rc = delete_where(d, static_cond ? static_cond : ins->replace_where, err);
    d->has_data = true;
    d->uniform = RK_INSERT;
    if (rc == ST_OK) rc = run_into_sink(d, q, err);
    if (rc == ST_OK) rc = rewrite_touched(d, err);
    int64_t files = 0, rows = 0, bytes = 0, version = -1;
    if (rc != ST_OK) return rc;
    if ((rc = delta_txn_flush(d->txn, err)) != ST_OK) return rc;
    delta_txn_written(d->txn, &files, &rows, &bytes);
    metric m[] = {{"numFiles", files}, {"numOutputRows", d->n_insert},
                  {"numOutputBytes", bytes}, {"numRemovedFiles", d->removed_files},
                  {"numRemovedBytes", d->removed_bytes}, {"numCopiedRows", d->n_copied},
                  {"numDeletedRows", d->n_delete}};
    char params[1024];
    const char *mode = ins->overwrite ? "Overwrite" : "Append";
    if (ins->replace_where || static_cond)
        snprintf(params, sizeof params, "{\"mode\":\"Overwrite\",\"partitionBy\":\"[]\","
                 "\"predicate\":%s}", ins->replace_where ?
                 pred_param(d, ins->replace_where, ins->query->pos) : "\"partition\"");
    else
        snprintf(params, sizeof params, "{\"mode\":\"%s\",\"partitionBy\":\"[]\"}", mode);
    if (rc == ST_OK)
        rc = commit(d, "WRITE", params, m, ins->replace_where || static_cond ? 7 :
                    ins->overwrite ? 5 : 3, &version, err);
    if (rc != ST_OK) return rc;
    const char *names[2] = {"num_affected_rows", "num_inserted_rows"};
    int64_t vals[2] = {d->n_insert, d->n_insert};
    return count_result(names, vals, 2, out, err);
}

/* ---- UPDATE / DELETE -------------------------------------------------------------- */

static st_status run_update(dml *d, const sql_stmt *st, ex_result **out, st_error *err)
{
    const sql_update *up = st->update;
    st_status rc = dml_begin(d, up->target, err);
    if (rc == ST_OK) rc = load_checks(d, err);
    if (rc != ST_OK) return rc;
    const vec_schema *s = d->schema;
    sql_expr **val = st_arena_calloc(d->a, (size_t)s->n_fields + 1, sizeof *val);
    if (!val) return oom(err);
    for (int i = 0; i < up->n_sets; i++) {
        const sql_assign *as = &up->sets[i];
        const sql_name *cn = &as->column;
        const char *col = cn->parts[cn->n_parts - 1];
        if (cn->n_parts > 2 || (cn->n_parts == 2 && strcasecmp(cn->parts[0], d->qual)))
            return lake_error_at(d->sql, as->pos, ST_ERR_UNSUPPORTED, err,
                                 "cannot assign to '%s': nested fields are not supported in "
                                 "UPDATE yet", cn->parts[0]);
        int k = find_col(s, col);
        if (k < 0)
            return lake_error_at(d->sql, as->pos, ST_ERR_BIND, err,
                                 "unknown column '%s' in table '%s'", col, d->tbl.full);
        if (val[k])
            return lake_error_at(d->sql, as->pos, ST_ERR_BIND, err,
                                 "column '%s' is assigned twice", col);
        if (as->value) val[k] = e_cast(d->a, as->value, &s->fields[k].type);
        else if ((rc = default_value(d, k, &val[k], err)) != ST_OK) return rc;
        if (!val[k]) return oom(err);
    }
    items it = {0};
    if (!item_add(d->a, &it, e_col(d->a, d->qual, LP_ROW_FILE), "__f") ||
        !item_add(d->a, &it, e_col(d->a, d->qual, LP_ROW_INDEX), "__r"))
        return oom(err);
    for (int k = 0; k < s->n_fields; k++)
        if (!item_add(d->a, &it, val[k] ? val[k] : e_col(d->a, d->qual, s->fields[k].name),
                      s->fields[k].name))
            return oom(err);
    sql_query *q = q_select(d->a, &it, t_name(d->a, LAKE_TARGET_NAME, d->qual), up->where);
    if (!q) return oom(err);
    bool *given = st_arena_calloc(d->a, (size_t)s->n_fields + 1, sizeof *given);
    if (!given) return oom(err);
    for (int k = 0; k < s->n_fields; k++) given[k] = val[k] != NULL;
    static const char *const ids[2] = {"__f", "__r"};
    if ((rc = check_given_generated(d, given, err)) != ST_OK ||
        (rc = wrap_generated(d, &q, ids, 2, given, err)) != ST_OK)
        return rc;
    if ((rc = wrap_checks(d, &q, NULL, err)) != ST_OK) return rc;
    d->has_ids = d->has_data = true;
    d->uniform = RK_UPDATE;
    if ((rc = run_into_sink(d, q, err)) != ST_OK) return rc;
    if ((rc = rewrite_touched(d, err)) != ST_OK) return rc;
    metric m[11];
    if ((rc = rewrite_metrics(d, "numUpdatedRows", d->n_update, m, err)) != ST_OK) return rc;
    char params[4096];
    snprintf(params, sizeof params, "{\"predicate\":%s}", pred_param(d, up->where, st->end));
    if (d->n_update == 0) {
        delta_txn_abort(d->txn);      /* nothing matched: no commit, as in Delta */
        d->txn = NULL;
    } else if ((rc = commit(d, "UPDATE", params, m, 11, NULL, err)) != ST_OK) {
        return rc;
    }
    const char *names[1] = {"num_affected_rows"};
    int64_t vals[1] = {d->n_update};
    return count_result(names, vals, 1, out, err);
}

static st_status run_delete(dml *d, const sql_stmt *st, bool truncate, ex_result **out,
                            st_error *err)
{
    const sql_tableref *target = truncate ? st->truncate : st->delete_->target;
    const sql_expr *where = truncate ? NULL : st->delete_->where;
    st_status rc = dml_begin(d, target, err);
    if (rc != ST_OK) return rc;
    if (!where) {                      /* every file goes: no data is read */
        bool known = true;
        for (size_t i = 0; rc == ST_OK && i < d->snap->n_files; i++) {
            int64_t n = live_records(&d->snap->files[i]);
            if (n < 0) known = false;
            else d->n_delete += n;
            d->removed_files++;
            d->removed_bytes += d->snap->files[i].size;
            rc = delta_txn_remove(d->txn, &d->snap->files[i], err);
        }
        if (!known) d->n_delete = -1;
    } else {
        items it = {0};
        if (!item_add(d->a, &it, e_col(d->a, d->qual, LP_ROW_FILE), "__f") ||
            !item_add(d->a, &it, e_col(d->a, d->qual, LP_ROW_INDEX), "__r"))
            return oom(err);
        sql_query *q = q_select(d->a, &it, t_name(d->a, LAKE_TARGET_NAME, d->qual),
                                (sql_expr *)where);
        if (!q) return oom(err);
        d->has_ids = true;
        d->uniform = RK_DELETE;
        if ((rc = run_into_sink(d, q, err)) != ST_OK) return rc;
        rc = rewrite_touched(d, err);
    }
    if (rc != ST_OK) return rc;
    metric m[11];
    if ((rc = rewrite_metrics(d, "numDeletedRows", d->n_delete < 0 ? 0 : d->n_delete, m,
                              err)) != ST_OK)
        return rc;
    int64_t files = m[7].value;
    char params[4096];
    snprintf(params, sizeof params, "{\"predicate\":%s}", pred_param(d, where, st->end));
    if (d->removed_files == 0 && files == 0 && d->dvs_added == 0) {
        delta_txn_abort(d->txn);       /* nothing to change: no commit */
        d->txn = NULL;
    } else if ((rc = commit(d, truncate ? "TRUNCATE" : "DELETE", params, m, 11, NULL, err)) !=
               ST_OK) {
        return rc;
    }
    if (truncate) return ST_OK;
    const char *names[1] = {"num_affected_rows"};
    int64_t vals[1] = {d->n_delete < 0 ? 0 : d->n_delete};
    return count_result(names, vals, 1, out, err);
}

/* ---- MERGE ------------------------------------------------------------------------ */

typedef struct count_sink {
    int64_t n;
} count_sink;

static st_status count_rows_sink(void *ud, const ex_chunk *c, st_error *err)
{
    (void)err;
    ((count_sink *)ud)->n += ((const int64_t *)c->cols[0]->values)[0];
    return ST_OK;
}

/* SELECT count(*) FROM src -- MERGE's numSourceRows. */
static st_status count_source(dml *d, const sql_tableref *src, int64_t *out, st_error *err)
{
    sql_expr *cnt = e_new(d->a, SQL_E_CALL);
    const char **nm = st_arena_calloc(d->a, 1, sizeof *nm);
    if (!cnt || !nm) return oom(err);
    nm[0] = "count";
    cnt->name = (sql_name){nm, 1, -1};
    cnt->star = true;
    items it = {0};
    if (!item_add(d->a, &it, cnt, "n")) return oom(err);
    sql_query *q = q_select(d->a, &it, (sql_tableref *)src, NULL);
    if (!q) return oom(err);
    lake_query *lq = NULL;
    count_sink cs = {0};
    st_status rc = lake_query_prepare(d->s, d->sql, q, NULL, 0, &lq, err);
    if (rc == ST_OK) rc = lake_query_run(lq, count_rows_sink, &cs, NULL, err);
    lake_query_free(lq);
    *out = cs.n;
    return rc;
}

static sql_expr *merge_guard(dml *d, const sql_merge_clause *c, const char *src)
{
    sql_expr *tp = e_is_null(d->a, e_col(d->a, d->qual, LP_ROW_INDEX), true);
    sql_expr *sp = e_is_null(d->a, e_col(d->a, src, SRC_PRESENT), true);
    sql_expr *g;
    switch (c->match) {
    case SQL_MERGE_MATCHED: g = e_and(d->a, tp, sp); break;
    case SQL_MERGE_NOT_MATCHED: g = e_and(d->a, sp, e_not(d->a, tp)); break;
    default: g = e_and(d->a, tp, e_not(d->a, sp)); break;
    }
    return c->cond ? e_and(d->a, g, c->cond) : g;
}

/* The value clause c gives column k (NULL: keep the target's value). */
static st_status merge_value(dml *d, const sql_merge_clause *c, int k, const char *src,
                             sql_expr **out, st_error *err)
{
    const vec_field *f = &d->schema->fields[k];
    *out = NULL;
    switch (c->action) {
    case SQL_MERGE_UPDATE:
        for (int i = 0; i < c->n_sets; i++) {
            const sql_name *cn = &c->sets[i].column;
            if (cn->n_parts > 2 || (cn->n_parts == 2 && strcasecmp(cn->parts[0], d->qual)))
                return lake_error_at(d->sql, c->sets[i].pos, ST_ERR_UNSUPPORTED, err,
                                     "cannot assign to '%s.%s' in MERGE: assign target "
                                     "columns", cn->parts[0], cn->parts[1]);
            if (find_col(d->schema, cn->parts[cn->n_parts - 1]) < 0)
                return lake_error_at(d->sql, c->sets[i].pos, ST_ERR_BIND, err,
                                     "unknown column '%s' in table '%s'",
                                     cn->parts[cn->n_parts - 1], d->tbl.full);
            if (!strcasecmp(cn->parts[cn->n_parts - 1], f->name)) {
                *out = c->sets[i].value ? c->sets[i].value : e_lit(d->a, SQL_LIT_NULL, NULL);
                break;
            }
        }
        break;
    case SQL_MERGE_UPDATE_STAR:
    case SQL_MERGE_INSERT_STAR:
        *out = e_col(d->a, src, f->name);
        break;
    case SQL_MERGE_INSERT:
        if (c->n_insert_cols == 0) {
            if (c->n_insert_values != d->schema->n_fields)
                return lake_error_at(d->sql, c->pos, ST_ERR_BIND, err,
                                     "INSERT VALUES has %d values but table '%s' has %d columns",
                                     c->n_insert_values, d->tbl.full, d->schema->n_fields);
            *out = c->insert_values[k];
        } else {
            if (c->n_insert_cols != c->n_insert_values)
                return lake_error_at(d->sql, c->pos, ST_ERR_BIND, err,
                                     "INSERT lists %d columns but %d values",
                                     c->n_insert_cols, c->n_insert_values);
            for (int i = 0; i < c->n_insert_cols; i++) {
                if (find_col(d->schema, c->insert_cols[i]) < 0)
                    return lake_error_at(d->sql, c->pos, ST_ERR_BIND, err,
                                         "unknown column '%s' in table '%s'", c->insert_cols[i],
                                         d->tbl.full);
                if (!strcasecmp(c->insert_cols[i], f->name)) *out = c->insert_values[i];
            }
            if (!*out) {
                st_status rc = default_value(d, k, out, err);
                if (rc != ST_OK) return rc;
                return ST_OK;
            }
        }
        break;
    case SQL_MERGE_DELETE:
        break;
    }
    if (*out) *out = e_cast(d->a, *out, &f->type);
    return ST_OK;
}

static const char *action_name(sql_merge_action a)
{
    switch (a) {
    case SQL_MERGE_UPDATE: case SQL_MERGE_UPDATE_STAR: return "update";
    case SQL_MERGE_DELETE: return "delete";
    default: return "insert";
    }
}

static st_status run_merge(dml *d, const sql_stmt *st, ex_result **out, st_error *err)
{
    const sql_merge *mg = st->merge;
    st_status rc = dml_begin(d, mg->target, err);
    if (rc == ST_OK) rc = load_checks(d, err);
    if (rc != ST_OK) return rc;
    bool any_star = false;
    for (int i = 0; i < mg->n_clauses; i++)
        any_star |= mg->clauses[i].action == SQL_MERGE_UPDATE_STAR ||
                    mg->clauses[i].action == SQL_MERGE_INSERT_STAR;
    if ((mg->schema_evolution || auto_merge(d)) && any_star) {
        /* Source columns the target lacks join it (UPDATE SET * / INSERT *). */
        items si0 = {0};
        if (!item_add(d->a, &si0, e_star(d->a, NULL), NULL)) return oom(err);
        sql_query *sq0 = q_select(d->a, &si0, mg->source, NULL);
        const lp_node *root;
        lake_query *lq = NULL;
        if (!sq0) return oom(err);
        if ((rc = query_types(d, sq0, &root, &lq, err)) != ST_OK) return rc;
        const char **nn = st_arena_calloc(d->a, (size_t)root->n_cols + 1, sizeof *nn);
        vec_type *nt = st_arena_calloc(d->a, (size_t)root->n_cols + 1, sizeof *nt);
        int n_new = 0;
        if (!nn || !nt) rc = oom(err);
        for (int i = 0; rc == ST_OK && i < root->n_cols; i++)
            if (root->cols[i].name && find_col(d->schema, root->cols[i].name) < 0) {
                nn[n_new] = st_arena_strdup(d->a, root->cols[i].name);
                rc = vec_type_copy(d->a, &root->cols[i].type, &nt[n_new++], err);
            }
        lake_query_free(lq);
        if (rc == ST_OK) rc = evolve_schema(d, nn, nt, n_new, err);
        if (rc != ST_OK) return rc;
    }
    const vec_schema *s = d->schema;
    int n = mg->n_clauses;
    d->n_clauses = n;
    d->clause_kind = st_arena_calloc(d->a, (size_t)n + 1, sizeof *d->clause_kind);
    d->clause_match = st_arena_calloc(d->a, (size_t)n + 1, sizeof *d->clause_match);
    sql_expr **guards = st_arena_calloc(d->a, (size_t)n + 1, sizeof *guards);
    sql_expr **codes = st_arena_calloc(d->a, (size_t)n + 1, sizeof *codes);
    if (!d->clause_kind || !d->clause_match || !guards || !codes) return oom(err);
    /* The source, with a presence marker. */
    const sql_tableref *src = mg->source;
    const char *salias = src->alias ? src->alias
                       : src->kind == SQL_T_NAME ? src->name.parts[src->name.n_parts - 1]
                                                 : "__strata_source";
    items si = {0};
    if (!item_add(d->a, &si, e_star(d->a, NULL), NULL) ||
        !item_add(d->a, &si, e_lit(d->a, SQL_LIT_TRUE, NULL), SRC_PRESENT))
        return oom(err);
    sql_query *sq = q_select(d->a, &si, (sql_tableref *)src, NULL);
    bool keep_target = false, keep_source = false;
    int n_matched = 0, n_plain_delete = 0;
    for (int i = 0; i < n; i++) {
        const sql_merge_clause *c = &mg->clauses[i];
        d->clause_match[i] = c->match;
        d->clause_kind[i] = c->action == SQL_MERGE_DELETE ? RK_DELETE
                          : c->match == SQL_MERGE_NOT_MATCHED ? RK_INSERT : RK_UPDATE;
        keep_target |= c->match == SQL_MERGE_NOT_MATCHED_BY_SOURCE;
        keep_source |= c->match == SQL_MERGE_NOT_MATCHED;
        n_matched += c->match == SQL_MERGE_MATCHED;
        n_plain_delete += c->match == SQL_MERGE_MATCHED && c->action == SQL_MERGE_DELETE &&
                          !c->cond;
        if (!(guards[i] = merge_guard(d, c, salias)) || !(codes[i] = e_bigint(d->a, i + 1)))
            return oom(err);
    }
    /* As in Delta, only a lone unconditional DELETE may match a row twice. */
    d->dup_ok = n_matched == 1 && n_plain_delete == 1;
    items it = {0};
    if (!item_add(d->a, &it, e_case(d->a, guards, codes, n, e_bigint(d->a, 0)), "__a") ||
        !item_add(d->a, &it, e_col(d->a, d->qual, LP_ROW_FILE), "__f") ||
        !item_add(d->a, &it, e_col(d->a, d->qual, LP_ROW_INDEX), "__r"))
        return oom(err);
    sql_expr **vals = st_arena_calloc(d->a, (size_t)n + 1, sizeof *vals);
    if (!vals) return oom(err);
    for (int k = 0; k < s->n_fields; k++) {
        sql_expr *keep = k < d->n_old ? e_col(d->a, d->qual, s->fields[k].name)
                                      : e_cast(d->a, e_lit(d->a, SQL_LIT_NULL, NULL),
                                               &s->fields[k].type);
        for (int i = 0; i < n; i++) {
            if ((rc = merge_value(d, &mg->clauses[i], k, salias, &vals[i], err)) != ST_OK)
                return rc;
            if (!vals[i]) vals[i] = keep;
        }
        if (!item_add(d->a, &it, e_case(d->a, guards, vals, n, keep), s->fields[k].name))
            return oom(err);
    }
    sql_tableref *j = st_arena_calloc(d->a, 1, sizeof *j);
    if (!j || !sq) return oom(err);
    j->kind = SQL_T_JOIN;
    j->pos = mg->on ? mg->on->pos : -1;
    j->join = keep_target && keep_source ? SQL_JOIN_FULL
            : keep_target ? SQL_JOIN_LEFT : keep_source ? SQL_JOIN_RIGHT : SQL_JOIN_INNER;
    j->left = t_name(d->a, LAKE_TARGET_NAME, d->qual);
    j->right = t_query(d->a, sq, salias);
    j->on = mg->on;
    sql_query *q1 = q_select(d->a, &it, j, NULL);
    if (!q1 || !j->left || !j->right) return oom(err);
    sql_expr *changed = e_bin(d->a, SQL_OP_NE, e_col(d->a, "__w", "__a"), e_bigint(d->a, 0));
    items wi = {0};
    if (!item_add(d->a, &wi, e_star(d->a, "__w"), NULL)) return oom(err);
    sql_query *q = q_select(d->a, &wi, t_query(d->a, q1, "__w"), changed);
    if (!q) return oom(err);
    if (d->any_gen) {
        bool *given = st_arena_calloc(d->a, (size_t)s->n_fields + 1, sizeof *given);
        if (!given) return oom(err);
        for (int i = 0; i < n; i++) {
            const sql_merge_clause *c = &mg->clauses[i];
            bool star = c->action == SQL_MERGE_UPDATE_STAR || c->action == SQL_MERGE_INSERT_STAR;
            for (int k = 0; k < s->n_fields; k++) {
                const char *fn = s->fields[k].name;
                given[k] |= star;
                for (int x = 0; x < c->n_sets; x++)
                    given[k] |= !strcasecmp(c->sets[x].column.parts[c->sets[x].column.n_parts - 1],
                                            fn);
                for (int x = 0; x < c->n_insert_cols; x++)
                    given[k] |= !strcasecmp(c->insert_cols[x], fn);
            }
        }
        static const char *const ids[3] = {"__a", "__f", "__r"};
        if ((rc = check_given_generated(d, given, err)) != ST_OK ||
            (rc = wrap_generated(d, &q, ids, 3, given, err)) != ST_OK)
            return rc;
    }
    if (d->n_checks > 0) {
        /* Checks over the new values, on top of the filtered rows. */
        sql_query *inner = q;
        if ((rc = wrap_checks(d, &inner, NULL, err)) != ST_OK) return rc;
        q = inner;
    }
    d->has_action = d->has_ids = d->has_data = true;
    if ((rc = run_into_sink(d, q, err)) != ST_OK) return rc;
    if ((rc = rewrite_touched(d, err)) != ST_OK) return rc;
    int64_t n_source = 0;
    if ((rc = count_source(d, mg->source, &n_source, err)) != ST_OK) return rc;
    int64_t files = 0, rows = 0, bytes = 0;
    if ((rc = delta_txn_flush(d->txn, err)) != ST_OK) return rc;
    delta_txn_written(d->txn, &files, &rows, &bytes);
    int64_t (*bk)[4] = d->by_clause_kind;
    metric m[] = {
        {"numSourceRows", n_source},
        {"numTargetRowsCopied", d->n_copied},
        {"numTargetRowsDeleted", d->n_delete},
        {"numTargetFilesAdded", files},
        {"numTargetBytesAdded", bytes},
        {"numTargetBytesRemoved", d->removed_bytes},
        {"numTargetDeletionVectorsAdded", d->dvs_added},
        {"numTargetRowsMatchedUpdated", bk[SQL_MERGE_MATCHED][RK_UPDATE]},
        {"executionTimeMs", d->t_scan_ms + d->t_rewrite_ms},
        {"numTargetRowsInserted", d->n_insert},
        {"numTargetRowsMatchedDeleted", bk[SQL_MERGE_MATCHED][RK_DELETE]},
        {"scanTimeMs", d->t_scan_ms},
        {"numTargetRowsUpdated", d->n_update},
        {"numOutputRows", d->n_insert + d->n_update + d->n_copied},
        {"numTargetChangeFilesAdded", 0},
        {"numTargetRowsNotMatchedBySourceUpdated", bk[SQL_MERGE_NOT_MATCHED_BY_SOURCE][RK_UPDATE]},
        {"numTargetFilesRemoved", d->removed_files},
        {"numTargetRowsNotMatchedBySourceDeleted", bk[SQL_MERGE_NOT_MATCHED_BY_SOURCE][RK_DELETE]},
        {"rewriteTimeMs", d->t_rewrite_ms},
    };
    /* operationParameters as Delta writes them: JSON arrays as strings. */
    json_t *p = json_object();
    json_t *lists[3] = {json_array(), json_array(), json_array()};
    for (int i = 0; i < n; i++) {
        const sql_merge_clause *c = &mg->clauses[i];
        json_t *o = json_object();
        if (c->cond) {
            int32_t end = i + 1 < n ? mg->clauses[i + 1].pos : st->end;
            const char *t = json_text(d, lake_expr_start(d->sql, c->cond), end);
            json_t *tv = json_loads(t, JSON_DECODE_ANY, NULL);
            if (tv && json_is_string(tv)) {
                /* cut at THEN */
                const char *sv = json_string_value(tv);
                const char *th = strstr(sv, " THEN");
                if (!th) th = strstr(sv, "\nTHEN");
                json_object_set_new(o, "predicate", json_stringn(sv, th ? (size_t)(th - sv)
                                                                        : strlen(sv)));
            }
            json_decref(tv);
        }
        json_object_set_new(o, "actionType", json_string(action_name(c->action)));
        json_array_append_new(lists[c->match], o);
    }
    const char *on_text = mg->on ? json_text(d, lake_expr_start(d->sql, mg->on),
                                             n > 0 ? mg->clauses[0].pos : st->end)
                                 : "\"\"";
    json_t *on_v = json_loads(on_text, JSON_DECODE_ANY, NULL);
    json_object_set_new(p, "predicate", on_v ? on_v : json_string(""));
    const char *keys[3] = {"matchedPredicates", "notMatchedPredicates",
                           "notMatchedBySourcePredicates"};
    for (int i = 0; i < 3; i++) {
        char *t = json_dumps(lists[i], JSON_COMPACT);
        json_object_set_new(p, keys[i], json_string(t ? t : "[]"));
        free(t);
        json_decref(lists[i]);
    }
    char *params = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    if (!params) return oom(err);
    if (d->removed_files == 0 && files == 0 && d->dvs_added == 0) {
        delta_txn_abort(d->txn);
        d->txn = NULL;
    } else {
        rc = commit(d, "MERGE", params, m, (int)(sizeof m / sizeof m[0]), NULL, err);
    }
    free(params);
    if (rc != ST_OK) return rc;
    const char *names[4] = {"num_affected_rows", "num_updated_rows", "num_deleted_rows",
                            "num_inserted_rows"};
    int64_t v[4] = {d->n_update + d->n_delete + d->n_insert, d->n_update, d->n_delete,
                    d->n_insert};
    return count_result(names, v, 4, out, err);
}

/* ---- COPY INTO -------------------------------------------------------------------- */

/* Files earlier COPY INTO commits loaded (their operationParameters.files). */
static st_status loaded_files(dml *d, json_t *seen, st_error *err)
{
    delta_commit_info *ci;
    int n;
    st_arena *ha = NULL;
    st_status rc = delta_history(d->tbl.path, 0, &ci, &n, &ha, err);
    if (rc != ST_OK) return rc;
    for (int i = 0; i < n; i++) {
        if (!ci[i].operation || strcmp(ci[i].operation, "COPY INTO") || !ci[i].json) continue;
        json_t *o = json_loads(ci[i].json, 0, NULL);
        const char *fs = json_string_value(json_object_get(json_object_get(o,
                                           "operationParameters"), "files"));
        json_t *arr = fs ? json_loads(fs, 0, NULL) : NULL;
        size_t k;
        json_t *v;
        json_array_foreach(arr, k, v)
            if (json_is_string(v)) json_object_set_new(seen, json_string_value(v), json_true());
        json_decref(arr);
        json_decref(o);
    }
    st_arena_free(ha);
    return ST_OK;
}

static const char *copy_opt(const sql_property *p, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (!strcasecmp(p[i].key, key)) return p[i].value;
    return NULL;
}

static st_status run_copy(dml *d, const sql_stmt *st, ex_result **out, st_error *err)
{
    const sql_copy *cp = st->copy;
    st_status rc = dml_begin(d, cp->target, err);
    if (rc == ST_OK) rc = load_checks(d, err);
    if (rc != ST_OK) return rc;
    const char *fmt = cp->fileformat ? cp->fileformat : "csv";
    lp_source_kind kind;
    if (!lp_source_kind_parse(fmt, &kind) || kind == LP_SRC_DELTA)
        return lake_error_at(d->sql, st->pos, ST_ERR_UNSUPPORTED, err,
                             "COPY INTO: FILEFORMAT = %s is not supported (csv, json, parquet)",
                             fmt);
    const char *mv = copy_opt(cp->copy_options, cp->n_copy_options, "mergeSchema");
    const char *fv = copy_opt(cp->copy_options, cp->n_copy_options, "force");
    bool merge_schema = mv && !strcasecmp(mv, "true");
    bool force = fv && !strcasecmp(fv, "true");
    /* The files: FILES, PATTERN, or everything in the folder. */
    char *from = realpath(cp->from, NULL);
    if (!from)
        return lake_error_at(d->sql, st->pos, ST_ERR_NOTFOUND, err, "COPY INTO: '%s' not found",
                             cp->from);
    struct stat sb;
    bool is_dir = stat(from, &sb) == 0 && S_ISDIR(sb.st_mode);
    char **files = NULL;
    int n_files = 0;
    st_buf pat;
    st_buf_init(&pat);
    if (cp->n_files > 0) {
        files = st_arena_calloc(d->a, (size_t)cp->n_files + 1, sizeof *files);
        if (!files) rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
        for (int i = 0; rc == ST_OK && i < cp->n_files; i++) {
            char *f = st_arena_alloc(d->a, strlen(from) + strlen(cp->files[i]) + 2);
            if (!f) rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
            else sprintf(f, "%s/%s", from, cp->files[i]);
            files[n_files++] = f;
        }
    } else {
        rc = is_dir ? st_buf_printf(&pat, err, "%s/%s", from, cp->pattern ? cp->pattern : "*")
                    : st_buf_printf(&pat, err, "%s", from);
        if (rc == ST_OK) rc = st_buf_append_byte(&pat, 0, err);
        if (rc == ST_OK) rc = fmt_glob((const char *)pat.data, d->a, &files, &n_files, err);
    }
    st_buf_destroy(&pat);
    free(from);
    if (rc != ST_OK) return rc;
    json_t *seen = json_object(), *loaded = json_array();
    if (!force) rc = loaded_files(d, seen, err);
    const char *user_sql = d->sql;
    d->has_data = true;
    d->uniform = RK_INSERT;
    d->lenient = true;
    /* Each new file's query: SELECT * FROM read_files(...). */
    sql_query **fq = st_arena_calloc(d->a, (size_t)n_files + 1, sizeof *fq);
    const char **ftext = st_arena_calloc(d->a, (size_t)n_files + 1, sizeof *ftext);
    if (!fq || !ftext) rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
    for (int i = 0; rc == ST_OK && i < n_files; i++) {
        if (json_object_get(seen, files[i])) continue;
        /* SELECT * FROM read_files('<file>', format => 'fmt', k => 'v', ...) */
        st_buf b;
        st_buf_init(&b);
        rc = st_buf_append_str(&b, "SELECT * FROM read_files('", err);
        for (const char *c = files[i]; rc == ST_OK && *c; c++)
            rc = *c == '\'' ? st_buf_append_str(&b, "''", err) : st_buf_append_byte(&b, *c, err);
        if (rc == ST_OK) rc = st_buf_printf(&b, err, "', format => '%s'", fmt);
        for (int k = 0; rc == ST_OK && k < cp->n_format_options; k++) {
            const char *v = cp->format_options[k].value ? cp->format_options[k].value : "";
            rc = st_buf_printf(&b, err, ", %s => '", cp->format_options[k].key);
            for (const char *c = v; rc == ST_OK && *c; c++)
                rc = *c == '\'' ? st_buf_append_str(&b, "''", err)
                                : st_buf_append_byte(&b, *c, err);
            if (rc == ST_OK) rc = st_buf_append_byte(&b, '\'', err);
        }
        if (rc == ST_OK) rc = st_buf_append(&b, ")", 2, err);
        const char *text = rc == ST_OK ? st_arena_strdup(d->a, (const char *)b.data) : NULL;
        st_buf_destroy(&b);
        if (rc != ST_OK) break;
        if (!text) {
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
            break;
        }
        sql_stmt_list *l;
        if ((rc = sql_parse(text, d->a, &l, err)) != ST_OK) break;
        fq[i] = l->stmts[0]->query;
        ftext[i] = text;
    }
    if (rc == ST_OK && merge_schema) {
        /* mergeSchema: columns the files have and the table lacks join it,
        ** before any row is written (one metadata change for all files). */
        int cap = 64, n_new = 0;
        const char **nn = st_arena_calloc(d->a, (size_t)cap, sizeof *nn);
        vec_type *nt = st_arena_calloc(d->a, (size_t)cap, sizeof *nt);
        if (!nn || !nt) rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
        for (int i = 0; rc == ST_OK && i < n_files; i++) {
            if (!fq[i]) continue;
            const lp_node *root;
            lake_query *lq = NULL;
            d->sql = ftext[i];
            rc = query_types(d, fq[i], &root, &lq, err);
            d->sql = user_sql;
            for (int c = 0; rc == ST_OK && c < root->n_cols && n_new < cap; c++) {
                const char *cn = root->cols[c].name;
                bool known = !cn || find_col(d->schema, cn) >= 0;
                for (int j = 0; !known && j < n_new; j++) known = !strcasecmp(nn[j], cn);
                if (known) continue;
                nn[n_new] = st_arena_strdup(d->a, cn);
                rc = vec_type_copy(d->a, &root->cols[c].type, &nt[n_new++], err);
            }
            lake_query_free(lq);
        }
        if (rc == ST_OK) rc = evolve_schema(d, nn, nt, n_new, err);
    }
    for (int i = 0; rc == ST_OK && i < n_files; i++) {
        if (!fq[i]) continue;
        const char *text = ftext[i];
        sql_insert ins = {.target = cp->target, .by_name = true, .query = fq[i]};
        sql_query *q = NULL;
        d->sql = text;
        rc = insert_query(d, &ins, &q, err);
        if (rc == ST_OK) rc = wrap_checks(d, &q, NULL, err);
        if (rc == ST_OK) rc = run_into_sink(d, q, err);
        d->sql = user_sql;
        if (rc != ST_OK) {
            st_error_context(err, "COPY INTO from %s", files[i]);
            break;
        }
        json_array_append_new(loaded, json_string(files[i]));
    }
    int64_t n_loaded = (int64_t)json_array_size(loaded);
    if (rc == ST_OK && n_loaded > 0) {
        int64_t nf = 0, rows = 0, bytes = 0;
        if ((rc = delta_txn_flush(d->txn, err)) == ST_OK) {
            delta_txn_written(d->txn, &nf, &rows, &bytes);
            char *fl = json_dumps(loaded, JSON_COMPACT);
            json_t *p = json_object();
            json_object_set_new(p, "fileFormat", json_string(fmt));
            json_object_set_new(p, "files", json_string(fl ? fl : "[]"));
            free(fl);
            char *ps = json_dumps(p, JSON_COMPACT);
            json_decref(p);
            metric m[] = {{"numFiles", nf}, {"numOutputRows", d->n_insert},
                          {"numOutputBytes", bytes}, {"numCopiedFiles", n_loaded}};
            rc = ps ? commit(d, "COPY INTO", ps, m, 4, NULL, err)
                    : st_error_set(err, ST_ERR_NOMEM, "out of memory");
            free(ps);
        }
    }
    json_decref(seen);
    json_decref(loaded);
    if (rc != ST_OK) return rc;
    const char *names[3] = {"num_affected_rows", "num_inserted_rows", "num_skipped_files"};
    int64_t v[3] = {d->n_insert, d->n_insert, (int64_t)n_files - n_loaded};
    return count_result(names, v, 3, out, err);
}

/* ---- CTAS ------------------------------------------------------------------------- */

st_status lake_write_ctas(ex_session *s, const char *sql, const sql_query *q, const char *path,
                          const delta_create_options *create, const delta_field_info *info,
                          const char *clustering, bool replace, const char *operation,
                          int64_t *version, int64_t *rows, st_error *err)
{
    dml d = {.s = s, .sql = sql};
    d.a = st_arena_new(0);
    if (!d.a) return oom(err);
    lake_query *lq = NULL;
    st_status rc = lake_query_prepare(s, sql, q, NULL, 0, &lq, err);
    vec_schema schema = {0};
    const lp_node *root = rc == ST_OK ? lake_query_root(lq) : NULL;
    if (rc == ST_OK) {
        schema.n_fields = root->n_cols;
        schema.fields = st_arena_calloc(d.a, (size_t)root->n_cols + 1, sizeof *schema.fields);
        if (!schema.fields) rc = oom(err);
        for (int i = 0; rc == ST_OK && i < root->n_cols; i++) {
            schema.fields[i].name = st_arena_strdup(d.a, root->cols[i].name ? root->cols[i].name
                                                                            : "col");
            schema.fields[i].nullable = true;
            rc = vec_type_copy(d.a, &root->cols[i].type, &schema.fields[i].type, err);
            if (rc == ST_OK && schema.fields[i].type.id == VEC_NULL)
                rc = st_error_set(err, ST_ERR_BIND, "column '%s' of the query has no type "
                                  "(NULL); cast it to a type", schema.fields[i].name);
            for (int j = 0; rc == ST_OK && j < i; j++)
                if (!strcasecmp(schema.fields[j].name, schema.fields[i].name))
                    rc = st_error_set(err, ST_ERR_BIND, "the query has two columns named '%s'; "
                                      "give them distinct aliases", schema.fields[i].name);
        }
    }
    delta_create_options co = create ? *create : (delta_create_options){0};
    co.schema = &schema;
    if (rc == ST_OK) {
        if (replace) {
            rc = delta_txn_begin(path, NULL, &d.txn, err);
            if (rc == ST_OK) {
                delta_txn_set_mode(d.txn, DELTA_OVERWRITE);
                rc = delta_txn_set_metadata(d.txn, &co, NULL, err);
            }
        } else {
            rc = delta_txn_begin(path, &co, &d.txn, err);
        }
        (void)info;   /* CTAS columns carry no field metadata */
        if (rc == ST_OK && clustering)
            rc = delta_txn_set_domain(d.txn, "delta.clustering", clustering, err);
    }
    if (rc == ST_OK) {
        d.snap = NULL;
        d.schema = &schema;
        d.has_data = true;
        d.uniform = RK_INSERT;
        d.tbl.full = path;
        int64_t t0 = now_ms();
        rc = lake_query_run(lq, dml_sink, &d, NULL, err);
        d.t_scan_ms = now_ms() - t0;
    }
    lake_query_free(lq);
    if (rc == ST_OK) {
        int64_t files = 0, r = 0, bytes = 0;
        rc = delta_txn_flush(d.txn, err);
        delta_txn_written(d.txn, &files, &r, &bytes);
        metric m[] = {{"numFiles", files}, {"numOutputRows", d.n_insert},
                      {"numOutputBytes", bytes}};
        char params[512];
        snprintf(params, sizeof params, "{\"isManaged\":\"false\",\"description\":null,"
                 "\"partitionBy\":\"[]\",\"properties\":\"{}\"}");
        if (rc == ST_OK) rc = commit(&d, operation, params, m, 3, version, err);
        if (rows) *rows = d.n_insert;
    }
    dml_free(&d);
    st_arena_free(d.a);
    return rc;
}

/* ---- entry ------------------------------------------------------------------------ */

#define DML_MAX_ATTEMPTS 10

static st_status run_once(ex_session *s, const char *sql, const sql_stmt *st, ex_result **out,
                          st_error *err)
{
    dml d = {.s = s, .sql = sql};
    d.a = st_arena_new(0);
    if (!d.a) return oom(err);
    st_status rc;
    switch (st->kind) {
    case SQL_S_INSERT: rc = run_insert(&d, st, out, err); break;
    case SQL_S_UPDATE: rc = run_update(&d, st, out, err); break;
    case SQL_S_DELETE: rc = run_delete(&d, st, false, out, err); break;
    case SQL_S_TRUNCATE: rc = run_delete(&d, st, true, out, err); break;
    case SQL_S_MERGE: rc = run_merge(&d, st, out, err); break;
    default: rc = run_copy(&d, st, out, err); break;
    }
    dml_free(&d);
    st_arena_free(d.a);
    return rc;
}

/* A statement that loses a commit race to a conflicting writer is run again
** from the start on the new snapshot (its files were deleted by the abort),
** as Delta's optimistic concurrency expects; after DML_MAX_ATTEMPTS losses
** the conflict is reported. Work that committed is never repeated: a
** conflict means nothing of this attempt was published. */
st_status lake_run_dml(ex_session *s, const char *sql, const sql_stmt *st, ex_result **out,
                       st_error *err)
{
    st_status rc = ST_OK;
    for (int attempt = 1; attempt <= DML_MAX_ATTEMPTS; attempt++) {
        st_error_init(err);
        rc = run_once(s, sql, st, out, err);
        if (rc != ST_ERR_CONFLICT) return rc;
        struct timespec ts = {0, (long)(1000000L * (1 + rand() % (5 * attempt)))};
        nanosleep(&ts, NULL);
    }
    return rc;
}
