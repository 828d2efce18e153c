/* fuzz_util.h -- setup helpers the libFuzzer targets share (header-only:
** each target is its own program): a scratch folder made at start and
** removed at exit, and aborting on a setup failure (a broken setup must not
** look like a finding of the fuzzer). */
#ifndef STRATA_TESTS_FUZZ_UTIL_H
#define STRATA_TESTS_FUZZ_UTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/base.h"

static inline int fuzz_rm_entry(const char *path, const struct stat *sb, int flag,
                                struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Makes /tmp/<tag>-XXXXXX into dir (n bytes); aborts on failure. */
static inline void fuzz_scratch_dir(char *dir, size_t n, const char *tag)
{
    snprintf(dir, n, "/tmp/%s-XXXXXX", tag);
    if (!mkdtemp(dir))
        abort();
}

/* Removes the scratch folder and what is in it (no-op for ""). */
static inline void fuzz_rm_tree(const char *dir)
{
    if (dir[0])
        nftw(dir, fuzz_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Aborts with the message when setup step rc failed. */
static inline void fuzz_must(const char *target, st_status rc, const st_error *err)
{
    if (rc != ST_OK) {
        fprintf(stderr, "%s setup: %s\n", target, err->msg);
        abort();
    }
}

#endif /* STRATA_TESTS_FUZZ_UTIL_H */
