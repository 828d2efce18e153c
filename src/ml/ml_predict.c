/* ml_predict.c -- prediction: input vectors encoded into a dense float32
** matrix (ml_encode_rows), scored by the booster, and turned into a
** prediction vector of the label's type plus a probability vector.
**
** Thread safety: tree boosters use XGBoosterPredictFromDense (in-place
** prediction), which XGBoost 1.7 documents as thread safe: it keeps no
** prediction cache and returns its result in thread-local storage. The
** booster is configured by one prediction (ml_model_warm) before the model
** is handed out, so concurrent calls never race on lazy configuration.
** gblinear has no in-place prediction in 1.7; it predicts through a DMatrix
** and XGBoosterPredictFromDMatrix under the model's pred_lock (linear
** scoring is cheap next to encoding, so serializing it costs little).
** XGBoost's nthread for prediction is the booster's "nthread" parameter:
** 1 for a loaded model (query execution already runs batches in parallel),
** the training threads for a model ml_train just built. */
#include "ml_model_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

const char *ml_xgb_error(void)
{
    const char *e = XGBGetLastError();
    return e && *e ? e : "unknown xgboost error";
}

ml_model *ml_model_alloc(void)
{
    ml_model *m = st_calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->arena = st_arena_new(0);
    if (!m->arena) {
        st_free(m);
        return NULL;
    }
    pthread_mutex_init(&m->pred_lock, NULL);
    m->prob_type.id = VEC_DOUBLE;
    m->pred_type.id = VEC_DOUBLE;
    return m;
}

void ml_model_free(ml_model *m)
{
    if (!m)
        return;
    if (m->booster)
        XGBoosterFree(m->booster);
    for (int i = 0; i < m->n_inputs; i++)
        ml_strmap_destroy(&m->inputs[i].vocab);
    if (m->options)
        json_decref(m->options);
    pthread_mutex_destroy(&m->pred_lock);
    st_arena_free(m->arena);
    st_free(m);
}

ml_model_type ml_model_kind(const ml_model *m)             { return m->type; }
int ml_model_n_inputs(const ml_model *m)                   { return m->n_inputs; }
const char *ml_model_label(const ml_model *m)              { return m->label_name; }
const char *ml_model_input_name(const ml_model *m, int i)  { return m->inputs[i].name; }
const vec_type *ml_model_input_type(const ml_model *m, int i) { return &m->inputs[i].type; }
const vec_type *ml_model_prediction_type(const ml_model *m) { return &m->pred_type; }

bool ml_model_has_probability(const ml_model *m)
{
    return m->task == ML_TASK_BINARY || m->task == ML_TASK_MULTI;
}

int ml_model_outputs(const ml_model *m)
{
    return m->task == ML_TASK_MULTI ? m->n_classes : 1;
}

/* gblinear: a DMatrix per call, under the lock. */
static st_status linear_predict(ml_model *m, const float *X, int64_t n, const float **res,
                                bst_ulong *len, DMatrixHandle *dm, st_error *err)
{
    if (XGDMatrixCreateFromMat_omp(X, (bst_ulong)n, (bst_ulong)m->n_features, NAN, dm, 1) != 0)
        return st_error_set(err, ST_ERR_INTERNAL, "could not build a prediction matrix: %s",
                            ml_xgb_error());
    static const char cfg[] = "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
                              "\"iteration_end\": 0, \"strict_shape\": false}";
    bst_ulong const *shape;
    bst_ulong dim;
    if (XGBoosterPredictFromDMatrix(m->booster, *dm, cfg, &shape, &dim, res) != 0)
        return st_error_set(err, ST_ERR_INTERNAL, "could not predict: %s", ml_xgb_error());
    *len = 1;
    for (bst_ulong i = 0; i < dim; i++)
        *len *= shape[i];
    return ST_OK;
}

