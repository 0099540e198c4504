r"""The network's layers against block spins, level by level, with paired error bars.

A layer that performs block-spin RG with ``b x b`` blocks sends each configuration to the block
spins of that configuration. So compare them configuration by configuration: for layer ``k``,
placed on its coarse ``m x m`` lattice (:func:`~deeprg.rg.flow.placement.place_on_lattice`), take

- the network's units in a *mean-field* upward pass, :math:`\sigma = 2 P(h = 1 \mid \cdot) - 1`,
  each multiplied by the sign of its summed receptive field (so that up means up for every unit);
- the block spins of the same configurations with blocks of side :math:`b_k`, by the two standard
  rules of block-spin RG: the majority rule (ties broken by a seeded coin) and the block average
  (the linear rule, the mean field of a soft majority).

All are deterministic functions of the configuration, so sampling noise cannot make the network
look disordered. The two rules bracket what block-spin RG does (a hard majority network matches
the first, a soft averaging one the second, and they differ by up to 0.15 in :math:`r` above
:math:`T_c`), so a layer is compared with the rule it is closer to, and the rule is reported. On the coarse lattice, neighbours are lattice neighbours, not
nearest centroids at any distance. The statistic is the nearest-neighbour correlation
coefficient

.. math::

    r = \frac{1}{2 m^2} \sum_{\langle ij \rangle} \frac{\langle \sigma_i \sigma_j \rangle
        - \langle \sigma_i \rangle \langle \sigma_j \rangle}{s_i s_j},

which does not depend on the units' scale or firing rate, so soft and hard rules compare. Its
per-configuration terms give a paired difference :math:`\Delta = r_\mathrm{net} - r_\mathrm{block}`
with an error bar that accounts for the chain's autocorrelation
(:func:`deeprg.stats.mean_estimate`). A layer *agrees* with block-spin RG when the whole
two-sigma interval of :math:`\Delta` lies within :data:`FLOW_TOLERANCE`, *disagrees* when it
lies outside, and is *undetermined* otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from numpy.typing import NDArray

from deeprg._random import RandomState, check_random_state
from deeprg._validation import check_spins
from deeprg.errors import InvalidParameterError
from deeprg.rg.fields.receptive import weight_products
from deeprg.rg.flow.blockspin import block_spin
from deeprg.rg.flow.placement import Placement
from deeprg.stats import mean_estimate

__all__ = ["FLOW_SIGMAS", "FLOW_TOLERANCE", "LevelComparison", "compare_levels", "lattice_nn_correlation"]

#: Largest difference of nearest-neighbour correlation coefficients that still counts as the same
#: level of the flow. The soft block-average and the hard majority-rule stacks (both block-spin RG)
#: differ by at most 0.05 at K = 0.408 and K_c; a random network and block spins by 0.3 or more.
FLOW_TOLERANCE = 0.1

#: Width, in standard errors, of the interval of the difference that must lie within (or outside) the tolerance.
FLOW_SIGMAS = 2.0


@dataclass(frozen=True)
class LevelComparison:
    """One layer against the block spins of its block size (the closer of the two rules).

    Attributes
    ----------
    layer : int
        The layer (from 1).
    block_size : int
        Side of the blocks it is compared with.
    network : float
        The layer's nearest-neighbour correlation coefficient on its coarse lattice.
    block : float
        The block spins' (by :attr:`rule`).
    rule : {"majority", "average"}
        The block-spin rule the layer is closer to.
    difference, error : float
        ``network - block`` and its standard error (paired over configurations).
    ordered : bool
        Whether the layer's units sit on the coarse lattice (:attr:`Placement.is_ordered`).
    status : {"agrees", "disagrees", "undetermined"}
        By :data:`FLOW_TOLERANCE` and :data:`FLOW_SIGMAS`.
    """

    layer: int
    block_size: int
    network: float
    block: float
    rule: str
    difference: float
    error: float
    ordered: bool
    status: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON dict (None for undefined numbers)."""
        def plain(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        return {"layer": self.layer, "block_size": self.block_size, "network": plain(self.network),
                "block": plain(self.block), "rule": self.rule, "difference": plain(self.difference), "error": plain(self.error),
                "ordered": self.ordered, "status": self.status, "tolerance": FLOW_TOLERANCE, "sigmas": FLOW_SIGMAS}


def _nn_terms(grid: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per-configuration mean of standardized nearest-neighbour products on a periodic ``(n, m, m)`` grid."""
    mean = grid.mean(axis=0)
    std = grid.std(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(std > 0, (grid - mean) / std, 0.0)
    return 0.5 * ((z * np.roll(z, 1, axis=1)).mean(axis=(1, 2)) + (z * np.roll(z, 1, axis=2)).mean(axis=(1, 2)))


def lattice_nn_correlation(grid: NDArray) -> float:
    """The nearest-neighbour correlation coefficient ``r`` of values on a periodic ``(n, m, m)`` lattice."""
    return float(_nn_terms(np.asarray(grid, dtype=np.float64)).mean())


def _block_average(batch: NDArray[np.int8], b: int) -> NDArray[np.float64]:
    n, L, _ = batch.shape
    return batch.reshape(n, L // b, b, L // b, b).mean(axis=(2, 4), dtype=np.float64)


def _status(difference: float, error: float) -> str:
    if not (math.isfinite(difference) and math.isfinite(error)):
        return "undetermined"
    if abs(difference) + FLOW_SIGMAS * error <= FLOW_TOLERANCE:
        return "agrees"
    if abs(difference) - FLOW_SIGMAS * error > FLOW_TOLERANCE:
        return "disagrees"
    return "undetermined"


def compare_levels(
    dbn: Any,
    spins: Any,
    placements: Sequence[Placement | None],
    *,
    random_state: RandomState = None,
) -> list[LevelComparison]:
    """Compare every placeable layer with the majority-rule block spins of its block size.

    Parameters
    ----------
    dbn : DeepBeliefNetwork
        Fitted network on the ``L x L`` lattice of ``spins``.
    spins : array_like of int8, shape (n_samples, L, L), or SampleSet
        Configurations in chain order.
    placements : sequence of Placement or None
        One per hidden layer (:func:`~deeprg.rg.flow.placement.place_on_lattice` of its units);
        None for a layer whose units do not tile the lattice (it is left out).
    random_state : None, int, SeedSequence or Generator
        Tie breaks of the majority rule.

    Returns
    -------
    list of LevelComparison
        One per layer with a placement, bottom first.
    """
    batch = check_spins(getattr(spins, "spins", spins), name="spins", min_samples=2)
    n, L, _ = batch.shape
    layers = list(getattr(dbn, "layers_", []))
    if len(placements) != len(layers):
        raise InvalidParameterError(f"give one placement (or None) per hidden layer: {len(layers)}, got {len(placements)}.")
    rng = check_random_state(random_state)
    signs = [np.where(p.sum(axis=1) < 0, -1.0, 1.0) for p in weight_products(layers)]
    data = (batch.reshape(n, -1) > 0).astype(np.float64)
    out = []
    for k, (layer, placement, sign) in enumerate(zip(layers, placements, signs, strict=True), start=1):
        data = np.asarray(layer.transform(data), dtype=np.float64)
        if placement is None:
            continue
        if placement.L != L:
            raise InvalidParameterError(f"layer {k}: placed on a {placement.L}x{placement.L} lattice, spins are {L}x{L}.")
        net = _nn_terms(placement.on_grid((2 * data - 1) * sign))
        blocks = {"majority": block_spin(batch, placement.b, rule="majority", random_state=rng).astype(np.float64),
                  "average": _block_average(batch, placement.b)}
        rule, block = min(((name, _nn_terms(grid)) for name, grid in blocks.items()),
                          key=lambda item: abs(net.mean() - item[1].mean()))
        paired = mean_estimate(net - block)
        out.append(LevelComparison(k, placement.b, float(net.mean()), float(block.mean()), rule, float(paired.mean),
                                   float(paired.error), placement.is_ordered, _status(paired.mean, paired.error)))
    return out
