"""Public utilities: gradient verification."""

from skfnn._gradient_check import check_gradients

__all__ = ["check_gradients"]
