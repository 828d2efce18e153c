/* pq_meta.c -- Parquet FileMetaData and PageHeader (apache/parquet-format
** parquet.thrift) to and from the plain C structs of pq_meta.h, over the
** hand-written compact-protocol codec in pq_thrift.c (no packaged C library
** decodes Parquet's Thrift without generated code).
**
** Parsing: one handler per Thrift struct maps field ids to struct members;
** read_struct drives it, skips unknown fields, and fails when a field that
** parquet.thrift marks `required` is missing. A known field with the wrong
** wire type is corrupt input (parquet.thrift never retypes a field). List
** counts are validated by the reader before any arena allocation, and
** enumerations with a closed set of values (physical type, repetition) are
** range-checked, so later stages may index tables with them.
** Footers copy strings and binaries into the caller's arena; page headers
** have no strings and borrow their statistics bytes from the input.
**
** Writing emits exactly what parsing reads: required fields always, optional
** ones when set (has_ flags, non-NULL pointers, non-zero counts), so
** write -> parse round-trips. LogicalType is written alongside converted_type
** so that both new and old readers (Spark, DuckDB) understand the files. */
#include "pq_meta.h"

#include "pq_thrift.h"

#include <inttypes.h>

/* ---- parsing ------------------------------------------------------------ */

typedef struct meta_ctx {
    thr_reader  r;          /* the input span and position */
    st_arena   *arena;      /* destination of strings/lists; NULL for page headers */
    const char *cur;        /* name of the Thrift struct being read, for messages */
} meta_ctx;

/* Handles field `id` of wire type `type` of the struct at obj: reads it into
** obj, or skips it when unknown. */
typedef st_status (*field_fn)(meta_ctx *c, void *obj, int16_t id, int type);

#define REQ(id) (1u << (id))

/* Reads one struct, calling fn per field. required has bit i set for every
** field id i that must be present. */
static st_status read_struct(meta_ctx *c, const char *name, void *obj, field_fn fn,
                             uint32_t required)
{
    uint32_t seen = 0;
    st_status rc = thr_read_struct_begin(&c->r);
    while (rc == ST_OK) {
        int type;
        int16_t id;
        rc = thr_read_field(&c->r, &type, &id);
        if (rc != ST_OK || type == THR_STOP)
            break;
        if (id >= 1 && id <= 31)
            seen |= 1u << id;
        c->cur = name;
        rc = fn(c, obj, id, type);
    }
    if (rc != ST_OK)
        return rc;
    uint32_t missing = required & ~seen;
    if (missing)
        return st_error_set(c->r.err, ST_ERR_CORRUPT,
                            "required field %d of %s is missing at byte %zu of the %s",
                            __builtin_ctz(missing), name, c->r.pos, c->r.what);
    return thr_read_struct_end(&c->r);
}

static void add_context(meta_ctx *c, const char *what, int i)
{
    if (c->r.err)
        st_error_context(c->r.err, "%s %d", what, i);
}

static st_status rd_i32(meta_ctx *c, int type, int32_t *out)
{
    st_status rc = thr_expect(&c->r, type, THR_I32, c->cur);
    return rc != ST_OK ? rc : thr_read_i32(&c->r, out);
}

static st_status rd_enum(meta_ctx *c, int type, int *out)
{
    int32_t v = 0;
    st_status rc = rd_i32(c, type, &v);
    *out = v;
    return rc;
}

static st_status rd_i64(meta_ctx *c, int type, int64_t *out)
{
    st_status rc = thr_expect(&c->r, type, THR_I64, c->cur);
    return rc != ST_OK ? rc : thr_read_i64(&c->r, out);
}

static st_status rd_bool(meta_ctx *c, int type, bool *out)
{
    st_status rc = thr_expect(&c->r, type, THR_BOOL, c->cur);
    return rc != ST_OK ? rc : thr_read_bool(&c->r, out);
}

