/* agg_basic.c -- the everyday aggregates with Spark semantics:
**   count(*), count(x[, y...])  bigint, never NULL; counts rows (all args non-NULL)
**   count_if(b)                 bigint, rows where b is true
**   sum(x)                      int/long -> bigint (wraps; ANSI: overflow error),
**                               decimal(p,s) -> decimal(min(38,p+10),s) (overflow:
**                               NULL, ANSI: error), float/double/string -> double
**   avg(x) / mean(x)            double; decimal(p,s) -> decimal(min(38,p+4),
**                               min(38,s+4)) computed exactly from sum and count,
**                               rounded half up
**   min(x), max(x)              any scalar orderable type; strings are copied into
**                               the arena; NaN is greater than every double
**   bool_and/every, bool_or/some/any   boolean
**   first/first_value, last/last_value, any_value (x[, ignoreNulls])
**                               input order as seen; combine keeps the left
**                               state for first (the right one for last)
**   collect_list(x), collect_set(x)    array<t>, NULLs skipped, [] when empty
** NULL inputs are skipped; an empty group gives NULL (count gives 0).
** Update loops dispatch on the physical type once per batch; sum/avg and
** count have branch-free loops for batches without a selection or NULLs. */
#include "agg_int.h"

#include <inttypes.h>
#include <math.h>

static st_status oom(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory for an aggregate result");
}

static vec_type scalar(vec_type_id id)
{
    vec_type t = {0};
    t.id = id;
    return t;
}

/* ---- count / count_if -------------------------------------------------------- */

static void i64_init(const agg_bound *f, void *state) { *(int64_t *)state = 0; }

static st_status count_update(const agg_bound *f, const fn_context *ctx, const vec *const *args,
                              int64_t n, const uint8_t *sel, void **states, st_arena *a,
                              st_error *err)
{
    bool all_valid = true;
    for (int k = 0; k < f->n_args; k++) {
        if (args[k]->type->id == VEC_NULL)
            return ST_OK;                   /* count(NULL) stays 0 */
        all_valid &= args[k]->null_count == 0 || args[k]->validity == NULL;
    }
    if (all_valid && !sel) {
        for (int64_t i = 0; i < n; i++)
            (*(int64_t *)states[i])++;
        return ST_OK;
    }
    if (all_valid) {
        for (int64_t i = 0; i < n; i++)
            *(int64_t *)states[i] += sel[i] != 0;
        return ST_OK;
    }
    for (int64_t i = 0; i < n; i++) {
        if (AGG_SKIP(sel, i))
            continue;
        bool ok = true;
        for (int k = 0; k < f->n_args && ok; k++)
            ok = vec_is_valid(args[k], i);
        *(int64_t *)states[i] += ok;
    }
    return ST_OK;
}

static st_status count_if_update(const agg_bound *f, const fn_context *ctx,
                                 const vec *const *args, int64_t n, const uint8_t *sel,
                                 void **states, st_arena *a, st_error *err)
{
    const vec *v = args[0];
    if (v->type->id == VEC_NULL)
        return ST_OK;
    for (int64_t i = 0; i < n; i++)
        if (!AGG_SKIP(sel, i) && vec_is_valid(v, i) && vec_bit_get(v->values, i))
            (*(int64_t *)states[i])++;
    return ST_OK;
}

static st_status i64_combine(const agg_bound *f, const fn_context *ctx, void *dst,
                             const void *src, st_arena *a, st_error *err)
{
    *(int64_t *)dst += *(const int64_t *)src;
    return ST_OK;
}

static st_status count_finalize(const agg_bound *f, const fn_context *ctx, void *const *states,
                                int64_t n, st_arena *out_arena, vec **out, st_error *err)
{
    vec *v = vec_new(out_arena, &f->ret, n);
    if (!v)
        return oom(err);
    for (int64_t g = 0; g < n; g++)
        ((int64_t *)v->values)[g] = *(const int64_t *)states[g];
    *out = v;
    return ST_OK;
}

static const agg_ops COUNT_OPS = {i64_init, count_update, i64_combine, count_finalize};
static const agg_ops COUNT_IF_OPS = {i64_init, count_if_update, i64_combine, count_finalize};

static st_status resolve_count(const char *name, const fn_arg_info *args, int n_args,
                               st_arena *a, agg_bound *out, st_error *err)
{
    out->ret = scalar(VEC_INT64);
    out->state_size = 16;
    out->ops = &COUNT_OPS;
    return ST_OK;
}

