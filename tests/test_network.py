"""Tests of the network core: layout, forward pass, deltas and gradients."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from skfnn._activations import ACTIVATIONS, TRAINABLE_ACTIVATIONS
from skfnn._initializers import glorot_normal, he_uniform
from skfnn._losses import OUTPUT_LAYERS
from skfnn._network import (
    Layout,
    Workspace,
    forward,
    init_params,
    loss_and_gradient,
    matrix_product,
    predict_pre_activation,
)

FD_EPS = 1e-6
N_ROWS = 5
N_INPUTS = 3
WIDTH = 4
N_OUTPUTS = 3
KINKED_ACTIVATIONS = ("relu", "leaky_relu", "elu")
KINK_MARGIN = 1e-4


def _targets(output_name, rng, n_rows=N_ROWS, n_outputs=N_OUTPUTS):
    """Return targets of shape (n_rows, n_outputs) valid for an output layer."""
    if output_name == "log_loss":
        return np.eye(n_outputs)[rng.integers(n_outputs, size=n_rows)]
    if output_name == "binary_log_loss":
        return rng.integers(2, size=(n_rows, n_outputs)).astype(float)
    if output_name == "poisson":
        return rng.integers(4, size=(n_rows, n_outputs)).astype(float)
    if output_name == "gamma":
        return rng.uniform(0.2, 3.0, size=(n_rows, n_outputs))
    return rng.normal(size=(n_rows, n_outputs))


def _layer_sizes(depth):
    """Return (N_0, ..., N_L) for a net of `depth` affine maps of width WIDTH."""
    return (N_INPUTS, *[WIDTH] * (depth - 1), N_OUTPUTS)


def _problem(
    activation_name, output_name, depth, l2, weighted, layer_sizes=None, n_rows=N_ROWS
):
    """Return the arguments of loss_and_gradient for a small random problem.

    ``layer_sizes`` replaces the default (N_0, ..., N_L) of ``depth`` maps.
    """
    rng = np.random.default_rng(0)
    layer_sizes = _layer_sizes(depth) if layer_sizes is None else layer_sizes
    layout = Layout(layer_sizes)
    params = rng.normal(scale=0.8, size=layout.n_params)
    X = rng.normal(size=(n_rows, layer_sizes[0]))
    Y = _targets(output_name, rng, n_rows, layer_sizes[-1])
    sample_weight = rng.uniform(0.2, 2.0, size=n_rows) if weighted else np.ones(n_rows)
    return {
        "params": params,
        "layout": layout,
        "activations": [ACTIVATIONS[activation_name]] * (layout.depth - 1),
        "output_layer": OUTPUT_LAYERS[output_name],
        "X": X,
        "Y": Y,
        "row_weights": sample_weight / sample_weight.sum(),
        "l2": l2,
        "workspace": Workspace(layout, n_rows, np.float64),
    }


def _objective_and_gradient(problem, params=None):
    """Call loss_and_gradient on a problem, optionally at other params."""
    arguments = dict(problem)
    if params is not None:
        arguments["params"] = params
    grad = np.empty_like(arguments["params"])
    objective = loss_and_gradient(grad=grad, **arguments)
    return objective, grad


def _finite_difference_gradient(problem):
    """Return central finite differences of the objective in each parameter."""
    params = problem["params"]
    gradient = np.empty_like(params)
    for i in range(params.size):
        step = np.zeros_like(params)
        step[i] = FD_EPS
        plus, _ = _objective_and_gradient(problem, params + step)
        minus, _ = _objective_and_gradient(problem, params - step)
        gradient[i] = (plus - minus) / (2 * FD_EPS)
    return gradient


def _hidden_pre_activations(problem):
    """Return every hidden s^(k) of the problem's forward pass, concatenated."""
    layout = problem["layout"]
    workspace = Workspace(layout, N_ROWS, np.float64)
    pre_activations, hidden, _, _ = workspace.rows(N_ROWS)
    weights, biases = layout.views(problem["params"])
    forward(
        problem["X"], weights, biases, problem["activations"], pre_activations, hidden
    )
    return np.concatenate([np.zeros(0), *(s.ravel() for s in pre_activations[:-1])])


