"""The network core: parameter layout, forward pass, deltas and gradients.

Weight layout, stated once: a network with ``layer_sizes`` (N_0, ..., N_L)
keeps all its parameters in one flat, contiguous vector, weights first, then
biases, then the learned slopes a^(k) of any prelu hidden layers::

    [W^(1), W^(2), ..., W^(L), w0^(1), w0^(2), ..., w0^(L), a^(k), ...]

Each W^(k) is stored as an array of shape (N_{k-1}, N_k) in C order, the
transpose of THEORY's N_k x N_{k-1}, so that a batch of rows h^(k-1) of shape
(m, N_{k-1}) maps to s^(k) = h^(k-1) @ W + w0 of shape (m, N_k). Per-layer
arrays are views into the flat vector, so an optimizer updates every
parameter with a few whole-vector operations, and the L2 penalty touches the
contiguous block of weights only.

This module uses NumPy and SciPy only.
"""

import numpy as np
import scipy.sparse as sp

from skfnn._activations import (
    CONSTANT_BLOCK_SIZE,
    LEAKY_SLOPE,
    constant_vector,
    make_activation,
)
from skfnn._initializers import draw_weights

PRELU_INITIAL_SLOPE = 0.25
PREDICT_CHUNK_NUMBERS = 1 << 18


class Layout:
    """Shapes and offsets of the parameters of a network in one flat vector.

    Parameters
    ----------
    layer_sizes : sequence of int
        (N_0, ..., N_L): inputs, hidden layers, outputs.
    prelu_layers : sequence of bool, default=()
        For each hidden layer k = 1..L-1, whether it has learned prelu slopes
        (one per unit); missing entries mean no.
    """

    def __init__(self, layer_sizes, prelu_layers=()):
        self.layer_sizes = tuple(int(n) for n in layer_sizes)
        hidden = self.layer_sizes[1:-1]
        flags = tuple(bool(f) for f in prelu_layers)
        self.prelu_layers = (flags + (False,) * len(hidden))[: len(hidden)]
        self.weight_shapes = list(
            zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True)
        )
        weight_counts = [fan_in * fan_out for fan_in, fan_out in self.weight_shapes]
        self.n_weights = sum(weight_counts)
        n_biases = sum(self.layer_sizes[1:])
        slope_counts = [n * f for n, f in zip(hidden, self.prelu_layers, strict=True)]
        self.n_slopes = sum(slope_counts)
        self.n_params = self.n_weights + n_biases + self.n_slopes
        self._weight_offsets = np.cumsum([0, *weight_counts])
        self._bias_offsets = self.n_weights + np.cumsum([0, *self.layer_sizes[1:]])
        self._slope_offsets = self.n_weights + n_biases + np.cumsum([0, *slope_counts])
        self._view_cache = {}

    @property
    def slope_slice(self):
        """Slice of the flat vector that holds the prelu slopes."""
        return slice(self.n_params - self.n_slopes, self.n_params)

    def slopes(self, flat):
        """Return, per hidden layer, a view of its prelu slopes, or None.

        Parameters
        ----------
        flat : ndarray of shape (n_params,)
            Parameters (or gradients) in the layout of this class.

        Returns
        -------
        slopes : list of ndarray or None
            L - 1 entries; a view of shape (N_k,) for prelu layers.
        """
        if not self.n_slopes:
            return [None] * len(self.prelu_layers)
        return [
            flat[start:stop] if has_slopes else None
            for start, stop, has_slopes in zip(
                self._slope_offsets[:-1],
                self._slope_offsets[1:],
                self.prelu_layers,
                strict=True,
            )
        ]

    @property
    def depth(self):
        """Number of affine maps L (hidden layers + 1)."""
        return len(self.layer_sizes) - 1

    def views(self, flat):
        """Split a flat vector into per-layer weight and bias views.

        The views of the last two vectors asked for are kept, so that a
        training loop asking again for the same vector gets them for free;
        callers must not change the lists.

        Parameters
        ----------
        flat : ndarray of shape (n_params,)
            Parameters (or gradients) in the layout of this class.

        Returns
        -------
        weights : list of ndarray
            L views of shape (N_{k-1}, N_k).
        biases : list of ndarray
            L views of shape (N_k,).
        """
        key = id(flat)
        cached = self._view_cache.get(key)
        if cached is not None and cached[0] is flat:
            return cached[1]
        weights = [
            flat[start:stop].reshape(shape)
            for start, stop, shape in zip(
                self._weight_offsets[:-1],
                self._weight_offsets[1:],
                self.weight_shapes,
                strict=True,
            )
        ]
        biases = [
            flat[start:stop]
            for start, stop in zip(
                self._bias_offsets[:-1], self._bias_offsets[1:], strict=True
            )
        ]
        if len(self._view_cache) >= 2:
            self._view_cache.pop(next(iter(self._view_cache)))
        self._view_cache[key] = (flat, (weights, biases))
        return weights, biases

    def __getstate__(self):
        """Return the state to pickle, without the cache of views."""
        state = dict(self.__dict__)
        state["_view_cache"] = {}
        return state


