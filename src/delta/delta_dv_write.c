/* delta_dv_write.c -- writing deletion vectors (PROTOCOL.md "Deletion
** Vectors", "Deletion Vector Format", "Per-file Statistics"): merge-on-read
** DML marks row positions of existing data files as deleted instead of
** rewriting the files.
**
** delta_txn_delete_rows collects, per live file of the transaction's
** snapshot, the union of the file's existing deletion vector and every
** position deleted so far (sorted uint64 array, heap). At commit
** (delta_dvw_finish, called by delta_txn.c) all of them go into ONE file
** <table>/deletion_vector_<uuid>.bin, written through store_put_if_absent
** (temp file, fsync, link), laid out as delta_dv.c reads it:
**   offset 0         1 byte   format version 1
**   per DV at `off`  4 bytes  BE size n of the bitmap
**                    n bytes  RoaringBitmapArray (LE magic 1681511377, LE u64
**                             bucket count, per bucket LE u32 high key +
**                             CRoaring portable 32-bit bitmap)
**                    4 bytes  BE CRC-32 of the n bitmap bytes
** The descriptor is storage type 'u' with the Z85 text of the 16 UUID bytes
** (no random prefix), offset `off`, sizeInBytes n, cardinality. Each touched
** file gets a remove (with its old DV) and an add of the same path with the
** new DV, its size and partition values, and stats whose numRecords stays
** the physical row count and tightBounds becomes false; a file whose every
** row is deleted only gets the remove.
** Z85 (ZeroMQ RFC 32) is encoded by hand: no Debian library ships it.
** Invariants: the DV file is durable before the commit names it and is
** deleted when the transaction aborts or its commit fails. */
#include "delta_dv_int.h"
#include "delta_scan_int.h"
#include "delta_write.h"

#include "../format/parquet/pq.h"
#include "../store/store.h"

#include <inttypes.h>
#include <jansson.h>
#include <roaring/roaring.h>
#include <strings.h>
#include <zlib.h>

#define DV_MAGIC 1681511377u
#define DV_FORMAT_VERSION 1

/* Pending deletes of one data file. */
typedef struct dvw_entry {
    const delta_file *file;   /* borrowed: the transaction's snapshot */
    uint64_t         *rows;   /* heap; sorted, distinct; old DV included */
    size_t            n_rows;
    int64_t           n_old;  /* cardinality of the file's existing DV */
    int64_t           n_records; /* physical rows of the file */
    bool              has_stats_rows; /* stats carry numRecords */
} dvw_entry;

struct delta_dvw {
    const char *table;        /* borrowed: the snapshot's table root */
    size_t     *entry_of;     /* heap; per snapshot file: entry index + 1, 0 = none */
    size_t      n_files;      /* snapshot files (length of entry_of) */
    dvw_entry  *entries;      /* heap */
    size_t      n_entries, cap_entries;
    char       *dv_path;      /* heap; the DV file once written (deleted on discard) */
};

static const char z85_chars[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

static st_status nomem(st_error *err)
{
    return st_error_set(err, ST_ERR_NOMEM, "out of memory writing a deletion vector");
}

void delta_z85_encode(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i + 4 <= n; i += 4) {
        uint32_t v = st_load_be32(p + i);
        char *q = out + i / 4 * 5;
        for (int k = 4; k >= 0; k--) {
            q[k] = z85_chars[v % 85];
            v /= 85;
        }
    }
    out[n / 4 * 5] = '\0';
}

/* Appends one 32-bit bucket (values lo[0..n), high key `key`). */
static st_status append_bucket(st_buf *out, uint32_t key, const uint32_t *lo, size_t n,
                               st_error *err)
{
    roaring_bitmap_t *r = roaring_bitmap_of_ptr(n, lo);
    if (!r)
        return nomem(err);
    roaring_bitmap_run_optimize(r);
    size_t sz = roaring_bitmap_portable_size_in_bytes(r);
    uint8_t k[4];
    st_store_le32(k, key);
    st_status rc = st_buf_append(out, k, 4, err);
    if (rc == ST_OK)
        rc = st_buf_reserve(out, sz, err);
    if (rc == ST_OK) {
        size_t w = roaring_bitmap_portable_serialize(r, (char *)out->data + out->len);
        out->len += w;
        if (w != sz)
            rc = st_error_set(err, ST_ERR_INTERNAL, "roaring bitmap serialized to %zu bytes, "
                              "not the %zu it announced", w, sz);
    }
    roaring_bitmap_free(r);
    return rc;
}

