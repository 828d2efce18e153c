/* fn_math.c -- Spark SQL math functions: abs, round/bround, floor/ceil,
** pow, sqrt, exp, logarithms, mod/pmod, sign, trigonometry, degrees/radians,
** pi, e and rand. Each entry resolves its argument types the way Spark's
** ImplicitTypeCasts do (numbers and strings go to double for the double
** functions) and runs a vectorised kernel with SQL NULL propagation.
**
** Spark semantics kept on purpose:
**   - ln/log10/log2/log(base, x) return NULL for arguments <= 0 (not NaN);
**     sqrt/asin/acos of out-of-domain values return NaN as Java does.
**   - round/bround on double round the shortest decimal text of the value
**     (Scala's BigDecimal(double)), so round(2.675, 2) = 2.68 as in Spark.
**   - round/bround on decimals are exact; the result type follows Spark 3.x
**     (decimal(p - s + 1 + min(s, d), min(s, d)), scale 0 for d < 0).
**   - floor/ceil return bigint for integral and floating input (saturating
**     like Java's (long) conversion, NaN -> 0) and decimal(p - s + 1, 0)
**     for decimal input.
**   - abs of the minimum integer wraps outside ANSI mode and is an error in
**     ANSI mode; mod/pmod by zero are NULL outside ANSI mode.
** Deviations: the two-argument ceil(x, d)/floor(x, d) forms are not
** supported; rand(seed) mixes the seed with a per-call counter, so its
** stream is not reproducible across queries as Spark's is per partition. */
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "func/fn_int.h"

static const vec_type T_DOUBLE = {.id = VEC_DOUBLE};
static const vec_type T_INT64 = {.id = VEC_INT64};
static const vec_type T_INT32 = {.id = VEC_INT32};

/* ---- shared helpers ---------------------------------------------------- */

static bool is_int_id(vec_type_id id) { return id >= VEC_INT8 && id <= VEC_UINT64; }
static bool is_num_id(vec_type_id id)
{
    return is_int_id(id) || id == VEC_FLOAT || id == VEC_DOUBLE || id == VEC_DECIMAL;
}
static int int_rank(vec_type_id id)
{
    switch (id) {
    case VEC_INT8: case VEC_UINT8: return 1;
    case VEC_INT16: case VEC_UINT16: return 2;
    case VEC_INT32: case VEC_UINT32: return 3;
    default: return 4;
    }
}

/* "function f(int, string) does not exist; f takes <what>". */
static st_status bind_error(const char *name, const fn_arg_info *args, int n_args,
                            const char *what, st_error *err)
{
    return fn_no_overload(name, args, n_args, what, err);
}

static void bound_init(fn_bound *out, const char *name, const vec_type *ret, int n_args,
                       fn_kernel k)
{
    memset(out, 0, sizeof *out);
    out->name = name;
    out->ret = *ret;
    out->ret_nullable = true;
    out->n_args = n_args;
    out->kernel = k;
    out->deterministic = true;
}

/* A new output vector of f->ret whose validity is the AND of the args'. */
static st_status new_out(const fn_bound *f, const vec *const *args, int n_args, int64_t n,
                         st_arena *a, vec **out, st_error *err)
{
    vec *v = vec_new(a, &f->ret, n);
    if (!v)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory in function %s", f->name);
    for (int k = 0; k < n_args; k++) {
        if (!args[k]->validity && args[k]->type->id != VEC_NULL)
            continue;
        st_status rc = vec_alloc_validity(a, v, err);
        if (rc != ST_OK)
            return rc;
        for (int64_t i = 0; i < n; i++)
            if (!vec_is_valid(args[k], i) || args[k]->type->id == VEC_NULL)
                vec_bit_clear(v->validity, i);
    }
    *out = v;
    return ST_OK;
}
static bool row_ok(const vec *out, int64_t i) { return vec_is_valid(out, i); }
static st_status null_row(st_arena *a, vec *out, int64_t i, st_error *err)
{
    st_status rc = vec_alloc_validity(a, out, err);
    if (rc == ST_OK)
        vec_bit_clear(out->validity, i);
    return rc;
}

