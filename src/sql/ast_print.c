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
        if (t->model) {
            out(pr, " (model ");
            str_lit(pr, t->model, (int32_t)strlen(t->model));
            out(pr, ")");
        }
        if (t->table_arg) {
            out(pr, " (table ");
            tref(pr, t->table_arg);
            out(pr, ")");
        }
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

/* ---- lakehouse statements ---------------------------------------------------- */

static const char *object_name(sql_object o)
{
    switch (o) {
    case SQL_OBJ_TABLE: return "table";
    case SQL_OBJ_VIEW: return "view";
    case SQL_OBJ_CATALOG: return "catalog";
    case SQL_OBJ_SCHEMA: return "schema";
    }
    return "?";
}

static void qstr(printer *pr, const char *s)
{
    str_lit(pr, s, (int32_t)strlen(s));
}

/* How to print one item of an AST array: the tagged forms below walk arrays
** of any element type through it. */
typedef struct item_kind {
    size_t size;                                   /* bytes from one item to the next */
    void (*print)(printer *pr, const void *item);  /* prints the item at item */
} item_kind;

static void ident_item(printer *pr, const void *item)
{
    ident(pr, *(const char *const *)item);
}

static void qstr_item(printer *pr, const void *item)
{
    qstr(pr, *(const char *const *)item);
}

static void name_item(printer *pr, const void *item)
{
    name(pr, item);
}

static void expr_item(printer *pr, const void *item)
{
    expr(pr, *(const sql_expr *const *)item);
}

static void query_item(printer *pr, const void *item)
{
    query(pr, *(const sql_query *const *)item);
}

static void type_item(printer *pr, const void *item)
{
    type(pr, *(const sql_type *const *)item);
}

/* "('k' 'v')" or "('k')" */
static void prop_item(printer *pr, const void *item)
{
    const sql_property *pp = item;
    out(pr, "(");
    qstr(pr, pp->key);
    if (pp->value) {
        out(pr, " ");
        qstr(pr, pp->value);
    }
    out(pr, ")");
}

static void column_item(printer *pr, const void *item);

static const item_kind IDENTS = {sizeof(const char *), ident_item};
static const item_kind QSTRS = {sizeof(const char *), qstr_item};
static const item_kind NAMES = {sizeof(sql_name), name_item};
static const item_kind EXPRS = {sizeof(const sql_expr *), expr_item};
static const item_kind QUERIES = {sizeof(const sql_query *), query_item};
static const item_kind TYPES = {sizeof(const sql_type *), type_item};
static const item_kind PROPS = {sizeof(sql_property), prop_item};
static const item_kind COLUMNS = {sizeof(sql_column_def), column_item};

/* " (tag item item ...)", also when n is 0 */
static void items_in_tag(printer *pr, const char *tag, const void *l, int n, const item_kind *kind)
{
    out(pr, " (");
    out(pr, tag);
    for (int k = 0; k < n; k++) {
        out(pr, " ");
        kind->print(pr, (const char *)l + (size_t)k * kind->size);
    }
    out(pr, ")");
}

/* " (tag item item ...)" when n > 0 */
static void tagged_items(printer *pr, const char *tag, const void *l, int n, const item_kind *kind)
{
    if (n)
        items_in_tag(pr, tag, l, n, kind);
}

/* " (tag item)" for the one item at item */
static void tagged_item(printer *pr, const char *tag, const void *item, const item_kind *kind)
{
    items_in_tag(pr, tag, item, 1, kind);
}

/* " (tag 'text')" when s is set */
static void tagged_str(printer *pr, const char *tag, const char *s)
{
    if (s)
        tagged_item(pr, tag, &s, &QSTRS);
}

/* " (tag expr)" when e is set */
static void tagged_expr(printer *pr, const char *tag, const sql_expr *e)
{
    if (e)
        tagged_item(pr, tag, &e, &EXPRS);
}

