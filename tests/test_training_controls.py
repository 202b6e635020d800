"""Tests of class weights, validation sets, early stopping and reproducibility."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import (
    accuracy_score,
    log_loss,
    mean_squared_error,
    r2_score,
    roc_auc_score,
)
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.utils.class_weight import compute_sample_weight

from skfnn import FNNClassifier, FNNRegressor
from skfnn._utils import random_streams

ESTIMATORS = [FNNClassifier, FNNRegressor]
SMALL = dict(width=6, max_iter=8, random_state=0)


def _classification(n_samples=60, n_classes=2, seed=0):
    """Return X and integer labels 0..n_classes-1 with a linear structure."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 3))
    score = X @ np.array([1.0, -1.0, 0.5]) + 0.7 * rng.normal(size=n_samples)
    edges = np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1])
    return X, np.digitize(score, edges)


def _regression(n_samples=60, n_outputs=1, seed=0):
    """Return X and a noisy linear target with n_outputs columns (1-D for 1)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 3))
    Y = X @ rng.normal(size=(3, n_outputs)) + 0.3 * rng.normal(size=(n_samples, 1))
    return X, Y.ravel() if n_outputs == 1 else Y


def _data(estimator_class, **kwargs):
    """Return data suited to the estimator class."""
    if estimator_class is FNNClassifier:
        return _classification(**kwargs)
    return _regression(**kwargs)


def test_class_weight_dict_equals_sample_weight():
    """class_weight={0: 3} trains exactly like sample_weight 3 on class-0 rows."""
    X, y = _classification()
    weighted_class = FNNClassifier(class_weight={0: 3.0}, **SMALL).fit(X, y)
    weighted_rows = FNNClassifier(**SMALL).fit(
        X, y, sample_weight=np.where(y == 0, 3.0, 1.0)
    )
    assert_array_equal(weighted_class.predict_proba(X), weighted_rows.predict_proba(X))


def test_class_weight_multiplies_sample_weight():
    """class_weight and sample_weight combine as their product per row."""
    X, y = _classification(n_classes=3)
    rows = np.random.default_rng(1).uniform(0.5, 2.0, size=len(y))
    both = FNNClassifier(class_weight={2: 0.5}, **SMALL).fit(X, y, sample_weight=rows)
    product = np.where(y == 2, 0.5, 1.0) * rows
    reference = FNNClassifier(**SMALL).fit(X, y, sample_weight=product)
    assert_allclose(
        both.predict_proba(X), reference.predict_proba(X), rtol=1e-12, atol=1e-15
    )


def test_class_weight_dict_keys_are_user_labels():
    """String labels are weighted by their own names in the dict."""
    X, y = _classification(n_classes=3)
    labels = np.array(["low", "mid", "high"])[y]
    by_name = FNNClassifier(class_weight={"mid": 4.0}, **SMALL).fit(X, labels)
    by_rows = FNNClassifier(**SMALL).fit(
        X, labels, sample_weight=np.where(labels == "mid", 4.0, 1.0)
    )
    assert_array_equal(by_name.predict_proba(X), by_rows.predict_proba(X))


def test_class_weight_balanced_equals_compute_sample_weight():
    """'balanced' trains like sklearn's compute_sample_weight('balanced', y)."""
    X, y = _classification(n_samples=70, n_classes=3)
    y[:20] = 0  # make the classes unequal
    balanced = FNNClassifier(class_weight="balanced", **SMALL).fit(X, y)
    weights = compute_sample_weight("balanced", y)
    reference = FNNClassifier(**SMALL).fit(X, y, sample_weight=weights)
    assert_allclose(
        balanced.predict_proba(X), reference.predict_proba(X), rtol=1e-12, atol=1e-15
    )


def test_class_weight_balanced_refused_by_partial_fit():
    """partial_fit cannot balance classes it sees one batch at a time."""
    X, y = _classification()
    model = FNNClassifier(class_weight="balanced", width=4)
    with pytest.raises(ValueError, match="'balanced'.*partial_fit"):
        model.partial_fit(X, y, classes=[0, 1])


def test_class_weight_refused_for_multilabel():
    """A multilabel indicator target has no classes to weigh."""
    X, y = _classification()
    Y = np.column_stack([y, 1 - y, y])
    with pytest.raises(ValueError, match="class_weight.*multilabel"):
        FNNClassifier(class_weight={0: 2.0}, width=4, max_iter=2).fit(X, Y)


