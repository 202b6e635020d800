"""Tests of skfnn.utils.seed_sweep against fits and scores recomputed by hand."""

import numpy as np
import pytest
from pandas.testing import assert_frame_equal
from sklearn.metrics import mean_absolute_error
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skfnn import FNNClassifier, FNNRegressor
from skfnn.utils import seed_sweep

COLUMNS = ["seed", "test_score", "train_score", "n_iter", "fit_seconds"]


def _classification(n_samples=80, seed=0):
    """Return X on mixed scales and binary labels."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 3)) * np.array([1.0, 10.0, 0.1])
    signal = X[:, 0] - X[:, 1] / 10 + 5 * X[:, 2] + 0.5 * rng.normal(size=n_samples)
    return X, (signal > 0).astype(int)


def _regression(n_samples=80, seed=0):
    """Return X and a noisy nonlinear real target."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 3))
    return X, np.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.1 * rng.normal(size=n_samples)


def test_seed_sweep_one_row_per_seed_with_columns():
    """The table has the documented columns and one row per seed, in order."""
    X, y = _classification()
    table = seed_sweep(FNNClassifier(width=4, max_iter=5), X, y, seeds=[3, 1, 4])
    assert list(table.columns) == COLUMNS
    assert table["seed"].tolist() == [3, 1, 4]
    assert (table["n_iter"] == 5).all()
    assert (table["fit_seconds"] > 0).all()


def test_seed_sweep_int_seeds_count_from_zero():
    """seeds=3 means the seeds 0, 1 and 2."""
    X, y = _classification()
    table = seed_sweep(FNNClassifier(width=4, max_iter=3), X, y, seeds=3)
    assert table["seed"].tolist() == [0, 1, 2]


def test_seed_sweep_scores_equal_refits_by_hand():
    """Each row's scores equal FNNClassifier(random_state=seed) on a 0.25 split."""
    X, y = _classification()
    estimator = FNNClassifier(width=6, max_iter=15)
    table = seed_sweep(estimator, X, y, seeds=[0, 5])
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    for row in table.itertuples():
        model = FNNClassifier(width=6, max_iter=15, random_state=row.seed)
        model.fit(X_train, y_train)
        assert row.test_score == model.score(X_test, y_test)
        assert row.train_score == model.score(X_train, y_train)
        assert row.n_iter == model.n_iter_


def test_seed_sweep_given_test_set_and_scoring():
    """With X_test, y_test and a scorer, test_score is that metric on the test set."""
    X, y = _regression()
    X_test, y_test = _regression(n_samples=30, seed=1)
    table = seed_sweep(
        FNNRegressor(width=6, max_iter=10),
        X,
        y,
        seeds=[2],
        X_test=X_test,
        y_test=y_test,
        scoring="neg_mean_absolute_error",
    )
    model = FNNRegressor(width=6, max_iter=10, random_state=2).fit(X, y)
    expected = -mean_absolute_error(y_test, model.predict(X_test))
    assert table["test_score"].iloc[0] == pytest.approx(expected, rel=1e-12)


def test_seed_sweep_same_seed_same_row():
    """A seed given twice gives the same scores twice, for each vary."""
    X, y = _regression()
    for vary in ["all", "init", "order"]:
        table = seed_sweep(
            FNNRegressor(width=6, max_iter=6, batch_size=16),
            X,
            y,
            seeds=[1, 1],
            vary=vary,
        )
        assert table["test_score"].iloc[0] == table["test_score"].iloc[1]


def test_seed_sweep_vary_order_keeps_initial_weights():
    """vary='order' without shuffling: every seed trains the same network."""
    X, y = _regression()
    estimator = FNNRegressor(width=6, max_iter=6, batch_size=16, shuffle=False)
    table = seed_sweep(estimator, X, y, seeds=[0, 1, 2], vary="order")
    assert table["test_score"].nunique() == 1
    assert table["train_score"].nunique() == 1


def test_seed_sweep_vary_order_changes_minibatch_order():
    """vary='order' with shuffling: the seeds give different fits."""
    X, y = _regression()
    estimator = FNNRegressor(width=6, max_iter=6, batch_size=16)
    table = seed_sweep(estimator, X, y, seeds=[0, 1, 2], vary="order")
    assert table["test_score"].nunique() == 3


def test_seed_sweep_vary_init_changes_initial_weights():
    """vary='init' without shuffling: the seeds differ only by the initial weights."""
    X, y = _regression()
    estimator = FNNRegressor(width=6, max_iter=6, batch_size=16, shuffle=False)
    table = seed_sweep(estimator, X, y, seeds=[0, 1, 2], vary="init")
    assert table["test_score"].nunique() == 3


def test_seed_sweep_vary_order_keeps_streams_of_seed_zero():
    """vary='order' without shuffling uses no seed: it is a random_state=0 fit."""
    X, y = _regression()
    estimator = FNNRegressor(width=6, max_iter=6, batch_size=16, shuffle=False)
    table = seed_sweep(estimator, X, y, seeds=[7], vary="order")
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0
    )
    model = estimator.set_params(random_state=0).fit(X_train, y_train)
    assert table["test_score"].iloc[0] == model.score(X_test, y_test)


def test_seed_sweep_pipeline_scores_equal_refit_by_hand():
    """A Pipeline(StandardScaler, FNNClassifier) is cloned and seeded per fit."""
    X, y = _classification()
    pipe = Pipeline(
        [("scale", StandardScaler()), ("fnn", FNNClassifier(width=6, max_iter=10))]
    )
    table = seed_sweep(pipe, X, y, seeds=[4])
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    pipe.set_params(fnn__random_state=4).fit(X_train, y_train)
    assert table["test_score"].iloc[0] == pipe.score(X_test, y_test)


def test_seed_sweep_parallel_equals_serial():
    """n_jobs=2 gives n_jobs=1's table, apart from the timings."""
    X, y = _classification()
    estimator = FNNClassifier(width=6, max_iter=8, dropout=0.2)
    serial = seed_sweep(estimator, X, y, seeds=4, vary="init")
    parallel = seed_sweep(estimator, X, y, seeds=4, vary="init", n_jobs=2)
    assert_frame_equal(
        serial.drop(columns="fit_seconds"), parallel.drop(columns="fit_seconds")
    )


def test_seed_sweep_leaves_estimator_unfitted():
    """The configuration is cloned: the given estimator stays unfitted."""
    X, y = _classification()
    estimator = FNNClassifier(width=4, max_iter=3)
    seed_sweep(estimator, X, y, seeds=2, vary="init")
    assert not hasattr(estimator, "coefs_")
    assert not hasattr(estimator, "_seed_overrides")
    assert estimator.random_state is None


def test_seed_sweep_invalid_vary_raises():
    """An unknown vary is refused with a ValueError naming the choices."""
    X, y = _classification()
    with pytest.raises(ValueError, match=r"vary='weights' must be one of"):
        seed_sweep(FNNClassifier(), X, y, seeds=2, vary="weights")
