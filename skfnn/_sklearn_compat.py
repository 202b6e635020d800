"""The one module that imports private scikit-learn API.

skfnn pins the scikit-learn versions it is tested with in ``pyproject.toml``;
if these names move, only this module changes.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, validate_data

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:

    class CallbackSupportMixin:
        """Stand-in for scikit-learn < 1.9, which has no callback protocol."""

        def _init_callback_context(self, **kwargs):
            """Return a context whose hooks do nothing."""
            return _SilentContext()

    class _SilentContext:
        """A callback context without callbacks."""

        def subcontext(self, **kwargs):
            """Return a context for a subtask."""
            return self

        def call_on_fit_task_begin(self, **kwargs):
            """Do nothing."""
            return self

        def call_on_fit_task_end(self, **kwargs):
            """Ask no one to stop."""
            return False


__all__ = [
    "CallbackSupportMixin",
    "Interval",
    "StrOptions",
    "_check_sample_weight",
    "_fit_context",
    "validate_data",
]