static int64_t load_int(const vec *v, int64_t i)
{
    switch (v->type->id) {
    case VEC_INT8: return ((const int8_t *)v->values)[i];
    case VEC_INT16: return ((const int16_t *)v->values)[i];
    case VEC_INT32: return ((const int32_t *)v->values)[i];
    case VEC_UINT8: return ((const uint8_t *)v->values)[i];
    case VEC_UINT16: return ((const uint16_t *)v->values)[i];
    case VEC_UINT32: return ((const uint32_t *)v->values)[i];
    case VEC_UINT64: return (int64_t)((const uint64_t *)v->values)[i];
    case VEC_BOOL: return vec_bit_get(v->values, i);
    default: return ((const int64_t *)v->values)[i];
    }
}
static void store_int(vec *v, int64_t i, int64_t x)
{
    switch (v->type->id) {
    case VEC_INT8: ((int8_t *)v->values)[i] = (int8_t)x; break;
    case VEC_INT16: ((int16_t *)v->values)[i] = (int16_t)x; break;
    case VEC_INT32: ((int32_t *)v->values)[i] = (int32_t)x; break;
    case VEC_UINT8: ((uint8_t *)v->values)[i] = (uint8_t)x; break;
    case VEC_UINT16: ((uint16_t *)v->values)[i] = (uint16_t)x; break;
    case VEC_UINT32: ((uint32_t *)v->values)[i] = (uint32_t)x; break;
    default: ((int64_t *)v->values)[i] = x; break;
    }
}
static int64_t int_min_of(vec_type_id id)
{
    switch (id) {
    case VEC_INT8: return INT8_MIN;
    case VEC_INT16: return INT16_MIN;
    case VEC_INT32: return INT32_MIN;
    default: return INT64_MIN;
    }
}
static __int128 load_dec(const vec *v, int64_t i)
{
    __int128 x;
    memcpy(&x, (const uint8_t *)v->values + 16 * i, 16);
    return x;
}
static void store_dec(vec *v, int64_t i, __int128 x) { memcpy((uint8_t *)v->values + 16 * i, &x, 16); }
static __int128 pow10_i128(int k)
{
    __int128 p = 1;
    for (int i = 0; i < k; i++)
        p *= 10;
    return p;
}
static double load_double(const vec *v, int64_t i)
{
    if (v->type->id == VEC_FLOAT)
        return ((const float *)v->values)[i];
    return ((const double *)v->values)[i];
}

/* Arguments of the double functions: numbers and strings are cast to double. */
static bool want_double(const fn_arg_info *arg, fn_bound *out, int i)
{
    vec_type_id id = arg->type->id;
    if (id == VEC_DOUBLE)
        return true;
    if (!is_num_id(id) && id != VEC_STRING && id != VEC_NULL)
        return false;
    out->cast_to[i] = T_DOUBLE;
    return true;
}

/* ---- double -> double functions ---------------------------------------- */

typedef struct math_op {
    double (*f1)(double);         /* unary functions */
    double (*f2)(double, double); /* binary functions */
    double null_at_or_below;      /* log family: NULL when x <= this */
    bool   has_null_bound;
} math_op;

static double deg_of(double x) { return x * (180.0 / M_PI); }
static double rad_of(double x) { return x * (M_PI / 180.0); }
static double sign_of(double x) { return isnan(x) ? x : (x > 0) - (x < 0); }
static double log_base(double b, double x) { return log(x) / log(b); }

static const math_op OP_SQRT = {.f1 = sqrt}, OP_EXP = {.f1 = exp},
    OP_LN = {.f1 = log, .has_null_bound = true}, OP_LOG10 = {.f1 = log10, .has_null_bound = true},
    OP_LOG2 = {.f1 = log2, .has_null_bound = true}, OP_SIN = {.f1 = sin}, OP_COS = {.f1 = cos},
    OP_TAN = {.f1 = tan}, OP_ASIN = {.f1 = asin}, OP_ACOS = {.f1 = acos}, OP_ATAN = {.f1 = atan},
    OP_DEG = {.f1 = deg_of}, OP_RAD = {.f1 = rad_of}, OP_SIGN = {.f1 = sign_of},
    OP_POW = {.f2 = pow}, OP_ATAN2 = {.f2 = atan2},
    OP_LOGB = {.f2 = log_base, .has_null_bound = true}, OP_CBRT = {.f1 = cbrt},
    OP_LOG1P = {.f1 = log1p, .has_null_bound = true, .null_at_or_below = -1.0},
    OP_EXPM1 = {.f1 = expm1}, OP_SINH = {.f1 = sinh}, OP_COSH = {.f1 = cosh},
    OP_TANH = {.f1 = tanh};

