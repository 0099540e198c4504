r"""The CD-k / PCD-k mini-batch step of :class:`~deeprg.rbm.BernoulliRBM`, fused and allocation-free (private).

:func:`deeprg.rbm.functional.cd_statistics` followed by the estimator's momentum update is the
reference; :class:`CDWorkspace` computes the same numbers bit for bit with the same random
draws in the same order, but

- in buffers allocated once per training (no temporaries in the mini-batch loop): the batch is
  gathered into the first rows of the matrix the weight statistics multiply, the chain's
  visible states are sampled into the rows after it, matrix products write into their buffers;
- with the elementwise work fused in single-threaded numba kernels (threaded ones, run between
  multi-threaded BLAS calls, fight OpenBLAS's spinning threads for the cores: an epoch was 6.7x
  slower on 2 cores; single-threaded they cost ~0.1 s of a 0.4 s epoch at 5000 x 1600 -> 400): bias add
  and the halving before ``tanh``; the sigmoid's final affine map, the Bernoulli comparison
  with the uniforms and the scaling of the statistics; and the whole parameter update
  (penalty, momentum, step, proximal soft-thresholding) in one pass over the weights.

What stays NumPy, so that the bits stay those of the reference: the matrix products (the same
BLAS calls on the same shapes), ``tanh`` (NumPy's vectorised float32 ``tanh``), the uniforms
(``rng.random(..., out=...)``: the same stream as ``rng.random(shape)``) and the column means of
the bias statistics. Each fused operation rounds exactly as the NumPy expression it replaces
(every intermediate is rounded to the working dtype in the same order; the multiplications by
one half are exact).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = ["CDWorkspace"]


@njit(cache=True, nogil=True)
def _bias_half(x, bias):  # pragma: no cover - compiled
    """``x = (x + bias) * 0.5`` row by row: the first two steps of ``_sigmoid_for_sampling`` after the bias add."""
    half = x.dtype.type(0.5)
    for r in range(x.shape[0]):
        for j in range(x.shape[1]):
            x[r, j] = (x[r, j] + bias[j]) * half


@njit(cache=True, nogil=True)
def _finish(t, u, scaled, scale, sample, draw):  # pragma: no cover - compiled
    """``t = t * 0.5 + 0.5`` (the sigmoid from ``tanh``); ``scaled = t * scale``; with ``draw``, ``sample = u < t``."""
    half = t.dtype.type(0.5)
    one, zero = t.dtype.type(1.0), t.dtype.type(0.0)
    for r in range(t.shape[0]):
        for j in range(t.shape[1]):
            p = t[r, j] * half + half
            t[r, j] = p
            scaled[r, j] = p * scale
            if draw:
                sample[r, j] = one if u[r, j] < p else zero


@njit(cache=True, nogil=True)
def _sample(p, u, out):  # pragma: no cover - compiled
    """``out = u < p`` as 0.0 / 1.0: the sigmoid is completed first (``p = p * 0.5 + 0.5``)."""
    half = p.dtype.type(0.5)
    one, zero = p.dtype.type(1.0), p.dtype.type(0.0)
    for r in range(p.shape[0]):
        for j in range(p.shape[1]):
            q = p[r, j] * half + half
            out[r, j] = one if u[r, j] < q else zero


@njit(cache=True, nogil=True)
def _step(param, velocity, grad, lr, mu, l1, l2, proximal, shrink):  # pragma: no cover - compiled
    """The momentum update of flat arrays, as ``BernoulliRBM`` spells it in NumPy, in one pass.

    ``grad -= l2 * param`` (if ``l2``), ``grad -= l1 * sign(param)`` (if ``l1``: subgradient),
    ``velocity = velocity * mu + grad * lr``, ``param += velocity``; with ``shrink > 0``
    (proximal L1) the parameter is then soft-thresholded by ``shrink`` and the velocity becomes
    its displacement.
    """
    zero = param.dtype.type(0.0)
    for i in range(param.shape[0]):
        w = param[i]
        g = grad[i]
        if l2 != 0:
            g = g - l2 * w
        if l1 != 0:
            s = zero
            if w > 0:
                s = param.dtype.type(1.0)
            elif w < 0:
                s = param.dtype.type(-1.0)
            g = g - l1 * s
        v = velocity[i] * mu
        v = v + g * lr
        new = w + v
        if proximal:
            a = abs(new) - shrink
            if not (a >= zero or a != a):  # np.maximum(a, 0): a unless it is below 0
                a = zero
            new = param.dtype.type(math.copysign(a, new))
            v = new - w
        param[i] = new
        velocity[i] = v


class CDWorkspace:
    """Buffers and the fused mini-batch step of CD-k / PCD-k for one training.

    Parameters
    ----------
    n_visible, n_hidden : int
        Units of the layer.
    batch_size : int
        Rows of the largest mini-batch.
    n_chains : int or None
        Persistent chains (PCD), or None for CD started at the data.
    dtype : numpy dtype
        The working dtype (that of the weights).
    """

    def __init__(self, n_visible: int, n_hidden: int, batch_size: int, n_chains: int | None, dtype: np.dtype) -> None:
        m = batch_size if n_chains is None else n_chains
        self.batch_size, self.n_chains = batch_size, n_chains
        self.both = np.empty((batch_size + m, n_visible), dtype)  # [v_data; v_k]: what the statistics multiply
        self.scaled = np.empty((batch_size + m, n_hidden), dtype)  # [P(h|v_data) / n; -P(h|v_k) / m]
        self.ph0 = np.empty((batch_size, n_hidden), dtype)
        self.ph = np.empty((m, n_hidden), dtype)
        self.h = np.empty((m, n_hidden), dtype)
        self.u_hidden = np.empty((m, n_hidden), dtype)
        self.u_visible = np.empty((m, n_visible), dtype)
        self.pv = np.empty((m, n_visible), dtype)
        self.dW = np.empty((n_hidden, n_visible), dtype)

    def step(self, X: NDArray, rows: NDArray[np.intp], W: NDArray, b: NDArray, c: NDArray, velocity: list[NDArray],
             rng: np.random.Generator, *, k: int, chain: NDArray | None, lr: float, mu: float, l1: float, l2: float,
             proximal: bool) -> None:
        """One mini-batch update of ``W``, ``b``, ``c`` and their ``velocity`` in place; ``chain`` (PCD) too.

        Bit for bit ``F.cd_statistics(X[rows], W, b, c, rng, k=k, chain=chain)`` and
        ``BernoulliRBM._update``'s momentum step (with ``chain`` overwritten by the chain's end).
        """
        dt = W.dtype.type
        n = len(rows)
        m = n if chain is None else len(chain)
        v0 = self.both[:n]
        np.take(X, rows, axis=0, out=v0)
        ph0 = self.ph0[:n]
        self._probabilities(v0, W, c, ph0)
        if chain is None:
            # CD: the chain starts at the data; P(h|v_data) is both phases' start
            self._sample_hidden(ph0, rng, n, dt(1.0 / n), self.scaled[:n])
            ph = ph0
        else:
            _finish(ph0, ph0, self.scaled[:n], dt(1.0 / n), ph0, False)
            ph = self.ph[:m]
            self._probabilities(chain, W, c, ph)
            _finish(ph, ph, self.scaled[n:n + m], dt(1.0), ph, False)  # scratch: overwritten below
            self._sample_hidden(ph, rng, m, None, None)
        vk = self.both[n:n + m]
        for step in range(k):
            if step:
                self._sample_hidden(ph, rng, m, None, None)
            pv = self.pv[:m]
            np.matmul(self.h[:m], W, out=pv)
            _bias_half(pv, b)
            np.tanh(pv, out=pv)
            u = self.u_visible[:m]
            rng.random(out=u, dtype=dt)
            _sample(pv, u, vk)
            ph = self.ph[:m]
            self._probabilities(vk, W, c, ph)
            _finish(ph, ph, self.scaled[n:n + m], dt(-1.0 / m), ph, False)
        db = v0.mean(axis=0) - vk.mean(axis=0)
        dc = ph0.mean(axis=0) - ph.mean(axis=0)
        np.matmul(self.scaled[:n + m].T, self.both[:n + m], out=self.dW)
        if chain is not None:
            chain[...] = vk
        proximal = bool(proximal and l1)
        penalty_l1 = dt(0.0) if proximal else dt(l1)
        _step(W.reshape(-1), velocity[0].reshape(-1), self.dW.reshape(-1), dt(lr), dt(mu), penalty_l1, dt(l2),
              proximal, dt(lr * l1))
        zero = dt(0.0)
        _step(b, velocity[1], db, dt(lr), dt(mu), zero, zero, False, zero)
        _step(c, velocity[2], dc, dt(lr), dt(mu), zero, zero, False, zero)

    @staticmethod
    def _probabilities(v: NDArray, W: NDArray, c: NDArray, out: NDArray) -> None:
        """``out = tanh((v W^T + c) / 2)``: P(h|v) but for its final affine map (done by the kernel that reads it)."""
        np.matmul(v, W.T, out=out)
        _bias_half(out, c)
        np.tanh(out, out=out)

    def _sample_hidden(self, t: NDArray, rng: np.random.Generator, m: int, scale: object, scaled: NDArray | None) -> None:
        """Finish the sigmoid ``t`` (unless already finished: ``scale`` None means finished) and sample ``h``."""
        u = self.u_hidden[:m]
        rng.random(out=u, dtype=t.dtype.type)
        if scale is not None:
            _finish(t, u, scaled, scale, self.h[:m], True)
        else:  # t holds probabilities already: compare directly
            _compare(t, u, self.h[:m])


@njit(cache=True, nogil=True)
def _compare(p, u, out):  # pragma: no cover - compiled
    """``out = u < p`` as 0.0 / 1.0."""
    one, zero = p.dtype.type(1.0), p.dtype.type(0.0)
    for r in range(p.shape[0]):
        for j in range(p.shape[1]):
            out[r, j] = one if u[r, j] < p[r, j] else zero
