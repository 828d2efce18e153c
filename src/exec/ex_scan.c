/* ex_scan.c -- the scan source: reads an LP_SCAN's Delta table, Parquet
** files, CSV or NDJSON files as chunks of the scan's output columns.
**
** source_init (single-threaded) prunes and cuts the source into morsels:
**   Parquet  every file is opened once (pq_file is read-only after open and
**            maps the file, so all threads share it; globs of more than
**            PQ_KEEP_OPEN_FILES files are reopened per thread instead); its
**            row groups are pruned by the filter hints translated to
**            pq_stat_filter, and each kept (file, row group) is a morsel.
**   Delta    each live file is checked against the hints by its partition
**            values and its min/max/nullCount stats; each kept file is a
**            morsel, read through delta_scan (column mapping, partition
**            values, deletion vectors, type widening) restricted to it.
**            When few files remain (under DELTA_SPLIT_PER_THREAD per
**            thread) their footers are read and each kept row group is a
**            morsel instead, for balance, pruned by its Parquet stats.
**   CSV/JSON each file is a morsel.
** Threads then take morsels through one atomic counter, so fast threads take
** more. Hints are optional: a filter the scan does not understand is
** ignored, and the FILTER above the scan applies every condition exactly.
** ex_scan_add_range adds `col >= min AND col <= max` hints from a join's
** build side before source_init.
**
** Output: out->cols point into the reader's batch, which the thread's local
** state keeps until its next source_next call (no copy). A column whose file
** type differs from the output type is widened (vec_cast_widen); a Parquet
** column a file lacks (multi-file globs with differing schemas, matched by
** name) is all NULL. A scan of zero columns (count(*)) still yields chunks
** with the right row counts; Parquet takes them from the footer, Delta
** from a file's stats (numRecords) when no deletion vector applies.
**
** Invariants: the state is immutable once source_init returned, except the
** morsel counter and the op's counters (atomics). The plan (node, source,
** snapshot) outlives the query. */
#include "exec.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>

#include "../format/parquet/pq.h"

/* Delta files are split into row-group morsels while fewer than this many
** files per thread survive pruning (past that, files balance well enough and
** reading every footer up front would cost more than it saves). */
#define DELTA_SPLIT_PER_THREAD 8

/* Parquet files stay open from source_init to the end (one pq_file shared
** by all threads) when the source has at most this many; larger globs close
** each file after pruning and threads reopen them, keeping the last one
** (consecutive morsels are mostly of one file), so open descriptors stay
** bounded by the thread count. */
#define PQ_KEEP_OPEN_FILES 64

/* Value classes in which a hint's constant and a column's statistics can be
** compared: equal classes (and, for decimals, equal scales) only. */
typedef enum scan_kind {
    SK_NONE,   /* not comparable: the hint is ignored */
    SK_INT,    /* int8..int64: vec_scalar.i64 */
    SK_DATE,   /* i64 days */
    SK_TS,     /* i64 micros, UTC instant */
    SK_TS_NTZ, /* i64 micros, wall clock */
    SK_FLOAT,  /* float/double: f64 */
    SK_DEC,    /* i128 unscaled */
    SK_BYTES   /* string: bytes, byte order */
} scan_kind;

/* One pruning condition over an output column. */
typedef struct scan_pred {
    int        col;              /* output column */
    pq_cmp_op  op;
    scan_kind  kind;             /* class of value */
    int        scale;            /* SK_DEC: the value's scale */
    vec_scalar value;            /* bytes in q->arena; unused for IS_NULL/NOT_NULL */
} scan_pred;

typedef struct scan_morsel {
    int     file;                /* index into scan_state.files */
    int     rg;                  /* the row group; -1: the whole file */
    int64_t bytes;               /* DELTA row group: its compressed bytes */
} scan_morsel;

typedef struct scan_file {
    const char *path;            /* q->arena (Delta: resolved data file path) */
    size_t      delta_index;     /* DELTA: index into the snapshot's files */
    int64_t     stats_rows;      /* DELTA count-only scan: rows per the file's stats
                                 ** (no deletion vector), -1: read the file */
    pq_file    *pq;              /* PARQUET: owned, shared read-only by all threads;
                                 ** NULL past PQ_KEEP_OPEN_FILES (threads reopen) */
    int        *read;            /* PARQUET: distinct top-level fields read (q->arena) */
    int         n_read;
    int        *pos;             /* PARQUET: per output column, its position among
                                 ** read, -1 when the file lacks it (q->arena) */
} scan_file;

typedef struct scan_state {
    const lp_node *node;         /* borrowed: the plan outlives the query */
    const lp_source *src;        /* borrowed: node->source */
    int          n_cols;         /* output columns read from the data (and partition
                                 ** values); row-id columns come after them */
    int          rid[2];         /* row-id outputs after the n_cols data ones: which id
                                 ** each is (0 _file_index, 1 _row_index) */
    int          n_rid;          /* 0..2 row-id output columns (Delta DML scans) */
    const int   *fields;         /* source field of each output column (node->scan_fields,
                                 ** or the identity in q->arena); never NULL */
    int64_t      batch_rows;
    scan_pred   *preds;          /* q->arena: filter hints, then dynamic ranges */
    int          n_preds, cap_preds;
    int          n_dynamic;      /* ex_scan_add_range calls that added a hint */
    scan_file   *files;          /* q->arena */
    int          n_files;
    scan_morsel *morsels;        /* q->arena */
    int          n_morsels;
    atomic_int   next;           /* next morsel to hand out; relaxed order suffices:
                                 ** morsels are written before the workers start */
    bool         inited;
    int64_t      files_kept, files_pruned, groups_kept, groups_pruned; /* pruning, EXPLAIN */
} scan_state;

typedef struct scan_local {
    vec_batch   *batch;          /* owned: the batch behind the last chunk */
    int          morsel;         /* the open morsel, -1 when none */
    pq_reader   *pq;             /* owned: reader of a Parquet morsel */
    pq_file     *own;            /* owned: this thread's open file when files are
                                 ** not kept open, or NULL */
    int          own_file;       /* index of own in scan_state.files, -1 none */
    bool         counting;       /* no column is read: emit rows_left rows */
    int64_t      rows_left;      /* rows still to emit when counting */
    delta_scan  *ds;             /* owned: Delta morsel */
    csv_reader  *csv;            /* owned */
    json_reader *json;           /* owned */
    int64_t      range_next;     /* RANGE: next id of the open morsel */
    int64_t      range_left;     /* RANGE: ids still to emit */
} scan_local;

#define RANGE_MORSEL_ROWS ((int64_t)1 << 20)

/* Rows of range(start, end, step). */
static int64_t range_rows(const lp_source *s)
{
    if (s->range_step > 0 && s->range_end > s->range_start)
        return (int64_t)(((__int128)s->range_end - s->range_start + s->range_step - 1) /
                         s->range_step);
    if (s->range_step < 0 && s->range_end < s->range_start)
        return (int64_t)(((__int128)s->range_start - s->range_end - s->range_step - 1) /
                         -(__int128)s->range_step);
    return 0;
}

static st_status oom(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory in a scan");
}

