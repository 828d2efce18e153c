/* ex_expr.c -- compiled expressions: an lp_expr tree (src/sql/plan.h) with
** column ids turned into chunk positions, evaluated a whole chunk at a time.
**
** Evaluation is vectorized: every node produces a vector of the chunk's rows
** in the thread's scratch arena. Conditional evaluation follows SQL and
** Spark: AND / OR evaluate a later term only on the rows the earlier ones
** left undecided, and CASE evaluates each THEN only on the rows its WHEN
** selected (and each later WHEN only on the rows no earlier WHEN took), so
** an error in a branch that is not taken (ANSI division by zero) is never
** raised. Those subsets are evaluated on a sub-chunk holding only the
** columns the sub-expression reads (the others are NULL pointers), and the
** results are scattered back into row order.
**
** Three-valued logic: AND is FALSE if any term is FALSE, else NULL if any is
** NULL, else TRUE; OR dually. IN is TRUE on a match, else NULL when the
** operand or a list item is NULL, else FALSE (NOT IN negates TRUE/FALSE and
** keeps NULL). IN over constants probes a hash set built at compile time;
** equality is ex_value_equal (NaN equals NaN as in Spark); lists of at most
** IN_SMALL_ITEMS integers or strings are compared directly instead.
**
** Selection (ex_expr_select) applies the conjuncts of an AND in order, each
** on the rows the earlier ones kept. A conjunct that cannot raise an error
** (never_fails: comparisons and IN over columns and constants, widening
** casts) is evaluated on the whole chunk while most rows are still kept,
** which is cheaper than copying its columns; the rows kept are the same. */
#include "exec.h"

static const vec_type T_BOOL = {.id = VEC_BOOL};

struct ex_expr {
    lp_expr_kind kind;
    vec_type     type;           /* result type (q->arena copy) */
    ex_query    *q;              /* borrowed: settings, fnctx */
    int          col;            /* COL: position in the input chunk */
    const vec   *value;          /* CONST: 1-row vector (borrowed: plan arena) */
    fn_bound    *fn;             /* CALL: borrowed from the plan */
    const vec_type **arg_cast;   /* CALL: per argument, type to cast to or NULL */
    bool         try_cast;       /* CAST */
    bool         negated;        /* IS_NULL, IN */
    bool         has_else;       /* CASE */
    ex_expr    **args;           /* q->arena */
    int          n_args;
    bool         no_error;       /* evaluation cannot fail on any row (see never_fails) */
    int         *uses;           /* input positions read (sorted, unique) */
    int          n_uses;
    /* IN over constants */
    bool         in_const;       /* the list is all constants: hash set below */
    bool         in_has_null;    /* a NULL among the constants */
    vec         *in_list;        /* the constants, one row each (q->arena) */
    uint64_t    *in_hashes;      /* hash of each in_list row */
    int32_t     *in_slots;       /* open addressing: in_list row or -1 */
    uint64_t     in_mask;        /* slots - 1 */
};

static st_status oom(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory evaluating an expression");
}

static bool same_layout(const vec_type *a, const vec_type *b);

/* ---- compilation --------------------------------------------------------- */

static st_status compile(ex_query *q, const lp_expr *e, const lp_col *in, int n_in,
                         ex_expr **out, st_error *err);

/* Sets x->uses to the union of the children's uses (plus own column). */
static st_status collect_uses(ex_query *q, ex_expr *x, int n_in, st_error *err)
{
    bool *mask = st_calloc((size_t)(n_in > 0 ? n_in : 1), 1);
    if (!mask)
        return oom(err);
    if (x->kind == LP_X_COL)
        mask[x->col] = true;
    for (int i = 0; i < x->n_args; i++)
        for (int k = 0; k < x->args[i]->n_uses; k++)
            mask[x->args[i]->uses[k]] = true;
    int n = 0;
    for (int i = 0; i < n_in; i++)
        n += mask[i];
    x->uses = st_arena_alloc(q->arena, (size_t)(n > 0 ? n : 1) * sizeof *x->uses);
    if (!x->uses) {
        st_free(mask);
        return oom(err);
    }
    x->n_uses = 0;
    for (int i = 0; i < n_in; i++)
        if (mask[i]) x->uses[x->n_uses++] = i;
    st_free(mask);
    return ST_OK;
}

