/* delta_checkpoint_write.c -- classic single-file checkpoints (PROTOCOL.md
** "Checkpoints", "Checkpoint Schema") and the _last_checkpoint pointer.
**
** A checkpoint for version v is _delta_log/<v 20 digits>.checkpoint.parquet:
** one row per action of the reconciled state (protocol, metaData, every txn,
** every domainMetadata, every live add, every unexpired remove tombstone),
** each row having exactly one non-null top-level struct column. The column
** layout is the one Spark (Delta 3.x) writes:
**   txn            struct<appId, version, lastUpdated>
**   add            struct<path, partitionValues map, size, modificationTime,
**                         dataChange, tags map, deletionVector struct,
**                         baseRowId, defaultRowCommitVersion, stats>
**   remove         struct<path, deletionTimestamp, dataChange,
**                         extendedFileMetadata, partitionValues, size,
**                         deletionVector, baseRowId, defaultRowCommitVersion>
**   metaData       struct<id, name, description, format struct<provider,
**                         options map>, schemaString, partitionColumns array,
**                         configuration map, createdTime>
**   protocol       struct<minReaderVersion, minWriterVersion,
**                         readerFeatures array, writerFeatures array>
**   domainMetadata struct<domain, configuration, removed>
** Every column is optional, maps are Parquet MAP key_value groups with a
** required key, arrays are 3-level LISTs (what strata's Parquet writer emits).
** Stats are kept as the JSON string (writeStatsAsJson), never as a struct.
**
** Tombstones: the snapshot keeps every remove; here those whose
** deletionTimestamp is older than now - delta.deletedFileRetentionDuration
** (default one week, PROTOCOL.md "Add File and Remove File") are dropped, so
** the checkpoint keeps only removes a VACUUM may still need to honour.
**
** Atomicity: the file is written to a hidden temp name in _delta_log and
** published with store_put_if_absent, so readers never see a partial
** checkpoint and two writers of the same version cannot clash; then
** _last_checkpoint is replaced atomically unless it already names a newer
** version. */
#include "delta_write.h"
#include "delta_cleanup.h"

#include "../format/parquet/pq.h"
#include "../store/store.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>

#define CP_CHUNK_ROWS 65536

static const char *const cp_columns[][2] = {
    { "txn", "struct<appId:string,version:bigint,lastUpdated:bigint>" },
    { "add", "struct<path:string,partitionValues:map<string,string>,size:bigint,"
             "modificationTime:bigint,dataChange:boolean,tags:map<string,string>,"
             "deletionVector:struct<storageType:string,pathOrInlineDv:string,offset:int,"
             "sizeInBytes:int,cardinality:bigint,maxRowIndex:bigint>,baseRowId:bigint,"
             "defaultRowCommitVersion:bigint,stats:string>" },
    { "remove", "struct<path:string,deletionTimestamp:bigint,dataChange:boolean,"
                "extendedFileMetadata:boolean,partitionValues:map<string,string>,size:bigint,"
                "deletionVector:struct<storageType:string,pathOrInlineDv:string,offset:int,"
                "sizeInBytes:int,cardinality:bigint,maxRowIndex:bigint>,baseRowId:bigint,"
                "defaultRowCommitVersion:bigint>" },
    { "metaData", "struct<id:string,name:string,description:string,format:struct<provider:"
                  "string,options:map<string,string>>,schemaString:string,partitionColumns:"
                  "array<string>,configuration:map<string,string>,createdTime:bigint>" },
    { "protocol", "struct<minReaderVersion:int,minWriterVersion:int,readerFeatures:"
                  "array<string>,writerFeatures:array<string>>" },
    { "domainMetadata", "struct<domain:string,configuration:string,removed:boolean>" },
};
enum { COL_TXN, COL_ADD, COL_REMOVE, COL_META, COL_PROTOCOL, COL_DOMAIN, N_COLS };

/* ---- the schema, from the compact type strings above ------------------------ */

