/* pq_meta.c -- Parquet FileMetaData and PageHeader (apache/parquet-format
** parquet.thrift) to and from the plain C structs of pq_meta.h, over the
** hand-written compact-protocol codec in pq_thrift.c (no packaged C library
** decodes Parquet's Thrift without generated code).
**
** Parsing: each Thrift struct has a descriptor (struct_desc) giving the wire
** type of every field id strata knows, the ids parquet.thrift marks
** `required`, and a handler that stores a field into the C struct.
** read_struct drives it: unknown fields, and known fields arriving with a
** different wire type, are skipped as Thrift-generated readers do (old
** writers emitted such fields, e.g. dict-page-offset-zero.parquet); a missing
** required field is ST_ERR_CORRUPT. List counts are validated by the reader
** before any arena allocation, and enumerations with a closed set of values
** (physical type, repetition) are range-checked so later stages may index
** tables with them. Footers copy strings and binaries into the caller's
** arena; page headers have no strings and borrow statistics bytes from the
** input.
**
** Writing emits exactly what parsing reads: required fields always, optional
** ones when set (has_ flags, non-NULL pointers, non-zero counts), so
** write -> parse round-trips. LogicalType is written alongside converted_type
** so that both new and old readers (Spark, DuckDB) understand the files.
** Encryption metadata (ColumnChunk 8/9, FileMetaData 8) is recognised when
** read but never written. */
#include "pq_meta.h"

#include "pq_thrift.h"

#include <inttypes.h>

/* ---- parsing ------------------------------------------------------------ */

typedef struct meta_ctx {
    thr_reader  r;          /* the input span and position */
    st_arena   *arena;      /* destination of strings/lists; NULL for page headers */
} meta_ctx;

/* Stores field `id` (already known to have its expected wire type `type`)
** into the struct at obj, or skips it when the id is not in the table. */
typedef st_status (*field_fn)(meta_ctx *c, void *obj, int16_t id, int type);

typedef struct struct_desc {
    const char   *name;     /* Thrift struct name, for messages */
    field_fn      fn;       /* stores one field */
    const int8_t *types;    /* expected enum thr_type per field id; 0 = unknown id */
    int           n_types;  /* entries in types */
    uint32_t      required; /* bit i set: field id i must be present */
} struct_desc;

#define REQ(id) (1u << (id))
#define DESC(name, fn, types, required) \
    { name, fn, types, (int)ST_ARRAY_LEN(types), required }

static int expected_type(const struct_desc *d, int16_t id)
{
    return id >= 0 && id < d->n_types ? d->types[id] : 0;
}

/* Reads one struct described by d into obj. */
static st_status read_struct(meta_ctx *c, const struct_desc *d, void *obj)
{
    uint32_t seen = 0;
    st_status rc = thr_read_struct_begin(&c->r);
    while (rc == ST_OK) {
        int type = 0;
        int16_t id = 0;
        rc = thr_read_field(&c->r, &type, &id);
        if (rc != ST_OK || type == THR_STOP)
            break;
        int want = expected_type(d, id);
        if (want != 0 && want != type) {
            rc = thr_skip(&c->r, type);   /* as generated Thrift code does */
            continue;
        }
        if (id >= 1 && id <= 31)
            seen |= 1u << id;
        rc = d->fn(c, obj, id, type);
    }
    if (rc != ST_OK)
        return rc;
    uint32_t missing = d->required & ~seen;
    if (missing)
        return st_error_set(c->r.err, ST_ERR_CORRUPT,
                            "required field %d of %s is missing at byte %zu of the %s",
                            __builtin_ctz(missing), d->name, c->r.pos, c->r.what);
    return thr_read_struct_end(&c->r);
}

static void add_context(meta_ctx *c, const char *what, int i)
{
    if (c->r.err)
        st_error_context(c->r.err, "%s %d", what, i);
}

static st_status rd_enum(meta_ctx *c, int *out)
{
    int32_t v = 0;
    st_status rc = thr_read_i32(&c->r, &v);
    *out = v;
    return rc;
}

/* A binary value; copied (NUL-terminated) into the arena if there is one,
** else borrowed from the input. */
static st_status rd_raw(meta_ctx *c, const uint8_t **out, int32_t *out_len)
{
    const uint8_t *p = NULL;
    uint32_t n = 0;
    st_status rc = thr_read_binary(&c->r, &p, &n);
    if (rc != ST_OK)
        return rc;
    if (c->arena) {
        char *d = st_arena_strndup(c->arena, (const char *)p, n);
        if (!d)
            return st_error_set(c->r.err, ST_ERR_NOMEM,
                                "out of memory copying a %" PRIu32 "-byte value of the %s", n,
                                c->r.what);
        p = (const uint8_t *)d;
    }
    *out = p;
    *out_len = (int32_t)n;
    return ST_OK;
}

static st_status rd_bytes(meta_ctx *c, pq_bytes *out)
{
    return rd_raw(c, &out->ptr, &out->len);
}

static st_status rd_string(meta_ctx *c, const char **out)
{
    if (!c->arena)
        return st_error_set(c->r.err, ST_ERR_INTERNAL, "string field of the %s read without an arena",
                            c->r.what);
    const uint8_t *p = NULL;
    int32_t n = 0;
    st_status rc = rd_raw(c, &p, &n);
    if (rc == ST_OK)
        *out = (const char *)p;
    return rc;
}

static bool is_varint_type(int type)
{
    return type == THR_I16 || type == THR_I32 || type == THR_I64;
}

/* A list header whose elements must have type elem_type. Integer types are
** interchangeable (all zigzag varints; generated readers ignore the declared
** element type, and ARROW-GH-41317.parquet declares i16 encodings); the
** value-range check happens per element. name describes the list in error
** context. */
static st_status rd_list_header(meta_ctx *c, int elem_type, const char *name, int32_t *out_n)
{
    int et = 0;
    st_status rc = thr_read_list_begin(&c->r, &et, out_n);
    bool same = et == elem_type || (is_varint_type(et) && is_varint_type(elem_type));
    if (rc == ST_OK && *out_n > 0 && !same)
        rc = st_error_set(c->r.err, ST_ERR_CORRUPT,
                          "list has element type %s, expected %s at byte %zu of the %s",
                          thr_type_name(et), thr_type_name(elem_type), c->r.pos, c->r.what);
    if (rc != ST_OK && c->r.err)
        st_error_context(c->r.err, "reading the %s list", name);
    return rc;
}

