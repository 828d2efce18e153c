/* ml_dataset.c -- training data for models: a query's batches encoded into a
** dense float32 row-major matrix (NaN = missing) plus one label per row, and
** the feature encoding shared with prediction (numbers as values, strings
** one-hot over a vocabulary).
**
** While batches arrive, numeric features go straight into the matrix (its
** width is the number of numeric features; rows grow geometrically, never
** one allocation per value); a string feature keeps one dictionary id per
** row and a count per distinct value, so the vocabulary (the ML_VOCAB_MAX
** most frequent values) is chosen only once every row is in. When the model
** has no string features the matrix handed to XGBoost is this raw matrix
** itself, without a copy. Labels: numbers/booleans as doubles, strings as
** dictionary ids; rows with a NULL label are skipped. */
#include "ml_model_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>
#include <xxhash.h>

/* ---- string map -------------------------------------------------------------------- */

void ml_strmap_destroy(ml_strmap *m)
{
    st_free(m->keys);
    st_free(m->lens);
    st_free(m->hashes);
    st_free(m->counts);
    st_free(m->slots);
    memset(m, 0, sizeof *m);
}

static uint64_t str_hash(const void *p, size_t len)
{
    return XXH3_64bits(p, len);
}

int ml_strmap_find(const ml_strmap *m, const void *p, size_t len)
{
    if (m->n_slots == 0)
        return -1;
    uint64_t h = str_hash(p, len);
    uint32_t mask = m->n_slots - 1;
    for (uint32_t s = (uint32_t)h & mask;; s = (s + 1) & mask) {
        uint32_t v = m->slots[s];
        if (v == 0)
            return -1;
        int k = (int)v - 1;
        if (m->hashes[k] == h && m->lens[k] == len && st_memcmp(m->keys[k], p, len) == 0)
            return k;
    }
}

/* Rehashes into twice the slots (or 64 at first). */
static st_status strmap_grow_slots(ml_strmap *m, st_error *err)
{
    uint32_t n = m->n_slots ? m->n_slots * 2 : 64;
    if (n < m->n_slots)
        return st_error_set(err, ST_ERR_LIMIT, "too many distinct values in one column");
    uint32_t *slots = st_calloc(n, sizeof *slots);
    if (!slots)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory growing a value dictionary");
    for (int k = 0; k < m->n; k++) {
        uint32_t s = (uint32_t)m->hashes[k] & (n - 1);
        while (slots[s])
            s = (s + 1) & (n - 1);
        slots[s] = (uint32_t)k + 1;
    }
    st_free(m->slots);
    m->slots = slots;
    m->n_slots = n;
    return ST_OK;
}

static st_status strmap_grow_keys(ml_strmap *m, st_error *err)
{
    if (m->cap > (1 << 29))
        return st_error_set(err, ST_ERR_LIMIT, "too many distinct values in one column");
    int cap = m->cap ? m->cap * 2 : 32;
    char **keys = st_realloc(m->keys, (size_t)cap * sizeof *keys);
    if (keys)
        m->keys = keys;
    uint32_t *lens = keys ? st_realloc(m->lens, (size_t)cap * sizeof *lens) : NULL;
    if (lens)
        m->lens = lens;
    uint64_t *hashes = lens ? st_realloc(m->hashes, (size_t)cap * sizeof *hashes) : NULL;
    if (hashes)
        m->hashes = hashes;
    int64_t *counts = hashes ? st_realloc(m->counts, (size_t)cap * sizeof *counts) : NULL;
    if (!counts)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory growing a value dictionary");
    m->counts = counts;
    m->cap = cap;
    return ST_OK;
}

st_status ml_strmap_add(ml_strmap *m, st_arena *a, const void *p, size_t len, int *idx,
                        st_error *err)
{
    int k = ml_strmap_find(m, p, len);
    if (k >= 0) {
        m->counts[k]++;
        *idx = k;
        return ST_OK;
    }
    if (len > UINT32_MAX)
        return st_error_set(err, ST_ERR_LIMIT, "string value of %zu bytes is too long", len);
    st_status rc;
    if ((uint32_t)(m->n + 1) * 2 >= m->n_slots && (rc = strmap_grow_slots(m, err)) != ST_OK)
        return rc;
    if (m->n == m->cap && (rc = strmap_grow_keys(m, err)) != ST_OK)
        return rc;
    char *copy = st_arena_alloc(a, len + 1);
    if (!copy)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory copying a string value");
    st_memcpy(copy, p, len);
    copy[len] = '\0';
    k = m->n++;
    m->keys[k] = copy;
    m->lens[k] = (uint32_t)len;
    m->hashes[k] = str_hash(p, len);
    m->counts[k] = 1;
    uint32_t mask = m->n_slots - 1;
    uint32_t s = (uint32_t)m->hashes[k] & mask;
    while (m->slots[s])
        s = (s + 1) & mask;
    m->slots[s] = (uint32_t)k + 1;
    *idx = k;
    return ST_OK;
}

