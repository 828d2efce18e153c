/* pq_writer_test.c -- the Parquet writer (pq_writer.c, pq_wchunk.c): files of
** every vector type, nested shapes with nulls and empty lists, several row
** groups and every writable codec are read back with strata's reader and
** compared value by value through vec_format_value JSON; footer statistics,
** encodings, page boundaries of nested columns, options, schema mismatch and
** abort/failure cleanup are checked directly. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/parquet/pq.h"
#include "format/parquet/pq_codec.h"
#include "format/parquet/pq_encoding.h"

/* ---- helpers ------------------------------------------------------------- */

typedef struct rowset {
    char  **rows;            /* heap: JSON array text per row */
    int64_t n, cap;
} rowset;

static void rowset_free(rowset *r)
{
    for (int64_t i = 0; i < r->n; i++)
        free(r->rows[i]);
    free(r->rows);
    memset(r, 0, sizeof *r);
}

/* Appends the JSON text of every row of b ("[v0,v1,...]"). */
static void rowset_add_batch(rowset *r, const vec_batch *b)
{
    st_error err;
    st_error_init(&err);
    for (int64_t i = 0; i < b->n_rows; i++) {
        st_buf t;
        st_buf_init(&t);
        st_buf_append_byte(&t, '[', &err);
        for (int c = 0; c < b->n_cols; c++) {
            if (c)
                st_buf_append_byte(&t, ',', &err);
            if (!vec_is_valid(b->cols[c], i) || b->cols[c]->type->id == VEC_NULL)
                st_buf_append_str(&t, "null", &err);
            else
                cr_assert_eq(vec_format_value(b->cols[c], i, VEC_FMT_JSON, &t, &err), ST_OK,
                             "%s", err.msg);
        }
        st_buf_append_byte(&t, ']', &err);
        st_buf_append_byte(&t, 0, &err);
        if (r->n == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 64;
            r->rows = realloc(r->rows, sizeof(char *) * (size_t)r->cap);
        }
        r->rows[r->n++] = strdup((char *)t.data);
        st_buf_destroy(&t);
    }
}

static void read_rows(const char *path, rowset *out, int64_t batch_rows)
{
    st_error err;
    st_error_init(&err);
    pq_file *f;
    cr_assert_eq(pq_file_open(path, &f, &err), ST_OK, "open: %s", err.msg);
    pq_read_options opt = {0};
    opt.batch_rows = batch_rows;
    pq_reader *r;
    cr_assert_eq(pq_reader_open(f, &opt, &r, &err), ST_OK, "reader: %s", err.msg);
    for (;;) {
        vec_batch *b;
        cr_assert_eq(pq_reader_next(r, &b, &err), ST_OK, "next: %s", err.msg);
        if (!b)
            break;
        rowset_add_batch(out, b);
        vec_batch_free(b);
    }
    pq_reader_close(r);
    pq_file_close(f);
}

static void assert_same_rows(const rowset *want, const rowset *got)
{
    cr_assert_eq(got->n, want->n, "row count %ld, want %ld", (long)got->n, (long)want->n);
    for (int64_t i = 0; i < want->n; i++)
        cr_assert_str_eq(got->rows[i], want->rows[i], "row %ld", (long)i);
}

static char *tmp_path(const char *tag)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "/tmp/strata_pqw_%d_%s.parquet", (int)getpid(), tag);
    return buf;
}

/* A batch of schema s whose columns come from finished builders. */
static vec_batch *batch_of(const vec_schema *s, vec_builder **bs)
{
    st_error err;
    st_error_init(&err);
    vec_batch *b = vec_batch_new(s, s->n_fields, 0);
    cr_assert_not_null(b);
    for (int i = 0; i < s->n_fields; i++) {
        cr_assert_eq(vec_builder_finish(bs[i], b->arena, &b->cols[i], &err), ST_OK, "%s",
                     err.msg);
        b->n_rows = b->cols[i]->len;
        vec_builder_free(bs[i]);
    }
    return b;
}

static void ok(st_status rc, const st_error *err)
{
    cr_assert_eq(rc, ST_OK, "%s", err->msg);
}

/* Writes batches with opt, reads the file back and compares every row. */
static void roundtrip(const char *path, const vec_schema *s, vec_batch **bs, int n,
                      const pq_write_options *opt, int64_t read_batch_rows)
{
    st_error err;
    st_error_init(&err);
    pq_writer *w;
    ok(pq_writer_open(path, s, opt, &w, &err), &err);
    rowset want = {0};
    int64_t rows = 0;
    for (int i = 0; i < n; i++) {
        ok(pq_writer_write(w, bs[i], &err), &err);
        rowset_add_batch(&want, bs[i]);
        rows += bs[i]->n_rows;
    }
    pq_write_result res;
    ok(pq_writer_close(w, &res, &err), &err);
    cr_assert_eq(res.n_rows, rows);
    rowset got = {0};
    read_rows(path, &got, read_batch_rows);
    assert_same_rows(&want, &got);
    rowset_free(&want);
    rowset_free(&got);
}

/* ---- schemas ------------------------------------------------------------- */

static vec_field scalar_fields[] = {
    {"b", {.id = VEC_BOOL}, true},
    {"i8", {.id = VEC_INT8}, true},
    {"i16", {.id = VEC_INT16}, true},
    {"i32", {.id = VEC_INT32}, true},
    {"i64", {.id = VEC_INT64}, true},
    {"u8", {.id = VEC_UINT8}, true},
    {"u16", {.id = VEC_UINT16}, true},
    {"u32", {.id = VEC_UINT32}, true},
    {"u64", {.id = VEC_UINT64}, true},
    {"f", {.id = VEC_FLOAT}, true},
    {"d", {.id = VEC_DOUBLE}, true},
    {"dec5", {.id = VEC_DECIMAL, .precision = 5, .scale = 2}, true},
    {"dec15", {.id = VEC_DECIMAL, .precision = 15, .scale = 3}, true},
    {"dec25", {.id = VEC_DECIMAL, .precision = 25, .scale = 4}, true},
    {"dec38", {.id = VEC_DECIMAL, .precision = 38, .scale = 0}, true},
    {"s", {.id = VEC_STRING}, true},
    {"bin", {.id = VEC_BINARY}, true},
    {"date", {.id = VEC_DATE}, true},
    {"time", {.id = VEC_TIME}, true},
    {"ts", {.id = VEC_TIMESTAMP}, true},
    {"tsn", {.id = VEC_TIMESTAMP_NTZ}, true},
    {"nul", {.id = VEC_NULL}, true},
    {"req_i32", {.id = VEC_INT32}, false},
    {"req_s", {.id = VEC_STRING}, false},
};
static vec_schema scalar_schema = {(int)ST_ARRAY_LEN(scalar_fields), scalar_fields};

static __int128 pow10_i128(int p)
{
    __int128 v = 1;
    while (p-- > 0)
        v *= 10;
    return v;
}

