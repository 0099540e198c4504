"""Synthetic experiment metrics (the shapes analyze_network and the pipeline write) and small PNG figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure


def make_layer(
    k: int,
    n_units: int,
    z_phase: float | None,
    z_permutation: float | None,
    *,
    fitted: float = 4.0,
    rg: float = 2.0,
    threshold: float = 3.0,
) -> dict:
    """One entry of ``metrics["layers"]`` as analyze_network writes it."""
    by_null = {"phase": z_phase, "permutation": z_permutation}
    is_null_local = {name: z is not None and z > threshold for name, z in by_null.items()}
    is_local = None if z_phase is None and z_permutation is None else all(is_null_local.values())
    return {
        "layer": k,
        "n_units": n_units,
        "is_local": is_local,
        "z": z_phase,
        "radius_of_gyration": rg,
        "fitted_block_size": fitted,
        "equivalent_block_size": float(np.sqrt(1 + 6 * rg**2)),
        "block_match": {"layer": k, "block_size": 2 * k, "partial": True, "median_best_correlation": 0.6,
                        "median_null_correlation": 0.05, "fraction_above_null_95": 0.9, "median_specificity": 0.1,
                        "distinct_blocks": n_units},
        "locality": {
            "n_units": n_units, "n_dead": 0, "shape": [16, 16], "block_sizes": [2, 4, 8],
            "null": "phase", "nulls": ["phase", "permutation"], "n_surrogates": 20,
            "primary_metric": "z of window_fraction at the fitted block size", "threshold": threshold,
            "is_local": is_local, "median_z": z_phase, "fraction_local": 0.7 if is_local else 0.1,
            "median_fitted_block_size": fitted, "median_radius_of_gyration": rg,
            "z": {name: {"window_fraction": {"median": z, "fraction_above_threshold": 0.5}, "is_local": is_null_local[name]}
                  for name, z in by_null.items()},
        },
    }


def make_flows(block_flow: str = "toward disordered", dbn_flow: str = "toward disordered") -> dict:
    def point(phi: float) -> dict:
        est = {"mean": phi, "error": 0.01}
        return {"n_units": 4, "spacing": 1.0, "abs_magnetization": est, "binder_cumulant": est, "nn_correlation": est,
                "reference": est, "phi": {"abs_magnetization": est, "binder_cumulant": est, "nn_correlation": est}}

    levels = [{"level": k, "block": point(0.6 - 0.1 * k), "dbn": point(0.6 - 0.15 * k)} for k in range(3)]
    return {
        "levels": levels,
        "block": {"trend": {"nn_correlation": block_flow}, "flow": block_flow, "fixed_point": "disordered"},
        "dbn": {"trend": {"nn_correlation": dbn_flow}, "flow": dbn_flow, "fixed_point": "disordered"},
        "same_flow": block_flow == dbn_flow,
        "same_fixed_point": True,
        "settings": {"z": 3.0},
        "rule": "synthetic rule",
    }


def make_network(layers: list[dict], *, flows: dict | None = None, figures: dict | None = None) -> dict:
    rgs = [layer["radius_of_gyration"] for layer in layers]
    return {
        "metrics_version": 1, "lattice": 16, "beta": 0.408, "n_samples_analyzed": 200, "n_surrogates": 20,
        "layers": layers,
        "scale_growth": {"layers": [layer["layer"] for layer in layers], "median_radius_of_gyration": rgs},
        "flows": flows if flows is not None else make_flows(),
        "figures": figures or {},
    }


#: z-scores of the canonical experiment: l1 local everywhere, the baseline nowhere.
L1_LAYERS = [make_layer(1, 64, 12.0, 20.0, fitted=4, rg=1.5), make_layer(2, 16, 9.6, 30.0, fitted=8, rg=3.0)]
SK_LAYERS = [make_layer(1, 64, 1.4, 2.0, fitted=8, rg=6.0), make_layer(2, 16, 0.1, 1.0, fitted=8, rg=6.1)]


ENSEMBLE = {
    "energy_per_site": {"mean": -1.1515, "error": 0.0005, "tau": 0.7},
    "exact_energy_per_site": -1.1518,
    "specific_heat": {"mean": 0.98, "error": 0.01, "tau": 0.7},
    "exact_specific_heat": 0.995,
    "abs_magnetization": {"mean": 0.19, "error": 0.001, "tau": 0.5},
    "binder_cumulant": {"mean": 0.16, "error": 0.007, "tau": 0.5},
    "algorithm": "wolff", "spacing": 36, "n_thermalize": 1000, "tau_energy": 18.0, "tau_abs_magnetization": 2.8,
    "n_samples": 2000, "L": 16, "beta": 0.408, "coupling": 1.0,
}

EXACT_1D = {
    "decimation": [{"K": K, "K_prime_enumerated": 0.2, "K_prime_exact": 0.2, "error": 1e-16, "trace_violation": 0.0,
                    "flow": [K, 0.2, 0.04]} for K in (0.5, 1.0)],
    "trace_distance_4x4": [{"epochs": e, "kl_divergence": kl, "total_variation": kl / 4, "mean_log_trace": kl}
                           for e, kl in ((1, 4.8), (30, 0.35))],
    "beta": 0.408,
}

SCAN = [{"l1": s, "pseudo_likelihood": pl, "is_local": local, "median_z": z, "locality": {"threshold": 3.0}}
        for s, pl, local, z in ((2e-4, -0.550, False, 1.6), (1e-3, -0.560, True, 4.0), (8e-3, -0.630, True, 25.0))]

FIGURE_NAMES = ("weights", "learning_curves", "configurations", "reconstructions", "receptive_fields_layer1",
                "receptive_fields_layer2", "locality_layer1", "locality_layer2", "block_correlation_layer1",
                "scale_growth", "flow_nn_correlation", "flow_binder_cumulant")


def write_png(path: Path, seed: int) -> Path:
    """A small, distinct PNG drawn with a plain matplotlib Figure."""
    ax = Figure(figsize=(1.6, 1.2), dpi=50).add_subplot()
    ax.imshow(np.random.default_rng(seed).standard_normal((8, 8)), cmap="RdBu")
    ax.set_title(f"#{seed}", fontsize=6)
    ax.figure.savefig(path, format="png")
    return path


