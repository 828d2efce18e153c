/* fn_string.c -- Spark SQL string functions: concat, concat_ws, substring,
** left/right, case mapping (utf8proc), trims, lengths, replace, regex
** functions (pcre2), like/ilike, pads, searches, repeat, reverse, ascii, chr,
** translate, startswith/endswith/contains and format_number.
**
** Every entry is described by one row of STR_SPECS (argument kinds, return
** kind, row function); one resolver applies Spark's implicit casts (strings
** for string parameters, int for counts) and one kernel per return kind
** runs the row function over the valid rows. Positions and lengths count
** Unicode code points, as Spark's UTF8String does; invalid UTF-8 bytes count
** as one character each and are never decoded past the end of a value.
**
** LIKE / ILIKE: a constant pattern (and escape) is compiled at resolve time
** into literal segments matched bytewise (equality, prefix, suffix, memmem);
** patterns with '_', and ILIKE rows with non-ASCII bytes, use the code-point
** matcher (see like_plan). String results are written straight into one
** byte buffer and the offsets (k_string_str), not through a builder.
**
** Regexes: constant patterns are compiled once at resolve time into the
** resolver's arena (pcre2 general context allocating from it, so fn_bound
** needs no destructor); non-constant patterns are compiled per row through
** a small cache that lives for one kernel call. Java and PCRE2 syntax agree
** on the common constructs; replacement strings follow Java ($n, ${name},
** backslash escapes), implemented here rather than with pcre2_substitute.
**
** Spark choices and deviations:
**   - trim(trimStr, str), ltrim(trimStr, str), rtrim(trimStr, str) take the
**     characters first, as Spark's two-argument function constructors do;
**     btrim(str, trimStr) takes them second. The binder maps
**     TRIM(BOTH x FROM s) to trim(x, s). One-argument trims remove ' ' only.
**   - upper/lower map one code point at a time (utf8proc), plus 'ß' -> "SS"
**     in upper as Java's String.toUpperCase does; other multi-character
**     special casings of Java (ligatures, 'İ' in lower) are not applied.
**   - ascii returns the first code point (Spark >= 3.0 behaviour).
**   - format_number takes an integer digit count only (no pattern form).
**   - locate/position with a NULL start return NULL (Spark returns 0). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <utf8proc.h>

#include "func/fn_int.h"

static const vec_type T_STRING = {.id = VEC_STRING};
static const vec_type T_INT32 = {.id = VEC_INT32};
static const vec_type T_BOOL = {.id = VEC_BOOL};

#define REGEX_CACHE 8  /* non-constant patterns remembered per kernel call */

/* ---- text helpers ------------------------------------------------------- */

typedef struct sv {
    const uint8_t *p;
    int64_t        n;
} sv;

static sv str_at(const vec *v, int64_t i)
{
    const int32_t *o = vec_offsets(v);
    sv s = {v->bytes ? v->bytes + o[i] : (const uint8_t *)"", o[i + 1] - o[i]};
    return s;
}

/* Decodes one code point at p (n bytes left); invalid bytes decode as
** themselves with length 1. */
static int32_t cp_next(const uint8_t *p, int64_t n, int *len)
{
    if (p[0] < 0x80) {               /* OPT: results identical if removed */
        *len = 1;
        return p[0];
    }
    utf8proc_int32_t c;
    utf8proc_ssize_t k = utf8proc_iterate(p, n > 4 ? 4 : n, &c);
    if (k <= 0) {
        *len = 1;
        return p[0];
    }
    *len = (int)k;
    return c;
}
static int64_t cp_count(sv s)
{
    int64_t c = 0;
    for (int64_t i = 0; i < s.n; i++)
        c += (s.p[i] & 0xC0) != 0x80;
    return c;
}
/* Byte offset of code point k (clamped to the end). */
static int64_t cp_offset(sv s, int64_t k)
{
    int64_t off = 0;
    while (k > 0 && off < s.n) {
        int len;
        cp_next(s.p + off, s.n - off, &len);
        off += len;
        k--;
    }
    return off;
}
static st_status put_cp(st_buf *b, int32_t c, st_error *err)
{
    uint8_t tmp[4];
    utf8proc_ssize_t k = utf8proc_encode_char(c, tmp);
    if (k <= 0) {
        tmp[0] = (uint8_t)c;
        k = 1;
    }
    return st_buf_append(b, tmp, (size_t)k, err);
}
/* Code-point index of byte offset off. */
static int64_t cp_index(sv s, int64_t off)
{
    sv h = {s.p, off};
    return cp_count(h);
}
static int64_t find_bytes(sv h, sv needle, int64_t from)
{
    if (needle.n == 0)
        return from <= h.n ? from : -1;
    if (from > h.n - needle.n)
        return -1;
    const uint8_t *hit = memmem(h.p + from, (size_t)(h.n - from), needle.p, (size_t)needle.n);
    return hit ? hit - h.p : -1;
}

/* ---- per-call state handed to row functions ----------------------------- */

typedef struct regex_slot {
    char       *pattern;   /* owned (heap) */
    pcre2_code *code;      /* owned (heap) */
} regex_slot;

typedef struct row_ctx {
    const fn_bound   *f;
    const fn_context *ctx;
    regex_slot        cache[REGEX_CACHE];
    int               n_cache;
    int               next_evict;
    pcre2_match_data *md;          /* owned: large enough for any pattern used */
} row_ctx;

static void row_ctx_destroy(row_ctx *rc)
{
    for (int i = 0; i < rc->n_cache; i++) {
        st_free(rc->cache[i].pattern);
        pcre2_code_free(rc->cache[i].code);
    }
    pcre2_match_data_free(rc->md);
}

/* Row functions: compute row i (all non-nullable args valid). */
typedef st_status (*row_str_fn)(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                                bool *is_null, st_error *err);
typedef st_status (*row_int_fn)(row_ctx *rc, const vec *const *args, int64_t i, int64_t *out,
                                bool *is_null, st_error *err);
typedef st_status (*row_list_fn)(row_ctx *rc, const vec *const *args, int64_t i, vec_builder *b,
                                 bool *is_null, st_error *err);

typedef struct str_spec {
    const char *name;
    const char *sig;      /* s string, i int, d double, a string or array<string>;
                          ** '*' repeats the previous kind; '|' starts optional args */
    char        ret;      /* 's' string, 'i' int, 'b' bool, 'l' array<string> */
    bool        own_nulls;/* the row function sees null rows (concat_ws) */
    row_str_fn  fs;
    row_int_fn  fi;
    row_list_fn fl;
    int         regex_arg;/* index of a regex argument, or -1 */
} str_spec;

typedef struct like_plan like_plan;

typedef struct str_state {
    const str_spec  *spec;
    pcre2_code      *re;   /* constant pattern, arena-allocated; NULL otherwise */
    const like_plan *like; /* LIKE/ILIKE with constant pattern and escape; else NULL */
} str_state;

/* ---- regex compile ------------------------------------------------------ */

static void *arena_malloc(PCRE2_SIZE n, void *data) { return st_arena_alloc(data, n); }
static void arena_free(void *p, void *data) { (void)p; (void)data; }