/* Zeroed arena array of n elements (n was validated by the reader). */
static void *alloc_array(meta_ctx *c, int32_t n, size_t size, st_status *rc)
{
    if (!c->arena) {
        *rc = st_error_set(c->r.err, ST_ERR_INTERNAL, "list in the %s read without an arena",
                           c->r.what);
        return NULL;
    }
    void *p = st_arena_calloc(c->arena, n > 0 ? (size_t)n : 1, size);
    *rc = p ? ST_OK
            : st_error_set(c->r.err, ST_ERR_NOMEM,
                           "out of memory for %" PRId32 " list elements of the %s", n, c->r.what);
    return p;
}

/* ---- statistics, key-value, small structs ---- */

static st_status stats_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_statistics *s = obj;
    switch (id) {
    case 1: s->has_max = true; return rd_bytes(c, &s->max);
    case 2: s->has_min = true; return rd_bytes(c, &s->min);
    case 3: s->has_null_count = true; return thr_read_i64(&c->r, &s->null_count);
    case 4: s->has_distinct_count = true; return thr_read_i64(&c->r, &s->distinct_count);
    case 5: s->has_max_value = true; return rd_bytes(c, &s->max_value);
    case 6: s->has_min_value = true; return rd_bytes(c, &s->min_value);
    case 7: s->has_is_max_exact = true; return thr_read_bool(&c->r, &s->is_max_value_exact);
    case 8: s->has_is_min_exact = true; return thr_read_bool(&c->r, &s->is_min_value_exact);
    }
    return thr_skip(&c->r, type);
}

static const int8_t stats_types[] = {
    [1] = THR_BINARY, [2] = THR_BINARY, [3] = THR_I64, [4] = THR_I64, [5] = THR_BINARY,
    [6] = THR_BINARY, [7] = THR_BOOL, [8] = THR_BOOL
};
static const struct_desc stats_desc = DESC("Statistics", stats_field, stats_types, 0);

static st_status kv_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_key_value *kv = obj;
    switch (id) {
    case 1: return rd_string(c, &kv->key);
    case 2: return rd_string(c, &kv->value);
    }
    return thr_skip(&c->r, type);
}

static const int8_t kv_types[] = { [1] = THR_BINARY, [2] = THR_BINARY };
static const struct_desc kv_desc = DESC("KeyValue", kv_field, kv_types, REQ(1));

static st_status rd_kv_list(meta_ctx *c, pq_key_value **out, int *out_n)
{
    int32_t n = 0;
    st_status rc = rd_list_header(c, THR_STRUCT, "key-value metadata", &n);
    pq_key_value *kv = rc == ST_OK ? alloc_array(c, n, sizeof *kv, &rc) : NULL;
    for (int32_t i = 0; rc == ST_OK && i < n; i++) {
        rc = read_struct(c, &kv_desc, &kv[i]);
        if (rc != ST_OK)
            add_context(c, "key-value pair", (int)i);
    }
    if (rc == ST_OK) {
        *out = kv;
        *out_n = (int)n;
    }
    return rc;
}

static st_status sorting_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_sorting_column *s = obj;
    switch (id) {
    case 1: return thr_read_i32(&c->r, &s->column_idx);
    case 2: return thr_read_bool(&c->r, &s->descending);
    case 3: return thr_read_bool(&c->r, &s->nulls_first);
    }
    return thr_skip(&c->r, type);
}

static const int8_t sorting_types[] = { [1] = THR_I32, [2] = THR_BOOL, [3] = THR_BOOL };
static const struct_desc sorting_desc =
    DESC("SortingColumn", sorting_field, sorting_types, REQ(1) | REQ(2) | REQ(3));

static st_status enc_stats_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_page_encoding_stats *s = obj;
    switch (id) {
    case 1: return rd_enum(c, &s->page_type);
    case 2: return rd_enum(c, &s->encoding);
    case 3: return thr_read_i32(&c->r, &s->count);
    }
    return thr_skip(&c->r, type);
}

static const int8_t enc_stats_types[] = { [1] = THR_I32, [2] = THR_I32, [3] = THR_I32 };
static const struct_desc enc_stats_desc =
    DESC("PageEncodingStats", enc_stats_field, enc_stats_types, REQ(1) | REQ(2) | REQ(3));

/* ---- logical types ---- */

static st_status decimal_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_logical_type *lt = obj;
    switch (id) {
    case 1: return thr_read_i32(&c->r, &lt->dec_scale);
    case 2: return thr_read_i32(&c->r, &lt->dec_precision);
    }
    return thr_skip(&c->r, type);
}

static const int8_t decimal_types[] = { [1] = THR_I32, [2] = THR_I32 };
static const struct_desc decimal_desc =
    DESC("DecimalType", decimal_field, decimal_types, REQ(1) | REQ(2));

/* TimeUnit union: the member's field id is the unit (1 millis, 2 micros,
** 3 nanos); an unknown member leaves unit 0. */
static st_status unit_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    int *unit = obj;
    if (id >= PQ_UNIT_MILLIS && id <= PQ_UNIT_NANOS)
        *unit = id;
    return thr_skip(&c->r, type);
}

static const int8_t unit_types[] = { [1] = THR_STRUCT, [2] = THR_STRUCT, [3] = THR_STRUCT };
static const struct_desc unit_desc = DESC("TimeUnit", unit_field, unit_types, 0);

/* TimeType and TimestampType: 1 isAdjustedToUTC, 2 unit. */
static st_status time_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_logical_type *lt = obj;
    switch (id) {
    case 1: return thr_read_bool(&c->r, &lt->is_adjusted_utc);
    case 2: return read_struct(c, &unit_desc, &lt->unit);
    }
    return thr_skip(&c->r, type);
}

static const int8_t time_types[] = { [1] = THR_BOOL, [2] = THR_STRUCT };
static const struct_desc time_desc = DESC("TimeType", time_field, time_types, REQ(1) | REQ(2));
static const struct_desc timestamp_desc =
    DESC("TimestampType", time_field, time_types, REQ(1) | REQ(2));

static st_status int_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_logical_type *lt = obj;
    switch (id) {
    case 1: return thr_read_i8(&c->r, &lt->int_bit_width);
    case 2: return thr_read_bool(&c->r, &lt->int_signed);
    }
    return thr_skip(&c->r, type);
}