static st_status k_double(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                          int64_t n, st_arena *a, vec **out, st_error *err)
{
    const math_op *op = f->state;
    st_status rc = new_out(f, args, f->n_args, n, a, out, err);
    if (rc != ST_OK)
        return rc;
    double *o = (*out)->values;
    for (int64_t i = 0; i < n; i++) {
        if (!row_ok(*out, i))
            continue;
        double x = load_double(args[0], i);
        if (op->f2) {
            double y = load_double(args[1], i);
            if (op->has_null_bound && (x <= op->null_at_or_below || y <= op->null_at_or_below)) {
                if ((rc = null_row(a, *out, i, err)) != ST_OK)
                    return rc;
                continue;
            }
            o[i] = op->f2(x, y);
        } else {
            if (op->has_null_bound && x <= op->null_at_or_below) {
                if ((rc = null_row(a, *out, i, err)) != ST_OK)
                    return rc;
                continue;
            }
            o[i] = op->f1(x);
        }
    }
    vec_finish_validity(*out);
    return ST_OK;
}

static const struct {
    const char    *name;
    const math_op *op;
} DOUBLE_FNS[] = {
    {"sqrt", &OP_SQRT}, {"exp", &OP_EXP}, {"ln", &OP_LN}, {"log10", &OP_LOG10},
    {"log2", &OP_LOG2}, {"sin", &OP_SIN}, {"cos", &OP_COS}, {"tan", &OP_TAN},
    {"asin", &OP_ASIN}, {"acos", &OP_ACOS}, {"atan", &OP_ATAN}, {"degrees", &OP_DEG},
    {"radians", &OP_RAD}, {"sign", &OP_SIGN}, {"signum", &OP_SIGN}, {"pow", &OP_POW},
    {"power", &OP_POW}, {"atan2", &OP_ATAN2}, {"cbrt", &OP_CBRT}, {"log1p", &OP_LOG1P},
    {"expm1", &OP_EXPM1}, {"sinh", &OP_SINH}, {"cosh", &OP_COSH}, {"tanh", &OP_TANH},
};

static st_status resolve_double(const char *name, const fn_arg_info *args, int n_args,
                                st_arena *a, fn_bound *out, st_error *err)
{
    const math_op *op = NULL;
    if (strcmp(name, "log") == 0)
        op = n_args == 1 ? &OP_LN : &OP_LOGB;
    for (size_t i = 0; !op && i < ST_ARRAY_LEN(DOUBLE_FNS); i++)
        if (strcmp(DOUBLE_FNS[i].name, name) == 0)
            op = DOUBLE_FNS[i].op;
    if (!op)
        return st_error_set(err, ST_ERR_INTERNAL, "function %s has no math operator", name);
    bound_init(out, name, &T_DOUBLE, n_args, k_double);
    out->state = op;
    for (int i = 0; i < n_args; i++)
        if (!want_double(&args[i], out, i))
            return bind_error(name, args, n_args, n_args == 1 ? "a number" : "numbers", err);
    return ST_OK;
}

/* ---- constants: pi, e; rand ------------------------------------------- */

static st_status k_const(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                         int64_t n, st_arena *a, vec **out, st_error *err)
{
    const double *c = f->state;
    st_status rc = new_out(f, args, 0, n, a, out, err);
    if (rc != ST_OK)
        return rc;
    for (int64_t i = 0; i < n; i++)
        ((double *)(*out)->values)[i] = *c;
    return ST_OK;
}
static const double C_PI = M_PI, C_E = M_E;

static st_status resolve_const(const char *name, const fn_arg_info *args, int n_args,
                               st_arena *a, fn_bound *out, st_error *err)
{
    bound_init(out, name, &T_DOUBLE, 0, k_const);
    out->ret_nullable = false;
    out->state = strcmp(name, "pi") == 0 ? &C_PI : &C_E;
    return ST_OK;
}

