/* fn_registry.c -- finds a scalar function by name across the family tables
** of fn_int.h, checks its argument count, and hands type resolution to the
** family's resolver. Names are matched case-insensitively (lowercased first,
** as Spark does). An unknown name gets a "did you mean" hint with the known
** name at the smallest edit distance (at most 2 edits, or a third of the
** name). The name list for fn_names is built on first use under a once
** flag, then read-only. */
#include "fn_int.h"

#include <ctype.h>
#include <pthread.h>
#include <string.h>

static const fn_def *const fn_tables[] = {
    fn_defs_arith, fn_defs_cond, fn_defs_math, fn_defs_string, fn_defs_date, fn_defs_hash,
    fn_defs_array,
};

#define FN_NAME_MAX 128

/* Lowercased copy of name into buf; false when too long. */
static bool lower_name(const char *name, char *buf)
{
    size_t n = strlen(name);
    if (n >= FN_NAME_MAX)
        return false;
    for (size_t i = 0; i <= n; i++)
        buf[i] = (char)tolower((unsigned char)name[i]);
    return true;
}

static const fn_def *find_def(const char *lname)
{
    for (size_t t = 0; t < ST_ARRAY_LEN(fn_tables); t++)
        for (const fn_def *d = fn_tables[t]; d->name; d++)
            if (!strcmp(d->name, lname))
                return d;
    return NULL;
}

bool fn_exists(const char *name)
{
    char l[FN_NAME_MAX];
    return name && lower_name(name, l) && find_def(l) != NULL;
}

/* Levenshtein distance, capped inputs (FN_NAME_MAX). */
static int edit_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    int row[FN_NAME_MAX + 1];
    if (na >= FN_NAME_MAX || nb >= FN_NAME_MAX)
        return FN_NAME_MAX;
    for (size_t j = 0; j <= nb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= nb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            best = ST_MIN(best, up + 1);
            best = ST_MIN(best, row[j - 1] + 1);
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

static const char *closest_name(const char *lname)
{
    const char *best = NULL;
    int best_d = FN_NAME_MAX;
    for (size_t t = 0; t < ST_ARRAY_LEN(fn_tables); t++)
        for (const fn_def *d = fn_tables[t]; d->name; d++) {
            int dist = edit_distance(lname, d->name);
            if (dist < best_d) {
                best_d = dist;
                best = d->name;
            }
        }
    int limit = ST_MAX(2, (int)strlen(lname) / 3);
    return best_d <= limit ? best : NULL;
}

static st_status arg_count_error(const fn_def *d, int n_args, st_error *err)
{
    if (d->max_args == d->min_args)
        return st_error_set(err, ST_ERR_BIND, "function %s takes %d argument%s, got %d", d->name,
                            d->min_args, d->min_args == 1 ? "" : "s", n_args);
    if (d->max_args < 0)
        return st_error_set(err, ST_ERR_BIND, "function %s takes at least %d argument%s, got %d",
                            d->name, d->min_args, d->min_args == 1 ? "" : "s", n_args);
    if (d->max_args == d->min_args + 1)
        return st_error_set(err, ST_ERR_BIND, "function %s takes %d or %d arguments, got %d",
                            d->name, d->min_args, d->max_args, n_args);
    return st_error_set(err, ST_ERR_BIND, "function %s takes %d to %d arguments, got %d", d->name,
                        d->min_args, d->max_args, n_args);
}

st_status fn_resolve(const char *name, const fn_arg_info *args, int n_args, st_arena *a,
                     fn_bound *out, st_error *err)
{
    char l[FN_NAME_MAX];
    if (!name || !lower_name(name, l))
        return st_error_set(err, ST_ERR_BIND, "function %.64s... does not exist",
                            name ? name : "(null)");
    const fn_def *d = find_def(l);
    if (!d) {
        st_error_set(err, ST_ERR_BIND, "function %s does not exist", l);
        const char *near = closest_name(l);
        if (near)
            st_error_hint(err, "Perhaps you meant %s.", near);
        return ST_ERR_BIND;
    }
    if (n_args < 0 || n_args > FN_MAX_ARGS || n_args < d->min_args ||
        (d->max_args >= 0 && n_args > d->max_args))
        return arg_count_error(d, n_args, err);
    memset(out, 0, sizeof *out);
    out->name = d->name;
    out->n_args = n_args;
    out->deterministic = true;
    out->ret_nullable = true;
    return d->resolve(d->name, args, n_args, a, out, err);
}

static const char **name_list;
static pthread_once_t name_once = PTHREAD_ONCE_INIT;

static void build_names(void)
{
    size_t n = 0;
    for (size_t t = 0; t < ST_ARRAY_LEN(fn_tables); t++)
        for (const fn_def *d = fn_tables[t]; d->name; d++)
            n++;
    const char **list = st_calloc(n + 1, sizeof *list);
    if (!list)
        return;
    size_t k = 0;
    for (size_t t = 0; t < ST_ARRAY_LEN(fn_tables); t++)
        for (const fn_def *d = fn_tables[t]; d->name; d++)
            list[k++] = d->name;
    list[k] = NULL;
    name_list = list;     /* process lifetime: freed at exit by the OS */
}

const char *const *fn_names(void)
{
    static const char *const empty[] = {NULL};
    pthread_once(&name_once, build_names);
    return name_list ? name_list : empty;
}
