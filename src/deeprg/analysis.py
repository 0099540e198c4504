"""The RG analysis of one trained network on its ensemble: figures and ``metrics.json``.

Every measurement of :mod:`deeprg.rg` for every hidden layer: receptive fields and
their locality against the smoothness-preserving null, the growth of scale with
depth, hidden units against block spins, and observables along the block-spin flow
next to the network's layers. ``deeprg analyze`` and the ``deeprg run`` pipeline
call :func:`analyze_network`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Callable

import numpy as np

from deeprg._random import RandomState, check_random_state, spawn
from deeprg.errors import InvalidParameterError
from deeprg.io import atomic_path

logger = logging.getLogger(__name__)

#: Configurations used for flows and block matching (the slowest measurements scale with it).
ANALYSIS_SAMPLES = 2000

#: Schema of ``metrics.json`` written by :func:`analyze_network` (bumped on incompatible changes).
METRICS_VERSION = 1


def _flow_block_sizes(dbn: Any, L: int) -> tuple[int, ...]:
    """Block sizes matching the layers (1 = the lattice), e.g. 1, 2, 4, 8 for 1600-400-100-25.

    A layer whose units do not tile the lattice gets the next power of two, as in Mehta & Schwab.
    """
    from deeprg.rg import matching_block_size

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


def _save(ax: Any, path: Path) -> str:
    with atomic_path(path, overwrite=True) as tmp:
        ax.figure.savefig(tmp, format="png", dpi=110)
    return path.name


def analyze_network(
    dbn: Any,
    samples: Any,
    out_dir: str | Path,
    *,
    n_surrogates: int = 200,
    n_samples: int = ANALYSIS_SAMPLES,
    random_state: RandomState = 0,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Measure whether ``dbn`` does block-spin RG on ``samples``; write figures and return the metrics.

    Parameters
    ----------
    dbn : DeepBeliefNetwork
        Fitted network whose visible layer is the ``L x L`` lattice of ``samples``.
    samples : SampleSet
        The ensemble (it is also the data the network saw, or held-out data from the same ensemble).
    out_dir : path
        Directory for the PNG figures (created if needed; files are replaced atomically).
    n_surrogates : int, default 200
        Null fields per unit for the locality z-scores.
    n_samples : int, default ANALYSIS_SAMPLES
        Configurations used for flows and block matching.
    random_state : None, int, SeedSequence or Generator
        Seeds nulls, tie breaks and sampled hidden states.
    progress : callable, optional
        ``progress(message, step, n_steps)`` before each step (``step`` counts from 0).

    Returns
    -------
    dict
        JSON-able metrics: ``layers`` (one entry per hidden layer with ``is_local``, ``z``,
        ``radius_of_gyration``, ``fitted_block_size``, ``equivalent_block_size``,
        ``block_match`` and the full ``locality`` summary), ``scale_growth``, ``flows``
        and ``figures`` (file names by figure).
    """
    from deeprg.plots import (
        plot_block_correlation,
        plot_configurations,
        plot_fields,
        plot_flows,
        plot_learning_curves,
        plot_locality,
        plot_reconstructions,
        plot_scale_growth,
    )
    from deeprg.rg import (
        block_spin_flow,
        circular_centroid,
        compare_flows,
        dbn_flow,
        hidden_block_correlation,
        locality_scores,
        receptive_fields,
        scale_growth,
    )

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_steps = 2 + 2 * len(dbn.layers_)  # the calls of say() below
    steps = iter(range(n_steps))

    def say(message: str) -> None:
        if progress is not None:
            progress(message, next(steps, n_steps - 1), n_steps)

    L = samples.L
    if dbn.n_features_in_ != L * L:
        raise InvalidParameterError(
            f"the network has {dbn.n_features_in_} visible units but the ensemble is {L}x{L}; "
            "analyze a network with the ensemble it was trained on."
        )
    rng = check_random_state(random_state)
    streams = iter(spawn(rng, 4 * len(dbn.layers_) + 4))
    # evenly strided, so the subset is still a chain whose autocorrelation the error bars measure
    stride = max(1, samples.n_samples // n_samples)
    spins = samples.spins[::stride][:n_samples]
    bits = (spins.reshape(len(spins), -1) > 0).astype(np.float64)
    figures: dict[str, str] = {}

    say("weights and training curves")
    first = np.asarray(dbn.layers_[0].components_).reshape(-1, L, L)
    figures["weights"] = _save(plot_fields(first, title="layer 1 weights"), out / "weights.png")
    histories = {f"layer {k + 1}": getattr(layer, "history_", {}) for k, layer in enumerate(dbn.layers_)}
    if any(histories.values()):
        figures["learning_curves"] = _save(plot_learning_curves(histories), out / "learning_curves.png")
    figures["configurations"] = _save(plot_configurations(spins), out / "configurations.png")
    recon = {f"layer {k}": dbn.reconstruct(bits[:8], layer=k).reshape(-1, L, L) for k in range(1, len(dbn.layers_) + 1)}
    figures["reconstructions"] = _save(plot_reconstructions(spins[:8], recon), out / "reconstructions.png")

    layers, reports, positions = [], [], []
    for k in range(1, len(dbn.layers_) + 1):
        say(f"layer {k}: receptive fields and locality")
        fields = receptive_fields(dbn, k, (L, L))
        report = locality_scores(fields, n_surrogates=n_surrogates, null="both", random_state=next(streams))
        reports.append(report)
        positions.append(circular_centroid(fields))
        figures[f"receptive_fields_layer{k}"] = _save(
            plot_fields(fields, title=f"layer {k} receptive fields"), out / f"receptive_fields_layer{k}.png")
        figures[f"locality_layer{k}"] = _save(
            plot_locality(report, title=f"layer {k}: {'local' if report.is_local else 'not local'}"),
            out / f"locality_layer{k}.png")
        say(f"layer {k}: hidden units against block spins")
        try:
            match = hidden_block_correlation(dbn, spins, k, random_state=next(streams))
            figures[f"block_correlation_layer{k}"] = _save(plot_block_correlation(match), out / f"block_correlation_layer{k}.png")
            match_summary: dict[str, Any] | None = match.summary()
        except InvalidParameterError as exc:  # a layer whose units do not tile the lattice into blocks
            logger.info("layer %d: no block matching (%s)", k, exc)
            match_summary = None
        summary = report.summary()
        layers.append({
            "layer": k,
            "n_units": int(fields.shape[0]),
            "is_local": bool(report.is_local),
            "z": summary["median_z"],
            "radius_of_gyration": summary["median_radius_of_gyration"],
            "fitted_block_size": summary["median_fitted_block_size"],
            "equivalent_block_size": summary["median_equivalent_block_size"],
            "block_match": match_summary,
            "locality": summary,
        })

    say("scale growth and flows")
    growth = scale_growth(reports)
    figures["scale_growth"] = _save(plot_scale_growth(growth), out / "scale_growth.png")
    block_flow = block_spin_flow(spins, block_sizes=_flow_block_sizes(dbn, L), random_state=next(streams))
    network_flow = dbn_flow(dbn, spins, (L, L), positions_by_layer=positions, random_state=next(streams))
    flows = compare_flows(block_flow, network_flow)
    for observable in ("binder_cumulant", "abs_magnetization", "nn_correlation"):
        figures[f"flow_{observable}"] = _save(plot_flows(flows, observable), out / f"flow_{observable}.png")

    metrics = {
        "metrics_version": METRICS_VERSION,
        "lattice": L,
        "beta": samples.beta,
        "n_samples_analyzed": int(len(spins)),
        "n_surrogates": n_surrogates,
        "layers": layers,
        "scale_growth": growth,
        "flows": flows,
        "figures": figures,
    }
    json.dumps(metrics, allow_nan=False)  # fail here, not in the writer, if anything is not plain JSON
    return metrics


def write_metrics(metrics: dict[str, Any], path: str | Path) -> Path:
    """Write ``metrics`` as indented JSON, atomically."""
    path = Path(path)
    with atomic_path(path, overwrite=True) as tmp:
        tmp.write_text(json.dumps(metrics, indent=2, allow_nan=False, sort_keys=False))
    return path
