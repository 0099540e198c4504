"""The one numba kernel of :mod:`deeprg.rbm.functional`: the pseudo-likelihood's sum of logarithms (private)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

#: The products' row length is a multiple of this: one vector register of float32 on AVX-512.
LANES = 16


@njit(cache=True, nogil=True, parallel=True)
def pll_log_sums(bits, positive, expm1_plus, expm1_minus, weight, group, out):  # pragma: no cover - compiled
    """``out[r, i] = sum_j log(1 + weight[r, j] * expm1(+-W[j, i]))`` for the flip of site ``i`` of sample ``r``,
    the logarithms taken of products of at most ``group`` arguments.

    The exponent is ``s W_ji``, negated where ``x_j > 0`` (a flip turns a 0 into a 1: ``s = +1``, a 1
    into a 0: ``s = -1``). Each argument is computed as ``1 + a_j e^+_ij + b_j e^-_ij`` with one of ``a_j``,
    ``b_j`` the weight and the other zero, which picks the sign without a branch. The arguments are laid out as ``group`` rows of ``k`` (a multiple of
    :data:`LANES`, padded with ones) and multiplied row into row, every step a vector product; then
    one logarithm per column. The caller chooses ``group`` so that no product can leave the normal
    range (every argument lies in ``[1/2, 1/2 + expm1(max |W|) / 2]``). The sum runs in float64.
    No ``(R, S, H)`` temporary.

    Parameters
    ----------
    bits : (R, S) array
        The samples' bits.
    positive : (R, H) bool array
        ``x_j > 0`` for each sample's hidden input ``x = W v + c``.
    expm1_plus, expm1_minus : (S, H) arrays
        ``expm1(W.T)`` and ``expm1(-W.T)``.
    weight : (R, H) array
        ``sigmoid(-|x|)`` (at most 1/2, so every argument is at least 1/2: no cancellation).
    group : int
        Most arguments per product.
    out : (R, S) float64 array
    """
    n_rows, n_hidden = weight.shape
    one, zero = weight.dtype.type(1.0), weight.dtype.type(0.0)
    k = -(-n_hidden // group)
    k = LANES * -(-k // LANES)
    rows = -(-n_hidden // k)
    w_pos = np.empty_like(weight)  # x_j > 0: the exponent's sign is that of -s
    w_neg = np.empty_like(weight)
    for r in range(n_rows):
        for j in range(n_hidden):
            w_pos[r, j] = weight[r, j] if positive[r, j] else zero
            w_neg[r, j] = zero if positive[r, j] else weight[r, j]
    for i in prange(bits.shape[1]):  # sites outside: a site's two rows of the tables stay in cache for every sample
        plus, minus = expm1_plus[i], expm1_minus[i]
        factors = np.ones(rows * k, weight.dtype)
        product = np.empty(k, weight.dtype)
        for r in range(n_rows):
            up = bits[r, i] == 0
            a = w_neg[r] if up else w_pos[r]
            b = w_pos[r] if up else w_neg[r]
            for j in range(n_hidden):
                factors[j] = one + a[j] * plus[j] + b[j] * minus[j]
            product[:] = factors[:k]
            for m in range(1, rows):
                for q in range(k):
                    product[q] *= factors[m * k + q]
            total = 0.0
            for q in range(k):
                total += math.log(product[q])
            out[r, i] = total
