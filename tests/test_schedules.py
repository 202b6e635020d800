"""Tests of the learning-rate schedules against hand-computed rates."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skfnn import FNNClassifier, FNNRegressor
from skfnn._schedules import Schedule

LR0 = 0.2


def _data(n_samples=30, seed=0):
    """Return a small X and a noisy real target."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 3))
    return X, X @ np.array([1.0, -1.0, 0.5]) + 0.2 * rng.normal(size=n_samples)


def test_constant_rate_ignores_progress():
    """'constant' returns eps_0 whatever t and the epoch are."""
    schedule = Schedule("constant", LR0)
    rates = [schedule.rate(t, epoch, 50) for t, epoch in [(0, 0), (999, 7), (5, 49)]]
    assert rates == [LR0, LR0, LR0]


@pytest.mark.parametrize("t", [0, 1, 9, 250])
def test_invscaling_rate_is_lr0_over_power_of_t(t):
    """'invscaling' returns eps_0 / (t + 1)^power_t for t rows seen."""
    schedule = Schedule("invscaling", LR0, power_t=0.25)
    assert schedule.rate(t, 3, 10) == pytest.approx(LR0 / (t + 1) ** 0.25, rel=1e-14)


@pytest.mark.parametrize(
    "epoch, drops", [(0, 0), (9, 0), (10, 1), (19, 1), (20, 2), (35, 3)]
)
def test_step_rate_halves_every_step_size_epochs(epoch, drops):
    """'step' returns eps_0 * 0.5^(epoch // 10): epochs 0-9 eps_0, 10-19 eps_0 / 2."""
    schedule = Schedule("step", LR0, decay_rate=0.5, step_size=10)
    assert schedule.rate(0, epoch, 100) == pytest.approx(LR0 * 0.5**drops, rel=1e-14)


@pytest.mark.parametrize("epoch", [0, 1, 2, 7])
def test_exponential_rate_is_lr0_times_decay_per_epoch(epoch):
    """'exponential' returns eps_0 * decay_rate^epoch."""
    schedule = Schedule("exponential", LR0, decay_rate=0.9)
    assert schedule.rate(0, epoch, 100) == pytest.approx(LR0 * 0.9**epoch, rel=1e-14)


def test_cosine_without_warmup_hand_values():
    """'cosine' over 10 epochs: eps_0 at 0, eps_0/2 at 5, eps_0 (1 + cos(pi 0.9))/2."""
    schedule = Schedule("cosine", LR0)
    assert schedule.rate(0, 0, 10) == pytest.approx(LR0, rel=1e-14)
    assert schedule.rate(0, 5, 10) == pytest.approx(LR0 / 2, rel=1e-14)
    last = LR0 * (1 + math.cos(math.pi * 0.9)) / 2
    assert schedule.rate(0, 9, 10) == pytest.approx(last, rel=1e-12)


def test_cosine_with_warmup_hand_values():
    """Warm-up 4 of 14 epochs: eps_0/4, ..., eps_0 at epoch 3, eps_0/2 at 4 + 10/2."""
    schedule = Schedule("cosine", LR0, warmup_epochs=4)
    warmup = [schedule.rate(0, epoch, 14) for epoch in range(4)]
    assert_allclose(warmup, [LR0 / 4, LR0 / 2, 3 * LR0 / 4, LR0], rtol=1e-14)
    # after the warm-up the cosine starts from eps_0 over the 10 remaining epochs
    assert schedule.rate(0, 4, 14) == pytest.approx(LR0, rel=1e-14)
    assert schedule.rate(0, 9, 14) == pytest.approx(LR0 / 2, rel=1e-14)


def test_adaptive_divides_by_five_on_plateau_until_floor():
    """'adaptive' goes eps_0, eps_0/5, eps_0/25, ... and refuses once <= 1e-6."""
    schedule = Schedule("adaptive", 0.1)
    rates = [schedule.rate(0, 0, 10)]
    while schedule.on_plateau():
        rates.append(schedule.rate(0, 0, 10))
    # 0.1 / 5^7 = 1.28e-6 > 1e-6 may still be divided; 0.1 / 5^8 = 2.56e-7 not
    assert_allclose(rates, [0.1 / 5**k for k in range(9)], rtol=1e-14)


@pytest.mark.parametrize("kind", ["constant", "invscaling", "step", "cosine"])
def test_non_adaptive_schedules_stop_on_plateau(kind):
    """Only 'adaptive' reacts to a plateau; the others ask training to stop."""
    schedule = Schedule(kind, LR0)
    assert schedule.on_plateau() is False
    assert schedule.rate(0, 0, 10) == pytest.approx(LR0, rel=1e-14)


