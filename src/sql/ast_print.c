/* ast_print.c -- prints the SQL AST in a canonical, fully parenthesised
** S-expression form, the notation the parser tests compare against and a
** debugging aid (src/sql/README.md lists every form). Canonical means:
** keywords and operators lowercase, synonyms folded (== is =, != is <>,
** MINUS is except, x::t is cast), names as decoded with backticks only
** where needed, strings single-quoted with backslash escapes.
** Recursion depth is bounded by the parser's SQL_MAX_DEPTH. */
#include <stdio.h>

#include "sql.h"

typedef struct printer {
    st_buf   *b;       /* borrowed: output */
    st_error *err;     /* borrowed */
    st_status rc;      /* first failure; output stops after it */
} printer;

static void out(printer *pr, const char *s)
{
    if (pr->rc == ST_OK)
        pr->rc = st_buf_append_str(pr->b, s, pr->err);
}

static void out_n(printer *pr, const char *s, size_t n)
{
    if (pr->rc == ST_OK)
        pr->rc = st_buf_append(pr->b, s, n, pr->err);
}

static void ident(printer *pr, const char *s)
{
    bool plain = s[0] != '\0' && !(s[0] >= '0' && s[0] <= '9');
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '_'))
            plain = false;
    if (plain) {
        out(pr, s);
        return;
    }
    out(pr, "`");
    for (const char *c = s; *c; c++)
    {
        out_n(pr, c, 1);
        if (*c == '`')
            out(pr, "`");
    }
    out(pr, "`");
}

static void name(printer *pr, const sql_name *n)
{
    for (int k = 0; k < n->n_parts; k++) {
        if (k)
            out(pr, ".");
        ident(pr, n->parts[k]);
    }
}

static void str_lit(printer *pr, const char *s, int32_t n)
{
    out(pr, "'");
    for (int32_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)s[k];
        char tmp[8];
        switch (c) {
        case '\'': out(pr, "\\'"); break;
        case '\\': out(pr, "\\\\"); break;
        case '\n': out(pr, "\\n"); break;
        case '\t': out(pr, "\\t"); break;
        case '\r': out(pr, "\\r"); break;
        default:
            if (c < 0x20 || c == 0x7F) {
                snprintf(tmp, sizeof tmp, "\\u%04x", c);
                out(pr, tmp);
            } else {
                out_n(pr, (const char *)&c, 1);
            }
        }
    }
    out(pr, "'");
}

static void expr(printer *pr, const sql_expr *e);
static void query(printer *pr, const sql_query *q);

static void expr_list(printer *pr, sql_expr *const *l, int n)
{
    for (int k = 0; k < n; k++) {
        out(pr, " ");
        expr(pr, l[k]);
    }
}

static const char *op_name(sql_op op)
{
    static const char *const names[] = {
        [SQL_OP_OR] = "or", [SQL_OP_AND] = "and", [SQL_OP_NOT] = "not",
        [SQL_OP_EQ] = "=", [SQL_OP_NE] = "<>", [SQL_OP_LT] = "<", [SQL_OP_LE] = "<=",
        [SQL_OP_GT] = ">", [SQL_OP_GE] = ">=", [SQL_OP_EQ_NULLSAFE] = "<=>",
        [SQL_OP_DISTINCT_FROM] = "is-distinct-from",
        [SQL_OP_NOT_DISTINCT_FROM] = "is-not-distinct-from",
        [SQL_OP_BIT_OR] = "|", [SQL_OP_BIT_XOR] = "^", [SQL_OP_BIT_AND] = "&",
        [SQL_OP_SHL] = "<<", [SQL_OP_SHR] = ">>", [SQL_OP_SHRU] = ">>>",
        [SQL_OP_ADD] = "+", [SQL_OP_SUB] = "-", [SQL_OP_CONCAT] = "||",
        [SQL_OP_MUL] = "*", [SQL_OP_DIV] = "/", [SQL_OP_MOD] = "%", [SQL_OP_INT_DIV] = "div",
        [SQL_OP_NEG] = "neg", [SQL_OP_POS] = "pos", [SQL_OP_BIT_NOT] = "~",
        [SQL_OP_IS_NULL] = "null", [SQL_OP_IS_TRUE] = "true", [SQL_OP_IS_FALSE] = "false",
        [SQL_OP_IS_UNKNOWN] = "unknown",
        [SQL_OP_LIKE] = "like", [SQL_OP_ILIKE] = "ilike", [SQL_OP_RLIKE] = "rlike",
        [SQL_OP_ROLLUP] = "rollup", [SQL_OP_CUBE] = "cube",
        [SQL_OP_GROUPING_SETS] = "grouping-sets",
    };
    return (size_t)op < ST_ARRAY_LEN(names) && names[op] ? names[op] : "?";
}

