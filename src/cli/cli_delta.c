/* cli_delta.c -- `strata delta log|files|cat|write|checkpoint`: look into a
** Delta table's history, list the live files of a version, print its rows,
** write Parquet files into it and checkpoint it.
**
** Every subcommand goes through the delta module's contract (delta.h) only:
** delta_history for `log`, delta_snapshot_load for `files` and `cat`, and a
** delta_scan for the rows, which are printed batch by batch with the same
** printers as `parquet cat`. `write` opens every source file and checks its
** columns against the table (by name; a type mismatch names the column and
** both types) before a single data file is written, then streams the
** batches through one delta_txn, so a failed write leaves the table as it
** was. Failures print "error: ..." and exit 1; bad command lines exit 2; a
** closed output pipe ends quietly with exit 0. */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <strings.h>

#include "../delta/delta.h"
#include "../format/parquet/pq.h"
#include "../store/store.h"

#define USAGE_LOG   "strata delta log TABLE [--limit N]"
#define USAGE_FILES "strata delta files TABLE [--version N|--timestamp T]"
#define USAGE_CAT   "strata delta cat TABLE [--version N|--timestamp T] [--columns a,b] " \
                    "[--format table|csv|ndjson] [--limit N]"
#define USAGE_WRITE "strata delta write TABLE --from FILE.parquet [--from FILE ...] " \
                    "[--mode append|overwrite] [--partition-by a,b] " \
                    "[--app-id ID --app-version N]"
#define USAGE_CHECKPOINT "strata delta checkpoint TABLE"

#define WRITE_MAX_FROM 256   /* --from files per write */