/* " (tag ident expr)": a named CHECK constraint */
static void tagged_check(printer *pr, const char *tag, const char *id, const sql_expr *e)
{
    out(pr, " (");
    out(pr, tag);
    out(pr, " ");
    ident(pr, id);
    out(pr, " ");
    expr(pr, e);
    out(pr, ")");
}

/* " name" when the optional name n is written */
static void opt_name(printer *pr, const sql_name *n)
{
    if (n->n_parts) {
        out(pr, " ");
        name(pr, n);
    }
}

static void column_def(printer *pr, const sql_column_def *c)
{
    char buf[64];
    out(pr, "(col ");
    name(pr, &c->name);
    if (c->type) {
        out(pr, " ");
        type(pr, c->type);
    }
    if (c->not_null)
        out(pr, " not-null");
    tagged_expr(pr, "generated", c->generated);
    if (c->identity) {
        snprintf(buf, sizeof buf, " %lld %lld)", (long long)c->identity_start,
                 (long long)c->identity_step);
        out(pr, c->identity_always ? " (identity always" : " (identity by-default");
        out(pr, buf);
    }
    tagged_expr(pr, "default", c->default_value);
    tagged_str(pr, "comment", c->comment);
    if (c->first)
        out(pr, " first");
    if (c->after)
        tagged_item(pr, "after", &c->after, &IDENTS);
    out(pr, ")");
}

static void column_item(printer *pr, const void *item)
{
    column_def(pr, item);
}

static void create_stmt(printer *pr, const sql_create *c)
{
    out(pr, "(create-");
    out(pr, object_name(c->what));
    if (c->or_replace)
        out(pr, " or-replace");
    if (c->temporary)
        out(pr, " temporary");
    if (c->external)
        out(pr, " external");
    if (c->if_not_exists)
        out(pr, " if-not-exists");
    out(pr, " ");
    name(pr, &c->name);
    tagged_items(pr, "columns", c->cols, c->n_cols, &COLUMNS);
    for (int k = 0; k < c->n_checks; k++)
        tagged_check(pr, "check", c->check_names[k], c->checks[k]);
    if (c->using_fmt)
        tagged_item(pr, "using", &c->using_fmt, &IDENTS);
    tagged_items(pr, "options", c->options, c->n_options, &PROPS);
    if (c->partition_defs)
        tagged_items(pr, "partitioned-by", c->partition_defs, c->n_partition_cols, &COLUMNS);
    else
        tagged_items(pr, "partitioned-by", c->partition_cols, c->n_partition_cols, &IDENTS);
    tagged_items(pr, "cluster-by", c->cluster_cols, c->n_cluster_cols, &IDENTS);
    tagged_str(pr, "location", c->location);
    tagged_str(pr, "comment", c->comment);
    tagged_items(pr, "props", c->props, c->n_props, &PROPS);
    if (c->query)
        tagged_item(pr, "as", &c->query, &QUERIES);
    out(pr, ")");
}

static void alter_column(printer *pr, const sql_alter *a)
{
    out(pr, " (alter-column ");
    name(pr, &a->column);
    switch (a->col_action) {
    case SQL_COL_SET_NOT_NULL: out(pr, " set-not-null"); break;
    case SQL_COL_DROP_NOT_NULL: out(pr, " drop-not-null"); break;
    case SQL_COL_COMMENT: tagged_str(pr, "comment", a->comment); break;
    case SQL_COL_TYPE: tagged_item(pr, "type", &a->type, &TYPES); break;
    case SQL_COL_SET_DEFAULT: tagged_expr(pr, "set-default", a->default_value); break;
    case SQL_COL_DROP_DEFAULT: out(pr, " drop-default"); break;
    case SQL_COL_POSITION:
        if (a->first)
            out(pr, " first");
        else
            tagged_item(pr, "after", &a->after, &IDENTS);
        break;
    }
    out(pr, ")");
}

