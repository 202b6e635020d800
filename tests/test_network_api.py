"""Tests of the public Network class (skfnn/network.py)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, softmax

from skfnn import FNNClassifier, FNNRegressor
from skfnn.network import Network

FD_EPS = 1e-6
N_ROWS = 6


def _random_parameters(sizes, rng, scale=0.8):
    """Return weights of shape (N_{k-1}, N_k) and biases for layer sizes."""
    weights = [
        rng.normal(scale=scale, size=(n_in, n_out))
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
    ]
    biases = [rng.normal(scale=scale, size=n_out) for n_out in sizes[1:]]
    return weights, biases


def _targets(loss, rng, n_rows, n_outputs):
    """Return targets of shape (n_rows, n_outputs) as the output layer reads them."""
    if loss == "log_loss":
        return np.eye(n_outputs)[rng.integers(n_outputs, size=n_rows)]
    if loss == "binary_log_loss":
        return rng.integers(2, size=(n_rows, n_outputs)).astype(float)
    if loss == "poisson":
        return rng.integers(4, size=(n_rows, n_outputs)).astype(float)
    if loss == "gamma":
        return rng.uniform(0.3, 3.0, size=(n_rows, n_outputs))
    return rng.normal(size=(n_rows, n_outputs))


def test_network_forward_matches_numpy_hand_computation():
    """forward of a depth-3 logistic/leaky-relu/softmax net equals plain numpy."""
    rng = np.random.default_rng(0)
    sizes = (3, 4, 5, 3)
    weights, biases = _random_parameters(sizes, rng)
    network = Network(
        weights,
        biases,
        activation=["logistic", "leaky_relu"],
        loss="log_loss",
        negative_slope=0.2,
    )
    X = rng.normal(size=(N_ROWS, 3))
    s1 = X @ weights[0] + biases[0]
    h1 = 1.0 / (1.0 + np.exp(-s1))
    s2 = h1 @ weights[1] + biases[1]
    h2 = np.where(s2 > 0, s2, 0.2 * s2)
    s3 = h2 @ weights[2] + biases[2]
    f = np.exp(s3) / np.exp(s3).sum(axis=1, keepdims=True)
    pre_activations, activations = network.forward(X)
    for got, expected in zip(pre_activations, [s1, s2, s3], strict=True):
        assert_allclose(got, expected, rtol=1e-13, atol=1e-14)
    for got, expected in zip(activations, [X, h1, h2, f], strict=True):
        assert_allclose(got, expected, rtol=1e-13, atol=1e-14)


def test_network_forward_prelu_uses_given_slopes():
    """A prelu layer computes max(a s, s) with the per-unit slopes it was given."""
    rng = np.random.default_rng(1)
    weights, biases = _random_parameters((2, 3, 1), rng)
    slopes = np.array([0.0, 0.5, 1.0])
    network = Network(weights, biases, activation="prelu", prelu_slopes=[slopes])
    X = rng.normal(size=(N_ROWS, 2))
    s1 = X @ weights[0] + biases[0]
    expected = np.maximum(slopes * s1, s1) @ weights[1] + biases[1]
    assert_allclose(network.predict(X), expected, rtol=1e-13, atol=1e-14)


def test_network_prelu_slopes_default_to_one_quarter():
    """Without prelu_slopes, a prelu layer equals leaky relu with slope 0.25."""
    rng = np.random.default_rng(2)
    weights, biases = _random_parameters((3, 4, 2), rng)
    X = rng.normal(size=(N_ROWS, 3))
    prelu = Network(weights, biases, activation="prelu")
    leaky = Network(weights, biases, activation="leaky_relu", negative_slope=0.25)
    assert_allclose(prelu.predict(X), leaky.predict(X), rtol=1e-15, atol=0)


@pytest.mark.parametrize(
    "loss", ["squared_error", "binary_log_loss", "log_loss", "poisson", "gamma"]
)
def test_network_predict_is_last_forward_activation(loss):
    """predict returns forward's last activation, out_act(s^(L))."""
    rng = np.random.default_rng(3)
    weights, biases = _random_parameters((3, 4, 2), rng)
    network = Network(weights, biases, activation="tanh", loss=loss)
    X = rng.normal(size=(N_ROWS, 3))
    pre_activations, activations = network.forward(X)
    assert_array_equal(network.predict(X), activations[-1])
    links = {
        "squared_error": lambda s: s,
        "binary_log_loss": expit,
        "log_loss": lambda s: softmax(s, axis=1),
        "poisson": np.exp,
        "gamma": np.exp,
    }
    expected = links[loss](pre_activations[-1])
    assert_allclose(activations[-1], expected, rtol=1e-14, atol=0)


