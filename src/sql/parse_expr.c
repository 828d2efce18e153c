/* parse_expr.c -- recursive-descent parser for Spark SQL expressions, data
** types and window specifications (the query and statement grammar is in
** parse.c). Precedence, loosest first, as Spark's SqlBaseParser.g4:
**   OR; AND; NOT; predicates (IS, BETWEEN, IN, LIKE...) applied to a
**   comparison (= == <> != < <= > >= <=>); |; ^; &; << >> >>>; + - ||;
**   * / % DIV; unary - + ~; postfix [i] .field ::type; primaries.
** Binary levels are one precedence-climbing loop. Every recursion passes
** parse_enter, which bounds nesting at SQL_MAX_DEPTH; a left-deep chain
** (1+1+1...) counts one level per operator so later tree walks are bounded
** too. All nodes live in the parser's arena. */
#include <strings.h>

#include "sql_int.h"

#define LEAVE(p) ((p)->depth--)

static sql_expr *new_expr(parse_state *p, sql_expr_kind k, int32_t pos)
{
    sql_expr *e = parse_alloc(p, sizeof *e);
    if (e) {
        e->kind = k;
        e->pos = pos;
    }
    return e;
}

/* ---- binary operators ------------------------------------------------- */

typedef struct binop {
    lex_kind kind;
    lex_kw   kw;
    sql_op   op;
    int      prec;       /* higher binds tighter */
} binop;

static const binop BINOPS[] = {
    {LEX_EQ, KW_NONE, SQL_OP_EQ, 1}, {LEX_EQEQ, KW_NONE, SQL_OP_EQ, 1},
    {LEX_NE, KW_NONE, SQL_OP_NE, 1}, {LEX_LT, KW_NONE, SQL_OP_LT, 1},
    {LEX_LE, KW_NONE, SQL_OP_LE, 1}, {LEX_GT, KW_NONE, SQL_OP_GT, 1},
    {LEX_GE, KW_NONE, SQL_OP_GE, 1}, {LEX_NULLSAFE, KW_NONE, SQL_OP_EQ_NULLSAFE, 1},
    {LEX_PIPE, KW_NONE, SQL_OP_BIT_OR, 2}, {LEX_CARET, KW_NONE, SQL_OP_BIT_XOR, 3},
    {LEX_AMP, KW_NONE, SQL_OP_BIT_AND, 4}, {LEX_SHL, KW_NONE, SQL_OP_SHL, 5},
    {LEX_SHR, KW_NONE, SQL_OP_SHR, 5}, {LEX_SHRU, KW_NONE, SQL_OP_SHRU, 5},
    {LEX_PLUS, KW_NONE, SQL_OP_ADD, 6}, {LEX_MINUS, KW_NONE, SQL_OP_SUB, 6},
    {LEX_CONCAT, KW_NONE, SQL_OP_CONCAT, 6}, {LEX_STAR, KW_NONE, SQL_OP_MUL, 7},
    {LEX_SLASH, KW_NONE, SQL_OP_DIV, 7}, {LEX_PERCENT, KW_NONE, SQL_OP_MOD, 7},
    {LEX_IDENT, KW_DIV, SQL_OP_INT_DIV, 7},
};

static const binop *find_binop(parse_state *p)
{
    lex_token *t = parse_peek(p, 0);
    for (size_t k = 0; k < ST_ARRAY_LEN(BINOPS); k++)
        if (BINOPS[k].kind == t->kind && (BINOPS[k].kw == KW_NONE || BINOPS[k].kw == t->kw))
            return &BINOPS[k];
    return NULL;
}

static st_status parse_unary(parse_state *p, sql_expr **out);

/* Precedence climbing over BINOPS for operators binding at least min_prec. */
static st_status parse_binary(parse_state *p, int min_prec, sql_expr **out)
{
    sql_expr *l = NULL;
    st_status rc = parse_unary(p, &l);
    int chain = 0;
    while (rc == ST_OK) {
        const binop *b = find_binop(p);
        if (!b || b->prec < min_prec)
            break;
        int32_t pos = parse_peek(p, 0)->pos;
        p->i++;
        if ((rc = parse_enter(p)) != ST_OK)    /* one level per chained operator */
            break;
        chain++;
        sql_expr *r = NULL;
        if ((rc = parse_binary(p, b->prec + 1, &r)) != ST_OK)
            break;
        sql_expr *e = new_expr(p, SQL_E_BINARY, pos);
        if (!e) { rc = parse_nomem(p); break; }
        e->op = b->op;
        e->a = l;
        e->b = r;
        l = e;
    }
    p->depth -= chain;
    *out = l;
    return rc;
}

/* ---- predicates -------------------------------------------------------- */

static st_status parse_in(parse_state *p, sql_expr *e)
{
    st_status rc = parse_expect(p, LEX_LPAREN);
    if (rc != ST_OK)
        return rc;
    if (parse_query_starts(p, 0))
        rc = parse_query(p, &e->query);
    else
        rc = parse_expr_list(p, &e->list, &e->n_list);
    return rc != ST_OK ? rc : parse_expect(p, LEX_RPAREN);
}

static st_status parse_like(parse_state *p, sql_expr *e)
{
    lex_token *t = parse_peek(p, 0);
    e->op = t->kw == KW_ILIKE ? SQL_OP_ILIKE
          : (t->kw == KW_RLIKE || t->kw == KW_REGEXP) ? SQL_OP_RLIKE : SQL_OP_LIKE;
    p->i++;
    st_status rc;
    if (e->op != SQL_OP_RLIKE && (parse_is_kw(p, 0, KW_ANY) || parse_is_kw(p, 0, KW_ALL)) &&
        parse_peek(p, 1)->kind == LEX_LPAREN) {
        e->quant = parse_is_kw(p, 0, KW_ANY) ? SQL_QUANT_ANY : SQL_QUANT_ALL;
        p->i += 2;
        if ((rc = parse_expr_list(p, &e->list, &e->n_list)) != ST_OK)
            return rc;
        return parse_expect(p, LEX_RPAREN);
    }
    if ((rc = parse_binary(p, 2, &e->b)) != ST_OK)
        return rc;
    if (parse_accept_kw(p, KW_ESCAPE))
        return parse_binary(p, 2, &e->c);
    return ST_OK;
}