static st_status resolve_count_if(const char *name, const fn_arg_info *args, int n_args,
                                  st_arena *a, agg_bound *out, st_error *err)
{
    if (args[0].type->id != VEC_BOOL && args[0].type->id != VEC_NULL)
        return fn_no_overload(name, args, n_args, "a boolean", err);
    out->ret = scalar(VEC_INT64);
    out->state_size = 16;
    out->ops = &COUNT_IF_OPS;
    return ST_OK;
}

/* ---- sum / avg ---------------------------------------------------------------- */

typedef struct num_state {
    __int128 dec;       /* DECIMAL sum (unscaled): the inputs not in i64 */
    double   dbl;       /* DOUBLE sum */
    int64_t  i64;       /* BIGINT sum (wrapping); DECIMAL: the exact sum of
                        ** the inputs that fit int64 while it did not overflow */
    int64_t  count;     /* non-NULL inputs */
    bool     overflow;  /* BIGINT (ANSI) or DECIMAL sum overflowed */
} num_state;

typedef enum num_kind { NUM_I64, NUM_DBL, NUM_DEC } num_kind;

typedef struct num_param {
    num_kind kind;      /* accumulator used */
    bool     is_avg;
    int      in_scale;  /* DECIMAL input scale */
    bool     narrow;    /* DECIMAL input precision <= 18: |x| < 10^18 fits int64
                        ** (low 8 bytes), and fewer than 2^63 inputs cannot
                        ** overflow the 128-bit sum */
} num_param;

static void num_init(const agg_bound *f, void *state) { memset(state, 0, sizeof(num_state)); }

/* DECIMAL accumulation: the value of a state is dec + i64 (exact). A value
** that fits int64 is added to i64 (one 64-bit add) unless that overflows;
** otherwise, and for wider values, it goes to the 128-bit dec, whose
** overflow is sticky (NULL or the ANSI error at the end). */
static inline void dec_add(num_state *s, __int128 d)
{
    int64_t t;
    if ((__int128)(int64_t)d == d && !__builtin_add_overflow(s->i64, (int64_t)d, &t)) {
        s->i64 = t;
        return;
    }
    s->overflow |= __builtin_add_overflow(s->dec, d, &s->dec);
}

/* Low 8 bytes of the 16-byte decimal i: the value when precision <= 18. */
static inline int64_t dec_lo64(const uint8_t *x, int64_t i)
{
    int64_t v;
    memcpy(&v, x + 16 * i, 8);
    return v;
}

/* num_update without a selection, NULLs or overflow errors: one tight
** loop per accumulator (the hot path of sum/avg). */
static st_status num_update_dense(const num_param *p, const vec *v, int64_t n, void **states)
{
    switch (p->kind) {
    case NUM_I64: {
        const int64_t *x = v->values;
        for (int64_t i = 0; i < n; i++) {
            num_state *s = states[i];
            s->i64 = (int64_t)((uint64_t)s->i64 + (uint64_t)x[i]);
            s->count++;
        }
        break;
    }
    case NUM_DBL: {
        const double *x = v->values;
        for (int64_t i = 0; i < n; i++) {
            num_state *s = states[i];
            s->dbl += x[i];
            s->count++;
        }
        break;
    }
    case NUM_DEC: {
        const uint8_t *x = v->values;
        if (p->narrow) {                    /* dec cannot overflow here */
            for (int64_t i = 0; i < n; i++) {
                num_state *s = states[i];
                int64_t d = dec_lo64(x, i), t;
                if (__builtin_add_overflow(s->i64, d, &t))
                    s->dec += d;
                else
                    s->i64 = t;
                s->count++;
            }
            break;
        }
        for (int64_t i = 0; i < n; i++) {
            num_state *s = states[i];
            __int128 d;
            memcpy(&d, x + 16 * i, 16);
            dec_add(s, d);
            s->count++;
        }
        break;
    }
    }
    return ST_OK;
}

