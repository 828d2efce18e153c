/* delta_scan_test.c -- the read path's pieces that need no log replay: Z85
** decoding, RoaringBitmapArray deletion vectors (inline and the golden
** table-with-dv-small file), partition value parsing and timestamps; row ids
** (_file_index, _row_index) over deletion vectors, file subsets, one row
** group, zero projected columns and partition columns. */
#include <criterion/criterion.h>
#include <roaring/roaring.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "delta/delta_scan_int.h"

static const char *testdata(const char *rel)
{
    static char buf[1024];
    const char *root = getenv("STRATA_TESTDATA");
    snprintf(buf, sizeof buf, "%s/%s", root ? root : "../shared/testdata", rel);
    return buf;
}

Test(delta_dv, z85_rfc_vector)
{
    /* ZeroMQ RFC 32 test vector: 86 4F D2 6F B5 59 F7 5B <-> "HelloWorld" */
    uint8_t out[8];
    st_error err;
    cr_assert_eq(delta_z85_decode("HelloWorld", 10, out, &err), ST_OK);
    const uint8_t want[8] = {0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};
    cr_assert(memcmp(out, want, 8) == 0);
    cr_assert_eq(delta_z85_decode("Hello", 4, out, &err), ST_ERR_CORRUPT);
    cr_assert_eq(delta_z85_decode("Hell~", 5, out, &err), ST_ERR_CORRUPT);
    cr_assert_eq(delta_z85_decode("#####", 5, out, &err), ST_ERR_CORRUPT); /* > 2^32-1 */
}

/* Serializes a RoaringBitmapArray of (key, values) pairs into buf. */
static size_t build_bitmap_array(uint8_t *buf, const uint32_t *keys,
                                 const uint32_t *const *vals, const size_t *n_vals, int n)
{
    st_store_le32(buf, 1681511377u);
    st_store_le64(buf + 4, (uint64_t)n);
    size_t off = 12;
    for (int i = 0; i < n; i++) {
        st_store_le32(buf + off, keys[i]);
        off += 4;
        roaring_bitmap_t *r = roaring_bitmap_of_ptr(n_vals[i], vals[i]);
        off += roaring_bitmap_portable_serialize(r, (char *)buf + off);
        roaring_bitmap_free(r);
    }
    return off;
}