static st_status regex_compile(const char *fname, sv pat, pcre2_general_context *gc,
                               pcre2_code **out, st_error *err)
{
    int code;
    PCRE2_SIZE off;
    pcre2_compile_context *cc = gc ? pcre2_compile_context_create(gc) : NULL;
    *out = pcre2_compile(pat.p, (PCRE2_SIZE)pat.n, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code,
                         &off, cc);
    if (cc)
        pcre2_compile_context_free(cc);
    if (*out)
        return ST_OK;
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(code, msg, sizeof msg);
    return st_error_set(err, ST_ERR_ARGUMENT,
                        "invalid regular expression '%.*s' in %s: %s at offset %zu",
                        (int)ST_MIN(pat.n, 200), (const char *)pat.p, fname, (const char *)msg,
                        (size_t)off);
}

/* The compiled regex of row i: the constant one, or a cached compile. */
static st_status row_regex(row_ctx *rc, const vec *pv, int64_t i, pcre2_code **out, st_error *err)
{
    const str_state *st = rc->f->state;
    if (st->re) {
        *out = st->re;
    } else {
        sv pat = str_at(pv, i);
        int hit = -1;
        for (int k = 0; k < rc->n_cache; k++)
            if ((int64_t)strlen(rc->cache[k].pattern) == pat.n &&
                st_memcmp(rc->cache[k].pattern, pat.p, (size_t)pat.n) == 0)
                hit = k;
        if (hit < 0) {
            pcre2_code *c;
            st_status s = regex_compile(rc->f->name, pat, NULL, &c, err);
            if (s != ST_OK)
                return s;
            char *copy = st_malloc((size_t)pat.n + 1);
            if (!copy) {
                pcre2_code_free(c);
                return st_error_set(err, ST_ERR_NOMEM, "out of memory in %s", rc->f->name);
            }
            memcpy(copy, pat.p, (size_t)pat.n);
            copy[pat.n] = '\0';
            if (rc->n_cache < REGEX_CACHE) {
                hit = rc->n_cache++;
            } else {
                hit = rc->next_evict;
                rc->next_evict = (rc->next_evict + 1) % REGEX_CACHE;
                st_free(rc->cache[hit].pattern);
                pcre2_code_free(rc->cache[hit].code);
            }
            rc->cache[hit].pattern = copy;
            rc->cache[hit].code = c;
        }
        *out = rc->cache[hit].code;
    }
    uint32_t groups;
    pcre2_pattern_info(*out, PCRE2_INFO_CAPTURECOUNT, &groups);
    if (!rc->md || pcre2_get_ovector_count(rc->md) < groups + 1) {
        pcre2_match_data_free(rc->md);
        rc->md = pcre2_match_data_create(groups + 1, NULL);
        if (!rc->md)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory in %s", rc->f->name);
    }
    return ST_OK;
}

/* Finds the next match at or after start; returns false when none. */
static bool regex_find(row_ctx *rc, pcre2_code *re, sv s, int64_t start, PCRE2_SIZE **ov)
{
    int r = pcre2_match(re, s.p, (PCRE2_SIZE)s.n, (PCRE2_SIZE)start, 0, rc->md, NULL);
    *ov = pcre2_get_ovector_pointer(rc->md);
    return r >= 0;
}

/* ---- row functions: strings ------------------------------------------- */

static st_status r_concat(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                          bool *is_null, st_error *err)
{
    for (int k = 0; k < rc->f->n_args; k++) {
        sv s = str_at(args[k], i);
        st_status r = st_buf_append(out, s.p, (size_t)s.n, err);
        if (r != ST_OK)
            return r;
    }
    return ST_OK;
}

static st_status r_concat_ws(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                             bool *is_null, st_error *err)
{
    if (!vec_is_valid(args[0], i)) {
        *is_null = true;
        return ST_OK;
    }
    sv sep = str_at(args[0], i);
    bool first = true;
    for (int k = 1; k < rc->f->n_args; k++) {
        const vec *v = args[k];
        if (v->type->id == VEC_NULL || !vec_is_valid(v, i))
            continue;
        const vec *elems = v;
        int64_t lo = i, hi = i + 1;
        if (v->type->id == VEC_LIST) {
            elems = v->children[0];
            lo = vec_offsets(v)[i];
            hi = vec_offsets(v)[i + 1];
        }
        for (int64_t j = lo; j < hi; j++) {
            if (!vec_is_valid(elems, j))
                continue;
            sv s = str_at(elems, j);
            st_status r = first ? ST_OK : st_buf_append(out, sep.p, (size_t)sep.n, err);
            if (r == ST_OK)
                r = st_buf_append(out, s.p, (size_t)s.n, err);
            if (r != ST_OK)
                return r;
            first = false;
        }
    }
    return ST_OK;
}

/* Spark's UTF8String.substringSQL(pos, len) in code points. */
static st_status substr_sql(sv s, int64_t pos, int64_t len, st_buf *out, st_error *err)
{
    if (pos >= 0) {                  /* OPT: results identical if removed */
        /* counted from the start: only the characters up to the end of the
        ** piece are walked (cp_offset clamps at the end of s) */
        int64_t start = pos > 0 ? pos - 1 : 0, end = start + len;
        if (start >= end)
            return ST_OK;
        int64_t b0 = cp_offset(s, start);
        sv rest = {s.p + b0, s.n - b0};
        int64_t b1 = cp_offset(rest, end - start);
        return b1 > 0 ? st_buf_append(out, rest.p, (size_t)b1, err) : ST_OK;
    }
    int64_t nc = cp_count(s);
    int64_t start = pos > 0 ? pos - 1 : (pos < 0 ? nc + pos : 0);
    int64_t end = start + len;
    if (start < 0)
        start = 0;
    if (end > nc)
        end = nc;
    if (start >= end)
        return ST_OK;
    if (nc == s.n)                   /* one byte per character */
        return st_buf_append(out, s.p + start, (size_t)(end - start), err);
    int64_t b0 = cp_offset(s, start);
    sv rest = {s.p + b0, s.n - b0};
    int64_t b1 = cp_offset(rest, end - start);
    return st_buf_append(out, rest.p, (size_t)b1, err);
}

static int64_t int_at(const vec *v, int64_t i) { return ((const int32_t *)v->values)[i]; }

static st_status r_substr(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                          bool *is_null, st_error *err)
{
    int64_t len = rc->f->n_args == 3 ? int_at(args[2], i) : INT32_MAX;
    return substr_sql(str_at(args[0], i), int_at(args[1], i), len, out, err);
}
static st_status r_left(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                        bool *is_null, st_error *err)
{
    int64_t n = int_at(args[1], i);
    return n <= 0 ? ST_OK : substr_sql(str_at(args[0], i), 1, n, out, err);
}
static st_status r_right(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                         bool *is_null, st_error *err)
{
    int64_t n = int_at(args[1], i);
    return n <= 0 ? ST_OK : substr_sql(str_at(args[0], i), -n, n, out, err);
}

static st_status map_case(sv s, int mode, st_buf *out, st_error *err)
{
    bool word_start = true;
    for (int64_t off = 0; off < s.n;) {
        int len;
        int32_t c = cp_next(s.p + off, s.n - off, &len);
        st_status r;
        if (len == 1 && c >= 0x80) {
            r = st_buf_append(out, s.p + off, 1, err);  /* invalid byte: kept */
        } else if (mode == 0 && c == 0xDF) {
            r = st_buf_append(out, "SS", 2, err);
        } else {
            int32_t m = mode == 0 ? utf8proc_toupper(c)
                      : mode == 1 ? utf8proc_tolower(c)
                      : word_start ? utf8proc_totitle(c) : utf8proc_tolower(c);
            r = put_cp(out, m, err);
        }
        if (r != ST_OK)
            return r;
        word_start = c == ' ';
        off += len;
    }
    return ST_OK;
}
static st_status r_upper(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                         bool *is_null, st_error *err)
{
    return map_case(str_at(args[0], i), 0, out, err);
}
static st_status r_lower(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                         bool *is_null, st_error *err)
{
    return map_case(str_at(args[0], i), 1, out, err);
}
static st_status r_initcap(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                           bool *is_null, st_error *err)
{
    return map_case(str_at(args[0], i), 2, out, err);
}

