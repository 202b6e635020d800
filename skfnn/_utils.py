"""Training utilities: random streams, minibatches and the progress printer."""

import contextlib
import sys

import numpy as np
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

STREAMS = ("init", "split", "shuffle", "dropout")

# Measured on two idle cores (benchmarks/bench_training.py): a second BLAS
# thread speeds up the matrix products of every minibatch of the benchmark
# grid, but not those of the smallest nets, whose products are too small to
# split; below this many operations per minibatch one thread is kept.
SINGLE_THREAD_FLOPS = 2.5e5


def random_streams(random_state, overrides=None):
    """Derive independent generators for each source of randomness of a fit.

    ``random_state`` is resolved once; each source (weight initialization,
    validation split, minibatch shuffling, dropout masks) gets its own child
    of one ``SeedSequence``, so that using one source more or less never
    shifts the draws of another.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        The estimator's ``random_state``.
    overrides : dict of str to int, default=None
        Seeds for single streams, which replace the derived ones (used to
        vary one source of randomness while keeping the others fixed).

    Returns
    -------
    streams : dict of str to numpy.random.Generator
        One generator per name in ``STREAMS``.
    """
    entropy = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    children = np.random.SeedSequence(int(entropy)).spawn(len(STREAMS))
    seeds = dict(zip(STREAMS, children, strict=True))
    for name, seed in (overrides or {}).items():
        seeds[name] = np.random.SeedSequence([int(seed), STREAMS.index(name)])
    return {name: np.random.default_rng(seed) for name, seed in seeds.items()}


def blas_threads(layout, batch_size):
    """Return a context that keeps BLAS to one thread for small minibatches.

    Parameters
    ----------
    layout : Layout
        The network's layout.
    batch_size : int
        Rows per minibatch.

    Returns
    -------
    context : context manager
        A one-thread limit when the matrix products of one minibatch, about
        2 * batch_size * sum_k N_k N_{k-1} operations, are below
        ``SINGLE_THREAD_FLOPS``; otherwise a context that changes nothing.
    """
    flops = 2.0 * batch_size * layout.n_weights
    if flops < SINGLE_THREAD_FLOPS:
        return threadpool_limits(limits=1, user_api="blas")
    return contextlib.nullcontext()


def minibatch_slices(n_samples, batch_size):
    """Yield slices that cut ``n_samples`` rows into minibatches.

    Parameters
    ----------
    n_samples : int
        Number of rows.
    batch_size : int
        Rows per minibatch; the last one may be smaller.

    Yields
    ------
    batch : slice
    """
    for start in range(0, n_samples, batch_size):
        yield slice(start, min(start + batch_size, n_samples))


class ProgressPrinter:
    """Print one ``key=value`` line per epoch to stdout when verbose.

    Parameters
    ----------
    verbose : int
        0 prints nothing, 1 one line per epoch, 2 adds events.
    """

    def __init__(self, verbose):
        self.verbose = verbose

    def epoch(self, epoch, loss, validation_loss, learning_rate, seconds):
        """Print the fixed-format line of one epoch."""
        if self.verbose < 1:
            return
        validation = "nan" if validation_loss is None else f"{validation_loss:.6g}"
        print(
            f"epoch={epoch} loss={loss:.6g} validation_loss={validation} "
            f"learning_rate={learning_rate:.3g} seconds={seconds:.3f}",
            file=sys.stdout,
        )

    def event(self, message):
        """Print an event line (learning-rate change, early stop, restore)."""
        if self.verbose >= 2:
            print(f"event: {message}", file=sys.stdout)
