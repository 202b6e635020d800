"""Tests of the public gradient check, skfnn.utils.check_gradients."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skfnn import FNNClassifier, FNNRegressor
from skfnn._activations import ACTIVATIONS, Activation
from skfnn.network import Network
from skfnn.utils import check_gradients

TRAINABLE = (
    "identity",
    "relu",
    "leaky_relu",
    "prelu",
    "logistic",
    "tanh",
    "elu",
    "softplus",
    "silu",
    "gelu",
)
CLASSIFICATION_TASKS = ("binary", "multiclass", "multilabel")
REGRESSION_LOSSES = ("squared_error", "poisson", "gamma")
N_ROWS = 12
N_FEATURES = 3
WIDTH = 3
EPS = 1e-6
# Central differences across a kink of relu, leaky_relu or prelu measure the
# kink, not backprop: rows with a hidden |s| this small are left out.
KINK_MARGIN = 1e3 * EPS
MIN_ROWS_CHECKED = 6
TOLERANCE = 1e-6


def _task_data(task, rng, shift):
    """Return X and a target of the task whose signal is moved by ``shift``."""
    X = rng.normal(size=(N_ROWS, N_FEATURES))
    signal = X @ np.array([1.0, -2.0, 0.5]) + shift
    other = X @ np.array([-1.0, 0.5, 1.5]) + shift
    if task == "binary":
        return X, (signal > 0).astype(int)
    if task == "multiclass":
        return X, np.digitize(signal, [-1.0, 1.0])
    if task == "multilabel":
        return X, np.column_stack([signal > 0, other > 0]).astype(int)
    if task == "squared_error":
        return X, signal
    if task == "poisson":
        return X, rng.poisson(np.exp(signal / 2)).astype(float)
    return X, np.exp(signal / 2) * rng.uniform(0.5, 1.5, size=N_ROWS)


def _estimator(task, **params):
    """Return the estimator that trains the output layer of the task."""
    if task in CLASSIFICATION_TASKS:
        return FNNClassifier(**params)
    return FNNRegressor(loss=task, **params)


def _rows_away_from_kinks(model, X):
    """Return a mask of the rows whose hidden pre-activations avoid zero."""
    pre_activations, _ = Network.from_estimator(model).forward(X)
    keep = np.ones(X.shape[0], dtype=bool)
    for s in pre_activations[:-1]:
        keep &= np.all(np.abs(s) > KINK_MARGIN, axis=1)
    return keep


def _fitted_check_point(task, activation, depth, alpha, weighted):
    """Fit a small model for a few epochs; return it with rows to check on.

    The check rows are fresh draws whose signal is shifted from the training
    signal, so that no gradient array (the output bias in particular, which
    starts at the best constant) is near zero: the relative error of a
    near-zero array measures rounding in the finite differences, not backprop.
    """
    rng = np.random.default_rng(0)
    X, y = _task_data(task, rng, shift=0.0)
    X_check, y_check = _task_data(task, rng, shift=1.5)
    weights = rng.uniform(0.2, 3.0, size=N_ROWS) if weighted else None
    model = _estimator(
        task,
        depth=depth,
        width=WIDTH,
        activation=activation,
        alpha=alpha,
        learning_rate_init=0.01,
        max_iter=5,
        random_state=0,
    )
    model.fit(X, y, sample_weight=weights)
    keep = _rows_away_from_kinks(model, X_check)
    assert keep.sum() >= MIN_ROWS_CHECKED
    check_weights = None if weights is None else weights[keep]
    return model, X_check[keep], y_check[keep], check_weights


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("alpha", [0.0, 0.5])
@pytest.mark.parametrize("depth", [1, 2, 4])
@pytest.mark.parametrize("task", CLASSIFICATION_TASKS + REGRESSION_LOSSES)
@pytest.mark.parametrize("activation", TRAINABLE)
def test_check_gradients_backprop_matches_finite_differences(
    activation, task, depth, alpha, weighted
):
    """Backprop of a fitted estimator agrees with central differences to 1e-6."""
    model, X, y, weights = _fitted_check_point(task, activation, depth, alpha, weighted)
    error = check_gradients(model, X, y, sample_weight=weights, eps=EPS)
    assert error < TOLERANCE


def test_check_gradients_uses_estimator_alpha_by_default(monkeypatch):
    """alpha=None takes the estimator's alpha: same objective as passing it."""
    import skfnn._gradient_check as gradient_check

    model, X, y, weights = _fitted_check_point("multiclass", "tanh", 2, 0.5, True)
    penalties = []
    build = gradient_check._objective

    def recording_objective(network, X, Y, row_weights, l2):
        penalties.append(l2)
        return build(network, X, Y, row_weights, l2)

    monkeypatch.setattr(gradient_check, "_objective", recording_objective)
    by_default = check_gradients(model, X, y, sample_weight=weights)
    explicit = check_gradients(model, X, y, sample_weight=weights, alpha=0.5)
    check_gradients(model, X, y, sample_weight=weights, alpha=0.0)
    assert by_default == explicit
    # the L2 coefficient is alpha over the total sample weight
    assert penalties[0] == penalties[1] == pytest.approx(0.5 / weights.sum())
    assert penalties[2] == 0.0


