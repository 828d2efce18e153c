/* delta_checkpoint_read.c -- reads a Delta checkpoint (PROTOCOL.md
** "Checkpoints") into a log replay: classic `<v>.checkpoint.parquet`,
** multi-part `<v>.checkpoint.<o>.<p>.parquet` (every part, in order) and V2
** `<v>.checkpoint.<uuid>.json|parquet` whose sidecar actions name files in
** `_delta_log/_sidecars/` holding more add/remove rows.
**
** Only the columns that carry table state are read (add, remove, metaData,
** protocol, txn, domainMetadata, sidecar). add/remove rows -- nearly all of
** a checkpoint -- are converted straight from the column vectors; the rare
** other actions are rendered as JSON text and go through the same parser as
** commits. When add.stats is absent the struct add.stats_parsed is rendered
** as the JSON stats string. Every action takes the checkpoint's version. */
#include "delta_log_int.h"

#include "../format/parquet/pq.h"
#include "../store/store.h"

#include <inttypes.h>
#include <stdio.h>

static const char *const WANTED[] = {
    "add", "remove", "metaData", "protocol", "txn", "domainMetadata", "sidecar",
};

static int child_index(const vec_type *t, const char *name)
{
    for (int i = 0; i < t->n_children; i++)
        if (strcmp(t->children[i].name, name) == 0)
            return i;
    return -1;
}

static const vec *child(const vec *v, const char *name)
{
    int i = child_index(v->type, name);
    return i < 0 ? NULL : v->children[i];
}

static bool v_str(const vec *v, int64_t i, const char **p, size_t *n)
{
    if (!v || !vec_is_valid(v, i) || !vec_type_is_varlen(v->type->id))
        return false;
    const int32_t *off = vec_offsets(v);
    if (off[i] < 0 || off[i + 1] < off[i] || off[i + 1] > v->n_bytes)
        return false;
    *p = (const char *)v->bytes + off[i];
    *n = (size_t)(off[i + 1] - off[i]);
    return true;
}

static const char *v_dup(st_arena *a, const vec *v, int64_t i)
{
    const char *p;
    size_t n;
    return v_str(v, i, &p, &n) ? st_arena_strndup(a, p, n) : NULL;
}

static bool v_i64(const vec *v, int64_t i, int64_t *out)
{
    if (!v || !vec_is_valid(v, i))
        return false;
    switch (v->type->id) {
    case VEC_INT64: *out = ((const int64_t *)v->values)[i]; return true;
    case VEC_INT32: *out = ((const int32_t *)v->values)[i]; return true;
    case VEC_INT16: *out = ((const int16_t *)v->values)[i]; return true;
    case VEC_INT8:  *out = ((const int8_t *)v->values)[i];  return true;
    default:        return false;
    }
}

static bool v_bool(const vec *v, int64_t i, bool dflt)
{
    if (!v || !vec_is_valid(v, i) || v->type->id != VEC_BOOL)
        return dflt;
    return vec_bit_get(v->values, i);
}

/* partitionValues MAP<string,string> row i into e's raw pairs. */
static st_status read_pv(st_arena *a, const vec *m, int64_t i, delta_entry *e, st_error *err)
{
    if (!m || !vec_is_valid(m, i) || m->type->id != VEC_MAP)
        return ST_OK;
    const vec *ent = m->children[0];
    const int32_t *off = vec_offsets(m);
    if (off[i] < 0 || off[i + 1] < off[i] || off[i + 1] > ent->len || ent->type->n_children != 2)
        return st_error_set(err, ST_ERR_CORRUPT, "checkpoint partitionValues map is inconsistent");
    int n = off[i + 1] - off[i];
    if (n == 0)
        return ST_OK;
    e->pv_keys = st_arena_calloc(a, (size_t)n, sizeof(char *));
    e->pv_vals = st_arena_calloc(a, (size_t)n, sizeof(char *));
    if (!e->pv_keys || !e->pv_vals)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory reading partition values");
    for (int k = 0; k < n; k++) {
        int64_t j = off[i] + k;
        e->pv_keys[k] = v_dup(a, ent->children[0], j);
        e->pv_vals[k] = v_dup(a, ent->children[1], j);
        if (!e->pv_keys[k])
            return st_error_set(err, ST_ERR_CORRUPT, "checkpoint partitionValues has a null key");
    }
    e->n_pv = n;
    return ST_OK;
}

