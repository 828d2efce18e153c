/* fn_arith.c -- Spark SQL operators as scalar functions: arithmetic (+ - * /
** % div negative positive), comparisons (= == <> != < <= > >= <=>), three-
** valued logic (and or not) and bitwise operators (& | ^ ~).
**
** Coercion (resolved once per call site; the executor casts arguments):
**   - numeric widening through fn_common_type (byte < short < int < long <
**     float < double; integral + decimal -> decimal). Strings in arithmetic
**     become double (Spark 3 non-ANSI ImplicitTypeCasts).
**   - "/" on non-decimal operands returns double; "div" returns bigint.
**   - decimals follow Spark's DecimalPrecision with allowPrecisionLoss=true:
**     + -: (max(s1,s2) + max(p1-s1,p2-s2) + 1, max(s1,s2)); *: (p1+p2+1,
**     s1+s2); /: scale max(6, s1+p2+1), precision p1-s1+s2+scale; %:
**     (min(p1-s1,p2-s2) + max(s1,s2), max(s1,s2)); results above 38 digits
**     keep 38 and reduce the scale, never below min(scale, 6).
**   - comparisons: string vs date -> date, string vs timestamp -> timestamp,
**     string vs decimal -> double, string vs another atomic type -> that
**     type (Spark 3's findCommonTypeForBinaryComparison, used in both ANSI
**     and non-ANSI mode here); timestamp vs date -> timestamp; otherwise the
**     common type.
** Runtime: integral overflow wraps (non-ANSI) or is an error (ANSI);
** division or modulo by zero is NULL (non-ANSI, floats included, as Spark)
** or the error "division by zero" (ANSI); decimal results that do not fit
** are NULL or an error. Doubles compare with NaN equal to itself and above
** every other value (Spark). Deviation: decimal products/quotients whose
** intermediate value exceeds 128 bits are treated as overflow, where Spark
** (with arbitrary precision) could still round them into range.
** Not here: date +/- int and timestamp - timestamp (interval types). */
#include "fn_int.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

typedef enum arith_op {
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_IDIV, OP_NEG, OP_POS,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_EQNS,
    OP_AND, OP_OR, OP_NOT, OP_BAND, OP_BOR, OP_BXOR, OP_BNOT
} arith_op;

typedef struct arith_state {
    arith_op op;
    int      s1, s2;        /* decimal operand scales (after the casts) */
} arith_state;

static const struct { const char *name; arith_op op; } op_names[] = {
    {"+", OP_ADD}, {"-", OP_SUB}, {"*", OP_MUL}, {"/", OP_DIV}, {"%", OP_MOD},
    {"div", OP_IDIV}, {"negative", OP_NEG}, {"positive", OP_POS}, {"=", OP_EQ},
    {"==", OP_EQ}, {"<>", OP_NE}, {"!=", OP_NE}, {"<", OP_LT}, {"<=", OP_LE}, {">", OP_GT},
    {">=", OP_GE}, {"<=>", OP_EQNS}, {"and", OP_AND}, {"or", OP_OR}, {"not", OP_NOT},
    {"&", OP_BAND}, {"|", OP_BOR}, {"^", OP_BXOR}, {"~", OP_BNOT},
};

static arith_op op_of(const char *name)
{
    for (size_t k = 0; k < ST_ARRAY_LEN(op_names); k++)
        if (!strcmp(op_names[k].name, name))
            return op_names[k].op;
    return OP_ADD;
}

static vec_type mk(vec_type_id id)
{
    vec_type t = {0};
    t.id = id;
    return t;
}

static vec_type mk_dec(int p, int s)
{
    vec_type t = mk(VEC_DECIMAL);
    t.precision = (uint8_t)p;
    t.scale = (uint8_t)s;
    return t;
}

/* Spark's DecimalType.adjustPrecisionScale (allowPrecisionLoss = true). */
static vec_type dec_adjust(int p, int s)
{
    if (p <= 38)
        return mk_dec(p, s);
    int int_digits = p - s, min_scale = ST_MIN(s, 6);
    return mk_dec(38, ST_MAX(38 - int_digits, min_scale));
}

static vec_type as_decimal(const vec_type *t)
{
    if (t->id == VEC_DECIMAL)
        return *t;
    switch (t->id) {
    case VEC_INT8: return mk_dec(3, 0);
    case VEC_INT16: case VEC_UINT8: return mk_dec(5, 0);
    case VEC_INT32: case VEC_UINT16: return mk_dec(10, 0);
    default: return mk_dec(20, 0);
    }
}

static bool is_int(vec_type_id id) { return id >= VEC_INT8 && id <= VEC_UINT64; }

static st_status no_overload(const char *name, const fn_arg_info *args, int n_args,
                             const char *takes, st_error *err)
{
    char sig[256];
    fn_types_text(args, n_args, sig, sizeof sig);
    return st_error_set(err, ST_ERR_BIND, "function %s(%s) does not exist; %s takes %s", name,
                        sig, name, takes);
}

