/* opt_meta.c -- metadata answers (opt.h stage 7): an ungrouped AGGREGATE
** of only count(*), count(col), min(col), max(col) directly over a Delta
** SCAN (through column-only PROJECTs and FILTERs over partition columns)
** becomes a one-row LP_VALUES computed from the log: per live file the
** stats JSON ({"numRecords", "minValues", "maxValues", "nullCount"}, keyed
** by physical column name) and the partition values.
**
** Partition filters are applied to the file list by substituting each
** file's partition values into the conjuncts and folding them (a conjunct
** that does not fold to a constant leaves the plan alone). The answer is
** only given when exact: every kept file has numRecords; count(col) and
** min/max need no deletion vector (count(*) subtracts a DV's cardinality);
** min/max only for integer and date columns (string bounds are truncated
** prefixes, timestamps are truncated to milliseconds, doubles have NaN).
** Otherwise the plan is left as it is. */
#include <jansson.h>
#include <strings.h>
#include <string.h>

#include "opt_int.h"

typedef enum ma_op { MA_COUNT_STAR, MA_COUNT, MA_MIN, MA_MAX } ma_op;

typedef struct ma_item {
    ma_op       op;
    int         field;        /* metadata schema field, -1 for count(*) */
    int         part;         /* partition column index, -1 if a data column */
    const char *phys;         /* stats key */
    int64_t     count;        /* running count */
    bool        has_val;
    vec        *val;          /* running min/max (1 row of the column type) */
    const vec_type *type;     /* column type */
} ma_item;

static int meta_field(const delta_snapshot *s, const char *name)
{
    for (int i = 0; i < s->meta.schema.n_fields; i++)
        if (strcasecmp(s->meta.schema.fields[i].name, name) == 0) return i;
    return -1;
}

static int part_index(const delta_snapshot *s, int field)
{
    for (int i = 0; i < s->meta.n_partition_cols; i++)
        if (s->meta.partition_field && s->meta.partition_field[i] == field) return i;
    return -1;
}

static bool bound_type_ok(vec_type_id id)
{
    return id == VEC_INT8 || id == VEC_INT16 || id == VEC_INT32 || id == VEC_INT64 ||
           id == VEC_DATE;
}

/* Parses text as a value of type t (NULL text: NULL value) into a constant. */
static lp_expr *text_const(lp_ctx *c, const vec_type *t, const char *text)
{
    if (!text) return lp_expr_const(c, t, NULL);
    vec_type st = {.id = VEC_STRING};
    vec_scalar s = {.bytes = (const uint8_t *)text, .n_bytes = (int64_t)strlen(text)};
    lp_expr *str = lp_expr_const(c, &st, &s);
    if (!str) return NULL;
    vec *out = NULL;
    st_error err;
    st_error_init(&err);
    if (fn_cast(&c->fnctx, str->value, t, false, 1, c->arena, &out, &err) != ST_OK || !out)
        return NULL;
    lp_expr *x = lp_expr_new(c, LP_X_CONST, -1);
    if (!x) return NULL;
    x->type = *t;
    out->type = &x->type;
    x->value = out;
    x->nullable = !vec_is_valid(out, 0);
    return x;
}

/* The stats value json as a 1-row vector of type t, or NULL. */
static vec *json_value(lp_ctx *c, const vec_type *t, json_t *j)
{
    if (json_is_integer(j) && t->id != VEC_DATE) {
        vec_scalar s = {.i64 = (int64_t)json_integer_value(j)};
        lp_expr *x = lp_expr_const(c, t, &s);
        return x ? x->value : NULL;
    }
    if (json_is_string(j)) {
        lp_expr *x = text_const(c, t, json_string_value(j));
        return x && vec_is_valid(x->value, 0) ? x->value : NULL;
    }
    return NULL;
}

static int cmp_val(const vec *a, const vec *b)
{
    int64_t x, y;
    switch (a->type->id) {
    case VEC_INT8: x = ((const int8_t *)a->values)[0]; y = ((const int8_t *)b->values)[0]; break;
    case VEC_INT16: x = ((const int16_t *)a->values)[0]; y = ((const int16_t *)b->values)[0]; break;
    case VEC_INT32: case VEC_DATE:
        x = ((const int32_t *)a->values)[0]; y = ((const int32_t *)b->values)[0]; break;
    default: x = ((const int64_t *)a->values)[0]; y = ((const int64_t *)b->values)[0]; break;
    }
    return x < y ? -1 : x > y;
}

static void fold_bound(ma_item *it, vec *v)
{
    if (!v) return;
    if (!it->has_val || (it->op == MA_MIN ? cmp_val(v, it->val) < 0 : cmp_val(v, it->val) > 0)) {
        it->val = v;
        it->has_val = true;
    }
}

