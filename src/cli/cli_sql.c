/* cli_sql.c -- `strata sql` (run SQL from -e, -f, an argument or stdin and
** print each statement's result) and `strata shell` (an interactive REPL
** with libedit history, multi-line statements ended by ';', and dot
** commands: .timer on|off, .mode table|csv|json|ndjson, .tables, .help,
** .quit).
**
** Both run statements through one session (src/exec/session.h), so SET
** values carry from one statement to the next. Tables are reached by path
** (delta.`/path`, parquet.`/glob`, ...) or by names given with
** --table name=format:path. Errors print as `error: ...` plus the source
** line with a caret; `strata sql` then exits 1 (the statements before the
** failing one have run and printed), the shell goes on. */
#include "cli.h"

#include <editline/readline.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../exec/session.h"

#define USAGE_SQL   "strata sql [--warehouse DIR] [--format table|csv|json|ndjson] " \
                    "[--table NAME=FORMAT:PATH]... [-e SQL | -f FILE | SQL]"
#define USAGE_SHELL "strata shell [--warehouse DIR] [--table NAME=FORMAT:PATH]..."

void cli_sql_usage(FILE *fp)
{
    fputs("sql:\n"
          "  " USAGE_SQL "\n"
          "      run SQL statements (Spark SQL) and print their results; tables by path:\n"
          "      delta.`/dir`, parquet.`/dir/*.parquet`, csv.`f.csv`, json.`f.json`,\n"
          "      read_files('p', format => 'csv'); SQL from stdin when none is given\n"
          "  " USAGE_SHELL "\n"
          "      interactive SQL shell (.help lists its commands)\n",
          fp);
}

typedef struct sql_cli {
    ex_session *s;
    cli_format  fmt;
    bool        timer;
    bool        any_printed;
    cli_writer  w;
} sql_cli;

static st_status print_result(void *ud, ex_result *r, st_error *err)
{
    sql_cli *c = ud;
    st_status rc = ST_OK;
    if (c->fmt == CLI_FORMAT_TABLE && r->statement && strcmp(r->statement, "explain") == 0) {
        /* Plans read best as plain text, one line per row. */
        for (int i = 0; rc == ST_OK && i < r->n_batches; i++)
            for (int64_t row = 0; rc == ST_OK && row < r->batches[i]->n_rows; row++) {
                const vec *v = r->batches[i]->cols[0];
                const int32_t *off = vec_offsets(v);
                rc = cli_write(&c->w, v->bytes + off[row], (size_t)(off[row + 1] - off[row]), err);
                if (rc == ST_OK) rc = cli_write_str(&c->w, "\n", err);
            }
        if (rc == ST_OK) rc = cli_writer_flush(&c->w, err);
        c->any_printed = true;
        ex_result_free(r);
        return rc;
    }
    if (r->schema.n_fields > 0) {
        if (c->any_printed && c->fmt == CLI_FORMAT_TABLE) rc = cli_write_str(&c->w, "\n", err);
        cli_printer *p = rc == ST_OK ? cli_printer_new(c->fmt, &r->schema, &c->w, NULL) : NULL;
        if (rc == ST_OK && !p) rc = st_error_set(err, ST_ERR_NOMEM, "out of memory printing");
        for (int i = 0; rc == ST_OK && i < r->n_batches && !c->w.is_broken_pipe; i++)
            rc = cli_printer_write(p, r->batches[i], r->batches[i]->n_rows, err);
        if (rc == ST_OK) rc = cli_printer_finish(p, err);
        cli_printer_free(p);
        c->any_printed = true;
    }
    ex_result_free(r);
    return rc;
}

