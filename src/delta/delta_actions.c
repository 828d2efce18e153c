/* delta_actions.c -- parses Delta log actions (PROTOCOL.md "Actions") from
** commit JSON and applies them to a log replay: protocol, metaData, add,
** remove, txn, domainMetadata, commitInfo (in-commit timestamp), sidecar;
** cdc and checkpointMetadata carry no table state and are skipped, as are
** unknown actions and fields. Also owns the reconciliation map of file
** actions keyed by (path, deletion vector unique id).
**
** Invariants: every string stored in the replay is copied into the snapshot
** arena (jansson's tree is freed after each line); malformed JSON or a
** field of the wrong type is ST_ERR_CORRUPT naming the file and line. */
#include "delta_log_int.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>

/* ---- replay state -------------------------------------------------------- */

void delta_replay_init(delta_replay *r, st_arena *a)
{
    memset(r, 0, sizeof *r);
    r->arena = a;
    r->version = -1;
}

void delta_replay_destroy(delta_replay *r)
{
    st_free(r->entries);
    st_free(r->slots);
    st_free(r->txns);
    st_free(r->domains);
    st_free(r->sidecars);
    memset(r, 0, sizeof *r);
}

/* The path a file action is keyed by: "file:/x" and "file:///x" name the
** same file as "/x" (PROTOCOL.md: paths are compared as canonical URIs). */
static const char *key_path(const char *path)
{
    if (strncmp(path, "file:", 5) != 0)
        return path;
    path += 5;
    if (strncmp(path, "///", 3) == 0)
        path += 2;
    return path;
}

static uint64_t entry_hash(const char *path, const char *dv_key)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    h = (h ^ 0xffu) * 1099511628211ull;
    if (dv_key)
        for (const unsigned char *p = (const unsigned char *)dv_key; *p; p++)
            h = (h ^ *p) * 1099511628211ull;
    return h;
}

static bool entry_same_key(const delta_entry *a, const char *path, const char *dv_key)
{
    if (strcmp(key_path(a->f.path), path) != 0)
        return false;
    if (a->dv_key == NULL || dv_key == NULL)
        return a->dv_key == dv_key;
    return strcmp(a->dv_key, dv_key) == 0;
}

static st_status slots_grow(delta_replay *r, st_error *err)
{
    size_t n = r->n_slots ? r->n_slots * 2 : 1024, bytes;
    if (!st_mul_size(n, sizeof(uint32_t), &bytes) || n > UINT32_MAX)
        return st_error_set(err, ST_ERR_LIMIT, "delta log has too many file actions");
    uint32_t *s = st_calloc(n, sizeof(uint32_t));
    if (!s)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory growing the file action map");
    for (size_t i = 0; i < r->n_entries; i++) {
        size_t j = (size_t)r->entries[i].hash & (n - 1);
        while (s[j])
            j = (j + 1) & (n - 1);
        s[j] = (uint32_t)(i + 1);
    }
    st_free(r->slots);
    r->slots = s;
    r->n_slots = n;
    return ST_OK;
}

const char *delta_dv_unique_id(st_arena *a, const delta_dv *dv)
{
    if (dv->has_offset)
        return st_arena_printf(a, "%c%s@%" PRId32, dv->storage_type,
                               dv->path_or_inline_dv ? dv->path_or_inline_dv : "", dv->offset);
    return st_arena_printf(a, "%c%s", dv->storage_type,
                           dv->path_or_inline_dv ? dv->path_or_inline_dv : "");
}