static bool in_set(sv set, int32_t c)
{
    for (int64_t off = 0; off < set.n;) {
        int len;
        if (cp_next(set.p + off, set.n - off, &len) == c)
            return true;
        off += len;
    }
    return false;
}
/* Trims characters of set (bit 1: leading, bit 2: trailing). */
static st_status trim_generic(sv s, sv set, int which, st_buf *out, st_error *err)
{
    int64_t lo = 0, hi = s.n;
    if (which & 1)
        while (lo < hi) {
            int len;
            int32_t c = cp_next(s.p + lo, hi - lo, &len);
            if (!in_set(set, c))
                break;
            lo += len;
        }
    if (which & 2)
        while (hi > lo) {
            int64_t b = hi - 1;
            while (b > lo && (s.p[b] & 0xC0) == 0x80)
                b--;
            int len;
            int32_t c = cp_next(s.p + b, hi - b, &len);
            if (b + len != hi || !in_set(set, c))
                break;
            hi = b;
        }
    return st_buf_append(out, s.p + lo, (size_t)(hi - lo), err);
}
static st_status r_trim(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                        bool *is_null, st_error *err)
{
    const char *n = rc->f->name;
    int which = n[0] == 'l' ? 1 : n[0] == 'r' ? 2 : 3;
    sv space = {(const uint8_t *)" ", 1};
    if (rc->f->n_args == 1)
        return trim_generic(str_at(args[0], i), space, which, out, err);
    if (n[0] == 'b')   /* btrim(str, trimStr) */
        return trim_generic(str_at(args[0], i), str_at(args[1], i), which, out, err);
    return trim_generic(str_at(args[1], i), str_at(args[0], i), which, out, err);
}

static st_status r_replace(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                           bool *is_null, st_error *err)
{
    sv s = str_at(args[0], i), from = str_at(args[1], i);
    sv to = rc->f->n_args == 3 ? str_at(args[2], i) : (sv){(const uint8_t *)"", 0};
    if (from.n == 0)
        return st_buf_append(out, s.p, (size_t)s.n, err);
    int64_t pos = 0;
    for (;;) {
        int64_t hit = find_bytes(s, from, pos);
        int64_t end = hit < 0 ? s.n : hit;
        st_status r = st_buf_append(out, s.p + pos, (size_t)(end - pos), err);
        if (r != ST_OK || hit < 0)
            return r;
        if ((r = st_buf_append(out, to.p, (size_t)to.n, err)) != ST_OK)
            return r;
        pos = hit + from.n;
    }
}

/* Appends a Java replacement string with $n / ${name} / \x for one match. */
static st_status java_replacement(row_ctx *rc, pcre2_code *re, sv s, sv rep,
                                  const PCRE2_SIZE *ov, st_buf *out, st_error *err)
{
    uint32_t groups;
    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &groups);
    for (int64_t k = 0; k < rep.n; k++) {
        uint8_t c = rep.p[k];
        st_status r = ST_OK;
        if (c == '\\') {
            if (++k >= rep.n)
                return st_error_set(err, ST_ERR_ARGUMENT,
                                    "character to be escaped is missing in %s replacement",
                                    rc->f->name);
            r = st_buf_append_byte(out, rep.p[k], err);
        } else if (c == '$') {
            int64_t g = -1;
            if (k + 1 < rep.n && rep.p[k + 1] == '{') {
                int64_t e = k + 2;
                while (e < rep.n && rep.p[e] != '}')
                    e++;
                char name[128];
                if (e >= rep.n || e - k - 2 >= (int64_t)sizeof name)
                    return st_error_set(err, ST_ERR_ARGUMENT, "bad group reference in %s replacement",
                                        rc->f->name);
                memcpy(name, rep.p + k + 2, (size_t)(e - k - 2));
                name[e - k - 2] = '\0';
                int num = pcre2_substring_number_from_name(re, (PCRE2_SPTR)name);
                if (num < 0)
                    return st_error_set(err, ST_ERR_ARGUMENT, "no group named '%s' in %s pattern",
                                        name, rc->f->name);
                g = num;
                k = e;
            } else if (k + 1 < rep.n && rep.p[k + 1] >= '0' && rep.p[k + 1] <= '9') {
                g = rep.p[++k] - '0';
                /* Java takes more digits while the number stays a valid group */
                while (k + 1 < rep.n && rep.p[k + 1] >= '0' && rep.p[k + 1] <= '9' &&
                       g * 10 + (rep.p[k + 1] - '0') <= (int64_t)groups)
                    g = g * 10 + (rep.p[++k] - '0');
            } else {
                return st_error_set(err, ST_ERR_ARGUMENT, "illegal group reference in %s replacement",
                                    rc->f->name);
            }
            if (g > (int64_t)groups)
                return st_error_set(err, ST_ERR_ARGUMENT, "no group %" PRId64 " in %s pattern", g,
                                    rc->f->name);
            if (ov[2 * g] != PCRE2_UNSET)
                r = st_buf_append(out, s.p + ov[2 * g], ov[2 * g + 1] - ov[2 * g], err);
        } else {
            r = st_buf_append_byte(out, c, err);
        }
        if (r != ST_OK)
            return r;
    }
    return ST_OK;
}

static int64_t next_cp_off(sv s, int64_t off)
{
    int len;
    if (off >= s.n)
        return off + 1;
    cp_next(s.p + off, s.n - off, &len);
    return off + len;
}

static st_status r_regexp_replace(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                                  bool *is_null, st_error *err)
{
    pcre2_code *re;
    st_status r = row_regex(rc, args[1], i, &re, err);
    if (r != ST_OK)
        return r;
    sv s = str_at(args[0], i), rep = str_at(args[2], i);
    int64_t pos = 0;
    if (rc->f->n_args == 4) {
        int64_t p = int_at(args[3], i);
        if (p <= 0)
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "position %" PRId64 " in regexp_replace must be positive", p);
        pos = ST_MIN(cp_offset(s, p - 1), s.n);
        if ((r = st_buf_append(out, s.p, (size_t)pos, err)) != ST_OK)
            return r;
    }
    int64_t copied = pos, search = pos;
    PCRE2_SIZE *ov;
    while (search <= s.n && regex_find(rc, re, s, search, &ov)) {
        if ((r = st_buf_append(out, s.p + copied, ov[0] - (size_t)copied, err)) != ST_OK)
            return r;
        if ((r = java_replacement(rc, re, s, rep, ov, out, err)) != ST_OK)
            return r;
        copied = (int64_t)ov[1];
        search = ov[1] == ov[0] ? next_cp_off(s, (int64_t)ov[1]) : (int64_t)ov[1];
        if (ov[1] == ov[0] && search <= s.n) {  /* empty match: copy one char */
            if ((r = st_buf_append(out, s.p + copied, (size_t)(search - copied), err)) != ST_OK)
                return r;
            copied = search;
        }
    }
    return copied < s.n ? st_buf_append(out, s.p + copied, (size_t)(s.n - copied), err) : ST_OK;
}

