/* bind_util.c -- shared binder helpers: positioned errors ("line L, column
** C: ..." plus the caret hint), arena arrays, scopes, structural equality of
** bound expressions (GROUP BY matching, aggregate de-duplication, window
** spec grouping), edit distance for "did you mean" hints, and Spark's
** display names of expressions (`sum(l_quantity)`, `(a + 1)`).
** Everything allocated here lives in the lp_ctx arena. */
#include "bind_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static st_status set_positioned(binder *b, st_status code, int32_t pos, const char *msg)
{
    int32_t line = 1, col = 1;
    if (pos >= 0 && b->sql)
        sql_pos_linecol(b->sql, pos, &line, &col);
    st_error_set(b->err, code, "line %d, column %d: %s", (int)line, (int)col, msg);
    if (pos >= 0 && b->sql) {
        st_buf buf;
        st_error tmp;
        st_buf_init(&buf);
        st_error_init(&tmp);
        if (sql_error_caret(b->sql, pos, &buf, &tmp) == ST_OK && buf.len > 0)
            st_error_hint(b->err, "%.*s", (int)buf.len, (const char *)buf.data);
        st_buf_destroy(&buf);
    }
    return code;
}

st_status bind_error(binder *b, int32_t pos, const char *fmt, ...)
{
    char msg[ST_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return set_positioned(b, ST_ERR_BIND, pos, msg);
}

st_status bind_error_code(binder *b, st_status code, int32_t pos, const char *fmt, ...)
{
    char msg[ST_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return set_positioned(b, code, pos, msg);
}

st_status bind_error_at(binder *b, int32_t pos, st_status rc)
{
    if (rc == ST_ERR_NOMEM || !b->err)
        return rc;
    char msg[ST_ERROR_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", b->err->msg);
    return set_positioned(b, rc, pos, msg);
}

st_status bind_nomem(binder *b)
{
    return st_error_set(b->err, ST_ERR_NOMEM, "out of memory binding the query");
}

void *bind_alloc(binder *b, size_t n)
{
    return st_arena_calloc(b->c->arena, 1, n ? n : 1);
}

st_status bind_push(binder *b, void **arr, int *n, int *cap, const void *item, size_t size)
{
    if (*n == *cap) {
        int ncap = *cap ? *cap * 2 : 8;
        size_t old_bytes = (size_t)*cap * size, new_bytes = 0;
        if (!st_mul_size((size_t)ncap, size, &new_bytes))
            return bind_nomem(b);
        void *p = st_arena_realloc(b->c->arena, *arr, old_bytes, new_bytes);
        if (!p)
            return bind_nomem(b);
        *arr = p;
        *cap = ncap;
    }
    memcpy((char *)*arr + (size_t)*n * size, item, size);
    (*n)++;
    return ST_OK;
}

st_status bind_scope_add(binder *b, bind_scope *s, const char *qual, const char *name,
                         const lp_col *col, bool hidden)
{
    bind_scol sc = {.qual = qual, .name = name, .col = *col, .hidden = hidden};
    return bind_push(b, (void **)&s->cols, &s->n_cols, &s->cap, &sc, sizeof sc);
}

lp_col bind_new_col(binder *b, const char *name, const vec_type *t, bool nullable)
{
    lp_col c = {.id = lp_ctx_new_col(b->c), .name = name, .type = *t, .nullable = nullable};
    return c;
}

bool bind_name_eq(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}

st_status bind_type_copy(binder *b, const vec_type *src, vec_type *dst)
{
    st_error tmp;
    st_error_init(&tmp);
    if (vec_type_copy(b->c->arena, src, dst, &tmp) != ST_OK)
        return bind_nomem(b);
    return ST_OK;
}

int bind_edit_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > 64 || nb > 64)
        return 1000;
    int d[65][65];
    for (size_t i = 0; i <= na; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= nb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= na; i++)
        for (size_t j = 1; j <= nb; j++) {
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            d[i][j] = v;
        }
    return d[na][nb];
}

/* ---- structural equality -------------------------------------------------- */

static bool const_equal(const lp_expr *a, const lp_expr *b)
{
    if (!vec_type_equal(&a->type, &b->type))
        return false;
    const vec *x = a->value, *y = b->value;
    if (!x || !y)
        return x == y;
    bool nx = !vec_is_valid(x, 0), ny = !vec_is_valid(y, 0);
    if (nx || ny)
        return nx == ny;
    if (vec_type_is_varlen(a->type.id)) {
        int32_t *ox = vec_offsets(x), *oy = vec_offsets(y);
        int32_t lx = ox[1] - ox[0], ly = oy[1] - oy[0];
        return lx == ly && st_memcmp(x->bytes + ox[0], y->bytes + oy[0], (size_t)lx) == 0;
    }
    if (a->type.id == VEC_BOOL)
        return vec_bit_get(x->values, 0) == vec_bit_get(y->values, 0);
    int w = vec_type_width(a->type.id);
    if (w <= 0)
        return false;
    return memcmp(x->values, y->values, (size_t)w) == 0;
}

bool bind_expr_equal(const lp_expr *a, const lp_expr *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->kind != b->kind || a->n_args != b->n_args || a->negated != b->negated)
        return false;
    switch (a->kind) {
    case LP_X_COL:
        return a->col == b->col && a->outer == b->outer;
    case LP_X_CONST:
        return const_equal(a, b);
    case LP_X_CALL:
        if (!a->fn || !b->fn || strcmp(a->fn->name, b->fn->name) != 0 || !a->fn->deterministic)
            return false;
        break;
    case LP_X_CAST:
        if (a->try_cast != b->try_cast || !vec_type_equal(&a->type, &b->type))
            return false;
        break;
    case LP_X_CASE:
        if (a->has_else != b->has_else)
            return false;
        break;
    case LP_X_SUBQUERY:
        return false;
    default:
        break;
    }
    for (int i = 0; i < a->n_args; i++)
        if (!bind_expr_equal(a->args[i], b->args[i]))
            return false;
    return true;
}

