"""The verdict's rules: pure functions of the typed results, with the thresholds of the measures.

Every rule that turns numbers into a yes or no lives here, once, and reads only typed results
(:mod:`deeprg.experiment.results`); every threshold is imported from the module of the measure it
belongs to, where its reason is written. :mod:`deeprg.report.verdict` words what these rules
decide; :mod:`deeprg.experiment.analysis` records :func:`layer_is_local` in ``metrics.json``.

The rules, per layer:

- **local**: compact (median compactness ``E*`` at least
  :data:`~deeprg.rg.fields.compactness.COMPACTNESS_THRESHOLD`: an effect size) *and* more
  concentrated than its smoothness-preserving (phase) null (median z above
  :data:`~deeprg.rg.fields.locality.LOCALITY_Z_THRESHOLD`: significance);
- **ordered**: its units sit on the coarse block lattice
  (:data:`~deeprg.rg.flow.placement.PLACEMENT_TOLERANCE`);
- **block-specific**: its units depend on one block each
  (:data:`~deeprg.rg.flow.matching.BLOCK_SPECIFICITY_THRESHOLD`);
- **flows like block spins**: ordered, and its nearest-neighbour correlation agrees with block
  spins of its size (:data:`~deeprg.rg.flow.levels.FLOW_TOLERANCE`).

Per network: the **scale grows** when the median scale ``b*`` of consecutive local layers grows by
more than :data:`SCALE_GROWTH_THRESHOLD` per layer (geometric mean).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from deeprg.rg.fields.locality import LOCALITY_Z_THRESHOLD
from deeprg.rg.fields.locality_report import PRIMARY_METRIC
from deeprg.rg.flow.matching import BLOCK_SPECIFICITY_THRESHOLD

__all__ = [
    "BLOCK_SPECIFICITY_THRESHOLD",
    "LOCALITY_Z_THRESHOLD",
    "SCALE_GROWTH_THRESHOLD",
    "SIGNIFICANCE_NULL",
    "layer_flows_like_block_spins",
    "layer_is_block_specific",
    "layer_is_local",
    "layer_is_ordered",
    "scale_growth",
    "significance_z",
]

#: The null whose z-score says a field is significantly concentrated: the phase null keeps the field's
#: smoothness (its power spectrum) and moves its weight at random, so smooth global fields do not beat it.
#: The permutation null is reported too, but not required: its job (rejecting sparse scattered fields) is
#: done by the compactness effect size, and it is blind to single-site fields (every permutation of one
#: site is a translation, so z is exactly 0 for decimation).
SIGNIFICANCE_NULL = "phase"

#: The scale grows when the median b* grows by more than sqrt(2) per layer (geometric mean over
#: consecutive local layers): halfway, on a log scale, between no growth (random-site copies: x1) and
#: block-spin RG's doubling with 2x2 blocks (block stacks: x2 exactly).
SCALE_GROWTH_THRESHOLD = math.sqrt(2.0)


def significance_z(layer: Any) -> float | None:
    """The layer's median primary z-score against :data:`SIGNIFICANCE_NULL` (None when not measured)."""
    return layer.locality.null_median_z(SIGNIFICANCE_NULL, PRIMARY_METRIC)


def layer_is_local(layer: Any) -> bool:
    """Compact (effect size) and significantly concentrated (phase null)."""
    z = significance_z(layer)
    return bool(layer.compactness.is_compact and z is not None and z > LOCALITY_Z_THRESHOLD)


def layer_is_ordered(layer: Any) -> bool | None:
    """Whether the layer's units sit on its coarse lattice (None when the units do not tile the lattice)."""
    return None if layer.placement is None else bool(layer.placement.is_ordered)


def layer_is_block_specific(layer: Any) -> bool | None:
    """Whether the median unit depends on one block (None when there is no block matching)."""
    match = layer.block_match
    if match is None or match.median_specificity is None:
        return None
    return bool(match.median_specificity >= BLOCK_SPECIFICITY_THRESHOLD)


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
