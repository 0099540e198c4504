"""The RG analysis of one trained network on its ensemble: measurements as typed results.

Every measurement of :mod:`deeprg.rg` for every hidden layer: receptive fields and their
locality against both nulls, the growth of scale with depth, hidden units against block spins,
and observables along the block-spin flow next to the network's layers.
:func:`measure_network` measures (no files, no figures) and returns a :class:`NetworkAnalysis`:
the typed :class:`~deeprg.experiment.results.NetworkMetrics` plus the arrays and reports the
figures are drawn from (:func:`deeprg.report.figures.network_figures`).
:func:`analyze_network` does both, for ``deeprg analyze`` and the ``analyze/<variant>`` stage.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from deeprg._random import RandomState, check_random_state, spawn
from deeprg.errors import InvalidParameterError
from deeprg.experiment.results import (
    METRICS_VERSION,
    BlockMatchSummary,
    CompactnessSummary,
    FlowComparison,
    LayerMetrics,
    LevelSummary,
    LocalitySummary,
    NetworkMetrics,
    PlacementSummary,
    ScaleGrowth,
)
from deeprg.io import atomic_path
from deeprg.progress import Progress, silent
from deeprg.rg import (
    block_spin_flow,
    circular_centroid,
    compactness,
    compare_flows,
    compare_levels,
    dbn_flow,
    hidden_block_correlation,
    locality_scores,
    matching_block_size,
    place_on_lattice,
    receptive_fields,
    scale_growth,
)

__all__ = ["ANALYSIS_SAMPLES", "METRICS_VERSION", "NetworkAnalysis", "analyze_network", "measure_network",
           "write_metrics"]

logger = logging.getLogger(__name__)

#: Configurations used for flows and block matching (the slowest measurements scale with it).
ANALYSIS_SAMPLES = 2000


@dataclass(frozen=True, eq=False)
class NetworkAnalysis:
    """The measurements of one network: the typed metrics and what the figures are drawn from.

    Attributes
    ----------
    metrics : NetworkMetrics
        Every number (``figures`` is empty until :func:`analyze_network` draws them).
    spins : ndarray of int8, shape (n_analyzed, L, L)
        The configurations analyzed.
    first_weights : ndarray, shape (n_hidden_1, L, L)
        The first layer's weights as images.
    reconstructions : dict of str to ndarray, shape (8, L, L)
        The first eight configurations reconstructed down from each layer (``"layer k"``).
    fields : list of ndarray, shape (n_units, L, L)
        The receptive fields of each layer.
    locality : list of deeprg.rg.LocalityReport
        Their locality reports (significance against the nulls).
    compactness : list of deeprg.rg.CompactnessReport
        Their compactness (effect size) and scale.
    matches : list of deeprg.rg.BlockMatch or None
        Hidden units against block spins, per layer (None where the units do not tile the lattice).
    histories : dict of str to dict
        Each layer's training history (``"layer k"``: metric -> per-epoch values).
    """

    metrics: NetworkMetrics
    spins: NDArray[np.int8]
    first_weights: NDArray[np.float64]
    reconstructions: dict[str, NDArray]
    fields: list[NDArray[np.float64]]
    locality: list[Any]
    compactness: list[Any]
    matches: list[Any]
    histories: dict[str, dict[str, list[float]]]


def _flow_block_sizes(dbn: Any, L: int) -> tuple[int, ...]:
    """Block sizes matching the layers (1 = the lattice), e.g. 1, 2, 4, 8 for 1600-400-100-25.

    A layer whose units do not tile the lattice gets the next power of two, as in Mehta & Schwab.
    """
    sizes = [1]
    for layer in dbn.layers_:
        try:
            b = matching_block_size(L * L, int(np.asarray(layer.components_).shape[0]))
        except InvalidParameterError:
            b = 2 * sizes[-1]
        if L % b or L // b < 2 or b <= sizes[-1]:
            break
        sizes.append(b)
    return tuple(sizes)


def _analysis_subset(samples: Any, n_samples: int) -> NDArray[np.int8]:
    """An evenly strided subset, so it is still a chain whose autocorrelation the error bars measure."""
    stride = max(1, samples.n_samples // n_samples)
    return samples.spins[::stride][:n_samples]


def _placement(fields: NDArray[np.float64], L: int) -> Any:
    """The units placed on their coarse block lattice, or None when they do not tile the lattice."""
    try:
        b = matching_block_size(L * L, fields.shape[0])
    except InvalidParameterError:
        return None
    return place_on_lattice(circular_centroid(fields), L, b)


def _layer_metrics(k: int, report: Any, compact: Any, match: Any, placement: Any, level: Any) -> LayerMetrics:
    from deeprg.report.rules import layer_is_local
    from deeprg.rg.flow import own_block_fraction

    summary = LocalitySummary.from_dict(report.summary())
    layer = LayerMetrics(
        layer=k,
        n_units=report.n_units,
        is_local=False,
        z=summary.median_z,
        radius_of_gyration=summary.median_radius_of_gyration,
        fitted_block_size=summary.median_fitted_block_size,
        equivalent_block_size=summary.median_equivalent_block_size,
        block_match=None if match is None else BlockMatchSummary.from_dict(match.summary()),
        locality=summary,
        compactness=CompactnessSummary.from_dict(compact.summary()),
        placement=None if placement is None else PlacementSummary.from_dict(placement.summary()),
        own_block_fraction=None if match is None or placement is None else own_block_fraction(match, placement),
        level=None if level is None else LevelSummary.from_dict(level.to_dict()),
    )
    return replace(layer, is_local=layer_is_local(layer))


def measure_network(
    dbn: Any,
    samples: Any,
    *,
    n_surrogates: int = 200,
    n_samples: int = ANALYSIS_SAMPLES,
    random_state: RandomState = 0,
    progress: Progress | None = None,
    held_out: bool = False,
) -> NetworkAnalysis:
    """Measure whether ``dbn`` does block-spin RG on ``samples``.

    Parameters
    ----------
    dbn : DeepBeliefNetwork
        Fitted network whose visible layer is the ``L x L`` lattice of ``samples``.
    samples : SampleSet
        The ensemble (the data the network saw, or held-out data from the same ensemble).
    n_surrogates : int, default 200
        Null fields per unit for the locality z-scores.
    n_samples : int, default ANALYSIS_SAMPLES
        Configurations used for flows and block matching.
    random_state : None, int, SeedSequence or Generator
        Seeds nulls, tie breaks and sampled hidden states.
    progress : Progress, optional
        Reports ``("analyze", step name, steps done, n_steps)`` before each step.
    held_out : bool, default False
        Whether ``samples`` are configurations the network was not trained on (recorded in the metrics).

    Returns
    -------
    NetworkAnalysis
    """
    L = samples.L
    if dbn.n_features_in_ != L * L:
        raise InvalidParameterError(
            f"the network has {dbn.n_features_in_} visible units but the ensemble is {L}x{L}; "
            "analyze a network with the ensemble it was trained on."
        )
    n_layers = len(dbn.layers_)
    steps = ["reconstructions", *(f"layer {k}: receptive fields, locality, hidden units against block spins"
                                  for k in range(1, n_layers + 1)), "scale growth and flows"]
    report = progress or silent
    streams = iter(spawn(check_random_state(random_state), 4 * n_layers + 4))
    spins = _analysis_subset(samples, n_samples)
    bits = (spins.reshape(len(spins), -1) > 0).astype(np.float64)

    report("analyze", steps[0], 0, len(steps))
    reconstructions = {f"layer {k}": dbn.reconstruct(bits[:8], layer=k).reshape(-1, L, L)
                       for k in range(1, n_layers + 1)}
    fields, reports, matches = [], [], []
    for k in range(1, n_layers + 1):
        report("analyze", steps[k], k, len(steps))
        field, locality, match = _fields_and_matching(dbn, spins, k, n_surrogates, streams)
        fields.append(field)
        reports.append(locality)
        matches.append(match)
    report("analyze", steps[-1], len(steps) - 1, len(steps))
    flows, compact, layers = _flows_and_layers(dbn, spins, fields, reports, matches, streams)
    histories = {f"layer {k + 1}": getattr(layer, "history_", {}) for k, layer in enumerate(dbn.layers_)}
    metrics = NetworkMetrics(
        metrics_version=METRICS_VERSION,
        lattice=L,
        beta=samples.beta,
        n_samples_analyzed=int(len(spins)),
        n_surrogates=n_surrogates,
        layers=layers,
        scale_growth=ScaleGrowth.from_dict(scale_growth(reports)),
        flows=flows,
        figures={},
        training=histories,
        held_out=held_out,
    )
    return NetworkAnalysis(metrics, spins, np.asarray(dbn.layers_[0].components_).reshape(-1, L, L),
                           reconstructions, fields, reports, compact, matches, histories)


def _fields_and_matching(dbn: Any, spins: NDArray[np.int8], k: int, n_surrogates: int, streams: Any) -> tuple:
    """Layer ``k``'s receptive fields, their locality against both nulls, and its units against block spins."""
    L = spins.shape[1]
    fields = receptive_fields(dbn, k, (L, L))
    locality = locality_scores(fields, n_surrogates=n_surrogates, null="both", random_state=next(streams))
    try:
        match = hidden_block_correlation(dbn, spins, k, random_state=next(streams))
    except InvalidParameterError as exc:  # a layer whose units do not tile the lattice into blocks
        logger.info("layer %d: no block matching (%s)", k, exc)
        match = None
    return fields, locality, match


