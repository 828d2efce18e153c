/* cli.h -- internals of the `strata` command-line program: exit codes, error
** reporting, a small option parser, the buffered output writer and the result
** printers (table, CSV, NDJSON) over streams of vec_batch.
**
** The printers are shared by every command that shows rows (`parquet cat`
** now, `strata sql` later). They take batches one at a time and never hold a
** whole result: CSV and NDJSON write each row as it arrives; the table printer
** buffers at most table_buffer_rows rows of already-formatted, truncated
** cells to size its columns and streams the rest with those widths.
**
** Output goes through a cli_writer (its own buffer over a FILE*) so that every
** write error is seen. A reader that goes away (EPIPE when piped into `head`)
** sets is_broken_pipe; commands then stop and exit 0 without a message. The
** program ignores SIGPIPE so that the write returns EPIPE instead of killing
** the process. Value text follows docs/conventions.md through
** vec_format_value. Design notes: src/cli/README.md. */
#ifndef STRATA_CLI_CLI_H
#define STRATA_CLI_CLI_H

#include <stdio.h>

#include "../vector/vec.h"

#define CLI_VERSION "0.1.0"

/* Process exit codes. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_ERROR = 1,   /* the command failed (bad file, I/O, corrupt data) */
    CLI_EXIT_USAGE = 2    /* bad command line */
};

/* ---- errors and usage (main.c) ----------------------------------------- */

