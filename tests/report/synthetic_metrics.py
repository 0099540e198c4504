"""Synthetic experiments as complete typed metrics (deeprg.experiment.results), and small PNG figures.

Everything here is built with the Record classes the pipeline writes, so ``ExperimentMetrics.to_dict()`` of a
synthetic experiment is a metrics.json the verdict and the report read exactly as a real one. The numbers are
chosen by hand so that each rule of :mod:`deeprg.report.rules` has a known answer:

- :func:`block_spin_network`: every layer compact (E* 0.9) at scale b* = 2, 4, 8, units on their block
  lattices, block-specific, agreeing with block spins level by level;
- :func:`spread_network`: every layer spread out (E* 0.2) at b* 8, units scattered, not block-specific,
  disagreeing with block spins.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from deeprg.experiment.config import load_config, resolve
from deeprg.experiment.results import (
    METRICS_VERSION,
    BlockMatchSummary,
    CompactnessSummary,
    ControlResult,
    DecimationCheck,
    EnsembleSummary,
    ExactChecks,
    ExperimentMetrics,
    FlowComparison,
    LayerMetrics,
    LevelSummary,
    LocalitySummary,
    NetworkMetrics,
    ObservableEstimate,
    PlacementSummary,
    Replicate,
    ScaleGrowth,
    ScanRow,
    TraceDistanceCheck,
)

#: Side of the synthetic lattice: layers of 64, 16 and 4 units tile it into 2x2, 4x4 and 8x8 blocks.
LATTICE = 16
COMPACTNESS_THRESHOLD = 0.5
PLACEMENT_TOLERANCE = 0.25
FLOW_TOLERANCE, FLOW_SIGMAS = 0.1, 2.0

#: Known answers of the measures (as deeprg.rg.controls gives them) for a block-spin stack and a structureless network.
BLOCK_RG = {"local": True, "ordered": True, "block_specific": True, "scale_grows": True, "flow": True}
NOTHING = {"local": False, "ordered": False, "block_specific": False, "scale_grows": None, "flow": False}


# ---------------------------------------------------------------------- one layer
def locality(n_units: int, z_phase: float | None, z_permutation: float | None = None, *, fitted: float = 4.0,
             rg: float = 2.0, n_dead: int = 0, lattice: int = LATTICE) -> LocalitySummary:
    """The z-score locality summary (the significance) of one layer."""
    by_null = {"phase": z_phase, "permutation": z_phase if z_permutation is None else z_permutation}
    beats = {name: z is not None and z > 3.0 for name, z in by_null.items()}
    dead = n_dead == n_units

    def entry(z: float | None) -> dict[str, float | None]:
        return {"median": z, "fraction_above_threshold": None if dead else float(z is not None and z > 3.0)}

    metrics = ("radius_of_gyration", "participation_ratio", "window_fraction", "block_overlap")
    return LocalitySummary(
        n_units=n_units, n_dead=n_dead, shape=[lattice, lattice], block_sizes=[2, 4, 8], null="phase",
        nulls=["phase", "permutation"], n_surrogates=20, primary_metric="z of window_fraction at the fitted block size",
        threshold=3.0, is_local=all(beats.values()), median_z=z_phase,
        fraction_local=None if dead else (0.9 if beats["phase"] else 0.1),
        median_fitted_block_size=None if dead else fitted,
        fitted_block_size_counts={} if dead else {str(int(fitted)): n_units - n_dead},
        median_radius_of_gyration=None if dead else rg,
        median_equivalent_block_size=None if dead else math.sqrt(1 + 6 * rg**2),
        median_participation_ratio=None if dead else 0.1, median_window_fraction=None if dead else 0.5,
        median_block_overlap=None if dead else 0.5,
        z={name: {**{m: entry(z) for m in metrics}, "is_local": beats[name]} for name, z in by_null.items()},
    )


def compactness(median: float | None, scale: float | None = 2.0, *, threshold: float = COMPACTNESS_THRESHOLD,
                half_width: float = 0.05) -> CompactnessSummary:
    """A compactness summary with a 95% interval of ``median +- half_width``; ``median=None``: every unit is dead."""
    if median is None:
        return CompactnessSummary(threshold, False, False, None, [None, None], None, None, [None, None])
    low, high = median - half_width, median + half_width
    return CompactnessSummary(threshold=threshold, is_compact=low >= threshold, is_spread=high < threshold,
                              median_compactness=median, median_compactness_interval=[low, high],
                              fraction_compact=0.9 if median >= threshold else 0.1, median_scale=scale,
                              scale_quartiles=[scale, scale])


def level(k: int, b: int, *, status: str = "agrees", ordered: bool = True, network: float = 0.60,
          rule: str = "majority") -> LevelSummary:
    """Layer ``k`` against block spins of side ``b``; the block's r is chosen to give ``status``."""
    difference, error = {"agrees": (0.02, 0.01), "disagrees": (0.30, 0.02), "undetermined": (0.09, 0.02)}[status]
    return LevelSummary(layer=k, block_size=b, network=network, block=network - difference, rule=rule,
                        difference=difference, error=error, ordered=ordered, status=status,
                        tolerance=FLOW_TOLERANCE, sigmas=FLOW_SIGMAS)


