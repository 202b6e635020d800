"""The pieces the training loop is made of: data, minibatches, stopping, L-BFGS.

:mod:`skfnn._base` drives training with these: a :class:`TrainingRun` holds
the state one call of ``fit`` works on, :class:`Gather` hands out
minibatches, :class:`StoppingRule` decides when the monitored loss has
stopped improving, and :func:`run_lbfgs` trains full-batch with SciPy.
"""

import numpy as np
import scipy.optimize
import scipy.sparse as sp

from skfnn._network import Workspace, loss_and_gradient, predict_pre_activation

DIVERGENCE_FACTOR = 1e4


class TrainingRun:
    """Everything one call of ``fit`` or ``partial_fit`` works on.

    The run holds copies of the fitted state, so that a call that fails
    leaves the estimator as it was; the estimator adopts the run's state only
    when training ends normally.
    """

    def __init__(self, layout, params, optimizer, schedule, streams, history):
        self.layout = layout
        self.params = params
        self.grad = np.empty_like(params)
        self.optimizer = optimizer
        self.schedule = schedule
        self.streams = streams
        self.history = history
        self.monitor = None


def new_history():
    """Return the empty training history of a freshly initialized network."""
    return {
        "loss_curve": [],
        "validation_loss_curve": [],
        "validation_scores": [],
        "learning_rates": [],
        "diagnostics": [],
        "t": 0,
        "best_loss": None,
        "best_epoch": None,
    }


class TrainingData:
    """Rows to train or validate on: inputs, encoded targets, weights.

    The inputs may be shared with a larger data set: with ``rows``, these
    data are the rows ``rows`` of ``X``, and ``X`` itself is not copied
    (an early-stopping split trains on most rows of the caller's X, which
    would otherwise be copied whole). Minibatches are gathered straight from
    the shared inputs; the ``X`` attribute copies the rows out only when
    something asks for it.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_inputs, n_features)
        Inputs; n_inputs = n_samples unless ``rows`` is given.
    Y : ndarray of shape (n_samples, n_outputs)
        Targets encoded for the output layer.
    sample_weight : ndarray of shape (n_samples,)
        Non-negative weights.
    stratify : ndarray of shape (n_samples,) or None
        Class codes for stratified splits.
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Targets as the user gave them, for scorers.
    rows : ndarray of shape (n_samples,) or None
        Which rows of ``X`` these data are; None for all of them.
    """

    def __init__(self, X, Y, sample_weight, stratify=None, y=None, rows=None):
        self.inputs = X
        self.rows = rows
        self.Y = Y
        self.sample_weight = sample_weight
        self.stratify = stratify
        self.y = y
        self._copied_rows = None

    @property
    def X(self):
        """Inputs of these rows, copied out of shared inputs on first use."""
        if self.rows is None:
            return self.inputs
        if self._copied_rows is None:
            self._copied_rows = self.inputs[self.rows]
        return self._copied_rows

    @property
    def n_samples(self):
        """Number of rows."""
        return self.Y.shape[0]

    def subset(self, rows, share_inputs=False):
        """Return the data of the given rows (positions in these data).

        With ``share_inputs``, the subset refers to these data's inputs
        instead of copying its rows of them.
        """
        if share_inputs:
            inputs, source_rows = self.inputs, rows
            if self.rows is not None:
                source_rows = self.rows[rows]
        else:
            inputs, source_rows = self.X[rows], None
        return TrainingData(
            inputs,
            self.Y[rows],
            self.sample_weight[rows],
            None if self.stratify is None else self.stratify[rows],
            None if self.y is None else self.y[rows],
            source_rows,
        )


class Gather:
    """Hand out minibatches, gathering shuffled rows into reused buffers.

    Call :meth:`start_epoch` with the epoch's order of the rows, then call
    the gather once per minibatch.
    """

    def __init__(self, data, batch_size):
        self.data = data
        self.n_samples = data.n_samples
        self.total_weight = float(data.sample_weight.sum())
        inputs = data.inputs
        self.dense = not sp.issparse(inputs)
        if self.dense:
            self.X_buffer = np.empty((batch_size, inputs.shape[1]), inputs.dtype)
        self.Y_buffer = np.empty((batch_size, data.Y.shape[1]), data.Y.dtype)
        self.w_buffer = np.empty(batch_size, data.sample_weight.dtype)
        # With equal weights, every minibatch has the same weight vector.
        weights = data.sample_weight
        self.equal_weights = weights.size > 0 and bool(np.all(weights == weights[0]))
        if self.equal_weights:
            self.w_buffer[...] = weights[0]
        self._normalized = {}
        self._positions = self._sources = None

    def start_epoch(self, order):
        """Set the order of the rows for the next minibatches (None: as stored)."""
        rows = self.data.rows
        if order is None and rows is not None:
            order = np.arange(self.n_samples)
        self._positions = order
        self._sources = order if rows is None or order is None else rows[order]

    def __call__(self, batch):
        """Return (X, Y, sample_weight) of one minibatch."""
        data = self.data
        if self._positions is None:
            X, Y = data.inputs[batch], data.Y[batch]
            m = X.shape[0]
            if self.equal_weights:
                return X, Y, self._equal_weights(m)
            return X, Y, data.sample_weight[batch]
        positions = self._positions[batch]
        sources = self._sources[batch]
        m = positions.shape[0]
        # The positions come from a permutation, so they are in range: mode
        # "clip" lets take write straight into the buffers, which the
        # default mode "raise" does through a temporary copy.
        if self.dense:
            X = np.take(
                data.inputs, sources, axis=0, out=self.X_buffer[:m], mode="clip"
            )
        else:
            X = data.inputs[sources]
        Y = np.take(data.Y, positions, axis=0, out=self.Y_buffer[:m], mode="clip")
        if self.equal_weights:
            return X, Y, self._equal_weights(m)
        weights = np.take(
            data.sample_weight, positions, out=self.w_buffer[:m], mode="clip"
        )
        return X, Y, weights

    def _equal_weights(self, m):
        """Return the weights of m rows when every row weighs the same."""
        return self.w_buffer[:m]

    def normalize(self, weights):
        """Return (sum of weights, weights divided by it) of one minibatch.

        With equal weights the result depends only on the number of rows and
        is computed once per minibatch size.
        """
        m = weights.shape[0]
        if self.equal_weights and m in self._normalized:
            return self._normalized[m]
        total = float(weights.sum())
        result = total, (weights / total if total > 0 else weights)
        if self.equal_weights:
            self._normalized[m] = result
        return result