st_status delta_dv_encode_bitmap(const uint64_t *rows, size_t n, st_buf *out, st_error *err)
{
    uint64_t n_buckets = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i] >> 63)
            return st_error_set(err, ST_ERR_ARGUMENT, "row position %" PRIu64 " is too large "
                                "for a deletion vector", rows[i]);
        if (i == 0 || rows[i] >> 32 != rows[i - 1] >> 32)
            n_buckets++;
    }
    uint8_t head[12];
    st_store_le32(head, DV_MAGIC);
    st_store_le64(head + 4, n_buckets);
    st_status rc = st_buf_append(out, head, sizeof head, err);
    uint32_t *lo = st_malloc(n ? n * sizeof *lo : 1);
    if (!lo)
        return nomem(err);
    for (size_t i = 0; i < n && rc == ST_OK;) {
        uint32_t key = (uint32_t)(rows[i] >> 32);
        size_t m = 0;
        while (i < n && (uint32_t)(rows[i] >> 32) == key)
            lo[m++] = (uint32_t)rows[i++];
        rc = append_bucket(out, key, lo, m, err);
    }
    st_free(lo);
    return rc;
}

/* ---- collecting deletes ----------------------------------------------------- */

static bool has_feature(const char *const *list, int n, const char *name)
{
    for (int i = 0; list && i < n; i++)
        if (list[i] && strcmp(list[i], name) == 0)
            return true;
    return false;
}

static bool protocol_has_dv(const delta_protocol *p)
{
    return p->min_reader >= 3 && p->min_writer >= 7 &&
           has_feature(p->reader_features, p->n_reader_features, "deletionVectors") &&
           has_feature(p->writer_features, p->n_writer_features, "deletionVectors");
}

bool delta_dv_enabled(const delta_snapshot *s)
{
    const char *v = s ? delta_config_get(&s->meta, "delta.enableDeletionVectors") : NULL;
    return s && protocol_has_dv(&s->protocol) && v && strcasecmp(v, "true") == 0;
}

/* Index of the live file with f's path in s->files (sorted by path), or
** s->n_files when it is not live. */
static size_t find_file(const delta_snapshot *s, const char *path)
{
    size_t lo = 0, hi = s->n_files;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(s->files[mid].path, path);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return s->n_files;
}

/* Physical row count of f: stats numRecords, else the Parquet footer. */
static st_status file_records(const char *table, const delta_file *f, int64_t *out,
                              bool *from_stats, st_error *err)
{
    int64_t n = delta_file_num_records(f);
    *from_stats = n >= 0;
    if (*from_stats) {
        *out = n;
        return ST_OK;
    }
    st_arena *a = st_arena_new(0);
    char *path = a ? delta_resolve_path(table, f->path, a) : NULL;
    if (!path) {
        st_arena_free(a);
        return nomem(err);
    }
    pq_file *pf = NULL;
    st_status rc = pq_file_open(path, &pf, err);
    if (rc == ST_OK)
        *out = pq_file_num_rows(pf);
    else
        st_error_context(err, "counting the rows of data file \"%s\"", path);
    pq_file_close(pf);
    st_arena_free(a);
    return rc;
}

/* Merges sorted, distinct b[0..nb) into e->rows (union). */
static st_status merge_rows(dvw_entry *e, const uint64_t *b, size_t nb, st_error *err)
{
    size_t cap;
    if (!st_add_size(e->n_rows, nb, &cap) || !st_mul_size(cap ? cap : 1, sizeof(uint64_t), &cap))
        return nomem(err);
    uint64_t *m = st_malloc(cap);
    if (!m)
        return nomem(err);
    size_t i = 0, j = 0, k = 0;
    while (i < e->n_rows || j < nb) {
        if (j == nb || (i < e->n_rows && e->rows[i] < b[j]))
            m[k++] = e->rows[i++];
        else if (i == e->n_rows || b[j] < e->rows[i])
            m[k++] = b[j++];
        else {
            m[k++] = e->rows[i++];
            j++;
        }
    }
    st_free(e->rows);
    e->rows = m;
    e->n_rows = k;
    return ST_OK;
}