/* ---- resolution ---------------------------------------------------------- */

static st_status set_state(fn_bound *out, st_arena *a, arith_op op, int s1, int s2,
                           st_error *err)
{
    arith_state *st = st_arena_alloc(a, sizeof *st);
    if (!st)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory resolving %s", out->name);
    st->op = op;
    st->s1 = s1;
    st->s2 = s2;
    out->state = st;
    return ST_OK;
}

static st_status arith_kernel(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                              int64_t n, st_arena *a, vec **out, st_error *err);
static st_status cmp_kernel(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                            int64_t n, st_arena *a, vec **out, st_error *err);
static st_status logic_kernel(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                              int64_t n, st_arena *a, vec **out, st_error *err);

/* Argument type for arithmetic: string -> double, NULL -> int, unsigned ->
** its signed equivalent; false for non-numeric types. */
static bool arith_arg(const vec_type *t, vec_type *out)
{
    if (t->id == VEC_STRING)
        return *out = mk(VEC_DOUBLE), true;
    if (t->id == VEC_NULL)
        return *out = mk(VEC_INT32), true;
    if (!fn_type_is_numeric(t->id))
        return false;
    vec_type n = mk(VEC_NULL);
    return fn_common_type(t, &n, out);
}

static st_status resolve_arith(const char *name, const fn_arg_info *args, int n_args,
                               st_arena *a, fn_bound *out, st_error *err)
{
    arith_op op = op_of(name);
    vec_type t1, t2 = mk(VEC_INT32), c;
    if (!arith_arg(args[0].type, &t1) || (n_args == 2 && !arith_arg(args[1].type, &t2)))
        return no_overload(name, args, n_args, "numeric arguments", err);
    if (n_args == 1) {
        fn_bound_set_cast(out, 0, args[0].type, &t1);
        out->ret = t1;
        out->kernel = arith_kernel;
        return set_state(out, a, op, t1.scale, 0, err);
    }
    if (args[0].type->id == VEC_NULL && args[1].type->id == VEC_NULL && op == OP_DIV)
        t1 = t2 = mk(VEC_DOUBLE);
    fn_common_type(&t1, &t2, &c);
    if (c.id == VEC_DECIMAL) {
        vec_type d1 = as_decimal(&t1), d2 = as_decimal(&t2);
        int p1 = d1.precision, s1 = d1.scale, p2 = d2.precision, s2 = d2.scale;
        int s = ST_MAX(s1, s2);
        switch (op) {
        case OP_ADD:
        case OP_SUB: out->ret = dec_adjust(ST_MAX(p1 - s1, p2 - s2) + s + 1, s); break;
        case OP_MUL: out->ret = dec_adjust(p1 + p2 + 1, s1 + s2); break;
        case OP_DIV: {
            int sc = ST_MAX(6, s1 + p2 + 1);
            out->ret = dec_adjust(p1 - s1 + s2 + sc, sc);
            break;
        }
        case OP_MOD: out->ret = dec_adjust(ST_MIN(p1 - s1, p2 - s2) + s, s); break;
        default: out->ret = mk(VEC_INT64); break;          /* div */
        }
        fn_bound_set_cast(out, 0, args[0].type, &d1);
        fn_bound_set_cast(out, 1, args[1].type, &d2);
        out->kernel = arith_kernel;
        return set_state(out, a, op, s1, s2, err);
    }
    if (op == OP_DIV) {
        c = mk(VEC_DOUBLE);
    } else if (op == OP_IDIV) {
        if (!is_int(c.id))
            return no_overload(name, args, n_args, "integral or decimal arguments", err);
        c = mk(VEC_INT64);
    }
    fn_bound_set_cast(out, 0, args[0].type, &c);
    fn_bound_set_cast(out, 1, args[1].type, &c);
    out->ret = c;
    out->kernel = arith_kernel;
    return set_state(out, a, op, 0, 0, err);
}

/* Spark's findCommonTypeForBinaryComparison, then the common type. */
static bool cmp_type(const vec_type *a0, const vec_type *b0, vec_type *out)
{
    const vec_type *a = a0, *b = b0;
    if (b->id == VEC_STRING && a->id != VEC_STRING) {
        a = b0;
        b = a0;
    }
    if (a->id == VEC_STRING && b->id != VEC_STRING && b->id != VEC_NULL) {
        if (vec_type_is_nested(b->id) || b->id == VEC_BINARY)
            return false;
        if (b->id == VEC_DECIMAL)
            return *out = mk(VEC_DOUBLE), true;
        vec_type n = mk(VEC_NULL);
        return fn_common_type(b, &n, out);
    }
    if (!fn_common_type(a0, b0, out))
        return false;
    return !vec_type_is_nested(out->id) || vec_type_equal(a0, b0);
}

