/* sql_parse_model_test.c -- unit tests for the ML statements of the SQL
** parser (CREATE / DROP / ALTER / DESCRIBE MODEL in parse_stmt.c) and the
** MODEL / TABLE arguments of table functions (ML.PREDICT(MODEL m, TABLE t)
** in parse.c): canonical print forms as exact strings, the AST fields, that
** `model` and `table` stay usable as names, and errors with their messages. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "sql/sql.h"

static st_arena *A;

static void setup(void) { A = st_arena_new(0); }
static void teardown(void)
{
    st_arena_free(A);
    A = NULL;
}

TestSuite(sql_parse_model, .init = setup, .fini = teardown);

static sql_stmt *parse1(const char *sql)
{
    sql_stmt_list *l = NULL;
    st_error err;
    st_error_init(&err);
    st_status rc = sql_parse(sql, A, &l, &err);
    cr_assert_eq(rc, ST_OK, "parse of [%s] failed: %s\n%s", sql, err.msg, err.hint);
    cr_assert_eq(l->n_stmts, 1, "[%s]: %d statements", sql, l->n_stmts);
    return l->stmts[0];
}

static void check(const char *sql, const char *want)
{
    sql_stmt *s = parse1(sql);
    st_error err;
    st_buf b;
    st_error_init(&err);
    st_buf_init(&b);
    cr_assert_eq(sql_stmt_format(s, &b, &err), ST_OK);
    char *got = strndup(b.len ? (const char *)b.data : "", b.len);
    st_buf_destroy(&b);
    cr_expect_str_eq(got, want, "sql: %s\n got: %s\nwant: %s", sql, got, want);
    free(got);
}

static void check_err(const char *sql, const char *msg)
{
    sql_stmt_list *l = NULL;
    st_error err;
    st_error_init(&err);
    st_status rc = sql_parse(sql, A, &l, &err);
    cr_assert_eq(rc, ST_ERR_SYNTAX, "sql [%s]: rc %d (%s)", sql, (int)rc, err.msg);
    cr_expect_str_eq(err.msg, msg, "sql: %s", sql);
}

Test(sql_parse_model, create_model)
{
    check("CREATE MODEL churn OPTIONS (model_type = 'random_forest_classifier', "
          "N_Estimators = 100, label_col = 'is_churned') AS SELECT * FROM t",
          "(create-model 'churn' (options ('model_type' 'random_forest_classifier') "
          "('n_estimators' '100') ('label_col' 'is_churned')) (select (items *) (from (table t))))");
    sql_stmt *s = parse1("create or replace model `customer-churn` options (max_depth = 10) "
                         "as select a, b from t where a > 1");
    cr_assert_eq(s->kind, SQL_S_MODEL);
    cr_assert_eq(s->model->op, SQL_MODEL_CREATE);
    cr_assert(s->model->or_replace);
    cr_assert_str_eq(s->model->name, "customer-churn");
    cr_assert_eq(s->model->name_pos, 24);
    cr_assert_str_eq(s->model->query_text, "select a, b from t where a > 1");
    cr_assert_eq(s->model->n_options, 1);
    cr_assert_str_eq(s->model->options[0].key, "max_depth");
    cr_assert_str_eq(s->model->options[0].value, "10");
    s = parse1("CREATE MODEL IF NOT EXISTS 'a-b' OPTIONS (x = true) AS SELECT 1");
    cr_assert(s->model->if_not_exists);
    cr_assert_str_eq(s->model->name, "a-b");
    s = parse1("CREATE MODEL ml.churn OPTIONS (x = 1) AS SELECT 1");
    cr_assert_str_eq(s->model->name, "ml.churn");
}

Test(sql_parse_model, drop_alter_describe)
{
    check("DROP MODEL churn", "(drop-model 'churn')");
    check("DROP MODEL IF EXISTS 'customer-churn'", "(drop-model if-exists 'customer-churn')");
    check("ALTER MODEL churn VERSION 3 SET STAGE 'Production'",
          "(alter-model-stage 'churn' (version '3') (stage 'Production'))");
    check("alter model churn version '12' set stage 'staging' archive existing versions",
          "(alter-model-stage 'churn' (version '12') (stage 'staging') archive-existing)");
    check("ALTER MODEL churn SET ALIAS champion VERSION 3",
          "(alter-model-alias 'churn' (version '3') (alias 'champion'))");
    check("ALTER MODEL churn SET ALIAS 'champion' TO VERSION 4",
          "(alter-model-alias 'churn' (version '4') (alias 'champion'))");
    check("ALTER MODEL churn DROP ALIAS champion",
          "(alter-model-drop-alias 'churn' (alias 'champion'))");
    check("ALTER MODEL churn SET COMMENT 'the churn model'",
          "(alter-model-comment 'churn' (comment 'the churn model'))");
    check("ALTER MODEL churn VERSION 2 SET DESCRIPTION 'v2'",
          "(alter-model-comment 'churn' (version '2') (comment 'v2'))");
    check("DESCRIBE MODEL churn", "(describe-model 'churn')");
    check("DESC MODEL 'customer-churn'", "(describe-model 'customer-churn')");
}

Test(sql_parse_model, table_function_arguments)
{
    check("SELECT * FROM ML.PREDICT(MODEL churn, TABLE customers)",
          "(select (items *) (from (tvf ML.PREDICT (model 'churn') (table (table customers)))))");
    check("SELECT * FROM ml.predict(MODEL 'models:/churn/Production', TABLE (SELECT a FROM t))",
          "(select (items *) (from (tvf ml.predict (model 'models:/churn/Production') "
          "(table (select (items a) (from (table t)))))))");
    check("SELECT * FROM ML.EVALUATE(MODEL churn, (SELECT * FROM t))",
          "(select (items *) (from (tvf ML.EVALUATE (model 'churn') "
          "(subquery (select (items *) (from (table t)))))))");
    check("SELECT * FROM ML.FEATURE_IMPORTANCE(MODEL ml.churn)",
          "(select (items *) (from (tvf ML.FEATURE_IMPORTANCE (model 'ml.churn'))))");
    check("SELECT * FROM ML.PREDICT(MODEL churn, TABLE t VERSION AS OF 3) p",
          "(select (items *) (from (as (tvf ML.PREDICT (model 'churn') "
          "(table (table t (version-as-of 3)))) p)))");
    /* model and table as plain names */
    check("SELECT model, table FROM f(model, table)",
          "(select (items model table) (from (tvf f model table)))");
    check("SELECT * FROM runs('/Users/x/churn')",
          "(select (items *) (from (tvf runs '/Users/x/churn')))");
}

