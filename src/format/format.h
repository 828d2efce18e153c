/* format.h -- helpers shared by the text-format readers (CSV, NDJSON) and by
** table references over files: expanding a path pattern or directory into a
** sorted file list (glob.c), and strict parsers for the scalar spellings the
** readers infer and convert (text_value.c).
**
** The scalar parsers take a byte range (not NUL-terminated), accept exactly
** one spelling per type and never read outside [s, s+n); they return false
** for anything else, so inference can try them in turn. */
#ifndef STRATA_FORMAT_FORMAT_H
#define STRATA_FORMAT_FORMAT_H

#include "../vector/vec.h"

/* Expands pattern with glob(3) into regular files, sorted by name. A pattern
** naming a directory yields every regular file directly inside it whose name
** does not start with '.' or '_' (Spark/Hadoop hidden and marker files).
** Paths and the array live in arena a. No match is ST_ERR_NOTFOUND naming
** the pattern. */
st_status fmt_glob(const char *pattern, st_arena *a, char ***paths, int *n, st_error *err);

/* "true"/"false", any letter case. */
bool fmt_parse_bool(const char *s, size_t n, bool *out);
/* [+-]digits, no spaces; false on overflow of int64. */
bool fmt_parse_int64(const char *s, size_t n, int64_t *out);
/* [+-]digits[.digits][(e|E)[+-]digits] or [+-].digits...; also "NaN",
** "Infinity", "-Infinity", "inf", "-inf" (any case). At most 256 bytes. */
bool fmt_parse_double(const char *s, size_t n, double *out);
/* YYYY-MM-DD (4-digit year, valid month/day) into days since 1970-01-01. */
bool fmt_parse_date(const char *s, size_t n, int32_t *out);
/* YYYY-MM-DD[ T]HH:MM:SS[.f{1,9}][Z|(+|-)hh[:mm]|(+|-)hhmm] into micros
** since the epoch; no zone means UTC. A fraction beyond micros is truncated.
** *has_zone (may be NULL) tells whether a zone was written. */
bool fmt_parse_timestamp(const char *s, size_t n, int64_t *out, bool *has_zone);

/* Fills builders (one per schema field) with up to a batch of rows; sets
** *n_rows to the rows appended. */
typedef st_status (*fmt_fill_fn)(void *src, vec_builder **bs, int64_t *n_rows, st_error *err);

/* One batch of schema s from fill(src): NULL in *out when no rows remain.
** path names the file in out-of-memory messages. (batch.c) */
st_status fmt_build_batch(const vec_schema *s, const char *path, fmt_fill_fn fill, void *src,
                          vec_batch **out, st_error *err);

#endif /* STRATA_FORMAT_FORMAT_H */
