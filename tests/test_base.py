"""Tests of the behaviour both estimators share (skfnn/_base.py)."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from skfnn import FNNClassifier, FNNRegressor

ESTIMATORS = [FNNClassifier, FNNRegressor]
FAST = dict(width=6, max_iter=30, random_state=0)


def _data(estimator_class, n_samples=60, n_features=3, seed=0):
    """Return a small X and a target suited to the estimator."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    signal = X @ np.arange(1.0, n_features + 1)
    if estimator_class is FNNClassifier:
        return X, (signal > 0).astype(int)
    return X, signal


def _output(estimator, X):
    """Return predict_proba for classifiers, predict for regressors."""
    if hasattr(estimator, "predict_proba"):
        return estimator.predict_proba(X)
    return estimator.predict(X)


@pytest.mark.parametrize(
    "params, hidden",
    [
        ({}, (100,)),
        ({"depth": 1}, ()),
        ({"depth": 3, "width": 7}, (7, 7)),
        ({"hidden_layer_sizes": (5, 3)}, (5, 3)),
        ({"hidden_layer_sizes": (5, 3), "depth": 3}, (5, 3)),
        ({"hidden_layer_sizes": (4, 4), "width": 4}, (4, 4)),
    ],
)
@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_architecture_from_depth_width(estimator_class, params, hidden):
    """Layer shapes follow depth/width/hidden_layer_sizes as THEORY defines."""
    X, y = _data(estimator_class)
    model = estimator_class(max_iter=2, random_state=0, **params)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    sizes = (3, *hidden, 1)
    assert [w.shape for w in model.coefs_] == list(
        zip(sizes[:-1], sizes[1:], strict=True)
    )
    assert model.n_layers_ == len(hidden) + 2
    expected = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    assert model.n_params_ == expected


