/* status.c -- recording and decorating st_error reports. An error is built
** once at the point of failure (st_error_set) and then only gains context on
** the way up (st_error_context prepends "what we were doing: "). Messages are
** truncated, never overflowed, at ST_ERROR_MSG_MAX bytes. */
#include "base.h"

#include <stdio.h>

void st_error_init(st_error *err)
{
    if (!err)
        return;
    err->code = ST_OK;
    err->msg[0] = '\0';
    err->hint[0] = '\0';
}

st_status st_error_set(st_error *err, st_status code, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->code = code;
    err->hint[0] = '\0';
    return code;
}

st_status st_error_context(st_error *err, const char *fmt, ...)
{
    if (!err)
        return ST_ERR_INTERNAL;
    char ctx[512], old[ST_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof ctx, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t n = strlen(ctx);
    if (n > sizeof err->msg - 3)
        n = sizeof err->msg - 3;
    memcpy(err->msg, ctx, n);
    err->msg[n] = ':';
    err->msg[n + 1] = ' ';
    size_t room = sizeof err->msg - n - 2;
    size_t ol = strlen(old);
    if (ol >= room)
        ol = room - 1;
    memcpy(err->msg + n + 2, old, ol);
    err->msg[n + 2 + ol] = '\0';
    if (err->code == ST_OK)
        err->code = ST_ERR_INTERNAL;
    return err->code;
}

st_status st_error_hint(st_error *err, const char *fmt, ...)
{
    if (!err)
        return ST_ERR_INTERNAL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof err->hint, fmt, ap);
    va_end(ap);
    return err->code;
}

const char *st_status_name(st_status code)
{
    switch (code) {
    case ST_OK: return "ok";
    case ST_ERR_IO: return "io error";
    case ST_ERR_CORRUPT: return "corrupt input";
    case ST_ERR_SYNTAX: return "syntax error";
    case ST_ERR_BIND: return "binding error";
    case ST_ERR_CONSTRAINT: return "constraint violation";
    case ST_ERR_CONFLICT: return "commit conflict";
    case ST_ERR_NOMEM: return "out of memory";
    case ST_ERR_LIMIT: return "limit exceeded";
    case ST_ERR_CANCELLED: return "cancelled";
    case ST_ERR_UNSUPPORTED: return "not supported";
    case ST_ERR_ARGUMENT: return "invalid argument";
    case ST_ERR_EXISTS: return "already exists";
    case ST_ERR_NOTFOUND: return "not found";
    case ST_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}