static st_status parse_is(parse_state *p, sql_expr *l, sql_expr **out)
{
    int32_t pos = parse_peek(p, 0)->pos;
    p->i++;                                      /* IS */
    bool neg = parse_accept_kw(p, KW_NOT);
    if (parse_accept_kw(p, KW_DISTINCT)) {
        st_status rc = parse_expect_kw(p, KW_FROM);
        sql_expr *e = new_expr(p, SQL_E_BINARY, pos), *r = NULL;
        if (rc != ST_OK)
            return rc;
        if (!e)
            return parse_nomem(p);
        if ((rc = parse_binary(p, 2, &r)) != ST_OK)
            return rc;
        e->op = neg ? SQL_OP_NOT_DISTINCT_FROM : SQL_OP_DISTINCT_FROM;
        e->a = l;
        e->b = r;
        *out = e;
        return ST_OK;
    }
    sql_expr *e = new_expr(p, SQL_E_IS, pos);
    if (!e)
        return parse_nomem(p);
    e->negated = neg;
    e->a = l;
    if (parse_accept_kw(p, KW_NULL)) e->op = SQL_OP_IS_NULL;
    else if (parse_accept_kw(p, KW_TRUE)) e->op = SQL_OP_IS_TRUE;
    else if (parse_accept_kw(p, KW_FALSE)) e->op = SQL_OP_IS_FALSE;
    else if (parse_accept_kw(p, KW_UNKNOWN)) e->op = SQL_OP_IS_UNKNOWN;
    else return parse_syntax_error(p);
    *out = e;
    return ST_OK;
}

/* comparison [predicate]*: the operand of NOT. */
static st_status parse_predicate(parse_state *p, sql_expr **out)
{
    sql_expr *l = NULL;
    st_status rc = parse_binary(p, 1, &l);
    while (rc == ST_OK) {
        if (parse_is_kw(p, 0, KW_IS)) {
            rc = parse_is(p, l, &l);
            continue;
        }
        int ahead = parse_is_kw(p, 0, KW_NOT) ? 1 : 0;
        lex_token *t = parse_peek(p, ahead);
        if (t->kind != LEX_IDENT || (t->kw != KW_BETWEEN && t->kw != KW_IN &&
            t->kw != KW_LIKE && t->kw != KW_ILIKE && t->kw != KW_RLIKE && t->kw != KW_REGEXP))
            break;
        sql_expr *e = new_expr(p, SQL_E_BETWEEN, parse_peek(p, 0)->pos);
        if (!e)
            return parse_nomem(p);
        e->negated = ahead == 1;
        e->a = l;
        p->i += ahead;
        if (t->kw == KW_BETWEEN) {
            p->i++;
            if ((rc = parse_binary(p, 1, &e->b)) == ST_OK &&
                (rc = parse_expect_kw(p, KW_AND)) == ST_OK)
                rc = parse_binary(p, 1, &e->c);
        } else if (t->kw == KW_IN) {
            e->kind = SQL_E_IN;
            p->i++;
            rc = parse_in(p, e);
        } else {
            e->kind = SQL_E_LIKE;
            rc = parse_like(p, e);
        }
        l = e;
        break;                                   /* Spark: one predicate */
    }
    *out = l;
    return rc;
}

static st_status parse_not(parse_state *p, sql_expr **out)
{
    if (!parse_is_kw(p, 0, KW_NOT) && parse_peek(p, 0)->kind != LEX_BANG)
        return parse_predicate(p, out);
    int32_t pos = parse_peek(p, 0)->pos;
    p->i++;
    st_status rc = parse_enter(p);
    sql_expr *e = new_expr(p, SQL_E_UNARY, pos);
    if (rc != ST_OK)
        return rc;
    if (!e)
        return parse_nomem(p);
    e->op = SQL_OP_NOT;
    rc = parse_not(p, &e->a);
    LEAVE(p);
    *out = e;
    return rc;
}

/* AND (prec 2) and OR (prec 1) by precedence climbing. */
static st_status parse_bool(parse_state *p, int min_prec, sql_expr **out)
{
    sql_expr *l = NULL;
    st_status rc = parse_not(p, &l);
    int chain = 0;
    while (rc == ST_OK) {
        int prec = parse_is_kw(p, 0, KW_OR) ? 1 : parse_is_kw(p, 0, KW_AND) ? 2 : 0;
        if (!prec || prec < min_prec)
            break;
        int32_t pos = parse_peek(p, 0)->pos;
        p->i++;
        if ((rc = parse_enter(p)) != ST_OK)
            break;
        chain++;
        sql_expr *r = NULL;
        if ((rc = parse_bool(p, prec + 1, &r)) != ST_OK)
            break;
        sql_expr *e = new_expr(p, SQL_E_BINARY, pos);
        if (!e) { rc = parse_nomem(p); break; }
        e->op = prec == 1 ? SQL_OP_OR : SQL_OP_AND;
        e->a = l;
        e->b = r;
        l = e;
    }
    p->depth -= chain;
    *out = l;
    return rc;
}

/* Lambda parameters at the cursor: x -> or (x, y) ->; returns the count of
** tokens before the arrow, 0 if this is not a lambda. */
static int lambda_len(parse_state *p)
{
    if (parse_is_name_tok(parse_peek(p, 0)) && parse_peek(p, 1)->kind == LEX_ARROW)
        return 1;
    if (parse_peek(p, 0)->kind != LEX_LPAREN)
        return 0;
    int k = 1;
    for (;;) {
        if (!parse_is_name_tok(parse_peek(p, k)))
            return 0;
        k++;
        if (parse_peek(p, k)->kind == LEX_RPAREN)
            return parse_peek(p, k + 1)->kind == LEX_ARROW ? k + 1 : 0;
        if (parse_peek(p, k)->kind != LEX_COMMA)
            return 0;
        k++;
    }
}

static st_status parse_lambda(parse_state *p, int n_toks, sql_expr **out)
{
    sql_expr *e = new_expr(p, SQL_E_LAMBDA, parse_peek(p, 0)->pos);
    if (!e)
        return parse_nomem(p);
    int np = n_toks == 1 ? 1 : n_toks / 2;
    e->name.parts = parse_alloc(p, (size_t)np * sizeof *e->name.parts);
    if (!e->name.parts)
        return parse_nomem(p);
    e->name.pos = e->pos;
    for (int k = 0; k < n_toks; k++) {
        lex_token *t = parse_peek(p, 0);
        if (parse_is_name_tok(t))
            e->name.parts[e->name.n_parts++] = t->text;
        p->i++;
    }
    p->i++;                                      /* -> */
    *out = e;
    return parse_expr(p, &e->a);
}

st_status parse_expr(parse_state *p, sql_expr **out)
{
    st_status rc = parse_enter(p);
    if (rc != ST_OK)
        return rc;
    int lam = lambda_len(p);
    if (lam > 0)
        rc = parse_lambda(p, lam, out);
    else
        rc = parse_bool(p, 1, out);
    LEAVE(p);
    return rc;
}

