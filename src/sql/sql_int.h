/* sql_int.h -- internals shared by the lexer (lex.c) and the parser
** (parse.c, parse_expr.c, parse_stmt.c): tokens, keyword ids and the parser
** state. The lakehouse statements (parse_stmt.c) match their words with
** parse_is_word instead of keyword ids, so they add no reserved words.
** Not part of the module contract; only src/sql includes it.
** Invariant: the token array always ends with one LEX_EOF token whose pos is
** the text length, so the parser may peek past any token without checks. */
#ifndef STRATA_SQL_SQL_INT_H
#define STRATA_SQL_SQL_INT_H

#include "sql.h"

typedef enum lex_kind {
    LEX_EOF, LEX_IDENT, LEX_QIDENT, LEX_STRING, LEX_NUMBER,
    LEX_LPAREN, LEX_RPAREN, LEX_LBRACKET, LEX_RBRACKET, LEX_COMMA, LEX_DOT, LEX_SEMI,
    LEX_STAR, LEX_SLASH, LEX_PERCENT, LEX_PLUS, LEX_MINUS, LEX_TILDE, LEX_AMP,
    LEX_PIPE, LEX_CONCAT, LEX_CARET, LEX_EQ, LEX_EQEQ, LEX_ARROW2 /* => */,
    LEX_NE, LEX_LT, LEX_LE, LEX_GT, LEX_GE, LEX_NULLSAFE, LEX_SHL, LEX_SHR, LEX_SHRU,
    LEX_DCOLON, LEX_COLON, LEX_QUESTION, LEX_ARROW /* -> */, LEX_AT, LEX_BANG,
    LEX_OTHER        /* a byte no token starts with; the parser reports it */
} lex_kind;

/* Keywords the parser looks at; KW_NONE for ordinary identifiers. */
typedef enum lex_kw {
    KW_NONE = 0,
    KW_ALL, KW_ANALYZE, KW_AND, KW_ANTI, KW_ANY, KW_AS, KW_ASC, KW_BETWEEN, KW_BY,
    KW_CASE, KW_CAST, KW_CROSS, KW_CUBE, KW_CURRENT, KW_DATE, KW_DESC, KW_DISTINCT,
    KW_DIV, KW_ELSE, KW_END, KW_ESCAPE, KW_EXCEPT, KW_EXISTS, KW_EXPLAIN,
    KW_EXTRACT, KW_FALSE, KW_FILTER, KW_FIRST, KW_FOLLOWING, KW_FROM, KW_FULL,
    KW_GROUP, KW_GROUPING, KW_HAVING, KW_IGNORE, KW_ILIKE, KW_IN, KW_INNER,
    KW_INTERSECT, KW_INTERVAL, KW_IS, KW_JOIN, KW_LAST, KW_LATERAL, KW_LEFT,
    KW_LIKE, KW_LIMIT, KW_MINUS, KW_NATURAL, KW_NOT, KW_NULL, KW_NULLS, KW_OF,
    KW_OFFSET, KW_ON, KW_OR, KW_ORDER, KW_OUTER, KW_OVER, KW_PARTITION,
    KW_PRECEDING, KW_QUALIFY, KW_RANGE, KW_REGEXP, KW_RESET, KW_RESPECT,
    KW_RIGHT, KW_RLIKE, KW_ROLLUP, KW_ROW, KW_ROWS, KW_SELECT, KW_SEMI, KW_SET,
    KW_SETS, KW_SHOW, KW_THEN, KW_TIMESTAMP, KW_TIMESTAMP_LTZ, KW_TIMESTAMP_NTZ,
    KW_TO, KW_TRUE, KW_TRY_CAST, KW_UNBOUNDED, KW_UNION, KW_UNKNOWN, KW_USE,
    KW_USING, KW_VALUES, KW_VERSION, KW_WHEN, KW_WHERE, KW_WINDOW, KW_WITH
} lex_kw;

