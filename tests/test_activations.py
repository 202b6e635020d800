"""Tests of the hidden activations phi and their derivatives phi'."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import norm

from skfnn._activations import (
    _SCALAR_OPERAND_SIZE,
    ACTIVATIONS,
    CONSTANT_BLOCK_SIZE,
    LEAKY_SLOPE,
    TRAINABLE_ACTIVATIONS,
    constant_vector,
)

FD_EPS = 1e-6
KINK_MARGIN = 1e-3
EXTREME_S = [-1e4, -50.0, 0.0, 50.0, 1e4]


def _apply_forward(name, s):
    """Return phi(s) from the registry's in-place forward."""
    out = np.empty_like(s)
    ACTIVATIONS[name].forward(s, out)
    return out


def _apply_derivative(name, s, delta=None):
    """Return delta * phi'(s) from the registry's in-place backprop."""
    h = _apply_forward(name, s)
    delta = np.ones_like(s) if delta is None else delta.copy()
    ACTIVATIONS[name].backprop(s, h, delta)
    return delta


def _grid_away_from_kinks():
    """Return float64 points in [-5, 5] at least KINK_MARGIN away from zero."""
    s = np.linspace(-5.0, 5.0, 41) + 0.0123
    s = np.concatenate([s, np.random.default_rng(0).normal(scale=2.0, size=40)])
    return s[np.abs(s) > KINK_MARGIN]


def test_trainable_activations_are_those_with_backprop():
    """TRAINABLE_ACTIVATIONS lists every registry entry with a backprop, in order."""
    expected = tuple(name for name, act in ACTIVATIONS.items() if act.backprop)
    assert TRAINABLE_ACTIVATIONS == expected


