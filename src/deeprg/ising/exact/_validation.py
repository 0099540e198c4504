"""Array-valued beta and scalar outputs of the exact-results functions (private).

Scalar checks (sizes, beta, coupling) live in :mod:`deeprg._validation`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg.errors import InvalidParameterError


def check_beta_array(beta: ArrayLike) -> NDArray[np.float64]:
    """Return ``beta`` as a float64 array after checking every entry is finite and positive."""
    try:
        arr = np.asarray(beta, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            f"beta (inverse temperature) must be a number or an array of numbers > 0, got {beta!r}."
        ) from None
    if np.asarray(beta).dtype == np.bool_:
        raise InvalidParameterError(f"beta (inverse temperature) must be numeric, got booleans {beta!r}.")
    if arr.size and not np.all(np.isfinite(arr) & (arr > 0)):
        bad = arr[~(np.isfinite(arr) & (arr > 0))].flat[0]
        raise InvalidParameterError(f"beta (inverse temperature) must be finite and > 0 everywhere, found {bad!r}.")
    return arr


def as_output(arr: NDArray[np.float64]) -> float | NDArray[np.float64]:
    """Return a Python float for 0-d arrays and the array otherwise."""
    return float(arr) if arr.ndim == 0 else arr
