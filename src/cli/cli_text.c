/* cli_text.c -- `strata csv cat|schema` and `strata json cat|schema`: print
** the rows or the inferred schema of a CSV or NDJSON file.
**
** Rows stream from csv_reader_next / json_reader_next into the shared
** printers one batch at a time, so memory stays at the reader's chunk, its
** inference sample and one batch. Exit codes as in main.c: 1 when reading
** fails (the message names file and line), 2 for a bad command line. */
#include "cli.h"

#include <inttypes.h>

#include "../format/csv/csv.h"
#include "../format/json/json.h"

#define USAGE_CSV_CAT    "strata csv cat FILE [--delimiter X] [--no-header] [--sample-rows N] " \
                         "[--format table|csv|ndjson] [--limit N]"
#define USAGE_CSV_SCHEMA "strata csv schema FILE [--delimiter X] [--no-header] [--sample-rows N]"
#define USAGE_JSON_CAT   "strata json cat FILE [--sample-rows N] [--format table|csv|ndjson] " \
                         "[--limit N]"
#define USAGE_JSON_SCHEMA "strata json schema FILE [--sample-rows N]"

void cli_csv_usage(FILE *fp)
{
    fputs("csv subcommands:\n"
          "  " USAGE_CSV_CAT "\n"
          "      print rows with inferred column types (default format: table;\n"
          "      --delimiter takes one character or \"tab\")\n"
          "  " USAGE_CSV_SCHEMA "\n"
          "      the column names and inferred types\n",
          fp);
}

void cli_json_usage(FILE *fp)
{
    fputs("json subcommands (newline-delimited JSON, one object per line):\n"
          "  " USAGE_JSON_CAT "\n"
          "      print rows with inferred column types (default format: table)\n"
          "  " USAGE_JSON_SCHEMA "\n"
          "      the column names and inferred types\n",
          fp);
}

static int finish(cli_writer *w, st_status rc, st_error *err)
{
    if (rc == ST_OK)
        rc = cli_writer_flush(w, err);
    int code = CLI_EXIT_OK;
    if (rc != ST_OK && !w->is_broken_pipe) {
        cli_report_error(err);
        code = CLI_EXIT_ERROR;
    }
    cli_writer_destroy(w);
    return code;
}

/* One reader interface over both formats. */
typedef struct text_src {
    csv_reader  *csv;   /* owned, or NULL */
    json_reader *json;  /* owned, or NULL */
} text_src;

static st_status src_next(text_src *s, vec_batch **b, st_error *err)
{
    return s->csv ? csv_reader_next(s->csv, b, err) : json_reader_next(s->json, b, err);
}

static const vec_schema *src_schema(const text_src *s)
{
    return s->csv ? csv_reader_schema(s->csv) : json_reader_schema(s->json);
}

enum { O_FORMAT, O_LIMIT, O_SAMPLE, O_DELIM, O_NO_HEADER };
static const cli_opt_spec csv_opts[] = {
    [O_FORMAT] = {"format", true},      [O_LIMIT] = {"limit", true},
    [O_SAMPLE] = {"sample-rows", true}, [O_DELIM] = {"delimiter", true},
    [O_NO_HEADER] = {"no-header", false},
};

/* Parsed options shared by the subcommands. */
typedef struct text_cmd {
    bool        is_csv;
    bool        is_schema;  /* print the schema instead of rows */
    const char *usage;
    cli_format  fmt;
    int64_t     limit;      /* -1 = all rows */
    int64_t     sample;     /* 0 = reader default */
    char        delim;
    bool        no_header;
    const char *path;       /* borrowed: argv */
} text_cmd;

