"""Tests of FNNRegressor: output layers, shapes and the GLM special case."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import GammaRegressor, PoissonRegressor, Ridge

from skfnn import FNNRegressor

CONVEX = dict(
    depth=1,
    solver="sgd",
    momentum=0.9,
    batch_size=10_000,
    learning_rate_init=0.1,
    max_iter=2000,
    tol=0.0,
    n_iter_no_change=2000,
)


def _features(n_samples=80, seed=0):
    """Return a small standard normal X and a generator."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_samples, 3)), rng


def test_depth_one_squared_error_equals_ridge():
    """depth=1 with squared error and alpha is Ridge with the same alpha."""
    X, rng = _features()
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.normal(size=80)
    fnn = FNNRegressor(alpha=2.0, **CONVEX).fit(X, y)
    ridge = Ridge(alpha=2.0).fit(X, y)
    assert_allclose(fnn.coefs_[0].ravel(), ridge.coef_, rtol=1e-7)
    assert_allclose(fnn.intercepts_[0], ridge.intercept_, atol=1e-8)


@pytest.mark.parametrize(
    "loss, glm, draw",
    [
        ("poisson", PoissonRegressor, lambda rng, mu: rng.poisson(mu)),
        ("gamma", GammaRegressor, lambda rng, mu: rng.gamma(2.0, mu / 2)),
    ],
)
def test_depth_one_deviance_equals_glm(loss, glm, draw):
    """depth=1 with a deviance loss is scikit-learn's GLM, alpha / n_samples."""
    X, rng = _features()
    y = draw(rng, np.exp(X @ np.array([0.3, -0.2, 0.1])))
    params = dict(CONVEX, learning_rate_init=0.05)
    fnn = FNNRegressor(loss=loss, alpha=2.0, **params).fit(X, y)
    reference = glm(alpha=2.0 / 80, tol=1e-12, max_iter=1000).fit(X, y)
    assert_allclose(fnn.coefs_[0].ravel(), reference.coef_, rtol=1e-6, atol=1e-8)
    assert_allclose(fnn.predict(X), reference.predict(X), rtol=1e-6)


def test_multi_output_shape_and_ridge():
    """Two target columns: predictions (n, 2), each column the Ridge solution."""
    X, rng = _features()
    Y = np.column_stack([X @ [1.0, 0.0, 1.0], X @ [0.0, -1.0, 2.0]])
    fnn = FNNRegressor(alpha=1.0, **CONVEX).fit(X, Y)
    assert fnn.predict(X).shape == (80, 2)
    assert_allclose(fnn.predict(X), Ridge(alpha=1.0).fit(X, Y).predict(X), rtol=1e-7)


def test_column_target_keeps_column_shape():
    """A target of shape (n, 1) gives predictions of shape (n, 1)."""
    X, _ = _features()
    fnn = FNNRegressor(width=4, max_iter=5, random_state=0).fit(X, X[:, :1])
    assert fnn.predict(X).shape == (80, 1)
    assert fnn.predict(X[:1]).shape == (1, 1)


def test_single_row_prediction_shape():
    """One row gives a 1-element 1-D prediction for a 1-D target."""
    X, _ = _features()
    fnn = FNNRegressor(width=4, max_iter=5, random_state=0).fit(X, X[:, 0])
    assert fnn.predict(X[:1]).shape == (1,)


@pytest.mark.parametrize("constant", [7.5, -200.0])
def test_constant_target_predicts_constant(constant):
    """A constant target (and a constant feature) is predicted without NaN."""
    X, _ = _features(50)
    X[:, 2] = 3.0
    fnn = FNNRegressor(width=8, max_iter=300, learning_rate_init=0.01, random_state=0)
    prediction = fnn.fit(X, np.full(50, constant)).predict(X)
    assert np.all(np.isfinite(prediction))
    assert_allclose(prediction.mean(), constant, atol=0.1)
    assert_allclose(prediction, constant, atol=1.0)


@pytest.mark.parametrize(
    "loss, bad, match", [("poisson", -1.0, "y >= 0"), ("gamma", 0.0, "y > 0")]
)
def test_deviance_target_domain(loss, bad, match):
    """Targets outside a deviance's domain raise a ValueError."""
    X, _ = _features()
    y = np.r_[bad, np.ones(79)]
    with pytest.raises(ValueError, match=match):
        FNNRegressor(loss=loss).fit(X, y)


def test_float32_close_to_float64():
    """float32 training gives predictions close to float64 training."""
    X, rng = _features()
    y = X @ np.array([1.0, -1.0, 0.5])
    params = dict(width=8, max_iter=60, random_state=0)
    p32 = FNNRegressor(**params).fit(X.astype(np.float32), y).predict(X)
    p64 = FNNRegressor(**params).fit(X, y).predict(X)
    assert p32.dtype == np.float32
    assert_allclose(p32, p64, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize(
    "y", [np.array(["1.5", "2", "3"] * 10), np.array([b"1", b"2", b"3"] * 10)]
)
def test_text_targets_are_refused_like_sklearn(y):
    """Numbers written as text are an error, not parsed in silence."""
    X, _ = _features(30)
    with pytest.raises(ValueError, match="numeric target y"):
        FNNRegressor(max_iter=1).fit(X, y)


def test_object_array_of_numbers_is_a_numeric_target():
    """An object array holding numbers trains like the same floats."""
    X, rng = _features(30)
    y = rng.normal(size=30)
    params = dict(max_iter=3, random_state=0)
    as_floats = FNNRegressor(**params).fit(X, y)
    as_objects = FNNRegressor(**params).fit(X, y.astype(object))
    assert_allclose(as_objects.predict(X), as_floats.predict(X), rtol=0, atol=0)


def test_depth_one_frequency_with_exposure_equals_poisson_glm():
    """Counts over exposure, weighted by exposure: the GLM of claim frequency."""
    X, rng = _features()
    exposure = rng.uniform(0.1, 1.0, size=80)
    counts = rng.poisson(exposure * np.exp(X @ np.array([0.3, -0.2, 0.1])))
    params = dict(CONVEX, learning_rate_init=0.05)
    fnn = FNNRegressor(loss="poisson", alpha=2.0, **params)
    fnn.fit(X, counts / exposure, sample_weight=exposure)
    reference = PoissonRegressor(alpha=2.0 / exposure.sum(), tol=1e-12, max_iter=1000)
    reference.fit(X, counts / exposure, sample_weight=exposure)
    assert_allclose(fnn.coefs_[0].ravel(), reference.coef_, rtol=1e-6, atol=1e-8)
    # the expected counts of the fit add up to the observed ones, as for a GLM
    assert_allclose((fnn.predict(X) * exposure).sum(), counts.sum(), rtol=1e-6)
