/* server.h -- `strata serve`: an HTTP server over one warehouse. It speaks
** MLflow's tracking, model registry and proxied artifacts REST API
** (mlflow_api.c, docs/interfaces.md section 1) so that MLflow clients work
** against strata unchanged; later modules (the SQL statement API, a UI) add
** their own route tables.
**
** Transport (http.c, libmicrohttpd): one thread per connection. A request's
** fields arrive as one JSON object, srv_call.params: the query string (a key
** given once is a string, a repeated key or "x[]" / "x[0]" an array of
** strings) merged with the JSON object of the body (body fields win). Routes
** marked raw_body get the body bytes untouched instead. Replies are JSON
** objects (200 + "{}" when a handler sets nothing), files, or MLflow error
** objects {"error_code", "message"} with MLflow's HTTP statuses
** (srv_error_code / srv_error_http_status). An unknown route is 404
** ENDPOINT_NOT_FOUND.
**
** Routing: a server holds mounts (a path prefix plus a table of routes); a
** request goes to the first route, in mount order, whose method bit matches
** and whose path equals the rest of the URL (or starts with it, for prefix
** routes ending in '/'). A module adds a table by listing it in http.c's
** mount list. Invariant: the tracking store handle is used by one thread at
** a time -- routes with locks_store run under the server's store mutex. */
#ifndef STRATA_SERVER_SERVER_H
#define STRATA_SERVER_SERVER_H

#include "../base/base.h"
#include "../ml/ml_store.h"

#include <jansson.h>

typedef struct srv_server srv_server;

/* What `strata serve` was asked for. */
typedef struct srv_options {
    const char *host;        /* address or name to bind; NULL = 127.0.0.1 */
    int         port;        /* 0 = any free port (srv_port tells which) */
    const char *warehouse;   /* warehouse folder (created when missing) */
} srv_options;

/* Opens the warehouse's tracking store and starts serving in background
** threads. Fails with ST_ERR_ARGUMENT for a host that does not resolve,
** ST_ERR_IO when the port cannot be bound. */
st_status srv_start(const srv_options *opt, srv_server **out, st_error *err);
/* The port the server listens on (the real one when 0 was asked for). */
int       srv_port(const srv_server *s);
/* Stops accepting, waits for the connection threads, closes the store.
** Accepts NULL. */
void      srv_stop(srv_server *s);

/* ---- for route modules -------------------------------------------------- */

/* HTTP methods, as bits of srv_route.methods. */
enum {
    SRV_GET = 1,
    SRV_POST = 2,
    SRV_PUT = 4,
    SRV_PATCH = 8,
    SRV_DELETE = 16,
    SRV_HEAD = 32
};

/* One request being answered. Handlers read the request fields and fill the
** reply fields; the transport sends the reply once the handler returns. */
typedef struct srv_call {
    ml_store      *store;          /* borrowed: the warehouse's tracking store */
    const char    *warehouse;      /* borrowed: the warehouse folder */
    int            method;         /* one SRV_ bit */
    const char    *method_name;    /* borrowed: "GET", ... */
    const char    *path;           /* borrowed: URL path after the mount prefix */
    const char    *suffix;         /* borrowed: for prefix routes, path after the route */
    json_t        *params;         /* borrowed: query fields merged with the body object */
    const uint8_t *body;           /* borrowed: raw body bytes (raw_body routes) */
    size_t         body_len;       /* bytes at body */
    /* reply */
    json_t        *reply;          /* owned: JSON object sent with 200; NULL = {} */
    int            reply_fd;       /* owned when >= 0: a file sent instead of JSON */
    uint64_t       reply_fd_size;  /* bytes to send from reply_fd */
    const char    *reply_type;     /* borrowed (static): Content-Type of the file */
    char          *reply_filename; /* owned (st_malloc): for Content-Disposition, or NULL */
} srv_call;

/* A handler: ST_OK with the reply filled, or an error status and err (sent
** as {"error_code","message"} with srv_error_http_status). */
typedef st_status (*srv_handler_fn)(srv_call *c, st_error *err);

typedef struct srv_route {
    unsigned        methods;      /* SRV_ bits accepted */
    const char     *path;         /* e.g. "/mlflow/runs/get"; prefix routes end in '/' */
    bool            is_prefix;    /* path is a prefix; srv_call.suffix gets the rest */
    bool            raw_body;     /* the body is bytes, not a JSON object */
    bool            locks_store;  /* run under the server's store mutex */
    srv_handler_fn  fn;
} srv_route;

/* A route table mounted under a URL prefix ("/api/2.0"). */
typedef struct srv_mount {
    const char      *prefix;      /* no trailing '/' */
    const srv_route *routes;      /* borrowed: static table */
    int              n_routes;
} srv_mount;

/* The MLflow REST API (mlflow_api.c), mounted at /api/2.0 and /ajax-api/2.0. */
extern const srv_route srv_mlflow_routes[];
extern const int       srv_mlflow_n_routes;

/* MLflow's error_code for a status: RESOURCE_DOES_NOT_EXIST (NOTFOUND),
** RESOURCE_ALREADY_EXISTS (EXISTS), INVALID_PARAMETER_VALUE (bad arguments,
** syntax, limits, unsupported values), INTERNAL_ERROR (IO, memory, bugs). */
const char *srv_error_code(st_status code);
/* The HTTP status of an MLflow error_code (404, 400, 409, 500, ...). */
int         srv_error_http_status(const char *error_code);

/* ---- request fields (http.c) -------------------------------------------- */

/* Fills params (an object, usually empty) as the transport fills
** srv_call.params: from query (the raw query string without '?', NULL =
** none), split at '&' and the first '=', '+' read as a space and %XX
** decoded, as libmicrohttpd splits it, then merged with the JSON object of
** body (body fields win; ignored when raw_body; empty or null adds nothing).
** ST_ERR_ARGUMENT for a query that is not UTF-8 or a body that is not a
** JSON object. The transport gets the query arguments from libmicrohttpd
** and shares the rest of this code; the entry point exists for unit tests
** and tests/fuzz/http_params_fuzz.c, which have no socket. */
st_status srv_params_parse(const char *query, const uint8_t *body, size_t body_len,
                           bool raw_body, json_t *params, st_error *err);

/* ---- request field helpers (mlflow_api.c) ------------------------------- */

/* The string field key of c->params: strings as they are, integers as
** decimal text (so "version": 3 works), booleans "true"/"false". NULL when
** absent or null. The text lives as long as c->params (or c's scratch). */
const char *srv_param_str(srv_call *c, const char *key);
/* Like srv_param_str, but a missing field is ST_ERR_ARGUMENT "missing value
** for required parameter 'key'". */
st_status   srv_param_req(srv_call *c, const char *key, const char **out, st_error *err);
/* An int64 field given as a JSON number or a numeric string; *out = def when
** absent. Junk is ST_ERR_ARGUMENT naming the field and value. */
st_status   srv_param_int64(srv_call *c, const char *key, int64_t def, int64_t *out,
                            st_error *err);

#endif /* STRATA_SERVER_SERVER_H */
