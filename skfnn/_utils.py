"""Training utilities: random streams, minibatches and the progress printer."""

import contextlib
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_info, threadpool_limits

STREAMS = ("init", "split", "shuffle", "dropout")

# Measured on two idle cores (benchmarks/bench_training.py): a second BLAS
# thread speeds up the matrix products of every minibatch of the benchmark
# grid, but not those of the smallest nets, whose products are too small to
# split; below this many operations per minibatch one thread is kept.
SINGLE_THREAD_FLOPS = 2.5e5

# Elementwise updates of the flat parameter vector (optimizer steps, penalty
# gradients) run in parallel parts only from this many parameters on: below
# it, handing work to a second thread costs more than it saves.
SPLIT_MIN_PARAMS = 1 << 17
MAX_SPLIT_THREADS = 4


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


class VectorSplit:
    """Run an elementwise function on parts of a flat vector, in threads.

    The function is called as ``func(part, *args)`` once per part, where
    ``part`` is a slice of the flat vector; the parts are contiguous, do not
    overlap and cover it. Each part touches only its own entries, so the
    result is bit-identical to a single call on the whole vector, whatever
    the number of threads. NumPy releases the GIL inside its loops, so the
    parts of a long vector run at the same time.

    Parameters
    ----------
    size : int
        Length of the flat vector.
    n_threads : int
        Number of parts, each run by its own thread (the calling thread runs
        the first); 1 runs everything in the calling thread.
    """

    def __init__(self, size, n_threads=1):
        n_threads = max(1, min(int(n_threads), size // 64 or 1))
        # part edges on multiples of 64 entries, whole cache lines apart
        edges = [
            min(size, (size * i // n_threads) // 64 * 64) for i in range(n_threads)
        ]
        edges.append(size)
        self.parts = [slice(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)]
        self._executor = None
        if n_threads > 1:
            self._executor = ThreadPoolExecutor(max_workers=n_threads - 1)

    @property
    def n_threads(self):
        """Number of parts the vector is split into."""
        return len(self.parts)

    def run(self, func, *args):
        """Call ``func(part, *args)`` for every part; wait for all of them."""
        if self._executor is None:
            func(slice(None), *args)
            return
        futures = [self._executor.submit(func, part, *args) for part in self.parts[1:]]
        func(self.parts[0], *args)
        for future in futures:
            future.result()

    def close(self):
        """Stop the worker threads."""
        if self._executor is not None:
            self._executor.shutdown()
            self._executor = None


SERIAL = VectorSplit(0)


def split_threads(n_params):
    """Return how many threads should share elementwise parameter updates.

    Parameters
    ----------
    n_params : int
        Length of the flat parameter vector.

    Returns
    -------
    n_threads : int
        1 below ``SPLIT_MIN_PARAMS`` parameters; otherwise as many threads
        as BLAS may use at this moment (so limits set by joblib or
        threadpoolctl apply), at most ``MAX_SPLIT_THREADS`` and the CPU count.
    """
    if n_params < SPLIT_MIN_PARAMS:
        return 1
    blas = [
        info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"
    ]
    allowed = min(blas) if blas else 1
    return max(1, min(allowed, MAX_SPLIT_THREADS, os.cpu_count() or 1))


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
