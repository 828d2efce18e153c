/* ml_train.c -- training: option parsing and validation, the deterministic
** train/holdout split, fitting the six model types through libxgboost, the
** training report (effective options, metrics on train and holdout rows),
** feature importances and evaluation on new labelled data.
**
** Split: row r (its position in the dataset) is a holdout row when
** splitmix64(seed, r) / 2^64 < holdout_fraction, so the split depends only
** on the row order and the seed, never on batch boundaries. The rows are
** partitioned in place (training rows first, both stable), in the encoded
** matrix and in the dataset's own per-row arrays, which keeps the dataset
** consistent (same rows, new order); training the same dataset twice
** therefore splits the reordered rows.
**
** Mapping to XGBoost (1.7): random forests are one boosting round of
** num_parallel_tree trees with learning rate 1, subsample = the bootstrap
** fraction (rows drawn without replacement per tree), colsample_bynode =
** max_features / n_features, reg_lambda 1e-5 (leaf values are near the
** leaf means, as XGBoost's XGBRF* defaults), min_child_weight =
** min_samples_leaf times the first round's hessian per row (regression 1,
** binary 0.25, k classes 2/k(1-1/k)), so it counts rows. Boosted trees pass
** XGBoost's own options. Linear models use gblinear with the coord_descent
** updater (the default shotgun updater is not deterministic with several
** threads). Everything uses tree_method hist (trees), the seed, nthread =
** num_threads and verbosity 0; every XGBoost failure reports
** XGBGetLastError(). */
#include "ml_model_int.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

/* ---- model types ----------------------------------------------------------------------- */

static const struct {
    const char   *name;
    ml_model_type type;
} type_names[] = {
    {"random_forest_classifier", ML_RF_CLASSIFIER},
    {"random_forest_regressor", ML_RF_REGRESSOR},
    {"boosted_tree_classifier", ML_GBT_CLASSIFIER},
    {"boosted_tree_regressor", ML_GBT_REGRESSOR},
    {"logistic_regression", ML_LOGISTIC_REGRESSION},
    {"linear_regression", ML_LINEAR_REGRESSION},
    {"xgboost", ML_XGB_EXTERNAL},
    {"xgboost_classifier", ML_GBT_CLASSIFIER},
    {"xgboost_regressor", ML_GBT_REGRESSOR},
};

int ml_model_type_parse(const char *name)
{
    for (size_t i = 0; name && i < ST_ARRAY_LEN(type_names); i++)
        if (strcasecmp(name, type_names[i].name) == 0 && type_names[i].type != ML_XGB_EXTERNAL)
            return (int)type_names[i].type;
    return -1;
}

const char *ml_model_type_name(ml_model_type t)
{
    for (size_t i = 0; i < ST_ARRAY_LEN(type_names); i++)
        if (type_names[i].type == t)
            return type_names[i].name;
    return "unknown";
}

bool ml_model_type_is_classifier(ml_model_type t)
{
    return t == ML_RF_CLASSIFIER || t == ML_GBT_CLASSIFIER || t == ML_LOGISTIC_REGRESSION;
}

/* ---- options ----------------------------------------------------------------------------- */

enum { FAM_RF = 1, FAM_GBT = 2, FAM_LIN = 4, FAM_ALL = 7 };

typedef enum opt_kind {
    OPT_TEXT,
    OPT_INT0,       /* integer >= 0 */
    OPT_INT1,       /* integer >= 1 */
    OPT_FRAC,       /* (0, 1] */
    OPT_FRAC0,      /* [0, 1) */
    OPT_NONNEG,     /* >= 0 */
    OPT_POS,        /* > 0 */
    OPT_BOOTSTRAP,  /* true / false / fraction in (0, 1] */
    OPT_MAXFEAT     /* sqrt / log2 / all / fraction / count */
} opt_kind;

typedef struct opt_def {
    const char *name;
    unsigned    fams;     /* FAM_* bits of the types that take it */
    opt_kind    kind;
    const char *xgb;      /* boosted trees: XGBoost's parameter name, or NULL */
} opt_def;