/* Builds the hash set of an IN list made only of constants. */
static st_status compile_in_set(ex_query *q, ex_expr *x, const lp_expr *e, st_error *err)
{
    int n = e->n_args - 1;
    const vec_type *t = &x->args[0]->type;
    const vec **items = st_arena_alloc(q->arena, (size_t)n * sizeof *items);
    if (!items)
        return oom(err);
    for (int i = 0; i < n; i++) {
        vec *v = e->args[i + 1]->value;
        if (!v)
            return st_error_set(err, ST_ERR_INTERNAL, "IN list constant %d has no value", i);
        if (!same_layout(v->type, t) && v->type->id != VEC_NULL) {
            st_status rc = fn_cast(&q->fnctx, v, t, false, 1, q->arena, &v, err);
            if (rc != ST_OK)
                return rc;
        }
        if (v->type->id == VEC_NULL || !vec_is_valid(v, 0)) {
            x->in_has_null = true;
            vec *nv = NULL;
            st_status rc = vec_constant(q->arena, t, NULL, 1, &nv, err);
            if (rc != ST_OK)
                return rc;
            v = nv;
        }
        items[i] = v;
    }
    st_status rc = ex_vec_concat(q->arena, items, n, t, &x->in_list, err);
    if (rc != ST_OK)
        return rc;
    uint64_t slots = 8;
    while (slots < (uint64_t)n * 2)
        slots <<= 1;
    x->in_mask = slots - 1;
    x->in_hashes = st_arena_alloc(q->arena, (size_t)n * sizeof *x->in_hashes + 8);
    x->in_slots = st_arena_alloc(q->arena, (size_t)slots * sizeof *x->in_slots);
    if (!x->in_hashes || !x->in_slots)
        return oom(err);
    memset(x->in_slots, 0xff, (size_t)slots * sizeof *x->in_slots);
    const vec *cols[1] = {x->in_list};
    if ((rc = ex_hash_rows(cols, 1, n, x->in_hashes, err)) != ST_OK)
        return rc;
    for (int i = 0; i < n; i++) {
        if (!vec_is_valid(x->in_list, i))
            continue;
        uint64_t s = x->in_hashes[i] & x->in_mask;
        while (x->in_slots[s] >= 0)
            s = (s + 1) & x->in_mask;
        x->in_slots[s] = i;
    }
    x->in_const = true;
    return ST_OK;
}

static st_status compile_node(ex_query *q, ex_expr *x, const lp_expr *e, const lp_col *in,
                              int n_in, st_error *err)
{
    switch (e->kind) {
    case LP_X_COL:
        for (int i = 0; i < n_in; i++)
            if (in[i].id == e->col) {
                x->col = i;
                return ST_OK;
            }
        return st_error_set(err, ST_ERR_INTERNAL, "column %s#%d is not among the %d input columns",
                            e->name ? e->name : "?", (int)e->col, n_in);
    case LP_X_CONST:
        x->value = e->value;
        return ST_OK;
    case LP_X_CALL:
        if (!e->fn || !e->fn->kernel)
            return st_error_set(err, ST_ERR_INTERNAL, "function call without a kernel");
        x->fn = e->fn;
        x->arg_cast = st_arena_calloc(q->arena, (size_t)(e->n_args > 0 ? e->n_args : 1),
                                      sizeof *x->arg_cast);
        if (!x->arg_cast)
            return oom(err);
        for (int i = 0; i < e->n_args && i < FN_MAX_ARGS; i++)
            if (e->fn->cast_to[i].id != VEC_NULL &&
                !vec_type_equal(&e->fn->cast_to[i], &x->args[i]->type))
                x->arg_cast[i] = &e->fn->cast_to[i];
        return ST_OK;
    case LP_X_CASE:
        if (e->n_args < (e->has_else ? 3 : 2) || (e->n_args - e->has_else) % 2 != 0)
            return st_error_set(err, ST_ERR_INTERNAL, "CASE with %d operands", e->n_args);
        return ST_OK;
    case LP_X_IN: {
        if (e->n_args < 2)
            return st_error_set(err, ST_ERR_INTERNAL, "IN with %d operands", e->n_args);
        if (x->args[0]->type.id == VEC_NULL)
            return ST_OK;                /* NULL IN (...): always NULL, pairwise path */
        for (int i = 1; i < e->n_args; i++)
            if (e->args[i]->kind != LP_X_CONST)
                return ST_OK;
        return compile_in_set(q, x, e, err);
    }
    case LP_X_AND:
    case LP_X_OR:
    case LP_X_NOT:
    case LP_X_IS_NULL:
    case LP_X_CAST:
        if (e->n_args < 1)
            return st_error_set(err, ST_ERR_INTERNAL, "expression kind %d without operands",
                                (int)e->kind);
        return ST_OK;
    case LP_X_SUBQUERY:
        return st_error_set(err, ST_ERR_INTERNAL,
                            "a subquery expression reached the executor undecorrelated");
    }
    return st_error_set(err, ST_ERR_INTERNAL, "unknown expression kind %d", (int)e->kind);
}

/* Decimal digits left of the point an integer type needs. */
static int int_digits(vec_type_id id)
{
    return id == VEC_INT8 ? 3 : id == VEC_INT16 ? 5 : id == VEC_INT32 ? 10 : 19;
}
static bool is_int(vec_type_id id) { return id >= VEC_INT8 && id <= VEC_INT64; }

