"""Tests of the L1 penalty, dropout and gradient clipping against independent values."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import ElasticNet, Lasso

from skfnn import FNNClassifier, FNNRegressor
from skfnn._activations import ACTIVATIONS
from skfnn._losses import OUTPUT_LAYERS
from skfnn._network import Layout, Workspace, draw_dropout_masks, loss_and_gradient
from skfnn.network import Network

FD_EPS = 1e-6
LAYER_SIZES = (3, 4, 2)
N_ROWS = 6


def _problem(seed=0):
    """Return params kept away from 0, X, Y and row weights of a tanh network."""
    rng = np.random.default_rng(seed)
    layout = Layout(LAYER_SIZES)
    magnitudes = rng.uniform(0.2, 1.0, size=layout.n_params)
    params = magnitudes * rng.choice([-1.0, 1.0], size=layout.n_params)
    X = rng.normal(size=(N_ROWS, LAYER_SIZES[0]))
    Y = rng.normal(size=(N_ROWS, LAYER_SIZES[-1]))
    weights = rng.uniform(0.5, 2.0, size=N_ROWS)
    return layout, params, X, Y, weights / weights.sum()


def _objective(params, l1=0.0, dropout=None, seed=0):
    """Return (objective, gradient) of loss_and_gradient on the test problem."""
    layout, _, X, Y, row_weights = _problem(seed)
    grad = np.empty_like(params)
    workspace = Workspace(layout, N_ROWS, np.float64, dropout=dropout is not None)
    value = loss_and_gradient(
        params,
        grad,
        layout,
        [ACTIVATIONS["tanh"]],
        OUTPUT_LAYERS["squared_error"],
        X,
        Y,
        row_weights,
        0.0,
        workspace,
        l1=l1,
        dropout=dropout,
    )
    return value, grad


def _central_differences(function, params):
    """Return (function(p + eps e_i) - function(p - eps e_i)) / (2 eps) per i."""
    gradient = np.empty_like(params)
    for i in range(params.size):
        step = np.zeros_like(params)
        step[i] = FD_EPS
        gradient[i] = (function(params + step) - function(params - step)) / (2 * FD_EPS)
    return gradient


def test_l1_objective_adds_l1_times_sum_of_absolute_weights():
    """Objective with l1 = data objective + l1 * sum |W| over weights, not biases."""
    layout, params, _, _, _ = _problem()
    data_term, _ = _objective(params)
    with_l1, _ = _objective(params, l1=0.3)
    n_weights = 3 * 4 + 4 * 2
    expected = data_term + 0.3 * np.abs(params[:n_weights]).sum()
    assert layout.n_weights == n_weights
    assert with_l1 == pytest.approx(expected, rel=1e-14)


def test_l1_gradient_matches_central_differences():
    """With every weight at |w| >= 0.2 the L1 objective's gradient is smooth there."""
    _, params, _, _, _ = _problem()
    _, grad = _objective(params, l1=0.3)
    expected = _central_differences(lambda p: _objective(p, l1=0.3)[0], params)
    assert_allclose(grad, expected, rtol=1e-6, atol=1e-8)


