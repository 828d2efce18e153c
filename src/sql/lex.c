/* lex.c -- the hand-written lexer of strata's Spark SQL dialect: turns the
** whole text into an array of tokens ending in LEX_EOF.
**
** Rules (as Spark's SqlBaseLexer.g4): keywords are case-insensitive
** identifiers; `quoted` identifiers double a backtick to escape it; '...' and
** "..." are both strings, with Spark's backslash escapes (\n \t \b \r \0 \Z
** \\ \' \" \uXXXX \UXXXXXXXX; \% and \_ keep their backslash for LIKE; any
** other \x is x) and adjacent string literals are concatenated into one
** token. Numbers: digits, decimals, exponents, suffixes L S Y D F BD; a run
** of letters and digits longer than the number is an identifier (Spark's
** longest match). Comments: -- to end of line, and slash-star ... star-slash.
** Bytes no token starts with become LEX_OTHER so the parser can report them
** with a position; only unterminated or malformed literals fail here.
** The words of the lakehouse statements (CREATE, MERGE, LOCATION, ...) are
** deliberately not in the keyword table: parse_stmt.c matches them by
** spelling, so they never become reserved and stay usable as names. */
#include <ctype.h>

#include "sql_int.h"

typedef struct kw_entry {
    const char *word;
    lex_kw      kw;
    bool        reserved;     /* cannot be a bare column name or implicit alias */
} kw_entry;

static const kw_entry KEYWORDS[] = {
    {"all", KW_ALL, true}, {"analyze", KW_ANALYZE, false}, {"and", KW_AND, true},
    {"anti", KW_ANTI, true}, {"any", KW_ANY, false}, {"as", KW_AS, true},
    {"asc", KW_ASC, false}, {"between", KW_BETWEEN, true}, {"by", KW_BY, true},
    {"case", KW_CASE, true}, {"cast", KW_CAST, false}, {"cross", KW_CROSS, true},
    {"cube", KW_CUBE, false}, {"current", KW_CURRENT, false}, {"date", KW_DATE, false},
    {"desc", KW_DESC, false}, {"distinct", KW_DISTINCT, true}, {"div", KW_DIV, true},
    {"else", KW_ELSE, true}, {"end", KW_END, true}, {"escape", KW_ESCAPE, false},
    {"except", KW_EXCEPT, true}, {"exists", KW_EXISTS, false},
    {"explain", KW_EXPLAIN, false}, {"extract", KW_EXTRACT, false},
    {"false", KW_FALSE, false}, {"filter", KW_FILTER, false}, {"first", KW_FIRST, false},
    {"following", KW_FOLLOWING, false}, {"from", KW_FROM, true}, {"full", KW_FULL, true},
    {"group", KW_GROUP, true}, {"grouping", KW_GROUPING, false},
    {"having", KW_HAVING, true}, {"ignore", KW_IGNORE, false}, {"ilike", KW_ILIKE, true},
    {"in", KW_IN, true}, {"inner", KW_INNER, true}, {"intersect", KW_INTERSECT, true},
    {"interval", KW_INTERVAL, false}, {"is", KW_IS, true}, {"join", KW_JOIN, true},
    {"last", KW_LAST, false}, {"lateral", KW_LATERAL, true}, {"left", KW_LEFT, true},
    {"like", KW_LIKE, true}, {"limit", KW_LIMIT, true}, {"minus", KW_MINUS, true},
    {"natural", KW_NATURAL, true}, {"not", KW_NOT, true}, {"null", KW_NULL, false},
    {"nulls", KW_NULLS, false}, {"of", KW_OF, false}, {"offset", KW_OFFSET, true},
    {"on", KW_ON, true}, {"or", KW_OR, true}, {"order", KW_ORDER, true},
    {"outer", KW_OUTER, true}, {"over", KW_OVER, false}, {"partition", KW_PARTITION, false},
    {"preceding", KW_PRECEDING, false}, {"qualify", KW_QUALIFY, true},
    {"range", KW_RANGE, false}, {"regexp", KW_REGEXP, true}, {"reset", KW_RESET, false},
    {"respect", KW_RESPECT, false}, {"right", KW_RIGHT, true}, {"rlike", KW_RLIKE, true},
    {"rollup", KW_ROLLUP, false}, {"row", KW_ROW, false}, {"rows", KW_ROWS, false},
    {"select", KW_SELECT, true}, {"semi", KW_SEMI, true}, {"set", KW_SET, false},
    {"sets", KW_SETS, false}, {"show", KW_SHOW, false}, {"then", KW_THEN, true},
    {"timestamp", KW_TIMESTAMP, false}, {"timestamp_ltz", KW_TIMESTAMP_LTZ, false},
    {"timestamp_ntz", KW_TIMESTAMP_NTZ, false}, {"to", KW_TO, false},
    {"true", KW_TRUE, false}, {"try_cast", KW_TRY_CAST, false},
    {"unbounded", KW_UNBOUNDED, false}, {"union", KW_UNION, true},
    {"unknown", KW_UNKNOWN, false}, {"use", KW_USE, false}, {"using", KW_USING, true},
    {"values", KW_VALUES, false}, {"version", KW_VERSION, false}, {"when", KW_WHEN, true},
    {"where", KW_WHERE, true}, {"window", KW_WINDOW, true}, {"with", KW_WITH, true},
};