st_status delta_replay_put_file(delta_replay *r, const delta_entry *e, st_error *err)
{
    const char *kp = key_path(e->f.path);
    uint64_t h = entry_hash(kp, e->dv_key);
    if ((r->n_entries + 1) * 2 > r->n_slots) {
        st_status rc = slots_grow(r, err);
        if (rc != ST_OK)
            return rc;
    }
    size_t j = (size_t)h & (r->n_slots - 1);
    while (r->slots[j]) {
        delta_entry *old = &r->entries[r->slots[j] - 1];
        if (old->hash == h && entry_same_key(old, kp, e->dv_key)) {
            *old = *e;                        /* newest action for the key wins */
            old->hash = h;
            return ST_OK;
        }
        j = (j + 1) & (r->n_slots - 1);
    }
    if (r->n_entries == r->cap_entries) {
        size_t cap = r->cap_entries ? r->cap_entries * 2 : 256, bytes;
        if (!st_mul_size(cap, sizeof(delta_entry), &bytes))
            return st_error_set(err, ST_ERR_LIMIT, "delta log has too many file actions");
        delta_entry *ne = st_realloc(r->entries, bytes);
        if (!ne)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory storing file actions");
        r->entries = ne;
        r->cap_entries = cap;
    }
    r->entries[r->n_entries] = *e;
    r->entries[r->n_entries].hash = h;
    r->slots[j] = (uint32_t)(++r->n_entries);
    return ST_OK;
}

/* ---- JSON field helpers -------------------------------------------------- */

static st_status corrupt(delta_replay *r, st_error *err, const char *action, const char *what)
{
    return st_error_set(err, ST_ERR_CORRUPT, "%s action in %s (version %" PRId64 ") %s",
                        action, r->source ? r->source : "delta log", r->version, what);
}

/* Optional string field: NULL when absent or null; *bad when of another type. */
static const char *get_str(delta_replay *r, json_t *o, const char *key, bool *bad)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *bad = true;
        return NULL;
    }
    return st_arena_strndup(r->arena, json_string_value(v), json_string_length(v));
}

static bool get_i64(json_t *o, const char *key, int64_t *out, bool *bad)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return false;
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return true;
    }
    if (json_is_string(v)) {            /* some writers quote longs */
        char *end;
        long long x = strtoll(json_string_value(v), &end, 10);
        if (*end == '\0' && end != json_string_value(v)) {
            *out = x;
            return true;
        }
    }
    *bad = true;
    return false;
}

static bool get_bool(json_t *o, const char *key, bool dflt, bool *bad)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return dflt;
    if (!json_is_boolean(v)) {
        *bad = true;
        return dflt;
    }
    return json_is_true(v);
}

/* Array of strings into the arena; *n = -1 when absent. */
static const char **get_str_array(delta_replay *r, json_t *o, const char *key, int *n, bool *bad)
{
    json_t *v = json_object_get(o, key);
    *n = -1;
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_array(v) || json_array_size(v) > INT32_MAX) {
        *bad = true;
        return NULL;
    }
    size_t cnt = json_array_size(v);
    const char **out = st_arena_calloc(r->arena, cnt + 1, sizeof(char *));
    if (!out) {
        *bad = true;
        return NULL;
    }
    for (size_t i = 0; i < cnt; i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_string(e)) {
            *bad = true;
            return NULL;
        }
        out[i] = st_arena_strndup(r->arena, json_string_value(e), json_string_length(e));
    }
    *n = (int)cnt;
    return out;
}

/* Object of string (or null) values into parallel arena arrays. */
static bool get_str_map(delta_replay *r, json_t *o, const char *key, int *n,
                        const char ***keys, const char ***vals)
{
    json_t *v = json_object_get(o, key);
    *n = 0;
    *keys = *vals = NULL;
    if (!v || json_is_null(v))
        return true;
    if (!json_is_object(v))
        return false;
    size_t cnt = json_object_size(v);
    if (cnt == 0)
        return true;
    *keys = st_arena_calloc(r->arena, cnt, sizeof(char *));
    *vals = st_arena_calloc(r->arena, cnt, sizeof(char *));
    if (!*keys || !*vals)
        return false;
    const char *k;
    json_t *val;
    int i = 0;
    json_object_foreach(v, k, val) {
        (*keys)[i] = st_arena_strdup(r->arena, k);
        if (json_is_string(val))
            (*vals)[i] = st_arena_strndup(r->arena, json_string_value(val),
                                          json_string_length(val));
        else if (json_is_null(val))
            (*vals)[i] = NULL;
        else                               /* numbers/bools as their text */
            (*vals)[i] = json_is_true(val) ? "true" : json_is_false(val) ? "false"
                       : json_is_integer(val)
                         ? st_arena_printf(r->arena, "%" JSON_INTEGER_FORMAT, json_integer_value(val))
                         : st_arena_printf(r->arena, "%.17g", json_number_value(val));
        i++;
    }
    *n = i;
    return true;
}

