/* tpch_gen_test.c -- the TPC-H generator (gen.h) at sf 0.01, read back with
** the Parquet reader: row counts per the spec, key relationships, value
** domains, o_orderstatus and o_totalprice against the lineitems, and
** identical rows for 1 and 4 threads (and different chunk sizes). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "format/parquet/pq.h"
#include "gen/gen.h"

#define SF 0.01

static char g_dir[256];

/* Generates sf 0.01 into a fresh temp folder once per test. */
static void gen_once(const char *sub, int threads, int64_t chunk_rows, gen_tpch_result *res)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/strata-tpch-test-%d-%s", (int)getpid(), sub);
    gen_tpch_options opt = { .sf = SF, .dir = g_dir, .format = GEN_FORMAT_PARQUET,
                             .n_threads = threads, .chunk_rows = chunk_rows };
    st_error err;
    st_error_init(&err);
    cr_assert_eq(gen_tpch(&opt, res, &err), ST_OK, "%s", err.msg);
}

static void rm_dir(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* One column of a table file, read whole: numbers as int64 (decimal
** unscaled, dates as days), strings as their first byte. */
typedef struct col_data {
    int64_t *v;
    int64_t  n;
} col_data;

static col_data read_col(const char *dir, const char *table, const char *col)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.parquet", dir, table);
    st_error err;
    st_error_init(&err);
    pq_file *f = NULL;
    cr_assert_eq(pq_file_open(path, &f, &err), ST_OK, "%s", err.msg);
    const vec_schema *s = pq_file_schema(f);
    int idx = -1;
    for (int i = 0; i < s->n_fields; i++)
        if (strcmp(s->fields[i].name, col) == 0)
            idx = i;
    cr_assert_geq(idx, 0, "column %s", col);
    pq_read_options ro = { .columns = &idx, .n_columns = 1 };
    pq_reader *r = NULL;
    cr_assert_eq(pq_reader_open(f, &ro, &r, &err), ST_OK, "%s", err.msg);
    col_data out = { st_malloc((size_t)pq_file_num_rows(f) * sizeof(int64_t) + 8), 0 };
    for (;;) {
        vec_batch *b = NULL;
        cr_assert_eq(pq_reader_next(r, &b, &err), ST_OK, "%s", err.msg);
        if (!b)
            break;
        const vec *v = b->cols[0];
        for (int64_t i = 0; i < b->n_rows; i++) {
            int64_t x;
            switch (v->type->id) {
            case VEC_INT64: x = ((const int64_t *)v->values)[i]; break;
            case VEC_INT32: case VEC_DATE: x = ((const int32_t *)v->values)[i]; break;
            case VEC_DECIMAL: x = (int64_t)((const __int128 *)v->values)[i]; break;
            default: x = v->bytes[vec_offsets(v)[i]]; break;
            }
            out.v[out.n++] = x;
        }
        vec_batch_free(b);
    }
    pq_reader_close(r);
    pq_file_close(f);
    return out;
}

