r"""Observables along a renormalization-group flow, with error bars.

A *level* of a flow is a set of Ising-like spins :math:`s_i = \pm 1`, ``n_units`` of them
per configuration, sitting at 2-D positions on the ``L x L`` torus of the original lattice:
the block spins of :func:`~deeprg.rg.blockspin.block_spin` at their block centres, or the
hidden units of a deep belief network (sampled, mapped to :math:`2h - 1`) at their
receptive-field centroids. For every level :func:`flow_observables` measures

* :math:`\langle |m| \rangle`, :math:`m = \frac1{n}\sum_i s_i` (the order parameter),
* the Binder cumulant :math:`U_4 = 1 - \langle m^4\rangle / 3\langle m^2\rangle^2`
  (0 for a Gaussian :math:`m`, 2/3 in the ordered phase, :math:`U_4^* = 0.61069` at
  the critical point of the square torus; it depends on :math:`L/\xi` only, which a
  block-spin step leaves unchanged, so it is *the* quantity to follow along a flow),
* the nearest-neighbour correlation :math:`\langle s_i s_j \rangle_{nn}` (a proxy of the
  effective coupling: it tends to 1 at the ordered fixed point, 0 at the disordered one),
* the pair correlation :math:`G(r)` in distance bins.

:func:`block_spin_flow` and :func:`dbn_flow` produce the levels of the two flows,
:func:`compare_flows` puts them side by side and states in which direction each runs.

Error bars come from :mod:`deeprg.stats`: :func:`~deeprg.stats.abs_magnetization` and
:func:`~deeprg.stats.mean_estimate` (:math:`\sqrt{2\tau_\mathrm{int}\,\mathrm{Var}/n}`),
:func:`~deeprg.stats.binder_cumulant` (blocked jackknife) and, for :math:`G(r)`, the same
blocked jackknife as :func:`~deeprg.stats.correlation_function`. The samples are taken in
chain order and their autocorrelation time is measured, not assumed.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any, Literal, Sequence

import numpy as np
import scipy.fft
import scipy.stats
from numpy.typing import ArrayLike, NDArray

from deeprg._random import RandomState, check_random_state
from deeprg._validation import check_int, check_real, check_spins
from deeprg.errors import InvalidParameterError
from deeprg.ising.exact import BINDER_CRITICAL
from deeprg.rg.blockspin import RULES, block_positions, block_spin
from deeprg.stats import Estimate, abs_magnetization, binder_cumulant, mean_estimate
from deeprg.stats.resampling import _automatic_blocks, _blocked_mean_errors

__all__ = [
    "BinnedCorrelation",
    "FlowPoint",
    "TRENDS",
    "block_spin_flow",
    "compare_flows",
    "dbn_flow",
    "flow_observables",
]

#: The values of a trend in :func:`compare_flows`.
TRENDS = ("toward ordered", "toward disordered", "stays", "undetermined")

# Elements per temporary array in the chunked pair products (~32 MB of float64).
_CHUNK_ELEMENTS = 1 << 22

# Positions closer than this (relative to L) to a regular grid are treated as on it;
# distances within it of a unit's nearest distance are ties.
_RTOL = 1e-9


# ---------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class BinnedCorrelation:
    r"""Pair correlation :math:`G(r) = \langle s_i s_j \rangle_{|x_i - x_j| \in \text{bin}}` with error bars.

    Attributes
    ----------
    distance : ndarray of float64, shape (n_bins,)
        Mean periodic (minimum-image) distance of the pairs in each bin, in sites of the
        original lattice. On a regular grid every distinct distance is its own bin.
    value : ndarray of float64, shape (n_bins,)
        :math:`G` averaged over the pairs of each bin and over the samples. Self pairs are
        excluded (:math:`G(0) = 1` trivially), so the first bin is the nearest distance.
    error : ndarray of float64, shape (n_bins,)
        Blocked-jackknife standard errors over the per-sample bin averages.
    n_pairs : ndarray of int64, shape (n_bins,)
        Distinct unit pairs per configuration in each bin.
    tau : float or None
        Largest integrated autocorrelation time of the per-sample series, which set the blocks.
    """

    distance: NDArray[np.float64]
    value: NDArray[np.float64]
    error: NDArray[np.float64]
    n_pairs: NDArray[np.int64]
    tau: float | None = None

    def __len__(self) -> int:
        return int(self.distance.shape[0])

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form for JSON: lists under ``distance``, ``value``, ``error``, ``n_pairs``, and ``tau``."""
        return {
            "distance": self.distance.tolist(),
            "value": self.value.tolist(),
            "error": self.error.tolist(),
            "n_pairs": self.n_pairs.tolist(),
            "tau": self.tau,
        }


