"""Tests of the estimators inside Pipelines and hyperparameter searches."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_validate,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from skfnn import FNNClassifier, FNNRegressor

GRID = {
    "fnn__depth": [1, 3],
    "fnn__width": [4, 8],
    "fnn__activation": ["relu", "tanh"],
    "fnn__random_state": [0, 1],
}


def _data(seed=0):
    """Return X on very different scales, a binary and a real target."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(90, 3)) * np.array([1.0, 100.0, 0.01]) + [0, 50, 3]
    signal = X[:, 0] + X[:, 1] / 100 - X[:, 2] * 100 + 300
    return X, (signal > np.median(signal)).astype(int), signal


@pytest.mark.parametrize(
    "scaler, estimator, target",
    [
        (StandardScaler(), FNNClassifier(max_iter=30), 1),
        (MinMaxScaler(), FNNRegressor(max_iter=30), 2),
    ],
    ids=["standard-classifier", "minmax-regressor"],
)
def test_grid_search_serial_equals_parallel(scaler, estimator, target):
    """GridSearchCV over depth, width, activation and seed: n_jobs=2 == n_jobs=1."""
    data = _data()
    X, y = data[0], data[target]
    pipe = Pipeline([("scale", scaler), ("fnn", estimator)])
    serial = GridSearchCV(pipe, GRID, cv=3, error_score="raise").fit(X, y)
    parallel = GridSearchCV(pipe, GRID, cv=3, n_jobs=2, error_score="raise").fit(X, y)
    assert len(serial.cv_results_["params"]) == 16
    assert_array_equal(
        serial.cv_results_["mean_test_score"], parallel.cv_results_["mean_test_score"]
    )
    assert serial.best_params_ == parallel.best_params_


def test_scaler_fit_on_training_rows_of_each_fold():
    """In each CV split the scaler's mean and scale are those of the train rows."""
    X, y, _ = _data()
    pipe = Pipeline([("scale", StandardScaler()), ("fnn", FNNClassifier(max_iter=5))])
    cv = KFold(n_splits=3, shuffle=True, random_state=0)
    result = cross_validate(pipe, X, y, cv=cv, return_estimator=True)
    for fitted, (train, _) in zip(result["estimator"], cv.split(X), strict=True):
        scaler = fitted.named_steps["scale"]
        assert_allclose(scaler.mean_, X[train].mean(axis=0), rtol=1e-12)
        assert_allclose(scaler.scale_, X[train].std(axis=0), rtol=1e-12)
        assert not np.allclose(scaler.mean_, X.mean(axis=0), rtol=1e-6, atol=0)


def test_grid_search_roc_auc_uses_two_column_proba():
    """A search's ROC AUC is roc_auc_score of predict_proba's second column."""
    X, y, _ = _data()
    network = FNNClassifier(width=8, max_iter=50, random_state=0)
    pipe = Pipeline([("scale", StandardScaler()), ("fnn", network)])
    grid = {"fnn__alpha": [1e-4, 1e-1]}
    search = GridSearchCV(pipe, grid, cv=3, scoring="roc_auc").fit(X, y)
    for alpha, score in zip(
        grid["fnn__alpha"], search.cv_results_["mean_test_score"], strict=True
    ):
        by_hand = []
        for train, test in StratifiedKFold(3).split(X, y):
            model = clone(pipe).set_params(fnn__alpha=alpha).fit(X[train], y[train])
            by_hand.append(roc_auc_score(y[test], model.predict_proba(X[test])[:, 1]))
        assert score == pytest.approx(np.mean(by_hand), rel=1e-12)
    assert search.best_score_ > 0.8
