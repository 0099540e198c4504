"""Renormalization-group analysis: receptive fields, locality, block spins, flows, the exact 1D mapping.

Mehta & Schwab show pictures and say the receptive fields "look like block spins";
this package turns that into measurements:

- :mod:`~deeprg.rg.receptive`: the paper's linear receptive fields and data-driven response fields;
- :mod:`~deeprg.rg.locality`: how concentrated each field is, against a smoothness-preserving null;
- :mod:`~deeprg.rg.blockspin` and :mod:`~deeprg.rg.flows`: block-spin RG and observables along
  the flow, for block spins and for the network's layers;
- :mod:`~deeprg.rg.matching`: hidden units against block spins of the matching size;
- :mod:`~deeprg.rg.exact1d` and :mod:`~deeprg.rg.trace`: Mehta & Schwab's exact 1D decimation
  RBM, and how far a trained RBM is from an exact RG step;
- :mod:`~deeprg.rg.controls`: networks whose answer is known (block stacks, decimation, random
  and scattered fields), to calibrate every measure.
"""

from deeprg.rg.blockspin import block_positions, block_spin
from deeprg.rg.coarse1d import coarse_grained_couplings
from deeprg.rg.controls import ControlNetwork, standard_controls
from deeprg.rg.couplings import CouplingFit, pseudolikelihood_couplings
from deeprg.rg.exact1d import decimation_flow, decimation_rbm
from deeprg.rg.flowcompare import compare_flows
from deeprg.rg.flows import FlowPoint, block_spin_flow, flow_observables
from deeprg.rg.locality import (
    LOCALITY_Z_THRESHOLD,
    LocalityReport,
    circular_centroid,
    locality_scan,
    locality_scores,
    radius_of_gyration,
    scale_growth,
    scan_median_z,
)
from deeprg.rg.matching import BlockMatch, hidden_block_correlation, matching_block_size
from deeprg.rg.mcrg import MCRGResult, block_levels, mcrg_eigenvalues, mcrg_eigenvalues_two_lattice
from deeprg.rg.networkflow import dbn_flow
from deeprg.rg.receptive import receptive_fields, response_fields
from deeprg.rg.spinoperators import EVEN_OPERATORS, ODD_OPERATORS, SpinOperator, evaluate_operators
from deeprg.rg.trace import rbm_trace_distance, trace_condition_violation

__all__ = [
    "LOCALITY_Z_THRESHOLD",
    "BlockMatch",
    "ControlNetwork",
    "FlowPoint",
    "block_spin_flow",
    "compare_flows",
    "dbn_flow",
    "flow_observables",
    "LocalityReport",
    "block_positions",
    "block_spin",
    "circular_centroid",
    "coarse_grained_couplings",
    "decimation_flow",
    "decimation_rbm",
    "hidden_block_correlation",
    "locality_scan",
    "scan_median_z",
    "locality_scores",
    "matching_block_size",
    "radius_of_gyration",
    "rbm_trace_distance",
    "receptive_fields",
    "response_fields",
    "scale_growth",
    "standard_controls",
    "trace_condition_violation",
    "EVEN_OPERATORS",
    "ODD_OPERATORS",
    "SpinOperator",
    "evaluate_operators",
    "MCRGResult",
    "block_levels",
    "mcrg_eigenvalues",
    "mcrg_eigenvalues_two_lattice",
    "CouplingFit",
    "pseudolikelihood_couplings",
]
