/* fn_hash.c -- Spark SQL hash functions: md5, sha1/sha, sha2 (OpenSSL EVP,
** lowercase hex; libcrypto is opened with dlopen on the first digest, so
** other queries never load it), crc32 (zlib), hash (Murmur3 x86_32, seed 42) and
** xxhash64 (XXH64, seed 42, libxxhash).
**
** hash and xxhash64 reproduce Spark's HashExpression: the running hash
** starts at the seed and each non-NULL argument is folded in with the
** previous hash as its seed. Value encodings follow Spark: boolean as int
** 0/1; int8/16/32 and date as a 4-byte int; int64 and timestamps as 8 bytes;
** float/double by their IEEE bits with -0.0 normalised to 0.0; decimal with
** precision <= 18 as its unscaled long, wider ones as the unscaled value's
** minimal big-endian two's-complement bytes (Java BigInteger.toByteArray);
** strings and binary as their bytes; arrays element by element and structs
** field by field (NULL elements skipped), both seeded by the running hash.
** Spark's Murmur3 byte hashing is not the reference Murmur3: tail bytes are
** mixed one at a time as sign-extended ints, so it is written out here.
** Unsigned integer types (not in Spark) hash as the next wider signed type;
** maps are not supported (ST_ERR_BIND, as in Spark). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <xxhash.h>
#include <zlib.h>

#include "func/fn_int.h"

static const vec_type T_STRING = {.id = VEC_STRING};
static const vec_type T_INT32 = {.id = VEC_INT32};

/* ---- Spark Murmur3_x86_32 ----------------------------------------------- */

static uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
static uint32_t mix_k1(uint32_t k1)
{
    k1 *= 0xcc9e2d51u;
    k1 = rotl32(k1, 15);
    return k1 * 0x1b873593u;
}
static uint32_t mix_h1(uint32_t h1, uint32_t k1)
{
    h1 ^= k1;
    h1 = rotl32(h1, 13);
    return h1 * 5 + 0xe6546b64u;
}
static uint32_t fmix32(uint32_t h1, uint32_t len)
{
    h1 ^= len;
    h1 ^= h1 >> 16;
    h1 *= 0x85ebca6bu;
    h1 ^= h1 >> 13;
    h1 *= 0xc2b2ae35u;
    return h1 ^ (h1 >> 16);
}
static uint32_t mm3_int(uint32_t v, uint32_t seed) { return fmix32(mix_h1(seed, mix_k1(v)), 4); }
static uint32_t mm3_long(uint64_t v, uint32_t seed)
{
    uint32_t h1 = mix_h1(seed, mix_k1((uint32_t)v));
    h1 = mix_h1(h1, mix_k1((uint32_t)(v >> 32)));
    return fmix32(h1, 8);
}
static uint32_t mm3_bytes(const uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t h1 = seed;
    size_t aligned = n - n % 4;
    for (size_t i = 0; i < aligned; i += 4)
        h1 = mix_h1(h1, mix_k1(st_load_le32(p + i)));
    for (size_t i = aligned; i < n; i++)
        h1 = mix_h1(h1, mix_k1((uint32_t)(int32_t)(int8_t)p[i]));
    return fmix32(h1, (uint32_t)n);
}

/* ---- one hashing walk for both algorithms ---------------------------- */

typedef struct hasher {
    bool xx;    /* XXH64 instead of Murmur3 */
} hasher;

static uint64_t h_int(const hasher *h, int32_t v, uint64_t seed)
{
    if (!h->xx)
        return mm3_int((uint32_t)v, (uint32_t)seed);
    uint8_t b[4];
    st_store_le32(b, (uint32_t)v);
    return XXH64(b, 4, seed);
}
static uint64_t h_long(const hasher *h, int64_t v, uint64_t seed)
{
    if (!h->xx)
        return mm3_long((uint64_t)v, (uint32_t)seed);
    uint8_t b[8];
    st_store_le64(b, (uint64_t)v);
    return XXH64(b, 8, seed);
}
static uint64_t h_bytes(const hasher *h, const uint8_t *p, size_t n, uint64_t seed)
{
    return h->xx ? XXH64(p, n, seed) : mm3_bytes(p, n, (uint32_t)seed);
}

