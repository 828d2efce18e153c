/* ex_window_test.c -- the window operator (ex_window.c) driven the way the
** pipeline runner drives it (sink_local / sink / combine per thread,
** finalize, then source_local / source_next per thread, scratch arena reset
** after every chunk), on small partitioned inputs with hand-computed
** results: ranking functions with ties, ntile, lag/lead with defaults and
** IGNORE NULLS, first/last/nth_value over default and explicit frames,
** running aggregates with peers, ROWS and RANGE-offset frames (ASC and
** DESC), count(*) over the whole partition; then several real threads sinking and
** evaluating partitions, and a 1 MiB memory limit that spills. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"

static const vec_type T_I32 = {.id = VEC_INT32};
static const vec_type T_I64 = {.id = VEC_INT64};
static const vec_type T_DBL = {.id = VEC_DOUBLE};

#define NUL INT64_MIN

static st_arena *A;                 /* inputs, outputs and plan objects */
static lp_ctx *L;
static bool g_desc;                 /* ORDER BY o DESC NULLS LAST instead of ASC NULLS FIRST */

static void setup(void)
{
    g_desc = false;
    A = st_arena_new(0);
    L = lp_ctx_new(NULL, NULL);
}

static void teardown(void)
{
    lp_ctx_free(L);
    st_arena_free(A);
}

static vec *ints(const int64_t *v, int64_t n)
{
    vec_builder *b = vec_builder_new(&T_I64);
    for (int64_t i = 0; i < n; i++)
        if (v[i] == NUL)
            vec_builder_append_null(b, NULL);
        else
            vec_builder_append_i64(b, v[i], NULL);
    vec *out = NULL;
    cr_assert_eq(vec_builder_finish(b, A, &out, NULL), ST_OK);
    vec_builder_free(b);
    return out;
}

/* Input columns: id, p, o, v (all bigint). */
#define N_IN 4
static lp_col *in_cols(void)
{
    lp_col *c = st_arena_calloc(A, N_IN, sizeof *c);
    for (int i = 0; i < N_IN; i++) {
        c[i].id = 200 + i;
        c[i].name = "c";
        c[i].type = T_I64;
        c[i].nullable = true;
    }
    return c;
}

static ex_expr *compile(ex_query *q, lp_expr *x)
{
    st_error err;
    st_error_init(&err);
    ex_expr *e = NULL;
    cr_assert_not_null(x);
    cr_assert_eq(ex_expr_compile(q, x, in_cols(), N_IN, &e, &err), ST_OK, "%s", err.msg);
    return e;
}

static ex_expr *col(ex_query *q, int i)
{
    return compile(q, lp_expr_col(L, &in_cols()[i]));
}

static ex_expr *konst(ex_query *q, const vec_type *t, int64_t v)
{
    vec_scalar s = {.i64 = v};
    return compile(q, lp_expr_const(L, t, &s));
}

/* One window function: args are input columns (>= 0) or constants
** (ARG_CONST: const_type / const_val). */
#define ARG_CONST -1
typedef struct fn_def {
    lp_win_kind kind;
    const char *agg;
    int         n_args;
    int         arg[3];
    const vec_type *const_type[3];
    int64_t     const_val[3];
    bool        ignore_nulls;
    lp_frame    frame;
    int64_t     range_off[2];    /* RANGE offsets (start, end) */
} fn_def;

#define F_RUNNING {true, {LP_FB_UNBOUNDED_PRECEDING, 0, NULL}, {LP_FB_CURRENT_ROW, 0, NULL}}
#define F_WHOLE {false, {LP_FB_UNBOUNDED_PRECEDING, 0, NULL}, {LP_FB_UNBOUNDED_FOLLOWING, 0, NULL}}

