/* file.c -- plain local file access with errors that name the path and the
** system's reason. Reads are positional (pread) so one st_file may be shared
** by several readers without a seek position. Short reads are corruption
** (the file is shorter than its own metadata claims), not I/O errors. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

st_status st_file_open(const char *path, st_file *f, st_error *err)
{
    f->fd = -1;
    f->size = 0;
    f->path = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return st_error_set(err, errno == ENOENT ? ST_ERR_NOTFOUND : ST_ERR_IO,
                            "could not open file \"%s\": %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return st_error_set(err, ST_ERR_IO, "could not stat file \"%s\": %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return st_error_set(err, ST_ERR_IO, "\"%s\" is a directory, not a file", path);
    }
    f->path = st_strdup(path);
    if (!f->path) {
        close(fd);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    }
    f->fd = fd;
    f->size = (int64_t)st.st_size;
    return ST_OK;
}

void st_file_close(st_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    st_free(f->path);
    f->fd = -1;
    f->path = NULL;
}

st_status st_file_read_at(const st_file *f, void *buf, size_t n, int64_t off, st_error *err)
{
    if (off < 0 || (uint64_t)off > (uint64_t)f->size || n > (uint64_t)(f->size - off))
        return st_error_set(err, ST_ERR_CORRUPT,
                            "file \"%s\" is too short: wanted %zu bytes at offset %lld of %lld",
                            f->path, n, (long long)off, (long long)f->size);
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t got = pread(f->fd, p, n, (off_t)off);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return st_error_set(err, ST_ERR_IO, "could not read file \"%s\": %s", f->path,
                                strerror(errno));
        }
        if (got == 0)
            return st_error_set(err, ST_ERR_CORRUPT, "file \"%s\" ended early at offset %lld",
                                f->path, (long long)off);
        p += got;
        n -= (size_t)got;
        off += got;
    }
    return ST_OK;
}

st_status st_file_read_all(const char *path, uint8_t **out, size_t *out_len, st_error *err)
{
    st_file f;
    st_status rc = st_file_open(path, &f, err);
    if (rc != ST_OK)
        return rc;
    uint8_t *data = st_malloc((size_t)f.size + 1);
    if (!data) {
        st_file_close(&f);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory reading \"%s\"", path);
    }
    rc = st_file_read_at(&f, data, (size_t)f.size, 0, err);
    if (rc != ST_OK) {
        st_free(data);
        st_file_close(&f);
        return rc;
    }
    data[f.size] = '\0';
    *out = data;
    *out_len = (size_t)f.size;
    st_file_close(&f);
    return ST_OK;
}

st_status st_file_write_all(const char *path, const void *data, size_t n, st_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return st_error_set(err, ST_ERR_IO, "could not create file \"%s\": %s", path,
                            strerror(errno));
    const uint8_t *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            return st_error_set(err, ST_ERR_IO, "could not write file \"%s\": %s", path,
                                strerror(e));
        }
        p += w;
        n -= (size_t)w;
    }
    if (close(fd) != 0)
        return st_error_set(err, ST_ERR_IO, "could not close file \"%s\": %s", path,
                            strerror(errno));
    return ST_OK;
}
