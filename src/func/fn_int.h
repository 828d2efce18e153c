/* fn_int.h -- private to the scalar function library (src/func/fn_*.c):
** each family file defines a table of fn_def entries ended by {NULL}; the
** registry (fn_registry.c) looks names up across all tables. A definition
** checks its argument count bounds and resolves types itself, so overloads
** and Spark's implicit coercions live next to their kernels. */
#ifndef STRATA_FUNC_FN_INT_H
#define STRATA_FUNC_FN_INT_H

#include "fn.h"

typedef st_status (*fn_resolve_fn)(const char *name, const fn_arg_info *args, int n_args,
                                   st_arena *a, fn_bound *out, st_error *err);

typedef struct fn_def {
    const char   *name;      /* lowercase; NULL ends a table */
    int           min_args;
    int           max_args;  /* -1 = variadic */
    fn_resolve_fn resolve;
} fn_def;

/* One table per family file. */
extern const fn_def fn_defs_arith[];   /* fn_arith.c: + - * / % div negative, = <> < <= > >= <=>, and or not */
extern const fn_def fn_defs_cond[];    /* fn_cond.c: coalesce nvl ifnull nullif if nvl2 greatest least isnull isnotnull */
extern const fn_def fn_defs_math[];    /* fn_math.c */
extern const fn_def fn_defs_string[];  /* fn_string.c */
extern const fn_def fn_defs_date[];    /* fn_date.c */
extern const fn_def fn_defs_hash[];    /* fn_hash.c: md5 sha1 sha2 crc32 hash xxhash64 */
extern const fn_def fn_defs_array[];   /* fn_array.c: array, map, struct and their functions */


/* ---- shared coercion and kernel helpers (fn_cast.c) ---------------------- */

/* Records that argument i (of type from) must be cast to `to` first. */
void      fn_bound_set_cast(fn_bound *f, int i, const vec_type *from, const vec_type *to);
/* "int, string" for messages. */
void      fn_types_text(const fn_arg_info *args, int n_args, char *buf, size_t n);
/* ST_ERR_BIND "function f(int, string) does not exist; f takes <takes>". */
st_status fn_no_overload(const char *name, const fn_arg_info *args, int n_args,
                         const char *takes, st_error *err);
/* out's validity = AND of the args' validity over n_rows (out->null_count exact). */
st_status fn_and_validity(st_arena *a, const vec *const *args, int n_args, int64_t n_rows,
                          vec *out, st_error *err);

#endif /* STRATA_FUNC_FN_INT_H */
