"""Lattice images: configurations, weight and receptive-field grids, reconstructions."""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike, NDArray

from deeprg.errors import InvalidParameterError
from deeprg.plots._axes import axes


def mosaic(images: ArrayLike, *, n_cols: int | None = None, pad: int = 1, fill: float = np.nan) -> NDArray[np.float64]:
    """Tile ``(n, h, w)`` images into one 2-D array, ``pad`` pixels of ``fill`` between them."""
    imgs = np.asarray(images, dtype=np.float64)
    if imgs.ndim != 3 or len(imgs) == 0:
        raise InvalidParameterError(f"images must have shape (n, h, w) with n >= 1; got {imgs.shape}.")
    n, h, w = imgs.shape
    n_cols = n_cols or math.ceil(math.sqrt(n))
    n_rows = math.ceil(n / n_cols)
    out = np.full((n_rows * (h + pad) - pad, n_cols * (w + pad) - pad), fill)
    for k, img in enumerate(imgs):
        r, c = divmod(k, n_cols)
        out[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = img
    return out


def plot_configurations(spins: ArrayLike, *, ax: Axes | None = None, n_max: int = 16, title: str | None = None) -> Axes:
    """Spin configurations ``(n, L, L)`` in {-1, +1} as black-and-white tiles."""
    ax = axes(ax)
    imgs = np.asarray(spins)[:n_max]
    ax.imshow(mosaic(imgs), cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(title or f"{len(imgs)} configurations")
    return ax


def plot_fields(
    fields: ArrayLike, *, ax: Axes | None = None, n_max: int = 100, normalize: bool = True, title: str | None = None
) -> Axes:
    """Weight images or receptive fields ``(n_units, L, L)`` as a grid, red positive and blue negative.

    With ``normalize`` each field is scaled by its largest magnitude, so shapes, not
    overall strengths, are compared.
    """
    ax = axes(ax, figsize=(5.0, 5.0))
    imgs = np.asarray(fields, dtype=np.float64)[:n_max]
    if normalize:
        scale = np.abs(imgs).reshape(len(imgs), -1).max(axis=1)
        imgs = imgs / np.where(scale > 0, scale, 1.0)[:, None, None]
    limit = 1.0 if normalize else float(np.nanmax(np.abs(imgs))) or 1.0
    ax.imshow(mosaic(imgs), cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(title or f"{len(imgs)} fields")
    return ax


def plot_reconstructions(
    original: ArrayLike, reconstructions: Mapping[str, ArrayLike], *, ax: Axes | None = None, n_max: int = 8
) -> Axes:
    """One row per source: the original configurations, then the reconstruction from each layer.

    Parameters
    ----------
    original : array_like, shape (n, L, L)
        Spins in {-1, +1}.
    reconstructions : mapping of str to array_like, shape (n, L, L)
        Visible probabilities of being up (in [0, 1]) per layer label, e.g. ``{"layer 1": ...}``.
    """
    rows = [np.asarray(original, dtype=np.float64)[:n_max]]
    rows += [2.0 * np.asarray(r, dtype=np.float64)[:n_max] - 1.0 for r in reconstructions.values()]
    n = min(len(r) for r in rows)
    ax = axes(ax, figsize=(1.0 + 1.0 * n, 1.0 + 1.0 * len(rows)))
    tiles = np.concatenate([r[:n] for r in rows])
    ax.imshow(mosaic(tiles, n_cols=n), cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
    h = tiles.shape[1] + 1
    ax.set_yticks([h * k + h / 2 - 1 for k in range(len(rows))], ["original", *reconstructions])
    ax.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title("reconstructions (mean field)")
    return ax