static st_status resolve_cmp(const char *name, const fn_arg_info *args, int n_args, st_arena *a,
                             fn_bound *out, st_error *err)
{
    vec_type c;
    if (!cmp_type(args[0].type, args[1].type, &c) || vec_type_is_nested(c.id) ||
        c.id == VEC_TIME)
        return no_overload(name, args, n_args, "two comparable arguments", err);
    if (c.id == VEC_NULL)
        c = mk(VEC_BOOL);
    fn_bound_set_cast(out, 0, args[0].type, &c);
    fn_bound_set_cast(out, 1, args[1].type, &c);
    out->ret = mk(VEC_BOOL);
    out->kernel = cmp_kernel;
    arith_op op = op_of(name);
    out->ret_nullable = op != OP_EQNS;
    return set_state(out, a, op, 0, 0, err);
}

static st_status resolve_logic(const char *name, const fn_arg_info *args, int n_args,
                               st_arena *a, fn_bound *out, st_error *err)
{
    vec_type b = mk(VEC_BOOL);
    for (int i = 0; i < n_args; i++) {
        vec_type_id id = args[i].type->id;
        if (id != VEC_BOOL && id != VEC_NULL)
            return no_overload(name, args, n_args, "boolean arguments", err);
        fn_bound_set_cast(out, i, args[i].type, &b);
    }
    out->ret = b;
    out->kernel = logic_kernel;
    return set_state(out, a, op_of(name), 0, 0, err);
}

static st_status resolve_bitwise(const char *name, const fn_arg_info *args, int n_args,
                                 st_arena *a, fn_bound *out, st_error *err)
{
    vec_type c = mk(VEC_NULL);
    for (int i = 0; i < n_args; i++) {
        const vec_type *t = args[i].type;
        if (!is_int(t->id) && t->id != VEC_NULL)
            return no_overload(name, args, n_args, "integral arguments", err);
        vec_type w;
        fn_common_type(&c, t, &w);
        c = w;
    }
    if (c.id == VEC_NULL)
        c = mk(VEC_INT32);
    if (!is_int(c.id) || c.id == VEC_UINT64 || c.id == VEC_DECIMAL)
        c = mk(VEC_INT64);
    for (int i = 0; i < n_args; i++)
        fn_bound_set_cast(out, i, args[i].type, &c);
    out->ret = c;
    out->kernel = arith_kernel;
    return set_state(out, a, op_of(name), 0, 0, err);
}

/* ---- kernel helpers ------------------------------------------------------ */

static st_status set_null(st_arena *a, vec *o, int64_t i, st_error *err)
{
    if (!o->validity && vec_alloc_validity(a, o, err) != ST_OK)
        return ST_ERR_NOMEM;
    vec_bit_clear(o->validity, i);
    return ST_OK;
}

static st_status new_out(const fn_bound *f, const vec *const *args, int n_args, int64_t n,
                         st_arena *a, vec **out, st_error *err)
{
    vec *o = vec_new(a, &f->ret, n);
    if (!o)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory evaluating %s", f->name);
    *out = o;
    return fn_and_validity(a, args, n_args, n, o, err);
}

static __int128 rd_int(const vec *v, int64_t i)
{
    switch (v->type->id) {
    case VEC_BOOL: return vec_bit_get(v->values, i);
    case VEC_INT8: return ((const int8_t *)v->values)[i];
    case VEC_INT16: return ((const int16_t *)v->values)[i];
    case VEC_INT32: case VEC_DATE: return ((const int32_t *)v->values)[i];
    case VEC_UINT8: return ((const uint8_t *)v->values)[i];
    case VEC_UINT16: return ((const uint16_t *)v->values)[i];
    case VEC_UINT32: return ((const uint32_t *)v->values)[i];
    case VEC_UINT64: return ((const uint64_t *)v->values)[i];
    case VEC_DECIMAL: {
        __int128 x;
        memcpy(&x, (const uint8_t *)v->values + 16 * i, 16);
        return x;
    }
    default: return ((const int64_t *)v->values)[i];
    }
}

static void wr_int(vec *o, int64_t i, __int128 x)
{
    uint64_t u = (uint64_t)x;
    switch (o->type->id) {
    case VEC_INT8: ((int8_t *)o->values)[i] = (int8_t)u; break;
    case VEC_INT16: ((int16_t *)o->values)[i] = (int16_t)u; break;
    case VEC_INT32: ((int32_t *)o->values)[i] = (int32_t)u; break;
    case VEC_DECIMAL: memcpy((uint8_t *)o->values + 16 * i, &x, 16); break;
    default: ((int64_t *)o->values)[i] = (int64_t)u; break;
    }
}

static __int128 p10(int k)
{
    __int128 r = 1;
    while (k-- > 0)
        r *= 10;
    return r;
}

