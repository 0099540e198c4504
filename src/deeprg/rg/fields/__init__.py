"""Receptive fields and their locality: does a hidden unit look at a block of the lattice?

- :mod:`~deeprg.rg.fields.receptive`: Mehta & Schwab's linear receptive fields (products of the
  weight matrices) and data-driven response fields;
- :mod:`~deeprg.rg.fields.locality`: metrics of each field (centroid, radius of gyration,
  participation ratio, window fraction, block overlap) as z-scores against the null models of
  :mod:`~deeprg.rg.fields.nulls`, and a verdict per layer
  (:class:`~deeprg.rg.fields.locality_report.LocalityReport`);
- :mod:`~deeprg.rg.fields.scan`: the L1 scan, one row per penalty strength (the RBMs are trained
  by :mod:`deeprg.rbm.penalty_scan`).
"""

from deeprg.rg.fields.compactness import (
    COMPACTNESS_THRESHOLD,
    SIGNIFICANCE_NULL,
    CompactnessReport,
    compactness,
    window_shares,
)
from deeprg.rg.fields.locality import (
    LOCALITY_Z_THRESHOLD,
    METRICS,
    LocalityReport,
    NullComparison,
    block_overlap,
    circular_centroid,
    locality_scores,
    participation_ratio,
    radius_of_gyration,
    scale_growth,
    window_fraction,
)
from deeprg.rg.fields.nulls import permuted, phase_randomized
from deeprg.rg.fields.receptive import receptive_fields, response_fields, weight_products
from deeprg.rg.fields.scan import locality_scan, scan_median_z, scan_row

__all__ = [
    "COMPACTNESS_THRESHOLD",
    "CompactnessReport",
    "compactness",
    "SIGNIFICANCE_NULL",
    "window_shares",
    "LOCALITY_Z_THRESHOLD",
    "METRICS",
    "LocalityReport",
    "NullComparison",
    "block_overlap",
    "circular_centroid",
    "locality_scan",
    "locality_scores",
    "participation_ratio",
    "permuted",
    "phase_randomized",
    "radius_of_gyration",
    "receptive_fields",
    "response_fields",
    "scale_growth",
    "scan_median_z",
    "scan_row",
    "weight_products",
    "window_fraction",
]