@pytest.mark.parametrize("name", TRAINABLE_ACTIVATIONS)
def test_activation_derivative_matches_finite_differences(name):
    """phi'(s) from backprop equals central finite differences of forward."""
    s = _grid_away_from_kinks()
    expected = (_apply_forward(name, s + FD_EPS) - _apply_forward(name, s - FD_EPS)) / (
        2 * FD_EPS
    )
    assert_allclose(_apply_derivative(name, s), expected, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("name", TRAINABLE_ACTIVATIONS)
def test_activation_backprop_multiplies_delta_elementwise(name):
    """backprop on an arbitrary delta gives delta times phi'(s) from a unit delta."""
    rng = np.random.default_rng(0)
    s = _grid_away_from_kinks()
    delta = rng.normal(size=s.shape)
    expected = delta * _apply_derivative(name, s)
    assert_allclose(_apply_derivative(name, s, delta), expected, rtol=1e-14, atol=0)


def _logistic_closed_form(s):
    """Return 1 / (1 + exp(-s))."""
    return 1.0 / (1.0 + np.exp(-s))


CLOSED_FORMS = {
    "identity": lambda s: s,
    "relu": lambda s: np.where(s > 0, s, 0.0),
    "leaky_relu": lambda s: np.where(s > 0, s, LEAKY_SLOPE * s),
    "logistic": _logistic_closed_form,
    "tanh": lambda s: 2.0 * _logistic_closed_form(2.0 * s) - 1.0,
    "elu": lambda s: np.where(s > 0, s, np.exp(s) - 1.0),
    "softplus": lambda s: np.log1p(np.exp(s)),
    "silu": lambda s: s * _logistic_closed_form(s),
    "gelu": lambda s: s * norm.cdf(s),
}


@pytest.mark.parametrize("name", TRAINABLE_ACTIVATIONS)
def test_activation_forward_matches_closed_form(name):
    """phi(s) from forward equals its closed form on moderate s."""
    s = np.linspace(-20.0, 20.0, 81)
    assert_allclose(
        _apply_forward(name, s), CLOSED_FORMS[name](s), rtol=1e-12, atol=1e-14
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_forward_is_finite_on_extreme_inputs(name, dtype):
    """forward gives finite values of the input dtype, without RuntimeWarning."""
    s = np.array(EXTREME_S, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = _apply_forward(name, s)
    assert h.dtype == dtype
    assert np.all(np.isfinite(h))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", TRAINABLE_ACTIVATIONS)
def test_activation_backprop_is_finite_on_extreme_inputs(name, dtype):
    """backprop gives finite values of the input dtype, without RuntimeWarning."""
    s = np.array(EXTREME_S, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        delta = _apply_derivative(name, s)
    assert delta.dtype == dtype
    assert np.all(np.isfinite(delta))


@pytest.mark.parametrize("name", TRAINABLE_ACTIVATIONS)
def test_activation_float32_forward_matches_float64(name):
    """forward in float32 equals forward in float64 rounded, on moderate s."""
    s = np.linspace(-8.0, 8.0, 33) + 0.01
    h32 = _apply_forward(name, s.astype(np.float32))
    h64 = _apply_forward(name, s)
    assert_allclose(h32, h64, rtol=1e-5, atol=1e-6)


def test_heaviside_forward_is_step_at_zero():
    """heaviside(s) is 1 for s >= 0 and 0 for s < 0, as in THEORY."""
    s = np.array([-3.0, -1e-12, 0.0, 1e-12, 2.5])
    assert_array_equal(_apply_forward("heaviside", s), [0.0, 0.0, 1.0, 1.0, 1.0])


def test_heaviside_is_not_trainable():
    """heaviside has no backprop and is left out of TRAINABLE_ACTIVATIONS."""
    heaviside = ACTIVATIONS["heaviside"]
    assert heaviside.backprop is None
    assert not heaviside.trainable
    assert "heaviside" not in TRAINABLE_ACTIVATIONS


# Sizes around the switch from a scalar operand to the constant block, and
# past one block, so that the chunked loop runs more than once.
BLOCK_SIZES = [
    _SCALAR_OPERAND_SIZE - 1,
    _SCALAR_OPERAND_SIZE,
    CONSTANT_BLOCK_SIZE + 3,
    2 * CONSTANT_BLOCK_SIZE + 11,
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", BLOCK_SIZES)
def test_relu_and_elu_match_closed_form_at_every_size(size, dtype):
    """max(0, s) and elu(s) agree with NumPy's own formulas on long arrays."""
    s = np.random.default_rng(size).normal(size=size).astype(dtype)
    assert_array_equal(_apply_forward("relu", s), np.maximum(s, 0))
    elu = np.where(s > 0, s, np.expm1(np.minimum(s, 0)))
    assert_array_equal(_apply_forward("elu", s), elu)


def test_relu_of_strided_and_matrix_views_matches_closed_form():
    """Non-contiguous views and 2-D arrays take the right values too."""
    s = np.random.default_rng(3).normal(size=(300, 2 * _SCALAR_OPERAND_SIZE // 100))
    for view in (s, s[:, ::2], s.T, s[::3]):
        out = np.full(view.shape, np.nan)
        ACTIVATIONS["relu"].forward(view, out)
        assert_array_equal(out, np.maximum(view, 0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_constant_vector_is_shared_read_only_and_exact(dtype):
    """The cached block holds the value in the dtype and refuses writes."""
    vector = constant_vector(0.5, dtype)
    assert vector.dtype == dtype and vector.shape == (CONSTANT_BLOCK_SIZE,)
    assert np.all(vector == dtype(0.5))
    assert constant_vector(0.5, dtype) is vector
    with pytest.raises(ValueError, match="read-only"):
        vector[0] = 1.0


def test_constant_vector_cannot_be_made_writeable():
    """The block lies over immutable memory: even the flag cannot be reset."""
    vector = constant_vector(0.0, np.float64)
    with pytest.raises(ValueError):
        vector.flags.writeable = True


def test_constant_vector_tells_negative_zero_from_zero():
    """-0.0 gets its own block, with the sign bit set."""
    negative = constant_vector(-0.0, np.float64)
    assert np.all(np.signbit(negative))
    assert not np.any(np.signbit(constant_vector(0.0, np.float64)))