/* A binary value; copied (NUL-terminated) into the arena if there is one,
** else borrowed from the input. */
static st_status rd_raw(meta_ctx *c, const uint8_t **out, int32_t *out_len)
{
    const uint8_t *p;
    uint32_t n;
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

static st_status rd_bytes(meta_ctx *c, int type, pq_bytes *out)
{
    st_status rc = thr_expect(&c->r, type, THR_BINARY, c->cur);
    return rc != ST_OK ? rc : rd_raw(c, &out->ptr, &out->len);
}

static st_status rd_string(meta_ctx *c, int type, const char **out)
{
    st_status rc = thr_expect(&c->r, type, THR_BINARY, c->cur);
    if (rc != ST_OK)
        return rc;
    if (!c->arena)
        return st_error_set(c->r.err, ST_ERR_INTERNAL, "string field of the %s read without an arena",
                            c->r.what);
    const uint8_t *p;
    int32_t n;
    rc = rd_raw(c, &p, &n);
    if (rc == ST_OK)
        *out = (const char *)p;
    return rc;
}

/* A list field header whose elements must have type elem_type. name
** describes the list in error context. */
static st_status rd_list_header(meta_ctx *c, int type, int elem_type, const char *name,
                                int32_t *out_n)
{
    int et;
    st_status rc = thr_expect(&c->r, type, THR_LIST, c->cur);
    if (rc == ST_OK)
        rc = thr_read_list_begin(&c->r, &et, out_n);
    if (rc == ST_OK && *out_n > 0 && et != elem_type)
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
            : st_error_set(c->r.err, ST_ERR_NOMEM, "out of memory for %" PRId32 " list elements of the %s",
                           n, c->r.what);
    return p;
}

/* ---- statistics, key-value, small structs ---- */

static st_status stats_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_statistics *s = obj;
    switch (id) {
    case 1: s->has_max = true; return rd_bytes(c, type, &s->max);
    case 2: s->has_min = true; return rd_bytes(c, type, &s->min);
    case 3: s->has_null_count = true; return rd_i64(c, type, &s->null_count);
    case 4: s->has_distinct_count = true; return rd_i64(c, type, &s->distinct_count);
    case 5: s->has_max_value = true; return rd_bytes(c, type, &s->max_value);
    case 6: s->has_min_value = true; return rd_bytes(c, type, &s->min_value);
    case 7: s->has_is_max_exact = true; return rd_bool(c, type, &s->is_max_value_exact);
    case 8: s->has_is_min_exact = true; return rd_bool(c, type, &s->is_min_value_exact);
    }
    return thr_skip(&c->r, type);
}

static st_status rd_stats(meta_ctx *c, int type, pq_statistics *s)
{
    st_status rc = thr_expect(&c->r, type, THR_STRUCT, c->cur);
    return rc != ST_OK ? rc : read_struct(c, "Statistics", s, stats_field, 0);
}

static st_status kv_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_key_value *kv = obj;
    switch (id) {
    case 1: return rd_string(c, type, &kv->key);
    case 2: return rd_string(c, type, &kv->value);
    }
    return thr_skip(&c->r, type);
}

static st_status rd_kv_list(meta_ctx *c, int type, pq_key_value **out, int *out_n)
{
    int32_t n;
    st_status rc = rd_list_header(c, type, THR_STRUCT, "key-value metadata", &n);
    pq_key_value *kv = rc == ST_OK ? alloc_array(c, n, sizeof *kv, &rc) : NULL;
    for (int32_t i = 0; rc == ST_OK && i < n; i++) {
        rc = read_struct(c, "KeyValue", &kv[i], kv_field, REQ(1));
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
    case 1: return rd_i32(c, type, &s->column_idx);
    case 2: return rd_bool(c, type, &s->descending);
    case 3: return rd_bool(c, type, &s->nulls_first);
    }
    return thr_skip(&c->r, type);
}

static st_status enc_stats_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_page_encoding_stats *s = obj;
    switch (id) {
    case 1: return rd_enum(c, type, &s->page_type);
    case 2: return rd_enum(c, type, &s->encoding);
    case 3: return rd_i32(c, type, &s->count);
    }
    return thr_skip(&c->r, type);
}

/* ---- logical types ---- */

static st_status decimal_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_logical_type *lt = obj;
    switch (id) {
    case 1: return rd_i32(c, type, &lt->dec_scale);
    case 2: return rd_i32(c, type, &lt->dec_precision);
    }
    return thr_skip(&c->r, type);
}