static const int8_t int_types[] = { [1] = THR_BYTE, [2] = THR_BOOL };
static const struct_desc int_desc = DESC("IntType", int_field, int_types, REQ(1) | REQ(2));

/* LogicalType union: the member's field id is the kind; ids this reader
** does not know give PQ_LT_OTHER. */
static st_status logical_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_logical_type *lt = obj;
    if (id < PQ_LT_STRING || id > PQ_LT_GEOGRAPHY || id == 9) {
        lt->kind = PQ_LT_OTHER;
        return thr_skip(&c->r, type);
    }
    lt->kind = id;
    switch (id) {
    case PQ_LT_DECIMAL: return read_struct(c, &decimal_desc, lt);
    case PQ_LT_TIME: return read_struct(c, &time_desc, lt);
    case PQ_LT_TIMESTAMP: return read_struct(c, &timestamp_desc, lt);
    case PQ_LT_INTEGER: return read_struct(c, &int_desc, lt);
    }
    return thr_skip(&c->r, type);   /* empty structs, or members whose details strata ignores */
}

static const int8_t logical_types[] = {
    [1] = THR_STRUCT, [2] = THR_STRUCT, [3] = THR_STRUCT, [4] = THR_STRUCT, [5] = THR_STRUCT,
    [6] = THR_STRUCT, [7] = THR_STRUCT, [8] = THR_STRUCT, [10] = THR_STRUCT, [11] = THR_STRUCT,
    [12] = THR_STRUCT, [13] = THR_STRUCT, [14] = THR_STRUCT, [15] = THR_STRUCT,
    [16] = THR_STRUCT, [17] = THR_STRUCT, [18] = THR_STRUCT
};
static const struct_desc logical_desc = DESC("LogicalType", logical_field, logical_types, 0);

/* ---- schema ---- */

static st_status schema_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_schema_element *e = obj;
    switch (id) {
    case 1: e->has_type = true; return rd_enum(c, &e->type);
    case 2: return thr_read_i32(&c->r, &e->type_length);
    case 3: e->has_repetition = true; return rd_enum(c, &e->repetition);
    case 4: return rd_string(c, &e->name);
    case 5: return thr_read_i32(&c->r, &e->num_children);
    case 6: return rd_enum(c, &e->converted_type);
    case 7: return thr_read_i32(&c->r, &e->scale);
    case 8: return thr_read_i32(&c->r, &e->precision);
    case 9: e->has_field_id = true; return thr_read_i32(&c->r, &e->field_id);
    case 10:
        memset(&e->logical, 0, sizeof e->logical);
        return read_struct(c, &logical_desc, &e->logical);
    }
    return thr_skip(&c->r, type);
}

static const int8_t schema_types[] = {
    [1] = THR_I32, [2] = THR_I32, [3] = THR_I32, [4] = THR_BINARY, [5] = THR_I32, [6] = THR_I32,
    [7] = THR_I32, [8] = THR_I32, [9] = THR_I32, [10] = THR_STRUCT
};
static const struct_desc schema_desc = DESC("SchemaElement", schema_field, schema_types, REQ(4));

/* Closed enumerations are range-checked so later stages can index by them. */
static st_status check_schema_element(meta_ctx *c, const pq_schema_element *e)
{
    if (e->has_type && (e->type < PQ_BOOLEAN || e->type > PQ_FIXED_LEN_BYTE_ARRAY))
        return st_error_set(c->r.err, ST_ERR_CORRUPT,
                            "schema element \"%s\" has invalid physical type %d", e->name, e->type);
    if (e->has_repetition && (e->repetition < PQ_REQUIRED || e->repetition > PQ_REPEATED))
        return st_error_set(c->r.err, ST_ERR_CORRUPT, "schema element \"%s\" has invalid repetition %d",
                            e->name, e->repetition);
    if (e->num_children < 0)
        return st_error_set(c->r.err, ST_ERR_CORRUPT,
                            "schema element \"%s\" has negative child count %" PRId32, e->name,
                            e->num_children);
    return ST_OK;
}

static st_status rd_schema(meta_ctx *c, pq_file_meta *m)
{
    int32_t n = 0;
    st_status rc = rd_list_header(c, THR_STRUCT, "schema", &n);
    if (rc == ST_OK && n == 0)
        rc = st_error_set(c->r.err, ST_ERR_CORRUPT, "schema of the %s has no elements", c->r.what);
    pq_schema_element *s = rc == ST_OK ? alloc_array(c, n, sizeof *s, &rc) : NULL;
    for (int32_t i = 0; rc == ST_OK && i < n; i++) {
        s[i].converted_type = PQ_CT_NONE;
        rc = read_struct(c, &schema_desc, &s[i]);
        if (rc == ST_OK)
            rc = check_schema_element(c, &s[i]);
        if (rc != ST_OK)
            add_context(c, "schema element", (int)i);
    }
    if (rc == ST_OK) {
        m->schema = s;
        m->n_schema = (int)n;
    }
    return rc;
}

/* ---- column chunks ---- */

static st_status rd_encodings(meta_ctx *c, pq_column_meta *cm)
{
    int32_t n = 0;
    st_status rc = rd_list_header(c, THR_I32, "encodings", &n);
    int *enc = rc == ST_OK ? alloc_array(c, n, sizeof *enc, &rc) : NULL;
    for (int32_t i = 0; rc == ST_OK && i < n; i++)
        rc = rd_enum(c, &enc[i]);
    if (rc == ST_OK) {
        cm->encodings = enc;
        cm->n_encodings = (int)n;
    }
    return rc;
}

static st_status rd_path(meta_ctx *c, pq_column_meta *cm)
{
    int32_t n = 0;
    st_status rc = rd_list_header(c, THR_BINARY, "path in schema", &n);
    const char **path = rc == ST_OK ? alloc_array(c, n, sizeof *path, &rc) : NULL;
    for (int32_t i = 0; rc == ST_OK && i < n; i++)
        rc = rd_string(c, &path[i]);
    if (rc == ST_OK) {
        cm->path_in_schema = path;
        cm->n_path = (int)n;
    }
    return rc;
}