/* Java BigInteger.toByteArray: minimal big-endian two's complement. */
static size_t bigint_bytes(__int128 v, uint8_t out[16])
{
    uint8_t be[16];
    unsigned __int128 u = (unsigned __int128)v;
    for (int i = 15; i >= 0; i--) {
        be[i] = (uint8_t)u;
        u >>= 8;
    }
    int start = 0;
    while (start < 15) {
        bool redundant = (be[start] == 0x00 && !(be[start + 1] & 0x80)) ||
                         (be[start] == 0xFF && (be[start + 1] & 0x80));
        if (!redundant)
            break;
        start++;
    }
    memcpy(out, be + start, (size_t)(16 - start));
    return (size_t)(16 - start);
}

/* Folds row i of v into seed; NULL rows leave seed unchanged. */
static uint64_t hash_value(const hasher *h, const vec *v, int64_t i, uint64_t seed)
{
    if (v->type->id == VEC_NULL || !vec_is_valid(v, i))
        return seed;
    const void *vals = v->values;
    switch (v->type->id) {
    case VEC_BOOL: return h_int(h, vec_bit_get(vals, i), seed);
    case VEC_INT8: return h_int(h, ((const int8_t *)vals)[i], seed);
    case VEC_INT16: return h_int(h, ((const int16_t *)vals)[i], seed);
    case VEC_UINT8: return h_int(h, ((const uint8_t *)vals)[i], seed);
    case VEC_UINT16: return h_int(h, ((const uint16_t *)vals)[i], seed);
    case VEC_INT32: case VEC_DATE: return h_int(h, ((const int32_t *)vals)[i], seed);
    case VEC_UINT32: return h_long(h, ((const uint32_t *)vals)[i], seed);
    case VEC_INT64: case VEC_UINT64: case VEC_TIME: case VEC_TIMESTAMP: case VEC_TIMESTAMP_NTZ:
        return h_long(h, ((const int64_t *)vals)[i], seed);
    case VEC_FLOAT: {
        float f = ((const float *)vals)[i];
        if (f == 0.0f)
            f = 0.0f;
        if (f != f)
            f = __builtin_nanf("");   /* Java floatToIntBits: canonical NaN 0x7fc00000 */
        uint32_t bits;
        memcpy(&bits, &f, 4);
        return h_int(h, (int32_t)bits, seed);
    }
    case VEC_DOUBLE: {
        double d = ((const double *)vals)[i];
        if (d == 0.0)
            d = 0.0;
        if (d != d)
            d = __builtin_nan("");    /* canonical 0x7ff8000000000000 */
        uint64_t bits;
        memcpy(&bits, &d, 8);
        return h_long(h, (int64_t)bits, seed);
    }
    case VEC_DECIMAL: {
        __int128 x;
        memcpy(&x, (const uint8_t *)vals + 16 * i, 16);
        if (v->type->precision <= 18)
            return h_long(h, (int64_t)x, seed);
        uint8_t b[16];
        size_t n = bigint_bytes(x, b);
        return h_bytes(h, b, n, seed);
    }
    case VEC_STRING: case VEC_BINARY: {
        const int32_t *o = vec_offsets(v);
        return h_bytes(h, v->bytes + o[i], (size_t)(o[i + 1] - o[i]), seed);
    }
    case VEC_LIST: {
        const int32_t *o = vec_offsets(v);
        for (int32_t k = o[i]; k < o[i + 1]; k++)
            seed = hash_value(h, v->children[0], k, seed);
        return seed;
    }
    case VEC_STRUCT:
        for (int k = 0; k < v->type->n_children; k++)
            seed = hash_value(h, v->children[k], i, seed);
        return seed;
    default:
        return seed;
    }
}