def gradient_relative_error(problem):
    """Return ||backprop - finite differences|| / ||finite differences||."""
    _, grad = _objective_and_gradient(problem)
    expected = _finite_difference_gradient(problem)
    return np.linalg.norm(grad - expected) / np.linalg.norm(expected)


@pytest.mark.parametrize(
    "layer_sizes", [(1, 1), (3, 2), (5, 4, 2), (2, 7, 3, 1), (4, 3, 3, 3, 6)]
)
def test_layout_n_params_matches_formula(layer_sizes):
    """n_params equals sum_k (N_k N_{k-1} + N_k), THEORY's count."""
    expected = sum(
        n_out * n_in + n_out
        for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True)
    )
    assert Layout(layer_sizes).n_params == expected


@pytest.mark.parametrize("layer_sizes", [(3, 2), (5, 4, 2), (2, 7, 3, 1)])
def test_layout_depth_counts_affine_maps(layer_sizes):
    """depth is the number of affine maps, len(layer_sizes) - 1."""
    assert Layout(layer_sizes).depth == len(layer_sizes) - 1


@pytest.mark.parametrize("layer_sizes", [(3, 2), (5, 4, 2), (2, 7, 3, 1)])
def test_layout_views_have_layer_shapes(layer_sizes):
    """Weight views have shape (N_{k-1}, N_k) and bias views (N_k,)."""
    layout = Layout(layer_sizes)
    weights, biases = layout.views(np.zeros(layout.n_params))
    pairs = list(zip(layer_sizes[:-1], layer_sizes[1:], strict=True))
    assert [w.shape for w in weights] == pairs
    assert [b.shape for b in biases] == [(n_out,) for _, n_out in pairs]


def test_layout_views_write_through_to_flat_vector():
    """Writing to weight and bias views changes the flat vector itself."""
    layout = Layout((2, 3, 1))
    flat = np.zeros(layout.n_params)
    weights, biases = layout.views(flat)
    weights[1][2, 0] = 7.0
    biases[0][1] = -3.0
    # weights first: W^(1) has 6 entries, W^(2) 3, then w0^(1) 3 and w0^(2) 1
    expected = np.zeros(layout.n_params)
    expected[6 + 2] = 7.0
    expected[9 + 1] = -3.0
    assert_array_equal(flat, expected)


def test_layout_views_follow_weights_first_c_order():
    """Views slice [W^(1), ..., W^(L), w0^(1), ..., w0^(L)] in C order."""
    layout = Layout((2, 3, 1))
    flat = np.arange(layout.n_params, dtype=float)
    weights, biases = layout.views(flat)
    assert_array_equal(weights[0], [[0, 1, 2], [3, 4, 5]])
    assert_array_equal(weights[1], [[6], [7], [8]])
    assert_array_equal(biases[0], [9, 10, 11])
    assert_array_equal(biases[1], [12])


@pytest.mark.parametrize("weighted", [False, True], ids=["uniform", "weighted"])
@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("depth", [1, 2, 4])
@pytest.mark.parametrize("output_name", list(OUTPUT_LAYERS))
@pytest.mark.parametrize("activation_name", TRAINABLE_ACTIVATIONS)
def test_loss_and_gradient_matches_finite_differences(
    activation_name, output_name, depth, l2, weighted
):
    """The backprop gradient equals central finite differences of the objective."""
    problem = _problem(activation_name, output_name, depth, l2, weighted)
    if activation_name in KINKED_ACTIVATIONS:
        # finite differences are only valid away from the kink at s = 0
        assert np.abs(_hidden_pre_activations(problem)).min(initial=1.0) > KINK_MARGIN
    assert gradient_relative_error(problem) < 1e-6


