"""One self-contained HTML report: the verdict up front, then the evidence, then the provenance.

The report reads like a short paper, in the order of the experiment: verdict, data,
training, weights and receptive fields, locality and flows, the exact 1D checks,
provenance. Every figure is embedded as a base64 PNG ``data:`` URI and the CSS is inline:
the file has no external resources and needs no JavaScript, so it can be mailed, archived
or opened offline.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import logging
import math
import os
import platform
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Union

from deeprg.errors import InvalidParameterError
from deeprg.io import atomic_path
from deeprg.report._words import sentence
from deeprg.report.figures import png_uri, scan_figure, training_figure
from deeprg.report.verdict import verdict as make_verdict
from deeprg.rg import COMPACTNESS_THRESHOLD
from deeprg.rg.controls import MEASURES

__all__ = ["render_report"]

logger = logging.getLogger(__name__)

_TEMPLATES = Path(__file__).parent / "templates"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: Packages whose versions the provenance section lists.
_PACKAGES = ("deeprg", "numpy", "scipy", "numba", "scikit-learn", "matplotlib", "xarray", "h5netcdf", "jinja2")

#: Where the figures of a variant are: its analysis directory, or explicit paths by figure name.
FigureSource = Union[str, os.PathLike, Mapping[str, Union[str, os.PathLike]]]

_CAPTIONS = {
    "configurations": "Example configurations of the ensemble the networks were trained on.",
    "weights": "Layer-1 weights, one L x L image per hidden unit (the picture of Mehta & Schwab's Fig. 5).",
    "reconstructions": "Configurations (top) and their reconstructions down from each layer.",
    "learning_curves": "Pseudo-likelihood per spin against the epoch, one curve per layer.",
    "scale_growth": "Median scale of the receptive fields per layer: radius of gyration, equivalent and fitted block size.",
    "flow_nn_correlation": "Nearest-neighbour correlation along the block-spin flow and the network's layers "
                           "(the overall flow direction is read from this one).",
    "flow_binder_cumulant": "Binder cumulant along both flows (labels the phase the flow ends in).",
    "flow_abs_magnetization": "|m| along both flows.",
}


# ---------------------------------------------------------------------- figures
def _read_png(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        logger.warning("report: figure %s is missing (%s); it is left out", path, exc.strerror or exc)
        return None
    if not data.startswith(_PNG_SIGNATURE):
        logger.warning("report: %s is not a PNG file; it is left out", path)
        return None
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _collect_figures(variants: Mapping[str, Any], sources: Mapping[str, FigureSource] | None) -> dict[str, dict[str, str]]:
    """``{variant: {figure name: data URI}}`` for every figure that exists."""
    sources = sources or {}
    unknown = set(sources) - set(variants)
    if unknown:
        raise InvalidParameterError(
            f"figures were given for {sorted(unknown)}, which are not variants of the metrics "
            f"({sorted(variants)}); pass figures by the variant names of metrics['variants']."
        )
    out: dict[str, dict[str, str]] = {}
    for name, m in variants.items():
        source = sources.get(name)
        if source is None:
            out[name] = {}
            continue
        if isinstance(source, Mapping):
            paths = {str(k): Path(v) for k, v in source.items()}
        else:
            directory = Path(source)
            paths = {str(k): directory / str(v) for k, v in ((m or {}).get("figures") or {}).items()}
        out[name] = {k: uri for k, path in paths.items() if (uri := _read_png(path)) is not None}
    return out


# ---------------------------------------------------------------------- formatting filters
def _format_number(x: Any, digits: int = 3) -> str:
    if x is None or isinstance(x, bool):
        return "–" if x is None else ("yes" if x else "no")
    try:
        value = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not math.isfinite(value):
        return "–"
    if value != 0 and (abs(value) < 10 ** -(digits) or abs(value) >= 1e6):
        return f"{value:.{max(1, digits - 1)}e}"
    return f"{value:.{digits}f}"


def _estimate(entry: Any, digits: int = 4) -> str:
    if isinstance(entry, Mapping):
        mean, error = entry.get("mean"), entry.get("error")
        return _format_number(mean, digits) + (f" ± {_format_number(error, digits)}" if error is not None else "")
    return _format_number(entry, digits)


def _size(x: Any) -> str:
    if x is None:
        return "–"
    value = float(x)
    return str(int(round(value))) if abs(value - round(value)) < 1e-9 else f"{value:.1f}"


def _json(x: Any) -> str:
    return json.dumps(x, indent=2, sort_keys=False, default=str)


# ---------------------------------------------------------------------- sections
def _layer_rows(v: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, variant in v["variants"].items():
        for statement in variant["layers"]:
            n = statement["numbers"]
            rows.append({"variant": name, "layer": statement.get("layer"), "status": statement["status"],
                         "text": statement["text"], "interval": n.get("compactness_interval") or [None, None],
                         **{key: n.get(key) for key in ("n_units", "compactness", "scale", "matching_block_size",
                                                        "median_z", "rms_displacement", "own_block_fraction",
                                                        "level")}})
    return rows


def _figure_grid(
    names: Sequence[str], figures: Mapping[str, Mapping[str, str]], labels: Mapping[str, str], captions: Mapping[str, str]
) -> list[dict]:
    """Rows of ``{"name", "label", "caption", "cells": [uri or None per variant]}`` with at least one figure."""
    rows = []
    for name in names:
        cells = [figures[v].get(name) for v in figures]
        if any(cells):
            rows.append({"name": name, "label": labels.get(name, name.replace("_", " ")),
                         "caption": captions.get(name, ""), "cells": cells})
    return rows


_GOOD = {"local", "yes", "grows", "like block-spin RG", "agrees", "exact", "decreases", "becomes local",
         "local at the weakest", "measured", "passed", "generalizes"}
_MIXED = {"mixed", "partly", "correlated", "unstable across seeds"}
_BAD = {"not local", "no", "does not grow", "unlike block-spin RG", "disagrees", "not exact", "does not decrease",
        "never local", "failed", "overfits"}


def _status_class(status: Any) -> str:
    """CSS class of a verdict status word."""
    if status in _GOOD:
        return "good"
    if status in _MIXED:
        return "mixed"
    if status in _BAD:
        return "bad"
    return "undetermined"


def _ensemble_rows(ens: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    labels = {"energy_per_site": "energy per site", "specific_heat": "specific heat per site",
              "abs_magnetization": "⟨|m|⟩", "magnetization_squared": "⟨m²⟩",
              "binder_cumulant": "Binder cumulant U4", "susceptibility": "susceptibility"}
    for key, label in labels.items():
        entry = ens.get(key)
        if entry is None:
            continue
        exact = ens.get(f"exact_{key}")
        mean = entry.get("mean") if isinstance(entry, Mapping) else entry
        error = entry.get("error") if isinstance(entry, Mapping) else None
        deviation = abs(mean - exact) / error if (exact is not None and mean is not None and error) else None
        rows.append({"label": label, "estimate": _estimate(entry, 5), "exact": exact, "deviation": deviation,
                     "tau": entry.get("tau") if isinstance(entry, Mapping) else None})
    return rows


def _environment() -> dict[str, str]:
    versions = {}
    for package in _PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _provenance(metrics: Mapping[str, Any], provenance: Mapping[str, Any] | None) -> dict[str, Any]:
    prov = dict(provenance or {})
    config = prov.pop("config", metrics.get("config"))
    timings = prov.pop("timings", metrics.get("timings")) or {}
    facts = {
        "deeprg version": prov.pop("deeprg_version", metrics.get("deeprg_version")),
        "python": prov.pop("python", platform.python_version()),
        "machine": prov.pop("machine", f"{platform.machine()} {platform.system()}"),
        "seed": prov.pop("seed", (config or {}).get("seed") if isinstance(config, Mapping) else None),
    }
    facts.update({str(k).replace("_", " "): v if isinstance(v, (str, int, float)) else _json(v) for k, v in prov.items()})
    return {
        "facts": {k: v for k, v in facts.items() if v is not None},
        "versions": _environment(),
        "timings": timings if isinstance(timings, Mapping) else {},
        "total_seconds": sum(float(t) for t in timings.values()) if isinstance(timings, Mapping) and timings else None,
        "config_json": _json(config) if config is not None else None,
        "created": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
    }


def _environment_jinja() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=_format_number, estimate=_estimate, size=_size, tojson_pretty=_json, status_class=_status_class,
                       sentence=sentence)
    return env


def _layer_captions(variants: Mapping[str, Any]) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """The per-layer figure names, their labels and their captions."""
    n_layers = max((len((m or {}).get("layers") or []) for m in variants.values()), default=0)
    layers = range(1, n_layers + 1)
    labels = {f"receptive_fields_layer{k}": f"layer {k} receptive fields" for k in layers}
    labels |= {f"locality_layer{k}": f"layer {k} locality vs null" for k in layers}
    labels |= {f"block_correlation_layer{k}": f"layer {k} vs block spins" for k in layers}
    captions = dict(_CAPTIONS)
    captions |= {f"receptive_fields_layer{k}": f"Receptive fields of layer {k}: the columns of W1...W{k} as L x L images."
                 for k in layers}
    captions |= {f"locality_layer{k}": f"Layer {k}: each unit's locality z-score against the nulls." for k in layers}
    captions |= {f"block_correlation_layer{k}": f"Layer {k}: each unit's best |correlation| with a block spin, "
                                                "against a shuffled null." for k in layers}
    return [f"receptive_fields_layer{k}" for k in layers], labels, captions


# ---------------------------------------------------------------------- entry point
def _mcrg_rows(mcrg: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Rows of the eigenvalue table: block spins per level, then each network's layers (``deeprg.experiment.mcrg``)."""
    if not mcrg:
        return []

    def pm(value: Any, error: Any, digits: int) -> str:
        return "–" if value is None else f"{_format_number(value, digits)} ± {_format_number(error, digits)}"

    fits = mcrg.get("block_spin_couplings") or []
    n_ops = len((fits[0] or {}).get("operators", [])) if fits and fits[0] else 3

    def couplings(fit: Any) -> list[str]:
        if not fit:
            return ["–"] * n_ops
        return [pm(k, e, 3) for k, e in zip(fit["couplings"], fit["errors"], strict=True)]

    rows = [{"source": "block spins", "kind": "block", "level": 0, "lattice": mcrg.get("lattice"), "y_t": "", "y_h": "",
             "couplings": couplings(fits[0] if fits else None), "note": "the lattice"}]
    for e in mcrg.get("block_spins", []):
        fit = fits[e["level"]] if e["level"] < len(fits) else None
        rows.append({"source": "block spins", "kind": "block", "level": e["level"], "lattice": e["coarse_lattice"],
                     "y_t": pm(e["y_t"], e["y_t_error"], 3), "y_h": pm(e["y_h"], e["y_h_error"], 4),
                     "couplings": couplings(fit), "note": ""})
    for net in mcrg.get("networks", []):
        kind = net["kind"] if net.get("expected") is None else f"control ({'RG' if net['expected'] else 'not RG'})"
        for layer in net["layers"]:
            e = layer.get("eigenvalues")
            rows.append({"source": net["name"], "kind": kind, "level": layer["layer"],
                         "lattice": e["coarse_lattice"] if e else "–",
                         "y_t": pm(e["y_t"], e["y_t_error"], 3) if e else "–",
                         "y_h": pm(e["y_h"], e["y_h_error"], 4) if e else "–",
                         "couplings": couplings(layer.get("couplings")),
                         "note": "" if layer.get("placed") else f"no lattice ({layer.get('cause')}): {layer.get('reason')}"})
    return rows