/* Row r of the scalar schema, global row g (values depend on g only). */
static void scalar_row(vec_builder **bs, int64_t g)
{
    st_error err;
    st_error_init(&err);
    bool null = g % 7 == 3;
    for (int c = 0; c < scalar_schema.n_fields; c++) {
        vec_builder *b = bs[c];
        const vec_field *f = &scalar_fields[c];
        if ((null && f->nullable) || f->type.id == VEC_NULL) {
            ok(vec_builder_append_null(b, &err), &err);
            continue;
        }
        char txt[64];
        st_status rc = ST_OK;
        switch (f->type.id) {
        case VEC_BOOL:   rc = vec_builder_append_bool(b, g % 3 == 0, &err); break;
        case VEC_INT8:   rc = vec_builder_append_i64(b, (g % 256) - 128, &err); break;
        case VEC_INT16:  rc = vec_builder_append_i64(b, (g * 37) % 65536 - 32768, &err); break;
        case VEC_INT32:  rc = vec_builder_append_i64(b, (g * 7919) % 1000 - 500, &err); break;
        case VEC_INT64:  rc = vec_builder_append_i64(b, g * 1000003 - 77777777777, &err); break;
        case VEC_UINT8:  rc = vec_builder_append_u64(b, (uint64_t)(g % 256), &err); break;
        case VEC_UINT16: rc = vec_builder_append_u64(b, (uint64_t)(g % 65536), &err); break;
        case VEC_UINT32: rc = vec_builder_append_u64(b, 4000000000u + (uint64_t)g, &err); break;
        case VEC_UINT64: rc = vec_builder_append_u64(b, UINT64_MAX - (uint64_t)g, &err); break;
        case VEC_FLOAT:  rc = vec_builder_append_f64(b, (double)g * 0.25 - 3, &err); break;
        case VEC_DOUBLE: rc = vec_builder_append_f64(b, (double)g / 3.0 - 1e6, &err); break;
        case VEC_DECIMAL: {
            __int128 lim = pow10_i128(f->type.precision) - 1;
            __int128 v = (g % 5 == 0) ? lim : (g % 5 == 1) ? -lim : (__int128)(g - 500) * 1234567;
            if (v > lim || v < -lim)
                v = v % lim;
            rc = vec_builder_append_i128(b, v, &err);
            break;
        }
        case VEC_STRING:
            snprintf(txt, sizeof txt, "str-%ld-\xc3\xa9", (long)(g % 13));
            rc = vec_builder_append_bytes(b, txt, strlen(txt), &err);
            break;
        case VEC_BINARY: {
            uint8_t bytes[9] = {0, 0xff, (uint8_t)g, (uint8_t)(g >> 8), 0x80, 1, 2, 3, 0};
            rc = vec_builder_append_bytes(b, bytes, (size_t)(g % 10), &err);
            break;
        }
        case VEC_DATE:   rc = vec_builder_append_i64(b, g % 40000 - 20000, &err); break;
        case VEC_TIME:   rc = vec_builder_append_i64(b, (g * 1234567) % 86400000000, &err); break;
        case VEC_TIMESTAMP:
        case VEC_TIMESTAMP_NTZ:
            rc = vec_builder_append_i64(b, 1700000000000000 + g * 1000001 - 3600000000 * 24 *
                                        365 * 60, &err);
            break;
        default: cr_assert_fail("type %d", f->type.id);
        }
        ok(rc, &err);
    }
}

static vec_batch *scalar_batch(int64_t first, int64_t n)
{
    vec_builder *bs[ST_ARRAY_LEN(scalar_fields)];
    for (int c = 0; c < scalar_schema.n_fields; c++)
        bs[c] = vec_builder_new(&scalar_fields[c].type);
    for (int64_t g = first; g < first + n; g++)
        scalar_row(bs, g);
    return batch_of(&scalar_schema, bs);
}

/* ---- scalar round trips -------------------------------------------------- */

Test(pq_writer, scalars_every_codec)
{
    static const int codecs[] = {PQ_CODEC_UNCOMPRESSED, PQ_CODEC_SNAPPY, PQ_CODEC_GZIP,
                                 PQ_CODEC_ZSTD, PQ_CODEC_LZ4_RAW, PQ_CODEC_BROTLI};
    vec_batch *bs[2] = {scalar_batch(0, 1500), scalar_batch(1500, 777)};
    for (size_t i = 0; i < ST_ARRAY_LEN(codecs); i++) {
        pq_write_options opt = {0};
        opt.codec = codecs[i];
        opt.row_group_rows = 1000;   /* 3 row groups, one split inside a batch */
        char *path = tmp_path("codec");
        roundtrip(path, &scalar_schema, bs, 2, &opt, 333);
        st_error err;
        st_error_init(&err);
        pq_file *f;
        ok(pq_file_open(path, &f, &err), &err);
        cr_assert_eq(pq_file_num_row_groups(f), 3);
        cr_assert_eq(pq_file_num_rows(f), 2277);
        const pq_file_meta *m = pq_file_metadata(f);
        cr_assert_eq(m->row_groups[0].columns[0].meta_data.codec, codecs[i]);
        pq_file_close(f);
        unlink(path);
    }
    vec_batch_free(bs[0]);
    vec_batch_free(bs[1]);
}

Test(pq_writer, scalars_plain_and_defaults)
{
    vec_batch *b = scalar_batch(0, 2000);
    pq_write_options opt = {0};
    opt.codec = PQ_CODEC_SNAPPY;
    opt.no_dictionary = true;
    opt.page_bytes = 512;            /* many pages */
    char *path = tmp_path("plain");
    roundtrip(path, &scalar_schema, &b, 1, &opt, 0);
    unlink(path);
    roundtrip(path, &scalar_schema, &b, 1, NULL, 0);   /* NULL options: snappy, dict */
    st_error err;
    st_error_init(&err);
    pq_file *f;
    ok(pq_file_open(path, &f, &err), &err);
    cr_assert_eq(pq_file_metadata(f)->row_groups[0].columns[3].meta_data.codec, PQ_CODEC_SNAPPY);
    pq_file_close(f);
    unlink(path);
    vec_batch_free(b);
}

