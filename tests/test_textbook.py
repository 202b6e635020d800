"""Textbook facts about the estimators, checked end to end (THEORY.md)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import (
    check_classifiers_train,
    check_estimators_dtypes,
    check_fit2d_1sample,
    check_fit_idempotent,
    check_methods_subset_invariance,
    check_n_features_in,
    check_regressors_train,
)

from skfnn import FNNClassifier, FNNRegressor

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
INITS = (
    "auto",
    "uniform",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "lecun_normal",
)
ESTIMATORS = [FNNClassifier, FNNRegressor]
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0.0, 1.0, 1.0, 0.0])


def _data(estimator_class, n_rows=40, n_features=3, seed=0):
    """Return a small X and a target suited to the estimator."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_features))
    signal = X @ np.linspace(1.0, -1.0, n_features) + 0.5 * X[:, 0] ** 2
    if estimator_class is FNNClassifier:
        return X, (signal > np.median(signal)).astype(int)
    return X, signal


def test_xor_learned_by_one_hidden_relu_layer():
    """depth=2 relu with a linear output fits XOR: rounded predictions 0, 1, 1, 0."""
    model = FNNRegressor(
        depth=2,
        width=8,
        activation="relu",
        alpha=0.0,
        learning_rate_init=0.01,
        max_iter=2000,
        tol=0.0,
        random_state=0,
    ).fit(XOR_X, XOR_Y)
    assert_array_equal(np.round(model.predict(XOR_X)), XOR_Y)


def test_xor_not_learned_without_hidden_layer():
    """depth=1 (linear) fits XOR no better than least squares: 1/2 everywhere."""
    model = FNNRegressor(
        depth=1,
        alpha=0.0,
        learning_rate_init=0.01,
        max_iter=2000,
        tol=0.0,
        random_state=0,
    ).fit(XOR_X, XOR_Y)
    expected = LinearRegression().fit(XOR_X, XOR_Y).predict(XOR_X)
    assert_allclose(expected, 0.5, rtol=0, atol=1e-12)
    assert_allclose(model.predict(XOR_X), expected, rtol=0, atol=1e-3)


@pytest.mark.parametrize("activation", ["heaviside", ["tanh", "heaviside"]])
@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_heaviside_training_raises_zero_gradient(estimator_class, activation):
    """fit with a 'heaviside' layer raises ValueError explaining the zero gradient."""
    X, y = _data(estimator_class)
    model = estimator_class(hidden_layer_sizes=(3, 3), activation=activation)
    with pytest.raises(ValueError, match="'heaviside' has zero gradient"):
        model.fit(X, y)


def _prelu_model(**params):
    """Return a regressor with two prelu layers around a tanh layer."""
    return FNNRegressor(
        hidden_layer_sizes=(5, 3, 4),
        activation=["prelu", "tanh", "prelu"],
        random_state=0,
        **params,
    )


def _kinked_data():
    """Return X and a target with kinks of slope -3 and 1/2, for prelu to learn."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = np.where(X[:, 0] > 0, 0.5 * X[:, 0], -3.0 * X[:, 0]) - X[:, 1]
    return X, y


def test_prelu_slopes_shape_per_prelu_layer():
    """prelu_slopes_ has an (N_k,) array per prelu layer and None elsewhere."""
    X, y = _kinked_data()
    model = _prelu_model(max_iter=2).fit(X, y)
    first, middle, last = model.prelu_slopes_
    assert first.shape == (5,)
    assert middle is None
    assert last.shape == (4,)


def test_prelu_slopes_start_at_one_quarter():
    """After one SGD step of 1e-12 the slopes still equal 0.25 (to 1e-9)."""
    X, y = _kinked_data()
    model = _prelu_model(solver="sgd", learning_rate_init=1e-12, max_iter=1)
    model.fit(X, y)
    slopes = np.concatenate([a for a in model.prelu_slopes_ if a is not None])
    assert_allclose(slopes, 0.25, rtol=0, atol=1e-9)


def test_prelu_slopes_learned_within_unit_interval():
    """Training moves the slopes away from 0.25 and keeps them in [0, 1]."""
    X, y = _kinked_data()
    model = _prelu_model(learning_rate_init=0.05, max_iter=300).fit(X, y)
    slopes = np.concatenate([a for a in model.prelu_slopes_ if a is not None])
    assert np.all((slopes >= 0) & (slopes <= 1))
    assert np.max(np.abs(slopes - 0.25)) > 0.1


def _prelu_forward(model, X):
    """Return the prelu regressor's predictions computed with plain numpy."""
    h = X
    for k, (W, b) in enumerate(zip(model.coefs_, model.intercepts_, strict=True)):
        s = h @ W + b
        if k == len(model.coefs_) - 1:
            return s.ravel()
        slopes = model.prelu_slopes_[k]
        h = np.tanh(s) if slopes is None else np.maximum(slopes * s, s)


