"""One function per figure: ``plot_x(data, *, ax=None) -> Axes``; the report composes them.

Without ``ax`` each function draws on a new :class:`matplotlib.figure.Figure` (no pyplot, no display).
"""

from deeprg.plots.images import plot_configurations, plot_fields, plot_reconstructions
from deeprg.plots.rg import plot_flows, plot_locality, plot_locality_scan, plot_scale_growth
from deeprg.plots.training import plot_block_correlation, plot_learning_curves

__all__ = [
    "plot_block_correlation",
    "plot_configurations",
    "plot_fields",
    "plot_flows",
    "plot_learning_curves",
    "plot_locality",
    "plot_locality_scan",
    "plot_reconstructions",
    "plot_scale_growth",
]
