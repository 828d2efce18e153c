/* ml_sql_test.c -- the ML workflow end to end through a session with a
** warehouse: CREATE MODEL trains a random forest on a table and tracks the
** run (experiment, run name, params, metrics, model artifact), the registry
** moves versions None -> Staging -> Production with archiving and aliases,
** ML.PREDICT / predict() score new rows from models:/ URIs, ML.EVALUATE and
** ML.FEATURE_IMPORTANCE, the SHOW statements and table functions; scores are
** checked against the same quantities computed independently in SQL, and the
** errors users meet are checked by code and message. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/session.h"
#include "test_util.h"

static ex_session *S;
static char *Dir;

static void setup(void)
{
    S = tu_warehouse_session("mlsql", &Dir);
}

static void teardown(void)
{
    tu_warehouse_session_free(S, Dir);
    S = NULL;
    Dir = NULL;
}

TestSuite(ml_sql, .init = setup, .fini = teardown, .timeout = 120);

/* Rows as "a|b\n" lines in result order (NULL as NULL); heap. */
static char *q(const char *sql)
{
    st_error err;
    st_error_init(&err);
    ex_result *r = NULL;
    st_status rc = ex_session_query(S, sql, &r, &err);
    cr_assert_eq(rc, ST_OK, "%s\n-> %s\n%s", sql, err.msg, err.hint);
    char *t = tu_result_text(r, false);
    ex_result_free(r);
    return t;
}

static void ok(const char *sql) { st_free(q(sql)); }

static void expect(const char *sql, const char *want)
{
    char *got = q(sql);
    cr_assert_str_eq(got, want, "%s\n got: %s\nwant: %s", sql, got, want ? want : "");
    st_free(got);
}

static double num(const char *sql)
{
    char *t = q(sql);
    double v = strtod(t, NULL);
    st_free(t);
    return v;
}

static void fails(const char *sql, st_status code, const char *part)
{
    st_error err;
    st_error_init(&err);
    ex_result *r = NULL;
    st_status rc = ex_session_query(S, sql, &r, &err);
    ex_result_free(r);
    cr_assert_eq(rc, code, "%s -> %d %s", sql, rc, err.msg);
    cr_assert(strstr(err.msg, part), "%s -> '%s' lacks '%s'", sql, err.msg, part);
}

/* Churn-like rows: the label depends on contract, tenure and support calls
** with noise, so a forest learns it well but not perfectly. */
static void make_features(int n)
{
    char sql[2048];
    snprintf(sql, sizeof sql,
             "CREATE OR REPLACE TABLE customer_features AS "
             "SELECT id AS customer_id, "
             "  CASE WHEN abs(xxhash64(id, 'c')) %% 10 < 5 THEN 'month-to-month' "
             "       WHEN abs(xxhash64(id, 'c')) %% 10 < 8 THEN 'one-year' ELSE 'two-year' END "
             "    AS contract, "
             "  CAST(abs(xxhash64(id, 't')) %% 72 AS INT) AS tenure_months, "
             "  CAST(abs(xxhash64(id, 's')) %% 8 AS INT) AS support_calls, "
             "  (abs(xxhash64(id, 'm')) %% 10000) / 100.0 AS monthly_charges, "
             "  (abs(xxhash64(id, 'u')) %% 1000) / 1000.0 AS u "
             "FROM range(1, %d)", n + 1);
    ok(sql);
    ok("CREATE OR REPLACE TABLE customer_features AS "
       "SELECT customer_id, contract, tenure_months, support_calls, monthly_charges, "
       "  u < 1 / (1 + exp(-(-0.5 + CASE contract WHEN 'month-to-month' THEN 1.5 ELSE -1.0 END "
       "          - 0.06 * tenure_months + 0.5 * support_calls))) AS is_churned "
       "FROM customer_features");
    ok("CREATE OR REPLACE TABLE customer_features_train AS "
       "SELECT * FROM customer_features WHERE customer_id % 5 <> 0");
    ok("CREATE OR REPLACE TABLE customer_features_new AS "
       "SELECT customer_id, contract, tenure_months, support_calls, monthly_charges "
       "FROM customer_features WHERE customer_id % 5 = 0");
}

static const char *CREATE_RF =
    "CREATE OR REPLACE MODEL `customer-churn` OPTIONS ("
    " model_type = 'random_forest_classifier', n_estimators = 30, max_depth = 6,"
    " label_col = 'is_churned', experiment = '/Users/data-eng/customer-churn',"
    " run_name = 'rf-v1', holdout_fraction = 0.2, seed = 7) "
    "AS SELECT contract, tenure_months, support_calls, monthly_charges, is_churned "
    "FROM customer_features_train";

