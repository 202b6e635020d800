"""Tests of the output layers: output activation, loss, delta^(L) and link."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.metrics import (
    log_loss,
    mean_gamma_deviance,
    mean_poisson_deviance,
    mean_squared_error,
)

from skfnn._losses import OUTPUT_LAYERS

FD_EPS = 1e-6
N_ROWS = 6
N_OUTPUTS = 3


def _valid_targets(name, rng, n_rows=N_ROWS, n_outputs=N_OUTPUTS):
    """Return targets of shape (n_rows, n_outputs) valid for an output layer."""
    if name == "log_loss":
        return np.eye(n_outputs)[rng.integers(n_outputs, size=n_rows)]
    if name == "binary_log_loss":
        return rng.integers(2, size=(n_rows, n_outputs)).astype(float)
    if name == "poisson":
        return rng.integers(4, size=(n_rows, n_outputs)).astype(float)
    if name == "gamma":
        return rng.uniform(0.2, 3.0, size=(n_rows, n_outputs))
    return rng.normal(size=(n_rows, n_outputs))


def _losses_at(layer, s, y):
    """Return the per-row losses at pre-activation s."""
    return layer.sample_losses(s, y, layer.activate(s))


@pytest.mark.parametrize("name", list(OUTPUT_LAYERS))
def test_output_layer_delta_matches_finite_differences(name):
    """delta = dL_i/ds equals central finite differences of sample_losses."""
    rng = np.random.default_rng(0)
    layer = OUTPUT_LAYERS[name]
    y = _valid_targets(name, rng)
    s = rng.normal(size=y.shape)
    expected = np.empty_like(s)
    for j in range(s.shape[1]):
        step = np.zeros_like(s)
        step[:, j] = FD_EPS
        # each row's loss depends on its own row of s only
        expected[:, j] = (
            _losses_at(layer, s + step, y) - _losses_at(layer, s - step, y)
        ) / (2 * FD_EPS)
    delta = np.empty_like(s)
    layer.delta(s, y, layer.activate(s), out=delta)
    assert_allclose(delta, expected, rtol=1e-7, atol=1e-8)


def test_binary_log_loss_matches_sklearn():
    """Mean binary log loss of one logistic column equals sklearn's log_loss."""
    rng = np.random.default_rng(0)
    layer = OUTPUT_LAYERS["binary_log_loss"]
    y = _valid_targets("binary_log_loss", rng, n_rows=20, n_outputs=1)
    s = rng.normal(scale=2.0, size=y.shape)
    expected = log_loss(y[:, 0], layer.activate(s)[:, 0], labels=[0, 1])
    assert_allclose(_losses_at(layer, s, y).mean(), expected, rtol=1e-10, atol=0)


def test_categorical_log_loss_matches_sklearn():
    """Mean softmax cross-entropy equals sklearn's log_loss on class labels."""
    rng = np.random.default_rng(0)
    layer = OUTPUT_LAYERS["log_loss"]
    y = _valid_targets("log_loss", rng, n_rows=20)
    s = rng.normal(scale=2.0, size=y.shape)
    expected = log_loss(
        y.argmax(axis=1), layer.activate(s), labels=np.arange(N_OUTPUTS)
    )
    assert_allclose(_losses_at(layer, s, y).mean(), expected, rtol=1e-10, atol=0)


def test_squared_error_matches_sklearn():
    """Squared error summed over outputs equals half of sklearn's per-output MSE."""
    rng = np.random.default_rng(0)
    layer = OUTPUT_LAYERS["squared_error"]
    y = _valid_targets("squared_error", rng, n_rows=20)
    s = rng.normal(size=y.shape)
    per_output = mean_squared_error(y, s, multioutput="raw_values")
    expected = 0.5 * per_output.sum()
    assert_allclose(_losses_at(layer, s, y).mean(), expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    "name, metric",
    [("poisson", mean_poisson_deviance), ("gamma", mean_gamma_deviance)],
)
def test_deviance_matches_half_sklearn_deviance(name, metric):
    """Poisson and Gamma losses equal half of sklearn's mean deviance."""
    rng = np.random.default_rng(0)
    layer = OUTPUT_LAYERS[name]
    y = _valid_targets(name, rng, n_rows=20, n_outputs=1)
    s = rng.normal(scale=0.5, size=y.shape)
    expected = 0.5 * metric(y[:, 0], layer.activate(s)[:, 0])
    assert_allclose(_losses_at(layer, s, y).mean(), expected, rtol=1e-10, atol=0)