def make_layer(
    k: int,
    n_units: int,
    *,
    compact: float | None = 0.9,
    scale: float | None = None,
    z: float | None = 12.0,
    z_permutation: float | None = None,
    rms: float | None = 0.0,
    own: float | None = 1.0,
    flow: str | None = "agrees",
    specificity: float = 0.5,
    lattice: int = LATTICE,
) -> LayerMetrics:
    """One layer as analyze_network writes it.

    ``rms=None`` (or units that do not tile the lattice) leaves the layer unplaced: no placement, own-block
    fraction or level. ``flow=None`` leaves only the level out. ``scale`` defaults to the matching block side.
    """
    side = math.isqrt(n_units)
    tiles = side * side == n_units and lattice % side == 0
    b = lattice // side if tiles else None
    scale = (b if b else 2.0) if scale is None else scale
    dead = compact is None
    loc = locality(n_units, z, z_permutation, fitted=float(b or 4), rg=max(0.5, (scale or 1.0) / 2),
                   n_dead=n_units if dead else 0, lattice=lattice)
    placed = tiles and rms is not None
    match = None if not tiles else BlockMatchSummary(
        layer=k, block_size=b, partial=True, median_best_correlation=0.8, median_null_correlation=0.05,
        fraction_above_null_95=0.95, median_specificity=specificity, distinct_blocks=n_units)
    comp = compactness(compact, scale)
    return LayerMetrics(
        layer=k, n_units=n_units, is_local=comp.is_compact, z=z, radius_of_gyration=loc.median_radius_of_gyration,
        fitted_block_size=loc.median_fitted_block_size, equivalent_block_size=loc.median_equivalent_block_size,
        block_match=match, locality=loc, compactness=comp,
        placement=PlacementSummary(b, rms, PLACEMENT_TOLERANCE, rms <= PLACEMENT_TOLERANCE,
                                   [0.0, 0.0]) if placed else None,
        own_block_fraction=own if placed and match is not None else None,
        level=level(k, b, status=flow, ordered=rms <= PLACEMENT_TOLERANCE) if placed and flow else None,
    )


# ---------------------------------------------------------------------- one network
def make_flows(block_flow: str = "toward disordered", dbn_flow: str = "toward disordered") -> FlowComparison:
    """The older flow comparison (drawn in the report, not read by the verdict)."""
    def point(phi: float) -> dict:
        est = {"mean": phi, "error": 0.01}
        return {"n_units": 4, "spacing": 1.0, "abs_magnetization": est, "binder_cumulant": est, "nn_correlation": est,
                "reference": {"abs_magnetization": est, "binder_cumulant": est, "nn_correlation": est},
                "phi": {"abs_magnetization": est, "binder_cumulant": est, "nn_correlation": est}}

    def summary(flow: str) -> dict:
        return {"trend": {"abs_magnetization": flow, "binder_cumulant": flow, "nn_correlation": flow}, "flow": flow,
                "fixed_point": "disordered"}

    return FlowComparison(
        levels=[{"level": k, "block": point(0.6 - 0.1 * k), "dbn": point(0.6 - 0.15 * k)} for k in range(3)],
        block=summary(block_flow), dbn=summary(dbn_flow), same_flow=block_flow == dbn_flow, same_fixed_point=True,
        settings={"z": 3.0}, rule="synthetic rule")


