/* fn_date.c -- Spark SQL date and time functions: current_date/timestamp,
** date arithmetic (date_add, date_sub, datediff, add_months,
** months_between), truncation (date_trunc, trunc), formatting and parsing
** with Java DateTimeFormatter patterns (date_format, to_date, to_timestamp,
** unix_timestamp, from_unixtime), field extraction (year ... second) and
** last_day, next_day, make_date, and timestampadd / dateadd (unit as a
** string: timestampadd('HOUR', 2, ts); the binder lowers ts +/- INTERVAL to
** it).
**
** Dates are int32 days and timestamps int64 microseconds since 1970-01-01
** (vec.h). Date/timestamp arguments are read as they come (a date where a
** timestamp is wanted is its midnight, a timestamp where a date is wanted its
** day); other types are cast by the executor (cast_to), except that string
** arguments of to_date/to_timestamp/unix_timestamp are parsed here.
**
** The date/time pattern language (Spark's, after Java's DateTimeFormatter)
** is implemented by hand: letters y, M (1-4), d, D, H, h, m, s, S (fraction),
** a, E (1-3 short, 4+ full), 'quoted' literals; anything else is literal.
**
** Deviations: time zone is UTC only (fn_context.time_zone is not consulted);
** TIMESTAMP and TIMESTAMP_NTZ are treated alike. add_months follows Spark 3
** (the day is clamped to the target month's end: 2024-01-31 + 1 month =
** 2024-02-29; the Spark 2 "last day stays last day" rule is gone). Parsing
** with a pattern needs the whole string to match; unparsable input is NULL
** outside ANSI mode and ST_ERR_ARGUMENT in ANSI mode. */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "func/fn_int.h"

#define US_PER_DAY INT64_C(86400000000)
#define US_PER_SEC INT64_C(1000000)

static const vec_type T_DATE = {.id = VEC_DATE};
static const vec_type T_TS = {.id = VEC_TIMESTAMP};

typedef struct sv {
    const char *p;
    int64_t     n;
} sv;

static sv str_at(const vec *v, int64_t i)
{
    const int32_t *o = vec_offsets(v);
    sv s = {v->bytes ? (const char *)v->bytes + o[i] : "", o[i + 1] - o[i]};
    return s;
}
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
static int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

static int64_t days_of(const vec *v, int64_t i)
{
    if (v->type->id == VEC_DATE)
        return ((const int32_t *)v->values)[i];
    return floor_div(((const int64_t *)v->values)[i], US_PER_DAY);
}
static int64_t micros_of(const vec *v, int64_t i)
{
    if (v->type->id == VEC_DATE)
        return ((const int32_t *)v->values)[i] * US_PER_DAY;
    return ((const int64_t *)v->values)[i];
}
static int64_t int_of(const vec *v, int64_t i)
{
    if (v->type->id == VEC_INT64)
        return ((const int64_t *)v->values)[i];
    return ((const int32_t *)v->values)[i];
}

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
static unsigned month_days(int64_t y, unsigned m)
{
    static const unsigned d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : d[m - 1];
}
static int64_t day_of_year(int64_t days)
{
    int64_t y;
    unsigned m, d;
    st_civil_from_days(days, &y, &m, &d);
    return days - st_days_from_civil(y, 1, 1) + 1;
}
/* 0 = Monday .. 6 = Sunday (1970-01-01 was a Thursday). */
static int iso_weekday(int64_t days) { return (int)floor_mod(days + 3, 7); }

static const char *const MONTHS[12] = {"January", "February", "March", "April", "May", "June",
                                       "July", "August", "September", "October", "November",
                                       "December"};
static const char *const WEEKDAYS[7] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                        "Friday", "Saturday", "Sunday"};

/* ---- patterns ----------------------------------------------------------- */

/* The literal text of a quoted pattern section starting at pat[*k] == '\''
** ('' alone is one quote; inside quotes '' is a quote too); advances *k past
** it and returns the literal's length (truncated to cap). */
static int64_t quoted(sv pat, int64_t *k, char *lit, size_t cap)
{
    int64_t n = 0, e = *k + 1;
    if (e < pat.n && pat.p[e] == '\'') {
        *k = e + 1;
        lit[0] = '\'';
        return 1;
    }
    while (e < pat.n) {
        if (pat.p[e] == '\'') {
            if (e + 1 < pat.n && pat.p[e + 1] == '\'') {
                e++;
            } else {
                break;
            }
        }
        if ((size_t)n < cap)
            lit[n++] = pat.p[e];
        e++;
    }
    *k = e + 1;
    return n;
}

