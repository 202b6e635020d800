"""FNNRegressor: real-valued, count and positive targets."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.metaestimators import available_if

from skfnn._base import BaseFNN, _has_stochastic_solver
from skfnn._losses import OUTPUT_LAYERS
from skfnn._sklearn_compat import StrOptions, _fit_context


class FNNRegressor(RegressorMixin, BaseFNN):
    """Feedforward neural network regressor trained by minibatch backprop.

    The network maps an input x to one or more outputs through ``depth``
    affine maps with a hidden activation between them. With the default
    squared error the output is the last affine map itself; with the Poisson
    or Gamma deviance it is exponentiated (a log link), so predictions are
    positive, as counts, frequencies and claim amounts need. Gradients come
    from the delta recursion of backpropagation; weights are updated by
    minibatch SGD (with momentum) or Adam.

    Parameters
    ----------
    loss : {'squared_error', 'poisson', 'gamma'}, default='squared_error'
        Output layer and loss: identity output with half the squared error;
        or exponential output (log link) with half the Poisson deviance (for
        counts, y >= 0) or half the Gamma deviance (for positive amounts,
        y > 0).
    depth : int, default=None
        Number of affine maps L, that is hidden layers + 1: ``depth=1`` is
        a network without hidden layers, a linear model with the output
        layer's link. None means 2, or ``len(hidden_layer_sizes) + 1`` when
        that is set.
    width : int, default=None
        Units in each hidden layer. None means 100, or the sizes in
        ``hidden_layer_sizes`` when that is set.
    hidden_layer_sizes : array-like of int, default=None
        Units N_1, ..., N_{L-1} of each hidden layer, for networks whose
        hidden layers differ in width. A ``depth`` or ``width`` that
        disagrees with it raises a ValueError.
    activation : str or list of str, default='relu'
        Hidden activation phi: 'identity', 'relu', 'leaky_relu', 'prelu'
        (max(a s, s) with a slope a in [0, 1] learned per unit, starting at
        0.25), 'logistic', 'tanh', 'elu', 'softplus', 'silu' or 'gelu'; a
        list gives one per hidden layer. 'heaviside' is refused by ``fit``:
        its gradient is zero almost everywhere.
    negative_slope : float, default=0.01
        Slope a of 'leaky_relu' for s < 0, in [0, 1].
    init : str or callable, default='auto'
        Weight initializer: 'uniform', 'glorot_uniform', 'glorot_normal',
        'he_uniform', 'he_normal', 'lecun_normal', or 'auto' (He uniform
        before ReLU-like units, Glorot uniform otherwise). A callable is
        called as ``init(fan_in, fan_out, rng)`` and returns an array of
        shape (fan_in, fan_out). Biases start at zero.
    solver : {'adam', 'sgd', 'adamw', 'rmsprop', 'adagrad', 'lbfgs'}, \
