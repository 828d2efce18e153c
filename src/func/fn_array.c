/* fn_array.c -- Spark SQL collection functions over ARRAY, MAP and STRUCT
** values: array, size/cardinality, element_at, array_contains, sort_array,
** array_distinct, array_join, array_min, array_max, slice, flatten, map,
** map_keys, map_values, map_from_arrays, struct, named_struct, and two
** internal functions the binder lowers syntax to: __subscript (a[i], a
** 0-based array index or a map key) and __get_field (s.f, the field name
** a constant string).
**
** Values are in the Arrow layout of vec.h: a LIST row is the element range
** offsets[i]..offsets[i+1] of child 0; a MAP row is a range of STRUCT<key,
** value> entries. Kernels that pick existing elements (element_at, sort,
** distinct, slice, flatten, min/max, field access) compute int32 element
** indices and gather them with vec_take, so every element type (nested
** included) works the same; kernels that assemble new values (array, map,
** map_from_arrays) copy rows through a vec_builder (append_row).
**
** Spark semantics kept: NULL input gives NULL (size(NULL) is NULL as with
** ANSI on); element_at is 1-based, negative indices count from the end, an
** index out of range is NULL, or an error in ANSI mode; index 0 is always an
** error; sort_array puts NULLs first ascending and last descending;
** array_contains is NULL when not found and the array holds a NULL; map keys
** may not be NULL or repeat (Spark's default mapKeyDedupPolicy EXCEPTION).
** Deviations: element comparison between different numeric types (only in
** array_contains) goes through long double; struct() here names its fields
** col1, col2, ... (the binder lowers SQL struct(a, ...) to named_struct so
** column arguments keep their names, as in Spark). */
#include "fn_int.h"

#include <math.h>
#include <strings.h>
#include <string.h>

typedef enum arr_kind {
    A_ARRAY, A_SIZE, A_ELEMENT_AT, A_SUBSCRIPT, A_CONTAINS, A_SORT, A_DISTINCT, A_JOIN, A_MIN,
    A_MAX, A_SLICE, A_FLATTEN, A_MAP, A_MAP_KEYS, A_MAP_VALUES, A_MAP_FROM_ARRAYS, A_STRUCT,
    A_NAMED_STRUCT, A_GET_FIELD
} arr_kind;

typedef struct arr_state {
    arr_kind kind;
    int      field;        /* A_GET_FIELD: index of the field */
} arr_state;

static arr_kind kind_of(const char *name)
{
    static const struct { const char *n; arr_kind k; } t[] = {
        {"array", A_ARRAY}, {"size", A_SIZE}, {"cardinality", A_SIZE},
        {"element_at", A_ELEMENT_AT}, {"__subscript", A_SUBSCRIPT},
        {"array_contains", A_CONTAINS}, {"sort_array", A_SORT},
        {"array_distinct", A_DISTINCT}, {"array_join", A_JOIN}, {"array_min", A_MIN},
        {"array_max", A_MAX}, {"slice", A_SLICE}, {"flatten", A_FLATTEN}, {"map", A_MAP},
        {"map_keys", A_MAP_KEYS}, {"map_values", A_MAP_VALUES},
        {"map_from_arrays", A_MAP_FROM_ARRAYS}, {"struct", A_STRUCT},
        {"named_struct", A_NAMED_STRUCT}, {"__get_field", A_GET_FIELD},
    };
    for (size_t k = 0; k < ST_ARRAY_LEN(t); k++)
        if (!strcmp(t[k].n, name))
            return t[k].k;
    return A_ARRAY;
}

static st_status oom(const char *name, st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory evaluating %s", name);
}

/* ---- types ------------------------------------------------------------------ */

static vec_type mk(vec_type_id id)
{
    vec_type t = {0};
    t.id = id;
    return t;
}

static bool is_int_type(vec_type_id id)
{
    return (id >= VEC_INT8 && id <= VEC_UINT64) || id == VEC_NULL;
}

/* *out = a new type with n fields (names and types filled by the caller). */
static vec_field *new_fields(st_arena *a, vec_type *out, vec_type_id id, int n)
{
    vec_field *f = st_arena_calloc(a, (size_t)(n > 0 ? n : 1), sizeof *f);
    *out = mk(id);
    if (!f)
        return NULL;
    out->n_children = n;
    out->children = f;
    return f;
}

/* LIST<elem> with elem deep-copied into a. */
static st_status list_of(st_arena *a, const vec_type *elem, vec_type *out, st_error *err)
{
    vec_field *f = new_fields(a, out, VEC_LIST, 1);
    if (!f)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory resolving an array type");
    f->name = "element";
    f->nullable = true;
    return vec_type_copy(a, elem, &f->type, err);
}

/* MAP<STRUCT<key, value>> in the Arrow shape. */
static st_status map_of(st_arena *a, const vec_type *k, const vec_type *v, vec_type *out,
                        st_error *err)
{
    vec_field *e = new_fields(a, out, VEC_MAP, 1);
    vec_field *kv = e ? new_fields(a, &e->type, VEC_STRUCT, 2) : NULL;
    if (!kv)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory resolving a map type");
    e->name = "entries";
    kv[0].name = "key";
    kv[1].name = "value";
    kv[1].nullable = true;
    st_status rc = vec_type_copy(a, k, &kv[0].type, err);
    return rc != ST_OK ? rc : vec_type_copy(a, v, &kv[1].type, err);
}

static const vec_type *elem_type(const vec_type *list) { return &list->children[0].type; }
static const vec_type *map_key_type(const vec_type *m)
{
    return &m->children[0].type.children[0].type;
}
static const vec_type *map_value_type(const vec_type *m)
{
    return &m->children[0].type.children[1].type;
}

static st_status bad_args(const char *name, const fn_arg_info *args, int n_args,
                          const char *takes, st_error *err)
{
    return fn_no_overload(name, args, n_args, takes, err);
}