class Workspace:
    """Buffers for the forward and backward pass of minibatches of m rows.

    Allocated once per fit and reused by every minibatch; a smaller last batch
    uses the first rows of each buffer.

    Parameters
    ----------
    layout : Layout
        The network's layout.
    batch_size : int
        Largest number of rows in a minibatch.
    dtype : numpy dtype
        Floating point type of the network.
    dropout : bool, default=False
        Whether to hold dropout masks and the dropped-out activations.
    """

    def __init__(self, layout, batch_size, dtype, dropout=False):
        self.batch_size = batch_size
        sizes = layout.layer_sizes[1:]
        self.pre_activations = [np.empty((batch_size, n), dtype) for n in sizes]
        self.activations = [np.empty((batch_size, n), dtype) for n in sizes[:-1]]
        self.deltas = [np.empty((batch_size, n), dtype) for n in sizes]
        self.output = np.empty((batch_size, sizes[-1]), dtype)
        self.masks = None
        self.dropped = None
        self.scratch = np.empty(layout.n_weights, dtype)
        self._full = (self.pre_activations, self.activations, self.deltas, self.output)
        if dropout:
            self.masks = [np.empty((batch_size, n), dtype) for n in sizes[:-1]]
            self.dropped = [np.empty((batch_size, n), dtype) for n in sizes[:-1]]

    def rows(self, m):
        """Return (pre_activations, activations, deltas, output) for m rows."""
        if m == self.batch_size:
            return self._full
        return (
            [s[:m] for s in self.pre_activations],
            [h[:m] for h in self.activations],
            [d[:m] for d in self.deltas],
            self.output[:m],
        )

    def dropout_rows(self, m):
        """Return (masks, dropped) buffers for m rows, or (None, None)."""
        if self.masks is None:
            return None, None
        return [a[:m] for a in self.masks], [a[:m] for a in self.dropped]


def matrix_product(a, b, out):
    """Store the matrix product a @ b in ``out``.

    With an inner dimension of 1 (a single output unit, a single input, a
    single row) the product is an outer product, which BLAS computes two to
    three times slower than NumPy's broadcast multiplication.

    Parameters
    ----------
    a : ndarray of shape (p, q)
    b : ndarray of shape (q, r)
    out : ndarray of shape (p, r)
    """
    if a.shape[1] == 1:
        np.multiply(a, b, out=out)
    else:
        np.matmul(a, b, out=out)


