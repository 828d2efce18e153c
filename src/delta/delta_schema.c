/* delta_schema.c -- the Spark JSON schema of Delta's metaData.schemaString
** (PROTOCOL.md "Schema Serialization Format") to and from vec_schema.
**
** Types: string, long, integer, short, byte, float, double, boolean,
** binary, date, timestamp, timestamp_ntz, decimal(p,s) and the nested
** struct {fields}, array {elementType, containsNull} and map {keyType,
** valueType, valueContainsNull}. A map becomes VEC_MAP with one non-null
** "entries" struct child {key (not null), value}; an array VEC_LIST with one
** "element" child. Column mapping metadata (delta.columnMapping.id and
** .physicalName) goes into a delta_field_info tree mirroring the schema:
** struct fields one info each, lists one (element), maps two (key, value).
** A field's other metadata entries ("comment", "delta.generationExpression",
** "CURRENT_DEFAULT", "delta.identity.*", "delta.invariants", ...) are kept
** in its info as one JSON object text (extra_metadata) and written back
** unchanged by delta_schema_format, so a metaData rewrite loses nothing.
** Other types (variant, void, geometry, interval...) are ST_ERR_UNSUPPORTED
** naming the type and column. Everything is allocated in the caller's arena. */
#include "delta.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#define SCHEMA_MAX_DEPTH 64

typedef struct schema_ctx {
    st_arena *a;
    st_error *err;
} schema_ctx;

static st_status parse_type(schema_ctx *c, json_t *t, const char *col, int depth, vec_type *out,
                            delta_field_info *info);

static st_status bad(schema_ctx *c, const char *col, const char *what)
{
    return st_error_set(c->err, ST_ERR_CORRUPT, "schema of column \"%s\" is malformed: %s",
                        col ? col : "(root)", what);
}

static bool parse_decimal(const char *s, vec_type *out)
{
    if (strcmp(s, "decimal") == 0) {
        out->precision = 10;
        out->scale = 0;
        return true;
    }
    unsigned p, sc;
    int used = -1;
    if (sscanf(s, "decimal(%u ,%u )%n", &p, &sc, &used) != 2 || used < 0 || s[used] != '\0')
        return false;
    if (p < 1 || p > 38 || sc > p)
        return false;
    out->precision = (uint8_t)p;
    out->scale = (uint8_t)sc;
    return true;
}

static st_status parse_primitive(schema_ctx *c, const char *s, const char *col, vec_type *out)
{
    static const struct { const char *name; vec_type_id id; } prims[] = {
        { "string", VEC_STRING },   { "long", VEC_INT64 },       { "integer", VEC_INT32 },
        { "short", VEC_INT16 },     { "byte", VEC_INT8 },        { "float", VEC_FLOAT },
        { "double", VEC_DOUBLE },   { "boolean", VEC_BOOL },     { "binary", VEC_BINARY },
        { "date", VEC_DATE },       { "timestamp", VEC_TIMESTAMP },
        { "timestamp_ntz", VEC_TIMESTAMP_NTZ },
    };
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < ST_ARRAY_LEN(prims); i++)
        if (strcmp(s, prims[i].name) == 0) {
            out->id = prims[i].id;
            return ST_OK;
        }
    if (strncmp(s, "decimal", 7) == 0) {
        out->id = VEC_DECIMAL;
        if (!parse_decimal(s, out))
            return st_error_set(c->err, ST_ERR_CORRUPT,
                                "column \"%s\" has an invalid decimal type \"%s\"", col, s);
        return ST_OK;
    }
    return st_error_set(c->err, ST_ERR_UNSUPPORTED,
                        "column \"%s\" has type \"%s\", which strata does not support", col, s);
}

static void leaf_info(delta_field_info *info, const char *name)
{
    info->physical_name = name;
    info->field_id = -1;
    info->n_children = 0;
    info->children = NULL;
    info->extra_metadata = NULL;
}

static bool is_mapping_key(const char *k)
{
    return strcmp(k, "delta.columnMapping.id") == 0 ||
           strcmp(k, "delta.columnMapping.physicalName") == 0;
}

