/* cli_delta.c -- `strata delta log|files|cat`: look into a Delta table's
** history, list the live files of a version, and print its rows.
**
** Every subcommand goes through the delta module's contract (delta.h) only:
** delta_history for `log`, delta_snapshot_load for `files` and `cat`, and a
** delta_scan for the rows, which are printed batch by batch with the same
** printers as `parquet cat`. Failures print "error: ..." and exit 1; bad
** command lines exit 2; a closed output pipe ends quietly with exit 0. */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <strings.h>

#include "../delta/delta.h"

#define USAGE_LOG   "strata delta log TABLE [--limit N]"
#define USAGE_FILES "strata delta files TABLE [--version N|--timestamp T]"
#define USAGE_CAT   "strata delta cat TABLE [--version N|--timestamp T] [--columns a,b] " \
                    "[--format table|csv|ndjson] [--limit N]"

void cli_delta_usage(FILE *fp)
{
    fputs("delta subcommands:\n"
          "  " USAGE_LOG "\n"
          "      latest version, protocol and metadata, then each commit (newest first)\n"
          "  " USAGE_FILES "\n"
          "      live data files: path, size, partition values, records, deleted rows\n"
          "  " USAGE_CAT "\n"
          "      print the rows of a version (default: latest; T as 2024-01-01T00:00:00Z,\n"
          "      '2024-01-01 00:00:00' (UTC) or 2024-01-01)\n",
          fp);
}

/* Ends a command: flushes, reports a failure unless the reader went away. */
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

/* Fills ro from --version / --timestamp values (either may be NULL).
** Returns an exit code (usage errors are printed). */
static int parse_travel(const char *version, const char *ts, const char *usage,
                        delta_read_options *ro)
{
    memset(ro, 0, sizeof *ro);
    if (version && ts)
        return cli_usage_error(usage, "--version and --timestamp cannot be used together");
    if (version) {
        if (!cli_parse_int64(version, &ro->version))
            return cli_usage_error(usage, "invalid --version \"%s\" (expected a number >= 0)",
                                   version);
        ro->has_version = true;
    }
    if (ts) {
        int64_t micros;
        if (!delta_parse_timestamp(ts, &micros))
            return cli_usage_error(usage,
                                   "invalid --timestamp \"%s\" (expected e.g. "
                                   "2024-01-01T00:00:00Z or 2024-01-01)", ts);
        ro->has_timestamp = true;
        ro->timestamp_ms = micros >= 0 ? micros / 1000 : -((-micros + 999) / 1000);
    }
    return CLI_EXIT_OK;
}

static void format_ms(int64_t ms, char *buf, size_t n)
{
    st_format_timestamp(buf, n, ms * 1000, true, true);
}

/* ---- log ----------------------------------------------------------------- */

static st_status print_features(cli_writer *w, const char *label, int n, const char **f,
                                st_error *err)
{
    st_status rc = cli_writef(w, err, "  %s:", label);
    for (int i = 0; i < n && rc == ST_OK; i++)
        rc = cli_writef(w, err, "%s%s", i ? ", " : " ", f[i]);
    if (rc == ST_OK)
        rc = cli_write_str(w, n ? "\n" : " -\n", err);
    return rc;
}

static st_status print_summary(cli_writer *w, const delta_snapshot *s, st_error *err)
{
    char ts[64];
    format_ms(s->timestamp_ms, ts, sizeof ts);
    const delta_metadata *m = &s->meta;
    st_status rc = cli_writef(w, err, "version: %" PRId64 " (%s)\nprotocol: reader %d, writer %d\n",
                              s->version, ts, s->protocol.min_reader, s->protocol.min_writer);
    if (rc == ST_OK && s->protocol.reader_features)
        rc = print_features(w, "reader features", s->protocol.n_reader_features,
                            s->protocol.reader_features, err);
    if (rc == ST_OK && s->protocol.writer_features)
        rc = print_features(w, "writer features", s->protocol.n_writer_features,
                            s->protocol.writer_features, err);
    if (rc == ST_OK)
        rc = cli_writef(w, err, "table id: %s\nname: %s\n", m->id ? m->id : "-",
                        m->name ? m->name : "-");
    if (rc == ST_OK)
        rc = cli_write_str(w, "columns:\n", err);
    for (int i = 0; i < m->schema.n_fields && rc == ST_OK; i++) {
        char tb[256];
        vec_type_format(&m->schema.fields[i].type, tb, sizeof tb);
        rc = cli_writef(w, err, "  %s %s%s\n", m->schema.fields[i].name, tb,
                        m->schema.fields[i].nullable ? "" : " not null");
    }
    if (rc == ST_OK)
        rc = cli_writef(w, err, "partitioning:\n");
    if (rc == ST_OK)
        rc = print_features(w, "columns", m->n_partition_cols, m->partition_cols, err);
    if (rc == ST_OK && m->n_config > 0)
        rc = cli_write_str(w, "configuration:\n", err);
    for (int i = 0; i < m->n_config && rc == ST_OK; i++)
        rc = cli_writef(w, err, "  %s = %s\n", m->config_keys[i],
                        m->config_values[i] ? m->config_values[i] : "null");
    if (rc == ST_OK)
        rc = cli_writef(w, err, "live files: %zu\n", s->n_files);
    return rc;
}

