/* bind_ml.c -- binding of model inference: the table function
** ML.PREDICT(MODEL m, TABLE t | TABLE (query) | (query)) and the scalar
** functions predict(uri, x1, x2, ...) and predict_probability(uri, ...).
**
** The model is loaded once per query, at bind time, through the session's
** env->model callback, and lives in the plan's arena (released with it).
** Inference is an ordinary scalar call whose fn_bound.state is the model:
** the executor runs it batch by batch on every thread (ml_model_predict is
** safe to call concurrently), so predictions stream and parallelise like
** any projection.
**
** ML.PREDICT becomes two projections over its input: the first adds one
** STRUCT<prediction, probability> column computed by a single model call,
** the second passes the input columns through and splits that struct into
** `prediction` (the label's type) and, for classifiers, `probability`. Model
** inputs are matched to input columns by name (case-insensitively); the
** scalar forms take them positionally in the model's input order. */
#include <stdio.h>
#include <strings.h>

#include "bind_int.h"
#include "../ml/ml_model.h"

/* What a predict kernel needs. */
typedef struct ml_call {
    ml_model *model;          /* owned by the plan arena's release list */
    int       what;           /* ML_OUT_* */
} ml_call;

enum { ML_OUT_STRUCT, ML_OUT_PREDICTION, ML_OUT_PROBABILITY };

static st_status predict_kernel(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                                int64_t n_rows, st_arena *a, vec **out, st_error *err)
{
    const ml_call *mc = f->state;
    vec *pred = NULL, *prob = NULL;
    st_status rc = ml_model_predict(mc->model, args, n_rows, a, &pred, &prob, err);
    if (rc != ST_OK)
        return rc;
    if (mc->what == ML_OUT_PREDICTION) {
        *out = pred;
        return ST_OK;
    }
    if (mc->what == ML_OUT_PROBABILITY) {
        *out = prob;
        return ST_OK;
    }
    vec *s = st_arena_calloc(a, 1, sizeof *s);
    vec **kids = st_arena_calloc(a, 2, sizeof *kids);
    if (!s || !kids)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory predicting");
    s->type = &f->ret;
    s->len = n_rows;
    kids[0] = pred;
    kids[1] = prob;
    s->children = kids;
    pred->type = &f->ret.children[0].type;
    if (prob)
        prob->type = &f->ret.children[1].type;
    *out = s;
    return ST_OK;
}

/* Loads the model uri names, tied to the plan's arena. */
static st_status load_model(binder *b, const char *uri, int32_t pos, ml_model **out)
{
    if (!b->env || !b->env->model)
        return bind_error_code(b, ST_ERR_UNSUPPORTED, pos, "models are not available here");
    ml_model *m = NULL;
    st_error_init(b->err);
    st_status rc = b->env->model(b->env->ud, uri, b->c->arena, &m, b->err);
    if (rc != ST_OK)
        return bind_error_at(b, pos, rc);
    *out = m;
    return ST_OK;
}

/* Checks (and for string inputs casts) argument e for model input i. */
static st_status fit_input(binder *b, ml_model *m, int i, lp_expr **e, int32_t pos)
{
    const vec_type *want = ml_model_input_type(m, i);
    vec_type_id got = (*e)->type.id;
    char t1[64], t2[64];
    if (want->id == VEC_STRING) {
        if (got != VEC_STRING && !(*e = bind_cast_to(b, *e, want)))
            return bind_nomem(b);
        return ST_OK;
    }
    if (fn_type_is_numeric(got) || got == VEC_BOOL || got == VEC_DATE || got == VEC_TIMESTAMP ||
        got == VEC_TIMESTAMP_NTZ || got == VEC_NULL)
        return ST_OK;
    vec_type_format(want, t1, sizeof t1);
    vec_type_format(&(*e)->type, t2, sizeof t2);
    return bind_error(b, pos, "model input '%s' is %s, but the value given for it is %s",
                      ml_model_input_name(m, i), t1, t2);
}