/* ---- values -------------------------------------------------------------------------- */

static double decimal_to_double(__int128 v, int scale)
{
    double d = (double)v;
    for (int i = 0; i < scale; i++)
        d /= 10.0;
    return d;
}

double ml_value_number(const vec *v, int64_t i)
{
    if (!vec_is_valid(v, i))
        return NAN;
    switch (v->type->id) {
    case VEC_BOOL:      return vec_bit_get(v->values, i) ? 1.0 : 0.0;
    case VEC_INT8:      return ((const int8_t *)v->values)[i];
    case VEC_INT16:     return ((const int16_t *)v->values)[i];
    case VEC_INT32:     return ((const int32_t *)v->values)[i];
    case VEC_INT64:     return (double)((const int64_t *)v->values)[i];
    case VEC_UINT8:     return ((const uint8_t *)v->values)[i];
    case VEC_UINT16:    return ((const uint16_t *)v->values)[i];
    case VEC_UINT32:    return ((const uint32_t *)v->values)[i];
    case VEC_UINT64:    return (double)((const uint64_t *)v->values)[i];
    case VEC_FLOAT:     return ((const float *)v->values)[i];
    case VEC_DOUBLE:    return ((const double *)v->values)[i];
    case VEC_DATE:      return ((const int32_t *)v->values)[i];
    case VEC_TIME:
    case VEC_TIMESTAMP:
    case VEC_TIMESTAMP_NTZ:
        return (double)((const int64_t *)v->values)[i] / 1e6;
    case VEC_DECIMAL: {
        __int128 x;
        memcpy(&x, (const uint8_t *)v->values + 16 * i, 16);
        return decimal_to_double(x, v->type->scale);
    }
    default:
        return NAN;
    }
}

bool ml_type_fits(ml_enc enc, vec_type_id t)
{
    if (enc == ML_ENC_ONEHOT)
        return t == VEC_STRING;
    switch (t) {
    case VEC_BOOL: case VEC_INT8: case VEC_INT16: case VEC_INT32: case VEC_INT64:
    case VEC_UINT8: case VEC_UINT16: case VEC_UINT32: case VEC_UINT64:
    case VEC_FLOAT: case VEC_DOUBLE: case VEC_DECIMAL: case VEC_DATE: case VEC_TIME:
    case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ: case VEC_NULL:
        return true;
    default:
        return false;
    }
}

/* Row r of the selection: sel[r], or r itself without a selection. */
static inline int64_t sel_row(const int32_t *sel, int64_t r)
{
    return sel ? sel[r] : r;
}

/* Writes n values of v (rows sel[0..n) or 0..n) to dst[r * stride]. The
** common types have their own loops; the rest go through ml_value_number. */
static void encode_number(const vec *v, const int32_t *sel, int64_t n, float *dst, size_t stride)
{
    if (v->type->id == VEC_NULL) {
        for (int64_t r = 0; r < n; r++)
            dst[(size_t)r * stride] = NAN;
        return;
    }
    bool all_valid = v->validity == NULL;
    switch (v->type->id) {
    case VEC_DOUBLE: {
        const double *x = v->values;
        for (int64_t r = 0; r < n; r++) {
            int64_t i = sel_row(sel, r);
            dst[(size_t)r * stride] = all_valid || vec_bit_get(v->validity, i) ? (float)x[i] : NAN;
        }
        return;
    }
    case VEC_FLOAT: {
        const float *x = v->values;
        for (int64_t r = 0; r < n; r++) {
            int64_t i = sel_row(sel, r);
            dst[(size_t)r * stride] = all_valid || vec_bit_get(v->validity, i) ? x[i] : NAN;
        }
        return;
    }
    case VEC_INT32: {
        const int32_t *x = v->values;
        for (int64_t r = 0; r < n; r++) {
            int64_t i = sel_row(sel, r);
            dst[(size_t)r * stride] = all_valid || vec_bit_get(v->validity, i) ? (float)x[i] : NAN;
        }
        return;
    }
    case VEC_INT64: {
        const int64_t *x = v->values;
        for (int64_t r = 0; r < n; r++) {
            int64_t i = sel_row(sel, r);
            dst[(size_t)r * stride] = all_valid || vec_bit_get(v->validity, i) ? (float)x[i] : NAN;
        }
        return;
    }
    default:
        for (int64_t r = 0; r < n; r++)
            dst[(size_t)r * stride] = (float)ml_value_number(v, sel_row(sel, r));
        return;
    }
}

