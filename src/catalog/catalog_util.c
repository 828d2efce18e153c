/* catalog_util.c -- the metastore's helpers that do not touch SQLite: name
** validation and lowercasing, lexical path cleaning, "is this path below that
** root" (the guard in front of every managed-data deletion), mkdir -p,
** recursive folder removal, SHOW ... LIKE matching, and small utilities
** (random suffixes, wall clock, owner).
**
** Invariants: cat_remove_tree never follows a symbolic link (a link is
** unlinked, not its target) and stops at CAT_RM_MAX_DEPTH levels; cat_like_match
** never allocates and runs in O(len(pattern) * len(name)). Names are ASCII
** lowercased only, so results never depend on the locale. */
#include "catalog_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CAT_RM_MAX_DEPTH 256   /* folder levels cat_remove_tree descends */

/* ---- names ------------------------------------------------------------------ */

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

st_status cat_name_norm(const char *kind, const char *name, char *out, st_error *err)
{
    if (!name || !*name)
        return st_error_set(err, ST_ERR_ARGUMENT, "invalid %s name \"\": a name cannot be empty",
                            kind);
    size_t n = strlen(name);
    if (n > CAT_NAME_MAX)
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "invalid %s name \"%.40s...\": longer than %d bytes (%zu)", kind,
                            name, CAT_NAME_MAX, n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '/')
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "invalid %s name \"%s\": a name cannot contain '/'", kind, name);
        if (c == '.')
        {
            st_error_set(err, ST_ERR_ARGUMENT,
                         "invalid %s name \"%s\": a name part cannot contain '.'", kind, name);
            st_error_hint(err, "Write catalog.schema.table with one name per part.");
            return ST_ERR_ARGUMENT;
        }
        if (c < 0x20 || c == 0x7f)
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "invalid %s name: it contains control character 0x%02x", kind, c);
        out[i] = ascii_lower((char)c);
    }
    out[n] = '\0';
    return ST_OK;
}

/* ---- paths ------------------------------------------------------------------ */

st_status cat_path_abs(const char *path, char **out, st_error *err)
{
    *out = NULL;
    if (!path || !*path)
        return st_error_set(err, ST_ERR_ARGUMENT, "invalid path \"\": a path cannot be empty");
    char cwd[4096] = "";
    if (path[0] != '/' && !getcwd(cwd, sizeof cwd))
        return st_error_set(err, ST_ERR_IO, "could not read the current folder: %s",
                            strerror(errno));
    size_t cl = strlen(cwd), pl = strlen(path), cap;
    if (!st_add_size(cl, pl, &cap) || !st_add_size(cap, 3, &cap))
        return st_error_set(err, ST_ERR_LIMIT, "path \"%.60s...\" is too long", path);
    char *src = st_malloc(cap), *dst = st_malloc(cap);
    if (!src || !dst) {
        st_free(src);
        st_free(dst);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    }
    snprintf(src, cap, "%s/%s", cwd, path);
    /* Copy component by component: skip empty and ".", pop on "..". */
    size_t dl = 0;
    for (const char *p = src; *p;) {
        while (*p == '/')
            p++;
        const char *e = p;
        while (*e && *e != '/')
            e++;
        size_t len = (size_t)(e - p);
        if (len == 0 || (len == 1 && p[0] == '.')) {
            /* nothing */
        } else if (len == 2 && p[0] == '.' && p[1] == '.') {
            while (dl > 0 && dst[dl - 1] != '/')
                dl--;
            if (dl > 0)
                dl--;
        } else {
            dst[dl++] = '/';
            memcpy(dst + dl, p, len);
            dl += len;
        }
        p = e;
    }
    if (dl == 0)
        dst[dl++] = '/';
    dst[dl] = '\0';
    st_free(src);
    *out = dst;
    return ST_OK;
}

bool cat_path_under(const char *path, const char *root)
{
    if (!path || !root || path[0] != '/' || root[0] != '/')
        return false;
    size_t rl = strlen(root);
    if (rl == 1)                                   /* root "/" */
        return path[1] != '\0';
    return strncmp(path, root, rl) == 0 && path[rl] == '/' && path[rl + 1] != '\0';
}

st_status cat_mkdir_p(const char *path, st_error *err)
{
    char *p = st_strdup(path);
    if (!p)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char saved = *s;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            st_status rc = st_error_set(err, ST_ERR_IO, "could not create folder \"%s\": %s", p,
                                        strerror(e));
            st_free(p);
            return rc;
        }
        *s = saved;
        if (saved == '\0')
            break;
    }
    struct stat sb;
    st_status rc = ST_OK;
    if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode))
        rc = st_error_set(err, ST_ERR_IO, "could not create folder \"%s\": a file is in the way",
                          p);
    st_free(p);
    return rc;
}

