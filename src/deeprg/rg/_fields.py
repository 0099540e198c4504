r"""Locality metrics of receptive-field images on the periodic lattice.

Every metric looks at one field image :math:`f` of shape ``(Ly, Lx)`` through its normalised
squared weights

.. math::

    w_{xy} = \frac{f_{xy}^2}{\sum_{x'y'} f_{x'y'}^2},

so the sign of the field does not matter. Positions are periodic: distances are minimum-image
distances and windows wrap around the edges. A field that is zero everywhere has no weights;
its metrics are NaN.

The public functions are re-exported by :mod:`deeprg.rg.locality`; the private helpers work on
validated float64 arrays of any leading shape ``(..., Ly, Lx)`` so that the null models can
evaluate whole stacks of surrogates at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg._validation import check_int
from deeprg.errors import InvalidParameterError
from deeprg.rg._pairs import minimum_image

__all__ = ["block_overlap", "circular_centroid", "participation_ratio", "radius_of_gyration", "window_fraction"]

FloatArray = NDArray[np.float64]


def check_fields(fields: ArrayLike, name: str = "fields") -> FloatArray:
    """Validate field images and return them as float64 of shape ``(n, Ly, Lx)`` (2-D input: ``n = 1``)."""
    arr = np.asarray(fields)
    if arr.dtype.kind not in "biuf":
        raise InvalidParameterError(f"{name} must be real numbers; got dtype {arr.dtype}.")
    if arr.ndim == 2:
        arr = arr[np.newaxis]
    if arr.ndim != 3 or arr.shape[1] < 1 or arr.shape[2] < 1:
        hint = (" (reshape flat fields to images: fields.reshape(n_units, L, L), or use receptive_fields(..., shape=(L, L)))"
                if arr.ndim == 2 or (arr.ndim == 3 and 0 in arr.shape[1:]) else "")
        raise InvalidParameterError(
            f"{name} must have shape (n_units, Ly, Lx) or (Ly, Lx); got shape {np.shape(fields)}{hint}."
        )
    arr = arr.astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        raise InvalidParameterError(f"{name} must be finite; found NaN or infinity.")
    return arr


def check_block_size(b: Any, shape: tuple[int, ...], name: str = "b") -> int:
    """``b`` as an int in ``[1, min(Ly, Lx)]``."""
    return check_int(b, name, minimum=1, maximum=min(shape[-2:]),
                     hint=f" Windows must fit in the {shape[-2]} x {shape[-1]} lattice.")


def squared_weights(f: FloatArray) -> FloatArray:
    """Normalised squared weights ``f**2 / sum(f**2)`` over the last two axes (NaN for a zero field)."""
    sq = np.square(f)
    total = sq.sum(axis=(-2, -1), keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sq / np.where(total > 0, total, np.nan)


def box_sums(a: FloatArray, sizes: tuple[int, ...] | list[int]) -> list[FloatArray]:
    """Sums of ``a`` over every periodic ``b x b`` window, for each ``b`` in ``sizes``.

    Entry ``(..., i, j)`` of each result covers rows ``i..i+b-1`` and columns ``j..j+b-1``
    (modulo the lattice). All sides come from one table of 2-D prefix sums:
    the array is padded by wrapping (``max(sizes) - 1`` rows and columns) with a leading zero
    row and column, and summed cumulatively along both axes, so that each window sum is four
    look-ups, O(Ly * Lx) per image and side.
    """
    ly, lx = a.shape[-2:]
    big = max(sizes)
    pad = [(0, 0)] * (a.ndim - 2) + [(1, big - 1), (1, big - 1)]
    padded = np.pad(a, pad, mode="wrap")
    padded[..., 0, :] = 0.0  # the leading row and column must be zero for the prefix-sum identity
    padded[..., :, 0] = 0.0
    s = padded.cumsum(axis=-2)
    s.cumsum(axis=-1, out=s)
    corner = s[..., :ly, :lx]
    return [s[..., b : b + ly, b : b + lx] - s[..., :ly, b : b + lx] - s[..., b : b + ly, :lx] + corner for b in sizes]


def centroid_of(w: FloatArray) -> FloatArray:
    """Circular centroid ``(..., 2)`` (row, column) in ``[0, L)`` from weights ``w`` of shape ``(..., Ly, Lx)``."""
    out = []
    for axis, other in ((-2, -1), (-1, -2)):
        n = w.shape[axis]
        marginal = w.sum(axis=other)  # (..., n)
        theta = 2 * np.pi * np.arange(n) / n
        re, im = marginal @ np.cos(theta), marginal @ np.sin(theta)
        # an even spread has no direction: rounding would otherwise give a random angle
        even = np.hypot(re, im) <= 1e-12
        angle = np.arctan2(np.where(even, 0.0, im), np.where(even, 1.0, re))
        pos = np.mod(angle * (n / (2 * np.pi)), n)
        pos = np.where(pos >= n, pos - n, pos)  # mod of a tiny negative number can round to n
        out.append(pos)
    return np.stack(out, axis=-1)


def radius_of_gyration_of(w: FloatArray, centroid: FloatArray | None = None) -> FloatArray:
    """Root weighted mean squared minimum-image distance from the circular centroid."""
    if centroid is None:
        centroid = centroid_of(w)
    total = np.zeros(w.shape[:-2])
    for axis, other, index in ((-2, -1, 0), (-1, -2, 1)):
        n = w.shape[axis]
        marginal = w.sum(axis=other)
        d = minimum_image(np.arange(n) - centroid[..., index, np.newaxis], n)
        total = total + np.sum(marginal * d * d, axis=-1)
    return np.sqrt(total)


def participation_ratio_of(w: FloatArray) -> FloatArray:
    """``1 / sum(w**2)`` divided by the number of sites."""
    ly, lx = w.shape[-2:]
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1.0 / np.sum(w * w, axis=(-2, -1)) / (ly * lx)


def window_fraction_of(w: FloatArray, sizes: tuple[int, ...] | list[int]) -> FloatArray:
    """Largest fraction of ``w`` inside any periodic ``b x b`` window, for each ``b`` (last axis)."""
    return np.stack([sums.max(axis=(-2, -1)) for sums in box_sums(w, sizes)], axis=-1)


def block_overlap_of(f: FloatArray, sizes: tuple[int, ...] | list[int]) -> FloatArray:
    """Largest ``|<f, B>| / (|f| |B|)`` over the translates ``B`` of the ``b x b`` block, for each ``b`` (last axis)."""
    norm = np.sqrt(np.sum(f * f, axis=(-2, -1)))
    best = np.stack([np.abs(sums).max(axis=(-2, -1)) for sums in box_sums(f, sizes)], axis=-1)
    scale = np.asarray(sizes, dtype=np.float64) * norm[..., np.newaxis]
    with np.errstate(divide="ignore", invalid="ignore"):
        return best / np.where(scale > 0, scale, np.nan)


# ---------------------------------------------------------------------- public


def circular_centroid(fields: ArrayLike) -> FloatArray:
    r"""Circular mean position of the squared weight of each field.

    Along each axis of length :math:`L` a site :math:`x` is the angle :math:`2\pi x / L`;
    the centroid is the angle of :math:`\sum_x w_x e^{2\pi i x / L}` (marginal weights
    :math:`w_x`), mapped back to lattice units. A block straddling the boundary (rows
    ``L - 1`` and ``0``) has its centroid at ``L - 0.5``, not in the middle of the lattice.
    When the weight is spread evenly (zero resultant) the centroid is 0.

    Parameters
    ----------
    fields : array_like, shape (n, Ly, Lx) or (Ly, Lx)

    Returns
    -------
    ndarray, shape (n, 2)
        (row, column) of each centroid, in ``[0, Ly) x [0, Lx)``.
    """
    return centroid_of(squared_weights(check_fields(fields)))


def radius_of_gyration(fields: ArrayLike) -> FloatArray:
    r"""Spatial spread of each field's squared weight on the torus.

    .. math::

        R_g^2 = \sum_{x, y} w_{xy} \bigl[d_L(x, \bar x)^2 + d_L(y, \bar y)^2\bigr],

    with :math:`(\bar x, \bar y)` the :func:`circular_centroid` and :math:`d_L` the
    minimum-image distance. A uniform :math:`b \times b` block has
    :math:`R_g^2 = (b^2 - 1)/6`, so :math:`b_\mathrm{eq} = \sqrt{1 + 6 R_g^2}` is an
    "equivalent block size"; a uniform field on an :math:`L \times L` torus (``L`` even,
    centroid 0) has :math:`R_g^2 = (L^2 + 2)/6`.

    Parameters
    ----------
    fields : array_like, shape (n, Ly, Lx) or (Ly, Lx)

    Returns
    -------
    ndarray, shape (n,)
        In lattice spacings; NaN for a field that is zero everywhere.
    """
    return radius_of_gyration_of(squared_weights(check_fields(fields)))


def participation_ratio(fields: ArrayLike) -> FloatArray:
    r"""Fraction of the sites a field effectively uses.

    .. math::

        \mathrm{PR} = \frac{1}{L_y L_x \sum_{xy} w_{xy}^2},

    :math:`1/(L_y L_x)` for a field on one site, :math:`b^2/(L_y L_x)` for a uniform
    :math:`b \times b` block, 1 for a uniform field. Lower is more local. It ignores where
    the sites are (a field on scattered sites can have a low PR).

    Parameters
    ----------
    fields : array_like, shape (n, Ly, Lx) or (Ly, Lx)

    Returns
    -------
    ndarray, shape (n,)
    """
    return participation_ratio_of(squared_weights(check_fields(fields)))


def window_fraction(fields: ArrayLike, b: int) -> FloatArray:
    r"""Largest fraction of each field's squared weight inside one ``b x b`` window.

    .. math::

        \mathrm{WF}_b = \max_{(i, j)} \sum_{x=i}^{i+b-1} \sum_{y=j}^{j+b-1} w_{xy},

    over all :math:`L_y L_x` periodic positions of the window. 1 when the field lives in a
    :math:`b \times b` block (wherever it is, also across the boundary); it never decreases
    with ``b``.

    Parameters
    ----------
    fields : array_like, shape (n, Ly, Lx) or (Ly, Lx)
    b : int
        Window side, from 1 to ``min(Ly, Lx)``.

    Returns
    -------
    ndarray, shape (n,)
        Values in [0, 1].
    """
    f = check_fields(fields)
    return window_fraction_of(squared_weights(f), [check_block_size(b, f.shape)])[:, 0]


def block_overlap(fields: ArrayLike, b: int) -> FloatArray:
    r"""Cosine similarity of each field with the best-placed ideal ``b x b`` block spin.

    .. math::

        \mathrm{BO}_b = \max_{(i, j)} \frac{|\langle f, B_{ij}\rangle|}{\lVert f\rVert \, \lVert B_{ij}\rVert},

    with :math:`B_{ij}` the indicator of the periodic :math:`b \times b` window at
    :math:`(i, j)` (:math:`\lVert B\rVert = b`). 1 exactly for a uniform block field of
    side ``b`` (either sign). Unlike :func:`window_fraction` it peaks at the block size of the
    field: a uniform block of side :math:`a` has :math:`\mathrm{BO}_b = \min(a, b)^2 / (a b)`.

    Parameters
    ----------
    fields : array_like, shape (n, Ly, Lx) or (Ly, Lx)
    b : int
        Block side, from 1 to ``min(Ly, Lx)``.

    Returns
    -------
    ndarray, shape (n,)
        Values in [0, 1].
    """
    f = check_fields(fields)
    return block_overlap_of(f, [check_block_size(b, f.shape)])[:, 0]
