/* fn_like_test.c -- LIKE / ILIKE (func/fn_string.c) for every class of
** constant pattern the resolver compiles (equality, prefix, suffix,
** contains, several segments, '_', escapes, UTF-8, ILIKE) and NULL rows.
** Each case runs twice: with the pattern constant (the compiled path) and
** with the pattern as a per-row column (the code-point matcher), and both
** must give the expected answer, so the two paths are checked against each
** other as well as against the values Spark returns. */
#include <criterion/criterion.h>
#include <string.h>

#include "func/fn_int.h"

static st_arena *A;
static fn_context CTX = {.ansi = false, .now_micros = 0, .time_zone = "UTC"};
static vec_type t_str = {.id = VEC_STRING};

static void setup(void) { A = st_arena_new(0); }
static void teardown(void) { st_arena_free(A); }

TestSuite(fn_like, .init = setup, .fini = teardown);

/* n strings (NULL entries are NULL rows). */
static vec *vstrs(int n, const char *const *s)
{
    st_error err;
    vec_builder *b = vec_builder_new(&t_str);
    for (int i = 0; i < n; i++) {
        if (s[i])
            cr_assert_eq(vec_builder_append_bytes(b, s[i], strlen(s[i]), &err), ST_OK);
        else
            cr_assert_eq(vec_builder_append_null(b, &err), ST_OK);
    }
    vec *v;
    cr_assert_eq(vec_builder_finish(b, A, &v, &err), ST_OK);
    vec_builder_free(b);
    return v;
}

static const fn_def *find_def(const char *name)
{
    for (const fn_def *d = fn_defs_string; d->name; d++)
        if (strcmp(d->name, name) == 0)
            return d;
    cr_assert_fail("no function %s", name);
    return NULL;
}

/* Runs name(subjects, pattern[, escape]) over n rows; const_pat picks the
** compiled path (pattern and escape are constants) or the row path. */
static st_status run(const char *name, int n, const char *const *subj, const char *pat,
                     const char *esc, bool const_pat, vec **out, st_error *err)
{
    const fn_def *d = find_def(name);
    const char *pats[16], *escs[16];
    cr_assert(n <= 16);
    for (int i = 0; i < n; i++) {
        pats[i] = pat;
        escs[i] = esc;
    }
    int n_args = esc ? 3 : 2;
    vec *argv[3] = {vstrs(n, subj), vstrs(const_pat ? 1 : n, pats),
                    esc ? vstrs(const_pat ? 1 : n, escs) : NULL};
    fn_arg_info info[3] = {{0}};
    for (int k = 0; k < n_args; k++)
        info[k] = (fn_arg_info){.type = argv[k]->type, .is_const = k > 0 && const_pat,
                                .value = argv[k]};
    fn_bound fb;
    st_status rc = d->resolve(name, info, n_args, A, &fb, err);
    if (rc != ST_OK)
        return rc;
    const vec *args[3];
    int32_t zeros[16] = {0};
    for (int k = 0; k < n_args; k++) {
        args[k] = argv[k];
        if (argv[k]->len == 1 && n > 1) {   /* constants arrive as n_rows copies */
            vec *c;
            cr_assert_eq(vec_take(A, argv[k], zeros, n, &c, err), ST_OK);
            args[k] = c;
        }
    }
    rc = fb.kernel(&fb, &CTX, args, n, A, out, err);
    if (rc == ST_OK)
        cr_assert_eq((*out)->len, n);
    return rc;
}