static const char *unit_name(sql_unit u)
{
    static const char *const names[] = {
        "?", "year", "month", "week", "day", "hour", "minute", "second",
        "millisecond", "microsecond",
    };
    return (size_t)u < ST_ARRAY_LEN(names) ? names[u] : "?";
}

static void type(printer *pr, const sql_type *t)
{
    char buf[512];
    if (t->char_len >= 0) {
        snprintf(buf, sizeof buf, "%s(%d)", t->is_char ? "char" : "varchar", (int)t->char_len);
    } else {
        int n = vec_type_format(&t->vt, buf, sizeof buf);
        if (n >= (int)sizeof buf) {              /* long nested type: heap copy */
            char *big = st_malloc((size_t)n + 1);
            if (!big) {
                pr->rc = st_error_set(pr->err, ST_ERR_NOMEM, "out of memory printing sql type");
                return;
            }
            vec_type_format(&t->vt, big, (size_t)n + 1);
            out(pr, big);
            st_free(big);
            return;
        }
    }
    out(pr, buf);
}

static void literal(printer *pr, const sql_expr *e)
{
    static const char *const kinds[] = {
        [SQL_LIT_BIGINT] = "bigint", [SQL_LIT_SMALLINT] = "smallint",
        [SQL_LIT_TINYINT] = "tinyint", [SQL_LIT_DECIMAL] = "decimal",
        [SQL_LIT_DOUBLE] = "double", [SQL_LIT_FLOAT] = "float", [SQL_LIT_DATE] = "date",
        [SQL_LIT_TIMESTAMP] = "timestamp", [SQL_LIT_TIMESTAMP_NTZ] = "timestamp_ntz",
        [SQL_LIT_TIMESTAMP_LTZ] = "timestamp_ltz",
    };
    switch (e->lit) {
    case SQL_LIT_NULL: out(pr, "null"); return;
    case SQL_LIT_TRUE: out(pr, "true"); return;
    case SQL_LIT_FALSE: out(pr, "false"); return;
    case SQL_LIT_INT: out(pr, e->str); return;
    case SQL_LIT_STRING: str_lit(pr, e->str, e->str_len); return;
    case SQL_LIT_INTERVAL:
        out(pr, "(interval ");
        str_lit(pr, e->str, e->str_len);
        out(pr, " ");
        out(pr, unit_name(e->unit));
        if (e->unit_to) {
            out(pr, " to ");
            out(pr, unit_name(e->unit_to));
        }
        out(pr, ")");
        return;
    case SQL_LIT_DATE: case SQL_LIT_TIMESTAMP: case SQL_LIT_TIMESTAMP_NTZ:
    case SQL_LIT_TIMESTAMP_LTZ:
        out(pr, "(");
        out(pr, kinds[e->lit]);
        out(pr, " ");
        str_lit(pr, e->str, e->str_len);
        out(pr, ")");
        return;
    default:
        out(pr, "(");
        out(pr, kinds[e->lit]);
        out(pr, " ");
        out(pr, e->str);
        out(pr, ")");
        return;
    }
}

