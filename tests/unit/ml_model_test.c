/* ml_model_test.c -- unit tests for the models of src/ml (ml_model.h):
** model type names, training of the six model types on generated data
** (quality floors, report contents, determinism across batch boundaries),
** one-hot encoding and importances, metrics against hand-computed values,
** bad options and inputs, save/load round trips, concurrent prediction, and
** two oracles with Debian's python3-xgboost: Python loads a strata-saved
** model.json and predicts the same values, and strata loads an xgboost-flavor
** folder written the way MLflow writes one and predicts what Python did. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ml/ml_model.h"
#include "ml/ml_model_int.h"
#include "test_util.h"

static st_arena *A;   /* per-test arena: schemas, batches' types */

static void setup(void) { A = st_arena_new(0); }
static void teardown(void) { st_arena_free(A); A = NULL; }

TestSuite(ml_model, .init = setup, .fini = teardown);

/* ---- generated data -------------------------------------------------------------- */

static double rnd(int64_t r, int col)
{
    uint64_t x = (uint64_t)r * 0x9E3779B97F4A7C15ull + (uint64_t)col * 0xD1B54A32D192ED03ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    x ^= x >> 31;
    return (double)(x >> 11) * 0x1.0p-53;
}

typedef enum scen { SC_REG, SC_BIN, SC_MULTI } scen;

static vec_schema *schema_new(int n, const char *const *names, const vec_type_id *ids)
{
    vec_schema *s = st_arena_calloc(A, 1, sizeof *s);
    s->n_fields = n;
    s->fields = st_arena_calloc(A, (size_t)n, sizeof(vec_field));
    for (int i = 0; i < n; i++) {
        s->fields[i].name = names[i];
        s->fields[i].type.id = ids[i];
        s->fields[i].nullable = true;
    }
    return s;
}

/* SC_REG: x1 double, x2 int, y double = 3 x1 - 0.2 x2 + noise.
** SC_BIN: x1 double, color string (red/green/blue/NULL), label string yes/no.
** SC_MULTI: x1 double, x2 double, label int = (x1 > .5) + (x2 > .5). */
static vec_schema *scen_schema(scen sc)
{
    static const char *const reg_n[] = {"x1", "x2", "y"};
    static const vec_type_id reg_t[] = {VEC_DOUBLE, VEC_INT32, VEC_DOUBLE};
    static const char *const bin_n[] = {"x1", "color", "label"};
    static const vec_type_id bin_t[] = {VEC_DOUBLE, VEC_STRING, VEC_STRING};
    static const char *const mul_n[] = {"x1", "x2", "label"};
    static const vec_type_id mul_t[] = {VEC_DOUBLE, VEC_DOUBLE, VEC_INT32};
    return sc == SC_REG ? schema_new(3, reg_n, reg_t)
         : sc == SC_BIN ? schema_new(3, bin_n, bin_t) : schema_new(3, mul_n, mul_t);
}

static const char *color_of(int64_t r)
{
    double u = rnd(r, 2);
    return u < 0.3 ? "red" : u < 0.6 ? "green" : u < 0.9 ? "blue" : NULL;
}

static vec_batch *scen_batch(const vec_schema *s, scen sc, int64_t lo, int64_t hi)
{
    st_error err;
    vec_batch *b = vec_batch_new(s, 3, 0);
    vec_builder *bl[3];
    for (int c = 0; c < 3; c++)
        bl[c] = vec_builder_new(&s->fields[c].type);
    for (int64_t r = lo; r < hi; r++) {
        double x1 = rnd(r, 0), x2 = rnd(r, 1);
        vec_builder_append_f64(bl[0], x1, &err);
        if (sc == SC_REG) {
            int x2i = (int)(x2 * 10);
            vec_builder_append_i64(bl[1], x2i, &err);
            vec_builder_append_f64(bl[2], 3 * x1 - 0.2 * x2i + 0.05 * (rnd(r, 3) - 0.5), &err);
        } else if (sc == SC_BIN) {
            const char *c = color_of(r);
            if (c)
                vec_builder_append_bytes(bl[1], c, strlen(c), &err);
            else
                vec_builder_append_null(bl[1], &err);
            bool yes = x1 + (c && !strcmp(c, "red") ? 0.5 : 0) > 0.8;
            if (r % 97 == 5)
                vec_builder_append_null(bl[2], &err);           /* skipped row */
            else
                vec_builder_append_bytes(bl[2], yes ? "yes" : "no", yes ? 3 : 2, &err);
        } else {
            vec_builder_append_f64(bl[1], x2, &err);
            vec_builder_append_i64(bl[2], (x1 > 0.5) + (x2 > 0.5), &err);
        }
    }
    for (int c = 0; c < 3; c++) {
        cr_assert_eq(vec_builder_finish(bl[c], b->arena, &b->cols[c], &err), ST_OK);
        vec_builder_free(bl[c]);
    }
    b->n_rows = hi - lo;
    return b;
}

/* A dataset of rows [0, n) in batches of `chunk` rows. */
static ml_dataset *scen_dataset(scen sc, int64_t n, int64_t chunk)
{
    st_error err;
    vec_schema *s = scen_schema(sc);
    ml_dataset *d;
    const char *label = sc == SC_REG ? "y" : "label";
    cr_assert_eq(ml_dataset_new(s, label, NULL, 0, &d, &err), ST_OK, "%s", err.msg);
    for (int64_t lo = 0; lo < n; lo += chunk) {
        vec_batch *b = scen_batch(s, sc, lo, lo + chunk < n ? lo + chunk : n);
        cr_assert_eq(ml_dataset_add(d, b, &err), ST_OK, "%s", err.msg);
        vec_batch_free(b);
    }
    return d;
}

static double score(const ml_score *s, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s[i].name, name))
            return s[i].value;
    cr_assert_fail("no metric %s", name);
    return NAN;
}

static const char *param(const ml_train_report *r, const char *key)
{
    for (int i = 0; i < r->n_params; i++)
        if (!strcmp(r->params[i].key, key))
            return r->params[i].value;
    return NULL;
}