/* expect: '1' match, '0' no match, 'N' NULL, one per subject. */
static void check(const char *name, const char *pat, const char *esc, int n,
                  const char *const *subj, const char *expect)
{
    for (int pass = 0; pass < 2; pass++) {
        vec *out;
        st_error err;
        st_status rc = run(name, n, subj, pat, esc, pass == 0, &out, &err);
        cr_assert_eq(rc, ST_OK, "%s '%s': %s", name, pat, err.msg);
        for (int i = 0; i < n; i++) {
            char got = !vec_is_valid(out, i) ? 'N' : vec_bit_get(out->values, i) ? '1' : '0';
            cr_assert_eq(got, expect[i], "%s %s '%s' on '%s': got %c want %c",
                         pass == 0 ? "const" : "row", name, pat, subj[i] ? subj[i] : "NULL",
                         got, expect[i]);
        }
    }
}
#define CHECK(name, pat, esc, expect, ...)                                                    \
    check(name, pat, esc, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *)),      \
          (const char *[]){__VA_ARGS__}, expect)

Test(fn_like, equality)
{
    CHECK("like", "abc", NULL, "1000N0", "abc", "abcd", "ab", "ABC", NULL, "");
    CHECK("like", "", NULL, "10", "", "a");
}

Test(fn_like, prefix)
{
    CHECK("like", "PROMO%", NULL, "1100N", "PROMO BRUSHED", "PROMO", "PROM", "xPROMO", NULL);
    CHECK("like", "a%%", NULL, "110", "a", "ab", "ba");
}

Test(fn_like, suffix)
{
    CHECK("like", "%BRASS", NULL, "11000", "LARGE BRASS", "BRASS", "BRAS", "BRASSY", "brass");
}

Test(fn_like, contains)
{
    CHECK("like", "%green%", NULL, "11110N", "green", "dark green tea", "greenish", "evergreen",
          "gren", NULL);
    CHECK("like", "%", NULL, "11N", "", "x", NULL);
    CHECK("like", "%%", NULL, "11", "", "x");
}

Test(fn_like, multi_segment)
{
    CHECK("like", "%special%requests%", NULL, "11000",
          "the special pending requests", "specialrequests", "requests special",
          "special", "requests");
    /* segments may not overlap */
    CHECK("like", "%aba%aba%", NULL, "100", "abaaba", "ababa", "aba");
    CHECK("like", "a%b%c", NULL, "11000", "abc", "aXbYc", "ab", "bc", "abcx");
    CHECK("like", "ab%ba", NULL, "0110", "aba", "abba", "abxba", "ab");
    CHECK("like", "%Customer%Complaints%", NULL, "10", "x Customer y Complaints z",
          "Complaints Customer");
}

Test(fn_like, underscore)
{
    CHECK("like", "_park", NULL, "1100", "Spark", "xpark", "park", "Sparks");
    CHECK("like", "a_c%", NULL, "1100", "abc", "axcde", "ac", "abd");
    CHECK("like", "%a_", NULL, "1100", "ab", "xxab", "a", "ba");
    CHECK("like", "_", NULL, "1001", "\xc3\xa9", "ab", "", "\xe2\x82\xac");
}

Test(fn_like, escape)
{
    CHECK("like", "a\\_c", NULL, "10", "a_c", "abc");
    CHECK("like", "100\\%", NULL, "100", "100%", "1000", "100%x");
    CHECK("like", "%\\%%", NULL, "110", "50%", "%", "50");
    CHECK("like", "%\\\\%", NULL, "10", "a\\b", "ab");
    CHECK("like", "a/%c", "/", "10", "a%c", "abc");
    CHECK("like", "%/_%", "/", "10", "x_y", "xy");
    CHECK("like", "%a%b", "a", "110", "%b", "x%b", "xb");   /* escape a: "a%" is a literal percent */
}

Test(fn_like, escape_errors_stay_per_row)
{
    /* an invalid pattern is reported by the kernel, as the row path does */
    const char *subj[1] = {"a"};
    for (int pass = 0; pass < 2; pass++) {
        vec *out;
        st_error err;
        cr_assert_eq(run("like", 1, subj, "a\\", NULL, pass == 0, &out, &err), ST_ERR_ARGUMENT);
        cr_assert_eq(run("like", 1, subj, "a\\b", NULL, pass == 0, &out, &err), ST_ERR_ARGUMENT);
        cr_assert(strstr(err.msg, "'a\\b'") != NULL, "%s", err.msg);
    }
}