/* Folds fn_common_type over args[from], args[from+step], ... into *out. */
static bool common_of(const fn_arg_info *args, int n_args, int from, int step, vec_type *out)
{
    vec_type c = mk(VEC_NULL);
    for (int i = from; i < n_args; i += step) {
        vec_type w;
        if (!fn_common_type(&c, args[i].type, &w))
            return false;
        c = w;
    }
    *out = c;
    return true;
}

static void cast_all(fn_bound *out, const fn_arg_info *args, int n_args, int from, int step,
                     const vec_type *to)
{
    for (int i = from; i < n_args; i += step)
        fn_bound_set_cast(out, i, args[i].type, to);
}

/* ---- resolution --------------------------------------------------------------- */

static st_status resolve_ctor(arr_kind k, const char *name, const fn_arg_info *args, int n_args,
                              st_arena *a, fn_bound *out, st_error *err)
{
    vec_type c, v;
    st_status rc;
    out->ret_nullable = false;
    if (k == A_ARRAY) {
        if (!common_of(args, n_args, 0, 1, &c))
            return bad_args(name, args, n_args, "arguments of one common type", err);
        if ((rc = list_of(a, &c, &out->ret, err)) != ST_OK)
            return rc;
        cast_all(out, args, n_args, 0, 1, elem_type(&out->ret));
        return ST_OK;
    }
    if (k == A_MAP) {
        if (n_args % 2 != 0)
            return st_error_set(err, ST_ERR_BIND,
                                "function map takes an even number of arguments, got %d", n_args);
        if (!common_of(args, n_args, 0, 2, &c) || !common_of(args, n_args, 1, 2, &v))
            return bad_args(name, args, n_args, "keys of one type and values of one type", err);
        if ((rc = map_of(a, &c, &v, &out->ret, err)) != ST_OK)
            return rc;
        cast_all(out, args, n_args, 0, 2, map_key_type(&out->ret));
        cast_all(out, args, n_args, 1, 2, map_value_type(&out->ret));
        return ST_OK;
    }
    bool named = k == A_NAMED_STRUCT;
    if (named && n_args % 2 != 0)
        return st_error_set(err, ST_ERR_BIND,
                            "function named_struct takes name, value pairs, got %d arguments",
                            n_args);
    int nf = named ? n_args / 2 : n_args;
    vec_field *f = new_fields(a, &out->ret, VEC_STRUCT, nf);
    if (!f)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory resolving %s", name);
    for (int i = 0; i < nf; i++) {
        const fn_arg_info *val = &args[named ? 2 * i + 1 : i];
        if (named) {
            const fn_arg_info *nm = &args[2 * i];
            if (!nm->is_const || !nm->value || nm->type->id != VEC_STRING ||
                !vec_is_valid(nm->value, 0))
                return st_error_set(err, ST_ERR_BIND,
                                    "function named_struct needs a constant string as field name "
                                    "%d", i + 1);
            const int32_t *o = vec_offsets(nm->value);
            f[i].name = st_arena_strndup(a, (const char *)nm->value->bytes + o[0],
                                         (size_t)(o[1] - o[0]));
        } else {
            f[i].name = st_arena_printf(a, "col%d", i + 1);
        }
        if (!f[i].name)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory resolving %s", name);
        f[i].nullable = true;
        if ((rc = vec_type_copy(a, val->type, &f[i].type, err)) != ST_OK)
            return rc;
    }
    return ST_OK;
}

/* element_at / __subscript: (array, integer) or (map, key). */
static st_status resolve_at(const char *name, const fn_arg_info *args, int n_args, st_arena *a,
                            fn_bound *out, st_error *err)
{
    const vec_type *c = args[0].type;
    if (c->id == VEC_LIST && is_int_type(args[1].type->id)) {
        vec_type l = mk(VEC_INT64);
        fn_bound_set_cast(out, 1, args[1].type, &l);
        return vec_type_copy(a, elem_type(c), &out->ret, err);
    }
    if (c->id == VEC_MAP) {
        vec_type w;
        const vec_type *kt = map_key_type(c);
        if (kt->id == VEC_NULL)                /* map(): no key ever matches */
            return vec_type_copy(a, map_value_type(c), &out->ret, err);
        if (!fn_common_type(kt, args[1].type, &w) ||
            (!vec_type_equal(args[1].type, kt) && !fn_can_cast(args[1].type, kt)))
            return bad_args(name, args, n_args, "an array and an integer, or a map and a key",
                            err);
        vec_type kc;
        st_status rc = vec_type_copy(a, kt, &kc, err);
        if (rc != ST_OK)
            return rc;
        fn_bound_set_cast(out, 1, args[1].type, &kc);
        return vec_type_copy(a, map_value_type(c), &out->ret, err);
    }
    return bad_args(name, args, n_args, "an array and an integer, or a map and a key", err);
}

static st_status resolve_get_field(const fn_arg_info *args, st_arena *a, fn_bound *out,
                                   arr_state *st, st_error *err)
{
    const vec_type *s = args[0].type;
    const vec *nm = args[1].value;
    if (!args[1].is_const || !nm || args[1].type->id != VEC_STRING || !vec_is_valid(nm, 0))
        return st_error_set(err, ST_ERR_BIND, "struct field access needs a constant field name");
    const int32_t *o = vec_offsets(nm);
    const char *p = (const char *)nm->bytes + o[0];
    size_t n = (size_t)(o[1] - o[0]);
    if (s->id != VEC_STRUCT) {
        char t[96];
        vec_type_format(s, t, sizeof t);
        return st_error_set(err, ST_ERR_BIND, "cannot access field '%.*s' of a value of type %s",
                            (int)n, p, t);
    }
    for (int i = 0; i < s->n_children; i++) {
        const char *fname = s->children[i].name;
        if (fname && strlen(fname) == n && !strncasecmp(fname, p, n)) {
            st->field = i;
            return vec_type_copy(a, &s->children[i].type, &out->ret, err);
        }
    }
    char t[256];
    vec_type_format(s, t, sizeof t);
    return st_error_set(err, ST_ERR_BIND, "no field '%.*s' in %s", (int)n, p, t);
}

