/* agg.c -- the aggregate registry (agg_resolve, agg_exists, agg_names), the
** DISTINCT wrapper, and the shared value-key codec and per-group hash set
** (agg_int.h).
**
** DISTINCT: agg(DISTINCT x[, y...]) resolves the plain aggregate (the
** "inner" one) and wraps it. The wrapper's state is an agg_set of the keys
** of the distinct argument tuples seen (rows with any NULL argument are
** skipped, as Spark does for count(DISTINCT x, y)), followed by the inner
** state. Combine unions the sets. Finalize decodes every group's keys back
** into argument vectors, feeds them to the inner update (each row pointing at
** its group's inner state) and runs the inner finalize. Keys are hashed with
** XXH64; equal keys mean equal values (floats are normalised, so -0.0 and
** 0.0, and all NaNs, are one value as in Spark).
**
** Invariants: every state is 16-byte aligned and state_size a multiple of
** 16; keys and sets live in the arena passed to each call. */
#include "agg_int.h"

#include <math.h>
#include <stdio.h>
#include <xxhash.h>

/* ---- value keys -------------------------------------------------------------- */

bool agg_key_type_ok(const vec_type *t)
{
    switch (t->id) {
    case VEC_NULL: case VEC_BOOL:
    case VEC_INT8: case VEC_INT16: case VEC_INT32: case VEC_INT64:
    case VEC_UINT8: case VEC_UINT16: case VEC_UINT32: case VEC_UINT64:
    case VEC_FLOAT: case VEC_DOUBLE: case VEC_DECIMAL:
    case VEC_STRING: case VEC_BINARY:
    case VEC_DATE: case VEC_TIME: case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ:
        return true;
    default:
        return false;
    }
}

static double norm_double(double d)
{
    if (isnan(d))
        return NAN;
    return d == 0.0 ? 0.0 : d;
}

st_status agg_key_append(st_buf *buf, const vec *v, int64_t i, st_error *err)
{
    vec_type_id id = v->type->id;
    if (id == VEC_NULL || !vec_is_valid(v, i))
        return st_buf_append_byte(buf, 0, err);
    st_status rc = st_buf_append_byte(buf, 1, err);
    if (rc != ST_OK)
        return rc;
    if (id == VEC_BOOL)
        return st_buf_append_byte(buf, vec_bit_get(v->values, i) ? 1 : 0, err);
    if (id == VEC_FLOAT || id == VEC_DOUBLE) {
        double d = id == VEC_FLOAT ? (double)((const float *)v->values)[i]
                                   : ((const double *)v->values)[i];
        d = norm_double(d);
        return st_buf_append(buf, &d, sizeof d, err);
    }
    if (vec_type_is_varlen(id)) {
        const int32_t *off = vec_offsets(v);
        uint32_t n = (uint32_t)(off[i + 1] - off[i]);
        uint8_t lenb[4];
        st_store_le32(lenb, n);
        if ((rc = st_buf_append(buf, lenb, 4, err)) != ST_OK)
            return rc;
        return st_buf_append(buf, v->bytes + off[i], n, err);
    }
    int w = vec_type_width(id);
    if (w <= 0)
        return st_error_set(err, ST_ERR_INTERNAL, "aggregate key of type %s is not supported",
                            vec_type_id_name(id));
    return st_buf_append(buf, (const uint8_t *)v->values + (size_t)i * (size_t)w, (size_t)w, err);
}

static st_status key_bad(st_error *err)
{
    return st_error_set(err, ST_ERR_INTERNAL, "malformed aggregate value key");
}

/* Appends one fixed-width value (w bytes at p) of type id to b. */
static st_status decode_fixed(vec_builder *b, vec_type_id id, const uint8_t *p, st_error *err)
{
    switch (id) {
    case VEC_INT8:   { int8_t x; memcpy(&x, p, 1); return vec_builder_append_i64(b, x, err); }
    case VEC_INT16:  { int16_t x; memcpy(&x, p, 2); return vec_builder_append_i64(b, x, err); }
    case VEC_INT32: case VEC_DATE:
                     { int32_t x; memcpy(&x, p, 4); return vec_builder_append_i64(b, x, err); }
    case VEC_INT64: case VEC_TIME: case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ:
                     { int64_t x; memcpy(&x, p, 8); return vec_builder_append_i64(b, x, err); }
    case VEC_UINT8:  return vec_builder_append_u64(b, p[0], err);
    case VEC_UINT16: { uint16_t x; memcpy(&x, p, 2); return vec_builder_append_u64(b, x, err); }
    case VEC_UINT32: { uint32_t x; memcpy(&x, p, 4); return vec_builder_append_u64(b, x, err); }
    case VEC_UINT64: { uint64_t x; memcpy(&x, p, 8); return vec_builder_append_u64(b, x, err); }
    case VEC_DECIMAL: { __int128 x; memcpy(&x, p, 16); return vec_builder_append_i128(b, x, err); }
    default:
        return key_bad(err);
    }
}

