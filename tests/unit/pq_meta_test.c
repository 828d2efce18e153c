/* pq_meta_test.c -- tests of the Thrift compact codec (pq_thrift.c) and the
** Parquet metadata codec (pq_meta.c): every footer and first page header of
** the parquet-testing files parses sanely and round-trips through the writer;
** alltypes_plain.parquet matches its known schema; constructed metadata and
** page headers round-trip field by field; truncated and bit-flipped footers
** fail cleanly (run under ASan to catch overruns).
** Test data: $STRATA_TESTDATA, else ../shared/testdata from the repo root. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/parquet/pq_meta.h"
#include "format/parquet/pq_thrift.h"

/* ---- helpers ------------------------------------------------------------- */

static const char *testdata_dir(void)
{
    const char *d = getenv("STRATA_TESTDATA");
    return d && *d ? d : "../shared/testdata";
}

typedef struct file_list {
    char **paths;   /* heap */
    int    n, cap;
} file_list;

static void list_add(file_list *l, const char *path)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->paths = realloc(l->paths, (size_t)l->cap * sizeof *l->paths);
        cr_assert_not_null(l->paths);
    }
    l->paths[l->n++] = strdup(path);
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Every *.parquet file under dir, recursively. */
static void find_parquet(const char *dir, file_list *l)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (has_suffix(e->d_name, ".parquet"))
            list_add(l, path);
        else if (e->d_type == DT_DIR)
            find_parquet(path, l);
    }
    closedir(d);
}

static void list_free(file_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->paths[i]);
    free(l->paths);
}

static file_list data_files(const char *sub)
{
    file_list l = { 0 };
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/parquet/%s", testdata_dir(), sub);
    find_parquet(dir, &l);
    return l;
}

typedef struct pq_file_bytes {
    uint8_t *data;        /* st_malloc'd whole file */
    size_t   len;
    const uint8_t *footer;/* into data */
    size_t   footer_len;
    bool     encrypted;   /* ends in "PARE" */
} pq_file_bytes;

/* Reads path whole and locates its footer; false if it is not plain Parquet. */
static bool load_file(const char *path, pq_file_bytes *f)
{
    st_error err;
    st_error_init(&err);
    memset(f, 0, sizeof *f);
    cr_assert_eq(st_file_read_all(path, &f->data, &f->len, &err), ST_OK, "%s: %s", path, err.msg);
    if (f->len < 12)
        return false;
    const uint8_t *tail = f->data + f->len - 4;
    f->encrypted = memcmp(tail, "PARE", 4) == 0;
    if (memcmp(tail, "PAR1", 4) != 0)
        return false;
    uint32_t flen = st_load_le32(f->data + f->len - 8);
    cr_assert(flen <= f->len - 12, "%s: footer length %u too large", path, flen);
    f->footer = f->data + f->len - 8 - flen;
    f->footer_len = flen;
    return true;
}

/* Copy to an exact-size heap buffer so ASan sees any read past the end. */
static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
    uint8_t *d = st_malloc(n ? n : 1);
    cr_assert_not_null(d);
    if (n)
        memcpy(d, p, n);
    return d;
}

/* ---- structural equality ---------------------------------------------------- */

static void eq_str(const char *a, const char *b, const char *what)
{
    if (!a || !b)
        cr_assert(a == b, "%s: one side is NULL (%s vs %s)", what, a ? a : "NULL", b ? b : "NULL");
    else
        cr_assert_str_eq(a, b, "%s", what);
}

static void eq_bytes(const pq_bytes *a, const pq_bytes *b, const char *what)
{
    cr_assert_eq(a->len, b->len, "%s length %d vs %d", what, a->len, b->len);
    if (a->len > 0)
        cr_assert(memcmp(a->ptr, b->ptr, (size_t)a->len) == 0, "%s bytes differ", what);
}

static void eq_stats(const pq_statistics *a, const pq_statistics *b)
{
    cr_assert_eq(a->has_max, b->has_max);
    cr_assert_eq(a->has_min, b->has_min);
    cr_assert_eq(a->has_null_count, b->has_null_count);
    cr_assert_eq(a->has_distinct_count, b->has_distinct_count);
    cr_assert_eq(a->has_max_value, b->has_max_value);
    cr_assert_eq(a->has_min_value, b->has_min_value);
    cr_assert_eq(a->has_is_max_exact, b->has_is_max_exact);
    cr_assert_eq(a->has_is_min_exact, b->has_is_min_exact);
    eq_bytes(&a->max, &b->max, "stats max");
    eq_bytes(&a->min, &b->min, "stats min");
    eq_bytes(&a->max_value, &b->max_value, "stats max_value");
    eq_bytes(&a->min_value, &b->min_value, "stats min_value");
    cr_assert_eq(a->null_count, b->null_count);
    cr_assert_eq(a->distinct_count, b->distinct_count);
    cr_assert_eq(a->is_max_value_exact, b->is_max_value_exact);
    cr_assert_eq(a->is_min_value_exact, b->is_min_value_exact);
}

static void eq_kv(const pq_key_value *a, int na, const pq_key_value *b, int nb)
{
    cr_assert_eq(na, nb, "kv count %d vs %d", na, nb);
    for (int i = 0; i < na; i++) {
        eq_str(a[i].key, b[i].key, "kv key");
        eq_str(a[i].value, b[i].value, "kv value");
    }
}

static void eq_schema(const pq_schema_element *a, const pq_schema_element *b)
{
    eq_str(a->name, b->name, "schema name");
    cr_assert_eq(a->has_type, b->has_type, "%s has_type", a->name);
    cr_assert_eq(a->type, b->type, "%s type", a->name);
    cr_assert_eq(a->type_length, b->type_length, "%s type_length", a->name);
    cr_assert_eq(a->has_repetition, b->has_repetition, "%s has_repetition", a->name);
    cr_assert_eq(a->repetition, b->repetition, "%s repetition", a->name);
    cr_assert_eq(a->num_children, b->num_children, "%s num_children", a->name);
    cr_assert_eq(a->converted_type, b->converted_type, "%s converted_type", a->name);
    cr_assert_eq(a->scale, b->scale, "%s scale", a->name);
    cr_assert_eq(a->precision, b->precision, "%s precision", a->name);
    cr_assert_eq(a->has_field_id, b->has_field_id, "%s has_field_id", a->name);
    cr_assert_eq(a->field_id, b->field_id, "%s field_id", a->name);
    const pq_logical_type *x = &a->logical, *y = &b->logical;
    /* a member unknown to the reader (OTHER) cannot be written back */
    int kind = x->kind == PQ_LT_OTHER ? PQ_LT_NONE : x->kind;
    cr_assert_eq(kind, y->kind, "%s logical kind %d vs %d", a->name, x->kind, y->kind);
    cr_assert_eq(x->dec_scale, y->dec_scale, "%s dec_scale", a->name);
    cr_assert_eq(x->dec_precision, y->dec_precision, "%s dec_precision", a->name);
    cr_assert_eq(x->is_adjusted_utc, y->is_adjusted_utc, "%s is_adjusted_utc", a->name);
    cr_assert_eq(x->unit, y->unit, "%s unit", a->name);
    cr_assert_eq(x->int_bit_width, y->int_bit_width, "%s int_bit_width", a->name);
    cr_assert_eq(x->int_signed, y->int_signed, "%s int_signed", a->name);
}

