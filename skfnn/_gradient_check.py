"""Gradient verification: backprop against central finite differences."""

import numpy as np

from skfnn._losses import OUTPUT_LAYERS
from skfnn._network import Workspace, loss_and_gradient


def check_gradients(model, X, y, sample_weight=None, alpha=None, eps=1e-6):
    """Compare backprop gradients with central finite differences.

    Each parameter p gets the finite difference (J(p + eps) - J(p - eps)) /
    (2 eps) of the objective J, computed in float64. For each parameter
    array (every W^(k), w0^(k) and prelu slope vector) the relative error is
    ||g_backprop - g_fd|| / max(||g_backprop||, ||g_fd||, 1e-3 ||g||), where
    g is the whole backprop gradient: an array whose gradient is a tiny part
    of the whole is measured against that floor, not against rounding noise.
    The worst of them is returned.

    Parameters
    ----------
    model : Network, FNNClassifier or FNNRegressor
        A :class:`skfnn.network.Network` or a fitted estimator; the check
        runs at its current parameters and leaves them unchanged.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Inputs.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets: labels for a classifier, else as the output layer reads
        them.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the rows.
    alpha : float, default=None
        L2 strength; None takes the estimator's ``alpha`` (0 for a Network).
    eps : float, default=1e-6
        Step of the finite differences.

    Returns
    -------
    worst_relative_error : float
        Largest relative error over the parameter arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from skfnn import FNNRegressor
    >>> from skfnn.utils import check_gradients
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    >>> model = FNNRegressor(width=4, activation="tanh", max_iter=5).fit(X, y)
    >>> check_gradients(model, X, y) < 1e-6
    True
    """
    from skfnn.network import Network

    if isinstance(model, Network):
        network, targets = model, y
        alpha = 0.0 if alpha is None else alpha
    else:
        network = Network.from_estimator(model)
        targets = _encoded_targets(model, y)
        alpha = model.alpha if alpha is None else alpha
    network = _as_float64(network)
    X, Y, row_weights, l2 = network._training_arrays(X, targets, sample_weight, alpha)
    objective = _objective(network, X, Y, row_weights, l2)
    params = network._params
    backprop = np.empty_like(params)
    objective(params, backprop)
    finite = np.empty_like(params)
    scratch = np.empty_like(params)
    for i in range(params.size):
        original = params[i]
        params[i] = original + eps
        plus = objective(params, scratch)
        params[i] = original - eps
        minus = objective(params, scratch)
        params[i] = original
        finite[i] = (plus - minus) / (2 * eps)
    return _worst_relative_error(network._layout, backprop, finite)


def _encoded_targets(estimator, y):
    """Return y encoded as the estimator's output layer reads it."""
    y = np.asarray(y)
    Y, _, _ = estimator._validate_targets(
        y, None, first_call=False, incremental=True, dtype=np.float64
    )
    return Y


def _as_float64(network):
    """Return a float64 copy of a network, so that its parameters can move."""
    from skfnn.network import Network

    layout = network._layout
    weights, biases = layout.views(network._params)
    slopes = [a for a in layout.slopes(network._params) if a is not None]
    return Network(
        weights,
        biases,
        activation=network._names,
        loss=network.loss,
        output_activation=network.output_activation,
        negative_slope=network.negative_slope,
        prelu_slopes=slopes or None,
        dtype=np.float64,
    )


def _objective(network, X, Y, row_weights, l2):
    """Return J(params, grad): the objective, with its gradient in ``grad``."""
    layout = network._layout
    workspace = Workspace(layout, X.shape[0], np.float64)
    activations = network._activations()
    output_layer = OUTPUT_LAYERS[network.loss]

    def objective(params, grad):
        """Evaluate the objective at ``params`` (the network's own vector)."""
        return loss_and_gradient(
            params,
            grad,
            layout,
            activations,
            output_layer,
            X,
            Y,
            row_weights,
            l2,
            workspace,
        )

    return objective


def _worst_relative_error(layout, backprop, finite):
    """Return the largest per-array relative error between two gradients."""
    pairs = zip(
        [
            *layout.views(backprop)[0],
            *layout.views(backprop)[1],
            *layout.slopes(backprop),
        ],
        [*layout.views(finite)[0], *layout.views(finite)[1], *layout.slopes(finite)],
        strict=True,
    )
    floor = max(1e-3 * float(np.linalg.norm(backprop)), 1e-12)
    worst = 0.0
    for exact, approximate in pairs:
        if exact is None:
            continue
        scale = max(np.linalg.norm(exact), np.linalg.norm(approximate), floor)
        worst = max(worst, float(np.linalg.norm(exact - approximate) / scale))
    return worst
