"""Tests of AdamW, RMSProp, Adagrad and L-BFGS against hand and reference values."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge

from skfnn import FNNClassifier, FNNRegressor
from skfnn._network import Layout
from skfnn._optimizers import Adagrad, AdamW, RMSProp, make_optimizer
from skfnn.network import Network
from skfnn.utils import check_gradients

LEARNING_RATE = 0.05
# A flat vector whose first N_WEIGHTS entries are weights and the rest biases.
START = [0.8, -1.5, 0.3, 0.4, -0.2]
N_WEIGHTS = 3
GRADIENTS = [[0.5, -0.25, 2.0, 1.0, -0.5], [-0.3, 0.6, 1.5, -1.0, 0.25]]


def _run_two_steps(optimizer, dtype=np.float64):
    """Apply the two GRADIENTS from START and return the parameters."""
    params = np.array(START, dtype=dtype)
    for grad in GRADIENTS:
        optimizer.step(params, np.array(grad, dtype=dtype), LEARNING_RATE)
    return params


def test_adamw_two_steps_match_hand_computation():
    """AdamW: Adam's step, then weights (not biases) lose eps * lambda * W_old."""
    beta_1, beta_2, epsilon, decay = 0.9, 0.99, 1e-7, 0.3
    expected = []
    for i, w in enumerate(START):
        m = v = 0.0
        for t, grad in enumerate(GRADIENTS, start=1):
            g = grad[i]
            m = beta_1 * m + (1 - beta_1) * g
            v = beta_2 * v + (1 - beta_2) * g * g
            step_size = LEARNING_RATE * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
            adam_step = step_size * m / (math.sqrt(v) + epsilon)
            # the decay uses the weight before this step; biases are not decayed
            decay_step = LEARNING_RATE * decay * w if i < N_WEIGHTS else 0.0
            w = w - adam_step - decay_step
        expected.append(w)
    optimizer = AdamW(
        5, np.float64, N_WEIGHTS, decay, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon
    )
    assert_allclose(_run_two_steps(optimizer), expected, rtol=1e-14, atol=1e-15)


def test_adamw_without_decay_equals_adam_rule():
    """AdamW with weight_decay=0 leaves each weight where plain Adam would."""
    decayed = _run_two_steps(AdamW(5, np.float64, N_WEIGHTS, 0.3))
    undecayed = _run_two_steps(AdamW(5, np.float64, N_WEIGHTS, 0.0))
    # biases are untouched by the decay, so both runs agree on them exactly
    assert_allclose(decayed[N_WEIGHTS:], undecayed[N_WEIGHTS:], rtol=0, atol=0)
    assert np.all(decayed[:N_WEIGHTS] != undecayed[:N_WEIGHTS])


def test_rmsprop_two_steps_match_hand_computation():
    """RMSProp: v <- rho v + (1 - rho) g^2; w <- w - eps g / (sqrt(v) + epsilon)."""
    rho, epsilon = 0.8, 1e-6
    expected = []
    for i, w in enumerate(START):
        v = 0.0
        for grad in GRADIENTS:
            g = grad[i]
            v = rho * v + (1 - rho) * g * g
            w = w - LEARNING_RATE * g / (math.sqrt(v) + epsilon)
        expected.append(w)
    optimizer = RMSProp(5, np.float64, rho=rho, epsilon=epsilon)
    assert_allclose(_run_two_steps(optimizer), expected, rtol=1e-14, atol=1e-15)


def test_adagrad_two_steps_match_hand_computation():
    """Adagrad: G <- G + g^2; w <- w - eps g / (sqrt(G) + epsilon)."""
    epsilon = 1e-6
    expected = []
    for i, w in enumerate(START):
        total = 0.0
        for grad in GRADIENTS:
            g = grad[i]
            total = total + g * g
            w = w - LEARNING_RATE * g / (math.sqrt(total) + epsilon)
        expected.append(w)
    optimizer = Adagrad(5, np.float64, epsilon=epsilon)
    assert_allclose(_run_two_steps(optimizer), expected, rtol=1e-14, atol=1e-15)


def test_adagrad_first_step_is_learning_rate_times_sign():
    """Adagrad's first step is eps g / |g| = eps sign(g) when epsilon is tiny."""
    optimizer = Adagrad(5, np.float64, epsilon=1e-12)
    params = np.array(START)
    optimizer.step(params, np.array(GRADIENTS[0]), LEARNING_RATE)
    expected = np.array(START) - LEARNING_RATE * np.sign(GRADIENTS[0])
    assert_allclose(params, expected, rtol=1e-9, atol=1e-9)