Test(fn_like, utf8)
{
    CHECK("like", "%\xc3\xa9t\xc3\xa9%", NULL, "110", "un \xc3\xa9t\xc3\xa9 chaud",
          "\xc3\xa9t\xc3\xa9", "ete");
    CHECK("like", "\xe2\x82\xac%", NULL, "10", "\xe2\x82\xac" "5", "5\xe2\x82\xac");
    CHECK("like", "_\xc3\xa9%", NULL, "110", "\xc3\xa9\xc3\xa9", "x\xc3\xa9y", "\xc3\xa9");
}

Test(fn_like, ilike)
{
    CHECK("ilike", "%SPECIAL%requests%", NULL, "110N", "Special REQUESTS", "special requests",
          "requests special", NULL);
    CHECK("ilike", "abc", NULL, "1110", "ABC", "abc", "aBc", "abd");
    CHECK("ilike", "pro%", NULL, "110", "PROMO", "Prod", "xpro");
    CHECK("ilike", "%ss", NULL, "110", "BRASS", "brass", "bras");
    /* non-ASCII rows and patterns: code point lowercasing */
    CHECK("ilike", "\xc3\xa9" "c%", NULL, "110", "\xc3\x89" "COLE", "\xc3\xa9" "cole", "ecole");
    CHECK("ilike", "%\xc3\x89T\xc3\x89", NULL, "10", "l'\xc3\xa9t\xc3\xa9", "ete");
    /* KELVIN SIGN lowercases to ASCII 'k' */
    CHECK("ilike", "\xe2\x84\xaa%", NULL, "110", "kelvin", "Kelvin", "x");
    CHECK("ilike", "_PARK", NULL, "110", "Spark", "\xc3\xa9park", "park");
}

Test(fn_like, nulls)
{
    CHECK("like", "%a%", NULL, "NN1", NULL, NULL, "a");
    /* a NULL pattern makes every row NULL */
    const char *subj[2] = {"a", NULL};
    vec *argv[2] = {vstrs(2, subj), vstrs(1, (const char *[]){NULL})};
    fn_arg_info info[2] = {{.type = argv[0]->type}, {.type = argv[1]->type, .is_const = true,
                                                      .value = argv[1]}};
    fn_bound fb;
    st_error err;
    cr_assert_eq(find_def("like")->resolve("like", info, 2, A, &fb, &err), ST_OK);
    vec *pat2;
    int32_t zeros[2] = {0, 0};
    cr_assert_eq(vec_take(A, argv[1], zeros, 2, &pat2, &err), ST_OK);
    const vec *args[2] = {argv[0], pat2};
    vec *out;
    cr_assert_eq(fb.kernel(&fb, &CTX, args, 2, A, &out, &err), ST_OK);
    cr_assert(!vec_is_valid(out, 0) && !vec_is_valid(out, 1));
}

/* ---- substring fast paths (positions from the start walk only the piece;
** one byte per character when a string is ASCII) ---------------------------- */

static const char *substr1(const char *s, int32_t pos, int32_t len, bool with_len)
{
    const fn_def *d = find_def("substring");
    static const vec_type t_i32 = {.id = VEC_INT32};
    vec *argv[3];
    argv[0] = vstrs(1, (const char *[]){s});
    st_error err;
    for (int k = 1; k < 3; k++) {
        vec_builder *b = vec_builder_new(&t_i32);
        cr_assert_eq(vec_builder_append_i64(b, k == 1 ? pos : len, &err), ST_OK);
        cr_assert_eq(vec_builder_finish(b, A, &argv[k], &err), ST_OK);
        vec_builder_free(b);
    }
    int n_args = with_len ? 3 : 2;
    fn_arg_info info[3];
    for (int k = 0; k < n_args; k++)
        info[k] = (fn_arg_info){.type = argv[k]->type, .is_const = false, .value = argv[k]};
    fn_bound fb;
    cr_assert_eq(d->resolve("substring", info, n_args, A, &fb, &err), ST_OK);
    vec *out;
    cr_assert_eq(fb.kernel(&fb, &CTX, (const vec *const *)argv, 1, A, &out, &err), ST_OK);
    const int32_t *o = vec_offsets(out);
    return st_arena_strndup(A, (const char *)out->bytes + o[0], (size_t)(o[1] - o[0]));
}