/* A call of the model over args (one per model input, already fitted). */
static st_status model_call(binder *b, ml_model *m, int what, lp_expr **args, int n, int32_t pos,
                            lp_expr **out)
{
    fn_bound *fb = bind_alloc(b, sizeof *fb);
    ml_call *mc = bind_alloc(b, sizeof *mc);
    lp_expr *e = lp_expr_new(b->c, LP_X_CALL, pos);
    lp_expr **ea = bind_alloc(b, sizeof *ea * (size_t)(n ? n : 1));
    if (!fb || !mc || !e || !ea)
        return bind_nomem(b);
    mc->model = m;
    mc->what = what;
    fb->name = what == ML_OUT_PROBABILITY ? "predict_probability" : "predict";
    fb->n_args = n;
    fb->kernel = predict_kernel;
    fb->state = mc;
    fb->deterministic = true;
    fb->expensive = true;
    fb->ret_nullable = true;
    const vec_type *pt = ml_model_prediction_type(m);
    vec_type dbl = {.id = VEC_DOUBLE};
    if (what == ML_OUT_PREDICTION) {
        if (bind_type_copy(b, pt, &fb->ret) != ST_OK)
            return bind_nomem(b);
    } else if (what == ML_OUT_PROBABILITY) {
        fb->ret = dbl;
    } else {
        bool prob = ml_model_has_probability(m);
        vec_field *f = bind_alloc(b, sizeof *f * 2);
        if (!f || bind_type_copy(b, pt, &f[0].type) != ST_OK)
            return bind_nomem(b);
        f[0].name = "prediction";
        f[0].nullable = true;
        f[1].name = "probability";
        f[1].type = dbl;
        f[1].nullable = true;
        fb->ret = (vec_type){.id = VEC_STRUCT, .n_children = prob ? 2 : 1, .children = f};
    }
    for (int i = 0; i < n; i++)
        ea[i] = args[i];
    e->fn = fb;
    e->type = fb->ret;
    e->nullable = true;
    e->args = ea;
    e->n_args = n;
    *out = e;
    return ST_OK;
}

bool bind_ml_is_scalar(const char *name)
{
    return !strcmp(name, "predict") || !strcmp(name, "predict_probability");
}

st_status bind_ml_call(binder *b, const bind_ectx *x, const sql_expr *e, const char *name,
                       lp_expr **out)
{
    if (e->n_list < 1 || e->list[0]->kind != SQL_E_LITERAL || e->list[0]->lit != SQL_LIT_STRING)
        return bind_error(b, e->pos, "%s needs a model URI string as its first argument "
                          "(predict('models:/name/Production', x1, x2, ...))", name);
    ml_model *m;
    st_status rc = load_model(b, e->list[0]->str, e->list[0]->pos, &m);
    if (rc != ST_OK)
        return rc;
    bool want_prob = !strcmp(name, "predict_probability");
    if (want_prob && !ml_model_has_probability(m))
        return bind_error(b, e->pos, "predict_probability needs a classifier; model '%s' is a %s",
                          e->list[0]->str, ml_model_type_name(ml_model_kind(m)));
    int n_in = ml_model_n_inputs(m);
    if (e->n_list - 1 != n_in) {
        char names[512];
        size_t k = 0;
        names[0] = '\0';
        for (int i = 0; i < n_in && k < sizeof names - 8; i++)
            k += (size_t)snprintf(names + k, sizeof names - k, "%s%s", i ? ", " : "",
                                  ml_model_input_name(m, i));
        if (k >= sizeof names)
            k = sizeof names - 1;
        return bind_error(b, e->pos, "%s: model '%s' takes %d input%s (%s), got %d", name,
                          e->list[0]->str, n_in, n_in == 1 ? "" : "s", names, e->n_list - 1);
    }
    lp_expr **args = bind_alloc(b, sizeof *args * (size_t)(n_in ? n_in : 1));
    if (!args)
        return bind_nomem(b);
    for (int i = 0; i < n_in; i++) {
        if ((rc = bind_expr(b, x, e->list[i + 1], &args[i])) != ST_OK ||
            (rc = fit_input(b, m, i, &args[i], e->list[i + 1]->pos)) != ST_OK)
            return rc;
    }
    return model_call(b, m, want_prob ? ML_OUT_PROBABILITY : ML_OUT_PREDICTION, args, n_in,
                      e->pos, out);
}

bool bind_ml_is_predict_tvf(const sql_tableref *t)
{
    const sql_name *n = &t->name;
    if (n->n_parts == 2)
        return !strcasecmp(n->parts[0], "ml") && !strcasecmp(n->parts[1], "predict");
    return n->n_parts == 1 && !strcasecmp(n->parts[0], "ml_predict");
}

/* The input of an ML table function: TABLE t / TABLE (query), or a
** subquery argument. */
st_status bind_ml_input(binder *b, const sql_tableref *t, const char *fname, lp_node **out,
                        bind_scope *scope)
{
    if (t->table_arg)
        return bind_from(b, t->table_arg, NULL, out, scope);
    if (t->n_args >= 1 && t->args[0]->kind == SQL_E_SUBQUERY && t->args[0]->query) {
        sql_tableref q = {.kind = SQL_T_QUERY, .pos = t->args[0]->pos, .query = t->args[0]->query};
        return bind_from(b, &q, NULL, out, scope);
    }
    return bind_error(b, t->pos, "%s needs its input as TABLE t or (query)", fname);
}

