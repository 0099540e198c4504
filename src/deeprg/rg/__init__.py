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

Beside them: :mod:`~deeprg.rg.controls` (networks whose answer is known, to calibrate every
measure), :mod:`~deeprg.rg.mcrg` (Swendsen's Monte Carlo RG eigenvalues, on the operators of
:mod:`~deeprg.rg.spinoperators`), :mod:`~deeprg.rg.couplings` (effective couplings by
pseudo-likelihood) and :mod:`~deeprg.rg.layermcrg` (both on a network's layers).

The names below are the most used ones of the three; each subpackage exports more.
"""

from deeprg.rg.controls import ControlNetwork, standard_control_names, standard_controls
from deeprg.rg.couplings import CouplingFit, pseudolikelihood_couplings
from deeprg.rg.exact import (
    coarse_grained_couplings,
    decimation_flow,
    decimation_rbm,
    rbm_trace_distance,
    trace_condition_violation,
)
from deeprg.rg.fields import (
    COMPACTNESS_THRESHOLD,
    LOCALITY_Z_THRESHOLD,
    CompactnessReport,
    LocalityReport,
    circular_centroid,
    compactness,
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
    compare_levels,
    dbn_flow,
    flow_observables,
    hidden_block_correlation,
    matching_block_size,
    place_on_lattice,
)
from deeprg.rg.layermcrg import LayerMCRG, UnplacedLayer, block_spin_couplings, layer_mcrg
from deeprg.rg.mcrg import MCRGResult, block_levels, mcrg_eigenvalues, mcrg_eigenvalues_two_lattice
from deeprg.rg.spinoperators import EVEN_OPERATORS, ODD_OPERATORS, SpinOperator, evaluate_operators

__all__ = [
    "BlockMatch",
    "COMPACTNESS_THRESHOLD",
    "CompactnessReport",
    "ControlNetwork",
    "CouplingFit",
    "EVEN_OPERATORS",
    "FlowPoint",
    "LOCALITY_Z_THRESHOLD",
    "LayerMCRG",
    "LocalityReport",
    "MCRGResult",
    "ODD_OPERATORS",
    "SpinOperator",
    "UnplacedLayer",
    "block_levels",
    "block_positions",
    "block_spin_couplings",
    "block_spin",
    "block_spin_flow",
    "circular_centroid",
    "coarse_grained_couplings",
    "compactness",
    "compare_flows",
    "compare_levels",
    "dbn_flow",
    "decimation_flow",
    "decimation_rbm",
    "evaluate_operators",
    "flow_observables",
    "hidden_block_correlation",
    "layer_mcrg",
    "locality_scan",
    "locality_scores",
    "matching_block_size",
    "mcrg_eigenvalues",
    "mcrg_eigenvalues_two_lattice",
    "place_on_lattice",
    "pseudolikelihood_couplings",
    "radius_of_gyration",
    "rbm_trace_distance",
    "receptive_fields",
    "response_fields",
    "scale_growth",
    "scan_median_z",
    "scan_row",
    "standard_control_names",
    "standard_controls",
    "trace_condition_violation",
]