/* Appends micros formatted with a Java pattern. */
static st_status format_ts(int64_t us, sv pat, st_buf *out, st_error *err)
{
    int64_t days = floor_div(us, US_PER_DAY), tod = floor_mod(us, US_PER_DAY);
    int64_t y;
    unsigned mo, d;
    st_civil_from_days(days, &y, &mo, &d);
    int64_t hh = tod / 3600000000, mi = tod / 60000000 % 60, ss = tod / US_PER_SEC % 60;
    int64_t frac = tod % US_PER_SEC;
    st_status r = ST_OK;
    for (int64_t k = 0; r == ST_OK && k < pat.n;) {
        char c = pat.p[k];
        int64_t run = 1;
        while (k + run < pat.n && pat.p[k + run] == c)
            run++;
        if (c == '\'') {
            char lit[256];
            int64_t len = quoted(pat, &k, lit, sizeof lit);
            r = st_buf_append(out, lit, (size_t)len, err);
            continue;
        }
        int w = (int)ST_MIN(run, 9);
        switch (c) {
        case 'y': case 'u':
            r = run == 2 ? st_buf_printf(out, err, "%02d", (int)floor_mod(y, 100))
                         : st_buf_printf(out, err, "%0*" PRId64, w, y);
            break;
        case 'M': case 'L':
            r = run >= 4 ? st_buf_append_str(out, MONTHS[mo - 1], err)
              : run == 3 ? st_buf_append(out, MONTHS[mo - 1], 3, err)
                         : st_buf_printf(out, err, "%0*u", w, mo);
            break;
        case 'd': r = st_buf_printf(out, err, "%0*u", w, d); break;
        case 'D': r = st_buf_printf(out, err, "%0*" PRId64, w, day_of_year(days)); break;
        case 'H': r = st_buf_printf(out, err, "%0*" PRId64, w, hh); break;
        case 'h': r = st_buf_printf(out, err, "%0*" PRId64, w, hh % 12 == 0 ? 12 : hh % 12); break;
        case 'm': r = st_buf_printf(out, err, "%0*" PRId64, w, mi); break;
        case 's': r = st_buf_printf(out, err, "%0*" PRId64, w, ss); break;
        case 'S': {
            char f6[16];
            snprintf(f6, sizeof f6, "%06" PRId64 "000", frac);
            r = st_buf_append(out, f6, (size_t)w, err);
            break;
        }
        case 'a': r = st_buf_append_str(out, hh < 12 ? "AM" : "PM", err); break;
        case 'E': {
            const char *wd = WEEKDAYS[iso_weekday(days)];
            r = run >= 4 ? st_buf_append_str(out, wd, err) : st_buf_append(out, wd, 3, err);
            break;
        }
        default:
            r = st_buf_append(out, pat.p + k, (size_t)run, err);
            break;
        }
        k += run;
    }
    return r;
}

static bool read_num(sv s, int64_t *pos, int min_d, int max_d, int64_t *out)
{
    int64_t v = 0;
    int n = 0;
    while (*pos < s.n && n < max_d && isdigit((unsigned char)s.p[*pos])) {
        v = v * 10 + (s.p[*pos] - '0');
        (*pos)++;
        n++;
    }
    *out = v;
    return n >= min_d;
}
static int read_name(sv s, int64_t *pos, const char *const *names, int count, bool full)
{
    for (int k = 0; k < count; k++) {
        size_t len = full ? strlen(names[k]) : 3;
        if (*pos + (int64_t)len <= s.n && strncasecmp(s.p + *pos, names[k], len) == 0) {
            *pos += (int64_t)len;
            return k;
        }
    }
    return -1;
}