static void alter_stmt(printer *pr, const sql_alter *a)
{
    out(pr, a->what == SQL_OBJ_VIEW ? "(alter-view " : "(alter-table ");
    name(pr, &a->name);
    switch (a->kind) {
    case SQL_ALTER_ADD_COLUMNS: tagged_items(pr, "add-columns", a->cols, a->n_cols, &COLUMNS); break;
    case SQL_ALTER_DROP_COLUMNS:
        items_in_tag(pr, a->if_exists ? "drop-columns if-exists" : "drop-columns", a->names,
                     a->n_names, &NAMES);
        break;
    case SQL_ALTER_RENAME_COLUMN:
        out(pr, " (rename-column ");
        name(pr, &a->column);
        out(pr, " ");
        ident(pr, a->new_name);
        out(pr, ")");
        break;
    case SQL_ALTER_COLUMN: alter_column(pr, a); break;
    case SQL_ALTER_SET_PROPS: tagged_items(pr, "set-props", a->props, a->n_props, &PROPS); break;
    case SQL_ALTER_UNSET_PROPS:
        tagged_items(pr, a->if_exists ? "unset-props if-exists" : "unset-props", a->props,
                     a->n_props, &PROPS);
        break;
    case SQL_ALTER_ADD_CONSTRAINT: tagged_check(pr, "add-constraint", a->constraint, a->check); break;
    case SQL_ALTER_DROP_CONSTRAINT:
        tagged_item(pr, a->if_exists ? "drop-constraint if-exists" : "drop-constraint",
                    &a->constraint, &IDENTS);
        break;
    case SQL_ALTER_RENAME_TO: tagged_item(pr, "rename-to", &a->new_table, &NAMES); break;
    case SQL_ALTER_SET_LOCATION: tagged_str(pr, "set-location", a->location); break;
    case SQL_ALTER_CLUSTER_BY:
        items_in_tag(pr, "cluster-by", a->cluster_cols, a->n_cluster_cols, &IDENTS);
        break;
    case SQL_ALTER_SET_OWNER: tagged_item(pr, "set-owner", &a->new_name, &IDENTS); break;
    case SQL_ALTER_VIEW_AS: tagged_item(pr, "as", &a->query, &QUERIES); break;
    }
    out(pr, ")");
}

static void assigns(printer *pr, const sql_assign *l, int n)
{
    for (int k = 0; k < n; k++) {
        out(pr, " (= ");
        name(pr, &l[k].column);
        out(pr, " ");
        if (l[k].value)
            expr(pr, l[k].value);
        else
            out(pr, "default");
        out(pr, ")");
    }
}

static void insert_stmt(printer *pr, const sql_insert *i)
{
    out(pr, i->overwrite ? "(insert-overwrite " : "(insert ");
    tref(pr, i->target);
    if (i->n_partition) {
        out(pr, " (partition");
        for (int k = 0; k < i->n_partition; k++) {
            out(pr, " (");
            ident(pr, i->partition[k].key);
            if (i->partition_values[k]) {
                out(pr, " ");
                expr(pr, i->partition_values[k]);
            }
            out(pr, ")");
        }
        out(pr, ")");
    }
    tagged_items(pr, "columns", i->cols, i->n_cols, &IDENTS);
    if (i->by_name)
        out(pr, " by-name");
    tagged_expr(pr, "replace-where", i->replace_where);
    out(pr, " ");
    query(pr, i->query);
    out(pr, ")");
}

