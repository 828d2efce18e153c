# ml.py -- the Python side of bench/ml (run by run.mjs with Debian's
# /usr/bin/python3, which has numpy, python3-sklearn and python3-xgboost):
#
#   ml.py gen DIR ROWS        writes the data set once into DIR
#   ml.py sklearn DIR THREADS scikit-learn's RandomForestClassifier
#   ml.py xgboost DIR THREADS XGBoost's Python package, the forest strata trains
#
# Data: ROWS rows of 20 standard normal features f0..f19 and a binary label
# drawn from a logistic model whose logit has a linear part (14 of the 20
# features; 6 are noise), an interaction, a square, a sine and a hinge
# (Bayes accuracy about 88%, so that model quality differences show).
# Seeded: the same ROWS always gives the same rows, and the weights do not
# depend on ROWS. The first 80% are the training rows, the rest the test
# rows. Values are rounded to 6 decimals before they are written, so the
# CSV text that strata parses and the .npy arrays Python load hold the same
# doubles.
# Files: train.csv, test.csv (header f0,...,f19,label), train_X.npy,
# train_y.npy, test_X.npy, test_y.npy.
#
# The model commands load the .npy arrays (not timed), then time fit and
# predict on the in-memory arrays and print one JSON line:
# {"train_s", "predict_s", "accuracy", "test_rows", "positives"}; xgboost
# adds "train_predict_s", the time to predict the training rows afterwards
# (strata's CREATE MODEL does that for its training metrics).
import json
import os
import sys
import time

import numpy as np

FEATURES = 20
SEED = 20240601


def gen(d, rows):
    # Three streams, so that the weights (the problem) do not depend on rows.
    w = np.random.default_rng(SEED).normal(size=FEATURES) * np.array([1.0] * 8 + [0.3] * 6 + [0.0] * 6)
    X = np.round(np.random.default_rng(SEED + 1).normal(size=(rows, FEATURES)), 6)
    z = 2.5 * (0.5 * (X @ w) + X[:, 0] * X[:, 1] - 0.6 * (X[:, 2] ** 2 - 1)
               + 0.8 * np.sin(2 * X[:, 3]) + 0.5 * np.maximum(X[:, 4], 0) * X[:, 5])
    y = (np.random.default_rng(SEED + 2).random(rows) < 1 / (1 + np.exp(-z))).astype(np.int32)
    cut = rows * 4 // 5
    header = ','.join([f'f{i}' for i in range(FEATURES)] + ['label'])
    fmt = ['%.6f'] * FEATURES + ['%d']
    for name, lo, hi in (('train', 0, cut), ('test', cut, rows)):
        np.save(os.path.join(d, f'{name}_X.npy'), X[lo:hi])
        np.save(os.path.join(d, f'{name}_y.npy'), y[lo:hi])
        with open(os.path.join(d, f'{name}.csv'), 'w') as f:
            f.write(header + '\n')
            # savetxt in slices keeps the temporary strings small.
            for s in range(lo, hi, 100000):
                e = min(s + 100000, hi)
                block = np.column_stack([X[s:e], y[s:e]])
                np.savetxt(f, block, fmt=fmt, delimiter=',')
    bayes = np.mean(np.maximum(1 / (1 + np.exp(-z)), 1 - 1 / (1 + np.exp(-z))))
    print(json.dumps({'rows': rows, 'train_rows': cut, 'test_rows': rows - cut,
                      'positives': int(y.sum()), 'bayes_accuracy': float(bayes)}))


def load(d):
    return (np.load(os.path.join(d, 'train_X.npy')), np.load(os.path.join(d, 'train_y.npy')),
            np.load(os.path.join(d, 'test_X.npy')), np.load(os.path.join(d, 'test_y.npy')))


def report(train_s, predict_s, pred, yte, **extra):
    pred = np.asarray(pred).astype(np.int32)
    print(json.dumps({'train_s': train_s, 'predict_s': predict_s,
                      'accuracy': float(np.mean(pred == yte)), 'test_rows': int(len(yte)),
                      'positives': int(pred.sum()), **extra}))


def run_sklearn(d, threads):
    from sklearn.ensemble import RandomForestClassifier
    Xtr, ytr, Xte, yte = load(d)
    t0 = time.perf_counter()
    m = RandomForestClassifier(n_estimators=100, max_depth=10, n_jobs=threads, random_state=0)
    m.fit(Xtr, ytr)
    t1 = time.perf_counter()
    pred = m.predict(Xte)
    t2 = time.perf_counter()
    report(t1 - t0, t2 - t1, pred, yte)


def run_xgboost(d, threads):
    import xgboost as xgb
    Xtr, ytr, Xte, yte = load(d)
    nf = Xtr.shape[1]
    k = max(1, int(np.floor(np.sqrt(nf))))
    # The parameters src/ml/ml_train.c passes for random_forest_classifier
    # with n_estimators = 100, max_depth = 10, seed = 0 on a binary label.
    params = {
        'objective': 'binary:logistic', 'seed': 0, 'nthread': threads, 'verbosity': 0,
        'booster': 'gbtree', 'tree_method': 'hist', 'num_parallel_tree': 100, 'eta': 1,
        'max_depth': 10, 'subsample': 0.6321205588285577,
        'colsample_bynode': 1.0 if k >= nf else (k + 0.5) / nf,
        'min_child_weight': 0.25, 'lambda': 1e-05,
    }
    t0 = time.perf_counter()
    dtrain = xgb.DMatrix(Xtr, label=ytr, nthread=threads)
    booster = xgb.train(params, dtrain, num_boost_round=1)
    t1 = time.perf_counter()
    prob = booster.inplace_predict(Xte)
    t2 = time.perf_counter()
    # Not part of train_s: predicting the training rows, which strata's
    # CREATE MODEL also does for its training metrics.
    booster.predict(dtrain)
    t3 = time.perf_counter()
    report(t1 - t0, t2 - t1, prob > 0.5, yte, train_predict_s=t3 - t2)


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ''
    if cmd == 'gen' and len(sys.argv) == 4:
        gen(sys.argv[2], int(sys.argv[3]))
    elif cmd == 'sklearn' and len(sys.argv) == 4:
        run_sklearn(sys.argv[2], int(sys.argv[3]))
    elif cmd == 'xgboost' and len(sys.argv) == 4:
        run_xgboost(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit('usage: ml.py gen DIR ROWS | sklearn DIR THREADS | xgboost DIR THREADS')


if __name__ == '__main__':
    main()
