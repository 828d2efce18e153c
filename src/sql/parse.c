/* parse.c -- recursive-descent parser for strata's Spark SQL statements,
** queries and table references (expressions, types and window specs are in
** parse_expr.c), plus the shared parser helpers and error positioning.
**
** sql_parse lexes the whole text first (lex.c), then parses statements
** separated by ';'. The first error wins: it is recorded with its byte
** offset, rendered as "line L, column C: <message>" and the caret picture
** goes to err->hint. Nesting of queries, joins and set operations counts
** against the same SQL_MAX_DEPTH as expressions (see parse_enter). SET and
** RESET keep their key and value as raw source text, as Spark does; SHOW
** keeps its words (and gets a structured sql_show from parse_stmt.c, which
** parses every lakehouse statement). Grammar summary: src/sql/README.md. */
#include <ctype.h>
#include <stdio.h>
#include <strings.h>

#include "sql_int.h"

/* ---- helpers shared with parse_expr.c ---------------------------------- */

lex_token *parse_peek(parse_state *p, int ahead)
{
    int32_t k = p->i + ahead;
    return &p->toks[k < p->n_toks ? k : p->n_toks - 1];
}

bool parse_is_kw(parse_state *p, int ahead, lex_kw kw)
{
    lex_token *t = parse_peek(p, ahead);
    return t->kind == LEX_IDENT && t->kw == kw;
}

bool parse_accept_kw(parse_state *p, lex_kw kw)
{
    if (!parse_is_kw(p, 0, kw))
        return false;
    p->i++;
    return true;
}

bool parse_accept(parse_state *p, lex_kind k)
{
    if (parse_peek(p, 0)->kind != k)
        return false;
    p->i++;
    return true;
}

/* An identifier usable as a name: quoted, or unquoted and not reserved. */
bool parse_is_name_tok(const lex_token *t)
{
    return t->kind == LEX_QIDENT || (t->kind == LEX_IDENT && !t->reserved);
}

/* An unquoted identifier spelled w (any case) at the cursor + ahead. The
** lakehouse statements match their words this way, so none of them becomes
** a keyword of the lexer (and none is reserved). */
bool parse_is_word(parse_state *p, int ahead, const char *w)
{
    lex_token *t = parse_peek(p, ahead);
    return t->kind == LEX_IDENT && strcasecmp(t->text, w) == 0;
}

bool parse_accept_word(parse_state *p, const char *w)
{
    if (!parse_is_word(p, 0, w))
        return false;
    p->i++;
    return true;
}

