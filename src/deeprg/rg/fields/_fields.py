r"""Locality metrics of receptive-field images on the periodic lattice.

Every metric looks at one field image :math:`f` of shape ``(Ly, Lx)`` through its normalised
squared weights

.. math::

    w_{xy} = \frac{f_{xy}^2}{\sum_{x'y'} f_{x'y'}^2},

so the sign of the field does not matter. Positions are periodic: distances are minimum-image
distances and windows wrap around the edges. A field that is zero everywhere has no weights;
its metrics are NaN.

The public functions are re-exported by :mod:`deeprg.rg.fields.locality`. All of them, and the null
models, go through :func:`metrics_of`, which computes every metric of validated float64 arrays
of any leading shape ``(..., Ly, Lx)`` at once with the numba kernel
:func:`deeprg.rg.fields._metric_kernels.field_metrics` (one implementation; the NumPy formulas it was
checked against live in ``tests/rg/numpy_locality_reference.py``).
"""

from __future__ import annotations

import threading
from typing import Any, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg._validation import check_int
from deeprg.errors import InvalidParameterError
from deeprg.rg.fields._metric_kernels import field_metrics

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


#: The kernel is ``parallel=True``: numba's fallback "workqueue" threading layer (used where
#: OpenMP and TBB are missing) aborts the process when two threads enter it at once, so callers
#: take turns; the kernel itself uses every core.
_KERNEL_LOCK = threading.Lock()


def metrics_of(f: FloatArray, sizes: Sequence[int] = ()) -> dict[str, FloatArray]:
    """Every metric of validated float64 fields ``f`` of shape ``(..., Ly, Lx)``, in one pass per image.

    Parameters
    ----------
    f : ndarray of float64, shape (..., Ly, Lx)
        Finite fields (see :func:`check_fields`); any leading shape.
    sizes : sequence of int
        Block sides for the window fraction and the block overlap, each in ``[1, min(Ly, Lx)]``.

    Returns
    -------
    dict
        ``centroid`` ``(..., 2)``, ``radius_of_gyration`` and ``participation_ratio`` ``(...)``,
        ``window_fraction`` and ``block_overlap`` ``(..., len(sizes))``; NaN for a field that is
        zero everywhere (or whose sum of squares overflows).
    """
    lead, (ly, lx) = f.shape[:-2], f.shape[-2:]
    flat = np.ascontiguousarray(f, dtype=np.float64).reshape(-1, ly, lx)
    blocks = np.asarray(sizes, dtype=np.int64).reshape(-1)
    if blocks.size and not (blocks.min() >= 1 and blocks.max() <= min(ly, lx)):  # the kernel does not check bounds
        raise InvalidParameterError(f"block sizes must lie in [1, {min(ly, lx)}]; got {blocks.tolist()}.")
    with _KERNEL_LOCK:
        centroid, rg, pr, wf, bo = field_metrics(flat, blocks)
    return {
        "centroid": centroid.reshape(*lead, 2),
        "radius_of_gyration": rg.reshape(lead),
        "participation_ratio": pr.reshape(lead),
        "window_fraction": wf.reshape(*lead, len(blocks)),
        "block_overlap": bo.reshape(*lead, len(blocks)),
    }


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
    return metrics_of(check_fields(fields))["centroid"]


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
    return metrics_of(check_fields(fields))["radius_of_gyration"]


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
    return metrics_of(check_fields(fields))["participation_ratio"]


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
    return metrics_of(f, [check_block_size(b, f.shape)])["window_fraction"][:, 0]


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
    return metrics_of(f, [check_block_size(b, f.shape)])["block_overlap"][:, 0]