static const opt_def opt_defs[] = {
    {"model_type", FAM_ALL, OPT_TEXT, NULL},
    {"label_col", FAM_ALL, OPT_TEXT, NULL},
    {"feature_cols", FAM_ALL, OPT_TEXT, NULL},
    {"holdout_fraction", FAM_ALL, OPT_FRAC0, NULL},
    {"seed", FAM_ALL, OPT_INT0, NULL},
    {"num_threads", FAM_ALL, OPT_INT1, NULL},
    {"n_estimators", FAM_RF | FAM_GBT, OPT_INT1, NULL},
    {"num_boost_round", FAM_GBT, OPT_INT1, NULL},
    {"max_depth", FAM_RF | FAM_GBT, OPT_INT0, "max_depth"},
    {"max_features", FAM_RF, OPT_MAXFEAT, NULL},
    {"min_samples_leaf", FAM_RF, OPT_INT1, NULL},
    {"bootstrap", FAM_RF, OPT_BOOTSTRAP, NULL},
    {"subsample", FAM_RF | FAM_GBT, OPT_FRAC, "subsample"},
    {"max_bin", FAM_RF | FAM_GBT, OPT_INT1, "max_bin"},
    {"learning_rate", FAM_GBT | FAM_LIN, OPT_POS, "eta"},
    {"eta", FAM_GBT, OPT_POS, "eta"},
    {"colsample_bytree", FAM_GBT, OPT_FRAC, "colsample_bytree"},
    {"colsample_bylevel", FAM_GBT, OPT_FRAC, "colsample_bylevel"},
    {"colsample_bynode", FAM_GBT, OPT_FRAC, "colsample_bynode"},
    {"min_child_weight", FAM_GBT, OPT_NONNEG, "min_child_weight"},
    {"reg_lambda", FAM_GBT, OPT_NONNEG, "lambda"},
    {"lambda", FAM_GBT, OPT_NONNEG, "lambda"},
    {"reg_alpha", FAM_GBT, OPT_NONNEG, "alpha"},
    {"alpha", FAM_GBT, OPT_NONNEG, "alpha"},
    {"gamma", FAM_GBT, OPT_NONNEG, "gamma"},
    {"min_split_loss", FAM_GBT, OPT_NONNEG, "gamma"},
    {"max_delta_step", FAM_GBT, OPT_NONNEG, "max_delta_step"},
    {"scale_pos_weight", FAM_GBT, OPT_POS, "scale_pos_weight"},
    {"max_leaves", FAM_GBT, OPT_INT0, "max_leaves"},
    {"grow_policy", FAM_GBT, OPT_TEXT, "grow_policy"},
    {"tree_method", FAM_GBT, OPT_TEXT, "tree_method"},
    {"l1_reg", FAM_LIN, OPT_NONNEG, NULL},
    {"l2_reg", FAM_LIN, OPT_NONNEG, NULL},
    {"max_iterations", FAM_LIN, OPT_INT1, NULL},
};

#define XGB_PARAMS_MAX 32

/* What training needs, decided from the options. */
typedef struct train_cfg {
    ml_model_type type;
    unsigned      fam;
    double        holdout;            /* fraction of rows held out */
    uint64_t      seed;
    int           threads;
    int           rounds;             /* boosting rounds */
    int           n_xgb;
    const char   *xgb_key[XGB_PARAMS_MAX];   /* static strings or model arena */
    const char   *xgb_val[XGB_PARAMS_MAX];   /* model arena */
} train_cfg;