static int cmd_log(int argc, char **argv)
{
    static const cli_opt_spec opts[] = {{"limit", true}};
    cli_args a;
    int code = cli_parse_args(argc, argv, opts, 1, 1, 1, USAGE_LOG, &a);
    if (code != CLI_EXIT_OK)
        return code;
    int64_t limit = 0;
    if (a.is_set[0] && !cli_parse_int64(a.value[0], &limit))
        return cli_usage_error(USAGE_LOG, "invalid --limit \"%s\"", a.value[0]);
    st_error err;
    st_error_init(&err);
    cli_writer w;
    cli_writer_init(&w, stdout);
    delta_snapshot *s = NULL;
    delta_commit_info *ci = NULL;
    st_arena *ha = NULL;
    int n = 0;
    st_status rc = delta_snapshot_load(a.pos[0], NULL, &s, &err);
    if (rc == ST_OK)
        rc = print_summary(&w, s, &err);
    if (rc == ST_OK)
        rc = delta_history(a.pos[0], limit, &ci, &n, &ha, &err);
    if (rc == ST_OK)
        rc = cli_write_str(&w, "commits:\n", &err);
    for (int i = 0; i < n && rc == ST_OK; i++) {
        char ts[64];
        format_ms(ci[i].timestamp_ms, ts, sizeof ts);
        rc = cli_writef(&w, &err, "  %" PRId64 "  %s  %s\n", ci[i].version, ts,
                        ci[i].operation ? ci[i].operation : "-");
    }
    st_arena_free(ha);
    delta_snapshot_free(s);
    return finish(&w, rc, &err);
}

/* ---- files --------------------------------------------------------------- */

/* numRecords from a stats JSON string, or -1. */
static int64_t stats_num_records(const char *stats)
{
    const char *p = stats ? strstr(stats, "\"numRecords\"") : NULL;
    if (!p)
        return -1;
    p += strlen("\"numRecords\"");
    while (*p == ' ' || *p == ':')
        p++;
    char *end;
    long long v = strtoll(p, &end, 10);
    return end == p ? -1 : v;
}

static st_status print_file(cli_writer *w, const delta_snapshot *s, const delta_file *f,
                            st_error *err)
{
    st_status rc = cli_writef(w, err, "%s  size=%" PRId64, f->path, f->size);
    const delta_metadata *m = &s->meta;
    for (int k = 0; k < m->n_partition_cols && rc == ST_OK; k++) {
        const char *v = f->partition_values ? f->partition_values[k] : NULL;
        rc = cli_writef(w, err, "  %s=%s", m->partition_cols[k], v ? v : "null");
    }
    int64_t nr = stats_num_records(f->stats);
    if (rc == ST_OK && nr >= 0)
        rc = cli_writef(w, err, "  numRecords=%" PRId64, nr);
    if (rc == ST_OK && f->has_dv)
        rc = cli_writef(w, err, "  deleted=%" PRId64, f->dv.cardinality);
    if (rc == ST_OK)
        rc = cli_write_str(w, "\n", err);
    if (rc == ST_OK)
        rc = cli_writer_maybe_flush(w, err);
    return rc;
}

static int cmd_files(int argc, char **argv)
{
    static const cli_opt_spec opts[] = {{"version", true}, {"timestamp", true}};
    cli_args a;
    int code = cli_parse_args(argc, argv, opts, 2, 1, 1, USAGE_FILES, &a);
    delta_read_options ro;
    if (code != CLI_EXIT_OK ||
        (code = parse_travel(a.value[0], a.value[1], USAGE_FILES, &ro)) != CLI_EXIT_OK)
        return code;
    st_error err;
    st_error_init(&err);
    cli_writer w;
    cli_writer_init(&w, stdout);
    delta_snapshot *s = NULL;
    st_status rc = delta_snapshot_load(a.pos[0], &ro, &s, &err);
    for (size_t i = 0; rc == ST_OK && s && i < s->n_files && !w.is_broken_pipe; i++)
        rc = print_file(&w, s, &s->files[i], &err);
    delta_snapshot_free(s);
    return finish(&w, rc, &err);
}

/* ---- cat ----------------------------------------------------------------- */

enum { CAT_VERSION, CAT_TIMESTAMP, CAT_COLUMNS, CAT_FORMAT, CAT_LIMIT };
static const cli_opt_spec cat_opts[] = {
    [CAT_VERSION] = {"version", true},
    [CAT_TIMESTAMP] = {"timestamp", true},
    [CAT_COLUMNS] = {"columns", true},
    [CAT_FORMAT] = {"format", true},
    [CAT_LIMIT] = {"limit", true},
};