/* Every row of a table formatted as text, for byte comparison. */
static void table_text(const char *dir, const char *table, st_buf *out)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.parquet", dir, table);
    st_error err;
    st_error_init(&err);
    pq_file *f = NULL;
    pq_reader *r = NULL;
    cr_assert_eq(pq_file_open(path, &f, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(pq_reader_open(f, NULL, &r, &err), ST_OK, "%s", err.msg);
    for (;;) {
        vec_batch *b = NULL;
        cr_assert_eq(pq_reader_next(r, &b, &err), ST_OK, "%s", err.msg);
        if (!b)
            break;
        for (int64_t i = 0; i < b->n_rows; i++)
            for (int c = 0; c < b->n_cols; c++) {
                cr_assert_eq(vec_format_value(b->cols[c], i, VEC_FMT_TEXT, out, &err), ST_OK);
                st_buf_append_byte(out, c + 1 < b->n_cols ? '|' : '\n', &err);
            }
        vec_batch_free(b);
    }
    pq_reader_close(r);
    pq_file_close(f);
}

static bool contains_sorted(const col_data *keys, int64_t k)
{
    int64_t lo = 0, hi = keys->n - 1;
    while (lo <= hi) {
        int64_t mid = (lo + hi) / 2;
        if (keys->v[mid] == k)
            return true;
        if (keys->v[mid] < k)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return false;
}

Test(tpch_gen, row_counts_per_spec)
{
    gen_tpch_result res;
    gen_once("counts", 2, 0, &res);
    static const int64_t exp[] = { 5, 25, 100, 1500, 2000, 8000, 15000 };
    for (int t = 0; t < 7; t++) {
        cr_assert_eq(res.n_rows[t], exp[t], "%s", gen_tpch_table_name((gen_tpch_table)t));
        col_data c = read_col(g_dir, gen_tpch_table_name((gen_tpch_table)t),
                              t == GEN_TPCH_PARTSUPP ? "ps_partkey" : t == GEN_TPCH_ORDERS ? "o_orderkey"
                              : t == GEN_TPCH_REGION ? "r_regionkey" : t == GEN_TPCH_NATION ? "n_nationkey"
                              : t == GEN_TPCH_SUPPLIER ? "s_suppkey" : t == GEN_TPCH_CUSTOMER ? "c_custkey"
                              : "p_partkey");
        cr_assert_eq(c.n, exp[t]);
        st_free(c.v);
    }
    /* lineitem: 1..7 lines per order numbered 1..n in order; total = sum */
    col_data ok = read_col(g_dir, "lineitem", "l_orderkey");
    col_data ln = read_col(g_dir, "lineitem", "l_linenumber");
    cr_assert_eq(ok.n, res.n_rows[GEN_TPCH_LINEITEM]);
    int64_t orders = 0, sum = 0, run = 0;
    for (int64_t i = 0; i < ok.n; i++) {
        if (i == 0 || ok.v[i] != ok.v[i - 1]) {
            sum += run;
            run = 0;
            orders++;
        }
        run++;
        cr_assert_eq(ln.v[i], run, "row %ld", (long)i);
        cr_assert_leq(run, 7);
    }
    sum += run;
    cr_assert_eq(orders, 15000);
    cr_assert_eq(sum, ok.n);
    cr_assert(ok.n > 15000 * 3.7 && ok.n < 15000 * 4.3, "lineitem rows %ld", (long)ok.n);
    st_free(ok.v);
    st_free(ln.v);
    rm_dir(g_dir);
}

Test(tpch_gen, key_relationships)
{
    gen_tpch_result res;
    gen_once("keys", 3, 0, &res);
    col_data ok = read_col(g_dir, "orders", "o_orderkey");
    col_data ck = read_col(g_dir, "orders", "o_custkey");
    for (int64_t i = 0; i < ok.n; i++) {
        cr_assert(i == 0 || ok.v[i] > ok.v[i - 1]);
        cr_assert(ok.v[i] % 32 >= 1 && ok.v[i] % 32 <= 8, "sparse key %ld", (long)ok.v[i]);
        cr_assert(ck.v[i] >= 1 && ck.v[i] <= 1500 && ck.v[i] % 3 != 0, "custkey %ld", (long)ck.v[i]);
    }
    col_data lk = read_col(g_dir, "lineitem", "l_orderkey");
    for (int64_t i = 0; i < lk.n; i++)
        cr_assert(contains_sorted(&ok, lk.v[i]), "l_orderkey %ld", (long)lk.v[i]);
    /* partsupp: 4 distinct suppliers per part, all existing */
    col_data sk = read_col(g_dir, "supplier", "s_suppkey");
    col_data pp = read_col(g_dir, "partsupp", "ps_partkey");
    col_data ps = read_col(g_dir, "partsupp", "ps_suppkey");
    for (int64_t i = 0; i < ps.n; i++) {
        cr_assert(contains_sorted(&sk, ps.v[i]), "ps_suppkey %ld", (long)ps.v[i]);
        cr_assert_eq(pp.v[i], i / 4 + 1);
        for (int64_t j = i - i % 4; j < i; j++)
            cr_assert_neq(ps.v[j], ps.v[i], "part %ld repeats supplier", (long)pp.v[i]);
    }
    /* each lineitem's (part, supplier) is one of the part's partsupp rows */
    col_data lp = read_col(g_dir, "lineitem", "l_partkey");
    col_data ls = read_col(g_dir, "lineitem", "l_suppkey");
    for (int64_t i = 0; i < lp.n; i++) {
        int64_t base = (lp.v[i] - 1) * 4;
        bool found = false;
        for (int j = 0; j < 4; j++)
            found |= ps.v[base + j] == ls.v[i];
        cr_assert(found, "lineitem %ld: supplier %ld not in partsupp", (long)i, (long)ls.v[i]);
    }
    col_data *all[] = { &ok, &ck, &lk, &sk, &pp, &ps, &lp, &ls };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        st_free(all[i]->v);
    rm_dir(g_dir);
}

Test(tpch_gen, value_domains_status_and_totalprice)
{
    gen_tpch_result res;
    gen_once("domains", 2, 0, &res);
    const int64_t d_start = st_days_from_civil(1992, 1, 1), d_end = st_days_from_civil(1998, 12, 31);
    const int64_t today = st_days_from_civil(1995, 6, 17);
    static const char *const LCOLS[] = { "l_orderkey", "l_partkey", "l_quantity", "l_extendedprice",
                                         "l_discount", "l_tax", "l_returnflag", "l_linestatus",
                                         "l_shipdate", "l_commitdate", "l_receiptdate" };
    col_data l[11];
    for (int i = 0; i < 11; i++)
        l[i] = read_col(g_dir, "lineitem", LCOLS[i]);
    col_data ok = read_col(g_dir, "orders", "o_orderkey");
    col_data st = read_col(g_dir, "orders", "o_orderstatus");
    col_data tp = read_col(g_dir, "orders", "o_totalprice");
    col_data od = read_col(g_dir, "orders", "o_orderdate");
    col_data rp = read_col(g_dir, "part", "p_retailprice");
    bool seen_flag[3] = { false, false, false };
    int64_t li = 0;
    for (int64_t o = 0; o < ok.n; o++) {
        cr_assert(od.v[o] >= d_start && od.v[o] <= d_end - 151);
        int64_t total = 0, n_f = 0, n = 0;
        for (; li < l[0].n && l[0].v[li] == ok.v[o]; li++, n++) {
            int64_t qty = l[2].v[li], ext = l[3].v[li], disc = l[4].v[li], tax = l[5].v[li];
            cr_assert(qty >= 100 && qty <= 5000 && qty % 100 == 0, "l_quantity %ld", (long)qty);
            cr_assert(disc >= 0 && disc <= 10, "l_discount %ld", (long)disc);
            cr_assert(tax >= 0 && tax <= 8, "l_tax %ld", (long)tax);
            /* l_extendedprice = l_quantity * p_retailprice */
            cr_assert_eq(ext, qty / 100 * rp.v[l[1].v[li] - 1]);
            int64_t ship = l[8].v[li], commit = l[9].v[li], receipt = l[10].v[li];
            cr_assert(ship >= od.v[o] + 1 && ship <= od.v[o] + 121);
            cr_assert(commit >= od.v[o] + 30 && commit <= od.v[o] + 90);
            cr_assert(receipt >= ship + 1 && receipt <= ship + 30 && receipt <= d_end);
            cr_assert(ship >= d_start);
            char flag = (char)l[6].v[li], status = (char)l[7].v[li];
            cr_assert_eq(status, ship <= today ? 'F' : 'O');
            if (receipt <= today)
                cr_assert(flag == 'R' || flag == 'A', "flag %c", flag);
            else
                cr_assert_eq(flag, 'N');
            seen_flag[flag == 'R' ? 0 : flag == 'A' ? 1 : 2] = true;
            n_f += status == 'F';
            total += (ext * (100 + tax) * (100 - disc) + 5000) / 10000;
        }
        cr_assert(n >= 1 && n <= 7);
        cr_assert_eq(st.v[o], n_f == n ? 'F' : n_f == 0 ? 'O' : 'P', "order %ld", (long)ok.v[o]);
        cr_assert_eq(tp.v[o], total, "o_totalprice of order %ld", (long)ok.v[o]);
    }
    cr_assert_eq(li, l[0].n, "every lineitem belongs to an order, in order");
    cr_assert(seen_flag[0] && seen_flag[1] && seen_flag[2]);
    for (int64_t p = 0; p < rp.n; p++) {
        int64_t k = p + 1;
        cr_assert_eq(rp.v[p], 90000 + (k / 10) % 20001 + 100 * (k % 1000));
    }
    for (int i = 0; i < 11; i++)
        st_free(l[i].v);
    st_free(ok.v);
    st_free(st.v);
    st_free(tp.v);
    st_free(od.v);
    st_free(rp.v);
    rm_dir(g_dir);
}

Test(tpch_gen, identical_for_any_thread_count, .timeout = 120)
{
    gen_tpch_result r1, r4;
    gen_once("t1", 1, 0, &r1);
    char dir1[256];
    snprintf(dir1, sizeof dir1, "%s", g_dir);
    gen_once("t4", 4, 3000, &r4);   /* small chunks: many units in flight */
    for (int t = 0; t < GEN_TPCH_N_TABLES; t++) {
        const char *name = gen_tpch_table_name((gen_tpch_table)t);
        cr_assert_eq(r1.n_rows[t], r4.n_rows[t], "%s", name);
        st_buf a, b;
        st_buf_init(&a);
        st_buf_init(&b);
        table_text(dir1, name, &a);
        table_text(g_dir, name, &b);
        cr_assert_eq(a.len, b.len, "%s", name);
        cr_assert(memcmp(a.data, b.data, a.len) == 0, "%s rows differ", name);
        st_buf_destroy(&a);
        st_buf_destroy(&b);
    }
    rm_dir(dir1);
    rm_dir(g_dir);
}

Test(tpch_gen, bad_options)
{
    st_error err;
    st_error_init(&err);
    gen_tpch_options opt = { .sf = 0, .dir = "/tmp/strata-tpch-never" };
    cr_assert_eq(gen_tpch(&opt, NULL, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "scale factor") != NULL, "%s", err.msg);
    cr_assert_eq(access("/tmp/strata-tpch-never", F_OK), -1);
    st_arena *a = st_arena_new(0);
    vec_schema s;
    cr_assert_eq(gen_tpch_schema(GEN_TPCH_LINEITEM, a, &s, &err), ST_OK);
    cr_assert_eq(s.n_fields, 16);
    cr_assert_eq(s.fields[4].type.id, VEC_DECIMAL);
    cr_assert_eq(s.fields[4].type.precision, 15);
    cr_assert_eq(gen_tpch_schema(GEN_TPCH_N_TABLES, a, &s, &err), ST_ERR_ARGUMENT);
    st_arena_free(a);
}