/* ---- value classes ------------------------------------------------------------ */

static scan_kind kind_of(const vec_type *t)
{
    switch (t->id) {
    case VEC_INT8: case VEC_INT16: case VEC_INT32: case VEC_INT64: return SK_INT;
    case VEC_DATE:          return SK_DATE;
    case VEC_TIMESTAMP:     return SK_TS;
    case VEC_TIMESTAMP_NTZ: return SK_TS_NTZ;
    case VEC_FLOAT: case VEC_DOUBLE: return SK_FLOAT;
    case VEC_DECIMAL:       return SK_DEC;
    case VEC_STRING:        return SK_BYTES;
    default:                return SK_NONE;
    }
}

/* Three-way comparison of two values of one class; false when they cannot be
** ordered (NaN). */
static bool cmp_scalar(scan_kind k, const vec_scalar *a, const vec_scalar *b, int *out)
{
    switch (k) {
    case SK_FLOAT:
        if (a->f64 != a->f64 || b->f64 != b->f64)
            return false;
        *out = a->f64 < b->f64 ? -1 : a->f64 > b->f64;
        return true;
    case SK_DEC:
        *out = a->i128 < b->i128 ? -1 : a->i128 > b->i128;
        return true;
    case SK_BYTES: {
        int64_t n = ST_MIN(a->n_bytes, b->n_bytes);
        int c = n > 0 ? memcmp(a->bytes, b->bytes, (size_t)n) : 0;
        *out = c != 0 ? (c < 0 ? -1 : 1) : (a->n_bytes < b->n_bytes ? -1 : a->n_bytes > b->n_bytes);
        return true;
    }
    case SK_NONE:
        return false;
    default:
        *out = a->i64 < b->i64 ? -1 : a->i64 > b->i64;
        return true;
    }
}

/* What statistics say about one column of a file (or a partition value). */
typedef struct scan_range {
    bool       has_min, has_max;
    vec_scalar min, max;
    bool       has_null_count;
    int64_t    null_count;
    int64_t    n_rows;           /* -1 unknown */
} scan_range;

/* True when r proves no row satisfies p (same logic as Parquet's row-group
** skipping in pq_reader.c). */
static bool range_excludes(const scan_range *r, const scan_pred *p)
{
    bool all_null = r->has_null_count && r->n_rows >= 0 && r->null_count >= r->n_rows;
    if (p->op == PQ_CMP_IS_NULL)
        return r->has_null_count && r->null_count == 0;
    if (p->op == PQ_CMP_NOT_NULL || all_null)
        return all_null;
    int c;
    switch (p->op) {
    case PQ_CMP_EQ:
        return (r->has_min && cmp_scalar(p->kind, &p->value, &r->min, &c) && c < 0) ||
               (r->has_max && cmp_scalar(p->kind, &p->value, &r->max, &c) && c > 0);
    case PQ_CMP_LT:
        return r->has_min && cmp_scalar(p->kind, &r->min, &p->value, &c) && c >= 0;
    case PQ_CMP_LE:
        return r->has_min && cmp_scalar(p->kind, &r->min, &p->value, &c) && c > 0;
    case PQ_CMP_GT:
        return r->has_max && cmp_scalar(p->kind, &r->max, &p->value, &c) && c <= 0;
    case PQ_CMP_GE:
        return r->has_max && cmp_scalar(p->kind, &r->max, &p->value, &c) && c < 0;
    default:
        return false;
    }
}

/* True when p can be checked against statistics of a column of type
** col_type (same value class; decimals of the same scale). */
static bool pred_fits(const scan_pred *p, const vec_type *col_type)
{
    if (p->op == PQ_CMP_IS_NULL || p->op == PQ_CMP_NOT_NULL)
        return true;
    scan_kind k = kind_of(col_type);
    return k != SK_NONE && k == p->kind && (k != SK_DEC || col_type->scale == p->scale);
}

/* ---- hints from the plan's filters ------------------------------------------- */

static st_status add_pred(ex_query *q, scan_state *st, const scan_pred *p, st_error *err)
{
    if (p->col >= st->n_cols)
        return ST_OK;                  /* a row-id column: nothing to prune with */
    if (st->n_preds == st->cap_preds) {
        int cap = st->cap_preds ? st->cap_preds * 2 : 8;
        scan_pred *n = st_arena_realloc(q->arena, st->preds, sizeof *n * (size_t)st->cap_preds,
                                        sizeof *n * (size_t)cap);
        if (!n)
            return oom(err);
        st->preds = n;
        st->cap_preds = cap;
    }
    scan_pred c = *p;
    if (c.kind == SK_BYTES && c.value.n_bytes > 0) {   /* own the bytes */
        uint8_t *b = st_arena_alloc(q->arena, (size_t)c.value.n_bytes);
        if (!b)
            return oom(err);
        memcpy(b, c.value.bytes, (size_t)c.value.n_bytes);
        c.value.bytes = b;
    }
    st->preds[st->n_preds++] = c;
    return ST_OK;
}

/* Row 0 of a constant vector as a scalar of its class; false if NULL or not
** comparable. */
static bool const_scalar(const vec *v, scan_kind *kind, vec_scalar *out)
{
    memset(out, 0, sizeof *out);
    *kind = kind_of(v->type);
    if (*kind == SK_NONE || v->len < 1 || !vec_is_valid(v, 0))
        return false;
    switch (v->type->id) {
    case VEC_INT8:   out->i64 = ((const int8_t *)v->values)[0]; break;
    case VEC_INT16:  out->i64 = ((const int16_t *)v->values)[0]; break;
    case VEC_INT32:
    case VEC_DATE:   out->i64 = ((const int32_t *)v->values)[0]; break;
    case VEC_FLOAT:  out->f64 = ((const float *)v->values)[0]; break;
    case VEC_DOUBLE: out->f64 = ((const double *)v->values)[0]; break;
    case VEC_DECIMAL: memcpy(&out->i128, v->values, sizeof out->i128); break;
    case VEC_STRING: {
        const int32_t *off = vec_offsets(v);
        out->bytes = v->bytes + off[0];
        out->n_bytes = off[1] - off[0];
        break;
    }
    default:         out->i64 = ((const int64_t *)v->values)[0]; break;
    }
    return true;
}

/* True when CAST(from AS to) preserves order and equality, so a hint on the
** cast value is a hint on the column (integer and float widening). */
static bool order_preserving_cast(const vec_type *from, const vec_type *to)
{
    if (vec_type_equal(from, to))
        return true;
    if (kind_of(from) == SK_INT && kind_of(to) == SK_INT)
        return vec_type_width(to->id) >= vec_type_width(from->id);
    return from->id == VEC_FLOAT && to->id == VEC_DOUBLE;
}

/* The output column e reads (a column, possibly under a widening cast), or -1. */
static int hint_col(const lp_node *n, const lp_expr *e)
{
    if (e->kind == LP_X_CAST && !e->try_cast && e->n_args == 1 &&
        e->args[0]->kind == LP_X_COL && order_preserving_cast(&e->args[0]->type, &e->type))
        e = e->args[0];
    if (e->kind != LP_X_COL || e->outer)
        return -1;
    return lp_find_col(n, e->col);
}

