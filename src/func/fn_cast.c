/* fn_cast.c -- Spark SQL's CAST (and TRY_CAST) over whole vectors, plus the
** implicit-coercion helpers the function families share (fn_int.h).
**
** Semantics follow Spark 3.x Cast with spark.sql.ansi.enabled taken from
** fn_context.ansi: a value that does not fit or does not parse is NULL in
** non-ANSI mode and an error naming the value in ANSI mode; TRY_CAST is
** always NULL. Integral narrowing wraps (Java casts) in non-ANSI mode;
** floating -> integral truncates and saturates like Java ((int)NaN == 0);
** anything -> decimal that overflows its precision is NULL; decimal rounding
** is HALF_UP. CAST AS STRING uses Spark's text forms, which differ from the
** display forms of docs/conventions.md: doubles as Java's Double.toString
** ("1.0", "1.0E10", "1.0E-4"), timestamps "yyyy-MM-dd HH:mm:ss[.fraction]"
** with trailing zeros of the fraction dropped, arrays "[1, 2]", maps
** "{a -> 1}", structs "{1, x}", NULL elements "null".
** String -> date/timestamp accepts Spark's forms: [+-]yyyy[-[m]m[-[d]d]]
** then ' ' or 'T' and [h]h[:[m]m[:[s]s[.fraction]]] and a zone (Z, UTC, GMT,
** UT, [+-]h[h][[:]mm]). The session time zone is UTC.
** Deviations from Spark (documented): region-based zone ids ("Europe/Paris")
** and time-only strings do not parse; casts between nested types need equal
** types; date <-> numeric, boolean <-> timestamp and numeric -> binary are not
** allowed; double -> string uses the shortest round-trip digits (Java 19+
** behaviour; older JDKs sometimes print one more digit). Unsigned Parquet
** types coerce as uint8 -> short, uint16 -> int, uint32 -> long, uint64 ->
** decimal(20,0). Every parser here is written by hand (Spark's rules are not
** those of any C library). */
#include "fn_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MICROS_PER_SEC INT64_C(1000000)
#define MICROS_PER_DAY INT64_C(86400000000)

/* ---- coercion helpers ---------------------------------------------------- */

bool fn_type_is_numeric(vec_type_id id)
{
    return (id >= VEC_INT8 && id <= VEC_DOUBLE) || id == VEC_DECIMAL;
}


/* The Spark type an unsigned id coerces as (strata extension). */
static vec_type signed_equiv(const vec_type *t)
{
    vec_type r = *t;
    switch (t->id) {
    case VEC_UINT8:  r.id = VEC_INT16; break;
    case VEC_UINT16: r.id = VEC_INT32; break;
    case VEC_UINT32: r.id = VEC_INT64; break;
    case VEC_UINT64: r.id = VEC_DECIMAL; r.precision = 20; r.scale = 0; break;
    default: break;
    }
    return r;
}

/* Spark's DecimalType.forType for integral types. */
static int integral_digits(vec_type_id id)
{
    switch (id) {
    case VEC_INT8: return 3;
    case VEC_INT16: return 5;
    case VEC_INT32: return 10;
    default: return 20;
    }
}

static int numeric_rank(vec_type_id id)
{
    switch (id) {
    case VEC_INT8: return 1;
    case VEC_INT16: return 2;
    case VEC_INT32: return 3;
    case VEC_INT64: return 4;
    case VEC_FLOAT: return 6;
    case VEC_DOUBLE: return 7;
    default: return 0;
    }
}

static vec_type scalar_type(vec_type_id id)
{
    vec_type t = {0};
    t.id = id;
    return t;
}

static bool common_numeric(vec_type a, vec_type b, vec_type *out)
{
    if (a.id == VEC_DECIMAL || b.id == VEC_DECIMAL) {
        if (a.id == VEC_FLOAT || a.id == VEC_DOUBLE || b.id == VEC_FLOAT || b.id == VEC_DOUBLE) {
            *out = scalar_type(VEC_DOUBLE);
            return true;
        }
        int p1 = a.id == VEC_DECIMAL ? a.precision : integral_digits(a.id);
        int s1 = a.id == VEC_DECIMAL ? a.scale : 0;
        int p2 = b.id == VEC_DECIMAL ? b.precision : integral_digits(b.id);
        int s2 = b.id == VEC_DECIMAL ? b.scale : 0;
        int s = ST_MAX(s1, s2), range = ST_MAX(p1 - s1, p2 - s2);
        *out = scalar_type(VEC_DECIMAL);
        out->precision = (uint8_t)ST_MIN(range + s, 38);
        out->scale = (uint8_t)ST_MIN(s, 38);
        return true;
    }
    *out = scalar_type(numeric_rank(a.id) >= numeric_rank(b.id) ? a.id : b.id);
    return true;
}

static bool is_datetime(vec_type_id id)
{
    return id == VEC_DATE || id == VEC_TIMESTAMP || id == VEC_TIMESTAMP_NTZ;
}

bool fn_common_type(const vec_type *a0, const vec_type *b0, vec_type *out)
{
    if (vec_type_equal(a0, b0)) {
        *out = *a0;
        return true;
    }
    if (a0->id == VEC_NULL || b0->id == VEC_NULL) {
        *out = a0->id == VEC_NULL ? *b0 : *a0;
        return true;
    }
    vec_type a = signed_equiv(a0), b = signed_equiv(b0);
    if (vec_type_equal(&a, &b)) {
        *out = a;
        return true;
    }
    if (fn_type_is_numeric(a.id) && fn_type_is_numeric(b.id))
        return common_numeric(a, b, out);
    if (is_datetime(a.id) && is_datetime(b.id)) {
        /* date + ntz -> ntz; anything with an instant -> timestamp */
        bool inst = a.id == VEC_TIMESTAMP || b.id == VEC_TIMESTAMP;
        *out = scalar_type(inst ? VEC_TIMESTAMP : VEC_TIMESTAMP_NTZ);
        return true;
    }
    if (a.id == VEC_STRING || b.id == VEC_STRING) {
        vec_type_id o = a.id == VEC_STRING ? b.id : a.id;
        if (o != VEC_BINARY && o != VEC_BOOL && !vec_type_is_nested(o)) {
            *out = scalar_type(VEC_STRING);
            return true;
        }
    }
    return false;
}

