/* ex_join_test.c -- the hash join and the nested-loop join (ex_hashjoin.c,
** ex_nljoin.c), driven directly through their sink and operator callbacks
** (no planner): every join kind on small hand-made inputs with NULL keys,
** duplicates and empty sides, compared to expected row multisets; null-safe
** multi-key joins, residuals, MARK's NULL rules, SINGLE's error, string
** keys, two threads on both sides, the Grace spill path under a 1 MiB limit
** (same rows as in memory), RIGHT SEMI / RIGHT ANTI (build rows out, with a
** residual, empty sides, spilled) and nested-loop non-equi and cross joins.
** Rows are compared as sorted "a|b|c" strings (NULL prints as NULL). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "exec/exec.h"


#define NUL INT64_MIN                    /* a NULL in the int tables below */
#define END (INT64_MIN + 1)              /* end of a column list */

static const vec_type T_I64 = {.id = VEC_INT64};
static const vec_type T_STR = {.id = VEC_STRING};

/* ---- inputs ------------------------------------------------------------------- */

static vec *mk_i64(st_arena *a, const int64_t *v, int64_t n)
{
    vec_builder *b = vec_builder_new(&T_I64);
    st_error err;
    st_error_init(&err);
    for (int64_t i = 0; i < n; i++) {
        st_status rc = v[i] == NUL ? vec_builder_append_null(b, &err)
                                   : vec_builder_append_i64(b, v[i], &err);
        cr_assert_eq(rc, ST_OK);
    }
    vec *out = NULL;
    cr_assert_eq(vec_builder_finish(b, a, &out, &err), ST_OK);
    vec_builder_free(b);
    return out;
}

static vec *mk_str(st_arena *a, const char *const *v, int64_t n)
{
    vec_builder *b = vec_builder_new(&T_STR);
    st_error err;
    st_error_init(&err);
    for (int64_t i = 0; i < n; i++) {
        st_status rc = !v[i] ? vec_builder_append_null(b, &err)
                             : vec_builder_append_bytes(b, v[i], strlen(v[i]), &err);
        cr_assert_eq(rc, ST_OK);
    }
    vec *out = NULL;
    cr_assert_eq(vec_builder_finish(b, a, &out, &err), ST_OK);
    vec_builder_free(b);
    return out;
}

/* A chunk of n int columns: cols[c][0..n). */
static ex_chunk *mk_chunk(st_arena *a, int n_cols, int64_t n, const int64_t *const *cols)
{
    ex_chunk *c = st_arena_calloc(a, 1, sizeof *c);
    c->n_rows = n;
    c->n_cols = n_cols;
    c->cols = st_arena_calloc(a, (size_t)n_cols + 1, sizeof *c->cols);
    for (int i = 0; i < n_cols; i++) c->cols[i] = mk_i64(a, cols[i], n);
    return c;
}

/* ---- a join run ------------------------------------------------------------------ */

typedef enum { RES_NONE, RES_LT, RES_NE } res_kind;

typedef struct jt_case {
    lp_join_kind kind;
    int          n_keys;
    int          pk[4], bk[4];           /* key columns: probe / build positions */
    bool         null_eq[4];
    res_kind     res;                    /* residual: probe col rp <op> build col rb */
    int          rp, rb;
    bool         null_aware;
    int          threads;                /* 1 or 2 (both sides) */
    int64_t      batch;                  /* batch_rows (default 2048) */
    int64_t      mem;                    /* memory limit (default 1 GiB) */
    bool         nlj;
    bool         prune;                  /* hand a (never started) probe scan to the join */
} jt_case;

typedef struct jt_side {
    ex_chunk  **chunks;
    int         n;
    const vec_type *types;
    int         n_cols;
} jt_side;

typedef struct jt_out {
    pthread_mutex_t lock;
    char          **rows;
    int64_t         n, cap;
    int64_t         max_chunk;           /* largest chunk pushed */
} jt_out;

typedef struct jt_emit {
    ex_emit  base;
    jt_out  *out;
} jt_emit;

static st_status jt_push(ex_emit *self, ex_thread *t, const ex_chunk *c, st_error *err)
{
    jt_out *o = ((jt_emit *)self)->out;
    st_buf b;
    st_buf_init(&b);
    for (int64_t i = 0; i < c->n_rows; i++) {
        st_buf_clear(&b);
        for (int k = 0; k < c->n_cols; k++) {
            if (k) st_buf_append_byte(&b, '|', err);
            const vec *v = c->cols[k];
            cr_assert_eq(v->len, c->n_rows);
            if (!vec_is_valid(v, i)) st_buf_append_str(&b, "NULL", err);
            else cr_assert_eq(vec_format_value(v, i, VEC_FMT_TEXT, &b, err), ST_OK);
        }
        st_buf_append_byte(&b, 0, err);
        pthread_mutex_lock(&o->lock);
        if (o->n == o->cap) {
            o->cap = o->cap ? o->cap * 2 : 64;
            o->rows = realloc(o->rows, (size_t)o->cap * sizeof *o->rows);
        }
        o->rows[o->n++] = strdup((const char *)b.data);
        pthread_mutex_unlock(&o->lock);
    }
    pthread_mutex_lock(&o->lock);
    if (c->n_rows > o->max_chunk) o->max_chunk = c->n_rows;
    pthread_mutex_unlock(&o->lock);
    st_buf_destroy(&b);
    return ST_OK;
}

typedef struct jt_worker {
    ex_op          *op;
    ex_thread      *t;
    const jt_side  *side;
    int             stride;              /* chunks id, id + stride, ... */
    jt_out         *out;
    bool            probe;
    st_status       rc;
    st_error        err;
} jt_worker;

static void *jt_worker_main(void *arg)
{
    jt_worker *w = arg;
    const ex_op_ops *ops = w->op->ops;
    void *local = NULL;
    st_error_init(&w->err);
    w->rc = w->probe ? ops->op_local(w->op, w->t, &local, &w->err)
                     : ops->sink_local(w->op, w->t, &local, &w->err);
    jt_emit em = {.base.push = jt_push, .out = w->out};
    for (int i = w->t->id; w->rc == ST_OK && i < w->side->n; i += w->stride) {
        w->rc = w->probe ? ops->execute(w->op, local, w->t, w->side->chunks[i], &em.base, &w->err)
                         : ops->sink(w->op, local, w->t, w->side->chunks[i], &w->err);
        st_arena_reset(w->t->arena);
    }
    /* Unlike the runner (which waits at a barrier first), a thread combines
    ** while the other may still be sinking: a harder schedule for the join. */
    if (w->rc == ST_OK && !w->probe) w->rc = ops->combine(w->op, local, w->t, &w->err);
    if (w->probe) return local;          /* freed after flush, as the runner does */
    ops->sink_local_free(w->op, local);
    return NULL;
}