static ex_op *make_window(ex_query *q, bool partitioned, const fn_def *fd, int n_fns)
{
    st_error err;
    st_error_init(&err);
    ex_window_spec spec;
    memset(&spec, 0, sizeof spec);
    static const bool no[1] = {false}, yes[1] = {true};
    ex_expr **part = st_arena_calloc(A, 1, sizeof *part);
    ex_expr **order = st_arena_calloc(A, 1, sizeof *order);
    part[0] = col(q, 1);
    order[0] = col(q, 2);
    spec.partition = part;
    spec.n_partition = partitioned ? 1 : 0;
    spec.order = order;
    spec.desc = g_desc ? yes : no;
    spec.nulls_first = g_desc ? no : yes;
    spec.n_order = 1;
    ex_winfn_spec *fns = st_arena_calloc(A, (size_t)n_fns, sizeof *fns);
    for (int f = 0; f < n_fns; f++) {
        ex_winfn_spec *w = &fns[f];
        w->kind = fd[f].kind;
        w->n_args = fd[f].n_args;
        w->ignore_nulls = fd[f].ignore_nulls;
        w->frame = fd[f].frame;
        w->args = st_arena_calloc(A, 3, sizeof *w->args);
        fn_arg_info ai[3];
        memset(ai, 0, sizeof ai);
        for (int k = 0; k < fd[f].n_args; k++) {
            if (fd[f].arg[k] == ARG_CONST)
                w->args[k] = konst(q, fd[f].const_type[k], fd[f].const_val[k]);
            else
                w->args[k] = col(q, fd[f].arg[k]);
            ai[k].type = ex_expr_type(w->args[k]);
        }
        if (fd[f].frame.range && fd[f].frame.start.kind == LP_FB_PRECEDING)
            w->range_start = konst(q, &T_I64, fd[f].range_off[0]);
        if (fd[f].frame.range && fd[f].frame.end.kind == LP_FB_FOLLOWING)
            w->range_end = konst(q, &T_I64, fd[f].range_off[1]);
        switch (w->kind) {
        case LP_WIN_AGG:
            w->agg = st_arena_calloc(q->arena, 1, sizeof *w->agg);
            cr_assert_eq(agg_resolve(fd[f].agg, false, ai, fd[f].n_args, q->arena, w->agg, &err),
                         ST_OK, "%s", err.msg);
            w->type = w->agg->ret;
            break;
        case LP_WIN_PERCENT_RANK:
        case LP_WIN_CUME_DIST:
            w->type = T_DBL;
            break;
        case LP_WIN_ROW_NUMBER:
        case LP_WIN_RANK:
        case LP_WIN_DENSE_RANK:
        case LP_WIN_NTILE:
            w->type = T_I32;
            break;
        default:
            w->type = T_I64;
            break;
        }
    }
    spec.fns = fns;
    spec.n_fns = n_fns;
    vec_type *types = st_arena_calloc(A, N_IN, sizeof *types);
    for (int i = 0; i < N_IN; i++)
        types[i] = T_I64;
    spec.types = types;
    spec.n_types = N_IN;
    ex_op *op = NULL;
    cr_assert_eq(ex_window_new(q, &spec, &op, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(op->n_types, N_IN + n_fns);
    return op;
}

static ex_query *query(int threads, int64_t memory_limit, int64_t batch_rows)
{
    ex_settings set;
    ex_settings_default(&set);
    set.threads = threads;
    set.memory_limit = memory_limit;
    set.batch_rows = batch_rows;
    ex_query *q = ex_query_new(&set, NULL, NULL);
    cr_assert_not_null(q);
    return q;
}

/* ---- running it (real threads) ------------------------------------------------------- */

typedef struct worker {
    ex_op     *op;
    int        id, n_workers;
    ex_chunk  *in;
    int        n_in;
    st_arena  *out;              /* this worker's copies of its output chunks */
    ex_chunk  *parts[4096];
    int        n_parts;
    st_status  rc;
    st_error   err;
} worker;

static void *sink_main(void *ud)
{
    worker *w = ud;
    ex_thread *t = ex_thread_new(w->op->q, w->id);
    void *loc = NULL;
    st_error_init(&w->err);
    w->rc = w->op->ops->sink_local(w->op, t, &loc, &w->err);
    for (int c = w->id; c < w->n_in && w->rc == ST_OK; c += w->n_workers) {
        w->rc = w->op->ops->sink(w->op, loc, t, &w->in[c], &w->err);
        st_arena_reset(t->arena);
    }
    if (w->rc == ST_OK)
        w->rc = w->op->ops->combine(w->op, loc, t, &w->err);
    w->op->ops->sink_local_free(w->op, loc);
    ex_thread_free(t);
    return NULL;
}

static void *source_main(void *ud)
{
    worker *w = ud;
    ex_thread *t = ex_thread_new(w->op->q, w->id);
    void *loc = NULL;
    st_error_init(&w->err);
    w->rc = w->op->ops->source_local(w->op, t, &loc, &w->err);
    while (w->rc == ST_OK) {
        ex_chunk c;
        bool done = false;
        w->rc = w->op->ops->source_next(w->op, loc, t, &c, &done, &w->err);
        if (w->rc != ST_OK || done)
            break;
        if (w->n_parts == 4096 || c.n_cols != w->op->n_types ||
            c.n_rows > w->op->q->set.batch_rows) {
            w->rc = st_error_set(&w->err, ST_ERR_INTERNAL, "bad output chunk");
            break;
        }
        ex_chunk *p = st_arena_alloc(w->out, sizeof *p);
        w->rc = ex_chunk_copy(w->out, &c, p, &w->err);
        w->parts[w->n_parts++] = p;
        st_arena_reset(t->arena);
    }
    w->op->ops->source_local_free(w->op, loc);
    ex_thread_free(t);
    return NULL;
}

/* Runs op over in[0..n) with n_sink sinking threads and n_src evaluating
** threads; returns every output row in one chunk (in A). */
static ex_chunk run(ex_op *op, ex_chunk *in, int n, int n_sink, int n_src)
{
    static worker w[4];
    pthread_t th[4];
    st_error err;
    st_error_init(&err);
    for (int i = 0; i < n_sink; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i] = (worker){.op = op, .id = i, .n_workers = n_sink, .in = in, .n_in = n};
        cr_assert_eq(pthread_create(&th[i], NULL, sink_main, &w[i]), 0);
    }
    for (int i = 0; i < n_sink; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(w[i].rc, ST_OK, "%s", w[i].err.msg);
    }
    cr_assert_eq(op->ops->finalize(op, &err), ST_OK, "%s", err.msg);
    cr_assert(!op->ops->ordered);
    cr_assert_eq(op->ops->source_init(op, &err), ST_OK, "%s", err.msg);
    for (int i = 0; i < n_src; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].op = op;
        w[i].id = i;
        w[i].out = st_arena_new(0);
        cr_assert_eq(pthread_create(&th[i], NULL, source_main, &w[i]), 0);
    }
    ex_chunk *all[4096 * 4];
    int na = 0;
    for (int i = 0; i < n_src; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(w[i].rc, ST_OK, "%s", w[i].err.msg);
        for (int k = 0; k < w[i].n_parts; k++)
            all[na++] = w[i].parts[k];
    }
    ex_chunk out = {0, op->n_types, NULL};
    if (na > 0)
        cr_assert_eq(ex_chunk_concat(A, (const ex_chunk *const *)all, na, op->n_types, &out, &err),
                     ST_OK, "%s", err.msg);
    for (int i = 0; i < n_src; i++)
        st_arena_free(w[i].out);
    return out;
}

