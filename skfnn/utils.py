"""Public utilities: gradient verification and seed sweeps."""

from skfnn._gradient_check import check_gradients
from skfnn._seed_sweep import seed_sweep

__all__ = ["check_gradients", "seed_sweep"]
