/* ml_model.h -- models: feature encoding, training through libxgboost,
** evaluation metrics, batch prediction, and model folders in MLflow's
** format (MLmodel with the xgboost flavor, the booster as XGBoost JSON).
**
** Data flow: a query's batches go into an ml_dataset (features encoded to
** a dense float32 matrix, NaN = missing; the label kept per row), ml_train
** fits a model on a deterministic train/holdout split and measures it,
** ml_model_save writes the folder, ml_model_load reads it back (also a
** folder MLflow's xgboost flavor saved), ml_model_predict turns input
** vectors into prediction vectors.
**
** Encoding (kept in the folder as strata_model.json, applied again at
** prediction): numeric columns (ints, floats, decimals) as values, booleans
** as 0/1, dates as days and timestamps as seconds since the epoch, strings
** one-hot over the training vocabulary (the 100 most frequent values; others
** and NULL give all zeros), NULL numbers as missing. A classifier's label
** (boolean, integer or string) maps to class indexes in sorted order; the
** classes are saved so predictions come back in the label's own type.
**
** Model types and their options (ml_train_options from OPTIONS (k = v)):
**   random_forest_classifier / random_forest_regressor: n_estimators (100),
**     max_depth (6), max_features ('sqrt' for classifiers, 'all' for
**     regressors, 'log2', a fraction in (0,1] or a count), min_samples_leaf
**     (1), bootstrap / subsample fraction (0.632... sampled rows per tree),
**     seed (0); trained as XGBoost's random forest (one round of
**     num_parallel_tree trees, learning rate 1, hist).
**   boosted_tree_classifier / boosted_tree_regressor (alias xgboost_*):
**     XGBoost's options by name (n_estimators / num_boost_round, learning_rate
**     / eta, max_depth, subsample, colsample_bytree, min_child_weight,
**     reg_lambda, reg_alpha, gamma, ...).
**   logistic_regression / linear_regression: gblinear; l1_reg, l2_reg,
**     max_iterations, learning_rate.
** Common: label_col (required), feature_cols (comma list; default every
** column but the label), holdout_fraction (0.2; 0 = none), seed,
** num_threads (the session's threads). Unknown options -> ST_ERR_ARGUMENT
** naming them.
**
** Thread safety: a loaded model may predict from several threads at once
** (tree boosters through XGBoost's in-place prediction; gblinear models
** serialize on a per-model mutex). A loaded model predicts with XGBoost
** nthread 1 (query execution parallelizes batches); a model fresh from
** ml_train with the training threads. ml_model_importance/_evaluate allocate
** from the model and must not run concurrently with each other. */
#ifndef STRATA_ML_ML_MODEL_H
#define STRATA_ML_ML_MODEL_H

#include "../base/base.h"
#include "../vector/vec.h"
#include "ml_store.h"

typedef enum ml_model_type {
    ML_RF_CLASSIFIER,
    ML_RF_REGRESSOR,
    ML_GBT_CLASSIFIER,
    ML_GBT_REGRESSOR,
    ML_LOGISTIC_REGRESSION,
    ML_LINEAR_REGRESSION,
    ML_XGB_EXTERNAL       /* loaded from a folder without strata_model.json */
} ml_model_type;

/* "random_forest_classifier" -> ML_RF_CLASSIFIER, ...; -1 when unknown. */
int         ml_model_type_parse(const char *name);
const char *ml_model_type_name(ml_model_type t);
bool        ml_model_type_is_classifier(ml_model_type t);

/* ---- datasets ------------------------------------------------------------------ */

typedef struct ml_dataset ml_dataset;

/* A dataset for the columns of schema: label_col names the label (NULL:
** none, for evaluation input without... prediction only), feature_cols
** (NULL/0: every other column) the features. Columns of unsupported types
** (arrays, maps, structs, binary) named as features -> ST_ERR_ARGUMENT. */
st_status ml_dataset_new(const vec_schema *schema, const char *label_col,
                         const char *const *feature_cols, int n_feature_cols,
                         ml_dataset **out, st_error *err);