static bool parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (end == s || *end || errno || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static const opt_def *opt_find(const char *name)
{
    for (size_t i = 0; i < ST_ARRAY_LEN(opt_defs); i++)
        if (strcmp(opt_defs[i].name, name) == 0)
            return &opt_defs[i];
    return NULL;
}

/* Checks one option value against its kind. */
static st_status opt_check(const opt_def *o, const char *v, st_error *err)
{
    double x;
    bool ok;
    switch (o->kind) {
    case OPT_TEXT:
        return ST_OK;
    case OPT_BOOTSTRAP:
        if (!strcasecmp(v, "true") || !strcasecmp(v, "false"))
            return ST_OK;
        ok = parse_number(v, &x) && x > 0 && x <= 1;
        break;
    case OPT_MAXFEAT:
        if (!strcasecmp(v, "sqrt") || !strcasecmp(v, "log2") || !strcasecmp(v, "all") ||
            !strcasecmp(v, "auto"))
            return ST_OK;
        ok = parse_number(v, &x) && x > 0 && (x <= 1 || x == floor(x));
        break;
    case OPT_INT0:
    case OPT_INT1:
        ok = parse_number(v, &x) && x == floor(x) && x >= (o->kind == OPT_INT1 ? 1 : 0) &&
             x <= 1e9;
        break;
    case OPT_FRAC:   ok = parse_number(v, &x) && x > 0 && x <= 1; break;
    case OPT_FRAC0:  ok = parse_number(v, &x) && x >= 0 && x < 1; break;
    case OPT_NONNEG: ok = parse_number(v, &x) && x >= 0; break;
    case OPT_POS:    ok = parse_number(v, &x) && x > 0; break;
    default:         ok = false; break;
    }
    if (ok)
        return ST_OK;
    static const char *const want[] = {
        [OPT_TEXT] = "text", [OPT_INT0] = "an integer >= 0", [OPT_INT1] = "an integer >= 1",
        [OPT_FRAC] = "a number in (0, 1]", [OPT_FRAC0] = "a number in [0, 1)",
        [OPT_NONNEG] = "a number >= 0", [OPT_POS] = "a number > 0",
        [OPT_BOOTSTRAP] = "true, false or a fraction in (0, 1]",
        [OPT_MAXFEAT] = "'sqrt', 'log2', 'all', a fraction in (0, 1] or a count",
    };
    return st_error_set(err, ST_ERR_ARGUMENT, "option '%s' must be %s, not '%s'", o->name,
                        want[o->kind], v);
}

static const char *opt_get(const ml_kv *options, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (strcmp(options[i].key, key) == 0)
            return options[i].value;
    return NULL;
}

/* Validates every option name and value for the model type. */
static st_status check_options(const ml_kv *options, int n, ml_model_type t, unsigned fam,
                               st_error *err)
{
    for (int i = 0; i < n; i++) {
        if (!options[i].key || !options[i].value)
            return st_error_set(err, ST_ERR_ARGUMENT, "option %d has no name or value", i + 1);
        for (int j = 0; j < i; j++)
            if (strcmp(options[i].key, options[j].key) == 0)
                return st_error_set(err, ST_ERR_ARGUMENT, "option '%s' is given twice",
                                    options[i].key);
        const opt_def *o = opt_find(options[i].key);
        if (!o)
            return st_error_set(err, ST_ERR_ARGUMENT, "unknown option '%s' for model type '%s'",
                                options[i].key, ml_model_type_name(t));
        if (!(o->fams & fam))
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "option '%s' does not apply to model type '%s'", o->name,
                                ml_model_type_name(t));
        st_status rc = opt_check(o, options[i].value, err);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

/* ---- effective options ------------------------------------------------------------------ */

static st_status param_text(ml_model *m, const char *key, const char *value, st_error *err)
{
    if (json_object_set_new(m->options, key, json_string(value)) != 0)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory recording option '%s'", key);
    return ST_OK;
}

static st_status param_num(ml_model *m, const char *key, double v, st_error *err)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.10g", v);
    return param_text(m, key, buf, err);
}

static st_status xgb_set(train_cfg *c, ml_model *m, const char *key, const char *value,
                         st_error *err)
{
    for (int i = 0; i < c->n_xgb; i++)
        if (strcmp(c->xgb_key[i], key) == 0) {
            c->xgb_val[i] = st_arena_strdup(m->arena, value);
            return c->xgb_val[i] ? ST_OK
                                 : st_error_set(err, ST_ERR_NOMEM, "out of memory setting '%s'", key);
        }
    if (c->n_xgb == XGB_PARAMS_MAX)
        return st_error_set(err, ST_ERR_LIMIT, "too many xgboost parameters");
    c->xgb_key[c->n_xgb] = key;
    c->xgb_val[c->n_xgb] = st_arena_strdup(m->arena, value);
    if (!c->xgb_val[c->n_xgb])
        return st_error_set(err, ST_ERR_NOMEM, "out of memory setting '%s'", key);
    c->n_xgb++;
    return ST_OK;
}

static st_status xgb_num(train_cfg *c, ml_model *m, const char *key, double v, st_error *err)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", v);
    return xgb_set(c, m, key, buf, err);
}

/* Number option value or its default. */
static double opt_num(const ml_kv *o, int n, const char *key, double dflt)
{
    const char *v = opt_get(o, n, key);
    double x;
    return v && parse_number(v, &x) ? x : dflt;
}

/* Random forest: the mapping described at the top of the file. */
static st_status rf_config(train_cfg *c, ml_model *m, const ml_kv *o, int n, st_error *err)
{
    int nf = m->n_features;
    int trees = (int)opt_num(o, n, "n_estimators", 100);
    int depth = (int)opt_num(o, n, "max_depth", 6);
    int leaf = (int)opt_num(o, n, "min_samples_leaf", 1);
    if (depth < 1)
        return st_error_set(err, ST_ERR_ARGUMENT, "option 'max_depth' must be >= 1 for a random "
                            "forest, not %d", depth);
    double sub = 0.6321205588285577;              /* 1 - 1/e: distinct rows of a bootstrap */
    const char *bs = opt_get(o, n, "bootstrap");
    if (bs && !strcasecmp(bs, "false"))
        sub = 1.0;
    else if (bs && strcasecmp(bs, "true"))
        sub = opt_num(o, n, "bootstrap", sub);
    sub = opt_num(o, n, "subsample", sub);
    const char *mf = opt_get(o, n, "max_features");
    if (!mf || !strcasecmp(mf, "auto"))
        mf = ml_model_type_is_classifier(c->type) ? "sqrt" : "all";
    double k;                                     /* features per split */
    if (!strcasecmp(mf, "sqrt"))
        k = floor(sqrt((double)nf));
    else if (!strcasecmp(mf, "log2"))
        k = floor(log2((double)nf));
    else if (!strcasecmp(mf, "all"))
        k = nf;
    else {
        double x = opt_num(o, n, "max_features", 1);
        k = x <= 1 && strchr(mf, '.') ? floor(x * nf) : x;
    }
    k = k < 1 ? 1 : k > nf ? nf : k;
    double colsample = k >= nf ? 1.0 : (k + 0.5) / nf;   /* XGBoost keeps floor(frac * nf) */
    double hess = 1.0;
    if (m->task == ML_TASK_BINARY)
        hess = 0.25;
    else if (m->task == ML_TASK_MULTI)
        hess = 2.0 / m->n_classes * (1.0 - 1.0 / m->n_classes);
    c->rounds = 1;
    st_status rc;
    if ((rc = param_num(m, "n_estimators", trees, err)) || (rc = param_num(m, "max_depth", depth, err)) ||
        (rc = param_text(m, "max_features", mf, err)) ||
        (rc = param_num(m, "min_samples_leaf", leaf, err)) ||
        (rc = param_num(m, "subsample", sub, err)) ||
        (rc = xgb_set(c, m, "booster", "gbtree", err)) ||
        (rc = xgb_set(c, m, "tree_method", "hist", err)) ||
        (rc = xgb_num(c, m, "num_parallel_tree", trees, err)) ||
        (rc = xgb_set(c, m, "eta", "1", err)) || (rc = xgb_num(c, m, "max_depth", depth, err)) ||
        (rc = xgb_num(c, m, "subsample", sub, err)) ||
        (rc = xgb_num(c, m, "colsample_bynode", colsample, err)) ||
        (rc = xgb_num(c, m, "min_child_weight", leaf * hess, err)) ||
        (rc = xgb_set(c, m, "lambda", "1e-05", err)))
        return rc;
    const char *mb = opt_get(o, n, "max_bin");
    if (mb && ((rc = param_text(m, "max_bin", mb, err)) || (rc = xgb_set(c, m, "max_bin", mb, err))))
        return rc;
    return ST_OK;
}

