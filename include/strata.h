/* strata.h -- the embeddable strata API (the only installed header).
**
** Handles are opaque; every function returns STRATA_OK (0) or an error code
** and, where it takes `char **errmsg`, sets *errmsg to a message the caller
** frees with strata_free (NULL on success). Results leave as Apache Arrow
** C Data Interface structs (https://arrow.apache.org/docs/format/CDataInterface.html)
** whose buffers are strata's own column vectors, shared without a copy;
** the consumer calls their release callbacks when done.
**
** Today the API reads Parquet files and Delta tables (any version); opening
** a warehouse and running SQL join it as the engine grows. */
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

#ifdef __cplusplus
}
#endif
#endif /* STRATA_H */
