/* ml_xgb.h -- XGBoost's C API reached through a table of function pointers
** filled when libxgboost is first needed (ml_xgb.c, st_dl_open): strata
** starts without loading it. Every file of src/ml that calls XGBoost
** includes this header (through ml_model_int.h); the macros below turn the
** API's names into table calls, so the code reads as plain XGBoost calls.
**
** Invariant: ml_xgb_load has succeeded before any call through the table.
** Boosters and matrices only exist after it did, so only the functions that
** create them (training, loading a model folder) call ml_xgb_load. */
#ifndef STRATA_ML_ML_XGB_H
#define STRATA_ML_ML_XGB_H

#include "../base/base.h"

#include <xgboost/c_api.h>

#define ML_XGB_FUNCS(X) \
    X(XGBGetLastError) X(XGBoostVersion) X(XGBoosterCreate) X(XGBoosterFeatureScore) \
    X(XGBoosterFree) X(XGBoosterGetNumFeature) X(XGBoosterGetStrFeatureInfo) \
    X(XGBoosterLoadModel) X(XGBoosterPredictFromDMatrix) X(XGBoosterPredictFromDense) \
    X(XGBoosterSaveJsonConfig) X(XGBoosterSaveModel) X(XGBoosterSetParam) \
    X(XGBoosterSetStrFeatureInfo) X(XGBoosterUpdateOneIter) X(XGDMatrixCreateFromMat) \
    X(XGDMatrixCreateFromMat_omp) X(XGDMatrixFree) X(XGDMatrixSetFloatInfo) \
    X(XGDMatrixSetStrFeatureInfo)

typedef struct ml_xgb_fns {
#define ML_XGB_FIELD(f) __typeof__(f) *f;
    ML_XGB_FUNCS(ML_XGB_FIELD)
#undef ML_XGB_FIELD
} ml_xgb_fns;

extern ml_xgb_fns ml_xgb;

/* Loads libxgboost once per process; ST_ERR_UNSUPPORTED naming the library
** when it cannot be loaded. Thread-safe. */
st_status ml_xgb_load(st_error *err);

#define XGBGetLastError             ml_xgb.XGBGetLastError
#define XGBoostVersion              ml_xgb.XGBoostVersion
#define XGBoosterCreate             ml_xgb.XGBoosterCreate
#define XGBoosterFeatureScore       ml_xgb.XGBoosterFeatureScore
#define XGBoosterFree               ml_xgb.XGBoosterFree
#define XGBoosterGetNumFeature      ml_xgb.XGBoosterGetNumFeature
#define XGBoosterGetStrFeatureInfo  ml_xgb.XGBoosterGetStrFeatureInfo
#define XGBoosterLoadModel          ml_xgb.XGBoosterLoadModel
#define XGBoosterPredictFromDMatrix ml_xgb.XGBoosterPredictFromDMatrix
#define XGBoosterPredictFromDense   ml_xgb.XGBoosterPredictFromDense
#define XGBoosterSaveJsonConfig     ml_xgb.XGBoosterSaveJsonConfig
#define XGBoosterSaveModel          ml_xgb.XGBoosterSaveModel
#define XGBoosterSetParam           ml_xgb.XGBoosterSetParam
#define XGBoosterSetStrFeatureInfo  ml_xgb.XGBoosterSetStrFeatureInfo
#define XGBoosterUpdateOneIter      ml_xgb.XGBoosterUpdateOneIter
#define XGDMatrixCreateFromMat      ml_xgb.XGDMatrixCreateFromMat
#define XGDMatrixCreateFromMat_omp  ml_xgb.XGDMatrixCreateFromMat_omp
#define XGDMatrixFree               ml_xgb.XGDMatrixFree
#define XGDMatrixSetFloatInfo       ml_xgb.XGDMatrixSetFloatInfo
#define XGDMatrixSetStrFeatureInfo  ml_xgb.XGDMatrixSetStrFeatureInfo

#endif /* STRATA_ML_ML_XGB_H */