Test(fn_like, substring_positions)
{
    cr_assert_str_eq(substr1("abc", 5, 2, true), "");
    cr_assert_str_eq(substr1("abc", 3, 5, true), "c");
    cr_assert_str_eq(substr1("abc", 1, 0, true), "");
    cr_assert_str_eq(substr1("abc", 0, 1, true), "a");
    cr_assert_str_eq(substr1("abc", 2, 0, false), "bc");
    cr_assert_str_eq(substr1("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 3, 0, false), "\xe8\xaa\x9e");
    cr_assert_str_eq(substr1("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 2, 1, true), "\xe6\x9c\xac");
    cr_assert_str_eq(substr1("h\xc3\xa9llo", 2, 9, true), "\xc3\xa9llo");
    cr_assert_str_eq(substr1("h\xc3\xa9llo", -2, 9, true), "lo");
    cr_assert_str_eq(substr1("h\xc3\xa9llo", -4, 1, true), "\xc3\xa9");
    cr_assert_str_eq(substr1("hello", -4, 2, true), "el");
    cr_assert_str_eq(substr1("hello", -9, 6, true), "he");   /* Spark: start -4, end 2 */
}

/* Random patterns and subjects over a small alphabet (wildcards, escapes,
** a two-byte and a three-byte character, both cases): the compiled path and
** the code-point matcher agree on every pair, errors included. */
Test(fn_like, random_patterns_agree_with_row_path)
{
    static const char *const pal[] = {"a", "b", "A", "%", "%", "_", "\\%", "\\_", "\\\\",
                                      "\xc3\xa9", "\xc3\x89", "\xe2\x82\xac", "\\"};
    static const char *const sal[] = {"a", "b", "A", "B", "\xc3\xa9", "\xc3\x89", "\xe2\x82\xac",
                                      "%", "_", "\\"};
    uint32_t seed = 12345;
    char subj[16][64];
    const char *sp[16];
    int compiled_ok = 0;
    for (int iter = 0; iter < 3000; iter++) {
        char pat[64] = "";
        for (int i = 0; i < 16; i++) {
            subj[i][0] = 0;
            seed = seed * 1103515245u + 12345u;
            int len = (int)((seed >> 16) % 7);
            for (int k = 0; k < len; k++) {
                seed = seed * 1103515245u + 12345u;
                strcat(subj[i], sal[(seed >> 16) % 10]);
            }
            sp[i] = subj[i];
        }
        seed = seed * 1103515245u + 12345u;
        int plen = (int)((seed >> 16) % 6);
        for (int k = 0; k < plen; k++) {
            seed = seed * 1103515245u + 12345u;
            strcat(pat, pal[(seed >> 16) % 13]);
        }
        for (int ci = 0; ci < 2; ci++) {
            const char *name = ci ? "ilike" : "like";
            vec *o1 = NULL, *o2 = NULL;
            st_error e1, e2;
            st_status r1 = run(name, 16, sp, pat, NULL, true, &o1, &e1);
            st_status r2 = run(name, 16, sp, pat, NULL, false, &o2, &e2);
            cr_assert_eq(r1, r2, "%s '%s': status %d vs %d", name, pat, r1, r2);
            if (r1 != ST_OK)
                continue;
            compiled_ok++;
            for (int i = 0; i < 16; i++)
                cr_assert_eq(vec_bit_get(o1->values, i), vec_bit_get(o2->values, i),
                             "%s '%s' on '%s'", name, pat, sp[i]);
        }
    }
    cr_assert_gt(compiled_ok, 3000, "most random patterns are valid");
}