/* The bytes of row i of a STRING vector. */
static inline const uint8_t *str_at(const vec *v, int64_t i, size_t *len)
{
    const int32_t *off = vec_offsets(v);
    *len = (size_t)(off[i + 1] - off[i]);
    return v->bytes + off[i];
}

void ml_encode_rows(const ml_input *inputs, int n_inputs, int n_features,
                    const vec *const *cols, int64_t n, float *X)
{
    for (int j = 0; j < n_inputs; j++) {
        const ml_input *in = &inputs[j];
        const vec *v = cols[j];
        if (in->enc == ML_ENC_NUMBER) {
            encode_number(v, NULL, n, X + in->first, (size_t)n_features);
            continue;
        }
        for (int64_t r = 0; r < n; r++) {
            float *row = X + (size_t)r * (size_t)n_features + in->first;
            for (int k = 0; k < in->width; k++)
                row[k] = 0.0f;
            if (v->type->id != VEC_STRING || !vec_is_valid(v, r))
                continue;
            size_t len;
            const uint8_t *p = str_at(v, r, &len);
            int k = ml_strmap_find(&in->vocab, p, len);
            if (k >= 0)
                row[k] = 1.0f;
        }
    }
}

/* ---- dataset ------------------------------------------------------------------------- */

static int schema_find(const vec_schema *s, const char *name)
{
    for (int i = 0; i < s->n_fields; i++)
        if (strcasecmp(s->fields[i].name, name) == 0)
            return i;
    return -1;
}

static bool label_type_ok(vec_type_id t)
{
    return t != VEC_NULL && (t == VEC_STRING || ml_type_fits(ML_ENC_NUMBER, t));
}

/* Adds schema column c as feature number i of d. */
static st_status add_feature(ml_dataset *d, int c, st_error *err)
{
    const vec_field *f = &d->schema.fields[c];
    for (int i = 0; i < d->n_cols; i++)
        if (d->cols[i].col == c)
            return st_error_set(err, ST_ERR_ARGUMENT, "feature column '%s' is listed twice",
                                f->name);
    ml_enc enc = f->type.id == VEC_STRING ? ML_ENC_ONEHOT : ML_ENC_NUMBER;
    if (!ml_type_fits(enc, f->type.id)) {
        char tn[64];
        vec_type_format(&f->type, tn, sizeof tn);
        st_error_set(err, ST_ERR_ARGUMENT, "feature column '%s' has unsupported type %s",
                     f->name, tn);
        return st_error_hint(err, "Features may be numbers, booleans, strings, dates or "
                             "timestamps.");
    }
    ml_ds_col *col = &d->cols[d->n_cols++];
    memset(col, 0, sizeof *col);
    col->col = c;
    col->in.name = f->name;
    col->in.type = f->type;
    col->in.type.n_children = 0;
    col->in.type.children = NULL;
    col->in.enc = enc;
    col->in.width = 1;
    if (enc == ML_ENC_NUMBER)
        col->in.first = d->n_num++;
    return ST_OK;
}

static st_status dataset_columns(ml_dataset *d, const char *label_col,
                                 const char *const *feature_cols, int n_feature_cols,
                                 st_error *err)
{
    const vec_schema *s = &d->schema;
    d->label = -1;
    if (label_col) {
        d->label = schema_find(s, label_col);
        if (d->label < 0)
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "label column '%s' is not a column of the query", label_col);
        const vec_field *f = &s->fields[d->label];
        if (!label_type_ok(f->type.id)) {
            char tn[64];
            vec_type_format(&f->type, tn, sizeof tn);
            return st_error_set(err, ST_ERR_ARGUMENT, "label column '%s' has unsupported type %s",
                                f->name, tn);
        }
        d->label_name = f->name;
        d->label_type = f->type;
    }
    int n = feature_cols && n_feature_cols > 0 ? n_feature_cols : s->n_fields;
    d->cols = st_calloc((size_t)(n ? n : 1), sizeof *d->cols);
    if (!d->cols)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory creating a dataset");
    st_status rc;
    if (feature_cols && n_feature_cols > 0) {
        for (int i = 0; i < n_feature_cols; i++) {
            int c = schema_find(s, feature_cols[i]);
            if (c < 0)
                return st_error_set(err, ST_ERR_ARGUMENT,
                                    "feature column '%s' is not a column of the query",
                                    feature_cols[i]);
            if (c == d->label)
                return st_error_set(err, ST_ERR_ARGUMENT,
                                    "column '%s' cannot be both the label and a feature",
                                    feature_cols[i]);
            if ((rc = add_feature(d, c, err)) != ST_OK)
                return rc;
        }
    } else {
        for (int c = 0; c < s->n_fields; c++)
            if (c != d->label && (rc = add_feature(d, c, err)) != ST_OK)
                return rc;
    }
    if (d->n_cols == 0)
        return st_error_set(err, ST_ERR_ARGUMENT, "the query has no feature columns besides label '%s'",
                            label_col ? label_col : "");
    return ST_OK;
}