static void order_items(printer *pr, const sql_order_item *o, int n)
{
    for (int k = 0; k < n; k++) {
        out(pr, o[k].desc ? " (desc " : " (asc ");
        expr(pr, o[k].expr);
        if (o[k].nulls == SQL_NULLS_FIRST)
            out(pr, " nulls-first");
        else if (o[k].nulls == SQL_NULLS_LAST)
            out(pr, " nulls-last");
        out(pr, ")");
    }
}

static void bound(printer *pr, const sql_bound *b)
{
    switch (b->kind) {
    case SQL_BOUND_UNBOUNDED_PRECEDING: out(pr, "unbounded-preceding"); return;
    case SQL_BOUND_UNBOUNDED_FOLLOWING: out(pr, "unbounded-following"); return;
    case SQL_BOUND_CURRENT_ROW: out(pr, "current-row"); return;
    case SQL_BOUND_PRECEDING: out(pr, "(preceding "); break;
    case SQL_BOUND_FOLLOWING: out(pr, "(following "); break;
    }
    expr(pr, b->offset);
    out(pr, ")");
}

static void window(printer *pr, const sql_window *w)
{
    out(pr, "(window");
    if (w->base) {
        out(pr, " ");
        ident(pr, w->base);
    }
    if (w->n_partition) {
        out(pr, " (partition");
        expr_list(pr, w->partition, w->n_partition);
        out(pr, ")");
    }
    if (w->n_order) {
        out(pr, " (order");
        order_items(pr, w->order, w->n_order);
        out(pr, ")");
    }
    if (w->frame != SQL_FRAME_NONE) {
        out(pr, w->frame == SQL_FRAME_ROWS ? " (rows " : " (range ");
        bound(pr, &w->start);
        out(pr, " ");
        bound(pr, &w->end);
        out(pr, ")");
    }
    out(pr, ")");
}

static void call(printer *pr, const sql_expr *e)
{
    out(pr, "(call ");
    name(pr, &e->name);
    if (e->distinct)
        out(pr, " distinct");
    if (e->star)
        out(pr, " *");
    expr_list(pr, e->list, e->n_list);
    if (e->b) {
        out(pr, " (filter ");
        expr(pr, e->b);
        out(pr, ")");
    }
    if (e->nulls == SQL_NULLS_IGNORE)
        out(pr, " ignore-nulls");
    else if (e->nulls == SQL_NULLS_RESPECT)
        out(pr, " respect-nulls");
    if (e->over_name) {
        out(pr, " (over ");
        ident(pr, e->over_name);
        out(pr, ")");
    } else if (e->over) {
        out(pr, " (over ");
        window(pr, e->over);
        out(pr, ")");
    }
    out(pr, ")");
}

static void pred(printer *pr, const sql_expr *e, const char *word)
{
    out(pr, "(");
    if (e->negated)
        out(pr, "not-");
    out(pr, word);
    out(pr, " ");
    expr(pr, e->a);
}