st_status agg_key_decode(vec_builder *b, const vec_type *t, const uint8_t **p,
                         const uint8_t *end, st_error *err)
{
    const uint8_t *q = *p;
    if (q >= end)
        return key_bad(err);
    if (*q++ == 0) {
        *p = q;
        return vec_builder_append_null(b, err);
    }
    vec_type_id id = t->id;
    size_t need;
    if (id == VEC_BOOL)
        need = 1;
    else if (id == VEC_FLOAT || id == VEC_DOUBLE)
        need = 8;
    else if (vec_type_is_varlen(id)) {
        if (end - q < 4)
            return key_bad(err);
        uint32_t n = st_load_le32(q);
        q += 4;
        if ((size_t)(end - q) < n)
            return key_bad(err);
        *p = q + n;
        return vec_builder_append_bytes(b, q, n, err);
    } else
        need = (size_t)vec_type_width(id);
    if (need == 0 || (size_t)(end - q) < need)
        return key_bad(err);
    *p = q + need;
    if (id == VEC_BOOL)
        return vec_builder_append_bool(b, q[0] != 0, err);
    if (id == VEC_FLOAT || id == VEC_DOUBLE) {
        double d;
        memcpy(&d, q, 8);
        return vec_builder_append_f64(b, d, err);
    }
    return decode_fixed(b, id, q, err);
}

uint64_t agg_key_hash(const uint8_t *key, size_t len)
{
    return XXH64(key, len, 42);
}

st_status agg_each_key(const agg_bound *f, const vec *v, int64_t n, const uint8_t *sel,
                       void **states, st_arena *a, agg_key_add_fn add, st_error *err)
{
    if (v->type->id == VEC_NULL)
        return ST_OK;
    st_buf key;
    st_buf_init(&key);
    st_status rc = ST_OK;
    for (int64_t i = 0; i < n && rc == ST_OK; i++) {
        if (AGG_SKIP(sel, i) || !vec_is_valid(v, i))
            continue;
        st_buf_clear(&key);
        rc = agg_key_append(&key, v, i, err);
        if (rc == ST_OK)
            rc = add(f, states[i], a, key.data, (uint32_t)key.len, err);
    }
    st_buf_destroy(&key);
    return rc;
}

/* ---- item list / hash set ------------------------------------------------------ */

static st_status set_nomem(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory for an aggregate state");
}

/* Rebuilds the index with n_slots slots (a power of two above 2n). */
static st_status set_reindex(agg_set *s, st_arena *a, uint32_t n_slots, st_error *err)
{
    uint32_t *slots = st_arena_calloc(a, n_slots, sizeof *slots);
    if (!slots)
        return set_nomem(err);
    for (uint32_t k = 0; k < s->n; k++) {
        uint32_t j = (uint32_t)s->items[k].hash & (n_slots - 1);
        while (slots[j])
            j = (j + 1) & (n_slots - 1);
        slots[j] = k + 1;
    }
    s->slots = slots;
    s->n_slots = n_slots;
    return ST_OK;
}

static st_status set_push(agg_set *s, st_arena *a, const uint8_t *key, uint32_t len,
                          uint64_t h, st_error *err)
{
    if (s->n == s->cap) {
        if (s->cap >= (UINT32_C(1) << 31))
            return st_error_set(err, ST_ERR_LIMIT, "aggregate group holds more than %u values",
                                s->cap);
        uint32_t cap = s->cap ? s->cap * 2 : 4;
        agg_item *items = st_arena_realloc(a, s->items, (size_t)s->cap * sizeof *items,
                                           (size_t)cap * sizeof *items);
        if (!items)
            return set_nomem(err);
        s->items = items;
        s->cap = cap;
    }
    uint8_t *copy = st_arena_alloc(a, len ? len : 1);
    if (!copy)
        return set_nomem(err);
    memcpy(copy, key, len);
    s->items[s->n++] = (agg_item){.key = copy, .hash = h, .len = len};
    return ST_OK;
}