def draw_dropout_masks(masks, rate, rng):
    """Fill ``masks`` with inverted-dropout masks: 0 or 1 / (1 - rate).

    Parameters
    ----------
    masks : list of ndarray
        One buffer of shape (m, N_k) per hidden layer.
    rate : float
        Probability that a unit is dropped, in [0, 1).
    rng : numpy.random.Generator
        The fit's dropout stream.
    """
    keep = 1.0 - rate
    for mask in masks:
        rng.random(out=mask, dtype=mask.dtype)
        # keep a unit with probability 1 - rate, scaled so E[mask] = 1
        np.less(mask, keep, out=mask, casting="unsafe")
        mask *= 1.0 / keep


def forward(
    X, weights, biases, activations, pre_activations, hidden, masks=None, dropped=None
):
    """Run the forward pass, keeping every s^(k) and h^(k).

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (m, N_0)
        h^(0), one row per example.
    weights, biases : list of ndarray
        W^(k) of shape (N_{k-1}, N_k) and w0^(k) of shape (N_k,), k = 1..L.
    activations : list of Activation
        phi of each hidden layer (L - 1 entries).
    pre_activations : list of ndarray
        Buffers for s^(k), k = 1..L, each of shape (m, N_k); filled here.
    hidden : list of ndarray
        Buffers for h^(k), k = 1..L-1, each of shape (m, N_k); filled here.
    masks : list of ndarray, default=None
        Inverted-dropout masks of the hidden layers; None for no dropout.
    dropped : list of ndarray, default=None
        Buffers for the masked activations h^(k) * mask^(k), which feed the
        next layer when ``masks`` is given.

    Returns
    -------
    output_pre_activation : ndarray of shape (m, N_L)
        s^(L); the output layer applies its own activation.
    """
    h = X
    for k, (weight, bias) in enumerate(zip(weights, biases, strict=True)):
        # s^(k) = W^(k) h^(k-1) + w0^(k), one row per example
        if k == 0 and sp.issparse(X):
            pre_activations[0][...] = X @ weight
        else:
            matrix_product(h, weight, pre_activations[k])
        pre_activations[k] += bias
        if k < len(activations):
            # h^(k) = phi(s^(k)) on hidden layers
            activations[k].forward(pre_activations[k], hidden[k])
            h = hidden[k]
            if masks is not None:
                # inverted dropout: the next layer sees h^(k) * mask^(k)
                np.multiply(hidden[k], masks[k], out=dropped[k])
                h = dropped[k]
    return pre_activations[-1]


def backward(
    X,
    weights,
    activations,
    pre_activations,
    hidden,
    deltas,
    grad_weights,
    grad_biases,
    grad_slopes=None,
    masks=None,
    dropped=None,
):
    """Back-propagate delta^(L) and store the gradients of every layer.

    ``deltas[-1]`` must hold delta^(L) = dL/ds^(L) on entry, already weighted
    so that its rows sum to the batch's loss gradient.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (m, N_0)
        h^(0) of the forward pass.
    weights : list of ndarray
        W^(k) of shape (N_{k-1}, N_k).
    activations : list of Activation
        phi of each hidden layer.
    pre_activations, hidden : list of ndarray
        s^(k) and h^(k) kept by :func:`forward`.
    deltas : list of ndarray
        Buffers for delta^(k), each of shape (m, N_k); the last is the input.
    grad_weights, grad_biases : list of ndarray
        Views that receive dL/dW^(k) and dL/dw0^(k).
    grad_slopes : list of ndarray or None, default=None
        Views that receive dL/da^(k) for prelu hidden layers.
    masks, dropped : list of ndarray, default=None
        The dropout masks and masked activations of the forward pass.
    """
    inputs = hidden if masks is None else dropped
    m = deltas[-1].shape[0]
    ones = None
    if m <= CONSTANT_BLOCK_SIZE:
        ones = constant_vector(1.0, deltas[-1].dtype)[:m]
    for k in range(len(weights) - 1, -1, -1):
        h_previous = X if k == 0 else inputs[k - 1]
        # dL/dW^(k) = delta^(k) (h^(k-1))^T, summed over the batch
        if k == 0 and sp.issparse(X):
            grad_weights[0][...] = X.T @ deltas[0]
        else:
            matrix_product(h_previous.T, deltas[k], grad_weights[k])
        # dL/dw0^(k) = delta^(k), summed over the batch (as 1^T delta^(k))
        if ones is None:
            np.add.reduce(deltas[k], axis=0, out=grad_biases[k])
        else:
            np.matmul(ones, deltas[k], out=grad_biases[k])
        if k > 0:
            # delta^(k-1) = phi'(s^(k-1)) * (W^(k))^T delta^(k)
            matrix_product(deltas[k], weights[k].T, deltas[k - 1])
            if masks is not None:
                # dL/dh^(k) passes only through the kept units
                deltas[k - 1] *= masks[k - 1]
            if activations[k - 1].slope_gradient is not None:
                # dL/da^(k) = sum over rows of dL/dh^(k) * min(s^(k), 0)
                activations[k - 1].slope_gradient(
                    pre_activations[k - 1], deltas[k - 1], grad_slopes[k - 1]
                )
            activations[k - 1].backprop(
                pre_activations[k - 1], hidden[k - 1], deltas[k - 1]
            )


