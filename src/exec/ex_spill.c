/* ex_spill.c -- spill files: sinks over the memory limit append chunks to an
** unlinked temp file and read them back later, possibly several times and
** from several threads. The format is our own (nothing outside a query ever
** reads it), implemented by hand here.
**
** A chunk written at offset `handle`:
**   header (32 bytes, little-endian)
**     0  u32 magic "EXS1"    4  u32 n_cols
**     8  i64 n_rows          16 u64 payload bytes     24 u64 XXH3-64 of the payload
**   payload: n_cols vectors, each (recursively)
**     u8 type id, u8 has_validity, u16 0, u32 n_children, i64 len
**     [validity bitmap, (len+7)/8 bytes]           if has_validity
**     BOOL           bitmap (len+7)/8 bytes
**     fixed width    len * width bytes
**     STRING/BINARY  int32 offsets[len+1] (from 0), i64 n_bytes, bytes
**     LIST/MAP       int32 offsets[len+1] (from 0), then the child vector
**     STRUCT         the n_children child vectors
**     NULL           nothing
** Readers trust nothing: every length is checked against the bytes left,
** offsets must start at 0, never decrease and end at the data length, and
** the types must match the ones the caller expects, so a damaged file is
** ST_ERR_CORRUPT and never an overrun.
**
** Threads: writers serialize into a private buffer, then take the file's
** mutex only to allocate the byte range, and pwrite outside it; readers use
** pread, so any number of cursors may read concurrently. */
#include "exec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <xxhash.h>

#define SPILL_MAGIC 0x31535845u   /* "EXS1" */
#define SPILL_HEADER 32

struct ex_spill {
    ex_query       *q;            /* borrowed: owner of the byte counter */
    int             fd;           /* owned: the unlinked file */
    pthread_mutex_t lock;         /* guards end */
    int64_t         end;          /* bytes allocated to writers so far */
    char           *path;         /* owned: the name it had, for messages */
};

static st_status oom(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory in a spill file");
}

st_status ex_spill_open(ex_query *q, ex_spill **out, st_error *err)
{
    pthread_mutex_lock(&q->spill_lock);
    int seq = q->spill_seq++;
    pthread_mutex_unlock(&q->spill_lock);
    ex_spill *s = st_calloc(1, sizeof *s);
    size_t n = strlen(q->set.temp_dir) + 64;
    char *path = st_malloc(n);
    if (!s || !path) {
        st_free(s);
        st_free(path);
        return oom(err);
    }
    snprintf(path, n, "%s/strata-spill-%d-XXXXXX", q->set.temp_dir, seq);
    int fd = mkstemp(path);
    if (fd < 0) {
        st_status rc = st_error_set(err, ST_ERR_IO, "could not create spill file in \"%s\": %s",
                                    q->set.temp_dir, strerror(errno));
        st_free(path);
        st_free(s);
        st_error_hint(err, "Set the temp directory to a writable folder with free space.");
        return rc;
    }
    unlink(path);
    s->q = q;
    s->fd = fd;
    s->path = path;
    pthread_mutex_init(&s->lock, NULL);
    *out = s;
    return ST_OK;
}

void ex_spill_close(ex_spill *s)
{
    if (!s)
        return;
    close(s->fd);
    pthread_mutex_destroy(&s->lock);
    st_free(s->path);
    st_free(s);
}

/* ---- writing ----------------------------------------------------------------- */

static st_status put(st_buf *b, const void *p, size_t n, st_error *err)
{
    return n ? st_buf_append(b, p, n, err) : ST_OK;
}

/* Appends the bits [from, from+n) of src, realigned to bit 0. */
static st_status put_bits(st_buf *b, const uint8_t *src, int64_t from, int64_t n, st_error *err)
{
    size_t nb = vec_bitmap_bytes(n);
    if (st_buf_reserve(b, nb, err) != ST_OK)
        return ST_ERR_NOMEM;
    uint8_t *dst = b->data + b->len;
    memset(dst, 0, nb);
    if ((from & 7) == 0) {
        memcpy(dst, src + from / 8, nb);
        if (n & 7)
            dst[nb - 1] &= (uint8_t)((1u << (n & 7)) - 1);
    } else {
        for (int64_t i = 0; i < n; i++)
            if (vec_bit_get(src, from + i)) vec_bit_set(dst, i);
    }
    b->len += nb;
    return ST_OK;
}

