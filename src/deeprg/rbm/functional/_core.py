r"""Energies, conditionals and Gibbs sampling of a Bernoulli-Bernoulli RBM."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from deeprg.errors import InvalidParameterError
from deeprg.rbm.functional._checks import check_layer, check_model, check_rng, working_dtype

__all__ = [
    "energy",
    "free_energy",
    "gibbs_step",
    "hidden_probabilities",
    "sample_bernoulli",
    "sigmoid",
    "softplus",
    "visible_probabilities",
]

FloatArray = NDArray[np.floating]


def _as_float(x: ArrayLike) -> FloatArray:
    arr = np.asarray(x)
    return arr.astype(working_dtype(arr.dtype), copy=False)


def softplus_inplace(x: FloatArray, work: FloatArray | None = None) -> FloatArray:
    """Overwrite ``x`` with ``softplus(x)``; ``work`` is optional scratch of the same shape and dtype."""
    work = np.abs(x, out=work)
    np.negative(work, out=work)
    np.exp(work, out=work)
    np.log1p(work, out=work)
    np.maximum(x, 0, out=x)
    x += work
    return x


def sigmoid(x: ArrayLike) -> FloatArray:
    r"""Logistic function, evaluated without overflow.

    .. math::

        \sigma(x) = \frac{1}{1 + e^{-x}}

    Parameters
    ----------
    x : array_like
        Any shape. float32 stays float32; other inputs are computed in float64.

    Returns
    -------
    ndarray
        Same shape as ``x``, values in [0, 1] (:func:`scipy.special.expit`).
    """
    return expit(_as_float(x))


def softplus(x: ArrayLike) -> FloatArray:
    r"""Softplus, evaluated without overflow or loss of precision.

    .. math::

        \operatorname{softplus}(x) = \log(1 + e^{x}) = \max(x, 0) + \log\bigl(1 + e^{-|x|}\bigr)

    This is ``np.logaddexp(0, x)`` (the same stable formula) evaluated with
    vectorized ``exp``/``log1p``, several times faster on large arrays.

    Parameters
    ----------
    x : array_like
        Any shape. float32 stays float32; other inputs are computed in float64.

    Returns
    -------
    ndarray
        Same shape as ``x``, values >= 0.
    """
    return softplus_inplace(np.array(_as_float(x), copy=True))


def energy(v: ArrayLike, h: ArrayLike, W: ArrayLike, b: ArrayLike, c: ArrayLike) -> FloatArray:
    r"""Energy of joint configurations.

    .. math::

        E(v, h) = -\sum_i b_i v_i - \sum_j c_j h_j - \sum_{ij} h_j W_{ji} v_i

    Parameters
    ----------
    v : array_like, shape (n_samples, n_visible)
        Visible states (usually in {0, 1}).
    h : array_like, shape (n_samples, n_hidden)
        Hidden states (usually in {0, 1}).
    W : array_like, shape (n_hidden, n_visible)
        Weights (scikit-learn's ``components_``); its dtype is the working dtype.
    b : array_like, shape (n_visible,)
        Visible bias.
    c : array_like, shape (n_hidden,)
        Hidden bias.

    Returns
    -------
    ndarray, shape (n_samples,)
        :math:`E(v, h)` in the dtype of ``W``.
    """
    W, b, c = check_model(W, b, c)
    v = check_layer(v, "v", "visible", W.shape[1], W.shape, W.dtype)
    h = check_layer(h, "h", "hidden", W.shape[0], W.shape, W.dtype)
    if h.shape[0] != v.shape[0]:
        raise InvalidParameterError(
            f"v and h must hold the same number of samples; got {v.shape[0]} and {h.shape[0]} rows."
        )
    return -(v @ b) - (h @ c) - np.einsum("ni,ni->n", h @ W, v)


def free_energy(v: ArrayLike, W: ArrayLike, b: ArrayLike, c: ArrayLike) -> FloatArray:
    r"""Free energy of visible configurations (the hidden layer summed out).

    .. math::

        F(v) = -\log \sum_h e^{-E(v, h)}
             = -\sum_i b_i v_i - \sum_j \operatorname{softplus}\Bigl(c_j + \sum_i W_{ji} v_i\Bigr),
        \qquad P(v) = e^{-F(v)} / Z.

    Parameters
    ----------
    v : array_like, shape (n_samples, n_visible)
        Visible states (usually in {0, 1}).
    W : array_like, shape (n_hidden, n_visible)
        Weights; its dtype (float32 or float64) is the working dtype.
    b : array_like, shape (n_visible,)
        Visible bias.
    c : array_like, shape (n_hidden,)
        Hidden bias.

    Returns
    -------
    ndarray, shape (n_samples,)
        :math:`F(v)` in the dtype of ``W``.
    """
    W, b, c = check_model(W, b, c)
    v = check_layer(v, "v", "visible", W.shape[1], W.shape, W.dtype)
    x = v @ W.T
    x += c
    return -(v @ b) - softplus_inplace(x).sum(axis=1)


def hidden_probabilities(v: ArrayLike, W: ArrayLike, c: ArrayLike) -> FloatArray:
    r"""Conditional probabilities of the hidden units.

    .. math::

        P(h_j = 1 \mid v) = \sigma\Bigl(c_j + \sum_i W_{ji} v_i\Bigr)

    Parameters
    ----------
    v : array_like, shape (n_samples, n_visible)
        Visible states or probabilities (mean-field inputs are allowed).
    W : array_like, shape (n_hidden, n_visible)
        Weights; its dtype is the working dtype.
    c : array_like, shape (n_hidden,)
        Hidden bias.

    Returns
    -------
    ndarray, shape (n_samples, n_hidden)
        Probabilities in the dtype of ``W`` (what ``transform`` returns).
    """
    W, _, c = check_model(W, None, c)
    v = check_layer(v, "v", "visible", W.shape[1], W.shape, W.dtype)
    return _hidden_probabilities(v, W, c)


def visible_probabilities(h: ArrayLike, W: ArrayLike, b: ArrayLike) -> FloatArray:
    r"""Conditional probabilities of the visible units.

    .. math::

        P(v_i = 1 \mid h) = \sigma\Bigl(b_i + \sum_j h_j W_{ji}\Bigr)

    Parameters
    ----------
    h : array_like, shape (n_samples, n_hidden)
        Hidden states or probabilities.
    W : array_like, shape (n_hidden, n_visible)
        Weights; its dtype is the working dtype.
    b : array_like, shape (n_visible,)
        Visible bias.

    Returns
    -------
    ndarray, shape (n_samples, n_visible)
        Probabilities in the dtype of ``W``.
    """
    W, b, _ = check_model(W, b, None)
    h = check_layer(h, "h", "hidden", W.shape[0], W.shape, W.dtype)
    return _visible_probabilities(h, W, b)


def sample_bernoulli(p: ArrayLike, rng: np.random.Generator) -> FloatArray:
    r"""Draw independent Bernoulli variables, one per entry of ``p``.

    Entry ``x`` is 1 when a uniform draw ``u`` in [0, 1) satisfies ``u < p``, so
    :math:`P(x = 1) = p`. All uniforms come from one call
    ``rng.random(p.shape, dtype=...)`` (C order), so a seeded generator gives the
    same bits every time. Values of ``p`` are not checked: ``p <= 0`` gives 0,
    ``p >= 1`` gives 1 (and NaN gives 0).

    Parameters
    ----------
    p : array_like
        Probabilities, any shape. float32 stays float32; other inputs use float64.
    rng : numpy.random.Generator
        The source of randomness (a seed is refused: it would repeat the same bits on every call).

    Returns
    -------
    ndarray
        Same shape and floating dtype as ``p``, values in {0, 1}.
    """
    rng = check_rng(rng)
    return _sample(_as_float(p), rng)


def gibbs_step(
    v: ArrayLike, W: ArrayLike, b: ArrayLike, c: ArrayLike, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    r"""One block-Gibbs sweep :math:`v \to h \to v'`.

    .. math::

        h \sim P(h \mid v), \qquad v' \sim P(v \mid h)

    Both layers are sampled (binary). The generator is used twice, first for
    ``(n_samples, n_hidden)`` then for ``(n_samples, n_visible)`` uniforms.

    Parameters
    ----------
    v : array_like, shape (n_samples, n_visible)
        Current visible states.
    W : array_like, shape (n_hidden, n_visible)
        Weights; its dtype is the working dtype.
    b : array_like, shape (n_visible,)
        Visible bias.
    c : array_like, shape (n_hidden,)
        Hidden bias.
    rng : numpy.random.Generator
        The source of randomness.

    Returns
    -------
    v_new : ndarray, shape (n_samples, n_visible)
        Sampled visible states in {0, 1}, dtype of ``W``.
    h : ndarray, shape (n_samples, n_hidden)
        The hidden states sampled on the way, in {0, 1}, dtype of ``W``.
    """
    rng = check_rng(rng)
    W, b, c = check_model(W, b, c)
    v = check_layer(v, "v", "visible", W.shape[1], W.shape, W.dtype)
    h = _sample(_hidden_probabilities(v, W, c, fast=True), rng)
    return _sample(_visible_probabilities(h, W, b, fast=True), rng), h


# --- unchecked kernels shared with the other submodules -------------------------------------


def _sigmoid_for_sampling(x: FloatArray) -> FloatArray:
    """In-place :math:`\\sigma(x) = (1 + \\tanh(x/2))/2`.

    NumPy's ``tanh`` is vectorised, ``expit`` is not: about 9x faster in float32. The
    absolute error (~1e-7) is below the resolution of float32 uniforms, so it is used
    where probabilities drive Bernoulli draws and CD statistics; public functions keep
    ``expit``, which also keeps relative precision for tiny probabilities.
    """
    x *= 0.5
    np.tanh(x, out=x)
    x *= 0.5
    x += 0.5
    return x


def _hidden_probabilities(v: FloatArray, W: FloatArray, c: FloatArray, *, fast: bool = False) -> FloatArray:
    x = v @ W.T
    x += c
    return _sigmoid_for_sampling(x) if fast else expit(x, out=x)


def _visible_probabilities(h: FloatArray, W: FloatArray, b: FloatArray, *, fast: bool = False) -> FloatArray:
    x = h @ W
    x += b
    return _sigmoid_for_sampling(x) if fast else expit(x, out=x)


def _sample(p: FloatArray, rng: np.random.Generator) -> FloatArray:
    u = rng.random(p.shape, dtype=p.dtype.type)
    return np.less(u, p, out=u)