static void eq_column_meta(const pq_column_meta *a, const pq_column_meta *b)
{
    cr_assert_eq(a->type, b->type);
    cr_assert_eq(a->n_encodings, b->n_encodings);
    for (int i = 0; i < a->n_encodings; i++)
        cr_assert_eq(a->encodings[i], b->encodings[i]);
    cr_assert_eq(a->n_path, b->n_path);
    for (int i = 0; i < a->n_path; i++)
        eq_str(a->path_in_schema[i], b->path_in_schema[i], "path_in_schema");
    cr_assert_eq(a->codec, b->codec);
    cr_assert_eq(a->num_values, b->num_values);
    cr_assert_eq(a->total_uncompressed_size, b->total_uncompressed_size);
    cr_assert_eq(a->total_compressed_size, b->total_compressed_size);
    eq_kv(a->kv, a->n_kv, b->kv, b->n_kv);
    cr_assert_eq(a->data_page_offset, b->data_page_offset);
    cr_assert_eq(a->has_index_page_offset, b->has_index_page_offset);
    cr_assert_eq(a->index_page_offset, b->index_page_offset);
    cr_assert_eq(a->has_dictionary_page_offset, b->has_dictionary_page_offset);
    cr_assert_eq(a->dictionary_page_offset, b->dictionary_page_offset);
    cr_assert_eq(a->has_statistics, b->has_statistics);
    eq_stats(&a->statistics, &b->statistics);
    cr_assert_eq(a->n_encoding_stats, b->n_encoding_stats);
    for (int i = 0; i < a->n_encoding_stats; i++) {
        cr_assert_eq(a->encoding_stats[i].page_type, b->encoding_stats[i].page_type);
        cr_assert_eq(a->encoding_stats[i].encoding, b->encoding_stats[i].encoding);
        cr_assert_eq(a->encoding_stats[i].count, b->encoding_stats[i].count);
    }
    cr_assert_eq(a->has_bloom_filter, b->has_bloom_filter);
    cr_assert_eq(a->bloom_filter_offset, b->bloom_filter_offset);
    cr_assert_eq(a->bloom_filter_length, b->bloom_filter_length);
}

static void eq_chunk(const pq_column_chunk *a, const pq_column_chunk *b)
{
    eq_str(a->file_path, b->file_path, "file_path");
    cr_assert_eq(a->file_offset, b->file_offset);
    cr_assert_eq(a->has_meta_data, b->has_meta_data);
    if (a->has_meta_data)
        eq_column_meta(&a->meta_data, &b->meta_data);
    cr_assert_eq(a->has_offset_index, b->has_offset_index);
    cr_assert_eq(a->offset_index_offset, b->offset_index_offset);
    cr_assert_eq(a->offset_index_length, b->offset_index_length);
    cr_assert_eq(a->has_column_index, b->has_column_index);
    cr_assert_eq(a->column_index_offset, b->column_index_offset);
    cr_assert_eq(a->column_index_length, b->column_index_length);
}

static void eq_file_meta(const pq_file_meta *a, const pq_file_meta *b)
{
    cr_assert_eq(a->version, b->version);
    cr_assert_eq(a->num_rows, b->num_rows);
    cr_assert_eq(a->n_schema, b->n_schema);
    for (int i = 0; i < a->n_schema; i++)
        eq_schema(&a->schema[i], &b->schema[i]);
    cr_assert_eq(a->n_row_groups, b->n_row_groups);
    for (int g = 0; g < a->n_row_groups; g++) {
        const pq_row_group *x = &a->row_groups[g], *y = &b->row_groups[g];
        cr_assert_eq(x->n_columns, y->n_columns);
        for (int i = 0; i < x->n_columns; i++)
            eq_chunk(&x->columns[i], &y->columns[i]);
        cr_assert_eq(x->total_byte_size, y->total_byte_size);
        cr_assert_eq(x->num_rows, y->num_rows);
        cr_assert_eq(x->n_sorting, y->n_sorting);
        for (int i = 0; i < x->n_sorting; i++) {
            cr_assert_eq(x->sorting_columns[i].column_idx, y->sorting_columns[i].column_idx);
            cr_assert_eq(x->sorting_columns[i].descending, y->sorting_columns[i].descending);
            cr_assert_eq(x->sorting_columns[i].nulls_first, y->sorting_columns[i].nulls_first);
        }
        cr_assert_eq(x->has_file_offset, y->has_file_offset);
        cr_assert_eq(x->file_offset, y->file_offset);
        cr_assert_eq(x->has_total_compressed_size, y->has_total_compressed_size);
        cr_assert_eq(x->total_compressed_size, y->total_compressed_size);
        cr_assert_eq(x->has_ordinal, y->has_ordinal);
        cr_assert_eq(x->ordinal, y->ordinal);
    }
    eq_kv(a->kv, a->n_kv, b->kv, b->n_kv);
    eq_str(a->created_by, b->created_by, "created_by");
    cr_assert_eq(a->n_column_orders, b->n_column_orders);
}

static void eq_page_header(const pq_page_header *a, const pq_page_header *b)
{
    cr_assert_eq(a->type, b->type);
    cr_assert_eq(a->uncompressed_page_size, b->uncompressed_page_size);
    cr_assert_eq(a->compressed_page_size, b->compressed_page_size);
    cr_assert_eq(a->has_crc, b->has_crc);
    cr_assert_eq(a->crc, b->crc);
    cr_assert_eq(a->has_data_page, b->has_data_page);
    cr_assert_eq(a->data_page.num_values, b->data_page.num_values);
    cr_assert_eq(a->data_page.encoding, b->data_page.encoding);
    cr_assert_eq(a->data_page.definition_level_encoding, b->data_page.definition_level_encoding);
    cr_assert_eq(a->data_page.repetition_level_encoding, b->data_page.repetition_level_encoding);
    cr_assert_eq(a->data_page.has_statistics, b->data_page.has_statistics);
    eq_stats(&a->data_page.statistics, &b->data_page.statistics);
    cr_assert_eq(a->has_dictionary_page, b->has_dictionary_page);
    cr_assert_eq(a->dictionary_page.num_values, b->dictionary_page.num_values);
    cr_assert_eq(a->dictionary_page.encoding, b->dictionary_page.encoding);
    cr_assert_eq(a->dictionary_page.is_sorted, b->dictionary_page.is_sorted);
    cr_assert_eq(a->has_data_page_v2, b->has_data_page_v2);
    const pq_data_page_header_v2 *x = &a->data_page_v2, *y = &b->data_page_v2;
    cr_assert_eq(x->num_values, y->num_values);
    cr_assert_eq(x->num_nulls, y->num_nulls);
    cr_assert_eq(x->num_rows, y->num_rows);
    cr_assert_eq(x->encoding, y->encoding);
    cr_assert_eq(x->definition_levels_byte_length, y->definition_levels_byte_length);
    cr_assert_eq(x->repetition_levels_byte_length, y->repetition_levels_byte_length);
    cr_assert_eq(x->is_compressed, y->is_compressed);
    cr_assert_eq(x->has_statistics, y->has_statistics);
    eq_stats(&x->statistics, &y->statistics);
}

/* ---- (a) every test file ------------------------------------------------------ */

static int count_leaves(const pq_file_meta *m)
{
    int n = 0;
    for (int i = 1; i < m->n_schema; i++)
        if (m->schema[i].num_children == 0)
            n++;
    return n;
}

