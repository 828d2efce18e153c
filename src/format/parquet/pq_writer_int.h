/* pq_writer_int.h -- private to the Parquet writer (pq_writer.c shreds rows
** into per-leaf buffers; pq_wchunk.c encodes one buffered leaf as a column
** chunk). Nothing outside these two files includes it.
**
** A leaf buffers one row group of its column in the shape Parquet stores it:
**   values  the non-null leaf values, already PLAIN-encoded in the leaf's
**           physical type (BYTE_ARRAY as 4-byte LE length + bytes,
**           FIXED_LEN_BYTE_ARRAY as width big-endian bytes), except BOOLEAN,
**           kept as one byte 0/1 per value and bit-packed per page;
**   def     uint16 definition level per entry (only when max_def > 0 and
**           not def_implicit);
**   rep     uint16 repetition level per entry (only when max_rep > 0).
** Invariant: n_entries == levels in def/rep (or n_values when max_def == 0
** or def_implicit), n_values == entries whose def == max_def. A top-level
** primitive leaf keeps def_implicit (no def buffer: every level is max_def)
** until its first null, the common case of nullable columns without nulls. */
#ifndef STRATA_FORMAT_PQ_WRITER_INT_H
#define STRATA_FORMAT_PQ_WRITER_INT_H

#include "pq.h"

#define PQ_W_MAX_DEPTH 64                  /* nesting steps from a top field to a leaf */
#define PQ_W_DICT_MAX_BYTES (1u << 20)     /* PLAIN dictionary page cap */
#define PQ_W_PAGE_MAX_ENTRIES (1 << 20)    /* soft cap on level entries per page */

/* How the shredder treats the vector at one depth of a leaf's path. */
enum pq_wstep_kind { PQ_WSTEP_LEAF, PQ_WSTEP_STRUCT, PQ_WSTEP_LIST, PQ_WSTEP_MAP };

typedef struct pq_wstep {
    uint8_t kind;            /* enum pq_wstep_kind */
    bool    optional;        /* OPTIONAL in the schema: a null adds no def level */
    bool    is_null_type;    /* VEC_NULL leaf: every row is null */
    int     child;           /* STRUCT: index of the child on this leaf's path */
    int     rep_level;       /* LIST/MAP: repetition level of the elements */
} pq_wstep;

/* Comparison used for a leaf's statistics (parquet-format's column orders). */
enum pq_wsort {
    PQ_WSORT_NONE,           /* no min/max (null-type column) */
    PQ_WSORT_BOOL,           /* false < true */
    PQ_WSORT_I32, PQ_WSORT_U32, PQ_WSORT_I64, PQ_WSORT_U64,
    PQ_WSORT_FLOAT, PQ_WSORT_DOUBLE,  /* NaN ignored */
    PQ_WSORT_BYTES,          /* unsigned lexicographic */
    PQ_WSORT_DEC_BE          /* signed big-endian two's complement */
};

typedef struct pq_wleaf {
    const char  *path;       /* dotted path for messages; writer arena */
    int          n_parts;
    const char **parts;      /* path_in_schema; writer arena */
    int          top;        /* index of its top-level field */
    int          n_steps;
    pq_wstep    *steps;      /* writer arena; steps[n_steps - 1] is the leaf */
    int          max_def, max_rep;
    vec_type_id  vtype;      /* vector type of the leaf values */
    int          precision;  /* DECIMAL */
    int          phys;       /* enum pq_physical */
    int          width;      /* bytes per buffered value; 0 for BYTE_ARRAY */
    int          sort;       /* enum pq_wsort */
    bool         legacy_stats; /* also fill the deprecated signed min/max */
    /* one row group of buffered data */
    st_buf       values;     /* see the file comment */
    st_buf       def;        /* uint16 per entry */
    st_buf       rep;        /* uint16 per entry */
    bool         def_implicit; /* def not materialized: all levels are max_def */
    int64_t      n_entries;  /* level entries (values + nulls + empty lists) */
    int64_t      n_values;   /* non-null values */
} pq_wleaf;

/* Scratch reused by every chunk the writer encodes (heap, owned by it). */
typedef struct pq_wscratch {
    st_buf    page;          /* uncompressed page body */
    st_buf    cpage;         /* compressed page body */
    st_buf    hdr;           /* serialized page header */
    st_buf    dict;          /* PLAIN dictionary page body */
    uint32_t *indices;       /* dictionary index per value */
    size_t    cap_indices;
    void     *slots;         /* hash table slots */
    size_t    cap_slots_bytes;
    int64_t  *entry_pos;     /* byte arrays: entry's offset in values */
    size_t    cap_entries;
} pq_wscratch;

/* The file being written: a write-behind buffer over a file descriptor. */
typedef struct pq_wout {
    int         fd;          /* -1 once closed */
    const char *path;        /* borrowed: the writer's */
    int64_t     offset;      /* bytes appended so far (flushed + buffered) */
    st_buf      buf;         /* bytes not yet written to fd */
} pq_wout;

/* Appends n bytes to the file; ST_ERR_IO naming the path on failure. */
st_status pq_wout_write(pq_wout *o, const void *p, size_t n, st_error *err);

/* What the chunk encoder needs from the writer. */
typedef struct pq_wchunk_ctx {
    int          codec;      /* enum pq_codec */
    int          level;      /* codec level, 0 = default */
    int64_t      page_bytes; /* target uncompressed page size */
    bool         no_dictionary;
    st_arena    *meta_arena; /* footer pieces (stats bytes, encodings) */
    pq_wscratch *scratch;    /* borrowed: the writer's */
    pq_wout     *out;        /* borrowed: the writer's */
} pq_wchunk_ctx;

/* Encodes leaf l's buffered row group as one column chunk appended to the
** file through ctx->write, and fills cc (its ColumnMetaData with statistics;
** pointers into ctx->meta_arena). Does not clear l's buffers. */
st_status pq_wchunk_encode(const pq_wchunk_ctx *ctx, const pq_wleaf *l, pq_column_chunk *cc,
                           st_error *err);
void      pq_wscratch_destroy(pq_wscratch *s);

#endif /* STRATA_FORMAT_PQ_WRITER_INT_H */