@pytest.mark.parametrize(
    "params, match",
    [
        ({"hidden_layer_sizes": (5,), "depth": 3}, "depth=3 conflicts"),
        ({"hidden_layer_sizes": (5, 4), "width": 5}, "width=5 conflicts"),
        ({"hidden_layer_sizes": (5, 0)}, "positive integers"),
        ({"depth": 3, "activation": ["relu"]}, "one name per hidden layer"),
        ({"activation": "heaviside"}, "zero gradient"),
    ],
)
@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_conflicting_parameters_raise(estimator_class, params, match):
    """Contradictory or untrainable settings raise a ValueError naming them."""
    X, y = _data(estimator_class)
    with pytest.raises(ValueError, match=match):
        estimator_class(**params).fit(X, y)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_activation_list_per_hidden_layer(estimator_class):
    """A list of activations gives each hidden layer its own phi."""
    X, y = _data(estimator_class)
    model = estimator_class(
        depth=3, width=5, activation=["tanh", "relu"], max_iter=50, random_state=0
    )
    model.fit(X, y)
    assert model._activation_names == ["tanh", "relu"]


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_same_seed_bit_identical(estimator_class):
    """Two fits with the same random_state give bit-identical weights."""
    X, y = _data(estimator_class)
    first = estimator_class(**FAST).fit(X, y)
    second = estimator_class(**FAST).fit(X, y)
    for a, b in zip(
        first.coefs_ + first.intercepts_,
        second.coefs_ + second.intercepts_,
        strict=True,
    ):
        assert_array_equal(a, b)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_different_seed_different_weights(estimator_class):
    """Another random_state draws other initial weights."""
    X, y = _data(estimator_class)
    first = estimator_class(**{**FAST, "random_state": 1}).fit(X, y)
    second = estimator_class(**FAST).fit(X, y)
    assert not np.array_equal(first.coefs_[0], second.coefs_[0])


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_pickle_round_trip_keeps_views(estimator_class):
    """After unpickling, coefs_ are still views of the flat parameters."""
    X, y = _data(estimator_class)
    model = pickle.loads(pickle.dumps(estimator_class(**FAST).fit(X, y)))
    model.coefs_[0][0, 0] += 1.0
    assert model._params[0] == model.coefs_[0][0, 0]


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_unit_sample_weight_equals_none(estimator_class):
    """sample_weight of ones gives the very same fit as no weights."""
    X, y = _data(estimator_class)
    plain = estimator_class(**FAST).fit(X, y)
    weighted = estimator_class(**FAST).fit(X, y, sample_weight=np.ones(len(y)))
    assert_array_equal(_output(plain, X), _output(weighted, X))


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_integer_weights_equal_repeated_rows(estimator_class):
    """Full-batch training: weight k equals the row repeated k times."""
    X, y = _data(estimator_class, n_samples=30)
    weights = np.r_[np.zeros(5), np.full(5, 3.0), np.ones(20)]
    params = dict(FAST, solver="sgd", batch_size=1000, tol=0.0)
    weighted = estimator_class(**params).fit(X, y, sample_weight=weights)
    repeats = weights.astype(int)
    repeated = estimator_class(**params).fit(
        np.repeat(X, repeats, axis=0), np.repeat(y, repeats)
    )
    assert_allclose(_output(weighted, X), _output(repeated, X), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(
    "weights, match",
    [
        (np.ones(59), "sample_weight"),
        (np.zeros(60), "non-zero"),
        (np.r_[-1.0, np.ones(59)], "Negative"),
    ],
)
@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_bad_sample_weight_raises(estimator_class, weights, match):
    """Wrong-length, all-zero or negative weights are refused."""
    X, y = _data(estimator_class)
    with pytest.raises(ValueError, match=match):
        estimator_class(**FAST).fit(X, y, sample_weight=weights)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_predict_before_fit_raises(estimator_class):
    """Predicting with an unfitted model raises NotFittedError."""
    X, _ = _data(estimator_class)
    with pytest.raises(NotFittedError):
        estimator_class().predict(X)


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda X: np.where(X > 1.5, np.nan, X), "NaN"),
        (lambda X: np.where(X > 1.5, np.inf, X), "infinity"),
        (lambda X: X[:0], "0 sample"),
        (lambda X: X.astype(str).astype(object) + "a", "could not convert"),
    ],
    ids=["nan", "inf", "empty", "non-numeric"],
)
@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_bad_X_at_fit_raises(estimator_class, mutate, match):
    """NaN, inf, empty or non-numeric X raise ValueError naming the problem."""
    X, y = _data(estimator_class)
    bad = mutate(X)
    with pytest.raises(ValueError, match=match):
        estimator_class(**FAST).fit(bad, y[: len(bad)])


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_wrong_feature_count_at_predict_raises(estimator_class):
    """A different number of features at predict is a ValueError."""
    X, y = _data(estimator_class)
    model = estimator_class(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="3 features"):
        model.predict(X[:, :2])


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_one_dimensional_X_asks_for_reshape(estimator_class):
    """A 1-D sample is refused with a hint to reshape."""
    X, y = _data(estimator_class)
    model = estimator_class(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="reshape"):
        model.predict(X[0])


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_read_only_input_unchanged(estimator_class):
    """Read-only X, y and weights are accepted and never modified."""
    X, y = _data(estimator_class)
    weights = np.linspace(0.5, 1.5, len(y))
    copies = [X.copy(), y.copy(), weights.copy()]
    for array in (X, y, weights):
        array.setflags(write=False)
    model = estimator_class(**FAST, early_stopping=True).fit(X, y, weights)
    model.predict(X)
    for array, original in zip((X, y, weights), copies, strict=True):
        assert_array_equal(array, original)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_failed_fit_leaves_fitted_model(estimator_class):
    """A fit that fails on bad input leaves the fitted model as it was."""
    X, y = _data(estimator_class)
    model = estimator_class(**FAST, warm_start=True).fit(X, y)
    before = _output(model, X).copy()
    with pytest.raises(ValueError):
        model.fit(np.where(X > 1, np.nan, X), y)
    with pytest.raises(ValueError):
        model.fit(X[:, :2], y)
    assert_array_equal(_output(model, X), before)
    assert model.n_features_in_ == 3