static bool cmp_op(const char *name, pq_cmp_op *op)
{
    static const struct { const char *name; pq_cmp_op op; } ops[] = {
        {"=", PQ_CMP_EQ}, {"==", PQ_CMP_EQ}, {"<=>", PQ_CMP_EQ}, {"<", PQ_CMP_LT},
        {"<=", PQ_CMP_LE}, {">", PQ_CMP_GT}, {">=", PQ_CMP_GE},
    };
    for (size_t i = 0; i < ST_ARRAY_LEN(ops); i++)
        if (strcmp(name, ops[i].name) == 0) {
            *op = ops[i].op;
            return true;
        }
    return false;
}

static pq_cmp_op flip(pq_cmp_op op)
{
    switch (op) {
    case PQ_CMP_LT: return PQ_CMP_GT;
    case PQ_CMP_LE: return PQ_CMP_GE;
    case PQ_CMP_GT: return PQ_CMP_LT;
    case PQ_CMP_GE: return PQ_CMP_LE;
    default:        return op;
    }
}

/* `col IN (c1, c2, ...)`: col between the smallest and largest constant. */
static st_status hint_in(ex_query *q, scan_state *st, int col, const lp_expr *e, st_error *err)
{
    scan_pred lo = {.col = col, .op = PQ_CMP_GE}, hi = {.col = col, .op = PQ_CMP_LE};
    bool any = false;
    for (int i = 1; i < e->n_args; i++) {
        const lp_expr *a = e->args[i];
        scan_kind k;
        vec_scalar v;
        if (a->kind != LP_X_CONST || !a->value)
            return ST_OK;
        if (!const_scalar(a->value, &k, &v))
            continue;                  /* a NULL never matches */
        int c1, c2;
        if (any && (k != lo.kind || !cmp_scalar(k, &v, &lo.value, &c1) ||
                    !cmp_scalar(k, &v, &hi.value, &c2)))
            return ST_OK;
        if (!any || c1 < 0)
            lo.value = v;
        if (!any || c2 > 0)
            hi.value = v;
        lo.kind = hi.kind = k;
        lo.scale = hi.scale = a->type.scale;
        any = true;
    }
    if (!any)
        return ST_OK;
    st_status rc = add_pred(q, st, &lo, err);
    return rc == ST_OK ? add_pred(q, st, &hi, err) : rc;
}

/* Adds the hints a filter conjunct gives; anything else is ignored. */
static st_status add_hint(ex_query *q, scan_state *st, const lp_expr *e, st_error *err)
{
    const lp_node *n = st->node;
    if (e->kind == LP_X_AND) {
        for (int i = 0; i < e->n_args; i++) {
            st_status rc = add_hint(q, st, e->args[i], err);
            if (rc != ST_OK)
                return rc;
        }
        return ST_OK;
    }
    if (e->kind == LP_X_IS_NULL && e->n_args == 1) {
        int col = hint_col(n, e->args[0]);
        scan_pred p = {.col = col, .op = e->negated ? PQ_CMP_NOT_NULL : PQ_CMP_IS_NULL};
        return col < 0 ? ST_OK : add_pred(q, st, &p, err);
    }
    if (e->kind == LP_X_IN && !e->negated && e->n_args >= 2) {
        int col = hint_col(n, e->args[0]);
        return col < 0 ? ST_OK : hint_in(q, st, col, e, err);
    }
    if (e->kind != LP_X_CALL || e->n_args != 2 || !e->fn || !e->fn->name)
        return ST_OK;
    scan_pred p = {.col = -1};
    if (!cmp_op(e->fn->name, &p.op))
        return ST_OK;
    const lp_expr *c = NULL;
    if ((p.col = hint_col(n, e->args[0])) >= 0 && e->args[1]->kind == LP_X_CONST) {
        c = e->args[1];
    } else if ((p.col = hint_col(n, e->args[1])) >= 0 && e->args[0]->kind == LP_X_CONST) {
        c = e->args[0];
        p.op = flip(p.op);
    }
    if (!c || !c->value || !const_scalar(c->value, &p.kind, &p.value))
        return ST_OK;
    p.scale = c->type.scale;
    return add_pred(q, st, &p, err);
}

/* ---- Parquet ---------------------------------------------------------------- */

/* Index of the field named `name`: exact match first, then case-insensitive. */
static int find_field(const vec_schema *s, const char *name)
{
    for (int i = 0; name && i < s->n_fields; i++)
        if (s->fields[i].name && strcmp(s->fields[i].name, name) == 0)
            return i;
    for (int i = 0; name && i < s->n_fields; i++)
        if (s->fields[i].name && strcasecmp(s->fields[i].name, name) == 0)
            return i;
    return -1;
}

/* The source field name of output column i. */
static const char *col_source_name(const scan_state *st, int i)
{
    int f = st->fields[i];
    if (f >= 0 && f < st->src->schema.n_fields)
        return st->src->schema.fields[f].name;
    return st->node->cols[i].name;
}

/* Maps output columns to the file's top-level fields by name. */
static st_status pq_map_columns(ex_query *q, scan_state *st, scan_file *sf, st_error *err)
{
    const vec_schema *fs = pq_file_schema(sf->pq);
    int n = st->n_cols;
    sf->read = st_arena_calloc(q->arena, (size_t)n + 1, sizeof(int));
    sf->pos = st_arena_calloc(q->arena, (size_t)n + 1, sizeof(int));
    if (!sf->read || !sf->pos)
        return oom(err);
    for (int i = 0; i < n; i++) {
        int k = find_field(fs, col_source_name(st, i));
        sf->pos[i] = -1;
        if (k < 0)
            continue;
        int p = 0;
        while (p < sf->n_read && sf->read[p] != k)
            p++;
        if (p == sf->n_read)
            sf->read[sf->n_read++] = k;
        sf->pos[i] = p;
    }
    return ST_OK;
}

/* The leaf of a primitive top-level field, or -1. */
static int pq_primitive_leaf(const pq_file *f, int field)
{
    if (vec_type_is_nested(pq_file_schema(f)->fields[field].type.id))
        return -1;
    for (int l = 0; l < pq_file_num_leaves(f); l++)
        if (pq_file_leaf(f, l)->top_field == field)
            return l;
    return -1;
}

static pq_value pq_value_of(const scan_pred *p)
{
    pq_value v;
    memset(&v, 0, sizeof v);
    v.is_set = true;
    switch (p->kind) {
    case SK_FLOAT: v.d = p->value.f64; break;
    case SK_DEC:   v.dec = p->value.i128; break;
    case SK_BYTES:
        v.bytes = p->value.bytes;
        v.n_bytes = (int32_t)ST_MIN(p->value.n_bytes, INT32_MAX);
        break;
    default:       v.i = p->value.i64; break;
    }
    return v;
}

