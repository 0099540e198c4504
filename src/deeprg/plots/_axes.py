"""Axes handling shared by the plot functions (private)."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure


def axes(ax: Axes | None, *, figsize: tuple[float, float] = (5.0, 4.0)) -> Axes:
    """``ax`` itself, or the axes of a new figure.

    New figures are plain :class:`matplotlib.figure.Figure` objects, not pyplot
    figures: no backend, no display and no global state are involved, and
    ``ax.figure.savefig(path)`` writes the file.
    """
    if ax is not None:
        return ax
    return Figure(figsize=figsize, layout="constrained").add_subplot()
