/* fn_array_test.c -- the collection functions of fn_array.c through
** fn_resolve: constructors (array, map, map_from_arrays, struct,
** named_struct), accessors (element_at, __subscript, __get_field, size),
** array transforms (sort_array, array_distinct, slice, flatten, array_join,
** array_min/max, array_contains, map_keys/values) with NULL rows, NULL
** elements, empty arrays, nested elements, and ANSI vs non-ANSI errors.
** Inputs are written as text ("[1,null]|[]|NULL": rows split by '|') and
** results compared in vec_format_value's JSON form. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "func/fn.h"

static const fn_context NONANSI = {false, 0, "UTC"};
static const fn_context ANSI = {true, 0, "UTC"};

static st_arena *A;
static void setup(void) { A = st_arena_new(0); }
static void teardown(void) { st_arena_free(A); }

TestSuite(fn_array, .init = setup, .fini = teardown);

static vec_type T_I64 = {.id = VEC_INT64};
static vec_type T_STR = {.id = VEC_STRING};
static vec_type T_BOOL = {.id = VEC_BOOL};

static vec_type list_t(const vec_type *elem)
{
    vec_field *f = st_arena_calloc(A, 1, sizeof *f);
    f->name = "element";
    f->type = *elem;
    f->nullable = true;
    vec_type t = {.id = VEC_LIST, .n_children = 1, .children = f};
    return t;
}

/* Appends one value written as text (ints, 'strings', null, [lists]). */
static void parse_into(vec_builder *b, const vec_type *t, const char **p)
{
    if (!strncmp(*p, "null", 4) || !strncmp(*p, "NULL", 4)) {
        *p += 4;
        cr_assert_eq(vec_builder_append_null(b, NULL), ST_OK);
        return;
    }
    if (t->id == VEC_LIST) {
        cr_assert_eq(**p, '[');
        (*p)++;
        while (**p != ']') {
            parse_into(vec_builder_child(b, 0), &t->children[0].type, p);
            if (**p == ',')
                (*p)++;
        }
        (*p)++;
        cr_assert_eq(vec_builder_end_list(b, NULL), ST_OK);
    } else if (t->id == VEC_STRING) {
        cr_assert_eq(**p, '\'');
        const char *e = strchr(*p + 1, '\'');
        cr_assert_eq(vec_builder_append_bytes(b, *p + 1, (size_t)(e - *p - 1), NULL), ST_OK);
        *p = e + 1;
    } else if (t->id == VEC_BOOL) {
        bool v = !strncmp(*p, "true", 4);
        *p += v ? 4 : 5;
        cr_assert_eq(vec_builder_append_bool(b, v, NULL), ST_OK);
    } else {
        char *end;
        long long v = strtoll(*p, &end, 10);
        *p = end;
        cr_assert_eq(vec_builder_append_i64(b, v, NULL), ST_OK);
    }
}

/* A vector of type t from rows separated by '|'. */
static vec *make(const vec_type *t, const char *text)
{
    vec_type *tc = st_arena_alloc(A, sizeof *tc);
    *tc = *t;
    vec_builder *b = vec_builder_new(tc);
    const char *p = text;
    while (*p) {
        parse_into(b, tc, &p);
        cr_assert(*p == '|' || *p == '\0', "bad test input at '%s'", p);
        if (*p == '|')
            p++;
    }
    vec *out = NULL;
    cr_assert_eq(vec_builder_finish(b, A, &out, NULL), ST_OK);
    vec_builder_free(b);
    return out;
}

/* Rows of v in JSON form joined by '|' (NULL rows as NULL). */
static const char *text(const vec *v)
{
    st_buf o;
    st_buf_init(&o);
    for (int64_t i = 0; i < v->len; i++) {
        if (i)
            st_buf_append_byte(&o, '|', NULL);
        if (v->type->id == VEC_NULL || !vec_is_valid(v, i))
            st_buf_append_str(&o, "NULL", NULL);
        else
            cr_assert_eq(vec_format_value(v, i, VEC_FMT_JSON, &o, NULL), ST_OK);
    }
    char *s = st_arena_strndup(A, o.len ? (const char *)o.data : "", o.len);
    st_buf_destroy(&o);
    return s;
}

