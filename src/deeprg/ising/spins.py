"""Spin arrays: validation and the explicit conversion between spins and RBM bits.

Lattices are ``(n_samples, L, L)`` ``int8`` arrays of spins in {-1, +1}; RBM inputs
are ``(n_samples, n_features)`` arrays of bits in {0, 1}. The map is
``bit = (spin + 1) / 2``: spin up is bit 1. Nothing converts implicitly.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg._validation import check_spins
from deeprg.errors import InvalidParameterError

__all__ = ["check_spins", "to_binary", "to_spins"]


def to_binary(spins: ArrayLike, dtype: np.dtype | type = np.uint8) -> np.ndarray:
    """Flatten spins in {-1, +1} into RBM bits in {0, 1}.

    Parameters
    ----------
    spins : array_like, shape (L, L) or (n_samples, L, L)
        Spins in {-1, +1}.
    dtype : dtype, default uint8
        Type of the returned bits.

    Returns
    -------
    ndarray, shape (n_samples, L * L)
        ``(spins + 1) / 2`` in row-major order of the lattice.
    """
    batch = check_spins(spins)
    bits = (batch.reshape(batch.shape[0], -1) > 0).astype(dtype)
    return bits


def to_spins(bits: ArrayLike, L: int | None = None) -> NDArray[np.int8]:
    """Turn RBM bits in {0, 1} back into an ``(n_samples, L, L)`` batch of spins.

    Parameters
    ----------
    bits : array_like, shape (n_samples, n_features)
        Bits in {0, 1}; ``n_features`` must be a perfect square (or equal ``L * L``).
    L : int, optional
        Linear lattice size; inferred from ``n_features`` when omitted.

    Returns
    -------
    ndarray of int8, shape (n_samples, L, L)
    """
    arr = np.asarray(bits)
    if arr.ndim == 1:
        arr = arr[np.newaxis]
    if arr.ndim != 2:
        raise InvalidParameterError(f"bits must have shape (n_samples, n_features); got {np.shape(bits)}.")
    n_features = arr.shape[1]
    if L is None:
        L = int(round(np.sqrt(n_features)))
    if L * L != n_features:
        raise InvalidParameterError(
            f"{n_features} features cannot be arranged as an L x L lattice"
            + (f" with L={L}" if L else "")
            + "; pass the right L or check the data."
        )
    if arr.size and not np.all((arr == 0) | (arr == 1)):
        raise InvalidParameterError("bits must hold only 0 and 1 (use check_spins for spins in {-1, +1}).")
    return (2 * arr.astype(np.int8) - 1).reshape(arr.shape[0], L, L)
