"""Benchmark skfnn against scikit-learn's MLP: training, prediction, memory.

Run from the repository root::

    python benchmarks/bench_training.py            # full grid, ~20 min, 2 cores
    python benchmarks/bench_training.py --quick    # small subset, ~2 min
    python benchmarks/bench_training.py --only training --only predict

Both libraries train in one process, interleaved, on the same data with the
same hidden layers, solver, batch size, dtype and number of epochs (tol=0,
fixed max_iter). Seconds per epoch are the minimum over repeats of the time
of one ``fit`` divided by its epochs. Each configuration also gets a GEMM
floor: the time of only the matrix products of one epoch, on preallocated
arrays of the same shapes and dtype. The results go to stdout as tables and
to a JSON file; each target of the performance issue is printed as PASS,
MISS or SKIP with the measured value.
"""

import argparse
import datetime
import functools
import gc
import itertools
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import scipy
import sklearn
import threadpoolctl
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skfnn
from skfnn import FNNClassifier, FNNRegressor
from skfnn._optimizers import Adam
from skfnn.datasets import load_credit_scoring

SECTIONS = ("training", "predict", "memory", "accuracy", "torch")
WIDE = (512, 512, 512)
NO_EARLY_STOP = 10**6
# A busy machine: more than this share of CPU time used by other processes
# just before the start, or, where that cannot be read, this load average.
BUSY_SHARE = 0.1
BUSY_LOAD = 0.5
# The speed probe: a pure-Python loop of PROBE_LOOP additions; a spread of
# more than PROBE_DRIFT between its fastest and slowest timing is warned of.
PROBE_LOOP = 300_000
PROBE_DRIFT = 1.3
DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "latest.json"

FULL = {
    "hidden": [(32,), (128, 128), WIDE],
    "batch": [32, 200, 1024],
    "dtype": ["float64", "float32"],
    "solver": ["sgd", "adam"],
    "features": [20, 100],
    "n": 50_000,
    "n_wide": 10_000,
    "epochs": 2,
    "repeats": 5,
    "regressor_batch": 200,
    "predict_hidden": [(32,), (128, 128), WIDE],
    "predict_rows": [1, 100, 100_000],
    "memory_rows": [100_000, 1_000_000],
    "accuracy_seeds": 10,
    "torch_batch": [32, 200],
}

QUICK = {
    **FULL,
    "batch": [32, 200],
    "solver": ["adam"],
    "features": [20],
    "n": 10_000,
    "n_wide": 2_000,
    "predict_hidden": [(128, 128)],
    "predict_rows": [1, 100, 10_000],
    "memory_rows": [10_000, 100_000],
    "accuracy_seeds": 2,
    "torch_batch": [200],
}

TRAINING_COLUMNS = [
    ("task", 4, "{}"),
    ("hidden", 15, "{}"),
    ("d", 3, "{}"),
    ("n", 6, "{}"),
    ("batch", 5, "{}"),
    ("dtype", 7, "{}"),
    ("solver", 6, "{}"),
    ("skfnn s/ep", 10, "{:.4f}"),
    ("sklearn s/ep", 12, "{:.4f}"),
    ("ratio", 5, "{:.2f}"),
    ("GEMM s/ep", 9, "{:.4f}"),
    ("floor/skfnn", 11, "{:.0%}"),
    ("GF/s skfnn", 10, "{:.1f}"),
    ("GF/s sklearn", 12, "{:.1f}"),
    ("other us/batch", 14, "{:.0f}"),
    ("spread", 6, "{:.2f}"),
]

PREDICT_COLUMNS = [
    ("hidden", 15, "{}"),
    ("dtype", 7, "{}"),
    ("rows", 6, "{}"),
    ("skfnn s", 9, "{:.2e}"),
    ("sklearn s", 9, "{:.2e}"),
    ("numpy s", 9, "{:.2e}"),
    ("skfnn/sklearn", 13, "{:.2f}"),
    ("skfnn/numpy", 11, "{:.2f}"),
]

MEMORY_COLUMNS = [
    ("n", 8, "{}"),
    ("X MiB", 7, "{:.1f}"),
    ("skfnn peak MiB", 14, "{:.1f}"),
    ("sklearn peak MiB", 16, "{:.1f}"),
    ("skfnn/sklearn", 13, "{:.2f}"),
    ("skfnn early stopping MiB", 24, "{:.1f}"),
]

ACCURACY_COLUMNS = [
    ("library", 23, "{}"),
    ("accuracy", 15, "{}"),
    ("ROC AUC", 15, "{}"),
    ("log loss", 15, "{}"),
    ("epochs", 8, "{:.0f}"),
]

TORCH_COLUMNS = [
    ("hidden", 15, "{}"),
    ("d", 3, "{}"),
    ("n", 6, "{}"),
    ("batch", 5, "{}"),
    ("skfnn s/ep", 10, "{:.4f}"),
    ("torch s/ep", 10, "{:.4f}"),
    ("skfnn/torch", 11, "{:.2f}"),
]