bool cat_dir_free(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return errno == ENOENT;
    if (!S_ISDIR(sb.st_mode))
        return false;
    DIR *d = opendir(path);
    if (!d)
        return false;
    bool empty = true;
    struct dirent *e;
    while (empty && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            empty = false;
    closedir(d);
    return empty;
}

/* ---- removal ---------------------------------------------------------------- */

static st_status remove_rec(const char *path, int depth, st_error *err)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return errno == ENOENT ? ST_OK
                               : st_error_set(err, ST_ERR_IO, "could not inspect \"%s\": %s",
                                              path, strerror(errno));
    if (!S_ISDIR(sb.st_mode)) {               /* files and symbolic links alike */
        if (unlink(path) != 0 && errno != ENOENT)
            return st_error_set(err, ST_ERR_IO, "could not delete \"%s\": %s", path,
                                strerror(errno));
        return ST_OK;
    }
    if (depth >= CAT_RM_MAX_DEPTH)
        return st_error_set(err, ST_ERR_LIMIT,
                            "could not delete \"%s\": folders nested deeper than %d levels", path,
                            CAT_RM_MAX_DEPTH);
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT ? ST_OK
                               : st_error_set(err, ST_ERR_IO, "could not open folder \"%s\": %s",
                                              path, strerror(errno));
    st_status rc = ST_OK;
    size_t pl = strlen(path);
    struct dirent *e;
    while (rc == ST_OK && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        size_t cap = pl + strlen(e->d_name) + 2;
        char *child = st_malloc(cap);
        if (!child) {
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
            break;
        }
        snprintf(child, cap, "%s/%s", path, e->d_name);
        rc = remove_rec(child, depth + 1, err);
        st_free(child);
    }
    closedir(d);
    if (rc == ST_OK && rmdir(path) != 0 && errno != ENOENT)
        rc = st_error_set(err, ST_ERR_IO, "could not delete folder \"%s\": %s", path,
                          strerror(errno));
    return rc;
}

st_status cat_remove_tree(const char *path, st_error *err)
{
    if (!path || !*path)
        return st_error_set(err, ST_ERR_ARGUMENT, "cannot delete an empty path");
    if (strcmp(path, "/") == 0)
        return st_error_set(err, ST_ERR_ARGUMENT, "refusing to delete the root folder \"/\"");
    return remove_rec(path, 0, err);
}

/* ---- LIKE ------------------------------------------------------------------- */

/* Bytes of the UTF-8 character starting at s (1 for stray continuation bytes). */
static size_t utf8_len(const char *s)
{
    size_t n = 1;
    while (s[n] && ((unsigned char)s[n] & 0xC0) == 0x80)
        n++;
    return n;
}

static bool is_star(char c)
{
    return c == '*' || c == '%';
}

/* One alternative p[0..pn) against all of s: greedy match with one
** backtracking point (the last star), which is exact for star-only globs. */
static bool like_one(const char *p, size_t pn, const char *s)
{
    size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
    while (s[si]) {
        if (pi < pn && is_star(p[pi])) {
            star = pi++;
            mark = si;
        } else if (pi < pn && (p[pi] == '_' || p[pi] == '.')) {
            pi++;
            si += utf8_len(s + si);
        } else if (pi < pn && ascii_lower(p[pi]) == ascii_lower(s[si])) {
            pi++;
            si++;
        } else if (star != (size_t)-1) {
            pi = star + 1;
            mark += utf8_len(s + mark);
            si = mark;
        } else {
            return false;
        }
    }
    while (pi < pn && is_star(p[pi]))
        pi++;
    return pi == pn;
}

bool cat_like_match(const char *pattern, const char *name)
{
    if (!pattern)
        return true;
    if (!name)
        return false;
    while (*pattern == ' ' || *pattern == '\t')
        pattern++;
    size_t end = strlen(pattern);
    while (end > 0 && (pattern[end - 1] == ' ' || pattern[end - 1] == '\t'))
        end--;
    size_t start = 0;
    for (size_t i = 0; i <= end; i++) {
        if (i < end && pattern[i] != '|')
            continue;
        if (like_one(pattern + start, i - start, name))
            return true;
        start = i + 1;
    }
    return false;
}

/* ---- small utilities ---------------------------------------------------------- */

void cat_random_hex8(char *out)
{
    uint32_t v = 0;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        v = (uint32_t)ts.tv_nsec * 2654435761u ^ (uint32_t)getpid() ^ (uint32_t)ts.tv_sec;
    }
    snprintf(out, 9, "%08x", v);
}

int64_t cat_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *cat_owner(void)
{
    const char *u = getenv("USER");
    return u && *u ? u : NULL;
}