static void expr_rest(printer *pr, const sql_expr *e)
{
    switch (e->kind) {
    case SQL_E_EXISTS: case SQL_E_SUBQUERY:
        out(pr, e->kind == SQL_E_EXISTS ? "(exists " : "(subquery ");
        query(pr, e->query);
        out(pr, ")");
        return;
    case SQL_E_CASE:
        out(pr, "(case");
        if (e->a) {
            out(pr, " ");
            expr(pr, e->a);
        }
        for (int k = 0; k + 1 < e->n_list; k += 2) {
            out(pr, " (when ");
            expr(pr, e->list[k]);
            out(pr, " ");
            expr(pr, e->list[k + 1]);
            out(pr, ")");
        }
        if (e->b) {
            out(pr, " (else ");
            expr(pr, e->b);
            out(pr, ")");
        }
        out(pr, ")");
        return;
    case SQL_E_CAST:
        out(pr, e->is_try ? "(try_cast " : "(cast ");
        expr(pr, e->a);
        out(pr, " ");
        type(pr, e->type);
        out(pr, ")");
        return;
    case SQL_E_CALL: call(pr, e); return;
    case SQL_E_NAMED_ARG:
        out(pr, "(=> ");
        ident(pr, e->str);
        out(pr, " ");
        expr(pr, e->a);
        out(pr, ")");
        return;
    case SQL_E_EXTRACT:
        out(pr, "(extract ");
        ident(pr, e->str);
        out(pr, " ");
        expr(pr, e->a);
        out(pr, ")");
        return;
    case SQL_E_SUBSCRIPT:
        out(pr, "(at ");
        expr(pr, e->a);
        out(pr, " ");
        expr(pr, e->b);
        out(pr, ")");
        return;
    case SQL_E_FIELD:
        out(pr, "(field ");
        expr(pr, e->a);
        out(pr, " ");
        ident(pr, e->str);
        out(pr, ")");
        return;
    case SQL_E_LAMBDA:
        out(pr, "(lambda (");
        for (int k = 0; k < e->name.n_parts; k++) {
            if (k)
                out(pr, " ");
            ident(pr, e->name.parts[k]);
        }
        out(pr, ") ");
        expr(pr, e->a);
        out(pr, ")");
        return;
    case SQL_E_ROW:
        out(pr, "(row");
        expr_list(pr, e->list, e->n_list);
        out(pr, ")");
        return;
    case SQL_E_GROUPING:
        out(pr, "(");
        out(pr, op_name(e->op));
        expr_list(pr, e->list, e->n_list);
        out(pr, ")");
        return;
    default:
        out(pr, "?");
        return;
    }
}

static void expr(printer *pr, const sql_expr *e)
{
    if (!e) {
        out(pr, "?");
        return;
    }
    switch (e->kind) {
    case SQL_E_LITERAL: literal(pr, e); return;
    case SQL_E_NAME: name(pr, &e->name); return;
    case SQL_E_STAR:
        name(pr, &e->name);
        out(pr, e->name.n_parts ? ".*" : "*");
        return;
    case SQL_E_PARAM:
        out(pr, e->str ? ":" : "?");
        if (e->str)
            ident(pr, e->str);
        return;
    case SQL_E_UNARY:
        out(pr, "(");
        out(pr, op_name(e->op));
        out(pr, " ");
        expr(pr, e->a);
        out(pr, ")");
        return;
    case SQL_E_BINARY:
        out(pr, "(");
        out(pr, op_name(e->op));
        out(pr, " ");
        expr(pr, e->a);
        out(pr, " ");
        expr(pr, e->b);
        out(pr, ")");
        return;
    case SQL_E_IS:
        out(pr, e->negated ? "(is-not-" : "(is-");
        out(pr, op_name(e->op));
        out(pr, " ");
        expr(pr, e->a);
        out(pr, ")");
        return;
    case SQL_E_BETWEEN:
        pred(pr, e, "between");
        out(pr, " ");
        expr(pr, e->b);
        out(pr, " ");
        expr(pr, e->c);
        out(pr, ")");
        return;
    case SQL_E_IN:
        pred(pr, e, "in");
        if (e->query) {
            out(pr, " ");
            query(pr, e->query);
        } else {
            expr_list(pr, e->list, e->n_list);
        }
        out(pr, ")");
        return;
    case SQL_E_LIKE:
        pred(pr, e, op_name(e->op));
        if (e->quant) {
            out(pr, e->quant == SQL_QUANT_ANY ? " (any" : " (all");
            expr_list(pr, e->list, e->n_list);
            out(pr, ")");
        } else {
            out(pr, " ");
            expr(pr, e->b);
        }
        if (e->c) {
            out(pr, " (escape ");
            expr(pr, e->c);
            out(pr, ")");
        }
        out(pr, ")");
        return;
    default:
        expr_rest(pr, e);
        return;
    }
}