class StoppingRule:
    """Stop when the monitored loss fails to improve by tol for a while.

    An epoch improves if its loss is below the best so far minus tol; after
    ``n_iter_no_change`` epochs in a row without improvement, ``update``
    returns True. With ``keep_best``, the parameters of the best epoch are
    kept for restoring.
    """

    def __init__(self, tol, n_iter_no_change, keep_best):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.keep_best = keep_best
        self.best = np.inf
        self.best_epoch = None
        self.best_params = None
        self.count = 0

    def update(self, loss, params, epoch):
        """Record an epoch's monitored loss; return True on a plateau."""
        if loss > self.best - self.tol:
            self.count += 1
        else:
            self.count = 0
        if loss < self.best:
            self.best = loss
            self.best_epoch = epoch
            if self.keep_best and self.best_params is None:
                self.best_params = params.copy()
            elif self.keep_best:
                self.best_params[...] = params
        return self.count >= self.n_iter_no_change

    def reset_count(self):
        """Start counting epochs without improvement afresh."""
        self.count = 0


def validation_loss(run, validation, activations, output_layer):
    """Return the weighted mean loss of the validation rows."""
    s_out = predict_pre_activation(validation.X, run.params, run.layout, activations)
    f = output_layer.activate(s_out)
    weights = validation.sample_weight
    total = float(weights.sum())
    if total <= 0:
        return float(np.mean(output_layer.sample_losses(s_out, validation.Y, f)))
    return output_layer.weighted_loss(s_out, validation.Y, f, weights) / total


def check_loss(loss, epoch, first_loss):
    """Stop with an error if the loss is not finite or has blown up.

    Parameters
    ----------
    loss : float
        Training objective of the epoch.
    epoch : int
        Epoch number, from 1.
    first_loss : float
        Objective of the first epoch of the network.
    """
    advice = (
        "Try a smaller learning_rate_init, scale the inputs (for example with "
        "StandardScaler in a Pipeline), a larger alpha, or clip_grad_norm."
    )
    if not np.isfinite(loss):
        raise FloatingPointError(
            f"The training loss became {loss} at epoch {epoch}. {advice}"
        )
    if loss > DIVERGENCE_FACTOR * max(first_loss, 1e-12):
        raise FloatingPointError(
            f"Training diverged: the loss grew from {first_loss:.4g} in the first "
            f"epoch to {loss:.4g} at epoch {epoch}. {advice}"
        )


def run_lbfgs(run, data, activations, output_layer, penalties, max_iter, tol):
    """Minimize the full-batch objective with SciPy's L-BFGS-B.

    Prelu slopes are kept in [0, 1] by bounds. The objective of each
    iteration is appended to the run's loss curve.

    Parameters
    ----------
    run : TrainingRun
        State to train; its parameters are updated in place.
    data : TrainingData
        All training rows.
    activations : list of Activation
        Hidden activations bound to ``run.params``.
    output_layer : OutputLayer
        Output activation and loss.
    penalties : dict
        ``l2`` and ``l1`` coefficients of the objective.
    max_iter : int
        Maximum number of L-BFGS iterations.
    tol : float
        Tolerance on the projected gradient (SciPy's ``gtol``).

    Returns
    -------
    n_iter : int
        Iterations run.
    """
    layout = run.layout
    n_samples = data.X.shape[0]
    workspace = Workspace(layout, n_samples, run.params.dtype)
    row_weights = data.sample_weight / data.sample_weight.sum()

    def objective(flat):
        """Return the objective and its gradient at ``flat`` (float64)."""
        run.params[...] = flat
        loss = loss_and_gradient(
            run.params,
            run.grad,
            layout,
            activations,
            output_layer,
            data.X,
            data.Y,
            row_weights,
            penalties["l2"],
            workspace,
            penalties["l1"],
        )
        return loss, run.grad.astype(np.float64)

    bounds = None
    if layout.n_slopes:
        free = [(None, None)] * (layout.n_params - layout.n_slopes)
        bounds = free + [(0.0, 1.0)] * layout.n_slopes
    losses = []
    result = scipy.optimize.minimize(
        objective,
        run.params.astype(np.float64),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": max_iter, "gtol": tol},
        callback=lambda intermediate_result: losses.append(intermediate_result.fun),
    )
    run.params[...] = result.x
    run.history["loss_curve"].extend(losses or [float(result.fun)])
    run.history["t"] += n_samples * max(result.nit, 1)
    return result.nit