/* Resolves --columns against the table's logical columns (exact name, then
** case-insensitive). *out (heap) gets field indices in the order given. */
static st_status resolve_columns(const delta_snapshot *s, const char *list, int **out,
                                 int *n_out, st_error *err)
{
    const vec_schema *sc = &s->meta.schema;
    size_t cap = 1;
    for (const char *c = list; *c; c++)
        cap += *c == ',';
    int *idx = st_calloc(cap, sizeof *idx);
    if (!idx)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory parsing --columns");
    int n = 0;
    for (const char *p = list; p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len > 0 && *p == ' ')
            p++, len--;
        while (len > 0 && p[len - 1] == ' ')
            len--;
        int found = -1;
        for (int pass = 0; pass < 2 && found < 0; pass++)
            for (int i = 0; i < sc->n_fields && found < 0; i++) {
                const char *f = sc->fields[i].name;
                if (strlen(f) == len &&
                    (pass ? strncasecmp(f, p, len) == 0 : memcmp(f, p, len) == 0))
                    found = i;
            }
        if (found < 0) {
            st_free(idx);
            return st_error_set(err, ST_ERR_BIND, "column \"%.*s\" not found in delta table \"%s\"",
                                (int)len, p, s->table);
        }
        idx[n++] = found;
        p = end ? end + 1 : NULL;
    }
    *out = idx;
    *n_out = n;
    return ST_OK;
}

static st_status cat_rows(delta_scan *sc, cli_printer *pr, int64_t limit, st_error *err)
{
    int64_t printed = 0;
    st_status rc = ST_OK;
    while (rc == ST_OK && (limit < 0 || printed < limit)) {
        vec_batch *b = NULL;
        rc = delta_scan_next(sc, &b, err);
        if (rc != ST_OK || !b)
            break;
        int64_t n = limit < 0 ? b->n_rows : ST_MIN(b->n_rows, limit - printed);
        rc = cli_printer_write(pr, b, n, err);
        printed += n;
        vec_batch_free(b);
    }
    if (rc == ST_OK)
        rc = cli_printer_finish(pr, err);
    return rc;
}

static int cmd_cat(int argc, char **argv)
{
    cli_args a;
    int code = cli_parse_args(argc, argv, cat_opts, (int)ST_ARRAY_LEN(cat_opts), 1, 1, USAGE_CAT,
                              &a);
    delta_read_options ro;
    if (code != CLI_EXIT_OK || (code = parse_travel(a.value[CAT_VERSION], a.value[CAT_TIMESTAMP],
                                                    USAGE_CAT, &ro)) != CLI_EXIT_OK)
        return code;
    cli_format fmt = CLI_FORMAT_TABLE;
    if (a.is_set[CAT_FORMAT] && !cli_format_parse(a.value[CAT_FORMAT], &fmt))
        return cli_usage_error(USAGE_CAT, "invalid --format \"%s\" (expected table, csv or ndjson)",
                               a.value[CAT_FORMAT]);
    int64_t limit = -1;
    if (a.is_set[CAT_LIMIT] && !cli_parse_int64(a.value[CAT_LIMIT], &limit))
        return cli_usage_error(USAGE_CAT, "invalid --limit \"%s\" (expected a row count >= 0)",
                               a.value[CAT_LIMIT]);
    st_error err;
    st_error_init(&err);
    cli_writer w;
    cli_writer_init(&w, stdout);
    delta_snapshot *s = NULL;
    delta_scan *sc = NULL;
    cli_printer *pr = NULL;
    delta_scan_options so;
    memset(&so, 0, sizeof so);
    int *idx = NULL;
    st_status rc = delta_snapshot_load(a.pos[0], &ro, &s, &err);
    if (rc == ST_OK && a.is_set[CAT_COLUMNS])
        rc = resolve_columns(s, a.value[CAT_COLUMNS], &idx, &so.n_columns, &err);
    so.columns = idx;
    if (rc == ST_OK)
        rc = delta_scan_open(s, &so, &sc, &err);
    if (rc == ST_OK && !(pr = cli_printer_new(fmt, delta_scan_schema(sc), &w, NULL)))
        rc = st_error_set(&err, ST_ERR_NOMEM, "out of memory preparing output");
    if (rc == ST_OK)
        rc = cat_rows(sc, pr, limit, &err);
    cli_printer_free(pr);
    delta_scan_close(sc);
    st_free(idx);
    delta_snapshot_free(s);
    return finish(&w, rc, &err);
}

/* ---- dispatch ------------------------------------------------------------ */

int cli_delta_main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } cmds[] = {{"log", cmd_log}, {"files", cmd_files}, {"cat", cmd_cat}};
    if (argc < 1) {
        cli_delta_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
            (i == 0 && strcmp(argv[i], "help") == 0)) {
            cli_delta_usage(stdout);
            return CLI_EXIT_OK;
        }
    }
    for (size_t i = 0; i < ST_ARRAY_LEN(cmds); i++)
        if (strcmp(argv[0], cmds[i].name) == 0)
            return cmds[i].run(argc - 1, argv + 1);
    cli_usage_error(NULL, "unknown delta subcommand \"%s\"", argv[0]);
    cli_delta_usage(stderr);
    return CLI_EXIT_USAGE;
}
