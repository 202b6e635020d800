"""FNNClassifier: label encoding, output layers and class probabilities."""

import warnings

import numpy as np
from scipy.special import expit, log_softmax
from sklearn.base import ClassifierMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)

from skfnn._base import BaseFNN, _has_stochastic_solver
from skfnn._losses import OUTPUT_LAYERS
from skfnn._sklearn_compat import StrOptions, _fit_context

BINARY, MULTICLASS, MULTILABEL = "binary", "multiclass", "multilabel"


class FNNClassifier(ClassifierMixin, BaseFNN):
    """Feedforward neural network classifier trained by minibatch backprop.

    The network maps an input x to class scores through ``depth`` affine maps
    with a hidden activation between them. The output layer is logistic with
    binary cross-entropy for two classes, softmax with cross-entropy for more,
    and one independent logistic unit per label for a multilabel indicator
    matrix. Gradients come from the delta recursion of backpropagation;
    weights are updated by minibatch SGD (with momentum) or Adam.

    Parameters
    ----------
    class_weight : dict or 'balanced', default=None
        Weights of the classes, multiplying ``sample_weight``: a dict from
        label to weight (missing labels weigh 1), or 'balanced' for
        n_samples / (n_classes * count of the class). Not for multilabel
        targets; 'balanced' is not available to ``partial_fit``.
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
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted; for a multilabel target, ``arange(n_labels)``.
    coefs_ : list of ndarray
        Weights W^(k), k = 1..L, each of shape (N_{k-1}, N_k): the transpose
        of the N_k x N_{k-1} matrix of the model's formulas. Views into one
        flat parameter vector.
    intercepts_ : list of ndarray
        Biases w0^(k), each of shape (N_k,).
    n_layers_ : int
        Number of layers including the input and output layers (depth + 1).
    n_outputs_ : int
        Output units N_L: 1 for binary, n_classes or n_labels otherwise.
    n_params_ : int
        Number of parameters, sum_k (N_k N_{k-1} + N_k).
    out_activation_ : str
        'logistic' or 'softmax'.
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
    FNNRegressor : The same network for real-valued and count targets.
    sklearn.neural_network.MLPClassifier : scikit-learn's multilayer
        perceptron classifier.

    Notes
    -----
    Inputs are not scaled by the estimator: put a ``StandardScaler`` or
    ``MinMaxScaler`` before it in a ``Pipeline`` so that the scaling is fit
    on training rows only. float32 inputs are trained in float32.

    Unlike scikit-learn's MLP, the L2 penalty is divided by the total weight
    of the training rows, not of the minibatch, so ``alpha`` means the same
    whatever ``batch_size`` is, and integer sample weights are equivalent to
    repeated rows.

    References
    ----------
    Goodfellow, I., Bengio, Y. and Courville, A. (2016). Deep Learning,
    chapters 6 and 8. MIT Press.

    Glorot, X. and Bengio, Y. (2010). Understanding the difficulty of training
    deep feedforward neural networks. AISTATS.

    Kingma, D. P. and Ba, J. (2015). Adam: a method for stochastic
    optimization. ICLR.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skfnn import FNNClassifier
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> clf = FNNClassifier(depth=2, width=16, max_iter=300, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _parameter_constraints: dict = {
        **BaseFNN._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        *,
        class_weight=None,
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
        self.class_weight = class_weight

    @available_if(_has_stochastic_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch over X and y, continuing from the fitted state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs of this batch.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Labels of this batch; a subset of the classes is fine.
        classes : array-like of shape (n_classes,), default=None
            Every class the model will see. Required on the first call (unless
            y is a multilabel indicator matrix), ignored later if equal.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the rows.

        Returns
        -------
        self : object
            The updated estimator.

        Raises
        ------
        ValueError
            If ``classes`` is missing on the first call, or y holds a label
            that is not among the declared classes; the model is unchanged.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _validate_targets(self, y, classes, first_call, incremental, dtype):
        """Encode labels as the targets of the output layer.

        Returns
        -------
        Y : ndarray of shape (n_samples, n_outputs)
            One column for binary, one-hot for multiclass, the indicator
            matrix for multilabel; in the dtype of the network.
        stratify : ndarray of shape (n_samples,) or None
            Class codes for a stratified validation split.
        attributes : dict
            ``classes_`` and the label mode, set on the estimator if training
            succeeds.
        """
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected; "
                "it is used as a 1d array of labels.",
                DataConversionWarning,
                stacklevel=5,
            )
            y = y.ravel()
        check_classification_targets(y)
        if type_of_target(y) == "multilabel-indicator":
            return self._multilabel_targets(y, first_call, dtype)
        if y.ndim != 1:
            raise ValueError(
                "FNNClassifier supports 1d labels or a multilabel indicator "
                f"matrix; got y of type {type_of_target(y)!r}."
            )
        labels = self._classes_for(y, classes, first_call, incremental)
        mode = BINARY if len(labels) == 2 else MULTICLASS
        attributes = {"classes_": labels, "_label_mode": mode}
        Y = self._encode_targets(y, attributes, dtype)
        return Y, np.searchsorted(labels, y), attributes

    def _multilabel_targets(self, y, first_call, dtype):
        """Check and return the targets of a multilabel indicator matrix."""
        n_labels = y.shape[1]
        if not first_call and (
            self._label_mode != MULTILABEL or len(self.classes_) != n_labels
        ):
            raise ValueError(
                f"y is a multilabel indicator with {n_labels} labels, but the "
                f"fitted model has classes {self.classes_.tolist()}. Set "
                "warm_start=False to train a new model."
            )
        Y = np.asarray(y, dtype=dtype)
        attributes = {"classes_": np.arange(n_labels), "_label_mode": MULTILABEL}
        return Y, None, attributes

    def _classes_for(self, y, classes, first_call, incremental):
        """Return the sorted classes of this call, checked against the model."""
        if first_call:
            if incremental and classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit: "
                    "give every class the model will ever see."
                )
            labels = unique_labels(y) if classes is None else np.unique(classes)
            self._check_labels_within(y, labels)
        else:
            labels = self.classes_
            if classes is not None and not np.array_equal(np.unique(classes), labels):
                raise ValueError(
                    f"classes={list(classes)} differs from the classes "
                    f"{labels.tolist()} declared on the first call."
                )
            self._check_labels_within(y, labels)
            if not incremental and not np.array_equal(unique_labels(y), labels):
                raise ValueError(
                    f"warm_start=True: y has the classes "
                    f"{unique_labels(y).tolist()}, but the fitted model has "
                    f"classes {labels.tolist()}. Set warm_start=False to train "
                    "a new model on other classes."
                )
        if len(labels) < 2:
            raise ValueError(
                "FNNClassifier needs samples of at least 2 classes; got only "
                f"one class: {labels.tolist()}."
            )
        return labels

    @staticmethod
    def _check_labels_within(y, labels):
        """Refuse labels of y that are not among ``labels``."""
        unknown = ~np.isin(y, labels)
        if np.any(unknown):
            raise ValueError(
                f"y contains labels {np.unique(y[unknown]).tolist()} that are "
                f"not among the classes {labels.tolist()}."
            )

    def _class_weight_factors(self, stratify, target_attributes, incremental):
        """Return each row's class weight, or None without class_weight."""
        if self.class_weight is None:
            return None
        if target_attributes["_label_mode"] == MULTILABEL:
            raise ValueError("class_weight is not supported for multilabel targets.")
        classes = target_attributes["classes_"]
        if self.class_weight == "balanced":
            if incremental:
                raise ValueError(
                    "class_weight='balanced' needs the class counts of all the "
                    "data, which partial_fit does not see; pass a dict."
                )
            present = np.unique(stratify)
            weights = np.ones(len(classes))
            weights[present] = compute_class_weight(
                "balanced", classes=present, y=stratify
            )
            return weights[stratify]
        unknown = [label for label in self.class_weight if label not in classes]
        if unknown:
            raise ValueError(
                f"class_weight names labels {unknown} that are not among the "
                f"classes {classes.tolist()}."
            )
        weights = np.array([float(self.class_weight.get(c, 1.0)) for c in classes])
        return weights[stratify]

    def _encode_targets(self, y, target_attributes, dtype):
        """Encode validation labels like the training labels."""
        classes = target_attributes["classes_"]
        if target_attributes["_label_mode"] == MULTILABEL:
            if y.ndim != 2 or y.shape[1] != len(classes):
                raise ValueError(
                    f"y_val must be a multilabel indicator with {len(classes)} "
                    "columns, like y."
                )
            return y.astype(dtype)
        y = np.ravel(y)
        self._check_labels_within(y, classes)
        codes = np.searchsorted(classes, y)
        if target_attributes["_label_mode"] == BINARY:
            return (codes == 1).astype(dtype)[:, np.newaxis]
        Y = np.zeros((len(y), len(classes)), dtype=dtype)
        Y[np.arange(len(y)), codes] = 1
        return Y

    def _output_layer(self, target_attributes):
        """Return softmax cross-entropy, or logistic for binary/multilabel."""
        if target_attributes["_label_mode"] == MULTICLASS:
            return OUTPUT_LAYERS["log_loss"]
        return OUTPUT_LAYERS["binary_log_loss"]

    def decision_function(self, X):
        """Return the scores s^(L) of the output layer before its activation.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            For binary classification, the log-odds of ``classes_[1]``; else
            one column per class (softmax logits) or per label (log-odds).
        """
        s_out = self._output_pre_activation(X)
        if self._label_mode == BINARY:
            return s_out.ravel()
        return s_out

    def predict_proba(self, X):
        """Return the probability of each class for each row of X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns ordered like ``classes_``. Rows sum to one, except for a
            multilabel target, where each column is an independent
            probability. No probability is below the smallest normal float.
        """
        s_out = self._output_pre_activation(X)
        if self._label_mode == MULTICLASS:
            proba = OUTPUT_LAYERS["log_loss"].activate(s_out)
        elif self._label_mode == MULTILABEL:
            proba = expit(s_out)
        else:
            proba = _binary_proba(s_out[:, 0])
        # Keep probabilities that underflow at the smallest normal number,
        # so that their logs stay finite like predict_log_proba's.
        return np.maximum(proba, np.finfo(proba.dtype).tiny, out=proba)

    def predict_log_proba(self, X):
        """Return the log of the probability of each class for each row of X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Computed from the scores without forming probabilities, so that
            tiny probabilities give finite logs.
        """
        s_out = self._output_pre_activation(X)
        if self._label_mode == MULTICLASS:
            return log_softmax(s_out, axis=1)
        # log sigma(s) = -log(1 + exp(-s))
        log_positive = -np.logaddexp(0, -s_out)
        if self._label_mode == MULTILABEL:
            return log_positive
        return np.hstack([-np.logaddexp(0, s_out), log_positive])

    def predict(self, X):
        """Predict the class of each row of X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
            The most probable class, in the type of the training labels; for
            a multilabel target, the indicator matrix of probabilities above
            one half.
        """
        proba = self.predict_proba(X)
        if self._label_mode == MULTILABEL:
            return (proba > 0.5).astype(int)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        """Declare multilabel support."""
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


_FEW_ROWS = 1024


def _binary_proba(s):
    """Return [sigma(-s), sigma(s)] as the columns of an (n, 2) array.

    Each column is 1 / (1 + exp(+-s)), which keeps full relative precision
    and tends to 0 (through exp = inf) rather than overflowing. NumPy's
    vectorized exp makes this several times faster than scipy's expit on
    many rows; below ``_FEW_ROWS`` rows, expit itself is quicker.
    """
    proba = np.empty((s.shape[0], 2), dtype=s.dtype)
    if s.shape[0] < _FEW_ROWS:
        # on a few rows, the calls cost more than the arithmetic
        expit(s, out=proba[:, 1])
        expit(np.negative(s), out=proba[:, 0])
        return proba
    scratch = np.empty_like(s)
    with np.errstate(over="ignore"):
        for column, sign in ((0, 1), (1, -1)):
            np.multiply(s, sign, out=scratch)
            np.exp(scratch, out=scratch)
            scratch += 1
            np.reciprocal(scratch, out=proba[:, column])
    return proba