void fn_bound_set_cast(fn_bound *f, int i, const vec_type *from, const vec_type *to)
{
    if (vec_type_equal(from, to))
        f->cast_to[i] = scalar_type(VEC_NULL);
    else
        f->cast_to[i] = *to;
}

st_status fn_no_overload(const char *name, const fn_arg_info *args, int n_args,
                         const char *takes, st_error *err)
{
    char sig[512];
    fn_types_text(args, n_args, sig, sizeof sig);
    return st_error_set(err, ST_ERR_BIND, "function %s(%s) does not exist; %s takes %s", name, sig,
                        name, takes);
}

void fn_types_text(const fn_arg_info *args, int n_args, char *buf, size_t n)
{
    size_t k = 0;
    if (n == 0)
        return;
    buf[0] = '\0';
    for (int i = 0; i < n_args && k + 1 < n; i++) {
        char t[128];
        vec_type_format(args[i].type, t, sizeof t);
        int w = snprintf(buf + k, n - k, "%s%s", i ? ", " : "", t);
        if (w < 0)
            break;
        k += (size_t)w;
    }
}

st_status fn_and_validity(st_arena *a, const vec *const *args, int n_args, int64_t n_rows,
                          vec *out, st_error *err)
{
    size_t nb = vec_bitmap_bytes(n_rows);
    uint8_t *bits = NULL;
    for (int k = 0; k < n_args; k++) {
        const vec *v = args[k];
        if (v->type->id == VEC_NULL || (v->validity == NULL && v->null_count > 0)) {
            if (!bits && !(bits = st_arena_alloc(a, nb ? nb : 1)))
                return st_error_set(err, ST_ERR_NOMEM, "out of memory for a validity bitmap");
            memset(bits, 0, nb);
            continue;
        }
        if (!v->validity)
            continue;
        if (!bits) {
            if (!(bits = st_arena_alloc(a, nb ? nb : 1)))
                return st_error_set(err, ST_ERR_NOMEM, "out of memory for a validity bitmap");
            memcpy(bits, v->validity, nb);
        } else {
            for (size_t j = 0; j < nb; j++)
                bits[j] &= v->validity[j];
        }
    }
    out->validity = bits;
    out->null_count = bits ? 1 : 0;
    vec_finish_validity(out);
    return ST_OK;
}

/* ---- decimal arithmetic helpers ------------------------------------------ */

static __int128 pow10_i128(int k)
{
    __int128 r = 1;
    for (int i = 0; i < k; i++)
        r *= 10;
    return r;
}

/* v (scale from) at scale to, HALF_UP; false on 128-bit overflow. */
static bool dec_rescale(__int128 v, int from, int to, __int128 *out)
{
    if (to >= from) {
        if (to - from > 38)
            return v == 0 ? (*out = 0, true) : false;
        return !__builtin_mul_overflow(v, pow10_i128(to - from), out);
    }
    if (from - to > 38) {
        *out = 0;
        return true;
    }
    __int128 p = pow10_i128(from - to), q = v / p, r = v % p;
    if (r < 0)
        r = -r;
    if (r * 2 >= p)
        q += v < 0 ? -1 : 1;
    *out = q;
    return true;
}

static bool dec_fits(__int128 v, int precision)
{
    __int128 lim = pow10_i128(precision);
    return v < lim && v > -lim;
}

/* ---- Spark-compatible number text ---------------------------------------- */

/* Java's Double.toString / Float.toString with shortest round-trip digits. */
static int fmt_java_double(double d, bool is_float, char *buf, size_t n)
{
    if (isnan(d))
        return snprintf(buf, n, "NaN");
    if (isinf(d))
        return snprintf(buf, n, d > 0 ? "Infinity" : "-Infinity");
    if (d == 0)
        return snprintf(buf, n, signbit(d) ? "-0.0" : "0.0");
    char tmp[48];
    int maxp = is_float ? 9 : 17;
    for (int p = 1; p <= maxp; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, d);
        if (is_float ? strtof(tmp, NULL) == (float)d : strtod(tmp, NULL) == d)
            break;
    }
    /* tmp: [-]D[.DDD]e[+-]XX */
    char digits[24];
    int nd = 0;
    const char *q = tmp;
    bool neg = *q == '-';
    if (neg)
        q++;
    for (; *q && *q != 'e'; q++)
        if (isdigit((unsigned char)*q) && nd < 20)
            digits[nd++] = *q;
    int e = atoi(q + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    double ad = fabs(d);
    char out[64];
    int k = 0;
    if (neg)
        out[k++] = '-';
    if (ad >= 1e-3 && ad < 1e7) {
        if (e >= 0) {
            for (int i = 0; i <= e; i++)
                out[k++] = i < nd ? digits[i] : '0';
            out[k++] = '.';
            if (nd > e + 1)
                for (int i = e + 1; i < nd; i++)
                    out[k++] = digits[i];
            else
                out[k++] = '0';
        } else {
            out[k++] = '0';
            out[k++] = '.';
            for (int i = 0; i < -e - 1; i++)
                out[k++] = '0';
            for (int i = 0; i < nd; i++)
                out[k++] = digits[i];
        }
        out[k] = '\0';
    } else {
        out[k++] = digits[0];
        out[k++] = '.';
        if (nd > 1)
            for (int i = 1; i < nd; i++)
                out[k++] = digits[i];
        else
            out[k++] = '0';
        snprintf(out + k, sizeof out - (size_t)k, "E%d", e);
    }
    return snprintf(buf, n, "%s", out);
}