static st_status r_regexp_extract(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                                  bool *is_null, st_error *err)
{
    pcre2_code *re;
    st_status r = row_regex(rc, args[1], i, &re, err);
    if (r != ST_OK)
        return r;
    int64_t g = rc->f->n_args == 3 ? int_at(args[2], i) : 1;
    uint32_t groups;
    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &groups);
    if (g < 0 || g > (int64_t)groups)
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "regexp_extract group index %" PRId64 " is out of range: the pattern "
                            "has %u groups", g, groups);
    sv s = str_at(args[0], i);
    PCRE2_SIZE *ov;
    if (!regex_find(rc, re, s, 0, &ov) || ov[2 * g] == PCRE2_UNSET)
        return ST_OK;
    return st_buf_append(out, s.p + ov[2 * g], ov[2 * g + 1] - ov[2 * g], err);
}

static st_status pad(row_ctx *rc, const vec *const *args, int64_t i, bool left, st_buf *out,
                     st_error *err)
{
    sv s = str_at(args[0], i);
    int64_t len = int_at(args[1], i);
    sv p = rc->f->n_args == 3 ? str_at(args[2], i) : (sv){(const uint8_t *)" ", 1};
    if (len <= 0)
        return ST_OK;
    int64_t nc = cp_count(s), spaces = len - nc;
    if (spaces <= 0 || p.n == 0)
        return substr_sql(s, 1, len, out, err);
    st_status r = left ? ST_OK : st_buf_append(out, s.p, (size_t)s.n, err);
    int64_t pc = cp_count(p);
    for (int64_t k = 0; r == ST_OK && k < spaces; k += pc) {
        int64_t take = ST_MIN(pc, spaces - k);
        r = st_buf_append(out, p.p, (size_t)cp_offset(p, take), err);
    }
    if (r == ST_OK && left)
        r = st_buf_append(out, s.p, (size_t)s.n, err);
    return r;
}
static st_status r_lpad(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                        bool *is_null, st_error *err)
{
    return pad(rc, args, i, true, out, err);
}
static st_status r_rpad(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                        bool *is_null, st_error *err)
{
    return pad(rc, args, i, false, out, err);
}

static st_status r_repeat(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                          bool *is_null, st_error *err)
{
    sv s = str_at(args[0], i);
    int64_t n = int_at(args[1], i);
    size_t total;
    if (n > 0 && (!st_mul_size((size_t)s.n, (size_t)n, &total) || total > INT32_MAX))
        return st_error_set(err, ST_ERR_LIMIT,
                            "repeat of a %" PRId64 "-byte string %" PRId64 " times is too long",
                            s.n, n);
    st_status r = ST_OK;
    for (int64_t k = 0; r == ST_OK && k < n; k++)
        r = st_buf_append(out, s.p, (size_t)s.n, err);
    return r;
}

static st_status r_reverse(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                           bool *is_null, st_error *err)
{
    sv s = str_at(args[0], i);
    int64_t hi = s.n;
    st_status r = ST_OK;
    while (r == ST_OK && hi > 0) {
        int64_t b = hi - 1;
        while (b > 0 && (s.p[b] & 0xC0) == 0x80 && hi - b < 4)
            b--;
        int len;
        cp_next(s.p + b, hi - b, &len);
        if (b + len != hi)   /* not one whole character: the last byte alone */
            b = hi - 1;
        r = st_buf_append(out, s.p + b, (size_t)(hi - b), err);
        hi = b;
    }
    return r;
}

static st_status r_chr(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                       bool *is_null, st_error *err)
{
    int64_t n = ((const int64_t *)args[0]->values)[i];
    if (n < 0)
        return ST_OK;
    return put_cp(out, (int32_t)(n & 0xFF), err);
}

static st_status r_translate(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                             bool *is_null, st_error *err)
{
    sv s = str_at(args[0], i), from = str_at(args[1], i), to = str_at(args[2], i);
    for (int64_t off = 0; off < s.n;) {
        int len;
        int32_t c = cp_next(s.p + off, s.n - off, &len);
        int64_t idx = 0, fo = 0;
        bool found = false;
        while (fo < from.n) {
            int fl;
            if (cp_next(from.p + fo, from.n - fo, &fl) == c) {
                found = true;
                break;
            }
            fo += fl;
            idx++;
        }
        st_status r = ST_OK;
        if (!found) {
            r = st_buf_append(out, s.p + off, (size_t)len, err);
        } else {
            int64_t to_off = cp_offset(to, idx);
            if (to_off < to.n) {
                int tl;
                cp_next(to.p + to_off, to.n - to_off, &tl);
                r = st_buf_append(out, to.p + to_off, (size_t)tl, err);
            }
        }
        if (r != ST_OK)
            return r;
        off += len;
    }
    return ST_OK;
}

static st_status r_format_number(row_ctx *rc, const vec *const *args, int64_t i, st_buf *out,
                                 bool *is_null, st_error *err)
{
    double x = ((const double *)args[0]->values)[i];
    int64_t d = int_at(args[1], i);
    if (d < 0 || d > 300) {
        *is_null = true;
        return ST_OK;
    }
    if (isnan(x))
        return st_buf_append_str(out, "NaN", err);
    if (isinf(x))
        return st_buf_append_str(out, x < 0 ? "-\xE2\x88\x9E" : "\xE2\x88\x9E", err);
    char tmp[400];
    snprintf(tmp, sizeof tmp, "%.*f", (int)d, x);   /* glibc rounds the binary value half-even */
    const char *p = tmp;
    st_status r = ST_OK;
    if (*p == '-') {
        r = st_buf_append_byte(out, '-', err);
        p++;
    }
    size_t int_len = strcspn(p, ".");
    for (size_t k = 0; r == ST_OK && k < int_len; k++) {
        if (k > 0 && (int_len - k) % 3 == 0)
            r = st_buf_append_byte(out, ',', err);
        if (r == ST_OK)
            r = st_buf_append_byte(out, (uint8_t)p[k], err);
    }
    return r == ST_OK ? st_buf_append_str(out, p + int_len, err) : r;
}

/* ---- row functions: ints and bools ------------------------------------ */