st_status parse_expr_list(parse_state *p, sql_expr ***out, int *n)
{
    int cap = 0;
    *out = NULL;
    *n = 0;
    do {
        sql_expr *e = NULL;
        st_status rc = parse_expr(p, &e);
        if (rc == ST_OK)
            rc = parse_push(p, (void ***)out, n, &cap, e);
        if (rc != ST_OK)
            return rc;
    } while (parse_accept(p, LEX_COMMA));
    return ST_OK;
}

/* ---- unary, postfix ---------------------------------------------------- */

static st_status parse_primary(parse_state *p, sql_expr **out);

static st_status parse_postfix(parse_state *p, sql_expr **out)
{
    sql_expr *e = NULL;
    st_status rc = parse_primary(p, &e);
    int chain = 0;
    while (rc == ST_OK) {
        lex_token *t = parse_peek(p, 0);
        sql_expr *n;
        if (t->kind == LEX_LBRACKET) {
            p->i++;
            if (!(n = new_expr(p, SQL_E_SUBSCRIPT, t->pos))) { rc = parse_nomem(p); break; }
            n->a = e;
            if ((rc = parse_expr(p, &n->b)) != ST_OK || (rc = parse_expect(p, LEX_RBRACKET)) != ST_OK)
                break;
        } else if (t->kind == LEX_DOT && parse_is_name_tok(parse_peek(p, 1))) {
            p->i++;
            if (!(n = new_expr(p, SQL_E_FIELD, t->pos))) { rc = parse_nomem(p); break; }
            n->a = e;
            n->str = parse_peek(p, 0)->text;
            n->str_len = parse_peek(p, 0)->text_len;
            p->i++;
        } else if (t->kind == LEX_DCOLON) {
            p->i++;
            if (!(n = new_expr(p, SQL_E_CAST, t->pos))) { rc = parse_nomem(p); break; }
            n->a = e;
            if ((rc = parse_type(p, &n->type)) != ST_OK)
                break;
        } else {
            break;
        }
        if ((rc = parse_enter(p)) != ST_OK)
            break;
        chain++;
        e = n;
    }
    p->depth -= chain;
    *out = e;
    return rc;
}

static st_status parse_unary(parse_state *p, sql_expr **out)
{
    lex_token *t = parse_peek(p, 0);
    sql_op op = t->kind == LEX_MINUS ? SQL_OP_NEG : t->kind == LEX_PLUS ? SQL_OP_POS
              : t->kind == LEX_TILDE ? SQL_OP_BIT_NOT : SQL_OP_NONE;
    if (op == SQL_OP_NONE)
        return parse_postfix(p, out);
    p->i++;
    st_status rc = parse_enter(p);
    if (rc != ST_OK)
        return rc;
    sql_expr *e = new_expr(p, SQL_E_UNARY, t->pos);
    if (!e)
        return parse_nomem(p);
    e->op = op;
    rc = parse_unary(p, &e->a);
    LEAVE(p);
    *out = e;
    return rc;
}

/* ---- primaries --------------------------------------------------------- */

static st_status parse_number(parse_state *p, sql_expr **out)
{
    lex_token *t = parse_peek(p, 0);
    sql_expr *e = new_expr(p, SQL_E_LITERAL, t->pos);
    if (!e)
        return parse_nomem(p);
    int32_t n = t->len;
    const char *s = t->text;
    char last = s[n - 1];
    bool has_dot = memchr(s, '.', (size_t)n) != NULL;
    bool has_exp = false;
    for (int32_t k = 0; k < n; k++)
        if (s[k] == 'e' || s[k] == 'E')
            has_exp = true;
    e->lit = has_exp ? SQL_LIT_DOUBLE : has_dot ? SQL_LIT_DECIMAL : SQL_LIT_INT;
    if (n >= 2 && (last == 'd' || last == 'D') && (s[n - 2] == 'b' || s[n - 2] == 'B')) {
        e->lit = SQL_LIT_DECIMAL;
        n -= 2;
    } else if (strchr("lLsSyYdDfF", last)) {
        switch (last | 0x20) {
        case 'l': e->lit = SQL_LIT_BIGINT; break;
        case 's': e->lit = SQL_LIT_SMALLINT; break;
        case 'y': e->lit = SQL_LIT_TINYINT; break;
        case 'd': e->lit = SQL_LIT_DOUBLE; break;
        default: e->lit = SQL_LIT_FLOAT; break;
        }
        n -= 1;
        if ((has_dot || has_exp) && e->lit != SQL_LIT_DOUBLE && e->lit != SQL_LIT_FLOAT)
            return parse_error_at(p, t->pos, ST_ERR_SYNTAX, "invalid integer literal");
    }
    e->str = st_arena_strndup(p->a, s, (size_t)n);
    e->str_len = n;
    if (!e->str)
        return parse_nomem(p);
    p->i++;
    *out = e;
    return ST_OK;
}

static const struct { const char *word; sql_unit unit; } UNITS[] = {
    {"year", SQL_UNIT_YEAR}, {"years", SQL_UNIT_YEAR}, {"month", SQL_UNIT_MONTH},
    {"months", SQL_UNIT_MONTH}, {"week", SQL_UNIT_WEEK}, {"weeks", SQL_UNIT_WEEK},
    {"day", SQL_UNIT_DAY}, {"days", SQL_UNIT_DAY}, {"hour", SQL_UNIT_HOUR},
    {"hours", SQL_UNIT_HOUR}, {"minute", SQL_UNIT_MINUTE}, {"minutes", SQL_UNIT_MINUTE},
    {"second", SQL_UNIT_SECOND}, {"seconds", SQL_UNIT_SECOND},
    {"millisecond", SQL_UNIT_MILLISECOND}, {"milliseconds", SQL_UNIT_MILLISECOND},
    {"microsecond", SQL_UNIT_MICROSECOND}, {"microseconds", SQL_UNIT_MICROSECOND},
};

static sql_unit unit_of(const lex_token *t)
{
    if (t->kind != LEX_IDENT)
        return SQL_UNIT_NONE;
    for (size_t k = 0; k < ST_ARRAY_LEN(UNITS); k++)
        if (strlen(UNITS[k].word) == (size_t)t->text_len &&
            strncasecmp(UNITS[k].word, t->text, (size_t)t->text_len) == 0)
            return UNITS[k].unit;
    return SQL_UNIT_NONE;
}

