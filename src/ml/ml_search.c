/* ml_search.c -- what the searches of the tracking store and the registry
** share: MLflow's filter and order_by syntax parsed into clauses, page
** tokens, the dynamic-query builder that turns clauses into bound SQL, and
** the SQL function ml_like (LIKE / ILIKE as MLflow means them: '%' any run,
** '_' one UTF-8 character, no escape; case-sensitive unless asked).
**
** MLflow parses filters with sqlparse; this is a small hand-written scanner
** for the same surface: `ident op value [AND ident op value]...`, where ident
** is [entity.]key with an optionally `backquoted` or "double-quoted" key,
** op one of = != <> < <= > >= LIKE ILIKE IN NOT IN, and value a 'quoted' or
** "quoted" string, a number or a parenthesised list. OR is refused, as
** MLflow does. Nothing here touches the database except through ml_query. */
#include "ml_store_int.h"

#include <ctype.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- scanner ------------------------------------------------------------------ */

/* Bounds on one filter, so that the SQL built from it stays inside SQLite's
** limits (expression depth 1000, bound variables) whatever a client sends:
** past them the search is refused as bad syntax, not failed as an SQLite
** error. */
#define ML_FILTER_MAX_CLAUSES 100     /* comparisons joined by AND (messages say 100) */
#define ML_FILTER_MAX_VALUES  10000   /* values of all IN / NOT IN lists (messages say 10000) */

typedef struct scan {
    const char *p;            /* borrowed: next unread byte */
    const char *text;         /* borrowed: the whole filter, for messages */
    const char *what;         /* "filter" or "order_by clause" */
    st_arena   *a;            /* borrowed: results */
    st_error   *err;
    int         n_values;     /* list values read so far (ML_FILTER_MAX_VALUES) */
} scan;

/* Quotes at most 200 bytes of the text (cut before a UTF-8 character), so
** that the reason still fits in the message of a long filter. */
static st_status scan_fail(scan *sc, const char *why)
{
    size_t n = strlen(sc->text);
    bool cut = n > 200;
    if (cut)
        for (n = 200; n > 0 && ((unsigned char)sc->text[n] & 0xC0) == 0x80;)
            n--;
    return st_error_set(sc->err, ST_ERR_ARGUMENT, "Invalid %s '%.*s%s': %s", sc->what, (int)n,
                        sc->text, cut ? "..." : "", why);
}

static void skip_ws(scan *sc)
{
    while (*sc->p && isspace((unsigned char)*sc->p))
        sc->p++;
}

static bool is_word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* True (and consumes it) when the next word is kw, case-insensitively. */
static bool take_keyword(scan *sc, const char *kw)
{
    size_t n = strlen(kw);
    if (strncasecmp(sc->p, kw, n) != 0 || is_word_char(sc->p[n]))
        return false;
    sc->p += n;
    return true;
}

/* Reads a string quoted by *sc->p (' " or `); a doubled or backslashed
** quote stands for itself. */
static st_status scan_quoted(scan *sc, const char **out)
{
    char q = *sc->p++;
    st_buf b;
    st_buf_init(&b);
    st_status rc = ST_OK;
    for (;;) {
        char c = *sc->p;
        if (!c) {
            rc = scan_fail(sc, "unterminated quoted string");
            break;
        }
        sc->p++;
        if ((c == '\\' && *sc->p == q) || (c == q && *sc->p == q)) {
            c = q;
            sc->p++;
        } else if (c == q) {
            break;
        }
        if ((rc = st_buf_append_byte(&b, (uint8_t)c, sc->err)) != ST_OK)
            break;
    }
    if (rc == ST_OK) {
        *out = st_arena_strndup(sc->a, b.data ? (const char *)b.data : "", b.len);
        if (!*out)
            rc = st_error_set(sc->err, ST_ERR_NOMEM, "out of memory");
    }
    st_buf_destroy(&b);
    return rc;
}

static bool entity_of(const char *word, size_t n, ml_ent *out)
{
    static const struct { const char *name; ml_ent ent; } k_names[] = {
        { "attributes", ML_ENT_ATTR }, { "attribute", ML_ENT_ATTR }, { "attr", ML_ENT_ATTR },
        { "run", ML_ENT_ATTR },        { "metrics", ML_ENT_METRIC }, { "metric", ML_ENT_METRIC },
        { "params", ML_ENT_PARAM },    { "param", ML_ENT_PARAM },
        { "parameters", ML_ENT_PARAM }, { "parameter", ML_ENT_PARAM },
        { "tags", ML_ENT_TAG },        { "tag", ML_ENT_TAG },
        { "datasets", ML_ENT_DATASET }, { "dataset", ML_ENT_DATASET },
    };
    for (size_t i = 0; i < ST_ARRAY_LEN(k_names); i++)
        if (strlen(k_names[i].name) == n && strncasecmp(word, k_names[i].name, n) == 0) {
            *out = k_names[i].ent;
            return true;
        }
    return false;
}