/* A new entry for snapshot file `fi`, holding its existing DV's rows. */
static st_status entry_new(delta_dvw *w, const delta_snapshot *s, size_t fi, dvw_entry **out,
                           st_error *err)
{
    if (w->n_entries == w->cap_entries) {
        dvw_entry *p = delta_grow(w->entries, &w->cap_entries, sizeof *p, 8);
        if (!p)
            return nomem(err);
        w->entries = p;
    }
    dvw_entry *e = &w->entries[w->n_entries];
    *e = (dvw_entry){ .file = &s->files[fi] };
    st_status rc = file_records(s->table, e->file, &e->n_records, &e->has_stats_rows, err);
    if (rc == ST_OK && e->file->has_dv) {
        st_arena *a = st_arena_new(0);
        uint64_t *old = NULL;
        int64_t n_old = 0;
        rc = a ? delta_dv_load(s->table, &e->file->dv, a, &old, &n_old, err) : nomem(err);
        if (rc == ST_OK)
            rc = merge_rows(e, old, (size_t)n_old, err);
        e->n_old = n_old;
        st_arena_free(a);
    }
    if (rc != ST_OK) {
        st_free(e->rows);
        return st_error_context(err, "reading data file \"%s\" of table \"%s\"", e->file->path,
                                s->table);
    }
    w->entry_of[fi] = ++w->n_entries;
    *out = e;
    return ST_OK;
}

static st_status dvw_get(delta_txn *t, const delta_snapshot *s, delta_dvw **out, st_error *err)
{
    delta_dvw **slot = delta_txn_dvw(t);
    if (!*slot) {
        delta_dvw *w = st_calloc(1, sizeof *w);
        if (!w)
            return nomem(err);
        w->table = s->table;
        w->n_files = s->n_files;
        w->entry_of = st_calloc(s->n_files ? s->n_files : 1, sizeof *w->entry_of);
        if (!w->entry_of) {
            st_free(w);
            return nomem(err);
        }
        *slot = w;
    }
    *out = *slot;
    return ST_OK;
}

st_status delta_txn_delete_rows(delta_txn *t, const delta_file *f, const uint64_t *rows,
                                size_t n, st_error *err)
{
    const delta_snapshot *s = delta_txn_snapshot(t);
    if (!s)
        return st_error_set(err, ST_ERR_ARGUMENT, "cannot delete rows of file \"%s\" while "
                            "creating a table", f && f->path ? f->path : "");
    if (!protocol_has_dv(&s->protocol)) {
        st_error_set(err, ST_ERR_UNSUPPORTED, "table \"%s\" does not have deletion vectors "
                     "enabled (delta.enableDeletionVectors)", s->table);
        return st_error_hint(err, "Set the table property delta.enableDeletionVectors = true.");
    }
    size_t fi = f && f->path ? find_file(s, f->path) : s->n_files;
    if (fi == s->n_files)
        return st_error_set(err, ST_ERR_ARGUMENT, "file \"%s\" is not a live file of table \"%s\" "
                            "at version %" PRId64, f && f->path ? f->path : "", s->table,
                            s->version);
    for (size_t i = 1; i < n; i++)
        if (rows[i] <= rows[i - 1])
            return st_error_set(err, ST_ERR_ARGUMENT, "row positions to delete from file \"%s\" "
                                "are not sorted and distinct (%" PRIu64 " after %" PRIu64 ")",
                                f->path, rows[i], rows[i - 1]);
    if (n == 0)
        return ST_OK;
    delta_dvw *w = NULL;
    st_status rc = dvw_get(t, s, &w, err);
    if (rc != ST_OK)
        return rc;
    dvw_entry *e = w->entry_of[fi] ? &w->entries[w->entry_of[fi] - 1] : NULL;
    if (!e && (rc = entry_new(w, s, fi, &e, err)) != ST_OK)
        return rc;
    if (rows[n - 1] >= (uint64_t)e->n_records)
        return st_error_set(err, ST_ERR_ARGUMENT, "cannot delete row %" PRIu64 " of file \"%s\": "
                            "it has %" PRId64 " rows", rows[n - 1], f->path, e->n_records);
    return merge_rows(e, rows, n, err);
}

