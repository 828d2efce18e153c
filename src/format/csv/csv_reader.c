/* csv_reader.c -- the streaming RFC 4180 reader behind csv.h, by hand since
** no packaged C library does quoted, multi-line, chunked CSV.
**
** Layers: a chunk source (1 MiB read()s from the file), a record parser (a
** byte state machine that fills `rec`: field bytes in rec.bytes and one
** csv_field per field, with the line the record starts on), the sample (the
** first sample_rows data records, copied, used for inference and replayed as
** the first rows), and the batch builder (one vec_builder per column).
**
** Invariants: `line` is the 1-based physical line of the next unread byte;
** a record's fields index rec.bytes by offset (it may grow); the sample is
** read completely at open, so every error about it surfaces there. */
#include "csv.h"

#include <errno.h>
#include <inttypes.h>
#include <unistd.h>

#include "../format.h"

#define CSV_CHUNK_BYTES  (1 << 20)
#define CSV_MAX_RECORD   ((size_t)64 << 20)
#define CSV_MAX_FIELDS   100000
#define CSV_DEFAULT_SAMPLE 10000
#define CSV_DEFAULT_BATCH  2048

typedef struct csv_field {
    size_t off;       /* into the record's bytes */
    size_t len;
    bool   quoted;
} csv_field;

typedef struct csv_record {
    st_buf     bytes;     /* owned: field text, unescaped */
    csv_field *fields;    /* owned, heap */
    int        n_fields;
    int        cap;
    int64_t    line;      /* line the record starts on */
} csv_record;

/* One sampled record: fields [first, first + n) of sample_fields. */
typedef struct sample_rec {
    int64_t line;
    size_t  first;
    int     n;
} sample_rec;

struct csv_reader {
    st_file     file;          /* owned */
    csv_options opt;           /* null_value borrowed from the caller's options */
    uint8_t    *chunk;         /* owned: CSV_CHUNK_BYTES */
    size_t      chunk_len, chunk_pos;
    bool        is_eof;        /* read() returned 0 */
    bool        skip_lf;       /* the last record ended in CR: drop one LF */
    int64_t     line;          /* see the header comment */
    csv_record  rec;           /* current record */
    st_arena   *schema_arena;  /* owned: schema, names, types */
    vec_schema  schema;
    /* sample replay */
    st_buf      sample_bytes;  /* owned: field text of every sampled record */
    csv_field  *sample_fields; /* owned, heap; off into sample_bytes */
    size_t      n_sample_fields, cap_sample_fields;
    sample_rec *sample;        /* owned, heap */
    int64_t     n_sample, cap_sample, sample_pos;
    bool        is_done;       /* the last record was returned */
};

/* ---- options ------------------------------------------------------------ */

void csv_options_init(csv_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->delimiter = ',';
    opt->quote = '"';
    opt->escape = '"';
    opt->null_value = "";
    opt->sample_rows = CSV_DEFAULT_SAMPLE;
    opt->batch_rows = CSV_DEFAULT_BATCH;
}

/* ---- chunk source --------------------------------------------------------- */

/* Next byte into *c; false at end of file. */
static st_status next_byte(csv_reader *r, int *c, st_error *err)
{
    if (r->chunk_pos == r->chunk_len) {
        if (r->is_eof) {
            *c = -1;
            return ST_OK;
        }
        ssize_t k;
        do
            k = read(r->file.fd, r->chunk, CSV_CHUNK_BYTES);
        while (k < 0 && errno == EINTR);
        if (k < 0)
            return st_error_set(err, ST_ERR_IO, "could not read file \"%s\": %s", r->file.path,
                                strerror(errno));
        r->chunk_len = (size_t)k;
        r->chunk_pos = 0;
        if (k == 0) {
            r->is_eof = true;
            *c = -1;
            return ST_OK;
        }
    }
    *c = r->chunk[r->chunk_pos++];
    return ST_OK;
}

/* ---- record parser -------------------------------------------------------- */