Test(ml_sql, churn_workflow_end_to_end)
{
    make_features(4000);
    /* Train: version 1, a run in the experiment, holdout metrics. */
    char *t = q(CREATE_RF);
    char model[64], run_id[64], exp_id[32];
    long version, train_rows, holdout_rows;
    double acc;
    cr_assert_eq(sscanf(t, "%63[^|]|%ld|%63[^|]|%31[^|]|%ld|%ld|%lf", model, &version, run_id,
                        exp_id, &train_rows, &holdout_rows, &acc), 7, "%s", t);
    st_free(t);
    cr_assert_str_eq(model, "customer-churn");
    cr_assert_eq(version, 1);
    cr_assert_eq(strlen(run_id), 32);
    cr_assert_eq(train_rows + holdout_rows, 3200);
    cr_assert(holdout_rows > 500 && holdout_rows < 800, "%ld", holdout_rows);
    cr_assert(acc > 0.6 && acc <= 1.0, "accuracy %f", acc);

    /* Tracking: the run, its params and metrics, by SQL. */
    expect("SELECT name FROM experiments() WHERE name LIKE '/Users/%'",
           "/Users/data-eng/customer-churn\n");
    expect("SELECT run_name, status, `params.n_estimators`, `params.max_depth` "
           "FROM runs('/Users/data-eng/customer-churn')",
           "rf-v1|FINISHED|30|6\n");
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT abs(`metrics.accuracy` - %.17g) < 1e-12, `metrics.holdout_rows` "
             "FROM runs('/Users/data-eng/customer-churn')", acc);
    char want[160];
    snprintf(want, sizeof want, "true|%ld\n", holdout_rows);
    expect(sql, want);
    snprintf(sql, sizeof sql, "SELECT count(*), min(step) FROM metric_history('%s', 'accuracy')",
             run_id);
    expect(sql, "1|0\n");
    t = q("SHOW RUNS IN EXPERIMENT '/Users/data-eng/customer-churn'");
    cr_assert(strstr(t, run_id) && strstr(t, "rf-v1|"), "%s", t);
    st_free(t);
    t = q("SHOW EXPERIMENTS");
    cr_assert(strstr(t, "0|Default|") && strstr(t, "/Users/data-eng/customer-churn"), "%s", t);
    st_free(t);

    /* Registry: None -> Staging -> Production, champion alias. */
    expect("SELECT name, latest_version, production_version FROM models()",
           "customer-churn|1|NULL\n");
    ok("ALTER MODEL `customer-churn` VERSION 1 SET STAGE 'Staging'");
    expect("SELECT version, stage FROM model_versions('customer-churn')", "1|Staging\n");
    ok("ALTER MODEL `customer-churn` VERSION 1 SET STAGE 'production'");
    ok("ALTER MODEL `customer-churn` SET ALIAS champion VERSION 1");
    t = q("DESCRIBE MODEL `customer-churn`");
    snprintf(want, sizeof want, "1|Production|champion|READY|%s|", run_id);
    cr_assert(!strncmp(t, want, strlen(want)), "%s", t);
    st_free(t);
    t = q("SHOW MODELS LIKE 'customer*'");
    cr_assert(!strncmp(t, "customer-churn|1|1|NULL|champion=1|", 35), "%s", t);
    st_free(t);

    /* Inference by stage into a table: every row scored, binary decision at 0.5. */
    ok("CREATE TABLE churn_predictions AS SELECT customer_id, prediction, probability "
       "FROM ML.PREDICT(MODEL 'models:/customer-churn/Production', TABLE customer_features_new)");
    expect("SELECT count(*), count(prediction), min(probability) >= 0, max(probability) <= 1 "
           "FROM churn_predictions", "800|800|true|true\n");
    expect("SELECT count(*) FROM churn_predictions WHERE prediction <> (probability > 0.5)",
           "0\n");
    expect("SELECT count(DISTINCT prediction) FROM churn_predictions", "2\n");
    /* A filter on the prediction stays above the one model call (not copied
    ** below it); a filter on an input column goes below. */
    t = q("EXPLAIN SELECT customer_id FROM ML.PREDICT(MODEL 'models:/customer-churn/1', "
          "TABLE customer_features_new) WHERE probability > 0.6 AND customer_id > 100");
    char *phys = strstr(t, "== Physical Plan ==");
    if (phys) *phys = '\0';
    int calls = 0;
    for (const char *p = t; (p = strstr(p, "predict(")); p++) calls++;
    cr_assert_eq(calls, 1, "%s", t);
    cr_assert(strstr(t, "Filter (customer_id"), "%s", t);
    st_free(t);
    expect("SELECT (SELECT count(*) FROM ML.PREDICT(MODEL 'models:/customer-churn/1', "
           "TABLE customer_features_new) WHERE probability > 0.6 AND customer_id > 100) = "
           "(SELECT count(*) FROM churn_predictions WHERE probability > 0.6 AND customer_id > 100)",
           "true\n");
    /* The scalar forms agree with ML.PREDICT, by alias and by version. */
    expect("SELECT count(*) FROM churn_predictions p JOIN customer_features_new f "
           "USING (customer_id) WHERE predict('models:/customer-churn@champion', f.contract, "
           "f.tenure_months, f.support_calls, f.monthly_charges) <> p.prediction OR "
           "abs(predict_probability('models:/customer-churn/1', f.contract, f.tenure_months, "
           "f.support_calls, f.monthly_charges) - p.probability) > 1e-12", "0\n");
    /* ML.EVALUATE against accuracy computed in SQL from ML.PREDICT. */
    double ev = num("SELECT accuracy FROM ML.EVALUATE(MODEL `customer-churn`, "
                    "(SELECT * FROM customer_features WHERE customer_id % 5 = 0))");
    double sq = num("SELECT avg(CAST(prediction = is_churned AS DOUBLE)) FROM "
                    "ML.PREDICT(MODEL `customer-churn`, "
                    "(SELECT * FROM customer_features WHERE customer_id % 5 = 0))");
    cr_assert(fabs(ev - sq) < 1e-12, "ML.EVALUATE %f, SQL %f", ev, sq);
    cr_assert(ev > 0.6, "%f", ev);
    expect("SELECT count(*) > 3, abs(sum(importance) - 1) < 1e-9 "
           "FROM ML.FEATURE_IMPORTANCE(MODEL `customer-churn`)", "true|true\n");
    t = q("SELECT feature FROM ML.FEATURE_IMPORTANCE(MODEL `customer-churn`) ORDER BY feature");
    cr_assert(strstr(t, "contract=month-to-month\n") && strstr(t, "tenure_months\n"), "%s", t);
    st_free(t);

    /* A second version (boosted trees) archives the first when promoted. */
    t = q("CREATE OR REPLACE MODEL `customer-churn` OPTIONS ("
          " model_type = 'boosted_tree_classifier', n_estimators = 20, max_depth = 4,"
          " learning_rate = 0.3, label_col = 'is_churned',"
          " experiment = '/Users/data-eng/customer-churn', run_name = 'gbt-v2') "
          "AS SELECT contract, tenure_months, support_calls, monthly_charges, is_churned "
          "FROM customer_features_train");
    cr_assert(!strncmp(t, "customer-churn|2|", 17), "%s", t);
    st_free(t);
    ok("ALTER MODEL `customer-churn` VERSION 2 SET STAGE 'Production' ARCHIVE EXISTING VERSIONS");
    expect("SELECT version, stage, aliases FROM model_versions('customer-churn')",
           "1|Archived|champion\n2|Production|NULL\n");
    expect("SELECT run_name FROM runs('/Users/data-eng/customer-churn') ORDER BY run_name",
           "gbt-v2\nrf-v1\n");
    /* runs:/<id>/model still reaches the first run's model. */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM ML.PREDICT(MODEL 'runs:/%s/model', "
             "TABLE customer_features_new)", run_id);
    expect(sql, "800\n");
    ok("ALTER MODEL `customer-churn` DROP ALIAS champion");
    fails("SELECT * FROM ML.PREDICT(MODEL 'models:/customer-churn@champion', "
          "TABLE customer_features_new)", ST_ERR_NOTFOUND, "champion");
}