static st_status rd_encoding_stats(meta_ctx *c, pq_column_meta *cm)
{
    int32_t n = 0;
    st_status rc = rd_list_header(c, THR_STRUCT, "encoding stats", &n);
    pq_page_encoding_stats *es = rc == ST_OK ? alloc_array(c, n, sizeof *es, &rc) : NULL;
    for (int32_t i = 0; rc == ST_OK && i < n; i++)
        rc = read_struct(c, &enc_stats_desc, &es[i]);
    if (rc == ST_OK) {
        cm->encoding_stats = es;
        cm->n_encoding_stats = (int)n;
    }
    return rc;
}

static st_status colmeta_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_column_meta *cm = obj;
    switch (id) {
    case 1: return rd_enum(c, &cm->type);
    case 2: return rd_encodings(c, cm);
    case 3: return rd_path(c, cm);
    case 4: return rd_enum(c, &cm->codec);
    case 5: return thr_read_i64(&c->r, &cm->num_values);
    case 6: return thr_read_i64(&c->r, &cm->total_uncompressed_size);
    case 7: return thr_read_i64(&c->r, &cm->total_compressed_size);
    case 8: return rd_kv_list(c, &cm->kv, &cm->n_kv);
    case 9: return thr_read_i64(&c->r, &cm->data_page_offset);
    case 10:
        cm->has_index_page_offset = true;
        return thr_read_i64(&c->r, &cm->index_page_offset);
    case 11:
        cm->has_dictionary_page_offset = true;
        return thr_read_i64(&c->r, &cm->dictionary_page_offset);
    case 12: cm->has_statistics = true; return read_struct(c, &stats_desc, &cm->statistics);
    case 13: return rd_encoding_stats(c, cm);
    case 14: cm->has_bloom_filter = true; return thr_read_i64(&c->r, &cm->bloom_filter_offset);
    case 15: return thr_read_i32(&c->r, &cm->bloom_filter_length);
    }
    return thr_skip(&c->r, type);
}

static const int8_t colmeta_types[] = {
    [1] = THR_I32, [2] = THR_LIST, [3] = THR_LIST, [4] = THR_I32, [5] = THR_I64, [6] = THR_I64,
    [7] = THR_I64, [8] = THR_LIST, [9] = THR_I64, [10] = THR_I64, [11] = THR_I64,
    [12] = THR_STRUCT, [13] = THR_LIST, [14] = THR_I64, [15] = THR_I32
};
static const struct_desc colmeta_desc =
    DESC("ColumnMetaData", colmeta_field, colmeta_types,
         REQ(1) | REQ(2) | REQ(3) | REQ(4) | REQ(5) | REQ(6) | REQ(7) | REQ(9));

static st_status chunk_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_column_chunk *cc = obj;
    switch (id) {
    case 1: return rd_string(c, &cc->file_path);
    case 2: return thr_read_i64(&c->r, &cc->file_offset);
    case 3: cc->has_meta_data = true; return read_struct(c, &colmeta_desc, &cc->meta_data);
    case 4: cc->has_offset_index = true; return thr_read_i64(&c->r, &cc->offset_index_offset);
    case 5: return thr_read_i32(&c->r, &cc->offset_index_length);
    case 6: cc->has_column_index = true; return thr_read_i64(&c->r, &cc->column_index_offset);
    case 7: return thr_read_i32(&c->r, &cc->column_index_length);
    case 8:                                 /* ColumnCryptoMetaData */
    case 9: cc->is_encrypted = true; break; /* encrypted ColumnMetaData */
    }
    return thr_skip(&c->r, type);
}

static const int8_t chunk_types[] = {
    [1] = THR_BINARY, [2] = THR_I64, [3] = THR_STRUCT, [4] = THR_I64, [5] = THR_I32,
    [6] = THR_I64, [7] = THR_I32, [8] = THR_STRUCT, [9] = THR_BINARY
};
static const struct_desc chunk_desc = DESC("ColumnChunk", chunk_field, chunk_types, REQ(2));

static st_status rd_chunks(meta_ctx *c, pq_row_group *rg)
{
    int32_t n = 0;
    st_status rc = rd_list_header(c, THR_STRUCT, "column chunks", &n);
    pq_column_chunk *cc = rc == ST_OK ? alloc_array(c, n, sizeof *cc, &rc) : NULL;
    for (int32_t i = 0; rc == ST_OK && i < n; i++) {
        rc = read_struct(c, &chunk_desc, &cc[i]);
        if (rc != ST_OK)
            add_context(c, "column chunk", (int)i);
    }
    if (rc == ST_OK) {
        rg->columns = cc;
        rg->n_columns = (int)n;
    }
    return rc;
}

static st_status rd_sorting(meta_ctx *c, pq_row_group *rg)
{
    int32_t n = 0;
    st_status rc = rd_list_header(c, THR_STRUCT, "sorting columns", &n);
    pq_sorting_column *sc = rc == ST_OK ? alloc_array(c, n, sizeof *sc, &rc) : NULL;
    for (int32_t i = 0; rc == ST_OK && i < n; i++)
        rc = read_struct(c, &sorting_desc, &sc[i]);
    if (rc == ST_OK) {
        rg->sorting_columns = sc;
        rg->n_sorting = (int)n;
    }
    return rc;
}

static st_status row_group_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_row_group *rg = obj;
    switch (id) {
    case 1: return rd_chunks(c, rg);
    case 2: return thr_read_i64(&c->r, &rg->total_byte_size);
    case 3: return thr_read_i64(&c->r, &rg->num_rows);
    case 4: return rd_sorting(c, rg);
    case 5: rg->has_file_offset = true; return thr_read_i64(&c->r, &rg->file_offset);
    case 6:
        rg->has_total_compressed_size = true;
        return thr_read_i64(&c->r, &rg->total_compressed_size);
    case 7: rg->has_ordinal = true; return thr_read_i16(&c->r, &rg->ordinal);
    }
    return thr_skip(&c->r, type);
}

static const int8_t row_group_types[] = {
    [1] = THR_LIST, [2] = THR_I64, [3] = THR_I64, [4] = THR_LIST, [5] = THR_I64, [6] = THR_I64,
    [7] = THR_I16
};
static const struct_desc row_group_desc =
    DESC("RowGroup", row_group_field, row_group_types, REQ(1) | REQ(2) | REQ(3));