static ex_chunk rows4(const int64_t (*r)[4], int n)
{
    int64_t c[4][64];
    cr_assert_leq(n, 64);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 4; k++)
            c[k][i] = r[i][k];
    ex_chunk ch = {n, 4, st_arena_calloc(A, 4, sizeof(vec *))};
    for (int k = 0; k < 4; k++)
        ch.cols[k] = ints(c[k], n);
    return ch;
}

static int64_t i64_at(const vec *v, int64_t i)
{
    if (!vec_is_valid(v, i))
        return NUL;
    switch (v->type->id) {
    case VEC_INT32: return ((const int32_t *)v->values)[i];
    default:        return ((const int64_t *)v->values)[i];
    }
}

/* Output row of input id (column 0), or fails. */
static int64_t row_of(const ex_chunk *out, int64_t id)
{
    for (int64_t i = 0; i < out->n_rows; i++)
        if (i64_at(out->cols[0], i) == id)
            return i;
    cr_assert_fail("id %" PRId64 " missing from the output", id);
    return -1;
}

/* Column N_IN + f of every id 0..n-1 equals want[] (NUL: NULL). */
static void expect_ints(const ex_chunk *out, int f, const int64_t *want, int n, const char *what)
{
    cr_assert_eq(out->n_rows, n);
    for (int id = 0; id < n; id++) {
        int64_t got = i64_at(out->cols[N_IN + f], row_of(out, id));
        cr_assert_eq(got, want[id], "%s: id %d got %" PRId64 " want %" PRId64, what, id, got,
                     want[id]);
    }
}