static void check_footer_sanity(const char *path, const pq_file_meta *m)
{
    cr_assert_geq(m->n_schema, 1, "%s: empty schema", path);
    int64_t rows = 0;
    for (int g = 0; g < m->n_row_groups; g++)
        rows += m->row_groups[g].num_rows;
    if (strstr(path, "/repeated_no_annotation.parquet")) {
        /* its writer left FileMetaData.num_rows at 0; the row group holds 6 */
        cr_assert_eq(m->num_rows, 0);
        cr_assert_eq(rows, 6);
    } else {
        cr_assert_eq(rows, m->num_rows, "%s: num_rows %lld, row groups sum to %lld", path,
                     (long long)m->num_rows, (long long)rows);
    }
    for (int i = 1; i < m->n_schema; i++) {
        const pq_schema_element *e = &m->schema[i];
        cr_assert_not_null(e->name, "%s: element %d has no name", path, i);
        if (e->num_children == 0)
            cr_assert(e->has_type, "%s: leaf \"%s\" has no physical type", path, e->name);
    }
    int leaves = count_leaves(m);
    for (int g = 0; g < m->n_row_groups; g++) {
        const pq_row_group *rg = &m->row_groups[g];
        cr_assert_eq(rg->n_columns, leaves, "%s: row group %d has %d chunks for %d leaves", path, g,
                     rg->n_columns, leaves);
        for (int i = 0; i < rg->n_columns; i++) {
            const pq_column_chunk *cc = &rg->columns[i];
            cr_assert(cc->has_meta_data, "%s: chunk %d has no metadata", path, i);
            cr_assert_geq(cc->meta_data.n_path, 1, "%s: chunk %d has an empty path", path, i);
        }
    }
}

static void check_first_page(const char *path, const pq_file_bytes *f, const pq_file_meta *m)
{
    if (m->n_row_groups == 0 || m->row_groups[0].n_columns == 0)
        return;
    const pq_column_meta *cm = &m->row_groups[0].columns[0].meta_data;
    int64_t off = cm->has_dictionary_page_offset && cm->dictionary_page_offset > 0
                      ? cm->dictionary_page_offset
                      : cm->data_page_offset;
    cr_assert(off >= 4 && (size_t)off < f->len, "%s: first page offset %lld", path, (long long)off);
    size_t avail = f->len - (size_t)off;
    uint8_t *copy = dup_bytes(f->data + off, avail);
    pq_page_header h;
    size_t hdr_len = 0;
    st_error err;
    st_error_init(&err);
    st_status rc = pq_meta_parse_page_header(copy, avail, &h, &hdr_len, &err);
    cr_assert_eq(rc, ST_OK, "%s: page header at %lld: %s", path, (long long)off, err.msg);
    cr_assert(h.type >= PQ_PAGE_DATA && h.type <= PQ_PAGE_DATA_V2, "%s: page type %d", path, h.type);
    /* an empty chunk (column_chunk_key_value_metadata.parquet) has an empty page */
    if (cm->num_values > 0)
        cr_assert_gt(h.compressed_page_size, 0, "%s: compressed page size %d", path,
                     h.compressed_page_size);
    else
        cr_assert_geq(h.compressed_page_size, 0, "%s: compressed page size %d", path,
                      h.compressed_page_size);
    cr_assert(hdr_len > 0 && hdr_len <= avail, "%s: header length %zu", path, hdr_len);
    cr_assert(h.has_data_page || h.has_dictionary_page || h.has_data_page_v2,
              "%s: first page has no typed header", path);
    if (h.type == PQ_PAGE_DICTIONARY)
        cr_assert(h.has_dictionary_page, "%s: dictionary page without its header", path);
    st_free(copy);
}

/* write(parse(footer)) parses to the same metadata and re-encodes to the
** same bytes. */
static void check_rewrite(const char *path, const pq_file_meta *m)
{
    st_error err;
    st_error_init(&err);
    st_buf b1, b2;
    st_buf_init(&b1);
    st_buf_init(&b2);
    cr_assert_eq(pq_meta_write_file(&b1, m, &err), ST_OK, "%s: write: %s", path, err.msg);
    st_arena *a = st_arena_new(0);
    pq_file_meta m2;
    cr_assert_eq(pq_meta_parse_file(b1.data, b1.len, a, &m2, &err), ST_OK, "%s: reparse: %s", path,
                 err.msg);
    eq_file_meta(m, &m2);
    cr_assert_eq(pq_meta_write_file(&b2, &m2, &err), ST_OK);
    cr_assert_eq(b1.len, b2.len, "%s: re-encoding differs in length", path);
    cr_assert(memcmp(b1.data, b2.data, b1.len) == 0, "%s: re-encoding differs", path);
    st_arena_free(a);
    st_buf_destroy(&b1);
    st_buf_destroy(&b2);
}

Test(pq_meta, every_testdata_footer)
{
    file_list files = data_files("data");
    cr_assert_geq(files.n, 50, "found only %d parquet files under %s", files.n, testdata_dir());
    int parsed = 0;
    for (int i = 0; i < files.n; i++) {
        const char *path = files.paths[i];
        pq_file_bytes f;
        if (!load_file(path, &f) || f.encrypted) {
            st_free(f.data);
            continue;
        }
        uint8_t *footer = dup_bytes(f.footer, f.footer_len);
        st_arena *a = st_arena_new(0);
        pq_file_meta m;
        st_error err;
        st_error_init(&err);
        st_status rc = pq_meta_parse_file(footer, f.footer_len, a, &m, &err);
        cr_assert_eq(rc, ST_OK, "%s: %s", path, err.msg);
        st_free(footer);              /* everything must live in the arena */
        check_footer_sanity(path, &m);
        check_first_page(path, &f, &m);
        check_rewrite(path, &m);
        parsed++;
        st_arena_free(a);
        st_free(f.data);
    }
    cr_assert_geq(parsed, 50);
    list_free(&files);
}

/* Files reproducing reader bugs: their footers parse or fail cleanly. */
Test(pq_meta, bad_data_footers_fail_cleanly)
{
    file_list files = data_files("bad_data");
    cr_assert_geq(files.n, 5);
    bool saw_1481 = false;
    for (int i = 0; i < files.n; i++) {
        pq_file_bytes f;
        if (!load_file(files.paths[i], &f)) {
            st_free(f.data);
            continue;
        }
        uint8_t *footer = dup_bytes(f.footer, f.footer_len);
        st_arena *a = st_arena_new(0);
        pq_file_meta m;
        st_error err;
        st_error_init(&err);
        st_status rc = pq_meta_parse_file(footer, f.footer_len, a, &m, &err);
        cr_assert(rc == ST_OK || rc == ST_ERR_CORRUPT, "%s: status %d", files.paths[i], rc);
        if (strstr(files.paths[i], "PARQUET-1481")) {
            saw_1481 = true;
            cr_assert_eq(rc, ST_ERR_CORRUPT, "PARQUET-1481 has a corrupt schema type");
            cr_assert(strstr(err.msg, "physical type") != NULL, "message: %s", err.msg);
        }
        st_free(footer);
        st_arena_free(a);
        st_free(f.data);
    }
    cr_assert(saw_1481);
    list_free(&files);
}

/* ---- (b) alltypes_plain.parquet ------------------------------------------------ */