/* True when casting any value of type `from` to `to` cannot fail (widening). */
static bool cast_never_fails(const vec_type *from, const vec_type *to)
{
    if (is_int(from->id))
        return (is_int(to->id) && vec_type_width(to->id) >= vec_type_width(from->id)) ||
               to->id == VEC_DOUBLE || to->id == VEC_FLOAT ||
               (to->id == VEC_DECIMAL && to->precision - to->scale >= int_digits(from->id));
    if (from->id == VEC_DECIMAL)
        return to->id == VEC_DOUBLE ||
               (to->id == VEC_DECIMAL && to->scale >= from->scale &&
                to->precision - to->scale >= from->precision - from->scale);
    if (from->id == VEC_FLOAT)
        return to->id == VEC_DOUBLE;
    return false;
}

static bool is_comparison(const char *name)
{
    static const char *const ops[] = {"=", "==", "<>", "!=", "<", "<=", ">", ">=", "<=>"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(name, ops[i]) == 0)
            return true;
    return false;
}

/* Whether x can be evaluated on rows an earlier conjunct already rejected
** without changing anything but speed: it raises no error on any row.
** Columns, constants, comparisons of such operands (a cast is allowed on
** a constant, which fails on every row alike, or when it widens), IN over
** constants, IS NULL and the logic operators over such operands. */
static bool never_fails(const ex_expr *x)
{
    for (int i = 0; i < x->n_args; i++)
        if (!x->args[i]->no_error)
            return false;
    switch (x->kind) {
    case LP_X_COL:
    case LP_X_CONST:
    case LP_X_AND:
    case LP_X_OR:
    case LP_X_NOT:
    case LP_X_IS_NULL:
        return true;
    case LP_X_IN:
        return x->in_const;
    case LP_X_CAST:
        return x->try_cast || cast_never_fails(&x->args[0]->type, &x->type);
    case LP_X_CALL:
        if (!x->fn->name || !is_comparison(x->fn->name))
            return false;
        for (int i = 0; i < x->n_args; i++)
            if (x->arg_cast[i] && x->args[i]->kind != LP_X_CONST &&
                !cast_never_fails(&x->args[i]->type, x->arg_cast[i]))
                return false;
        return true;
    default:
        return false;
    }
}

static st_status compile(ex_query *q, const lp_expr *e, const lp_col *in, int n_in,
                         ex_expr **out, st_error *err)
{
    if (!e)
        return st_error_set(err, ST_ERR_INTERNAL, "missing expression");
    ex_expr *x = st_arena_calloc(q->arena, 1, sizeof *x);
    if (!x)
        return oom(err);
    x->kind = e->kind;
    x->q = q;
    x->negated = e->negated;
    x->try_cast = e->try_cast;
    x->has_else = e->has_else;
    st_status rc = vec_type_copy(q->arena, &e->type, &x->type, err);
    if (rc != ST_OK)
        return rc;
    if (e->kind != LP_X_SUBQUERY && e->n_args > 0) {
        x->args = st_arena_calloc(q->arena, (size_t)e->n_args, sizeof *x->args);
        if (!x->args)
            return oom(err);
        x->n_args = e->n_args;
        for (int i = 0; i < e->n_args; i++)
            if ((rc = compile(q, e->args[i], in, n_in, &x->args[i], err)) != ST_OK)
                return rc;
    }
    if ((rc = compile_node(q, x, e, in, n_in, err)) != ST_OK)
        return rc;
    if ((rc = collect_uses(q, x, n_in, err)) != ST_OK)
        return rc;
    x->no_error = never_fails(x);
    *out = x;
    return ST_OK;
}

st_status ex_expr_compile(ex_query *q, const lp_expr *e, const lp_col *in, int n_in,
                          ex_expr **out, st_error *err)
{
    return compile(q, e, in, n_in, out, err);
}

const vec_type *ex_expr_type(const ex_expr *e)
{
    return &e->type;
}

/* ---- evaluation helpers ---------------------------------------------------- */

static st_status eval(const ex_expr *e, ex_thread *t, const ex_chunk *in, vec **out,
                      st_error *err);

/* Evaluates e over rows[0..m) of in (rows NULL: all rows, m == n_rows). */
static st_status eval_rows(const ex_expr *e, ex_thread *t, const ex_chunk *in,
                           const int32_t *rows, int64_t m, vec **out, st_error *err)
{
    if (!rows)
        return eval(e, t, in, out, err);
    if (e->kind == LP_X_COL)             /* OPT: results identical if removed */
        return vec_take(t->arena, in->cols[e->col], rows, m, out, err);
    ex_chunk sub = {.n_rows = m, .n_cols = in->n_cols};
    sub.cols = st_arena_calloc(t->arena, (size_t)(in->n_cols > 0 ? in->n_cols : 1),
                               sizeof *sub.cols);
    if (!sub.cols)
        return oom(err);
    for (int k = 0; k < e->n_uses; k++) {
        int c = e->uses[k];
        st_status rc = vec_take(t->arena, in->cols[c], rows, m, &sub.cols[c], err);
        if (rc != ST_OK)
            return rc;
    }
    return eval(e, t, &sub, out, err);
}

