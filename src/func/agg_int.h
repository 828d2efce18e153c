/* agg_int.h -- private to the aggregate library (src/func/agg*.c): each
** family file defines a table of agg_def entries ended by {NULL}; the
** registry (agg.c) looks names up across the tables and wraps DISTINCT
** calls. Shared here: the value-key codec (one row of a vector as bytes, used
** for DISTINCT sets, collect_list/collect_set, first/last and hashing) and
** the arena-backed item list / hash set that holds such keys per group.
**
** Key layout per value: one byte 0 (NULL) or 1 (valid), then for a valid
** value: fixed types their raw little-endian bytes (BOOL one byte, FLOAT
** and DOUBLE as an 8-byte double with -0.0 and NaN normalised so equal
** values have equal keys), STRING/BINARY a 4-byte length then the bytes.
** Nested types are not encodable (resolvers reject them). */
#ifndef STRATA_FUNC_AGG_INT_H
#define STRATA_FUNC_AGG_INT_H

#include "agg.h"
#include "fn_int.h"

typedef st_status (*agg_resolve_fn)(const char *name, const fn_arg_info *args, int n_args,
                                    st_arena *a, agg_bound *out, st_error *err);

typedef struct agg_def {
    const char    *name;      /* lowercase; NULL ends a table */
    int            min_args;
    int            max_args;
    agg_resolve_fn resolve;
} agg_def;

extern const agg_def agg_defs_basic[]; /* agg_basic.c: count sum avg min max bool_* first last collect_* */
extern const agg_def agg_defs_stats[]; /* agg_stats.c: stddev/variance, approx_count_distinct, percentiles */

/* Row i of the batch is skipped (sel given and 0). */
#define AGG_SKIP(sel, i) ((sel) != NULL && (sel)[i] == 0)

/* Rounds a state size up to the contract's 16-byte multiple. */
static inline size_t agg_align16(size_t n) { return (n + 15) & ~(size_t)15; }

/* ---- value keys (agg.c) --------------------------------------------------- */

/* True when values of type t can be encoded as keys (scalar types, NULL). */
bool      agg_key_type_ok(const vec_type *t);
/* Appends the key of row i of v to buf. */
st_status agg_key_append(st_buf *buf, const vec *v, int64_t i, st_error *err);
/* Decodes one key at *p (advancing it, never past end) and appends the value
** to b, whose type is t; ST_ERR_INTERNAL on a malformed key. */
st_status agg_key_decode(vec_builder *b, const vec_type *t, const uint8_t **p,
                         const uint8_t *end, st_error *err);
/* XXH64 (seed 42) of a key. */
uint64_t  agg_key_hash(const uint8_t *key, size_t len);
/* For every selected row i of v holding a value (none when v is of type
** NULL), encodes its key and calls add(f, states[i], a, key, len, err). */
typedef st_status (*agg_key_add_fn)(const agg_bound *f, void *state, st_arena *a,
                                    const uint8_t *key, uint32_t len, st_error *err);
st_status agg_each_key(const agg_bound *f, const vec *v, int64_t n, const uint8_t *sel,
                       void **states, st_arena *a, agg_key_add_fn add, st_error *err);

/* ---- per-group item list / hash set (agg.c) -------------------------------- */

typedef struct agg_item {
    const uint8_t *key;       /* arena */
    uint64_t       hash;      /* agg_key_hash(key) */
    uint32_t       len;       /* key bytes */
} agg_item;

/* Items in insertion order; with dedup, an open-addressing index over them.
** Zeroed memory is an empty set. Everything lives in the group-table arena. */
typedef struct agg_set {
    agg_item *items;          /* arena; n used of cap */
    uint32_t *slots;          /* arena; item index + 1, 0 = empty; NULL until first add */
    uint32_t  n;
    uint32_t  cap;
    uint32_t  n_slots;        /* power of two, or 0 */
    uint32_t  pad;
} agg_set;

/* Adds key (copied into a) unless dedup and an equal key is present; *added
** (may be NULL) says which. ST_ERR_LIMIT past 2^31 items. */
st_status agg_set_add(agg_set *s, st_arena *a, bool dedup, const uint8_t *key, uint32_t len,
                      bool *added, st_error *err);

/* ---- helpers ------------------------------------------------------------------ */

/* Copies a finished builder into a vector in a and frees the builder. */
st_status agg_builder_done(vec_builder *b, st_arena *a, vec **out, st_error *err);
/* A LIST type whose element is t (element nullable as given), in arena a. */
st_status agg_list_type(st_arena *a, const vec_type *t, bool nullable, vec_type *out,
                        st_error *err);
/* Reads a constant argument as a double / bool: false when it is not a
** non-null numeric (boolean) literal. */
bool      agg_const_double(const fn_arg_info *arg, double *out);
bool      agg_const_bool(const fn_arg_info *arg, bool *out);
/* 10^k for 0 <= k <= 38. */
__int128  agg_pow10(int k);

#endif /* STRATA_FUNC_AGG_INT_H */
