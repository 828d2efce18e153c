/* delta_cleanup.c -- interval table properties and expired-log cleanup
** (PROTOCOL.md "Metadata Cleanup", "Table Properties"), implemented by hand:
** no packaged C library manages a Delta log.
**
** Interval properties are Spark CalendarInterval strings ("interval 30
** days", "2 weeks"); Delta only accepts fixed durations, so months/years are
** invalid and callers fall back to the default.
**
** Cleanup runs after a checkpoint was published. Invariants it keeps:
**   - nothing at or after the cutoff checkpoint C is deleted, nor C's own
**     commit file (it carries commitInfo, which checkpoints drop);
**   - C is a complete checkpoint no newer than the newest commit older than
**     the retention cutoff, so every version committed within retention is
**     rebuilt from C plus the commits after it;
**   - commit times are monotonized (a file's time is the max of its own and
**     every older commit's) so a skewed clock can only keep more, never
**     delete a commit that is still within retention;
**   - when commits C+1..s->version are not all present the log is already
**     damaged and nothing is deleted.
** Deleting is best effort: a file that cannot be removed is left behind and
** the next cleanup retries. _delta_log/_sidecars is not cleaned (that needs
** the sidecar lists of every retained V2 checkpoint). */
#include "delta_cleanup.h"

#include "../store/store.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <strings.h>

/* ---- interval properties ------------------------------------------------- */

typedef struct interval_unit {
    const char *name;         /* singular; a trailing 's' is also accepted */
    int64_t     micros;       /* length of one unit */
} interval_unit;

static const interval_unit interval_units[] = {
    { "week", 7 * 86400000000LL },
    { "day", 86400000000LL },
    { "hour", 3600000000LL },
    { "minute", 60000000LL },
    { "second", 1000000LL },
    { "millisecond", 1000LL },
    { "microsecond", 1LL },
};

static const char *skip_ws(const char *p)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    return p;
}

/* Length-n word w against unit name (singular or plural), any case. */
static const interval_unit *find_unit(const char *w, size_t n)
{
    for (size_t i = 0; i < ST_ARRAY_LEN(interval_units); i++) {
        size_t m = strlen(interval_units[i].name);
        if ((n == m || (n == m + 1 && (w[m] == 's' || w[m] == 'S')))
            && strncasecmp(w, interval_units[i].name, m) == 0)
            return &interval_units[i];
    }
    return NULL;
}

/* One "<number> <unit>" pair at *pp into *out_micros; advances *pp. */
static bool parse_pair(const char **pp, int64_t *out_micros)
{
    const char *p = *pp;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    if (!isdigit((unsigned char)*p))
        return false;
    int64_t whole = 0, frac = 0;
    for (; isdigit((unsigned char)*p); p++)
        if (__builtin_mul_overflow(whole, 10, &whole) || __builtin_add_overflow(whole, *p - '0', &whole))
            return false;
    bool has_frac = *p == '.';
    if (has_frac) {
        p++;
        int digits = 0;
        for (; isdigit((unsigned char)*p); p++, digits++)
            if (digits < 6)           /* microsecond precision; more digits truncated */
                frac = frac * 10 + (*p - '0');
        if (digits == 0)
            return false;
        for (; digits < 6; digits++)
            frac *= 10;
    }
    if (!isspace((unsigned char)*p))
        return false;
    p = skip_ws(p);
    const char *w = p;
    while (isalpha((unsigned char)*p))
        p++;
    const interval_unit *u = find_unit(w, (size_t)(p - w));
    if (!u || (has_frac && u->micros != 1000000LL))
        return false;        /* unknown unit (months, years) or a fraction off seconds */
    int64_t v;
    if (__builtin_mul_overflow(whole, u->micros, &v) || __builtin_add_overflow(v, frac, &v))
        return false;
    *out_micros = neg ? -v : v;
    *pp = p;
    return true;
}

bool delta_parse_interval_ms(const char *s, int64_t *out_ms)
{
    if (!s)
        return false;
    const char *p = skip_ws(s);
    if (strncasecmp(p, "interval", 8) == 0 && isspace((unsigned char)p[8]))
        p = skip_ws(p + 8);
    int64_t total = 0;
    int n_pairs = 0;
    while (*p) {
        int64_t v;
        if (!parse_pair(&p, &v) || __builtin_add_overflow(total, v, &total))
            return false;
        n_pairs++;
        p = skip_ws(p);
    }
    if (n_pairs == 0 || total < 0)
        return false;
    *out_ms = total / 1000;
    return true;
}

