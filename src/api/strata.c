/* strata.c -- the public embedding API of include/strata.h over the internal
** modules. Translates st_status codes to STRATA_* codes and st_error reports
** into heap strings the caller frees with strata_free. Holds no global
** state. */
#include "strata.h"

#include "delta/delta.h"
#include "exec/session.h"
#include "format/parquet/pq.h"

#include <stdio.h>
#include <string.h>

struct strata_parquet {
    pq_file   *file;     /* owned */
    pq_reader *reader;   /* owned */
};

const char *strata_version(void) { return STRATA_VERSION; }
void strata_free(void *p) { st_free(p); }

static int fail(const st_error *err, char **errmsg)
{
    if (errmsg) {
        size_t n = strlen(err->msg), h = strlen(err->hint);
        *errmsg = st_malloc(n + h + 2);
        if (*errmsg) {
            memcpy(*errmsg, err->msg, n + 1);
            if (h) {
                (*errmsg)[n] = '\n';
                memcpy(*errmsg + n + 1, err->hint, h + 1);
            }
        }
    }
    switch (err->code) {
    case ST_ERR_NOTFOUND: return STRATA_NOTFOUND;
    case ST_ERR_CORRUPT: return STRATA_CORRUPT;
    case ST_ERR_UNSUPPORTED: return STRATA_UNSUPPORTED;
    case ST_ERR_NOMEM: return STRATA_NOMEM;
    default: return STRATA_ERROR;
    }
}

/* Resolves a comma-separated column list to top-level field indices of s
** (what names the file or table, for messages). */
static st_status resolve_columns(const vec_schema *s, const char *what, const char *columns,
                                 int **out, int *n_out, st_error *err)
{
    int cap = 1;
    for (const char *p = columns; *p; p++)
        cap += *p == ',';
    int *idx = st_malloc(sizeof(int) * (size_t)cap);
    if (!idx)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    int n = 0;
    const char *p = columns;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        int found = -1;
        for (int i = 0; i < s->n_fields; i++)
            if (strlen(s->fields[i].name) == len && memcmp(s->fields[i].name, p, len) == 0)
                found = i;
        if (found < 0) {
            st_free(idx);
            return st_error_set(err, ST_ERR_NOTFOUND, "column \"%.*s\" does not exist in \"%s\"",
                                (int)len, p, what);
        }
        idx[n++] = found;
        p += len + (e ? 1 : 0);
    }
    *out = idx;
    *n_out = n;
    return ST_OK;
}

int strata_parquet_open(const char *path, const char *columns, strata_parquet **out,
                        char **errmsg)
{
    st_error err;
    st_error_init(&err);
    if (errmsg)
        *errmsg = NULL;
    strata_parquet *p = st_calloc(1, sizeof *p);
    if (!p) {
        st_error_set(&err, ST_ERR_NOMEM, "out of memory");
        return fail(&err, errmsg);
    }
    int *cols = NULL, n_cols = 0;
    pq_read_options opt = { 0 };
    if (pq_file_open(path, &p->file, &err) != ST_OK)
        goto failed;
    if (columns && *columns) {
        if (resolve_columns(pq_file_schema(p->file), pq_file_path(p->file), columns, &cols,
                            &n_cols, &err) != ST_OK)
            goto failed;
        opt.columns = cols;
        opt.n_columns = n_cols;
    }
    if (pq_reader_open(p->file, &opt, &p->reader, &err) != ST_OK)
        goto failed;
    st_free(cols);
    *out = p;
    return STRATA_OK;
failed:
    st_free(cols);
    strata_parquet_close(p);
    return fail(&err, errmsg);
}

/* Shared by every reader handle: the schema and the next batch leave as
** Arrow C Data Interface structs. */
static int export_schema(const vec_schema *s, struct ArrowSchema *out, char **errmsg)
{
    st_error err;
    st_error_init(&err);
    if (vec_export_schema(s, out, &err) != ST_OK)
        return fail(&err, errmsg);
    return STRATA_OK;
}

typedef st_status (*next_batch_fn)(void *src, vec_batch **out, st_error *err);

static int export_next(next_batch_fn next, void *src, struct ArrowArray *out, char **errmsg)
{
    st_error err;
    st_error_init(&err);
    memset(out, 0, sizeof *out);
    vec_batch *b = NULL;
    if (next(src, &b, &err) != ST_OK)
        return fail(&err, errmsg);
    if (!b)
        return STRATA_OK;
    if (vec_export_batch(b, out, &err) != ST_OK) {
        vec_batch_free(b);
        return fail(&err, errmsg);
    }
    return STRATA_OK;
}

static st_status parquet_next(void *src, vec_batch **out, st_error *err)
{
    return pq_reader_next(src, out, err);
}

static st_status delta_next(void *src, vec_batch **out, st_error *err)
{
    return delta_scan_next(src, out, err);
}

int strata_parquet_schema(strata_parquet *p, struct ArrowSchema *out, char **errmsg)
{
    return export_schema(pq_reader_schema(p->reader), out, errmsg);
}

int strata_parquet_next(strata_parquet *p, struct ArrowArray *out, char **errmsg)
{
    return export_next(parquet_next, p->reader, out, errmsg);
}

void strata_parquet_close(strata_parquet *p)
{
    if (!p)
        return;
    pq_reader_close(p->reader);
    pq_file_close(p->file);
    st_free(p);
}

