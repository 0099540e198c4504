"""RG measurements: locality against its nulls, scale growth, flows, the penalty scan."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from deeprg.plots._axes import axes
from deeprg.rg import COMPACTNESS_THRESHOLD


def plot_locality(report: Any, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Per-unit z-scores of the primary locality statistic, against both nulls, with the threshold.

    ``report`` is a :class:`deeprg.rg.LocalityReport`; a layer is local when its median unit
    beats both nulls (the smooth phase-randomized one and the shuffled permutation one).
    """
    ax = axes(ax)
    names = list(report.nulls)
    z_all = [np.asarray(report.z("window_fraction", null=name))[report.alive] for name in names]
    finite = np.concatenate([z[np.isfinite(z)] for z in z_all]) if z_all else np.array([0.0])
    top = max(float(np.percentile(finite, 99)) if finite.size else 1.0, report.threshold + 1)
    bins = np.linspace(min(float(finite.min()) if finite.size else -3, -3), top, 40)
    for name, z in zip(names, z_all, strict=True):
        ax.hist(np.clip(z[np.isfinite(z)], bins[0], bins[-1]), bins=bins, alpha=0.6,
                label=f"vs {name} null (median {np.median(z):.1f})")
    ax.axvline(report.threshold, color="k", ls="--", lw=1, label=f"threshold z = {report.threshold:g}")
    ax.set_xlabel("z of the b x b window fraction at the fitted b (positive = more local than the null)")
    ax.set_ylabel("units")
    ax.set_title(title or ("local" if report.is_local else "not local"))
    ax.legend(fontsize="small")
    return ax


def plot_scale_growth(growth: Mapping[str, Any], *, ax: Axes | None = None) -> Axes:
    """Scale of each layer's fields (equivalent block size and fitted b) against depth.

    ``growth`` is the dict of :func:`deeprg.rg.scale_growth`; block-spin RG would double
    the scale at each layer of Mehta & Schwab's 1600-400-100-25 network (dotted line).
    """
    ax = axes(ax)
    layers = np.asarray(growth["layers"])
    ax.plot(layers, growth["median_equivalent_block_size"], "o-", label="equivalent block size (from R_g)")
    ax.plot(layers, growth["median_fitted_block_size"], "s--", label="fitted block size b")
    first = growth["median_fitted_block_size"][0] or 1.0
    ax.plot(layers, first * 2.0 ** (layers - layers[0]), ":", color="0.4", label="doubling per layer")
    ax.set_yscale("log", base=2)
    ax.set_xticks(layers)
    ax.set_xlabel("layer")
    ax.set_ylabel("scale (lattice spacings)")
    ax.legend(fontsize="small")
    return ax


def plot_flows(comparison: Mapping[str, Any], observable: str = "binder_cumulant", *, ax: Axes | None = None) -> Axes:
    """An observable along the block-spin flow and along the network's layers, with error bars.

    ``comparison`` is the dict of :func:`deeprg.rg.compare_flows`.
    """
    ax = axes(ax)
    levels = comparison["levels"]
    for key, label, marker in (("block", "block-spin RG", "o"), ("dbn", "network layers", "s")):
        x = [lv["level"] for lv in levels if lv.get(key)]
        est = [lv[key][observable] for lv in levels if lv.get(key)]
        ax.errorbar(x, [e["mean"] for e in est], yerr=[e["error"] or 0 for e in est], marker=marker, capsize=3, label=label)
    ax.set_xlabel("level (0 = the lattice)")
    ax.set_ylabel(observable.replace("_", " "))
    ax.set_xticks([lv["level"] for lv in levels])
    ax.legend(fontsize="small")
    return ax


def plot_locality_scan(scan: Sequence[Mapping[str, Any]], *, ax: Axes | None = None) -> Axes:
    """Compactness and pseudo-likelihood per spin against the L1 strength: the trade-off.

    ``scan`` holds rows of :func:`deeprg.rg.scan_row` (with their ``compactness`` summary). The
    median compactness E* is drawn with its bootstrap interval; filled markers are the strengths
    whose fields are local (E* at least the threshold, dotted).
    """
    ax = axes(ax)
    strengths = [row["l1"] for row in scan]
    summaries = [row.get("compactness") or {} for row in scan]
    effect = np.array([np.nan if s.get("median_compactness") is None else s["median_compactness"] for s in summaries])
    intervals = np.array([[np.nan if v is None else v for v in (s.get("median_compactness_interval") or [None, None])]
                          for s in summaries])
    threshold = next((s["threshold"] for s in summaries if "threshold" in s), COMPACTNESS_THRESHOLD)
    ax.fill_between(strengths, intervals[:, 0], intervals[:, 1], color="C0", alpha=0.2, lw=0)
    ax.plot(strengths, effect, "-", color="C0", label="median compactness E*")
    for x, y, row in zip(strengths, effect, scan, strict=True):
        ax.plot([x], [y], "o", color="C0", mfc="C0" if row.get("is_local") else "white")
    ax.axhline(threshold, color="k", ls=":", lw=1, label=f"threshold E* = {threshold:g}")
    ax.set_xscale("log")
    ax.set_xticks(strengths, [f"{s:g}" for s in strengths], minor=False)
    ax.xaxis.set_minor_formatter("")
    ax.set_ylim(0, 1)
    ax.set_xlabel("L1 strength (filled: local)")
    ax.set_ylabel("compactness E* of the first layer")
    twin = ax.twinx()
    twin.plot(strengths, [row["pseudo_likelihood"] for row in scan], "s--", color="C1", label="pseudo-likelihood")
    twin.set_ylabel("pseudo-likelihood per spin", color="C1")
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title("compactness and pseudo-likelihood against the L1 strength")
    return ax