/* ---- parsers ------------------------------------------------------------- */

/* Trims Spark's whitespace (every byte <= ' ') from both ends. */
static void trim(const uint8_t **s, int64_t *n)
{
    while (*n > 0 && (*s)[0] <= ' ') {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && (*s)[*n - 1] <= ' ')
        (*n)--;
}

/* [+-]digits[.digits] into a 128-bit integer; the fraction is truncated and
** only allowed when allow_frac. False on bad syntax or beyond ~1e37. */
static bool parse_integral(const uint8_t *s, int64_t n, bool allow_frac, __int128 *out)
{
    trim(&s, &n);
    int64_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    __int128 v = 0;
    int64_t nd = 0;
    for (; i < n && isdigit(s[i]); i++, nd++) {
        if (v > (__int128)1e37)
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (i < n && s[i] == '.' && allow_frac) {
        i++;
        int64_t nf = 0;
        for (; i < n && isdigit(s[i]); i++)
            nf++;
        if (nd == 0 && nf == 0)
            return false;
    } else if (nd == 0) {
        return false;
    }
    if (i != n)
        return false;
    *out = neg ? -v : v;
    return true;
}

/* Java-like double syntax (plus Spark's inf/nan spellings); trailing d/f ok. */
static bool parse_double(const uint8_t *s, int64_t n, double *out)
{
    trim(&s, &n);
    char buf[128];
    if (n <= 0 || n >= (int64_t)sizeof buf)
        return false;
    memcpy(buf, s, (size_t)n);
    buf[n] = '\0';
    const char *p = buf[0] == '+' || buf[0] == '-' ? buf + 1 : buf;
    bool neg = buf[0] == '-';
    if (!strcasecmp(p, "nan")) {
        *out = NAN;
        return true;
    }
    if (!strcasecmp(p, "inf") || !strcasecmp(p, "infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        return true;
    }
    for (const char *c = p; *c; c++)
        if (!(isdigit((unsigned char)*c) || *c == '.' || *c == 'e' || *c == 'E' || *c == '+' ||
              *c == '-' || ((*c == 'd' || *c == 'D' || *c == 'f' || *c == 'F') && c[1] == '\0')))
            return false;
    char *end;
    *out = strtod(buf, &end);
    if (end == buf || (*end && !((*end == 'd' || *end == 'D' || *end == 'f' || *end == 'F') &&
                                 end[1] == '\0')))
        return false;
    return true;
}

/* [+-]digits[.digits][e[+-]digits] to an unscaled value at `scale`, HALF_UP.
** False on bad syntax or a value beyond 38 digits. */
static bool parse_decimal(const uint8_t *s, int64_t n, int scale, __int128 *out)
{
    trim(&s, &n);
    int64_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    char dig[80];
    int nd = 0, frac = 0, ndigits_seen = 0;
    bool dot = false;
    for (; i < n; i++) {
        if (isdigit(s[i])) {
            ndigits_seen++;
            if (nd == 0 && s[i] == '0') {
                if (dot)
                    frac++;
                continue;           /* leading zeros */
            }
            if (nd >= 78)
                return false;
            dig[nd++] = (char)s[i];
            if (dot)
                frac++;
        } else if (s[i] == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    if (ndigits_seen == 0)
        return false;
    int64_t exp = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        int64_t ne = 0;
        for (; i < n && isdigit(s[i]); i++, ne++)
            if (exp < 100000)
                exp = exp * 10 + (s[i] - '0');
        if (ne == 0)
            return false;
        if (eneg)
            exp = -exp;
    }
    if (i != n)
        return false;
    /* value = dig * 10^(exp - frac); keep enough digits for HALF_UP */
    int64_t shift = exp - frac + scale;   /* value*10^scale = dig * 10^shift */
    __int128 v = 0;
    if (shift >= 0) {
        if (nd + shift > 38)
            return nd == 0 ? (*out = 0, true) : false;
        for (int k = 0; k < nd; k++)
            v = v * 10 + (dig[k] - '0');
        v *= pow10_i128((int)shift);
    } else {
        int64_t keep = nd + shift;        /* digits left of the rounding point */
        if (keep > 38)
            return false;
        for (int64_t k = 0; k < keep; k++)
            v = v * 10 + (dig[k] - '0');
        if (keep >= 0 && keep < nd && dig[keep] >= '5')
            v += 1;
    }
    *out = neg ? -v : v;
    return true;
}

static bool parse_bool(const uint8_t *s, int64_t n, bool *out)
{
    trim(&s, &n);
    static const char *const t[] = {"t", "true", "y", "yes", "1"};
    static const char *const f[] = {"f", "false", "n", "no", "0"};
    for (size_t k = 0; k < ST_ARRAY_LEN(t); k++) {
        if ((int64_t)strlen(t[k]) == n && !strncasecmp((const char *)s, t[k], (size_t)n)) {
            *out = true;
            return true;
        }
        if ((int64_t)strlen(f[k]) == n && !strncasecmp((const char *)s, f[k], (size_t)n)) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Digits at s[*i..] (at most maxd); -1 when fewer than mind. */
static int64_t read_num(const uint8_t *s, int64_t n, int64_t *i, int mind, int maxd)
{
    int64_t v = 0;
    int d = 0;
    while (*i < n && isdigit(s[*i]) && d < maxd) {
        v = v * 10 + (s[(*i)++] - '0');
        d++;
    }
    if (d < mind || (*i < n && isdigit(s[*i])))
        return -1;
    return v;
}

static bool valid_ymd(int64_t y, int64_t m, int64_t d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

/* Date part "[+-]yyyy[-m[m][-d[d]]]"; *i is left at the first byte after it. */
static bool parse_date_part(const uint8_t *s, int64_t n, int64_t *i, int64_t *days)
{
    bool neg = false;
    if (*i < n && (s[*i] == '+' || s[*i] == '-'))
        neg = s[(*i)++] == '-';
    int64_t y = read_num(s, n, i, 4, 7), m = 1, d = 1;
    if (y < 0)
        return false;
    if (*i < n && s[*i] == '-') {
        (*i)++;
        if ((m = read_num(s, n, i, 1, 2)) < 0)
            return false;
        if (*i < n && s[*i] == '-') {
            (*i)++;
            if ((d = read_num(s, n, i, 1, 2)) < 0)
                return false;
        }
    }
    if (neg)
        y = -y;
    if (!valid_ymd(y, m, d))
        return false;
    *days = st_days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

static bool parse_date(const uint8_t *s, int64_t n, int32_t *out)
{
    trim(&s, &n);
    int64_t i = 0, days;
    if (!parse_date_part(s, n, &i, &days))
        return false;
    if (i < n && s[i] != ' ' && s[i] != 'T')
        return false;
    if (days < INT32_MIN || days > INT32_MAX)
        return false;
    *out = (int32_t)days;
    return true;
}

/* Zone suffix at s[i..n): Z, UTC, GMT, UT, optionally followed by an offset,
** or an offset [+-]h[h][[:]mm[[:]ss]]. Seconds east of UTC into *off. */
static bool parse_zone(const uint8_t *s, int64_t n, int64_t i, int64_t *off)
{
    *off = 0;
    while (i < n && s[i] == ' ')
        i++;
    if (i == n)
        return true;
    if (n - i == 1 && (s[i] == 'Z' || s[i] == 'z'))
        return true;
    if (n - i >= 3 && (!strncasecmp((const char *)s + i, "UTC", 3) ||
                       !strncasecmp((const char *)s + i, "GMT", 3)))
        i += 3;
    else if (n - i >= 2 && !strncasecmp((const char *)s + i, "UT", 2))
        i += 2;
    if (i == n)
        return true;
    if (s[i] != '+' && s[i] != '-')
        return false;
    int sign = s[i++] == '-' ? -1 : 1;
    int64_t h = read_num(s, n, &i, 1, 2), m = 0, sec = 0;
    if (h < 0 || h > 18)
        return false;
    if (i < n && s[i] == ':')
        i++;
    if (i < n) {
        if ((m = read_num(s, n, &i, 2, 2)) < 0 || m > 59)
            return false;
        if (i < n && s[i] == ':')
            i++;
        if (i < n && ((sec = read_num(s, n, &i, 2, 2)) < 0 || sec > 59))
            return false;
    }
    if (i != n)
        return false;
    *off = sign * (h * 3600 + m * 60 + sec);
    return true;
}

/* Spark's stringToTimestamp; with_zone false ignores a zone (TIMESTAMP_NTZ). */
static bool parse_timestamp(const uint8_t *s, int64_t n, bool with_zone, int64_t *out)
{
    trim(&s, &n);
    int64_t i = 0, days, h = 0, mi = 0, sec = 0, frac = 0, off = 0;
    if (!parse_date_part(s, n, &i, &days))
        return false;
    if (i < n && (s[i] == ' ' || s[i] == 'T')) {
        i++;
        if (i < n && isdigit(s[i])) {
            if ((h = read_num(s, n, &i, 1, 2)) < 0 || h > 23)
                return false;
            if (i < n && s[i] == ':') {
                i++;
                if ((mi = read_num(s, n, &i, 1, 2)) < 0 || mi > 59)
                    return false;
                if (i < n && s[i] == ':') {
                    i++;
                    if ((sec = read_num(s, n, &i, 1, 2)) < 0 || sec > 59)
                        return false;
                    if (i < n && s[i] == '.') {
                        i++;
                        int nf = 0;
                        for (; i < n && isdigit(s[i]); i++, nf++)
                            if (nf < 6)
                                frac = frac * 10 + (s[i] - '0');
                        if (nf > 9)
                            return false;
                        for (; nf < 6; nf++)
                            frac *= 10;
                    }
                }
            }
        }
        if (!parse_zone(s, n, i, &off))
            return false;
    } else if (i != n) {
        return false;
    }
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - (with_zone ? off : 0);
    if (secs > INT64_MAX / MICROS_PER_SEC - 1 || secs < INT64_MIN / MICROS_PER_SEC + 1)
        return false;
    *out = secs * MICROS_PER_SEC + frac;
    return true;
}

/* ---- reading source values ----------------------------------------------- */

static __int128 get_int(const vec *v, int64_t i)
{
    switch (v->type->id) {
    case VEC_BOOL:   return vec_bit_get(v->values, i);
    case VEC_INT8:   return ((const int8_t *)v->values)[i];
    case VEC_INT16:  return ((const int16_t *)v->values)[i];
    case VEC_INT32:  return ((const int32_t *)v->values)[i];
    case VEC_INT64:  return ((const int64_t *)v->values)[i];
    case VEC_UINT8:  return ((const uint8_t *)v->values)[i];
    case VEC_UINT16: return ((const uint16_t *)v->values)[i];
    case VEC_UINT32: return ((const uint32_t *)v->values)[i];
    case VEC_UINT64: return ((const uint64_t *)v->values)[i];
    case VEC_DATE:   return ((const int32_t *)v->values)[i];
    case VEC_TIME:
    case VEC_TIMESTAMP:
    case VEC_TIMESTAMP_NTZ: return ((const int64_t *)v->values)[i];
    case VEC_DECIMAL: {
        __int128 x;
        memcpy(&x, (const uint8_t *)v->values + 16 * i, 16);
        return x;
    }
    default: return 0;
    }
}

static double dec_to_double(__int128 x, int scale)
{
    if (x > -((__int128)1 << 53) && x < ((__int128)1 << 53) && scale <= 22)
        return (double)(int64_t)x / pow(10, scale);
    char buf[64];
    vec_format_decimal(x, scale, buf, sizeof buf);
    return strtod(buf, NULL);
}

static double get_f64(const vec *v, int64_t i)
{
    switch (v->type->id) {
    case VEC_FLOAT:  return ((const float *)v->values)[i];
    case VEC_DOUBLE: return ((const double *)v->values)[i];
    case VEC_DECIMAL: return dec_to_double(get_int(v, i), v->type->scale);
    case VEC_TIMESTAMP:
    case VEC_TIMESTAMP_NTZ: return (double)get_int(v, i) / 1e6;
    default: return (double)get_int(v, i);
    }
}

static const uint8_t *get_bytes(const vec *v, int64_t i, int64_t *n)
{
    const int32_t *o = vec_offsets(v);
    *n = o[i + 1] - o[i];
    return v->bytes + o[i];
}

/* ---- writing ------------------------------------------------------------- */

/* Integral target range. */
static void int_range(vec_type_id id, __int128 *lo, __int128 *hi)
{
    switch (id) {
    case VEC_INT8:   *lo = INT8_MIN;  *hi = INT8_MAX; break;
    case VEC_INT16:  *lo = INT16_MIN; *hi = INT16_MAX; break;
    case VEC_INT32:  *lo = INT32_MIN; *hi = INT32_MAX; break;
    case VEC_UINT8:  *lo = 0; *hi = UINT8_MAX; break;
    case VEC_UINT16: *lo = 0; *hi = UINT16_MAX; break;
    case VEC_UINT32: *lo = 0; *hi = UINT32_MAX; break;
    case VEC_UINT64: *lo = 0; *hi = UINT64_MAX; break;
    default:         *lo = INT64_MIN; *hi = INT64_MAX; break;
    }
}

/* Stores x (already in range, or to be wrapped) into row i. */
static void put_int(vec *o, int64_t i, __int128 x)
{
    uint64_t u = (uint64_t)x;
    switch (o->type->id) {
    case VEC_BOOL:   if (x) vec_bit_set(o->values, i); break;
    case VEC_INT8:   ((int8_t *)o->values)[i] = (int8_t)u; break;
    case VEC_INT16:  ((int16_t *)o->values)[i] = (int16_t)u; break;
    case VEC_INT32:
    case VEC_DATE:   ((int32_t *)o->values)[i] = (int32_t)u; break;
    case VEC_UINT8:  ((uint8_t *)o->values)[i] = (uint8_t)u; break;
    case VEC_UINT16: ((uint16_t *)o->values)[i] = (uint16_t)u; break;
    case VEC_UINT32: ((uint32_t *)o->values)[i] = (uint32_t)u; break;
    case VEC_UINT64: ((uint64_t *)o->values)[i] = u; break;
    case VEC_DECIMAL: memcpy((uint8_t *)o->values + 16 * i, &x, 16); break;
    default:         ((int64_t *)o->values)[i] = (int64_t)u; break;
    }
}

typedef struct cast_run {
    const fn_context *ctx;
    const vec        *src;
    vec              *out;
    bool              try_cast;
    st_arena         *a;
    char              to_name[64];   /* target type as SQL text */
} cast_run;

/* A row that cannot be converted: NULL, or in ANSI mode (not TRY_CAST) the
** error "cannot cast <type> <value> to <type>: <why>". */
static st_status bad_row(cast_run *r, int64_t i, const char *why, st_error *err)
{
    if (r->ctx && r->ctx->ansi && !r->try_cast) {
        st_buf b;
        st_buf_init(&b);
        char from[64];
        vec_type_format(r->src->type, from, sizeof from);
        if (vec_format_value(r->src, i, VEC_FMT_TEXT, &b, NULL) != ST_OK)
            st_buf_clear(&b);
        st_buf_append_byte(&b, 0, NULL);
        const char *q = r->src->type->id == VEC_STRING ? "'" : "";
        st_error_set(err, ST_ERR_ARGUMENT, "cannot cast %s %s%.200s%s to %s: %s", from, q,
                     b.data ? (const char *)b.data : "", q, r->to_name, why);
        st_buf_destroy(&b);
        if (r->src->type->id == VEC_STRING)
            st_error_hint(err, "Use TRY_CAST to get NULL for malformed values.");
        return ST_ERR_ARGUMENT;
    }
    if (!r->out->validity && vec_alloc_validity(r->a, r->out, err) != ST_OK)
        return ST_ERR_NOMEM;
    vec_bit_clear(r->out->validity, i);
    return ST_OK;
}

/* Integral x into an integral/bool/decimal target (precision checked). */
static st_status store_integral(cast_run *r, int64_t i, __int128 x, st_error *err)
{
    const vec_type *t = r->out->type;
    if (t->id == VEC_BOOL) {
        put_int(r->out, i, x != 0);
        return ST_OK;
    }
    if (t->id == VEC_DECIMAL) {
        __int128 y;
        if (!dec_rescale(x, 0, t->scale, &y) || !dec_fits(y, t->precision))
            return bad_row(r, i, "value out of range", err);
        put_int(r->out, i, y);
        return ST_OK;
    }
    __int128 lo, hi;
    int_range(t->id, &lo, &hi);
    if ((x < lo || x > hi) && r->ctx && r->ctx->ansi && !r->try_cast)
        return bad_row(r, i, "value out of range", err);
    put_int(r->out, i, x);                    /* non-ANSI: wraps like Java */
    return ST_OK;
}

/* Java's (long)d / (int)d: truncation, saturation, NaN -> 0. */
static __int128 java_f2i(double d, vec_type_id to)
{
    if (isnan(d))
        return 0;
    double lo = to == VEC_INT64 ? -9223372036854775808.0 : -2147483648.0;
    double hi = to == VEC_INT64 ? 9223372036854775807.0 : 2147483647.0;
    if (d <= lo)
        return to == VEC_INT64 ? INT64_MIN : INT32_MIN;
    if (d >= hi)
        return to == VEC_INT64 ? INT64_MAX : INT32_MAX;
    return (__int128)(int64_t)d;
}

static st_status from_float(cast_run *r, int64_t i, double d, st_error *err)
{
    const vec_type *t = r->out->type;
    if (t->id == VEC_FLOAT) {
        ((float *)r->out->values)[i] = (float)d;
        return ST_OK;
    }
    if (t->id == VEC_DOUBLE) {
        ((double *)r->out->values)[i] = d;
        return ST_OK;
    }
    if (t->id == VEC_BOOL) {
        put_int(r->out, i, d != 0);
        return ST_OK;
    }
    if (t->id == VEC_TIMESTAMP) {
        double us = d * 1e6;
        if (!isfinite(us) || us >= 9.2e18 || us <= -9.2e18)
            return bad_row(r, i, "value out of range", err);
        put_int(r->out, i, (int64_t)us);
        return ST_OK;
    }
    if (t->id == VEC_DECIMAL) {
        if (!isfinite(d))
            return bad_row(r, i, "value out of range", err);
        char buf[48];
        fmt_java_double(d, r->src->type->id == VEC_FLOAT, buf, sizeof buf);
        __int128 y;
        if (!parse_decimal((const uint8_t *)buf, (int64_t)strlen(buf), t->scale, &y) ||
            !dec_fits(y, t->precision))
            return bad_row(r, i, "value out of range", err);
        put_int(r->out, i, y);
        return ST_OK;
    }
    /* integral target */
    __int128 lo, hi;
    int_range(t->id, &lo, &hi);
    if (r->ctx && r->ctx->ansi && !r->try_cast) {
        double t_trunc = trunc(d);
        if (!isfinite(d) || t_trunc < (double)lo || t_trunc > (double)hi ||
            (t->id == VEC_INT64 && t_trunc >= 9223372036854775807.0))
            return bad_row(r, i, "value out of range", err);
    }
    __int128 x = java_f2i(d, t->id == VEC_INT64 || t->id == VEC_UINT64 ? VEC_INT64 : VEC_INT32);
    put_int(r->out, i, x);
    return ST_OK;
}

static st_status from_decimal(cast_run *r, int64_t i, __int128 x, int scale, st_error *err)
{
    const vec_type *t = r->out->type;
    if (t->id == VEC_FLOAT || t->id == VEC_DOUBLE)
        return from_float(r, i, dec_to_double(x, scale), err);
    if (t->id == VEC_DECIMAL) {
        __int128 y;
        if (!dec_rescale(x, scale, t->scale, &y) || !dec_fits(y, t->precision))
            return bad_row(r, i, "value out of range", err);
        put_int(r->out, i, y);
        return ST_OK;
    }
    if (t->id == VEC_TIMESTAMP) {
        __int128 us;
        if (!dec_rescale(x, scale, 6, &us) || us > INT64_MAX || us < INT64_MIN)
            return bad_row(r, i, "value out of range", err);
        put_int(r->out, i, us);
        return ST_OK;
    }
    __int128 p = pow10_i128(scale);
    __int128 q = x / p;                       /* toward zero */
    if (t->id == VEC_BOOL)
        return store_integral(r, i, x != 0, err);
    if (!(r->ctx && r->ctx->ansi && !r->try_cast))
        q = (__int128)(int64_t)(uint64_t)q;   /* BigDecimal.longValue wraps */
    return store_integral(r, i, q, err);
}

static st_status from_string(cast_run *r, int64_t i, st_error *err)
{
    int64_t n;
    const uint8_t *s = get_bytes(r->src, i, &n);
    const vec_type *t = r->out->type;
    bool ansi = r->ctx && r->ctx->ansi && !r->try_cast;
    switch (t->id) {
    case VEC_BOOL: {
        bool b;
        if (!parse_bool(s, n, &b))
            return bad_row(r, i, "malformed boolean", err);
        put_int(r->out, i, b);
        return ST_OK;
    }
    case VEC_FLOAT:
    case VEC_DOUBLE: {
        double d;
        if (!parse_double(s, n, &d))
            return bad_row(r, i, "malformed number", err);
        return from_float(r, i, d, err);
    }
    case VEC_DECIMAL: {
        __int128 y;
        if (!parse_decimal(s, n, t->scale, &y))
            return bad_row(r, i, "malformed number", err);
        if (!dec_fits(y, t->precision))
            return bad_row(r, i, "value out of range", err);
        put_int(r->out, i, y);
        return ST_OK;
    }
    case VEC_DATE: {
        int32_t d;
        if (!parse_date(s, n, &d))
            return bad_row(r, i, "malformed date", err);
        put_int(r->out, i, d);
        return ST_OK;
    }
    case VEC_TIMESTAMP:
    case VEC_TIMESTAMP_NTZ: {
        int64_t us;
        if (!parse_timestamp(s, n, t->id == VEC_TIMESTAMP, &us))
            return bad_row(r, i, "malformed timestamp", err);
        put_int(r->out, i, us);
        return ST_OK;
    }
    default: {
        __int128 x, lo, hi;
        if (!parse_integral(s, n, !ansi, &x))
            return bad_row(r, i, "malformed number", err);
        int_range(t->id, &lo, &hi);
        if (x < lo || x > hi)                 /* Spark's toInt: NULL, never wraps */
            return bad_row(r, i, "value out of range", err);
        put_int(r->out, i, x);
        return ST_OK;
    }
    }
}

/* ---- CAST AS STRING ---------------------------------------------------- */

static st_status fmt_spark(const vec *v, int64_t i, st_buf *b, st_error *err);

static st_status fmt_nested(const vec *v, int64_t i, st_buf *b, st_error *err)
{
    st_status rc = ST_OK;
    if (v->type->id == VEC_STRUCT) {
        rc = st_buf_append_byte(b, '{', err);
        for (int k = 0; k < v->type->n_children && rc == ST_OK; k++) {
            if (k)
                rc = st_buf_append_str(b, ", ", err);
            if (rc == ST_OK)
                rc = fmt_spark(v->children[k], i, b, err);
        }
        return rc == ST_OK ? st_buf_append_byte(b, '}', err) : rc;
    }
    const int32_t *o = vec_offsets(v);
    const vec *c = v->children[0];
    bool is_map = v->type->id == VEC_MAP;
    rc = st_buf_append_byte(b, is_map ? '{' : '[', err);
    for (int32_t k = o[i]; k < o[i + 1] && rc == ST_OK; k++) {
        if (k > o[i])
            rc = st_buf_append_str(b, ", ", err);
        if (rc != ST_OK)
            break;
        if (is_map) {
            rc = fmt_spark(c->children[0], k, b, err);
            if (rc == ST_OK)
                rc = st_buf_append_str(b, " -> ", err);
            if (rc == ST_OK)
                rc = fmt_spark(c->children[1], k, b, err);
        } else {
            rc = fmt_spark(c, k, b, err);
        }
    }
    return rc == ST_OK ? st_buf_append_byte(b, is_map ? '}' : ']', err) : rc;
}

/* Row i of v in Spark's CAST AS STRING form ("null" for NULL: nested only). */
static st_status fmt_spark(const vec *v, int64_t i, st_buf *b, st_error *err)
{
    char tmp[96];
    if (!vec_is_valid(v, i) || v->type->id == VEC_NULL)
        return st_buf_append_str(b, "null", err);
    switch (v->type->id) {
    case VEC_BOOL:
        return st_buf_append_str(b, vec_bit_get(v->values, i) ? "true" : "false", err);
    case VEC_FLOAT:
    case VEC_DOUBLE:
        fmt_java_double(get_f64(v, i), v->type->id == VEC_FLOAT, tmp, sizeof tmp);
        return st_buf_append_str(b, tmp, err);
    case VEC_DECIMAL:
        vec_format_decimal(get_int(v, i), v->type->scale, tmp, sizeof tmp);
        return st_buf_append_str(b, tmp, err);
    case VEC_STRING:
    case VEC_BINARY: {
        int64_t n;
        const uint8_t *p = get_bytes(v, i, &n);
        return st_buf_append(b, p, (size_t)n, err);
    }
    case VEC_DATE:
        st_format_date(tmp, sizeof tmp, (int32_t)get_int(v, i));
        return st_buf_append_str(b, tmp, err);
    case VEC_TIME:
        st_format_time(tmp, sizeof tmp, (int64_t)get_int(v, i));
        return st_buf_append_str(b, tmp, err);
    case VEC_TIMESTAMP:
    case VEC_TIMESTAMP_NTZ: {
        int k = st_format_timestamp(tmp, sizeof tmp, (int64_t)get_int(v, i), false, false);
        if (k > 0 && memchr(tmp, '.', (size_t)k)) {
            while (k > 0 && tmp[k - 1] == '0')
                tmp[--k] = '\0';
        }
        return st_buf_append_str(b, tmp, err);
    }
    case VEC_STRUCT:
    case VEC_LIST:
    case VEC_MAP:
        return fmt_nested(v, i, b, err);
    default: {
        __int128 x = get_int(v, i);
        if (v->type->id == VEC_UINT64)
            snprintf(tmp, sizeof tmp, "%" PRIu64, (uint64_t)x);
        else
            snprintf(tmp, sizeof tmp, "%" PRId64, (int64_t)x);
        return st_buf_append_str(b, tmp, err);
    }
    }
}

static st_status cast_to_string(cast_run *r, int64_t n_rows, st_error *err)
{
    st_buf b;
    st_buf_init(&b);
    int32_t *off = vec_offsets(r->out);
    st_status rc = ST_OK;
    for (int64_t i = 0; i < n_rows && rc == ST_OK; i++) {
        if (vec_is_valid(r->src, i))
            rc = fmt_spark(r->src, i, &b, err);
        if (rc == ST_OK && b.len > INT32_MAX)
            rc = st_error_set(err, ST_ERR_LIMIT, "cast result is larger than 2 GiB");
        off[i + 1] = (int32_t)b.len;
    }
    if (rc == ST_OK && b.len) {
        r->out->bytes = st_arena_alloc(r->a, b.len);
        if (!r->out->bytes)
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory casting to string");
        else
            memcpy(r->out->bytes, b.data, b.len);
        r->out->n_bytes = (int64_t)b.len;
    }
    st_buf_destroy(&b);
    return rc;
}

/* ---- CAST ------------------------------------------------------------------ */

bool fn_can_cast(const vec_type *from, const vec_type *to)
{
    vec_type_id f = from->id, t = to->id;
    if (vec_type_equal(from, to) || f == VEC_NULL || t == VEC_STRING)
        return true;
    if (vec_type_is_nested(f) || vec_type_is_nested(t) || t == VEC_NULL)
        return false;
    bool fnum = fn_type_is_numeric(f), tnum = fn_type_is_numeric(t);
    switch (f) {
    case VEC_STRING:
        return t != VEC_TIME;
    case VEC_BINARY:
        return false;
    case VEC_BOOL:
        return tnum;
    case VEC_DATE:
        return t == VEC_TIMESTAMP || t == VEC_TIMESTAMP_NTZ;
    case VEC_TIME:
        return false;
    case VEC_TIMESTAMP:
        return tnum || t == VEC_BOOL || is_datetime(t);
    case VEC_TIMESTAMP_NTZ:
        return is_datetime(t);
    default:
        return fnum && (tnum || t == VEC_BOOL || t == VEC_TIMESTAMP);
    }
}

static st_status cast_row(cast_run *r, int64_t i, st_error *err)
{
    vec_type_id f = r->src->type->id, t = r->out->type->id;
    switch (f) {
    case VEC_STRING:
        return from_string(r, i, err);
    case VEC_FLOAT:
    case VEC_DOUBLE:
        return from_float(r, i, get_f64(r->src, i), err);
    case VEC_DECIMAL:
        return from_decimal(r, i, get_int(r->src, i), r->src->type->scale, err);
    case VEC_DATE:
        put_int(r->out, i, get_int(r->src, i) * MICROS_PER_DAY);
        return ST_OK;
    case VEC_TIMESTAMP:
    case VEC_TIMESTAMP_NTZ: {
        int64_t us = (int64_t)get_int(r->src, i);
        if (t == VEC_DATE) {
            put_int(r->out, i, us / MICROS_PER_DAY - (us % MICROS_PER_DAY < 0));
            return ST_OK;
        }
        if (t == VEC_TIMESTAMP || t == VEC_TIMESTAMP_NTZ) {
            put_int(r->out, i, us);
            return ST_OK;
        }
        if (t == VEC_FLOAT || t == VEC_DOUBLE || t == VEC_DECIMAL)
            return from_decimal(r, i, us, 6, err);
        return store_integral(r, i, us / MICROS_PER_SEC - (us % MICROS_PER_SEC < 0), err);
    }
    default: {                                   /* bool and integral */
        __int128 x = get_int(r->src, i);
        if (t == VEC_FLOAT || t == VEC_DOUBLE)
            return from_float(r, i, (double)x, err);
        if (t == VEC_TIMESTAMP) {
            __int128 us = x * MICROS_PER_SEC;
            if (us > INT64_MAX || us < INT64_MIN) {
                if (r->ctx && r->ctx->ansi && !r->try_cast)
                    return bad_row(r, i, "value out of range", err);
                us = us > 0 ? INT64_MAX : INT64_MIN;   /* Spark saturates */
            }
            put_int(r->out, i, us);
            return ST_OK;
        }
        return store_integral(r, i, x, err);
    }
    }
}

st_status fn_cast(const fn_context *ctx, const vec *v, const vec_type *to, bool try_cast,
                  int64_t n_rows, st_arena *a, vec **out, st_error *err)
{
    if (vec_type_equal(v->type, to)) {
        *out = (vec *)v;                         /* vectors are immutable */
        return ST_OK;
    }
    if (!fn_can_cast(v->type, to)) {
        char f[64], t[64];
        vec_type_format(v->type, f, sizeof f);
        vec_type_format(to, t, sizeof t);
        return st_error_set(err, ST_ERR_BIND, "cannot cast %s to %s", f, t);
    }
    /* The result points at `to`, which lives as long as the plan: vectors
    ** may outlive this batch's arena in a sink, their types must too. */
    vec *o = vec_new(a, to, n_rows);
    if (!o)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory casting a vector");
    if (v->type->id == VEC_NULL || to->id == VEC_NULL) {
        if (to->id != VEC_NULL && vec_alloc_validity(a, o, err) != ST_OK)
            return ST_ERR_NOMEM;
        if (o->validity)
            memset(o->validity, 0, vec_bitmap_bytes(n_rows));
        vec_finish_validity(o);
        *out = o;
        return ST_OK;
    }
    if (to->id == VEC_BINARY) {              /* from string: same bytes */
        o->values = v->values;
        o->bytes = v->bytes;
        o->n_bytes = v->n_bytes;
        o->validity = v->validity;
        o->null_count = v->null_count;
        *out = o;
        return ST_OK;
    }
    if (v->validity) {
        if (vec_alloc_validity(a, o, err) != ST_OK)
            return ST_ERR_NOMEM;
        memcpy(o->validity, v->validity, vec_bitmap_bytes(n_rows));
    }
    cast_run r = {ctx, v, o, try_cast, a, {0}};
    vec_type_format(to, r.to_name, sizeof r.to_name);
    st_status rc = ST_OK;
    if (to->id == VEC_STRING) {
        rc = cast_to_string(&r, n_rows, err);
    } else {
        for (int64_t i = 0; i < n_rows && rc == ST_OK; i++)
            if (vec_is_valid(v, i))
                rc = cast_row(&r, i, err);
    }
    if (rc != ST_OK)
        return rc;
    if (o->validity)
        vec_finish_validity(o);
    *out = o;
    return ST_OK;
}