/* Parses s with a Java pattern into micros; false when it does not match. */
static bool parse_with(sv s, sv pat, int64_t *out)
{
    int64_t y = 1970, mo = 1, d = 1, hh = 0, mi = 0, ss = 0, frac = 0, pos = 0;
    int pm = -1;
    bool h12 = false;
    for (int64_t k = 0; k < pat.n;) {
        char c = pat.p[k];
        int64_t run = 1;
        while (k + run < pat.n && pat.p[k + run] == c)
            run++;
        int64_t v = 0;
        bool ok = true;
        int mx = run == 1 ? 2 : (int)run;
        switch (c) {
        case '\'': {
            char lit[256];
            int64_t len = quoted(pat, &k, lit, sizeof lit);
            if (pos + len > s.n || st_memcmp(s.p + pos, lit, (size_t)len) != 0)
                return false;
            pos += len;
            continue;
        }
        case 'y': case 'u':
            ok = run == 2 ? read_num(s, &pos, 2, 2, &v) : read_num(s, &pos, (int)ST_MIN(run, 4), run >= 4 ? 6 : 4, &v);
            y = run == 2 ? 2000 + v : v;
            break;
        case 'M': case 'L':
            if (run >= 3) {
                int m = read_name(s, &pos, MONTHS, 12, run >= 4);
                ok = m >= 0;
                mo = m + 1;
            } else {
                ok = read_num(s, &pos, (int)run, mx, &mo);
            }
            break;
        case 'd': ok = read_num(s, &pos, (int)run, mx, &d); break;
        case 'H': ok = read_num(s, &pos, (int)run, mx, &hh); break;
        case 'h': ok = read_num(s, &pos, (int)run, mx, &hh); h12 = true; break;
        case 'm': ok = read_num(s, &pos, (int)run, mx, &mi); break;
        case 's': ok = read_num(s, &pos, (int)run, mx, &ss); break;
        case 'S': {
            int64_t start = pos;
            ok = read_num(s, &pos, 1, (int)ST_MIN(run, 6), &frac);
            for (int64_t z = pos - start; z < 6; z++)
                frac *= 10;
            break;
        }
        case 'a': {
            static const char *const AMPM[2] = {"AM", "PM"};
            int64_t p0 = pos;
            pm = read_name(s, &p0, AMPM, 2, true);
            pos = p0;
            ok = pm >= 0;
            break;
        }
        case 'E': {
            ok = read_name(s, &pos, WEEKDAYS, 7, run >= 4) >= 0;
            break;
        }
        default:
            if (pos + run > s.n || st_memcmp(s.p + pos, pat.p + k, (size_t)run) != 0)
                return false;
            pos += run;
            break;
        }
        if (!ok)
            return false;
        k += run;
    }
    if (pos != s.n)
        return false;
    if (h12) {
        if (hh < 1 || hh > 12)
            return false;
        hh = hh % 12 + (pm == 1 ? 12 : 0);
    }
    if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, (unsigned)mo) || hh > 23 || mi > 59 ||
        ss > 59)
        return false;
    *out = st_days_from_civil(y, (unsigned)mo, (unsigned)d) * US_PER_DAY +
           ((hh * 60 + mi) * 60 + ss) * US_PER_SEC + frac;
    return true;
}

/* Spark's CAST(string AS TIMESTAMP) forms in UTC: yyyy[-[m]m[-[d]d]]
** [( |T)[h]h[:[m]m[:[s]s[.ffffff]]]][Z|(+|-)hh[:mm]]; date_only stops after
** the date (the rest may be anything after ' ' or 'T', as CAST AS DATE). */
static bool parse_default(sv in, bool date_only, int64_t *out)
{
    sv s = in;
    while (s.n > 0 && isspace((unsigned char)s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && isspace((unsigned char)s.p[s.n - 1]))
        s.n--;
    int64_t pos = 0, y, mo = 1, d = 1, hh = 0, mi = 0, ss = 0, frac = 0, tz = 0;
    if (!read_num(s, &pos, 4, 6, &y))
        return false;
    if (pos < s.n && s.p[pos] == '-') {
        pos++;
        if (!read_num(s, &pos, 1, 2, &mo))
            return false;
        if (pos < s.n && s.p[pos] == '-') {
            pos++;
            if (!read_num(s, &pos, 1, 2, &d))
                return false;
        }
    }
    if (pos < s.n && s.p[pos] != ' ' && s.p[pos] != 'T')
        return false;
    if (!date_only && pos < s.n) {
        pos++;
        if (!read_num(s, &pos, 1, 2, &hh))
            return false;
        if (pos < s.n && s.p[pos] == ':') {
            pos++;
            if (!read_num(s, &pos, 1, 2, &mi))
                return false;
            if (pos < s.n && s.p[pos] == ':') {
                pos++;
                if (!read_num(s, &pos, 1, 2, &ss))
                    return false;
                if (pos < s.n && s.p[pos] == '.') {
                    pos++;
                    int64_t p0 = pos;
                    read_num(s, &pos, 0, 6, &frac);
                    for (int64_t z = pos - p0; z < 6; z++)
                        frac *= 10;
                    while (pos < s.n && isdigit((unsigned char)s.p[pos]))
                        pos++;
                }
            }
        }
        if (pos < s.n && (s.p[pos] == 'Z' || s.p[pos] == 'z')) {
            pos++;
        } else if (pos < s.n && (s.p[pos] == '+' || s.p[pos] == '-')) {
            int sign = s.p[pos++] == '-' ? -1 : 1;
            int64_t th, tm = 0;
            if (!read_num(s, &pos, 1, 2, &th))
                return false;
            if (pos < s.n && s.p[pos] == ':')
                pos++;
            read_num(s, &pos, 0, 2, &tm);
            tz = sign * (th * 3600 + tm * 60);
        }
        if (pos != s.n)
            return false;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, (unsigned)mo) || hh > 23 || mi > 59 ||
        ss > 59)
        return false;
    *out = st_days_from_civil(y, (unsigned)mo, (unsigned)d) * US_PER_DAY +
           ((hh * 60 + mi) * 60 + ss - tz) * US_PER_SEC + frac;
    return true;
}

