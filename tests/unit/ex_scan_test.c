/* ex_scan_test.c -- the scan source operator (ex_scan.c) driven directly
** (source_init, then source_next on two worker threads): Parquet files with
** several row groups (projection, every row exactly once, row-group pruning
** from comparison / IN / IS NULL / widening-cast hints and from
** ex_scan_add_range, count-only scans from footers, multi-file schemas
** matched by name with widening and missing columns as NULL, more files
** than are kept open, errors naming the file), a partitioned Delta table
** written through the txn API (file pruning by partition values and by
** stats, date and millisecond-truncated timestamp stats, count-only from
** stats, a missing data file named in the error), a hand-written Delta
** table whose one file of 4 row groups carries an inline deletion vector
** (row-group morsels keep file row positions), the golden deletion-vector
** tables, CSV and NDJSON files, and the EXPLAIN line. */
#include <criterion/criterion.h>
#include <roaring/roaring.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/exec.h"
#include "format/parquet/pq.h"
#include "test_util.h"

#define GOLDEN "/work/shared/testdata/delta/golden"
#define MAX_ID 4096

/* ---- the Parquet test schema: id bigint, v int, s string ---------------------- */

static vec_field pq_fields[3] = {
    {.name = "id", .type = {.id = VEC_INT64}, .nullable = true},
    {.name = "v", .type = {.id = VEC_INT32}, .nullable = true},
    {.name = "s", .type = {.id = VEC_STRING}, .nullable = true},
};
static vec_schema pq_schema = {.n_fields = 3, .fields = pq_fields};