/* TimeUnit union: the member's field id is the unit (1 millis, 2 micros, 3 nanos). */
static st_status unit_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    int *unit = obj;
    if (id >= PQ_UNIT_MILLIS && id <= PQ_UNIT_NANOS) {
        st_status rc = thr_expect(&c->r, type, THR_STRUCT, c->cur);
        if (rc != ST_OK)
            return rc;
        *unit = id;
    }
    return thr_skip(&c->r, type);
}

/* TimeType and TimestampType: 1 isAdjustedToUTC, 2 unit. */
static st_status time_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_logical_type *lt = obj;
    switch (id) {
    case 1: return rd_bool(c, type, &lt->is_adjusted_utc);
    case 2: {
        st_status rc = thr_expect(&c->r, type, THR_STRUCT, c->cur);
        return rc != ST_OK ? rc : read_struct(c, "TimeUnit", &lt->unit, unit_field, 0);
    }
    }
    return thr_skip(&c->r, type);
}

static st_status int_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_logical_type *lt = obj;
    switch (id) {
    case 1: {
        st_status rc = thr_expect(&c->r, type, THR_BYTE, c->cur);
        return rc != ST_OK ? rc : thr_read_i8(&c->r, &lt->int_bit_width);
    }
    case 2: return rd_bool(c, type, &lt->int_signed);
    }
    return thr_skip(&c->r, type);
}

/* LogicalType union: the member's field id is the kind. */
static st_status logical_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_logical_type *lt = obj;
    bool known = (id >= PQ_LT_STRING && id <= PQ_LT_GEOGRAPHY && id != 9);
    if (!known) {
        lt->kind = PQ_LT_OTHER;
        return thr_skip(&c->r, type);
    }
    st_status rc = thr_expect(&c->r, type, THR_STRUCT, c->cur);
    if (rc != ST_OK)
        return rc;
    lt->kind = id;
    switch (id) {
    case PQ_LT_DECIMAL:
        return read_struct(c, "DecimalType", lt, decimal_field, REQ(1) | REQ(2));
    case PQ_LT_TIME:
        return read_struct(c, "TimeType", lt, time_field, REQ(1) | REQ(2));
    case PQ_LT_TIMESTAMP:
        return read_struct(c, "TimestampType", lt, time_field, REQ(1) | REQ(2));
    case PQ_LT_INTEGER:
        return read_struct(c, "IntType", lt, int_field, REQ(1) | REQ(2));
    }
    return thr_skip(&c->r, type);   /* empty structs or members strata ignores */
}

/* ---- schema ---- */

static st_status schema_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_schema_element *e = obj;
    switch (id) {
    case 1: e->has_type = true; return rd_enum(c, type, &e->type);
    case 2: return rd_i32(c, type, &e->type_length);
    case 3: e->has_repetition = true; return rd_enum(c, type, &e->repetition);
    case 4: return rd_string(c, type, &e->name);
    case 5: return rd_i32(c, type, &e->num_children);
    case 6: return rd_enum(c, type, &e->converted_type);
    case 7: return rd_i32(c, type, &e->scale);
    case 8: return rd_i32(c, type, &e->precision);
    case 9: e->has_field_id = true; return rd_i32(c, type, &e->field_id);
    case 10: {
        st_status rc = thr_expect(&c->r, type, THR_STRUCT, c->cur);
        if (rc != ST_OK)
            return rc;
        memset(&e->logical, 0, sizeof e->logical);
        return read_struct(c, "LogicalType", &e->logical, logical_field, 0);
    }
    }
    return thr_skip(&c->r, type);
}

/* Closed enumerations are range-checked so later stages can index by them. */
static st_status check_schema_element(meta_ctx *c, const pq_schema_element *e)
{
    if (e->has_type && (e->type < PQ_BOOLEAN || e->type > PQ_FIXED_LEN_BYTE_ARRAY))
        return st_error_set(c->r.err, ST_ERR_CORRUPT, "schema element \"%s\" has invalid physical type %d",
                            e->name, e->type);
    if (e->has_repetition && (e->repetition < PQ_REQUIRED || e->repetition > PQ_REPEATED))
        return st_error_set(c->r.err, ST_ERR_CORRUPT, "schema element \"%s\" has invalid repetition %d",
                            e->name, e->repetition);
    if (e->num_children < 0)
        return st_error_set(c->r.err, ST_ERR_CORRUPT, "schema element \"%s\" has negative child count %" PRId32,
                            e->name, e->num_children);
    return ST_OK;
}