/* The footer schema: physical types and annotations per docs/conventions.md. */
Test(pq_writer, schema_annotations)
{
    vec_batch *b = scalar_batch(0, 10);
    char *path = tmp_path("schema");
    roundtrip(path, &scalar_schema, &b, 1, NULL, 0);
    vec_batch_free(b);
    st_error err;
    st_error_init(&err);
    pq_file *f;
    ok(pq_file_open(path, &f, &err), &err);
    const pq_file_meta *m = pq_file_metadata(f);
    cr_assert_eq(m->n_schema, scalar_schema.n_fields + 1);
    cr_assert_eq(m->schema[0].num_children, scalar_schema.n_fields);
    cr_assert_str_eq(m->created_by, "strata version 0.1.0 (build 1)");
    cr_assert_eq(m->n_column_orders, scalar_schema.n_fields);
    const pq_schema_element *e = m->schema + 1;
    cr_assert_eq(e[0].type, PQ_BOOLEAN);
    cr_assert_eq(e[1].type, PQ_INT32);
    cr_assert_eq(e[1].converted_type, PQ_CT_INT_8);
    cr_assert_eq(e[1].logical.kind, PQ_LT_INTEGER);
    cr_assert_eq(e[1].logical.int_bit_width, 8);
    cr_assert(e[1].logical.int_signed);
    cr_assert_eq(e[2].converted_type, PQ_CT_INT_16);
    cr_assert_eq(e[3].type, PQ_INT32);
    cr_assert_eq(e[3].converted_type, PQ_CT_NONE);
    cr_assert_eq(e[4].type, PQ_INT64);
    cr_assert_eq(e[7].converted_type, PQ_CT_UINT_32);
    cr_assert(!e[7].logical.int_signed);
    cr_assert_eq(e[8].type, PQ_INT64);
    cr_assert_eq(e[8].converted_type, PQ_CT_UINT_64);
    cr_assert_eq(e[11].type, PQ_INT32);                 /* decimal(5,2) */
    cr_assert_eq(e[11].logical.kind, PQ_LT_DECIMAL);
    cr_assert_eq(e[11].converted_type, PQ_CT_DECIMAL);
    cr_assert_eq(e[11].precision, 5);
    cr_assert_eq(e[11].scale, 2);
    cr_assert_eq(e[12].type, PQ_INT64);                 /* decimal(15,3) */
    cr_assert_eq(e[13].type, PQ_FIXED_LEN_BYTE_ARRAY);  /* decimal(25,4) */
    cr_assert_eq(e[13].type_length, 11);
    cr_assert_eq(e[14].type_length, 16);                /* decimal(38,0) */
    cr_assert_eq(e[15].type, PQ_BYTE_ARRAY);
    cr_assert_eq(e[15].converted_type, PQ_CT_UTF8);
    cr_assert_eq(e[15].logical.kind, PQ_LT_STRING);
    cr_assert_eq(e[16].converted_type, PQ_CT_NONE);
    cr_assert_eq(e[17].logical.kind, PQ_LT_DATE);
    cr_assert_eq(e[18].logical.kind, PQ_LT_TIME);
    cr_assert(!e[18].logical.is_adjusted_utc);
    cr_assert_eq(e[18].logical.unit, PQ_UNIT_MICROS);
    cr_assert_eq(e[19].logical.kind, PQ_LT_TIMESTAMP);
    cr_assert(e[19].logical.is_adjusted_utc);
    cr_assert_eq(e[19].converted_type, PQ_CT_TIMESTAMP_MICROS);
    cr_assert(!e[20].logical.is_adjusted_utc);
    cr_assert_eq(e[20].converted_type, PQ_CT_NONE);
    cr_assert_eq(e[21].logical.kind, PQ_LT_UNKNOWN);
    cr_assert_eq(e[21].repetition, PQ_OPTIONAL);
    cr_assert_eq(e[0].repetition, PQ_OPTIONAL);
    cr_assert_eq(e[22].repetition, PQ_REQUIRED);
    /* vector types read back as written (the null column aside) */
    const vec_schema *s = pq_file_schema(f);
    for (int i = 0; i < s->n_fields; i++) {
        if (scalar_fields[i].type.id == VEC_NULL)
            continue;
        cr_assert(vec_type_equal(&s->fields[i].type, &scalar_fields[i].type), "field %d", i);
        cr_assert_eq(s->fields[i].nullable, scalar_fields[i].nullable, "field %d", i);
    }
    pq_file_close(f);
    unlink(path);
}

/* ---- nested -------------------------------------------------------------- */

static vec_field st_children[] = {
    {"x", {.id = VEC_INT32}, true},
    {"y", {.id = VEC_STRING}, false},
};
static vec_field li_elem[] = {{"element", {.id = VEC_INT64}, true}};
static vec_field lli_inner[] = {{"element", {.id = VEC_INT32}, true}};
static vec_field lli_elem[] = {{"element", {.id = VEC_LIST, .n_children = 1,
                                            .children = lli_inner}, true}};
static vec_field ls_struct[] = {
    {"a", {.id = VEC_STRING}, true},
    {"b", {.id = VEC_DOUBLE}, true},
};
static vec_field ls_elem[] = {{"element", {.id = VEC_STRUCT, .n_children = 2,
                                           .children = ls_struct}, true}};
static vec_field m_kv[] = {
    {"key", {.id = VEC_STRING}, false},
    {"value", {.id = VEC_INT32}, true},
};
static vec_field m_entries[] = {{"entries", {.id = VEC_STRUCT, .n_children = 2,
                                             .children = m_kv}, false}};
static vec_field ms_val[] = {
    {"p", {.id = VEC_INT32}, true},
    {"q", {.id = VEC_LIST, .n_children = 1, .children = lli_inner}, true},
};
static vec_field ms_kv[] = {
    {"key", {.id = VEC_INT32}, false},
    {"value", {.id = VEC_STRUCT, .n_children = 2, .children = ms_val}, true},
};
static vec_field ms_entries[] = {{"entries", {.id = VEC_STRUCT, .n_children = 2,
                                              .children = ms_kv}, false}};
static vec_field rl_elem[] = {{"element", {.id = VEC_INT32}, false}};

static vec_field nested_fields[] = {
    {"id", {.id = VEC_INT32}, false},
    {"st", {.id = VEC_STRUCT, .n_children = 2, .children = st_children}, true},
    {"li", {.id = VEC_LIST, .n_children = 1, .children = li_elem}, true},
    {"lli", {.id = VEC_LIST, .n_children = 1, .children = lli_elem}, true},
    {"ls", {.id = VEC_LIST, .n_children = 1, .children = ls_elem}, true},
    {"m", {.id = VEC_MAP, .n_children = 1, .children = m_entries}, true},
    {"ms", {.id = VEC_MAP, .n_children = 1, .children = ms_entries}, true},
    {"rl", {.id = VEC_LIST, .n_children = 1, .children = rl_elem}, false},
};
static vec_schema nested_schema = {(int)ST_ARRAY_LEN(nested_fields), nested_fields};

static void append_int_list(vec_builder *b, int64_t g, int k, st_error *err)
{
    /* k == -1: null list; 0: empty; else k elements, some null */
    if (k < 0) {
        ok(vec_builder_append_null(b, err), err);
        return;
    }
    vec_builder *c = vec_builder_child(b, 0);
    for (int j = 0; j < k; j++) {
        if ((g + j) % 4 == 1)
            ok(vec_builder_append_null(c, err), err);
        else
            ok(vec_builder_append_i64(c, g * 10 + j, err), err);
    }
    ok(vec_builder_end_list(b, err), err);
}

