/* vec_kern_test.c -- vector kernels (vec_kern.c): gather of flat and nested
** vectors, batch filtering, constant vectors and Delta widening casts, with
** values and null counts checked row by row. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "vector/vec.h"

static vec_type t_int32 = {.id = VEC_INT32};
static vec_type t_int8 = {.id = VEC_INT8};
static vec_type t_int64 = {.id = VEC_INT64};
static vec_type t_str = {.id = VEC_STRING};
static vec_type t_date = {.id = VEC_DATE};
static vec_type t_ntz = {.id = VEC_TIMESTAMP_NTZ};
static vec_type t_float = {.id = VEC_FLOAT};
static vec_type t_double = {.id = VEC_DOUBLE};
static vec_type t_bool = {.id = VEC_BOOL};

/* A string vector {"a", NULL, "ccc", "dd"}. */
static vec *make_strings(st_arena *a)
{
    vec_builder *b = vec_builder_new(&t_str);
    st_error err;
    cr_assert_eq(vec_builder_append_bytes(b, "a", 1, &err), ST_OK);
    cr_assert_eq(vec_builder_append_null(b, &err), ST_OK);
    cr_assert_eq(vec_builder_append_bytes(b, "ccc", 3, &err), ST_OK);
    cr_assert_eq(vec_builder_append_bytes(b, "dd", 2, &err), ST_OK);
    vec *v;
    cr_assert_eq(vec_builder_finish(b, a, &v, &err), ST_OK);
    vec_builder_free(b);
    return v;
}

static const char *str_at(const vec *v, int64_t i, int *len)
{
    const int32_t *o = vec_offsets(v);
    *len = o[i + 1] - o[i];
    return (const char *)v->bytes + o[i];
}

Test(vec_kern, take_strings)
{
    st_arena *a = st_arena_new(0);
    st_error err;
    vec *v = make_strings(a), *r;
    int32_t idx[] = {3, 1, 0, 3};
    cr_assert_eq(vec_take(a, v, idx, 4, &r, &err), ST_OK);
    cr_assert_eq(r->len, 4);
    cr_assert_eq(r->null_count, 1);
    int len;
    const char *s = str_at(r, 0, &len);
    cr_assert(len == 2 && memcmp(s, "dd", 2) == 0);
    cr_assert(!vec_is_valid(r, 1));
    s = str_at(r, 2, &len);
    cr_assert(len == 1 && s[0] == 'a');
    s = str_at(r, 3, &len);
    cr_assert(len == 2 && memcmp(s, "dd", 2) == 0);
    int32_t bad[] = {4};
    cr_assert_eq(vec_take(a, v, bad, 1, &r, &err), ST_ERR_ARGUMENT);
    st_arena_free(a);
}

Test(vec_kern, take_list_of_int)
{
    static vec_field elem = {.name = "element", .type = {.id = VEC_INT32}, .nullable = true};
    static vec_type t_list = {.id = VEC_LIST, .n_children = 1, .children = &elem};
    st_arena *a = st_arena_new(0);
    st_error err;
    vec_builder *b = vec_builder_new(&t_list);
    vec_builder *c = vec_builder_child(b, 0);
    /* [1,2], [], [3,4,5] */
    vec_builder_append_i64(c, 1, &err);
    vec_builder_append_i64(c, 2, &err);
    vec_builder_end_list(b, &err);
    vec_builder_end_list(b, &err);
    for (int i = 3; i <= 5; i++)
        vec_builder_append_i64(c, i, &err);
    vec_builder_end_list(b, &err);
    vec *v, *r;
    cr_assert_eq(vec_builder_finish(b, a, &v, &err), ST_OK);
    vec_builder_free(b);
    int32_t idx[] = {2, 0};
    cr_assert_eq(vec_take(a, v, idx, 2, &r, &err), ST_OK);
    const int32_t *o = vec_offsets(r);
    cr_assert(o[0] == 0 && o[1] == 3 && o[2] == 5);
    const int32_t *e = r->children[0]->values;
    cr_assert(e[0] == 3 && e[1] == 4 && e[2] == 5 && e[3] == 1 && e[4] == 2);
    cr_assert_eq(r->children[0]->len, 5);
    st_arena_free(a);
}

