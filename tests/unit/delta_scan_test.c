/* delta_scan_test.c -- the read path's pieces that need no log replay: Z85
** decoding, RoaringBitmapArray deletion vectors (inline and the golden
** table-with-dv-small file), partition value parsing and timestamps. */
#include <criterion/criterion.h>
#include <roaring/roaring.h>
#include <stdio.h>
#include <stdlib.h>

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
