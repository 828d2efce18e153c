/* json_reader.c -- the NDJSON reader behind json.h: a chunked line reader,
** jansson (json_loadb) per line, schema inference over the sampled objects
** and recursive conversion of JSON values into vec_builders.
**
** Invariants: `line` is the 1-based number of the next unread line; sampled
** objects are kept parsed (owned references) and replayed as the first rows;
** the inference tree (itype) lives in a scratch arena freed at open. */
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <unistd.h>

#include "../format.h"

#define JSON_CHUNK_BYTES   (1 << 20)
#define JSON_MAX_LINE      ((size_t)64 << 20)
#define JSON_MAX_DEPTH     64
#define JSON_DEFAULT_SAMPLE 10000
#define JSON_DEFAULT_BATCH  2048

struct json_reader {
    st_file      file;          /* owned */
    json_options opt;
    uint8_t     *chunk;         /* owned: JSON_CHUNK_BYTES */
    size_t       chunk_len, chunk_pos;
    bool         is_eof;        /* read() returned 0 */
    int64_t      line;          /* see the header comment */
    st_buf       text;          /* owned: the current line */
    json_t     **sample;        /* owned references */
    int64_t     *sample_line;   /* owned: line of each sampled object */
    int64_t      n_sample, cap_sample, sample_pos;
    bool         is_done;       /* no more lines after the sample */
    st_arena    *schema_arena;  /* owned */
    vec_schema   schema;
};

/* ---- lines ------------------------------------------------------------------ */

static st_status fill_chunk(json_reader *r, st_error *err)
{
    ssize_t k;
    do
        k = read(r->file.fd, r->chunk, JSON_CHUNK_BYTES);
    while (k < 0 && errno == EINTR);
    if (k < 0)
        return st_error_set(err, ST_ERR_IO, "could not read file \"%s\": %s", r->file.path,
                            strerror(errno));
    r->chunk_len = (size_t)k;
    r->chunk_pos = 0;
    r->is_eof = k == 0;
    return ST_OK;
}

static bool is_blank(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    return true;
}

/* Next non-blank line into r->text (without its LF / CRLF); *line_no its
** number; *got false at end of file. */
static st_status read_line(json_reader *r, bool *got, int64_t *line_no, st_error *err)
{
    for (;;) {
        st_buf_clear(&r->text);
        bool any = false;
        for (;;) {
            if (r->chunk_pos == r->chunk_len) {
                st_status rc = r->is_eof ? ST_OK : fill_chunk(r, err);
                if (rc != ST_OK)
                    return rc;
                if (r->is_eof)
                    break;
            }
            any = true;
            const uint8_t *p = r->chunk + r->chunk_pos;
            size_t avail = r->chunk_len - r->chunk_pos;
            const uint8_t *nl = memchr(p, '\n', avail);
            size_t take = nl ? (size_t)(nl - p) : avail;
            if (r->text.len + take > JSON_MAX_LINE)
                return st_error_set(err, ST_ERR_LIMIT, "file \"%s\", line %" PRId64
                                    ": line longer than %zu bytes", r->file.path, r->line,
                                    JSON_MAX_LINE);
            st_status rc = st_buf_append(&r->text, p, take, err);
            if (rc != ST_OK)
                return rc;
            r->chunk_pos += take + (nl ? 1 : 0);
            if (nl)
                break;
        }
        if (!any) {
            *got = false;
            return ST_OK;
        }
        *line_no = r->line++;
        if (r->text.len && r->text.data[r->text.len - 1] == '\r')
            r->text.len--;
        if (!is_blank(r->text.data, r->text.len)) {
            *got = true;
            return ST_OK;
        }
    }
}