/* Prints "error: <msg>" and, when set, "hint: <hint>" to stderr. */
void cli_report_error(const st_error *err);
/* Prints a usage error naming the bad argument, then "usage: <usage>" when
** usage is not NULL; returns CLI_EXIT_USAGE. */
int  cli_usage_error(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- option parsing (main.c) ------------------------------------------- */

#define CLI_MAX_POSITIONAL 8
#define CLI_MAX_OPTIONS 16

/* One accepted option: "--name" alone (flag) or "--name VALUE" /
** "--name=VALUE". */
typedef struct cli_opt_spec {
    const char *name;          /* without the leading dashes */
    bool        takes_value;
} cli_opt_spec;

/* The parsed command line of one subcommand. */
typedef struct cli_args {
    int         n_pos;                         /* positional arguments seen */
    const char *pos[CLI_MAX_POSITIONAL];       /* borrowed: argv */
    bool        is_set[CLI_MAX_OPTIONS];       /* indexed like the spec array */
    const char *value[CLI_MAX_OPTIONS];        /* borrowed: argv; NULL for flags */
} cli_args;

/* Parses argv[0..argc) against specs (at most CLI_MAX_OPTIONS). Options may
** appear anywhere; "--" ends them. Expects between min_pos and max_pos
** positionals. On a bad line prints the usage error itself and returns
** CLI_EXIT_USAGE; returns CLI_EXIT_OK on success. */
int cli_parse_args(int argc, char **argv, const cli_opt_spec *specs, int n_specs, int min_pos,
                   int max_pos, const char *usage, cli_args *out);

/* Parses a non-negative decimal integer; false on junk or overflow. */
bool cli_parse_int64(const char *s, int64_t *out);

/* ---- buffered output (cli_output.c) ------------------------------------ */

typedef struct cli_writer {
    FILE   *fp;              /* borrowed: destination stream */
    st_buf  buf;             /* owned: bytes not yet handed to fp */
    bool    is_broken_pipe;  /* the reader went away (EPIPE): stop quietly */
    bool    has_failed;      /* a write failed; later writes are dropped */
} cli_writer;

#define CLI_WRITER_FLUSH_BYTES (64 * 1024)

void      cli_writer_init(cli_writer *w, FILE *fp);
/* Frees the buffer without flushing it. */
void      cli_writer_destroy(cli_writer *w);
/* Hands the buffer to fp and flushes fp. A failed write is ST_ERR_IO ("could
** not write output: ..."); EPIPE also sets is_broken_pipe. */
st_status cli_writer_flush(cli_writer *w, st_error *err);
st_status cli_write(cli_writer *w, const void *p, size_t n, st_error *err);
st_status cli_write_str(cli_writer *w, const char *s, st_error *err);
st_status cli_writef(cli_writer *w, st_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Flushes when the buffer holds CLI_WRITER_FLUSH_BYTES or more. Callers that
** append to w->buf directly call this after each row. */
st_status cli_writer_maybe_flush(cli_writer *w, st_error *err);

/* ---- result printers (cli_output.c) ------------------------------------ */

typedef enum cli_format {
    CLI_FORMAT_TABLE,     /* aligned box table, for people */
    CLI_FORMAT_CSV,       /* RFC 4180 fields, header line, LF line ends */
    CLI_FORMAT_NDJSON,    /* one JSON object per row */
    CLI_FORMAT_JSON       /* one JSON array of row objects */
} cli_format;

/* "table", "csv", "ndjson", "json"; false for anything else. */
bool cli_format_parse(const char *s, cli_format *out);

typedef struct cli_print_options {
    int64_t table_buffer_rows; /* rows the table buffers to size columns; 0 = 10000 */
    int     max_cell_width;    /* table cells wider than this are cut with "…"; 0 = 40 */
} cli_print_options;

typedef struct cli_printer cli_printer;

/* A printer for batches of `schema` (borrowed: must outlive the printer)
** writing to w (borrowed). opt may be NULL. NULL when out of memory. */
cli_printer *cli_printer_new(cli_format fmt, const vec_schema *schema, cli_writer *w,
                             const cli_print_options *opt);
/* Prints the first n_rows rows of b (all of them when n_rows >= b->n_rows).
** b must have the printer's columns in order. */
st_status cli_printer_write(cli_printer *p, const vec_batch *b, int64_t n_rows, st_error *err);
/* Writes what is still pending (headers of an empty result, buffered table
** rows, the table's closing border and row count) and flushes the writer. */
st_status cli_printer_finish(cli_printer *p, st_error *err);
void      cli_printer_free(cli_printer *p);   /* accepts NULL */

/* A batch source for cli_print_stream: *out NULL at the end. */
typedef st_status (*cli_next_fn)(void *src, vec_batch **out, st_error *err);
/* Pulls batches from next(src) into p until the end, `limit` rows (-1 = all)
** or a broken pipe on w, then finishes p. Batches are freed as printed. */
st_status cli_print_stream(cli_next_fn next, void *src, cli_printer *p, cli_writer *w,
                           int64_t limit, st_error *err);

/* Display width of UTF-8 text in terminal columns: code points count 1, East
** Asian wide and fullwidth ones 2, combining marks 0; each invalid byte 1. */
size_t cli_display_width(const char *s, size_t n);
/* Appends the terminal-safe form of s[0..n) to out: control characters as
** escapes (\n, \t, \x01), invalid UTF-8 bytes as U+FFFD, cut with "…" so it
** is at most max_width columns wide. *out_width (may be NULL) gets its width. */
st_status cli_append_display(st_buf *out, const char *s, size_t n, size_t max_width,
                             size_t *out_width, st_error *err);

/* ---- commands ---------------------------------------------------------- */

/* `strata parquet <sub> ...`; argv[0] is the subcommand (cli_parquet.c).
** Returns the process exit code. */
int cli_parquet_main(int argc, char **argv);
void cli_parquet_usage(FILE *fp);
/* `strata delta <sub> ...` (cli_delta.c). */
int cli_delta_main(int argc, char **argv);
void cli_delta_usage(FILE *fp);
/* `strata csv <sub> ...` and `strata json <sub> ...` (cli_text.c). */
int cli_csv_main(int argc, char **argv);
void cli_csv_usage(FILE *fp);
int cli_json_main(int argc, char **argv);
void cli_json_usage(FILE *fp);
/* `strata sql ...` and `strata shell ...` (cli_sql.c). */
int cli_sql_main(int argc, char **argv);
int cli_shell_main(int argc, char **argv);
void cli_sql_usage(FILE *fp);
/* `strata gen tpch ...` (cli_gen.c). */
int cli_gen_main(int argc, char **argv);

/* cli_serve.c: `strata serve` (the MLflow REST API); its help text. */
int  cli_serve_main(int argc, char **argv);
void cli_serve_usage(FILE *fp);
void cli_gen_usage(FILE *fp);

#endif /* STRATA_CLI_CLI_H */
