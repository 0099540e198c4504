"""The typed results that stages pass to each other and to the report.

Every stage of ``deeprg run`` returns one of these frozen records and writes its
:meth:`~deeprg.experiment.record.Record.to_dict` form as JSON; the next stage and the report
read them back with ``from_dict``. Together they make ``metrics.json``
(:class:`ExperimentMetrics`), whose every field is documented by the JSON Schema
:data:`deeprg.report.METRICS_SCHEMA` (the tests check the two against each other).

Field names are the JSON keys; units and meanings are in the schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from deeprg.errors import FileFormatError
from deeprg.experiment.accounting import RunAccount
from deeprg.experiment.record import Record

__all__ = [
    "BlockMatchSummary",
    "CompactnessSummary",
    "ControlResult",
    "DecimationCheck",
    "EnsembleSummary",
    "ExactChecks",
    "ExperimentMetrics",
    "FlowComparison",
    "LayerMetrics",
    "LevelSummary",
    "LayerEigenvalues",
    "LocalitySummary",
    "MCRGCouplings",
    "MCRGEstimate",
    "MCRGMetrics",
    "NetworkEigenvalues",
    "NetworkMetrics",
    "Replicate",
    "ObservableEstimate",
    "PlacementSummary",
    "ScaleGrowth",
    "ScanRow",
    "TraceDistanceCheck",
]

#: Version of the per-network layout (:class:`NetworkMetrics`), bumped on incompatible changes
#: (2: compactness, placement, own-block fraction and level per layer; held-out analysis).
METRICS_VERSION = 2


# ---------------------------------------------------------------------- the ensemble
@dataclass(frozen=True)
class ObservableEstimate(Record):
    """A Monte Carlo mean with its standard error and integrated autocorrelation time."""

    mean: float
    error: float | None
    tau: float | None = None


@dataclass(frozen=True)
class EnsembleSummary(Record):
    """The sampled ensemble: observables with error bars next to the exact finite-size values."""

    energy_per_site: ObservableEstimate
    abs_magnetization: ObservableEstimate
    magnetization_squared: ObservableEstimate
    binder_cumulant: ObservableEstimate
    susceptibility: ObservableEstimate
    specific_heat: ObservableEstimate
    exact_energy_per_site: float
    exact_specific_heat: float
    algorithm: str
    spacing: int
    n_thermalize: int
    tau_energy: float | None
    tau_abs_magnetization: float | None
    n_samples: int
    L: int  # noqa: N815 - the physics name
    beta: float
    coupling: float


# ---------------------------------------------------------------------- one network
@dataclass(frozen=True)
class LocalitySummary(Record):
    """:meth:`deeprg.rg.LocalityReport.summary` of one layer's receptive fields."""

    n_units: int
    n_dead: int
    shape: list[int]
    block_sizes: list[int]
    null: str
    nulls: list[str]
    n_surrogates: int
    primary_metric: str
    threshold: float
    is_local: bool
    median_z: float | None
    fraction_local: float | None
    median_fitted_block_size: float | None
    fitted_block_size_counts: dict[str, int]
    median_radius_of_gyration: float | None
    median_equivalent_block_size: float | None
    median_participation_ratio: float | None
    median_window_fraction: float | None
    median_block_overlap: float | None
    z: dict[str, dict[str, Any]]

    def null_median_z(self, null: str, metric: str) -> float | None:
        """Median z of ``metric`` (at the fitted block size) against ``null``; None when not measured."""
        entry = self.z.get(null, {}).get(metric)
        return entry.get("median") if isinstance(entry, dict) else None

    def beats(self, null: str) -> bool | None:
        """Whether the median unit beats ``null`` (None when that null was not computed)."""
        entry = self.z.get(null)
        return entry.get("is_local") if entry else None


@dataclass(frozen=True)
class BlockMatchSummary(Record):
    """:meth:`deeprg.rg.BlockMatch.summary`: hidden units against majority-rule block spins."""

    layer: int
    block_size: int
    partial: bool
    median_best_correlation: float | None
    median_null_correlation: float | None
    fraction_above_null_95: float | None
    median_specificity: float | None
    distinct_blocks: int