def _growth(values: list[float | None]) -> tuple[list[float | None], float | None]:
    factors = [b / a if a and b else None for a, b in zip(values[:-1], values[1:], strict=False)]
    valid = [g for g in factors if g]
    return factors, (math.exp(sum(map(math.log, valid)) / len(valid)) if valid else None)


def make_network(layers: Sequence[LayerMetrics], *, lattice: int = LATTICE, training: dict | None = None,
                 figures: dict | None = None) -> NetworkMetrics:
    """A whole network around ``layers``, with its older scale and flow summaries (no training histories unless given)."""
    layers = list(layers)
    rg = [la.radius_of_gyration for la in layers]
    eq = [la.equivalent_block_size for la in layers]
    fit = [la.fitted_block_size for la in layers]
    scale = ScaleGrowth(
        layers=[la.layer for la in layers], is_local=[la.locality.is_local for la in layers],
        median_radius_of_gyration=rg, growth_radius_of_gyration=_growth(rg)[0],
        mean_growth_radius_of_gyration=_growth(rg)[1], median_equivalent_block_size=eq,
        growth_equivalent_block_size=_growth(eq)[0], mean_growth_equivalent_block_size=_growth(eq)[1],
        median_fitted_block_size=fit, growth_fitted_block_size=_growth(fit)[0],
        mean_growth_fitted_block_size=_growth(fit)[1])
    return NetworkMetrics(metrics_version=METRICS_VERSION, lattice=lattice, beta=0.408, n_samples_analyzed=200, n_surrogates=20,
                          layers=layers, scale_growth=scale, flows=make_flows(), figures=figures or {},
                          training=training or {})


