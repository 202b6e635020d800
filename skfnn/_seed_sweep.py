"""The seed as a hyperparameter: fit one configuration across many seeds."""

import time

import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

VARY = {"all": None, "init": "init", "order": "shuffle"}
BASE_SEED = 0


def seed_sweep(
    estimator,
    X,
    y,
    *,
    seeds=30,
    vary="all",
    X_test=None,
    y_test=None,
    test_size=0.25,
    scoring=None,
    n_jobs=None,
):
    """Fit one configuration once per seed and score each fit.

    Weight initialization and data order contribute comparably to the
    spread of results (Dodge et al., 2020), so the spread over seeds is part
    of what a configuration scores. With ``vary='init'`` only the initial
    weights change from fit to fit (shuffling, the validation split and
    dropout keep the streams of ``random_state=0``); with ``vary='order'``
    only the minibatch order does.

    Parameters
    ----------
    estimator : FNNClassifier, FNNRegressor or Pipeline ending in one
        The configuration; it is cloned for every seed.
    X : array-like of shape (n_samples, n_features)
        Training inputs (the whole data when no test set is given).
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets.
    seeds : int or iterable of int, default=30
        The seeds, or how many (0, 1, ..., seeds - 1).
    vary : {'all', 'init', 'order'}, default='all'
        Which source of randomness the seed drives: everything (it is the
        ``random_state``), only the weight initialization, or only the
        shuffling of minibatches.
    X_test, y_test : array-like, default=None
        A test set; when None, ``test_size`` of X, y is held out once
        (stratified for a classifier), with a split that is the same for
        every seed.
    test_size : float, default=0.25
        Share of the rows held out when no test set is given.
    scoring : str or callable, default=None
        A scikit-learn scorer; None uses the estimator's ``score``.
    n_jobs : int, default=None
        Fits run in parallel with joblib.

    Returns
    -------
    results : pandas.DataFrame
        One row per seed: seed, test_score, train_score, n_iter and
        fit_seconds.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skfnn import FNNClassifier
    >>> from skfnn.utils import seed_sweep
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> table = seed_sweep(FNNClassifier(width=8, max_iter=50), X, y, seeds=3)
    >>> list(table.columns)
    ['seed', 'test_score', 'train_score', 'n_iter', 'fit_seconds']
    >>> len(table)
    3
    """
    if vary not in VARY:
        raise ValueError(f"vary={vary!r} must be one of {sorted(VARY)}.")
    if isinstance(seeds, int):
        seeds = range(seeds)
    seeds = [int(seed) for seed in seeds]
    if X_test is None or y_test is None:
        X, X_test, y, y_test = train_test_split(
            X,
            y,
            test_size=test_size,
            random_state=BASE_SEED,
            stratify=y if is_classifier(estimator) else None,
        )
    scorer = check_scoring(estimator, scoring=scoring)
    rows = Parallel(n_jobs=n_jobs)(
        delayed(_fit_one)(estimator, seed, vary, X, y, X_test, y_test, scorer)
        for seed in seeds
    )
    return pd.DataFrame(rows)


def _fit_one(estimator, seed, vary, X, y, X_test, y_test, scorer):
    """Fit a clone of the estimator with one seed and score it."""
    model = clone(estimator)
    network = model.steps[-1][1] if isinstance(model, Pipeline) else model
    if VARY[vary] is None:
        network.set_params(random_state=seed)
    else:
        network.set_params(random_state=BASE_SEED)
        network._seed_overrides = {VARY[vary]: seed}
    start = time.perf_counter()
    model.fit(X, y)
    seconds = time.perf_counter() - start
    return {
        "seed": seed,
        "test_score": scorer(model, X_test, y_test),
        "train_score": scorer(model, X, y),
        "n_iter": network.n_iter_,
        "fit_seconds": seconds,
    }