/* Resolves name over args (is_const marks constant args), casts, runs. */
static st_status call(const fn_context *ctx, const char *name, vec **args, int n_args,
                      const bool *is_const, vec **out, st_error *err)
{
    fn_arg_info info[8] = {{0}};
    for (int i = 0; i < n_args; i++)
        info[i] = (fn_arg_info){args[i]->type, is_const && is_const[i], args[i]};
    fn_bound *f = st_arena_alloc(A, sizeof *f);
    st_status rc = fn_resolve(name, info, n_args, A, f, err);
    if (rc != ST_OK)
        return rc;
    const vec *cast[8];
    int64_t n = n_args ? args[0]->len : 1;
    for (int i = 0; i < n_args; i++) {
        vec *c = args[i];
        if (f->cast_to[i].id != VEC_NULL &&
            (rc = fn_cast(ctx, args[i], &f->cast_to[i], false, n, A, &c, err)) != ST_OK)
            return rc;
        cast[i] = c;
    }
    rc = f->kernel(f, ctx, cast, n, A, out, err);
    if (rc == ST_OK)
        cr_assert(vec_type_equal((*out)->type, &f->ret), "%s: result type differs", name);
    return rc;
}

/* Runs name non-ANSI and returns the result text. */
static const char *run(const char *name, vec **args, int n_args)
{
    vec *out = NULL;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(call(&NONANSI, name, args, n_args, NULL, &out, &err), ST_OK, "%s: %s", name,
                 err.msg);
    return text(out);
}

static vec *ints(const char *t) { return make(&T_I64, t); }

static vec *int_lists(const char *t)
{
    vec_type lt = list_t(&T_I64);
    return make(&lt, t);
}

Test(fn_array, array_constructor)
{
    vec *args[3] = {ints("1|2|NULL"), ints("10|NULL|30"), make(&T_I64, "7|8|9")};
    cr_assert_str_eq(run("array", args, 3), "[1,10,7]|[2,null,8]|[null,30,9]");
    /* int and string meet at string */
    vec *mixed[2] = {ints("1|2"), make(&T_STR, "'a'|NULL")};
    cr_assert_str_eq(run("array", mixed, 2), "[\"1\",\"a\"]|[\"2\",null]");
    /* nested: array of arrays */
    vec *nested[2] = {int_lists("[1]|[]"), int_lists("NULL|[2,3]")};
    cr_assert_str_eq(run("array", nested, 2), "[[1],null]|[[],[2,3]]");
    /* no arguments: one empty array per row */
    vec *out = NULL;
    st_error err;
    cr_assert_eq(call(&NONANSI, "array", NULL, 0, NULL, &out, &err), ST_OK);
    cr_assert_str_eq(text(out), "[]");
    /* array<int> and boolean have no common type */
    vec *bad[2] = {ints("1"), make(&T_BOOL, "true")};
    cr_assert_eq(call(&NONANSI, "array", bad, 2, NULL, &out, &err), ST_ERR_BIND);
}

Test(fn_array, size_and_cardinality)
{
    vec *a = int_lists("[1,2,3]|[]|NULL|[null]");
    cr_assert_str_eq(run("size", &a, 1), "3|0|NULL|1");
    cr_assert_str_eq(run("cardinality", &a, 1), "3|0|NULL|1");
    vec *x = ints("5");
    vec *out;
    st_error err;
    cr_assert_eq(call(&NONANSI, "size", &x, 1, NULL, &out, &err), ST_ERR_BIND);
}

