/* ml_model_fuzz.c -- libFuzzer target for model folders (src/ml/ml_folder.c):
** the MLmodel YAML reader, the strata_model.json loader, the MLflow-folder
** path (no strata_model.json: inputs from the booster or the signature)
** and, for what loads, a prediction of three rows, as ML.PREDICT would make
** it (strings for one-hot inputs, doubles for numeric ones, one row of
** NULLs), into an arena with one block per allocation so that an overrun of
** a prediction vector reaches ASan's redzones.
**
** Input: byte 0 is flags; the rest is split at lines "@@@" into the files
** MLmodel, strata_model.json and model.json (a missing part: no such file).
** Without a model.json part (or with bit 2 clear) model.json is one of four
** small boosters trained at start (bits 0-1: regression, binary with
** feature names, 3-class softprob, gblinear regression; 3 features each),
** so the loader's deeper checks are reached. The folder lives in a temporary
** directory removed at exit. Any status is fine; crashes, leaks, hangs and
** sanitizer reports are bugs, and so is a model that loads but cannot
** predict. Seeds: tests/fuzz/corpus/ml_model_fuzz/. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <xgboost/c_api.h>

#include "fuzz_util.h"
#include "ml/ml_model_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_BOOSTERS 4

static char  g_dir[64];                 /* temporary directory */
static char  g_model[128];              /* g_dir/model: the folder loaded */
static char *g_booster[N_BOOSTERS];     /* heap: model.json texts */
static size_t g_booster_len[N_BOOSTERS];

static void cleanup(void)
{
    fuzz_rm_tree(g_dir);
    for (int i = 0; i < N_BOOSTERS; i++)
        free(g_booster[i]);
}

static void xgb_must(int rc)
{
    if (rc != 0) {
        fprintf(stderr, "ml_model_fuzz setup: %s\n", XGBGetLastError());
        abort();
    }
}

/* Trains booster k on 16 rows of 3 features and keeps its JSON text. */
static void make_booster(int k)
{
    float x[16 * 3], y[16];
    for (int r = 0; r < 16; r++) {
        for (int c = 0; c < 3; c++)
            x[r * 3 + c] = (float)((r * 7 + c * 3) % 11) / 10.0f;
        y[r] = k == 2 ? (float)(r % 3) : k == 1 ? (float)(x[r * 3] > 0.5f) : x[r * 3] * 2.0f;
    }
    DMatrixHandle dm;
    BoosterHandle b;
    xgb_must(XGDMatrixCreateFromMat(x, 16, 3, NAN, &dm));
    xgb_must(XGDMatrixSetFloatInfo(dm, "label", y, 16));
    if (k == 1) {
        const char *names[3] = { "x1", "color=red", "color=blue" };
        xgb_must(XGDMatrixSetStrFeatureInfo(dm, "feature_name", names, 3));
    }
    xgb_must(XGBoosterCreate(&dm, 1, &b));
    static const char *const objective[N_BOOSTERS] = { "reg:squarederror", "binary:logistic",
                                                       "multi:softprob", "reg:squarederror" };
    xgb_must(XGBoosterSetParam(b, "objective", objective[k]));
    xgb_must(XGBoosterSetParam(b, "nthread", "1"));
    xgb_must(XGBoosterSetParam(b, "max_depth", "2"));
    if (k == 2)
        xgb_must(XGBoosterSetParam(b, "num_class", "3"));
    if (k == 3)
        xgb_must(XGBoosterSetParam(b, "booster", "gblinear"));
    for (int it = 0; it < 2; it++)
        xgb_must(XGBoosterUpdateOneIter(b, it, dm));
    char path[160];
    snprintf(path, sizeof path, "%s/booster%d.json", g_dir, k);
    xgb_must(XGBoosterSaveModel(b, path));
    XGBoosterFree(b);
    XGDMatrixFree(dm);
    st_error err;
    st_error_init(&err);
    uint8_t *text = NULL;
    if (st_file_read_all(path, &text, &g_booster_len[k], &err) != ST_OK)
        abort();
    g_booster[k] = malloc(g_booster_len[k] ? g_booster_len[k] : 1);
    if (!g_booster[k])
        abort();
    memcpy(g_booster[k], text, g_booster_len[k]);
    st_free(text);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_scratch_dir(g_dir, sizeof g_dir, "ml_model_fuzz");
    snprintf(g_model, sizeof g_model, "%s/model", g_dir);
    if (mkdir(g_model, 0777) != 0)
        abort();
    atexit(cleanup);
    st_error err;
    st_error_init(&err);
    if (ml_xgb_load(&err) != ST_OK) {
        fprintf(stderr, "ml_model_fuzz setup: %s\n", err.msg);
        abort();
    }
    for (int k = 0; k < N_BOOSTERS; k++)
        make_booster(k);
    return 0;
}

