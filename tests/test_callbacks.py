"""Tests of scikit-learn's callback protocol on the estimators' epochs."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skfnn import FNNClassifier, FNNRegressor

callback = pytest.importorskip("sklearn.callback")

# Training that runs exactly max_iter epochs unless a callback stops it.
FULL_RUN = dict(width=6, tol=0.0, n_iter_no_change=1000, random_state=0)


class Recorder:
    """A callback that records its hooks and can ask to stop after an epoch."""

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.events = []
        self.snapshots = []

    def setup(self, estimator, context):
        """Record the set-up."""
        self.events.append(("setup", context.task_name))

    def on_fit_task_begin(self, estimator, context, *, X=None, y=None, metadata=None):
        """Record the start of a task."""
        self.events.append(("begin", context.task_name))

    def on_fit_task_end(
        self,
        estimator,
        context,
        *,
        X=None,
        y=None,
        metadata=None,
        fitted_estimator=None,
    ):
        """Record the end of a task and the model fitted up to it."""
        self.events.append(("end", context.task_name))
        if context.task_name != "epoch":
            return False
        self.snapshots.append(fitted_estimator)
        return self.stop_after is not None and len(self.snapshots) >= self.stop_after

    def teardown(self, estimator, context):
        """Record the tear-down."""
        self.events.append(("teardown", context.task_name))


def _classification(n_samples=60, seed=0):
    """Return X and binary labels."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 3))
    return X, (X[:, 0] - X[:, 2] + 0.5 * rng.normal(size=n_samples) > 0).astype(int)


def _regression(n_samples=60, seed=0):
    """Return X and a noisy real target."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 3))
    return X, np.tanh(X[:, 0]) + X[:, 1] + 0.1 * rng.normal(size=n_samples)


def test_callback_sees_root_task_and_one_pair_per_epoch():
    """4 epochs: setup, begin fit, 4 x (begin, end) epoch, end fit, teardown."""
    X, y = _classification()
    recorder = Recorder()
    FNNClassifier(max_iter=4, **FULL_RUN).set_callbacks(recorder).fit(X, y)
    epochs = [("begin", "epoch"), ("end", "epoch")] * 4
    expected = [
        ("setup", "fit"),
        ("begin", "fit"),
        *epochs,
        ("end", "fit"),
        ("teardown", "fit"),
    ]
    assert recorder.events == expected


@pytest.mark.parametrize("estimator_class", [FNNClassifier, FNNRegressor])
def test_callback_fitted_estimator_equals_model_trained_k_epochs(estimator_class):
    """fitted_estimator at epoch k predicts like a model fitted with max_iter=k."""
    X, y = _classification() if estimator_class is FNNClassifier else _regression()
    recorder = Recorder()
    estimator_class(max_iter=5, **FULL_RUN).set_callbacks(recorder).fit(X, y)
    assert len(recorder.snapshots) == 5
    for k in (1, 3, 5):
        reference = estimator_class(max_iter=k, **FULL_RUN).fit(X, y)
        snapshot = recorder.snapshots[k - 1]
        assert snapshot.n_iter_ == k
        assert_array_equal(snapshot.predict(X), reference.predict(X))
        for a, b in zip(snapshot.coefs_, reference.coefs_, strict=True):
            assert_array_equal(a, b)


def test_callback_snapshots_do_not_follow_later_epochs():
    """Each epoch's fitted_estimator keeps its own weights as training goes on."""
    X, y = _classification()
    recorder = Recorder()
    model = FNNClassifier(max_iter=3, **FULL_RUN).set_callbacks(recorder).fit(X, y)
    first, last = recorder.snapshots[0], recorder.snapshots[-1]
    assert not np.array_equal(first.coefs_[0], last.coefs_[0])
    assert_array_equal(last.coefs_[0], model.coefs_[0])


def test_callback_returning_true_stops_after_that_epoch():
    """on_fit_task_end returning True after epoch 3 leaves n_iter_ == 3."""
    X, y = _classification()
    recorder = Recorder(stop_after=3)
    model = FNNClassifier(max_iter=20, **FULL_RUN).set_callbacks(recorder).fit(X, y)
    assert model.n_iter_ == 3
    reference = FNNClassifier(max_iter=3, **FULL_RUN).fit(X, y)
    assert_array_equal(model.predict_proba(X), reference.predict_proba(X))


def test_scoring_monitor_records_one_accuracy_per_epoch():
    """ScoringMonitor logs one accuracy per epoch, the last that of the model."""
    X, y = _classification()
    monitor = callback.ScoringMonitor(scoring="accuracy")
    model = FNNClassifier(max_iter=4, learning_rate_init=0.05, **FULL_RUN)
    model.set_callbacks(monitor).fit(X, y)
    rows = [row for row in monitor.get_logs().data if row["task_name"] == "epoch"]
    assert len(rows) == model.n_iter_ == 4
    last = max(rows, key=lambda row: row["task_id"])
    assert last["accuracy"] == accuracy_score(y, model.predict(X))


def test_progress_bar_single_fit_leaves_training_unchanged():
    """A ProgressBar on one fit trains exactly as without it."""
    pytest.importorskip("rich")
    X, y = _classification()
    with_bar = FNNClassifier(max_iter=4, **FULL_RUN)
    with_bar.set_callbacks(callback.ProgressBar()).fit(X, y)
    plain = FNNClassifier(max_iter=4, **FULL_RUN).fit(X, y)
    assert_allclose(with_bar.predict_proba(X), plain.predict_proba(X), rtol=0, atol=0)


def test_progress_bar_in_grid_search_over_pipeline():
    """A ProgressBar on GridSearchCV(Pipeline) trains exactly as without it."""
    pytest.importorskip("rich")
    X, y = _classification()
    pipe = Pipeline(
        [("scale", StandardScaler()), ("fnn", FNNClassifier(max_iter=3, **FULL_RUN))]
    )
    grid = {"fnn__width": [3, 6]}
    with_bar = GridSearchCV(pipe, grid, cv=2, n_jobs=1, error_score="raise")
    with_bar.set_callbacks(callback.ProgressBar(max_propagation_depth=None))
    with_bar.fit(X, y)
    plain = GridSearchCV(pipe, grid, cv=2, n_jobs=1, error_score="raise").fit(X, y)
    assert_array_equal(
        with_bar.cv_results_["mean_test_score"], plain.cv_results_["mean_test_score"]
    )


class PropagatedRecorder(Recorder):
    """A Recorder that meta-estimators hand down to every sub-estimator."""

    max_propagation_depth = None


def test_propagated_callback_sees_every_epoch_of_a_grid_search():
    """On GridSearchCV(Pipeline) a callback sees every epoch: 2 x 2 x 3 + 3."""
    X, y = _classification()
    pipe = Pipeline(
        [("scale", StandardScaler()), ("fnn", FNNClassifier(max_iter=3, **FULL_RUN))]
    )
    recorder = PropagatedRecorder()
    search = GridSearchCV(pipe, {"fnn__width": [3, 6]}, cv=2, error_score="raise")
    search.set_callbacks(recorder).fit(X, y)
    # two candidates on two folds, then the refit on all rows
    assert len(recorder.snapshots) == 2 * 2 * 3 + 3
    # the snapshot is the network alone, which sees scaled inputs
    best = search.best_estimator_
    scaled = best.named_steps["scale"].transform(X)
    assert_array_equal(
        recorder.snapshots[-1].predict_proba(scaled), best.predict_proba(X)
    )
