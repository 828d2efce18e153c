/* pq.h -- the Parquet module's contract: open a file, map its schema to
** vector types, read column batches (projection, row-group selection,
** streaming), and write batches back as a standard Parquet file.
**
** Reading (pq_reader.c, pq_schema.c, pq_column.c): pq_file_open reads the
** footer once; a pq_reader walks the selected row groups and yields batches
** of at most batch_rows rows that never cross a row group. Peak memory is one
** row group's projected column chunks plus one batch. Nested columns are
** reassembled from definition/repetition levels (Dremel) into Arrow-layout
** STRUCT/LIST/MAP vectors.
**
** Writing (pq_writer.c): a pq_writer buffers rows until a row group is full,
** then encodes each leaf column (dictionary falling back to PLAIN, RLE
** levels, data page v1), compresses pages and appends them; close writes the
** footer with per-chunk statistics. A failed or aborted writer removes its
** partial file. */
#ifndef STRATA_FORMAT_PQ_H
#define STRATA_FORMAT_PQ_H

#include "../../vector/vec.h"
#include "pq_meta.h"

typedef struct pq_file pq_file;
typedef struct pq_reader pq_reader;
typedef struct pq_writer pq_writer;

/* ---- files (pq_reader.c) ------------------------------------------------ */

/* Opens path and parses its footer and schema. Encrypted files fail with
** ST_ERR_UNSUPPORTED ("encrypted Parquet is not supported"). */
st_status pq_file_open(const char *path, pq_file **out, st_error *err);
void      pq_file_close(pq_file *f);                  /* accepts NULL */
const pq_file_meta *pq_file_metadata(const pq_file *f);
const vec_schema   *pq_file_schema(const pq_file *f);  /* top-level fields */
const char         *pq_file_path(const pq_file *f);
int64_t             pq_file_num_rows(const pq_file *f);
int                 pq_file_num_row_groups(const pq_file *f);

/* Leaf columns in footer order: a leaf's dotted path, its top-level field and
** its definition/repetition maxima. */
typedef struct pq_leaf_info {
    const char *path;        /* "a.b.list.element"; borrowed: file */
    int   top_field;         /* index into pq_file_schema()->fields */
    int   max_def, max_rep;
    const pq_schema_element *elem; /* borrowed: file */
    const vec_type *type;    /* vector type of the leaf's values */
} pq_leaf_info;
int                 pq_file_num_leaves(const pq_file *f);
const pq_leaf_info *pq_file_leaf(const pq_file *f, int i);

/* A statistic decoded into the leaf's vector type (for row-group skipping
** and `parquet meta`). has_min/has_max false when absent or not trustworthy
** for the column's sort order. */
typedef struct pq_value {
    bool      is_set;
    int64_t   i;        /* ints, date, time, timestamps, bool */
    uint64_t  u;        /* unsigned ints */
    double    d;        /* float, double */
    __int128  dec;      /* decimal unscaled */
    const uint8_t *bytes; int32_t n_bytes;  /* string/binary; borrowed: file */
} pq_value;
typedef struct pq_chunk_stats {
    pq_value min, max;
    bool     has_null_count;
    int64_t  null_count;
} pq_chunk_stats;
void pq_file_chunk_stats(const pq_file *f, int row_group, int leaf, pq_chunk_stats *out);

/* Row-group skipping by statistics: a row group is kept unless its chunk
** statistics prove that no row satisfies every filter (filters are ANDed).
** Missing statistics keep the row group. Values are in the leaf's vector
** representation (pq_value fields as for pq_chunk_stats). */
typedef enum pq_cmp_op {
    PQ_CMP_EQ, PQ_CMP_LT, PQ_CMP_LE, PQ_CMP_GT, PQ_CMP_GE, PQ_CMP_IS_NULL, PQ_CMP_NOT_NULL
} pq_cmp_op;
typedef struct pq_stat_filter {
    int       leaf;     /* leaf column index (pq_file_leaf) */
    pq_cmp_op op;
    pq_value  value;    /* unused for IS_NULL / NOT_NULL */
} pq_stat_filter;
/* Fills out (caller array of pq_file_num_row_groups entries) with the kept
** row groups in file order; *n_out their count. */
st_status pq_select_row_groups(const pq_file *f, const pq_stat_filter *filters, int n_filters,
                               int *out, int *n_out, st_error *err);

/* ---- reading batches (pq_reader.c) -------------------------------------- */

typedef struct pq_read_options {
    const int *columns;       /* top-level field indices to read, NULL = all */
    int        n_columns;
    const int *row_groups;    /* row groups to read in order, NULL = all */
    int        n_row_groups;
    int64_t    batch_rows;    /* max rows per batch, 0 = default (2048) */
    bool       skip_crc;      /* don't verify page CRCs where present */
    int64_t    max_page_bytes;/* largest uncompressed page accepted, 0 = INT32_MAX */
    int64_t    batch_bytes;   /* string bytes per leaf that end a batch early
                              ** (at least one row is always returned), 0 = 64 MiB */
} pq_read_options;

st_status pq_reader_open(pq_file *f, const pq_read_options *opt, pq_reader **out,
                         st_error *err);
/* Next batch (caller frees with vec_batch_free), or *out == NULL at the end.
** Columns appear in the order asked for; the batch schema is
** pq_reader_schema(). */
st_status pq_reader_next(pq_reader *r, vec_batch **out, st_error *err);
const vec_schema *pq_reader_schema(const pq_reader *r);
void      pq_reader_close(pq_reader *r);              /* accepts NULL */

/* ---- writing (pq_writer.c) ---------------------------------------------- */

typedef struct pq_write_options {
    int     codec;             /* enum pq_codec (0 = UNCOMPRESSED); a NULL options
                               ** pointer means SNAPPY */
    int     level;             /* codec level, 0 = library default */
    int64_t row_group_rows;    /* rows per row group, 0 = default (1M) */
    int64_t page_bytes;        /* target uncompressed page size, 0 = 1 MiB */
    bool    no_dictionary;     /* PLAIN only */
    int     n_kv;
    const pq_key_value *kv;    /* key/value metadata for the footer */
} pq_write_options;

typedef struct pq_write_result {
    int64_t n_rows;
    int64_t file_bytes;
} pq_write_result;

/* Creates path (truncating). opt may be NULL for defaults. */
st_status pq_writer_open(const char *path, const vec_schema *schema, const pq_write_options *opt,
                         pq_writer **out, st_error *err);
/* Appends every row of b (b->schema must match the writer's schema). */
st_status pq_writer_write(pq_writer *w, const vec_batch *b, st_error *err);
/* Flushes, writes the footer, closes and frees w. On failure the partial
** file is removed. res may be NULL. */
st_status pq_writer_close(pq_writer *w, pq_write_result *res, st_error *err);
/* Discards everything and removes the partial file; frees w. */
void      pq_writer_abort(pq_writer *w);
/* The footer as built so far: the row groups already flushed (valid until
** the next write or close). */
const pq_file_meta *pq_writer_metadata(const pq_writer *w);

#endif /* STRATA_FORMAT_PQ_H */
