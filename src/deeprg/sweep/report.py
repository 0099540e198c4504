"""``sweep.html``: the sweep's figures and tables in one self-contained page (inline PNGs, inline CSS, no scripts).

Drawn from ``sweep.nc`` alone (:func:`deeprg.sweep.dataset.sweep_dataset`):

- locality of each layer (median compactness E*) against the two swept axes that matter most,
  the penalty strength (x) and the temperature (y) when both are swept, averaged over every other
  axis (seeds), with the spread over those printed in each cell and how many of them are local;
- the scale b* against depth, one line per temperature (mean and spread over the other axes);
- where the verdict says RG-like (yes 2, partly 1, no 0), on the same axes as the locality map;
- every cell that failed, with its error.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import numpy as np

from deeprg.io import atomic_path
from deeprg.report.figures import png_uri
from deeprg.report.html import _format_number

__all__ = ["render_sweep_report"]

_RG_CODES = {"yes": 2.0, "partly": 1.0, "no": 0.0}
_STYLE = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
          "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:90%}"
          "th{background:#f4f4f4}.failed{color:#a00}figure{margin:1em 0}figcaption{color:#555;font-size:90%}")


def _axes_of(ds: Any) -> tuple[str | None, str | None]:
    """(x, y) dimension names of the maps: the penalty strength and the temperature when swept."""
    dims = [d for d in ds.status.dims]
    temperature = next((d for d in dims if d in ("beta", "ensemble_beta")), None)
    strength = next((d for d in dims if d in ("strength", "network_strength")), None)
    rest = [d for d in dims if d not in (temperature, strength) and ds.sizes[d] > 1]
    x = strength or (rest.pop(0) if rest else None)
    y = temperature or (rest.pop(0) if rest else None)
    return x, y


def _reduce(da: Any, keep: list[str]) -> tuple[Any, Any]:
    """Mean and standard deviation over every dimension not in ``keep`` (NaN ignored)."""
    others = [d for d in da.dims if d not in keep]
    return da.mean(dim=others, skipna=True), da.std(dim=others, skipna=True)


def _heat_map(ds: Any, values: Any, local: Any, x: str, y: str | None, title: str, label: str) -> Any:
    from matplotlib.figure import Figure

    keep = [d for d in (y, x) if d]
    mean, spread = _reduce(values, keep)
    n_local = local.sum(dim=[d for d in local.dims if d not in keep], skipna=True) if local is not None else None
    n_all = values.notnull().sum(dim=[d for d in values.dims if d not in keep])
    grid = mean.transpose(*keep).values.reshape(len(ds[y]) if y else 1, len(ds[x]))
    figure = Figure(figsize=(1.6 + 1.3 * len(ds[x]), 1.4 + 0.9 * grid.shape[0]), layout="constrained")
    ax = figure.subplots()
    image = ax.imshow(np.ma.masked_invalid(grid), origin="lower", aspect="auto", cmap="viridis")
    figure.colorbar(image, ax=ax, label=label)
    sd = spread.transpose(*keep).values.reshape(grid.shape)
    counts = n_all.transpose(*keep).values.reshape(grid.shape)
    hits = n_local.transpose(*keep).values.reshape(grid.shape) if n_local is not None else None
    for (i, j), value in np.ndenumerate(grid):
        text = "failed" if not math.isfinite(value) else f"{value:.2f}\n± {sd[i, j]:.2f}" if counts[i, j] > 1 \
            else f"{value:.2f}"
        if hits is not None and counts[i, j]:
            text += f"\n{int(hits[i, j])}/{int(counts[i, j])} local"
        ax.text(j, i, text, ha="center", va="center", fontsize=8, color="w")
    ax.set_xticks(range(len(ds[x])), [f"{v:g}" if isinstance(v, float) else str(v) for v in ds[x].values])
    ax.set_xlabel(x)
    if y:
        ax.set_yticks(range(len(ds[y])), [f"{v:g}" if isinstance(v, float) else str(v) for v in ds[y].values])
        ax.set_ylabel(y)
    else:
        ax.set_yticks([])
    ax.set_title(title, fontsize=10)
    return figure


def _scale_figure(ds: Any, variant: str, y: str | None) -> Any:
    from matplotlib.figure import Figure

    scale = ds.scale.sel(variant=variant)
    figure = Figure(figsize=(5.5, 3.6), layout="constrained")
    ax = figure.subplots()
    for value in (ds[y].values if y else [None]):
        da = scale.sel({y: value}) if y else scale
        mean, spread = _reduce(da, ["layer"])
        ax.errorbar(ds.layer.values, mean.values, yerr=np.nan_to_num(spread.values), marker="o", capsize=3,
                    label=f"{y} = {value:g}" if y else None)
    ax.set_xlabel("layer")
    ax.set_ylabel("median scale b* (lattice spacings)")
    ax.set_xticks(ds.layer.values)
    ax.set_title(f"{variant}: scale against depth", fontsize=10)
    if y:
        ax.legend(fontsize=8)
    return figure


def _figure(figure: Any, caption: str) -> str:
    return f'<figure><img src="{png_uri(figure)}" alt="{html.escape(caption)}"><figcaption>{html.escape(caption)}' \
           "</figcaption></figure>"


def _cell_rows(ds: Any) -> tuple[list[str], list[str]]:
    """Rows of the table of cells, and those of the failed cells."""
    dims = list(ds.status.dims)
    rows, failed = [], []
    for index in np.ndindex(*ds.status.shape):
        at = dict(zip(dims, index, strict=True))
        cell = ds.isel(at)
        coords = " ".join(f"{c}={_value(cell[c].values)}" for c in ds.status.coords)
        status = str(cell.status.values)
        verdicts = ", ".join(f"{v}: {cell.rg_like.sel(variant=v).values}" for v in ds.variant.values)
        local = ", ".join(f"{v}: {_format_number(cell.n_local.sel(variant=v).values, 0)}" for v in ds.variant.values)
        rows.append(f"<tr><td>{html.escape(coords)}</td><td>{status}</td><td>{html.escape(local)}</td>"
                    f"<td>{html.escape(verdicts)}</td><td>{_format_number(cell.seconds.values, 1)}</td></tr>")
        if status != "ok":
            failed.append(f'<tr class="failed"><td>{html.escape(coords)}</td><td>{html.escape(str(cell.failed_stage.values))}'
                          f"</td><td>{html.escape(str(cell.error.values))}</td></tr>")
    return rows, failed


def _value(v: Any) -> str:
    v = v.item() if hasattr(v, "item") else v
    return f"{v:g}" if isinstance(v, float) else str(v)


def render_sweep_report(dataset: Any, path: str | Path) -> Path:
    """Write the sweep's report (see the module docstring) as one self-contained HTML file, atomically.

    Parameters
    ----------
    dataset : xarray.Dataset
        :func:`deeprg.sweep.dataset.sweep_dataset` (or ``sweep.nc`` opened).
    path : path
        The HTML file.

    Returns
    -------
    Path
    """
    ds, x, y = dataset, *_axes_of(dataset)
    parts = [f"<h1>Sweep {html.escape(str(ds.attrs.get('name', '')))}</h1>",
             f"<p>{int((ds.status == 'ok').sum())} of {ds.status.size} cells finished; "
             f"deeprg {html.escape(str(ds.attrs.get('deeprg_version')))}.</p>"]
    for variant in ds.variant.values:
        parts.append(f"<h2>{html.escape(str(variant))}</h2>")
        if x is not None:
            for layer in ds.layer.values:
                sel = ds.sel(variant=variant, layer=layer)
                parts.append(_figure(_heat_map(ds, sel.compactness, sel.is_local, x, y,
                                               f"{variant}, layer {layer}: median compactness E*", "E*"),
                                     f"Locality of layer {layer} (median compactness E*; mean ± spread over the other "
                                     "axes, and how many of those cells are local)."))
            codes = ds.rg_like.sel(variant=variant).copy(data=np.vectorize(lambda s: _RG_CODES.get(s, np.nan))(
                ds.rg_like.sel(variant=variant).values).astype(float))
            parts.append(_figure(_heat_map(ds, codes, None, x, y, f"{variant}: looks like block-spin RG?",
                                           "yes 2 / partly 1 / no 0"),
                                 "Where the verdict says RG-like (2 yes, 1 partly, 0 no; mean over the other axes)."))
        parts.append(_figure(_scale_figure(ds, str(variant), y), "Median scale b* of each layer's receptive fields "
                             "(mean and spread over the other axes)."))
    rows, failed = _cell_rows(ds)
    if failed:
        parts.append("<h2>Failed cells</h2><table><tr><th>cell</th><th>stage</th><th>error</th></tr>"
                     + "".join(failed) + "</table>")
    parts.append("<h2>Cells</h2><table><tr><th>cell</th><th>status</th><th>local layers</th><th>RG-like</th>"
                 "<th>seconds</th></tr>" + "".join(rows) + "</table>")
    parts.append(f"<h2>Sweep file</h2><pre>{html.escape(str(ds.attrs.get('sweep_toml', '')))}</pre>")
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>deeprg sweep</title><style>{_STYLE}</style>"
            f"</head><body>{''.join(parts)}</body></html>")
    path = Path(path)
    with atomic_path(path, overwrite=True) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path
