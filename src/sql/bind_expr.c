/* bind_expr.c -- binds AST expressions (sql.h) into typed plan expressions
** (plan.h): literals, column names through the scope chain (correlated
** references marked `outer`), operators and functions through fn_resolve
** with the argument casts it asks for made explicit as LP_X_CAST nodes,
** and the syntax the plan does not keep (BETWEEN, LIKE ANY/ALL, simple
** CASE, EXTRACT, date/timestamp +/- INTERVAL, IS [NOT] TRUE/FALSE/DISTINCT
** FROM, a[i], m[k], s.f and dotted names reaching into struct columns)
** lowered to calls, AND/OR/NOT and comparisons.
** Aggregates and window functions are not built here: they are handed to
** the SELECT's collection (bind_sel) by bind_agg.c and replaced by a
** reference to their output column. Errors carry the offending node's
** position (bind_error). */
#include "bind_int.h"
#include "../format/format.h"
#include "../func/fn.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- small constructors ------------------------------------------------------ */

static lp_expr *new_expr(binder *b, lp_expr_kind k, int32_t pos, int n_args)
{
    lp_expr *e = lp_expr_new(b->c, k, pos);
    if (!e)
        return NULL;
    if (n_args > 0) {
        e->args = st_arena_calloc(b->c->arena, (size_t)n_args, sizeof *e->args);
        if (!e->args)
            return NULL;
    }
    e->n_args = n_args;
    e->nullable = false;
    return e;
}

lp_expr *bind_cast_to(binder *b, lp_expr *e, const vec_type *t)
{
    if (vec_type_equal(&e->type, t))
        return e;
    if (e->kind == LP_X_CONST && e->type.id == VEC_NULL) {
        lp_expr *n = lp_expr_const(b->c, t, NULL);
        if (n)
            n->pos = e->pos;
        return n;
    }
    lp_expr *c = new_expr(b, LP_X_CAST, e->pos, 1);
    if (!c)
        return NULL;
    c->type = *t;
    c->args[0] = e;
    c->nullable = e->nullable || e->type.id == VEC_STRING;
    return c;
}

static lp_expr *make_logic(binder *b, lp_expr_kind k, lp_expr *l, lp_expr *r, int32_t pos)
{
    int n = (l->kind == k ? l->n_args : 1) + (r->kind == k ? r->n_args : 1);
    lp_expr *e = new_expr(b, k, pos, n);
    if (!e)
        return NULL;
    int i = 0;
    lp_expr *sides[2] = {l, r};
    for (int s = 0; s < 2; s++) {
        if (sides[s]->kind == k)
            for (int j = 0; j < sides[s]->n_args; j++)
                e->args[i++] = sides[s]->args[j];
        else
            e->args[i++] = sides[s];
    }
    e->type.id = VEC_BOOL;
    for (int j = 0; j < n; j++)
        e->nullable |= e->args[j]->nullable;
    return e;
}

static lp_expr *make_not(binder *b, lp_expr *a, int32_t pos)
{
    lp_expr *e = new_expr(b, LP_X_NOT, pos, 1);
    if (!e)
        return NULL;
    e->args[0] = a;
    e->type.id = VEC_BOOL;
    e->nullable = a->nullable;
    return e;
}

st_status bind_call_fn(binder *b, const char *name, lp_expr **args, int n_args, int32_t pos,
                       lp_expr **out)
{
    if (n_args > FN_MAX_ARGS)
        return bind_error(b, pos, "function %s takes at most %d arguments, got %d", name,
                          FN_MAX_ARGS, n_args);
    fn_arg_info info[FN_MAX_ARGS];
    for (int i = 0; i < n_args; i++) {
        info[i].type = &args[i]->type;
        info[i].is_const = args[i]->kind == LP_X_CONST;
        info[i].value = info[i].is_const ? args[i]->value : NULL;
    }
    fn_bound *fb = bind_alloc(b, sizeof *fb);
    if (!fb)
        return bind_nomem(b);
    st_status rc = fn_resolve(name, info, n_args, b->c->arena, fb, b->err);
    if (rc != ST_OK)
        return bind_error_at(b, pos, rc);
    lp_expr *e = new_expr(b, LP_X_CALL, pos, n_args);
    if (!e)
        return bind_nomem(b);
    e->fn = fb;
    e->type = fb->ret;
    e->nullable = fb->ret_nullable;
    for (int i = 0; i < n_args; i++) {
        lp_expr *a = args[i];
        if (fb->cast_to[i].id != VEC_NULL && !(a = bind_cast_to(b, a, &fb->cast_to[i])))
            return bind_nomem(b);
        e->args[i] = a;
        e->nullable |= a->nullable;
    }
    *out = e;
    return ST_OK;
}

st_status bind_unify(binder *b, lp_expr **es, int n, int32_t pos, const char *what)
{
    vec_type t = {.id = VEC_NULL};
    for (int i = 0; i < n; i++) {
        vec_type nt;
        if (!fn_common_type(&t, &es[i]->type, &nt)) {
            char t1[96], t2[96];
            vec_type_format(&t, t1, sizeof t1);
            vec_type_format(&es[i]->type, t2, sizeof t2);
            return bind_error(b, es[i]->pos >= 0 ? es[i]->pos : pos,
                              "%s has no common type for %s and %s", what, t1, t2);
        }
        t = nt;
    }
    vec_type tc;
    st_status rc = bind_type_copy(b, &t, &tc);
    if (rc != ST_OK)
        return rc;
    for (int i = 0; i < n; i++)
        if (!(es[i] = bind_cast_to(b, es[i], &tc)))
            return bind_nomem(b);
    return ST_OK;
}

st_status bind_cond(binder *b, const bind_ectx *x, const sql_expr *e, lp_expr **out)
{
    st_status rc = bind_expr(b, x, e, out);
    if (rc != ST_OK)
        return rc;
    if ((*out)->type.id == VEC_BOOL)
        return ST_OK;
    if ((*out)->type.id == VEC_NULL) {
        vec_type bt = {.id = VEC_BOOL};
        return (*out = bind_cast_to(b, *out, &bt)) ? ST_OK : bind_nomem(b);
    }
    char t[96];
    vec_type_format(&(*out)->type, t, sizeof t);
    return bind_error(b, e->pos, "condition must be boolean, got %s", t);
}

/* ---- nested values ------------------------------------------------------------ */

