"""The verdict's rules: pure functions of the typed results, with the thresholds of the measures.

Every rule that turns numbers into a yes or no lives here, once, and reads only typed results
(:mod:`deeprg.experiment.results`); every threshold is imported from the module of the measure it
belongs to, where its reason is written. :mod:`deeprg.report.verdict` words what these rules
decide; :mod:`deeprg.experiment.analysis` records :func:`layer_is_local` in ``metrics.json``.

The rules, per layer:

- **local**: compact, the 95% bootstrap interval of the median compactness ``E*`` at or above
  :data:`~deeprg.rg.fields.compactness.COMPACTNESS_THRESHOLD` (an effect size; its significance,
  the median z against the smoothness-preserving null, is reported beside it); *not local* when
  the interval lies below it, *undetermined* when it straddles it;
- **ordered**: its units sit on the coarse block lattice
  (:data:`~deeprg.rg.flow.placement.PLACEMENT_TOLERANCE`);
- **block-specific**: most of its units correlate best with the block spin of the block they sit
  on (:data:`~deeprg.rg.flow.matching.OWN_BLOCK_THRESHOLD`);
- **flows like block spins**: ordered, and its nearest-neighbour correlation agrees with block
  spins of its size (:data:`~deeprg.rg.flow.levels.FLOW_TOLERANCE`).

Per network: the **scale grows** when the median scale ``b*`` of consecutive local layers grows by
more than :data:`SCALE_GROWTH_THRESHOLD` per layer (geometric mean).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from deeprg.rg.fields.compactness import SIGNIFICANCE_NULL
from deeprg.rg.fields.locality import LOCALITY_Z_THRESHOLD
from deeprg.rg.fields.locality_report import PRIMARY_METRIC
from deeprg.rg.flow.matching import OWN_BLOCK_THRESHOLD

__all__ = [
    "OWN_BLOCK_THRESHOLD",
    "LOCALITY_Z_THRESHOLD",
    "OVERFIT_GAP",
    "PRIMARY_METRIC",
    "SCALE_GROWTH_THRESHOLD",
    "SIGNIFICANCE_NULL",
    "layer_flows_like_block_spins",
    "layer_is_block_specific",
    "layer_is_local",
    "layer_locality",
    "layer_is_ordered",
    "network_is_block_specific",
    "network_is_ordered",
    "scale_growth",
    "significance_z",
]

#: The scale grows when the median b* grows by more than sqrt(2) per layer (geometric mean over
#: consecutive local layers): halfway, on a log scale, between no growth (random-site copies: x1) and
#: block-spin RG's doubling with 2x2 blocks (block stacks: x2 exactly).
SCALE_GROWTH_THRESHOLD = math.sqrt(2.0)

#: A network overfits when, after training, its pseudo-likelihood per spin on the training data exceeds
#: that on held-out configurations by more than this: 2% of the models' pseudo-likelihood (-0.5 to -0.7
#: nats per spin), and many times the sampling error of a mean over 2000 held-out lattices.
OVERFIT_GAP = 0.01


def significance_z(layer: Any) -> float | None:
    """The layer's median primary z-score against :data:`SIGNIFICANCE_NULL` (None when not measured)."""
    return layer.locality.null_median_z(SIGNIFICANCE_NULL, PRIMARY_METRIC)


def layer_locality(layer: Any) -> bool | None:
    """True when the layer is compact, False when it is spread, None when its units' interval straddles the threshold.

    Over the 95% bootstrap interval of the median compactness
    (:attr:`deeprg.rg.CompactnessReport.is_compact` and ``is_spread``).
    """
    c = layer.compactness
    if c.median_compactness is None:
        return None
    return True if c.is_compact else (False if c.is_spread else None)


def layer_is_local(layer: Any) -> bool:
    """Compact: :attr:`deeprg.rg.CompactnessReport.is_compact` (the significance is reported, not required).

    The phase null's z-score shrinks for fields that span a large part of a small lattice (an 8x8
    block on 16x16 gets z 3.4 with 40 surrogates, 22 on 40x40), so requiring it would make quick
    and full runs disagree; the effect size alone separates every control on both sizes.
    """
    return bool(layer.compactness.is_compact)


def layer_is_ordered(layer: Any) -> bool | None:
    """Whether the layer's units sit on its coarse lattice (None when the units do not tile the lattice)."""
    return None if layer.placement is None else bool(layer.placement.is_ordered)


def layer_is_block_specific(layer: Any) -> bool | None:
    """Whether most units correlate best with their own block (None without block matching or placement)."""
    fraction = layer.own_block_fraction
    return None if fraction is None else bool(fraction >= OWN_BLOCK_THRESHOLD)


def network_is_ordered(layers: Sequence[Any]) -> bool | None:
    """Whether the network's units, pooled over its placed layers, sit on their block lattices.

    The RMS displacement of all placed units (in block sides of their layer) against
    :data:`~deeprg.rg.flow.placement.PLACEMENT_TOLERANCE`; None when no layer is placed.
    """
    placed = [(la.n_units, la.placement) for la in layers if la.placement is not None]
    if not placed:
        return None
    pooled = math.sqrt(sum(n * p.rms_displacement**2 for n, p in placed) / sum(n for n, _ in placed))
    return bool(pooled <= placed[0][1].tolerance)


def network_is_block_specific(layers: Sequence[Any]) -> bool | None:
    """Whether most of the network's units (pooled over layers) correlate best with their own block."""
    known = [(la.n_units, la.own_block_fraction) for la in layers if la.own_block_fraction is not None]
    if not known:
        return None
    return bool(sum(n * x for n, x in known) / sum(n for n, _ in known) >= OWN_BLOCK_THRESHOLD)


def layer_flows_like_block_spins(layer: Any) -> bool | None:
    """Ordered and in agreement with block spins of its size (None when undetermined or not compared)."""
    level = layer.level
    if level is None or level.status == "undetermined":
        return None
    return bool(level.ordered and level.status == "agrees")


def scale_growth(layers: Sequence[Any]) -> tuple[list[float], float | None]:
    """Growth factors of the median scale b* between consecutive local layers, and their geometric mean."""
    factors = []
    for below, above in zip(layers[:-1], layers[1:], strict=False):
        a, b = below.compactness.median_scale, above.compactness.median_scale
        if layer_is_local(below) and layer_is_local(above) and a and b:
            factors.append(b / a)
    mean = math.exp(sum(math.log(f) for f in factors) / len(factors)) if factors else None
    return factors, mean