@pytest.mark.parametrize(
    "sizes", [(2, 1), (3, 4, 2), (5, 7, 3, 1), (4, 2, 2, 2, 6)], ids=str
)
def test_network_n_params_matches_formula(sizes):
    """n_params equals sum_k (N_k N_{k-1} + N_k) and depth counts affine maps."""
    weights, biases = _random_parameters(sizes, np.random.default_rng(0))
    network = Network(weights, biases, activation="relu")
    expected = sum(
        n_out * n_in + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
    )
    assert network.n_params == expected
    assert network.depth == len(sizes) - 1
    assert network.layer_sizes == sizes


def test_network_n_params_counts_prelu_slopes():
    """Each prelu hidden unit adds one learned slope to n_params."""
    sizes = (3, 5, 4, 2)
    weights, biases = _random_parameters(sizes, np.random.default_rng(0))
    network = Network(weights, biases, activation=["prelu", "tanh"])
    assert network.n_params == (3 * 5 + 5) + (5 * 4 + 4) + (4 * 2 + 2) + 5


def _xor_network():
    """Return THEORY's hand-set Heaviside network for XOR."""
    return Network(
        weights=[[[1.0, 1.0], [1.0, 1.0]], [[1.0], [-1.0]]],
        biases=[[-0.5, -1.5], [-0.5]],
        activation="heaviside",
        loss=None,
        output_activation="heaviside",
    )


def test_network_heaviside_xor_reproduces_xor():
    """phi(phi(x1 + x2 - 1/2) - phi(x1 + x2 - 3/2) - 1/2) is XOR on {0, 1}^2."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    _, activations = _xor_network().forward(X)
    # hidden units: "at least one input on" and "both inputs on"
    assert_array_equal(activations[1], [[0, 0], [1, 0], [1, 0], [1, 1]])
    assert_array_equal(activations[-1].ravel(), [0, 1, 1, 0])


def test_network_forward_only_refuses_backward():
    """A network with an output_activation has no backward pass: ValueError."""
    X = np.array([[0.0, 1.0]])
    with pytest.raises(ValueError, match="no loss to back-propagate"):
        _xor_network().backward(X, [[1.0]])


def _gradient_network(loss, prelu_slopes=None):
    """Return the depth-3 network whose gradients are checked, and its data."""
    rng = np.random.default_rng(4)
    sizes = (3, 4, 3, 2)
    weights, biases = _random_parameters(sizes, rng)
    X = rng.normal(size=(N_ROWS, 3))
    Y = _targets(loss, rng, N_ROWS, 2)
    sample_weight = rng.uniform(0.2, 3.0, size=N_ROWS)
    return weights, biases, prelu_slopes, X, Y, sample_weight


def _loss_at(loss, weights, biases, slopes, X, Y, sample_weight, alpha):
    """Return backward(...).loss of a network built from the given arrays."""
    network = Network(
        weights, biases, activation=["tanh", "prelu"], loss=loss, prelu_slopes=slopes
    )
    return network.backward(X, Y, sample_weight=sample_weight, alpha=alpha).loss


def _central_difference(arrays, index, evaluate):
    """Return (J(p + eps) - J(p - eps)) / (2 eps) for one entry of one array."""
    original = arrays[index[0]][index[1:]]
    arrays[index[0]][index[1:]] = original + FD_EPS
    plus = evaluate()
    arrays[index[0]][index[1:]] = original - FD_EPS
    minus = evaluate()
    arrays[index[0]][index[1:]] = original
    return (plus - minus) / (2 * FD_EPS)


def _finite_difference_gradients(arrays, evaluate):
    """Return central differences of evaluate() in every entry of each array."""
    gradients = []
    for k, array in enumerate(arrays):
        gradient = np.empty_like(array)
        for position in np.ndindex(array.shape):
            gradient[position] = _central_difference(arrays, (k, *position), evaluate)
        gradients.append(gradient)
    return gradients


@pytest.mark.parametrize(
    "loss", ["squared_error", "binary_log_loss", "log_loss", "poisson", "gamma"]
)
def test_network_backward_gradients_match_finite_differences(loss):
    """Weight, bias and prelu slope gradients equal central differences of loss."""
    slopes = [np.array([0.1, 0.4, 0.9])]
    weights, biases, slopes, X, Y, w = _gradient_network(loss, slopes)
    alpha = 0.7

    def evaluate():
        """Return the objective at the current entries of the arrays."""
        return _loss_at(loss, weights, biases, slopes, X, Y, w, alpha)

    network = Network(
        weights, biases, activation=["tanh", "prelu"], loss=loss, prelu_slopes=slopes
    )
    result = network.backward(X, Y, sample_weight=w, alpha=alpha)
    expected = _finite_difference_gradients([*weights, *biases, *slopes], evaluate)
    got = [
        *result.weight_gradients,
        *result.bias_gradients,
        *[g for g in result.slope_gradients if g is not None],
    ]
    for exact, approximate in zip(got, expected, strict=True):
        assert_allclose(exact, approximate, rtol=1e-6, atol=1e-8)


def test_network_backward_slope_gradients_none_for_other_layers():
    """slope_gradients has one entry per hidden layer, None where not prelu."""
    weights, biases, _, X, Y, _ = _gradient_network("squared_error")
    network = Network(weights, biases, activation=["tanh", "prelu"])
    slope_gradients = network.backward(X, Y).slope_gradients
    assert slope_gradients[0] is None
    assert slope_gradients[1].shape == (3,)


def test_network_backward_loss_matches_closed_form():
    """backward's loss is sum_i w_i L_i / sum w + alpha / (2 sum w) ||W||^2."""
    weights, biases, _, X, Y, w = _gradient_network("squared_error")
    network = Network(weights, biases, activation="tanh")
    f = network.predict(X)
    per_row = 0.5 * np.sum((f - Y) ** 2, axis=1)
    squared_norm = sum(np.sum(W**2) for W in weights)
    expected = (w @ per_row + 0.5 * 1.3 * squared_norm) / w.sum()
    loss = network.backward(X, Y, sample_weight=w, alpha=1.3).loss
    assert_allclose(loss, expected, rtol=1e-13, atol=0)