@dataclass(frozen=True, eq=False)
class FlowPoint:
    r"""Observables of one level of an RG flow.

    Attributes
    ----------
    abs_magnetization : Estimate
        :math:`\langle |m| \rangle` with :math:`m = \frac{1}{n_\mathrm{units}} \sum_i s_i`.
    binder_cumulant : Estimate
        :math:`U_4 = 1 - \langle m^4 \rangle / (3 \langle m^2 \rangle^2)`.
    nn_correlation : Estimate
        Mean of :math:`s_i s_j` over nearest-neighbour pairs: for every unit, the other
        unit(s) at its smallest periodic distance (ties all count; on a regular grid of
        spacing :math:`a`, the pairs at distance :math:`a`). ``nan`` for a single unit.
    correlation : BinnedCorrelation
        :math:`G(r)` by distance bins (empty for a single unit).
    n_units : int
        Spins per configuration at this level.
    spacing : float
        :math:`L / \sqrt{n_\mathrm{units}}`, the block size this level corresponds to
        (exact for block spins; 2, 4, 8 for a 1600-400-100-25 network on 40 x 40).
    """

    abs_magnetization: Estimate
    binder_cumulant: Estimate
    nn_correlation: Estimate
    correlation: BinnedCorrelation
    n_units: int
    spacing: float

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form for JSON (estimates as ``{"mean", "error", "tau"}``)."""
        return {
            "n_units": self.n_units,
            "spacing": self.spacing,
            "abs_magnetization": self.abs_magnetization.to_dict(),
            "binder_cumulant": self.binder_cumulant.to_dict(),
            "nn_correlation": self.nn_correlation.to_dict(),
            "correlation": self.correlation.to_dict(),
        }


# ---------------------------------------------------------------------------- validation
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


def _minimum_image(delta: NDArray[np.float64], L: int) -> NDArray[np.float64]:
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
    delta = _minimum_image(positions[:, None, :] - positions[None, :, :], L)
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


def _binned_correlation(
    per_sample: NDArray[np.float64], distance: NDArray[np.float64], n_pairs: NDArray[np.int64]
) -> BinnedCorrelation:
    if per_sample.shape[1] == 0:
        empty = np.empty(0)
        return BinnedCorrelation(empty, empty.copy(), empty.copy(), np.empty(0, dtype=np.int64), None)
    n_blocks, tau = _automatic_blocks([np.ascontiguousarray(per_sample[:, k]) for k in range(per_sample.shape[1])])
    error = _blocked_mean_errors(per_sample, n_blocks)
    return BinnedCorrelation(distance=distance, value=per_sample.mean(axis=0), error=error, n_pairs=n_pairs, tau=tau)


# ---------------------------------------------------------------------------- public API
def flow_observables(
    spins_units: ArrayLike,
    positions: ArrayLike,
    L: int,
    *,
    max_distance: float | None = None,
    bin_width: float | None = None,
) -> FlowPoint:
    r"""Observables of one level of an RG flow: spins at positions on the ``L x L`` torus.

    Parameters
    ----------
    spins_units : array_like, shape (n_samples, n_units)
        Spins in {-1, +1}, samples in chain order, ``n_samples >= 2``.
    positions : array_like, shape (n_units, 2)
        (row, column) of every unit in sites of the original lattice (taken modulo ``L``);
        block centres (:func:`~deeprg.rg.blockspin.block_positions`) or receptive-field
        centroids. Distances are periodic minimum-image distances.
    L : int
        Side of the torus.
    max_distance : float, optional
        Largest pair distance in :math:`G(r)`; default ``L / 2``. The nearest-neighbour
        correlation does not depend on it.
    bin_width : float, optional
        Width of the distance bins of :math:`G(r)`, centred on multiples of it. The default
        depends on the positions: on a full regular ``m x m`` grid of spacing ``L / m``
        (block spins) every distinct distance is its own bin, so :math:`G` at distance 1
        on the original lattice is exactly :func:`deeprg.stats.correlation_function`'s
        :math:`G(1)`; otherwise the width is the mean spacing :math:`L / \sqrt{n_\mathrm{units}}`.
        Giving ``bin_width`` forces binning even on a grid.

    Returns
    -------
    FlowPoint

    Raises
    ------
    InvalidParameterError
        If the spins are not a (n_samples >= 2, n_units) array of -1/+1, the positions do not
        match, or a length is not positive.

    Warns
    -----
    ShortChainWarning
        If the samples are too few for their autocorrelation time.

    Notes
    -----
    Regular grids are handled by FFT, :math:`O(n\, m^2 \log m)`; scattered units through
    the list of pairs within ``max_distance``, :math:`O(n\, n_\mathrm{pairs})` time and
    :math:`O(n_\mathrm{units}^2)` memory.
    """
    spins = _check_unit_spins(spins_units)
    n, n_units = spins.shape
    L = check_int(L, "L", minimum=1)
    pos = _check_positions(positions, n_units, L)
    max_distance = L / 2 if max_distance is None else check_real(max_distance, "max_distance", minimum=0.0, strict=True)
    spacing = L / math.sqrt(n_units)

    m = spins.mean(axis=1, dtype=np.float64)
    abs_m = abs_magnetization(m)
    u4 = binder_cumulant(m)

    if n_units == 1:
        nan = Estimate(math.nan, math.nan)
        empty = np.empty(0)
        corr = BinnedCorrelation(empty, empty.copy(), empty.copy(), np.empty(0, dtype=np.int64), None)
        return FlowPoint(abs_m, u4, nan, corr, 1, spacing)

    cells = _grid_cells(pos, L) if bin_width is None else None
    if cells is not None:
        nn, per_sample, distance, n_pairs = _grid_statistics(spins, cells, L, max_distance)
    else:
        width = spacing if bin_width is None else check_real(bin_width, "bin_width", minimum=0.0, strict=True)
        nn, per_sample, distance, n_pairs = _scattered_statistics(spins, pos, L, max_distance, width)
    return FlowPoint(
        abs_magnetization=abs_m,
        binder_cumulant=u4,
        nn_correlation=mean_estimate(nn),
        correlation=_binned_correlation(per_sample, distance, n_pairs),
        n_units=int(n_units),
        spacing=float(spacing),
    )


def _lattice_batch(spins: Any) -> NDArray[np.int8]:
    spins = getattr(spins, "spins", spins)  # a SampleSet gives its configurations
    return check_spins(spins, name="spins", min_samples=2)


def block_spin_flow(
    spins: ArrayLike,
    block_sizes: Sequence[int] = (1, 2, 4, 8),
    rule: Literal["majority", "decimation"] = "majority",
    random_state: RandomState = None,
    *,
    iterate: bool = False,
    max_distance: float | None = None,
) -> list[FlowPoint]:
    """Observables of the block-spin flow at several block sizes.

    Parameters
    ----------
    spins : array_like of int8, shape (n_samples, L, L), or SampleSet
        Configurations in {-1, +1}, in chain order, ``n_samples >= 2``.
    block_sizes : sequence of int, default (1, 2, 4, 8)
        Block sides, each a divisor of ``L``; ``1`` is the original lattice.
    rule : {"majority", "decimation"}, default "majority"
        Block-spin rule (:func:`~deeprg.rg.blockspin.block_spin`).
    random_state : None, int, SeedSequence or Generator
        Source of the majority-rule tie breaks; one generator serves all levels in order.
    iterate : bool, default False
        False: every level blocks the original lattice directly by ``b``. True: every level
        blocks the previous level by the ratio of consecutive block sizes (the iterated
        transformation; then each size must be a multiple of the previous one). The two agree
        for decimation, not for the majority rule.
    max_distance : float, optional
        Passed to :func:`flow_observables` (default ``L / 2``).

    Returns
    -------
    list of FlowPoint
        One per block size, in the given order; units at the block centres
        (:func:`~deeprg.rg.blockspin.block_positions`).
    """
    batch = _lattice_batch(spins)
    n, L, _ = batch.shape
    if rule not in RULES:
        raise InvalidParameterError(f"rule must be one of {RULES}; got {rule!r}.")
    sizes = [check_int(b, "block size", minimum=1, maximum=L) for b in block_sizes]
    if not sizes:
        raise InvalidParameterError("block_sizes must hold at least one block size, e.g. (1, 2, 4, 8).")
    rng = check_random_state(random_state)
    points: list[FlowPoint] = []
    current, current_b = batch, 1
    for b in sizes:
        if iterate:
            if b % current_b:
                raise InvalidParameterError(
                    f"with iterate=True every block size must be a multiple of the previous one; "
                    f"got {b} after {current_b} in {tuple(sizes)}."
                )
            current = block_spin(current, b // current_b, rule=rule, random_state=rng)
            current_b = b
            level = current
        else:
            level = block_spin(batch, b, rule=rule, random_state=rng)
        points.append(flow_observables(level.reshape(n, -1), block_positions(L, b), L, max_distance=max_distance))
    return points


def _receptive_signs(layers: Sequence[Any], n_visible: int) -> list[NDArray[np.int8]]:
    """Sign of the summed linear receptive field (row sums of W_k ... W_1) of every unit of every layer."""
    totals = np.ones(n_visible)
    signs = []
    for layer in layers:
        totals = np.asarray(layer.components_, dtype=np.float64) @ totals
        signs.append(np.where(totals < 0, -1, 1).astype(np.int8))
    return signs


def _layer_positions(positions_by_layer: Any, layers: Sequence[Any], L: int) -> list[NDArray[np.float64] | None]:
    if (
        positions_by_layer is None
        or isinstance(positions_by_layer, (str, bytes))
        or not hasattr(positions_by_layer, "__len__")
    ):
        raise InvalidParameterError(
            "dbn_flow needs positions_by_layer: one (n_units, 2) array of (row, column) positions per hidden "
            "layer, the centroids of the units' receptive fields, e.g. "
            "[circular_centroid(receptive_fields(dbn, k, shape)) for k in range(1, n_layers + 1)] with "
            "deeprg.rg.locality.circular_centroid and deeprg.rg.receptive.receptive_fields; got "
            f"{type(positions_by_layer).__name__}."
        )
    n_layers = len(layers)
    given = list(positions_by_layer)
    if len(given) == n_layers:
        given = [None, *given]
    if len(given) != n_layers + 1:
        raise InvalidParameterError(
            f"positions_by_layer must hold one array per hidden layer ({n_layers}), optionally preceded by "
            f"the visible layer's ({n_layers + 1} entries); got {len(given)} entries."
        )
    out: list[NDArray[np.float64] | None] = [None if given[0] is None else np.asarray(given[0])]
    for k, (layer, pos) in enumerate(zip(layers, given[1:], strict=True), start=1):
        if pos is None:
            raise InvalidParameterError(f"positions_by_layer[{k}] (hidden layer {k}) is None; give its unit positions.")
        n_units = np.asarray(layer.components_).shape[0]
        out.append(_check_positions(pos, n_units, L, name=f"positions_by_layer[{k}]"))
    return out


def dbn_flow(
    dbn: Any,
    spins: ArrayLike,
    shape: tuple[int, int],
    *,
    positions_by_layer: Sequence[ArrayLike | None],
    align_signs: bool = True,
    max_distance: float | None = None,
    random_state: RandomState = None,
) -> list[FlowPoint]:
    r"""Observables along a deep belief network's layers, as a flow comparable with block spins.

    Level 0 is the visible lattice. Level ``k`` holds the hidden units of layer ``k``,
    *sampled* in a stochastic upward pass: :math:`h^{(1)} \sim P(h \mid v)`, then
    :math:`h^{(k)} \sim P(h \mid h^{(k-1)})` from the sampled states of the layer below
    (one explicit generator, all of a layer's bits drawn at once), mapped to spins
    :math:`2h - 1` and placed at ``positions_by_layer[k]``.

    Parameters
    ----------
    dbn : DeepBeliefNetwork
        Fitted network whose visible layer is the ``L x L`` lattice (row-major bits,
        ``bit = (spin + 1) / 2``). Any stack with ``layers_`` of RBMs exposing
        ``transform`` (= :math:`P(h = 1 \mid v)`) and ``components_`` works.
    spins : array_like, shape (n_samples, L, L) or (n_samples, L * L), or SampleSet
        Configurations in {-1, +1}, in chain order, ``n_samples >= 2``.
    shape : (int, int)
        Lattice shape ``(L, L)`` (square lattices only).
    positions_by_layer : sequence of array_like
        (row, column) positions of the units, in sites: one ``(n_units_k, 2)`` array per
        hidden layer ``k = 1 .. n_layers``, optionally preceded by the visible layer's entry
        (``None`` = the lattice sites). Required: use the receptive-field centroids, e.g.
        ``[circular_centroid(receptive_fields(dbn, k, shape)) for k in range(1, n_layers + 1)]``
        with :func:`deeprg.rg.locality.circular_centroid` and
        :func:`deeprg.rg.receptive.receptive_fields`.
    align_signs : bool, default True
        Multiply the spin of every hidden unit by the sign of the sum of its linear
        receptive field (the row of :math:`W_k \cdots W_1`), so that a positive spin means
        "magnetization up" for every unit. Without it a unit with a negative field counts
        against the magnetization, and :math:`|m|`, :math:`U_4` and the correlations of a
        layer mix the two orientations.
    max_distance : float, optional
        Passed to :func:`flow_observables` (default ``L / 2``).
    random_state : None, int, SeedSequence or Generator
        Source of the sampled hidden states.

    Returns
    -------
    list of FlowPoint
        ``n_layers + 1`` points: the visible lattice, then each hidden layer.
    """
    layers = getattr(dbn, "layers_", None)
    if not layers:
        raise InvalidParameterError(
            f"dbn must be a fitted DeepBeliefNetwork (with layers_); got {type(dbn).__name__} without fitted layers. "
            "Call fit first or load a trained network."
        )
    if (
        not isinstance(shape, (tuple, list))
        or len(shape) != 2
        or not all(isinstance(x, numbers.Integral) and not isinstance(x, bool) for x in shape)
    ):
        raise InvalidParameterError(f"shape must be a pair of ints (L, L); got {shape!r}.")
    L = check_int(shape[0], "shape[0]", minimum=1)
    if int(shape[1]) != L:
        raise InvalidParameterError(f"only square lattices are supported; got shape {tuple(shape)}.")
    raw = np.asarray(getattr(spins, "spins", spins))
    if raw.ndim == 2 and raw.shape[1] == L * L and raw.shape != (L, L):
        raw = raw.reshape(raw.shape[0], L, L)
    batch = check_spins(raw, name="spins", min_samples=2)
    n = batch.shape[0]
    if batch.shape[1] != L:
        raise InvalidParameterError(
            f"spins are {batch.shape[1]}x{batch.shape[1]} lattices but shape is {tuple(shape)}."
        )
    n_visible = np.asarray(layers[0].components_).shape[1]
    if n_visible != L * L:
        raise InvalidParameterError(
            f"the network's bottom layer has {n_visible} visible units but the lattice has L*L = {L * L} sites."
        )
    positions = _layer_positions(positions_by_layer, layers, L)
    rng = check_random_state(random_state)
    from deeprg.rbm import functional as F

    signs = _receptive_signs(layers, n_visible) if align_signs else [None] * len(layers)
    visible = batch.reshape(n, -1)
    visible_positions = block_positions(L, 1) if positions[0] is None else positions[0]
    points = [flow_observables(visible, visible_positions, L, max_distance=max_distance)]
    data: NDArray[np.floating] = (visible > 0).astype(np.float64)
    for layer, pos, sign in zip(layers, positions[1:], signs, strict=True):
        data = F.sample_bernoulli(np.asarray(layer.transform(data)), rng)
        units = (2 * data - 1).astype(np.int8)
        if sign is not None:
            units *= sign
        points.append(flow_observables(units, pos, L, max_distance=max_distance))
    return points


# ---------------------------------------------------------------------------- comparison
def _disordered_abs_m(n_units: int) -> float:
    r""":math:`\langle |m| \rangle` of ``n_units`` independent fair spins (exact binomial sum)."""
    k = np.arange(n_units + 1)
    pmf = scipy.stats.binom.pmf(k, n_units, 0.5)
    return float(np.sum(pmf * np.abs(2 * k - n_units)) / n_units)


def _orderedness(name: str, point: FlowPoint) -> tuple[float, float]:
    r"""Observable rescaled to 0 at the disordered and 1 at the ordered fixed point, with its error."""
    est: Estimate = getattr(point, name)
    n = point.n_units
    if name == "binder_cumulant":
        low, high = 2.0 / (3.0 * n), 2.0 / 3.0
    elif name == "abs_magnetization":
        low, high = _disordered_abs_m(n), 1.0
    else:
        low, high = 0.0, 1.0
    span = high - low
    if not span > 0 or not math.isfinite(est.mean):
        return math.nan, math.nan
    return (est.mean - low) / span, est.error / span


def _trend(values: list[tuple[float, float]], z: float, contraction: float) -> str:
    finite = [(v, e) for v, e in values if math.isfinite(v) and math.isfinite(e)]
    if len(finite) < 2:
        return "undetermined"
    (first, e_first), (last, e_last) = finite[0], finite[-1]
    change = last - first
    if abs(change) <= z * math.hypot(e_first, e_last):
        return "stays"
    if change > 0 and max(1.0 - last, 0.0) <= max(1.0 - first, 0.0) / contraction:
        return "toward ordered"
    if change < 0 and max(last, 0.0) <= max(first, 0.0) / contraction:
        return "toward disordered"
    return "stays"


def _combine(u4: str, nn: str) -> str:
    directional = {t for t in (u4, nn) if t in ("toward ordered", "toward disordered")}
    if len(directional) == 2:
        return "mixed"
    if directional:
        return directional.pop()
    if "stays" in (u4, nn):
        return "stays"
    return "undetermined"


def _fixed_point(points: Sequence[FlowPoint]) -> str:
    phi_star = BINDER_CRITICAL / (2.0 / 3.0)
    for point in reversed(points):
        phi, _ = _orderedness("binder_cumulant", point)
        if math.isfinite(phi):
            if phi < phi_star / 2:
                return "disordered"
            if phi > (1.0 + phi_star) / 2:
                return "ordered"
            return "critical"
    return "undetermined"


def _json_float(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _level_summary(point: FlowPoint | None) -> dict[str, Any] | None:
    if point is None:
        return None
    out: dict[str, Any] = {"n_units": point.n_units, "spacing": point.spacing}
    for name in _OBSERVABLES:
        est: Estimate = getattr(point, name)
        out[name] = {"mean": _json_float(est.mean), "error": _json_float(est.error)}
    return out


_OBSERVABLES = ("abs_magnetization", "binder_cumulant", "nn_correlation")

_RULE = (
    "Each observable X is rescaled to phi = (X - X_dis) / (X_ord - X_dis), 0 at the disordered and 1 at the "
    "ordered fixed point for that level's number of units N: |m|_dis = <|m|> of N independent spins, "
    "U4_dis = 2/(3N), nn_dis = 0; |m|_ord = nn_ord = 1, U4_ord = 2/3 (so the trivial finite-size drift of a "
    "shrinking lattice is not read as a flow). Between the first and the last level, the trend is "
    "'toward ordered' (or 'toward disordered') when the change of phi exceeds z combined standard errors AND "
    "the distance to that fixed point (1 - phi, or phi) shrinks by at least the factor `contraction`; otherwise "
    "'stays' (a flow that starts at a fixed point stays there); 'undetermined' with fewer than two finite "
    "levels. The overall `flow` combines the U4 and nn-correlation trends (a direction if one shows it and the "
    "other does not contradict it, 'mixed' if they disagree); |m| is reported but not used, being the most "
    "finite-size-sensitive. `fixed_point` names the fixed point nearest to the last level by U4: 'disordered' "
    "below phi*/2, 'ordered' above (1 + phi*)/2, else 'critical', with phi* = U4*/(2/3) and U4* = 0.61069."
)


def _flow_summary(points: Sequence[FlowPoint], z: float, contraction: float) -> dict[str, Any]:
    trends = {name: _trend([_orderedness(name, p) for p in points], z, contraction) for name in _OBSERVABLES}
    return {
        "trend": trends,
        "flow": _combine(trends["binder_cumulant"], trends["nn_correlation"]),
        "fixed_point": _fixed_point(points),
    }


def compare_flows(
    block_flow: Sequence[FlowPoint],
    dbn_flow: Sequence[FlowPoint],
    *,
    z: float = 3.0,
    contraction: float = 2.0,
) -> dict[str, Any]:
    r"""Block-spin flow and network flow side by side, with the direction each one runs.

    Parameters
    ----------
    block_flow, dbn_flow : sequence of FlowPoint
        Levels of the two flows (from :func:`block_spin_flow` and :func:`dbn_flow`), paired
        level by level in order (a shorter flow is padded with ``None``).
    z : float, default 3.0
        Standard errors a change must exceed to count as a trend.
    contraction : float, default 2.0
        Factor by which the distance to a fixed point must shrink between the first and the
        last level for a trend toward it. It is the finite-size allowance: at the critical
        point the flow of a finite torus drifts a little (the last levels are tiny lattices)
        without approaching either trivial fixed point.

    Returns
    -------
    dict
        Plain JSON-able data (non-finite numbers become ``None``)::

            {"levels": [{"level": k, "block": {...} | None, "dbn": {...} | None}, ...],
             "block": {"trend": {observable: trend}, "flow": trend, "fixed_point": str},
             "dbn": {...same...},
             "same_flow": bool, "same_fixed_point": bool,
             "settings": {"z": ..., "contraction": ...}, "rule": str}

        Each level entry holds ``n_units``, ``spacing`` and ``{"mean", "error"}`` of
        ``abs_magnetization``, ``binder_cumulant`` and ``nn_correlation``. Trends are one of
        ``"toward ordered"``, ``"toward disordered"``, ``"stays"``, ``"undetermined"``
        (``"flow"`` may also be ``"mixed"``); ``fixed_point`` is ``"disordered"``,
        ``"critical"``, ``"ordered"`` or ``"undetermined"``.

    Notes
    -----
    Rule (also returned under ``"rule"``): every observable :math:`X` of a level with
    :math:`N` units is rescaled to

    .. math:: \phi = \frac{X - X_\mathrm{dis}(N)}{X_\mathrm{ord} - X_\mathrm{dis}(N)},

    0 at the disordered and 1 at the ordered fixed point, with :math:`U_{4,\mathrm{dis}} = 2/(3N)`
    and :math:`\langle|m|\rangle_\mathrm{dis}` the values of :math:`N` independent spins,
    :math:`G_{nn,\mathrm{dis}} = 0`, and 2/3, 1, 1 when ordered. A trend toward the ordered
    (disordered) fixed point needs :math:`|\phi_\mathrm{last} - \phi_\mathrm{first}| > z\,
    \sqrt{\sigma_\mathrm{first}^2 + \sigma_\mathrm{last}^2}` and :math:`1 - \phi` (:math:`\phi`)
    to shrink by ``contraction``; otherwise the flow "stays". The errors of two levels
    measured on the same samples are positively correlated, so adding them in quadrature is
    conservative. The overall ``"flow"`` combines the :math:`U_4` and nearest-neighbour
    trends. Deep in a phase a flow starts at its fixed point already (e.g. :math:`U_4 \approx 0`
    at :math:`K = 0.3`), so :math:`U_4` "stays" while the nearest-neighbour correlation still
    shows the direction; at :math:`K_c` both stay.
    """
    z = check_real(z, "z", minimum=0.0)
    contraction = check_real(contraction, "contraction", minimum=1.0)
    block_flow, dbn_flow = list(block_flow), list(dbn_flow)
    for name, flow in (("block_flow", block_flow), ("dbn_flow", dbn_flow)):
        if not all(isinstance(p, FlowPoint) for p in flow):
            raise InvalidParameterError(f"{name} must be a sequence of FlowPoint (from block_spin_flow or dbn_flow).")
    levels = [
        {"level": k, "block": _level_summary(b), "dbn": _level_summary(d)}
        for k, (b, d) in enumerate(zip_longest(block_flow, dbn_flow))
    ]
    block = _flow_summary(block_flow, z, contraction)
    dbn = _flow_summary(dbn_flow, z, contraction)
    return {
        "levels": levels,
        "block": block,
        "dbn": dbn,
        "same_flow": block["flow"] == dbn["flow"],
        "same_fixed_point": block["fixed_point"] == dbn["fixed_point"],
        "settings": {"z": z, "contraction": contraction},
        "rule": _RULE,
    }