static st_status r_length(row_ctx *rc, const vec *const *args, int64_t i, int64_t *out,
                          bool *is_null, st_error *err)
{
    sv s = str_at(args[0], i);
    *out = args[0]->type->id == VEC_BINARY ? s.n : cp_count(s);
    return ST_OK;
}
static st_status r_octet_length(row_ctx *rc, const vec *const *args, int64_t i, int64_t *out,
                                bool *is_null, st_error *err)
{
    *out = str_at(args[0], i).n;
    return ST_OK;
}
static st_status r_instr(row_ctx *rc, const vec *const *args, int64_t i, int64_t *out,
                         bool *is_null, st_error *err)
{
    sv s = str_at(args[0], i);
    int64_t hit = find_bytes(s, str_at(args[1], i), 0);
    *out = hit < 0 ? 0 : cp_index(s, hit) + 1;
    return ST_OK;
}
static st_status r_locate(row_ctx *rc, const vec *const *args, int64_t i, int64_t *out,
                          bool *is_null, st_error *err)
{
    sv sub = str_at(args[0], i), s = str_at(args[1], i);
    int64_t start = rc->f->n_args == 3 ? int_at(args[2], i) : 1;
    if (start < 1) {
        *out = 0;
        return ST_OK;
    }
    if (sub.n == 0) {            /* UTF8String.indexOf of "" is 0 wherever it starts */
        *out = 1;
        return ST_OK;
    }
    int64_t from = cp_offset(s, start - 1);
    if (cp_count(s) < start - 1) {
        *out = 0;
        return ST_OK;
    }
    int64_t hit = find_bytes(s, sub, from);
    *out = hit < 0 ? 0 : cp_index(s, hit) + 1;
    return ST_OK;
}
static st_status r_ascii(row_ctx *rc, const vec *const *args, int64_t i, int64_t *out,
                         bool *is_null, st_error *err)
{
    sv s = str_at(args[0], i);
    int len;
    *out = s.n == 0 ? 0 : cp_next(s.p, s.n, &len);
    return ST_OK;
}
static st_status r_rlike(row_ctx *rc, const vec *const *args, int64_t i, int64_t *out,
                         bool *is_null, st_error *err)
{
    pcre2_code *re;
    st_status r = row_regex(rc, args[1], i, &re, err);
    PCRE2_SIZE *ov;
    if (r == ST_OK)
        *out = regex_find(rc, re, str_at(args[0], i), 0, &ov);
    return r;
}
static st_status r_startswith(row_ctx *rc, const vec *const *args, int64_t i, int64_t *out,
                              bool *is_null, st_error *err)
{
    sv s = str_at(args[0], i), p = str_at(args[1], i);
    *out = p.n <= s.n && st_memcmp(s.p, p.p, (size_t)p.n) == 0;
    return ST_OK;
}
static st_status r_endswith(row_ctx *rc, const vec *const *args, int64_t i, int64_t *out,
                            bool *is_null, st_error *err)
{
    sv s = str_at(args[0], i), p = str_at(args[1], i);
    *out = p.n <= s.n && st_memcmp(s.p + s.n - p.n, p.p, (size_t)p.n) == 0;
    return ST_OK;
}
static st_status r_contains(row_ctx *rc, const vec *const *args, int64_t i, int64_t *out,
                            bool *is_null, st_error *err)
{
    *out = find_bytes(str_at(args[0], i), str_at(args[1], i), 0) >= 0;
    return ST_OK;
}

/* LIKE on code points: '_' one character, '%' any run, esc escapes the next
** character. Iterative with one backtrack point, so linear in practice. */
static int32_t fold(int32_t c, bool ci) { return ci ? utf8proc_tolower(c) : c; }
static bool like_match(sv s, sv p, int32_t esc, bool ci, bool *bad)
{
    int64_t si = 0, pi = 0, star_p = -1, star_s = 0;
    while (si < s.n) {
        int sl, pl = 0;
        int32_t sc = cp_next(s.p + si, s.n - si, &sl);
        int32_t pc = pi < p.n ? cp_next(p.p + pi, p.n - pi, &pl) : -1;
        if (pc == '%' ) {
            star_p = pi + pl;
            star_s = si;
            pi += pl;
            continue;
        }
        bool lit = false;
        int64_t adv = pl;
        if (pc == esc && pi < p.n) {
            if (pi + pl >= p.n) {
                *bad = true;
                return false;
            }
            int el;
            pc = cp_next(p.p + pi + pl, p.n - pi - pl, &el);
            adv = pl + el;
            lit = true;
        }
        if (pi < p.n && ((pc == '_' && !lit) || fold(pc, ci) == fold(sc, ci))) {
            si += sl;
            pi += adv;
        } else if (star_p >= 0) {
            int l2;
            cp_next(s.p + star_s, s.n - star_s, &l2);
            star_s += l2;
            si = star_s;
            pi = star_p;
        } else {
            return false;
        }
    }
    while (pi < p.n && p.p[pi] == '%')
        pi++;
    return pi == p.n;
}
/* Spark rejects an escape that ends the pattern or precedes anything but
** '_', '%' or the escape character itself. */
static st_status like_check(sv pat, int32_t esc, const char *fname, st_error *err)
{
    for (int64_t off = 0; off < pat.n;) {
        int len, l2 = 0;
        int32_t c = cp_next(pat.p + off, pat.n - off, &len);
        if (c == esc) {
            int32_t nx = off + len < pat.n ? cp_next(pat.p + off + len, pat.n - off - len, &l2) : -1;
            if (nx != '_' && nx != '%' && nx != esc)
                return st_error_set(err, ST_ERR_ARGUMENT,
                                    "the escape character cannot precede %s in %s pattern '%.*s'",
                                    nx < 0 ? "the end" : "that character", fname,
                                    (int)ST_MIN(pat.n, 200), (const char *)pat.p);
            len += l2;
        }
        off += len;
    }
    return ST_OK;
}

static st_status r_like(row_ctx *rc, const vec *const *args, int64_t i, int64_t *out,
                        bool *is_null, st_error *err)
{
    int32_t esc = '\\';
    if (rc->f->n_args == 3) {
        sv e = str_at(args[2], i);
        int len = 0;
        if (e.n == 0 || (cp_next(e.p, e.n, &len), len != e.n))
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "escape string '%.*s' in %s must be one character", (int)e.n,
                                (const char *)e.p, rc->f->name);
        esc = cp_next(e.p, e.n, &len);
    }
    bool bad = false;
    sv pat = str_at(args[1], i);
    st_status r = like_check(pat, esc, rc->f->name, err);
    if (r != ST_OK)
        return r;
    *out = like_match(str_at(args[0], i), pat, esc, rc->f->name[0] == 'i', &bad);
    if (bad)
        return st_error_set(err, ST_ERR_ARGUMENT, "pattern '%.*s' in %s ends with the escape character",
                            (int)ST_MIN(pat.n, 200), (const char *)pat.p, rc->f->name);
    return ST_OK;
}

/* ---- LIKE / ILIKE with a constant pattern -------------------------------
** The pattern (and escape) are compiled once at resolve time. Without '_'
** a pattern is literal segments separated by runs of '%': no '%' is an
** equality, 'a%' a prefix, '%a' a suffix, '%a%' one memmem and '%a%b%'
** successive leftmost memmem calls (leftmost is optimal for this class).
** Literal segments are valid UTF-8, so byte matching agrees with matching
** code points on valid UTF-8 input. ILIKE lowercases the pattern once and
** lowercases ASCII rows into a scratch buffer; rows with non-ASCII bytes
** (whose lowercase mapping may change length) take the code-point matcher,
** as do patterns with '_'. */

struct like_plan {
    bool     ci;            /* ILIKE */
    bool     general;       /* '_' present: like_match on pat for every row */
    bool     has_wild;      /* at least one unescaped '%' */
    bool     anchor_start;  /* the first token is a literal */
    bool     anchor_end;    /* the last token is a literal */
    int      n_seg;         /* literal runs (non-empty) */
    sv      *seg;           /* arena; lowercased for ILIKE */
    sv       pat;           /* the pattern as written (arena copy) */
    int32_t  esc;           /* escape code point */
};

