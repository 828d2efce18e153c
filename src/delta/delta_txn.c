/* delta_txn.c -- optimistic write transactions on a Delta table (PROTOCOL.md
** "Actions", "Commit Provenance", "Partition Value Serialization").
**
** A transaction reads one snapshot (or none, when it creates the table),
** writes Snappy Parquet data files for the rows it is given -- grouped by
** partition value into Hive-style folders, partition columns left out of the
** files -- and on commit publishes _delta_log/<version>.json through
** store_put_if_absent. The commit file is NDJSON: commitInfo first, then
** protocol (when new or raised) + metaData (creation or
** delta_txn_set_metadata), domainMetadata (delta_txn_set_domain), txn
** (idempotent writers), remove and add actions
** (dataChange per delta_txn_set_data_change; re-added files from
** delta_txn_add_file keep their stats and deletion vector).
**
** Metadata: the protocol a metadata needs is computed in one place
** (protocol_compute) for creation and for changes -- legacy versions while
** they suffice, else reader 3 / writer 7 with explicit feature lists; never
** lowered; delta.feature.<name> properties ask for a feature and are
** consumed (not stored). A metadata change that alters a column's type
** must be one of Delta's widenings (old files stay; the scan widens them).
** Under column mapping (mode name) data files, stats and
** partitionValues use the fields' physical names (t->data_schema is the
** physical schema); fields without an id get one when metadata is written.
**
** Data files: like Spark (one file per partition per task), a transaction
** keeps one open pq_writer per partition folder (sorted array t->open) for
** its whole life and appends each delta_txn_write batch's rows to it; a file
** rolls over at DELTA_FILE_MAX_ROWS rows (or strata.maxRecordsPerFile) or
** ~128 MiB of input bytes (delta.targetFileSize). Its stats accumulate over
** every batch (delta_stats_acc). Commit closes, fsyncs and stats every open
** file before the commit file is published; abort discards them.
**
** Invariants: data files are fsync'd before any commit names them; a version
** is never overwritten (put-if-absent), so a crash leaves only unreferenced
** data files and never a partial commit; a failed or aborted transaction
** deletes the data files it wrote. Losing the race for version v reads the
** winning commit and applies Delta's conflict rules (metadata/protocol
** change, a change of a domain this transaction sets, concurrent delete of a file this txn removes, concurrent append
** when this txn read the table, a moved app id version); without a conflict
** the commit is retried at v + 1 (up to DELTA_TXN_MAX_TRIES times). A
** transaction that changes no data (dataChange false: OPTIMIZE) runs at
** snapshot isolation and ignores concurrent appends, as Delta does.
** Creating a table that someone else created first fails with "table was
** created concurrently" (there is nothing to retry against).
** After committing a multiple of delta.checkpointInterval (10) a checkpoint
** is written, then expired log entries are deleted (delta_cleanup.c); a
** failure of either does not fail the commit. */
#include "delta_write.h"
#include "delta_cleanup.h"
#include "delta_dv_int.h"

#include "../format/parquet/pq.h"
#include "../store/store.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#define DELTA_TXN_MAX_TRIES   10000   /* each retry reads one winning commit; Delta
                                     ** itself allows millions (maxCommitAttempts) */
#define DELTA_FILE_MAX_ROWS   (1 << 20)     /* rows per data file */
#define DELTA_FILE_MAX_BYTES  ((int64_t)128 << 20)  /* input bytes per data file, unless
                                                   ** delta.targetFileSize says otherwise */
/* Row group size of data files. Every open file buffers up to one row group
** (pq_writer also flushes at 128 MiB), so memory grows with the number of
** partitions written at once; 128Ki rows (not pq_writer's 1Mi) keeps that
** modest while row groups stay large enough to scan well. */
#define DELTA_ROW_GROUP_ROWS  (128 * 1024)
/* Open data files per transaction; beyond this the least recently written
** one is closed (bounds descriptors and buffered row groups). */
#define DELTA_TXN_MAX_OPEN_FILES 256u
#define DELTA_HIVE_NULL       "__HIVE_DEFAULT_PARTITION__"
#define DELTA_ENGINE_INFO     "strata/0.1.0"

typedef struct txn_add {
    const char *path;         /* arena; URI-encoded, relative to the table */
    const char *local;        /* arena; file system path (deleted on failure); NULL for
                              ** an existing file re-added by delta_txn_add_file */
    const char *pv_json;      /* arena; partitionValues object text */
    const char *stats;        /* arena; stats JSON text, or NULL */
    int64_t     size;         /* bytes */
    int64_t     mtime;        /* ms */
    int64_t     n_rows;       /* rows written (0 for a re-added file) */
    const delta_dv *dv;       /* arena copy; re-added file's deletion vector, or NULL */
} txn_add;

/* A data file being written: one per partition folder, kept open across
** delta_txn_write calls until it reaches the row/byte limit or the commit. */
typedef struct txn_open {
    const char      *folder;   /* arena; partition folder ("a=1/"; "" unpartitioned); key */
    const char      *pv_json;  /* arena; partitionValues object text */
    const char      *rel;      /* arena; path relative to the table, not encoded */
    const char      *local;    /* arena; file system path */
    pq_writer       *w;        /* owned */
    delta_stats_acc *stats;    /* owned: stats of every row written so far */
    int64_t          n_rows;   /* rows written */
    int64_t          in_bytes; /* in-memory bytes of the rows written */
    uint64_t         last_use; /* t->use_clock at the last write */
} txn_open;

typedef struct txn_remove {
    const char *path;         /* arena; as in the log */
    const char *pv_json;      /* arena */
    int64_t     size;
    const delta_file *file;   /* borrowed: snapshot (for the deletion vector) */
} txn_remove;

/* A domainMetadata action (delta_txn_set_domain). */
typedef struct txn_domain {
    const char *domain;       /* arena */
    const char *config;       /* arena; configuration string ("" for a removal) */
    bool        removed;
} txn_domain;

struct delta_txn {
    st_arena        *arena;       /* owned: everything below */
    const char      *table;       /* root folder, no trailing slash */
    delta_snapshot  *snap;        /* owned; NULL while creating */
    bool             creating;
    const delta_create_options *create; /* the metadata to write (creation or
                                     ** delta_txn_set_metadata): a copy in arena; NULL = the
                                     ** snapshot's */
    const vec_schema *schema;     /* logical schema (snapshot or caller) */
    vec_schema       data_schema; /* schema minus partition columns (arena) */
    int              n_part;
    const char     **part_cols;   /* logical names */
    const char     **part_keys;   /* partitionValues keys (physical names) */
    int             *part_field;  /* index into schema->fields */
    int              n_indexed;   /* delta.dataSkippingNumIndexedCols */
    int64_t          cp_interval; /* delta.checkpointInterval */
    bool             append_only; /* delta.appendOnly */
    delta_write_mode mode;
    const char      *app_id;      /* arena; NULL when not set */
    int64_t          app_version;
    txn_add         *adds;        /* heap */
    size_t           n_adds, cap_adds;
    txn_remove      *removes;     /* heap */
    size_t           n_removes, cap_removes;
    int              file_seq;    /* part-NNNNN counter */
    txn_open        *open;        /* heap; sorted by folder; all closed by commit */
    size_t           n_open, cap_open;
    uint64_t         use_clock;   /* ticks per write, for closing the LRU file */
    int64_t          file_max_rows;  /* roll files at this many rows */
    int64_t          file_max_bytes; /* ... or this many input bytes */
    bool             data_change;    /* dataChange of adds and removes (default true) */
    const char      *metrics;        /* arena; operationMetrics object text, NULL = default */
    size_t           n_readded;      /* adds that re-add existing files (delta_txn_add_file) */
    bool             new_meta;       /* delta_txn_set_metadata replaced the metadata of an
                                     ** existing table (t->create holds the new one) */
    const delta_field_info *info;    /* arena; field infos of t->create's schema, NULL = none */
    int              cm_mode;        /* column mapping of the metadata written to: 0 none,
                                     ** 1 name, 2 id */
    const char     **feat;           /* arena; features asked for by delta.feature.<name>
                                     ** properties of t->create (static names) */
    int              n_feat;
    bool             widened;        /* t->create widens a column type of the snapshot's
                                     ** schema (needs typeWidening) */
    txn_domain      *domains;        /* heap; domainMetadata actions to write */
    int              n_domains, cap_domains;
    delta_dvw       *dvw;            /* owned; pending deletion vectors (delta_dv_write.c),
                                     ** NULL when none */
};

/* ---- small helpers ------------------------------------------------------- */

int64_t delta_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void delta_uuid(char out[37])
{
    uint8_t r[16];
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t n = getrandom(r + got, sizeof r - got, 0);
        if (n <= 0) {   /* fall back to a time/pid mix; uniqueness still needed */
            uint64_t x = (uint64_t)delta_now_ms() * 6364136223846793005ULL ^ (uint64_t)clock();
            for (size_t i = got; i < sizeof r; i++, x = x * 6364136223846793005ULL + 1442695040888963407ULL)
                r[i] = (uint8_t)(x >> 56);
            break;
        }
        got += (size_t)n;
    }
    r[6] = (uint8_t)((r[6] & 0x0F) | 0x40);
    r[8] = (uint8_t)((r[8] & 0x3F) | 0x80);
    static const char hex[] = "0123456789abcdef";
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[r[i] >> 4];
        out[o++] = hex[r[i] & 15];
    }
    out[o] = '\0';
}

static bool spark_escapes(unsigned char c)
{
    return (c >= 0x01 && c <= 0x1F) || c == 0x7F || (c != 0 && strchr("\"#%'*/:=?\\{[]^", c));
}

st_status delta_escape_partition(const char *v, st_buf *out, st_error *err)
{
    st_status rc = ST_OK;
    for (const unsigned char *p = (const unsigned char *)v; *p && rc == ST_OK; p++)
        rc = spark_escapes(*p) ? st_buf_printf(out, err, "%%%02X", *p)
                               : st_buf_append_byte(out, *p, err);
    return rc;
}

static bool uri_path_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c >= 0x80 || strchr("-_.!~*'(),;:$&+=/@", c) != NULL;
}

st_status delta_uri_encode_path(const char *p, st_buf *out, st_error *err)
{
    st_status rc = ST_OK;
    for (const unsigned char *s = (const unsigned char *)p; *s && rc == ST_OK; s++)
        rc = uri_path_char(*s) ? st_buf_append_byte(out, *s, err)
                               : st_buf_printf(out, err, "%%%02X", *s);
    return rc;
}

st_status delta_partition_value(const vec *v, int64_t i, st_buf *out, bool *is_null,
                                st_error *err)
{
    st_buf_clear(out);
    *is_null = !vec_is_valid(v, i);
    st_status rc = ST_OK;
    if (*is_null)
        return st_buf_append_byte(out, '\0', err);
    char tmp[64];
    switch (v->type->id) {
    case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ:
        st_format_timestamp(tmp, sizeof tmp, ((const int64_t *)v->values)[i], false, false);
        rc = st_buf_append_str(out, tmp, err);
        break;
    case VEC_STRING: case VEC_BINARY: {
        const int32_t *off = vec_offsets(v);
        rc = st_buf_append(out, v->bytes + off[i], (size_t)(off[i + 1] - off[i]), err);
        *is_null = off[i + 1] == off[i];    /* Spark stores "" as null */
        break;
    }
    case VEC_STRUCT: case VEC_LIST: case VEC_MAP:
        return st_error_set(err, ST_ERR_UNSUPPORTED, "cannot partition by a %s column",
                            vec_type_id_name(v->type->id));
    default:
        rc = vec_format_value(v, i, VEC_FMT_TEXT, out, err);
        if (rc == ST_OK && (v->type->id == VEC_FLOAT || v->type->id == VEC_DOUBLE)) {
            bool plain = true;   /* Java prints whole doubles as "1.0" */
            for (size_t k = 0; k < out->len; k++)
                plain &= (out->data[k] >= '0' && out->data[k] <= '9') || out->data[k] == '-';
            if (plain)
                rc = st_buf_append(out, ".0", 2, err);
        }
    }
    return rc == ST_OK ? st_buf_append_byte(out, '\0', err) : rc;
}