/* --table name=format:path */
static int add_table(ex_session *s, const char *spec, const char *usage)
{
    const char *eq = strchr(spec, '=');
    const char *colon = eq ? strchr(eq, ':') : NULL;
    if (!eq || !colon || eq == spec)
        return cli_usage_error(usage, "--table wants NAME=FORMAT:PATH, not \"%s\"", spec);
    char name[256], fmt[32];
    size_t nl = (size_t)(eq - spec), fl = (size_t)(colon - eq - 1);
    if (nl >= sizeof name || fl >= sizeof fmt)
        return cli_usage_error(usage, "--table \"%s\": name or format too long", spec);
    memcpy(name, spec, nl);
    name[nl] = 0;
    memcpy(fmt, eq + 1, fl);
    fmt[fl] = 0;
    lp_source_kind k;
    if (!lp_source_kind_parse(fmt, &k))
        return cli_usage_error(usage, "--table \"%s\": format must be delta, parquet, csv or json",
                               spec);
    st_error err;
    st_error_init(&err);
    if (ex_session_register(s, name, k, colon + 1, &err) != ST_OK) {
        cli_report_error(&err);
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}

static char *read_stream(FILE *fp)
{
    st_buf b;
    st_buf_init(&b);
    st_error err;
    st_error_init(&err);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        if (st_buf_append(&b, chunk, n, &err) != ST_OK) { st_buf_destroy(&b); return NULL; }
    if (st_buf_append_byte(&b, 0, &err) != ST_OK) { st_buf_destroy(&b); return NULL; }
    return (char *)b.data;
}

/* Common options of sql and shell. Returns an exit code or -1 to go on. */
typedef struct sql_opts {
    const char *warehouse, *format, *expr, *file, *positional;
    const char *tables[64];
    int         n_tables;
} sql_opts;

static int parse_opts(int argc, char **argv, bool shell, const char *usage, sql_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        const char *name = NULL;
        if (!strcmp(a, "--warehouse")) slot = &o->warehouse, name = a;
        else if (!strcmp(a, "--format") && !shell) slot = &o->format, name = a;
        else if (!strcmp(a, "-e") && !shell) slot = &o->expr, name = a;
        else if (!strcmp(a, "-f") && !shell) slot = &o->file, name = a;
        else if (!strcmp(a, "--table")) {
            if (i + 1 >= argc) return cli_usage_error(usage, "option \"--table\" needs a value");
            if (o->n_tables == 64) return cli_usage_error(usage, "too many --table options");
            o->tables[o->n_tables++] = argv[++i];
            continue;
        } else if (!strncmp(a, "--warehouse=", 12)) { o->warehouse = a + 12; continue; }
        else if (!strncmp(a, "--format=", 9) && !shell) { o->format = a + 9; continue; }
        else if (!strncmp(a, "--table=", 8)) {
            if (o->n_tables == 64) return cli_usage_error(usage, "too many --table options");
            o->tables[o->n_tables++] = a + 8;
            continue;
        } else if (a[0] == '-' && a[1]) return cli_usage_error(usage, "unknown option \"%s\"", a);
        else if (!shell && !o->positional) { o->positional = a; continue; }
        else return cli_usage_error(usage, "unexpected argument \"%s\"", a);
        if (i + 1 >= argc) return cli_usage_error(usage, "option \"%s\" needs a value", name);
        *slot = argv[++i];
    }
    int given = (o->expr != NULL) + (o->file != NULL) + (o->positional != NULL);
    if (given > 1) return cli_usage_error(usage, "give the SQL once: -e, -f or an argument");
    if (!o->warehouse) o->warehouse = getenv("STRATA_WAREHOUSE");
    return -1;
}

static int open_session(const sql_opts *o, const char *usage, ex_session **out)
{
    st_error err;
    st_error_init(&err);
    if (ex_session_new(o->warehouse, out, &err) != ST_OK) {
        cli_report_error(&err);
        return CLI_EXIT_ERROR;
    }
    for (int i = 0; i < o->n_tables; i++) {
        int code = add_table(*out, o->tables[i], usage);
        if (code != CLI_EXIT_OK) {
            ex_session_free(*out);
            return code;
        }
    }
    return -1;
}

int cli_sql_main(int argc, char **argv)
{
    sql_opts o;
    int code = parse_opts(argc, argv, false, USAGE_SQL, &o);
    if (code >= 0) return code;
    sql_cli c = {.fmt = CLI_FORMAT_TABLE};
    if (o.format && !cli_format_parse(o.format, &c.fmt))
        return cli_usage_error(USAGE_SQL, "unknown format \"%s\" (table, csv, json, ndjson)",
                               o.format);
    char *text = NULL;
    if (o.expr || o.positional) text = st_strdup(o.expr ? o.expr : o.positional);
    else if (o.file) {
        FILE *fp = fopen(o.file, "rb");
        if (!fp) {
            st_error err;
            st_error_init(&err);
            st_error_set(&err, ST_ERR_IO, "cannot open SQL file \"%s\": %s", o.file, strerror(errno));
            cli_report_error(&err);
            return CLI_EXIT_ERROR;
        }
        text = read_stream(fp);
        fclose(fp);
    } else text = read_stream(stdin);
    if (!text) {
        fprintf(stderr, "error: out of memory reading SQL\n");
        return CLI_EXIT_ERROR;
    }
    if ((code = open_session(&o, USAGE_SQL, &c.s)) >= 0) {
        st_free(text);
        return code;
    }
    cli_writer_init(&c.w, stdout);
    st_error err;
    st_error_init(&err);
    st_status rc = ex_session_exec(c.s, text, print_result, &c, &err);
    if (rc == ST_OK) rc = cli_writer_flush(&c.w, &err);
    else {
        st_error e2;
        st_error_init(&e2);
        cli_writer_flush(&c.w, &e2);
    }
    code = CLI_EXIT_OK;
    if (rc != ST_OK && !c.w.is_broken_pipe) {
        cli_report_error(&err);
        code = CLI_EXIT_ERROR;
    }
    cli_writer_destroy(&c.w);
    ex_session_free(c.s);
    st_free(text);
    return code;
}

