/* ex_nljoin.c -- the nested-loop join, for joins without equality keys
** (non-equi conditions, cross joins). Its spec is ex_join_spec with
** n_keys == 0: the build side is materialized by the sink, and every probe
** chunk is paired with every build row in batches of batch_rows pairs; the
** residual (NULL = cross join) filters each batch, and the join kinds emit
** exactly as in the hash join (LEFT / FULL / SINGLE pad unmatched probe
** rows with NULLs, RIGHT / FULL emit unmatched build rows in flush, SEMI /
** ANTI / MARK keep one row per probe row; MARK is TRUE when some pair
** satisfies the residual, NULL when none does but some gave NULL, FALSE
** otherwise).
**
** The operator shares the hash join's machinery in ex_hashjoin.c (sink,
** pair batches, residual, per-kind emission), which treats a keyless spec as
** "every build row is a candidate"; only the hashing, the chains and the
** spilling are skipped. The build side is reserved with ex_mem_force: it
** cannot be partitioned by a hash, so it does not spill. */
#include "exec.h"

st_status ex_nljoin_new(ex_query *q, const ex_join_spec *spec, ex_op **out, st_error *err)
{
    if (spec->n_keys != 0)
        return st_error_set(err, ST_ERR_INTERNAL,
                            "nested-loop join given %d equality keys (use the hash join)",
                            spec->n_keys);
    return ex_hashjoin_new(q, spec, out, err);
}
