/* vec_test.c -- unit tests for src/vector: type widths, names and equality,
** vec_new layouts for every type, validity bookkeeping, batches, builders for
** every type (nested struct/list/map with nulls at each level, wrong kinds,
** range errors, allocation failures) and value formatting against
** docs/conventions.md (edge integers, decimals, floats, strings, binary,
** dates, times, timestamps, nested values, corrupt offsets). */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "vector/vec.h"

static st_arena *A;   /* per-test arena for types, vectors and strings */

static void setup(void) { A = st_arena_new(0); }
static void teardown(void)
{
    st_alloc_fail_after(-1);
    st_arena_free(A);
    A = NULL;
}

/* ---- type constructors (all in A) --------------------------------------- */

static vec_type *ty(vec_type_id id)
{
    vec_type *t = st_arena_calloc(A, 1, sizeof *t);
    cr_assert_not_null(t);
    t->id = id;
    return t;
}

static vec_type *ty_dec(int p, int s)
{
    vec_type *t = ty(VEC_DECIMAL);
    t->precision = (uint8_t)p;
    t->scale = (uint8_t)s;
    return t;
}

static vec_type *ty_nested(vec_type_id id, int n, const char *const *names, vec_type *const *types)
{
    vec_type *t = ty(id);
    t->n_children = n;
    t->children = st_arena_calloc(A, (size_t)(n ? n : 1), sizeof(vec_field));
    for (int i = 0; i < n; i++) {
        t->children[i].name = names[i];
        t->children[i].type = *types[i];
        t->children[i].nullable = true;
    }
    return t;
}

static vec_type *ty_struct2(const char *n0, vec_type *t0, const char *n1, vec_type *t1)
{
    const char *names[] = {n0, n1};
    vec_type *types[] = {t0, t1};
    return ty_nested(VEC_STRUCT, 2, names, types);
}

static vec_type *ty_list(vec_type *elem)
{
    const char *names[] = {"element"};
    return ty_nested(VEC_LIST, 1, names, &elem);
}

static vec_type *ty_map(vec_type *k, vec_type *v)
{
    const char *names[] = {"entries"};
    vec_type *e = ty_nested(VEC_STRUCT, 2, (const char *const[]){"key", "value"},
                            (vec_type *const[]){k, v});
    return ty_nested(VEC_MAP, 1, names, &e);
}

static const char *tname(const vec_type *t)
{
    static char buf[512];
    vec_type_format(t, buf, sizeof buf);
    return buf;
}

/* Row i of v formatted in mode, as an arena string; the call must succeed. */
static const char *fmt(const vec *v, int64_t i, vec_fmt_mode mode)
{
    st_buf b;
    st_error err;
    st_buf_init(&b);
    st_error_init(&err);
    st_status rc = vec_format_value(v, i, mode, &b, &err);
    cr_assert_eq(rc, ST_OK, "format failed: %s", err.msg);
    char *s = st_arena_strndup(A, b.len ? (const char *)b.data : "", b.len);
    st_buf_destroy(&b);
    return s;
}

static const char *json(const vec *v, int64_t i) { return fmt(v, i, VEC_FMT_JSON); }
static const char *text(const vec *v, int64_t i) { return fmt(v, i, VEC_FMT_TEXT); }

static vec *finish(vec_builder *b)
{
    vec *v = NULL;
    st_error err;
    st_error_init(&err);
    st_status rc = vec_builder_finish(b, A, &v, &err);
    cr_assert_eq(rc, ST_OK, "finish failed: %s", err.msg);
    cr_assert_not_null(v);
    return v;
}

#define OK(expr) cr_assert_eq((expr), ST_OK, "%s failed", #expr)

static int32_t off_at(const vec *v, int64_t i) { return vec_offsets(v)[i]; }

/* ---- types --------------------------------------------------------------- */

TestSuite(vec_type, .init = setup, .fini = teardown);

Test(vec_type, widths)
{
    cr_assert_eq(vec_type_width(VEC_NULL), 0);
    cr_assert_eq(vec_type_width(VEC_BOOL), 0);
    cr_assert_eq(vec_type_width(VEC_INT8), 1);
    cr_assert_eq(vec_type_width(VEC_UINT8), 1);
    cr_assert_eq(vec_type_width(VEC_INT16), 2);
    cr_assert_eq(vec_type_width(VEC_UINT16), 2);
    cr_assert_eq(vec_type_width(VEC_INT32), 4);
    cr_assert_eq(vec_type_width(VEC_UINT32), 4);
    cr_assert_eq(vec_type_width(VEC_FLOAT), 4);
    cr_assert_eq(vec_type_width(VEC_DATE), 4);
    cr_assert_eq(vec_type_width(VEC_INT64), 8);
    cr_assert_eq(vec_type_width(VEC_UINT64), 8);
    cr_assert_eq(vec_type_width(VEC_DOUBLE), 8);
    cr_assert_eq(vec_type_width(VEC_TIME), 8);
    cr_assert_eq(vec_type_width(VEC_TIMESTAMP), 8);
    cr_assert_eq(vec_type_width(VEC_TIMESTAMP_NTZ), 8);
    cr_assert_eq(vec_type_width(VEC_DECIMAL), 16);
    cr_assert_eq(vec_type_width(VEC_STRING), 0);
    cr_assert_eq(vec_type_width(VEC_BINARY), 0);
    cr_assert_eq(vec_type_width(VEC_STRUCT), 0);
    cr_assert_eq(vec_type_width(VEC_LIST), 0);
    cr_assert_eq(vec_type_width(VEC_MAP), 0);
    cr_assert_eq(vec_type_width(VEC_TYPE_COUNT), 0);
}

Test(vec_type, id_names)
{
    static const char *const want[VEC_TYPE_COUNT] = {
        "void", "boolean", "tinyint", "smallint", "int", "bigint", "utinyint", "usmallint",
        "uint", "ubigint", "float", "double", "decimal", "string", "binary", "date", "time",
        "timestamp", "timestamp_ntz", "struct", "array", "map"};
    for (int i = 0; i < VEC_TYPE_COUNT; i++)
        cr_assert_str_eq(vec_type_id_name((vec_type_id)i), want[i], "id %d", i);
    cr_assert_str_eq(vec_type_id_name(VEC_TYPE_COUNT), "unknown");
    cr_assert_str_eq(vec_type_id_name((vec_type_id)-1), "unknown");
}

Test(vec_type, format_scalars)
{
    cr_assert_str_eq(tname(ty(VEC_INT32)), "int");
    cr_assert_str_eq(tname(ty(VEC_NULL)), "void");
    cr_assert_str_eq(tname(ty(VEC_UINT64)), "ubigint");
    cr_assert_str_eq(tname(ty(VEC_TIME)), "time");
    cr_assert_str_eq(tname(ty(VEC_TIMESTAMP_NTZ)), "timestamp_ntz");
    cr_assert_str_eq(tname(ty_dec(10, 2)), "decimal(10,2)");
    cr_assert_str_eq(tname(ty_dec(38, 0)), "decimal(38,0)");
}

Test(vec_type, format_nested)
{
    vec_type *s = ty_struct2("a", ty(VEC_INT32), "b", ty(VEC_STRING));
    cr_assert_str_eq(tname(s), "struct<a:int,b:string>");
    cr_assert_str_eq(tname(ty_list(ty(VEC_INT32))), "array<int>");
    cr_assert_str_eq(tname(ty_map(ty(VEC_STRING), ty(VEC_INT32))), "map<string,int>");
    vec_type *deep = ty_struct2("id", ty(VEC_INT64), "m",
                                ty_list(ty_map(ty(VEC_STRING), ty_struct2("x", ty(VEC_DOUBLE),
                                                                          "d", ty_dec(5, 1)))));
    cr_assert_str_eq(tname(deep),
                     "struct<id:bigint,m:array<map<string,struct<x:double,d:decimal(5,1)>>>>");
    cr_assert_str_eq(tname(ty_nested(VEC_STRUCT, 0, NULL, NULL)), "struct<>");
    vec_type *bad = ty(VEC_LIST);   /* no element: printed, not crashed */
    cr_assert_str_eq(tname(bad), "array<?>");
}

Test(vec_type, format_truncates_like_snprintf)
{
    vec_type *t = ty_map(ty(VEC_STRING), ty(VEC_INT32));
    char buf[8];
    int n = vec_type_format(t, buf, sizeof buf);
    cr_assert_eq(n, (int)strlen("map<string,int>"));
    cr_assert_str_eq(buf, "map<str");
    cr_assert_eq(vec_type_format(t, NULL, 0), n);
}