/* Boosted trees: XGBoost's options as given, defaults for the main ones. */
static st_status gbt_config(train_cfg *c, ml_model *m, const ml_kv *o, int n, st_error *err)
{
    const char *r = opt_get(o, n, "n_estimators");
    if (!r)
        r = opt_get(o, n, "num_boost_round");
    c->rounds = r ? (int)opt_num(o, n, r == opt_get(o, n, "n_estimators") ? "n_estimators"
                                                                          : "num_boost_round", 100)
                  : 100;
    st_status rc;
    if ((rc = param_num(m, "n_estimators", c->rounds, err)) ||
        (rc = xgb_set(c, m, "booster", "gbtree", err)) ||
        (rc = xgb_set(c, m, "tree_method", "hist", err)) ||
        (rc = xgb_set(c, m, "eta", "0.3", err)) || (rc = xgb_set(c, m, "max_depth", "6", err)))
        return rc;
    for (int i = 0; i < n; i++) {
        const opt_def *d = opt_find(o[i].key);
        if (!d || !d->xgb)
            continue;
        if (!strcmp(d->name, "tree_method") && strcmp(o[i].value, "hist") &&
            strcmp(o[i].value, "approx") && strcmp(o[i].value, "exact"))
            return st_error_set(err, ST_ERR_ARGUMENT, "option 'tree_method' must be 'hist', "
                                "'approx' or 'exact', not '%s'", o[i].value);
        if (!strcmp(d->name, "grow_policy") && strcmp(o[i].value, "depthwise") &&
            strcmp(o[i].value, "lossguide"))
            return st_error_set(err, ST_ERR_ARGUMENT, "option 'grow_policy' must be 'depthwise' "
                                "or 'lossguide', not '%s'", o[i].value);
        if ((rc = xgb_set(c, m, d->xgb, o[i].value, err)) != ST_OK)
            return rc;
    }
    for (int i = 0; i < c->n_xgb; i++)
        if (strcmp(c->xgb_key[i], "booster") &&
            (rc = param_text(m, c->xgb_key[i], c->xgb_val[i], err)) != ST_OK)
            return rc;
    return ST_OK;
}

static st_status linear_config(train_cfg *c, ml_model *m, const ml_kv *o, int n, st_error *err)
{
    double l1 = opt_num(o, n, "l1_reg", 0), l2 = opt_num(o, n, "l2_reg", 0);
    double eta = opt_num(o, n, "learning_rate", 0.5);
    c->rounds = (int)opt_num(o, n, "max_iterations", 100);
    st_status rc;
    if ((rc = param_num(m, "l1_reg", l1, err)) || (rc = param_num(m, "l2_reg", l2, err)) ||
        (rc = param_num(m, "learning_rate", eta, err)) ||
        (rc = param_num(m, "max_iterations", c->rounds, err)) ||
        (rc = xgb_set(c, m, "booster", "gblinear", err)) ||
        (rc = xgb_set(c, m, "updater", "coord_descent", err)) ||
        (rc = xgb_set(c, m, "feature_selector", "cyclic", err)) ||
        (rc = xgb_num(c, m, "alpha", l1, err)) || (rc = xgb_num(c, m, "lambda", l2, err)) ||
        (rc = xgb_num(c, m, "eta", eta, err)))
        return rc;
    m->is_linear = true;
    return ST_OK;
}

