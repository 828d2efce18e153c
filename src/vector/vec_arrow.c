/* vec_arrow.c -- hands batches out through the Arrow C Data Interface
** without copying: strata's vectors already use Arrow's buffer layout
** (vec.h), so an exported array only points at them.
**
** Ownership: the root ArrowArray's private data owns the batch and a heap
** arena holding every exported struct, buffer-pointer array and format
** string; releasing the root frees all of it. Child arrays belong to the
** root (their release only marks them released), as the specification
** allows for children released through their parent. */
#include "vec.h"

#include <stdio.h>

typedef struct export_owner {
    st_arena  *arena;   /* owned: structs, buffer arrays, strings */
    vec_batch *batch;   /* owned: the exported data (NULL for schemas) */
} export_owner;

static const uint8_t empty_bytes[8];

static void child_array_release(struct ArrowArray *a) { a->release = NULL; }
static void child_schema_release(struct ArrowSchema *s) { s->release = NULL; }

static void root_array_release(struct ArrowArray *a)
{
    export_owner *o = a->private_data;
    if (o) {
        vec_batch_free(o->batch);
        st_arena_free(o->arena);
        st_free(o);
    }
    a->release = NULL;
    a->private_data = NULL;
}

static void root_schema_release(struct ArrowSchema *s)
{
    export_owner *o = s->private_data;
    if (o) {
        st_arena_free(o->arena);
        st_free(o);
    }
    s->release = NULL;
    s->private_data = NULL;
}

static const char *type_format(st_arena *a, const vec_type *t)
{
    switch (t->id) {
    case VEC_NULL: return "n";
    case VEC_BOOL: return "b";
    case VEC_INT8: return "c";
    case VEC_INT16: return "s";
    case VEC_INT32: return "i";
    case VEC_INT64: return "l";
    case VEC_UINT8: return "C";
    case VEC_UINT16: return "S";
    case VEC_UINT32: return "I";
    case VEC_UINT64: return "L";
    case VEC_FLOAT: return "f";
    case VEC_DOUBLE: return "g";
    case VEC_DECIMAL: return st_arena_printf(a, "d:%u,%u", t->precision, t->scale);
    case VEC_STRING: return "u";
    case VEC_BINARY: return "z";
    case VEC_DATE: return "tdD";
    case VEC_TIME: return "ttu";
    case VEC_TIMESTAMP: return "tsu:UTC";
    case VEC_TIMESTAMP_NTZ: return "tsu:";
    case VEC_STRUCT: return "+s";
    case VEC_LIST: return "+l";
    case VEC_MAP: return "+m";
    default: return NULL;
    }
}

static st_status fill_schema(st_arena *a, const char *name, const vec_type *t, bool nullable,
                             struct ArrowSchema *out, st_error *err)
{
    memset(out, 0, sizeof *out);
    out->format = type_format(a, t);
    out->name = st_arena_strdup(a, name ? name : "");
    if (!out->format || !out->name)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory exporting a schema");
    out->flags = nullable ? ARROW_FLAG_NULLABLE : 0;
    out->release = child_schema_release;
    out->n_children = t->n_children;
    if (t->n_children > 0) {
        out->children = st_arena_calloc(a, (size_t)t->n_children, sizeof(struct ArrowSchema *));
        if (!out->children)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory exporting a schema");
        for (int i = 0; i < t->n_children; i++) {
            const vec_field *f = &t->children[i];
            struct ArrowSchema *c = st_arena_alloc(a, sizeof *c);
            if (!c)
                return st_error_set(err, ST_ERR_NOMEM, "out of memory exporting a schema");
            st_status rc = fill_schema(a, f->name, &f->type, f->nullable, c, err);
            if (rc != ST_OK)
                return rc;
            out->children[i] = c;
        }
    }
    return ST_OK;
}

st_status vec_export_schema(const vec_schema *s, struct ArrowSchema *out, st_error *err)
{
    export_owner *o = st_calloc(1, sizeof *o);
    if (!o || !(o->arena = st_arena_new(4096))) {
        st_free(o);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory exporting a schema");
    }
    vec_type root = { .id = VEC_STRUCT, .n_children = s->n_fields, .children = s->fields };
    st_status rc = fill_schema(o->arena, "", &root, false, out, err);
    if (rc != ST_OK) {
        st_arena_free(o->arena);
        st_free(o);
        return rc;
    }
    out->release = root_schema_release;
    out->private_data = o;
    return ST_OK;
}

static st_status fill_array(st_arena *a, const vec *v, struct ArrowArray *out, st_error *err)
{
    memset(out, 0, sizeof *out);
    out->length = v->len;
    out->null_count = v->null_count;
    out->release = child_array_release;
    const void **bufs = st_arena_calloc(a, 3, sizeof(void *));
    if (!bufs)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory exporting a batch");
    out->buffers = bufs;
    bufs[0] = v->null_count ? v->validity : NULL;
    vec_type_id id = v->type->id;
    switch (id) {
    case VEC_NULL:
        out->n_buffers = 0;
        out->null_count = v->len;
        break;
    case VEC_STRUCT:
        out->n_buffers = 1;
        break;
    case VEC_LIST:
    case VEC_MAP:
        out->n_buffers = 2;
        bufs[1] = v->values;
        break;
    case VEC_STRING:
    case VEC_BINARY:
        out->n_buffers = 3;
        bufs[1] = v->values;
        bufs[2] = v->bytes ? v->bytes : empty_bytes;
        break;
    default:
        out->n_buffers = 2;
        bufs[1] = v->values ? v->values : (const void *)empty_bytes;
        break;
    }
    int nc = v->type->n_children;
    if (vec_type_is_nested(id) && nc > 0) {
        out->n_children = nc;
        out->children = st_arena_calloc(a, (size_t)nc, sizeof(struct ArrowArray *));
        if (!out->children)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory exporting a batch");
        for (int i = 0; i < nc; i++) {
            struct ArrowArray *c = st_arena_alloc(a, sizeof *c);
            if (!c)
                return st_error_set(err, ST_ERR_NOMEM, "out of memory exporting a batch");
            st_status rc = fill_array(a, v->children[i], c, err);
            if (rc != ST_OK)
                return rc;
            out->children[i] = c;
        }
    }
    return ST_OK;
}

st_status vec_export_batch(vec_batch *b, struct ArrowArray *out, st_error *err)
{
    export_owner *o = st_calloc(1, sizeof *o);
    if (!o || !(o->arena = st_arena_new(4096))) {
        st_free(o);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory exporting a batch");
    }
    memset(out, 0, sizeof *out);
    out->length = b->n_rows;
    out->n_buffers = 1;
    out->buffers = st_arena_calloc(o->arena, 1, sizeof(void *));
    out->n_children = b->n_cols;
    out->children = st_arena_calloc(o->arena, (size_t)(b->n_cols ? b->n_cols : 1),
                                    sizeof(struct ArrowArray *));
    st_status rc = (out->buffers && out->children)
                       ? ST_OK
                       : st_error_set(err, ST_ERR_NOMEM, "out of memory exporting a batch");
    for (int i = 0; i < b->n_cols && rc == ST_OK; i++) {
        struct ArrowArray *c = st_arena_alloc(o->arena, sizeof *c);
        if (!c) {
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory exporting a batch");
            break;
        }
        rc = fill_array(o->arena, b->cols[i], c, err);
        out->children[i] = c;
    }
    if (rc != ST_OK) {
        st_arena_free(o->arena);
        st_free(o);
        memset(out, 0, sizeof *out);
        return rc;
    }
    o->batch = b;
    out->release = root_array_release;
    out->private_data = o;
    return ST_OK;
}