typedef struct lexer {
    const char *s;          /* borrowed: the text */
    int32_t     n;          /* bytes of text */
    int32_t     i;          /* current offset */
    st_arena   *a;          /* borrowed: output arena for decoded text */
    lex_token  *toks;       /* heap */
    int32_t     n_toks, cap;
    st_buf      sb;         /* scratch for decoding strings */
    int32_t     err_pos;
    st_error   *err;
} lexer;

static bool is_ident_byte(unsigned char c)
{
    return isalnum(c) || c == '_' || c >= 0x80;
}

static void lookup_kw(lex_token *t)
{
    if (t->text_len > 13)
        return;
    for (size_t k = 0; k < ST_ARRAY_LEN(KEYWORDS); k++) {
        if (strlen(KEYWORDS[k].word) == (size_t)t->text_len &&
            strncasecmp(KEYWORDS[k].word, t->text, (size_t)t->text_len) == 0) {
            t->kw = KEYWORDS[k].kw;
            t->reserved = KEYWORDS[k].reserved;
            return;
        }
    }
}

static st_status fail(lexer *L, int32_t pos, const char *msg)
{
    L->err_pos = pos;
    return st_error_set(L->err, ST_ERR_SYNTAX, "%s", msg);
}

static st_status push_tok(lexer *L, lex_kind k, int32_t pos, int32_t len)
{
    if (L->n_toks == L->cap) {
        int32_t ncap = L->cap ? L->cap * 2 : 64;
        lex_token *nt = st_realloc(L->toks, (size_t)ncap * sizeof *nt);
        if (!nt)
            return st_error_set(L->err, ST_ERR_NOMEM, "out of memory lexing sql text");
        L->toks = nt;
        L->cap = ncap;
    }
    lex_token *t = &L->toks[L->n_toks++];
    memset(t, 0, sizeof *t);
    t->kind = k;
    t->pos = pos;
    t->len = len;
    t->text = L->s + pos;
    t->text_len = len;
    return ST_OK;
}