/* INTERVAL '1' DAY, INTERVAL 3 DAYS, INTERVAL '1-2' YEAR TO MONTH, -'1' ... */
static st_status parse_interval(parse_state *p, sql_expr **out)
{
    int32_t pos = parse_peek(p, 0)->pos;
    p->i++;
    lex_token *v = parse_peek(p, 0);
    bool neg = false;
    if (v->kind == LEX_MINUS) {
        neg = true;
        v = parse_peek(p, 1);
    }
    if (v->kind != LEX_STRING && v->kind != LEX_NUMBER) {
        p->i += neg;
        return parse_syntax_error(p);
    }
    p->i += neg + 1;
    sql_expr *e = new_expr(p, SQL_E_LITERAL, pos);
    if (!e)
        return parse_nomem(p);
    e->lit = SQL_LIT_INTERVAL;
    e->str = neg ? st_arena_printf(p->a, "-%.*s", (int)v->text_len, v->text)
                 : st_arena_strndup(p->a, v->text, (size_t)v->text_len);
    if (!e->str)
        return parse_nomem(p);
    e->str_len = (int32_t)strlen(e->str);
    if ((e->unit = unit_of(parse_peek(p, 0))) == SQL_UNIT_NONE)
        return parse_syntax_error(p);
    p->i++;
    if (parse_is_kw(p, 0, KW_TO)) {
        p->i++;
        if ((e->unit_to = unit_of(parse_peek(p, 0))) == SQL_UNIT_NONE || e->unit_to <= e->unit)
            return parse_syntax_error(p);
        p->i++;
    }
    *out = e;
    return ST_OK;
}

static st_status parse_case(parse_state *p, sql_expr **out)
{
    sql_expr *e = new_expr(p, SQL_E_CASE, parse_peek(p, 0)->pos);
    st_status rc = ST_OK;
    int cap = 0;
    if (!e)
        return parse_nomem(p);
    p->i++;
    if (!parse_is_kw(p, 0, KW_WHEN) && (rc = parse_expr(p, &e->a)) != ST_OK)
        return rc;
    if (!parse_is_kw(p, 0, KW_WHEN))
        return parse_syntax_error(p);
    while (parse_accept_kw(p, KW_WHEN)) {
        sql_expr *w = NULL, *t = NULL;
        if ((rc = parse_expr(p, &w)) != ST_OK || (rc = parse_expect_kw(p, KW_THEN)) != ST_OK ||
            (rc = parse_expr(p, &t)) != ST_OK ||
            (rc = parse_push(p, (void ***)&e->list, &e->n_list, &cap, w)) != ST_OK ||
            (rc = parse_push(p, (void ***)&e->list, &e->n_list, &cap, t)) != ST_OK)
            return rc;
    }
    if (parse_accept_kw(p, KW_ELSE) && (rc = parse_expr(p, &e->b)) != ST_OK)
        return rc;
    *out = e;
    return parse_expect_kw(p, KW_END);
}

static st_status parse_cast(parse_state *p, sql_expr **out)
{
    sql_expr *e = new_expr(p, SQL_E_CAST, parse_peek(p, 0)->pos);
    if (!e)
        return parse_nomem(p);
    e->is_try = parse_is_kw(p, 0, KW_TRY_CAST);
    p->i += 2;                                   /* CAST ( */
    st_status rc;
    if ((rc = parse_expr(p, &e->a)) != ST_OK || (rc = parse_expect_kw(p, KW_AS)) != ST_OK ||
        (rc = parse_type(p, &e->type)) != ST_OK)
        return rc;
    *out = e;
    return parse_expect(p, LEX_RPAREN);
}

static st_status parse_extract(parse_state *p, sql_expr **out)
{
    sql_expr *e = new_expr(p, SQL_E_EXTRACT, parse_peek(p, 0)->pos);
    if (!e)
        return parse_nomem(p);
    p->i += 2;                                   /* EXTRACT ( */
    st_status rc = parse_ident(p, &e->str);
    if (rc != ST_OK || (rc = parse_expect_kw(p, KW_FROM)) != ST_OK ||
        (rc = parse_expr(p, &e->a)) != ST_OK)
        return rc;
    e->str_len = (int32_t)strlen(e->str);
    *out = e;
    return parse_expect(p, LEX_RPAREN);
}

/* One call argument: name => value, or an expression. */
static st_status parse_arg(parse_state *p, sql_expr **out)
{
    if (parse_is_name_tok(parse_peek(p, 0)) && parse_peek(p, 1)->kind == LEX_ARROW2) {
        sql_expr *e = new_expr(p, SQL_E_NAMED_ARG, parse_peek(p, 0)->pos);
        if (!e)
            return parse_nomem(p);
        e->str = parse_peek(p, 0)->text;
        e->str_len = parse_peek(p, 0)->text_len;
        p->i += 2;
        *out = e;
        return parse_expr(p, &e->a);
    }
    return parse_expr(p, out);
}

st_status parse_call_args(parse_state *p, sql_expr ***args, int *n);
st_status parse_call_args(parse_state *p, sql_expr ***args, int *n)
{
    int cap = 0;
    *args = NULL;
    *n = 0;
    if (parse_accept(p, LEX_RPAREN))
        return ST_OK;
    do {
        sql_expr *e = NULL;
        st_status rc = parse_arg(p, &e);
        if (rc == ST_OK)
            rc = parse_push(p, (void ***)args, n, &cap, e);
        if (rc != ST_OK)
            return rc;
    } while (parse_accept(p, LEX_COMMA));
    return parse_expect(p, LEX_RPAREN);
}

/* FILTER (WHERE ...), IGNORE/RESPECT NULLS, OVER ... after a call. */
static st_status parse_call_tail(parse_state *p, sql_expr *e)
{
    st_status rc;
    if (parse_is_kw(p, 0, KW_FILTER) && parse_peek(p, 1)->kind == LEX_LPAREN) {
        p->i += 2;
        if ((rc = parse_expect_kw(p, KW_WHERE)) != ST_OK || (rc = parse_expr(p, &e->b)) != ST_OK ||
            (rc = parse_expect(p, LEX_RPAREN)) != ST_OK)
            return rc;
    }
    if ((parse_is_kw(p, 0, KW_IGNORE) || parse_is_kw(p, 0, KW_RESPECT)) &&
        parse_is_kw(p, 1, KW_NULLS)) {
        e->nulls = parse_is_kw(p, 0, KW_IGNORE) ? SQL_NULLS_IGNORE : SQL_NULLS_RESPECT;
        p->i += 2;
    }
    if (!parse_accept_kw(p, KW_OVER))
        return ST_OK;
    if (parse_is_name_tok(parse_peek(p, 0)))
        return parse_ident(p, &e->over_name);
    return parse_window_spec(p, &e->over);
}