/* The hints as row-group filters of this file (those it can use). */
static int pq_filters(const scan_state *st, const scan_file *sf, pq_stat_filter *out)
{
    int n = 0;
    for (int k = 0; k < st->n_preds; k++) {
        const scan_pred *p = &st->preds[k];
        if (sf->pos[p->col] < 0)
            continue;
        int leaf = pq_primitive_leaf(sf->pq, sf->read[sf->pos[p->col]]);
        if (leaf < 0 || !pred_fits(p, pq_file_leaf(sf->pq, leaf)->type))
            continue;
        if (p->kind == SK_BYTES && p->value.n_bytes > INT32_MAX)
            continue;
        out[n].leaf = leaf;
        out[n].op = p->op;
        out[n].value = pq_value_of(p);
        n++;
    }
    return n;
}

static st_status add_morsel(ex_query *q, scan_state *st, int file, int rg, int *cap,
                            st_error *err)
{
    if (st->n_morsels == *cap) {
        int ncap = *cap ? *cap * 2 : 64;
        scan_morsel *m = st_arena_realloc(q->arena, st->morsels, sizeof *m * (size_t)*cap,
                                          sizeof *m * (size_t)ncap);
        if (!m)
            return oom(err);
        st->morsels = m;
        *cap = ncap;
    }
    st->morsels[st->n_morsels++] = (scan_morsel){.file = file, .rg = rg};
    return ST_OK;
}

static st_status init_parquet(ex_query *q, scan_state *st, st_error *err)
{
    int cap = 0;
    pq_stat_filter *flt = st_arena_calloc(q->arena, (size_t)st->n_preds + 1, sizeof *flt);
    if (!flt)
        return oom(err);
    for (int i = 0; i < st->n_files; i++) {
        scan_file *sf = &st->files[i];
        st_status rc = pq_file_open(sf->path, &sf->pq, err);
        if (rc == ST_OK)
            rc = pq_map_columns(q, st, sf, err);
        int n_rg = sf->pq ? pq_file_num_row_groups(sf->pq) : 0;
        int *kept = st_arena_calloc(q->arena, (size_t)n_rg + 1, sizeof(int));
        int n_kept = 0;
        if (rc == ST_OK && !kept)
            rc = oom(err);
        if (rc == ST_OK)
            rc = pq_select_row_groups(sf->pq, flt, pq_filters(st, sf, flt), kept, &n_kept, err);
        if (rc != ST_OK) {
            if (!strstr(err->msg, sf->path))
                st_error_context(err, "scanning file \"%s\"", sf->path);
            return rc;
        }
        for (int g = 0; g < n_kept && rc == ST_OK; g++)
            rc = add_morsel(q, st, i, kept[g], &cap, err);
        if (rc != ST_OK)
            return rc;
        st->groups_kept += n_kept;
        st->groups_pruned += n_rg - n_kept;
        if (n_kept > 0 || n_rg == 0)
            st->files_kept++;
        else
            st->files_pruned++;
        if (n_kept == 0 || st->n_files > PQ_KEEP_OPEN_FILES) {
            pq_file_close(sf->pq);
            sf->pq = NULL;
        }
    }
    return ST_OK;
}

/* ---- Delta ------------------------------------------------------------------- */

static bool delta_is_partition(const delta_metadata *m, int f)
{
    for (int k = 0; k < m->n_partition_cols; k++)
        if (m->partition_field && m->partition_field[k] == f)
            return true;
    return false;
}

/* The stored name of table field tf in data files. */
static const char *delta_stored_name(const delta_metadata *m, int tf)
{
    return m->column_mapping && m->field_info && m->field_info[tf].physical_name
               ? m->field_info[tf].physical_name : m->schema.fields[tf].name;
}

/* Reads one stats value (minValues/maxValues entry) as a scalar of column
** type t; false when absent or not usable. */
static bool stat_value(const json_t *j, const vec_type *t, bool is_max, st_arena *a,
                       vec_scalar *out)
{
    memset(out, 0, sizeof *out);
    st_error err;
    switch (kind_of(t)) {
    case SK_INT:
        if (!json_is_integer(j))
            return false;
        out->i64 = (int64_t)json_integer_value(j);
        return true;
    case SK_FLOAT:
        if (!json_is_number(j))
            return false;
        out->f64 = json_number_value(j);
        return true;
    case SK_DATE: case SK_TS: case SK_TS_NTZ:
        if (!json_is_string(j) ||
            delta_partition_value_parse(t, json_string_value(j), a, out, &err) != ST_OK ||
            out->is_null)
            return false;
        if (is_max && t->id != VEC_DATE)
            out->i64 += 999;           /* stats are truncated to milliseconds */
        return true;
    case SK_BYTES:
        if (!json_is_string(j))
            return false;
        out->bytes = (const uint8_t *)json_string_value(j);
        out->n_bytes = (int64_t)json_string_length(j);
        return true;
    default:                           /* decimals: JSON numbers are not exact */
        return false;
    }
}

/* The stats entry of a top-level field, by its stored (physical) name. */
static const json_t *stat_entry(const json_t *stats, const char *group, const char *name)
{
    const json_t *g = json_object_get(stats, group);
    return json_is_object(g) ? json_object_get(g, name) : NULL;
}

/* What a file's partition value or stats say about table field f. */
static st_status delta_range(const delta_snapshot *s, const delta_file *df, int f,
                             const json_t *stats, st_arena *a, scan_range *r, st_error *err)
{
    const delta_metadata *m = &s->meta;
    const vec_field *lf = &m->schema.fields[f];
    memset(r, 0, sizeof *r);
    r->n_rows = -1;
    for (int k = 0; k < m->n_partition_cols; k++) {
        if (!m->partition_field || m->partition_field[k] != f)
            continue;
        vec_scalar v;
        st_status rc = delta_partition_value_parse(
            &lf->type, df->partition_values ? df->partition_values[k] : NULL, a, &v, err);
        if (rc != ST_OK)
            return st_error_context(err, "partition column \"%s\" of file \"%s\"", lf->name,
                                    df->path);
        r->has_null_count = true;
        r->null_count = v.is_null ? 1 : 0;
        r->n_rows = 1;
        r->has_min = r->has_max = !v.is_null;
        r->min = r->max = v;
        return ST_OK;
    }
    if (!stats)
        return ST_OK;
    const char *name = delta_stored_name(m, f);   /* stats key */
    const json_t *nr = json_object_get(stats, "numRecords");
    if (json_is_integer(nr))
        r->n_rows = (int64_t)json_integer_value(nr);
    const json_t *nc = stat_entry(stats, "nullCount", name);
    if (json_is_integer(nc)) {
        r->has_null_count = true;
        r->null_count = (int64_t)json_integer_value(nc);
    }
    if (vec_type_is_nested(lf->type.id))
        return ST_OK;
    r->has_min = stat_value(stat_entry(stats, "minValues", name), &lf->type, false, a, &r->min);
    r->has_max = stat_value(stat_entry(stats, "maxValues", name), &lf->type, true, a, &r->max);
    return ST_OK;
}