static void read_dv(st_arena *a, const vec *d, int64_t i, delta_entry *e)
{
    if (!d || !vec_is_valid(d, i) || d->type->id != VEC_STRUCT)
        return;
    const char *st = v_dup(a, child(d, "storageType"), i);
    const char *p = v_dup(a, child(d, "pathOrInlineDv"), i);
    if (!st || !p || strlen(st) != 1)
        return;
    e->f.has_dv = true;
    e->f.dv.storage_type = st[0];
    e->f.dv.path_or_inline_dv = p;
    int64_t x;
    if (v_i64(child(d, "offset"), i, &x)) {
        e->f.dv.has_offset = true;
        e->f.dv.offset = (int32_t)x;
    }
    if (v_i64(child(d, "sizeInBytes"), i, &x))
        e->f.dv.size_in_bytes = (int32_t)x;
    if (v_i64(child(d, "cardinality"), i, &x))
        e->f.dv.cardinality = x;
    e->dv_key = delta_dv_unique_id(a, &e->f.dv);
}

/* One add or remove row of a checkpoint into the replay. */
static st_status read_file_row(delta_replay *r, const vec *s, int64_t i, bool is_remove,
                               st_buf *scratch, st_error *err)
{
    st_arena *a = r->arena;
    delta_entry e;
    memset(&e, 0, sizeof e);
    e.is_remove = is_remove;
    e.f.path = v_dup(a, child(s, "path"), i);
    if (!e.f.path)
        return st_error_set(err, ST_ERR_CORRUPT, "%s row %" PRId64 " of checkpoint \"%s\" has no path",
                            is_remove ? "remove" : "add", i, r->source);
    v_i64(child(s, "size"), i, &e.f.size);
    v_i64(child(s, "modificationTime"), i, &e.f.modification_time);
    v_i64(child(s, "deletionTimestamp"), i, &e.f.deletion_timestamp);
    e.f.data_change = v_bool(child(s, "dataChange"), i, !is_remove);
    e.f.has_base_row_id = v_i64(child(s, "baseRowId"), i, &e.f.base_row_id);
    e.f.has_default_row_commit_version =
        v_i64(child(s, "defaultRowCommitVersion"), i, &e.f.default_row_commit_version);
    e.f.stats = v_dup(a, child(s, "stats"), i);
    const vec *sp = child(s, "stats_parsed");
    if (!e.f.stats && !is_remove && sp && vec_is_valid(sp, i)) {
        st_buf_clear(scratch);
        st_status rc = vec_format_value(sp, i, VEC_FMT_JSON, scratch, err);
        if (rc != ST_OK)
            return st_error_context(err, "rendering stats_parsed of \"%s\"", e.f.path);
        e.f.stats = st_arena_strndup(a, (const char *)scratch->data, scratch->len);
    }
    st_status rc = read_pv(a, child(s, "partitionValues"), i, &e, err);
    if (rc != ST_OK)
        return st_error_context(err, "reading checkpoint \"%s\"", r->source);
    read_dv(a, child(s, "deletionVector"), i, &e);
    e.f.added_version = r->version;
    return delta_replay_put_file(r, &e, err);
}

