"""Tests of the weight initializers and of their resolution from names."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skfnn._initializers import (
    INITIALIZERS,
    draw_weights,
    glorot_uniform,
    he_uniform,
    resolve_initializer,
)

FAN_IN = 400
FAN_OUT = 300

# Half-width r of U(-r, r) for the uniform initializers, from THEORY.
UNIFORM_BOUNDS = {
    "uniform": 1.0 / np.sqrt(FAN_IN),
    "glorot_uniform": np.sqrt(6.0 / (FAN_IN + FAN_OUT)),
    "he_uniform": np.sqrt(6.0 / FAN_IN),
}

# Variance of each draw: r^2 / 3 for U(-r, r), sigma^2 for N(0, sigma^2).
VARIANCES = {
    **{name: bound**2 / 3.0 for name, bound in UNIFORM_BOUNDS.items()},
    "glorot_normal": 2.0 / (FAN_IN + FAN_OUT),
    "he_normal": 2.0 / FAN_IN,
    "lecun_normal": 1.0 / FAN_IN,
}


def _draw(name, seed=0):
    """Draw a FAN_IN x FAN_OUT matrix with the named initializer."""
    return INITIALIZERS[name](FAN_IN, FAN_OUT, np.random.default_rng(seed))


def test_initializers_registry_has_a_variance_formula_for_each():
    """Every registered initializer is covered by the variance formulas here."""
    assert set(INITIALIZERS) == set(VARIANCES)


@pytest.mark.parametrize("name", list(INITIALIZERS))
def test_initializer_shape_is_fan_in_by_fan_out(name):
    """Each initializer returns an array of shape (fan_in, fan_out)."""
    assert _draw(name).shape == (FAN_IN, FAN_OUT)


@pytest.mark.parametrize("name", list(UNIFORM_BOUNDS))
def test_uniform_initializer_stays_within_bound(name):
    """Uniform draws lie in [-r, r] and come close to both ends."""
    weights = _draw(name)
    bound = UNIFORM_BOUNDS[name]
    assert np.abs(weights).max() <= bound
    assert weights.max() > 0.99 * bound
    assert weights.min() < -0.99 * bound


@pytest.mark.parametrize("name", list(INITIALIZERS))
def test_initializer_variance_matches_formula(name):
    """The empirical variance of a large draw matches THEORY's formula."""
    weights = _draw(name)
    assert_allclose(weights.var(), VARIANCES[name], rtol=0.03, atol=0)


@pytest.mark.parametrize("name", list(INITIALIZERS))
def test_initializer_mean_is_zero(name):
    """The empirical mean is within five standard errors of zero."""
    weights = _draw(name)
    standard_error = np.sqrt(VARIANCES[name] / weights.size)
    assert_allclose(weights.mean(), 0.0, rtol=0, atol=5 * standard_error)


@pytest.mark.parametrize("name", list(INITIALIZERS))
def test_initializer_is_reproducible_with_seed(name):
    """Two generators with the same seed give bit-identical draws."""
    assert_array_equal(_draw(name, seed=7), _draw(name, seed=7))


@pytest.mark.parametrize("name", list(INITIALIZERS))
def test_initializer_depends_on_seed(name):
    """Generators with different seeds give different draws."""
    assert not np.array_equal(_draw(name, seed=0), _draw(name, seed=1))


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "elu"])
def test_resolve_initializer_auto_picks_he_for_relu_family(activation):
    """'auto' resolves to he_uniform for ReLU-like activations."""
    assert resolve_initializer("auto", activation) is he_uniform


@pytest.mark.parametrize("activation", ["tanh", "logistic", "identity"])
def test_resolve_initializer_auto_picks_glorot_otherwise(activation):
    """'auto' resolves to glorot_uniform for tanh, logistic and identity."""
    assert resolve_initializer("auto", activation) is glorot_uniform


@pytest.mark.parametrize("name", list(INITIALIZERS))
def test_resolve_initializer_returns_named_function(name):
    """A registry name resolves to its registered function."""
    assert resolve_initializer(name, "relu") is INITIALIZERS[name]


def test_resolve_initializer_passes_callable_through():
    """A callable init is returned unchanged."""

    def constant_init(fan_in, fan_out, rng):
        return np.full((fan_in, fan_out), 0.1)

    assert resolve_initializer(constant_init, "tanh") is constant_init


def test_draw_weights_casts_to_dtype():
    """draw_weights returns the requested dtype and the callable's values."""
    rng = np.random.default_rng(0)
    weights = draw_weights(
        lambda fan_in, fan_out, rng: np.full((fan_in, fan_out), 0.25),
        3,
        2,
        rng,
        np.float32,
    )
    assert weights.dtype == np.float32
    assert_array_equal(weights, np.full((3, 2), 0.25, dtype=np.float32))


def test_draw_weights_rejects_wrong_shape():
    """A callable returning the transposed shape raises ValueError."""
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*\(3, 2\)"):
        draw_weights(
            lambda fan_in, fan_out, rng: np.zeros((fan_out, fan_in)),
            3,
            2,
            rng,
            np.float64,
        )


@pytest.mark.parametrize("bad_value", [np.nan, np.inf, -np.inf])
def test_draw_weights_rejects_non_finite_values(bad_value):
    """A callable returning NaN or infinite weights raises ValueError."""
    rng = np.random.default_rng(0)

    def bad_init(fan_in, fan_out, rng):
        weights = np.zeros((fan_in, fan_out))
        weights[1, 0] = bad_value
        return weights

    with pytest.raises(ValueError, match="non-finite"):
        draw_weights(bad_init, 3, 2, rng, np.float64)