/* Appends offsets[start..start+n] rebased to start at 0. */
static st_status put_offsets(st_buf *b, const int32_t *off, int64_t start, int64_t n,
                             st_error *err)
{
    size_t bytes = (size_t)(n + 1) * 4;
    if (st_buf_reserve(b, bytes, err) != ST_OK)
        return ST_ERR_NOMEM;
    int32_t base = off[start];
    for (int64_t i = 0; i <= n; i++)
        st_store_le32(b->data + b->len + i * 4, (uint32_t)(off[start + i] - base));
    b->len += bytes;
    return ST_OK;
}

/* Serializes rows [start, start+n) of v. */
static st_status put_vec(st_buf *b, const vec *v, int64_t start, int64_t n, st_error *err)
{
    const vec_type *t = v->type;
    bool has_validity = t->id != VEC_NULL && v->validity && v->null_count != 0;
    uint8_t head[16] = {(uint8_t)t->id, has_validity};
    st_store_le32(head + 4, (uint32_t)(vec_type_is_nested(t->id) ? t->n_children : 0));
    st_store_le64(head + 8, (uint64_t)n);
    st_status rc = put(b, head, sizeof head, err);
    if (rc == ST_OK && has_validity)
        rc = put_bits(b, v->validity, start, n, err);
    if (rc != ST_OK)
        return rc;
    switch (t->id) {
    case VEC_NULL:
        return ST_OK;
    case VEC_BOOL:
        return put_bits(b, v->values, start, n, err);
    case VEC_STRING:
    case VEC_BINARY: {
        const int32_t *off = vec_offsets(v);
        uint8_t nb[8];
        int64_t len = off[start + n] - off[start];
        st_store_le64(nb, (uint64_t)len);
        rc = put_offsets(b, off, start, n, err);
        if (rc == ST_OK) rc = put(b, nb, 8, err);
        if (rc == ST_OK) rc = put(b, v->bytes + off[start], (size_t)len, err);
        return rc;
    }
    case VEC_LIST:
    case VEC_MAP: {
        const int32_t *off = vec_offsets(v);
        rc = put_offsets(b, off, start, n, err);
        if (rc == ST_OK)
            rc = put_vec(b, v->children[0], off[start], off[start + n] - off[start], err);
        return rc;
    }
    case VEC_STRUCT:
        for (int c = 0; c < t->n_children && rc == ST_OK; c++)
            rc = put_vec(b, v->children[c], start, n, err);
        return rc;
    default: {
        size_t w = (size_t)vec_type_width(t->id);
        return put(b, (const uint8_t *)v->values + (size_t)start * w, (size_t)n * w, err);
    }
    }
}