static void expect_dbls(const ex_chunk *out, int f, const double *want, int n, const char *what)
{
    for (int id = 0; id < n; id++) {
        int64_t r = row_of(out, id);
        cr_assert(vec_is_valid(out->cols[N_IN + f], r));
        double got = ((const double *)out->cols[N_IN + f]->values)[r];
        cr_assert(fabs(got - want[id]) < 1e-12, "%s: id %d got %g want %g", what, id, got,
                  want[id]);
    }
}

/* ---- data ------------------------------------------------------------------------------ */

/* id, p, o, v: peers (equal o) inside partitions, a NULL v, a NULL partition. */
static const int64_t D1[9][4] = {
    {0, 1, 1, 10}, {1, 1, 2, 20}, {2, 1, 2, 30}, {3, 1, 3, NUL}, {4, 1, 4, 50},
    {5, 2, 1, 5},  {6, 2, 1, 5},  {7, 2, 2, 7},  {8, NUL, 1, 100},
};

/* Unique order keys per partition. */
static const int64_t D2[8][4] = {
    {0, 1, 1, 10}, {1, 1, 2, NUL}, {2, 1, 3, 30}, {3, 1, 4, 40}, {4, 1, 5, 50},
    {5, 2, 1, 7},  {6, 2, 2, 8},   {7, 2, 3, 9},
};

/* ---- tests ------------------------------------------------------------------------------ */

Test(ex_window, ranking_with_ties, .init = setup, .fini = teardown)
{
    ex_query *q = query(1, (int64_t)1 << 30, 1024);
    fn_def fd[] = {
        {.kind = LP_WIN_RANK},
        {.kind = LP_WIN_DENSE_RANK},
        {.kind = LP_WIN_PERCENT_RANK},
        {.kind = LP_WIN_CUME_DIST},
        {.kind = LP_WIN_ROW_NUMBER},
    };
    ex_chunk in[2] = {rows4(D1, 5), rows4(D1 + 5, 4)};
    ex_chunk out = run(make_window(q, true, fd, 5), in, 2, 1, 1);
    int64_t rank[] = {1, 2, 2, 4, 5, 1, 1, 3, 1};
    int64_t dense[] = {1, 2, 2, 3, 4, 1, 1, 2, 1};
    double pr[] = {0, 0.25, 0.25, 0.75, 1, 0, 0, 1, 0};
    double cd[] = {0.2, 0.6, 0.6, 0.8, 1, 2.0 / 3, 2.0 / 3, 1, 1};
    expect_ints(&out, 0, rank, 9, "rank");
    expect_ints(&out, 1, dense, 9, "dense_rank");
    expect_dbls(&out, 2, pr, 9, "percent_rank");
    expect_dbls(&out, 3, cd, 9, "cume_dist");
    /* row_number: peers take their numbers in either order */
    int64_t rn[9];
    for (int id = 0; id < 9; id++)
        rn[id] = i64_at(out.cols[N_IN + 4], row_of(&out, id));
    cr_assert_eq(rn[0], 1);
    cr_assert(rn[1] + rn[2] == 5 && rn[1] * rn[2] == 6);
    cr_assert_eq(rn[3], 4);
    cr_assert_eq(rn[4], 5);
    cr_assert(rn[5] + rn[6] == 3 && rn[5] * rn[6] == 2);
    cr_assert_eq(rn[7], 3);
    cr_assert_eq(rn[8], 1);
    /* input columns pass through with their rows */
    for (int id = 0; id < 9; id++)
        for (int k = 1; k < 4; k++)
            cr_assert_eq(i64_at(out.cols[k], row_of(&out, id)), D1[id][k]);
    ex_query_free(q);
}

