"""Infinite-lattice (Onsager) results and the 1D chain (deeprg.ising.exact)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.special import logsumexp

from deeprg.errors import InvalidParameterError
from deeprg.ising.exact import (
    BINDER_CRITICAL,
    CRITICAL_COUPLING,
    CRITICAL_TEMPERATURE,
    chain_correlation,
    chain_log_partition_function,
    critical_beta,
    critical_temperature,
    decimated_coupling,
    finite_size,
    onsager_energy_per_site,
    onsager_log_partition_function_per_site,
    onsager_specific_heat,
    spontaneous_magnetization,
)

K_C = CRITICAL_COUPLING
CATALAN = 0.915965594177219015054603514932


class TestConstants:
    def test_critical_point(self):
        assert K_C == pytest.approx(0.5 * np.log(1 + np.sqrt(2)), rel=1e-15)
        assert K_C == pytest.approx(0.440686793509772, abs=1e-15)
        assert np.sinh(2 * K_C) == pytest.approx(1.0, rel=1e-15)
        assert CRITICAL_TEMPERATURE == pytest.approx(2.269185314213022, rel=1e-14)
        assert BINDER_CRITICAL == 0.61069
        # Kamieniarz & Bloete's Q = <m^2>^2 / <m^4> = 0.856216 gives the same U4*
        assert 1 - 1 / (3 * 0.856216) == pytest.approx(BINDER_CRITICAL, abs=5e-6)

    def test_critical_beta_and_temperature(self):
        assert critical_beta() == K_C
        assert critical_beta(2.0) == pytest.approx(K_C / 2)
        assert critical_beta(-2.0) == pytest.approx(K_C / 2)
        assert critical_temperature(0.5) == pytest.approx(CRITICAL_TEMPERATURE / 2)
        with pytest.raises(InvalidParameterError, match="coupling"):
            critical_beta(0.0)


class TestOnsager:
    def test_energy_at_criticality_is_minus_sqrt2(self):
        assert onsager_energy_per_site(K_C) == pytest.approx(-np.sqrt(2), rel=1e-15)
        assert onsager_energy_per_site(K_C / 3, coupling=3.0) == pytest.approx(-3 * np.sqrt(2), rel=1e-14)
        for side in (K_C * (1 - 1e-12), K_C * (1 + 1e-12)):
            assert onsager_energy_per_site(side) == pytest.approx(-np.sqrt(2), rel=1e-10)

    def test_energy_limits(self):
        # high temperature: e = -2 tanh K (1 + O(K^2)); low temperature: e -> -2 J
        assert onsager_energy_per_site(1e-4) == pytest.approx(-2e-4, rel=1e-7)
        assert onsager_energy_per_site(20.0) == pytest.approx(-2.0, abs=1e-15)
        assert onsager_energy_per_site(1e-4, coupling=-1.0) == pytest.approx(-2e-4, rel=1e-7)

    def test_precision_at_high_and_low_temperature(self):
        # high temperature: e = -2K + O(K^3), C = 2K^2 + O(K^4)
        for K in (1e-8, 1e-20, 1e-300):
            assert onsager_energy_per_site(K) == pytest.approx(-2 * K, rel=1e-14)
            assert onsager_specific_heat(K) == pytest.approx(2 * K * K, rel=1e-14)
        # low temperature: ln Z / N = 2K + e^{-8K} + 2 e^{-12K} + ..., so C = K^2 (64 e^{-8K} + 288 e^{-12K})
        for K in (5.0, 10.0):
            expected = K * K * (64 * np.exp(-8 * K) + 288 * np.exp(-12 * K))
            assert onsager_specific_heat(K) == pytest.approx(expected, rel=1e-10)
        with np.errstate(all="raise"):
            assert onsager_energy_per_site(1e300) == -2.0
            assert onsager_specific_heat(1e300) == 0.0
            assert spontaneous_magnetization(1e300) == 1.0

    @pytest.mark.parametrize("K", [0.05, 0.3, 0.43, 0.45, 0.6, 1.0])
    def test_energy_and_specific_heat_are_derivatives(self, K):
        h = 1e-4

        def lnz(k):
            return onsager_log_partition_function_per_site(k)

        d_lnz = (8 * (lnz(K + h) - lnz(K - h)) - (lnz(K + 2 * h) - lnz(K - 2 * h))) / (12 * h)
        assert onsager_energy_per_site(K) == pytest.approx(-d_lnz, rel=1e-8)
        e = onsager_energy_per_site
        d_e = (8 * (e(K + h) - e(K - h)) - (e(K + 2 * h) - e(K - 2 * h))) / (12 * h)
        assert onsager_specific_heat(K) == pytest.approx(-K * K * d_e, rel=1e-7)

    @pytest.mark.parametrize("K", [0.2, 0.35, 0.55, 0.8])
    def test_large_torus_agrees(self, K):
        torus = finite_size(512, K)
        assert onsager_energy_per_site(K) == pytest.approx(torus.energy_per_site, abs=1e-12)
        assert onsager_specific_heat(K) == pytest.approx(torus.specific_heat, abs=1e-10)

    def test_free_energy_at_criticality(self):
        assert onsager_log_partition_function_per_site(K_C) == pytest.approx(
            2 * CATALAN / np.pi + 0.5 * np.log(2), rel=1e-13
        )
        assert onsager_log_partition_function_per_site(1e-9) == pytest.approx(np.log(2), rel=1e-12)

    def test_specific_heat_diverges_logarithmically(self):
        assert onsager_specific_heat(K_C) == np.inf
        amplitude = 8 * K_C**2 / np.pi
        for sign in (-1, 1):
            c5 = onsager_specific_heat(K_C * (1 + sign * 1e-5))
            c6 = onsager_specific_heat(K_C * (1 + sign * 1e-6))
            assert (c6 - c5) / np.log(10) == pytest.approx(amplitude, rel=1e-3)

    def test_spontaneous_magnetization(self):
        assert spontaneous_magnetization(0.3) == 0.0
        assert spontaneous_magnetization(K_C) == 0.0
        assert spontaneous_magnetization(1.0) == pytest.approx((1 - np.sinh(2.0) ** -4) ** 0.125, rel=1e-14)
        assert spontaneous_magnetization(50.0) == 1.0
        # m0 ~ (K - K_c)^{1/8}
        m1, m2 = spontaneous_magnetization(K_C * (1 + 1e-8)), spontaneous_magnetization(K_C * (1 + 1e-6))
        assert np.log(m2 / m1) / np.log(100) == pytest.approx(1 / 8, rel=1e-4)
        # the antiferromagnet has no uniform magnetization
        assert spontaneous_magnetization(1.0, coupling=-1.0) == 0.0

    def test_vectorised_over_beta(self):
        betas = np.array([[0.2, K_C], [0.6, 1.0]])
        for function in (
            onsager_energy_per_site,
            onsager_specific_heat,
            onsager_log_partition_function_per_site,
            spontaneous_magnetization,
        ):
            out = function(betas)
            assert isinstance(out, np.ndarray) and out.shape == (2, 2)
            assert out[1, 0] == pytest.approx(function(0.6), rel=1e-15)
            assert isinstance(function(0.6), float)

    def test_antiferromagnet_has_the_same_thermodynamics(self):
        assert onsager_energy_per_site(0.3, coupling=-2.0) == pytest.approx(
            onsager_energy_per_site(0.3, coupling=2.0), rel=1e-15
        )
        assert onsager_specific_heat(0.6, coupling=-1.0) == pytest.approx(onsager_specific_heat(0.6), rel=1e-15)

    @pytest.mark.parametrize("beta", [0.0, -0.2, np.nan, np.inf, [0.3, -1.0], "x"])
    def test_bad_beta(self, beta):
        with pytest.raises(InvalidParameterError, match="beta"):
            onsager_energy_per_site(beta)
        with pytest.raises(InvalidParameterError, match="beta"):
            spontaneous_magnetization(beta)


def ring_by_enumeration(n: int, K: float) -> tuple[float, np.ndarray]:
    """ln Z and <s_0 s_r> (r = 0..n) of a ring of n spins with numpy.roll bonds."""
    s = np.array(list(itertools.product([-1, 1], repeat=n)), dtype=float)
    log_w = K * np.sum(s * np.roll(s, -1, axis=1), axis=1)
    log_z = float(logsumexp(log_w))
    p = np.exp(log_w - log_z)
    corr = np.array([p @ (s[:, 0] * s[:, r % n]) for r in range(n + 1)])
    return log_z, corr


class TestChain:
    @pytest.mark.parametrize("n", range(1, 11))
    @pytest.mark.parametrize("K", [0.3, -0.7, 2.0])
    def test_ring_against_enumeration(self, n, K):
        log_z, corr = ring_by_enumeration(n, K)
        beta, coupling = abs(K), float(np.sign(K))  # K = beta * coupling
        assert chain_log_partition_function(n, beta, coupling) == pytest.approx(log_z, rel=1e-13)
        np.testing.assert_allclose(
            chain_correlation(np.arange(n + 1), beta, coupling, n=n), corr, rtol=1e-12, atol=1e-14
        )

    @pytest.mark.parametrize("n", [1, 2, 5, 9])
    @pytest.mark.parametrize("K", [0.4, -1.1])
    def test_open_chain_against_enumeration(self, n, K):
        s = np.array(list(itertools.product([-1, 1], repeat=n)), dtype=float)
        log_w = K * np.sum(s[:, 1:] * s[:, :-1], axis=1)
        assert chain_log_partition_function(n, abs(K), float(np.sign(K)), periodic=False) == pytest.approx(
            float(logsumexp(log_w)), rel=1e-13
        )

    def test_beta_and_coupling(self):
        assert chain_log_partition_function(7, 0.5, coupling=0.6) == pytest.approx(
            chain_log_partition_function(7, 0.3), rel=1e-15
        )
        assert chain_correlation(3, 0.5, coupling=0.6) == pytest.approx(np.tanh(0.3) ** 3, rel=1e-15)

    def test_large_rings_are_stable(self):
        assert chain_log_partition_function(10**6, 50.0) == pytest.approx(10**6 * 50.0 + np.log(2), rel=1e-15)
        assert chain_log_partition_function(10**6, 1e-3) == pytest.approx(10**6 * np.log(2 * np.cosh(1e-3)), rel=1e-14)

    def test_infinite_chain_correlation(self):
        r = np.arange(20)
        np.testing.assert_allclose(chain_correlation(r, 0.8), np.tanh(0.8) ** r, rtol=1e-14)
        assert chain_correlation(0, 0.8) == 1.0
        assert isinstance(chain_correlation(2, 0.8), float)
        # a long ring approaches the infinite chain
        np.testing.assert_allclose(chain_correlation(r, 0.8, n=400), np.tanh(0.8) ** r, rtol=1e-12)

    def test_decimated_coupling(self):
        K = np.array([0.0, 0.1, 0.5, -0.5, 2.0, 5.0])
        np.testing.assert_allclose(np.tanh(decimated_coupling(K)), np.tanh(K) ** 2, rtol=1e-14, atol=1e-300)
        np.testing.assert_allclose(decimated_coupling(K), 0.5 * np.log(np.cosh(2 * K)), rtol=1e-13, atol=0)
        # summing out the middle spin: sum_s2 exp(K s2 (s1 + s3)) = A exp(K' s1 s3)
        for k in (0.3, 1.7):
            kp = decimated_coupling(k)
            assert 2 * np.cosh(2 * k) / 2 == pytest.approx(np.exp(2 * kp), rel=1e-14)
        # the flow goes to the high-temperature fixed point
        k = 1.0
        for _ in range(30):
            k = decimated_coupling(k)
        assert 0.0 <= k < 1e-10

    def test_decimated_coupling_other_factors_and_extremes(self):
        assert decimated_coupling(0.7, factor=1) == pytest.approx(0.7, rel=1e-14)
        assert decimated_coupling(0.7, factor=3) == pytest.approx(np.arctanh(np.tanh(0.7) ** 3), rel=1e-13)
        assert decimated_coupling(-0.7, factor=3) == pytest.approx(-np.arctanh(np.tanh(0.7) ** 3), rel=1e-13)
        assert decimated_coupling(400.0) == pytest.approx(400.0 - 0.5 * np.log(2), rel=1e-15)
        assert decimated_coupling(40.0, factor=5) == pytest.approx(40.0 - 0.5 * np.log(5), rel=1e-15)
        assert isinstance(decimated_coupling(0.3), float)
        assert decimated_coupling([[0.3, 0.4]]).shape == (1, 2)

    def test_errors(self):
        with pytest.raises(InvalidParameterError, match="n must be an integer >= 1"):
            chain_log_partition_function(0, 0.3)
        with pytest.raises(InvalidParameterError, match="integer"):
            chain_log_partition_function(4.5, 0.3)
        with pytest.raises(InvalidParameterError, match="beta"):
            chain_log_partition_function(4, np.nan)
        with pytest.raises(InvalidParameterError, match="periodic"):
            chain_log_partition_function(4, 0.3, periodic="yes")
        with pytest.raises(InvalidParameterError, match=">= 0"):
            chain_correlation(-1, 0.3)
        with pytest.raises(InvalidParameterError, match="<= n = 5"):
            chain_correlation([1, 6], 0.3, n=5)
        with pytest.raises(InvalidParameterError, match="integers"):
            chain_correlation(np.array([0.5]), 0.3)
        with pytest.raises(InvalidParameterError, match="integer"):
            chain_correlation(1.5, 0.3)
        with pytest.raises(InvalidParameterError, match="factor"):
            decimated_coupling(0.3, factor=0)
        with pytest.raises(InvalidParameterError, match="finite"):
            decimated_coupling([0.3, np.inf])


def test_decimated_coupling_keeps_full_precision_from_tiny_to_huge_couplings():
    """K' = (1/2) ln cosh 2K against closed forms that do not cancel: (1/2) log1p(2 sinh^2 K) for
    small K and K - (1/2) ln 2 + (1/2) log1p(e^{-4K}) for large K (a 5% error at K = 1e-8 once)."""
    from deeprg.ising.exact import decimated_coupling

    for K in np.logspace(-30, 1.6, 200):
        reference = 0.5 * np.log1p(2 * np.sinh(K) ** 2) if K < 1 else K - 0.5 * np.log(2) + 0.5 * np.log1p(np.exp(-4 * K))
        assert decimated_coupling(K) == pytest.approx(reference, rel=5e-14), K
