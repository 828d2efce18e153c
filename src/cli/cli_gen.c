/* cli_gen.c -- `strata gen tpch --sf N --dir DIR [--format parquet|delta]
** [--threads T]`: generate the eight TPC-H tables through the gen module
** (gen.h) and print one line per table with its row count, then the elapsed
** time. Failures print "error: ..." and exit 1; bad command lines exit 2. */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../gen/gen.h"

#define USAGE_TPCH "strata gen tpch --sf N --dir DIR [--format parquet|delta] [--threads T]"

void cli_gen_usage(FILE *fp)
{
    fputs("gen subcommands:\n"
          "  " USAGE_TPCH "\n"
          "      the eight TPC-H tables at scale factor N: DIR/<table>.parquet, or Delta\n"
          "      tables DIR/<table>/; output is identical for every thread count\n",
          fp);
}

/* A positive scale factor ("0.01", "1", "10"); false on junk. */
static bool parse_sf(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v > 0) || v > 100000)
        return false;
    *out = v;
    return true;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int gen_tpch_cmd(int argc, char **argv)
{
    enum { O_SF, O_DIR, O_FORMAT, O_THREADS, O_CHUNK };
    static const cli_opt_spec specs[] = {
        { "sf", true }, { "dir", true }, { "format", true }, { "threads", true },
        { "chunk-rows", true },
    };
    cli_args a;
    int rc = cli_parse_args(argc, argv, specs, (int)ST_ARRAY_LEN(specs), 0, 0, USAGE_TPCH, &a);
    if (rc != CLI_EXIT_OK)
        return rc;
    gen_tpch_options opt = { .format = GEN_FORMAT_PARQUET, .n_threads = 0 };
    if (!a.is_set[O_SF] || !parse_sf(a.value[O_SF], &opt.sf))
        return cli_usage_error(USAGE_TPCH, a.is_set[O_SF] ? "bad scale factor \"%s\"" :
                               "missing --sf%s", a.is_set[O_SF] ? a.value[O_SF] : "");
    if (!a.is_set[O_DIR])
        return cli_usage_error(USAGE_TPCH, "missing --dir");
    opt.dir = a.value[O_DIR];
    if (a.is_set[O_FORMAT]) {
        if (strcmp(a.value[O_FORMAT], "parquet") == 0)
            opt.format = GEN_FORMAT_PARQUET;
        else if (strcmp(a.value[O_FORMAT], "delta") == 0)
            opt.format = GEN_FORMAT_DELTA;
        else
            return cli_usage_error(USAGE_TPCH, "unknown format \"%s\" (parquet or delta)",
                                   a.value[O_FORMAT]);
    }
    int64_t v;
    if (a.is_set[O_THREADS]) {
        if (!cli_parse_int64(a.value[O_THREADS], &v) || v < 1 || v > 256)
            return cli_usage_error(USAGE_TPCH, "bad thread count \"%s\" (1..256)",
                                   a.value[O_THREADS]);
        opt.n_threads = (int)v;
    } else {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        opt.n_threads = n > 0 ? (int)ST_MIN(n, 64) : 1;
    }
    if (a.is_set[O_CHUNK]) {
        if (!cli_parse_int64(a.value[O_CHUNK], &v) || v < 1)
            return cli_usage_error(USAGE_TPCH, "bad chunk size \"%s\"", a.value[O_CHUNK]);
        opt.chunk_rows = v;
    }
    double t0 = now_seconds();
    gen_tpch_result res;
    st_error err;
    st_error_init(&err);
    if (gen_tpch(&opt, &res, &err) != ST_OK) {
        cli_report_error(&err);
        return CLI_EXIT_ERROR;
    }
    for (int t = 0; t < GEN_TPCH_N_TABLES; t++)
        printf("%-9s %12" PRId64 " rows\n", gen_tpch_table_name((gen_tpch_table)t), res.n_rows[t]);
    printf("generated TPC-H sf %g in %.2f s with %d threads\n", opt.sf, now_seconds() - t0,
           opt.n_threads);
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

int cli_gen_main(int argc, char **argv)
{
    if (argc < 1)
        return cli_usage_error(USAGE_TPCH, "missing gen subcommand");
    if (strcmp(argv[0], "tpch") == 0)
        return gen_tpch_cmd(argc - 1, argv + 1);
    return cli_usage_error(USAGE_TPCH, "unknown gen subcommand \"%s\"", argv[0]);
}
