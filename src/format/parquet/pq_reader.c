/* pq_reader.c -- opens Parquet files (tail, magic, footer, schema) and
** streams batches of projected columns out of the selected row groups.
**
** Invariants: a batch never crosses a row group; column readers exist only
** for the current row group's projected leaves, so peak memory is one row
** group's projected chunks plus one batch. Every failure names the file.
** Encrypted files (a "PARE" footer, or an encryption algorithm or
** encrypted column metadata in a plaintext footer) are refused with
** "encrypted Parquet is not supported". */
#include "pq_int.h"

#include <math.h>
#include <stdio.h>
#include <sys/mman.h>

#define PQ_DEFAULT_BATCH_ROWS 2048
#define PQ_MAX_FOOTER (256u * 1024 * 1024)
/* Bytes of strings one leaf may put in a batch before the batch is cut short
** (a single larger record still goes through alone). */
#define PQ_BATCH_BYTE_BUDGET ((uint64_t)64 * 1024 * 1024)

static st_status encrypted_error(const char *path, st_error *err)
{
    st_error_set(err, ST_ERR_UNSUPPORTED, "file \"%s\": encrypted Parquet is not supported", path);
    return st_error_hint(err, "Decrypt the file with the tool that wrote it first.");
}

st_status pq_file_open(const char *path, pq_file **out, st_error *err)
{
    *out = NULL;
    pq_file *f = st_calloc(1, sizeof *f);
    if (!f)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    f->fh.fd = -1;
    uint8_t *footer = NULL;
    st_status rc = st_file_open(path, &f->fh, err);
    if (rc != ST_OK)
        goto fail;
    f->arena = st_arena_new(0);
    if (!f->arena) {
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (f->fh.size < 12) {
        rc = st_error_set(err, ST_ERR_CORRUPT,
                          "file \"%s\" is too short to be Parquet (%lld bytes)", path,
                          (long long)f->fh.size);
        goto fail;
    }
    uint8_t head[4], tail[8];
    if ((rc = st_file_read_at(&f->fh, head, 4, 0, err)) != ST_OK ||
        (rc = st_file_read_at(&f->fh, tail, 8, f->fh.size - 8, err)) != ST_OK)
        goto fail;
    if (memcmp(tail + 4, "PARE", 4) == 0) {
        rc = encrypted_error(path, err);
        goto fail;
    }
    if (memcmp(tail + 4, "PAR1", 4) != 0 || memcmp(head, "PAR1", 4) != 0) {
        rc = st_error_set(err, ST_ERR_CORRUPT, "file \"%s\" is not Parquet (no PAR1 magic at %s)",
                          path, memcmp(head, "PAR1", 4) != 0 ? "the start" : "the end");
        st_error_hint(err, "The file may be truncated or still being written.");
        goto fail;
    }
    uint32_t flen = st_load_le32(tail);
    if ((int64_t)flen > f->fh.size - 12 || flen > PQ_MAX_FOOTER || flen == 0) {
        rc = st_error_set(err, ST_ERR_CORRUPT,
                          "file \"%s\" has an invalid footer length %u (file size %lld)", path,
                          flen, (long long)f->fh.size);
        goto fail;
    }
    footer = st_malloc(flen);
    if (!footer) {
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory for a %u-byte footer", flen);
        goto fail;
    }
    if ((rc = st_file_read_at(&f->fh, footer, flen, f->fh.size - 8 - flen, err)) != ST_OK)
        goto fail;
    rc = pq_meta_parse_file(footer, flen, f->arena, &f->meta, err);
    st_free(footer);
    footer = NULL;
    if (rc != ST_OK) {
        st_error_context(err, "reading footer of file \"%s\"", path);
        goto fail;
    }
    if (f->meta.has_encryption_algorithm) {
        rc = encrypted_error(path, err);
        goto fail;
    }
    /* Map the file read-only: column chunks are then decoded in place (no
    ** copy, no buffer). Falls back to pread when mapping fails. */
    void *m = mmap(NULL, (size_t)f->fh.size, PROT_READ, MAP_PRIVATE, f->fh.fd, 0);
    if (m != MAP_FAILED) {
        f->map = m;
        f->map_len = (size_t)f->fh.size;
    }
    rc = pq_schema_build(f, err);
    if (rc != ST_OK) {
        st_error_context(err, "file \"%s\"", path);
        goto fail;
    }
    int64_t total = 0;
    for (int i = 0; i < f->meta.n_row_groups; i++) {
        const pq_row_group *rg = &f->meta.row_groups[i];
        if (rg->n_columns != f->n_leaves || rg->num_rows < 0) {
            rc = st_error_set(err, ST_ERR_CORRUPT,
                              "file \"%s\": row group %d has %d column chunks and %lld rows for a "
                              "schema of %d leaf columns",
                              path, i, rg->n_columns, (long long)rg->num_rows, f->n_leaves);
            goto fail;
        }
        for (int j = 0; j < rg->n_columns; j++)
            if (rg->columns[j].is_encrypted) {
                rc = encrypted_error(path, err);
                goto fail;
            }
        total += rg->num_rows;
    }
    (void)total;
    *out = f;
    return ST_OK;
fail:
    st_free(footer);
    pq_file_close(f);
    return rc;
}

void pq_file_close(pq_file *f)
{
    if (!f)
        return;
    if (f->map)
        munmap((void *)f->map, f->map_len);
    if (f->fh.fd >= 0 || f->fh.path)
        st_file_close(&f->fh);
    st_arena_free(f->arena);
    st_free(f);
}

const pq_file_meta *pq_file_metadata(const pq_file *f) { return &f->meta; }
const vec_schema *pq_file_schema(const pq_file *f) { return &f->schema; }
const char *pq_file_path(const pq_file *f) { return f->fh.path; }
int pq_file_num_row_groups(const pq_file *f) { return f->meta.n_row_groups; }
int pq_file_num_leaves(const pq_file *f) { return f->n_leaves; }
const pq_leaf_info *pq_file_leaf(const pq_file *f, int i) { return &f->leaves[i].info; }

int64_t pq_file_num_rows(const pq_file *f)
{
    int64_t n = 0;
    for (int i = 0; i < f->meta.n_row_groups; i++)
        n += f->meta.row_groups[i].num_rows;
    return n;
}

/* ---- statistics ---------------------------------------------------------- */

static __int128 be_to_i128(const uint8_t *p, int32_t n)
{
    if (n <= 0)
        return 0;
    unsigned __int128 v = (p[0] & 0x80) ? ~(unsigned __int128)0 : 0;
    for (int32_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return (__int128)v;
}

/* Decodes one PLAIN statistic value; false when it can't be trusted. */
static bool decode_stat(const pq_leaf *lf, pq_bytes b, pq_value *v)
{
    memset(v, 0, sizeof *v);
    int ptype = lf->info.elem->type;
    const vec_type *t = lf->info.type;
    switch (ptype) {
    case PQ_BOOLEAN:
        if (b.len < 1)
            return false;
        v->i = b.ptr[0] & 1;
        break;
    case PQ_INT32: {
        if (b.len < 4)
            return false;
        int32_t x = (int32_t)st_load_le32(b.ptr);
        if (t->id == VEC_DECIMAL)
            v->dec = x;
        else if (t->id == VEC_TIME)
            v->i = (int64_t)x * 1000;
        else if (t->id == VEC_UINT8 || t->id == VEC_UINT16 || t->id == VEC_UINT32)
            v->u = (uint32_t)x;
        else
            v->i = x;
        break;
    }
    case PQ_INT64: {
        if (b.len < 8)
            return false;
        int64_t x = (int64_t)st_load_le64(b.ptr);
        if (t->id == VEC_DECIMAL)
            v->dec = x;
        else if (t->id == VEC_UINT64)
            v->u = (uint64_t)x;
        else if (lf->conv == PQC_I64_MS_TO_US)
            v->i = x * 1000;
        else if (lf->conv == PQC_I64_NS_TO_US)
            v->i = x / 1000;
        else
            v->i = x;
        break;
    }
    case PQ_FLOAT: {
        if (b.len < 4)
            return false;
        float x;
        memcpy(&x, b.ptr, 4);
        if (isnan(x))
            return false;
        v->d = x;
        break;
    }
    case PQ_DOUBLE: {
        if (b.len < 8)
            return false;
        double x;
        memcpy(&x, b.ptr, 8);
        if (isnan(x))
            return false;
        v->d = x;
        break;
    }
    case PQ_BYTE_ARRAY:
    case PQ_FIXED_LEN_BYTE_ARRAY:
        if (t->id == VEC_DECIMAL) {
            if (b.len > 16)
                return false;
            v->dec = be_to_i128(b.ptr, b.len);
        } else if (lf->conv == PQC_BYTES) {
            v->bytes = b.ptr;
            v->n_bytes = b.len;
        } else {
            return false; /* uuid, float16: not decoded */
        }
        break;
    default:
        return false; /* INT96 statistics are not meaningful */
    }
    v->is_set = true;
    return true;
}

void pq_file_chunk_stats(const pq_file *f, int row_group, int leaf, pq_chunk_stats *out)
{
    memset(out, 0, sizeof *out);
    if (row_group < 0 || row_group >= f->meta.n_row_groups || leaf < 0 || leaf >= f->n_leaves)
        return;
    const pq_column_chunk *cc = &f->meta.row_groups[row_group].columns[leaf];
    if (!cc->has_meta_data || !cc->meta_data.has_statistics)
        return;
    const pq_statistics *s = &cc->meta_data.statistics;
    const pq_leaf *lf = &f->leaves[leaf];
    out->has_null_count = s->has_null_count;
    out->null_count = s->null_count;
    if (s->has_min_value)
        decode_stat(lf, s->min_value, &out->min);
    if (s->has_max_value)
        decode_stat(lf, s->max_value, &out->max);
    /* The deprecated min/max use signed order: only trust them where that is
    ** the column's order (signed ints, floats, dates, timestamps). */
    vec_type_id id = lf->info.type->id;
    bool signed_ok = id != VEC_STRING && id != VEC_BINARY && id != VEC_DECIMAL &&
                     id != VEC_UINT8 && id != VEC_UINT16 && id != VEC_UINT32 && id != VEC_UINT64;
    if (signed_ok && !s->has_min_value && !s->has_max_value && s->has_min && s->has_max) {
        decode_stat(lf, s->min, &out->min);
        decode_stat(lf, s->max, &out->max);
    }
}

/* Three-way comparison of two statistic values of one leaf's type. */
static int cmp_value(const pq_leaf *lf, const pq_value *a, const pq_value *b)
{
    switch (lf->info.type->id) {
    case VEC_UINT8: case VEC_UINT16: case VEC_UINT32: case VEC_UINT64:
        return a->u < b->u ? -1 : a->u > b->u;
    case VEC_FLOAT: case VEC_DOUBLE:
        return a->d < b->d ? -1 : a->d > b->d;
    case VEC_DECIMAL:
        return a->dec < b->dec ? -1 : a->dec > b->dec;
    case VEC_STRING: case VEC_BINARY: {
        int32_t n = ST_MIN(a->n_bytes, b->n_bytes);
        int c = n > 0 ? memcmp(a->bytes, b->bytes, (size_t)n) : 0;
        if (c != 0)
            return c < 0 ? -1 : 1;
        return a->n_bytes < b->n_bytes ? -1 : a->n_bytes > b->n_bytes;
    }
    default:
        return a->i < b->i ? -1 : a->i > b->i;
    }
}

/* True when the chunk's statistics prove no row satisfies the filter. */
static bool stats_exclude(const pq_file *f, int rg, const pq_stat_filter *flt)
{
    const pq_leaf *lf = &f->leaves[flt->leaf];
    pq_chunk_stats st;
    pq_file_chunk_stats(f, rg, flt->leaf, &st);
    int64_t rows = f->meta.row_groups[rg].num_rows;
    switch (flt->op) {
    case PQ_CMP_IS_NULL:
        return st.has_null_count && st.null_count == 0;
    case PQ_CMP_NOT_NULL:
        return st.has_null_count && st.null_count == rows && lf->info.max_rep == 0;
    default:
        break;
    }
    if (st.has_null_count && st.null_count == rows && lf->info.max_rep == 0)
        return true; /* all null: no comparison holds */
    bool lo = st.min.is_set, hi = st.max.is_set;
    switch (flt->op) {
    case PQ_CMP_EQ:
        return (lo && cmp_value(lf, &flt->value, &st.min) < 0) ||
               (hi && cmp_value(lf, &flt->value, &st.max) > 0);
    case PQ_CMP_LT:
        return lo && cmp_value(lf, &st.min, &flt->value) >= 0;
    case PQ_CMP_LE:
        return lo && cmp_value(lf, &st.min, &flt->value) > 0;
    case PQ_CMP_GT:
        return hi && cmp_value(lf, &st.max, &flt->value) <= 0;
    case PQ_CMP_GE:
        return hi && cmp_value(lf, &st.max, &flt->value) < 0;
    default:
        return false;
    }
}

st_status pq_select_row_groups(const pq_file *f, const pq_stat_filter *filters, int n_filters,
                               int *out, int *n_out, st_error *err)
{
    for (int k = 0; k < n_filters; k++)
        if (filters[k].leaf < 0 || filters[k].leaf >= f->n_leaves)
            return st_error_set(err, ST_ERR_ARGUMENT, "leaf column index %d is out of range",
                                filters[k].leaf);
    int n = 0;
    for (int g = 0; g < f->meta.n_row_groups; g++) {
        bool keep = true;
        for (int k = 0; k < n_filters && keep; k++)
            keep = !stats_exclude(f, g, &filters[k]);
        if (keep)
            out[n++] = g;
    }
    *n_out = n;
    return ST_OK;
}

/* ---- batches -------------------------------------------------------------- */

struct pq_reader {
    pq_file        *f;
    st_arena       *arena;      /* owned: schema subset, index arrays */
    vec_schema      schema;     /* the projected fields */
    int            *cols;       /* top-level field indices */
    int             n_cols;
    int            *rgs;        /* row groups to read */
    int             n_rgs;
    int             rg_pos;     /* index into rgs of the current row group, -1 before */
    int64_t         rows_left;  /* rows left in the current row group */
    int64_t         batch_rows;
    pq_read_options opt;        /* copy; columns/row_groups point into arena */
    bool           *leaf_on;    /* per leaf: projected */
    pq_col_reader **cr;         /* per leaf, owned, NULL when not projected */
    pq_leaf_data   *ld;         /* per leaf */
    pq_leaf_data  **ldp;        /* per leaf: &ld[i] */
};

st_status pq_reader_open(pq_file *f, const pq_read_options *opt, pq_reader **out, st_error *err)
{
    pq_read_options def = { 0 };
    if (!opt)
        opt = &def;
    pq_reader *r = st_calloc(1, sizeof *r);
    if (!r)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    r->f = f;
    r->arena = st_arena_new(4096);
    int nl = f->n_leaves;
    r->leaf_on = st_calloc((size_t)(nl ? nl : 1), sizeof(bool));
    r->cr = st_calloc((size_t)(nl ? nl : 1), sizeof(pq_col_reader *));
    r->ld = st_calloc((size_t)(nl ? nl : 1), sizeof(pq_leaf_data));
    r->ldp = st_calloc((size_t)(nl ? nl : 1), sizeof(pq_leaf_data *));
    if (!r->arena || !r->leaf_on || !r->cr || !r->ld || !r->ldp)
        goto oom;
    for (int i = 0; i < nl; i++)
        r->ldp[i] = &r->ld[i];
    r->n_cols = opt->columns ? opt->n_columns : f->schema.n_fields;
    r->cols = st_arena_alloc(r->arena, sizeof(int) * (size_t)(r->n_cols ? r->n_cols : 1));
    r->schema.fields = st_arena_alloc(r->arena,
                                      sizeof(vec_field) * (size_t)(r->n_cols ? r->n_cols : 1));
    if (!r->cols || !r->schema.fields)
        goto oom;
    r->schema.n_fields = r->n_cols;
    for (int i = 0; i < r->n_cols; i++) {
        int c = opt->columns ? opt->columns[i] : i;
        if (c < 0 || c >= f->schema.n_fields) {
            pq_reader_close(r);
            return st_error_set(err, ST_ERR_ARGUMENT, "column index %d is out of range (0..%d)", c,
                                f->schema.n_fields - 1);
        }
        r->cols[i] = c;
        r->schema.fields[i] = f->schema.fields[c];
        for (int l = 0; l < nl; l++)
            if (f->leaves[l].info.top_field == c)
                r->leaf_on[l] = true;
    }
    r->n_rgs = opt->row_groups ? opt->n_row_groups : f->meta.n_row_groups;
    r->rgs = st_arena_alloc(r->arena, sizeof(int) * (size_t)(r->n_rgs ? r->n_rgs : 1));
    if (!r->rgs)
        goto oom;
    for (int i = 0; i < r->n_rgs; i++) {
        int g = opt->row_groups ? opt->row_groups[i] : i;
        if (g < 0 || g >= f->meta.n_row_groups) {
            pq_reader_close(r);
            return st_error_set(err, ST_ERR_ARGUMENT, "row group %d is out of range (0..%d)", g,
                                f->meta.n_row_groups - 1);
        }
        r->rgs[i] = g;
    }
    r->rg_pos = -1;
    r->batch_rows = opt->batch_rows > 0 ? opt->batch_rows : PQ_DEFAULT_BATCH_ROWS;
    r->opt = *opt;
    *out = r;
    return ST_OK;
oom:
    pq_reader_close(r);
    return st_error_set(err, ST_ERR_NOMEM, "out of memory");
}

static void close_columns(pq_reader *r)
{
    for (int i = 0; i < r->f->n_leaves; i++) {
        pq_col_close(r->cr[i]);
        r->cr[i] = NULL;
    }
}

/* Moves to the next row group with rows; false at the end. */
static st_status next_row_group(pq_reader *r, bool *more, st_error *err)
{
    close_columns(r);
    for (int l = 0; l < r->f->n_leaves; l++) {
        r->ld[l].n_entries = r->ld[l].n_vals = r->ld[l].n_records = 0;
        r->ld[l].n_bytes = 0;
        r->ld[l].has_defs = false;
    }
    *more = false;
    while (++r->rg_pos < r->n_rgs) {
        int g = r->rgs[r->rg_pos];
        int64_t n = r->f->meta.row_groups[g].num_rows;
        if (n <= 0)
            continue;
        for (int l = 0; l < r->f->n_leaves; l++) {
            if (!r->leaf_on[l])
                continue;
            st_status rc = pq_col_open(r->f, g, l, &r->opt, &r->cr[l], err);
            if (rc != ST_OK)
                return st_error_context(err, "column \"%s\" of row group %d",
                                        r->f->leaves[l].info.path, g);
        }
        r->rows_left = n;
        *more = true;
        return ST_OK;
    }
    return ST_OK;
}

st_status pq_reader_next(pq_reader *r, vec_batch **out, st_error *err)
{
    *out = NULL;
    st_status rc;
    if (r->rows_left == 0) {
        bool more;
        rc = next_row_group(r, &more, err);
        if (rc != ST_OK)
            goto fail;
        if (!more)
            return ST_OK;
    }
    /* Each leaf reads up to n records; a byte-string leaf may stop early at
    ** the byte budget, which lowers n for the leaves after it. Leaves read
    ** before that keep their extra records for the next batch. */
    int64_t n = ST_MIN(r->batch_rows, r->rows_left);
    for (int l = 0; l < r->f->n_leaves; l++) {
        if (!r->cr[l])
            continue;
        rc = pq_col_read(r->cr[l], n,
                         r->opt.batch_bytes > 0 ? (uint64_t)r->opt.batch_bytes
                                                : PQ_BATCH_BYTE_BUDGET,
                         &r->ld[l], err);
        if (rc != ST_OK)
            goto fail;
        if (r->ld[l].n_records < n)
            n = r->ld[l].n_records;
    }
    vec_batch *b = vec_batch_new(&r->schema, r->n_cols, 0);
    if (!b) {
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
        goto fail;
    }
    int64_t *saved = st_malloc(sizeof(int64_t) * 2 * (size_t)(r->f->n_leaves ? r->f->n_leaves : 1));
    if (!saved) {
        vec_batch_free(b);
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (int l = 0; l < r->f->n_leaves; l++)
        if (r->cr[l])
            pq_leaf_data_cut(&r->ld[l], &r->f->leaves[l], n, &saved[2 * l], &saved[2 * l + 1]);
    rc = ST_OK;
    for (int i = 0; i < r->n_cols && rc == ST_OK; i++) {
        rc = pq_assemble(r->f, r->f->roots[r->cols[i]], r->ldp, n, b->arena, &b->cols[i], err);
        if (rc == ST_OK)
            b->cols[i]->type = &r->schema.fields[i].type;
    }
    for (int l = 0; l < r->f->n_leaves && rc == ST_OK; l++)
        if (r->cr[l])
            rc = pq_leaf_data_consume(&r->ld[l], &r->f->leaves[l], saved[2 * l],
                                      saved[2 * l + 1], err);
    st_free(saved);
    if (rc != ST_OK) {
        vec_batch_free(b);
        goto fail;
    }
    b->n_rows = n;
    r->rows_left -= n;
    *out = b;
    return ST_OK;
fail:
    return st_error_context(err, "file \"%s\"", r->f->fh.path);
}

const vec_schema *pq_reader_schema(const pq_reader *r) { return &r->schema; }

void pq_reader_close(pq_reader *r)
{
    if (!r)
        return;
    if (r->cr)
        close_columns(r);
    if (r->ld)
        for (int i = 0; i < r->f->n_leaves; i++)
            pq_leaf_data_destroy(&r->ld[i]);
    st_free(r->leaf_on);
    st_free(r->cr);
    st_free(r->ld);
    st_free(r->ldp);
    st_arena_free(r->arena);
    st_free(r);
}