def test_weighted_loss_matches_sklearn_weighted_mean():
    """weighted_loss / sum(w) equals sklearn's log_loss with sample_weight."""
    rng = np.random.default_rng(0)
    layer = OUTPUT_LAYERS["log_loss"]
    y = _valid_targets("log_loss", rng, n_rows=20)
    s = rng.normal(size=y.shape)
    weights = rng.uniform(0.1, 3.0, size=20)
    f = layer.activate(s)
    expected = log_loss(
        y.argmax(axis=1), f, sample_weight=weights, labels=np.arange(N_OUTPUTS)
    )
    actual = layer.weighted_loss(s, y, f, weights) / weights.sum()
    assert_allclose(actual, expected, rtol=1e-10, atol=0)


@pytest.mark.parametrize("name", ["squared_error", "poisson", "gamma"])
def test_output_layer_loss_is_zero_at_exact_prediction(name):
    """The loss is zero where the prediction out_act(s) equals the target."""
    rng = np.random.default_rng(0)
    layer = OUTPUT_LAYERS[name]
    y = rng.uniform(0.5, 3.0, size=(N_ROWS, N_OUTPUTS))
    s = layer.link(y)
    assert_allclose(_losses_at(layer, s, y), 0.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize("magnitude", [1e4, -1e4])
@pytest.mark.parametrize("name", ["binary_log_loss", "log_loss"])
def test_log_loss_is_finite_on_extreme_pre_activations(name, magnitude):
    """Log losses stay finite for |s| = 1e4, without RuntimeWarning."""
    rng = np.random.default_rng(0)
    layer = OUTPUT_LAYERS[name]
    y = _valid_targets(name, rng)
    s = np.full(y.shape, magnitude)
    s[:, 0] = -magnitude
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses = _losses_at(layer, s, y)
    assert np.all(np.isfinite(losses))


def test_binary_log_loss_of_confident_mistake_is_linear_in_s():
    """At s = 1e4 with y = 0 the binary loss is log(1 + e^s), which equals s."""
    layer = OUTPUT_LAYERS["binary_log_loss"]
    s = np.array([[1e4], [-1e4]])
    y = np.array([[0.0], [1.0]])
    assert_allclose(_losses_at(layer, s, y), [1e4, 1e4], rtol=1e-15, atol=0)


@pytest.mark.parametrize("name", list(OUTPUT_LAYERS))
def test_constant_pre_activation_predicts_weighted_mean(name):
    """out_act(constant_pre_activation) equals the weighted mean of y."""
    rng = np.random.default_rng(0)
    layer = OUTPUT_LAYERS[name]
    y = _valid_targets(name, rng, n_rows=30)
    weights = rng.uniform(0.1, 3.0, size=30)
    constant = layer.constant_pre_activation(y, weights)
    prediction = layer.activate(np.atleast_2d(constant))[0]
    expected = np.average(y, axis=0, weights=weights)
    assert_allclose(prediction, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", list(OUTPUT_LAYERS))
def test_constant_pre_activation_integer_weights_repeat_rows(name):
    """With integer weights it predicts the mean of rows repeated that often."""
    rng = np.random.default_rng(0)
    layer = OUTPUT_LAYERS[name]
    y = _valid_targets(name, rng, n_rows=10)
    weights = rng.integers(1, 5, size=10)
    expected = np.repeat(y, weights, axis=0).mean(axis=0)
    constant = layer.constant_pre_activation(y, weights.astype(float))
    prediction = layer.activate(np.atleast_2d(constant))[0]
    assert_allclose(prediction, expected, rtol=1e-10, atol=1e-12)