/* True when the hints prove the file holds no wanted row. */
static st_status delta_prune(const scan_state *st, const delta_file *df, st_arena *a,
                             bool *pruned, st_error *err)
{
    const delta_snapshot *s = st->src->snapshot;
    json_t *stats = NULL;
    *pruned = false;
    if (df->stats)
        stats = json_loads(df->stats, 0, NULL);   /* bad stats: no skipping */
    st_status rc = ST_OK;
    for (int k = 0; k < st->n_preds && !*pruned && rc == ST_OK; k++) {
        const scan_pred *p = &st->preds[k];
        int f = st->fields[p->col];
        if (f < 0 || f >= s->meta.schema.n_fields ||
            !pred_fits(p, &s->meta.schema.fields[f].type))
            continue;
        scan_range r;
        rc = delta_range(s, df, f, json_is_object(stats) ? stats : NULL, a, &r, err);
        if (rc == ST_OK)
            *pruned = range_excludes(&r, p);
    }
    json_decref(stats);
    return rc;
}

/* The hints as row-group filters of one Delta data file (data columns
** matched by their stored name). */
static int delta_pq_filters(const scan_state *st, const pq_file *f, pq_stat_filter *out)
{
    const delta_metadata *m = &st->src->snapshot->meta;
    int n = 0;
    for (int k = 0; k < st->n_preds; k++) {
        const scan_pred *p = &st->preds[k];
        int tf = st->fields[p->col];
        if (delta_is_partition(m, tf))
            continue;
        int field = find_field(pq_file_schema(f), delta_stored_name(m, tf));
        int leaf = field < 0 ? -1 : pq_primitive_leaf(f, field);
        if (leaf < 0 || !pred_fits(p, pq_file_leaf(f, leaf)->type))
            continue;
        if (p->kind == SK_BYTES && p->value.n_bytes > INT32_MAX)
            continue;
        out[n].leaf = leaf;
        out[n].op = p->op;
        out[n].value = pq_value_of(p);
        n++;
    }
    return n;
}

/* Compressed bytes of row group rg's chunks of the scan's data columns. */
static int64_t delta_group_bytes(const scan_state *st, const pq_file *f, int rg)
{
    const delta_metadata *m = &st->src->snapshot->meta;
    const pq_row_group *g = &pq_file_metadata(f)->row_groups[rg];
    int64_t n = 0;
    for (int i = 0; i < st->n_cols; i++) {
        if (delta_is_partition(m, st->fields[i]))
            continue;
        int k = find_field(pq_file_schema(f), delta_stored_name(m, st->fields[i]));
        for (int l = 0; k >= 0 && l < g->n_columns && l < pq_file_num_leaves(f); l++)
            if (pq_file_leaf(f, l)->top_field == k && g->columns[l].has_meta_data)
                n += g->columns[l].meta_data.total_compressed_size;
    }
    return n;
}

/* Row-group morsels of kept Delta file fi, pruned by its Parquet stats. */
static st_status delta_split_file(ex_query *q, scan_state *st, int fi, pq_stat_filter *flt,
                                  int *cap, st_error *err)
{
    scan_file *sf = &st->files[fi];
    pq_file *f = NULL;
    st_status rc = pq_file_open(sf->path, &f, err);
    if (rc != ST_OK)
        return rc;
    int n_rg = pq_file_num_row_groups(f), n_kept = 0;
    int *kept = st_malloc(sizeof(int) * ((size_t)n_rg + 1));
    if (!kept)
        rc = oom(err);
    if (rc == ST_OK)
        rc = pq_select_row_groups(f, flt, delta_pq_filters(st, f, flt), kept, &n_kept, err);
    for (int g = 0; g < n_kept && rc == ST_OK; g++) {
        rc = add_morsel(q, st, fi, kept[g], cap, err);
        if (rc == ST_OK)
            st->morsels[st->n_morsels - 1].bytes = delta_group_bytes(st, f, kept[g]);
    }
    if (rc == ST_OK) {
        st->groups_kept += n_kept;
        st->groups_pruned += n_rg - n_kept;
        if (n_kept == 0 && n_rg > 0) {
            st->files_kept--;
            st->files_pruned++;
        }
    }
    st_free(kept);
    pq_file_close(f);
    return rc;
}

/* A count-only scan can take a file's rows from its stats' numRecords when
** no deletion vector removes any; -1 when it must read the file. */
static int64_t stats_num_records(const delta_file *df)
{
    return df->has_dv ? -1 : delta_file_num_records(df);
}

/* Prunes the snapshot's files; the kept ones go to st->files. */
static st_status delta_prune_files(ex_query *q, scan_state *st, st_error *err)
{
    const delta_snapshot *s = st->src->snapshot;
    st->files = st_arena_calloc(q->arena, s->n_files + 1, sizeof *st->files);
    st_arena *scratch = st_arena_new(0);
    st_status rc = !st->files || !scratch ? oom(err) : ST_OK;
    for (size_t i = 0; i < s->n_files && rc == ST_OK; i++) {
        const delta_file *df = &s->files[i];
        bool pruned = false;
        rc = delta_prune(st, df, scratch, &pruned, err);
        st_arena_reset(scratch);
        if (rc != ST_OK || pruned) {
            st->files_pruned += pruned;
            continue;
        }
        scan_file *sf = &st->files[st->n_files++];
        sf->delta_index = i;
        sf->stats_rows = st->n_cols == 0 ? stats_num_records(df) : -1;
        sf->path = delta_resolve_path(s->table, df->path, q->arena);
        if (!sf->path)
            rc = oom(err);
        st->files_kept++;
    }
    st_arena_free(scratch);
    return rc;
}

static st_status init_delta(ex_query *q, scan_state *st, st_error *err)
{
    const delta_snapshot *s = st->src->snapshot;
    if (!s)
        return st_error_set(err, ST_ERR_INTERNAL, "delta scan of \"%s\" has no snapshot",
                            st->src->name ? st->src->name : "?");
    for (int i = 0; i < st->n_cols; i++) {
        int f = st->fields[i];
        if (f < 0 || f >= s->meta.schema.n_fields)
            return st_error_set(err, ST_ERR_INTERNAL,
                                "scan column %d names field %d of a %d-column delta table", i, f,
                                s->meta.schema.n_fields);
    }
    st_status rc = delta_prune_files(q, st, err);
    if (rc != ST_OK)
        return st_error_context(err, "delta table \"%s\"", s->table);
    int cap = 0;
    bool split = st->n_files < DELTA_SPLIT_PER_THREAD * q->set.threads;
    pq_stat_filter *flt = st_arena_calloc(q->arena, (size_t)st->n_preds + 1, sizeof *flt);
    if (!flt)
        return oom(err);
    for (int i = 0; i < st->n_files && rc == ST_OK; i++) {
        if (!split || st->files[i].stats_rows >= 0) {
            rc = add_morsel(q, st, i, -1, &cap, err);
            continue;
        }
        rc = delta_split_file(q, st, i, flt, &cap, err);
        if (rc != ST_OK && !strstr(err->msg, st->files[i].path))
            st_error_context(err, "reading footer of file \"%s\"", st->files[i].path);
    }
    return rc;
}

/* ---- init ---------------------------------------------------------------------- */