static st_status rec_end_field(csv_reader *r, size_t start, bool quoted, st_error *err)
{
    csv_record *rec = &r->rec;
    if (rec->n_fields >= CSV_MAX_FIELDS)
        return st_error_set(err, ST_ERR_LIMIT, "file \"%s\", line %" PRId64
                            ": more than %d fields in a record", r->file.path, rec->line,
                            CSV_MAX_FIELDS);
    if (rec->n_fields == rec->cap) {
        int cap = rec->cap ? rec->cap * 2 : 16;
        csv_field *f = st_realloc(rec->fields, (size_t)cap * sizeof *f);
        if (!f)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory reading file \"%s\"",
                                r->file.path);
        rec->fields = f;
        rec->cap = cap;
    }
    rec->fields[rec->n_fields++] = (csv_field){start, rec->bytes.len - start, quoted};
    return ST_OK;
}

static st_status rec_append(csv_reader *r, int c, st_error *err)
{
    if (r->rec.bytes.len >= CSV_MAX_RECORD)
        return st_error_set(err, ST_ERR_LIMIT, "file \"%s\", line %" PRId64
                            ": record longer than %zu bytes", r->file.path, r->rec.line,
                            CSV_MAX_RECORD);
    return st_buf_append_byte(&r->rec.bytes, (uint8_t)c, err);
}

enum { S_START, S_UNQUOTED, S_QUOTED, S_ESCAPE, S_AFTER_QUOTE };

/* Parses the next record into r->rec; *got false at end of file. Blank lines
** are skipped. This is the hot loop: one switch per byte. */
static st_status read_record(csv_reader *r, bool *got, st_error *err)
{
    csv_record *rec = &r->rec;
    const csv_options *o = &r->opt;
    for (;;) {
        st_buf_clear(&rec->bytes);
        rec->n_fields = 0;
        rec->line = r->line;
        int state = S_START, c;
        size_t start = 0;
        bool quoted = false;
        st_status rc;
        for (;;) {
            if ((rc = next_byte(r, &c, err)) != ST_OK)
                return rc;
            if (r->skip_lf) {
                r->skip_lf = false;
                if (c == '\n')
                    continue;
            }
            if (c < 0) {
                if (state == S_QUOTED || state == S_ESCAPE)
                    return st_error_set(err, ST_ERR_CORRUPT, "file \"%s\", line %" PRId64
                                        ": unterminated quoted field at end of file",
                                        r->file.path, rec->line);
                if (state == S_START && rec->n_fields == 0) {
                    *got = false;
                    return ST_OK;
                }
                break;
            }
            if (state == S_QUOTED) {
                if (c == o->quote)
                    state = S_AFTER_QUOTE;
                else if (c == o->escape && o->escape != o->quote)
                    state = S_ESCAPE;
                else {
                    if (c == '\n')
                        r->line++;
                    if ((rc = rec_append(r, c, err)) != ST_OK)
                        return rc;
                }
                continue;
            }
            if (state == S_ESCAPE) {
                if (c == '\n')
                    r->line++;
                if ((rc = rec_append(r, c, err)) != ST_OK)
                    return rc;
                state = S_QUOTED;
                continue;
            }
            if (state == S_AFTER_QUOTE && c == o->quote && o->escape == o->quote) {
                if ((rc = rec_append(r, c, err)) != ST_OK)
                    return rc;
                state = S_QUOTED;
                continue;
            }
            if (c == o->delimiter || c == '\n' || c == '\r') {
                if ((rc = rec_end_field(r, start, quoted, err)) != ST_OK)
                    return rc;
                start = rec->bytes.len;
                quoted = false;
                if (c == o->delimiter) {
                    state = S_START;
                    continue;
                }
                r->line++;
                r->skip_lf = c == '\r';
                break;
            }
            if (state == S_AFTER_QUOTE)
                return st_error_set(err, ST_ERR_CORRUPT, "file \"%s\", line %" PRId64
                                    ": unexpected character '%c' after the closing quote of "
                                    "field %d", r->file.path, r->line,
                                    c >= 32 && c < 127 ? c : '?', rec->n_fields + 1);
            if (state == S_START && c == o->quote && o->quote != '\0') {
                state = S_QUOTED;
                quoted = true;
                continue;
            }
            state = S_UNQUOTED;
            if ((rc = rec_append(r, c, err)) != ST_OK)
                return rc;
        }
        if (c < 0 && (rc = rec_end_field(r, start, quoted, err)) != ST_OK)
            return rc;
        /* a blank line: one unquoted empty field */
        if (rec->n_fields == 1 && rec->fields[0].len == 0 && !rec->fields[0].quoted) {
            if (c < 0) {
                *got = false;
                return ST_OK;
            }
            continue;
        }
        *got = true;
        return ST_OK;
    }
}