static bool is_list(const fn_arg_info *x) { return x->type->id == VEC_LIST; }
static bool is_null_t(const fn_arg_info *x) { return x->type->id == VEC_NULL; }

static st_status arr_kernel(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                            int64_t n, st_arena *a, vec **out, st_error *err);

/* Functions over one array argument (plus scalar options). */
static st_status resolve_list_fn(arr_kind k, const char *name, const fn_arg_info *args,
                                 int n_args, st_arena *a, fn_bound *out, st_error *err)
{
    if (!is_list(&args[0]))
        return bad_args(name, args, n_args, "an array", err);
    vec_type b = mk(VEC_BOOL), s = mk(VEC_STRING), l = mk(VEC_INT64);
    switch (k) {
    case A_SIZE:
        out->ret = mk(VEC_INT32);
        return ST_OK;
    case A_CONTAINS: {
        const vec_type *et = elem_type(args[0].type);
        vec_type w;
        if (!fn_common_type(et, args[1].type, &w))
            return bad_args(name, args, n_args, "an array and a value of its element type", err);
        if (et->id == VEC_NULL) {
            /* array(): elements are all NULL, nothing to compare */
        } else if (vec_type_equal(&w, et) && !vec_type_is_nested(et->id)) {
            if (!vec_type_equal(args[1].type, et) && args[1].type->id != VEC_NULL) {
                vec_type ec = mk(et->id);
                ec.precision = et->precision;
                ec.scale = et->scale;
                fn_bound_set_cast(out, 1, args[1].type, &ec);
            }
        } else if (!(fn_type_is_numeric(et->id) && fn_type_is_numeric(args[1].type->id)) &&
                   !vec_type_equal(et, args[1].type) && args[1].type->id != VEC_NULL) {
            return bad_args(name, args, n_args, "an array and a value of its element type", err);
        }
        out->ret = b;
        return ST_OK;
    }
    case A_SORT:
        if (n_args == 2 && args[1].type->id != VEC_BOOL)
            return bad_args(name, args, n_args, "an array and a boolean", err);
        return vec_type_copy(a, args[0].type, &out->ret, err);
    case A_DISTINCT:
        return vec_type_copy(a, args[0].type, &out->ret, err);
    case A_JOIN:
        for (int i = 1; i < n_args; i++) {
            if (args[i].type->id != VEC_STRING && !is_null_t(&args[i]))
                return bad_args(name, args, n_args, "an array and string separators", err);
            fn_bound_set_cast(out, i, args[i].type, &s);
        }
        out->ret = s;
        return ST_OK;
    case A_MIN:
    case A_MAX:
        return vec_type_copy(a, elem_type(args[0].type), &out->ret, err);
    case A_SLICE:
        for (int i = 1; i < 3; i++) {
            if (!is_int_type(args[i].type->id))
                return bad_args(name, args, n_args, "an array, a start and a length", err);
            fn_bound_set_cast(out, i, args[i].type, &l);
        }
        return vec_type_copy(a, args[0].type, &out->ret, err);
    case A_FLATTEN:
        if (elem_type(args[0].type)->id != VEC_LIST)
            return bad_args(name, args, n_args, "an array of arrays", err);
        return vec_type_copy(a, elem_type(args[0].type), &out->ret, err);
    default:
        return st_error_set(err, ST_ERR_INTERNAL, "function %s has no array resolver", name);
    }
}

static st_status resolve_arr(const char *name, const fn_arg_info *args, int n_args, st_arena *a,
                             fn_bound *out, st_error *err)
{
    arr_state *st = st_arena_calloc(a, 1, sizeof *st);
    if (!st)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory resolving %s", name);
    st->kind = kind_of(name);
    out->state = st;
    out->kernel = arr_kernel;
    switch (st->kind) {
    case A_ARRAY:
    case A_MAP:
    case A_STRUCT:
    case A_NAMED_STRUCT:
        return resolve_ctor(st->kind, name, args, n_args, a, out, err);
    case A_ELEMENT_AT:
    case A_SUBSCRIPT:
        return resolve_at(name, args, n_args, a, out, err);
    case A_GET_FIELD:
        return resolve_get_field(args, a, out, st, err);
    case A_SIZE:
        if (args[0].type->id == VEC_MAP || args[0].type->id == VEC_NULL) {
            out->ret = mk(VEC_INT32);
            return ST_OK;
        }
        return resolve_list_fn(st->kind, name, args, n_args, a, out, err);
    case A_MAP_KEYS:
    case A_MAP_VALUES:
        if (args[0].type->id != VEC_MAP)
            return bad_args(name, args, n_args, "a map", err);
        return list_of(a, st->kind == A_MAP_KEYS ? map_key_type(args[0].type)
                                                 : map_value_type(args[0].type), &out->ret, err);
    case A_MAP_FROM_ARRAYS:
        if (!is_list(&args[0]) || !is_list(&args[1]))
            return bad_args(name, args, n_args, "two arrays", err);
        return map_of(a, elem_type(args[0].type), elem_type(args[1].type), &out->ret, err);
    default:
        return resolve_list_fn(st->kind, name, args, n_args, a, out, err);
    }
}

/* ---- values ----------------------------------------------------------------- */

static int64_t load_int(const vec *v, int64_t i)
{
    switch (vec_type_width(v->type->id)) {
    case 1: return v->type->id == VEC_UINT8 ? ((const uint8_t *)v->values)[i]
                                            : ((const int8_t *)v->values)[i];
    case 2: return v->type->id == VEC_UINT16 ? ((const uint16_t *)v->values)[i]
                                             : ((const int16_t *)v->values)[i];
    case 4: return v->type->id == VEC_UINT32 ? (int64_t)((const uint32_t *)v->values)[i]
                                             : (int64_t)((const int32_t *)v->values)[i];
    default: return ((const int64_t *)v->values)[i];
    }
}

static bool valid_at(const vec *v, int64_t i)
{
    return v->type->id != VEC_NULL && vec_is_valid(v, i);
}

