/* base.h -- the ground floor of strata: status codes and error reports, the
** allocation hooks, arenas, growable byte buffers, little/big-endian loads and
** checked size arithmetic, and plain file access.
**
** Every fallible function in strata returns st_status (ST_OK == 0) and fills a
** caller-owned st_error with a message a user can act on: lowercase, one line,
** no final period, the object's kind and quoted name, the offending value.
** Context is prepended while unwinding ("reading row group 3 of file ...").
** Nothing here keeps global mutable state except the allocation-failure
** injector used by tests (set once before threads start).
**
** Arenas own memory with a named lifetime (schema, batch, query); everything
** allocated from one is released together by st_arena_free/_reset. */
#ifndef STRATA_BASE_BASE_H
#define STRATA_BASE_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- status and errors (status.c) ------------------------------------- */

typedef enum st_status {
    ST_OK = 0,
    ST_ERR_IO,          /* a file or stream could not be read or written */
    ST_ERR_CORRUPT,     /* input bytes break their format's rules */
    ST_ERR_SYNTAX,      /* bad SQL text or option syntax */
    ST_ERR_BIND,        /* a name or type does not resolve */
    ST_ERR_CONSTRAINT,  /* a write violates a constraint */
    ST_ERR_CONFLICT,    /* lost a commit race: reload and retry */
    ST_ERR_NOMEM,       /* allocation failed */
    ST_ERR_LIMIT,       /* a size or count limit was exceeded */
    ST_ERR_CANCELLED,   /* the caller cancelled the work */
    ST_ERR_UNSUPPORTED, /* valid input using a feature strata lacks */
    ST_ERR_ARGUMENT,    /* a caller passed a bad argument or option */
    ST_ERR_NOTFOUND,    /* a named file, table or object does not exist */
    ST_ERR_INTERNAL,    /* a strata bug */
    ST_ERR_EXISTS       /* a named object already exists (experiment, model, ...) */
} st_status;

#define ST_ERROR_MSG_MAX 1024

typedef struct st_error {
    st_status code;                 /* ST_OK while no error is recorded */
    char      msg[ST_ERROR_MSG_MAX];/* primary message, with context prepended */
    char      hint[256];            /* what the user can do next, or "" */
} st_error;

