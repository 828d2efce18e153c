/* delta_dv.c -- deletion vectors (PROTOCOL.md "Deletion Vectors" and
** "Deletion Vector Format"): decode the descriptor, fetch the bitmap and
** turn it into sorted row indices of the rows a data file no longer holds.
**
** Descriptor storage types:
**   'i'  pathOrInlineDv is the Z85 text of the serialized bitmap
**   'u'  pathOrInlineDv = <random prefix><20 Z85 chars of a 16-byte UUID>;
**        file <table>/<prefix>/deletion_vector_<uuid>.bin
**   'p'  pathOrInlineDv is an absolute path (URI)
**
** DV file layout (big-endian framing around a little-endian bitmap):
**   offset 0        1 byte   format version (1)
**   offset `offset` 4 bytes  BE size of the bitmap (== sizeInBytes)
**                   size     serialized RoaringBitmapArray
**                   4 bytes  BE CRC-32 of the bitmap bytes
**
** RoaringBitmapArray ("portable" 64-bit form):
**   4 bytes LE magic 1681511377, 8 bytes LE count of 32-bit bitmaps, then per
**   bitmap 4 bytes LE high key (ascending) + a CRoaring portable 32-bit bitmap.
** Z85 (ZeroMQ RFC 32) is decoded by hand here: no Debian library ships it.
** CRoaring (libroaring) deserializes each 32-bit bitmap with bounds checks;
** this machine's version has no 64-bit C API, so high keys are combined here. */
#include "delta_scan_int.h"

#include <inttypes.h>
#include <roaring/roaring.h>
#include <zlib.h>

#define DV_MAGIC 1681511377u
#define DV_UUID_CHARS 20

static const char z85_alphabet[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/* Value of Z85 character c, or -1. */
static int z85_value(char c)
{
    const char *p = c ? strchr(z85_alphabet, c) : NULL;
    return p ? (int)(p - z85_alphabet) : -1;
}

st_status delta_z85_decode(const char *s, size_t n, uint8_t *out, st_error *err)
{
    if (n % 5 != 0)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "z85 text has %zu characters, not a multiple of 5", n);
    for (size_t i = 0; i < n; i += 5) {
        uint64_t v = 0;
        for (size_t k = 0; k < 5; k++) {
            int d = z85_value(s[i + k]);
            if (d < 0)
                return st_error_set(err, ST_ERR_CORRUPT,
                                    "invalid z85 character 0x%02x at offset %zu",
                                    (unsigned char)s[i + k], i + k);
            v = v * 85 + (uint64_t)d;
        }
        if (v > UINT32_MAX)
            return st_error_set(err, ST_ERR_CORRUPT, "z85 group at offset %zu overflows 32 bits",
                                i);
        st_store_be32(out + i / 5 * 4, (uint32_t)v);
    }
    return ST_OK;
}

/* Appends the values of one 32-bit bitmap under high key `key`. */
static st_status append_bitmap(const roaring_bitmap_t *r, uint32_t key, uint64_t *rows,
                               int64_t *pos, int64_t cap, st_error *err)
{
    uint64_t card = roaring_bitmap_get_cardinality(r);
    if (card > (uint64_t)(cap - *pos))
        return st_error_set(err, ST_ERR_INTERNAL, "deletion vector cardinality changed");
    uint32_t *lo = st_malloc(card ? card * sizeof *lo : 1);
    if (!lo)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory decoding a deletion vector");
    roaring_bitmap_to_uint32_array(r, lo);
    for (uint64_t i = 0; i < card; i++)
        rows[(*pos)++] = ((uint64_t)key << 32) | lo[i];
    st_free(lo);
    return ST_OK;
}

/* First pass: checks the framing and counts the values. */
static st_status count_bitmaps(const uint8_t *p, size_t n, uint64_t count, const char *what,
                               int64_t *total, st_error *err)
{
    size_t off = 12;
    int64_t key_prev = -1;
    *total = 0;
    for (uint64_t i = 0; i < count; i++) {
        if (n - off < 4)
            return st_error_set(err, ST_ERR_CORRUPT,
                                "deletion vector %s is truncated in bitmap %" PRIu64, what, i);
        uint32_t key = st_load_le32(p + off);
        off += 4;
        if ((int64_t)key <= key_prev)
            return st_error_set(err, ST_ERR_CORRUPT,
                                "deletion vector %s has bitmap keys out of order (%u)", what, key);
        key_prev = key;
        size_t sz = roaring_bitmap_portable_deserialize_size((const char *)p + off, n - off);
        if (sz == 0)
            return st_error_set(err, ST_ERR_CORRUPT,
                                "deletion vector %s has a bad roaring bitmap at byte %zu", what, off);
        roaring_bitmap_t *r = roaring_bitmap_portable_deserialize_safe((const char *)p + off, sz);
        if (!r)
            return st_error_set(err, ST_ERR_CORRUPT,
                                "deletion vector %s has a bad roaring bitmap at byte %zu", what, off);
        *total += (int64_t)roaring_bitmap_get_cardinality(r);
        roaring_bitmap_free(r);
        off += sz;
    }
    if (off != n)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "deletion vector %s has %zu trailing bytes", what, n - off);
    return ST_OK;
}