@dataclass(frozen=True)
class CompactnessSummary(Record):
    """:meth:`deeprg.rg.CompactnessReport.summary`: the effect size of locality and the fields' scale."""

    threshold: float
    is_compact: bool
    is_spread: bool
    median_compactness: float | None
    median_compactness_interval: list[float | None]
    fraction_compact: float | None
    median_scale: float | None
    scale_quartiles: list[float | None]


@dataclass(frozen=True)
class PlacementSummary(Record):
    """:meth:`deeprg.rg.flow.Placement.summary`: the layer's units on the coarse block lattice."""

    block_size: int
    rms_displacement: float
    tolerance: float
    is_ordered: bool
    offset: list[float]


@dataclass(frozen=True)
class LevelSummary(Record):
    """:meth:`deeprg.rg.flow.LevelComparison.to_dict`: the layer against block spins of its block size."""

    layer: int
    block_size: int
    network: float | None
    block: float | None
    rule: str
    difference: float | None
    error: float | None
    ordered: bool
    status: str
    tolerance: float
    sigmas: float


@dataclass(frozen=True)
class LayerMetrics(Record):
    """One hidden layer: locality (effect size and significance), scale, order, block matching, flow level.

    ``is_local`` is :func:`deeprg.report.rules.layer_is_local` (compact); ``own_block_fraction``
    is :func:`deeprg.rg.flow.own_block_fraction` (needs both block matching and a placement).
    """

    layer: int
    n_units: int
    is_local: bool
    z: float | None
    radius_of_gyration: float | None
    fitted_block_size: float | None
    equivalent_block_size: float | None
    block_match: BlockMatchSummary | None
    locality: LocalitySummary
    compactness: CompactnessSummary
    placement: PlacementSummary | None = None
    own_block_fraction: float | None = None
    level: LevelSummary | None = None


@dataclass(frozen=True)
class ScaleGrowth(Record):
    """:func:`deeprg.rg.scale_growth`: the median scales per layer and their growth factors."""

    layers: list[int]
    is_local: list[bool]
    median_radius_of_gyration: list[float | None]
    growth_radius_of_gyration: list[float | None]
    mean_growth_radius_of_gyration: float | None
    median_equivalent_block_size: list[float | None]
    growth_equivalent_block_size: list[float | None]
    mean_growth_equivalent_block_size: float | None
    median_fitted_block_size: list[float | None]
    growth_fitted_block_size: list[float | None]
    mean_growth_fitted_block_size: float | None


@dataclass(frozen=True)
class FlowComparison(Record):
    """:func:`deeprg.rg.compare_flows`: observables along the block-spin flow and the network's layers."""

    levels: list[dict[str, Any]]
    block: dict[str, Any]
    dbn: dict[str, Any]
    same_flow: bool | None
    same_fixed_point: bool | None
    settings: dict[str, Any]
    rule: str


@dataclass(frozen=True)
class NetworkMetrics(Record):
    """Everything measured on one trained network (the ``analyze/<variant>`` stage)."""

    metrics_version: int
    lattice: int
    beta: float
    n_samples_analyzed: int
    n_surrogates: int
    layers: list[LayerMetrics]
    scale_growth: ScaleGrowth
    flows: FlowComparison
    figures: dict[str, str]
    training: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    held_out: bool = False


# ---------------------------------------------------------------------- the L1 scan
@dataclass(frozen=True)
class ScanRow(Record):
    """One strength of the L1 scan: locality of the first layer against its pseudo-likelihood."""

    l1: float
    pseudo_likelihood: float
    is_local: bool
    median_z: float | None
    weight_sparsity: float
    penalty_method: str | None
    locality: LocalitySummary
    compactness: CompactnessSummary


# ---------------------------------------------------------------------- the exact checks
@dataclass(frozen=True)
class DecimationCheck(Record):
    """The exact 1D decimation RBM at one coupling, checked by enumeration."""

    K: float  # noqa: N815
    K_prime_enumerated: float  # noqa: N815
    K_prime_exact: float  # noqa: N815
    error: float
    trace_violation: float
    flow: list[float]


@dataclass(frozen=True)
class TraceDistanceCheck(Record):
    """How far a briefly trained 4-hidden-unit RBM on the 4x4 torus is from an exact RG step."""

    epochs: int
    kl_divergence: float
    total_variation: float
    mean_log_trace: float