static bool hashable(const vec_type *t)
{
    if (t->id == VEC_MAP)
        return false;
    for (int k = 0; k < t->n_children; k++)
        if (!hashable(&t->children[k].type))
            return false;
    return true;
}

static st_status k_hash(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                        int64_t n, st_arena *a, vec **out, st_error *err)
{
    hasher h = {.xx = f->ret.id == VEC_INT64};
    vec *o = vec_new(a, &f->ret, n);
    if (!o)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory in %s", f->name);
    for (int64_t i = 0; i < n; i++) {
        uint64_t s = 42;
        for (int k = 0; k < f->n_args; k++)
            s = hash_value(&h, args[k], i, s);
        if (h.xx)
            ((int64_t *)o->values)[i] = (int64_t)s;
        else
            ((int32_t *)o->values)[i] = (int32_t)(uint32_t)s;
    }
    *out = o;
    return ST_OK;
}

static st_status resolve_hash(const char *name, const fn_arg_info *args, int n_args, st_arena *a,
                              fn_bound *out, st_error *err)
{
    memset(out, 0, sizeof *out);
    out->name = strcmp(name, "hash") == 0 ? "hash" : "xxhash64";
    out->ret.id = out->name[0] == 'h' ? VEC_INT32 : VEC_INT64;
    out->n_args = n_args;
    out->kernel = k_hash;
    out->deterministic = true;
    for (int k = 0; k < n_args; k++)
        if (!hashable(args[k].type))
            return st_error_set(err, ST_ERR_BIND, "function %s cannot hash a map (argument %d)",
                                name, k + 1);
    return ST_OK;
}

/* ---- digests ------------------------------------------------------------ */

typedef struct digest_state {
    const char *alg;   /* OpenSSL name; NULL: crc32 */
    int         sha2_arg; /* sha2: bit length comes from argument 1 */
} digest_state;

static const digest_state D_MD5 = {"MD5", 0}, D_SHA1 = {"SHA1", 0}, D_SHA2 = {NULL, 1},
                          D_CRC = {NULL, 0};

static const char *sha2_alg(int64_t bits)
{
    switch (bits) {
    case 0: case 256: return "SHA256";
    case 224: return "SHA224";
    case 384: return "SHA384";
    case 512: return "SHA512";
    default: return NULL;
    }
}

/* The two libcrypto functions the digests use, resolved on first use. */
static struct {
    __typeof__(EVP_get_digestbyname) *get_digestbyname;
    __typeof__(EVP_Digest) *digest;
} crypto;
static const char *const crypto_libs[] = {"libcrypto.so.3", "libcrypto.so", NULL};
static const char *const crypto_syms[] = {"EVP_get_digestbyname", "EVP_Digest"};
static st_dl_lib crypto_lib = {.libs = crypto_libs, .syms = crypto_syms, .n_syms = 2,
                               .table = &crypto};

static st_status crypto_load(const fn_bound *f, st_error *err)
{
    const char *why = NULL;
    if (st_dl_open(&crypto_lib, &why) != ST_OK)
        return st_error_set(err, ST_ERR_UNSUPPORTED, "%s needs OpenSSL's libcrypto: %s", f->name,
                            why);
    return ST_OK;
}

static st_status digest_row(const fn_bound *f, const char *alg, const uint8_t *p, size_t n,
                            vec_builder *b, st_error *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    st_status lrc = crypto_load(f, err);
    if (lrc != ST_OK)
        return lrc;
    const EVP_MD *type = crypto.get_digestbyname(alg);
    if (!type || !crypto.digest(p, n, md, &md_len, type, NULL))
        return st_error_set(err, ST_ERR_INTERNAL, "digest %s failed in %s", alg, f->name);
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned k = 0; k < md_len; k++)
        snprintf(hex + 2 * k, 3, "%02x", md[k]);
    return vec_builder_append_bytes(b, hex, 2 * (size_t)md_len, err);
}

