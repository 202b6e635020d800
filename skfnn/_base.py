"""BaseFNN: parameters, validation, the training loop and its stopping rule."""

import copy
import time
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted

from skfnn._activations import ACTIVATION_NAMES, ACTIVATIONS, PARAMETRIC_ACTIVATIONS
from skfnn._diagnostics import Monitor
from skfnn._initializers import INITIALIZERS, resolve_initializer
from skfnn._network import (
    Layout,
    Workspace,
    build_activations,
    init_params,
    loss_and_gradient,
    predict_pre_activation,
)
from skfnn._optimizers import make_optimizer
from skfnn._schedules import Schedule
from skfnn._sklearn_compat import (
    Interval,
    StrOptions,
    _check_sample_weight,
    _fit_context,
    validate_data,
)
from skfnn._utils import ProgressPrinter, minibatch_slices, random_streams

DEFAULT_DEPTH = 2
DEFAULT_WIDTH = 100
AUTO_BATCH_SIZE = 200
OPTIONAL_FITTED_ATTRIBUTES = (
    "prelu_slopes_",
    "diagnostics_",
    "validation_loss_curve_",
    "best_epoch_",
)


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


class BaseFNN(BaseEstimator, metaclass=ABCMeta):
    """Base class of the feedforward network estimators.

    Not for direct use: use :class:`skfnn.FNNClassifier` or
    :class:`skfnn.FNNRegressor`.
    """

    _parameter_constraints: dict = {
        "depth": [Interval(Integral, 1, None, closed="left"), None],
        "width": [Interval(Integral, 1, None, closed="left"), None],
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
            None,
        ],
        "activation": [StrOptions(set(ACTIVATION_NAMES)), list, tuple],
        "negative_slope": [Interval(Real, 0, 1, closed="both")],
        "init": [StrOptions({"auto", *INITIALIZERS}), callable],
        "solver": [StrOptions({"sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "monitor": ["boolean"],
    }

    @abstractmethod
    def __init__(
        self,
        *,
        depth,
        width,
        hidden_layer_sizes,
        activation,
        negative_slope,
        init,
        solver,
        alpha,
        batch_size,
        learning_rate,
        learning_rate_init,
        power_t,
        max_iter,
        shuffle,
        random_state,
        tol,
        verbose,
        warm_start,
        momentum,
        nesterovs_momentum,
        early_stopping,
        validation_fraction,
        beta_1,
        beta_2,
        epsilon,
        n_iter_no_change,
        monitor,
    ):
        self.depth = depth
        self.width = width
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.negative_slope = negative_slope
        self.init = init
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.monitor = monitor

    # Hooks of the subclasses.

    @abstractmethod
    def _validate_targets(self, y, classes, first_call, incremental, dtype):
        """Return (Y, stratify, fitted target attributes) for a target y."""

    @abstractmethod
    def _output_layer(self, target_attributes):
        """Return the output layer for the fitted target attributes."""

    # Parameters.

    def _check_params(self):
        """Check the rules that tie parameters together.

        Returns
        -------
        hidden_sizes : tuple of int
            N_1, ..., N_{L-1}.
        activation_names : list of str
            One hidden activation per hidden layer.
        """
        hidden_sizes = self._hidden_sizes()
        activation_names = self._resolve_activations(len(hidden_sizes))
        untrainable = [
            n
            for n in activation_names
            if n not in PARAMETRIC_ACTIVATIONS and not ACTIVATIONS[n].trainable
        ]
        if untrainable:
            raise ValueError(
                f"activation={self.activation!r} cannot be trained: "
                f"{untrainable[0]!r} has zero gradient almost everywhere, so "
                "backpropagation gets no signal. Use it only in hand-set "
                "networks, or train with 'relu', 'logistic' or 'tanh'."
            )
        return hidden_sizes, activation_names

    def _hidden_sizes(self):
        """Resolve depth, width and hidden_layer_sizes into N_1..N_{L-1}."""
        if self.hidden_layer_sizes is None:
            depth = DEFAULT_DEPTH if self.depth is None else self.depth
            width = DEFAULT_WIDTH if self.width is None else self.width
            return (width,) * (depth - 1)
        sizes = np.atleast_1d(np.asarray(self.hidden_layer_sizes))
        if sizes.ndim != 1 or not all(
            isinstance(n, Integral | np.integer) and n >= 1 for n in sizes.tolist()
        ):
            raise ValueError(
                "hidden_layer_sizes must be a sequence of positive integers; "
                f"got {self.hidden_layer_sizes!r}."
            )
        sizes = tuple(int(n) for n in sizes)
        if self.depth is not None and self.depth != len(sizes) + 1:
            raise ValueError(
                f"depth={self.depth} conflicts with hidden_layer_sizes={sizes}, "
                f"which means depth={len(sizes) + 1}. Set only one of them."
            )
        if self.width is not None and any(n != self.width for n in sizes):
            raise ValueError(
                f"width={self.width} conflicts with hidden_layer_sizes={sizes}. "
                "Set only one of them."
            )
        return sizes

    def _resolve_activations(self, n_hidden):
        """Return one activation name per hidden layer."""
        if isinstance(self.activation, str):
            return [self.activation] * n_hidden
        names = list(self.activation)
        if len(names) != n_hidden:
            raise ValueError(
                f"activation has {len(names)} entries but the network has "
                f"{n_hidden} hidden layers; give one name per hidden layer."
            )
        unknown = [n for n in names if n not in ACTIVATION_NAMES]
        if unknown:
            raise ValueError(
                f"Unknown activation {unknown[0]!r} in activation={names}; "
                f"choose from {sorted(ACTIVATION_NAMES)}."
            )
        return names

    # Fitting.

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to data X and target y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the loss is sum_i w_i L_i / sum_i w_i.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def _fit(self, X, y, sample_weight, *, incremental, classes=None):
        """Validate, train, and adopt the result only if training succeeds."""
        saved = dict(self.__dict__)
        try:
            return self._train(X, y, sample_weight, incremental, classes)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def _train(self, X, y, sample_weight, incremental, classes):
        """Run the training of one ``fit`` or ``partial_fit`` call."""
        hidden_sizes, activation_names = self._check_params()
        first_call = not hasattr(self, "_params") or (
            not incremental and not self.warm_start
        )
        X, y = self._validate_training_data(X, y, first_call)
        Y, stratify, target_attributes = self._validate_targets(
            y, classes, first_call, incremental, X.dtype
        )
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )
        layer_sizes = (X.shape[1], *hidden_sizes, Y.shape[1])
        output_layer = self._output_layer(target_attributes)
        data = _TrainingData(X, Y, sample_weight, stratify)
        run = self._start_run(
            layer_sizes, activation_names, data, output_layer, first_call, incremental
        )
        activations = build_activations(
            activation_names, run.layout, run.params, self.negative_slope
        )
        if self.monitor:
            run.monitor = Monitor(data.X, activation_names, run.history["diagnostics"])
        if incremental:
            self._run_epochs(run, data, None, activations, output_layer, 1)
        else:
            validation = self._split_validation(data, run.streams["split"])
            if validation is not None:
                data = data.subset(validation[0])
                validation = _TrainingData.from_rows(X, Y, sample_weight, validation[1])
            self._run_epochs(
                run, data, validation, activations, output_layer, self.max_iter
            )
        self._adopt(run, activation_names, output_layer, target_attributes)
        return self

    def _validate_training_data(self, X, y, first_call):
        """Validate X and y; X keeps float32 if it is float32."""
        dtype = [np.float64, np.float32]
        if not first_call:
            dtype = self._params.dtype
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc", "coo"],
            dtype=dtype,
            multi_output=True,
            reset=first_call,
        )
        if sp.issparse(X):
            X = X.tocsr()
        if X.shape[0] == 0:
            raise ValueError("Found array with 0 sample(s); at least 1 is required.")
        return X, y

    def _start_run(
        self, layer_sizes, activation_names, data, output_layer, first_call, incremental
    ):
        """Initialize a network, or copy the fitted one to continue training.

        A new network has random weights and zero biases, except the output
        bias, which starts at the best constant model of the training data.
        """
        layout = Layout(layer_sizes, [name == "prelu" for name in activation_names])
        dtype = data.X.dtype
        if first_call:
            streams = random_streams(self.random_state)
            initializers = [
                resolve_initializer(self.init, name)
                for name in [*activation_names, "output"]
            ]
            params = init_params(layout, initializers, streams["init"], dtype)
            _, biases = layout.views(params)
            biases[-1][...] = output_layer.constant_pre_activation(
                data.Y, data.sample_weight
            )
            optimizer = make_optimizer(
                self.solver, layout.n_params, dtype, self.get_params()
            )
            schedule = Schedule(
                self.learning_rate, self.learning_rate_init, self.power_t
            )
            history = {
                "loss_curve": [],
                "validation_loss_curve": [],
                "diagnostics": [],
                "t": 0,
            }
            return TrainingRun(layout, params, optimizer, schedule, streams, history)
        self._check_same_network(layout, activation_names)
        if incremental:
            streams = copy.deepcopy(self._streams)
        else:
            streams = random_streams(self.random_state)
        return TrainingRun(
            layout,
            self._params.copy(),
            copy.deepcopy(self._optimizer),
            copy.deepcopy(self._schedule),
            streams,
            copy.deepcopy(self._history),
        )

    def _check_same_network(self, layout, activation_names):
        """Refuse to continue training a network of another architecture."""
        fitted = (self._layout.layer_sizes, self._activation_names, self._solver)
        wanted = (layout.layer_sizes, activation_names, self.solver)
        if fitted != wanted:
            raise ValueError(
                "Cannot continue training (warm_start=True or partial_fit): the "
                f"fitted network has layer sizes {fitted[0]}, activations "
                f"{fitted[1]} and solver {fitted[2]!r}, but the parameters now "
                f"ask for {wanted[0]}, {wanted[1]} and {wanted[2]!r}. Set "
                "warm_start=False, or call fit, to start over."
            )

    def _split_validation(self, data, rng):
        """Return (train rows, validation rows) for early stopping, or None."""
        if not self.early_stopping:
            return None
        n_samples = data.X.shape[0]
        try:
            train, validation = train_test_split(
                np.arange(n_samples),
                test_size=self.validation_fraction,
                random_state=int(rng.integers(np.iinfo(np.int32).max)),
                stratify=data.stratify,
            )
        except ValueError as error:
            raise ValueError(
                f"early_stopping=True cannot hold out validation_fraction="
                f"{self.validation_fraction} of {n_samples} samples as a "
                f"validation set: {error} Use more samples, a larger "
                "validation_fraction, or early_stopping=False."
            ) from error
        if data.sample_weight[train].sum() <= 0:
            raise ValueError(
                "early_stopping=True left only zero sample weights in the "
                "training part of the validation split; use more samples or "
                "early_stopping=False."
            )
        return train, validation

    def _batch_size(self, n_samples):
        """Return the minibatch size: all rows at most, 200 for 'auto'."""
        if self.batch_size == "auto":
            return min(AUTO_BATCH_SIZE, n_samples)
        return min(self.batch_size, n_samples)

    def _run_epochs(self, run, data, validation, activations, output_layer, epochs):
        """Train for up to ``epochs`` epochs; stop on the stopping rule."""
        n_samples = data.X.shape[0]
        batch_size = self._batch_size(n_samples)
        workspace = Workspace(run.layout, batch_size, run.params.dtype)
        gather = _Gather(data, batch_size)
        l2 = self.alpha / float(data.sample_weight.sum())
        printer = ProgressPrinter(self.verbose)
        stopper = _StoppingRule(self.tol, self.n_iter_no_change)
        history = run.history
        for _ in range(epochs):
            start = time.perf_counter()
            learning_rate = run.schedule.rate(history["t"])
            # Overflow surfaces as a non-finite loss, reported below.
            with np.errstate(over="ignore", invalid="ignore"):
                loss = self._one_epoch(
                    run, gather, activations, output_layer, l2, workspace, batch_size
                )
            history["loss_curve"].append(loss)
            epoch = len(history["loss_curve"])
            self._check_finite(loss, epoch)
            if run.monitor is not None:
                run.monitor.end_epoch(epoch, run.layout, run.params, activations)
            monitored = loss
            validation_loss = None
            if validation is not None:
                validation_loss = _validation_loss(
                    run, validation, activations, output_layer
                )
                history["validation_loss_curve"].append(validation_loss)
                monitored = validation_loss
            printer.epoch(
                epoch, loss, validation_loss, learning_rate, time.perf_counter() - start
            )
            if epochs == 1:
                break
            kept = None if validation is None else run.params
            if stopper.update(monitored, kept, epoch) and not self._plateau(
                run, stopper, printer
            ):
                break
        else:
            if epochs > 1:
                warnings.warn(
                    f"Training stopped at max_iter={epochs} epochs before the "
                    f"loss improved by less than tol={self.tol} for "
                    f"n_iter_no_change={self.n_iter_no_change} epochs. Increase "
                    "max_iter, or raise tol or learning_rate_init.",
                    ConvergenceWarning,
                    stacklevel=6,
                )
        self._finish_epochs(run, stopper, validation, printer)

    def _plateau(self, run, stopper, printer):
        """Let the schedule react to a plateau; return True to go on."""
        if not run.schedule.on_plateau():
            printer.event(f"stopping at epoch {len(run.history['loss_curve'])}")
            return False
        stopper.reset_count()
        printer.event(f"learning rate divided, now {run.schedule.current:.3g}")
        return True

    def _finish_epochs(self, run, stopper, validation, printer):
        """Record the best loss and restore the best weights if validated."""
        run.history["best_loss"] = stopper.best
        run.history["best_epoch"] = stopper.best_epoch
        if validation is not None and stopper.best_params is not None:
            run.params[...] = stopper.best_params
            printer.event(f"restored the weights of epoch {stopper.best_epoch}")

    def _one_epoch(
        self, run, gather, activations, output_layer, l2, workspace, batch_size
    ):
        """Run one pass over the training rows; return the epoch's loss."""
        n_samples = gather.n_samples
        rng = run.streams["shuffle"]
        order = None
        if self.shuffle and batch_size < n_samples:
            order = rng.permutation(n_samples)
        total_loss = 0.0
        for batch in minibatch_slices(n_samples, batch_size):
            X, Y, weights = gather(order, batch)
            batch_weight = float(weights.sum())
            if batch_weight <= 0:
                continue
            loss = loss_and_gradient(
                run.params,
                run.grad,
                run.layout,
                activations,
                output_layer,
                X,
                Y,
                weights / batch_weight,
                l2,
                workspace,
            )
            learning_rate = run.schedule.rate(run.history["t"])
            if run.monitor is not None:
                run.monitor.record_gradients(run.layout, run.grad)
            run.optimizer.step(run.params, run.grad, learning_rate)
            if run.layout.n_slopes:
                # Project the prelu slopes back onto [0, 1].
                slopes = run.params[run.layout.slope_slice]
                np.clip(slopes, 0, 1, out=slopes)
            run.history["t"] += X.shape[0]
            total_loss += loss * batch_weight
        return total_loss / gather.total_weight

    @staticmethod
    def _check_finite(loss, epoch):
        """Stop with an error if the loss is no longer a finite number."""
        if not np.isfinite(loss):
            raise FloatingPointError(
                f"The training loss became {loss} at epoch {epoch}. Try a "
                "smaller learning_rate_init, scale the inputs (for example "
                "with StandardScaler in a Pipeline), or a larger alpha."
            )

    def _adopt(self, run, activation_names, output_layer, target_attributes):
        """Set the fitted attributes from a finished training run."""
        for name in OPTIONAL_FITTED_ATTRIBUTES:
            self.__dict__.pop(name, None)
        for name, value in target_attributes.items():
            setattr(self, name, value)
        history = run.history
        self._layout = run.layout
        self._params = run.params
        self._optimizer = run.optimizer
        self._schedule = run.schedule
        self._streams = run.streams
        self._history = history
        self._activation_names = activation_names
        self._negative_slope = self.negative_slope
        self._output_name = output_layer.name
        self._solver = self.solver
        self._bind_parameter_views()
        self.n_layers_ = run.layout.depth + 1
        self.n_outputs_ = run.layout.layer_sizes[-1]
        self.n_params_ = run.layout.n_params
        self.out_activation_ = output_layer.out_activation
        self.loss_curve_ = list(history["loss_curve"])
        self.loss_ = self.loss_curve_[-1]
        self.best_loss_ = history["best_loss"] if "best_loss" in history else None
        self.n_iter_ = len(self.loss_curve_)
        self.t_ = history["t"]
        if history["diagnostics"]:
            self.diagnostics_ = list(history["diagnostics"])
        if self.early_stopping and history["validation_loss_curve"]:
            self.validation_loss_curve_ = list(history["validation_loss_curve"])
            self.best_epoch_ = history["best_epoch"]

    def _bind_parameter_views(self):
        """Expose per-layer views of the flat parameters as fitted attributes."""
        self.coefs_, self.intercepts_ = self._layout.views(self._params)
        if self._layout.n_slopes:
            self.prelu_slopes_ = self._layout.slopes(self._params)

    def __setstate__(self, state):
        """Restore a pickled estimator and rebind its parameter views."""
        super().__setstate__(state)
        if "_params" in self.__dict__:
            self._bind_parameter_views()

    # Prediction.

    def _output_pre_activation(self, X):
        """Validate X and return s^(L) of the fitted network."""
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc", "coo"],
            dtype=[np.float64, np.float32],
            reset=False,
        )
        if sp.issparse(X):
            X = X.tocsr()
        X = X.astype(self._params.dtype, copy=False)
        activations = self._fitted_activations()
        return predict_pre_activation(X, self._params, self._layout, activations)

    def _fitted_activations(self):
        """Return the hidden activations of the fitted network."""
        return build_activations(
            self._activation_names, self._layout, self._params, self._negative_slope
        )

    def __sklearn_tags__(self):
        """Declare sparse input support."""
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class _TrainingData:
    """Training rows: inputs, encoded targets, weights, stratification labels."""

    def __init__(self, X, Y, sample_weight, stratify):
        self.X = X
        self.Y = Y
        self.sample_weight = sample_weight
        self.stratify = stratify

    @classmethod
    def from_rows(cls, X, Y, sample_weight, rows):
        """Return the data of the given rows."""
        return cls(X[rows], Y[rows], sample_weight[rows], None)

    def subset(self, rows):
        """Return the data of the given rows."""
        stratify = None if self.stratify is None else self.stratify[rows]
        return _TrainingData(
            self.X[rows], self.Y[rows], self.sample_weight[rows], stratify
        )


