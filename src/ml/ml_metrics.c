/* ml_metrics.c -- evaluation metrics of a model's predictions against the
** labels: accuracy, precision, recall, F1, ROC AUC and log loss for
** classifiers; RMSE, MAE and R2 for regressors.
**
** Binary classifiers: the positive class is class 1 (the second in sorted
** order), predicted when its probability is >= 0.5. Multi-class: precision,
** recall and F1 are macro averages over the classes present in the labels
** or the predictions (a class never predicted has precision 0, as
** scikit-learn's zero_division=0), ROC AUC the macro average of one-vs-rest
** AUCs over classes that have both positives and negatives. ROC AUC is the
** Mann-Whitney statistic with tied scores sharing their average rank; it is
** left out when the labels hold a single class. Log loss clips
** probabilities to [1e-15, 1 - 1e-15]. Sums run in double, in row order,
** so the same predictions give the same scores. */
#include "ml_model_int.h"

#include <math.h>
#include <stdlib.h>

typedef struct score_list {
    ml_score *s;     /* arena */
    int       n;
} score_list;

static void score_add(score_list *l, const char *name, double v)
{
    l->s[l->n].name = name;
    l->s[l->n].value = v;
    l->n++;
}

typedef struct rank_item {
    float  score;
    bool   pos;
} rank_item;

static int cmp_rank(const void *a, const void *b)
{
    float x = ((const rank_item *)a)->score, y = ((const rank_item *)b)->score;
    return x < y ? -1 : x > y;
}

/* AUC of scores (higher = positive) over n items; NAN when one side is
** empty. Sorts items. */
static double auc_items(rank_item *it, int64_t n)
{
    qsort(it, (size_t)n, sizeof *it, cmp_rank);
    double rank_sum = 0;
    int64_t n_pos = 0;
    for (int64_t i = 0; i < n;) {
        int64_t j = i;
        while (j < n && it[j].score == it[i].score)
            j++;
        double avg_rank = (double)(i + 1 + j) / 2.0;   /* ranks i+1..j */
        for (int64_t k = i; k < j; k++)
            if (it[k].pos) {
                rank_sum += avg_rank;
                n_pos++;
            }
        i = j;
    }
    int64_t n_neg = n - n_pos;
    if (n_pos == 0 || n_neg == 0)
        return NAN;
    return (rank_sum - (double)n_pos * (double)(n_pos + 1) / 2.0) / ((double)n_pos * (double)n_neg);
}

/* AUC of class c's column of probabilities p (k per row) one-vs-rest. */
static double auc_class(const float *p, int k, int c, const float *y, int64_t n, rank_item *it)
{
    for (int64_t i = 0; i < n; i++) {
        it[i].score = p[(size_t)i * (size_t)k + (size_t)c];
        it[i].pos = (int)y[i] == c;
    }
    return auc_items(it, n);
}

static double clip_prob(double q)
{
    return q < 1e-15 ? 1e-15 : q > 1 - 1e-15 ? 1 - 1e-15 : q;
}

/* Predicted class of row i. */
static int predicted_class(const ml_model *m, const float *p, int64_t i)
{
    if (m->task == ML_TASK_BINARY)
        return p[i] >= 0.5f ? 1 : 0;
    if (m->task == ML_TASK_MULTI_INDEX)
        return (int)p[i];
    const float *row = p + (size_t)i * (size_t)m->n_classes;
    int best = 0;
    for (int c = 1; c < m->n_classes; c++)
        if (row[c] > row[best])
            best = c;
    return best;
}

