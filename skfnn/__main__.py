"""Command line job: tune FNNClassifier on the credit data, compare baselines.

Run ``python -m skfnn --help`` for the options. The job loads the bundled
credit scoring data, holds out a stratified test set, grid-searches the depth,
width, activation and seed of an :class:`~skfnn.FNNClassifier` inside a
preprocessing pipeline by cross-validated ROC AUC, and prints the ranked
candidates followed by the test ROC AUC and accuracy of the best candidate,
of a logistic regression and of scikit-learn's multilayer perceptron.
"""

import argparse
import sys
from dataclasses import dataclass

import pandas as pd
from sklearn.model_selection import GridSearchCV, ParameterGrid

from skfnn._demo import (
    BEST_FNN,
    GRIDS,
    format_report,
    make_baselines,
    make_search,
    rank_candidates,
    score_on_test,
    split_data,
)
from skfnn.datasets import load_credit_scoring


@dataclass
class JobResult:
    """What one run of the job fitted and reported."""

    search: GridSearchCV
    models: dict
    X_test: pd.DataFrame
    y_test: pd.Series
    ranking: pd.DataFrame
    test_scores: pd.DataFrame


def _int_at_least(minimum):
    """Return an argparse type accepting integers not below ``minimum``."""

    def parse(text):
        """Convert ``text`` to an int, refusing values below the minimum."""
        try:
            value = int(text)
        except ValueError:
            message = f"invalid int value: {text!r}"
            raise argparse.ArgumentTypeError(message) from None
        if value < minimum:
            message = f"must be >= {minimum}, got {value}"
            raise argparse.ArgumentTypeError(message)
        return value

    return parse


def _n_jobs(text):
    """Convert ``text`` to a joblib ``n_jobs`` value: a positive int or -1."""
    value = _int_at_least(-1)(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be a positive int or -1, got 0")
    return value


def build_parser():
    """Return the argument parser of ``python -m skfnn``."""
    parser = argparse.ArgumentParser(
        prog="python -m skfnn",
        description=(
            "Grid-search FNNClassifier on the bundled credit scoring data by "
            "cross-validated ROC AUC, then compare the best model with "
            "LogisticRegression and MLPClassifier on a held-out test set."
        ),
    )
    parser.add_argument(
        "--grid",
        choices=list(GRIDS),
        default="default",
        help=(
            "parameter grid over depth, width, activation and random_state: "
            "small (2 candidates), default (16) or large (81) "
            "(default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=2,
        help=(
            "parallel cross-validation fits; -1 uses every core "
            "(default: %(default)s, the two cores the job is sized for)"
        ),
    )
    parser.add_argument(
        "--cv",
        type=_int_at_least(2),
        default=5,
        help="stratified cross-validation folds (default: %(default)s)",
    )
    parser.add_argument(
        "--random-state",
        type=_int_at_least(0),
        default=0,
        help=(
            "seed of the train/test split, the fold assignment and the "
            "MLPClassifier baseline; FNNClassifier seeds are part of the grid "
            "(default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--max-iter",
        type=_int_at_least(1),
        default=200,
        help=(
            "maximum number of epochs of each network; early stopping usually "
            "ends training sooner (default: %(default)s)"
        ),
    )
    return parser


def describe_job(args, X, X_train, X_test):
    """Return the header lines of the report: data, split and search settings."""
    n_candidates = len(ParameterGrid(GRIDS[args.grid]))
    return [
        "skfnn main job: FNNClassifier on the bundled credit scoring data",
        f"data: {len(X)} rows, {X.shape[1]} columns; stratified split into "
        f"{len(X_train)} train and {len(X_test)} test rows "
        f"(random_state={args.random_state})",
        f"search: grid '{args.grid}', {n_candidates} candidates, "
        f"{args.cv}-fold stratified CV on the train rows, scoring ROC AUC, "
        f"max_iter={args.max_iter}, n_jobs={args.n_jobs}",
    ]


def run(argv=None):
    """Run the job with command line arguments ``argv``, print and return it.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; None reads ``sys.argv``.

    Returns
    -------
    result : JobResult
        The fitted search, the fitted models compared on the test set, the
        test data and the two printed tables.
    """
    args = build_parser().parse_args(argv)

    X, y = load_credit_scoring(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = split_data(X, y, args.random_state)

    search = make_search(
        args.grid,
        cv=args.cv,
        n_jobs=args.n_jobs,
        random_state=args.random_state,
        max_iter=args.max_iter,
    )
    search.fit(X_train, y_train)

    models = {BEST_FNN: search.best_estimator_}
    baselines = make_baselines(
        search.best_params_,
        random_state=args.random_state,
        max_iter=args.max_iter,
    )
    for label, model in baselines.items():
        models[label] = model.fit(X_train, y_train)

    ranking = rank_candidates(search.cv_results_, args.grid)
    test_scores = score_on_test(models, X_test, y_test)
    header = describe_job(args, X, X_train, X_test)
    print(format_report(header, ranking, test_scores))
    return JobResult(search, models, X_test, y_test, ranking, test_scores)


def main(argv=None):
    """Run the job and return the process exit status, 0 on success."""
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