/* base.field as __get_field(base, 'field'); the function checks that base is a
** struct with that field (names compared case-insensitively, as Spark does). */
static st_status bind_get_field(binder *b, lp_expr *base, const char *field, int32_t pos,
                                lp_expr **out)
{
    vec_type st = {.id = VEC_STRING};
    vec_scalar sv = {.bytes = (const uint8_t *)field, .n_bytes = (int64_t)strlen(field)};
    lp_expr *args[2] = {base, lp_expr_const(b->c, &st, &sv)};
    if (!args[1])
        return bind_nomem(b);
    args[1]->pos = pos;
    args[1]->nullable = false;
    return bind_call_fn(b, "__get_field", args, 2, pos, out);
}

/* a[i]: arrays index from 0 (__subscript), maps look the key up (element_at),
** structs take a constant field name (s['f']). */
static st_status bind_subscript(binder *b, const bind_ectx *x, const sql_expr *e, lp_expr **out)
{
    lp_expr *args[2];
    st_status rc = bind_expr(b, x, e->a, &args[0]);
    if (rc == ST_OK)
        rc = bind_expr(b, x, e->b, &args[1]);
    if (rc != ST_OK)
        return rc;
    switch (args[0]->type.id) {
    case VEC_LIST:
    case VEC_NULL:
        return bind_call_fn(b, "__subscript", args, 2, e->pos, out);
    case VEC_MAP:
        return bind_call_fn(b, "element_at", args, 2, e->pos, out);
    case VEC_STRUCT:
        if (e->b->kind == SQL_E_LITERAL && e->b->lit == SQL_LIT_STRING)
            return bind_get_field(b, args[0], e->b->str, e->pos, out);
        return bind_error(b, e->pos, "a struct subscript must be a constant field name");
    default: {
        char t[96];
        vec_type_format(&args[0]->type, t, sizeof t);
        return bind_error(b, e->pos, "cannot subscript a value of type %s", t);
    }
    }
}

static st_status bind_field(binder *b, const bind_ectx *x, const sql_expr *e, lp_expr **out)
{
    lp_expr *base;
    st_status rc = bind_expr(b, x, e->a, &base);
    return rc != ST_OK ? rc : bind_get_field(b, base, e->str, e->pos, out);
}

/* ---- columns ----------------------------------------------------------------- */

/* Finds parts in one scope: 1 found (*idx, *used parts), 0 none, -1 ambiguous. */
static int scope_match(const bind_scope *s, const char *const *p, int n, int *idx, int *used)
{
    int found = -1, count = 0;
    if (n >= 3) {   /* db.t.col / cat.db.t.col: the table's name qualifies */
        for (int i = 0; i < s->n_cols; i++)
            if (bind_name_eq(s->cols[i].qual, p[n - 2]) && bind_name_eq(s->cols[i].name, p[n - 1])) {
                found = i;
                count++;
            }
        if (count > 0) {
            *idx = found;
            *used = n;
            return count == 1 ? 1 : -1;
        }
    }
    if (n >= 2) {
        for (int i = 0; i < s->n_cols; i++)
            if (bind_name_eq(s->cols[i].qual, p[0]) && bind_name_eq(s->cols[i].name, p[1])) {
                found = i;
                count++;
            }
        if (count == 1) {
            *idx = found;
            *used = 2;
            return 1;
        }
        if (count > 1) {
            *idx = found;
            *used = 2;
            return -1;
        }
    }
    for (int i = 0; i < s->n_cols; i++)
        if (!s->cols[i].hidden && bind_name_eq(s->cols[i].name, p[0])) {
            if (count == 1 && s->cols[found].col.id == s->cols[i].col.id)
                continue;
            found = i;
            count++;
        }
    *idx = found;
    *used = 1;
    return count == 0 ? 0 : count == 1 ? 1 : -1;
}

static const char *joined_name(binder *b, const sql_name *nm)
{
    st_buf o;
    st_buf_init(&o);
    for (int i = 0; i < nm->n_parts; i++)
        st_buf_printf(&o, NULL, "%s%s", i ? "." : "", nm->parts[i]);
    char *s = st_arena_strndup(b->c->arena, o.len ? (const char *)o.data : "", o.len);
    st_buf_destroy(&o);
    return s ? s : "?";
}

static st_status unknown_column(binder *b, const bind_scope *scope, const sql_expr *e)
{
    const char *want = e->name.parts[e->name.n_parts - 1];
    const char *best = NULL;
    int best_d = 1000;
    for (const bind_scope *s = scope; s; s = s->parent)
        for (int i = 0; i < s->n_cols; i++) {
            int d = bind_edit_distance(want, s->cols[i].name);
            if (d < best_d) {
                best_d = d;
                best = s->cols[i].name;
            }
        }
    int len = (int)strlen(want), lim = len / 3;   /* a third of the letters may differ */
    if (lim < 1)
        lim = 1;
    /* and something must be kept: 'p' is no typo of 'a' */
    if (best && best_d <= lim && best_d < (len > (int)strlen(best) ? len : (int)strlen(best)))
        return bind_error(b, e->pos, "unknown column '%s' (did you mean '%s'?)",
                          joined_name(b, &e->name), best);
    return bind_error(b, e->pos, "unknown column '%s'", joined_name(b, &e->name));
}

static st_status bind_column(binder *b, const bind_ectx *x, const sql_expr *e, lp_expr **out)
{
    const char *const *p = e->name.parts;
    int n = e->name.n_parts, depth = 0;
    for (const bind_scope *s = x->scope; s; s = s->parent, depth++) {
        int idx = -1, used = 0;
        int r = scope_match(s, p, n, &idx, &used);
        if (r == 0 && depth == 0 && n == 1)
            for (int i = 0; i < x->n_aliases; i++)
                if (bind_name_eq(x->aliases[i].name, p[0])) {
                    *out = lp_expr_copy(b->c, x->aliases[i].expr);
                    return *out ? ST_OK : bind_nomem(b);
                }
        if (r == 0)
            continue;
        if (r < 0)
            return bind_error(b, e->pos, "column '%s' is ambiguous", joined_name(b, &e->name));
        const bind_scol *sc = &s->cols[idx];
        lp_expr *c = lp_expr_new(b->c, LP_X_COL, e->pos);
        if (!c)
            return bind_nomem(b);
        c->col = sc->col.id;
        c->type = sc->col.type;
        c->nullable = sc->col.nullable;
        c->name = sc->name;
        c->outer = depth > 0;
        /* a.b.c: the parts after the column name are struct fields */
        for (int k = used; k < n; k++) {
            st_status rc = bind_get_field(b, c, p[k], e->pos, &c);
            if (rc != ST_OK)
                return rc;
        }
        *out = c;
        return ST_OK;
    }
    return unknown_column(b, x->scope, e);
}