# Output.


def emit(text=""):
    """Print a line to stdout at once, so that a long run can be followed."""
    print(text, flush=True)


def format_row(columns, values):
    """Return one line of a fixed-width table."""
    cells = []
    for (_, width, spec), value in zip(columns, values, strict=True):
        cell = "-" if value is None else spec.format(value)
        cells.append(cell.rjust(width))
    return "  ".join(cells)


def emit_header(title, columns):
    """Print the title, the column names and a rule of a table."""
    emit()
    emit(title)
    emit("  ".join(name.rjust(width) for name, width, _ in columns))
    emit("  ".join("-" * width for _, width, _ in columns))


def fmt_share(share):
    """Return a share as a percentage, or 'unknown' for None."""
    return "unknown" if share is None else f"{share:.0%}"


def hidden_text(hidden):
    """Return hidden layer sizes as compact text, such as ``(128,128)``."""
    return f"({','.join(str(n) for n in hidden)})"


def machine_facts():
    """Return the facts that decide the timings: versions, BLAS and threads."""
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
        "skfnn": skfnn.__version__,
        "skfnn_source": source_version(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "load_average": os.getloadavg(),
        "others_cpu_share": others_cpu_share(),
        "speed_probe_ms": speed_probe_ms(),
        "threadpool_info": threadpoolctl.threadpool_info(),
    }


def others_cpu_share(seconds=1.0):
    """Return the share of CPU time used while this process sleeps, or None.

    Reads the Linux counters of /proc/stat before and after a short sleep;
    elsewhere returns None and the load average has to do.
    """
    stat = Path("/proc/stat")
    if not stat.exists():
        return None

    def counters():
        """Return the total and the idle CPU time counted so far."""
        values = [int(field) for field in stat.read_text().split()[1:11]]
        return sum(values), values[3] + values[4]

    total, idle = counters()
    time.sleep(seconds)
    total_after, idle_after = counters()
    elapsed = total_after - total
    return 1 - (idle_after - idle) / elapsed if elapsed else None


def speed_probe_ms(repeats=3):
    """Return the best time, in ms, of a fixed pure-Python loop.

    On a shared virtual machine the speed of a core can change for minutes
    at a time (a co-tenant on the same physical core, say); this loop takes
    about twice as long then. Taken at the start, the end and before each
    training row, it shows whether the rows were measured on equal terms.
    """
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        total = 0
        for i in range(PROBE_LOOP):
            total += i
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def source_version():
    """Return the git commit of the skfnn source, marked if it has local edits."""
    root = Path(__file__).resolve().parent.parent

    def git(*args):
        """Run a read-only git command in the repository."""
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=False
        )

    try:
        commit = git("rev-parse", "--short", "HEAD")
        edited = git("diff", "--quiet", "HEAD", "--", "skfnn").returncode != 0
    except OSError:
        return None
    if commit.returncode != 0:
        return None
    return commit.stdout.strip() + (" with local edits" if edited else "")


def emit_facts(facts, plan):
    """Print the header of the run: machine, libraries, BLAS and the plan."""
    emit(f"skfnn benchmark, {facts['date']}")
    emit(f"{facts['platform']}, {facts['cpu_count']} CPUs")
    emit(
        f"python {facts['python']}, numpy {facts['numpy']}, scipy "
        f"{facts['scipy']}, scikit-learn {facts['sklearn']}, skfnn {facts['skfnn']}"
        f" (source {facts['skfnn_source']})"
    )
    load = ", ".join(f"{value:.2f}" for value in facts["load_average"])
    busy = facts["others_cpu_share"]
    emit(
        f"OPENBLAS_CORETYPE={facts['OPENBLAS_CORETYPE']}; load average {load}; "
        f"CPU used by other processes just before the start: {fmt_share(busy)}"
    )
    emit(
        f"speed probe (pure-Python loop of {PROBE_LOOP} additions, best of 3): "
        f"{facts['speed_probe_ms']:.1f} ms"
    )
    if busy is None:
        busy_machine = facts["load_average"][0] > BUSY_LOAD
    else:
        busy_machine = busy > BUSY_SHARE
    if busy_machine:
        emit(
            "WARNING: other processes are using the CPUs; timings and ratios "
            "of this run are unreliable."
        )
    for pool in facts["threadpool_info"]:
        emit(
            f"threadpool: {pool['internal_api']} {pool.get('version')} "
            f"{pool.get('architecture', '')} threads={pool['num_threads']} "
            f"{Path(pool['filepath']).name}"
        )
    emit(
        f"plan: epochs per fit={plan['epochs']}, repeats={plan['repeats']} "
        f"(min), n={plan['n']}, n={plan['n_wide']} for {hidden_text(WIDE)}"
    )


# Data and estimators.


