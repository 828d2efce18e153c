/* fn_cond.c -- Spark SQL conditional functions: coalesce, nvl, ifnull,
** nullif, if, nvl2, greatest, least, isnull, isnotnull, isnan, nanvl.
**
** Value arguments are coerced to their common type by folding
** fn_common_type (Spark's findWiderTypeForTwo): numeric widening, integral +
** decimal -> decimal, date + timestamp -> timestamp, and a string with any
** other atomic type except binary/boolean -> string, so coalesce(1, 'a') is
** a string as in Spark. No common type is ST_ERR_BIND.
** Kernels pick, per row, which argument supplies the value (or NULL) and
** gather it into the output; NULL arguments do not propagate (coalesce,
** greatest/least skip NULLs as Spark does; isnull/isnan never return NULL).
** Deviations: nullif returns the common type of both arguments (Spark: the
** first argument's type); struct/array/map arguments are not supported. */
#include "fn_int.h"

#include <math.h>
#include <string.h>

typedef enum cond_kind {
    C_COALESCE, C_NULLIF, C_IF, C_NVL2, C_GREATEST, C_LEAST, C_ISNULL, C_ISNOTNULL, C_ISNAN,
    C_NANVL
} cond_kind;

static cond_kind kind_of(const char *name)
{
    static const struct { const char *n; cond_kind k; } t[] = {
        {"coalesce", C_COALESCE}, {"nvl", C_COALESCE}, {"ifnull", C_COALESCE},
        {"nullif", C_NULLIF}, {"if", C_IF}, {"nvl2", C_NVL2}, {"greatest", C_GREATEST},
        {"least", C_LEAST}, {"isnull", C_ISNULL}, {"isnotnull", C_ISNOTNULL},
        {"isnan", C_ISNAN}, {"nanvl", C_NANVL},
    };
    for (size_t k = 0; k < ST_ARRAY_LEN(t); k++)
        if (!strcmp(t[k].n, name))
            return t[k].k;
    return C_COALESCE;
}

static vec_type mk(vec_type_id id)
{
    vec_type t = {0};
    t.id = id;
    return t;
}

static st_status cond_kernel(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                             int64_t n, st_arena *a, vec **out, st_error *err);

/* ---- resolution ---------------------------------------------------------- */

static st_status no_common(const char *name, const fn_arg_info *args, int n_args,
                           st_error *err)
{
    char sig[256];
    fn_types_text(args, n_args, sig, sizeof sig);
    return st_error_set(err, ST_ERR_BIND,
                        "function %s(%s) does not exist; %s takes arguments of one common type",
                        name, sig, name);
}

static st_status resolve_cond(const char *name, const fn_arg_info *args, int n_args,
                              st_arena *a, fn_bound *out, st_error *err)
{
    cond_kind k = kind_of(name);
    cond_kind *st = st_arena_alloc(a, sizeof *st);
    if (!st)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory resolving %s", name);
    *st = k;
    out->state = st;
    out->kernel = cond_kernel;
    if (k == C_ISNULL || k == C_ISNOTNULL) {
        out->ret = mk(VEC_BOOL);
        out->ret_nullable = false;
        return ST_OK;
    }
    if (k == C_ISNAN || k == C_NANVL) {
        vec_type d = mk(VEC_DOUBLE);
        for (int i = 0; i < n_args; i++) {
            vec_type_id id = args[i].type->id;
            if (!fn_type_is_numeric(id) && id != VEC_NULL)
                return no_common(name, args, n_args, err);
            fn_bound_set_cast(out, i, args[i].type, &d);
        }
        out->ret = k == C_ISNAN ? mk(VEC_BOOL) : d;
        out->ret_nullable = k != C_ISNAN;
        return ST_OK;
    }
    int first = 0;                          /* first value argument */
    if (k == C_IF || k == C_NVL2) {
        first = 1;
        if (k == C_IF) {
            vec_type b = mk(VEC_BOOL);
            if (args[0].type->id != VEC_BOOL && args[0].type->id != VEC_NULL)
                return st_error_set(err, ST_ERR_BIND,
                                    "function if takes a boolean condition, got %s",
                                    vec_type_id_name(args[0].type->id));
            fn_bound_set_cast(out, 0, args[0].type, &b);
        }
    }
    vec_type c = mk(VEC_NULL);
    for (int i = first; i < n_args; i++) {
        vec_type w;
        if (!fn_common_type(&c, args[i].type, &w) || vec_type_is_nested(w.id))
            return no_common(name, args, n_args, err);
        c = w;
    }
    if (c.id == VEC_NULL)
        c = mk(VEC_STRING);               /* every argument NULL: any type works */
    for (int i = first; i < n_args; i++)
        fn_bound_set_cast(out, i, args[i].type, &c);
    out->ret = c;
    return ST_OK;
}