def test_check_gradients_float32_model_is_checked_in_float64():
    """A model fitted in float32 still passes at 1e-6: the check runs in float64."""
    model, X, y, _ = _fitted_check_point("squared_error", "tanh", 3, 0.0, False)
    model.fit(X.astype(np.float32), y.astype(np.float32))
    assert model.coefs_[0].dtype == np.float32
    assert check_gradients(model, X, y) < TOLERANCE


def _wrong_tanh_backprop(s, h, delta):
    """Multiply delta by 1 - h, a wrong derivative of tanh (it is 1 - h^2)."""
    delta *= 1 - h


def _tanh_network(rng):
    """Return a depth-3 tanh Network with random parameters, and its data."""
    sizes = (3, 4, 4, 2)
    weights = [
        rng.normal(size=(n_in, n_out))
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
    ]
    biases = [rng.normal(size=n_out) for n_out in sizes[1:]]
    network = Network(weights, biases, activation="tanh", loss="squared_error")
    X = rng.normal(size=(N_ROWS, sizes[0]))
    y = rng.normal(size=(N_ROWS, sizes[-1]))
    return network, X, y


def test_check_gradients_detects_wrong_backprop(monkeypatch):
    """A tanh whose backprop uses 1 - h instead of 1 - h^2 fails the check."""
    network, X, y = _tanh_network(np.random.default_rng(0))
    assert check_gradients(network, X, y) < TOLERANCE
    wrong = Activation("tanh", ACTIVATIONS["tanh"].forward, _wrong_tanh_backprop)
    monkeypatch.setitem(ACTIVATIONS, "tanh", wrong)
    assert check_gradients(network, X, y) > 1e-2


def test_check_gradients_leaves_network_unchanged():
    """Outputs and gradients of a Network are bit for bit the same after a check."""
    network, X, y = _tanh_network(np.random.default_rng(0))
    output_before = network.predict(X)
    gradients_before = network.backward(X, y, alpha=0.3).weight_gradients
    check_gradients(network, X, y, alpha=0.3)
    assert_array_equal(network.predict(X), output_before)
    gradients_after = network.backward(X, y, alpha=0.3).weight_gradients
    for after, before in zip(gradients_after, gradients_before, strict=True):
        assert_array_equal(after, before)


def test_check_gradients_leaves_estimator_parameters_unchanged():
    """coefs_, intercepts_ and prelu_slopes_ are bit for bit the same after a check."""
    model, X, y, weights = _fitted_check_point("multiclass", "prelu", 3, 0.5, True)
    arrays = [*model.coefs_, *model.intercepts_, *model.prelu_slopes_]
    before = [a.copy() for a in arrays]
    check_gradients(model, X, y, sample_weight=weights)
    after = [*model.coefs_, *model.intercepts_, *model.prelu_slopes_]
    for new, old in zip(after, before, strict=True):
        assert_array_equal(new, old)