/* True when token k ahead is the unreserved word w (any case). */
static bool word_at(parse_state *p, int k, const char *w)
{
    const lex_token *t = parse_peek(p, k);
    return (t->kind == LEX_IDENT) && (size_t)t->text_len == strlen(w) &&
           strncasecmp(t->text, w, strlen(w)) == 0;
}

/* TRIM([BOTH | LEADING | TRAILING] [chars] FROM str) -> trim/ltrim/rtrim(chars,
** str) or (str); called after "trim(" when the SQL form is used. */
static st_status parse_trim_sql(parse_state *p, sql_expr *e)
{
    const char *fn = "trim";
    if (word_at(p, 0, "both")) p->i++;
    else if (word_at(p, 0, "leading")) { fn = "ltrim"; p->i++; }
    else if (word_at(p, 0, "trailing")) { fn = "rtrim"; p->i++; }
    sql_expr *chars = NULL, *str = NULL;
    st_status rc;
    if (!parse_is_kw(p, 0, KW_FROM) && (rc = parse_expr(p, &chars)) != ST_OK)
        return rc;
    if ((rc = parse_expect_kw(p, KW_FROM)) != ST_OK || (rc = parse_expr(p, &str)) != ST_OK ||
        (rc = parse_expect(p, LEX_RPAREN)) != ST_OK)
        return rc;
    int cap = 0;
    e->list = NULL;
    e->n_list = 0;
    if (chars && (rc = parse_push(p, (void ***)&e->list, &e->n_list, &cap, chars)) != ST_OK)
        return rc;
    if ((rc = parse_push(p, (void ***)&e->list, &e->n_list, &cap, str)) != ST_OK)
        return rc;
    e->name.parts[0] = fn;
    return ST_OK;
}

/* Whether a keyword kw appears at parenthesis depth 0 before the call's end. */
static bool kw_at_depth0(parse_state *p, lex_kw kw)
{
    int depth = 0;
    for (int k = 0;; k++) {
        const lex_token *t = parse_peek(p, k);
        if (t->kind == LEX_EOF) return false;
        if (t->kind == LEX_LPAREN) depth++;
        else if (t->kind == LEX_RPAREN) { if (depth-- == 0) return false; }
        else if (depth == 0 && t->kind == LEX_IDENT && t->kw == kw) return true;
        else if (depth == 0 && t->kind == LEX_COMMA) return false;
    }
}

/* Whether the tokens after "trim(" use the SQL form (BOTH/LEADING/TRAILING,
** or a FROM before the closing parenthesis at depth 0). */
static bool trim_sql_form(parse_state *p)
{
    return word_at(p, 0, "both") || word_at(p, 0, "leading") || word_at(p, 0, "trailing") ||
           kw_at_depth0(p, KW_FROM);
}

/* SUBSTRING(str FROM pos [FOR len]) and POSITION(sub IN str): the SQL forms
** of substring(str, pos[, len]) and position(sub, str). sep is the keyword
** between the first two arguments (KW_FROM or KW_IN). */
static st_status parse_keyword_args(parse_state *p, sql_expr *e, lex_kw sep)
{
    sql_expr *a = NULL, *b = NULL, *c = NULL;
    st_status rc;
    if ((rc = parse_binary(p, 1, &a)) != ST_OK || (rc = parse_expect_kw(p, sep)) != ST_OK ||
        (rc = parse_expr(p, &b)) != ST_OK)
        return rc;
    if (sep == KW_FROM && word_at(p, 0, "for")) {
        p->i++;
        if ((rc = parse_expr(p, &c)) != ST_OK)
            return rc;
    }
    if ((rc = parse_expect(p, LEX_RPAREN)) != ST_OK)
        return rc;
    int cap = 0;
    e->list = NULL;
    e->n_list = 0;
    if ((rc = parse_push(p, (void ***)&e->list, &e->n_list, &cap, a)) != ST_OK ||
        (rc = parse_push(p, (void ***)&e->list, &e->n_list, &cap, b)) != ST_OK)
        return rc;
    if (c && (rc = parse_push(p, (void ***)&e->list, &e->n_list, &cap, c)) != ST_OK)
        return rc;
    return ST_OK;
}

static st_status parse_call(parse_state *p, sql_expr *e)
{
    e->kind = SQL_E_CALL;
    p->i++;                                      /* ( */
    st_status rc;
    if (e->name.n_parts == 1 &&
        (strcasecmp(e->name.parts[0], "substring") == 0 || strcasecmp(e->name.parts[0], "substr") == 0) &&
        kw_at_depth0(p, KW_FROM)) {
        if ((rc = parse_keyword_args(p, e, KW_FROM)) != ST_OK)
            return rc;
        return parse_call_tail(p, e);
    }
    if (e->name.n_parts == 1 && strcasecmp(e->name.parts[0], "position") == 0 &&
        kw_at_depth0(p, KW_IN)) {
        if ((rc = parse_keyword_args(p, e, KW_IN)) != ST_OK)
            return rc;
        return parse_call_tail(p, e);
    }
    if (e->name.n_parts == 1 && strcasecmp(e->name.parts[0], "trim") == 0 && trim_sql_form(p)) {
        if ((rc = parse_trim_sql(p, e)) != ST_OK)
            return rc;
        return parse_call_tail(p, e);
    }
    if (parse_peek(p, 0)->kind == LEX_STAR && parse_peek(p, 1)->kind == LEX_RPAREN) {
        e->star = true;
        p->i += 2;
    } else {
        if (parse_accept_kw(p, KW_DISTINCT))
            e->distinct = true;
        else
            parse_accept_kw(p, KW_ALL);
        if ((rc = parse_call_args(p, &e->list, &e->n_list)) != ST_OK)
            return rc;
    }
    if ((parse_is_kw(p, 0, KW_IGNORE) || parse_is_kw(p, 0, KW_RESPECT)) &&
        parse_is_kw(p, 1, KW_NULLS) && parse_is_kw(p, 2, KW_OVER)) {
        e->nulls = parse_is_kw(p, 0, KW_IGNORE) ? SQL_NULLS_IGNORE : SQL_NULLS_RESPECT;
        p->i += 2;
    }
    return parse_call_tail(p, e);
}

