/* text_value.c -- strict parsers for the scalar spellings of CSV and NDJSON
** values (booleans, integers, doubles, ISO dates and timestamps). Each one
** accepts exactly the documented syntax over a byte range without a NUL,
** reads nothing outside it and reports failure with false; type inference
** relies on that strictness ("12abc" is not an int, "2024-02-30" not a
** date). */
#include "format.h"

#include <stdlib.h>
#include <strings.h>

bool fmt_parse_bool(const char *s, size_t n, bool *out)
{
    if (n == 4 && strncasecmp(s, "true", 4) == 0) {
        *out = true;
        return true;
    }
    if (n == 5 && strncasecmp(s, "false", 5) == 0) {
        *out = false;
        return true;
    }
    return false;
}

bool fmt_parse_int64(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i == n)
        return false;
    uint64_t v = 0;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* Length of the run of digits at s[i..n). */
static size_t digits(const char *s, size_t i, size_t n)
{
    size_t j = i;
    while (j < n && s[j] >= '0' && s[j] <= '9')
        j++;
    return j - i;
}

bool fmt_parse_double(const char *s, size_t n, double *out)
{
    char buf[257];
    if (n == 0 || n >= sizeof buf)
        return false;
    size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
    size_t rest = n - i;
    if ((rest == 3 && strncasecmp(s + i, "nan", 3) == 0) ||
        (rest == 3 && strncasecmp(s + i, "inf", 3) == 0) ||
        (rest == 8 && strncasecmp(s + i, "infinity", 8) == 0)) {
        /* named values fall through to strtod, which knows them */
    } else {
        size_t int_d = digits(s, i, n);
        i += int_d;
        size_t frac_d = 0;
        if (i < n && s[i] == '.') {
            frac_d = digits(s, i + 1, n);
            i += 1 + frac_d;
        }
        if (int_d + frac_d == 0)
            return false;
        if (i < n && (s[i] == 'e' || s[i] == 'E')) {
            i++;
            if (i < n && (s[i] == '+' || s[i] == '-'))
                i++;
            size_t exp_d = digits(s, i, n);
            if (exp_d == 0)
                return false;
            i += exp_d;
        }
        if (i != n)
            return false;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end = NULL;
    *out = strtod(buf, &end);
    return end == buf + n;
}

/* Exactly k digits at s[i..) as a number; -1 when not. */
static int fixed_digits(const char *s, size_t n, size_t i, int k)
{
    if (i + (size_t)k > n)
        return -1;
    int v = 0;
    for (int j = 0; j < k; j++) {
        char c = s[i + (size_t)j];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    return v;
}

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* YYYY-MM-DD at the start of s; days into *out. */
static bool parse_ymd(const char *s, size_t n, int64_t *out)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = fixed_digits(s, n, 0, 4), m = fixed_digits(s, n, 5, 2), d = fixed_digits(s, n, 8, 2);
    if (y < 0 || m < 1 || m > 12 || d < 1 || s[4] != '-' || s[7] != '-')
        return false;
    int max_d = mdays[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
    if (d > max_d)
        return false;
    *out = st_days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

bool fmt_parse_date(const char *s, size_t n, int32_t *out)
{
    int64_t days;
    if (n != 10 || !parse_ymd(s, n, &days))
        return false;
    *out = (int32_t)days;
    return true;
}

/* Zone suffix at s[i..n): "", "Z", "+hh", "+hh:mm", "+hhmm"; offset in
** seconds east of UTC. */
static bool parse_zone(const char *s, size_t n, size_t i, int64_t *off_s, bool *has_zone)
{
    *off_s = 0;
    *has_zone = i < n;
    if (i == n)
        return true;
    if (s[i] == 'Z' || s[i] == 'z')
        return i + 1 == n;
    if (s[i] != '+' && s[i] != '-')
        return false;
    int sign = s[i] == '-' ? -1 : 1;
    int hh = fixed_digits(s, n, i + 1, 2), mm = 0;
    if (hh < 0 || hh > 18)
        return false;
    size_t j = i + 3;
    if (j < n && s[j] == ':')
        j++;
    if (j < n) {
        mm = fixed_digits(s, n, j, 2);
        if (mm < 0 || mm > 59 || j + 2 != n)
            return false;
    }
    *off_s = sign * (hh * 3600 + mm * 60);
    return true;
}

bool fmt_parse_timestamp(const char *s, size_t n, int64_t *out, bool *has_zone)
{
    int64_t days;
    if (n < 19 || !parse_ymd(s, n, &days) || (s[10] != ' ' && s[10] != 'T'))
        return false;
    int hh = fixed_digits(s, n, 11, 2), mi = fixed_digits(s, n, 14, 2);
    int ss = fixed_digits(s, n, 17, 2);
    if (hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 59 || s[13] != ':' ||
        s[16] != ':')
        return false;
    size_t i = 19;
    int64_t frac = 0;
    if (i < n && s[i] == '.') {
        size_t k = digits(s, i + 1, n);
        if (k == 0 || k > 9)
            return false;
        for (size_t j = 0; j < 6; j++)
            frac = frac * 10 + (j < k ? s[i + 1 + j] - '0' : 0);
        i += 1 + k;
    }
    int64_t off = 0;
    bool zone = false;
    if (!parse_zone(s, n, i, &off, &zone))
        return false;
    if (has_zone)
        *has_zone = zone;
    *out = ((days * 86400 + hh * 3600 + mi * 60 + ss) - off) * 1000000 + frac;
    return true;
}