/* ---- commit ------------------------------------------------------------------- */

/* Finds the value of the top-level key "tightBounds" in the stats object
** text s: [*vs, *ve) is the value token. False when absent. */
static bool find_tight_bounds(const char *s, size_t *vs, size_t *ve)
{
    int depth = 0;
    bool in_str = false, expect_key = false;
    size_t key_start = 0;
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\' && s[i + 1])
                i++;
            else if (c == '"') {
                in_str = false;
                size_t j = i + 1;
                while (s[j] == ' ')
                    j++;
                if (depth == 1 && expect_key && s[j] == ':' && i - key_start == 11 &&
                    strncmp(s + key_start, "tightBounds", 11) == 0) {
                    j++;
                    while (s[j] == ' ')
                        j++;
                    *vs = j;
                    while (s[j] && s[j] != ',' && s[j] != '}' && s[j] != ' ')
                        j++;
                    *ve = j;
                    return true;
                }
                expect_key = false;
            }
            continue;
        }
        if (c == '"') {
            in_str = true;
            key_start = i + 1;
        } else if (c == '{' || c == '[') {
            depth++;
            expect_key = c == '{' && depth == 1;
        } else if (c == '}' || c == ']') {
            depth--;
        } else if (c == ',' && depth == 1) {
            expect_key = true;
        }
    }
    return false;
}

/* The stats text of the re-added file: numRecords kept, tightBounds false
** (the bounds may now cover deleted rows). Stats without numRecords are
** replaced by {"numRecords":n,"tightBounds":false}. Heap string. */
static char *dv_stats(const dvw_entry *e)
{
    st_buf b;
    st_buf_init(&b);
    st_status rc;
    const char *s = e->file->stats;
    size_t vs, ve;
    if (!e->has_stats_rows) {
        rc = st_buf_printf(&b, NULL, "{\"numRecords\":%" PRId64 ",\"tightBounds\":false}",
                           e->n_records);
    } else if (find_tight_bounds(s, &vs, &ve)) {
        rc = st_buf_append(&b, s, vs, NULL);
        if (rc == ST_OK)
            rc = st_buf_append_str(&b, "false", NULL);
        if (rc == ST_OK)
            rc = st_buf_append_str(&b, s + ve, NULL);
    } else {
        size_t end = strlen(s);
        while (end > 0 && s[end - 1] != '}')
            end--;
        size_t k = end ? end - 1 : 0;       /* the closing brace */
        size_t p = k;
        while (p > 0 && (s[p - 1] == ' ' || s[p - 1] == '\n'))
            p--;
        bool empty = p > 0 && s[p - 1] == '{';
        rc = st_buf_append(&b, s, k, NULL);
        if (rc == ST_OK)
            rc = st_buf_append_str(&b, empty ? "\"tightBounds\":false}" : ",\"tightBounds\":false}",
                                   NULL);
    }
    if (rc == ST_OK)
        rc = st_buf_append_byte(&b, '\0', NULL);
    if (rc != ST_OK) {
        st_buf_destroy(&b);
        return NULL;
    }
    return (char *)b.data;   /* st_buf memory is st_malloc'd; caller st_free's it */
}

/* 16 bytes of a UUID text (8-4-4-4-12 hex). */
static void uuid_bytes(const char *text, uint8_t out[16])
{
    int k = 0;
    for (const char *p = text; *p && k < 32; p++) {
        if (*p == '-')
            continue;
        int v = *p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10;
        if (k % 2 == 0)
            out[k / 2] = (uint8_t)(v << 4);
        else
            out[k / 2] |= (uint8_t)v;
        k++;
    }
}

