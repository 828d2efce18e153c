/* strata.h -- the embeddable strata API (the only installed header).
**
** Handles are opaque; every function returns STRATA_OK (0) or an error code
** and, where it takes `char **errmsg`, sets *errmsg to a message the caller
** frees with strata_free (NULL on success). Results leave as Apache Arrow
** C Data Interface structs (https://arrow.apache.org/docs/format/CDataInterface.html)
** whose buffers are strata's own column vectors, shared without a copy;
** the consumer calls their release callbacks when done.
**
** A database handle (strata_open) runs Spark SQL: queries over Delta tables
** and Parquet/CSV/JSON files reached by path (delta.`/dir`, parquet.`/f`)
** or by names registered with strata_register; results come back as Arrow
** batches. Parquet files and Delta tables can also be read directly. */
#ifndef STRATA_H
#define STRATA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STRATA_VERSION "0.1.0"

enum {
    STRATA_OK = 0,
    STRATA_ERROR = 1,       /* see the message */
    STRATA_NOTFOUND = 2,    /* a file or object does not exist */
    STRATA_CORRUPT = 3,     /* input breaks its format */
    STRATA_UNSUPPORTED = 4, /* valid input using a feature strata lacks */
    STRATA_NOMEM = 5
};

/* ---- Arrow C Data Interface (ABI-stable definitions from the Arrow spec) ---- */
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

const char *strata_version(void);
void        strata_free(void *p);

/* ---- Parquet files ---------------------------------------------------------- */

typedef struct strata_parquet strata_parquet;

/* Opens a Parquet file for reading; columns = NULL reads every column, else a
** comma-separated list of top-level column names. */
int  strata_parquet_open(const char *path, const char *columns, strata_parquet **out,
                         char **errmsg);
/* The schema of the batches as an Arrow struct schema (one child per column). */
int  strata_parquet_schema(strata_parquet *p, struct ArrowSchema *out, char **errmsg);
/* The next batch as an Arrow struct array; out->release == NULL at the end. */
int  strata_parquet_next(strata_parquet *p, struct ArrowArray *out, char **errmsg);
void strata_parquet_close(strata_parquet *p);

/* ---- Delta tables ------------------------------------------------------------ */

typedef struct strata_delta strata_delta;

/* Opens the Delta table in folder `table` at `version` (-1 = latest) for
** reading its live rows; columns as for strata_parquet_open. */
int  strata_delta_open(const char *table, int64_t version, const char *columns,
                       strata_delta **out, char **errmsg);
/* The snapshot's version. */
int64_t strata_delta_version(const strata_delta *d);
int  strata_delta_schema(strata_delta *d, struct ArrowSchema *out, char **errmsg);
/* The next batch as an Arrow struct array; out->release == NULL at the end. */
int  strata_delta_next(strata_delta *d, struct ArrowArray *out, char **errmsg);
void strata_delta_close(strata_delta *d);

/* ---- SQL ----------------------------------------------------------------------- */

typedef struct strata_db strata_db;
typedef struct strata_result strata_result;

/* Opens a database over the warehouse folder (NULL: none; tables by path).
** One handle is used by one thread at a time; each query runs on all cores. */
int  strata_open(const char *warehouse, strata_db **out, char **errmsg);
void strata_close(strata_db *db);
/* Makes `name` refer to the table at path: format "delta", "parquet", "csv"
** or "json" (globs allowed for files). */
int  strata_register(strata_db *db, const char *name, const char *format, const char *path,
                     char **errmsg);
/* Runs every statement of sql (';'-separated) and returns the result of the
** last one (*out NULL when it produced none, e.g. RESET). Errors name the
** problem with "line L, column C" and, in the message's second line, the
** source line with a caret. */
int  strata_exec(strata_db *db, const char *sql, strata_result **out, char **errmsg);
int64_t     strata_result_rows(const strata_result *r);
int         strata_result_columns(const strata_result *r);
const char *strata_result_column_name(const strata_result *r, int i);
/* The result's schema as an Arrow struct schema. */
int  strata_result_schema(const strata_result *r, struct ArrowSchema *out, char **errmsg);
/* The next batch as an Arrow struct array (the array owns its buffers and
** stays valid after strata_result_free); out->release == NULL at the end. */
int  strata_result_next(strata_result *r, struct ArrowArray *out, char **errmsg);
void strata_result_free(strata_result *r);

#ifdef __cplusplus
}
#endif
#endif /* STRATA_H */
