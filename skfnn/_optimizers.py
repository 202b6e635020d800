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
        self.momentum = float(momentum)
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
        # Python floats, so that the float32 state stays float32 in NumPy's
        # arithmetic even when the estimator was given NumPy scalars.
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.t = 0
        # The moments are stored as the sums a = m / (1 - b1) and
        # b = v / (1 - b2), whose updates a <- b1 a + g and b <- b2 b + g^2
        # take one pass over the vector fewer each than those of m and v.
        self._first_sum = np.zeros(n_params, dtype=dtype)
        self._second_sum = np.zeros(n_params, dtype=dtype)
        self._scratch = np.empty(n_params, dtype=dtype)

    @property
    def first_moment(self):
        """m, the first moment estimate (a new array)."""
        return self._first_sum * (1 - self.beta_1)

    @property
    def second_moment(self):
        """v, the second moment estimate (a new array)."""
        return self._second_sum * (1 - self.beta_2)

    def __setstate__(self, state):
        """Restore a pickled Adam, also one that stored m and v themselves."""
        state = dict(state)
        for name in ("beta_1", "beta_2", "epsilon"):
            state[name] = float(state[name])
        if "first_moment" in state:
            state["_first_sum"] = state.pop("first_moment") / (1 - state["beta_1"])
            state["_second_sum"] = state.pop("second_moment") / (1 - state["beta_2"])
        self.__dict__.update(state)

    def check_state(self):
        """Raise FloatingPointError if the second moment sum overflowed.

        b = v / (1 - b2) overflows before v does (in float32 for gradients
        above about 5.8e17 at b2 = 0.999); the steps would then be zero.
        """
        if not np.isfinite(np.max(self._second_sum, initial=0)):
            raise FloatingPointError(
                "Adam's second moment estimate overflowed: the gradients are "
                "too large for the parameters' dtype. Try a smaller "
                "learning_rate_init, scale the inputs and the target, a larger "
                "alpha, or clip_grad_norm."
            )

    def step(self, params, grad, learning_rate):
        """Update ``params`` in place from the gradient ``grad``."""
        self.t += 1
        first, second, scratch = self._first_sum, self._second_sum, self._scratch
        # a <- b1 a + g, which is m <- b1 m + (1 - b1) g for m = (1 - b1) a
        first *= self.beta_1
        first += grad
        # b <- b2 b + g^2, which is v <- b2 v + (1 - b2) g^2 for v = (1 - b2) b
        second *= self.beta_2
        np.multiply(grad, grad, out=scratch)
        second += scratch
        # W <- W - eps_t m / (sqrt(v) + epsilon), written in a and b:
        # m / (sqrt(v) + epsilon) = c a / (sqrt(b) + epsilon / r) with
        # r = sqrt(1 - b2) and c = (1 - b1) / r
        root = math.sqrt(1 - self.beta_2)
        corrected = (
            learning_rate
            * math.sqrt(1 - self.beta_2**self.t)
            / (1 - self.beta_1**self.t)
            * (1 - self.beta_1)
            / root
        )
        np.sqrt(second, out=scratch)
        scratch += self.epsilon / root
        np.divide(first, scratch, out=scratch)
        scratch *= corrected
        params -= scratch


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    After the Adam step, each weight (not the biases) also moves by
    -eps lambda W_old, so the decay does not pass through Adam's scaling.

    Parameters
    ----------
    n_params : int
        Length of the flat parameter vector.
    dtype : numpy dtype
        Dtype of the parameters.
    n_weights : int
        Number of leading entries of the flat vector that are weights.
    weight_decay : float
        lambda, the decay rate per unit of learning rate.
    beta_1, beta_2, epsilon : float
        As for :class:`Adam`.
    """

    def __init__(
        self,
        n_params,
        dtype,
        n_weights,
        weight_decay,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
    ):
        super().__init__(n_params, dtype, beta_1, beta_2, epsilon)
        self.n_weights = n_weights
        self.weight_decay = float(weight_decay)
        self._decay = np.empty(n_weights, dtype=dtype)

    def step(self, params, grad, learning_rate):
        """Update ``params`` in place: an Adam step plus weight decay."""
        weights = params[: self.n_weights]
        # decay from the weights before this step: -eps lambda W_old
        np.multiply(weights, learning_rate * self.weight_decay, out=self._decay)
        super().step(params, grad, learning_rate)
        weights -= self._decay


class RMSProp:
    """RMSProp: steps scaled by a running average of squared gradients.

    v <- rho v + (1 - rho) g^2; W <- W - eps g / (sqrt(v) + epsilon).

    Parameters
    ----------
    n_params : int
        Length of the flat parameter vector.
    dtype : numpy dtype
        Dtype of the parameters.
    rho : float
        Decay rate of the average of squared gradients.
    epsilon : float
        Added to sqrt(v) for numerical stability.
    """

    def __init__(self, n_params, dtype, rho=0.9, epsilon=1e-8):
        self.rho = float(rho)
        self.epsilon = float(epsilon)
        self.mean_square = np.zeros(n_params, dtype=dtype)
        self._scratch = np.empty(n_params, dtype=dtype)

    def step(self, params, grad, learning_rate):
        """Update ``params`` in place from the gradient ``grad``."""
        scratch = self._scratch
        # v <- rho v + (1 - rho) g^2
        self.mean_square *= self.rho
        np.multiply(grad, grad, out=scratch)
        scratch *= 1 - self.rho
        self.mean_square += scratch
        # W <- W - eps g / (sqrt(v) + epsilon)
        _scaled_step(
            params, grad, self.mean_square, learning_rate, self.epsilon, scratch
        )


class Adagrad:
    """Adagrad: steps scaled by the root of all past squared gradients.

    G <- G + g^2; W <- W - eps g / (sqrt(G) + epsilon).

    Parameters
    ----------
    n_params : int
        Length of the flat parameter vector.
    dtype : numpy dtype
        Dtype of the parameters.
    epsilon : float
        Added to sqrt(G) for numerical stability.
    """

    def __init__(self, n_params, dtype, epsilon=1e-8):
        self.epsilon = float(epsilon)
        self.sum_square = np.zeros(n_params, dtype=dtype)
        self._scratch = np.empty(n_params, dtype=dtype)

    def step(self, params, grad, learning_rate):
        """Update ``params`` in place from the gradient ``grad``."""
        scratch = self._scratch
        # G <- G + g^2
        np.multiply(grad, grad, out=scratch)
        self.sum_square += scratch
        # W <- W - eps g / (sqrt(G) + epsilon)
        _scaled_step(
            params, grad, self.sum_square, learning_rate, self.epsilon, scratch
        )


def _scaled_step(params, grad, accumulator, learning_rate, epsilon, scratch):
    """Apply W <- W - eps g / (sqrt(accumulator) + epsilon) in place."""
    np.sqrt(accumulator, out=scratch)
    scratch += epsilon
    np.divide(grad, scratch, out=scratch)
    scratch *= learning_rate
    params -= scratch


STOCHASTIC_SOLVERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")


def make_optimizer(solver, layout, dtype, params):
    """Build the optimizer named by ``solver``.

    Parameters
    ----------
    solver : {'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'}
        Update rule.
    layout : Layout
        Layout of the flat parameter vector.
    dtype : numpy dtype
        Dtype of the parameters.
    params : dict
        The estimator's parameters (momentum, beta_1, alpha, ...). AdamW's
        decay rate is the L2 share of alpha, alpha * (1 - l1_ratio).

    Returns
    -------
    optimizer : SGD, Adam, AdamW, RMSProp or Adagrad
    """
    n_params = layout.n_params
    if solver == "sgd":
        return SGD(
            n_params,
            dtype,
            momentum=params["momentum"],
            nesterov=params["nesterovs_momentum"],
        )
    if solver == "rmsprop":
        return RMSProp(n_params, dtype, rho=params["rho"], epsilon=params["epsilon"])
    if solver == "adagrad":
        return Adagrad(n_params, dtype, epsilon=params["epsilon"])
    moments = dict(
        beta_1=params["beta_1"], beta_2=params["beta_2"], epsilon=params["epsilon"]
    )
    if solver == "adamw":
        decay = params["alpha"] * (1.0 - params["l1_ratio"])
        return AdamW(n_params, dtype, layout.n_weights, decay, **moments)
    return Adam(n_params, dtype, **moments)
