/* pq_assemble.c -- rebuilds Arrow-layout vectors from the definition and
** repetition levels and dense values of leaf columns (the "record assembly"
** half of Dremel), using the slot rules documented in pq_int.h. Written by
** hand: no packaged C library does it.
**
** A node's slots, validity and list offsets come from walking the levels of
** its leftmost leaf; a leaf consumes its dense values in order for the slots
** whose definition level reaches max_def. Inconsistent levels (a child whose
** slot count differs from its parent's expectation) are ST_ERR_CORRUPT, so
** hostile files cannot make vectors disagree with their own lengths. */
#include "pq_int.h"

static inline int lv_def(const pq_leaf_data *d, const pq_leaf *lf, int64_t e)
{
    return d->has_defs ? d->defs[e] : lf->info.max_def;
}
static inline int lv_rep(const pq_leaf_data *d, const pq_leaf *lf, int64_t e)
{
    return d->reps && lf->info.max_rep > 0 ? d->reps[e] : 0;
}

static st_status nomem(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory assembling a batch");
}

static st_status set_validity(st_arena *a, vec *v, const uint8_t *valid_bytes, int64_t n,
                              int64_t n_null, st_error *err)
{
    v->null_count = n_null;
    if (n_null == 0) {
        v->validity = NULL;
        return ST_OK;
    }
    uint8_t *bits = st_arena_calloc(a, vec_bitmap_bytes(n) + 1, 1);
    if (!bits)
        return nomem(err);
    for (int64_t i = 0; i < n; i++)
        if (valid_bytes[i])
            vec_bit_set(bits, i);
    v->validity = bits;
    return ST_OK;
}

/* Fills a leaf vector from slot validity flags and the dense values. */
static st_status fill_leaf(const pq_leaf *lf, const pq_leaf_data *d, const uint8_t *valid,
                           int64_t n_slots, int64_t n_null, st_arena *a, vec *v, st_error *err)
{
    int64_t n_valid = n_slots - n_null;
    if (n_valid != d->n_vals)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "column \"%s\": %lld values for %lld non-null slots", lf->info.path,
                            (long long)d->n_vals, (long long)n_valid);
    if (v->type->id == VEC_NULL) {
        /* NULL vectors have no buffers: every slot is null. */
        v->len = n_slots;
        v->null_count = n_slots;
        return ST_OK;
    }
    st_status rc = set_validity(a, v, valid, n_slots, n_null, err);
    if (rc != ST_OK)
        return rc;
    v->len = n_slots;
    if (lf->out == PQO_BOOL) {
        uint8_t *bits = st_arena_calloc(a, vec_bitmap_bytes(n_slots) + 1, 1);
        if (!bits)
            return nomem(err);
        int64_t k = 0;
        for (int64_t i = 0; i < n_slots; i++)
            if (!valid || valid[i]) {
                if (d->vals[k++])
                    vec_bit_set(bits, i);
            }
        v->values = bits;
        return ST_OK;
    }
    if (lf->out == PQO_FIXED) {
        size_t w = (size_t)lf->width;
        uint8_t *vals = st_arena_alloc(a, w * (size_t)(n_slots ? n_slots : 1));
        if (!vals)
            return nomem(err);
        if (n_null == 0) {
            memcpy(vals, d->vals, w * (size_t)n_slots);
        } else {
            int64_t k = 0;
            for (int64_t i = 0; i < n_slots; i++) {
                if (valid[i])
                    memcpy(vals + w * (size_t)i, d->vals + w * (size_t)k++, w);
                else
                    memset(vals + w * (size_t)i, 0, w);
            }
        }
        v->values = vals;
        return ST_OK;
    }
    /* Byte strings: offsets, then one copy of the bytes. */
    uint64_t total = 0;
    for (int64_t k = 0; k < d->n_vals; k++)
        total += d->views[k].len;
    if (total > INT32_MAX)
        return st_error_set(err, ST_ERR_LIMIT,
                            "column \"%s\": %llu bytes of strings in one batch exceed 2 GiB",
                            lf->info.path, (unsigned long long)total);
    int32_t *off = st_arena_alloc(a, sizeof(int32_t) * (size_t)(n_slots + 1));
    uint8_t *bytes = st_arena_alloc(a, (size_t)total + 1);
    if (!off || !bytes)
        return nomem(err);
    int32_t pos = 0;
    int64_t k = 0;
    if (n_null == 0) {
        for (int64_t i = 0; i < n_slots; i++) {
            const pq_view *vw = &d->views[i];
            off[i] = pos;
            st_copy_bytes(bytes + pos, vw->p, vw->len);
            pos += (int32_t)vw->len;
        }
    } else {
        for (int64_t i = 0; i < n_slots; i++) {
            off[i] = pos;
            if (valid[i]) {
                const pq_view *vw = &d->views[k++];
                st_copy_bytes(bytes + pos, vw->p, vw->len);
                pos += (int32_t)vw->len;
            }
        }
    }
    off[n_slots] = pos;
    v->values = off;
    v->bytes = bytes;
    v->n_bytes = pos;
    return ST_OK;
}