/* Runs both pipelines of a join on `threads` threads. */
static st_status jt_run_side(ex_op *op, ex_query *q, const jt_side *side, bool probe, int threads,
                             jt_out *out, st_error *err)
{
    jt_worker w[2] = {0};
    pthread_t tid[2];
    void *locals[2] = {NULL, NULL};
    for (int i = 0; i < threads; i++) {
        w[i] = (jt_worker){.op = op, .t = ex_thread_new(q, i), .side = side, .stride = threads,
                           .out = out, .probe = probe};
        cr_assert_eq(pthread_create(&tid[i], NULL, jt_worker_main, &w[i]), 0);
    }
    /* Flush runs on thread 0 once every thread is done, as in the runner. */
    for (int i = 0; i < threads; i++) pthread_join(tid[i], &locals[i]);
    st_status rc = ST_OK;
    for (int i = 0; i < threads && rc == ST_OK; i++)
        if (w[i].rc != ST_OK) {
            rc = w[i].rc;
            *err = w[i].err;
        }
    if (probe) {
        jt_emit em = {.base.push = jt_push, .out = out};
        if (rc == ST_OK && op->ops->flush)
            rc = op->ops->flush(op, locals[0], w[0].t, &em.base, err);
        for (int i = 0; i < threads; i++) op->ops->op_local_free(op, locals[i]);
    } else if (rc == ST_OK) {
        rc = op->ops->finalize(op, err);
    }
    for (int i = 0; i < threads; i++) ex_thread_free(w[i].t);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct jt_result {
    st_status rc;
    st_error  err;
    char    **rows;                      /* sorted */
    int64_t   n;
    int64_t   max_chunk;
    int64_t   spilled;                   /* q->spilled */
    char      explain[256];
    char      scan_explain[256];         /* the probe scan's EXPLAIN line (prune) */
} jt_result;

static void jt_result_free(jt_result *r)
{
    for (int64_t i = 0; i < r->n; i++) free(r->rows[i]);
    free(r->rows);
}

static lp_expr *jt_col(lp_ctx *lc, lp_col *c)
{
    lp_expr *e = lp_expr_col(lc, c);
    cr_assert_not_null(e);
    return e;
}

static lp_expr *jt_cmp(lp_ctx *lc, const char *name, lp_expr *a, lp_expr *b)
{
    fn_arg_info info[2] = {{.type = &a->type}, {.type = &b->type}};
    fn_bound *fb = st_arena_calloc(lc->arena, 1, sizeof *fb);
    st_error err;
    st_error_init(&err);
    cr_assert_eq(fn_resolve(name, info, 2, lc->arena, fb, &err), ST_OK, "%s", err.msg);
    lp_expr *e = lp_expr_new(lc, LP_X_CALL, -1);
    e->type = fb->ret;
    e->fn = fb;
    e->args = st_arena_calloc(lc->arena, 2, sizeof *e->args);
    e->args[0] = a;
    e->args[1] = b;
    e->n_args = 2;
    return e;
}

static jt_result jt_run(const jt_case *jc, const jt_side *probe, const jt_side *build)
{
    jt_result res = {0};
    st_error_init(&res.err);
    ex_settings set;
    ex_settings_default(&set);
    set.threads = jc->threads ? jc->threads : 1;
    set.batch_rows = jc->batch ? jc->batch : 2048;
    set.memory_limit = jc->mem ? jc->mem : (int64_t)1 << 30;
    ex_query *q = ex_query_new(&set, NULL, NULL);
    lp_ctx *lc = lp_ctx_new(NULL, NULL);
    cr_assert(q && lc);
    lp_col pcols[8], bcols[8], all[16];
    for (int c = 0; c < probe->n_cols; c++)
        pcols[c] = (lp_col){.id = 1 + c, .name = "p", .type = probe->types[c], .nullable = true};
    for (int c = 0; c < build->n_cols; c++)
        bcols[c] = (lp_col){.id = 101 + c, .name = "b", .type = build->types[c], .nullable = true};
    memcpy(all, pcols, sizeof(lp_col) * (size_t)probe->n_cols);
    memcpy(all + probe->n_cols, bcols, sizeof(lp_col) * (size_t)build->n_cols);
    ex_expr *pk[4], *bk[4], *resid = NULL;
    st_error err;
    st_error_init(&err);
    for (int k = 0; k < jc->n_keys; k++) {
        cr_assert_eq(ex_expr_compile(q, jt_col(lc, &pcols[jc->pk[k]]), pcols, probe->n_cols, &pk[k],
                                     &err), ST_OK, "%s", err.msg);
        cr_assert_eq(ex_expr_compile(q, jt_col(lc, &bcols[jc->bk[k]]), bcols, build->n_cols, &bk[k],
                                     &err), ST_OK, "%s", err.msg);
    }
    if (jc->res != RES_NONE) {
        lp_expr *e = jt_cmp(lc, jc->res == RES_LT ? "<" : "<>", jt_col(lc, &pcols[jc->rp]),
                            jt_col(lc, &bcols[jc->rb]));
        cr_assert_eq(ex_expr_compile(q, e, all, probe->n_cols + build->n_cols, &resid, &err), ST_OK,
                     "%s", err.msg);
    }
    ex_join_spec spec = {
        .kind = jc->kind, .probe_keys = pk, .build_keys = bk, .null_eq = jc->null_eq,
        .n_keys = jc->n_keys, .residual = resid, .null_aware = jc->null_aware,
        .probe_types = probe->types, .n_probe = probe->n_cols,
        .build_types = build->types, .n_build = build->n_cols,
    };
    lp_source src = {.kind = LP_SRC_PARQUET, .name = "probe", .path = "/nonexistent/probe"};
    lp_node scan = {.kind = LP_SCAN, .cols = pcols, .n_cols = probe->n_cols, .source = &src,
                    .est_rows = -1, .pos = -1};
    ex_op *scan_op = NULL;
    if (jc->prune) {
        cr_assert_eq(ex_scan_new(q, &scan, &scan_op, &err), ST_OK, "%s", err.msg);
        spec.probe_scan = scan_op;
        spec.probe_scan_col = jc->pk[0];
    }
    ex_op *op = NULL;
    res.rc = jc->nlj ? ex_nljoin_new(q, &spec, &op, &res.err)
                     : ex_hashjoin_new(q, &spec, &op, &res.err);
    jt_out out = {0};
    pthread_mutex_init(&out.lock, NULL);
    if (res.rc == ST_OK) res.rc = jt_run_side(op, q, build, false, set.threads, &out, &res.err);
    if (res.rc == ST_OK) res.rc = jt_run_side(op, q, probe, true, set.threads, &out, &res.err);
    if (res.rc == ST_OK) {
        st_buf b;
        st_buf_init(&b);
        cr_assert_eq(op->ops->explain(op, &b, &err), ST_OK);
        st_buf_append_byte(&b, 0, &err);
        snprintf(res.explain, sizeof res.explain, "%s", (const char *)b.data);
        st_buf_clear(&b);
        if (scan_op) {
            cr_assert_eq(scan_op->ops->explain(scan_op, &b, &err), ST_OK);
            st_buf_append_byte(&b, 0, &err);
            snprintf(res.scan_explain, sizeof res.scan_explain, "%s", (const char *)b.data);
        }
        st_buf_destroy(&b);
    }
    if (out.n > 1) qsort(out.rows, (size_t)out.n, sizeof *out.rows, cmp_str);
    res.rows = out.rows;
    res.n = out.n;
    res.max_chunk = out.max_chunk;
    res.spilled = atomic_load(&q->spilled);
    pthread_mutex_destroy(&out.lock);
    ex_query_free(q);
    lp_ctx_free(lc);
    return res;
}

/* Asserts r holds exactly the rows of want (any order). */
static void jt_expect(jt_result *r, const char *const *want, int n)
{
    cr_assert_eq(r->rc, ST_OK, "join failed: %s", r->err.msg);
    char **w = malloc(sizeof(char *) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) w[i] = (char *)want[i];
    qsort(w, (size_t)n, sizeof *w, cmp_str);
    for (int64_t i = 0; i < r->n && i < n; i++)
        cr_expect_str_eq(r->rows[i], w[i], "row %lld: got %s want %s", (long long)i, r->rows[i],
                         w[i]);
    cr_expect_eq(r->n, n, "got %lld rows, want %d", (long long)r->n, n);
    if (r->n != n)
        for (int64_t i = 0; i < r->n; i++) cr_log_info("got: %s", r->rows[i]);
    free(w);
    jt_result_free(r);
}

/* ---- fixtures ----------------------------------------------------------------------- */

/* probe (a, x): keys 1, 2, 2, NULL, 5; build (b, y): keys 2, 2, 3, NULL, 1. */
static st_arena *fx_arena;
static jt_side fx_probe, fx_build, fx_empty_p, fx_empty_b;
static const vec_type fx_types[2] = {{.id = VEC_INT64}, {.id = VEC_INT64}};

static void fx_setup(void)
{
    fx_arena = st_arena_new(0);
    static const int64_t pa[] = {1, 2, 2, NUL, 5}, px[] = {10, 20, 21, 30, 50};
    static const int64_t bb[] = {2, 2, 3, NUL, 1}, by[] = {200, 201, 300, 400, 100};
    const int64_t *pc[] = {pa, px}, *bc[] = {bb, by};
    ex_chunk **p = st_arena_calloc(fx_arena, 1, sizeof *p);
    ex_chunk **b = st_arena_calloc(fx_arena, 1, sizeof *b);
    p[0] = mk_chunk(fx_arena, 2, 5, pc);
    b[0] = mk_chunk(fx_arena, 2, 5, bc);
    fx_probe = (jt_side){.chunks = p, .n = 1, .types = fx_types, .n_cols = 2};
    fx_build = (jt_side){.chunks = b, .n = 1, .types = fx_types, .n_cols = 2};
    fx_empty_p = (jt_side){.chunks = NULL, .n = 0, .types = fx_types, .n_cols = 2};
    fx_empty_b = fx_empty_p;
}

static void fx_teardown(void)
{
    st_arena_free(fx_arena);
}

static jt_case key1(lp_join_kind kind)
{
    return (jt_case){.kind = kind, .n_keys = 1, .pk = {0}, .bk = {0}};
}

/* ---- hash join kinds --------------------------------------------------------------- */

TestSuite(ex_join, .init = fx_setup, .fini = fx_teardown);

Test(ex_join, inner)
{
    jt_case c = key1(LP_JOIN_INNER);
    jt_result r = jt_run(&c, &fx_probe, &fx_build);
    static const char *const want[] = {"1|10|1|100", "2|20|2|200", "2|20|2|201", "2|21|2|200",
                                       "2|21|2|201"};
    cr_expect(strstr(r.explain, "INNER") && strstr(r.explain, "build rows: 5"), "%s", r.explain);
    jt_expect(&r, want, 5);
}

Test(ex_join, left)
{
    jt_case c = key1(LP_JOIN_LEFT);
    jt_result r = jt_run(&c, &fx_probe, &fx_build);
    static const char *const want[] = {"1|10|1|100", "2|20|2|200", "2|20|2|201", "2|21|2|200",
                                       "2|21|2|201", "NULL|30|NULL|NULL", "5|50|NULL|NULL"};
    jt_expect(&r, want, 7);
}

Test(ex_join, right)
{
    jt_case c = key1(LP_JOIN_RIGHT);
    jt_result r = jt_run(&c, &fx_probe, &fx_build);
    static const char *const want[] = {"1|10|1|100", "2|20|2|200", "2|20|2|201", "2|21|2|200",
                                       "2|21|2|201", "NULL|NULL|3|300", "NULL|NULL|NULL|400"};
    jt_expect(&r, want, 7);
}

Test(ex_join, full)
{
    jt_case c = key1(LP_JOIN_FULL);
    jt_result r = jt_run(&c, &fx_probe, &fx_build);
    static const char *const want[] = {"1|10|1|100", "2|20|2|200", "2|20|2|201", "2|21|2|200",
                                       "2|21|2|201", "NULL|NULL|3|300", "NULL|NULL|NULL|400",
                                       "NULL|30|NULL|NULL", "5|50|NULL|NULL"};
    jt_expect(&r, want, 9);
}

Test(ex_join, semi_and_anti)
{
    jt_case c = key1(LP_JOIN_SEMI);
    jt_result r = jt_run(&c, &fx_probe, &fx_build);
    static const char *const semi[] = {"1|10", "2|20", "2|21"};
    jt_expect(&r, semi, 3);
    c.kind = LP_JOIN_ANTI;
    r = jt_run(&c, &fx_probe, &fx_build);
    static const char *const anti[] = {"NULL|30", "5|50"};
    jt_expect(&r, anti, 2);
}

Test(ex_join, null_aware_anti)
{
    /* The build side has a NULL key: NOT IN keeps nothing. */
    jt_case c = key1(LP_JOIN_ANTI);
    c.null_aware = true;
    jt_result r = jt_run(&c, &fx_probe, &fx_build);
    jt_expect(&r, NULL, 0);
    /* Build keys {2, 3} (the NULL-keyed row dropped by a filter below):
    ** 5 passes, NULL does not. */
    static const int64_t bb[] = {2, 3}, by[] = {1, 2};
    const int64_t *bc[] = {bb, by};
    ex_chunk *b = mk_chunk(fx_arena, 2, 2, bc);
    jt_side build = {.chunks = &b, .n = 1, .types = fx_types, .n_cols = 2};
    r = jt_run(&c, &fx_probe, &build);
    static const char *const want[] = {"1|10", "5|50"};
    jt_expect(&r, want, 2);
    /* Empty build side: every probe row passes, NULL included. */
    r = jt_run(&c, &fx_probe, &fx_empty_b);
    static const char *const all[] = {"1|10", "2|20", "2|21", "NULL|30", "5|50"};
    jt_expect(&r, all, 5);
}

Test(ex_join, mark)
{
    jt_case c = key1(LP_JOIN_MARK);
    jt_result r = jt_run(&c, &fx_probe, &fx_build);
    /* The build side has a NULL key: no match means NULL. */
    static const char *const want[] = {"1|10|true", "2|20|true", "2|21|true", "NULL|30|NULL",
                                       "5|50|NULL"};
    jt_expect(&r, want, 5);
    static const int64_t bb[] = {2, 3}, by[] = {1, 2};
    const int64_t *bc[] = {bb, by};
    ex_chunk *b = mk_chunk(fx_arena, 2, 2, bc);
    jt_side build = {.chunks = &b, .n = 1, .types = fx_types, .n_cols = 2};
    r = jt_run(&c, &fx_probe, &build);
    static const char *const want2[] = {"1|10|false", "2|20|true", "2|21|true", "NULL|30|NULL",
                                        "5|50|false"};
    jt_expect(&r, want2, 5);
    r = jt_run(&c, &fx_probe, &fx_empty_b);
    static const char *const want3[] = {"1|10|false", "2|20|false", "2|21|false", "NULL|30|false",
                                        "5|50|false"};
    jt_expect(&r, want3, 5);
}

Test(ex_join, single)
{
    /* Probe key 2 matches two build rows: an error. */
    jt_case c = key1(LP_JOIN_SINGLE);
    jt_result r = jt_run(&c, &fx_probe, &fx_build);
    cr_expect_eq(r.rc, ST_ERR_ARGUMENT);
    cr_expect_str_eq(r.err.msg, "more than one row returned by a subquery used as an expression");
    jt_result_free(&r);
    /* Keyed on x = y instead: at most one match each. */
    static const int64_t bb[] = {7, 8}, by[] = {20, 50};
    const int64_t *bc[] = {bb, by};
    ex_chunk *b = mk_chunk(fx_arena, 2, 2, bc);
    jt_side build = {.chunks = &b, .n = 1, .types = fx_types, .n_cols = 2};
    c.pk[0] = 1;
    c.bk[0] = 1;
    r = jt_run(&c, &fx_probe, &build);
    static const char *const want[] = {"1|10|NULL|NULL", "2|20|7|20", "2|21|NULL|NULL",
                                       "NULL|30|NULL|NULL", "5|50|8|50"};
    jt_expect(&r, want, 5);
}

Test(ex_join, empty_sides)
{
    lp_join_kind kinds[] = {LP_JOIN_INNER, LP_JOIN_LEFT, LP_JOIN_RIGHT, LP_JOIN_FULL,
                            LP_JOIN_SEMI, LP_JOIN_ANTI, LP_JOIN_MARK, LP_JOIN_SINGLE};
    /* Empty probe side: only RIGHT / FULL produce rows (all build rows). */
    for (size_t i = 0; i < ST_ARRAY_LEN(kinds); i++) {
        jt_case c = key1(kinds[i]);
        jt_result r = jt_run(&c, &fx_empty_p, &fx_build);
        cr_assert_eq(r.rc, ST_OK, "%s", r.err.msg);
        int64_t want = kinds[i] == LP_JOIN_RIGHT || kinds[i] == LP_JOIN_FULL ? 5 : 0;
        cr_expect_eq(r.n, want, "kind %d: %lld rows", (int)kinds[i], (long long)r.n);
        jt_result_free(&r);
    }
    /* Empty build side: LEFT / FULL / SINGLE / ANTI / MARK keep every probe row. */
    for (size_t i = 0; i < ST_ARRAY_LEN(kinds); i++) {
        jt_case c = key1(kinds[i]);
        jt_result r = jt_run(&c, &fx_probe, &fx_empty_b);
        cr_assert_eq(r.rc, ST_OK, "%s", r.err.msg);
        lp_join_kind k = kinds[i];
        int64_t want = k == LP_JOIN_INNER || k == LP_JOIN_RIGHT || k == LP_JOIN_SEMI ? 0 : 5;
        cr_expect_eq(r.n, want, "kind %d: %lld rows", (int)k, (long long)r.n);
        jt_result_free(&r);
    }
}

Test(ex_join, multi_key_null_eq)
{
    /* Keys (a, x) = (b, y); the second key is null-safe. */
    static const int64_t pa[] = {1, 1, NUL, 2}, px[] = {NUL, 5, NUL, 6};
    static const int64_t bb[] = {1, 1, NUL, 2, 2}, by[] = {NUL, 5, NUL, 6, 6};
    const int64_t *pc[] = {pa, px}, *bc[] = {bb, by};
    ex_chunk *p = mk_chunk(fx_arena, 2, 4, pc), *b = mk_chunk(fx_arena, 2, 5, bc);
    jt_side probe = {.chunks = &p, .n = 1, .types = fx_types, .n_cols = 2};
    jt_side build = {.chunks = &b, .n = 1, .types = fx_types, .n_cols = 2};
    jt_case c = {.kind = LP_JOIN_INNER, .n_keys = 2, .pk = {0, 1}, .bk = {0, 1},
                 .null_eq = {false, true}};
    jt_result r = jt_run(&c, &probe, &build);
    static const char *const want[] = {"1|NULL|1|NULL", "1|5|1|5", "2|6|2|6", "2|6|2|6"};
    jt_expect(&r, want, 4);
    /* Both null-safe: (NULL, NULL) matches too. */
    c.null_eq[0] = true;
    r = jt_run(&c, &probe, &build);
    static const char *const want2[] = {"1|NULL|1|NULL", "1|5|1|5", "2|6|2|6", "2|6|2|6",
                                        "NULL|NULL|NULL|NULL"};
    jt_expect(&r, want2, 5);
}

Test(ex_join, residual)
{
    /* a = b AND x < y, y in {200, 201, 300, 400, 100} for b {2, 2, 3, NULL, 1}. */
    static const int64_t pa[] = {2, 2, 1}, px[] = {200, 250, 100};
    const int64_t *pc[] = {pa, px};
    ex_chunk *p = mk_chunk(fx_arena, 2, 3, pc);
    jt_side probe = {.chunks = &p, .n = 1, .types = fx_types, .n_cols = 2};
    jt_case c = key1(LP_JOIN_INNER);
    c.res = RES_LT;
    c.rp = 1;
    c.rb = 1;
    jt_result r = jt_run(&c, &probe, &fx_build);
    static const char *const inner[] = {"2|200|2|201"};
    cr_expect(strstr(r.explain, "residual: yes"), "%s", r.explain);
    jt_expect(&r, inner, 1);
    c.kind = LP_JOIN_LEFT;
    r = jt_run(&c, &probe, &fx_build);
    static const char *const left[] = {"2|200|2|201", "2|250|NULL|NULL", "1|100|NULL|NULL"};
    jt_expect(&r, left, 3);
    c.kind = LP_JOIN_FULL;
    r = jt_run(&c, &probe, &fx_build);
    static const char *const full[] = {"2|200|2|201", "2|250|NULL|NULL", "1|100|NULL|NULL",
                                       "NULL|NULL|2|200", "NULL|NULL|3|300", "NULL|NULL|NULL|400",
                                       "NULL|NULL|1|100"};
    jt_expect(&r, full, 7);
    c.kind = LP_JOIN_SEMI;
    r = jt_run(&c, &probe, &fx_build);
    static const char *const semi[] = {"2|200"};
    jt_expect(&r, semi, 1);
    c.kind = LP_JOIN_ANTI;
    r = jt_run(&c, &probe, &fx_build);
    static const char *const anti[] = {"2|250", "1|100"};
    jt_expect(&r, anti, 2);
    /* SINGLE: the residual leaves one match for key 2. */
    c.kind = LP_JOIN_SINGLE;
    r = jt_run(&c, &probe, &fx_build);
    jt_expect(&r, left, 3);
}

Test(ex_join, mark_residual_null)
{
    /* Build (b, y): y NULL for key 2's second row. Probe x compared with y:
    ** key 2 rows: x < 200 TRUE for x = 100; x = 300: 300 < 200 FALSE and
    ** 300 < NULL is NULL, so the mark is NULL; key 9: no candidate, FALSE. */
    static const int64_t pa[] = {2, 2, 9}, px[] = {100, 300, 1};
    static const int64_t bb[] = {2, 2}, by[] = {200, NUL};
    const int64_t *pc[] = {pa, px}, *bc[] = {bb, by};
    ex_chunk *p = mk_chunk(fx_arena, 2, 3, pc), *b = mk_chunk(fx_arena, 2, 2, bc);
    jt_side probe = {.chunks = &p, .n = 1, .types = fx_types, .n_cols = 2};
    jt_side build = {.chunks = &b, .n = 1, .types = fx_types, .n_cols = 2};
    jt_case c = key1(LP_JOIN_MARK);
    c.res = RES_LT;
    c.rp = 1;
    c.rb = 1;
    jt_result r = jt_run(&c, &probe, &build);
    static const char *const want[] = {"2|100|true", "2|300|NULL", "9|1|false"};
    jt_expect(&r, want, 3);
}

Test(ex_join, string_keys)
{
    static const vec_type st[2] = {{.id = VEC_STRING}, {.id = VEC_INT64}};
    const char *pk[] = {"apple", "pear", NULL, "fig", "pear"};
    const char *bk[] = {"pear", "fig", "kiwi", NULL};
    static const int64_t pv[] = {1, 2, 3, 4, 5}, bv[] = {10, 20, 30, 40};
    ex_chunk *p = st_arena_calloc(fx_arena, 1, sizeof *p), *b = st_arena_calloc(fx_arena, 1,
                                                                                  sizeof *b);
    p->n_rows = 5;
    p->n_cols = 2;
    p->cols = st_arena_calloc(fx_arena, 2, sizeof(vec *));
    p->cols[0] = mk_str(fx_arena, pk, 5);
    p->cols[1] = mk_i64(fx_arena, pv, 5);
    b->n_rows = 4;
    b->n_cols = 2;
    b->cols = st_arena_calloc(fx_arena, 2, sizeof(vec *));
    b->cols[0] = mk_str(fx_arena, bk, 4);
    b->cols[1] = mk_i64(fx_arena, bv, 4);
    jt_side probe = {.chunks = &p, .n = 1, .types = st, .n_cols = 2};
    jt_side build = {.chunks = &b, .n = 1, .types = st, .n_cols = 2};
    jt_case c = key1(LP_JOIN_SEMI);
    c.prune = true;
    jt_result r = jt_run(&c, &probe, &build);
    cr_expect(strstr(r.scan_explain, "dynamic ranges: 1"), "%s", r.scan_explain);
    static const char *const semi[] = {"pear|2", "fig|4", "pear|5"};
    jt_expect(&r, semi, 3);
    c = key1(LP_JOIN_FULL);
    r = jt_run(&c, &probe, &build);
    static const char *const want[] = {"apple|1|NULL|NULL", "pear|2|pear|10", "NULL|3|NULL|NULL",
                                       "fig|4|fig|20", "pear|5|pear|10", "NULL|NULL|kiwi|30",
                                       "NULL|NULL|NULL|40"};
    jt_expect(&r, want, 7);
}

Test(ex_join, dynamic_pruning)
{
    /* INNER: the build keys' range [1, 3] reaches the probe scan. */
    jt_case c = key1(LP_JOIN_INNER);
    c.prune = true;
    jt_result r = jt_run(&c, &fx_probe, &fx_build);
    cr_expect(strstr(r.scan_explain, "dynamic ranges: 1"), "%s", r.scan_explain);
    cr_expect(strstr(r.explain, "probe scan pruned"), "%s", r.explain);
    static const char *const want[] = {"1|10|1|100", "2|20|2|200", "2|20|2|201", "2|21|2|200",
                                       "2|21|2|201"};
    jt_expect(&r, want, 5);
    /* LEFT keeps unmatched probe rows: no range. */
    c.kind = LP_JOIN_LEFT;
    r = jt_run(&c, &fx_probe, &fx_build);
    cr_expect(!strstr(r.scan_explain, "dynamic ranges"), "%s", r.scan_explain);
    cr_expect_eq(r.n, 7);
    jt_result_free(&r);
}

/* ---- bigger inputs: threads, fan-out batches, spilling ------------------------------ */

/* n rows in chunks of `per` rows: column 0 = key(i), column 1 = val(i). */
static jt_side big_side(int64_t n, int64_t per, int64_t kmul, int64_t kmod, int64_t vmul)
{
    int n_chunks = (int)((n + per - 1) / per);
    ex_chunk **cs = st_arena_calloc(fx_arena, (size_t)n_chunks, sizeof *cs);
    int64_t *k = malloc(sizeof(int64_t) * (size_t)per), *v = malloc(sizeof(int64_t) * (size_t)per);
    for (int c = 0; c < n_chunks; c++) {
        int64_t m = ST_MIN(per, n - c * per);
        for (int64_t j = 0; j < m; j++) {
            int64_t i = c * per + j;
            k[j] = (i * kmul) % kmod;
            v[j] = i * vmul;
        }
        const int64_t *cols[] = {k, v};
        cs[c] = mk_chunk(fx_arena, 2, m, cols);
    }
    free(k);
    free(v);
    return (jt_side){.chunks = cs, .n = n_chunks, .types = fx_types, .n_cols = 2};
}

static void same_rows(jt_result *a, jt_result *b)
{
    cr_assert_eq(a->rc, ST_OK, "%s", a->err.msg);
    cr_assert_eq(b->rc, ST_OK, "%s", b->err.msg);
    cr_assert_eq(a->n, b->n, "%lld vs %lld rows", (long long)a->n, (long long)b->n);
    for (int64_t i = 0; i < a->n; i++)
        cr_assert_str_eq(a->rows[i], b->rows[i], "row %lld", (long long)i);
}

Test(ex_join, threads_and_fanout)
{
    /* Build: 4000 rows, keys 0..99 (40 each); probe: 3000 rows, keys 0..149.
    ** Inner: keys < 100 of the probe (2000 rows) x 40 = 80000 pairs, in
    ** chunks of at most batch_rows. */
    jt_side build = big_side(4000, 500, 1, 100, 1);
    jt_side probe = big_side(3000, 700, 1, 150, 1);
    jt_case c = key1(LP_JOIN_INNER);
    c.batch = 1000;
    jt_result one = jt_run(&c, &probe, &build);
    cr_assert_eq(one.rc, ST_OK, "%s", one.err.msg);
    cr_expect_eq(one.n, 80000);
    cr_expect_leq(one.max_chunk, 1000);
    c.threads = 2;
    jt_result two = jt_run(&c, &probe, &build);
    same_rows(&one, &two);
    cr_expect_leq(two.max_chunk, 1000);
    jt_result_free(&one);
    jt_result_free(&two);
    /* Full join on two threads: unmatched both ways. */
    c.kind = LP_JOIN_FULL;
    c.threads = 1;
    one = jt_run(&c, &probe, &build);
    c.threads = 2;
    two = jt_run(&c, &probe, &build);
    same_rows(&one, &two);
    cr_expect_eq(one.n, 80000 + 1000);
    jt_result_free(&one);
    jt_result_free(&two);
}

Test(ex_join, spill_grace, .timeout = 120)
{
    /* 300k build rows (unique keys 0, 2, 4, ...), 200k probe rows (keys
    ** 0..199999): half the probe rows match. 1 MiB forces partitions.
    ** ANTI with x < y: the 100000 odd keys, and key 0 (0 < 0 fails). */
    jt_side build = big_side(300000, 2048, 2, INT64_MAX, 3);
    jt_side probe = big_side(200000, 2048, 1, INT64_MAX, 1);
    lp_join_kind kinds[] = {LP_JOIN_INNER, LP_JOIN_FULL, LP_JOIN_MARK, LP_JOIN_ANTI};
    int64_t want[] = {100000, 100000 + 100000 + 200000, 200000, 100001};
    for (size_t i = 0; i < ST_ARRAY_LEN(kinds); i++) {
        jt_case c = key1(kinds[i]);
        c.threads = 2;
        if (kinds[i] == LP_JOIN_ANTI) {
            c.res = RES_LT;
            c.rp = 1;
            c.rb = 1;
        }
        jt_result mem = jt_run(&c, &probe, &build);
        cr_assert_eq(mem.rc, ST_OK, "%s", mem.err.msg);
        cr_expect_eq(mem.spilled, 0);
        cr_expect_eq(mem.n, want[i], "kind %d: %lld rows", (int)kinds[i], (long long)mem.n);
        c.mem = 1 << 20;
        c.prune = kinds[i] == LP_JOIN_INNER;     /* the range is kept while spilling too */
        jt_result sp = jt_run(&c, &probe, &build);
        cr_assert_eq(sp.rc, ST_OK, "%s", sp.err.msg);
        if (c.prune) cr_expect(strstr(sp.scan_explain, "dynamic ranges: 1"), "%s", sp.scan_explain);
        cr_expect_gt(sp.spilled, 0);
        cr_expect(strstr(sp.explain, "spilled"), "%s", sp.explain);
        same_rows(&mem, &sp);
        jt_result_free(&mem);
        jt_result_free(&sp);
    }
}

Test(ex_join, spill_repartition, .timeout = 120)
{
    /* At 64 KiB even a 1/64 partition of the 300k build rows is too big:
    ** partitions are split again by the next hash bits. */
    jt_side build = big_side(300000, 2048, 2, INT64_MAX, 3);
    jt_side probe = big_side(200000, 2048, 1, INT64_MAX, 1);
    jt_case c = key1(LP_JOIN_FULL);
    jt_result mem = jt_run(&c, &probe, &build);
    c.mem = 64 * 1024;
    jt_result sp = jt_run(&c, &probe, &build);
    cr_expect(strstr(sp.explain, "repartitioned"), "%s", sp.explain);
    cr_expect_eq(sp.n, 400000);
    same_rows(&mem, &sp);
    jt_result_free(&mem);
    jt_result_free(&sp);
}

Test(ex_join, spill_at_finalize)
{
    /* 4000 build rows fit in 160 KB, but not twice over plus the table:
    ** finalize (or already the sink) falls back to partitions. */
    jt_side build = big_side(4000, 500, 1, 100, 1);
    jt_side probe = big_side(3000, 700, 1, 150, 1);
    jt_case c = key1(LP_JOIN_FULL);
    jt_result mem = jt_run(&c, &probe, &build);
    c.mem = 160 * 1024;
    jt_result sp = jt_run(&c, &probe, &build);
    cr_expect_gt(sp.spilled, 0);
    cr_expect_eq(mem.spilled, 0);
    same_rows(&mem, &sp);
    jt_result_free(&mem);
    jt_result_free(&sp);
}

/* ---- nested loop -------------------------------------------------------------------- */

Test(ex_join, direct_and_hashed_tables)
{
    /* One int key: a dense build key range gets the direct table (chains by
    ** value), a sparse one the hashed table; both give the same rows.
    ** Build keys k * mul for k = 0..2999 (each twice: duplicates chain),
    ** probe keys j * mul for j = -500..3499 plus NULLs: 3000 probe rows
    ** match two build rows each. */
    int64_t muls[] = {1, 1000003};
    for (size_t m = 0; m < ST_ARRAY_LEN(muls); m++) {
        int64_t mul = muls[m];
        int64_t *bk = malloc(sizeof(int64_t) * 6000), *bv = malloc(sizeof(int64_t) * 6000);
        int64_t *pk = malloc(sizeof(int64_t) * 4100), *pv = malloc(sizeof(int64_t) * 4100);
        for (int64_t i = 0; i < 6000; i++) {
            bk[i] = (i % 3000) * mul;
            bv[i] = i;
        }
        for (int64_t j = 0; j < 4100; j++) {
            pk[j] = j < 4000 ? (j - 500) * mul : NUL;
            pv[j] = j;
        }
        const int64_t *bc[] = {bk, bv}, *pc[] = {pk, pv};
        ex_chunk *b = mk_chunk(fx_arena, 2, 6000, bc), *p = mk_chunk(fx_arena, 2, 4100, pc);
        jt_side build = {.chunks = &b, .n = 1, .types = fx_types, .n_cols = 2};
        jt_side probe = {.chunks = &p, .n = 1, .types = fx_types, .n_cols = 2};
        jt_case c = key1(LP_JOIN_INNER);
        jt_result r = jt_run(&c, &probe, &build);
        cr_assert_eq(r.rc, ST_OK, "%s", r.err.msg);
        cr_expect_eq(r.n, 6000);
        bool direct = strstr(r.explain, "direct table") != NULL;
        cr_expect_eq(direct, mul == 1, "mul %lld: %s", (long long)mul, r.explain);
        /* Each row pairs equal keys: probe key == build key. */
        for (int64_t i = 0; i < r.n; i++) {
            long long a1, x1, b1, y1;
            cr_assert_eq(sscanf(r.rows[i], "%lld|%lld|%lld|%lld", &a1, &x1, &b1, &y1), 4);
            cr_assert_eq(a1, b1, "%s", r.rows[i]);
            cr_assert_eq(a1, (x1 - 500) * mul, "%s", r.rows[i]);
        }
        jt_result_free(&r);
        c.kind = LP_JOIN_ANTI;
        r = jt_run(&c, &probe, &build);
        cr_expect_eq(r.n, 500 + 500 + 100, "mul %lld", (long long)mul);
        jt_result_free(&r);
        free(bk);
        free(bv);
        free(pk);
        free(pv);
    }
}

/* ---- RIGHT SEMI / RIGHT ANTI (the swapped SEMI / ANTI: build rows out) ------------ */

Test(ex_join, right_semi_and_anti)
{
    /* probe keys 1, 2, 2, NULL, 5; build keys 2, 2, 3, NULL, 1: each matched
    ** build row comes out once (key 2 meets two probe rows), the NULL-key
    ** build row never matches. */
    jt_case c = key1(LP_JOIN_RIGHT_SEMI);
    jt_result r = jt_run(&c, &fx_probe, &fx_build);
    static const char *const semi[] = {"2|200", "2|201", "1|100"};
    cr_expect(strstr(r.explain, "RIGHT SEMI"), "%s", r.explain);
    jt_expect(&r, semi, 3);
    c.kind = LP_JOIN_RIGHT_ANTI;
    r = jt_run(&c, &fx_probe, &fx_build);
    static const char *const anti[] = {"3|300", "NULL|400"};
    cr_expect(strstr(r.explain, "RIGHT ANTI"), "%s", r.explain);
    jt_expect(&r, anti, 2);
    /* Empty probe side: SEMI keeps nothing, ANTI every build row. */
    c.kind = LP_JOIN_RIGHT_SEMI;
    r = jt_run(&c, &fx_empty_p, &fx_build);
    jt_expect(&r, NULL, 0);
    c.kind = LP_JOIN_RIGHT_ANTI;
    r = jt_run(&c, &fx_empty_p, &fx_build);
    static const char *const all[] = {"2|200", "2|201", "3|300", "NULL|400", "1|100"};
    jt_expect(&r, all, 5);
    /* Empty build side: nothing either way. */
    r = jt_run(&c, &fx_probe, &fx_empty_b);
    jt_expect(&r, NULL, 0);
}

Test(ex_join, right_semi_anti_residual)
{
    /* a = b AND x < y over probe (2, 200), (2, 250), (1, 100): only build
    ** row (2, 201) has a probe row passing both. */
    static const int64_t pa[] = {2, 2, 1}, px[] = {200, 250, 100};
    const int64_t *pc[] = {pa, px};
    ex_chunk *p = mk_chunk(fx_arena, 2, 3, pc);
    jt_side probe = {.chunks = &p, .n = 1, .types = fx_types, .n_cols = 2};
    jt_case c = key1(LP_JOIN_RIGHT_SEMI);
    c.res = RES_LT;
    c.rp = 1;
    c.rb = 1;
    jt_result r = jt_run(&c, &probe, &fx_build);
    static const char *const semi[] = {"2|201"};
    jt_expect(&r, semi, 1);
    c.kind = LP_JOIN_RIGHT_ANTI;
    r = jt_run(&c, &probe, &fx_build);
    static const char *const anti[] = {"2|200", "3|300", "NULL|400", "1|100"};
    jt_expect(&r, anti, 4);
}

Test(ex_join, right_semi_anti_big, .timeout = 120)
{
    /* Build keys 0, 2, 4, ... (300k rows), probe keys 0..199999 twice over
    ** (400k rows, so every matched build row meets two probe rows): RIGHT
    ** SEMI keeps the 100000 build rows under 200000, RIGHT ANTI the other
    ** 200000; two threads, in memory and spilled at 1 MiB, with pruning. */
    jt_side build = big_side(300000, 2048, 2, INT64_MAX, 3);
    jt_side probe = big_side(400000, 2048, 1, 200000, 1);
    lp_join_kind kinds[] = {LP_JOIN_RIGHT_SEMI, LP_JOIN_RIGHT_ANTI};
    int64_t want[] = {100000, 200000};
    for (size_t i = 0; i < ST_ARRAY_LEN(kinds); i++) {
        jt_case c = key1(kinds[i]);
        c.threads = 2;
        jt_result mem = jt_run(&c, &probe, &build);
        cr_assert_eq(mem.rc, ST_OK, "%s", mem.err.msg);
        cr_expect_eq(mem.n, want[i], "kind %d: %lld rows", (int)kinds[i], (long long)mem.n);
        /* Every output row is a build row (key, 3 * index): key < 200000
        ** exactly for SEMI. */
        for (int64_t j = 0; j < mem.n; j++) {
            long long k = atoll(mem.rows[j]);
            cr_assert(kinds[i] == LP_JOIN_RIGHT_SEMI ? k < 200000 : k >= 200000, "%s",
                      mem.rows[j]);
        }
        c.mem = 1 << 20;
        c.prune = true;
        jt_result sp = jt_run(&c, &probe, &build);
        cr_assert_eq(sp.rc, ST_OK, "%s", sp.err.msg);
        cr_expect_gt(sp.spilled, 0);
        cr_expect(strstr(sp.scan_explain, "dynamic ranges: 1"), "%s", sp.scan_explain);
        same_rows(&mem, &sp);
        jt_result_free(&mem);
        jt_result_free(&sp);
    }
}

Test(ex_join, nlj_non_equi)
{
    /* x < y over probe x {10, 20, 21, 30, 50} and build y {200, 201, 300,
    ** 400, 100} plus a probe row with x = 250 and one with x NULL. */
    static const int64_t pa[] = {1, 2, 3}, px[] = {250, 150, NUL};
    const int64_t *pc[] = {pa, px};
    ex_chunk *p = mk_chunk(fx_arena, 2, 3, pc);
    jt_side probe = {.chunks = &p, .n = 1, .types = fx_types, .n_cols = 2};
    jt_case c = {.kind = LP_JOIN_INNER, .nlj = true, .res = RES_LT, .rp = 1, .rb = 1};
    jt_result r = jt_run(&c, &probe, &fx_build);
    static const char *const inner[] = {"1|250|3|300", "1|250|NULL|400", "2|150|2|200",
                                        "2|150|2|201", "2|150|3|300", "2|150|NULL|400"};
    cr_expect(strstr(r.explain, "residual: yes"), "%s", r.explain);
    jt_expect(&r, inner, 6);
    c.kind = LP_JOIN_LEFT;
    r = jt_run(&c, &probe, &fx_build);
    static const char *const left[] = {"1|250|3|300", "1|250|NULL|400", "2|150|2|200",
                                       "2|150|2|201", "2|150|3|300", "2|150|NULL|400",
                                       "3|NULL|NULL|NULL"};
    jt_expect(&r, left, 7);
    c.kind = LP_JOIN_RIGHT;
    r = jt_run(&c, &probe, &fx_build);
    static const char *const right[] = {"1|250|3|300", "1|250|NULL|400", "2|150|2|200",
                                        "2|150|2|201", "2|150|3|300", "2|150|NULL|400",
                                        "NULL|NULL|1|100"};
    jt_expect(&r, right, 7);
    c.kind = LP_JOIN_ANTI;
    r = jt_run(&c, &probe, &fx_build);
    static const char *const anti[] = {"3|NULL"};
    jt_expect(&r, anti, 1);
    c.kind = LP_JOIN_FULL;
    r = jt_run(&c, &probe, &fx_build);
    static const char *const full[] = {"1|250|3|300", "1|250|NULL|400", "2|150|2|200",
                                       "2|150|2|201", "2|150|3|300", "2|150|NULL|400",
                                       "3|NULL|NULL|NULL", "NULL|NULL|1|100"};
    jt_expect(&r, full, 8);
    c.kind = LP_JOIN_SEMI;
    c.threads = 2;
    r = jt_run(&c, &probe, &fx_build);
    static const char *const semi[] = {"1|250", "2|150"};
    jt_expect(&r, semi, 2);
    c.kind = LP_JOIN_SINGLE;
    r = jt_run(&c, &probe, &fx_build);
    cr_expect_eq(r.rc, ST_ERR_ARGUMENT);
    jt_result_free(&r);
    c.threads = 1;
    /* MARK: x NULL compares NULL with every y: NULL; 1000 < nothing: FALSE. */
    static const int64_t qa[] = {1, 2, 3}, qx[] = {250, 1000, NUL};
    const int64_t *qc[] = {qa, qx};
    ex_chunk *p2 = mk_chunk(fx_arena, 2, 3, qc);
    jt_side probe2 = {.chunks = &p2, .n = 1, .types = fx_types, .n_cols = 2};
    c.kind = LP_JOIN_MARK;
    r = jt_run(&c, &probe2, &fx_build);
    static const char *const mark[] = {"1|250|true", "2|1000|false", "3|NULL|NULL"};
    jt_expect(&r, mark, 3);
}

Test(ex_join, nlj_cross)
{
    jt_case c = {.kind = LP_JOIN_INNER, .nlj = true, .batch = 7, .threads = 2};
    jt_result r = jt_run(&c, &fx_probe, &fx_build);
    cr_assert_eq(r.rc, ST_OK, "%s", r.err.msg);
    cr_expect_eq(r.n, 25);
    cr_expect_leq(r.max_chunk, 7);
    cr_expect_str_eq(r.rows[0], "1|10|1|100");
    jt_result_free(&r);
    /* Cross join with an empty build side: LEFT keeps the probe rows. */
    c.kind = LP_JOIN_LEFT;
    r = jt_run(&c, &fx_probe, &fx_empty_b);
    cr_expect_eq(r.n, 5);
    jt_result_free(&r);
    /* The nested-loop constructor refuses keys. */
    ex_query *q = ex_query_new(NULL, NULL, NULL);
    ex_join_spec spec = {.kind = LP_JOIN_INNER, .n_keys = 1};
    ex_op *op = NULL;
    st_error err;
    st_error_init(&err);
    cr_expect_eq(ex_nljoin_new(q, &spec, &op, &err), ST_ERR_INTERNAL);
    ex_query_free(q);
}

Test(ex_join, key_types_must_match)
{
    ex_query *q = ex_query_new(NULL, NULL, NULL);
    lp_ctx *lc = lp_ctx_new(NULL, NULL);
    lp_col pc = {.id = 1, .name = "a", .type = T_I64}, bc = {.id = 2, .name = "b", .type = T_STR};
    ex_expr *pk, *bk;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(ex_expr_compile(q, jt_col(lc, &pc), &pc, 1, &pk, &err), ST_OK);
    cr_assert_eq(ex_expr_compile(q, jt_col(lc, &bc), &bc, 1, &bk, &err), ST_OK);
    ex_join_spec spec = {.kind = LP_JOIN_INNER, .n_keys = 1, .probe_keys = &pk,
                         .build_keys = &bk, .probe_types = &T_I64, .n_probe = 1,
                         .build_types = &T_STR, .n_build = 1};
    ex_op *op = NULL;
    cr_expect_eq(ex_hashjoin_new(q, &spec, &op, &err), ST_ERR_INTERNAL);
    cr_expect_str_eq(err.msg, "join key 1 has types bigint and string");
    ex_query_free(q);
    lp_ctx_free(lc);
}
