/* test_util.h -- helpers the Criterion suites share: scratch folders under
** /tmp and query results as text. Everything asserts (cr_assert) instead of
** returning errors, so a suite can call them without checking. */
#ifndef STRATA_TESTS_TEST_UTIL_H
#define STRATA_TESTS_TEST_UTIL_H

#include "exec/session.h"

/* A new empty folder /tmp/strata-<tag>-<pid>-XXXXXX; malloc'd path. */
char *tu_tmp_dir(const char *tag);
/* Removes path and everything below it (rm -rf). */
void  tu_rm_rf(const char *path);
/* A session over the warehouse <dir>/wh of a new scratch folder (made the
** working directory, for relative paths in SQL); *dir gets the folder. */
ex_session *tu_warehouse_session(const char *tag, char **dir);
/* Frees s, leaves and removes dir, frees the path. */
void  tu_warehouse_session_free(ex_session *s, char *dir);
/* Rows of r as "a|b\n" lines (NULL as NULL) in result order, or sorted
** (for results whose order SQL leaves open); r may be NULL. st_free it. */
char *tu_result_text(const ex_result *r, bool sort);

#endif /* STRATA_TESTS_TEST_UTIL_H */