static void name_list(printer *pr, const char *const *names, int n)
{
    out(pr, "(");
    for (int k = 0; k < n; k++) {
        if (k)
            out(pr, " ");
        ident(pr, names[k]);
    }
    out(pr, ")");
}

static void tref(printer *pr, const sql_tableref *t)
{
    static const char *const joins[] = {
        [SQL_JOIN_INNER] = "inner", [SQL_JOIN_LEFT] = "left", [SQL_JOIN_RIGHT] = "right",
        [SQL_JOIN_FULL] = "full", [SQL_JOIN_CROSS] = "cross", [SQL_JOIN_SEMI] = "semi",
        [SQL_JOIN_ANTI] = "anti",
    };
    if (t->alias)
        out(pr, "(as ");
    switch (t->kind) {
    case SQL_T_NAME:
        out(pr, "(table ");
        name(pr, &t->name);
        if (t->travel) {
            out(pr, t->travel == SQL_TRAVEL_VERSION ? " (version-as-of " : " (timestamp-as-of ");
            expr(pr, t->travel_at);
            out(pr, ")");
        }
        out(pr, ")");
        break;
    case SQL_T_PATH:
        out(pr, "(path ");
        out(pr, t->format);
        out(pr, " ");
        str_lit(pr, t->path, (int32_t)strlen(t->path));
        out(pr, ")");
        break;
    case SQL_T_FUNC:
        out(pr, "(tvf ");
        name(pr, &t->name);
        expr_list(pr, t->args, t->n_args);
        out(pr, ")");
        break;
    case SQL_T_QUERY:
        query(pr, t->query);
        break;
    case SQL_T_JOIN:
        out(pr, "(join ");
        if (t->natural)
            out(pr, "natural-");
        out(pr, joins[t->join]);
        out(pr, " ");
        tref(pr, t->left);
        out(pr, " ");
        tref(pr, t->right);
        if (t->on) {
            out(pr, " (on ");
            expr(pr, t->on);
            out(pr, ")");
        } else if (t->n_using) {
            out(pr, " (using");
            for (int k = 0; k < t->n_using; k++) {
                out(pr, " ");
                ident(pr, t->using_cols[k]);
            }
            out(pr, ")");
        }
        out(pr, ")");
        break;
    }
    if (t->alias) {
        out(pr, " ");
        ident(pr, t->alias);
        if (t->n_col_aliases) {
            out(pr, " ");
            name_list(pr, t->col_aliases, t->n_col_aliases);
        }
        out(pr, ")");
    }
}

static void select_body(printer *pr, const sql_query *q)
{
    out(pr, q->distinct ? "(select distinct (items" : "(select (items");
    for (int k = 0; k < q->n_items; k++) {
        out(pr, " ");
        if (q->items[k].alias)
            out(pr, "(as ");
        expr(pr, q->items[k].expr);
        if (q->items[k].alias) {
            out(pr, " ");
            ident(pr, q->items[k].alias);
            out(pr, ")");
        }
    }
    out(pr, ")");
    if (q->from) {
        out(pr, " (from ");
        tref(pr, q->from);
        out(pr, ")");
    }
    if (q->where) {
        out(pr, " (where ");
        expr(pr, q->where);
        out(pr, ")");
    }
    if (q->group_all)
        out(pr, " (group all)");
    if (q->n_group_by) {
        out(pr, " (group");
        expr_list(pr, q->group_by, q->n_group_by);
        out(pr, ")");
    }
    if (q->having) {
        out(pr, " (having ");
        expr(pr, q->having);
        out(pr, ")");
    }
    if (q->qualify) {
        out(pr, " (qualify ");
        expr(pr, q->qualify);
        out(pr, ")");
    }
    for (int k = 0; k < q->n_windows; k++) {
        out(pr, " (named-window ");
        ident(pr, q->windows[k].name);
        out(pr, " ");
        window(pr, q->windows[k].spec);
        out(pr, ")");
    }
}