static void nested_row(vec_builder **bs, int64_t g)
{
    st_error err;
    st_error_init(&err);
    char txt[32];
    ok(vec_builder_append_i64(bs[0], g, &err), &err);
    /* st: null struct every 5th row (children still get a row) */
    {
        vec_builder *x = vec_builder_child(bs[1], 0), *y = vec_builder_child(bs[1], 1);
        if (g % 3 == 0)
            ok(vec_builder_append_null(x, &err), &err);
        else
            ok(vec_builder_append_i64(x, g, &err), &err);
        snprintf(txt, sizeof txt, "y%ld", (long)g);
        ok(vec_builder_append_bytes(y, txt, strlen(txt), &err), &err);
        ok(vec_builder_append_struct(bs[1], g % 5 != 2, &err), &err);
    }
    append_int_list(bs[2], g, (int)(g % 6) - 1, &err);
    /* lli: list of lists, with null and empty inner lists */
    if (g % 7 == 0) {
        ok(vec_builder_append_null(bs[3], &err), &err);
    } else {
        vec_builder *inner = vec_builder_child(bs[3], 0);
        for (int j = 0; j < (int)(g % 4); j++)
            append_int_list(inner, g + j, (int)((g + j) % 4) - 1, &err);
        ok(vec_builder_end_list(bs[3], &err), &err);
    }
    /* ls: list of struct with null structs and null fields */
    if (g % 9 == 4) {
        ok(vec_builder_append_null(bs[4], &err), &err);
    } else {
        vec_builder *el = vec_builder_child(bs[4], 0);
        for (int j = 0; j < (int)(g % 3); j++) {
            vec_builder *a = vec_builder_child(el, 0), *d = vec_builder_child(el, 1);
            snprintf(txt, sizeof txt, "a%ld", (long)((g + j) % 5));
            if ((g + j) % 4 == 0)
                ok(vec_builder_append_null(a, &err), &err);
            else
                ok(vec_builder_append_bytes(a, txt, strlen(txt), &err), &err);
            ok(vec_builder_append_f64(d, (double)(g + j) / 8, &err), &err);
            ok(vec_builder_append_struct(el, (g + j) % 6 != 5, &err), &err);
        }
        ok(vec_builder_end_list(bs[4], &err), &err);
    }
    /* m: map<string,int> with null values, empty and null maps */
    if (g % 8 == 6) {
        ok(vec_builder_append_null(bs[5], &err), &err);
    } else {
        vec_builder *en = vec_builder_child(bs[5], 0);
        for (int j = 0; j < (int)(g % 4); j++) {
            snprintf(txt, sizeof txt, "k%d", j);
            ok(vec_builder_append_bytes(vec_builder_child(en, 0), txt, strlen(txt), &err), &err);
            if ((g + j) % 3 == 0)
                ok(vec_builder_append_null(vec_builder_child(en, 1), &err), &err);
            else
                ok(vec_builder_append_i64(vec_builder_child(en, 1), g * j, &err), &err);
            ok(vec_builder_append_struct(en, true, &err), &err);
        }
        ok(vec_builder_end_list(bs[5], &err), &err);
    }
    /* ms: map<int, struct<p int, q list<int>>> with null struct values */
    if (g % 10 == 9) {
        ok(vec_builder_append_null(bs[6], &err), &err);
    } else {
        vec_builder *en = vec_builder_child(bs[6], 0);
        for (int j = 0; j < (int)(g % 3); j++) {
            ok(vec_builder_append_i64(vec_builder_child(en, 0), j, &err), &err);
            vec_builder *val = vec_builder_child(en, 1);
            ok(vec_builder_append_i64(vec_builder_child(val, 0), g + j, &err), &err);
            append_int_list(vec_builder_child(val, 1), g + j, (int)((g + j) % 3) - 1, &err);
            ok(vec_builder_append_struct(val, (g + j) % 5 != 1, &err), &err);
            ok(vec_builder_append_struct(en, true, &err), &err);
        }
        ok(vec_builder_end_list(bs[6], &err), &err);
    }
    /* rl: required list of required ints, sometimes empty */
    {
        vec_builder *c = vec_builder_child(bs[7], 0);
        for (int j = 0; j < (int)(g % 3); j++)
            ok(vec_builder_append_i64(c, g - j, &err), &err);
        ok(vec_builder_end_list(bs[7], &err), &err);
    }
}

static vec_batch *nested_batch(int64_t first, int64_t n)
{
    vec_builder *bs[ST_ARRAY_LEN(nested_fields)];
    for (int c = 0; c < nested_schema.n_fields; c++)
        bs[c] = vec_builder_new(&nested_fields[c].type);
    for (int64_t g = first; g < first + n; g++)
        nested_row(bs, g);
    return batch_of(&nested_schema, bs);
}

Test(pq_writer, nested_roundtrip)
{
    vec_batch *bs[2] = {nested_batch(0, 400), nested_batch(400, 263)};
    pq_write_options opt = {0};
    opt.codec = PQ_CODEC_ZSTD;
    opt.row_group_rows = 250;
    char *path = tmp_path("nested");
    roundtrip(path, &nested_schema, bs, 2, &opt, 100);
    opt.page_bytes = 64;     /* tiny pages: splits only at record starts */
    opt.no_dictionary = true;
    roundtrip(path, &nested_schema, bs, 2, &opt, 0);
    unlink(path);
    roundtrip(path, &nested_schema, bs, 2, NULL, 0);
    unlink(path);
    vec_batch_free(bs[0]);
    vec_batch_free(bs[1]);
}

/* Expected levels of a small optional list<optional int>:
** [[1, null], null, [], [2]] -> def 3,2,0,1,3 rep 0,1,0,0,0. */
Test(pq_writer, nested_schema_and_levels)
{
    vec_batch *b = nested_batch(0, 50);
    char *path = tmp_path("levels");
    roundtrip(path, &nested_schema, &b, 1, NULL, 0);
    vec_batch_free(b);
    st_error err;
    st_error_init(&err);
    pq_file *f;
    ok(pq_file_open(path, &f, &err), &err);
    /* leaves: id, st.x, st.y, li, lli, ls.a, ls.b, m.key, m.value, ms.key, ms.p, ms.q, rl */
    cr_assert_eq(pq_file_num_leaves(f), 13);
    static const char *paths[] = {
        "id", "st.x", "st.y", "li.list.element", "lli.list.element.list.element",
        "ls.list.element.a", "ls.list.element.b", "m.key_value.key", "m.key_value.value",
        "ms.key_value.key", "ms.key_value.value.p", "ms.key_value.value.q.list.element",
        "rl.list.element"};
    static const int defs[] = {0, 2, 1, 3, 5, 4, 4, 2, 3, 2, 4, 6, 1};
    static const int reps[] = {0, 0, 0, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1};
    for (int i = 0; i < 13; i++) {
        const pq_leaf_info *li = pq_file_leaf(f, i);
        cr_assert_str_eq(li->path, paths[i]);
        cr_assert_eq(li->max_def, defs[i], "%s", paths[i]);
        cr_assert_eq(li->max_rep, reps[i], "%s", paths[i]);
    }
    const pq_file_meta *m = pq_file_metadata(f);
    /* the LIST and MAP group shapes */
    const pq_schema_element *li = &m->schema[5];
    cr_assert_str_eq(li->name, "li");
    cr_assert_eq(li->converted_type, PQ_CT_LIST);
    cr_assert_eq(li->logical.kind, PQ_LT_LIST);
    cr_assert_str_eq(li[1].name, "list");
    cr_assert_eq(li[1].repetition, PQ_REPEATED);
    cr_assert_str_eq(li[2].name, "element");
    cr_assert_eq(li[2].repetition, PQ_OPTIONAL);
    const vec_schema *s = pq_file_schema(f);
    for (int i = 0; i < s->n_fields; i++)
        cr_assert(vec_type_equal(&s->fields[i].type, &nested_fields[i].type), "field %d", i);
    pq_file_close(f);
    unlink(path);
}