/* [entity.]key: a bare word is an attribute (lowercased). */
static st_status scan_ident(scan *sc, ml_ent *ent, const char **key)
{
    skip_ws(sc);
    const char *w = sc->p;
    if (*w == '`' || *w == '"') {                   /* a quoted bare attribute */
        *ent = ML_ENT_ATTR;
        return scan_quoted(sc, key);
    }
    while (is_word_char(*sc->p))
        sc->p++;
    size_t n = (size_t)(sc->p - w);
    if (n == 0)
        return scan_fail(sc, "expected an identifier");
    if (*sc->p != '.') {
        *ent = ML_ENT_ATTR;
        char *k = st_arena_strndup(sc->a, w, n);
        if (!k)
            return st_error_set(sc->err, ST_ERR_NOMEM, "out of memory");
        for (char *c = k; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        *key = k;
        return ST_OK;
    }
    if (!entity_of(w, n, ent)) {
        char why[160];
        snprintf(why, sizeof why, "invalid entity type '%.*s'", (int)ST_MIN(n, 100), w);
        return scan_fail(sc, why);
    }
    sc->p++;                                         /* the '.' */
    if (*sc->p == '`' || *sc->p == '"')
        return scan_quoted(sc, key);
    const char *k = sc->p;
    while (*sc->p && !isspace((unsigned char)*sc->p) && !strchr("=!<>(),'", *sc->p))
        sc->p++;
    if (sc->p == k)
        return scan_fail(sc, "expected a key after the entity type");
    if (!(*key = st_arena_strndup(sc->a, k, (size_t)(sc->p - k))))
        return st_error_set(sc->err, ST_ERR_NOMEM, "out of memory");
    if (*ent == ML_ENT_ATTR) {
        for (char *c = (char *)*key; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    }
    return ST_OK;
}

static st_status scan_op(scan *sc, const char **op)
{
    static const char *const k_sym[] = { "!=", "<>", "<=", ">=", "=", "<", ">" };
    skip_ws(sc);
    for (size_t i = 0; i < ST_ARRAY_LEN(k_sym); i++)
        if (strncmp(sc->p, k_sym[i], strlen(k_sym[i])) == 0) {
            sc->p += strlen(k_sym[i]);
            *op = strcmp(k_sym[i], "<>") == 0 ? "!=" : k_sym[i];
            return ST_OK;
        }
    if (take_keyword(sc, "LIKE"))
        *op = "LIKE";
    else if (take_keyword(sc, "ILIKE"))
        *op = "ILIKE";
    else if (take_keyword(sc, "IN"))
        *op = "IN";
    else if (take_keyword(sc, "NOT")) {
        skip_ws(sc);
        if (!take_keyword(sc, "IN"))
            return scan_fail(sc, "expected IN after NOT");
        *op = "NOT IN";
    } else
        return scan_fail(sc, "expected a comparison operator");
    return ST_OK;
}

/* A number in the C locale's syntax: [+-]digits[.digits][e[+-]digits]. */
static st_status scan_number(scan *sc, double *num, const char **text)
{
    const char *s = sc->p;
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    const char *d = p;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p);)
            p++;
    if (p == d || (p == d + 1 && *d == '.'))
        return scan_fail(sc, "expected a quoted string or a number");
    if (*p == 'e' || *p == 'E') {
        const char *e = p + 1;
        if (*e == '+' || *e == '-')
            e++;
        if (isdigit((unsigned char)*e)) {
            while (isdigit((unsigned char)*e))
                e++;
            p = e;
        }
    }
    if (is_word_char(*p))
        return scan_fail(sc, "expected a quoted string or a number");
    char *t = st_arena_strndup(sc->a, s, (size_t)(p - s));
    if (!t)
        return st_error_set(sc->err, ST_ERR_NOMEM, "out of memory");
    locale_t c_loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    *num = c_loc ? strtod_l(t, NULL, c_loc) : strtod(t, NULL);
    if (c_loc)
        freelocale(c_loc);
    *text = t;
    sc->p = p;
    return ST_OK;
}