/* Parses r->text (line line_no) into an object (new reference). */
static st_status parse_line(json_reader *r, int64_t line_no, json_t **out, st_error *err)
{
    json_error_t je;
    json_t *v = json_loadb((const char *)r->text.data, r->text.len,
                           JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!v)
        return st_error_set(err, ST_ERR_CORRUPT, "file \"%s\", line %" PRId64 ", column %d: %s",
                            r->file.path, line_no, je.column, je.text);
    if (!json_is_object(v)) {
        static const char *const kinds[] = {"an object", "an array", "a string", "a number",
                                            "a number", "true", "false", "null"};
        int t = json_typeof(v);
        const char *k = t >= 0 && t < (int)ST_ARRAY_LEN(kinds) ? kinds[t] : "a value";
        json_decref(v);
        return st_error_set(err, ST_ERR_CORRUPT, "file \"%s\", line %" PRId64
                            ": expected a JSON object, found %s", r->file.path, line_no, k);
    }
    *out = v;
    return ST_OK;
}

/* ---- inference ------------------------------------------------------------ */

enum { K_NONE, K_BOOL, K_BIGINT, K_DOUBLE, K_STRING, K_STRUCT, K_ARRAY };

typedef struct itype itype;
struct itype {
    int          kind;
    int          n_fields, cap;
    const char **names;    /* scratch arena */
    itype      **fields;   /* scratch arena */
    itype       *elem;     /* K_ARRAY */
};

static int kind_of(const json_t *v, int depth)
{
    switch (json_typeof(v)) {
    case JSON_TRUE: case JSON_FALSE: return K_BOOL;
    case JSON_INTEGER: return K_BIGINT;
    case JSON_REAL: return K_DOUBLE;
    case JSON_STRING: return K_STRING;
    case JSON_OBJECT: return depth >= JSON_MAX_DEPTH ? K_STRING : K_STRUCT;
    case JSON_ARRAY: return depth >= JSON_MAX_DEPTH ? K_STRING : K_ARRAY;
    default: return K_NONE;
    }
}

static itype *struct_field(st_arena *a, itype *t, const char *name)
{
    for (int i = 0; i < t->n_fields; i++)
        if (strcmp(t->names[i], name) == 0)
            return t->fields[i];
    if (t->n_fields == t->cap) {
        int cap = t->cap ? t->cap * 2 : 8;
        const char **nn = st_arena_realloc(a, t->names, (size_t)t->cap * sizeof *nn,
                                           (size_t)cap * sizeof *nn);
        itype **nf = st_arena_realloc(a, t->fields, (size_t)t->cap * sizeof *nf,
                                      (size_t)cap * sizeof *nf);
        if (!nn || !nf)
            return NULL;
        t->names = nn;
        t->fields = nf;
        t->cap = cap;
    }
    itype *f = st_arena_calloc(a, 1, sizeof *f);
    const char *n = st_arena_strdup(a, name);
    if (!f || !n)
        return NULL;
    t->names[t->n_fields] = n;
    t->fields[t->n_fields++] = f;
    return f;
}

/* Widens t to cover v. false on out-of-memory. */
static bool observe(st_arena *a, itype *t, const json_t *v, int depth)
{
    int k = kind_of(v, depth);
    if (k == K_NONE)
        return true;
    if (t->kind == K_NONE)
        t->kind = k;
    else if ((t->kind == K_BIGINT && k == K_DOUBLE) || (t->kind == K_DOUBLE && k == K_BIGINT))
        t->kind = K_DOUBLE;
    else if (t->kind != k)
        t->kind = K_STRING;
    if (t->kind == K_STRUCT) {
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)v, key, val) {
            itype *f = struct_field(a, t, key);
            if (!f || !observe(a, f, val, depth + 1))
                return false;
        }
    } else if (t->kind == K_ARRAY) {
        if (!t->elem && !(t->elem = st_arena_calloc(a, 1, sizeof *t->elem)))
            return false;
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
            if (!observe(a, t->elem, e, depth + 1))
                return false;
    }
    return true;
}