static bool parse_type(st_arena *a, const char **p, vec_type *out);

static bool eat(const char **p, const char *word)
{
    size_t n = strlen(word);
    if (strncmp(*p, word, n) != 0)
        return false;
    *p += n;
    return true;
}

static vec_field *new_fields(st_arena *a, int n)
{
    return st_arena_calloc(a, (size_t)n, sizeof(vec_field));
}

static bool parse_struct(st_arena *a, const char **p, vec_type *out)
{
    vec_field tmp[16];
    int n = 0;
    while (**p != '>' && n < 16) {
        const char *colon = strchr(*p, ':');
        if (!colon)
            return false;
        tmp[n].name = st_arena_strndup(a, *p, (size_t)(colon - *p));
        tmp[n].nullable = true;
        *p = colon + 1;
        if (!tmp[n].name || !parse_type(a, p, &tmp[n].type))
            return false;
        n++;
        eat(p, ",");
    }
    *p += 1;
    out->id = VEC_STRUCT;
    out->n_children = n;
    out->children = new_fields(a, n);
    if (!out->children)
        return false;
    memcpy(out->children, tmp, (size_t)n * sizeof *tmp);
    return true;
}

static bool parse_type(st_arena *a, const char **p, vec_type *out)
{
    memset(out, 0, sizeof *out);
    if (eat(p, "string")) { out->id = VEC_STRING; return true; }
    if (eat(p, "bigint")) { out->id = VEC_INT64; return true; }
    if (eat(p, "int"))    { out->id = VEC_INT32; return true; }
    if (eat(p, "boolean")) { out->id = VEC_BOOL; return true; }
    if (eat(p, "struct<"))
        return parse_struct(a, p, out);
    if (eat(p, "array<")) {
        out->id = VEC_LIST;
        out->n_children = 1;
        out->children = new_fields(a, 1);
        if (!out->children || !parse_type(a, p, &out->children[0].type))
            return false;
        out->children[0].name = "element";
        out->children[0].nullable = true;
        return eat(p, ">");
    }
    if (eat(p, "map<")) {
        out->id = VEC_MAP;
        out->n_children = 1;
        out->children = new_fields(a, 1);
        vec_field *kv = out->children ? new_fields(a, 2) : NULL;
        if (!kv || !parse_type(a, p, &kv[0].type) || !eat(p, ",") || !parse_type(a, p, &kv[1].type))
            return false;
        kv[0].name = "key";
        kv[1].name = "value";
        kv[1].nullable = true;
        out->children[0] = (vec_field){ .name = "entries",
                                        .type = { .id = VEC_STRUCT, .n_children = 2,
                                                  .children = kv } };
        return eat(p, ">");
    }
    return false;
}

static st_status cp_schema(st_arena *a, vec_schema *s, st_error *err)
{
    s->n_fields = N_COLS;
    s->fields = new_fields(a, N_COLS);
    if (!s->fields)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory building the checkpoint schema");
    for (int i = 0; i < N_COLS; i++) {
        const char *p = cp_columns[i][1];
        s->fields[i].name = cp_columns[i][0];
        s->fields[i].nullable = true;
        if (!parse_type(a, &p, &s->fields[i].type) || *p != '\0')
            return st_error_set(err, ST_ERR_INTERNAL, "bad checkpoint column type for \"%s\"",
                                cp_columns[i][0]);
    }
    return ST_OK;
}

/* ---- values ---------------------------------------------------------------- */

static st_status put_str(vec_builder *b, const char *s, st_error *err)
{
    return s ? vec_builder_append_bytes(b, s, strlen(s), err) : vec_builder_append_null(b, err);
}

static st_status put_i64(vec_builder *b, bool has, int64_t v, st_error *err)
{
    return has ? vec_builder_append_i64(b, v, err) : vec_builder_append_null(b, err);
}