static st_status num_update(const agg_bound *f, const fn_context *ctx, const vec *const *args,
                            int64_t n, const uint8_t *sel, void **states, st_arena *a,
                            st_error *err)
{
    const num_param *p = f->param;
    const vec *v = args[0];
    if (v->type->id == VEC_NULL)
        return ST_OK;
    if (!sel && (v->validity == NULL || v->null_count == 0) &&
        (p->kind != NUM_I64 || !ctx->ansi || p->is_avg))
        return num_update_dense(p, v, n, states);
    switch (p->kind) {
    case NUM_I64: {
        const int64_t *x = v->values;
        for (int64_t i = 0; i < n; i++) {
            if (AGG_SKIP(sel, i) || !vec_is_valid(v, i))
                continue;
            num_state *s = states[i];
            if (__builtin_add_overflow(s->i64, x[i], &s->i64)) {
                if (ctx->ansi && !p->is_avg)
                    return st_error_set(err, ST_ERR_ARGUMENT,
                                        "sum overflowed bigint adding %" PRId64, x[i]);
            }
            s->count++;
        }
        break;
    }
    case NUM_DBL: {
        const double *x = v->values;
        for (int64_t i = 0; i < n; i++) {
            if (AGG_SKIP(sel, i) || !vec_is_valid(v, i))
                continue;
            num_state *s = states[i];
            s->dbl += x[i];
            s->count++;
        }
        break;
    }
    case NUM_DEC: {
        const uint8_t *x = v->values;
        for (int64_t i = 0; i < n; i++) {
            if (AGG_SKIP(sel, i) || !vec_is_valid(v, i))
                continue;
            num_state *s = states[i];
            __int128 d;
            memcpy(&d, x + 16 * i, 16);
            dec_add(s, d);
            s->count++;
        }
        break;
    }
    }
    return ST_OK;
}

static st_status num_combine(const agg_bound *f, const fn_context *ctx, void *dst,
                             const void *src, st_arena *a, st_error *err)
{
    const num_param *p = f->param;
    num_state *d = dst;
    const num_state *s = src;
    if (p->kind == NUM_I64 && __builtin_add_overflow(d->i64, s->i64, &d->i64) && ctx->ansi &&
        !p->is_avg)
        return st_error_set(err, ST_ERR_ARGUMENT, "sum overflowed bigint");
    d->dbl += s->dbl;
    d->overflow |= s->overflow | __builtin_add_overflow(d->dec, s->dec, &d->dec);
    if (p->kind == NUM_DEC)
        dec_add(d, s->i64);
    d->count += s->count;
    return ST_OK;
}

/* Exact sum / count rounded half up, rescaled by 10^shift. False on overflow. */
static bool dec_avg(__int128 sum, int64_t count, int shift, __int128 *out)
{
    bool neg = sum < 0;
    unsigned __int128 a = neg ? -(unsigned __int128)sum : (unsigned __int128)sum;
    unsigned __int128 c = (unsigned __int128)count, m = (unsigned __int128)agg_pow10(shift);
    unsigned __int128 q = a / c, r = a % c, hi, lo;
    if (__builtin_mul_overflow(q, m, &hi))
        return false;
    lo = r * m;                             /* r < 2^63, m <= 10^38: split if needed */
    if (shift > 18) {                       /* r * m may exceed 128 bits: do it in steps */
        unsigned __int128 acc = 0, rr = r;
        for (int k = 0; k < shift; k++) {   /* long division, one digit at a time */
            rr *= 10;
            acc = acc * 10 + rr / c;
            rr %= c;
        }
        lo = acc + (rr * 2 >= c ? 1 : 0);
    } else {
        unsigned __int128 fq = lo / c, fr = lo % c;
        lo = fq + (fr * 2 >= c ? 1 : 0);
    }
    unsigned __int128 t;
    if (__builtin_add_overflow(hi, lo, &t) || t > (unsigned __int128)agg_pow10(38))
        return false;
    *out = neg ? -(__int128)t : (__int128)t;
    return true;
}

/* Row g of v from state s; NULL when empty or overflowed (ANSI: overflow
** errors). lim = 10^precision of a DECIMAL result. */
static st_status num_final_row(const agg_bound *f, const fn_context *ctx, const num_state *s,
                               __int128 lim, vec *v, int64_t g, st_arena *a, st_error *err)
{
    const num_param *p = f->param;
    if (s->count == 0)
        return vec_set_null(a, v, g, err);
    if (p->kind == NUM_I64 && !p->is_avg) {
        ((int64_t *)v->values)[g] = s->i64;
        return ST_OK;
    }
    if (p->kind != NUM_DEC) {
        ((double *)v->values)[g] = p->is_avg ? s->dbl / (double)s->count : s->dbl;
        return ST_OK;
    }
    __int128 r;
    bool ok = !s->overflow && !__builtin_add_overflow(s->dec, (__int128)s->i64, &r);
    if (ok && p->is_avg)
        ok = dec_avg(r, s->count, f->ret.scale - p->in_scale, &r);
    ok = ok && r < lim && r > -lim;
    if (ok) {
        memcpy((uint8_t *)v->values + 16 * g, &r, 16);
        return ST_OK;
    }
    if (ctx->ansi) {
        char t[64];
        vec_type_format(&f->ret, t, sizeof t);
        return st_error_set(err, ST_ERR_ARGUMENT, "%s overflowed %s", f->name, t);
    }
    return vec_set_null(a, v, g, err);
}