@functools.lru_cache(maxsize=8)
def make_data(n, d, task, dtype, seed=0):
    """Return standard normal X and a noisy linear target (binary or real)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    score = X @ rng.standard_normal(d) / math.sqrt(d)
    score += 0.5 * rng.standard_normal(n)
    if task == "clf":
        y = (score > 0).astype(np.int64)
    else:
        y = score.astype(dtype)
    return X.astype(dtype), y


def make_estimator(library, config, epochs, random_state=0):
    """Return an unfitted skfnn or scikit-learn network for a configuration."""
    params = {
        "hidden_layer_sizes": config["hidden"],
        "solver": config["solver"],
        "batch_size": config["batch"],
        "max_iter": epochs,
        "tol": 0.0,
        "n_iter_no_change": NO_EARLY_STOP,
        "shuffle": True,
        "random_state": random_state,
        "learning_rate_init": 1e-3,
        "alpha": 1e-4,
        "early_stopping": False,
    }
    classes = {
        ("skfnn", "clf"): FNNClassifier,
        ("skfnn", "reg"): FNNRegressor,
        ("sklearn", "clf"): MLPClassifier,
        ("sklearn", "reg"): MLPRegressor,
    }
    return classes[library, config["task"]](**params)


def time_fit(estimator, X, y, epochs):
    """Return the seconds of one fit, after checking it ran every epoch."""
    gc.collect()
    start = time.perf_counter()
    estimator.fit(X, y)
    seconds = time.perf_counter() - start
    if estimator.n_iter_ != epochs:
        raise RuntimeError(
            f"{type(estimator).__name__} ran {estimator.n_iter_} epochs, not "
            f"{epochs}: the timing would not be per epoch."
        )
    return seconds


def _loops_for(func, budget):
    """Return how many calls of func take at least ``budget`` seconds."""
    func()
    loops = 1
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            func()
        if time.perf_counter() - start >= budget:
            return loops
        loops *= 2


def _loop_seconds(func, loops):
    """Return the mean time of one call over ``loops`` calls."""
    start = time.perf_counter()
    for _ in range(loops):
        func()
    return (time.perf_counter() - start) / loops


def per_call_seconds(func, repeats, budget=0.05):
    """Return the least mean time of one call over ``repeats`` timed loops."""
    return interleaved_per_call_seconds([func], repeats, budget)[0]


def interleaved_per_call_seconds(funcs, repeats, budget=0.05):
    """Return, per function, the least mean time of one call over repeats.

    Each repeat times one loop of every function, in an order that rotates
    from repeat to repeat, so that a slow spell of the machine falls on all
    of them rather than on whichever was being timed.
    """
    loops = [_loops_for(func, budget) for func in funcs]
    best = [math.inf] * len(funcs)
    for repeat in range(repeats):
        for offset in range(len(funcs)):
            i = (repeat + offset) % len(funcs)
            best[i] = min(best[i], _loop_seconds(funcs[i], loops[i]))
    return best


# Training.


def training_configs(plan):
    """List the configurations of the training grid, regressor rows last."""
    configs = []
    for hidden in plan["hidden"]:
        n = plan["n_wide"] if hidden == WIDE else plan["n"]
        grid = itertools.product(
            plan["features"], plan["batch"], plan["dtype"], plan["solver"]
        )
        for d, batch, dtype, solver in grid:
            configs.append(
                {"task": "clf", "hidden": hidden, "d": d, "n": n, "batch": batch}
                | {"dtype": dtype, "solver": solver}
            )
    for hidden, dtype in itertools.product(plan["hidden"], plan["dtype"]):
        n = plan["n_wide"] if hidden == WIDE else plan["n"]
        configs.append(
            {"task": "reg", "hidden": hidden, "d": plan["features"][0], "n": n}
            | {"batch": plan["regressor_batch"], "dtype": dtype, "solver": "adam"}
        )
    return configs


def layer_sizes(config):
    """Return (N_0, ..., N_L) of a configuration's network (one output)."""
    return (config["d"], *config["hidden"], 1)


def flops_per_epoch(config):
    """Return 6 n sum_k N_k N_{k-1}, the FLOPs of one epoch of backprop."""
    sizes = layer_sizes(config)
    return 6 * config["n"] * sum(a * b for a, b in itertools.pairwise(sizes))


def batch_sizes(n, batch):
    """Return the row count of each minibatch of one epoch."""
    full, rest = divmod(n, batch)
    return [batch] * full + ([rest] if rest else [])


