/* http.c -- the transport of `strata serve` over libmicrohttpd: binds the
** listening socket, runs one thread per connection, collects each request
** (query string, body -- also on DELETE), finds its route in the mounted
** tables (server.h), calls the handler and sends the JSON object, file or
** MLflow error object it produced.
**
** Per request: the first callback allocates a req_ctx and resolves the
** route; the following ones append body bytes (at most SRV_MAX_JSON_BODY for
** JSON routes, SRV_MAX_RAW_BODY for raw ones: more is 400, the rest drained);
** the last one dispatches. The completion callback frees the context.
** Handlers of routes with locks_store run under srv_server.store_lock, so the
** store handle sees one thread at a time (ml_store.h).
**
** libmicrohttpd is opened on first use (st_dl_open) and called through the
** table `mhd`: `strata sql` never loads it or the TLS libraries it needs.
** srv_start and srv_params_parse load it; everything else runs after them. */
#include "server.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#define SRV_MHD_FUNCS(X) \
    X(MHD_add_response_header) X(MHD_create_response_from_buffer) \
    X(MHD_create_response_from_buffer_with_free_callback) X(MHD_create_response_from_fd64) \
    X(MHD_destroy_response) X(MHD_get_connection_values) X(MHD_http_unescape) \
    X(MHD_queue_response) X(MHD_start_daemon) X(MHD_stop_daemon)

static struct {
#define SRV_MHD_FIELD(f) __typeof__(f) *f;
    SRV_MHD_FUNCS(SRV_MHD_FIELD)
#undef SRV_MHD_FIELD
} mhd;

static const char *const mhd_libs[] = {"libmicrohttpd.so.12", "libmicrohttpd.so", NULL};
static const char *const mhd_syms[] = {
#define SRV_MHD_NAME(f) #f,
    SRV_MHD_FUNCS(SRV_MHD_NAME)
#undef SRV_MHD_NAME
};
_Static_assert(sizeof mhd_syms / sizeof mhd_syms[0] * sizeof(void *) == sizeof mhd,
               "one symbol per table entry");
static st_dl_lib mhd_lib = {.libs = mhd_libs, .syms = mhd_syms,
                            .n_syms = (int)(sizeof mhd_syms / sizeof mhd_syms[0]), .table = &mhd};

static st_status mhd_load(st_error *err)
{
    const char *why = NULL;
    if (st_dl_open(&mhd_lib, &why) != ST_OK)
        return st_error_set(err, ST_ERR_UNSUPPORTED, "the HTTP server needs libmicrohttpd: %s",
                            why);
    return ST_OK;
}

#define MHD_add_response_header mhd.MHD_add_response_header
#define MHD_create_response_from_buffer mhd.MHD_create_response_from_buffer
#define MHD_create_response_from_buffer_with_free_callback \
    mhd.MHD_create_response_from_buffer_with_free_callback
#define MHD_create_response_from_fd64 mhd.MHD_create_response_from_fd64
#define MHD_destroy_response mhd.MHD_destroy_response
#define MHD_get_connection_values mhd.MHD_get_connection_values
#define MHD_http_unescape mhd.MHD_http_unescape
#define MHD_queue_response mhd.MHD_queue_response
#define MHD_start_daemon mhd.MHD_start_daemon
#define MHD_stop_daemon mhd.MHD_stop_daemon

#define SRV_MAX_JSON_BODY ((size_t)64 << 20)     /* bytes of a JSON request body */
#define SRV_MAX_RAW_BODY ((size_t)2 << 30)       /* bytes of an artifact upload */
#define SRV_MAX_MOUNTS 8

struct srv_server {
    struct MHD_Daemon *daemon;        /* owned */
    ml_store          *store;         /* owned; guarded by store_lock */
    pthread_mutex_t    store_lock;    /* serializes handlers with locks_store */
    char              *warehouse;     /* owned */
    int                port;          /* bound port */
    srv_mount          mounts[SRV_MAX_MOUNTS]; /* route tables, matched in order */
    int                n_mounts;
};