static bool parse_test_file(const char *name, pq_file_bytes *f, st_arena *a, pq_file_meta *m)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/parquet/data/%s", testdata_dir(), name);
    cr_assert(load_file(path, f), "%s is not plain parquet", path);
    st_error err;
    st_error_init(&err);
    st_status rc = pq_meta_parse_file(f->footer, f->footer_len, a, m, &err);
    cr_assert_eq(rc, ST_OK, "%s: %s", path, err.msg);
    return true;
}

Test(pq_meta, alltypes_plain)
{
    static const char *const names[] = {
        "id", "bool_col", "tinyint_col", "smallint_col", "int_col", "bigint_col", "float_col",
        "double_col", "date_string_col", "string_col", "timestamp_col"
    };
    static const int types[] = {
        PQ_INT32, PQ_BOOLEAN, PQ_INT32, PQ_INT32, PQ_INT32, PQ_INT64, PQ_FLOAT, PQ_DOUBLE,
        PQ_BYTE_ARRAY, PQ_BYTE_ARRAY, PQ_INT96
    };
    pq_file_bytes f;
    st_arena *a = st_arena_new(0);
    pq_file_meta m;
    parse_test_file("alltypes_plain.parquet", &f, a, &m);
    cr_assert_eq(m.num_rows, 8);
    cr_assert_eq(m.n_row_groups, 1);
    cr_assert_eq(m.row_groups[0].num_rows, 8);
    cr_assert_eq(m.n_schema, 12);
    cr_assert_eq(m.schema[0].num_children, 11);
    cr_assert(!m.schema[0].has_type);
    cr_assert_eq(count_leaves(&m), 11);
    for (int i = 0; i < 11; i++) {
        const pq_schema_element *e = &m.schema[i + 1];
        cr_assert_str_eq(e->name, names[i]);
        cr_assert(e->has_type);
        cr_assert_eq(e->type, types[i], "%s: type %s", e->name, pq_physical_name(e->type));
        cr_assert_eq(e->repetition, PQ_OPTIONAL, "%s", e->name);
        cr_assert_eq(e->converted_type, PQ_CT_NONE, "%s", e->name);
        cr_assert_eq(e->logical.kind, PQ_LT_NONE, "%s", e->name);
        const pq_column_meta *cm = &m.row_groups[0].columns[i].meta_data;
        cr_assert_eq(cm->type, types[i]);
        cr_assert_eq(cm->n_path, 1);
        cr_assert_str_eq(cm->path_in_schema[0], names[i]);
        cr_assert_eq(cm->num_values, 8);
        cr_assert_eq(cm->codec, PQ_CODEC_UNCOMPRESSED);
    }
    cr_assert_str_eq(pq_physical_name(m.schema[11].type), "INT96");
    cr_assert_not_null(m.created_by);
    cr_assert(strstr(m.created_by, "impala") != NULL, "created_by %s", m.created_by);
    st_arena_free(a);
    st_free(f.data);
}

Test(pq_meta, logical_types_from_files)
{
    pq_file_bytes f;
    st_arena *a = st_arena_new(0);
    pq_file_meta m;
    /* int32_decimal.parquet: value DECIMAL(4,2) stored as INT32 */
    parse_test_file("int32_decimal.parquet", &f, a, &m);
    cr_assert_eq(m.n_schema, 2);
    const pq_schema_element *e = &m.schema[1];
    cr_assert_eq(e->type, PQ_INT32);
    cr_assert_eq(e->converted_type, PQ_CT_DECIMAL);
    cr_assert_eq(e->precision, 4);
    cr_assert_eq(e->scale, 2);
    st_free(f.data);
    /* unknown-logical-type.parquet: a LogicalType member this reader lacks */
    parse_test_file("unknown-logical-type.parquet", &f, a, &m);
    bool saw_other = false;
    for (int i = 0; i < m.n_schema; i++)
        saw_other |= m.schema[i].logical.kind == PQ_LT_OTHER;
    cr_assert(saw_other);
    st_free(f.data);
    st_arena_free(a);
}

/* ---- (c) constructed round trips ----------------------------------------------- */

static pq_schema_element leaf(const char *name, int type, int rep, int ct)
{
    pq_schema_element e = { 0 };
    e.name = name;
    e.has_type = true;
    e.type = type;
    e.has_repetition = true;
    e.repetition = rep;
    e.converted_type = ct;
    return e;
}

static pq_schema_element group(const char *name, int rep, int children, int ct)
{
    pq_schema_element e = { 0 };
    e.name = name;
    e.has_repetition = rep >= 0;
    e.repetition = rep >= 0 ? rep : 0;
    e.num_children = children;
    e.converted_type = ct;
    return e;
}

/* A FileMetaData exercising every writable field: nested LIST schema,
** decimal/timestamp/time/integer/uuid/float16/json logical types, statistics,
** encoding stats, bloom filters, page indexes, key-value metadata. */
typedef struct meta_fixture {
    pq_schema_element schema[13];
    const char       *leaf_names[10];
    pq_column_chunk   chunks[2][10];
    pq_row_group      rgs[2];
    pq_file_meta      m;
} meta_fixture;

static int fx_encs[] = { PQ_ENC_PLAIN, PQ_ENC_RLE, PQ_ENC_RLE_DICTIONARY };
static const char *fx_list_path[] = { "tags", "list", "element" };
static pq_page_encoding_stats fx_enc_stats[] = { { PQ_PAGE_DICTIONARY, PQ_ENC_PLAIN, 1 },
                                                 { PQ_PAGE_DATA, PQ_ENC_RLE_DICTIONARY, 7 } };
static pq_key_value fx_col_kv[] = { { "origin", "test" } };
static pq_key_value fx_kv[] = { { "spark.version", "3.5.0" }, { "empty", NULL }, { "", "" } };
static pq_sorting_column fx_sort[] = { { 0, false, true }, { 3, true, false } };
static const uint8_t fx_min_id[] = { 1, 0, 0, 0, 0, 0, 0, 0 };
static const uint8_t fx_max_id[] = { 0xff, 0xff, 0, 0, 0, 0, 0, 0x80 };
static const int fx_leaf_idx[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 11, 12 };