static bool rescale(__int128 v, int from, int to, __int128 *out)
{
    if (to >= from)
        return to - from <= 38 && !__builtin_mul_overflow(v, p10(to - from), out);
    if (from - to > 38)
        return *out = 0, true;
    __int128 p = p10(from - to), q = v / p, r = v % p;
    if ((r < 0 ? -r : r) * 2 >= p)
        q += v < 0 ? -1 : 1;
    return *out = q, true;
}

/* ---- arithmetic ------------------------------------------------------------ */

typedef enum row_res { ROW_OK, ROW_OVERFLOW, ROW_DIV0 } row_res;

static row_res int_row(arith_op op, __int128 x, __int128 y, __int128 *r)
{
    switch (op) {
    case OP_ADD: *r = x + y; return ROW_OK;
    case OP_SUB: *r = x - y; return ROW_OK;
    case OP_MUL:
        return __builtin_mul_overflow(x, y, r) ? ROW_OVERFLOW : ROW_OK;
    case OP_MOD:
        if (y == 0)
            return ROW_DIV0;
        *r = x % y;
        return ROW_OK;
    case OP_IDIV:
        if (y == 0)
            return ROW_DIV0;
        *r = x / y;
        return ROW_OK;
    case OP_NEG: *r = -x; return ROW_OK;
    case OP_BAND: *r = x & y; return ROW_OK;
    case OP_BOR: *r = x | y; return ROW_OK;
    case OP_BXOR: *r = x ^ y; return ROW_OK;
    case OP_BNOT: *r = ~x; return ROW_OK;
    default: *r = x; return ROW_OK;
    }
}

static row_res dec_row(const arith_state *st, const vec_type *rt, __int128 x, __int128 y,
                       __int128 *r)
{
    int s1 = st->s1, s2 = st->s2, s = ST_MAX(s1, s2);
    __int128 a, b, v;
    switch (st->op) {
    case OP_NEG: *r = -x; return ROW_OK;
    case OP_POS: *r = x; return ROW_OK;
    case OP_ADD:
    case OP_SUB:
    case OP_MOD:
    case OP_IDIV:
        if (!rescale(x, s1, s, &a) || !rescale(y, s2, s, &b))
            return ROW_OVERFLOW;
        if ((st->op == OP_MOD || st->op == OP_IDIV) && b == 0)
            return ROW_DIV0;
        if (st->op == OP_IDIV) {
            *r = a / b;
            return *r > INT64_MAX || *r < INT64_MIN ? ROW_OVERFLOW : ROW_OK;
        }
        v = st->op == OP_ADD ? a + b : st->op == OP_SUB ? a - b : a % b;
        if (!rescale(v, s, rt->scale, r))
            return ROW_OVERFLOW;
        break;
    case OP_MUL:
        if (__builtin_mul_overflow(x, y, &v) || !rescale(v, s1 + s2, rt->scale, r))
            return ROW_OVERFLOW;
        break;
    default: {                                      /* OP_DIV */
        if (y == 0)
            return ROW_DIV0;
        int k = rt->scale + s2 - s1;                 /* x*10^k / y at scale rt->scale */
        __int128 num = x, den = y;
        if (k >= 0 ? (k > 38 || __builtin_mul_overflow(x, p10(k), &num))
                   : (-k > 38 || __builtin_mul_overflow(y, p10(-k), &den)))
            return ROW_OVERFLOW;
        __int128 q = num / den, rem = num % den;
        __int128 ar = rem < 0 ? -rem : rem, ad = den < 0 ? -den : den;
        if (ar >= ad - ar)
            q += (num < 0) != (den < 0) ? -1 : 1;
        *r = q;
        break;
    }
    }
    __int128 lim = p10(rt->precision);
    return *r < lim && *r > -lim ? ROW_OK : ROW_OVERFLOW;
}

static double dbl_row(arith_op op, double x, double y, bool *div0)
{
    switch (op) {
    case OP_ADD: return x + y;
    case OP_SUB: return x - y;
    case OP_MUL: return x * y;
    case OP_DIV: *div0 = y == 0; return x / y;
    case OP_MOD: *div0 = y == 0; return fmod(x, y);
    case OP_NEG: return -x;
    default: return x;
    }
}

/* Row error or NULL per mode. */
static st_status row_fail(const fn_bound *f, const fn_context *ctx, row_res rr, vec *o,
                          int64_t i, st_arena *a, st_error *err)
{
    if (ctx && ctx->ansi) {
        if (rr == ROW_DIV0) {
            st_error_set(err, ST_ERR_ARGUMENT, "division by zero");
            return st_error_hint(err, "Turn off ANSI mode to get NULL instead.");
        }
        char t[64];
        vec_type_format(&f->ret, t, sizeof t);
        return st_error_set(err, ST_ERR_ARGUMENT, "%s overflow in operator %s", t, f->name);
    }
    return set_null(a, o, i, err);
}

