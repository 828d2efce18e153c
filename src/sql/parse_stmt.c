/* parse_stmt.c -- recursive-descent parser of the lakehouse statements of
** strata's Spark SQL / Databricks SQL dialect: CREATE / DROP / ALTER of
** catalogs, schemas, tables and views, TRUNCATE, INSERT, UPDATE, DELETE,
** MERGE, COPY INTO, DESCRIBE, the structured part of SHOW, RESTORE, OPTIMIZE,
** VACUUM, COMMENT ON and the ML model statements (CREATE / DROP / ALTER /
** DESCRIBE MODEL). Queries, expressions, types and table references
** come from parse.c / parse_expr.c.
**
** Invariants: none of these statements' words is a lexer keyword -- they are
** matched as unquoted identifiers (parse_is_word), so `comment`, `location`,
** `target`, `update`... stay usable as column names, aliases and functions.
** A keyword-like word is taken as a keyword only where the grammar expects
** one; elsewhere it is a name. Clauses written "in any order" may appear at
** most once ("duplicate LOCATION clause" at the second one). Errors follow
** parse.c: the first error wins, "line L, column C: ..." with a caret. */
#include <stdio.h>
#include <strings.h>

#include "sql_int.h"

/* ---- helpers --------------------------------------------------------------- */

/* "expected WHAT at or near "tok"" (or "at end of input") at the cursor. */
static st_status expected(parse_state *p, const char *what)
{
    lex_token *t = parse_peek(p, 0);
    char msg[160];
    if (t->kind == LEX_EOF)
        snprintf(msg, sizeof msg, "expected %s at end of input", what);
    else
        snprintf(msg, sizeof msg, "expected %s at or near \"%.*s\"", what,
                 (int)ST_MIN(t->len, 48), p->text + t->pos);
    return parse_error_at(p, t->pos, ST_ERR_SYNTAX, msg);
}

static st_status expect_word(parse_state *p, const char *w, const char *what)
{
    return parse_accept_word(p, w) ? ST_OK : expected(p, what);
}

static st_status expect_tok(parse_state *p, lex_kind k, const char *what)
{
    return parse_accept(p, k) ? ST_OK : expected(p, what);
}

/* Fails at pos when a once-only clause was already seen. */
static st_status once(parse_state *p, bool *seen, int32_t pos, const char *clause)
{
    char msg[96];
    if (!*seen) {
        *seen = true;
        return ST_OK;
    }
    snprintf(msg, sizeof msg, "duplicate %s clause", clause);
    return parse_error_at(p, pos, ST_ERR_SYNTAX, msg);
}

/* Grows an arena array of elem-sized structs to hold n + 1 entries. */
static st_status grow(parse_state *p, void **arr, int n, int *cap, size_t elem)
{
    if (n < *cap)
        return ST_OK;
    if (*cap > INT32_MAX / 4)
        return parse_error_at(p, parse_peek(p, 0)->pos, ST_ERR_LIMIT, "list is too long");
    int ncap = *cap ? *cap * 2 : 4;
    void *na = st_arena_realloc(p->a, *arr, (size_t)*cap * elem, (size_t)ncap * elem);
    if (!na)
        return parse_nomem(p);
    memset((char *)na + (size_t)n * elem, 0, (size_t)(ncap - n) * elem);
    *arr = na;
    *cap = ncap;
    return ST_OK;
}

/* Parses one list item into the zeroed item at item. */
typedef st_status item_parser(parse_state *p, void *item);

/* item {, item}: appends to the arena array *arr of elem-sized items, *n of
** them; on failure *n counts the items parsed whole. */
static st_status parse_items(parse_state *p, void **arr, int *n, size_t elem, item_parser *fn)
{
    int cap = 0;
    st_status rc;
    do {
        if ((rc = grow(p, arr, *n, &cap, elem)) != ST_OK ||
            (rc = fn(p, (char *)*arr + (size_t)*n * elem)) != ST_OK)
            return rc;
        (*n)++;
    } while (parse_accept(p, LEX_COMMA));
    return ST_OK;
}

/* A zeroed node of size bytes for statement s, which becomes of kind k (s is
** left alone when out of memory: NULL, the caller reports it). */
static void *new_stmt_node(parse_state *p, sql_stmt *s, sql_stmt_kind k, size_t size)
{
    void *node = parse_alloc(p, size);
    if (node)
        s->kind = k;
    return node;
}

