/* delta_scan.c -- read a Delta snapshot's rows: batches of the table's
** logical columns over its live files, in snapshot (path) order, or over a
** chosen subset of them (the executor's parallel scan hands each thread one
** file at a time through delta_scan_options.files).
**
** Per file: open it with pq_file_open and map each requested logical column
** to a top-level Parquet field -- by name (no column mapping), by
** delta.columnMapping.physicalName (mode name) or by Parquet field_id ==
** delta.columnMapping.id (mode id, falling back to the physical name).
** Nested struct fields are matched the same way, recursively, and the output
** vectors carry the logical types (so logical names). Partition columns are
** not read from the file: each becomes a constant vector parsed from
** add.partitionValues. Columns an older file lacks (schema evolution) are
** all null; narrower file types are widened (vec_cast_widen). Rows named by
** the file's deletion vector are dropped: a row's index within its file is
** the running count over the file's batches.
**
** Row ids (delta_scan_options.row_ids): two non-null BIGINT columns follow
** the projected ones -- _file_index (the file's index in s->files) and
** _row_index (the row's position in its file, counted before the deletion
** vector drops rows, so it is the number a deletion vector would hold). With
** no projected column no reader is opened: rows are counted off the footer.
**
** Zone-less partition timestamps ("2021-09-08 11:11:11") are taken as UTC, as
** delta-kernel-rs does; Spark reads them in its session time zone, so tables
** written from a non-UTC session differ by that offset in such columns.
**
** Memory: the scan owns a schema arena (output schema) and, per open file, a
** file arena (path, partition scalars, deletion vector rows). Each output
** batch is the Parquet reader's batch with its columns replaced: the new
** vectors live in that batch's arena and share its buffers. */
#include "delta_scan_int.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>

#include "../format/parquet/pq.h"

#define SCAN_DEFAULT_BATCH_ROWS 2048

/* COL_FILE_INDEX / COL_ROW_INDEX are the row id columns (row_ids): fixed for
** the scan; the other kinds are decided per file. */
typedef enum col_kind {
    COL_DATA, COL_PARTITION, COL_MISSING, COL_FILE_INDEX, COL_ROW_INDEX
} col_kind;

typedef struct scan_col {
    int        field;          /* index into meta.schema.fields */
    int        partition;      /* index into meta.partition_cols, -1 if not one */
    col_kind   kind;           /* for the current file */
    int        reader_pos;     /* COL_DATA: column of the reader's batch */
    vec_scalar value;          /* COL_PARTITION: this file's value */
} scan_col;

struct delta_scan {
    const delta_snapshot *s;   /* borrowed: must outlive the scan */
    st_arena   *arena;         /* owned: schema, cols */
    vec_schema  schema;        /* output (logical) schema */
    scan_col   *cols;          /* one per output column */
    int64_t     batch_rows;
    const size_t *files;       /* borrowed: indices into s->files to read, or NULL = all */
    size_t      n_files;       /* files to read (s->n_files when files is NULL) */
    size_t      next_file;     /* position in that sequence of the next file to open */
    bool        one_rg;        /* read only row group `rg` of each file */
    int         rg;            /* with one_rg: the row group's index */
    int         n_proj;        /* projected table columns (the row id columns follow) */
    /* current file */
    st_arena   *file_arena;    /* owned; NULL between files */
    pq_file    *file;          /* owned */
    pq_reader  *reader;        /* owned; NULL when no column is read from the file */
    const char *file_path;     /* file_arena */
    int64_t     file_rows;     /* file position after the last row to read */
    int64_t     row_pos;       /* file position of the next row */
    uint64_t   *deleted;       /* file_arena; sorted row indices */
    int64_t     n_deleted;
    int64_t     del_pos;       /* first deleted entry >= row_pos */
    int        *read_fields;   /* file_arena; top-level fields asked of the reader */
    size_t      file_index;    /* index of the open file in s->files (_file_index) */
};

/* ---- partition values ------------------------------------------------------ */