/* The vector type of t in arena a. */
static st_status to_vec_type(st_arena *a, const itype *t, vec_type *out, st_error *err)
{
    memset(out, 0, sizeof *out);
    switch (t->kind) {
    case K_BOOL: out->id = VEC_BOOL; return ST_OK;
    case K_BIGINT: out->id = VEC_INT64; return ST_OK;
    case K_DOUBLE: out->id = VEC_DOUBLE; return ST_OK;
    case K_ARRAY:
        out->id = VEC_LIST;
        out->n_children = 1;
        if (!(out->children = st_arena_calloc(a, 1, sizeof *out->children)))
            break;
        out->children[0].name = "element";
        out->children[0].nullable = true;
        return to_vec_type(a, t->elem, &out->children[0].type, err);
    case K_STRUCT:
        if (t->n_fields == 0) {
            out->id = VEC_STRING;
            return ST_OK;
        }
        out->id = VEC_STRUCT;
        out->n_children = t->n_fields;
        if (!(out->children = st_arena_calloc(a, (size_t)t->n_fields, sizeof *out->children)))
            break;
        for (int i = 0; i < t->n_fields; i++) {
            out->children[i].name = t->names[i];
            out->children[i].nullable = true;
            st_status rc = to_vec_type(a, t->fields[i], &out->children[i].type, err);
            if (rc != ST_OK)
                return rc;
        }
        return ST_OK;
    default: out->id = VEC_STRING; return ST_OK;
    }
    return st_error_set(err, ST_ERR_NOMEM, "out of memory inferring a JSON schema");
}

static st_status infer_schema(json_reader *r, st_error *err)
{
    st_arena *scratch = st_arena_new(0);
    if (!scratch)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory inferring a JSON schema");
    itype root = {.kind = K_STRUCT};
    st_status rc = ST_OK;
    for (int64_t i = 0; i < r->n_sample && rc == ST_OK; i++)
        if (!observe(scratch, &root, r->sample[i], 0))
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory inferring a JSON schema");
    if (rc == ST_OK) {
        /* names move to the schema arena: the scratch arena dies here */
        vec_field *fields = st_arena_calloc(r->schema_arena, (size_t)ST_MAX(root.n_fields, 1),
                                            sizeof *fields);
        if (!fields)
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory inferring a JSON schema");
        for (int i = 0; i < root.n_fields && rc == ST_OK; i++) {
            fields[i].name = root.names[i];
            fields[i].nullable = true;
            rc = to_vec_type(scratch, root.fields[i], &fields[i].type, err);
        }
        vec_schema tmp = {root.n_fields, fields};
        if (rc == ST_OK)
            rc = vec_schema_copy(r->schema_arena, &tmp, &r->schema, err);
    }
    st_arena_free(scratch);
    return rc;
}

/* ---- open / close ------------------------------------------------------------ */

static st_status read_sample(json_reader *r, st_error *err)
{
    while (r->n_sample < r->opt.sample_rows) {
        bool got = false;
        int64_t ln = 0;
        st_status rc = read_line(r, &got, &ln, err);
        if (rc != ST_OK)
            return rc;
        if (!got) {
            r->is_done = true;
            return ST_OK;
        }
        if (r->n_sample == r->cap_sample) {
            int64_t cap = r->cap_sample ? r->cap_sample * 2 : 64;
            json_t **s = st_realloc(r->sample, (size_t)cap * sizeof *s);
            if (s)
                r->sample = s;
            int64_t *l = s ? st_realloc(r->sample_line, (size_t)cap * sizeof *l) : NULL;
            if (!l)
                return st_error_set(err, ST_ERR_NOMEM, "out of memory sampling file \"%s\"",
                                    r->file.path);
            r->sample_line = l;
            r->cap_sample = cap;
        }
        json_t *v = NULL;
        if ((rc = parse_line(r, ln, &v, err)) != ST_OK)
            return rc;
        r->sample[r->n_sample] = v;
        r->sample_line[r->n_sample++] = ln;
    }
    return ST_OK;
}

