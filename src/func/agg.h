/* agg.h -- the aggregate function library's contract: resolving an
** aggregate call to its result type and state layout, and the vectorised
** update / combine / finalize steps the hash aggregate and the ungrouped
** aggregate operators drive.
**
** State: each group owns `state_size` bytes (aligned to 16) inside the
** operator's group table; agg_init writes the empty state. Update folds
** input rows into the states of their groups in one call per batch
** (states[i] is the state of row i's group, so several rows may point at
** the same state), skipping rows where sel (if given) is 0. Combine merges a
** partial state into another (thread-local tables merged at the end, or
** spilled partitions re-read). Finalize writes one output value per state
** into a vector of the result type. Functions whose state holds
** variable-size data (collect_list, count(DISTINCT), percentile_approx,
** approx_count_distinct sketches, min/max of strings) keep it in an arena
** passed to every call: states point into it, so the arena lives as long as
** the group table.
**
** Spark semantics: sum of int/long -> bigint (wrapping or ANSI error on
** overflow), of decimal(p,s) -> decimal(min(38, p+10), s), of float/double
** -> double; avg -> double, or decimal(min(38, p+4), min(38, s+4)) for
** decimals; count -> bigint never NULL; min/max of any orderable type; NULL
** inputs are skipped; an empty group gives NULL (count gives 0). */
#ifndef STRATA_FUNC_AGG_H
#define STRATA_FUNC_AGG_H

#include "fn.h"

typedef struct agg_bound agg_bound;

typedef struct agg_ops {
    void      (*init)(const agg_bound *f, void *state);
    /* Folds rows [0, n) of args into states[i]; sel may be NULL (all rows). */
    st_status (*update)(const agg_bound *f, const fn_context *ctx, const vec *const *args,
                        int64_t n, const uint8_t *sel, void **states, st_arena *a,
                        st_error *err);
    /* Merges src into dst (both of this function). */
    st_status (*combine)(const agg_bound *f, const fn_context *ctx, void *dst, const void *src,
                         st_arena *a, st_error *err);
    /* Writes n states as rows of a new vector of type f->ret. */
    st_status (*finalize)(const agg_bound *f, const fn_context *ctx, void *const *states,
                          int64_t n, st_arena *out_arena, vec **out, st_error *err);
} agg_ops;

struct agg_bound {
    const char    *name;          /* canonical lowercase name */
    bool           distinct;      /* count(DISTINCT x), sum(DISTINCT x), ... */
    vec_type       ret;
    int            n_args;
    vec_type       cast_to[FN_MAX_ARGS]; /* as in fn_bound */
    size_t         state_size;    /* bytes per group, multiple of 16 */
    const agg_ops *ops;
    const void    *param;         /* resolver-owned constants (percentile, accuracy) */
};

/* The bound must outlive every vector finalize produces (their type points
** at f->ret): keep it in the query arena.
** Resolves name(args) (distinct as written). Unknown aggregate: ST_ERR_BIND
** "function foo does not exist"; wrong types name the function and types. */
st_status agg_resolve(const char *name, bool distinct, const fn_arg_info *args, int n_args,
                      st_arena *a, agg_bound *out, st_error *err);
bool      agg_exists(const char *name);
const char *const *agg_names(void);

#endif /* STRATA_FUNC_AGG_H */
