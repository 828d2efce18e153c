/* sql_plan_fuzz.c -- libFuzzer target for the stages after the parser: the
** binder, the optimizer and the physical planner (src/sql, src/exec). Each
** input is parsed; every query statement is bound against a session that
** knows two small views (t and u, over VALUES with ints, strings, decimals,
** dates and NULLs), optimized, checked with lp_verify (a failure is a bug:
** abort) and turned into physical pipelines. Queries are not run (a fuzzed
** cross join could be arbitrarily large). Errors are fine; crashes, leaks,
** overruns and hangs are bugs. Seeds: tests/fuzz/corpus/sql_plan_fuzz/. */
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>

#include "exec/ex_int.h"
#include "sql/bind.h"
#include "sql/opt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static st_status lookup(void *ud, const char *const *parts, int n_parts, st_arena *a,
                        bind_table *out, st_error *err)
{
    (void)ud;
    (void)err;
    const char *n = parts[n_parts - 1];
    memset(out, 0, sizeof *out);
    out->kind = BIND_TABLE_VIEW;
    out->name = st_arena_strdup(a, n);
    if (strcasecmp(n, "t") == 0)
        out->sql = "SELECT * FROM VALUES (1, 'a', 2.50, date '2024-01-01', NULL), "
                   "(2, NULL, -1.25, date '2023-12-31', 'x') AS t(a, b, c, d, e)";
    else if (strcasecmp(n, "u") == 0)
        out->sql = "SELECT * FROM VALUES (1, 10L), (NULL, 20L) AS u(a, f)";
    else
        return ST_ERR_NOTFOUND;
    return out->name ? ST_OK : ST_ERR_NOMEM;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 14)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    st_arena *a = st_arena_new(0);
    sql_stmt_list *l = NULL;
    st_error err;
    st_error_init(&err);
    if (a && sql_parse(text, a, &l, &err) == ST_OK) {
        for (int k = 0; k < l->n_stmts; k++) {
            const sql_stmt *s = l->stmts[k];
            if (s->kind == SQL_S_EXPLAIN && s->inner) s = s->inner;
            if (s->kind != SQL_S_QUERY)
                continue;
            lp_ctx *c = lp_ctx_new(text, NULL);
            if (!c)
                break;
            bind_env env = {.ud = NULL, .lookup = lookup};
            lp_node *root = NULL;
            opt_options oo = {0};
            st_error_init(&err);
            if (sql_bind(c, &env, s->query, &root, &err) == ST_OK) {
                if (lp_verify(root, &err) != ST_OK)
                    abort();
                st_error_init(&err);
                if (opt_optimize(c, &oo, &root, &err) == ST_OK) {
                    if (lp_verify(root, &err) != ST_OK)
                        abort();
                    ex_settings set;
                    ex_settings_default(&set);
                    set.threads = 1;
                    ex_query *q = ex_query_new(&set, NULL, c);
                    ex_plan *plan = NULL;
                    if (q)
                        (void)ex_plan_build(q, root, &plan, &err);
                    ex_query_free(q);
                }
            }
            lp_ctx_free(c);
        }
    }
    st_arena_free(a);
    free(text);
    return 0;
}
