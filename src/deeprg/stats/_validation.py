"""Input checks shared by the statistics modules (private).

Every public function of :mod:`deeprg.stats` validates its arguments here, so the
error messages read the same everywhere: what was expected, what was received,
and what to do.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg.errors import InvalidParameterError


def as_series(x: ArrayLike, *, name: str = "x", min_length: int = 2) -> NDArray[np.float64]:
    """Return ``x`` as a finite 1-D float64 array with at least ``min_length`` points.

    Parameters
    ----------
    x : array_like, shape (n,)
        Measurements in chain order.
    name : str
        Name used in error messages.
    min_length : int
        Smallest accepted ``n``.

    Returns
    -------
    ndarray of float64, shape (n,)

    Raises
    ------
    InvalidParameterError
        If ``x`` is not numeric, not 1-D, too short or holds nan or inf.
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged nested sequences and the like
        raise InvalidParameterError(
            f"{name} must be a 1-D array of real numbers; could not convert it ({exc})."
        ) from exc
    if arr.dtype.kind not in "biuf":
        raise InvalidParameterError(
            f"{name} must be a 1-D array of real numbers; received dtype {arr.dtype}. "
            "Pass the measurements as a float array."
        )
    if arr.ndim != 1:
        raise InvalidParameterError(
            f"{name} must be 1-D, shape (n_samples,); received shape {arr.shape}. "
            "Pass one time series in chain order (flatten or select one column first)."
        )
    if arr.shape[0] < min_length:
        raise InvalidParameterError(
            f"{name} must hold at least {min_length} measurements; received {arr.shape[0]}. "
            "Record a longer chain."
        )
    arr = arr.astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        n_bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise InvalidParameterError(
            f"{name} must be finite; received {n_bad} nan or inf value(s) out of {arr.shape[0]}. "
            "Remove or fix the failed measurements first."
        )
    return arr


def as_real(value: Any, *, name: str, minimum: float | None = None, strict: bool = False) -> float:
    """Return ``value`` as a finite float, optionally bounded below.

    Parameters
    ----------
    value : real number
        The value to check.
    name : str
        Name used in error messages.
    minimum : float, optional
        Lower bound.
    strict : bool
        Whether the bound is exclusive (``value > minimum``) rather than inclusive.

    Raises
    ------
    InvalidParameterError
        If ``value`` is not a finite real number or violates the bound.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(
            f"{name} must be a real number; received {value!r} of type {type(value).__name__}."
        )
    out = float(value)
    if not math.isfinite(out):
        raise InvalidParameterError(f"{name} must be finite; received {out}.")
    if minimum is not None:
        if strict and not out > minimum:
            raise InvalidParameterError(f"{name} must be > {minimum:g}; received {out:g}.")
        if not strict and not out >= minimum:
            raise InvalidParameterError(f"{name} must be >= {minimum:g}; received {out:g}.")
    return out


def as_int(value: Any, *, name: str, minimum: int) -> int:
    """Return ``value`` as an int no smaller than ``minimum``.

    Raises
    ------
    InvalidParameterError
        If ``value`` is not an integer (bools are refused) or is below ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidParameterError(
            f"{name} must be an integer >= {minimum}; received {value!r} of type {type(value).__name__}."
        )
    out = int(value)
    if out < minimum:
        raise InvalidParameterError(f"{name} must be an integer >= {minimum}; received {out}.")
    return out


def as_spins(spins: ArrayLike, *, name: str = "spins") -> NDArray[np.int8]:
    """Return a batch of square lattices of spins in {-1, +1} as int8.

    Parameters
    ----------
    spins : array_like, shape (n_samples, L, L)
        Spins in {-1, +1}.
    name : str
        Name used in error messages.

    Returns
    -------
    ndarray of int8, shape (n_samples, L, L)

    Raises
    ------
    InvalidParameterError
        If the shape is not ``(n_samples, L, L)`` with ``n_samples >= 2`` or a value
        is not -1 or +1.
    """
    arr = np.asarray(spins)
    if arr.ndim != 3 or arr.shape[1] != arr.shape[2] or arr.shape[1] < 1:
        raise InvalidParameterError(
            f"{name} must have shape (n_samples, L, L) with L >= 1; received shape {arr.shape}. "
            "Pass a batch of square lattices (add a leading axis for a single lattice)."
        )
    if arr.shape[0] < 2:
        raise InvalidParameterError(
            f"{name} must hold at least 2 configurations to give error bars; received {arr.shape[0]}."
        )
    if arr.dtype.kind not in "iuf":
        raise InvalidParameterError(
            f"{name} must be numeric spins in {{-1, +1}}; received dtype {arr.dtype}."
        )
    bad = (arr != 1) & (arr != -1)
    if np.any(bad):
        value = arr[bad].flat[0]
        hint = (
            " These look like RBM bits in {0, 1}: convert them with deeprg.ising.to_spins first."
            if np.all((arr == 0) | (arr == 1))
            else ""
        )
        raise InvalidParameterError(f"{name} must hold only -1 and +1; found {value!r}.{hint}")
    return arr.astype(np.int8, copy=False)
