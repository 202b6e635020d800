"""The one module that imports private scikit-learn API.

skfnn pins the scikit-learn versions it is tested with in ``pyproject.toml``;
if these names move, only this module changes.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import _check_sample_weight, validate_data

__all__ = [
    "HasMethods",
    "Interval",
    "StrOptions",
    "_check_sample_weight",
    "_fit_context",
    "validate_data",
    "validate_params",
]
