/* vec.h -- column vectors and batches in the Apache Arrow memory layout, so a
** result can leave through the Arrow C Data Interface without a copy.
**
** Layout per type (Arrow's "Columnar Format"):
**   validity   bit i = 1 when row i is valid (LSB first); NULL means all valid
**   BOOL       values: bitmap of len bits
**   fixed      values: len * vec_type_width() bytes (INT8..UINT64, FLOAT,
**              DOUBLE, DATE int32 days, TIME int64 micros since midnight,
**              TIMESTAMP / TIMESTAMP_NTZ int64 micros since the epoch,
**              DECIMAL 16-byte little-endian two's complement (decimal128))
**   STRING/BINARY  values: int32 offsets[len + 1]; bytes: the data
**   LIST       values: int32 offsets[len + 1]; children[0]: elements
**   MAP        values: int32 offsets[len + 1]; children[0]: STRUCT<key,value>
**   STRUCT     children[i]: one vector of length len per field
**   NULL       no buffers (every row null)
**
** Ownership: a vector's buffers and the vector itself live in the arena of
** the batch that holds it (vec_batch.arena); types live in a schema arena
** that outlives every batch built on it. Vectors are immutable once handed
** to a consumer. */
#ifndef STRATA_VECTOR_VEC_H
#define STRATA_VECTOR_VEC_H

#include "../base/base.h"

typedef enum vec_type_id {
    VEC_NULL = 0,
    VEC_BOOL,
    VEC_INT8,
    VEC_INT16,
    VEC_INT32,
    VEC_INT64,
    VEC_UINT8,
    VEC_UINT16,
    VEC_UINT32,
    VEC_UINT64,
    VEC_FLOAT,
    VEC_DOUBLE,
    VEC_DECIMAL,
    VEC_STRING,
    VEC_BINARY,
    VEC_DATE,
    VEC_TIME,
    VEC_TIMESTAMP,     /* UTC-adjusted instant, micros */
    VEC_TIMESTAMP_NTZ, /* wall-clock time without zone, micros */
    VEC_STRUCT,
    VEC_LIST,
    VEC_MAP,
    VEC_TYPE_COUNT
} vec_type_id;

typedef struct vec_field vec_field;

typedef struct vec_type {
    vec_type_id id;
    uint8_t     precision;   /* DECIMAL: 1..38 */
    uint8_t     scale;       /* DECIMAL: 0..precision */
    int         n_children;  /* STRUCT: fields; LIST: 1 "element"; MAP: 1 "entries" */
    vec_field  *children;    /* borrowed: schema arena */
} vec_type;

struct vec_field {
    const char *name;        /* borrowed: schema arena */
    vec_type    type;
    bool        nullable;
};

typedef struct vec_schema {
    int        n_fields;
    vec_field *fields;       /* borrowed: schema arena */
} vec_schema;

typedef struct vec vec;
struct vec {
    const vec_type *type;    /* borrowed: schema arena */
    int64_t   len;           /* rows */
    int64_t   null_count;    /* exact */
    uint8_t  *validity;      /* batch arena; NULL when null_count == 0 */
    void     *values;        /* batch arena; see layout table above */
    uint8_t  *bytes;         /* STRING/BINARY data, batch arena */
    int64_t   n_bytes;
    vec     **children;      /* STRUCT/LIST/MAP, batch arena */
};

typedef struct vec_batch {
    const vec_schema *schema; /* borrowed */
    int64_t   n_rows;
    int       n_cols;
    vec     **cols;           /* arena */
    st_arena *arena;          /* owned: every buffer of this batch */
} vec_batch;

/* ---- types (vec_type.c) ------------------------------------------------- */

