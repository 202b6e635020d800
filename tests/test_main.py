"""Tests for the ``python -m skfnn`` job."""

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split

from skfnn.__main__ import main, run
from skfnn.datasets import load_credit_scoring

FAST_ARGS = ["--grid", "small", "--cv", "2", "--n-jobs", "1"]
RANKING_COLUMNS = [
    "rank",
    "depth",
    "width",
    "activation",
    "random_state",
    "mean_roc_auc",
    "std_roc_auc",
]
PRINTED_DECIMALS = 4


@pytest.fixture(scope="module")
def job():
    """Run the fast job once and return its result with what it printed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        result = run(FAST_ARGS)
    return result, printed.getvalue()


def printed_table(text, title):
    """Return the header and rows of the table printed below ``title``."""
    lines = text.splitlines()
    start = lines.index(title) + 1
    blank = [i for i in range(start, len(lines)) if not lines[i].strip()]
    end = blank[0] if blank else len(lines)
    header, *rows = (line.split() for line in lines[start:end])
    return header, rows


def printed_test_scores(text):
    """Return the printed test table as {model label: (roc_auc, accuracy)}."""
    header, rows = printed_table(text, "Held-out test set:")
    assert header == ["model", "roc_auc", "accuracy"]
    return {" ".join(label): (float(auc), float(acc)) for *label, auc, acc in rows}


def test_main_ranking_has_expected_columns(job):
    """The printed ranking has rank, searched parameters and CV AUC columns."""
    result, printed = job
    header, rows = printed_table(
        printed, "Candidates ranked by mean cross-validated ROC AUC:"
    )
    assert header == RANKING_COLUMNS
    assert len(rows) == len(result.search.cv_results_["params"])


def test_main_ranking_first_row_is_best_candidate(job):
    """The first printed row holds the search's best parameters and score."""
    result, printed = job
    _, rows = printed_table(
        printed, "Candidates ranked by mean cross-validated ROC AUC:"
    )
    first = dict(zip(RANKING_COLUMNS, rows[0], strict=True))
    best = result.search.best_params_
    assert first["rank"] == "1"
    for name in ("depth", "width", "activation", "random_state"):
        assert first[name] == str(best[f"fnn__{name}"])
    assert_allclose(
        float(first["mean_roc_auc"]),
        result.search.best_score_,
        rtol=0,
        atol=0.5 * 10**-PRINTED_DECIMALS,
    )


def test_main_compares_best_fnn_with_both_baselines(job):
    """The test table lists the best FNNClassifier and the two baselines."""
    _, printed = job
    labels = list(printed_test_scores(printed))
    assert labels == [
        "FNNClassifier (best of grid)",
        "LogisticRegression",
        "MLPClassifier (same architecture)",
    ]


@pytest.mark.parametrize(
    "label",
    [
        "FNNClassifier (best of grid)",
        "LogisticRegression",
        "MLPClassifier (same architecture)",
    ],
)
def test_main_test_scores_match_sklearn_metrics(job, label):
    """Printed test ROC AUC and accuracy equal sklearn.metrics on the model."""
    result, printed = job
    model = result.models[label]
    positive = model.classes_[1]
    proba = model.predict_proba(result.X_test)[:, 1]
    expected_auc = roc_auc_score(result.y_test == positive, proba)
    predicted = model.predict(result.X_test)
    expected_accuracy = accuracy_score(result.y_test, predicted)

    printed_auc, printed_accuracy = printed_test_scores(printed)[label]
    atol = 0.5 * 10**-PRINTED_DECIMALS
    assert_allclose(printed_auc, expected_auc, rtol=0, atol=atol)
    assert_allclose(printed_accuracy, expected_accuracy, rtol=0, atol=atol)
    assert_allclose(
        result.test_scores.loc[label, ["roc_auc", "accuracy"]].to_numpy(float),
        [expected_auc, expected_accuracy],
        rtol=1e-12,
        atol=0,
    )


def test_main_best_fnn_is_the_search_refit(job):
    """The FNN scored on the test set is the estimator refit by the search."""
    result, _ = job
    assert result.models["FNNClassifier (best of grid)"] is (
        result.search.best_estimator_
    )


def test_main_holds_out_a_stratified_fifth(job):
    """The test rows are those of a stratified 80/20 split seeded by the CLI."""
    result, _ = job
    X, y = load_credit_scoring(return_X_y=True, as_frame=True)
    _, X_test, _, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=0
    )
    assert_array_equal(result.X_test.index, X_test.index)
    assert_array_equal(result.y_test, y_test)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--grid", "huge"], "invalid choice: 'huge'"),
        (["--cv", "1"], "must be >= 2, got 1"),
        (["--cv", "two"], "invalid int value: 'two'"),
        (["--n-jobs", "0"], "must be a positive int or -1, got 0"),
        (["--n-jobs", "-2"], "must be >= -1, got -2"),
        (["--max-iter", "0"], "must be >= 1, got 0"),
        (["--random-state", "-1"], "must be >= 0, got -1"),
        (["--seed", "3"], "unrecognized arguments: --seed 3"),
    ],
)
def test_main_rejects_bad_arguments_with_usage(argv, message, capsys):
    """A bad argument exits with status 2, the usage line and the reason."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m skfnn")
    assert message in err


def test_main_help_exits_zero_from_the_command_line():
    """``python -m skfnn --help`` exits with status 0 and prints the options."""
    completed = subprocess.run(
        [sys.executable, "-m", "skfnn", "--help"],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0
    assert completed.stdout.startswith("usage: python -m skfnn")
    options = ["--grid", "--n-jobs", "--cv", "--random-state", "--max-iter"]
    for option in options:
        assert option in completed.stdout