st_status agg_set_add(agg_set *s, st_arena *a, bool dedup, const uint8_t *key, uint32_t len,
                      bool *added, st_error *err)
{
    uint64_t h = agg_key_hash(key, len);
    if (added)
        *added = false;
    if (dedup && s->n_slots) {
        uint32_t j = (uint32_t)h & (s->n_slots - 1);
        for (; s->slots[j]; j = (j + 1) & (s->n_slots - 1)) {
            const agg_item *it = &s->items[s->slots[j] - 1];
            if (it->hash == h && it->len == len && memcmp(it->key, key, len) == 0)
                return ST_OK;
        }
    }
    st_status rc = set_push(s, a, key, len, h, err);
    if (rc != ST_OK)
        return rc;
    if (added)
        *added = true;
    if (!dedup)
        return ST_OK;
    if ((uint64_t)s->n * 2 > s->n_slots)
        return set_reindex(s, a, s->n_slots ? s->n_slots * 2 : 16, err);
    uint32_t j = (uint32_t)h & (s->n_slots - 1);
    while (s->slots[j])
        j = (j + 1) & (s->n_slots - 1);
    s->slots[j] = s->n;
    return ST_OK;
}

/* ---- helpers ---------------------------------------------------------------------- */

st_status agg_builder_done(vec_builder *b, st_arena *a, vec **out, st_error *err)
{
    st_status rc = vec_builder_finish(b, a, out, err);
    vec_builder_free(b);
    return rc;
}

st_status agg_list_type(st_arena *a, const vec_type *t, bool nullable, vec_type *out,
                        st_error *err)
{
    vec_field *f = st_arena_calloc(a, 1, sizeof *f);
    if (!f)
        return set_nomem(err);
    f->name = "element";
    f->nullable = nullable;
    if (vec_type_copy(a, t, &f->type, err) != ST_OK)
        return err ? err->code : ST_ERR_NOMEM;
    *out = (vec_type){.id = VEC_LIST, .n_children = 1, .children = f};
    return ST_OK;
}

#define P10_19 ((__int128)10000000000000000000ULL)

/* 10^0 .. 10^38. */
static const __int128 POW10[39] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
    10000000000LL, 100000000000LL, 1000000000000LL, 10000000000000LL, 100000000000000LL,
    1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
    1000000000000000000LL, P10_19, P10_19 * 10, P10_19 * 100, P10_19 * 1000,
    P10_19 * 10000, P10_19 * 100000, P10_19 * 1000000, P10_19 * 10000000,
    P10_19 * 100000000, P10_19 * 1000000000, P10_19 * 10000000000LL,
    P10_19 * 100000000000LL, P10_19 * 1000000000000LL, P10_19 * 10000000000000LL,
    P10_19 * 100000000000000LL, P10_19 * 1000000000000000LL,
    P10_19 * 10000000000000000LL, P10_19 * 100000000000000000LL,
    P10_19 * 1000000000000000000LL, P10_19 * P10_19,
};

__int128 agg_pow10(int k)
{
    return POW10[k < 0 ? 0 : k > 38 ? 38 : k];
}

bool agg_const_double(const fn_arg_info *arg, double *out)
{
    const vec *v = arg->value;
    if (!arg->is_const || !v || v->len < 1 || !vec_is_valid(v, 0))
        return false;
    switch (v->type->id) {
    case VEC_INT8:   *out = ((const int8_t *)v->values)[0]; return true;
    case VEC_INT16:  *out = ((const int16_t *)v->values)[0]; return true;
    case VEC_INT32:  *out = ((const int32_t *)v->values)[0]; return true;
    case VEC_INT64:  *out = (double)((const int64_t *)v->values)[0]; return true;
    case VEC_FLOAT:  *out = ((const float *)v->values)[0]; return true;
    case VEC_DOUBLE: *out = ((const double *)v->values)[0]; return true;
    case VEC_DECIMAL: {
        __int128 x;
        memcpy(&x, v->values, 16);
        *out = (double)x / (double)agg_pow10(v->type->scale);
        return true;
    }
    default:
        return false;
    }
}

bool agg_const_bool(const fn_arg_info *arg, bool *out)
{
    const vec *v = arg->value;
    if (!arg->is_const || !v || v->len < 1 || v->type->id != VEC_BOOL || !vec_is_valid(v, 0))
        return false;
    *out = vec_bit_get(v->values, 0);
    return true;
}

/* ---- DISTINCT wrapper -------------------------------------------------------------- */

typedef struct dist_param {
    agg_bound inner;                    /* the plain aggregate */
    vec_type  types[FN_MAX_ARGS];       /* argument types after casts */
} dist_param;

#define DIST_HEAD agg_align16(sizeof(agg_set))