static void fx_schema(pq_schema_element *s)
{
    int n = 0;
    s[n++] = group("schema", -1, 10, PQ_CT_NONE);
    s[n] = leaf("id", PQ_INT64, PQ_REQUIRED, PQ_CT_INT_64);
    s[n].has_field_id = true;
    s[n].field_id = 1;
    s[n++].logical = (pq_logical_type){ .kind = PQ_LT_INTEGER, .int_bit_width = 64, .int_signed = true };
    s[n] = leaf("price", PQ_FIXED_LEN_BYTE_ARRAY, PQ_OPTIONAL, PQ_CT_DECIMAL);
    s[n].type_length = 9;
    s[n].scale = 2;
    s[n].precision = 20;
    s[n++].logical = (pq_logical_type){ .kind = PQ_LT_DECIMAL, .dec_scale = 2, .dec_precision = 20 };
    s[n] = leaf("ts", PQ_INT64, PQ_OPTIONAL, PQ_CT_TIMESTAMP_MICROS);
    s[n++].logical = (pq_logical_type){ .kind = PQ_LT_TIMESTAMP, .is_adjusted_utc = true,
                                        .unit = PQ_UNIT_MICROS };
    s[n] = leaf("t", PQ_INT64, PQ_OPTIONAL, PQ_CT_NONE);
    s[n++].logical = (pq_logical_type){ .kind = PQ_LT_TIME, .unit = PQ_UNIT_NANOS };
    s[n] = leaf("u", PQ_FIXED_LEN_BYTE_ARRAY, PQ_OPTIONAL, PQ_CT_NONE);
    s[n].type_length = 16;
    s[n++].logical.kind = PQ_LT_UUID;
    s[n] = leaf("d", PQ_INT32, PQ_OPTIONAL, PQ_CT_DATE);
    s[n++].logical.kind = PQ_LT_DATE;
    s[n] = leaf("small", PQ_INT32, PQ_OPTIONAL, PQ_CT_UINT_8);
    s[n++].logical = (pq_logical_type){ .kind = PQ_LT_INTEGER, .int_bit_width = 8 };
    s[n] = leaf("h", PQ_FIXED_LEN_BYTE_ARRAY, PQ_OPTIONAL, PQ_CT_NONE);
    s[n].type_length = 2;
    s[n++].logical.kind = PQ_LT_FLOAT16;
    s[n] = group("tags", PQ_OPTIONAL, 1, PQ_CT_LIST);
    s[n++].logical.kind = PQ_LT_LIST;
    s[n++] = group("list", PQ_REPEATED, 1, PQ_CT_NONE);
    s[n] = leaf("element", PQ_BYTE_ARRAY, PQ_OPTIONAL, PQ_CT_UTF8);
    s[n++].logical.kind = PQ_LT_STRING;
    s[n] = leaf("doc", PQ_BYTE_ARRAY, PQ_OPTIONAL, PQ_CT_JSON);
    s[n++].logical.kind = PQ_LT_JSON;
    cr_assert_eq(n, 13);
}

/* Plain chunk metadata for leaf i of row group g. */
static void fx_chunk(meta_fixture *fx, int g, int i)
{
    pq_column_chunk *cc = &fx->chunks[g][i];
    const pq_schema_element *e = &fx->schema[fx_leaf_idx[i]];
    fx->leaf_names[i] = e->name;
    cc->file_offset = 1000 * g + 100 * i + 4;
    cc->has_meta_data = true;
    pq_column_meta *cm = &cc->meta_data;
    cm->type = e->type;
    cm->n_encodings = i == 8 ? 3 : 2;
    cm->encodings = fx_encs;
    cm->n_path = i == 8 ? 3 : 1;
    cm->path_in_schema = i == 8 ? fx_list_path : &fx->leaf_names[i];
    cm->codec = g == 0 ? PQ_CODEC_ZSTD : PQ_CODEC_SNAPPY;
    cm->num_values = 100 + g;
    cm->total_uncompressed_size = ((int64_t)1 << 40) + i;
    cm->total_compressed_size = 77 + i;
    cm->data_page_offset = cc->file_offset;
}

/* The optional ColumnChunk/ColumnMetaData fields, on chunks 0 and 1. */
static void fx_chunk_extras(meta_fixture *fx, int g)
{
    pq_column_meta *id = &fx->chunks[g][0].meta_data;
    id->has_statistics = true;
    id->statistics = (pq_statistics){
        .has_min_value = true, .has_max_value = true, .has_null_count = true,
        .has_distinct_count = true, .has_is_max_exact = true, .has_is_min_exact = true,
        .min_value = { fx_min_id, 8 }, .max_value = { fx_max_id, 8 }, .null_count = 0,
        .distinct_count = 99, .is_max_value_exact = true, .is_min_value_exact = false,
        .has_min = true, .min = { fx_min_id, 8 }
    };
    id->has_dictionary_page_offset = true;
    id->dictionary_page_offset = 4;
    id->n_encoding_stats = 2;
    id->encoding_stats = fx_enc_stats;
    id->n_kv = 1;
    id->kv = fx_col_kv;
    id->has_bloom_filter = true;
    id->bloom_filter_offset = INT64_MAX - 5;
    id->bloom_filter_length = 1024;
    id->has_index_page_offset = g == 1;
    id->index_page_offset = g == 1 ? 12345 : 0;
    pq_column_chunk *c1 = &fx->chunks[g][1];
    c1->has_offset_index = true;
    c1->offset_index_offset = 5000;
    c1->offset_index_length = 40;
    c1->has_column_index = true;
    c1->column_index_offset = 6000;
    c1->column_index_length = -1;
}

static void fx_build(meta_fixture *fx)
{
    memset(fx, 0, sizeof *fx);
    fx_schema(fx->schema);
    for (int g = 0; g < 2; g++) {
        for (int i = 0; i < 10; i++)
            fx_chunk(fx, g, i);
        fx_chunk_extras(fx, g);
        pq_row_group *rg = &fx->rgs[g];
        rg->n_columns = 10;
        rg->columns = fx->chunks[g];
        rg->total_byte_size = 4096 * (g + 1);
        rg->num_rows = 100 + g;
        rg->has_ordinal = true;
        rg->ordinal = (int16_t)g;
    }
    fx->chunks[1][9].file_path = "part-0001.parquet";
    fx->rgs[0].n_sorting = 2;
    fx->rgs[0].sorting_columns = fx_sort;
    fx->rgs[1].has_file_offset = true;
    fx->rgs[1].file_offset = 1004;
    fx->rgs[1].has_total_compressed_size = true;
    fx->rgs[1].total_compressed_size = 999;
    pq_file_meta *m = &fx->m;
    m->version = 2;
    m->n_schema = 13;
    m->schema = fx->schema;
    m->num_rows = 201;
    m->n_row_groups = 2;
    m->row_groups = fx->rgs;
    m->n_kv = 3;
    m->kv = fx_kv;
    m->created_by = "strata version 0.1";
    m->n_column_orders = 10;
}

Test(pq_meta, constructed_file_round_trip)
{
    static meta_fixture fx;
    fx_build(&fx);
    st_error err;
    st_error_init(&err);
    st_buf b;
    st_buf_init(&b);
    cr_assert_eq(pq_meta_write_file(&b, &fx.m, &err), ST_OK, "%s", err.msg);
    uint8_t *copy = dup_bytes(b.data, b.len);
    st_arena *a = st_arena_new(0);
    pq_file_meta back;
    cr_assert_eq(pq_meta_parse_file(copy, b.len, a, &back, &err), ST_OK, "%s", err.msg);
    st_free(copy);
    eq_file_meta(&fx.m, &back);
    /* spot checks against literal values, not only against the input */
    cr_assert_eq(back.schema[2].logical.dec_precision, 20);
    cr_assert_eq(back.schema[3].logical.unit, PQ_UNIT_MICROS);
    cr_assert(back.schema[3].logical.is_adjusted_utc);
    cr_assert_eq(back.schema[4].logical.unit, PQ_UNIT_NANOS);
    cr_assert_eq(back.schema[7].logical.int_bit_width, 8);
    cr_assert(!back.schema[7].logical.int_signed);
    cr_assert_str_eq(back.row_groups[1].columns[8].meta_data.path_in_schema[2], "element");
    cr_assert_str_eq(back.row_groups[1].columns[9].file_path, "part-0001.parquet");
    cr_assert_null(back.kv[1].value);
    cr_assert_eq(back.row_groups[0].columns[0].meta_data.bloom_filter_offset, INT64_MAX - 5);
    cr_assert_eq(back.row_groups[0].columns[0].meta_data.statistics.max_value.ptr[7], 0x80);
    cr_assert(!back.has_encryption_algorithm);
    st_arena_free(a);
    st_buf_destroy(&b);
}