/* ---- literals ---------------------------------------------------------------- */

static st_status make_const(binder *b, const vec_type *t, const vec_scalar *s, int32_t pos,
                            lp_expr **out)
{
    lp_expr *e = lp_expr_const(b->c, t, s);
    if (!e)
        return bind_nomem(b);
    e->pos = pos;
    e->nullable = s == NULL || s->is_null;
    *out = e;
    return ST_OK;
}

/* Parses [+-]digits[.digits] into an unscaled value, precision and scale. */
static bool parse_decimal(const char *s, __int128 *v, int *prec, int *scale)
{
    bool neg = false, dot = false, any = false;
    int digits = 0, sc = 0;
    __int128 acc = 0;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    for (; *s; s++) {
        if (*s == '.' && !dot) {
            dot = true;
            continue;
        }
        if (!isdigit((unsigned char)*s))
            return false;
        any = true;
        if (acc == 0 && *s == '0' && !dot)
            continue;
        if (++digits > 38)
            return false;
        acc = acc * 10 + (*s - '0');
        if (dot)
            sc++;
    }
    if (!any)
        return false;
    if (dot && digits < sc)
        digits = sc;
    *v = neg ? -acc : acc;
    *prec = digits > sc ? digits : sc;
    if (*prec == 0)
        *prec = 1;
    *scale = sc;
    return true;
}

static st_status bind_int_literal(binder *b, const sql_expr *e, bool neg, lp_expr **out)
{
    const char *txt = e->str;
    char buf[96];
    if (neg) {
        snprintf(buf, sizeof buf, "-%s", e->str);
        txt = buf;
    }
    errno = 0;
    char *end = NULL;
    long long v = strtoll(txt, &end, 10);
    bool ok = errno == 0 && end && *end == '\0';
    vec_type t = {.id = VEC_INT32};
    vec_scalar s = {.i64 = v};
    long long lo = INT32_MIN, hi = INT32_MAX;
    const char *tn = "int";
    switch (e->lit) {
    case SQL_LIT_BIGINT: t.id = VEC_INT64; lo = INT64_MIN; hi = INT64_MAX; tn = "bigint"; break;
    case SQL_LIT_SMALLINT: t.id = VEC_INT16; lo = INT16_MIN; hi = INT16_MAX; tn = "smallint"; break;
    case SQL_LIT_TINYINT: t.id = VEC_INT8; lo = INT8_MIN; hi = INT8_MAX; tn = "tinyint"; break;
    default: break;
    }
    if (e->lit == SQL_LIT_INT) {
        if (ok && (v < INT32_MIN || v > INT32_MAX))
            t.id = VEC_INT64;
        if (!ok) {
            __int128 d;
            int p, sc;
            if (!parse_decimal(txt, &d, &p, &sc))
                return bind_error(b, e->pos, "integer literal %s is out of range", txt);
            t.id = VEC_DECIMAL;
            t.precision = (uint8_t)p;
            t.scale = 0;
            s.i128 = d;
        }
        return make_const(b, &t, &s, e->pos, out);
    }
    if (!ok || v < lo || v > hi)
        return bind_error(b, e->pos, "literal %s is out of range for %s", txt, tn);
    return make_const(b, &t, &s, e->pos, out);
}

static st_status bind_literal(binder *b, const sql_expr *e, bool neg, lp_expr **out)
{
    vec_type t = {.id = VEC_NULL};
    vec_scalar s = {0};
    switch (e->lit) {
    case SQL_LIT_NULL:
        return make_const(b, &t, NULL, e->pos, out);
    case SQL_LIT_TRUE:
    case SQL_LIT_FALSE:
        t.id = VEC_BOOL;
        s.i64 = e->lit == SQL_LIT_TRUE;
        break;
    case SQL_LIT_INT:
    case SQL_LIT_BIGINT:
    case SQL_LIT_SMALLINT:
    case SQL_LIT_TINYINT:
        return bind_int_literal(b, e, neg, out);
    case SQL_LIT_DECIMAL: {
        int p, sc;
        if (!parse_decimal(e->str, &s.i128, &p, &sc))
            return bind_error(b, e->pos, "decimal literal %s is out of range", e->str);
        if (neg)
            s.i128 = -s.i128;
        t.id = VEC_DECIMAL;
        t.precision = (uint8_t)p;
        t.scale = (uint8_t)sc;
        break;
    }
    case SQL_LIT_DOUBLE:
    case SQL_LIT_FLOAT:
        t.id = e->lit == SQL_LIT_DOUBLE ? VEC_DOUBLE : VEC_FLOAT;
        s.f64 = strtod(e->str, NULL);
        if (neg)
            s.f64 = -s.f64;
        break;
    case SQL_LIT_STRING:
        t.id = VEC_STRING;
        s.bytes = (const uint8_t *)e->str;
        s.n_bytes = e->str_len;
        break;
    case SQL_LIT_DATE: {
        int32_t d;
        if (!fmt_parse_date(e->str, (size_t)e->str_len, &d))
            return bind_error(b, e->pos, "invalid date literal '%s'", e->str);
        t.id = VEC_DATE;
        s.i64 = d;
        break;
    }
    case SQL_LIT_TIMESTAMP:
    case SQL_LIT_TIMESTAMP_LTZ:
    case SQL_LIT_TIMESTAMP_NTZ: {
        int64_t us;
        int32_t d;
        if (fmt_parse_date(e->str, (size_t)e->str_len, &d))
            us = (int64_t)d * 86400000000LL;
        else if (!fmt_parse_timestamp(e->str, (size_t)e->str_len, &us, NULL))
            return bind_error(b, e->pos, "invalid timestamp literal '%s'", e->str);
        t.id = e->lit == SQL_LIT_TIMESTAMP_NTZ ? VEC_TIMESTAMP_NTZ : VEC_TIMESTAMP;
        s.i64 = us;
        break;
    }
    case SQL_LIT_INTERVAL:
        return bind_error_code(b, ST_ERR_UNSUPPORTED, e->pos,
                               "interval literals are supported only in date/timestamp "
                               "+ and - arithmetic");
    }
    return make_const(b, &t, &s, e->pos, out);
}

