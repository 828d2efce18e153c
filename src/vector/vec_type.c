/* vec_type.c -- vector type helpers: value widths, the Spark SQL spelling of
** a type ("int", "decimal(10,2)", "struct<a:int,b:array<string>>") and deep
** type equality. Types are plain trees in a schema arena; nothing here
** allocates. Malformed trees (a LIST without its element, a MAP whose entries
** are not a two-field STRUCT) never crash: they print as "?" and compare by
** their raw fields.
**
** Equality rule: ids, decimal precision/scale, child counts, STRUCT field
** names (exact bytes) and child types must match; nullability and the names
** of LIST/MAP children ("element", "item", "entries", "key_value", ...) are
** ignored, because Parquet writers spell those differently for the same
** logical type. */
#include "vec.h"

#include <stdio.h>

int vec_type_width(vec_type_id id)
{
    switch (id) {
    case VEC_INT8:
    case VEC_UINT8:
        return 1;
    case VEC_INT16:
    case VEC_UINT16:
        return 2;
    case VEC_INT32:
    case VEC_UINT32:
    case VEC_FLOAT:
    case VEC_DATE:
        return 4;
    case VEC_INT64:
    case VEC_UINT64:
    case VEC_DOUBLE:
    case VEC_TIME:
    case VEC_TIMESTAMP:
    case VEC_TIMESTAMP_NTZ:
        return 8;
    case VEC_DECIMAL:
        return 16;
    default:
        return 0;
    }
}

/* Indexed by vec_type_id; Spark SQL base names (unsigned types are ours). */
static const char *const type_names[VEC_TYPE_COUNT] = {
    [VEC_NULL] = "void",          [VEC_BOOL] = "boolean",
    [VEC_INT8] = "tinyint",       [VEC_INT16] = "smallint",
    [VEC_INT32] = "int",          [VEC_INT64] = "bigint",
    [VEC_UINT8] = "utinyint",     [VEC_UINT16] = "usmallint",
    [VEC_UINT32] = "uint",        [VEC_UINT64] = "ubigint",
    [VEC_FLOAT] = "float",        [VEC_DOUBLE] = "double",
    [VEC_DECIMAL] = "decimal",    [VEC_STRING] = "string",
    [VEC_BINARY] = "binary",      [VEC_DATE] = "date",
    [VEC_TIME] = "time",          [VEC_TIMESTAMP] = "timestamp",
    [VEC_TIMESTAMP_NTZ] = "timestamp_ntz",
    [VEC_STRUCT] = "struct",      [VEC_LIST] = "array",
    [VEC_MAP] = "map",
};

const char *vec_type_id_name(vec_type_id id)
{
    if ((int)id < 0 || id >= VEC_TYPE_COUNT)
        return "unknown";
    return type_names[id];
}

/* A bounded writer that keeps counting past the end, as snprintf does. */
typedef struct type_out {
    char  *buf;    /* borrowed: caller's buffer, may be NULL when n == 0 */
    size_t n;      /* capacity of buf in bytes, including the NUL */
    size_t pos;    /* characters produced so far (may exceed n) */
} type_out;

static void out_str(type_out *o, const char *s)
{
    for (; *s; s++) {
        if (o->pos + 1 < o->n)
            o->buf[o->pos] = *s;
        o->pos++;
    }
}

/* Child i of t, or NULL when the tree is malformed. */
static const vec_type *child_type(const vec_type *t, int i)
{
    if (!t->children || i < 0 || i >= t->n_children)
        return NULL;
    return &t->children[i].type;
}

static void format_type(const vec_type *t, type_out *o, int depth);

static void format_child(const vec_type *t, type_out *o, int depth)
{
    if (t)
        format_type(t, o, depth + 1);
    else
        out_str(o, "?");
}

