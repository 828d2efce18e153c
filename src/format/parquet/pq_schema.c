/* pq_schema.c -- maps a Parquet schema (the flat, depth-first list of
** SchemaElements in the footer) to strata's vector types and to the
** reassembly tree of pq_int.h, and lists the leaf columns with their
** definition/repetition maxima and value conversions.
**
** Nested layouts follow parquet-format LogicalTypes.md, including its
** backward-compatibility rules for lists: a LIST-annotated group's single
** repeated child is the element when it is a primitive, a group of several
** fields, or a group named "array" or "<list>_tuple"; otherwise the
** repeated group's only field is the element. A bare repeated field (no LIST
** annotation) is a list of required elements. A MAP whose key_value group
** lacks a value field reads as a list of its keys. Type mapping:
** docs/conventions.md. Malformed trees (child counts past the end, depth over
** PQ_MAX_DEPTH) are ST_ERR_CORRUPT; unknown logical types fall back to the
** physical type. */
#include "pq_int.h"

#include <stdio.h>

#define PQ_MAX_DEPTH 64

typedef struct schema_ctx {
    pq_file  *f;
    st_arena *a;
    int      *first_child;  /* per element: index of its first child, -1 for leaves */
    int      *next_sibling; /* per element: next sibling index, -1 for last */
    int       n_leaves;
    int       cap_leaves;
    int       top_field;    /* top-level field being built */
    st_error *err;
} schema_ctx;

static st_status build_field(schema_ctx *c, int e, int D, int R, int sdef, int srep,
                             vec_field *fld, pq_node **out, int depth);
static st_status build_value(schema_ctx *c, int e, int Dn, int R, int sdef, int srep,
                             vec_field *fld, pq_node **out, int depth);

