r"""Placing a layer's units one-to-one on the coarse lattice of block spins.

Block-spin RG with ``b x b`` blocks turns an ``L x L`` lattice into an ``(L/b) x (L/b)`` one.
A layer of ``(L/b)^2`` hidden units does the same only if its units sit on such a lattice: one
unit per block, each near its block, up to one common shift (decimation keeps the top-left site
of each block, which is the block centre shifted by :math:`(b-1)/2` along both axes).
:func:`place_on_lattice` finds the common shift (the circular mean of the units' offsets within
a block cell), assigns units to blocks by minimum total squared periodic distance
(:func:`scipy.optimize.linear_sum_assignment`) and measures how far the units are from their
blocks. Units scattered at random positions are, after the best assignment, a sizeable fraction
of a block from theirs; units of a block or decimation stack are exactly on it.

The measures that need a lattice (the level-by-level flow, RG eigenvalues, effective couplings)
use the placement's :attr:`Placement.grid` order; a layer whose placement is not
:attr:`Placement.is_ordered` is reported as such, not given a lattice number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linear_sum_assignment

from deeprg._validation import check_int
from deeprg.errors import InvalidParameterError

__all__ = ["PLACEMENT_TOLERANCE", "Placement", "place_on_lattice"]

#: Units are on the coarse lattice when their root-mean-square distance from their assigned (shifted)
#: block centres is at most this fraction of the block side. Units of block and decimation stacks are
#: at 0; units at independent uniform positions are at about b / sqrt(6) = 0.41 b before assignment and
#: 0.3 b or more after the best one (measured on the control panel), so a quarter block separates them.
PLACEMENT_TOLERANCE = 0.25


@dataclass(frozen=True, eq=False)
class Placement:
    """Units assigned one-to-one to the blocks of a coarse lattice.

    Attributes
    ----------
    L, b : int
        Lattice side and block side; the coarse lattice is ``m x m`` with ``m = L // b``.
    block_of_unit : ndarray of int, shape (n_units,)
        Row-major index of the block each unit is assigned to.
    grid : ndarray of int, shape (m, m)
        The unit at each block (inverse of ``block_of_unit``).
    offset : ndarray, shape (2,)
        The common shift of the units from the block centres, in sites (row, column).
    displacement : ndarray, shape (n_units,)
        Each unit's periodic distance from its shifted block centre, in sites.
    tolerance : float
        :data:`PLACEMENT_TOLERANCE` unless another was given.
    """

    L: int
    b: int
    block_of_unit: NDArray[np.int64]
    grid: NDArray[np.int64]
    offset: NDArray[np.float64]
    displacement: NDArray[np.float64]
    tolerance: float

    @property
    def rms_displacement(self) -> float:
        """Root-mean-square distance of the units from their blocks, in block sides."""
        return float(np.sqrt(np.mean(self.displacement**2)) / self.b)

    @property
    def is_ordered(self) -> bool:
        """Whether the units sit on the coarse lattice (:attr:`rms_displacement` within the tolerance)."""
        return self.rms_displacement <= self.tolerance

    def on_grid(self, values: ArrayLike) -> NDArray:
        """Per-unit values ``(..., n_units)`` rearranged on the coarse lattice ``(..., m, m)``."""
        values = np.asarray(values)
        m = self.L // self.b
        return values[..., self.grid.ravel()].reshape(*values.shape[:-1], m, m)

    def summary(self) -> dict[str, Any]:
        """Plain-Python summary (JSON-able)."""
        return {"block_size": self.b, "rms_displacement": self.rms_displacement, "tolerance": self.tolerance,
                "is_ordered": self.is_ordered, "offset": [float(x) for x in self.offset]}


def _wrap(delta: NDArray[np.float64], period: float) -> NDArray[np.float64]:
    return delta - period * np.round(delta / period)


def place_on_lattice(
    positions: ArrayLike, L: int, b: int, *, tolerance: float = PLACEMENT_TOLERANCE
) -> Placement:
    """Assign units at ``positions`` one-to-one to the ``b x b`` blocks of an ``L x L`` torus.

    Parameters
    ----------
    positions : array_like, shape ((L // b) ** 2, 2)
        (row, column) of every unit in sites, e.g. receptive-field centroids
        (:func:`deeprg.rg.circular_centroid`).
    L : int
        Side of the lattice.
    b : int
        Block side, a divisor of ``L``.
    tolerance : float, default PLACEMENT_TOLERANCE
        Largest RMS distance from the blocks, in block sides, of an ordered layer.

    Returns
    -------
    Placement

    Examples
    --------
    >>> from deeprg.rg import block_positions
    >>> placement = place_on_lattice(block_positions(8, 2) - 0.5, 8, 2)  # decimation: top-left sites
    >>> placement.is_ordered, placement.offset.round(6).tolist()
    (True, [-0.5, -0.5])
    """
    L = check_int(L, "L", minimum=1)
    b = check_int(b, "b", minimum=1, maximum=L)
    if L % b:
        raise InvalidParameterError(f"the block side b={b} must divide the lattice side L={L}.")
    m = L // b
    pos = np.asarray(positions, dtype=np.float64)
    if pos.shape != (m * m, 2) or not np.all(np.isfinite(pos)):
        raise InvalidParameterError(
            f"positions must be {m * m} finite (row, column) pairs, one per {b}x{b} block of the {L}x{L} lattice; "
            f"got shape {pos.shape}. A layer whose unit count is not (L/b)^2 cannot be placed on a block lattice."
        )
    centres = (np.arange(m) * b + (b - 1) / 2.0)
    grid_centres = np.stack(np.meshgrid(centres, centres, indexing="ij"), axis=-1).reshape(-1, 2)
    # the common shift: circular mean of each unit's offset from the nearest centre, per axis (period b)
    angles = 2 * np.pi * (pos - (b - 1) / 2.0) / b
    offset = np.angle(np.exp(1j * angles).mean(axis=0)) * b / (2 * np.pi)
    offset = np.where(np.abs(np.exp(1j * angles).mean(axis=0)) < 1e-12, 0.0, offset)
    delta = _wrap(pos[:, None, :] - (grid_centres[None, :, :] + offset), float(L))
    cost = np.sum(delta**2, axis=-1)
    rows, cols = linear_sum_assignment(cost)
    block_of_unit = np.empty(m * m, dtype=np.int64)
    block_of_unit[rows] = cols
    grid = np.empty(m * m, dtype=np.int64)
    grid[cols] = rows
    displacement = np.sqrt(cost[rows, cols])[np.argsort(rows)]
    if not math.isfinite(float(tolerance)) or tolerance <= 0:
        raise InvalidParameterError(f"tolerance must be a positive number of block sides; got {tolerance!r}.")
    return Placement(L, b, block_of_unit, grid.reshape(m, m), offset, displacement, float(tolerance))