Test(fn_array, element_at_and_subscript)
{
    vec *args[2] = {int_lists("[1,2,3]|[1,2,3]|[1,2,3]|NULL|[4,null]|[1,2,3]"),
                    ints("1|-1|5|1|2|NULL")};
    cr_assert_str_eq(run("element_at", args, 2), "1|3|NULL|NULL|NULL|NULL");
    vec *sub[2] = {int_lists("[1,2,3]|[1,2,3]|[1,2,3]|[]"), ints("0|2|3|0")};
    cr_assert_str_eq(run("__subscript", sub, 2), "1|3|NULL|NULL");
    vec *neg[2] = {int_lists("[1,2,3]"), ints("-1")};
    cr_assert_str_eq(run("__subscript", neg, 2), "NULL");

    /* ANSI: out of range is an error; index 0 of element_at always is */
    vec *out = NULL;
    st_error err;
    vec *oob[2] = {int_lists("[1,2,3]"), ints("5")};
    cr_assert_eq(call(&ANSI, "element_at", oob, 2, NULL, &out, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "array index 5 is out of bounds for an array of 3 elements");
    cr_assert_eq(call(&ANSI, "__subscript", oob, 2, NULL, &out, &err), ST_ERR_ARGUMENT);
    vec *zero[2] = {int_lists("[1]"), ints("0")};
    cr_assert_eq(call(&NONANSI, "element_at", zero, 2, NULL, &out, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "element_at index 0 is invalid; array indices start at 1");
    cr_assert_eq(call(&ANSI, "element_at", args, 2, NULL, &out, &err), ST_ERR_ARGUMENT);

    /* nested element type: the inner arrays come back whole */
    vec_type it = list_t(&T_I64), lt = list_t(&it);
    vec *nest[2] = {make(&lt, "[[1,2],null,[3]]|[[4]]"), ints("3|1")};
    cr_assert_str_eq(run("element_at", nest, 2), "[3]|[4]");
}

Test(fn_array, maps)
{
    vec *kv[4] = {make(&T_STR, "'a'|'b'"), ints("1|2"), make(&T_STR, "'b'|'c'"),
                  ints("NULL|4")};
    cr_assert_str_eq(run("map", kv, 4), "{\"a\":1,\"b\":null}|{\"b\":2,\"c\":4}");
    vec *m = NULL;
    st_error err;
    cr_assert_eq(call(&NONANSI, "map", kv, 4, NULL, &m, &err), ST_OK);
    vec *at[2] = {m, make(&T_STR, "'b'|'x'")};
    cr_assert_str_eq(run("element_at", at, 2), "NULL|NULL");
    vec *at2[2] = {m, make(&T_STR, "'a'|'c'")};
    cr_assert_str_eq(run("element_at", at2, 2), "1|4");
    cr_assert_str_eq(run("__subscript", at2, 2), "1|4");
    cr_assert_str_eq(run("map_keys", &m, 1), "[\"a\",\"b\"]|[\"b\",\"c\"]");
    cr_assert_str_eq(run("map_values", &m, 1), "[1,null]|[2,4]");
    cr_assert_str_eq(run("size", &m, 1), "2|2");

    /* keys may not be NULL or repeat */
    vec *nullkey[2] = {make(&T_STR, "NULL"), ints("1")};
    cr_assert_eq(call(&NONANSI, "map", nullkey, 2, NULL, &m, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "cannot use null as map key");
    vec *dup[4] = {ints("1"), ints("1"), ints("1"), ints("2")};
    cr_assert_eq(call(&NONANSI, "map", dup, 4, NULL, &m, &err), ST_ERR_ARGUMENT);
    vec *odd[3] = {ints("1"), ints("1"), ints("1")};
    cr_assert_eq(call(&NONANSI, "map", odd, 3, NULL, &m, &err), ST_ERR_BIND);

    /* map_from_arrays, NULL rows and mismatched lengths */
    vec_type st = list_t(&T_STR);
    vec *fa[2] = {make(&st, "['x','y']|NULL|[]"), int_lists("[1,2]|[3]|[]")};
    cr_assert_str_eq(run("map_from_arrays", fa, 2), "{\"x\":1,\"y\":2}|NULL|{}");
    vec *mm = NULL;
    cr_assert_eq(call(&NONANSI, "map_from_arrays", fa, 2, NULL, &mm, &err), ST_OK);
    cr_assert_str_eq(run("map_keys", &mm, 1), "[\"x\",\"y\"]|NULL|[]");
    vec *bad[2] = {make(&st, "['x']"), int_lists("[1,2]")};
    cr_assert_eq(call(&NONANSI, "map_from_arrays", bad, 2, NULL, &mm, &err), ST_ERR_ARGUMENT);
}

Test(fn_array, structs)
{
    vec *args[2] = {ints("1|NULL"), make(&T_STR, "'a'|'b'")};
    cr_assert_str_eq(run("struct", args, 2), "{\"col1\":1,\"col2\":\"a\"}|"
                                             "{\"col1\":null,\"col2\":\"b\"}");
    vec *named[4] = {make(&T_STR, "'x'|'x'"), ints("1|2"), make(&T_STR, "'y'|'y'"),
                     int_lists("[1]|NULL")};
    bool is_const[4] = {true, false, true, false};
    vec *s = NULL;
    st_error err;
    cr_assert_eq(call(&NONANSI, "named_struct", named, 4, is_const, &s, &err), ST_OK, "%s",
                 err.msg);
    cr_assert_str_eq(text(s), "{\"x\":1,\"y\":[1]}|{\"x\":2,\"y\":null}");
    /* field names must be constants */
    cr_assert_eq(call(&NONANSI, "named_struct", named, 4, NULL, &s, &err), ST_ERR_BIND);

    /* __get_field by constant name (case-insensitive), on a struct with a NULL row */
    vec *sv = NULL;
    cr_assert_eq(call(&NONANSI, "named_struct", named, 4, is_const, &sv, &err), ST_OK);
    cr_assert_eq(vec_set_null(A, sv, 1, &err), ST_OK);
    vec *g[2] = {sv, make(&T_STR, "'Y'|'Y'")};
    bool gc[2] = {false, true};
    vec *out = NULL;
    cr_assert_eq(call(&NONANSI, "__get_field", g, 2, gc, &out, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(text(out), "[1]|NULL");
    vec *g2[2] = {sv, make(&T_STR, "'zz'|'zz'")};
    cr_assert_eq(call(&NONANSI, "__get_field", g2, 2, gc, &out, &err), ST_ERR_BIND);
    cr_assert_str_eq(err.msg, "no field 'zz' in struct<x:bigint,y:array<bigint>>");
}

Test(fn_array, contains_and_min_max)
{
    vec *c[2] = {int_lists("[1,2]|[1,null]|[1,null]|[]|NULL|[3]"), ints("2|1|5|1|1|NULL")};
    cr_assert_str_eq(run("array_contains", c, 2), "true|true|NULL|false|NULL|NULL");
    vec *a = int_lists("[3,null,1,2]|[]|NULL|[null]");
    cr_assert_str_eq(run("array_min", &a, 1), "1|NULL|NULL|NULL");
    cr_assert_str_eq(run("array_max", &a, 1), "3|NULL|NULL|NULL");
    vec_type st = list_t(&T_STR);
    vec *s = make(&st, "['b','abc','a']");
    cr_assert_str_eq(run("array_max", &s, 1), "\"b\"");
    cr_assert_str_eq(run("array_min", &s, 1), "\"a\"");
}

Test(fn_array, sort_distinct_slice_flatten)
{
    vec *a = int_lists("[3,null,1,3]|[]|NULL");
    cr_assert_str_eq(run("sort_array", &a, 1), "[null,1,3,3]|[]|NULL");
    vec *desc[2] = {a, make(&T_BOOL, "false|false|false")};
    cr_assert_str_eq(run("sort_array", desc, 2), "[3,3,1,null]|[]|NULL");
    cr_assert_str_eq(run("array_distinct", &a, 1), "[3,null,1]|[]|NULL");

    vec *sl[3] = {int_lists("[1,2,3,4]|[1,2,3,4]|[1,2]|[1,2]"), ints("2|-3|5|1"),
                  ints("2|10|1|0")};
    cr_assert_str_eq(run("slice", sl, 3), "[2,3]|[2,3,4]|[]|[]");
    vec *out = NULL;
    st_error err;
    vec *bad[3] = {int_lists("[1]"), ints("0"), ints("1")};
    cr_assert_eq(call(&NONANSI, "slice", bad, 3, NULL, &out, &err), ST_ERR_ARGUMENT);

    vec_type it = list_t(&T_I64), lt = list_t(&it);
    vec *n = make(&lt, "[[1,2],[],[3]]|[[1],null]|[]|NULL");
    cr_assert_str_eq(run("flatten", &n, 1), "[1,2,3]|NULL|[]|NULL");
    /* sorting arrays of arrays: element-wise, shorter first on a tie */
    vec *ns = make(&lt, "[[2],[1,5],[1],null]");
    cr_assert_str_eq(run("sort_array", &ns, 1), "[null,[1],[1,5],[2]]");
    cr_assert_str_eq(run("array_distinct", &n, 1), "[[1,2],[],[3]]|[[1],null]|[]|NULL");
}

Test(fn_array, array_join)
{
    vec_type st = list_t(&T_STR);
    vec *j[2] = {make(&st, "['a',null,'b']|[]|NULL"), make(&T_STR, "','|','|','")};
    cr_assert_str_eq(run("array_join", j, 2), "\"a,b\"|\"\"|NULL");
    vec *j3[3] = {j[0], j[1], make(&T_STR, "'?'|'?'|'?'")};
    cr_assert_str_eq(run("array_join", j3, 3), "\"a,?,b\"|\"\"|NULL");
    vec *ji[2] = {int_lists("[1,2,3]"), make(&T_STR, "'-'")};
    cr_assert_str_eq(run("array_join", ji, 2), "\"1-2-3\"");
}