Test(vec_type, equality)
{
    cr_assert(vec_type_equal(ty(VEC_INT32), ty(VEC_INT32)));
    cr_assert_not(vec_type_equal(ty(VEC_INT32), ty(VEC_INT64)));
    cr_assert(vec_type_equal(ty_dec(10, 2), ty_dec(10, 2)));
    cr_assert_not(vec_type_equal(ty_dec(10, 2), ty_dec(10, 3)));
    cr_assert_not(vec_type_equal(ty_dec(10, 2), ty_dec(11, 2)));
    vec_type *s1 = ty_struct2("a", ty(VEC_INT32), "b", ty_list(ty(VEC_STRING)));
    vec_type *s2 = ty_struct2("a", ty(VEC_INT32), "b", ty_list(ty(VEC_STRING)));
    vec_type *s3 = ty_struct2("a", ty(VEC_INT32), "c", ty_list(ty(VEC_STRING)));
    vec_type *s4 = ty_struct2("a", ty(VEC_INT32), "b", ty_list(ty(VEC_BINARY)));
    cr_assert(vec_type_equal(s1, s2));
    cr_assert_not(vec_type_equal(s1, s3));
    cr_assert_not(vec_type_equal(s1, s4));
    s2->children[0].nullable = false;            /* nullability is ignored */
    cr_assert(vec_type_equal(s1, s2));
    vec_type *l1 = ty_list(ty(VEC_INT32)), *l2 = ty_list(ty(VEC_INT32));
    l2->children[0].name = "item";               /* list child names are ignored */
    cr_assert(vec_type_equal(l1, l2));
    vec_type *m1 = ty_map(ty(VEC_STRING), ty(VEC_INT32));
    vec_type *m2 = ty_map(ty(VEC_STRING), ty(VEC_INT32));
    m2->children[0].name = "key_value";
    m2->children[0].type.children[1].name = "val";
    cr_assert(vec_type_equal(m1, m2));
    cr_assert_not(vec_type_equal(m1, ty_map(ty(VEC_STRING), ty(VEC_INT64))));
    cr_assert_not(vec_type_equal(ty_struct2("a", ty(VEC_INT32), "b", ty(VEC_INT32)),
                                 ty_nested(VEC_STRUCT, 1, (const char *const[]){"a"},
                                           (vec_type *const[]){ty(VEC_INT32)})));
}

/* ---- vec_new layouts ----------------------------------------------------- */

TestSuite(vec_layout, .init = setup, .fini = teardown);

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t k = 0; k < n; k++)
        if (b[k])
            return false;
    return true;
}

Test(vec_layout, fixed_width_types)
{
    static const vec_type_id ids[] = {VEC_INT8, VEC_INT16, VEC_INT32, VEC_INT64, VEC_UINT8,
                                      VEC_UINT16, VEC_UINT32, VEC_UINT64, VEC_FLOAT,
                                      VEC_DOUBLE, VEC_DATE, VEC_TIME, VEC_TIMESTAMP,
                                      VEC_TIMESTAMP_NTZ};
    for (size_t k = 0; k < ST_ARRAY_LEN(ids); k++) {
        vec_type *t = ty(ids[k]);
        vec *v = vec_new(A, t, 37);
        cr_assert_not_null(v);
        cr_assert_eq(v->type, t);
        cr_assert_eq(v->len, 37);
        cr_assert_eq(v->null_count, 0);
        cr_assert_null(v->validity);
        cr_assert_null(v->bytes);
        cr_assert_null(v->children);
        cr_assert_not_null(v->values);
        cr_assert(all_zero(v->values, 37 * (size_t)vec_type_width(ids[k])));
    }
    vec *d = vec_new(A, ty_dec(38, 4), 3);
    cr_assert_not_null(d);
    cr_assert(all_zero(d->values, 48));
    cr_assert_eq((uintptr_t)d->values % 16, 0);
}

Test(vec_layout, bool_null_and_varlen)
{
    vec *b = vec_new(A, ty(VEC_BOOL), 17);
    cr_assert_not_null(b);
    cr_assert(all_zero(b->values, 3));
    vec *n = vec_new(A, ty(VEC_NULL), 9);
    cr_assert_not_null(n);
    cr_assert_null(n->values);
    cr_assert_null(n->validity);
    cr_assert_eq(n->null_count, 9);
    for (int k = 0; k < 2; k++) {
        vec *s = vec_new(A, ty(k ? VEC_BINARY : VEC_STRING), 5);
        cr_assert_not_null(s);
        cr_assert(all_zero(s->values, 6 * sizeof(int32_t)));
        cr_assert_null(s->bytes);
        cr_assert_eq(s->n_bytes, 0);
    }
}

Test(vec_layout, nested_types)
{
    vec_type *lt = ty_list(ty(VEC_INT32));
    vec *l = vec_new(A, lt, 4);
    cr_assert_not_null(l);
    cr_assert(all_zero(l->values, 5 * sizeof(int32_t)));
    cr_assert_not_null(l->children);
    cr_assert_eq(l->children[0]->len, 0);
    cr_assert_eq(l->children[0]->type->id, VEC_INT32);

    vec *m = vec_new(A, ty_map(ty(VEC_STRING), ty(VEC_DOUBLE)), 2);
    cr_assert_not_null(m);
    cr_assert(all_zero(m->values, 3 * sizeof(int32_t)));
    vec *e = m->children[0];
    cr_assert_eq(e->type->id, VEC_STRUCT);
    cr_assert_eq(e->len, 0);
    cr_assert_eq(e->children[0]->type->id, VEC_STRING);
    cr_assert_eq(e->children[1]->type->id, VEC_DOUBLE);
    cr_assert_eq(e->children[1]->len, 0);

    vec *s = vec_new(A, ty_struct2("a", ty(VEC_INT64), "b", lt), 6);
    cr_assert_not_null(s);
    cr_assert_null(s->values);
    cr_assert_eq(s->children[0]->len, 6);
    cr_assert(all_zero(s->children[0]->values, 48));
    cr_assert_eq(s->children[1]->len, 6);
    cr_assert_eq(s->children[1]->children[0]->len, 0);
    cr_assert_str_eq(json(s, 5), "{\"a\":0,\"b\":[]}");
}

Test(vec_layout, zero_rows_and_bad_requests)
{
    vec *z = vec_new(A, ty(VEC_STRING), 0);
    cr_assert_not_null(z);
    cr_assert_eq(off_at(z, 0), 0);
    cr_assert_not_null(vec_new(A, ty(VEC_INT32), 0));
    cr_assert_null(vec_new(A, ty(VEC_INT32), -1));
    cr_assert_null(vec_new(A, ty(VEC_DOUBLE), INT64_MAX / 2));     /* size overflow */
    cr_assert_null(vec_new(A, ty(VEC_STRING), INT64_MAX - 1));     /* offsets overflow */
    cr_assert_null(vec_new(A, ty(VEC_LIST), 3));                   /* list without element */
    vec_type *odd = ty(VEC_TYPE_COUNT);
    cr_assert_null(vec_new(A, odd, 3));
}

/* ---- validity ------------------------------------------------------------ */

TestSuite(vec_valid, .init = setup, .fini = teardown);

Test(vec_valid, alloc_is_all_valid_and_idempotent)
{
    st_error err;
    vec *v = vec_new(A, ty(VEC_INT32), 20);
    OK(vec_alloc_validity(A, v, &err));
    uint8_t *bits = v->validity;
    cr_assert_not_null(bits);
    for (int i = 0; i < 20; i++)
        cr_assert(vec_is_valid(v, i));
    OK(vec_alloc_validity(A, v, &err));
    cr_assert_eq(v->validity, bits);
    vec_finish_validity(v);
    cr_assert_null(v->validity);
    cr_assert_eq(v->null_count, 0);
}

Test(vec_valid, set_null_counts_exactly)
{
    st_error err;
    st_error_init(&err);
    vec *v = vec_new(A, ty(VEC_STRING), 13);
    OK(vec_set_null(A, v, 0, &err));
    OK(vec_set_null(A, v, 12, &err));
    OK(vec_set_null(A, v, 12, &err));          /* twice: counted once */
    OK(vec_set_null(A, v, 7, &err));
    cr_assert_eq(v->null_count, 3);
    cr_assert_not(vec_is_valid(v, 0));
    cr_assert_not(vec_is_valid(v, 7));
    cr_assert_not(vec_is_valid(v, 12));
    cr_assert(vec_is_valid(v, 1));
    cr_assert(vec_is_valid(v, 11));
    cr_assert_eq(vec_set_null(A, v, 13, &err), ST_ERR_INTERNAL);
    cr_assert(strstr(err.msg, "13") != NULL);
    cr_assert_eq(vec_set_null(A, v, -1, &err), ST_ERR_INTERNAL);
    cr_assert_str_eq(text(v, 7), "NULL");
    cr_assert_str_eq(json(v, 7), "null");
    cr_assert_str_eq(json(v, 8), "\"\"");
}