/* ---- shell ------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* True when text holds a statement end: a ';' outside quotes and comments. */
static bool statement_complete(const char *t)
{
    char q = 0;
    bool complete = false;
    for (const char *p = t; *p; p++) {
        if (q) {
            if (*p == '\\' && q != '`' && p[1]) { p++; continue; }
            if (*p == q) q = 0;
            continue;
        }
        if (*p == '\'' || *p == '"' || *p == '`') { q = *p; complete = false; continue; }
        if (p[0] == '-' && p[1] == '-') { while (*p && *p != '\n') p++; if (!*p) break; continue; }
        if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            if (!e) return false;
            p = e + 1;
            continue;
        }
        if (*p == ';') complete = true;
        else if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') complete = false;
    }
    return complete && !q;
}

static void shell_help(void)
{
    puts(".help                      this text\n"
         ".mode table|csv|json|ndjson  result format\n"
         ".timer on|off              print each statement's run time\n"
         ".tables                    tables registered in this session\n"
         ".quit                      leave (also Ctrl-D)\n"
         "SQL statements end with ';' and may span lines.");
}

static bool shell_dot(sql_cli *c, const char *line)
{
    char cmd[32] = {0}, arg[64] = {0};
    sscanf(line, ".%31s %63s", cmd, arg);
    if (!strcmp(cmd, "quit") || !strcmp(cmd, "exit")) return false;
    if (!strcmp(cmd, "help")) shell_help();
    else if (!strcmp(cmd, "timer")) {
        if (!strcmp(arg, "on")) c->timer = true;
        else if (!strcmp(arg, "off")) c->timer = false;
        else fprintf(stderr, "error: .timer takes on or off\n");
    } else if (!strcmp(cmd, "mode")) {
        if (!cli_format_parse(arg, &c->fmt))
            fprintf(stderr, "error: .mode takes table, csv, json or ndjson\n");
    } else if (!strcmp(cmd, "tables")) {
        st_error err;
        st_error_init(&err);
        if (ex_session_exec(c->s, "SHOW TABLES", print_result, c, &err) != ST_OK)
            cli_report_error(&err);
        st_error_init(&err);
        cli_writer_flush(&c->w, &err);
    } else fprintf(stderr, "error: unknown command \".%s\" (.help lists them)\n", cmd);
    return true;
}

int cli_shell_main(int argc, char **argv)
{
    sql_opts o;
    int code = parse_opts(argc, argv, true, USAGE_SHELL, &o);
    if (code >= 0) return code;
    sql_cli c = {.fmt = CLI_FORMAT_TABLE};
    if ((code = open_session(&o, USAGE_SHELL, &c.s)) >= 0) return code;
    cli_writer_init(&c.w, stdout);
    bool tty = isatty(STDIN_FILENO);
    char hist[4096] = {0};
    const char *home = getenv("HOME");
    if (home) snprintf(hist, sizeof hist, "%s/.strata_history", home);
    using_history();
    if (hist[0]) read_history(hist);
    if (tty) printf("strata %s shell: SQL ends with ';', .help for commands\n", CLI_VERSION);
    st_buf stmt;
    st_buf_init(&stmt);
    st_error err;
    for (;;) {
        char *line = readline(tty ? (stmt.len ? "   ...> " : "strata> ") : "");
        if (!line) break;
        if (stmt.len == 0 && line[0] == '.') {
            if (tty) add_history(line);
            bool go = shell_dot(&c, line);
            free(line);
            if (!go) break;
            continue;
        }
        st_error_init(&err);
        if (st_buf_append_str(&stmt, line, &err) != ST_OK ||
            st_buf_append_byte(&stmt, '\n', &err) != ST_OK) {
            free(line);
            break;
        }
        free(line);
        if (st_buf_append_byte(&stmt, 0, &err) != ST_OK) break;
        stmt.len--;
        if (!statement_complete((const char *)stmt.data)) continue;
        char *text = (char *)stmt.data;
        if (tty) {
            size_t n = strlen(text);
            while (n > 0 && text[n - 1] == '\n') text[--n] = 0;
            add_history(text);
        }
        double t0 = now_s();
        st_error_init(&err);
        st_status rc = ex_session_exec(c.s, text, print_result, &c, &err);
        st_error e2;
        st_error_init(&e2);
        cli_writer_flush(&c.w, &e2);
        if (rc != ST_OK) cli_report_error(&err);
        if (c.timer) printf("Run Time: %.3f s\n", now_s() - t0);
        fflush(stdout);
        st_buf_clear(&stmt);
    }
    if (hist[0]) write_history(hist);
    st_buf_destroy(&stmt);
    cli_writer_destroy(&c.w);
    ex_session_free(c.s);
    return CLI_EXIT_OK;
}