static st_status num_finalize(const agg_bound *f, const fn_context *ctx, void *const *states,
                              int64_t n, st_arena *out_arena, vec **out, st_error *err)
{
    vec *v = vec_new(out_arena, &f->ret, n);
    if (!v)
        return oom(err);
    __int128 lim = f->ret.id == VEC_DECIMAL ? agg_pow10(f->ret.precision) : 0;
    st_status rc = ST_OK;
    for (int64_t g = 0; g < n && rc == ST_OK; g++)
        rc = num_final_row(f, ctx, states[g], lim, v, g, out_arena, err);
    if (rc != ST_OK)
        return rc;
    *out = v;
    return ST_OK;
}

static const agg_ops NUM_OPS = {num_init, num_update, num_combine, num_finalize};

static st_status resolve_num(const char *name, const fn_arg_info *args, int n_args,
                             st_arena *a, agg_bound *out, st_error *err)
{
    bool is_avg = strcmp(name, "sum") != 0;
    const vec_type *t = args[0].type;
    num_param *p = st_arena_calloc(a, 1, sizeof *p);
    if (!p)
        return oom(err);
    p->is_avg = is_avg;
    vec_type in = *t;
    switch (t->id) {
    case VEC_INT8: case VEC_INT16: case VEC_INT32: case VEC_INT64:
    case VEC_UINT8: case VEC_UINT16: case VEC_UINT32: case VEC_NULL:
        in = scalar(is_avg ? VEC_DOUBLE : VEC_INT64);
        p->kind = is_avg ? NUM_DBL : NUM_I64;
        break;
    case VEC_UINT64:
        in = (vec_type){.id = VEC_DECIMAL, .precision = 20, .scale = 0};
        p->kind = NUM_DEC;
        break;
    case VEC_DECIMAL:
        p->kind = NUM_DEC;
        break;
    case VEC_FLOAT: case VEC_DOUBLE: case VEC_STRING:
        in = scalar(VEC_DOUBLE);
        p->kind = NUM_DBL;
        break;
    default:
        return fn_no_overload(name, args, n_args, "a numeric argument", err);
    }
    fn_bound tmp = {0};
    fn_bound_set_cast(&tmp, 0, t, &in);
    out->cast_to[0] = tmp.cast_to[0];
    if (p->kind == NUM_DEC) {
        p->in_scale = in.scale;
        p->narrow = in.precision <= 18;
        out->ret = in;
        out->ret.precision = (uint8_t)ST_MIN(38, in.precision + (is_avg ? 4 : 10));
        if (is_avg)
            out->ret.scale = (uint8_t)ST_MIN(38, in.scale + 4);
    } else
        out->ret = scalar(p->kind == NUM_I64 ? VEC_INT64 : VEC_DOUBLE);
    out->name = is_avg ? "avg" : "sum";
    out->state_size = agg_align16(sizeof(num_state));
    out->ops = &NUM_OPS;
    out->param = p;
    return ST_OK;
}

/* ---- min / max ------------------------------------------------------------------ */

typedef struct mm_state {
    union {
        __int128 x;                                   /* DECIMAL */
        int64_t  i;                                   /* signed ints, BOOL, dates, times */
        uint64_t u;                                   /* unsigned ints */
        double   d;                                   /* FLOAT, DOUBLE */
        struct { uint8_t *p; uint32_t len, cap; } s;  /* STRING/BINARY; p in the arena */
    } v;
    bool any;                                         /* a value was seen */
} mm_state;

static void mm_init(const agg_bound *f, void *state) { memset(state, 0, sizeof(mm_state)); }

/* NaN-greatest order for doubles (Spark). */
static inline bool dbl_gt(double a, double b)
{
    if (isnan(a))
        return !isnan(b);
    return !isnan(b) && a > b;
}

#define NUM_GT(a, b) ((a) > (b))

/* One typed loop: FIELD of the state, CT the input element type. */
#define MM_LOOP(CT, FIELD, GT)                                                  \
    do {                                                                       \
        const CT *x = v->values;                                               \
        for (int64_t i = 0; i < n; i++) {                                      \
            if (AGG_SKIP(sel, i) || !vec_is_valid(v, i))                       \
                continue;                                                      \
            mm_state *s = states[i];                                           \
            if (!s->any || (is_max ? GT(x[i], s->v.FIELD) : GT(s->v.FIELD, x[i]))) { \
                s->v.FIELD = x[i];                                             \
                s->any = true;                                                 \
            }                                                                  \
        }                                                                      \
    } while (0)

static int bytes_cmp(const uint8_t *a, uint32_t na, const uint8_t *b, uint32_t nb)
{
    uint32_t m = ST_MIN(na, nb);   /* empty strings may have no bytes */
    int c = m ? memcmp(a, b, m) : 0;
    return c ? c : (na > nb) - (na < nb);
}