def test_loss_and_gradient_objective_matches_closed_form():
    """The objective of a depth-1 squared-error net is sum_i r_i L_i + l2/2 ||W||^2."""
    problem = _problem("identity", "squared_error", 1, 0.3, True)
    (weight,), (bias,) = problem["layout"].views(problem["params"])
    residual = problem["X"] @ weight + bias - problem["Y"]
    expected = 0.5 * problem["row_weights"] @ (residual**2).sum(axis=1)
    expected += 0.5 * 0.3 * (weight**2).sum()
    objective, _ = _objective_and_gradient(problem)
    assert_allclose(objective, expected, rtol=1e-13, atol=0)


def test_loss_and_gradient_penalizes_weights_not_biases():
    """The L2 term adds l2 * W to the weight gradient and nothing to biases."""
    penalized = _problem("tanh", "log_loss", 2, 0.3, False)
    plain = _problem("tanh", "log_loss", 2, 0.0, False)
    _, grad_penalized = _objective_and_gradient(penalized)
    _, grad_plain = _objective_and_gradient(plain)
    expected = grad_plain.copy()
    n_weights = plain["layout"].n_weights
    expected[:n_weights] += 0.3 * plain["params"][:n_weights]
    assert_allclose(grad_penalized, expected, rtol=1e-13, atol=1e-15)


def test_loss_and_gradient_overwrites_whole_gradient_buffer():
    """A gradient buffer full of NaN gives the same gradient as a fresh one."""
    problem = _problem("relu", "binary_log_loss", 3, 0.3, True)
    _, expected = _objective_and_gradient(problem)
    grad = np.full_like(problem["params"], np.nan)
    loss_and_gradient(grad=grad, **problem)
    assert_array_equal(grad, expected)


def test_loss_and_gradient_leaves_inputs_unchanged():
    """params, X, Y and row_weights are not modified by loss_and_gradient."""
    problem = _problem("gelu", "gamma", 3, 0.3, True)
    before = {key: problem[key].copy() for key in ("params", "X", "Y", "row_weights")}
    _objective_and_gradient(problem)
    for key, value in before.items():
        assert_array_equal(problem[key], value, err_msg=key)


def test_loss_and_gradient_larger_workspace_gives_same_result():
    """A workspace with spare rows gives the same objective and gradient."""
    problem = _problem("silu", "poisson", 3, 0.3, True)
    objective, grad = _objective_and_gradient(problem)
    roomy = {**problem, "workspace": Workspace(problem["layout"], 11, np.float64)}
    objective_roomy, grad_roomy = _objective_and_gradient(roomy)
    assert_allclose(objective_roomy, objective, rtol=1e-15, atol=0)
    assert_allclose(grad_roomy, grad, rtol=1e-15, atol=0)


def test_forward_matches_hand_computation():
    """forward on a depth-3 net equals h -> h @ W + w0 and phi written in numpy."""
    rng = np.random.default_rng(0)
    sizes = (3, 4, 5, 2)
    layout = Layout(sizes)
    params = rng.normal(size=layout.n_params)
    X = rng.normal(size=(N_ROWS, 3))
    # slice the flat vector by hand: W^(1), W^(2), W^(3), then w0^(1..3)
    w1 = params[0:12].reshape(3, 4)
    w2 = params[12:32].reshape(4, 5)
    w3 = params[32:42].reshape(5, 2)
    b1, b2, b3 = params[42:46], params[46:51], params[51:53]
    h1 = np.tanh(X @ w1 + b1)
    h2 = np.maximum(h1 @ w2 + b2, 0.0)
    expected = h2 @ w3 + b3
    pre_activations, hidden, _, _ = Workspace(layout, N_ROWS, np.float64).rows(N_ROWS)
    weights, biases = layout.views(params)
    activations = [ACTIVATIONS["tanh"], ACTIVATIONS["relu"]]
    s_out = forward(X, weights, biases, activations, pre_activations, hidden)
    assert_allclose(s_out, expected, rtol=1e-13, atol=1e-14)