static st_status scan_init(ex_op *op, st_error *err)
{
    scan_state *st = op->state;
    ex_query *q = op->q;
    if (st->inited)
        return ST_OK;
    st->inited = true;
    if (st->src->kind == LP_SRC_DELTA)
        return init_delta(q, st, err);
    if (st->src->kind == LP_SRC_RANGE) {   /* morsels of 1Mi ids */
        int64_t n = range_rows(st->src), m = (n + RANGE_MORSEL_ROWS - 1) / RANGE_MORSEL_ROWS;
        if (m > INT32_MAX)
            return st_error_set(err, ST_ERR_LIMIT, "range() of %" PRId64 " rows is too large", n);
        st->morsels = st_arena_calloc(q->arena, (size_t)m + 1, sizeof *st->morsels);
        st->files = st_arena_calloc(q->arena, 1, sizeof *st->files);
        if (!st->morsels || !st->files)
            return oom(err);
        st->files[0].path = "range";
        st->n_files = 1;
        for (int64_t i = 0; i < m; i++)
            st->morsels[st->n_morsels++] = (scan_morsel){.file = 0, .rg = (int)i};
        return ST_OK;
    }
    st->n_files = st->src->n_files;
    st->files = st_arena_calloc(q->arena, (size_t)st->n_files + 1, sizeof *st->files);
    if (!st->files)
        return oom(err);
    for (int i = 0; i < st->n_files; i++)
        st->files[i].path = st->src->files[i];
    if (st->src->kind == LP_SRC_PARQUET)
        return init_parquet(q, st, err);
    st->morsels = st_arena_calloc(q->arena, (size_t)st->n_files + 1, sizeof *st->morsels);
    if (!st->morsels)
        return oom(err);
    for (int i = 0; i < st->n_files; i++)
        st->morsels[st->n_morsels++] = (scan_morsel){.file = i, .rg = -1};
    st->files_kept = st->n_files;
    return ST_OK;
}

/* ---- reading ------------------------------------------------------------------- */

static void close_morsel(scan_local *l)
{
    pq_reader_close(l->pq);
    delta_scan_close(l->ds);
    csv_reader_close(l->csv);
    json_reader_close(l->json);
    l->pq = NULL;
    l->ds = NULL;
    l->csv = NULL;
    l->json = NULL;
    l->rows_left = 0;
    l->counting = false;
    l->morsel = -1;
}

static int64_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

/* Compressed bytes of the row group's column chunks this morsel reads. */
static int64_t pq_morsel_bytes(const pq_file *f, const scan_file *sf, int rg)
{
    const pq_file_meta *m = pq_file_metadata(f);
    int64_t n = 0;
    for (int l = 0; l < pq_file_num_leaves(f); l++) {
        int top = pq_file_leaf(f, l)->top_field;
        for (int k = 0; k < sf->n_read; k++)
            if (sf->read[k] == top && l < m->row_groups[rg].n_columns &&
                m->row_groups[rg].columns[l].has_meta_data)
                n += m->row_groups[rg].columns[l].meta_data.total_compressed_size;
    }
    return n;
}

/* The open pq_file of a Parquet morsel: the shared one, or this thread's
** (reopened when the morsel is of another file). */
static st_status morsel_pq_file(scan_local *l, const scan_file *sf, const scan_morsel *mo,
                                pq_file **out, st_error *err)
{
    if (sf->pq) {
        *out = sf->pq;
        return ST_OK;
    }
    if (l->own_file != mo->file) {
        pq_file_close(l->own);
        l->own = NULL;
        l->own_file = -1;
        st_status rc = pq_file_open(sf->path, &l->own, err);
        if (rc != ST_OK)
            return rc;
        l->own_file = mo->file;
    }
    if (mo->rg >= pq_file_num_row_groups(l->own))
        return st_error_set(err, ST_ERR_CORRUPT,
                            "file \"%s\" changed during the scan (row group %d is gone)",
                            sf->path, mo->rg);
    *out = l->own;
    return ST_OK;
}

/* Opens a reader over one row group (none when no column is read: the rows
** are counted off the footer). */
static st_status open_pq_morsel(ex_op *op, scan_local *l, const scan_morsel *mo, st_error *err)
{
    scan_state *st = op->state;
    const scan_file *sf = &st->files[mo->file];
    pq_file *f = NULL;
    st_status rc = morsel_pq_file(l, sf, mo, &f, err);
    if (rc != ST_OK)
        return rc;
    atomic_fetch_add(&op->bytes_read, pq_morsel_bytes(f, sf, mo->rg));
    if (sf->n_read == 0) {
        l->rows_left = pq_file_metadata(f)->row_groups[mo->rg].num_rows;
        l->counting = true;
        return ST_OK;
    }
    pq_read_options ro;
    memset(&ro, 0, sizeof ro);
    ro.columns = sf->read;
    ro.n_columns = sf->n_read;
    ro.row_groups = &mo->rg;
    ro.n_row_groups = 1;
    ro.batch_rows = st->batch_rows;
    /* Queries skip page CRCs, as Spark (parquet.page.verify-checksum.enabled
    ** is off by default) and DuckDB do; `strata parquet` verifies them. The
    ** decoders stay safe on corrupt pages either way. */
    ro.skip_crc = true;
    return pq_reader_open(f, &ro, &l->pq, err);
}

static st_status open_morsel(ex_op *op, scan_local *l, int m, st_error *err)
{
    scan_state *st = op->state;
    const scan_morsel *mo = &st->morsels[m];
    scan_file *sf = &st->files[mo->file];
    st_status rc = ST_OK;
    l->morsel = m;
    switch (st->src->kind) {
    case LP_SRC_PARQUET:
        rc = open_pq_morsel(op, l, mo, err);
        break;
    case LP_SRC_DELTA: {
        const delta_snapshot *s = st->src->snapshot;
        if (sf->stats_rows >= 0 && st->n_rid == 0) { /* OPT: results identical if removed */
            l->rows_left = sf->stats_rows;
            l->counting = true;
            break;
        }
        delta_scan_options dso;
        memset(&dso, 0, sizeof dso);
        dso.columns = st->fields;     /* never NULL: zero columns is a count */
        dso.n_columns = st->n_cols;
        dso.batch_rows = st->batch_rows;
        dso.files = &sf->delta_index;
        dso.n_files = 1;
        dso.row_ids = st->n_rid > 0;
        dso.one_row_group = mo->rg >= 0;
        dso.row_group = mo->rg;
        int64_t size = mo->rg >= 0 ? mo->bytes : s->files[sf->delta_index].size;
        atomic_fetch_add(&op->bytes_read, size > 0 ? size : 0);
        rc = delta_scan_open(s, &dso, &l->ds, err);
        break;
    }
    case LP_SRC_RANGE: {
        int64_t total = range_rows(st->src), first = (int64_t)mo->rg * RANGE_MORSEL_ROWS;
        l->range_next = st->src->range_start + first * st->src->range_step;
        l->range_left = ST_MIN(RANGE_MORSEL_ROWS, total - first);
        l->counting = true;
        break;
    }
    case LP_SRC_CSV: {
        csv_options co = st->src->csv;
        if (!co.schema && st->src->schema.n_fields > 0)
            co.schema = &st->src->schema;
        co.batch_rows = st->batch_rows;
        atomic_fetch_add(&op->bytes_read, file_size(sf->path));
        rc = csv_reader_open(sf->path, &co, &l->csv, err);
        break;
    }
    case LP_SRC_JSON: {
        json_options jo = st->src->json;
        if (!jo.schema && st->src->schema.n_fields > 0)
            jo.schema = &st->src->schema;
        jo.batch_rows = st->batch_rows;
        atomic_fetch_add(&op->bytes_read, file_size(sf->path));
        rc = json_reader_open(sf->path, &jo, &l->json, err);
        break;
    }
    }
    return rc;
}