def gemm_epoch(config):
    """Return a function that runs only the matrix products of one epoch.

    Per minibatch of m rows and layer k: s = h @ W in the forward pass;
    dW = h.T @ delta and, except for the first layer, delta @ W.T in the
    backward pass; all on preallocated arrays of the configuration's dtype.
    """
    rng = np.random.default_rng(0)
    dtype = np.dtype(config["dtype"])
    sizes = layer_sizes(config)
    m = min(config["batch"], config["n"])

    def draw(*shape):
        """Return standard normal values of the given shape and dtype."""
        return rng.standard_normal(shape).astype(dtype)

    weights = [draw(a, b) for a, b in itertools.pairwise(sizes)]
    grads = [np.empty_like(w) for w in weights]
    inputs = [draw(m, a) for a in sizes[:-1]]
    deltas = [draw(m, b) for b in sizes[1:]]
    outputs = [np.empty((m, b), dtype) for b in sizes[1:]]
    back = [np.empty((m, a), dtype) for a in sizes[:-1]]
    batches = batch_sizes(config["n"], config["batch"])

    def products():
        """Run the matrix products of one epoch."""
        for rows in batches:
            for k, weight in enumerate(weights):
                np.matmul(inputs[k][:rows], weight, out=outputs[k][:rows])
            for k in range(len(weights) - 1, -1, -1):
                np.matmul(inputs[k][:rows].T, deltas[k][:rows], out=grads[k])
                if k > 0:
                    np.matmul(deltas[k][:rows], weights[k].T, out=back[k][:rows])

    return products


def time_training(config, plan):
    """Time the GEMM floor and both libraries, interleaved; s per epoch.

    Each repeat times the floor, then both fits, alternating which library
    goes first, so that a slow spell of the machine hits all three alike.
    """
    X, y = make_data(config["n"], config["d"], config["task"], config["dtype"])
    epochs = plan["epochs"]
    products = gemm_epoch(config)
    times = {"floor": [], "skfnn": [], "sklearn": []}
    for repeat in range(plan["repeats"]):
        start = time.perf_counter()
        products()
        times["floor"].append(time.perf_counter() - start)
        order = ["skfnn", "sklearn"] if repeat % 2 == 0 else ["sklearn", "skfnn"]
        for library in order:
            estimator = make_estimator(library, config, epochs)
            times[library].append(time_fit(estimator, X, y, epochs) / epochs)
    return times


def training_row(config, times, probe_ms):
    """Combine a configuration's timings (per epoch, each repeat) into a row."""
    flops = flops_per_epoch(config)
    n_batches = len(batch_sizes(config["n"], config["batch"]))
    seconds = {name: min(values) for name, values in times.items()}
    floor = seconds["floor"]
    return {
        **config,
        "hidden": list(config["hidden"]),
        "skfnn_s": seconds["skfnn"],
        "sklearn_s": seconds["sklearn"],
        "ratio": seconds["skfnn"] / seconds["sklearn"],
        "floor_s": floor,
        "floor_share": floor / seconds["skfnn"],
        "skfnn_gflops": flops / seconds["skfnn"] / 1e9,
        "sklearn_gflops": flops / seconds["sklearn"] / 1e9,
        "other_us_per_batch": (seconds["skfnn"] - floor) / n_batches * 1e6,
        "spread": max(
            statistics.median(values) / min(values) for values in times.values()
        ),
        "load_1min": os.getloadavg()[0],
        "speed_probe_ms": probe_ms,
        "repeats_s": times,
    }


def run_training(plan):
    """Run the training grid and print one table row per configuration."""
    emit_header(
        "Training: seconds per epoch (min over repeats), ratio = skfnn/sklearn",
        TRAINING_COLUMNS,
    )
    rows = []
    for config in training_configs(plan):
        probe_ms = speed_probe_ms()
        row = training_row(config, time_training(config, plan), probe_ms)
        rows.append(row)
        emit(format_row(TRAINING_COLUMNS, training_values(row)))
    return rows


def training_values(row):
    """Return the cells of a training row in the order of the table."""
    return [
        row["task"],
        hidden_text(row["hidden"]),
        row["d"],
        row["n"],
        row["batch"],
        row["dtype"],
        row["solver"],
        row["skfnn_s"],
        row["sklearn_s"],
        row["ratio"],
        row["floor_s"],
        row["floor_share"],
        row["skfnn_gflops"],
        row["sklearn_gflops"],
        row["other_us_per_batch"],
        row["spread"],
    ]


def time_adam_update(plan):
    """Return the seconds of one Adam step on the (512,512,512) net's params."""
    sizes = (max(plan["features"]), *WIDE, 1)
    n_params = sum(a * b + b for a, b in itertools.pairwise(sizes))
    rng = np.random.default_rng(0)
    result = {"n_params": n_params}
    for dtype in plan["dtype"]:
        params = rng.standard_normal(n_params).astype(dtype)
        grad = rng.standard_normal(n_params).astype(dtype)
        optimizer = Adam(n_params, np.dtype(dtype))
        step = functools.partial(optimizer.step, params, grad, 1e-3)
        result[dtype] = per_call_seconds(step, plan["repeats"])
    emit()
    emit(
        f"Adam update of the {hidden_text(WIDE)} net ({n_params} parameters): "
        + ", ".join(f"{dtype} {result[dtype] * 1e3:.3f} ms" for dtype in plan["dtype"])
    )
    return result


