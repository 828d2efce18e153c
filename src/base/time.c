/* time.c -- calendar arithmetic on the proleptic Gregorian calendar (days
** since 1970-01-01, microseconds since the epoch) and ISO-8601 formatting.
** The civil conversions are Howard Hinnant's public-domain algorithms, exact
** for every int32 day count. No locale, no time zone database: instants are
** formatted in UTC. */
#include "base.h"

#include <stdio.h>

int64_t st_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void st_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int format_ymd(char *buf, size_t n, int64_t days)
{
    int64_t y;
    unsigned m, d;
    st_civil_from_days(days, &y, &m, &d);
    if (y < 0)
        return snprintf(buf, n, "-%04lld-%02u-%02u", (long long)-y, m, d);
    return snprintf(buf, n, "%04lld-%02u-%02u", (long long)y, m, d);
}

int st_format_date(char *buf, size_t n, int32_t days) { return format_ymd(buf, n, days); }

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

int st_format_time(char *buf, size_t n, int64_t micros)
{
    int64_t frac = micros % 1000000;
    if (frac < 0)
        frac += 1000000;
    int64_t secs = micros / 1000000 - (micros % 1000000 < 0 ? 1 : 0);
    int h = (int)(secs / 3600), mi = (int)(secs / 60 % 60), s = (int)(secs % 60);
    if (frac)
        return snprintf(buf, n, "%02d:%02d:%02d.%06lld", h, mi, s, (long long)frac);
    return snprintf(buf, n, "%02d:%02d:%02d", h, mi, s);
}

int st_format_timestamp(char *buf, size_t n, int64_t micros, bool utc, bool iso_t)
{
    int64_t frac = micros % 1000000;
    if (frac < 0)
        frac += 1000000;
    int64_t secs = micros / 1000000 - (micros % 1000000 < 0 ? 1 : 0);
    int64_t days = floor_div(secs, 86400);
    int64_t tod = secs - days * 86400;
    int k = format_ymd(buf, n, days);
    if (k < 0 || (size_t)k >= n)
        return k;
    int h = (int)(tod / 3600), mi = (int)(tod / 60 % 60), s = (int)(tod % 60);
    int k2;
    if (frac)
        k2 = snprintf(buf + k, n - (size_t)k, "%c%02d:%02d:%02d.%06lld%s", iso_t ? 'T' : ' ', h,
                      mi, s, (long long)frac, utc ? "Z" : "");
    else
        k2 = snprintf(buf + k, n - (size_t)k, "%c%02d:%02d:%02d%s", iso_t ? 'T' : ' ', h, mi, s,
                      utc ? "Z" : "");
    return k + k2;
}

size_t st_base64_encode(const uint8_t *in, size_t n, char *out)
{
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        out[o++] = tbl[(v >> 18) & 63];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = tbl[(v >> 6) & 63];
        out[o++] = tbl[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        out[o++] = tbl[(v >> 18) & 63];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = (i + 1 < n) ? tbl[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    return o;
}