/* Compiles a constant pattern; *out stays NULL when the row path must be
** kept (non-constant arguments, invalid pattern whose error is per row). */
static st_status like_compile(const char *name, const fn_arg_info *args, int n_args, st_arena *a,
                              const like_plan **out, st_error *err)
{
    *out = NULL;
    if (args[1].type->id != VEC_STRING || !args[1].is_const || !args[1].value ||
        !vec_is_valid(args[1].value, 0))
        return ST_OK;
    int32_t esc = '\\';
    if (n_args == 3) {
        if (args[2].type->id != VEC_STRING || !args[2].is_const || !args[2].value ||
            !vec_is_valid(args[2].value, 0))
            return ST_OK;
        sv e = str_at(args[2].value, 0);
        int len = 0;
        if (e.n == 0 || (cp_next(e.p, e.n, &len), len != e.n))
            return ST_OK;
        esc = cp_next(e.p, e.n, &len);
    }
    if (esc == '%' || esc == '_')    /* like_match reads those as wildcards first */
        return ST_OK;
    sv pat = str_at(args[1].value, 0);
    st_error ignored;
    if (like_check(pat, esc, name, &ignored) != ST_OK)
        return ST_OK;
    like_plan *lp = st_arena_calloc(a, 1, sizeof *lp);
    uint8_t *copy = st_arena_alloc(a, (size_t)pat.n + 1);
    /* lowercasing can grow a code point to at most 4 bytes from >= 1 */
    uint8_t *lit = st_arena_alloc(a, (size_t)pat.n * 4 + 1);
    sv *seg = st_arena_calloc(a, (size_t)pat.n / 2 + 2, sizeof *seg);
    if (!lp || !copy || !lit || !seg)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory resolving %s", name);
    memcpy(copy, pat.p, (size_t)pat.n);
    lp->pat = (sv){copy, pat.n};
    lp->esc = esc;
    lp->ci = name[0] == 'i';
    lp->seg = seg;
    int64_t n_lit = 0, seg_start = 0;
    bool last_wild = false;
    for (int64_t off = 0; off < pat.n;) {
        int len;
        int32_t c = cp_next(pat.p + off, pat.n - off, &len);
        if (len == 1 && c >= 0x80) {        /* invalid UTF-8 in the pattern */
            lp->general = true;
            break;
        }
        bool literal = false;
        if (c == esc) {
            int l2;
            c = cp_next(pat.p + off + len, pat.n - off - len, &l2);   /* like_check: exists */
            if (l2 == 1 && c >= 0x80) {
                lp->general = true;
                break;
            }
            len += l2;
            literal = true;
        }
        off += len;
        if (!literal && c == '_') {
            lp->general = true;
            break;
        }
        if (!literal && c == '%') {
            if (off == len)
                lp->anchor_start = false;
            if (n_lit > seg_start)
                seg[lp->n_seg++] = (sv){lit + seg_start, n_lit - seg_start};
            seg_start = n_lit;
            lp->has_wild = true;
            last_wild = true;
            continue;
        }
        if (off == len)
            lp->anchor_start = true;
        last_wild = false;
        utf8proc_ssize_t k = utf8proc_encode_char(lp->ci ? utf8proc_tolower(c) : c, lit + n_lit);
        if (k <= 0) {
            lp->general = true;
            break;
        }
        n_lit += k;
    }
    if (!lp->general) {
        if (n_lit > seg_start)
            seg[lp->n_seg++] = (sv){lit + seg_start, n_lit - seg_start};
        lp->anchor_end = pat.n > 0 && !last_wild;
    }
    *out = lp;
    return ST_OK;
}

/* Segment match of a plan without '_' over bytes s[0..n). */
static bool like_segments(const like_plan *lp, const uint8_t *s, int64_t n)
{
    const sv *seg = lp->seg;
    if (!lp->has_wild)
        return lp->n_seg == 0 ? n == 0 : n == seg[0].n && st_memcmp(s, seg[0].p, (size_t)n) == 0;
    int k = 0, last = lp->n_seg;
    int64_t pos = 0, end = n;
    if (lp->anchor_start) {
        if (n < seg[0].n || st_memcmp(s, seg[0].p, (size_t)seg[0].n) != 0)
            return false;
        pos = seg[0].n;
        k = 1;
    }
    if (lp->anchor_end) {
        const sv *t = &seg[--last];
        if (end - pos < t->n || st_memcmp(s + n - t->n, t->p, (size_t)t->n) != 0)
            return false;
        end = n - t->n;
    }
    for (; k < last; k++) {
        if (end - pos < seg[k].n)
            return false;
        const uint8_t *hit = memmem(s + pos, (size_t)(end - pos), seg[k].p, (size_t)seg[k].n);
        if (!hit)
            return false;
        pos = (hit - s) + seg[k].n;
    }
    return true;
}

static st_status k_like(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                        int64_t n, st_arena *a, vec **out, st_error *err)
{
    (void)ctx;
    const like_plan *lp = ((const str_state *)f->state)->like;
    const vec *s = args[0];
    vec *v = vec_new(a, &f->ret, n);
    if (!v)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory in %s", f->name);
    bool all_null = s->type->id == VEC_NULL;
    if (all_null || s->validity) {
        st_status r = vec_alloc_validity(a, v, err);
        if (r != ST_OK)
            return r;
    }
    uint8_t *bits = v->values;
    uint8_t *low = NULL;           /* ILIKE scratch (heap) */
    size_t low_cap = 0;
    int64_t nulls = 0;
    for (int64_t i = 0; i < n; i++) {
        if (all_null || !vec_is_valid(s, i)) {
            vec_bit_clear(v->validity, i);
            nulls++;
            continue;
        }
        sv x = str_at(s, i);
        bool m;
        if (lp->general) {
            bool bad = false;
            m = like_match(x, lp->pat, lp->esc, lp->ci, &bad);
        } else if (!lp->ci) {
            m = like_segments(lp, x.p, x.n);
        } else {
            uint8_t acc = 0;
            for (int64_t j = 0; j < x.n; j++)
                acc |= x.p[j];
            if (acc & 0x80) {
                bool bad = false;
                m = like_match(x, lp->pat, lp->esc, true, &bad);
            } else {
                if ((size_t)x.n > low_cap) {
                    size_t cap = (size_t)x.n * 2 + 64;
                    uint8_t *nb = st_realloc(low, cap);
                    if (!nb) {
                        st_free(low);
                        return st_error_set(err, ST_ERR_NOMEM, "out of memory in %s", f->name);
                    }
                    low = nb;
                    low_cap = cap;
                }
                for (int64_t j = 0; j < x.n; j++) {
                    uint8_t c = x.p[j];
                    low[j] = c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
                }
                m = like_segments(lp, low, x.n);
            }
        }
        if (m)
            vec_bit_set(bits, i);
    }
    st_free(low);
    if (v->validity)
        v->null_count = nulls;
    vec_finish_validity(v);
    *out = v;
    return ST_OK;
}

/* ---- row functions: arrays -------------------------------------------- */

static st_status r_split(row_ctx *rc, const vec *const *args, int64_t i, vec_builder *b,
                         bool *is_null, st_error *err)
{
    pcre2_code *re;
    st_status r = row_regex(rc, args[1], i, &re, err);
    if (r != ST_OK)
        return r;
    sv s = str_at(args[0], i);
    int64_t limit = rc->f->n_args == 3 ? int_at(args[2], i) : -1;
    vec_builder *c = vec_builder_child(b, 0);
    int64_t n_out = 0, copied = 0, search = 0;
    PCRE2_SIZE *ov;
    while (search <= s.n && (limit <= 0 || n_out < limit - 1) && regex_find(rc, re, s, search, &ov)) {
        int64_t m0 = (int64_t)ov[0], m1 = (int64_t)ov[1];
        if (m1 == m0) {
            search = next_cp_off(s, m1);
            if (m0 == 0 || m0 >= s.n)   /* no empty piece at either end */
                continue;
        } else {
            search = m1;
        }
        if ((r = vec_builder_append_bytes(c, s.p + copied, (size_t)(m0 - copied), err)) != ST_OK)
            return r;
        n_out++;
        copied = m1;
    }
    if ((r = vec_builder_append_bytes(c, s.p + copied, (size_t)(s.n - copied), err)) != ST_OK)
        return r;
    return vec_builder_end_list(b, err);
}