/* One loop per operand family; the per-row switch is on a loop-invariant op
** (the compiler unswitches it). Hot loop: kept in one function. */

/* Decimals are stored as 16-byte little-endian two's complement; a value
** of precision <= 18 has |x| < 10^18 < 2^63, so its low 8 bytes read as an
** int64 are the value exactly (the high 8 are its sign extension). */
static inline int64_t ld_lo64(const uint8_t *p, int64_t i)
{
    int64_t v;
    memcpy(&v, p + 16 * i, 8);
    return v;
}

static inline void st128(uint8_t *p, int64_t i, __int128 v)
{
    memcpy(p + 16 * i, &v, 16);
}

/* True when the 128-bit value v equals its low 64 bits sign-extended. */
static inline bool fits64(__int128 v) { return (__int128)(int64_t)v == v; }

/* Product of a capped decimal * (precision reduced to 38 without rounding):
** every valid row is checked against 10^precision. Rows whose operands
** both fit int64 take one 64x64->128 multiply, which cannot overflow.
** False on any overflow: the general path then redoes the batch (and
** reports the row). */
static bool dec_mul_capped(const vec *x, const vec *y, const vec_type *rt, vec *o, int64_t n)
{
    __int128 lim = p10(rt->precision);
    const uint8_t *xv = x->values, *yv = y->values;
    uint8_t *ov = o->values;
    for (int64_t i = 0; i < n; i++) {
        if (!vec_is_valid(o, i))
            continue;
        __int128 a, b, r;
        memcpy(&a, xv + 16 * i, 16);
        memcpy(&b, yv + 16 * i, 16);
        if (fits64(a) && fits64(b))
            r = (__int128)(int64_t)a * (int64_t)b;
        else if (__builtin_mul_overflow(a, b, &r))
            return false;
        if (r >= lim || r <= -lim)
            return false;
        st128(ov, i, r);
    }
    return true;
}

/* Decimal +, - and * whose result type holds every possible value exactly
** (the precision was not capped at 38 and no rounding applies): one tight
** loop per operator without per-row overflow checks. Arithmetic is done
** unsigned so the garbage under NULL rows cannot trigger signed-overflow
** UB. Operands of precision <= 18 are read as int64 (ld_lo64); when the
** result precision is <= 18 too the sum is computed in 64 bits (exact: the
** result type bounds it below 10^18), and a product of two such operands
** is one 64x64->128 multiply (below 10^36, never capped). False when the
** operation needs the general path. */
static bool dec_fast(const arith_state *st, const vec *x, const vec *y, const vec_type *rt,
                     vec *o, int64_t n)
{
    if (x->type->id != VEC_DECIMAL || y->type->id != VEC_DECIMAL)
        return false;
    int p1 = x->type->precision, s1 = x->type->scale, p2 = y->type->precision,
        s2 = y->type->scale, s = ST_MAX(s1, s2);
    bool narrow = p1 <= 18 && p2 <= 18;
    const uint8_t *xv = x->values, *yv = y->values;
    uint8_t *ov = o->values;
    unsigned __int128 m1 = 1, m2 = 1;
    switch (st->op) {
    case OP_ADD:
    case OP_SUB:
        if (rt->scale != s || ST_MAX(p1 - s1, p2 - s2) + s + 1 > 38 || rt->precision <
            ST_MAX(p1 - s1, p2 - s2) + s + 1)
            return false;
        for (int k = s1; k < s; k++) m1 *= 10;
        for (int k = s2; k < s; k++) m2 *= 10;
        if (narrow && rt->precision <= 18) {
            uint64_t n1 = (uint64_t)m1, n2 = (uint64_t)m2;     /* <= 10^17 */
            if (st->op == OP_ADD) {
                for (int64_t i = 0; i < n; i++) {
                    uint64_t r = (uint64_t)ld_lo64(xv, i) * n1 + (uint64_t)ld_lo64(yv, i) * n2;
                    st128(ov, i, (int64_t)r);
                }
            } else {
                for (int64_t i = 0; i < n; i++) {
                    uint64_t r = (uint64_t)ld_lo64(xv, i) * n1 - (uint64_t)ld_lo64(yv, i) * n2;
                    st128(ov, i, (int64_t)r);
                }
            }
            return true;
        }
        break;
    case OP_MUL:
        if (rt->scale != s1 + s2)
            return false;
        if (p1 + p2 + 1 > 38 || rt->precision < p1 + p2)
            return dec_mul_capped(x, y, rt, o, n);
        if (narrow) {
            for (int64_t i = 0; i < n; i++)
                st128(ov, i, (__int128)ld_lo64(xv, i) * ld_lo64(yv, i));
            return true;
        }
        break;
    default:
        return false;
    }
    for (int64_t i = 0; i < n; i++) {
        __int128 a, b;
        memcpy(&a, xv + 16 * i, 16);
        memcpy(&b, yv + 16 * i, 16);
        unsigned __int128 ua = (unsigned __int128)a, ub = (unsigned __int128)b, r;
        if (st->op == OP_MUL)
            r = ua * ub;
        else if (st->op == OP_ADD)
            r = ua * m1 + ub * m2;
        else
            r = ua * m1 - ub * m2;
        memcpy(ov + 16 * i, &r, 16);
    }
    return true;
}