/* Text at offset off of b; "" while b has no buffer yet (only empty fields). */
static const char *text_at(const st_buf *b, size_t off)
{
    return b->data ? (const char *)b->data + off : "";
}

/* ---- sample ---------------------------------------------------------------- */

/* Copies r->rec into the sample. */
static st_status sample_push(csv_reader *r, st_error *err)
{
    csv_record *rec = &r->rec;
    if (r->n_sample == r->cap_sample) {
        int64_t cap = r->cap_sample ? r->cap_sample * 2 : 64;
        sample_rec *s = st_realloc(r->sample, (size_t)cap * sizeof *s);
        if (!s)
            goto nomem;
        r->sample = s;
        r->cap_sample = cap;
    }
    size_t need;
    if (!st_add_size(r->n_sample_fields, (size_t)rec->n_fields, &need))
        goto nomem;
    if (need > r->cap_sample_fields) {
        size_t cap = ST_MAX(need, r->cap_sample_fields * 2), bytes;
        if (!st_mul_size(cap, sizeof(csv_field), &bytes))
            goto nomem;
        csv_field *f = st_realloc(r->sample_fields, bytes);
        if (!f)
            goto nomem;
        r->sample_fields = f;
        r->cap_sample_fields = cap;
    }
    size_t base = r->sample_bytes.len;
    st_status rc = st_buf_append(&r->sample_bytes, rec->bytes.data, rec->bytes.len, err);
    if (rc != ST_OK)
        return rc;
    r->sample[r->n_sample++] = (sample_rec){rec->line, r->n_sample_fields, rec->n_fields};
    for (int i = 0; i < rec->n_fields; i++) {
        csv_field f = rec->fields[i];
        f.off += base;
        r->sample_fields[r->n_sample_fields++] = f;
    }
    return ST_OK;
nomem:
    return st_error_set(err, ST_ERR_NOMEM, "out of memory sampling file \"%s\"", r->file.path);
}

/* ---- inference ------------------------------------------------------------ */

enum {
    CAN_BOOL = 1, CAN_INT = 2, CAN_BIGINT = 4, CAN_DOUBLE = 8, CAN_DATE = 16, CAN_TS = 32,
    CAN_ALL = 63
};

static bool is_null_field(const csv_reader *r, const char *s, const csv_field *f)
{
    const char *nv = r->opt.null_value ? r->opt.null_value : "";
    return !f->quoted && f->len == strlen(nv) && memcmp(s, nv, f->len) == 0;
}

/* The candidate types value s[0..n) is compatible with. */
static int candidates(const char *s, size_t n)
{
    int m = 0;
    bool b;
    int64_t i;
    double d;
    int32_t day;
    if (fmt_parse_bool(s, n, &b))
        m |= CAN_BOOL;
    if (fmt_parse_int64(s, n, &i))
        m |= CAN_BIGINT | CAN_DOUBLE | (i >= INT32_MIN && i <= INT32_MAX ? CAN_INT : 0);
    else if (fmt_parse_double(s, n, &d))
        m |= CAN_DOUBLE;
    if (fmt_parse_date(s, n, &day))
        m |= CAN_DATE | CAN_TS;
    else if (fmt_parse_timestamp(s, n, &i, NULL))
        m |= CAN_TS;
    return m;
}

static vec_type_id type_from_mask(int m, bool any)
{
    static const struct { int bit; vec_type_id id; } order[] = {
        {CAN_BOOL, VEC_BOOL}, {CAN_INT, VEC_INT32}, {CAN_BIGINT, VEC_INT64},
        {CAN_DOUBLE, VEC_DOUBLE}, {CAN_DATE, VEC_DATE}, {CAN_TS, VEC_TIMESTAMP},
    };
    if (!any)
        return VEC_STRING;
    for (size_t k = 0; k < ST_ARRAY_LEN(order); k++)
        if (m & order[k].bit)
            return order[k].id;
    return VEC_STRING;
}

