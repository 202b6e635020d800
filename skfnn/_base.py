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
from sklearn.metrics import get_scorer
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
from skfnn._optimizers import STOCHASTIC_SOLVERS, make_optimizer
from skfnn._schedules import SCHEDULES, Schedule
from skfnn._sklearn_compat import (
    CallbackSupportMixin,
    Interval,
    StrOptions,
    _check_sample_weight,
    _fit_context,
    validate_data,
)
from skfnn._training import (
    Gather,
    StoppingRule,
    TrainingData,
    TrainingRun,
    check_loss,
    new_history,
    run_lbfgs,
    validation_loss,
)
from skfnn._utils import (
    ProgressPrinter,
    blas_threads,
    minibatch_slices,
    random_streams,
)


def _has_stochastic_solver(estimator):
    """Return True for stochastic solvers; partial_fit needs one."""
    if estimator.solver == "lbfgs":
        raise AttributeError(
            "partial_fit is not available with solver='lbfgs', which trains on "
            "the full batch; use a stochastic solver such as 'adam'."
        )
    return True


DEFAULT_DEPTH = 2
DEFAULT_WIDTH = 100
AUTO_BATCH_SIZE = 200
OPTIONAL_FITTED_ATTRIBUTES = (
    "diagnostics_",
    "validation_loss_curve_",
    "validation_scores_",
    "best_epoch_",
)