/* ---- specs, resolver, kernels ----------------------------------------- */

static const str_spec STR_SPECS[] = {
    {"concat", "s*", 's', false, r_concat, NULL, NULL, -1},
    {"concat_ws", "sa*", 's', true, r_concat_ws, NULL, NULL, -1},
    {"substring", "si|i", 's', false, r_substr, NULL, NULL, -1},
    {"substr", "si|i", 's', false, r_substr, NULL, NULL, -1},
    {"left", "si", 's', false, r_left, NULL, NULL, -1},
    {"right", "si", 's', false, r_right, NULL, NULL, -1},
    {"upper", "s", 's', false, r_upper, NULL, NULL, -1},
    {"ucase", "s", 's', false, r_upper, NULL, NULL, -1},
    {"lower", "s", 's', false, r_lower, NULL, NULL, -1},
    {"lcase", "s", 's', false, r_lower, NULL, NULL, -1},
    {"initcap", "s", 's', false, r_initcap, NULL, NULL, -1},
    {"trim", "s|s", 's', false, r_trim, NULL, NULL, -1},
    {"ltrim", "s|s", 's', false, r_trim, NULL, NULL, -1},
    {"rtrim", "s|s", 's', false, r_trim, NULL, NULL, -1},
    {"btrim", "s|s", 's', false, r_trim, NULL, NULL, -1},
    {"replace", "ss|s", 's', false, r_replace, NULL, NULL, -1},
    {"regexp_replace", "sss|i", 's', false, r_regexp_replace, NULL, NULL, 1},
    {"regexp_extract", "ss|i", 's', false, r_regexp_extract, NULL, NULL, 1},
    {"lpad", "si|s", 's', false, r_lpad, NULL, NULL, -1},
    {"rpad", "si|s", 's', false, r_rpad, NULL, NULL, -1},
    {"repeat", "si", 's', false, r_repeat, NULL, NULL, -1},
    {"reverse", "s", 's', false, r_reverse, NULL, NULL, -1},
    {"chr", "l", 's', false, r_chr, NULL, NULL, -1},
    {"char", "l", 's', false, r_chr, NULL, NULL, -1},
    {"translate", "sss", 's', false, r_translate, NULL, NULL, -1},
    {"format_number", "di", 's', false, r_format_number, NULL, NULL, -1},
    {"length", "s", 'i', false, NULL, r_length, NULL, -1},
    {"char_length", "s", 'i', false, NULL, r_length, NULL, -1},
    {"character_length", "s", 'i', false, NULL, r_length, NULL, -1},
    {"octet_length", "s", 'i', false, NULL, r_octet_length, NULL, -1},
    {"instr", "ss", 'i', false, NULL, r_instr, NULL, -1},
    {"locate", "ss|i", 'i', false, NULL, r_locate, NULL, -1},
    {"position", "ss|i", 'i', false, NULL, r_locate, NULL, -1},
    {"ascii", "s", 'i', false, NULL, r_ascii, NULL, -1},
    {"rlike", "ss", 'b', false, NULL, r_rlike, NULL, 1},
    {"regexp", "ss", 'b', false, NULL, r_rlike, NULL, 1},
    {"regexp_like", "ss", 'b', false, NULL, r_rlike, NULL, 1},
    {"like", "ss|s", 'b', false, NULL, r_like, NULL, -1},
    {"ilike", "ss|s", 'b', false, NULL, r_like, NULL, -1},
    {"startswith", "ss", 'b', false, NULL, r_startswith, NULL, -1},
    {"endswith", "ss", 'b', false, NULL, r_endswith, NULL, -1},
    {"contains", "ss", 'b', false, NULL, r_contains, NULL, -1},
    {"split", "ss|i", 'l', false, NULL, NULL, r_split, 1},
};

static st_status bind_error(const char *name, const fn_arg_info *args, int n_args,
                            const char *sig, st_error *err)
{
    bool has_int = strchr(sig, 'i') || strchr(sig, 'l');
    return fn_no_overload(name, args, n_args, has_int ? "strings and integers" : "strings", err);
}

static bool castable_scalar(vec_type_id id)
{
    return !vec_type_is_nested(id);
}
static bool is_number(vec_type_id id) { return id >= VEC_INT8 && id <= VEC_DECIMAL; }

/* Kind of parameter k of sig, or 0 when out of range. */
static char sig_kind(const char *sig, int k)
{
    char last = 0;
    int idx = 0;
    for (const char *p = sig; *p; p++) {
        if (*p == '|')
            continue;
        if (*p == '*')
            return last;
        if (idx++ == k)
            return *p;
        last = *p;
    }
    return 0;
}

static st_status resolve_string(const char *name, const fn_arg_info *args, int n_args,
                                st_arena *a, fn_bound *out, st_error *err)
{
    const str_spec *spec = NULL;
    for (size_t i = 0; i < ST_ARRAY_LEN(STR_SPECS); i++)
        if (strcmp(STR_SPECS[i].name, name) == 0)
            spec = &STR_SPECS[i];
    if (!spec)
        return st_error_set(err, ST_ERR_INTERNAL, "function %s has no string spec", name);
    memset(out, 0, sizeof *out);
    out->name = spec->name;
    out->n_args = n_args;
    out->ret_nullable = true;
    out->deterministic = true;
    for (int k = 0; k < n_args; k++) {
        const vec_type *t = args[k].type;
        char kind = sig_kind(spec->sig, k);
        if (kind == 'a' && t->id == VEC_LIST && t->children[0].type.id == VEC_STRING)
            continue;
        if (kind == 'a')
            kind = 's';
        if (kind == 's' && t->id != VEC_STRING) {
            if (!castable_scalar(t->id) || (t->id == VEC_BINARY && strcmp(name, "length") &&
                                            strcmp(name, "octet_length")))
                return bind_error(name, args, n_args, spec->sig, err);
            if (t->id != VEC_BINARY)
                out->cast_to[k] = T_STRING;
        } else if ((kind == 'i' || kind == 'l' || kind == 'd')) {
            vec_type_id want = kind == 'i' ? VEC_INT32 : kind == 'l' ? VEC_INT64 : VEC_DOUBLE;
            if (!is_number(t->id) && t->id != VEC_STRING && t->id != VEC_NULL)
                return bind_error(name, args, n_args, spec->sig, err);
            if (t->id != want)
                out->cast_to[k] = (vec_type){.id = want};
        }
    }
    if (spec->ret == 's')
        out->ret = T_STRING;
    else if (spec->ret == 'i')
        out->ret = T_INT32;
    else if (spec->ret == 'b')
        out->ret = T_BOOL;
    else {
        vec_field *el = st_arena_calloc(a, 1, sizeof *el);
        if (!el)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory resolving %s", name);
        el->name = "element";
        el->type = T_STRING;
        el->nullable = true;
        out->ret = (vec_type){.id = VEC_LIST, .n_children = 1, .children = el};
    }
    str_state *st = st_arena_calloc(a, 1, sizeof *st);
    if (!st)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory resolving %s", name);
    st->spec = spec;
    int ra = spec->regex_arg;
    if (ra >= 0 && ra < n_args && args[ra].is_const && args[ra].type->id == VEC_STRING &&
        vec_is_valid(args[ra].value, 0)) {
        pcre2_general_context *gc = pcre2_general_context_create(arena_malloc, arena_free, a);
        if (!gc)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory resolving %s", name);
        st_status r = regex_compile(name, str_at(args[ra].value, 0), gc, &st->re, err);
        if (r != ST_OK)
            return r;
    }
    out->state = st;
    return ST_OK;
}