/* ---- display names ---------------------------------------------------------- */

static const char *op_text(sql_op op)
{
    switch (op) {
    case SQL_OP_OR: return "OR";
    case SQL_OP_AND: return "AND";
    case SQL_OP_EQ: return "=";
    case SQL_OP_NE: return "<>";
    case SQL_OP_LT: return "<";
    case SQL_OP_LE: return "<=";
    case SQL_OP_GT: return ">";
    case SQL_OP_GE: return ">=";
    case SQL_OP_EQ_NULLSAFE: return "<=>";
    case SQL_OP_NOT_DISTINCT_FROM: return "<=>";
    case SQL_OP_DISTINCT_FROM: return "IS DISTINCT FROM";
    case SQL_OP_BIT_OR: return "|";
    case SQL_OP_BIT_XOR: return "^";
    case SQL_OP_BIT_AND: return "&";
    case SQL_OP_SHL: return "<<";
    case SQL_OP_SHR: return ">>";
    case SQL_OP_SHRU: return ">>>";
    case SQL_OP_ADD: return "+";
    case SQL_OP_SUB: return "-";
    case SQL_OP_CONCAT: return "||";
    case SQL_OP_MUL: return "*";
    case SQL_OP_DIV: return "/";
    case SQL_OP_MOD: return "%";
    case SQL_OP_INT_DIV: return "div";
    case SQL_OP_NEG: return "-";
    case SQL_OP_POS: return "+";
    case SQL_OP_BIT_NOT: return "~";
    case SQL_OP_NOT: return "NOT";
    default: return "?";
    }
}

static const char *lit_prefix(sql_lit_kind k)
{
    switch (k) {
    case SQL_LIT_DATE: return "DATE ";
    case SQL_LIT_TIMESTAMP: return "TIMESTAMP ";
    case SQL_LIT_TIMESTAMP_NTZ: return "TIMESTAMP_NTZ ";
    case SQL_LIT_TIMESTAMP_LTZ: return "TIMESTAMP_LTZ ";
    default: return NULL;
    }
}

static void render(st_buf *o, const sql_expr *e, int depth);

static void render_list(st_buf *o, sql_expr *const *l, int n, int depth)
{
    for (int i = 0; i < n; i++) {
        if (i)
            st_buf_append_str(o, ", ", NULL);
        render(o, l[i], depth);
    }
}

static void render_literal(st_buf *o, const sql_expr *e)
{
    const char *pre = lit_prefix(e->lit);
    switch (e->lit) {
    case SQL_LIT_NULL: st_buf_append_str(o, "NULL", NULL); return;
    case SQL_LIT_TRUE: st_buf_append_str(o, "true", NULL); return;
    case SQL_LIT_FALSE: st_buf_append_str(o, "false", NULL); return;
    case SQL_LIT_BIGINT: st_buf_printf(o, NULL, "%sL", e->str); return;
    case SQL_LIT_SMALLINT: st_buf_printf(o, NULL, "%sS", e->str); return;
    case SQL_LIT_TINYINT: st_buf_printf(o, NULL, "%sY", e->str); return;
    case SQL_LIT_STRING: st_buf_append(o, e->str, (size_t)e->str_len, NULL); return;
    case SQL_LIT_INTERVAL: st_buf_printf(o, NULL, "INTERVAL '%s'", e->str); return;
    default:
        if (pre)
            st_buf_printf(o, NULL, "%s'%s'", pre, e->str);
        else
            st_buf_append_str(o, e->str ? e->str : "?", NULL);
    }
}

