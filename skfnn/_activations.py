"""Hidden-layer activations phi, each defined with its derivative.

Every activation is an :class:`Activation` holding two functions that work in
place on preallocated arrays:

- ``forward(s, out)`` writes h = phi(s) into ``out``;
- ``backprop(s, h, delta)`` multiplies ``delta`` elementwise by phi'(s), the
  factor of the delta recursion delta^(k) = phi'(s^(k)) * (W^(k+1))^T delta^(k+1).

Both are written to stay finite for any finite s, in float32 and float64.

The parametric ReLU, prelu_a(s) = max(a s, s) with a learned slope a in
[0, 1] per hidden unit, also has ``slope_gradient(s, delta, out)``, which
stores dL/da = sum over rows of dL/dh * min(s, 0); it is built per network by
:func:`make_activation`, bound to the network's slopes.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.special import erf, expit

LEAKY_SLOPE = 0.01
_SQRT_HALF = np.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)
CONSTANT_BLOCK_SIZE = 1 << 16
_SCALAR_OPERAND_SIZE = 1 << 13
_CONSTANT_BLOCKS = {}


def constant_vector(value, dtype):
    """Return a shared read-only vector of CONSTANT_BLOCK_SIZE copies of value.

    NumPy's vectorized loops of ``maximum`` and ``minimum`` run only when
    both operands are arrays; against a scalar they are two to three times
    slower. A slice of this vector stands in for the scalar, and its ones
    turn a sum over rows into one matrix-vector product.

    Parameters
    ----------
    value : float
        The constant.
    dtype : numpy dtype
        Floating point type of the vector.

    Returns
    -------
    vector : ndarray of shape (CONSTANT_BLOCK_SIZE,)
        Not writeable.
    """
    dtype = np.dtype(dtype)
    # keyed by the value's bits, so that -0.0 and NaN get blocks of their own
    key = (np.array(value, dtype=dtype).tobytes(), dtype)
    vector = _CONSTANT_BLOCKS.get(key)
    if vector is None:
        # over an immutable bytes object, so that not even resetting the
        # writeable flag can change the block
        filled = np.full(CONSTANT_BLOCK_SIZE, value, dtype=dtype)
        vector = np.frombuffer(filled.tobytes(), dtype=dtype)
        _CONSTANT_BLOCKS[key] = vector
    return vector


def _with_constant(ufunc, s, value, out):
    """Store ufunc(s, value) in ``out``, the constant as a full array operand.

    Small arrays, where the call itself costs more than the loop, and arrays
    that are not contiguous take the scalar.
    """
    contiguous = s.flags.c_contiguous and out.flags.c_contiguous
    if s.size < _SCALAR_OPERAND_SIZE or not contiguous or s.dtype != out.dtype:
        ufunc(s, value, out=out)
        return
    flat_s, flat_out = s.reshape(-1), out.reshape(-1)
    block = constant_vector(value, s.dtype)
    for start in range(0, flat_s.size, block.size):
        stop = min(start + block.size, flat_s.size)
        ufunc(flat_s[start:stop], block[: stop - start], out=flat_out[start:stop])


@dataclass(frozen=True)
class Activation:
    """A hidden activation phi with its value and its derivative.

    Parameters
    ----------
    name : str
        Registry name.
    forward : callable
        ``forward(s, out)`` stores phi(s) in ``out``.
    backprop : callable or None
        ``backprop(s, h, delta)`` multiplies ``delta`` in place by phi'(s);
        ``h`` is phi(s) as computed by ``forward``. None for activations whose
        gradient is zero almost everywhere.
    slope_gradient : callable or None, default=None
        For activations with learned parameters (prelu):
        ``slope_gradient(s, delta, out)`` stores their gradient in ``out``,
        with ``delta`` = dL/dh before ``backprop`` is applied.
    """

    name: str
    forward: Callable
    backprop: Callable | None
    slope_gradient: Callable | None = None

    @property
    def trainable(self):
        """Whether backprop can train a network with this activation."""
        return self.backprop is not None


def _identity_forward(s, out):
    """Store phi(s) = s."""
    np.copyto(out, s)


def _identity_backprop(s, h, delta):
    """Leave delta as it is: phi'(s) = 1."""


def _relu_forward(s, out):
    """Store phi(s) = max(0, s)."""
    _with_constant(np.maximum, s, 0.0, out)


def _relu_backprop(s, h, delta):
    """Zero delta where s <= 0: phi'(s) = 1 if s > 0 else 0."""
    np.multiply(delta, s > 0, out=delta)


def _leaky_relu_forward(s, out):
    """Store phi(s) = max(a s, s) with the fixed slope a."""
    np.multiply(s, LEAKY_SLOPE, out=out)
    np.maximum(s, out, out=out)


def _leaky_relu_backprop(s, h, delta):
    """Scale delta by a where s <= 0: phi'(s) = 1 if s > 0 else a."""
    delta[s <= 0] *= LEAKY_SLOPE


def _logistic_forward(s, out):
    """Store phi(s) = 1 / (1 + exp(-s)) without overflow."""
    expit(s, out=out)


def _logistic_backprop(s, h, delta):
    """Multiply delta by phi'(s) = h (1 - h)."""
    delta *= h
    delta *= 1 - h