/* Parses an optionally signed decimal number with optional fraction and
** exponent into the unscaled value at `scale`; false on junk or overflow. */
static bool parse_decimal(const char *s, int scale, __int128 *out)
{
    bool neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    __int128 v = 0;
    int frac = 0, digits = 0;
    bool seen_dot = false;
    const __int128 limit = (__int128)1 << 124;
    for (; *s; s++) {
        if (*s == '.' && !seen_dot) {
            seen_dot = true;
            continue;
        }
        if (*s < '0' || *s > '9')
            break;
        if (v > limit)
            return false;
        v = v * 10 + (*s - '0');
        frac += seen_dot;
        digits++;
    }
    if (digits == 0)
        return false;
    if (*s == 'e' || *s == 'E') {
        char *end;
        long e = strtol(s + 1, &end, 10);
        if (*end || e > 76 || e < -76)
            return false;
        frac -= (int)e;
        s = end;
    }
    if (*s)
        return false;
    for (; frac < scale; frac++) {
        if (v > limit)
            return false;
        v *= 10;
    }
    for (; frac > scale; frac--) {
        if (v % 10 != 0)
            return false;              /* would lose digits */
        v /= 10;
    }
    *out = neg ? -v : v;
    return true;
}

/* Reads exactly n digits at *p into *out. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool parse_date(const char **p, int64_t *days)
{
    int y, m, d;
    if (!digits(p, 4, &y) || **p != '-' || (++*p, !digits(p, 2, &m)) || **p != '-' ||
        (++*p, !digits(p, 2, &d)) || m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    *days = st_days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

/* "+HH:MM", "-HHMM", "Z" or "" at p: the offset in seconds east of UTC. */
static bool parse_zone(const char *p, int64_t *secs)
{
    *secs = 0;
    if (*p == '\0' || strcmp(p, "Z") == 0 || strcmp(p, "z") == 0)
        return true;
    if (*p != '+' && *p != '-')
        return false;
    int sign = *p++ == '-' ? -1 : 1, hh, mm = 0;
    if (!digits(&p, 2, &hh))
        return false;
    if (*p == ':')
        p++;
    if (*p && !digits(&p, 2, &mm))
        return false;
    if (*p || hh > 23 || mm > 59)
        return false;
    *secs = sign * (hh * 3600 + mm * 60);
    return true;
}

bool delta_parse_timestamp(const char *s, int64_t *out_micros)
{
    const char *p = s;
    int64_t days;
    if (!parse_date(&p, &days))
        return false;
    int64_t micros = 0;
    if (*p == ' ' || *p == 'T') {
        p++;
        int hh, mi, ss = 0;
        if (!digits(&p, 2, &hh) || *p++ != ':' || !digits(&p, 2, &mi))
            return false;
        if (*p == ':' && (p++, !digits(&p, 2, &ss)))
            return false;
        if (hh > 23 || mi > 59 || ss > 60)
            return false;
        int64_t frac = 0;
        if (*p == '.') {
            p++;
            int n = 0;
            for (; *p >= '0' && *p <= '9'; p++, n++)
                if (n < 6)
                    frac = frac * 10 + (*p - '0');
            if (n == 0)
                return false;
            for (; n < 6; n++)
                frac *= 10;
        }
        micros = ((int64_t)hh * 3600 + mi * 60 + ss) * 1000000 + frac;
    }
    int64_t zone;
    if (!parse_zone(p, &zone))
        return false;
    *out_micros = days * INT64_C(86400000000) + micros - zone * 1000000;
    return true;
}

/* Binary partition values are strings whose code points are the bytes
** ("\u0001\u0002"): decode UTF-8 code points below 256 into bytes. */
static bool decode_binary(const char *s, st_arena *a, vec_scalar *out)
{
    size_t n = strlen(s);
    uint8_t *b = st_arena_alloc(a, n + 1);
    if (!b)
        return false;
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        if (*p < 0x80) {
            b[k++] = *p++;
        } else if ((*p & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
            unsigned cp = ((unsigned)(*p & 0x1f) << 6) | (p[1] & 0x3f);
            if (cp > 0xff)
                return false;
            b[k++] = (uint8_t)cp;
            p += 2;
        } else {
            return false;
        }
    }
    out->bytes = b;
    out->n_bytes = (int64_t)k;
    return true;
}