void sql_pos_linecol(const char *text, int32_t pos, int32_t *line, int32_t *col)
{
    int32_t l = 1, c = 1;
    for (int32_t k = 0; k < pos && text[k]; k++) {
        if (text[k] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)text[k] & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

st_status sql_error_caret(const char *text, int32_t pos, st_buf *out, st_error *err)
{
    int32_t n = (int32_t)strnlen(text, INT32_MAX);
    if (pos < 0)
        pos = 0;
    if (pos > n)
        pos = n;
    int32_t ls = pos, le = pos, line, col;
    while (ls > 0 && text[ls - 1] != '\n')
        ls--;
    while (le < n && text[le] != '\n' && text[le] != '\r')
        le++;
    int32_t start = ls, end = le;
    if (pos - ls > 40) {
        start = pos - 30;
        while (start < pos && is_cont((unsigned char)text[start]))
            start++;
    }
    if (end - start > 80) {
        end = start + 80;
        while (end > pos && is_cont((unsigned char)text[end]))
            end--;
    }
    sql_pos_linecol(text, pos, &line, &col);
    char prefix[32];
    int plen = snprintf(prefix, sizeof prefix, "LINE %d: ", (int)line);
    st_status rc = st_buf_append_str(out, prefix, err);
    if (rc == ST_OK && start > ls)
        rc = st_buf_append_str(out, "...", err);
    int32_t caret = plen + (start > ls ? 3 : 0);
    for (int32_t k = start; rc == ST_OK && k < end; k++) {
        unsigned char c = (unsigned char)text[k];
        rc = st_buf_append_byte(out, c < 0x20 || c == 0x7F ? ' ' : c, err);
        if (k < pos && !is_cont(c))
            caret++;
    }
    if (rc == ST_OK && end < le)
        rc = st_buf_append_str(out, "...", err);
    if (rc == ST_OK)
        rc = st_buf_append_byte(out, '\n', err);
    for (int32_t k = 0; rc == ST_OK && k < caret; k++)
        rc = st_buf_append_byte(out, ' ', err);
    if (rc == ST_OK)
        rc = st_buf_append_byte(out, '^', err);
    return rc;
}

/* Records the first error: "line L, column C: msg" plus the caret hint. */
st_status parse_error_at(parse_state *p, int32_t pos, st_status code, const char *msg)
{
    if (p->err_pos >= 0)
        return p->err ? p->err->code : code;
    p->err_pos = pos;
    int32_t line, col;
    sql_pos_linecol(p->text, pos, &line, &col);
    st_error_set(p->err, code, "line %d, column %d: %s", (int)line, (int)col,
                 msg ? msg : "syntax error");
    st_buf b;
    st_buf_init(&b);
    if (sql_error_caret(p->text, pos, &b, NULL) == ST_OK && st_buf_append_byte(&b, 0, NULL) == ST_OK)
        st_error_hint(p->err, "%s", (const char *)b.data);
    st_buf_destroy(&b);
    return code;
}

st_status parse_syntax_error(parse_state *p)
{
    lex_token *t = parse_peek(p, 0);
    char msg[96];
    if (t->kind == LEX_EOF)
        snprintf(msg, sizeof msg, "syntax error at end of input");
    else
        snprintf(msg, sizeof msg, "syntax error at or near \"%.*s\"",
                 (int)ST_MIN(t->len, 48), p->text + t->pos);
    return parse_error_at(p, t->pos, ST_ERR_SYNTAX, msg);
}

st_status parse_nomem(parse_state *p)
{
    if (p->err_pos < 0) {
        p->err_pos = parse_peek(p, 0)->pos;
        st_error_set(p->err, ST_ERR_NOMEM, "out of memory parsing sql text");
    }
    return ST_ERR_NOMEM;
}

st_status parse_expect(parse_state *p, lex_kind k)
{
    return parse_accept(p, k) ? ST_OK : parse_syntax_error(p);
}

st_status parse_expect_kw(parse_state *p, lex_kw kw)
{
    return parse_accept_kw(p, kw) ? ST_OK : parse_syntax_error(p);
}

/* Counts one level of nesting; fails past SQL_MAX_DEPTH. Callers undo with
** depth-- when the nested part is done (errors abandon the whole parse). */
st_status parse_enter(parse_state *p)
{
    if (++p->depth > SQL_MAX_DEPTH) {
        char msg[80];
        snprintf(msg, sizeof msg, "expression nested too deeply (more than %d levels)",
                 SQL_MAX_DEPTH);
        return parse_error_at(p, parse_peek(p, 0)->pos, ST_ERR_LIMIT, msg);
    }
    return ST_OK;
}

void *parse_alloc(parse_state *p, size_t n)
{
    return st_arena_calloc(p->a, 1, n);
}

st_status parse_ident(parse_state *p, const char **out)
{
    lex_token *t = parse_peek(p, 0);
    if (!parse_is_name_tok(t))
        return parse_syntax_error(p);
    *out = t->text;
    p->i++;
    return ST_OK;
}

/* Appends item to an arena-grown pointer array. */
st_status parse_push(parse_state *p, void ***arr, int *n, int *cap, void *item)
{
    if (*n == *cap) {
        if (*cap > INT32_MAX / 4)
            return parse_error_at(p, parse_peek(p, 0)->pos, ST_ERR_LIMIT, "list is too long");
        int ncap = *cap ? *cap * 2 : 4;
        void **na = st_arena_realloc(p->a, *arr, (size_t)*cap * sizeof *na,
                                     (size_t)ncap * sizeof *na);
        if (!na)
            return parse_nomem(p);
        *arr = na;
        *cap = ncap;
    }
    (*arr)[(*n)++] = item;
    return ST_OK;
}

/* Name list "(a, b, c)" into an arena array of strings. */
st_status parse_name_list(parse_state *p, const char ***out, int *n)
{
    int cap = 0;
    st_status rc = parse_expect(p, LEX_LPAREN);
    *out = NULL;
    *n = 0;
    if (rc != ST_OK)
        return rc;
    do {
        const char *s = NULL;
        if ((rc = parse_ident(p, &s)) != ST_OK ||
            (rc = parse_push(p, (void ***)out, n, &cap, (void *)s)) != ST_OK)
            return rc;
    } while (parse_accept(p, LEX_COMMA));
    return parse_expect(p, LEX_RPAREN);
}

/* ---- queries ------------------------------------------------------------- */

bool parse_query_starts(parse_state *p, int ahead)
{
    int k = ahead;
    while (parse_peek(p, k)->kind == LEX_LPAREN)
        k++;
    lex_token *t = parse_peek(p, k);
    if (t->kind != LEX_IDENT)
        return false;
    if (t->kw == KW_SELECT || t->kw == KW_WITH)
        return true;
    if (t->kw == KW_VALUES) {
        lex_kind n = parse_peek(p, k + 1)->kind;
        return n == LEX_LPAREN || n == LEX_NUMBER || n == LEX_STRING;
    }
    return false;
}

static sql_query *new_query(parse_state *p, sql_query_kind k, int32_t pos)
{
    sql_query *q = parse_alloc(p, sizeof *q);
    if (q) {
        q->kind = k;
        q->pos = pos;
    }
    return q;
}

static st_status parse_from(parse_state *p, sql_tableref **out);

static st_status parse_select_items(parse_state *p, sql_query *q)
{
    int cap = 0;
    do {
        if (q->n_items == cap) {
            int ncap = cap ? cap * 2 : 8;
            sql_select_item *ni = st_arena_realloc(p->a, q->items, (size_t)cap * sizeof *ni,
                                                   (size_t)ncap * sizeof *ni);
            if (!ni)
                return parse_nomem(p);
            q->items = ni;
            cap = ncap;
        }
        sql_select_item *it = &q->items[q->n_items];
        memset(it, 0, sizeof *it);
        it->pos = parse_peek(p, 0)->pos;
        st_status rc = parse_expr(p, &it->expr);
        if (rc != ST_OK)
            return rc;
        if (parse_accept_kw(p, KW_AS)) {
            if ((rc = parse_ident(p, &it->alias)) != ST_OK)
                return rc;
        } else if (parse_is_name_tok(parse_peek(p, 0))) {
            it->alias = parse_peek(p, 0)->text;
            p->i++;
        }
        q->n_items++;
    } while (parse_accept(p, LEX_COMMA));
    return ST_OK;
}

/* One grouping element: () (the empty set) or an expression. In GROUPING
** SETS every element becomes a SQL_E_ROW so (a) and a mean the same set. */
static st_status parse_group_elem(parse_state *p, bool as_set, sql_expr **out)
{
    lex_token *t = parse_peek(p, 0);
    st_status rc;
    if (t->kind == LEX_LPAREN && parse_peek(p, 1)->kind == LEX_RPAREN) {
        sql_expr *e = parse_alloc(p, sizeof *e);
        if (!e)
            return parse_nomem(p);
        e->kind = SQL_E_ROW;
        e->pos = t->pos;
        p->i += 2;
        *out = e;
        return ST_OK;
    }
    if ((rc = parse_expr(p, out)) != ST_OK)
        return rc;
    if (as_set && (*out)->kind != SQL_E_ROW) {
        sql_expr *r = parse_alloc(p, sizeof *r);
        if (!r || !(r->list = parse_alloc(p, sizeof *r->list)))
            return parse_nomem(p);
        r->kind = SQL_E_ROW;
        r->pos = (*out)->pos;
        r->list[0] = *out;
        r->n_list = 1;
        *out = r;
    }
    return ST_OK;
}

/* GROUP BY ALL | item, ... where item is an expression, ROLLUP(...),
** CUBE(...) or GROUPING SETS ((...), ...). */
static st_status parse_group_by(parse_state *p, sql_query *q)
{
    int cap = 0;
    st_status rc;
    if (parse_is_kw(p, 0, KW_ALL) && parse_peek(p, 1)->kind != LEX_LPAREN) {
        p->i++;
        q->group_all = true;
        return ST_OK;
    }
    do {
        lex_token *t = parse_peek(p, 0);
        sql_expr *e = NULL;
        bool sets = t->kw == KW_GROUPING && parse_is_kw(p, 1, KW_SETS);
        if (t->kind == LEX_IDENT && (sets || t->kw == KW_ROLLUP || t->kw == KW_CUBE) &&
            parse_peek(p, sets ? 2 : 1)->kind == LEX_LPAREN) {
            int ecap = 0;
            if (!(e = parse_alloc(p, sizeof *e)))
                return parse_nomem(p);
            e->kind = SQL_E_GROUPING;
            e->pos = t->pos;
            e->op = sets ? SQL_OP_GROUPING_SETS : t->kw == KW_ROLLUP ? SQL_OP_ROLLUP : SQL_OP_CUBE;
            p->i += sets ? 3 : 2;
            if (!parse_accept(p, LEX_RPAREN)) {
                do {
                    sql_expr *el = NULL;
                    if ((rc = parse_group_elem(p, sets, &el)) != ST_OK ||
                        (rc = parse_push(p, (void ***)&e->list, &e->n_list, &ecap, el)) != ST_OK)
                        return rc;
                } while (parse_accept(p, LEX_COMMA));
                if ((rc = parse_expect(p, LEX_RPAREN)) != ST_OK)
                    return rc;
            }
        } else if ((rc = parse_group_elem(p, false, &e)) != ST_OK) {
            return rc;
        }
        if ((rc = parse_push(p, (void ***)&q->group_by, &q->n_group_by, &cap, e)) != ST_OK)
            return rc;
    } while (parse_accept(p, LEX_COMMA));
    return ST_OK;
}

static st_status parse_windows(parse_state *p, sql_query *q)
{
    int cap = 0;
    do {
        if (q->n_windows == cap) {
            int ncap = cap ? cap * 2 : 2;
            sql_named_window *nw = st_arena_realloc(p->a, q->windows,
                                                    (size_t)cap * sizeof *nw,
                                                    (size_t)ncap * sizeof *nw);
            if (!nw)
                return parse_nomem(p);
            q->windows = nw;
            cap = ncap;
        }
        sql_named_window *w = &q->windows[q->n_windows];
        memset(w, 0, sizeof *w);
        w->pos = parse_peek(p, 0)->pos;
        st_status rc;
        if ((rc = parse_ident(p, &w->name)) != ST_OK || (rc = parse_expect_kw(p, KW_AS)) != ST_OK ||
            (rc = parse_window_spec(p, &w->spec)) != ST_OK)
            return rc;
        q->n_windows++;
    } while (parse_accept(p, LEX_COMMA));
    return ST_OK;
}

static st_status parse_select(parse_state *p, sql_query **out)
{
    sql_query *q = new_query(p, SQL_Q_SELECT, parse_peek(p, 0)->pos);
    st_status rc;
    if (!q)
        return parse_nomem(p);
    *out = q;
    p->i++;                                      /* SELECT */
    if (parse_accept_kw(p, KW_DISTINCT))
        q->distinct = true;
    else
        parse_accept_kw(p, KW_ALL);
    if ((rc = parse_select_items(p, q)) != ST_OK)
        return rc;
    if (parse_accept_kw(p, KW_FROM) && (rc = parse_from(p, &q->from)) != ST_OK)
        return rc;
    if (parse_accept_kw(p, KW_WHERE) && (rc = parse_expr(p, &q->where)) != ST_OK)
        return rc;
    if (parse_is_kw(p, 0, KW_GROUP)) {
        p->i++;
        if ((rc = parse_expect_kw(p, KW_BY)) != ST_OK || (rc = parse_group_by(p, q)) != ST_OK)
            return rc;
    }
    if (parse_accept_kw(p, KW_HAVING) && (rc = parse_expr(p, &q->having)) != ST_OK)
        return rc;
    for (int k = 0; k < 2; k++) {                /* WINDOW and QUALIFY, either order */
        if (!q->windows && parse_accept_kw(p, KW_WINDOW) && (rc = parse_windows(p, q)) != ST_OK)
            return rc;
        if (!q->qualify && parse_accept_kw(p, KW_QUALIFY) &&
            (rc = parse_expr(p, &q->qualify)) != ST_OK)
            return rc;
    }
    return ST_OK;
}

static st_status parse_values(parse_state *p, sql_query **out)
{
    sql_query *q = new_query(p, SQL_Q_VALUES, parse_peek(p, 0)->pos);
    int cap = 0;
    if (!q)
        return parse_nomem(p);
    *out = q;
    p->i++;                                      /* VALUES */
    do {
        sql_expr *row = NULL;
        st_status rc = parse_expr(p, &row);
        if (rc != ST_OK)
            return rc;
        if (row->kind != SQL_E_ROW) {            /* VALUES 1, 2: one-column rows */
            sql_expr *r = parse_alloc(p, sizeof *r);
            if (!r || !(r->list = parse_alloc(p, sizeof *r->list)))
                return parse_nomem(p);
            r->kind = SQL_E_ROW;
            r->pos = row->pos;
            r->list[0] = row;
            r->n_list = 1;
            row = r;
        }
        if ((rc = parse_push(p, (void ***)&q->rows, &q->n_rows, &cap, row)) != ST_OK)
            return rc;
    } while (parse_accept(p, LEX_COMMA));
    return ST_OK;
}

static st_status parse_setop_expr(parse_state *p, int min_prec, sql_query **out);

static st_status parse_query_primary(parse_state *p, sql_query **out)
{
    st_status rc;
    if (parse_is_kw(p, 0, KW_SELECT))
        return parse_select(p, out);
    if (parse_is_kw(p, 0, KW_VALUES))
        return parse_values(p, out);
    if (parse_is_kw(p, 0, KW_WITH))
        return parse_query(p, out);
    if (parse_peek(p, 0)->kind == LEX_LPAREN && parse_query_starts(p, 1)) {
        p->i++;
        if ((rc = parse_query(p, out)) != ST_OK)
            return rc;
        return parse_expect(p, LEX_RPAREN);
    }
    return parse_syntax_error(p);
}

/* UNION / EXCEPT / MINUS (prec 1) and INTERSECT (prec 2), left-associative. */
static st_status parse_setop_expr(parse_state *p, int min_prec, sql_query **out)
{
    sql_query *l = NULL;
    st_status rc = parse_query_primary(p, &l);
    int chain = 0;
    while (rc == ST_OK) {
        lex_token *t = parse_peek(p, 0);
        int prec = t->kind != LEX_IDENT ? 0
                 : (t->kw == KW_UNION || t->kw == KW_EXCEPT || t->kw == KW_MINUS) ? 1
                 : t->kw == KW_INTERSECT ? 2 : 0;
        if (!prec || prec < min_prec)
            break;
        sql_query *q = new_query(p, SQL_Q_SETOP, t->pos);
        if (!q) { rc = parse_nomem(p); break; }
        q->setop = t->kw == KW_UNION ? SQL_SET_UNION : t->kw == KW_INTERSECT ? SQL_SET_INTERSECT
                 : SQL_SET_EXCEPT;
        p->i++;
        if (parse_accept_kw(p, KW_ALL))
            q->all = true;
        else
            parse_accept_kw(p, KW_DISTINCT);
        if ((rc = parse_enter(p)) != ST_OK)
            break;
        chain++;
        q->left = l;
        if ((rc = parse_setop_expr(p, prec + 1, &q->right)) != ST_OK)
            break;
        l = q;
    }
    p->depth -= chain;
    *out = l;
    return rc;
}

/* name [(cols)] [AS] (query), ... after WITH. */
static st_status parse_ctes(parse_state *p, sql_cte **ctes, int *n)
{
    int cap = 0;
    do {
        if (*n == cap) {
            int ncap = cap ? cap * 2 : 2;
            sql_cte *nc = st_arena_realloc(p->a, *ctes, (size_t)cap * sizeof *nc,
                                           (size_t)ncap * sizeof *nc);
            if (!nc)
                return parse_nomem(p);
            *ctes = nc;
            cap = ncap;
        }
        sql_cte *c = &(*ctes)[*n];
        memset(c, 0, sizeof *c);
        c->pos = parse_peek(p, 0)->pos;
        st_status rc = parse_ident(p, &c->name);
        if (rc != ST_OK)
            return rc;
        if (parse_peek(p, 0)->kind == LEX_LPAREN && (rc = parse_name_list(p, &c->cols, &c->n_cols)) != ST_OK)
            return rc;
        parse_accept_kw(p, KW_AS);
        if ((rc = parse_expect(p, LEX_LPAREN)) != ST_OK || (rc = parse_query(p, &c->query)) != ST_OK ||
            (rc = parse_expect(p, LEX_RPAREN)) != ST_OK)
            return rc;
        (*n)++;
    } while (parse_accept(p, LEX_COMMA));
    return ST_OK;
}

/* ORDER BY / LIMIT / OFFSET after a query body. */
static st_status parse_query_tail(parse_state *p, sql_query *q)
{
    st_status rc;
    if (parse_is_kw(p, 0, KW_ORDER)) {
        p->i++;
        if ((rc = parse_expect_kw(p, KW_BY)) != ST_OK ||
            (rc = parse_order_list(p, &q->order_by, &q->n_order_by)) != ST_OK)
            return rc;
    }
    if (parse_accept_kw(p, KW_LIMIT)) {
        if (parse_is_kw(p, 0, KW_ALL))
            p->i++;
        else if ((rc = parse_expr(p, &q->limit)) != ST_OK)
            return rc;
    }
    if (parse_accept_kw(p, KW_OFFSET) && (rc = parse_expr(p, &q->offset)) != ST_OK)
        return rc;
    return ST_OK;
}

static bool tail_starts(parse_state *p)
{
    return parse_is_kw(p, 0, KW_ORDER) || parse_is_kw(p, 0, KW_LIMIT) ||
           parse_is_kw(p, 0, KW_OFFSET);
}

st_status parse_query(parse_state *p, sql_query **out)
{
    st_status rc = parse_enter(p);
    if (rc != ST_OK)
        return rc;
    int32_t pos = parse_peek(p, 0)->pos;
    sql_cte *ctes = NULL;
    int n_ctes = 0;
    if (parse_accept_kw(p, KW_WITH) && (rc = parse_ctes(p, &ctes, &n_ctes)) != ST_OK)
        return rc;
    sql_query *q = NULL;
    if ((rc = parse_setop_expr(p, 1, &q)) != ST_OK)
        return rc;
    bool busy = q->n_order_by || q->limit || q->offset || q->n_ctes;
    if ((tail_starts(p) || n_ctes) && busy) {
        sql_query *w = new_query(p, SQL_Q_NESTED, pos);
        if (!w)
            return parse_nomem(p);
        w->left = q;
        q = w;
    }
    q->ctes = ctes;
    q->n_ctes = n_ctes;
    if (n_ctes)
        q->pos = pos;
    if ((rc = parse_query_tail(p, q)) != ST_OK)
        return rc;
    p->depth--;
    *out = q;
    return ST_OK;
}

/* ---- table references ---------------------------------------------------- */

static const char *const PATH_FORMATS[] = {
    "delta", "parquet", "csv", "json", "orc", "text", "avro", "binaryfile",
};

static sql_tableref *new_tref(parse_state *p, sql_tref_kind k, int32_t pos)
{
    sql_tableref *t = parse_alloc(p, sizeof *t);
    if (t) {
        t->kind = k;
        t->pos = pos;
    }
    return t;
}

/* t VERSION AS OF n, t TIMESTAMP AS OF x, t@v3, t@20240101000000000. */
static st_status parse_travel(parse_state *p, sql_tableref *t)
{
    if ((parse_is_kw(p, 0, KW_VERSION) || parse_is_kw(p, 0, KW_TIMESTAMP)) &&
        parse_is_kw(p, 1, KW_AS) && parse_is_kw(p, 2, KW_OF)) {
        t->travel = parse_is_kw(p, 0, KW_VERSION) ? SQL_TRAVEL_VERSION : SQL_TRAVEL_TIMESTAMP;
        p->i += 3;
        return parse_expr(p, &t->travel_at);
    }
    if (parse_peek(p, 0)->kind != LEX_AT)
        return ST_OK;
    p->i++;
    lex_token *v = parse_peek(p, 0);
    sql_expr *e = parse_alloc(p, sizeof *e);
    if (!e)
        return parse_nomem(p);
    e->kind = SQL_E_LITERAL;
    e->lit = SQL_LIT_INT;
    e->pos = v->pos;
    if (v->kind == LEX_IDENT && v->len >= 2 && (v->text[0] == 'v' || v->text[0] == 'V') &&
        strspn(v->text + 1, "0123456789") == (size_t)(v->len - 1)) {
        t->travel = SQL_TRAVEL_VERSION;
        e->str = st_arena_strndup(p->a, v->text + 1, (size_t)v->len - 1);
    } else if (v->kind == LEX_NUMBER && strspn(v->text, "0123456789") == (size_t)v->len) {
        t->travel = SQL_TRAVEL_TIMESTAMP;
        e->str = st_arena_strndup(p->a, v->text, (size_t)v->len);
    } else {
        return parse_syntax_error(p);
    }
    if (!e->str)
        return parse_nomem(p);
    e->str_len = (int32_t)strlen(e->str);
    p->i++;
    t->travel_at = e;
    return ST_OK;
}

/* [AS] alias [(c1, c2)] */
static st_status parse_alias(parse_state *p, sql_tableref *t)
{
    st_status rc;
    bool as = parse_accept_kw(p, KW_AS);
    if (!as && !parse_is_name_tok(parse_peek(p, 0)))
        return ST_OK;
    if ((rc = parse_ident(p, &t->alias)) != ST_OK)
        return rc;
    if (parse_peek(p, 0)->kind == LEX_LPAREN)
        return parse_name_list(p, &t->col_aliases, &t->n_col_aliases);
    return ST_OK;
}

st_status parse_call_args(parse_state *p, sql_expr ***args, int *n);

/* A table name (a.b.c) or format.`path` (SQL_T_PATH when the format is
** known and the last part is back-quoted), without time travel or alias.
** The first token must be an identifier (callers check reservedness). */
st_status parse_table_name(parse_state *p, sql_tableref **out)
{
    sql_tableref *t = new_tref(p, SQL_T_NAME, parse_peek(p, 0)->pos);
    int cap = 0;
    bool last_quoted = false;
    st_status rc;
    if (!t)
        return parse_nomem(p);
    *out = t;
    t->name.pos = t->pos;
    for (;;) {
        lex_token *nt = parse_peek(p, 0);
        if (nt->kind != LEX_IDENT && nt->kind != LEX_QIDENT)
            return parse_syntax_error(p);
        last_quoted = nt->kind == LEX_QIDENT;
        if ((rc = parse_push(p, (void ***)&t->name.parts, &t->name.n_parts, &cap,
                             (void *)nt->text)) != ST_OK)
            return rc;
        p->i++;
        if (!parse_accept(p, LEX_DOT))
            break;
    }
    if (t->name.n_parts == 2 && last_quoted) {
        for (size_t k = 0; k < ST_ARRAY_LEN(PATH_FORMATS); k++) {
            if (strcasecmp(PATH_FORMATS[k], t->name.parts[0]) == 0) {
                t->kind = SQL_T_PATH;
                t->format = PATH_FORMATS[k];
                t->path = t->name.parts[1];
                break;
            }
        }
    }
    return ST_OK;
}

/* Leading MODEL name|'uri' and TABLE t|TABLE (query) arguments of a
** table-valued function (ML.PREDICT(MODEL m, TABLE t, ...)), after '('.
** MODEL and TABLE are words here only when a name, string or '(' follows,
** so `f(model)` still passes a column called model. *done: the call's ')'
** was consumed. */
static st_status parse_tvf_special_args(parse_state *p, sql_tableref *t, bool *done)
{
    st_status rc;
    *done = false;
    lex_token *n = parse_peek(p, 1);
    if (parse_is_word(p, 0, "model") &&
        (n->kind == LEX_IDENT || n->kind == LEX_QIDENT || n->kind == LEX_STRING)) {
        p->i++;
        t->model_pos = n->pos;
        if (n->kind == LEX_STRING) {
            t->model = n->text;
            p->i++;
        } else {
            sql_tableref *tmp = NULL;
            if ((rc = parse_table_name(p, &tmp)) != ST_OK)
                return rc;
            size_t len = 0;
            for (int k = 0; k < tmp->name.n_parts; k++)
                len += strlen(tmp->name.parts[k]) + 1;
            char *s = parse_alloc(p, len + 1);
            if (!s)
                return parse_nomem(p);
            for (int k = 0; k < tmp->name.n_parts; k++) {
                if (k)
                    strcat(s, ".");
                strcat(s, tmp->name.parts[k]);
            }
            t->model = s;
        }
        if (!parse_accept(p, LEX_COMMA))
            return (*done = true, parse_expect(p, LEX_RPAREN));
    }
    n = parse_peek(p, 1);
    if (parse_is_word(p, 0, "table") &&
        (n->kind == LEX_IDENT || n->kind == LEX_QIDENT || n->kind == LEX_LPAREN)) {
        p->i++;
        if (n->kind == LEX_LPAREN) {
            sql_tableref *r = new_tref(p, SQL_T_QUERY, n->pos);
            if (!r)
                return parse_nomem(p);
            p->i++;
            if ((rc = parse_query(p, &r->query)) != ST_OK ||
                (rc = parse_expect(p, LEX_RPAREN)) != ST_OK)
                return rc;
            t->table_arg = r;
        } else if ((rc = parse_table_name(p, &t->table_arg)) != ST_OK) {
            return rc;
        } else if ((rc = parse_travel(p, t->table_arg)) != ST_OK) {
            return rc;
        }
        if (!parse_accept(p, LEX_COMMA))
            return (*done = true, parse_expect(p, LEX_RPAREN));
    }
    return ST_OK;
}

/* name, format.`path`, or name(args) */
static st_status parse_named_tref(parse_state *p, sql_tableref **out)
{
    sql_tableref *t = NULL;
    st_status rc = parse_table_name(p, out);
    if (rc != ST_OK)
        return rc;
    t = *out;
    if (parse_peek(p, 0)->kind == LEX_LPAREN) {
        t->kind = SQL_T_FUNC;                    /* even fmt.`x`(...) */
        t->format = NULL;
        t->path = NULL;
        p->i++;
        bool done = false;
        if ((rc = parse_tvf_special_args(p, t, &done)) != ST_OK)
            return rc;
        if (!done && (rc = parse_call_args(p, &t->args, &t->n_args)) != ST_OK)
            return rc;
    }
    if ((t->kind == SQL_T_NAME || t->kind == SQL_T_PATH) && (rc = parse_travel(p, t)) != ST_OK)
        return rc;
    return parse_alias(p, t);
}

static st_status parse_join_chain(parse_state *p, sql_tableref **out);

st_status parse_table_primary(parse_state *p, sql_tableref **out)
{
    st_status rc = parse_enter(p);
    if (rc != ST_OK)
        return rc;
    lex_token *t = parse_peek(p, 0);
    if (t->kind == LEX_LPAREN || (parse_is_kw(p, 0, KW_VALUES) && parse_query_starts(p, 0))) {
        if (parse_query_starts(p, 0) || parse_query_starts(p, 1)) {
            sql_tableref *r = new_tref(p, SQL_T_QUERY, t->pos);
            if (!r)
                return parse_nomem(p);
            if (t->kind == LEX_LPAREN) {
                p->i++;
                if ((rc = parse_query(p, &r->query)) != ST_OK ||
                    (rc = parse_expect(p, LEX_RPAREN)) != ST_OK)
                    return rc;
            } else if ((rc = parse_values(p, &r->query)) != ST_OK) {
                return rc;
            }
            *out = r;
            rc = parse_alias(p, r);
        } else {
            p->i++;                              /* ( a JOIN b ) */
            if ((rc = parse_join_chain(p, out)) != ST_OK ||
                (rc = parse_expect(p, LEX_RPAREN)) != ST_OK)
                return rc;
        }
    } else if (parse_is_name_tok(t) || (t->kind == LEX_IDENT && !t->reserved)) {
        rc = parse_named_tref(p, out);
    } else {
        rc = parse_syntax_error(p);
    }
    p->depth--;
    return rc;
}

/* Reads the join keywords at the cursor; false if no join starts here. */
static bool parse_join_kind(parse_state *p, sql_join_kind *kind, bool *natural)
{
    int32_t save = p->i;
    *natural = parse_accept_kw(p, KW_NATURAL);
    *kind = SQL_JOIN_INNER;
    if (parse_accept_kw(p, KW_INNER)) {
    } else if (parse_accept_kw(p, KW_CROSS)) {
        *kind = SQL_JOIN_CROSS;
    } else if (parse_accept_kw(p, KW_LEFT)) {
        *kind = parse_accept_kw(p, KW_SEMI) ? SQL_JOIN_SEMI
              : parse_accept_kw(p, KW_ANTI) ? SQL_JOIN_ANTI : SQL_JOIN_LEFT;
        if (*kind == SQL_JOIN_LEFT)
            parse_accept_kw(p, KW_OUTER);
    } else if (parse_accept_kw(p, KW_RIGHT)) {
        *kind = SQL_JOIN_RIGHT;
        parse_accept_kw(p, KW_OUTER);
    } else if (parse_accept_kw(p, KW_FULL)) {
        *kind = SQL_JOIN_FULL;
        parse_accept_kw(p, KW_OUTER);
    } else if (parse_accept_kw(p, KW_SEMI)) {
        *kind = SQL_JOIN_SEMI;
    } else if (parse_accept_kw(p, KW_ANTI)) {
        *kind = SQL_JOIN_ANTI;
    }
    if (parse_accept_kw(p, KW_JOIN))
        return true;
    p->i = save;
    return false;
}

static st_status parse_join_cond(parse_state *p, sql_tableref *j)
{
    st_status rc;
    if (j->natural || j->join == SQL_JOIN_CROSS)
        return ST_OK;
    if (parse_accept_kw(p, KW_ON))
        return parse_expr(p, &j->on);
    if (parse_accept_kw(p, KW_USING)) {
        if ((rc = parse_name_list(p, &j->using_cols, &j->n_using)) != ST_OK)
            return rc;
    }
    return ST_OK;
}

/* primary (join primary [ON ...|USING (...)])* */
static st_status parse_join_chain(parse_state *p, sql_tableref **out)
{
    sql_tableref *l = NULL;
    st_status rc = parse_table_primary(p, &l);
    int chain = 0;
    while (rc == ST_OK) {
        sql_join_kind kind;
        bool natural;
        int32_t pos = parse_peek(p, 0)->pos;
        if (!parse_join_kind(p, &kind, &natural))
            break;
        sql_tableref *j = new_tref(p, SQL_T_JOIN, pos);
        if (!j) { rc = parse_nomem(p); break; }
        if ((rc = parse_enter(p)) != ST_OK)
            break;
        chain++;
        j->join = kind;
        j->natural = natural;
        j->left = l;
        if ((rc = parse_table_primary(p, &j->right)) != ST_OK || (rc = parse_join_cond(p, j)) != ST_OK)
            break;
        l = j;
    }
    p->depth -= chain;
    *out = l;
    return rc;
}

/* FROM a, b JOIN c ...: commas make CROSS joins. */
static st_status parse_from(parse_state *p, sql_tableref **out)
{
    sql_tableref *l = NULL;
    st_status rc = parse_join_chain(p, &l);
    int chain = 0;
    while (rc == ST_OK && parse_peek(p, 0)->kind == LEX_COMMA) {
        sql_tableref *j = new_tref(p, SQL_T_JOIN, parse_peek(p, 0)->pos);
        p->i++;
        if (!j) { rc = parse_nomem(p); break; }
        if ((rc = parse_enter(p)) != ST_OK)
            break;
        chain++;
        j->join = SQL_JOIN_CROSS;
        j->left = l;
        if ((rc = parse_join_chain(p, &j->right)) != ST_OK)
            break;
        l = j;
    }
    p->depth -= chain;
    *out = l;
    return rc;
}

/* ---- statements ---------------------------------------------------------- */

static sql_stmt *new_stmt(parse_state *p, sql_stmt_kind k, int32_t pos)
{
    sql_stmt *s = parse_alloc(p, sizeof *s);
    if (s) {
        s->kind = k;
        s->pos = pos;
    }
    return s;
}

/* Index of the first ';' or EOF token at or after the cursor. */
static int32_t stmt_end_tok(parse_state *p)
{
    int32_t k = p->i;
    while (p->toks[k].kind != LEX_SEMI && p->toks[k].kind != LEX_EOF)
        k++;
    return k;
}

/* Source text of tokens [from, to) as written (from the first byte of the
** first token to the last byte of the last); NULL when empty; *nomem on
** failure. */
const char *parse_src_text(parse_state *p, int32_t from, int32_t to, bool *nomem)
{
    *nomem = false;
    if (from >= to)
        return NULL;
    int32_t s = p->toks[from].pos, e = p->toks[to - 1].pos + p->toks[to - 1].len;
    const char *r = st_arena_strndup(p->a, p->text + s, (size_t)(e - s));
    *nomem = r == NULL;
    return r;
}

/* SET [key [= value]] and RESET [key]: raw text, as Spark keeps it. */
static st_status parse_set(parse_state *p, sql_stmt *s)
{
    int32_t end = stmt_end_tok(p), eq = p->i;
    bool nomem;
    while (eq < end && p->toks[eq].kind != LEX_EQ)
        eq++;
    if (s->kind == SQL_S_RESET && eq < end) {
        p->i = eq;
        return parse_syntax_error(p);
    }
    if (eq < end && eq == p->i)
        return parse_syntax_error(p);
    s->key = parse_src_text(p, p->i, eq, &nomem);
    if (!nomem && eq < end) {
        s->value = parse_src_text(p, eq + 1, end, &nomem);
        if (!nomem && !s->value && !(s->value = st_arena_strdup(p->a, "")))
            nomem = true;
    }
    p->i = end;
    return nomem ? parse_nomem(p) : ST_OK;
}

/* SHOW: words keeps every token's text as written (session.c reads it);
** parse_show_body then fills s->show from the same tokens. */
static st_status parse_show(parse_state *p, sql_stmt *s)
{
    int32_t end = stmt_end_tok(p), start = p->i;
    int cap = 0;
    bool nomem;
    if (end == p->i)
        return parse_syntax_error(p);
    for (; p->i < end; p->i++) {
        const char *w = parse_src_text(p, p->i, p->i + 1, &nomem);
        st_status rc = nomem ? parse_nomem(p) : parse_push(p, (void ***)&s->words, &s->n_words,
                                                          &cap, (void *)w);
        if (rc != ST_OK)
            return rc;
    }
    p->i = start;
    return parse_show_body(p, s, end);
}

/* USE CATALOG c | USE {SCHEMA | DATABASE} s | USE s | USE c.s. CATALOG,
** SCHEMA and DATABASE are names themselves unless a name follows them. */
static st_status parse_use(parse_state *p, sql_stmt *s)
{
    int cap = 0;
    lex_kind next = parse_peek(p, 1)->kind;
    bool named = next == LEX_IDENT || next == LEX_QIDENT;
    s->use_what = SQL_OBJ_SCHEMA;
    if (named && parse_is_word(p, 0, "catalog")) {
        s->use_what = SQL_OBJ_CATALOG;
        p->i++;
    } else if (named && (parse_is_word(p, 0, "schema") || parse_is_word(p, 0, "database"))) {
        p->i++;
    }
    s->name.pos = parse_peek(p, 0)->pos;
    do {
        const char *part = NULL;
        lex_token *t = parse_peek(p, 0);
        if (t->kind != LEX_IDENT && t->kind != LEX_QIDENT)
            return parse_syntax_error(p);
        part = t->text;
        p->i++;
        st_status rc = parse_push(p, (void ***)&s->name.parts, &s->name.n_parts, &cap, (void *)part);
        if (rc != ST_OK)
            return rc;
    } while (parse_accept(p, LEX_DOT));
    return ST_OK;
}

static st_status parse_stmt(parse_state *p, sql_stmt **out)
{
    lex_token *t = parse_peek(p, 0);
    sql_stmt *s = new_stmt(p, SQL_S_QUERY, t->pos);
    st_status rc;
    if (!s)
        return parse_nomem(p);
    *out = s;
    if (parse_query_starts(p, 0)) {
        rc = parse_query(p, &s->query);
    } else if (t->kind == LEX_IDENT && t->kw == KW_EXPLAIN) {
        s->kind = SQL_S_EXPLAIN;
        p->i++;
        s->analyze = parse_accept_kw(p, KW_ANALYZE);
        if (!parse_query_starts(p, 0))
            return parse_syntax_error(p);
        if (!(s->inner = new_stmt(p, SQL_S_QUERY, parse_peek(p, 0)->pos)))
            return parse_nomem(p);
        rc = parse_query(p, &s->inner->query);
        s->inner->end = parse_peek(p, -1)->pos + parse_peek(p, -1)->len;
    } else if (t->kind == LEX_IDENT && (t->kw == KW_SET || t->kw == KW_RESET)) {
        s->kind = t->kw == KW_SET ? SQL_S_SET : SQL_S_RESET;
        p->i++;
        rc = parse_set(p, s);
    } else if (t->kind == LEX_IDENT && t->kw == KW_SHOW) {
        s->kind = SQL_S_SHOW;
        p->i++;
        rc = parse_show(p, s);
    } else if (t->kind == LEX_IDENT && t->kw == KW_USE) {
        s->kind = SQL_S_USE;
        p->i++;
        rc = parse_use(p, s);
    } else {
        bool handled = false;
        rc = parse_lake_stmt(p, s, &handled);  /* parse_stmt.c: DDL, DML, maintenance */
        if (!handled)
            return parse_syntax_error(p);
    }
    if (rc == ST_OK && p->i > 0)
        s->end = parse_peek(p, -1)->pos + parse_peek(p, -1)->len;
    return rc;
}

static st_status parse_all(parse_state *p, sql_stmt_list *l)
{
    int cap = 0;
    for (;;) {
        while (parse_accept(p, LEX_SEMI)) {
        }
        if (parse_peek(p, 0)->kind == LEX_EOF)
            return ST_OK;
        sql_stmt *s;
        st_status rc = parse_stmt(p, &s);
        if (rc != ST_OK)
            return rc;
        if ((rc = parse_push(p, (void ***)&l->stmts, &l->n_stmts, &cap, s)) != ST_OK)
            return rc;
        lex_kind k = parse_peek(p, 0)->kind;
        if (k != LEX_SEMI && k != LEX_EOF)
            return parse_syntax_error(p);
    }
}

st_status sql_parse(const char *text, st_arena *a, sql_stmt_list **out, st_error *err)
{
    lex_result lr;
    int32_t err_pos;
    *out = NULL;
    if (!text)
        return st_error_set(err, ST_ERR_ARGUMENT, "sql text is NULL");
    parse_state p = {.text = text, .a = a, .err = err, .err_pos = -1};
    st_status rc = lex_all(text, a, &lr, &err_pos, err);
    if (rc != ST_OK) {
        if (rc == ST_ERR_SYNTAX && err) {
            char msg[ST_ERROR_MSG_MAX];
            snprintf(msg, sizeof msg, "%s", err->msg);
            parse_error_at(&p, err_pos, rc, msg);
        }
        return rc;
    }
    p.toks = lr.toks;
    p.n_toks = lr.n_toks;
    sql_stmt_list *l = st_arena_calloc(a, 1, sizeof *l);
    if (!l)
        rc = parse_nomem(&p);
    else
        rc = parse_all(&p, l);
    st_free(lr.toks);
    if (rc == ST_OK)
        *out = l;
    return rc;
}