static const char *lower_dup(parse_state *p, const char *s)
{
    char *r = st_arena_strdup(p->a, s);
    for (char *c = r; c && *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    return r;
}

/* A string literal (what names it in the error). */
static st_status parse_string(parse_state *p, const char **out, const char *what)
{
    lex_token *t = parse_peek(p, 0);
    if (t->kind != LEX_STRING)
        return expected(p, what);
    *out = t->text;
    p->i++;
    return ST_OK;
}

/* A dotted name whose first part is a usable name (quoted or unreserved). */
static st_status parse_qname(parse_state *p, sql_name *n)
{
    int cap = 0;
    memset(n, 0, sizeof *n);
    n->pos = parse_peek(p, 0)->pos;
    if (!parse_is_name_tok(parse_peek(p, 0)))
        return parse_syntax_error(p);
    do {
        lex_token *t = parse_peek(p, 0);
        if (t->kind != LEX_IDENT && t->kind != LEX_QIDENT)
            return parse_syntax_error(p);
        st_status rc = parse_push(p, (void ***)&n->parts, &n->n_parts, &cap, (void *)t->text);
        if (rc != ST_OK)
            return rc;
        p->i++;
    } while (parse_accept(p, LEX_DOT));
    return ST_OK;
}

static st_status qname_item(parse_state *p, void *item)
{
    return parse_qname(p, item);
}

/* Names "a, b" or "(a, b)" of dotted columns. */
static st_status parse_qname_list(parse_state *p, bool parens, sql_name **out, int *n)
{
    st_status rc;
    if ((parens && (rc = parse_expect(p, LEX_LPAREN)) != ST_OK) ||
        (rc = parse_items(p, (void **)out, n, sizeof **out, qname_item)) != ST_OK)
        return rc;
    return parens ? parse_expect(p, LEX_RPAREN) : ST_OK;
}

/* IF NOT EXISTS / IF EXISTS (IF is a word: `if` stays a function name). */
static st_status parse_if(parse_state *p, bool not_, bool *out)
{
    if (!parse_is_word(p, 0, "if") || !(parse_is_kw(p, 1, KW_NOT) || parse_is_kw(p, 1, KW_EXISTS)))
        return ST_OK;                            /* a name (or function) called if */
    p->i++;
    if (not_ && !parse_accept_kw(p, KW_NOT))
        return expected(p, "NOT EXISTS");
    if (!parse_accept_kw(p, KW_EXISTS))
        return expected(p, "EXISTS");
    *out = true;
    return ST_OK;
}

/* Statement target: a table name or fmt.`path` (paths: a 'string' too, read
** as delta), then [[AS] alias] when alias_ok; stop is a word that ends the
** target instead of being its alias (SET after UPDATE t). */
static st_status parse_target(parse_state *p, bool path_string, bool alias_ok,
                              const char *stop, sql_tableref **out)
{
    lex_token *t = parse_peek(p, 0);
    st_status rc;
    if (path_string && t->kind == LEX_STRING) {
        sql_tableref *r = parse_alloc(p, sizeof *r);
        if (!r)
            return parse_nomem(p);
        r->kind = SQL_T_PATH;
        r->pos = t->pos;
        r->format = "delta";
        r->path = t->text;
        p->i++;
        *out = r;
    } else {
        if (!parse_is_name_tok(t))
            return expected(p, "a table name");
        if ((rc = parse_table_name(p, out)) != ST_OK)
            return rc;
    }
    if (!alias_ok)
        return ST_OK;
    if (parse_accept_kw(p, KW_AS))
        return parse_ident(p, &(*out)->alias);
    t = parse_peek(p, 0);
    if (parse_is_name_tok(t) && !(stop && parse_is_word(p, 0, stop)))
        return parse_ident(p, &(*out)->alias);
    return ST_OK;
}

/* A property key: 'string' or a dotted identifier (any words). */
static st_status parse_prop_key(parse_state *p, const char **out)
{
    lex_token *t = parse_peek(p, 0);
    if (t->kind == LEX_STRING) {
        *out = t->text;
        p->i++;
        return ST_OK;
    }
    int32_t from = p->i;
    do {
        t = parse_peek(p, 0);
        if (t->kind != LEX_IDENT && t->kind != LEX_QIDENT)
            return expected(p, "a property key");
        p->i++;
    } while (parse_accept(p, LEX_DOT));
    if (from + 1 == p->i) {
        *out = p->toks[from].text;
        return ST_OK;
    }
    /* join decoded parts with '.' */
    size_t len = 0;
    for (int32_t k = from; k < p->i; k += 2)
        len += (size_t)p->toks[k].text_len + 1;
    char *s = st_arena_alloc(p->a, len);
    if (!s)
        return parse_nomem(p);
    size_t o = 0;
    for (int32_t k = from; k < p->i; k += 2) {
        if (o)
            s[o++] = '.';
        memcpy(s + o, p->toks[k].text, (size_t)p->toks[k].text_len);
        o += (size_t)p->toks[k].text_len;
    }
    s[o] = '\0';
    *out = s;
    return ST_OK;
}

/* A property value: string (decoded), number (as written, with a sign),
** TRUE/FALSE (lowercase) or a bare word (as written). */
static st_status parse_prop_value(parse_state *p, const char **out)
{
    lex_token *t = parse_peek(p, 0);
    bool nomem;
    if (t->kind == LEX_STRING) {
        *out = t->text;
        p->i++;
        return ST_OK;
    }
    if ((t->kind == LEX_MINUS || t->kind == LEX_PLUS) && parse_peek(p, 1)->kind == LEX_NUMBER) {
        *out = parse_src_text(p, p->i, p->i + 2, &nomem);
        p->i += 2;
        return nomem ? parse_nomem(p) : ST_OK;
    }
    if (t->kind == LEX_NUMBER) {
        *out = parse_src_text(p, p->i, p->i + 1, &nomem);
        p->i++;
        return nomem ? parse_nomem(p) : ST_OK;
    }
    if (t->kind == LEX_IDENT && (t->kw == KW_TRUE || t->kw == KW_FALSE)) {
        *out = t->kw == KW_TRUE ? "true" : "false";
        p->i++;
        return ST_OK;
    }
    if (t->kind == LEX_IDENT || t->kind == LEX_QIDENT) {
        *out = t->text;
        p->i++;
        return ST_OK;
    }
    return expected(p, "a property value");
}

/* key */
static st_status prop_key_item(parse_state *p, void *item)
{
    sql_property *pr = item;
    pr->pos = parse_peek(p, 0)->pos;
    return parse_prop_key(p, &pr->key);
}

/* key [=] value */
static st_status prop_item(parse_state *p, void *item)
{
    sql_property *pr = item;
    st_status rc = prop_key_item(p, item);
    if (rc != ST_OK)
        return rc;
    parse_accept(p, LEX_EQ);
    return parse_prop_value(p, &pr->value);
}

/* (key [=] value, ...) or, without values, (key, ...). */
static st_status parse_props(parse_state *p, bool values, sql_property **out, int *n)
{
    st_status rc;
    *out = NULL;
    *n = 0;
    if ((rc = expect_tok(p, LEX_LPAREN, "(")) != ST_OK ||
        (rc = parse_items(p, (void **)out, n, sizeof **out, values ? prop_item : prop_key_item)) !=
            ST_OK)
        return rc;
    return expect_tok(p, LEX_RPAREN, "\",\" or \")\"");
}

/* A possibly signed integer into *out (identity START WITH / INCREMENT BY). */
static st_status parse_int64(parse_state *p, int64_t *out)
{
    bool neg = parse_peek(p, 0)->kind == LEX_MINUS;
    if (neg || parse_peek(p, 0)->kind == LEX_PLUS)
        p->i++;
    lex_token *t = parse_peek(p, 0);
    if (t->kind != LEX_NUMBER)
        return expected(p, "an integer");
    uint64_t v = 0;
    for (int32_t k = 0; k < t->len; k++) {
        char c = t->text[k];
        if (c < '0' || c > '9' || v > (UINT64_C(1) << 63) / 10)
            return parse_error_at(p, t->pos, ST_ERR_SYNTAX, "invalid integer");
        v = v * 10 + (uint64_t)(c - '0');
    }
    if (v > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
        return parse_error_at(p, t->pos, ST_ERR_SYNTAX, "integer out of range");
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    p->i++;
    return ST_OK;
}

/* ( expr ) */
static st_status parse_paren_expr(parse_state *p, sql_expr **out)
{
    st_status rc = expect_tok(p, LEX_LPAREN, "(");
    if (rc == ST_OK)
        rc = parse_expr(p, out);
    if (rc == ST_OK)
        rc = parse_expect(p, LEX_RPAREN);
    return rc;
}

/* A query with its exact source text. */
static st_status parse_query_text(parse_state *p, sql_query **q, const char **text)
{
    int32_t from = p->i;
    bool nomem;
    if (!parse_query_starts(p, 0))
        return expected(p, "a query");
    st_status rc = parse_query(p, q);
    if (rc != ST_OK)
        return rc;
    *text = parse_src_text(p, from, p->i, &nomem);
    return nomem ? parse_nomem(p) : ST_OK;
}

/* ---- column definitions ---------------------------------------------------- */

enum { COL_TYPED = 1, COL_POSITION = 2, COL_DOTTED = 4, COL_FULL = 8 };

/* GENERATED ALWAYS AS (expr) | GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY
** [(START WITH n [INCREMENT BY m])], after the GENERATED word. */
static st_status parse_generated(parse_state *p, sql_column_def *c)
{
    st_status rc;
    bool always = parse_accept_word(p, "always");
    if (!always) {
        if (!parse_accept_kw(p, KW_BY))
            return expected(p, "ALWAYS or BY DEFAULT");
        if ((rc = expect_word(p, "default", "DEFAULT")) != ST_OK)
            return rc;
    }
    if (!parse_accept_kw(p, KW_AS))
        return expected(p, "AS");
    if (!parse_accept_word(p, "identity")) {
        if (!always)
            return expected(p, "IDENTITY");
        return parse_paren_expr(p, &c->generated);
    }
    c->identity = true;
    c->identity_always = always;
    if (!parse_accept(p, LEX_LPAREN))
        return ST_OK;
    bool start = false, step = false;
    while (!parse_accept(p, LEX_RPAREN)) {
        int32_t pos = parse_peek(p, 0)->pos;
        if (parse_accept_word(p, "start")) {
            if ((rc = once(p, &start, pos, "START WITH")) != ST_OK ||
                (rc = expect_word(p, "with", "WITH")) != ST_OK ||
                (rc = parse_int64(p, &c->identity_start)) != ST_OK)
                return rc;
        } else if (parse_accept_word(p, "increment")) {
            if ((rc = once(p, &step, pos, "INCREMENT BY")) != ST_OK ||
                (rc = expect_word(p, "by", "BY")) != ST_OK ||
                (rc = parse_int64(p, &c->identity_step)) != ST_OK)
                return rc;
            if (c->identity_step == 0)
                return parse_error_at(p, parse_peek(p, -1)->pos, ST_ERR_SYNTAX,
                                      "identity INCREMENT BY must not be 0");
        } else {
            return expected(p, "START WITH, INCREMENT BY or \")\"");
        }
    }
    return ST_OK;
}

/* name [type] options, where options are NOT NULL, GENERATED ..., DEFAULT e,
** COMMENT 'x' and (with COL_POSITION) FIRST / AFTER c, each at most once. */
static st_status parse_column_def(parse_state *p, int flags, sql_column_def *c)
{
    st_status rc;
    bool nn = false, gen = false, def = false, com = false, posn = false;
    c->pos = parse_peek(p, 0)->pos;
    c->identity_start = 1;
    c->identity_step = 1;
    if (flags & COL_DOTTED) {
        if ((rc = parse_qname(p, &c->name)) != ST_OK)
            return rc;
    } else {
        const char **part = parse_alloc(p, sizeof *part);
        if (!part)
            return parse_nomem(p);
        c->name.pos = c->pos;
        c->name.parts = part;
        c->name.n_parts = 1;
        if (!parse_is_name_tok(parse_peek(p, 0)))
            return expected(p, "a column name");
        if ((rc = parse_ident(p, part)) != ST_OK)
            return rc;
    }
    if ((flags & COL_TYPED) && (rc = parse_type(p, &c->type)) != ST_OK)
        return rc;
    for (;;) {
        int32_t pos = parse_peek(p, 0)->pos;
        if ((flags & COL_FULL) && parse_is_kw(p, 0, KW_NOT)) {
            p->i++;
            if ((rc = once(p, &nn, pos, "NOT NULL")) != ST_OK ||
                (rc = parse_expect_kw(p, KW_NULL)) != ST_OK)
                return rc;
            c->not_null = true;
        } else if ((flags & COL_FULL) && (flags & COL_TYPED) &&
                   parse_accept_word(p, "generated")) {
            if ((rc = once(p, &gen, pos, "GENERATED")) != ST_OK ||
                (rc = parse_generated(p, c)) != ST_OK)
                return rc;
        } else if ((flags & COL_FULL) && parse_accept_word(p, "default")) {
            if ((rc = once(p, &def, pos, "DEFAULT")) != ST_OK ||
                (rc = parse_expr(p, &c->default_value)) != ST_OK)
                return rc;
        } else if (parse_accept_word(p, "comment")) {
            if ((rc = once(p, &com, pos, "COMMENT")) != ST_OK ||
                (rc = parse_string(p, &c->comment, "a comment string")) != ST_OK)
                return rc;
        } else if ((flags & COL_POSITION) && parse_accept_kw(p, KW_FIRST)) {
            if ((rc = once(p, &posn, pos, "column position")) != ST_OK)
                return rc;
            c->first = true;
        } else if ((flags & COL_POSITION) && parse_accept_word(p, "after")) {
            if ((rc = once(p, &posn, pos, "column position")) != ST_OK ||
                (rc = parse_ident(p, &c->after)) != ST_OK)
                return rc;
        } else {
            break;
        }
    }
    if (c->generated && c->default_value)
        return parse_error_at(p, c->pos, ST_ERR_SYNTAX,
                              "a generated column cannot have a DEFAULT");
    return ST_OK;
}

/* ---- CREATE ------------------------------------------------------------------ */

/* CREATE CATALOG | SCHEMA | DATABASE, after the object word. */
static st_status parse_create_container(parse_state *p, sql_create *c)
{
    st_status rc;
    bool loc = false, com = false, props = false;
    if ((rc = parse_if(p, true, &c->if_not_exists)) != ST_OK ||
        (rc = parse_qname(p, &c->name)) != ST_OK)
        return rc;
    for (;;) {
        int32_t pos = parse_peek(p, 0)->pos;
        if (parse_is_word(p, 0, "managed") || parse_is_word(p, 0, "location")) {
            if (parse_accept_word(p, "managed") && (rc = expect_word(p, "location", "LOCATION")) != ST_OK)
                return rc;
            if (parse_is_word(p, 0, "location"))
                p->i++;
            if ((rc = once(p, &loc, pos, "LOCATION")) != ST_OK ||
                (rc = parse_string(p, &c->location, "a location string")) != ST_OK)
                return rc;
        } else if (parse_accept_word(p, "comment")) {
            if ((rc = once(p, &com, pos, "COMMENT")) != ST_OK ||
                (rc = parse_string(p, &c->comment, "a comment string")) != ST_OK)
                return rc;
        } else if (c->what == SQL_OBJ_SCHEMA && parse_is_kw(p, 0, KW_WITH) &&
                   (parse_is_word(p, 1, "dbproperties") || parse_is_word(p, 1, "properties"))) {
            p->i += 2;
            if ((rc = once(p, &props, pos, "DBPROPERTIES")) != ST_OK ||
                (rc = parse_props(p, true, &c->props, &c->n_props)) != ST_OK)
                return rc;
        } else {
            return ST_OK;
        }
    }
}

/* (col type ..., CONSTRAINT n CHECK (e)) of CREATE TABLE; (col [COMMENT], ...)
** of CREATE VIEW. */
static st_status parse_create_cols(parse_state *p, sql_create *c, bool view)
{
    int cap = 0, ccap = 0, ncap = 0;
    st_status rc = parse_expect(p, LEX_LPAREN);
    if (rc != ST_OK)
        return rc;
    do {
        if (!view && parse_is_word(p, 0, "constraint") && parse_is_name_tok(parse_peek(p, 1)) &&
            parse_is_word(p, 2, "check")) {
            const char *cname = parse_peek(p, 1)->text;
            sql_expr *e = NULL;
            p->i += 3;
            if ((rc = parse_paren_expr(p, &e)) != ST_OK ||
                (rc = parse_push(p, (void ***)&c->checks, &c->n_checks, &ccap, e)) != ST_OK)
                return rc;
            int nn = c->n_checks - 1;
            if ((rc = parse_push(p, (void ***)&c->check_names, &nn, &ncap, (void *)cname)) != ST_OK)
                return rc;
            continue;
        }
        if ((rc = grow(p, (void **)&c->cols, c->n_cols, &cap, sizeof *c->cols)) != ST_OK ||
            (rc = parse_column_def(p, view ? 0 : COL_TYPED | COL_FULL, &c->cols[c->n_cols])) != ST_OK)
            return rc;
        c->n_cols++;
    } while (parse_accept(p, LEX_COMMA));
    return expect_tok(p, LEX_RPAREN, "\",\" or \")\"");
}

/* PARTITIONED BY (a, b) or (a INT, b STRING). */
static st_status parse_partitioned(parse_state *p, sql_create *c)
{
    int cap = 0, dcap = 0, n_defs = 0;
    bool typed = false;
    st_status rc = expect_tok(p, LEX_LPAREN, "(");
    if (rc != ST_OK)
        return rc;
    do {
        sql_column_def d;
        memset(&d, 0, sizeof d);
        lex_kind next = parse_peek(p, 1)->kind;
        bool has_type = next != LEX_COMMA && next != LEX_RPAREN;
        if ((rc = parse_column_def(p, has_type ? COL_TYPED : 0, &d)) != ST_OK)
            return rc;
        typed |= has_type;
        if ((rc = grow(p, (void **)&c->partition_defs, n_defs, &dcap,
                       sizeof *c->partition_defs)) != ST_OK)
            return rc;
        c->partition_defs[n_defs++] = d;
        if ((rc = parse_push(p, (void ***)&c->partition_cols, &c->n_partition_cols, &cap,
                             (void *)d.name.parts[0])) != ST_OK)
            return rc;
    } while (parse_accept(p, LEX_COMMA));
    if (!typed)
        c->partition_defs = NULL;
    return expect_tok(p, LEX_RPAREN, "\",\" or \")\"");
}

/* COMMENT 'x' or TBLPROPERTIES (...) of CREATE TABLE / VIEW at the cursor,
** each at most once (*com, *props say whether seen); *matched false (and
** nothing read) when the cursor is at neither. */
static st_status parse_comment_props(parse_state *p, sql_create *c, bool *com, bool *props,
                                     bool *matched)
{
    int32_t pos = parse_peek(p, 0)->pos;
    st_status rc;
    *matched = true;
    if (parse_accept_word(p, "comment")) {
        if ((rc = once(p, com, pos, "COMMENT")) != ST_OK)
            return rc;
        return parse_string(p, &c->comment, "a comment string");
    }
    if (parse_accept_word(p, "tblproperties")) {
        if ((rc = once(p, props, pos, "TBLPROPERTIES")) != ST_OK)
            return rc;
        return parse_props(p, true, &c->props, &c->n_props);
    }
    *matched = false;
    return ST_OK;
}

/* [IF NOT EXISTS] name of CREATE TABLE / VIEW (IF NOT EXISTS cannot go with
** OR REPLACE). */
static st_status parse_create_head(parse_state *p, sql_create *c)
{
    int32_t if_pos = parse_peek(p, 0)->pos;
    st_status rc = parse_if(p, true, &c->if_not_exists);
    if (rc != ST_OK)
        return rc;
    if (c->if_not_exists && c->or_replace)
        return parse_error_at(p, if_pos, ST_ERR_SYNTAX,
                              "OR REPLACE and IF NOT EXISTS cannot be used together");
    return parse_qname(p, &c->name);
}

/* CREATE [OR REPLACE] [EXTERNAL] TABLE [IF NOT EXISTS] name [(cols)] clauses
** [[AS] query], after TABLE. */
static st_status parse_create_table(parse_state *p, sql_create *c)
{
    st_status rc;
    bool fmt = false, opts = false, part = false, clus = false, loc = false, com = false,
         props = false;
    if ((rc = parse_create_head(p, c)) != ST_OK)
        return rc;
    if (parse_peek(p, 0)->kind == LEX_LPAREN && !parse_query_starts(p, 0) &&
        (rc = parse_create_cols(p, c, false)) != ST_OK)
        return rc;
    for (;;) {
        int32_t pos = parse_peek(p, 0)->pos;
        if (parse_accept_kw(p, KW_USING)) {
            lex_token *t = parse_peek(p, 0);
            if ((rc = once(p, &fmt, pos, "USING")) != ST_OK)
                return rc;
            if (t->kind != LEX_IDENT && t->kind != LEX_QIDENT)
                return expected(p, "a table format");
            if (!(c->using_fmt = lower_dup(p, t->text)))
                return parse_nomem(p);
            p->i++;
        } else if (parse_accept_word(p, "options")) {
            if ((rc = once(p, &opts, pos, "OPTIONS")) != ST_OK ||
                (rc = parse_props(p, true, &c->options, &c->n_options)) != ST_OK)
                return rc;
        } else if (parse_is_word(p, 0, "partitioned") && parse_is_kw(p, 1, KW_BY)) {
            p->i += 2;
            if ((rc = once(p, &part, pos, "PARTITIONED BY")) != ST_OK ||
                (rc = parse_partitioned(p, c)) != ST_OK)
                return rc;
        } else if (parse_is_word(p, 0, "cluster") && parse_is_kw(p, 1, KW_BY)) {
            p->i += 2;
            if ((rc = once(p, &clus, pos, "CLUSTER BY")) != ST_OK ||
                (rc = parse_name_list(p, &c->cluster_cols, &c->n_cluster_cols)) != ST_OK)
                return rc;
        } else if (parse_accept_word(p, "location")) {
            if ((rc = once(p, &loc, pos, "LOCATION")) != ST_OK ||
                (rc = parse_string(p, &c->location, "a location string")) != ST_OK)
                return rc;
        } else {
            bool matched;
            if ((rc = parse_comment_props(p, c, &com, &props, &matched)) != ST_OK)
                return rc;
            if (!matched)
                break;
        }
    }
    if (parse_accept_kw(p, KW_AS) || parse_query_starts(p, 0))
        return parse_query_text(p, &c->query, &c->query_text);
    return ST_OK;
}

/* CREATE [OR REPLACE] [TEMP|TEMPORARY|GLOBAL TEMPORARY] VIEW [IF NOT EXISTS]
** name [(cols)] [COMMENT 'x'] [TBLPROPERTIES (...)] AS query, after VIEW. */
static st_status parse_create_view(parse_state *p, sql_create *c)
{
    st_status rc;
    bool com = false, props = false;
    if ((rc = parse_create_head(p, c)) != ST_OK)
        return rc;
    if (parse_peek(p, 0)->kind == LEX_LPAREN && (rc = parse_create_cols(p, c, true)) != ST_OK)
        return rc;
    bool matched;
    do {
        if ((rc = parse_comment_props(p, c, &com, &props, &matched)) != ST_OK)
            return rc;
    } while (matched);
    if (!parse_accept_kw(p, KW_AS))
        return expected(p, "AS");
    return parse_query_text(p, &c->query, &c->query_text);
}

static bool word_then_name(parse_state *p, const char *w);
static st_status parse_create_model(parse_state *p, sql_stmt *s, bool or_replace);
static st_status parse_drop_model(parse_state *p, sql_stmt *s);
static st_status parse_alter_model(parse_state *p, sql_stmt *s);
static st_status parse_describe_model(parse_state *p, sql_stmt *s);

/* CREATE ... and REPLACE TABLE ..., after CREATE / REPLACE. */
static st_status parse_create(parse_state *p, sql_stmt *s, bool replace_table)
{
    sql_create *c = s->create = new_stmt_node(p, s, SQL_S_CREATE, sizeof *c);
    if (!c)
        return parse_nomem(p);
    c->what = SQL_OBJ_TABLE;
    if (replace_table) {
        c->or_replace = true;
        if (!parse_accept_word(p, "table"))
            return expected(p, "TABLE");
        return parse_create_table(p, c);
    }
    if (parse_accept_kw(p, KW_OR)) {
        if (!parse_accept_word(p, "replace"))
            return expected(p, "REPLACE");
        c->or_replace = true;
    }
    if (word_then_name(p, "model"))
        return p->i++, parse_create_model(p, s, c->or_replace);
    if (!c->or_replace && parse_accept_word(p, "catalog")) {
        c->what = SQL_OBJ_CATALOG;
        return parse_create_container(p, c);
    }
    if (!c->or_replace && (parse_accept_word(p, "schema") || parse_accept_word(p, "database"))) {
        c->what = SQL_OBJ_SCHEMA;
        return parse_create_container(p, c);
    }
    if (parse_accept_word(p, "external")) {
        c->external = true;
        if (!parse_accept_word(p, "table"))
            return expected(p, "TABLE");
        return parse_create_table(p, c);
    }
    if (parse_accept_word(p, "table"))
        return parse_create_table(p, c);
    if (parse_accept_word(p, "global")) {
        if (!parse_accept_word(p, "temporary"))
            return expected(p, "TEMPORARY");
        c->temporary = true;
    } else if (parse_accept_word(p, "temp") || parse_accept_word(p, "temporary")) {
        c->temporary = true;
    }
    if (parse_accept_word(p, "view")) {
        c->what = SQL_OBJ_VIEW;
        return parse_create_view(p, c);
    }
    if (c->temporary)
        return expected(p, "VIEW");
    return expected(p, c->or_replace ? "TABLE, VIEW or MODEL"
                                     : "CATALOG, SCHEMA, TABLE, VIEW or MODEL");
}

/* ---- DROP, TRUNCATE, COMMENT ON ------------------------------------------ */

/* CATALOG | SCHEMA | DATABASE | TABLE | VIEW at the cursor; false if none. */
static bool accept_object(parse_state *p, bool view_ok, sql_object *out)
{
    if (parse_accept_word(p, "catalog")) *out = SQL_OBJ_CATALOG;
    else if (parse_accept_word(p, "schema") || parse_accept_word(p, "database")) *out = SQL_OBJ_SCHEMA;
    else if (parse_accept_word(p, "table")) *out = SQL_OBJ_TABLE;
    else if (view_ok && parse_accept_word(p, "view")) *out = SQL_OBJ_VIEW;
    else return false;
    return true;
}

static st_status parse_drop(parse_state *p, sql_stmt *s)
{
    sql_drop *d = s->drop = new_stmt_node(p, s, SQL_S_DROP, sizeof *d);
    st_status rc;
    if (!d)
        return parse_nomem(p);
    if (parse_accept_word(p, "model"))
        return parse_drop_model(p, s);
    if (!accept_object(p, true, &d->what))
        return expected(p, "CATALOG, SCHEMA, TABLE, VIEW or MODEL");
    if ((rc = parse_if(p, false, &d->if_exists)) != ST_OK || (rc = parse_qname(p, &d->name)) != ST_OK)
        return rc;
    if (parse_accept_word(p, "cascade"))
        d->cascade = true;
    else
        parse_accept_word(p, "restrict");
    return ST_OK;
}

static st_status parse_truncate(parse_state *p, sql_stmt *s)
{
    s->kind = SQL_S_TRUNCATE;
    if (!parse_accept_word(p, "table"))
        return expected(p, "TABLE");
    return parse_target(p, false, false, NULL, &s->truncate);
}

/* COMMENT ON {CATALOG | SCHEMA | TABLE | COLUMN} name IS {'text' | NULL} */
static st_status parse_comment_on(parse_state *p, sql_stmt *s)
{
    sql_comment_on *c = s->comment_on = new_stmt_node(p, s, SQL_S_COMMENT, sizeof *c);
    st_status rc;
    if (!c)
        return parse_nomem(p);
    if (!parse_accept_kw(p, KW_ON))
        return expected(p, "ON");
    bool column = false;
    if (parse_accept_word(p, "column")) {
        column = true;
        c->what = SQL_OBJ_TABLE;
    } else if (!accept_object(p, false, &c->what)) {
        return expected(p, "CATALOG, SCHEMA, TABLE or COLUMN");
    }
    if ((rc = parse_qname(p, &c->name)) != ST_OK)
        return rc;
    if (column) {
        if (c->name.n_parts < 2)
            return parse_error_at(p, c->name.pos, ST_ERR_SYNTAX,
                                  "COMMENT ON COLUMN needs table.column");
        c->column.pos = c->name.pos;
        c->column.parts = &c->name.parts[c->name.n_parts - 1];
        c->column.n_parts = 1;
        c->name.n_parts--;
    }
    if (!parse_accept_kw(p, KW_IS))
        return expected(p, "IS");
    if (parse_accept_kw(p, KW_NULL))
        return ST_OK;
    return parse_string(p, &c->text, "a comment string or NULL");
}

/* ---- ALTER ------------------------------------------------------------------ */

/* NOT NULL or DEFAULT, after SET (set: SET DEFAULT takes an expression) or
** DROP of ALTER COLUMN. */
static st_status parse_null_default(parse_state *p, sql_alter *al, bool set)
{
    if (parse_accept_kw(p, KW_NOT)) {
        al->col_action = set ? SQL_COL_SET_NOT_NULL : SQL_COL_DROP_NOT_NULL;
        return parse_expect_kw(p, KW_NULL);
    }
    if (!parse_accept_word(p, "default"))
        return expected(p, "NOT NULL or DEFAULT");
    if (!set) {
        al->col_action = SQL_COL_DROP_DEFAULT;
        return ST_OK;
    }
    al->col_action = SQL_COL_SET_DEFAULT;
    return parse_expr(p, &al->default_value);
}

/* ALTER|CHANGE [COLUMN] c action, after ALTER/CHANGE. */
static st_status parse_alter_column(parse_state *p, sql_alter *al)
{
    st_status rc;
    parse_accept_word(p, "column");
    al->kind = SQL_ALTER_COLUMN;
    if ((rc = parse_qname(p, &al->column)) != ST_OK)
        return rc;
    if (parse_accept_kw(p, KW_SET))
        return parse_null_default(p, al, true);
    if (parse_accept_word(p, "drop"))
        return parse_null_default(p, al, false);
    if (parse_accept_word(p, "comment")) {
        al->col_action = SQL_COL_COMMENT;
        return parse_string(p, &al->comment, "a comment string");
    }
    if (parse_accept_word(p, "type")) {
        al->col_action = SQL_COL_TYPE;
        return parse_type(p, &al->type);
    }
    if (parse_accept_kw(p, KW_FIRST)) {
        al->col_action = SQL_COL_POSITION;
        al->first = true;
        return ST_OK;
    }
    if (parse_accept_word(p, "after")) {
        al->col_action = SQL_COL_POSITION;
        return parse_ident(p, &al->after);
    }
    return expected(p, "SET, DROP, COMMENT, TYPE, FIRST or AFTER");
}

/* A column definition of ALTER TABLE ADD COLUMNS. */
static st_status added_column(parse_state *p, void *item)
{
    return parse_column_def(p, COL_TYPED | COL_FULL | COL_POSITION | COL_DOTTED, item);
}

static st_status parse_alter_add(parse_state *p, sql_alter *al)
{
    st_status rc;
    if (parse_accept_word(p, "constraint")) {
        al->kind = SQL_ALTER_ADD_CONSTRAINT;
        if ((rc = parse_ident(p, &al->constraint)) != ST_OK ||
            (rc = expect_word(p, "check", "CHECK")) != ST_OK)
            return rc;
        return parse_paren_expr(p, &al->check);
    }
    al->kind = SQL_ALTER_ADD_COLUMNS;
    if (!parse_accept_word(p, "columns") && !parse_accept_word(p, "column"))
        return expected(p, "COLUMN, COLUMNS or CONSTRAINT");
    bool parens = parse_accept(p, LEX_LPAREN);
    if ((rc = parse_items(p, (void **)&al->cols, &al->n_cols, sizeof *al->cols, added_column)) !=
        ST_OK)
        return rc;
    return parens ? expect_tok(p, LEX_RPAREN, "\",\" or \")\"") : ST_OK;
}

static st_status parse_alter_drop(parse_state *p, sql_alter *al)
{
    st_status rc;
    if (parse_accept_word(p, "constraint")) {
        al->kind = SQL_ALTER_DROP_CONSTRAINT;
        if ((rc = parse_if(p, false, &al->if_exists)) != ST_OK)
            return rc;
        return parse_ident(p, &al->constraint);
    }
    if (!parse_accept_word(p, "columns") && !parse_accept_word(p, "column"))
        return expected(p, "COLUMN, COLUMNS or CONSTRAINT");
    al->kind = SQL_ALTER_DROP_COLUMNS;
    if ((rc = parse_if(p, false, &al->if_exists)) != ST_OK)
        return rc;
    bool parens = parse_peek(p, 0)->kind == LEX_LPAREN;
    return parse_qname_list(p, parens, &al->names, &al->n_names);
}

/* [SET] OWNER TO principal, after OWNER. */
static st_status parse_owner(parse_state *p, sql_alter *al)
{
    st_status rc;
    lex_token *t;
    al->kind = SQL_ALTER_SET_OWNER;
    if ((rc = parse_expect_kw(p, KW_TO)) != ST_OK)
        return rc;
    t = parse_peek(p, 0);
    if (t->kind != LEX_STRING && t->kind != LEX_QIDENT && t->kind != LEX_IDENT)
        return expected(p, "a principal");
    al->new_name = t->text;
    p->i++;
    return ST_OK;
}

static st_status parse_alter(parse_state *p, sql_stmt *s)
{
    sql_alter *al = s->alter = new_stmt_node(p, s, SQL_S_ALTER, sizeof *al);
    st_status rc;
    if (!al)
        return parse_nomem(p);
    if (parse_accept_word(p, "model"))
        return parse_alter_model(p, s);
    if (parse_accept_word(p, "view"))
        al->what = SQL_OBJ_VIEW;
    else if (!parse_accept_word(p, "table"))
        return expected(p, "TABLE, VIEW or MODEL");
    if ((rc = parse_qname(p, &al->name)) != ST_OK)
        return rc;
    if (al->what == SQL_OBJ_VIEW && parse_accept_kw(p, KW_AS)) {
        al->kind = SQL_ALTER_VIEW_AS;
        return parse_query_text(p, &al->query, &al->query_text);
    }
    if (parse_accept_word(p, "add"))
        return parse_alter_add(p, al);
    if (parse_accept_word(p, "drop"))
        return parse_alter_drop(p, al);
    if (parse_accept_word(p, "rename")) {
        if (parse_accept_kw(p, KW_TO)) {
            al->kind = SQL_ALTER_RENAME_TO;
            return parse_qname(p, &al->new_table);
        }
        if (!parse_accept_word(p, "column"))
            return expected(p, "COLUMN or TO");
        al->kind = SQL_ALTER_RENAME_COLUMN;
        if ((rc = parse_qname(p, &al->column)) != ST_OK || (rc = parse_expect_kw(p, KW_TO)) != ST_OK)
            return rc;
        return parse_ident(p, &al->new_name);
    }
    if (parse_accept_word(p, "alter") || parse_accept_word(p, "change"))
        return parse_alter_column(p, al);
    if (parse_accept_kw(p, KW_SET)) {
        if (parse_accept_word(p, "tblproperties")) {
            al->kind = SQL_ALTER_SET_PROPS;
            return parse_props(p, true, &al->props, &al->n_props);
        }
        if (parse_accept_word(p, "location")) {
            al->kind = SQL_ALTER_SET_LOCATION;
            return parse_string(p, &al->location, "a location string");
        }
        if (parse_accept_word(p, "owner"))
            return parse_owner(p, al);
        return expected(p, "TBLPROPERTIES, LOCATION or OWNER");
    }
    if (parse_accept_word(p, "unset")) {
        if (!parse_accept_word(p, "tblproperties"))
            return expected(p, "TBLPROPERTIES");
        al->kind = SQL_ALTER_UNSET_PROPS;
        if ((rc = parse_if(p, false, &al->if_exists)) != ST_OK)
            return rc;
        return parse_props(p, false, &al->props, &al->n_props);
    }
    if (parse_is_word(p, 0, "cluster") && parse_is_kw(p, 1, KW_BY)) {
        p->i += 2;
        al->kind = SQL_ALTER_CLUSTER_BY;
        if (parse_accept_word(p, "none"))
            return ST_OK;
        return parse_name_list(p, &al->cluster_cols, &al->n_cluster_cols);
    }
    if (parse_accept_word(p, "owner"))
        return parse_owner(p, al);
    return expected(p, al->what == SQL_OBJ_VIEW ? "AS, SET, UNSET, RENAME or OWNER"
                                                : "ADD, DROP, RENAME, ALTER, CHANGE, SET, UNSET, "
                                                  "CLUSTER BY or OWNER");
}

/* ---- INSERT, UPDATE, DELETE ----------------------------------------------- */

/* Text of a partition value: decoded string, true/false/null, number as
** written, else the source text. */
static st_status value_text(parse_state *p, const sql_expr *e, int32_t from, const char **out)
{
    bool nomem = false;
    if (e->kind == SQL_E_LITERAL && e->lit == SQL_LIT_STRING)
        *out = e->str;
    else if (e->kind == SQL_E_LITERAL && e->lit == SQL_LIT_TRUE)
        *out = "true";
    else if (e->kind == SQL_E_LITERAL && e->lit == SQL_LIT_FALSE)
        *out = "false";
    else if (e->kind == SQL_E_LITERAL && e->lit == SQL_LIT_NULL)
        *out = NULL;
    else
        *out = parse_src_text(p, from, p->i, &nomem);
    return nomem ? parse_nomem(p) : ST_OK;
}

/* PARTITION (k = v, k2, ...) */
static st_status parse_partition_spec(parse_state *p, sql_insert *ins)
{
    int cap = 0, vcap = 0;
    st_status rc = expect_tok(p, LEX_LPAREN, "(");
    if (rc != ST_OK)
        return rc;
    do {
        if ((rc = grow(p, (void **)&ins->partition, ins->n_partition, &cap,
                       sizeof *ins->partition)) != ST_OK)
            return rc;
        sql_property *pr = &ins->partition[ins->n_partition];
        sql_expr *v = NULL;
        pr->pos = parse_peek(p, 0)->pos;
        if ((rc = parse_ident(p, &pr->key)) != ST_OK)
            return rc;
        if (parse_accept(p, LEX_EQ) || parse_accept(p, LEX_EQEQ)) {
            int32_t from = p->i;
            if ((rc = parse_expr(p, &v)) != ST_OK || (rc = value_text(p, v, from, &pr->value)) != ST_OK)
                return rc;
        }
        int nv = ins->n_partition;
        if ((rc = parse_push(p, (void ***)&ins->partition_values, &nv, &vcap, v)) != ST_OK)
            return rc;
        ins->n_partition++;
    } while (parse_accept(p, LEX_COMMA));
    return expect_tok(p, LEX_RPAREN, "\",\" or \")\"");
}

static st_status parse_insert(parse_state *p, sql_stmt *s)
{
    sql_insert *ins = s->insert = new_stmt_node(p, s, SQL_S_INSERT, sizeof *ins);
    st_status rc;
    if (!ins)
        return parse_nomem(p);
    if (parse_accept_word(p, "overwrite"))
        ins->overwrite = true;
    else if (!parse_accept_word(p, "into"))
        return expected(p, "INTO or OVERWRITE");
    if (parse_is_word(p, 0, "table") && parse_is_name_tok(parse_peek(p, 1)) &&
        !parse_is_kw(p, 1, KW_VALUES) && !parse_is_kw(p, 1, KW_PARTITION))
        p->i++;                                  /* else `table` is the name */
    if ((rc = parse_target(p, false, false, NULL, &ins->target)) != ST_OK)
        return rc;
    if (parse_is_kw(p, 0, KW_PARTITION) && parse_peek(p, 1)->kind == LEX_LPAREN) {
        p->i++;
        if ((rc = parse_partition_spec(p, ins)) != ST_OK)
            return rc;
    }
    if (parse_is_kw(p, 0, KW_BY) && parse_is_word(p, 1, "name")) {
        p->i += 2;
        ins->by_name = true;
    } else if (parse_peek(p, 0)->kind == LEX_LPAREN && !parse_query_starts(p, 0)) {
        if ((rc = parse_name_list(p, &ins->cols, &ins->n_cols)) != ST_OK)
            return rc;
    }
    if (parse_is_word(p, 0, "replace") && parse_is_kw(p, 1, KW_WHERE)) {
        int32_t pos = parse_peek(p, 0)->pos;
        if (ins->overwrite || ins->n_partition)
            return parse_error_at(p, pos, ST_ERR_SYNTAX,
                                  "REPLACE WHERE needs INSERT INTO without PARTITION");
        p->i += 2;
        if ((rc = parse_expr(p, &ins->replace_where)) != ST_OK)
            return rc;
    }
    if (!parse_query_starts(p, 0) && !parse_is_kw(p, 0, KW_VALUES))
        return expected(p, "a query or VALUES");
    return parse_query(p, &ins->query);
}

/* c = e | c = DEFAULT */
static st_status assign_item(parse_state *p, void *item)
{
    sql_assign *a = item;
    st_status rc;
    a->pos = parse_peek(p, 0)->pos;
    if ((rc = parse_qname(p, &a->column)) != ST_OK)
        return rc;
    if (!parse_accept(p, LEX_EQ) && !parse_accept(p, LEX_EQEQ))
        return expected(p, "=");
    lex_kind nk = parse_peek(p, 1)->kind;
    if (parse_is_word(p, 0, "default") &&
        (nk == LEX_COMMA || nk == LEX_SEMI || nk == LEX_EOF || parse_is_kw(p, 1, KW_WHERE) ||
         parse_is_kw(p, 1, KW_WHEN))) {
        p->i++;
        return ST_OK;
    }
    return parse_expr(p, &a->value);
}

/* c = e | c = DEFAULT, ... (UPDATE SET and MERGE UPDATE SET). */
static st_status parse_assigns(parse_state *p, sql_assign **out, int *n)
{
    return parse_items(p, (void **)out, n, sizeof **out, assign_item);
}

static st_status parse_update(parse_state *p, sql_stmt *s)
{
    sql_update *u = s->update = new_stmt_node(p, s, SQL_S_UPDATE, sizeof *u);
    st_status rc = u ? parse_target(p, false, true, "set", &u->target) : parse_nomem(p);
    if (rc != ST_OK)
        return rc;
    if (!parse_accept_kw(p, KW_SET))
        return expected(p, "SET");
    if ((rc = parse_assigns(p, &u->sets, &u->n_sets)) != ST_OK)
        return rc;
    if (parse_accept_kw(p, KW_WHERE))
        return parse_expr(p, &u->where);
    return ST_OK;
}

static st_status parse_delete(parse_state *p, sql_stmt *s)
{
    sql_delete *d = s->delete_ = new_stmt_node(p, s, SQL_S_DELETE, sizeof *d);
    st_status rc;
    if (!d)
        return parse_nomem(p);
    if (!parse_accept_kw(p, KW_FROM))
        return expected(p, "FROM");
    if ((rc = parse_target(p, false, true, NULL, &d->target)) != ST_OK)
        return rc;
    if (parse_accept_kw(p, KW_WHERE))
        return parse_expr(p, &d->where);
    return ST_OK;
}

/* ---- MERGE ----------------------------------------------------------------- */

static const char *const MATCH_NAMES[] = {
    [SQL_MERGE_MATCHED] = "WHEN MATCHED",
    [SQL_MERGE_NOT_MATCHED] = "WHEN NOT MATCHED",
    [SQL_MERGE_NOT_MATCHED_BY_SOURCE] = "WHEN NOT MATCHED BY SOURCE",
};

/* The action after THEN; legality depends on the clause's match kind. */
static st_status parse_merge_action(parse_state *p, sql_merge_clause *c)
{
    st_status rc;
    lex_token *t = parse_peek(p, 0);
    bool ins = parse_is_word(p, 0, "insert");
    bool upd = parse_is_word(p, 0, "update"), del = parse_is_word(p, 0, "delete");
    char msg[160];
    if (!ins && !upd && !del)
        return expected(p, c->match == SQL_MERGE_NOT_MATCHED ? "INSERT" : "UPDATE or DELETE");
    if (ins != (c->match == SQL_MERGE_NOT_MATCHED)) {
        snprintf(msg, sizeof msg, "%s cannot be used in a %s clause (expected %s)",
                 ins ? "INSERT" : upd ? "UPDATE" : "DELETE", MATCH_NAMES[c->match],
                 ins ? "UPDATE or DELETE" : "INSERT");
        return parse_error_at(p, t->pos, ST_ERR_SYNTAX, msg);
    }
    p->i++;
    if (del) {
        c->action = SQL_MERGE_DELETE;
        return ST_OK;
    }
    if (upd) {
        if (!parse_accept_kw(p, KW_SET))
            return expected(p, "SET");
        if (parse_accept(p, LEX_STAR)) {
            c->action = SQL_MERGE_UPDATE_STAR;
            return ST_OK;
        }
        c->action = SQL_MERGE_UPDATE;
        return parse_assigns(p, &c->sets, &c->n_sets);
    }
    if (parse_accept(p, LEX_STAR)) {
        c->action = SQL_MERGE_INSERT_STAR;
        return ST_OK;
    }
    c->action = SQL_MERGE_INSERT;
    if (parse_peek(p, 0)->kind == LEX_LPAREN &&
        (rc = parse_name_list(p, &c->insert_cols, &c->n_insert_cols)) != ST_OK)
        return rc;
    int32_t vpos = parse_peek(p, 0)->pos;
    if (!parse_accept_kw(p, KW_VALUES))
        return expected(p, "VALUES");
    if ((rc = expect_tok(p, LEX_LPAREN, "(")) != ST_OK ||
        (rc = parse_expr_list(p, &c->insert_values, &c->n_insert_values)) != ST_OK ||
        (rc = expect_tok(p, LEX_RPAREN, "\",\" or \")\"")) != ST_OK)
        return rc;
    if (c->insert_cols && c->n_insert_cols != c->n_insert_values) {
        snprintf(msg, sizeof msg, "INSERT lists %d columns but %d values", c->n_insert_cols,
                 c->n_insert_values);
        return parse_error_at(p, vpos, ST_ERR_SYNTAX, msg);
    }
    return ST_OK;
}

/* WHEN [NOT] MATCHED [BY TARGET | BY SOURCE] [AND cond] THEN action */
static st_status parse_merge_clause(parse_state *p, sql_merge_clause *c)
{
    st_status rc;
    c->pos = parse_peek(p, 0)->pos;
    p->i++;                                      /* WHEN */
    if (parse_accept_kw(p, KW_NOT)) {
        c->match = SQL_MERGE_NOT_MATCHED;
        if (!parse_accept_word(p, "matched"))
            return expected(p, "MATCHED");
        if (parse_accept_kw(p, KW_BY)) {
            if (parse_accept_word(p, "source"))
                c->match = SQL_MERGE_NOT_MATCHED_BY_SOURCE;
            else if (!parse_accept_word(p, "target"))
                return expected(p, "TARGET or SOURCE");
        }
    } else {
        c->match = SQL_MERGE_MATCHED;
        if (!parse_accept_word(p, "matched"))
            return expected(p, "MATCHED or NOT MATCHED");
    }
    if (parse_accept_kw(p, KW_AND) && (rc = parse_expr(p, &c->cond)) != ST_OK)
        return rc;
    if (!parse_accept_kw(p, KW_THEN))
        return expected(p, "THEN");
    return parse_merge_action(p, c);
}

static st_status parse_merge(parse_state *p, sql_stmt *s)
{
    sql_merge *m = s->merge = new_stmt_node(p, s, SQL_S_MERGE, sizeof *m);
    st_status rc;
    int cap = 0;
    if (!m)
        return parse_nomem(p);
    if (parse_accept_kw(p, KW_WITH)) {
        if ((rc = expect_word(p, "schema", "SCHEMA")) != ST_OK ||
            (rc = expect_word(p, "evolution", "EVOLUTION")) != ST_OK)
            return rc;
        m->schema_evolution = true;
    }
    if ((rc = expect_word(p, "into", "INTO")) != ST_OK ||
        (rc = parse_target(p, false, true, NULL, &m->target)) != ST_OK)
        return rc;
    if (!parse_accept_kw(p, KW_USING))
        return expected(p, "USING");
    if ((rc = parse_table_primary(p, &m->source)) != ST_OK)
        return rc;
    if (!parse_accept_kw(p, KW_ON))
        return expected(p, "ON");
    if ((rc = parse_expr(p, &m->on)) != ST_OK)
        return rc;
    if (!parse_is_kw(p, 0, KW_WHEN))
        return expected(p, "WHEN");
    while (parse_is_kw(p, 0, KW_WHEN)) {
        if ((rc = grow(p, (void **)&m->clauses, m->n_clauses, &cap, sizeof *m->clauses)) != ST_OK ||
            (rc = parse_merge_clause(p, &m->clauses[m->n_clauses])) != ST_OK)
            return rc;
        m->n_clauses++;
    }
    return ST_OK;
}

/* ---- COPY INTO ------------------------------------------------------------- */

static st_status parse_copy(parse_state *p, sql_stmt *s)
{
    sql_copy *c = s->copy = new_stmt_node(p, s, SQL_S_COPY, sizeof *c);
    st_status rc;
    bool ff = false, files = false, pat = false, fo = false, co = false;
    if (!c)
        return parse_nomem(p);
    if ((rc = expect_word(p, "into", "INTO")) != ST_OK ||
        (rc = parse_target(p, false, false, NULL, &c->target)) != ST_OK)
        return rc;
    if (!parse_accept_kw(p, KW_FROM))
        return expected(p, "FROM");
    if ((rc = parse_string(p, &c->from, "a source path string")) != ST_OK)
        return rc;
    for (;;) {
        int32_t pos = parse_peek(p, 0)->pos;
        if (parse_accept_word(p, "fileformat")) {
            lex_token *t;
            if ((rc = once(p, &ff, pos, "FILEFORMAT")) != ST_OK ||
                (rc = expect_tok(p, LEX_EQ, "=")) != ST_OK)
                return rc;
            t = parse_peek(p, 0);
            if (t->kind != LEX_IDENT && t->kind != LEX_QIDENT && t->kind != LEX_STRING)
                return expected(p, "a file format");
            if (!(c->fileformat = lower_dup(p, t->text)))
                return parse_nomem(p);
            p->i++;
        } else if (parse_accept_word(p, "files")) {
            int cap = 0;
            if ((rc = once(p, &files, pos, "FILES")) != ST_OK ||
                (rc = expect_tok(p, LEX_EQ, "=")) != ST_OK ||
                (rc = expect_tok(p, LEX_LPAREN, "(")) != ST_OK)
                return rc;
            do {
                const char *f = NULL;
                if ((rc = parse_string(p, &f, "a file name string")) != ST_OK ||
                    (rc = parse_push(p, (void ***)&c->files, &c->n_files, &cap, (void *)f)) != ST_OK)
                    return rc;
            } while (parse_accept(p, LEX_COMMA));
            if ((rc = expect_tok(p, LEX_RPAREN, "\",\" or \")\"")) != ST_OK)
                return rc;
        } else if (parse_accept_word(p, "pattern")) {
            if ((rc = once(p, &pat, pos, "PATTERN")) != ST_OK ||
                (rc = expect_tok(p, LEX_EQ, "=")) != ST_OK ||
                (rc = parse_string(p, &c->pattern, "a pattern string")) != ST_OK)
                return rc;
        } else if (parse_accept_word(p, "format_options")) {
            if ((rc = once(p, &fo, pos, "FORMAT_OPTIONS")) != ST_OK ||
                (rc = parse_props(p, true, &c->format_options, &c->n_format_options)) != ST_OK)
                return rc;
        } else if (parse_accept_word(p, "copy_options")) {
            if ((rc = once(p, &co, pos, "COPY_OPTIONS")) != ST_OK ||
                (rc = parse_props(p, true, &c->copy_options, &c->n_copy_options)) != ST_OK)
                return rc;
        } else {
            break;
        }
    }
    if (!c->fileformat)
        return expected(p, "FILEFORMAT");
    if (c->n_files && c->pattern)
        return parse_error_at(p, s->pos, ST_ERR_SYNTAX, "COPY INTO takes FILES or PATTERN, not both");
    return ST_OK;
}

/* ---- DESCRIBE ---------------------------------------------------------------- */

/* True when the word at the cursor is followed by something that can start
** a name, so it is a keyword rather than the name itself. */
static bool word_then_name(parse_state *p, const char *w)
{
    lex_token *n = parse_peek(p, 1);
    return parse_is_word(p, 0, w) &&
           (n->kind == LEX_IDENT || n->kind == LEX_QIDENT || n->kind == LEX_STRING);
}

static st_status parse_describe(parse_state *p, sql_stmt *s)
{
    sql_describe *d = s->describe = new_stmt_node(p, s, SQL_S_DESCRIBE, sizeof *d);
    st_status rc;
    if (!d)
        return parse_nomem(p);
    if (parse_is_word(p, 0, "query") && parse_query_starts(p, 1))
        p->i++;
    if (parse_query_starts(p, 0)) {
        d->kind = SQL_DESC_QUERY;
        return parse_query(p, &d->query);
    }
    if (word_then_name(p, "model"))
        return p->i++, parse_describe_model(p, s);
    if (word_then_name(p, "history") || word_then_name(p, "detail")) {
        d->kind = parse_is_word(p, 0, "history") ? SQL_DESC_HISTORY : SQL_DESC_DETAIL;
        p->i++;
        if ((rc = parse_target(p, true, false, NULL, &d->target)) != ST_OK)
            return rc;
        if (d->kind == SQL_DESC_HISTORY && parse_accept_kw(p, KW_LIMIT))
            return parse_expr(p, &d->limit);
        return ST_OK;
    }
    if (word_then_name(p, "catalog") || word_then_name(p, "schema") ||
        word_then_name(p, "database")) {
        d->kind = parse_is_word(p, 0, "catalog") ? SQL_DESC_CATALOG : SQL_DESC_SCHEMA;
        p->i++;
        if (word_then_name(p, "extended")) {
            p->i++;
            d->extended = true;
        }
        return parse_qname(p, &d->name);
    }
    d->kind = SQL_DESC_TABLE;
    if (word_then_name(p, "table"))
        p->i++;
    if (word_then_name(p, "extended") || word_then_name(p, "formatted")) {
        p->i++;
        d->kind = SQL_DESC_TABLE_EXTENDED;
    }
    if ((rc = parse_target(p, false, false, NULL, &d->target)) != ST_OK)
        return rc;
    if (parse_is_name_tok(parse_peek(p, 0)))
        return parse_qname(p, &d->column);
    return ST_OK;
}

/* ---- SHOW -------------------------------------------------------------------- */

/* [{FROM | IN} name] [[LIKE] 'pattern'] */
static st_status parse_show_filter(parse_state *p, sql_show *sh)
{
    st_status rc;
    if (parse_accept_kw(p, KW_FROM) || parse_accept_kw(p, KW_IN)) {
        if ((rc = parse_qname(p, &sh->in)) != ST_OK)
            return rc;
    }
    if (parse_accept_kw(p, KW_LIKE))
        return parse_string(p, &sh->like, "a pattern string");
    if (parse_peek(p, 0)->kind == LEX_STRING)
        return parse_string(p, &sh->like, "a pattern string");
    return ST_OK;
}

st_status parse_show_body(parse_state *p, sql_stmt *s, int32_t end)
{
    sql_show *sh = parse_alloc(p, sizeof *sh);
    st_status rc;
    if (!sh)
        return parse_nomem(p);
    s->show = sh;
    if (parse_accept_word(p, "catalogs")) {
        sh->kind = SQL_SHOW_CATALOGS;
        if (parse_accept_kw(p, KW_LIKE) || parse_peek(p, 0)->kind == LEX_STRING)
            return parse_string(p, &sh->like, "a pattern string");
        return ST_OK;
    }
    if (parse_accept_word(p, "schemas") || parse_accept_word(p, "databases")) {
        sh->kind = SQL_SHOW_SCHEMAS;
        return parse_show_filter(p, sh);
    }
    if (parse_accept_word(p, "tables") || parse_accept_word(p, "views")) {
        sh->kind = parse_is_word(p, -1, "tables") ? SQL_SHOW_TABLES : SQL_SHOW_VIEWS;
        return parse_show_filter(p, sh);
    }
    if (parse_accept_word(p, "columns")) {
        sh->kind = SQL_SHOW_COLUMNS;
        if (!parse_accept_kw(p, KW_FROM) && !parse_accept_kw(p, KW_IN))
            return expected(p, "FROM or IN");
        if ((rc = parse_target(p, false, false, NULL, &sh->target)) != ST_OK)
            return rc;
        if (parse_accept_kw(p, KW_FROM) || parse_accept_kw(p, KW_IN))
            return parse_qname(p, &sh->in);
        return ST_OK;
    }
    if (parse_accept_word(p, "tblproperties")) {
        sh->kind = SQL_SHOW_TBLPROPERTIES;
        if ((rc = parse_target(p, false, false, NULL, &sh->target)) != ST_OK)
            return rc;
        if (parse_accept(p, LEX_LPAREN)) {
            if ((rc = parse_prop_key(p, &sh->key)) != ST_OK)
                return rc;
            return parse_expect(p, LEX_RPAREN);
        }
        return ST_OK;
    }
    if (parse_is_word(p, 0, "create") && parse_is_word(p, 1, "table")) {
        p->i += 2;
        sh->kind = SQL_SHOW_CREATE_TABLE;
        return parse_target(p, false, false, NULL, &sh->target);
    }
    sh->kind = SQL_SHOW_OTHER;
    p->i = end;
    return ST_OK;
}

/* ---- RESTORE, OPTIMIZE, VACUUM --------------------------------------------- */

static st_status parse_restore(parse_state *p, sql_stmt *s)
{
    sql_restore *r = s->restore = new_stmt_node(p, s, SQL_S_RESTORE, sizeof *r);
    st_status rc;
    if (!r)
        return parse_nomem(p);
    if (word_then_name(p, "table"))
        p->i++;
    if ((rc = parse_target(p, false, false, NULL, &r->target)) != ST_OK)
        return rc;
    parse_accept_kw(p, KW_TO);
    if (parse_accept_kw(p, KW_VERSION))
        r->travel = SQL_TRAVEL_VERSION;
    else if (parse_accept_kw(p, KW_TIMESTAMP))
        r->travel = SQL_TRAVEL_TIMESTAMP;
    else
        return expected(p, "VERSION AS OF or TIMESTAMP AS OF");
    if (!parse_accept_kw(p, KW_AS))
        return expected(p, "AS OF");
    if (!parse_accept_kw(p, KW_OF))
        return expected(p, "OF");
    return parse_expr(p, &r->at);
}

static st_status parse_optimize(parse_state *p, sql_stmt *s)
{
    sql_optimize *o = s->optimize = new_stmt_node(p, s, SQL_S_OPTIMIZE, sizeof *o);
    st_status rc = o ? parse_target(p, true, false, NULL, &o->target) : parse_nomem(p);
    if (rc != ST_OK)
        return rc;
    if (parse_accept_kw(p, KW_WHERE) && (rc = parse_expr(p, &o->where)) != ST_OK)
        return rc;
    if (parse_is_word(p, 0, "zorder")) {
        p->i++;
        if (!parse_accept_kw(p, KW_BY))
            return expected(p, "BY");
        bool parens = parse_peek(p, 0)->kind == LEX_LPAREN;
        return parse_qname_list(p, parens, &o->zorder, &o->n_zorder);
    }
    return ST_OK;
}

static st_status parse_vacuum(parse_state *p, sql_stmt *s)
{
    sql_vacuum *v = s->vacuum = new_stmt_node(p, s, SQL_S_VACUUM, sizeof *v);
    st_status rc = v ? parse_target(p, true, false, NULL, &v->target) : parse_nomem(p);
    if (rc != ST_OK)
        return rc;
    if (parse_accept_word(p, "retain")) {
        if ((rc = parse_expr(p, &v->retain_hours)) != ST_OK ||
            (rc = expect_word(p, "hours", "HOURS")) != ST_OK)
            return rc;
    }
    if (parse_accept_word(p, "dry")) {
        if ((rc = expect_word(p, "run", "RUN")) != ST_OK)
            return rc;
        v->dry_run = true;
    }
    return ST_OK;
}

/* ---- ML models -------------------------------------------------------------- */

/* A model name: dotted identifiers (joined by '.') or a string. */
static st_status parse_model_name(parse_state *p, sql_model_stmt *m)
{
    lex_token *t = parse_peek(p, 0);
    m->name_pos = t->pos;
    if (t->kind == LEX_STRING) {
        m->name = t->text;
        p->i++;
        return ST_OK;
    }
    sql_name n;
    st_status rc = parse_qname(p, &n);
    if (rc != ST_OK)
        return rc;
    size_t len = 1;
    for (int k = 0; k < n.n_parts; k++)
        len += strlen(n.parts[k]) + 1;
    char *s = parse_alloc(p, len);
    if (!s)
        return parse_nomem(p);
    for (int k = 0; k < n.n_parts; k++) {
        if (k)
            strcat(s, ".");
        strcat(s, n.parts[k]);
    }
    m->name = s;
    return ST_OK;
}

/* VERSION v (an integer or a string of digits) */
static st_status parse_model_version(parse_state *p, sql_model_stmt *m)
{
    lex_token *t = parse_peek(p, 0);
    if (t->kind != LEX_NUMBER && t->kind != LEX_STRING)
        return expected(p, "a version number");
    size_t n = t->kind == LEX_NUMBER ? (size_t)t->len : strlen(t->text);
    bool ok = n > 0;
    for (size_t k = 0; k < n; k++)
        ok = ok && t->text[k] >= '0' && t->text[k] <= '9';
    if (!ok)
        return parse_error_at(p, t->pos, ST_ERR_SYNTAX, "a model version is a positive integer");
    if (!(m->version = st_arena_strndup(p->a, t->text, n)))
        return parse_nomem(p);
    p->i++;
    return ST_OK;
}

/* An alias: a name or a string. */
static st_status parse_model_alias(parse_state *p, sql_model_stmt *m)
{
    lex_token *t = parse_peek(p, 0);
    if (t->kind != LEX_STRING && !parse_is_name_tok(t))
        return expected(p, "an alias");
    m->alias = t->text;
    p->i++;
    return ST_OK;
}

static sql_model_stmt *new_model_stmt(parse_state *p, sql_stmt *s, sql_model_op op)
{
    sql_model_stmt *m = s->model = new_stmt_node(p, s, SQL_S_MODEL, sizeof *m);
    if (m)
        m->op = op;
    return m;
}

/* CREATE [OR REPLACE] MODEL, after MODEL. */
static st_status parse_create_model(parse_state *p, sql_stmt *s, bool or_replace)
{
    sql_model_stmt *m = new_model_stmt(p, s, SQL_MODEL_CREATE);
    st_status rc;
    if (!m)
        return parse_nomem(p);
    m->or_replace = or_replace;
    if ((rc = parse_if(p, true, &m->if_not_exists)) != ST_OK ||
        (rc = parse_model_name(p, m)) != ST_OK)
        return rc;
    if (m->or_replace && m->if_not_exists)
        return parse_error_at(p, m->name_pos, ST_ERR_SYNTAX,
                              "OR REPLACE and IF NOT EXISTS cannot be used together");
    if (!parse_accept_word(p, "options"))
        return expected(p, "OPTIONS");
    if ((rc = parse_props(p, true, &m->options, &m->n_options)) != ST_OK)
        return rc;
    for (int k = 0; k < m->n_options; k++)
        m->options[k].key = lower_dup(p, m->options[k].key);
    if ((rc = parse_expect_kw(p, KW_AS)) != ST_OK)
        return rc;
    return parse_query_text(p, &m->query, &m->query_text);
}

/* DROP MODEL, after MODEL. */
static st_status parse_drop_model(parse_state *p, sql_stmt *s)
{
    sql_model_stmt *m = new_model_stmt(p, s, SQL_MODEL_DROP);
    st_status rc;
    if (!m)
        return parse_nomem(p);
    if ((rc = parse_if(p, false, &m->if_exists)) != ST_OK)
        return rc;
    return parse_model_name(p, m);
}

/* ALTER MODEL, after MODEL. */
static st_status parse_alter_model(parse_state *p, sql_stmt *s)
{
    sql_model_stmt *m = new_model_stmt(p, s, SQL_MODEL_SET_STAGE);
    st_status rc;
    if (!m)
        return parse_nomem(p);
    if ((rc = parse_model_name(p, m)) != ST_OK)
        return rc;
    if (parse_accept_word(p, "version") && (rc = parse_model_version(p, m)) != ST_OK)
        return rc;
    if (!m->version && parse_accept_word(p, "drop")) {
        m->op = SQL_MODEL_DROP_ALIAS;
        if (!parse_accept_word(p, "alias"))
            return expected(p, "ALIAS");
        return parse_model_alias(p, m);
    }
    if (!parse_accept_kw(p, KW_SET))
        return expected(p, m->version ? "SET" : "VERSION, SET or DROP");
    if (parse_accept_word(p, "stage")) {
        if (!m->version)
            return parse_error_at(p, parse_peek(p, -1)->pos, ST_ERR_SYNTAX,
                                  "SET STAGE needs VERSION v before it");
        m->op = SQL_MODEL_SET_STAGE;
        if ((rc = parse_string(p, &m->stage, "a stage string ('Staging', 'Production', ...)")) !=
            ST_OK)
            return rc;
        if (parse_accept_word(p, "archive")) {
            if (!parse_accept_word(p, "existing"))
                return expected(p, "EXISTING");
            parse_accept_word(p, "versions");
            m->archive_existing = true;
        }
        return ST_OK;
    }
    if (parse_accept_word(p, "comment") || parse_accept_word(p, "description")) {
        m->op = SQL_MODEL_SET_COMMENT;
        return parse_string(p, &m->comment, "a comment string");
    }
    if (!m->version && parse_accept_word(p, "alias")) {
        m->op = SQL_MODEL_SET_ALIAS;
        if ((rc = parse_model_alias(p, m)) != ST_OK)
            return rc;
        parse_accept_kw(p, KW_TO);
        if (!parse_accept_word(p, "version"))
            return expected(p, "VERSION");
        return parse_model_version(p, m);
    }
    return expected(p, m->version ? "STAGE or COMMENT" : "ALIAS or COMMENT");
}

/* DESCRIBE MODEL, after MODEL. */
static st_status parse_describe_model(parse_state *p, sql_stmt *s)
{
    sql_model_stmt *m = new_model_stmt(p, s, SQL_MODEL_DESCRIBE);
    return m ? parse_model_name(p, m) : parse_nomem(p);
}

/* ---- dispatch --------------------------------------------------------------- */

/* CREATE ... / REPLACE TABLE ..., after the first word. */
static st_status parse_create_stmt(parse_state *p, sql_stmt *s)
{
    return parse_create(p, s, false);
}

static st_status parse_replace_stmt(parse_state *p, sql_stmt *s)
{
    return parse_create(p, s, true);
}

st_status parse_lake_stmt(parse_state *p, sql_stmt *s, bool *handled)
{
    lex_token *t = parse_peek(p, 0);
    *handled = false;
    if (t->kind != LEX_IDENT)
        return ST_OK;
    static const struct {
        const char *word;                              /* first word, any case */
        st_status (*parse)(parse_state *p, sql_stmt *s);  /* parses after the word */
    } STMTS[] = {
        {"create", parse_create_stmt}, {"replace", parse_replace_stmt}, {"drop", parse_drop},
        {"alter", parse_alter}, {"insert", parse_insert}, {"update", parse_update},
        {"delete", parse_delete}, {"merge", parse_merge}, {"copy", parse_copy},
        {"describe", parse_describe}, {"desc", parse_describe}, {"restore", parse_restore},
        {"optimize", parse_optimize}, {"vacuum", parse_vacuum}, {"comment", parse_comment_on},
        {"truncate", parse_truncate},
    };
    for (size_t k = 0; k < ST_ARRAY_LEN(STMTS); k++) {
        if (strcasecmp(t->text, STMTS[k].word) == 0) {
            *handled = true;
            p->i++;
            return STMTS[k].parse(p, s);
        }
    }
    return ST_OK;
}
