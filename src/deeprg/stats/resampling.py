r"""Error bars for means and functions of means of autocorrelated Monte Carlo series.

Three tools, from simplest to most general:

* :func:`mean_estimate` — mean with the error :math:`\sqrt{2\tau_\mathrm{int}\operatorname{Var}(x)/n}`;
* :func:`blocking_error` — Flyvbjerg-Petersen blocking with Jonsson's automatic plateau test,
  a check on the error of a mean that does not go through :math:`\tau_\mathrm{int}`;
* :func:`jackknife` — blocked jackknife for nonlinear functions of several means
  (Binder cumulant, susceptibility, specific heat, ratios).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.stats
from numpy.typing import ArrayLike, NDArray

from deeprg._validation import check_int, check_real
from deeprg.errors import InvalidParameterError
from deeprg.stats._validation import as_series
from deeprg.stats.autocorrelation import _measure_tau, _warn_short_chain
from deeprg.stats.estimate import Estimate

__all__ = ["mean_estimate", "blocking_error", "jackknife"]

#: Fewest and most jackknife blocks chosen automatically. Fewer than ~20 blocks make the
#: error bar itself uncertain by more than ~15 % (relative error 1/sqrt(2(B-1)));
#: more than ~100 cost func evaluations without improving it much.
MIN_BLOCKS = 20
MAX_BLOCKS = 100

#: Fewest blocks at the selected blocking level before :func:`blocking_error` warns
#: (relative error of the error 1/sqrt(2(32-1)) ~ 13 %).
MIN_BLOCKING_BLOCKS = 32

#: Significance level of Jonsson's plateau test in :func:`blocking_error`.
_BLOCKING_ALPHA = 0.05


def mean_estimate(x: ArrayLike, *, tau: float | None = None) -> Estimate:
    r"""Mean of a correlated series with its standard error.

    .. math::

        \sigma_{\bar x} = \sqrt{\frac{2 \tau_\mathrm{int} \, s^2}{n}},

    with :math:`s^2` the sample variance (``ddof=1``) and :math:`\tau_\mathrm{int}` the
    integrated autocorrelation time in the Sokal convention (0.5 for independent data,
    where this reduces to the usual :math:`s / \sqrt n`).

    Parameters
    ----------
    x : array_like, shape (n,)
        Measurements in chain order, ``n >= 2``, all finite.
    tau : float, optional
        Known integrated autocorrelation time (>= 0) in units of one sample. When
        omitted it is measured with :func:`~deeprg.stats.integrated_autocorrelation_time`
        (default window), which warns if the chain is too short. A measured value below
        zero (strongly anticorrelated data) is clipped to 0 in the error.

    Returns
    -------
    Estimate
        ``mean``, ``error`` and the ``tau`` used.

    Raises
    ------
    InvalidParameterError
        If ``x`` is not a finite 1-D array of at least 2 numbers or ``tau`` is negative.

    Warns
    -----
    ShortChainWarning
        If ``tau`` is measured and the chain is shorter than 50 tau.
    """
    series = as_series(x, name="x")
    if tau is None:
        tau = _measure_tau(series).tau
    else:
        tau = check_real(tau, name="tau", minimum=0.0)
    n = series.shape[0]
    variance = float(np.var(series, ddof=1))
    error = math.sqrt(2.0 * max(tau, 0.0) * variance / n)
    return Estimate(mean=float(series.mean()), error=error, tau=tau)


def _blocking(x: NDArray[np.float64]) -> tuple[float, int, int, bool]:
    """Blocking analysis of a validated series.

    Returns
    -------
    error : float
        Standard error of the mean at the selected level.
    block_size : int
        Samples per block at that level (a power of two).
    n_blocks : int
        Number of blocks at that level.
    converged : bool
        Whether the plateau test passed before the last level.
    """
    if np.all(x == x[0]):
        return 0.0, 1, x.shape[0], True
    lengths, ratios, variances = [], [], []
    y = x
    while y.shape[0] >= 2:
        m = y.shape[0]
        dy = y - y.mean()
        variance = float(np.dot(dy, dy) / m)
        gamma = float(np.dot(dy[:-1], dy[1:]) / m)
        lengths.append(m)
        variances.append(variance)
        ratios.append(gamma / variance if variance > 0 else 0.0)
        if m % 2:
            y = y[:-1]
        y = 0.5 * (y[0::2] + y[1::2])
    d = len(lengths)
    lengths_a = np.asarray(lengths, dtype=np.float64)
    # M_j = sum_{i >= j} n_i (gamma_i / s_i^2)^2 is asymptotically chi^2 with d - j degrees of
    # freedom when the blocks from level j on are uncorrelated (Jonsson 2018); the quantile is
    # taken with those d - j degrees of freedom, as the theorem states.
    statistic = np.cumsum((lengths_a * np.asarray(ratios) ** 2)[::-1])[::-1]
    quantiles = scipy.stats.chi2.ppf(1.0 - _BLOCKING_ALPHA, df=np.arange(d, 0, -1))
    passed = np.flatnonzero(statistic < quantiles)
    level = int(passed[0]) if passed.size else d - 1
    converged = passed.size > 0 and level < d - 1
    n_blocks = lengths[level]
    # ddof=1 variance of the blocks over their number: s^2 / (n_b - 1) with s^2 the 1/n_b variance.
    error = math.sqrt(variances[level] / (n_blocks - 1))
    return error, 2**level, n_blocks, converged


def blocking_error(x: ArrayLike, *, warn: bool = True) -> float:
    r"""Standard error of the mean by Flyvbjerg-Petersen blocking with an automatic plateau.

    The series is repeatedly replaced by the means of consecutive pairs (a trailing odd
    sample is dropped at each level). The standard error computed from the blocks grows
    with the block size until the blocks are uncorrelated, then stays on a plateau. The
    level is chosen with Jonsson's (2018) automatic test: the first level :math:`j` at
    which

    .. math::

        M_j = \sum_{i \ge j} n_i \left(\frac{\hat\gamma_i(1)}{\hat\sigma_i^2}\right)^2
        < \chi^2_{d-j}(0.95),

    i.e. no remaining level shows a significant lag-1 correlation (:math:`n_i` blocks at
    level :math:`i`, :math:`d` levels). This needs no :math:`\tau_\mathrm{int}` and costs
    :math:`O(n)`; use it to cross-check :func:`mean_estimate`. Like every blocking
    estimate it is biased low by the residual correlation between blocks of size
    :math:`b`, a relative :math:`O(\tau_\mathrm{int}/b)`: a few percent for AR(1) chains
    with :math:`\tau_\mathrm{int} \approx 10`-20 and :math:`n = 2^{17}`.

    Parameters
    ----------
    x : array_like, shape (n,)
        Measurements in chain order, ``n >= 2``, all finite.
    warn : bool, default True
        Emit a :class:`~deeprg.stats.ShortChainWarning` when the test never passes
        before the last level (two blocks), or passes with fewer than 32 blocks left:
        the chain is too short for a trustworthy plateau.

    Returns
    -------
    float
        Standard error of the mean (0 for a constant series).

    Raises
    ------
    InvalidParameterError
        If ``x`` is not a finite 1-D array of at least 2 numbers.

    References
    ----------
    H. Flyvbjerg and H. G. Petersen, J. Chem. Phys. 91, 461 (1989).
    M. Jonsson, Phys. Rev. E 98, 043304 (2018).
    """
    series = as_series(x, name="x")
    error, block_size, n_blocks, converged = _blocking(series)
    if warn and (not converged or n_blocks < MIN_BLOCKING_BLOCKS):
        reason = (
            f"the samples stay correlated up to blocks of {block_size} samples"
            if not converged
            else f"the plateau starts at blocks of {block_size} samples"
        )
        _warn_short_chain(
            f"Blocking of {series.shape[0]} samples found no reliable plateau: {reason}, leaving "
            f"only {n_blocks} blocks (at least {MIN_BLOCKING_BLOCKS} are needed), so the standard "
            f"error {error:.3g} is uncertain and probably too small. Run a chain several times longer."
        )
    return error


def _check_series(series: tuple[ArrayLike, ...]) -> list[NDArray[np.float64]]:
    """Validate the series given to :func:`jackknife`: at least one, equally long."""
    if not series:
        raise InvalidParameterError(
            "jackknife needs at least one series after func; received none. "
            "Call it as jackknife(func, x) or jackknife(func, x, y, ...)."
        )
    arrays = [as_series(s, name=f"series[{i}]") for i, s in enumerate(series)]
    lengths = {a.shape[0] for a in arrays}
    if len(lengths) > 1:
        raise InvalidParameterError(
            "jackknife needs equally long series (measured on the same samples); received lengths "
            f"{[a.shape[0] for a in arrays]}. Trim them to a common length."
        )
    return arrays


def _call(func: Callable[..., Any], arrays: list[NDArray[np.float64]]) -> float:
    """Evaluate ``func`` and insist on a real scalar result (nan is allowed)."""
    value = np.asarray(func(*arrays))
    if value.ndim != 0 or value.dtype.kind not in "biuf":
        raise InvalidParameterError(
            f"jackknife's func must return one real number; it returned {value!r}. "
            "Reduce the result to a scalar (for example with float(...))."
        )
    return float(value)


def _block_edges(n: int, n_blocks: int) -> NDArray[np.int64]:
    """Boundaries of ``n_blocks`` contiguous blocks covering ``n`` samples, lengths differing by <= 1."""
    return np.linspace(0, n, n_blocks + 1).round().astype(np.int64)


def _automatic_blocks(arrays: list[NDArray[np.float64]]) -> tuple[int, float]:
    """Number of jackknife blocks of at least ``2 tau`` samples, and that ``tau``.

    ``tau`` is the largest integrated autocorrelation time among ``arrays`` (validated,
    equally long series). Warns once when a series is too short for its tau or fewer
    than :data:`MIN_BLOCKS` blocks fit.
    """
    n = arrays[0].shape[0]
    estimates = [_measure_tau(a, warn=False) for a in arrays]
    worst = max(estimates, key=lambda e: e.tau)
    tau = worst.tau
    min_block = max(1, math.ceil(2.0 * tau))
    n_blocks = max(2, min(n // min_block, MAX_BLOCKS))
    unreliable = [i for i, e in enumerate(estimates) if not e.reliable]
    if unreliable or n_blocks < MIN_BLOCKS:
        needed = math.ceil(max(50 * max(tau, 0.5), MIN_BLOCKS * min_block))
        _warn_short_chain(
            f"Only {n} samples for a blocked jackknife over {len(arrays)} series whose largest "
            f"integrated autocorrelation time is tau_int ~ {tau:.3g} ± {worst.error:.2g}: "
            f"{n // min_block} blocks of >= 2 tau samples fit"
            + (f" and series {unreliable} are shorter than 50 tau" if unreliable else "")
            + f". The error bar is unreliable: run a chain of at least {needed} samples."
        )
    return n_blocks, tau


def _blocked_mean_errors(y: NDArray[np.float64], n_blocks: int) -> NDArray[np.float64]:
    """Jackknife errors of the column means of ``y``, shape (n, k) -> (k,), vectorized.

    Identical to :func:`jackknife` with ``func = mean`` on each column, in one pass.
    """
    n = y.shape[0]
    edges = _block_edges(n, n_blocks)
    block_sums = np.add.reduceat(y, edges[:-1], axis=0)
    lengths = np.diff(edges).astype(np.float64)
    leave_one_out = (y.sum(axis=0) - block_sums) / (n - lengths)[:, np.newaxis]
    shifted = leave_one_out - leave_one_out[0]  # exact zeros when all agree (no round-off error)
    spread = shifted - shifted.mean(axis=0)
    return np.sqrt((n_blocks - 1) / n_blocks * np.sum(spread**2, axis=0))


def column_mean_errors(y: NDArray[np.float64], *, tau_columns: slice = slice(None)) -> tuple[NDArray[np.float64], float]:
    """Blocked-jackknife errors of the column means of per-sample series ``y`` (n, k) -> (k,).

    The block length is at least ``2 tau`` with ``tau`` the largest integrated
    autocorrelation time among the columns selected by ``tau_columns`` (leave out
    columns that are constant, e.g. G(0) = 1).

    Returns
    -------
    errors : ndarray, shape (k,)
    tau : float
        The autocorrelation time that set the blocks.
    """
    columns = range(y.shape[1])[tau_columns]
    n_blocks, tau = _automatic_blocks([np.ascontiguousarray(y[:, k]) for k in columns])
    return _blocked_mean_errors(y, n_blocks), tau


def jackknife(
    func: Callable[..., float],
    *series: ArrayLike,
    n_blocks: int | None = None,
    block_size: int | None = None,
) -> Estimate:
    r"""Blocked jackknife estimate of a function of one or more correlated series.

    The ``n`` samples are split into :math:`B` contiguous blocks of as equal lengths as
    possible (they differ by at most one sample, so every sample is used). With
    :math:`\theta_{(b)}` = ``func`` evaluated on the data without block :math:`b`,

    .. math::

        \sigma_\theta^2 = \frac{B - 1}{B} \sum_{b=1}^{B}
            \left(\theta_{(b)} - \bar\theta_{(\cdot)}\right)^2 .

    The central value is ``func`` on all data, without bias correction (the bias is
    :math:`O(1/n)`, far below the error for Monte Carlo lengths).

    Parameters
    ----------
    func : callable
        ``func(*subseries) -> float``; receives one 1-D array per series (the retained
        samples, in chain order) and returns a real number, typically a nonlinear
        function of their means, e.g. ``lambda a, b: a.mean() / b.mean()``.
    *series : array_like, each shape (n,)
        One or more equally long, finite series measured on the same samples.
    n_blocks : int, optional
        Number of blocks, ``2 <= n_blocks <= n``. Give at most one of ``n_blocks``
        and ``block_size``.
    block_size : int, optional
        Minimum samples per block, ``1 <= block_size <= n // 2``.

    Returns
    -------
    Estimate
        ``mean`` = ``func`` on all data, ``error`` = jackknife error, ``tau`` = the largest
        integrated autocorrelation time among the series when the blocking was chosen
        automatically, else ``None``.

    Notes
    -----
    When neither ``n_blocks`` nor ``block_size`` is given, blocks are at least
    :math:`\max(1, \lceil 2\tau \rceil)` samples long, with :math:`\tau` the largest
    :math:`\tau_\mathrm{int}` among the series (so the blocks are roughly independent),
    and there are ``min(n // that, 100)`` of them; fewer than 20 blocks trigger a
    :class:`~deeprg.stats.ShortChainWarning` (but are used: shorter blocks would
    underestimate the error).

    Raises
    ------
    InvalidParameterError
        If ``func`` is not callable or returns a non-scalar, the series are missing,
        unequal in length, not finite 1-D arrays, or the blocking is invalid.

    Warns
    -----
    ShortChainWarning
        If the blocking is automatic and a series is too short for its tau or fewer
        than 20 blocks fit.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.normal(2, 1, 1000), rng.normal(4, 1, 1000)
    >>> est = jackknife(lambda a, b: a.mean() / b.mean(), x, y)
    """
    if not callable(func):
        raise InvalidParameterError(
            f"jackknife's first argument must be a callable func(*subseries) -> float; "
            f"received {func!r}."
        )
    arrays = _check_series(series)
    n = arrays[0].shape[0]
    if n_blocks is not None and block_size is not None:
        raise InvalidParameterError(
            f"Give at most one of n_blocks and block_size; received n_blocks={n_blocks} and "
            f"block_size={block_size}. Drop one of them."
        )
    tau: float | None = None
    if n_blocks is not None:
        n_blocks = check_int(n_blocks, name="n_blocks", minimum=2)
        if n_blocks > n:
            raise InvalidParameterError(
                f"n_blocks must be at most the number of samples ({n}); received {n_blocks}."
            )
    elif block_size is not None:
        block_size = check_int(block_size, name="block_size", minimum=1)
        if n // block_size < 2:
            raise InvalidParameterError(
                f"block_size must leave at least 2 blocks, i.e. be <= {n // 2} for {n} samples; "
                f"received {block_size}."
            )
        n_blocks = n // block_size
    else:
        n_blocks, tau = _automatic_blocks(arrays)
    full = _call(func, arrays)
    edges = _block_edges(n, n_blocks)
    leave_one_out = np.empty(n_blocks)
    for b in range(n_blocks):
        lo, hi = edges[b], edges[b + 1]
        kept = [np.concatenate((a[:lo], a[hi:])) for a in arrays]
        leave_one_out[b] = _call(func, kept)
    shifted = leave_one_out - leave_one_out[0]  # exact zeros when all agree (no round-off error)
    spread = shifted - shifted.mean()
    error = math.sqrt((n_blocks - 1) / n_blocks * float(np.dot(spread, spread)))
    return Estimate(mean=full, error=error, tau=tau)