static st_status field_count_error(const csv_reader *r, int64_t line, int want, int got,
                                   st_error *err)
{
    return st_error_set(err, ST_ERR_CORRUPT, "file \"%s\", line %" PRId64
                        ": expected %d fields, found %d", r->file.path, line, want, got);
}

/* Fills r->schema from the header names and the sample. */
static st_status infer_schema(csv_reader *r, char **names, int n_cols, st_error *err)
{
    vec_field *fields = st_arena_calloc(r->schema_arena, (size_t)ST_MAX(n_cols, 1), sizeof *fields);
    int *mask = st_calloc((size_t)ST_MAX(n_cols, 1), sizeof *mask);
    bool *any = st_calloc((size_t)ST_MAX(n_cols, 1), sizeof *any);
    st_status rc = ST_OK;
    if (!fields || !mask || !any) {
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory inferring the schema of \"%s\"",
                          r->file.path);
        goto done;
    }
    for (int c = 0; c < n_cols; c++)
        mask[c] = CAN_ALL;
    for (int64_t k = 0; k < r->n_sample; k++) {
        const sample_rec *s = &r->sample[k];
        for (int c = 0; c < s->n && c < n_cols; c++) {
            const csv_field *f = &r->sample_fields[s->first + (size_t)c];
            const char *txt = text_at(&r->sample_bytes, f->off);
            if (is_null_field(r, txt, f))
                continue;
            any[c] = true;
            if (mask[c])
                mask[c] &= candidates(txt, f->len);
        }
    }
    for (int c = 0; c < n_cols; c++) {
        fields[c].name = names[c];
        fields[c].type.id = r->opt.schema ? VEC_STRING : type_from_mask(mask[c], any[c]);
        fields[c].nullable = true;
    }
    r->schema.n_fields = n_cols;
    r->schema.fields = fields;
done:
    st_free(mask);
    st_free(any);
    return rc;
}

/* Column names from the header record (or _c<i>) into the schema arena. */
static st_status make_names(csv_reader *r, bool from_header, int n_cols, char ***out,
                            st_error *err)
{
    char **names = st_arena_calloc(r->schema_arena, (size_t)ST_MAX(n_cols, 1), sizeof *names);
    if (!names)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory reading file \"%s\"", r->file.path);
    for (int c = 0; c < n_cols; c++) {
        const csv_field *f = from_header ? &r->rec.fields[c] : NULL;
        if (f && f->len > 0)
            names[c] = st_arena_strndup(r->schema_arena, (const char *)r->rec.bytes.data + f->off,
                                        f->len);
        else
            names[c] = st_arena_printf(r->schema_arena, "_c%d", c);
        if (!names[c])
            return st_error_set(err, ST_ERR_NOMEM, "out of memory reading file \"%s\"",
                                r->file.path);
    }
    *out = names;
    return ST_OK;
}

static bool type_supported(vec_type_id id)
{
    switch (id) {
    case VEC_BOOL: case VEC_INT8: case VEC_INT16: case VEC_INT32: case VEC_INT64:
    case VEC_FLOAT: case VEC_DOUBLE: case VEC_STRING: case VEC_BINARY: case VEC_DATE:
    case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ:
        return true;
    default:
        return false;
    }
}

/* Reads the header and the sample, then sets up the schema. */
static st_status read_head(csv_reader *r, st_error *err)
{
    bool got = false;
    st_status rc = read_record(r, &got, err);
    if (rc != ST_OK)
        return rc;
    int n_cols = r->opt.schema ? r->opt.schema->n_fields : got ? r->rec.n_fields : 0;
    char **names = NULL;
    if (!r->opt.schema && (rc = make_names(r, got && !r->opt.no_header, n_cols, &names, err)))
        return rc;
    if (got && r->opt.no_header && (rc = sample_push(r, err)) != ST_OK)
        return rc;
    if (got && !r->opt.no_header && r->rec.n_fields != n_cols)
        return field_count_error(r, r->rec.line, n_cols, r->rec.n_fields, err);
    while (got && r->n_sample < r->opt.sample_rows) {
        if ((rc = read_record(r, &got, err)) != ST_OK)
            return rc;
        if (!got)
            break;
        if (r->rec.n_fields != n_cols)
            return field_count_error(r, r->rec.line, n_cols, r->rec.n_fields, err);
        if ((rc = sample_push(r, err)) != ST_OK)
            return rc;
    }
    if (got && r->n_sample > 0 && r->sample[0].n != n_cols)
        return field_count_error(r, r->sample[0].line, n_cols, r->sample[0].n, err);
    if (!got)
        r->is_done = true;   /* the sample holds every record */
    if (r->opt.schema) {
        for (int c = 0; c < n_cols; c++)
            if (!type_supported(r->opt.schema->fields[c].type.id))
                return st_error_set(err, ST_ERR_UNSUPPORTED,
                                    "column \"%s\" of type %s cannot be read from CSV",
                                    r->opt.schema->fields[c].name,
                                    vec_type_id_name(r->opt.schema->fields[c].type.id));
        return vec_schema_copy(r->schema_arena, r->opt.schema, &r->schema, err);
    }
    return infer_schema(r, names, n_cols, err);
}