static long double num_at(const vec *v, int64_t i)
{
    switch (v->type->id) {
    case VEC_FLOAT: return ((const float *)v->values)[i];
    case VEC_DOUBLE: return ((const double *)v->values)[i];
    case VEC_UINT64: return (long double)((const uint64_t *)v->values)[i];
    case VEC_DECIMAL: {
        __int128 x;
        memcpy(&x, (const uint8_t *)v->values + 16 * i, 16);
        return (long double)x / powl(10.0L, v->type->scale);
    }
    default: return (long double)load_int(v, i);
    }
}

static int cmp_num(long double a, long double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b) ? 0 : isnan(a) ? 1 : -1;   /* NaN is largest */
    return (a > b) - (a < b);
}

static int cmp_val(const vec *x, int64_t i, const vec *y, int64_t j);

/* Spark ordering of possibly-null rows: NULL first. */
static int cmp_nullable(const vec *x, int64_t i, const vec *y, int64_t j)
{
    bool vx = valid_at(x, i), vy = valid_at(y, j);
    if (!vx || !vy)
        return (int)vx - (int)vy;
    return cmp_val(x, i, y, j);
}

/* Order of two valid rows; x and y have the same type except numeric mixes. */
static int cmp_val(const vec *x, int64_t i, const vec *y, int64_t j)
{
    vec_type_id id = x->type->id;
    if (id != y->type->id)
        return cmp_num(num_at(x, i), num_at(y, j));
    switch (id) {
    case VEC_FLOAT:
    case VEC_DOUBLE:
    case VEC_DECIMAL:
        if (id == VEC_DECIMAL && x->type->scale == y->type->scale) {
            __int128 p, q;
            memcpy(&p, (const uint8_t *)x->values + 16 * i, 16);
            memcpy(&q, (const uint8_t *)y->values + 16 * j, 16);
            return (p > q) - (p < q);
        }
        return cmp_num(num_at(x, i), num_at(y, j));
    case VEC_UINT64: {
        uint64_t p = ((const uint64_t *)x->values)[i], q = ((const uint64_t *)y->values)[j];
        return (p > q) - (p < q);
    }
    case VEC_BOOL:
        return (int)vec_bit_get(x->values, i) - (int)vec_bit_get(y->values, j);
    case VEC_STRING:
    case VEC_BINARY: {
        const int32_t *ox = vec_offsets(x), *oy = vec_offsets(y);
        int64_t nx = ox[i + 1] - ox[i], ny = oy[j + 1] - oy[j];
        int c = ST_MIN(nx, ny) ? memcmp(x->bytes + ox[i], y->bytes + oy[j],
                                        (size_t)ST_MIN(nx, ny)) : 0;
        return c ? (c > 0) - (c < 0) : (nx > ny) - (nx < ny);
    }
    case VEC_STRUCT:
        for (int k = 0; k < x->type->n_children; k++) {
            int c = cmp_nullable(x->children[k], i, y->children[k], j);
            if (c)
                return c;
        }
        return 0;
    case VEC_LIST:
    case VEC_MAP: {
        const int32_t *ox = vec_offsets(x), *oy = vec_offsets(y);
        int64_t nx = ox[i + 1] - ox[i], ny = oy[j + 1] - oy[j];
        for (int64_t k = 0; k < nx && k < ny; k++) {
            int c = cmp_nullable(x->children[0], ox[i] + k, y->children[0], oy[j] + k);
            if (c)
                return c;
        }
        return (nx > ny) - (nx < ny);
    }
    case VEC_NULL:
        return 0;
    default: {
        int64_t p = load_int(x, i), q = load_int(y, j);
        return (p > q) - (p < q);
    }
    }
}

/* Appends row i of v (any type; same shape as b's type) to builder b. */
static st_status append_row(vec_builder *b, const vec *v, int64_t i, st_error *err)
{
    if (!valid_at(v, i))
        return vec_builder_append_null(b, err);
    vec_type_id id = v->type->id;
    st_status rc = ST_OK;
    switch (id) {
    case VEC_BOOL:
        return vec_builder_append_bool(b, vec_bit_get(v->values, i), err);
    case VEC_UINT64:
        return vec_builder_append_u64(b, ((const uint64_t *)v->values)[i], err);
    case VEC_FLOAT:
    case VEC_DOUBLE:
        return vec_builder_append_f64(b, (double)num_at(v, i), err);
    case VEC_DECIMAL: {
        __int128 x;
        memcpy(&x, (const uint8_t *)v->values + 16 * i, 16);
        return vec_builder_append_i128(b, x, err);
    }
    case VEC_STRING:
    case VEC_BINARY: {
        const int32_t *o = vec_offsets(v);
        return vec_builder_append_bytes(b, v->bytes ? v->bytes + o[i] : (const uint8_t *)"",
                                        (size_t)(o[i + 1] - o[i]), err);
    }
    case VEC_STRUCT:
        for (int k = 0; k < v->type->n_children && rc == ST_OK; k++)
            rc = append_row(vec_builder_child(b, k), v->children[k], i, err);
        return rc != ST_OK ? rc : vec_builder_append_struct(b, true, err);
    case VEC_LIST:
    case VEC_MAP: {
        const int32_t *o = vec_offsets(v);
        for (int64_t k = o[i]; k < o[i + 1] && rc == ST_OK; k++)
            rc = append_row(vec_builder_child(b, 0), v->children[0], k, err);
        return rc != ST_OK ? rc : vec_builder_end_list(b, err);
    }
    default:
        return vec_builder_append_i64(b, load_int(v, i), err);
    }
}

/* ---- output helpers ----------------------------------------------------------- */

