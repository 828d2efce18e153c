/* main.c -- `strata <command> ...`: the program's entry point, command
** dispatch, help text, error reporting and the option parser the commands
** share.
**
** Exit codes: 0 success (also when the output reader went away, EPIPE), 1 a
** command failed ("error: <message>" and maybe "hint: <hint>" on stderr), 2 a
** bad command line (the message names the offending argument). SIGPIPE is
** ignored so that writes to a closed pipe return EPIPE, which the output
** writer turns into a quiet stop. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>

void cli_report_error(const st_error *err)
{
    fprintf(stderr, "error: %s\n", err->msg[0] ? err->msg : st_status_name(err->code));
    /* A SQL error's hint is the source line with a caret: printed as is so
    ** the caret stays under the spot. */
    if (err->hint[0])
        fprintf(stderr, strncmp(err->hint, "LINE ", 5) == 0 ? "%s\n" : "hint: %s\n", err->hint);
}

int cli_usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (usage)
        fprintf(stderr, "usage: %s\n", usage);
    return CLI_EXIT_USAGE;
}

bool cli_parse_int64(const char *s, int64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return false;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        if (v > (INT64_MAX - (*s - '0')) / 10)
            return false;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return true;
}

/* Index of the option named by arg ("--name" or "--name=value", name of
** name_len bytes), or -1. */
static int find_option(const cli_opt_spec *specs, int n_specs, const char *name, size_t name_len)
{
    for (int i = 0; i < n_specs; i++)
        if (strlen(specs[i].name) == name_len && memcmp(specs[i].name, name, name_len) == 0)
            return i;
    return -1;
}

int cli_parse_args(int argc, char **argv, const cli_opt_spec *specs, int n_specs, int min_pos,
                   int max_pos, const char *usage, cli_args *out)
{
    memset(out, 0, sizeof *out);
    ST_ASSERT(n_specs <= CLI_MAX_OPTIONS && max_pos <= CLI_MAX_POSITIONAL);
    bool options_done = false;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (options_done || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (out->n_pos >= max_pos)
                return cli_usage_error(usage, "unexpected argument \"%s\"", arg);
            out->pos[out->n_pos++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            options_done = true;
            continue;
        }
        const char *name = arg[1] == '-' ? arg + 2 : arg + 1;
        const char *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        int k = arg[1] == '-' ? find_option(specs, n_specs, name, name_len) : -1;
        if (k < 0)
            return cli_usage_error(usage, "unknown option \"%s\"", arg);
        if (!specs[k].takes_value) {
            if (eq)
                return cli_usage_error(usage, "option \"--%s\" takes no value", specs[k].name);
            out->is_set[k] = true;
            continue;
        }
        if (eq) {
            out->value[k] = eq + 1;
        } else {
            if (i + 1 >= argc)
                return cli_usage_error(usage, "option \"--%s\" needs a value", specs[k].name);
            out->value[k] = argv[++i];
        }
        out->is_set[k] = true;
    }
    if (out->n_pos < min_pos)
        return cli_usage_error(usage, "missing argument (%d expected, %d given)", min_pos,
                               out->n_pos);
    return CLI_EXIT_OK;
}

static void print_help(FILE *fp)
{
    fputs("strata " CLI_VERSION " -- a lakehouse engine\n"
          "\n"
          "usage: strata <command> [arguments]\n"
          "\n"
          "commands:\n"
          "  version                      print the version\n"
          "  help                         show this help\n"
          "  parquet <subcommand> ...     inspect, print and rewrite Parquet files\n"
          "  delta <subcommand> ...       read, write and checkpoint Delta tables     \n"
          "  csv <subcommand> ...         print CSV files with inferred types\n"
          "  json <subcommand> ...        print newline-delimited JSON files\n"
          "  gen <subcommand> ...         generate benchmark data (TPC-H)\n"
          "  sql [options] [SQL]          run SQL statements and print the results\n"
          "  shell [options]              interactive SQL shell\n"
          "  serve [options]              MLflow tracking/registry REST server\n"
          "\n",
          fp);
    cli_sql_usage(fp);
    cli_parquet_usage(fp);
    cli_delta_usage(fp);
    cli_gen_usage(fp);
    cli_serve_usage(fp);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    st_runtime_init();
    if (argc < 2) {
        print_help(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        if (argc > 2)
            return cli_usage_error("strata version", "unexpected argument \"%s\"", argv[2]);
        printf("strata %s\n", CLI_VERSION);
        return fflush(stdout) == 0 || errno == EPIPE ? CLI_EXIT_OK : CLI_EXIT_ERROR;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        print_help(stdout);
        return fflush(stdout) == 0 || errno == EPIPE ? CLI_EXIT_OK : CLI_EXIT_ERROR;
    }
    if (strcmp(cmd, "parquet") == 0)
        return cli_parquet_main(argc - 2, argv + 2);
    if (strcmp(cmd, "delta") == 0)
        return cli_delta_main(argc - 2, argv + 2);
    if (strcmp(cmd, "csv") == 0)
        return cli_csv_main(argc - 2, argv + 2);
    if (strcmp(cmd, "json") == 0)
        return cli_json_main(argc - 2, argv + 2);
    if (strcmp(cmd, "gen") == 0)
        return cli_gen_main(argc - 2, argv + 2);
    if (strcmp(cmd, "sql") == 0)
        return cli_sql_main(argc - 2, argv + 2);
    if (strcmp(cmd, "shell") == 0)
        return cli_shell_main(argc - 2, argv + 2);
    if (strcmp(cmd, "serve") == 0)
        return cli_serve_main(argc - 2, argv + 2);
    cli_usage_error(NULL, "unknown command \"%s\"", cmd);
    fputs("hint: run \"strata help\" for the list of commands\n", stderr);
    return CLI_EXIT_USAGE;
}