/* Common options, objective and the type's own mapping. */
static st_status configure(train_cfg *c, ml_model *m, ml_dataset *d, const ml_kv *o, int n,
                           st_error *err)
{
    st_status rc;
    c->holdout = opt_num(o, n, "holdout_fraction", 0.2);
    c->seed = (uint64_t)opt_num(o, n, "seed", 0);
    c->threads = (int)opt_num(o, n, "num_threads", c->threads);
    st_buf cols;
    st_buf_init(&cols);
    for (int i = 0; i < m->n_inputs; i++)
        if ((rc = st_buf_printf(&cols, err, "%s%s", i ? "," : "", m->inputs[i].name)) != ST_OK) {
            st_buf_destroy(&cols);
            return rc;
        }
    rc = st_buf_append_byte(&cols, 0, err);
    if (rc == ST_OK)
        rc = param_text(m, "model_type", ml_model_type_name(c->type), err);
    if (rc == ST_OK)
        rc = param_text(m, "label_col", d->label_name, err);
    if (rc == ST_OK)
        rc = param_text(m, "feature_cols", (const char *)cols.data, err);
    st_buf_destroy(&cols);
    if (rc || (rc = param_num(m, "holdout_fraction", c->holdout, err)) ||
        (rc = param_num(m, "seed", (double)c->seed, err)) ||
        (rc = param_num(m, "num_threads", c->threads, err)))
        return rc;
    const char *obj = m->task == ML_TASK_BINARY ? "binary:logistic"
                    : m->task == ML_TASK_MULTI  ? "multi:softprob" : "reg:squarederror";
    m->objective = obj;
    if ((rc = xgb_set(c, m, "objective", obj, err)) ||
        (rc = xgb_num(c, m, "seed", (double)c->seed, err)) ||
        (rc = xgb_num(c, m, "nthread", c->threads, err)) ||
        (rc = xgb_set(c, m, "verbosity", "0", err)))
        return rc;
    if (m->task == ML_TASK_MULTI && (rc = xgb_num(c, m, "num_class", m->n_classes, err)))
        return rc;
    if (c->fam == FAM_RF)
        return rf_config(c, m, o, n, err);
    if (c->fam == FAM_GBT)
        return gbt_config(c, m, o, n, err);
    return linear_config(c, m, o, n, err);
}

/* ---- split --------------------------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static bool is_holdout(uint64_t seed, int64_t row, double frac)
{
    if (frac <= 0)
        return false;
    uint64_t h = splitmix64(splitmix64(seed) ^ (uint64_t)row);
    return (double)(h >> 11) * 0x1.0p-53 < frac;
}

/* Moves holdout rows (hold[r]) of data (row bytes each) after the training
** rows, both in their order. tmp holds n_hold rows. */
static void partition(void *data, size_t row, int64_t n, const uint8_t *hold, void *tmp)
{
    if (!data)
        return;
    uint8_t *p = data, *t = tmp;
    int64_t w = 0, h = 0;
    for (int64_t r = 0; r < n; r++) {
        if (hold[r])
            memcpy(t + (size_t)h++ * row, p + (size_t)r * row, row);
        else {
            if (w != r)
                memcpy(p + (size_t)w * row, p + (size_t)r * row, row);
            w++;
        }
    }
    st_memcpy(p + (size_t)w * row, t, (size_t)h * row);
}

/* Splits rows: X (nf floats per row) and y, and the dataset's own arrays
** when X is its raw matrix. *n_train gets the training rows. */
static st_status split_rows(ml_dataset *d, float *X, bool owned, int nf, float *y,
                            const train_cfg *c, int64_t *n_train, st_error *err)
{
    int64_t n = d->n_rows, n_hold = 0;
    *n_train = n;
    if (c->holdout <= 0)
        return ST_OK;
    uint8_t *hold = st_malloc((size_t)n);
    if (!hold)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory splitting rows");
    for (int64_t r = 0; r < n; r++)
        n_hold += hold[r] = is_holdout(c->seed, r, c->holdout);
    size_t row_bytes = (size_t)(nf > d->n_num ? nf : d->n_num) * sizeof(float);
    size_t tmp_bytes = (size_t)n_hold * (row_bytes > 8 ? row_bytes : 8);
    void *tmp = st_malloc(tmp_bytes ? tmp_bytes : 1);
    if (!tmp) {
        st_free(hold);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory splitting rows");
    }
    partition(X, (size_t)nf * sizeof(float), n, hold, tmp);
    partition(y, sizeof(float), n, hold, tmp);
    if (owned)
        partition(d->num, (size_t)d->n_num * sizeof(float), n, hold, tmp);
    partition(d->y, sizeof(double), n, hold, tmp);
    partition(d->y_ids, sizeof(int32_t), n, hold, tmp);
    for (int i = 0; i < d->n_cols; i++)
        partition(d->cols[i].ids, sizeof(int32_t), n, hold, tmp);
    st_free(tmp);
    st_free(hold);
    *n_train = n - n_hold;
    if (*n_train == 0)
        return st_error_set(err, ST_ERR_ARGUMENT, "holdout_fraction %g leaves no training rows "
                            "out of %" PRId64, c->holdout, n);
    return ST_OK;
}

/* ---- fitting -------------------------------------------------------------------------------- */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static st_status xgb_fail(st_error *err, const char *what)
{
    return st_error_set(err, ST_ERR_INTERNAL, "xgboost could not %s: %s", what, ml_xgb_error());
}

