"""Block spins and RG flows: observables along the block-spin flow and along a network's layers.

- :mod:`~deeprg.rg.flow.blockspin`: majority-rule and decimation block spins (Kadanoff);
- :mod:`~deeprg.rg.flow.flows`: ``|m|``, the Binder cumulant and correlations with error bars at each
  level of a flow (:class:`~deeprg.rg.flow.flows.FlowPoint`), for block spins;
- :mod:`~deeprg.rg.flow.networkflow`: the same observables for a network's layers, hidden units
  placed at their receptive fields' centroids;
- :mod:`~deeprg.rg.flow.flowcompare`: the two flows side by side (trends, fixed points);
- :mod:`~deeprg.rg.flow.matching`: hidden units against block spins of the matching size.
"""

from deeprg.rg.flow.blockspin import RULES, block_positions, block_spin
from deeprg.rg.flow.flowcompare import TRENDS, compare_flows
from deeprg.rg.flow.flows import BinnedCorrelation, FlowPoint, block_spin_flow, flow_observables
from deeprg.rg.flow.levels import FLOW_SIGMAS, FLOW_TOLERANCE, LevelComparison, compare_levels
from deeprg.rg.flow.matching import (
    OWN_BLOCK_THRESHOLD,
    BlockMatch,
    hidden_block_correlation,
    matching_block_size,
    own_block_fraction,
)
from deeprg.rg.flow.networkflow import dbn_flow
from deeprg.rg.flow.placement import PLACEMENT_TOLERANCE, Placement, place_on_lattice

__all__ = [
    "FLOW_SIGMAS",
    "FLOW_TOLERANCE",
    "LevelComparison",
    "compare_levels",
    "OWN_BLOCK_THRESHOLD",
    "own_block_fraction",
    "PLACEMENT_TOLERANCE",
    "Placement",
    "place_on_lattice",
    "RULES",
    "TRENDS",
    "BinnedCorrelation",
    "BlockMatch",
    "FlowPoint",
    "block_positions",
    "block_spin",
    "block_spin_flow",
    "compare_flows",
    "dbn_flow",
    "flow_observables",
    "hidden_block_correlation",
    "matching_block_size",
]