st_status ml_model_raw_predict(ml_model *m, const float *X, int64_t n, float **out, st_error *err)
{
    *out = NULL;
    size_t want;
    int k = ml_model_outputs(m);
    if (!st_mul_size((size_t)(n > 0 ? n : 1), (size_t)k, &want))
        return st_error_set(err, ST_ERR_LIMIT, "prediction of %" PRId64 " rows is too large", n);
    float *p = st_malloc(want * sizeof *p);
    if (!p)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory predicting %" PRId64 " rows", n);
    if (n == 0) {
        *out = p;
        return ST_OK;
    }
    const float *res = NULL;
    bst_ulong len = 0;
    st_status rc = ST_OK;
    if (m->is_linear) {
        DMatrixHandle dm = NULL;
        pthread_mutex_lock(&m->pred_lock);
        rc = linear_predict(m, X, n, &res, &len, &dm, err);
        if (rc == ST_OK && len == want)
            memcpy(p, res, want * sizeof *p);
        pthread_mutex_unlock(&m->pred_lock);
        if (dm)
            XGDMatrixFree(dm);
    } else {
        char arr[160];
        snprintf(arr, sizeof arr, "{\"data\": [%" PRIuPTR ", true], \"shape\": [%" PRId64 ", %d], "
                 "\"typestr\": \"<f4\", \"version\": 3}", (uintptr_t)X, n, m->n_features);
        static const char cfg[] = "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
                                  "\"iteration_end\": 0, \"strict_shape\": false, "
                                  "\"missing\": NaN, \"cache_id\": 0}";
        bst_ulong const *shape;
        bst_ulong dim;
        if (XGBoosterPredictFromDense(m->booster, arr, cfg, NULL, &shape, &dim, &res) != 0) {
            rc = st_error_set(err, ST_ERR_INTERNAL, "could not predict: %s", ml_xgb_error());
        } else {
            len = 1;
            for (bst_ulong i = 0; i < dim; i++)
                len *= shape[i];
            if (len == want)
                memcpy(p, res, want * sizeof *p);
        }
    }
    if (rc == ST_OK && len != want)
        rc = st_error_set(err, ST_ERR_INTERNAL, "booster returned %" PRIu64 " values for %" PRId64
                          " rows x %d outputs", (uint64_t)len, n, k);
    if (rc != ST_OK) {
        st_free(p);
        return rc;
    }
    *out = p;
    return ST_OK;
}

st_status ml_model_warm(ml_model *m, st_error *err)
{
    float *x = st_malloc((size_t)(m->n_features ? m->n_features : 1) * sizeof *x);
    if (!x)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory preparing a model");
    for (int i = 0; i < m->n_features; i++)
        x[i] = NAN;
    float *p;
    st_status rc = ml_model_raw_predict(m, x, 1, &p, err);
    st_free(x);
    if (rc == ST_OK)
        st_free(p);
    return rc;
}

/* ---- output vectors ------------------------------------------------------------------ */

/* Writes class c of the model into row i of the prediction vector v. */
static void put_class(const ml_model *m, vec *v, int64_t i, int c, int32_t *str_off)
{
    int64_t x = m->class_i64 ? m->class_i64[c] : c;
    switch (v->type->id) {
    case VEC_BOOL:
        if (x)
            vec_bit_set(v->values, i);
        return;
    case VEC_INT8:   ((int8_t *)v->values)[i] = (int8_t)x; return;
    case VEC_INT16:  ((int16_t *)v->values)[i] = (int16_t)x; return;
    case VEC_INT32:  ((int32_t *)v->values)[i] = (int32_t)x; return;
    case VEC_UINT8:  ((uint8_t *)v->values)[i] = (uint8_t)x; return;
    case VEC_UINT16: ((uint16_t *)v->values)[i] = (uint16_t)x; return;
    case VEC_UINT32: ((uint32_t *)v->values)[i] = (uint32_t)x; return;
    case VEC_UINT64: ((uint64_t *)v->values)[i] = (uint64_t)x; return;
    case VEC_STRING: {
        size_t len = strlen(m->class_text[c]);
        memcpy(v->bytes + str_off[i], m->class_text[c], len);
        str_off[i + 1] = str_off[i] + (int32_t)len;
        return;
    }
    default:
        ((int64_t *)v->values)[i] = x;
        return;
    }
}