def _flows_and_layers(dbn: Any, spins: NDArray[np.int8], fields: list, reports: list, matches: list,
                      streams: Any) -> tuple[FlowComparison, list, list[LayerMetrics]]:
    """The observables' flows, each layer's compactness, placement and level against block spins, and its metrics."""
    L = spins.shape[1]
    block_flow = block_spin_flow(spins, block_sizes=_flow_block_sizes(dbn, L), random_state=next(streams))
    network_flow = dbn_flow(dbn, spins, (L, L), positions_by_layer=[circular_centroid(f) for f in fields],
                            random_state=next(streams))
    compact = [compactness(f, random_state=next(streams)) for f in fields]
    placements = [_placement(f, L) for f in fields]
    levels = iter(compare_levels(dbn, spins, placements, random_state=next(streams)))
    layers = [_layer_metrics(k, r, c, m, p, None if p is None else next(levels))
              for k, (r, c, m, p) in enumerate(zip(reports, compact, matches, placements, strict=True), start=1)]
    return FlowComparison.from_dict(compare_flows(block_flow, network_flow)), compact, layers


def analyze_network(
    dbn: Any,
    samples: Any,
    out_dir: str | Path,
    *,
    n_surrogates: int = 200,
    n_samples: int = ANALYSIS_SAMPLES,
    random_state: RandomState = 0,
    progress: Progress | None = None,
    held_out: bool = False,
) -> NetworkMetrics:
    """Measure ``dbn`` on ``samples`` (:func:`measure_network`) and draw its figures into ``out_dir``.

    Parameters
    ----------
    dbn, samples, n_surrogates, n_samples, random_state, progress, held_out
        As for :func:`measure_network`.
    out_dir : path
        Directory for the PNG figures (created if needed; files are replaced atomically).

    Returns
    -------
    NetworkMetrics
        The metrics, with ``figures`` naming the PNG files written.
    """
    from deeprg.report.figures import network_figures

    analysis = measure_network(dbn, samples, n_surrogates=n_surrogates, n_samples=n_samples,
                               random_state=random_state, progress=progress, held_out=held_out)
    return replace(analysis.metrics, figures=network_figures(analysis, out_dir))


def write_metrics(metrics: NetworkMetrics, path: str | Path) -> Path:
    """Write ``metrics`` as indented JSON, atomically."""
    path = Path(path)
    with atomic_path(path, overwrite=True) as tmp:
        tmp.write_text(metrics.to_json())
    return path