/* ( value [, value]... ) for IN lists. */
static st_status scan_list(scan *sc, ml_clause *c)
{
    sc->p++;
    int cap = 0;
    for (;;) {
        skip_ws(sc);
        const char *v;
        double num;
        st_status rc = (*sc->p == '\'' || *sc->p == '"') ? scan_quoted(sc, &v)
                                                          : scan_number(sc, &num, &v);
        if (rc != ST_OK)
            return rc;
        if (++sc->n_values > ML_FILTER_MAX_VALUES)
            return scan_fail(sc, "too many values in IN lists (at most 10000)");
        if (c->n_list == cap) {
            int ncap = cap ? cap * 2 : 4;
            const char **nl = st_arena_realloc(sc->a, c->list, (size_t)cap * sizeof *nl,
                                               (size_t)ncap * sizeof *nl);
            if (!nl)
                return st_error_set(sc->err, ST_ERR_NOMEM, "out of memory");
            c->list = nl;
            cap = ncap;
        }
        c->list[c->n_list++] = v;
        skip_ws(sc);
        if (*sc->p == ',') {
            sc->p++;
            continue;
        }
        if (*sc->p == ')') {
            sc->p++;
            return ST_OK;
        }
        return scan_fail(sc, "expected ',' or ')' in a value list");
    }
}

static st_status scan_clause(scan *sc, ml_clause *c)
{
    memset(c, 0, sizeof *c);
    st_status rc = scan_ident(sc, &c->ent, &c->key);
    if (rc == ST_OK)
        rc = scan_op(sc, &c->op);
    if (rc != ST_OK)
        return rc;
    skip_ws(sc);
    bool in = strcmp(c->op, "IN") == 0 || strcmp(c->op, "NOT IN") == 0;
    if (in != (*sc->p == '('))
        return scan_fail(sc, in ? "IN needs a parenthesised list of values"
                                : "a value list needs IN");
    if (in)
        return scan_list(sc, c);
    if (*sc->p == '\'' || *sc->p == '"')
        return scan_quoted(sc, &c->str);
    c->is_num = true;
    return scan_number(sc, &c->num, &c->str);
}

st_status ml_filter_parse(const char *filter, st_arena *a, ml_clause **out, int *n_out,
                          st_error *err)
{
    *out = NULL;
    *n_out = 0;
    scan sc = { filter ? filter : "", filter ? filter : "", "filter", a, err, 0 };
    skip_ws(&sc);
    int cap = 0;
    while (*sc.p) {
        if (*n_out == ML_FILTER_MAX_CLAUSES)
            return scan_fail(&sc, "too many comparisons (at most 100)");
        if (*n_out == cap) {
            int ncap = cap ? cap * 2 : 4;
            ml_clause *nc = st_arena_realloc(a, *out, (size_t)cap * sizeof *nc,
                                             (size_t)ncap * sizeof *nc);
            if (!nc)
                return st_error_set(err, ST_ERR_NOMEM, "out of memory");
            *out = nc;
            cap = ncap;
        }
        st_status rc = scan_clause(&sc, &(*out)[*n_out]);
        if (rc != ST_OK)
            return rc;
        (*n_out)++;
        skip_ws(&sc);
        if (!*sc.p)
            break;
        if (take_keyword(&sc, "OR"))
            return scan_fail(&sc, "OR is not supported, only AND");
        if (!take_keyword(&sc, "AND"))
            return scan_fail(&sc, "expected AND between comparisons");
        skip_ws(&sc);
        if (!*sc.p)
            return scan_fail(&sc, "expected a comparison after AND");
    }
    return ST_OK;
}

st_status ml_order_parse(const char *text, st_arena *a, ml_order *out, st_error *err)
{
    scan sc = { text ? text : "", text ? text : "", "order_by clause", a, err, 0 };
    memset(out, 0, sizeof *out);
    st_status rc = scan_ident(&sc, &out->ent, &out->key);
    if (rc != ST_OK)
        return rc;
    skip_ws(&sc);
    if (take_keyword(&sc, "DESC"))
        out->desc = true;
    else
        take_keyword(&sc, "ASC");
    skip_ws(&sc);
    if (*sc.p)
        return scan_fail(&sc, "expected ASC or DESC at the end");
    return ST_OK;
}

/* ---- pages ------------------------------------------------------------------------ */

st_status ml_page_offset(const char *token, int64_t *out, st_error *err)
{
    *out = 0;
    if (!token || !*token)
        return ST_OK;
    if (!ml_parse_id(token, out))
        return st_error_set(err, ST_ERR_ARGUMENT, "Invalid page token '%.100s'", token);
    return ST_OK;
}

st_status ml_page_limit(int64_t max_results, int64_t dflt, int64_t limit, int64_t *out,
                        st_error *err)
{
    *out = max_results == 0 ? dflt : max_results;
    if (max_results < 0 || max_results > limit)
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "Invalid value %lld for parameter 'max_results' supplied. It must "
                            "be a positive integer at most %lld", (long long)max_results,
                            (long long)limit);
    return ST_OK;
}

void ml_page_next(json_t *out, int64_t offset)
{
    char tok[32];
    snprintf(tok, sizeof tok, "%lld", (long long)offset);
    json_object_set_new(out, "next_page_token", json_string(tok));
}