st_status bind_const_int(binder *b, const sql_expr *e, const char *what, int64_t *out)
{
    bool neg = false;
    if (e->kind == SQL_E_UNARY && e->op == SQL_OP_NEG && e->a && e->a->kind == SQL_E_LITERAL) {
        neg = true;
        e = e->a;
    }
    if (e->kind != SQL_E_LITERAL ||
        (e->lit != SQL_LIT_INT && e->lit != SQL_LIT_BIGINT && e->lit != SQL_LIT_SMALLINT &&
         e->lit != SQL_LIT_TINYINT))
        return bind_error(b, e->pos, "%s must be a constant integer", what);
    errno = 0;
    long long v = strtoll(e->str, NULL, 10);
    if (errno != 0)
        return bind_error(b, e->pos, "%s %s is out of range", what, e->str);
    *out = neg ? -v : v;
    return ST_OK;
}

/* ---- operators ----------------------------------------------------------------- */

static const char *binary_fn(sql_op op)
{
    switch (op) {
    case SQL_OP_EQ: return "=";
    case SQL_OP_NE: return "<>";
    case SQL_OP_LT: return "<";
    case SQL_OP_LE: return "<=";
    case SQL_OP_GT: return ">";
    case SQL_OP_GE: return ">=";
    case SQL_OP_EQ_NULLSAFE:
    case SQL_OP_NOT_DISTINCT_FROM:
    case SQL_OP_DISTINCT_FROM: return "<=>";
    case SQL_OP_BIT_OR: return "|";
    case SQL_OP_BIT_XOR: return "^";
    case SQL_OP_BIT_AND: return "&";
    case SQL_OP_SHL: return "shiftleft";
    case SQL_OP_SHR: return "shiftright";
    case SQL_OP_SHRU: return "shiftrightunsigned";
    case SQL_OP_ADD: return "+";
    case SQL_OP_SUB: return "-";
    case SQL_OP_CONCAT: return "concat";
    case SQL_OP_MUL: return "*";
    case SQL_OP_DIV: return "/";
    case SQL_OP_MOD: return "%";
    case SQL_OP_INT_DIV: return "div";
    default: return NULL;
    }
}

static st_status bind_pair(binder *b, const bind_ectx *x, const sql_expr *l, const sql_expr *r,
                           lp_expr *out[2])
{
    st_status rc = bind_expr(b, x, l, &out[0]);
    return rc != ST_OK ? rc : bind_expr(b, x, r, &out[1]);
}

/* Reads the digits at *p (at most 15) as a non-negative number into *v; false
** when there are none or too many. */
static bool iv_number(const char **p, int64_t *v)
{
    int64_t acc = 0;
    int n = 0;
    while (isdigit((unsigned char)**p)) {
        if (++n > 15)
            return false;
        acc = acc * 10 + (**p - '0');
        (*p)++;
    }
    *v = acc;
    return n > 0;
}

/* Micros of one field of unit u (a SECOND field may carry up to six decimals). */
static bool iv_field(const char **p, sql_unit u, int64_t *micros)
{
    static const int64_t PER[] = {
        [SQL_UNIT_WEEK] = 7 * 86400000000LL, [SQL_UNIT_DAY] = 86400000000LL,
        [SQL_UNIT_HOUR] = 3600000000LL, [SQL_UNIT_MINUTE] = 60000000LL,
        [SQL_UNIT_SECOND] = 1000000LL, [SQL_UNIT_MILLISECOND] = 1000LL,
        [SQL_UNIT_MICROSECOND] = 1LL,
    };
    int64_t v, frac = 0;
    if (!iv_number(p, &v) || __builtin_mul_overflow(v, PER[u], micros))
        return false;
    if (**p == '.' && (u == SQL_UNIT_SECOND || u == SQL_UNIT_MILLISECOND)) {
        (*p)++;
        int64_t scale = PER[u];
        while (isdigit((unsigned char)**p)) {
            scale /= 10;
            frac += (**p - '0') * scale;      /* digits past micros drop out */
            (*p)++;
        }
    }
    return !__builtin_add_overflow(*micros, frac, micros);
}

/* An INTERVAL literal as months (year-month units) or micros (day-time
** units): '3' MONTH, '1.5' SECOND, '1-2' YEAR TO MONTH, '1 02:03:04.5' DAY TO
** SECOND, '-2' HOUR. False when the text does not fit the units. */
static bool parse_interval(const sql_expr *iv, int64_t *months, int64_t *micros)
{
    const char *p = iv->str;
    while (*p == ' ')
        p++;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    sql_unit from = iv->unit, to = iv->unit_to != SQL_UNIT_NONE ? iv->unit_to : iv->unit;
    *months = *micros = 0;
    if (from == SQL_UNIT_NONE || to < from)
        return false;
    if (from <= SQL_UNIT_MONTH) {
        int64_t y = 0, m = 0;
        if (to > SQL_UNIT_MONTH)
            return false;
        if (from == SQL_UNIT_YEAR && !iv_number(&p, &y))
            return false;
        if (from == SQL_UNIT_YEAR && to == SQL_UNIT_MONTH && (*p++ != '-' || !iv_number(&p, &m)))
            return false;
        if (from == SQL_UNIT_MONTH && !iv_number(&p, &m))
            return false;
        *months = y * 12 + m;
    } else {
        for (sql_unit u = from; u <= to; u = (sql_unit)(u + 1)) {
            int64_t v;
            if (u != from && *p++ != (u == SQL_UNIT_HOUR ? ' ' : ':'))
                return false;
            if (!iv_field(&p, u, &v) || __builtin_add_overflow(*micros, v, micros))
                return false;
            if (u == SQL_UNIT_WEEK && to != SQL_UNIT_WEEK)
                return false;
        }
    }
    while (*p == ' ')
        p++;
    if (*p != '\0')
        return false;
    if (neg) {
        *months = -*months;
        *micros = -*micros;
    }
    return true;
}