def test_prelu_slopes_are_views_used_by_predict():
    """Writing to prelu_slopes_ changes predict as max(a s, s) says it should."""
    X, y = _kinked_data()
    model = _prelu_model(learning_rate_init=0.05, max_iter=20).fit(X, y)
    before = model.predict(X)
    model.prelu_slopes_[0][...] = [0.0, 0.2, 0.4, 0.6, 1.0]
    after = model.predict(X)
    assert np.max(np.abs(after - before)) > 1e-3
    assert_allclose(after, _prelu_forward(model, X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("negative_slope", [0.0, 0.3, 1.0])
def test_leaky_relu_negative_slope_matches_hand_forward(negative_slope):
    """A leaky_relu model's predict equals max(a s, s) computed from coefs_."""
    X, y = _data(FNNRegressor)
    model = FNNRegressor(
        hidden_layer_sizes=(5, 4),
        activation="leaky_relu",
        negative_slope=negative_slope,
        max_iter=10,
        random_state=0,
    ).fit(X, y)
    h = X
    for W, b in zip(model.coefs_[:-1], model.intercepts_[:-1], strict=True):
        s = h @ W + b
        h = np.maximum(negative_slope * s, s)
    expected = (h @ model.coefs_[-1] + model.intercepts_[-1]).ravel()
    assert_allclose(model.predict(X), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "estimator, inits",
    [
        (FNNClassifier(width=4, max_iter=20, random_state=0), INITS),
        (FNNRegressor(width=4, max_iter=20, random_state=0), ("auto", "uniform")),
    ],
    ids=["classifier", "regressor"],
)
def test_grid_search_over_activations_and_inits_runs(estimator, inits):
    """GridSearchCV over every trainable activation and init fits without error."""
    X, y = _data(type(estimator))
    pipe = Pipeline([("scale", StandardScaler()), ("fnn", estimator)])
    grid = {"fnn__activation": list(TRAINABLE), "fnn__init": list(inits)}
    search = GridSearchCV(pipe, grid, cv=2, error_score="raise").fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (len(TRAINABLE) * len(inits),)
    assert np.all(np.isfinite(scores))


COMMON_CHECKS = [
    check_fit_idempotent,
    check_methods_subset_invariance,
    check_fit2d_1sample,
    check_estimators_dtypes,
    check_n_features_in,
]


@pytest.mark.parametrize("check", COMMON_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("activation", TRAINABLE)
@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_sklearn_checks_pass_for_each_activation(estimator_class, activation, check):
    """A subset of scikit-learn's estimator checks passes for each activation."""
    estimator = estimator_class(width=5, activation=activation, max_iter=5)
    check(estimator_class.__name__, estimator)


@pytest.mark.parametrize("activation", TRAINABLE)
@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_sklearn_train_check_passes_for_each_activation(estimator_class, activation):
    """scikit-learn's classifiers/regressors train check passes per activation."""
    check = {
        FNNClassifier: check_classifiers_train,
        FNNRegressor: check_regressors_train,
    }[estimator_class]
    estimator = estimator_class(
        width=8, activation=activation, learning_rate_init=0.05, max_iter=30
    )
    check(estimator_class.__name__, estimator)


@pytest.mark.parametrize(
    "activation, bound",
    [
        ("relu", lambda fan_in, fan_out: np.sqrt(6 / fan_in)),
        ("leaky_relu", lambda fan_in, fan_out: np.sqrt(6 / fan_in)),
        ("prelu", lambda fan_in, fan_out: np.sqrt(6 / fan_in)),
        ("tanh", lambda fan_in, fan_out: np.sqrt(6 / (fan_in + fan_out))),
        ("logistic", lambda fan_in, fan_out: np.sqrt(6 / (fan_in + fan_out))),
    ],
    ids=["relu", "leaky_relu", "prelu", "tanh", "logistic"],
)
def test_init_auto_draws_he_or_glorot_uniform_bound(activation, bound):
    """init='auto': first-layer |W| fills U(-r, r), He r for ReLU-like, else Glorot."""
    fan_in, fan_out = 20, 50
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(10, fan_in)), rng.normal(size=10)
    model = FNNRegressor(
        width=fan_out,
        activation=activation,
        solver="sgd",
        learning_rate_init=1e-12,
        max_iter=1,
        random_state=0,
    ).fit(X, y)
    largest = np.max(np.abs(model.coefs_[0]))
    r = bound(fan_in, fan_out)
    # 1000 uniform draws: the largest |W| lies within 1% of r (P > 1 - 1e-4)
    assert r * 0.99 < largest <= r * (1 + 1e-9)
