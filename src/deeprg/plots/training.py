"""Learning curves and hidden-unit statistics."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from deeprg.plots._axes import axes


def plot_learning_curves(
    histories: Mapping[str, Mapping[str, Sequence[float]]], metric: str = "pseudo_likelihood", *, ax: Axes | None = None
) -> Axes:
    """One curve per label (variant or layer) of ``history[metric]`` against the epoch."""
    ax = axes(ax)
    for label, history in histories.items():
        values = history.get(metric)
        if values:
            ax.plot(np.arange(1, len(values) + 1), values, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric.replace("_", " ") + (" per spin" if metric.startswith("pseudo") else ""))
    ax.legend(fontsize="small")
    return ax


def plot_block_correlation(match, *, ax: Axes | None = None) -> Axes:
    """Histogram of each unit's best ``|correlation|`` with a block spin, against the shuffled null."""
    ax = axes(ax)
    bins = np.linspace(0, 1, 41)
    ax.hist(match.null_correlation.ravel(), bins=bins, density=True, alpha=0.5, color="0.5", label="null (shuffled)")
    ax.hist(match.best_correlation, bins=bins, density=True, alpha=0.7, label=f"layer {match.layer} units")
    ax.set_xlabel(f"best |correlation| with a {match.block_size}x{match.block_size} block spin")
    ax.set_ylabel("density")
    ax.legend(fontsize="small")
    return ax