/* date/timestamp +/- INTERVAL literal: a date plus whole days or months stays
** a date (date_add / add_months); anything with a timestamp, or a date plus
** hours/minutes/seconds, is a timestamp (timestampadd by months or micros). */
static st_status bind_interval_arith(binder *b, const bind_ectx *x, const sql_expr *e,
                                     const sql_expr *base, const sql_expr *iv, bool sub,
                                     lp_expr **out)
{
    lp_expr *d;
    st_status rc = bind_expr(b, x, base, &d);
    if (rc != ST_OK)
        return rc;
    int64_t months, micros;
    if (!parse_interval(iv, &months, &micros))
        return bind_error(b, iv->pos, "invalid interval value '%s'", iv->str);
    if (sub) {
        months = -months;
        micros = -micros;
    }
    vec_type_id bt = d->type.id;
    bool dateish = bt == VEC_DATE || bt == VEC_STRING || bt == VEC_NULL;
    if (!dateish && bt != VEC_TIMESTAMP && bt != VEC_TIMESTAMP_NTZ) {
        char t[96];
        vec_type_format(&d->type, t, sizeof t);
        return bind_error(b, e->pos, "cannot add an interval to a value of type %s", t);
    }
    const int64_t day = 86400000000LL;
    bool ym = iv->unit <= SQL_UNIT_MONTH;
    int64_t n = ym ? months : micros / day;
    if (dateish && (ym || micros % day == 0)) {
        if (n < INT32_MIN || n > INT32_MAX)
            return bind_error(b, iv->pos, "interval value '%s' is out of range", iv->str);
        vec_type it = {.id = VEC_INT32};
        vec_scalar s = {.i64 = n};
        lp_expr *args[2] = {d, NULL};
        if ((rc = make_const(b, &it, &s, iv->pos, &args[1])) != ST_OK)
            return rc;
        return bind_call_fn(b, ym ? "add_months" : "date_add", args, 2, e->pos, out);
    }
    const char *unit = ym ? "MONTH" : "MICROSECOND";
    vec_type st = {.id = VEC_STRING}, lt = {.id = VEC_INT64};
    vec_scalar us = {.bytes = (const uint8_t *)unit, .n_bytes = (int64_t)strlen(unit)};
    vec_scalar ns = {.i64 = ym ? months : micros};
    lp_expr *args[3] = {NULL, NULL, d};
    if ((rc = make_const(b, &st, &us, iv->pos, &args[0])) != ST_OK ||
        (rc = make_const(b, &lt, &ns, iv->pos, &args[1])) != ST_OK)
        return rc;
    if ((rc = bind_call_fn(b, "timestampadd", args, 3, e->pos, out)) != ST_OK)
        return rc;
    if (bt == VEC_TIMESTAMP_NTZ && !(*out = bind_cast_to(b, *out, &d->type)))
        return bind_nomem(b);         /* ntz + interval stays ntz, as in Spark */
    return ST_OK;
}

static st_status bind_binary(binder *b, const bind_ectx *x, const sql_expr *e, lp_expr **out)
{
    lp_expr *a[2];
    st_status rc;
    if (e->op == SQL_OP_AND || e->op == SQL_OP_OR) {
        if ((rc = bind_cond(b, x, e->a, &a[0])) != ST_OK ||
            (rc = bind_cond(b, x, e->b, &a[1])) != ST_OK)
            return rc;
        *out = make_logic(b, e->op == SQL_OP_AND ? LP_X_AND : LP_X_OR, a[0], a[1], e->pos);
        return *out ? ST_OK : bind_nomem(b);
    }
    if (e->op == SQL_OP_ADD || e->op == SQL_OP_SUB) {
        if (e->b->kind == SQL_E_LITERAL && e->b->lit == SQL_LIT_INTERVAL)
            return bind_interval_arith(b, x, e, e->a, e->b, e->op == SQL_OP_SUB, out);
        if (e->op == SQL_OP_ADD && e->a->kind == SQL_E_LITERAL && e->a->lit == SQL_LIT_INTERVAL)
            return bind_interval_arith(b, x, e, e->b, e->a, false, out);
    }
    const char *fn = binary_fn(e->op);
    if (!fn)
        return bind_error_code(b, ST_ERR_UNSUPPORTED, e->pos, "operator is not supported");
    if ((rc = bind_pair(b, x, e->a, e->b, a)) != ST_OK)
        return rc;
    /* date +/- integer days (Spark's DateAdd / DateSub) */
    if ((e->op == SQL_OP_ADD || e->op == SQL_OP_SUB) && a[0]->type.id == VEC_DATE &&
        (a[1]->type.id == VEC_INT8 || a[1]->type.id == VEC_INT16 || a[1]->type.id == VEC_INT32))
        fn = e->op == SQL_OP_ADD ? "date_add" : "date_sub";
    if ((rc = bind_call_fn(b, fn, a, 2, e->pos, out)) != ST_OK)
        return rc;
    if (e->op == SQL_OP_DISTINCT_FROM && !(*out = make_not(b, *out, e->pos)))
        return bind_nomem(b);
    return ST_OK;
}

static st_status bind_unary(binder *b, const bind_ectx *x, const sql_expr *e, lp_expr **out)
{
    lp_expr *a;
    st_status rc;
    if (e->op == SQL_OP_NOT) {
        if ((rc = bind_cond(b, x, e->a, &a)) != ST_OK)
            return rc;
        return (*out = make_not(b, a, e->pos)) ? ST_OK : bind_nomem(b);
    }
    if (e->op == SQL_OP_NEG && e->a->kind == SQL_E_LITERAL &&
        (e->a->lit == SQL_LIT_INT || e->a->lit == SQL_LIT_BIGINT ||
         e->a->lit == SQL_LIT_SMALLINT || e->a->lit == SQL_LIT_TINYINT ||
         e->a->lit == SQL_LIT_DECIMAL || e->a->lit == SQL_LIT_DOUBLE ||
         e->a->lit == SQL_LIT_FLOAT)) {
        if ((rc = bind_literal(b, e->a, true, out)) == ST_OK)
            (*out)->pos = e->pos;
        return rc;
    }
    const char *fn = e->op == SQL_OP_NEG ? "negative" : e->op == SQL_OP_POS ? "positive" : "~";
    if ((rc = bind_expr(b, x, e->a, &a)) != ST_OK)
        return rc;
    return bind_call_fn(b, fn, &a, 1, e->pos, out);
}