/* out = rows idx[0..n) of src as type t; idx[i] < 0 gives NULL. */
static st_status gather_or_null(st_arena *a, const vec_type *t, const vec *src, int32_t *idx,
                                int64_t n, vec **out, st_error *err)
{
    bool any = false;
    for (int64_t i = 0; i < n; i++)
        any |= idx[i] >= 0;
    if (!any || src->type->id == VEC_NULL)
        return vec_constant(a, t, NULL, n, out, err);
    int32_t *fixed = st_arena_alloc(a, (size_t)n * sizeof *fixed);
    if (!fixed)
        return oom("a collection function", err);
    for (int64_t i = 0; i < n; i++)
        fixed[i] = idx[i] < 0 ? 0 : idx[i];
    vec *o;
    st_status rc = vec_take(a, src, fixed, n, &o, err);
    if (rc != ST_OK)
        return rc;
    vec_set_type(o, t);
    for (int64_t i = 0; i < n && rc == ST_OK; i++)
        if (idx[i] < 0)
            rc = vec_set_null(a, o, i, err);
    *out = o;
    return rc;
}

/* An index list under construction: the elements chosen for each row. */
typedef struct pick {
    int32_t *idx;        /* arena: element indices */
    int64_t  n, cap;
    int32_t *offs;       /* arena: n_rows + 1 offsets into idx */
    uint8_t *is_null;    /* arena: one byte per row */
} pick;

static st_status pick_init(st_arena *a, pick *p, int64_t n_rows, int64_t cap, st_error *err)
{
    p->n = 0;
    p->cap = cap > 0 ? cap : 1;
    p->idx = st_arena_alloc(a, (size_t)p->cap * sizeof *p->idx);
    p->offs = st_arena_calloc(a, (size_t)n_rows + 1, sizeof *p->offs);
    p->is_null = st_arena_calloc(a, (size_t)n_rows + 1, 1);
    return p->idx && p->offs && p->is_null ? ST_OK : oom("a collection function", err);
}

static st_status pick_push(st_arena *a, pick *p, int32_t v, st_error *err)
{
    if (p->n == p->cap) {
        if (p->cap > INT32_MAX / 2)
            return st_error_set(err, ST_ERR_LIMIT, "array result has more than 2^31 elements");
        int32_t *g = st_arena_alloc(a, (size_t)p->cap * 2 * sizeof *g);
        if (!g)
            return oom("a collection function", err);
        memcpy(g, p->idx, (size_t)p->n * sizeof *g);
        p->idx = g;
        p->cap *= 2;
    }
    p->idx[p->n++] = v;
    return ST_OK;
}

/* A LIST of type t whose row i holds elements p->idx[offs[i]..offs[i+1]) of src. */
static st_status pick_finish(st_arena *a, const vec_type *t, const vec *src, const pick *p,
                             int64_t n_rows, vec **out, st_error *err)
{
    vec *o = vec_new(a, t, n_rows);
    if (!o)
        return oom("a collection function", err);
    memcpy(o->values, p->offs, (size_t)(n_rows + 1) * sizeof *p->offs);
    st_status rc = ST_OK;
    if (p->n > 0)
        rc = vec_take(a, src, p->idx, p->n, &o->children[0], err);
    if (rc != ST_OK)
        return rc;
    vec_set_type(o->children[0], elem_type(t));
    for (int64_t i = 0; i < n_rows && rc == ST_OK; i++)
        if (p->is_null[i])
            rc = vec_set_null(a, o, i, err);
    *out = o;
    return rc;
}

/* ---- kernels ----------------------------------------------------------------- */

static st_status k_array(const fn_bound *f, const vec *const *args, int64_t n, st_arena *a,
                         vec **out, st_error *err)
{
    int k = f->n_args;
    vec_builder *eb = vec_builder_new(elem_type(&f->ret));
    vec *o = vec_new(a, &f->ret, n);
    if (!eb || !o) {
        vec_builder_free(eb);
        return oom(f->name, err);
    }
    if ((int64_t)k * n > INT32_MAX) {
        vec_builder_free(eb);
        return st_error_set(err, ST_ERR_LIMIT, "array result has more than 2^31 elements");
    }
    st_status rc = ST_OK;
    int32_t *offs = vec_offsets(o);
    for (int64_t i = 0; i < n && rc == ST_OK; i++) {
        for (int j = 0; j < k && rc == ST_OK; j++)
            rc = append_row(eb, args[j], i, err);
        offs[i + 1] = (int32_t)((i + 1) * k);
    }
    if (rc == ST_OK)
        rc = vec_builder_finish(eb, a, &o->children[0], err);
    vec_builder_free(eb);
    *out = o;
    return rc;
}

static st_status k_struct(const fn_bound *f, const vec *const *args, int64_t n, st_arena *a,
                          vec **out, st_error *err)
{
    bool named = ((const arr_state *)f->state)->kind == A_NAMED_STRUCT;
    vec *o = st_arena_calloc(a, 1, sizeof *o);
    int nf = f->ret.n_children;
    if (!o || !(o->children = st_arena_calloc(a, (size_t)(nf > 0 ? nf : 1), sizeof *o->children)))
        return oom(f->name, err);
    o->type = &f->ret;
    o->len = n;
    for (int i = 0; i < nf; i++) {
        const vec *src = args[named ? 2 * i + 1 : i];
        vec *c = st_arena_alloc(a, sizeof *c);     /* shallow copy typed as the field */
        if (!c)
            return oom(f->name, err);
        *c = *src;
        c->type = &f->ret.children[i].type;
        o->children[i] = c;
    }
    *out = o;
    return ST_OK;
}

/* Checks the keys of map row `row` (entries [from, to) of e) for NULL and repeats. */
static st_status check_keys(const vec *keys, int64_t from, int64_t to, st_error *err)
{
    for (int64_t j = from; j < to; j++) {
        if (!valid_at(keys, j))
            return st_error_set(err, ST_ERR_ARGUMENT, "cannot use null as map key");
        for (int64_t q = from; q < j; q++)
            if (cmp_val(keys, q, keys, j) == 0)
                return st_error_set(err, ST_ERR_ARGUMENT,
                                    "duplicate map key at position %lld; map keys must be unique",
                                    (long long)(j - from + 1));
    }
    return ST_OK;
}