/* State of one request across libmicrohttpd's callbacks. */
typedef struct req_ctx {
    const srv_mount *mount;     /* borrowed: matched mount, or NULL */
    const srv_route *route;     /* borrowed: matched route, or NULL */
    int              method;    /* SRV_ bit, 0 for an unknown method */
    st_buf           body;      /* owned: request body bytes */
    bool             is_too_large; /* body exceeded its limit (rest drained) */
} req_ctx;

/* ---- errors ------------------------------------------------------------- */

const char *srv_error_code(st_status code)
{
    switch (code) {
    case ST_ERR_NOTFOUND:
        return "RESOURCE_DOES_NOT_EXIST";
    case ST_ERR_EXISTS:
        return "RESOURCE_ALREADY_EXISTS";
    case ST_ERR_ARGUMENT:
    case ST_ERR_SYNTAX:
    case ST_ERR_BIND:
    case ST_ERR_LIMIT:
    case ST_ERR_UNSUPPORTED:
    case ST_ERR_CONSTRAINT:
    case ST_ERR_CORRUPT:
        return "INVALID_PARAMETER_VALUE";
    case ST_ERR_CONFLICT:
        return "ABORTED";
    default:
        return "INTERNAL_ERROR";
    }
}

int srv_error_http_status(const char *error_code)
{
    static const struct {
        const char *code;
        int         status;
    } map[] = {
        { "RESOURCE_DOES_NOT_EXIST", 404 }, { "ENDPOINT_NOT_FOUND", 404 },
        { "NOT_FOUND", 404 },               { "RESOURCE_ALREADY_EXISTS", 400 },
        { "INVALID_PARAMETER_VALUE", 400 }, { "BAD_REQUEST", 400 },
        { "ALREADY_EXISTS", 409 },          { "RESOURCE_CONFLICT", 409 },
        { "ABORTED", 409 },                 { "PERMISSION_DENIED", 403 },
        { "UNAUTHENTICATED", 401 },         { "CUSTOMER_UNAUTHORIZED", 401 },
        { "NOT_IMPLEMENTED", 501 },         { "TEMPORARILY_UNAVAILABLE", 503 },
        { "REQUEST_LIMIT_EXCEEDED", 429 },
    };
    for (size_t i = 0; i < ST_ARRAY_LEN(map); i++)
        if (strcmp(map[i].code, error_code) == 0)
            return map[i].status;
    return 500;
}

/* ---- replies ------------------------------------------------------------ */

static void free_json_text(void *p)
{
    free(p);   /* json_dumps allocates with jansson's default malloc */
}

/* Queues obj (borrowed) as a JSON reply with HTTP status. */
static enum MHD_Result send_json(struct MHD_Connection *conn, unsigned status, const json_t *obj)
{
    static const char oom[] = "{\"error_code\":\"INTERNAL_ERROR\",\"message\":\"out of memory\"}";
    char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    struct MHD_Response *r;
    if (text) {
        r = MHD_create_response_from_buffer_with_free_callback(strlen(text), text,
                                                               free_json_text);
        if (!r)
            free(text);
    } else {
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        r = MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);
    }
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, const char *code,
                                  const char *message)
{
    json_t *o = json_pack("{s:s, s:s}", "error_code", code, "message", message);
    enum MHD_Result rc = send_json(conn, (unsigned)srv_error_http_status(code), o);
    json_decref(o);
    return rc;
}

/* Queues the file of c (ownership of c->reply_fd passes to libmicrohttpd). */
static enum MHD_Result send_file(struct MHD_Connection *conn, srv_call *c)
{
    struct MHD_Response *r = MHD_create_response_from_fd64(c->reply_fd_size, c->reply_fd);
    if (!r) {
        close(c->reply_fd);
        c->reply_fd = -1;
        return send_error(conn, "INTERNAL_ERROR", "could not create the file response");
    }
    c->reply_fd = -1;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            c->reply_type ? c->reply_type : "application/octet-stream");
    if (c->reply_filename) {
        char disp[1024];
        /* Quotes and control bytes cannot be escaped in this header: drop them. */
        size_t n = 0;
        for (const char *p = c->reply_filename; *p && n < 900; p++)
            if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
                disp[n++] = *p;
        disp[n] = '\0';
        char header[1100];
        snprintf(header, sizeof header, "attachment; filename=\"%s\"", disp);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, header);
    }
    enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