/* A name, t.*, or a call f(...) / db.f(...). */
static st_status parse_name_expr(parse_state *p, sql_expr **out)
{
    sql_expr *e = new_expr(p, SQL_E_NAME, parse_peek(p, 0)->pos);
    int cap = 0;
    if (!e)
        return parse_nomem(p);
    e->name.pos = e->pos;
    for (;;) {
        st_status rc = parse_push(p, (void ***)&e->name.parts, &e->name.n_parts, &cap,
                                  (void *)parse_peek(p, 0)->text);
        if (rc != ST_OK)
            return rc;
        p->i++;
        if (parse_peek(p, 0)->kind != LEX_DOT)
            break;
        lex_token *n = parse_peek(p, 1);
        if (n->kind == LEX_STAR) {
            e->kind = SQL_E_STAR;
            p->i += 2;
            *out = e;
            return ST_OK;
        }
        bool digits = n->kind == LEX_NUMBER &&
                      strspn(n->text, "0123456789") >= (size_t)n->len;
        if (n->kind != LEX_IDENT && n->kind != LEX_QIDENT && !digits)
            break;
        p->i++;
        if (digits) {                            /* s.1: a field named "1" */
            char *d = st_arena_strndup(p->a, n->text, (size_t)n->len);
            if (!d)
                return parse_nomem(p);
            n->text = d;
            n->text_len = n->len;
        }
    }
    *out = e;
    if (parse_peek(p, 0)->kind == LEX_LPAREN)
        return parse_call(p, e);
    return ST_OK;
}

static st_status parse_paren(parse_state *p, sql_expr **out)
{
    int32_t pos = parse_peek(p, 0)->pos;
    st_status rc;
    p->i++;
    if (parse_query_starts(p, 0)) {
        sql_expr *e = new_expr(p, SQL_E_SUBQUERY, pos);
        if (!e)
            return parse_nomem(p);
        if ((rc = parse_query(p, &e->query)) != ST_OK)
            return rc;
        *out = e;
        return parse_expect(p, LEX_RPAREN);
    }
    sql_expr *first = NULL;
    if ((rc = parse_expr(p, &first)) != ST_OK)
        return rc;
    if (parse_accept(p, LEX_RPAREN)) {
        *out = first;
        return ST_OK;
    }
    sql_expr *row = new_expr(p, SQL_E_ROW, pos);
    int cap = 0;
    if (!row)
        return parse_nomem(p);
    if ((rc = parse_push(p, (void ***)&row->list, &row->n_list, &cap, first)) != ST_OK)
        return rc;
    while (parse_accept(p, LEX_COMMA)) {
        sql_expr *e = NULL;
        if ((rc = parse_expr(p, &e)) != ST_OK ||
            (rc = parse_push(p, (void ***)&row->list, &row->n_list, &cap, e)) != ST_OK)
            return rc;
    }
    *out = row;
    return parse_expect(p, LEX_RPAREN);
}

static st_status parse_literal_kw(parse_state *p, sql_lit_kind lit, int skip, sql_expr **out)
{
    lex_token *t = parse_peek(p, 0);
    sql_expr *e = new_expr(p, SQL_E_LITERAL, t->pos);
    if (!e)
        return parse_nomem(p);
    e->lit = lit;
    if (skip) {                                  /* typed literal: keyword 'text' */
        e->str = parse_peek(p, 1)->text;
        e->str_len = parse_peek(p, 1)->text_len;
    }
    p->i += 1 + skip;
    *out = e;
    return ST_OK;
}

static st_status parse_primary_kw(parse_state *p, lex_token *t, sql_expr **out, bool *done)
{
    lex_token *n = parse_peek(p, 1);
    *done = true;
    switch (t->kw) {
    case KW_NULL: return parse_literal_kw(p, SQL_LIT_NULL, 0, out);
    case KW_TRUE: return parse_literal_kw(p, SQL_LIT_TRUE, 0, out);
    case KW_FALSE: return parse_literal_kw(p, SQL_LIT_FALSE, 0, out);
    case KW_CASE: return parse_case(p, out);
    case KW_DATE: case KW_TIMESTAMP: case KW_TIMESTAMP_NTZ: case KW_TIMESTAMP_LTZ:
        if (n->kind != LEX_STRING)
            break;
        return parse_literal_kw(p, t->kw == KW_DATE ? SQL_LIT_DATE
                                 : t->kw == KW_TIMESTAMP ? SQL_LIT_TIMESTAMP
                                 : t->kw == KW_TIMESTAMP_NTZ ? SQL_LIT_TIMESTAMP_NTZ
                                 : SQL_LIT_TIMESTAMP_LTZ, 1, out);
    case KW_INTERVAL:
        if (n->kind != LEX_STRING && n->kind != LEX_NUMBER && n->kind != LEX_MINUS)
            break;
        return parse_interval(p, out);
    case KW_CAST: case KW_TRY_CAST:
        if (n->kind != LEX_LPAREN)
            break;
        return parse_cast(p, out);
    case KW_EXTRACT:
        if (n->kind != LEX_LPAREN)
            break;
        return parse_extract(p, out);
    case KW_EXISTS:
        if (n->kind != LEX_LPAREN || !parse_query_starts(p, 2))
            break;
        {
            sql_expr *e = new_expr(p, SQL_E_EXISTS, t->pos);
            st_status rc;
            if (!e)
                return parse_nomem(p);
            p->i += 2;
            if ((rc = parse_query(p, &e->query)) != ST_OK)
                return rc;
            *out = e;
            return parse_expect(p, LEX_RPAREN);
        }
    default:
        break;
    }
    *done = false;
    return ST_OK;
}

static st_status parse_primary(parse_state *p, sql_expr **out)
{
    lex_token *t = parse_peek(p, 0);
    sql_expr *e = NULL;
    switch (t->kind) {
    case LEX_NUMBER:
        return parse_number(p, out);
    case LEX_STRING:
        if (!(e = new_expr(p, SQL_E_LITERAL, t->pos)))
            return parse_nomem(p);
        e->lit = SQL_LIT_STRING;
        e->str = t->text;
        e->str_len = t->text_len;
        p->i++;
        *out = e;
        return ST_OK;
    case LEX_LPAREN:
        return parse_paren(p, out);
    case LEX_STAR:
        if (!(e = new_expr(p, SQL_E_STAR, t->pos)))
            return parse_nomem(p);
        p->i++;
        *out = e;
        return ST_OK;
    case LEX_QUESTION:
    case LEX_COLON:
        if (t->kind == LEX_COLON && !parse_is_name_tok(parse_peek(p, 1)))
            break;
        if (!(e = new_expr(p, SQL_E_PARAM, t->pos)))
            return parse_nomem(p);
        if (t->kind == LEX_COLON) {
            e->str = parse_peek(p, 1)->text;
            e->str_len = parse_peek(p, 1)->text_len;
            p->i++;
        }
        p->i++;
        *out = e;
        return ST_OK;
    case LEX_IDENT: {
        bool done;
        st_status rc = parse_primary_kw(p, t, out, &done);
        if (done || rc != ST_OK)
            return rc;
        /* left(s, n), right(s, n), like(s, p), rlike(s, p), ... are functions
        ** despite being keywords */
        if (t->reserved && !((t->kw == KW_LEFT || t->kw == KW_RIGHT || t->kw == KW_LIKE ||
                              t->kw == KW_ILIKE || t->kw == KW_RLIKE || t->kw == KW_REGEXP) &&
                             parse_peek(p, 1)->kind == LEX_LPAREN))
            break;
        return parse_name_expr(p, out);
    }
    case LEX_QIDENT:
        return parse_name_expr(p, out);
    default:
        break;
    }
    return parse_syntax_error(p);
}

