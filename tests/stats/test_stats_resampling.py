"""Tests of deeprg.stats.resampling: mean errors, blocking and the blocked jackknife."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from deeprg.errors import InvalidParameterError
from deeprg.stats import Estimate, ShortChainWarning, blocking_error, jackknife, mean_estimate
from deeprg.stats.resampling import _blocking

# ---------------------------------------------------------------- mean_estimate


def test_mean_estimate_iid_with_given_tau_is_the_textbook_error() -> None:
    x = np.random.default_rng(1).normal(3.0, 2.0, size=1_000)
    est = mean_estimate(x, tau=0.5)
    assert est.mean == pytest.approx(x.mean(), rel=1e-14)
    assert est.error == pytest.approx(x.std(ddof=1) / math.sqrt(len(x)), rel=1e-14)
    assert est.tau == 0.5


def test_mean_estimate_measures_tau(ar1_chain, ar1_tau, ar1_standard_error) -> None:
    phi, n = 0.9, 100_000
    est = mean_estimate(ar1_chain(phi, n, np.random.default_rng(2)))
    # tau_int has Madras-Sokal relative error sqrt(2(2W+1)/n) ~ 0.05 at W ~ 60, so the error
    # bar (~ sqrt(tau)) is within ~2.5 %; 4 sigma ~ 10 % plus the sample-variance noise (~1 %).
    assert est.error == pytest.approx(ar1_standard_error(phi, n), rel=0.12)
    assert est.tau == pytest.approx(ar1_tau(phi), rel=0.2)  # 4 sigma of 5 %


def test_mean_estimate_covers_truth_at_the_nominal_rate(ar1_chain) -> None:
    phi, n, replicas = 0.9, 5_000, 200  # n ~ 500 tau
    z = np.empty(replicas)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShortChainWarning)  # an odd replica may look short
        for i in range(replicas):
            x = ar1_chain(phi, n, np.random.default_rng([7, i]))
            z[i] = mean_estimate(x).deviation(0.0)  # the true mean is 0
    coverage = np.mean(np.abs(z) < 2)
    p = 0.9545  # P(|N(0,1)| < 2)
    # binomial sd sqrt(p(1-p)/200) = 0.0147; allow 4 sd (0.059)
    assert abs(coverage - p) <= 4 * math.sqrt(p * (1 - p) / replicas)


def test_mean_estimate_constant_and_invalid_tau() -> None:
    est = mean_estimate(np.full(10, 2.0))
    assert (est.mean, est.error, est.tau) == (2.0, 0.0, 0.5)
    with pytest.raises(InvalidParameterError, match="tau must be >= 0"):
        mean_estimate(np.arange(10.0), tau=-1.0)
    with pytest.raises(InvalidParameterError, match="tau must be finite"):
        mean_estimate(np.arange(10.0), tau=math.inf)


# ---------------------------------------------------------------- blocking_error


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.9])
def test_blocking_error_matches_exact_ar1_error(phi: float, ar1_chain, ar1_standard_error) -> None:
    n = 2**17
    x = ar1_chain(phi, n, np.random.default_rng(100 + int(10 * phi)))
    error = blocking_error(x)
    exact = ar1_standard_error(phi, n)
    _, block, n_blocks, converged = _blocking(x)
    assert converged and n_blocks >= 32
    # Tolerance: 4 sigma of the blocked standard error, whose relative sd is 1/sqrt(2(n_b - 1)),
    # plus its known bias at that block size, exact - (what blocks of that size converge to).
    bias = exact - ar1_standard_error(phi, n, block)
    assert abs(error - exact) <= 4 * exact / math.sqrt(2 * (n_blocks - 1)) + bias


def test_blocking_error_of_iid_data_is_the_textbook_error() -> None:
    x = np.random.default_rng(4).normal(size=4_096)
    textbook = x.std(ddof=1) / math.sqrt(len(x))
    # the test usually stops at level 0 (then equality); otherwise within 4 sigma of the error
    # estimate at the chosen level, 1/sqrt(2(n_b - 1)) relative
    _, _, n_blocks, _ = _blocking(x)
    assert blocking_error(x) == pytest.approx(textbook, rel=4 / math.sqrt(2 * (n_blocks - 1)))


def test_blocking_error_warns_on_short_chains(ar1_chain) -> None:
    with pytest.warns(ShortChainWarning, match="no reliable plateau"):
        blocking_error(ar1_chain(0.99, 200, np.random.default_rng(6)))  # tau ~ 100 > n / 2
    with pytest.warns(ShortChainWarning, match="no reliable plateau"):
        blocking_error(np.cumsum(np.random.default_rng(6).normal(size=1_024)))  # random walk
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        blocking_error(np.cumsum(np.random.default_rng(6).normal(size=64)), warn=False)


def test_blocking_error_odd_lengths_and_constant() -> None:
    x = np.random.default_rng(5).normal(size=1_001)
    assert np.isfinite(blocking_error(x))
    assert blocking_error(np.full(7, 1.5), warn=False) == 0.0


# ---------------------------------------------------------------- jackknife


def _mean(a: np.ndarray) -> float:
    return float(a.mean())


def test_jackknife_of_mean_with_single_blocks_is_the_textbook_error() -> None:
    x = np.random.default_rng(7).normal(size=50)
    est = jackknife(_mean, x, block_size=1)
    assert est.mean == pytest.approx(x.mean(), rel=1e-14)
    assert est.error == pytest.approx(x.std(ddof=1) / math.sqrt(len(x)), rel=1e-12)  # exact identity
    assert est.tau is None


def test_jackknife_of_mean_equals_error_of_block_means() -> None:
    x = np.random.default_rng(8).normal(size=1_000)
    est = jackknife(_mean, x, n_blocks=20)
    blocks = x.reshape(20, 50).mean(axis=1)
    assert est.error == pytest.approx(blocks.std(ddof=1) / math.sqrt(20), rel=1e-12)  # exact identity


def test_jackknife_ratio_of_means_matches_delta_method() -> None:
    rng = np.random.default_rng(9)
    n, mx, sx, my, sy = 20_000, 2.0, 1.0, 4.0, 0.5
    x, y = rng.normal(mx, sx, n), rng.normal(my, sy, n)
    est = jackknife(lambda a, b: a.mean() / b.mean(), x, y)
    delta = math.sqrt((sx**2 / my**2 + mx**2 * sy**2 / my**4) / n)
    n_blocks = 100  # iid: tau ~ 0.5, blocks of 1, capped at 100 blocks
    # relative sd of a jackknife error from B blocks ~ 1/sqrt(2(B-1)) ~ 0.071; allow 4 sigma
    assert est.error == pytest.approx(delta, rel=4 / math.sqrt(2 * (n_blocks - 1)))
    # the estimator's O(1/n) bias (~ mx sy^2 / (my^3 n) ~ 1e-6) is negligible against 4 sigma
    assert abs(est.deviation(mx / my)) < 4
    assert est.tau == pytest.approx(0.5, abs=0.06)  # 4 Madras-Sokal sigmas at n = 20000


def test_jackknife_uses_largest_tau_for_blocks(ar1_chain) -> None:
    rng = np.random.default_rng(10)
    slow, fast = ar1_chain(0.9, 20_000, rng), rng.normal(size=20_000)
    est = jackknife(lambda a, b: a.mean() + b.mean(), fast, slow)
    assert est.tau is not None and est.tau > 5  # the slow series' tau (exact 9.5) sets the blocks


def test_jackknife_every_sample_is_used() -> None:
    seen: list[int] = []
    jackknife(lambda a: seen.append(len(a)) or 0.0, np.arange(103.0), n_blocks=10)
    assert seen[0] == 103  # full data first
    assert sorted(103 - k for k in seen[1:]) == [10, 10, 10, 10, 10, 10, 10, 11, 11, 11]


def test_jackknife_short_chain_warns(ar1_chain) -> None:
    with pytest.warns(ShortChainWarning, match="jackknife"):
        jackknife(_mean, ar1_chain(0.95, 300, np.random.default_rng(12)))


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((_mean,), {}, "at least one series"),
        ((_mean, np.ones(5), np.ones(6)), {}, "equally long"),
        ((_mean, np.ones(10)), {"n_blocks": 2, "block_size": 5}, "at most one"),
        ((_mean, np.ones(10)), {"n_blocks": 11}, "at most the number of samples"),
        ((_mean, np.ones(10)), {"n_blocks": 1}, "n_blocks must be an integer >= 2"),
        ((_mean, np.ones(10)), {"block_size": 6}, "at least 2 blocks"),
        ((_mean, np.ones(10)), {"block_size": 0}, "block_size must be an integer >= 1"),
        ((_mean, np.ones(10)), {"block_size": 2.5}, "block_size must be an integer"),
        (("mean", np.ones(10)), {}, "callable"),
        ((lambda a: a, np.arange(10.0)), {"n_blocks": 2}, "one real number"),
        ((_mean, np.ones((2, 5))), {}, "must be 1-D"),
    ],
)
def test_jackknife_validation(args: tuple, kwargs: dict, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        jackknife(*args, **kwargs)


def test_jackknife_returns_estimate() -> None:
    assert isinstance(jackknife(_mean, np.arange(40.0), n_blocks=4), Estimate)
