/* agg_stats.c -- statistical and sketch aggregates (Spark semantics):
**   stddev/std/stddev_samp, stddev_pop, variance/var_samp, var_pop
**       double; Welford's running mean and M2, merged with Chan et al.'s
**       pairwise formula. Sample forms give NULL for fewer than 2 rows (Spark 3
**       with spark.sql.legacy.statisticalAggregate=false, the default);
**       population forms give NULL only for an empty group.
**   approx_count_distinct(x[, rsd])
**       bigint. HyperLogLog with Spark's precision p = ceil(2 log2(1.106/rsd))
**       (rsd 0.05 -> p = 9, 512 registers) over XXH64 of the value key. Small
**       sets are exact: a group keeps up to 2^p/8 distinct hashes before
**       switching to registers. Register estimates use Ertl's improved
**       estimator ("New cardinality estimation algorithms for HyperLogLog
**       sketches", 2017), which needs no empirical bias tables (implemented
**       here by hand: no packaged C library offers a mergeable HLL).
**   percentile_approx / approx_percentile(x, p[, accuracy]), median(x)
**       x numeric, date or timestamp; p a constant double or array of doubles
**       in [0, 1]; accuracy a positive constant (default 10000). The result
**       has x's type (array of it for an array p): the smallest value whose
**       rank is >= ceil(p * n), as Spark's QuantileSummaries. The sketch is a
**       weighted sample: exact until a group holds more than 2*accuracy
**       distinct values, then compressed to `accuracy` equal-weight buckets
**       (rank error about n/accuracy per compression). median returns a
**       double interpolated between the two middle values (Spark's exact
**       median), exact under the same bound. */
#include "agg_int.h"

#include <math.h>
#include <stdlib.h>

static st_status oom(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory for an aggregate state");
}

static vec_type scalar(vec_type_id id)
{
    vec_type t = {0};
    t.id = id;
    return t;
}

/* ---- variance family ---------------------------------------------------------- */

typedef struct var_state {
    double  mean;   /* running mean */
    double  m2;     /* sum of squared deviations */
    int64_t n;      /* rows */
} var_state;

typedef enum var_kind { VAR_SAMP, VAR_POP, SD_SAMP, SD_POP } var_kind;

static void var_init(const agg_bound *f, void *state) { memset(state, 0, sizeof(var_state)); }

static st_status var_update(const agg_bound *f, const fn_context *ctx, const vec *const *args,
                            int64_t n, const uint8_t *sel, void **states, st_arena *a,
                            st_error *err)
{
    const vec *v = args[0];
    if (v->type->id == VEC_NULL)
        return ST_OK;
    const double *x = v->values;
    for (int64_t i = 0; i < n; i++) {
        if (AGG_SKIP(sel, i) || !vec_is_valid(v, i))
            continue;
        var_state *s = states[i];
        s->n++;
        double d = x[i] - s->mean;
        s->mean += d / (double)s->n;
        s->m2 += d * (x[i] - s->mean);
    }
    return ST_OK;
}

static st_status var_combine(const agg_bound *f, const fn_context *ctx, void *dst,
                             const void *src, st_arena *a, st_error *err)
{
    var_state *d = dst;
    const var_state *s = src;
    if (s->n == 0)
        return ST_OK;
    if (d->n == 0) {
        *d = *s;
        return ST_OK;
    }
    double n = (double)(d->n + s->n), delta = s->mean - d->mean;
    d->m2 += s->m2 + delta * delta * (double)d->n * (double)s->n / n;
    d->mean += delta * (double)s->n / n;
    d->n += s->n;
    return ST_OK;
}

static st_status var_finalize(const agg_bound *f, const fn_context *ctx, void *const *states,
                              int64_t n, st_arena *out_arena, vec **out, st_error *err)
{
    var_kind k = (var_kind)(intptr_t)f->param;
    bool samp = k == VAR_SAMP || k == SD_SAMP;
    vec *v = vec_new(out_arena, &f->ret, n);
    if (!v)
        return oom(err);
    for (int64_t g = 0; g < n; g++) {
        const var_state *s = states[g];
        if (s->n == 0 || (samp && s->n < 2)) {
            if (vec_set_null(out_arena, v, g, err) != ST_OK)
                return err ? err->code : ST_ERR_NOMEM;
            continue;
        }
        double var = s->m2 / (double)(samp ? s->n - 1 : s->n);
        if (var < 0)
            var = 0;
        ((double *)v->values)[g] = (k == SD_SAMP || k == SD_POP) ? sqrt(var) : var;
    }
    *out = v;
    return ST_OK;
}

