r"""The one-dimensional Ising chain: partition functions, correlations, decimation.

For :math:`H = -J \sum_i s_i s_{i+1}` with :math:`K = \beta J` and
:math:`t = \tanh K`, the transfer matrix has eigenvalues :math:`2\cosh K` and
:math:`2\sinh K`, so

.. math::

    Z_\text{ring} = (2\cosh K)^n + (2\sinh K)^n, \qquad
    Z_\text{open} = 2 (2\cosh K)^{n-1}, \qquad
    \langle s_0 s_r \rangle_\text{ring} = \frac{t^r + t^{n-r}}{1 + t^n}
    \xrightarrow{n\to\infty} t^r .

Summing out every other spin (decimation by a factor :math:`b = 2`) maps the
chain onto itself with :math:`\tanh K' = \tanh^2 K`; Mehta & Schwab (2014)
write this step exactly as an RBM layer.

Bonds follow the ``numpy.roll`` convention of :class:`deeprg.ising.IsingModel`:
a ring of 2 spins has two bonds between them, a ring of 1 spin a bond with itself.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg._validation import check_beta, check_coupling, check_int
from deeprg.errors import InvalidParameterError
from deeprg.ising.exact._validation import as_output

__all__ = ["chain_correlation", "chain_log_partition_function", "decimated_coupling"]


def _log_2cosh(K: float) -> float:
    return abs(K) + float(np.log1p(np.exp(-2.0 * abs(K))))


def _log1mexp(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """:math:`\\ln(1 - e^x)` for :math:`x \\le 0` without cancellation (Maechler 2012).

    ``log(-expm1(x))`` near 0 and ``log1p(-exp(x))`` below :math:`-\\ln 2`, each where it is exact.
    """
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore"):
        near_zero = x > -np.log(2.0)
        return np.where(near_zero, np.log(-np.expm1(np.where(near_zero, x, -1.0))), np.log1p(-np.exp(np.minimum(x, 0.0))))


def _log_abs_tanh(K: NDArray[np.float64]) -> NDArray[np.float64]:
    """ln|tanh K| without cancellation (``-inf`` at K = 0)."""
    a = np.abs(K)
    return _log1mexp(-2.0 * a) - np.log1p(np.exp(-2.0 * a))


def _reduced_coupling(beta: float, coupling: float) -> float:
    beta = check_beta(beta)
    coupling = check_coupling(coupling)
    K = beta * coupling
    if not np.isfinite(K):
        raise InvalidParameterError(f"beta * coupling must be finite, got {beta!r} * {coupling!r}.")
    return K


def chain_log_partition_function(n: int, beta: float, coupling: float = 1.0, *, periodic: bool = True) -> float:
    r"""Exact :math:`\ln Z` of an Ising chain of ``n`` spins.

    .. math::

        \ln Z_\text{ring} = n \ln(2\cosh K) + \ln(1 + \tanh^n K), \qquad
        \ln Z_\text{open} = \ln 2 + (n - 1)\ln(2\cosh K).

    Parameters
    ----------
    n : int
        Number of spins, at least 1.
    beta : float
        Inverse temperature, finite and > 0.
    coupling : float, default 1.0
        Exchange coupling :math:`J` (negative for an antiferromagnet).
    periodic : bool, default True
        Ring (``n`` bonds, ``numpy.roll`` convention) or open chain (``n - 1`` bonds).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> bool(np.isclose(chain_log_partition_function(2, 0.3), np.log(4 * np.cosh(0.6))))
    True
    """
    n = check_int(n, "n", minimum=1)
    K = _reduced_coupling(beta, coupling)
    if not isinstance(periodic, (bool, np.bool_)):
        raise InvalidParameterError(f"periodic must be True or False, got {periodic!r}.")
    if not periodic:
        return float(np.log(2.0) + (n - 1) * _log_2cosh(K))
    t_power = np.exp(n * _log_abs_tanh(np.float64(K)))
    if K < 0 and n % 2:
        t_power = -t_power
    return float(n * _log_2cosh(K) + np.log1p(t_power))


def _check_distances(r: ArrayLike, n: int | None) -> NDArray[np.int64]:
    if isinstance(r, bool) or (isinstance(r, numbers.Real) and not isinstance(r, numbers.Integral)):
        raise InvalidParameterError(f"r (distance) must be a non-negative integer or array of them, got {r!r}.")
    arr = np.asarray(r)
    if arr.dtype.kind not in "iu":
        raise InvalidParameterError(
            f"r (distance) must hold non-negative integers, got dtype {arr.dtype}; pass e.g. np.arange(10)."
        )
    arr = arr.astype(np.int64)
    upper = "" if n is None else f" and <= n = {n}"
    if arr.size and (arr.min() < 0 or (n is not None and arr.max() > n)):
        bad = arr[(arr < 0) | ((arr > n) if n is not None else False)].flat[0]
        raise InvalidParameterError(f"r (distance) must be >= 0{upper}, found {bad}.")
    return arr


def chain_correlation(
    r: ArrayLike, beta: float, coupling: float = 1.0, *, n: int | None = None
) -> float | NDArray[np.float64]:
    r"""Spin-spin correlation :math:`\langle s_0 s_r \rangle` of an Ising chain.

    .. math::

        \langle s_0 s_r \rangle = t^r \ (n = \infty), \qquad
        \langle s_0 s_r \rangle = \frac{t^r + t^{n-r}}{1 + t^n} \ (\text{ring of } n),
        \qquad t = \tanh K .

    Parameters
    ----------
    r : int or array_like of int
        Distance(s), ``>= 0`` (and ``<= n`` on a ring).
    beta : float
        Inverse temperature, finite and > 0.
    coupling : float, default 1.0
        Exchange coupling :math:`J`.
    n : int, optional
        Number of spins of a ring (periodic chain); ``None`` for the infinite chain.

    Returns
    -------
    float or ndarray of float64, shape of ``r``
        The correlation length of the infinite chain is :math:`\xi = -1/\ln\tanh K`.
    """
    K = _reduced_coupling(beta, coupling)
    if n is not None:
        n = check_int(n, "n", minimum=1)
    dist = _check_distances(r, n)
    t = np.tanh(K)
    with np.errstate(under="ignore"):
        if n is None:
            out = np.power(t, dist.astype(np.float64))
        else:
            out = (np.power(t, dist.astype(np.float64)) + np.power(t, (n - dist).astype(np.float64))) / (1.0 + t**n)
    return as_output(np.asarray(out, dtype=np.float64))


def decimated_coupling(K: ArrayLike, factor: int = 2) -> float | NDArray[np.float64]:
    r"""Coupling of the 1D chain after decimation by ``factor``: :math:`\tanh K' = \tanh^b K`.

    For :math:`b = 2`, :math:`K' = \operatorname{artanh}(\tanh^2 K) = \tfrac12 \ln\cosh 2K`.
    Evaluated without cancellation for large :math:`K` (where :math:`\tanh^b K \to 1`).

    Parameters
    ----------
    K : float or array_like
        Dimensionless coupling(s) :math:`K = \beta J`, finite.
    factor : int, default 2
        Decimation factor :math:`b \ge 1` (keep every ``b``-th spin).

    Returns
    -------
    float or ndarray of float64, shape of ``K``
        :math:`K'`; non-negative for even ``factor``, with the sign of ``K`` for odd.

    Examples
    --------
    >>> import numpy as np
    >>> bool(np.isclose(decimated_coupling(1.0), 0.5 * np.log(np.cosh(2.0))))
    True
    """
    factor = check_int(factor, "factor", minimum=1)
    try:
        k = np.asarray(K, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"K must be a finite number or array of numbers, got {K!r}.") from None
    if np.asarray(K).dtype == np.bool_ or (k.size and not np.all(np.isfinite(k))):
        raise InvalidParameterError(f"K must be finite real coupling(s), got {K!r}.")
    abs_k = np.abs(k)
    log_t = _log_abs_tanh(k)
    with np.errstate(under="ignore", divide="ignore"):
        a = np.exp(factor * log_t)  # |tanh K|^b
        # artanh(a) = (log1p(a) - ln(1 - a)) / 2 with 1 - a = -expm1(b ln|t|); for large |K|,
        # ln|t| ~ -2 e^{-2|K|} underflows, and ln(1 - a) = ln(2b) - 2|K| up to O(b e^{-2|K|})
        asymptotic = np.log(2.0 * factor) - 2.0 * abs_k < np.log(1e-12)
        log_one_minus_a = np.where(asymptotic, np.log(2.0 * factor) - 2.0 * abs_k, _log1mexp(factor * log_t))
        magnitude = 0.5 * (np.log1p(a) - log_one_minus_a)
    sign = np.sign(k) if factor % 2 else np.ones_like(k)
    return as_output(np.where(k == 0, 0.0, sign * magnitude))
