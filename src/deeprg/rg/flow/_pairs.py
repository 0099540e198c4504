"""Pairs of units on the torus for the flow observables: validation, minimum images, pair sums (private)."""

from __future__ import annotations

import math

import numpy as np
import scipy.fft
from numpy.typing import ArrayLike, NDArray

from deeprg.errors import InvalidParameterError

#: Elements per chunk of the pair computations (bounds the temporaries to ~32 MB).
_CHUNK_ELEMENTS = 1 << 22
#: Relative tolerance for recognising a regular grid and equal distances.
_RTOL = 1e-9


def _check_unit_spins(spins_units: ArrayLike) -> NDArray[np.int8]:
    arr = np.asarray(spins_units)
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise InvalidParameterError(
            f"spins_units must have shape (n_samples, n_units); got shape {arr.shape}. "
            "Flatten lattices first, e.g. spins.reshape(len(spins), -1)."
        )
    if arr.shape[0] < 2:
        raise InvalidParameterError(f"spins_units must hold at least 2 samples for error bars; got {arr.shape[0]}.")
    if arr.dtype.kind not in "iuf":
        raise InvalidParameterError(f"spins_units must be numeric spins in {{-1, +1}}; got dtype {arr.dtype}.")
    bad = (arr != 1) & (arr != -1)
    if np.any(bad):
        hint = (
            " (these look like bits: map hidden states h to spins with 2 * h - 1)"
            if np.all((arr == 0) | (arr == 1))
            else ""
        )
        raise InvalidParameterError(f"spins_units must hold only -1 and +1; found {arr[bad].flat[0]!r}{hint}.")
    return arr.astype(np.int8, copy=False)