def test_network_output_delta_squared_error_closed_form():
    """delta^(L) for squared error equals (f - y) w_i / sum_i w_i."""
    weights, biases, _, X, Y, w = _gradient_network("squared_error")
    network = Network(weights, biases, activation="tanh")
    deltas = network.backward(X, Y, sample_weight=w).deltas
    expected = (network.predict(X) - Y) * (w / w.sum())[:, np.newaxis]
    assert_allclose(deltas[-1], expected, rtol=1e-13, atol=1e-15)


def test_network_output_delta_softmax_closed_form():
    """delta^(L) for softmax cross-entropy equals (softmax(s) - y) w_i / sum w."""
    weights, biases, _, X, Y, w = _gradient_network("log_loss")
    network = Network(weights, biases, activation="tanh", loss="log_loss")
    pre_activations, _ = network.forward(X)
    deltas = network.backward(X, Y, sample_weight=w).deltas
    probabilities = softmax(pre_activations[-1], axis=1)
    expected = (probabilities - Y) * (w / w.sum())[:, np.newaxis]
    assert_allclose(deltas[-1], expected, rtol=1e-13, atol=1e-15)


def test_network_hidden_deltas_follow_recursion():
    """delta^(k) = phi'(s^(k)) * (W^(k+1))^T delta^(k+1), tanh' = 1 - tanh^2."""
    weights, biases, _, X, Y, w = _gradient_network("squared_error")
    network = Network(weights, biases, activation="tanh")
    pre_activations, _ = network.forward(X)
    deltas = network.backward(X, Y, sample_weight=w).deltas
    for k in (1, 0):
        derivative = 1 - np.tanh(pre_activations[k]) ** 2
        expected = derivative * (deltas[k + 1] @ weights[k + 1].T)
        assert_allclose(deltas[k], expected, rtol=1e-13, atol=1e-15)


def test_network_gradients_are_deltas_times_inputs():
    """dL/dW^(k) = sum_i h_i^(k-1) delta_i^(k) and dL/dw0^(k) = sum_i delta_i^(k)."""
    weights, biases, _, X, Y, w = _gradient_network("squared_error")
    network = Network(weights, biases, activation="tanh")
    _, activations = network.forward(X)
    result = network.backward(X, Y, sample_weight=w)
    for k, delta in enumerate(result.deltas):
        assert_allclose(
            result.weight_gradients[k],
            activations[k].T @ delta,
            rtol=1e-13,
            atol=1e-15,
        )
        assert_allclose(
            result.bias_gradients[k], delta.sum(axis=0), rtol=1e-13, atol=1e-15
        )