/* ---- query builder ------------------------------------------------------------------ */

void ml_query_init(ml_query *q, st_arena *a)
{
    memset(q, 0, sizeof *q);
    st_buf_init(&q->sql);
    q->a = a;
}

void ml_query_destroy(ml_query *q)
{
    st_buf_destroy(&q->sql);
}

void ml_query_sql(ml_query *q, const char *text)
{
    if (!q->oom && st_buf_append_str(&q->sql, text, NULL) != ST_OK)
        q->oom = true;
}

void ml_query_arg(ml_query *q, ml_arg v)
{
    if (q->oom)
        return;
    if (q->n_args == q->cap) {
        int ncap = q->cap ? q->cap * 2 : 8;
        ml_arg *na = st_arena_realloc(q->a, q->args, (size_t)q->cap * sizeof *na,
                                      (size_t)ncap * sizeof *na);
        if (!na) {
            q->oom = true;
            return;
        }
        q->args = na;
        q->cap = ncap;
    }
    q->args[q->n_args++] = v;
    /* A bare '?' is parameter n_args, as "?N" would be (nothing else in the
    ** text is a parameter); SQLite looks every "?N" up in a list, which made
    ** a filter or request with thousands of values take quadratic time. */
    ml_query_sql(q, "?");
}

st_status ml_query_stmt(ml_store *s, ml_query *q, sqlite3_stmt **out, st_error *err)
{
    *out = NULL;
    ml_query_sql(q, "");
    if (q->oom || st_buf_append_byte(&q->sql, 0, err) != ST_OK)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    return ml_stmt(s, (const char *)q->sql.data, q->args, q->n_args, out, err);
}

static ml_arg clause_value(const ml_clause *c)
{
    return c->is_num ? ml_d(c->num) : ml_s(c->str);
}

void ml_query_compare(ml_query *q, const char *col, const ml_clause *c)
{
    bool like = strcmp(c->op, "LIKE") == 0, ilike = strcmp(c->op, "ILIKE") == 0;
    if (like || ilike) {
        ml_query_sql(q, "ml_like(");
        ml_query_sql(q, col);
        ml_query_sql(q, ", ");
        ml_query_arg(q, ml_s(c->str));
        ml_query_sql(q, ilike ? ", 1)" : ", 0)");
        return;
    }
    ml_query_sql(q, col);
    if (c->n_list > 0 || c->list) {
        ml_query_sql(q, strcmp(c->op, "IN") == 0 ? " IN (" : " NOT IN (");
        for (int i = 0; i < c->n_list; i++) {
            ml_query_sql(q, i ? ", " : "");
            ml_query_arg(q, ml_s(c->list[i]));
        }
        ml_query_sql(q, ")");
        return;
    }
    ml_query_sql(q, " ");
    ml_query_sql(q, c->op);
    ml_query_sql(q, " ");
    ml_query_arg(q, clause_value(c));
}

/* ---- ml_like ------------------------------------------------------------------------ */

/* Bytes of the UTF-8 character at s (1 for stray continuation bytes). */
static size_t utf8_len(const unsigned char *s)
{
    size_t n = 1;
    while (s[n] && (s[n] & 0xC0) == 0x80 && n < 4)
        n++;
    return n;
}

static bool char_eq(unsigned char a, unsigned char b, bool ci)
{
    return ci ? tolower(a) == tolower(b) : a == b;
}

/* Wildcard match with one backtrack point per '%' (linear memory, O(n*m)). */
static bool like_match(const unsigned char *v, const unsigned char *p, bool ci)
{
    const unsigned char *star_p = NULL, *star_v = NULL;
    while (*v) {
        if (*p == '%') {
            while (*p == '%')
                p++;
            star_p = p;
            star_v = v;
            continue;
        }
        if (*p == '_') {
            p++;
            v += utf8_len(v);
            continue;
        }
        if (*p && char_eq(*p, *v, ci)) {
            p++;
            v++;
            continue;
        }
        if (!star_p)
            return false;
        star_v += utf8_len(star_v);
        v = star_v;
        p = star_p;
    }
    while (*p == '%')
        p++;
    return *p == 0;
}

static void like_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const unsigned char *v = sqlite3_value_text(argv[0]);
    const unsigned char *p = sqlite3_value_text(argv[1]);
    if (!v || !p) {
        sqlite3_result_null(ctx);
        return;
    }
    sqlite3_result_int(ctx, like_match(v, p, sqlite3_value_int(argv[2]) != 0));
}

int ml_like_register(sqlite3 *db)
{
    return sqlite3_create_function(db, "ml_like", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                   like_fn, NULL, NULL);
}