def test_diverging_training_raises_naming_epoch():
    """A loss that overflows stops training with an error naming the epoch."""
    X, y = _data(FNNRegressor)
    model = FNNRegressor(solver="sgd", learning_rate_init=10.0, momentum=0.9)
    with pytest.raises(FloatingPointError, match="epoch"):
        model.fit(X * 100, y * 1e6)
    assert not hasattr(model, "coefs_")


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_max_iter_warns_with_limit(estimator_class):
    """Running out of epochs warns with a ConvergenceWarning naming max_iter."""
    X, y = _data(estimator_class)
    with pytest.warns(ConvergenceWarning, match="max_iter=4"):
        estimator_class(max_iter=4, random_state=0).fit(X, y)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_tol_stop_after_n_iter_no_change(estimator_class):
    """With a huge tol, only the first epoch improves (on an infinite best)."""
    X, y = _data(estimator_class)
    model = estimator_class(tol=1e6, n_iter_no_change=3, random_state=0).fit(X, y)
    assert model.n_iter_ == 1 + 3


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_warm_start_continues(estimator_class):
    """A warm-started second fit runs max_iter more epochs from the first."""
    X, y = _data(estimator_class)
    params = dict(FAST, max_iter=5, tol=0.0)
    warm = estimator_class(**params, warm_start=True)
    with pytest.warns(ConvergenceWarning):
        warm.fit(X, y)
        warm.fit(X, y)
    longer = estimator_class(**{**params, "max_iter": 10})
    with pytest.warns(ConvergenceWarning):
        longer.fit(X, y)
    assert warm.n_iter_ == 10
    assert_allclose(warm.loss_curve_[:5], longer.loss_curve_[:5], rtol=1e-12)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_warm_start_changed_architecture_raises(estimator_class):
    """warm_start refuses to continue a network of another shape."""
    X, y = _data(estimator_class)
    model = estimator_class(**FAST, warm_start=True).fit(X, y)
    model.set_params(width=7)
    with pytest.raises(ValueError, match="Cannot continue training"):
        model.fit(X, y)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_partial_fit_one_epoch_per_call(estimator_class):
    """Each partial_fit call is one epoch and emits no ConvergenceWarning."""
    X, y = _data(estimator_class)
    model = estimator_class(**FAST)
    extra = {"classes": [0, 1]} if estimator_class is FNNClassifier else {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            model.partial_fit(X, y, **extra)
    assert model.n_iter_ == 3
    assert model.t_ == 3 * len(y)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_early_stopping_restores_best_epoch(estimator_class):
    """Early stopping keeps the weights of the epoch of lowest validation loss."""
    X, y = _data(estimator_class, n_samples=120)
    model = estimator_class(
        width=8, early_stopping=True, max_iter=300, random_state=0
    ).fit(X, y)
    curve = model.validation_loss_curve_
    assert model.best_epoch_ == int(np.argmin(curve)) + 1
    assert model.best_loss_ == pytest.approx(min(curve), rel=1e-12)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_early_stopping_too_few_samples_message(estimator_class):
    """A split that cannot hold out validation rows names validation_fraction."""
    X, y = _data(estimator_class, n_samples=3)
    if estimator_class is FNNClassifier:
        y = np.array([0, 1, 0])
    model = estimator_class(early_stopping=True, validation_fraction=0.1)
    try:
        model.fit(X, y)
    except ValueError as error:
        assert "validation_fraction" in str(error)
    else:
        assert model.predict(X).shape[0] == 3


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_sparse_X_matches_dense(estimator_class):
    """A sparse X trains to the same model as its dense copy."""
    X, y = _data(estimator_class)
    X[np.abs(X) < 0.5] = 0.0
    dense = estimator_class(**FAST).fit(X, y)
    sparse = estimator_class(**FAST).fit(sp.csr_matrix(X), y)
    assert_allclose(_output(dense, X), _output(sparse, X), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_float32_stays_float32(estimator_class):
    """float32 X trains float32 weights and gives float32 outputs."""
    X, y = _data(estimator_class)
    model = estimator_class(**FAST).fit(X.astype(np.float32), y)
    assert model.coefs_[0].dtype == np.float32
    assert _output(model, X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_dataframe_feature_names(estimator_class):
    """A DataFrame X records feature_names_in_."""
    X, y = _data(estimator_class)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    model = estimator_class(**FAST).fit(frame, y)
    assert_array_equal(model.feature_names_in_, ["a", "b", "c"])


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_verbose_prints_one_line_per_epoch(estimator_class, capsys):
    """verbose=1 prints one key=value line per epoch; verbose=0 prints nothing."""
    X, y = _data(estimator_class)
    estimator_class(**{**FAST, "max_iter": 4}, tol=1e6, n_iter_no_change=4).fit(X, y)
    assert capsys.readouterr().out == ""
    estimator_class(
        **{**FAST, "max_iter": 4}, tol=1e6, n_iter_no_change=4, verbose=1
    ).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert all(line.startswith(f"epoch={i + 1} loss=") for i, line in enumerate(lines))


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_clone_is_unfitted(estimator_class):
    """clone() copies parameters but no fitted state."""
    X, y = _data(estimator_class)
    model = estimator_class(**FAST).fit(X, y)
    fresh = clone(model)
    assert fresh.get_params() == model.get_params()
    with pytest.raises(NotFittedError):
        fresh.predict(X)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_shuffle_false_is_reproducible_without_seed(estimator_class):
    """Without shuffling, the seed only draws the initial weights."""
    X, y = _data(estimator_class)
    params = dict(FAST, shuffle=False, batch_size=16)
    first = estimator_class(**params).fit(X, y)
    second = estimator_class(**params).fit(X, y)
    assert_array_equal(_output(first, X), _output(second, X))


def test_fit_stops_when_the_optimizer_state_overflows(monkeypatch):
    """Each epoch asks the optimizer to check its state; an overflow stops fit."""
    from skfnn._optimizers import Adam

    def overflowed(self):
        raise FloatingPointError("Adam's second moment estimate overflowed")

    monkeypatch.setattr(Adam, "check_state", overflowed)
    X = np.random.default_rng(0).normal(size=(40, 3))
    with pytest.raises(FloatingPointError, match="second moment"):
        FNNRegressor(max_iter=2).fit(X, X[:, 0])
