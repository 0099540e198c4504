r"""Numba kernel for the locality metrics of a stack of field images (private).

:func:`field_metrics` computes every metric of :mod:`deeprg.rg.fields._fields` for each image ``f`` of
a stack in one pass per image: the circular centroid and radius of gyration, the participation
ratio, and for each block side ``b`` the window fraction and the block overlap. Images are
independent; the kernel shares them out among the threads (``prange``) and releases the GIL.

Per image:

1. ``total = sum(f**2)``; when it is not a positive finite number (a field that is zero
   everywhere) every metric is NaN.
2. The normalised squared weights ``w = f**2 / total``, their column marginals and
   ``sum(w**2)`` (the participation ratio).
3. Periodic 2-D prefix sums of ``w`` and of ``f`` on the lattice extended by ``max(b) - 1``
   rows and columns, with a leading zero row and column,
   ``s[r, c] = sum(a[r' % Ly, c' % Lx] for r' < r for c' < c)``: first the prefix sums along
   each row (serial; four independent running sums at a time, the extension by periodicity
   ``R[i, c] = R[i, Lx] + R[i, c - Lx]``), then the cumulative sums down the columns. Row
   ``i`` of the row sums at column ``Lx`` is the row marginal of ``w``.
4. The circular centroid and the radius of gyration from the marginals (minimum-image
   distances).
5. For each ``b`` the ``b x b`` window at ``(i, j)`` sums to
   ``s[i+b, j+b] - s[i, j+b] - s[i+b, j] + s[i, j]``. The running maxima are kept per column
   (elementwise, which vectorises) and reduced at the end.

The formulas are those of the NumPy reference (the tests keep it); only the order of the
additions differs, so the results agree to rounding.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

#: Resultant length below which the weight counts as evenly spread over a ring (centroid 0).
EVEN_SPREAD = 1e-12
#: Images per parallel task (each task allocates its scratch space once).
_PART = 32


@njit(cache=True, nogil=True)
def _circular_position(marginal, cos_t, sin_t):
    """Circular mean position in ``[0, n)`` of weights ``marginal`` on a ring of ``n`` sites (0 if evenly spread)."""
    n = marginal.shape[0]
    re = 0.0
    im = 0.0
    for k in range(n):
        re += marginal[k] * cos_t[k]
        im += marginal[k] * sin_t[k]
    angle = 0.0 if math.hypot(re, im) <= EVEN_SPREAD else math.atan2(im, re)
    pos = angle * (n / (2 * np.pi))
    if pos < 0.0:  # as np.mod: add n to a negative remainder
        pos += n
    if pos >= n:  # a tiny negative number plus n can round to n
        pos -= n
    return pos


@njit(cache=True, nogil=True)
def _spread(marginal, centre):
    """``sum_k marginal[k] * d(k, centre)**2``, ``d`` the minimum-image distance on the ring."""
    n = marginal.shape[0]
    total = 0.0
    for k in range(n):
        d = k - centre
        d = d - n * np.rint(d / n)
        total += marginal[k] * d * d
    return total


@njit(cache=True, nogil=True)
def _row_prefix(a, g, ra, rg):
    """Periodic prefix sums along the rows of ``a`` and ``g`` (shape ``(Ly, Lx)``) into ``ra``, ``rg``.

    ``ra[i, c] = sum(a[i, k % Lx] for k < c)`` for ``c < ra.shape[1] <= 2 * Lx``. Two rows of
    each array are summed at once: four independent running sums.
    """
    ly, lx = a.shape
    cols = ra.shape[1]
    for i in range(0, ly - 1, 2):
        a0, a1, g0, g1 = a[i], a[i + 1], g[i], g[i + 1]
        ra0, ra1, rg0, rg1 = ra[i], ra[i + 1], rg[i], rg[i + 1]
        ra0[0] = ra1[0] = rg0[0] = rg1[0] = 0.0
        sa0 = sa1 = sg0 = sg1 = 0.0
        for c in range(lx):
            sa0 += a0[c]
            sa1 += a1[c]
            sg0 += g0[c]
            sg1 += g1[c]
            ra0[c + 1] = sa0
            ra1[c + 1] = sa1
            rg0[c + 1] = sg0
            rg1[c + 1] = sg1
    if ly % 2 == 1:
        i = ly - 1
        ra[i, 0] = rg[i, 0] = 0.0
        sa0 = sg0 = 0.0
        for c in range(lx):
            sa0 += a[i, c]
            sg0 += g[i, c]
            ra[i, c + 1] = sa0
            rg[i, c + 1] = sg0
    for i in range(ly):
        ta, tg = ra[i, lx], rg[i, lx]
        for c in range(lx + 1, cols):
            ra[i, c] = ta + ra[i, c - lx]
            rg[i, c] = tg + rg[i, c - lx]


@njit(cache=True, nogil=True)
def _column_cumsum(r, s):
    """``s[0] = 0`` and ``s[k] = s[k - 1] + r[(k - 1) % Ly]``: 2-D periodic prefix sums from row prefix sums."""
    ly = r.shape[0]
    rows, cols = s.shape
    s[0, :] = 0.0
    for k in range(1, rows):
        src = r[k - 1 if k - 1 < ly else k - 1 - ly]
        above = s[k - 1]
        row = s[k]
        for c in range(cols):
            row[c] = above[c] + src[c]


@njit(cache=True, nogil=True)
def _best_windows(sw, sf, b, ly, lx, best_w, best_f):
    """Largest window sum of ``w`` and largest absolute window sum of ``f`` over the ``b x b`` windows."""
    for j in range(lx):
        best_w[j] = -np.inf
        best_f[j] = 0.0
    for i in range(ly):
        w00, w0b, wb0, wbb = sw[i, :lx], sw[i, b : b + lx], sw[i + b, :lx], sw[i + b, b : b + lx]
        f00, f0b, fb0, fbb = sf[i, :lx], sf[i, b : b + lx], sf[i + b, :lx], sf[i + b, b : b + lx]
        for j in range(lx):
            vw = wbb[j] - w0b[j] - wb0[j] + w00[j]
            vf = fbb[j] - f0b[j] - fb0[j] + f00[j]
            best_w[j] = max(best_w[j], vw)
            best_f[j] = max(best_f[j], abs(vf))
    hw = -np.inf
    hf = 0.0
    for j in range(lx):
        hw = max(hw, best_w[j])
        hf = max(hf, best_f[j])
    return hw, hf


@njit(cache=True, nogil=True, parallel=True)
def field_metrics(fields, sizes):
    """Every locality metric of each image of a stack.

    Parameters
    ----------
    fields : ndarray of float64, shape (n, Ly, Lx)
        Finite field images (C-contiguous).
    sizes : ndarray of int64, shape (m,)
        Block sides, each in ``[1, min(Ly, Lx)]``; may be empty.

    Returns
    -------
    centroid : ndarray, shape (n, 2)
        Circular centroid (row, column) of the squared weights, in ``[0, Ly) x [0, Lx)``.
    radius_of_gyration, participation_ratio : ndarray, shape (n,)
    window_fraction, block_overlap : ndarray, shape (n, m)
        One column per block side.

    Every metric is NaN for a field whose sum of squares is zero (or overflows).
    """
    n, ly, lx = fields.shape
    m = sizes.shape[0]
    big = 1
    for q in range(m):
        big = max(big, sizes[q])
    theta_y = 2 * np.pi * np.arange(ly) / ly
    theta_x = 2 * np.pi * np.arange(lx) / lx
    cos_y, sin_y, cos_x, sin_x = np.cos(theta_y), np.sin(theta_y), np.cos(theta_x), np.sin(theta_x)
    centroid = np.empty((n, 2))
    rg = np.empty(n)
    pr = np.empty(n)
    wf = np.empty((n, m))
    bo = np.empty((n, m))
    n_parts = (n + _PART - 1) // _PART
    for part in prange(n_parts):
        # scratch space, one set per part
        w = np.empty((ly, lx))
        col_sq = np.empty(lx)
        col_w = np.empty(lx)
        col_w2 = np.empty(lx)
        row_w = np.empty(ly)
        rw = np.empty((ly, lx + big))
        rf = np.empty((ly, lx + big))
        sw = np.empty((ly + big, lx + big))
        sf = np.empty((ly + big, lx + big))
        best_w = np.empty(lx)
        best_f = np.empty(lx)
        for k in range(part * _PART, min(n, (part + 1) * _PART)):
            f = fields[k]
            col_sq[:] = 0.0
            for i in range(ly):
                for j in range(lx):
                    col_sq[j] += f[i, j] * f[i, j]
            total = 0.0
            for j in range(lx):
                total += col_sq[j]
            if not 0.0 < total < np.inf:
                centroid[k, :] = np.nan
                rg[k] = pr[k] = np.nan
                wf[k, :] = bo[k, :] = np.nan
                continue
            col_w[:] = 0.0
            col_w2[:] = 0.0
            for i in range(ly):
                for j in range(lx):
                    x = f[i, j] * f[i, j] / total
                    w[i, j] = x
                    col_w[j] += x
                    col_w2[j] += x * x
            w2 = 0.0
            for j in range(lx):
                w2 += col_w2[j]
            pr[k] = 1.0 / w2 / (ly * lx)
            _row_prefix(w, f, rw, rf)
            for i in range(ly):
                row_w[i] = rw[i, lx]
            cy = _circular_position(row_w, cos_y, sin_y)
            cx = _circular_position(col_w, cos_x, sin_x)
            centroid[k, 0] = cy
            centroid[k, 1] = cx
            rg[k] = math.sqrt(_spread(row_w, cy) + _spread(col_w, cx))
            if m == 0:
                continue
            _column_cumsum(rw, sw)
            _column_cumsum(rf, sf)
            norm = math.sqrt(total)
            for q in range(m):
                hw, hf = _best_windows(sw, sf, sizes[q], ly, lx, best_w, best_f)
                wf[k, q] = hw
                bo[k, q] = hf / (sizes[q] * norm)
    return centroid, rg, pr, wf, bo