/* Bytes per value of a fixed-width type, 0 for others (BOOL is bit-packed). */
int         vec_type_width(vec_type_id id);
const char *vec_type_id_name(vec_type_id id);
/* Spark SQL spelling ("int", "decimal(10,2)", "array<string>", ...) into buf. */
int         vec_type_format(const vec_type *t, char *buf, size_t n);
bool        vec_type_equal(const vec_type *a, const vec_type *b);
/* Deep copy of a type tree / schema (names included) into arena a. */
st_status   vec_type_copy(st_arena *a, const vec_type *src, vec_type *dst, st_error *err);
st_status   vec_schema_copy(st_arena *a, const vec_schema *src, vec_schema *dst, st_error *err);
static inline bool vec_type_is_nested(vec_type_id id)
{
    return id == VEC_STRUCT || id == VEC_LIST || id == VEC_MAP;
}
static inline bool vec_type_is_varlen(vec_type_id id)
{
    return id == VEC_STRING || id == VEC_BINARY;
}

/* ---- vectors (vec.c) ---------------------------------------------------- */

static inline bool vec_bit_get(const uint8_t *bits, int64_t i)
{
    return (bits[i >> 3] >> (i & 7)) & 1;
}
static inline void vec_bit_set(uint8_t *bits, int64_t i)   { bits[i >> 3] |= (uint8_t)(1u << (i & 7)); }
static inline void vec_bit_clear(uint8_t *bits, int64_t i) { bits[i >> 3] &= (uint8_t)~(1u << (i & 7)); }
static inline bool vec_is_valid(const vec *v, int64_t i)
{
    return v->validity == NULL || vec_bit_get(v->validity, i);
}
static inline size_t vec_bitmap_bytes(int64_t n) { return (size_t)((n + 7) / 8); }

/* A vector of type t with room for len rows (fixed buffers zeroed, offsets
** zeroed, no validity, no bytes). Children of STRUCT are allocated with len
** rows; children of LIST/MAP with 0 rows (caller sizes them). NULL on OOM. */
vec  *vec_new(st_arena *a, const vec_type *t, int64_t len);
/* Allocates an all-valid validity bitmap for v (idempotent). */
st_status vec_alloc_validity(st_arena *a, vec *v, st_error *err);
/* Marks row i null, allocating validity if needed; keeps null_count exact. */
st_status vec_set_null(st_arena *a, vec *v, int64_t i, st_error *err);
/* Recounts null_count from validity; drops an all-valid bitmap. */
void  vec_finish_validity(vec *v);

static inline int32_t *vec_offsets(const vec *v) { return (int32_t *)v->values; }
/* Points v and its children at type t (an equal type that lives longer, e.g.
** a query's copy when the reader that made v will close first). */
void  vec_set_type(vec *v, const vec_type *t);

/* ---- batches (vec.c) ---------------------------------------------------- */

/* A batch with its own arena; cols are zeroed (filled by the producer). */
vec_batch *vec_batch_new(const vec_schema *s, int n_cols, size_t arena_block);
void       vec_batch_free(vec_batch *b);   /* accepts NULL */

/* ---- building vectors row by row (vec_build.c) -------------------------- */

/* A growable vector builder for producers that do not know their length in
** advance (CSV/JSON readers, tests, small results). Appends go into heap
** buffers; vec_builder_finish copies them into the batch arena. */
typedef struct vec_builder vec_builder;
vec_builder *vec_builder_new(const vec_type *t);
void         vec_builder_free(vec_builder *b);
int64_t      vec_builder_len(const vec_builder *b);
st_status    vec_builder_append_null(vec_builder *b, st_error *err);
st_status    vec_builder_append_bool(vec_builder *b, bool v, st_error *err);
st_status    vec_builder_append_i64(vec_builder *b, int64_t v, st_error *err);   /* ints, date, time, timestamps */
st_status    vec_builder_append_u64(vec_builder *b, uint64_t v, st_error *err);
st_status    vec_builder_append_f64(vec_builder *b, double v, st_error *err);    /* FLOAT, DOUBLE */
st_status    vec_builder_append_i128(vec_builder *b, __int128 v, st_error *err); /* DECIMAL unscaled */
st_status    vec_builder_append_bytes(vec_builder *b, const void *p, size_t n, st_error *err);
/* Nested: child builders; LIST/MAP rows are closed with vec_builder_end_list
** after appending that row's elements to child 0. STRUCT rows are appended
** by appending one value to every child and then vec_builder_append_struct. */
vec_builder *vec_builder_child(vec_builder *b, int i);
st_status    vec_builder_end_list(vec_builder *b, st_error *err);
st_status    vec_builder_append_struct(vec_builder *b, bool valid, st_error *err);
st_status    vec_builder_finish(vec_builder *b, st_arena *a, vec **out, st_error *err);