st_status ml_dataset_new(const vec_schema *schema, const char *label_col,
                         const char *const *feature_cols, int n_feature_cols,
                         ml_dataset **out, st_error *err)
{
    *out = NULL;
    ml_dataset *d = st_calloc(1, sizeof *d);
    if (!d)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory creating a dataset");
    d->arena = st_arena_new(0);
    st_status rc;
    if (!d->arena) {
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory creating a dataset");
        goto fail;
    }
    if ((rc = vec_schema_copy(d->arena, schema, &d->schema, err)) != ST_OK)
        goto fail;
    if ((rc = dataset_columns(d, label_col, feature_cols, n_feature_cols, err)) != ST_OK)
        goto fail;
    *out = d;
    return ST_OK;
fail:
    ml_dataset_free(d);
    return rc;
}

int64_t ml_dataset_rows(const ml_dataset *d)
{
    return d->n_rows;
}

void ml_dataset_free(ml_dataset *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->n_cols; i++) {
        st_free(d->cols[i].ids);
        ml_strmap_destroy(&d->cols[i].in.vocab);
    }
    st_free(d->cols);
    st_free(d->num);
    st_free(d->y);
    st_free(d->y_ids);
    ml_strmap_destroy(&d->y_dict);
    st_arena_free(d->arena);
    st_free(d);
}

/* Grows *p (elem bytes each) from old_cap to cap elements. */
static bool grow_array(void **p, size_t cap, size_t elem)
{
    size_t bytes;
    if (!st_mul_size(cap, elem, &bytes))
        return false;
    void *q = st_realloc(*p, bytes ? bytes : 1);
    if (!q)
        return false;
    *p = q;
    return true;
}

/* Room for need rows in every per-row array (capacity doubles). */
static st_status dataset_reserve(ml_dataset *d, int64_t need, st_error *err)
{
    if (need <= d->cap_rows)
        return ST_OK;
    int64_t cap = d->cap_rows ? d->cap_rows : 4096;
    while (cap < need)
        cap *= 2;
    size_t row_floats;
    bool ok = st_mul_size((size_t)cap, (size_t)d->n_num, &row_floats);
    ok = ok && grow_array((void **)&d->num, row_floats, sizeof(float));
    if (ok && d->label >= 0) {
        if (d->label_type.id == VEC_STRING)
            ok = grow_array((void **)&d->y_ids, (size_t)cap, sizeof(int32_t));
        else
            ok = grow_array((void **)&d->y, (size_t)cap, sizeof(double));
    }
    for (int i = 0; ok && i < d->n_cols; i++)
        if (d->cols[i].in.enc == ML_ENC_ONEHOT)
            ok = grow_array((void **)&d->cols[i].ids, (size_t)cap, sizeof(int32_t));
    if (!ok)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory growing a dataset to %" PRId64 " rows",
                            cap);
    d->cap_rows = cap;
    return ST_OK;
}

/* Dictionary ids of the selected rows of a string vector into ids. */
static st_status add_string_ids(ml_strmap *m, st_arena *a, const vec *v, const int32_t *sel,
                                int64_t n, int32_t *ids, st_error *err)
{
    for (int64_t r = 0; r < n; r++) {
        int64_t i = sel_row(sel, r);
        if (!vec_is_valid(v, i)) {
            ids[r] = -1;
            continue;
        }
        size_t len;
        const uint8_t *p = str_at(v, i, &len);
        int k;
        st_status rc = ml_strmap_add(m, a, p, len, &k, err);
        if (rc != ST_OK)
            return rc;
        ids[r] = k;
    }
    return ST_OK;
}