/* ---- routing ------------------------------------------------------------ */

static int method_bit(const char *m)
{
    static const struct {
        const char *name;
        int         bit;
    } map[] = {
        { "GET", SRV_GET },     { "POST", SRV_POST },     { "PUT", SRV_PUT },
        { "PATCH", SRV_PATCH }, { "DELETE", SRV_DELETE }, { "HEAD", SRV_HEAD },
    };
    for (size_t i = 0; i < ST_ARRAY_LEN(map); i++)
        if (strcmp(map[i].name, m) == 0)
            return map[i].bit;
    return 0;
}

/* Finds the route of (method, url); *suffix_out gets the rest of the path for
** prefix routes. HEAD is answered by GET routes (libmicrohttpd drops the body). */
static const srv_route *find_route(const srv_server *s, int method, const char *url,
                                   const srv_mount **mount_out, const char **suffix_out)
{
    int want = method == SRV_HEAD ? SRV_GET : method;
    for (int m = 0; m < s->n_mounts; m++) {
        const srv_mount *mt = &s->mounts[m];
        size_t plen = strlen(mt->prefix);
        if (strncmp(url, mt->prefix, plen) != 0 || (url[plen] != '/' && url[plen] != '\0'))
            continue;
        const char *rest = url + plen;
        for (int i = 0; i < mt->n_routes; i++) {
            const srv_route *r = &mt->routes[i];
            if (!(r->methods & (unsigned)want))
                continue;
            size_t rlen = strlen(r->path);
            bool hit = r->is_prefix ? strncmp(rest, r->path, rlen) == 0
                                    : strcmp(rest, r->path) == 0;
            if (hit) {
                *mount_out = mt;
                *suffix_out = r->is_prefix ? rest + rlen : "";
                return r;
            }
        }
    }
    return NULL;
}

/* ---- query string -------------------------------------------------------- */

typedef struct query_state {
    json_t *params;   /* borrowed: object being filled */
    bool    has_failed;
} query_state;

/* Adds one query argument: "k=v" sets a string; a repeated key, "k[]=v" or
** "k[3]=v" collect strings into an array. */
static enum MHD_Result add_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    query_state *q = cls;
    (void)kind;
    if (!key)
        return MHD_YES;
    char name[256];
    size_t n = strlen(key);
    bool is_list = false;
    const char *br = strchr(key, '[');
    if (br && n > 0 && key[n - 1] == ']') {
        n = (size_t)(br - key);
        is_list = true;
    }
    if (n == 0 || n >= sizeof name)
        return MHD_YES;
    memcpy(name, key, n);
    name[n] = '\0';
    json_t *v = json_string(value ? value : "");
    if (!v) {   /* not UTF-8 */
        q->has_failed = true;
        return MHD_YES;
    }
    json_t *old = json_object_get(q->params, name);
    if (!old) {
        if (is_list) {
            json_t *arr = json_array();
            json_array_append_new(arr, v);
            json_object_set_new(q->params, name, arr);
        } else {
            json_object_set_new(q->params, name, v);
        }
    } else if (json_is_array(old)) {
        json_array_append_new(old, v);
    } else {
        json_t *arr = json_array();
        json_array_append(arr, old);
        json_array_append_new(arr, v);
        json_object_set_new(q->params, name, arr);
    }
    return MHD_YES;
}

/* Merges the JSON object of a request body into params (body fields win);
** an empty body or JSON null adds nothing. */
static st_status merge_body(json_t *params, const uint8_t *data, size_t len, st_error *err)
{
    if (len == 0)
        return ST_OK;
    json_error_t jerr;
    json_t *body = json_loadb((const char *)data, len, JSON_DECODE_ANY, &jerr);
    if (!body)
        return st_error_set(err, ST_ERR_ARGUMENT, "malformed JSON request body: %s (line %d)",
                            jerr.text, jerr.line);
    if (json_is_null(body)) {
        json_decref(body);
        return ST_OK;
    }
    if (!json_is_object(body)) {
        json_decref(body);
        return st_error_set(err, ST_ERR_ARGUMENT, "request body is not a JSON object");
    }
    json_object_update(params, body);
    json_decref(body);
    return ST_OK;
}