Test(vec_kern, filter_batch)
{
    static vec_field f[2] = {{.name = "i", .type = {.id = VEC_INT32}, .nullable = true},
                             {.name = "s", .type = {.id = VEC_STRING}, .nullable = true}};
    static vec_schema sch = {.n_fields = 2, .fields = f};
    vec_batch *b = vec_batch_new(&sch, 2, 0);
    st_error err;
    b->n_rows = 4;
    b->cols[0] = vec_new(b->arena, &f[0].type, 4);
    for (int i = 0; i < 4; i++)
        ((int32_t *)b->cols[0]->values)[i] = 10 * i;
    b->cols[1] = make_strings(b->arena);
    uint8_t keep[] = {0, 1, 1, 0};
    cr_assert_eq(vec_filter_batch(b, keep, &err), ST_OK);
    cr_assert_eq(b->n_rows, 2);
    cr_assert_eq(((int32_t *)b->cols[0]->values)[0], 10);
    cr_assert_eq(((int32_t *)b->cols[0]->values)[1], 20);
    cr_assert_eq(b->cols[1]->null_count, 1);
    int len;
    cr_assert(memcmp(str_at(b->cols[1], 1, &len), "ccc", 3) == 0 && len == 3);
    uint8_t none[] = {0, 0};
    cr_assert_eq(vec_filter_batch(b, none, &err), ST_OK);
    cr_assert_eq(b->n_rows, 0);
    cr_assert_eq(b->cols[0]->len, 0);
    vec_batch_free(b);
}

Test(vec_kern, constants)
{
    st_arena *a = st_arena_new(0);
    st_error err;
    vec *v;
    vec_scalar s = {.bytes = (const uint8_t *)"xy", .n_bytes = 2};
    cr_assert_eq(vec_constant(a, &t_str, &s, 3, &v, &err), ST_OK);
    cr_assert_eq(v->n_bytes, 6);
    cr_assert_eq(vec_offsets(v)[3], 6);
    cr_assert(memcmp(v->bytes + 4, "xy", 2) == 0);
    vec_scalar i = {.i64 = -7};
    cr_assert_eq(vec_constant(a, &t_int8, &i, 5, &v, &err), ST_OK);
    cr_assert_eq(((int8_t *)v->values)[4], -7);
    cr_assert_eq(v->null_count, 0);
    vec_scalar t = {.i64 = 1};
    cr_assert_eq(vec_constant(a, &t_bool, &t, 9, &v, &err), ST_OK);
    cr_assert(vec_bit_get(v->values, 8));
    cr_assert_eq(vec_constant(a, &t_int64, NULL, 10, &v, &err), ST_OK);
    cr_assert_eq(v->null_count, 10);
    cr_assert(!vec_is_valid(v, 9));
    st_arena_free(a);
}

Test(vec_kern, widen)
{
    st_arena *a = st_arena_new(0);
    st_error err;
    vec *v = vec_new(a, &t_int8, 3), *r;
    ((int8_t *)v->values)[0] = -5;
    ((int8_t *)v->values)[1] = 127;
    cr_assert_eq(vec_set_null(a, v, 2, &err), ST_OK);
    cr_assert_eq(vec_cast_widen(a, v, &t_int64, &r, &err), ST_OK);
    cr_assert_eq(((int64_t *)r->values)[0], -5);
    cr_assert_eq(((int64_t *)r->values)[1], 127);
    cr_assert_eq(r->null_count, 1);
    vec_type dec = {.id = VEC_DECIMAL, .precision = 6, .scale = 2};
    cr_assert_eq(vec_cast_widen(a, v, &dec, &r, &err), ST_OK);
    __int128 d;
    memcpy(&d, r->values, 16);
    cr_assert(d == -500);
    vec_type dec2 = {.id = VEC_DECIMAL, .precision = 9, .scale = 4};
    vec *w;
    cr_assert_eq(vec_cast_widen(a, r, &dec2, &w, &err), ST_OK);
    memcpy(&d, (uint8_t *)w->values + 16, 16);
    cr_assert(d == 1270000);
    cr_assert_eq(vec_cast_widen(a, w, &dec, &r, &err), ST_ERR_UNSUPPORTED); /* narrowing */
    cr_assert_eq(vec_cast_widen(a, v, &t_int8, &r, &err), ST_OK);
    cr_assert_eq(r, v);
    vec *dt = vec_new(a, &t_date, 1);
    ((int32_t *)dt->values)[0] = 1;
    cr_assert_eq(vec_cast_widen(a, dt, &t_ntz, &r, &err), ST_OK);
    cr_assert_eq(((int64_t *)r->values)[0], INT64_C(86400000000));
    vec *fl = vec_new(a, &t_float, 1);
    ((float *)fl->values)[0] = 1.5f;
    cr_assert_eq(vec_cast_widen(a, fl, &t_double, &r, &err), ST_OK);
    cr_assert_eq(((double *)r->values)[0], 1.5);
    cr_assert_eq(vec_cast_widen(a, fl, &t_int32, &r, &err), ST_ERR_UNSUPPORTED);
    cr_assert(strstr(err.msg, "float") != NULL);
    st_arena_free(a);
}

