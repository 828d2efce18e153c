/* pq_int.h -- private structures of the Parquet reader: the schema tree with
** the definition/repetition thresholds used to reassemble nested values, the
** per-leaf decoding plan, and the column-chunk reader. Only
** src/format/parquet/ includes this.
**
** Reassembly (Dremel, as Arrow's "def/rep levels to list" does it): every
** node N of the vector tree gets three numbers computed from the Parquet
** schema:
**   def_slot  a level entry makes room for a value of N only if its
**             definition level d >= def_slot (an ancestor list has an
**             element there; struct children share their parent's slots)
**   rep_slot  ... and its repetition level r <= rep_slot (r > rep_slot
**             continues a deeper list inside N's current value)
**   def_nn    the slot holds a non-null value when d >= def_nn
** A leaf carries a value exactly when d == max_def. Walking any leaf below N
** with these rules yields N's slots, validity and (for lists) offsets. */
#ifndef STRATA_FORMAT_PQ_INT_H
#define STRATA_FORMAT_PQ_INT_H

#include "pq.h"
#include "pq_encoding.h"
#include "pq_codec.h"

typedef enum pq_node_kind { PQN_LEAF, PQN_STRUCT, PQN_LIST, PQN_MAP } pq_node_kind;

typedef struct pq_node pq_node;
struct pq_node {
    pq_node_kind    kind;
    const vec_type *type;      /* borrowed: file arena */
    int             def_slot;
    int             rep_slot;
    int             def_nn;
    int             first_leaf;/* leaf index of the leftmost leaf below (or this leaf) */
    int             n_children;/* STRUCT: fields; LIST: 1 element; MAP: 1 entries struct */
    pq_node       **children;  /* file arena */
};

/* How a leaf's physical values become vector values. */
typedef enum pq_conv {
    PQC_BOOL,          /* BOOLEAN -> 1 byte 0/1 (packed into bitmaps at the end) */
    PQC_COPY4,         /* INT32/FLOAT as is */
    PQC_COPY8,         /* INT64/DOUBLE as is */
    PQC_I32_TO_I8,     /* INT32 narrowed (INT(8), UINT(8)) */
    PQC_I32_TO_I16,
    PQC_I32_TO_DEC,    /* INT32 DECIMAL -> int128 */
    PQC_I64_TO_DEC,
    PQC_I32_MS_TO_US,  /* TIME(MILLIS) int32 -> int64 micros */
    PQC_I64_MS_TO_US,  /* TIMESTAMP(MILLIS) */
    PQC_I64_NS_TO_US,  /* TIMESTAMP/TIME(NANOS), floor */
    PQC_INT96_TO_US,
    PQC_FLBA_DEC,      /* big-endian two's complement -> int128 */
    PQC_BA_DEC,
    PQC_FLBA_F16,      /* half float -> float */
    PQC_FLBA_UUID,     /* 16 bytes -> 36-char string */
    PQC_BYTES          /* BYTE_ARRAY / FLBA as string or binary */
} pq_conv;

/* What a leaf's values look like once converted. */
typedef enum pq_out { PQO_FIXED, PQO_BOOL, PQO_BYTES } pq_out;

/* A byte string view into page, dictionary or scratch memory. */
typedef struct pq_view {
    const uint8_t *p;
    uint32_t       len;
} pq_view;

typedef struct pq_leaf {
    pq_leaf_info info;          /* public part (path, levels, element, type) */
    pq_conv      conv;
    pq_out       out;
    int          width;         /* PQO_FIXED: bytes per converted value */
    int          phys_width;    /* bytes per physical PLAIN value (FLBA: type_length; 0 for BYTE_ARRAY, BOOLEAN) */
    int          dec_scale_src; /* unused: scale conversion not needed */
} pq_leaf;

struct pq_file {
    st_file       fh;
    const void   *map;          /* read-only mapping of the whole file, or NULL */
    size_t        map_len;
    st_arena     *arena;        /* owned: metadata, schema tree, leaf table */
    pq_file_meta  meta;
    vec_schema    schema;       /* top-level fields */
    pq_node     **roots;        /* one per top-level field */
    int           n_leaves;
    pq_leaf      *leaves;       /* arena, footer order */
};

/* ---- pq_schema.c -------------------------------------------------------- */

/* Builds f->schema, f->roots and f->leaves from f->meta.schema. */
st_status pq_schema_build(pq_file *f, st_error *err);

/* ---- pq_column.c -------------------------------------------------------- */

/* Levels and dense values of one leaf for a run of whole records. Buffers
** are heap scratch owned by the column reader, reused batch after batch. */
typedef struct pq_leaf_data {
    int64_t   n_entries;       /* level entries held */
    int64_t   n_records;       /* whole records held (entries with rep == 0) */
    uint16_t *defs;            /* n_entries, meaningful only when has_defs */
    bool      has_defs;        /* false: every entry held has d == max_def */
    uint16_t *reps;            /* n_entries (valid when max_rep > 0) */
    int64_t   n_vals;          /* entries with d == max_def */
    uint64_t  n_bytes;         /* PQO_BYTES: total bytes of the views held */
    uint8_t  *vals;            /* PQO_FIXED: n_vals * width; PQO_BOOL: n_vals bytes */
    pq_view  *views;           /* PQO_BYTES: n_vals views */
    size_t    cap_entries, cap_vals;
    uint8_t  *carry;           /* owned: bytes of views carried over a batch */
    bool      has_carry;       /* a cut left records behind the visible ones */
} pq_leaf_data;

typedef struct pq_col_reader pq_col_reader;

/* A reader over one leaf's column chunk in one row group. Reads the whole
** chunk with one pread; verifies page CRCs unless opt->skip_crc; refuses
** pages larger than opt->max_page_bytes. */
st_status pq_col_open(pq_file *f, int row_group, int leaf, const pq_read_options *opt,
                      pq_col_reader **out, st_error *err);
void      pq_col_close(pq_col_reader *c);
/* Reads records until d holds n_records of them (records carried over
** from the previous batch count), or until a byte-string leaf holds
** max_bytes (0 = no limit) and at least one record. A chunk that ends first
** is ST_ERR_CORRUPT. Byte views stay valid until the next pq_col_read /
** pq_col_close (carried views point into d->carry). */
st_status pq_col_read(pq_col_reader *c, int64_t n_records, uint64_t max_bytes, pq_leaf_data *d,
                      st_error *err);
/* Keeps only the first n records visible (sets *saved_* for restore) --
** assembly then sees exactly n records. */
void      pq_leaf_data_cut(pq_leaf_data *d, const pq_leaf *lf, int64_t n, int64_t *saved_entries,
                           int64_t *saved_vals);
/* Drops the first n records after a cut, moving the rest to the front and
** copying their bytes into d->carry. */
st_status pq_leaf_data_consume(pq_leaf_data *d, const pq_leaf *lf, int64_t saved_entries,
                               int64_t saved_vals, st_error *err);
void      pq_leaf_data_destroy(pq_leaf_data *d);

/* ---- pq_assemble.c ------------------------------------------------------ */

/* Builds the vector of node n for n_rows records from the leaves' data
** (indexed by leaf number). May take ownership of a leaf's value buffer
** (handing it to arena a) when the batch uses all of it. */
st_status pq_assemble(const pq_file *f, const pq_node *n, pq_leaf_data **leaf_data,
                      int64_t n_rows, st_arena *a, vec **out, st_error *err);

#endif /* STRATA_FORMAT_PQ_INT_H */