static st_status arith_kernel(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                              int64_t n, st_arena *a, vec **out, st_error *err)
{
    const arith_state *st = f->state;
    int n_args = f->n_args;
    vec *o = NULL;
    st_status rc = new_out(f, args, n_args, n, a, &o, err);
    if (rc != ST_OK)
        return rc;
    const vec *x = args[0], *y = n_args > 1 ? args[1] : args[0];
    vec_type_id in = x->type->id, rt = f->ret.id;
    bool ansi = ctx && ctx->ansi;
    if (in == VEC_FLOAT || in == VEC_DOUBLE) {
        for (int64_t i = 0; i < n && rc == ST_OK; i++) {
            if (!vec_is_valid(o, i))
                continue;
            double xv = in == VEC_FLOAT ? ((const float *)x->values)[i]
                                        : ((const double *)x->values)[i];
            double yv = in == VEC_FLOAT ? ((const float *)y->values)[i]
                                        : ((const double *)y->values)[i];
            bool div0 = false;
            double r = dbl_row(st->op, xv, yv, &div0);
            if (div0)
                rc = row_fail(f, ctx, ROW_DIV0, o, i, a, err);
            else if (rt == VEC_FLOAT)
                ((float *)o->values)[i] = (float)r;
            else
                ((double *)o->values)[i] = r;
        }
    } else if (in == VEC_DECIMAL && n_args == 2 && dec_fast(st, x, y, &f->ret, o, n)) {
        /* done in one loop */
    } else if (in == VEC_DECIMAL) {
        for (int64_t i = 0; i < n && rc == ST_OK; i++) {
            if (!vec_is_valid(o, i))
                continue;
            __int128 r;
            row_res rr = dec_row(st, &f->ret, rd_int(x, i), rd_int(y, i), &r);
            if (rr != ROW_OK)
                rc = row_fail(f, ctx, rr, o, i, a, err);
            else
                wr_int(o, i, r);
        }
    } else {
        __int128 lo = rt == VEC_INT8 ? INT8_MIN : rt == VEC_INT16 ? INT16_MIN
                    : rt == VEC_INT32 ? INT32_MIN : INT64_MIN;
        __int128 hi = -lo - 1;
        for (int64_t i = 0; i < n && rc == ST_OK; i++) {
            if (!vec_is_valid(o, i))
                continue;
            __int128 r;
            row_res rr = int_row(st->op, rd_int(x, i), rd_int(y, i), &r);
            if (rr == ROW_OK && (r < lo || r > hi) && ansi)
                rr = ROW_OVERFLOW;
            if (rr != ROW_OK)
                rc = row_fail(f, ctx, rr, o, i, a, err);
            else
                wr_int(o, i, r);                /* non-ANSI: wraps */
        }
    }
    if (rc != ST_OK)
        return rc;
    vec_finish_validity(o);
    *out = o;
    return ST_OK;
}

/* ---- comparisons --------------------------------------------------------- */

/* Spark's double ordering: NaN equals NaN and sorts above everything. */
static int cmp_dbl(double a, double b)
{
    bool na = isnan(a), nb = isnan(b);
    if (na || nb)
        return na && nb ? 0 : na ? 1 : -1;
    return (a > b) - (a < b);
}

static int cmp_row(const vec *x, const vec *y, int64_t i)
{
    switch (x->type->id) {
    case VEC_FLOAT:
        return cmp_dbl(((const float *)x->values)[i], ((const float *)y->values)[i]);
    case VEC_DOUBLE:
        return cmp_dbl(((const double *)x->values)[i], ((const double *)y->values)[i]);
    case VEC_STRING:
    case VEC_BINARY: {
        const int32_t *ox = vec_offsets(x), *oy = vec_offsets(y);
        int64_t nx = ox[i + 1] - ox[i], ny = oy[i + 1] - oy[i];
        int64_t m = ST_MIN(nx, ny);   /* empty strings may have no byte buffer */
        int c = m > 0 ? memcmp(x->bytes + ox[i], y->bytes + oy[i], (size_t)m) : 0;
        return c ? (c > 0) - (c < 0) : (nx > ny) - (nx < ny);
    }
    default: {
        __int128 a = rd_int(x, i), b = rd_int(y, i);
        return (a > b) - (a < b);
    }
    }
}