/* ---- specs and the shared kernel --------------------------------------- */

typedef struct drow {
    int64_t i64;      /* DATE days, TIMESTAMP micros, ints */
    double  f64;
    st_buf *buf;      /* string results */
    bool    is_null;
} drow;

typedef struct date_spec date_spec;
typedef st_status (*date_row_fn)(const fn_bound *f, const fn_context *ctx,
                                 const vec *const *args, int64_t i, drow *o, st_error *err);
struct date_spec {
    const char *name;
    const char *sig;   /* D date-ish, T timestamp-ish, S string or timestamp-ish,
                       ** s string, i int, '|' optional from here */
    char        ret;   /* D date, T timestamp, i int, l bigint, d double, s string */
    date_row_fn fn;
};

static st_status bad_value(const fn_bound *f, const fn_context *ctx, sv s, drow *o,
                           st_error *err)
{
    if (ctx->ansi)
        return st_error_set(err, ST_ERR_ARGUMENT, "cannot parse '%.*s' in %s",
                            (int)ST_MIN(s.n, 200), s.p, f->name);
    o->is_null = true;
    return ST_OK;
}

static st_status d_current_date(const fn_bound *f, const fn_context *ctx,
                                const vec *const *args, int64_t i, drow *o, st_error *err)
{
    o->i64 = floor_div(ctx->now_micros, US_PER_DAY);
    return ST_OK;
}
static st_status d_now(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                       int64_t i, drow *o, st_error *err)
{
    o->i64 = ctx->now_micros;
    return ST_OK;
}
static st_status d_date_add(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                            int64_t i, drow *o, st_error *err)
{
    int64_t n = int_of(args[1], i);
    o->i64 = days_of(args[0], i) + (strcmp(f->name, "date_sub") == 0 ? -n : n);
    if (o->i64 < INT32_MIN || o->i64 > INT32_MAX)
        o->is_null = true;
    return ST_OK;
}
static st_status d_datediff(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                            int64_t i, drow *o, st_error *err)
{
    o->i64 = days_of(args[0], i) - days_of(args[1], i);
    return ST_OK;
}
static int64_t add_months_days(int64_t days, int64_t n)
{
    int64_t y;
    unsigned m, d;
    st_civil_from_days(days, &y, &m, &d);
    int64_t total = y * 12 + (m - 1) + n;
    int64_t ny = floor_div(total, 12);
    unsigned nm = (unsigned)floor_mod(total, 12) + 1;
    unsigned md = month_days(ny, nm);
    return st_days_from_civil(ny, nm, d > md ? md : d);
}
static st_status d_add_months(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                              int64_t i, drow *o, st_error *err)
{
    o->i64 = add_months_days(days_of(args[0], i), int_of(args[1], i));
    return ST_OK;
}
static st_status d_months_between(const fn_bound *f, const fn_context *ctx,
                                  const vec *const *args, int64_t i, drow *o, st_error *err)
{
    int64_t u1 = micros_of(args[0], i), u2 = micros_of(args[1], i);
    int64_t d1 = floor_div(u1, US_PER_DAY), d2 = floor_div(u2, US_PER_DAY);
    int64_t y1, y2;
    unsigned m1, m2, dd1, dd2;
    st_civil_from_days(d1, &y1, &m1, &dd1);
    st_civil_from_days(d2, &y2, &m2, &dd2);
    double months = (double)((y1 * 12 + m1) - (y2 * 12 + m2));
    bool last1 = dd1 == month_days(y1, m1), last2 = dd2 == month_days(y2, m2);
    if (dd1 == dd2 || (last1 && last2)) {
        o->f64 = months;
        return ST_OK;
    }
    int64_t s1 = floor_mod(u1, US_PER_DAY) / US_PER_SEC, s2 = floor_mod(u2, US_PER_DAY) / US_PER_SEC;
    int64_t sec_diff = ((int64_t)dd1 - (int64_t)dd2) * 86400 + s1 - s2;
    double diff = months + (double)sec_diff / (31.0 * 86400);
    bool round_off = f->n_args < 3 || ((const uint8_t *)args[2]->values)[i / 8] >> (i % 8) & 1;
    o->f64 = round_off ? floor(diff * 1e8 + 0.5) / 1e8 : diff;
    return ST_OK;
}

