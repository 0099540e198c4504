"""Shared helpers for the deeprg.stats tests: AR(1) chains with exactly known statistics."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from scipy.signal import lfilter


def _ar1_chain(phi: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Stationary AR(1) chain x_t = phi x_{t-1} + eps_t, eps ~ N(0, 1), x_0 ~ N(0, 1/(1-phi^2))."""
    noise = rng.normal(size=n)
    noise[0] /= np.sqrt(1.0 - phi**2)
    return lfilter([1.0], [1.0, -phi], noise)


def _ar1_tau(phi: float) -> float:
    """Exact integrated autocorrelation time (Sokal convention) of AR(1)."""
    return (1.0 + phi) / (2.0 * (1.0 - phi))


def _ar1_standard_error(phi: float, n: int, block: int = 1) -> float:
    """Exact standard error of the mean of n AR(1) samples as seen through blocks of ``block``.

    With ``block == 1`` this is the true standard error of the mean of ``n`` samples; with
    ``block = b`` it is sqrt(Var(mean of b consecutive samples) / (n / b)), the value a blocking
    analysis at block size ``b`` converges to.
    """
    variance = 1.0 / (1.0 - phi**2)
    t = np.arange(1, block)
    var_block_mean = variance / block * (1.0 + 2.0 * np.sum((1.0 - t / block) * phi**t))
    if block == 1:
        t = np.arange(1, n)
        return float(np.sqrt(variance / n * (1.0 + 2.0 * np.sum((1.0 - t / n) * phi**t))))
    return float(np.sqrt(var_block_mean / (n // block)))


@pytest.fixture
def ar1_chain() -> Callable[[float, int, np.random.Generator], np.ndarray]:
    return _ar1_chain


@pytest.fixture
def ar1_tau() -> Callable[[float], float]:
    return _ar1_tau


@pytest.fixture
def ar1_standard_error() -> Callable[..., float]:
    return _ar1_standard_error
