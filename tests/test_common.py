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


def _parameter_docs(estimator_class):
    """Return {name: (type line, description)} of a class's Parameters."""
    from numpydoc.docscrape import ClassDoc

    return {
        p.name: (p.type, "\n".join(p.desc))
        for p in ClassDoc(estimator_class)["Parameters"]
    }


def test_shared_parameters_documented_identically():
    """Parameters both estimators take are described word for word alike."""
    pytest.importorskip("numpydoc")
    classifier = _parameter_docs(FNNClassifier)
    regressor = _parameter_docs(FNNRegressor)
    shared = set(classifier) & set(regressor)
    assert shared == set(FNNClassifier().get_params()) - {"loss"}
    for name in sorted(shared):
        assert classifier[name] == regressor[name], name


@pytest.mark.parametrize("estimator_class", [FNNClassifier, FNNRegressor])
def test_every_parameter_documented(estimator_class):
    """Each constructor parameter has an entry under Parameters."""
    pytest.importorskip("numpydoc")
    assert set(_parameter_docs(estimator_class)) == set(estimator_class().get_params())