typedef struct lex_token {
    lex_kind    kind;
    lex_kw      kw;         /* IDENT only */
    bool        reserved;   /* IDENT keyword that cannot be a bare name/alias */
    int32_t     pos;        /* byte offset of the first byte */
    int32_t     len;        /* bytes of source text (merged strings: all parts) */
    const char *text;       /* arena: IDENT/QIDENT name, STRING decoded, NUMBER text */
    int32_t     text_len;   /* bytes of text */
} lex_token;

typedef struct lex_result {
    lex_token *toks;        /* heap (st_malloc); caller frees */
    int32_t    n_toks;      /* including the final LEX_EOF */
} lex_result;

/* Tokenizes all of text. Decoded strings go to arena a. On a lexical error
** (unterminated string/comment/identifier, bad escape) returns ST_ERR_SYNTAX
** with *err_pos set and a message without position (the caller adds it). */
st_status lex_all(const char *text, st_arena *a, lex_result *out, int32_t *err_pos,
                  st_error *err);

typedef struct parse_state {
    const char   *text;     /* borrowed: the SQL text */
    st_arena     *a;        /* borrowed: output arena */
    lex_token    *toks;     /* borrowed: lex_result */
    int32_t       n_toks;
    int32_t       i;        /* index of the current token */
    int           depth;    /* current recursion depth, <= SQL_MAX_DEPTH */
    st_error     *err;
    int32_t       err_pos;  /* byte offset of the first error, -1 none */
} parse_state;

/* Parser helpers shared by parse.c, parse_expr.c and parse_stmt.c. */
lex_token *parse_peek(parse_state *p, int ahead);
bool       parse_is_kw(parse_state *p, int ahead, lex_kw kw);
bool       parse_accept_kw(parse_state *p, lex_kw kw);
bool       parse_accept(parse_state *p, lex_kind k);
st_status  parse_expect(parse_state *p, lex_kind k);
st_status  parse_expect_kw(parse_state *p, lex_kw kw);
st_status  parse_syntax_error(parse_state *p);
st_status  parse_error_at(parse_state *p, int32_t pos, st_status code, const char *msg);
st_status  parse_nomem(parse_state *p);
st_status  parse_enter(parse_state *p);
void      *parse_alloc(parse_state *p, size_t n);
st_status  parse_ident(parse_state *p, const char **out);
bool       parse_is_name_tok(const lex_token *t);
st_status  parse_push(parse_state *p, void ***arr, int *n, int *cap, void *item);
bool       parse_is_word(parse_state *p, int ahead, const char *w);
bool       parse_accept_word(parse_state *p, const char *w);
st_status  parse_name_list(parse_state *p, const char ***out, int *n);
const char *parse_src_text(parse_state *p, int32_t from, int32_t to, bool *nomem);

st_status  parse_expr(parse_state *p, sql_expr **out);
st_status  parse_expr_list(parse_state *p, sql_expr ***out, int *n);
st_status  parse_type(parse_state *p, sql_type **out);
st_status  parse_order_list(parse_state *p, sql_order_item **out, int *n);
st_status  parse_window_spec(parse_state *p, sql_window **out);
st_status  parse_query(parse_state *p, sql_query **out);
bool       parse_query_starts(parse_state *p, int ahead);
st_status  parse_table_name(parse_state *p, sql_tableref **out);
st_status  parse_table_primary(parse_state *p, sql_tableref **out);

/* parse_stmt.c: the lakehouse statements. parse_lake_stmt parses the
** statement at the cursor into s when its first word is one of them
** (*handled true), else leaves the cursor alone. parse_show_body fills
** s->show from the tokens after SHOW up to token index end (always set;
** SQL_SHOW_OTHER for forms it does not know, skipping to end). */
st_status  parse_lake_stmt(parse_state *p, sql_stmt *s, bool *handled);
st_status  parse_show_body(parse_state *p, sql_stmt *s, int32_t end);

#endif /* STRATA_SQL_SQL_INT_H */