def _fit_data(rng, n_rows=30):
    """Return a small X with a real and a three-class target."""
    X = rng.normal(size=(n_rows, 3))
    signal = X @ np.array([1.0, -1.0, 0.5])
    return X, signal, np.digitize(signal, [-0.5, 0.5])


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_network_from_estimator_reproduces_regressor_predict(loss):
    """Network.from_estimator(model).predict equals the regressor's predict."""
    X, signal, _ = _fit_data(np.random.default_rng(5))
    y = signal if loss == "squared_error" else np.exp(signal)
    model = FNNRegressor(
        loss=loss,
        hidden_layer_sizes=(4, 3),
        activation=["elu", "prelu"],
        max_iter=20,
        random_state=0,
    ).fit(X, y)
    network = Network.from_estimator(model)
    assert_allclose(network.predict(X).ravel(), model.predict(X), rtol=1e-13, atol=0)


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_network_from_estimator_reproduces_classifier_outputs(task):
    """from_estimator gives the classifier's decision_function and predict_proba."""
    X, signal, classes = _fit_data(np.random.default_rng(6))
    targets = {
        "binary": (signal > 0).astype(int),
        "multiclass": classes,
        "multilabel": np.column_stack([signal > 0, X[:, 0] > 0]).astype(int),
    }
    model = FNNClassifier(
        width=4,
        activation="leaky_relu",
        negative_slope=0.3,
        max_iter=20,
        random_state=0,
    ).fit(X, targets[task])
    pre_activations, activations = Network.from_estimator(model).forward(X)
    scores = pre_activations[-1].ravel() if task == "binary" else pre_activations[-1]
    assert_allclose(scores, model.decision_function(X), rtol=1e-13, atol=1e-15)
    proba = model.predict_proba(X)
    positive = proba[:, 1:] if task == "binary" else proba
    assert_allclose(activations[-1], positive, rtol=1e-13, atol=1e-15)


def test_network_from_estimator_is_a_copy():
    """Changing the network's source estimator afterwards leaves the network."""
    X, signal, _ = _fit_data(np.random.default_rng(7))
    model = FNNRegressor(width=3, max_iter=5, random_state=0).fit(X, signal)
    network = Network.from_estimator(model)
    before = network.predict(X)
    model.coefs_[0][...] = 0.0
    assert_array_equal(network.predict(X), before)


@pytest.mark.parametrize(
    "weights, biases, match",
    [
        ([np.ones((2, 3)), np.ones((3, 1))], [np.ones(3)], r"2 weight matrices"),
        ([np.ones((2, 3)), np.ones((4, 1))], [np.ones(3), np.ones(1)], r"W\^\(2\)"),
        ([np.ones((2, 3)), np.ones((3, 1))], [np.ones(2), np.ones(1)], r"w0\^\(1\)"),
        ([], [], r"at least one layer"),
    ],
    ids=["missing-bias", "weight-shape", "bias-shape", "empty"],
)
def test_network_inconsistent_shapes_raise(weights, biases, match):
    """Weights and biases that do not chain raise ValueError naming the layer."""
    with pytest.raises(ValueError, match=match):
        Network(weights, biases)


def test_network_wrong_feature_count_raises():
    """forward on X with the wrong number of columns raises ValueError."""
    weights, biases = _random_parameters((3, 2, 1), np.random.default_rng(0))
    network = Network(weights, biases)
    with pytest.raises(ValueError, match="X has 2 features; the network expects 3"):
        network.forward(np.ones((4, 2)))


def test_network_wrong_target_shape_raises():
    """backward with y of the wrong shape raises ValueError with both shapes."""
    weights, biases = _random_parameters((3, 2, 2), np.random.default_rng(0))
    network = Network(weights, biases)
    with pytest.raises(ValueError, match=r"y has shape \(4, 1\); expected \(4, 2\)"):
        network.backward(np.ones((4, 3)), np.ones(4))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"activation": ["relu"]}, r"or a list of 2 of them"),
        ({"activation": "sine"}, r"activation='sine' must be one of"),
        ({"loss": "hinge"}, r"loss='hinge' must be one of"),
        ({"loss": None}, r"Give a loss, an output_activation, or both"),
        ({"activation": "prelu", "prelu_slopes": [np.ones(4)]}, r"prelu_slopes has 1"),
    ],
    ids=["activation-count", "activation-name", "loss", "no-output", "slopes"],
)
def test_network_invalid_settings_raise(params, match):
    """Unknown names and miscounted lists raise ValueError saying what is wrong."""
    weights, biases = _random_parameters((3, 4, 4, 1), np.random.default_rng(0))
    with pytest.raises(ValueError, match=match):
        Network(weights, biases, **params)