/* Builds the training DMatrix and the booster, then boosts c->rounds rounds. */
static st_status fit(ml_model *m, const train_cfg *c, const float *X, const float *y,
                     int64_t n, DMatrixHandle *dtrain, st_error *err)
{
    if (XGDMatrixCreateFromMat_omp(X, (bst_ulong)n, (bst_ulong)m->n_features, NAN, dtrain,
                                   c->threads) != 0)
        return xgb_fail(err, "build the training matrix");
    if (XGDMatrixSetFloatInfo(*dtrain, "label", y, (bst_ulong)n) != 0)
        return xgb_fail(err, "set the labels");
    if (m->n_features > 0 &&
        XGDMatrixSetStrFeatureInfo(*dtrain, "feature_name", m->feature_names,
                                   (bst_ulong)m->n_features) != 0)
        return xgb_fail(err, "set the feature names");
    if (XGBoosterCreate(dtrain, 1, &m->booster) != 0)
        return xgb_fail(err, "create a booster");
    if (m->n_features > 0 &&
        XGBoosterSetStrFeatureInfo(m->booster, "feature_name", m->feature_names,
                                   (bst_ulong)m->n_features) != 0)
        return xgb_fail(err, "name the booster's features");
    for (int i = 0; i < c->n_xgb; i++)
        if (XGBoosterSetParam(m->booster, c->xgb_key[i], c->xgb_val[i]) != 0)
            return st_error_set(err, ST_ERR_ARGUMENT, "xgboost rejected parameter %s = '%s': %s",
                                c->xgb_key[i], c->xgb_val[i], ml_xgb_error());
    for (int it = 0; it < c->rounds; it++)
        if (XGBoosterUpdateOneIter(m->booster, it, *dtrain) != 0)
            return xgb_fail(err, "train");
    return ST_OK;
}

/* Predictions on the training matrix (XGBoost reuses its training cache). */
static st_status train_predict(ml_model *m, DMatrixHandle dtrain, int64_t n, float **out,
                               st_error *err)
{
    static const char cfg[] = "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
                              "\"iteration_end\": 0, \"strict_shape\": false}";
    bst_ulong const *shape;
    bst_ulong dim;
    const float *res;
    if (XGBoosterPredictFromDMatrix(m->booster, dtrain, cfg, &shape, &dim, &res) != 0)
        return xgb_fail(err, "predict the training rows");
    size_t want = (size_t)n * (size_t)ml_model_outputs(m), len = 1;
    for (bst_ulong i = 0; i < dim; i++)
        len *= shape[i];
    if (len != want)
        return st_error_set(err, ST_ERR_INTERNAL, "booster returned %zu values for %zu", len, want);
    float *p = st_malloc(want ? want * sizeof *p : 1);
    if (!p)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory predicting the training rows");
    st_memcpy(p, res, want * sizeof *p);
    *out = p;
    return ST_OK;
}

/* Encoded feature names ("col" or "col=value") into the model arena. */
static st_status name_features(ml_model *m, st_error *err)
{
    m->feature_names = st_arena_calloc(m->arena, (size_t)(m->n_features ? m->n_features : 1),
                                       sizeof(char *));
    if (!m->feature_names)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory naming features");
    for (int i = 0; i < m->n_inputs; i++) {
        const ml_input *in = &m->inputs[i];
        if (in->enc == ML_ENC_NUMBER)
            m->feature_names[in->first] = in->name;
        for (int k = 0; in->enc == ML_ENC_ONEHOT && k < in->width; k++)
            m->feature_names[in->first + k] =
                st_arena_printf(m->arena, "%s=%s", in->name, in->vocab.keys[k]);
    }
    for (int i = 0; i < m->n_features; i++)
        if (!m->feature_names[i])
            return st_error_set(err, ST_ERR_NOMEM, "out of memory naming features");
    return ST_OK;
}

/* The model shell for type t on dataset d: task, classes, encoding. */
static st_status model_setup(ml_model *m, ml_dataset *d, ml_model_type t, st_error *err)
{
    m->type = t;
    m->label_name = st_arena_strdup(m->arena, d->label_name);
    m->options = json_object();
    if (!m->label_name || !m->options)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory creating a model");
    st_status rc;
    if (ml_model_type_is_classifier(t)) {
        if ((rc = ml_dataset_classes(d, m, err)) != ST_OK)
            return rc;
        m->task = m->n_classes == 2 ? ML_TASK_BINARY : ML_TASK_MULTI;
        m->pred_type = m->label_type;
    } else {
        if (d->label_type.id == VEC_STRING)
            return st_error_set(err, ST_ERR_ARGUMENT, "regression label column '%s' must be "
                                "numeric, not string", d->label_name);
        m->task = ML_TASK_REGRESSION;
        m->label_type = d->label_type;
        m->pred_type.id = VEC_DOUBLE;
    }
    if ((rc = ml_dataset_encoding(d, m->arena, &m->inputs, &m->n_features, err)) != ST_OK)
        return rc;
    m->n_inputs = d->n_cols;
    return name_features(m, err);
}