def _training_figures(variants: Mapping[str, Any], figs: Mapping[str, Mapping[str, str]]) -> dict[str, str | None]:
    """Each variant's learning curves: its own PNG, or drawn from its histories (None without either)."""
    out = {}
    for name, m in variants.items():
        drawn = training_figure(m.get("training") or {}) if isinstance(m, Mapping) else None
        out[name] = figs[name].get("learning_curves") or (png_uri(drawn) if drawn is not None else None)
    return out


def render_report(
    metrics: Mapping[str, Any],
    figures: Mapping[str, FigureSource] | None,
    out_path: str | os.PathLike[str],
    *,
    provenance: Mapping[str, Any] | None = None,
    title: str = "deeprg: does a deep belief network do block-spin RG?",
    overwrite: bool = True,
) -> Path:
    """Write the experiment report as one self-contained HTML file.

    Parameters
    ----------
    metrics : dict
        Experiment metrics (see :func:`deeprg.report.verdict`): ``"variants"`` (required),
        and optionally ``"ensemble"``, ``"scan"``, ``"exact_1d"``, ``"verdict"`` (computed
        when absent), ``"config"``, ``"timings"``. Sections whose data are missing are left out.
    figures : dict or None
        Per variant, the directory holding the PNG files named in
        ``metrics["variants"][variant]["figures"]`` (the analysis output directory), or a
        mapping of figure name to PNG path. Missing files are left out with a logged warning.
    out_path : path
        The HTML file to write (atomically).
    provenance : dict, optional
        ``deeprg_version``, ``python``, ``machine``, ``seed``, ``config`` (the resolved
        configuration), ``timings`` (seconds by stage) and any other key, shown as is.
        Package versions and the creation time are added.
    title : str
        Title of the page.
    overwrite : bool, default True
        Replace an existing file at ``out_path``.

    Returns
    -------
    Path
        ``out_path``.
    """
    variants = metrics.get("variants") if isinstance(metrics, Mapping) else None
    if not isinstance(variants, Mapping):
        raise InvalidParameterError(
            "metrics must be a dict with 'variants': {name: metrics of deeprg.experiment.analysis.analyze_network}; "
            f"got {type(metrics).__name__} without it."
        )
    v = metrics.get("verdict")
    if not (isinstance(v, Mapping) and "headline" in v and "variants" in v):
        v = make_verdict(metrics)
    figs = _collect_figures(variants, figures)
    names = list(variants)

    training_figures = _training_figures(variants, figs)
    scan = metrics.get("scan") or None
    drawn_scan = scan_figure(scan) if scan else None

    layer_figures, labels, captions = _layer_captions(variants)
    configurations = next((figs[n]["configurations"] for n in names if figs[n].get("configurations")), None)

    ensemble = metrics.get("ensemble") or None
    exact_1d = metrics.get("exact_1d") or None
    flows = {name: (m or {}).get("flows") for name, m in variants.items() if (m or {}).get("flows")}
    context = {
        "title": title,
        "variants": names,
        "verdict": v,
        "layer_rows": _layer_rows(v),
        "calibration_measures": MEASURES,
        "compactness_threshold": COMPACTNESS_THRESHOLD,
        "ensemble": ensemble,
        "ensemble_rows": _ensemble_rows(ensemble) if ensemble else [],
        "configurations": configurations,
        "configurations_caption": captions["configurations"],
        "training_figures": training_figures if any(training_figures.values()) else None,
        "training_tables": {n: v["variants"][n].get("training") for n in names if v["variants"][n].get("training")},
        "weights_grid": _figure_grid(["weights", *layer_figures, "reconstructions"], figs, labels, captions),
        "locality_grid": _figure_grid(
            [f"{kind}_layer{k}" for k in range(1, len(layer_figures) + 1) for kind in ("locality", "block_correlation")],
            figs, labels, captions),
        "flow_grid": _figure_grid(["flow_nn_correlation", "flow_binder_cumulant", "flow_abs_magnetization",
                                   "scale_growth"], figs, {}, captions),
        "flows": flows,
        "scan": scan,
        "scan_figure": png_uri(drawn_scan) if drawn_scan is not None else None,
        "exact_1d": exact_1d,
        "mcrg": metrics.get("mcrg") or None,
        "mcrg_rows": _mcrg_rows(metrics.get("mcrg")),
        "provenance": _provenance(metrics, provenance),
    }
    html = _environment_jinja().get_template("report.html.j2").render(**context)
    out = Path(out_path)
    with atomic_path(out, overwrite=overwrite) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return out
