"""Tests of training diagnostics: monitor=True and the diagnostics_ records."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skfnn import FNNClassifier, FNNRegressor
from skfnn.network import Network

ESTIMATORS = [FNNClassifier, FNNRegressor]
RECORD_KEYS = {
    "epoch",
    "layer",
    "activation",
    "activation_mean",
    "activation_std",
    "saturated_fraction",
    "dead_fraction",
    "gradient_norm",
}
# Documented: statistics use the first 1000 training rows.
MONITORED_ROWS = 1000


def _data(estimator_class, n_rows=60, scale=1.0, seed=0):
    """Return a small X (times ``scale``) and a target suited to the estimator."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, 3))
    signal = X @ np.array([1.0, -2.0, 0.5])
    if estimator_class is FNNClassifier:
        return X * scale, (signal > 0).astype(int)
    return X * scale, signal


def _monitored_fit(estimator_class, X, y, **params):
    """Return the estimator fitted on X, y with monitor=True and a fixed seed."""
    return estimator_class(monitor=True, random_state=0, **params).fit(X, y)


def _last_epoch(model):
    """Return the records of the model's last epoch, in layer order."""
    records = [r for r in model.diagnostics_ if r["epoch"] == model.n_iter_]
    return sorted(records, key=lambda r: r["layer"])


def _monitored_hidden(model, X):
    """Return h^(k) of every hidden layer on the monitored rows, by Network."""
    _, activations = Network.from_estimator(model).forward(X[:MONITORED_ROWS])
    return activations[1:-1]


@pytest.mark.parametrize("depth", [1, 3])
@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_diagnostics_one_record_per_epoch_and_layer(estimator_class, depth):
    """diagnostics_ holds n_iter_ * depth records, epoch-major, with the keys."""
    X, y = _data(estimator_class)
    model = _monitored_fit(estimator_class, X, y, depth=depth, width=4, max_iter=7)
    assert len(model.diagnostics_) == model.n_iter_ * depth
    expected_order = [
        (epoch, layer)
        for epoch in range(1, model.n_iter_ + 1)
        for layer in range(1, depth + 1)
    ]
    assert [(r["epoch"], r["layer"]) for r in model.diagnostics_] == expected_order
    for record in model.diagnostics_:
        assert set(record) == RECORD_KEYS


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_diagnostics_make_a_dataframe(estimator_class):
    """pandas.DataFrame(diagnostics_) has one row per record, one column per key."""
    X, y = _data(estimator_class)
    model = _monitored_fit(estimator_class, X, y, depth=3, width=4, max_iter=4)
    frame = pd.DataFrame(model.diagnostics_)
    assert frame.shape == (len(model.diagnostics_), len(RECORD_KEYS))
    assert set(frame.columns) == RECORD_KEYS
    assert_array_equal(frame["layer"].unique(), [1, 2, 3])


def test_diagnostics_hidden_activation_names_and_output_layer():
    """Hidden records name their activation; the output record has NaN stats."""
    X, y = _data(FNNRegressor)
    model = _monitored_fit(
        FNNRegressor,
        X,
        y,
        hidden_layer_sizes=(4, 3),
        activation=["tanh", "relu"],
        max_iter=3,
    )
    hidden_1, hidden_2, output = _last_epoch(model)
    assert (hidden_1["activation"], hidden_2["activation"]) == ("tanh", "relu")
    assert output["activation"] == "output"
    for key in ("activation_mean", "activation_std", "saturated_fraction"):
        assert np.isnan(output[key])
    assert np.isnan(output["dead_fraction"])
    # tanh saturates but never dies; relu dies but never saturates
    assert np.isnan(hidden_1["dead_fraction"])
    assert np.isnan(hidden_2["saturated_fraction"])


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu"])
def test_diagnostics_activation_mean_std_match_forward(activation):
    """Last-epoch activation_mean/std equal those of Network.forward(X[:1000])."""
    X, y = _data(FNNRegressor, n_rows=1200)
    # Rows past the first 1000 differ, so that using them would show.
    X[MONITORED_ROWS:] += 3.0
    model = _monitored_fit(
        FNNRegressor,
        X,
        y,
        hidden_layer_sizes=(5, 4),
        activation=activation,
        max_iter=3,
        batch_size=300,
    )
    records = _last_epoch(model)
    for record, h in zip(records[:-1], _monitored_hidden(model, X), strict=True):
        assert_allclose(record["activation_mean"], h.mean(), rtol=1e-12, atol=1e-15)
        assert_allclose(record["activation_std"], h.std(), rtol=1e-12, atol=1e-15)