static ml_model *train(ml_dataset *d, const ml_kv *o, int n, ml_train_report *rep)
{
    st_error err;
    ml_model *m;
    cr_assert_eq(ml_train(d, o, n, 2, &m, rep, &err), ST_OK, "%s", err.msg);
    return m;
}

/* ---- model types --------------------------------------------------------------------- */

Test(ml_model, type_names)
{
    cr_assert_eq(ml_model_type_parse("random_forest_classifier"), ML_RF_CLASSIFIER);
    cr_assert_eq(ml_model_type_parse("XGBOOST_REGRESSOR"), ML_GBT_REGRESSOR);
    cr_assert_eq(ml_model_type_parse("linear_regression"), ML_LINEAR_REGRESSION);
    cr_assert_eq(ml_model_type_parse("kmeans"), -1);
    cr_assert_str_eq(ml_model_type_name(ML_LOGISTIC_REGRESSION), "logistic_regression");
    cr_assert(ml_model_type_is_classifier(ML_GBT_CLASSIFIER));
    cr_assert(!ml_model_type_is_classifier(ML_RF_REGRESSOR));
}

/* ---- training ------------------------------------------------------------------------ */

Test(ml_model, rf_regressor_quality_and_determinism)
{
    const ml_kv o[] = {{"model_type", "random_forest_regressor"}, {"label_col", "y"},
                       {"n_estimators", "30"}, {"max_depth", "8"}, {"seed", "7"}};
    ml_dataset *d1 = scen_dataset(SC_REG, 3000, 3000), *d2 = scen_dataset(SC_REG, 3000, 257);
    cr_assert_eq(ml_dataset_rows(d1), 3000);
    ml_train_report r1, r2;
    ml_model *m1 = train(d1, o, 5, &r1), *m2 = train(d2, o, 5, &r2);
    cr_assert_eq(r1.train_rows + r1.holdout_rows, 3000);
    cr_assert(r1.holdout_rows > 500 && r1.holdout_rows < 700, "holdout %ld", (long)r1.holdout_rows);
    cr_assert_eq(r1.holdout_rows, r2.holdout_rows);
    cr_assert_eq(r1.n_holdout, 3);
    for (int i = 0; i < r1.n_holdout; i++)
        cr_assert_eq(r1.holdout[i].value, r2.holdout[i].value, "%s differs", r1.holdout[i].name);
    for (int i = 0; i < r1.n_train; i++)
        cr_assert_eq(r1.train[i].value, r2.train[i].value);
    cr_assert_gt(score(r1.holdout, r1.n_holdout, "r2"), 0.95);
    cr_assert_lt(score(r1.holdout, r1.n_holdout, "rmse"), 0.2);
    cr_assert_str_eq(param(&r1, "model_type"), "random_forest_regressor");
    cr_assert_str_eq(param(&r1, "max_features"), "all");
    cr_assert_str_eq(param(&r1, "feature_cols"), "x1,x2");
    cr_assert_str_eq(param(&r1, "n_estimators"), "30");
    cr_assert_eq(ml_model_kind(m1), ML_RF_REGRESSOR);
    cr_assert_eq(ml_model_prediction_type(m1)->id, VEC_DOUBLE);
    cr_assert(!ml_model_has_probability(m1));
    /* importances: x1 dominates, sum 1 */
    ml_importance *imp;
    int n_imp;
    st_error err;
    cr_assert_eq(ml_model_importance(m1, &imp, &n_imp, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n_imp, 2);
    cr_assert_str_eq(imp[0].feature, "x1");
    cr_assert_float_eq(imp[0].importance + imp[1].importance, 1.0, 1e-9);
    /* evaluate on all rows equals a weighted mix: just check it is sane */
    ml_score *ev;
    int n_ev;
    cr_assert_eq(ml_model_evaluate(m1, d1, &ev, &n_ev, &err), ST_OK, "%s", err.msg);
    cr_assert_gt(score(ev, n_ev, "r2"), 0.95);
    ml_model_free(m1);
    ml_model_free(m2);
    ml_dataset_free(d1);
    ml_dataset_free(d2);
}

Test(ml_model, rf_classifier_onehot_string_label)
{
    const ml_kv o[] = {{"model_type", "random_forest_classifier"}, {"label_col", "label"},
                       {"n_estimators", "40"}, {"max_features", "all"}};
    ml_dataset *d = scen_dataset(SC_BIN, 4000, 1000);
    ml_train_report r;
    ml_model *m = train(d, o, 4, &r);
    cr_assert_lt(r.train_rows + r.holdout_rows, 4000);          /* NULL labels skipped */
    cr_assert_gt(score(r.holdout, r.n_holdout, "accuracy"), 0.95);
    cr_assert_gt(score(r.holdout, r.n_holdout, "roc_auc"), 0.97);
    cr_assert_gt(score(r.holdout, r.n_holdout, "f1"), 0.9);
    cr_assert_lt(score(r.holdout, r.n_holdout, "log_loss"), 0.3);
    cr_assert_eq(ml_model_n_inputs(m), 2);
    cr_assert_str_eq(ml_model_input_name(m, 1), "color");
    cr_assert_eq(ml_model_input_type(m, 1)->id, VEC_STRING);
    cr_assert_eq(ml_model_prediction_type(m)->id, VEC_STRING);
    cr_assert(ml_model_has_probability(m));
    ml_importance *imp;
    int n_imp;
    st_error err;
    cr_assert_eq(ml_model_importance(m, &imp, &n_imp, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n_imp, 4);                                      /* x1, color=blue/green/red */
    bool has_red = false;
    for (int i = 0; i < n_imp; i++)
        has_red |= !strcmp(imp[i].feature, "color=red");
    cr_assert(has_red);
    cr_assert_str_eq(imp[0].feature, "x1");
    /* predict: x1 = 0.5 red -> yes, x1 = 0.5 green -> no, x1 = 0.95 NULL -> yes */
    vec_schema *s = scen_schema(SC_BIN);
    vec_builder *b0 = vec_builder_new(&s->fields[0].type), *b1 = vec_builder_new(&s->fields[1].type);
    double xs[] = {0.5, 0.5, 0.95};
    const char *cs[] = {"red", "green", NULL};
    for (int i = 0; i < 3; i++) {
        vec_builder_append_f64(b0, xs[i], &err);
        if (cs[i])
            vec_builder_append_bytes(b1, cs[i], strlen(cs[i]), &err);
        else
            vec_builder_append_null(b1, &err);
    }
    vec *in[2];
    vec_builder_finish(b0, A, &in[0], &err);
    vec_builder_finish(b1, A, &in[1], &err);
    vec_builder_free(b0);
    vec_builder_free(b1);
    vec *pred, *prob;
    cr_assert_eq(ml_model_predict(m, (const vec *const *)in, 3, A, &pred, &prob, &err), ST_OK,
                 "%s", err.msg);
    const char *want[] = {"yes", "no", "yes"};
    for (int i = 0; i < 3; i++) {
        int32_t *off = vec_offsets(pred);
        cr_assert_eq(off[i + 1] - off[i], (int32_t)strlen(want[i]));
        cr_assert(!memcmp(pred->bytes + off[i], want[i], strlen(want[i])), "row %d", i);
        double p = ((double *)prob->values)[i];
        cr_assert(i == 1 ? p < 0.5 : p >= 0.5, "row %d p %g", i, p);
    }
    ml_model_free(m);
    ml_dataset_free(d);
}

Test(ml_model, gbt_multiclass_int_label)
{
    const ml_kv o[] = {{"model_type", "boosted_tree_classifier"}, {"label_col", "label"},
                       {"n_estimators", "30"}, {"learning_rate", "0.3"}, {"max_depth", "3"},
                       {"holdout_fraction", "0.25"}};
    ml_dataset *d = scen_dataset(SC_MULTI, 3000, 512);
    ml_train_report r;
    ml_model *m = train(d, o, 6, &r);
    cr_assert_gt(score(r.holdout, r.n_holdout, "accuracy"), 0.95);
    cr_assert_gt(score(r.holdout, r.n_holdout, "roc_auc"), 0.98);
    cr_assert_gt(score(r.holdout, r.n_holdout, "precision"), 0.9);
    cr_assert_str_eq(param(&r, "eta"), "0.3");
    cr_assert_eq(ml_model_prediction_type(m)->id, VEC_INT32);
    st_error err;
    vec_schema *s = scen_schema(SC_MULTI);
    vec_builder *b0 = vec_builder_new(&s->fields[0].type), *b1 = vec_builder_new(&s->fields[1].type);
    double a[] = {0.1, 0.9, 0.9}, b[] = {0.2, 0.1, 0.8};
    for (int i = 0; i < 3; i++) {
        vec_builder_append_f64(b0, a[i], &err);
        vec_builder_append_f64(b1, b[i], &err);
    }
    vec *in[2];
    vec_builder_finish(b0, A, &in[0], &err);
    vec_builder_finish(b1, A, &in[1], &err);
    vec_builder_free(b0);
    vec_builder_free(b1);
    vec *pred, *prob;
    cr_assert_eq(ml_model_predict(m, (const vec *const *)in, 3, A, &pred, &prob, &err), ST_OK);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(((int32_t *)pred->values)[i], i, "row %d", i);
        cr_assert_gt(((double *)prob->values)[i], 0.5);
    }
    ml_model_free(m);
    ml_dataset_free(d);
}

Test(ml_model, linear_models)
{
    const ml_kv o[] = {{"model_type", "linear_regression"}, {"label_col", "y"},
                       {"max_iterations", "200"}};
    ml_dataset *d = scen_dataset(SC_REG, 2000, 700);
    ml_train_report r;
    ml_model *m = train(d, o, 3, &r);
    cr_assert_gt(score(r.holdout, r.n_holdout, "r2"), 0.99);
    cr_assert_str_eq(param(&r, "l2_reg"), "0");
    ml_importance *imp;
    int n_imp;
    st_error err;
    cr_assert_eq(ml_model_importance(m, &imp, &n_imp, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(n_imp, 2);
    ml_model_free(m);
    ml_dataset_free(d);

    const ml_kv o2[] = {{"model_type", "logistic_regression"}, {"label_col", "label"},
                        {"l2_reg", "0.01"}};
    d = scen_dataset(SC_BIN, 3000, 1000);
    m = train(d, o2, 3, &r);
    cr_assert_gt(score(r.holdout, r.n_holdout, "roc_auc"), 0.9);
    cr_assert_gt(score(r.holdout, r.n_holdout, "accuracy"), 0.8);
    ml_model_free(m);
    ml_dataset_free(d);
}

/* ---- metrics --------------------------------------------------------------------------- */

Test(ml_model, metrics_binary_by_hand)
{
    ml_model m = {.task = ML_TASK_BINARY, .n_classes = 2};
    /* scores with a tie: roc_auc_score([0,0,1,1,1,0], [.1,.4,.35,.8,.4,.2]) = 7.5 / 9
    ** (of the 9 positive/negative pairs 7 are ordered right and one is tied) */
    const float p[] = {0.1f, 0.4f, 0.35f, 0.8f, 0.4f, 0.2f};
    const float y[] = {0, 0, 1, 1, 1, 0};
    ml_score *s;
    int n;
    st_error err;
    cr_assert_eq(ml_metrics_compute(&m, p, y, 6, A, &s, &n, &err), ST_OK);
    cr_assert_float_eq(score(s, n, "roc_auc"), 7.5 / 9.0, 1e-12);
    cr_assert_float_eq(score(s, n, "accuracy"), 4.0 / 6.0, 1e-12);   /* only .8 predicted 1 */
    cr_assert_float_eq(score(s, n, "precision"), 1.0, 1e-12);
    cr_assert_float_eq(score(s, n, "recall"), 1.0 / 3.0, 1e-12);
    cr_assert_float_eq(score(s, n, "f1"), 0.5, 1e-12);
    double ll = -(log(0.9) + log(0.6) + log(0.35f) + log(0.8f) + log(0.4f) + log(0.8)) / 6;
    cr_assert_float_eq(score(s, n, "log_loss"), ll, 1e-6);

    ml_model r = {.task = ML_TASK_REGRESSION};
    const float pr[] = {1, 2, 4}, yr[] = {1, 3, 3};
    cr_assert_eq(ml_metrics_compute(&r, pr, yr, 3, A, &s, &n, &err), ST_OK);
    cr_assert_float_eq(score(s, n, "rmse"), sqrt(2.0 / 3.0), 1e-12);
    cr_assert_float_eq(score(s, n, "mae"), 2.0 / 3.0, 1e-12);
    cr_assert_float_eq(score(s, n, "r2"), 1 - 2.0 / (8.0 / 3.0), 1e-12);
}

/* ---- bad input --------------------------------------------------------------------------- */

static void expect_train_error(scen sc, const ml_kv *o, int n, const char *needle)
{
    ml_dataset *d = scen_dataset(sc, 200, 200);
    ml_model *m = NULL;
    ml_train_report r;
    st_error err;
    st_error_init(&err);
    st_status rc = ml_train(d, o, n, 1, &m, &r, &err);
    cr_assert_eq(rc, ST_ERR_ARGUMENT, "expected an argument error, got %d: %s", rc, err.msg);
    cr_assert(strstr(err.msg, needle), "message '%s' lacks '%s'", err.msg, needle);
    cr_assert_null(m);
    ml_dataset_free(d);
}

Test(ml_model, bad_options)
{
    const ml_kv a[] = {{"model_type", "kmeans"}, {"label_col", "y"}};
    expect_train_error(SC_REG, a, 2, "unknown model_type 'kmeans'");
    const ml_kv b[] = {{"model_type", "random_forest_regressor"}, {"label_col", "y"}, {"foo", "1"}};
    expect_train_error(SC_REG, b, 3, "unknown option 'foo'");
    const ml_kv c[] = {{"model_type", "linear_regression"}, {"label_col", "y"}, {"max_depth", "3"}};
    expect_train_error(SC_REG, c, 3, "option 'max_depth' does not apply");
    const ml_kv e[] = {{"model_type", "random_forest_regressor"}, {"label_col", "y"},
                       {"n_estimators", "lots"}};
    expect_train_error(SC_REG, e, 3, "option 'n_estimators' must be an integer >= 1, not 'lots'");
    const ml_kv f[] = {{"model_type", "random_forest_regressor"}};
    expect_train_error(SC_REG, f, 1, "option 'label_col' is required");
    const ml_kv g[] = {{"model_type", "random_forest_regressor"}, {"label_col", "label"}};
    expect_train_error(SC_BIN, g, 2, "regression label column 'label' must be numeric");
    const ml_kv h[] = {{"model_type", "random_forest_classifier"}, {"label_col", "y"}};
    expect_train_error(SC_REG, h, 2, "classifier label column 'y' has type double");
    const ml_kv i[] = {{"model_type", "random_forest_regressor"}, {"label_col", "y"},
                       {"holdout_fraction", "1.5"}};
    expect_train_error(SC_REG, i, 3, "option 'holdout_fraction' must be a number in [0, 1)");
}

Test(ml_model, bad_data)
{
    st_error err;
    ml_dataset *d;
    vec_schema *s = scen_schema(SC_REG);
    cr_assert_eq(ml_dataset_new(s, "nope", NULL, 0, &d, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "label column 'nope' is not a column of the query");
    const char *fc[] = {"x1", "zz"};
    cr_assert_eq(ml_dataset_new(s, "y", fc, 2, &d, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "feature column 'zz' is not a column of the query");
    static const char *const nm[] = {"x1", "blob", "y"};
    static const vec_type_id ty[] = {VEC_DOUBLE, VEC_BINARY, VEC_DOUBLE};
    cr_assert_eq(ml_dataset_new(schema_new(3, nm, ty), "y", NULL, 0, &d, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "feature column 'blob' has unsupported type binary");

    /* empty dataset */
    cr_assert_eq(ml_dataset_new(s, "y", NULL, 0, &d, &err), ST_OK);
    const ml_kv o[] = {{"model_type", "random_forest_regressor"}, {"label_col", "y"}};
    ml_model *m = NULL;
    ml_train_report r;
    cr_assert_eq(ml_train(d, o, 2, 1, &m, &r, &err), ST_ERR_ARGUMENT);
    cr_assert(strstr(err.msg, "no rows"), "%s", err.msg);
    ml_dataset_free(d);

    /* one class */
    static const char *const nm2[] = {"x", "label"};
    static const vec_type_id ty2[] = {VEC_DOUBLE, VEC_BOOL};
    vec_schema *s2 = schema_new(2, nm2, ty2);
    cr_assert_eq(ml_dataset_new(s2, "label", NULL, 0, &d, &err), ST_OK);
    vec_batch *b = vec_batch_new(s2, 2, 0);
    vec_builder *b0 = vec_builder_new(&s2->fields[0].type), *b1 = vec_builder_new(&s2->fields[1].type);
    for (int i = 0; i < 50; i++) {
        vec_builder_append_f64(b0, i, &err);
        vec_builder_append_bool(b1, true, &err);
    }
    vec_builder_finish(b0, b->arena, &b->cols[0], &err);
    vec_builder_finish(b1, b->arena, &b->cols[1], &err);
    vec_builder_free(b0);
    vec_builder_free(b1);
    b->n_rows = 50;
    cr_assert_eq(ml_dataset_add(d, b, &err), ST_OK);
    vec_batch_free(b);
    const ml_kv o2[] = {{"model_type", "boosted_tree_classifier"}, {"label_col", "label"}};
    cr_assert_eq(ml_train(d, o2, 2, 1, &m, &r, &err), ST_ERR_ARGUMENT);
    cr_assert_str_eq(err.msg, "label column 'label' has 1 distinct value; a classifier needs at "
                              "least 2 classes");
    ml_dataset_free(d);
}

/* ---- folders ------------------------------------------------------------------------------ */

static char *tmp_dir(void)
{
    char *t = st_arena_strdup(A, "/tmp/ml_model_test_XXXXXX");
    cr_assert_not_null(mkdtemp(t));
    return t;
}

static char *read_text(const char *path)
{
    uint8_t *data;
    size_t len;
    st_error err;
    cr_assert_eq(st_file_read_all(path, &data, &len, &err), ST_OK, "%s", err.msg);
    char *s = st_arena_strndup(A, (const char *)data, len);
    st_free(data);
    return s;
}

/* Predictions of the scenario's rows [lo, hi) through ml_model_predict. */
static void predict_rows(ml_model *m, scen sc, int64_t lo, int64_t hi, vec **pred, vec **prob)
{
    vec_schema *s = scen_schema(sc);
    vec_batch *b = scen_batch(s, sc, lo, hi);
    st_error err;
    cr_assert_eq(ml_model_predict(m, (const vec *const *)b->cols, hi - lo, A, pred, prob, &err),
                 ST_OK, "%s", err.msg);
    /* copy out of the batch arena before freeing it: predictions live in A already */
    vec_batch_free(b);
}

Test(ml_model, save_load_round_trip)
{
    const ml_kv o[] = {{"model_type", "random_forest_classifier"}, {"label_col", "label"},
                       {"n_estimators", "10"}};
    ml_dataset *d = scen_dataset(SC_BIN, 1500, 1500);
    ml_train_report r;
    ml_model *m = train(d, o, 3, &r);
    char *dir = tmp_dir();
    char *sub = st_arena_printf(A, "%s/a/b/model", dir);
    char *json = NULL;
    st_error err;
    cr_assert_eq(ml_model_save(m, sub, "0123456789abcdef0123456789abcdef", "model", &json, &err),
                 ST_OK, "%s", err.msg);
    char *mlm = read_text(st_arena_printf(A, "%s/MLmodel", sub));
    cr_assert(strstr(mlm, "  xgboost:\n"));
    cr_assert(strstr(mlm, "    model_class: xgboost.core.Booster\n"));
    cr_assert(strstr(mlm, "    loader_module: mlflow.xgboost\n"));
    cr_assert(strstr(mlm, "run_id: '0123456789abcdef0123456789abcdef'\n"));
    cr_assert(strstr(mlm, "  inputs: '[{\"type\": \"double\", \"name\": \"x1\"}, {\"type\": "
                          "\"string\", \"name\": \"color\"}]'\n"), "%s", mlm);
    json_t *j = json_loads(json, 0, NULL);
    cr_assert_not_null(j);
    cr_assert_str_eq(json_string_value(json_object_get(j, "artifact_path")), "model");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(j,
                     "flavors"), "xgboost"), "data")), "model.json");
    json_decref(j);
    st_free(json);
    struct stat st;
    cr_assert_eq(stat(st_arena_printf(A, "%s/model.json", sub), &st), 0);
    cr_assert_eq(stat(st_arena_printf(A, "%s/requirements.txt", sub), &st), 0);
    cr_assert_eq(stat(st_arena_printf(A, "%s/conda.yaml", sub), &st), 0);
    cr_assert_eq(stat(st_arena_printf(A, "%s/python_env.yaml", sub), &st), 0);

    ml_model *m2;
    cr_assert_eq(ml_model_load(sub, &m2, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ml_model_kind(m2), ML_RF_CLASSIFIER);
    cr_assert_eq(ml_model_prediction_type(m2)->id, VEC_STRING);
    vec *p1, *q1, *p2, *q2;
    predict_rows(m, SC_BIN, 5000, 5300, &p1, &q1);
    predict_rows(m2, SC_BIN, 5000, 5300, &p2, &q2);
    cr_assert_eq(p1->n_bytes, p2->n_bytes);
    cr_assert(!memcmp(p1->bytes, p2->bytes, (size_t)p1->n_bytes));
    for (int i = 0; i < 300; i++)
        cr_assert_eq(((double *)q1->values)[i], ((double *)q2->values)[i]);
    ml_score *ev;
    int n_ev;
    cr_assert_eq(ml_model_evaluate(m2, d, &ev, &n_ev, &err), ST_OK, "%s", err.msg);
    cr_assert_gt(score(ev, n_ev, "accuracy"), 0.9);
    ml_model_free(m2);

    /* errors */
    cr_assert_eq(ml_model_load(st_arena_printf(A, "%s/none", dir), &m2, &err), ST_ERR_NOTFOUND);
    char *sk = st_arena_printf(A, "%s/sk", dir);
    mkdir(sk, 0777);
    FILE *f = fopen(st_arena_printf(A, "%s/MLmodel", sk), "w");
    fputs("flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n  sklearn:\n"
          "    pickled_model: model.pkl\n", f);
    fclose(f);
    cr_assert_eq(ml_model_load(sk, &m2, &err), ST_ERR_UNSUPPORTED);
    cr_assert(strstr(err.msg, "model flavor 'sklearn' is not supported; strata loads xgboost "
                              "models"), "%s", err.msg);
    tu_rm_rf(dir);
    ml_model_free(m);
    ml_dataset_free(d);
}

/* ---- concurrency ---------------------------------------------------------------------------- */

typedef struct pred_job {
    ml_model *m;
    const vec *const *cols;
    int64_t   n;
    double   *out;      /* probabilities */
    int       rounds;
    bool      ok;
} pred_job;

static void *pred_thread(void *arg)
{
    pred_job *j = arg;
    st_arena *a = st_arena_new(0);
    j->ok = true;
    for (int r = 0; r < j->rounds && j->ok; r++) {
        vec *p, *q;
        st_error err;
        if (ml_model_predict(j->m, j->cols, j->n, a, &p, &q, &err) != ST_OK) {
            j->ok = false;
            break;
        }
        memcpy(j->out, q->values, (size_t)j->n * sizeof(double));
        st_arena_reset(a);
    }
    st_arena_free(a);
    return NULL;
}

static void concurrent_check(const ml_kv *o, int n_o)
{
    ml_dataset *d = scen_dataset(SC_BIN, 2000, 2000);
    ml_train_report r;
    ml_model *m = train(d, o, n_o, &r);
    vec_schema *s = scen_schema(SC_BIN);
    vec_batch *b = scen_batch(s, SC_BIN, 0, 4096);
    pred_job jobs[4];
    pthread_t th[4];
    double *ref = st_malloc(4096 * sizeof(double));
    pred_job one = {m, (const vec *const *)b->cols, 4096, ref, 1, false};
    pred_thread(&one);
    cr_assert(one.ok);
    for (int i = 0; i < 4; i++) {
        jobs[i] = (pred_job){m, (const vec *const *)b->cols, 4096 - i * 100,
                             st_malloc(4096 * sizeof(double)), 20, false};
        pthread_create(&th[i], NULL, pred_thread, &jobs[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        cr_assert(jobs[i].ok);
        for (int64_t k = 0; k < jobs[i].n; k++)
            cr_assert_eq(jobs[i].out[k], ref[k], "thread %d row %ld", i, (long)k);
        st_free(jobs[i].out);
    }
    st_free(ref);
    vec_batch_free(b);
    ml_model_free(m);
    ml_dataset_free(d);
}

Test(ml_model, concurrent_predict)
{
    const ml_kv t[] = {{"model_type", "boosted_tree_classifier"}, {"label_col", "label"},
                       {"n_estimators", "20"}};
    concurrent_check(t, 3);
    const ml_kv l[] = {{"model_type", "logistic_regression"}, {"label_col", "label"}};
    concurrent_check(l, 2);
}

/* ---- python3-xgboost oracles ----------------------------------------------------------------- */

static bool have_python_xgboost(void)
{
    return system("/usr/bin/python3 -c 'import xgboost, numpy' >/dev/null 2>&1") == 0;
}

/* Writes the encoded rows [lo, hi) of the scenario and strata's raw outputs. */
static void write_rows_csv(ml_model *m, scen sc, int64_t lo, int64_t hi, const char *path)
{
    vec_schema *s = scen_schema(sc);
    vec_batch *b = scen_batch(s, sc, lo, hi);
    int64_t n = hi - lo;
    float *X = st_malloc((size_t)n * (size_t)m->n_features * sizeof *X);
    ml_encode_rows(m->inputs, m->n_inputs, m->n_features, (const vec *const *)b->cols, n, X);
    float *p;
    st_error err;
    cr_assert_eq(ml_model_raw_predict(m, X, n, &p, &err), ST_OK, "%s", err.msg);
    FILE *f = fopen(path, "w");
    int k = ml_model_outputs(m);
    for (int64_t r = 0; r < n; r++) {
        for (int c = 0; c < m->n_features; c++)
            fprintf(f, "%.9g,", (double)X[(size_t)r * (size_t)m->n_features + (size_t)c]);
        for (int c = 0; c < k; c++)
            fprintf(f, "%.9g%s", (double)p[(size_t)r * (size_t)k + (size_t)c], c + 1 < k ? "," : "\n");
    }
    fclose(f);
    st_free(X);
    st_free(p);
    vec_batch_free(b);
}

static const char py_check[] =
    "import sys, numpy as np, xgboost as xgb\n"
    "d, nf = sys.argv[1], int(sys.argv[2])\n"
    "b = xgb.Booster(); b.load_model(d + '/model.json')\n"
    "a = np.loadtxt(d + '/rows.csv', delimiter=',', dtype=np.float32, ndmin=2)\n"
    "X, want = a[:, :nf], a[:, nf:]\n"
    "p = b.predict(xgb.DMatrix(X, missing=np.nan, feature_names=b.feature_names))\n"
    "p = p.reshape(want.shape)\n"
    "print(float(np.max(np.abs(p - want))), ','.join(b.feature_names or []))\n";

static void python_compare(const ml_kv *o, int n_o, scen sc, const char *names)
{
    ml_dataset *d = scen_dataset(sc, 2000, 600);
    ml_train_report r;
    ml_model *m = train(d, o, n_o, &r);
    char *dir = tmp_dir();
    st_error err;
    cr_assert_eq(ml_model_save(m, dir, NULL, NULL, NULL, &err), ST_OK, "%s", err.msg);
    write_rows_csv(m, sc, 10000, 10500, st_arena_printf(A, "%s/rows.csv", dir));
    FILE *f = fopen(st_arena_printf(A, "%s/check.py", dir), "w");
    fputs(py_check, f);
    fclose(f);
    FILE *pp = popen(st_arena_printf(A, "/usr/bin/python3 %s/check.py %s %d 2>&1", dir, dir,
                                     m->n_features), "r");
    char line[4096] = "";
    cr_assert_not_null(fgets(line, sizeof line, pp));
    cr_assert_eq(pclose(pp), 0, "python failed: %s", line);
    double diff = -1;
    char got_names[2048] = "";
    cr_assert_eq(sscanf(line, "%lf %2047s", &diff, got_names), 2, "python said: %s", line);
    cr_assert(diff >= 0 && diff <= 1e-6, "max |python - strata| = %g", diff);
    cr_assert_str_eq(got_names, names);
    tu_rm_rf(dir);
    ml_model_free(m);
    ml_dataset_free(d);
}

Test(ml_model, python_xgboost_predicts_the_same)
{
    if (!have_python_xgboost())
        cr_skip("/usr/bin/python3 cannot import xgboost and numpy");
    const ml_kv rf[] = {{"model_type", "random_forest_classifier"}, {"label_col", "label"},
                        {"n_estimators", "15"}};
    python_compare(rf, 3, SC_BIN, "x1,color=blue,color=green,color=red");
    const ml_kv gb[] = {{"model_type", "boosted_tree_classifier"}, {"label_col", "label"},
                        {"n_estimators", "15"}};
    python_compare(gb, 3, SC_MULTI, "x1,x2");
    const ml_kv lr[] = {{"model_type", "linear_regression"}, {"label_col", "y"}};
    python_compare(lr, 2, SC_REG, "x1,x2");
    const ml_kv rr[] = {{"model_type", "random_forest_regressor"}, {"label_col", "y"},
                        {"n_estimators", "12"}, {"max_depth", "10"}};
    python_compare(rr, 4, SC_REG, "x1,x2");
}

static const char py_mlflow[] =
    "import sys, json, numpy as np, xgboost as xgb\n"
    "d = sys.argv[1]\n"
    "rng = np.random.default_rng(3)\n"
    "X = rng.random((800, 3)).astype(np.float32)\n"
    "y = (X[:, 0] + 0.5 * X[:, 2] > 0.7).astype(np.float32)\n"
    "dm = xgb.DMatrix(X, label=y, feature_names=['a', 'b', 'c'])\n"
    "bst = xgb.train({'objective': 'binary:logistic', 'max_depth': 4, 'nthread': 1}, dm, 12)\n"
    "bst.save_model(d + '/model.json')\n"
    "sig = json.dumps([{'type': 'double', 'name': n} for n in 'abc'])\n"
    "open(d + '/MLmodel', 'w').write('''artifact_path: model\n"
    "flavors:\n"
    "  python_function:\n"
    "    data: model.json\n"
    "    env:\n"
    "      conda: conda.yaml\n"
    "      virtualenv: python_env.yaml\n"
    "    loader_module: mlflow.xgboost\n"
    "    python_version: 3.11.2\n"
    "  xgboost:\n"
    "    code: null\n"
    "    data: model.json\n"
    "    model_class: xgboost.core.Booster\n"
    "    model_format: json\n"
    "    xgb_version: 1.7.4\n"
    "mlflow_version: 2.9.2\n"
    "model_uuid: 5d3c2b1a0f9e8d7c6b5a493827161504\n"
    "run_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9\n"
    "signature:\n"
    "  inputs: '%s'\n"
    "  outputs: '[{\"type\": \"tensor\", \"tensor-spec\": {\"dtype\": \"float32\", \"shape\":\n"
    "    [-1]}}]'\n"
    "  params: null\n"
    "utc_time_created: '2024-01-02 03:04:05.123456'\n''' % sig)\n"
    "T = rng.random((300, 3)).astype(np.float32)\n"
    "p = bst.predict(xgb.DMatrix(T, feature_names=['a', 'b', 'c']))\n"
    "np.savetxt(d + '/rows.csv', np.column_stack([T.astype(np.float64), p]), delimiter=',',"
    " fmt='%.9g')\n";

Test(ml_model, loads_mlflow_xgboost_folder)
{
    if (!have_python_xgboost())
        cr_skip("/usr/bin/python3 cannot import xgboost and numpy");
    char *dir = tmp_dir();
    FILE *f = fopen(st_arena_printf(A, "%s/make.py", dir), "w");
    fputs(py_mlflow, f);
    fclose(f);
    cr_assert_eq(system(st_arena_printf(A, "/usr/bin/python3 %s/make.py %s", dir, dir)), 0);
    ml_model *m;
    st_error err;
    cr_assert_eq(ml_model_load(dir, &m, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ml_model_kind(m), ML_XGB_EXTERNAL);
    cr_assert_eq(ml_model_n_inputs(m), 3);
    cr_assert_str_eq(ml_model_input_name(m, 2), "c");
    cr_assert_eq(ml_model_input_type(m, 0)->id, VEC_DOUBLE);
    cr_assert(ml_model_has_probability(m));
    cr_assert_eq(ml_model_prediction_type(m)->id, VEC_INT64);
    /* read the rows back into three DOUBLE vectors */
    char *csv = read_text(st_arena_printf(A, "%s/rows.csv", dir));
    vec_type dt = {.id = VEC_DOUBLE};
    vec *cols[3];
    for (int c = 0; c < 3; c++)
        cols[c] = vec_new(A, &dt, 300);
    double want[300];
    char *p = csv;
    for (int r = 0; r < 300; r++) {
        for (int c = 0; c < 3; c++) {
            ((double *)cols[c]->values)[r] = strtod(p, &p);
            p++;
        }
        want[r] = strtod(p, &p);
        p++;
    }
    vec *pred, *prob;
    cr_assert_eq(ml_model_predict(m, (const vec *const *)cols, 300, A, &pred, &prob, &err), ST_OK,
                 "%s", err.msg);
    for (int r = 0; r < 300; r++) {
        double q = ((double *)prob->values)[r];
        cr_assert(fabs(q - want[r]) <= 1e-6, "row %d: strata %g python %g", r, q, want[r]);
        cr_assert_eq(((int64_t *)pred->values)[r], q >= 0.5 ? 1 : 0);
    }
    ml_model_free(m);
    tu_rm_rf(dir);
}

/* ---- folders that do not hold together (found by tests/fuzz/ml_model_fuzz.c) ------------- */

/* Loads dir expecting ST_ERR_CORRUPT with a message containing needle. */
static void expect_corrupt(const char *dir, const char *needle)
{
    ml_model *m = NULL;
    st_error err;
    st_error_init(&err);
    cr_assert_eq(ml_model_load(dir, &m, &err), ST_ERR_CORRUPT, "%s", err.msg);
    cr_assert_null(m);
    cr_assert(strstr(err.msg, needle), "message: %s", err.msg);
}

/* Writes strata_model.json of dir from enc after calling edit on a copy. */
static void write_encoding(const char *dir, json_t *enc, void (*edit)(json_t *j))
{
    json_t *j = json_deep_copy(enc);
    edit(j);
    cr_assert_eq(json_dump_file(j, st_arena_printf(A, "%s/strata_model.json", dir), 0), 0);
    json_decref(j);
}

static void label_string(json_t *j)
{
    json_object_set_new(json_object_get(j, "label"), "type", json_string("string"));
}

static void onehot_double(json_t *j)
{
    json_t *in = json_array_get(json_object_get(j, "inputs"), 0);
    json_object_set_new(in, "encoding", json_string("onehot"));
}

static void drop_last_input(json_t *j)
{
    json_t *in = json_object_get(j, "inputs"), *names = json_object_get(j, "feature_names");
    json_array_remove(in, json_array_size(in) - 1);
    json_array_remove(names, json_array_size(names) - 1);
}

static void keep(json_t *j)
{
    (void)j;
}

Test(ml_model, load_refuses_inconsistent_folders)
{
    const ml_kv o[] = {{"model_type", "random_forest_regressor"}, {"label_col", "y"},
                       {"n_estimators", "3"}};
    ml_dataset *d = scen_dataset(SC_REG, 300, 300);
    ml_train_report r;
    ml_model *m = train(d, o, 3, &r);
    char *dir = tmp_dir();
    st_error err;
    cr_assert_eq(ml_model_save(m, dir, NULL, NULL, NULL, &err), ST_OK, "%s", err.msg);
    ml_model_free(m);
    ml_dataset_free(d);
    json_t *enc = json_load_file(st_arena_printf(A, "%s/strata_model.json", dir), 0, NULL);
    cr_assert_not_null(enc);
    /* a regressor predicting strings overran its prediction vector */
    write_encoding(dir, enc, label_string);
    expect_corrupt(dir, "strata_model.json has label type 'string' for task 'regression'");
    write_encoding(dir, enc, onehot_double);
    expect_corrupt(dir, "input 'x1' has type 'double' with encoding 'onehot'");
    /* fewer features than the booster takes: was an internal error */
    write_encoding(dir, enc, drop_last_input);
    expect_corrupt(dir, "model file 'model.json' takes 2 features but strata_model.json "
                        "encodes 1");
    write_encoding(dir, enc, keep);
    json_decref(enc);
    /* MLmodel nested deeper than the reader's 8 levels leaked its keys */
    char *mlmodel = read_text(st_arena_printf(A, "%s/MLmodel", dir));
    st_buf b;
    st_buf_init(&b);
    cr_assert_eq(st_buf_append_str(&b, mlmodel, &err), ST_OK);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(st_buf_printf(&b, &err, "%*sk%d:\n", 2 * i, "", i), ST_OK);
    cr_assert_eq(st_file_write_all(st_arena_printf(A, "%s/MLmodel", dir), b.data, b.len, &err),
                 ST_OK);
    expect_corrupt(dir, "MLmodel nests deeper than 8 levels");
    /* CRLF line ends and a comment after a mapping key still load */
    st_buf_clear(&b);
    cr_assert_eq(st_buf_append_str(&b, "# edited on another system\r\n", &err), ST_OK);
    for (const char *p = mlmodel; *p; p++) {
        if (!strncmp(p, "flavors:\n", 9)) {
            cr_assert_eq(st_buf_append_str(&b, "flavors:   # two of them", &err), ST_OK);
            p += 7;
            continue;
        }
        if (*p == '\n')
            cr_assert_eq(st_buf_append_byte(&b, '\r', &err), ST_OK);
        cr_assert_eq(st_buf_append_byte(&b, (uint8_t)*p, &err), ST_OK);
    }
    cr_assert_eq(st_file_write_all(st_arena_printf(A, "%s/MLmodel", dir), b.data, b.len, &err),
                 ST_OK);
    st_buf_destroy(&b);
    cr_assert_eq(ml_model_load(dir, &m, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(ml_model_n_inputs(m), 2);
    ml_model_free(m);
    tu_rm_rf(dir);
}

Test(ml_model, mlmodel_with_nul_byte)
{
    /* a key holding a NUL byte overran the copy of the key */
    static const char text[] = "flavor\0s:\n  sklearn:\n    pickled_model: model.pkl\n";
    char *dir = tmp_dir();
    st_error err;
    cr_assert_eq(st_file_write_all(st_arena_printf(A, "%s/MLmodel", dir), text, sizeof text - 1,
                                   &err), ST_OK);
    expect_corrupt(dir, "MLmodel holds a NUL byte");
    tu_rm_rf(dir);
}

/* XGBoost is opened on first use (ml_xgb.c over st_dl_load): the loader
** resolves every symbol or names what is missing. */
Test(ml_model, optional_library_loading)
{
    st_error err;
    st_error_init(&err);
    cr_assert_eq(ml_xgb_load(&err), ST_OK, "%s", err.msg);
    cr_assert_eq(ml_xgb_load(&err), ST_OK);              /* once per process */
    int major = 0, minor = 0, patch = 0;
    XGBoostVersion(&major, &minor, &patch);
    cr_assert(major >= 1, "XGBoost %d.%d.%d", major, minor, patch);

    char msg[512];
    const char *none[] = {"libstrata-no-such-library.so.7", NULL};
    const char *sym[] = {"strlen"};
    void *fn = NULL;
    cr_assert_eq(st_dl_load(none, sym, &fn, 1, msg, sizeof msg), ST_ERR_UNSUPPORTED);
    cr_assert(strstr(msg, "libstrata-no-such-library.so.7 could not be loaded") != NULL, "%s", msg);
    const char *libc[] = {"libc.so.6", NULL};
    const char *syms[] = {"strlen", "strata_no_such_function"};
    void *fns[2];
    cr_assert_eq(st_dl_load(libc, syms, fns, 2, msg, sizeof msg), ST_ERR_UNSUPPORTED);
    cr_assert(strstr(msg, "lacks the function strata_no_such_function") != NULL, "%s", msg);
    cr_assert_eq(st_dl_load(libc, syms, fns, 1, msg, sizeof msg), ST_OK);
    cr_assert_eq(((size_t (*)(const char *))fns[0])("abc"), 3);

    /* st_dl_open remembers the outcome, failure included. */
    struct { void *f; } table;
    st_dl_lib missing = {.libs = none, .syms = sym, .n_syms = 1, .table = &table};
    const char *why = NULL;
    cr_assert_eq(st_dl_open(&missing, &why), ST_ERR_UNSUPPORTED);
    cr_assert(why && strstr(why, "libstrata-no-such-library.so.7") != NULL);
    cr_assert_eq(st_dl_open(&missing, NULL), ST_ERR_UNSUPPORTED);
    st_dl_lib present = {.libs = libc, .syms = syms, .n_syms = 1, .table = &table};
    cr_assert_eq(st_dl_open(&present, &why), ST_OK);
    cr_assert_eq(((size_t (*)(const char *))table.f)("abcd"), 4);
}