st_status delta_append_row(vec_builder *b, const vec *v, int64_t i, st_error *err)
{
    if (!vec_is_valid(v, i))
        return vec_builder_append_null(b, err);
    vec_type_id id = v->type->id;
    switch (id) {
    case VEC_NULL:
        return vec_builder_append_null(b, err);
    case VEC_BOOL:
        return vec_builder_append_bool(b, vec_bit_get(v->values, i), err);
    case VEC_INT8:  return vec_builder_append_i64(b, ((const int8_t *)v->values)[i], err);
    case VEC_INT16: return vec_builder_append_i64(b, ((const int16_t *)v->values)[i], err);
    case VEC_INT32: case VEC_DATE:
        return vec_builder_append_i64(b, ((const int32_t *)v->values)[i], err);
    case VEC_INT64: case VEC_TIME: case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ:
        return vec_builder_append_i64(b, ((const int64_t *)v->values)[i], err);
    case VEC_UINT8:  return vec_builder_append_u64(b, ((const uint8_t *)v->values)[i], err);
    case VEC_UINT16: return vec_builder_append_u64(b, ((const uint16_t *)v->values)[i], err);
    case VEC_UINT32: return vec_builder_append_u64(b, ((const uint32_t *)v->values)[i], err);
    case VEC_UINT64: return vec_builder_append_u64(b, ((const uint64_t *)v->values)[i], err);
    case VEC_FLOAT:  return vec_builder_append_f64(b, ((const float *)v->values)[i], err);
    case VEC_DOUBLE: return vec_builder_append_f64(b, ((const double *)v->values)[i], err);
    case VEC_DECIMAL: {
        __int128 x;
        memcpy(&x, (const uint8_t *)v->values + 16 * i, 16);
        return vec_builder_append_i128(b, x, err);
    }
    case VEC_STRING: case VEC_BINARY: {
        const int32_t *off = vec_offsets(v);
        return vec_builder_append_bytes(b, v->bytes + off[i], (size_t)(off[i + 1] - off[i]), err);
    }
    case VEC_STRUCT: {
        st_status rc = ST_OK;
        for (int k = 0; k < v->type->n_children && rc == ST_OK; k++)
            rc = delta_append_row(vec_builder_child(b, k), v->children[k], i, err);
        return rc == ST_OK ? vec_builder_append_struct(b, true, err) : rc;
    }
    case VEC_LIST: case VEC_MAP: {
        const int32_t *off = vec_offsets(v);
        st_status rc = ST_OK;
        for (int32_t k = off[i]; k < off[i + 1] && rc == ST_OK; k++)
            rc = delta_append_row(vec_builder_child(b, 0), v->children[0], k, err);
        return rc == ST_OK ? vec_builder_end_list(b, err) : rc;
    }
    default:
        return st_error_set(err, ST_ERR_INTERNAL, "cannot copy a %s value", vec_type_id_name(id));
    }
}

static st_status nomem(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory in delta transaction");
}

static const char *config_lookup(const delta_txn *t, const char *key)
{
    if (!t->create)
        return delta_config_get(&t->snap->meta, key);
    for (int i = 0; i < t->create->n_config; i++)
        if (strcmp(t->create->config_keys[i], key) == 0)
            return t->create->config_values[i];
    return NULL;
}

static bool type_has_ntz(const vec_type *ty)
{
    if (ty->id == VEC_TIMESTAMP_NTZ)
        return true;
    for (int i = 0; i < ty->n_children; i++)
        if (type_has_ntz(&ty->children[i].type))
            return true;
    return false;
}

static st_status prepare_meta(delta_txn *t, const delta_field_info *info, st_error *err);
static st_status take_feature_props(delta_txn *t, delta_create_options *d, st_error *err);

/* ---- begin --------------------------------------------------------------- */

/* Writer features strata honours when writing (others make writes refuse):
** the list and why each is safe are in delta_log.c (WRITER_FEATURES). */
static bool writer_feature_known(const char *f)
{
    for (const char *const *k = delta_supported_writer_features(); *k; k++)
        if (strcmp(*k, f) == 0)
            return true;
    return false;
}

static st_status check_writable(const delta_snapshot *s, st_error *err)
{
    const delta_protocol *p = &s->protocol;
    if (p->min_writer > 7 || p->min_writer < 1)
        return st_error_set(err, ST_ERR_UNSUPPORTED,
                            "cannot write to table \"%s\": writer protocol version %d is not "
                            "supported", s->table, p->min_writer);
    for (int i = 0; i < p->n_writer_features; i++)
        if (!writer_feature_known(p->writer_features[i]))
            return st_error_set(err, ST_ERR_UNSUPPORTED,
                                "cannot write to table \"%s\": writer feature \"%s\" is not "
                                "supported", s->table, p->writer_features[i]);
    const char *cdf = delta_config_get(&s->meta, "delta.enableChangeDataFeed");
    if (cdf && strcmp(cdf, "true") == 0)
        return st_error_set(err, ST_ERR_UNSUPPORTED,
                            "cannot write to table \"%s\": change data feed files are not "
                            "written by strata (delta.enableChangeDataFeed is true)", s->table);
    return ST_OK;
}

/* The field infos of the metadata being written (NULL: none). */
static const delta_field_info *txn_info(const delta_txn *t)
{
    return t->create ? t->info : t->snap->meta.field_info;
}

static int mapping_mode(const char *v)
{
    return !v ? 0 : strcmp(v, "name") == 0 ? 1 : strcmp(v, "id") == 0 ? 2 : 0;
}

/* A copy of type ty whose struct fields carry their physical names (info
** mirrors ty), in arena a: what data files store under column mapping. */
static st_status physical_type(st_arena *a, const vec_type *ty, const delta_field_info *info,
                               vec_type *out, st_error *err)
{
    *out = *ty;
    if (ty->n_children == 0)
        return ST_OK;
    vec_field *kids = st_arena_calloc(a, (size_t)ty->n_children, sizeof *kids);
    if (!kids)
        return nomem(err);
    st_status rc = ST_OK;
    for (int i = 0; i < ty->n_children && rc == ST_OK; i++) {
        kids[i] = ty->children[i];
        const delta_field_info *ci = NULL;
        if (ty->id == VEC_STRUCT && info && i < info->n_children) {
            ci = &info->children[i];
            if (ci->physical_name)
                kids[i].name = ci->physical_name;
        } else if (ty->id == VEC_LIST) {
            ci = info && info->n_children > 0 ? &info->children[0] : NULL;
        } else if (ty->id == VEC_MAP) {
            ci = info;   /* the entries struct: key and value infos are info's children */
        }
        rc = physical_type(a, &ty->children[i].type, ci, &kids[i].type, err);
    }
    out->children = kids;
    return rc;
}

st_status delta_physical_field(st_arena *a, const vec_field *f, const delta_field_info *info,
                               vec_field *out, st_error *err)
{
    *out = *f;
    if (!info)
        return ST_OK;
    if (info->physical_name)
        out->name = info->physical_name;
    return physical_type(a, &f->type, info, &out->type, err);
}