/* ---- kernels ------------------------------------------------------------- */

static bool valid_at(const vec *v, int64_t i)
{
    return v->type->id != VEC_NULL && vec_is_valid(v, i);
}

/* Spark ordering of two valid rows of the same type (NaN largest). */
static int cmp_rows(const vec *x, int64_t i, const vec *y, int64_t j)
{
    switch (x->type->id) {
    case VEC_FLOAT:
    case VEC_DOUBLE: {
        double a = x->type->id == VEC_FLOAT ? ((const float *)x->values)[i]
                                            : ((const double *)x->values)[i];
        double b = y->type->id == VEC_FLOAT ? ((const float *)y->values)[j]
                                            : ((const double *)y->values)[j];
        if (isnan(a) || isnan(b))
            return isnan(a) && isnan(b) ? 0 : isnan(a) ? 1 : -1;
        return (a > b) - (a < b);
    }
    case VEC_STRING:
    case VEC_BINARY: {
        const int32_t *ox = vec_offsets(x), *oy = vec_offsets(y);
        int64_t nx = ox[i + 1] - ox[i], ny = oy[j + 1] - oy[j];
        int64_t m = ST_MIN(nx, ny);   /* empty strings may have no byte buffer */
        int c = m > 0 ? memcmp(x->bytes + ox[i], y->bytes + oy[j], (size_t)m) : 0;
        return c ? (c > 0) - (c < 0) : (nx > ny) - (nx < ny);
    }
    case VEC_BOOL:
        return (int)vec_bit_get(x->values, i) - (int)vec_bit_get(y->values, j);
    case VEC_DECIMAL: {
        __int128 a, b;
        memcpy(&a, (const uint8_t *)x->values + 16 * i, 16);
        memcpy(&b, (const uint8_t *)y->values + 16 * j, 16);
        return (a > b) - (a < b);
    }
    default: {
        int w = vec_type_width(x->type->id);
        int64_t a = 0, b = 0;
        if (w == 1) { a = ((const int8_t *)x->values)[i]; b = ((const int8_t *)y->values)[j]; }
        else if (w == 2) { a = ((const int16_t *)x->values)[i]; b = ((const int16_t *)y->values)[j]; }
        else if (w == 4) { a = ((const int32_t *)x->values)[i]; b = ((const int32_t *)y->values)[j]; }
        else { a = ((const int64_t *)x->values)[i]; b = ((const int64_t *)y->values)[j]; }
        if (x->type->id == VEC_UINT64)
            return ((uint64_t)a > (uint64_t)b) - ((uint64_t)a < (uint64_t)b);
        if (x->type->id == VEC_UINT32 || x->type->id == VEC_UINT16 || x->type->id == VEC_UINT8) {
            uint64_t ua = (uint64_t)a & (w == 1 ? 0xFF : w == 2 ? 0xFFFF : 0xFFFFFFFFu);
            uint64_t ub = (uint64_t)b & (w == 1 ? 0xFF : w == 2 ? 0xFFFF : 0xFFFFFFFFu);
            return (ua > ub) - (ua < ub);
        }
        return (a > b) - (a < b);
    }
    }
}

static double dbl_at(const vec *v, int64_t i)
{
    return v->type->id == VEC_FLOAT ? ((const float *)v->values)[i]
                                    : ((const double *)v->values)[i];
}

/* Which argument supplies row i (-1: NULL). */
static int choose(cond_kind k, const vec *const *args, int n_args, int64_t i)
{
    switch (k) {
    case C_COALESCE:
        for (int j = 0; j < n_args; j++)
            if (valid_at(args[j], i))
                return j;
        return -1;
    case C_NULLIF:
        if (!valid_at(args[0], i))
            return -1;
        return valid_at(args[1], i) && cmp_rows(args[0], i, args[1], i) == 0 ? -1 : 0;
    case C_IF:
        return valid_at(args[0], i) && vec_bit_get(args[0]->values, i) ? 1 : 2;
    case C_NVL2:
        return valid_at(args[0], i) ? 1 : 2;
    case C_NANVL:
        if (!valid_at(args[0], i))
            return -1;
        return isnan(dbl_at(args[0], i)) ? (valid_at(args[1], i) ? 1 : -1) : 0;
    default: {                                       /* greatest / least */
        int best = -1;
        for (int j = 0; j < n_args; j++) {
            if (!valid_at(args[j], i))
                continue;
            if (best < 0) {
                best = j;
                continue;
            }
            int c = cmp_rows(args[j], i, args[best], i);
            if (k == C_GREATEST ? c > 0 : c < 0)
                best = j;
        }
        return best;
    }
    }
}

