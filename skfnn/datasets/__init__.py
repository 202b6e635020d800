"""Real tabular data sets bundled with skfnn, and their loaders."""

from skfnn.datasets._base import (
    load_credit_scoring,
    load_doctor_visits,
    load_hmda,
    load_mass_insurance,
)

__all__ = [
    "load_credit_scoring",
    "load_doctor_visits",
    "load_hmda",
    "load_mass_insurance",
]