Test(ex_window, ntile, .init = setup, .fini = teardown)
{
    int64_t r[10][4];
    for (int i = 0; i < 10; i++) {
        r[i][0] = i;
        r[i][1] = 1;
        r[i][2] = 10 - i;                   /* ORDER BY o: id 9 first */
        r[i][3] = i;
    }
    ex_query *q = query(1, (int64_t)1 << 30, 3);
    fn_def fd[] = {
        {.kind = LP_WIN_NTILE, .n_args = 1, .arg = {ARG_CONST}, .const_type = {&T_I32},
         .const_val = {3}},
        {.kind = LP_WIN_NTILE, .n_args = 1, .arg = {ARG_CONST}, .const_type = {&T_I32},
         .const_val = {4}},
        {.kind = LP_WIN_NTILE, .n_args = 1, .arg = {ARG_CONST}, .const_type = {&T_I32},
         .const_val = {20}},
    };
    ex_chunk in = rows4((const int64_t (*)[4])r, 10);
    ex_chunk out = run(make_window(q, false, fd, 3), &in, 1, 1, 1);
    int64_t n3[] = {3, 3, 3, 2, 2, 2, 1, 1, 1, 1};     /* by id (reverse order) */
    int64_t n4[] = {4, 4, 3, 3, 2, 2, 2, 1, 1, 1};
    int64_t n20[] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    expect_ints(&out, 0, n3, 10, "ntile(3)");
    expect_ints(&out, 1, n4, 10, "ntile(4)");
    expect_ints(&out, 2, n20, 10, "ntile(20)");
    ex_query_free(q);
}

Test(ex_window, lag_lead, .init = setup, .fini = teardown)
{
    ex_query *q = query(1, (int64_t)1 << 30, 1024);
    fn_def fd[] = {
        {.kind = LP_WIN_LAG, .n_args = 3, .arg = {3, ARG_CONST, ARG_CONST},
         .const_type = {NULL, &T_I32, &T_I64}, .const_val = {0, 1, -1}},
        {.kind = LP_WIN_LEAD, .n_args = 2, .arg = {3, ARG_CONST}, .const_type = {NULL, &T_I32},
         .const_val = {0, 2}},
        {.kind = LP_WIN_LAG, .n_args = 1, .arg = {3}, .ignore_nulls = true},
        {.kind = LP_WIN_LEAD, .n_args = 1, .arg = {3}, .ignore_nulls = true},
        {.kind = LP_WIN_LAG, .n_args = 2, .arg = {3, ARG_CONST}, .const_type = {NULL, &T_I32},
         .const_val = {0, 0}},
    };
    ex_chunk in = rows4(D2, 8);
    ex_chunk out = run(make_window(q, true, fd, 5), &in, 1, 1, 1);
    int64_t lag1[] = {-1, 10, NUL, 30, 40, -1, 7, 8};
    int64_t lead2[] = {30, 40, 50, NUL, NUL, 9, NUL, NUL};
    int64_t lag_in[] = {NUL, 10, 10, 30, 40, NUL, 7, 8};
    int64_t lead_in[] = {30, 30, 40, 50, NUL, 8, 9, NUL};
    int64_t lag0[] = {10, NUL, 30, 40, 50, 7, 8, 9};
    expect_ints(&out, 0, lag1, 8, "lag(v, 1, -1)");
    expect_ints(&out, 1, lead2, 8, "lead(v, 2)");
    expect_ints(&out, 2, lag_in, 8, "lag(v) ignore nulls");
    expect_ints(&out, 3, lead_in, 8, "lead(v) ignore nulls");
    expect_ints(&out, 4, lag0, 8, "lag(v, 0)");
    ex_query_free(q);
}