static st_status read_batch(delta_replay *r, const vec_batch *b, const char *const *names,
                            st_buf *scratch, st_error *err)
{
    for (int c = 0; c < b->n_cols; c++) {
        const vec *col = b->cols[c];
        bool is_add = strcmp(names[c], "add") == 0, is_rm = strcmp(names[c], "remove") == 0;
        if (col->type->id != VEC_STRUCT)
            continue;
        for (int64_t i = 0; i < b->n_rows; i++) {
            if (!vec_is_valid(col, i))
                continue;
            st_status rc;
            if (is_add || is_rm) {
                rc = read_file_row(r, col, i, is_rm, scratch, err);
            } else {
                st_buf_clear(scratch);
                rc = vec_format_value(col, i, VEC_FMT_JSON, scratch, err);
                if (rc == ST_OK)
                    rc = delta_actions_apply_one(r, names[c], (const char *)scratch->data,
                                                 scratch->len, err);
            }
            if (rc != ST_OK)
                return rc;
        }
    }
    return ST_OK;
}

static st_status read_parquet(delta_replay *r, const char *path, st_error *err)
{
    pq_file *f = NULL;
    pq_reader *rd = NULL;
    st_buf scratch;
    st_buf_init(&scratch);
    r->source = path;
    st_status rc = pq_file_open(path, &f, err);
    if (rc != ST_OK)
        goto done;
    const vec_schema *s = pq_file_schema(f);
    int cols[ST_ARRAY_LEN(WANTED)];
    const char *names[ST_ARRAY_LEN(WANTED)];
    int n = 0;
    for (int i = 0; i < s->n_fields; i++)
        for (size_t w = 0; w < ST_ARRAY_LEN(WANTED); w++)
            if (strcmp(s->fields[i].name, WANTED[w]) == 0 && n < (int)ST_ARRAY_LEN(WANTED)) {
                names[n] = WANTED[w];
                cols[n++] = i;
            }
    if (n == 0)
        goto done;
    pq_read_options opt = { .columns = cols, .n_columns = n, .batch_rows = 8192 };
    rc = pq_reader_open(f, &opt, &rd, err);
    while (rc == ST_OK) {
        vec_batch *b = NULL;
        rc = pq_reader_next(rd, &b, err);
        if (rc != ST_OK || !b)
            break;
        rc = read_batch(r, b, names, &scratch, err);
        vec_batch_free(b);
    }
done:
    pq_reader_close(rd);
    pq_file_close(f);
    st_buf_destroy(&scratch);
    if (rc != ST_OK)
        return st_error_context(err, "reading checkpoint \"%s\"", path);
    return ST_OK;
}

static st_status read_json(delta_replay *r, const char *path, st_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    st_status rc = store_read(path, &data, &len, err);
    if (rc != ST_OK)
        return rc;
    rc = delta_actions_apply_ndjson(r, (const char *)data, len, path, err);
    st_free(data);
    return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static st_status read_any(delta_replay *r, const char *path, st_error *err)
{
    return ends_with(path, ".json") ? read_json(r, path, err) : read_parquet(r, path, err);
}

st_status delta_checkpoint_read(delta_replay *r, const char *log_dir, const delta_ckpt *ck,
                                st_error *err)
{
    r->version = ck->version;
    r->n_sidecars = 0;
    for (int i = 0; i < ck->n_files; i++) {
        char *path = st_arena_printf(r->arena, "%s/%s", log_dir, ck->files[i]);
        if (!path)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        st_status rc = read_any(r, path, err);
        if (rc != ST_OK)
            return rc;
    }
    char *sc_dir = st_arena_printf(r->arena, "%s/_sidecars", log_dir);
    for (int i = 0; i < r->n_sidecars; i++) {
        char *path = delta_resolve_path(sc_dir, r->sidecars[i], r->arena);
        if (!path)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory");
        st_status rc = read_parquet(r, path, err);
        if (rc != ST_OK)
            return st_error_context(err, "reading sidecar of checkpoint version %" PRId64,
                                    ck->version);
    }
    r->n_sidecars = 0;
    return ST_OK;
}