static void dist_init(const agg_bound *f, void *state)
{
    const dist_param *dp = f->param;
    memset(state, 0, DIST_HEAD);
    dp->inner.ops->init(&dp->inner, (uint8_t *)state + DIST_HEAD);
}

static st_status dist_update(const agg_bound *f, const fn_context *ctx, const vec *const *args,
                             int64_t n, const uint8_t *sel, void **states, st_arena *a,
                             st_error *err)
{
    st_buf key;
    st_buf_init(&key);
    st_status rc = ST_OK;
    for (int64_t i = 0; i < n && rc == ST_OK; i++) {
        if (AGG_SKIP(sel, i))
            continue;
        bool any_null = false;
        for (int k = 0; k < f->n_args; k++)
            any_null |= args[k]->type->id == VEC_NULL || !vec_is_valid(args[k], i);
        if (any_null)
            continue;
        st_buf_clear(&key);
        for (int k = 0; k < f->n_args && rc == ST_OK; k++)
            rc = agg_key_append(&key, args[k], i, err);
        if (rc == ST_OK)
            rc = agg_set_add(states[i], a, true, key.data, (uint32_t)key.len, NULL, err);
    }
    st_buf_destroy(&key);
    return rc;
}

static st_status dist_combine(const agg_bound *f, const fn_context *ctx, void *dst,
                              const void *src, st_arena *a, st_error *err)
{
    const agg_set *s = src;
    for (uint32_t k = 0; k < s->n; k++) {
        st_status rc = agg_set_add(dst, a, true, s->items[k].key, s->items[k].len, NULL, err);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

/* Decodes every group's distinct tuples into argument vectors and folds them
** into the inner states. */
static st_status dist_feed(const agg_bound *f, const fn_context *ctx, void *const *states,
                           int64_t n, st_arena *a, st_error *err)
{
    const dist_param *dp = f->param;
    int64_t total = 0;
    for (int64_t g = 0; g < n; g++)
        total += ((const agg_set *)states[g])->n;
    vec_builder *b[FN_MAX_ARGS] = {0};
    vec *cols[FN_MAX_ARGS] = {0};
    void **inner = st_arena_alloc(a, (size_t)(total ? total : 1) * sizeof *inner);
    st_status rc = inner ? ST_OK : set_nomem(err);
    for (int k = 0; k < f->n_args && rc == ST_OK; k++)
        if (!(b[k] = vec_builder_new(&dp->types[k])))
            rc = set_nomem(err);
    int64_t row = 0;
    for (int64_t g = 0; g < n && rc == ST_OK; g++) {
        const agg_set *s = states[g];
        for (uint32_t j = 0; j < s->n && rc == ST_OK; j++) {
            const uint8_t *p = s->items[j].key, *end = p + s->items[j].len;
            for (int k = 0; k < f->n_args && rc == ST_OK; k++)
                rc = agg_key_decode(b[k], &dp->types[k], &p, end, err);
            inner[row++] = (uint8_t *)states[g] + DIST_HEAD;
        }
    }
    for (int k = 0; k < f->n_args; k++) {
        if (rc == ST_OK && b[k])
            rc = vec_builder_finish(b[k], a, &cols[k], err);
        vec_builder_free(b[k]);
    }
    if (rc == ST_OK && total > 0)
        rc = dp->inner.ops->update(&dp->inner, ctx, (const vec *const *)cols, total, NULL, inner,
                                   a, err);
    return rc;
}

static st_status dist_finalize(const agg_bound *f, const fn_context *ctx, void *const *states,
                               int64_t n, st_arena *out_arena, vec **out, st_error *err)
{
    const dist_param *dp = f->param;
    st_arena *tmp = st_arena_new(0);
    if (!tmp)
        return set_nomem(err);
    void **inner = st_arena_alloc(tmp, (size_t)(n ? n : 1) * sizeof *inner);
    st_status rc = inner ? ST_OK : set_nomem(err);
    for (int64_t g = 0; g < n && rc == ST_OK; g++) {
        /* The inner state is rebuilt from the set each time, so finalize may
        ** run twice (a re-read spill) without double counting. */
        dp->inner.ops->init(&dp->inner, (uint8_t *)states[g] + DIST_HEAD);
        inner[g] = (uint8_t *)states[g] + DIST_HEAD;
    }
    /* Inner keeps (strings, lists) point into tmp only until finalize copies
    ** them into the output vector. */
    if (rc == ST_OK)
        rc = dist_feed(f, ctx, states, n, tmp, err);
    if (rc == ST_OK)
        rc = dp->inner.ops->finalize(&dp->inner, ctx, inner, n, out_arena, out, err);
    st_arena_free(tmp);
    return rc;
}

static const agg_ops DIST_OPS = {dist_init, dist_update, dist_combine, dist_finalize};

static st_status wrap_distinct(const agg_bound *inner, const fn_arg_info *args, int n_args,
                               st_arena *a, agg_bound *out, st_error *err)
{
    dist_param *dp = st_arena_calloc(a, 1, sizeof *dp);
    if (!dp)
        return set_nomem(err);
    dp->inner = *inner;
    for (int k = 0; k < n_args; k++) {
        const vec_type *t = inner->cast_to[k].id != VEC_NULL ? &inner->cast_to[k] : args[k].type;
        if (!agg_key_type_ok(t)) {
            char buf[128];
            vec_type_format(t, buf, sizeof buf);
            return st_error_set(err, ST_ERR_UNSUPPORTED,
                                "%s(DISTINCT ...) of type %s is not supported", inner->name, buf);
        }
        dp->types[k] = *t;
    }
    *out = *inner;
    out->distinct = true;
    out->state_size = DIST_HEAD + inner->state_size;
    out->ops = &DIST_OPS;
    out->param = dp;
    return ST_OK;
}

/* ---- registry ------------------------------------------------------------------------ */

static const agg_def *const TABLES[] = {agg_defs_basic, agg_defs_stats};

static const agg_def *find_def(const char *name)
{
    char low[64];
    size_t n = strlen(name);
    if (n >= sizeof low)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
    for (size_t t = 0; t < ST_ARRAY_LEN(TABLES); t++)
        for (const agg_def *d = TABLES[t]; d->name; d++)
            if (strcmp(d->name, low) == 0)
                return d;
    return NULL;
}

bool agg_exists(const char *name)
{
    return name && find_def(name) != NULL;
}

/* Every name, built once from the tables (constant data, no locking needed
** beyond the compiler-generated initialisation below). */
static const char *const NAMES[] = {
    "any", "any_value", "approx_count_distinct", "approx_percentile", "avg", "bool_and",
    "bool_or", "collect_list", "collect_set", "count", "count_if", "every", "first",
    "first_value", "last", "last_value", "max", "mean", "median", "min", "percentile_approx",
    "some", "std", "stddev", "stddev_pop", "stddev_samp", "sum", "var_pop", "var_samp",
    "variance", NULL,
};

const char *const *agg_names(void)
{
    return NAMES;
}

st_status agg_resolve(const char *name, bool distinct, const fn_arg_info *args, int n_args,
                      st_arena *a, agg_bound *out, st_error *err)
{
    const agg_def *d = find_def(name);
    if (!d)
        return st_error_set(err, ST_ERR_BIND, "function %s does not exist", name);
    if (n_args < d->min_args || n_args > d->max_args || n_args > FN_MAX_ARGS) {
        char sig[256];
        fn_types_text(args, n_args, sig, sizeof sig);
        if (d->min_args == d->max_args)
            return st_error_set(err, ST_ERR_BIND,
                                "function %s(%s) does not exist; %s takes %d argument%s", d->name,
                                sig, d->name, d->min_args, d->min_args == 1 ? "" : "s");
        return st_error_set(err, ST_ERR_BIND,
                            "function %s(%s) does not exist; %s takes %d to %d arguments",
                            d->name, sig, d->name, d->min_args, d->max_args);
    }
    if (distinct && n_args == 0)
        return st_error_set(err, ST_ERR_BIND, "%s(DISTINCT) needs an argument", d->name);
    memset(out, 0, sizeof *out);
    out->name = d->name;
    out->n_args = n_args;
    st_status rc = d->resolve(d->name, args, n_args, a, out, err);
    if (rc != ST_OK)
        return rc;
    ST_ASSERT(out->state_size % 16 == 0);
    if (!distinct)
        return ST_OK;
    /* Already distinct by nature, or only order-dependent: DISTINCT changes
    ** nothing (Spark accepts and ignores it for these too). */
    if (strcmp(out->name, "min") == 0 || strcmp(out->name, "max") == 0 ||
        strcmp(out->name, "collect_set") == 0 || strcmp(out->name, "approx_count_distinct") == 0 ||
        strcmp(out->name, "bool_and") == 0 || strcmp(out->name, "bool_or") == 0) {
        out->distinct = true;
        return ST_OK;
    }
    agg_bound inner = *out;
    return wrap_distinct(&inner, args, n_args, a, out, err);
}