static const char *FEATURES = "SELECT tenure_months, support_calls, monthly_charges "
                              "FROM customer_features";

Test(ml_sql, regressor_and_errors)
{
    make_features(600);
    char sql[1024];
    snprintf(sql, sizeof sql, "CREATE MODEL spend OPTIONS (model_type = "
             "'random_forest_regressor', label_col = 'monthly_charges', n_estimators = 10) AS %s",
             FEATURES);
    ok(sql);
    fails(sql, ST_ERR_EXISTS, "already exists");
    snprintf(sql, sizeof sql, "CREATE MODEL IF NOT EXISTS spend OPTIONS (model_type = "
             "'random_forest_regressor', label_col = 'monthly_charges') AS %s", FEATURES);
    ok(sql);
    expect("SELECT latest_version FROM models()", "1\n");
    /* Regressors predict a DOUBLE and have no probability. */
    double rmse = num("SELECT rmse FROM ML.EVALUATE(MODEL spend, TABLE customer_features)");
    double sq = num("SELECT sqrt(avg(pow(prediction - monthly_charges, 2))) "
                    "FROM ML.PREDICT(MODEL spend, TABLE customer_features)");
    cr_assert(fabs(rmse - sq) < 1e-6 * (1 + sq), "ML.EVALUATE %f, SQL %f", rmse, sq);
    fails("SELECT probability FROM ML.PREDICT(MODEL spend, TABLE customer_features)",
          ST_ERR_BIND, "probability");
    fails("SELECT predict_probability('spend', tenure_months, support_calls) "
          "FROM customer_features", ST_ERR_BIND, "classifier");
    fails("SELECT predict('spend', tenure_months) FROM customer_features", ST_ERR_BIND,
          "takes 2 inputs (tenure_months, support_calls)");
    fails("SELECT * FROM ML.PREDICT(MODEL spend, (SELECT tenure_months FROM customer_features))",
          ST_ERR_BIND, "support_calls");
    fails("SELECT * FROM ML.PREDICT(MODEL nosuch, TABLE customer_features)", ST_ERR_NOTFOUND,
          "nosuch");
    /* Bad CREATE MODEL options name the problem. */
    snprintf(sql, sizeof sql, "CREATE MODEL m2 OPTIONS (model_type = "
             "'random_forest_classifier') AS %s", FEATURES);
    fails(sql, ST_ERR_ARGUMENT, "label_col");
    snprintf(sql, sizeof sql, "CREATE MODEL m2 OPTIONS (model_type = 'deep_net', "
             "label_col = 'support_calls') AS %s", FEATURES);
    fails(sql, ST_ERR_ARGUMENT, "deep_net");
    snprintf(sql, sizeof sql, "CREATE MODEL m2 OPTIONS (model_type = 'random_forest_regressor', "
             "label_col = 'nope') AS %s", FEATURES);
    fails(sql, ST_ERR_ARGUMENT, "nope");
    snprintf(sql, sizeof sql, "CREATE MODEL m2 OPTIONS (model_type = 'random_forest_regressor', "
             "label_col = 'support_calls', n_trees = 3) AS %s", FEATURES);
    fails(sql, ST_ERR_ARGUMENT, "n_trees");
    expect("SELECT count(*) FROM models()", "1\n");
    /* Registry errors. */
    fails("ALTER MODEL spend VERSION 9 SET STAGE 'Production'", ST_ERR_NOTFOUND, "9");
    fails("ALTER MODEL spend VERSION 1 SET STAGE 'Prod'", ST_ERR_ARGUMENT, "Prod");
    fails("SELECT * FROM runs('no such experiment')", ST_ERR_NOTFOUND, "no such experiment");
    ok("DROP MODEL spend");
    fails("DROP MODEL spend", ST_ERR_NOTFOUND, "spend");
    ok("DROP MODEL IF EXISTS spend");
    expect("SELECT count(*) FROM models()", "0\n");
}