/* Folds one file into every item; false when its stats cannot answer. */
static bool take_file(lp_ctx *c, const delta_file *f, ma_item *items, int n)
{
    if (!f->stats) return false;
    json_error_t jerr;
    json_t *root = json_loads(f->stats, 0, &jerr);
    if (!root) return false;
    bool ok = true;
    json_t *nr = json_object_get(root, "numRecords");
    if (!json_is_integer(nr) || json_integer_value(nr) < 0) ok = false;
    int64_t rows = ok ? (int64_t)json_integer_value(nr) : 0;
    for (int i = 0; ok && i < n; i++) {
        ma_item *it = &items[i];
        if (it->op == MA_COUNT_STAR) {
            int64_t del = f->has_dv ? f->dv.cardinality : 0;
            if (del < 0 || del > rows) ok = false;
            else it->count += rows - del;
            continue;
        }
        if (f->has_dv) { ok = false; break; }
        if (it->part >= 0) {
            const char *pv = f->partition_values ? f->partition_values[it->part] : NULL;
            if (it->op == MA_COUNT) it->count += pv ? rows : 0;
            else if (pv && rows > 0) {
                lp_expr *x = text_const(c, it->type, pv);
                if (!x) ok = false;
                else fold_bound(it, x->value);
            }
            continue;
        }
        json_t *nc = json_object_get(json_object_get(root, "nullCount"), it->phys);
        if (!json_is_integer(nc)) { ok = false; break; }
        int64_t nulls = (int64_t)json_integer_value(nc);
        if (it->op == MA_COUNT) {
            it->count += rows - nulls;
            continue;
        }
        if (nulls >= rows) continue;   /* no values in this file */
        json_t *b = json_object_get(json_object_get(root, it->op == MA_MIN ? "minValues"
                                                                            : "maxValues"),
                                    it->phys);
        vec *v = b ? json_value(c, it->type, b) : NULL;
        if (!v) ok = false;
        else fold_bound(it, v);
    }
    json_decref(root);
    return ok;
}

/* True when the file's partition values satisfy every conjunct. *ok is
** cleared when some conjunct cannot be decided. */
static bool file_passes(lp_ctx *c, const lp_node *scan, const delta_file *f, lp_expr **conj,
                        int n_conj, bool *ok)
{
    const delta_snapshot *s = scan->source->snapshot;
    lp_colid *from = st_arena_alloc(c->arena, (size_t)(scan->n_cols + 1) * sizeof *from);
    lp_expr **to = st_arena_alloc(c->arena, (size_t)(scan->n_cols + 1) * sizeof *to);
    if (!from || !to) { *ok = false; return false; }
    int m = 0;
    for (int i = 0; i < scan->n_cols; i++) {
        int fld = meta_field(s, scan->source->schema.fields[scan->scan_fields[i]].name);
        int p = fld >= 0 ? part_index(s, fld) : -1;
        if (p < 0) continue;
        const char *pv = f->partition_values ? f->partition_values[p] : NULL;
        from[m] = scan->cols[i].id;
        to[m] = text_const(c, &scan->cols[i].type, pv);
        if (!to[m]) { *ok = false; return false; }
        m++;
    }
    for (int k = 0; k < n_conj; k++) {
        lp_expr *e = opt_expr_subst(c, conj[k], from, to, m), *r = NULL;
        st_error err;
        st_error_init(&err);
        if (!e || opt_fold_expr(c, e, &r, &err) != ST_OK || r->kind != LP_X_CONST) {
            *ok = false;
            return false;
        }
        if (!opt_is_bool_const(r, true)) return false;
    }
    return true;
}