static st_status rd_schema(meta_ctx *c, int type, pq_file_meta *m)
{
    int32_t n;
    st_status rc = rd_list_header(c, type, THR_STRUCT, "schema", &n);
    if (rc == ST_OK && n == 0)
        rc = st_error_set(c->r.err, ST_ERR_CORRUPT, "schema of the %s has no elements", c->r.what);
    pq_schema_element *s = rc == ST_OK ? alloc_array(c, n, sizeof *s, &rc) : NULL;
    for (int32_t i = 0; rc == ST_OK && i < n; i++) {
        s[i].converted_type = PQ_CT_NONE;
        rc = read_struct(c, "SchemaElement", &s[i], schema_field, REQ(4));
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

static st_status rd_encodings(meta_ctx *c, int type, pq_column_meta *cm)
{
    int32_t n;
    st_status rc = rd_list_header(c, type, THR_I32, "encodings", &n);
    int *enc = rc == ST_OK ? alloc_array(c, n, sizeof *enc, &rc) : NULL;
    for (int32_t i = 0; rc == ST_OK && i < n; i++) {
        int32_t v = 0;
        rc = thr_read_i32(&c->r, &v);
        enc[i] = v;
    }
    if (rc == ST_OK) {
        cm->encodings = enc;
        cm->n_encodings = (int)n;
    }
    return rc;
}

static st_status rd_path(meta_ctx *c, int type, pq_column_meta *cm)
{
    int32_t n;
    st_status rc = rd_list_header(c, type, THR_BINARY, "path in schema", &n);
    const char **path = rc == ST_OK ? alloc_array(c, n, sizeof *path, &rc) : NULL;
    for (int32_t i = 0; rc == ST_OK && i < n; i++) {
        const uint8_t *p;
        int32_t len;
        rc = rd_raw(c, &p, &len);
        if (rc == ST_OK)
            path[i] = (const char *)p;
    }
    if (rc == ST_OK) {
        cm->path_in_schema = path;
        cm->n_path = (int)n;
    }
    return rc;
}

static st_status rd_encoding_stats(meta_ctx *c, int type, pq_column_meta *cm)
{
    int32_t n;
    st_status rc = rd_list_header(c, type, THR_STRUCT, "encoding stats", &n);
    pq_page_encoding_stats *es = rc == ST_OK ? alloc_array(c, n, sizeof *es, &rc) : NULL;
    for (int32_t i = 0; rc == ST_OK && i < n; i++)
        rc = read_struct(c, "PageEncodingStats", &es[i], enc_stats_field,
                         REQ(1) | REQ(2) | REQ(3));
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
    case 1: return rd_enum(c, type, &cm->type);
    case 2: return rd_encodings(c, type, cm);
    case 3: return rd_path(c, type, cm);
    case 4: return rd_enum(c, type, &cm->codec);
    case 5: return rd_i64(c, type, &cm->num_values);
    case 6: return rd_i64(c, type, &cm->total_uncompressed_size);
    case 7: return rd_i64(c, type, &cm->total_compressed_size);
    case 8: return rd_kv_list(c, type, &cm->kv, &cm->n_kv);
    case 9: return rd_i64(c, type, &cm->data_page_offset);
    case 10: cm->has_index_page_offset = true; return rd_i64(c, type, &cm->index_page_offset);
    case 11:
        cm->has_dictionary_page_offset = true;
        return rd_i64(c, type, &cm->dictionary_page_offset);
    case 12: cm->has_statistics = true; return rd_stats(c, type, &cm->statistics);
    case 13: return rd_encoding_stats(c, type, cm);
    case 14: cm->has_bloom_filter = true; return rd_i64(c, type, &cm->bloom_filter_offset);
    case 15: return rd_i32(c, type, &cm->bloom_filter_length);
    }
    return thr_skip(&c->r, type);
}

#define COLMETA_REQUIRED (REQ(1) | REQ(2) | REQ(3) | REQ(4) | REQ(5) | REQ(6) | REQ(7) | REQ(9))

static st_status chunk_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_column_chunk *cc = obj;
    switch (id) {
    case 1: return rd_string(c, type, &cc->file_path);
    case 2: return rd_i64(c, type, &cc->file_offset);
    case 3: {
        st_status rc = thr_expect(&c->r, type, THR_STRUCT, c->cur);
        cc->has_meta_data = true;
        return rc != ST_OK ? rc
                           : read_struct(c, "ColumnMetaData", &cc->meta_data, colmeta_field,
                                         COLMETA_REQUIRED);
    }
    case 4: cc->has_offset_index = true; return rd_i64(c, type, &cc->offset_index_offset);
    case 5: return rd_i32(c, type, &cc->offset_index_length);
    case 6: cc->has_column_index = true; return rd_i64(c, type, &cc->column_index_offset);
    case 7: return rd_i32(c, type, &cc->column_index_length);
    case 8:
    case 9: cc->is_encrypted = true; break;  /* crypto metadata, encrypted ColumnMetaData */
    }
    return thr_skip(&c->r, type);
}

