/* fn.h -- the scalar function library's contract: how the binder finds a
** function by name, resolves its argument types (Spark's implicit coercion)
** to a return type and a kernel, and how the executor runs that kernel over
** whole column vectors.
**
** Resolution happens once per call site at bind time: fn_resolve gets the
** argument types (and which arguments are constants) and fills an fn_bound
** with the return type, the kernel, and the type each argument must be cast
** to first (cast_to[i].id == VEC_NULL means "as it is"). Kernels then run
** batch after batch: they read n_rows rows of each argument vector (already
** cast), write a new vector of the return type into the batch arena, and
** follow SQL NULL semantics unless the function says otherwise (coalesce,
** nvl, concat_ws, ...). Kernels never keep state between batches except
** through fn_bound.state, which is immutable after resolution (so one
** fn_bound is shared by all threads).
**
** Errors: a type that no overload accepts is ST_ERR_BIND naming the function
** and the argument types ("function lower(int) does not exist; lower takes a
** string"); a runtime error (division by zero in ANSI mode, a bad date
** string with to_date in ANSI mode, an invalid regex) is the kernel's
** st_status with a message naming the function and the value. */
#ifndef STRATA_FUNC_FN_H
#define STRATA_FUNC_FN_H

#include "../vector/vec.h"

#define FN_MAX_ARGS 64

/* Session settings a kernel may depend on (immutable during a query). */
typedef struct fn_context {
    bool        ansi;          /* spark.sql.ansi.enabled: errors instead of NULL on
                               ** overflow, division by zero, bad casts */
    int64_t     now_micros;    /* current_timestamp() of the query (fixed per query) */
    const char *time_zone;     /* session time zone name; "UTC" for now */
} fn_context;

typedef struct fn_bound fn_bound;

/* Runs the function over n_rows rows. args[i] has type cast_to[i] (or the
** original argument type); args are never NULL pointers (constant arguments
** arrive as vectors of n_rows equal values). */
typedef st_status (*fn_kernel)(const fn_bound *f, const fn_context *ctx, const vec *const *args,
                               int64_t n_rows, st_arena *a, vec **out, st_error *err);

struct fn_bound {
    const char *name;             /* canonical lowercase name */
    vec_type    ret;              /* return type (children in the resolver's arena) */
    bool        ret_nullable;
    int         n_args;
    vec_type    cast_to[FN_MAX_ARGS]; /* id VEC_NULL: no cast needed */
    fn_kernel   kernel;
    const void *state;            /* resolver-owned constants (compiled regex, ...) */
    bool        deterministic;    /* false for rand(), uuid(), current_* stay true per query */
    bool        expensive;        /* worth computing once per row (model inference): the
                                  ** optimizer does not copy it into pushed-down filters */
};

typedef struct fn_arg_info {
    const vec_type *type;
    bool            is_const;     /* the argument is a literal (value below) */
    const vec      *value;        /* when is_const: a 1-row vector holding it */
} fn_arg_info;

/* Resolves name(args) into out, allocating anything it needs (types, state)
** in a. Unknown function: ST_ERR_BIND "function foo does not exist". */
st_status fn_resolve(const char *name, const fn_arg_info *args, int n_args, st_arena *a,
                     fn_bound *out, st_error *err);
/* True when name is a known scalar function (for "did you mean" hints and the
** binder's aggregate/scalar dispatch). */
bool      fn_exists(const char *name);
/* Every scalar function name, NULL-terminated (for SHOW FUNCTIONS and hints). */
const char *const *fn_names(void);

/* Casts v to type `to` with Spark's CAST semantics (try = TRY_CAST: NULL on
** failure even in ANSI mode). Used by the executor for cast_to and by CAST. */
st_status fn_cast(const fn_context *ctx, const vec *v, const vec_type *to, bool try_cast,
                  int64_t n_rows, st_arena *a, vec **out, st_error *err);
/* True when CAST(from AS to) is allowed at all (bind-time check). */
bool      fn_can_cast(const vec_type *from, const vec_type *to);

/* Type coercion shared with the binder (fn_cast.c). */
/* True for the integral, floating and decimal ids (unsigned included). */
bool      fn_type_is_numeric(vec_type_id id);
/* Spark's findWiderTypeForTwo: NULL yields the other type, numeric widening
** (byte < short < int < long < float < double, integral + decimal -> the
** wider decimal, decimal + float/double -> double), date + timestamp ->
** timestamp, string + any atomic type except binary/boolean -> string.
** Unsigned ids are first mapped to the signed/decimal type holding them.
** False when the two types have no common type. */
bool      fn_common_type(const vec_type *a, const vec_type *b, vec_type *out);

#endif /* STRATA_FUNC_FN_H */
