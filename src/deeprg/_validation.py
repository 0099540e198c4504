"""Argument checks shared by every public entry point (private).

One implementation of each check, so that messages read the same everywhere:
what was expected, what was received, and what to do instead.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg.errors import InvalidParameterError


def check_int(value: Any, name: str, *, minimum: int, maximum: int | None = None, hint: str = "") -> int:
    """Return ``value`` as an ``int`` in ``[minimum, maximum]`` (bools are refused).

    Parameters
    ----------
    value : int
        The value to check.
    name : str
        Name used in error messages.
    minimum, maximum : int
        Inclusive bounds; ``maximum=None`` means unbounded.
    hint : str
        Advice appended to the message when a bound is violated.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        suggestion = ""
        if isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
            suggestion = f"; pass {name}={int(value)} instead"
        raise InvalidParameterError(
            f"{name} must be an integer >= {minimum}, got {value!r} of type {type(value).__name__}{suggestion}."
        )
    out = int(value)
    if out < minimum:
        raise InvalidParameterError(f"{name} must be an integer >= {minimum}, got {out}.{hint}")
    if maximum is not None and out > maximum:
        raise InvalidParameterError(f"{name} must be an integer <= {maximum}, got {out}.{hint}")
    return out


def check_real(value: Any, name: str, *, minimum: float | None = None, strict: bool = False) -> float:
    """Return ``value`` as a finite float, optionally bounded below (``strict``: exclusive bound)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(f"{name} must be a real number; got {value!r} of type {type(value).__name__}.")
    out = float(value)
    if not math.isfinite(out):
        raise InvalidParameterError(f"{name} must be finite; got {out}.")
    if minimum is not None:
        if strict and not out > minimum:
            raise InvalidParameterError(f"{name} must be > {minimum:g}; got {out:g}.")
        if not strict and not out >= minimum:
            raise InvalidParameterError(f"{name} must be >= {minimum:g}; got {out:g}.")
    return out


def check_beta(beta: Any) -> float:
    """Return the inverse temperature as a float after checking it is finite and positive."""
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
        raise InvalidParameterError(
            f"beta (inverse temperature) must be a finite number > 0, got {beta!r} of type {type(beta).__name__}."
        )
    value = float(beta)
    if not math.isfinite(value) or value <= 0:
        raise InvalidParameterError(
            f"beta (inverse temperature) must be a finite number > 0, got {value!r}; "
            "for infinite temperature use a small beta, for the ground state a large one."
        )
    return value


def check_coupling(coupling: Any) -> float:
    """Return the exchange coupling as a float after checking it is finite and non-zero."""
    if isinstance(coupling, bool) or not isinstance(coupling, numbers.Real):
        raise InvalidParameterError(
            f"coupling must be a finite non-zero number, got {coupling!r} of type {type(coupling).__name__}."
        )
    value = float(coupling)
    if not math.isfinite(value) or value == 0:
        raise InvalidParameterError(f"coupling must be a finite non-zero number, got {value!r}.")
    return value


def check_spins(spins: ArrayLike, *, name: str = "spins", min_samples: int = 0) -> NDArray[np.int8]:
    """Validate a lattice or a batch of square lattices of spins and return it as a batch.

    Parameters
    ----------
    spins : array_like, shape (L, L) or (n_samples, L, L)
        Spins in {-1, +1}.
    name : str
        Name used in error messages.
    min_samples : int
        Fewest configurations accepted (2 where error bars are computed).

    Returns
    -------
    ndarray of int8, shape (n_samples, L, L)
        The spins (a view when the input already was ``int8``), always 3-D.

    Raises
    ------
    InvalidParameterError
        If the array is not square, not 2-D or 3-D, too short, or holds values other than -1 and +1.
    """
    arr = np.asarray(spins)
    if arr.ndim == 2:
        arr = arr[np.newaxis]
    if arr.ndim != 3 or arr.shape[1] != arr.shape[2] or arr.shape[1] < 1:
        raise InvalidParameterError(
            f"{name} must have shape (L, L) or (n_samples, L, L) with L >= 1; got shape {np.shape(spins)}."
        )
    if arr.shape[0] < min_samples:
        raise InvalidParameterError(f"{name} must hold at least {min_samples} configurations; got {arr.shape[0]}.")
    if arr.dtype.kind not in "iuf":
        raise InvalidParameterError(f"{name} must be numeric spins in {{-1, +1}}; got dtype {arr.dtype}.")
    bad = (arr != 1) & (arr != -1)
    if np.any(bad):
        hint = " (these look like RBM bits: convert them with deeprg.ising.to_spins)" if np.all((arr == 0) | (arr == 1)) else ""
        raise InvalidParameterError(f"{name} must hold only -1 and +1; found {arr[bad].flat[0]!r}{hint}.")
    return arr.astype(np.int8, copy=False)


def check_rbm_parameters(
    W: ArrayLike, b: ArrayLike | None, c: ArrayLike | None, *, dtype: Any = None
) -> tuple[Any, Any, Any]:
    """Validate the parameters of a Bernoulli RBM in the {0, 1} convention of :mod:`deeprg.rbm.functional`.

    Only shapes and dtypes are checked (one pass at most), so it can be called in training loops.

    Parameters
    ----------
    W : array_like, shape (n_hidden, n_visible)
        Weights, the layout of scikit-learn's ``components_``.
    b : array_like, shape (n_visible,), or None
        Visible bias; ``None`` (a function that does not use it) is returned as ``None``.
    c : array_like, shape (n_hidden,), or None
        Hidden bias; ``None`` is returned as ``None``.
    dtype : dtype, optional
        Type of the returned arrays; default the working type of ``W`` (float32 stays
        float32, anything else becomes float64).

    Returns
    -------
    W, b, c : ndarray
        The parameters in ``dtype`` (no copy when they already have it).
    """
    W = check_real_array(W, "W")
    if W.ndim != 2 or 0 in W.shape:
        raise InvalidParameterError(
            "W must be a 2-D array of shape (n_hidden, n_visible) with both sizes >= 1 "
            f"(the layout of scikit-learn's components_); got shape {W.shape}. "
            "Reshape it, e.g. W.reshape(n_hidden, n_visible)."
        )
    if dtype is None:
        dtype = np.float32 if W.dtype == np.float32 else np.float64
    W = W.astype(dtype, copy=False)
    n_hidden, n_visible = W.shape
    if b is not None:
        b = _check_bias(b, "b", ("visible", n_visible), ("hidden", n_hidden), W.shape).astype(dtype, copy=False)
    if c is not None:
        c = _check_bias(c, "c", ("hidden", n_hidden), ("visible", n_visible), W.shape).astype(dtype, copy=False)
    return W, b, c


def check_real_array(a: ArrayLike, name: str) -> np.ndarray:
    """``a`` as an array of real numbers (bool, int or float), or a clear error naming ``name``."""
    arr = np.asarray(a)
    if arr.dtype.kind not in "biuf":
        raise InvalidParameterError(
            f"{name} must be a real numeric array; got dtype {arr.dtype}. "
            f"Convert it first, e.g. np.asarray({name}, dtype=np.float64)."
        )
    return arr


def _check_bias(
    bias: ArrayLike, name: str, layer: tuple[str, int], other: tuple[str, int], w_shape: tuple[int, ...]
) -> np.ndarray:
    arr = check_real_array(bias, name)
    if arr.shape != (layer[1],):
        hint = f" It has the length of the {other[0]} layer: did you swap b and c?" if arr.shape == (other[1],) else ""
        raise InvalidParameterError(
            f"{name} ({layer[0]} bias) must be a 1-D array of shape ({layer[1]},) to match W of shape "
            f"(n_hidden, n_visible) = {w_shape}; got shape {arr.shape}.{hint}"
        )
    return arr