/* Accuracy, precision, recall, F1 from the confusion counts. */
static st_status class_counts(const ml_model *m, const float *p, const float *y, int64_t n,
                              score_list *l, st_error *err)
{
    int k = m->n_classes;
    int64_t *tp = st_calloc((size_t)k * 3, sizeof *tp);
    if (!tp)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory computing metrics");
    int64_t *fp = tp + k, *fn = tp + 2 * k;
    int64_t correct = 0;
    for (int64_t i = 0; i < n; i++) {
        int c = predicted_class(m, p, i), t = (int)y[i];
        if (c < 0 || c >= k)
            c = 0;
        if (c == t) {
            correct++;
            tp[c]++;
        } else {
            fp[c]++;
            fn[t]++;
        }
    }
    double prec = 0, rec = 0, f1 = 0;
    int n_used = 0;
    for (int c = 0; c < k; c++) {
        if (m->task == ML_TASK_BINARY && c != 1)
            continue;
        if (m->task != ML_TASK_BINARY && tp[c] + fp[c] + fn[c] == 0)
            continue;                      /* class absent from labels and predictions */
        double pc = tp[c] + fp[c] ? (double)tp[c] / (double)(tp[c] + fp[c]) : 0;
        double rc = tp[c] + fn[c] ? (double)tp[c] / (double)(tp[c] + fn[c]) : 0;
        prec += pc;
        rec += rc;
        f1 += pc + rc > 0 ? 2 * pc * rc / (pc + rc) : 0;
        n_used++;
    }
    if (n_used > 0) {
        prec /= n_used;
        rec /= n_used;
        f1 /= n_used;
    }
    score_add(l, "accuracy", (double)correct / (double)n);
    score_add(l, "precision", prec);
    score_add(l, "recall", rec);
    score_add(l, "f1", f1);
    st_free(tp);
    return ST_OK;
}

static st_status prob_scores(const ml_model *m, const float *p, const float *y, int64_t n,
                             score_list *l, st_error *err)
{
    rank_item *it = st_malloc((size_t)n * sizeof *it);
    if (!it)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory computing metrics");
    double auc, loss = 0;
    if (m->task == ML_TASK_BINARY) {
        for (int64_t i = 0; i < n; i++) {
            it[i].score = p[i];
            it[i].pos = y[i] == 1.0f;
            double q = clip_prob(p[i]);
            loss -= y[i] == 1.0f ? log(q) : log(1 - q);
        }
        auc = auc_items(it, n);
    } else {
        int k = m->n_classes, used = 0;
        double sum = 0;
        for (int c = 0; c < k; c++) {
            double a = auc_class(p, k, c, y, n, it);
            if (!isnan(a)) {
                sum += a;
                used++;
            }
        }
        auc = used ? sum / used : NAN;
        for (int64_t i = 0; i < n; i++)
            loss -= log(clip_prob(p[(size_t)i * (size_t)k + (size_t)y[i]]));
    }
    st_free(it);
    if (!isnan(auc))
        score_add(l, "roc_auc", auc);
    score_add(l, "log_loss", loss / (double)n);
    return ST_OK;
}

static void regression_scores(const float *p, const float *y, int64_t n, score_list *l)
{
    double mean = 0;
    for (int64_t i = 0; i < n; i++)
        mean += y[i];
    mean /= (double)n;
    double se = 0, ae = 0, tot = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = (double)p[i] - (double)y[i];
        se += d * d;
        ae += fabs(d);
        tot += ((double)y[i] - mean) * ((double)y[i] - mean);
    }
    score_add(l, "rmse", sqrt(se / (double)n));
    score_add(l, "mae", ae / (double)n);
    score_add(l, "r2", tot > 0 ? 1 - se / tot : (se == 0 ? 1.0 : 0.0));
}

st_status ml_metrics_compute(const ml_model *m, const float *p, const float *y, int64_t n,
                             st_arena *a, ml_score **out, int *n_out, st_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (n <= 0)
        return ST_OK;
    score_list l = {st_arena_calloc(a, 8, sizeof(ml_score)), 0};
    if (!l.s)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory computing metrics");
    st_status rc = ST_OK;
    if (m->task == ML_TASK_REGRESSION) {
        regression_scores(p, y, n, &l);
    } else {
        rc = class_counts(m, p, y, n, &l, err);
        if (rc == ST_OK && m->task != ML_TASK_MULTI_INDEX)
            rc = prob_scores(m, p, y, n, &l, err);
    }
    if (rc != ST_OK)
        return rc;
    *out = l.s;
    *n_out = l.n;
    return ST_OK;
}
