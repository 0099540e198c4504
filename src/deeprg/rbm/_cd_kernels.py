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

- with the hidden inputs computed transposed, :math:`W v^\top` (hidden units x rows) instead of
  :math:`v W^\top`: with the batch as the right-hand operand the product runs at the rate of the
  other two (173 against 125 GFLOP/s at 100 x 1600 -> 400 on two Zen 4 cores), and each element
  is the same dot product accumulated in the same order (checked bit for bit by the tests at
  sizes where BLAS blocks and threads, and at the paper's size); the kernel that finishes the
  sigmoid reads it transposed.

What stays NumPy, so that the bits stay those of the reference: the matrix products (the same
BLAS, with each dot product over the same operands), ``tanh`` (NumPy's vectorised float32 ``tanh``), the uniforms
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
def _bias_half_rows(x, bias):  # pragma: no cover - compiled
    """``x = (x + bias[:, None]) * 0.5``: the same for the transposed layout (one bias per row)."""
    half = x.dtype.type(0.5)
    for j in range(x.shape[0]):
        bj = bias[j]
        for r in range(x.shape[1]):
            x[j, r] = (x[j, r] + bj) * half


@njit(cache=True, nogil=True)
def _finish(tT, u, p, scaled, scale, sample, draw):  # pragma: no cover - compiled
    """From ``tT`` (hidden units x rows): ``p = tT.T * 0.5 + 0.5`` (the sigmoid from ``tanh``),
    ``scaled = p * scale``; with ``draw``, ``sample = u < p``."""
    half = tT.dtype.type(0.5)
    one, zero = tT.dtype.type(1.0), tT.dtype.type(0.0)
    for r in range(p.shape[0]):
        for j in range(p.shape[1]):
            q = tT[j, r] * half + half
            p[r, j] = q
            scaled[r, j] = q * scale
            if draw:
                sample[r, j] = one if u[r, j] < q else zero


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
        # W v^T, hidden units x rows, contiguous: a product with the batch as the right operand runs at the
        # rate of the others (173 against 125 GFLOP/s for v W^T at 100 x 1600 -> 400 on 2 Zen 4 cores)
        self.xT = np.empty(n_hidden * max(batch_size, m), dtype)

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
        ph0, h = self.ph0[:n], self.h[:m]
        if chain is None:
            # CD: the chain starts at the data; P(h|v_data) is both phases' start
            u = self.u_hidden[:n]
            rng.random(out=u, dtype=dt)
            _finish(self._hidden_tanh(v0, W, c), u, ph0, self.scaled[:n], dt(1.0 / n), h, True)
            ph = ph0
        else:
            _finish(self._hidden_tanh(v0, W, c), self.u_hidden[:n], ph0, self.scaled[:n], dt(1.0 / n), h, False)
            ph = self.ph[:m]
            u = self.u_hidden[:m]
            tT = self._hidden_tanh(chain, W, c)
            rng.random(out=u, dtype=dt)
            _finish(tT, u, ph, self.scaled[n:n + m], dt(1.0), h, True)  # scaled: scratch, overwritten below
        vk = self.both[n:n + m]
        for step in range(k):
            if step:
                u = self.u_hidden[:m]
                rng.random(out=u, dtype=dt)
                _compare(ph, u, h)
            pv = self.pv[:m]
            np.matmul(h, W, out=pv)
            _bias_half(pv, b)
            np.tanh(pv, out=pv)
            u = self.u_visible[:m]
            rng.random(out=u, dtype=dt)
            _sample(pv, u, vk)
            ph = self.ph[:m]
            _finish(self._hidden_tanh(vk, W, c), u, ph, self.scaled[n:n + m], dt(-1.0 / m), h, False)
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

    def _hidden_tanh(self, v: NDArray, W: NDArray, c: NDArray) -> NDArray:
        """``tanh((W v^T + c) / 2)``, hidden units x rows: P(h|v) transposed but for its final affine map
        (done by :func:`_finish`, which reads it)."""
        xT = self.xT[: W.shape[0] * len(v)].reshape(W.shape[0], len(v))
        np.matmul(W, v.T, out=xT)
        _bias_half_rows(xT, c)
        np.tanh(xT, out=xT)
        return xT


@njit(cache=True, nogil=True)
def _compare(p, u, out):  # pragma: no cover - compiled
    """``out = u < p`` as 0.0 / 1.0."""
    one, zero = p.dtype.type(1.0), p.dtype.type(0.0)
    for r in range(p.shape[0]):
        for j in range(p.shape[1]):
            out[r, j] = one if u[r, j] < p[r, j] else zero