/* Skips blanks and comments; fails on an unterminated block comment. */
static st_status skip_space(lexer *L)
{
    for (;;) {
        while (L->i < L->n && isspace((unsigned char)L->s[L->i]))
            L->i++;
        if (L->i + 1 < L->n && L->s[L->i] == '-' && L->s[L->i + 1] == '-') {
            while (L->i < L->n && L->s[L->i] != '\n')
                L->i++;
        } else if (L->i + 1 < L->n && L->s[L->i] == '/' && L->s[L->i + 1] == '*') {
            int32_t start = L->i;
            L->i += 2;
            while (L->i + 1 < L->n && !(L->s[L->i] == '*' && L->s[L->i + 1] == '/'))
                L->i++;
            if (L->i + 1 >= L->n)
                return fail(L, start, "unterminated comment");
            L->i += 2;
        } else {
            return ST_OK;
        }
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static st_status put_utf8(lexer *L, uint32_t cp)
{
    uint8_t b[4];
    size_t n;
    if (cp < 0x80) { b[0] = (uint8_t)cp; n = 1; }
    else if (cp < 0x800) { b[0] = (uint8_t)(0xC0 | (cp >> 6)); b[1] = (uint8_t)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xE0 | (cp >> 12)); b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (uint8_t)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        b[0] = (uint8_t)(0xF0 | (cp >> 18)); b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (uint8_t)(0x80 | (cp & 0x3F)); n = 4;
    }
    return st_buf_append(&L->sb, b, n, L->err);
}

/* Decodes the escape at L->i (just past the backslash) into L->sb. */
static st_status lex_escape(lexer *L, int32_t bs_pos)
{
    char c = L->s[L->i];
    char out;
    switch (c) {
    case 'n': out = '\n'; break;
    case 't': out = '\t'; break;
    case 'r': out = '\r'; break;
    case 'b': out = '\b'; break;
    case '0': out = '\0'; break;
    case 'Z': out = '\032'; break;
    case '%': case '_':
        L->i++;
        return st_buf_append(&L->sb, L->s + L->i - 2, 2, L->err);
    case 'u': case 'U': {
        int nd = c == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int k = 1; k <= nd; k++) {
            int h = L->i + k < L->n ? hexval(L->s[L->i + k]) : -1;
            if (h < 0)
                return fail(L, bs_pos, "invalid unicode escape in string literal");
            cp = cp * 16 + (uint32_t)h;
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return fail(L, bs_pos, "invalid unicode code point in string literal");
        L->i += nd + 1;
        return put_utf8(L, cp);
    }
    default: out = c; break;
    }
    L->i++;
    return st_buf_append_byte(&L->sb, (uint8_t)out, L->err);
}

/* One quoted string body starting at the quote; appends decoded bytes to sb. */
static st_status lex_one_string(lexer *L)
{
    char q = L->s[L->i];
    int32_t start = L->i++;
    while (L->i < L->n && L->s[L->i] != q) {
        st_status rc;
        if (L->s[L->i] == '\\' && L->i + 1 < L->n) {
            int32_t bs = L->i++;
            rc = lex_escape(L, bs);
        } else {
            rc = st_buf_append_byte(&L->sb, (uint8_t)L->s[L->i++], L->err);
        }
        if (rc != ST_OK)
            return rc;
    }
    if (L->i >= L->n)
        return fail(L, start, "unterminated quoted string");
    L->i++;
    return ST_OK;
}

/* A string token, merged with directly following string literals. */
static st_status lex_string(lexer *L)
{
    int32_t start = L->i, end;
    st_buf_clear(&L->sb);
    for (;;) {
        st_status rc = lex_one_string(L);
        if (rc != ST_OK)
            return rc;
        end = L->i;
        if ((rc = skip_space(L)) != ST_OK)
            return rc;
        if (L->i >= L->n || (L->s[L->i] != '\'' && L->s[L->i] != '"'))
            break;
    }
    st_status rc = push_tok(L, LEX_STRING, start, end - start);
    if (rc != ST_OK)
        return rc;
    char *txt = st_arena_strndup(L->a, L->sb.len ? (const char *)L->sb.data : "", L->sb.len);
    if (!txt)
        return st_error_set(L->err, ST_ERR_NOMEM, "out of memory lexing sql text");
    L->toks[L->n_toks - 1].text = txt;
    L->toks[L->n_toks - 1].text_len = (int32_t)L->sb.len;
    return ST_OK;
}

static st_status lex_qident(lexer *L)
{
    int32_t start = L->i++;
    st_buf_clear(&L->sb);
    for (;;) {
        if (L->i >= L->n)
            return fail(L, start, "unterminated quoted identifier");
        if (L->s[L->i] == '`') {
            if (L->i + 1 < L->n && L->s[L->i + 1] == '`') {
                L->i += 2;
                if (st_buf_append_byte(&L->sb, '`', L->err) != ST_OK)
                    return L->err->code;
                continue;
            }
            L->i++;
            break;
        }
        if (st_buf_append_byte(&L->sb, (uint8_t)L->s[L->i++], L->err) != ST_OK)
            return L->err->code;
    }
    st_status rc = push_tok(L, LEX_QIDENT, start, L->i - start);
    if (rc != ST_OK)
        return rc;
    char *txt = st_arena_strndup(L->a, L->sb.len ? (const char *)L->sb.data : "", L->sb.len);
    if (!txt)
        return st_error_set(L->err, ST_ERR_NOMEM, "out of memory lexing sql text");
    L->toks[L->n_toks - 1].text = txt;
    L->toks[L->n_toks - 1].text_len = (int32_t)L->sb.len;
    return ST_OK;
}

/* Length of the numeric literal at p (0 if none), with an optional suffix. */
static int32_t number_len(const char *s, int32_t i, int32_t n)
{
    int32_t j = i;
    bool digits = false;
    while (j < n && isdigit((unsigned char)s[j])) { j++; digits = true; }
    if (j < n && s[j] == '.') {
        int32_t k = j + 1;
        bool frac = false;
        while (k < n && isdigit((unsigned char)s[k])) { k++; frac = true; }
        if (digits || frac) { j = k; digits = true; }
    }
    if (!digits)
        return 0;
    if (j < n && (s[j] == 'e' || s[j] == 'E')) {
        int32_t k = j + 1;
        if (k < n && (s[k] == '+' || s[k] == '-'))
            k++;
        if (k < n && isdigit((unsigned char)s[k])) {
            while (k < n && isdigit((unsigned char)s[k]))
                k++;
            j = k;
        }
    }
    if (j + 1 < n && (s[j] == 'b' || s[j] == 'B') && (s[j + 1] == 'd' || s[j + 1] == 'D'))
        j += 2;
    else if (j < n && strchr("lLsSyYdDfF", s[j]) && s[j] != '\0')
        j++;
    return j - i;
}

static st_status lex_word_or_number(lexer *L)
{
    int32_t start = L->i;
    int32_t num = number_len(L->s, start, L->n);
    int32_t id = 0;
    while (start + id < L->n && is_ident_byte((unsigned char)L->s[start + id]))
        id++;
    if (num > 0 && num >= id) {
        L->i += num;
        return push_tok(L, LEX_NUMBER, start, num);
    }
    L->i += id;
    st_status rc = push_tok(L, LEX_IDENT, start, id);
    if (rc != ST_OK)
        return rc;
    lex_token *t = &L->toks[L->n_toks - 1];
    if (!(t->text = st_arena_strndup(L->a, L->s + start, (size_t)id)))
        return st_error_set(L->err, ST_ERR_NOMEM, "out of memory lexing sql text");
    lookup_kw(t);
    return ST_OK;
}

typedef struct op_entry {
    const char *spell;
    lex_kind    kind;
} op_entry;

/* Longest spellings first so the scan takes the longest match. */
static const op_entry OPS[] = {
    {"<=>", LEX_NULLSAFE}, {">>>", LEX_SHRU},
    {"||", LEX_CONCAT}, {"==", LEX_EQEQ}, {"=>", LEX_ARROW2}, {"<>", LEX_NE}, {"!=", LEX_NE},
    {"<=", LEX_LE}, {">=", LEX_GE}, {"<<", LEX_SHL}, {">>", LEX_SHR}, {"::", LEX_DCOLON},
    {"->", LEX_ARROW},
    {"(", LEX_LPAREN}, {")", LEX_RPAREN}, {"[", LEX_LBRACKET}, {"]", LEX_RBRACKET},
    {",", LEX_COMMA}, {".", LEX_DOT}, {";", LEX_SEMI}, {"*", LEX_STAR}, {"/", LEX_SLASH},
    {"%", LEX_PERCENT}, {"+", LEX_PLUS}, {"-", LEX_MINUS}, {"~", LEX_TILDE},
    {"&", LEX_AMP}, {"|", LEX_PIPE}, {"^", LEX_CARET}, {"=", LEX_EQ}, {"<", LEX_LT},
    {">", LEX_GT}, {":", LEX_COLON}, {"?", LEX_QUESTION}, {"@", LEX_AT}, {"!", LEX_BANG},
};

static st_status lex_op(lexer *L)
{
    for (size_t k = 0; k < ST_ARRAY_LEN(OPS); k++) {
        int32_t len = (int32_t)strlen(OPS[k].spell);
        if (L->i + len <= L->n && memcmp(L->s + L->i, OPS[k].spell, (size_t)len) == 0) {
            L->i += len;
            return push_tok(L, OPS[k].kind, L->i - len, len);
        }
    }
    /* one whole UTF-8 sequence (or one byte) as LEX_OTHER */
    int32_t len = 1;
    while (L->i + len < L->n && ((unsigned char)L->s[L->i + len] & 0xC0) == 0x80 &&
           len < 4)
        len++;
    L->i += len;
    return push_tok(L, LEX_OTHER, L->i - len, len);
}

static st_status lex_one(lexer *L)
{
    unsigned char c = (unsigned char)L->s[L->i];
    if (c == '\'' || c == '"')
        return lex_string(L);
    if (c == '`')
        return lex_qident(L);
    if (is_ident_byte(c) && c < 0x80)
        return lex_word_or_number(L);
    if (c == '.' && L->i + 1 < L->n && isdigit((unsigned char)L->s[L->i + 1])) {
        /* .5 is a number unless it follows a name (t.5 is a field) */
        lex_kind prev = L->n_toks ? L->toks[L->n_toks - 1].kind : LEX_EOF;
        bool after_name = prev == LEX_IDENT || prev == LEX_QIDENT || prev == LEX_RPAREN ||
                          prev == LEX_RBRACKET;
        if (!after_name || L->toks[L->n_toks - 1].pos + L->toks[L->n_toks - 1].len != L->i)
            return lex_word_or_number(L);
    }
    if (c >= 0x80)
        return lex_word_or_number(L);
    return lex_op(L);
}

st_status lex_all(const char *text, st_arena *a, lex_result *out, int32_t *err_pos,
                  st_error *err)
{
    size_t n = strlen(text);
    lexer L = {.s = text, .a = a, .err = err, .err_pos = -1};
    out->toks = NULL;
    out->n_toks = 0;
    *err_pos = -1;
    if (n > (size_t)INT32_MAX - 16)
        return st_error_set(err, ST_ERR_LIMIT, "sql text is too long (%zu bytes)", n);
    L.n = (int32_t)n;
    st_buf_init(&L.sb);
    st_status rc = ST_OK;
    for (;;) {
        if ((rc = skip_space(&L)) != ST_OK)
            break;
        if (L.i >= L.n) {
            rc = push_tok(&L, LEX_EOF, L.n, 0);
            break;
        }
        if ((rc = lex_one(&L)) != ST_OK)
            break;
    }
    st_buf_destroy(&L.sb);
    if (rc != ST_OK) {
        st_free(L.toks);
        *err_pos = L.err_pos >= 0 ? L.err_pos : L.i;
        return rc;
    }
    out->toks = L.toks;
    out->n_toks = L.n_toks;
    return ST_OK;
}