static const agg_ops VAR_OPS = {var_init, var_update, var_combine, var_finalize};

static st_status resolve_var(const char *name, const fn_arg_info *args, int n_args,
                             st_arena *a, agg_bound *out, st_error *err)
{
    const vec_type *t = args[0].type;
    if (!fn_type_is_numeric(t->id) && t->id != VEC_NULL && t->id != VEC_STRING)
        return fn_no_overload(name, args, n_args, "a numeric argument", err);
    vec_type d = scalar(VEC_DOUBLE);
    fn_bound tmp = {0};
    fn_bound_set_cast(&tmp, 0, t, &d);
    out->cast_to[0] = tmp.cast_to[0];
    var_kind k;
    if (strcmp(name, "var_pop") == 0)
        k = VAR_POP;
    else if (strcmp(name, "stddev_pop") == 0)
        k = SD_POP;
    else if (strcmp(name, "variance") == 0 || strcmp(name, "var_samp") == 0)
        k = VAR_SAMP;
    else
        k = SD_SAMP;
    static const char *const canon[] = {"var_samp", "var_pop", "stddev_samp", "stddev_pop"};
    out->name = canon[k];
    out->ret = d;
    out->state_size = agg_align16(sizeof(var_state));
    out->ops = &VAR_OPS;
    out->param = (const void *)(intptr_t)k;
    return ST_OK;
}

/* ---- approx_count_distinct ------------------------------------------------------- */

typedef struct hll_state {
    uint64_t *hashes;   /* arena: exact mode, n distinct hashes (NULL in dense mode) */
    uint8_t  *regs;     /* arena: 2^p registers once dense, else NULL */
    uint32_t  n;        /* hashes held in exact mode */
    uint32_t  cap;      /* room at hashes */
} hll_state;

typedef struct hll_param {
    int      p;         /* precision: 2^p registers */
    uint32_t exact_max; /* hashes kept before going dense */
} hll_param;

static void hll_init(const agg_bound *f, void *state) { memset(state, 0, sizeof(hll_state)); }

static void hll_reg_add(uint8_t *regs, int p, uint64_t h)
{
    uint32_t idx = (uint32_t)(h >> (64 - p));
    uint64_t rest = (h << p) | ((uint64_t)1 << (p - 1)); /* sentinel bounds the run */
    uint8_t rho = (uint8_t)(__builtin_clzll(rest) + 1);
    if (rho > regs[idx])
        regs[idx] = rho;
}

static st_status hll_add(hll_state *s, const hll_param *hp, st_arena *a, uint64_t h,
                         st_error *err)
{
    if (s->regs) {
        hll_reg_add(s->regs, hp->p, h);
        return ST_OK;
    }
    for (uint32_t k = 0; k < s->n; k++)     /* exact mode holds at most exact_max */
        if (s->hashes[k] == h)
            return ST_OK;
    if (s->n < hp->exact_max) {
        if (s->n == s->cap) {
            uint32_t cap = s->cap ? s->cap * 2 : 8;
            uint64_t *p = st_arena_realloc(a, s->hashes, s->cap * sizeof *p, cap * sizeof *p);
            if (!p)
                return oom(err);
            s->hashes = p;
            s->cap = cap;
        }
        s->hashes[s->n++] = h;
        return ST_OK;
    }
    uint8_t *regs = st_arena_calloc(a, (size_t)1 << hp->p, 1);
    if (!regs)
        return oom(err);
    for (uint32_t k = 0; k < s->n; k++)
        hll_reg_add(regs, hp->p, s->hashes[k]);
    hll_reg_add(regs, hp->p, h);
    s->regs = regs;
    s->hashes = NULL;
    s->n = s->cap = 0;
    return ST_OK;
}

static st_status hll_key_add(const agg_bound *f, void *state, st_arena *a, const uint8_t *key,
                             uint32_t len, st_error *err)
{
    return hll_add(state, f->param, a, agg_key_hash(key, len), err);
}