static bool parse_int_range(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* Parses s as a value of scalar type t; false on bad text. */
static bool parse_value(const vec_type *t, const char *s, st_arena *a, vec_scalar *out)
{
    const char *p = s;
    char *end;
    switch (t->id) {
    case VEC_BOOL:
        if (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0) {
            out->i64 = strcasecmp(s, "true") == 0;
            return true;
        }
        return false;
    case VEC_INT8:  return parse_int_range(s, INT8_MIN, INT8_MAX, &out->i64);
    case VEC_INT16: return parse_int_range(s, INT16_MIN, INT16_MAX, &out->i64);
    case VEC_INT32: return parse_int_range(s, INT32_MIN, INT32_MAX, &out->i64);
    case VEC_INT64: return parse_int_range(s, INT64_MIN, INT64_MAX, &out->i64);
    case VEC_FLOAT:
    case VEC_DOUBLE:
        out->f64 = strtod(s, &end);
        return end != s && *end == '\0';
    case VEC_DECIMAL:
        return parse_decimal(s, t->scale, &out->i128) &&
               out->i128 < ((__int128)1 << 126) && out->i128 > -((__int128)1 << 126);
    case VEC_DATE:
        return parse_date(&p, &out->i64) && *p == '\0';
    case VEC_TIMESTAMP:
    case VEC_TIMESTAMP_NTZ:
        return delta_parse_timestamp(s, &out->i64);
    case VEC_STRING:
        out->bytes = (const uint8_t *)s;
        out->n_bytes = (int64_t)strlen(s);
        return true;
    case VEC_BINARY:
        return decode_binary(s, a, out);
    default:
        return false;
    }
}

st_status delta_partition_value_parse(const vec_type *t, const char *s, st_arena *a,
                                      vec_scalar *out, st_error *err)
{
    memset(out, 0, sizeof *out);
    if (!s || !*s) {
        out->is_null = true;
        return ST_OK;
    }
    if (parse_value(t, s, a, out))
        return ST_OK;
    char tb[64];
    vec_type_format(t, tb, sizeof tb);
    return st_error_set(err, ST_ERR_CORRUPT, "partition value \"%s\" is not a valid %s", s, tb);
}

/* ---- column matching --------------------------------------------------------- */

/* The name a field is stored under in data files. */
static const char *stored_name(const vec_field *lf, const delta_field_info *info, int mode)
{
    if (mode != 0 && info && info->physical_name)
        return info->physical_name;
    return lf->name;
}

/* Index of the field named `name` among n fields: exact match first, then
** case-insensitive (Spark resolves column names case-insensitively). */
static int find_field(const vec_field *fields, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (fields[i].name && strcmp(fields[i].name, name) == 0)
            return i;
    for (int i = 0; i < n; i++)
        if (fields[i].name && strcasecmp(fields[i].name, name) == 0)
            return i;
    return -1;
}

/* Top-level field of the file carrying Parquet field_id `id`, or -1. */
static int find_field_id(const pq_file *f, int64_t id)
{
    const pq_file_meta *m = pq_file_metadata(f);
    if (m->n_schema < 1)
        return -1;
    int k = 1, top = 0;
    for (; top < m->schema[0].num_children && k < m->n_schema; top++) {
        if (m->schema[k].has_field_id && m->schema[k].field_id == id)
            return top;
        int pending = 1;               /* skip the subtree of element k */
        while (pending > 0 && k < m->n_schema) {
            pending += m->schema[k].num_children > 0 ? m->schema[k].num_children : 0;
            pending--;
            k++;
        }
    }
    return -1;
}

static int match_top_field(const pq_file *f, const vec_field *lf, const delta_field_info *info,
                           int mode)
{
    const vec_schema *fs = pq_file_schema(f);
    if (mode == 2 && info && info->field_id >= 0) {
        int k = find_field_id(f, info->field_id);
        if (k >= 0)
            return k;
    }
    return find_field(fs->fields, fs->n_fields, stored_name(lf, info, mode));
}

static const delta_field_info *child_info(const delta_field_info *info, int i)
{
    return info && i < info->n_children ? &info->children[i] : NULL;
}

static st_status conform(st_arena *a, const vec *v, const vec_type *lt,
                         const delta_field_info *info, int mode, vec **out, st_error *err);

/* STRUCT: logical children matched to the file's by stored name. */
static st_status conform_struct(st_arena *a, const vec *v, const vec_type *lt,
                                const delta_field_info *info, int mode, vec **out, st_error *err)
{
    vec *r = st_arena_calloc(a, 1, sizeof *r);
    vec **kids = st_arena_calloc(a, (size_t)(lt->n_children ? lt->n_children : 1), sizeof(vec *));
    if (!r || !kids)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory scanning a delta table");
    *r = *v;
    r->type = lt;
    r->children = kids;
    for (int i = 0; i < lt->n_children; i++) {
        const vec_field *lf = &lt->children[i];
        const delta_field_info *ci = child_info(info, i);
        int k = find_field(v->type->children, v->type->n_children, stored_name(lf, ci, mode));
        st_status rc = k < 0 ? vec_constant(a, &lf->type, NULL, v->len, &kids[i], err)
                             : conform(a, v->children[k], &lf->type, ci, mode, &kids[i], err);
        if (rc != ST_OK)
            return st_error_context(err, "field \"%s\"", lf->name);
    }
    *out = r;
    return ST_OK;
}

/* LIST / MAP: the element (or key/value entries) conformed in place. */
static st_status conform_list(st_arena *a, const vec *v, const vec_type *lt,
                              const delta_field_info *info, int mode, vec **out, st_error *err)
{
    vec *r = st_arena_calloc(a, 1, sizeof *r);
    vec **kids = st_arena_calloc(a, 1, sizeof(vec *));
    if (!r || !kids)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory scanning a delta table");
    *r = *v;
    r->type = lt;
    r->children = kids;
    const vec *ev = v->children[0];
    const vec_type *et = &lt->children[0].type;
    st_status rc;
    if (lt->id == VEC_LIST) {
        rc = conform(a, ev, et, child_info(info, 0), mode, &kids[0], err);
    } else {                           /* MAP entries: key, value by position */
        vec *e = st_arena_calloc(a, 1, sizeof *e);
        vec **kv = st_arena_calloc(a, 2, sizeof(vec *));
        if (!e || !kv || ev->type->n_children != 2 || et->n_children != 2)
            return st_error_set(err, ST_ERR_CORRUPT, "map column has no key/value entries");
        *e = *ev;
        e->type = et;
        e->children = kv;
        rc = conform(a, ev->children[0], &et->children[0].type, child_info(info, 0), mode,
                     &kv[0], err);
        if (rc == ST_OK)
            rc = conform(a, ev->children[1], &et->children[1].type, child_info(info, 1), mode,
                         &kv[1], err);
        kids[0] = e;
    }
    *out = r;
    return rc;
}

static bool same_layout(vec_type_id a, vec_type_id b)
{
    bool ts_a = a == VEC_TIMESTAMP || a == VEC_TIMESTAMP_NTZ || a == VEC_INT64;
    bool ts_b = b == VEC_TIMESTAMP || b == VEC_TIMESTAMP_NTZ || b == VEC_INT64;
    return (ts_a && ts_b) || (vec_type_is_varlen(a) && vec_type_is_varlen(b));
}

/* The file vector v presented as logical type lt (renamed, reordered, widened). */
static st_status conform(st_arena *a, const vec *v, const vec_type *lt,
                         const delta_field_info *info, int mode, vec **out, st_error *err)
{
    vec_type_id fid = v->type->id;
    if (lt->id == VEC_STRUCT && fid == VEC_STRUCT)
        return conform_struct(a, v, lt, info, mode, out, err);
    if ((lt->id == VEC_LIST || lt->id == VEC_MAP) && fid == lt->id)
        return conform_list(a, v, lt, info, mode, out, err);
    if (fid != lt->id && same_layout(fid, lt->id)) {
        vec *r = st_arena_calloc(a, 1, sizeof *r);
        if (!r)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory scanning a delta table");
        *r = *v;
        r->type = lt;
        *out = r;
        return ST_OK;
    }
    return vec_cast_widen(a, v, lt, out, err);
}

/* ---- files ------------------------------------------------------------------ */

static void close_file(delta_scan *sc)
{
    pq_reader_close(sc->reader);
    pq_file_close(sc->file);
    st_arena_free(sc->file_arena);
    sc->reader = NULL;
    sc->file = NULL;
    sc->file_arena = NULL;
}

/* Decides, per output column, where this file's values come from, and opens
** a reader over the data columns it needs. */
static st_status map_columns(delta_scan *sc, const delta_file *df, st_error *err)
{
    const delta_metadata *m = &sc->s->meta;
    int n_read = 0;
    sc->read_fields = st_arena_calloc(sc->file_arena, (size_t)sc->schema.n_fields + 1, sizeof(int));
    if (!sc->read_fields)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory scanning a delta table");
    for (int j = 0; j < sc->n_proj; j++) {
        scan_col *c = &sc->cols[j];
        const vec_field *lf = &m->schema.fields[c->field];
        if (c->partition >= 0) {
            c->kind = COL_PARTITION;
            st_status rc = delta_partition_value_parse(
                &lf->type, df->partition_values ? df->partition_values[c->partition] : NULL,
                sc->file_arena, &c->value, err);
            if (rc != ST_OK)
                return st_error_context(err, "partition column \"%s\"", lf->name);
            continue;
        }
        int k = match_top_field(sc->file, lf, m->field_info ? &m->field_info[c->field] : NULL,
                                m->column_mapping);
        c->kind = k < 0 ? COL_MISSING : COL_DATA;
        if (k < 0)
            continue;
        int pos = 0;
        while (pos < n_read && sc->read_fields[pos] != k)
            pos++;
        if (pos == n_read)
            sc->read_fields[n_read++] = k;
        c->reader_pos = pos;
    }
    if (n_read == 0)
        return ST_OK;
    pq_read_options ro;
    memset(&ro, 0, sizeof ro);
    ro.columns = sc->read_fields;
    ro.n_columns = n_read;
    ro.batch_rows = sc->batch_rows;
    if (sc->one_rg) {
        ro.row_groups = &sc->rg;
        ro.n_row_groups = 1;
    }
    return pq_reader_open(sc->file, &ro, &sc->reader, err);
}

static st_status open_file(delta_scan *sc, const delta_file *df, st_error *err)
{
    sc->file_arena = st_arena_new(0);
    if (!sc->file_arena)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory scanning a delta table");
    sc->file_path = delta_resolve_path(sc->s->table, df->path, sc->file_arena);
    if (!sc->file_path)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory scanning a delta table");
    sc->row_pos = 0;
    sc->n_deleted = sc->del_pos = 0;
    sc->deleted = NULL;
    st_status rc = pq_file_open(sc->file_path, &sc->file, err);
    if (rc != ST_OK)
        return rc;
    sc->file_rows = pq_file_num_rows(sc->file);
    if (sc->one_rg) {                  /* rows before the group keep their positions */
        const pq_file_meta *fm = pq_file_metadata(sc->file);
        if (sc->rg < 0 || sc->rg >= fm->n_row_groups)
            return st_error_set(err, ST_ERR_ARGUMENT, "row group %d is out of range (0..%d)",
                                sc->rg, fm->n_row_groups - 1);
        for (int g = 0; g < sc->rg; g++)
            sc->row_pos += fm->row_groups[g].num_rows;
        sc->file_rows = sc->row_pos + fm->row_groups[sc->rg].num_rows;
    }
    if (df->has_dv) {
        rc = delta_dv_load(sc->s->table, &df->dv, sc->file_arena, &sc->deleted, &sc->n_deleted,
                           err);
        if (rc != ST_OK)
            return rc;
    }
    return map_columns(sc, df, err);
}

/* The next batch of the open file's rows, or *out NULL at its end. With no
** data column to read, rows are counted off the footer. */
static st_status next_raw(delta_scan *sc, vec_batch **out, st_error *err)
{
    *out = NULL;
    if (sc->reader)
        return pq_reader_next(sc->reader, out, err);
    int64_t n = ST_MIN(sc->batch_rows, sc->file_rows - sc->row_pos);
    if (n <= 0)
        return ST_OK;
    vec_batch *b = vec_batch_new(&sc->schema, sc->schema.n_fields, 0);
    if (!b)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory scanning a delta table");
    b->n_rows = n;
    *out = b;
    return ST_OK;
}

/* The _file_index or _row_index column of batch b (file rows row_pos..). */
static st_status row_id_column(const delta_scan *sc, vec_batch *b, col_kind kind, vec **out,
                               st_error *err)
{
    static const vec_type i64 = { .id = VEC_INT64 };
    vec *v = vec_new(b->arena, &i64, b->n_rows);
    if (!v)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory scanning a delta table");
    int64_t *x = v->values;
    for (int64_t i = 0; i < b->n_rows; i++)
        x[i] = kind == COL_FILE_INDEX ? (int64_t)sc->file_index : sc->row_pos + i;
    *out = v;
    return ST_OK;
}

/* Turns the reader's batch b into an output batch in place. */
static st_status build_output(delta_scan *sc, vec_batch *b, st_error *err)
{
    const delta_metadata *m = &sc->s->meta;
    int n = sc->schema.n_fields;
    vec **cols = st_arena_calloc(b->arena, (size_t)(n ? n : 1), sizeof(vec *));
    if (!cols)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory scanning a delta table");
    for (int j = 0; j < n; j++) {
        const scan_col *c = &sc->cols[j];
        const vec_type *lt = &sc->schema.fields[j].type;
        st_status rc;
        if (c->kind == COL_FILE_INDEX || c->kind == COL_ROW_INDEX)
            rc = row_id_column(sc, b, c->kind, &cols[j], err);
        else if (c->kind == COL_DATA)
            rc = conform(b->arena, b->cols[c->reader_pos], lt,
                         m->field_info ? &m->field_info[c->field] : NULL, m->column_mapping,
                         &cols[j], err);
        else
            rc = vec_constant(b->arena, lt, c->kind == COL_PARTITION ? &c->value : NULL,
                              b->n_rows, &cols[j], err);
        if (rc != ST_OK)
            return st_error_context(err, "column \"%s\"", sc->schema.fields[j].name);
    }
    b->schema = &sc->schema;
    b->n_cols = n;
    b->cols = cols;
    return ST_OK;
}

/* Drops the rows of b (file rows row_pos..row_pos+n) the deletion vector names. */
static st_status apply_dv(delta_scan *sc, vec_batch *b, st_error *err)
{
    int64_t lo = sc->row_pos, hi = sc->row_pos + b->n_rows;
    while (sc->del_pos < sc->n_deleted && (int64_t)sc->deleted[sc->del_pos] < lo)
        sc->del_pos++;
    if (sc->del_pos >= sc->n_deleted || (int64_t)sc->deleted[sc->del_pos] >= hi)
        return ST_OK;                  /* OPT: results identical if removed */
    uint8_t *keep = st_arena_alloc(b->arena, (size_t)b->n_rows + 1);
    if (!keep)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory scanning a delta table");
    memset(keep, 1, (size_t)b->n_rows);
    for (; sc->del_pos < sc->n_deleted && (int64_t)sc->deleted[sc->del_pos] < hi; sc->del_pos++)
        keep[sc->deleted[sc->del_pos] - (uint64_t)lo] = 0;
    return vec_filter_batch(b, keep, err);
}

st_status delta_scan_next(delta_scan *sc, vec_batch **out, st_error *err)
{
    *out = NULL;
    for (;;) {
        if (!sc->file_arena) {
            if (sc->next_file >= sc->n_files)
                return ST_OK;
            size_t fi = sc->files ? sc->files[sc->next_file] : sc->next_file;
            sc->next_file++;
            const delta_file *df = &sc->s->files[fi];
            sc->file_index = fi;
            st_status rc = open_file(sc, df, err);
            if (rc != ST_OK) {
                st_error_context(err, "reading data file \"%s\" of delta table \"%s\"", df->path,
                                 sc->s->table);
                close_file(sc);
                return err->code;
            }
        }
        vec_batch *b = NULL;
        st_status rc = next_raw(sc, &b, err);
        if (rc == ST_OK && !b) {
            close_file(sc);
            continue;
        }
        int64_t n = b ? b->n_rows : 0;
        if (rc == ST_OK)
            rc = build_output(sc, b, err);
        if (rc == ST_OK)
            rc = apply_dv(sc, b, err);
        sc->row_pos += n;
        if (rc != ST_OK) {
            vec_batch_free(b);
            return st_error_context(err, "reading data file \"%s\"", sc->file_path);
        }
        if (b->n_rows == 0) {
            vec_batch_free(b);
            continue;
        }
        *out = b;
        return ST_OK;
    }
}

/* ---- open / close ----------------------------------------------------------- */

static int partition_index(const delta_metadata *m, int field)
{
    for (int k = 0; k < m->n_partition_cols; k++)
        if (m->partition_field && m->partition_field[k] == field)
            return k;
    return -1;
}

st_status delta_scan_open(const delta_snapshot *s, const delta_scan_options *opt,
                          delta_scan **out, st_error *err)
{
    *out = NULL;
    const delta_metadata *m = &s->meta;
    int n = opt && opt->columns ? opt->n_columns : m->schema.n_fields;
    delta_scan *sc = st_calloc(1, sizeof *sc);
    st_arena *a = st_arena_new(0);
    if (!sc || !a) {
        st_free(sc);
        st_arena_free(a);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory opening a delta scan");
    }
    sc->s = s;
    sc->arena = a;
    sc->batch_rows = opt && opt->batch_rows > 0 ? opt->batch_rows : SCAN_DEFAULT_BATCH_ROWS;
    sc->files = opt ? opt->files : NULL;
    sc->one_rg = opt && opt->one_row_group;
    sc->rg = opt ? opt->row_group : 0;
    sc->n_files = sc->files ? opt->n_files : s->n_files;
    for (size_t i = 0; sc->files && i < sc->n_files; i++)
        if (sc->files[i] >= s->n_files) {
            size_t bad = sc->files[i];
            delta_scan_close(sc);
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "file index %zu is outside the snapshot's %zu live files", bad,
                                s->n_files);
        }
    bool row_ids = opt && opt->row_ids;
    int n_out = n + (row_ids ? 2 : 0);
    sc->n_proj = n;
    sc->schema.n_fields = n_out;
    sc->schema.fields = st_arena_calloc(a, (size_t)n_out + 1, sizeof(vec_field));
    sc->cols = st_arena_calloc(a, (size_t)n_out + 1, sizeof(scan_col));
    if (!sc->schema.fields || !sc->cols) {
        delta_scan_close(sc);
        return st_error_set(err, ST_ERR_NOMEM, "out of memory opening a delta scan");
    }
    for (int j = 0; j < n; j++) {
        int f = opt && opt->columns ? opt->columns[j] : j;
        if (f < 0 || f >= m->schema.n_fields) {
            delta_scan_close(sc);
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "column index %d is outside the table's %d columns", f,
                                m->schema.n_fields);
        }
        sc->schema.fields[j] = m->schema.fields[f];
        sc->cols[j].field = f;
        sc->cols[j].partition = partition_index(m, f);
    }
    static const char *const id_names[2] = { "_file_index", "_row_index" };
    for (int j = n; j < n_out; j++) {
        sc->schema.fields[j] = (vec_field){ .name = id_names[j - n],
                                            .type = { .id = VEC_INT64 }, .nullable = false };
        sc->cols[j] = (scan_col){ .field = -1, .partition = -1,
                                  .kind = j == n ? COL_FILE_INDEX : COL_ROW_INDEX };
    }
    *out = sc;
    return ST_OK;
}

const vec_schema *delta_scan_schema(const delta_scan *sc)
{
    return &sc->schema;
}

void delta_scan_close(delta_scan *sc)
{
    if (!sc)
        return;
    close_file(sc);
    st_arena_free(sc->arena);
    st_free(sc);
}

int64_t delta_file_num_records(const delta_file *f)
{
    if (!f->stats)
        return -1;
    json_t *o = json_loads(f->stats, 0, NULL);
    json_t *nr = json_object_get(o, "numRecords");
    int64_t n = json_is_integer(nr) && json_integer_value(nr) >= 0 ? json_integer_value(nr) : -1;
    json_decref(o);
    return n;
}