static const char *bound_text(sql_bound_kind k)
{
    switch (k) {
    case SQL_BOUND_UNBOUNDED_PRECEDING: return "UNBOUNDED PRECEDING";
    case SQL_BOUND_PRECEDING: return "PRECEDING";
    case SQL_BOUND_CURRENT_ROW: return "CURRENT ROW";
    case SQL_BOUND_FOLLOWING: return "FOLLOWING";
    default: return "UNBOUNDED FOLLOWING";
    }
}

static void render_bound(st_buf *o, const sql_bound *bd, int depth)
{
    if (bd->offset) {
        render(o, bd->offset, depth);
        st_buf_append_byte(o, ' ', NULL);
    }
    st_buf_append_str(o, bound_text(bd->kind), NULL);
}

/* OVER (PARTITION BY ... ORDER BY ... frame), as written, directions resolved. */
static void render_window(st_buf *o, const sql_window *w, int depth)
{
    const char *sep = "";
    st_buf_append_str(o, " OVER (", NULL);
    if (w->base) {
        st_buf_append_str(o, w->base, NULL);
        sep = " ";
    }
    if (w->n_partition > 0) {
        st_buf_printf(o, NULL, "%sPARTITION BY ", sep);
        render_list(o, w->partition, w->n_partition, depth);
        sep = " ";
    }
    for (int i = 0; i < w->n_order; i++) {
        const sql_order_item *it = &w->order[i];
        st_buf_append_str(o, i ? ", " : sep, NULL);
        if (i == 0)
            st_buf_append_str(o, "ORDER BY ", NULL);
        render(o, it->expr, depth);
        bool nf = it->nulls == SQL_NULLS_DEFAULT ? !it->desc : it->nulls == SQL_NULLS_FIRST;
        st_buf_printf(o, NULL, " %s NULLS %s", it->desc ? "DESC" : "ASC", nf ? "FIRST" : "LAST");
        sep = " ";
    }
    if (w->frame != SQL_FRAME_NONE) {
        st_buf_printf(o, NULL, "%s%s BETWEEN ", sep, w->frame == SQL_FRAME_ROWS ? "ROWS" : "RANGE");
        render_bound(o, &w->start, depth);
        st_buf_append_str(o, " AND ", NULL);
        render_bound(o, &w->end, depth);
    }
    st_buf_append_byte(o, ')', NULL);
}

static void render_call(st_buf *o, const sql_expr *e, int depth)
{
    for (const char *p = e->name.parts[e->name.n_parts - 1]; *p; p++)
        st_buf_append_byte(o, (uint8_t)tolower((unsigned char)*p), NULL);
    st_buf_append_byte(o, '(', NULL);
    if (e->star)
        st_buf_append_str(o, "1", NULL);
    if (e->distinct)
        st_buf_append_str(o, "DISTINCT ", NULL);
    render_list(o, e->list, e->n_list, depth);
    st_buf_append_byte(o, ')', NULL);
    if (e->over_name)
        st_buf_printf(o, NULL, " OVER %s", e->over_name);
    else if (e->over)
        render_window(o, e->over, depth);
}

/* IS, BETWEEN, IN and LIKE as Spark prints them. */
static void render_predicate(st_buf *o, const sql_expr *e, int depth)
{
    switch (e->kind) {
    case SQL_E_IS:
        st_buf_append_byte(o, '(', NULL);
        render(o, e->a, depth);
        st_buf_printf(o, NULL, " IS %s%s)", e->negated ? "NOT " : "",
                      e->op == SQL_OP_IS_NULL ? "NULL" : e->op == SQL_OP_IS_TRUE ? "TRUE"
                      : e->op == SQL_OP_IS_FALSE ? "FALSE" : "UNKNOWN");
        break;
    case SQL_E_BETWEEN:
        st_buf_append_byte(o, '(', NULL);
        render(o, e->a, depth);
        st_buf_append_str(o, e->negated ? " NOT BETWEEN " : " BETWEEN ", NULL);
        render(o, e->b, depth);
        st_buf_append_str(o, " AND ", NULL);
        render(o, e->c, depth);
        st_buf_append_byte(o, ')', NULL);
        break;
    case SQL_E_IN:
        st_buf_append_byte(o, '(', NULL);
        render(o, e->a, depth);
        st_buf_append_str(o, e->negated ? " NOT IN (" : " IN (", NULL);
        if (e->query)
            st_buf_append_str(o, "listquery()", NULL);
        else
            render_list(o, e->list, e->n_list, depth);
        st_buf_append_str(o, "))", NULL);
        break;
    case SQL_E_LIKE:
        render(o, e->a, depth);
        st_buf_printf(o, NULL, "%s %s ", e->negated ? " NOT" : "",
                      e->op == SQL_OP_ILIKE ? "ILIKE" : e->op == SQL_OP_RLIKE ? "RLIKE" : "LIKE");
        if (e->quant != SQL_QUANT_NONE) {
            st_buf_append_str(o, e->quant == SQL_QUANT_ANY ? "ANY (" : "ALL (", NULL);
            render_list(o, e->list, e->n_list, depth);
            st_buf_append_byte(o, ')', NULL);
        } else {
            render(o, e->b, depth);
        }
        break;
    default:
        break;
    }
}