/* Links every element to its children, checking counts against the array. */
static st_status link_tree(schema_ctx *c, int e, int *pos, int depth)
{
    const pq_file_meta *m = &c->f->meta;
    const pq_schema_element *el = &m->schema[e];
    if (depth > PQ_MAX_DEPTH)
        return st_error_set(c->err, ST_ERR_CORRUPT, "parquet schema is nested deeper than %d levels",
                            PQ_MAX_DEPTH);
    if (el->num_children < 0)
        return st_error_set(c->err, ST_ERR_CORRUPT,
                            "parquet schema element \"%s\" has a negative child count (%d)",
                            el->name ? el->name : "", el->num_children);
    c->first_child[e] = el->num_children > 0 || e == 0 ? -1 : -1;
    int prev = -1;
    for (int i = 0; i < el->num_children; i++) {
        if (*pos >= m->n_schema)
            return st_error_set(c->err, ST_ERR_CORRUPT,
                                "parquet schema element \"%s\" claims %d children but the schema "
                                "ends after %d elements",
                                el->name ? el->name : "", el->num_children, m->n_schema);
        int child = (*pos)++;
        if (prev < 0)
            c->first_child[e] = child;
        else
            c->next_sibling[prev] = child;
        prev = child;
        st_status rc = link_tree(c, child, pos, depth + 1);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

static int count_children(const schema_ctx *c, int e)
{
    int n = 0;
    for (int k = c->first_child[e]; k >= 0; k = c->next_sibling[k])
        n++;
    return n;
}

static bool is_group(const schema_ctx *c, int e)
{
    const pq_schema_element *el = &c->f->meta.schema[e];
    return el->num_children > 0 || !el->has_type;
}

static const char *elem_name(const schema_ctx *c, int e)
{
    const char *n = c->f->meta.schema[e].name;
    return n ? n : "";
}

static pq_node *new_node(schema_ctx *c, pq_node_kind kind, vec_field *fld, int sdef, int srep,
                         int def_nn)
{
    pq_node *n = st_arena_calloc(c->a, 1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->type = &fld->type;
    n->def_slot = sdef;
    n->rep_slot = srep;
    n->def_nn = def_nn;
    n->first_leaf = c->n_leaves;
    return n;
}

static st_status oom(schema_ctx *c)
{
    return st_error_set(c->err, ST_ERR_NOMEM, "out of memory reading the parquet schema");
}

/* Picks the vector type and value conversion of a primitive element. */
static st_status map_leaf_type(schema_ctx *c, const pq_schema_element *el, pq_leaf *lf,
                               vec_type *t)
{
    const pq_logical_type *lt = &el->logical;
    int ct = el->converted_type;
    bool is_dec = lt->kind == PQ_LT_DECIMAL || (lt->kind == PQ_LT_NONE && ct == PQ_CT_DECIMAL);
    memset(t, 0, sizeof *t);
    lf->out = PQO_FIXED;
    lf->phys_width = 0;
    if (is_dec) {
        int p = lt->kind == PQ_LT_DECIMAL ? lt->dec_precision : el->precision;
        int s = lt->kind == PQ_LT_DECIMAL ? lt->dec_scale : el->scale;
        if (p < 1 || p > 38 || s < 0 || s > p)
            return st_error_set(c->err, ST_ERR_UNSUPPORTED,
                                "column \"%s\" has decimal(%d,%d); strata supports precision 1 to "
                                "38 and 0 <= scale <= precision",
                                elem_name(c, (int)(el - c->f->meta.schema)), p, s);
        t->id = VEC_DECIMAL;
        t->precision = (uint8_t)p;
        t->scale = (uint8_t)s;
        lf->width = 16;
    }
    if (lt->kind == PQ_LT_UNKNOWN) {
        /* Always-null column (pyarrow's and strata's NullType): decode the
        ** levels as usual, surface a NULL vector. */
        st_status rc = ST_OK;
        if (el->type == PQ_BOOLEAN) {
            lf->conv = PQC_BOOL;
            lf->out = PQO_BOOL;
            lf->width = 1;
        } else if (el->type == PQ_INT32 || el->type == PQ_FLOAT) {
            lf->conv = PQC_COPY4;
            lf->width = lf->phys_width = 4;
        } else if (el->type == PQ_INT64 || el->type == PQ_DOUBLE) {
            lf->conv = PQC_COPY8;
            lf->width = lf->phys_width = 8;
        } else if (el->type == PQ_BYTE_ARRAY || el->type == PQ_FIXED_LEN_BYTE_ARRAY) {
            lf->conv = PQC_BYTES;
            lf->out = PQO_BYTES;
            lf->phys_width = el->type == PQ_FIXED_LEN_BYTE_ARRAY ? el->type_length : 0;
        } else {
            rc = st_error_set(c->err, ST_ERR_UNSUPPORTED, "null-typed column \"%s\" has physical "
                              "type %s", elem_name(c, (int)(el - c->f->meta.schema)),
                              pq_physical_name(el->type));
        }
        t->id = VEC_NULL;
        return rc;
    }
    switch (el->type) {
    case PQ_BOOLEAN:
        t->id = VEC_BOOL;
        lf->conv = PQC_BOOL;
        lf->out = PQO_BOOL;
        lf->width = 1;
        return ST_OK;
    case PQ_INT32:
        lf->phys_width = 4;
        if (is_dec) {
            lf->conv = PQC_I32_TO_DEC;
            return ST_OK;
        }
        lf->conv = PQC_COPY4;
        lf->width = 4;
        t->id = VEC_INT32;
        if (lt->kind == PQ_LT_DATE || (lt->kind == PQ_LT_NONE && ct == PQ_CT_DATE)) {
            t->id = VEC_DATE;
        } else if ((lt->kind == PQ_LT_TIME && lt->unit == PQ_UNIT_MILLIS) ||
                   (lt->kind == PQ_LT_NONE && ct == PQ_CT_TIME_MILLIS)) {
            t->id = VEC_TIME;
            lf->conv = PQC_I32_MS_TO_US;
            lf->width = 8;
        } else {
            int bits = 32;
            bool is_signed = true;
            if (lt->kind == PQ_LT_INTEGER) {
                bits = lt->int_bit_width;
                is_signed = lt->int_signed;
            } else if (lt->kind == PQ_LT_NONE) {
                switch (ct) {
                case PQ_CT_INT_8: bits = 8; break;
                case PQ_CT_INT_16: bits = 16; break;
                case PQ_CT_UINT_8: bits = 8; is_signed = false; break;
                case PQ_CT_UINT_16: bits = 16; is_signed = false; break;
                case PQ_CT_UINT_32: is_signed = false; break;
                default: break;
                }
            }
            if (bits == 8) {
                t->id = is_signed ? VEC_INT8 : VEC_UINT8;
                lf->conv = PQC_I32_TO_I8;
                lf->width = 1;
            } else if (bits == 16) {
                t->id = is_signed ? VEC_INT16 : VEC_UINT16;
                lf->conv = PQC_I32_TO_I16;
                lf->width = 2;
            } else {
                t->id = is_signed ? VEC_INT32 : VEC_UINT32;
            }
        }
        return ST_OK;
    case PQ_INT64:
        lf->phys_width = 8;
        if (is_dec) {
            lf->conv = PQC_I64_TO_DEC;
            return ST_OK;
        }
        lf->conv = PQC_COPY8;
        lf->width = 8;
        t->id = VEC_INT64;
        if (lt->kind == PQ_LT_TIMESTAMP) {
            t->id = lt->is_adjusted_utc ? VEC_TIMESTAMP : VEC_TIMESTAMP_NTZ;
            if (lt->unit == PQ_UNIT_MILLIS)
                lf->conv = PQC_I64_MS_TO_US;
            else if (lt->unit == PQ_UNIT_NANOS)
                lf->conv = PQC_I64_NS_TO_US;
        } else if (lt->kind == PQ_LT_TIME) {
            t->id = VEC_TIME;
            if (lt->unit == PQ_UNIT_NANOS)
                lf->conv = PQC_I64_NS_TO_US;
            else if (lt->unit == PQ_UNIT_MILLIS)
                lf->conv = PQC_I64_MS_TO_US;
        } else if (lt->kind == PQ_LT_INTEGER) {
            t->id = lt->int_signed ? VEC_INT64 : VEC_UINT64;
        } else if (lt->kind == PQ_LT_NONE) {
            if (ct == PQ_CT_TIMESTAMP_MILLIS) {
                t->id = VEC_TIMESTAMP;
                lf->conv = PQC_I64_MS_TO_US;
            } else if (ct == PQ_CT_TIMESTAMP_MICROS) {
                t->id = VEC_TIMESTAMP;
            } else if (ct == PQ_CT_TIME_MICROS) {
                t->id = VEC_TIME;
            } else if (ct == PQ_CT_UINT_64) {
                t->id = VEC_UINT64;
            }
        }
        return ST_OK;
    case PQ_INT96:
        t->id = VEC_TIMESTAMP;
        lf->conv = PQC_INT96_TO_US;
        lf->width = 8;
        lf->phys_width = 12;
        return ST_OK;
    case PQ_FLOAT:
        t->id = VEC_FLOAT;
        lf->conv = PQC_COPY4;
        lf->width = 4;
        lf->phys_width = 4;
        return ST_OK;
    case PQ_DOUBLE:
        t->id = VEC_DOUBLE;
        lf->conv = PQC_COPY8;
        lf->width = 8;
        lf->phys_width = 8;
        return ST_OK;
    case PQ_BYTE_ARRAY:
        if (is_dec) {
            lf->conv = PQC_BA_DEC;
            return ST_OK;
        }
        lf->conv = PQC_BYTES;
        lf->out = PQO_BYTES;
        lf->width = 0;
        bool is_str = lt->kind == PQ_LT_STRING || lt->kind == PQ_LT_ENUM || lt->kind == PQ_LT_JSON ||
                      (lt->kind == PQ_LT_NONE &&
                       (ct == PQ_CT_UTF8 || ct == PQ_CT_ENUM || ct == PQ_CT_JSON));
        t->id = is_str ? VEC_STRING : VEC_BINARY;
        return ST_OK;
    case PQ_FIXED_LEN_BYTE_ARRAY:
        if (el->type_length <= 0)
            return st_error_set(c->err, ST_ERR_CORRUPT,
                                "fixed-length column \"%s\" has invalid length %d",
                                elem_name(c, (int)(el - c->f->meta.schema)), el->type_length);
        lf->phys_width = el->type_length;
        if (is_dec) {
            if (el->type_length > 16)
                return st_error_set(c->err, ST_ERR_UNSUPPORTED,
                                    "decimal column \"%s\" stored in %d bytes is wider than 16",
                                    elem_name(c, (int)(el - c->f->meta.schema)), el->type_length);
            lf->conv = PQC_FLBA_DEC;
            return ST_OK;
        }
        if (lt->kind == PQ_LT_FLOAT16 && el->type_length == 2) {
            t->id = VEC_FLOAT;
            lf->conv = PQC_FLBA_F16;
            lf->width = 4;
            return ST_OK;
        }
        lf->out = PQO_BYTES;
        lf->width = 0;
        if (lt->kind == PQ_LT_UUID && el->type_length == 16) {
            t->id = VEC_STRING;
            lf->conv = PQC_FLBA_UUID;
            return ST_OK;
        }
        t->id = VEC_BINARY;
        lf->conv = PQC_BYTES;
        return ST_OK;
    default:
        return st_error_set(c->err, ST_ERR_CORRUPT, "column \"%s\" has unknown physical type %d",
                            elem_name(c, (int)(el - c->f->meta.schema)), el->type);
    }
}

static st_status add_leaf(schema_ctx *c, int e, int max_def, int max_rep, vec_field *fld,
                          pq_node **out)
{
    const pq_schema_element *el = &c->f->meta.schema[e];
    if (c->n_leaves == c->cap_leaves) {
        int ncap = c->cap_leaves ? c->cap_leaves * 2 : 16;
        pq_leaf *nl = st_arena_realloc(c->a, c->f->leaves, sizeof(pq_leaf) * (size_t)c->cap_leaves,
                                       sizeof(pq_leaf) * (size_t)ncap);
        if (!nl)
            return oom(c);
        c->f->leaves = nl;
        c->cap_leaves = ncap;
    }
    pq_leaf *lf = &c->f->leaves[c->n_leaves];
    memset(lf, 0, sizeof *lf);
    st_status rc = map_leaf_type(c, el, lf, &fld->type);
    if (rc != ST_OK)
        return rc;
    lf->info.top_field = c->top_field;
    lf->info.max_def = max_def;
    lf->info.max_rep = max_rep;
    lf->info.elem = el;
    /* info.type is fixed up after all leaves exist (the array may move). */
    pq_node *n = new_node(c, PQN_LEAF, fld, 0, 0, max_def);
    if (!n)
        return oom(c);
    c->n_leaves++;
    *out = n;
    return ST_OK;
}

static vec_field *new_fields(schema_ctx *c, int n)
{
    return st_arena_calloc(c->a, (size_t)(n > 0 ? n : 1), sizeof(vec_field));
}

/* A list node whose element is built by the caller-provided element index e
** treated per `mode`: 0 = e is a field (optional/required), 1 = e is the
** repeated element itself. */
static st_status build_list(schema_ctx *c, int elem, int mode, int Dn, int R, int sdef, int srep,
                            vec_field *fld, pq_node **out, int depth)
{
    fld->type.id = VEC_LIST;
    fld->type.n_children = 1;
    fld->type.children = new_fields(c, 1);
    if (!fld->type.children)
        return oom(c);
    vec_field *ef = &fld->type.children[0];
    ef->name = "element";
    pq_node *n = new_node(c, PQN_LIST, fld, sdef, srep, Dn);
    if (!n)
        return oom(c);
    n->n_children = 1;
    n->children = st_arena_calloc(c->a, 1, sizeof(pq_node *));
    if (!n->children)
        return oom(c);
    int Drd = Dn + 1, Rr = R + 1;
    st_status rc;
    if (mode == 1) {
        ef->nullable = false;
        rc = build_value(c, elem, Drd, Rr, Drd, Rr, ef, &n->children[0], depth + 1);
    } else {
        rc = build_field(c, elem, Drd, Rr, Drd, Rr, ef, &n->children[0], depth + 1);
        ef->name = "element";
    }
    if (rc != ST_OK)
        return rc;
    *out = n;
    return ST_OK;
}

static st_status build_list_group(schema_ctx *c, int e, int Dn, int R, int sdef, int srep,
                                  vec_field *fld, pq_node **out, int depth)
{
    int rc_e = c->first_child[e];
    const pq_schema_element *rcel = rc_e >= 0 ? &c->f->meta.schema[rc_e] : NULL;
    if (count_children(c, e) != 1 || !rcel->has_repetition || rcel->repetition != PQ_REPEATED)
        return st_error_set(c->err, ST_ERR_UNSUPPORTED,
                            "list column \"%s\" does not have exactly one repeated child",
                            elem_name(c, e));
    if (!is_group(c, rc_e))
        return build_list(c, rc_e, 1, Dn, R, sdef, srep, fld, out, depth);
    int nk = count_children(c, rc_e);
    if (nk == 0)
        return st_error_set(c->err, ST_ERR_CORRUPT, "list column \"%s\" has an empty element group",
                            elem_name(c, e));
    char tuple[512];
    snprintf(tuple, sizeof tuple, "%s_tuple", elem_name(c, e));
    if (nk > 1 || strcmp(elem_name(c, rc_e), "array") == 0 ||
        strcmp(elem_name(c, rc_e), tuple) == 0)
        return build_list(c, rc_e, 1, Dn, R, sdef, srep, fld, out, depth);
    return build_list(c, c->first_child[rc_e], 0, Dn, R, sdef, srep, fld, out, depth);
}

static st_status build_map_group(schema_ctx *c, int e, int Dn, int R, int sdef, int srep,
                                 vec_field *fld, pq_node **out, int depth)
{
    int kv = c->first_child[e];
    const pq_schema_element *kvel = kv >= 0 ? &c->f->meta.schema[kv] : NULL;
    if (count_children(c, e) != 1 || !is_group(c, kv) || !kvel->has_repetition ||
        kvel->repetition != PQ_REPEATED)
        return st_error_set(c->err, ST_ERR_UNSUPPORTED,
                            "map column \"%s\" does not have one repeated key_value group",
                            elem_name(c, e));
    int nk = count_children(c, kv);
    if (nk == 1) /* keys only: read as a list of keys */
        return build_list(c, c->first_child[kv], 0, Dn, R, sdef, srep, fld, out, depth);
    if (nk != 2)
        return st_error_set(c->err, ST_ERR_UNSUPPORTED,
                            "map column \"%s\" has %d fields in its key_value group, not 2",
                            elem_name(c, e), nk);
    fld->type.id = VEC_MAP;
    fld->type.n_children = 1;
    fld->type.children = new_fields(c, 1);
    if (!fld->type.children)
        return oom(c);
    vec_field *entries = &fld->type.children[0];
    entries->name = "entries";
    entries->nullable = false;
    entries->type.id = VEC_STRUCT;
    entries->type.n_children = 2;
    entries->type.children = new_fields(c, 2);
    if (!entries->type.children)
        return oom(c);
    pq_node *n = new_node(c, PQN_MAP, fld, sdef, srep, Dn);
    if (!n)
        return oom(c);
    int Drd = Dn + 1, Rr = R + 1;
    pq_node *en = new_node(c, PQN_STRUCT, entries, Drd, Rr, Drd);
    n->n_children = 1;
    n->children = st_arena_calloc(c->a, 1, sizeof(pq_node *));
    if (!en || !n->children)
        return oom(c);
    n->children[0] = en;
    en->n_children = 2;
    en->children = st_arena_calloc(c->a, 2, sizeof(pq_node *));
    if (!en->children)
        return oom(c);
    int k = c->first_child[kv];
    for (int i = 0; i < 2; i++, k = c->next_sibling[k]) {
        st_status rc = build_field(c, k, Drd, Rr, Drd, Rr, &entries->type.children[i],
                                   &en->children[i], depth + 2);
        if (rc != ST_OK)
            return rc;
    }
    entries->type.children[0].name = "key";
    entries->type.children[1].name = "value";
    *out = n;
    return ST_OK;
}

/* Element e whose value is non-null when d >= Dn, at repetition depth R. */
static st_status build_value(schema_ctx *c, int e, int Dn, int R, int sdef, int srep,
                             vec_field *fld, pq_node **out, int depth)
{
    if (depth > PQ_MAX_DEPTH)
        return st_error_set(c->err, ST_ERR_CORRUPT, "parquet schema is nested deeper than %d levels",
                            PQ_MAX_DEPTH);
    const pq_schema_element *el = &c->f->meta.schema[e];
    st_status rc;
    if (!is_group(c, e)) {
        rc = add_leaf(c, e, Dn, R, fld, out);
        if (rc == ST_OK) {
            (*out)->def_slot = sdef;
            (*out)->rep_slot = srep;
        }
        return rc;
    }
    bool is_list = el->logical.kind == PQ_LT_LIST ||
                   (el->logical.kind == PQ_LT_NONE && el->converted_type == PQ_CT_LIST);
    bool is_map = el->logical.kind == PQ_LT_MAP ||
                  (el->logical.kind == PQ_LT_NONE &&
                   (el->converted_type == PQ_CT_MAP || el->converted_type == PQ_CT_MAP_KEY_VALUE));
    if (is_list)
        return build_list_group(c, e, Dn, R, sdef, srep, fld, out, depth);
    if (is_map)
        return build_map_group(c, e, Dn, R, sdef, srep, fld, out, depth);
    int nk = count_children(c, e);
    if (nk == 0)
        return st_error_set(c->err, ST_ERR_CORRUPT, "group column \"%s\" has no fields",
                            elem_name(c, e));
    fld->type.id = VEC_STRUCT;
    fld->type.n_children = nk;
    fld->type.children = new_fields(c, nk);
    pq_node *n = new_node(c, PQN_STRUCT, fld, sdef, srep, Dn);
    if (!fld->type.children || !n)
        return oom(c);
    n->n_children = nk;
    n->children = st_arena_calloc(c->a, (size_t)nk, sizeof(pq_node *));
    if (!n->children)
        return oom(c);
    int i = 0;
    for (int k = c->first_child[e]; k >= 0; k = c->next_sibling[k], i++) {
        rc = build_field(c, k, Dn, R, sdef, srep, &fld->type.children[i], &n->children[i],
                         depth + 1);
        if (rc != ST_OK)
            return rc;
    }
    *out = n;
    return ST_OK;
}

/* Element e used as a named field of a struct (or the file's root). */
static st_status build_field(schema_ctx *c, int e, int D, int R, int sdef, int srep,
                             vec_field *fld, pq_node **out, int depth)
{
    const pq_schema_element *el = &c->f->meta.schema[e];
    fld->name = elem_name(c, e);
    int rep = el->has_repetition ? el->repetition : PQ_OPTIONAL;
    if (rep == PQ_REPEATED) {
        fld->nullable = false;
        st_status rc = build_list(c, e, 1, D, R, sdef, srep, fld, out, depth);
        fld->name = elem_name(c, e);
        return rc;
    }
    fld->nullable = rep == PQ_OPTIONAL;
    return build_value(c, e, D + (rep == PQ_OPTIONAL ? 1 : 0), R, sdef, srep, fld, out, depth);
}

static void leaf_paths(schema_ctx *c, int e, const char *prefix, int *leaf_no)
{
    for (int k = c->first_child[e]; k >= 0; k = c->next_sibling[k]) {
        const char *p = prefix[0] ? st_arena_printf(c->a, "%s.%s", prefix, elem_name(c, k))
                                  : st_arena_strdup(c->a, elem_name(c, k));
        if (!is_group(c, k)) {
            if (*leaf_no < c->n_leaves)
                c->f->leaves[*leaf_no].info.path = p ? p : "";
            (*leaf_no)++;
        } else {
            leaf_paths(c, k, p ? p : "", leaf_no);
        }
    }
}

/* Points each leaf's info.type at the vector type of its node. */
static void fix_leaf_types(pq_file *f, const pq_node *n)
{
    if (n->kind == PQN_LEAF) {
        f->leaves[n->first_leaf].info.type = n->type;
        return;
    }
    for (int i = 0; i < n->n_children; i++)
        fix_leaf_types(f, n->children[i]);
}

st_status pq_schema_build(pq_file *f, st_error *err)
{
    const pq_file_meta *m = &f->meta;
    if (m->n_schema < 1)
        return st_error_set(err, ST_ERR_CORRUPT, "parquet file has an empty schema");
    schema_ctx c = { .f = f, .a = f->arena, .err = err };
    c.first_child = st_arena_alloc(f->arena, sizeof(int) * (size_t)m->n_schema);
    c.next_sibling = st_arena_alloc(f->arena, sizeof(int) * (size_t)m->n_schema);
    if (!c.first_child || !c.next_sibling)
        return oom(&c);
    for (int i = 0; i < m->n_schema; i++)
        c.first_child[i] = c.next_sibling[i] = -1;
    int pos = 1;
    st_status rc = link_tree(&c, 0, &pos, 0);
    if (rc != ST_OK)
        return rc;
    if (pos != m->n_schema)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "parquet schema has %d elements but its tree uses only %d",
                            m->n_schema, pos);
    int nf = count_children(&c, 0);
    f->schema.n_fields = nf;
    f->schema.fields = new_fields(&c, nf);
    f->roots = st_arena_calloc(f->arena, (size_t)(nf > 0 ? nf : 1), sizeof(pq_node *));
    if (!f->schema.fields || !f->roots)
        return oom(&c);
    int i = 0;
    for (int k = c.first_child[0]; k >= 0; k = c.next_sibling[k], i++) {
        c.top_field = i;
        rc = build_field(&c, k, 0, 0, 0, 0, &f->schema.fields[i], &f->roots[i], 1);
        if (rc != ST_OK)
            return st_error_context(err, "reading the schema of column \"%s\"", elem_name(&c, k));
    }
    f->n_leaves = c.n_leaves;
    int leaf_no = 0;
    leaf_paths(&c, 0, "", &leaf_no);
    if (leaf_no != c.n_leaves)
        return st_error_set(err, ST_ERR_INTERNAL, "leaf count mismatch in parquet schema");
    for (i = 0; i < nf; i++)
        fix_leaf_types(f, f->roots[i]);
    return ST_OK;
}
