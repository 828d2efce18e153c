/* strata.c -- the public embedding API of include/strata.h over the internal
** modules. Translates st_status codes to STRATA_* codes and st_error reports
** into heap strings the caller frees with strata_free. Holds no global
** state. */
#include "strata.h"

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
    if (errmsg)
        *errmsg = st_strdup(err->msg);
    switch (err->code) {
    case ST_ERR_NOTFOUND: return STRATA_NOTFOUND;
    case ST_ERR_CORRUPT: return STRATA_CORRUPT;
    case ST_ERR_UNSUPPORTED: return STRATA_UNSUPPORTED;
    case ST_ERR_NOMEM: return STRATA_NOMEM;
    default: return STRATA_ERROR;
    }
}

/* Resolves a comma-separated column list to top-level field indices. */
static st_status resolve_columns(const pq_file *f, const char *columns, int **out, int *n_out,
                                 st_error *err)
{
    const vec_schema *s = pq_file_schema(f);
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
                                (int)len, p, pq_file_path(f));
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
        if (resolve_columns(p->file, columns, &cols, &n_cols, &err) != ST_OK)
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

int strata_parquet_schema(strata_parquet *p, struct ArrowSchema *out, char **errmsg)
{
    st_error err;
    st_error_init(&err);
    if (vec_export_schema(pq_reader_schema(p->reader), out, &err) != ST_OK)
        return fail(&err, errmsg);
    return STRATA_OK;
}

int strata_parquet_next(strata_parquet *p, struct ArrowArray *out, char **errmsg)
{
    st_error err;
    st_error_init(&err);
    memset(out, 0, sizeof *out);
    vec_batch *b = NULL;
    if (pq_reader_next(p->reader, &b, &err) != ST_OK)
        return fail(&err, errmsg);
    if (!b)
        return STRATA_OK;
    if (vec_export_batch(b, out, &err) != ST_OK) {
        vec_batch_free(b);
        return fail(&err, errmsg);
    }
    return STRATA_OK;
}

void strata_parquet_close(strata_parquet *p)
{
    if (!p)
        return;
    pq_reader_close(p->reader);
    pq_file_close(p->file);
    st_free(p);
}