static st_status pwrite_all(ex_spill *s, const uint8_t *p, size_t n, int64_t off, st_error *err)
{
    while (n > 0) {
        ssize_t w = pwrite(s->fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return st_error_set(err, ST_ERR_IO, "could not write %zu bytes to spill file \"%s\": %s",
                                n, s->path, w < 0 ? strerror(errno) : "no space written");
        p += w;
        n -= (size_t)w;
        off += w;
    }
    return ST_OK;
}

st_status ex_spill_write(ex_spill *s, const ex_chunk *c, int64_t *handle, st_error *err)
{
    st_buf b;
    st_buf_init(&b);
    st_status rc = st_buf_reserve(&b, SPILL_HEADER, err);
    if (rc != ST_OK)
        return rc;
    b.len = SPILL_HEADER;
    for (int i = 0; i < c->n_cols && rc == ST_OK; i++)
        rc = put_vec(&b, c->cols[i], 0, c->n_rows, err);
    if (rc != ST_OK) {
        st_buf_destroy(&b);
        return rc;
    }
    st_store_le32(b.data, SPILL_MAGIC);
    st_store_le32(b.data + 4, (uint32_t)c->n_cols);
    st_store_le64(b.data + 8, (uint64_t)c->n_rows);
    st_store_le64(b.data + 16, (uint64_t)(b.len - SPILL_HEADER));
    st_store_le64(b.data + 24, XXH3_64bits(b.data + SPILL_HEADER, b.len - SPILL_HEADER));
    pthread_mutex_lock(&s->lock);
    int64_t off = s->end;
    s->end += (int64_t)b.len;
    pthread_mutex_unlock(&s->lock);
    rc = pwrite_all(s, b.data, b.len, off, err);
    if (rc == ST_OK) {
        atomic_fetch_add(&s->q->spilled, (int64_t)b.len);
        *handle = off;
    }
    st_buf_destroy(&b);
    return rc;
}

/* ---- reading ----------------------------------------------------------------- */

typedef struct cursor {
    const uint8_t *p;             /* next byte */
    const uint8_t *end;           /* one past the payload */
    const char    *path;          /* for messages */
    int64_t        handle;
    st_arena      *a;             /* where vectors go */
} cursor;

static st_status corrupt(const cursor *c, const char *what, st_error *err)
{
    return st_error_set(err, ST_ERR_CORRUPT, "spill file \"%s\" is corrupt at chunk %lld: %s",
                        c->path, (long long)c->handle, what);
}

/* Takes n bytes off the cursor into *out (NULL when short). */
static const uint8_t *take(cursor *c, size_t n)
{
    if ((size_t)(c->end - c->p) < n)
        return NULL;
    const uint8_t *r = c->p;
    c->p += n;
    return r;
}

/* Copies n bytes off the cursor into a new arena buffer. */
static st_status take_copy(cursor *c, size_t n, void **out, st_error *err)
{
    const uint8_t *src = take(c, n);
    if (!src)
        return corrupt(c, "a buffer runs past the chunk's end", err);
    uint8_t *dst = st_arena_alloc(c->a, n + 1);
    if (!dst)
        return oom(err);
    if (n)
        memcpy(dst, src, n);
    *out = dst;
    return ST_OK;
}

/* Reads int32 offsets[len+1]; checks they start at 0 and never decrease. */
static st_status get_offsets(cursor *c, int64_t len, int32_t **out, st_error *err)
{
    size_t n;
    if (!st_mul_size((size_t)len + 1, 4, &n))
        return corrupt(c, "an offsets buffer is too long", err);
    void *p;
    st_status rc = take_copy(c, n, &p, err);
    if (rc != ST_OK)
        return rc;
    int32_t *off = p;
    for (int64_t i = 0; i <= len; i++)
        off[i] = (int32_t)st_load_le32((const uint8_t *)&off[i]);
    if (off[0] != 0)
        return corrupt(c, "offsets do not start at 0", err);
    for (int64_t i = 0; i < len; i++)
        if (off[i + 1] < off[i])
            return corrupt(c, "offsets decrease", err);
    *out = off;
    return ST_OK;
}

static st_status get_vec(cursor *c, const vec_type *t, int64_t len, int depth, vec **out,
                         st_error *err);

static st_status get_children(cursor *c, vec *v, int64_t child_len, int depth, st_error *err)
{
    const vec_type *t = v->type;
    v->children = st_arena_calloc(c->a, (size_t)(t->n_children > 0 ? t->n_children : 1),
                                  sizeof *v->children);
    if (!v->children)
        return oom(err);
    for (int k = 0; k < t->n_children; k++) {
        st_status rc = get_vec(c, &t->children[k].type, child_len, depth + 1, &v->children[k], err);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

static st_status get_values(cursor *c, vec *v, int depth, st_error *err)
{
    int64_t len = v->len;
    st_status rc;
    switch (v->type->id) {
    case VEC_NULL:
        v->null_count = len;
        return ST_OK;
    case VEC_BOOL:
        return take_copy(c, vec_bitmap_bytes(len), &v->values, err);
    case VEC_STRING:
    case VEC_BINARY: {
        int32_t *off;
        if ((rc = get_offsets(c, len, &off, err)) != ST_OK)
            return rc;
        const uint8_t *nb = take(c, 8);
        if (!nb)
            return corrupt(c, "a string vector is cut short", err);
        int64_t n_bytes = (int64_t)st_load_le64(nb);
        if (n_bytes != off[len])
            return corrupt(c, "string offsets do not end at the data length", err);
        v->values = off;
        v->n_bytes = n_bytes;
        void *bytes;
        if ((rc = take_copy(c, (size_t)n_bytes, &bytes, err)) != ST_OK)
            return rc;
        v->bytes = bytes;
        return ST_OK;
    }
    case VEC_LIST:
    case VEC_MAP: {
        int32_t *off;
        if ((rc = get_offsets(c, len, &off, err)) != ST_OK)
            return rc;
        v->values = off;
        return get_children(c, v, off[len], depth, err);
    }
    case VEC_STRUCT:
        return get_children(c, v, len, depth, err);
    default: {
        size_t n, w = (size_t)vec_type_width(v->type->id);
        if (w == 0 || !st_mul_size((size_t)len, w, &n))
            return corrupt(c, "a fixed-width vector is too long", err);
        return take_copy(c, n, &v->values, err);
    }
    }
}

/* Reads one vector of type t and len rows (both as the caller expects). */
static st_status get_vec(cursor *c, const vec_type *t, int64_t len, int depth, vec **out,
                         st_error *err)
{
    if (depth > 64)
        return corrupt(c, "vectors nest too deeply", err);
    const uint8_t *h = take(c, 16);
    if (!h)
        return corrupt(c, "a vector header is cut short", err);
    int64_t n = (int64_t)st_load_le64(h + 8);
    uint32_t n_children = st_load_le32(h + 4);
    if (h[0] != (uint8_t)t->id || h[1] > 1 || n != len ||
        n_children != (uint32_t)(vec_type_is_nested(t->id) ? t->n_children : 0))
        return corrupt(c, "a vector does not match its expected type or length", err);
    bool bufferless = t->id == VEC_NULL || t->id == VEC_STRUCT;
    if (len < 0 || len >= INT32_MAX || (!bufferless && len > (int64_t)(c->end - c->p) * 8))
        return corrupt(c, "a vector length is impossible", err);
    vec *v = st_arena_calloc(c->a, 1, sizeof *v);
    if (!v)
        return oom(err);
    v->type = t;
    v->len = len;
    st_status rc;
    if (h[1]) {
        void *bits;
        if ((rc = take_copy(c, vec_bitmap_bytes(len), &bits, err)) != ST_OK)
            return rc;
        v->validity = bits;
    }
    if ((rc = get_values(c, v, depth, err)) != ST_OK)
        return rc;
    if (v->validity) {
        vec_finish_validity(v);
        if (t->id == VEC_NULL) {
            v->validity = NULL;
            v->null_count = len;
        }
    }
    *out = v;
    return ST_OK;
}

static st_status pread_all(const ex_spill *s, uint8_t *p, size_t n, int64_t off, st_error *err)
{
    while (n > 0) {
        ssize_t r = pread(s->fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return st_error_set(err, ST_ERR_IO, "could not read spill file \"%s\": %s", s->path,
                                strerror(errno));
        if (r == 0)
            return st_error_set(err, ST_ERR_CORRUPT, "spill file \"%s\" ends early at byte %lld",
                                s->path, (long long)off);
        p += r;
        n -= (size_t)r;
        off += r;
    }
    return ST_OK;
}

st_status ex_spill_read(ex_spill *s, int64_t handle, const vec_type *types, int n_types,
                        st_arena *a, ex_chunk *out, st_error *err)
{
    pthread_mutex_lock(&s->lock);
    int64_t end = s->end;
    pthread_mutex_unlock(&s->lock);
    if (handle < 0 || handle > end - SPILL_HEADER)
        return st_error_set(err, ST_ERR_CORRUPT, "spill file \"%s\" has no chunk at offset %lld",
                            s->path, (long long)handle);
    uint8_t h[SPILL_HEADER];
    st_status rc = pread_all(s, h, sizeof h, handle, err);
    if (rc != ST_OK)
        return rc;
    cursor c = {.path = s->path, .handle = handle, .a = a};
    uint64_t payload = st_load_le64(h + 16);
    int64_t n_rows = (int64_t)st_load_le64(h + 8);
    if (st_load_le32(h) != SPILL_MAGIC)
        return corrupt(&c, "bad chunk marker", err);
    if (st_load_le32(h + 4) != (uint32_t)n_types)
        return corrupt(&c, "column count differs from the expected one", err);
    if (payload > (uint64_t)(end - handle - SPILL_HEADER) || n_rows < 0)
        return corrupt(&c, "chunk length runs past the end of the file", err);
    uint8_t *buf = st_malloc((size_t)payload + 1);
    vec **cols = st_arena_calloc(a, (size_t)(n_types > 0 ? n_types : 1), sizeof *cols);
    if (!buf || !cols) {
        st_free(buf);
        return oom(err);
    }
    rc = pread_all(s, buf, (size_t)payload, handle + SPILL_HEADER, err);
    if (rc == ST_OK && XXH3_64bits(buf, (size_t)payload) != st_load_le64(h + 24))
        rc = corrupt(&c, "checksum mismatch", err);
    c.p = buf;
    c.end = buf + payload;
    for (int i = 0; i < n_types && rc == ST_OK; i++)
        rc = get_vec(&c, &types[i], n_rows, 0, &cols[i], err);
    if (rc == ST_OK && c.p != c.end)
        rc = corrupt(&c, "bytes left over after the last column", err);
    st_free(buf);
    if (rc != ST_OK)
        return rc;
    out->n_rows = n_rows;
    out->n_cols = n_types;
    out->cols = cols;
    return ST_OK;
}