/* Training metrics over at most this many training rows: scoring every row
** of a large training set would cost a sixth of CREATE MODEL for figures a
** sample of this size gives to about a tenth of a point. */
#define ML_TRAIN_METRIC_ROWS 100000

/* Training metrics: on every training row (the training DMatrix) up to
** ML_TRAIN_METRIC_ROWS, else on an evenly strided sample of them. */
static st_status train_metrics(ml_model *m, const float *X, const float *y, int64_t n_train,
                               DMatrixHandle dtrain, ml_train_report *rep, st_error *err)
{
    float *p = NULL;
    if (n_train <= ML_TRAIN_METRIC_ROWS) {
        st_status rc = train_predict(m, dtrain, n_train, &p, err);
        if (rc == ST_OK)
            rc = ml_metrics_compute(m, p, y, n_train, m->arena, &rep->train, &rep->n_train, err);
        st_free(p);
        return rc;
    }
    int64_t k = ML_TRAIN_METRIC_ROWS, nf = m->n_features;
    float *xs = st_malloc((size_t)k * (size_t)(nf ? nf : 1) * sizeof *xs);
    float *ys = st_malloc((size_t)k * sizeof *ys);
    st_status rc = xs && ys ? ST_OK
                            : st_error_set(err, ST_ERR_NOMEM, "out of memory sampling rows");
    for (int64_t i = 0; rc == ST_OK && i < k; i++) {
        int64_t r = i * n_train / k;          /* strictly increasing, < n_train */
        st_memcpy(xs + (size_t)i * (size_t)nf, X + (size_t)r * (size_t)nf,
                  (size_t)nf * sizeof *xs);
        ys[i] = y[r];
    }
    if (rc == ST_OK)
        rc = ml_model_raw_predict(m, xs, k, &p, err);
    if (rc == ST_OK)
        rc = ml_metrics_compute(m, p, ys, k, m->arena, &rep->train, &rep->n_train, err);
    st_free(p);
    st_free(xs);
    st_free(ys);
    return rc;
}

/* Fills the report from predictions on both parts. */
static st_status report_fill(ml_model *m, const float *X, const float *y, int64_t n_train,
                             int64_t n, DMatrixHandle dtrain, ml_train_report *rep, st_error *err)
{
    float *p = NULL;
    st_status rc = train_metrics(m, X, y, n_train, dtrain, rep, err);
    if (rc == ST_OK && n > n_train) {
        rc = ml_model_raw_predict(m, X + (size_t)n_train * (size_t)m->n_features, n - n_train, &p,
                                  err);
        if (rc == ST_OK)
            rc = ml_metrics_compute(m, p, y + n_train, n - n_train, m->arena, &rep->holdout,
                                    &rep->n_holdout, err);
        st_free(p);
    }
    if (rc != ST_OK)
        return rc;
    rep->train_rows = n_train;
    rep->holdout_rows = n - n_train;
    size_t np = json_object_size(m->options);
    rep->params = st_arena_calloc(m->arena, np ? np : 1, sizeof(ml_kv));
    if (!rep->params)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory building the report");
    const char *key;
    json_t *v;
    json_object_foreach(m->options, key, v) {
        rep->params[rep->n_params].key = key;
        rep->params[rep->n_params].value = json_string_value(v);
        rep->n_params++;
    }
    return ST_OK;
}

static st_status model_type_of(const ml_kv *options, int n, ml_model_type *t, unsigned *fam,
                               st_error *err)
{
    const char *name = opt_get(options, n, "model_type");
    if (!name)
        return st_error_set(err, ST_ERR_ARGUMENT, "option 'model_type' is required");
    int ti = ml_model_type_parse(name);
    if (ti < 0) {
        st_error_set(err, ST_ERR_ARGUMENT, "unknown model_type '%s'", name);
        return st_error_hint(err, "Use random_forest_classifier, random_forest_regressor, "
                             "boosted_tree_classifier, boosted_tree_regressor, "
                             "logistic_regression or linear_regression.");
    }
    *t = (ml_model_type)ti;
    *fam = *t == ML_RF_CLASSIFIER || *t == ML_RF_REGRESSOR     ? FAM_RF
         : *t == ML_GBT_CLASSIFIER || *t == ML_GBT_REGRESSOR ? FAM_GBT : FAM_LIN;
    return ST_OK;
}

/* Checks label_col against the dataset's label. */
static st_status check_label(const ml_dataset *d, const ml_kv *options, int n, st_error *err)
{
    const char *lc = opt_get(options, n, "label_col");
    if (!lc)
        return st_error_set(err, ST_ERR_ARGUMENT, "option 'label_col' is required");
    if (d->label < 0 || strcasecmp(lc, d->label_name) != 0)
        return st_error_set(err, ST_ERR_ARGUMENT, "label column '%s' is not the dataset's label",
                            lc);
    if (d->n_rows == 0)
        return st_error_set(err, ST_ERR_ARGUMENT, "the training data has no rows with a non-null "
                            "label '%s'", d->label_name);
    return ST_OK;
}