static st_status rd_chunks(meta_ctx *c, int type, pq_row_group *rg)
{
    int32_t n;
    st_status rc = rd_list_header(c, type, THR_STRUCT, "column chunks", &n);
    pq_column_chunk *cc = rc == ST_OK ? alloc_array(c, n, sizeof *cc, &rc) : NULL;
    for (int32_t i = 0; rc == ST_OK && i < n; i++) {
        rc = read_struct(c, "ColumnChunk", &cc[i], chunk_field, REQ(2));
        if (rc != ST_OK)
            add_context(c, "column chunk", (int)i);
    }
    if (rc == ST_OK) {
        rg->columns = cc;
        rg->n_columns = (int)n;
    }
    return rc;
}

static st_status rd_sorting(meta_ctx *c, int type, pq_row_group *rg)
{
    int32_t n;
    st_status rc = rd_list_header(c, type, THR_STRUCT, "sorting columns", &n);
    pq_sorting_column *sc = rc == ST_OK ? alloc_array(c, n, sizeof *sc, &rc) : NULL;
    for (int32_t i = 0; rc == ST_OK && i < n; i++)
        rc = read_struct(c, "SortingColumn", &sc[i], sorting_field, REQ(1) | REQ(2) | REQ(3));
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
    case 1: return rd_chunks(c, type, rg);
    case 2: return rd_i64(c, type, &rg->total_byte_size);
    case 3: return rd_i64(c, type, &rg->num_rows);
    case 4: return rd_sorting(c, type, rg);
    case 5: rg->has_file_offset = true; return rd_i64(c, type, &rg->file_offset);
    case 6:
        rg->has_total_compressed_size = true;
        return rd_i64(c, type, &rg->total_compressed_size);
    case 7: {
        st_status rc = thr_expect(&c->r, type, THR_I16, c->cur);
        rg->has_ordinal = true;
        return rc != ST_OK ? rc : thr_read_i16(&c->r, &rg->ordinal);
    }
    }
    return thr_skip(&c->r, type);
}

static st_status rd_row_groups(meta_ctx *c, int type, pq_file_meta *m)
{
    int32_t n;
    st_status rc = rd_list_header(c, type, THR_STRUCT, "row groups", &n);
    pq_row_group *rg = rc == ST_OK ? alloc_array(c, n, sizeof *rg, &rc) : NULL;
    for (int32_t i = 0; rc == ST_OK && i < n; i++) {
        rc = read_struct(c, "RowGroup", &rg[i], row_group_field, REQ(1) | REQ(2) | REQ(3));
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
static st_status rd_column_orders(meta_ctx *c, int type, pq_file_meta *m)
{
    int32_t n;
    st_status rc = rd_list_header(c, type, THR_STRUCT, "column orders", &n);
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
    case 1: return rd_i32(c, type, &m->version);
    case 2: return rd_schema(c, type, m);
    case 3: return rd_i64(c, type, &m->num_rows);
    case 4: return rd_row_groups(c, type, m);
    case 5: return rd_kv_list(c, type, &m->kv, &m->n_kv);
    case 6: return rd_string(c, type, &m->created_by);
    case 7: return rd_column_orders(c, type, m);
    case 8: m->has_encryption_algorithm = true; break;
    }
    return thr_skip(&c->r, type);
}

st_status pq_meta_parse_file(const uint8_t *buf, size_t len, st_arena *a, pq_file_meta *out,
                             st_error *err)
{
    memset(out, 0, sizeof *out);
    if (!a)
        return st_error_set(err, ST_ERR_INTERNAL, "footer parsed without an arena");
    meta_ctx c;
    thr_reader_init(&c.r, buf, len, "footer", err);
    c.arena = a;
    c.cur = "FileMetaData";
    return read_struct(&c, "FileMetaData", out, file_field, REQ(1) | REQ(2) | REQ(3) | REQ(4));
}

/* ---- page headers ---- */

static st_status data_page_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_data_page_header *d = obj;
    switch (id) {
    case 1: return rd_i32(c, type, &d->num_values);
    case 2: return rd_enum(c, type, &d->encoding);
    case 3: return rd_enum(c, type, &d->definition_level_encoding);
    case 4: return rd_enum(c, type, &d->repetition_level_encoding);
    case 5: d->has_statistics = true; return rd_stats(c, type, &d->statistics);
    }
    return thr_skip(&c->r, type);
}