Test(ex_window, values_over_frames, .init = setup, .fini = teardown)
{
    ex_query *q = query(1, (int64_t)1 << 30, 2);
    lp_frame rows11 = {false, {LP_FB_PRECEDING, 1, NULL}, {LP_FB_FOLLOWING, 1, NULL}};
    lp_frame to_end = {false, {LP_FB_CURRENT_ROW, 0, NULL}, {LP_FB_UNBOUNDED_FOLLOWING, 0, NULL}};
    fn_def fd[] = {
        {.kind = LP_WIN_FIRST_VALUE, .n_args = 1, .arg = {3}, .frame = F_RUNNING},
        {.kind = LP_WIN_LAST_VALUE, .n_args = 1, .arg = {3}, .frame = F_RUNNING},
        {.kind = LP_WIN_LAST_VALUE, .n_args = 1, .arg = {3}, .frame = F_RUNNING,
         .ignore_nulls = true},
        {.kind = LP_WIN_NTH_VALUE, .n_args = 2, .arg = {3, ARG_CONST},
         .const_type = {NULL, &T_I32}, .const_val = {0, 2}, .frame = F_RUNNING},
        {.kind = LP_WIN_AGG, .agg = "sum", .n_args = 1, .arg = {3}, .frame = rows11},
        {.kind = LP_WIN_FIRST_VALUE, .n_args = 1, .arg = {3}, .frame = to_end,
         .ignore_nulls = true},
        {.kind = LP_WIN_LAST_VALUE, .n_args = 1, .arg = {3}, .frame = F_WHOLE},
        {.kind = LP_WIN_AGG, .agg = "max", .n_args = 1, .arg = {3}, .frame = to_end},
    };
    ex_chunk in[2] = {rows4(D2, 3), rows4(D2 + 3, 5)};
    ex_chunk out = run(make_window(q, true, fd, 8), in, 2, 1, 1);
    int64_t first[] = {10, 10, 10, 10, 10, 7, 7, 7};
    int64_t last[] = {10, NUL, 30, 40, 50, 7, 8, 9};
    int64_t last_in[] = {10, 10, 30, 40, 50, 7, 8, 9};
    int64_t nth2[] = {NUL, NUL, NUL, NUL, NUL, NUL, 8, 8};
    int64_t sum11[] = {10, 40, 70, 120, 90, 15, 24, 17};
    int64_t first_in[] = {10, 30, 30, 40, 50, 7, 8, 9};
    int64_t last_whole[] = {50, 50, 50, 50, 50, 9, 9, 9};
    int64_t max_to_end[] = {50, 50, 50, 50, 50, 9, 9, 9};
    expect_ints(&out, 0, first, 8, "first_value");
    expect_ints(&out, 1, last, 8, "last_value");
    expect_ints(&out, 2, last_in, 8, "last_value ignore nulls");
    expect_ints(&out, 3, nth2, 8, "nth_value(v, 2)");
    expect_ints(&out, 4, sum11, 8, "sum rows 1 preceding and 1 following");
    expect_ints(&out, 5, first_in, 8, "first_value ignore nulls, current row to end");
    expect_ints(&out, 6, last_whole, 8, "last_value over the whole partition");
    expect_ints(&out, 7, max_to_end, 8, "max current row to end");
    ex_query_free(q);
}

Test(ex_window, running_aggregates_with_peers, .init = setup, .fini = teardown)
{
    ex_query *q = query(1, (int64_t)1 << 30, 1024);
    lp_frame range1 = {true, {LP_FB_PRECEDING, 0, NULL}, {LP_FB_CURRENT_ROW, 0, NULL}};
    lp_frame range_f = {true, {LP_FB_CURRENT_ROW, 0, NULL}, {LP_FB_FOLLOWING, 0, NULL}};
    fn_def fd[] = {
        {.kind = LP_WIN_AGG, .agg = "sum", .n_args = 1, .arg = {3}, .frame = F_RUNNING},
        {.kind = LP_WIN_AGG, .agg = "count", .n_args = 1, .arg = {3}, .frame = F_RUNNING},
        {.kind = LP_WIN_AGG, .agg = "count", .n_args = 0, .frame = F_WHOLE},
        {.kind = LP_WIN_AGG, .agg = "sum", .n_args = 1, .arg = {3}, .frame = range1,
         .range_off = {1, 0}},
        {.kind = LP_WIN_FIRST_VALUE, .n_args = 1, .arg = {3}, .frame = F_RUNNING},
        {.kind = LP_WIN_AGG, .agg = "sum", .n_args = 1, .arg = {3}, .frame = range_f,
         .range_off = {0, 1}},
    };
    ex_chunk in[3] = {rows4(D1, 2), rows4(D1 + 2, 3), rows4(D1 + 5, 4)};
    ex_chunk out = run(make_window(q, true, fd, 6), in, 3, 2, 2);
    int64_t rsum[] = {10, 60, 60, 60, 110, 10, 10, 17, 100};
    int64_t rcount[] = {1, 3, 3, 3, 4, 2, 2, 3, 1};
    int64_t star[] = {5, 5, 5, 5, 5, 3, 3, 3, 1};
    int64_t range_sum[] = {10, 60, 60, 50, 50, 10, 10, 17, 100};
    int64_t first[] = {10, 10, 10, 10, 10, 5, 5, 5, 100};
    /* RANGE BETWEEN CURRENT ROW AND 1 FOLLOWING: o in [o, o+1] */
    int64_t range_next[] = {60, 50, 50, 50, 50, 17, 17, 7, 100};
    expect_ints(&out, 0, rsum, 9, "running sum");
    expect_ints(&out, 1, rcount, 9, "running count(v)");
    expect_ints(&out, 2, star, 9, "count(*) over the partition");
    expect_ints(&out, 3, range_sum, 9, "sum range 1 preceding");
    expect_ints(&out, 4, first, 9, "first_value");
    expect_ints(&out, 5, range_next, 9, "sum range current row and 1 following");
    ex_query_free(q);
}