void cli_delta_usage(FILE *fp)
{
    fputs("delta subcommands:\n"
          "  " USAGE_LOG "\n"
          "      latest version, protocol and metadata, then each commit (newest first)\n"
          "  " USAGE_FILES "\n"
          "      live data files: path, size, partition values, records, deleted rows\n"
          "  " USAGE_CAT "\n"
          "      print the rows of a version (default: latest; T as 2024-01-01T00:00:00Z,\n"
          "      '2024-01-01 00:00:00' (UTC) or 2024-01-01)\n"
          "  " USAGE_WRITE "\n"
          "      append (default) or overwrite the rows of Parquet files as one commit,\n"
          "      creating the table (partitioned by --partition-by) when it does not exist;\n"
          "      --app-id/--app-version skip a write that app already committed\n"
          "  " USAGE_CHECKPOINT "\n"
          "      write a checkpoint at the latest version\n",
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

static st_status scan_next(void *src, vec_batch **out, st_error *err)
{
    return delta_scan_next(src, out, err);
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
        rc = cli_print_stream(scan_next, sc, pr, &w, limit, &err);
    cli_printer_free(pr);
    delta_scan_close(sc);
    st_free(idx);
    delta_snapshot_free(s);
    return finish(&w, rc, &err);
}

/* ---- write --------------------------------------------------------------- */

enum { WR_MODE, WR_PARTITION_BY, WR_APP_ID, WR_APP_VERSION };
static const cli_opt_spec write_opts[] = {
    [WR_MODE] = {"mode", true},
    [WR_PARTITION_BY] = {"partition-by", true},
    [WR_APP_ID] = {"app-id", true},
    [WR_APP_VERSION] = {"app-version", true},
};

/* The parsed `delta write` command line. */
typedef struct write_args {
    cli_args    a;                         /* everything but --from */
    int         n_from;
    const char *from[WRITE_MAX_FROM];      /* borrowed: argv */
    delta_write_mode mode;
    int64_t     app_version;
    int         n_part;
    char      **part;                      /* heap: --partition-by names */
} write_args;

static void write_args_free(write_args *w)
{
    for (int i = 0; i < w->n_part; i++)
        st_free(w->part[i]);
    st_free(w->part);
}

/* Splits "a, b" into trimmed heap strings; false on an empty name or OOM. */
static bool split_names(const char *list, char ***out, int *n_out)
{
    size_t cap = 1;
    for (const char *c = list; *c; c++)
        cap += *c == ',';
    char **v = st_calloc(cap, sizeof *v);
    int n = 0;
    for (const char *p = list; v && p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len > 0 && *p == ' ')
            p++, len--;
        while (len > 0 && p[len - 1] == ' ')
            len--;
        if (len == 0 || !(v[n] = st_malloc(len + 1)))
            break;
        memcpy(v[n], p, len);
        v[n++][len] = '\0';
        p = end ? end + 1 : NULL;
    }
    *out = v;
    *n_out = n;
    return v && (size_t)n == cap;
}

/* Takes every "--from F" / "--from=F" out of argv, then parses the rest. */
static int parse_write_args(int argc, char **argv, write_args *w)
{
    memset(w, 0, sizeof *w);
    char **rest = st_calloc((size_t)argc + 1, sizeof *rest);
    if (!rest) {
        fputs("error: out of memory\n", stderr);
        return CLI_EXIT_ERROR;
    }
    int n_rest = 0, code = CLI_EXIT_OK;
    bool done = false;
    for (int i = 0; i < argc && code == CLI_EXIT_OK; i++) {
        const char *v = NULL;
        if (!done && strcmp(argv[i], "--") == 0)
            done = true;
        if (done || strncmp(argv[i], "--from", 6) != 0 || (argv[i][6] && argv[i][6] != '=')) {
            rest[n_rest++] = argv[i];
            continue;
        }
        if (argv[i][6] == '=')
            v = argv[i] + 7;
        else if (i + 1 < argc)
            v = argv[++i];
        else
            code = cli_usage_error(USAGE_WRITE, "option \"--from\" needs a value");
        if (v && w->n_from == WRITE_MAX_FROM)
            code = cli_usage_error(USAGE_WRITE, "too many --from files (at most %d)",
                                   WRITE_MAX_FROM);
        else if (v)
            w->from[w->n_from++] = v;
    }
    if (code == CLI_EXIT_OK)
        code = cli_parse_args(n_rest, rest, write_opts, (int)ST_ARRAY_LEN(write_opts), 1, 1,
                              USAGE_WRITE, &w->a);
    st_free(rest);   /* w->a keeps pointers into argv, not into rest */
    if (code != CLI_EXIT_OK)
        return code;
    const cli_args *a = &w->a;
    if (w->n_from == 0)
        return cli_usage_error(USAGE_WRITE, "missing --from FILE.parquet");
    w->mode = DELTA_APPEND;
    if (a->is_set[WR_MODE]) {
        if (strcasecmp(a->value[WR_MODE], "overwrite") == 0)
            w->mode = DELTA_OVERWRITE;
        else if (strcasecmp(a->value[WR_MODE], "append") != 0)
            return cli_usage_error(USAGE_WRITE, "invalid --mode \"%s\" (expected append or "
                                   "overwrite)", a->value[WR_MODE]);
    }
    if (a->is_set[WR_APP_ID] != a->is_set[WR_APP_VERSION])
        return cli_usage_error(USAGE_WRITE, "--app-id and --app-version go together");
    if (a->is_set[WR_APP_ID] && a->value[WR_APP_ID][0] == '\0')
        return cli_usage_error(USAGE_WRITE, "invalid --app-id \"\" (expected a name)");
    if (a->is_set[WR_APP_VERSION] && !cli_parse_int64(a->value[WR_APP_VERSION], &w->app_version))
        return cli_usage_error(USAGE_WRITE, "invalid --app-version \"%s\" (expected a number "
                               ">= 0)", a->value[WR_APP_VERSION]);
    if (a->is_set[WR_PARTITION_BY] &&
        !split_names(a->value[WR_PARTITION_BY], &w->part, &w->n_part)) {
        write_args_free(w);
        w->n_part = 0;
        w->part = NULL;
        return cli_usage_error(USAGE_WRITE, "invalid --partition-by \"%s\" (expected column "
                               "names separated by commas)", a->value[WR_PARTITION_BY]);
    }
    return CLI_EXIT_OK;
}

/* Maps the columns of file f onto schema s by name: idx[i] is the file
** column of table column i. Missing, extra and mistyped columns fail. */
static st_status match_columns(const vec_schema *s, const char *table, pq_file *f, int *idx,
                               st_error *err)
{
    const vec_schema *fs = pq_file_schema(f);
    const char *fp = pq_file_path(f);
    for (int i = 0; i < s->n_fields; i++) {
        idx[i] = -1;
        for (int j = 0; j < fs->n_fields && idx[i] < 0; j++)
            if (strcmp(fs->fields[j].name, s->fields[i].name) == 0)
                idx[i] = j;
        if (idx[i] < 0)
            return st_error_set(err, ST_ERR_BIND, "column \"%s\" of table \"%s\" is missing "
                                "from file \"%s\"", s->fields[i].name, table, fp);
        const vec_type *tt = &s->fields[i].type, *ft = &fs->fields[idx[i]].type;
        if (!vec_type_equal(tt, ft)) {
            char a[256], b[256];
            vec_type_format(tt, a, sizeof a);
            vec_type_format(ft, b, sizeof b);
            return st_error_set(err, ST_ERR_BIND, "column \"%s\" is %s in table \"%s\" but %s "
                                "in file \"%s\"", s->fields[i].name, a, table, b, fp);
        }
    }
    if (fs->n_fields > s->n_fields)
        for (int j = 0; j < fs->n_fields; j++) {
            bool used = false;
            for (int i = 0; i < s->n_fields && !used; i++)
                used = idx[i] == j;
            if (!used)
                return st_error_set(err, ST_ERR_BIND, "file \"%s\" has column \"%s\" that table "
                                    "\"%s\" does not have", fp, fs->fields[j].name, table);
        }
    return ST_OK;
}

/* An existing table's partitioning must be what --partition-by asks for. */
static st_status check_partitioning(const delta_snapshot *s, const write_args *w, st_error *err)
{
    const delta_metadata *m = &s->meta;
    bool same = m->n_partition_cols == w->n_part;
    for (int i = 0; same && i < w->n_part; i++)
        same = strcmp(m->partition_cols[i], w->part[i]) == 0;
    if (same)
        return ST_OK;
    st_buf have;
    st_buf_init(&have);
    st_status rc = ST_OK;
    for (int i = 0; i < m->n_partition_cols && rc == ST_OK; i++)
        rc = st_buf_printf(&have, err, "%s%s", i ? "," : "", m->partition_cols[i]);
    if (rc == ST_OK)
        rc = st_buf_append_byte(&have, '\0', err);
    if (rc == ST_OK)
        rc = st_error_set(err, ST_ERR_ARGUMENT, "table \"%s\" is partitioned by (%s), not by "
                          "--partition-by \"%s\"", s->table, (const char *)have.data,
                          w->a.value[WR_PARTITION_BY]);
    st_buf_destroy(&have);
    return rc;
}

/* The version app_id last committed to s, or -1. */
static int64_t app_version_of(const delta_snapshot *s, const char *app_id)
{
    for (int i = 0; s && i < s->n_app_txns; i++)
        if (strcmp(s->app_txns[i].app_id, app_id) == 0)
            return s->app_txns[i].version;
    return -1;
}

/* Starts the transaction: on the existing table, or creating it with the
** schema of the first file (the transaction copies the create options). */
static st_status begin_write(const char *table, const write_args *w, pq_file *first,
                             delta_create_options *co, delta_txn **out, st_error *err)
{
    st_status rc = delta_txn_begin(table, NULL, out, err);
    if (rc != ST_ERR_NOTFOUND)
        return rc;
    st_error_init(err);
    memset(co, 0, sizeof *co);
    co->schema = pq_file_schema(first);
    co->n_partition_cols = w->n_part;
    co->partition_cols = (const char *const *)w->part;
    return delta_txn_begin(table, co, out, err);
}

/* Streams every batch of f, columns in table order, into the transaction. */
static st_status copy_file(delta_txn *t, pq_file *f, const int *idx, int n_cols, st_error *err)
{
    pq_read_options ro;
    memset(&ro, 0, sizeof ro);
    ro.columns = idx;
    ro.n_columns = n_cols;
    pq_reader *r = NULL;
    st_status rc = pq_reader_open(f, &ro, &r, err);
    while (rc == ST_OK) {
        vec_batch *b = NULL;
        rc = pq_reader_next(r, &b, err);
        if (rc != ST_OK || !b)
            break;
        if (b->n_rows > 0)
            rc = delta_txn_write(t, b, err);
        vec_batch_free(b);
    }
    pq_reader_close(r);
    return rc;
}

/* The write itself; line gets what to print on success. */
static st_status run_write(const write_args *w, char *line, size_t n_line, st_error *err)
{
    const char *table = w->a.pos[0];
    const char *app_id = w->a.is_set[WR_APP_ID] ? w->a.value[WR_APP_ID] : NULL;
    pq_file *files[WRITE_MAX_FROM] = {0};
    int *idx = NULL;
    delta_txn *t = NULL;
    delta_create_options co;
    st_status rc = ST_OK;
    for (int i = 0; i < w->n_from && rc == ST_OK; i++)
        rc = pq_file_open(w->from[i], &files[i], err);
    if (rc == ST_OK)
        rc = begin_write(table, w, files[0], &co, &t, err);
    const delta_snapshot *snap = t ? delta_txn_snapshot(t) : NULL;
    const vec_schema *s = snap ? &snap->meta.schema : files[0] ? pq_file_schema(files[0]) : NULL;
    if (rc == ST_OK && snap && w->a.is_set[WR_PARTITION_BY])
        rc = check_partitioning(snap, w, err);
    int64_t seen = app_id ? app_version_of(snap, app_id) : -1;
    if (rc == ST_OK && app_id && seen >= w->app_version) {
        snprintf(line, n_line, "skipped: app id %s already at version %" PRId64, app_id, seen);
        delta_txn_abort(t);
        t = NULL;
    } else if (rc == ST_OK) {
        if (!(idx = st_calloc((size_t)s->n_fields + 1, sizeof *idx)))
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory matching columns");
        for (int i = 0; i < w->n_from && rc == ST_OK; i++)   /* check all before writing */
            rc = match_columns(s, table, files[i], idx, err);
        for (int i = 0; i < w->n_from && rc == ST_OK; i++) {
            rc = match_columns(s, table, files[i], idx, err);
            if (rc == ST_OK)
                rc = copy_file(t, files[i], idx, s->n_fields, err);
            if (rc != ST_OK)
                st_error_context(err, "writing \"%s\" into table \"%s\"", w->from[i], table);
        }
        if (rc == ST_OK) {
            delta_txn_set_mode(t, w->mode);
            if (app_id)
                delta_txn_set_app_version(t, app_id, w->app_version);
            int64_t v = -1;
            rc = delta_txn_commit(t, "WRITE", NULL, &v, err);
            t = NULL;
            if (rc == ST_OK && v >= 0)
                snprintf(line, n_line, "committed version %" PRId64, v);
            else if (rc == ST_OK)
                snprintf(line, n_line, "skipped: app id %s already at version >= %" PRId64,
                         app_id ? app_id : "-", w->app_version);
        }
    }
    if (t)
        delta_txn_abort(t);
    st_free(idx);
    for (int i = 0; i < w->n_from; i++)
        pq_file_close(files[i]);
    return rc;
}

static int cmd_write(int argc, char **argv)
{
    write_args wa;
    int code = parse_write_args(argc, argv, &wa);
    if (code != CLI_EXIT_OK) {
        write_args_free(&wa);
        return code;
    }
    st_error err;
    st_error_init(&err);
    cli_writer w;
    cli_writer_init(&w, stdout);
    char line[512] = "";
    st_status rc = run_write(&wa, line, sizeof line, &err);
    if (rc == ST_OK)
        rc = cli_writef(&w, &err, "%s\n", line);
    write_args_free(&wa);
    return finish(&w, rc, &err);
}

/* ---- checkpoint ---------------------------------------------------------- */

static int cmd_checkpoint(int argc, char **argv)
{
    cli_args a;
    int code = cli_parse_args(argc, argv, NULL, 0, 1, 1, USAGE_CHECKPOINT, &a);
    if (code != CLI_EXIT_OK)
        return code;
    st_error err;
    st_error_init(&err);
    cli_writer w;
    cli_writer_init(&w, stdout);
    delta_snapshot *s = NULL;
    st_status rc = delta_snapshot_load(a.pos[0], NULL, &s, &err);
    if (rc == ST_OK)
        rc = delta_checkpoint_write(s, &err);
    if (rc == ST_OK)
        rc = cli_writef(&w, &err, "checkpoint written at version %" PRId64 "\n", s->version);
    delta_snapshot_free(s);
    return finish(&w, rc, &err);
}

/* ---- dispatch ------------------------------------------------------------ */

int cli_delta_main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } cmds[] = {{"log", cmd_log},     {"files", cmd_files}, {"cat", cmd_cat},
                 {"write", cmd_write}, {"checkpoint", cmd_checkpoint}};
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