/* False when no argument holds a null (row checks can be skipped). */
static bool args_may_null(const vec *const *args, int n_args)
{
    for (int k = 0; k < n_args; k++)
        if (args[k]->type->id == VEC_NULL || args[k]->validity)
            return true;
    return false;
}

/* A null-propagation pass: true when row i of any argument is null. */
static bool any_null(const vec *const *args, int n_args, int64_t i)
{
    for (int k = 0; k < n_args; k++)
        if (args[k]->type->id == VEC_NULL || !vec_is_valid(args[k], i))
            return true;
    return false;
}

/* String results written straight into one byte buffer and the offsets
** (no per-row builder calls): row functions only append to their buffer. */
static st_status k_string_str(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                              int64_t n, st_arena *a, vec **out, st_error *err)
{
    const str_state *st = f->state;
    const str_spec *spec = st->spec;
    row_ctx rc = {.f = f, .ctx = ctx};
    vec *v = vec_new(a, &f->ret, n);
    if (!v)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory in %s", f->name);
    int32_t *off = vec_offsets(v);
    st_buf buf;
    st_buf_init(&buf);
    st_status r = ST_OK;
    bool check = !spec->own_nulls && args_may_null(args, f->n_args);
    for (int64_t i = 0; r == ST_OK && i < n; i++) {
        size_t start = buf.len;
        bool is_null = check && any_null(args, f->n_args, i);
        if (!is_null)
            r = spec->fs(&rc, args, i, &buf, &is_null, err);
        if (r != ST_OK)
            break;
        if (is_null) {
            buf.len = start;
            r = vec_set_null(a, v, i, err);
        } else if (buf.len > INT32_MAX) {
            r = st_error_set(err, ST_ERR_LIMIT, "results of %s exceed 2 GiB in one batch",
                             f->name);
        }
        off[i + 1] = (int32_t)buf.len;
    }
    if (r == ST_OK && buf.len > 0) {
        uint8_t *bytes = st_arena_alloc(a, buf.len);
        if (!bytes)
            r = st_error_set(err, ST_ERR_NOMEM, "out of memory in %s", f->name);
        else
            memcpy(bytes, buf.data, buf.len);
        v->bytes = bytes;
        v->n_bytes = (int64_t)buf.len;
    }
    st_buf_destroy(&buf);
    row_ctx_destroy(&rc);
    if (r == ST_OK)
        *out = v;
    return r;
}

/* One kernel for every string function; the hot loop dispatches on the
** return kind. */
static st_status k_string(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                          int64_t n, st_arena *a, vec **out, st_error *err)
{
    const str_state *st = f->state;
    const str_spec *spec = st->spec;
    if (spec->fs && f->ret.id == VEC_STRING)
        return k_string_str(f, ctx, args, n, a, out, err);
    row_ctx rc = {.f = f, .ctx = ctx};
    vec_builder *b = vec_builder_new(&f->ret);
    st_buf buf;
    st_buf_init(&buf);
    st_status r = b ? ST_OK : st_error_set(err, ST_ERR_NOMEM, "out of memory in %s", f->name);
    bool check = !spec->own_nulls && args_may_null(args, f->n_args);
    for (int64_t i = 0; r == ST_OK && i < n; i++) {
        bool is_null = check && any_null(args, f->n_args, i);
        if (is_null) {
            r = vec_builder_append_null(b, err);
            continue;
        }
        int64_t iv = 0;
        st_buf_clear(&buf);
        if (spec->fs)
            r = spec->fs(&rc, args, i, &buf, &is_null, err);
        else if (spec->fi)
            r = spec->fi(&rc, args, i, &iv, &is_null, err);
        else
            r = spec->fl(&rc, args, i, b, &is_null, err);
        if (r != ST_OK)
            break;
        if (is_null)
            r = vec_builder_append_null(b, err);
        else if (spec->fs)
            r = vec_builder_append_bytes(b, buf.data ? buf.data : (const uint8_t *)"", buf.len, err);
        else if (spec->ret == 'b')
            r = vec_builder_append_bool(b, iv != 0, err);
        else if (spec->fi)
            r = vec_builder_append_i64(b, iv, err);
    }
    if (r == ST_OK)
        r = vec_builder_finish(b, a, out, err);
    st_buf_destroy(&buf);
    vec_builder_free(b);
    row_ctx_destroy(&rc);
    return r;
}

static st_status resolve_any(const char *name, const fn_arg_info *args, int n_args, st_arena *a,
                             fn_bound *out, st_error *err)
{
    st_status r = resolve_string(name, args, n_args, a, out, err);
    if (r != ST_OK)
        return r;
    out->kernel = k_string;
    if (strcmp(name, "like") == 0 || strcmp(name, "ilike") == 0) {
        const like_plan *lp;
        if ((r = like_compile(name, args, n_args, a, &lp, err)) != ST_OK)
            return r;
        if (lp) {
            ((str_state *)out->state)->like = lp;
            out->kernel = k_like;
        }
    }
    return ST_OK;
}

const fn_def fn_defs_string[] = {
    {"concat", 0, -1, resolve_any},
    {"concat_ws", 1, -1, resolve_any},
    {"substring", 2, 3, resolve_any},
    {"substr", 2, 3, resolve_any},
    {"left", 2, 2, resolve_any},
    {"right", 2, 2, resolve_any},
    {"upper", 1, 1, resolve_any},
    {"ucase", 1, 1, resolve_any},
    {"lower", 1, 1, resolve_any},
    {"lcase", 1, 1, resolve_any},
    {"initcap", 1, 1, resolve_any},
    {"trim", 1, 2, resolve_any},
    {"ltrim", 1, 2, resolve_any},
    {"rtrim", 1, 2, resolve_any},
    {"btrim", 1, 2, resolve_any},
    {"replace", 2, 3, resolve_any},
    {"regexp_replace", 3, 4, resolve_any},
    {"regexp_extract", 2, 3, resolve_any},
    {"lpad", 2, 3, resolve_any},
    {"rpad", 2, 3, resolve_any},
    {"repeat", 2, 2, resolve_any},
    {"reverse", 1, 1, resolve_any},
    {"chr", 1, 1, resolve_any},
    {"char", 1, 1, resolve_any},
    {"translate", 3, 3, resolve_any},
    {"format_number", 2, 2, resolve_any},
    {"length", 1, 1, resolve_any},
    {"char_length", 1, 1, resolve_any},
    {"character_length", 1, 1, resolve_any},
    {"octet_length", 1, 1, resolve_any},
    {"instr", 2, 2, resolve_any},
    {"locate", 2, 3, resolve_any},
    {"position", 2, 3, resolve_any},
    {"ascii", 1, 1, resolve_any},
    {"rlike", 2, 2, resolve_any},
    {"regexp", 2, 2, resolve_any},
    {"regexp_like", 2, 2, resolve_any},
    {"like", 2, 3, resolve_any},
    {"ilike", 2, 3, resolve_any},
    {"startswith", 2, 2, resolve_any},
    {"endswith", 2, 2, resolve_any},
    {"contains", 2, 2, resolve_any},
    {"split", 2, 3, resolve_any},
    {NULL, 0, 0, NULL},
};
