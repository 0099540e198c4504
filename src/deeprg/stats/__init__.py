"""Monte Carlo statistics for the 2D Ising model: autocorrelation times and error bars.

Every number deeprg reports from a Markov chain comes with an error bar that accounts
for autocorrelation, and with the integrated autocorrelation time behind it.

* :mod:`~deeprg.stats.estimate` — :class:`Estimate`, a mean ± error (tau).
* :mod:`~deeprg.stats.autocorrelation` — :func:`autocorrelation_function`,
  :func:`integrated_autocorrelation_time` (Sokal convention, automatic window),
  :class:`ShortChainWarning`.
* :mod:`~deeprg.stats.resampling` — :func:`mean_estimate`, :func:`blocking_error`,
  :func:`jackknife`.
* :mod:`~deeprg.stats.observables` — energy, magnetization, Binder cumulant,
  susceptibility, specific heat, correlation function, and :func:`summarize`.

Examples
--------
>>> import numpy as np
>>> from deeprg.stats import mean_estimate
>>> x = np.random.default_rng(0).normal(size=10_000)
>>> est = mean_estimate(x)
>>> abs(est.deviation(0.0)) < 4
True
"""

from deeprg.stats.autocorrelation import (
    ShortChainWarning,
    TauEstimate,
    autocorrelation_function,
    integrated_autocorrelation_time,
)
from deeprg.stats.estimate import Estimate
from deeprg.stats.observables import (
    CorrelationFunction,
    abs_magnetization,
    binder_cumulant,
    correlation_function,
    energy_per_site,
    magnetization_squared,
    specific_heat,
    summarize,
    susceptibility,
)
from deeprg.stats.resampling import blocking_error, jackknife, mean_estimate

__all__ = [
    "Estimate",
    "TauEstimate",
    "ShortChainWarning",
    "autocorrelation_function",
    "integrated_autocorrelation_time",
    "mean_estimate",
    "blocking_error",
    "jackknife",
    "CorrelationFunction",
    "energy_per_site",
    "abs_magnetization",
    "magnetization_squared",
    "binder_cumulant",
    "susceptibility",
    "specific_heat",
    "correlation_function",
    "summarize",
]
