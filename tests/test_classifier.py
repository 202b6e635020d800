"""Tests of FNNClassifier: labels, probabilities and the output layers."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from skfnn import FNNClassifier

# Full-batch gradient descent with momentum, run long enough to reach the
# optimum of a convex problem to many digits.
CONVEX = dict(
    depth=1,
    solver="sgd",
    momentum=0.9,
    batch_size=10_000,
    learning_rate_init=0.1,
    max_iter=2000,
    tol=0.0,
    n_iter_no_change=2000,
)


def _blobs(n_classes=3, n_samples=90, seed=0):
    """Return X and integer labels with overlapping linear structure."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 3))
    score = X @ np.array([1.0, -2.0, 0.5]) + rng.normal(size=n_samples)
    edges = np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1])
    return X, np.digitize(score, edges)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_depth_one_equals_logistic_regression(n_classes):
    """depth=1 with alpha is LogisticRegression with C = 1 / alpha."""
    X, y = _blobs(n_classes)
    fnn = FNNClassifier(alpha=0.5, **CONVEX).fit(X, y)
    reference = LogisticRegression(C=2.0, tol=1e-12, max_iter=10_000).fit(X, y)
    assert_allclose(fnn.predict_proba(X), reference.predict_proba(X), atol=1e-6)


def test_binary_proba_two_columns_ordered_like_classes():
    """Binary predict_proba has columns [1 - p, p] with p for classes_[1]."""
    X, y = _blobs(2)
    labels = np.array(["no", "yes"])[y]
    clf = FNNClassifier(width=8, max_iter=100, random_state=0).fit(X, labels)
    proba = clf.predict_proba(X)
    assert proba.shape == (90, 2)
    assert_allclose(proba[:, 1], expit(clf.decision_function(X)), rtol=1e-12)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


def test_predict_log_proba_matches_log_of_proba():
    """predict_log_proba equals log(predict_proba) where the latter is finite."""
    X, y = _blobs(3)
    clf = FNNClassifier(width=8, max_iter=100, random_state=0).fit(X, y)
    assert_allclose(
        clf.predict_log_proba(X), np.log(clf.predict_proba(X)), rtol=1e-9, atol=1e-12
    )


@pytest.mark.parametrize("activation", ["relu", "logistic", "tanh", "identity"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_proba_valid_for_huge_inputs(activation, n_classes):
    """Inputs 1e6 times the training scale give finite rows summing to one."""
    X, y = _blobs(n_classes)
    clf = FNNClassifier(width=8, activation=activation, max_iter=50, random_state=0)
    clf.fit(X, y)
    proba = clf.predict_proba(np.vstack([X * 1e6, -X * 1e6]))
    assert np.all(np.isfinite(proba))
    assert proba.min() >= 0 and proba.max() <= 1
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["red", "green", "blue"]),
        np.array([-3, 5, 10]),
        np.array(["a", "b", "c"], dtype=object),
    ],
    ids=["str", "negative-int", "object"],
)
def test_labels_round_trip_in_user_type(labels):
    """Predictions come back as the user's labels, classes_ sorted."""
    X, y = _blobs(3)
    clf = FNNClassifier(width=8, max_iter=300, random_state=0).fit(X, labels[y])
    assert_array_equal(clf.classes_, np.sort(labels))
    predicted = clf.predict(X)
    assert set(predicted.tolist()) <= set(labels.tolist())
    assert np.mean(predicted == labels[y]) > 0.6


def test_boolean_labels_predicted_as_bool():
    """Boolean labels give boolean predictions."""
    X, y = _blobs(2)
    clf = FNNClassifier(width=8, max_iter=100, random_state=0).fit(X, y == 1)
    assert clf.predict(X).dtype == bool


def test_pandas_categorical_labels():
    """A pandas Categorical Series of labels is accepted."""
    X, y = _blobs(3)
    words = pd.Series(pd.Categorical(np.array(["lo", "mid", "hi"])[y]))
    clf = FNNClassifier(width=8, max_iter=300, random_state=0).fit(X, words)
    assert set(clf.predict(X).tolist()) <= {"lo", "mid", "hi"}


def test_multilabel_independent_probabilities():
    """A multilabel indicator trains independent logistic outputs."""
    X, _ = _blobs()
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 2] > 0]).astype(int)
    clf = FNNClassifier(width=16, max_iter=400, random_state=0).fit(X, Y)
    proba = clf.predict_proba(X)
    assert clf.out_activation_ == "logistic"
    assert proba.shape == (90, 3)
    assert_array_equal(clf.predict(X), (proba > 0.5).astype(int))
    assert_allclose(proba, expit(clf.decision_function(X)), rtol=1e-12)
    assert np.mean(clf.predict(X) == Y) > 0.9


def test_partial_fit_needs_classes_first():
    """The first partial_fit call without classes raises a ValueError."""
    X, y = _blobs()
    with pytest.raises(ValueError, match="classes must be passed"):
        FNNClassifier().partial_fit(X, y)


def test_partial_fit_declared_class_seen_later():
    """Classes declared on the first call get columns before they are seen."""
    X, y = _blobs(3)
    clf = FNNClassifier(width=4, random_state=0)
    clf.partial_fit(X[y < 2], y[y < 2], classes=[2, 0, 1])
    assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.predict_proba(X).shape == (90, 3)
    clf.partial_fit(X[y == 2], y[y == 2])


def test_partial_fit_unknown_label_leaves_model():
    """A label outside the declared classes is refused; the model is unchanged."""
    X, y = _blobs(3)
    clf = FNNClassifier(width=4, random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match=r"labels \[7\]"):
        clf.partial_fit(X[:3], [0, 7, 1])
    assert_array_equal(clf.predict_proba(X), before)
    assert clf.n_iter_ == 1


@pytest.mark.parametrize("other", [[0, 1], [0, 1, 2, 3], [5, 6, 7]])
def test_warm_start_other_classes_raises(other):
    """warm_start refuses a target with another set of classes."""
    X, y = _blobs(3)
    clf = FNNClassifier(width=4, max_iter=5, warm_start=True, random_state=0)
    clf.fit(X, y)
    y_other = np.asarray(other)[np.arange(90) % len(other)]
    with pytest.raises(ValueError, match="classes"):
        clf.fit(X, y_other)


def test_single_class_raises():
    """A target with one class is refused with a message about classes."""
    X, _ = _blobs()
    with pytest.raises(ValueError, match="at least 2 classes"):
        FNNClassifier().fit(X, np.zeros(90))


def test_continuous_target_raises():
    """A continuous target is not a classification target."""
    X, _ = _blobs()
    with pytest.raises(ValueError, match="Unknown label type"):
        FNNClassifier().fit(X, X[:, 0])


def test_early_stopping_string_labels():
    """Early stopping stratifies and scores string labels without error."""
    X, y = _blobs(3, n_samples=150)
    labels = np.array(["spam", "ham", "eggs"], dtype=object)[y]
    clf = FNNClassifier(
        width=8, early_stopping=True, learning_rate_init=0.01, random_state=0
    ).fit(X, labels)
    assert np.mean(clf.predict(X) == labels) > 0.6
    assert len(clf.validation_loss_curve_) == clf.n_iter_