/* A map<string,string> row; vals[i] NULL is a null value. */
static st_status put_map(vec_builder *b, int n, const char *const *keys, const char *const *vals,
                         st_error *err)
{
    vec_builder *e = vec_builder_child(b, 0);
    st_status rc = ST_OK;
    for (int i = 0; i < n && rc == ST_OK; i++) {
        rc = put_str(vec_builder_child(e, 0), keys[i], err);
        if (rc == ST_OK)
            rc = put_str(vec_builder_child(e, 1), vals[i], err);
        if (rc == ST_OK)
            rc = vec_builder_append_struct(e, true, err);
    }
    return rc == ST_OK ? vec_builder_end_list(b, err) : rc;
}

static st_status put_list(vec_builder *b, bool has, int n, const char *const *items, st_error *err)
{
    if (!has)
        return vec_builder_append_null(b, err);
    st_status rc = ST_OK;
    for (int i = 0; i < n && rc == ST_OK; i++)
        rc = put_str(vec_builder_child(b, 0), items[i], err);
    return rc == ST_OK ? vec_builder_end_list(b, err) : rc;
}

static st_status put_dv(vec_builder *b, const delta_file *f, st_error *err)
{
    if (!f->has_dv)
        return vec_builder_append_null(b, err);
    char st[2] = { f->dv.storage_type, '\0' };
    st_status rc = put_str(vec_builder_child(b, 0), st, err);
    if (rc == ST_OK)
        rc = put_str(vec_builder_child(b, 1), f->dv.path_or_inline_dv, err);
    if (rc == ST_OK)
        rc = put_i64(vec_builder_child(b, 2), f->dv.has_offset, f->dv.offset, err);
    if (rc == ST_OK)
        rc = put_i64(vec_builder_child(b, 3), true, f->dv.size_in_bytes, err);
    if (rc == ST_OK)
        rc = put_i64(vec_builder_child(b, 4), true, f->dv.cardinality, err);
    if (rc == ST_OK)
        rc = vec_builder_append_null(vec_builder_child(b, 5), err);
    return rc == ST_OK ? vec_builder_append_struct(b, true, err) : rc;
}

typedef struct cp_ctx {
    const delta_snapshot *s;
    const char **pv_keys;     /* arena: partitionValues keys (physical names) */
    const delta_file **tombs; /* arena: unexpired tombstones (borrowed: snapshot) */
    size_t n_tombs;
} cp_ctx;

static st_status put_file(const cp_ctx *c, vec_builder *b, const delta_file *f, bool is_add,
                          st_error *err)
{
    const delta_metadata *m = &c->s->meta;
    int k = 0;
    const char *const *pv = f->partition_values;
    st_status rc = put_str(vec_builder_child(b, k++), f->path, err);
    if (is_add) {
        if (rc == ST_OK)
            rc = put_map(vec_builder_child(b, k++), pv ? m->n_partition_cols : 0, c->pv_keys, pv, err);
        if (rc == ST_OK)
            rc = put_i64(vec_builder_child(b, k++), true, f->size, err);
        if (rc == ST_OK)
            rc = put_i64(vec_builder_child(b, k++), true, f->modification_time, err);
        if (rc == ST_OK)
            rc = vec_builder_append_bool(vec_builder_child(b, k++), f->data_change, err);
        if (rc == ST_OK)
            rc = vec_builder_append_null(vec_builder_child(b, k++), err);   /* tags */
    } else {
        if (rc == ST_OK)
            rc = put_i64(vec_builder_child(b, k++), true, f->deletion_timestamp, err);
        if (rc == ST_OK)
            rc = vec_builder_append_bool(vec_builder_child(b, k++), false, err);
        if (rc == ST_OK)
            rc = vec_builder_append_bool(vec_builder_child(b, k++), true, err);
        if (rc == ST_OK)
            rc = put_map(vec_builder_child(b, k++), pv ? m->n_partition_cols : 0, c->pv_keys, pv, err);
        if (rc == ST_OK)
            rc = put_i64(vec_builder_child(b, k++), true, f->size, err);
    }
    if (rc == ST_OK)
        rc = put_dv(vec_builder_child(b, k++), f, err);
    if (rc == ST_OK)
        rc = put_i64(vec_builder_child(b, k++), f->has_base_row_id, f->base_row_id, err);
    if (rc == ST_OK)
        rc = put_i64(vec_builder_child(b, k++), f->has_default_row_commit_version,
                     f->default_row_commit_version, err);
    if (rc == ST_OK && is_add)
        rc = put_str(vec_builder_child(b, k++), f->stats, err);
    return rc == ST_OK ? vec_builder_append_struct(b, true, err) : rc;
}