st_status json_reader_open(const char *path, const json_options *opt, json_reader **out,
                           st_error *err)
{
    *out = NULL;
    json_reader *r = st_calloc(1, sizeof *r);
    if (!r)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory opening file \"%s\"", path);
    r->file.fd = -1;
    if (opt)
        r->opt = *opt;
    if (r->opt.sample_rows <= 0)
        r->opt.sample_rows = JSON_DEFAULT_SAMPLE;
    if (r->opt.batch_rows <= 0)
        r->opt.batch_rows = JSON_DEFAULT_BATCH;
    r->line = 1;
    st_buf_init(&r->text);
    st_status rc = st_file_open(path, &r->file, err);
    if (rc != ST_OK)
        goto fail;
    r->chunk = st_malloc(JSON_CHUNK_BYTES);
    r->schema_arena = st_arena_new(0);
    if (!r->chunk || !r->schema_arena) {
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory opening file \"%s\"", path);
        goto fail;
    }
    if ((rc = fill_chunk(r, err)) != ST_OK)
        goto fail;
    if (r->chunk_len >= 3 && memcmp(r->chunk, "\xEF\xBB\xBF", 3) == 0)
        r->chunk_pos = 3;
    if ((rc = read_sample(r, err)) != ST_OK)
        goto fail;
    rc = r->opt.schema ? vec_schema_copy(r->schema_arena, r->opt.schema, &r->schema, err)
                       : infer_schema(r, err);
    if (rc != ST_OK)
        goto fail;
    *out = r;
    return ST_OK;
fail:
    json_reader_close(r);
    return rc;
}

const vec_schema *json_reader_schema(const json_reader *r) { return &r->schema; }

static void drop_sample(json_reader *r)
{
    for (int64_t i = r->sample_pos; i < r->n_sample; i++)
        json_decref(r->sample[i]);
    st_free(r->sample);
    st_free(r->sample_line);
    r->sample = NULL;
    r->sample_line = NULL;
    r->n_sample = r->sample_pos = r->cap_sample = 0;
}

void json_reader_close(json_reader *r)
{
    if (!r)
        return;
    drop_sample(r);
    if (r->file.fd >= 0)
        st_file_close(&r->file);
    st_free(r->chunk);
    st_buf_destroy(&r->text);
    st_arena_free(r->schema_arena);
    st_free(r);
}

/* ---- values ----------------------------------------------------------------- */

typedef struct row_ctx {
    const json_reader *r;
    int64_t line;
} row_ctx;

static st_status mismatch(const row_ctx *x, const char *name, const vec_type *t, const json_t *v,
                          st_error *err)
{
    char tname[128];
    vec_type_format(t, tname, sizeof tname);
    char *txt = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    size_t n = txt ? strlen(txt) : 0;
    st_error_set(err, ST_ERR_CORRUPT, "file \"%s\", line %" PRId64 ", field \"%s\": cannot "
                 "read %.*s%s as %s", x->r->file.path, x->line, name, (int)ST_MIN(n, 100),
                 txt ? txt : "?", n > 100 ? "..." : "", tname);
    free(txt);
    return st_error_hint(err, "The type was inferred from the first %" PRId64 " lines; raise "
                         "sample_rows or give an explicit schema.", x->r->opt.sample_rows);
}

static st_status append_text(vec_builder *b, const json_t *v, st_error *err)
{
    if (json_is_string(v))
        return vec_builder_append_bytes(b, json_string_value(v), json_string_length(v), err);
    char *txt = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!txt)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory formatting a JSON value");
    st_status rc = vec_builder_append_bytes(b, txt, strlen(txt), err);
    free(txt);
    return rc;
}

static st_status append_value(const row_ctx *x, vec_builder *b, const vec_field *f,
                              const json_t *v, st_error *err);

static st_status append_struct(const row_ctx *x, vec_builder *b, const vec_type *t,
                               const json_t *v, st_error *err)
{
    for (int i = 0; i < t->n_children; i++) {
        const vec_field *cf = &t->children[i];
        st_status rc = append_value(x, vec_builder_child(b, i), cf,
                                    json_object_get(v, cf->name), err);
        if (rc != ST_OK)
            return rc;
    }
    return vec_builder_append_struct(b, true, err);
}

static st_status append_list(const row_ctx *x, vec_builder *b, const vec_type *t,
                             const json_t *v, st_error *err)
{
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        st_status rc = append_value(x, vec_builder_child(b, 0), &t->children[0], e, err);
        if (rc != ST_OK)
            return rc;
    }
    return vec_builder_end_list(b, err);
}