# Prediction.


def numpy_forward(coefs, intercepts, X):
    """Return the class probabilities of a binary ReLU network, bare NumPy."""
    h = X
    for weight, bias in zip(coefs[:-1], intercepts[:-1], strict=True):
        h = h @ weight
        h += bias
        np.maximum(h, 0, out=h)
    positive = expit(h @ coefs[-1] + intercepts[-1])
    return np.hstack([1 - positive, positive])


def fitted_pair(hidden, dtype):
    """Return skfnn and scikit-learn classifiers fitted for one epoch."""
    config = {"task": "clf", "hidden": hidden, "solver": "adam", "batch": 200}
    X, y = make_data(2_000, 20, "clf", dtype)
    return [
        make_estimator(library, config, 1).fit(X, y) for library in ("skfnn", "sklearn")
    ]


def run_predict(plan):
    """Time predict_proba of skfnn, scikit-learn and a bare NumPy forward."""
    emit_header("predict_proba: seconds per call (min over repeats)", PREDICT_COLUMNS)
    results = []
    largest = max(plan["predict_rows"])
    for hidden, dtype in itertools.product(plan["predict_hidden"], plan["dtype"]):
        ours, theirs = fitted_pair(hidden, dtype)
        X_all, _ = make_data(largest, 20, "clf", dtype, seed=1)
        for n_rows in plan["predict_rows"]:
            X = X_all[:n_rows]
            seconds = interleaved_per_call_seconds(
                [
                    functools.partial(ours.predict_proba, X),
                    functools.partial(theirs.predict_proba, X),
                    functools.partial(numpy_forward, ours.coefs_, ours.intercepts_, X),
                ],
                plan["repeats"],
            )
            row = {"hidden": list(hidden), "dtype": dtype, "rows": n_rows}
            row |= dict(zip(("skfnn_s", "sklearn_s", "numpy_s"), seconds, strict=True))
            row["vs_sklearn"] = seconds[0] / seconds[1]
            row["vs_numpy"] = seconds[0] / seconds[2]
            results.append(row)
            values = [hidden_text(hidden), *list(row.values())[1:]]
            emit(format_row(PREDICT_COLUMNS, values))
    return results


# Memory.


def fit_peak_bytes(estimator, X, y):
    """Return the peak of memory traced during fit, X itself excluded."""
    gc.collect()
    tracemalloc.start()
    try:
        estimator.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def run_memory(plan):
    """Measure the peak memory of one epoch of fit for growing n."""
    emit_header(
        "Peak memory of fit beyond X (tracemalloc), (128,128), batch 200, "
        "adam, float64, d=20, one epoch",
        MEMORY_COLUMNS,
    )
    config = {"task": "clf", "hidden": (128, 128), "solver": "adam", "batch": 200}
    results = []
    for n in plan["memory_rows"]:
        X, y = make_data(n, 20, "clf", "float64", seed=2)
        peaks = [
            fit_peak_bytes(make_estimator(library, config, 1), X, y)
            for library in ("skfnn", "sklearn")
        ]
        stopping = make_estimator("skfnn", config, 1).set_params(early_stopping=True)
        mib = [value / 2**20 for value in (X.nbytes, *peaks)]
        row = {"n": n, "X_mib": mib[0], "skfnn_mib": mib[1], "sklearn_mib": mib[2]}
        row["ratio"] = peaks[0] / peaks[1]
        # early stopping holds out validation_fraction=0.1 of the rows
        row["early_stopping_mib"] = fit_peak_bytes(stopping, X, y) / 2**20
        results.append(row)
        emit(format_row(MEMORY_COLUMNS, list(row.values())))
    make_data.cache_clear()
    return results


# Accuracy.


# The accuracy comparison's models. scikit-learn's MLP draws ReLU weights
# from U(-r, r) with r = sqrt(6 / (fan_in + fan_out)), Glorot's uniform scheme;
# skfnn's default init='auto' draws He's. The matched row uses Glorot's scheme
# too, so that it differs from scikit-learn's model in the engine only.
ACCURACY_MODELS = {
    "skfnn": (FNNClassifier, {}),
    "skfnn (init as sklearn)": (FNNClassifier, {"init": "glorot_uniform"}),
    "sklearn": (MLPClassifier, {}),
}
MATCHED = "skfnn (init as sklearn)"


def credit_scores(library, seed, split):
    """Fit one pipeline on the credit data; return its test scores."""
    X_train, X_test, y_train, y_test = split
    params = {
        "hidden_layer_sizes": (32, 32),
        "solver": "adam",
        "max_iter": 200,
        "random_state": seed,
    }
    estimator, extra = ACCURACY_MODELS[library]
    network = estimator(**params, **extra)
    model = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), network)
    model.fit(X_train, y_train)
    proba = model.predict_proba(X_test)
    classes = model.classes_
    return {
        "accuracy": accuracy_score(y_test, classes[proba.argmax(axis=1)]),
        "roc_auc": roc_auc_score(y_test == classes[1], proba[:, 1]),
        "log_loss": log_loss(y_test, proba, labels=classes),
        "epochs": network.n_iter_,
    }


