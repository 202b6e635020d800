"""Tests of the engine's fast paths: they must give what the plain path gives.

Equal-weight minibatches, inputs shared with an early-stopping split,
cache-sized prediction chunks and the vectorized binary probabilities each
replace a simpler computation; every test here compares with that simpler
computation, with scipy's expit, or with a hand formula.
"""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning

from skfnn import FNNClassifier, FNNRegressor
from skfnn._classifier import _FEW_ROWS, _binary_proba
from skfnn._training import Gather, TrainingData


@pytest.mark.parametrize("n_rows", [1, _FEW_ROWS - 1, _FEW_ROWS, 3 * _FEW_ROWS])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_binary_proba_matches_expit_to_full_relative_precision(n_rows, dtype):
    """Both columns equal expit(-s) and expit(s), tails included, silently."""
    s = np.linspace(-1000, 1000, n_rows).astype(dtype)
    s[: min(n_rows, 7)] = np.array([0, -1e-8, 1e-8, -40, 40, -100, 100])[
        : min(n_rows, 7)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = _binary_proba(s)
    assert proba.dtype == dtype
    expected = np.column_stack([expit(-s), expit(s)])
    tiny = np.finfo(dtype).tiny
    relative = np.abs(proba - expected) / np.maximum(expected, tiny)
    assert relative.max() <= 8 * np.finfo(dtype).eps


def test_predict_proba_of_many_rows_matches_few_row_path():
    """predict_proba on many rows equals the same rows predicted a few at a time."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((3 * _FEW_ROWS, 4))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    model = FNNClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    many = model.predict_proba(X)
    few = np.vstack(
        [model.predict_proba(X[i : i + 100]) for i in range(0, len(X), 100)]
    )
    assert_allclose(many, few, rtol=1e-14, atol=0)
    assert_allclose(many.sum(axis=1), 1.0, rtol=1e-14)


def test_equal_sample_weights_train_like_no_weights():
    """Rows that all weigh 3 give the fit of unweighted rows (same minibatches).

    alpha is 0 because the penalty is alpha / sum(weights), so weights of 3
    would also weaken it threefold, like tripled rows.
    """
    rng = np.random.default_rng(4)
    X = rng.standard_normal((90, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.standard_normal(90)
    params = dict(
        hidden_layer_sizes=(5,), alpha=0.0, batch_size=32, max_iter=3, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = FNNRegressor(**params).fit(X, y)
        weighted = FNNRegressor(**params).fit(X, y, sample_weight=np.full(90, 3.0))
    for ours, theirs in zip(plain.coefs_, weighted.coefs_, strict=True):
        assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
    assert_allclose(plain.loss_curve_, weighted.loss_curve_, rtol=1e-12)


def test_one_unequal_weight_changes_the_fit():
    """The equal-weight shortcut is not taken when one row weighs differently."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((90, 3))
    y = X @ [1.0, -2.0, 0.5]
    weights = np.ones(90)
    weights[17] = 50.0
    params = dict(hidden_layer_sizes=(5,), batch_size=32, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = FNNRegressor(**params).fit(X, y)
        weighted = FNNRegressor(**params).fit(X, y, sample_weight=weights)
    assert not np.allclose(plain.coefs_[0], weighted.coefs_[0])


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_convergence_warning_points_at_the_callers_line(solver):
    """The max_iter warning names the file that called fit, not skfnn's."""
    X = np.random.default_rng(6).standard_normal((30, 2))
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        FNNClassifier(solver=solver, max_iter=1).fit(X, y)
    convergence = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(convergence) == 1
    assert convergence[0].filename == __file__


def _fit_peak_bytes(X, y, **params):
    """Return the peak of memory traced during one fit."""
    model = FNNClassifier(
        hidden_layer_sizes=(4,), batch_size=2000, max_iter=1, **params
    )
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_early_stopping_does_not_copy_the_training_rows():
    """Early stopping adds about the held-out tenth of X to fit's memory.

    The extra memory is compared at two sizes of X, so that fixed costs
    (buffers cached once per process) cancel and what is left grows with X:
    the held-out tenth of X and a few vectors of one number per row (row
    indices, targets and weights of the training part).
    """
    rng = np.random.default_rng(7)
    extra, size = [], []
    for n_samples in (50_000, 150_000):
        X = rng.standard_normal((n_samples, 100))
        y = (X[:, 0] > 0).astype(int)
        plain = _fit_peak_bytes(X, y)
        stopping = _fit_peak_bytes(X, y, early_stopping=True, validation_fraction=0.1)
        extra.append(stopping - plain)
        size.append(X.nbytes)
    growth = (extra[1] - extra[0]) / (size[1] - size[0])
    # a copy of the nine training tenths would add 0.9 X.nbytes
    assert growth < 0.25


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
def test_shared_rows_give_the_minibatches_of_copied_rows(shuffle, sparse):
    """A subset sharing X hands out exactly the minibatches of a copied subset."""
    rng = np.random.default_rng(8)
    X = rng.standard_normal((50, 4))
    if sparse:
        X = sp.csr_matrix(np.where(X > 0.5, X, 0.0))
    data = TrainingData(
        X, rng.standard_normal((50, 2)), rng.random(50), rng.integers(0, 2, 50)
    )
    rows = rng.permutation(50)[:37]
    shared, copied = data.subset(rows, share_inputs=True), data.subset(rows)
    assert shared.n_samples == copied.n_samples == 37
    order = rng.permutation(37) if shuffle else None
    gathers = [Gather(shared, 8), Gather(copied, 8)]
    for gather in gathers:
        gather.start_epoch(order)
    for start in range(0, 37, 8):
        batch = slice(start, min(start + 8, 37))
        (X_a, Y_a, w_a), (X_b, Y_b, w_b) = [gather(batch) for gather in gathers]
        if sparse:
            X_a, X_b = X_a.toarray(), X_b.toarray()
        assert_array_equal(X_a, X_b)
        assert_array_equal(Y_a, Y_b)
        assert_array_equal(w_a, w_b)
        # and both are the rows that plain fancy indexing picks
        picked = rows[np.arange(37)[batch] if order is None else order[batch]]
        X_picked = X[picked].toarray() if sparse else X[picked]
        assert_array_equal(X_a, X_picked)
        assert_array_equal(Y_a, data.Y[picked])
        assert_array_equal(w_a, data.sample_weight[picked])
    expected = copied.X.toarray() if sparse else copied.X
    actual = shared.X.toarray() if sparse else shared.X
    assert_array_equal(actual, expected)
