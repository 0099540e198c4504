r"""Autocorrelation function and integrated autocorrelation time of a Markov chain.

Conventions (Sokal 1997, "Monte Carlo methods in statistical mechanics"):

.. math::

    \rho(t) = \frac{C(t)}{C(0)}, \qquad
    \tau_\mathrm{int} = \frac12 + \sum_{t=1}^{\infty} \rho(t),

so independent samples give :math:`\tau_\mathrm{int} = 1/2` and the variance of the
mean of :math:`n` samples is :math:`2 \tau_\mathrm{int} \operatorname{Var}(x) / n`.
The infinite sum is truncated at the automatic window of Madras & Sokal (1988):
the smallest :math:`W` with :math:`W \ge c\, \tau_\mathrm{int}(W)`.
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.fft
from numpy.typing import ArrayLike, NDArray

from deeprg._validation import check_real
from deeprg.errors import (
    ShortChainWarning,  # noqa: F401 - defined in deeprg.errors, re-exported here
)
from deeprg.stats._validation import as_series
from deeprg.stats.estimate import _significant

__all__ = [
    "ShortChainWarning",
    "TauEstimate",
    "autocorrelation_function",
    "integrated_autocorrelation_time",
]

# Directory of the deeprg package: warnings are attributed to the first caller outside it.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _warn_short_chain(message: str) -> None:
    """Emit a :class:`ShortChainWarning` attributed to the first caller outside deeprg."""
    frame = sys._getframe(0)
    stacklevel = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back
        stacklevel += 1
    warnings.warn(message, ShortChainWarning, stacklevel=stacklevel)


@dataclass(frozen=True)
class TauEstimate:
    r"""An integrated autocorrelation time with its Madras-Sokal error.

    Parameters
    ----------
    tau : float
        :math:`\tau_\mathrm{int} = 1/2 + \sum_{t=1}^{W} \rho(t)` in units of one sample
        (independent samples give 0.5; anticorrelated data can give less).
    error : float
        Statistical error :math:`\tau \sqrt{2 (2W + 1) / n}` (Madras & Sokal 1988).
        It ignores the truncation bias, which is of order :math:`\tau e^{-W/\tau}`.
    window : int
        Summation window :math:`W`.
    n : int
        Length of the series.
    reliable : bool
        False when the automatic window was not reached within the first half of the
        series (then ``window = n // 2`` and ``tau`` is a lower bound) or when the
        series is shorter than ``min_length * max(tau, 0.5)`` samples.
    """

    tau: float
    error: float
    window: int
    n: int
    reliable: bool

    def __str__(self) -> str:
        flag = "" if self.reliable else ", unreliable"
        return (
            f"tau_int {_significant(self.tau)} ± {_significant(self.error)} "
            f"(W={self.window}, n={self.n}{flag})"
        )


def _autocorrelation(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Normalized autocorrelation of a validated series (no checks)."""
    n = x.shape[0]
    if np.all(x == x[0]):
        rho = np.zeros(n)
        rho[0] = 1.0
        return rho
    dx = x - x.mean()
    nfft = scipy.fft.next_fast_len(2 * n, real=True)  # >= 2n - 1: no circular wrap-around
    spectrum = scipy.fft.rfft(dx, n=nfft)
    acov = scipy.fft.irfft(spectrum.real**2 + spectrum.imag**2, n=nfft)[:n]
    return acov / acov[0]


def autocorrelation_function(x: ArrayLike) -> NDArray[np.float64]:
    r"""Normalized autocorrelation function :math:`\rho(t)` of a time series, by FFT.

    .. math::

        \rho(t) = \frac{\sum_{i=1}^{n-t} (x_i - \bar x)(x_{i+t} - \bar x)}
                       {\sum_{i=1}^{n} (x_i - \bar x)^2}, \qquad t = 0, \dots, n-1.

    The sums use the :math:`1/n` ("biased", positive semi-definite) normalization at
    every lag, as in Sokal's notes and emcee; the difference from :math:`1/(n-t)` is
    negligible for the lags :math:`t \ll n` that enter :math:`\tau_\mathrm{int}`. The
    series is zero-padded to at least :math:`2n` points, so there is no circular
    wrap-around. Cost :math:`O(n \log n)`.

    Parameters
    ----------
    x : array_like, shape (n,)
        Measurements in chain order, ``n >= 2``, all finite.

    Returns
    -------
    ndarray of float64, shape (n,)
        :math:`\rho(t)` for ``t = 0 .. n-1``; ``rho[0] == 1``. A constant series has no
        fluctuations to correlate and gives ``rho = [1, 0, 0, ...]``.

    Raises
    ------
    InvalidParameterError
        If ``x`` is not a finite 1-D array of at least 2 numbers.
    """
    return _autocorrelation(as_series(x, name="x"))


def _tau_estimate(x: NDArray[np.float64], c: float, min_length: float) -> TauEstimate:
    """Integrated autocorrelation time of a validated series (no checks, no warning)."""
    n = x.shape[0]
    if np.all(x == x[0]):
        return TauEstimate(tau=0.5, error=0.0, window=0, n=n, reliable=True)
    rho = _autocorrelation(x)
    # tau(W) = 1/2 + sum_{t=1}^{W} rho(t) = cumsum(rho)[W] - 1/2, for W = 0 .. n-1.
    tau_w = np.cumsum(rho) - 0.5
    # Lags beyond n/2 rest on fewer than n/2 pairs; a window that is not reached by then
    # means the series is far too short (the 1/n sum always returns to tau(n-1) = 0).
    max_window = max(1, n // 2)
    windows = np.arange(max_window + 1)
    found = np.flatnonzero((windows >= c * tau_w[: max_window + 1]) & (windows >= 1))
    window_found = found.size > 0
    window = int(found[0]) if window_found else max_window
    tau = float(tau_w[window])
    error = abs(tau) * math.sqrt(2.0 * (2 * window + 1) / n)
    reliable = window_found and n >= min_length * max(tau, 0.5)
    return TauEstimate(tau=tau, error=error, window=window, n=n, reliable=reliable)


def _short_chain_message(
    estimate: TauEstimate, c: float, min_length: float, label: str | None = None
) -> str:
    """Explain why a :class:`TauEstimate` is unreliable and how long the chain should be."""
    what = f"Series {label!r}" if label else "The chain"
    needed = int(math.ceil(min_length * max(estimate.tau, 0.5)))
    text = (
        f"{what} has {estimate.n} samples but its integrated autocorrelation time is "
        f"tau_int ~ {estimate.tau:.3g} ± {estimate.error:.2g} samples (window W={estimate.window})"
    )
    if estimate.window < c * estimate.tau:
        text += (
            "; the automatic window W >= c*tau was not reached within the first half of the "
            "series, so tau is a lower bound"
        )
    return (
        text
        + f". Error bars need at least min_length*tau = {min_length:g}*tau ~ {needed} samples and are "
        "probably too small: run a chain several times longer (or a cluster algorithm near T_c)."
    )


def integrated_autocorrelation_time(
    x: ArrayLike, *, c: float = 6.0, min_length: float = 50, warn: bool = True
) -> TauEstimate:
    r"""Integrated autocorrelation time with the Madras-Sokal automatic window.

    .. math::

        \tau_\mathrm{int}(W) = \frac12 + \sum_{t=1}^{W} \rho(t), \qquad
        W = \min\{W \ge 1 : W \ge c\, \tau_\mathrm{int}(W)\}.

    Sokal convention: independent samples give 0.5, an AR(1) chain
    :math:`x_t = \phi x_{t-1} + \epsilon_t` gives :math:`(1+\phi) / (2(1-\phi))`.

    Parameters
    ----------
    x : array_like, shape (n,)
        Measurements in chain order, ``n >= 2``, all finite.
    c : float, default 6.0
        Window factor; 4 to 10 is usual. Larger ``c`` lowers the truncation bias
        (:math:`\sim \tau e^{-c}` for an exponential decay) and raises the noise.
    min_length : float, default 50
        The estimate is flagged unreliable when ``n < min_length * max(tau, 0.5)``
        (Sokal recommends :math:`n \gtrsim 1000\, \tau`; below ~50 tau the estimate
        itself is biased low).
    warn : bool, default True
        Emit a :class:`ShortChainWarning` when the estimate is unreliable.

    Returns
    -------
    TauEstimate
        ``tau``, its ``error`` :math:`\tau\sqrt{2(2W+1)/n}`, the ``window`` W, ``n``, and
        ``reliable``. A constant series gives ``tau=0.5, error=0, window=0, reliable=True``.

    Raises
    ------
    InvalidParameterError
        If ``x`` is not a finite 1-D array of at least 2 numbers, ``c <= 0`` or
        ``min_length < 0``.

    Warns
    -----
    ShortChainWarning
        If ``warn`` and the estimate is unreliable.

    References
    ----------
    N. Madras and A. D. Sokal, J. Stat. Phys. 50, 109 (1988).
    A. D. Sokal, in Functional Integration (Springer, 1997), section 3.
    """
    series = as_series(x, name="x")
    c = check_real(c, name="c", minimum=0.0, strict=True)
    min_length = check_real(min_length, name="min_length", minimum=0.0)
    estimate = _tau_estimate(series, c, min_length)
    if warn and not estimate.reliable:
        _warn_short_chain(_short_chain_message(estimate, c, min_length))
    return estimate


def _measure_tau(
    x: NDArray[np.float64], *, label: str | None = None, warn: bool = True
) -> TauEstimate:
    """Default-parameter tau of a validated series, warning with ``label`` in the message."""
    estimate = _tau_estimate(x, 6.0, 50.0)
    if warn and not estimate.reliable:
        _warn_short_chain(_short_chain_message(estimate, 6.0, 50.0, label))
    return estimate