/* Appends the rows of a batch of that schema (vocabularies grow). Rows with
** a NULL label are skipped. */
st_status ml_dataset_add(ml_dataset *d, const vec_batch *b, st_error *err);
int64_t   ml_dataset_rows(const ml_dataset *d);
void      ml_dataset_free(ml_dataset *d);

/* ---- training -------------------------------------------------------------------- */

typedef struct ml_model ml_model;

/* A metric as measured. */
typedef struct ml_score {
    const char *name;        /* "accuracy", "precision", "recall", "f1", "roc_auc",
                             ** "log_loss"; "rmse", "mae", "r2" */
    double      value;
} ml_score;

typedef struct ml_train_report {
    ml_kv       *params;     /* every effective option, as text (logged as params) */
    int          n_params;
    ml_score    *train;      /* on the training rows */
    int          n_train;
    ml_score    *holdout;    /* on the holdout rows (n_holdout 0 without holdout) */
    int          n_holdout;
    int64_t      train_rows, holdout_rows;
    double       train_seconds;
} ml_train_report;

/* Trains a model of the type options["model_type"] names on d with the
** options (keys lowercase). Report strings live until ml_model_free. */
st_status ml_train(ml_dataset *d, const ml_kv *options, int n_options, int threads,
                   ml_model **out, ml_train_report *report, st_error *err);

/* Feature importances (XGBoost's "gain", normalised to sum 1, descending),
** one per encoded feature ("plan=basic" for a one-hot column). */
typedef struct ml_importance {
    const char *feature;
    double      importance;
} ml_importance;
st_status ml_model_importance(ml_model *m, ml_importance **out, int *n, st_error *err);

/* Scores of the model on the labelled rows of d (every row; the dataset's
** label and features must be the model's). */
st_status ml_model_evaluate(ml_model *m, ml_dataset *d, ml_score **out, int *n, st_error *err);

/* ---- folders --------------------------------------------------------------------- */

/* Writes the model folder dir (created): MLmodel (xgboost + python_function
** flavors, signature from the input columns, run_id, artifact_path,
** utc_time_created, model_uuid), model.json, strata_model.json,
** requirements.txt, python_env.yaml, conda.yaml. *mlmodel_json (heap, may
** be NULL) gets the MLmodel as JSON text for ml_log_model. */
st_status ml_model_save(ml_model *m, const char *dir, const char *run_id,
                        const char *artifact_path, char **mlmodel_json, st_error *err);
/* Loads a model folder (strata's or one MLflow's xgboost flavor wrote: then
** the features are the booster's feature_names or the MLmodel signature's
** inputs, all numeric). ST_ERR_NOTFOUND for a missing folder or MLmodel,
** ST_ERR_UNSUPPORTED for another flavor ("model flavor 'sklearn' is not
** supported; strata loads xgboost models"). */
st_status ml_model_load(const char *dir, ml_model **out, st_error *err);
void      ml_model_free(ml_model *m);      /* accepts NULL */

/* ---- prediction ------------------------------------------------------------------ */

ml_model_type ml_model_kind(const ml_model *m);
/* The label column the model was trained on (NULL for external models). */
const char   *ml_model_label(const ml_model *m);
/* Input columns in order, with the types they were trained on. */
int           ml_model_n_inputs(const ml_model *m);
const char   *ml_model_input_name(const ml_model *m, int i);
const vec_type *ml_model_input_type(const ml_model *m, int i);
/* Output: "prediction" of the label's type (regressors: DOUBLE), and for
** classifiers "probability" DOUBLE (binary: of the positive -- second sorted
** -- class; multi-class: of the predicted class). */
const vec_type *ml_model_prediction_type(const ml_model *m);
bool            ml_model_has_probability(const ml_model *m);

/* Predicts n rows: inputs[i] is the vector of input i (any numeric type is
** accepted for a numeric input; strings for string inputs). Writes new
** vectors into arena a: *prediction, and *probability when the model has it
** (else NULL). */
st_status ml_model_predict(ml_model *m, const vec *const *inputs, int64_t n, st_arena *a,
                           vec **prediction, vec **probability, st_error *err);

#endif /* STRATA_ML_ML_MODEL_H */
