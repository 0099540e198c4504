r"""Observables along a renormalization-group flow, with error bars.

A *level* of a flow is a set of Ising-like spins :math:`s_i = \pm 1`, ``n_units`` of them
per configuration, sitting at 2-D positions on the ``L x L`` torus of the original lattice:
the block spins of :func:`~deeprg.rg.flow.blockspin.block_spin` at their block centres, or the
hidden units of a deep belief network (sampled, mapped to :math:`2h - 1`) at their
receptive-field centroids. For every level :func:`flow_observables` measures

* :math:`\langle |m| \rangle`, :math:`m = \frac1{n}\sum_i s_i` (the order parameter),
* the Binder cumulant :math:`U_4 = 1 - \langle m^4\rangle / 3\langle m^2\rangle^2`
  (0 for a Gaussian :math:`m`, 2/3 in the ordered phase, :math:`U_4^* = 0.61069` at
  the critical point of the square torus). :math:`U_4` is a function of :math:`L/\xi`,
  which a block-spin step leaves unchanged, so on a fixed torus it stays roughly flat
  along a block-spin flow (up to corrections that grow as the block lattice shrinks):
  it labels the phase of the *input* ensemble rather than showing where the flow runs,
* the nearest-neighbour correlation :math:`\langle s_i s_j \rangle_{nn}` (a proxy of the
  effective coupling: it tends to 1 at the ordered fixed point, 0 at the disordered one;
  this is the observable that moves along a flow),
* the pair correlation :math:`G(r)` in distance bins,
* the *disordered reference* of the level: :math:`\langle |m| \rangle`, :math:`U_4` and
  :math:`\langle s_i s_j \rangle_{nn}` of the same data with every unit's column shuffled
  independently across samples. The shuffle keeps each unit's firing rate and destroys
  all correlations. None of the three observables is mean-subtracted, so for units that
  are not fair coins (hidden units firing 20 % of the time, say) the value "without
  correlations" is not the fair-coin one; the reference gives it for the data at hand.

:func:`block_spin_flow` and :func:`dbn_flow` produce the levels of the two flows;
:func:`deeprg.rg.flow.flowcompare.compare_flows` puts them side by side and states in which
direction each runs.

Error bars come from :mod:`deeprg.stats`: :func:`~deeprg.stats.abs_magnetization` and
:func:`~deeprg.stats.mean_estimate` (:math:`\sqrt{2\tau_\mathrm{int}\,\mathrm{Var}/n}`),
:func:`~deeprg.stats.binder_cumulant` (blocked jackknife) and, for :math:`G(r)`, the same
blocked jackknife as :func:`~deeprg.stats.correlation_function`. The samples are taken in
chain order and their autocorrelation time is measured, not assumed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg._random import RandomState, check_random_state
from deeprg._validation import check_int, check_real, check_spins
from deeprg.errors import InvalidParameterError
from deeprg.rg.flow._pairs import (
    _check_positions,
    _check_unit_spins,
    _grid_cells,
    _grid_statistics,
    _scattered_statistics,
)
from deeprg.rg.flow.blockspin import RULES, block_positions, block_spin
from deeprg.stats import CorrelationFunction, Estimate, abs_magnetization, binder_cumulant, mean_estimate
from deeprg.stats.resampling import column_mean_errors

__all__ = [
    "BinnedCorrelation",
    "FlowPoint",
    "block_spin_flow",
    "flow_observables",
]


# ---------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class BinnedCorrelation(CorrelationFunction):
    r"""Pair correlation :math:`G(r) = \langle s_i s_j \rangle_{|x_i - x_j| \in \text{bin}}` with error bars.

    A :class:`deeprg.stats.CorrelationFunction` over distance bins of units at arbitrary
    positions: ``distance`` is the mean periodic (minimum-image) distance of the pairs in
    each bin, in sites of the original lattice (on a regular grid every distinct distance is
    its own bin); self pairs are excluded, so the first bin is the nearest distance; errors
    are blocked-jackknife errors over the per-sample bin averages.

    Attributes
    ----------
    n_pairs : ndarray of int64, shape (n_bins,)
        Distinct unit pairs per configuration in each bin.
    """

    n_pairs: NDArray[np.int64] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form for JSON: the correlation function's fields and ``n_pairs``."""
        return {**super().to_dict(), "n_pairs": None if self.n_pairs is None else self.n_pairs.tolist()}


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
    reference : dict of str to Estimate, optional
        The disordered reference: ``abs_magnetization``, ``binder_cumulant`` and
        ``nn_correlation`` of the same spins with every unit's column shuffled
        independently across samples (each unit keeps its firing rate, all correlations
        are gone), with their errors. ``None`` when not computed (a hand-made point);
        :func:`~deeprg.rg.flow.flowcompare.compare_flows` then falls back to fair coins.
    series : dict of str to ndarray, optional
        Per-sample series in chain order: ``"magnetization"`` (:math:`m` of every sample)
        and ``"nn_correlation"`` (the nearest-neighbour average of every sample). Levels
        of one flow are measured on the same samples, so
        :func:`~deeprg.rg.flow.flowcompare.compare_flows` uses them for the errors of
        differences between levels (paired, which accounts for the correlation between
        levels). Not part of :meth:`to_dict`.
    """

    abs_magnetization: Estimate
    binder_cumulant: Estimate
    nn_correlation: Estimate
    correlation: BinnedCorrelation
    n_units: int
    spacing: float
    reference: dict[str, Estimate] | None = None
    series: dict[str, NDArray[np.float64]] | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form for JSON (estimates as ``{"mean", "error", "tau"}``; without ``series``)."""
        return {
            "n_units": self.n_units,
            "spacing": self.spacing,
            "abs_magnetization": self.abs_magnetization.to_dict(),
            "binder_cumulant": self.binder_cumulant.to_dict(),
            "nn_correlation": self.nn_correlation.to_dict(),
            "correlation": self.correlation.to_dict(),
            "reference": None
            if self.reference is None
            else {name: est.to_dict() for name, est in self.reference.items()},
        }