static st_status mm_set_bytes(mm_state *s, st_arena *a, const uint8_t *p, uint32_t n,
                              st_error *err)
{
    if (!s->any || s->v.s.cap < n) {
        uint8_t *q = st_arena_alloc(a, n ? n : 1);
        if (!q)
            return oom(err);
        s->v.s.p = q;
        s->v.s.cap = n ? n : 1;
    }
    st_memcpy(s->v.s.p, p, n);   /* an empty string may have no bytes */
    s->v.s.len = n;
    s->any = true;
    return ST_OK;
}

static st_status mm_update_bytes(bool is_max, const vec *v, int64_t n, const uint8_t *sel,
                                 void **states, st_arena *a, st_error *err)
{
    const int32_t *off = vec_offsets(v);
    for (int64_t i = 0; i < n; i++) {
        if (AGG_SKIP(sel, i) || !vec_is_valid(v, i))
            continue;
        mm_state *s = states[i];
        const uint8_t *p = v->bytes + off[i];
        uint32_t len = (uint32_t)(off[i + 1] - off[i]);
        int c = s->any ? bytes_cmp(p, len, s->v.s.p, s->v.s.len) : 0;
        if (!s->any || (is_max ? c > 0 : c < 0)) {
            st_status rc = mm_set_bytes(s, a, p, len, err);
            if (rc != ST_OK)
                return rc;
        }
    }
    return ST_OK;
}

static st_status mm_update_misc(bool is_max, const vec *v, int64_t n, const uint8_t *sel,
                                void **states)
{
    if (v->type->id == VEC_BOOL) {
        for (int64_t i = 0; i < n; i++) {
            if (AGG_SKIP(sel, i) || !vec_is_valid(v, i))
                continue;
            mm_state *s = states[i];
            int64_t b = vec_bit_get(v->values, i);
            if (!s->any || (is_max ? b > s->v.i : b < s->v.i)) {
                s->v.i = b;
                s->any = true;
            }
        }
    } else {                                /* DECIMAL: unaligned 16-byte loads */
        const uint8_t *x = v->values;
        for (int64_t i = 0; i < n; i++) {
            if (AGG_SKIP(sel, i) || !vec_is_valid(v, i))
                continue;
            mm_state *s = states[i];
            __int128 d;
            memcpy(&d, x + 16 * i, 16);
            if (!s->any || (is_max ? d > s->v.x : d < s->v.x)) {
                s->v.x = d;
                s->any = true;
            }
        }
    }
    return ST_OK;
}

/* Hot dispatch: one loop per physical type. */
static st_status mm_update(const agg_bound *f, const fn_context *ctx, const vec *const *args,
                           int64_t n, const uint8_t *sel, void **states, st_arena *a,
                           st_error *err)
{
    const vec *v = args[0];
    bool is_max = f->name[1] == 'a';
    switch (v->type->id) {
    case VEC_NULL: return ST_OK;
    case VEC_INT8: MM_LOOP(int8_t, i, NUM_GT); break;
    case VEC_INT16: MM_LOOP(int16_t, i, NUM_GT); break;
    case VEC_INT32: case VEC_DATE: MM_LOOP(int32_t, i, NUM_GT); break;
    case VEC_INT64: case VEC_TIME: case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ:
        MM_LOOP(int64_t, i, NUM_GT); break;
    case VEC_UINT8: MM_LOOP(uint8_t, u, NUM_GT); break;
    case VEC_UINT16: MM_LOOP(uint16_t, u, NUM_GT); break;
    case VEC_UINT32: MM_LOOP(uint32_t, u, NUM_GT); break;
    case VEC_UINT64: MM_LOOP(uint64_t, u, NUM_GT); break;
    case VEC_FLOAT: MM_LOOP(float, d, dbl_gt); break;
    case VEC_DOUBLE: MM_LOOP(double, d, dbl_gt); break;
    case VEC_STRING: case VEC_BINARY: return mm_update_bytes(is_max, v, n, sel, states, a, err);
    default: return mm_update_misc(is_max, v, n, sel, states);
    }
    return ST_OK;
}