/* Reads a chunk's pages (file written UNCOMPRESSED) and checks every data
** page of a repeated column starts a record (first rep level 0). */
Test(pq_writer, nested_pages_split_at_records)
{
    vec_batch *b = nested_batch(0, 600);
    pq_write_options opt = {0};
    opt.codec = PQ_CODEC_UNCOMPRESSED;
    opt.page_bytes = 40;
    opt.no_dictionary = true;
    char *path = tmp_path("pages");
    roundtrip(path, &nested_schema, &b, 1, &opt, 0);
    vec_batch_free(b);
    st_error err;
    st_error_init(&err);
    uint8_t *buf;
    size_t len;
    ok(st_file_read_all(path, &buf, &len, &err), &err);
    pq_file *f;
    ok(pq_file_open(path, &f, &err), &err);
    const pq_row_group *rg = &pq_file_metadata(f)->row_groups[0];
    int multi_page_cols = 0;
    for (int c = 0; c < rg->n_columns; c++) {
        const pq_column_meta *cm = &rg->columns[c].meta_data;
        int max_rep = pq_file_leaf(f, c)->max_rep;
        int64_t pos = cm->data_page_offset, end = pos + cm->total_compressed_size, values = 0;
        int pages = 0;
        while (values < cm->num_values) {
            cr_assert_lt(pos, end);
            pq_page_header h;
            size_t hl;
            ok(pq_meta_parse_page_header(buf + pos, len - (size_t)pos, &h, &hl, &err), &err);
            const uint8_t *body = buf + pos + hl;
            cr_assert_eq(h.type, PQ_PAGE_DATA);
            cr_assert(h.has_crc);
            cr_assert_eq((uint32_t)h.crc, pq_crc32(body, (size_t)h.compressed_page_size));
            if (max_rep > 0) {
                pq_rle_decoder d;
                pq_rle_init(&d, body + 4, st_load_le32(body), pq_bit_width((uint64_t)max_rep));
                uint16_t first;
                ok(pq_rle_get_u16(&d, &first, 1, &err), &err);
                cr_assert_eq(first, 0, "column %d page %d", c, pages);
            }
            values += h.data_page.num_values;
            pos += (int64_t)hl + h.compressed_page_size;
            pages++;
        }
        cr_assert_eq(values, cm->num_values);
        multi_page_cols += pages > 1;
    }
    cr_assert_gt(multi_page_cols, 5);
    pq_file_close(f);
    st_free(buf);
    unlink(path);
}

/* ---- statistics ---------------------------------------------------------- */

static vec_field stat_fields[] = {
    {"i", {.id = VEC_INT32}, true},
    {"u", {.id = VEC_UINT32}, true},
    {"u64", {.id = VEC_UINT64}, true},
    {"f", {.id = VEC_DOUBLE}, true},
    {"nan", {.id = VEC_FLOAT}, true},
    {"z", {.id = VEC_DOUBLE}, false},
    {"s", {.id = VEC_STRING}, true},
    {"dec", {.id = VEC_DECIMAL, .precision = 30, .scale = 2}, true},
    {"allnull", {.id = VEC_STRING}, true},
    {"b", {.id = VEC_BOOL}, false},
};
static vec_schema stat_schema = {(int)ST_ARRAY_LEN(stat_fields), stat_fields};

static vec_batch *stat_batch(int64_t n, bool unique_strings)
{
    st_error err;
    st_error_init(&err);
    vec_builder *bs[ST_ARRAY_LEN(stat_fields)];
    for (int c = 0; c < stat_schema.n_fields; c++)
        bs[c] = vec_builder_new(&stat_fields[c].type);
    char big[200];
    for (int64_t g = 0; g < n; g++) {
        bool null = g % 4 == 1;
        if (null)
            ok(vec_builder_append_null(bs[0], &err), &err);
        else
            ok(vec_builder_append_i64(bs[0], g == 2 ? -77 : g % 100, &err), &err);
        ok(vec_builder_append_u64(bs[1], g == 3 ? 0xFFFFFFF0u : (uint64_t)g + 5, &err), &err);
        ok(vec_builder_append_u64(bs[2], g == 3 ? UINT64_MAX : (uint64_t)g + 1, &err), &err);
        ok(vec_builder_append_f64(bs[3], g % 5 == 0 ? NAN : (double)g - 10.5, &err), &err);
        ok(vec_builder_append_f64(bs[4], NAN, &err), &err);
        ok(vec_builder_append_f64(bs[5], g % 2 ? 0.0 : -0.0, &err), &err);
        if (unique_strings)
            snprintf(big, sizeof big, "%c%0150ld", g == 5 ? 'z' : 'm', (long)g);
        else
            snprintf(big, sizeof big, "v%ld", (long)(g % 3));
        ok(vec_builder_append_bytes(bs[6], big, strlen(big), &err), &err);
        __int128 dv = (__int128)(g - 3) * pow10_i128(20);
        ok(vec_builder_append_i128(bs[7], dv, &err), &err);
        ok(vec_builder_append_null(bs[8], &err), &err);
        ok(vec_builder_append_bool(bs[9], g > 0, &err), &err);
    }
    return batch_of(&stat_schema, bs);
}

static const pq_statistics *col_stats(const pq_file *f, int col)
{
    const pq_column_meta *cm = &pq_file_metadata(f)->row_groups[0].columns[col].meta_data;
    cr_assert(cm->has_statistics);
    return &cm->statistics;
}

static pq_file *write_stats_file(const char *path, bool unique_strings, bool no_dict)
{
    vec_batch *b = stat_batch(20, unique_strings);
    pq_write_options opt = {0};
    opt.codec = PQ_CODEC_SNAPPY;
    opt.no_dictionary = no_dict;
    roundtrip(path, &stat_schema, &b, 1, &opt, 0);
    vec_batch_free(b);
    st_error err;
    st_error_init(&err);
    pq_file *f;
    ok(pq_file_open(path, &f, &err), &err);
    return f;
}