static st_status bind_is(binder *b, const bind_ectx *x, const sql_expr *e, lp_expr **out)
{
    lp_expr *a;
    st_status rc = bind_expr(b, x, e->a, &a);
    if (rc != ST_OK)
        return rc;
    if (e->op == SQL_OP_IS_NULL || e->op == SQL_OP_IS_UNKNOWN) {
        lp_expr *n = new_expr(b, LP_X_IS_NULL, e->pos, 1);
        if (!n)
            return bind_nomem(b);
        n->args[0] = a;
        n->type.id = VEC_BOOL;
        n->negated = e->negated;
        *out = n;
        return ST_OK;
    }
    lp_expr *args[2] = {a, lp_expr_bool(b->c, e->op == SQL_OP_IS_TRUE)};
    if (!args[1])
        return bind_nomem(b);
    if ((rc = bind_call_fn(b, "<=>", args, 2, e->pos, out)) != ST_OK)
        return rc;
    if (e->negated && !(*out = make_not(b, *out, e->pos)))
        return bind_nomem(b);
    return ST_OK;
}

static st_status bind_between(binder *b, const bind_ectx *x, const sql_expr *e, lp_expr **out)
{
    lp_expr *lo[2], *hi[2], *c1, *c2;
    st_status rc;
    if ((rc = bind_pair(b, x, e->a, e->b, lo)) != ST_OK ||
        (rc = bind_pair(b, x, e->a, e->c, hi)) != ST_OK ||
        (rc = bind_call_fn(b, ">=", lo, 2, e->pos, &c1)) != ST_OK ||
        (rc = bind_call_fn(b, "<=", hi, 2, e->pos, &c2)) != ST_OK)
        return rc;
    if (!(*out = make_logic(b, LP_X_AND, c1, c2, e->pos)))
        return bind_nomem(b);
    if (e->negated && !(*out = make_not(b, *out, e->pos)))
        return bind_nomem(b);
    return ST_OK;
}

/* ---- subqueries ------------------------------------------------------------------ */

static st_status bind_subquery(binder *b, const bind_ectx *x, const sql_query *q, int32_t pos,
                               lp_subq_kind kind, lp_expr **out)
{
    lp_node *n;
    st_status rc = bind_query(b, q, x->scope, &n);
    if (rc != ST_OK)
        return rc;
    if (kind != LP_SUBQ_EXISTS && n->n_cols != 1)
        return bind_error(b, pos, "subquery must return one column, got %d", n->n_cols);
    lp_expr *e = new_expr(b, LP_X_SUBQUERY, pos, 0);
    if (!e)
        return bind_nomem(b);
    e->subq_kind = kind;
    e->subq = n;
    if (kind == LP_SUBQ_SCALAR) {
        e->type = n->cols[0].type;
        e->nullable = true;
    } else {
        e->type.id = VEC_BOOL;
        e->nullable = kind != LP_SUBQ_EXISTS;
    }
    *out = e;
    return ST_OK;
}

/* x IN (SELECT y ...): operand and the subquery's column get a common type;
** the subquery side is cast by a projection over its plan. */
static st_status bind_in_subquery(binder *b, const bind_ectx *x, const sql_expr *e,
                                  lp_expr **out)
{
    lp_expr *a, *s;
    st_status rc;
    if ((rc = bind_expr(b, x, e->a, &a)) != ST_OK ||
        (rc = bind_subquery(b, x, e->query, e->pos, LP_SUBQ_IN, &s)) != ST_OK)
        return rc;
    lp_node *n = s->subq;
    lp_expr *pair[2] = {a, lp_expr_col(b->c, &n->cols[0])};
    if (!pair[1])
        return bind_nomem(b);
    if ((rc = bind_unify(b, pair, 2, e->pos, "IN")) != ST_OK)
        return rc;
    if (pair[1]->kind != LP_X_COL) {
        lp_node *p = lp_node_new(b->c, LP_PROJECT, e->pos);
        if (!p || !(p->cols = bind_alloc(b, sizeof *p->cols)) ||
            !(p->exprs = bind_alloc(b, sizeof *p->exprs)))
            return bind_nomem(b);
        p->child[0] = n;
        p->n_child = 1;
        p->n_cols = 1;
        p->exprs[0] = pair[1];
        p->cols[0] = bind_new_col(b, n->cols[0].name, &pair[1]->type, n->cols[0].nullable);
        s->subq = p;
    }
    s->args = bind_alloc(b, sizeof *s->args);
    if (!s->args)
        return bind_nomem(b);
    s->args[0] = pair[0];
    s->n_args = 1;
    s->negated = e->negated;
    *out = s;
    return ST_OK;
}

static st_status bind_in_list(binder *b, const bind_ectx *x, const sql_expr *e, lp_expr **out)
{
    lp_expr *n = new_expr(b, LP_X_IN, e->pos, e->n_list + 1);
    if (!n)
        return bind_nomem(b);
    st_status rc = bind_expr(b, x, e->a, &n->args[0]);
    for (int i = 0; rc == ST_OK && i < e->n_list; i++)
        rc = bind_expr(b, x, e->list[i], &n->args[i + 1]);
    if (rc != ST_OK || (rc = bind_unify(b, n->args, n->n_args, e->pos, "IN list")) != ST_OK)
        return rc;
    n->type.id = VEC_BOOL;
    n->negated = e->negated;
    for (int i = 0; i < n->n_args; i++)
        n->nullable |= n->args[i]->nullable;
    *out = n;
    return ST_OK;
}

/* ---- LIKE, CASE, CAST, EXTRACT ------------------------------------------------------ */

static st_status bind_like_one(binder *b, const bind_ectx *x, const sql_expr *e,
                               const sql_expr *pat, lp_expr **out)
{
    const char *fn = e->op == SQL_OP_ILIKE ? "ilike" : e->op == SQL_OP_RLIKE ? "rlike" : "like";
    lp_expr *args[3];
    int n = 2;
    st_status rc = bind_pair(b, x, e->a, pat, args);
    if (rc == ST_OK && e->c && e->op != SQL_OP_RLIKE) {
        rc = bind_expr(b, x, e->c, &args[2]);
        n = 3;
    }
    if (rc != ST_OK || (rc = bind_call_fn(b, fn, args, n, e->pos, out)) != ST_OK)
        return rc;
    if (e->negated && !(*out = make_not(b, *out, e->pos)))
        return bind_nomem(b);
    return ST_OK;
}

static st_status bind_like(binder *b, const bind_ectx *x, const sql_expr *e, lp_expr **out)
{
    if (e->quant == SQL_QUANT_NONE)
        return bind_like_one(b, x, e, e->b, out);
    if (e->n_list == 0)
        return bind_error(b, e->pos, "LIKE ANY/ALL needs at least one pattern");
    lp_expr *acc = NULL;
    for (int i = 0; i < e->n_list; i++) {
        lp_expr *one;
        st_status rc = bind_like_one(b, x, e, e->list[i], &one);
        if (rc != ST_OK)
            return rc;
        acc = acc ? make_logic(b, e->quant == SQL_QUANT_ANY ? LP_X_OR : LP_X_AND, acc, one,
                               e->pos)
                  : one;
        if (!acc)
            return bind_nomem(b);
    }
    *out = acc;
    return ST_OK;
}