static st_status hll_update(const agg_bound *f, const fn_context *ctx, const vec *const *args,
                            int64_t n, const uint8_t *sel, void **states, st_arena *a,
                            st_error *err)
{
    return agg_each_key(f, args[0], n, sel, states, a, hll_key_add, err);
}

static st_status hll_combine(const agg_bound *f, const fn_context *ctx, void *dst,
                             const void *src, st_arena *a, st_error *err)
{
    const hll_param *hp = f->param;
    hll_state *d = dst;
    const hll_state *s = src;
    if (!s->regs) {
        for (uint32_t k = 0; k < s->n; k++) {
            st_status rc = hll_add(d, hp, a, s->hashes[k], err);
            if (rc != ST_OK)
                return rc;
        }
        return ST_OK;
    }
    if (!d->regs) {
        uint8_t *regs = st_arena_alloc(a, (size_t)1 << hp->p);
        if (!regs)
            return oom(err);
        memcpy(regs, s->regs, (size_t)1 << hp->p);
        for (uint32_t k = 0; k < d->n; k++)
            hll_reg_add(regs, hp->p, d->hashes[k]);
        d->regs = regs;
        d->hashes = NULL;
        d->n = d->cap = 0;
        return ST_OK;
    }
    for (size_t k = 0; k < ((size_t)1 << hp->p); k++)
        if (s->regs[k] > d->regs[k])
            d->regs[k] = s->regs[k];
    return ST_OK;
}

static double ertl_sigma(double x)
{
    if (x == 1.0)
        return INFINITY;
    double y = 1, z = x, zp;
    do {
        x *= x;
        zp = z;
        z += x * y;
        y += y;
    } while (z != zp);
    return z;
}

static double ertl_tau(double x)
{
    if (x == 0.0 || x == 1.0)
        return 0.0;
    double y = 1, z = 1 - x, zp;
    do {
        x = sqrt(x);
        zp = z;
        y *= 0.5;
        z -= (1 - x) * (1 - x) * y;
    } while (z != zp);
    return z / 3;
}

/* Ertl's improved raw estimator over the register histogram. */
static int64_t hll_estimate(const uint8_t *regs, int p)
{
    int q = 64 - p;
    double m = (double)((size_t)1 << p);
    int c[66] = {0};
    for (size_t k = 0; k < ((size_t)1 << p); k++)
        c[ST_MIN(regs[k], q + 1)]++;
    double z = m * ertl_tau(1 - c[q + 1] / m);
    for (int k = q; k >= 1; k--)
        z = 0.5 * (z + c[k]);
    z += m * ertl_sigma(c[0] / m);
    return (int64_t)llround(m * m / (2 * log(2.0)) / z);
}

static st_status hll_finalize(const agg_bound *f, const fn_context *ctx, void *const *states,
                              int64_t n, st_arena *out_arena, vec **out, st_error *err)
{
    const hll_param *hp = f->param;
    vec *v = vec_new(out_arena, &f->ret, n);
    if (!v)
        return oom(err);
    for (int64_t g = 0; g < n; g++) {
        const hll_state *s = states[g];
        ((int64_t *)v->values)[g] = s->regs ? hll_estimate(s->regs, hp->p) : (int64_t)s->n;
    }
    *out = v;
    return ST_OK;
}

static const agg_ops HLL_OPS = {hll_init, hll_update, hll_combine, hll_finalize};

static st_status resolve_hll(const char *name, const fn_arg_info *args, int n_args,
                             st_arena *a, agg_bound *out, st_error *err)
{
    double rsd = 0.05;
    if (!agg_key_type_ok(args[0].type))
        return fn_no_overload(name, args, n_args, "a scalar value", err);
    if (n_args == 2 && !agg_const_double(&args[1], &rsd))
        return fn_no_overload(name, args, n_args, "a value and a constant relative SD", err);
    if (!(rsd > 0) || rsd > 0.39)
        return st_error_set(err, ST_ERR_BIND,
                            "approx_count_distinct relative SD %g is out of range (0, 0.39]", rsd);
    hll_param *hp = st_arena_calloc(a, 1, sizeof *hp);
    if (!hp)
        return oom(err);
    hp->p = ST_MAX(4, (int)ceil(2.0 * log2(1.106 / rsd)));
    if (hp->p > 18)
        return st_error_set(err, ST_ERR_BIND,
                            "approx_count_distinct relative SD %g needs too many registers", rsd);
    hp->exact_max = ((uint32_t)1 << hp->p) / 8;
    out->ret = scalar(VEC_INT64);
    out->state_size = agg_align16(sizeof(hll_state));
    out->ops = &HLL_OPS;
    out->param = hp;
    return ST_OK;
}