static void check_numeric_stats(const pq_file *f)
{
    const pq_statistics *s = col_stats(f, 0);
    cr_assert(s->has_null_count);
    cr_assert_eq(s->null_count, 5);
    cr_assert(s->has_min_value && s->has_max_value && s->has_min && s->has_max);
    cr_assert_eq((int32_t)st_load_le32(s->min_value.ptr), -77);
    cr_assert_eq((int32_t)st_load_le32(s->max_value.ptr), 19);
    cr_assert_eq((int32_t)st_load_le32(s->min.ptr), -77);
    s = col_stats(f, 1);                      /* unsigned order, no legacy fields */
    cr_assert_eq(st_load_le32(s->min_value.ptr), 5);
    cr_assert_eq(st_load_le32(s->max_value.ptr), 0xFFFFFFF0u);
    cr_assert(!s->has_min && !s->has_max);
    s = col_stats(f, 2);
    cr_assert_eq(st_load_le64(s->min_value.ptr), 1);
    cr_assert_eq(st_load_le64(s->max_value.ptr), UINT64_MAX);
    s = col_stats(f, 3);                      /* NaN ignored */
    double d;
    memcpy(&d, s->min_value.ptr, 8);
    cr_assert_eq(d, -9.5);
    memcpy(&d, s->max_value.ptr, 8);
    cr_assert_eq(d, 8.5);
    s = col_stats(f, 4);                      /* all NaN: no min/max */
    cr_assert(!s->has_min_value && !s->has_max_value);
    cr_assert_eq(s->null_count, 0);
    s = col_stats(f, 5);                      /* zeros: min -0.0, max +0.0 */
    memcpy(&d, s->min_value.ptr, 8);
    cr_assert(d == 0 && signbit(d));
    memcpy(&d, s->max_value.ptr, 8);
    cr_assert(d == 0 && !signbit(d));
    s = col_stats(f, 7);                      /* FLBA decimal, big-endian signed */
    cr_assert_eq(s->min_value.len, 13);
    cr_assert_eq(s->min_value.ptr[0], 0xff);  /* -3e20 */
    cr_assert_eq(s->max_value.ptr[0], 0x00);  /* 16e20 */
    cr_assert(!s->has_min);
    pq_chunk_stats cs;
    pq_file_chunk_stats(f, 0, 7, &cs);
    cr_assert(cs.min.is_set && cs.max.is_set);
    cr_assert(cs.min.dec == -3 * pow10_i128(20));
    cr_assert(cs.max.dec == 16 * pow10_i128(20));
    s = col_stats(f, 8);
    cr_assert_eq(s->null_count, 20);
    cr_assert(!s->has_min_value && !s->has_max_value);
    s = col_stats(f, 9);
    cr_assert_eq(s->min_value.ptr[0], 0);
    cr_assert_eq(s->max_value.ptr[0], 1);
}

Test(pq_writer, stats_dictionary_chunks)
{
    char *path = tmp_path("stats_dict");
    pq_file *f = write_stats_file(path, false, false);
    check_numeric_stats(f);
    const pq_statistics *s = col_stats(f, 6);
    cr_assert_eq(s->min_value.len, 2);
    cr_assert(memcmp(s->min_value.ptr, "v0", 2) == 0);
    cr_assert(memcmp(s->max_value.ptr, "v2", 2) == 0);
    cr_assert(s->is_min_value_exact && s->is_max_value_exact);
    cr_assert(!s->has_min, "no legacy min for strings");
    /* string column "s" (3 distinct of 20) is dictionary encoded */
    const pq_column_meta *cm = &pq_file_metadata(f)->row_groups[0].columns[6].meta_data;
    cr_assert(cm->has_dictionary_page_offset);
    bool has_dict_enc = false;
    for (int i = 0; i < cm->n_encodings; i++)
        has_dict_enc |= cm->encodings[i] == PQ_ENC_RLE_DICTIONARY;
    cr_assert(has_dict_enc);
    cr_assert_lt(cm->dictionary_page_offset, cm->data_page_offset);
    cr_assert_eq(cm->n_encoding_stats, 2);
    cr_assert_eq(cm->encoding_stats[0].page_type, PQ_PAGE_DICTIONARY);
    cr_assert_eq(cm->encoding_stats[1].page_type, PQ_PAGE_DATA);
    cr_assert_eq(cm->encoding_stats[1].encoding, PQ_ENC_RLE_DICTIONARY);
    cr_assert_eq(cm->encoding_stats[1].count, 1);
    pq_file_close(f);
    unlink(path);
}

Test(pq_writer, stats_plain_and_truncated)
{
    char *path = tmp_path("stats_plain");
    pq_file *f = write_stats_file(path, true, true);
    check_numeric_stats(f);
    const pq_statistics *s = col_stats(f, 6);
    /* 151-byte strings: min "m000..0" truncated to 64, max "z0..05" truncated
    ** to 64 bytes with the last byte incremented ('0' -> '1') */
    cr_assert_eq(s->min_value.len, 64);
    cr_assert_eq(s->min_value.ptr[0], 'm');
    cr_assert(!s->is_min_value_exact);
    cr_assert_eq(s->max_value.len, 64);
    cr_assert_eq(s->max_value.ptr[0], 'z');
    cr_assert_eq(s->max_value.ptr[63], '1');
    cr_assert(!s->is_max_value_exact);
    const pq_column_meta *cm = &pq_file_metadata(f)->row_groups[0].columns[6].meta_data;
    cr_assert(!cm->has_dictionary_page_offset);
    for (int i = 0; i < cm->n_encodings; i++)
        cr_assert_neq(cm->encodings[i], PQ_ENC_RLE_DICTIONARY);
    pq_file_close(f);
    unlink(path);
}

/* Unique values (more distinct than half the values) fall back to PLAIN. */
Test(pq_writer, dictionary_fallback_rule)
{
    char *path = tmp_path("fallback");
    pq_file *f = write_stats_file(path, true, false);
    const pq_row_group *rg = &pq_file_metadata(f)->row_groups[0];
    cr_assert(!rg->columns[6].meta_data.has_dictionary_page_offset, "unique strings");
    cr_assert(!rg->columns[2].meta_data.has_dictionary_page_offset, "unique u64");
    cr_assert(rg->columns[5].meta_data.has_dictionary_page_offset, "two zeros");
    cr_assert(!rg->columns[9].meta_data.has_dictionary_page_offset, "bool is always plain");
    pq_file_close(f);
    unlink(path);
}

/* ---- larger files, options, footer --------------------------------------- */

static vec_field big_fields[] = {
    {"k", {.id = VEC_INT64}, false},
    {"cat", {.id = VEC_STRING}, true},
    {"v", {.id = VEC_DOUBLE}, true},
    {"run", {.id = VEC_INT64}, true},
};
static vec_schema big_schema = {4, big_fields};

static vec_batch *big_batch(int64_t first, int64_t n)
{
    st_error err;
    st_error_init(&err);
    vec_builder *bs[4];
    for (int c = 0; c < 4; c++)
        bs[c] = vec_builder_new(&big_fields[c].type);
    for (int64_t g = first; g < first + n; g++) {
        ok(vec_builder_append_i64(bs[0], g, &err), &err);
        char txt[32];
        snprintf(txt, sizeof txt, "category-%ld", (long)(g * 31 % 97));
        if (g % 50 == 7)
            ok(vec_builder_append_null(bs[1], &err), &err);
        else
            ok(vec_builder_append_bytes(bs[1], txt, strlen(txt), &err), &err);
        ok(vec_builder_append_f64(bs[2], (double)(g % 1000) * 1.5, &err), &err);
        ok(vec_builder_append_i64(bs[3], g / 3, &err), &err);
    }
    return batch_of(&big_schema, bs);
}