static st_status setup_partitions(delta_txn *t, st_error *err)
{
    const vec_schema *s = t->schema;
    if (!t->create) {
        const delta_metadata *m = &t->snap->meta;
        t->n_part = m->n_partition_cols;
        t->part_cols = m->partition_cols;
        t->part_field = m->partition_field;
    } else {
        t->n_part = t->create->n_partition_cols;
        t->part_cols = st_arena_calloc(t->arena, (size_t)t->n_part + 1, sizeof(char *));
        t->part_field = st_arena_calloc(t->arena, (size_t)t->n_part + 1, sizeof(int));
        if (!t->part_cols || !t->part_field)
            return nomem(err);
        for (int k = 0; k < t->n_part; k++) {
            const char *name = t->create->partition_cols[k];
            t->part_cols[k] = st_arena_strdup(t->arena, name);
            t->part_field[k] = -1;
            for (int f = 0; f < s->n_fields; f++)
                if (strcmp(s->fields[f].name, name) == 0)
                    t->part_field[k] = f;
            if (t->part_field[k] < 0)
                return st_error_set(err, ST_ERR_ARGUMENT,
                                    "partition column \"%s\" is not in the schema of table \"%s\"",
                                    name, t->table);
            if (vec_type_is_nested(s->fields[t->part_field[k]].type.id))
                return st_error_set(err, ST_ERR_ARGUMENT,
                                    "cannot partition table \"%s\" by nested column \"%s\"",
                                    t->table, name);
        }
    }
    t->cm_mode = mapping_mode(config_lookup(t, "delta.columnMapping.mode"));
    const delta_field_info *info = t->cm_mode ? txn_info(t) : NULL;
    t->part_keys = st_arena_calloc(t->arena, (size_t)t->n_part + 1, sizeof(char *));
    t->data_schema.fields = st_arena_calloc(t->arena, (size_t)s->n_fields + 1, sizeof(vec_field));
    t->data_schema.n_fields = 0;
    if (!t->part_keys || !t->data_schema.fields)
        return nomem(err);
    for (int k = 0; k < t->n_part; k++) {
        const delta_field_info *fi = info ? &info[t->part_field[k]] : NULL;
        t->part_keys[k] = fi && fi->physical_name ? fi->physical_name : t->part_cols[k];
    }
    for (int f = 0; f < s->n_fields; f++) {
        bool is_part = false;
        for (int k = 0; k < t->n_part; k++)
            is_part |= t->part_field[k] == f;
        if (is_part)
            continue;
        vec_field *df = &t->data_schema.fields[t->data_schema.n_fields++];
        st_status rc = delta_physical_field(t->arena, &s->fields[f], info ? &info[f] : NULL,
                                            df, err);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

static void read_config(delta_txn *t)
{
    const char *v = config_lookup(t, "delta.dataSkippingNumIndexedCols");
    t->n_indexed = v ? atoi(v) : DELTA_STATS_DEFAULT_INDEXED_COLS;
    v = config_lookup(t, "delta.checkpointInterval");
    t->cp_interval = v ? atoll(v) : 10;
    if (t->cp_interval <= 0)
        t->cp_interval = 10;
    v = config_lookup(t, "delta.appendOnly");
    t->append_only = v && strcmp(v, "true") == 0;
    v = config_lookup(t, "delta.targetFileSize");
    t->file_max_bytes = v && atoll(v) > 0 ? atoll(v) : DELTA_FILE_MAX_BYTES;
    /* Row cap per file (Spark's maxRecordsPerFile); never above the default. */
    v = config_lookup(t, "strata.maxRecordsPerFile");
    t->file_max_rows = v && atoll(v) > 0 ? ST_MIN(atoll(v), DELTA_FILE_MAX_ROWS)
                                          : DELTA_FILE_MAX_ROWS;
}

static st_status begin_tail(delta_txn *t, st_error *err)
{
    st_status rc = setup_partitions(t, err);
    if (rc == ST_OK)
        read_config(t);
    return rc;
}

static const char **copy_strings(st_arena *a, const char *const *src, int n)
{
    const char **d = st_arena_calloc(a, (size_t)(n > 0 ? n : 1), sizeof(char *));
    for (int i = 0; d && i < n; i++)
        if (src[i] && !(d[i] = st_arena_strdup(a, src[i])))
            return NULL;
    return d;
}

/* The create options live in the transaction's arena, so callers need not
** keep theirs alive until commit. */
static st_status copy_create(delta_txn *t, const delta_create_options *c, st_error *err)
{
    delta_create_options *d = st_arena_calloc(t->arena, 1, sizeof *d);
    vec_schema *s = st_arena_calloc(t->arena, 1, sizeof *s);
    if (!d || !s)
        return nomem(err);
    *d = *c;
    st_status rc = vec_schema_copy(t->arena, c->schema, s, err);
    if (rc != ST_OK)
        return rc;
    d->schema = s;
    d->partition_cols = copy_strings(t->arena, c->partition_cols, c->n_partition_cols);
    d->config_keys = copy_strings(t->arena, c->config_keys, c->n_config);
    d->config_values = copy_strings(t->arena, c->config_values, c->n_config);
    d->name = c->name ? st_arena_strdup(t->arena, c->name) : NULL;
    d->description = c->description ? st_arena_strdup(t->arena, c->description) : NULL;
    if (!d->partition_cols || !d->config_keys || !d->config_values ||
        (c->name && !d->name) || (c->description && !d->description))
        return nomem(err);
    rc = take_feature_props(t, d, err);
    if (rc != ST_OK)
        return rc;
    t->create = d;
    t->schema = s;
    return ST_OK;
}

st_status delta_txn_begin(const char *table, const delta_create_options *create,
                          delta_txn **out, st_error *err)
{
    *out = NULL;
    delta_txn *t = st_calloc(1, sizeof *t);
    if (!t || !(t->arena = st_arena_new(0))) {
        st_free(t);
        return nomem(err);
    }
    size_t n = strlen(table);
    if (strncmp(table, "file://", 7) == 0) {
        table += 7;
        n -= 7;
    }
    while (n > 1 && table[n - 1] == '/')
        n--;
    t->table = st_arena_strndup(t->arena, table, n);
    t->data_change = true;
    st_status rc = t->table ? ST_OK : nomem(err);
    delta_snapshot *snap = NULL;
    if (rc == ST_OK) {
        st_error e2;
        st_error_init(&e2);
        rc = delta_snapshot_load(t->table, NULL, &snap, &e2);
        if (rc == ST_OK && create) {
            delta_snapshot_free(snap);
            rc = st_error_set(err, ST_ERR_ARGUMENT, "table \"%s\" already exists", t->table);
        } else if (rc == ST_ERR_NOTFOUND && create) {
            rc = ST_OK;
            t->creating = true;
            if (!create->schema || create->schema->n_fields == 0)
                rc = st_error_set(err, ST_ERR_ARGUMENT,
                                  "cannot create table \"%s\" without columns", t->table);
            else
                rc = copy_create(t, create, err);
            if (rc == ST_OK)
                rc = prepare_meta(t, NULL, err);
        } else if (rc == ST_OK) {
            t->snap = snap;
            t->schema = &snap->meta.schema;
            rc = check_writable(snap, err);
        } else {
            *err = e2;
        }
    }
    if (rc == ST_OK)
        rc = begin_tail(t, err);
    if (rc != ST_OK) {
        delta_txn_abort(t);
        return rc;
    }
    *out = t;
    return ST_OK;
}

const delta_snapshot *delta_txn_snapshot(const delta_txn *t)
{
    return t->snap;
}

delta_dvw **delta_txn_dvw(delta_txn *t)
{
    return &t->dvw;
}

void delta_txn_set_mode(delta_txn *t, delta_write_mode mode)
{
    t->mode = mode;
}

void delta_txn_set_app_version(delta_txn *t, const char *app_id, int64_t version)
{
    t->app_id = st_arena_strdup(t->arena, app_id);
    t->app_version = version;
}

/* ---- metadata changes: protocol, field infos, column mapping ------------------- */

/* Features a metadata can need (PROTOCOL.md "Table Features"): `reader` 1 =
** writer-only, 2 = the legacy reader version 2 feature (column mapping), 3 =
** a reader-writer table feature; `writer` the legacy writer version that
** implies it (7 = table features only). */
typedef struct txn_feature {
    const char *name;
    int         reader;
    int         writer;
} txn_feature;

static const txn_feature txn_features[] = {
    { "appendOnly", 1, 2 },       { "invariants", 1, 2 },        { "checkConstraints", 1, 3 },
    { "changeDataFeed", 1, 4 },   { "generatedColumns", 1, 4 },  { "columnMapping", 2, 5 },
    { "identityColumns", 1, 6 },  { "deletionVectors", 3, 7 },   { "timestampNtz", 3, 7 },
    { "domainMetadata", 1, 7 },   { "allowColumnDefaults", 1, 7 }, { "clustering", 1, 7 },
    { "typeWidening", 3, 7 },
};

static const txn_feature *feature_find(const char *name)
{
    for (size_t i = 0; i < ST_ARRAY_LEN(txn_features); i++)
        if (strcmp(txn_features[i].name, name) == 0)
            return &txn_features[i];
    return NULL;
}

/* Moves the delta.feature.<name> = 'supported' (or 'enabled') properties of
** d out of its configuration into t->feat: Delta consumes them (they list
** the feature in the protocol and are not stored in metaData). Names match
** case-insensitively, as in Delta. */
static st_status take_feature_props(delta_txn *t, delta_create_options *d, st_error *err)
{
    const char **keys = (const char **)d->config_keys, **vals = (const char **)d->config_values;
    const char **feat = st_arena_calloc(t->arena, ST_ARRAY_LEN(txn_features), sizeof(char *));
    if (!feat)
        return nomem(err);
    int n_feat = 0, m = 0;
    for (int i = 0; i < d->n_config; i++) {
        if (strncasecmp(keys[i], "delta.feature.", 14) != 0) {
            keys[m] = keys[i];
            vals[m++] = vals[i];
            continue;
        }
        const char *name = keys[i] + 14;
        const txn_feature *f = NULL;
        for (size_t k = 0; k < ST_ARRAY_LEN(txn_features) && !f; k++)
            if (strcasecmp(txn_features[k].name, name) == 0)
                f = &txn_features[k];
        if (!f) {
            st_error_set(err, ST_ERR_UNSUPPORTED, "cannot enable table feature \"%s\" on table "
                         "\"%s\": strata does not support writing it", name, t->table);
            return st_error_hint(err, "Remove the delta.feature.%s property.", name);
        }
        if (!vals[i] || (strcasecmp(vals[i], "supported") != 0 &&
                         strcasecmp(vals[i], "enabled") != 0))
            return st_error_set(err, ST_ERR_ARGUMENT, "table property \"%s\" of table \"%s\" "
                                "must be 'supported', not '%s'", keys[i], t->table,
                                vals[i] ? vals[i] : "");
        bool seen = false;
        for (int k = 0; k < n_feat; k++)
            seen |= feat[k] == f->name;
        if (!seen)
            feat[n_feat++] = f->name;
    }
    d->n_config = m;
    t->feat = feat;
    t->n_feat = n_feat;
    return ST_OK;
}

static bool name_in(const char *const *list, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

/* Appends name to list (capacity known by the caller) unless present. */
static void name_add(const char **list, int *n, const char *name)
{
    if (!name_in(list, *n, name))
        list[(*n)++] = name;
}

/* Field metadata flags of an info tree: bit 0 invariants, 1 generated
** column, 2 identity column, 3 column default, 4 type changes. */
static int info_flags(const delta_field_info *info, int n)
{
    int flags = 0;
    for (int i = 0; info && i < n; i++) {
        if (info[i].extra_metadata) {
            json_t *o = json_loads(info[i].extra_metadata, 0, NULL);
            const char *k;
            json_t *v;
            json_object_foreach(o, k, v) {
                flags |= strcmp(k, "delta.invariants") == 0 ? 1 : 0;
                flags |= strcmp(k, "delta.generationExpression") == 0 ? 2 : 0;
                flags |= strncmp(k, "delta.identity.", 15) == 0 ? 4 : 0;
                flags |= strcmp(k, "CURRENT_DEFAULT") == 0 ? 8 : 0;
                flags |= strcmp(k, "delta.typeChanges") == 0 ? 16 : 0;
            }
            json_decref(o);
        }
        flags |= info_flags(info[i].children, info[i].n_children);
    }
    return flags;
}

static bool config_true(const delta_txn *t, const char *key)
{
    const char *v = config_lookup(t, key);
    return v && strcasecmp(v, "true") == 0;
}

/* The features the transaction needs (names are static; each once, so at
** most ST_ARRAY_LEN(txn_features)): those of the metadata being written
** (t->create), if any, and domainMetadata when it writes domains. */
static int needed_features(const delta_txn *t, const char **need)
{
    int n = 0;
    const delta_create_options *c = t->create;
    if (t->n_domains > 0)
        name_add(need, &n, "domainMetadata");
    if (!c)
        return n;
    if (config_true(t, "delta.appendOnly"))
        name_add(need, &n, "appendOnly");
    for (int i = 0; i < c->n_config; i++)
        if (strncmp(c->config_keys[i], "delta.constraints.", 18) == 0) {
            name_add(need, &n, "checkConstraints");
            break;
        }
    if (config_true(t, "delta.enableChangeDataFeed"))
        name_add(need, &n, "changeDataFeed");
    if (t->cm_mode != 0)
        name_add(need, &n, "columnMapping");
    if (config_true(t, "delta.enableDeletionVectors"))
        name_add(need, &n, "deletionVectors");
    if (config_true(t, "delta.enableTypeWidening") || t->widened)
        name_add(need, &n, "typeWidening");
    bool ntz = false;
    for (int i = 0; i < t->schema->n_fields; i++)
        ntz |= type_has_ntz(&t->schema->fields[i].type);
    if (ntz)
        name_add(need, &n, "timestampNtz");
    int flags = info_flags(t->info, t->info ? t->schema->n_fields : 0);
    if (flags & 1)
        name_add(need, &n, "invariants");
    if (flags & 2)
        name_add(need, &n, "generatedColumns");
    if (flags & 4)
        name_add(need, &n, "identityColumns");
    if (flags & 8)
        name_add(need, &n, "allowColumnDefaults");
    if (flags & 16)
        name_add(need, &n, "typeWidening");
    for (int i = 0; i < t->n_feat; i++)
        name_add(need, &n, t->feat[i]);
    if (name_in(need, n, "clustering"))        /* its columns live in a domain */
        name_add(need, &n, "domainMetadata");
    return n;
}

/* The protocol a table needs: `old` (NULL for a new table) raised so it
** supports every feature in need, never lowered. Legacy versions while they
** suffice; otherwise reader 3 / writer 7 with explicit lists, an upgraded
** legacy table listing the features its old versions implied (as Delta
** does). Arrays in arena a. */
static st_status protocol_compute(const delta_protocol *old, const char *const *need, int n_need,
                                  st_arena *a, delta_protocol *out, st_error *err)
{
    memset(out, 0, sizeof *out);
    bool tf = old && (old->min_writer >= 7 || old->min_reader >= 3);
    for (int i = 0; i < n_need; i++) {
        const txn_feature *f = feature_find(need[i]);
        tf |= f->writer >= 7;
    }
    if (!tf) {
        out->min_reader = old ? old->min_reader : 1;
        out->min_writer = old ? old->min_writer : 2;
        for (int i = 0; i < n_need; i++) {
            const txn_feature *f = feature_find(need[i]);
            out->min_reader = ST_MAX(out->min_reader, f->reader);
            out->min_writer = ST_MAX(out->min_writer, f->writer);
        }
        return ST_OK;
    }
    size_t cap = ST_ARRAY_LEN(txn_features) + (size_t)n_need +
                 (old ? (size_t)old->n_writer_features + (size_t)old->n_reader_features : 0);
    const char **wf = st_arena_calloc(a, cap, sizeof(char *));
    const char **rf = st_arena_calloc(a, cap, sizeof(char *));
    if (!wf || !rf)
        return nomem(err);
    int nw = 0, nr = 0;
    if (old && old->min_writer >= 7) {
        for (int i = 0; i < old->n_writer_features; i++)
            name_add(wf, &nw, old->writer_features[i]);
    } else if (old) {                 /* what the legacy versions implied */
        for (size_t i = 0; i < ST_ARRAY_LEN(txn_features); i++)
            if (txn_features[i].writer < 7 && txn_features[i].writer <= old->min_writer)
                name_add(wf, &nw, txn_features[i].name);
    }
    for (int i = 0; i < n_need; i++)
        name_add(wf, &nw, need[i]);
    bool reader3 = old && old->min_reader >= 3;
    for (int i = 0; old && old->min_reader >= 3 && i < old->n_reader_features; i++)
        name_add(rf, &nr, old->reader_features[i]);
    for (int i = 0; i < nw; i++) {
        const txn_feature *f = feature_find(wf[i]);
        if (f && f->reader >= 2)
            name_add(rf, &nr, wf[i]);
        reader3 |= f && f->reader >= 3;
    }
    out->min_writer = 7;
    out->n_writer_features = nw;
    out->writer_features = wf;
    if (reader3) {
        out->min_reader = 3;
        out->n_reader_features = nr;
        out->reader_features = rf;
    } else {                          /* only column mapping: legacy reader 2 suffices */
        out->min_reader = ST_MAX(old ? old->min_reader : 1, nr > 0 ? 2 : 1);
    }
    return ST_OK;
}

static bool same_names(const char *const *a, int na, const char *const *b, int nb)
{
    if (na != nb)
        return false;
    for (int i = 0; i < na; i++)
        if (!name_in(b, nb, a[i]))
            return false;
    return true;
}

static bool protocol_same(const delta_protocol *x, const delta_protocol *y)
{
    return x->min_reader == y->min_reader && x->min_writer == y->min_writer &&
           same_names(x->reader_features, x->n_reader_features, y->reader_features,
                      y->n_reader_features) &&
           same_names(x->writer_features, x->n_writer_features, y->writer_features,
                      y->n_writer_features);
}

static st_status append_names(st_buf *b, const char *key, const char *const *names, int n,
                              st_error *err)
{
    st_status rc = st_buf_printf(b, err, ",\"%s\":[", key);
    for (int i = 0; i < n && rc == ST_OK; i++) {
        if (i > 0)
            rc = st_buf_append_byte(b, ',', err);
        if (rc == ST_OK)
            rc = delta_json_quote(b, names[i], strlen(names[i]), err);
    }
    return rc == ST_OK ? st_buf_append_byte(b, ']', err) : rc;
}

static st_status append_protocol(const delta_protocol *p, st_buf *b, st_error *err)
{
    st_status rc = st_buf_printf(b, err, "{\"protocol\":{\"minReaderVersion\":%d,"
                                 "\"minWriterVersion\":%d", p->min_reader, p->min_writer);
    if (rc == ST_OK && p->min_reader >= 3)
        rc = append_names(b, "readerFeatures", p->reader_features, p->n_reader_features, err);
    if (rc == ST_OK && p->min_writer >= 7)
        rc = append_names(b, "writerFeatures", p->writer_features, p->n_writer_features, err);
    return rc == ST_OK ? st_buf_append_str(b, "}}\n", err) : rc;
}

typedef struct info_ctx {
    st_arena *a;
    bool      assign;       /* give fields without an id one (column mapping on) */
    bool      keep_names;   /* ... named as the field (existing data) or col-<uuid> */
    int64_t  *max_id;       /* in: highest id in use; out: highest after assigning */
    st_error *err;
} info_ctx;

static st_status copy_type_info(info_ctx *c, const vec_type *ty, const delta_field_info *si,
                                delta_field_info *d);

/* Copies the infos of struct fields[0..n) (src mirrors them; may be NULL or
** shorter) into dst, assigning column mapping where c asks for it. */
static st_status copy_fields_info(info_ctx *c, const vec_field *fields, int n,
                                  const delta_field_info *src, int n_src, delta_field_info *dst)
{
    for (int i = 0; i < n; i++) {
        const delta_field_info *si = src && i < n_src ? &src[i] : NULL;
        delta_field_info *d = &dst[i];
        d->field_id = si ? si->field_id : -1;
        d->physical_name = st_arena_strdup(c->a, si && si->physical_name ? si->physical_name
                                                                         : fields[i].name);
        d->extra_metadata = si && si->extra_metadata ? st_arena_strdup(c->a, si->extra_metadata)
                                                     : NULL;
        if (c->assign && d->field_id < 0) {
            char uuid[37];
            delta_uuid(uuid);
            d->field_id = ++*c->max_id;
            d->physical_name = c->keep_names ? st_arena_strdup(c->a, fields[i].name)
                                             : st_arena_printf(c->a, "col-%s", uuid);
        }
        if (!d->physical_name || (si && si->extra_metadata && !d->extra_metadata))
            return nomem(c->err);
        *c->max_id = ST_MAX(*c->max_id, d->field_id);
        st_status rc = copy_type_info(c, &fields[i].type, si, d);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

/* The child infos of a field of type ty: struct fields, a list's element, a
** map's key and value (the last three are not fields: no ids). */
static st_status copy_type_info(info_ctx *c, const vec_type *ty, const delta_field_info *si,
                                delta_field_info *d)
{
    d->n_children = 0;
    d->children = NULL;
    const delta_field_info *sk = si ? si->children : NULL;
    int n_sk = si ? si->n_children : 0;
    if (ty->id == VEC_STRUCT) {
        d->children = st_arena_calloc(c->a, (size_t)ty->n_children + 1, sizeof *d->children);
        if (!d->children)
            return nomem(c->err);
        d->n_children = ty->n_children;
        return copy_fields_info(c, ty->children, ty->n_children, sk, n_sk, d->children);
    }
    if ((ty->id != VEC_LIST && ty->id != VEC_MAP) || ty->n_children != 1)
        return ST_OK;
    const vec_type *el = &ty->children[0].type;
    bool map = ty->id == VEC_MAP;
    if (map && (el->id != VEC_STRUCT || el->n_children != 2))
        return ST_OK;
    int n = map ? 2 : 1;
    static const char *const names[2][2] = { { "element", "" }, { "key", "value" } };
    d->children = st_arena_calloc(c->a, (size_t)n, sizeof *d->children);
    if (!d->children)
        return nomem(c->err);
    d->n_children = n;
    for (int j = 0; j < n; j++) {
        const delta_field_info *sj = sk && j < n_sk ? &sk[j] : NULL;
        delta_field_info *dj = &d->children[j];
        dj->field_id = sj ? sj->field_id : -1;
        dj->physical_name = names[map][j];
        st_status rc = copy_type_info(c, map ? &el->children[j].type : el, sj, dj);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

static bool any_field_id(const delta_field_info *info, int n)
{
    for (int i = 0; info && i < n; i++)
        if (info[i].field_id >= 0)
            return true;
    return false;
}

st_status delta_enable_column_mapping(const vec_schema *s, const delta_field_info *old_info,
                                      st_arena *a, delta_field_info **out_info, int64_t *max_id,
                                      st_error *err)
{
    *out_info = NULL;
    delta_field_info *d = st_arena_calloc(a, (size_t)s->n_fields + 1, sizeof *d);
    if (!d)
        return nomem(err);
    info_ctx c = { .a = a, .assign = true, .keep_names = !any_field_id(old_info, s->n_fields),
                   .max_id = max_id, .err = err };
    if (*max_id < 0)
        *max_id = 0;
    st_status rc = copy_fields_info(&c, s->fields, s->n_fields, old_info,
                                    old_info ? s->n_fields : 0, d);
    if (rc == ST_OK)
        *out_info = d;
    return rc;
}

/* Sets (or adds) configuration key to value in t->create (arena copies). */
static st_status config_put(delta_txn *t, const char *key, const char *value, st_error *err)
{
    delta_create_options *c = (delta_create_options *)t->create;   /* t's own arena copy */
    for (int i = 0; i < c->n_config; i++)
        if (strcmp(c->config_keys[i], key) == 0) {
            const char **vals = (const char **)c->config_values;
            vals[i] = st_arena_strdup(t->arena, value);
            return vals[i] ? ST_OK : nomem(err);
        }
    const char **keys = st_arena_calloc(t->arena, (size_t)c->n_config + 1, sizeof(char *));
    const char **vals = st_arena_calloc(t->arena, (size_t)c->n_config + 1, sizeof(char *));
    if (!keys || !vals)
        return nomem(err);
    memcpy(keys, c->config_keys, (size_t)c->n_config * sizeof(char *));
    memcpy(vals, c->config_values, (size_t)c->n_config * sizeof(char *));
    keys[c->n_config] = st_arena_strdup(t->arena, key);
    vals[c->n_config] = st_arena_strdup(t->arena, value);
    if (!keys[c->n_config] || !vals[c->n_config])
        return nomem(err);
    c->config_keys = keys;
    c->config_values = vals;
    c->n_config++;
    return ST_OK;
}

/* Field infos and column mapping of the metadata in t->create: copies info
** (may be NULL) into t->info; with column mapping on, fields without an id
** get one (named as the field when mapping is being enabled on existing
** data, else col-<uuid>) and delta.columnMapping.maxColumnId is kept at the
** highest id. The mode may only go from none to name on a table that keeps
** its files. */
static st_status prepare_meta(delta_txn *t, const delta_field_info *info, st_error *err)
{
    const char *mv = config_lookup(t, "delta.columnMapping.mode");
    int mode = mapping_mode(mv);
    if (mv && mode == 0 && strcmp(mv, "none") != 0)
        return st_error_set(err, ST_ERR_ARGUMENT, "table \"%s\" has an invalid "
                            "delta.columnMapping.mode \"%s\" (none, name or id)", t->table, mv);
    int old_mode = t->snap ? t->snap->meta.column_mapping : 0;
    bool keeps_files = t->snap && t->mode != DELTA_OVERWRITE;
    static const char *const mode_names[3] = { "none", "name", "id" };
    if (keeps_files && mode != old_mode && !(old_mode == 0 && mode == 1))
        return st_error_set(err, ST_ERR_ARGUMENT, "cannot change the column mapping mode of "
                            "table \"%s\" from %s to %s", t->table, mode_names[old_mode],
                            mode_names[mode]);
    int64_t max_id = 0;
    const char *mx = config_lookup(t, "delta.columnMapping.maxColumnId");
    if (mx)
        max_id = atoll(mx);
    if (t->snap && (mx = delta_config_get(&t->snap->meta, "delta.columnMapping.maxColumnId")))
        max_id = ST_MAX(max_id, atoll(mx));   /* ids are never reused */
    const vec_schema *s = t->schema;
    delta_field_info *d = st_arena_calloc(t->arena, (size_t)s->n_fields + 1, sizeof *d);
    if (!d)
        return nomem(err);
    info_ctx c = { .a = t->arena, .assign = mode != 0, .keep_names = keeps_files && old_mode == 0,
                   .max_id = &max_id, .err = err };
    st_status rc = copy_fields_info(&c, s->fields, s->n_fields, info, info ? s->n_fields : 0, d);
    if (rc != ST_OK)
        return rc;
    t->info = (info || mode != 0) ? d : NULL;
    if (mode == 0)
        return ST_OK;
    for (int i = 0; i < s->n_fields; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(d[i].physical_name, d[j].physical_name) == 0 ||
                d[i].field_id == d[j].field_id)
                return st_error_set(err, ST_ERR_ARGUMENT, "columns \"%s\" and \"%s\" of table "
                                    "\"%s\" have the same physical name or column mapping id",
                                    s->fields[j].name, s->fields[i].name, t->table);
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, max_id);
    return config_put(t, "delta.columnMapping.maxColumnId", buf, err);
}

/* The name that identifies partition column k of metadata m / of t's new
** metadata across renames: the physical name under column mapping. */
static const char *old_part_key(const delta_metadata *m, int k)
{
    int f = m->partition_field[k];
    return m->column_mapping && m->field_info && m->field_info[f].physical_name
           ? m->field_info[f].physical_name : m->partition_cols[k];
}

static st_status check_partitions_kept(const delta_txn *t, st_error *err)
{
    if (!t->new_meta || t->mode == DELTA_OVERWRITE)
        return ST_OK;
    const delta_metadata *m = &t->snap->meta;
    bool same = m->n_partition_cols == t->n_part;
    for (int k = 0; same && k < t->n_part; k++)
        same = strcmp(old_part_key(m, k), t->part_keys[k]) == 0;
    if (same)
        return ST_OK;
    st_error_set(err, ST_ERR_ARGUMENT, "cannot change the partition columns of table \"%s\"",
                 t->table);
    return st_error_hint(err, "Replace the table (CREATE OR REPLACE TABLE) to repartition it.");
}

/* ---- type changes (PROTOCOL.md "Type Widening") ------------------------------ */

static int int_rank(vec_type_id id)
{
    return id == VEC_INT8 ? 1 : id == VEC_INT16 ? 2 : id == VEC_INT32 ? 3 : id == VEC_INT64 ? 4 : 0;
}

/* Whether a column of scalar type `from` may become `to` while its old files
** stay as they are (Delta's type widening; the scan widens old files with
** vec_cast_widen): integers to wider integers, byte/short/int to double or
** to a decimal with enough integer digits, float to double, decimal(p, s) to
** decimal(p + k1, s + k2) with k1 >= k2 >= 0, date to timestamp_ntz. */
static bool widening_ok(const vec_type *from, const vec_type *to)
{
    int rf = int_rank(from->id), rt = int_rank(to->id);
    if (rf > 0 && rt > 0)
        return rf <= rt;
    if (rf > 0 && rf <= 3 && to->id == VEC_DOUBLE)
        return true;
    if (rf > 0 && to->id == VEC_DECIMAL) {
        static const int digits[] = { 0, 3, 5, 10, 20 };
        return to->precision - to->scale >= digits[rf];
    }
    if (from->id == VEC_DECIMAL && to->id == VEC_DECIMAL)
        return to->scale >= from->scale && to->precision - to->scale >= from->precision - from->scale;
    return (from->id == VEC_FLOAT && to->id == VEC_DOUBLE) ||
           (from->id == VEC_DATE && to->id == VEC_TIMESTAMP_NTZ);
}

typedef struct widen_ctx {
    const delta_txn *t;
    bool             old_cm, new_cm; /* match struct fields by physical name */
    bool             widened;        /* out: some type was widened */
    st_error        *err;
} widen_ctx;

/* The name identifying a struct field across metadata versions. */
static const char *field_key(const vec_field *f, const delta_field_info *fi, bool cm)
{
    return cm && fi && fi->physical_name ? fi->physical_name : f->name;
}

static st_status check_fields_change(widen_ctx *c, const char *path, const vec_field *of, int n_of,
                                     const delta_field_info *oi, int n_oi, const vec_field *nf,
                                     int n_nf, const delta_field_info *ni, int n_ni);

/* Old type ot (infos oi) -> new type nt (ni) of the column at path: the
** same, the same nesting with allowed changes inside, or a widening. */
static st_status check_type_change(widen_ctx *c, const char *path, const vec_type *ot,
                                   const delta_field_info *oi, const vec_type *nt,
                                   const delta_field_info *ni)
{
    if (ot->id == VEC_STRUCT && nt->id == VEC_STRUCT)
        return check_fields_change(c, path, ot->children, ot->n_children,
                                   oi ? oi->children : NULL, oi ? oi->n_children : 0,
                                   nt->children, nt->n_children, ni ? ni->children : NULL,
                                   ni ? ni->n_children : 0);
    bool map = ot->id == VEC_MAP;
    if ((map || ot->id == VEC_LIST) && ot->id == nt->id && ot->n_children == 1 &&
        nt->n_children == 1) {
        const vec_type *oe = &ot->children[0].type, *ne = &nt->children[0].type;
        if (!map)
            return check_type_change(c, st_arena_printf(c->t->arena, "%s.element", path), oe,
                                     oi && oi->n_children > 0 ? &oi->children[0] : NULL, ne,
                                     ni && ni->n_children > 0 ? &ni->children[0] : NULL);
        static const char *const part[2] = { "key", "value" };
        st_status rc = ST_OK;
        for (int j = 0; j < 2 && rc == ST_OK && oe->n_children == 2 && ne->n_children == 2; j++)
            rc = check_type_change(c, st_arena_printf(c->t->arena, "%s.%s", path, part[j]),
                                   &oe->children[j].type,
                                   oi && oi->n_children > j ? &oi->children[j] : NULL,
                                   &ne->children[j].type,
                                   ni && ni->n_children > j ? &ni->children[j] : NULL);
        return rc;
    }
    if (vec_type_equal(ot, nt))
        return ST_OK;
    if (!vec_type_is_nested(ot->id) && !vec_type_is_nested(nt->id) && widening_ok(ot, nt)) {
        c->widened = true;
        return ST_OK;
    }
    char ob[64], nb[64];
    vec_type_format(ot, ob, sizeof ob);
    vec_type_format(nt, nb, sizeof nb);
    st_error_set(c->err, ST_ERR_ARGUMENT, "cannot change the type of column \"%s\" of table "
                 "\"%s\" from %s to %s: not a supported type widening", path ? path : "?",
                 c->t->table, ob, nb);
    return st_error_hint(c->err, "Widening changes only (int to bigint, float to double, wider "
                         "decimals, date to timestamp_ntz); replace the table to change a type "
                         "otherwise.");
}

/* Struct fields: a new field matches the old one of the same name (under
** column mapping: the same physical name); new fields are new columns. */
static st_status check_fields_change(widen_ctx *c, const char *path, const vec_field *of, int n_of,
                                     const delta_field_info *oi, int n_oi, const vec_field *nf,
                                     int n_nf, const delta_field_info *ni, int n_ni)
{
    for (int j = 0; j < n_nf; j++) {
        const delta_field_info *nj = ni && j < n_ni ? &ni[j] : NULL;
        const char *key = field_key(&nf[j], nj, c->new_cm);
        for (int i = 0; i < n_of; i++) {
            const delta_field_info *oj = oi && i < n_oi ? &oi[i] : NULL;
            if (strcmp(field_key(&of[i], oj, c->old_cm), key) != 0)
                continue;
            const char *p = path ? st_arena_printf(c->t->arena, "%s.%s", path, nf[j].name)
                                 : nf[j].name;
            st_status rc = check_type_change(c, p, &of[i].type, oj, &nf[j].type, nj);
            if (rc != ST_OK)
                return rc;
            break;
        }
    }
    return ST_OK;
}

/* Compares the new metadata's schema (t->create, t->info) with the
** snapshot's, column by column: only widenings are allowed while the table
** keeps its files; t->widened records whether there was one. RESTORE
** (files removed or re-added before the metadata is set) puts back an older
** version's metadata with that version's files, so it may narrow back. */
static st_status check_type_changes(delta_txn *t, st_error *err)
{
    t->widened = false;
    if (!t->snap || t->mode == DELTA_OVERWRITE)
        return ST_OK;
    bool restoring = t->n_removes > 0 || t->n_readded > 0;
    const delta_metadata *m = &t->snap->meta;
    widen_ctx c = { .t = t, .old_cm = m->column_mapping != 0, .new_cm = t->cm_mode != 0,
                    .err = err };
    st_status rc = check_fields_change(&c, NULL, m->schema.fields, m->schema.n_fields,
                                       m->field_info, m->field_info ? m->schema.n_fields : 0,
                                       t->schema->fields, t->schema->n_fields, t->info,
                                       t->info ? t->schema->n_fields : 0);
    t->widened = rc == ST_OK && c.widened;
    if (rc != ST_OK && restoring) {
        st_error_init(err);
        rc = ST_OK;
    }
    return rc;
}

st_status delta_txn_set_metadata(delta_txn *t, const delta_create_options *m,
                                 const delta_field_info *field_info, st_error *err)
{
    if (!m || !m->schema || m->schema->n_fields == 0)
        return st_error_set(err, ST_ERR_ARGUMENT, "cannot set metadata of table \"%s\" without "
                            "columns", t->table);
    if (t->n_adds > t->n_readded || t->n_open > 0)
        return st_error_set(err, ST_ERR_ARGUMENT, "cannot change the metadata of table \"%s\" "
                            "after writing data in the same transaction", t->table);
    const delta_create_options *old_create = t->create;
    const delta_field_info *old_info = t->info;
    const vec_schema *old_schema = t->schema;
    bool old_new_meta = t->new_meta, old_widened = t->widened;
    const char **old_feat = t->feat;
    int old_n_feat = t->n_feat;
    st_status rc = copy_create(t, m, err);
    if (rc == ST_OK)
        rc = prepare_meta(t, field_info, err);
    if (rc == ST_OK)
        rc = begin_tail(t, err);
    if (rc == ST_OK)
        rc = check_type_changes(t, err);
    t->new_meta = t->snap != NULL;
    if (rc == ST_OK)
        rc = check_partitions_kept(t, err);
    if (rc != ST_OK) {                /* back to the metadata in force before */
        t->create = old_create;
        t->info = old_info;
        t->schema = old_schema;
        t->new_meta = old_new_meta;
        t->widened = old_widened;
        t->feat = old_feat;
        t->n_feat = old_n_feat;
        st_error e2;
        st_error_init(&e2);
        begin_tail(t, &e2);
    }
    return rc;
}

/* ---- writing data files ----------------------------------------------------- */

typedef struct row_key {
    const char *key;          /* partition values joined (arena) */
    int64_t     row;
} row_key;

static int cmp_row_key(const void *a, const void *b)
{
    const row_key *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c != 0 ? c : (x->row > y->row) - (x->row < y->row);
}

static st_status check_batch(const delta_txn *t, const vec_batch *b, st_error *err)
{
    const vec_schema *s = t->schema;
    if (b->n_cols != s->n_fields)
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "batch has %d columns but table \"%s\" has %d", b->n_cols, t->table,
                            s->n_fields);
    for (int i = 0; i < s->n_fields; i++) {
        const vec_field *f = &b->schema->fields[i];
        if (strcmp(f->name, s->fields[i].name) != 0 || !vec_type_equal(&f->type, &s->fields[i].type))
            return st_error_set(err, ST_ERR_ARGUMENT,
                                "batch column %d \"%s\" does not match column \"%s\" of table \"%s\"",
                                i + 1, f->name, s->fields[i].name, t->table);
        if (!s->fields[i].nullable && b->cols[i]->null_count > 0)
            return st_error_set(err, ST_ERR_CONSTRAINT,
                                "column \"%s\" of table \"%s\" is not nullable but the batch has "
                                "%" PRId64 " nulls", s->fields[i].name, t->table,
                                b->cols[i]->null_count);
    }
    return ST_OK;
}

/* Folder ("a=1/b=x/"), partitionValues JSON and grouping key of row i. */
static st_status row_partition(delta_txn *t, const vec_batch *b, int64_t i, st_buf *folder,
                               st_buf *pv, st_buf *val, st_error *err)
{
    st_buf_clear(folder);
    st_buf_clear(pv);
    st_status rc = st_buf_append_byte(pv, '{', err);
    for (int k = 0; k < t->n_part && rc == ST_OK; k++) {
        bool is_null;
        rc = delta_partition_value(b->cols[t->part_field[k]], i, val, &is_null, err);
        if (rc == ST_OK)
            rc = delta_escape_partition(t->part_cols[k], folder, err);
        if (rc == ST_OK)
            rc = st_buf_append_byte(folder, '=', err);
        if (rc == ST_OK)
            rc = is_null ? st_buf_append_str(folder, DELTA_HIVE_NULL, err)
                         : delta_escape_partition((const char *)val->data, folder, err);
        if (rc == ST_OK)
            rc = st_buf_append_byte(folder, '/', err);
        if (rc == ST_OK && k > 0)
            rc = st_buf_append_byte(pv, ',', err);
        if (rc == ST_OK)
            rc = delta_json_quote(pv, t->part_keys[k], strlen(t->part_keys[k]), err);
        if (rc == ST_OK)
            rc = st_buf_append_byte(pv, ':', err);
        if (rc == ST_OK)
            rc = is_null ? st_buf_append_str(pv, "null", err)
                         : delta_json_quote(pv, (const char *)val->data, val->len - 1, err);
    }
    if (rc == ST_OK)
        rc = st_buf_append_byte(pv, '}', err);
    if (rc == ST_OK)
        rc = st_buf_append_byte(folder, '\0', err);
    return rc == ST_OK ? st_buf_append_byte(pv, '\0', err) : rc;
}

/* Copies rows[at..at+n) of the data columns of b (rows NULL: rows at..at+n
** of b) into a new batch on the data schema. */
static st_status gather(const delta_txn *t, const vec_batch *b, const int64_t *rows, int64_t at,
                        int64_t n, vec_batch **out, st_error *err)
{
    const vec_schema *ds = &t->data_schema;
    vec_batch *nb = vec_batch_new(ds, ds->n_fields, 0);
    if (!nb)
        return nomem(err);
    st_status rc = ST_OK;
    int col = 0;
    for (int f = 0; f < t->schema->n_fields && rc == ST_OK; f++) {
        bool is_part = false;
        for (int k = 0; k < t->n_part; k++)
            is_part |= t->part_field[k] == f;
        if (is_part)
            continue;
        vec_builder *vb = vec_builder_new(&ds->fields[col].type);
        if (!vb) {
            rc = nomem(err);
            break;
        }
        for (int64_t r = 0; r < n && rc == ST_OK; r++)
            rc = delta_append_row(vb, b->cols[f], rows ? rows[at + r] : at + r, err);
        if (rc == ST_OK)
            rc = vec_builder_finish(vb, nb->arena, &nb->cols[col], err);
        vec_builder_free(vb);
        col++;
    }
    nb->n_rows = n;
    if (rc != ST_OK) {
        vec_batch_free(nb);
        return rc;
    }
    *out = nb;
    return ST_OK;
}

void *delta_grow(void *arr, size_t *cap, size_t elem_size, size_t first_cap)
{
    size_t n = *cap ? *cap : first_cap, bytes = 0;
    if ((*cap && !st_mul_size(*cap, 2, &n)) || !st_mul_size(n, elem_size, &bytes))
        return NULL;
    void *p = st_realloc(arr, bytes);
    if (p)
        *cap = n;
    return p;
}

static st_status push_add(delta_txn *t, const txn_add *a, st_error *err)
{
    if (t->n_adds == t->cap_adds) {
        txn_add *p = delta_grow(t->adds, &t->cap_adds, sizeof *p, 16);
        if (!p)
            return nomem(err);
        t->adds = p;
    }
    t->adds[t->n_adds++] = *a;
    return ST_OK;
}

/* ---- open data files ------------------------------------------------------- */

/* Where one partition's open file is in t->open (sorted by folder); *found
** tells whether it is there, else the index is the insertion point. */
static size_t open_find(const delta_txn *t, const char *folder, bool *found)
{
    size_t lo = 0, hi = t->n_open;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(t->open[mid].folder, folder);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static void open_drop(delta_txn *t, size_t i)
{
    memmove(&t->open[i], &t->open[i + 1], (t->n_open - i - 1) * sizeof *t->open);
    t->n_open--;
}

/* Closes the open file at index i: footer, fsync, size, stats, then an add
** action; the entry leaves t->open whether or not this succeeds. On failure
** the file is removed. */
static st_status open_finish(delta_txn *t, size_t i, st_error *err)
{
    txn_open o = t->open[i];
    open_drop(t, i);
    txn_add a = { .n_rows = o.n_rows, .local = o.local };
    st_status rc = pq_writer_close(o.w, NULL, err);
    if (rc == ST_OK)
        rc = store_sync_file(o.local, err);
    if (rc == ST_OK)
        rc = store_stat(o.local, &a.mtime, &a.size, err);
    st_buf buf;
    st_buf_init(&buf);
    if (rc == ST_OK)
        rc = delta_stats_finish(o.stats, &buf, err);
    if (rc == ST_OK)
        rc = st_buf_append_byte(&buf, '\0', err);
    if (rc == ST_OK) {
        a.stats = st_arena_strdup(t->arena, (const char *)buf.data);
        st_buf_clear(&buf);
        rc = delta_uri_encode_path(o.rel, &buf, err);
    }
    if (rc == ST_OK)
        rc = st_buf_append_byte(&buf, '\0', err);
    if (rc == ST_OK) {
        a.path = st_arena_strdup(t->arena, (const char *)buf.data);
        a.pv_json = o.pv_json;
        rc = (a.path && a.stats) ? push_add(t, &a, err) : nomem(err);
    }
    st_buf_destroy(&buf);
    delta_stats_free(o.stats);
    if (rc != ST_OK) {
        store_remove(o.local, NULL);
        st_error_context(err, "finishing data file \"%s\" of table \"%s\"", o.rel, t->table);
    }
    return rc;
}

/* Closes every open file (commit). Stops at the first failure; the caller
** then aborts, which discards the files still open. */
static st_status open_finish_all(delta_txn *t, st_error *err)
{
    st_status rc = ST_OK;
    while (t->n_open > 0 && rc == ST_OK)
        rc = open_finish(t, 0, err);
    return rc;
}

/* Discards every open file: partial files are removed (abort). */
static void open_discard_all(delta_txn *t)
{
    for (size_t i = 0; i < t->n_open; i++) {
        pq_writer_abort(t->open[i].w);
        delta_stats_free(t->open[i].stats);
    }
    t->n_open = 0;
}

/* Closes the least recently written file when DELTA_TXN_MAX_OPEN_FILES are
** open, bounding descriptors and buffered row groups (many partitions). */
static st_status open_make_room(delta_txn *t, st_error *err)
{
    if (t->n_open < DELTA_TXN_MAX_OPEN_FILES)
        return ST_OK;
    size_t lru = 0;
    for (size_t i = 1; i < t->n_open; i++)
        if (t->open[i].last_use < t->open[lru].last_use)
            lru = i;
    return open_finish(t, lru, err);
}

/* Opens a new data file for the partition in folder at index at of t->open. */
static st_status open_new(delta_txn *t, size_t at, const char *folder, const char *pv_json,
                          st_error *err)
{
    if (t->n_open == t->cap_open) {
        txn_open *p = delta_grow(t->open, &t->cap_open, sizeof *p, 8);
        if (!p)
            return nomem(err);
        t->open = p;
    }
    char uuid[37];
    delta_uuid(uuid);
    txn_open o = { .last_use = ++t->use_clock };
    o.folder = st_arena_strdup(t->arena, folder);
    o.pv_json = st_arena_strdup(t->arena, pv_json);
    o.rel = st_arena_printf(t->arena, "%spart-%05d-%s-c000.snappy.parquet", folder,
                            t->file_seq++, uuid);
    o.local = o.rel ? st_arena_printf(t->arena, "%s/%s", t->table, o.rel) : NULL;
    /* The table folder itself may not exist yet (a new table). */
    const char *dir = folder[0] ? st_arena_printf(t->arena, "%s/%s", t->table, folder) : t->table;
    if (!o.folder || !o.pv_json || !o.local || !dir)
        return nomem(err);
    st_status rc = store_mkdirs(dir, err);
    if (rc != ST_OK)
        return rc;
    o.stats = delta_stats_new(&t->data_schema, t->n_indexed);
    if (!o.stats)
        return nomem(err);
    pq_write_options opt = { .codec = PQ_CODEC_SNAPPY, .row_group_rows = DELTA_ROW_GROUP_ROWS };
    rc = pq_writer_open(o.local, &t->data_schema, &opt, &o.w, err);
    if (rc != ST_OK) {
        delta_stats_free(o.stats);
        return st_error_context(err, "writing data file of table \"%s\"", t->table);
    }
    memmove(&t->open[at + 1], &t->open[at], (t->n_open - at) * sizeof *t->open);
    t->open[at] = o;
    t->n_open++;
    return ST_OK;
}

/* The open file of the partition in folder, opened if needed; *out_i is its
** index in t->open. */
static st_status open_get(delta_txn *t, const char *folder, const char *pv_json, size_t *out_i,
                          st_error *err)
{
    bool found;
    size_t i = open_find(t, folder, &found);
    if (!found) {
        st_status rc = open_make_room(t, err);
        if (rc == ST_OK) {
            i = open_find(t, folder, &found);    /* a close may have shifted it */
            rc = open_new(t, i, folder, pv_json, err);
        }
        if (rc != ST_OK)
            return rc;
    }
    t->open[i].last_use = ++t->use_clock;
    *out_i = i;
    return ST_OK;
}

/* Bytes of rows [0, n) of v as held in memory (what the file rolls on). */
static int64_t vec_mem_bytes(const vec *v, int64_t n)
{
    int64_t bytes = v->validity ? (int64_t)vec_bitmap_bytes(n) : 0;
    vec_type_id id = v->type->id;
    if (id == VEC_BOOL)
        return bytes + (int64_t)vec_bitmap_bytes(n);
    if (id == VEC_STRUCT) {
        for (int k = 0; k < v->type->n_children; k++)
            bytes += vec_mem_bytes(v->children[k], n);
        return bytes;
    }
    if (vec_type_is_varlen(id) || id == VEC_LIST || id == VEC_MAP) {
        const int32_t *off = vec_offsets(v);
        int64_t inner = n > 0 ? off[n] - off[0] : 0;
        bytes += 4 * (n + 1);
        return bytes + (vec_type_is_varlen(id) ? inner : vec_mem_bytes(v->children[0], off[n]));
    }
    return bytes + (int64_t)vec_type_width(id) * n;
}

static int64_t batch_mem_bytes(const vec_batch *b)
{
    int64_t bytes = 0;
    for (int c = 0; c < b->n_cols; c++)
        bytes += vec_mem_bytes(b->cols[c], b->n_rows);
    return bytes;
}

/* Appends db (data columns only) to open file i, rolling it over when it
** reaches the row or byte limit. */
static st_status open_append(delta_txn *t, size_t i, const vec_batch *db, st_error *err)
{
    txn_open *o = &t->open[i];
    st_status rc = pq_writer_write(o->w, db, err);
    if (rc == ST_OK)
        rc = delta_stats_update(o->stats, db, err);
    if (rc != ST_OK)
        return st_error_context(err, "writing data file \"%s\" of table \"%s\"", o->rel,
                                t->table);
    o->n_rows += db->n_rows;
    o->in_bytes += batch_mem_bytes(db);
    if (o->n_rows >= t->file_max_rows || o->in_bytes >= t->file_max_bytes)
        return open_finish(t, i, err);
    return ST_OK;
}

/* Appends rows of one partition to its open files: rows[0..n), or rows
** [0, n) of b when rows is NULL. Files hold at most t->file_max_rows rows. */
static st_status write_group(delta_txn *t, const vec_batch *b, const int64_t *rows, int64_t n,
                             const char *folder, const char *pv, st_error *err)
{
    st_status rc = ST_OK;
    for (int64_t at = 0, m; at < n && rc == ST_OK; at += m) {
        size_t i;
        rc = open_get(t, folder, pv, &i, err);
        if (rc != ST_OK)
            break;
        m = ST_MIN(n - at, t->file_max_rows - t->open[i].n_rows);
        if (!rows && at == 0 && m == b->n_rows) {   /* OPT: results identical if removed */
            vec_batch view = *b;
            view.schema = &t->data_schema;
            rc = open_append(t, i, &view, err);
            continue;
        }
        vec_batch *db = NULL;
        rc = gather(t, b, rows, at, m, &db, err);
        if (rc == ST_OK)
            rc = open_append(t, i, db, err);
        vec_batch_free(db);
    }
    return rc;
}

static st_status write_partitioned(delta_txn *t, const vec_batch *b, st_error *err)
{
    st_arena *a = st_arena_new(0);
    row_key *keys = st_malloc((size_t)b->n_rows * sizeof *keys);
    int64_t *rows = st_malloc((size_t)b->n_rows * sizeof *rows);
    st_buf folder, pv, val;
    st_buf_init(&folder);
    st_buf_init(&pv);
    st_buf_init(&val);
    st_status rc = (a && keys && rows) ? ST_OK : nomem(err);
    for (int64_t i = 0; i < b->n_rows && rc == ST_OK; i++) {
        rc = row_partition(t, b, i, &folder, &pv, &val, err);
        keys[i].row = i;
        /* The folder text identifies the partition (escaping is injective). */
        if (rc == ST_OK && !(keys[i].key = st_arena_strdup(a, (const char *)folder.data)))
            rc = nomem(err);
    }
    if (rc == ST_OK)
        qsort(keys, (size_t)b->n_rows, sizeof *keys, cmp_row_key);
    for (int64_t s = 0, e; s < b->n_rows && rc == ST_OK; s = e) {
        for (e = s; e < b->n_rows && strcmp(keys[e].key, keys[s].key) == 0; e++)
            rows[e - s] = keys[e].row;
        rc = row_partition(t, b, keys[s].row, &folder, &pv, &val, err);
        if (rc == ST_OK)
            rc = write_group(t, b, rows, e - s, (const char *)folder.data,
                             (const char *)pv.data, err);
    }
    st_buf_destroy(&folder);
    st_buf_destroy(&pv);
    st_buf_destroy(&val);
    st_free(keys);
    st_free(rows);
    st_arena_free(a);
    return rc;
}

st_status delta_txn_write(delta_txn *t, const vec_batch *b, st_error *err)
{
    if (t->cm_mode == 2)   /* readers resolve such columns by Parquet field id */
        return st_error_set(err, ST_ERR_UNSUPPORTED, "cannot write to table \"%s\": column "
                            "mapping mode id needs Parquet field ids, which the writer does not "
                            "set", t->table);
    st_status rc = check_batch(t, b, err);
    if (rc != ST_OK || b->n_rows == 0)
        return rc;
    return t->n_part == 0 ? write_group(t, b, NULL, b->n_rows, "", "{}", err)
                          : write_partitioned(t, b, err);
}

/* ---- removes ------------------------------------------------------------- */

/* partitionValues JSON of a snapshot file. */
static const char *file_pv_json(delta_txn *t, const delta_file *f)
{
    st_buf b;
    st_buf_init(&b);
    st_status rc = st_buf_append_byte(&b, '{', NULL);
    for (int k = 0; k < t->n_part && rc == ST_OK; k++) {
        if (k > 0)
            rc = st_buf_append_byte(&b, ',', NULL);
        if (rc == ST_OK)
            rc = delta_json_quote(&b, t->part_keys[k], strlen(t->part_keys[k]), NULL);
        if (rc == ST_OK)
            rc = st_buf_append_byte(&b, ':', NULL);
        const char *v = f->partition_values ? f->partition_values[k] : NULL;
        if (rc == ST_OK)
            rc = v ? delta_json_quote(&b, v, strlen(v), NULL) : st_buf_append_str(&b, "null", NULL);
    }
    if (rc == ST_OK)
        rc = st_buf_append(&b, "}", 2, NULL);
    char *s = rc == ST_OK ? st_arena_strdup(t->arena, (const char *)b.data) : NULL;
    st_buf_destroy(&b);
    return s;
}

static bool already_removed(const delta_txn *t, const char *path)
{
    for (size_t i = 0; i < t->n_removes; i++)
        if (strcmp(t->removes[i].path, path) == 0)
            return true;
    return false;
}

static st_status push_remove(delta_txn *t, const delta_file *f, st_error *err)
{
    if (t->n_removes == t->cap_removes) {
        txn_remove *p = delta_grow(t->removes, &t->cap_removes, sizeof *p, 16);
        if (!p)
            return nomem(err);
        t->removes = p;
    }
    txn_remove *r = &t->removes[t->n_removes];
    r->path = st_arena_strdup(t->arena, f->path);
    r->pv_json = file_pv_json(t, f);
    r->size = f->size;
    r->file = f;
    if (!r->path || !r->pv_json)
        return nomem(err);
    t->n_removes++;
    return ST_OK;
}

st_status delta_txn_remove(delta_txn *t, const delta_file *f, st_error *err)
{
    if (!t->snap)
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "cannot remove file \"%s\" while creating table \"%s\"", f->path,
                            t->table);
    if (already_removed(t, f->path))
        return ST_OK;
    return push_remove(t, f, err);
}

/* ---- re-added files, flags, metrics ------------------------------------------ */

static const delta_dv *copy_dv(st_arena *a, const delta_dv *dv)
{
    delta_dv *d = st_arena_calloc(a, 1, sizeof *d);
    if (!d)
        return NULL;
    *d = *dv;
    d->path_or_inline_dv = st_arena_strdup(a, dv->path_or_inline_dv ? dv->path_or_inline_dv : "");
    return d->path_or_inline_dv ? d : NULL;
}

st_status delta_txn_add_file(delta_txn *t, const delta_file *f, st_error *err)
{
    if (!t->snap)
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "cannot add existing file \"%s\" while creating table \"%s\"",
                            f->path, t->table);
    if (!f->path || !f->path[0] || f->size < 0)
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "cannot add file \"%s\" to table \"%s\": invalid path or size %"
                            PRId64, f->path ? f->path : "", t->table, f->size);
    txn_add a = { .size = f->size, .mtime = delta_now_ms() };
    a.path = st_arena_strdup(t->arena, f->path);
    a.pv_json = file_pv_json(t, f);
    a.stats = f->stats ? st_arena_strdup(t->arena, f->stats) : NULL;
    a.dv = f->has_dv ? copy_dv(t->arena, &f->dv) : NULL;
    if (!a.path || !a.pv_json || (f->stats && !a.stats) || (f->has_dv && !a.dv))
        return nomem(err);
    st_status rc = push_add(t, &a, err);
    if (rc == ST_OK)
        t->n_readded++;
    return rc;
}

/* ---- domain metadata (PROTOCOL.md "Domain Metadata") -------------------------- */

static const delta_domain *snap_domain(const delta_txn *t, const char *domain)
{
    for (int i = 0; t->snap && i < t->snap->n_domains; i++)
        if (strcmp(t->snap->domains[i].domain, domain) == 0)
            return &t->snap->domains[i];
    return NULL;
}

static txn_domain *txn_domain_find(const delta_txn *t, const char *domain)
{
    for (int i = 0; i < t->n_domains; i++)
        if (strcmp(t->domains[i].domain, domain) == 0)
            return &t->domains[i];
    return NULL;
}

st_status delta_txn_set_domain(delta_txn *t, const char *domain, const char *configuration_json,
                               st_error *err)
{
    if (!domain || !domain[0])
        return st_error_set(err, ST_ERR_ARGUMENT, "domain metadata of table \"%s\" needs a "
                            "domain name", t->table);
    txn_domain *d = txn_domain_find(t, domain);
    const delta_domain *cur = snap_domain(t, domain);
    if (!configuration_json && !cur) {    /* nothing to remove: drop a pending set */
        if (d)
            *d = t->domains[--t->n_domains];
        return ST_OK;
    }
    if (!d) {
        if (t->n_domains == t->cap_domains) {
            int cap = t->cap_domains ? 2 * t->cap_domains : 4;
            txn_domain *p = st_realloc(t->domains, (size_t)cap * sizeof *p);
            if (!p)
                return nomem(err);
            t->domains = p;
            t->cap_domains = cap;
        }
        d = &t->domains[t->n_domains];
        if (!(d->domain = st_arena_strdup(t->arena, domain)))
            return nomem(err);
        t->n_domains++;
    }
    /* A removal repeats the configuration it removes, as Delta writes it. */
    d->removed = configuration_json == NULL;
    d->config = st_arena_strdup(t->arena, d->removed ? cur->configuration : configuration_json);
    return d->config ? ST_OK : nomem(err);
}

static st_status append_domains(const delta_txn *t, st_buf *b, st_error *err)
{
    st_status rc = ST_OK;
    for (int i = 0; i < t->n_domains && rc == ST_OK; i++) {
        const txn_domain *d = &t->domains[i];
        rc = st_buf_append_str(b, "{\"domainMetadata\":{\"domain\":", err);
        if (rc == ST_OK)
            rc = delta_json_quote(b, d->domain, strlen(d->domain), err);
        if (rc == ST_OK)
            rc = st_buf_append_str(b, ",\"configuration\":", err);
        if (rc == ST_OK)
            rc = delta_json_quote(b, d->config, strlen(d->config), err);
        if (rc == ST_OK)
            rc = st_buf_printf(b, err, ",\"removed\":%s}}\n", d->removed ? "true" : "false");
    }
    return rc;
}

void delta_txn_set_data_change(delta_txn *t, bool data_change)
{
    t->data_change = data_change;
}

st_status delta_txn_set_metrics(delta_txn *t, const char *metrics_json, st_error *err)
{
    json_error_t je;
    json_t *o = json_loads(metrics_json ? metrics_json : "", JSON_DECODE_ANY, &je);
    bool ok = o && json_is_object(o);
    json_decref(o);
    if (!ok)
        return st_error_set(err, ST_ERR_ARGUMENT,
                            "operation metrics for table \"%s\" are not a JSON object: %s",
                            t->table, o ? "another JSON value" : je.text);
    t->metrics = st_arena_strdup(t->arena, metrics_json);
    return t->metrics ? ST_OK : nomem(err);
}

void delta_txn_written(const delta_txn *t, int64_t *files, int64_t *rows, int64_t *bytes)
{
    int64_t nf = 0, nr = 0, nb = 0;
    for (size_t i = 0; i < t->n_adds; i++)
        if (t->adds[i].local) {
            nf++;
            nr += t->adds[i].n_rows;
            nb += t->adds[i].size;
        }
    for (size_t i = 0; i < t->n_open; i++) {
        nf++;
        nr += t->open[i].n_rows;
        nb += t->open[i].in_bytes;
    }
    if (files)
        *files = nf;
    if (rows)
        *rows = nr;
    if (bytes)
        *bytes = nb;
}

st_status delta_txn_flush(delta_txn *t, st_error *err)
{
    return open_finish_all(t, err);
}

/* ---- abort --------------------------------------------------------------- */

static void delete_written(delta_txn *t)
{
    for (size_t i = 0; i < t->n_adds; i++)
        if (t->adds[i].local)       /* re-added files belong to the table */
            store_remove(t->adds[i].local, NULL);
}

static void txn_free(delta_txn *t)
{
    open_discard_all(t);
    st_free(t->open);
    delta_snapshot_free(t->snap);
    st_free(t->adds);
    st_free(t->removes);
    st_free(t->domains);
    delta_dvw_free(t->dvw);
    st_arena_free(t->arena);
    st_free(t);
}

void delta_txn_abort(delta_txn *t)
{
    if (!t)
        return;
    open_discard_all(t);
    delete_written(t);
    delta_dvw_discard(t->dvw);      /* deletes the DV file if written */
    t->dvw = NULL;
    txn_free(t);
}

/* ---- commit: building the actions ------------------------------------------ */

/* protocol (when new or raised) and metaData of a new table or of
** delta_txn_set_metadata; an existing table keeps its id and createdTime. */
static st_status append_protocol_meta(delta_txn *t, st_buf *b, int64_t now, st_error *err)
{
    const delta_protocol *old = t->snap ? &t->snap->protocol : NULL;
    const char *need[ST_ARRAY_LEN(txn_features)];
    int n_need = needed_features(t, need);
    delta_protocol p;
    st_status rc = protocol_compute(old, need, n_need, t->arena, &p, err);
    if (rc == ST_OK && (!old || !protocol_same(old, &p)))
        rc = append_protocol(&p, b, err);
    char id[37];
    delta_uuid(id);
    const delta_metadata *om = t->snap ? &t->snap->meta : NULL;
    if (rc == ST_OK)
        rc = st_buf_append_str(b, "{\"metaData\":{\"id\":", err);
    if (rc == ST_OK) {
        const char *mid = om && om->id ? om->id : id;
        rc = delta_json_quote(b, mid, strlen(mid), err);
    }
    if (rc == ST_OK)
        rc = st_buf_append_byte(b, ',', err);
    if (om && om->has_created_time)
        now = om->created_time;
    const delta_create_options *c = t->create;
    if (rc == ST_OK && c->name) {
        rc = st_buf_append_str(b, "\"name\":", err);
        if (rc == ST_OK)
            rc = delta_json_quote(b, c->name, strlen(c->name), err);
        if (rc == ST_OK)
            rc = st_buf_append_byte(b, ',', err);
    }
    if (rc == ST_OK && c->description) {
        rc = st_buf_append_str(b, "\"description\":", err);
        if (rc == ST_OK)
            rc = delta_json_quote(b, c->description, strlen(c->description), err);
        if (rc == ST_OK)
            rc = st_buf_append_byte(b, ',', err);
    }
    if (rc == ST_OK)
        rc = st_buf_append_str(b, "\"format\":{\"provider\":\"parquet\",\"options\":{}},"
                               "\"schemaString\":", err);
    st_buf schema;
    st_buf_init(&schema);
    if (rc == ST_OK)
        rc = delta_schema_format(t->schema, t->info, &schema, err);
    if (rc == ST_OK)
        rc = delta_json_quote(b, (const char *)schema.data, schema.len, err);
    st_buf_destroy(&schema);
    if (rc == ST_OK)
        rc = st_buf_append_str(b, ",\"partitionColumns\":[", err);
    for (int k = 0; k < t->n_part && rc == ST_OK; k++) {
        if (k > 0)
            rc = st_buf_append_byte(b, ',', err);
        if (rc == ST_OK)
            rc = delta_json_quote(b, t->part_cols[k], strlen(t->part_cols[k]), err);
    }
    if (rc == ST_OK)
        rc = st_buf_append_str(b, "],\"configuration\":{", err);
    for (int k = 0; k < c->n_config && rc == ST_OK; k++) {
        if (k > 0)
            rc = st_buf_append_byte(b, ',', err);
        if (rc == ST_OK)
            rc = delta_json_quote(b, c->config_keys[k], strlen(c->config_keys[k]), err);
        if (rc == ST_OK)
            rc = st_buf_append_byte(b, ':', err);
        if (rc == ST_OK)
            rc = delta_json_quote(b, c->config_values[k], strlen(c->config_values[k]), err);
    }
    return rc == ST_OK ? st_buf_printf(b, err, "},\"createdTime\":%" PRId64 "}}\n", now) : rc;
}

/* Appends ,"deletionVector":{...} for dv. */
static st_status append_dv(const delta_dv *dv, st_buf *b, st_error *err)
{
    st_status rc = st_buf_printf(b, err, ",\"deletionVector\":{\"storageType\":\"%c\","
                                 "\"pathOrInlineDv\":", dv->storage_type);
    if (rc == ST_OK)
        rc = delta_json_quote(b, dv->path_or_inline_dv, strlen(dv->path_or_inline_dv), err);
    if (rc == ST_OK && dv->has_offset)
        rc = st_buf_printf(b, err, ",\"offset\":%d", (int)dv->offset);
    if (rc == ST_OK)
        rc = st_buf_printf(b, err, ",\"sizeInBytes\":%d,\"cardinality\":%" PRId64 "}",
                           (int)dv->size_in_bytes, dv->cardinality);
    return rc;
}

static st_status append_remove(const delta_txn *t, const txn_remove *r, st_buf *b, int64_t now,
                               st_error *err)
{
    st_status rc = st_buf_append_str(b, "{\"remove\":{\"path\":", err);
    if (rc == ST_OK)
        rc = delta_json_quote(b, r->path, strlen(r->path), err);
    if (rc == ST_OK)
        rc = st_buf_printf(b, err, ",\"deletionTimestamp\":%" PRId64 ",\"dataChange\":%s,"
                           "\"extendedFileMetadata\":true,\"partitionValues\":%s,\"size\":%"
                           PRId64, now, t->data_change ? "true" : "false", r->pv_json, r->size);
    if (rc == ST_OK && r->file && r->file->has_dv)
        rc = append_dv(&r->file->dv, b, err);
    return rc == ST_OK ? st_buf_append_str(b, "}}\n", err) : rc;
}

static st_status append_add(const delta_txn *t, const txn_add *a, st_buf *b, st_error *err)
{
    st_status rc = st_buf_append_str(b, "{\"add\":{\"path\":", err);
    if (rc == ST_OK)
        rc = delta_json_quote(b, a->path, strlen(a->path), err);
    if (rc == ST_OK)
        rc = st_buf_printf(b, err, ",\"partitionValues\":%s,\"size\":%" PRId64
                           ",\"modificationTime\":%" PRId64 ",\"dataChange\":%s",
                           a->pv_json, a->size, a->mtime, t->data_change ? "true" : "false");
    if (rc == ST_OK && a->stats) {
        rc = st_buf_append_str(b, ",\"stats\":", err);
        if (rc == ST_OK)
            rc = delta_json_quote(b, a->stats, strlen(a->stats), err);
    }
    if (rc == ST_OK && a->dv)
        rc = append_dv(a->dv, b, err);
    return rc == ST_OK ? st_buf_append_str(b, "}}\n", err) : rc;
}

/* The protocol action of a transaction that keeps the metadata but needs a
** feature (domainMetadata for its domains), when the protocol changes. */
static st_status append_feature_protocol(delta_txn *t, st_buf *b, st_error *err)
{
    const char *need[ST_ARRAY_LEN(txn_features)];
    int n_need = needed_features(t, need);
    if (n_need == 0)
        return ST_OK;
    delta_protocol p;
    st_status rc = protocol_compute(&t->snap->protocol, need, n_need, t->arena, &p, err);
    if (rc == ST_OK && !protocol_same(&t->snap->protocol, &p))
        rc = append_protocol(&p, b, err);
    return rc;
}

/* Every action after commitInfo; the same for each attempt. */
static st_status build_body(delta_txn *t, st_buf *b, int64_t now, st_error *err)
{
    st_status rc = t->creating || t->new_meta ? append_protocol_meta(t, b, now, err)
                                              : append_feature_protocol(t, b, err);
    if (rc == ST_OK)
        rc = append_domains(t, b, err);
    if (rc == ST_OK && t->app_id) {
        rc = st_buf_append_str(b, "{\"txn\":{\"appId\":", err);
        if (rc == ST_OK)
            rc = delta_json_quote(b, t->app_id, strlen(t->app_id), err);
        if (rc == ST_OK)
            rc = st_buf_printf(b, err, ",\"version\":%" PRId64 ",\"lastUpdated\":%" PRId64 "}}\n",
                               t->app_version, now);
    }
    for (size_t i = 0; i < t->n_removes && rc == ST_OK; i++)
        rc = append_remove(t, &t->removes[i], b, now, err);
    for (size_t i = 0; i < t->n_adds && rc == ST_OK; i++)
        rc = append_add(t, &t->adds[i], b, err);
    return rc;
}

/* Whether files appended concurrently could change what this transaction
** decided (Delta's Serializable check). A transaction that changes no data
** (OPTIMIZE: dataChange false) runs at snapshot isolation, as in Delta. */
static bool txn_read_table(const delta_txn *t)
{
    return t->data_change && (t->mode == DELTA_OVERWRITE || t->n_removes > 0 || t->n_readded > 0);
}

st_status delta_json_string_array(st_buf *out, const char *const *items, int n, st_error *err)
{
    st_buf arr;
    st_buf_init(&arr);
    st_status rc = st_buf_append_byte(&arr, '[', err);
    for (int k = 0; k < n && rc == ST_OK; k++) {
        if (k > 0)
            rc = st_buf_append_byte(&arr, ',', err);
        if (rc == ST_OK)
            rc = delta_json_quote(&arr, items[k], strlen(items[k]), err);
    }
    if (rc == ST_OK)
        rc = st_buf_append_byte(&arr, ']', err);
    if (rc == ST_OK)
        rc = delta_json_quote(out, (const char *)arr.data, arr.len, err);
    st_buf_destroy(&arr);
    return rc;
}

static st_status append_default_params(const delta_txn *t, st_buf *b, st_error *err)
{
    st_status rc = st_buf_printf(b, err, "{\"mode\":\"%s\",\"partitionBy\":",
                                 t->mode == DELTA_OVERWRITE ? "Overwrite" : "Append");
    if (rc == ST_OK)
        rc = delta_json_string_array(b, t->part_cols, t->n_part, err);
    return rc == ST_OK ? st_buf_append_byte(b, '}', err) : rc;
}

static st_status append_commit_info(const delta_txn *t, st_buf *b, const char *op,
                                    const char *params, int64_t now, st_error *err)
{
    int64_t rows = 0, bytes = 0, removed_bytes = 0;
    for (size_t i = 0; i < t->n_adds; i++) {
        rows += t->adds[i].n_rows;
        bytes += t->adds[i].size;
    }
    for (size_t i = 0; i < t->n_removes; i++)
        removed_bytes += t->removes[i].size;
    st_status rc = st_buf_printf(b, err, "{\"commitInfo\":{\"timestamp\":%" PRId64
                                 ",\"operation\":", now);
    if (rc == ST_OK)
        rc = delta_json_quote(b, op, strlen(op), err);
    if (rc == ST_OK)
        rc = st_buf_append_str(b, ",\"operationParameters\":", err);
    if (rc == ST_OK)
        rc = params ? st_buf_append_str(b, params, err) : append_default_params(t, b, err);
    if (rc == ST_OK && t->snap)
        rc = st_buf_printf(b, err, ",\"readVersion\":%" PRId64, t->snap->version);
    /* A blind append read nothing: no removes, no re-added files, no
    ** metadata change (those decisions depend on the snapshot). */
    bool blind = t->mode == DELTA_APPEND && t->n_removes == 0 && t->n_readded == 0 &&
                 !t->new_meta;
    if (rc == ST_OK)
        rc = st_buf_printf(b, err, ",\"isolationLevel\":\"%s\",\"isBlindAppend\":%s,"
                           "\"operationMetrics\":", t->data_change ? "Serializable"
                           : "SnapshotIsolation", blind ? "true" : "false");
    if (rc == ST_OK && t->metrics)
        rc = st_buf_append_str(b, t->metrics, err);
    if (rc == ST_OK && !t->metrics)
        rc = st_buf_printf(b, err, "{\"numFiles\":\"%zu\",\"numOutputRows\":\"%" PRId64
                           "\",\"numOutputBytes\":\"%" PRId64 "\"", t->n_adds, rows, bytes);
    if (rc == ST_OK && !t->metrics && t->n_removes > 0)
        rc = st_buf_printf(b, err, ",\"numRemovedFiles\":\"%zu\",\"numRemovedBytes\":\"%" PRId64
                           "\"", t->n_removes, removed_bytes);
    if (rc == ST_OK && !t->metrics)
        rc = st_buf_append_byte(b, '}', err);
    char id[37];
    delta_uuid(id);
    if (rc == ST_OK)
        rc = st_buf_printf(b, err, ",\"engineInfo\":\"" DELTA_ENGINE_INFO "\",\"txnId\":\"%s\"}}\n",
                           id);
    return rc;
}

/* ---- commit: conflicts ------------------------------------------------------ */

static st_status conflict(const delta_txn *t, int64_t v, st_error *err, const char *what,
                          const char *name)
{
    st_error_set(err, ST_ERR_CONFLICT, "could not commit to table \"%s\": %s%s%s%s in version %"
                 PRId64, t->table, what, name ? " \"" : "", name ? name : "", name ? "\"" : "", v);
    return st_error_hint(err, "Reload the table and retry the operation.");
}

/* Applies the conflict rules to one action of the winning commit v. */
static st_status check_action(const delta_txn *t, int64_t v, json_t *line, st_error *err)
{
    if (json_object_get(line, "metaData"))
        return conflict(t, v, err, "concurrent metadata change", NULL);
    if (json_object_get(line, "protocol"))
        return conflict(t, v, err, "concurrent protocol change", NULL);
    json_t *x = json_object_get(line, "domainMetadata");
    if (x) {
        const char *dom = json_string_value(json_object_get(x, "domain"));
        if (dom && txn_domain_find(t, dom))
            return conflict(t, v, err, "concurrent change of domain", dom);
    }
    x = json_object_get(line, "txn");
    if (x && t->app_id) {
        const char *app = json_string_value(json_object_get(x, "appId"));
        if (app && strcmp(app, t->app_id) == 0)
            return conflict(t, v, err, "concurrent transaction for app id", app);
    }
    x = json_object_get(line, "remove");
    if (x) {
        const char *p = json_string_value(json_object_get(x, "path"));
        if (p && already_removed(t, p))
            return conflict(t, v, err, "concurrent delete of file", p);
    }
    x = json_object_get(line, "add");
    if (x && txn_read_table(t)) {
        json_t *dc = json_object_get(x, "dataChange");
        if (!dc || json_is_true(dc))
            return conflict(t, v, err, "concurrent append", NULL);
    }
    return ST_OK;
}

static st_status check_winner(const delta_txn *t, const char *path, int64_t v, st_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    st_status rc = store_read(path, &data, &len, err);
    if (rc != ST_OK)
        return st_error_context(err, "checking conflicts with version %" PRId64, v);
    char *p = (char *)data, *end = p + len;
    while (rc == ST_OK && p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n > 0) {
            json_error_t je;
            json_t *line = json_loadb(p, n, 0, &je);
            if (!line || !json_is_object(line))
                rc = st_error_set(err, ST_ERR_CORRUPT, "log file \"%s\" of version %" PRId64
                                  " has an invalid action: %s", path, v, line ? "not an object" :
                                  je.text);
            else
                rc = check_action(t, v, line, err);
            json_decref(line);
        }
        p += n + 1;
    }
    st_free(data);
    return rc;
}

/* ---- commit ---------------------------------------------------------------- */

static bool app_version_seen(const delta_txn *t)
{
    if (!t->app_id || !t->snap)
        return false;
    for (int i = 0; i < t->snap->n_app_txns; i++)
        if (strcmp(t->snap->app_txns[i].app_id, t->app_id) == 0)
            return t->snap->app_txns[i].version >= t->app_version;
    return false;
}

static st_status prepare_removes(delta_txn *t, st_error *err)
{
    if (t->mode == DELTA_OVERWRITE && t->snap)
        for (size_t i = 0; i < t->snap->n_files; i++)
            if (!already_removed(t, t->snap->files[i].path)) {
                st_status rc = push_remove(t, &t->snap->files[i], err);
                if (rc != ST_OK)
                    return rc;
            }
    if (t->append_only && t->n_removes > 0)
        return st_error_set(err, ST_ERR_CONSTRAINT,
                            "cannot remove %zu files from append-only table \"%s\"", t->n_removes,
                            t->table);
    return ST_OK;
}

/* Publishes the commit; on success *out_v is the version written. */
static st_status publish(delta_txn *t, const char *op, const char *params, int64_t *out_v,
                         st_error *err)
{
    char *log_dir = st_arena_printf(t->arena, "%s/_delta_log", t->table);
    if (!log_dir)
        return nomem(err);
    st_status rc = t->creating ? store_mkdirs(log_dir, err) : ST_OK;
    int64_t now = delta_now_ms();
    st_buf body, commit;
    st_buf_init(&body);
    st_buf_init(&commit);
    if (rc == ST_OK)
        rc = build_body(t, &body, now, err);
    int64_t v = t->snap ? t->snap->version + 1 : 0;
    for (int tries = 0; rc == ST_OK; tries++, v++) {
        if (tries == DELTA_TXN_MAX_TRIES) {
            rc = st_error_set(err, ST_ERR_CONFLICT, "could not commit to table \"%s\" after %d "
                              "attempts (last tried version %" PRId64 ")", t->table, tries, v - 1);
            break;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/%020" PRId64 ".json", log_dir, v);
        st_buf_clear(&commit);
        rc = append_commit_info(t, &commit, op, params, delta_now_ms(), err);
        if (rc == ST_OK)
            rc = st_buf_append(&commit, body.data, body.len, err);
        if (rc == ST_OK)
            rc = store_put_if_absent(path, commit.data, commit.len, err);
        if (rc == ST_OK) {
            *out_v = v;
            break;
        }
        if (rc == ST_ERR_CONFLICT && t->creating) {
            st_error_set(err, ST_ERR_CONFLICT, "could not create table \"%s\": table was "
                         "created concurrently (version %" PRId64 " exists)", t->table, v);
            rc = st_error_hint(err, "Write to the existing table instead.");
            break;
        }
        if (rc == ST_ERR_CONFLICT)
            rc = check_winner(t, path, v, err);
    }
    st_buf_destroy(&body);
    st_buf_destroy(&commit);
    return rc;
}

static void maybe_checkpoint(const delta_txn *t, int64_t v)
{
    if (v <= 0 || v % t->cp_interval != 0)
        return;
    delta_read_options o = { .has_version = true, .version = v };
    delta_snapshot *s = NULL;
    st_error e;
    st_error_init(&e);
    /* Failures leave the commit valid, so they are dropped here. */
    if (delta_snapshot_load(t->table, &o, &s, &e) == ST_OK && delta_checkpoint_write(s, &e) == ST_OK)
        delta_log_cleanup(s, delta_now_ms(), NULL, NULL, &e);
    delta_snapshot_free(s);
}

st_status delta_txn_commit(delta_txn *t, const char *operation, const char *params_json,
                           int64_t *out_version, st_error *err)
{
    int64_t ignored;
    if (!out_version)
        out_version = &ignored;
    *out_version = -1;
    if (app_version_seen(t)) {      /* this (appId, version) already committed */
        delta_txn_abort(t);
        return ST_OK;
    }
    /* Data files are complete and durable before the log can name them. */
    st_status rc = check_partitions_kept(t, err);
    if (rc == ST_OK)
        rc = open_finish_all(t, err);
    if (rc == ST_OK)
        rc = delta_dvw_finish(t, err);   /* DV file durable, remove/add recorded */
    if (rc == ST_OK)
        rc = prepare_removes(t, err);
    int64_t v = -1;
    if (rc == ST_OK)
        rc = publish(t, operation ? operation : "WRITE", params_json, &v, err);
    if (rc != ST_OK) {
        delta_txn_abort(t);
        return rc;
    }
    *out_version = v;
    maybe_checkpoint(t, v);
    txn_free(t);
    return ST_OK;
}
