/* ml_model_int.h -- private to the model files of src/ml (ml_dataset.c,
** ml_train.c, ml_metrics.c, ml_folder.c, ml_predict.c): the string map used
** for vocabularies and classes, the feature encoding a model carries, the
** dataset and model structs, and the helpers the files share.
**
** Invariants: an encoding's inputs are in column order and input i covers
** encoded features [first, first + width); a ONEHOT input's vocabulary index
** j is feature first + j. A model is immutable once ml_train / ml_model_load
** returns it (its booster is configured by one prediction before it is
** handed out), so predictions may run from several threads; gblinear
** boosters predict through a DMatrix under pred_lock (see ml_predict.c). */
#ifndef STRATA_ML_ML_MODEL_INT_H
#define STRATA_ML_ML_MODEL_INT_H

#include "ml_model.h"

#include <pthread.h>
#include "ml_xgb.h"   /* XGBoost's API, loaded on first use */

/* ---- string map (ml_dataset.c) ------------------------------------------------- */

/* Byte strings -> dense indexes 0..n-1 in insertion order, with a count per
** key. Keys are copied into the arena given at add time (NUL-terminated, may
** hold NUL bytes: lens are kept). find is read-only, safe to share. */
typedef struct ml_strmap {
    char     **keys;     /* heap array; strings in the caller's arena */
    uint32_t  *lens;     /* heap; byte length of each key */
    uint64_t  *hashes;   /* heap; hash of each key */
    int64_t   *counts;   /* heap; times each key was added */
    int        n;        /* keys */
    int        cap;      /* capacity of the arrays above */
    uint32_t  *slots;    /* heap; open addressing: key index + 1, 0 = empty */
    uint32_t   n_slots;  /* power of two, > 2 * n */
} ml_strmap;

void      ml_strmap_destroy(ml_strmap *m);
int       ml_strmap_find(const ml_strmap *m, const void *p, size_t len);
/* Adds one occurrence of the key (inserting it when new); *idx gets its index. */
st_status ml_strmap_add(ml_strmap *m, st_arena *a, const void *p, size_t len, int *idx,
                        st_error *err);

/* ---- encoding ---------------------------------------------------------------------- */

typedef enum ml_enc {
    ML_ENC_NUMBER,       /* one feature: the value as a float (NaN when NULL) */
    ML_ENC_ONEHOT        /* width features: 1 at the vocabulary index, else 0 */
} ml_enc;

#define ML_VOCAB_MAX 100 /* most frequent values kept per string column */

typedef struct ml_input {
    const char *name;    /* arena of the owner (dataset or model) */
    vec_type    type;    /* scalar type it was trained on (no children) */
    ml_enc      enc;
    int         first;   /* first encoded feature */
    int         width;   /* encoded features (ONEHOT: vocabulary size, may be 0) */
    ml_strmap   vocab;   /* ONEHOT: value -> index; keys in the owner's arena */
} ml_input;

/* Numeric value of row i of v (a scalar vector) as the encoding reads it:
** NaN for NULL; booleans 0/1, dates days, timestamps seconds, times seconds. */
double ml_value_number(const vec *v, int64_t i);
/* True when a vector of type t can feed an input encoded as enc. */
bool   ml_type_fits(ml_enc enc, vec_type_id t);
/* Writes n encoded rows (row-major, n_features floats each) from one vector
** per input. X must hold n * n_features floats. */
void   ml_encode_rows(const ml_input *inputs, int n_inputs, int n_features,
                      const vec *const *cols, int64_t n, float *X);

/* ---- dataset (ml_dataset.c) -------------------------------------------------------- */

typedef struct ml_ds_col {
    int        col;      /* index in the schema */
    ml_input   in;       /* name, type, enc (first/width: raw layout, see below) */
    int32_t   *ids;      /* ONEHOT: heap; per row the string id in in.vocab, -1 NULL */
} ml_ds_col;

