/* fn_int.h -- private to the scalar function library (src/exec/fn_*.c):
** each family file defines a table of fn_def entries ended by {NULL}; the
** registry (fn_registry.c) looks names up across all tables. A definition
** checks its argument count bounds and resolves types itself, so overloads
** and Spark's implicit coercions live next to their kernels. */
#ifndef STRATA_EXEC_FN_INT_H
#define STRATA_EXEC_FN_INT_H

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

#endif /* STRATA_EXEC_FN_INT_H */
