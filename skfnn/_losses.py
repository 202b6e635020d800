"""Output layers: an output activation paired with its loss.

For an output layer the network's last pre-activation s = s^(L) has one column
per output. Each output layer defines, per sample i,

- the output activation f = out_act(s) used by ``predict``;
- the loss L_i(s, y), summed over the output columns;
- delta_i = dL_i/ds, the start of the delta recursion.

Every pairing here is canonical except the Gamma deviance with a log link, so
that delta is the prediction minus the target. Losses are computed from s,
not from f, which keeps them finite where f rounds to 0 or 1.
"""

import numpy as np
from scipy.special import expit, log_softmax, xlogy

_MIN_PROBABILITY = 1e-7


def _weighted_mean(y, sample_weight):
    """Return the sample-weighted mean of each column of y."""
    return sample_weight @ y / sample_weight.sum()


class OutputLayer:
    """Base class of output layers: activation, loss and delta^(L).

    Subclasses set ``name`` and ``out_activation`` and implement
    ``activate``, ``sample_losses`` and ``delta``.
    """

    name = ""
    out_activation = ""

    def activate(self, s, out=None):
        """Return the output activation f = out_act(s)."""
        raise NotImplementedError

    def sample_losses(self, s, y, f):
        """Return L_i for each row, summed over the output columns."""
        raise NotImplementedError

    def delta(self, s, y, f, out):
        """Store delta_i = dL_i/ds in ``out`` (unweighted)."""
        np.subtract(f, y, out=out)

    def weighted_loss(self, s, y, f, sample_weight):
        """Return sum_i w_i L_i, the loss of a batch weighted by w."""
        losses = self.sample_losses(s, y, f)
        return float(np.dot(sample_weight, losses))

    def constant_pre_activation(self, y, sample_weight):
        """Return the s of the best constant model: link(weighted mean of y).

        The output bias starts here, so that an untrained network predicts
        what a model without inputs would.
        """
        return self.link(_weighted_mean(y, sample_weight))

    def link(self, mean):
        """Return the s whose output activation is ``mean``."""
        raise NotImplementedError


class SquaredError(OutputLayer):
    """Identity output with the loss L = 1/2 sum_j (s_j - y_j)^2."""

    name = "squared_error"
    out_activation = "identity"

    def activate(self, s, out=None):
        """Return f = s."""
        if out is None:
            return s.copy()
        np.copyto(out, s)
        return out

    def link(self, mean):
        """Return s = mean (identity link)."""
        return mean

    def sample_losses(self, s, y, f):
        """Return 1/2 sum_j (s_j - y_j)^2 per row."""
        residual = s - y
        return 0.5 * np.einsum("ij,ij->i", residual, residual)


class BinaryLogLoss(OutputLayer):
    """Logistic outputs with binary cross-entropy, one column per label.

    Serves binary classification (one column) and multilabel classification
    (independent columns): L = sum_j log(1 + exp(s_j)) - y_j s_j.
    """

    name = "binary_log_loss"
    out_activation = "logistic"

    def activate(self, s, out=None):
        """Return f = sigma(s)."""
        return expit(s, out=out)

    def link(self, mean):
        """Return s = logit(mean), the mean kept away from 0 and 1."""
        clipped = np.clip(mean, _MIN_PROBABILITY, 1 - _MIN_PROBABILITY)
        return np.log(clipped) - np.log1p(-clipped)

    def sample_losses(self, s, y, f):
        """Return sum_j log(1 + exp(s_j)) - y_j s_j per row, stably."""
        return np.add.reduce(np.logaddexp(0, s) - y * s, axis=1)


class CategoricalLogLoss(OutputLayer):
    """Softmax outputs with cross-entropy: L = logsumexp(s) - sum_j y_j s_j."""

    name = "log_loss"
    out_activation = "softmax"

    def activate(self, s, out=None):
        """Return f = softmax(s), computed after subtracting the row maximum."""
        out = np.subtract(s, s.max(axis=1, keepdims=True), out=out)
        np.exp(out, out=out)
        out /= out.sum(axis=1, keepdims=True)
        return out

    def link(self, mean):
        """Return s = log(mean), centred; softmax(s) gives back the mean."""
        log_mean = np.log(np.clip(mean, _MIN_PROBABILITY, None))
        return log_mean - log_mean.mean()

    def sample_losses(self, s, y, f):
        """Return logsumexp(s) - sum_j y_j s_j per row."""
        row_max = s.max(axis=1)
        # log sum_j exp(s_j), shifted by the row maximum against overflow
        log_sum = np.log(np.exp(s - row_max[:, np.newaxis]).sum(axis=1)) + row_max
        return log_sum - np.einsum("ij,ij->i", y, s)

    def log_activate(self, s):
        """Return log softmax(s) without forming softmax(s)."""
        return log_softmax(s, axis=1)


class PoissonDeviance(OutputLayer):
    """Exponential output (log link) with half the Poisson deviance.

    L = sum_j exp(s_j) - y_j s_j + y_j log(y_j) - y_j, which is zero where the
    prediction exp(s) equals y.
    """

    name = "poisson"
    out_activation = "exp"

    def activate(self, s, out=None):
        """Return f = exp(s)."""
        with np.errstate(over="ignore"):
            return np.exp(s, out=out)

    def link(self, mean):
        """Return s = log(mean) (log link), the mean kept above zero."""
        return np.log(np.clip(mean, _MIN_PROBABILITY, None))

    def sample_losses(self, s, y, f):
        """Return the half Poisson deviance per row."""
        return np.add.reduce(f - y * s + xlogy(y, y) - y, axis=1)


class GammaDeviance(OutputLayer):
    """Exponential output (log link) with half the Gamma deviance.

    L = sum_j s_j - log(y_j) + y_j exp(-s_j) - 1, with dL/ds_j = 1 - y_j / f_j.
    """

    name = "gamma"
    out_activation = "exp"

    def activate(self, s, out=None):
        """Return f = exp(s)."""
        with np.errstate(over="ignore"):
            return np.exp(s, out=out)

    def link(self, mean):
        """Return s = log(mean) (log link)."""
        return np.log(mean)

    def sample_losses(self, s, y, f):
        """Return the half Gamma deviance per row."""
        with np.errstate(over="ignore"):
            return np.add.reduce(s - np.log(y) + y * np.exp(-s) - 1, axis=1)

    def delta(self, s, y, f, out):
        """Store delta = 1 - y exp(-s)."""
        with np.errstate(over="ignore"):
            np.negative(s, out=out)
            np.exp(out, out=out)
        out *= y
        np.subtract(1, out, out=out)


OUTPUT_LAYERS = {
    layer.name: layer
    for layer in (
        SquaredError(),
        BinaryLogLoss(),
        CategoricalLogLoss(),
        PoissonDeviance(),
        GammaDeviance(),
    )
}