class _Gather:
    """Hand out minibatches, gathering shuffled rows into reused buffers."""

    def __init__(self, data, batch_size):
        self.data = data
        self.n_samples = data.X.shape[0]
        self.total_weight = float(data.sample_weight.sum())
        self.dense = not sp.issparse(data.X)
        if self.dense:
            self.X_buffer = np.empty((batch_size, data.X.shape[1]), data.X.dtype)
        self.Y_buffer = np.empty((batch_size, data.Y.shape[1]), data.Y.dtype)
        self.w_buffer = np.empty(batch_size, data.sample_weight.dtype)

    def __call__(self, order, batch):
        """Return (X, Y, sample_weight) of one minibatch."""
        data = self.data
        if order is None:
            return data.X[batch], data.Y[batch], data.sample_weight[batch]
        rows = order[batch]
        m = rows.shape[0]
        if self.dense:
            X = np.take(data.X, rows, axis=0, out=self.X_buffer[:m])
        else:
            X = data.X[rows]
        Y = np.take(data.Y, rows, axis=0, out=self.Y_buffer[:m])
        weights = np.take(data.sample_weight, rows, out=self.w_buffer[:m])
        return X, Y, weights


class _StoppingRule:
    """Stop when the monitored loss fails to improve by tol for a while.

    An epoch improves if its loss is below the best so far minus tol; after
    ``n_iter_no_change`` epochs in a row without improvement, ``update``
    returns True.
    """

    def __init__(self, tol, n_iter_no_change):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
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
            if params is None:
                pass
            elif self.best_params is None:
                self.best_params = params.copy()
            else:
                self.best_params[...] = params
        return self.count >= self.n_iter_no_change

    def reset_count(self):
        """Start counting epochs without improvement afresh."""
        self.count = 0


def _validation_loss(run, validation, activations, output_layer):
    """Return the weighted mean loss of the validation rows."""
    s_out = predict_pre_activation(validation.X, run.params, run.layout, activations)
    f = output_layer.activate(s_out)
    weights = validation.sample_weight
    total = float(weights.sum())
    if total <= 0:
        return float(np.mean(output_layer.sample_losses(s_out, validation.Y, f)))
    return output_layer.weighted_loss(s_out, validation.Y, f, weights) / total