st_status csv_reader_open(const char *path, const csv_options *opt, csv_reader **out,
                          st_error *err)
{
    *out = NULL;
    csv_reader *r = st_calloc(1, sizeof *r);
    if (!r)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory opening file \"%s\"", path);
    r->file.fd = -1;
    csv_options_init(&r->opt);
    if (opt) {
        r->opt = *opt;
        if (!r->opt.delimiter)
            r->opt.delimiter = ',';
        if (!r->opt.escape)
            r->opt.escape = r->opt.quote;
        if (r->opt.sample_rows <= 0)
            r->opt.sample_rows = CSV_DEFAULT_SAMPLE;
        if (r->opt.batch_rows <= 0)
            r->opt.batch_rows = CSV_DEFAULT_BATCH;
    }
    st_buf_init(&r->rec.bytes);
    st_buf_init(&r->sample_bytes);
    r->line = 1;
    st_status rc;
    if (r->opt.delimiter == '\n' || r->opt.delimiter == '\r' ||
        (r->opt.quote && r->opt.delimiter == r->opt.quote)) {
        rc = st_error_set(err, ST_ERR_ARGUMENT, "invalid CSV delimiter '%c' (it is a line break "
                          "or the quote)", r->opt.delimiter >= 32 ? r->opt.delimiter : '?');
        goto fail;
    }
    if ((rc = st_file_open(path, &r->file, err)) != ST_OK)
        goto fail;
    r->chunk = st_malloc(CSV_CHUNK_BYTES);
    r->schema_arena = st_arena_new(0);
    if (!r->chunk || !r->schema_arena) {
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory opening file \"%s\"", path);
        goto fail;
    }
    int c0;
    if ((rc = next_byte(r, &c0, err)) != ST_OK)
        goto fail;
    if (c0 >= 0) {
        r->chunk_pos--;
        if (r->chunk_len - r->chunk_pos >= 3 && memcmp(r->chunk + r->chunk_pos, "\xEF\xBB\xBF", 3) == 0)
            r->chunk_pos += 3;
    }
    if ((rc = read_head(r, err)) != ST_OK)
        goto fail;
    *out = r;
    return ST_OK;
fail:
    csv_reader_close(r);
    return rc;
}

const vec_schema *csv_reader_schema(const csv_reader *r) { return &r->schema; }

void csv_reader_close(csv_reader *r)
{
    if (!r)
        return;
    if (r->file.fd >= 0)
        st_file_close(&r->file);
    st_free(r->chunk);
    st_buf_destroy(&r->rec.bytes);
    st_free(r->rec.fields);
    st_buf_destroy(&r->sample_bytes);
    st_free(r->sample_fields);
    st_free(r->sample);
    st_arena_free(r->schema_arena);
    st_free(r);
}

/* ---- batches --------------------------------------------------------------- */

static st_status value_error(const csv_reader *r, int64_t line, int c, const char *s, size_t n,
                             st_error *err)
{
    const vec_field *f = &r->schema.fields[c];
    char tname[64];
    vec_type_format(&f->type, tname, sizeof tname);
    int shown = (int)ST_MIN(n, (size_t)100);
    st_error_set(err, ST_ERR_CORRUPT, "file \"%s\", line %" PRId64 ", column \"%s\": cannot "
                 "parse \"%.*s\"%s as %s", r->file.path, line, f->name, shown, s,
                 (size_t)shown < n ? "..." : "", tname);
    return st_error_hint(err, "The type was inferred from the first %" PRId64 " rows; raise "
                         "sample_rows or give an explicit schema.", r->opt.sample_rows);
}