static st_status k_digest(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                          int64_t n, st_arena *a, vec **out, st_error *err)
{
    const digest_state *ds = f->state;
    vec_builder *b = vec_builder_new(&f->ret);
    if (!b)
        return st_error_set(err, ST_ERR_NOMEM, "out of memory in %s", f->name);
    st_status r = ST_OK;
    for (int64_t i = 0; r == ST_OK && i < n; i++) {
        bool null = false;
        for (int k = 0; k < f->n_args; k++)
            null |= args[k]->type->id == VEC_NULL || !vec_is_valid(args[k], i);
        const char *alg = ds->alg;
        if (!null && ds->sha2_arg)
            null = (alg = sha2_alg(((const int32_t *)args[1]->values)[i])) == NULL;
        if (null) {
            r = vec_builder_append_null(b, err);
            continue;
        }
        const int32_t *o = vec_offsets(args[0]);
        const uint8_t *p = args[0]->bytes ? args[0]->bytes + o[i] : (const uint8_t *)"";
        size_t len = (size_t)(o[i + 1] - o[i]);
        if (alg) {
            r = digest_row(f, alg, p, len, b, err);
        } else {
            uLong c = crc32(0L, Z_NULL, 0);
            for (size_t off = 0; off < len; off += 1u << 30)   /* uInt lengths */
                c = crc32(c, p + off, (uInt)ST_MIN(len - off, (size_t)1 << 30));
            r = vec_builder_append_i64(b, (int64_t)c, err);
        }
    }
    if (r == ST_OK)
        r = vec_builder_finish(b, a, out, err);
    vec_builder_free(b);
    return r;
}

static st_status resolve_digest(const char *name, const fn_arg_info *args, int n_args,
                                st_arena *a, fn_bound *out, st_error *err)
{
    memset(out, 0, sizeof *out);
    bool crc = strcmp(name, "crc32") == 0;
    out->name = name;
    out->ret = crc ? (vec_type){.id = VEC_INT64} : T_STRING;
    out->ret_nullable = true;
    out->n_args = n_args;
    out->kernel = k_digest;
    out->deterministic = true;
    out->state = crc ? &D_CRC : strcmp(name, "md5") == 0 ? &D_MD5
               : strcmp(name, "sha2") == 0 ? &D_SHA2 : &D_SHA1;
    vec_type_id id = args[0].type->id;
    if (id == VEC_NULL)
        out->cast_to[0].id = VEC_BINARY;
    else if (id != VEC_STRING && id != VEC_BINARY)
        goto bad;
    if (n_args == 2) {
        vec_type_id b = args[1].type->id;
        if (!(b >= VEC_INT8 && b <= VEC_UINT64) && b != VEC_NULL)
            goto bad;
        if (b != VEC_INT32)
            out->cast_to[1] = T_INT32;
    }
    return ST_OK;
bad: {
        char t[64];
        vec_type_format(args[0].type, t, sizeof t);
        return st_error_set(err, ST_ERR_BIND, "function %s(%s%s) does not exist; %s takes %s",
                            name, t, n_args == 2 ? ", ..." : "", name,
                            n_args == 2 ? "a string or binary and an integer bit length"
                                        : "a string or binary");
    }
}

const fn_def fn_defs_hash[] = {
    {"md5", 1, 1, resolve_digest},
    {"sha1", 1, 1, resolve_digest},
    {"sha", 1, 1, resolve_digest},
    {"sha2", 2, 2, resolve_digest},
    {"crc32", 1, 1, resolve_digest},
    {"hash", 1, -1, resolve_hash},
    {"xxhash64", 1, -1, resolve_hash},
    {NULL, 0, 0, NULL},
};