/* A boolean vector from tri-state bytes (0 FALSE, 1 TRUE, 2 NULL). */
static st_status make_bool(ex_thread *t, const ex_expr *e, const uint8_t *tri, int64_t n,
                           vec **out, st_error *err)
{
    vec *v = vec_new(t->arena, e->type.id == VEC_BOOL ? &e->type : &T_BOOL, n);
    if (!v)
        return oom(err);
    uint8_t *bits = v->values;
    int64_t nulls = 0;
    for (int64_t i = 0; i < n; i++) {
        if (tri[i] == 1) vec_bit_set(bits, i);
        nulls += tri[i] == 2;
    }
    if (nulls) {
        st_status rc = vec_alloc_validity(t->arena, v, err);
        if (rc != ST_OK)
            return rc;
        for (int64_t i = 0; i < n; i++)
            if (tri[i] == 2) vec_bit_clear(v->validity, i);
        v->null_count = nulls;
    }
    *out = v;
    return ST_OK;
}

/* Tri-state of row i of a boolean (or all-NULL) vector. */
static inline uint8_t tri_of(const vec *v, int64_t i)
{
    if (v->type->id == VEC_NULL || !vec_is_valid(v, i))
        return 2;
    return vec_bit_get(v->values, i) ? 1 : 0;
}

static st_status check_bool(const ex_expr *e, const vec *v, st_error *err)
{
    if (v->type->id != VEC_BOOL && v->type->id != VEC_NULL)
        return st_error_set(err, ST_ERR_INTERNAL, "a condition produced a %s vector, not boolean",
                            vec_type_id_name(v->type->id));
    return ST_OK;
}

static int32_t *identity(ex_thread *t, int64_t n)
{
    int32_t *r = st_arena_alloc(t->arena, (size_t)(n > 0 ? n : 1) * sizeof *r);
    if (r)
        for (int64_t i = 0; i < n; i++) r[i] = (int32_t)i;
    return r;
}

/* ---- node kinds ------------------------------------------------------------- */

static st_status eval_const(const ex_expr *e, ex_thread *t, int64_t n, vec **out, st_error *err)
{
    if (!e->value)
        return vec_constant(t->arena, &e->type, NULL, n, out, err);
    /* OPT: results identical if removed (the take of row 0 n times below) */
    const vec *c = e->value;
    vec_type_id id = c->type->id;
    int w = vec_type_width(id);
    if (c->len >= 1 && vec_is_valid(c, 0) && (w > 0 || id == VEC_BOOL || vec_type_is_varlen(id))) {
        vec *v = vec_new(t->arena, c->type, n);
        if (!v)
            return oom(err);
        if (w > 0) {
            uint8_t *dst = v->values;
            const uint8_t *src = c->values;
            if (w == 4) {
                uint32_t x;
                memcpy(&x, src, 4);
                for (int64_t i = 0; i < n; i++)
                    ((uint32_t *)(void *)dst)[i] = x;
            } else if (w == 8) {
                uint64_t x;
                memcpy(&x, src, 8);
                for (int64_t i = 0; i < n; i++)
                    ((uint64_t *)(void *)dst)[i] = x;
            } else if (w == 16) {
                uint64_t x[2];
                memcpy(x, src, 16);
                for (int64_t i = 0; i < n; i++)
                    memcpy(dst + (size_t)i * 16, x, 16);
            } else {
                for (int64_t i = 0; i < n; i++)
                    memcpy(dst + (size_t)i * (size_t)w, src, (size_t)w);
            }
        } else if (id == VEC_BOOL) {
            if (vec_bit_get(c->values, 0)) {
                memset(v->values, 0xFF, (size_t)(n / 8));
                for (int64_t i = n & ~(int64_t)7; i < n; i++)
                    vec_bit_set(v->values, i);
            }
        } else {
            const int32_t *co = vec_offsets(c);
            int64_t len = co[1] - co[0];
            if (len > 0 && n > INT32_MAX / len)
                return st_error_set(err, ST_ERR_LIMIT, "constant of %lld bytes repeated %lld times "
                                    "is too long", (long long)len, (long long)n);
            int32_t *o = vec_offsets(v);
            uint8_t *b = st_arena_alloc(t->arena, (size_t)(len * n > 0 ? len * n : 1));
            if (!b)
                return oom(err);
            for (int64_t i = 0; i < n; i++) {
                if (len > 0)
                    memcpy(b + i * len, c->bytes + co[0], (size_t)len);
                o[i] = (int32_t)(i * len);
            }
            o[n] = (int32_t)(len * n);
            v->bytes = b;
            v->n_bytes = len * n;
        }
        *out = v;
        return ST_OK;
    }
    int32_t *zeros = st_arena_calloc(t->arena, (size_t)(n > 0 ? n : 1), sizeof *zeros);
    if (!zeros)
        return oom(err);
    return vec_take(t->arena, e->value, zeros, n, out, err);
}