/* Appends one field's value to column c's builder. */
static st_status append_value(const csv_reader *r, vec_builder *b, int c, const char *s,
                              const csv_field *f, int64_t line, st_error *err)
{
    if (is_null_field(r, s, f))
        return vec_builder_append_null(b, err);
    size_t n = f->len;
    bool bv;
    int64_t iv;
    int32_t dv;
    double fv;
    st_status rc;
    switch (r->schema.fields[c].type.id) {
    case VEC_STRING: case VEC_BINARY:
        return vec_builder_append_bytes(b, s, n, err);
    case VEC_BOOL:
        return fmt_parse_bool(s, n, &bv) ? vec_builder_append_bool(b, bv, err)
                                         : value_error(r, line, c, s, n, err);
    case VEC_INT8: case VEC_INT16: case VEC_INT32: case VEC_INT64:
        if (!fmt_parse_int64(s, n, &iv))
            return value_error(r, line, c, s, n, err);
        rc = vec_builder_append_i64(b, iv, err);
        return rc == ST_ERR_ARGUMENT ? value_error(r, line, c, s, n, err) : rc;
    case VEC_FLOAT: case VEC_DOUBLE:
        return fmt_parse_double(s, n, &fv) ? vec_builder_append_f64(b, fv, err)
                                           : value_error(r, line, c, s, n, err);
    case VEC_DATE:
        return fmt_parse_date(s, n, &dv) ? vec_builder_append_i64(b, dv, err)
                                         : value_error(r, line, c, s, n, err);
    case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ:
        if (fmt_parse_timestamp(s, n, &iv, NULL))
            return vec_builder_append_i64(b, iv, err);
        if (fmt_parse_date(s, n, &dv))
            return vec_builder_append_i64(b, (int64_t)dv * 86400000000LL, err);
        return value_error(r, line, c, s, n, err);
    default:
        return st_error_set(err, ST_ERR_INTERNAL, "unsupported CSV column type");
    }
}

static st_status append_row(const csv_reader *r, vec_builder **bs, const st_buf *bytes,
                            const csv_field *fields, int n, int64_t line, st_error *err)
{
    if (n != r->schema.n_fields)
        return field_count_error(r, line, r->schema.n_fields, n, err);
    for (int c = 0; c < n; c++) {
        st_status rc = append_value(r, bs[c], c, text_at(bytes, fields[c].off), &fields[c],
                                    line, err);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

/* Fills the builders with up to batch_rows rows; *n_rows the count. */
static st_status fill(csv_reader *r, vec_builder **bs, int64_t *n_rows, st_error *err)
{
    int64_t n = 0;
    st_status rc = ST_OK;
    while (rc == ST_OK && n < r->opt.batch_rows) {
        if (r->sample_pos < r->n_sample) {
            const sample_rec *s = &r->sample[r->sample_pos++];
            rc = append_row(r, bs, &r->sample_bytes, r->sample_fields + s->first, s->n,
                            s->line, err);
        } else if (r->is_done) {
            break;
        } else {
            if (r->sample_pos == r->n_sample && r->n_sample > 0) {
                /* OPT: results identical if removed -- drop the replayed sample */
                st_buf_destroy(&r->sample_bytes);
                r->sample_pos = r->n_sample = r->n_sample_fields = 0;
            }
            bool got = false;
            if ((rc = read_record(r, &got, err)) != ST_OK)
                break;
            if (!got) {
                r->is_done = true;
                break;
            }
            rc = append_row(r, bs, &r->rec.bytes, r->rec.fields, r->rec.n_fields,
                            r->rec.line, err);
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

st_status csv_reader_next(csv_reader *r, vec_batch **out, st_error *err)
{
    *out = NULL;
    if (r->is_done && r->sample_pos >= r->n_sample)
        return ST_OK;
    return fmt_build_batch(&r->schema, r->file.path, fill_any, r, out, err);
}