Test(vec_valid, finish_recounts_and_drops_full_bitmap)
{
    st_error err;
    vec *v = vec_new(A, ty(VEC_INT64), 21);
    OK(vec_alloc_validity(A, v, &err));
    vec_bit_clear(v->validity, 3);
    vec_bit_clear(v->validity, 8);
    vec_bit_clear(v->validity, 20);
    v->null_count = 999;                       /* stale on purpose */
    vec_finish_validity(v);
    cr_assert_eq(v->null_count, 3);
    cr_assert_not_null(v->validity);
    vec_bit_set(v->validity, 3);
    vec_bit_set(v->validity, 8);
    vec_bit_set(v->validity, 20);
    vec_finish_validity(v);
    cr_assert_eq(v->null_count, 0);
    cr_assert_null(v->validity);
}

Test(vec_valid, null_type)
{
    st_error err;
    vec *v = vec_new(A, ty(VEC_NULL), 4);
    OK(vec_set_null(A, v, 2, &err));
    OK(vec_alloc_validity(A, v, &err));
    cr_assert_null(v->validity);
    vec_finish_validity(v);
    cr_assert_eq(v->null_count, 4);
    cr_assert_str_eq(text(v, 0), "NULL");
    cr_assert_str_eq(json(v, 3), "null");
}

/* ---- batches ------------------------------------------------------------- */

TestSuite(vec_batch, .init = setup, .fini = teardown);

Test(vec_batch, new_and_free)
{
    vec_field f[2] = {{"a", {VEC_INT32, 0, 0, 0, NULL}, true},
                      {"b", {VEC_STRING, 0, 0, 0, NULL}, false}};
    vec_schema s = {2, f};
    vec_batch *b = vec_batch_new(&s, 2, 4096);
    cr_assert_not_null(b);
    cr_assert_eq(b->schema, &s);
    cr_assert_eq(b->n_cols, 2);
    cr_assert_eq(b->n_rows, 0);
    cr_assert_null(b->cols[0]);
    cr_assert_null(b->cols[1]);
    cr_assert_not_null(b->arena);
    b->cols[0] = vec_new(b->arena, &f[0].type, 100);
    b->cols[1] = vec_new(b->arena, &f[1].type, 100);
    cr_assert_not_null(b->cols[0]);
    cr_assert_not_null(b->cols[1]);
    b->n_rows = 100;
    vec_batch_free(b);
    vec_batch_free(NULL);
    vec_batch *e = vec_batch_new(&s, 0, 0);
    cr_assert_not_null(e);
    vec_batch_free(e);
    cr_assert_null(vec_batch_new(&s, -1, 0));
}

Test(vec_batch, oom_returns_null)
{
    vec_schema s = {0, NULL};
    for (long n = 0; n < 3; n++) {
        st_alloc_fail_after(n);
        vec_batch *b = vec_batch_new(&s, 3, 0);
        st_alloc_fail_after(-1);
        vec_batch_free(b);
    }
    st_alloc_fail_after(0);
    cr_assert_null(vec_batch_new(&s, 3, 0));
    st_alloc_fail_after(-1);
}

/* ---- builders: scalars --------------------------------------------------- */

TestSuite(vec_build, .init = setup, .fini = teardown);

Test(vec_build, integers_and_ranges)
{
    st_error err;
    st_error_init(&err);
    vec_builder *b = vec_builder_new(ty(VEC_INT8));
    OK(vec_builder_append_i64(b, -128, &err));
    OK(vec_builder_append_u64(b, 127, &err));
    cr_assert_eq(vec_builder_append_i64(b, 128, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "128") && strstr(err.msg, "tinyint"), "%s", err.msg);
    cr_assert_eq(vec_builder_append_i64(b, -129, &err), ST_ERR_ARGUMENT);
    OK(vec_builder_append_null(b, &err));
    cr_assert_eq(vec_builder_len(b), 3);
    vec *v = finish(b);
    cr_assert_eq(v->len, 3);
    cr_assert_eq(v->null_count, 1);
    cr_assert_eq(((int8_t *)v->values)[0], -128);
    cr_assert_eq(((int8_t *)v->values)[1], 127);
    cr_assert_eq(((int8_t *)v->values)[2], 0);
    cr_assert_eq(v->validity[0] & 7, 3);
    vec_builder_free(b);

    b = vec_builder_new(ty(VEC_UINT8));
    cr_assert_eq(vec_builder_append_i64(b, -1, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "-1") != NULL);
    cr_assert_eq(vec_builder_append_u64(b, 256, &err), ST_ERR_ARGUMENT);
    OK(vec_builder_append_i64(b, 255, &err));
    cr_assert_eq(vec_builder_len(b), 1);
    vec_builder_free(b);

    b = vec_builder_new(ty(VEC_INT64));
    OK(vec_builder_append_i64(b, INT64_MIN, &err));
    OK(vec_builder_append_u64(b, INT64_MAX, &err));
    cr_assert_eq(vec_builder_append_u64(b, (uint64_t)INT64_MAX + 1, &err), ST_ERR_ARGUMENT);
    v = finish(b);
    cr_assert_null(v->validity);
    cr_assert_eq(v->null_count, 0);
    cr_assert_eq(((int64_t *)v->values)[0], INT64_MIN);
    cr_assert_eq(((int64_t *)v->values)[1], INT64_MAX);
    cr_assert_str_eq(json(v, 0), "-9223372036854775808");
    vec_builder_free(b);

    b = vec_builder_new(ty(VEC_UINT64));
    OK(vec_builder_append_u64(b, UINT64_MAX, &err));
    cr_assert_eq(vec_builder_append_i64(b, -5, &err), ST_ERR_ARGUMENT);
    v = finish(b);
    cr_assert_eq(((uint64_t *)v->values)[0], UINT64_MAX);
    cr_assert_str_eq(text(v, 0), "18446744073709551615");
    vec_builder_free(b);
}