static void format_type(const vec_type *t, type_out *o, int depth)
{
    if (depth > 256) {                 /* deeper than any sane schema */
        out_str(o, "...");
        return;
    }
    switch (t->id) {
    case VEC_DECIMAL: {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "decimal(%u,%u)", (unsigned)t->precision,
                 (unsigned)t->scale);
        out_str(o, tmp);
        return;
    }
    case VEC_STRUCT:
        out_str(o, "struct<");
        for (int i = 0; t->children && i < t->n_children; i++) {
            if (i)
                out_str(o, ",");
            out_str(o, t->children[i].name ? t->children[i].name : "?");
            out_str(o, ":");
            format_type(&t->children[i].type, o, depth + 1);
        }
        out_str(o, ">");
        return;
    case VEC_LIST:
        out_str(o, "array<");
        format_child(child_type(t, 0), o, depth);
        out_str(o, ">");
        return;
    case VEC_MAP: {
        const vec_type *e = child_type(t, 0);
        out_str(o, "map<");
        format_child(e ? child_type(e, 0) : NULL, o, depth + 1);
        out_str(o, ",");
        format_child(e ? child_type(e, 1) : NULL, o, depth + 1);
        out_str(o, ">");
        return;
    }
    default:
        out_str(o, vec_type_id_name(t->id));
        return;
    }
}

/* Writes the spelling into buf (always NUL-terminated when n > 0, truncated
** to fit) and returns its full length, like snprintf. */
int vec_type_format(const vec_type *t, char *buf, size_t n)
{
    type_out o = {buf, n, 0};
    format_type(t, &o, 0);
    if (n > 0)
        buf[o.pos < n ? o.pos : n - 1] = '\0';
    return o.pos > (size_t)INT32_MAX ? INT32_MAX : (int)o.pos;
}

/* names: whether STRUCT field names take part (false for a MAP's entries,
** whose "key"/"value" names vary between writers). */
static bool type_equal(const vec_type *a, const vec_type *b, bool names, int depth)
{
    if (a == b)
        return true;
    if (depth > 256 || a->id != b->id)
        return false;
    if (a->id == VEC_DECIMAL)
        return a->precision == b->precision && a->scale == b->scale;
    if (!vec_type_is_nested(a->id))
        return true;
    if (a->n_children != b->n_children)
        return false;
    if (a->n_children > 0 && (!a->children || !b->children))
        return a->children == b->children;
    for (int i = 0; i < a->n_children; i++) {
        const vec_field *fa = &a->children[i], *fb = &b->children[i];
        if (a->id == VEC_STRUCT && names) {
            const char *na = fa->name ? fa->name : "", *nb = fb->name ? fb->name : "";
            if (strcmp(na, nb) != 0)
                return false;
        }
        if (!type_equal(&fa->type, &fb->type, a->id != VEC_MAP, depth + 1))
            return false;
    }
    return true;
}

bool vec_type_equal(const vec_type *a, const vec_type *b)
{
    return type_equal(a, b, true, 0);
}

st_status vec_type_copy(st_arena *a, const vec_type *src, vec_type *dst, st_error *err)
{
    *dst = *src;
    dst->children = NULL;
    if (src->n_children <= 0)
        return ST_OK;
    vec_field *f = st_arena_calloc(a, (size_t)src->n_children, sizeof *f);
    if (!f)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory copying a type");
    for (int i = 0; i < src->n_children; i++) {
        f[i].nullable = src->children[i].nullable;
        f[i].name = src->children[i].name ? st_arena_strdup(a, src->children[i].name) : NULL;
        if (src->children[i].name && !f[i].name)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory copying a type");
        st_status rc = vec_type_copy(a, &src->children[i].type, &f[i].type, err);
        if (rc != ST_OK)
            return rc;
    }
    dst->children = f;
    return ST_OK;
}

st_status vec_schema_copy(st_arena *a, const vec_schema *src, vec_schema *dst, st_error *err)
{
    vec_type root = { .id = VEC_STRUCT, .n_children = src->n_fields, .children = src->fields };
    vec_type out;
    st_status rc = vec_type_copy(a, &root, &out, err);
    if (rc != ST_OK)
        return rc;
    dst->n_fields = out.n_children;
    dst->fields = out.children;
    return ST_OK;
}