static st_status eval_call(const ex_expr *e, ex_thread *t, const ex_chunk *in, vec **out,
                           st_error *err)
{
    const vec **args = st_arena_calloc(t->arena, (size_t)(e->n_args > 0 ? e->n_args : 1),
                                       sizeof *args);
    if (!args)
        return oom(err);
    for (int i = 0; i < e->n_args; i++) {
        vec *v;
        st_status rc = eval(e->args[i], t, in, &v, err);
        if (rc == ST_OK && e->arg_cast[i])
            rc = fn_cast(&e->q->fnctx, v, e->arg_cast[i], false, in->n_rows, t->arena, &v, err);
        if (rc != ST_OK)
            return rc;
        args[i] = v;
    }
    st_status rc = e->fn->kernel(e->fn, &e->q->fnctx, args, in->n_rows, t->arena, out, err);
    if (rc == ST_OK && (*out)->len != in->n_rows)
        return st_error_set(err, ST_ERR_INTERNAL, "function %s returned %lld rows for %lld",
                            e->fn->name, (long long)(*out)->len, (long long)in->n_rows);
    return rc;
}

/* AND / OR: later terms only on rows still undecided. */
static st_status eval_logic(const ex_expr *e, ex_thread *t, const ex_chunk *in, vec **out,
                            st_error *err)
{
    int64_t n = in->n_rows > 0 ? in->n_rows : 0, m = n;
    uint8_t decide = e->kind == LP_X_AND ? 0 : 1;     /* the value that decides */
    uint8_t *tri = st_arena_alloc(t->arena, (size_t)(n > 0 ? n : 1));
    int32_t *rows = identity(t, n);
    if (!tri || !rows)
        return oom(err);
    memset(tri, !decide, (size_t)n);
    for (int k = 0; k < e->n_args && m > 0; k++) {
        vec *v;
        st_status rc = eval_rows(e->args[k], t, in, m == n ? NULL : rows, m, &v, err);
        if (rc == ST_OK)
            rc = check_bool(e, v, err);
        if (rc != ST_OK)
            return rc;
        int64_t m2 = 0;
        for (int64_t j = 0; j < m; j++) {
            int32_t r = rows[j];
            uint8_t x = tri_of(v, j);
            if (x == decide) {
                tri[r] = decide;
                continue;
            }
            if (x == 2)
                tri[r] = 2;
            rows[m2++] = r;
        }
        m = m2;
    }
    return make_bool(t, e, tri, n, out, err);
}

static st_status eval_not(const ex_expr *e, ex_thread *t, const ex_chunk *in, vec **out,
                          st_error *err)
{
    vec *v;
    st_status rc = eval(e->args[0], t, in, &v, err);
    if (rc == ST_OK)
        rc = check_bool(e, v, err);
    if (rc != ST_OK)
        return rc;
    uint8_t *tri = st_arena_alloc(t->arena, (size_t)(in->n_rows > 0 ? in->n_rows : 1));
    if (!tri)
        return oom(err);
    for (int64_t i = 0; i < in->n_rows; i++) {
        uint8_t x = tri_of(v, i);
        tri[i] = x == 2 ? 2 : !x;
    }
    return make_bool(t, e, tri, in->n_rows, out, err);
}

static st_status eval_is_null(const ex_expr *e, ex_thread *t, const ex_chunk *in, vec **out,
                              st_error *err)
{
    vec *v;
    st_status rc = eval(e->args[0], t, in, &v, err);
    if (rc != ST_OK)
        return rc;
    uint8_t *tri = st_arena_alloc(t->arena, (size_t)(in->n_rows > 0 ? in->n_rows : 1));
    if (!tri)
        return oom(err);
    for (int64_t i = 0; i < in->n_rows; i++) {
        bool is_null = v->type->id == VEC_NULL || !vec_is_valid(v, i);
        tri[i] = is_null != e->negated;
    }
    return make_bool(t, e, tri, in->n_rows, out, err);
}

/* True when vectors of types a and b share one physical layout (so their
** rows may be concatenated): same id, and for decimals the same scale. */
static bool same_layout(const vec_type *a, const vec_type *b)
{
    return a->id == b->id && (a->id != VEC_DECIMAL || a->scale == b->scale);
}

/* Casts a CASE arm's value to the CASE type when the binder left them apart. */
static st_status fit_type(const ex_expr *e, ex_thread *t, vec **v, st_error *err)
{
    if (same_layout((*v)->type, &e->type))
        return ST_OK;
    return fn_cast(&e->q->fnctx, *v, &e->type, false, (*v)->len, t->arena, v, err);
}