/* Appends JSON value v (NULL when the key is missing) as field f. */
static st_status append_value(const row_ctx *x, vec_builder *b, const vec_field *f,
                              const json_t *v, st_error *err)
{
    const vec_type *t = &f->type;
    if (!v || json_is_null(v))
        return vec_builder_append_null(b, err);
    int32_t day;
    int64_t ts;
    st_status rc;
    switch (t->id) {
    case VEC_STRING: case VEC_BINARY:
        return append_text(b, v, err);
    case VEC_BOOL:
        if (json_is_boolean(v))
            return vec_builder_append_bool(b, json_is_true(v), err);
        break;
    case VEC_INT8: case VEC_INT16: case VEC_INT32: case VEC_INT64:
        if (!json_is_integer(v))
            break;
        rc = vec_builder_append_i64(b, (int64_t)json_integer_value(v), err);
        return rc == ST_ERR_ARGUMENT ? mismatch(x, f->name, t, v, err) : rc;
    case VEC_FLOAT: case VEC_DOUBLE:
        if (json_is_number(v))
            return vec_builder_append_f64(b, json_number_value(v), err);
        break;
    case VEC_DATE:
        if (json_is_string(v) && fmt_parse_date(json_string_value(v), json_string_length(v), &day))
            return vec_builder_append_i64(b, day, err);
        break;
    case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ:
        if (json_is_string(v) &&
            fmt_parse_timestamp(json_string_value(v), json_string_length(v), &ts, NULL))
            return vec_builder_append_i64(b, ts, err);
        break;
    case VEC_STRUCT:
        if (json_is_object(v))
            return append_struct(x, b, t, v, err);
        break;
    case VEC_LIST:
        if (json_is_array(v))
            return append_list(x, b, t, v, err);
        break;
    default:
        return st_error_set(err, ST_ERR_UNSUPPORTED, "field \"%s\" of type %s cannot be read "
                            "from JSON", f->name, vec_type_id_name(t->id));
    }
    return mismatch(x, f->name, t, v, err);
}

static st_status append_row(const json_reader *r, vec_builder **bs, const json_t *obj,
                            int64_t line, st_error *err)
{
    row_ctx x = {r, line};
    for (int c = 0; c < r->schema.n_fields; c++) {
        const vec_field *f = &r->schema.fields[c];
        st_status rc = append_value(&x, bs[c], f, json_object_get(obj, f->name), err);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

/* ---- batches ---------------------------------------------------------------- */

static st_status fill(json_reader *r, vec_builder **bs, int64_t *n_rows, st_error *err)
{
    int64_t n = 0;
    st_status rc = ST_OK;
    while (rc == ST_OK && n < r->opt.batch_rows) {
        if (r->sample_pos < r->n_sample) {
            int64_t k = r->sample_pos++;
            rc = append_row(r, bs, r->sample[k], r->sample_line[k], err);
            json_decref(r->sample[k]);
            r->sample[k] = NULL;
        } else if (r->is_done) {
            break;
        } else {
            if (r->sample)
                drop_sample(r);
            bool got = false;
            int64_t ln = 0;
            json_t *v = NULL;
            if ((rc = read_line(r, &got, &ln, err)) != ST_OK)
                break;
            if (!got) {
                r->is_done = true;
                break;
            }
            if ((rc = parse_line(r, ln, &v, err)) != ST_OK)
                break;
            rc = append_row(r, bs, v, ln, err);
            json_decref(v);
        }
        n++;
    }
    *n_rows = n;
    return rc;
}

static st_status fill_any(void *r, vec_builder **bs, int64_t *n_rows, st_error *err)
{
    return fill(r, bs, n_rows, err);
}

st_status json_reader_next(json_reader *r, vec_batch **out, st_error *err)
{
    *out = NULL;
    if (r->is_done && r->sample_pos >= r->n_sample)
        return ST_OK;
    return fmt_build_batch(&r->schema, r->file.path, fill_any, r, out, err);
}