/* Appends e's framed bitmap to the DV file image and fills dv (strings in a). */
static st_status frame_dv(const dvw_entry *e, st_buf *file, const char *z85, delta_dv *dv,
                          st_error *err)
{
    size_t off = file->len;
    if (off > INT32_MAX)
        return st_error_set(err, ST_ERR_LIMIT, "deletion vector file would exceed 2 GiB");
    uint8_t frame[4] = { 0 };
    st_status rc = st_buf_append(file, frame, 4, err);
    if (rc == ST_OK)
        rc = delta_dv_encode_bitmap(e->rows, e->n_rows, file, err);
    if (rc != ST_OK)
        return rc;
    size_t size = file->len - off - 4;
    if (size > INT32_MAX)
        return st_error_set(err, ST_ERR_LIMIT, "deletion vector of %zu bytes is too large", size);
    st_store_be32(file->data + off, (uint32_t)size);
    st_store_be32(frame, (uint32_t)crc32_z(0L, file->data + off + 4, size));
    rc = st_buf_append(file, frame, 4, err);
    *dv = (delta_dv){ .storage_type = 'u', .path_or_inline_dv = z85, .has_offset = true,
                      .offset = (int32_t)off, .size_in_bytes = (int32_t)size,
                      .cardinality = (int64_t)e->n_rows };
    return rc;
}

/* Records the remove of e's file and, unless every row is gone, the add of
** the same file with deletion vector dv. */
static st_status record_actions(delta_txn *t, const dvw_entry *e, const delta_dv *dv,
                                st_error *err)
{
    st_status rc = delta_txn_remove(t, e->file, err);
    if (rc != ST_OK || !dv)
        return rc;
    delta_file nf = *e->file;
    char *stats = dv_stats(e);
    if (!stats)
        return nomem(err);
    nf.stats = stats;
    nf.has_dv = true;
    nf.dv = *dv;
    rc = delta_txn_add_file(t, &nf, err);
    st_free(stats);
    return rc;
}

st_status delta_dvw_finish(delta_txn *t, st_error *err)
{
    delta_dvw *w = *delta_txn_dvw(t);
    if (!w || w->n_entries == 0)
        return ST_OK;
    char uuid[37], z85[21];
    uint8_t ub[16];
    delta_uuid(uuid);
    uuid_bytes(uuid, ub);
    delta_z85_encode(ub, 16, z85);
    st_buf file;
    st_buf_init(&file);
    st_status rc = st_buf_append_byte(&file, DV_FORMAT_VERSION, err);
    delta_dv *dvs = st_calloc(w->n_entries, sizeof *dvs);
    if (!dvs)
        rc = nomem(err);
    size_t n_framed = 0;
    for (size_t i = 0; i < w->n_entries && rc == ST_OK; i++) {
        const dvw_entry *e = &w->entries[i];
        if ((int64_t)e->n_rows == e->n_old || (int64_t)e->n_rows >= e->n_records)
            continue;          /* unchanged, or the file goes away entirely */
        rc = frame_dv(e, &file, z85, &dvs[i], err);
        n_framed++;
    }
    if (rc == ST_OK && n_framed > 0) {
        w->dv_path = st_malloc(strlen(w->table) + 64);
        if (!w->dv_path)
            rc = nomem(err);
        else
            sprintf(w->dv_path, "%s/deletion_vector_%s.bin", w->table, uuid);
        if (rc == ST_OK)
            rc = store_put_if_absent(w->dv_path, file.data, file.len, err);
        if (rc != ST_OK)
            st_error_context(err, "writing deletion vector file of table \"%s\"", w->table);
    }
    for (size_t i = 0; i < w->n_entries && rc == ST_OK; i++) {
        const dvw_entry *e = &w->entries[i];
        if ((int64_t)e->n_rows == e->n_old)
            continue;
        rc = record_actions(t, e, (int64_t)e->n_rows >= e->n_records ? NULL : &dvs[i], err);
    }
    st_free(dvs);
    st_buf_destroy(&file);
    return rc;
}

void delta_dvw_free(delta_dvw *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n_entries; i++)
        st_free(w->entries[i].rows);
    st_free(w->entries);
    st_free(w->entry_of);
    st_free(w->dv_path);
    st_free(w);
}

void delta_dvw_discard(delta_dvw *w)
{
    if (w && w->dv_path)
        store_remove(w->dv_path, NULL);
    delta_dvw_free(w);
}