static st_status put_meta(const cp_ctx *c, vec_builder *b, st_error *err)
{
    const delta_metadata *m = &c->s->meta;
    st_status rc = put_str(vec_builder_child(b, 0), m->id, err);
    if (rc == ST_OK)
        rc = put_str(vec_builder_child(b, 1), m->name, err);
    if (rc == ST_OK)
        rc = put_str(vec_builder_child(b, 2), m->description, err);
    vec_builder *fmt = vec_builder_child(b, 3);
    if (rc == ST_OK)
        rc = put_str(vec_builder_child(fmt, 0), "parquet", err);
    if (rc == ST_OK)
        rc = put_map(vec_builder_child(fmt, 1), 0, NULL, NULL, err);
    if (rc == ST_OK)
        rc = vec_builder_append_struct(fmt, true, err);
    if (rc == ST_OK)
        rc = put_str(vec_builder_child(b, 4), m->schema_string, err);
    if (rc == ST_OK)
        rc = put_list(vec_builder_child(b, 5), true, m->n_partition_cols, m->partition_cols, err);
    if (rc == ST_OK)
        rc = put_map(vec_builder_child(b, 6), m->n_config, m->config_keys, m->config_values, err);
    if (rc == ST_OK)
        rc = put_i64(vec_builder_child(b, 7), m->has_created_time, m->created_time, err);
    return rc == ST_OK ? vec_builder_append_struct(b, true, err) : rc;
}

static st_status put_protocol(const cp_ctx *c, vec_builder *b, st_error *err)
{
    const delta_protocol *p = &c->s->protocol;
    st_status rc = put_i64(vec_builder_child(b, 0), true, p->min_reader, err);
    if (rc == ST_OK)
        rc = put_i64(vec_builder_child(b, 1), true, p->min_writer, err);
    if (rc == ST_OK)
        rc = put_list(vec_builder_child(b, 2), p->reader_features != NULL, p->n_reader_features,
                      p->reader_features, err);
    if (rc == ST_OK)
        rc = put_list(vec_builder_child(b, 3), p->writer_features != NULL, p->n_writer_features,
                      p->writer_features, err);
    return rc == ST_OK ? vec_builder_append_struct(b, true, err) : rc;
}