Test(pq_writer, many_batches_row_groups_and_kv)
{
    enum { N_BATCHES = 12, ROWS = 20000 };
    vec_batch *bs[N_BATCHES];
    for (int i = 0; i < N_BATCHES; i++)
        bs[i] = big_batch((int64_t)i * ROWS, ROWS);
    pq_key_value kv[2] = {{"org.strata.test", "yes"}, {"no.value", NULL}};
    pq_write_options opt = {0};
    opt.codec = PQ_CODEC_SNAPPY;
    opt.row_group_rows = 100000;
    opt.page_bytes = 64 * 1024;
    opt.kv = kv;
    opt.n_kv = 2;
    char *path = tmp_path("big");
    roundtrip(path, &big_schema, bs, N_BATCHES, &opt, 4096);
    for (int i = 0; i < N_BATCHES; i++)
        vec_batch_free(bs[i]);
    st_error err;
    st_error_init(&err);
    pq_file *f;
    ok(pq_file_open(path, &f, &err), &err);
    const pq_file_meta *m = pq_file_metadata(f);
    cr_assert_eq(m->n_row_groups, 3);
    cr_assert_eq(m->row_groups[0].num_rows, 100000);
    cr_assert_eq(m->row_groups[2].num_rows, 40000);
    cr_assert_eq(m->num_rows, 240000);
    int64_t prev_end = 4;
    for (int g = 0; g < m->n_row_groups; g++) {
        const pq_row_group *rg = &m->row_groups[g];
        cr_assert(rg->has_ordinal);
        cr_assert_eq(rg->ordinal, g);
        cr_assert_eq(rg->file_offset, prev_end);
        int64_t comp = 0;
        for (int c = 0; c < rg->n_columns; c++)
            comp += rg->columns[c].meta_data.total_compressed_size;
        cr_assert_eq(rg->total_compressed_size, comp);
        prev_end = rg->file_offset + comp;
        pq_chunk_stats cs;
        pq_file_chunk_stats(f, g, 0, &cs);
        cr_assert_eq(cs.min.i, (int64_t)g * 100000);
    }
    cr_assert_eq(m->n_kv, 2);
    cr_assert_str_eq(m->kv[0].key, "org.strata.test");
    cr_assert_str_eq(m->kv[0].value, "yes");
    cr_assert_null(m->kv[1].value);
    /* the category column has 97 values + nulls: dictionary encoded; "k" is
    ** unique (PLAIN after the early check); "run" repeats each value 3 times */
    cr_assert(m->row_groups[1].columns[1].meta_data.has_dictionary_page_offset);
    cr_assert(!m->row_groups[1].columns[0].meta_data.has_dictionary_page_offset);
    cr_assert(m->row_groups[1].columns[3].meta_data.has_dictionary_page_offset);
    cr_assert_eq(m->row_groups[1].columns[1].meta_data.statistics.null_count, 2000);
    pq_file_close(f);
    unlink(path);
}

/* A nullable column whose first batches hold no nulls, then some, then none
** again, inside one row group and across the next; and a required-list-free
** struct path. Levels must come out right whichever batch brings nulls. */
static vec_field late_fields[] = {
    {"a", {.id = VEC_INT32}, true},
    {"s", {.id = VEC_STRING}, true},
    {"b", {.id = VEC_BOOL}, true},
};
static vec_schema late_schema = {3, late_fields};

static vec_batch *late_batch(int64_t first, int64_t n, bool with_nulls)
{
    st_error err;
    st_error_init(&err);
    vec_builder *bs[3];
    for (int c = 0; c < 3; c++)
        bs[c] = vec_builder_new(&late_fields[c].type);
    for (int64_t g = first; g < first + n; g++) {
        bool null = with_nulls && g % 5 == 2;
        char txt[16];
        snprintf(txt, sizeof txt, "t%ld", (long)(g % 9));
        if (null) {
            for (int c = 0; c < 3; c++)
                ok(vec_builder_append_null(bs[c], &err), &err);
            continue;
        }
        ok(vec_builder_append_i64(bs[0], g, &err), &err);
        ok(vec_builder_append_bytes(bs[1], txt, strlen(txt), &err), &err);
        ok(vec_builder_append_bool(bs[2], g % 2, &err), &err);
    }
    return batch_of(&late_schema, bs);
}

Test(pq_writer, nulls_after_clean_prefix)
{
    vec_batch *bs[4] = {late_batch(0, 300, false), late_batch(300, 300, true),
                        late_batch(600, 500, false), late_batch(1100, 100, true)};
    pq_write_options opt = {0};
    opt.row_group_rows = 1000;
    opt.page_bytes = 100;
    char *path = tmp_path("late");
    roundtrip(path, &late_schema, bs, 4, &opt, 0);
    st_error err;
    st_error_init(&err);
    pq_file *f;
    ok(pq_file_open(path, &f, &err), &err);
    const pq_file_meta *m = pq_file_metadata(f);
    cr_assert_eq(m->n_row_groups, 2);
    cr_assert_eq(m->row_groups[0].columns[0].meta_data.statistics.null_count, 60);
    cr_assert_eq(m->row_groups[1].columns[1].meta_data.statistics.null_count, 20);
    pq_file_close(f);
    unlink(path);
    for (int i = 0; i < 4; i++)
        vec_batch_free(bs[i]);
}

Test(pq_writer, empty_file_and_metadata_accessor)
{
    st_error err;
    st_error_init(&err);
    char *path = tmp_path("empty");
    pq_writer *w;
    ok(pq_writer_open(path, &big_schema, NULL, &w, &err), &err);
    const pq_file_meta *m = pq_writer_metadata(w);
    cr_assert_eq(m->n_row_groups, 0);
    cr_assert_eq(m->n_schema, 5);
    pq_write_result res;
    ok(pq_writer_close(w, &res, &err), &err);
    cr_assert_eq(res.n_rows, 0);
    pq_file *f;
    ok(pq_file_open(path, &f, &err), &err);
    cr_assert_eq(pq_file_num_rows(f), 0);
    cr_assert_eq(pq_file_num_row_groups(f), 0);
    struct stat sb;
    cr_assert_eq(stat(path, &sb), 0);
    cr_assert_eq(res.file_bytes, (int64_t)sb.st_size);
    pq_file_close(f);
    unlink(path);

    /* after a row-group flush the accessor shows it */
    pq_write_options opt = {0};
    opt.row_group_rows = 100;
    ok(pq_writer_open(path, &big_schema, &opt, &w, &err), &err);
    vec_batch *b = big_batch(0, 250);
    ok(pq_writer_write(w, b, &err), &err);
    m = pq_writer_metadata(w);
    cr_assert_eq(m->n_row_groups, 2);
    cr_assert_eq(m->num_rows, 200);
    cr_assert(m->row_groups[1].columns[0].meta_data.statistics.has_min_value);
    ok(pq_writer_close(w, &res, &err), &err);
    cr_assert_eq(res.n_rows, 250);
    vec_batch_free(b);
    unlink(path);
}

/* ---- errors and cleanup -------------------------------------------------- */

Test(pq_writer, abort_removes_file)
{
    st_error err;
    st_error_init(&err);
    char *path = tmp_path("abort");
    pq_writer *w;
    ok(pq_writer_open(path, &big_schema, NULL, &w, &err), &err);
    vec_batch *b = big_batch(0, 100);
    ok(pq_writer_write(w, b, &err), &err);
    cr_assert_eq(access(path, F_OK), 0);
    pq_writer_abort(w);
    cr_assert_neq(access(path, F_OK), 0);
    pq_writer_abort(NULL);
    vec_batch_free(b);
}