/* Comparison of two vectors of one fixed-width integer-like type (ints,
** dates, timestamps, decimals of one scale -- compared as int64 when the
** precision is <= 18): one branch-free loop per operator; rows under NULL
** compute garbage the validity bitmap hides.
** False for other types (doubles keep Spark's NaN ordering in cmp_row). */
#define CMP_BYTE(T, LOADX, LOADY, OPR, CNT)                                              \
    for (int64_t k_ = 0; k_ < (CNT); k_++) {                                             \
        int64_t i = i0_ + k_;                                                            \
        T a_ = LOADX, b_ = LOADY;                                                        \
        byte_ |= (unsigned)(a_ OPR b_) << k_;                                            \
    }
/* Eight rows per output byte, stored once (no read-modify-write per row). */
#define CMP_OP(T, LOADX, LOADY, OPR)                                                     \
    for (int64_t i0_ = 0; i0_ < n; i0_ += 8) {                                           \
        unsigned byte_ = 0;                                                              \
        if (n - i0_ >= 8) {                                                              \
            CMP_BYTE(T, LOADX, LOADY, OPR, 8)                                            \
        } else {                                                                         \
            CMP_BYTE(T, LOADX, LOADY, OPR, n - i0_)                                      \
        }                                                                                \
        bits[i0_ >> 3] = (uint8_t)byte_;                                                 \
    }
#define CMP_LOOPS(T, LOADX, LOADY)                                                       \
    switch (op) {                                                                        \
    case OP_EQ: CMP_OP(T, LOADX, LOADY, ==) break;                                       \
    case OP_NE: CMP_OP(T, LOADX, LOADY, !=) break;                                       \
    case OP_LT: CMP_OP(T, LOADX, LOADY, <) break;                                        \
    case OP_LE: CMP_OP(T, LOADX, LOADY, <=) break;                                       \
    case OP_GT: CMP_OP(T, LOADX, LOADY, >) break;                                        \
    case OP_GE: CMP_OP(T, LOADX, LOADY, >=) break;                                       \
    default: return false;                                                               \
    }

static __int128 ld128(const void *p, int64_t i)
{
    __int128 v;
    memcpy(&v, (const uint8_t *)p + 16 * i, 16);
    return v;
}

/* Bytewise (unsigned) order of row i of two string/binary vectors. */
static inline int str_cmp_row(const vec *x, const vec *y, int64_t i)
{
    const int32_t *xo = vec_offsets(x), *yo = vec_offsets(y);
    int32_t lx = xo[i + 1] - xo[i], ly = yo[i + 1] - yo[i];
    int32_t m = lx < ly ? lx : ly;
    if (m == 0)                    /* empty values may have no byte buffer */
        return (lx > ly) - (lx < ly);
    const uint8_t *px = x->bytes + xo[i], *py = y->bytes + yo[i];
    int32_t k = 0;
    for (; k < m && k < 8; k++)
        if (px[k] != py[k])
            return px[k] < py[k] ? -1 : 1;
    if (m > 8) {
        int c = memcmp(px + 8, py + 8, (size_t)(m - 8));
        if (c)
            return c;
    }
    return (lx > ly) - (lx < ly);
}

/* Row i of two string/binary vectors holds the same bytes. */
static inline int str_eq_row(const vec *x, const vec *y, int64_t i)
{
    const int32_t *xo = vec_offsets(x), *yo = vec_offsets(y);
    int32_t lx = xo[i + 1] - xo[i];
    if (lx != yo[i + 1] - yo[i])
        return 0;
    if (lx == 0)                   /* empty values may have no byte buffer */
        return 1;
    const uint8_t *px = x->bytes + xo[i], *py = y->bytes + yo[i];
    if (lx <= 8) {
        for (int32_t k = 0; k < lx; k++)
            if (px[k] != py[k])
                return 0;
        return 1;
    }
    return memcmp(px, py, (size_t)lx) == 0;
}

static bool cmp_fast(arith_op op, const vec *x, const vec *y, int64_t n, uint8_t *bits)
{
    if (!vec_type_equal(x->type, y->type))
        return false;
    switch (x->type->id) {
    case VEC_STRING:
    case VEC_BINARY:
        /* Offsets and bytes are valid on NULL rows too (empty values): their
        ** bits are computed and masked by the validity. */
        if (op == OP_EQ || op == OP_NE) {
            int want = op == OP_EQ;
            CMP_OP(int, str_eq_row(x, y, i), want, ==)
            return true;
        }
        CMP_LOOPS(int, str_cmp_row(x, y, i), 0)
        return true;
    case VEC_INT32:
    case VEC_DATE: {
        const int32_t *xv = x->values, *yv = y->values;
        CMP_LOOPS(int32_t, xv[i], yv[i])
        return true;
    }
    case VEC_INT64:
    case VEC_TIMESTAMP:
    case VEC_TIMESTAMP_NTZ:
    case VEC_TIME: {
        const int64_t *xv = x->values, *yv = y->values;
        CMP_LOOPS(int64_t, xv[i], yv[i])
        return true;
    }
    case VEC_DECIMAL:
        if (x->type->precision <= 18) {        /* values fit int64: low 8 bytes */
            const uint8_t *xv = x->values, *yv = y->values;
            CMP_LOOPS(int64_t, ld_lo64(xv, i), ld_lo64(yv, i))
            return true;
        }
        CMP_LOOPS(__int128, ld128(x->values, i), ld128(y->values, i))
        return true;
    default:
        return false;
    }
}
#undef CMP_LOOPS
#undef CMP_OP
#undef CMP_BYTE