FACTORIES = {
    "adamw": lambda dtype: AdamW(5, dtype, N_WEIGHTS, 0.3),
    "rmsprop": lambda dtype: RMSProp(5, dtype),
    "adagrad": lambda dtype: Adagrad(5, dtype),
}


@pytest.mark.parametrize("kind", list(FACTORIES))
def test_more_optimizers_keep_float32_params(kind):
    """float32 parameters stay float32, close to the float64 result, after steps."""
    params32 = _run_two_steps(FACTORIES[kind](np.float32), np.float32)
    params64 = _run_two_steps(FACTORIES[kind](np.float64))
    assert params32.dtype == np.float32
    assert_allclose(params32, params64, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind", list(FACTORIES))
def test_more_optimizers_state_has_params_dtype(kind):
    """Every state array of the optimizer has the dtype of the parameters."""
    optimizer = FACTORIES[kind](np.float32)
    state = [v for v in vars(optimizer).values() if isinstance(v, np.ndarray)]
    assert state
    assert all(array.dtype == np.float32 for array in state)


SETTINGS = {
    "momentum": 0.5,
    "nesterovs_momentum": False,
    "beta_1": 0.8,
    "beta_2": 0.95,
    "epsilon": 1e-5,
    "rho": 0.7,
    "alpha": 0.25,
    "l1_ratio": 0.2,
}


def test_make_optimizer_builds_adamw_with_alpha_as_decay():
    """solver='adamw' decays by the L2 share of alpha, alpha * (1 - l1_ratio)."""
    layout = Layout((3, 4, 2))
    optimizer = make_optimizer("adamw", layout, np.float32, SETTINGS)
    assert isinstance(optimizer, AdamW)
    assert optimizer.weight_decay == pytest.approx(0.25 * (1 - 0.2), rel=1e-15)
    assert optimizer.n_weights == 3 * 4 + 4 * 2
    assert (optimizer.beta_1, optimizer.beta_2, optimizer.epsilon) == (0.8, 0.95, 1e-5)
    assert optimizer.first_moment.shape == (layout.n_params,)
    assert optimizer.first_moment.dtype == np.float32


def test_make_optimizer_builds_rmsprop_with_settings():
    """solver='rmsprop' gets the estimator's rho and epsilon and the dtype."""
    optimizer = make_optimizer("rmsprop", Layout((3, 2)), np.float32, SETTINGS)
    assert isinstance(optimizer, RMSProp)
    assert (optimizer.rho, optimizer.epsilon) == (0.7, 1e-5)
    assert optimizer.mean_square.dtype == np.float32


def test_make_optimizer_builds_adagrad_with_settings():
    """solver='adagrad' gets the estimator's epsilon and the dtype."""
    optimizer = make_optimizer("adagrad", Layout((3, 2)), np.float64, SETTINGS)
    assert isinstance(optimizer, Adagrad)
    assert optimizer.epsilon == 1e-5
    assert optimizer.sum_square.shape == (3 * 2 + 2,)


def _regression_data(n_samples=40, n_outputs=2, seed=0):
    """Return a small X and a target of n_outputs noisy linear columns."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 3))
    coefs = rng.normal(size=(3, n_outputs))
    return X, X @ coefs + 0.3 * rng.normal(size=(n_samples, n_outputs))


def test_adamw_estimator_step_decays_weights_outside_gradient():
    """One full-batch AdamW step of the estimator: Adam on the data gradient, decay."""
    X, Y = _regression_data()
    y = Y[:, 0]
    common = dict(
        solver="adamw",
        depth=2,
        width=3,
        activation="tanh",
        alpha=0.5,
        batch_size=100,
        max_iter=1,
        shuffle=False,
        random_state=0,
    )
    # the initial state: a step of 1e-300 leaves every nonzero parameter as is
    initial = FNNRegressor(learning_rate_init=1e-300, **common).fit(X, y)
    stepped = FNNRegressor(learning_rate_init=0.01, **common).fit(X, y)
    # the gradient of the data term only: AdamW's alpha is not an L2 penalty
    gradient = Network.from_estimator(initial).backward(X, y, alpha=0.0)

    def first_adam_step(g):
        """Return Adam's first step: m = (1 - b1) g, v = (1 - b2) g^2, corrected."""
        m, v = 0.1 * g, 0.001 * g * g
        return 0.01 * math.sqrt(1 - 0.999) / (1 - 0.9) * m / (np.sqrt(v) + 1e-8)

    for k in range(2):
        w_old = initial.coefs_[k]
        expected = (
            w_old - first_adam_step(gradient.weight_gradients[k]) - 0.01 * 0.5 * w_old
        )
        assert_allclose(stepped.coefs_[k], expected, rtol=1e-10, atol=1e-12)
        # biases take the Adam step only
        expected = initial.intercepts_[k] - first_adam_step(gradient.bias_gradients[k])
        assert_allclose(stepped.intercepts_[k], expected, rtol=1e-10, atol=1e-12)


LBFGS = dict(solver="lbfgs", depth=1, tol=1e-12, max_iter=2000, random_state=0)


def _lbfgs_atol(objective):
    """Return the accuracy L-BFGS-B's stopping rule allows at an objective J.

    SciPy's L-BFGS-B also stops once an iteration lowers J by less than
    ftol = 2.2e-9 of J. Near the optimum J - J* ~ (1/2) d^T H d, and the
    Hessian's eigenvalues are ~ 1 for standard normal X, so a parameter error
    d of about sqrt(2 * 2.2e-9 * J) is all the stopping rule guarantees; the
    tolerance allows five times that.
    """
    return 5 * np.sqrt(2 * 2.2e-9 * objective)


def test_lbfgs_depth_one_two_outputs_equals_ridge_per_column():
    """L-BFGS on depth=1 with alpha minimizes each column's Ridge(alpha) objective."""
    X, Y = _regression_data()
    fnn = FNNRegressor(alpha=3.0, **LBFGS).fit(X, Y)
    atol = _lbfgs_atol(fnn.loss_)
    for column in range(2):
        ridge = Ridge(alpha=3.0).fit(X, Y[:, column])
        assert_allclose(fnn.coefs_[0][:, column], ridge.coef_, rtol=0, atol=atol)
        assert_allclose(fnn.intercepts_[0][column], ridge.intercept_, rtol=0, atol=atol)


def test_lbfgs_multi_output_loss_and_gradient_agree():
    """loss and gradient agree for multi-output regression (finite differences)."""
    X, Y = _regression_data(n_samples=20)
    model = FNNRegressor(
        solver="lbfgs", depth=2, width=4, activation="tanh", max_iter=30, random_state=0
    ).fit(X, Y)
    assert check_gradients(model, X, Y) < 1e-6


@pytest.mark.parametrize("n_classes", [2, 3])
def test_lbfgs_depth_one_classifier_equals_logistic_regression(n_classes):
    """L-BFGS on depth=1 with alpha=1 gives LogisticRegression(C=1)'s probabilities."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    score = X @ np.array([1.0, -1.0, 0.5]) + rng.normal(size=60)
    y = np.digitize(score, np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1]))
    fnn = FNNClassifier(alpha=1.0, **LBFGS).fit(X, y)
    reference = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(X, y)
    atol = _lbfgs_atol(fnn.loss_)
    assert_allclose(fnn.predict_proba(X), reference.predict_proba(X), rtol=0, atol=atol)


@pytest.mark.parametrize("estimator_class", [FNNClassifier, FNNRegressor])
def test_lbfgs_has_no_partial_fit(estimator_class):
    """With solver='lbfgs' the estimator has no partial_fit attribute."""
    assert not hasattr(estimator_class(solver="lbfgs"), "partial_fit")
    assert hasattr(estimator_class(solver="adam"), "partial_fit")


@pytest.mark.parametrize(
    "setting, match",
    [({"early_stopping": True}, "early_stopping"), ({"dropout": 0.2}, "dropout")],
)
def test_lbfgs_refuses_minibatch_settings(setting, match):
    """solver='lbfgs' with early_stopping or dropout raises a ValueError naming it."""
    X, Y = _regression_data()
    with pytest.raises(ValueError, match=f"{match}=.*lbfgs"):
        FNNRegressor(solver="lbfgs", **setting).fit(X, Y)


def test_lbfgs_max_iter_warns():
    """L-BFGS stopped by max_iter=2 warns with a ConvergenceWarning naming max_iter."""
    X, Y = _regression_data()
    model = FNNRegressor(solver="lbfgs", width=5, max_iter=2, random_state=0)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        model.fit(X, Y)
    assert model.n_iter_ == 2