/* map(k1, v1, ...) and map_from_arrays(keys, values). */
static st_status k_map(const fn_bound *f, const vec *const *args, int64_t n, st_arena *a,
                       vec **out, st_error *err)
{
    bool from_arrays = ((const arr_state *)f->state)->kind == A_MAP_FROM_ARRAYS;
    vec_builder *mb = vec_builder_new(&f->ret);
    if (!mb)
        return oom(f->name, err);
    vec_builder *eb = vec_builder_child(mb, 0);
    vec_builder *kb = vec_builder_child(eb, 0), *vb = vec_builder_child(eb, 1);
    st_status rc = ST_OK;
    for (int64_t i = 0; i < n && rc == ST_OK; i++) {
        if (from_arrays) {
            if (!valid_at(args[0], i) || !valid_at(args[1], i)) {
                rc = vec_builder_append_null(mb, err);
                continue;
            }
            const int32_t *ko = vec_offsets(args[0]), *vo = vec_offsets(args[1]);
            int64_t len = ko[i + 1] - ko[i];
            if (len != vo[i + 1] - vo[i]) {
                rc = st_error_set(err, ST_ERR_ARGUMENT,
                                  "map_from_arrays got %lld keys and %lld values",
                                  (long long)len, (long long)(vo[i + 1] - vo[i]));
                break;
            }
            rc = check_keys(args[0]->children[0], ko[i], ko[i + 1], err);
            for (int64_t j = 0; j < len && rc == ST_OK; j++) {
                rc = append_row(kb, args[0]->children[0], ko[i] + j, err);
                if (rc == ST_OK)
                    rc = append_row(vb, args[1]->children[0], vo[i] + j, err);
                if (rc == ST_OK)
                    rc = vec_builder_append_struct(eb, true, err);
            }
        } else {
            for (int j = 0; j + 1 < f->n_args && rc == ST_OK; j += 2) {
                if (!valid_at(args[j], i))
                    rc = st_error_set(err, ST_ERR_ARGUMENT, "cannot use null as map key");
                for (int q = 0; q < j && rc == ST_OK; q += 2)
                    if (cmp_val(args[q], i, args[j], i) == 0)
                        rc = st_error_set(err, ST_ERR_ARGUMENT,
                                          "duplicate map key at position %d; map keys must be "
                                          "unique", j / 2 + 1);
                if (rc == ST_OK)
                    rc = append_row(kb, args[j], i, err);
                if (rc == ST_OK)
                    rc = append_row(vb, args[j + 1], i, err);
                if (rc == ST_OK)
                    rc = vec_builder_append_struct(eb, true, err);
            }
        }
        if (rc == ST_OK)
            rc = vec_builder_end_list(mb, err);
    }
    if (rc == ST_OK)
        rc = vec_builder_finish(mb, a, out, err);
    vec_builder_free(mb);
    return rc;
}

static st_status k_size(const fn_bound *f, const vec *x, int64_t n, st_arena *a, vec **out,
                        st_error *err)
{
    vec *o = vec_new(a, &f->ret, n);
    if (!o)
        return oom(f->name, err);
    int32_t *r = o->values;
    st_status rc = ST_OK;
    for (int64_t i = 0; i < n && rc == ST_OK; i++) {
        if (!valid_at(x, i))
            rc = vec_set_null(a, o, i, err);
        else
            r[i] = vec_offsets(x)[i + 1] - vec_offsets(x)[i];
    }
    *out = o;
    return rc;
}

/* element_at (1-based, negative from the end) and __subscript (0-based) on arrays. */
static st_status list_index(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                            int64_t i, int32_t *idx, st_error *err)
{
    bool one_based = ((const arr_state *)f->state)->kind == A_ELEMENT_AT;
    const int32_t *o = vec_offsets(args[0]);
    int64_t len = o[i + 1] - o[i], k = ((const int64_t *)args[1]->values)[i], pos;
    if (one_based && k == 0)
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "element_at index 0 is invalid; array indices start at 1");
    pos = one_based ? (k > 0 ? k - 1 : len + k) : k;
    if (pos < 0 || pos >= len) {
        if (ctx->ansi)
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "array index %lld is out of bounds for an array of %lld elements",
                                (long long)k, (long long)len);
        *idx = -1;
        return ST_OK;
    }
    *idx = (int32_t)(o[i] + pos);
    return ST_OK;
}

static st_status k_at(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                      int64_t n, st_arena *a, vec **out, st_error *err)
{
    int32_t *idx = st_arena_alloc(a, (size_t)(n > 0 ? n : 1) * sizeof *idx);
    if (!idx)
        return oom(f->name, err);
    bool is_map = args[0]->type->id == VEC_MAP;
    st_status rc = ST_OK;
    for (int64_t i = 0; i < n && rc == ST_OK; i++) {
        idx[i] = -1;
        if (!valid_at(args[0], i) || !valid_at(args[1], i))
            continue;
        if (!is_map) {
            rc = list_index(f, ctx, args, i, &idx[i], err);
            continue;
        }
        const int32_t *o = vec_offsets(args[0]);
        const vec *keys = args[0]->children[0]->children[0];
        for (int64_t j = o[i]; j < o[i + 1]; j++)
            if (valid_at(keys, j) && cmp_val(keys, j, args[1], i) == 0) {
                idx[i] = (int32_t)j;
                break;
            }
    }
    if (rc != ST_OK)
        return rc;
    const vec *src = is_map ? args[0]->children[0]->children[1] : args[0]->children[0];
    return gather_or_null(a, &f->ret, src, idx, n, out, err);
}

static st_status k_get_field(const fn_bound *f, const vec *const *args, int64_t n, st_arena *a,
                             vec **out, st_error *err)
{
    const vec *s = args[0];
    if (s->type->id == VEC_NULL)
        return vec_constant(a, &f->ret, NULL, n, out, err);
    int32_t *idx = st_arena_alloc(a, (size_t)(n > 0 ? n : 1) * sizeof *idx);
    if (!idx)
        return oom(f->name, err);
    for (int64_t i = 0; i < n; i++)
        idx[i] = vec_is_valid(s, i) ? (int32_t)i : -1;
    return gather_or_null(a, &f->ret, s->children[((const arr_state *)f->state)->field], idx, n,
                          out, err);
}