/* ---- percentile_approx / median ---------------------------------------------------- */

typedef struct pct_ent {
    double  v;      /* value (days / micros for dates and timestamps) */
    int64_t w;      /* rows it stands for */
} pct_ent;

typedef struct pct_state {
    pct_ent *ents;  /* arena: n used of cap, unsorted between compressions */
    uint32_t n;
    uint32_t cap;
    int64_t  total; /* sum of weights */
} pct_state;

typedef struct pct_param {
    double   *ps;        /* percentages */
    int       n_ps;
    bool      array;     /* p was an array: result is array<t> */
    bool      median;    /* interpolated double result */
    uint32_t  accuracy;  /* compress target */
    vec_type  in;        /* input / element type */
} pct_param;

static void pct_init(const agg_bound *f, void *state) { memset(state, 0, sizeof(pct_state)); }

static int ent_cmp(const void *a, const void *b)
{
    double x = ((const pct_ent *)a)->v, y = ((const pct_ent *)b)->v;
    return (x > y) - (x < y);
}

/* Sorts, merges equal values (lossless), and when still above the accuracy
** merges runs of about total/accuracy weight into their weighted median. */
static void pct_compress(pct_state *s, uint32_t accuracy)
{
    qsort(s->ents, s->n, sizeof *s->ents, ent_cmp);
    uint32_t m = 0;
    for (uint32_t k = 0; k < s->n; k++) {
        if (m && s->ents[m - 1].v == s->ents[k].v)
            s->ents[m - 1].w += s->ents[k].w;
        else
            s->ents[m++] = s->ents[k];
    }
    s->n = m;
    if (m <= accuracy)
        return;
    int64_t step = (s->total + accuracy - 1) / accuracy, acc = 0;
    uint32_t out = 0, start = 0;
    for (uint32_t k = 0; k < m; k++) {
        acc += s->ents[k].w;
        if (acc >= step || k == m - 1) {
            /* the run's weighted median represents it */
            uint32_t j = start;
            for (int64_t c = s->ents[j].w; 2 * c < acc; c += s->ents[j].w)
                j++;
            pct_ent e = {s->ents[j].v, acc};
            s->ents[out++] = e;
            acc = 0;
            start = k + 1;
        }
    }
    s->n = out;
}

static st_status pct_add(pct_state *s, const pct_param *pp, st_arena *a, double v, int64_t w,
                         st_error *err)
{
    if (s->n == s->cap) {
        if (s->cap >= 2 * pp->accuracy) {
            pct_compress(s, pp->accuracy);
        } else {
            uint32_t cap = s->cap ? ST_MIN(s->cap * 2, 2 * pp->accuracy) : 16;
            pct_ent *e = st_arena_realloc(a, s->ents, s->cap * sizeof *e, cap * sizeof *e);
            if (!e)
                return oom(err);
            s->ents = e;
            s->cap = cap;
        }
    }
    s->ents[s->n++] = (pct_ent){v, w};
    s->total += w;
    return ST_OK;
}