def _check_positions(positions: ArrayLike, n_units: int, L: int, name: str = "positions") -> NDArray[np.float64]:
    try:
        pos = np.asarray(positions, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(f"{name} must be a real array of shape ({n_units}, 2); {exc}.") from exc
    if pos.shape != (n_units, 2):
        raise InvalidParameterError(
            f"{name} must have shape (n_units, 2) = ({n_units}, 2), one (row, column) per unit; got {pos.shape}."
        )
    if not np.all(np.isfinite(pos)):
        raise InvalidParameterError(f"{name} must be finite; got nan or inf.")
    return np.mod(pos, L)


def minimum_image(delta: NDArray[np.float64], L: int) -> NDArray[np.float64]:
    """Periodic displacement of smallest magnitude on a ring of length ``L`` (in ``[-L/2, L/2]``)."""
    return delta - L * np.round(delta / L)


def _grid_cells(positions: NDArray[np.float64], L: int) -> NDArray[np.int64] | None:
    """Row-major cell of each unit if the positions are a full regular ``m x m`` grid of spacing ``L/m``."""
    n_units = positions.shape[0]
    m = math.isqrt(n_units)
    if m * m != n_units:
        return None
    a = L / m
    rel = (positions - positions[0]) / a
    idx = np.rint(rel)
    if not np.all(np.abs(rel - idx) <= _RTOL * L / a + 1e-12):
        return None
    cells = np.mod(idx.astype(np.int64), m)
    flat = cells[:, 0] * m + cells[:, 1]
    if np.unique(flat).shape[0] != n_units:
        return None
    return flat


# ---------------------------------------------------------------------------- pair statistics
def _grid_statistics(
    spins: NDArray[np.int8], cells: NDArray[np.int64], L: int, max_distance: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Per-sample nn series and binned G(r) on a regular grid, by FFT.

    Returns the nn series (n,), the per-sample bin averages (n, n_bins), the bin
    distances and the pairs per bin.
    """
    n, n_units = spins.shape
    m = math.isqrt(n_units)
    a = L / m
    d = np.arange(m)
    d = np.minimum(d, m - d)
    key = (d[:, None] ** 2 + d[None, :] ** 2).ravel()  # squared distance in units of a^2
    # Each displacement entry carries n_units ordered pairs; averaging entries = averaging pairs.
    keep = (key > 0) & (a * np.sqrt(key) <= max_distance * (1 + _RTOL))
    keys = np.unique(key[keep])
    n_bins = keys.shape[0]
    weights = np.zeros((m * m, n_bins + 1))
    for j, k in enumerate(keys):
        sel = key == k
        weights[sel, j] = 1.0 / np.count_nonzero(sel)
    nn_sel = key == 1
    weights[nn_sel, n_bins] = 1.0 / np.count_nonzero(nn_sel)
    counts = np.array([np.count_nonzero(key == k) for k in keys], dtype=np.int64)
    out = np.empty((n, n_bins + 1))
    chunk = max(1, _CHUNK_ELEMENTS // n_units)
    for start in range(0, n, chunk):
        block = spins[start : start + chunk]
        grid = np.empty((block.shape[0], n_units))
        grid[:, cells] = block
        grid = grid.reshape(-1, m, m)
        spectrum = scipy.fft.rfft2(grid)
        auto = scipy.fft.irfft2(spectrum.real**2 + spectrum.imag**2, s=(m, m))
        # sum_i s_i s_{i+d} is an integer: round away the FFT's round-off.
        sums = np.rint(auto.reshape(-1, m * m))
        out[start : start + chunk] = (sums / n_units) @ weights
    return out[:, n_bins], out[:, :n_bins], a * np.sqrt(keys.astype(np.float64)), counts * n_units // 2


def _pair_sums(
    spins: NDArray[np.int8], i: NDArray[np.int64], j: NDArray[np.int64], starts: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Per-sample sums of s_i s_j over consecutive groups of pairs beginning at ``starts``."""
    n = spins.shape[0]
    out = np.empty((n, starts.shape[0]), dtype=np.int64)
    chunk = max(1, _CHUNK_ELEMENTS // max(1, i.shape[0]))
    for start in range(0, n, chunk):
        block = spins[start : start + chunk]
        products = block[:, i] * block[:, j]  # +-1 in int8
        out[start : start + chunk] = np.add.reduceat(products, starts, axis=1, dtype=np.int64)
    return out


def _scattered_statistics(
    spins: NDArray[np.int8],
    positions: NDArray[np.float64],
    L: int,
    max_distance: float,
    bin_width: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Per-sample nn series and binned G(r) for arbitrary positions, from the pair list."""
    delta = minimum_image(positions[:, None, :] - positions[None, :, :], L)
    dist = np.sqrt((delta**2).sum(axis=-1))
    np.fill_diagonal(dist, np.inf)
    tol = _RTOL * L
    # nearest neighbours: for each unit i, every j at its smallest distance (directed pairs)
    nearest = dist.min(axis=1)
    ni, nj = np.nonzero(dist <= nearest[:, None] + tol)
    nn_sums = _pair_sums(spins, ni, nj, np.zeros(1, dtype=np.int64))
    nn = nn_sums[:, 0] / ni.shape[0]
    # G(r): distinct pairs i < j within max_distance, in bins centred on multiples of bin_width
    pi, pj = np.nonzero(np.triu(dist <= max_distance + tol, k=1))
    if pi.shape[0] == 0:
        return nn, np.empty((spins.shape[0], 0)), np.empty(0), np.empty(0, dtype=np.int64)
    pd = dist[pi, pj]
    bins = np.floor(pd / bin_width + 0.5).astype(np.int64)
    order = np.argsort(bins, kind="stable")
    pi, pj, pd, bins = pi[order], pj[order], pd[order], bins[order]
    _, starts, counts = np.unique(bins, return_index=True, return_counts=True)
    sums = _pair_sums(spins, pi, pj, starts.astype(np.int64))
    distance = np.add.reduceat(pd, starts) / counts
    return nn, sums / counts, distance, counts.astype(np.int64)