/* v presented as output type `want`: itself, relabelled (same layout) or
** widened; a in the batch's arena. */
static st_status conform(st_arena *a, vec *v, const vec_type *want, vec **out, st_error *err)
{
    if (vec_type_equal(v->type, want)) {
        /* Point at the query's copy of the type: the reader's schema goes
        ** away when the morsel closes, but sinks keep these vectors. */
        vec_set_type(v, want);
        *out = v;
        return ST_OK;
    }
    vec_type_id f = v->type->id, w = want->id;
    bool same = (vec_type_is_varlen(f) && vec_type_is_varlen(w)) ||
                ((f == VEC_TIMESTAMP || f == VEC_TIMESTAMP_NTZ) &&
                 (w == VEC_TIMESTAMP || w == VEC_TIMESTAMP_NTZ));
    if (same) {
        vec *r = st_arena_alloc(a, sizeof *r);
        if (!r)
            return oom(err);
        *r = *v;
        r->type = want;
        *out = r;
        return ST_OK;
    }
    return vec_cast_widen(a, v, want, out, err);
}

/* The output columns of a chunk from batch b (may be NULL when no column is
** read): out column i is b's column pos[i] (or a positional one when pos is
** NULL), or NULLs when pos[i] < 0. */
static st_status build_chunk(ex_op *op, vec_batch *b, const int *pos, int64_t n_rows,
                             st_arena *a, ex_chunk *out, st_error *err)
{
    scan_state *st = op->state;
    out->n_rows = n_rows;
    out->n_cols = st->n_cols + st->n_rid;
    out->cols = NULL;
    if (out->n_cols == 0)
        return ST_OK;
    out->cols = st_arena_calloc(a, (size_t)out->n_cols, sizeof(vec *));
    if (!out->cols)
        return oom(err);
    for (int j = 0; j < st->n_rid; j++) {  /* delta_scan appends the two ids last */
        if (!b || b->n_cols < 2)
            return st_error_set(err, ST_ERR_INTERNAL, "delta scan returned no row ids");
        out->cols[st->n_cols + j] = b->cols[b->n_cols - 2 + st->rid[j]];
    }
    for (int i = 0; i < st->n_cols; i++) {
        int p = pos ? pos[i] : i;
        st_status rc = p >= 0 && b && p < b->n_cols
                           ? conform(a, b->cols[p], &op->types[i], &out->cols[i], err)
                           : vec_constant(a, &op->types[i], NULL, n_rows, &out->cols[i], err);
        if (rc != ST_OK)
            return st_error_context(err, "column \"%s\"", st->node->cols[i].name
                                                              ? st->node->cols[i].name : "?");
    }
    return ST_OK;
}

/* CSV/JSON: output column i is the reader field of the same name. */
static st_status text_positions(scan_state *st, const vec_schema *rs, st_arena *a, int **pos,
                                st_error *err)
{
    *pos = st_arena_calloc(a, (size_t)st->n_cols + 1, sizeof(int));
    if (!*pos)
        return oom(err);
    for (int i = 0; i < st->n_cols; i++)
        (*pos)[i] = find_field(rs, col_source_name(st, i));
    return ST_OK;
}

/* The next chunk of the open morsel; *got false at its end. */
static st_status morsel_next(ex_op *op, scan_local *l, ex_thread *t, ex_chunk *out, bool *got,
                             st_error *err)
{
    scan_state *st = op->state;
    scan_file *sf = &st->files[st->morsels[l->morsel].file];
    vec_batch *b = NULL;
    const int *pos = NULL;
    st_status rc = ST_OK;
    *got = false;
    if (st->src->kind == LP_SRC_RANGE) {
        int64_t n = ST_MIN(st->batch_rows, l->range_left);
        if (n <= 0)
            return ST_OK;
        out->n_rows = n;
        out->n_cols = st->n_cols;
        out->cols = st->n_cols ? st_arena_calloc(t->arena, (size_t)st->n_cols, sizeof(vec *))
                               : NULL;
        if (st->n_cols && !out->cols)
            return oom(err);
        for (int c = 0; c < st->n_cols; c++) {
            vec *v = vec_new(t->arena, &op->types[c], n);
            if (!v)
                return oom(err);
            int64_t *d = v->values, x = l->range_next, step = st->src->range_step;
            for (int64_t i = 0; i < n; i++, x += step)
                d[i] = x;
            out->cols[c] = v;
        }
        l->range_next += n * st->src->range_step;
        l->range_left -= n;
        *got = true;
        return ST_OK;
    }
    if (l->counting) {
        int64_t n = ST_MIN(st->batch_rows, l->rows_left);
        if (n <= 0)
            return ST_OK;
        l->rows_left -= n;
        *got = true;
        return build_chunk(op, NULL, sf->pos, n, t->arena, out, err);
    }
    if (l->pq) {
        rc = pq_reader_next(l->pq, &b, err);
        pos = sf->pos;
    } else if (l->ds) {
        rc = delta_scan_next(l->ds, &b, err);
    } else if (l->csv) {
        rc = csv_reader_next(l->csv, &b, err);
    } else if (l->json) {
        rc = json_reader_next(l->json, &b, err);
    }
    if (rc != ST_OK || !b)
        return rc;
    l->batch = b;
    int *tpos = NULL;
    if (l->csv || l->json) {
        rc = text_positions(st, l->csv ? csv_reader_schema(l->csv) : json_reader_schema(l->json),
                            b->arena, &tpos, err);
        if (rc != ST_OK)
            return rc;
        pos = tpos;
    }
    *got = true;
    return build_chunk(op, b, pos, b->n_rows, b->arena, out, err);
}

static st_status scan_next(ex_op *op, void *local, ex_thread *t, ex_chunk *out, bool *done,
                           st_error *err)
{
    scan_state *st = op->state;
    scan_local *l = local;
    vec_batch_free(l->batch);
    l->batch = NULL;
    memset(out, 0, sizeof *out);
    *done = false;
    for (;;) {
        if (atomic_load_explicit(&op->q->cancelled, memory_order_relaxed)) {
            close_morsel(l);
            *done = true;
            return ST_OK;
        }
        st_status rc = ST_OK;
        if (l->morsel < 0) {
            int m = atomic_fetch_add_explicit(&st->next, 1, memory_order_relaxed);
            if (m >= st->n_morsels) {
                *done = true;
                return ST_OK;
            }
            rc = open_morsel(op, l, m, err);
        }
        bool got = false;
        if (rc == ST_OK)
            rc = morsel_next(op, l, t, out, &got, err);
        if (rc != ST_OK) {
            const scan_morsel *mo = &st->morsels[l->morsel];
            const char *path = st->files[mo->file].path;
            if (!strstr(err->msg, path)) {
                if (mo->rg >= 0)
                    st_error_context(err, "reading row group %d of file \"%s\"", mo->rg, path);
                else
                    st_error_context(err, "reading file \"%s\"", path);
            }
            close_morsel(l);
            return rc;
        }
        if (got)
            return ST_OK;              /* the runner counts rows_out */
        close_morsel(l);
    }
}