def test_forward_keeps_hidden_activations():
    """forward stores h^(k) = phi(s^(k)) for each hidden layer."""
    problem = _problem("logistic", "squared_error", 3, 0.0, False)
    layout = problem["layout"]
    pre_activations, hidden, _, _ = Workspace(layout, N_ROWS, np.float64).rows(N_ROWS)
    weights, biases = layout.views(problem["params"])
    forward(
        problem["X"], weights, biases, problem["activations"], pre_activations, hidden
    )
    for s, h in zip(pre_activations[:-1], hidden, strict=True):
        assert_allclose(h, 1.0 / (1.0 + np.exp(-s)), rtol=1e-14, atol=0)


def _sparse_inputs(problem):
    """Return the problem with X made sparse (a third of it zero) and as CSR."""
    X = problem["X"].copy()
    X[np.random.default_rng(1).random(X.shape) < 0.35] = 0.0
    return {**problem, "X": X}, {**problem, "X": sp.csr_matrix(X)}


def test_loss_and_gradient_sparse_input_matches_dense():
    """A CSR X gives the same objective and gradient as the dense X."""
    dense, sparse = _sparse_inputs(_problem("tanh", "log_loss", 3, 0.3, True))
    objective_dense, grad_dense = _objective_and_gradient(dense)
    objective_sparse, grad_sparse = _objective_and_gradient(sparse)
    assert_allclose(objective_sparse, objective_dense, rtol=1e-13, atol=0)
    assert_allclose(grad_sparse, grad_dense, rtol=1e-12, atol=1e-14)


def test_loss_and_gradient_sparse_input_depth_one_matches_dense():
    """With no hidden layer, a CSR X still gives the dense gradient."""
    dense, sparse = _sparse_inputs(_problem("identity", "poisson", 1, 0.0, False))
    objective_dense, grad_dense = _objective_and_gradient(dense)
    objective_sparse, grad_sparse = _objective_and_gradient(sparse)
    assert_allclose(objective_sparse, objective_dense, rtol=1e-13, atol=0)
    assert_allclose(grad_sparse, grad_dense, rtol=1e-12, atol=1e-14)


def test_predict_pre_activation_in_chunks_matches_one_pass():
    """chunk_rows=2 on 5 rows (last chunk short) equals a single forward pass."""
    problem = _problem("elu", "squared_error", 3, 0.0, False)
    arguments = (
        problem["X"],
        problem["params"],
        problem["layout"],
        problem["activations"],
    )
    chunked = predict_pre_activation(*arguments, chunk_rows=2)
    single = predict_pre_activation(*arguments, chunk_rows=N_ROWS)
    assert_allclose(chunked, single, rtol=1e-15, atol=0)


def test_predict_pre_activation_matches_forward():
    """predict_pre_activation with default chunks returns forward's s^(L)."""
    problem = _problem("softplus", "squared_error", 3, 0.0, False)
    layout = problem["layout"]
    pre_activations, hidden, _, _ = Workspace(layout, N_ROWS, np.float64).rows(N_ROWS)
    weights, biases = layout.views(problem["params"])
    expected = forward(
        problem["X"], weights, biases, problem["activations"], pre_activations, hidden
    ).copy()
    s_out = predict_pre_activation(
        problem["X"], problem["params"], layout, problem["activations"]
    )
    assert_allclose(s_out, expected, rtol=1e-15, atol=0)


def test_predict_pre_activation_sparse_chunks_match_dense():
    """A CSR X in chunks of 2 rows gives the dense one-pass s^(L)."""
    dense, sparse = _sparse_inputs(_problem("tanh", "squared_error", 3, 0.0, False))
    expected = predict_pre_activation(
        dense["X"], dense["params"], dense["layout"], dense["activations"]
    )
    s_out = predict_pre_activation(
        sparse["X"],
        sparse["params"],
        sparse["layout"],
        sparse["activations"],
        chunk_rows=2,
    )
    assert_allclose(s_out, expected, rtol=1e-13, atol=1e-14)