static void merge_stmt(printer *pr, const sql_merge *m)
{
    static const char *const match[] = {
        [SQL_MERGE_MATCHED] = " (when-matched",
        [SQL_MERGE_NOT_MATCHED] = " (when-not-matched",
        [SQL_MERGE_NOT_MATCHED_BY_SOURCE] = " (when-not-matched-by-source",
    };
    out(pr, m->schema_evolution ? "(merge schema-evolution " : "(merge ");
    tref(pr, m->target);
    out(pr, " ");
    tref(pr, m->source);
    tagged_expr(pr, "on", m->on);
    for (int k = 0; k < m->n_clauses; k++) {
        const sql_merge_clause *c = &m->clauses[k];
        out(pr, match[c->match]);
        tagged_expr(pr, "and", c->cond);
        switch (c->action) {
        case SQL_MERGE_UPDATE:
            out(pr, " (update");
            assigns(pr, c->sets, c->n_sets);
            out(pr, ")");
            break;
        case SQL_MERGE_UPDATE_STAR: out(pr, " update-star"); break;
        case SQL_MERGE_DELETE: out(pr, " delete"); break;
        case SQL_MERGE_INSERT:
            out(pr, " (insert");
            if (c->insert_cols) {
                out(pr, " ");
                name_list(pr, c->insert_cols, c->n_insert_cols);
            }
            out(pr, " (values");
            expr_list(pr, c->insert_values, c->n_insert_values);
            out(pr, "))");
            break;
        case SQL_MERGE_INSERT_STAR: out(pr, " insert-star"); break;
        }
        out(pr, ")");
    }
    out(pr, ")");
}

static void copy_stmt(printer *pr, const sql_copy *c)
{
    out(pr, "(copy-into ");
    tref(pr, c->target);
    out(pr, " ");
    qstr(pr, c->from);
    if (c->fileformat)
        tagged_item(pr, "fileformat", &c->fileformat, &IDENTS);
    tagged_items(pr, "files", c->files, c->n_files, &QSTRS);
    tagged_str(pr, "pattern", c->pattern);
    tagged_items(pr, "format-options", c->format_options, c->n_format_options, &PROPS);
    tagged_items(pr, "copy-options", c->copy_options, c->n_copy_options, &PROPS);
    out(pr, ")");
}

static void describe_stmt(printer *pr, const sql_describe *d)
{
    static const char *const kinds[] = {
        [SQL_DESC_TABLE] = "(describe ", [SQL_DESC_TABLE_EXTENDED] = "(describe-extended ",
        [SQL_DESC_HISTORY] = "(describe-history ", [SQL_DESC_DETAIL] = "(describe-detail ",
        [SQL_DESC_CATALOG] = "(describe-catalog ", [SQL_DESC_SCHEMA] = "(describe-schema ",
        [SQL_DESC_QUERY] = "(describe-query ",
    };
    out(pr, kinds[d->kind]);
    switch (d->kind) {
    case SQL_DESC_CATALOG: case SQL_DESC_SCHEMA:
        if (d->extended)
            out(pr, "extended ");
        name(pr, &d->name);
        break;
    case SQL_DESC_QUERY:
        query(pr, d->query);
        break;
    default:
        tref(pr, d->target);
        opt_name(pr, &d->column);
        tagged_expr(pr, "limit", d->limit);
        break;
    }
    out(pr, ")");
}

static void comment_stmt(printer *pr, const sql_comment_on *c)
{
    out(pr, "(comment-on ");
    out(pr, c->column.n_parts ? "column" : object_name(c->what));
    out(pr, " ");
    name(pr, &c->name);
    opt_name(pr, &c->column);
    out(pr, " ");
    if (c->text)
        qstr(pr, c->text);
    else
        out(pr, "null");
    out(pr, ")");
}

/* "(head target" -- the caller adds the rest and the closing parenthesis */
static void open_target(printer *pr, const char *head, const sql_tableref *target)
{
    out(pr, head);
    tref(pr, target);
}

/* "(head target (tag expr))", the expression when set */
static void target_expr_stmt(printer *pr, const char *head, const sql_tableref *target,
                             const char *tag, const sql_expr *e)
{
    open_target(pr, head, target);
    tagged_expr(pr, tag, e);
    out(pr, ")");
}

static void drop_stmt(printer *pr, const sql_drop *d)
{
    out(pr, "(drop ");
    out(pr, object_name(d->what));
    if (d->if_exists)
        out(pr, " if-exists");
    out(pr, " ");
    name(pr, &d->name);
    if (d->cascade)
        out(pr, " cascade");
    out(pr, ")");
}