def mean_sd(values):
    """Return the mean and the sample standard deviation of a list."""
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return statistics.fmean(values), sd


def run_accuracy(plan):
    """Compare test scores on the bundled credit data over several seeds."""
    X, y = load_credit_scoring(return_X_y=True, as_frame=True)
    X = X.select_dtypes(exclude="category")
    split = train_test_split(X, y, stratify=y, random_state=0)
    emit_header(
        "Accuracy on load_credit_scoring (numeric columns, SimpleImputer + "
        f"StandardScaler, (32,32), adam), mean +- sd over "
        f"{plan['accuracy_seeds']} seeds",
        ACCURACY_COLUMNS,
    )
    results = {}
    for library in ACCURACY_MODELS:
        runs = [
            credit_scores(library, seed, split)
            for seed in range(plan["accuracy_seeds"])
        ]
        summary = {key: mean_sd([run[key] for run in runs]) for key in runs[0]}
        results[library] = summary
        cells = [f"{mean:.4f} +- {sd:.4f}" for mean, sd in summary.values()]
        emit(format_row(ACCURACY_COLUMNS, [library, *cells[:3], summary["epochs"][0]]))
    return results


# PyTorch.


def torch_fit_seconds(torch, config, X, y, epochs):
    """Return the seconds of a plain PyTorch training loop (Adam, BCE loss)."""
    torch.manual_seed(0)
    sizes = (config["d"], *config["hidden"])
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers, torch.nn.Linear(sizes[-1], 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_function = torch.nn.BCEWithLogitsLoss()
    inputs = torch.from_numpy(X)
    targets = torch.from_numpy(y.astype(X.dtype)).reshape(-1, 1)
    gc.collect()
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(config["n"])
        for first in range(0, config["n"], config["batch"]):
            rows = order[first : first + config["batch"]]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_function(model(inputs[rows]), targets[rows])
            loss.backward()
            optimizer.step()
    return time.perf_counter() - start


def time_against_torch(torch, config, plan):
    """Time skfnn and PyTorch on one configuration, interleaved; s per epoch."""
    X, y = make_data(config["n"], config["d"], "clf", "float32")
    epochs = plan["epochs"]
    # PyTorch imports parts of itself at its first optimizer step.
    torch_fit_seconds(torch, config, X, y, 1)
    ours, theirs = [], []
    for _ in range(plan["repeats"]):
        estimator = make_estimator("skfnn", config, epochs)
        ours.append(time_fit(estimator, X, y, epochs))
        theirs.append(torch_fit_seconds(torch, config, X, y, epochs))
    return min(ours) / epochs, min(theirs) / epochs


def run_torch(plan):
    """Compare skfnn with plain PyTorch on CPU, 2 threads, Adam, float32."""
    try:
        import torch
    except ImportError:
        emit()
        emit("PyTorch: skipped, `import torch` failed (optional, not a dependency).")
        return None
    torch.set_num_threads(2)
    emit_header(
        f"PyTorch {torch.__version__} CPU, 2 threads, Adam, float32",
        TORCH_COLUMNS,
    )
    results = []
    d = max(plan["features"])
    for hidden, batch in itertools.product(plan["hidden"], plan["torch_batch"]):
        n = plan["n_wide"] if hidden == WIDE else plan["n"]
        config = {"task": "clf", "hidden": hidden, "d": d, "n": n, "batch": batch}
        config |= {"solver": "adam", "dtype": "float32"}
        ours, theirs = time_against_torch(torch, config, plan)
        row = {"hidden": list(hidden), "d": d, "n": n, "batch": batch}
        row |= {"skfnn_s": ours, "torch_s": theirs, "ratio": ours / theirs}
        results.append(row)
        emit(format_row(TORCH_COLUMNS, [hidden_text(hidden), *list(row.values())[1:]]))
    return results


# Targets.


def verdict(description, value, limit, at_least=False):
    """Return a target's result: PASS, MISS, or SKIP when nothing was measured."""
    if value is None:
        status = "SKIP"
    elif at_least:
        status = "PASS" if value >= limit else "MISS"
    else:
        status = "PASS" if value <= limit else "MISS"
    bound = ">=" if at_least else "<="
    return {
        "target": description,
        "value": value,
        "limit": f"{bound} {limit:.3g}",
        "status": status,
    }


def summary(values, statistic):
    """Return the median or the worst (largest) of values, None if empty."""
    if not values:
        return None
    return statistics.median(values) if statistic == "median" else max(values)


def training_targets(rows):
    """Check the epoch-time targets on the rows of the training grid."""
    small = [
        row["ratio"]
        for row in rows
        if len(row["hidden"]) <= 2 and max(row["hidden"]) <= 128
        if row["batch"] <= 200
    ]
    wide = [
        row
        for row in rows
        if row["hidden"] == list(WIDE) and row["batch"] >= 200
        if row["dtype"] == "float32"
    ]
    worst_share = min((row["floor_share"] for row in wide), default=None)
    fixed = [
        row["other_us_per_batch"]
        for row in rows
        if row["hidden"] == [32] and row["batch"] == 32
    ]
    halves = float32_ratios(
        [row for row in rows if row["hidden"] == list(WIDE) and row["batch"] >= 200]
    )
    all_halves = float32_ratios(rows)
    label = "epoch time skfnn/sklearn, hidden <= (128,128), batch <= 200"
    wide_label = f"{hidden_text(WIDE)}, batch >= 200, float32"
    return [
        verdict(f"{label}, median of {len(small)}", summary(small, "median"), 0.4),
        verdict(f"{label}, worst of {len(small)}", summary(small, "worst"), 0.6),
        verdict(
            f"{wide_label}: GEMM floor / skfnn epoch, worst of {len(wide)}",
            worst_share,
            0.8,
            at_least=True,
        ),
        verdict(
            f"{wide_label}: skfnn/sklearn, worst of {len(wide)}",
            summary([row["ratio"] for row in wide], "worst"),
            0.7,
        ),
        verdict(
            f"{hidden_text(WIDE)}, batch >= 200: skfnn epoch float32/float64, "
            f"worst of {len(halves)} pairs (all {len(all_halves)} pairs: median "
            f"{fmt(summary(all_halves, 'median'))})",
            summary(halves, "worst"),
            0.6,
        ),
        verdict(
            f"non-GEMM time per minibatch (us), (32,), batch 32, worst of "
            f"{len(fixed)} (median {fmt(summary(fixed, 'median'))})",
            summary(fixed, "worst"),
            60,
        ),
    ]


def fmt(value):
    """Return a number with three significant digits, or '-' for None."""
    return "-" if value is None else f"{value:.3g}"


def float32_ratios(rows):
    """Return skfnn's float32/float64 epoch time of each configuration pair."""
    keys = ("task", "d", "n", "batch", "solver")
    float64 = {
        (hidden_text(row["hidden"]), *(row[key] for key in keys)): row["skfnn_s"]
        for row in rows
        if row["dtype"] == "float64"
    }
    ratios = []
    for row in rows:
        key = (hidden_text(row["hidden"]), *(row[key] for key in keys))
        if row["dtype"] == "float32" and key in float64:
            ratios.append(row["skfnn_s"] / float64[key])
    return ratios


def other_targets(results, plan):
    """Check the Adam, PyTorch, prediction, memory and accuracy targets."""
    adam = results.get("adam") or {}
    torch_rows = results.get("torch") or []
    small_torch = [row["ratio"] for row in torch_rows if row["hidden"] != list(WIDE)]
    wide_torch = [row["ratio"] for row in torch_rows if row["hidden"] == list(WIDE)]
    predict = results.get("predict") or []
    largest = max(plan["predict_rows"])
    one_row = [row["vs_sklearn"] for row in predict if row["rows"] == 1]
    many_rows = [row["vs_numpy"] for row in predict if row["rows"] == largest]
    adam_ms = adam.get("float32")
    return [
        verdict(
            f"Adam update of the {hidden_text(WIDE)} net, float32 (ms)",
            None if adam_ms is None else adam_ms * 1e3,
            0.5,
        ),
        verdict(
            "epoch time skfnn/PyTorch (2 threads, Adam), hidden <= (128,128), worst",
            summary(small_torch, "worst"),
            1.0,
        ),
        verdict(
            f"epoch time skfnn/PyTorch, {hidden_text(WIDE)}, worst",
            summary(wide_torch, "worst"),
            1.2,
        ),
        verdict(
            "predict_proba of 1 row, skfnn/sklearn, worst",
            summary(one_row, "worst"),
            0.4,
        ),
        verdict(
            f"predict_proba of {largest} rows, skfnn/bare NumPy, worst",
            summary(many_rows, "worst"),
            1.1,
        ),
        memory_target(results.get("memory")),
        early_stopping_memory_target(results.get("memory")),
        *accuracy_targets(results.get("accuracy")),
    ]


def memory_target(rows):
    """Check that skfnn's fit memory grows with n no faster than sklearn's."""
    description = "growth of fit's peak memory with n, skfnn/sklearn"
    if not rows or len(rows) < 2:
        return verdict(description, None, 1.0)
    first, last = rows[0], rows[-1]
    ours = last["skfnn_mib"] - first["skfnn_mib"]
    theirs = last["sklearn_mib"] - first["sklearn_mib"]
    description += f", n={first['n']} to n={last['n']}"
    return verdict(description, ours / theirs, 1.0)


def early_stopping_memory_target(rows):
    """Check that early stopping adds much less than a copy of X to fit."""
    description = "early stopping: extra peak memory of fit / size of X"
    if not rows:
        return verdict(description, None, 0.5)
    last = rows[-1]
    extra = last["early_stopping_mib"] - last["skfnn_mib"]
    description += f", n={last['n']} (a copy of the training rows would be 0.9)"
    return verdict(description, extra / last["X_mib"], 0.5)


def accuracy_targets(scores):
    """Check that test scores differ by at most twice their standard error."""
    checks = []
    for metric in ("accuracy", "roc_auc"):
        description = f"credit data test {metric}: |{MATCHED} - sklearn| <= 2 SE"
        if scores:
            gap = scores["skfnn"][metric][0] - scores["sklearn"][metric][0]
            description += f" (default init: skfnn - sklearn {gap:+.4f})"
        if not scores:
            checks.append(verdict(description, None, 0.0))
            continue
        (mean_a, sd_a), (mean_b, sd_b) = (
            scores[MATCHED][metric],
            scores["sklearn"][metric],
        )
        n_seeds = scores["n_seeds"]
        standard_error = math.sqrt((sd_a**2 + sd_b**2) / n_seeds)
        checks.append(verdict(description, abs(mean_a - mean_b), 2 * standard_error))
    return checks


def emit_targets(targets):
    """Print one PASS/MISS/SKIP line per target."""
    emit()
    emit("Targets")
    for item in targets:
        value = fmt(item["value"])
        emit(f"{item['status']}  {item['target']}: {value} ({item['limit']})")


# Driver.


def parse_args(argv):
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description="Benchmark skfnn against scikit-learn's MLP."
    )
    parser.add_argument(
        "--quick", action="store_true", help="run a small subset (1-2 minutes)"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        help=f"where to write the results (default: {DEFAULT_JSON})",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="run only this section; may be repeated",
    )
    return parser.parse_args(argv)


