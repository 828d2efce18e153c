/* csv.h -- the CSV reader's contract: open a delimited text file (RFC 4180),
** infer or take a schema, and stream it as vec_batch batches.
**
** Parsing is by hand (no packaged C library parses RFC 4180 with quoting,
** embedded newlines and streaming): fields separated by `delimiter`, records
** by LF, CRLF or CR; a field starting with `quote` runs to the matching quote
** and may hold delimiters, quotes (doubled, or preceded by `escape` when that
** is set to another character such as '\\') and line breaks. A UTF-8 BOM is
** skipped; the last record needs no line end; blank lines are skipped.
**
** Schema: the first record names the columns when `header` is set (empty
** names become "_c<i>", as do all names without a header). Without an
** explicit schema, types are inferred from the first sample_rows records, as
** Spark's inferSchema and DuckDB's sniffer do: each column gets the first of
** boolean, int, bigint, double, date, timestamp (UTC), string that every
** non-null sample value parses as (fmt_parse_* in format.h); a column with no
** non-null sample value is string. With an explicit schema the header
** record (if any) is skipped and its names are not used; every record must
** have one field per schema column.
**
** NULL: an unquoted field equal to null_value (default "", i.e. an empty
** field) is NULL; a quoted field never is ("" is the empty string).
**
** Errors (ST_ERR_CORRUPT, like DuckDB and Spark's FAILFAST mode; there is no
** permissive mode yet): a record with a different field count ("file \"x.csv\",
** line 12: expected 5 fields, found 6"), an unterminated quote, a character
** after a closing quote, and a value after the sample that does not parse as
** its column's inferred type (the message names file, line, column, value and
** type; the hint suggests a larger sample_rows or an explicit schema).
**
** Memory: the file is read in 1 MiB chunks; the reader holds one chunk, the
** sampled records (replayed as the first batches) and one batch. A record
** longer than 64 MiB is ST_ERR_LIMIT. */
#ifndef STRATA_FORMAT_CSV_H
#define STRATA_FORMAT_CSV_H

#include "../../vector/vec.h"

typedef struct csv_reader csv_reader;

typedef struct csv_options {
    char        delimiter;    /* field separator, default ',' */
    char        quote;        /* quote character, default '"'; '\0' disables quoting */
    char        escape;       /* inside quotes: == quote means doubling (default);
                              ** another char (e.g. '\\') escapes the next char */
    bool        no_header;    /* true: the first record is data (header is the default) */
    const char *null_value;   /* unquoted text read as NULL; NULL pointer = "" */
    int64_t     sample_rows;  /* records sampled for inference, 0 = 10000 */
    const vec_schema *schema; /* explicit schema (skips inference), or NULL;
                              ** copied at open */
    int64_t     batch_rows;   /* max rows per batch, 0 = 2048 */
} csv_options;

/* Defaults as documented above. */
void      csv_options_init(csv_options *opt);
/* Opens path, reads the header and the inference sample. opt may be NULL. */
st_status csv_reader_open(const char *path, const csv_options *opt, csv_reader **out,
                          st_error *err);
const vec_schema *csv_reader_schema(const csv_reader *r);
/* Next batch (caller frees with vec_batch_free), or *out == NULL at the end. */
st_status csv_reader_next(csv_reader *r, vec_batch **out, st_error *err);
void      csv_reader_close(csv_reader *r);   /* accepts NULL */

#endif /* STRATA_FORMAT_CSV_H */