def test_class_weight_unknown_label_raises():
    """A class_weight key that is not a label of y raises a ValueError naming it."""
    X, y = _classification()
    with pytest.raises(ValueError, match=r"labels \[7\] that are not among"):
        FNNClassifier(class_weight={7: 2.0}, width=4, max_iter=2).fit(X, y)


def _val_classification(seed=0):
    """Return a training and a weighted validation set of binary labels."""
    X, y = _classification(n_samples=100, seed=seed)
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.4, random_state=0
    )
    w_val = np.random.default_rng(seed).uniform(0.2, 3.0, size=len(y_val))
    return X_train, y_train, X_val, y_val, w_val


def test_early_stopping_validation_loss_is_log_loss_of_restored_model():
    """The loss at best_epoch_ is the weighted log_loss of the final model."""
    X, y, X_val, y_val, w_val = _val_classification()
    model = FNNClassifier(
        width=8,
        early_stopping=True,
        max_iter=40,
        learning_rate_init=0.05,
        random_state=0,
    ).fit(X, y, X_val=X_val, y_val=y_val, sample_weight_val=w_val)
    curve = model.validation_loss_curve_
    expected = log_loss(y_val, model.predict_proba(X_val), sample_weight=w_val)
    assert model.best_epoch_ == int(np.argmin(curve)) + 1 < model.n_iter_
    assert curve[model.best_epoch_ - 1] == pytest.approx(expected, rel=1e-10)
    assert model.best_loss_ == pytest.approx(min(curve), rel=1e-15)


def test_early_stopping_multi_output_validation_loss_is_half_summed_mse():
    """A regressor's validation loss is sum over outputs of weighted MSE / 2."""
    X, Y = _regression(n_samples=90, n_outputs=2)
    X_train, X_val, Y_train, Y_val = train_test_split(
        X, Y, test_size=30, random_state=0
    )
    w_val = np.random.default_rng(2).uniform(0.2, 3.0, size=30)
    model = FNNRegressor(
        width=32,
        early_stopping=True,
        max_iter=60,
        learning_rate_init=0.02,
        random_state=0,
    ).fit(X_train, Y_train, X_val=X_val, y_val=Y_val, sample_weight_val=w_val)
    per_output = mean_squared_error(
        Y_val, model.predict(X_val), sample_weight=w_val, multioutput="raw_values"
    )
    curve = model.validation_loss_curve_
    assert curve[model.best_epoch_ - 1] == pytest.approx(
        per_output.sum() / 2, rel=1e-10
    )
    assert model.best_epoch_ == int(np.argmin(curve)) + 1 < model.n_iter_


def _overfitting_problem():
    """Return a tiny noisy training set and a validation set a wide net overfits."""
    rng = np.random.default_rng(0)
    X, X_val = rng.normal(size=(15, 5)), rng.normal(size=(15, 5))
    return X, rng.normal(size=15), X_val, rng.normal(size=15)


def test_early_stopping_restores_best_weights_when_max_iter_is_hit():
    """Validation loss rising until max_iter: the weights of its minimum come back."""
    X, y, X_val, y_val = _overfitting_problem()
    model = FNNRegressor(
        width=64,
        learning_rate_init=0.01,
        early_stopping=True,
        n_iter_no_change=1000,
        max_iter=30,
        shuffle=False,
        random_state=0,
    ).fit(X, y, X_val=X_val, y_val=y_val)
    curve = model.validation_loss_curve_
    assert model.n_iter_ == 30
    # the curve rises at the end, so the last weights are not the best
    assert curve[-1] > min(curve) + 0.1
    restored = mean_squared_error(y_val, model.predict(X_val)) / 2
    assert restored == pytest.approx(min(curve), rel=1e-10)
    assert model.best_epoch_ == int(np.argmin(curve)) + 1