/* ---- ORDER BY items and window specifications -------------------------- */

st_status parse_order_list(parse_state *p, sql_order_item **out, int *n)
{
    int cap = 0;
    sql_order_item *items = NULL;
    *n = 0;
    do {
        if (*n == cap) {
            int ncap = cap ? cap * 2 : 4;
            sql_order_item *ni = st_arena_realloc(p->a, items, (size_t)cap * sizeof *ni,
                                                  (size_t)ncap * sizeof *ni);
            if (!ni)
                return parse_nomem(p);
            items = ni;
            cap = ncap;
        }
        sql_order_item *it = &items[*n];
        memset(it, 0, sizeof *it);
        it->pos = parse_peek(p, 0)->pos;
        st_status rc = parse_expr(p, &it->expr);
        if (rc != ST_OK)
            return rc;
        if (parse_accept_kw(p, KW_DESC))
            it->desc = true;
        else
            parse_accept_kw(p, KW_ASC);
        if (parse_accept_kw(p, KW_NULLS)) {
            if (parse_accept_kw(p, KW_FIRST))
                it->nulls = SQL_NULLS_FIRST;
            else if (parse_accept_kw(p, KW_LAST))
                it->nulls = SQL_NULLS_LAST;
            else
                return parse_syntax_error(p);
        }
        (*n)++;
    } while (parse_accept(p, LEX_COMMA));
    *out = items;
    return ST_OK;
}

static st_status parse_bound(parse_state *p, sql_bound *b)
{
    if (parse_accept_kw(p, KW_UNBOUNDED)) {
        if (parse_accept_kw(p, KW_PRECEDING))
            b->kind = SQL_BOUND_UNBOUNDED_PRECEDING;
        else if (parse_accept_kw(p, KW_FOLLOWING))
            b->kind = SQL_BOUND_UNBOUNDED_FOLLOWING;
        else
            return parse_syntax_error(p);
        return ST_OK;
    }
    if (parse_is_kw(p, 0, KW_CURRENT) && parse_is_kw(p, 1, KW_ROW)) {
        p->i += 2;
        b->kind = SQL_BOUND_CURRENT_ROW;
        return ST_OK;
    }
    st_status rc = parse_binary(p, 6, &b->offset);
    if (rc != ST_OK)
        return rc;
    if (parse_accept_kw(p, KW_PRECEDING))
        b->kind = SQL_BOUND_PRECEDING;
    else if (parse_accept_kw(p, KW_FOLLOWING))
        b->kind = SQL_BOUND_FOLLOWING;
    else
        return parse_syntax_error(p);
    return ST_OK;
}

static st_status parse_frame(parse_state *p, sql_window *w)
{
    w->frame = parse_accept_kw(p, KW_ROWS) ? SQL_FRAME_ROWS : SQL_FRAME_RANGE;
    if (w->frame == SQL_FRAME_RANGE)
        p->i++;
    st_status rc;
    if (parse_accept_kw(p, KW_BETWEEN)) {
        w->has_end = true;
        if ((rc = parse_bound(p, &w->start)) != ST_OK || (rc = parse_expect_kw(p, KW_AND)) != ST_OK)
            return rc;
        return parse_bound(p, &w->end);
    }
    w->end.kind = SQL_BOUND_CURRENT_ROW;
    return parse_bound(p, &w->start);
}

/* ( [base] [PARTITION BY ...] [ORDER BY ...] [frame] ) */
st_status parse_window_spec(parse_state *p, sql_window **out)
{
    sql_window *w = parse_alloc(p, sizeof *w);
    st_status rc;
    if (!w)
        return parse_nomem(p);
    w->pos = parse_peek(p, 0)->pos;
    if ((rc = parse_expect(p, LEX_LPAREN)) != ST_OK)
        return rc;
    lex_token *t = parse_peek(p, 0);
    if (parse_is_name_tok(t) && t->kw != KW_PARTITION && t->kw != KW_ORDER &&
        t->kw != KW_ROWS && t->kw != KW_RANGE)
        w->base = t->text, p->i++;
    if (parse_is_kw(p, 0, KW_PARTITION)) {
        p->i++;
        if ((rc = parse_expect_kw(p, KW_BY)) != ST_OK ||
            (rc = parse_expr_list(p, &w->partition, &w->n_partition)) != ST_OK)
            return rc;
    }
    if (parse_is_kw(p, 0, KW_ORDER)) {
        p->i++;
        if ((rc = parse_expect_kw(p, KW_BY)) != ST_OK ||
            (rc = parse_order_list(p, &w->order, &w->n_order)) != ST_OK)
            return rc;
    }
    if (parse_is_kw(p, 0, KW_ROWS) || parse_is_kw(p, 0, KW_RANGE))
        if ((rc = parse_frame(p, w)) != ST_OK)
            return rc;
    *out = w;
    return parse_expect(p, LEX_RPAREN);
}

/* ---- data types ---------------------------------------------------------- */

static const struct { const char *word; vec_type_id id; } TYPE_NAMES[] = {
    {"boolean", VEC_BOOL}, {"tinyint", VEC_INT8}, {"byte", VEC_INT8},
    {"smallint", VEC_INT16}, {"short", VEC_INT16}, {"int", VEC_INT32},
    {"integer", VEC_INT32}, {"bigint", VEC_INT64}, {"long", VEC_INT64},
    {"float", VEC_FLOAT}, {"real", VEC_FLOAT}, {"double", VEC_DOUBLE},
    {"decimal", VEC_DECIMAL}, {"dec", VEC_DECIMAL}, {"numeric", VEC_DECIMAL},
    {"string", VEC_STRING}, {"varchar", VEC_STRING}, {"char", VEC_STRING},
    {"character", VEC_STRING}, {"binary", VEC_BINARY}, {"date", VEC_DATE},
    {"timestamp", VEC_TIMESTAMP}, {"timestamp_ltz", VEC_TIMESTAMP},
    {"timestamp_ntz", VEC_TIMESTAMP_NTZ}, {"array", VEC_LIST}, {"map", VEC_MAP},
    {"struct", VEC_STRUCT}, {"void", VEC_NULL},
};

