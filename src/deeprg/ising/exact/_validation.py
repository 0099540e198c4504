"""Validation of the arguments shared by the exact-results functions."""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg.errors import InvalidParameterError


def check_size(value: object, name: str, *, minimum: int, maximum: int | None = None, hint: str = "") -> int:
    """Return ``value`` as an ``int`` after checking it is an integer in ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        suggestion = ""
        if isinstance(value, numbers.Real) and float(value).is_integer():
            suggestion = f"; pass {name}={int(value)} instead"
        raise InvalidParameterError(
            f"{name} must be an integer >= {minimum}, got {value!r} of type {type(value).__name__}{suggestion}."
        )
    value = int(value)
    if value < minimum:
        raise InvalidParameterError(f"{name} must be an integer >= {minimum}, got {value}.{hint}")
    if maximum is not None and value > maximum:
        raise InvalidParameterError(f"{name} must be an integer <= {maximum}, got {value}.{hint}")
    return value


def check_beta(beta: object) -> float:
    """Return ``beta`` as a ``float`` after checking it is finite and positive."""
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
        raise InvalidParameterError(
            f"beta (inverse temperature) must be a finite number > 0, got {beta!r} of type {type(beta).__name__}."
        )
    value = float(beta)
    if not np.isfinite(value) or value <= 0:
        raise InvalidParameterError(
            f"beta (inverse temperature) must be a finite number > 0, got {value!r}; "
            "for infinite temperature use a small beta, for the ground state a large one."
        )
    return value


def check_coupling(coupling: object) -> float:
    """Return ``coupling`` as a ``float`` after checking it is finite and non-zero."""
    if isinstance(coupling, bool) or not isinstance(coupling, numbers.Real):
        raise InvalidParameterError(
            f"coupling must be a finite non-zero number, got {coupling!r} of type {type(coupling).__name__}."
        )
    value = float(coupling)
    if not np.isfinite(value) or value == 0:
        raise InvalidParameterError(f"coupling must be a finite non-zero number, got {value!r}.")
    return value


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
        raise InvalidParameterError(
            f"beta (inverse temperature) must be finite and > 0 everywhere, found {bad!r}."
        )
    return arr


def as_output(arr: NDArray[np.float64]) -> float | NDArray[np.float64]:
    """Return a Python float for 0-d arrays and the array otherwise."""
    return float(arr) if arr.ndim == 0 else arr