def _linear_data(n_samples=50, seed=0, coefs=(2.0, -3.0, 1.5)):
    """Return standardized-like X and a noisy linear target."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, len(coefs)))
    return X, X @ np.array(coefs) + 0.5 + 0.3 * rng.normal(size=n_samples)


def _lbfgs_atol(objective):
    """Return the accuracy L-BFGS-B's stopping rule allows at an objective J.

    SciPy's L-BFGS-B stops once an iteration lowers J by less than ftol =
    2.2e-9 of J; near the optimum J - J* ~ (1/2) d^T H d with the Hessian's
    eigenvalues ~ 1 for standard normal X, so a parameter error of about
    sqrt(2 * 2.2e-9 * J) is all it guarantees; the tolerance allows five times
    that.
    """
    return 5 * np.sqrt(2 * 2.2e-9 * objective)


def test_elastic_net_penalty_equals_sklearn_elastic_net():
    """depth=1, l1_ratio=0.5, alpha: ElasticNet(alpha / n, l1_ratio=0.5)."""
    X, y = _linear_data()
    n = len(y)
    fnn = FNNRegressor(
        solver="lbfgs",
        depth=1,
        alpha=5.0,
        l1_ratio=0.5,
        tol=1e-12,
        max_iter=2000,
        random_state=0,
    ).fit(X, y)
    reference = ElasticNet(alpha=5.0 / n, l1_ratio=0.5, tol=1e-14, max_iter=100_000)
    reference.fit(X, y)
    # no coefficient is 0 at the optimum, so the objective is smooth near it
    assert np.all(np.abs(reference.coef_) > 0.5)
    atol = _lbfgs_atol(fnn.loss_)
    assert_allclose(fnn.coefs_[0].ravel(), reference.coef_, rtol=0, atol=atol)
    assert_allclose(fnn.intercepts_[0], [reference.intercept_], rtol=0, atol=atol)


def test_pure_l1_penalty_equals_sklearn_lasso():
    """depth=1, l1_ratio=1, alpha: Lasso(alpha / n) when no coefficient is 0."""
    X, y = _linear_data(coefs=(2.0, -1.0, 0.7))
    n = len(y)
    fnn = FNNRegressor(
        solver="lbfgs",
        depth=1,
        alpha=10.0,
        l1_ratio=1.0,
        tol=1e-12,
        max_iter=2000,
        random_state=0,
    ).fit(X, y)
    reference = Lasso(alpha=10.0 / n, tol=1e-14, max_iter=100_000).fit(X, y)
    # |w| is smooth away from 0, so L-BFGS converges as on a smooth problem
    assert np.all(np.abs(reference.coef_) > 0.3)
    atol = _lbfgs_atol(fnn.loss_)
    assert_allclose(fnn.coefs_[0].ravel(), reference.coef_, rtol=0, atol=atol)
    assert_allclose(fnn.predict(X), reference.predict(X), rtol=0, atol=atol)


def test_dropout_masks_take_zero_or_inverse_keep_probability():
    """Mask entries are 0 or 1 / (1 - p), and both values occur."""
    masks = [np.empty((50, 8)), np.empty((50, 3))]
    draw_dropout_masks(masks, 0.25, np.random.default_rng(0))
    for mask in masks:
        assert set(np.unique(mask)) == {0.0, 1.0 / 0.75}


def test_dropout_masks_keep_fraction_close_to_one_minus_rate():
    """On 100000 units the kept fraction is 1 - p within 5 binomial standard errors."""
    rate, n_units = 0.3, 200 * 500
    masks = [np.empty((200, 500))]
    draw_dropout_masks(masks, rate, np.random.default_rng(1))
    kept = np.count_nonzero(masks[0]) / n_units
    standard_error = np.sqrt(rate * (1 - rate) / n_units)
    assert abs(kept - (1 - rate)) < 5 * standard_error
    # inverted dropout keeps E[mask] = 1
    assert abs(masks[0].mean() - 1.0) < 5 * standard_error / (1 - rate)


def test_dropout_masks_float32_stay_float32():
    """float32 buffers hold float32 masks with the float32 value of 1 / (1 - p)."""
    masks = [np.empty((20, 5), dtype=np.float32)]
    draw_dropout_masks(masks, 0.5, np.random.default_rng(2))
    assert masks[0].dtype == np.float32
    assert set(np.unique(masks[0])) == {np.float32(0.0), np.float32(2.0)}


def test_dropout_objective_matches_hand_forward_pass():
    """With masks m: sum_i r_i 1/2 ||(tanh(X W1 + b1) m) W2 + b2 - y||^2 by hand."""
    layout, params, X, Y, row_weights = _problem()
    value, _ = _objective(params, dropout=(0.4, np.random.default_rng(3)))
    masks = [np.empty((N_ROWS, 4))]
    draw_dropout_masks(masks, 0.4, np.random.default_rng(3))
    (w1, w2), (b1, b2) = layout.views(params)
    hidden = np.tanh(X @ w1 + b1) * masks[0]
    residual = hidden @ w2 + b2 - Y
    expected = float(row_weights @ (0.5 * (residual**2).sum(axis=1)))
    assert value == pytest.approx(expected, rel=1e-13)


def test_dropout_gradient_with_fixed_masks_matches_central_differences():
    """Drawing the masks from the same seed each call fixes them; then backprop = FD."""
    _, params, _, _, _ = _problem()

    def objective(p):
        """Return the objective with the masks of seed 4."""
        return _objective(p, dropout=(0.4, np.random.default_rng(4)))

    _, grad = objective(params)
    expected = _central_differences(lambda p: objective(p)[0], params)
    assert_allclose(grad, expected, rtol=1e-6, atol=1e-8)


def _classification_data(n_samples=60, seed=0):
    """Return a small X and binary labels."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 4))
    return X, (X[:, 0] - X[:, 1] + 0.5 * rng.normal(size=n_samples) > 0).astype(int)