/* CASE: each WHEN on the rows no earlier WHEN took, each THEN on the rows
** its WHEN selected; the pieces are concatenated and gathered into row
** order (rows no arm took gather a trailing NULL). */
static st_status eval_case(const ex_expr *e, ex_thread *t, const ex_chunk *in, vec **out,
                           st_error *err)
{
    int64_t n = in->n_rows > 0 ? in->n_rows : 0, m = n, total = 0;
    int n_when = (e->n_args - e->has_else) / 2, n_pieces = 0;
    vec **pieces = st_arena_calloc(t->arena, (size_t)n_when + 2, sizeof *pieces);
    int32_t *pick = st_arena_alloc(t->arena, (size_t)(n > 0 ? n : 1) * sizeof *pick);
    int32_t *rem = identity(t, n);
    if (!pieces || !pick || !rem)
        return oom(err);
    memset(pick, 0xff, (size_t)n * sizeof *pick);
    st_status rc;
    for (int w = 0; w < n_when && m > 0; w++) {
        vec *cond, *val;
        if ((rc = eval_rows(e->args[2 * w], t, in, m == n ? NULL : rem, m, &cond, err)) != ST_OK ||
            (rc = check_bool(e, cond, err)) != ST_OK)
            return rc;
        int32_t *sel = st_arena_alloc(t->arena, (size_t)m * sizeof *sel);
        if (!sel)
            return oom(err);
        int64_t k = 0, m2 = 0;
        for (int64_t j = 0; j < m; j++) {
            if (tri_of(cond, j) == 1) sel[k++] = rem[j];
            else rem[m2++] = rem[j];
        }
        m = m2;
        if (k == 0)
            continue;
        if ((rc = eval_rows(e->args[2 * w + 1], t, in, k == n ? NULL : sel, k, &val, err)) != ST_OK ||
            (rc = fit_type(e, t, &val, err)) != ST_OK)
            return rc;
        if (k == n) {                    /* OPT: results identical if removed */
            *out = val;
            return ST_OK;
        }
        for (int64_t j = 0; j < k; j++)
            pick[sel[j]] = (int32_t)(total + j);
        pieces[n_pieces++] = val;
        total += k;
    }
    if (e->has_else && m > 0) {
        vec *val;
        if ((rc = eval_rows(e->args[e->n_args - 1], t, in, m == n ? NULL : rem, m, &val, err)) != ST_OK ||
            (rc = fit_type(e, t, &val, err)) != ST_OK)
            return rc;
        if (m == n) {                    /* OPT: results identical if removed */
            *out = val;
            return ST_OK;
        }
        for (int64_t j = 0; j < m; j++)
            pick[rem[j]] = (int32_t)(total + j);
        pieces[n_pieces++] = val;
        total += m;
        m = 0;
    }
    if (m > 0) {
        vec *nul;
        if ((rc = vec_constant(t->arena, &e->type, NULL, 1, &nul, err)) != ST_OK)
            return rc;
        for (int64_t j = 0; j < m; j++)
            pick[rem[j]] = (int32_t)total;
        pieces[n_pieces++] = nul;
    }
    if (n_pieces == 0)
        return vec_constant(t->arena, &e->type, NULL, n, out, err);
    vec *all;
    if ((rc = ex_vec_concat(t->arena, (const vec *const *)pieces, n_pieces, &e->type, &all, err)) != ST_OK)
        return rc;
    return vec_take(t->arena, all, pick, n, out, err);
}

/* OPT: results identical if removed. IN over a short list of constants of
** an integer, date/time or string type: compares each row with the items
** directly (no hashing) and writes the result bits at once. Returns false
** (nothing done) for other types. */
#define IN_SMALL_ITEMS 16