static st_status build(const pq_file *f, const pq_node *n, pq_leaf_data **ld,
                       int64_t expect, st_arena *a, vec **out, st_error *err);

/* Flat fixed-width leaves (no repeated ancestor) whose buffer holds exactly
** this batch's values: one slot per entry, valid where the definition level
** reaches max_def. The value buffer is handed to the batch
** without a copy when the batch uses all of it: nulls are spread in place
** from the back (the buffer holds room for every entry). */
static st_status build_flat_leaf(const pq_leaf *lf, pq_leaf_data *d, int64_t expect, st_arena *a,
                                 vec *v, st_error *err)
{
    int64_t n = d->n_entries;
    if (n != expect)
        return st_error_set(err, ST_ERR_CORRUPT, "column \"%s\" has %lld values for %lld rows",
                            lf->info.path, (long long)n, (long long)expect);
    int64_t n_null = n - d->n_vals;
    v->len = n;
    if (v->type->id == VEC_NULL) {
        v->null_count = n;
        return ST_OK;
    }
    uint8_t *bits = NULL;
    if (n_null > 0) {
        bits = st_arena_calloc(a, vec_bitmap_bytes(n) + 1, 1);
        if (!bits)
            return nomem(err);
        uint16_t md = (uint16_t)lf->info.max_def;
        for (int64_t i = 0; i < n; i++)
            if (d->defs[i] == md)
                vec_bit_set(bits, i);
    }
    v->validity = bits;
    v->null_count = n_null;
    size_t w = (size_t)lf->width;
    uint8_t *vals = d->vals;
    if (n_null > 0) {
        int64_t k = d->n_vals;
        for (int64_t i = n - 1; i >= 0 && k < i + 1; i--) {
            if (vec_bit_get(bits, i))
                memmove(vals + w * (size_t)i, vals + w * (size_t)--k, w);
            else
                memset(vals + w * (size_t)i, 0, w);
        }
    }
    if (!st_arena_adopt(a, vals))
        return nomem(err);
    v->values = vals;
    d->vals = NULL; /* the batch owns it now; the next read allocates anew */
    d->cap_vals = 0;
    return ST_OK;
}

static st_status build_leaf(const pq_file *f, const pq_node *n, pq_leaf_data **ld,
                            int64_t expect, st_arena *a, vec *v, st_error *err)
{
    const pq_leaf *lf = &f->leaves[n->first_leaf];
    pq_leaf_data *d = ld[n->first_leaf];
    if (lf->info.max_rep == 0 && lf->out == PQO_FIXED && !d->has_carry && d->vals)
        return build_flat_leaf(lf, d, expect, a, v, err);
    int64_t cap = d->n_entries;
    if (lf->info.max_rep == 0 && d->n_vals == d->n_entries) {
        /* OPT: flat and no nulls: every entry is a valid slot. */
        if (d->n_entries != expect)
            return st_error_set(err, ST_ERR_CORRUPT, "column \"%s\" has %lld values for %lld rows",
                                lf->info.path, (long long)d->n_entries, (long long)expect);
        return fill_leaf(lf, d, NULL, expect, 0, a, v, err);
    }
    uint8_t *valid = st_arena_alloc(a, (size_t)(cap ? cap : 1));
    if (!valid)
        return nomem(err);
    int64_t slots = 0, nulls = 0;
    if (lf->info.max_rep == 0 && lf->info.max_def == 0) {
        slots = d->n_entries;
        return slots == expect ? fill_leaf(lf, d, NULL, slots, 0, a, v, err)
                               : st_error_set(err, ST_ERR_CORRUPT,
                                              "column \"%s\" has %lld values for %lld rows",
                                              lf->info.path, (long long)slots, (long long)expect);
    }
    for (int64_t e = 0; e < d->n_entries; e++) {
        int dl = lv_def(d, lf, e), rl = lv_rep(d, lf, e);
        if (dl >= n->def_slot && rl <= n->rep_slot) {
            bool ok = dl >= n->def_nn;
            valid[slots++] = ok;
            nulls += !ok;
        }
    }
    if (slots != expect)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "column \"%s\" has %lld values where %lld were expected",
                            lf->info.path, (long long)slots, (long long)expect);
    return fill_leaf(lf, d, valid, slots, nulls, a, v, err);
}

