"""Weight initializers: random draws from fan_in, fan_out and a generator.

Each initializer is ``init(fan_in, fan_out, rng) -> ndarray of shape
(fan_in, fan_out)``: the transpose of THEORY's W^(k), as the network stores
it. Biases always start at zero.
"""

import numpy as np


def uniform(fan_in, fan_out, rng):
    """Draw from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), the classic heuristic."""
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))


def glorot_uniform(fan_in, fan_out, rng):
    """Draw from U(-r, r) with r = sqrt(6 / (fan_in + fan_out))."""
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))


def glorot_normal(fan_in, fan_out, rng):
    """Draw from N(0, 2 / (fan_in + fan_out))."""
    scale = np.sqrt(2.0 / (fan_in + fan_out))
    return rng.normal(0.0, scale, size=(fan_in, fan_out))


def he_uniform(fan_in, fan_out, rng):
    """Draw from U(-sqrt(6 / fan_in), sqrt(6 / fan_in)), for ReLU units."""
    bound = np.sqrt(6.0 / fan_in)
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    """Draw from N(0, 2 / fan_in), for ReLU units."""
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def lecun_normal(fan_in, fan_out, rng):
    """Draw from N(0, 1 / fan_in)."""
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))


INITIALIZERS = {
    "uniform": uniform,
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "lecun_normal": lecun_normal,
}

RELU_FAMILY = ("relu", "leaky_relu", "prelu", "elu", "gelu", "silu", "softplus")


def resolve_initializer(init, activation_name):
    """Return the initializer function for ``init`` and a layer's activation.

    Parameters
    ----------
    init : str or callable
        A name in ``INITIALIZERS``, ``'auto'`` or a callable
        ``init(fan_in, fan_out, rng)``.
    activation_name : str
        Activation of the units the weights feed into; ``'auto'`` picks He
        for the ReLU family and Glorot otherwise.

    Returns
    -------
    initializer : callable
        ``initializer(fan_in, fan_out, rng) -> ndarray``.
    """
    if callable(init):
        return init
    if init == "auto":
        if activation_name in RELU_FAMILY:
            return he_uniform
        return glorot_uniform
    return INITIALIZERS[init]


def draw_weights(initializer, fan_in, fan_out, rng, dtype):
    """Draw one weight matrix and check what a callable returned.

    Parameters
    ----------
    initializer : callable
        ``initializer(fan_in, fan_out, rng) -> array-like``.
    fan_in, fan_out : int
        N_{k-1} and N_k.
    rng : numpy.random.Generator
        Source of randomness.
    dtype : numpy dtype
        Dtype of the result.

    Returns
    -------
    weights : ndarray of shape (fan_in, fan_out)
    """
    weights = np.asarray(initializer(fan_in, fan_out, rng), dtype=dtype)
    if weights.shape != (fan_in, fan_out):
        raise ValueError(
            f"init returned an array of shape {weights.shape}; expected "
            f"(fan_in, fan_out) = ({fan_in}, {fan_out})."
        )
    if not np.all(np.isfinite(weights)):
        raise ValueError("init returned non-finite weights.")
    return weights