/* ---- actions ------------------------------------------------------------- */

static st_status parse_dv(delta_replay *r, json_t *o, delta_entry *e, bool *bad)
{
    json_t *d = json_object_get(o, "deletionVector");
    if (!d || json_is_null(d))
        return ST_OK;
    if (!json_is_object(d)) {
        *bad = true;
        return ST_OK;
    }
    const char *st = get_str(r, d, "storageType", bad);
    e->f.dv.path_or_inline_dv = get_str(r, d, "pathOrInlineDv", bad);
    if (!st || strlen(st) != 1 || !strchr("upi", st[0]) || !e->f.dv.path_or_inline_dv) {
        *bad = true;
        return ST_OK;
    }
    e->f.dv.storage_type = st[0];
    int64_t x = 0;
    if (get_i64(d, "offset", &x, bad)) {
        e->f.dv.has_offset = true;
        e->f.dv.offset = (int32_t)x;
    }
    if (get_i64(d, "sizeInBytes", &x, bad))
        e->f.dv.size_in_bytes = (int32_t)x;
    if (get_i64(d, "cardinality", &x, bad))
        e->f.dv.cardinality = x;
    e->f.has_dv = true;
    e->dv_key = delta_dv_unique_id(r->arena, &e->f.dv);
    return ST_OK;
}

static st_status apply_file(delta_replay *r, json_t *o, bool is_remove, st_error *err)
{
    const char *action = is_remove ? "remove" : "add";
    if (!json_is_object(o))
        return corrupt(r, err, action, "is not a JSON object");
    delta_entry e;
    memset(&e, 0, sizeof e);
    bool bad = false;
    e.is_remove = is_remove;
    e.f.path = get_str(r, o, "path", &bad);
    if (!e.f.path || bad)
        return corrupt(r, err, action, "has no string \"path\"");
    get_i64(o, "size", &e.f.size, &bad);
    get_i64(o, "modificationTime", &e.f.modification_time, &bad);
    get_i64(o, "deletionTimestamp", &e.f.deletion_timestamp, &bad);
    e.f.data_change = get_bool(o, "dataChange", !is_remove, &bad);
    e.f.stats = get_str(r, o, "stats", &bad);
    e.f.has_base_row_id = get_i64(o, "baseRowId", &e.f.base_row_id, &bad);
    e.f.has_default_row_commit_version =
        get_i64(o, "defaultRowCommitVersion", &e.f.default_row_commit_version, &bad);
    if (!get_str_map(r, o, "partitionValues", &e.n_pv, &e.pv_keys, &e.pv_vals))
        bad = true;
    parse_dv(r, o, &e, &bad);
    if (bad)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "%s action for \"%s\" in %s (version %" PRId64 ") has a malformed field",
                            action, e.f.path, r->source ? r->source : "delta log", r->version);
    e.f.added_version = r->version;
    return delta_replay_put_file(r, &e, err);
}

static st_status apply_protocol(delta_replay *r, json_t *o, st_error *err)
{
    bool bad = false;
    int64_t rv = 0, wv = 0;
    if (!json_is_object(o) || !get_i64(o, "minReaderVersion", &rv, &bad)
        || !get_i64(o, "minWriterVersion", &wv, &bad) || bad || rv < 0 || rv > INT32_MAX
        || wv < 0 || wv > INT32_MAX)
        return corrupt(r, err, "protocol", "lacks valid minReaderVersion/minWriterVersion");
    delta_protocol p;
    memset(&p, 0, sizeof p);
    p.min_reader = (int)rv;
    p.min_writer = (int)wv;
    p.reader_features = get_str_array(r, o, "readerFeatures", &p.n_reader_features, &bad);
    p.writer_features = get_str_array(r, o, "writerFeatures", &p.n_writer_features, &bad);
    if (bad)
        return corrupt(r, err, "protocol", "has malformed feature lists");
    if (p.n_reader_features < 0)
        p.n_reader_features = 0;
    if (p.n_writer_features < 0)
        p.n_writer_features = 0;
    r->protocol = p;
    r->has_protocol = true;
    return ST_OK;
}