/* Writes g_model/name from data[0..len), or removes it when data is NULL. */
static void put_file(const char *name, const void *data, size_t len)
{
    char path[192];
    snprintf(path, sizeof path, "%s/%s", g_model, name);
    if (!data) {
        unlink(path);
        return;
    }
    st_error err;
    st_error_init(&err);
    if (st_file_write_all(path, data, len, &err) != ST_OK)
        abort();
}

/* A string vector "red", "", NULL. */
static vec *string_input(st_arena *a, const vec_type *t)
{
    vec *v = vec_new(a, t, 3);
    st_error err;
    st_error_init(&err);
    if (!v || !(v->bytes = st_arena_alloc(a, 3)))
        return NULL;
    memcpy(v->bytes, "red", 3);
    v->n_bytes = 3;
    int32_t *off = vec_offsets(v);
    off[1] = off[2] = off[3] = 3;
    return vec_set_null(a, v, 2, &err) == ST_OK ? v : NULL;
}

/* A double vector 1.5, -3, NULL. */
static vec *double_input(st_arena *a, const vec_type *t)
{
    vec *v = vec_new(a, t, 3);
    st_error err;
    st_error_init(&err);
    if (!v)
        return NULL;
    ((double *)v->values)[0] = 1.5;
    ((double *)v->values)[1] = -3;
    return vec_set_null(a, v, 2, &err) == ST_OK ? v : NULL;
}

/* Predicts three rows with m; a loaded model must be able to. */
static void predict(ml_model *m)
{
    static const vec_type str = { .id = VEC_STRING }, dbl = { .id = VEC_DOUBLE };
    st_arena *a = st_arena_new(1);        /* one block per allocation: overruns hit ASan */
    int n = ml_model_n_inputs(m);
    vec **in = a ? st_arena_calloc(a, (size_t)(n ? n : 1), sizeof *in) : NULL;
    if (!in)
        abort();
    for (int i = 0; i < n; i++) {
        if (!ml_model_input_name(m, i))
            abort();
        in[i] = m->inputs[i].enc == ML_ENC_ONEHOT ? string_input(a, &str) : double_input(a, &dbl);
        if (!in[i])
            abort();
    }
    vec *pred = NULL, *prob = NULL;
    st_error err;
    st_error_init(&err);
    if (ml_model_predict(m, (const vec *const *)in, 3, a, &pred, &prob, &err) != ST_OK) {
        fprintf(stderr, "a loaded model cannot predict: %s\n", err.msg);
        abort();
    }
    if (!pred || pred->len < 3 || (ml_model_has_probability(m) != (prob != NULL)))
        abort();
    st_buf b;
    st_buf_init(&b);
    for (int64_t r = 0; r < 3; r++) {
        st_buf_clear(&b);
        vec_format_value(pred, r, VEC_FMT_JSON, &b, &err);
        if (prob)
            vec_format_value(prob, r, VEC_FMT_JSON, &b, &err);
    }
    st_buf_destroy(&b);
    st_arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 16)
        return 0;
    uint8_t flags = data[0];
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    const char *part[3] = { NULL, NULL, NULL };
    size_t len[3] = { 0, 0, 0 };
    for (int k = 0; k < 3 && p <= end; k++) {
        const char *sep = memmem(p, (size_t)(end - p), "\n@@@\n", 5);
        part[k] = p;
        len[k] = sep ? (size_t)(sep - p) : (size_t)(end - p);
        p = sep ? sep + 5 : end + 1;
    }
    int k = flags & 3;
    bool own_booster = (flags & 4) && part[2];
    put_file("MLmodel", part[0], len[0]);
    put_file("strata_model.json", part[1], len[1]);
    put_file("model.json", own_booster ? part[2] : g_booster[k],
             own_booster ? len[2] : g_booster_len[k]);
    ml_model *m = NULL;
    st_error err;
    st_error_init(&err);
    st_status rc = ml_model_load(g_model, &m, &err);
    if (rc == ST_OK) {
        predict(m);
        ml_model_free(m);
    } else if (m || !err.msg[0]) {
        abort();
    }
    return 0;
}
