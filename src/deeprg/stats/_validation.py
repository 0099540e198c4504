"""Time-series input check of the statistics modules (private).

The scalar and lattice checks live in :mod:`deeprg._validation`, shared by the whole package.
"""

from __future__ import annotations

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