st_status delta_dv_decode_bitmap(const uint8_t *p, size_t n, const char *what, st_arena *a,
                                 uint64_t **rows, int64_t *n_rows, st_error *err)
{
    if (n < 12)
        return st_error_set(err, ST_ERR_CORRUPT, "deletion vector %s is too short (%zu bytes)",
                            what, n);
    if (st_load_le32(p) != DV_MAGIC)
        return st_error_set(err, ST_ERR_CORRUPT, "deletion vector %s has a bad magic number %u",
                            what, st_load_le32(p));
    uint64_t count = st_load_le64(p + 4);
    if (count > (n - 12) / 4)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "deletion vector %s claims %" PRIu64 " bitmaps in %zu bytes", what,
                            count, n);
    int64_t total;
    st_status rc = count_bitmaps(p, n, count, what, &total, err);
    if (rc != ST_OK)
        return rc;
    uint64_t *out = st_arena_alloc(a, (size_t)(total ? total : 1) * sizeof *out);
    if (!out)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory decoding deletion vector %s", what);
    size_t off = 12;
    int64_t pos = 0;
    for (uint64_t i = 0; i < count && rc == ST_OK; i++) {
        uint32_t key = st_load_le32(p + off);
        off += 4;
        size_t sz = roaring_bitmap_portable_deserialize_size((const char *)p + off, n - off);
        roaring_bitmap_t *r = roaring_bitmap_portable_deserialize_safe((const char *)p + off, sz);
        if (!r)
            return st_error_set(err, ST_ERR_NOMEM, "out of memory decoding deletion vector %s",
                                what);
        rc = append_bitmap(r, key, out, &pos, total, err);
        roaring_bitmap_free(r);
        off += sz;
    }
    *rows = out;
    *n_rows = pos;
    return rc;
}

/* Formats 16 UUID bytes as 8-4-4-4-12 lowercase hex into buf (37 bytes). */
static void format_uuid(const uint8_t *u, char *buf)
{
    static const char hex[] = "0123456789abcdef";
    char *q = buf;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *q++ = '-';
        *q++ = hex[u[i] >> 4];
        *q++ = hex[u[i] & 15];
    }
    *q = '\0';
}

st_status delta_dv_file_path(const char *table, const delta_dv *dv, st_arena *a, char **out,
                             st_error *err)
{
    const char *s = dv->path_or_inline_dv ? dv->path_or_inline_dv : "";
    if (dv->storage_type == 'p') {
        *out = delta_resolve_path(table, s, a);
        return *out ? ST_OK : st_error_set(err, ST_ERR_NOMEM, "out of memory");
    }
    if (dv->storage_type != 'u')
        return st_error_set(err, ST_ERR_CORRUPT, "deletion vector storage type '%c' has no file",
                            dv->storage_type);
    size_t len = strlen(s);
    if (len < DV_UUID_CHARS)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "deletion vector path \"%s\" is too short for a z85 uuid", s);
    uint8_t uuid[16];
    st_status rc = delta_z85_decode(s + len - DV_UUID_CHARS, DV_UUID_CHARS, uuid, err);
    if (rc != ST_OK)
        return st_error_context(err, "decoding deletion vector path \"%s\"", s);
    char text[40];
    format_uuid(uuid, text);
    size_t plen = len - DV_UUID_CHARS;
    char *rel = plen ? st_arena_printf(a, "%.*s/deletion_vector_%s.bin", (int)plen, s, text)
                     : st_arena_printf(a, "deletion_vector_%s.bin", text);
    *out = rel ? delta_resolve_path(table, rel, a) : NULL;
    return *out ? ST_OK : st_error_set(err, ST_ERR_NOMEM, "out of memory");
}