/* Checks that batch column c holds the type the dataset expects. */
static st_status check_col(const ml_dataset *d, const vec_batch *b, int c, ml_enc enc,
                           st_error *err)
{
    if (c >= b->n_cols || !b->cols[c])
        return st_error_set(err, ST_ERR_ARGUMENT, "batch has no column %d ('%s')", c,
                            d->schema.fields[c].name);
    const vec *v = b->cols[c];
    if (v->len < b->n_rows || !ml_type_fits(enc, v->type->id))
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "batch column '%s' has type %s, not the schema's %s",
                            d->schema.fields[c].name, vec_type_id_name(v->type->id),
                            vec_type_id_name(d->schema.fields[c].type.id));
    return ST_OK;
}

/* Row selection of a batch: rows with a non-NULL label (NULL: all rows). */
static st_status label_selection(const ml_dataset *d, const vec_batch *b, int32_t **sel,
                                 int64_t *n, st_error *err)
{
    *sel = NULL;
    *n = b->n_rows;
    if (d->label < 0)
        return ST_OK;
    const vec *y = b->cols[d->label];
    if (y->null_count == 0 || !y->validity)
        return ST_OK;
    int32_t *s = st_malloc((size_t)b->n_rows * sizeof *s);
    if (!s)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory selecting labelled rows");
    int64_t k = 0;
    for (int64_t i = 0; i < b->n_rows; i++)
        if (vec_bit_get(y->validity, i))
            s[k++] = (int32_t)i;
    *sel = s;
    *n = k;
    return ST_OK;
}

st_status ml_dataset_add(ml_dataset *d, const vec_batch *b, st_error *err)
{
    if (b->n_rows <= 0)
        return ST_OK;
    if (b->n_rows > INT32_MAX)
        return st_error_set(err, ST_ERR_LIMIT, "batch of %" PRId64 " rows is too large", b->n_rows);
    st_status rc;
    if (d->label >= 0) {
        ml_enc e = d->label_type.id == VEC_STRING ? ML_ENC_ONEHOT : ML_ENC_NUMBER;
        if ((rc = check_col(d, b, d->label, e, err)) != ST_OK)
            return rc;
    }
    for (int i = 0; i < d->n_cols; i++)
        if ((rc = check_col(d, b, d->cols[i].col, d->cols[i].in.enc, err)) != ST_OK)
            return rc;
    int32_t *sel;
    int64_t n;
    if ((rc = label_selection(d, b, &sel, &n, err)) != ST_OK)
        return rc;
    if ((rc = dataset_reserve(d, d->n_rows + n, err)) != ST_OK)
        goto done;
    for (int i = 0; i < d->n_cols; i++) {
        ml_ds_col *c = &d->cols[i];
        const vec *v = b->cols[c->col];
        if (c->in.enc == ML_ENC_NUMBER)
            encode_number(v, sel, n, d->num + (size_t)d->n_rows * (size_t)d->n_num + c->in.first,
                          (size_t)d->n_num);
        else if ((rc = add_string_ids(&c->in.vocab, d->arena, v, sel, n, c->ids + d->n_rows,
                                      err)) != ST_OK)
            goto done;
    }
    if (d->label >= 0) {
        const vec *y = b->cols[d->label];
        if (d->label_type.id == VEC_STRING)
            rc = add_string_ids(&d->y_dict, d->arena, y, sel, n, d->y_ids + d->n_rows, err);
        else
            for (int64_t r = 0; r < n; r++)
                d->y[d->n_rows + r] = ml_value_number(y, sel_row(sel, r));
        if (rc != ST_OK)
            goto done;
    }
    d->n_rows += n;
done:
    st_free(sel);
    return rc;
}

/* ---- encoding ------------------------------------------------------------------------ */

static int cmp_bytes(const ml_strmap *m, int a, int b)
{
    size_t la = m->lens[a], lb = m->lens[b];
    int c = st_memcmp(m->keys[a], m->keys[b], la < lb ? la : lb);
    if (c)
        return c;
    return la < lb ? -1 : la > lb;
}

/* Orders dictionary ids by count descending, then by value. */
static int cmp_by_count(const void *pa, const void *pb, void *arg)
{
    const ml_strmap *m = arg;
    int a = *(const int *)pa, b = *(const int *)pb;
    if (m->counts[a] != m->counts[b])
        return m->counts[a] > m->counts[b] ? -1 : 1;
    return cmp_bytes(m, a, b);
}