def run_sections(sections, plan):
    """Run the chosen sections in a fixed order; return their results."""
    results = {}
    if "training" in sections:
        results["training"] = run_training(plan)
        results["adam"] = time_adam_update(plan)
    if "predict" in sections:
        results["predict"] = run_predict(plan)
    if "memory" in sections:
        results["memory"] = run_memory(plan)
    if "accuracy" in sections:
        results["accuracy"] = run_accuracy(plan)
        results["accuracy"]["n_seeds"] = plan["accuracy_seeds"]
    if "torch" in sections:
        results["torch"] = run_torch(plan)
    return results


def emit_probe_summary(facts, rows):
    """Print the range of the speed probe over the run, warning if it moved."""
    probes = [facts["speed_probe_ms"], facts["speed_probe_ms_end"]]
    probes += [row["speed_probe_ms"] for row in rows]
    low, high = min(probes), max(probes)
    emit(
        f"speed probe: {facts['speed_probe_ms_end']:.1f} ms at the end; "
        f"{low:.1f} to {high:.1f} ms over the run"
    )
    if high > PROBE_DRIFT * low:
        emit(
            f"WARNING: the probe moved by more than {PROBE_DRIFT:.1f}x during the "
            "run: the machine's speed changed, so rows measured at different "
            "probe values (speed_probe_ms in the JSON file) are not on equal "
            "terms; each row's ratio still compares two libraries timed together."
        )