static st_status dict_page_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_dictionary_page_header *d = obj;
    switch (id) {
    case 1: return rd_i32(c, type, &d->num_values);
    case 2: return rd_enum(c, type, &d->encoding);
    case 3: return rd_bool(c, type, &d->is_sorted);
    }
    return thr_skip(&c->r, type);
}

static st_status data_page_v2_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_data_page_header_v2 *d = obj;
    switch (id) {
    case 1: return rd_i32(c, type, &d->num_values);
    case 2: return rd_i32(c, type, &d->num_nulls);
    case 3: return rd_i32(c, type, &d->num_rows);
    case 4: return rd_enum(c, type, &d->encoding);
    case 5: return rd_i32(c, type, &d->definition_levels_byte_length);
    case 6: return rd_i32(c, type, &d->repetition_levels_byte_length);
    case 7: return rd_bool(c, type, &d->is_compressed);
    case 8: d->has_statistics = true; return rd_stats(c, type, &d->statistics);
    }
    return thr_skip(&c->r, type);
}

static st_status page_field(meta_ctx *c, void *obj, int16_t id, int type)
{
    pq_page_header *h = obj;
    st_status rc;
    switch (id) {
    case 1: return rd_enum(c, type, &h->type);
    case 2: return rd_i32(c, type, &h->uncompressed_page_size);
    case 3: return rd_i32(c, type, &h->compressed_page_size);
    case 4: h->has_crc = true; return rd_i32(c, type, &h->crc);
    case 5:
        h->has_data_page = true;
        rc = thr_expect(&c->r, type, THR_STRUCT, c->cur);
        return rc != ST_OK ? rc
                           : read_struct(c, "DataPageHeader", &h->data_page, data_page_field,
                                         REQ(1) | REQ(2) | REQ(3) | REQ(4));
    case 7:
        h->has_dictionary_page = true;
        rc = thr_expect(&c->r, type, THR_STRUCT, c->cur);
        return rc != ST_OK ? rc
                           : read_struct(c, "DictionaryPageHeader", &h->dictionary_page,
                                         dict_page_field, REQ(1) | REQ(2));
    case 8:
        h->has_data_page_v2 = true;
        h->data_page_v2.is_compressed = true;   /* parquet.thrift default */
        rc = thr_expect(&c->r, type, THR_STRUCT, c->cur);
        return rc != ST_OK ? rc
                           : read_struct(c, "DataPageHeaderV2", &h->data_page_v2,
                                         data_page_v2_field,
                                         REQ(1) | REQ(2) | REQ(3) | REQ(4) | REQ(5) | REQ(6));
    }
    return thr_skip(&c->r, type);
}

st_status pq_meta_parse_page_header(const uint8_t *buf, size_t len, pq_page_header *out,
                                    size_t *out_hdr_len, st_error *err)
{
    memset(out, 0, sizeof *out);
    *out_hdr_len = 0;
    meta_ctx c;
    thr_reader_init(&c.r, buf, len, "page header", err);
    c.arena = NULL;
    c.cur = "PageHeader";
    st_status rc = read_struct(&c, "PageHeader", out, page_field, REQ(1) | REQ(2) | REQ(3));
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