static st_status bind_case(binder *b, const bind_ectx *x, const sql_expr *e, lp_expr **out)
{
    int n_when = e->n_list / 2;
    lp_expr *n = new_expr(b, LP_X_CASE, e->pos, n_when * 2 + (e->b ? 1 : 0));
    lp_expr **vals = bind_alloc(b, sizeof *vals * (size_t)(n_when + 1));
    if (!n || !vals)
        return bind_nomem(b);
    st_status rc = ST_OK;
    for (int i = 0; i < n_when && rc == ST_OK; i++) {
        const sql_expr *w = e->list[2 * i];
        if (e->a) {
            lp_expr *pair[2];
            if ((rc = bind_pair(b, x, e->a, w, pair)) == ST_OK)
                rc = bind_call_fn(b, "=", pair, 2, w->pos, &n->args[2 * i]);
        } else {
            rc = bind_cond(b, x, w, &n->args[2 * i]);
        }
        if (rc == ST_OK)
            rc = bind_expr(b, x, e->list[2 * i + 1], &vals[i]);
    }
    if (rc == ST_OK && e->b)
        rc = bind_expr(b, x, e->b, &vals[n_when]);
    int n_vals = n_when + (e->b ? 1 : 0);
    if (rc != ST_OK || (rc = bind_unify(b, vals, n_vals, e->pos, "CASE")) != ST_OK)
        return rc;
    n->type = vals[0]->type;
    n->has_else = e->b != NULL;
    n->nullable = !e->b;
    for (int i = 0; i < n_vals; i++)
        n->nullable |= vals[i]->nullable;
    for (int i = 0; i < n_when; i++)
        n->args[2 * i + 1] = vals[i];
    if (e->b)
        n->args[2 * n_when] = vals[n_when];
    *out = n;
    return ST_OK;
}

static st_status bind_cast(binder *b, const bind_ectx *x, const sql_expr *e, lp_expr **out)
{
    lp_expr *a;
    vec_type t;
    st_status rc = bind_expr(b, x, e->a, &a);
    if (rc != ST_OK || (rc = bind_type_copy(b, &e->type->vt, &t)) != ST_OK)
        return rc;
    if (!fn_can_cast(&a->type, &t)) {
        char t1[96], t2[96];
        vec_type_format(&a->type, t1, sizeof t1);
        vec_type_format(&t, t2, sizeof t2);
        return bind_error(b, e->pos, "cannot cast %s to %s", t1, t2);
    }
    if (vec_type_equal(&a->type, &t) && !e->is_try) {
        *out = a;
        return ST_OK;
    }
    lp_expr *c = new_expr(b, LP_X_CAST, e->pos, 1);
    if (!c)
        return bind_nomem(b);
    c->type = t;
    c->args[0] = a;
    c->try_cast = e->is_try;
    c->nullable = a->nullable || e->is_try || a->type.id == VEC_STRING;
    *out = c;
    return ST_OK;
}

/* EXTRACT / date_part field -> the date function computing it, or NULL. */
static const char *field_fn(const char *f)
{
    static const struct { const char *field, *fn; } MAP[] = {
        {"year", "year"}, {"years", "year"}, {"y", "year"}, {"yyyy", "year"},
        {"quarter", "quarter"}, {"qtr", "quarter"}, {"month", "month"}, {"mon", "month"},
        {"months", "month"}, {"week", "weekofyear"}, {"weeks", "weekofyear"},
        {"day", "day"}, {"days", "day"}, {"d", "day"}, {"dayofweek", "dayofweek"},
        {"dow", "dayofweek"}, {"doy", "dayofyear"}, {"dayofyear", "dayofyear"},
        {"hour", "hour"}, {"hours", "hour"}, {"h", "hour"}, {"minute", "minute"},
        {"minutes", "minute"}, {"m", "minute"}, {"second", "second"}, {"seconds", "second"},
        {"s", "second"},
    };
    for (size_t i = 0; i < ST_ARRAY_LEN(MAP); i++)
        if (strcasecmp(MAP[i].field, f) == 0)
            return MAP[i].fn;
    return NULL;
}

static st_status bind_extract_field(binder *b, const bind_ectx *x, const char *field,
                                    const sql_expr *arg, int32_t pos, lp_expr **out)
{
    const char *fn = field_fn(field);
    if (!fn)
        return bind_error(b, pos, "unknown field '%s' for EXTRACT", field);
    lp_expr *a;
    st_status rc = bind_expr(b, x, arg, &a);
    return rc != ST_OK ? rc : bind_call_fn(b, fn, &a, 1, pos, out);
}

/* ---- calls ------------------------------------------------------------------------ */

static bool is_generator(const char *n)
{
    return !strcmp(n, "explode") || !strcmp(n, "explode_outer") || !strcmp(n, "posexplode") ||
           !strcmp(n, "posexplode_outer") || !strcmp(n, "inline");
}

static bool is_window_only(const char *n)
{
    static const char *const W[] = {"row_number", "rank", "dense_rank", "percent_rank",
                                    "cume_dist", "ntile", "lag", "lead", "nth_value"};
    for (size_t i = 0; i < ST_ARRAY_LEN(W); i++)
        if (!strcmp(W[i], n))
            return true;
    return false;
}

static st_status bind_text_const(binder *b, const char *text, int32_t pos, lp_expr **out)
{
    vec_type st = {.id = VEC_STRING};
    vec_scalar sv = {.bytes = (const uint8_t *)text, .n_bytes = (int64_t)strlen(text)};
    return make_const(b, &st, &sv, pos, out);
}

/* timestampadd(HOUR, 2, ts): Spark's grammar reads the unit as a keyword, so
** a bare name there is the unit's text, not a column. */
static bool is_unit_arg(const char *name, const sql_expr *e)
{
    return (!strcmp(name, "timestampadd") || !strcmp(name, "dateadd")) && e->n_list == 3 &&
           e->list[0]->kind == SQL_E_NAME && e->list[0]->name.n_parts == 1;
}