/* ---- Delta tables --------------------------------------------------------- */

struct strata_delta {
    delta_snapshot *snap;   /* owned */
    delta_scan     *scan;   /* owned */
};

int strata_delta_open(const char *table, int64_t version, const char *columns,
                      strata_delta **out, char **errmsg)
{
    st_error err;
    st_error_init(&err);
    if (errmsg)
        *errmsg = NULL;
    strata_delta *d = st_calloc(1, sizeof *d);
    if (!d) {
        st_error_set(&err, ST_ERR_NOMEM, "out of memory");
        return fail(&err, errmsg);
    }
    int *cols = NULL, n_cols = 0;
    delta_read_options ro = { .has_version = version >= 0, .version = version };
    delta_scan_options so = { 0 };
    if (delta_snapshot_load(table, &ro, &d->snap, &err) != ST_OK)
        goto failed;
    if (columns && *columns) {
        if (resolve_columns(&d->snap->meta.schema, table, columns, &cols, &n_cols, &err) != ST_OK)
            goto failed;
        so.columns = cols;
        so.n_columns = n_cols;
    }
    if (delta_scan_open(d->snap, &so, &d->scan, &err) != ST_OK)
        goto failed;
    st_free(cols);
    *out = d;
    return STRATA_OK;
failed:
    st_free(cols);
    strata_delta_close(d);
    return fail(&err, errmsg);
}

int64_t strata_delta_version(const strata_delta *d) { return d->snap->version; }

int strata_delta_schema(strata_delta *d, struct ArrowSchema *out, char **errmsg)
{
    return export_schema(delta_scan_schema(d->scan), out, errmsg);
}

int strata_delta_next(strata_delta *d, struct ArrowArray *out, char **errmsg)
{
    return export_next(delta_next, d->scan, out, errmsg);
}

void strata_delta_close(strata_delta *d)
{
    if (!d)
        return;
    delta_scan_close(d->scan);
    delta_snapshot_free(d->snap);
    st_free(d);
}

/* ---- SQL -------------------------------------------------------------------------- */

struct strata_db {
    ex_session *s;
};

struct strata_result {
    ex_result *r;
    int        next;             /* next batch to hand out */
};

int strata_open(const char *warehouse, strata_db **out, char **errmsg)
{
    st_error err;
    st_error_init(&err);
    if (errmsg) *errmsg = NULL;
    *out = NULL;
    strata_db *db = st_calloc(1, sizeof *db);
    if (!db) {
        st_error_set(&err, ST_ERR_NOMEM, "out of memory opening a database");
        return fail(&err, errmsg);
    }
    if (ex_session_new(warehouse, &db->s, &err) != ST_OK) {
        st_free(db);
        return fail(&err, errmsg);
    }
    *out = db;
    return STRATA_OK;
}

void strata_close(strata_db *db)
{
    if (!db) return;
    ex_session_free(db->s);
    st_free(db);
}

int strata_register(strata_db *db, const char *name, const char *format, const char *path,
                    char **errmsg)
{
    st_error err;
    st_error_init(&err);
    if (errmsg) *errmsg = NULL;
    lp_source_kind k;
    if (!lp_source_kind_parse(format, &k)) {
        st_error_set(&err, ST_ERR_ARGUMENT,
                     "format \"%s\" is not delta, parquet, csv or json", format);
        return fail(&err, errmsg);
    }
    if (ex_session_register(db->s, name, k, path, &err) != ST_OK) return fail(&err, errmsg);
    return STRATA_OK;
}

int strata_exec(strata_db *db, const char *sql, strata_result **out, char **errmsg)
{
    st_error err;
    st_error_init(&err);
    if (errmsg) *errmsg = NULL;
    *out = NULL;
    ex_result *r = NULL;
    if (ex_session_query(db->s, sql, &r, &err) != ST_OK) return fail(&err, errmsg);
    if (!r) return STRATA_OK;
    strata_result *res = st_calloc(1, sizeof *res);
    if (!res) {
        ex_result_free(r);
        st_error_set(&err, ST_ERR_NOMEM, "out of memory");
        return fail(&err, errmsg);
    }
    res->r = r;
    *out = res;
    return STRATA_OK;
}

int64_t strata_result_rows(const strata_result *r) { return r->r->n_rows; }
int strata_result_columns(const strata_result *r) { return r->r->schema.n_fields; }

const char *strata_result_column_name(const strata_result *r, int i)
{
    if (i < 0 || i >= r->r->schema.n_fields) return NULL;
    return r->r->schema.fields[i].name;
}

int strata_result_schema(const strata_result *r, struct ArrowSchema *out, char **errmsg)
{
    return export_schema(&r->r->schema, out, errmsg);
}

static st_status result_next(void *src, vec_batch **out, st_error *err)
{
    strata_result *r = src;
    (void)err;
    if (r->next >= r->r->n_batches) {
        *out = NULL;
        return ST_OK;
    }
    *out = r->r->batches[r->next];
    r->r->batches[r->next++] = NULL;   /* ownership moves to the Arrow array */
    return ST_OK;
}

int strata_result_next(strata_result *r, struct ArrowArray *out, char **errmsg)
{
    return export_next(result_next, r, out, errmsg);
}

void strata_result_free(strata_result *r)
{
    if (!r) return;
    ex_result_free(r->r);
    st_free(r);
}