static int cmp_by_value(const void *pa, const void *pb, void *arg)
{
    return cmp_bytes(arg, *(const int *)pa, *(const int *)pb);
}

/* The vocabulary of a string feature: its ML_VOCAB_MAX most frequent values
** (ties by value), in value order, copied into arena a. */
static st_status vocab_pick(const ml_strmap *dict, st_arena *a, ml_strmap *vocab, st_error *err)
{
    memset(vocab, 0, sizeof *vocab);
    if (dict->n == 0)
        return ST_OK;
    int *ids = st_malloc((size_t)dict->n * sizeof *ids);
    if (!ids)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory choosing a vocabulary");
    for (int i = 0; i < dict->n; i++)
        ids[i] = i;
    qsort_r(ids, (size_t)dict->n, sizeof *ids, cmp_by_count, (void *)dict);
    int k = dict->n < ML_VOCAB_MAX ? dict->n : ML_VOCAB_MAX;
    qsort_r(ids, (size_t)k, sizeof *ids, cmp_by_value, (void *)dict);
    st_status rc = ST_OK;
    for (int i = 0; i < k && rc == ST_OK; i++) {
        int idx;
        rc = ml_strmap_add(vocab, a, dict->keys[ids[i]], dict->lens[ids[i]], &idx, err);
    }
    st_free(ids);
    return rc;
}

st_status ml_dataset_encoding(ml_dataset *d, st_arena *a, ml_input **inputs, int *n_features,
                              st_error *err)
{
    ml_input *in = st_arena_calloc(a, (size_t)d->n_cols, sizeof *in);
    if (!in)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory building a feature encoding");
    int first = 0;
    for (int i = 0; i < d->n_cols; i++) {
        const ml_ds_col *c = &d->cols[i];
        in[i].name = st_arena_strdup(a, c->in.name);
        in[i].type = c->in.type;
        in[i].enc = c->in.enc;
        in[i].first = first;
        if (!in[i].name)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory building a feature encoding");
        if (c->in.enc == ML_ENC_ONEHOT) {
            st_status rc = vocab_pick(&c->in.vocab, a, &in[i].vocab, err);
            if (rc != ST_OK) {
                for (int j = 0; j <= i; j++)
                    ml_strmap_destroy(&in[j].vocab);
                return rc;
            }
            in[i].width = in[i].vocab.n;
        } else {
            in[i].width = 1;
        }
        first += in[i].width;
    }
    *inputs = in;
    *n_features = first;
    return ST_OK;
}

/* Checks that the dataset's features are the encoding's inputs. */
static st_status match_inputs(const ml_dataset *d, const ml_input *inputs, int n_inputs,
                              st_error *err)
{
    if (d->n_cols != n_inputs)
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "the data has %d feature columns but the model takes %d", d->n_cols,
                            n_inputs);
    for (int i = 0; i < n_inputs; i++) {
        if (strcasecmp(d->cols[i].in.name, inputs[i].name) != 0)
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "feature %d is '%s' but the model expects '%s'", i + 1,
                                d->cols[i].in.name, inputs[i].name);
        if (d->cols[i].in.enc != inputs[i].enc)
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "feature '%s' has type %s but the model was trained on %s",
                                inputs[i].name, vec_type_id_name(d->cols[i].in.type.id),
                                vec_type_id_name(inputs[i].type.id));
    }
    return ST_OK;
}

/* One-hot columns of input `in` for every row, from the dataset's ids. */
static st_status fill_onehot(const ml_ds_col *c, const ml_input *in, int64_t n_rows,
                             int n_features, float *X, st_error *err)
{
    int32_t *map = st_malloc((size_t)(c->in.vocab.n ? c->in.vocab.n : 1) * sizeof *map);
    if (!map)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory encoding column '%s'", in->name);
    for (int k = 0; k < c->in.vocab.n; k++)
        map[k] = ml_strmap_find(&in->vocab, c->in.vocab.keys[k], c->in.vocab.lens[k]);
    for (int64_t r = 0; r < n_rows; r++) {
        float *row = X + (size_t)r * (size_t)n_features + in->first;
        int32_t id = c->ids[r];
        if (id >= 0 && map[id] >= 0)
            row[map[id]] = 1.0f;
    }
    st_free(map);
    return ST_OK;
}