class BaseFNN(CallbackSupportMixin, BaseEstimator, metaclass=ABCMeta):
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
        "solver": [StrOptions({*STOCHASTIC_SOLVERS, "lbfgs"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "decay_rate": [Interval(Real, 0, 1, closed="right")],
        "step_size": [Interval(Integral, 1, None, closed="left")],
        "warmup_epochs": [Interval(Integral, 0, None, closed="left")],
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
        "scoring": [str, callable],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "rho": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "monitor": ["boolean"],
    }

    @abstractmethod
    def __init__(self, **params):
        for name, value in params.items():
            setattr(self, name, value)

    # Hooks of the subclasses.

    @abstractmethod
    def _validate_targets(self, y, classes, first_call, incremental, dtype):
        """Return (Y, stratify, fitted target attributes) for a target y."""

    @abstractmethod
    def _encode_targets(self, y, target_attributes, dtype):
        """Return validation targets encoded like the training targets."""

    @abstractmethod
    def _output_layer(self, target_attributes):
        """Return the output layer for the fitted target attributes."""

    def _class_weight_factors(self, stratify, target_attributes, incremental):
        """Return per-row factors from class weights, or None."""
        return None

    # Parameters.

    def _check_params(self, incremental):
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
                "networks (skfnn.network.Network), or train with 'relu', "
                "'logistic' or 'tanh'."
            )
        if self.solver == "lbfgs":
            self._check_lbfgs(incremental)
        return hidden_sizes, activation_names

    def _check_lbfgs(self, incremental):
        """Refuse settings that need minibatches together with 'lbfgs'."""
        if incremental:
            raise ValueError(
                "partial_fit needs a stochastic solver; solver='lbfgs' trains "
                "on the full batch. Use fit, or solver='adam' or 'sgd'."
            )
        for name, value in (
            ("early_stopping", self.early_stopping),
            ("dropout", self.dropout),
        ):
            if value:
                raise ValueError(
                    f"{name}={value} needs a stochastic solver; solver='lbfgs' "
                    "minimizes a fixed full-batch objective."
                )

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
    def fit(
        self, X, y, sample_weight=None, X_val=None, y_val=None, sample_weight_val=None
    ):
        """Fit the network to data X and target y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the loss is sum_i w_i L_i / sum_i w_i.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
default=None
            A validation set of your own. Its weighted loss (and ``scoring``)
            is recorded each epoch; with ``early_stopping=True`` it replaces
            the held-out ``validation_fraction``. Not with ``solver='lbfgs'``.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of the validation set.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation rows.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        validation_set = None
        if X_val is not None or y_val is not None:
            if X_val is None or y_val is None:
                raise ValueError("X_val and y_val must be given together.")
            validation_set = (X_val, y_val, sample_weight_val)
        elif sample_weight_val is not None:
            raise ValueError("sample_weight_val was given without X_val and y_val.")
        return self._fit(
            X, y, sample_weight, incremental=False, validation=validation_set
        )

    def _fit(self, X, y, sample_weight, *, incremental, classes=None, validation=None):
        """Validate, train, and adopt the result only if training succeeds."""
        saved = dict(self.__dict__)
        try:
            return self._train(X, y, sample_weight, incremental, classes, validation)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def _train(self, X, y, sample_weight, incremental, classes, validation_set):
        """Run the training of one ``fit`` or ``partial_fit`` call."""
        hidden_sizes, activation_names = self._check_params(incremental)
        if validation_set is not None and self.solver == "lbfgs":
            raise ValueError(
                "X_val and y_val need a stochastic solver, which validates after "
                "each epoch; solver='lbfgs' has no epochs."
            )
        first_call = not hasattr(self, "_params") or (
            not incremental and not self.warm_start
        )
        X, y = self._validate_training_data(X, y, first_call)
        Y, stratify, target_attributes = self._validate_targets(
            y, classes, first_call, incremental, X.dtype
        )
        sample_weight = self._training_weights(
            sample_weight, X, stratify, target_attributes, incremental
        )
        output_layer = self._output_layer(target_attributes)
        data = TrainingData(X, Y, sample_weight, stratify, y)
        layer_sizes = (X.shape[1], *hidden_sizes, Y.shape[1])
        run = self._start_run(
            layer_sizes, activation_names, data, output_layer, first_call, incremental
        )
        activations = build_activations(
            activation_names, run.layout, run.params, self.negative_slope
        )
        if self.monitor:
            run.monitor = Monitor(data.X, activation_names, run.history["diagnostics"])
        model = _Model(activations, output_layer, activation_names, target_attributes)
        epochs = 1 if incremental or self.solver == "lbfgs" else self.max_iter
        model.callbacks = self._init_callback_context(max_subtasks=epochs)
        callback_data = {"estimator": self, "X": X, "y": y}
        model.callbacks.call_on_fit_task_begin(**callback_data)
        if self.solver == "lbfgs":
            self._fit_lbfgs(run, data, model)
        else:
            threads = blas_threads(run.layout, self._batch_size(X.shape[0]))
            with threads:
                self._fit_stochastic(run, data, model, incremental, validation_set)
        self._adopt(run, model)
        model.callbacks.call_on_fit_task_end(
            **callback_data, reconstruction_attributes={}
        )
        return self

    def _fit_stochastic(self, run, data, model, incremental, validation_set):
        """Train with minibatches: one epoch, or up to max_iter with stopping."""
        if incremental:
            self._run_epochs(run, data, None, model, 1, incremental=True)
            return
        data, validation = self._validation_data(
            data, validation_set, run.streams["split"], model.target_attributes
        )
        self._run_epochs(run, data, validation, model, self.max_iter)

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
        if sp.issparse(y):
            y = y.toarray()
        if X.shape[0] == 0:
            raise ValueError("Found array with 0 sample(s); at least 1 is required.")
        return X, y

    def _training_weights(self, sample_weight, X, stratify, target_attributes, inc):
        """Return sample weights times any class weights."""
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )
        factors = self._class_weight_factors(stratify, target_attributes, inc)
        if factors is None:
            return sample_weight
        weights = sample_weight * factors.astype(X.dtype)
        if weights.sum() <= 0:
            raise ValueError("class_weight leaves no row with a positive weight.")
        return weights

    def _start_run(
        self, layer_sizes, activation_names, data, output_layer, first_call, incremental
    ):
        """Initialize a network, or copy the fitted one to continue training.

        A new network has random weights and zero biases, except the output
        bias, which starts at the best constant model of the training data.
        """
        layout = Layout(layer_sizes, [name == "prelu" for name in activation_names])
        if first_call:
            return self._new_run(layout, activation_names, data, output_layer)
        self._check_same_network(layout, activation_names, output_layer)
        if incremental:
            streams = copy.deepcopy(self._streams)
        else:
            streams = random_streams(self.random_state, self._stream_seeds())
        return TrainingRun(
            layout,
            self._params.copy(),
            copy.deepcopy(self._optimizer),
            copy.deepcopy(self._schedule),
            streams,
            {
                key: list(value) if isinstance(value, list) else value
                for key, value in self._history.items()
            },
        )

    def _new_run(self, layout, activation_names, data, output_layer):
        """Return a run on a freshly initialized network."""
        dtype = data.X.dtype
        streams = random_streams(self.random_state, self._stream_seeds())
        initializers = [
            resolve_initializer(self.init, name)
            for name in [*activation_names, "output"]
        ]
        params = init_params(layout, initializers, streams["init"], dtype)
        _, biases = layout.views(params)
        biases[-1][...] = output_layer.constant_pre_activation(
            data.Y, data.sample_weight
        )
        optimizer = None
        if self.solver != "lbfgs":
            optimizer = make_optimizer(self.solver, layout, dtype, self.get_params())
        schedule = Schedule(
            self.learning_rate,
            self.learning_rate_init,
            power_t=self.power_t,
            decay_rate=self.decay_rate,
            step_size=self.step_size,
            warmup_epochs=self.warmup_epochs,
        )
        return TrainingRun(layout, params, optimizer, schedule, streams, new_history())

    def _stream_seeds(self):
        """Return seeds that pin single random streams (set by seed_sweep)."""
        return getattr(self, "_seed_overrides", None)

    def _check_same_network(self, layout, activation_names, output_layer):
        """Refuse to continue training a network of another architecture."""
        fitted = (
            self._layout.layer_sizes,
            self._activation_names,
            self._solver,
            self._output_name,
        )
        wanted = (layout.layer_sizes, activation_names, self.solver, output_layer.name)
        if fitted != wanted:
            raise ValueError(
                "Cannot continue training (warm_start=True or partial_fit): the "
                f"fitted network has layer sizes {fitted[0]}, activations "
                f"{fitted[1]}, solver {fitted[2]!r} and loss {fitted[3]!r}, but "
                f"the parameters now ask for {wanted[0]}, {wanted[1]}, "
                f"{wanted[2]!r} and {wanted[3]!r}. Set warm_start=False, or call "
                "fit, to start over."
            )

    def _validation_data(self, data, validation_set, rng, target_attributes):
        """Return (training data, validation data or None) of a fit."""
        if validation_set is not None:
            return data, self._user_validation(validation_set, data, target_attributes)
        if not self.early_stopping:
            return data, None
        train, held_out = self._split_rows(data, rng)
        # the training rows stay in the caller's X; only the held-out ones
        # are copied
        return data.subset(train, share_inputs=True), data.subset(held_out)

    def _user_validation(self, validation_set, data, target_attributes):
        """Validate a validation set given to ``fit``."""
        X_val, y_val, sample_weight_val = validation_set
        X_val = validate_data(
            self,
            X_val,
            accept_sparse=["csr", "csc", "coo"],
            dtype=data.X.dtype,
            reset=False,
        )
        if sp.issparse(X_val):
            X_val = X_val.tocsr()
        y_val = np.asarray(y_val)
        if y_val.shape[0] != X_val.shape[0]:
            raise ValueError(
                f"X_val has {X_val.shape[0]} rows but y_val has {y_val.shape[0]}."
            )
        Y_val = self._encode_targets(y_val, target_attributes, data.X.dtype)
        weights = _check_sample_weight(
            sample_weight_val, X_val, dtype=data.X.dtype, ensure_non_negative=True
        )
        return TrainingData(X_val, Y_val, weights, None, y_val)

    def _split_rows(self, data, rng):
        """Return (train rows, validation rows) of the early-stopping split."""
        n_samples = data.X.shape[0]
        seed = int(rng.integers(np.iinfo(np.int32).max))
        split = dict(test_size=self.validation_fraction, random_state=seed)
        try:
            try:
                train, held_out = train_test_split(
                    np.arange(n_samples), stratify=data.stratify, **split
                )
            except ValueError:
                if data.stratify is None:
                    raise
                # Too few rows of some class to stratify: split at random.
                train, held_out = train_test_split(np.arange(n_samples), **split)
        except ValueError as error:
            raise ValueError(
                f"early_stopping=True cannot hold out validation_fraction="
                f"{self.validation_fraction} of {n_samples} samples as a "
                f"validation set: {str(error).rstrip('.')}. Use more samples, a "
                "larger validation_fraction, or early_stopping=False."
            ) from error
        if data.sample_weight[train].sum() <= 0:
            raise ValueError(
                "early_stopping=True left only zero sample weights in the "
                "training part of the validation split; use more samples or "
                "early_stopping=False."
            )
        return train, held_out

    def _batch_size(self, n_samples):
        """Return the minibatch size: all rows at most, 200 for 'auto'."""
        if self.batch_size == "auto":
            return min(AUTO_BATCH_SIZE, n_samples)
        return min(self.batch_size, n_samples)

    def _penalties(self, data):
        """Return the L2 and L1 coefficients of the objective of ``data``."""
        scale = self.alpha / float(data.sample_weight.sum())
        l2 = scale * (1.0 - self.l1_ratio)
        if self.solver == "adamw":
            # AdamW decays the weights itself, outside the gradient.
            l2 = 0.0
        return {"l2": l2, "l1": scale * self.l1_ratio}

    def _run_epochs(self, run, data, validation, model, epochs, incremental=False):
        """Train for up to ``epochs`` epochs; stop on the stopping rule."""
        epoch_step = _EpochStep(self, run, data, model)
        printer = ProgressPrinter(self.verbose)
        keep_best = self.early_stopping and validation is not None
        stopper = StoppingRule(self.tol, self.n_iter_no_change, keep_best)
        history = run.history
        for index in range(epochs):
            start = time.perf_counter()
            task = model.callbacks.subcontext(task_name="epoch")
            # callbacks evaluate a callable argument only if they use it, so
            # shared training rows are copied out of X only for them
            task.call_on_fit_task_begin(estimator=self, X=lambda: data.X, y=data.y)
            epoch_index = len(history["loss_curve"]) if incremental else index
            learning_rate = run.schedule.rate(history["t"], epoch_index, self.max_iter)
            # Overflow surfaces as a non-finite loss, checked below.
            with np.errstate(over="ignore", invalid="ignore"):
                loss = epoch_step(epoch_index, self.max_iter)
            history["loss_curve"].append(loss)
            history["learning_rates"].append(learning_rate)
            epoch = len(history["loss_curve"])
            check_loss(loss, epoch, history["loss_curve"][0])
            check_state = getattr(run.optimizer, "check_state", None)
            if check_state is not None:
                check_state()
            if run.monitor is not None:
                run.monitor.end_epoch(epoch, run.layout, run.params, model.activations)
            monitored = loss
            if validation is not None:
                validated = self._validate_epoch(run, validation, model)
                if self.early_stopping:
                    monitored = validated
            printer.epoch(
                epoch,
                loss,
                history["validation_loss_curve"][-1] if validation else None,
                learning_rate,
                time.perf_counter() - start,
            )
            stop_asked = task.call_on_fit_task_end(
                estimator=self,
                X=lambda: data.X,
                y=data.y,
                reconstruction_attributes=lambda: self._snapshot(run, model),
            )
            if incremental or stop_asked:
                break
            if stopper.update(monitored, run.params, epoch) and not self._plateau(
                run, stopper, printer
            ):
                break
        else:
            if not incremental:
                self._warn_max_iter(epochs, stacklevel=8)
        if incremental:
            history["best_loss"] = history["best_epoch"] = None
        else:
            self._finish_epochs(run, stopper, printer)

    def _validate_epoch(self, run, validation, model):
        """Record the validation loss (and score); return what to monitor."""
        loss = validation_loss(run, validation, model.activations, model.output_layer)
        run.history["validation_loss_curve"].append(loss)
        if self.scoring == "loss":
            return loss
        probe = copy.copy(self)
        probe._adopt(run, model)
        score = get_scorer(self.scoring)(
            probe, validation.X, validation.y, sample_weight=validation.sample_weight
        )
        run.history["validation_scores"].append(float(score))
        return -score

    def _snapshot(self, run, model):
        """Return the attributes of a model fitted up to now, for callbacks."""
        probe = copy.copy(self)
        probe._adopt(run, model)
        state = {
            name: value
            for name, value in vars(probe).items()
            if name.endswith("_") or name.startswith("_")
        }
        state["_params"] = run.params.copy()
        return state

    def _warn_max_iter(self, epochs, stacklevel):
        """Warn that training ran out of epochs before converging."""
        warnings.warn(
            f"Training stopped at max_iter={epochs} epochs before the loss "
            f"improved by less than tol={self.tol} for n_iter_no_change="
            f"{self.n_iter_no_change} epochs. Increase max_iter, or raise tol "
            "or learning_rate_init.",
            ConvergenceWarning,
            stacklevel=stacklevel,
        )

    def _plateau(self, run, stopper, printer):
        """Let the schedule react to a plateau; return True to go on."""
        if not run.schedule.on_plateau():
            printer.event(f"stopping at epoch {len(run.history['loss_curve'])}")
            return False
        stopper.reset_count()
        printer.event(f"learning rate divided, now {run.schedule.current:.3g}")
        return True

    def _finish_epochs(self, run, stopper, printer):
        """Record the best loss and restore the best weights if validated."""
        run.history["best_loss"] = stopper.best
        run.history["best_epoch"] = stopper.best_epoch
        if stopper.best_params is not None:
            run.params[...] = stopper.best_params
            printer.event(f"restored the weights of epoch {stopper.best_epoch}")

    def _fit_lbfgs(self, run, data, model):
        """Train full-batch with L-BFGS-B; warn if max_iter runs out."""
        with np.errstate(over="ignore", invalid="ignore"):
            n_iter = run_lbfgs(
                run,
                data,
                model.activations,
                model.output_layer,
                self._penalties(data),
                self.max_iter,
                self.tol,
            )
        losses = run.history["loss_curve"]
        check_loss(losses[-1], len(losses), losses[0])
        run.history["best_loss"] = min(losses)
        if n_iter >= self.max_iter:
            self._warn_max_iter(self.max_iter, stacklevel=7)

    def _adopt(self, run, model):
        """Set the fitted attributes from a finished training run."""
        for name in OPTIONAL_FITTED_ATTRIBUTES:
            self.__dict__.pop(name, None)
        for name, value in model.target_attributes.items():
            setattr(self, name, value)
        history = run.history
        self._layout = run.layout
        self._params = run.params
        self._optimizer = run.optimizer
        self._schedule = run.schedule
        self._streams = run.streams
        self._history = history
        self._activation_names = model.activation_names
        self._negative_slope = self.negative_slope
        self._output_name = model.output_layer.name
        self._solver = self.solver
        self.n_layers_ = run.layout.depth + 1
        self.n_outputs_ = run.layout.layer_sizes[-1]
        self.n_params_ = run.layout.n_params
        self.out_activation_ = model.output_layer.out_activation
        self.loss_curve_ = list(history["loss_curve"])
        self.loss_ = self.loss_curve_[-1]
        self.learning_rates_ = list(history["learning_rates"])
        self.best_loss_ = history["best_loss"]
        self.n_iter_ = len(self.loss_curve_)
        self.t_ = history["t"]
        self._adopt_optional(history)

    def _adopt_optional(self, history):
        """Set the fitted attributes that only some settings produce."""
        if history["diagnostics"]:
            self.diagnostics_ = list(history["diagnostics"])
        if history["validation_loss_curve"]:
            self.validation_loss_curve_ = list(history["validation_loss_curve"])
        if history["validation_scores"]:
            self.validation_scores_ = list(history["validation_scores"])
        if self.early_stopping and history["best_epoch"] is not None:
            self.best_epoch_ = history["best_epoch"]

    # Parameters as per-layer views of the flat vector.

    @property
    def coefs_(self):
        """Weights W^(k), each of shape (N_{k-1}, N_k), as views."""
        return list(self._layout.views(self._params)[0])

    @coefs_.setter
    def coefs_(self, values):
        _copy_into(self._layout.views(self._params)[0], values, "coefs_")

    @property
    def intercepts_(self):
        """Biases w0^(k), each of shape (N_k,), as views."""
        return list(self._layout.views(self._params)[1])

    @intercepts_.setter
    def intercepts_(self, values):
        _copy_into(self._layout.views(self._params)[1], values, "intercepts_")

    @property
    def prelu_slopes_(self):
        """Learned prelu slopes per hidden layer (None for other layers)."""
        if not self._layout.n_slopes:
            raise AttributeError("The network has no 'prelu' layer.")
        return self._layout.slopes(self._params)

    # Prediction.

    def _output_pre_activation(self, X):
        """Validate X and return s^(L) of the fitted network."""
        if "_params" not in self.__dict__:
            check_is_fitted(self)
        if not self._is_ready_input(X):
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
        return predict_pre_activation(
            X, self._params, self._layout, self._fitted_activations()
        )

    def _is_ready_input(self, X):
        """Tell whether X can skip validation: a finite 2-D array as fitted.

        Such input passes every check of scikit-learn's validation as it is,
        so predicting on it costs one finiteness check and the forward pass.
        """
        return (
            type(X) is np.ndarray
            and X.ndim == 2
            and X.dtype == self._params.dtype
            and X.shape[0] > 0
            and X.shape[1] == self.n_features_in_
            and "feature_names_in_" not in self.__dict__
            and bool(np.isfinite(X).all())
        )

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


class _Model:
    """What a training run computes with: activations, output layer, targets."""

    def __init__(self, activations, output_layer, activation_names, target_attributes):
        self.activations = activations
        self.output_layer = output_layer
        self.activation_names = activation_names
        self.target_attributes = target_attributes
        self.callbacks = None


class _EpochStep:
    """One pass over the training rows in minibatches, as a callable."""

    def __init__(self, estimator, run, data, model):
        n_samples = data.n_samples
        self.batch_size = estimator._batch_size(n_samples)
        self.shuffle = estimator.shuffle
        self.dropout = estimator.dropout
        self.clip = estimator.clip_grad_norm
        self.run = run
        self.model = model
        self.gather = Gather(data, self.batch_size)
        self.penalties = estimator._penalties(data)
        self.workspace = Workspace(
            run.layout, self.batch_size, run.params.dtype, dropout=self.dropout > 0
        )

    def __call__(self, epoch_index, n_epochs):
        """Run one epoch; return its loss (objective averaged over rows)."""
        run = self.run
        n_samples = self.gather.n_samples
        order = None
        if self.shuffle and self.batch_size < n_samples:
            order = run.streams["shuffle"].permutation(n_samples)
        dropout = None
        if self.dropout > 0:
            dropout = (self.dropout, run.streams["dropout"])
        total_loss = 0.0
        self.gather.start_epoch(order)
        for batch in minibatch_slices(n_samples, self.batch_size):
            X, Y, weights = self.gather(batch)
            batch_weight, row_weights = self.gather.normalize(weights)
            if batch_weight <= 0:
                continue
            loss = loss_and_gradient(
                run.params,
                run.grad,
                run.layout,
                self.model.activations,
                self.model.output_layer,
                X,
                Y,
                row_weights,
                self.penalties["l2"],
                self.workspace,
                self.penalties["l1"],
                dropout,
            )
            self._step(epoch_index, n_epochs)
            run.history["t"] += X.shape[0]
            total_loss += loss * batch_weight
        return total_loss / self.gather.total_weight

    def _step(self, epoch_index, n_epochs):
        """Clip the gradient if asked, then let the optimizer update."""
        run = self.run
        if self.clip is not None:
            # rescale g to norm clip_grad_norm when it is longer
            norm = float(np.sqrt(np.dot(run.grad, run.grad)))
            if norm > self.clip:
                run.grad *= self.clip / norm
        if run.monitor is not None:
            run.monitor.record_gradients(run.layout, run.grad)
        rate = float(run.schedule.rate(run.history["t"], epoch_index, n_epochs))
        run.optimizer.step(run.params, run.grad, rate)
        if run.layout.n_slopes:
            # Project the prelu slopes back onto [0, 1].
            slopes = run.params[run.layout.slope_slice]
            np.clip(slopes, 0, 1, out=slopes)


def _copy_into(views, values, name):
    """Copy per-layer arrays into parameter views, checking their shapes."""
    values = list(values)
    shapes = [view.shape for view in views]
    if [np.shape(value) for value in values] != shapes:
        raise ValueError(
            f"{name} must be a list of arrays of shapes {shapes}; got "
            f"{[np.shape(value) for value in values]}."
        )
    for view, value in zip(views, values, strict=True):
        view[...] = value