static st_status rd_row_groups(meta_ctx *c, pq_file_meta *m)
{
    int32_t n = 0;
    st_status rc = rd_list_header(c, THR_STRUCT, "row groups", &n);
    pq_row_group *rg = rc == ST_OK ? alloc_array(c, n, sizeof *rg, &rc) : NULL;
    for (int32_t i = 0; rc == ST_OK && i < n; i++) {
        rc = read_struct(c, &row_group_desc, &rg[i]);
        if (rc != ST_OK)
            add_context(c, "row group", (int)i);
    }
    if (rc == ST_OK) {
        m->row_groups = rg;
        m->n_row_groups = (int)n;
    }
    return rc;
}

/* ColumnOrder is a union whose only member is the empty TypeDefinedOrder:
** only the count is kept. */
static st_status rd_column_orders(meta_ctx *c, pq_file_meta *m)
{
    int32_t n = 0;
    st_status rc = rd_list_header(c, THR_STRUCT, "column orders", &n);
    for (int32_t i = 0; rc == ST_OK && i < n; i++)
        rc = thr_skip(&c->r, THR_STRUCT);
    if (rc == ST_OK)
        m->n_column_orders = (int)n;
    return rc;
}

static st_status file_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_file_meta *m = obj;
    switch (id) {
    case 1: return thr_read_i32(&c->r, &m->version);
    case 2: return rd_schema(c, m);
    case 3: return thr_read_i64(&c->r, &m->num_rows);
    case 4: return rd_row_groups(c, m);
    case 5: return rd_kv_list(c, &m->kv, &m->n_kv);
    case 6: return rd_string(c, &m->created_by);
    case 7: return rd_column_orders(c, m);
    case 8: m->has_encryption_algorithm = true; break;
    }
    return thr_skip(&c->r, type);
}

static const int8_t file_types[] = {
    [1] = THR_I32, [2] = THR_LIST, [3] = THR_I64, [4] = THR_LIST, [5] = THR_LIST,
    [6] = THR_BINARY, [7] = THR_LIST, [8] = THR_STRUCT
};
static const struct_desc file_desc =
    DESC("FileMetaData", file_field, file_types, REQ(1) | REQ(2) | REQ(3) | REQ(4));

st_status pq_meta_parse_file(const uint8_t *buf, size_t len, st_arena *a, pq_file_meta *out,
                             st_error *err)
{
    memset(out, 0, sizeof *out);
    if (!a)
        return st_error_set(err, ST_ERR_INTERNAL, "footer parsed without an arena");
    meta_ctx c;
    thr_reader_init(&c.r, buf, len, "footer", err);
    c.arena = a;
    return read_struct(&c, &file_desc, out);
}

/* ---- page headers ---- */

static st_status data_page_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_data_page_header *d = obj;
    switch (id) {
    case 1: return thr_read_i32(&c->r, &d->num_values);
    case 2: return rd_enum(c, &d->encoding);
    case 3: return rd_enum(c, &d->definition_level_encoding);
    case 4: return rd_enum(c, &d->repetition_level_encoding);
    case 5: d->has_statistics = true; return read_struct(c, &stats_desc, &d->statistics);
    }
    return thr_skip(&c->r, type);
}

static const int8_t data_page_types[] = {
    [1] = THR_I32, [2] = THR_I32, [3] = THR_I32, [4] = THR_I32, [5] = THR_STRUCT
};
static const struct_desc data_page_desc =
    DESC("DataPageHeader", data_page_field, data_page_types, REQ(1) | REQ(2) | REQ(3) | REQ(4));

static st_status dict_page_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_dictionary_page_header *d = obj;
    switch (id) {
    case 1: return thr_read_i32(&c->r, &d->num_values);
    case 2: return rd_enum(c, &d->encoding);
    case 3: return thr_read_bool(&c->r, &d->is_sorted);
    }
    return thr_skip(&c->r, type);
}

static const int8_t dict_page_types[] = { [1] = THR_I32, [2] = THR_I32, [3] = THR_BOOL };
static const struct_desc dict_page_desc =
    DESC("DictionaryPageHeader", dict_page_field, dict_page_types, REQ(1) | REQ(2));

static st_status data_page_v2_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_data_page_header_v2 *d = obj;
    switch (id) {
    case 1: return thr_read_i32(&c->r, &d->num_values);
    case 2: return thr_read_i32(&c->r, &d->num_nulls);
    case 3: return thr_read_i32(&c->r, &d->num_rows);
    case 4: return rd_enum(c, &d->encoding);
    case 5: return thr_read_i32(&c->r, &d->definition_levels_byte_length);
    case 6: return thr_read_i32(&c->r, &d->repetition_levels_byte_length);
    case 7: return thr_read_bool(&c->r, &d->is_compressed);
    case 8: d->has_statistics = true; return read_struct(c, &stats_desc, &d->statistics);
    }
    return thr_skip(&c->r, type);
}

static const int8_t data_page_v2_types[] = {
    [1] = THR_I32, [2] = THR_I32, [3] = THR_I32, [4] = THR_I32, [5] = THR_I32, [6] = THR_I32,
    [7] = THR_BOOL, [8] = THR_STRUCT
};
static const struct_desc data_page_v2_desc =
    DESC("DataPageHeaderV2", data_page_v2_field, data_page_v2_types,
         REQ(1) | REQ(2) | REQ(3) | REQ(4) | REQ(5) | REQ(6));

static st_status page_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_page_header *h = obj;
    switch (id) {
    case 1: return rd_enum(c, &h->type);
    case 2: return thr_read_i32(&c->r, &h->uncompressed_page_size);
    case 3: return thr_read_i32(&c->r, &h->compressed_page_size);
    case 4: h->has_crc = true; return thr_read_i32(&c->r, &h->crc);
    case 5: h->has_data_page = true; return read_struct(c, &data_page_desc, &h->data_page);
    case 7:
        h->has_dictionary_page = true;
        return read_struct(c, &dict_page_desc, &h->dictionary_page);
    case 8:
        h->has_data_page_v2 = true;
        h->data_page_v2.is_compressed = true;   /* parquet.thrift default */
        return read_struct(c, &data_page_v2_desc, &h->data_page_v2);
    }
    return thr_skip(&c->r, type);   /* 6: IndexPageHeader, and newer fields */
}