/* Distinct streams for every kernel call of the process (see file comment). */
static atomic_uint_fast64_t rand_calls;

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static st_status k_rand(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                        int64_t n, st_arena *a, vec **out, st_error *err)
{
    st_status rc = new_out(f, args, 0, n, a, out, err);
    if (rc != ST_OK)
        return rc;
    uint64_t seed = (uint64_t)ctx->now_micros;
    if (f->n_args == 1 && vec_is_valid(args[0], 0) && args[0]->type->id != VEC_NULL)
        seed = (uint64_t)load_int(args[0], 0);
    uint64_t s = seed ^ (atomic_fetch_add(&rand_calls, 1) * 0xD1B54A32D192ED03ull);
    for (int64_t i = 0; i < n; i++)
        ((double *)(*out)->values)[i] = (double)(splitmix64(&s) >> 11) * 0x1.0p-53;
    return ST_OK;
}

static st_status resolve_rand(const char *name, const fn_arg_info *args, int n_args, st_arena *a,
                              fn_bound *out, st_error *err)
{
    bound_init(out, name, &T_DOUBLE, n_args, k_rand);
    out->ret_nullable = false;
    out->deterministic = false;
    if (n_args == 1) {
        vec_type_id id = args[0].type->id;
        if (!args[0].is_const || (!is_int_id(id) && id != VEC_NULL))
            return bind_error(name, args, n_args, "a constant integer seed", err);
        if (id != VEC_INT64)
            out->cast_to[0] = T_INT64;
    }
    return ST_OK;
}

/* ---- abs ---------------------------------------------------------------- */

static st_status k_abs(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                       int64_t n, st_arena *a, vec **out, st_error *err)
{
    st_status rc = new_out(f, args, 1, n, a, out, err);
    if (rc != ST_OK)
        return rc;
    vec *o = *out;
    vec_type_id id = f->ret.id;
    for (int64_t i = 0; i < n; i++) {
        if (!row_ok(o, i))
            continue;
        if (id == VEC_DOUBLE || id == VEC_FLOAT) {
            double x = fabs(load_double(args[0], i));
            if (id == VEC_FLOAT)
                ((float *)o->values)[i] = (float)x;
            else
                ((double *)o->values)[i] = x;
        } else if (id == VEC_DECIMAL) {
            __int128 x = load_dec(args[0], i);
            store_dec(o, i, x < 0 ? -x : x);
        } else if (id >= VEC_UINT8 && id <= VEC_UINT64) {
            store_int(o, i, load_int(args[0], i));
        } else {
            int64_t x = load_int(args[0], i);
            if (x == int_min_of(id)) {
                if (ctx->ansi)
                    return st_error_set(err, ST_ERR_ARGUMENT,
                                        "integer overflow in abs(%" PRId64 ")", x);
                store_int(o, i, x);   /* Java wraps: abs(MIN) = MIN */
            } else {
                store_int(o, i, x < 0 ? -x : x);
            }
        }
    }
    vec_finish_validity(o);
    return ST_OK;
}

static st_status resolve_abs(const char *name, const fn_arg_info *args, int n_args, st_arena *a,
                             fn_bound *out, st_error *err)
{
    vec_type_id id = args[0].type->id;
    if (is_num_id(id)) {
        bound_init(out, name, args[0].type, 1, k_abs);
        return ST_OK;
    }
    if (id != VEC_STRING && id != VEC_NULL)
        return bind_error(name, args, n_args, "a number", err);
    bound_init(out, name, &T_DOUBLE, 1, k_abs);
    out->cast_to[0] = T_DOUBLE;
    return ST_OK;
}

/* ---- round / bround ----------------------------------------------------- */

typedef struct round_state {
    int  digits;       /* d: digits after the point (negative: before) */
    bool half_even;    /* bround */
    int  in_scale;     /* decimal input scale */
} round_state;

/* Rounds the shortest decimal text of x to d fraction digits. */
static double round_double(double x, int d, bool half_even)
{
    if (!isfinite(x) || x == 0)
        return x;
    char buf[64];
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    bool neg = buf[0] == '-';
    const char *s = buf + neg;
    char dig[24];
    int nd = 0;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9')
            dig[nd++] = *s;
    int e = atoi(s + 1);
    long keep = (long)e + d + 1;       /* digits that stay */
    if (keep >= nd)
        return x;
    if (keep < 0)
        return 0.0;
    int64_t m = 0;
    for (long k = 0; k < keep; k++)
        m = m * 10 + (dig[k] - '0');
    int next = dig[keep] - '0';
    bool rest = false;
    for (int k = (int)keep + 1; k < nd; k++)
        rest |= dig[k] != '0';
    if (next > 5 || (next == 5 && (!half_even || rest || (m & 1))))
        m++;
    if (m == 0)
        return 0.0;
    snprintf(buf, sizeof buf, "%s%" PRId64 "e%d", neg ? "-" : "", m, -d);
    return strtod(buf, NULL);
}