struct ml_dataset {
    st_arena   *arena;   /* owned: schema copy, names, dictionary strings */
    vec_schema  schema;  /* copy; arena */
    int         label;   /* schema index of the label, -1 none */
    vec_type    label_type;
    const char *label_name;   /* arena */
    int         n_cols;
    ml_ds_col  *cols;    /* heap; features in order */
    int         n_num;   /* NUMBER features: width of num */
    float      *num;     /* heap; row-major n_rows x n_num, grown geometrically */
    double     *y;       /* heap; numeric/boolean label per row (NaN: string label) */
    int32_t    *y_ids;   /* heap; string label: id in y_dict */
    ml_strmap   y_dict;  /* string label values */
    int64_t     n_rows;
    int64_t     cap_rows;
};

/* The model's encoding of the dataset's features: a new heap matrix (or
** d->num itself when the encoding is the raw numeric layout: *owned false).
** The dataset's features must match the encoding's inputs by name and kind. */
st_status ml_dataset_matrix(ml_dataset *d, const ml_input *inputs, int n_inputs, int n_features,
                            float **X, bool *owned, st_error *err);
/* Builds the training encoding from the dataset: inputs (arena a) with the
** vocabularies of the ML_VOCAB_MAX most frequent values (ties by value). */
st_status ml_dataset_encoding(ml_dataset *d, st_arena *a, ml_input **inputs, int *n_features,
                              st_error *err);

/* ---- model ------------------------------------------------------------------------- */

typedef enum ml_task {
    ML_TASK_REGRESSION,  /* one output per row */
    ML_TASK_BINARY,      /* probability of class 1 */
    ML_TASK_MULTI,       /* n_classes probabilities per row (multi:softprob) */
    ML_TASK_MULTI_INDEX  /* the class index per row (multi:softmax, external only) */
} ml_task;

struct ml_model {
    ml_model_type  type;
    ml_task        task;
    st_arena      *arena;     /* owned: names, vocabularies, classes, report */
    BoosterHandle  booster;   /* owned */
    bool           is_linear; /* gblinear: predicts under pred_lock */
    pthread_mutex_t pred_lock;
    int            n_inputs;
    ml_input      *inputs;    /* arena; vocab arrays heap (freed with the model) */
    int            n_features;
    const char   **feature_names;  /* arena; encoded names ("plan=basic") */
    const char    *label_name;     /* arena; NULL for external models */
    vec_type       label_type;     /* classifier: type of the classes */
    int            n_classes;      /* classifiers: >= 2; regressors 0 */
    const char   **class_text;     /* arena; class values as text (strings: the value) */
    int64_t       *class_i64;      /* arena; integer/boolean classes */
    vec_type       pred_type;      /* type of the prediction vector */
    vec_type       prob_type;      /* DOUBLE */
    const char    *objective;      /* arena */
    json_t        *options;        /* owned; effective options (object of strings) */
};

/* XGBoost's last error as text for messages. */
const char *ml_xgb_error(void);
/* Probabilities/values for n encoded rows: out gets n * ml_model_outputs(m)
** floats (heap, caller frees). */
st_status ml_model_raw_predict(ml_model *m, const float *X, int64_t n, float **out, st_error *err);
int       ml_model_outputs(const ml_model *m);
/* Predicts once on one row of NaNs so the booster is configured before the
** model is shared between threads. */
st_status ml_model_warm(ml_model *m, st_error *err);
/* A model shell with its arena and lock (booster NULL). */
ml_model *ml_model_alloc(void);

/* ---- metrics (ml_metrics.c) -------------------------------------------------------- */

/* Scores of predictions p (ml_model_outputs(m) per row) against labels y
** (class index or value) of n rows into *out (arena a). */
st_status ml_metrics_compute(const ml_model *m, const float *p, const float *y, int64_t n,
                             st_arena *a, ml_score **out, int *n_out, st_error *err);

#define ML_CLASSES_MAX 1000   /* distinct labels a classifier accepts */

/* Classes of the dataset's label (sorted) into m: class_text, class_i64
** (numeric labels), n_classes, label_type. ST_ERR_ARGUMENT for a label type a
** classifier cannot take, fewer than 2 or more than ML_CLASSES_MAX classes. */
st_status ml_dataset_classes(ml_dataset *d, ml_model *m, st_error *err);
/* Labels of the dataset as the model sees them (class index or value), heap. */
st_status ml_dataset_labels(ml_dataset *d, const ml_model *m, float **y, st_error *err);

#endif /* STRATA_ML_ML_MODEL_INT_H */