int64_t delta_config_interval_ms(const delta_metadata *m, const char *key, int64_t default_ms)
{
    int64_t ms;
    const char *v = delta_config_get(m, key);
    return v && delta_parse_interval_ms(v, &ms) ? ms : default_ms;
}

/* ---- log listing ------------------------------------------------------------ */

typedef enum log_kind {
    LOG_OTHER,                /* not ours to delete */
    LOG_COMMIT,               /* V.json */
    LOG_CRC,                  /* V.crc */
    LOG_CKPT,                 /* V.checkpoint.parquet or V.checkpoint.UUID.json|parquet */
    LOG_CKPT_PART,            /* V.checkpoint.O.P.parquet */
    LOG_COMPACTION,           /* S.E.compacted.json (version = S) */
} log_kind;

typedef struct log_name {
    const char *name;         /* borrowed: listing arena */
    log_kind    kind;
    int64_t     version;      /* the leading 20-digit version */
    int64_t     part, parts;  /* LOG_CKPT_PART: part o of p */
} log_name;

static bool digits(const char *s, int n, int64_t *out)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]) || v > (INT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool is_uuid36(const char *s, size_t n)
{
    if (n != 36)
        return false;
    for (size_t i = 0; i < n; i++)
        if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

static log_name classify(const char *name)
{
    log_name l = { .name = name, .kind = LOG_OTHER };
    int64_t e;
    if (strlen(name) < 21 || !digits(name, 20, &l.version) || name[20] != '.')
        return l;
    const char *sfx = name + 20;
    size_t n = strlen(sfx);
    if (strcmp(sfx, ".json") == 0)
        l.kind = LOG_COMMIT;
    else if (strcmp(sfx, ".crc") == 0)
        l.kind = LOG_CRC;
    else if (strcmp(sfx, ".checkpoint.parquet") == 0)
        l.kind = LOG_CKPT;
    else if (n == 21 + 15 && digits(sfx + 1, 20, &e) && strcmp(sfx + 21, ".compacted.json") == 0)
        l.kind = LOG_COMPACTION;
    else if (strncmp(sfx, ".checkpoint.", 12) == 0) {
        const char *r = sfx + 12;
        size_t rn = n - 12;
        if (rn == 10 + 1 + 10 + 8 && digits(r, 10, &l.part) && r[10] == '.'
            && digits(r + 11, 10, &l.parts) && strcmp(r + 21, ".parquet") == 0)
            l.kind = l.part >= 1 && l.part <= l.parts ? LOG_CKPT_PART : LOG_OTHER;
        else if ((rn > 5 && strcmp(r + rn - 5, ".json") == 0 && is_uuid36(r, rn - 5))
                 || (rn > 8 && strcmp(r + rn - 8, ".parquet") == 0 && is_uuid36(r, rn - 8)))
            l.kind = LOG_CKPT;
    }
    return l;
}

/* True when the parts p (all of one version) hold a complete set for some
** part count. n is small (parts of one checkpoint). */
static bool parts_complete(const log_name *p, int n)
{
    for (int i = 0; i < n; i++) {
        int64_t total = p[i].parts, seen = 0;
        for (int j = 0; j < n; j++)
            seen += p[j].parts == total;
        if (seen == total)    /* names are unique, so parts 1..total all occur */
            return true;
    }
    return false;
}

/* Newest complete checkpoint version <= limit, -1 if none. */
static int64_t newest_checkpoint(const log_name *l, int n, int64_t limit)
{
    int64_t best = -1;
    for (int i = 0; i < n; i++) {
        if (l[i].version > limit || l[i].version <= best)
            continue;
        if (l[i].kind == LOG_CKPT) {
            best = l[i].version;
        } else if (l[i].kind == LOG_CKPT_PART) {
            int j = i;
            while (j < n && l[j].version == l[i].version)
                j++;
            int k = 0;       /* names of one version are adjacent in sorted order */
            log_name tmp[64];  /* more parts than this: not used as a cutoff (safe) */
            for (int x = i; x < j && k < (int)ST_ARRAY_LEN(tmp); x++)
                if (l[x].kind == LOG_CKPT_PART)
                    tmp[k++] = l[x];
            if (parts_complete(tmp, k))
                best = l[i].version;
        }
    }
    return best;
}

/* Newest commit whose monotonized file time is <= cutoff_ms, -1 if none.
** l is sorted by version (bytewise order of 20-digit names). */
static int64_t cutoff_commit(const char *log_dir, const log_name *l, int n, int64_t cutoff_ms,
                             st_arena *a)
{
    int64_t found = -1, running = INT64_MIN;
    for (int i = 0; i < n; i++) {
        if (l[i].kind != LOG_COMMIT)
            continue;
        int64_t mtime, size;
        char *path = st_arena_printf(a, "%s/%s", log_dir, l[i].name);
        if (!path || store_stat(path, &mtime, &size, NULL) != ST_OK)
            break;            /* cannot judge this commit: keep it and everything after */
        running = ST_MAX(running, mtime);
        if (running > cutoff_ms)
            break;
        found = l[i].version;
    }
    return found;
}

/* True when every commit from+1..to is listed. */
static bool commits_contiguous(const log_name *l, int n, int64_t from, int64_t to)
{
    int64_t next = from + 1;
    for (int i = 0; i < n && next <= to; i++)
        if (l[i].kind == LOG_COMMIT && l[i].version == next)
            next++;
    return next > to;
}

static bool expired(const log_name *l, int64_t c)
{
    switch (l->kind) {
    case LOG_COMMIT: case LOG_CRC: case LOG_CKPT: case LOG_CKPT_PART:
        return l->version < c;
    case LOG_COMPACTION:
        return l->version <= c;
    default:
        return false;
    }
}

/* Staged commits (_delta_log/_staged_commits/V.UUID.json) at or before c. */
static int delete_staged(const char *log_dir, int64_t c, st_arena *a)
{
    char *dir = st_arena_printf(a, "%s/_staged_commits", log_dir);
    char **names = NULL;
    int n = 0, deleted = 0;
    if (!dir || store_list(dir, a, &names, &n, NULL) != ST_OK)
        return 0;
    for (int i = 0; i < n; i++) {
        int64_t v;
        if (strlen(names[i]) < 21 || !digits(names[i], 20, &v) || names[i][20] != '.' || v > c)
            continue;
        char *path = st_arena_printf(a, "%s/%s", dir, names[i]);
        if (path && store_remove(path, NULL) == ST_OK)
            deleted++;
    }
    return deleted;
}

static bool cleanup_enabled(const delta_metadata *m)
{
    const char *v = delta_config_get(m, "delta.enableExpiredLogCleanup");
    return !v || strcasecmp(v, "false") != 0;
}

/* Midnight UTC at or before t (ms since the epoch). */
static int64_t truncate_day(int64_t t)
{
    int64_t d = t / DELTA_MS_PER_DAY;
    if (t % DELTA_MS_PER_DAY < 0)
        d--;
    return d * DELTA_MS_PER_DAY;
}

st_status delta_log_cleanup(const delta_snapshot *s, int64_t now_ms, int64_t *out_from,
                            int *out_deleted, st_error *err)
{
    if (out_from)
        *out_from = -1;
    if (out_deleted)
        *out_deleted = 0;
    if (!cleanup_enabled(&s->meta))
        return ST_OK;
    int64_t retention = delta_config_interval_ms(&s->meta, "delta.logRetentionDuration",
                                                 DELTA_LOG_RETENTION_DEFAULT_MS);
    int64_t cutoff_ms = truncate_day(now_ms - ST_MIN(retention, now_ms));
    st_arena *a = st_arena_new(0);
    if (!a)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory cleaning the delta log");
    char *log_dir = st_arena_printf(a, "%s/_delta_log", s->table);
    char **names = NULL;
    int n = 0;
    st_status rc = log_dir ? store_list(log_dir, a, &names, &n, err)
                           : st_error_set(err, ST_ERR_NOMEM, "out of memory cleaning the delta log");
    log_name *l = rc == ST_OK ? st_arena_calloc(a, (size_t)n + 1, sizeof *l) : NULL;
    if (rc == ST_OK && !l)
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory cleaning the delta log");
    if (rc != ST_OK) {
        st_arena_free(a);
        return st_error_context(err, "cleaning the log of table \"%s\"", s->table);
    }
    for (int i = 0; i < n; i++)
        l[i] = classify(names[i]);
    int64_t commit = cutoff_commit(log_dir, l, n, cutoff_ms, a);
    int64_t c = commit >= 0 ? newest_checkpoint(l, n, ST_MIN(commit, s->version)) : -1;
    int deleted = 0;
    if (c > 0 && commits_contiguous(l, n, c, s->version)) {
        for (int i = 0; i < n; i++) {        /* sorted: oldest versions go first */
            if (!expired(&l[i], c))
                continue;
            char *path = st_arena_printf(a, "%s/%s", log_dir, l[i].name);
            if (path && store_remove(path, NULL) == ST_OK)
                deleted++;
        }
        deleted += delete_staged(log_dir, c, a);
        if (out_from)
            *out_from = c;
    }
    if (out_deleted)
        *out_deleted = deleted;
    st_arena_free(a);
    return ST_OK;
}