/* The predicted class of each row (cls) from the raw outputs p. */
static void classes_of(const ml_model *m, const float *p, int64_t n, int *cls, double *prob)
{
    for (int64_t i = 0; i < n; i++) {
        if (m->task == ML_TASK_BINARY) {
            cls[i] = p[i] >= 0.5f ? 1 : 0;
            prob[i] = p[i];
        } else if (m->task == ML_TASK_MULTI_INDEX) {
            int c = (int)p[i];
            cls[i] = c < 0 ? 0 : c >= m->n_classes ? m->n_classes - 1 : c;
            prob[i] = NAN;
        } else {
            const float *row = p + (size_t)i * (size_t)m->n_classes;
            int best = 0;
            for (int c = 1; c < m->n_classes; c++)
                if (row[c] > row[best])
                    best = c;
            cls[i] = best;
            prob[i] = row[best];
        }
    }
}

static st_status class_vectors(const ml_model *m, const float *p, int64_t n, st_arena *a,
                               vec **prediction, vec **probability, st_error *err)
{
    vec *pv = vec_new(a, &m->pred_type, n);
    vec *qv = ml_model_has_probability(m) ? vec_new(a, &m->prob_type, n) : NULL;
    int *cls = st_malloc((size_t)n * sizeof *cls);
    if (!pv || (ml_model_has_probability(m) && !qv) || !cls) {
        st_free(cls);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory building predictions");
    }
    double *prob = qv ? qv->values : st_arena_alloc(a, (size_t)n * sizeof(double));
    if (!prob) {
        st_free(cls);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory building predictions");
    }
    classes_of(m, p, n, cls, prob);
    if (pv->type->id == VEC_STRING) {
        size_t total = 0;
        for (int64_t i = 0; i < n; i++)
            total += strlen(m->class_text[cls[i]]);
        if (total > INT32_MAX || !(pv->bytes = st_arena_alloc(a, total ? total : 1))) {
            st_free(cls);
            return st_error_set(err, ST_ERR_NOMEM, "out of memory building predictions");
        }
        pv->n_bytes = (int64_t)total;
    }
    for (int64_t i = 0; i < n; i++)
        put_class(m, pv, i, cls[i], vec_offsets(pv));
    st_free(cls);
    *prediction = pv;
    *probability = qv;
    return ST_OK;
}

st_status ml_model_predict(ml_model *m, const vec *const *inputs, int64_t n, st_arena *a,
                           vec **prediction, vec **probability, st_error *err)
{
    *prediction = NULL;
    *probability = NULL;
    if (n < 0 || n > INT32_MAX)
        return st_error_set(err, ST_ERR_ARGUMENT, "cannot predict %" PRId64 " rows at once", n);
    for (int i = 0; i < m->n_inputs; i++) {
        const vec *v = inputs[i];
        if (!v || v->len < n || !ml_type_fits(m->inputs[i].enc, v->type->id))
            return st_error_set(err, ST_ERR_ARGUMENT, "model input '%s' needs %s values, not %s",
                                m->inputs[i].name,
                                m->inputs[i].enc == ML_ENC_ONEHOT ? "string" : "numeric",
                                v ? vec_type_id_name(v->type->id) : "nothing");
    }
    size_t cells;
    if (!st_mul_size((size_t)(n ? n : 1), (size_t)(m->n_features ? m->n_features : 1), &cells))
        return st_error_set(err, ST_ERR_LIMIT, "prediction of %" PRId64 " rows is too large", n);
    float *X = st_malloc(cells * sizeof *X);
    if (!X)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory encoding %" PRId64 " rows", n);
    ml_encode_rows(m->inputs, m->n_inputs, m->n_features, inputs, n, X);
    float *p;
    st_status rc = ml_model_raw_predict(m, X, n, &p, err);
    st_free(X);
    if (rc != ST_OK)
        return rc;
    if (m->task == ML_TASK_REGRESSION) {
        vec *pv = vec_new(a, &m->pred_type, n);
        if (!pv) {
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory building predictions");
        } else {
            double *d = pv->values;
            for (int64_t i = 0; i < n; i++)
                d[i] = p[i];
            *prediction = pv;
        }
    } else {
        rc = class_vectors(m, p, n, a, prediction, probability, err);
    }
    st_free(p);
    return rc;
}