st_status ml_dataset_matrix(ml_dataset *d, const ml_input *inputs, int n_inputs, int n_features,
                            float **X, bool *owned, st_error *err)
{
    *X = NULL;
    *owned = false;
    st_status rc = match_inputs(d, inputs, n_inputs, err);
    if (rc != ST_OK)
        return rc;
    if (n_features == d->n_num) {             /* every input numeric: the raw matrix */
        *X = d->num;
        return ST_OK;
    }
    size_t cells;
    if (!st_mul_size((size_t)d->n_rows, (size_t)n_features, &cells))
        return st_error_set(err, ST_ERR_LIMIT, "encoded matrix is too large");
    float *m = st_calloc(cells ? cells : 1, sizeof *m);
    if (!m)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory encoding %" PRId64 " rows",
                            d->n_rows);
    for (int i = 0; i < n_inputs; i++) {
        const ml_ds_col *c = &d->cols[i];
        if (inputs[i].enc == ML_ENC_NUMBER) {
            for (int64_t r = 0; r < d->n_rows; r++)
                m[(size_t)r * (size_t)n_features + inputs[i].first] =
                    d->num[(size_t)r * (size_t)d->n_num + c->in.first];
        } else if ((rc = fill_onehot(c, &inputs[i], d->n_rows, n_features, m, err)) != ST_OK) {
            st_free(m);
            return rc;
        }
    }
    *X = m;
    *owned = true;
    return ST_OK;
}