/* Truncation unit: 1 year, 2 quarter, 3 month, 4 week, 5 day, 6 hour,
** 7 minute, 8 second, 9 millisecond, 10 microsecond; 0 unknown. */
static int trunc_unit(sv fmt)
{
    static const struct { const char *name; int unit; } U[] = {
        {"year", 1}, {"yyyy", 1}, {"yy", 1}, {"quarter", 2}, {"month", 3}, {"mon", 3},
        {"mm", 3}, {"week", 4}, {"day", 5}, {"dd", 5}, {"hour", 6}, {"minute", 7},
        {"second", 8}, {"millisecond", 9}, {"microsecond", 10},
    };
    for (size_t k = 0; k < ST_ARRAY_LEN(U); k++)
        if ((int64_t)strlen(U[k].name) == fmt.n && strncasecmp(U[k].name, fmt.p, (size_t)fmt.n) == 0)
            return U[k].unit;
    return 0;
}
static int64_t trunc_days(int64_t days, int unit)
{
    int64_t y;
    unsigned m, d;
    st_civil_from_days(days, &y, &m, &d);
    switch (unit) {
    case 1: return st_days_from_civil(y, 1, 1);
    case 2: return st_days_from_civil(y, (m - 1) / 3 * 3 + 1, 1);
    case 3: return st_days_from_civil(y, m, 1);
    case 4: return days - iso_weekday(days);
    default: return days;
    }
}
static st_status d_date_trunc(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                              int64_t i, drow *o, st_error *err)
{
    int unit = trunc_unit(str_at(args[0], i));
    int64_t us = micros_of(args[1], i);
    static const int64_t STEP[] = {0, 0, 0, 0, 0, US_PER_DAY, 3600000000, 60000000, 1000000, 1000, 1};
    if (unit == 0) {
        o->is_null = true;
    } else if (unit <= 4) {
        o->i64 = trunc_days(floor_div(us, US_PER_DAY), unit) * US_PER_DAY;
    } else {
        o->i64 = floor_div(us, STEP[unit]) * STEP[unit];
    }
    return ST_OK;
}
static st_status d_trunc(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                         int64_t i, drow *o, st_error *err)
{
    int unit = trunc_unit(str_at(args[1], i));
    if (unit == 0 || unit > 4)
        o->is_null = true;
    else
        o->i64 = trunc_days(days_of(args[0], i), unit);
    return ST_OK;
}
static st_status d_date_format(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                               int64_t i, drow *o, st_error *err)
{
    return format_ts(micros_of(args[0], i), str_at(args[1], i), o->buf, err);
}

/* Parses argument 0 of row i (string, date or timestamp) into micros. */
static st_status parse_arg(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                           int64_t i, bool date_only, int64_t *us, drow *o, st_error *err)
{
    if (args[0]->type->id != VEC_STRING) {
        *us = micros_of(args[0], i);
        return ST_OK;
    }
    sv s = str_at(args[0], i);
    bool ok = f->n_args >= 2 ? parse_with(s, str_at(args[1], i), us) : parse_default(s, date_only, us);
    return ok ? ST_OK : bad_value(f, ctx, s, o, err);
}
static st_status d_to_date(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                           int64_t i, drow *o, st_error *err)
{
    int64_t us = 0;
    st_status r = parse_arg(f, ctx, args, i, true, &us, o, err);
    o->i64 = floor_div(us, US_PER_DAY);
    return r;
}
static st_status d_to_timestamp(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                                int64_t i, drow *o, st_error *err)
{
    return parse_arg(f, ctx, args, i, false, &o->i64, o, err);
}
static st_status d_unix_timestamp(const fn_bound *f, const fn_context *ctx,
                                  const vec *const *args, int64_t i, drow *o, st_error *err)
{
    int64_t us = ctx->now_micros;
    st_status r = ST_OK;
    if (f->n_args == 1 && args[0]->type->id == VEC_STRING) {
        sv s = str_at(args[0], i), pat = {"yyyy-MM-dd HH:mm:ss", 19};
        if (!parse_with(s, pat, &us))
            r = bad_value(f, ctx, s, o, err);
    } else if (f->n_args >= 1) {
        r = parse_arg(f, ctx, args, i, false, &us, o, err);
    }
    o->i64 = floor_div(us, US_PER_SEC);
    return r;
}
static st_status d_from_unixtime(const fn_bound *f, const fn_context *ctx,
                                 const vec *const *args, int64_t i, drow *o, st_error *err)
{
    int64_t sec = int_of(args[0], i);
    if (sec > INT64_MAX / US_PER_SEC || sec < INT64_MIN / US_PER_SEC) {
        o->is_null = true;
        return ST_OK;
    }
    sv pat = f->n_args == 2 ? str_at(args[1], i) : (sv){"yyyy-MM-dd HH:mm:ss", 19};
    return format_ts(sec * US_PER_SEC, pat, o->buf, err);
}