def test_dropout_model_predicts_deterministically_without_masks():
    """A dropout-trained model predicts the same twice, as the unmasked network."""
    X, y = _classification_data()
    model = FNNClassifier(width=8, dropout=0.5, max_iter=20, random_state=0).fit(X, y)
    first = model.predict_proba(X)
    assert_array_equal(first, model.predict_proba(X))
    unmasked = Network.from_estimator(model).predict(X).ravel()
    assert_allclose(first[:, 1], unmasked, rtol=1e-12, atol=1e-15)


def test_dropout_does_not_change_initial_weights():
    """Dropout masks use their own stream: init is the same as without dropout."""
    X, y = _classification_data()
    common = dict(
        solver="sgd", learning_rate_init=1e-12, max_iter=1, width=8, random_state=0
    )
    plain = FNNClassifier(dropout=0.0, **common).fit(X, y)
    dropped = FNNClassifier(dropout=0.3, **common).fit(X, y)
    for a, b in zip(plain.coefs_, dropped.coefs_, strict=True):
        assert_allclose(a, b, rtol=0, atol=1e-9)


def test_dropout_changes_training():
    """Training with dropout=0.5 follows another path than without dropout."""
    X, y = _classification_data()
    common = dict(learning_rate_init=0.01, max_iter=3, width=8, random_state=0)
    plain = FNNClassifier(**common).fit(X, y)
    dropped = FNNClassifier(dropout=0.5, **common).fit(X, y)
    assert not np.allclose(plain.coefs_[0], dropped.coefs_[0], rtol=0, atol=1e-6)


# One full-batch step of plain gradient descent from the seed's initial weights.
ONE_STEP = dict(
    solver="sgd",
    momentum=0.0,
    batch_size=1000,
    max_iter=1,
    shuffle=False,
    width=5,
    activation="tanh",
    alpha=0.01,
    random_state=0,
)


def _initial_model_and_gradient(X, y):
    """Return the seed's initial network and its full-batch gradient (flat)."""
    # a step of 1e-300 leaves every nonzero parameter exactly where it was
    initial = FNNRegressor(learning_rate_init=1e-300, **ONE_STEP).fit(X, y)
    result = Network.from_estimator(initial).backward(X, y, alpha=initial.alpha)
    parts = [*result.weight_gradients, *result.bias_gradients]
    return initial, parts, np.sqrt(sum(float((g**2).sum()) for g in parts))


@pytest.mark.parametrize("clip_factor", [0.1, 10.0])
def test_clip_grad_norm_full_batch_step(clip_factor):
    """One SGD step moves by -eps * min(1, c / ||g||) * g, g at the initial weights."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = 5 * X @ np.array([1.0, -2.0, 3.0]) + rng.normal(size=30)
    initial, gradient, norm = _initial_model_and_gradient(X, y)
    clip = clip_factor * norm
    stepped = FNNRegressor(learning_rate_init=0.1, clip_grad_norm=clip, **ONE_STEP).fit(
        X, y
    )
    scale = min(1.0, clip / norm)
    before = [*initial.coefs_, *initial.intercepts_]
    after = [*stepped.coefs_, *stepped.intercepts_]
    for old, new, g in zip(before, after, gradient, strict=True):
        assert_allclose(new, old - 0.1 * scale * g, rtol=1e-10, atol=1e-12)


def test_clip_grad_norm_step_has_length_learning_rate_times_clip():
    """A clipped step moves the whole parameter vector by exactly eps * c."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 3))
    y = 5 * X @ np.array([1.0, -2.0, 3.0]) + rng.normal(size=30)
    initial, _, norm = _initial_model_and_gradient(X, y)
    assert norm > 1.0
    stepped = FNNRegressor(learning_rate_init=0.1, clip_grad_norm=0.5, **ONE_STEP).fit(
        X, y
    )
    moved = np.concatenate(
        [
            (new - old).ravel()
            for new, old in zip(
                [*stepped.coefs_, *stepped.intercepts_],
                [*initial.coefs_, *initial.intercepts_],
                strict=True,
            )
        ]
    )
    assert np.linalg.norm(moved) == pytest.approx(0.1 * 0.5, rel=1e-10)
