"""Every figure of the report and of ``deeprg analyze``, drawn in one place.

:func:`network_figures` draws one network's figures from its
:class:`~deeprg.experiment.analysis.NetworkAnalysis` into PNG files; :func:`training_figure`
and :func:`scan_figure` draw the learning curves and the L1 scan. The drawing of single panels
lives in :mod:`deeprg.plots`; this module composes them and writes the files.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from deeprg.io import atomic_path

__all__ = ["network_figures", "png_uri", "scan_figure", "training_figure"]

#: Flow observables drawn, one figure each.
FLOW_OBSERVABLES = ("binder_cumulant", "abs_magnetization", "nn_correlation")


def png_uri(figure: Any) -> str:
    """``figure`` as a base64 PNG ``data:`` URI (for the self-contained HTML report)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _save(figure: Any, path: Path) -> str:
    with atomic_path(path, overwrite=True) as tmp:
        figure.savefig(tmp, format="png", dpi=110)
    return path.name


def training_figure(histories: Mapping[str, Any]) -> Any | None:
    """Learning curves, one per layer: pseudo-likelihood on the training and held-out data, the free-energy gap
    (held-out minus training: it grows when a model overfits) and the reconstruction error (None without histories)."""
    from matplotlib.figure import Figure

    from deeprg.plots import plot_learning_curves

    histories = {str(k): v for k, v in histories.items() if isinstance(v, Mapping)}
    names = ("pseudo_likelihood", "pseudo_likelihood_val", "free_energy_gap", "reconstruction_error")
    metrics = [m for m in names if any(h.get(m) for h in histories.values())]
    if not metrics:
        return None
    figure = Figure(figsize=(4.2 * len(metrics), 3.2), layout="constrained")
    for ax, metric in zip(figure.subplots(1, len(metrics), squeeze=False)[0], metrics, strict=True):
        plot_learning_curves(histories, metric, ax=ax)
    return figure


def scan_figure(rows: Sequence[Mapping[str, Any]]) -> Any | None:
    """Locality against both nulls and pseudo-likelihood against the L1 strength (None for fewer than two strengths)."""
    from matplotlib.figure import Figure

    from deeprg.plots import plot_locality_scan

    rows = [row for row in rows if isinstance(row.get("l1"), (int, float)) and row["l1"] > 0]
    if len(rows) < 2:
        return None
    ax = Figure(figsize=(5.5, 3.6), layout="constrained").add_subplot()
    plot_locality_scan(sorted(rows, key=lambda row: row["l1"]), ax=ax)
    return ax.figure


def network_figures(analysis: Any, out_dir: str | Path) -> dict[str, str]:
    """Draw one network's figures into ``out_dir`` as PNG files.

    Parameters
    ----------
    analysis : deeprg.experiment.analysis.NetworkAnalysis
        The measurements of the network.
    out_dir : path
        Directory of the files (created if needed; files are replaced atomically).

    Returns
    -------
    dict of str to str
        File name by figure name (``weights``, ``learning_curves`` when there are training
        histories, ``configurations``, ``reconstructions``, per layer ``receptive_fields_layer{k}``,
        ``locality_layer{k}`` and ``block_correlation_layer{k}`` (where the units tile the lattice),
        ``scale_growth`` and ``flow_{observable}``).
    """
    from deeprg.plots import (
        plot_block_correlation,
        plot_configurations,
        plot_fields,
        plot_flows,
        plot_locality,
        plot_reconstructions,
        plot_scale_growth,
    )

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    metrics = analysis.metrics
    figures = {"weights": _save(plot_fields(analysis.first_weights, title="layer 1 weights").figure, out / "weights.png")}
    curves = training_figure(analysis.histories)
    if curves is not None:
        figures["learning_curves"] = _save(curves, out / "learning_curves.png")
    figures["configurations"] = _save(plot_configurations(analysis.spins).figure, out / "configurations.png")
    figures["reconstructions"] = _save(plot_reconstructions(analysis.spins[:8], analysis.reconstructions).figure,
                                       out / "reconstructions.png")
    for layer, fields, report, match in zip(metrics.layers, analysis.fields, analysis.locality, analysis.matches,
                                            strict=True):
        k = layer.layer
        figures[f"receptive_fields_layer{k}"] = _save(plot_fields(fields, title=f"layer {k} receptive fields").figure,
                                                      out / f"receptive_fields_layer{k}.png")
        title = f"layer {k}: {'local' if layer.is_local else 'not local'}"
        figures[f"locality_layer{k}"] = _save(plot_locality(report, title=title).figure, out / f"locality_layer{k}.png")
        if match is not None:
            figures[f"block_correlation_layer{k}"] = _save(plot_block_correlation(match).figure,
                                                           out / f"block_correlation_layer{k}.png")
    figures["scale_growth"] = _save(plot_scale_growth(metrics.scale_growth.to_dict()).figure, out / "scale_growth.png")
    for observable in FLOW_OBSERVABLES:
        figures[f"flow_{observable}"] = _save(plot_flows(metrics.flows.to_dict(), observable).figure,
                                              out / f"flow_{observable}.png")
    return figures