/* Gathers out row i from args[pick[i]] row i (pick -1: NULL). */
static st_status gather(const fn_bound *f, const vec *const *args, const int8_t *pick,
                        int64_t n, st_arena *a, vec **out, st_error *err)
{
    vec *o = vec_new(a, &f->ret, n);
    if (!o || vec_alloc_validity(a, o, err) != ST_OK)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory evaluating %s", f->name);
    vec_type_id id = f->ret.id;
    int w = vec_type_width(id);
    size_t total = 0;
    for (int64_t i = 0; i < n; i++) {
        if (pick[i] < 0) {
            vec_bit_clear(o->validity, i);
            continue;
        }
        const vec *s = args[pick[i]];
        if (id == VEC_BOOL) {
            if (vec_bit_get(s->values, i))
                vec_bit_set(o->values, i);
        } else if (vec_type_is_varlen(id)) {
            const int32_t *so = vec_offsets(s);
            total += (size_t)(so[i + 1] - so[i]);
        } else if (w > 0) {
            memcpy((uint8_t *)o->values + (size_t)w * (size_t)i,
                   (const uint8_t *)s->values + (size_t)w * (size_t)i, (size_t)w);
        }
    }
    if (vec_type_is_varlen(id)) {
        if (total > INT32_MAX)
            return st_error_set(err, ST_ERR_LIMIT, "result of %s is larger than 2 GiB", f->name);
        o->bytes = st_arena_alloc(a, total ? total : 1);
        if (!o->bytes)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory evaluating %s", f->name);
        int32_t *oo = vec_offsets(o), pos = 0;
        for (int64_t i = 0; i < n; i++) {
            if (pick[i] >= 0) {
                const vec *s = args[pick[i]];
                const int32_t *so = vec_offsets(s);
                int32_t len = so[i + 1] - so[i];
                st_memcpy(o->bytes + pos, s->bytes + so[i], (size_t)len);
                pos += len;
            }
            oo[i + 1] = pos;
        }
        o->n_bytes = pos;
    }
    vec_finish_validity(o);
    *out = o;
    return ST_OK;
}

static st_status bool_kernel(const fn_bound *f, cond_kind k, const vec *x, int64_t n,
                             st_arena *a, vec **out, st_error *err)
{
    vec *o = vec_new(a, &f->ret, n);
    if (!o)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory evaluating %s", f->name);
    for (int64_t i = 0; i < n; i++) {
        bool v = valid_at(x, i);
        bool r = k == C_ISNULL ? !v : k == C_ISNOTNULL ? v : v && isnan(dbl_at(x, i));
        if (r)
            vec_bit_set(o->values, i);
    }
    *out = o;
    return ST_OK;
}

static st_status cond_kernel(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                             int64_t n, st_arena *a, vec **out, st_error *err)
{
    cond_kind k = *(const cond_kind *)f->state;
    if (k == C_ISNULL || k == C_ISNOTNULL || k == C_ISNAN)
        return bool_kernel(f, k, args[0], n, a, out, err);
    int8_t *pick = st_arena_alloc(a, n ? (size_t)n : 1);
    if (!pick)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory evaluating %s", f->name);
    for (int64_t i = 0; i < n; i++) {
        int j = choose(k, args, f->n_args, i);
        pick[i] = (int8_t)(j >= 0 && valid_at(args[j], i) ? j : -1);
    }
    return gather(f, args, pick, n, a, out, err);
}

const fn_def fn_defs_cond[] = {
    {"coalesce", 1, -1, resolve_cond},
    {"nvl", 2, 2, resolve_cond},
    {"ifnull", 2, 2, resolve_cond},
    {"nullif", 2, 2, resolve_cond},
    {"if", 3, 3, resolve_cond},
    {"nvl2", 3, 3, resolve_cond},
    {"greatest", 2, -1, resolve_cond},
    {"least", 2, -1, resolve_cond},
    {"isnull", 1, 1, resolve_cond},
    {"isnotnull", 1, 1, resolve_cond},
    {"isnan", 1, 1, resolve_cond},
    {"nanvl", 2, 2, resolve_cond},
    {NULL, 0, 0, NULL},
};