/* The same statement and seed train the same model, whatever the threads:
** the training query reads its files in order. */
Test(ml_sql, training_is_deterministic)
{
    ok("CREATE TABLE pts (id BIGINT, x DOUBLE, z DOUBLE, y BOOLEAN)");
    for (int f = 0; f < 6; f++) {
        char sql[512];
        snprintf(sql, sizeof sql, "INSERT INTO pts SELECT id, (id * 37 %% 101) / 10.0, "
                 "(id * 11 %% 53) / 5.0, (id * 37 %% 101) + (id * 7 %% 13) > 55 "
                 "FROM range(%d, %d)", f * 3000, (f + 1) * 3000);
        ok(sql);
    }
    ok("SET threads = 2");
    const char *create = "CREATE OR REPLACE MODEL det OPTIONS (model_type = "
                         "'random_forest_classifier', n_estimators = 20, max_depth = 5, "
                         "subsample = 0.5, label_col = 'y', seed = 3) AS SELECT x, z, y FROM pts";
    char *a = q(create), *b = q(create);
    /* model|version|run|exp|rows|rows|metrics...: everything after the run id matches */
    const char *ma = strchr(strchr(strchr(a, '|') + 1, '|') + 1, '|');
    const char *mb = strchr(strchr(strchr(b, '|') + 1, '|') + 1, '|');
    cr_assert(!strncmp(a, "det|1|", 6) && !strncmp(b, "det|2|", 6), "%s\n%s", a, b);
    cr_assert_str_eq(ma, mb);
    st_free(a);
    st_free(b);
    expect("SELECT count(*) FROM ML.PREDICT(MODEL 'models:/det/1', TABLE pts) p1 "
           "JOIN ML.PREDICT(MODEL 'models:/det/2', TABLE pts) p2 USING (id) "
           "WHERE p1.probability <> p2.probability", "0\n");
}
