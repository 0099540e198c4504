"""Every sampler against exact results: the full L=3 distribution, L=4 moments, L=16/32 energies.

Tolerances: each comparison is made in units of the statistical error, which the
stats module derives from the integrated autocorrelation time of the measured
series, so 5 sigma is a fixed false-alarm rate (< 1e-6 per comparison), not a tuned
number. All seeds are fixed, so the tests are deterministic.
"""

import numpy as np
import pytest
from scipy import stats as sps

from deeprg.ising import IsingModel, MetropolisSampler, SwendsenWangSampler, WolffSampler
from deeprg.ising.exact import BINDER_CRITICAL, CRITICAL_COUPLING, brute_force, configuration_index, finite_size
from deeprg.stats import binder_cumulant, energy_per_site, summarize

K_PAPER = 0.408  # Mehta & Schwab's coupling


def make(algorithm, L, beta, seed, **kwargs):
    model = IsingModel(L)
    if algorithm == "metropolis":
        return MetropolisSampler(model, beta, random_state=seed, order="random" if L % 2 else "checkerboard", **kwargs)
    if algorithm == "wolff":
        return WolffSampler(model, beta, random_state=seed, **kwargs)
    return SwendsenWangSampler(model, beta, random_state=seed, **kwargs)


ALGORITHMS = ["metropolis", "wolff", "swendsen-wang"]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("beta", [0.2, CRITICAL_COUPLING])
def test_l3_state_distribution_chi_square(algorithm, beta):
    """All 512 states of the 3x3 torus appear with their Boltzmann weights."""
    exact = brute_force(3, beta)
    # spacing: tau of any state indicator is at most a few updates at L=3; 10 updates
    # leave correlations of order exp(-10 / tau) << 1, so the samples are independent
    # for the purposes of a chi-square test.
    spacing = 10
    samples = make(algorithm, 3, beta, seed=11).sample(100_000, n_thermalize=100, spacing=spacing)
    counts = np.bincount(configuration_index(samples.spins), minlength=512)
    expected = exact.probabilities * samples.n_samples
    # pool the rare states so that every bin expects at least 5 counts (chi-square validity)
    order = np.argsort(expected)
    cum = np.cumsum(expected[order])
    rare = order[: np.searchsorted(cum, 5.0) + 1]
    keep = np.setdiff1d(np.arange(512), rare)
    obs = np.append(counts[keep], counts[rare].sum())
    exp = np.append(expected[keep], expected[rare].sum())
    chi2, p = sps.chisquare(obs, exp)
    # a correct sampler fails this with probability 1e-4 (fixed seed: deterministic)
    assert p > 1e-4, f"chi2={chi2:.1f} over {len(obs) - 1} dof, p={p:.2g}"


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("beta", [0.3, CRITICAL_COUPLING, 0.6])
def test_l4_moments(algorithm, beta):
    exact = brute_force(4, beta)
    samples = make(algorithm, 4, beta, seed=3).sample(40_000, n_thermalize=200, spacing=4)
    measured = summarize(samples)
    for name in ("energy_per_site", "abs_magnetization", "magnetization_squared", "binder_cumulant", "specific_heat"):
        est = measured[name]
        truth = getattr(exact, name)
        # 5 sigma, sigma from tau-corrected (jackknife for nonlinear) error bars
        assert abs(est.mean - truth) < 5 * est.error, f"{name}: {est} vs exact {truth:.6f}"


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("L", [16, 32])
@pytest.mark.parametrize("beta", [K_PAPER, CRITICAL_COUPLING])
def test_energy_matches_exact_finite_size(algorithm, L, beta):
    sampler = make(algorithm, L, beta, seed=L)
    if algorithm == "metropolis":
        # Metropolis near K_c has tau(|m|) of thousands of sweeps at L=32; automatic
        # spacing would be exact but slow, so thermalize 4000 sweeps (> 20 tau(E))
        # and let the error bar absorb the correlation of samples 5 sweeps apart.
        samples = sampler.sample(8000, n_thermalize=4000, spacing=5)
    else:
        samples = sampler.sample(4000)
    est = energy_per_site(samples.energy)
    truth = finite_size(L, beta).energy_per_site
    assert abs(est.mean - truth) < 5 * est.error, f"{est} vs exact {truth:.6f} ({est.deviation(truth):+.1f} sigma)"


@pytest.mark.parametrize("sampler_cls", [WolffSampler, SwendsenWangSampler])
def test_binder_cumulant_at_criticality(sampler_cls):
    """U4 at K_c approaches U4* = 0.61069 on the square torus."""
    samples = sampler_cls(IsingModel(16), CRITICAL_COUPLING, random_state=5).sample(20_000)
    u4 = binder_cumulant(samples.magnetization)
    # 5 sigma plus 0.005 for finite-size corrections, which are O(L^-2) and below
    # 0.003 at L = 16 (Salas & Sokal 2000, table of U4(L) at K_c)
    assert abs(u4.mean - BINDER_CRITICAL) < 5 * u4.error + 0.005, str(u4)


@pytest.mark.slow
@pytest.mark.parametrize("sampler_cls", [WolffSampler, SwendsenWangSampler])
def test_binder_cumulant_at_criticality_large(sampler_cls):
    samples = sampler_cls(IsingModel(64), CRITICAL_COUPLING, random_state=6, n_chains=2).sample(100_000)
    u4 = binder_cumulant(samples.magnetization)
    # corrections at L = 64 are O(1e-4)
    assert abs(u4.mean - BINDER_CRITICAL) < 5 * u4.error + 0.001, str(u4)


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_energy_matches_exact_l64_critical(algorithm):
    sampler = make(algorithm, 64, CRITICAL_COUPLING, seed=64, n_chains=2)
    if algorithm == "metropolis":
        samples = sampler.sample(40_000, n_thermalize=20_000, spacing=5)
    else:
        samples = sampler.sample(20_000)
    est = energy_per_site(samples.energy)
    truth = finite_size(64, CRITICAL_COUPLING).energy_per_site
    assert abs(est.mean - truth) < 5 * est.error, f"{est} vs exact {truth:.6f}"