static void render(st_buf *o, const sql_expr *e, int depth)
{
    if (!e || depth > 64) {
        st_buf_append_str(o, "...", NULL);
        return;
    }
    depth++;
    switch (e->kind) {
    case SQL_E_LITERAL: render_literal(o, e); return;
    case SQL_E_NAME: st_buf_append_str(o, e->name.parts[e->name.n_parts - 1], NULL); return;
    case SQL_E_STAR: st_buf_append_str(o, "*", NULL); return;
    case SQL_E_UNARY:
        st_buf_printf(o, NULL, "(%s%s", op_text(e->op), e->op == SQL_OP_NOT ? " " : " ");
        render(o, e->a, depth);
        st_buf_append_byte(o, ')', NULL);
        return;
    case SQL_E_BINARY:
        st_buf_append_byte(o, '(', NULL);
        render(o, e->a, depth);
        st_buf_printf(o, NULL, " %s ", op_text(e->op));
        render(o, e->b, depth);
        st_buf_append_byte(o, ')', NULL);
        return;
    case SQL_E_CALL: render_call(o, e, depth); return;
    case SQL_E_CAST: {
        char t[128];
        vec_type_format(&e->type->vt, t, sizeof t);
        st_buf_append_str(o, e->is_try ? "TRY_CAST(" : "CAST(", NULL);
        render(o, e->a, depth);
        st_buf_append_str(o, " AS ", NULL);
        for (char *p = t; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        st_buf_printf(o, NULL, "%s)", t);
        return;
    }
    case SQL_E_EXTRACT:
        st_buf_printf(o, NULL, "extract(%s FROM ", e->str);
        render(o, e->a, depth);
        st_buf_append_byte(o, ')', NULL);
        return;
    case SQL_E_IS:
    case SQL_E_BETWEEN:
    case SQL_E_IN:
    case SQL_E_LIKE: render_predicate(o, e, depth); return;
    case SQL_E_SUBSCRIPT:                 /* Spark: array(1, 2)[0], map(a, 1)[a] */
        render(o, e->a, depth);
        st_buf_append_byte(o, '[', NULL);
        render(o, e->b, depth);
        st_buf_append_byte(o, ']', NULL);
        return;
    case SQL_E_FIELD:                     /* Spark: named_struct(x, 1).x */
        render(o, e->a, depth);
        st_buf_printf(o, NULL, ".%s", e->str);
        return;
    case SQL_E_SUBQUERY: st_buf_append_str(o, "scalarsubquery()", NULL); return;
    case SQL_E_EXISTS: st_buf_append_str(o, "exists()", NULL); return;
    case SQL_E_CASE:
        st_buf_append_str(o, "CASE", NULL);
        if (e->a) {
            st_buf_append_byte(o, ' ', NULL);
            render(o, e->a, depth);
        }
        for (int i = 0; i + 1 < e->n_list; i += 2) {
            st_buf_append_str(o, " WHEN ", NULL);
            render(o, e->list[i], depth);
            st_buf_append_str(o, " THEN ", NULL);
            render(o, e->list[i + 1], depth);
        }
        if (e->b) {
            st_buf_append_str(o, " ELSE ", NULL);
            render(o, e->b, depth);
        }
        st_buf_append_str(o, " END", NULL);
        return;
    default: {
        st_buf tmp;
        st_buf_init(&tmp);
        if (sql_expr_format(e, &tmp, NULL) == ST_OK)
            st_buf_append(o, tmp.data, tmp.len, NULL);
        st_buf_destroy(&tmp);
        return;
    }
    }
}

const char *bind_expr_name(binder *b, const sql_expr *e)
{
    st_buf o;
    st_buf_init(&o);
    render(&o, e, 0);
    char *s = st_arena_strndup(b->c->arena, o.len ? (const char *)o.data : "", o.len);
    st_buf_destroy(&o);
    return s ? s : "?";
}