/* Rounds v (scale `drop` digits too many) away `drop` digits. */
static __int128 round_i128(__int128 v, int drop, bool half_even)
{
    if (drop <= 0)
        return v;
    if (drop > 38)
        return 0;
    __int128 p = pow10_i128(drop);
    __int128 q = v / p, r = v % p;
    __int128 ar = r < 0 ? -r : r;
    if (ar * 2 > p || (ar * 2 == p && (!half_even || (q & 1))))
        q += v < 0 ? -1 : 1;
    return q;
}

static st_status k_round(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                         int64_t n, st_arena *a, vec **out, st_error *err)
{
    const round_state *st = f->state;
    st_status rc = new_out(f, args, f->n_args, n, a, out, err);
    if (rc != ST_OK)
        return rc;
    vec *o = *out;
    vec_type_id id = f->ret.id;
    for (int64_t i = 0; i < n; i++) {
        if (!row_ok(o, i))
            continue;
        if (id == VEC_DOUBLE) {
            ((double *)o->values)[i] = round_double(load_double(args[0], i), st->digits, st->half_even);
        } else if (id == VEC_FLOAT) {
            double r = round_double(load_double(args[0], i), st->digits, st->half_even);
            ((float *)o->values)[i] = (float)r;
        } else {
            bool dec = id == VEC_DECIMAL;
            __int128 v = dec ? load_dec(args[0], i) : load_int(args[0], i);
            int scale = dec ? st->in_scale : 0;
            int drop = scale - st->digits;
            if (drop <= 0) {
                if (dec)
                    store_dec(o, i, v);
                else
                    store_int(o, i, (int64_t)v);
                continue;
            }
            __int128 q = round_i128(v, drop, st->half_even);
            if (st->digits < 0)
                q *= pow10_i128(ST_MIN(-st->digits, 38));
            __int128 lim = dec ? pow10_i128(f->ret.precision) : 0;
            bool over = dec ? (q >= lim || q <= -lim)
                            : (q > INT64_MAX || q < INT64_MIN);
            if (over) {
                if (ctx->ansi)
                    return st_error_set(err, ST_ERR_ARGUMENT, "overflow in %s to %d digits",
                                        f->name, st->digits);
                if ((rc = null_row(a, o, i, err)) != ST_OK)
                    return rc;
                continue;
            }
            if (dec)
                store_dec(o, i, q);
            else
                store_int(o, i, (int64_t)q);
        }
    }
    vec_finish_validity(o);
    return ST_OK;
}

static st_status resolve_round(const char *name, const fn_arg_info *args, int n_args,
                               st_arena *a, fn_bound *out, st_error *err)
{
    round_state *st = st_arena_calloc(a, 1, sizeof *st);
    if (!st)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory resolving %s", name);
    st->half_even = strcmp(name, "bround") == 0;
    if (n_args == 2) {
        vec_type_id did = args[1].type->id;
        if (!args[1].is_const || !is_int_id(did))
            return bind_error(name, args, n_args, "a number and a constant integer scale", err);
        if (!vec_is_valid(args[1].value, 0))
            return bind_error(name, args, n_args, "a non-null scale", err);
        int64_t d = load_int(args[1].value, 0);
        st->digits = (int)ST_MAX(ST_MIN(d, 1000), -1000);
    }
    const vec_type *t = args[0].type;
    vec_type ret = *t;
    if (t->id == VEC_DECIMAL) {
        int p = t->precision, s = t->scale, ip = p - s + 1;
        st->in_scale = s;
        if (st->digits < 0) {
            ret.precision = (uint8_t)ST_MIN(ST_MAX(ip, -st->digits + 1), 38);
            ret.scale = 0;
        } else {
            int ns = ST_MIN(s, st->digits);
            ret.precision = (uint8_t)ST_MIN(ip + ns, 38);
            ret.scale = (uint8_t)ns;
        }
    } else if (!is_num_id(t->id)) {
        if (t->id != VEC_STRING && t->id != VEC_NULL)
            return bind_error(name, args, n_args, "a number", err);
        ret = T_DOUBLE;
    }
    bound_init(out, name, &ret, n_args, k_round);
    if (ret.id == VEC_DOUBLE && t->id != VEC_DOUBLE)
        out->cast_to[0] = T_DOUBLE;
    if (n_args == 2 && args[1].type->id != VEC_INT32)
        out->cast_to[1] = T_INT32;
    out->state = st;
    return ST_OK;
}