/* Field extraction: one row function, the field chosen by name. */
static st_status d_field(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                         int64_t i, drow *o, st_error *err)
{
    const char *n = f->name;
    int64_t us = micros_of(args[0], i), days = floor_div(us, US_PER_DAY);
    int64_t tod = floor_mod(us, US_PER_DAY), y;
    unsigned m, d;
    st_civil_from_days(days, &y, &m, &d);
    if (strcmp(n, "year") == 0)
        o->i64 = y;
    else if (strcmp(n, "quarter") == 0)
        o->i64 = (m - 1) / 3 + 1;
    else if (strcmp(n, "month") == 0)
        o->i64 = m;
    else if (strcmp(n, "day") == 0 || strcmp(n, "dayofmonth") == 0)
        o->i64 = d;
    else if (strcmp(n, "dayofweek") == 0)
        o->i64 = (iso_weekday(days) + 1) % 7 + 1;
    else if (strcmp(n, "weekday") == 0)
        o->i64 = iso_weekday(days);
    else if (strcmp(n, "dayofyear") == 0)
        o->i64 = day_of_year(days);
    else if (strcmp(n, "weekofyear") == 0) {
        int64_t thu = days - iso_weekday(days) + 3;
        o->i64 = (day_of_year(thu) - 1) / 7 + 1;
    } else if (strcmp(n, "hour") == 0)
        o->i64 = tod / 3600000000;
    else if (strcmp(n, "minute") == 0)
        o->i64 = tod / 60000000 % 60;
    else
        o->i64 = tod / US_PER_SEC % 60;
    return ST_OK;
}
static st_status d_last_day(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                            int64_t i, drow *o, st_error *err)
{
    int64_t y;
    unsigned m, d;
    st_civil_from_days(days_of(args[0], i), &y, &m, &d);
    o->i64 = st_days_from_civil(y, m, month_days(y, m));
    return ST_OK;
}
static st_status d_next_day(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                            int64_t i, drow *o, st_error *err)
{
    static const char *const ABBR2[7] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};
    sv w = str_at(args[1], i);
    int want = -1;
    for (int k = 0; k < 7 && want < 0; k++) {
        bool full = (int64_t)strlen(WEEKDAYS[k]) == w.n && strncasecmp(WEEKDAYS[k], w.p, (size_t)w.n) == 0;
        bool three = w.n == 3 && strncasecmp(WEEKDAYS[k], w.p, 3) == 0;
        bool two = w.n == 2 && strncasecmp(ABBR2[k], w.p, 2) == 0;
        if (full || three || two)
            want = k;
    }
    if (want < 0) {
        if (ctx->ansi)
            return st_error_set(err, ST_ERR_ARGUMENT, "illegal day of week '%.*s' in next_day",
                                (int)ST_MIN(w.n, 100), w.p);
        o->is_null = true;
        return ST_OK;
    }
    int64_t days = days_of(args[0], i);
    int delta = (want - iso_weekday(days) + 7) % 7;
    o->i64 = days + (delta == 0 ? 7 : delta);
    return ST_OK;
}
static st_status d_make_date(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                             int64_t i, drow *o, st_error *err)
{
    int64_t y = int_of(args[0], i), m = int_of(args[1], i), d = int_of(args[2], i);
    if (y < -290000 || y > 290000 || m < 1 || m > 12 || d < 1 || d > month_days(y, (unsigned)m)) {
        if (ctx->ansi)
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "invalid date %" PRId64 "-%" PRId64 "-%" PRId64 " in make_date", y,
                                m, d);
        o->is_null = true;
        return ST_OK;
    }
    o->i64 = st_days_from_civil(y, (unsigned)m, (unsigned)d);
    return ST_OK;
}

