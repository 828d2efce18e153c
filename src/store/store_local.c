/* store_local.c -- the store contract (store.h) on a local POSIX file system.
** put-if-absent: the bytes go to a unique temp file in the same folder,
** are fsync'd, then link(2)ed to the final name -- link fails with EEXIST
** if the name exists, which makes creation atomic and exclusive even between
** processes; the temp name is then unlinked. A crash leaves at most a stray
** temp file (".<name>.<pid>.<n>.tmp"), never a partial commit. */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_uint tmp_counter;

static st_status write_fd_all(int fd, const void *data, size_t n, const char *path, st_error *err)
{
    const uint8_t *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return st_error_set(err, ST_ERR_IO, "could not write \"%s\": %s", path, strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
    return ST_OK;
}

/* Writes data to a fresh temp file beside path; returns its name in tmp. */
static st_status write_temp(const char *path, const void *data, size_t n, char *tmp, size_t tmp_n,
                            st_error *err)
{
    const char *slash = strrchr(path, '/');
    int dir_len = slash ? (int)(slash - path + 1) : 0;
    unsigned k = atomic_fetch_add(&tmp_counter, 1);
    snprintf(tmp, tmp_n, "%.*s.%s.%d.%u.tmp", dir_len, path, slash ? slash + 1 : path,
             (int)getpid(), k);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return st_error_set(err, errno == ENOENT ? ST_ERR_NOTFOUND : ST_ERR_IO,
                            "could not create \"%s\": %s", tmp, strerror(errno));
    st_status rc = write_fd_all(fd, data, n, tmp, err);
    if (rc == ST_OK && fsync(fd) != 0)
        rc = st_error_set(err, ST_ERR_IO, "could not sync \"%s\": %s", tmp, strerror(errno));
    if (close(fd) != 0 && rc == ST_OK)
        rc = st_error_set(err, ST_ERR_IO, "could not close \"%s\": %s", tmp, strerror(errno));
    if (rc != ST_OK)
        unlink(tmp);
    return rc;
}

static void sync_dir_of(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash) {
        strcpy(dir, ".");
    } else {
        size_t n = (size_t)(slash - path);
        if (n == 0)
            n = 1;
        if (n >= sizeof dir)
            return;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

st_status store_put_if_absent(const char *path, const void *data, size_t n, st_error *err)
{
    char tmp[4096 + 64];
    st_status rc = write_temp(path, data, n, tmp, sizeof tmp, err);
    if (rc != ST_OK)
        return rc;
    if (link(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        if (e == EEXIST)
            return st_error_set(err, ST_ERR_CONFLICT, "\"%s\" already exists", path);
        return st_error_set(err, ST_ERR_IO, "could not create \"%s\": %s", path, strerror(e));
    }
    unlink(tmp);
    sync_dir_of(path);
    return ST_OK;
}

st_status store_put_atomic(const char *path, const void *data, size_t n, st_error *err)
{
    char tmp[4096 + 64];
    st_status rc = write_temp(path, data, n, tmp, sizeof tmp, err);
    if (rc != ST_OK)
        return rc;
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return st_error_set(err, ST_ERR_IO, "could not replace \"%s\": %s", path, strerror(e));
    }
    sync_dir_of(path);
    return ST_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

st_status store_list(const char *dir, st_arena *a, char ***names, int *n, st_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return st_error_set(err, errno == ENOENT || errno == ENOTDIR ? ST_ERR_NOTFOUND : ST_ERR_IO,
                            "could not list \"%s\": %s", dir, strerror(errno));
    int cap = 64, cnt = 0;
    char **v = st_malloc(sizeof(char *) * (size_t)cap);
    st_status rc = v ? ST_OK : st_error_set(err, ST_ERR_NOMEM, "out of memory");
    struct dirent *de;
    while (rc == ST_OK && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (cnt == cap) {
            cap *= 2;
            char **nv = st_realloc(v, sizeof(char *) * (size_t)cap);
            if (!nv) {
                rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
                break;
            }
            v = nv;
        }
        v[cnt] = st_arena_strdup(a, de->d_name);
        if (!v[cnt])
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory");
        cnt++;
    }
    closedir(d);
    if (rc != ST_OK) {
        st_free(v);
        return rc;
    }
    qsort(v, (size_t)cnt, sizeof(char *), cmp_names);
    char **out = st_arena_alloc(a, sizeof(char *) * (size_t)(cnt ? cnt : 1));
    if (!out) {
        st_free(v);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    }
    memcpy(out, v, sizeof(char *) * (size_t)cnt);
    st_free(v);
    *names = out;
    *n = cnt;
    return ST_OK;
}

st_status store_read(const char *path, uint8_t **out, size_t *len, st_error *err)
{
    return st_file_read_all(path, out, len, err);
}

st_status store_mkdirs(const char *path, st_error *err)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return st_error_set(err, ST_ERR_ARGUMENT, "invalid folder path \"%s\"", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return st_error_set(err, ST_ERR_IO, "could not create folder \"%s\": %s", buf,
                                    strerror(errno));
            buf[i] = c;
        }
    }
    return ST_OK;
}

st_status store_remove(const char *path, st_error *err)
{
    if (unlink(path) != 0 && errno != ENOENT)
        return st_error_set(err, ST_ERR_IO, "could not remove \"%s\": %s", path, strerror(errno));
    return ST_OK;
}

st_status store_stat(const char *path, int64_t *mtime_ms, int64_t *size, st_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return st_error_set(err, errno == ENOENT ? ST_ERR_NOTFOUND : ST_ERR_IO,
                            "could not stat \"%s\": %s", path, strerror(errno));
    if (mtime_ms)
        *mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
    if (size)
        *size = (int64_t)st.st_size;
    return ST_OK;
}

bool store_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

st_status store_sync_file(const char *path, st_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return st_error_set(err, ST_ERR_IO, "could not open \"%s\": %s", path, strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    if (rc != 0)
        return st_error_set(err, ST_ERR_IO, "could not sync \"%s\": %s", path, strerror(e));
    return ST_OK;
}
