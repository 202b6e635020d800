"""Update rules for the flat parameter vector, each with its own state.

An optimizer holds per-parameter state arrays of the same length and dtype as
the flat parameter vector and updates it in place with whole-vector
operations. Optimizers never print: they only change the parameters.
"""

import math

import numpy as np


class SGD:
    """Stochastic gradient descent with optional (Nesterov) momentum.

    With velocity v and learning rate eps:
    v <- mu v - eps g; then W <- W + v, or, with Nesterov's momentum,
    W <- W + mu v - eps g.

    Parameters
    ----------
    n_params : int
        Length of the flat parameter vector.
    dtype : numpy dtype
        Dtype of the parameters.
    momentum : float
        mu, in [0, 1].
    nesterov : bool
        Whether to use Nesterov's momentum.
    """

    def __init__(self, n_params, dtype, momentum=0.9, nesterov=True):
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocity = np.zeros(n_params, dtype=dtype)
        self._scratch = np.empty(n_params, dtype=dtype)

    def step(self, params, grad, learning_rate):
        """Update ``params`` in place from the gradient ``grad``."""
        step = self._scratch
        np.multiply(grad, learning_rate, out=step)
        if self.momentum == 0:
            params -= step
            return
        # v <- mu v - eps g
        self.velocity *= self.momentum
        self.velocity -= step
        if self.nesterov:
            # W <- W + mu v - eps g
            params -= step
            np.multiply(self.velocity, self.momentum, out=step)
            params += step
        else:
            params += self.velocity


class Adam:
    """Adam: steps from bias-corrected moment estimates (Kingma & Ba, 2015).

    m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2;
    W <- W - eps_t m / (sqrt(v) + epsilon), with
    eps_t = eps sqrt(1 - b2^t) / (1 - b1^t).

    Parameters
    ----------
    n_params : int
        Length of the flat parameter vector.
    dtype : numpy dtype
        Dtype of the parameters.
    beta_1, beta_2 : float
        Decay rates of the first and second moment estimates.
    epsilon : float
        Added to sqrt(v) for numerical stability.
    """

    def __init__(self, n_params, dtype, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.first_moment = np.zeros(n_params, dtype=dtype)
        self.second_moment = np.zeros(n_params, dtype=dtype)
        self._scratch = np.empty(n_params, dtype=dtype)

    def step(self, params, grad, learning_rate):
        """Update ``params`` in place from the gradient ``grad``."""
        self.t += 1
        scratch = self._scratch
        # m <- b1 m + (1 - b1) g
        self.first_moment *= self.beta_1
        np.multiply(grad, 1 - self.beta_1, out=scratch)
        self.first_moment += scratch
        # v <- b2 v + (1 - b2) g^2
        self.second_moment *= self.beta_2
        np.multiply(grad, grad, out=scratch)
        scratch *= 1 - self.beta_2
        self.second_moment += scratch
        # W <- W - eps_t m / (sqrt(v) + epsilon)
        corrected = (
            learning_rate
            * math.sqrt(1 - self.beta_2**self.t)
            / (1 - self.beta_1**self.t)
        )
        np.sqrt(self.second_moment, out=scratch)
        scratch += self.epsilon
        np.divide(self.first_moment, scratch, out=scratch)
        scratch *= corrected
        params -= scratch


def make_optimizer(solver, n_params, dtype, params):
    """Build the optimizer named by ``solver``.

    Parameters
    ----------
    solver : {'sgd', 'adam'}
        Update rule.
    n_params : int
        Length of the flat parameter vector.
    dtype : numpy dtype
        Dtype of the parameters.
    params : dict
        The estimator's parameters (momentum, beta_1, ...).

    Returns
    -------
    optimizer : SGD or Adam
    """
    if solver == "sgd":
        return SGD(
            n_params,
            dtype,
            momentum=params["momentum"],
            nesterov=params["nesterovs_momentum"],
        )
    return Adam(
        n_params,
        dtype,
        beta_1=params["beta_1"],
        beta_2=params["beta_2"],
        epsilon=params["epsilon"],
    )