st_status srv_params_parse(const char *query, const uint8_t *body, size_t body_len,
                           bool raw_body, json_t *params, st_error *err)
{
    st_status lrc = mhd_load(err);
    if (lrc != ST_OK)
        return lrc;
    char *copy = st_strdup(query ? query : "");
    if (!copy)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    query_state q = { .params = params, .has_failed = false };
    for (char *arg = copy; arg && *arg;) {
        char *amp = strchr(arg, '&');
        if (amp)
            *amp = '\0';
        char *value = strchr(arg, '=');
        if (value)
            *value++ = '\0';
        for (char *p = arg; *p; p++)          /* '+' is a space in keys and values */
            if (*p == '+')
                *p = ' ';
        for (char *p = value; p && *p; p++)
            if (*p == '+')
                *p = ' ';
        MHD_http_unescape(arg);
        if (value)
            MHD_http_unescape(value);
        add_query_arg(&q, MHD_GET_ARGUMENT_KIND, arg, value);
        arg = amp ? amp + 1 : NULL;
    }
    st_free(copy);
    if (q.has_failed)
        return st_error_set(err, ST_ERR_ARGUMENT, "query string is not valid UTF-8");
    return raw_body ? ST_OK : merge_body(params, body, body_len, err);
}

/* ---- dispatch ------------------------------------------------------------ */

/* Builds c->params from the query string (as libmicrohttpd split and
** decoded it) and the JSON body. */
static st_status build_params(struct MHD_Connection *conn, const req_ctx *rq, srv_call *c,
                              st_error *err)
{
    query_state q = { .params = c->params, .has_failed = false };
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_query_arg, &q);
    if (q.has_failed)
        return st_error_set(err, ST_ERR_ARGUMENT, "query string is not valid UTF-8");
    if (rq->route->raw_body)
        return ST_OK;
    return merge_body(c->params, rq->body.data, rq->body.len, err);
}

