/* store.h -- the object-store layer: the few file operations the Delta log
** needs, with the atomicity each one promises spelled out. Today only the
** local file system; S3-style stores will implement the same contract.
**
**   store_put_if_absent  creates a file with the given bytes only if no file
**                        of that name exists, atomically: readers never see
**                        a partial file, and of two racing writers exactly
**                        one wins (the other gets ST_ERR_CONFLICT). Local:
**                        write a temp file, fsync, link(2) it to the name.
**   store_put_atomic     replaces a file atomically (temp file + rename).
**   store_list           names in a folder, sorted bytewise.
** Paths are plain local paths. */
#ifndef STRATA_STORE_STORE_H
#define STRATA_STORE_STORE_H

#include "../base/base.h"

st_status store_put_if_absent(const char *path, const void *data, size_t n, st_error *err);
st_status store_put_atomic(const char *path, const void *data, size_t n, st_error *err);
/* Names (not paths) of the entries of dir, sorted; arena-allocated.
** A missing dir is ST_ERR_NOTFOUND. */
st_status store_list(const char *dir, st_arena *a, char ***names, int *n, st_error *err);
/* Whole file into a heap buffer (caller st_free's it), NUL-terminated. */
st_status store_read(const char *path, uint8_t **out, size_t *len, st_error *err);
/* mkdir -p */
st_status store_mkdirs(const char *path, st_error *err);
/* Removes a file; a missing file is not an error. */
st_status store_remove(const char *path, st_error *err);
/* Modification time in ms since the epoch and size; ST_ERR_NOTFOUND if missing. */
st_status store_stat(const char *path, int64_t *mtime_ms, int64_t *size, st_error *err);
bool      store_exists(const char *path);
/* Makes a file's data durable (fsync), used before the log names a file. */
st_status store_sync_file(const char *path, st_error *err);

#endif /* STRATA_STORE_STORE_H */