/* Hot dispatch: one conversion loop per input type, then one fold loop. */
static st_status pct_update(const agg_bound *f, const fn_context *ctx, const vec *const *args,
                            int64_t n, const uint8_t *sel, void **states, st_arena *a,
                            st_error *err)
{
    const vec *v = args[0];
    if (v->type->id == VEC_NULL || n == 0)
        return ST_OK;
    double *x = st_malloc((size_t)n * sizeof *x);
    if (!x)
        return oom(err);
    switch (v->type->id) {
    case VEC_INT8:
        for (int64_t i = 0; i < n; i++)
            x[i] = ((const int8_t *)v->values)[i];
        break;
    case VEC_INT16:
        for (int64_t i = 0; i < n; i++)
            x[i] = ((const int16_t *)v->values)[i];
        break;
    case VEC_INT32: case VEC_DATE:
        for (int64_t i = 0; i < n; i++)
            x[i] = ((const int32_t *)v->values)[i];
        break;
    case VEC_INT64: case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ:
        for (int64_t i = 0; i < n; i++)
            x[i] = (double)((const int64_t *)v->values)[i];
        break;
    case VEC_FLOAT:
        for (int64_t i = 0; i < n; i++)
            x[i] = ((const float *)v->values)[i];
        break;
    case VEC_DECIMAL: {
        double sc = (double)agg_pow10(v->type->scale);
        for (int64_t i = 0; i < n; i++) {
            __int128 d;
            memcpy(&d, (const uint8_t *)v->values + 16 * i, 16);
            x[i] = (double)d / sc;
        }
        break;
    }
    default: memcpy(x, v->values, (size_t)n * sizeof *x); break;  /* DOUBLE */
    }
    st_status rc = ST_OK;
    for (int64_t i = 0; i < n && rc == ST_OK; i++)
        if (!AGG_SKIP(sel, i) && vec_is_valid(v, i) && !isnan(x[i]))
            rc = pct_add(states[i], f->param, a, x[i], 1, err);
    st_free(x);
    return rc;
}