/* a[0..n) == b[0..n) without a call for the short strings IN lists hold. */
static inline bool bytes_equal(const uint8_t *a, const uint8_t *b, int32_t n)
{
    if (n < 4)
        return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
    if (n <= 8) {
        uint32_t a0, b0, a1, b1;
        memcpy(&a0, a, 4);
        memcpy(&b0, b, 4);
        memcpy(&a1, a + n - 4, 4);
        memcpy(&b1, b + n - 4, 4);
        return a0 == b0 && a1 == b1;
    }
    return a[0] == b[0] && st_memcmp(a, b, (size_t)n) == 0;
}
static bool in_small(const ex_expr *e, ex_thread *t, const vec *v, int64_t n, vec **out,
                     st_status *rc, st_error *err)
{
    const vec *l = e->in_list;
    vec_type_id id = v->type->id;
    bool varlen = id == VEC_STRING || id == VEC_BINARY;
    int w = 0;
    switch (id) {
    case VEC_INT8: case VEC_INT16: case VEC_INT32: case VEC_INT64: case VEC_DATE:
    case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ:
        w = vec_type_width(id);
        break;
    case VEC_STRING: case VEC_BINARY:
        break;
    default:
        return false;
    }
    if (l->type->id != id || l->len > IN_SMALL_ITEMS || (!varlen && w != 1 && w != 2 && w != 4 && w != 8))
        return false;
    /* the valid items, as 64-bit integers or byte ranges */
    int64_t ival[IN_SMALL_ITEMS];
    const uint8_t *ip[IN_SMALL_ITEMS];
    int32_t il[IN_SMALL_ITEMS];
    int m = 0;
    for (int64_t k = 0; k < l->len; k++) {
        if (!vec_is_valid(l, k))
            continue;
        if (varlen) {
            const int32_t *o = vec_offsets(l);
            ip[m] = l->bytes ? l->bytes + o[k] : (const uint8_t *)"";
            il[m] = o[k + 1] - o[k];
        } else {
            const uint8_t *p = (const uint8_t *)l->values + (size_t)k * (size_t)w;
            ival[m] = w == 1 ? *(const int8_t *)p : w == 2 ? *(const int16_t *)(const void *)p
                    : w == 4 ? *(const int32_t *)(const void *)p : *(const int64_t *)(const void *)p;
        }
        m++;
    }
    vec *r = vec_new(t->arena, e->type.id == VEC_BOOL ? &e->type : &T_BOOL, n);
    if (!r) {
        *rc = oom(err);
        return true;
    }
    bool miss_null = e->in_has_null;     /* no match: NULL rather than FALSE */
    if (v->validity || miss_null) {
        if ((*rc = vec_alloc_validity(t->arena, r, err)) != ST_OK)
            return true;
    }
    uint8_t *bits = r->values;
    int64_t nulls = 0;
    const int32_t *vo = varlen ? vec_offsets(v) : NULL;
    for (int64_t i = 0; i < n; i++) {
        if (!vec_is_valid(v, i)) {
            vec_bit_clear(r->validity, i);
            nulls++;
            continue;
        }
        bool hit = false;
        if (varlen) {
            int32_t len = vo[i + 1] - vo[i];
            const uint8_t *p = v->bytes ? v->bytes + vo[i] : (const uint8_t *)"";
            for (int k = 0; k < m && !hit; k++)
                hit = il[k] == len && bytes_equal(ip[k], p, len);
        } else {
            const void *p = (const uint8_t *)v->values + (size_t)i * (size_t)w;
            int64_t x = w == 1 ? *(const int8_t *)p : w == 2 ? *(const int16_t *)p
                      : w == 4 ? *(const int32_t *)p : *(const int64_t *)p;
            for (int k = 0; k < m && !hit; k++)
                hit = ival[k] == x;
        }
        if (hit ? !e->negated : (!miss_null && e->negated))
            vec_bit_set(bits, i);
        else if (!hit && miss_null) {
            vec_bit_clear(r->validity, i);
            nulls++;
        }
    }
    r->null_count = nulls;
    vec_finish_validity(r);
    *out = r;
    *rc = ST_OK;
    return true;
}

static st_status eval_in(const ex_expr *e, ex_thread *t, const ex_chunk *in, vec **out,
                         st_error *err)
{
    int64_t n = in->n_rows > 0 ? in->n_rows : 0;
    vec *v;
    st_status rc = eval(e->args[0], t, in, &v, err);
    if (rc != ST_OK)
        return rc;
    uint8_t *tri = st_arena_alloc(t->arena, (size_t)(n > 0 ? n : 1));
    if (!tri)
        return oom(err);
    if (e->in_const && v->type->id != VEC_NULL && in_small(e, t, v, n, out, &rc, err))
        return rc;
    if (e->in_const) {
        uint64_t *h = st_arena_alloc(t->arena, (size_t)(n > 0 ? n : 1) * sizeof *h);
        if (!h)
            return oom(err);
        const vec *cols[1] = {v};
        if ((rc = ex_hash_rows(cols, 1, n, h, err)) != ST_OK)
            return rc;
        for (int64_t i = 0; i < n; i++) {
            if (v->type->id == VEC_NULL || !vec_is_valid(v, i)) {
                tri[i] = 2;
                continue;
            }
            bool hit = false;
            for (uint64_t s = h[i] & e->in_mask; e->in_slots[s] >= 0 && !hit; s = (s + 1) & e->in_mask) {
                int32_t r = e->in_slots[s];
                hit = e->in_hashes[r] == h[i] && ex_value_equal(v, i, e->in_list, r, false);
            }
            tri[i] = hit ? !e->negated : (e->in_has_null ? 2 : e->negated);
        }
        return make_bool(t, e, tri, n, out, err);
    }
    memset(tri, 0, (size_t)n);           /* 0 no match yet, 1 match, 2 NULL seen */
    for (int k = 1; k < e->n_args; k++) {
        vec *item;
        if ((rc = eval(e->args[k], t, in, &item, err)) != ST_OK)
            return rc;
        for (int64_t i = 0; i < n; i++) {
            if (tri[i] == 1)
                continue;
            if (item->type->id == VEC_NULL || !vec_is_valid(item, i))
                tri[i] = 2;
            else if (v->type->id != VEC_NULL && vec_is_valid(v, i) &&
                     ex_value_equal(v, i, item, i, false))
                tri[i] = 1;
        }
    }
    for (int64_t i = 0; i < n; i++) {
        if (v->type->id == VEC_NULL || !vec_is_valid(v, i)) tri[i] = 2;
        else if (tri[i] == 1) tri[i] = !e->negated;
        else if (tri[i] == 0) tri[i] = e->negated;
    }
    return make_bool(t, e, tri, n, out, err);
}

