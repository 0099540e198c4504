"""The one numba kernel of :mod:`deeprg.rbm.functional`: the pseudo-likelihood's elementwise pass (private)."""

from __future__ import annotations

from numba import njit, prange


@njit(cache=True, nogil=True, parallel=True)
def pll_arguments(bits, positive, expm1_plus, expm1_minus, weight, out):  # pragma: no cover - compiled
    """``out[r, i, j] = 1 + weight[r, j] * expm1(+-W[j, i])`` for the flip of site ``i`` of sample ``r``.

    Parameters
    ----------
    bits : (R, S) array
        The samples' bits at the sites of this chunk (a flip turns 0 into 1: ``s = +1``, 1 into 0: ``s = -1``).
    positive : (R, H) bool array
        ``x_j > 0`` for each sample's hidden input ``x = W v + c``.
    expm1_plus, expm1_minus : (S, H) arrays
        ``expm1(W.T)`` and ``expm1(-W.T)`` at the sites of this chunk.
    weight : (R, H) array
        ``sigmoid(-|x|)`` (at most 1/2, so every argument is at least 1/2: no cancellation).
    out : (R, S, H) array
    """
    one = out.dtype.type(1.0)
    for r in prange(bits.shape[0]):
        for i in range(bits.shape[1]):
            up = bits[r, i] == 0
            for j in range(out.shape[2]):
                # the exponent is s * W_ji, negated where x_j > 0 (the identity is then taken from -x)
                e = expm1_plus[i, j] if up != positive[r, j] else expm1_minus[i, j]
                out[r, i, j] = one + weight[r, j] * e