Test(sql_parse_model, names_stay_usable)
{
    check("SELECT model FROM model", "(select (items model) (from (table model)))");
    check("DESCRIBE model", "(describe (table model))");
    check("CREATE TABLE model (a INT)", "(create-table model (columns (col a int)))");
    check("DROP TABLE model", "(drop table model)");
}

Test(sql_parse_model, errors)
{
    check_err("CREATE MODEL m AS SELECT 1", "line 1, column 16: expected OPTIONS at or near \"AS\"");
    check_err("CREATE MODEL m OPTIONS (a = 1) SELECT 1",
              "line 1, column 32: syntax error at or near \"SELECT\"");
    check_err("ALTER MODEL m SET STAGE 'Production'",
              "line 1, column 19: SET STAGE needs VERSION v before it");
    check_err("ALTER MODEL m VERSION x1 SET STAGE 'Production'",
              "line 1, column 23: expected a version number at or near \"x1\"");
    check_err("ALTER MODEL m VERSION '1a' SET STAGE 'Production'",
              "line 1, column 23: a model version is a positive integer");
    check_err("ALTER MODEL m SET ALIAS a", "line 1, column 26: expected VERSION at end of input");
    check_err("CREATE OR REPLACE MODEL IF NOT EXISTS m OPTIONS (a = 1) AS SELECT 1",
              "line 1, column 39: OR REPLACE and IF NOT EXISTS cannot be used together");
}
