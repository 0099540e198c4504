r"""Exact partition function, log-likelihood and its gradient for small RBMs (by enumeration)."""

from __future__ import annotations

import math
import numbers

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit

from deeprg.errors import InvalidParameterError
from deeprg.rbm.functional._checks import CHUNK_BYTES, check_layer, check_model
from deeprg.rbm.functional._core import FloatArray, _hidden_probabilities, free_energy, softplus_inplace

__all__ = [
    "MAX_ENUMERATION_UNITS",
    "log_likelihood",
    "log_likelihood_gradient",
    "log_partition_function",
    "model_expectations",
]

#: Largest size of the smaller layer that exact enumeration accepts: :math:`2^{24} \approx 1.7 \times 10^7`
#: states. They are visited in chunks (at most :math:`2^{16}` states, and at most about 64 MiB of
#: temporaries, per chunk), so memory stays bounded; the time grows as
#: :math:`2^{m} \, m \, n` for a smaller layer of :math:`m` units and a larger one of :math:`n`.
MAX_ENUMERATION_UNITS = 24

_MAX_CHUNK_STATES = 2**16


def _enumerate(
    W: FloatArray, b: FloatArray, c: FloatArray, *, moments: bool
) -> tuple[float, tuple[np.ndarray, np.ndarray, np.ndarray] | None]:
    """Sum over every state of the smaller layer, in float64.

    Returns ``log Z`` and, if ``moments``, the exact ``(<h v^T>, <v>, <h>)``.
    """
    n_hidden, n_visible = W.shape
    m = min(n_hidden, n_visible)
    if m > MAX_ENUMERATION_UNITS:
        raise InvalidParameterError(
            f"exact log Z enumerates 2^min(n_visible, n_hidden) states; this model has n_visible={n_visible} "
            f"and n_hidden={n_hidden}, i.e. 2^{m} states, above the limit of 2^{MAX_ENUMERATION_UNITS} "
            f"(MAX_ENUMERATION_UNITS={MAX_ENUMERATION_UNITS}). Use pseudo_log_likelihood for large models."
        )
    W = W.astype(np.float64)
    b = b.astype(np.float64)
    c = c.astype(np.float64)
    hidden = n_hidden <= n_visible
    # Enumerated layer s with bias e; the other layer o (summed analytically) with bias o_bias and
    # pre-activation o_bias + s @ A.  log weight(s) = s.e + sum softplus(o_bias + s @ A).
    A, e, o_bias = (W, c, b) if hidden else (W.T, b, c)
    n_other = A.shape[1]
    chunk = max(1, min(_MAX_CHUNK_STATES, CHUNK_BYTES // (8 * (2 * n_other + m))))
    shifts = np.arange(m, dtype=np.int64)
    log_scale = -np.inf
    total = 0.0
    if moments:
        acc_s = np.zeros(m)
        acc_o = np.zeros(n_other)
        acc_so = np.zeros((m, n_other))
    for start in range(0, 2**m, chunk):
        k = np.arange(start, min(start + chunk, 2**m), dtype=np.int64)
        s = ((k[:, np.newaxis] >> shifts) & 1).astype(np.float64)
        pre = s @ A
        pre += o_bias
        mean_o = expit(pre) if moments else None
        log_w = s @ e + softplus_inplace(pre).sum(axis=1)
        top = float(log_w.max())
        if top > log_scale:
            rescale = math.exp(log_scale - top)
            total *= rescale
            if moments:
                acc_s *= rescale
                acc_o *= rescale
                acc_so *= rescale
            log_scale = top
        w = np.exp(log_w - log_scale)
        total += float(w.sum())
        if moments:
            acc_s += w @ s
            mean_o *= w[:, np.newaxis]
            acc_o += mean_o.sum(axis=0)
            acc_so += s.T @ mean_o
    log_z = log_scale + math.log(total)
    if not moments:
        return log_z, None
    acc_s /= total
    acc_o /= total
    acc_so /= total
    if hidden:
        return log_z, (acc_so, acc_o, acc_s)
    return log_z, (acc_so.T.copy(), acc_s, acc_o)


def log_partition_function(W: ArrayLike, b: ArrayLike, c: ArrayLike) -> float:
    r"""Exact log partition function, by enumerating the smaller layer.

    Summing out the larger layer analytically leaves :math:`2^{\min(n_v, n_h)}` terms:

    .. math::

        \log Z = \operatorname{logsumexp}_{h \in \{0,1\}^{n_h}}
                 \Bigl[\sum_j c_j h_j + \sum_i \operatorname{softplus}\bigl(b_i + (h W)_i\bigr)\Bigr]
               = \operatorname{logsumexp}_{v \in \{0,1\}^{n_v}} \bigl[-F(v)\bigr].

    The hidden layer is enumerated when ``n_hidden <= n_visible``, otherwise the
    visible layer. States are visited in chunks (see :data:`MAX_ENUMERATION_UNITS`)
    and everything is computed in float64 whatever the dtype of ``W``.

    Parameters
    ----------
    W : array_like, shape (n_hidden, n_visible)
        Weights.
    b : array_like, shape (n_visible,)
        Visible bias.
    c : array_like, shape (n_hidden,)
        Hidden bias.

    Returns
    -------
    float
        :math:`\log Z`.

    Raises
    ------
    InvalidParameterError
        If ``min(n_visible, n_hidden) > MAX_ENUMERATION_UNITS``.
    """
    W, b, c = check_model(W, b, c)
    return _enumerate(W, b, c, moments=False)[0]


def log_likelihood(v: ArrayLike, W: ArrayLike, b: ArrayLike, c: ArrayLike, *, log_z: float | None = None) -> float:
    r"""Exact mean log-likelihood of a data set.

    .. math::

        \mathcal{L} = \frac{1}{n} \sum_{s=1}^{n} \log P(v^{(s)})
                    = \frac{1}{n} \sum_{s=1}^{n} \bigl[-F(v^{(s)})\bigr] - \log Z

    Parameters
    ----------
    v : array_like, shape (n_samples, n_visible)
        Visible states in {0, 1} (at least one sample).
    W : array_like, shape (n_hidden, n_visible)
        Weights; free energies are computed in its dtype, the mean in float64.
    b : array_like, shape (n_visible,)
        Visible bias.
    c : array_like, shape (n_hidden,)
        Hidden bias.
    log_z : float, optional
        :math:`\log Z` if already known (e.g. to score several data sets);
        computed with :func:`log_partition_function` when omitted.

    Returns
    -------
    float
        Mean log-likelihood in nats per sample (divide by ``n_visible`` for nats per spin).
    """
    W, b, c = check_model(W, b, c)
    v = check_layer(v, "v", "visible", W.shape[1], W.shape, W.dtype, min_samples=1)
    if log_z is None:
        log_z = _enumerate(W, b, c, moments=False)[0]
    elif isinstance(log_z, bool) or not isinstance(log_z, numbers.Real) or not math.isfinite(log_z):
        raise InvalidParameterError(
            f"log_z must be a finite real number (the value of log_partition_function(W, b, c)); got {log_z!r}. "
            "Omit it to compute it exactly."
        )
    return float(-np.mean(free_energy(v, W, b, c), dtype=np.float64) - float(log_z))


def model_expectations(W: ArrayLike, b: ArrayLike, c: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Exact moments under the model distribution, by enumerating the smaller layer.

    .. math::

        E_W = \langle h v^\top \rangle_{\text{model}}, \quad
        E_b = \langle v \rangle_{\text{model}}, \quad
        E_c = \langle h \rangle_{\text{model}},

    with the larger layer summed analytically through its conditional mean
    (e.g. :math:`\langle h_j v_i \rangle = \sum_h P(h)\, h_j\, \sigma(b_i + (hW)_i)`).
    Computed in float64, with the same limit as :func:`log_partition_function`.

    Parameters
    ----------
    W : array_like, shape (n_hidden, n_visible)
        Weights.
    b : array_like, shape (n_visible,)
        Visible bias.
    c : array_like, shape (n_hidden,)
        Hidden bias.

    Returns
    -------
    EW : ndarray of float64, shape (n_hidden, n_visible)
    Eb : ndarray of float64, shape (n_visible,)
    Ec : ndarray of float64, shape (n_hidden,)
    """
    W, b, c = check_model(W, b, c)
    return _enumerate(W, b, c, moments=True)[1]


def log_likelihood_gradient(
    v: ArrayLike, W: ArrayLike, b: ArrayLike, c: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    r"""Exact gradient of :func:`log_likelihood` (the ascent direction).

    .. math::

        \frac{\partial \mathcal{L}}{\partial W} =
            \frac{1}{n}\sum_s P(h \mid v^{(s)})\, v^{(s)\top} - \langle h v^\top \rangle_{\text{model}},\quad
        \frac{\partial \mathcal{L}}{\partial b} = \bar v - \langle v \rangle_{\text{model}},\quad
        \frac{\partial \mathcal{L}}{\partial c} =
            \frac{1}{n}\sum_s P(h \mid v^{(s)}) - \langle h \rangle_{\text{model}}.

    The data term is computed in the dtype of ``W``, the model term
    (:func:`model_expectations`) in float64; the result has the dtype of ``W``.

    Parameters
    ----------
    v : array_like, shape (n_samples, n_visible)
        Visible states in {0, 1} (at least one sample).
    W : array_like, shape (n_hidden, n_visible)
        Weights.
    b : array_like, shape (n_visible,)
        Visible bias.
    c : array_like, shape (n_hidden,)
        Hidden bias.

    Returns
    -------
    dW : ndarray, shape (n_hidden, n_visible)
    db : ndarray, shape (n_visible,)
    dc : ndarray, shape (n_hidden,)
    """
    W, b, c = check_model(W, b, c)
    v = check_layer(v, "v", "visible", W.shape[1], W.shape, W.dtype, min_samples=1)
    _, (EW, Eb, Ec) = _enumerate(W, b, c, moments=True)
    n = v.shape[0]
    ph = _hidden_probabilities(v, W, c)
    dW = ph.T @ v
    dW /= n
    dW -= EW.astype(W.dtype)
    db = v.mean(axis=0) - Eb.astype(W.dtype)
    dc = ph.mean(axis=0) - Ec.astype(W.dtype)
    return dW, db, dc