# ---------------------------------------------------------------------------- pair statistics


def _binned_correlation(
    per_sample: NDArray[np.float64], distance: NDArray[np.float64], n_pairs: NDArray[np.int64]
) -> BinnedCorrelation:
    if per_sample.shape[1] == 0:
        empty = np.empty(0)
        return BinnedCorrelation(empty, empty.copy(), empty.copy(), None, np.empty(0, dtype=np.int64))
    error, tau = column_mean_errors(per_sample)
    return BinnedCorrelation(distance=distance, value=per_sample.mean(axis=0), error=error, n_pairs=n_pairs, tau=tau)


# ---------------------------------------------------------------------------- public API


def flow_observables(
    spins_units: ArrayLike,
    positions: ArrayLike,
    L: int,
    *,
    max_distance: float | None = None,
    bin_width: float | None = None,
    random_state: RandomState = 0,
    symmetric: bool = False,
) -> FlowPoint:
    r"""Observables of one level of an RG flow: spins at positions on the ``L x L`` torus.

    Parameters
    ----------
    spins_units : array_like, shape (n_samples, n_units)
        Spins in {-1, +1}, samples in chain order, ``n_samples >= 2``.
    positions : array_like, shape (n_units, 2)
        (row, column) of every unit in sites of the original lattice (taken modulo ``L``);
        block centres (:func:`~deeprg.rg.flow.blockspin.block_positions`) or receptive-field
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
    random_state : None, int, SeedSequence or Generator, default 0
        Source of the column shuffle behind the disordered reference
        (:attr:`FlowPoint.reference`). The default fixed seed makes the result a
        deterministic function of the data.
    symmetric : bool, default False
        Whether the units' distribution is symmetric under a global flip
        :math:`s \to -s` (Ising spins and their block spins). Then every sample is
        multiplied by an independent fair coin before the shuffle, so that the reference
        is that of units firing half of the time: a sign imbalance of the ensemble (an
        ordered chain that rarely or never changes the sign of :math:`m`) is a property of
        the chain, not a firing rate of the units. The observables of the data are even
        under a global flip and do not change. Leave it False for hidden units, whose
        firing rates are their own.

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
    The disordered reference is measured on one copy of the data in which every column
    (unit) is permuted independently across samples, with the same estimators as the data;
    its errors are those of that copy (its rows are independent). For fair independent
    spins it agrees with the exact values (:math:`2/(3N)` for :math:`U_4`, the binomial
    :math:`\langle|m|\rangle`, 0 for the nearest-neighbour correlation) within those errors.
    Without ``symmetric`` the firing rates are those of the given ensemble: a set of units
    that all share the orientation of an ordered sample looks like biased independent units
    when the ensemble holds mostly one orientation (the reference does not know which of
    the two it is), so an ordered ensemble should hold both orientations in equal measure
    (e.g. flip every sample with a fair coin; a Wolff chain in the ordered phase changes the
    sign of :math:`m` slowly).

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

    rng = check_random_state(random_state)
    cells = _grid_cells(pos, L) if bin_width is None else None

    def nn_series(units: NDArray[np.int8]) -> NDArray[np.float64]:
        # pairs within a vanishing distance: no G(r) bins, only the nearest-neighbour series
        tiny = 1e-6 * min(L, spacing)
        if cells is not None:
            return _grid_statistics(units, cells, L, tiny)[0]
        return _scattered_statistics(units, pos, L, tiny, spacing)[0]

    m = spins.mean(axis=1, dtype=np.float64)
    abs_m = abs_magnetization(m)
    u4 = binder_cumulant(m)
    source = spins
    if symmetric:
        source = spins * rng.choice(np.array([-1, 1], dtype=np.int8), size=(n, 1))
    shuffled = rng.permuted(source, axis=0)  # every column (unit) permuted on its own
    m_shuffled = shuffled.mean(axis=1, dtype=np.float64)
    nan = Estimate(math.nan, math.nan)
    reference = {
        "abs_magnetization": abs_magnetization(m_shuffled),
        "binder_cumulant": binder_cumulant(m_shuffled),
        "nn_correlation": nan if n_units == 1 else mean_estimate(nn_series(shuffled)),
    }

    if n_units == 1:
        empty = np.empty(0)
        corr = BinnedCorrelation(empty, empty.copy(), empty.copy(), None, np.empty(0, dtype=np.int64))
        series = {"magnetization": m, "nn_correlation": np.full(n, math.nan)}
        return FlowPoint(abs_m, u4, nan, corr, 1, spacing, reference, series)

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
        reference=reference,
        series={"magnetization": m, "nn_correlation": np.asarray(nn, dtype=np.float64)},
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
    reference_random_state: RandomState = 0,
) -> list[FlowPoint]:
    """Observables of the block-spin flow at several block sizes.

    Parameters
    ----------
    spins : array_like of int8, shape (n_samples, L, L), or SampleSet
        Configurations in {-1, +1}, in chain order, ``n_samples >= 2``.
    block_sizes : sequence of int, default (1, 2, 4, 8)
        Block sides, each a divisor of ``L``; ``1`` is the original lattice.
    rule : {"majority", "decimation"}, default "majority"
        Block-spin rule (:func:`~deeprg.rg.flow.blockspin.block_spin`).
    random_state : None, int, SeedSequence or Generator
        Source of the majority-rule tie breaks; one generator serves all levels in order.
    iterate : bool, default False
        False: every level blocks the original lattice directly by ``b``. True: every level
        blocks the previous level by the ratio of consecutive block sizes (the iterated
        transformation; then each size must be a multiple of the previous one). The two agree
        for decimation, not for the majority rule.
    max_distance : float, optional
        Passed to :func:`flow_observables` (default ``L / 2``).
    reference_random_state : None, int, SeedSequence or Generator, default 0
        Passed to :func:`flow_observables` for every level (the column shuffle of the
        disordered reference): a seed gives every level a fresh generator from it, a
        ``Generator`` is shared by the levels in order. Separate from ``random_state``
        so that the references stay deterministic by default.
        Block spins are symmetric under a global flip, so their references are those of
        fair coins (``symmetric=True`` in :func:`flow_observables`).

    Returns
    -------
    list of FlowPoint
        One per block size, in the given order; units at the block centres
        (:func:`~deeprg.rg.flow.blockspin.block_positions`).
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
        points.append(
            flow_observables(
                level.reshape(n, -1),
                block_positions(L, b),
                L,
                max_distance=max_distance,
                random_state=reference_random_state,
                symmetric=True,
            )
        )
    return points
