/* batch.c -- builds one vec_batch from row-at-a-time producers (the CSV and
** NDJSON readers): a builder per column, the producer's fill step, then the
** builders finished into the batch's arena. Every path frees the builders. */
#include "format.h"

st_status fmt_build_batch(const vec_schema *s, const char *path, fmt_fill_fn fill, void *src,
                          vec_batch **out, st_error *err)
{
    *out = NULL;
    int nc = s->n_fields;
    vec_builder **bs = st_calloc((size_t)ST_MAX(nc, 1), sizeof *bs);
    vec_batch *b = NULL;
    st_status rc = ST_OK;
    if (!bs)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory reading file \"%s\"", path);
    for (int c = 0; c < nc && rc == ST_OK; c++)
        if (!(bs[c] = vec_builder_new(&s->fields[c].type)))
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory reading file \"%s\"", path);
    int64_t n = 0;
    if (rc == ST_OK)
        rc = fill(src, bs, &n, err);
    if (rc == ST_OK && n > 0) {
        if (!(b = vec_batch_new(s, nc, 0)))
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory reading file \"%s\"", path);
        for (int c = 0; c < nc && rc == ST_OK; c++)
            rc = vec_builder_finish(bs[c], b->arena, &b->cols[c], err);
        if (b)
            b->n_rows = n;
    }
    for (int c = 0; c < nc; c++)
        vec_builder_free(bs[c]);
    st_free(bs);
    if (rc != ST_OK) {
        vec_batch_free(b);
        return rc;
    }
    *out = b;
    return ST_OK;
}