static vec_field other_fields[] = {
    {"k", {.id = VEC_INT64}, false},
    {"cat", {.id = VEC_INT32}, true},
    {"v", {.id = VEC_DOUBLE}, true},
    {"run", {.id = VEC_INT64}, true},
};
static vec_schema other_schema = {4, other_fields};

Test(pq_writer, schema_mismatch_names_column)
{
    st_error err;
    st_error_init(&err);
    char *path = tmp_path("mismatch");
    pq_writer *w;
    ok(pq_writer_open(path, &big_schema, NULL, &w, &err), &err);
    vec_builder *bs[4];
    for (int c = 0; c < 4; c++)
        bs[c] = vec_builder_new(&other_fields[c].type);
    ok(vec_builder_append_i64(bs[0], 1, &err), &err);
    ok(vec_builder_append_i64(bs[1], 2, &err), &err);
    ok(vec_builder_append_f64(bs[2], 3, &err), &err);
    ok(vec_builder_append_i64(bs[3], 4, &err), &err);
    vec_batch *b = batch_of(&other_schema, bs);
    cr_assert_eq(pq_writer_write(w, b, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "\"cat\"") != NULL, "%s", err.msg);
    /* the writer is still usable with a matching batch */
    vec_batch *good = big_batch(0, 10);
    ok(pq_writer_write(w, good, &err), &err);
    ok(pq_writer_close(w, NULL, &err), &err);
    cr_assert_eq(access(path, F_OK), 0);
    unlink(path);
    vec_batch_free(b);
    vec_batch_free(good);
}

/* A null in a non-nullable column fails the write; close then removes the
** partial file. */
Test(pq_writer, null_in_required_fails_and_close_cleans_up)
{
    st_error err;
    st_error_init(&err);
    static vec_field req[] = {{"k", {.id = VEC_INT64}, false}};
    static vec_field nul[] = {{"k", {.id = VEC_INT64}, true}};
    vec_schema req_s = {1, req}, nul_s = {1, nul};
    char *path = tmp_path("required");
    pq_writer *w;
    ok(pq_writer_open(path, &req_s, NULL, &w, &err), &err);
    vec_builder *bs[1] = {vec_builder_new(&nul[0].type)};
    ok(vec_builder_append_i64(bs[0], 1, &err), &err);
    ok(vec_builder_append_null(bs[0], &err), &err);
    vec_batch *b = batch_of(&nul_s, bs);
    b->schema = &req_s;   /* same types; the vector still holds a null */
    cr_assert_eq(pq_writer_write(w, b, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "\"k\"") != NULL, "%s", err.msg);
    cr_assert_eq(access(path, F_OK), 0);
    cr_assert_neq(pq_writer_close(w, NULL, &err), ST_OK);
    cr_assert_neq(access(path, F_OK), 0);
    vec_batch_free(b);
}

Test(pq_writer, open_errors)
{
    st_error err;
    st_error_init(&err);
    pq_writer *w;
    cr_assert_neq(pq_writer_open("/nonexistent-dir/x.parquet", &big_schema, NULL, &w, &err),
                  ST_OK);
    cr_assert(strstr(err.msg, "/nonexistent-dir/x.parquet") != NULL, "%s", err.msg);
    cr_assert_null(w);
    pq_write_options opt = {0};
    opt.codec = PQ_CODEC_LZO;
    cr_assert_eq(pq_writer_open(tmp_path("lzo"), &big_schema, &opt, &w, &err), ST_ERR_ARGUMENT);
    cr_assert_neq(access(tmp_path("lzo"), F_OK), 0);
    static vec_field empty_struct[] = {{"e", {.id = VEC_STRUCT, .n_children = 0}, true}};
    vec_schema es = {1, empty_struct};
    cr_assert_eq(pq_writer_open(tmp_path("es"), &es, NULL, &w, &err), ST_ERR_UNSUPPORTED);
    static vec_field bad_dec[] = {{"d", {.id = VEC_DECIMAL, .precision = 40}, true}};
    vec_schema bd = {1, bad_dec};
    cr_assert_eq(pq_writer_open(tmp_path("bd"), &bd, NULL, &w, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "\"d\"") != NULL, "%s", err.msg);
}

/* A failing write (file size limit: EFBIG) is ST_ERR_IO naming the file, and
** the partial file is removed. Criterion runs each test in its own process,
** so the limit does not leak into other tests. */
Test(pq_writer, io_error_removes_file)
{
    st_error err;
    st_error_init(&err);
    signal(SIGXFSZ, SIG_IGN);
    char *path = tmp_path("efbig");
    vec_batch *b = big_batch(0, 200000);   /* ~7 MiB: passes the 1 MiB write buffer */
    pq_write_options opt = {0};
    opt.codec = PQ_CODEC_UNCOMPRESSED;
    opt.no_dictionary = true;
    opt.row_group_rows = 10000;
    pq_writer *w;
    ok(pq_writer_open(path, &big_schema, &opt, &w, &err), &err);
    struct rlimit rl = {64 * 1024, 64 * 1024};
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    st_status rc = pq_writer_write(w, b, &err);
    cr_assert_eq(rc, ST_ERR_IO, "rc %d: %s", rc, err.msg);
    cr_assert(strstr(err.msg, path) != NULL, "%s", err.msg);
    cr_assert_eq(pq_writer_write(w, b, &err), ST_ERR_ARGUMENT, "a failed writer refuses batches");
    cr_assert_neq(pq_writer_close(w, NULL, &err), ST_OK);
    cr_assert_neq(access(path, F_OK), 0);
    vec_batch_free(b);
}

/* Every allocation failure on the writer's path is reported (ST_ERR_NOMEM),
** leaks nothing (checked under ASan) and leaves no file behind. */
Test(pq_writer, allocation_failures_are_clean)
{
    vec_batch *bs[2] = {nested_batch(0, 300), scalar_batch(0, 300)};
    const vec_schema *schemas[2] = {&nested_schema, &scalar_schema};
    char *path = tmp_path("oom");
    for (int k = 0; k < 2; k++) {
        int failures = 0;
        for (long n = 0; n < 4000; n += n < 200 ? 1 : 37) {
            st_error err;
            st_error_init(&err);
            pq_write_options opt = {0};
            opt.row_group_rows = 100;
            opt.page_bytes = 256;
            pq_writer *w;
            st_alloc_fail_after(n);
            st_status rc = pq_writer_open(path, schemas[k], &opt, &w, &err);
            if (rc == ST_OK)
                rc = pq_writer_write(w, bs[k], &err);
            if (rc == ST_OK)
                rc = pq_writer_close(w, NULL, &err);
            else if (w)
                pq_writer_abort(w);
            st_alloc_fail_after(-1);
            if (rc != ST_OK) {
                cr_assert_eq(rc, ST_ERR_NOMEM, "after %ld allocations: %s", n, err.msg);
                cr_assert_neq(access(path, F_OK), 0, "file left after failure at %ld", n);
                failures++;
            } else {
                rowset got = {0};
                read_rows(path, &got, 0);
                cr_assert_eq(got.n, 300);
                rowset_free(&got);
                unlink(path);
            }
        }
        cr_assert_gt(failures, 20);
    }
    vec_batch_free(bs[0]);
    vec_batch_free(bs[1]);
}
