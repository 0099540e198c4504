"""Argument checks of :mod:`deeprg.rbm.functional` (private).

Only cheap checks live here (types, dimensions, shapes, dtypes): they cost
:math:`O(1)` or one pass over an array, never a matrix product, so the
functions stay fast enough for training loops. Values are checked only where
the mathematics needs them (binary states for the pseudo-likelihood and for
persistent chains).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg._validation import check_rbm_parameters, check_real_array
from deeprg.errors import InvalidParameterError

__all__ = [
    "CHUNK_BYTES",
    "check_binary",
    "check_layer",
    "check_model",
    "check_rng",
    "working_dtype",
]

#: Memory budget of the temporaries of every chunked computation (64 MiB).
CHUNK_BYTES = 64 * 2**20


def working_dtype(dtype: np.dtype) -> np.dtype:
    """The floating type computations run in: float32 stays float32, anything else becomes float64."""
    return np.dtype(np.float32) if np.dtype(dtype) == np.float32 else np.dtype(np.float64)


def check_model(W: ArrayLike, b: ArrayLike | None, c: ArrayLike | None) -> tuple[Any, Any, Any]:
    """Validate the parameters and return them in the working dtype (the dtype of ``W``).

    A bias given as ``None`` (a function that does not use it) is returned as ``None``. The checks are
    :func:`deeprg._validation.check_rbm_parameters`, shared with the exact RG step of :mod:`deeprg.rg.exact`.
    """
    return check_rbm_parameters(W, b, c, dtype=working_dtype(np.asarray(W).dtype))


def check_layer(
    a: ArrayLike,
    name: str,
    layer: str,
    n_units: int,
    w_shape: tuple[int, int],
    dtype: np.dtype,
    *,
    min_samples: int = 0,
) -> NDArray[np.floating]:
    """Validate a batch of states or probabilities of one layer, shape ``(n_samples, n_units)``."""
    arr = check_real_array(a, name)
    if arr.ndim != 2:
        hint = f" For a single sample pass {name}.reshape(1, -1)." if arr.ndim == 1 else ""
        raise InvalidParameterError(
            f"{name} must be a 2-D array of shape (n_samples, n_{layer}) = (n_samples, {n_units}); "
            f"got shape {arr.shape}.{hint}"
        )
    if arr.shape[1] != n_units:
        other = w_shape[0] if layer == "visible" else w_shape[1]
        hint = ""
        if arr.shape[1] == other and w_shape[0] != w_shape[1]:
            hint = (
                " Its width matches the other layer: W must have shape (n_hidden, n_visible) like "
                "scikit-learn's components_ (did you pass W.T?)."
            )
        raise InvalidParameterError(
            f"{name} must have n_{layer} = {n_units} columns to match W of shape (n_hidden, n_visible) "
            f"= {w_shape}; got shape {arr.shape}.{hint}"
        )
    if arr.shape[0] < min_samples:
        raise InvalidParameterError(
            f"{name} must hold at least {min_samples} sample(s); got shape {arr.shape}. Pass a non-empty batch."
        )
    return arr.astype(dtype, copy=False)


def check_binary(a: np.ndarray, name: str) -> None:
    """Refuse values other than 0 and 1 (one pass over ``a``)."""
    bad = (a != 0) & (a != 1)
    if np.any(bad):
        hint = ""
        if np.all((a == 1) | (a == -1)):
            hint = " These look like Ising spins: convert them with deeprg.ising.to_binary."
        raise InvalidParameterError(f"{name} must hold binary states in {{0, 1}}; found {a[bad].flat[0]!r}.{hint}")


def check_rng(rng: Any) -> np.random.Generator:
    """Accept only a :class:`numpy.random.Generator` (no seeds: a seed here would repeat the same bits)."""
    if not isinstance(rng, np.random.Generator):
        raise InvalidParameterError(
            f"rng must be a numpy.random.Generator; got {type(rng).__name__}. Create one once with "
            "numpy.random.default_rng(seed) and pass the same generator to every call."
        )
    return rng
