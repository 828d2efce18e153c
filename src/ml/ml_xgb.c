/* ml_xgb.c -- loads libxgboost on first use and fills the table ml_xgb.h
** routes XGBoost's API through. */
#include "ml_xgb.h"

ml_xgb_fns ml_xgb;

static const char *const xgb_libs[] = {"libxgboost.so.0", "libxgboost.so", NULL};
static const char *const xgb_syms[] = {
#define ML_XGB_NAME(f) #f,
    ML_XGB_FUNCS(ML_XGB_NAME)
#undef ML_XGB_NAME
};
_Static_assert(sizeof xgb_syms / sizeof xgb_syms[0] * sizeof(void *) == sizeof(ml_xgb_fns),
               "one symbol per table entry");
static st_dl_lib xgb_lib = {.libs = xgb_libs, .syms = xgb_syms,
                            .n_syms = (int)(sizeof xgb_syms / sizeof xgb_syms[0]),
                            .table = &ml_xgb};

st_status ml_xgb_load(st_error *err)
{
    const char *why = NULL;
    if (st_dl_open(&xgb_lib, &why) != ST_OK)
        return st_error_set(err, ST_ERR_UNSUPPORTED, "XGBoost is needed for models: %s", why);
    return ST_OK;
}