/* ---- labels and classes -------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Index of v in the sorted classes, -1 when absent. */
static int class_of(const ml_model *m, double v)
{
    int lo = 0, hi = m->n_classes - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        double c = (double)m->class_i64[mid];
        if (c == v)
            return mid;
        if (c < v)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static st_status string_labels(ml_dataset *d, const ml_model *m, float *y, st_error *err)
{
    ml_strmap classes = {0};
    st_status rc = ST_OK;
    int32_t *map = st_malloc((size_t)(d->y_dict.n ? d->y_dict.n : 1) * sizeof *map);
    if (!map)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory mapping labels");
    for (int k = 0; k < m->n_classes && rc == ST_OK; k++) {
        int idx;
        rc = ml_strmap_add(&classes, d->arena, m->class_text[k], strlen(m->class_text[k]), &idx,
                           err);
    }
    for (int k = 0; k < d->y_dict.n && rc == ST_OK; k++) {
        map[k] = ml_strmap_find(&classes, d->y_dict.keys[k], d->y_dict.lens[k]);
        if (map[k] < 0)
            rc = st_error_set(err, ST_ERR_ARGUMENT, "label value '%s' is not a class of the model",
                              d->y_dict.keys[k]);
    }
    for (int64_t r = 0; r < d->n_rows && rc == ST_OK; r++)
        y[r] = (float)map[d->y_ids[r]];
    ml_strmap_destroy(&classes);
    st_free(map);
    return rc;
}

st_status ml_dataset_labels(ml_dataset *d, const ml_model *m, float **out, st_error *err)
{
    *out = NULL;
    if (d->label < 0)
        return st_error_set(err, ST_ERR_ARGUMENT, "the data has no label column");
    float *y = st_malloc((size_t)(d->n_rows ? d->n_rows : 1) * sizeof *y);
    if (!y)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory copying labels");
    st_status rc = ST_OK;
    bool str_label = d->label_type.id == VEC_STRING;
    if (m->n_classes == 0) {
        if (str_label)
            rc = st_error_set(err, ST_ERR_ARGUMENT, "regression label column '%s' must be numeric",
                              d->label_name);
        for (int64_t r = 0; r < d->n_rows && rc == ST_OK; r++)
            y[r] = (float)d->y[r];
    } else if (str_label != (m->pred_type.id == VEC_STRING)) {
        rc = st_error_set(err, ST_ERR_ARGUMENT, "label column '%s' has type %s but the model's "
                          "classes are %s", d->label_name, vec_type_id_name(d->label_type.id),
                          vec_type_id_name(m->pred_type.id));
    } else if (str_label) {
        rc = string_labels(d, m, y, err);
    } else {
        for (int64_t r = 0; r < d->n_rows && rc == ST_OK; r++) {
            int k = class_of(m, d->y[r]);
            if (k < 0)
                rc = st_error_set(err, ST_ERR_ARGUMENT, "label value %.17g is not a class of the "
                                  "model", d->y[r]);
            y[r] = (float)k;
        }
    }
    if (rc != ST_OK) {
        st_free(y);
        return rc;
    }
    *out = y;
    return ST_OK;
}

/* Distinct numeric label values, sorted, into m->class_i64/class_text. */
static st_status numeric_classes(ml_dataset *d, ml_model *m, st_error *err)
{
    double *v = st_malloc((size_t)d->n_rows * sizeof *v);
    if (!v)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory finding classes");
    memcpy(v, d->y, (size_t)d->n_rows * sizeof *v);
    qsort(v, (size_t)d->n_rows, sizeof *v, cmp_double);
    int64_t k = 0;
    for (int64_t i = 0; i < d->n_rows; i++)
        if (i == 0 || v[i] != v[k - 1])
            v[k++] = v[i];
    st_status rc = ST_OK;
    for (int64_t i = 0; i < k && rc == ST_OK; i++)
        if (v[i] != floor(v[i]))
            rc = st_error_set(err, ST_ERR_ARGUMENT, "classifier label column '%s' has the "
                              "non-integer value %.17g", d->label_name, v[i]);
    if (rc == ST_OK && k > ML_CLASSES_MAX)
        rc = st_error_set(err, ST_ERR_ARGUMENT, "label column '%s' has %" PRId64 " distinct "
                          "values; classifiers take at most %d classes", d->label_name, k,
                          ML_CLASSES_MAX);
    if (rc == ST_OK) {
        m->n_classes = (int)k;
        m->class_i64 = st_arena_calloc(m->arena, (size_t)(k ? k : 1), sizeof(int64_t));
        m->class_text = st_arena_calloc(m->arena, (size_t)(k ? k : 1), sizeof(char *));
        if (!m->class_i64 || !m->class_text)
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory finding classes");
        for (int64_t i = 0; i < k && rc == ST_OK; i++) {
            m->class_i64[i] = (int64_t)v[i];
            m->class_text[i] = d->label_type.id == VEC_BOOL
                ? (v[i] != 0 ? "true" : "false")
                : st_arena_printf(m->arena, "%" PRId64, (int64_t)v[i]);
        }
    }
    st_free(v);
    return rc;
}

static st_status string_classes(ml_dataset *d, ml_model *m, st_error *err)
{
    int n = d->y_dict.n;
    if (n > ML_CLASSES_MAX)
        return st_error_set(err, ST_ERR_ARGUMENT, "label column '%s' has %d distinct values; "
                            "classifiers take at most %d classes", d->label_name, n,
                            ML_CLASSES_MAX);
    int *ids = st_malloc((size_t)(n ? n : 1) * sizeof *ids);
    m->class_text = st_arena_calloc(m->arena, (size_t)(n ? n : 1), sizeof(char *));
    if (!ids || !m->class_text) {
        st_free(ids);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory finding classes");
    }
    for (int i = 0; i < n; i++)
        ids[i] = i;
    qsort_r(ids, (size_t)n, sizeof *ids, cmp_by_value, &d->y_dict);
    st_status rc = ST_OK;
    for (int i = 0; i < n && rc == ST_OK; i++) {
        m->class_text[i] = st_arena_strdup(m->arena, d->y_dict.keys[ids[i]]);
        if (!m->class_text[i])
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory finding classes");
    }
    m->n_classes = n;
    st_free(ids);
    return rc;
}

st_status ml_dataset_classes(ml_dataset *d, ml_model *m, st_error *err)
{
    if (d->label_type.id != VEC_STRING && d->label_type.id != VEC_BOOL &&
        !(d->label_type.id >= VEC_INT8 && d->label_type.id <= VEC_UINT64) &&
        !(d->label_type.id == VEC_DECIMAL && d->label_type.scale == 0)) {
        char tn[64];
        vec_type_format(&d->label_type, tn, sizeof tn);
        st_error_set(err, ST_ERR_ARGUMENT, "classifier label column '%s' has type %s",
                     d->label_name, tn);
        return st_error_hint(err, "Use a boolean, integer or string label, or a regressor.");
    }
    st_status rc = d->label_type.id == VEC_STRING ? string_classes(d, m, err)
                                                  : numeric_classes(d, m, err);
    if (rc != ST_OK)
        return rc;
    if (m->n_classes < 2)
        return st_error_set(err, ST_ERR_ARGUMENT, "label column '%s' has %d distinct value%s; a "
                            "classifier needs at least 2 classes", d->label_name, m->n_classes,
                            m->n_classes == 1 ? "" : "s");
    m->label_type = d->label_type;
    if (m->label_type.id == VEC_DECIMAL)
        m->label_type.id = VEC_INT64;       /* decimal(p,0) classes come back as bigint */
    m->label_type.precision = m->label_type.scale = 0;
    return ST_OK;
}