static st_status k_contains(const fn_bound *f, const vec *const *args, int64_t n, st_arena *a,
                            vec **out, st_error *err)
{
    vec *o = vec_new(a, &f->ret, n);
    if (!o)
        return oom(f->name, err);
    st_status rc = ST_OK;
    for (int64_t i = 0; i < n && rc == ST_OK; i++) {
        if (!valid_at(args[0], i) || !valid_at(args[1], i)) {
            rc = vec_set_null(a, o, i, err);
            continue;
        }
        const int32_t *off = vec_offsets(args[0]);
        const vec *el = args[0]->children[0];
        bool found = false, saw_null = false;
        for (int64_t j = off[i]; j < off[i + 1] && !found; j++) {
            if (!valid_at(el, j))
                saw_null = true;
            else if (cmp_val(el, j, args[1], i) == 0)
                found = true;
        }
        if (found)
            vec_bit_set(o->values, i);
        else if (saw_null)
            rc = vec_set_null(a, o, i, err);
    }
    *out = o;
    return rc;
}

/* Stable merge sort of idx[0..n) by cmp_nullable on el (desc flips the order
** and so puts NULLs last). tmp has room for n. */
static void sort_idx(const vec *el, int32_t *idx, int32_t *tmp, int64_t n, bool desc)
{
    if (n < 2)
        return;
    int64_t h = n / 2;
    sort_idx(el, idx, tmp, h, desc);
    sort_idx(el, idx + h, tmp, n - h, desc);
    int64_t p = 0, q = h, k = 0;
    while (p < h && q < n) {
        int c = cmp_nullable(el, idx[q], el, idx[p]);
        if (desc ? c > 0 : c < 0)
            tmp[k++] = idx[q++];
        else
            tmp[k++] = idx[p++];
    }
    while (p < h)
        tmp[k++] = idx[p++];
    while (q < n)
        tmp[k++] = idx[q++];
    memcpy(idx, tmp, (size_t)n * sizeof *idx);
}

/* Appends the chosen elements of row i for sort_array / array_distinct /
** slice / flatten to p. */
static st_status pick_row(const fn_bound *f, arr_kind k, const vec *const *args, int64_t i,
                          st_arena *a, pick *p, int32_t *tmp, st_error *err)
{
    const int32_t *o = vec_offsets(args[0]);
    const vec *el = args[0]->children[0];
    int64_t start = o[i], len = o[i + 1] - o[i], base = p->n;
    st_status rc = ST_OK;
    if (k == A_SLICE) {
        int64_t s = ((const int64_t *)args[1]->values)[i];
        int64_t cnt = ((const int64_t *)args[2]->values)[i];
        if (s == 0)
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "slice start 0 is invalid; array indices start at 1");
        if (cnt < 0)
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "slice length %lld is negative", (long long)cnt);
        int64_t from = s > 0 ? s - 1 : len + s;
        int64_t end = from < 0 || cnt > len - from ? len : from + cnt;   /* no overflow */
        for (int64_t j = from; j >= 0 && j < end && rc == ST_OK; j++)
            rc = pick_push(a, p, (int32_t)(start + j), err);
        return rc;
    }
    if (k == A_FLATTEN) {
        const int32_t *io = vec_offsets(el);
        for (int64_t j = start; j < start + len; j++)
            if (!valid_at(el, j)) {
                p->is_null[i] = 1;
                return ST_OK;
            }
        for (int64_t j = start; j < start + len; j++)
            for (int32_t q = io[j]; q < io[j + 1] && rc == ST_OK; q++)
                rc = pick_push(a, p, q, err);
        return rc;
    }
    for (int64_t j = start; j < start + len && rc == ST_OK; j++) {
        bool dup = false;
        for (int64_t q = base; k == A_DISTINCT && q < p->n && !dup; q++)
            dup = cmp_nullable(el, p->idx[q], el, j) == 0;
        if (!dup)
            rc = pick_push(a, p, (int32_t)j, err);
    }
    if (rc == ST_OK && k == A_SORT) {
        bool desc = f->n_args == 2 && valid_at(args[1], i) && !vec_bit_get(args[1]->values, i);
        sort_idx(el, p->idx + base, tmp, p->n - base, desc);
    }
    return rc;
}

static st_status k_pick(const fn_bound *f, arr_kind k, const vec *const *args, int64_t n,
                        st_arena *a, vec **out, st_error *err)
{
    const vec *x = args[0];
    const vec *el = x->children[0];
    const vec *src = k == A_FLATTEN ? el->children[0] : el;
    pick p;
    int32_t *tmp = st_arena_alloc(a, (size_t)(el->len > 0 ? el->len : 1) * sizeof *tmp);
    st_status rc = tmp ? pick_init(a, &p, n, el->len, err) : oom(f->name, err);
    for (int64_t i = 0; i < n && rc == ST_OK; i++) {
        bool ok = valid_at(x, i);
        for (int j = 1; j < f->n_args && k == A_SLICE; j++)
            ok = ok && valid_at(args[j], i);
        if (!ok)
            p.is_null[i] = 1;
        else
            rc = pick_row(f, k, args, i, a, &p, tmp, err);
        if (rc == ST_OK && p.n > INT32_MAX)
            rc = st_error_set(err, ST_ERR_LIMIT, "array result has more than 2^31 elements");
        p.offs[i + 1] = (int32_t)p.n;
    }
    return rc != ST_OK ? rc : pick_finish(a, &f->ret, src, &p, n, out, err);
}

static st_status k_minmax(const fn_bound *f, bool is_max, const vec *x, int64_t n, st_arena *a,
                          vec **out, st_error *err)
{
    int32_t *idx = st_arena_alloc(a, (size_t)(n > 0 ? n : 1) * sizeof *idx);
    if (!idx)
        return oom(f->name, err);
    const vec *el = x->children[0];
    for (int64_t i = 0; i < n; i++) {
        idx[i] = -1;
        if (!valid_at(x, i))
            continue;
        const int32_t *o = vec_offsets(x);
        for (int32_t j = o[i]; j < o[i + 1]; j++) {
            if (!valid_at(el, j))
                continue;
            int c = idx[i] < 0 ? 0 : cmp_val(el, j, el, idx[i]);
            if (idx[i] < 0 || (is_max ? c > 0 : c < 0))
                idx[i] = j;
        }
    }
    return gather_or_null(a, &f->ret, el, idx, n, out, err);
}

