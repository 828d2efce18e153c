/* buf.c -- growable heap byte buffers (writers, formatters). Capacity doubles;
** every growth is overflow-checked and reports ST_ERR_NOMEM. */
#include "base.h"

#include <stdio.h>

void st_buf_init(st_buf *b) { b->data = NULL; b->len = b->cap = 0; }

void st_buf_destroy(st_buf *b)
{
    st_free(b->data);
    st_buf_init(b);
}

void st_buf_clear(st_buf *b) { b->len = 0; }

st_status st_buf_reserve(st_buf *b, size_t extra, st_error *err)
{
    size_t need;
    if (!st_add_size(b->len, extra, &need))
        return st_error_set(err, ST_ERR_NOMEM, "buffer size overflow");
    if (need <= b->cap)
        return ST_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    uint8_t *p = st_realloc(b->data, cap);
    if (!p)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory growing a buffer to %zu bytes", cap);
    b->data = p;
    b->cap = cap;
    return ST_OK;
}

st_status st_buf_append(st_buf *b, const void *p, size_t n, st_error *err)
{
    if (n == 0)
        return ST_OK;
    st_status rc = st_buf_reserve(b, n, err);
    if (rc != ST_OK)
        return rc;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return ST_OK;
}

st_status st_buf_append_byte(st_buf *b, uint8_t v, st_error *err)
{
    if (b->len == b->cap) {
        st_status rc = st_buf_reserve(b, 1, err);
        if (rc != ST_OK)
            return rc;
    }
    b->data[b->len++] = v;
    return ST_OK;
}

st_status st_buf_append_str(st_buf *b, const char *s, st_error *err)
{
    return st_buf_append(b, s, strlen(s), err);
}

st_status st_buf_printf(st_buf *b, st_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return st_error_set(err, ST_ERR_INTERNAL, "bad format string");
    st_status rc = st_buf_reserve(b, (size_t)n + 1, err);
    if (rc != ST_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return ST_OK;
}