static enum MHD_Result dispatch(srv_server *s, struct MHD_Connection *conn, req_ctx *rq,
                                const char *url, const char *method)
{
    if (!rq->route) {
        char msg[512];
        snprintf(msg, sizeof msg, "no endpoint for %s %.400s", method, url);
        return send_error(conn, "ENDPOINT_NOT_FOUND", msg);
    }
    if (rq->is_too_large)
        return send_error(conn, "INVALID_PARAMETER_VALUE", "request body is too large");
    srv_call c = {
        .store = s->store, .warehouse = s->warehouse, .method = rq->method,
        .method_name = method, .path = url + strlen(rq->mount->prefix),
        .params = json_object(), .body = rq->body.data, .body_len = rq->body.len,
        .reply_fd = -1,
    };
    c.suffix = c.path + (rq->route->is_prefix ? strlen(rq->route->path) : strlen(c.path));
    st_error err;
    st_error_init(&err);
    st_status rc = c.params ? build_params(conn, rq, &c, &err)
                            : st_error_set(&err, ST_ERR_NOMEM, "out of memory");
    if (rc == ST_OK) {
        if (rq->route->locks_store)
            pthread_mutex_lock(&s->store_lock);
        rc = rq->route->fn(&c, &err);
        if (rq->route->locks_store)
            pthread_mutex_unlock(&s->store_lock);
    }
    enum MHD_Result res;
    if (rc != ST_OK) {
        res = send_error(conn, srv_error_code(rc), err.msg[0] ? err.msg : st_status_name(rc));
    } else if (c.reply_fd >= 0) {
        res = send_file(conn, &c);
    } else if (c.reply) {
        res = send_json(conn, MHD_HTTP_OK, c.reply);
    } else {
        json_t *empty = json_object();
        res = send_json(conn, MHD_HTTP_OK, empty);
        json_decref(empty);
    }
    if (c.reply_fd >= 0)
        close(c.reply_fd);
    json_decref(c.reply);
    json_decref(c.params);
    st_free(c.reply_filename);
    return res;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    srv_server *s = cls;
    (void)version;
    req_ctx *rq = *con_cls;
    if (!rq) {   /* headers only: resolve the route, wait for the body */
        rq = st_calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        st_buf_init(&rq->body);
        rq->method = method_bit(method);
        const char *suffix;
        if (rq->method)
            rq->route = find_route(s, rq->method, url, &rq->mount, &suffix);
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t limit = rq->route && rq->route->raw_body ? SRV_MAX_RAW_BODY : SRV_MAX_JSON_BODY;
        if (!rq->is_too_large && rq->route && rq->body.len + *upload_data_size <= limit) {
            if (st_buf_append(&rq->body, upload_data, *upload_data_size, NULL) != ST_OK)
                rq->is_too_large = true;
        } else {
            rq->is_too_large = true;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    return dispatch(s, conn, rq, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    req_ctx *rq = *con_cls;
    if (rq) {
        st_buf_destroy(&rq->body);
        st_free(rq);
        *con_cls = NULL;
    }
}

/* ---- start / stop -------------------------------------------------------- */

/* Binds and listens on host:port; *fd_out the socket, *is_ipv6 its family. */
static st_status open_listener(const char *host, int port, int *fd_out, bool *is_ipv6,
                               st_error *err)
{
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", port);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
    struct addrinfo *res = NULL;
    int grc = getaddrinfo(host, port_text, &hints, &res);
    if (grc != 0)
        return st_error_set(err, ST_ERR_ARGUMENT, "cannot resolve host \"%s\": %s", host,
                            gai_strerror(grc));
    int fd = -1, saved = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0) {
            *is_ipv6 = ai->ai_family == AF_INET6;
            break;
        }
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return st_error_set(err, ST_ERR_IO, "could not listen on %s:%d: %s", host, port,
                            strerror(saved));
    *fd_out = fd;
    return ST_OK;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

st_status srv_start(const srv_options *opt, srv_server **out, st_error *err)
{
    *out = NULL;
    if (opt->port < 0 || opt->port > 65535)
        return st_error_set(err, ST_ERR_ARGUMENT, "bad port %d (0..65535)", opt->port);
    st_status lrc = mhd_load(err);
    if (lrc != ST_OK)
        return lrc;
    srv_server *s = st_calloc(1, sizeof *s);
    if (!s)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&s->store_lock, NULL);
    s->mounts[s->n_mounts++] = (srv_mount){ "/api/2.0", srv_mlflow_routes, srv_mlflow_n_routes };
    s->mounts[s->n_mounts++] = (srv_mount){ "/ajax-api/2.0", srv_mlflow_routes,
                                            srv_mlflow_n_routes };
    s->warehouse = st_strdup(opt->warehouse);
    st_status rc = s->warehouse ? ml_store_open(opt->warehouse, &s->store, err)
                                : st_error_set(err, ST_ERR_NOMEM, "out of memory");
    if (rc != ST_OK)
        goto fail;
    int fd = -1;
    bool is_ipv6 = false;
    rc = open_listener(opt->host ? opt->host : "127.0.0.1", opt->port, &fd, &is_ipv6, err);
    if (rc != ST_OK)
        goto fail;
    s->port = bound_port(fd);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_ITC | (is_ipv6 ? MHD_USE_IPv6 : 0);
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
                                 MHD_OPTION_LISTEN_SOCKET, fd,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                                 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                                 MHD_OPTION_END);
    if (!s->daemon) {
        close(fd);
        rc = st_error_set(err, ST_ERR_IO, "could not start the HTTP server on port %d",
                          s->port);
        goto fail;
    }
    *out = s;
    return ST_OK;
fail:
    srv_stop(s);
    return rc;
}

int srv_port(const srv_server *s)
{
    return s->port;
}

void srv_stop(srv_server *s)
{
    if (!s)
        return;
    if (s->daemon)
        MHD_stop_daemon(s->daemon);   /* joins every connection thread */
    ml_store_close(s->store);
    pthread_mutex_destroy(&s->store_lock);
    st_free(s->warehouse);
    st_free(s);
}
