"""Tests of the update rules against hand computations."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skfnn._network import Layout
from skfnn._optimizers import SGD, Adam, make_optimizer

LEARNING_RATE = 0.1
MU = 0.9
START = [1.0, -2.0, 0.5]
GRADIENTS = [[0.3, -0.2, 1.0], [-0.1, 0.4, 2.0]]


def _run_two_steps(optimizer, dtype=np.float64):
    """Apply the two GRADIENTS from START and return the parameters."""
    params = np.array(START, dtype=dtype)
    for grad in GRADIENTS:
        optimizer.step(params, np.array(grad, dtype=dtype), LEARNING_RATE)
    return params


def test_sgd_without_momentum_matches_hand_computation():
    """Plain SGD: w <- w - eps g, applied twice to each entry."""
    expected = []
    for i, w in enumerate(START):
        for grad in GRADIENTS:
            w = w - LEARNING_RATE * grad[i]
        expected.append(w)
    optimizer = SGD(3, np.float64, momentum=0.0, nesterov=False)
    assert_allclose(_run_two_steps(optimizer), expected, rtol=1e-15, atol=1e-15)


def test_sgd_with_momentum_matches_hand_computation():
    """Momentum: v <- mu v - eps g, then w <- w + v, applied twice to each entry."""
    expected = []
    for i, w in enumerate(START):
        v = 0.0
        for grad in GRADIENTS:
            v = MU * v - LEARNING_RATE * grad[i]
            w = w + v
        expected.append(w)
    optimizer = SGD(3, np.float64, momentum=MU, nesterov=False)
    assert_allclose(_run_two_steps(optimizer), expected, rtol=1e-15, atol=1e-15)


def test_sgd_with_nesterov_matches_hand_computation():
    """Nesterov: v <- mu v - eps g, then w <- w + mu v - eps g, applied twice."""
    expected = []
    for i, w in enumerate(START):
        v = 0.0
        for grad in GRADIENTS:
            v = MU * v - LEARNING_RATE * grad[i]
            w = w + MU * v - LEARNING_RATE * grad[i]
        expected.append(w)
    optimizer = SGD(3, np.float64, momentum=MU, nesterov=True)
    assert_allclose(_run_two_steps(optimizer), expected, rtol=1e-15, atol=1e-15)


def test_adam_matches_hand_computation():
    """Adam's bias-corrected steps from Kingma & Ba, applied twice to each entry."""
    beta_1, beta_2, epsilon = 0.9, 0.999, 1e-8
    expected = []
    for i, w in enumerate(START):
        m = v = 0.0
        for t, grad in enumerate(GRADIENTS, start=1):
            g = grad[i]
            m = beta_1 * m + (1 - beta_1) * g
            v = beta_2 * v + (1 - beta_2) * g * g
            step_size = LEARNING_RATE * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
            w = w - step_size * m / (math.sqrt(v) + epsilon)
        expected.append(w)
    optimizer = Adam(3, np.float64, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)
    assert_allclose(_run_two_steps(optimizer), expected, rtol=1e-14, atol=1e-15)


def test_adam_moments_match_hand_computation():
    """first_moment and second_moment are Kingma & Ba's m and v after two steps."""
    beta_1, beta_2 = 0.8, 0.99
    gradients = np.array(GRADIENTS)
    m = beta_1 * (1 - beta_1) * gradients[0] + (1 - beta_1) * gradients[1]
    v = beta_2 * (1 - beta_2) * gradients[0] ** 2 + (1 - beta_2) * gradients[1] ** 2
    optimizer = Adam(3, np.float64, beta_1=beta_1, beta_2=beta_2)
    _run_two_steps(optimizer)
    assert_allclose(optimizer.first_moment, m, rtol=1e-14, atol=0)
    assert_allclose(optimizer.second_moment, v, rtol=1e-14, atol=0)


def test_adam_first_step_moves_each_entry_by_learning_rate():
    """Adam's first step is eps * sign(g) when epsilon is negligible."""
    optimizer = Adam(3, np.float64, epsilon=1e-12)
    params = np.array(START)
    optimizer.step(params, np.array(GRADIENTS[0]), LEARNING_RATE)
    expected = np.array(START) - LEARNING_RATE * np.sign(GRADIENTS[0])
    assert_allclose(params, expected, rtol=1e-9, atol=1e-9)


OPTIMIZER_FACTORIES = {
    "sgd": lambda dtype: SGD(3, dtype, momentum=0.0, nesterov=False),
    "momentum": lambda dtype: SGD(3, dtype, momentum=MU, nesterov=False),
    "nesterov": lambda dtype: SGD(3, dtype, momentum=MU, nesterov=True),
    "adam": lambda dtype: Adam(3, dtype),
}


