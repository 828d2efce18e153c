/* ml_xgb.c -- loads libxgboost on first use and fills the table ml_xgb.h
** routes XGBoost's API through. */
#include "ml_xgb.h"

#include <pthread.h>

ml_xgb_fns ml_xgb;

static pthread_once_t xgb_once = PTHREAD_ONCE_INIT;
static st_status xgb_status = ST_ERR_INTERNAL;
static char xgb_error[512];

static void xgb_load_once(void)
{
    static const char *const libs[] = {"libxgboost.so.0", "libxgboost.so", NULL};
    static const char *const syms[] = {
#define ML_XGB_NAME(f) #f,
        ML_XGB_FUNCS(ML_XGB_NAME)
#undef ML_XGB_NAME
    };
    enum { N = sizeof syms / sizeof syms[0] };
    _Static_assert(N * sizeof(void *) == sizeof(ml_xgb_fns), "one symbol per table entry");
    void *fns[N];
    xgb_status = st_dl_load(libs, syms, fns, N, xgb_error, sizeof xgb_error);
    if (xgb_status == ST_OK)
        memcpy(&ml_xgb, fns, sizeof ml_xgb);
}

st_status ml_xgb_load(st_error *err)
{
    pthread_once(&xgb_once, xgb_load_once);
    if (xgb_status != ST_OK)
        return st_error_set(err, xgb_status, "XGBoost is needed for models: %s", xgb_error);
    return ST_OK;
}