def loss_and_gradient(
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
    l1=0.0,
    dropout=None,
):
    """Return the objective of one minibatch and store its gradient.

    The objective is sum_i r_i L_i + (l2 / 2) ||W||^2 + l1 ||W||_1, where r
    are the rows' weights (sample weights divided by their sum, so r sums to
    one) and W the weights without the biases.

    Parameters
    ----------
    params : ndarray of shape (n_params,)
        Flat parameters in the layout of :class:`Layout`.
    grad : ndarray of shape (n_params,)
        Receives the gradient of the objective with respect to ``params``.
    layout : Layout
        Shapes and offsets of the parameters.
    activations : list of Activation
        phi of each hidden layer.
    output_layer : OutputLayer
        Output activation and loss.
    X : {ndarray, sparse matrix} of shape (m, N_0)
        Inputs of the minibatch.
    Y : ndarray of shape (m, N_L)
        Targets, encoded as the output layer expects.
    row_weights : ndarray of shape (m,)
        r_i; the data term is sum_i r_i L_i.
    l2 : float
        Coefficient of the L2 penalty on the weights.
    workspace : Workspace
        Buffers with room for at least m rows.
    l1 : float, default=0.0
        Coefficient of the L1 penalty on the weights; its gradient is
        l1 sign(W) (zero at W = 0).
    dropout : tuple of (float, numpy.random.Generator), default=None
        Dropout rate and the generator of the masks; None for no dropout.
        The workspace must have been made with ``dropout=True``.

    Returns
    -------
    objective : float
        Value of the objective at ``params``.
    """
    m = X.shape[0]
    weights, biases = layout.views(params)
    grad_weights, grad_biases = layout.views(grad)
    pre_activations, hidden, deltas, output = workspace.rows(m)
    masks, dropped = None, None
    if dropout is not None:
        masks, dropped = workspace.dropout_rows(m)
        draw_dropout_masks(masks, *dropout)
    s_out = forward(
        X, weights, biases, activations, pre_activations, hidden, masks, dropped
    )
    f = output_layer.activate(s_out, out=output)
    objective = output_layer.weighted_loss(s_out, Y, f, row_weights)
    # delta^(L) = r_i dL_i/ds^(L)
    output_layer.delta(s_out, Y, f, out=deltas[-1])
    deltas[-1] *= row_weights[:, np.newaxis]
    backward(
        X,
        weights,
        activations,
        pre_activations,
        hidden,
        deltas,
        grad_weights,
        grad_biases,
        layout.slopes(grad),
        masks,
        dropped,
    )
    flat_weights = params[: layout.n_weights]
    if l2 > 0:
        # (l2 / 2) ||W||^2, gradient l2 W
        objective += 0.5 * l2 * float(np.dot(flat_weights, flat_weights))
        np.multiply(flat_weights, l2, out=workspace.scratch)
        grad[: layout.n_weights] += workspace.scratch
    if l1 > 0:
        # l1 ||W||_1, subgradient l1 sign(W) (zero at W = 0)
        objective += l1 * float(np.abs(flat_weights).sum())
        np.sign(flat_weights, out=workspace.scratch)
        workspace.scratch *= l1
        grad[: layout.n_weights] += workspace.scratch
    return objective


