r"""Stochastic and deterministic estimates for RBMs of any size: CD-k, pseudo-likelihood, reconstruction."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from deeprg._validation import check_int
from deeprg.rbm.functional._checks import CHUNK_BYTES, check_binary, check_layer, check_model, check_rng
from deeprg.rbm.functional._core import (
    FloatArray,
    _hidden_probabilities,
    _sample,
    _visible_probabilities,
    softplus_inplace,
)
from deeprg.rbm.functional._kernels import pll_log_sums

__all__ = ["cd_statistics", "pseudo_log_likelihood", "reconstruction_error"]


def cd_statistics(
    v_data: ArrayLike,
    W: ArrayLike,
    b: ArrayLike,
    c: ArrayLike,
    rng: np.random.Generator,
    *,
    k: int = 1,
    chain: ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    r"""Contrastive-divergence (CD-k / PCD-k) estimate of the log-likelihood gradient.

    Same sign convention as :func:`log_likelihood_gradient` (the ascent
    direction: add ``learning_rate * dW`` to ``W``):

    .. math::

        \Delta W = \frac{1}{n}\sum_{s=1}^{n} P(h \mid v^{(s)})\, v^{(s)\top}
                 - \frac{1}{m}\sum_{r=1}^{m} P(h \mid v_k^{(r)})\, v_k^{(r)\top},\quad
        \Delta b = \bar v - \bar v_k,\quad
        \Delta c = \overline{P(h \mid v)} - \overline{P(h \mid v_k)}.

    *Positive phase*: the data ``v_data`` and :math:`P(h \mid v_{\text{data}})`.
    *Negative phase*: the chain starts from ``chain`` when given (persistent
    CD), otherwise from ``v_data``; it runs ``k`` Gibbs steps
    :math:`v_{t} \to h_t \sim P(h \mid v_t) \to v_{t+1} \sim P(v \mid h_t)`, both
    layers **sampled** (binary). The negative statistics use the final binary
    visible states :math:`v_k` and the hidden **probabilities**
    :math:`P(h \mid v_k)`. Each phase is averaged over its own rows
    (:math:`n` data rows, :math:`m` chain rows).

    This differs from Hinton's ``rbm.m``, which uses the mean-field
    reconstruction :math:`P(v \mid h)` as negative visible data; and from
    scikit-learn's ``BernoulliRBM``, which persists hidden rather than visible
    states. The random numbers are drawn per Gibbs step, first
    ``(m, n_hidden)`` then ``(m, n_visible)`` uniforms.

    Parameters
    ----------
    v_data : array_like, shape (n_samples, n_visible)
        A mini-batch of data (binary, or probabilities for a mean-field input).
    W : array_like, shape (n_hidden, n_visible)
        Weights; its dtype (float32 or float64) is the working dtype.
    b : array_like, shape (n_visible,)
        Visible bias.
    c : array_like, shape (n_hidden,)
        Hidden bias.
    rng : numpy.random.Generator
        The source of randomness.
    k : int, default 1
        Number of Gibbs steps (>= 1).
    chain : array_like, shape (n_chains, n_visible), optional
        Binary visible states of persistent chains (the ``chain_end`` of the
        previous call). ``n_chains`` may differ from ``n_samples``.

    Returns
    -------
    dW : ndarray, shape (n_hidden, n_visible)
    db : ndarray, shape (n_visible,)
    dc : ndarray, shape (n_hidden,)
        The gradient estimate, dtype of ``W``.
    chain_end : ndarray, shape (n_chains, n_visible) or (n_samples, n_visible)
        The final binary visible states :math:`v_k`, to pass back as ``chain``
        for persistent CD.
    """
    rng = check_rng(rng)
    k = check_int(k, "k", minimum=1, hint=" k is the number of Gibbs steps of CD-k; use k=1 for CD-1.")
    W, b, c = check_model(W, b, c)
    v0 = check_layer(v_data, "v_data", "visible", W.shape[1], W.shape, W.dtype, min_samples=1)
    ph0 = _hidden_probabilities(v0, W, c, fast=True)
    if chain is None:
        vk, ph = v0, ph0
    else:
        vk = check_layer(chain, "chain", "visible", W.shape[1], W.shape, W.dtype, min_samples=1)
        check_binary(vk, "chain")
        ph = _hidden_probabilities(vk, W, c, fast=True)
    for _ in range(k):
        vk = _sample(_visible_probabilities(_sample(ph, rng), W, b, fast=True), rng)
        ph = _hidden_probabilities(vk, W, c, fast=True)
    n, m = v0.shape[0], vk.shape[0]
    # Both phases in one matrix product: [P(h|v0) / n; -P(h|vk) / m]^T @ [v0; vk].
    scaled = np.empty((n + m, W.shape[0]), dtype=W.dtype)
    np.multiply(ph0, 1.0 / n, out=scaled[:n])
    np.multiply(ph, -1.0 / m, out=scaled[n:])
    dW = scaled.T @ np.concatenate((v0, vk))
    db = v0.mean(axis=0) - vk.mean(axis=0)
    dc = ph0.mean(axis=0) - ph.mean(axis=0)
    return dW, db, dc, vk


def pseudo_log_likelihood(
    v: ArrayLike, W: ArrayLike, b: ArrayLike, c: ArrayLike, *, chunk_size: int | None = None
) -> FloatArray:
    r"""Deterministic pseudo-log-likelihood per spin: every site, no randomness.

    .. math::

        \operatorname{PLL}(v) = \frac{1}{n_v}\sum_{i=1}^{n_v} \log P(v_i \mid v_{-i})
        = -\frac{1}{n_v}\sum_{i=1}^{n_v} \operatorname{softplus}\bigl(F(v) - F(v^{(i)})\bigr),

    where :math:`v^{(i)}` is :math:`v` with bit :math:`i` flipped. With
    :math:`x = W v + c` and :math:`s_i = 1 - 2 v_i`, flipping bit :math:`i`
    shifts :math:`x` by :math:`s_i W_{:, i}`, so

    .. math::

        F(v) - F(v^{(i)}) = s_i b_i + \sum_j \bigl[\operatorname{softplus}(x_j + s_i W_{ji})
                           - \operatorname{softplus}(x_j)\bigr].

    The cost is :math:`n \, n_v \, n_h` products and about a tenth as many logarithms (no
    matrix product per site; see :func:`_pll_log_form`); work proceeds in chunks of (sample,
    site) pairs so temporaries stay near 64 MiB.

    Unlike scikit-learn's ``BernoulliRBM.score_samples``, which flips *one
    random* bit per sample and multiplies by ``n_features`` (a noisy estimate
    of the sum, on a scale that grows with the system), this averages over all
    sites: it is exact, reproducible, and comparable across system sizes.
    For a model with no parameters (all zero) every site gives :math:`-\log 2`.

    Parameters
    ----------
    v : array_like, shape (n_samples, n_visible)
        Visible states, which must be in {0, 1}.
    W : array_like, shape (n_hidden, n_visible)
        Weights; computations run in its dtype.
    b : array_like, shape (n_visible,)
        Visible bias.
    c : array_like, shape (n_hidden,)
        Hidden bias.
    chunk_size : int, optional
        Most (sample, site) pairs processed at once (whole samples, at least one, for weights up to
        60; for larger ones, whose form needs ``2 * chunk_size * n_hidden`` numbers, sites may
        be split). Default: as many as fit in 64 MiB.

    Returns
    -------
    ndarray, shape (n_samples,)
        Mean of :math:`\log P(v_i \mid v_{-i})` over sites, in nats per spin (<= 0), dtype of ``W``.
    """
    W, b, c = check_model(W, b, c)
    v = check_layer(v, "v", "visible", W.shape[1], W.shape, W.dtype)
    check_binary(v, "v")
    n_hidden, n_visible = W.shape
    log_form = np.abs(W).max(initial=0) <= _MAX_LOG_FORM_WEIGHT
    if chunk_size is None:
        # the log form's temporaries per (sample, site) pair: a float64 sum and a few numbers; the softplus form's: 2 n_hidden
        per_pair = 16 if log_form else 2 * n_hidden * W.dtype.itemsize
        chunk_size = max(1, CHUNK_BYTES // per_pair)
    else:
        chunk_size = check_int(chunk_size, "chunk_size", minimum=1)
    rows = max(1, chunk_size // n_visible)
    sites = min(n_visible, chunk_size)
    n = v.shape[0]
    out = np.zeros(n, dtype=np.float64)
    if n == 0:
        return out.astype(W.dtype)
    if log_form:
        _pll_log_form(v, W, b, c, rows, out)
    else:
        _pll_softplus_form(v, W, b, c, rows, sites, out)
    out /= n_visible
    return out.astype(W.dtype)


#: Largest weight magnitude for the logarithm form of the pseudo-likelihood (``expm1(|W|)`` stays finite
#: in float32 below 88); larger weights use the softplus form.
_MAX_LOG_FORM_WEIGHT = 60.0


def _pll_log_form(v: FloatArray, W: FloatArray, b: FloatArray, c: FloatArray, rows: int,
                  out: NDArray[np.float64]) -> None:
    r"""Subtract :math:`\sum_i \operatorname{softplus}(\Delta_i)` of each sample from ``out``, one logarithm per
    product of terms.

    With :math:`a = s_i W_{ji}` and :math:`\pi_j = \sigma(-|x_j|) \le 1/2`,

    .. math::

        \operatorname{softplus}(x_j + a) - \operatorname{softplus}(x_j)
        = [x_j > 0]\, a + \log\bigl(1 + \pi_j \operatorname{expm1}(\pm a)\bigr)

    (the sign of the exponent is that of :math:`-x_j`): the argument of the logarithm is at least
    1/2, so nothing cancels. The logarithms of a site's terms are summed as logarithms of products
    of up to :func:`_product_group` terms (:func:`~deeprg.rbm.functional._kernels.pll_log_sums`,
    which needs no temporary per term): about a tenth of the logarithms, the same sum to float32
    rounding (a few 1e-7 per spin).
    """
    WT = np.ascontiguousarray(W.T)
    plus, minus = np.expm1(WT), np.expm1(-WT)
    group = _product_group(float(np.abs(W).max(initial=0)))
    sums = np.empty((min(rows, len(v)), W.shape[1]), dtype=np.float64)
    for r0 in range(0, len(v), rows):
        vr = v[r0 : r0 + rows]
        x = vr @ W.T
        x += c
        positive = x > 0
        weight = np.abs(x)
        np.negative(weight, out=weight)
        weight = expit(weight, out=weight)
        # [x_j > 0] a summed over j, for every site: s_i (W^T [x > 0])_i
        shift = positive.astype(W.dtype) @ W
        total = sums[: len(vr)]
        pll_log_sums(vr, positive, plus, minus, weight, group, total)
        delta = total.astype(W.dtype)
        fs = 1 - 2 * vr  # s_i: +1 turns a 0 into a 1, -1 turns a 1 into a 0
        delta += fs * (shift + b)
        out[r0 : r0 + rows] -= softplus_inplace(delta).sum(axis=1, dtype=np.float64)


def _product_group(largest_weight: float) -> int:
    r"""Most terms :math:`1 + \pi \operatorname{expm1}(\pm a)` whose product stays within ``1e+-30`` (float32's
    normal range is ``1e+-38``): each lies in ``[1/2, 1/2 + expm1(largest |W|) / 2]``; at most 64."""
    largest_term = 0.5 + 0.5 * float(np.expm1(largest_weight))
    bound = 30 * math.log(10)
    by_size = bound / math.log(largest_term) if largest_term > 1.0 else math.inf
    return int(max(1, min(64, by_size, bound / math.log(2))))


def _pll_softplus_form(v: FloatArray, W: FloatArray, b: FloatArray, c: FloatArray, rows: int, sites: int,
                       out: NDArray[np.float64]) -> None:
    """:func:`_pll_log_form` by two softplus evaluations per term (for weights too large for ``expm1``)."""
    n_hidden, n_visible = W.shape
    n = v.shape[0]
    WT = np.ascontiguousarray(W.T)
    size = min(rows, n) * sites * n_hidden
    buf = np.empty(size, dtype=W.dtype)
    work = np.empty(size, dtype=W.dtype)
    for r0 in range(0, n, rows):
        vr = v[r0 : r0 + rows]
        x = vr @ W.T
        x += c
        sp_x = softplus_inplace(x.copy())
        flip = 1 - 2 * vr  # s_i: +1 turns a 0 into a 1, -1 turns a 1 into a 0
        for s0 in range(0, n_visible, sites):
            fs = flip[:, s0 : s0 + sites]
            shape = (fs.shape[0], fs.shape[1], n_hidden)
            count = shape[0] * shape[1] * shape[2]
            t = buf[:count].reshape(shape)
            np.multiply(fs[:, :, np.newaxis], WT[np.newaxis, s0 : s0 + sites, :], out=t)
            t += x[:, np.newaxis, :]
            softplus_inplace(t, work[:count].reshape(shape))
            t -= sp_x[:, np.newaxis, :]
            delta = t.sum(axis=2)
            delta += fs * b[s0 : s0 + sites]
            out[r0 : r0 + rows] -= softplus_inplace(delta).sum(axis=1, dtype=np.float64)



def reconstruction_error(v: ArrayLike, W: ArrayLike, b: ArrayLike, c: ArrayLike) -> float:
    r"""Mean squared error of the mean-field reconstruction, per unit.

    .. math::

        \frac{1}{n\, n_v}\sum_{s, i}\bigl(v^{(s)}_i - \hat v^{(s)}_i\bigr)^2, \qquad
        \hat v = P\bigl(v = 1 \mid h = P(h = 1 \mid v)\bigr)

    (deterministic: hidden probabilities are propagated instead of samples).

    Parameters
    ----------
    v : array_like, shape (n_samples, n_visible)
        Visible states (at least one sample).
    W : array_like, shape (n_hidden, n_visible)
        Weights; computations run in its dtype, the mean accumulates in float64.
    b : array_like, shape (n_visible,)
        Visible bias.
    c : array_like, shape (n_hidden,)
        Hidden bias.

    Returns
    -------
    float
        Mean squared error per unit, in [0, 1].
    """
    W, b, c = check_model(W, b, c)
    v = check_layer(v, "v", "visible", W.shape[1], W.shape, W.dtype, min_samples=1)
    diff = _visible_probabilities(_hidden_probabilities(v, W, c), W, b)
    diff -= v
    np.square(diff, out=diff)
    return float(diff.mean(dtype=np.float64))