static st_status eval(const ex_expr *e, ex_thread *t, const ex_chunk *in, vec **out,
                      st_error *err)
{
    switch (e->kind) {
    case LP_X_COL:
        if (e->col >= in->n_cols || !in->cols[e->col])
            return st_error_set(err, ST_ERR_INTERNAL, "input column %d is missing from a chunk of %d",
                                e->col, in->n_cols);
        *out = in->cols[e->col];
        return ST_OK;
    case LP_X_CONST:
        return eval_const(e, t, in->n_rows, out, err);
    case LP_X_CALL:
        return eval_call(e, t, in, out, err);
    case LP_X_CAST: {
        vec *v;
        st_status rc = eval(e->args[0], t, in, &v, err);
        if (rc != ST_OK)
            return rc;
        if (vec_type_equal(v->type, &e->type)) {
            *out = v;
            return ST_OK;
        }
        return fn_cast(&e->q->fnctx, v, &e->type, e->try_cast, in->n_rows, t->arena, out, err);
    }
    case LP_X_AND:
    case LP_X_OR:
        return eval_logic(e, t, in, out, err);
    case LP_X_NOT:
        return eval_not(e, t, in, out, err);
    case LP_X_IS_NULL:
        return eval_is_null(e, t, in, out, err);
    case LP_X_CASE:
        return eval_case(e, t, in, out, err);
    case LP_X_IN:
        return eval_in(e, t, in, out, err);
    case LP_X_SUBQUERY:
        break;
    }
    return st_error_set(err, ST_ERR_INTERNAL, "cannot evaluate expression kind %d", (int)e->kind);
}

st_status ex_expr_eval(const ex_expr *e, ex_thread *t, const ex_chunk *in, vec **out,
                       st_error *err)
{
    return eval(e, t, in, out, err);
}

/* Keeps the rows[0..*m) of in where e is TRUE (rows are ascending; when
** *m == n_rows they are all rows in order). */
static st_status select_rows(const ex_expr *e, ex_thread *t, const ex_chunk *in, int32_t *rows,
                             int64_t *m, st_error *err)
{
    if (e->kind == LP_X_AND) {
        for (int k = 0; k < e->n_args && *m > 0; k++) {
            st_status rc = select_rows(e->args[k], t, in, rows, m, err);
            if (rc != ST_OK)
                return rc;
        }
        return ST_OK;
    }
    vec *v;
    st_status rc;
    int64_t k = 0;
    if (*m < in->n_rows && e->no_error && *m * 2 >= in->n_rows && e->kind != LP_X_COL) {
        /* OPT: results identical if removed. Most rows are still selected
        ** and e cannot fail: evaluate it on the whole chunk rather than
        ** copying its columns for the selected rows, and read the answer at
        ** the selected positions. */
        if ((rc = eval(e, t, in, &v, err)) == ST_OK)
            rc = check_bool(e, v, err);
        if (rc != ST_OK)
            return rc;
        if (v->type->id == VEC_BOOL && !v->validity) {
            const uint8_t *bits = v->values;
            for (int64_t j = 0; j < *m; j++) {
                rows[k] = rows[j];
                k += vec_bit_get(bits, rows[j]);
            }
        } else {
            for (int64_t j = 0; j < *m; j++)
                if (tri_of(v, rows[j]) == 1) rows[k++] = rows[j];
        }
        *m = k;
        return ST_OK;
    }
    rc = eval_rows(e, t, in, *m == in->n_rows ? NULL : rows, *m, &v, err);
    if (rc == ST_OK)
        rc = check_bool(e, v, err);
    if (rc != ST_OK)
        return rc;
    if (v->type->id == VEC_BOOL && !v->validity) {
        const uint8_t *bits = v->values;
        for (int64_t j = 0; j < *m; j++) {
            rows[k] = rows[j];
            k += vec_bit_get(bits, j);
        }
    } else {
        for (int64_t j = 0; j < *m; j++)
            if (tri_of(v, j) == 1) rows[k++] = rows[j];
    }
    *m = k;
    return ST_OK;
}

st_status ex_expr_select(const ex_expr *e, ex_thread *t, const ex_chunk *in, int32_t *sel,
                         int64_t *n_sel, st_error *err)
{
    for (int64_t i = 0; i < in->n_rows; i++)
        sel[i] = (int32_t)i;
    *n_sel = in->n_rows;
    return select_rows(e, t, in, sel, n_sel, err);
}