/* Row r of the checkpoint: 0 protocol, 1 metaData, then txns, domains,
** adds, tombstones. Appends one value to every column builder. */
static st_status put_row(const cp_ctx *c, vec_builder **cols, size_t r, st_error *err)
{
    const delta_snapshot *s = c->s;
    int col;
    size_t n_txn = (size_t)s->n_app_txns, n_dom = (size_t)s->n_domains;
    for (col = 0; col < N_COLS; col++) {   /* which column is non-null */
        if (r == 0) { col = COL_PROTOCOL; break; }
        if (r == 1) { col = COL_META; break; }
        size_t i = r - 2;
        if (i < n_txn) { col = COL_TXN; break; }
        i -= n_txn;
        if (i < n_dom) { col = COL_DOMAIN; break; }
        i -= n_dom;
        col = i < s->n_files ? COL_ADD : COL_REMOVE;
        break;
    }
    st_status rc = ST_OK;
    for (int k = 0; k < N_COLS && rc == ST_OK; k++)
        if (k != col)
            rc = vec_builder_append_null(cols[k], err);
    if (rc != ST_OK)
        return rc;
    vec_builder *b = cols[col];
    size_t i = r - 2;
    switch (col) {
    case COL_PROTOCOL:
        return put_protocol(c, b, err);
    case COL_META:
        return put_meta(c, b, err);
    case COL_TXN: {
        const delta_app_txn *x = &s->app_txns[i];
        rc = put_str(vec_builder_child(b, 0), x->app_id, err);
        if (rc == ST_OK)
            rc = put_i64(vec_builder_child(b, 1), true, x->version, err);
        if (rc == ST_OK)
            rc = put_i64(vec_builder_child(b, 2), x->has_last_updated, x->last_updated, err);
        return rc == ST_OK ? vec_builder_append_struct(b, true, err) : rc;
    }
    case COL_DOMAIN: {
        const delta_domain *d = &s->domains[i - n_txn];
        rc = put_str(vec_builder_child(b, 0), d->domain, err);
        if (rc == ST_OK)
            rc = put_str(vec_builder_child(b, 1), d->configuration, err);
        if (rc == ST_OK)
            rc = vec_builder_append_bool(vec_builder_child(b, 2), false, err);
        return rc == ST_OK ? vec_builder_append_struct(b, true, err) : rc;
    }
    case COL_ADD:
        return put_file(c, b, &s->files[i - n_txn - n_dom], true, err);
    default:
        return put_file(c, b, c->tombs[i - n_txn - n_dom - s->n_files], false, err);
    }
}

/* Writes rows [from, to) as one batch. */
static st_status write_chunk(const cp_ctx *c, pq_writer *w, const vec_schema *schema, size_t from,
                             size_t to, st_error *err)
{
    vec_builder *cols[N_COLS] = { 0 };
    vec_batch *b = vec_batch_new(schema, N_COLS, 0);
    st_status rc = b ? ST_OK : st_error_set(err, ST_ERR_NOMEM, "out of memory writing checkpoint");
    for (int k = 0; k < N_COLS && rc == ST_OK; k++)
        if (!(cols[k] = vec_builder_new(&schema->fields[k].type)))
            rc = st_error_set(err, ST_ERR_NOMEM, "out of memory writing checkpoint");
    for (size_t r = from; r < to && rc == ST_OK; r++)
        rc = put_row(c, cols, r, err);
    for (int k = 0; k < N_COLS && rc == ST_OK; k++)
        rc = vec_builder_finish(cols[k], b->arena, &b->cols[k], err);
    if (rc == ST_OK) {
        b->n_rows = (int64_t)(to - from);
        rc = pq_writer_write(w, b, err);
    }
    for (int k = 0; k < N_COLS; k++)
        vec_builder_free(cols[k]);
    vec_batch_free(b);
    return rc;
}

static st_status write_last_checkpoint(const delta_snapshot *s, size_t rows, int64_t bytes,
                                       st_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/_delta_log/_last_checkpoint", s->table);
    uint8_t *old = NULL;
    size_t old_n = 0;
    if (store_read(path, &old, &old_n, NULL) == ST_OK) {
        json_t *j = json_loadb((const char *)old, old_n, 0, NULL);
        json_int_t v = json_integer_value(json_object_get(j, "version"));
        json_decref(j);
        st_free(old);
        if (v > s->version)      /* a newer checkpoint already published */
            return ST_OK;
    }
    char text[256];
    int n = snprintf(text, sizeof text, "{\"version\":%" PRId64 ",\"size\":%zu,\"sizeInBytes\":%"
                     PRId64 ",\"numOfAddFiles\":%zu}\n", s->version, rows, bytes, s->n_files);
    return store_put_atomic(path, text, (size_t)n, err);
}