/* ---- floor / ceil ------------------------------------------------------- */

static int64_t java_double_to_long(double x)
{
    if (isnan(x))
        return 0;
    if (x >= 9223372036854775807.0)
        return INT64_MAX;
    if (x <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)x;
}

static st_status k_floor_ceil(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                              int64_t n, st_arena *a, vec **out, st_error *err)
{
    bool is_ceil = f->name[0] == 'c';
    st_status rc = new_out(f, args, 1, n, a, out, err);
    if (rc != ST_OK)
        return rc;
    vec *o = *out;
    vec_type_id in = args[0]->type->id;
    for (int64_t i = 0; i < n; i++) {
        if (!row_ok(o, i))
            continue;
        if (in == VEC_DECIMAL) {
            int s = args[0]->type->scale;
            __int128 v = load_dec(args[0], i), p = pow10_i128(s);
            __int128 q = v / p, r = v % p;
            if (r != 0 && is_ceil && v > 0)
                q++;
            if (r != 0 && !is_ceil && v < 0)
                q--;
            store_dec(o, i, q);
        } else if (in == VEC_DOUBLE || in == VEC_FLOAT) {
            double x = load_double(args[0], i);
            ((int64_t *)o->values)[i] = java_double_to_long(is_ceil ? ceil(x) : floor(x));
        } else {
            ((int64_t *)o->values)[i] = load_int(args[0], i);
        }
    }
    vec_finish_validity(o);
    return ST_OK;
}

static st_status resolve_floor_ceil(const char *name, const fn_arg_info *args, int n_args,
                                    st_arena *a, fn_bound *out, st_error *err)
{
    const vec_type *t = args[0].type;
    if (t->id == VEC_DECIMAL) {
        vec_type ret = {.id = VEC_DECIMAL, .scale = 0,
                        .precision = (uint8_t)ST_MIN(t->precision - t->scale + 1, 38)};
        bound_init(out, name, &ret, 1, k_floor_ceil);
        return ST_OK;
    }
    bound_init(out, name, &T_INT64, 1, k_floor_ceil);
    if (is_num_id(t->id))
        return ST_OK;
    if (t->id != VEC_STRING && t->id != VEC_NULL)
        return bind_error(name, args, n_args, "a number", err);
    out->cast_to[0] = T_DOUBLE;
    return ST_OK;
}

/* ---- mod / pmod --------------------------------------------------------- */

static st_status k_mod(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                       int64_t n, st_arena *a, vec **out, st_error *err)
{
    bool pmod = f->name[0] == 'p';
    st_status rc = new_out(f, args, 2, n, a, out, err);
    if (rc != ST_OK)
        return rc;
    vec *o = *out;
    vec_type_id id = f->ret.id;
    for (int64_t i = 0; i < n; i++) {
        if (!row_ok(o, i))
            continue;
        if (id == VEC_DOUBLE) {
            double x = load_double(args[0], i), y = load_double(args[1], i);
            if (y == 0) {
                if ((rc = null_row(a, o, i, err)) != ST_OK)
                    return rc;
                continue;
            }
            double r = fmod(x, y);
            if (pmod && r < 0)
                r = fmod(r + y, y);
            ((double *)o->values)[i] = r;
            continue;
        }
        bool dec = id == VEC_DECIMAL;
        __int128 x = dec ? load_dec(args[0], i) : load_int(args[0], i);
        __int128 y = dec ? load_dec(args[1], i) : load_int(args[1], i);
        if (y == 0) {
            if (ctx->ansi)
                return st_error_set(err, ST_ERR_ARGUMENT, "division by zero in %s", f->name);
            if ((rc = null_row(a, o, i, err)) != ST_OK)
                return rc;
            continue;
        }
        __int128 r = x % y;
        if (pmod && r < 0)
            r = (r + y) % y;
        if (dec)
            store_dec(o, i, r);
        else
            store_int(o, i, (int64_t)r);
    }
    vec_finish_validity(o);
    return ST_OK;
}