static const int8_t page_types[] = {
    [1] = THR_I32, [2] = THR_I32, [3] = THR_I32, [4] = THR_I32, [5] = THR_STRUCT,
    [6] = THR_STRUCT, [7] = THR_STRUCT, [8] = THR_STRUCT
};
static const struct_desc page_desc =
    DESC("PageHeader", page_field, page_types, REQ(1) | REQ(2) | REQ(3));

st_status pq_meta_parse_page_header(const uint8_t *buf, size_t len, pq_page_header *out,
                                    size_t *out_hdr_len, st_error *err)
{
    memset(out, 0, sizeof *out);
    *out_hdr_len = 0;
    meta_ctx c;
    thr_reader_init(&c.r, buf, len, "page header", err);
    c.arena = NULL;
    st_status rc = read_struct(&c, &page_desc, out);
    if (rc == ST_OK)
        *out_hdr_len = c.r.pos;
    return rc;
}

/* ---- writing ------------------------------------------------------------ */

/* Fails the writer unless a list of n elements at p is well formed. */
static bool w_list_ok(thr_writer *w, int n, const void *p, const char *what)
{
    if (n < 0) {
        thr_writer_fail(w, ST_ERR_ARGUMENT, "%s count %d is negative", what, n);
        return false;
    }
    if (n > 0 && !p) {
        thr_writer_fail(w, ST_ERR_ARGUMENT, "%s list of %d elements has no array", what, n);
        return false;
    }
    return true;
}

static void w_bytes(thr_writer *w, int16_t id, const pq_bytes *b)
{
    if (b->len < 0) {
        thr_writer_fail(w, ST_ERR_ARGUMENT, "statistics value length %" PRId32 " is negative", b->len);
        return;
    }
    thr_write_field_binary(w, id, b->ptr, (size_t)b->len);
}

static void w_statistics(thr_writer *w, int16_t id, const pq_statistics *s)
{
    thr_write_field(w, THR_STRUCT, id);
    thr_write_struct_begin(w);
    if (s->has_max)
        w_bytes(w, 1, &s->max);
    if (s->has_min)
        w_bytes(w, 2, &s->min);
    if (s->has_null_count)
        thr_write_field_i64(w, 3, s->null_count);
    if (s->has_distinct_count)
        thr_write_field_i64(w, 4, s->distinct_count);
    if (s->has_max_value)
        w_bytes(w, 5, &s->max_value);
    if (s->has_min_value)
        w_bytes(w, 6, &s->min_value);
    if (s->has_is_max_exact)
        thr_write_field_bool(w, 7, s->is_max_value_exact);
    if (s->has_is_min_exact)
        thr_write_field_bool(w, 8, s->is_min_value_exact);
    thr_write_struct_end(w);
}

static void w_kv_list(thr_writer *w, int16_t id, const pq_key_value *kv, int n)
{
    if (n == 0 || !w_list_ok(w, n, kv, "key-value metadata"))
        return;
    thr_write_field(w, THR_LIST, id);
    thr_write_list_begin(w, THR_STRUCT, n);
    for (int i = 0; i < n; i++) {
        if (!kv[i].key) {
            thr_writer_fail(w, ST_ERR_ARGUMENT, "key-value pair %d has no key", i);
            return;
        }
        thr_write_struct_begin(w);
        thr_write_field_string(w, 1, kv[i].key);
        if (kv[i].value)
            thr_write_field_string(w, 2, kv[i].value);
        thr_write_struct_end(w);
    }
}

/* Empty struct as field id: LogicalType members without parameters, TimeUnit. */
static void w_empty_struct(thr_writer *w, int16_t id)
{
    thr_write_field(w, THR_STRUCT, id);
    thr_write_struct_begin(w);
    thr_write_struct_end(w);
}

/* TimeType/TimestampType body: 1 isAdjustedToUTC, 2 unit (a TimeUnit union). */
static void w_time_body(thr_writer *w, const pq_logical_type *lt)
{
    if (lt->unit < PQ_UNIT_MILLIS || lt->unit > PQ_UNIT_NANOS) {
        thr_writer_fail(w, ST_ERR_ARGUMENT, "time unit %d is not millis, micros or nanos", lt->unit);
        return;
    }
    thr_write_field_bool(w, 1, lt->is_adjusted_utc);
    thr_write_field(w, THR_STRUCT, 2);
    thr_write_struct_begin(w);
    w_empty_struct(w, (int16_t)lt->unit);
    thr_write_struct_end(w);
}

static bool logical_writable(int kind)
{
    return kind >= PQ_LT_STRING && kind <= PQ_LT_GEOGRAPHY && kind != 9;
}

/* LogicalType union as field 10 of a SchemaElement. */
static void w_logical(thr_writer *w, const pq_logical_type *lt)
{
    thr_write_field(w, THR_STRUCT, 10);
    thr_write_struct_begin(w);
    thr_write_field(w, THR_STRUCT, (int16_t)lt->kind);
    thr_write_struct_begin(w);
    switch (lt->kind) {
    case PQ_LT_DECIMAL:
        thr_write_field_i32(w, 1, lt->dec_scale);
        thr_write_field_i32(w, 2, lt->dec_precision);
        break;
    case PQ_LT_TIME:
    case PQ_LT_TIMESTAMP:
        w_time_body(w, lt);
        break;
    case PQ_LT_INTEGER:
        thr_write_field(w, THR_BYTE, 1);
        thr_write_i8(w, lt->int_bit_width);
        thr_write_field_bool(w, 2, lt->int_signed);
        break;
    default:
        break;
    }
    thr_write_struct_end(w);
    thr_write_struct_end(w);
}

static void w_schema_element(thr_writer *w, const pq_schema_element *e, int i)
{
    if (!e->name) {
        thr_writer_fail(w, ST_ERR_ARGUMENT, "schema element %d has no name", i);
        return;
    }
    thr_write_struct_begin(w);
    if (e->has_type)
        thr_write_field_i32(w, 1, e->type);
    if ((e->has_type && e->type == PQ_FIXED_LEN_BYTE_ARRAY) || e->type_length != 0)
        thr_write_field_i32(w, 2, e->type_length);
    if (e->has_repetition)
        thr_write_field_i32(w, 3, e->repetition);
    thr_write_field_string(w, 4, e->name);
    if (!e->has_type || e->num_children != 0)
        thr_write_field_i32(w, 5, e->num_children);
    if (e->converted_type != PQ_CT_NONE)
        thr_write_field_i32(w, 6, e->converted_type);
    if (e->converted_type == PQ_CT_DECIMAL || e->scale != 0 || e->precision != 0) {
        thr_write_field_i32(w, 7, e->scale);
        thr_write_field_i32(w, 8, e->precision);
    }
    if (e->has_field_id)
        thr_write_field_i32(w, 9, e->field_id);
    if (logical_writable(e->logical.kind))
        w_logical(w, &e->logical);
    thr_write_struct_end(w);
}