static int parse_cmd(int argc, char **argv, text_cmd *t)
{
    cli_args a;
    int n_specs = t->is_csv ? (int)ST_ARRAY_LEN(csv_opts) : O_SAMPLE + 1;
    int code = cli_parse_args(argc, argv, csv_opts, n_specs, 1, 1, t->usage, &a);
    if (code != CLI_EXIT_OK)
        return code;
    if (t->is_schema && (a.is_set[O_FORMAT] || a.is_set[O_LIMIT]))
        return cli_usage_error(t->usage, "option \"--%s\" is only for cat",
                               a.is_set[O_FORMAT] ? "format" : "limit");
    t->path = a.pos[0];
    t->fmt = CLI_FORMAT_TABLE;
    if (a.is_set[O_FORMAT] && !cli_format_parse(a.value[O_FORMAT], &t->fmt))
        return cli_usage_error(t->usage, "invalid --format \"%s\" (expected table, csv or "
                               "ndjson)", a.value[O_FORMAT]);
    t->limit = -1;
    if (a.is_set[O_LIMIT] && !cli_parse_int64(a.value[O_LIMIT], &t->limit))
        return cli_usage_error(t->usage, "invalid --limit \"%s\" (expected a row count >= 0)",
                               a.value[O_LIMIT]);
    if (a.is_set[O_SAMPLE] && (!cli_parse_int64(a.value[O_SAMPLE], &t->sample) || t->sample < 1))
        return cli_usage_error(t->usage, "invalid --sample-rows \"%s\" (expected a row count "
                               ">= 1)", a.value[O_SAMPLE]);
    t->delim = ',';
    if (t->is_csv && a.is_set[O_DELIM]) {
        const char *d = a.value[O_DELIM];
        if (strcmp(d, "tab") == 0 || strcmp(d, "\\t") == 0)
            t->delim = '\t';
        else if (strlen(d) == 1 && d[0] != '"' && d[0] != '\n' && d[0] != '\r')
            t->delim = d[0];
        else
            return cli_usage_error(t->usage, "invalid --delimiter \"%s\" (expected one "
                                   "character other than a quote or line break, or \"tab\")", d);
    }
    t->no_header = t->is_csv && a.is_set[O_NO_HEADER];
    return CLI_EXIT_OK;
}

static st_status open_src(const text_cmd *t, text_src *s, st_error *err)
{
    if (t->is_csv) {
        csv_options o;
        csv_options_init(&o);
        o.delimiter = t->delim;
        o.no_header = t->no_header;
        o.sample_rows = t->sample;
        return csv_reader_open(t->path, &o, &s->csv, err);
    }
    json_options o = {.sample_rows = t->sample};
    return json_reader_open(t->path, &o, &s->json, err);
}

static st_status print_schema(const vec_schema *sc, cli_writer *w, st_error *err)
{
    st_status rc = ST_OK;
    for (int i = 0; i < sc->n_fields && rc == ST_OK; i++) {
        char buf[4096];
        vec_type_format(&sc->fields[i].type, buf, sizeof buf);
        rc = cli_writef(w, err, "%s: %s\n", sc->fields[i].name, buf);
    }
    return rc;
}

static st_status text_next(void *s, vec_batch **b, st_error *err)
{
    return src_next(s, b, err);
}

static st_status print_rows(text_src *s, const text_cmd *t, cli_writer *w, st_error *err)
{
    cli_printer *pr = cli_printer_new(t->fmt, src_schema(s), w, NULL);
    if (!pr)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory preparing output");
    st_status rc = cli_print_stream(text_next, s, pr, w, t->limit, err);
    cli_printer_free(pr);
    return rc;
}

static int run(int argc, char **argv, text_cmd *t)
{
    int code = parse_cmd(argc, argv, t);
    if (code != CLI_EXIT_OK)
        return code;
    st_error err;
    st_error_init(&err);
    cli_writer w;
    cli_writer_init(&w, stdout);
    text_src s = {0};
    st_status rc = open_src(t, &s, &err);
    if (rc == ST_OK)
        rc = t->is_schema ? print_schema(src_schema(&s), &w, &err) : print_rows(&s, t, &w, &err);
    csv_reader_close(s.csv);
    json_reader_close(s.json);
    return finish(&w, rc, &err);
}

/* Shared dispatch of `strata csv|json <sub>`. */
static int text_main(int argc, char **argv, bool is_csv)
{
    void (*usage)(FILE *) = is_csv ? cli_csv_usage : cli_json_usage;
    if (argc < 1) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
            (i == 0 && strcmp(argv[i], "help") == 0)) {
            usage(stdout);
            return CLI_EXIT_OK;
        }
    }
    text_cmd t = {.is_csv = is_csv};
    if (strcmp(argv[0], "cat") == 0) {
        t.usage = is_csv ? USAGE_CSV_CAT : USAGE_JSON_CAT;
    } else if (strcmp(argv[0], "schema") == 0) {
        t.is_schema = true;
        t.usage = is_csv ? USAGE_CSV_SCHEMA : USAGE_JSON_SCHEMA;
    } else {
        cli_usage_error(NULL, "unknown %s subcommand \"%s\"", is_csv ? "csv" : "json", argv[0]);
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    return run(argc - 1, argv + 1, &t);
}

int cli_csv_main(int argc, char **argv) { return text_main(argc, argv, true); }
int cli_json_main(int argc, char **argv) { return text_main(argc, argv, false); }