@pytest.mark.parametrize("kind", list(OPTIMIZER_FACTORIES))
def test_optimizer_keeps_float32_params(kind):
    """float32 parameters stay float32, close to the float64 result, after steps."""
    params32 = _run_two_steps(OPTIMIZER_FACTORIES[kind](np.float32), np.float32)
    params64 = _run_two_steps(OPTIMIZER_FACTORIES[kind](np.float64))
    assert params32.dtype == np.float32
    assert_allclose(params32, params64, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind", list(OPTIMIZER_FACTORIES))
def test_optimizer_step_updates_params_in_place(kind):
    """step returns None and changes the caller's array itself."""
    optimizer = OPTIMIZER_FACTORIES[kind](np.float64)
    params = np.array(START)
    result = optimizer.step(params, np.array(GRADIENTS[0]), LEARNING_RATE)
    assert result is None
    assert not np.array_equal(params, START)


@pytest.mark.parametrize("kind", list(OPTIMIZER_FACTORIES))
def test_optimizer_leaves_gradient_unchanged(kind):
    """step does not modify the gradient array it is given."""
    optimizer = OPTIMIZER_FACTORIES[kind](np.float64)
    grad = np.array(GRADIENTS[0])
    optimizer.step(np.array(START), grad, LEARNING_RATE)
    assert_allclose(grad, GRADIENTS[0], rtol=0, atol=0)


MAKE_OPTIMIZER_SETTINGS = {
    "momentum": 0.5,
    "nesterovs_momentum": False,
    "beta_1": 0.8,
    "beta_2": 0.99,
    "epsilon": 1e-6,
}


def test_make_optimizer_builds_sgd_with_settings():
    """solver='sgd' gives SGD with the estimator's momentum settings and dtype."""
    optimizer = make_optimizer(
        "sgd", Layout((1, 2)), np.float32, MAKE_OPTIMIZER_SETTINGS
    )
    assert isinstance(optimizer, SGD)
    assert (optimizer.momentum, optimizer.nesterov) == (0.5, False)
    assert optimizer.velocity.dtype == np.float32


def test_make_optimizer_builds_adam_with_settings():
    """solver='adam' gives Adam with the estimator's beta and epsilon and dtype."""
    optimizer = make_optimizer(
        "adam", Layout((1, 2)), np.float32, MAKE_OPTIMIZER_SETTINGS
    )
    assert isinstance(optimizer, Adam)
    assert (optimizer.beta_1, optimizer.beta_2, optimizer.epsilon) == (0.8, 0.99, 1e-6)
    assert optimizer.first_moment.dtype == np.float32


def test_adam_restores_a_pickle_that_stored_m_and_v():
    """A state with first_moment and second_moment continues like the live one."""
    live = Adam(3, np.float64, beta_1=0.8, beta_2=0.99)
    params = np.array(START)
    live.step(params, np.array(GRADIENTS[0]), LEARNING_RATE)
    old_state = {
        key: value
        for key, value in live.__dict__.items()
        if key not in ("_first_sum", "_second_sum")
    }
    old_state |= {
        "first_moment": live.first_moment,
        "second_moment": live.second_moment,
    }
    restored = Adam.__new__(Adam)
    restored.__setstate__(old_state)
    continued, resumed = params.copy(), params.copy()
    live.step(continued, np.array(GRADIENTS[1]), LEARNING_RATE)
    restored.step(resumed, np.array(GRADIENTS[1]), LEARNING_RATE)
    assert_allclose(resumed, continued, rtol=1e-15, atol=0)


def test_adam_with_numpy_scalar_betas_stays_float32():
    """NumPy float64 betas, as a grid of np.linspace gives, keep float32 state."""
    optimizer = Adam(3, np.float32, beta_1=np.float64(0.9), beta_2=np.float64(0.99))
    _run_two_steps(optimizer, np.float32)
    assert optimizer.first_moment.dtype == np.float32
    assert optimizer.second_moment.dtype == np.float32


def test_adam_check_state_reports_an_overflowed_second_moment():
    """Gradients of 1e19 in float32: b = sum of g^2 passes 3.4e38 in 4 steps."""
    optimizer = Adam(2, np.float32)
    optimizer.check_state()
    params = np.zeros(2, np.float32)
    with np.errstate(over="ignore"):
        for _ in range(4):
            optimizer.step(params, np.full(2, 1e19, np.float32), LEARNING_RATE)
    with pytest.raises(FloatingPointError, match="second moment"):
        optimizer.check_state()