def write_json(path, document):
    """Write the results as JSON, creating the folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as stream:
        json.dump(document, stream, indent=1, default=lambda value: value.item())
        stream.write("\n")


def main(argv=None):
    """Run the benchmark and write its results to stdout and JSON."""
    args = parse_args(argv)
    plan = QUICK if args.quick else FULL
    sections = args.only or list(SECTIONS)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    facts = machine_facts()
    emit_facts(facts, plan)
    start = time.perf_counter()
    results = run_sections(sections, plan)
    targets = training_targets(results.get("training") or [])
    targets += other_targets(results, plan)
    emit_targets(targets)
    seconds = time.perf_counter() - start
    emit()
    facts["load_average_end"] = os.getloadavg()
    facts["others_cpu_share_end"] = others_cpu_share()
    facts["speed_probe_ms_end"] = speed_probe_ms()
    emit(
        f"Total {seconds / 60:.1f} min; CPU used by other processes just after "
        f"the end: {fmt_share(facts['others_cpu_share_end'])}"
    )
    emit_probe_summary(facts, results.get("training") or [])
    emit(f"Results in {args.json}")
    plan_json = {"quick": args.quick, "sections": sections, **plan}
    document = {"machine": facts, "plan": plan_json, "seconds": seconds}
    write_json(args.json, document | {"results": results, "targets": targets})
    return 0


if __name__ == "__main__":
    sys.exit(main())