def test_heaviside_network_computes_xor():
    """THEORY's net phi(phi(x1+x2-1/2) - phi(x1+x2-3/2) - 1/2) gives XOR."""
    layout = Layout((2, 2, 1))
    params = np.zeros(layout.n_params)
    weights, biases = layout.views(params)
    weights[0][...] = [[1.0, 1.0], [1.0, 1.0]]
    biases[0][...] = [-0.5, -1.5]
    weights[1][...] = [[1.0], [-1.0]]
    biases[1][...] = [-0.5]
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    heaviside = ACTIVATIONS["heaviside"]
    s_out = predict_pre_activation(X, params, layout, [heaviside])
    output = np.empty_like(s_out)
    heaviside.forward(s_out, output)
    assert_array_equal(output[:, 0], np.logical_xor(X[:, 0], X[:, 1]))


def test_init_params_draws_weights_in_layer_order_and_zero_biases():
    """init_params equals each initializer drawn in turn from the same generator."""
    layout = Layout((3, 4, 2))
    initializers = [he_uniform, glorot_normal]
    params = init_params(layout, initializers, np.random.default_rng(0), np.float64)
    rng = np.random.default_rng(0)
    expected_w1 = he_uniform(3, 4, rng)
    expected_w2 = glorot_normal(4, 2, rng)
    weights, biases = layout.views(params)
    assert_array_equal(weights[0], expected_w1)
    assert_array_equal(weights[1], expected_w2)
    assert_array_equal(np.concatenate(biases), np.zeros(6))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_init_params_has_requested_dtype(dtype):
    """init_params returns a flat vector of n_params entries of the given dtype."""
    layout = Layout((3, 4, 2))
    params = init_params(
        layout, [he_uniform, he_uniform], np.random.default_rng(0), dtype
    )
    assert params.dtype == dtype
    assert params.shape == (layout.n_params,)


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((5, 1), (1, 4)), ((1, 1), (1, 3)), ((5, 3), (3, 4)), ((1, 3), (3, 1))],
)
def test_matrix_product_matches_matmul(a_shape, b_shape):
    """Outer products (inner dimension 1) and ordinary ones equal a @ b."""
    rng = np.random.default_rng(1)
    a = rng.normal(size=a_shape)
    # b as a transposed view, as in the delta recursion's (W^(k))^T
    b = rng.normal(size=b_shape[::-1]).T
    out = np.full((a_shape[0], b_shape[1]), np.nan)
    matrix_product(a, b, out)
    assert_allclose(out, a @ b, rtol=1e-15, atol=0)


@pytest.mark.parametrize("n_rows", [1, 4])
@pytest.mark.parametrize("layer_sizes", [(1, 4, 1), (3, 1, 4, 1), (2, 3, 2)])
def test_loss_and_gradient_of_unit_sizes_matches_finite_differences(
    layer_sizes, n_rows
):
    """One input, one unit, one output or one row: backprop still equals FD."""
    problem = _problem(
        "tanh", "squared_error", None, 0.3, True, layer_sizes, n_rows=n_rows
    )
    assert gradient_relative_error(problem) < 1e-6


def test_bias_gradient_beyond_constant_block_matches_row_sum(monkeypatch):
    """Batches longer than the block of ones sum deltas row-wise: same gradient."""
    import skfnn._network as network

    problem = _problem("tanh", "log_loss", 3, 0.3, True)
    _, by_ones = _objective_and_gradient(problem)
    monkeypatch.setattr(network, "CONSTANT_BLOCK_SIZE", N_ROWS - 1)
    _, by_rows = _objective_and_gradient(problem)
    assert_allclose(by_rows, by_ones, rtol=1e-13, atol=1e-16)