/* struct(a, 1) names its fields as Spark does: a column argument gives its
** column name, any other argument col<i>; bound as named_struct. */
static st_status bind_struct_call(binder *b, const bind_ectx *x, const sql_expr *e,
                                  lp_expr **out)
{
    if (e->n_list < 1 || 2 * e->n_list > FN_MAX_ARGS)
        return bind_error(b, e->pos, "function struct takes 1 to %d arguments, got %d",
                          FN_MAX_ARGS / 2, e->n_list);
    lp_expr *args[FN_MAX_ARGS];
    for (int i = 0; i < e->n_list; i++) {
        const sql_expr *a = e->list[i];
        if (a->kind == SQL_E_NAMED_ARG)
            return bind_error(b, a->pos, "function struct takes no named arguments");
        const char *field = a->kind == SQL_E_NAME ? a->name.parts[a->name.n_parts - 1]
                                                  : st_arena_printf(b->c->arena, "col%d", i + 1);
        if (!field)
            return bind_nomem(b);
        st_status rc = bind_text_const(b, field, a->pos, &args[2 * i]);
        if (rc == ST_OK)
            rc = bind_expr(b, x, a, &args[2 * i + 1]);
        if (rc != ST_OK)
            return rc;
    }
    return bind_call_fn(b, "named_struct", args, 2 * e->n_list, e->pos, out);
}

static st_status bind_call(binder *b, const bind_ectx *x, const sql_expr *e, lp_expr **out)
{
    char name[128];
    snprintf(name, sizeof name, "%s", e->name.parts[e->name.n_parts - 1]);
    for (char *p = name; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (e->over || e->over_name)
        return bind_win_call(b, x, e, name, out);
    if (!strcmp(name, "grouping") || !strcmp(name, "grouping_id"))
        return bind_grouping_call(b, x, e, name, out);
    if (is_generator(name))
        return bind_error_code(b, ST_ERR_UNSUPPORTED, e->pos,
                               "generator function %s is supported only as a top-level "
                               "select item", name);
    if (is_window_only(name))
        return bind_error(b, e->pos, "window function %s requires an OVER clause", name);
    if (agg_exists(name))
        return bind_agg_call(b, x, e, name, out);
    if (bind_ml_is_scalar(name) && e->name.n_parts == 1)
        return bind_ml_call(b, x, e, name, out);
    if (!fn_exists(name))
        return bind_error(b, e->pos, "function %s does not exist", name);
    if (e->star || e->distinct || e->b)
        return bind_error(b, e->pos, "function %s is not an aggregate function", name);
    if ((!strcmp(name, "date_part") || !strcmp(name, "datepart")) && e->n_list == 2 &&
        e->list[0]->kind == SQL_E_LITERAL && e->list[0]->lit == SQL_LIT_STRING)
        return bind_extract_field(b, x, e->list[0]->str, e->list[1], e->pos, out);
    if (e->n_list > FN_MAX_ARGS)
        return bind_error(b, e->pos, "function %s takes at most %d arguments", name,
                          FN_MAX_ARGS);
    if (!strcmp(name, "dateadd") && e->n_list == 2)
        snprintf(name, sizeof name, "date_add");          /* Spark's 2-argument alias */
    if (!strcmp(name, "struct"))
        return bind_struct_call(b, x, e, out);
    lp_expr *args[FN_MAX_ARGS];
    for (int i = 0; i < e->n_list; i++) {
        if (e->list[i]->kind == SQL_E_NAMED_ARG)
            return bind_error(b, e->list[i]->pos, "function %s takes no named arguments",
                              name);
        st_status rc;
        if (i == 0 && is_unit_arg(name, e))
            rc = bind_text_const(b, e->list[0]->name.parts[0], e->list[0]->pos, &args[0]);
        else
            rc = bind_expr(b, x, e->list[i], &args[i]);
        if (rc != ST_OK)
            return rc;
    }
    return bind_call_fn(b, name, args, e->n_list, e->pos, out);
}

/* ---- dispatch ---------------------------------------------------------------------- */

st_status bind_expr(binder *b, const bind_ectx *x, const sql_expr *e, lp_expr **out)
{
    switch (e->kind) {
    case SQL_E_LITERAL: return bind_literal(b, e, false, out);
    case SQL_E_NAME: return bind_column(b, x, e, out);
    case SQL_E_STAR: return bind_error(b, e->pos, "'*' is not allowed here");
    case SQL_E_PARAM:
        return bind_error_code(b, ST_ERR_UNSUPPORTED, e->pos, "query parameters are not supported yet");
    case SQL_E_UNARY: return bind_unary(b, x, e, out);
    case SQL_E_BINARY: return bind_binary(b, x, e, out);
    case SQL_E_IS: return bind_is(b, x, e, out);
    case SQL_E_BETWEEN: return bind_between(b, x, e, out);
    case SQL_E_IN: return e->query ? bind_in_subquery(b, x, e, out) : bind_in_list(b, x, e, out);
    case SQL_E_LIKE: return bind_like(b, x, e, out);
    case SQL_E_EXISTS: {
        st_status rc = bind_subquery(b, x, e->query, e->pos, LP_SUBQ_EXISTS, out);
        if (rc == ST_OK)
            (*out)->negated = e->negated;
        return rc;
    }
    case SQL_E_SUBQUERY: return bind_subquery(b, x, e->query, e->pos, LP_SUBQ_SCALAR, out);
    case SQL_E_CASE: return bind_case(b, x, e, out);
    case SQL_E_CAST: return bind_cast(b, x, e, out);
    case SQL_E_CALL: return bind_call(b, x, e, out);
    case SQL_E_EXTRACT: return bind_extract_field(b, x, e->str, e->a, e->pos, out);
    case SQL_E_NAMED_ARG:
        return bind_error(b, e->pos, "named argument '%s' is not allowed here", e->str);
    case SQL_E_SUBSCRIPT: return bind_subscript(b, x, e, out);
    case SQL_E_FIELD: return bind_field(b, x, e, out);
    case SQL_E_LAMBDA:
        return bind_error_code(b, ST_ERR_UNSUPPORTED, e->pos, "lambda functions are not supported yet");
    case SQL_E_ROW:
        return bind_error_code(b, ST_ERR_UNSUPPORTED, e->pos, "row values are not supported here");
    case SQL_E_GROUPING:
        return bind_error(b, e->pos, "ROLLUP, CUBE and GROUPING SETS are allowed only in GROUP BY");
    }
    return bind_error(b, e->pos, "unknown expression kind %d", (int)e->kind);
}