/* vec_take_runs gives what vec_take gives for the same rows: fixed-width,
** decimal, strings and booleans with NULLs, and bad ranges are refused. */
Test(vec_kern, take_runs_equals_take)
{
    st_arena *a = st_arena_new(0);
    st_error err;
    st_error_init(&err);
    static vec_type t_dec = {.id = VEC_DECIMAL, .precision = 20, .scale = 2};
    const vec_type *types[4] = {&t_int32, &t_dec, &t_str, &t_bool};
    const int64_t N = 200;
    vec_run runs[] = {{0, 3}, {5, 40}, {60, 1}, {100, 90}, {199, 1}};
    int64_t n = 0;
    int32_t idx[200];
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++)
        for (int64_t i = 0; i < runs[r].len; i++)
            idx[n++] = (int32_t)(runs[r].start + i);
    for (int t = 0; t < 4; t++) {
        vec_builder *b = vec_builder_new(types[t]);
        for (int64_t i = 0; i < N; i++) {
            if (i % 7 == 3)
                cr_assert_eq(vec_builder_append_null(b, &err), ST_OK);
            else if (t == 0)
                cr_assert_eq(vec_builder_append_i64(b, i * 3 - 50, &err), ST_OK);
            else if (t == 1)
                cr_assert_eq(vec_builder_append_i128(b, (__int128)i * 1000003 - 7, &err), ST_OK);
            else if (t == 2) {
                char s[16];
                int len = snprintf(s, sizeof s, "s%lld", (long long)(i * i % 1000));
                cr_assert_eq(vec_builder_append_bytes(b, s, (size_t)(i % 5 == 0 ? 0 : len), &err),
                             ST_OK);
            } else
                cr_assert_eq(vec_builder_append_bool(b, i % 3 == 0, &err), ST_OK);
        }
        vec *v = NULL, *x = NULL, *y = NULL;
        cr_assert_eq(vec_builder_finish(b, a, &v, &err), ST_OK);
        vec_builder_free(b);
        cr_assert_eq(vec_take(a, v, idx, n, &x, &err), ST_OK);
        cr_assert_eq(vec_take_runs(a, v, runs, 5, n, &y, &err), ST_OK, "%s", err.msg);
        cr_assert_eq(y->len, n);
        cr_assert_eq(y->null_count, x->null_count, "type %d", t);
        for (int64_t i = 0; i < n; i++) {
            cr_assert_eq(vec_is_valid(y, i), vec_is_valid(x, i), "type %d row %lld", t, (long long)i);
            if (!vec_is_valid(x, i))
                continue;
            if (t == 2) {
                int lx, ly;
                const char *px = str_at(x, i, &lx), *py = str_at(y, i, &ly);
                cr_assert(lx == ly && memcmp(px, py, (size_t)lx) == 0, "row %lld", (long long)i);
            } else if (t == 3) {
                cr_assert_eq(vec_bit_get(y->values, i), vec_bit_get(x->values, i));
            } else {
                size_t w = (size_t)vec_type_width(types[t]->id);
                cr_assert(memcmp((uint8_t *)x->values + i * w, (uint8_t *)y->values + i * w, w) == 0,
                          "type %d row %lld", t, (long long)i);
            }
        }
        vec_run bad[] = {{190, 20}};
        cr_assert_eq(vec_take_runs(a, v, bad, 1, 20, &y, &err), ST_ERR_ARGUMENT);
    }
    st_arena_free(a);
}
