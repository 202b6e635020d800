"""A small public interface to the network core.

:class:`Network` holds given weights and biases and exposes the forward pass,
the backward pass (deltas and gradients) and the parameter count, with the
same code the estimators train with. It serves hand-set networks (such as
the Heaviside network that computes XOR), teaching, and gradient checks.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils import Bunch

from skfnn._activations import ACTIVATION_NAMES, ACTIVATIONS
from skfnn._losses import OUTPUT_LAYERS
from skfnn._network import (
    PRELU_INITIAL_SLOPE,
    Layout,
    Workspace,
    build_activations,
    forward,
    loss_and_gradient,
)

__all__ = ["Network"]


class Network:
    """A feedforward network with given parameters.

    Parameters
    ----------
    weights : list of array-like
        W^(k) for k = 1..L, each of shape (N_{k-1}, N_k): rows index the
        inputs of the layer, columns its units (the transpose of the
        N_k x N_{k-1} matrices of the formulas, as in ``coefs_``).
    biases : list of array-like
        w0^(k) for k = 1..L, each of shape (N_k,).
    activation : str or list of str, default='relu'
        Hidden activation phi, or one per hidden layer; any name the
        estimators accept, and 'heaviside'.
    loss : {'squared_error', 'binary_log_loss', 'log_loss', 'poisson', \
'gamma'} or None, default='squared_error'
        Output layer: the loss and its output activation (identity,
        logistic, softmax, exp, exp). None for a network that is only
        evaluated, with ``output_activation``.
    output_activation : str, default=None
        A hidden activation name applied to s^(L) instead of the loss's own
        output activation, e.g. 'heaviside' for a hand-set logic network.
        Such a network has no backward pass.
    negative_slope : float, default=0.01
        Slope of 'leaky_relu' for s < 0.
    prelu_slopes : list of array-like, default=None
        Slopes a^(k) of the 'prelu' hidden layers, in order; 0.25 for every
        unit when None.
    dtype : dtype, default=np.float64
        Floating point type of the parameters and computations.

    Attributes
    ----------
    layer_sizes : tuple of int
        (N_0, ..., N_L).
    depth : int
        Number of affine maps L (hidden layers + 1).
    n_params : int
        Number of parameters, sum_k (N_k N_{k-1} + N_k), plus prelu slopes.

    Examples
    --------
    The hand-set network phi(phi(x1 + x2 - 1/2) - phi(x1 + x2 - 3/2) - 1/2)
    with phi the Heaviside step computes XOR:

    >>> import numpy as np
    >>> from skfnn.network import Network
    >>> xor = Network(
    ...     weights=[[[1, 1], [1, 1]], [[1], [-1]]],
    ...     biases=[[-0.5, -1.5], [-0.5]],
    ...     activation="heaviside",
    ...     loss=None,
    ...     output_activation="heaviside",
    ... )
    >>> xor.predict(np.array([[0, 0], [0, 1], [1, 0], [1, 1]])).ravel()
    array([0., 1., 1., 0.])
    >>> xor.n_params
    9
    """

    def __init__(
        self,
        weights,
        biases,
        activation="relu",
        loss="squared_error",
        output_activation=None,
        negative_slope=0.01,
        prelu_slopes=None,
        dtype=np.float64,
    ):
        weights = [np.atleast_2d(np.asarray(w, dtype=dtype)) for w in weights]
        biases = [np.atleast_1d(np.asarray(b, dtype=dtype)) for b in biases]
        self.layer_sizes = _check_shapes(weights, biases)
        names = _activation_names(activation, len(self.layer_sizes) - 2)
        self.loss = _check_output(loss, output_activation)
        self.output_activation = output_activation
        self.negative_slope = negative_slope
        self._names = names
        self._layout = Layout(self.layer_sizes, [n == "prelu" for n in names])
        self._params = np.empty(self._layout.n_params, dtype=dtype)
        own_weights, own_biases = self._layout.views(self._params)
        for target, source in zip(
            own_weights + own_biases, weights + biases, strict=True
        ):
            target[...] = source
        self._set_slopes(prelu_slopes)

    @classmethod
    def from_estimator(cls, estimator):
        """Return the network of a fitted FNNClassifier or FNNRegressor.

        Parameters
        ----------
        estimator : FNNClassifier or FNNRegressor
            A fitted estimator.

        Returns
        -------
        network : Network
            A copy of its weights, biases, activations and output layer.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(estimator)
        slopes = getattr(estimator, "prelu_slopes_", None)
        return cls(
            estimator.coefs_,
            estimator.intercepts_,
            activation=list(estimator._activation_names),
            loss=estimator._output_name,
            negative_slope=estimator._negative_slope,
            prelu_slopes=None
            if slopes is None
            else [a for a in slopes if a is not None],
            dtype=estimator._params.dtype,
        )

    @property
    def depth(self):
        """Number of affine maps L."""
        return self._layout.depth

    @property
    def n_params(self):
        """Number of parameters."""
        return self._layout.n_params

    def forward(self, X):
        """Run the forward pass and keep every layer's s^(k) and h^(k).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, N_0)
            Inputs h^(0).

        Returns
        -------
        pre_activations : list of ndarray
            s^(k) for k = 1..L, each of shape (n_samples, N_k).
        activations : list of ndarray
            h^(k) for k = 0..L: the input, the hidden layers and the output
            f = out_act(s^(L)).
        """
        X = self._check_X(X)
        workspace = Workspace(self._layout, X.shape[0], self._params.dtype)
        pre_activations, hidden, _, _ = workspace.rows(X.shape[0])
        weights, biases = self._layout.views(self._params)
        s_out = forward(
            X, weights, biases, self._activations(), pre_activations, hidden
        )
        return pre_activations, [X, *hidden, self._output(s_out)]

    def predict(self, X):
        """Return the output f = out_act(s^(L)) for each row of X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, N_0)
            Inputs.

        Returns
        -------
        output : ndarray of shape (n_samples, N_L)
        """
        return self.forward(X)[1][-1]

    def backward(self, X, y, sample_weight=None, alpha=0.0):
        """Back-propagate the loss of (X, y); return deltas and gradients.

        The objective is sum_i w_i L_i / sum_i w_i + alpha / (2 sum_i w_i)
        ||W||^2, as the estimators minimize it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, N_0)
            Inputs.
        y : array-like of shape (n_samples,) or (n_samples, N_L)
            Targets as the output layer reads them: one-hot rows for
            'log_loss', 0/1 for 'binary_log_loss'.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights w_i; ones when None.
        alpha : float, default=0.0
            Strength of the L2 penalty on the weights.

        Returns
        -------
        result : sklearn.utils.Bunch
            ``loss`` (the objective), ``deltas`` (delta^(k), k = 1..L, of
            the weighted objective), ``weight_gradients``,
            ``bias_gradients`` and ``slope_gradients`` (None for layers that
            are not 'prelu').
        """
        if self.loss is None or self.output_activation is not None:
            raise ValueError(
                "This network has no loss to back-propagate: give it a loss and "
                "no output_activation."
            )
        X, Y, row_weights, l2 = self._training_arrays(X, y, sample_weight, alpha)
        grad = np.empty_like(self._params)
        workspace = Workspace(self._layout, X.shape[0], self._params.dtype)
        loss = loss_and_gradient(
            self._params,
            grad,
            self._layout,
            self._activations(),
            OUTPUT_LAYERS[self.loss],
            X,
            Y,
            row_weights,
            l2,
            workspace,
        )
        weight_gradients, bias_gradients = self._layout.views(grad)
        return Bunch(
            loss=loss,
            deltas=[d.copy() for d in workspace.deltas],
            weight_gradients=list(weight_gradients),
            bias_gradients=list(bias_gradients),
            slope_gradients=self._layout.slopes(grad),
        )

    def _training_arrays(self, X, y, sample_weight, alpha):
        """Return X, 2-D targets, normalized row weights and the L2 factor."""
        X = self._check_X(X)
        Y = np.asarray(y, dtype=self._params.dtype)
        if Y.ndim == 1:
            Y = Y[:, np.newaxis]
        if Y.shape != (X.shape[0], self.layer_sizes[-1]):
            raise ValueError(
                f"y has shape {Y.shape}; expected ({X.shape[0]}, "
                f"{self.layer_sizes[-1]}) for this network."
            )
        if sample_weight is None:
            sample_weight = np.ones(X.shape[0], dtype=self._params.dtype)
        sample_weight = np.asarray(sample_weight, dtype=self._params.dtype)
        total = float(sample_weight.sum())
        return X, Y, sample_weight / total, alpha / total

    def _check_X(self, X):
        """Return X as a 2-D array (or CSR matrix) of the network's dtype."""
        if sp.issparse(X):
            X = sp.csr_matrix(X, dtype=self._params.dtype)
        else:
            X = np.atleast_2d(np.asarray(X, dtype=self._params.dtype))
        if X.shape[1] != self.layer_sizes[0]:
            raise ValueError(
                f"X has {X.shape[1]} features; the network expects "
                f"{self.layer_sizes[0]}."
            )
        return X

    def _activations(self):
        """Return the hidden activations bound to this network's slopes."""
        return build_activations(
            self._names, self._layout, self._params, self.negative_slope
        )

    def _output(self, s_out):
        """Apply the output activation to s^(L)."""
        if self.output_activation is not None:
            out = np.empty_like(s_out)
            ACTIVATIONS[self.output_activation].forward(s_out, out)
            return out
        return OUTPUT_LAYERS[self.loss].activate(s_out)

    def _set_slopes(self, prelu_slopes):
        """Store given prelu slopes, or 0.25 for every unit."""
        views = [a for a in self._layout.slopes(self._params) if a is not None]
        if prelu_slopes is None:
            for view in views:
                view[...] = PRELU_INITIAL_SLOPE
            return
        if len(prelu_slopes) != len(views):
            raise ValueError(
                f"prelu_slopes has {len(prelu_slopes)} entries for "
                f"{len(views)} 'prelu' layers."
            )
        for view, slopes in zip(views, prelu_slopes, strict=True):
            view[...] = slopes


