"""Training diagnostics: per-layer statistics of activations and gradients.

Glorot and Bengio (2010) diagnose training by watching, layer by layer, how
activations are spread, how many units saturate and how large the
back-propagated gradients are. A :class:`Monitor` records these once per
epoch when an estimator is fitted with ``monitor=True``; otherwise none of
this code runs.
"""

import numpy as np

from skfnn._network import Workspace, forward

MONITOR_ROWS = 1000
SATURATION_MARGIN = 0.01
SATURATING = {"logistic": (0.0, 1.0), "tanh": (-1.0, 1.0)}
RECTIFYING = ("relu", "prelu")


class Monitor:
    """Collect per-epoch, per-layer statistics during training.

    Activation statistics are computed on the first ``MONITOR_ROWS``
    training rows after each epoch, so that monitoring uses no randomness
    and changes no fitted weight.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, N_0)
        Training inputs.
    activation_names : list of str
        Hidden activation of each hidden layer.
    records : list of dict
        Where records go; earlier records (from a warm start) are kept.
    """

    def __init__(self, X, activation_names, records):
        self.X = X[:MONITOR_ROWS]
        self.activation_names = activation_names
        self.records = records
        self._norm_sums = None
        self._batches = 0

    def record_gradients(self, layout, grad):
        """Add the norm of each layer's weight gradient of one minibatch."""
        grad_weights, _ = layout.views(grad)
        norms = np.array([np.linalg.norm(g) for g in grad_weights])
        if self._norm_sums is None:
            self._norm_sums = np.zeros_like(norms)
        self._norm_sums += norms
        self._batches += 1

    def end_epoch(self, epoch, layout, params, activations):
        """Append one record per layer for the epoch that just ended."""
        weights, biases = layout.views(params)
        workspace = Workspace(layout, self.X.shape[0], params.dtype)
        pre_activations, hidden, _, _ = workspace.rows(self.X.shape[0])
        forward(self.X, weights, biases, activations, pre_activations, hidden)
        mean_norms = self._norm_sums / max(self._batches, 1)
        for k, norm in enumerate(mean_norms):
            record = {"epoch": epoch, "layer": k + 1, "gradient_norm": float(norm)}
            if k < len(hidden):
                record.update(_activation_stats(hidden[k], self.activation_names[k]))
            else:
                record.update(_activation_stats(None, "output"))
            self.records.append(record)
        self._norm_sums = None
        self._batches = 0


def _activation_stats(h, name):
    """Return mean, std, saturated and dead fractions of a layer's h^(k)."""
    stats = {
        "activation": name,
        "activation_mean": np.nan,
        "activation_std": np.nan,
        "saturated_fraction": np.nan,
        "dead_fraction": np.nan,
    }
    if h is None:
        return stats
    stats["activation_mean"] = float(h.mean())
    stats["activation_std"] = float(h.std())
    if name in SATURATING:
        low, high = SATURATING[name]
        margin = SATURATION_MARGIN * (high - low)
        saturated = (h <= low + margin) | (h >= high - margin)
        stats["saturated_fraction"] = float(saturated.mean())
    if name in RECTIFYING:
        # A unit is dead when no monitored row activates it.
        stats["dead_fraction"] = float(np.mean(np.all(h <= 0, axis=0)))
    return stats