Test(vec_build, int16_int32_uint16_uint32)
{
    st_error err;
    vec_builder *b16 = vec_builder_new(ty(VEC_INT16));
    vec_builder *b32 = vec_builder_new(ty(VEC_INT32));
    vec_builder *u16 = vec_builder_new(ty(VEC_UINT16));
    vec_builder *u32 = vec_builder_new(ty(VEC_UINT32));
    OK(vec_builder_append_i64(b16, -32768, &err));
    cr_assert_eq(vec_builder_append_i64(b16, 32768, &err), ST_ERR_ARGUMENT);
    OK(vec_builder_append_i64(b32, INT32_MIN, &err));
    cr_assert_eq(vec_builder_append_i64(b32, (int64_t)INT32_MAX + 1, &err), ST_ERR_ARGUMENT);
    OK(vec_builder_append_u64(u16, 65535, &err));
    OK(vec_builder_append_u64(u32, UINT32_MAX, &err));
    cr_assert_eq(vec_builder_append_u64(u32, (uint64_t)UINT32_MAX + 1, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(json(finish(b16), 0), "-32768");
    cr_assert_str_eq(json(finish(b32), 0), "-2147483648");
    cr_assert_str_eq(json(finish(u16), 0), "65535");
    cr_assert_str_eq(json(finish(u32), 0), "4294967295");
    vec_builder_free(b16);
    vec_builder_free(b32);
    vec_builder_free(u16);
    vec_builder_free(u32);
}

Test(vec_build, bools_with_nulls)
{
    st_error err;
    vec_builder *b = vec_builder_new(ty(VEC_BOOL));
    for (int i = 0; i < 19; i++) {
        if (i % 5 == 4)
            OK(vec_builder_append_null(b, &err));
        else
            OK(vec_builder_append_bool(b, i % 3 == 0, &err));
    }
    vec *v = finish(b);
    cr_assert_eq(v->len, 19);
    cr_assert_eq(v->null_count, 3);
    for (int i = 0; i < 19; i++) {
        cr_assert_eq(vec_is_valid(v, i), i % 5 != 4, "row %d", i);
        if (i % 5 != 4)
            cr_assert_eq(vec_bit_get(v->values, i), i % 3 == 0, "row %d", i);
        else
            cr_assert_not(vec_bit_get(v->values, i));
    }
    cr_assert_str_eq(json(v, 0), "true");
    cr_assert_str_eq(text(v, 1), "false");
    cr_assert_str_eq(text(v, 4), "NULL");
    vec_builder_free(b);
}

Test(vec_build, temporal_and_real)
{
    st_error err;
    vec_builder *d = vec_builder_new(ty(VEC_DATE));
    OK(vec_builder_append_i64(d, -25508, &err));
    cr_assert_eq(vec_builder_append_i64(d, (int64_t)INT32_MAX + 1, &err), ST_ERR_ARGUMENT);
    vec *dv = finish(d);
    cr_assert_eq(((int32_t *)dv->values)[0], -25508);
    cr_assert_str_eq(json(dv, 0), "\"1900-03-01\"");
    vec_builder_free(d);

    vec_builder *t = vec_builder_new(ty(VEC_TIME));
    vec_builder *ts = vec_builder_new(ty(VEC_TIMESTAMP));
    vec_builder *tn = vec_builder_new(ty(VEC_TIMESTAMP_NTZ));
    OK(vec_builder_append_i64(t, 3723000001LL, &err));
    OK(vec_builder_append_i64(ts, 1500000, &err));
    OK(vec_builder_append_i64(tn, 1500000, &err));
    cr_assert_str_eq(json(finish(t), 0), "\"01:02:03.000001\"");
    cr_assert_str_eq(json(finish(ts), 0), "\"1970-01-01T00:00:01.500000Z\"");
    cr_assert_str_eq(json(finish(tn), 0), "\"1970-01-01T00:00:01.500000\"");
    vec_builder_free(t);
    vec_builder_free(ts);
    vec_builder_free(tn);

    vec_builder *f = vec_builder_new(ty(VEC_FLOAT));
    OK(vec_builder_append_f64(f, 0.1, &err));
    OK(vec_builder_append_null(f, &err));
    vec *fv = finish(f);
    cr_assert_eq(((float *)fv->values)[0], 0.1f);
    cr_assert_eq(((float *)fv->values)[1], 0.0f);
    cr_assert_str_eq(json(fv, 0), "0.1");
    cr_assert_str_eq(json(fv, 1), "null");
    vec_builder_free(f);

    vec_builder *g = vec_builder_new(ty(VEC_DOUBLE));
    OK(vec_builder_append_f64(g, 0.1, &err));
    vec *gv = finish(g);
    cr_assert_eq(((double *)gv->values)[0], 0.1);
    vec_builder_free(g);
}

Test(vec_build, decimals)
{
    st_error err;
    vec_builder *b = vec_builder_new(ty_dec(5, 2));
    OK(vec_builder_append_i128(b, 99999, &err));
    OK(vec_builder_append_i128(b, -99999, &err));
    cr_assert_eq(vec_builder_append_i128(b, 100000, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "1000.00") && strstr(err.msg, "decimal(5,2)"), "%s", err.msg);
    cr_assert_eq(vec_builder_append_i128(b, -100000, &err), ST_ERR_ARGUMENT);
    OK(vec_builder_append_null(b, &err));
    vec *v = finish(b);
    __int128 x;
    memcpy(&x, (uint8_t *)v->values + 16, 16);
    cr_assert(x == -99999);
    cr_assert_str_eq(json(v, 0), "999.99");
    cr_assert_str_eq(text(v, 1), "-999.99");
    cr_assert_str_eq(text(v, 2), "NULL");
    vec_builder_free(b);
    cr_assert_null(vec_builder_new(ty_dec(39, 0)));     /* bad precision */
    cr_assert_null(vec_builder_new(ty_dec(5, 6)));      /* scale > precision */
}

Test(vec_build, strings_and_binary)
{
    st_error err;
    vec_builder *b = vec_builder_new(ty(VEC_STRING));
    OK(vec_builder_append_bytes(b, "abc", 3, &err));
    OK(vec_builder_append_bytes(b, "", 0, &err));
    OK(vec_builder_append_null(b, &err));
    OK(vec_builder_append_bytes(b, "de", 2, &err));
    vec *v = finish(b);
    cr_assert_eq(v->len, 4);
    cr_assert_eq(v->null_count, 1);
    cr_assert_eq(v->n_bytes, 5);
    int32_t want[] = {0, 3, 3, 3, 5};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(off_at(v, i), want[i], "offset %d", i);
    cr_assert(memcmp(v->bytes, "abcde", 5) == 0);
    cr_assert_str_eq(text(v, 0), "abc");
    cr_assert_str_eq(text(v, 1), "");
    cr_assert_str_eq(json(v, 1), "\"\"");
    cr_assert_str_eq(text(v, 2), "NULL");
    cr_assert_str_eq(json(v, 3), "\"de\"");
    vec_builder_free(b);

    b = vec_builder_new(ty(VEC_BINARY));
    OK(vec_builder_append_bytes(b, "\x00\x01\x02", 3, &err));
    v = finish(b);
    cr_assert_str_eq(json(v, 0), "\"AAEC\"");
    vec_builder_free(b);

    b = vec_builder_new(ty(VEC_STRING));   /* empty vector: offsets {0} */
    v = finish(b);
    cr_assert_eq(v->len, 0);
    cr_assert_eq(off_at(v, 0), 0);
    cr_assert_null(v->validity);
    vec_builder_free(b);
}

Test(vec_build, many_rows_grow)
{
    st_error err;
    vec_builder *b = vec_builder_new(ty(VEC_STRING));
    char tmp[32];
    for (int i = 0; i < 5000; i++) {
        if (i % 7 == 0) {
            OK(vec_builder_append_null(b, &err));
        } else {
            int n = snprintf(tmp, sizeof tmp, "row%d", i);
            OK(vec_builder_append_bytes(b, tmp, (size_t)n, &err));
        }
    }
    vec *v = finish(b);
    cr_assert_eq(v->len, 5000);
    cr_assert_eq(v->null_count, 715);
    cr_assert_str_eq(text(v, 4999), "row4999");
    cr_assert_str_eq(text(v, 4998), "NULL");
    cr_assert_str_eq(text(v, 1), "row1");
    vec_builder_free(b);
}

Test(vec_build, null_type)
{
    st_error err;
    vec_builder *b = vec_builder_new(ty(VEC_NULL));
    OK(vec_builder_append_null(b, &err));
    OK(vec_builder_append_null(b, &err));
    cr_assert_eq(vec_builder_append_i64(b, 1, &err), ST_ERR_INTERNAL);
    vec *v = finish(b);
    cr_assert_eq(v->len, 2);
    cr_assert_eq(v->null_count, 2);
    cr_assert_null(v->validity);
    cr_assert_null(v->values);
    vec_builder_free(b);
}

Test(vec_build, wrong_kinds_are_internal_errors)
{
    st_error err;
    st_error_init(&err);
    vec_builder *i32 = vec_builder_new(ty(VEC_INT32));
    cr_assert_eq(vec_builder_append_bytes(i32, "x", 1, &err), ST_ERR_INTERNAL);
    cr_assert(strstr(err.msg, "int") && strstr(err.msg, "bytes"), "%s", err.msg);
    cr_assert_eq(vec_builder_append_bool(i32, true, &err), ST_ERR_INTERNAL);
    cr_assert_eq(vec_builder_append_f64(i32, 1.0, &err), ST_ERR_INTERNAL);
    cr_assert_eq(vec_builder_append_i128(i32, 1, &err), ST_ERR_INTERNAL);
    cr_assert_eq(vec_builder_end_list(i32, &err), ST_ERR_INTERNAL);
    cr_assert_eq(vec_builder_append_struct(i32, true, &err), ST_ERR_INTERNAL);
    cr_assert_eq(vec_builder_len(i32), 0);      /* nothing half-appended */
    cr_assert_null(vec_builder_child(i32, 0));
    vec_builder *s = vec_builder_new(ty(VEC_STRING));
    cr_assert_eq(vec_builder_append_i64(s, 1, &err), ST_ERR_INTERNAL);
    cr_assert_eq(vec_builder_append_u64(s, 1, &err), ST_ERR_INTERNAL);
    vec_builder *dec = vec_builder_new(ty_dec(10, 2));
    cr_assert_eq(vec_builder_append_i64(dec, 1, &err), ST_ERR_INTERNAL);
    vec_builder *l = vec_builder_new(ty_list(ty(VEC_INT32)));
    cr_assert_eq(vec_builder_append_i64(l, 1, &err), ST_ERR_INTERNAL);
    cr_assert_eq(vec_builder_append_struct(l, true, &err), ST_ERR_INTERNAL);
    vec_builder_free(i32);
    vec_builder_free(s);
    vec_builder_free(dec);
    vec_builder_free(l);
    vec_builder_free(NULL);
    cr_assert_null(vec_builder_new(ty(VEC_LIST)));             /* malformed type */
    cr_assert_null(vec_builder_new(ty_nested(VEC_MAP, 1, (const char *const[]){"e"},
                                             (vec_type *const[]){ty(VEC_INT32)})));
}

/* ---- builders: nested ---------------------------------------------------- */

Test(vec_build, list_of_int)
{
    st_error err;
    vec_builder *b = vec_builder_new(ty_list(ty(VEC_INT32)));
    vec_builder *c = vec_builder_child(b, 0);
    cr_assert_not_null(c);
    cr_assert_null(vec_builder_child(b, 1));
    OK(vec_builder_append_i64(c, 1, &err));          /* [1, 2] */
    OK(vec_builder_append_i64(c, 2, &err));
    OK(vec_builder_end_list(b, &err));
    OK(vec_builder_append_null(b, &err));            /* null */
    OK(vec_builder_end_list(b, &err));               /* [] */
    OK(vec_builder_append_null(c, &err));            /* [null, 3] */
    OK(vec_builder_append_i64(c, 3, &err));
    OK(vec_builder_end_list(b, &err));
    vec *v = finish(b);
    cr_assert_eq(v->len, 4);
    cr_assert_eq(v->null_count, 1);
    int32_t want[] = {0, 2, 2, 2, 4};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(off_at(v, i), want[i], "offset %d", i);
    vec *e = v->children[0];
    cr_assert_eq(e->len, 4);
    cr_assert_eq(e->null_count, 1);
    cr_assert_eq(((int32_t *)e->values)[3], 3);
    cr_assert_str_eq(json(v, 0), "[1,2]");
    cr_assert_str_eq(text(v, 0), "[1,2]");
    cr_assert_str_eq(json(v, 1), "null");
    cr_assert_str_eq(text(v, 1), "NULL");
    cr_assert_str_eq(json(v, 2), "[]");
    cr_assert_str_eq(text(v, 3), "[null,3]");
    vec_builder_free(b);
}

Test(vec_build, list_misuse)
{
    st_error err;
    vec_builder *b = vec_builder_new(ty_list(ty(VEC_STRING)));
    vec_builder *c = vec_builder_child(b, 0);
    OK(vec_builder_append_bytes(c, "x", 1, &err));
    cr_assert_eq(vec_builder_append_null(b, &err), ST_ERR_INTERNAL);   /* pending element */
    cr_assert_eq(vec_builder_len(b), 0);
    vec *v = NULL;
    cr_assert_eq(vec_builder_finish(b, A, &v, &err), ST_ERR_INTERNAL); /* no end_list */
    cr_assert(strstr(err.msg, "end_list") != NULL, "%s", err.msg);
    cr_assert_null(v);
    OK(vec_builder_end_list(b, &err));
    v = finish(b);
    cr_assert_str_eq(json(v, 0), "[\"x\"]");
    vec *again = finish(b);                          /* finish leaves the builder intact */
    cr_assert_neq(again, v);
    cr_assert_str_eq(json(again, 0), "[\"x\"]");
    vec_builder_free(b);
}

Test(vec_build, list_of_list)
{
    st_error err;
    vec_builder *b = vec_builder_new(ty_list(ty_list(ty(VEC_INT64))));
    vec_builder *inner = vec_builder_child(b, 0), *leaf = vec_builder_child(inner, 0);
    OK(vec_builder_append_i64(leaf, 1, &err));
    OK(vec_builder_end_list(inner, &err));
    OK(vec_builder_append_null(inner, &err));
    OK(vec_builder_end_list(inner, &err));
    OK(vec_builder_end_list(b, &err));
    vec *v = finish(b);
    cr_assert_str_eq(json(v, 0), "[[1],null,[]]");
    vec_builder_free(b);
}

Test(vec_build, map_of_string_int)
{
    st_error err;
    vec_builder *b = vec_builder_new(ty_map(ty(VEC_STRING), ty(VEC_INT32)));
    vec_builder *e = vec_builder_child(b, 0);
    vec_builder *k = vec_builder_child(e, 0), *val = vec_builder_child(e, 1);
    cr_assert_not_null(k);
    cr_assert_not_null(val);
    OK(vec_builder_append_bytes(k, "a", 1, &err));   /* {"a":1,"b":null} */
    OK(vec_builder_append_i64(val, 1, &err));
    OK(vec_builder_append_struct(e, true, &err));
    OK(vec_builder_append_bytes(k, "b", 1, &err));
    OK(vec_builder_append_null(val, &err));
    OK(vec_builder_append_struct(e, true, &err));
    OK(vec_builder_end_list(b, &err));
    OK(vec_builder_append_null(b, &err));            /* null */
    OK(vec_builder_end_list(b, &err));               /* {} */
    vec *v = finish(b);
    cr_assert_eq(v->len, 3);
    cr_assert_eq(v->null_count, 1);
    cr_assert_eq(off_at(v, 1), 2);
    cr_assert_eq(off_at(v, 3), 2);
    vec *ev = v->children[0];
    cr_assert_eq(ev->type->id, VEC_STRUCT);
    cr_assert_eq(ev->len, 2);
    cr_assert_null(ev->validity);
    cr_assert_eq(ev->children[0]->len, 2);
    cr_assert_eq(ev->children[1]->null_count, 1);
    cr_assert_str_eq(json(v, 0), "{\"a\":1,\"b\":null}");
    cr_assert_str_eq(text(v, 0), "{\"a\":1,\"b\":null}");
    cr_assert_str_eq(json(v, 1), "null");
    cr_assert_str_eq(json(v, 2), "{}");
    vec_builder_free(b);
}

Test(vec_build, map_rejects_null_keys_and_entries)
{
    st_error err;
    st_error_init(&err);
    vec_builder *b = vec_builder_new(ty_map(ty(VEC_INT32), ty(VEC_STRING)));
    vec_builder *e = vec_builder_child(b, 0);
    OK(vec_builder_append_null(vec_builder_child(e, 0), &err));
    OK(vec_builder_append_bytes(vec_builder_child(e, 1), "v", 1, &err));
    OK(vec_builder_append_struct(e, true, &err));
    cr_assert_eq(vec_builder_end_list(b, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "null key") != NULL, "%s", err.msg);
    cr_assert_eq(vec_builder_len(b), 0);
    vec_builder_free(b);

    b = vec_builder_new(ty_map(ty(VEC_INT32), ty(VEC_STRING)));
    e = vec_builder_child(b, 0);
    OK(vec_builder_append_null(e, &err));
    cr_assert_eq(vec_builder_end_list(b, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "null entry") != NULL, "%s", err.msg);
    vec_builder_free(b);
}

Test(vec_build, struct_rows)
{
    st_error err;
    st_error_init(&err);
    vec_builder *b = vec_builder_new(ty_struct2("a", ty(VEC_INT32), "b", ty(VEC_STRING)));
    vec_builder *a = vec_builder_child(b, 0), *s = vec_builder_child(b, 1);
    OK(vec_builder_append_i64(a, 1, &err));          /* {"a":1,"b":"x"} */
    OK(vec_builder_append_bytes(s, "x", 1, &err));
    OK(vec_builder_append_struct(b, true, &err));
    OK(vec_builder_append_null(a, &err));            /* null via append_struct(false) */
    OK(vec_builder_append_null(s, &err));
    OK(vec_builder_append_struct(b, false, &err));
    OK(vec_builder_append_null(b, &err));            /* null via the shortcut */
    OK(vec_builder_append_null(a, &err));            /* {"a":null,"b":""} */
    OK(vec_builder_append_bytes(s, "", 0, &err));
    OK(vec_builder_append_struct(b, true, &err));
    /* a missing field value, then a doubled one */
    OK(vec_builder_append_i64(a, 2, &err));
    cr_assert_eq(vec_builder_append_struct(b, true, &err), ST_ERR_INTERNAL);
    cr_assert(strstr(err.msg, "\"b\"") != NULL, "%s", err.msg);
    cr_assert_eq(vec_builder_append_struct(b, false, &err), ST_ERR_INTERNAL);
    cr_assert_eq(vec_builder_append_null(b, &err), ST_ERR_INTERNAL);
    OK(vec_builder_append_i64(a, 3, &err));
    OK(vec_builder_append_bytes(s, "y", 1, &err));
    cr_assert_eq(vec_builder_append_struct(b, true, &err), ST_ERR_INTERNAL);
    cr_assert_eq(vec_builder_len(b), 4);
    vec *v = NULL;
    cr_assert_eq(vec_builder_finish(b, A, &v, &err), ST_ERR_INTERNAL);
    vec_builder_free(b);

    b = vec_builder_new(ty_struct2("a", ty(VEC_INT32), "b", ty(VEC_STRING)));
    a = vec_builder_child(b, 0);
    s = vec_builder_child(b, 1);
    OK(vec_builder_append_i64(a, 1, &err));
    OK(vec_builder_append_bytes(s, "x", 1, &err));
    OK(vec_builder_append_struct(b, true, &err));
    OK(vec_builder_append_null(a, &err));
    OK(vec_builder_append_null(s, &err));
    OK(vec_builder_append_struct(b, false, &err));
    OK(vec_builder_append_null(b, &err));
    v = finish(b);
    cr_assert_eq(v->len, 3);
    cr_assert_eq(v->null_count, 2);
    cr_assert_null(v->values);
    cr_assert_eq(v->children[0]->len, 3);
    cr_assert_eq(v->children[0]->null_count, 2);
    cr_assert_eq(v->children[1]->len, 3);
    cr_assert_eq(off_at(v->children[1], 3), 1);
    cr_assert_str_eq(json(v, 0), "{\"a\":1,\"b\":\"x\"}");
    cr_assert_str_eq(text(v, 0), "{\"a\":1,\"b\":\"x\"}");
    cr_assert_str_eq(json(v, 1), "null");
    cr_assert_str_eq(text(v, 2), "NULL");
    vec_builder_free(b);
}

/* struct<id:int, l:array<map<string,int>>> with nulls at every level. */
static vec_type *deep_type(void)
{
    return ty_struct2("id", ty(VEC_INT32), "l", ty_list(ty_map(ty(VEC_STRING), ty(VEC_INT32))));
}

static void map_entry(vec_builder *m, const char *k, const int64_t *val, st_error *err)
{
    vec_builder *e = vec_builder_child(m, 0);
    OK(vec_builder_append_bytes(vec_builder_child(e, 0), k, strlen(k), err));
    if (val)
        OK(vec_builder_append_i64(vec_builder_child(e, 1), *val, err));
    else
        OK(vec_builder_append_null(vec_builder_child(e, 1), err));
    OK(vec_builder_append_struct(e, true, err));
}

static vec_builder *build_deep(st_error *err)
{
    vec_builder *b = vec_builder_new(deep_type());
    cr_assert_not_null(b);
    vec_builder *id = vec_builder_child(b, 0), *l = vec_builder_child(b, 1);
    vec_builder *m = vec_builder_child(l, 0);
    int64_t one = 1, two = 2;
    /* row 0: {"id":1,"l":[{"a":1,"b":null},null,{}]} */
    OK(vec_builder_append_i64(id, 1, err));
    map_entry(m, "a", &one, err);
    map_entry(m, "b", NULL, err);
    OK(vec_builder_end_list(m, err));
    OK(vec_builder_append_null(m, err));
    OK(vec_builder_end_list(m, err));
    OK(vec_builder_end_list(l, err));
    OK(vec_builder_append_struct(b, true, err));
    /* row 1: null struct */
    OK(vec_builder_append_null(b, err));
    /* row 2: {"id":null,"l":null} */
    OK(vec_builder_append_null(id, err));
    OK(vec_builder_append_null(l, err));
    OK(vec_builder_append_struct(b, true, err));
    /* row 3: {"id":3,"l":[]} */
    OK(vec_builder_append_i64(id, 3, err));
    OK(vec_builder_end_list(l, err));
    OK(vec_builder_append_struct(b, true, err));
    /* row 4: {"id":4,"l":[{"q\"":2}]} */
    OK(vec_builder_append_i64(id, 4, err));
    map_entry(m, "q\"", &two, err);
    OK(vec_builder_end_list(m, err));
    OK(vec_builder_end_list(l, err));
    OK(vec_builder_append_struct(b, true, err));
    return b;
}

Test(vec_build, nested_struct_list_map_with_nulls)
{
    st_error err;
    st_error_init(&err);
    vec_builder *b = build_deep(&err);
    vec *v = finish(b);
    cr_assert_eq(v->len, 5);
    cr_assert_eq(v->null_count, 1);
    vec *l = v->children[1];
    cr_assert_eq(l->len, 5);
    cr_assert_eq(l->null_count, 2);                 /* struct-null row and row 2 */
    int32_t want[] = {0, 3, 3, 3, 3, 4};
    for (int i = 0; i < 6; i++)
        cr_assert_eq(off_at(l, i), want[i], "offset %d", i);
    vec *m = l->children[0];
    cr_assert_eq(m->len, 4);
    cr_assert_eq(m->null_count, 1);
    cr_assert_eq(m->children[0]->len, 3);
    cr_assert_str_eq(json(v, 0), "{\"id\":1,\"l\":[{\"a\":1,\"b\":null},null,{}]}");
    cr_assert_str_eq(text(v, 0), "{\"id\":1,\"l\":[{\"a\":1,\"b\":null},null,{}]}");
    cr_assert_str_eq(json(v, 1), "null");
    cr_assert_str_eq(json(v, 2), "{\"id\":null,\"l\":null}");
    cr_assert_str_eq(json(v, 3), "{\"id\":3,\"l\":[]}");
    cr_assert_str_eq(json(v, 4), "{\"id\":4,\"l\":[{\"q\\\"\":2}]}");
    cr_assert_str_eq(tname(v->type), "struct<id:int,l:array<map<string,int>>>");
    vec_builder_free(b);
}

Test(vec_build, allocation_failures_are_reported)
{
    bool saw_nomem = false, saw_ok = false;
    vec_type *t = deep_type();
    for (long n = 0; n < 200 && !saw_ok; n++) {
        st_error err;
        st_error_init(&err);
        st_arena *a = st_arena_new(256);
        st_alloc_fail_after(n);
        vec_builder *b = vec_builder_new(t);
        st_status rc = b ? ST_OK : ST_ERR_NOMEM;
        if (b) {
            vec_builder *id = vec_builder_child(b, 0), *l = vec_builder_child(b, 1);
            vec_builder *m = vec_builder_child(l, 0);
            int64_t one = 1;
            rc = vec_builder_append_i64(id, 1, &err);
            for (int k = 0; k < 40 && rc == ST_OK; k++) {
                vec_builder *e = vec_builder_child(m, 0);
                rc = vec_builder_append_bytes(vec_builder_child(e, 0), "key", 3, &err);
                if (rc == ST_OK)
                    rc = vec_builder_append_i64(vec_builder_child(e, 1), one, &err);
                if (rc == ST_OK)
                    rc = vec_builder_append_struct(e, true, &err);
                if (rc == ST_OK)
                    rc = vec_builder_end_list(m, &err);
            }
            if (rc == ST_OK)
                rc = vec_builder_end_list(l, &err);
            if (rc == ST_OK)
                rc = vec_builder_append_struct(b, true, &err);
            vec *v = NULL;
            if (rc == ST_OK)
                rc = vec_builder_finish(b, a, &v, &err);
        }
        st_alloc_fail_after(-1);
        cr_assert(rc == ST_OK || rc == ST_ERR_NOMEM, "n=%ld rc=%d %s", n, rc, err.msg);
        saw_nomem |= rc == ST_ERR_NOMEM;
        saw_ok |= rc == ST_OK;
        vec_builder_free(b);
        st_arena_free(a);
    }
    cr_assert(saw_nomem);
    cr_assert(saw_ok);
}

/* ---- formatting ---------------------------------------------------------- */

TestSuite(vec_fmt, .init = setup, .fini = teardown);

/* A one-column vector of n fixed-width values copied from p. */
static vec *fixed_vec(vec_type *t, const void *p, int64_t n)
{
    vec *v = vec_new(A, t, n);
    cr_assert_not_null(v);
    memcpy(v->values, p, (size_t)n * (size_t)vec_type_width(t->id));
    return v;
}

Test(vec_fmt, integers)
{
    int8_t i8[] = {INT8_MIN, INT8_MAX};
    vec *v = fixed_vec(ty(VEC_INT8), i8, 2);
    cr_assert_str_eq(text(v, 0), "-128");
    cr_assert_str_eq(json(v, 1), "127");
    uint8_t u8[] = {255};
    cr_assert_str_eq(json(fixed_vec(ty(VEC_UINT8), u8, 1), 0), "255");
    int16_t i16[] = {INT16_MIN};
    cr_assert_str_eq(json(fixed_vec(ty(VEC_INT16), i16, 1), 0), "-32768");
    uint16_t u16[] = {UINT16_MAX};
    cr_assert_str_eq(json(fixed_vec(ty(VEC_UINT16), u16, 1), 0), "65535");
    int32_t i32[] = {INT32_MAX};
    cr_assert_str_eq(json(fixed_vec(ty(VEC_INT32), i32, 1), 0), "2147483647");
    uint32_t u32[] = {UINT32_MAX};
    cr_assert_str_eq(json(fixed_vec(ty(VEC_UINT32), u32, 1), 0), "4294967295");
    int64_t i64[] = {INT64_MIN, INT64_MAX, 0};
    v = fixed_vec(ty(VEC_INT64), i64, 3);
    cr_assert_str_eq(json(v, 0), "-9223372036854775808");
    cr_assert_str_eq(text(v, 1), "9223372036854775807");
    cr_assert_str_eq(text(v, 2), "0");
    uint64_t u64[] = {UINT64_MAX};
    cr_assert_str_eq(json(fixed_vec(ty(VEC_UINT64), u64, 1), 0), "18446744073709551615");
}

Test(vec_fmt, appends_to_existing_output)
{
    int32_t x[] = {42};
    vec *v = fixed_vec(ty(VEC_INT32), x, 1);
    st_buf b;
    st_error err;
    st_buf_init(&b);
    OK(st_buf_append_str(&b, "x=", &err));
    OK(vec_format_value(v, 0, VEC_FMT_TEXT, &b, &err));
    cr_assert_eq(b.len, 4);
    cr_assert(memcmp(b.data, "x=42", 4) == 0);
    cr_assert_eq(vec_format_value(v, 1, VEC_FMT_TEXT, &b, &err), ST_ERR_INTERNAL);
    cr_assert_eq(vec_format_value(v, -1, VEC_FMT_JSON, &b, &err), ST_ERR_INTERNAL);
    cr_assert_eq(b.len, 4);
    st_buf_destroy(&b);
}

static const char *dec_str(__int128 v, int scale)
{
    static char buf[128];
    int n = vec_format_decimal(v, scale, buf, sizeof buf);
    cr_assert_eq(n, (int)strlen(buf));
    return buf;
}

/* 10^k as __int128 */
static __int128 p10(int k)
{
    __int128 r = 1;
    while (k-- > 0)
        r *= 10;
    return r;
}

Test(vec_fmt, decimal_text)
{
    cr_assert_str_eq(dec_str(-1234, 3), "-1.234");
    cr_assert_str_eq(dec_str(12340, 3), "12.340");
    cr_assert_str_eq(dec_str(-5, 2), "-0.05");
    cr_assert_str_eq(dec_str(5, 2), "0.05");
    cr_assert_str_eq(dec_str(0, 2), "0.00");
    cr_assert_str_eq(dec_str(0, 0), "0");
    cr_assert_str_eq(dec_str(-7, 0), "-7");
    cr_assert_str_eq(dec_str(123, 3), "0.123");
    cr_assert_str_eq(dec_str(-123, 3), "-0.123");
    cr_assert_str_eq(dec_str(12, -2), "1200");
    __int128 max38 = p10(38) - 1;
    cr_assert_str_eq(dec_str(max38, 10), "9999999999999999999999999999.9999999999");
    cr_assert_str_eq(dec_str(-max38, 10), "-9999999999999999999999999999.9999999999");
    cr_assert_str_eq(dec_str(-max38, 38), "-0.99999999999999999999999999999999999999");
    cr_assert_str_eq(dec_str(max38, 0), "99999999999999999999999999999999999999");
    __int128 min128 = -(__int128)((~(unsigned __int128)0) >> 1) - 1;
    cr_assert_str_eq(dec_str(min128, 0), "-170141183460469231731687303715884105728");
    char small[6];
    cr_assert_eq(vec_format_decimal(-1234, 3, small, sizeof small), 6);
    cr_assert_str_eq(small, "-1.23");
    cr_assert_eq(vec_format_decimal(1, 300, small, sizeof small), -1);
    cr_assert_str_eq(small, "");
}

Test(vec_fmt, decimal_vectors)
{
    __int128 vals[] = {p10(38) - 1, -(p10(38) - 1), -5, 0};
    vec *v = fixed_vec(ty_dec(38, 10), vals, 4);
    cr_assert_str_eq(json(v, 0), "9999999999999999999999999999.9999999999");
    cr_assert_str_eq(text(v, 1), "-9999999999999999999999999999.9999999999");
    cr_assert_str_eq(json(v, 2), "-0.0000000005");
    cr_assert_str_eq(json(v, 3), "0.0000000000");
    vec *w = fixed_vec(ty_dec(4, 2), vals + 2, 1);
    cr_assert_str_eq(json(w, 0), "-0.05");
}

Test(vec_fmt, floats)
{
    float f[] = {0.1f, 1.0f, -0.0f, 16777216.0f, FLT_MAX, FLT_MIN, 3.14159265f, 1e-45f,
                 NAN, INFINITY, -INFINITY, 1.5f};
    vec *v = fixed_vec(ty(VEC_FLOAT), f, (int64_t)ST_ARRAY_LEN(f));
    cr_assert_str_eq(json(v, 0), "0.1");
    cr_assert_str_eq(json(v, 1), "1");
    cr_assert_str_eq(json(v, 2), "-0");
    cr_assert_str_eq(json(v, 3), "16777216");
    cr_assert_str_eq(json(v, 4), "3.4028235e+38");
    cr_assert_str_eq(json(v, 5), "1.1754944e-38");
    cr_assert_str_eq(json(v, 6), "3.1415927");
    cr_assert_str_eq(json(v, 7), "1e-45");
    cr_assert_str_eq(json(v, 8), "\"NaN\"");
    cr_assert_str_eq(text(v, 8), "NaN");
    cr_assert_str_eq(json(v, 9), "\"Infinity\"");
    cr_assert_str_eq(text(v, 9), "Infinity");
    cr_assert_str_eq(json(v, 10), "\"-Infinity\"");
    cr_assert_str_eq(text(v, 10), "-Infinity");
    cr_assert_str_eq(text(v, 11), "1.5");
}

Test(vec_fmt, doubles)
{
    double d[] = {0.1, 1.0, 1e300, 1.0 / 3.0, 0.1 + 0.2, -2.5, DBL_MAX, NAN, -INFINITY,
                  INFINITY, -0.0, 123456789012345678.0, 1e-7};
    vec *v = fixed_vec(ty(VEC_DOUBLE), d, (int64_t)ST_ARRAY_LEN(d));
    cr_assert_str_eq(json(v, 0), "0.1");
    cr_assert_str_eq(json(v, 1), "1");
    cr_assert_str_eq(json(v, 2), "1e+300");
    cr_assert_str_eq(json(v, 3), "0.3333333333333333");
    cr_assert_str_eq(json(v, 4), "0.30000000000000004");
    cr_assert_str_eq(text(v, 5), "-2.5");
    cr_assert_str_eq(json(v, 6), "1.7976931348623157e+308");
    cr_assert_str_eq(json(v, 7), "\"NaN\"");
    cr_assert_str_eq(json(v, 8), "\"-Infinity\"");
    cr_assert_str_eq(text(v, 8), "-Infinity");
    cr_assert_str_eq(json(v, 9), "\"Infinity\"");
    cr_assert_str_eq(json(v, 10), "-0");
    cr_assert_str_eq(json(v, 11), "1.2345678901234568e+17");
    cr_assert_str_eq(json(v, 12), "1e-07");
    /* every finite value reads back exactly */
    for (int i = 0; i < 7; i++)
        cr_assert_eq(strtod(json(v, i), NULL), d[i], "row %d", i);
}

/* A STRING or BINARY vector with one row holding n bytes of p. */
static vec *bytes_vec(vec_type_id id, const void *p, size_t n)
{
    st_error err;
    vec_builder *b = vec_builder_new(ty(id));
    OK(vec_builder_append_bytes(b, p, n, &err));
    vec *v = finish(b);
    vec_builder_free(b);
    return v;
}

Test(vec_fmt, string_escapes)
{
    const char s[] = "a\"b\\c\nd\re\tf\bg\fh\x01i\x1f/\x7f\xc3\xa9";
    vec *v = bytes_vec(VEC_STRING, s, sizeof s - 1);
    cr_assert_str_eq(json(v, 0),
                     "\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0001i\\u001f/\x7f\xc3\xa9\"");
    cr_assert_str_eq(text(v, 0), s);
    const char z[] = {'a', 0, 'b'};
    vec *w = bytes_vec(VEC_STRING, z, 3);
    cr_assert_str_eq(json(w, 0), "\"a\\u0000b\"");
    vec *plain = bytes_vec(VEC_STRING, "plain text", 10);
    cr_assert_str_eq(json(plain, 0), "\"plain text\"");
}

Test(vec_fmt, binary_base64)
{
    const uint8_t b[] = {0xfb, 0xff, 0xfe};
    cr_assert_str_eq(json(bytes_vec(VEC_BINARY, b, 0), 0), "\"\"");
    cr_assert_str_eq(text(bytes_vec(VEC_BINARY, b, 0), 0), "");
    cr_assert_str_eq(json(bytes_vec(VEC_BINARY, b, 1), 0), "\"+w==\"");
    cr_assert_str_eq(json(bytes_vec(VEC_BINARY, b, 2), 0), "\"+/8=\"");
    cr_assert_str_eq(json(bytes_vec(VEC_BINARY, b, 3), 0), "\"+//+\"");
    cr_assert_str_eq(text(bytes_vec(VEC_BINARY, b, 3), 0), "+//+");
    cr_assert_str_eq(text(bytes_vec(VEC_BINARY, "hello", 5), 0), "aGVsbG8=");
}

Test(vec_fmt, dates)
{
    int32_t d[] = {0, -1, -719162, 2932896, 2932897, 19723, -25508,
                   (int32_t)st_days_from_civil(-1, 1, 1)};
    vec *v = fixed_vec(ty(VEC_DATE), d, (int64_t)ST_ARRAY_LEN(d));
    cr_assert_str_eq(json(v, 0), "\"1970-01-01\"");
    cr_assert_str_eq(text(v, 0), "1970-01-01");
    cr_assert_str_eq(text(v, 1), "1969-12-31");
    cr_assert_str_eq(text(v, 2), "0001-01-01");
    cr_assert_str_eq(text(v, 3), "9999-12-31");
    cr_assert_str_eq(text(v, 4), "10000-01-01");
    cr_assert_str_eq(text(v, 5), "2024-01-01");
    cr_assert_str_eq(json(v, 6), "\"1900-03-01\"");
    cr_assert_str_eq(text(v, 7), "-0001-01-01");
}

Test(vec_fmt, timestamps)
{
    int64_t t[] = {0, -1, 1704164645000000LL, 1704164645123456LL, -86400000000LL,
                   253402300799999999LL};
    vec *u = fixed_vec(ty(VEC_TIMESTAMP), t, 6);
    vec *n = fixed_vec(ty(VEC_TIMESTAMP_NTZ), t, 6);
    cr_assert_str_eq(json(u, 0), "\"1970-01-01T00:00:00Z\"");
    cr_assert_str_eq(text(u, 0), "1970-01-01 00:00:00");
    cr_assert_str_eq(json(u, 1), "\"1969-12-31T23:59:59.999999Z\"");
    cr_assert_str_eq(text(u, 1), "1969-12-31 23:59:59.999999");
    cr_assert_str_eq(json(u, 2), "\"2024-01-02T03:04:05Z\"");
    cr_assert_str_eq(text(u, 2), "2024-01-02 03:04:05");
    cr_assert_str_eq(json(u, 3), "\"2024-01-02T03:04:05.123456Z\"");
    cr_assert_str_eq(json(u, 4), "\"1969-12-31T00:00:00Z\"");
    cr_assert_str_eq(json(u, 5), "\"9999-12-31T23:59:59.999999Z\"");
    cr_assert_str_eq(json(n, 1), "\"1969-12-31T23:59:59.999999\"");
    cr_assert_str_eq(text(n, 1), "1969-12-31 23:59:59.999999");
    cr_assert_str_eq(json(n, 3), "\"2024-01-02T03:04:05.123456\"");
    cr_assert_str_eq(text(n, 3), "2024-01-02 03:04:05.123456");
}

Test(vec_fmt, times)
{
    int64_t t[] = {0, 3723000001LL, 86399999999LL, 500000};
    vec *v = fixed_vec(ty(VEC_TIME), t, 4);
    cr_assert_str_eq(text(v, 0), "00:00:00");
    cr_assert_str_eq(json(v, 0), "\"00:00:00\"");
    cr_assert_str_eq(text(v, 1), "01:02:03.000001");
    cr_assert_str_eq(text(v, 2), "23:59:59.999999");
    cr_assert_str_eq(json(v, 3), "\"00:00:00.500000\"");
}

Test(vec_fmt, map_keys_use_text_form)
{
    st_error err;
    vec_builder *b = vec_builder_new(ty_map(ty(VEC_INT64), ty(VEC_BOOL)));
    vec_builder *e = vec_builder_child(b, 0);
    OK(vec_builder_append_i64(vec_builder_child(e, 0), -7, &err));
    OK(vec_builder_append_bool(vec_builder_child(e, 1), true, &err));
    OK(vec_builder_append_struct(e, true, &err));
    OK(vec_builder_append_i64(vec_builder_child(e, 0), 8, &err));
    OK(vec_builder_append_null(vec_builder_child(e, 1), &err));
    OK(vec_builder_append_struct(e, true, &err));
    OK(vec_builder_end_list(b, &err));
    vec *v = finish(b);
    cr_assert_str_eq(json(v, 0), "{\"-7\":true,\"8\":null}");
    vec_builder_free(b);

    b = vec_builder_new(ty_map(ty(VEC_TIMESTAMP), ty_list(ty(VEC_DATE))));
    e = vec_builder_child(b, 0);
    OK(vec_builder_append_i64(vec_builder_child(e, 0), 1500000, &err));
    vec_builder *l = vec_builder_child(e, 1);
    OK(vec_builder_append_i64(vec_builder_child(l, 0), 0, &err));
    OK(vec_builder_end_list(l, &err));
    OK(vec_builder_append_struct(e, true, &err));
    OK(vec_builder_end_list(b, &err));
    v = finish(b);
    cr_assert_str_eq(json(v, 0), "{\"1970-01-01 00:00:01.500000\":[\"1970-01-01\"]}");
    cr_assert_str_eq(text(v, 0), "{\"1970-01-01 00:00:01.500000\":[\"1970-01-01\"]}");
    vec_builder_free(b);

    b = vec_builder_new(ty_map(ty(VEC_STRING), ty(VEC_STRING)));
    e = vec_builder_child(b, 0);
    OK(vec_builder_append_bytes(vec_builder_child(e, 0), "a\nb", 3, &err));
    OK(vec_builder_append_bytes(vec_builder_child(e, 1), "\"", 1, &err));
    OK(vec_builder_append_struct(e, true, &err));
    OK(vec_builder_end_list(b, &err));
    v = finish(b);
    cr_assert_str_eq(json(v, 0), "{\"a\\nb\":\"\\\"\"}");
    vec_builder_free(b);
}

Test(vec_fmt, struct_field_names_escaped_and_nested_values)
{
    st_error err;
    vec_type *t = ty_struct2("we\"ird", ty(VEC_BINARY), "d", ty_dec(3, 1));
    vec_builder *b = vec_builder_new(t);
    OK(vec_builder_append_bytes(vec_builder_child(b, 0), "\x01", 1, &err));
    OK(vec_builder_append_i128(vec_builder_child(b, 1), -5, &err));
    OK(vec_builder_append_struct(b, true, &err));
    vec *v = finish(b);
    cr_assert_str_eq(json(v, 0), "{\"we\\\"ird\":\"AQ==\",\"d\":-0.5}");
    vec_builder_free(b);

    vec_type *ft = ty_list(ty(VEC_DOUBLE));
    b = vec_builder_new(ft);
    OK(vec_builder_append_f64(vec_builder_child(b, 0), NAN, &err));
    OK(vec_builder_append_f64(vec_builder_child(b, 0), 0.5, &err));
    OK(vec_builder_end_list(b, &err));
    v = finish(b);
    cr_assert_str_eq(json(v, 0), "[\"NaN\",0.5]");
    cr_assert_str_eq(text(v, 0), "[\"NaN\",0.5]");     /* nested text is JSON */
    vec_builder_free(b);
}

Test(vec_fmt, corrupt_vectors_are_reported)
{
    st_buf out;
    st_error err;
    st_buf_init(&out);
    st_error_init(&err);
    vec *s = vec_new(A, ty(VEC_STRING), 2);
    s->bytes = (uint8_t *)st_arena_strdup(A, "abc");
    s->n_bytes = 3;
    vec_offsets(s)[1] = 2;
    vec_offsets(s)[2] = 9;                           /* past n_bytes */
    OK(vec_format_value(s, 0, VEC_FMT_JSON, &out, &err));
    cr_assert_eq(vec_format_value(s, 1, VEC_FMT_JSON, &out, &err), ST_ERR_CORRUPT);
    cr_assert(strstr(err.msg, "9") != NULL, "%s", err.msg);
    vec_offsets(s)[2] = 1;                           /* decreasing */
    cr_assert_eq(vec_format_value(s, 1, VEC_FMT_TEXT, &out, &err), ST_ERR_CORRUPT);
    vec_offsets(s)[0] = -1;                          /* negative */
    cr_assert_eq(vec_format_value(s, 0, VEC_FMT_TEXT, &out, &err), ST_ERR_CORRUPT);

    vec *l = vec_new(A, ty_list(ty(VEC_INT32)), 1);
    vec_offsets(l)[1] = 3;                           /* child has 0 rows */
    cr_assert_eq(vec_format_value(l, 0, VEC_FMT_JSON, &out, &err), ST_ERR_CORRUPT);

    vec *st = vec_new(A, ty_struct2("a", ty(VEC_INT32), "b", ty(VEC_INT32)), 3);
    st->children[1]->len = 1;                        /* too short for row 2 */
    cr_assert_eq(vec_format_value(st, 2, VEC_FMT_JSON, &out, &err), ST_ERR_CORRUPT);
    st->children[1] = NULL;
    cr_assert_eq(vec_format_value(st, 0, VEC_FMT_JSON, &out, &err), ST_ERR_CORRUPT);

    vec *nv = vec_new(A, ty(VEC_INT64), 1);
    nv->values = NULL;
    cr_assert_eq(vec_format_value(nv, 0, VEC_FMT_JSON, &out, &err), ST_ERR_CORRUPT);
    st_buf_destroy(&out);
}