/* Publishes tmp as final (put-if-absent; an existing checkpoint of the
** same version is kept) and removes tmp. */
static st_status publish_file(const char *tmp, const char *final, st_error *err)
{
    uint8_t *data = NULL;
    size_t n = 0;
    st_status rc = store_read(tmp, &data, &n, err);
    if (rc == ST_OK) {
        rc = store_put_if_absent(final, data, n, err);
        if (rc == ST_ERR_CONFLICT)
            rc = ST_OK;
    }
    st_free(data);
    store_remove(tmp, NULL);
    return rc;
}

/* Points c->tombs at the tombstones deleted at or after now - retention. */
static st_status keep_tombstones(cp_ctx *c, st_arena *a, int64_t now_ms, st_error *err)
{
    const delta_snapshot *s = c->s;
    int64_t keep_ms = delta_config_interval_ms(&s->meta, "delta.deletedFileRetentionDuration",
                                               DELTA_TOMBSTONE_RETENTION_DEFAULT_MS);
    int64_t min_ts = now_ms - ST_MIN(keep_ms, now_ms);
    c->tombs = st_arena_calloc(a, s->n_tombstones + 1, sizeof *c->tombs);
    if (!c->tombs)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory writing checkpoint");
    for (size_t i = 0; i < s->n_tombstones; i++)
        if (s->tombstones[i].deletion_timestamp >= min_ts)
            c->tombs[c->n_tombs++] = &s->tombstones[i];
    return ST_OK;
}

st_status delta_checkpoint_write(const delta_snapshot *s, st_error *err)
{
    st_arena *a = st_arena_new(0);
    if (!a)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory writing checkpoint");
    vec_schema schema;
    cp_ctx c = { .s = s };
    st_status rc = cp_schema(a, &schema, err);
    const delta_metadata *m = &s->meta;
    c.pv_keys = st_arena_calloc(a, (size_t)m->n_partition_cols + 1, sizeof(char *));
    if (rc == ST_OK && !c.pv_keys)
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory writing checkpoint");
    for (int k = 0; rc == ST_OK && k < m->n_partition_cols; k++) {
        int f = m->partition_field ? m->partition_field[k] : -1;
        c.pv_keys[k] = (m->column_mapping && m->field_info && f >= 0)
                       ? m->field_info[f].physical_name : m->partition_cols[k];
    }
    if (rc == ST_OK)
        rc = keep_tombstones(&c, a, delta_now_ms(), err);
    char uuid[37], tmp[4096], final[4096];
    delta_uuid(uuid);
    snprintf(tmp, sizeof tmp, "%s/_delta_log/.%020" PRId64 ".checkpoint.%s.parquet.tmp", s->table,
             s->version, uuid);
    snprintf(final, sizeof final, "%s/_delta_log/%020" PRId64 ".checkpoint.parquet", s->table,
             s->version);
    size_t rows = 2 + (size_t)s->n_app_txns + (size_t)s->n_domains + s->n_files + c.n_tombs;
    pq_writer *w = NULL;
    if (rc == ST_OK)
        rc = pq_writer_open(tmp, &schema, NULL, &w, err);
    for (size_t at = 0; rc == ST_OK && at < rows; at += CP_CHUNK_ROWS)
        rc = write_chunk(&c, w, &schema, at, ST_MIN(rows, at + CP_CHUNK_ROWS), err);
    pq_write_result res = { 0 };
    if (w && rc == ST_OK) {
        rc = pq_writer_close(w, &res, err);
    } else if (w) {
        pq_writer_abort(w);
    }
    if (rc == ST_OK)
        rc = publish_file(tmp, final, err);
    else
        store_remove(tmp, NULL);
    if (rc == ST_OK)
        rc = write_last_checkpoint(s, rows, res.file_bytes, err);
    st_arena_free(a);
    if (rc != ST_OK)
        return st_error_context(err, "writing checkpoint %" PRId64 " of table \"%s\"",
                                s->version, s->table);
    return ST_OK;
}
