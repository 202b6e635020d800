"""Feedforward neural networks for scikit-learn, with a NumPy engine."""

from skfnn._classifier import FNNClassifier
from skfnn._regressor import FNNRegressor

__version__ = "0.1.0"

__all__ = ["FNNClassifier", "FNNRegressor", "__version__"]
