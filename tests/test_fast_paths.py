"""Tests of the engine's fast paths: they must give what the plain path gives.

Split elementwise updates, equal-weight minibatches, cache-sized prediction
chunks and the vectorized binary probabilities each replace a simpler
computation; every test here compares with that simpler computation, with
scipy's expit, or with a hand formula.
"""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from skfnn import FNNClassifier, FNNRegressor
from skfnn._activations import ACTIVATIONS
from skfnn._classifier import _FEW_ROWS, _binary_proba
from skfnn._losses import OUTPUT_LAYERS
from skfnn._network import Layout, Workspace, loss_and_gradient
from skfnn._optimizers import SGD, Adagrad, Adam, AdamW, RMSProp
from skfnn._training import Gather, TrainingData
from skfnn._utils import SPLIT_MIN_PARAMS, VectorSplit, split_threads

N_PARAMS = 10_007

OPTIMIZERS = {
    "sgd": lambda: SGD(N_PARAMS, np.float64, momentum=0.0, nesterov=False),
    "momentum": lambda: SGD(N_PARAMS, np.float64, momentum=0.9, nesterov=False),
    "nesterov": lambda: SGD(N_PARAMS, np.float64, momentum=0.9, nesterov=True),
    "adam": lambda: Adam(N_PARAMS, np.float64),
    "adamw": lambda: AdamW(N_PARAMS, np.float64, N_PARAMS // 2, 0.01),
    "rmsprop": lambda: RMSProp(N_PARAMS, np.float64),
    "adagrad": lambda: Adagrad(N_PARAMS, np.float64),
}


@pytest.mark.parametrize("n_threads", [1, 2, 3, 4])
@pytest.mark.parametrize("size", [0, 1, 63, 64, 1000, N_PARAMS])
def test_vector_split_parts_cover_the_vector_once(size, n_threads):
    """The parts are contiguous, ordered, disjoint and cover every entry."""
    split = VectorSplit(size, n_threads)
    try:
        covered = np.zeros(size, dtype=int)
        for part in split.parts:
            covered[part] += 1
        assert_array_equal(covered, 1)
        starts = [part.start for part in split.parts]
        assert starts == sorted(starts)
    finally:
        split.close()


def test_vector_split_runs_every_part():
    """run() calls the function on each part, also from the worker threads."""
    values = np.zeros(N_PARAMS)
    split = VectorSplit(N_PARAMS, 3)
    try:
        assert split.n_threads == 3
        split.run(lambda part, array, value: array[part].fill(value), values, 2.5)
    finally:
        split.close()
    assert_array_equal(values, 2.5)


def test_vector_split_passes_on_errors_of_worker_threads():
    """An exception raised in a worker thread reaches the caller."""
    split = VectorSplit(N_PARAMS, 2)

    def fail_on_second_part(part):
        if part.start > 0:
            raise ValueError("second part")

    try:
        with pytest.raises(ValueError, match="second part"):
            split.run(fail_on_second_part)
    finally:
        split.close()


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("n_threads", [2, 3])
def test_split_optimizer_steps_are_bit_identical_to_serial_ones(name, n_threads):
    """Three steps on parts in threads give exactly the serial parameters."""
    rng = np.random.default_rng(0)
    start = rng.standard_normal(N_PARAMS)
    gradients = rng.standard_normal((3, N_PARAMS))
    serial, threaded = OPTIMIZERS[name](), OPTIMIZERS[name]()
    params_serial, params_threaded = start.copy(), start.copy()
    split = VectorSplit(N_PARAMS, n_threads)
    try:
        for grad in gradients:
            serial.step(params_serial, grad, 0.01)
            threaded.step(params_threaded, grad, 0.01, split)
    finally:
        split.close()
    assert_array_equal(params_threaded, params_serial)


def test_split_penalty_gradient_is_bit_identical_to_serial():
    """loss_and_gradient gives the same objective and gradient with a split."""
    rng = np.random.default_rng(1)
    layout = Layout((40, 50, 30, 1))
    params = rng.standard_normal(layout.n_params)
    X = rng.standard_normal((16, 40))
    Y = (rng.random((16, 1)) < 0.5).astype(float)
    row_weights = np.full(16, 1 / 16)
    activations = [ACTIVATIONS["tanh"]] * 2
    results = []
    for split in (VectorSplit(layout.n_params, 1), VectorSplit(layout.n_params, 3)):
        grad = np.empty_like(params)
        workspace = Workspace(layout, 16, np.float64)
        objective = loss_and_gradient(
            params,
            grad,
            layout,
            activations,
            OUTPUT_LAYERS["binary_log_loss"],
            X,
            Y,
            row_weights,
            0.3,
            workspace,
            l1=0.2,
            split=split,
        )
        split.close()
        results.append((objective, grad))
    assert results[0][0] == results[1][0]
    assert_array_equal(results[0][1], results[1][1])


def test_split_threads_follows_size_and_blas_limit():
    """Small vectors get one thread; a BLAS limit of one thread is obeyed."""
    assert split_threads(SPLIT_MIN_PARAMS - 1) == 1
    with threadpool_limits(limits=1, user_api="blas"):
        assert split_threads(10 * SPLIT_MIN_PARAMS) == 1
    assert 1 <= split_threads(10 * SPLIT_MIN_PARAMS) <= 4


def test_large_network_fits_identically_with_one_or_more_threads():
    """A net above the split threshold trains to the same bits either way."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((120, 30))
    y = (X[:, 0] + 0.3 * rng.standard_normal(120) > 0).astype(int)
    params = dict(
        hidden_layer_sizes=(256, 256, 256),
        solver="adam",
        alpha=0.01,
        batch_size=40,
        max_iter=2,
        random_state=0,
    )
    assert FNNClassifier(**params).fit(X[:5], y[:5]).n_params_ >= SPLIT_MIN_PARAMS
    default = FNNClassifier(**params).fit(X, y)
    with threadpool_limits(limits=1, user_api="blas"):
        single = FNNClassifier(**params).fit(X, y)
    for ours, theirs in zip(default.coefs_, single.coefs_, strict=True):
        assert_array_equal(ours, theirs)


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
    """Early stopping adds about the held-out tenth of X to fit's memory."""
    rng = np.random.default_rng(7)
    X = rng.standard_normal((100_000, 40))
    y = (X[:, 0] > 0).astype(int)
    plain = _fit_peak_bytes(X, y)
    stopping = _fit_peak_bytes(X, y, early_stopping=True, validation_fraction=0.1)
    # a copy of the nine training tenths would add 0.9 X.nbytes
    assert stopping - plain < 0.25 * X.nbytes


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
    expected = copied.X.toarray() if sparse else copied.X
    actual = shared.X.toarray() if sparse else shared.X
    assert_array_equal(actual, expected)