Test(ex_window, explain_and_empty, .init = setup, .fini = teardown)
{
    ex_query *q = query(2, (int64_t)1 << 30, 1024);
    fn_def fd[] = {{.kind = LP_WIN_ROW_NUMBER},
                   {.kind = LP_WIN_AGG, .agg = "sum", .n_args = 1, .arg = {3}, .frame = F_RUNNING}};
    ex_op *op = make_window(q, true, fd, 2);
    st_buf b;
    st_buf_init(&b);
    cr_assert_eq(op->ops->explain(op, &b, NULL), ST_OK);
    cr_assert_not_null(memmem(b.data, b.len, "row_number, sum", 15));
    cr_assert_not_null(memmem(b.data, b.len, "ASC NULLS FIRST", 15));
    st_buf_destroy(&b);
    ex_chunk out = run(op, NULL, 0, 2, 2);
    cr_assert_eq(out.n_rows, 0);
    ex_query_free(q);
}

/* n_part partitions of per rows: p = i % n_part, o = i / n_part, v = o. */
static ex_chunk *grid(int64_t n_part, int64_t per, int64_t chunk_rows, int *n_chunks)
{
    int64_t n = n_part * per;
    int nc = (int)((n + chunk_rows - 1) / chunk_rows);
    ex_chunk *in = st_arena_calloc(A, (size_t)nc, sizeof *in);
    int64_t *c[4];
    for (int k = 0; k < 4; k++)
        c[k] = st_arena_calloc(A, (size_t)chunk_rows, sizeof *c[k]);
    for (int ch = 0; ch < nc; ch++) {
        int64_t m = ST_MIN(chunk_rows, n - ch * chunk_rows);
        for (int64_t j = 0; j < m; j++) {
            int64_t i = ch * chunk_rows + j;
            c[0][j] = i;
            c[1][j] = i % n_part;
            c[2][j] = i / n_part;
            c[3][j] = i / n_part;
        }
        in[ch].n_rows = m;
        in[ch].n_cols = 4;
        in[ch].cols = st_arena_calloc(A, 4, sizeof(vec *));
        for (int k = 0; k < 4; k++)
            in[ch].cols[k] = ints(c[k], m);
    }
    *n_chunks = nc;
    return in;
}

static void check_grid(const ex_chunk *out, int64_t n_part, int64_t per)
{
    int64_t n = n_part * per;
    cr_assert_eq(out->n_rows, n);
    bool *seen = st_arena_calloc(A, (size_t)n, sizeof *seen);
    for (int64_t r = 0; r < n; r++) {
        int64_t id = i64_at(out->cols[0], r), o = id / n_part;
        cr_assert(id >= 0 && id < n && !seen[id]);
        seen[id] = true;
        cr_assert_eq(i64_at(out->cols[N_IN + 0], r), o + 1, "row_number of id %" PRId64, id);
        cr_assert_eq(i64_at(out->cols[N_IN + 1], r), o * (o + 1) / 2, "running sum of %" PRId64, id);
        cr_assert_eq(i64_at(out->cols[N_IN + 2], r), per, "count(*) of %" PRId64, id);
        int64_t lo = o > 0 ? o - 1 : 0, hi = o + 1 < per ? o + 1 : per - 1;
        cr_assert_eq(i64_at(out->cols[N_IN + 3], r), (lo + hi) * (hi - lo + 1) / 2,
                     "sliding sum of %" PRId64, id);
    }
}