void        st_error_init(st_error *err);
/* Records code and a printf-style message; returns code so callers can
** `return st_error_set(...)`. err may be NULL (the message is dropped). */
st_status   st_error_set(st_error *err, st_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepends "context: " to the recorded message; returns the recorded code. */
st_status   st_error_context(st_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
st_status   st_error_hint(st_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *st_status_name(st_status code);

/* ---- allocation hooks (alloc.c) ---------------------------------------- */

/* All heap memory goes through these so tests can count and fail allocations.
** st_malloc(0) returns a valid unique pointer. */
void *st_malloc(size_t n);
void *st_calloc(size_t n, size_t size);
void *st_realloc(void *p, size_t n);
void  st_free(void *p);
char *st_strdup(const char *s);
/* Test hook: fail every allocation after `n` more succeed (-1 disables). */
void  st_alloc_fail_after(long n);

/* Checked arithmetic: false on overflow. */
static inline bool st_mul_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}
static inline bool st_add_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

/* ---- arenas (arena.c) --------------------------------------------------- */

typedef struct st_arena st_arena;

st_arena *st_arena_new(size_t block_size);   /* 0 = default (64 KiB) */
void      st_arena_free(st_arena *a);        /* accepts NULL */
void      st_arena_reset(st_arena *a);       /* keep the first block, drop the rest */
/* 16-byte aligned; NULL on out-of-memory or overflow. */
void     *st_arena_alloc(st_arena *a, size_t n);
void     *st_arena_calloc(st_arena *a, size_t n, size_t size);
/* Grows an allocation made from this arena (copies; the old block stays). */
void     *st_arena_realloc(st_arena *a, void *p, size_t old_n, size_t new_n);
char     *st_arena_strdup(st_arena *a, const char *s);
char     *st_arena_strndup(st_arena *a, const char *s, size_t n);
char     *st_arena_printf(st_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
size_t    st_arena_bytes(const st_arena *a);  /* bytes reserved from the heap */
/* Hands a st_malloc'd block to the arena, which frees it on free/reset:
** lets a producer give its buffer to a batch without copying. false on OOM
** (the caller still owns the block). */
bool      st_arena_adopt(st_arena *a, void *heap_ptr);
/* Calls release(p) when the arena is freed or reset (last registered,
** first called): ties an object's lifetime (a loaded model) to the arena.
** false on OOM (release is not called then). */
bool      st_arena_on_free(st_arena *a, void (*release)(void *), void *p);

/* ---- growable byte buffer (buf.c) --------------------------------------- */

typedef struct st_buf {
    uint8_t *data;   /* owned, heap */
    size_t   len;
    size_t   cap;
} st_buf;

void      st_buf_init(st_buf *b);
void      st_buf_destroy(st_buf *b);
void      st_buf_clear(st_buf *b);               /* len = 0, keep capacity */
st_status st_buf_reserve(st_buf *b, size_t extra, st_error *err);
st_status st_buf_append(st_buf *b, const void *p, size_t n, st_error *err);
st_status st_buf_append_byte(st_buf *b, uint8_t v, st_error *err);
st_status st_buf_printf(st_buf *b, st_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
st_status st_buf_append_str(st_buf *b, const char *s, st_error *err);

/* ---- byte order --------------------------------------------------------- */

static inline uint16_t st_load_le16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t st_load_le32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t st_load_le64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void st_store_le32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void st_store_le64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint32_t st_load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void st_store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* Copies n bytes without a library call for short runs (strings in batch
** building): overlapping fixed-size moves, never touching bytes outside
** [src, src+n) or [dst, dst+n). */
/* memcpy that accepts (NULL, 0): empty arrays are often NULL pointers. */
static inline void st_memcpy(void *dst, const void *src, size_t n)
{
    if (n)
        memcpy(dst, src, n);
}

/* memcmp that accepts (NULL, NULL, 0): an empty string may have no bytes. */
static inline int st_memcmp(const void *a, const void *b, size_t n)
{
    return n ? memcmp(a, b, n) : 0;
}

static inline void st_copy_bytes(uint8_t *dst, const uint8_t *src, size_t n)
{
    if (n <= 16) {
        if (n >= 8) {
            uint64_t a, b;
            memcpy(&a, src, 8);
            memcpy(&b, src + n - 8, 8);
            memcpy(dst, &a, 8);
            memcpy(dst + n - 8, &b, 8);
        } else if (n >= 4) {
            uint32_t a, b;
            memcpy(&a, src, 4);
            memcpy(&b, src + n - 4, 4);
            memcpy(dst, &a, 4);
            memcpy(dst + n - 4, &b, 4);
        } else if (n > 0) {
            dst[0] = src[0];
            dst[n / 2] = src[n / 2];
            dst[n - 1] = src[n - 1];
        }
        return;
    }
    if (n <= 32) {
        uint64_t a[2], b[2];
        memcpy(a, src, 16);
        memcpy(b, src + n - 16, 16);
        memcpy(dst, a, 16);
        memcpy(dst + n - 16, b, 16);
        return;
    }
    memcpy(dst, src, n);
}

/* ---- files (file.c) ----------------------------------------------------- */

typedef struct st_file {
    int      fd;
    int64_t  size;       /* bytes, at open */
    char    *path;       /* owned */
} st_file;

st_status st_file_open(const char *path, st_file *f, st_error *err);
void      st_file_close(st_file *f);
/* Reads exactly n bytes at offset or fails with ST_ERR_IO / ST_ERR_CORRUPT. */
st_status st_file_read_at(const st_file *f, void *buf, size_t n, int64_t off, st_error *err);
/* Whole file into a heap buffer (caller frees with st_free). */
st_status st_file_read_all(const char *path, uint8_t **out, size_t *out_len, st_error *err);
/* Creates or truncates path and writes all bytes. */
st_status st_file_write_all(const char *path, const void *data, size_t n, st_error *err);

/* ---- time (time.c) ------------------------------------------------------ */

/* Civil date <-> days since 1970-01-01 (proleptic Gregorian). */
int64_t st_days_from_civil(int64_t y, unsigned m, unsigned d);
void    st_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* Formats into buf (>= 40 bytes): "YYYY-MM-DD". */
int     st_format_date(char *buf, size_t n, int32_t days);
/* "YYYY-MM-DDTHH:MM:SS[.ffffff]" plus "Z" when utc is true; micros since epoch. */
int     st_format_timestamp(char *buf, size_t n, int64_t micros, bool utc, bool iso_t);
/* "HH:MM:SS[.ffffff]" from microseconds since midnight. */
int     st_format_time(char *buf, size_t n, int64_t micros);

/* ---- process setup (alloc.c) ---------------------------------------------- */

/* Once per process, before threads start: keeps large freed blocks in the
** heap (glibc's mmap threshold raised) so batch-sized buffers are reused
** instead of being mapped and faulted in again for every batch. */
void st_runtime_init(void);

/* ---- misc ---------------------------------------------------------------- */

#define ST_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ST_MIN(a, b) ((a) < (b) ? (a) : (b))
#define ST_MAX(a, b) ((a) > (b) ? (a) : (b))

#ifdef NDEBUG
#define ST_ASSERT(x) ((void)0)
#else
#include <assert.h>
#define ST_ASSERT(x) assert(x)
#endif

/* base64 (RFC 4648, with padding) of n bytes; returns chars written. out must
** hold 4*((n+2)/3) bytes. */
size_t st_base64_encode(const uint8_t *in, size_t n, char *out);

/* ---- optional shared libraries (dl.c) --------------------------------- */

/* Opens the first of the NULL-terminated library names libs that loads and
** resolves syms[0..n) into out[0..n). On failure (ST_ERR_UNSUPPORTED) errbuf
** names the library and the reason. Not thread-safe: callers serialize it
** (pthread_once) and keep the result. */
st_status st_dl_load(const char *const *libs, const char *const *syms, void **out, int n,
                     char *errbuf, size_t errlen);

/* An optional library opened once per process: libs and syms as for
** st_dl_load, table = a struct of n_syms function pointers in syms' order.
** Define it with designated initializers for the first four fields; the
** rest starts zeroed. */
typedef struct st_dl_lib {
    const char *const *libs;
    const char *const *syms;
    int                n_syms;
    void              *table;
    _Atomic int        state;        /* 0 not tried, 1 loaded, 2 failed */
    char               error[256];
} st_dl_lib;
/* Loads l on the first call (thread-safe); later calls return the same
** outcome. On failure *why (when not NULL) is the reason. */
st_status st_dl_open(st_dl_lib *l, const char **why);

#endif /* STRATA_BASE_BASE_H */