Test(delta_dv, bitmap_array_two_keys)
{
    uint8_t buf[512];
    const uint32_t v0[] = {9, 3, 70000}, v1[] = {1};
    const uint32_t *vals[] = {v0, v1};
    const uint32_t keys[] = {0, 2};
    const size_t nv[] = {3, 1};
    size_t n = build_bitmap_array(buf, keys, vals, nv, 2);
    st_arena *a = st_arena_new(0);
    st_error err;
    uint64_t *rows;
    int64_t nr;
    cr_assert_eq(delta_dv_decode_bitmap(buf, n, "test", a, &rows, &nr, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(nr, 4);
    cr_assert(rows[0] == 3 && rows[1] == 9 && rows[2] == 70000);
    cr_assert(rows[3] == ((UINT64_C(2) << 32) | 1));
    /* truncations and a bad magic fail cleanly */
    for (size_t cut = 0; cut < n; cut++)
        cr_assert_eq(delta_dv_decode_bitmap(buf, cut, "test", a, &rows, &nr, &err), ST_ERR_CORRUPT);
    buf[0] ^= 1;
    cr_assert_eq(delta_dv_decode_bitmap(buf, n, "test", a, &rows, &nr, &err), ST_ERR_CORRUPT);
    cr_assert(strstr(err.msg, "magic") != NULL);
    st_arena_free(a);
}

/* Z85-encodes n bytes (n % 4 == 0). */
static void z85_encode(const uint8_t *p, size_t n, char *out)
{
    static const char al[] =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
    for (size_t i = 0; i < n; i += 4) {
        uint32_t v = st_load_be32(p + i);
        for (int k = 4; k >= 0; k--) {
            out[i / 4 * 5 + (size_t)k] = al[v % 85];
            v /= 85;
        }
    }
    out[n / 4 * 5] = '\0';
}

Test(delta_dv, inline_dv)
{
    uint8_t buf[256] = {0};
    const uint32_t v0[] = {0, 5};
    const uint32_t *vals[] = {v0};
    const uint32_t keys[] = {0};
    const size_t nv[] = {2};
    size_t n = build_bitmap_array(buf, keys, vals, nv, 1);
    char text[400];
    z85_encode(buf, (n + 3) / 4 * 4, text);
    delta_dv dv = {.storage_type = 'i', .path_or_inline_dv = text, .size_in_bytes = (int32_t)n,
                   .cardinality = 2};
    st_arena *a = st_arena_new(0);
    st_error err;
    uint64_t *rows;
    int64_t nr;
    cr_assert_eq(delta_dv_load("/nowhere", &dv, a, &rows, &nr, &err), ST_OK, "%s", err.msg);
    cr_assert(nr == 2 && rows[0] == 0 && rows[1] == 5);
    dv.cardinality = 3;
    cr_assert_eq(delta_dv_load("/nowhere", &dv, a, &rows, &nr, &err), ST_ERR_CORRUPT);
    cr_assert(strstr(err.msg, "3") != NULL);
    st_arena_free(a);
}

Test(delta_dv, golden_uuid_file)
{
    const char *table = testdata("delta/golden/table-with-dv-small");
    char tbl[1024];
    snprintf(tbl, sizeof tbl, "%s", table);
    delta_dv dv = {.storage_type = 'u', .path_or_inline_dv = "vBn[lx{q8@P<9BNH/isA",
                   .has_offset = true, .offset = 1, .size_in_bytes = 36, .cardinality = 2};
    st_arena *a = st_arena_new(0);
    st_error err;
    char *path;
    cr_assert_eq(delta_dv_file_path(tbl, &dv, a, &path, &err), ST_OK);
    cr_assert(strstr(path, "/deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin") != NULL,
              "%s", path);
    uint64_t *rows;
    int64_t nr;
    cr_assert_eq(delta_dv_load(tbl, &dv, a, &rows, &nr, &err), ST_OK, "%s", err.msg);
    cr_assert(nr == 2 && rows[0] == 0 && rows[1] == 9);
    dv.offset = 2;   /* wrong offset: framing no longer matches */
    cr_assert_eq(delta_dv_load(tbl, &dv, a, &rows, &nr, &err), ST_ERR_CORRUPT);
    st_arena_free(a);
}

Test(delta_scan, partition_values)
{
    st_arena *a = st_arena_new(0);
    st_error err;
    vec_scalar s;
    vec_type ti = {.id = VEC_INT16}, td = {.id = VEC_DECIMAL, .precision = 10, .scale = 3};
    vec_type tdate = {.id = VEC_DATE}, tts = {.id = VEC_TIMESTAMP}, tb = {.id = VEC_BOOL};
    vec_type tbin = {.id = VEC_BINARY}, tstr = {.id = VEC_STRING};
    cr_assert_eq(delta_partition_value_parse(&ti, "-12", a, &s, &err), ST_OK);
    cr_assert_eq(s.i64, -12);
    cr_assert_eq(delta_partition_value_parse(&ti, "40000", a, &s, &err), ST_ERR_CORRUPT);
    cr_assert_eq(delta_partition_value_parse(&td, "-1.5", a, &s, &err), ST_OK);
    cr_assert(s.i128 == -1500);
    cr_assert_eq(delta_partition_value_parse(&td, "1.2345", a, &s, &err), ST_ERR_CORRUPT);
    cr_assert_eq(delta_partition_value_parse(&tdate, "1970-01-03", a, &s, &err), ST_OK);
    cr_assert_eq(s.i64, 2);
    cr_assert_eq(delta_partition_value_parse(&tts, "1970-01-01 00:00:01.5", a, &s, &err), ST_OK);
    cr_assert_eq(s.i64, 1500000);
    cr_assert_eq(delta_partition_value_parse(&tts, "1970-01-01T01:00:00.000000Z", a, &s, &err),
                 ST_OK);
    cr_assert_eq(s.i64, INT64_C(3600000000));
    cr_assert_eq(delta_partition_value_parse(&tb, "true", a, &s, &err), ST_OK);
    cr_assert_eq(s.i64, 1);
    cr_assert_eq(delta_partition_value_parse(&tbin, "\x01\x02", a, &s, &err), ST_OK);
    cr_assert(s.n_bytes == 2 && s.bytes[1] == 2);
    cr_assert_eq(delta_partition_value_parse(&tstr, "", a, &s, &err), ST_OK);
    cr_assert(s.is_null);
    cr_assert_eq(delta_partition_value_parse(&ti, NULL, a, &s, &err), ST_OK);
    cr_assert(s.is_null);
    cr_assert_eq(delta_partition_value_parse(&tdate, "2021-13-01", a, &s, &err), ST_ERR_CORRUPT);
    cr_assert(strstr(err.msg, "2021-13-01") != NULL);
    st_arena_free(a);
}

Test(delta_scan, parse_timestamp)
{
    int64_t us;
    cr_assert(delta_parse_timestamp("2024-01-01", &us));
    cr_assert_eq(us, INT64_C(1704067200000000));
    cr_assert(delta_parse_timestamp("2024-01-01T00:00:00+01:00", &us));
    cr_assert_eq(us, INT64_C(1704067200000000) - INT64_C(3600000000));
    cr_assert(!delta_parse_timestamp("2024-01-01 25:00:00", &us));
    cr_assert(!delta_parse_timestamp("yesterday", &us));
}

/* ---- row ids ------------------------------------------------------------------ */

/* Scans s with opt into flat arrays: the INT64/INT32 value of column vcol
** (-1: none), _file_index and _row_index (the last two columns). */
static int64_t scan_ids(const delta_snapshot *s, const delta_scan_options *opt, int vcol,
                        int64_t *vals, int64_t *fidx, int64_t *ridx, int64_t cap)
{
    st_error err;
    delta_scan *sc = NULL;
    cr_assert_eq(delta_scan_open(s, opt, &sc, &err), ST_OK, "%s", err.msg);
    const vec_schema *sch = delta_scan_schema(sc);
    int nf = sch->n_fields;
    cr_assert(nf >= 2);
    cr_assert_str_eq(sch->fields[nf - 2].name, "_file_index");
    cr_assert_str_eq(sch->fields[nf - 1].name, "_row_index");
    cr_assert_eq(sch->fields[nf - 1].type.id, VEC_INT64);
    cr_assert(!sch->fields[nf - 2].nullable && !sch->fields[nf - 1].nullable);
    int64_t n = 0;
    for (;;) {
        vec_batch *b = NULL;
        cr_assert_eq(delta_scan_next(sc, &b, &err), ST_OK, "%s", err.msg);
        if (!b)
            break;
        cr_assert_eq(b->n_cols, nf);
        for (int64_t i = 0; i < b->n_rows; i++, n++) {
            cr_assert(n < cap);
            if (vcol >= 0) {
                const vec *v = b->cols[vcol];
                vals[n] = v->type->id == VEC_INT32 ? ((const int32_t *)v->values)[i]
                                                   : ((const int64_t *)v->values)[i];
            }
            fidx[n] = ((const int64_t *)b->cols[nf - 2]->values)[i];
            ridx[n] = ((const int64_t *)b->cols[nf - 1]->values)[i];
        }
        vec_batch_free(b);
    }
    delta_scan_close(sc);
    return n;
}

Test(delta_scan, row_ids_count_deleted_rows)
{
    char tbl[1024];
    snprintf(tbl, sizeof tbl, "%s", testdata("delta/golden/table-with-dv-small"));
    st_error err;
    delta_snapshot *s = NULL;
    cr_assert_eq(delta_snapshot_load(tbl, NULL, &s, &err), ST_OK, "%s", err.msg);
    int64_t vals[16], fi[16], ri[16];
    /* values 0..9 at positions 0..9; the deletion vector drops rows 0 and 9 */
    delta_scan_options o = { .row_ids = true };
    cr_assert_eq(scan_ids(s, &o, 0, vals, fi, ri, 16), 8);
    for (int i = 0; i < 8; i++) {
        cr_assert_eq(vals[i], i + 1);
        cr_assert_eq(ri[i], i + 1, "row %d: _row_index %lld", i, (long long)ri[i]);
        cr_assert_eq(fi[i], 0);
    }
    /* zero projected columns: only the ids, same positions */
    int none = 0;
    delta_scan_options z = { .row_ids = true, .columns = &none, .n_columns = 0 };
    delta_scan *sc = NULL;
    cr_assert_eq(delta_scan_open(s, &z, &sc, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(delta_scan_schema(sc)->n_fields, 2);
    delta_scan_close(sc);
    cr_assert_eq(scan_ids(s, &z, -1, vals, fi, ri, 16), 8);
    for (int i = 0; i < 8; i++)
        cr_assert(ri[i] == i + 1 && fi[i] == 0);
    /* one row group, small batches */
    delta_scan_options g = { .row_ids = true, .one_row_group = true, .row_group = 0,
                             .batch_rows = 3 };
    cr_assert_eq(scan_ids(s, &g, 0, vals, fi, ri, 16), 8);
    for (int i = 0; i < 8; i++)
        cr_assert(ri[i] == vals[i] && vals[i] == i + 1);
    delta_snapshot_free(s);
}

Test(delta_scan, row_ids_partitioned_subset)
{
    char table[256];
    snprintf(table, sizeof table, "/tmp/strata-dscan-rid-%d-XXXXXX", (int)getpid());
    cr_assert(mkdtemp(table) != NULL);
    vec_field f[2] = { { .name = "id", .type = { .id = VEC_INT64 }, .nullable = true },
                       { .name = "p", .type = { .id = VEC_INT64 }, .nullable = true } };
    vec_schema sch = { .n_fields = 2, .fields = f };
    const char *pc[] = { "p" };
    delta_create_options co = { .schema = &sch, .n_partition_cols = 1, .partition_cols = pc };
    st_error err;
    delta_txn *t = NULL;
    cr_assert_eq(delta_txn_begin(table, &co, &t, &err), ST_OK, "%s", err.msg);
    /* 30 rows: id i in partition i % 3, so partition k holds ids k, k+3, ... */
    vec_batch *b = vec_batch_new(&sch, 2, 0);
    vec_builder *ib = vec_builder_new(&f[0].type), *pb = vec_builder_new(&f[1].type);
    for (int64_t i = 0; i < 30; i++) {
        cr_assert_eq(vec_builder_append_i64(ib, i, &err), ST_OK);
        cr_assert_eq(vec_builder_append_i64(pb, i % 3, &err), ST_OK);
    }
    cr_assert_eq(vec_builder_finish(ib, b->arena, &b->cols[0], &err), ST_OK);
    cr_assert_eq(vec_builder_finish(pb, b->arena, &b->cols[1], &err), ST_OK);
    vec_builder_free(ib);
    vec_builder_free(pb);
    b->n_rows = 30;
    cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
    vec_batch_free(b);
    int64_t v;
    cr_assert_eq(delta_txn_commit(t, "CREATE TABLE", NULL, &v, &err), ST_OK, "%s", err.msg);
    delta_snapshot *s = NULL;
    cr_assert_eq(delta_snapshot_load(table, NULL, &s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(s->n_files, 3);

    /* files 2 then 0, projecting only the partition column */
    size_t files[2] = { 2, 0 };
    int cols[1] = { 1 };
    delta_scan_options o = { .row_ids = true, .files = files, .n_files = 2, .columns = cols,
                             .n_columns = 1, .batch_rows = 4 };
    int64_t vals[32], fi[32], ri[32];
    cr_assert_eq(scan_ids(s, &o, 0, vals, fi, ri, 32), 20);
    for (int i = 0; i < 20; i++) {
        int64_t want_f = i < 10 ? 2 : 0;
        cr_assert_eq(fi[i], (int64_t)want_f, "row %d", i);
        cr_assert_eq(ri[i], i % 10, "row %d", i);
        cr_assert_str_eq(s->files[fi[i]].partition_values[0], i < 10 ? "2" : "0");
        cr_assert_eq(vals[i], strtoll(s->files[fi[i]].partition_values[0], NULL, 10));
    }
    /* all columns: the id at (file, position) is p + 3 * position */
    delta_scan_options all = { .row_ids = true };
    cr_assert_eq(scan_ids(s, &all, 0, vals, fi, ri, 32), 30);
    for (int i = 0; i < 30; i++)
        cr_assert_eq(vals[i], strtoll(s->files[fi[i]].partition_values[0], NULL, 10) + 3 * ri[i]);
    delta_snapshot_free(s);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", table);
    cr_assert_eq(system(cmd), 0);
}