static const fn_def GRID_FNS[] = {
    {.kind = LP_WIN_ROW_NUMBER},
    {.kind = LP_WIN_AGG, .agg = "sum", .n_args = 1, .arg = {3}, .frame = F_RUNNING},
    {.kind = LP_WIN_AGG, .agg = "count", .n_args = 0, .frame = F_WHOLE},
    {.kind = LP_WIN_AGG, .agg = "sum", .n_args = 1, .arg = {3},
     .frame = {false, {LP_FB_PRECEDING, 1, NULL}, {LP_FB_FOLLOWING, 1, NULL}}},
};

Test(ex_window, threads_evaluate_partitions, .init = setup, .fini = teardown)
{
    int nc;
    ex_chunk *in = grid(300, 40, 1000, &nc);
    ex_query *q = query(3, (int64_t)1 << 30, 500);
    ex_chunk out = run(make_window(q, true, GRID_FNS, 4), in, nc, 2, 3);
    check_grid(&out, 300, 40);
    cr_assert_eq(atomic_load(&q->spilled), 0);
    ex_query_free(q);
}

Test(ex_window, spills_under_memory_limit, .init = setup, .fini = teardown)
{
    int nc;
    ex_chunk *in = grid(1000, 100, 2048, &nc);
    ex_query *q = query(2, (int64_t)1 << 20, 2048);
    ex_chunk out = run(make_window(q, true, GRID_FNS, 4), in, nc, 2, 2);
    cr_assert_gt(atomic_load(&q->spilled), 0, "a 1 MiB limit must spill");
    check_grid(&out, 1000, 100);
    ex_query_free(q);
}

Test(ex_window, range_offsets_desc, .init = setup, .fini = teardown)
{
    g_desc = true;
    ex_query *q = query(1, (int64_t)1 << 30, 1024);
    lp_frame range1 = {true, {LP_FB_PRECEDING, 0, NULL}, {LP_FB_CURRENT_ROW, 0, NULL}};
    lp_frame around = {true, {LP_FB_PRECEDING, 0, NULL}, {LP_FB_FOLLOWING, 0, NULL}};
    fn_def fd[] = {
        {.kind = LP_WIN_AGG, .agg = "sum", .n_args = 1, .arg = {3}, .frame = range1,
         .range_off = {1, 0}},
        {.kind = LP_WIN_AGG, .agg = "count", .n_args = 0, .frame = around, .range_off = {0, 1}},
        {.kind = LP_WIN_RANK},
        {.kind = LP_WIN_AGG, .agg = "sum", .n_args = 1, .arg = {3}, .frame = F_RUNNING},
    };
    ex_chunk in = rows4(D1, 9);
    ex_chunk out = run(make_window(q, true, fd, 4), &in, 1, 1, 1);
    /* p1 in order: o 4 (50), 3 (NULL), 2 (20, 30), 1 (10) */
    int64_t sum_prec[] = {60, 50, 50, 50, 50, 17, 17, 7, 100};    /* o in [o, o+1] */
    int64_t cnt_next[] = {1, 3, 3, 3, 2, 2, 2, 3, 1};             /* o in [o-1, o] */
    int64_t rank[] = {5, 3, 3, 2, 1, 2, 2, 1, 1};
    int64_t running[] = {110, 100, 100, 50, 50, 17, 17, 7, 100};
    expect_ints(&out, 0, sum_prec, 9, "sum range 1 preceding, desc");
    expect_ints(&out, 1, cnt_next, 9, "count(*) range 0 preceding and 1 following, desc");
    expect_ints(&out, 2, rank, 9, "rank desc");
    expect_ints(&out, 3, running, 9, "running sum desc");
    ex_query_free(q);
}