/* A file with rows id = from .. from+n-1, v = id % 7, s = "s<id>", in row
** groups of rg_rows rows. */
static void write_pq(const char *path, int64_t from, int64_t n, int64_t rg_rows)
{
    st_error err;
    st_error_init(&err);
    vec_batch *b = vec_batch_new(&pq_schema, 3, 0);
    vec_builder *bi = vec_builder_new(&pq_fields[0].type), *bv = vec_builder_new(&pq_fields[1].type),
                *bs = vec_builder_new(&pq_fields[2].type);
    for (int64_t i = from; i < from + n; i++) {
        char s[32];
        snprintf(s, sizeof s, "s%" PRId64, i);
        cr_assert_eq(vec_builder_append_i64(bi, i, &err), ST_OK);
        cr_assert_eq(vec_builder_append_i64(bv, i % 7, &err), ST_OK);
        cr_assert_eq(vec_builder_append_bytes(bs, s, strlen(s), &err), ST_OK);
    }
    cr_assert_eq(vec_builder_finish(bi, b->arena, &b->cols[0], &err), ST_OK);
    cr_assert_eq(vec_builder_finish(bv, b->arena, &b->cols[1], &err), ST_OK);
    cr_assert_eq(vec_builder_finish(bs, b->arena, &b->cols[2], &err), ST_OK);
    vec_builder_free(bi);
    vec_builder_free(bv);
    vec_builder_free(bs);
    b->n_rows = n;
    pq_write_options wo = {.codec = 0, .row_group_rows = rg_rows};
    pq_writer *w = NULL;
    cr_assert_eq(pq_writer_open(path, &pq_schema, &wo, &w, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(pq_writer_write(w, b, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(pq_writer_close(w, NULL, &err), ST_OK, "%s", err.msg);
    vec_batch_free(b);
}

/* ---- plan building -------------------------------------------------------------- */

static lp_source *new_source(lp_ctx *c, lp_source_kind kind, const char *path, char **files,
                             int n_files, const vec_schema *schema)
{
    lp_source *s = st_arena_calloc(c->arena, 1, sizeof *s);
    s->kind = kind;
    s->name = path;
    s->path = path;
    s->files = files;
    s->n_files = n_files;
    s->schema = *schema;
    s->est_rows = -1;
    csv_options_init(&s->csv);
    return s;
}

/* A scan of the source fields fields[0..n). */
static lp_node *scan_node(lp_ctx *c, lp_source *src, const int *fields, int n)
{
    lp_node *node = lp_node_new(c, LP_SCAN, -1);
    node->source = src;
    node->n_cols = n;
    node->cols = st_arena_calloc(c->arena, (size_t)n + 1, sizeof(lp_col));
    node->scan_fields = st_arena_calloc(c->arena, (size_t)n + 1, sizeof(int));
    for (int i = 0; i < n; i++) {
        const vec_field *f = &src->schema.fields[fields[i]];
        node->cols[i] = (lp_col){.id = lp_ctx_new_col(c), .name = f->name, .type = f->type,
                                 .nullable = true};
        node->scan_fields[i] = fields[i];
    }
    return node;
}

static void add_filter(lp_ctx *c, lp_node *node, lp_expr *e)
{
    lp_expr **f = st_arena_calloc(c->arena, (size_t)node->n_filters + 1, sizeof *f);
    for (int i = 0; i < node->n_filters; i++)
        f[i] = node->filters[i];
    f[node->n_filters++] = e;
    node->filters = f;
}

/* op(a, b) with the comparison resolved through the function library. */
static lp_expr *cmp(lp_ctx *c, const char *op, lp_expr *a, lp_expr *b)
{
    st_error err;
    st_error_init(&err);
    fn_arg_info args[2] = {{.type = &a->type, .is_const = a->kind == LP_X_CONST, .value = a->value},
                           {.type = &b->type, .is_const = b->kind == LP_X_CONST, .value = b->value}};
    fn_bound *fb = st_arena_calloc(c->arena, 1, sizeof *fb);
    cr_assert_eq(fn_resolve(op, args, 2, c->arena, fb, &err), ST_OK, "%s", err.msg);
    lp_expr *e = lp_expr_new(c, LP_X_CALL, -1);
    e->fn = fb;
    e->type = fb->ret;
    e->args = st_arena_calloc(c->arena, 2, sizeof(lp_expr *));
    e->args[0] = a;
    e->args[1] = b;
    e->n_args = 2;
    return e;
}

static lp_expr *col_ref(lp_ctx *c, const lp_node *node, int i)
{
    return lp_expr_col(c, &node->cols[i]);
}

static lp_expr *int_const(lp_ctx *c, vec_type_id id, int64_t v)
{
    vec_type t = {.id = id};
    vec_scalar s = {.i64 = v};
    return lp_expr_const(c, &t, &s);
}

static lp_expr *str_const(lp_ctx *c, const char *v)
{
    vec_type t = {.id = VEC_STRING};
    vec_scalar s = {.bytes = (const uint8_t *)v, .n_bytes = (int64_t)strlen(v)};
    return lp_expr_const(c, &t, &s);
}

/* ---- driving the operator on two threads ----------------------------------------- */

typedef struct run_result {
    int64_t  rows;
    int64_t  chunks;
    int64_t  id_sum;
    int      seen[MAX_ID];     /* times each id came out */
    int      nulls[8];         /* NULL values per output column */
    bool     bad;              /* a check failed on a worker */
    char     why[256];
    st_status rc;
    char     msg[ST_ERROR_MSG_MAX];
} run_result;

typedef struct worker {
    ex_op          *op;
    ex_thread      *t;
    run_result     *r;
    pthread_mutex_t *mu;
    int             id_col;    /* output column holding id (bigint), -1 none */
    int             s_col;     /* output column holding "s<id>", -1 none */
} worker;

static void fail(worker *w, const char *why)
{
    pthread_mutex_lock(w->mu);
    if (!w->r->bad)
        snprintf(w->r->why, sizeof w->r->why, "%s", why);
    w->r->bad = true;
    pthread_mutex_unlock(w->mu);
}

static void check_chunk(worker *w, const ex_chunk *c)
{
    if (c->n_cols != w->op->n_types) {
        fail(w, "chunk has the wrong column count");
        return;
    }
    for (int j = 0; j < c->n_cols; j++)
        if (c->cols[j]->len != c->n_rows || !vec_type_equal(c->cols[j]->type, &w->op->types[j])) {
            fail(w, "column length or type differs from the operator's");
            return;
        }
    pthread_mutex_lock(w->mu);
    w->r->rows += c->n_rows;
    w->r->chunks++;
    for (int j = 0; j < c->n_cols && j < 8; j++)
        w->r->nulls[j] += (int)c->cols[j]->null_count;
    for (int64_t i = 0; w->id_col >= 0 && i < c->n_rows; i++) {
        const vec *iv = c->cols[w->id_col];
        if (!vec_is_valid(iv, i))
            continue;
        int64_t id = ((const int64_t *)iv->values)[i];
        if (id >= 0 && id < MAX_ID)
            w->r->seen[id]++;
        w->r->id_sum += id;
        if (w->s_col >= 0) {
            const vec *sv = c->cols[w->s_col];
            char want[32];
            snprintf(want, sizeof want, "s%" PRId64, id);
            const int32_t *off = vec_offsets(sv);
            if (!vec_is_valid(sv, i) || (size_t)(off[i + 1] - off[i]) != strlen(want) ||
                memcmp(sv->bytes + off[i], want, strlen(want)) != 0) {
                w->r->bad = true;
                snprintf(w->r->why, sizeof w->r->why, "row id %" PRId64 " has the wrong s", id);
            }
        }
    }
    pthread_mutex_unlock(w->mu);
}

static void *work(void *arg)
{
    worker *w = arg;
    st_error err;
    st_error_init(&err);
    void *local = NULL;
    st_status rc = w->op->ops->source_local(w->op, w->t, &local, &err);
    for (bool done = false; rc == ST_OK && !done;) {
        ex_chunk c;
        rc = w->op->ops->source_next(w->op, local, w->t, &c, &done, &err);
        if (rc == ST_OK && !done)
            check_chunk(w, &c);
        st_arena_reset(w->t->arena);
    }
    if (local)
        w->op->ops->source_local_free(w->op, local);
    if (rc != ST_OK) {
        pthread_mutex_lock(w->mu);
        w->r->rc = rc;
        snprintf(w->r->msg, sizeof w->r->msg, "%s", err.msg);
        pthread_mutex_unlock(w->mu);
    }
    return NULL;
}

/* Runs source_init, then source_next on two threads until both are done. */
static run_result *run_scan(ex_op *op, int id_col, int s_col)
{
    run_result *r = calloc(1, sizeof *r);
    st_error err;
    st_error_init(&err);
    r->rc = op->ops->source_init(op, &err);
    if (r->rc != ST_OK) {
        snprintf(r->msg, sizeof r->msg, "%s", err.msg);
        return r;
    }
    pthread_mutex_t mu;
    pthread_mutex_init(&mu, NULL);
    worker w[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        w[i] = (worker){.op = op, .t = ex_thread_new(op->q, i), .r = r, .mu = &mu,
                        .id_col = id_col, .s_col = s_col};
        pthread_create(&th[i], NULL, work, &w[i]);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        ex_thread_free(w[i].t);
    }
    pthread_mutex_destroy(&mu);
    return r;
}

static ex_query *new_query(int64_t batch_rows)
{
    ex_settings set;
    ex_settings_default(&set);
    set.threads = 2;
    set.batch_rows = batch_rows;
    return ex_query_new(&set, NULL, NULL);
}

static ex_op *new_scan(ex_query *q, const lp_node *node)
{
    st_error err;
    st_error_init(&err);
    ex_op *op = NULL;
    cr_assert_eq(ex_scan_new(q, node, &op, &err), ST_OK, "%s", err.msg);
    cr_assert_not_null(op);
    return op;
}

/* ---- a Parquet fixture: two files of 4 row groups of 100 rows ---------------------- */

typedef struct pq_fixture {
    char    *dir;
    char    *files[3];
    lp_ctx  *c;
    lp_source *src;
} pq_fixture;

static void pq_setup(pq_fixture *fx)
{
    fx->dir = tu_tmp_dir("pq");
    for (int i = 0; i < 2; i++) {
        fx->files[i] = malloc(300);
        snprintf(fx->files[i], 300, "%s/part-%d.parquet", fx->dir, i);
        write_pq(fx->files[i], 400 * i, 400, 100);
    }
    fx->c = lp_ctx_new(NULL, NULL);
    fx->src = new_source(fx->c, LP_SRC_PARQUET, fx->dir, fx->files, 2, &pq_schema);
}

static void pq_teardown(pq_fixture *fx)
{
    lp_ctx_free(fx->c);
    tu_rm_rf(fx->dir);
    for (int i = 0; i < 3; i++)
        free(fx->files[i]);
    free(fx->dir);
}

static void assert_ids_once(const run_result *r, int64_t from, int64_t to)
{
    for (int64_t i = 0; i < MAX_ID; i++)
        cr_assert_eq(r->seen[i], i >= from && i < to ? 1 : 0, "id %" PRId64 " seen %d times", i,
                     r->seen[i]);
}

Test(ex_scan, parquet_all_rows_once_projected)
{
    pq_fixture fx = {0};
    pq_setup(&fx);
    ex_query *q = new_query(64);
    const int fields[] = {2, 0};           /* s, id: reordered projection */
    lp_node *node = scan_node(fx.c, fx.src, fields, 2);
    ex_op *op = new_scan(q, node);
    cr_assert_eq(op->n_types, 2);
    cr_assert_eq(op->types[0].id, VEC_STRING);
    run_result *r = run_scan(op, 1, 0);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    cr_assert(!r->bad, "%s", r->why);
    cr_assert_eq(r->rows, 800);
    assert_ids_once(r, 0, 800);
    /* 8 row groups of 100 rows in chunks of at most 64: 2 chunks each */
    cr_assert_eq(r->chunks, 16);
    int64_t fk, fp, gk, gp;
    ex_scan_counts(op, &fk, &fp, &gk, &gp);
    cr_assert(fk == 2 && fp == 0 && gk == 8 && gp == 0);
    cr_assert_gt(atomic_load(&op->bytes_read), 0);
    free(r);
    ex_query_free(q);
    pq_teardown(&fx);
}

Test(ex_scan, parquet_row_group_pruning)
{
    pq_fixture fx = {0};
    pq_setup(&fx);
    ex_query *q = new_query(2048);
    const int fields[] = {0, 2};
    lp_node *node = scan_node(fx.c, fx.src, fields, 2);
    /* id >= 250 AND 420 > id: row groups [200,300) [300,400) of file 0 and
    ** [400,500) of file 1 */
    add_filter(fx.c, node, cmp(fx.c, ">=", col_ref(fx.c, node, 0), int_const(fx.c, VEC_INT64, 250)));
    add_filter(fx.c, node, cmp(fx.c, ">", int_const(fx.c, VEC_INT64, 420), col_ref(fx.c, node, 0)));
    ex_op *op = new_scan(q, node);
    run_result *r = run_scan(op, 0, 1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    cr_assert(!r->bad, "%s", r->why);
    assert_ids_once(r, 200, 500);
    int64_t fk, fp, gk, gp;
    ex_scan_counts(op, &fk, &fp, &gk, &gp);
    cr_assert(fk == 2 && fp == 0 && gk == 3 && gp == 5, "%lld %lld %lld %lld", (long long)fk,
              (long long)fp, (long long)gk, (long long)gp);

    st_buf b;
    st_buf_init(&b);
    st_error err;
    st_error_init(&err);
    cr_assert_eq(op->ops->explain(op, &b, &err), ST_OK);
    cr_assert_eq(st_buf_append_byte(&b, 0, &err), ST_OK);
    const char *txt = (const char *)b.data;
    cr_assert(strstr(txt, "parquet ") == txt, "%s", txt);
    cr_assert(strstr(txt, "files: 2 of 2 (0 pruned), row groups: 3 of 8, columns: id, s"), "%s",
              txt);
    cr_assert(strstr(txt, "filters: (id#"), "%s", txt);
    st_buf_destroy(&b);
    free(r);
    ex_query_free(q);
    pq_teardown(&fx);
}

Test(ex_scan, parquet_prunes_whole_files_with_cast_and_in)
{
    pq_fixture fx = {0};
    pq_setup(&fx);
    ex_query *q = new_query(2048);
    const int fields[] = {0, 1};
    lp_node *node = scan_node(fx.c, fx.src, fields, 2);
    /* id IN (10, 150, NULL): groups [0,100) and [100,200) of file 0 */
    lp_expr *in = lp_expr_new(fx.c, LP_X_IN, -1);
    in->type.id = VEC_BOOL;
    in->n_args = 4;
    in->args = st_arena_calloc(fx.c->arena, 4, sizeof(lp_expr *));
    in->args[0] = col_ref(fx.c, node, 0);
    in->args[1] = int_const(fx.c, VEC_INT64, 150);
    in->args[2] = int_const(fx.c, VEC_INT64, 10);
    in->args[3] = lp_expr_const(fx.c, &(vec_type){.id = VEC_INT64}, NULL);
    add_filter(fx.c, node, in);
    /* CAST(v AS BIGINT) <= 6 keeps everything (v is 0..6); an unknown
    ** function is ignored */
    lp_expr *cast = lp_expr_new(fx.c, LP_X_CAST, -1);
    cast->type.id = VEC_INT64;
    cast->n_args = 1;
    cast->args = st_arena_calloc(fx.c->arena, 1, sizeof(lp_expr *));
    cast->args[0] = col_ref(fx.c, node, 1);
    add_filter(fx.c, node, cmp(fx.c, "<=", cast, int_const(fx.c, VEC_INT64, 6)));
    ex_op *op = new_scan(q, node);
    run_result *r = run_scan(op, 0, -1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    assert_ids_once(r, 0, 200);
    int64_t fk, fp, gk, gp;
    ex_scan_counts(op, &fk, &fp, &gk, &gp);
    cr_assert(fk == 1 && fp == 1 && gk == 2 && gp == 6);
    free(r);
    ex_query_free(q);

    /* CAST(v AS BIGINT) > 6 proves every row group empty */
    q = new_query(2048);
    node = scan_node(fx.c, fx.src, fields, 2);
    cast = lp_expr_copy(fx.c, cast);
    cast->args[0] = col_ref(fx.c, node, 1);
    add_filter(fx.c, node, cmp(fx.c, ">", cast, int_const(fx.c, VEC_INT64, 6)));
    op = new_scan(q, node);
    r = run_scan(op, 0, -1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    cr_assert_eq(r->rows, 0);
    ex_scan_counts(op, &fk, &fp, &gk, &gp);
    cr_assert(fk == 0 && fp == 2 && gk == 0 && gp == 8);
    free(r);
    ex_query_free(q);
    pq_teardown(&fx);
}

Test(ex_scan, parquet_string_hint_and_is_null)
{
    pq_fixture fx = {0};
    pq_setup(&fx);
    ex_query *q = new_query(2048);
    const int fields[] = {0, 2};
    lp_node *node = scan_node(fx.c, fx.src, fields, 2);
    /* s = 's450': strings compare bytewise, so the row groups that can hold
    ** it are [400,500) ("s400".."s499") and [0,100) ("s0".."s99") */
    add_filter(fx.c, node, cmp(fx.c, "=", col_ref(fx.c, node, 1), str_const(fx.c, "s450")));
    /* id IS NOT NULL: nothing to prune (no nulls); IS NULL would prune all */
    lp_expr *nn = lp_expr_new(fx.c, LP_X_IS_NULL, -1);
    nn->type.id = VEC_BOOL;
    nn->negated = true;
    nn->n_args = 1;
    nn->args = st_arena_calloc(fx.c->arena, 1, sizeof(lp_expr *));
    nn->args[0] = col_ref(fx.c, node, 0);
    add_filter(fx.c, node, nn);
    ex_op *op = new_scan(q, node);
    run_result *r = run_scan(op, 0, 1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    for (int i = 0; i < 800; i++)
        cr_assert_eq(r->seen[i], i < 100 || (i >= 400 && i < 500), "id %d", i);
    int64_t gk, gp;
    ex_scan_counts(op, NULL, NULL, &gk, &gp);
    cr_assert(gk == 2 && gp == 6);
    free(r);
    ex_query_free(q);

    q = new_query(2048);
    node = scan_node(fx.c, fx.src, fields, 2);
    lp_expr *isn = lp_expr_copy(fx.c, nn);
    isn->negated = false;
    isn->args[0] = col_ref(fx.c, node, 0);
    add_filter(fx.c, node, isn);
    op = new_scan(q, node);
    r = run_scan(op, 0, 1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    cr_assert_eq(r->rows, 0);
    free(r);
    ex_query_free(q);
    pq_teardown(&fx);
}

Test(ex_scan, parquet_dynamic_range)
{
    pq_fixture fx = {0};
    pq_setup(&fx);
    ex_query *q = new_query(2048);
    const int fields[] = {1, 0};
    lp_node *node = scan_node(fx.c, fx.src, fields, 2);
    ex_op *op = new_scan(q, node);
    vec_scalar lo = {.i64 = 390}, hi = {.i64 = 410};
    ex_scan_add_range(op, 1, &lo, &hi);
    run_result *r = run_scan(op, 1, -1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    assert_ids_once(r, 300, 500);
    int64_t gk, gp;
    ex_scan_counts(op, NULL, NULL, &gk, &gp);
    cr_assert(gk == 2 && gp == 6);
    free(r);
    ex_query_free(q);
    pq_teardown(&fx);
}

Test(ex_scan, parquet_count_only_from_footer)
{
    pq_fixture fx = {0};
    pq_setup(&fx);
    ex_query *q = new_query(30);
    lp_node *node = scan_node(fx.c, fx.src, NULL, 0);
    add_filter(fx.c, node, cmp(fx.c, "<", int_const(fx.c, VEC_INT64, 3), int_const(fx.c, VEC_INT64, 4)));
    ex_op *op = new_scan(q, node);
    cr_assert_eq(op->n_types, 0);
    run_result *r = run_scan(op, -1, -1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    cr_assert(!r->bad, "%s", r->why);
    cr_assert_eq(r->rows, 800);
    cr_assert_eq(r->chunks, 8 * 4);      /* 100 rows in chunks of 30, 30, 30, 10 */
    cr_assert_eq(atomic_load(&op->bytes_read), 0);   /* nothing decoded */
    free(r);
    ex_query_free(q);
    pq_teardown(&fx);
}

Test(ex_scan, parquet_schemas_matched_by_name)
{
    pq_fixture fx = {0};
    pq_setup(&fx);
    /* a third file: ID int (narrower, other case), no s column */
    vec_field f3[1] = {{.name = "ID", .type = {.id = VEC_INT32}, .nullable = true}};
    vec_schema s3 = {.n_fields = 1, .fields = f3};
    fx.files[2] = malloc(300);
    snprintf(fx.files[2], 300, "%s/part-2.parquet", fx.dir);
    st_error err;
    st_error_init(&err);
    vec_batch *b = vec_batch_new(&s3, 1, 0);
    vec_builder *bi = vec_builder_new(&f3[0].type);
    for (int i = 800; i < 850; i++)
        cr_assert_eq(vec_builder_append_i64(bi, i, &err), ST_OK);
    cr_assert_eq(vec_builder_finish(bi, b->arena, &b->cols[0], &err), ST_OK);
    vec_builder_free(bi);
    b->n_rows = 50;
    pq_writer *w = NULL;
    cr_assert_eq(pq_writer_open(fx.files[2], &s3, NULL, &w, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(pq_writer_write(w, b, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(pq_writer_close(w, NULL, &err), ST_OK, "%s", err.msg);
    vec_batch_free(b);
    fx.src->n_files = 3;

    ex_query *q = new_query(2048);
    const int fields[] = {0, 2};
    lp_node *node = scan_node(fx.c, fx.src, fields, 2);
    ex_op *op = new_scan(q, node);
    run_result *r = run_scan(op, 0, -1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    cr_assert(!r->bad, "%s", r->why);
    assert_ids_once(r, 0, 850);
    cr_assert_eq(r->nulls[0], 0);
    cr_assert_eq(r->nulls[1], 50);       /* s is missing from the third file */
    free(r);
    ex_query_free(q);
    pq_teardown(&fx);
}

Test(ex_scan, parquet_many_files_reopened_per_thread)
{
    /* more files than the scan keeps open: threads reopen them */
    enum { N_FILES = 70 };
    char *dir = tu_tmp_dir("many");
    char **files = calloc(N_FILES, sizeof *files);
    for (int i = 0; i < N_FILES; i++) {
        files[i] = malloc(300);
        snprintf(files[i], 300, "%s/f%02d.parquet", dir, i);
        write_pq(files[i], 20 * i, 20, 10);
    }
    lp_ctx *c = lp_ctx_new(NULL, NULL);
    lp_source *src = new_source(c, LP_SRC_PARQUET, dir, files, N_FILES, &pq_schema);
    const int fields[] = {0, 2};
    lp_node *node = scan_node(c, src, fields, 2);
    ex_query *q = new_query(7);
    ex_op *op = new_scan(q, node);
    run_result *r = run_scan(op, 0, 1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    cr_assert(!r->bad, "%s", r->why);
    assert_ids_once(r, 0, 20 * N_FILES);
    free(r);
    ex_query_free(q);

    /* id < 100 keeps the 10 row groups of the first 5 files */
    node = scan_node(c, src, fields, 2);
    add_filter(c, node, cmp(c, "<", col_ref(c, node, 0), int_const(c, VEC_INT64, 100)));
    q = new_query(7);
    op = new_scan(q, node);
    r = run_scan(op, 0, 1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    assert_ids_once(r, 0, 100);
    int64_t fk, fp, gk, gp;
    ex_scan_counts(op, &fk, &fp, &gk, &gp);
    cr_assert(fk == 5 && fp == N_FILES - 5 && gk == 10 && gp == 2 * N_FILES - 10);
    free(r);
    ex_query_free(q);
    lp_ctx_free(c);
    tu_rm_rf(dir);
    for (int i = 0; i < N_FILES; i++)
        free(files[i]);
    free(files);
    free(dir);
}

Test(ex_scan, parquet_errors_name_the_file)
{
    char *dir = tu_tmp_dir("bad");
    char path[300];
    snprintf(path, sizeof path, "%s/broken.parquet", dir);
    st_error err;
    st_error_init(&err);
    cr_assert_eq(st_file_write_all(path, "PAR1 not really parquet PAR1", 28, &err), ST_OK);
    lp_ctx *c = lp_ctx_new(NULL, NULL);
    char *files[1] = {path};
    lp_source *src = new_source(c, LP_SRC_PARQUET, dir, files, 1, &pq_schema);
    const int fields[] = {0};
    lp_node *node = scan_node(c, src, fields, 1);
    ex_query *q = new_query(2048);
    ex_op *op = new_scan(q, node);
    cr_assert_neq(op->ops->source_init(op, &err), ST_OK);
    cr_assert(strstr(err.msg, "broken.parquet"), "%s", err.msg);
    ex_query_free(q);
    lp_ctx_free(c);
    tu_rm_rf(dir);
    free(dir);
}

/* ---- Delta ----------------------------------------------------------------------- */

static vec_field dl_fields[3] = {
    {.name = "part", .type = {.id = VEC_STRING}, .nullable = true},
    {.name = "id", .type = {.id = VEC_INT64}, .nullable = true},
    {.name = "x", .type = {.id = VEC_DOUBLE}, .nullable = true},
};
static vec_schema dl_schema = {.n_fields = 3, .fields = dl_fields};

/* Commits rows id = from .. from+n-1 with part = "a"/"b"/"c" by id % 3. */
static void delta_commit_rows(const char *table, bool create, int64_t from, int64_t n)
{
    st_error err;
    st_error_init(&err);
    const char *pc[] = {"part"};
    delta_create_options co = {.schema = &dl_schema, .n_partition_cols = 1, .partition_cols = pc};
    delta_txn *t = NULL;
    cr_assert_eq(delta_txn_begin(table, create ? &co : NULL, &t, &err), ST_OK, "%s", err.msg);
    vec_batch *b = vec_batch_new(&dl_schema, 3, 0);
    vec_builder *bp = vec_builder_new(&dl_fields[0].type), *bi = vec_builder_new(&dl_fields[1].type),
                *bx = vec_builder_new(&dl_fields[2].type);
    for (int64_t i = from; i < from + n; i++) {
        const char *p = i % 3 == 0 ? "a" : i % 3 == 1 ? "b" : "c";
        cr_assert_eq(vec_builder_append_bytes(bp, p, 1, &err), ST_OK);
        cr_assert_eq(vec_builder_append_i64(bi, i, &err), ST_OK);
        cr_assert_eq(vec_builder_append_f64(bx, (double)i / 2, &err), ST_OK);
    }
    cr_assert_eq(vec_builder_finish(bp, b->arena, &b->cols[0], &err), ST_OK);
    cr_assert_eq(vec_builder_finish(bi, b->arena, &b->cols[1], &err), ST_OK);
    cr_assert_eq(vec_builder_finish(bx, b->arena, &b->cols[2], &err), ST_OK);
    vec_builder_free(bp);
    vec_builder_free(bi);
    vec_builder_free(bx);
    b->n_rows = n;
    cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
    vec_batch_free(b);
    int64_t v = -2;
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &v, &err), ST_OK, "%s", err.msg);
}

static lp_source *delta_source(lp_ctx *c, const char *table)
{
    st_error err;
    st_error_init(&err);
    delta_snapshot *s = NULL;
    cr_assert_eq(delta_snapshot_load(table, NULL, &s, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(lp_ctx_add_snapshot(c, s, &err), ST_OK);
    lp_source *src = new_source(c, LP_SRC_DELTA, table, NULL, 0, &s->meta.schema);
    src->snapshot = s;
    return src;
}

/* A partitioned table of 3 commits x 3 partitions = 9 files, ids 0..299. */
static char *delta_table(void)
{
    char *dir = tu_tmp_dir("delta");
    char *table = malloc(320);
    snprintf(table, 320, "%s/t", dir);
    free(dir);
    delta_commit_rows(table, true, 0, 100);
    delta_commit_rows(table, false, 100, 100);
    delta_commit_rows(table, false, 200, 100);
    return table;
}

static void delta_drop(char *table)
{
    char *slash = strrchr(table, '/');
    *slash = '\0';
    tu_rm_rf(table);
    free(table);
}

Test(ex_scan, delta_all_rows_and_partition_values)
{
    char *table = delta_table();
    lp_ctx *c = lp_ctx_new(NULL, NULL);
    lp_source *src = delta_source(c, table);
    cr_assert_eq(src->snapshot->n_files, 9);
    const int fields[] = {1, 0};        /* id, part */
    lp_node *node = scan_node(c, src, fields, 2);
    ex_query *q = new_query(16);
    ex_op *op = new_scan(q, node);
    run_result *r = run_scan(op, 0, -1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    cr_assert(!r->bad, "%s", r->why);
    assert_ids_once(r, 0, 300);
    cr_assert_eq(r->nulls[1], 0);       /* partition values filled in */
    int64_t fk, fp;
    ex_scan_counts(op, &fk, &fp, NULL, NULL);
    cr_assert(fk == 9 && fp == 0);
    cr_assert_gt(atomic_load(&op->bytes_read), 0);
    free(r);
    ex_query_free(q);
    lp_ctx_free(c);
    delta_drop(table);
}

Test(ex_scan, delta_partition_and_stats_pruning)
{
    char *table = delta_table();
    lp_ctx *c = lp_ctx_new(NULL, NULL);
    lp_source *src = delta_source(c, table);
    const int fields[] = {1, 0};
    /* part = 'b': 3 of 9 files */
    lp_node *node = scan_node(c, src, fields, 2);
    add_filter(c, node, cmp(c, "=", col_ref(c, node, 1), str_const(c, "b")));
    ex_query *q = new_query(2048);
    ex_op *op = new_scan(q, node);
    run_result *r = run_scan(op, 0, -1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    int64_t fk, fp;
    ex_scan_counts(op, &fk, &fp, NULL, NULL);
    cr_assert(fk == 3 && fp == 6, "%lld %lld", (long long)fk, (long long)fp);
    for (int i = 0; i < 300; i++)
        cr_assert_eq(r->seen[i], i % 3 == 1, "id %d", i);
    st_buf b;
    st_buf_init(&b);
    st_error err;
    st_error_init(&err);
    cr_assert_eq(op->ops->explain(op, &b, &err), ST_OK);
    cr_assert_eq(st_buf_append_byte(&b, 0, &err), ST_OK);
    cr_assert(strstr((const char *)b.data, "delta ") == (const char *)b.data);
    cr_assert(strstr((const char *)b.data,
                     "files: 3 of 9 (6 pruned), row groups: 3 of 3, columns: id, part"), "%s",
              (const char *)b.data);
    st_buf_destroy(&b);
    free(r);
    ex_query_free(q);

    /* id >= 150 AND part = 'b' (stats and partitions together): the 'b'
    ** files of the second and third commits; rows come back whole files */
    node = scan_node(c, src, fields, 2);
    add_filter(c, node, cmp(c, "=", str_const(c, "b"), col_ref(c, node, 1)));
    add_filter(c, node, cmp(c, ">=", col_ref(c, node, 0), int_const(c, VEC_INT64, 150)));
    q = new_query(2048);
    op = new_scan(q, node);
    r = run_scan(op, 0, -1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    ex_scan_counts(op, &fk, &fp, NULL, NULL);
    cr_assert(fk == 2 && fp == 7, "%lld %lld", (long long)fk, (long long)fp);
    for (int i = 0; i < 300; i++)
        cr_assert_eq(r->seen[i], i % 3 == 1 && i >= 100, "id %d", i);
    free(r);
    ex_query_free(q);

    /* dynamic range on id [20, 40]: the first commit's 3 files */
    node = scan_node(c, src, fields, 2);
    q = new_query(2048);
    op = new_scan(q, node);
    vec_scalar lo = {.i64 = 20}, hi = {.i64 = 40};
    ex_scan_add_range(op, 0, &lo, &hi);
    r = run_scan(op, 0, -1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    ex_scan_counts(op, &fk, &fp, NULL, NULL);
    cr_assert(fk == 3 && fp == 6, "%lld %lld", (long long)fk, (long long)fp);
    assert_ids_once(r, 0, 100);
    free(r);
    ex_query_free(q);
    lp_ctx_free(c);
    delta_drop(table);
}

/* ---- Delta stats on dates and timestamps ---------------------------------------- */

static vec_field tm_fields[3] = {
    {.name = "d", .type = {.id = VEC_DATE}, .nullable = true},
    {.name = "ts", .type = {.id = VEC_TIMESTAMP}, .nullable = true},
    {.name = "id", .type = {.id = VEC_INT64}, .nullable = true},
};
static vec_schema tm_schema = {.n_fields = 3, .fields = tm_fields};

/* Ten rows: d = day0 + i, ts = ts0 + i seconds + 999 micros (so the
** millisecond-truncated stats max is below the real one). */
static void tm_commit(const char *table, bool create, int64_t day0, int64_t ts0, int64_t id0)
{
    st_error err;
    st_error_init(&err);
    delta_create_options co = {.schema = &tm_schema};
    delta_txn *t = NULL;
    cr_assert_eq(delta_txn_begin(table, create ? &co : NULL, &t, &err), ST_OK, "%s", err.msg);
    vec_batch *b = vec_batch_new(&tm_schema, 3, 0);
    for (int c = 0; c < 3; c++) {
        vec_builder *vb = vec_builder_new(&tm_fields[c].type);
        for (int64_t i = 0; i < 10; i++) {
            int64_t v = c == 0 ? day0 + i : c == 1 ? ts0 + i * 1000000 + 999 : id0 + i;
            cr_assert_eq(vec_builder_append_i64(vb, v, &err), ST_OK);
        }
        cr_assert_eq(vec_builder_finish(vb, b->arena, &b->cols[c], &err), ST_OK);
        vec_builder_free(vb);
    }
    b->n_rows = 10;
    cr_assert_eq(delta_txn_write(t, b, &err), ST_OK, "%s", err.msg);
    vec_batch_free(b);
    int64_t v = -2;
    cr_assert_eq(delta_txn_commit(t, "WRITE", NULL, &v, &err), ST_OK, "%s", err.msg);
}

/* Files kept by a scan of (d, ts, id) with one filter `col op value`. */
static int64_t tm_kept(lp_ctx *c, lp_source *src, int col, const char *op, vec_type_id t,
                       int64_t value)
{
    const int fields[] = {0, 1, 2};
    lp_node *node = scan_node(c, src, fields, 3);
    add_filter(c, node, cmp(c, op, col_ref(c, node, col), int_const(c, t, value)));
    ex_query *q = new_query(2048);
    ex_op *op_ = new_scan(q, node);
    run_result *r = run_scan(op_, 2, -1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    int64_t fk;
    ex_scan_counts(op_, &fk, NULL, NULL, NULL);
    cr_assert_eq(r->rows, 10 * fk);
    free(r);
    ex_query_free(q);
    return fk;
}

Test(ex_scan, delta_date_and_timestamp_stats)
{
    char *dir = tu_tmp_dir("tm");
    char table[320];
    snprintf(table, sizeof table, "%s/t", dir);
    int64_t d2020 = st_days_from_civil(2020, 1, 1), d2021 = st_days_from_civil(2021, 1, 1);
    int64_t ts2020 = d2020 * 86400 * INT64_C(1000000), ts2021 = d2021 * 86400 * INT64_C(1000000);
    tm_commit(table, true, d2020, ts2020, 0);
    tm_commit(table, false, d2021, ts2021, 10);
    lp_ctx *c = lp_ctx_new(NULL, NULL);
    lp_source *src = delta_source(c, table);
    cr_assert_eq(src->snapshot->n_files, 2);
    cr_assert_eq(tm_kept(c, src, 0, ">=", VEC_DATE, st_days_from_civil(2020, 6, 1)), 1);
    cr_assert_eq(tm_kept(c, src, 0, "<", VEC_DATE, d2020 + 9), 1);
    cr_assert_eq(tm_kept(c, src, 0, "<=", VEC_DATE, d2021 + 20), 2);
    /* the first file's real max ts is ts2020 + 9 s + 999 us; its stats say
    ** ts2020 + 9 s (milliseconds): a value in between must keep the file */
    int64_t max0 = ts2020 + 9 * 1000000 + 999;
    cr_assert_eq(tm_kept(c, src, 1, ">", VEC_TIMESTAMP, max0 - 499), 2);
    cr_assert_eq(tm_kept(c, src, 1, ">", VEC_TIMESTAMP, max0), 1);
    cr_assert_eq(tm_kept(c, src, 1, "=", VEC_TIMESTAMP, ts2021 + 5 * 1000000 + 999), 1);
    lp_ctx_free(c);
    tu_rm_rf(dir);
    free(dir);
}

Test(ex_scan, delta_missing_file_is_named)
{
    char *table = delta_table();
    lp_ctx *c = lp_ctx_new(NULL, NULL);
    lp_source *src = delta_source(c, table);
    char path[600];
    snprintf(path, sizeof path, "%s/%s", table, src->snapshot->files[4].path);
    cr_assert_eq(unlink(path), 0, "%s", path);
    const char *base = strrchr(src->snapshot->files[4].path, '/');
    base = base ? base + 1 : src->snapshot->files[4].path;
    const int fields[] = {1};
    lp_node *node = scan_node(c, src, fields, 1);
    ex_query *q = new_query(2048);
    ex_op *op = new_scan(q, node);
    run_result *r = run_scan(op, 0, -1);
    cr_assert_neq(r->rc, ST_OK);
    cr_assert(strstr(r->msg, base), "%s", r->msg);
    free(r);
    ex_query_free(q);
    lp_ctx_free(c);
    delta_drop(table);
}

Test(ex_scan, delta_count_only)
{
    char *table = delta_table();
    lp_ctx *c = lp_ctx_new(NULL, NULL);
    lp_source *src = delta_source(c, table);
    lp_node *node = scan_node(c, src, NULL, 0);
    ex_query *q = new_query(2048);
    ex_op *op = new_scan(q, node);
    run_result *r = run_scan(op, -1, -1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    cr_assert(!r->bad, "%s", r->why);
    cr_assert_eq(r->rows, 300);
    cr_assert_eq(atomic_load(&op->bytes_read), 0);   /* counted from the stats */
    free(r);
    ex_query_free(q);
    lp_ctx_free(c);
    delta_drop(table);
}

Test(ex_scan, delta_deletion_vectors)
{
    /* table-with-dv-small: values 0..9, the DV deletes 0 and 9 */
    lp_ctx *c = lp_ctx_new(NULL, NULL);
    lp_source *src = delta_source(c, GOLDEN "/table-with-dv-small");
    const int fields[] = {0};
    lp_node *node = scan_node(c, src, fields, 1);
    /* make the int column come out as bigint for the id checks */
    node->cols[0].type.id = VEC_INT64;
    ex_query *q = new_query(2048);
    ex_op *op = new_scan(q, node);
    run_result *r = run_scan(op, 0, -1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    cr_assert(!r->bad, "%s", r->why);
    cr_assert_eq(r->rows, 8);
    assert_ids_once(r, 1, 9);
    free(r);
    ex_query_free(q);

    /* count(*) with deletion vectors */
    node = scan_node(c, src, NULL, 0);
    q = new_query(2048);
    op = new_scan(q, node);
    r = run_scan(op, -1, -1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    cr_assert_eq(r->rows, 8);
    free(r);
    ex_query_free(q);
    lp_ctx_free(c);
}

Test(ex_scan, delta_dv_partitioned_matches_expected)
{
    lp_ctx *c = lp_ctx_new(NULL, NULL);
    lp_source *src = delta_source(c, GOLDEN "/dv-partitioned-with-checkpoint/delta");
    lp_node *node = scan_node(c, src, NULL, 0);
    ex_query *q = new_query(2048);
    ex_op *op = new_scan(q, node);
    run_result *r = run_scan(op, -1, -1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    /* expected rows: the Spark-written expected/ files */
    int64_t want = 0;
    FILE *ls = popen("ls " GOLDEN "/dv-partitioned-with-checkpoint/expected/*.parquet", "r");
    cr_assert_not_null(ls);
    char line[1024];
    while (fgets(line, sizeof line, ls)) {
        line[strcspn(line, "\n")] = '\0';
        st_error err;
        st_error_init(&err);
        pq_file *f = NULL;
        cr_assert_eq(pq_file_open(line, &f, &err), ST_OK, "%s", err.msg);
        want += pq_file_num_rows(f);
        pq_file_close(f);
    }
    pclose(ls);
    cr_assert_gt(want, 0);
    cr_assert_eq(r->rows, want);
    free(r);
    ex_query_free(q);
    lp_ctx_free(c);
}

/* ---- a hand-written Delta table: one file of 4 row groups, an inline DV ---- */

/* Serializes a RoaringBitmapArray with one 32-bit bitmap (key 0) into buf. */
static size_t bitmap_array(uint8_t *buf, const uint32_t *vals, size_t n)
{
    st_store_le32(buf, 1681511377u);
    st_store_le64(buf + 4, 1);
    st_store_le32(buf + 12, 0);
    roaring_bitmap_t *r = roaring_bitmap_of_ptr(n, vals);
    size_t len = 16 + roaring_bitmap_portable_serialize(r, (char *)buf + 16);
    roaring_bitmap_free(r);
    return len;
}

/* Z85-encodes n bytes (n % 4 == 0). */
static void z85_encode(const uint8_t *p, size_t n, char *out)
{
    static const char al[] =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
    for (size_t i = 0; i < n; i += 4) {
        uint32_t v = ((uint32_t)p[i] << 24) | ((uint32_t)p[i + 1] << 16) |
                     ((uint32_t)p[i + 2] << 8) | p[i + 3];
        for (int k = 4; k >= 0; k--) {
            out[i / 4 * 5 + (size_t)k] = al[v % 85];
            v /= 85;
        }
    }
    out[n / 4 * 5] = '\0';
}

/* Table at dir/t: part-0.parquet (ids 0..399, row groups of 100) with rows
** 5, 150 and 399 deleted by an inline deletion vector. */
static char *dv_table(char *dir)
{
    char *table = malloc(320);
    snprintf(table, 320, "%s/t", dir);
    char path[400];
    snprintf(path, sizeof path, "%s/_delta_log", table);
    cr_assert_eq(mkdir(table, 0755), 0);
    cr_assert_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/part-0.parquet", table);
    write_pq(path, 0, 400, 100);
    struct stat sb;
    cr_assert_eq(stat(path, &sb), 0);
    uint8_t buf[256] = {0};
    const uint32_t del[] = {5, 150, 399};
    size_t n = bitmap_array(buf, del, 3);
    char z85[400];
    z85_encode(buf, (n + 3) / 4 * 4, z85);
    snprintf(path, sizeof path, "%s/_delta_log/00000000000000000000.json", table);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "{\"protocol\":{\"minReaderVersion\":3,\"minWriterVersion\":7,"
               "\"readerFeatures\":[\"deletionVectors\"],\"writerFeatures\":[\"deletionVectors\"]}}\n");
    fprintf(f, "{\"metaData\":{\"id\":\"t1\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"
               "\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":["
               "{\\\"name\\\":\\\"id\\\",\\\"type\\\":\\\"long\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}},"
               "{\\\"name\\\":\\\"v\\\",\\\"type\\\":\\\"integer\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}},"
               "{\\\"name\\\":\\\"s\\\",\\\"type\\\":\\\"string\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}}]}\","
               "\"partitionColumns\":[],\"configuration\":{},\"createdTime\":0}}\n");
    fprintf(f, "{\"add\":{\"path\":\"part-0.parquet\",\"partitionValues\":{},\"size\":%lld,"
               "\"modificationTime\":0,\"dataChange\":true,\"stats\":\"{\\\"numRecords\\\":400,"
               "\\\"minValues\\\":{\\\"id\\\":0},\\\"maxValues\\\":{\\\"id\\\":399},"
               "\\\"nullCount\\\":{\\\"id\\\":0}}\",\"deletionVector\":{\"storageType\":\"i\","
               "\"pathOrInlineDv\":\"%s\",\"sizeInBytes\":%d,\"cardinality\":3}}}\n",
            (long long)sb.st_size, z85, (int)n);
    fclose(f);
    return table;
}

Test(ex_scan, delta_row_group_morsels_with_dv)
{
    char *dir = tu_tmp_dir("dvrg");
    char *table = dv_table(dir);
    lp_ctx *c = lp_ctx_new(NULL, NULL);
    lp_source *src = delta_source(c, table);
    const int fields[] = {0, 2};
    lp_node *node = scan_node(c, src, fields, 2);
    ex_query *q = new_query(32);
    ex_op *op = new_scan(q, node);
    run_result *r = run_scan(op, 0, 1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    cr_assert(!r->bad, "%s", r->why);
    cr_assert_eq(r->rows, 397);
    for (int i = 0; i < 400; i++)
        cr_assert_eq(r->seen[i], i != 5 && i != 150 && i != 399, "id %d", i);
    int64_t fk, fp, gk, gp;
    ex_scan_counts(op, &fk, &fp, &gk, &gp);
    cr_assert(fk == 1 && fp == 0 && gk == 4 && gp == 0);
    free(r);
    ex_query_free(q);

    /* 120 <= id < 260 keeps row groups 1 and 2 of the file */
    node = scan_node(c, src, fields, 2);
    add_filter(c, node, cmp(c, ">=", col_ref(c, node, 0), int_const(c, VEC_INT64, 120)));
    add_filter(c, node, cmp(c, "<", col_ref(c, node, 0), int_const(c, VEC_INT64, 260)));
    q = new_query(32);
    op = new_scan(q, node);
    r = run_scan(op, 0, 1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    cr_assert(!r->bad, "%s", r->why);
    for (int i = 0; i < 400; i++)
        cr_assert_eq(r->seen[i], i >= 100 && i < 300 && i != 150, "id %d", i);
    ex_scan_counts(op, &fk, &fp, &gk, &gp);
    cr_assert(fk == 1 && fp == 0 && gk == 2 && gp == 2);
    free(r);
    ex_query_free(q);

    /* id > 1000: the file's stats prune it before any footer is read */
    node = scan_node(c, src, NULL, 0);
    lp_node *keyed = scan_node(c, src, fields, 1);
    add_filter(c, keyed, cmp(c, ">", col_ref(c, keyed, 0), int_const(c, VEC_INT64, 1000)));
    q = new_query(32);
    op = new_scan(q, keyed);
    r = run_scan(op, 0, -1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    cr_assert_eq(r->rows, 0);
    ex_scan_counts(op, &fk, &fp, &gk, &gp);
    cr_assert(fk == 0 && fp == 1 && gk == 0 && gp == 0);
    free(r);
    ex_query_free(q);

    /* count(*): row groups with the deleted rows taken out */
    q = new_query(32);
    op = new_scan(q, node);
    r = run_scan(op, -1, -1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    cr_assert_eq(r->rows, 397);
    free(r);
    ex_query_free(q);
    lp_ctx_free(c);
    tu_rm_rf(dir);
    free(dir);
    free(table);
}

/* ---- CSV and NDJSON --------------------------------------------------------------- */

static vec_field txt_fields[2] = {
    {.name = "id", .type = {.id = VEC_INT64}, .nullable = true},
    {.name = "s", .type = {.id = VEC_STRING}, .nullable = true},
};
static vec_schema txt_schema = {.n_fields = 2, .fields = txt_fields};

/* Two files of n rows each (ids 0..2n-1), CSV or NDJSON. */
static char *write_text(bool json, char **files, int n)
{
    char *dir = tu_tmp_dir(json ? "json" : "csv");
    for (int k = 0; k < 2; k++) {
        files[k] = malloc(300);
        snprintf(files[k], 300, "%s/f%d.%s", dir, k, json ? "json" : "csv");
        FILE *f = fopen(files[k], "w");
        cr_assert_not_null(f);
        if (!json)
            fprintf(f, "id,s\n");
        for (int i = k * n; i < (k + 1) * n; i++) {
            if (json)
                fprintf(f, "{\"id\": %d, \"s\": \"s%d\"}\n", i, i);
            else
                fprintf(f, "%d,s%d\n", i, i);
        }
        fclose(f);
    }
    return dir;
}

static void text_scan(bool json)
{
    char *files[2];
    char *dir = write_text(json, files, 150);
    lp_ctx *c = lp_ctx_new(NULL, NULL);
    lp_source *src = new_source(c, json ? LP_SRC_JSON : LP_SRC_CSV, dir, files, 2, &txt_schema);
    const int fields[] = {1, 0};        /* s, id */
    lp_node *node = scan_node(c, src, fields, 2);
    ex_query *q = new_query(64);
    ex_op *op = new_scan(q, node);
    run_result *r = run_scan(op, 1, 0);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    cr_assert(!r->bad, "%s", r->why);
    assert_ids_once(r, 0, 300);
    cr_assert_eq(r->chunks, 6);         /* 150 rows per file in chunks of 64 */
    cr_assert_gt(atomic_load(&op->bytes_read), 0);
    free(r);
    ex_query_free(q);

    /* count only */
    node = scan_node(c, src, NULL, 0);
    q = new_query(64);
    op = new_scan(q, node);
    r = run_scan(op, -1, -1);
    cr_assert_eq(r->rc, ST_OK, "%s", r->msg);
    cr_assert_eq(r->rows, 300);
    free(r);
    ex_query_free(q);
    lp_ctx_free(c);
    tu_rm_rf(dir);
    free(dir);
    free(files[0]);
    free(files[1]);
}

Test(ex_scan, csv_files)
{
    text_scan(false);
}

Test(ex_scan, ndjson_files)
{
    text_scan(true);
}

Test(ex_scan, csv_error_names_the_file)
{
    char *files[2];
    char *dir = write_text(false, files, 10);
    FILE *f = fopen(files[1], "a");
    fprintf(f, "12,x,extra\n");
    fclose(f);
    lp_ctx *c = lp_ctx_new(NULL, NULL);
    lp_source *src = new_source(c, LP_SRC_CSV, dir, files, 2, &txt_schema);
    const int fields[] = {0};
    lp_node *node = scan_node(c, src, fields, 1);
    ex_query *q = new_query(64);
    ex_op *op = new_scan(q, node);
    run_result *r = run_scan(op, 0, -1);
    cr_assert_eq(r->rc, ST_ERR_CORRUPT);
    cr_assert(strstr(r->msg, "f1.csv"), "%s", r->msg);
    free(r);
    ex_query_free(q);
    lp_ctx_free(c);
    tu_rm_rf(dir);
    free(dir);
    free(files[0]);
    free(files[1]);
}