@dataclass(frozen=True)
class ExactChecks(Record):
    """The ``exact_1d`` stage: the decimation RBM and the trace-condition distance."""

    decimation: list[DecimationCheck]
    trace_distance_4x4: list[TraceDistanceCheck]
    beta: float


# ---------------------------------------------------------------------- the controls
@dataclass(frozen=True)
class ControlResult(Record):
    """A control network (:class:`deeprg.rg.ControlNetwork`) measured like the trained networks."""

    name: str
    expected: bool
    description: str
    expected_measures: dict[str, bool | None]
    metrics: NetworkMetrics


# ---------------------------------------------------------------------- RG eigenvalues (MCRG)
@dataclass(frozen=True)
class MCRGEstimate(Record):
    """One blocking step's RG exponents (:class:`deeprg.rg.MCRGResult`), undefined numbers as None."""

    level: int
    b: int
    coarse_lattice: int
    y_t: float | None
    y_t_error: float | None
    y_h: float | None
    y_h_error: float | None
    even_eigenvalues: list[float | None]
    odd_eigenvalues: list[float | None]
    n_samples: int
    n_blocks: int


@dataclass(frozen=True)
class MCRGCouplings(Record):
    """Effective pair couplings of one level's spins by pseudo-likelihood (:class:`deeprg.rg.CouplingFit`)."""

    level: int
    lattice: int
    operators: list[str]
    couplings: list[float | None]
    errors: list[float | None]


@dataclass(frozen=True)
class LayerEigenvalues(Record):
    """One layer's MCRG step (:class:`deeprg.rg.LayerMCRG`) or why it has none (:class:`deeprg.rg.UnplacedLayer`)."""

    layer: int
    placed: bool
    cause: str | None
    reason: str | None
    rms_displacement: float | None
    ordered: bool | None
    block_size: int | None
    eigenvalues: MCRGEstimate | None
    couplings: MCRGCouplings | None


@dataclass(frozen=True)
class NetworkEigenvalues(Record):
    """The MCRG of one network's layers: a trained variant or a control."""

    name: str
    kind: str
    expected: bool | None
    layers: list[LayerEigenvalues]


@dataclass(frozen=True)
class MCRGMetrics(Record):
    """The ``mcrg`` stage and ``deeprg mcrg``: y_t, y_h and K_eff of block spins and of every network's layers."""

    lattice: int
    beta: float
    b: int
    states: str
    even_operators: list[str]
    odd_operators: list[str]
    n_samples: int
    block_spins: list[MCRGEstimate]
    block_spin_couplings: list[MCRGCouplings | None]
    networks: list[NetworkEigenvalues]
    seconds: float


# ---------------------------------------------------------------------- the whole run
@dataclass(frozen=True)
class Replicate(Record):
    """A variant's network trained again with another training seed (same data, same analysis)."""

    #: 1, 2, ...: replicate 0 is the variant's own network (``ExperimentMetrics.variants``).
    replicate: int
    #: The training seed (:attr:`deeprg.experiment.config.ExperimentConfig.training_seeds`).
    training_seed: int
    network: NetworkMetrics


@dataclass(frozen=True)
class ExperimentMetrics(Record):
    """``metrics.json``: the whole experiment, every number of the report."""

    deeprg_version: str
    config: dict[str, Any]
    ensemble: EnsembleSummary
    variants: dict[str, NetworkMetrics]
    exact_1d: ExactChecks
    replicates: dict[str, list[Replicate]] = field(default_factory=dict)
    scan: list[ScanRow] | None = None
    controls: list[ControlResult] | None = None
    verdict: dict[str, Any] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    account: RunAccount | None = None
    mcrg: MCRGMetrics | None = None

    def __post_init__(self) -> None:
        counts = {name: len(self.replicates.get(name, [])) for name in self.variants}
        if set(self.replicates) - set(self.variants) or len(set(counts.values())) > 1:
            raise FileFormatError(f"ExperimentMetrics.replicates: every variant needs the same number of replicates "
                                  f"(got {counts} for variants, replicates of {sorted(self.replicates)}).")

    def to_dict(self) -> dict[str, Any]:
        """The plain dict; ``scan``, ``controls`` and ``mcrg`` are left out when the experiment has none."""
        out = super().to_dict()
        for key in ("scan", "controls", "account", "mcrg"):
            if out[key] is None:
                del out[key]
        return out