/* Decodes an inline ('i') deletion vector into its bitmap bytes. */
static st_status load_inline(const delta_dv *dv, st_arena *a, uint8_t **out, st_error *err)
{
    const char *s = dv->path_or_inline_dv ? dv->path_or_inline_dv : "";
    size_t len = strlen(s);
    size_t need = (size_t)dv->size_in_bytes;
    if (dv->size_in_bytes < 0 || len % 5 != 0 || need > len / 5 * 4)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "inline deletion vector of %zu z85 characters cannot hold %d bytes",
                            len, dv->size_in_bytes);
    uint8_t *buf = st_arena_alloc(a, len / 5 * 4 + 1);
    if (!buf)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory decoding a deletion vector");
    st_status rc = delta_z85_decode(s, len, buf, err);
    if (rc != ST_OK)
        return st_error_context(err, "decoding inline deletion vector");
    *out = buf;
    return ST_OK;
}

/* Reads the framed bitmap of a 'u'/'p' deletion vector at dv->offset,
** checking the size and the CRC-32. */
static st_status load_file(const char *path, const delta_dv *dv, st_arena *a, uint8_t **out,
                           st_error *err)
{
    st_file f;
    st_status rc = st_file_open(path, &f, err);
    if (rc != ST_OK)
        return st_error_context(err, "reading deletion vector");
    int64_t off = dv->has_offset ? dv->offset : 1;
    int64_t size = dv->size_in_bytes;
    uint8_t frame[4];
    if (off < 1 || size < 0 || off > f.size || f.size - off < size + 8) {
        rc = st_error_set(err, ST_ERR_CORRUPT,
                          "deletion vector file \"%s\" (%" PRId64 " bytes) cannot hold %" PRId64
                          " bytes at offset %" PRId64, path, f.size, size, off);
        goto done;
    }
    if ((rc = st_file_read_at(&f, frame, 4, off, err)) != ST_OK)
        goto done;
    if (st_load_be32(frame) != (uint32_t)size) {
        rc = st_error_set(err, ST_ERR_CORRUPT,
                          "deletion vector file \"%s\" has size %u at offset %" PRId64
                          " but the log says %" PRId64, path, st_load_be32(frame), off, size);
        goto done;
    }
    uint8_t *buf = st_arena_alloc(a, (size_t)size + 4);
    if (!buf) {
        rc = st_error_set(err, ST_ERR_NOMEM, "out of memory reading deletion vector \"%s\"", path);
        goto done;
    }
    if ((rc = st_file_read_at(&f, buf, (size_t)size + 4, off + 4, err)) != ST_OK)
        goto done;
    uint32_t want = st_load_be32(buf + size);
    uint32_t got = (uint32_t)crc32_z(0L, buf, (size_t)size);
    if (want != got) {
        rc = st_error_set(err, ST_ERR_CORRUPT,
                          "deletion vector file \"%s\" fails its crc check at offset %" PRId64
                          " (stored %08x, computed %08x)", path, off, want, got);
        goto done;
    }
    *out = buf;
done:
    st_file_close(&f);
    return rc;
}

st_status delta_dv_load(const char *table, const delta_dv *dv, st_arena *a, uint64_t **rows,
                        int64_t *n_rows, st_error *err)
{
    uint8_t *bytes = NULL;
    const char *what = "inline";
    st_status rc;
    if (dv->storage_type == 'i') {
        rc = load_inline(dv, a, &bytes, err);
    } else if (dv->storage_type == 'u' || dv->storage_type == 'p') {
        char *path = NULL;
        rc = delta_dv_file_path(table, dv, a, &path, err);
        if (rc == ST_OK)
            rc = load_file(path, dv, a, &bytes, err);
        what = st_arena_printf(a, "\"%s\"", path ? path : "");
        if (!what)
            what = "file";
    } else {
        return st_error_set(err, ST_ERR_CORRUPT, "unknown deletion vector storage type '%c'",
                            dv->storage_type);
    }
    if (rc != ST_OK)
        return rc;
    rc = delta_dv_decode_bitmap(bytes, (size_t)dv->size_in_bytes, what, a, rows, n_rows, err);
    if (rc != ST_OK)
        return rc;
    if (*n_rows != dv->cardinality)
        return st_error_set(err, ST_ERR_CORRUPT,
                            "deletion vector %s holds %" PRId64 " rows but the log says %" PRId64,
                            what, *n_rows, dv->cardinality);
    return ST_OK;
}