st_status bind_ml_predict_tvf(binder *b, const sql_tableref *t, lp_node **out)
{
    if (!t->model)
        return bind_error(b, t->pos, "ML.PREDICT needs MODEL name or MODEL 'uri' as its first "
                                     "argument");
    int extra = t->table_arg ? 0 : 1;
    if (t->n_args > extra)
        return bind_error(b, t->args[extra]->pos, "ML.PREDICT takes MODEL m and one input");
    lp_node *in;
    bind_scope sc = {0};
    st_status rc = bind_ml_input(b, t, "ML.PREDICT", &in, &sc);
    if (rc != ST_OK)
        return rc;
    ml_model *m;
    if ((rc = load_model(b, t->model, t->model_pos, &m)) != ST_OK)
        return rc;
    int n_in = ml_model_n_inputs(m);
    lp_expr **args = bind_alloc(b, sizeof *args * (size_t)(n_in ? n_in : 1));
    if (!args)
        return bind_nomem(b);
    for (int i = 0; i < n_in; i++) {
        const char *want = ml_model_input_name(m, i);
        int k = -1;
        for (int j = 0; j < in->n_cols && k < 0; j++)
            if (bind_name_eq(in->cols[j].name, want))
                k = j;
        if (k < 0)
            return bind_error(b, t->table_arg ? t->table_arg->pos : t->pos,
                              "ML.PREDICT: the input has no column '%s', which model '%s' needs",
                              want, t->model);
        if (!(args[i] = lp_expr_col(b->c, &in->cols[k])))
            return bind_nomem(b);
        if ((rc = fit_input(b, m, i, &args[i], t->pos)) != ST_OK)
            return rc;
    }
    lp_expr *call;
    if ((rc = model_call(b, m, ML_OUT_STRUCT, args, n_in, t->pos, &call)) != ST_OK)
        return rc;
    /* Project 1: input columns + the struct. */
    int nc = in->n_cols;
    lp_node *p1 = lp_node_new(b->c, LP_PROJECT, t->pos);
    if (!p1 || !(p1->cols = bind_alloc(b, sizeof *p1->cols * (size_t)(nc + 1))) ||
        !(p1->exprs = bind_alloc(b, sizeof *p1->exprs * (size_t)(nc + 1))))
        return bind_nomem(b);
    p1->child[0] = in;
    p1->n_child = 1;
    p1->n_cols = nc + 1;
    for (int i = 0; i < nc; i++) {
        if (!(p1->exprs[i] = lp_expr_col(b->c, &in->cols[i])))
            return bind_nomem(b);
        p1->cols[i] = in->cols[i];
    }
    p1->exprs[nc] = call;
    p1->cols[nc] = bind_new_col(b, "__ml_output", &call->type, true);
    /* Project 2: input columns + the struct's fields. */
    bool prob = ml_model_has_probability(m);
    int n2 = nc + (prob ? 2 : 1);
    lp_node *p2 = lp_node_new(b->c, LP_PROJECT, t->pos);
    if (!p2 || !(p2->cols = bind_alloc(b, sizeof *p2->cols * (size_t)n2)) ||
        !(p2->exprs = bind_alloc(b, sizeof *p2->exprs * (size_t)n2)))
        return bind_nomem(b);
    p2->child[0] = p1;
    p2->n_child = 1;
    p2->n_cols = n2;
    for (int i = 0; i < nc; i++) {
        if (!(p2->exprs[i] = lp_expr_col(b->c, &p1->cols[i])))
            return bind_nomem(b);
        p2->cols[i] = bind_new_col(b, in->cols[i].name, &in->cols[i].type, in->cols[i].nullable);
    }
    static const char *const fields[2] = {"prediction", "probability"};
    for (int f = 0; f < (prob ? 2 : 1); f++) {
        lp_expr *base = lp_expr_col(b->c, &p1->cols[nc]);
        vec_scalar sv = {.bytes = (const uint8_t *)fields[f], .n_bytes = (int64_t)strlen(fields[f])};
        vec_type st = {.id = VEC_STRING};
        lp_expr *key = lp_expr_const(b->c, &st, &sv);
        if (!base || !key)
            return bind_nomem(b);
        lp_expr *ga[2] = {base, key};
        if ((rc = bind_call_fn(b, "__get_field", ga, 2, t->pos, &p2->exprs[nc + f])) != ST_OK)
            return rc;
        p2->cols[nc + f] = bind_new_col(b, fields[f], &p2->exprs[nc + f]->type, true);
    }
    *out = p2;
    return ST_OK;
}