static st_status apply_meta(delta_replay *r, json_t *o, st_error *err)
{
    if (!json_is_object(o))
        return corrupt(r, err, "metaData", "is not a JSON object");
    bool bad = false;
    delta_raw_meta m;
    memset(&m, 0, sizeof m);
    m.id = get_str(r, o, "id", &bad);
    m.name = get_str(r, o, "name", &bad);
    m.description = get_str(r, o, "description", &bad);
    m.schema_string = get_str(r, o, "schemaString", &bad);
    m.partition_cols = get_str_array(r, o, "partitionColumns", &m.n_partition_cols, &bad);
    if (m.n_partition_cols < 0)
        m.n_partition_cols = 0;
    m.has_created_time = get_i64(o, "createdTime", &m.created_time, &bad);
    if (!get_str_map(r, o, "configuration", &m.n_config, &m.config_keys, &m.config_values))
        bad = true;
    if (bad)
        return corrupt(r, err, "metaData", "has a malformed field");
    r->meta = m;
    r->has_meta = true;
    return ST_OK;
}

static st_status apply_txn(delta_replay *r, json_t *o, st_error *err)
{
    bool bad = false;
    delta_app_txn t;
    memset(&t, 0, sizeof t);
    if (json_is_object(o)) {
        t.app_id = get_str(r, o, "appId", &bad);
        if (!get_i64(o, "version", &t.version, &bad))
            bad = true;
        t.has_last_updated = get_i64(o, "lastUpdated", &t.last_updated, &bad);
    }
    if (!t.app_id || bad)
        return corrupt(r, err, "txn", "lacks appId or version");
    for (int i = 0; i < r->n_txns; i++)
        if (strcmp(r->txns[i].app_id, t.app_id) == 0) {
            r->txns[i] = t;
            return ST_OK;
        }
    if (r->n_txns == r->cap_txns) {
        int cap = r->cap_txns ? r->cap_txns * 2 : 8;
        delta_app_txn *n = st_realloc(r->txns, (size_t)cap * sizeof *n);
        if (!n)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory storing txn actions");
        r->txns = n;
        r->cap_txns = cap;
    }
    r->txns[r->n_txns++] = t;
    return ST_OK;
}

static st_status apply_domain(delta_replay *r, json_t *o, st_error *err)
{
    bool bad = false;
    delta_domain d = { 0 };
    bool removed = false;
    if (json_is_object(o)) {
        d.domain = get_str(r, o, "domain", &bad);
        d.configuration = get_str(r, o, "configuration", &bad);
        removed = get_bool(o, "removed", false, &bad);
    }
    if (!d.domain || bad)
        return corrupt(r, err, "domainMetadata", "lacks a domain");
    if (removed)
        d.configuration = NULL;
    else if (!d.configuration)
        d.configuration = "";
    for (int i = 0; i < r->n_domains; i++)
        if (strcmp(r->domains[i].domain, d.domain) == 0) {
            r->domains[i] = d;
            return ST_OK;
        }
    if (r->n_domains == r->cap_domains) {
        int cap = r->cap_domains ? r->cap_domains * 2 : 8;
        delta_domain *n = st_realloc(r->domains, (size_t)cap * sizeof *n);
        if (!n)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory storing domain metadata");
        r->domains = n;
        r->cap_domains = cap;
    }
    r->domains[r->n_domains++] = d;
    return ST_OK;
}

static st_status apply_sidecar(delta_replay *r, json_t *o, st_error *err)
{
    bool bad = false;
    const char *p = json_is_object(o) ? get_str(r, o, "path", &bad) : NULL;
    if (!p || bad)
        return corrupt(r, err, "sidecar", "has no string \"path\"");
    if (r->n_sidecars == r->cap_sidecars) {
        int cap = r->cap_sidecars ? r->cap_sidecars * 2 : 8;
        const char **n = st_realloc(r->sidecars, (size_t)cap * sizeof *n);
        if (!n)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory storing sidecar actions");
        r->sidecars = n;
        r->cap_sidecars = cap;
    }
    r->sidecars[r->n_sidecars++] = p;
    return ST_OK;
}