static void w_encoding_stats(thr_writer *w, const pq_column_meta *cm)
{
    if (cm->n_encoding_stats == 0 ||
        !w_list_ok(w, cm->n_encoding_stats, cm->encoding_stats, "encoding stats"))
        return;
    thr_write_field(w, THR_LIST, 13);
    thr_write_list_begin(w, THR_STRUCT, cm->n_encoding_stats);
    for (int i = 0; i < cm->n_encoding_stats; i++) {
        const pq_page_encoding_stats *es = &cm->encoding_stats[i];
        thr_write_struct_begin(w);
        thr_write_field_i32(w, 1, es->page_type);
        thr_write_field_i32(w, 2, es->encoding);
        thr_write_field_i32(w, 3, es->count);
        thr_write_struct_end(w);
    }
}

/* Lists 2 (encodings) and 3 (path_in_schema) of ColumnMetaData. */
static void w_encodings_and_path(thr_writer *w, const pq_column_meta *cm)
{
    if (!w_list_ok(w, cm->n_encodings, cm->encodings, "encodings") ||
        !w_list_ok(w, cm->n_path, cm->path_in_schema, "path in schema"))
        return;
    thr_write_field(w, THR_LIST, 2);
    thr_write_list_begin(w, THR_I32, cm->n_encodings);
    for (int i = 0; i < cm->n_encodings; i++)
        thr_write_i32(w, cm->encodings[i]);
    thr_write_field(w, THR_LIST, 3);
    thr_write_list_begin(w, THR_BINARY, cm->n_path);
    for (int i = 0; i < cm->n_path; i++) {
        if (!cm->path_in_schema[i]) {
            thr_writer_fail(w, ST_ERR_ARGUMENT, "column path element %d is missing", i);
            return;
        }
        thr_write_string(w, cm->path_in_schema[i]);
    }
}

static void w_column_meta(thr_writer *w, const pq_column_meta *cm)
{
    thr_write_field(w, THR_STRUCT, 3);
    thr_write_struct_begin(w);
    thr_write_field_i32(w, 1, cm->type);
    w_encodings_and_path(w, cm);
    thr_write_field_i32(w, 4, cm->codec);
    thr_write_field_i64(w, 5, cm->num_values);
    thr_write_field_i64(w, 6, cm->total_uncompressed_size);
    thr_write_field_i64(w, 7, cm->total_compressed_size);
    w_kv_list(w, 8, cm->kv, cm->n_kv);
    thr_write_field_i64(w, 9, cm->data_page_offset);
    if (cm->has_index_page_offset)
        thr_write_field_i64(w, 10, cm->index_page_offset);
    if (cm->has_dictionary_page_offset)
        thr_write_field_i64(w, 11, cm->dictionary_page_offset);
    if (cm->has_statistics)
        w_statistics(w, 12, &cm->statistics);
    w_encoding_stats(w, cm);
    if (cm->has_bloom_filter)
        thr_write_field_i64(w, 14, cm->bloom_filter_offset);
    if (cm->bloom_filter_length != 0)
        thr_write_field_i32(w, 15, cm->bloom_filter_length);
    thr_write_struct_end(w);
}

static void w_column_chunk(thr_writer *w, const pq_column_chunk *cc)
{
    thr_write_struct_begin(w);
    if (cc->file_path)
        thr_write_field_string(w, 1, cc->file_path);
    thr_write_field_i64(w, 2, cc->file_offset);
    if (cc->has_meta_data)
        w_column_meta(w, &cc->meta_data);
    if (cc->has_offset_index) {
        thr_write_field_i64(w, 4, cc->offset_index_offset);
        thr_write_field_i32(w, 5, cc->offset_index_length);
    }
    if (cc->has_column_index) {
        thr_write_field_i64(w, 6, cc->column_index_offset);
        thr_write_field_i32(w, 7, cc->column_index_length);
    }
    thr_write_struct_end(w);
}

static void w_sorting(thr_writer *w, const pq_row_group *rg)
{
    if (rg->n_sorting == 0 || !w_list_ok(w, rg->n_sorting, rg->sorting_columns, "sorting column"))
        return;
    thr_write_field(w, THR_LIST, 4);
    thr_write_list_begin(w, THR_STRUCT, rg->n_sorting);
    for (int i = 0; i < rg->n_sorting; i++) {
        const pq_sorting_column *sc = &rg->sorting_columns[i];
        thr_write_struct_begin(w);
        thr_write_field_i32(w, 1, sc->column_idx);
        thr_write_field_bool(w, 2, sc->descending);
        thr_write_field_bool(w, 3, sc->nulls_first);
        thr_write_struct_end(w);
    }
}

static void w_row_group(thr_writer *w, const pq_row_group *rg)
{
    if (!w_list_ok(w, rg->n_columns, rg->columns, "column chunk"))
        return;
    thr_write_struct_begin(w);
    thr_write_field(w, THR_LIST, 1);
    thr_write_list_begin(w, THR_STRUCT, rg->n_columns);
    for (int i = 0; i < rg->n_columns; i++)
        w_column_chunk(w, &rg->columns[i]);
    thr_write_field_i64(w, 2, rg->total_byte_size);
    thr_write_field_i64(w, 3, rg->num_rows);
    w_sorting(w, rg);
    if (rg->has_file_offset)
        thr_write_field_i64(w, 5, rg->file_offset);
    if (rg->has_total_compressed_size)
        thr_write_field_i64(w, 6, rg->total_compressed_size);
    if (rg->has_ordinal) {
        thr_write_field(w, THR_I16, 7);
        thr_write_i16(w, rg->ordinal);
    }
    thr_write_struct_end(w);
}