static bool mm_better(vec_type_id id, bool is_max, const mm_state *c, const mm_state *d)
{
    int r;
    switch (id) {
    case VEC_UINT8: case VEC_UINT16: case VEC_UINT32: case VEC_UINT64:
        r = (c->v.u > d->v.u) - (c->v.u < d->v.u); break;
    case VEC_FLOAT: case VEC_DOUBLE:
        r = dbl_gt(c->v.d, d->v.d) ? 1 : dbl_gt(d->v.d, c->v.d) ? -1 : 0; break;
    case VEC_DECIMAL: r = (c->v.x > d->v.x) - (c->v.x < d->v.x); break;
    case VEC_STRING: case VEC_BINARY:
        r = bytes_cmp(c->v.s.p, c->v.s.len, d->v.s.p, d->v.s.len); break;
    default: r = (c->v.i > d->v.i) - (c->v.i < d->v.i); break;
    }
    return is_max ? r > 0 : r < 0;
}

static st_status mm_combine(const agg_bound *f, const fn_context *ctx, void *dst,
                            const void *src, st_arena *a, st_error *err)
{
    mm_state *d = dst;
    const mm_state *s = src;
    if (!s->any || (d->any && !mm_better(f->ret.id, f->name[1] == 'a', s, d)))
        return ST_OK;
    if (vec_type_is_varlen(f->ret.id))
        return mm_set_bytes(d, a, s->v.s.p, s->v.s.len, err);
    *d = *s;
    return ST_OK;
}

static st_status mm_final_row(vec_type_id id, const mm_state *s, vec_builder *b, st_error *err)
{
    if (!s->any)
        return vec_builder_append_null(b, err);
    switch (id) {
    case VEC_BOOL: return vec_builder_append_bool(b, s->v.i != 0, err);
    case VEC_UINT8: case VEC_UINT16: case VEC_UINT32: case VEC_UINT64:
        return vec_builder_append_u64(b, s->v.u, err);
    case VEC_FLOAT: case VEC_DOUBLE: return vec_builder_append_f64(b, s->v.d, err);
    case VEC_DECIMAL: return vec_builder_append_i128(b, s->v.x, err);
    case VEC_STRING: case VEC_BINARY: return vec_builder_append_bytes(b, s->v.s.p, s->v.s.len, err);
    default: return vec_builder_append_i64(b, s->v.i, err);
    }
}

static st_status mm_finalize(const agg_bound *f, const fn_context *ctx, void *const *states,
                             int64_t n, st_arena *out_arena, vec **out, st_error *err)
{
    vec_builder *b = vec_builder_new(&f->ret);
    if (!b)
        return oom(err);
    st_status rc = ST_OK;
    for (int64_t g = 0; g < n && rc == ST_OK; g++)
        rc = mm_final_row(f->ret.id, states[g], b, err);
    if (rc != ST_OK) {
        vec_builder_free(b);
        return rc;
    }
    return agg_builder_done(b, out_arena, out, err);
}

static const agg_ops MM_OPS = {mm_init, mm_update, mm_combine, mm_finalize};

static st_status resolve_minmax(const char *name, const fn_arg_info *args, int n_args,
                                st_arena *a, agg_bound *out, st_error *err)
{
    if (!agg_key_type_ok(args[0].type))
        return fn_no_overload(name, args, n_args, "an orderable scalar type", err);
    out->ret = *args[0].type;
    out->state_size = agg_align16(sizeof(mm_state));
    out->ops = &MM_OPS;
    return ST_OK;
}

/* ---- bool_and / bool_or ----------------------------------------------------------- */

typedef struct bool_state {
    bool any;   /* a non-NULL input was seen */
    bool val;   /* running AND / OR */
} bool_state;

static void bool_init(const agg_bound *f, void *state)
{
    bool_state *s = state;
    s->any = false;
    s->val = f->name[5] == 'a';             /* bool_and starts true */
}

static st_status bool_update(const agg_bound *f, const fn_context *ctx, const vec *const *args,
                             int64_t n, const uint8_t *sel, void **states, st_arena *a,
                             st_error *err)
{
    const vec *v = args[0];
    if (v->type->id == VEC_NULL)
        return ST_OK;
    bool is_and = f->name[5] == 'a';
    for (int64_t i = 0; i < n; i++) {
        if (AGG_SKIP(sel, i) || !vec_is_valid(v, i))
            continue;
        bool_state *s = states[i];
        bool x = vec_bit_get(v->values, i);
        s->val = is_and ? (s->val && x) : (s->val || x);
        s->any = true;
    }
    return ST_OK;
}

static st_status bool_combine(const agg_bound *f, const fn_context *ctx, void *dst,
                              const void *src, st_arena *a, st_error *err)
{
    bool_state *d = dst;
    const bool_state *s = src;
    if (!s->any)
        return ST_OK;
    d->val = f->name[5] == 'a' ? (d->val && s->val) : (d->val || s->val);
    d->any = true;
    return ST_OK;
}

