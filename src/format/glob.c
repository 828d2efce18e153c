/* glob.c -- path patterns and directories into a sorted list of regular
** files, for table references over CSV, NDJSON and Parquet files. Uses
** glob(3) for patterns (GLOB_NOSORT: we sort ourselves, bytewise, so the
** order does not depend on the locale) and opendir(3) for directories. */
#include "format.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <sys/stat.h>

#define GLOB_MAX_FILES 1000000   /* more matches than this is ST_ERR_LIMIT */

typedef struct path_list {
    char  **items;   /* arena */
    int     n;
    int     cap;
} path_list;

static st_status list_push(path_list *l, st_arena *a, const char *p, st_error *err)
{
    if (l->n >= GLOB_MAX_FILES)
        return st_error_set(err, ST_ERR_LIMIT, "more than %d files match", GLOB_MAX_FILES);
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        char **items = st_arena_realloc(a, l->items, (size_t)l->cap * sizeof *items,
                                        (size_t)cap * sizeof *items);
        if (!items)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory listing files");
        l->items = items;
        l->cap = cap;
    }
    if (!(l->items[l->n] = st_arena_strdup(a, p)))
        return st_error_set(err, ST_ERR_NOMEM, "out of memory listing files");
    l->n++;
    return ST_OK;
}

static bool is_regular(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static st_status list_dir(const char *dir, st_arena *a, path_list *l, st_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return st_error_set(err, ST_ERR_IO, "could not open directory \"%s\": %s", dir,
                            strerror(errno));
    st_status rc = ST_OK;
    size_t dl = strlen(dir);
    bool slash = dl > 0 && dir[dl - 1] == '/';
    struct dirent *e;
    while (rc == ST_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || e->d_name[0] == '_')
            continue;
        char *p = st_arena_printf(a, "%s%s%s", dir, slash ? "" : "/", e->d_name);
        if (!p)
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory listing files");
        else if (is_regular(p))
            rc = list_push(l, a, p, err);
    }
    closedir(d);
    return rc;
}

st_status fmt_glob(const char *pattern, st_arena *a, char ***paths, int *n, st_error *err)
{
    path_list l = {0};
    struct stat st;
    st_status rc = ST_OK;
    if (stat(pattern, &st) == 0 && S_ISDIR(st.st_mode)) {
        rc = list_dir(pattern, a, &l, err);
    } else {
        glob_t g;
        int grc = glob(pattern, GLOB_NOSORT, NULL, &g);
        if (grc == GLOB_NOSPACE)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory expanding \"%s\"", pattern);
        if (grc == GLOB_ABORTED)
            return st_error_set(err, ST_ERR_IO, "could not read a directory expanding \"%s\"",
                                pattern);
        for (size_t i = 0; grc == 0 && rc == ST_OK && i < g.gl_pathc; i++)
            if (is_regular(g.gl_pathv[i]))
                rc = list_push(&l, a, g.gl_pathv[i], err);
        if (grc == 0)
            globfree(&g);
    }
    if (rc != ST_OK)
        return rc;
    if (l.n == 0) {
        st_error_set(err, ST_ERR_NOTFOUND, "no files match \"%s\"", pattern);
        return st_error_hint(err, "Check the path; names starting with '.' or '_' are skipped.");
    }
    qsort(l.items, (size_t)l.n, sizeof *l.items, cmp_str);
    *paths = l.items;
    *n = l.n;
    return ST_OK;
}
