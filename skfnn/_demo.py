"""Pieces of the main job: grids, pipelines, baselines and the report."""

import pandas as pd
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    train_test_split,
)
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skfnn import FNNClassifier

# Each grid lists the FNNClassifier parameters searched; every other
# parameter is fixed by FNN_SETTINGS. The default grid is sized to run in
# under two minutes on two cores.
GRIDS = {
    "small": {
        "depth": [2],
        "width": [8, 32],
        "activation": ["relu"],
        "random_state": [0],
    },
    "default": {
        "depth": [2, 3],
        "width": [16, 64],
        "activation": ["relu", "tanh"],
        "random_state": [0, 1],
    },
    "large": {
        "depth": [2, 3, 4],
        "width": [16, 64, 256],
        "activation": ["relu", "tanh", "logistic"],
        "random_state": [0, 1, 2],
    },
}

# Settings shared by FNNClassifier and the MLPClassifier baseline; the
# validation split of early stopping keeps the epoch count, and so the run
# time, small.
FNN_SETTINGS = {
    "alpha": 1e-4,
    "early_stopping": True,
    "n_iter_no_change": 10,
}

SEARCH_SCORING = "roc_auc"
TEST_SCORINGS = ("roc_auc", "accuracy")
TEST_SIZE = 0.2
BEST_FNN = "FNNClassifier (best of grid)"


def make_preprocessor():
    """Return the preprocessing: impute and scale numbers, encode categories."""
    numeric = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
        ]
    )
    categorical = Pipeline(
        [
            ("impute", SimpleImputer(strategy="most_frequent")),
            ("encode", OneHotEncoder(handle_unknown="ignore")),
        ]
    )
    numeric_columns = make_column_selector(dtype_exclude="category")
    categorical_columns = make_column_selector(dtype_include="category")
    return ColumnTransformer(
        [
            ("numeric", numeric, numeric_columns),
            ("categorical", categorical, categorical_columns),
        ]
    )


def make_model(estimator):
    """Return a pipeline with a fresh preprocessor in front of ``estimator``."""
    return Pipeline([("prep", make_preprocessor()), ("fnn", estimator)])


def split_data(X, y, random_state):
    """Split ``X`` and ``y`` into stratified train and test parts."""
    return train_test_split(
        X, y, test_size=TEST_SIZE, stratify=y, random_state=random_state
    )


def make_search(grid, *, cv, n_jobs, random_state, max_iter):
    """Return the grid search of FNNClassifier over the named ``grid``."""
    fnn = FNNClassifier(max_iter=max_iter, **FNN_SETTINGS)
    param_grid = {f"fnn__{key}": values for key, values in GRIDS[grid].items()}
    folds = StratifiedKFold(cv, shuffle=True, random_state=random_state)
    return GridSearchCV(
        make_model(fnn),
        param_grid,
        scoring=SEARCH_SCORING,
        cv=folds,
        n_jobs=n_jobs,
    )


def make_baselines(best_params, *, random_state, max_iter):
    """Return unfitted scikit-learn baselines keyed by their report label.

    The multilayer perceptron copies the architecture and activation of the
    best FNNClassifier (``depth - 1`` hidden layers of ``width`` units) and
    its fixed settings, so that the two differ only in their engine.
    """
    depth = best_params["fnn__depth"]
    width = best_params["fnn__width"]
    mlp = MLPClassifier(
        hidden_layer_sizes=(width,) * (depth - 1),
        activation=best_params["fnn__activation"],
        max_iter=max_iter,
        random_state=random_state,
        **FNN_SETTINGS,
    )
    return {
        "LogisticRegression": make_model(LogisticRegression(max_iter=1000)),
        "MLPClassifier (same architecture)": make_model(mlp),
    }


def rank_candidates(cv_results, grid):
    """Return one row per candidate, best first: rank, parameters, ROC AUC."""
    results = pd.DataFrame(cv_results)
    table = pd.DataFrame({"rank": results["rank_test_score"]})
    for name in GRIDS[grid]:
        table[name] = results[f"param_fnn__{name}"].to_numpy()
    table["mean_roc_auc"] = results["mean_test_score"]
    table["std_roc_auc"] = results["std_test_score"]
    return table.sort_values(["rank", "mean_roc_auc"], kind="stable")


def score_on_test(models, X_test, y_test):
    """Return one row per fitted model with its test ROC AUC and accuracy."""
    rows = {
        label: {
            scoring: get_scorer(scoring)(model, X_test, y_test)
            for scoring in TEST_SCORINGS
        }
        for label, model in models.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("model")


def format_report(header, ranking, test_scores):
    """Return the report: header lines, ranked candidates, test scores."""
    decimals = "{:.4f}".format
    test_table = test_scores.reset_index()
    return "\n".join(
        [
            *header,
            "",
            "Candidates ranked by mean cross-validated ROC AUC:",
            ranking.to_string(index=False, float_format=decimals),
            "",
            "Held-out test set:",
            test_table.to_string(index=False, float_format=decimals),
        ]
    )