default='adam'
        Update rule: Adam; SGD with ``momentum``; Adam with decoupled weight
        decay (the L2 share of ``alpha`` is then the decay rate: each step
        also subtracts learning_rate * alpha * (1 - l1_ratio) * W); RMSProp
        (``rho``); Adagrad; or full-batch L-BFGS-B through SciPy, which
        ignores the minibatch and schedule settings, stops on ``tol`` as its
        projected-gradient tolerance, and allows neither ``partial_fit``,
        ``early_stopping`` nor ``dropout``.
    alpha : float, default=1e-4
        Strength of the L2 penalty on the weights (not the biases). The
        objective is sum_i w_i L_i / sum_i w_i + alpha / (2 sum_i w_i) ||W||^2,
        the sums running over the training rows of the call.
    l1_ratio : float, default=0.0
        Share of ``alpha`` spent on an L1 penalty: the penalty is
        alpha / sum_i w_i * ((1 - l1_ratio) / 2 ||W||^2 + l1_ratio ||W||_1).
    dropout : float, default=0.0
        Probability that a hidden unit is dropped in a training minibatch
        (inverted dropout: kept units are scaled by 1 / (1 - dropout)); no
        dropout at prediction time. Masks come from their own random stream.
    clip_grad_norm : float, default=None
        If set, a minibatch gradient longer than this (Euclidean norm over
        all parameters) is rescaled to this length before the update.
    batch_size : int or 'auto', default='auto'
        Rows per minibatch; 'auto' is min(200, n_samples). A size of at least
        n_samples trains on the full batch.
    learning_rate : {'constant', 'invscaling', 'adaptive', 'step', \
'exponential', 'cosine'}, default='constant'
        Schedule of the step size eps: constant ``learning_rate_init``;
        ``learning_rate_init / (t + 1) ** power_t`` after t samples; divided
        by 5 at each plateau of ``n_iter_no_change`` epochs until below 1e-6;
        multiplied by ``decay_rate`` every ``step_size`` epochs; multiplied
        by ``decay_rate`` each epoch; or a linear warm-up over
        ``warmup_epochs`` followed by a cosine decay to zero at ``max_iter``.
        The rate of each epoch is kept in ``learning_rates_``.
    learning_rate_init : float, default=1e-3
        Initial step size.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    decay_rate : float, default=0.5
        Factor of the 'step' and 'exponential' schedules, in (0, 1].
    step_size : int, default=10
        Epochs between two drops of the 'step' schedule.
    warmup_epochs : int, default=0
        Epochs of linear warm-up of the 'cosine' schedule.
    max_iter : int, default=200
        Maximum number of epochs of one call to ``fit``.
    shuffle : bool, default=True
        Whether to shuffle the rows before each epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization, the validation split and shuffling,
        each through its own stream. An int gives bit-identical fits.
    tol : float, default=1e-4
        An epoch improves when its loss (validation loss with early
        stopping) is below the best so far minus ``tol``.
    verbose : int, default=0
        0 is silent; 1 prints one line per epoch; 2 also prints events.
    warm_start : bool, default=False
        Whether ``fit`` continues from the fitted weights and optimizer state
        for ``max_iter`` more epochs. The architecture, and a classifier's
        classes, must not change.
    momentum : float, default=0.9
        Momentum of the 'sgd' solver, in [0, 1].
    nesterovs_momentum : bool, default=True
        Whether the 'sgd' solver uses Nesterov's momentum.
    early_stopping : bool, default=False
        Whether to hold out ``validation_fraction`` of the rows (stratified
        by class for a classifier; or use ``X_val``, ``y_val`` given to
        ``fit``), stop when the monitored validation loss (or ``scoring``)
        stops improving, and restore the weights of the best epoch, also when
        ``max_iter`` runs out. Used by ``fit`` only.
    validation_fraction : float, default=0.1
        Share of the rows held out when ``early_stopping`` is True.
    scoring : str or callable, default='loss'
        What early stopping monitors on the validation rows: 'loss' (the
        weighted validation loss), or a scikit-learn scorer name or callable
        (higher is better), whose values are kept in ``validation_scores_``.
    beta_1 : float, default=0.9
        Decay rate of Adam's first moment estimate, in [0, 1).
    beta_2 : float, default=0.999
        Decay rate of Adam's second moment estimate, in [0, 1).
    rho : float, default=0.9
        Decay rate of RMSProp's average of squared gradients, in [0, 1).
    epsilon : float, default=1e-8
        Added to Adam's denominator for numerical stability.
    n_iter_no_change : int, default=10
        Epochs in a row without improvement after which training stops (or
        the 'adaptive' schedule lowers the step size).
    monitor : bool, default=False
        Whether to record, after each epoch and for each layer, the mean and
        standard deviation of the activations h^(k), the fraction of
        saturated units (logistic, tanh) or dead units (relu, prelu), and
        the mean norm of the weight gradients, in ``diagnostics_``.

    Attributes
    ----------
    coefs_ : list of ndarray
        Weights W^(k), k = 1..L, each of shape (N_{k-1}, N_k): the transpose
        of the N_k x N_{k-1} matrix of the model's formulas. Views into one
        flat parameter vector.
    intercepts_ : list of ndarray
        Biases w0^(k), each of shape (N_k,).
    n_layers_ : int
        Number of layers including the input and output layers (depth + 1).
    n_outputs_ : int
        Output units N_L, one per target column.
    n_params_ : int
        Number of parameters, sum_k (N_k N_{k-1} + N_k).
    out_activation_ : str
        'identity' or 'exp'.
    loss_ : float
        Training objective of the last epoch.
    loss_curve_ : list of float
        Training objective of each epoch since the weights were initialized.
    learning_rates_ : list of float
        Learning rate at the start of each epoch (empty for 'lbfgs').
    best_loss_ : float or None
        Lowest monitored loss of the last ``fit`` (the validation loss, or
        minus the score, when validating); None after ``partial_fit`` only.
    validation_loss_curve_ : list of float
        Weighted validation loss of each epoch; only with a validation set
        (``early_stopping=True`` or ``X_val``).
    validation_scores_ : list of float
        ``scoring`` on the validation rows each epoch; only with a validation
        set and a ``scoring`` other than 'loss'.
    best_epoch_ : int
        Epoch whose weights were restored; only with early stopping.
    prelu_slopes_ : list of ndarray or None
        Learned slopes a^(k) of each hidden layer, shape (N_k,), None for
        layers that are not 'prelu'; only when some layer is.
    diagnostics_ : list of dict
        With ``monitor=True``: one record per epoch and layer with keys
        epoch, layer, activation, activation_mean, activation_std,
        saturated_fraction, dead_fraction and gradient_norm (NaN where a
        statistic does not apply); ``pandas.DataFrame(diagnostics_)`` makes
        a table of it.
    n_iter_ : int
        Number of epochs run since the weights were initialized.
    t_ : int
        Number of training rows seen since the weights were initialized.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features, when X has string column names.

    See Also
    --------
    FNNClassifier : The same network for class labels.
    sklearn.neural_network.MLPRegressor : scikit-learn's multilayer
        perceptron regressor.

    Notes
    -----
    Neither inputs nor targets are scaled by the estimator: put a
    ``StandardScaler`` or ``MinMaxScaler`` before it in a ``Pipeline`` so
    that the scaling is fit on training rows only, and consider
    ``sklearn.compose.TransformedTargetRegressor`` for targets of a large
    scale. float32 inputs are trained in float32.

    The loss of a row sums over the output columns, so loss and gradient
    agree for multi-output targets. The L2 penalty is divided by the total
    weight of the training rows, not of the minibatch.

    References
    ----------
    Goodfellow, I., Bengio, Y. and Courville, A. (2016). Deep Learning,
    chapters 6 and 8. MIT Press.

    McCullagh, P. and Nelder, J. A. (1989). Generalized Linear Models,
    2nd edition. Chapman and Hall.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skfnn import FNNRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, random_state=0)
    >>> reg = FNNRegressor(depth=2, width=32, learning_rate_init=0.01,
    ...                    max_iter=500, random_state=0)
    >>> reg.fit(X, y / 100).score(X, y / 100) > 0.9
    True
    """

    _parameter_constraints: dict = {
        **BaseFNN._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson", "gamma"})],
    }

    def __init__(
        self,
        *,
        loss="squared_error",
        depth=None,
        width=None,
        hidden_layer_sizes=None,
        activation="relu",
        negative_slope=0.01,
        init="auto",
        solver="adam",
        alpha=1e-4,
        l1_ratio=0.0,
        dropout=0.0,
        clip_grad_norm=None,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=1e-3,
        power_t=0.5,
        decay_rate=0.5,
        step_size=10,
        warmup_epochs=0,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=0,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        scoring="loss",
        beta_1=0.9,
        beta_2=0.999,
        rho=0.9,
        epsilon=1e-8,
        n_iter_no_change=10,
        monitor=False,
    ):
        super().__init__(
            depth=depth,
            width=width,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            negative_slope=negative_slope,
            init=init,
            solver=solver,
            alpha=alpha,
            l1_ratio=l1_ratio,
            dropout=dropout,
            clip_grad_norm=clip_grad_norm,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            decay_rate=decay_rate,
            step_size=step_size,
            warmup_epochs=warmup_epochs,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            scoring=scoring,
            beta_1=beta_1,
            beta_2=beta_2,
            rho=rho,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            monitor=monitor,
        )
        self.loss = loss

    @available_if(_has_stochastic_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch over X and y, continuing from the fitted state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs of this batch.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets of this batch.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the rows.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _validate_targets(self, y, classes, first_call, incremental, dtype):
        """Return targets as a 2-D array of the network's dtype.

        Returns
        -------
        Y : ndarray of shape (n_samples, n_outputs)
            The targets.
        stratify : None
            Regression splits are not stratified.
        attributes : dict
            The number of dimensions of y, to shape predictions alike.
        """
        y = np.asarray(y)
        if y.dtype.kind in "USV":
            # as scikit-learn's regressors, no silent parsing of text
            raise ValueError(
                f"FNNRegressor needs a numeric target y; got dtype {y.dtype}. "
                "Convert the target to numbers first."
            )
        try:
            Y = np.asarray(y, dtype=dtype)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"FNNRegressor needs a numeric target y; got dtype {y.dtype}."
            ) from error
        y_ndim = Y.ndim
        if y_ndim == 1:
            Y = Y[:, np.newaxis]
        if self.loss == "poisson" and np.any(Y < 0):
            raise ValueError("loss='poisson' needs a target y >= 0.")
        if self.loss == "gamma" and np.any(Y <= 0):
            raise ValueError("loss='gamma' needs a target y > 0.")
        if not first_call and y_ndim != self._y_ndim:
            raise ValueError(
                f"y has {y_ndim} dimension(s) but the fitted model was trained "
                f"on y with {self._y_ndim}; set warm_start=False to start over."
            )
        return Y, None, {"_y_ndim": y_ndim}

    def _encode_targets(self, y, target_attributes, dtype):
        """Return validation targets as a 2-D array, shaped like y was."""
        Y = np.asarray(y, dtype=dtype)
        if Y.ndim != target_attributes["_y_ndim"]:
            raise ValueError(
                f"y_val has {Y.ndim} dimension(s) but y has "
                f"{target_attributes['_y_ndim']}."
            )
        return Y[:, np.newaxis] if Y.ndim == 1 else Y

    def _output_layer(self, target_attributes):
        """Return the output layer named by ``loss``."""
        return OUTPUT_LAYERS[self.loss]

    def predict(self, X):
        """Predict the target of each row of X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions, shaped like the training target.
        """
        s_out = self._output_pre_activation(X)
        y_pred = OUTPUT_LAYERS[self._output_name].activate(s_out, out=s_out)
        if self._y_ndim == 1:
            return y_pred.ravel()
        return y_pred

    def __sklearn_tags__(self):
        """Declare multi-output support, and positive targets for deviances."""
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.target_tags.positive_only = self.loss != "squared_error"
        return tags