/* Micros per unit of timestampadd's fixed-length units; 0 for YEAR/QUARTER/
** MONTH (calendar arithmetic), -1 for an unknown unit. *months gets the
** month multiplier of the calendar units. */
static int64_t ts_unit(sv u, int64_t *months)
{
    static const struct { const char *n; int64_t us, mon; } U[] = {
        {"year", 0, 12}, {"quarter", 0, 3}, {"month", 0, 1},
        {"week", 7 * US_PER_DAY, 0}, {"day", US_PER_DAY, 0}, {"dayofyear", US_PER_DAY, 0},
        {"hour", 3600 * US_PER_SEC, 0}, {"minute", 60 * US_PER_SEC, 0},
        {"second", US_PER_SEC, 0}, {"millisecond", 1000, 0}, {"microsecond", 1, 0},
    };
    for (size_t k = 0; k < ST_ARRAY_LEN(U); k++)
        if ((size_t)u.n == strlen(U[k].n) && strncasecmp(u.p, U[k].n, (size_t)u.n) == 0) {
            *months = U[k].mon;
            return U[k].us;
        }
    return -1;
}
/* timestampadd(unit, n, ts) / dateadd: Spark's TIMESTAMPADD with the unit as a
** string. Calendar units keep the time of day and clamp the day to the
** target month's end (as add_months); overflow is NULL, an error in ANSI. */
static st_status d_timestampadd(const fn_bound *f, const fn_context *ctx,
                                const vec *const *args, int64_t i, drow *o, st_error *err)
{
    sv u = str_at(args[0], i);
    int64_t months = 0, per = ts_unit(u, &months), n = int_of(args[1], i);
    int64_t us = micros_of(args[2], i), r = 0;
    if (per < 0)
        return st_error_set(err, ST_ERR_ARGUMENT, "invalid unit '%.*s' for %s", (int)u.n, u.p,
                            f->name);
    bool over;
    if (per > 0) {
        int64_t d;
        over = __builtin_mul_overflow(n, per, &d) || __builtin_add_overflow(us, d, &r);
    } else {
        int64_t total;
        over = __builtin_mul_overflow(n, months, &total) || total < -INT32_MAX * INT64_C(12) ||
               total > INT32_MAX * INT64_C(12);
        if (!over) {
            int64_t days = add_months_days(floor_div(us, US_PER_DAY), total);
            over = days < -106751991 || days > 106751991;     /* int64 micros range */
            r = days * US_PER_DAY + floor_mod(us, US_PER_DAY);
        }
    }
    if (over) {
        if (ctx->ansi)
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "%s overflows adding %" PRId64 " %.*s", f->name, n, (int)u.n,
                                u.p);
        o->is_null = true;
        return ST_OK;
    }
    o->i64 = r;
    return ST_OK;
}

static const date_spec DATE_SPECS[] = {
    {"current_date", "", 'D', d_current_date},
    {"current_timestamp", "", 'T', d_now},
    {"now", "", 'T', d_now},
    {"date_add", "Di", 'D', d_date_add},
    {"date_sub", "Di", 'D', d_date_add},
    {"datediff", "DD", 'i', d_datediff},
    {"add_months", "Di", 'D', d_add_months},
    {"months_between", "TT|b", 'd', d_months_between},
    {"date_trunc", "sT", 'T', d_date_trunc},
    {"trunc", "Ds", 'D', d_trunc},
    {"date_format", "Ts", 's', d_date_format},
    {"to_date", "S|s", 'D', d_to_date},
    {"to_timestamp", "S|s", 'T', d_to_timestamp},
    {"unix_timestamp", "|Ss", 'l', d_unix_timestamp},
    {"to_unix_timestamp", "S|s", 'l', d_unix_timestamp},
    {"from_unixtime", "l|s", 's', d_from_unixtime},
    {"year", "D", 'i', d_field},
    {"quarter", "D", 'i', d_field},
    {"month", "D", 'i', d_field},
    {"day", "D", 'i', d_field},
    {"dayofmonth", "D", 'i', d_field},
    {"dayofweek", "D", 'i', d_field},
    {"weekday", "D", 'i', d_field},
    {"dayofyear", "D", 'i', d_field},
    {"weekofyear", "D", 'i', d_field},
    {"hour", "T", 'i', d_field},
    {"minute", "T", 'i', d_field},
    {"second", "T", 'i', d_field},
    {"last_day", "D", 'D', d_last_day},
    {"next_day", "Ds", 'D', d_next_day},
    {"make_date", "iii", 'D', d_make_date},
    {"timestampadd", "slT", 'T', d_timestampadd},
    {"dateadd", "slT", 'T', d_timestampadd},
};

static st_status k_date(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                        int64_t n, st_arena *a, vec **out, st_error *err)
{
    const date_spec *spec = f->state;
    vec_builder *b = vec_builder_new(&f->ret);
    st_buf buf;
    st_buf_init(&buf);
    st_status r = b ? ST_OK : st_error_set(err, ST_ERR_NOMEM, "out of memory in %s", f->name);
    for (int64_t i = 0; r == ST_OK && i < n; i++) {
        drow o = {.buf = &buf};
        for (int k = 0; k < f->n_args; k++)
            if (args[k]->type->id == VEC_NULL || !vec_is_valid(args[k], i))
                o.is_null = true;
        st_buf_clear(&buf);
        if (!o.is_null)
            r = spec->fn(f, ctx, args, i, &o, err);
        if (r != ST_OK)
            break;
        if (o.is_null)
            r = vec_builder_append_null(b, err);
        else if (spec->ret == 's')
            r = vec_builder_append_bytes(b, buf.data ? buf.data : (const uint8_t *)"", buf.len, err);
        else if (spec->ret == 'd')
            r = vec_builder_append_f64(b, o.f64, err);
        else
            r = vec_builder_append_i64(b, o.i64, err);
    }
    if (r == ST_OK)
        r = vec_builder_finish(b, a, out, err);
    st_buf_destroy(&buf);
    vec_builder_free(b);
    return r;
}