/* Keeps every metadata entry but the column mapping ones as a JSON object
** text in fi->extra_metadata (NULL when there are none). */
static st_status keep_extra_metadata(schema_ctx *c, json_t *md, delta_field_info *fi)
{
    const char *k;
    json_t *v;
    size_t n_extra = 0;
    json_object_foreach(md, k, v)
        n_extra += !is_mapping_key(k);
    if (n_extra == 0)
        return ST_OK;
    json_t *extra = json_object();
    bool ok = extra != NULL;
    json_object_foreach(md, k, v)
        if (ok && !is_mapping_key(k))
            ok = json_object_set(extra, k, v) == 0;
    char *txt = ok ? json_dumps(extra, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(extra);
    fi->extra_metadata = txt ? st_arena_strdup(c->a, txt) : NULL;
    free(txt);
    if (!fi->extra_metadata)
        return st_error_set(c->err, ST_ERR_NOMEM, "out of memory parsing a schema");
    return ST_OK;
}

static st_status parse_struct(schema_ctx *c, json_t *t, const char *col, int depth, vec_type *out,
                              delta_field_info *info)
{
    json_t *fields = json_object_get(t, "fields");
    if (!json_is_array(fields) || json_array_size(fields) > INT32_MAX)
        return bad(c, col, "struct without a \"fields\" array");
    size_t n = json_array_size(fields);
    out->id = VEC_STRUCT;
    out->n_children = (int)n;
    out->children = st_arena_calloc(c->a, n ? n : 1, sizeof(vec_field));
    info->n_children = (int)n;
    info->children = st_arena_calloc(c->a, n ? n : 1, sizeof(delta_field_info));
    if (!out->children || !info->children)
        return st_error_set(c->err, ST_ERR_NOMEM, "out of memory parsing a schema");
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_array_get(fields, i);
        json_t *name = json_object_get(f, "name");
        if (!json_is_object(f) || !json_is_string(name))
            return bad(c, col, "struct field without a name");
        vec_field *vf = &out->children[i];
        delta_field_info *fi = &info->children[i];
        vf->name = st_arena_strdup(c->a, json_string_value(name));
        json_t *nl = json_object_get(f, "nullable");
        vf->nullable = nl ? json_is_true(nl) : true;
        leaf_info(fi, vf->name);
        json_t *md = json_object_get(f, "metadata");
        if (json_is_object(md)) {
            json_t *id = json_object_get(md, "delta.columnMapping.id");
            json_t *pn = json_object_get(md, "delta.columnMapping.physicalName");
            if (json_is_integer(id))
                fi->field_id = (int64_t)json_integer_value(id);
            if (json_is_string(pn))
                fi->physical_name = st_arena_strdup(c->a, json_string_value(pn));
            st_status rc = keep_extra_metadata(c, md, fi);
            if (rc != ST_OK)
                return rc;
        }
        json_t *ft = json_object_get(f, "type");
        if (!ft)
            return bad(c, vf->name, "field without a type");
        st_status rc = parse_type(c, ft, vf->name, depth + 1, &vf->type, fi);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

static st_status parse_type(schema_ctx *c, json_t *t, const char *col, int depth, vec_type *out,
                            delta_field_info *info)
{
    memset(out, 0, sizeof *out);
    if (depth > SCHEMA_MAX_DEPTH)
        return bad(c, col, "nested too deeply");
    if (json_is_string(t))
        return parse_primitive(c, json_string_value(t), col, out);
    json_t *kind = json_object_get(t, "type");
    if (!json_is_object(t) || !json_is_string(kind))
        return bad(c, col, "type is neither a name nor an object with a \"type\"");
    const char *k = json_string_value(kind);
    if (strcmp(k, "struct") == 0)
        return parse_struct(c, t, col, depth, out, info);
    bool is_map = strcmp(k, "map") == 0;
    if (strcmp(k, "array") != 0 && !is_map)
        return st_error_set(c->err, ST_ERR_UNSUPPORTED,
                            "column \"%s\" has type \"%s\", which strata does not support", col, k);
    int n_info = is_map ? 2 : 1;
    info->n_children = n_info;
    info->children = st_arena_calloc(c->a, (size_t)n_info, sizeof(delta_field_info));
    vec_field *f = st_arena_calloc(c->a, 1, sizeof(vec_field));
    if (!info->children || !f)
        return st_error_set(c->err, ST_ERR_NOMEM, "out of memory parsing a schema");
    out->n_children = 1;
    out->children = f;
    if (!is_map) {
        json_t *et = json_object_get(t, "elementType");
        if (!et)
            return bad(c, col, "array without elementType");
        out->id = VEC_LIST;
        f->name = "element";
        json_t *cn = json_object_get(t, "containsNull");
        f->nullable = cn ? json_is_true(cn) : true;
        leaf_info(&info->children[0], "element");
        return parse_type(c, et, col, depth + 1, &f->type, &info->children[0]);
    }
    json_t *kt = json_object_get(t, "keyType"), *vt = json_object_get(t, "valueType");
    if (!kt || !vt)
        return bad(c, col, "map without keyType/valueType");
    out->id = VEC_MAP;
    f->name = "entries";
    f->nullable = false;
    f->type.id = VEC_STRUCT;
    f->type.n_children = 2;
    f->type.children = st_arena_calloc(c->a, 2, sizeof(vec_field));
    if (!f->type.children)
        return st_error_set(c->err, ST_ERR_NOMEM, "out of memory parsing a schema");
    vec_field *key = &f->type.children[0], *val = &f->type.children[1];
    key->name = "key";
    key->nullable = false;
    val->name = "value";
    json_t *vcn = json_object_get(t, "valueContainsNull");
    val->nullable = vcn ? json_is_true(vcn) : true;
    leaf_info(&info->children[0], "key");
    leaf_info(&info->children[1], "value");
    st_status rc = parse_type(c, kt, col, depth + 1, &key->type, &info->children[0]);
    if (rc != ST_OK)
        return rc;
    return parse_type(c, vt, col, depth + 1, &val->type, &info->children[1]);
}

st_status delta_schema_parse(const char *json, st_arena *a, vec_schema *out,
                             delta_field_info **info_out, st_error *err)
{
    json_error_t jerr;
    json_t *root = json_loads(json, JSON_DECODE_ANY, &jerr);
    if (!root)
        return st_error_set(err, ST_ERR_CORRUPT, "schema string is not valid JSON: %s", jerr.text);
    schema_ctx c = { a, err };
    vec_type t;
    delta_field_info info;
    leaf_info(&info, NULL);
    json_t *kind = json_object_get(root, "type");
    st_status rc;
    if (!json_is_object(root) || !json_is_string(kind)
        || strcmp(json_string_value(kind), "struct") != 0)
        rc = st_error_set(err, ST_ERR_CORRUPT, "schema string is not a JSON struct type");
    else
        rc = parse_struct(&c, root, NULL, 0, &t, &info);
    json_decref(root);
    if (rc != ST_OK)
        return rc;
    out->n_fields = t.n_children;
    out->fields = t.children;
    if (info_out)
        *info_out = info.children;
    return ST_OK;
}

/* ---- formatting ---------------------------------------------------------- */

static json_t *format_type(const vec_type *t, const delta_field_info *info, const char *col,
                           st_error *err);

static json_t *format_primitive(const vec_type *t, const char *col, st_error *err)
{
    const char *s = NULL;
    switch (t->id) {
    case VEC_STRING:        s = "string"; break;
    case VEC_INT64:         s = "long"; break;
    case VEC_INT32:         s = "integer"; break;
    case VEC_INT16:         s = "short"; break;
    case VEC_INT8:          s = "byte"; break;
    case VEC_FLOAT:         s = "float"; break;
    case VEC_DOUBLE:        s = "double"; break;
    case VEC_BOOL:          s = "boolean"; break;
    case VEC_BINARY:        s = "binary"; break;
    case VEC_DATE:          s = "date"; break;
    case VEC_TIMESTAMP:     s = "timestamp"; break;
    case VEC_TIMESTAMP_NTZ: s = "timestamp_ntz"; break;
    case VEC_DECIMAL: {
        char buf[32];
        snprintf(buf, sizeof buf, "decimal(%u,%u)", t->precision, t->scale);
        return json_string(buf);
    }
    default:
        st_error_set(err, ST_ERR_UNSUPPORTED,
                     "column \"%s\" has type %s, which Delta tables cannot store", col,
                     vec_type_id_name(t->id));
        return NULL;
    }
    return json_string(s);
}

/* Adds the entries of fi->extra_metadata to md. Text that is not a JSON
** object is ST_ERR_ARGUMENT naming the column. */
static st_status add_extra_metadata(json_t *md, const delta_field_info *fi, const char *col,
                                    st_error *err)
{
    if (!fi || !fi->extra_metadata)
        return ST_OK;
    json_error_t je;
    json_t *x = json_loads(fi->extra_metadata, 0, &je);
    if (!json_is_object(x)) {
        json_decref(x);
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "metadata of column \"%s\" is not a JSON object: %s", col,
                            x ? "another JSON value" : je.text);
    }
    const char *k;
    json_t *v;
    json_object_foreach(x, k, v)
        if (!is_mapping_key(k) && json_object_set(md, k, v) != 0) {
            json_decref(x);
            return st_error_set(err, ST_ERR_NOMEM, "out of memory formatting a schema");
        }
    json_decref(x);
    return ST_OK;
}

static json_t *format_struct(const vec_type *t, const delta_field_info *info, st_error *err)
{
    json_t *fields = json_array(), *o = json_object();
    if (!fields || !o)
        goto fail;
    json_object_set_new(o, "type", json_string("struct"));
    for (int i = 0; i < t->n_children; i++) {
        const vec_field *f = &t->children[i];
        const delta_field_info *fi = info && info->children && i < info->n_children
                                     ? &info->children[i] : NULL;
        json_t *ft = format_type(&f->type, fi, f->name, err);
        json_t *jf = json_object(), *md = json_object();
        if (!ft || !jf || !md) {
            json_decref(ft);
            json_decref(jf);
            json_decref(md);
            goto fail;
        }
        json_object_set_new(jf, "name", json_string(f->name));
        json_object_set_new(jf, "type", ft);
        json_object_set_new(jf, "nullable", json_boolean(f->nullable));
        if (fi && fi->field_id >= 0)
            json_object_set_new(md, "delta.columnMapping.id", json_integer(fi->field_id));
        if (fi && fi->physical_name && fi->field_id >= 0)
            json_object_set_new(md, "delta.columnMapping.physicalName",
                                json_string(fi->physical_name));
        json_object_set_new(jf, "metadata", md);
        if (add_extra_metadata(md, fi, f->name, err) != ST_OK) {
            json_decref(jf);
            goto fail;
        }
        json_array_append_new(fields, jf);
    }
    json_object_set_new(o, "fields", fields);
    return o;
fail:
    json_decref(fields);
    json_decref(o);
    if (err && err->code == ST_OK)
        st_error_set(err, ST_ERR_NOMEM, "out of memory formatting a schema");
    return NULL;
}

static json_t *format_type(const vec_type *t, const delta_field_info *info, const char *col,
                           st_error *err)
{
    if (t->id == VEC_STRUCT) {
        /* the info of a struct-typed field holds its fields as children */
        return format_struct(t, info, err);
    }
    if ((t->id == VEC_LIST || t->id == VEC_MAP) && t->n_children != 1) {
        st_error_set(err, ST_ERR_INTERNAL, "column \"%s\" has a malformed nested type", col);
        return NULL;
    }
    const delta_field_info *c0 = info && info->n_children > 0 ? &info->children[0] : NULL;
    if (t->id == VEC_LIST) {
        json_t *et = format_type(&t->children[0].type, c0, col, err);
        if (!et)
            return NULL;
        json_t *o = json_object();
        json_object_set_new(o, "type", json_string("array"));
        json_object_set_new(o, "elementType", et);
        json_object_set_new(o, "containsNull", json_boolean(t->children[0].nullable));
        return o;
    }
    if (t->id == VEC_MAP) {
        const vec_type *e = &t->children[0].type;
        if (e->id != VEC_STRUCT || e->n_children != 2) {
            st_error_set(err, ST_ERR_INTERNAL, "column \"%s\" has a malformed map type", col);
            return NULL;
        }
        const delta_field_info *c1 = info && info->n_children > 1 ? &info->children[1] : NULL;
        json_t *kt = format_type(&e->children[0].type, c0, col, err);
        json_t *vt = kt ? format_type(&e->children[1].type, c1, col, err) : NULL;
        if (!vt) {
            json_decref(kt);
            return NULL;
        }
        json_t *o = json_object();
        json_object_set_new(o, "type", json_string("map"));
        json_object_set_new(o, "keyType", kt);
        json_object_set_new(o, "valueType", vt);
        json_object_set_new(o, "valueContainsNull", json_boolean(e->children[1].nullable));
        return o;
    }
    return format_primitive(t, col, err);
}

st_status delta_schema_format(const vec_schema *s, const delta_field_info *info, st_buf *out,
                              st_error *err)
{
    vec_type t = { .id = VEC_STRUCT, .n_children = s->n_fields, .children = s->fields };
    delta_field_info root = { .physical_name = NULL, .field_id = -1,
                              .n_children = info ? s->n_fields : 0,
                              .children = (delta_field_info *)info };
    st_error local;
    st_error_init(&local);
    json_t *j = format_struct(&t, info ? &root : NULL, &local);
    if (!j) {
        if (err)
            *err = local;
        return local.code != ST_OK ? local.code : ST_ERR_NOMEM;
    }
    char *txt = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!txt)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory formatting a schema");
    st_status rc = st_buf_append_str(out, txt, err);
    free(txt);
    return rc;
}