static st_status resolve_mod(const char *name, const fn_arg_info *args, int n_args, st_arena *a,
                             fn_bound *out, st_error *err)
{
    const vec_type *x = args[0].type, *y = args[1].type;
    for (int i = 0; i < 2; i++)
        if (!is_num_id(args[i].type->id) && args[i].type->id != VEC_STRING &&
            args[i].type->id != VEC_NULL)
            return bind_error(name, args, n_args, "two numbers", err);
    if (is_int_id(x->id) && is_int_id(y->id)) {
        const vec_type *w = int_rank(x->id) >= int_rank(y->id) ? x : y;
        vec_type ret = {.id = w->id};
        if (ret.id >= VEC_UINT8 && ret.id <= VEC_UINT64)
            ret.id = VEC_INT64;
        bound_init(out, name, &ret, 2, k_mod);
        for (int i = 0; i < 2; i++)
            if (args[i].type->id != ret.id)
                out->cast_to[i] = ret;
        return ST_OK;
    }
    bool xd = x->id == VEC_DECIMAL || is_int_id(x->id), yd = y->id == VEC_DECIMAL || is_int_id(y->id);
    if (xd && yd) {
        /* integers count as decimal(20,0); result as Spark's Remainder */
        int p1 = x->id == VEC_DECIMAL ? x->precision : 20, s1 = x->id == VEC_DECIMAL ? x->scale : 0;
        int p2 = y->id == VEC_DECIMAL ? y->precision : 20, s2 = y->id == VEC_DECIMAL ? y->scale : 0;
        int s = ST_MAX(s1, s2);
        vec_type ret = {.id = VEC_DECIMAL, .scale = (uint8_t)s,
                        .precision = (uint8_t)ST_MIN(ST_MIN(p1 - s1, p2 - s2) + s, 38)};
        vec_type wide = {.id = VEC_DECIMAL, .scale = (uint8_t)s,
                         .precision = (uint8_t)ST_MIN(ST_MAX(p1 - s1, p2 - s2) + s, 38)};
        bound_init(out, name, &ret, 2, k_mod);
        out->cast_to[0] = wide;
        out->cast_to[1] = wide;
        return ST_OK;
    }
    bound_init(out, name, &T_DOUBLE, 2, k_mod);
    for (int i = 0; i < 2; i++)
        want_double(&args[i], out, i);
    return ST_OK;
}

const fn_def fn_defs_math[] = {
    {"abs", 1, 1, resolve_abs},
    {"round", 1, 2, resolve_round},
    {"bround", 1, 2, resolve_round},
    {"floor", 1, 1, resolve_floor_ceil},
    {"ceil", 1, 1, resolve_floor_ceil},
    {"ceiling", 1, 1, resolve_floor_ceil},
    {"pow", 2, 2, resolve_double},
    {"power", 2, 2, resolve_double},
    {"sqrt", 1, 1, resolve_double},
    {"cbrt", 1, 1, resolve_double},
    {"exp", 1, 1, resolve_double},
    {"expm1", 1, 1, resolve_double},
    {"ln", 1, 1, resolve_double},
    {"log", 1, 2, resolve_double},
    {"log10", 1, 1, resolve_double},
    {"log2", 1, 1, resolve_double},
    {"log1p", 1, 1, resolve_double},
    {"mod", 2, 2, resolve_mod},
    {"pmod", 2, 2, resolve_mod},
    {"sign", 1, 1, resolve_double},
    {"signum", 1, 1, resolve_double},
    {"sin", 1, 1, resolve_double},
    {"cos", 1, 1, resolve_double},
    {"tan", 1, 1, resolve_double},
    {"asin", 1, 1, resolve_double},
    {"acos", 1, 1, resolve_double},
    {"atan", 1, 1, resolve_double},
    {"atan2", 2, 2, resolve_double},
    {"sinh", 1, 1, resolve_double},
    {"cosh", 1, 1, resolve_double},
    {"tanh", 1, 1, resolve_double},
    {"degrees", 1, 1, resolve_double},
    {"radians", 1, 1, resolve_double},
    {"pi", 0, 0, resolve_const},
    {"e", 0, 0, resolve_const},
    {"rand", 0, 1, resolve_rand},
    {"random", 0, 1, resolve_rand},
    {NULL, 0, 0, NULL},
};