static st_status apply_action(delta_replay *r, const char *name, json_t *v, st_error *err)
{
    if (json_is_null(v))
        return ST_OK;
    if (strcmp(name, "add") == 0)
        return apply_file(r, v, false, err);
    if (strcmp(name, "remove") == 0)
        return apply_file(r, v, true, err);
    if (strcmp(name, "metaData") == 0)
        return apply_meta(r, v, err);
    if (strcmp(name, "protocol") == 0)
        return apply_protocol(r, v, err);
    if (strcmp(name, "txn") == 0)
        return apply_txn(r, v, err);
    if (strcmp(name, "domainMetadata") == 0)
        return apply_domain(r, v, err);
    if (strcmp(name, "sidecar") == 0)
        return apply_sidecar(r, v, err);
    if (strcmp(name, "commitInfo") == 0) {
        bool bad = false;
        int64_t t;
        if (json_is_object(v) && get_i64(v, "inCommitTimestamp", &t, &bad)) {
            r->has_ict = true;
            r->ict = t;
        }
        return ST_OK;
    }
    return ST_OK;                           /* cdc, checkpointMetadata, unknown */
}

st_status delta_actions_apply_one(delta_replay *r, const char *name, const char *json_text,
                                  size_t len, st_error *err)
{
    json_error_t jerr;
    json_t *v = json_loadb(json_text, len, JSON_DECODE_ANY, &jerr);
    if (!v)
        return st_error_set(err, ST_ERR_CORRUPT, "%s action in %s is not valid JSON: %s", name,
                            r->source ? r->source : "checkpoint", jerr.text);
    st_status rc = apply_action(r, name, v, err);
    json_decref(v);
    return rc;
}

st_status delta_actions_apply_ndjson(delta_replay *r, const char *text, size_t len,
                                     const char *what, st_error *err)
{
    size_t pos = 0;
    int line = 0;
    r->source = what;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        line++;
        size_t a = pos, b = end;
        while (a < b && (text[a] == ' ' || text[a] == '\t' || text[a] == '\r'))
            a++;
        pos = end + 1;
        if (a == b)
            continue;
        json_error_t jerr;
        json_t *o = json_loadb(text + a, b - a, 0, &jerr);
        if (!o || !json_is_object(o)) {
            json_decref(o);
            return st_error_set(err, ST_ERR_CORRUPT, "line %d of %s is not a JSON object%s%s",
                                line, what, o ? "" : ": ", o ? "" : jerr.text);
        }
        const char *k;
        json_t *v;
        st_status rc = ST_OK;
        json_object_foreach(o, k, v) {
            rc = apply_action(r, k, v, err);
            if (rc != ST_OK)
                break;
        }
        json_decref(o);
        if (rc != ST_OK)
            return st_error_context(err, "line %d", line);
    }
    return ST_OK;
}

bool delta_actions_commit_info(const char *text, size_t len, st_arena *a,
                               bool *has_ict, int64_t *ict, bool *has_ts, int64_t *ts,
                               const char **operation, const char **json_out)
{
    size_t pos = 0;
    *has_ict = *has_ts = false;
    if (operation)
        *operation = NULL;
    if (json_out)
        *json_out = NULL;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t a0 = pos;
        pos = end + 1;
        /* OPT: results identical if removed -- skip lines that cannot hold it */
        if (end - a0 < 14 || !memmem(text + a0, end - a0, "\"commitInfo\"", 12))
            continue;
        json_t *o = json_loadb(text + a0, end - a0, 0, NULL);
        json_t *ci = o ? json_object_get(o, "commitInfo") : NULL;
        if (!ci || !json_is_object(ci)) {
            json_decref(o);
            continue;
        }
        bool bad = false;
        *has_ict = get_i64(ci, "inCommitTimestamp", ict, &bad);
        *has_ts = get_i64(ci, "timestamp", ts, &bad);
        json_t *op = json_object_get(ci, "operation");
        if (operation && a && json_is_string(op))
            *operation = st_arena_strdup(a, json_string_value(op));
        if (json_out && a) {
            char *s = json_dumps(ci, JSON_COMPACT | JSON_PRESERVE_ORDER);
            if (s) {
                *json_out = st_arena_strdup(a, s);
                free(s);
            }
        }
        json_decref(o);
        return true;
    }
    return false;
}