static void model_stmt(printer *pr, const sql_model_stmt *m)
{
    static const char *const ops[] = {
        [SQL_MODEL_CREATE] = "(create-model ", [SQL_MODEL_DROP] = "(drop-model ",
        [SQL_MODEL_SET_STAGE] = "(alter-model-stage ", [SQL_MODEL_SET_ALIAS] = "(alter-model-alias ",
        [SQL_MODEL_DROP_ALIAS] = "(alter-model-drop-alias ",
        [SQL_MODEL_SET_COMMENT] = "(alter-model-comment ", [SQL_MODEL_DESCRIBE] = "(describe-model ",
    };
    out(pr, ops[m->op]);
    if (m->or_replace)
        out(pr, "or-replace ");
    if (m->if_not_exists)
        out(pr, "if-not-exists ");
    if (m->if_exists)
        out(pr, "if-exists ");
    qstr(pr, m->name);
    tagged_str(pr, "version", m->version);
    tagged_str(pr, "stage", m->stage);
    if (m->archive_existing)
        out(pr, " archive-existing");
    tagged_str(pr, "alias", m->alias);
    tagged_str(pr, "comment", m->comment);
    tagged_items(pr, "options", m->options, m->n_options, &PROPS);
    if (m->query) {
        out(pr, " ");
        query(pr, m->query);
    }
    out(pr, ")");
}

/* DDL, DML and maintenance statements. */
static void lake_stmt(printer *pr, const sql_stmt *s)
{
    switch (s->kind) {
    case SQL_S_CREATE: create_stmt(pr, s->create); return;
    case SQL_S_DROP: drop_stmt(pr, s->drop); return;
    case SQL_S_ALTER: alter_stmt(pr, s->alter); return;
    case SQL_S_INSERT: insert_stmt(pr, s->insert); return;
    case SQL_S_UPDATE:
        open_target(pr, "(update ", s->update->target);
        out(pr, " (set");
        assigns(pr, s->update->sets, s->update->n_sets);
        out(pr, ")");
        tagged_expr(pr, "where", s->update->where);
        out(pr, ")");
        return;
    case SQL_S_DELETE:
        target_expr_stmt(pr, "(delete ", s->delete_->target, "where", s->delete_->where);
        return;
    case SQL_S_MERGE: merge_stmt(pr, s->merge); return;
    case SQL_S_COPY: copy_stmt(pr, s->copy); return;
    case SQL_S_DESCRIBE: describe_stmt(pr, s->describe); return;
    case SQL_S_RESTORE:
        target_expr_stmt(pr, "(restore ", s->restore->target,
                         s->restore->travel == SQL_TRAVEL_VERSION ? "version-as-of"
                                                                  : "timestamp-as-of",
                         s->restore->at);
        return;
    case SQL_S_OPTIMIZE:
        open_target(pr, "(optimize ", s->optimize->target);
        tagged_expr(pr, "where", s->optimize->where);
        tagged_items(pr, "zorder", s->optimize->zorder, s->optimize->n_zorder, &NAMES);
        out(pr, ")");
        return;
    case SQL_S_VACUUM:
        open_target(pr, "(vacuum ", s->vacuum->target);
        tagged_expr(pr, "retain-hours", s->vacuum->retain_hours);
        if (s->vacuum->dry_run)
            out(pr, " dry-run");
        out(pr, ")");
        return;
    case SQL_S_COMMENT: comment_stmt(pr, s->comment_on); return;
    case SQL_S_MODEL: model_stmt(pr, s->model); return;
    case SQL_S_TRUNCATE:
        open_target(pr, "(truncate ", s->truncate);
        out(pr, ")");
        return;
    default:
        out(pr, "?");
        return;
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
        out(pr, s->use_what == SQL_OBJ_CATALOG ? "(use catalog " : "(use ");
        name(pr, &s->name);
        out(pr, ")");
        return;
    default:
        lake_stmt(pr, s);
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