static st_status build_struct(const pq_file *f, const pq_node *n, pq_leaf_data **ld,
                              int64_t expect, st_arena *a, vec *v, st_error *err)
{
    const pq_leaf *lf = &f->leaves[n->first_leaf];
    const pq_leaf_data *d = ld[n->first_leaf];
    uint8_t *valid = st_arena_alloc(a, (size_t)(d->n_entries ? d->n_entries : 1));
    if (!valid)
        return nomem(err);
    int64_t slots = 0, nulls = 0;
    for (int64_t e = 0; e < d->n_entries; e++) {
        int dl = lv_def(d, lf, e), rl = lv_rep(d, lf, e);
        if (dl >= n->def_slot && rl <= n->rep_slot) {
            bool ok = dl >= n->def_nn;
            valid[slots++] = ok;
            nulls += !ok;
        }
    }
    if (slots != expect)
        return st_error_set(err, ST_ERR_CORRUPT, "struct levels disagree with the row count");
    st_status rc = set_validity(a, v, valid, slots, nulls, err);
    if (rc != ST_OK)
        return rc;
    v->len = slots;
    v->children = st_arena_calloc(a, (size_t)(n->n_children ? n->n_children : 1), sizeof(vec *));
    if (!v->children)
        return nomem(err);
    for (int i = 0; i < n->n_children; i++) {
        rc = build(f, n->children[i], ld, slots, a, &v->children[i], err);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

static st_status build_list(const pq_file *f, const pq_node *n, pq_leaf_data **ld,
                            int64_t expect, st_arena *a, vec *v, st_error *err)
{
    const pq_leaf *lf = &f->leaves[n->first_leaf];
    const pq_leaf_data *d = ld[n->first_leaf];
    const pq_node *ch = n->children[0];
    int32_t *off = st_arena_alloc(a, sizeof(int32_t) * (size_t)(expect + 1));
    uint8_t *valid = st_arena_alloc(a, (size_t)(expect ? expect : 1));
    if (!off || !valid)
        return nomem(err);
    int64_t slots = 0, nulls = 0, elems = 0;
    for (int64_t e = 0; e < d->n_entries; e++) {
        int dl = lv_def(d, lf, e), rl = lv_rep(d, lf, e);
        if (dl >= n->def_slot && rl <= n->rep_slot) {
            if (slots == expect)
                return st_error_set(err, ST_ERR_CORRUPT, "list levels give more rows than expected");
            if (elems > INT32_MAX)
                return st_error_set(err, ST_ERR_LIMIT, "list column \"%s\" has over 2^31 elements "
                                    "in one batch", lf->info.path);
            off[slots] = (int32_t)elems;
            bool ok = dl >= n->def_nn;
            valid[slots++] = ok;
            nulls += !ok;
        }
        if (dl >= ch->def_slot && rl <= ch->rep_slot)
            elems++;
    }
    if (slots != expect || elems > INT32_MAX)
        return st_error_set(err, ST_ERR_CORRUPT, "list levels disagree with the row count");
    off[slots] = (int32_t)elems;
    st_status rc = set_validity(a, v, valid, slots, nulls, err);
    if (rc != ST_OK)
        return rc;
    v->len = slots;
    v->values = off;
    v->children = st_arena_calloc(a, 1, sizeof(vec *));
    if (!v->children)
        return nomem(err);
    return build(f, ch, ld, elems, a, &v->children[0], err);
}

static st_status build(const pq_file *f, const pq_node *n, pq_leaf_data **ld,
                       int64_t expect, st_arena *a, vec **out, st_error *err)
{
    vec *v = st_arena_calloc(a, 1, sizeof *v);
    if (!v)
        return nomem(err);
    v->type = n->type;
    st_status rc;
    switch (n->kind) {
    case PQN_LEAF:
        rc = build_leaf(f, n, ld, expect, a, v, err);
        break;
    case PQN_STRUCT:
        rc = build_struct(f, n, ld, expect, a, v, err);
        break;
    default:
        rc = build_list(f, n, ld, expect, a, v, err);
        break;
    }
    if (rc != ST_OK)
        return rc;
    *out = v;
    return ST_OK;
}

st_status pq_assemble(const pq_file *f, const pq_node *n, pq_leaf_data **leaf_data,
                      int64_t n_rows, st_arena *a, vec **out, st_error *err)
{
    return build(f, n, leaf_data, n_rows, a, out, err);
}