static char sig_kind(const char *sig, int k)
{
    int idx = 0;
    for (const char *p = sig; *p; p++)
        if (*p != '|' && idx++ == k)
            return *p;
    return 0;
}

static st_status resolve_date(const char *name, const fn_arg_info *args, int n_args, st_arena *a,
                              fn_bound *out, st_error *err)
{
    const date_spec *spec = NULL;
    for (size_t k = 0; k < ST_ARRAY_LEN(DATE_SPECS); k++)
        if (strcmp(DATE_SPECS[k].name, name) == 0)
            spec = &DATE_SPECS[k];
    if (!spec)
        return st_error_set(err, ST_ERR_INTERNAL, "function %s has no date spec", name);
    memset(out, 0, sizeof *out);
    out->name = spec->name;
    out->n_args = n_args;
    out->kernel = k_date;
    out->state = spec;
    out->ret_nullable = true;
    out->deterministic = true;
    switch (spec->ret) {
    case 'D': out->ret = T_DATE; break;
    case 'T': out->ret = T_TS; break;
    case 'i': out->ret.id = VEC_INT32; break;
    case 'l': out->ret.id = VEC_INT64; break;
    case 'd': out->ret.id = VEC_DOUBLE; break;
    default: out->ret.id = VEC_STRING; break;
    }
    for (int k = 0; k < n_args; k++) {
        vec_type_id id = args[k].type->id;
        char kind = sig_kind(spec->sig, k);
        bool temporal = id == VEC_DATE || id == VEC_TIMESTAMP || id == VEC_TIMESTAMP_NTZ;
        bool number = id >= VEC_INT8 && id <= VEC_DECIMAL;
        bool ok = true;
        switch (kind) {
        case 'D': case 'T':
            ok = temporal || id == VEC_STRING || id == VEC_NULL;
            if (ok && !temporal)
                out->cast_to[k] = kind == 'D' ? T_DATE : T_TS;
            break;
        case 'S':
            ok = temporal || id == VEC_STRING || id == VEC_NULL;
            if (id == VEC_NULL)
                out->cast_to[k].id = VEC_STRING;
            break;
        case 's':
            ok = id == VEC_STRING || id == VEC_NULL;
            if (id == VEC_NULL)
                out->cast_to[k].id = VEC_STRING;
            break;
        case 'i': case 'l': {
            vec_type_id want = kind == 'i' ? VEC_INT32 : VEC_INT64;
            ok = number || id == VEC_STRING || id == VEC_NULL;
            if (ok && id != want)
                out->cast_to[k].id = want;
            break;
        }
        case 'b':
            ok = id == VEC_BOOL || id == VEC_NULL;
            if (id == VEC_NULL)
                out->cast_to[k].id = VEC_BOOL;
            break;
        default:
            ok = false;
            break;
        }
        if (!ok) {
            char t[64];
            vec_type_format(args[k].type, t, sizeof t);
            return st_error_set(err, ST_ERR_BIND,
                                "function %s does not accept %s as argument %d", name, t, k + 1);
        }
    }
    return ST_OK;
}

const fn_def fn_defs_date[] = {
    {"current_date", 0, 0, resolve_date},
    {"current_timestamp", 0, 0, resolve_date},
    {"now", 0, 0, resolve_date},
    {"date_add", 2, 2, resolve_date},
    {"date_sub", 2, 2, resolve_date},
    {"datediff", 2, 2, resolve_date},
    {"add_months", 2, 2, resolve_date},
    {"months_between", 2, 3, resolve_date},
    {"date_trunc", 2, 2, resolve_date},
    {"trunc", 2, 2, resolve_date},
    {"date_format", 2, 2, resolve_date},
    {"to_date", 1, 2, resolve_date},
    {"to_timestamp", 1, 2, resolve_date},
    {"unix_timestamp", 0, 2, resolve_date},
    {"to_unix_timestamp", 1, 2, resolve_date},
    {"from_unixtime", 1, 2, resolve_date},
    {"year", 1, 1, resolve_date},
    {"quarter", 1, 1, resolve_date},
    {"month", 1, 1, resolve_date},
    {"day", 1, 1, resolve_date},
    {"dayofmonth", 1, 1, resolve_date},
    {"dayofweek", 1, 1, resolve_date},
    {"weekday", 1, 1, resolve_date},
    {"dayofyear", 1, 1, resolve_date},
    {"weekofyear", 1, 1, resolve_date},
    {"hour", 1, 1, resolve_date},
    {"minute", 1, 1, resolve_date},
    {"second", 1, 1, resolve_date},
    {"last_day", 1, 1, resolve_date},
    {"next_day", 2, 2, resolve_date},
    {"make_date", 3, 3, resolve_date},
    {"timestampadd", 3, 3, resolve_date},
    {"dateadd", 3, 3, resolve_date},
    {NULL, 0, 0, NULL},
};