# Training that never stops on its own before max_iter.
NO_STOP = dict(tol=0.0, n_iter_no_change=1000, random_state=0, width=4)


def test_estimator_step_schedule_learning_rates():
    """learning_rates_ of 25 epochs of 'step' (10, x0.1): 10 x eps_0, 10 x, 5 x."""
    X, y = _data()
    model = FNNRegressor(
        solver="sgd",
        learning_rate="step",
        learning_rate_init=0.01,
        step_size=10,
        decay_rate=0.1,
        max_iter=25,
        **NO_STOP,
    ).fit(X, y)
    expected = [0.01] * 10 + [0.001] * 10 + [0.0001] * 5
    assert_allclose(model.learning_rates_, expected, rtol=1e-12)


def test_estimator_cosine_schedule_with_warmup_learning_rates():
    """learning_rates_ of 'cosine' with 3 warm-up epochs of max_iter=9."""
    X, y = _data()
    model = FNNRegressor(
        learning_rate="cosine",
        learning_rate_init=0.01,
        warmup_epochs=3,
        max_iter=9,
        **NO_STOP,
    ).fit(X, y)
    warmup = [0.01 / 3, 0.02 / 3, 0.01]
    cosine = [0.01 * (1 + math.cos(math.pi * e / 6)) / 2 for e in range(6)]
    assert_allclose(model.learning_rates_, warmup + cosine, rtol=1e-12)


def test_estimator_invscaling_counts_rows_seen():
    """'invscaling' at the start of epoch e has seen t = e * n_samples rows."""
    X, y = _data(n_samples=30)
    model = FNNRegressor(
        solver="sgd",
        learning_rate="invscaling",
        learning_rate_init=0.05,
        power_t=0.5,
        batch_size=7,
        max_iter=4,
        **NO_STOP,
    ).fit(X, y)
    expected = [0.05 / math.sqrt(30 * e + 1) for e in range(4)]
    assert_allclose(model.learning_rates_, expected, rtol=1e-12)


def test_estimator_exponential_schedule_learning_rates():
    """learning_rates_ of 'exponential' with decay 0.8 is eps_0 * 0.8^epoch."""
    X, y = _data()
    y_class = (y > np.median(y)).astype(int)
    model = FNNClassifier(
        learning_rate="exponential", decay_rate=0.8, max_iter=6, **NO_STOP
    ).fit(X, y_class)
    expected = [1e-3 * 0.8**e for e in range(6)]
    assert_allclose(model.learning_rates_, expected, rtol=1e-12)


def test_estimator_adaptive_divides_after_each_plateau():
    """With every epoch a plateau (huge tol), the rate drops by 5 every 2 epochs.

    Epoch 1 sets the best loss; epochs 2 and 3 make two epochs without
    improvement, so the rate drops after epoch 3, then after every second
    epoch; after 6 drops 0.01 / 5^6 = 6.4e-7 <= 1e-6 and the next plateau stops
    training: 3 + 2 * 6 = 15 epochs.
    """
    X, y = _data()
    model = FNNRegressor(
        solver="sgd",
        learning_rate="adaptive",
        learning_rate_init=0.01,
        tol=1e9,
        n_iter_no_change=2,
        max_iter=100,
        random_state=0,
        width=4,
    ).fit(X, y)
    expected = [0.01] * 3 + [0.01 / 5**k for k in range(1, 7) for _ in range(2)]
    assert model.n_iter_ == 15
    assert_allclose(model.learning_rates_, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "schedule",
    [
        {"learning_rate": "step", "step_size": 2},
        {"learning_rate": "exponential", "decay_rate": 0.7},
        {"learning_rate": "invscaling"},
        {"learning_rate": "cosine"},
        {"learning_rate": "cosine", "warmup_epochs": 2},
    ],
    ids=["step", "exponential", "invscaling", "cosine", "cosine-warmup"],
)
def test_partial_fit_epochs_follow_the_schedule_of_one_fit(schedule):
    """max_iter partial_fit calls get the rates of one fit of max_iter epochs.

    The cosine schedule decays "to zero at max_iter"; partial_fit must not
    restart it at every call (which alternates eps_0 and 0 between calls).
    """
    X, y = _data()
    params = dict(learning_rate_init=0.1, max_iter=6, **NO_STOP, **schedule)
    fitted = FNNRegressor(**params).fit(X, y)
    incremental = FNNRegressor(**params)
    for _ in range(6):
        incremental.partial_fit(X, y)
    assert_allclose(incremental.learning_rates_, fitted.learning_rates_, rtol=1e-12)
