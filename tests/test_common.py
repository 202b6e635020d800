"""scikit-learn's estimator checks on both estimators, none expected to fail."""

import pytest
from sklearn.utils.estimator_checks import (
    check_estimator,
    check_param_validation,
    parametrize_with_checks,
)

from skfnn import FNNClassifier, FNNRegressor

ESTIMATORS = [FNNClassifier(), FNNRegressor()]


@parametrize_with_checks(ESTIMATORS)
def test_estimator_passes_sklearn_check(estimator, check):
    """Each scikit-learn estimator check passes with default parameters."""
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_estimator_param_validation(estimator):
    """Invalid parameter types and values raise scikit-learn's errors."""
    check_param_validation(type(estimator).__name__, estimator)


@pytest.mark.parametrize(
    "estimator",
    [FNNClassifier(solver="sgd"), FNNRegressor(solver="sgd")],
    ids=lambda e: type(e).__name__,
)
def test_estimator_passes_sklearn_checks_with_sgd(estimator):
    """The estimator checks also pass with the 'sgd' solver."""
    results = check_estimator(estimator, on_fail=None)
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    assert failed == []
