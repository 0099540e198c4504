"""Renormalization-group analysis: receptive fields, locality, block spins, flows, the exact 1D mapping.

Mehta & Schwab show pictures and say the receptive fields "look like block spins";
this package turns that into measurements, in three parts:

- :mod:`deeprg.rg.fields`: the paper's linear receptive fields and data-driven response fields,
  how concentrated each field is against smoothness- and sparsity-preserving nulls, and the L1
  scan (locality against pseudo-likelihood);
- :mod:`deeprg.rg.flow`: block-spin RG and observables along the flow, for block spins and for
  the network's layers, and hidden units against block spins of the matching size;
- :mod:`deeprg.rg.exact`: Mehta & Schwab's exact 1D decimation RBM, and how far a trained RBM
  is from an exact RG step (the trace condition, by enumeration).

The names below are the most used ones of the three; each subpackage exports more.
"""

from deeprg.rg.exact import (
    coarse_grained_couplings,
    decimation_flow,
    decimation_rbm,
    rbm_trace_distance,
    trace_condition_violation,
)
from deeprg.rg.fields import (
    LOCALITY_Z_THRESHOLD,
    LocalityReport,
    circular_centroid,
    locality_scan,
    locality_scores,
    radius_of_gyration,
    receptive_fields,
    response_fields,
    scale_growth,
    scan_median_z,
    scan_row,
)
from deeprg.rg.flow import (
    BlockMatch,
    FlowPoint,
    block_positions,
    block_spin,
    block_spin_flow,
    compare_flows,
    dbn_flow,
    flow_observables,
    hidden_block_correlation,
    matching_block_size,
)

__all__ = [
    "LOCALITY_Z_THRESHOLD",
    "BlockMatch",
    "FlowPoint",
    "LocalityReport",
    "block_positions",
    "block_spin",
    "block_spin_flow",
    "circular_centroid",
    "coarse_grained_couplings",
    "compare_flows",
    "dbn_flow",
    "decimation_flow",
    "decimation_rbm",
    "flow_observables",
    "hidden_block_correlation",
    "locality_scan",
    "locality_scores",
    "matching_block_size",
    "radius_of_gyration",
    "rbm_trace_distance",
    "receptive_fields",
    "response_fields",
    "scale_growth",
    "scan_median_z",
    "scan_row",
    "trace_condition_violation",
]