def predict_pre_activation(X, params, layout, activations, chunk_rows=None):
    """Return s^(L) for every row of X, in chunks to bound memory.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, N_0)
        Inputs, of the network's dtype.
    params : ndarray of shape (n_params,)
        Flat parameters.
    layout : Layout
        Shapes and offsets of the parameters.
    activations : list of Activation
        phi of each hidden layer.
    chunk_rows : int, default=None
        Rows per forward pass. By default the widest layer of a chunk holds
        about 2^18 numbers, so that a chunk's s^(k) and h^(k) stay in cache
        between one layer's matrix product and the next.

    Returns
    -------
    s_out : ndarray of shape (n_samples, N_L)
    """
    n_samples = X.shape[0]
    if chunk_rows is None:
        chunk_rows = max(1, PREDICT_CHUNK_NUMBERS // max(layout.layer_sizes[1:]))
    rows = max(1, min(chunk_rows, n_samples))
    dtype = params.dtype
    weights, biases = layout.views(params)
    s_out = np.empty((n_samples, layout.layer_sizes[-1]), dtype=dtype)
    hidden_sizes = layout.layer_sizes[1:-1]
    pre_activations = [np.empty((rows, n), dtype) for n in hidden_sizes]
    hidden = [np.empty((rows, n), dtype) for n in hidden_sizes]
    for start in range(0, n_samples, rows):
        stop = min(start + rows, n_samples)
        m = stop - start
        # the output layer's s^(L) goes straight into the result
        chunk_pre = [s[:m] for s in pre_activations] + [s_out[start:stop]]
        forward(
            X[start:stop],
            weights,
            biases,
            activations,
            chunk_pre,
            [h[:m] for h in hidden],
        )
    return s_out


def init_params(layout, initializers, rng, dtype):
    """Draw the initial flat parameters: random weights, zero biases, a = 0.25.

    Parameters
    ----------
    layout : Layout
        Shapes and offsets of the parameters.
    initializers : list of callable
        One ``init(fan_in, fan_out, rng)`` per layer k = 1..L.
    rng : numpy.random.Generator
        The fit's initialization stream.
    dtype : numpy dtype
        Floating point type of the parameters.

    Returns
    -------
    params : ndarray of shape (n_params,)
        Random weights, zero biases, prelu slopes at 0.25.
    """
    params = np.zeros(layout.n_params, dtype=dtype)
    weights, _ = layout.views(params)
    for weight, initializer in zip(weights, initializers, strict=True):
        fan_in, fan_out = weight.shape
        weight[...] = draw_weights(initializer, fan_in, fan_out, rng, dtype)
    params[layout.slope_slice] = PRELU_INITIAL_SLOPE
    return params


def build_activations(names, layout, params, negative_slope=LEAKY_SLOPE):
    """Return the hidden activations, prelu ones bound to ``params``' slopes.

    Parameters
    ----------
    names : list of str
        One activation name per hidden layer.
    layout : Layout
        Shapes and offsets of the parameters.
    params : ndarray of shape (n_params,)
        Flat parameters whose slopes the prelu layers read.
    negative_slope : float, default=0.01
        Slope of 'leaky_relu' for s < 0.

    Returns
    -------
    activations : list of Activation
    """
    return [
        make_activation(name, negative_slope, slopes)
        for name, slopes in zip(names, layout.slopes(params), strict=True)
    ]