st_status ml_train(ml_dataset *d, const ml_kv *options, int n_options, int threads,
                   ml_model **out, ml_train_report *report, st_error *err)
{
    *out = NULL;
    memset(report, 0, sizeof *report);
    train_cfg c = {.threads = threads > 0 ? threads : 1};
    st_status rc;
    if ((rc = model_type_of(options, n_options, &c.type, &c.fam, err)) ||
        (rc = check_options(options, n_options, c.type, c.fam, err)) ||
        (rc = check_label(d, options, n_options, err)) ||
        (rc = ml_xgb_load(err)))
        return rc;
    ml_model *m = ml_model_alloc();
    if (!m)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory creating a model");
    float *X = NULL, *y = NULL, *p = NULL;
    bool owned = false;
    DMatrixHandle dtrain = NULL;
    int64_t n_train;
    if ((rc = model_setup(m, d, c.type, err)) ||
        (rc = configure(&c, m, d, options, n_options, err)) ||
        (rc = ml_dataset_matrix(d, m->inputs, m->n_inputs, m->n_features, &X, &owned, err)) ||
        (rc = ml_dataset_labels(d, m, &y, err)) ||
        (rc = split_rows(d, X, owned, m->n_features, y, &c, &n_train, err)))
        goto done;
    double t0 = now_seconds();
    if ((rc = fit(m, &c, X, y, n_train, &dtrain, err)) != ST_OK)
        goto done;
    report->train_seconds = now_seconds() - t0;
    rc = report_fill(m, X, y, n_train, d->n_rows, dtrain, report, err);
done:
    if (dtrain)
        XGDMatrixFree(dtrain);
    if (owned)
        st_free(X);
    st_free(y);
    st_free(p);
    if (rc != ST_OK) {
        ml_model_free(m);
        memset(report, 0, sizeof *report);
        return rc;
    }
    *out = m;
    return ST_OK;
}

/* ---- importances and evaluation ---------------------------------------------------------- */

static int cmp_importance(const void *a, const void *b)
{
    const ml_importance *x = a, *y = b;
    if (x->importance != y->importance)
        return x->importance > y->importance ? -1 : 1;
    return strcmp(x->feature, y->feature);
}

static int feature_index(const ml_model *m, const char *name)
{
    for (int i = 0; i < m->n_features; i++)
        if (strcmp(m->feature_names[i], name) == 0)
            return i;
    if (name[0] == 'f') {                    /* unnamed boosters call features f0, f1, ... */
        char *end;
        long k = strtol(name + 1, &end, 10);
        if (*end == '\0' && end != name + 1 && k >= 0 && k < m->n_features)
            return (int)k;
    }
    return -1;
}

st_status ml_model_importance(ml_model *m, ml_importance **out, int *n, st_error *err)
{
    *out = NULL;
    *n = 0;
    const char *cfg = m->is_linear ? "{\"importance_type\": \"weight\"}"
                                   : "{\"importance_type\": \"gain\"}";
    bst_ulong n_feat, dim;
    const char **names;
    const bst_ulong *shape;
    const float *scores;
    if (XGBoosterFeatureScore(m->booster, cfg, &n_feat, &names, &dim, &shape, &scores) != 0)
        return xgb_fail(err, "compute feature importances");
    ml_importance *imp = st_arena_calloc(m->arena, (size_t)(m->n_features ? m->n_features : 1),
                                         sizeof *imp);
    if (!imp)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory computing importances");
    for (int i = 0; i < m->n_features; i++)
        imp[i].feature = m->feature_names[i];
    size_t per = 1;                          /* scores per feature (linear: one per class) */
    if (dim == 2)
        per = shape[1];
    double total = 0;
    for (bst_ulong f = 0; f < n_feat; f++) {
        int k = feature_index(m, names[f]);
        if (k < 0)
            continue;
        double s = 0;
        for (size_t j = 0; j < per; j++)
            s += fabs(scores[f * per + j]);
        imp[k].importance += s;
        total += s;
    }
    for (int i = 0; i < m->n_features && total > 0; i++)
        imp[i].importance /= total;
    qsort(imp, (size_t)m->n_features, sizeof *imp, cmp_importance);
    *out = imp;
    *n = m->n_features;
    return ST_OK;
}

st_status ml_model_evaluate(ml_model *m, ml_dataset *d, ml_score **out, int *n, st_error *err)
{
    *out = NULL;
    *n = 0;
    if (d->n_rows == 0)
        return st_error_set(err, ST_ERR_ARGUMENT, "the evaluation data has no labelled rows");
    float *X = NULL, *y = NULL, *p = NULL;
    bool owned = false;
    st_status rc;
    if ((rc = ml_dataset_matrix(d, m->inputs, m->n_inputs, m->n_features, &X, &owned, err)) ||
        (rc = ml_dataset_labels(d, m, &y, err)) ||
        (rc = ml_model_raw_predict(m, X, d->n_rows, &p, err)))
        goto done;
    rc = ml_metrics_compute(m, p, y, d->n_rows, m->arena, out, n, err);
done:
    if (owned)
        st_free(X);
    st_free(y);
    st_free(p);
    return rc;
}