def test_early_stopping_roc_auc_scoring_restores_best_score():
    """scoring='roc_auc': the best epoch's score is roc_auc_score of the final model."""
    X, y, X_val, y_val, w_val = _val_classification(seed=1)
    model = FNNClassifier(
        width=8,
        early_stopping=True,
        scoring="roc_auc",
        max_iter=30,
        learning_rate_init=0.05,
        random_state=0,
    ).fit(X, y, X_val=X_val, y_val=y_val, sample_weight_val=w_val)
    scores = model.validation_scores_
    assert len(scores) == len(model.validation_loss_curve_) == model.n_iter_
    expected = roc_auc_score(
        y_val, model.predict_proba(X_val)[:, 1], sample_weight=w_val
    )
    assert scores[model.best_epoch_ - 1] == pytest.approx(expected, rel=1e-12)
    assert model.best_epoch_ == int(np.argmax(scores)) + 1 < model.n_iter_
    assert model.best_loss_ == -max(scores)


def test_early_stopping_held_out_rows_are_stratified_and_weighted():
    """Without X_val the loss is the weighted log_loss of a stratified split.

    The split is train_test_split of the row indices with the seed drawn from
    the fit's split stream, stratified by class; its held-out part keeps the
    class proportions (here 9 of 90 rows: 3 of each class).
    """
    X, y = _classification(n_samples=90, n_classes=3, seed=3)
    weights = np.random.default_rng(4).uniform(0.2, 3.0, size=len(y))
    model = FNNClassifier(
        width=8,
        early_stopping=True,
        validation_fraction=0.1,
        max_iter=20,
        learning_rate_init=0.05,
        random_state=0,
    ).fit(X, y, sample_weight=weights)
    seed = int(random_streams(0)["split"].integers(np.iinfo(np.int32).max))
    _, held_out = train_test_split(
        np.arange(len(y)), test_size=0.1, random_state=seed, stratify=y
    )
    assert_array_equal(np.bincount(y[held_out]), [3, 3, 3])
    expected = log_loss(
        y[held_out],
        model.predict_proba(X[held_out]),
        sample_weight=weights[held_out],
    )
    curve = model.validation_loss_curve_
    assert model.best_epoch_ < model.n_iter_
    assert curve[model.best_epoch_ - 1] == pytest.approx(expected, rel=1e-10)


def test_fit_raises_on_x_val_without_y_val():
    """X_val without y_val is refused before any training."""
    X, y = _classification()
    with pytest.raises(ValueError, match="X_val and y_val must be given together"):
        FNNClassifier().fit(X, y, X_val=X)


def test_fit_raises_on_sample_weight_val_alone():
    """sample_weight_val without a validation set is refused."""
    X, y = _classification()
    with pytest.raises(ValueError, match="sample_weight_val was given without"):
        FNNClassifier().fit(X, y, sample_weight_val=np.ones(len(y)))


def test_x_val_without_early_stopping_records_curve_only():
    """X_val with early_stopping=False records the loss and keeps the last weights."""
    X, y, X_val, y_val = _overfitting_problem()
    common = dict(
        width=64, learning_rate_init=0.01, max_iter=20, shuffle=False, random_state=0
    )
    model = FNNRegressor(**common).fit(X, y, X_val=X_val, y_val=y_val)
    final = mean_squared_error(y_val, model.predict(X_val)) / 2
    assert len(model.validation_loss_curve_) == model.n_iter_
    assert model.validation_loss_curve_[-1] == pytest.approx(final, rel=1e-10)
    assert not hasattr(model, "best_epoch_")