static st_status bool_finalize(const agg_bound *f, const fn_context *ctx, void *const *states,
                               int64_t n, st_arena *out_arena, vec **out, st_error *err)
{
    vec_builder *b = vec_builder_new(&f->ret);
    if (!b)
        return oom(err);
    st_status rc = ST_OK;
    for (int64_t g = 0; g < n && rc == ST_OK; g++) {
        const bool_state *s = states[g];
        rc = s->any ? vec_builder_append_bool(b, s->val, err) : vec_builder_append_null(b, err);
    }
    if (rc != ST_OK) {
        vec_builder_free(b);
        return rc;
    }
    return agg_builder_done(b, out_arena, out, err);
}

static const agg_ops BOOL_OPS = {bool_init, bool_update, bool_combine, bool_finalize};

static st_status resolve_bool(const char *name, const fn_arg_info *args, int n_args,
                              st_arena *a, agg_bound *out, st_error *err)
{
    if (args[0].type->id != VEC_BOOL && args[0].type->id != VEC_NULL)
        return fn_no_overload(name, args, n_args, "a boolean", err);
    bool is_and = strcmp(name, "bool_and") == 0 || strcmp(name, "every") == 0;
    out->name = is_and ? "bool_and" : "bool_or";
    out->ret = scalar(VEC_BOOL);
    out->state_size = 16;
    out->ops = &BOOL_OPS;
    return ST_OK;
}

/* ---- first / last / any_value --------------------------------------------------------- */

typedef struct fl_state {
    uint8_t *key;   /* arena: the value's key (agg_key_append layout) */
    uint32_t len;   /* key bytes */
    uint32_t cap;   /* bytes allocated at key */
    bool     set;   /* a row was taken */
} fl_state;

typedef struct fl_param {
    bool ignore_nulls; /* second argument */
    bool last;         /* last/last_value */
} fl_param;

static void fl_init(const agg_bound *f, void *state) { memset(state, 0, sizeof(fl_state)); }

static st_status fl_store(fl_state *s, st_arena *a, const uint8_t *key, uint32_t len,
                          st_error *err)
{
    if (s->cap < len) {
        uint8_t *p = st_arena_alloc(a, len);
        if (!p)
            return oom(err);
        s->key = p;
        s->cap = len;
    }
    memcpy(s->key, key, len);
    s->len = len;
    s->set = true;
    return ST_OK;
}

static st_status fl_update(const agg_bound *f, const fn_context *ctx, const vec *const *args,
                           int64_t n, const uint8_t *sel, void **states, st_arena *a,
                           st_error *err)
{
    const fl_param *p = f->param;
    const vec *v = args[0];
    st_buf key;
    st_buf_init(&key);
    st_status rc = ST_OK;
    for (int64_t i = 0; i < n && rc == ST_OK; i++) {
        fl_state *s = states[i];
        if (AGG_SKIP(sel, i) || (s->set && !p->last))
            continue;
        if (p->ignore_nulls && (v->type->id == VEC_NULL || !vec_is_valid(v, i)))
            continue;
        st_buf_clear(&key);
        rc = agg_key_append(&key, v, i, err);
        if (rc == ST_OK)
            rc = fl_store(s, a, key.data, (uint32_t)key.len, err);
    }
    st_buf_destroy(&key);
    return rc;
}

static st_status fl_combine(const agg_bound *f, const fn_context *ctx, void *dst,
                            const void *src, st_arena *a, st_error *err)
{
    const fl_param *p = f->param;
    fl_state *d = dst;
    const fl_state *s = src;
    if (!s->set || (d->set && !p->last))
        return ST_OK;
    return fl_store(d, a, s->key, s->len, err);
}

static st_status fl_finalize(const agg_bound *f, const fn_context *ctx, void *const *states,
                             int64_t n, st_arena *out_arena, vec **out, st_error *err)
{
    vec_builder *b = vec_builder_new(&f->ret);
    if (!b)
        return oom(err);
    st_status rc = ST_OK;
    for (int64_t g = 0; g < n && rc == ST_OK; g++) {
        const fl_state *s = states[g];
        const uint8_t *q = s->key;
        rc = s->set ? agg_key_decode(b, &f->ret, &q, q + s->len, err)
                    : vec_builder_append_null(b, err);
    }
    if (rc != ST_OK) {
        vec_builder_free(b);
        return rc;
    }
    return agg_builder_done(b, out_arena, out, err);
}

static const agg_ops FL_OPS = {fl_init, fl_update, fl_combine, fl_finalize};