/* Sets up item j for aggregate a; false when it is not answerable. */
static bool item_for(lp_ctx *c, const lp_agg *a, const lp_node *scan, const lp_node *proj,
                     ma_item *it)
{
    (void)c;
    memset(it, 0, sizeof *it);
    it->field = it->part = -1;
    if (!a->fn || a->filter) return false;
    const char *nm = a->fn->name;
    bool is_count = strcmp(nm, "count") == 0;
    if (is_count && a->fn->distinct) return false;
    if (!is_count && strcmp(nm, "min") != 0 && strcmp(nm, "max") != 0) return false;
    if (is_count && (a->n_args == 0 || (a->n_args == 1 && a->args[0]->kind == LP_X_CONST &&
                                        vec_is_valid(a->args[0]->value, 0)))) {
        it->op = MA_COUNT_STAR;
        return true;
    }
    if (a->n_args != 1 || a->args[0]->kind != LP_X_COL) return false;
    lp_colid id = a->args[0]->col;
    if (proj) {
        int at = lp_find_col(proj, id);
        if (at < 0 || proj->exprs[at]->kind != LP_X_COL) return false;
        id = proj->exprs[at]->col;
    }
    int at = lp_find_col(scan, id);
    if (at < 0) return false;
    const delta_snapshot *s = scan->source->snapshot;
    it->field = meta_field(s, scan->source->schema.fields[scan->scan_fields[at]].name);
    if (it->field < 0) return false;
    it->part = part_index(s, it->field);
    it->type = &scan->cols[at].type;
    it->phys = s->meta.field_info ? s->meta.field_info[it->field].physical_name
                                  : s->meta.schema.fields[it->field].name;
    if (!it->phys) it->phys = s->meta.schema.fields[it->field].name;
    it->op = is_count ? MA_COUNT : strcmp(nm, "min") == 0 ? MA_MIN : MA_MAX;
    if (it->op != MA_COUNT && !bound_type_ok(it->type->id)) return false;
    if (it->op != MA_COUNT && !vec_type_equal(it->type, &a->fn->ret)) return false;
    return true;
}

/* The answer for aggregate node n, or NULL (plan left alone). */
static lp_node *answer(lp_ctx *c, lp_node *n)
{
    if (n->kind != LP_AGGREGATE || n->n_groups != 0 || n->n_sets != 0 || n->n_aggs == 0)
        return NULL;
    lp_node *ch = n->child[0], *proj = NULL;
    lp_expr **conj = NULL;
    int n_conj = 0;
    st_error err;
    st_error_init(&err);
    if (ch->kind == LP_PROJECT) {
        proj = ch;
        ch = ch->child[0];
    }
    while (ch->kind == LP_FILTER) {
        if (lp_conjuncts(c, ch->cond, &conj, &n_conj, &err) != ST_OK) return NULL;
        ch = ch->child[0];
    }
    if (ch->kind != LP_SCAN || ch->source->kind != LP_SRC_DELTA || !ch->source->snapshot)
        return NULL;
    ma_item *items = st_arena_calloc(c->arena, (size_t)n->n_aggs, sizeof *items);
    if (!items) return NULL;
    for (int j = 0; j < n->n_aggs; j++)
        if (!item_for(c, &n->aggs[j], ch, proj, &items[j])) return NULL;
    const delta_snapshot *s = ch->source->snapshot;
    for (size_t i = 0; i < s->n_files; i++) {
        bool ok = true;
        if (n_conj > 0 && !file_passes(c, ch, &s->files[i], conj, n_conj, &ok)) {
            if (!ok) return NULL;
            continue;
        }
        if (!take_file(c, &s->files[i], items, n->n_aggs)) return NULL;
    }
    lp_node *v = lp_node_new(c, LP_VALUES, n->pos);
    lp_expr **vals = st_arena_alloc(c->arena, (size_t)n->n_aggs * sizeof *vals);
    if (!v || !vals) return NULL;
    for (int j = 0; j < n->n_aggs; j++) {
        const lp_col *col = &n->cols[j];
        if (items[j].op == MA_COUNT_STAR || items[j].op == MA_COUNT) {
            vec_scalar sc = {.i64 = items[j].count};
            vals[j] = lp_expr_const(c, &col->type, &sc);
        } else if (!items[j].has_val) {
            vals[j] = lp_expr_const(c, &col->type, NULL);
        } else {
            lp_expr *x = lp_expr_new(c, LP_X_CONST, -1);
            if (!x) return NULL;
            x->type = col->type;
            items[j].val->type = &x->type;
            x->value = items[j].val;
            x->nullable = false;
            vals[j] = x;
        }
        if (!vals[j]) return NULL;
    }
    v->cols = n->cols;
    v->n_cols = n->n_cols;
    v->values = vals;
    v->n_rows = 1;
    v->est_rows = 1;
    return v;
}

static st_status meta_rec(lp_ctx *c, lp_node **np, int depth, st_error *err)
{
    if (depth > 10000) return st_error_set(err, ST_ERR_LIMIT, "plan nested too deeply");
    lp_node *n = *np;
    lp_node *v = answer(c, n);
    if (v) {
        *np = v;
        return ST_OK;
    }
    for (int i = 0; i < n->n_child; i++) {
        st_status rc = meta_rec(c, &n->child[i], depth + 1, err);
        if (rc != ST_OK) return rc;
    }
    return ST_OK;
}

st_status opt_metadata_answers(lp_ctx *c, lp_node **root, st_error *err)
{
    return meta_rec(c, root, 0, err);
}