static void query_body(printer *pr, const sql_query *q)
{
    static const char *const ops[] = {
        [SQL_SET_UNION] = "union", [SQL_SET_INTERSECT] = "intersect", [SQL_SET_EXCEPT] = "except",
    };
    switch (q->kind) {
    case SQL_Q_SELECT:
        select_body(pr, q);
        break;
    case SQL_Q_SETOP:
        out(pr, "(");
        out(pr, ops[q->setop]);
        if (q->all)
            out(pr, "-all");
        out(pr, " ");
        query(pr, q->left);
        out(pr, " ");
        query(pr, q->right);
        break;
    case SQL_Q_VALUES:
        out(pr, "(values");
        expr_list(pr, q->rows, q->n_rows);
        break;
    case SQL_Q_NESTED:
        out(pr, "(nested ");
        query(pr, q->left);
        break;
    }
    if (q->n_order_by) {
        out(pr, " (order");
        order_items(pr, q->order_by, q->n_order_by);
        out(pr, ")");
    }
    if (q->limit) {
        out(pr, " (limit ");
        expr(pr, q->limit);
        out(pr, ")");
    }
    if (q->offset) {
        out(pr, " (offset ");
        expr(pr, q->offset);
        out(pr, ")");
    }
    out(pr, ")");
}

static void query(printer *pr, const sql_query *q)
{
    if (!q) {
        out(pr, "?");
        return;
    }
    if (q->n_ctes) {
        out(pr, "(with");
        for (int k = 0; k < q->n_ctes; k++) {
            out(pr, " (cte ");
            ident(pr, q->ctes[k].name);
            if (q->ctes[k].n_cols) {
                out(pr, " ");
                name_list(pr, q->ctes[k].cols, q->ctes[k].n_cols);
            }
            out(pr, " ");
            query(pr, q->ctes[k].query);
            out(pr, ")");
        }
        out(pr, " ");
    }
    query_body(pr, q);
    if (q->n_ctes)
        out(pr, ")");
}

static void quoted_or_none(printer *pr, const char *s)
{
    if (s) {
        out(pr, " ");
        str_lit(pr, s, (int32_t)strlen(s));
    }
}

static void stmt(printer *pr, const sql_stmt *s)
{
    switch (s->kind) {
    case SQL_S_QUERY:
        query(pr, s->query);
        return;
    case SQL_S_EXPLAIN:
        out(pr, s->analyze ? "(explain-analyze " : "(explain ");
        stmt(pr, s->inner);
        out(pr, ")");
        return;
    case SQL_S_SET: case SQL_S_RESET:
        out(pr, s->kind == SQL_S_SET ? "(set" : "(reset");
        quoted_or_none(pr, s->key);
        quoted_or_none(pr, s->value);
        out(pr, ")");
        return;
    case SQL_S_SHOW:
        out(pr, "(show");
        for (int k = 0; k < s->n_words; k++)
            quoted_or_none(pr, s->words[k]);
        out(pr, ")");
        return;
    case SQL_S_USE:
        out(pr, "(use ");
        name(pr, &s->name);
        out(pr, ")");
        return;
    }
}

st_status sql_stmt_format(const sql_stmt *s, st_buf *b, st_error *err)
{
    printer pr = {b, err, ST_OK};
    stmt(&pr, s);
    return pr.rc;
}

st_status sql_query_format(const sql_query *q, st_buf *b, st_error *err)
{
    printer pr = {b, err, ST_OK};
    query(&pr, q);
    return pr.rc;
}

st_status sql_expr_format(const sql_expr *e, st_buf *b, st_error *err)
{
    printer pr = {b, err, ST_OK};
    expr(&pr, e);
    return pr.rc;
}

/* Statements one per line, each ending in '\n'. */
st_status sql_ast_format(const sql_stmt_list *l, st_buf *b, st_error *err)
{
    printer pr = {b, err, ST_OK};
    for (int k = 0; l && k < l->n_stmts; k++) {
        stmt(&pr, l->stmts[k]);
        out(&pr, "\n");
    }
    return pr.rc;
}
