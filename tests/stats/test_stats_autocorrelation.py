"""Tests of deeprg.stats.autocorrelation against AR(1) chains with exactly known tau."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from deeprg.errors import DeepRGWarning, InvalidParameterError
from deeprg.stats import (
    ShortChainWarning,
    TauEstimate,
    autocorrelation_function,
    integrated_autocorrelation_time,
)


def _direct_acf(x: np.ndarray) -> np.ndarray:
    """O(n^2) reference: 1/n-normalized autocovariance over the lag-0 value."""
    dx = x - x.mean()
    n = len(x)
    acov = np.array([np.dot(dx[: n - t], dx[t:]) for t in range(n)]) / n
    return acov / acov[0]


@pytest.mark.parametrize("n", [2, 3, 17, 64, 101])
def test_acf_matches_direct_sum(n: int) -> None:
    x = np.random.default_rng(n).normal(size=n)
    rho = autocorrelation_function(x)
    assert rho.shape == (n,) and rho.dtype == np.float64
    assert rho[0] == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(rho, _direct_acf(x), atol=1e-12)  # FFT round-off only


def test_acf_has_no_wraparound() -> None:
    # A linear ramp has strongly positive short-lag and negative long-lag correlation; a circular
    # (unpadded) FFT would make rho(n-1) equal rho(1) instead.
    x = np.arange(50.0)
    rho = autocorrelation_function(x)
    assert rho[1] > 0.9 and rho[-1] < 0


def test_acf_of_ar1_decays_like_phi_to_the_t(ar1_chain) -> None:
    phi, n = 0.8, 200_000
    rho = autocorrelation_function(ar1_chain(phi, n, np.random.default_rng(11)))
    t = np.arange(6)
    # sd of rho-hat(t) ~ sqrt((1+phi^2)/(1-phi^2)/n) ~ 0.0068 (Bartlett); 4 sigma ~ 0.03
    np.testing.assert_allclose(rho[:6], phi**t, atol=0.03)


def test_acf_of_constant_series() -> None:
    rho = autocorrelation_function(np.full(10, 3.7))
    np.testing.assert_array_equal(rho, np.r_[1.0, np.zeros(9)])


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.9, 0.95])
def test_tau_recovers_ar1(phi: float, ar1_chain, ar1_tau) -> None:
    n = 100_000
    rng = np.random.default_rng(20240 + int(100 * phi))
    est = integrated_autocorrelation_time(ar1_chain(phi, n, rng))
    exact = ar1_tau(phi)
    assert isinstance(est, TauEstimate)
    assert est.reliable and est.n == n
    assert est.window >= 6.0 * est.tau  # the automatic window criterion, W >= c tau
    # Tolerance: 4 Madras-Sokal sigmas, plus the known biases of the estimator: the tail cut
    # off by the window, sum_{t>W} phi^t = phi^(W+1)/(1-phi), and the O((2W+1) tau / n) bias
    # from subtracting the sample mean.
    window_bias = phi ** (est.window + 1) / (1.0 - phi)
    mean_bias = (2 * est.window + 1) * exact / n
    assert abs(est.tau - exact) <= 4 * est.error + window_bias + mean_bias
    assert est.error == pytest.approx(est.tau * np.sqrt(2 * (2 * est.window + 1) / n))


def test_iid_tau_is_one_half() -> None:
    est = integrated_autocorrelation_time(np.random.default_rng(3).normal(size=20_000))
    # Madras-Sokal error for W ~ 3: 0.5 sqrt(14/20000) ~ 0.013; 4 sigma ~ 0.053
    assert est.tau == pytest.approx(0.5, abs=4 * est.error)


def test_short_chain_warns_and_is_unreliable(ar1_chain) -> None:
    x = ar1_chain(0.95, 300, np.random.default_rng(5))  # tau = 19.5, needs ~1000 samples
    with pytest.warns(ShortChainWarning, match=r"300 samples.*tau_int.*at least") as record:
        est = integrated_autocorrelation_time(x)
    assert not est.reliable
    assert issubclass(ShortChainWarning, DeepRGWarning)
    # the warning points at the caller, not at deeprg's internals
    assert record[0].filename == __file__


def test_warn_false_is_silent(ar1_chain) -> None:
    x = ar1_chain(0.95, 300, np.random.default_rng(5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = integrated_autocorrelation_time(x, warn=False)
    assert not est.reliable


def test_random_walk_without_window_is_unreliable() -> None:
    # A random walk has no finite tau: the estimate must be flagged whatever it is.
    walk = np.cumsum(np.random.default_rng(9).normal(size=2_000))
    with pytest.warns(ShortChainWarning):
        est = integrated_autocorrelation_time(walk)
    assert not est.reliable
    # even without a length requirement the window is not reached within half the series
    with pytest.warns(ShortChainWarning, match="window W >= c\\*tau was not reached"):
        est = integrated_autocorrelation_time(walk, min_length=0)
    assert not est.reliable and est.window == len(walk) // 2


def test_min_length_controls_reliability(ar1_chain) -> None:
    x = ar1_chain(0.9, 5_000, np.random.default_rng(8))  # tau ~ 9.5, n ~ 500 tau
    assert integrated_autocorrelation_time(x).reliable
    with pytest.warns(ShortChainWarning):
        assert not integrated_autocorrelation_time(x, min_length=1_000).reliable


def test_constant_series() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = integrated_autocorrelation_time(np.ones(5))
    assert est == TauEstimate(tau=0.5, error=0.0, window=0, n=5, reliable=True)


def test_str_of_tau_estimate() -> None:
    assert str(TauEstimate(9.53, 0.49, 60, 100_000, True)) == "tau_int 9.5 ± 0.49 (W=60, n=100000)"
    assert "unreliable" in str(TauEstimate(9.53, 0.49, 60, 100, False))


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (np.ones((3, 3)), "must be 1-D"),
        (np.ones(1), "at least 2"),
        (np.array([1.0, np.nan, 2.0]), "must be finite"),
        (np.array([1.0, np.inf]), "must be finite"),
        (np.array(["a", "b"]), "real numbers"),
        (np.array([1 + 1j, 2j]), "real numbers"),
    ],
)
def test_invalid_series_raise(x: np.ndarray, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        integrated_autocorrelation_time(x)
    with pytest.raises(InvalidParameterError, match=match):
        autocorrelation_function(x)


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"c": 0}, "c must be > 0"), ({"min_length": -1}, "min_length")]
)
def test_invalid_options_raise(kwargs: dict, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        integrated_autocorrelation_time(np.arange(10.0), **kwargs)


def test_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        integrated_autocorrelation_time([1.0])