/* Writer argument checks: a nameless schema element and negative counts fail. */
Test(pq_meta, writer_rejects_bad_metadata)
{
    static meta_fixture fx;
    fx_build(&fx);
    st_error err;
    st_error_init(&err);
    st_buf b;
    st_buf_init(&b);
    fx.schema[3].name = NULL;
    cr_assert_eq(pq_meta_write_file(&b, &fx.m, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "schema element 3 has no name") != NULL, "%s", err.msg);
    fx_build(&fx);
    fx.rgs[1].n_columns = -2;
    st_buf_clear(&b);
    cr_assert_eq(pq_meta_write_file(&b, &fx.m, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "count -2 is negative") != NULL, "%s", err.msg);
    fx_build(&fx);
    fx.schema[3].logical.unit = 0;
    st_buf_clear(&b);
    cr_assert_eq(pq_meta_write_file(&b, &fx.m, &err), ST_ERR_ARGUMENT);
    st_buf_destroy(&b);
}

static void page_round_trip(const pq_page_header *h)
{
    st_error err;
    st_error_init(&err);
    st_buf b;
    st_buf_init(&b);
    cr_assert_eq(pq_meta_write_page_header(&b, h, &err), ST_OK, "%s", err.msg);
    size_t hdr_len = b.len;
    /* page bytes follow the header in a real file */
    cr_assert_eq(st_buf_append(&b, "\x15\x00\xff\xff", 4, &err), ST_OK);
    uint8_t *copy = dup_bytes(b.data, b.len);
    pq_page_header back;
    size_t got_len = 0;
    cr_assert_eq(pq_meta_parse_page_header(copy, b.len, &back, &got_len, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(got_len, hdr_len);
    eq_page_header(h, &back);
    /* every strict prefix of the header is truncated */
    for (size_t len = 0; len < hdr_len; len++) {
        uint8_t *p = dup_bytes(b.data, len);
        cr_assert_eq(pq_meta_parse_page_header(p, len, &back, &got_len, &err), ST_ERR_CORRUPT,
                     "prefix %zu of %zu", len, hdr_len);
        st_free(p);
    }
    st_free(copy);
    st_buf_destroy(&b);
}

Test(pq_meta, page_header_round_trips)
{
    static const uint8_t lo[] = { 'a', 'b' }, hi[] = { 'z', 'z', 'z' };
    pq_page_header h = { 0 };
    h.type = PQ_PAGE_DATA;
    h.uncompressed_page_size = 1 << 20;
    h.compressed_page_size = 4321;
    h.has_crc = true;
    h.crc = (int32_t)0xDEADBEEFu;
    h.has_data_page = true;
    h.data_page = (pq_data_page_header){ 1000, PQ_ENC_RLE_DICTIONARY, PQ_ENC_RLE, PQ_ENC_BIT_PACKED,
                                         true, { 0 } };
    h.data_page.statistics.has_min_value = true;
    h.data_page.statistics.min_value = (pq_bytes){ lo, 2 };
    h.data_page.statistics.has_max_value = true;
    h.data_page.statistics.max_value = (pq_bytes){ hi, 3 };
    h.data_page.statistics.has_null_count = true;
    h.data_page.statistics.null_count = 17;
    page_round_trip(&h);

    pq_page_header d = { 0 };
    d.type = PQ_PAGE_DICTIONARY;
    d.uncompressed_page_size = 80;
    d.compressed_page_size = 80;
    d.has_dictionary_page = true;
    d.dictionary_page = (pq_dictionary_page_header){ 10, PQ_ENC_PLAIN, true };
    page_round_trip(&d);
    d.dictionary_page.is_sorted = false;
    d.has_crc = true;
    d.crc = 0;
    page_round_trip(&d);

    pq_page_header v2 = { 0 };
    v2.type = PQ_PAGE_DATA_V2;
    v2.uncompressed_page_size = 500;
    v2.compressed_page_size = 300;
    v2.has_data_page_v2 = true;
    v2.data_page_v2 = (pq_data_page_header_v2){ 64, 3, 60, PQ_ENC_DELTA_BINARY_PACKED, 12, 4, false,
                                                true, { 0 } };
    v2.data_page_v2.statistics.has_distinct_count = true;
    v2.data_page_v2.statistics.distinct_count = 5;
    page_round_trip(&v2);
    v2.data_page_v2.is_compressed = true;
    v2.data_page_v2.has_statistics = false;
    v2.data_page_v2.statistics.has_distinct_count = false;
    v2.data_page_v2.statistics.distinct_count = 0;
    page_round_trip(&v2);
}

/* DataPageHeaderV2.is_compressed defaults to true when field 7 is absent. */
Test(pq_meta, page_v2_is_compressed_default)
{
    st_buf b;
    st_buf_init(&b);
    thr_writer w;
    thr_writer_init(&w, &b, NULL);
    thr_write_struct_begin(&w);
    thr_write_field_i32(&w, 1, PQ_PAGE_DATA_V2);
    thr_write_field_i32(&w, 2, 10);
    thr_write_field_i32(&w, 3, 10);
    thr_write_field(&w, THR_STRUCT, 8);
    thr_write_struct_begin(&w);
    for (int16_t id = 1; id <= 6; id++)
        thr_write_field_i32(&w, id, id);
    thr_write_struct_end(&w);
    thr_write_struct_end(&w);
    cr_assert_eq(thr_writer_status(&w), ST_OK);
    pq_page_header h;
    size_t len;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(pq_meta_parse_page_header(b.data, b.len, &h, &len, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(len, b.len);
    cr_assert(h.has_data_page_v2);
    cr_assert(h.data_page_v2.is_compressed);
    cr_assert_eq(h.data_page_v2.num_rows, 3);
    cr_assert_eq(h.data_page_v2.repetition_levels_byte_length, 6);
    st_buf_destroy(&b);
}

/* ---- (d) hostile input ----------------------------------------------------------- */

static void parse_expect(const uint8_t *bytes, size_t n, st_status want, const char *needle)
{
    uint8_t *copy = dup_bytes(bytes, n);
    st_arena *a = st_arena_new(0);
    pq_file_meta m;
    st_error err;
    st_error_init(&err);
    st_status rc = pq_meta_parse_file(copy, n, a, &m, &err);
    cr_assert_eq(rc, want, "status %d, message: %s", rc, err.msg);
    if (needle)
        cr_assert(strstr(err.msg, needle) != NULL, "message \"%s\" lacks \"%s\"", err.msg, needle);
    st_arena_free(a);
    st_free(copy);
}

Test(pq_meta, corrupt_footer_messages)
{
    /* field 1 with compact type 13 */
    static const uint8_t bad_type[] = { 0x1d, 0x00 };
    parse_expect(bad_type, sizeof bad_type, ST_ERR_CORRUPT,
                 "invalid thrift compact type 13 at byte 0 of the footer");
    /* version, then schema list (long form) of size -5 */
    static const uint8_t neg[] = { 0x15, 0x02, 0x19, 0xfc, 0xfb, 0xff, 0xff, 0xff, 0x0f };
    parse_expect(neg, sizeof neg, ST_ERR_CORRUPT, "size -5 at byte 3 of the footer is negative");
    /* schema list claiming 1000 elements in 3 bytes */
    static const uint8_t big[] = { 0x15, 0x02, 0x19, 0xfc, 0xe8, 0x07, 0x00, 0x00, 0x00 };
    parse_expect(big, sizeof big, ST_ERR_CORRUPT, "exceeds the 3 bytes left");
    /* empty struct: FileMetaData misses its required fields */
    static const uint8_t empty[] = { 0x00 };
    parse_expect(empty, sizeof empty, ST_ERR_CORRUPT, "required field 1 of FileMetaData is missing");
    /* created_by (field 6) of length 100 with 2 bytes left */
    static const uint8_t str[] = { 0x68, 0x64, 'a', 'b' };
    parse_expect(str, sizeof str, ST_ERR_CORRUPT, "binary length 100 at byte 1");
    /* version given as a binary is skipped, so the required version is missing */
    static const uint8_t wrong[] = { 0x18, 0x01, 'x', 0x00 };
    parse_expect(wrong, sizeof wrong, ST_ERR_CORRUPT, "required field 1 of FileMetaData is missing");
    parse_expect(NULL, 0, ST_ERR_CORRUPT, "truncated");
}

/* A real footer with its schema element's type replaced by 42. */
Test(pq_meta, invalid_physical_type)
{
    st_buf b;
    st_buf_init(&b);
    pq_schema_element s[2] = { group("root", -1, 1, PQ_CT_NONE),
                               leaf("x", 42, PQ_REQUIRED, PQ_CT_NONE) };
    pq_file_meta m = { .version = 1, .n_schema = 2, .schema = s };
    st_error err;
    st_error_init(&err);
    cr_assert_eq(pq_meta_write_file(&b, &m, &err), ST_OK);
    parse_expect(b.data, b.len, ST_ERR_CORRUPT, "schema element \"x\" has invalid physical type 42");
    st_buf_destroy(&b);
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void hostile_footer(const char *name, int flips)
{
    pq_file_bytes f;
    st_arena *a = st_arena_new(0);
    pq_file_meta m;
    parse_test_file(name, &f, a, &m);
    st_arena_free(a);
    size_t n = f.footer_len;
    /* every strict prefix is an error (the top-level stop byte is last) */
    for (size_t len = 0; len < n; len++)
        parse_expect(f.footer, len, ST_ERR_CORRUPT, NULL);
    uint64_t seed = 0x9e3779b97f4a7c15ull ^ n;
    int ok = 0, bad = 0;
    for (int it = 0; it < flips; it++) {
        uint8_t *copy = dup_bytes(f.footer, n);
        int k = 1 + (int)(rng_next(&seed) % 4);
        for (int j = 0; j < k; j++)
            copy[rng_next(&seed) % n] ^= (uint8_t)(1u << (rng_next(&seed) % 8));
        size_t len = (rng_next(&seed) % 8 == 0) ? (size_t)(rng_next(&seed) % n) : n;
        st_arena *fa = st_arena_new(0);
        st_error err;
        st_error_init(&err);
        st_status rc = pq_meta_parse_file(copy, len, fa, &m, &err);
        cr_assert(rc == ST_OK || rc == ST_ERR_CORRUPT, "%s flip %d: status %d: %s", name, it, rc,
                  err.msg);
        if (rc == ST_OK)
            ok++;
        else {
            bad++;
            cr_assert_neq(err.msg[0], '\0');
        }
        pq_page_header h;
        size_t hl;
        rc = pq_meta_parse_page_header(copy, len, &h, &hl, &err);
        cr_assert(rc == ST_OK || rc == ST_ERR_CORRUPT);
        st_arena_free(fa);
        st_free(copy);
    }
    cr_assert_gt(bad, 0, "no flipped footer of %s failed", name);
    (void)ok;
    st_free(f.data);
}

Test(pq_meta, truncated_and_flipped_footers)
{
    hostile_footer("alltypes_plain.parquet", 3000);
    hostile_footer("nested_structs.rust.parquet", 1000);
    hostile_footer("data_index_bloom_encoding_stats.parquet", 1000);
}

/* ---- thrift codec ------------------------------------------------------------- */

Test(pq_thrift, scalars_round_trip)
{
    static const int64_t vals[] = { 0, 1, -1, 63, -64, 64, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN };
    st_buf b;
    st_buf_init(&b);
    thr_writer w;
    thr_writer_init(&w, &b, NULL);
    for (size_t i = 0; i < ST_ARRAY_LEN(vals); i++)
        thr_write_i64(&w, vals[i]);
    thr_write_i32(&w, INT32_MIN);
    thr_write_i16(&w, -300);
    thr_write_i8(&w, -5);
    thr_write_double(&w, -2.5);
    thr_write_bool(&w, true);
    thr_write_bool(&w, false);
    thr_write_string(&w, "hello");
    cr_assert_eq(thr_writer_status(&w), ST_OK);
    thr_reader r;
    st_error err;
    st_error_init(&err);
    thr_reader_init(&r, b.data, b.len, "test", &err);
    for (size_t i = 0; i < ST_ARRAY_LEN(vals); i++) {
        int64_t v;
        cr_assert_eq(thr_read_i64(&r, &v), ST_OK);
        cr_assert_eq(v, vals[i]);
    }
    int32_t i32;
    int16_t i16;
    int8_t i8;
    double d;
    bool t, f;
    const uint8_t *p;
    uint32_t n;
    cr_assert_eq(thr_read_i32(&r, &i32), ST_OK);
    cr_assert_eq(i32, INT32_MIN);
    cr_assert_eq(thr_read_i16(&r, &i16), ST_OK);
    cr_assert_eq(i16, -300);
    cr_assert_eq(thr_read_i8(&r, &i8), ST_OK);
    cr_assert_eq(i8, -5);
    cr_assert_eq(thr_read_double(&r, &d), ST_OK);
    cr_assert_eq(d, -2.5);
    cr_assert_eq(thr_read_bool(&r, &t), ST_OK);
    cr_assert_eq(thr_read_bool(&r, &f), ST_OK);
    cr_assert(t && !f);
    cr_assert_eq(thr_read_binary(&r, &p, &n), ST_OK);
    cr_assert_eq(n, 5);
    cr_assert(memcmp(p, "hello", 5) == 0);
    cr_assert_eq(thr_reader_remaining(&r), 0);
    cr_assert_eq(thr_read_i8(&r, &i8), ST_ERR_CORRUPT);
    st_buf_destroy(&b);
}

Test(pq_thrift, known_encodings)
{
    /* zigzag: -1 -> 1, 1 -> 2, 150 -> 300 = 0xac 0x02 */
    static const uint8_t bytes[] = { 0x01, 0x02, 0xac, 0x02 };
    thr_reader r;
    thr_reader_init(&r, bytes, sizeof bytes, "test", NULL);
    int32_t v;
    cr_assert_eq(thr_read_i32(&r, &v), ST_OK);
    cr_assert_eq(v, -1);
    cr_assert_eq(thr_read_i32(&r, &v), ST_OK);
    cr_assert_eq(v, 1);
    cr_assert_eq(thr_read_i32(&r, &v), ST_OK);
    cr_assert_eq(v, 150);
    /* i32 overflow and an 11-byte varint */
    static const uint8_t big[] = { 0x80, 0x80, 0x80, 0x80, 0x20 };
    thr_reader_init(&r, big, sizeof big, "test", NULL);
    cr_assert_eq(thr_read_i32(&r, &v), ST_ERR_CORRUPT);
    static const uint8_t endless[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
    int64_t v64;
    thr_reader_init(&r, endless, sizeof endless, "test", NULL);
    cr_assert_eq(thr_read_i64(&r, &v64), ST_ERR_CORRUPT);
    thr_reader_init(&r, endless, 10, "test", NULL);   /* 10th byte 0xff overflows */
    cr_assert_eq(thr_read_i64(&r, &v64), ST_ERR_CORRUPT);
}

/* A struct with long-form and delta field ids, bools in both forms, a long
** list, a nested map and an empty map. */
static void write_mixed_struct(st_buf *b)
{
    thr_writer w;
    thr_writer_init(&w, b, NULL);
    thr_write_struct_begin(&w);
    thr_write_field_i32(&w, 20, 7);            /* delta > 15: long form */
    thr_write_field_bool(&w, 21, true);        /* embedded bool, delta form */
    thr_write_field_bool(&w, 3, false);        /* decreasing id: long form */
    thr_write_field(&w, THR_LIST, 4);
    thr_write_list_begin(&w, THR_BOOL, 20);    /* long-size list of bools */
    for (int i = 0; i < 20; i++)
        thr_write_bool(&w, i % 3 == 0);
    thr_write_field(&w, THR_MAP, -7);          /* negative id; a map to skip */
    thr_write_map_begin(&w, THR_BINARY, THR_STRUCT, 2);
    for (int i = 0; i < 2; i++) {
        thr_write_string(&w, "k");
        thr_write_struct_begin(&w);
        thr_write_field(&w, THR_DOUBLE, 1);
        thr_write_double(&w, 1.5);
        thr_write_field(&w, THR_SET, 2);
        thr_write_list_begin(&w, THR_I64, 1);
        thr_write_i64(&w, -99);
        thr_write_struct_end(&w);
    }
    thr_write_field(&w, THR_MAP, 30);
    thr_write_map_begin(&w, THR_I32, THR_I32, 0);
    thr_write_field_i64(&w, 31, 5);
    thr_write_struct_end(&w);
    cr_assert_eq(thr_writer_status(&w), ST_OK);
}

static void expect_field(thr_reader *r, int want_type, int16_t want_id)
{
    int type = -1;
    int16_t id = 0;
    cr_assert_eq(thr_read_field(r, &type, &id), ST_OK);
    cr_assert_eq(type, want_type, "field type %d, expected %d", type, want_type);
    cr_assert_eq(id, want_id, "field id %d, expected %d", id, want_id);
}

Test(pq_thrift, fields_lists_and_skip)
{
    st_buf b;
    st_buf_init(&b);
    write_mixed_struct(&b);
    thr_reader r;
    st_error err;
    st_error_init(&err);
    thr_reader_init(&r, b.data, b.len, "test", &err);
    int32_t i32;
    bool bv;
    cr_assert_eq(thr_read_struct_begin(&r), ST_OK);
    expect_field(&r, THR_I32, 20);
    cr_assert_eq(thr_read_i32(&r, &i32), ST_OK);
    cr_assert_eq(i32, 7);
    expect_field(&r, THR_BOOL, 21);
    cr_assert_eq(thr_read_bool(&r, &bv), ST_OK);
    cr_assert(bv);
    expect_field(&r, THR_BOOL, 3);
    cr_assert_eq(thr_skip(&r, THR_BOOL), ST_OK);   /* consumes the embedded value */
    expect_field(&r, THR_LIST, 4);
    int et;
    int32_t n;
    cr_assert_eq(thr_read_list_begin(&r, &et, &n), ST_OK);
    cr_assert(et == THR_BOOL && n == 20);
    for (int i = 0; i < 20; i++) {
        cr_assert_eq(thr_read_bool(&r, &bv), ST_OK);
        cr_assert_eq(bv, i % 3 == 0, "element %d", i);
    }
    expect_field(&r, THR_MAP, -7);
    cr_assert_eq(thr_skip(&r, THR_MAP), ST_OK);
    expect_field(&r, THR_MAP, 30);
    cr_assert_eq(thr_skip(&r, THR_MAP), ST_OK);
    expect_field(&r, THR_I64, 31);
    cr_assert_eq(thr_skip(&r, THR_I64), ST_OK);
    expect_field(&r, THR_STOP, 0);
    cr_assert_eq(thr_read_struct_end(&r), ST_OK);
    cr_assert_eq(thr_reader_remaining(&r), 0);

    /* the whole thing skips as one struct, too */
    thr_reader_init(&r, b.data, b.len, "test", &err);
    cr_assert_eq(thr_skip(&r, THR_STRUCT), ST_OK, "%s", err.msg);
    cr_assert_eq(r.pos, b.len);
    cr_assert_eq(r.depth, 0);
    st_buf_destroy(&b);
}

Test(pq_thrift, nesting_limit)
{
    /* 100 nested lists of one list each, then an i32: deeper than the limit */
    uint8_t deep[101];
    memset(deep, 0x19, 100);
    deep[100] = 0x00;
    thr_reader r;
    st_error err;
    st_error_init(&err);
    thr_reader_init(&r, deep, sizeof deep, "test", &err);
    cr_assert_eq(thr_skip(&r, THR_LIST), ST_ERR_CORRUPT);
    cr_assert(strstr(err.msg, "nested deeper than 64") != NULL, "%s", err.msg);
    /* 100 nested structs in field 1 */
    uint8_t structs[200];
    memset(structs, 0x1c, 100);
    memset(structs + 100, 0x00, 100);
    thr_reader_init(&r, structs, sizeof structs, "test", &err);
    cr_assert_eq(thr_skip(&r, THR_STRUCT), ST_ERR_CORRUPT);
    /* 60 levels are fine */
    thr_reader_init(&r, structs + 40, 121, "test", &err);
    cr_assert_eq(thr_skip(&r, THR_STRUCT), ST_OK, "%s", err.msg);
}

Test(pq_thrift, bad_headers)
{
    thr_reader r;
    st_error err;
    st_error_init(&err);
    int et, kt, vt;
    int32_t n;
    static const uint8_t list13[] = { 0x1d, 0x00 };
    thr_reader_init(&r, list13, sizeof list13, "test", &err);
    cr_assert_eq(thr_read_list_begin(&r, &et, &n), ST_ERR_CORRUPT);
    cr_assert(strstr(err.msg, "invalid thrift compact type 13 at byte 0 of the test"), "%s", err.msg);
    static const uint8_t map_big[] = { 0x02, 0x55, 0x01, 0x01 };   /* 2 pairs need 4 bytes */
    thr_reader_init(&r, map_big, sizeof map_big, "test", &err);
    cr_assert_eq(thr_read_map_begin(&r, &kt, &vt, &n), ST_ERR_CORRUPT);
    static const uint8_t map_ok[] = { 0x01, 0x55, 0x01, 0x01 };
    thr_reader_init(&r, map_ok, sizeof map_ok, "test", &err);
    cr_assert_eq(thr_read_map_begin(&r, &kt, &vt, &n), ST_OK);
    cr_assert(kt == THR_I32 && vt == THR_I32 && n == 1);
    static const uint8_t field_no_struct[] = { 0x15, 0x00 };
    thr_reader_init(&r, field_no_struct, sizeof field_no_struct, "test", &err);
    int type;
    int16_t id;
    cr_assert_eq(thr_read_field(&r, &type, &id), ST_ERR_INTERNAL);
    static const uint8_t empty_list_stop_type[] = { 0x00 };
    thr_reader_init(&r, empty_list_stop_type, 1, "test", &err);
    cr_assert_eq(thr_read_list_begin(&r, &et, &n), ST_OK);
    cr_assert_eq(n, 0);
}