def test_diagnostics_dead_fraction_for_relu_matches_hand_count():
    """dead_fraction is the share of relu units with h <= 0 on every monitored row."""
    X, y = _data(FNNRegressor, n_rows=1200)
    # A large step kills some units of the second hidden layer.
    model = _monitored_fit(
        FNNRegressor,
        X,
        y,
        hidden_layer_sizes=(8, 6),
        activation="relu",
        learning_rate_init=0.5,
        max_iter=5,
        batch_size=400,
    )
    records = _last_epoch(model)
    dead = [np.mean(np.all(h <= 0, axis=0)) for h in _monitored_hidden(model, X)]
    assert 0 < max(dead) < 1
    assert_allclose([r["dead_fraction"] for r in records[:-1]], dead, rtol=0, atol=0)


def test_diagnostics_saturated_fraction_for_logistic_matches_hand_count():
    """saturated_fraction is the share of h within 0.01 of 0 or 1 (logistic)."""
    X, y = _data(FNNClassifier, n_rows=1200, scale=10.0)
    model = _monitored_fit(
        FNNClassifier,
        X,
        y,
        hidden_layer_sizes=(8, 6),
        activation="logistic",
        max_iter=3,
        batch_size=400,
    )
    records = _last_epoch(model)
    saturated = [
        np.mean((h <= 0.01) | (h >= 0.99)) for h in _monitored_hidden(model, X)
    ]
    assert 0 < max(saturated) < 1
    assert_allclose(
        [r["saturated_fraction"] for r in records[:-1]], saturated, rtol=0, atol=0
    )


def test_diagnostics_saturated_fraction_for_tanh_uses_its_range():
    """For tanh, saturation means h within 0.01 * 2 of -1 or 1."""
    X, y = _data(FNNRegressor, n_rows=200, scale=10.0)
    model = _monitored_fit(FNNRegressor, X, y, width=8, activation="tanh", max_iter=2)
    (h,) = _monitored_hidden(model, X)
    expected = np.mean((h <= -1 + 0.02) | (h >= 1 - 0.02))
    assert 0 < expected < 1
    assert _last_epoch(model)[0]["saturated_fraction"] == expected


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_diagnostics_gradient_norm_positive_and_finite(estimator_class):
    """Every gradient_norm is a positive, finite number."""
    X, y = _data(estimator_class)
    model = _monitored_fit(
        estimator_class, X, y, depth=3, width=4, max_iter=5, batch_size=16
    )
    norms = np.array([r["gradient_norm"] for r in model.diagnostics_])
    assert np.all(np.isfinite(norms))
    assert np.all(norms > 0)


def test_diagnostics_gradient_norm_is_full_batch_weight_gradient_norm():
    """With one batch, an epoch's gradient_norm is ||dJ/dW^(k)|| at its start."""
    X, y = _data(FNNRegressor, n_rows=40)
    model = FNNRegressor(
        hidden_layer_sizes=(5, 4),
        activation="tanh",
        alpha=0.3,
        batch_size=40,
        max_iter=1,
        warm_start=True,
        monitor=True,
        random_state=0,
    )
    model.fit(X, y)
    # The gradient at the weights the second epoch starts from, by Network.
    result = Network.from_estimator(model).backward(X, y, alpha=model.alpha)
    expected = [np.linalg.norm(g) for g in result.weight_gradients]
    model.fit(X, y)
    norms = [r["gradient_norm"] for r in _last_epoch(model)]
    assert model.n_iter_ == 2
    assert_allclose(norms, expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_diagnostics_absent_without_monitor(estimator_class):
    """monitor=False (the default) leaves no diagnostics_ attribute."""
    X, y = _data(estimator_class)
    model = estimator_class(width=4, max_iter=3, random_state=0).fit(X, y)
    assert not hasattr(model, "diagnostics_")


@pytest.mark.parametrize("activation", ["relu", "prelu", "logistic"])
@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_diagnostics_monitoring_changes_no_weight(estimator_class, activation):
    """monitor=True and monitor=False give bit-identical fitted parameters."""
    X, y = _data(estimator_class)
    params = dict(depth=3, width=4, activation=activation, max_iter=6, batch_size=16)
    plain = estimator_class(**params, random_state=0).fit(X, y)
    monitored = estimator_class(**params, random_state=0, monitor=True).fit(X, y)
    assert monitored.n_iter_ == plain.n_iter_
    for got, expected in zip(
        monitored.coefs_ + monitored.intercepts_,
        plain.coefs_ + plain.intercepts_,
        strict=True,
    ):
        assert_array_equal(got, expected)
    if activation == "prelu":
        for got, expected in zip(
            monitored.prelu_slopes_, plain.prelu_slopes_, strict=True
        ):
            assert_array_equal(got, expected)