static st_status k_join(const fn_bound *f, const vec *const *args, int64_t n, st_arena *a,
                        vec **out, st_error *err)
{
    vec_builder *b = vec_builder_new(&f->ret);
    st_buf buf;
    st_buf_init(&buf);
    st_status rc = b ? ST_OK : oom(f->name, err);
    const vec *el = args[0]->children[0];
    bool has_repl = f->n_args == 3;
    for (int64_t i = 0; i < n && rc == ST_OK; i++) {
        if (!valid_at(args[0], i) || !valid_at(args[1], i) ||
            (has_repl && !valid_at(args[2], i))) {
            rc = vec_builder_append_null(b, err);
            continue;
        }
        st_buf_clear(&buf);
        const int32_t *o = vec_offsets(args[0]), *so = vec_offsets(args[1]);
        bool first = true;
        for (int32_t j = o[i]; j < o[i + 1] && rc == ST_OK; j++) {
            bool v = valid_at(el, j);
            if (!v && !has_repl)
                continue;
            if (!first)
                rc = st_buf_append(&buf, args[1]->bytes + so[i], (size_t)(so[i + 1] - so[i]),
                                   err);
            first = false;
            if (rc != ST_OK)
                break;
            if (!v) {
                const int32_t *ro = vec_offsets(args[2]);
                rc = st_buf_append(&buf, args[2]->bytes + ro[i], (size_t)(ro[i + 1] - ro[i]),
                                   err);
            } else if (el->type->id == VEC_STRING) {
                const int32_t *eo = vec_offsets(el);
                rc = st_buf_append(&buf, el->bytes + eo[j], (size_t)(eo[j + 1] - eo[j]), err);
            } else {
                rc = vec_format_value(el, j, VEC_FMT_TEXT, &buf, err);
            }
        }
        if (rc == ST_OK)
            rc = vec_builder_append_bytes(b, buf.data ? buf.data : (const uint8_t *)"", buf.len,
                                          err);
    }
    if (rc == ST_OK)
        rc = vec_builder_finish(b, a, out, err);
    st_buf_destroy(&buf);
    vec_builder_free(b);
    return rc;
}

/* map_keys / map_values: the entries' key or value column under the map's offsets. */
static st_status k_map_part(const fn_bound *f, bool keys, const vec *m, int64_t n, st_arena *a,
                            vec **out, st_error *err)
{
    vec *o = vec_new(a, &f->ret, n);
    if (!o)
        return oom(f->name, err);
    memcpy(o->values, m->values, (size_t)(n + 1) * sizeof(int32_t));
    vec *c = st_arena_alloc(a, sizeof *c);
    if (!c)
        return oom(f->name, err);
    *c = *m->children[0]->children[keys ? 0 : 1];
    c->type = elem_type(&f->ret);
    o->children[0] = c;
    st_status rc = ST_OK;
    for (int64_t i = 0; i < n && rc == ST_OK; i++)
        if (!vec_is_valid(m, i))
            rc = vec_set_null(a, o, i, err);
    *out = o;
    return rc;
}

/* Dispatch; a NULL-typed collection argument makes every row NULL. */
static st_status arr_kernel(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                            int64_t n, st_arena *a, vec **out, st_error *err)
{
    arr_kind k = ((const arr_state *)f->state)->kind;
    switch (k) {
    case A_ARRAY: return k_array(f, args, n, a, out, err);
    case A_STRUCT:
    case A_NAMED_STRUCT: return k_struct(f, args, n, a, out, err);
    case A_MAP:
    case A_MAP_FROM_ARRAYS: return k_map(f, args, n, a, out, err);
    default: break;
    }
    if (args[0]->type->id == VEC_NULL)
        return vec_constant(a, &f->ret, NULL, n, out, err);
    switch (k) {
    case A_SIZE: return k_size(f, args[0], n, a, out, err);
    case A_ELEMENT_AT:
    case A_SUBSCRIPT: return k_at(f, ctx, args, n, a, out, err);
    case A_GET_FIELD: return k_get_field(f, args, n, a, out, err);
    case A_CONTAINS: return k_contains(f, args, n, a, out, err);
    case A_MIN:
    case A_MAX: return k_minmax(f, k == A_MAX, args[0], n, a, out, err);
    case A_JOIN: return k_join(f, args, n, a, out, err);
    case A_MAP_KEYS:
    case A_MAP_VALUES: return k_map_part(f, k == A_MAP_KEYS, args[0], n, a, out, err);
    default: return k_pick(f, k, args, n, a, out, err);
    }
}

const fn_def fn_defs_array[] = {
    {"array", 0, -1, resolve_arr},
    {"size", 1, 1, resolve_arr},
    {"cardinality", 1, 1, resolve_arr},
    {"element_at", 2, 2, resolve_arr},
    {"__subscript", 2, 2, resolve_arr},
    {"array_contains", 2, 2, resolve_arr},
    {"sort_array", 1, 2, resolve_arr},
    {"array_distinct", 1, 1, resolve_arr},
    {"array_join", 2, 3, resolve_arr},
    {"array_min", 1, 1, resolve_arr},
    {"array_max", 1, 1, resolve_arr},
    {"slice", 3, 3, resolve_arr},
    {"flatten", 1, 1, resolve_arr},
    {"map", 0, -1, resolve_arr},
    {"map_keys", 1, 1, resolve_arr},
    {"map_values", 1, 1, resolve_arr},
    {"map_from_arrays", 2, 2, resolve_arr},
    {"struct", 1, -1, resolve_arr},
    {"named_struct", 2, -1, resolve_arr},
    {"__get_field", 2, 2, resolve_arr},
    {NULL, 0, 0, NULL},
};