/* ---- values as text (vec_format.c) -------------------------------------- */

/* Appends row i of v to out: mode VEC_FMT_TEXT for tables/CSV cells (NULL as
** "NULL"... callers check validity first for CSV), VEC_FMT_JSON for a JSON
** value (strings quoted and escaped, nested as objects/arrays, binary as
** base64, dates/timestamps as ISO-8601 strings, decimals as numbers). */
typedef enum vec_fmt_mode { VEC_FMT_TEXT, VEC_FMT_JSON } vec_fmt_mode;
st_status vec_format_value(const vec *v, int64_t i, vec_fmt_mode mode, st_buf *out, st_error *err);
/* Decimal unscaled value + scale into text ("-12.340"); returns length. */
int       vec_format_decimal(__int128 v, int scale, char *buf, size_t n);

/* ---- kernels (vec_kern.c) ------------------------------------------------ */

/* A typed constant: which member is used follows the vector type (i64 for
** BOOL, signed ints, DATE, TIME, timestamps; u64 for unsigned ints; f64 for
** FLOAT/DOUBLE; i128 for DECIMAL unscaled; bytes for STRING/BINARY). */
typedef struct vec_scalar {
    bool           is_null;
    int64_t        i64;
    uint64_t       u64;
    double         f64;
    __int128       i128;
    const uint8_t *bytes;    /* borrowed: copied into the vector's arena */
    int64_t        n_bytes;
} vec_scalar;

/* Gathers rows idx[0..n) of v (every type, nested included) into a new
** vector in arena a. Indices must be in [0, v->len) (ST_ERR_ARGUMENT if not). */
st_status vec_take(st_arena *a, const vec *v, const int32_t *idx, int64_t n, vec **out,
                   st_error *err);
/* A range of rows [start, start + len). */
typedef struct vec_run {
    int64_t start, len;
} vec_run;
/* Gathers the rows of runs[0..n_runs) (n rows in all, in order) of v into a
** new vector in arena a: one copy per range for fixed-width and string
** values (a filter keeping most rows). Ranges must lie within v. */
st_status vec_take_runs(st_arena *a, const vec *v, const vec_run *runs, int64_t n_runs,
                        int64_t n, vec **out, st_error *err);
/* Keeps the rows of b whose keep byte is nonzero (keep has b->n_rows bytes):
** builds new vectors in b->arena and replaces b->cols and b->n_rows. */
st_status vec_filter_batch(vec_batch *b, const uint8_t *keep, st_error *err);
/* A vector of n copies of s (NULL or s->is_null: all null) of a scalar type
** t (not STRUCT/LIST/MAP unless all null). */
st_status vec_constant(st_arena *a, const vec_type *t, const vec_scalar *s, int64_t n, vec **out,
                       st_error *err);
/* v converted to type `to` by a Delta type-widening rule: int8->int16->
** int32->int64, float->double, int8..int64->decimal, decimal(p,s)->
** decimal(p+k,s+k') with k >= k', date->timestamp_ntz; equal types return v
** itself. STRUCT/LIST/MAP are widened child by child. Other pairs are
** ST_ERR_UNSUPPORTED naming both types. */
st_status vec_cast_widen(st_arena *a, const vec *v, const vec_type *to, vec **out,
                         st_error *err);

/* ---- Arrow C Data Interface export (vec_arrow.c) ------------------------ */

#include "arrow_abi.h"

/* Describes s as an Arrow struct schema (one child per field). The caller
** releases it through out->release. */
st_status vec_export_schema(const vec_schema *s, struct ArrowSchema *out, st_error *err);
/* Exports b as an Arrow struct array whose buffers are b's own (no copy).
** Takes ownership of b on success: out->release frees it. Child arrays are
** owned by the root and released with it. */
st_status vec_export_batch(vec_batch *b, struct ArrowArray *out, st_error *err);

#endif /* STRATA_VECTOR_VEC_H */