static st_status scan_local_new(ex_op *op, ex_thread *t, void **local, st_error *err)
{
    scan_local *l = st_calloc(1, sizeof *l);
    if (!l)
        return oom(err);
    l->morsel = -1;
    l->own_file = -1;
    *local = l;
    return ST_OK;
}

static void scan_local_free(ex_op *op, void *local)
{
    scan_local *l = local;
    if (!l)
        return;
    close_morsel(l);
    pq_file_close(l->own);
    vec_batch_free(l->batch);
    st_free(l);
}

static void scan_destroy(ex_op *op)
{
    scan_state *st = op->state;
    if (!st || st->src->kind != LP_SRC_PARQUET)
        return;
    for (int i = 0; i < st->n_files && st->files; i++) {
        pq_file_close(st->files[i].pq);
        st->files[i].pq = NULL;
    }
}

/* ---- EXPLAIN --------------------------------------------------------------------- */

static st_status scan_explain(const ex_op *op, st_buf *out, st_error *err)
{
    const scan_state *st = op->state;
    const lp_source *s = st->src;
    int64_t total = s->kind == LP_SRC_DELTA ? (s->snapshot ? (int64_t)s->snapshot->n_files : 0)
                                            : s->n_files;
    st_status rc = st_buf_printf(out, err, "%s %s", lp_source_kind_name(s->kind),
                                 s->path ? s->path : s->name ? s->name : "?");
    if (rc == ST_OK && st->inited)
        rc = st_buf_printf(out, err, " files: %lld of %lld (%lld pruned)",
                           (long long)st->files_kept, (long long)total,
                           (long long)st->files_pruned);
    else if (rc == ST_OK)
        rc = st_buf_printf(out, err, " files: %lld", (long long)total);
    if (rc == ST_OK && st->inited && (s->kind == LP_SRC_PARQUET ||
                                      st->groups_kept + st->groups_pruned > 0))
        rc = st_buf_printf(out, err, ", row groups: %lld of %lld",
                           (long long)st->groups_kept,
                           (long long)(st->groups_kept + st->groups_pruned));
    if (rc == ST_OK)
        rc = st_buf_append_str(out, ", columns: ", err);
    for (int i = 0; i < st->n_cols && rc == ST_OK; i++)
        rc = st_buf_printf(out, err, "%s%s", i ? ", " : "",
                           st->node->cols[i].name ? st->node->cols[i].name : "?");
    if (rc == ST_OK && st->n_cols == 0)
        rc = st_buf_append_str(out, "(none)", err);
    for (int i = 0; i < st->node->n_filters && rc == ST_OK; i++) {
        rc = st_buf_append_str(out, i ? " AND " : ", filters: ", err);
        if (rc == ST_OK)
            rc = lp_expr_format(st->node->filters[i], out, err);
    }
    if (rc == ST_OK && st->n_dynamic > 0)
        rc = st_buf_printf(out, err, ", dynamic ranges: %d", st->n_dynamic);
    return rc;
}

/* ---- constructor and public helpers -------------------------------------------- */

static const ex_op_ops scan_ops = {
    .name = "Scan",
    .source_init = scan_init,
    .source_local = scan_local_new,
    .source_next = scan_next,
    .source_local_free = scan_local_free,
    .destroy = scan_destroy,
    .explain = scan_explain,
};

st_status ex_scan_new(ex_query *q, const lp_node *scan, ex_op **out, st_error *err)
{
    *out = NULL;
    if (scan->kind != LP_SCAN || !scan->source)
        return st_error_set(err, ST_ERR_INTERNAL, "scan operator built from a non-scan node");
    vec_type *types = st_arena_calloc(q->arena, (size_t)scan->n_cols + 1, sizeof *types);
    scan_state *st = st_arena_calloc(q->arena, 1, sizeof *st);
    if (!types || !st)
        return oom(err);
    int *ident = st_arena_calloc(q->arena, (size_t)scan->n_cols + 1, sizeof(int));
    if (!ident)
        return oom(err);
    for (int i = 0; i < scan->n_cols; i++) {
        types[i] = scan->cols[i].type;
        ident[i] = i;
    }
    st->fields = scan->scan_fields ? scan->scan_fields : ident;
    ex_op *op = ex_op_new(q, &scan_ops, types, scan->n_cols);
    if (!op)
        return oom(err);
    st->node = scan;
    st->src = scan->source;
    st->n_cols = scan->n_cols;
    if (st->src->row_ids) {            /* trailing _file_index/_row_index outputs */
        int nf = st->src->schema.n_fields - 2;
        while (st->n_cols > 0 && st->fields[st->n_cols - 1] >= nf)
            st->n_cols--;
        st->n_rid = scan->n_cols - st->n_cols;
        for (int j = 0; j < st->n_rid; j++)
            st->rid[j] = st->fields[st->n_cols + j] - nf;
        for (int i = 0; i < st->n_cols; i++)
            if (st->fields[i] >= nf)
                return st_error_set(err, ST_ERR_INTERNAL, "row-id columns of a scan must "
                                                          "come last");
    }
    st->batch_rows = q->set.batch_rows > 0 ? q->set.batch_rows : 2048;
    atomic_init(&st->next, 0);
    op->state = st;
    for (int i = 0; i < scan->n_filters; i++) {
        st_status rc = add_hint(q, st, scan->filters[i], err);
        if (rc != ST_OK)
            return rc;
    }
    *out = op;
    return ST_OK;
}

void ex_scan_add_range(ex_op *scan, int col, const vec_scalar *min, const vec_scalar *max)
{
    scan_state *st = scan->state;
    if (st->inited || col < 0 || col >= st->n_cols)
        return;                        /* hints are optional: too late or unknown */
    const vec_type *t = &scan->types[col];
    scan_pred p = {.col = col, .kind = kind_of(t), .scale = t->scale};
    if (p.kind == SK_NONE)
        return;
    st_error err;
    st_error_init(&err);
    bool added = false;
    if (min && !min->is_null) {
        p.op = PQ_CMP_GE;
        p.value = *min;
        added |= add_pred(scan->q, st, &p, &err) == ST_OK;
    }
    if (max && !max->is_null) {
        p.op = PQ_CMP_LE;
        p.value = *max;
        added |= add_pred(scan->q, st, &p, &err) == ST_OK;
    }
    st->n_dynamic += added;
}

void ex_scan_counts(const ex_op *scan, int64_t *files_kept, int64_t *files_pruned,
                    int64_t *groups_kept, int64_t *groups_pruned)
{
    const scan_state *st = scan->state;
    if (files_kept) *files_kept = st->files_kept;
    if (files_pruned) *files_pruned = st->files_pruned;
    if (groups_kept) *groups_kept = st->groups_kept;
    if (groups_pruned) *groups_pruned = st->groups_pruned;
}