static st_status pct_combine(const agg_bound *f, const fn_context *ctx, void *dst,
                             const void *src, st_arena *a, st_error *err)
{
    const pct_state *s = src;
    for (uint32_t k = 0; k < s->n; k++) {
        st_status rc = pct_add(dst, f->param, a, s->ents[k].v, s->ents[k].w, err);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

/* Value at 1-based rank r of the sorted, merged entries. */
static double pct_at_rank(const pct_state *s, int64_t r)
{
    int64_t cum = 0;
    for (uint32_t k = 0; k < s->n; k++) {
        cum += s->ents[k].w;
        if (cum >= r)
            return s->ents[k].v;
    }
    return s->ents[s->n - 1].v;
}

static st_status pct_append(vec_builder *b, const vec_type *t, double v, st_error *err)
{
    switch (t->id) {
    case VEC_FLOAT: case VEC_DOUBLE: return vec_builder_append_f64(b, v, err);
    case VEC_DECIMAL:
        return vec_builder_append_i128(b, (__int128)llround(v * (double)agg_pow10(t->scale)), err);
    default: return vec_builder_append_i64(b, (int64_t)llround(v), err);
    }
}

static st_status pct_final_row(const pct_param *pp, pct_state *s, vec_builder *b,
                               st_error *err)
{
    if (s->total == 0)
        return pp->array ? vec_builder_append_null(b, err) : vec_builder_append_null(b, err);
    pct_compress(s, UINT32_MAX);            /* sort + merge duplicates only */
    if (pp->median) {
        double pos = 0.5 * (double)(s->total - 1);
        int64_t lo = (int64_t)floor(pos), hi = (int64_t)ceil(pos);
        double a = pct_at_rank(s, lo + 1), c = pct_at_rank(s, hi + 1);
        return vec_builder_append_f64(b, a + (c - a) * (pos - (double)lo), err);
    }
    vec_builder *e = pp->array ? vec_builder_child(b, 0) : b;
    st_status rc = ST_OK;
    for (int k = 0; k < pp->n_ps && rc == ST_OK; k++) {
        int64_t r = (int64_t)ceil(pp->ps[k] * (double)s->total);
        rc = pct_append(e, &pp->in, pct_at_rank(s, r < 1 ? 1 : r), err);
    }
    if (rc == ST_OK && pp->array)
        rc = vec_builder_end_list(b, err);
    return rc;
}

static st_status pct_finalize(const agg_bound *f, const fn_context *ctx, void *const *states,
                              int64_t n, st_arena *out_arena, vec **out, st_error *err)
{
    vec_builder *b = vec_builder_new(&f->ret);
    if (!b)
        return oom(err);
    st_status rc = ST_OK;
    for (int64_t g = 0; g < n && rc == ST_OK; g++)
        rc = pct_final_row(f->param, states[g], b, err);
    if (rc != ST_OK) {
        vec_builder_free(b);
        return rc;
    }
    return agg_builder_done(b, out_arena, out, err);
}

static const agg_ops PCT_OPS = {pct_init, pct_update, pct_combine, pct_finalize};

/* Reads p (a constant double or array of doubles in [0, 1]) into pp. */
static bool pct_read_ps(const fn_arg_info *arg, st_arena *a, pct_param *pp)
{
    const vec *v = arg->value;
    if (!arg->is_const || !v || v->len < 1 || !vec_is_valid(v, 0))
        return false;
    if (v->type->id != VEC_LIST) {
        pp->n_ps = 1;
        pp->ps = st_arena_alloc(a, sizeof(double));
        return pp->ps && agg_const_double(arg, &pp->ps[0]) && pp->ps[0] >= 0 && pp->ps[0] <= 1;
    }
    const int32_t *off = vec_offsets(v);
    const vec *c = v->children[0];
    pp->array = true;
    pp->n_ps = off[1] - off[0];
    pp->ps = st_arena_calloc(a, (size_t)(pp->n_ps ? pp->n_ps : 1), sizeof(double));
    if (!pp->ps || pp->n_ps < 1)
        return false;
    for (int k = 0; k < pp->n_ps; k++) {
        vec one = *c;                       /* a 1-row view of element k */
        fn_arg_info ai = {.type = c->type, .is_const = true, .value = &one};
        int64_t j = off[0] + k;
        if (!vec_is_valid(c, j) || c->type->id == VEC_DECIMAL || c->type->id == VEC_BOOL)
            return false;
        one.validity = NULL;
        one.len = 1;
        one.values = (uint8_t *)c->values + (size_t)j * (size_t)vec_type_width(c->type->id);
        if (!agg_const_double(&ai, &pp->ps[k]) || pp->ps[k] < 0 || pp->ps[k] > 1)
            return false;
    }
    return true;
}

static st_status resolve_pct(const char *name, const fn_arg_info *args, int n_args,
                             st_arena *a, agg_bound *out, st_error *err)
{
    const vec_type *t = args[0].type;
    vec_type_id id = t->id;
    bool ok = (id >= VEC_INT8 && id <= VEC_INT64) || id == VEC_FLOAT || id == VEC_DOUBLE ||
              id == VEC_DECIMAL || id == VEC_DATE || id == VEC_TIMESTAMP ||
              id == VEC_TIMESTAMP_NTZ;
    if (!ok)
        return fn_no_overload(name, args, n_args, "a numeric, date or timestamp value", err);
    pct_param *pp = st_arena_calloc(a, 1, sizeof *pp);
    if (!pp)
        return oom(err);
    pp->in = *t;
    pp->accuracy = 10000;
    if (strcmp(name, "median") == 0) {
        pp->median = true;
        out->ret = scalar(VEC_DOUBLE);
    } else {
        if (!pct_read_ps(&args[1], a, pp))
            return fn_no_overload(name, args, n_args,
                                  "a value, a constant percentage in [0, 1] or array of them, "
                                  "and an optional constant accuracy", err);
        if (n_args == 3) {
            double acc = 0;
            if (!agg_const_double(&args[2], &acc) || !(acc >= 1) || acc > 1e7)
                return st_error_set(err, ST_ERR_BIND,
                                    "%s accuracy must be a constant in [1, 10000000]", name);
            pp->accuracy = (uint32_t)acc;
        }
        out->name = "percentile_approx";
        if (pp->array) {
            st_status rc = agg_list_type(a, t, true, &out->ret, err);
            if (rc != ST_OK)
                return rc;
        } else
            out->ret = *t;
    }
    out->state_size = agg_align16(sizeof(pct_state));
    out->ops = &PCT_OPS;
    out->param = pp;
    return ST_OK;
}

const agg_def agg_defs_stats[] = {
    {"stddev", 1, 1, resolve_var},
    {"std", 1, 1, resolve_var},
    {"stddev_samp", 1, 1, resolve_var},
    {"stddev_pop", 1, 1, resolve_var},
    {"variance", 1, 1, resolve_var},
    {"var_samp", 1, 1, resolve_var},
    {"var_pop", 1, 1, resolve_var},
    {"approx_count_distinct", 1, 2, resolve_hll},
    {"percentile_approx", 2, 3, resolve_pct},
    {"approx_percentile", 2, 3, resolve_pct},
    {"median", 1, 1, resolve_pct},
    {NULL, 0, 0, NULL},
};
