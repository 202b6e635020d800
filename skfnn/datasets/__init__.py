"""Real tabular data sets bundled with skfnn, and their loaders."""

from skfnn.datasets._base import load_credit_scoring

__all__ = ["load_credit_scoring"]