def block_spin_network(n_layers: int = 3, **layer_options: Any) -> NetworkMetrics:
    """A network that looks like block-spin RG by every measure: 64-16-4 units on 16x16, b* = 2, 4, 8."""
    return make_network([make_layer(k, (LATTICE // 2**k) ** 2, **layer_options) for k in range(1, n_layers + 1)])


def spread_network(n_layers: int = 3, **layer_options: Any) -> NetworkMetrics:
    """A network that looks like block-spin RG by no measure: spread-out fields, scattered units, no flow."""
    options = dict(compact=0.2, scale=8.0, z=0.5, rms=0.7, own=0.1, flow="disagrees", specificity=0.02) | layer_options
    return make_network([make_layer(k, (LATTICE // 2**k) ** 2, **options) for k in range(1, n_layers + 1)])


def with_layers(network: NetworkMetrics, **changes: LayerMetrics) -> NetworkMetrics:
    """``network`` with some layers replaced, e.g. ``with_layers(net, layer2=make_layer(2, 16, compact=0.1))``."""
    layers = list(network.layers)
    for key, layer in changes.items():
        layers[int(key.removeprefix("layer")) - 1] = layer
    return replace(network, layers=layers)


# ---------------------------------------------------------------------- the rest of an experiment
ENSEMBLE = EnsembleSummary(
    energy_per_site=ObservableEstimate(-1.1515, 0.0005, 0.7),
    abs_magnetization=ObservableEstimate(0.19, 0.001, 0.5),
    magnetization_squared=ObservableEstimate(0.05, 0.001, 0.5),
    binder_cumulant=ObservableEstimate(0.16, 0.007, 0.5),
    susceptibility=ObservableEstimate(2.1, 0.05, 0.5),
    specific_heat=ObservableEstimate(0.98, 0.01, 0.7),
    exact_energy_per_site=-1.1518, exact_specific_heat=0.995, algorithm="wolff", spacing=36, n_thermalize=1000,
    tau_energy=18.0, tau_abs_magnetization=2.8, n_samples=2000, L=LATTICE, beta=0.408, coupling=1.0,
)

EXACT_1D = ExactChecks(
    decimation=[DecimationCheck(K, 0.2, 0.2, 1e-16, 0.0, [K, 0.2, 0.04]) for K in (0.5, 1.0)],
    trace_distance_4x4=[TraceDistanceCheck(e, kl, kl / 4, kl) for e, kl in ((1, 4.8), (30, 0.35))],
    beta=0.408,
)


def scan_row(l1: float, pseudo_likelihood: float, compact: float, z: float = 5.0,
             method: str | None = "subgradient") -> ScanRow:
    """One strength of the L1 scan: locality (compact) of a 64-unit first layer against its fit."""
    comp = compactness(compact, 2.0 if compact >= COMPACTNESS_THRESHOLD else 8.0)
    return ScanRow(l1=l1, pseudo_likelihood=pseudo_likelihood, is_local=comp.is_compact, median_z=z,
                   weight_sparsity=0.3, penalty_method=method, locality=locality(64, z), compactness=comp)


#: Spread out at 2e-4, local from 1e-3 on.
SCAN = [scan_row(2e-4, -0.550, 0.20, 1.6), scan_row(1e-3, -0.560, 0.70, 4.0), scan_row(8e-3, -0.630, 0.90, 25.0)]


def control(name: str, metrics: NetworkMetrics, expected_measures: dict[str, bool | None],
            expected: bool | None = None) -> ControlResult:
    """A control network with its known answers (expected defaults to "does RG" iff the measures say local)."""
    expected = bool(expected_measures["local"]) if expected is None else expected
    return ControlResult(name=name, expected=expected, description=f"synthetic {name}",
                         expected_measures=dict(expected_measures), metrics=replace(metrics, training={}))


def passing_controls() -> list[ControlResult]:
    """A block-spin stack and a structureless network, each classified as expected."""
    return [control("majority_rule", block_spin_network(), BLOCK_RG),
            control("random_dense", spread_network(), NOTHING)]


def _config() -> dict:
    """The quick run's resolved configuration, with the synthetic variants and seed."""
    config = resolve(load_config(None), quick=True).to_dict()
    config["seed"] = 7
    config["network"].update(layers=[64, 16, 4], strength=2e-4, variants=["sklearn", "l1", "none"])
    return config


CONFIG = _config()


def make_experiment(variants: dict[str, NetworkMetrics], *, scan: list[ScanRow] | None = None,
                    controls: list[ControlResult] | None = None, ensemble: EnsembleSummary = ENSEMBLE,
                    exact_1d: ExactChecks = EXACT_1D, config: dict | None = None,
                    timings: dict | None = None,
                    replicates: dict[str, list[NetworkMetrics]] | None = None) -> ExperimentMetrics:
    """A complete experiment: the ensemble and the exact checks always, the scan, controls and replicates when given.

    ``replicates`` gives, per variant, the networks of training seeds 2, 3, ... (numbered from 1).
    """
    config = copy.deepcopy(CONFIG if config is None else config)
    typed = {}
    if replicates:
        config["n_seeds"] = 1 + len(next(iter(replicates.values())))
        typed = {name: [Replicate(k, 1000 + k, network) for k, network in enumerate(networks, start=1)]
                 for name, networks in replicates.items()}
    return ExperimentMetrics(deeprg_version="0.0.test", config=config, ensemble=ensemble, variants=dict(variants),
                             exact_1d=exact_1d, scan=scan, controls=controls, replicates=typed,
                             timings=timings or {"ensemble": 1.5, "exact_1d": 0.5})


def canonical_experiment() -> ExperimentMetrics:
    """l1 looks like block-spin RG; none (the same trainer without the penalty) and sklearn do not."""
    return make_experiment({"sklearn": spread_network(), "l1": block_spin_network(), "none": spread_network()})


# ---------------------------------------------------------------------- figures
FIGURE_NAMES = ("weights", "learning_curves", "configurations", "reconstructions", "receptive_fields_layer1",
                "receptive_fields_layer2", "locality_layer1", "locality_layer2", "block_correlation_layer1",
                "scale_growth", "flow_nn_correlation", "flow_binder_cumulant", "flow_abs_magnetization")


def write_png(path: Path, seed: int) -> Path:
    """A small, distinct PNG drawn with a plain matplotlib Figure."""
    ax = Figure(figsize=(1.6, 1.2), dpi=50).add_subplot()
    ax.imshow(np.random.default_rng(seed).standard_normal((8, 8)), cmap="RdBu")
    ax.set_title(f"#{seed}", fontsize=6)
    ax.figure.savefig(path, format="png")
    return path
