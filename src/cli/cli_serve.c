/* cli_serve.c -- `strata serve [--port N] [--host H] [--warehouse DIR]`:
** serves the warehouse's MLflow tracking, registry and artifacts REST API
** (src/server) until SIGINT or SIGTERM, then stops cleanly (connections
** closed, threads joined, store closed) and exits 0.
**
** Prints one line once the socket listens:
**   strata serve: listening on http://HOST:PORT (warehouse DIR)
** with the real port when --port 0 asked for any free one, so scripts and
** tests can parse it. SIGINT/SIGTERM are blocked before the server threads
** start (they inherit the mask) and taken with sigwait by this thread. */
#include "cli.h"

#include <signal.h>
#include <stdlib.h>

#include "../server/server.h"

#define USAGE_SERVE "strata serve [--port N] [--host H] [--warehouse DIR]"

void cli_serve_usage(FILE *fp)
{
    fputs("serve:\n"
          "  " USAGE_SERVE "\n"
          "      MLflow tracking, model registry and artifacts REST API for the warehouse\n"
          "      (defaults: port 8080, host 127.0.0.1, warehouse $STRATA_WAREHOUSE or\n"
          "      ./warehouse; port 0 picks a free port); runs until SIGINT or SIGTERM\n",
          fp);
}

int cli_serve_main(int argc, char **argv)
{
    enum { O_PORT, O_HOST, O_WAREHOUSE };
    static const cli_opt_spec specs[] = { { "port", true }, { "host", true }, { "warehouse", true } };
    cli_args a;
    int rc = cli_parse_args(argc, argv, specs, (int)ST_ARRAY_LEN(specs), 0, 0, USAGE_SERVE, &a);
    if (rc != CLI_EXIT_OK)
        return rc;
    srv_options opt = { .host = "127.0.0.1", .port = 8080, .warehouse = NULL };
    if (a.is_set[O_PORT]) {
        int64_t v;
        if (!cli_parse_int64(a.value[O_PORT], &v) || v > 65535)
            return cli_usage_error(USAGE_SERVE, "bad port \"%s\" (0..65535)", a.value[O_PORT]);
        opt.port = (int)v;
    }
    if (a.is_set[O_HOST]) {
        if (!a.value[O_HOST][0])
            return cli_usage_error(USAGE_SERVE, "empty --host");
        opt.host = a.value[O_HOST];
    }
    const char *env = getenv("STRATA_WAREHOUSE");
    opt.warehouse = a.is_set[O_WAREHOUSE] ? a.value[O_WAREHOUSE]
                    : env && *env         ? env
                                          : "./warehouse";
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    srv_server *srv = NULL;
    st_error err;
    st_error_init(&err);
    if (srv_start(&opt, &srv, &err) != ST_OK) {
        cli_report_error(&err);
        return CLI_EXIT_ERROR;
    }
    const char *host = opt.host;
    bool is_v6 = strchr(host, ':') != NULL;
    printf("strata serve: listening on http://%s%s%s:%d (warehouse %s)\n", is_v6 ? "[" : "",
           host, is_v6 ? "]" : "", srv_port(srv), opt.warehouse);
    fflush(stdout);
    int sig = 0;
    while (sigwait(&set, &sig) != 0) {
    }
    srv_stop(srv);
    fprintf(stderr, "strata serve: stopped (signal %d)\n", sig);
    return CLI_EXIT_OK;
}
