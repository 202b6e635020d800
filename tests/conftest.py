"""Shared test set-up for skfnn."""

import os

# scikit-learn runs its array API check (NumPy namespace) only when SciPy's
# array API mode is on, which must be decided before SciPy is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