static st_status cmp_kernel(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                            int64_t n, st_arena *a, vec **out, st_error *err)
{
    const arith_state *st = f->state;
    vec *o = vec_new(a, &f->ret, n);
    if (!o)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory evaluating %s", f->name);
    const vec *x = args[0], *y = args[1];
    bool null_safe = st->op == OP_EQNS;
    if (!null_safe) {
        st_status rc = fn_and_validity(a, args, 2, n, o, err);
        if (rc != ST_OK)
            return rc;
    }
    bool xn = x->type->id == VEC_NULL, yn = y->type->id == VEC_NULL;
    uint8_t *bits = o->values;
    if (!null_safe && cmp_fast(st->op, x, y, n, bits)) {
        *out = o;
        return ST_OK;
    }
    for (int64_t i = 0; i < n; i++) {
        bool vx = !xn && vec_is_valid(x, i), vy = !yn && vec_is_valid(y, i);
        bool r;
        if (!vx || !vy) {
            if (!null_safe)
                continue;
            r = !vx && !vy;
        } else {
            int c = cmp_row(x, y, i);
            switch (st->op) {
            case OP_EQ: case OP_EQNS: r = c == 0; break;
            case OP_NE: r = c != 0; break;
            case OP_LT: r = c < 0; break;
            case OP_LE: r = c <= 0; break;
            case OP_GT: r = c > 0; break;
            default: r = c >= 0; break;
            }
        }
        if (r)
            vec_bit_set(bits, i);
    }
    *out = o;
    return ST_OK;
}

/* ---- logic (three-valued) ---------------------------------------------- */

static st_status logic_kernel(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                              int64_t n, st_arena *a, vec **out, st_error *err)
{
    const arith_state *st = f->state;
    vec *o = vec_new(a, &f->ret, n);
    if (!o || vec_alloc_validity(a, o, err) != ST_OK)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory evaluating %s", f->name);
    const vec *x = args[0], *y = f->n_args > 1 ? args[1] : args[0];
    bool xn = x->type->id == VEC_NULL, yn = y->type->id == VEC_NULL;
    for (int64_t i = 0; i < n; i++) {
        bool vx = !xn && vec_is_valid(x, i), vy = !yn && vec_is_valid(y, i);
        bool bx = vx && vec_bit_get(x->values, i), by = vy && vec_bit_get(y->values, i);
        int r;                                       /* 0 false, 1 true, 2 null */
        if (st->op == OP_NOT)
            r = vx ? !bx : 2;
        else if (st->op == OP_AND)
            r = (vx && !bx) || (vy && !by) ? 0 : vx && vy ? 1 : 2;
        else
            r = (vx && bx) || (vy && by) ? 1 : vx && vy ? 0 : 2;
        if (r == 2)
            vec_bit_clear(o->validity, i);
        else if (r)
            vec_bit_set(o->values, i);
    }
    vec_finish_validity(o);
    *out = o;
    return ST_OK;
}

const fn_def fn_defs_arith[] = {
    {"+", 2, 2, resolve_arith},
    {"-", 2, 2, resolve_arith},
    {"*", 2, 2, resolve_arith},
    {"/", 2, 2, resolve_arith},
    {"%", 2, 2, resolve_arith},
    {"div", 2, 2, resolve_arith},
    {"negative", 1, 1, resolve_arith},
    {"positive", 1, 1, resolve_arith},
    {"=", 2, 2, resolve_cmp},
    {"==", 2, 2, resolve_cmp},
    {"<>", 2, 2, resolve_cmp},
    {"!=", 2, 2, resolve_cmp},
    {"<", 2, 2, resolve_cmp},
    {"<=", 2, 2, resolve_cmp},
    {">", 2, 2, resolve_cmp},
    {">=", 2, 2, resolve_cmp},
    {"<=>", 2, 2, resolve_cmp},
    {"and", 2, 2, resolve_logic},
    {"or", 2, 2, resolve_logic},
    {"not", 1, 1, resolve_logic},
    {"&", 2, 2, resolve_bitwise},
    {"|", 2, 2, resolve_bitwise},
    {"^", 2, 2, resolve_bitwise},
    {"~", 1, 1, resolve_bitwise},
    {NULL, 0, 0, NULL},
};