def _check_shapes(weights, biases):
    """Return the layer sizes of consistent weights and biases."""
    if len(weights) == 0 or len(weights) != len(biases):
        raise ValueError(
            f"Got {len(weights)} weight matrices and {len(biases)} bias vectors; "
            "a network needs one of each per layer, at least one layer."
        )
    sizes = [weights[0].shape[0]]
    for k, (weight, bias) in enumerate(zip(weights, biases, strict=True), start=1):
        if weight.ndim != 2 or weight.shape[0] != sizes[-1]:
            raise ValueError(
                f"W^({k}) has shape {weight.shape}; expected ({sizes[-1]}, N_{k})."
            )
        if bias.shape != (weight.shape[1],):
            raise ValueError(
                f"w0^({k}) has shape {bias.shape}; expected ({weight.shape[1]},)."
            )
        sizes.append(weight.shape[1])
    return tuple(sizes)


def _activation_names(activation, n_hidden):
    """Return one known activation name per hidden layer."""
    names = [activation] * n_hidden if isinstance(activation, str) else activation
    names = list(names)
    if len(names) != n_hidden or any(n not in ACTIVATION_NAMES for n in names):
        raise ValueError(
            f"activation={activation!r} must be one of {sorted(ACTIVATION_NAMES)} "
            f"or a list of {n_hidden} of them."
        )
    return names


def _check_output(loss, output_activation):
    """Check the output layer's settings and return the loss name."""
    if loss is not None and loss not in OUTPUT_LAYERS:
        raise ValueError(f"loss={loss!r} must be one of {sorted(OUTPUT_LAYERS)}.")
    if output_activation is not None and output_activation not in ACTIVATIONS:
        raise ValueError(
            f"output_activation={output_activation!r} must be one of "
            f"{sorted(ACTIVATIONS)}."
        )
    if loss is None and output_activation is None:
        raise ValueError("Give a loss, an output_activation, or both.")
    return loss
