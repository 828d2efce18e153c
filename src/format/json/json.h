/* json.h -- the NDJSON reader's contract: one JSON object per line, an
** inferred or explicit schema, and batches of vectors including nested
** STRUCT and LIST columns. Each line is parsed with jansson (json_loadb).
**
** Inference over the first sample_rows objects, as Spark's JSON source does:
** integer -> bigint, a number with a fraction or exponent -> double,
** string -> string (dates and timestamps stay strings), true/false ->
** boolean, object -> struct whose fields are the union of the keys seen, in
** first-seen order, array -> array of the merged element type, null-only ->
** string. Conflicts widen: bigint + double -> double; any other mix ->
** string. Top-level keys become columns, in first-seen order. Nesting deeper
** than 64 levels and empty objects are read as string.
**
** Reading: a missing key or JSON null is NULL. A string column takes any
** value: strings as their text, others as compact JSON text (Spark does the
** same). Other mismatches after the sample (a string in a bigint column, a
** fraction in a bigint column) are ST_ERR_CORRUPT naming file, line, field,
** value and type. Blank lines are skipped; a line that is not a JSON object
** is ST_ERR_CORRUPT naming file and line. Integers beyond int64 are
** rejected by jansson ("too big integer").
**
** Memory: the file is read in 1 MiB chunks; one line may be at most 64 MiB.
** The reader holds the sampled lines' parsed values and one batch. */
#ifndef STRATA_FORMAT_JSON_H
#define STRATA_FORMAT_JSON_H

#include "../../vector/vec.h"

typedef struct json_reader json_reader;

typedef struct json_options {
    int64_t     sample_rows;  /* objects sampled for inference, 0 = 10000 */
    const vec_schema *schema; /* explicit schema (skips inference), or NULL;
                              ** copied at open. Supported leaves: boolean,
                              ** int8..int64, float, double, string, date and
                              ** timestamp (from ISO strings) */
    int64_t     batch_rows;   /* max rows per batch, 0 = 2048 */
} json_options;

/* Opens path and reads the inference sample. opt may be NULL. */
st_status json_reader_open(const char *path, const json_options *opt, json_reader **out,
                           st_error *err);
const vec_schema *json_reader_schema(const json_reader *r);
/* Next batch (caller frees with vec_batch_free), or *out == NULL at the end. */
st_status json_reader_next(json_reader *r, vec_batch **out, st_error *err);
void      json_reader_close(json_reader *r);   /* accepts NULL */

#endif /* STRATA_FORMAT_JSON_H */