static st_status parse_small_int(parse_state *p, int lo, int hi, int *out)
{
    lex_token *t = parse_peek(p, 0);
    int v = 0;
    if (t->kind != LEX_NUMBER || t->len > 9)
        return parse_syntax_error(p);
    for (int32_t k = 0; k < t->len; k++) {
        if (t->text[k] < '0' || t->text[k] > '9')
            return parse_syntax_error(p);
        v = v * 10 + (t->text[k] - '0');
    }
    if (v < lo || v > hi)
        return parse_error_at(p, t->pos, ST_ERR_SYNTAX, "type parameter out of range");
    p->i++;
    *out = v;
    return ST_OK;
}

/* decimal(p[,s]), varchar(n), char(n) parameters. */
static st_status parse_type_params(parse_state *p, sql_type *t)
{
    st_status rc;
    int v;
    if (t->vt.id == VEC_DECIMAL) {
        t->vt.precision = 10;
        t->vt.scale = 0;
        if (!parse_accept(p, LEX_LPAREN))
            return ST_OK;
        if ((rc = parse_small_int(p, 1, 38, &v)) != ST_OK)
            return rc;
        t->vt.precision = (uint8_t)v;
        if (parse_accept(p, LEX_COMMA)) {
            if ((rc = parse_small_int(p, 0, t->vt.precision, &v)) != ST_OK)
                return rc;
            t->vt.scale = (uint8_t)v;
        }
        return parse_expect(p, LEX_RPAREN);
    }
    if (t->char_len >= 0) {
        if ((rc = parse_expect(p, LEX_LPAREN)) != ST_OK ||
            (rc = parse_small_int(p, 1, INT32_MAX / 2, &v)) != ST_OK)
            return rc;
        t->char_len = v;
        return parse_expect(p, LEX_RPAREN);
    }
    return ST_OK;
}

static st_status parse_vtype(parse_state *p, vec_type *out);

/* Allocates n children and parses the element types of array<> / map<>. */
static st_status parse_nested(parse_state *p, vec_type *vt)
{
    st_status rc;
    if ((rc = parse_expect(p, LEX_LT)) != ST_OK)
        return rc;
    if (vt->id == VEC_STRUCT) {
        int cap = 0;
        vec_field *f = NULL;
        if (parse_peek(p, 0)->kind != LEX_GT) {
            do {
                if (vt->n_children == cap) {
                    int ncap = cap ? cap * 2 : 4;
                    vec_field *nf = st_arena_realloc(p->a, f, (size_t)cap * sizeof *nf,
                                                     (size_t)ncap * sizeof *nf);
                    if (!nf)
                        return parse_nomem(p);
                    f = nf;
                    cap = ncap;
                }
                vec_field *fld = &f[vt->n_children];
                memset(fld, 0, sizeof *fld);
                fld->nullable = true;
                lex_token *nt = parse_peek(p, 0);
                if (nt->kind != LEX_IDENT && nt->kind != LEX_QIDENT)
                    return parse_syntax_error(p);
                fld->name = nt->text;
                p->i++;
                parse_accept(p, LEX_COLON);
                if ((rc = parse_vtype(p, &fld->type)) != ST_OK)
                    return rc;
                vt->n_children++;
            } while (parse_accept(p, LEX_COMMA));
        }
        vt->children = f;
    } else {
        vec_field *f = parse_alloc(p, sizeof *f);
        if (!f)
            return parse_nomem(p);
        f->nullable = true;
        vt->children = f;
        vt->n_children = 1;
        if (vt->id == VEC_LIST) {
            f->name = "element";
            if ((rc = parse_vtype(p, &f->type)) != ST_OK)
                return rc;
        } else {
            vec_field *kv = parse_alloc(p, 2 * sizeof *kv);
            if (!kv)
                return parse_nomem(p);
            f->name = "entries";
            f->nullable = false;
            f->type.id = VEC_STRUCT;
            f->type.n_children = 2;
            f->type.children = kv;
            kv[0].name = "key";
            kv[1].name = "value";
            kv[1].nullable = true;
            if ((rc = parse_vtype(p, &kv[0].type)) != ST_OK ||
                (rc = parse_expect(p, LEX_COMMA)) != ST_OK ||
                (rc = parse_vtype(p, &kv[1].type)) != ST_OK)
                return rc;
        }
    }
    /* '>>' closes two nested types: split the token in place */
    lex_token *t = parse_peek(p, 0);
    if (t->kind == LEX_SHR || t->kind == LEX_SHRU) {
        t->kind = t->kind == LEX_SHR ? LEX_GT : LEX_SHR;
        t->pos++;
        t->len--;
        return ST_OK;
    }
    return parse_expect(p, LEX_GT);
}

static st_status parse_type_full(parse_state *p, sql_type *t)
{
    lex_token *nt = parse_peek(p, 0);
    st_status rc;
    t->pos = nt->pos;
    t->char_len = -1;
    if (nt->kind != LEX_IDENT)
        return parse_syntax_error(p);
    for (size_t k = 0; k < ST_ARRAY_LEN(TYPE_NAMES); k++) {
        if (strlen(TYPE_NAMES[k].word) != (size_t)nt->text_len ||
            strncasecmp(TYPE_NAMES[k].word, nt->text, (size_t)nt->text_len) != 0)
            continue;
        t->vt.id = TYPE_NAMES[k].id;
        if (TYPE_NAMES[k].word[0] == 'v' && TYPE_NAMES[k].id == VEC_STRING)
            t->char_len = 0;
        if (TYPE_NAMES[k].word[0] == 'c' && TYPE_NAMES[k].id == VEC_STRING) {
            t->char_len = 0;
            t->is_char = true;
        }
        p->i++;
        if ((rc = parse_enter(p)) != ST_OK)
            return rc;
        if (vec_type_is_nested(t->vt.id))
            rc = parse_nested(p, &t->vt);
        else
            rc = parse_type_params(p, t);
        LEAVE(p);
        return rc;
    }
    return parse_error_at(p, nt->pos, ST_ERR_SYNTAX,
                          st_arena_printf(p->a, "unknown data type \"%.*s\"",
                                          (int)ST_MIN(nt->len, 64), nt->text));
}

static st_status parse_vtype(parse_state *p, vec_type *out)
{
    sql_type t;
    memset(&t, 0, sizeof t);
    st_status rc = parse_type_full(p, &t);
    *out = t.vt;
    return rc;
}

st_status parse_type(parse_state *p, sql_type **out)
{
    sql_type *t = parse_alloc(p, sizeof *t);
    if (!t)
        return parse_nomem(p);
    *out = t;
    return parse_type_full(p, t);
}