def test_x_val_without_early_stopping_trains_like_no_validation():
    """X_val with early_stopping=False stops on the training loss, as without X_val.

    The docstrings say that early stopping (the validation loss as the
    monitored loss) comes with ``early_stopping=True`` only, and that X_val
    is otherwise recorded; recording must not change training.
    """
    X, y, X_val, y_val = _overfitting_problem()
    common = dict(
        width=64,
        learning_rate_init=0.01,
        max_iter=60,
        n_iter_no_change=3,
        shuffle=False,
        random_state=0,
    )
    plain = FNNRegressor(**common).fit(X, y)
    recorded = FNNRegressor(**common).fit(X, y, X_val=X_val, y_val=y_val)
    assert recorded.n_iter_ == plain.n_iter_
    assert_array_equal(recorded.coefs_[0], plain.coefs_[0])
    assert recorded.best_loss_ == plain.best_loss_


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_score_uses_sample_weight(estimator_class):
    """score(X, y, sample_weight) is accuracy_score or r2_score with the weights."""
    X, y = _data(estimator_class)
    weights = np.random.default_rng(5).uniform(0.0, 3.0, size=len(y))
    model = estimator_class(**SMALL).fit(X, y)
    metric = accuracy_score if estimator_class is FNNClassifier else r2_score
    expected = metric(y, model.predict(X), sample_weight=weights)
    assert model.score(X, y, sample_weight=weights) == pytest.approx(
        expected, rel=1e-12
    )


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_same_seed_bit_identical_with_dropout_and_early_stopping(estimator_class):
    """Two fits with random_state=0, dropout and early stopping give equal weights."""
    X, y = _data(estimator_class, n_samples=80)
    params = dict(
        width=8, dropout=0.3, early_stopping=True, max_iter=15, random_state=0
    )
    first = estimator_class(**params).fit(X, y)
    second = estimator_class(**params).fit(X, y)
    for a, b in zip(
        first.coefs_ + first.intercepts_,
        second.coefs_ + second.intercepts_,
        strict=True,
    ):
        assert_array_equal(a, b)
    assert first.validation_loss_curve_ == second.validation_loss_curve_


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_pickled_warm_start_continues_bit_identically(estimator_class):
    """Continuing a pickled warm_start model equals continuing the original."""
    X, y = _data(estimator_class)
    model = estimator_class(warm_start=True, dropout=0.2, **SMALL).fit(X, y)
    copy = pickle.loads(pickle.dumps(model))
    model.fit(X, y)
    copy.fit(X, y)
    assert model.n_iter_ == copy.n_iter_ == 16
    for a, b in zip(
        model.coefs_ + model.intercepts_, copy.coefs_ + copy.intercepts_, strict=True
    ):
        assert_array_equal(a, b)


def test_grid_search_over_solver_and_dropout_serial_equals_parallel():
    """GridSearchCV over solver and dropout: n_jobs=2 gives n_jobs=1's scores."""
    X, y = _classification(n_samples=60)
    grid = {"solver": ["adam", "sgd"], "dropout": [0.0, 0.2]}
    model = FNNClassifier(width=6, max_iter=10, random_state=0)
    serial = GridSearchCV(model, grid, cv=3, error_score="raise").fit(X, y)
    parallel = GridSearchCV(model, grid, cv=3, n_jobs=2, error_score="raise").fit(X, y)
    assert_array_equal(
        serial.cv_results_["mean_test_score"], parallel.cv_results_["mean_test_score"]
    )


@pytest.mark.parametrize("solver", ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_two_partial_fits_equal_fit_of_two_epochs(solver):
    """partial_fit keeps the optimizer state: two calls are fit with max_iter=2."""
    X, y = _classification()
    common = dict(
        solver=solver, width=5, batch_size=16, learning_rate_init=0.01, random_state=0
    )
    fitted = FNNClassifier(max_iter=2, **common).fit(X, y)
    incremental = FNNClassifier(**common)
    incremental.partial_fit(X, y, classes=[0, 1])
    incremental.partial_fit(X, y)
    for a, b in zip(
        fitted.coefs_ + fitted.intercepts_,
        incremental.coefs_ + incremental.intercepts_,
        strict=True,
    ):
        assert_array_equal(a, b)
    assert fitted.loss_curve_ == incremental.loss_curve_


def test_warm_start_changing_loss_raises_and_keeps_model():
    """warm_start refuses a new loss and leaves the fitted model unchanged."""
    X, y = _regression()
    y = np.abs(y)
    model = FNNRegressor(warm_start=True, **SMALL).fit(X, y)
    before = model.predict(X)
    model.set_params(loss="poisson")
    with pytest.raises(ValueError, match="Cannot continue training.*'poisson'"):
        model.fit(X, y)
    assert_array_equal(model.predict(X), before)


def test_x_val_with_early_stopping_trains_on_every_row():
    """A given validation set replaces the held-out split: all rows train."""
    X, y, X_val, y_val, _ = _val_classification()
    model = FNNClassifier(
        width=4,
        early_stopping=True,
        validation_fraction=0.5,
        max_iter=5,
        random_state=0,
    ).fit(X, y, X_val=X_val, y_val=y_val)
    assert model.t_ == model.n_iter_ * len(y)


def test_lbfgs_refuses_validation_set():
    """solver='lbfgs' refuses X_val/y_val instead of ignoring them unchecked."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    model = FNNClassifier(solver="lbfgs", max_iter=5)
    with pytest.raises(ValueError, match="stochastic solver"):
        model.fit(X, y, X_val=X[:5], y_val=y[:5])
    assert not hasattr(model, "coefs_")
