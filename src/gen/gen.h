/* gen.h -- the data-generator module's contract: synthetic benchmark data
** written as Parquet files or Delta tables. Today: the eight TPC-H tables
** (TPC-H specification v3, clause 4.2) at any scale factor.
**
** Generation is deterministic: every row draws its random values from a
** generator seeded by (table, row index) alone, so the rows are identical for
** every thread count and chunk size. Work is split into chunks of rows that
** T threads generate in parallel; the chunks are written in row order through
** one writer per table, and at most a few chunks per thread are in flight, so
** memory is bounded by the chunk size, not the scale factor. The values follow
** the spec's domains and formulas (keys, pools of words, dates relative to
** CURRENTDATE 1995-06-17, prices); they are not byte-identical to dbgen.
** Implemented by hand: no packaged C library generates TPC-H data. */
#ifndef STRATA_GEN_GEN_H
#define STRATA_GEN_GEN_H

#include "../vector/vec.h"

typedef enum gen_tpch_table {
    GEN_TPCH_REGION = 0,
    GEN_TPCH_NATION,
    GEN_TPCH_SUPPLIER,
    GEN_TPCH_CUSTOMER,
    GEN_TPCH_PART,
    GEN_TPCH_PARTSUPP,
    GEN_TPCH_ORDERS,
    GEN_TPCH_LINEITEM,
    GEN_TPCH_N_TABLES
} gen_tpch_table;

typedef enum gen_output_format {
    GEN_FORMAT_PARQUET = 0,   /* DIR/<table>.parquet, one file per table */
    GEN_FORMAT_DELTA          /* DIR/<table>/, a Delta table, one commit */
} gen_output_format;

typedef struct gen_tpch_options {
    double            sf;          /* scale factor, > 0 (0.01, 1, 10, ...) */
    const char       *dir;         /* borrowed: output folder (created if missing) */
    gen_output_format format;
    int               n_threads;   /* generator threads; <= 0 = 1 */
    int64_t           chunk_rows;  /* rows per chunk (orders: chunk_rows / 4
                                   ** orders, their lineitems); 0 = 131072 */
} gen_tpch_options;

typedef struct gen_tpch_result {
    int64_t n_rows[GEN_TPCH_N_TABLES];   /* rows written per table */
} gen_tpch_result;

/* "region", "nation", ..., "lineitem"; NULL for an unknown id. */
const char *gen_tpch_table_name(gen_tpch_table t);
/* Rows of table t at scale factor sf (lineitem: -1, it depends on the
** random line counts; orders: sf * 1,500,000). Small scale factors keep at
** least one row in every scaled table. */
int64_t     gen_tpch_row_count(gen_tpch_table t, double sf);
/* Builds the Spark/DuckDB TPC-H schema of t into arena a (names and types
** live there). */
st_status   gen_tpch_schema(gen_tpch_table t, st_arena *a, vec_schema *out, st_error *err);
/* Generates all eight tables into opt->dir. res may be NULL. On failure the
** error names the table; files already completed are left in place. */
st_status   gen_tpch(const gen_tpch_options *opt, gen_tpch_result *res, st_error *err);

#endif /* STRATA_GEN_GEN_H */