static st_status resolve_first_last(const char *name, const fn_arg_info *args, int n_args,
                                    st_arena *a, agg_bound *out, st_error *err)
{
    fl_param *p = st_arena_calloc(a, 1, sizeof *p);
    if (!p)
        return oom(err);
    if (!agg_key_type_ok(args[0].type))
        return fn_no_overload(name, args, n_args, "a scalar value", err);
    if (n_args == 2 && !agg_const_bool(&args[1], &p->ignore_nulls))
        return fn_no_overload(name, args, n_args,
                              "a value and an optional constant boolean ignoreNulls", err);
    p->last = strncmp(name, "last", 4) == 0;
    out->name = p->last ? "last" : name[0] == 'a' ? "any_value" : "first";
    out->ret = *args[0].type;
    out->state_size = agg_align16(sizeof(fl_state));
    out->ops = &FL_OPS;
    out->param = p;
    return ST_OK;
}

/* ---- collect_list / collect_set --------------------------------------------------------- */

static void coll_init(const agg_bound *f, void *state) { memset(state, 0, sizeof(agg_set)); }

/* collect_set deduplicates (f->param set), collect_list keeps every value. */
static st_status coll_add(const agg_bound *f, void *state, st_arena *a, const uint8_t *key,
                          uint32_t len, st_error *err)
{
    return agg_set_add(state, a, f->param != NULL, key, len, NULL, err);
}

static st_status coll_update(const agg_bound *f, const fn_context *ctx, const vec *const *args,
                             int64_t n, const uint8_t *sel, void **states, st_arena *a,
                             st_error *err)
{
    return agg_each_key(f, args[0], n, sel, states, a, coll_add, err);
}

static st_status coll_combine(const agg_bound *f, const fn_context *ctx, void *dst,
                              const void *src, st_arena *a, st_error *err)
{
    const agg_set *s = src;
    for (uint32_t k = 0; k < s->n; k++) {
        st_status rc = agg_set_add(dst, a, f->param != NULL, s->items[k].key, s->items[k].len,
                                   NULL, err);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

static st_status coll_finalize(const agg_bound *f, const fn_context *ctx, void *const *states,
                               int64_t n, st_arena *out_arena, vec **out, st_error *err)
{
    vec_builder *b = vec_builder_new(&f->ret);
    if (!b)
        return oom(err);
    vec_builder *c = vec_builder_child(b, 0);
    const vec_type *et = &f->ret.children[0].type;
    st_status rc = ST_OK;
    for (int64_t g = 0; g < n && rc == ST_OK; g++) {
        const agg_set *s = states[g];
        for (uint32_t k = 0; k < s->n && rc == ST_OK; k++) {
            const uint8_t *q = s->items[k].key;
            rc = agg_key_decode(c, et, &q, q + s->items[k].len, err);
        }
        if (rc == ST_OK)
            rc = vec_builder_end_list(b, err);
    }
    if (rc != ST_OK) {
        vec_builder_free(b);
        return rc;
    }
    return agg_builder_done(b, out_arena, out, err);
}

static const agg_ops COLL_OPS = {coll_init, coll_update, coll_combine, coll_finalize};

static st_status resolve_collect(const char *name, const fn_arg_info *args, int n_args,
                                 st_arena *a, agg_bound *out, st_error *err)
{
    if (!agg_key_type_ok(args[0].type))
        return fn_no_overload(name, args, n_args, "a scalar value", err);
    st_status rc = agg_list_type(a, args[0].type, false, &out->ret, err);
    if (rc != ST_OK)
        return rc;
    out->state_size = agg_align16(sizeof(agg_set));
    out->ops = &COLL_OPS;
    out->param = strcmp(name, "collect_set") == 0 ? (const void *)name : NULL;
    return ST_OK;
}

const agg_def agg_defs_basic[] = {
    {"count", 0, FN_MAX_ARGS, resolve_count},
    {"count_if", 1, 1, resolve_count_if},
    {"sum", 1, 1, resolve_num},
    {"avg", 1, 1, resolve_num},
    {"mean", 1, 1, resolve_num},
    {"min", 1, 1, resolve_minmax},
    {"max", 1, 1, resolve_minmax},
    {"bool_and", 1, 1, resolve_bool},
    {"every", 1, 1, resolve_bool},
    {"bool_or", 1, 1, resolve_bool},
    {"some", 1, 1, resolve_bool},
    {"any", 1, 1, resolve_bool},
    {"first", 1, 2, resolve_first_last},
    {"first_value", 1, 2, resolve_first_last},
    {"last", 1, 2, resolve_first_last},
    {"last_value", 1, 2, resolve_first_last},
    {"any_value", 1, 2, resolve_first_last},
    {"collect_list", 1, 1, resolve_collect},
    {"collect_set", 1, 1, resolve_collect},
    {NULL, 0, 0, NULL},
};