static void w_column_orders(thr_writer *w, int n)
{
    if (n <= 0) {
        if (n < 0)
            thr_writer_fail(w, ST_ERR_ARGUMENT, "column order count %d is negative", n);
        return;
    }
    thr_write_field(w, THR_LIST, 7);
    thr_write_list_begin(w, THR_STRUCT, n);
    for (int i = 0; i < n; i++) {
        thr_write_struct_begin(w);
        w_empty_struct(w, 1);      /* TYPE_ORDER: TypeDefinedOrder */
        thr_write_struct_end(w);
    }
}

st_status pq_meta_write_file(st_buf *out, const pq_file_meta *m, st_error *err)
{
    thr_writer w;
    thr_writer_init(&w, out, err);
    if (!w_list_ok(&w, m->n_schema, m->schema, "schema element") ||
        !w_list_ok(&w, m->n_row_groups, m->row_groups, "row group"))
        return thr_writer_status(&w);
    thr_write_struct_begin(&w);
    thr_write_field_i32(&w, 1, m->version);
    thr_write_field(&w, THR_LIST, 2);
    thr_write_list_begin(&w, THR_STRUCT, m->n_schema);
    for (int i = 0; i < m->n_schema; i++)
        w_schema_element(&w, &m->schema[i], i);
    thr_write_field_i64(&w, 3, m->num_rows);
    thr_write_field(&w, THR_LIST, 4);
    thr_write_list_begin(&w, THR_STRUCT, m->n_row_groups);
    for (int i = 0; i < m->n_row_groups; i++)
        w_row_group(&w, &m->row_groups[i]);
    w_kv_list(&w, 5, m->kv, m->n_kv);
    if (m->created_by)
        thr_write_field_string(&w, 6, m->created_by);
    w_column_orders(&w, m->n_column_orders);
    thr_write_struct_end(&w);
    return thr_writer_status(&w);
}

static void w_data_page(thr_writer *w, const pq_data_page_header *d)
{
    thr_write_field(w, THR_STRUCT, 5);
    thr_write_struct_begin(w);
    thr_write_field_i32(w, 1, d->num_values);
    thr_write_field_i32(w, 2, d->encoding);
    thr_write_field_i32(w, 3, d->definition_level_encoding);
    thr_write_field_i32(w, 4, d->repetition_level_encoding);
    if (d->has_statistics)
        w_statistics(w, 5, &d->statistics);
    thr_write_struct_end(w);
}

static void w_dict_page(thr_writer *w, const pq_dictionary_page_header *d)
{
    thr_write_field(w, THR_STRUCT, 7);
    thr_write_struct_begin(w);
    thr_write_field_i32(w, 1, d->num_values);
    thr_write_field_i32(w, 2, d->encoding);
    if (d->is_sorted)
        thr_write_field_bool(w, 3, true);
    thr_write_struct_end(w);
}

static void w_data_page_v2(thr_writer *w, const pq_data_page_header_v2 *d)
{
    thr_write_field(w, THR_STRUCT, 8);
    thr_write_struct_begin(w);
    thr_write_field_i32(w, 1, d->num_values);
    thr_write_field_i32(w, 2, d->num_nulls);
    thr_write_field_i32(w, 3, d->num_rows);
    thr_write_field_i32(w, 4, d->encoding);
    thr_write_field_i32(w, 5, d->definition_levels_byte_length);
    thr_write_field_i32(w, 6, d->repetition_levels_byte_length);
    thr_write_field_bool(w, 7, d->is_compressed);
    if (d->has_statistics)
        w_statistics(w, 8, &d->statistics);
    thr_write_struct_end(w);
}

st_status pq_meta_write_page_header(st_buf *out, const pq_page_header *h, st_error *err)
{
    thr_writer w;
    thr_writer_init(&w, out, err);
    thr_write_struct_begin(&w);
    thr_write_field_i32(&w, 1, h->type);
    thr_write_field_i32(&w, 2, h->uncompressed_page_size);
    thr_write_field_i32(&w, 3, h->compressed_page_size);
    if (h->has_crc)
        thr_write_field_i32(&w, 4, h->crc);
    if (h->has_data_page)
        w_data_page(&w, &h->data_page);
    if (h->has_dictionary_page)
        w_dict_page(&w, &h->dictionary_page);
    if (h->has_data_page_v2)
        w_data_page_v2(&w, &h->data_page_v2);
    thr_write_struct_end(&w);
    return thr_writer_status(&w);
}

/* ---- names -------------------------------------------------------------- */

/* names[v] if v indexes the table, else "UNKNOWN". */
static const char *table_name(const char *const *names, size_t n, int v)
{
    return v >= 0 && (size_t)v < n && names[v] ? names[v] : "UNKNOWN";
}

const char *pq_physical_name(int type)
{
    static const char *const names[] = {
        "BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY",
        "FIXED_LEN_BYTE_ARRAY"
    };
    return table_name(names, ST_ARRAY_LEN(names), type);
}

const char *pq_encoding_name(int enc)
{
    static const char *const names[] = {
        "PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED",
        "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY", "RLE_DICTIONARY",
        "BYTE_STREAM_SPLIT"
    };
    return table_name(names, ST_ARRAY_LEN(names), enc);
}

const char *pq_codec_name(int codec)
{
    static const char *const names[] = {
        "UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"
    };
    return table_name(names, ST_ARRAY_LEN(names), codec);
}

const char *pq_converted_name(int ct)
{
    static const char *const names[] = {
        "UTF8", "MAP", "MAP_KEY_VALUE", "LIST", "ENUM", "DECIMAL", "DATE", "TIME_MILLIS",
        "TIME_MICROS", "TIMESTAMP_MILLIS", "TIMESTAMP_MICROS", "UINT_8", "UINT_16", "UINT_32",
        "UINT_64", "INT_8", "INT_16", "INT_32", "INT_64", "JSON", "BSON", "INTERVAL"
    };
    if (ct == PQ_CT_NONE)
        return "NONE";
    return table_name(names, ST_ARRAY_LEN(names), ct);
}

const char *pq_repetition_name(int rep)
{
    static const char *const names[] = { "REQUIRED", "OPTIONAL", "REPEATED" };
    return table_name(names, ST_ARRAY_LEN(names), rep);
}

const char *pq_page_type_name(int type)
{
    static const char *const names[] = {
        "DATA_PAGE", "INDEX_PAGE", "DICTIONARY_PAGE", "DATA_PAGE_V2"
    };
    return table_name(names, ST_ARRAY_LEN(names), type);
}
