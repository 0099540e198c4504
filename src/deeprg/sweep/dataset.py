"""``sweep.nc``: every cell's verdict scalars in one xarray Dataset, one dimension per axis.

Dimensions: one per axis of a grid (named :attr:`deeprg.sweep.SweepSpec.dims`, coordinates the axis
values) or ``point`` for explicit points (each axis a coordinate along it), then ``variant`` and
``layer``. Per layer, the numbers the verdict's rules (:mod:`deeprg.report.rules`) read; per
network, the verdict's judgement of it (:class:`deeprg.report.verdict.Judgement`); per cell, its
status, error and time. Booleans are stored as 1.0 / 0.0 and undetermined values as NaN. The
attributes hold the sweep file (``sweep_toml``) and its axes (``axes_json``).

The time per cell (``seconds``) is the only variable that differs between two runs of the same sweep.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from deeprg import __version__
from deeprg.io import atomic_path
from deeprg.sweep.executor import CellResult
from deeprg.sweep.spec import SweepSpec

__all__ = ["LAYER_VARIABLES", "NETWORK_VARIABLES", "TIMING_VARIABLES", "sweep_dataset", "write_dataset"]

#: Variables that measure time, not physics: they differ between runs.
TIMING_VARIABLES = ("seconds",)


def _flag(value: bool | None) -> float:
    return math.nan if value is None else float(bool(value))


def _num(value: Any) -> float:
    return math.nan if value is None else float(value)


def _last(history: dict[str, list[float]] | None, key: str) -> float:
    values = (history or {}).get(key) or []
    return float(values[-1]) if values else math.nan


def _layer_variables() -> dict[str, tuple[str, Callable[[Any, Any], float]]]:
    from deeprg.report import rules

    return {
        "is_local": ("compact: the verdict's locality (1 local, 0 not)", lambda la, n: _flag(la.is_local)),
        "locality": ("1 local, 0 spread, NaN undetermined (the interval straddles the threshold)",
                     lambda la, n: _flag(rules.layer_locality(la))),
        "compactness": ("median compactness E* of the units", lambda la, n: _num(la.compactness.median_compactness)),
        "compactness_low": ("95% interval of the median compactness, lower end",
                            lambda la, n: _num(la.compactness.median_compactness_interval[0])),
        "compactness_high": ("95% interval of the median compactness, upper end",
                             lambda la, n: _num(la.compactness.median_compactness_interval[1])),
        "fraction_compact": ("fraction of compact units", lambda la, n: _num(la.compactness.fraction_compact)),
        "scale": ("median scale b* of the receptive fields (lattice spacings)",
                  lambda la, n: _num(la.compactness.median_scale)),
        "z": ("median locality z-score (primary null)", lambda la, n: _num(la.z)),
        "z_significance": ("median z against the smoothness-preserving null",
                           lambda la, n: _num(rules.significance_z(la))),
        "radius_of_gyration": ("median radius of gyration", lambda la, n: _num(la.radius_of_gyration)),
        "fitted_block_size": ("median fitted block size", lambda la, n: _num(la.fitted_block_size)),
        "own_block_fraction": ("block-match specificity: fraction of units best matched to their own block",
                               lambda la, n: _num(la.own_block_fraction)),
        "block_specificity": ("median specificity of the best block match",
                              lambda la, n: _num(la.block_match.median_specificity if la.block_match else None)),
        "flow_difference": ("nearest-neighbour correlation: layer minus block spins of its size",
                            lambda la, n: _num(la.level.difference if la.level else None)),
        "flow_error": ("error of flow_difference", lambda la, n: _num(la.level.error if la.level else None)),
        "flows_like_block_spins": ("1 when the layer agrees with block spins", lambda la, n: _flag(
            rules.layer_flows_like_block_spins(la))),
        "pseudo_likelihood": ("training pseudo-likelihood per spin, last epoch",
                              lambda la, n: _last(n.training.get(f"layer {la.layer}"), "pseudo_likelihood")),
        "pseudo_likelihood_held_out": ("held-out pseudo-likelihood per spin, last epoch",
                                       lambda la, n: _last(n.training.get(f"layer {la.layer}"),
                                                           "pseudo_likelihood_val")),
    }


def _network_variables() -> dict[str, tuple[str, Callable[[Any], Any]]]:
    from deeprg.report.verdict import Judgement

    return {
        "n_local": ("local layers", lambda n: float(Judgement.of(n).n_local)),
        "mean_scale_growth": ("geometric mean growth of b* between consecutive local layers",
                              lambda n: _num(Judgement.of(n).mean_growth)),
        "scale_grows": ("1 when the scale grows with depth", lambda n: _flag(Judgement.of(n).scale_grows)),
        "flows_like_rg": ("1 when every layer flows like block spins",
                          lambda n: _flag(Judgement.of(n).flows_like_block_spins)),
        "ordered": ("1 when the units sit on their block lattices", lambda n: _flag(Judgement.of(n).network_ordered)),
        "block_specific": ("1 when most units match their own block",
                           lambda n: _flag(Judgement.of(n).network_block_specific)),
        "same_flow": ("1 when the layers' observables flow like block spins'", lambda n: _flag(n.flows.same_flow)),
        "rg_like": ("the verdict: yes, partly, no or undetermined", lambda n: Judgement.of(n).looks_like_block_spin_rg),
    }


LAYER_VARIABLES = tuple(_layer_variables())
NETWORK_VARIABLES = tuple(_network_variables())


def sweep_dataset(spec: SweepSpec, results: Sequence[CellResult]) -> Any:
    """The results of a sweep as an :class:`xarray.Dataset` (see the module docstring).

    Parameters
    ----------
    spec : SweepSpec
    results : sequence of CellResult
        One per cell of ``spec``, in its order (:func:`deeprg.sweep.executor.run_cells`).

    Returns
    -------
    xarray.Dataset
    """
    import xarray as xr

    shape, dims = spec.shape, list(spec.dims.values()) if spec.grid else ["point"]
    variants = list(dict.fromkeys(v for c in spec.cells for v in c.config.network.variants))
    n_layers = max(len(c.config.network.layers) for c in spec.cells)
    per_layer = {k: np.full((*shape, len(variants), n_layers), np.nan) for k in LAYER_VARIABLES}
    per_net: dict[str, np.ndarray] = {k: np.full((*shape, len(variants)), np.nan) for k in NETWORK_VARIABLES}
    per_net["rg_like"] = np.full((*shape, len(variants)), "", dtype=object)
    status, error, stage = (np.full(shape, "", dtype=object) for _ in range(3))
    seconds = np.full(shape, np.nan)
    layer_fns, net_fns = _layer_variables(), _network_variables()
    for result in results:
        at = result.cell.index
        status[at], seconds[at] = result.status, result.seconds
        if result.status != "ok":
            error[at] = f"{result.error_type}: {result.error_message}"
            stage[at] = result.failed_stage or ""
        for v, network in result.metrics.items():
            where = (*at, variants.index(v))
            for name, (_, fn) in net_fns.items():
                per_net[name][where] = fn(network)
            for layer in network.layers:
                for name, (_, fn) in layer_fns.items():
                    per_layer[name][(*where, layer.layer - 1)] = fn(layer, network)
    coords: dict[str, Any] = {"variant": variants, "layer": np.arange(1, n_layers + 1)}
    if spec.grid:
        coords |= {dims[i]: _axis(values) for i, values in enumerate(spec.axes.values())}
    else:
        coords |= {name: ("point", _axis(spec.axes[key])) for key, name in spec.dims.items()}
    data = {k: ((*dims, "variant", "layer"), a, {"long_name": layer_fns[k][0]}) for k, a in per_layer.items()}
    data |= {k: ((*dims, "variant"), a.astype(str) if k == "rg_like" else a, {"long_name": net_fns[k][0]})
             for k, a in per_net.items()}
    data |= {"status": (dims, status.astype(str), {"long_name": "ok or failed"}),
             "error": (dims, error.astype(str), {"long_name": "the failed stage's exception (type: message)"}),
             "failed_stage": (dims, stage.astype(str), {"long_name": "the first stage of the cell that failed"}),
             "seconds": (dims, seconds, {"long_name": "compute time of the cell's stages", "units": "s"})}
    attrs = {"format": "deeprg-sweep", "format_version": 1, "deeprg_version": __version__, "name": spec.name,
             "sweep_toml": spec.text, "axes_json": json.dumps(spec.axes), "grid": int(spec.grid),
             "quick": int(spec.quick), "base_config_json": spec.base.to_json(indent=None)}
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _axis(values: Sequence[Any]) -> np.ndarray:
    """Axis values as an array; values that are not scalars (lists) become their JSON text."""
    if all(isinstance(v, (int, float, str, bool)) for v in values):
        return np.asarray(values)
    return np.asarray([json.dumps(v) for v in values])


def write_dataset(dataset: Any, path: str | Path) -> Path:
    """Write ``dataset`` as netCDF (h5netcdf), atomically.

    Parameters
    ----------
    dataset : xarray.Dataset
        :func:`sweep_dataset`.
    path : path
        The file (``sweep.nc``); replaced if it exists.

    Returns
    -------
    Path
    """
    path = Path(path)
    with atomic_path(path, overwrite=True) as tmp:
        dataset.to_netcdf(tmp, engine="h5netcdf")
    return path