def _tanh_forward(s, out):
    """Store phi(s) = tanh(s)."""
    np.tanh(s, out=out)


def _tanh_backprop(s, h, delta):
    """Multiply delta by phi'(s) = 1 - h^2."""
    delta *= 1 - h * h


def _elu_forward(s, out):
    """Store phi(s) = s if s > 0 else exp(s) - 1."""
    _with_constant(np.minimum, s, 0.0, out)
    np.expm1(out, out=out)
    np.copyto(out, s, where=s > 0)


def _elu_backprop(s, h, delta):
    """Multiply delta by phi'(s) = 1 if s > 0 else h + 1."""
    negative = s <= 0
    delta[negative] *= h[negative] + 1


def _softplus_forward(s, out):
    """Store phi(s) = log(1 + exp(s)) as a stable log-sum-exp."""
    np.logaddexp(0, s, out=out)


def _softplus_backprop(s, h, delta):
    """Multiply delta by phi'(s) = sigma(s)."""
    delta *= expit(s)


def _silu_forward(s, out):
    """Store phi(s) = s sigma(s)."""
    expit(s, out=out)
    out *= s


def _silu_backprop(s, h, delta):
    """Multiply delta by phi'(s) = sigma(s) (1 + s (1 - sigma(s)))."""
    sigma = expit(s)
    delta *= sigma * (1 + s * (1 - sigma))


def _gelu_forward(s, out):
    """Store phi(s) = s Phi(s), Phi the standard normal distribution."""
    np.multiply(s, _SQRT_HALF, out=out)
    erf(out, out=out)
    out += 1
    out *= 0.5
    out *= s


def _gelu_backprop(s, h, delta):
    """Multiply delta by phi'(s) = Phi(s) + s N(s; 0, 1)."""
    cdf = 0.5 * (1 + erf(s * _SQRT_HALF))
    clipped = np.clip(s, -40, 40)
    density = _INV_SQRT_2PI * np.exp(-0.5 * clipped * clipped)
    delta *= cdf + s * density


def _heaviside_forward(s, out):
    """Store phi(s) = 1 if s >= 0 else 0."""
    np.greater_equal(s, 0, out=out, casting="unsafe")


ACTIVATIONS = {
    "identity": Activation("identity", _identity_forward, _identity_backprop),
    "relu": Activation("relu", _relu_forward, _relu_backprop),
    "leaky_relu": Activation("leaky_relu", _leaky_relu_forward, _leaky_relu_backprop),
    "logistic": Activation("logistic", _logistic_forward, _logistic_backprop),
    "tanh": Activation("tanh", _tanh_forward, _tanh_backprop),
    "elu": Activation("elu", _elu_forward, _elu_backprop),
    "softplus": Activation("softplus", _softplus_forward, _softplus_backprop),
    "silu": Activation("silu", _silu_forward, _silu_backprop),
    "gelu": Activation("gelu", _gelu_forward, _gelu_backprop),
    "heaviside": Activation("heaviside", _heaviside_forward, None),
}

TRAINABLE_ACTIVATIONS = tuple(
    name for name, activation in ACTIVATIONS.items() if activation.trainable
)

PARAMETRIC_ACTIVATIONS = ("prelu",)

ACTIVATION_NAMES = (*ACTIVATIONS, *PARAMETRIC_ACTIVATIONS)


def _leaky_relu(negative_slope):
    """Return leaky ReLU, max(a s, s), with a fixed slope a in [0, 1]."""

    def forward(s, out):
        """Store phi(s) = max(a s, s)."""
        np.multiply(s, negative_slope, out=out)
        np.maximum(s, out, out=out)

    def backprop(s, h, delta):
        """Scale delta by a where s <= 0."""
        delta[s <= 0] *= negative_slope

    return Activation("leaky_relu", forward, backprop)


def _prelu(slopes):
    """Return the parametric ReLU bound to a vector of slopes, one per unit."""

    def forward(s, out):
        """Store phi(s) = max(a s, s), a broadcast over the rows."""
        np.multiply(s, slopes, out=out)
        np.maximum(s, out, out=out)

    def backprop(s, h, delta):
        """Multiply delta by phi'(s) = 1 if s > 0 else a."""
        np.multiply(delta, np.where(s > 0, 1, slopes).astype(delta.dtype), out=delta)

    def slope_gradient(s, delta, out):
        """Store dL/da = sum over rows of dL/dh * min(s, 0)."""
        np.sum(delta * np.minimum(s, 0), axis=0, out=out)

    return Activation("prelu", forward, backprop, slope_gradient)


def make_activation(name, negative_slope=LEAKY_SLOPE, slopes=None):
    """Return the activation named ``name`` for one hidden layer.

    Parameters
    ----------
    name : str
        A name in ``ACTIVATION_NAMES``.
    negative_slope : float, default=0.01
        Slope of 'leaky_relu' for s < 0.
    slopes : ndarray of shape (N_k,), default=None
        The layer's learned slopes, for 'prelu' only: a view into the flat
        parameters, read at every forward pass.

    Returns
    -------
    activation : Activation
    """
    if name == "prelu":
        return _prelu(slopes)
    if name == "leaky_relu" and negative_slope != LEAKY_SLOPE:
        return _leaky_relu(negative_slope)
    return ACTIVATIONS[name]
