"""The result of :func:`deeprg.rg.fields.locality.locality_scores`: metrics, nulls, z-scores and the verdict.

:class:`LocalityReport` and :class:`NullComparison` are re-exported by :mod:`deeprg.rg.fields.locality`,
which documents the method, and by :mod:`deeprg.rg.fields`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from deeprg.errors import InvalidParameterError
from deeprg.rg._json import plain_float

__all__ = ["METRICS", "PRIMARY_METRIC", "LocalityReport", "NullComparison"]

#: Metric names, and the sign that makes a z-score positive when the field is more local than the null.
METRICS: dict[str, int] = {"radius_of_gyration": -1, "participation_ratio": -1, "window_fraction": 1, "block_overlap": 1}
_PER_BLOCK = ("window_fraction", "block_overlap")
#: The metric behind the primary z-score: the window fraction at the unit's fitted block size.
PRIMARY_METRIC = "window_fraction"


@dataclass(frozen=True, eq=False)
class NullComparison:
    """One null model's distribution of every metric, and the z-scores of the fields against it.

    Each dictionary maps a name of :data:`METRICS` to an array of shape ``(n_units,)``
    (``radius_of_gyration``, ``participation_ratio``) or ``(n_units, n_block_sizes)``
    (``window_fraction``, ``block_overlap``).

    Attributes
    ----------
    name : {"phase", "permutation"}
    mean, std : dict of str to ndarray
        Mean and standard deviation (``ddof=1``) of the metric over the surrogates.
    z : dict of str to ndarray
        ``sign * (value - mean) / std`` with the sign of :data:`METRICS` (positive = more local).
        Block overlap at the *fitted* block size is biased upward under any null (the fitted size
        is the one that maximises it); the window fraction at the fitted size is not.
        When the null does not vary (``std`` zero to rounding, e.g. the participation ratio under
        permutation) z is 0 if the value equals the null and infinite otherwise.
    """

    name: str
    mean: dict[str, NDArray[np.float64]]
    std: dict[str, NDArray[np.float64]]
    z: dict[str, NDArray[np.float64]]


@dataclass(frozen=True, eq=False)
class LocalityReport:
    """Locality metrics of one layer's fields, their nulls, and the verdict.

    Attributes
    ----------
    shape : (int, int)
        Lattice shape ``(Ly, Lx)``.
    block_sizes : ndarray of int, shape (n_block_sizes,)
        The ``b`` of the window and block metrics.
    centroid : ndarray, shape (n_units, 2)
        Circular centroids (row, column).
    values : dict of str to ndarray
        The metrics of the fields: ``(n_units,)`` or ``(n_units, n_block_sizes)`` (see :data:`METRICS`).
    nulls : dict of str to NullComparison
        ``"phase"`` and/or ``"permutation"``.
    fitted_block_size : ndarray of int, shape (n_units,)
        Block size with the largest block overlap (0 for a field that is zero everywhere).
    primary_null : str
        The null behind :attr:`primary_z` and :attr:`is_local` (``"phase"`` unless only the
        permutation null was computed).
    n_surrogates : int
    threshold : float
        Verdict threshold on the median primary z (:data:`deeprg.rg.fields.locality.LOCALITY_Z_THRESHOLD`
        unless another was given).
    """

    shape: tuple[int, int]
    block_sizes: NDArray[np.int64]
    centroid: NDArray[np.float64]
    values: dict[str, NDArray[np.float64]]
    nulls: dict[str, NullComparison]
    fitted_block_size: NDArray[np.int64]
    primary_null: str
    n_surrogates: int
    threshold: float

    @property
    def n_units(self) -> int:
        """Number of fields."""
        return int(self.centroid.shape[0])

    @property
    def alive(self) -> NDArray[np.bool_]:
        """Units whose field is not zero everywhere (the others have NaN metrics and are left out of summaries)."""
        return self.fitted_block_size > 0

    def at_fitted(self, per_block: NDArray) -> NDArray:
        """Pick each unit's entry at its fitted block size from an ``(n_units, n_block_sizes)`` array.

        Units whose field is zero everywhere get the first column (their entries are NaN anyway).
        """
        index = np.clip(np.searchsorted(self.block_sizes, self.fitted_block_size), 0, len(self.block_sizes) - 1)
        return np.take_along_axis(np.asarray(per_block), index[:, np.newaxis], axis=1)[:, 0]

    def z(self, metric: str, null: str | None = None, b: int | None = None) -> NDArray[np.float64]:
        """z-scores ``(n_units,)`` of ``metric`` under ``null`` (default: the primary null).

        For ``window_fraction`` and ``block_overlap``, ``b`` selects a block size; by default
        each unit's fitted block size.
        """
        comparison = self._null(null)
        if metric not in METRICS:
            raise InvalidParameterError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}.")
        z = comparison.z[metric]
        if metric not in _PER_BLOCK:
            return z
        if b is None:
            return self.at_fitted(z)
        where = np.flatnonzero(self.block_sizes == b)
        if where.size == 0:
            raise InvalidParameterError(f"b={b!r} was not analysed; the block sizes are {self.block_sizes.tolist()}.")
        return z[:, where[0]]

    def _null(self, null: str | None) -> NullComparison:
        name = self.primary_null if null is None else null
        if name not in self.nulls:
            raise InvalidParameterError(f"the {name!r} null was not computed; available: {', '.join(self.nulls)}.")
        return self.nulls[name]

    @property
    def primary_z(self) -> NDArray[np.float64]:
        """The primary statistic per unit: z of the window fraction at the fitted block size, primary null."""
        return self.z(PRIMARY_METRIC)

    @property
    def median_z(self) -> float:
        """Median of :attr:`primary_z` over the units with a nonzero field (NaN if there are none)."""
        z = self.primary_z[self.alive]
        return float(np.median(z)) if z.size else math.nan

    def null_median_z(self, null: str) -> float:
        """Median primary z against ``null`` over the units with a nonzero field (NaN if none)."""
        z = self.z(PRIMARY_METRIC, null)[self.alive]
        return float(np.median(z)) if z.size else math.nan

    @property
    def is_local(self) -> bool:
        """Whether the median unit beats *every* computed null by more than :attr:`threshold`.

        The phase null (same smoothness, random positions) rejects smooth fields that are
        spread out; the permutation null (same values, random positions) rejects sparse
        fields whose few large weights are scattered, which phase surrogates, being smooth,
        call local. A local field is concentrated *and* compact, so it must beat both.
        """
        return all(self.null_median_z(name) > self.threshold for name in self.nulls)

    def summary(self) -> dict[str, Any]:
        """Plain-Python summary (JSON-able) for ``metrics.json``.

        Medians and fractions are over the units whose field is not zero everywhere; a figure
        that is undefined (no such unit) is ``None``. ``"z"`` holds, per null and per metric, the
        median z and the fraction of units with z above the threshold (window fraction and block
        overlap at the fitted block size and at every analysed ``b``), and the null's own verdict.
        """
        alive = self.alive
        fitted = self.fitted_block_size[alive]
        sizes, counts = np.unique(fitted, return_counts=True)
        rg = self.values["radius_of_gyration"][alive]
        out: dict[str, Any] = {
            "n_units": self.n_units,
            "n_dead": int(np.count_nonzero(~alive)),
            "shape": [int(s) for s in self.shape],
            "block_sizes": [int(b) for b in self.block_sizes],
            "null": self.primary_null,
            "nulls": list(self.nulls),
            "n_surrogates": int(self.n_surrogates),
            "primary_metric": "z of window_fraction at the fitted block size",
            "threshold": float(self.threshold),
            "is_local": self.is_local,
            "median_z": plain_float(self.median_z),
            "fraction_local": _fraction(self.primary_z[alive] > self.threshold),
            "median_fitted_block_size": _median(fitted),
            "fitted_block_size_counts": {str(int(s)): int(c) for s, c in zip(sizes, counts, strict=True)},
            "median_radius_of_gyration": _median(rg),
            "median_equivalent_block_size": _median(np.sqrt(1.0 + 6.0 * rg**2)),
            "median_participation_ratio": _median(self.values["participation_ratio"][alive]),
            "median_window_fraction": _median(self.at_fitted(self.values["window_fraction"])[alive]),
            "median_block_overlap": _median(self.at_fitted(self.values["block_overlap"])[alive]),
            "z": {},
        }
        for name in self.nulls:
            entry: dict[str, Any] = {}
            for metric in METRICS:
                if metric in _PER_BLOCK:
                    entry[metric] = self._z_summary(self.z(metric, name), alive)
                    for b in self.block_sizes:
                        entry[f"{metric}_b{int(b)}"] = self._z_summary(self.z(metric, name, int(b)), alive)
                else:
                    entry[metric] = self._z_summary(self.z(metric, name), alive)
            median = entry[PRIMARY_METRIC]["median"]
            entry["is_local"] = bool(median is not None and median > self.threshold)
            out["z"][name] = entry
        return out

    def _z_summary(self, z: NDArray, alive: NDArray) -> dict[str, Any]:
        return {"median": _median(z[alive]), "fraction_above_threshold": _fraction(z[alive] > self.threshold)}


def _median(x: NDArray) -> float | None:
    return plain_float(float(np.median(x))) if np.size(x) else None


def _fraction(mask: NDArray) -> float | None:
    return float(np.mean(mask)) if np.size(mask) else None
