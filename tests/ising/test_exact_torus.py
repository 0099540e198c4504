"""Kaufman's exact finite-torus solution (deeprg.ising.exact.torus)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq
from scipy.special import logsumexp

from deeprg.errors import InvalidParameterError
from deeprg.ising.exact import (
    CRITICAL_COUPLING,
    TorusResult,
    brute_force,
    finite_size,
    log_partition_function,
    onsager_energy_per_site,
    onsager_log_partition_function_per_site,
    onsager_specific_heat,
)

K_C = CRITICAL_COUPLING
K_GRID = [0.1, 0.3, K_C, 0.5, 1.0]


def enumerate_rectangle(m: int, n: int, K: float) -> tuple[float, float, float]:
    """ln Z, d lnZ/dK and d2 lnZ/dK2 of an m x n torus by brute force (numpy.roll bonds)."""
    sites = m * n
    k = np.arange(2**sites, dtype=np.int64)
    s = (((k[:, None] >> np.arange(sites)) & 1) * 2 - 1).reshape(-1, m, n)
    bonds = (s * np.roll(s, -1, 1) + s * np.roll(s, -1, 2)).sum(axis=(1, 2)).astype(float)
    log_z = float(logsumexp(K * bonds))
    p = np.exp(K * bonds - log_z)
    mean = float(p @ bonds)
    return log_z, mean, float(p @ (bonds - mean) ** 2)


def richardson_derivative(f, x: float, h: float) -> float:
    """Fourth-order central difference."""
    return (8 * (f(x + h) - f(x - h)) - (f(x + 2 * h) - f(x - 2 * h))) / (12 * h)


class TestAgainstEnumeration:
    @pytest.mark.parametrize("L", [2, 3, 4])
    @pytest.mark.parametrize("K", K_GRID)
    def test_square(self, L, K):
        exact = brute_force(L, K)
        torus = finite_size(L, K)
        assert torus.log_partition_function == pytest.approx(exact.log_partition_function, rel=1e-12)
        assert torus.energy_per_site == pytest.approx(exact.energy_per_site, rel=1e-12)
        assert torus.specific_heat == pytest.approx(exact.specific_heat, rel=1e-11)

    @pytest.mark.parametrize("shape", [(2, 3), (3, 2), (3, 4), (4, 3), (2, 5), (5, 2), (2, 4), (4, 5)])
    @pytest.mark.parametrize("K", K_GRID)
    def test_rectangles(self, shape, K):
        m, n = shape
        log_z, first, second = enumerate_rectangle(m, n, K)
        torus = finite_size(m, K, n=n)
        assert (torus.L, torus.n, torus.n_sites) == (m, n, m * n)
        assert torus.log_partition_function == pytest.approx(log_z, rel=1e-12)
        assert torus.energy_per_site == pytest.approx(-first / (m * n), rel=1e-12)
        assert torus.specific_heat == pytest.approx(K * K * second / (m * n), rel=1e-11)

    def test_two_by_two_double_bonds(self):
        # the 2 x 2 torus counts every neighbour pair twice, like IsingModel.energy
        for K in (0.05, K_C, 2.0):
            assert finite_size(2, K).log_partition_function == pytest.approx(np.log(4 * np.cosh(8 * K) + 12), rel=1e-14)

    @pytest.mark.parametrize("L", [2, 4])
    @pytest.mark.parametrize("K", [0.2, 0.8])
    def test_antiferromagnet_on_even_torus(self, L, K):
        exact = brute_force(L, K / 1.5, coupling=-1.5)
        torus = finite_size(L, K / 1.5, coupling=-1.5)
        assert torus.log_partition_function == pytest.approx(exact.log_partition_function, rel=1e-12)
        assert torus.energy_per_site == pytest.approx(exact.energy_per_site, rel=1e-12)
        assert torus.specific_heat == pytest.approx(exact.specific_heat, rel=1e-11)

    def test_beta_and_coupling(self):
        exact = brute_force(3, 0.25, coupling=2.0)
        torus = finite_size(3, 0.25, coupling=2.0)
        assert torus.energy_per_site == pytest.approx(exact.energy_per_site, rel=1e-12)
        assert torus.specific_heat == pytest.approx(exact.specific_heat, rel=1e-11)
        assert torus.reduced_coupling == 0.5
        assert torus.free_energy_per_site == pytest.approx(exact.free_energy_per_site, rel=1e-12)

    @settings(max_examples=30, deadline=None, derandomize=True)
    @given(K=st.floats(0.01, 2.0), L=st.sampled_from([2, 3, 4]))
    def test_any_coupling(self, K, L):
        exact = brute_force(L, K)
        torus = finite_size(L, K)
        assert torus.log_partition_function == pytest.approx(exact.log_partition_function, rel=1e-12)
        assert torus.energy_per_site == pytest.approx(exact.energy_per_site, rel=1e-11)
        assert torus.specific_heat == pytest.approx(exact.specific_heat, rel=1e-10)


class TestKnownValues:
    def test_sixteen_at_criticality(self):
        # DESIGN.md: 16 x 16 at K_c gives ln Z = 238.642
        assert finite_size(16, K_C).log_partition_function == pytest.approx(238.642, abs=5e-4)
        assert log_partition_function(16, K_C) == pytest.approx(238.6422566351, rel=1e-12)

    def test_symmetric_in_the_two_sides(self):
        for K in (0.3, K_C, 0.7):
            a, b = finite_size(6, K, n=10), finite_size(10, K, n=6)
            assert a.log_partition_function == pytest.approx(b.log_partition_function, rel=1e-13)
            assert a.energy_per_site == pytest.approx(b.energy_per_site, rel=1e-12)
            assert a.specific_heat == pytest.approx(b.specific_heat, rel=1e-11)

    def test_results_are_plain_floats(self):
        result = finite_size(8, 0.4)
        assert isinstance(result, TorusResult)
        for value in (result.log_partition_function, result.energy_per_site, result.specific_heat):
            assert type(value) is float

    @pytest.mark.parametrize("K", [0.3, 0.6])
    def test_converges_to_onsager(self, K):
        # away from K_c finite-size corrections are exponentially small in L
        torus = finite_size(256, K)
        assert torus.energy_per_site == pytest.approx(onsager_energy_per_site(K), abs=1e-8)
        assert torus.specific_heat == pytest.approx(onsager_specific_heat(K), abs=1e-8)
        # below T_c the two ordered states add ln 2 to ln Z (not extensive)
        degeneracy = np.log(2.0) if K > K_C else 0.0
        assert (torus.log_partition_function - degeneracy) / 256**2 == pytest.approx(
            onsager_log_partition_function_per_site(K), abs=1e-13
        )

    @pytest.mark.parametrize(("K", "rel"), [(1.0, 1e-13), (2.0, 1e-11), (3.0, 1e-9), (4.0, 1e-6)])
    def test_specific_heat_at_low_temperature(self, K, rel):
        # documented precision of the exponentially small C (Onsager's series form is accurate there)
        assert finite_size(64, K).specific_heat == pytest.approx(onsager_specific_heat(K), rel=rel)
        assert finite_size(64, 8.0).specific_heat >= 0.0

    def test_free_energy_at_criticality_converges_like_one_over_n(self):
        # ln Z / N = f_inf + O(1 / N) at K_c on the square torus
        f_inf = onsager_log_partition_function_per_site(K_C)
        d256 = finite_size(256, K_C).log_partition_function / 256**2 - f_inf
        d512 = finite_size(512, K_C).log_partition_function / 512**2 - f_inf
        assert abs(d512) < 1e-5
        assert d256 / d512 == pytest.approx(4.0, rel=1e-3)

    def test_specific_heat_grows_logarithmically_at_criticality(self):
        # C(L) ~ (8 K_c^2 / pi) ln L + const (Ferdinand & Fisher)
        slope = (finite_size(1024, K_C).specific_heat - finite_size(512, K_C).specific_heat) / np.log(2)
        assert slope == pytest.approx(8 * K_C**2 / np.pi, rel=1e-3)


class TestDerivatives:
    @pytest.mark.parametrize("L", [8, 64])
    @pytest.mark.parametrize("K", [0.2, K_C - 0.3 / 64, K_C, K_C + 1e-3, 0.6, 1.2])
    def test_match_finite_differences(self, L, K):
        """Energy and C against Richardson differences of ln Z and of the analytic energy.

        With h = 1e-4 / L the truncation error is ~(h L)^4 ~ 1e-16 and rounding is
        ~eps |ln Z| / h; the tolerance 1e-7 covers both with margin.
        """
        h = 1e-4 / L
        n = L * L
        result = finite_size(L, K)
        first = richardson_derivative(lambda k: log_partition_function(L, k), K, h)
        assert result.energy_per_site == pytest.approx(-first / n, rel=1e-7)
        d_energy = richardson_derivative(lambda k: finite_size(L, k).energy_per_site, K, h)
        assert result.specific_heat == pytest.approx(-K * K * d_energy, rel=1e-7)

    def test_continuous_across_the_near_critical_branch(self):
        """Near K_c the vanishing sinh factor of Z_4 is handled separately when |L g0 / 2| < 1."""
        L = 32

        def g0(k: float) -> float:
            return 2 * k + np.log(np.tanh(k))

        for target in (-2.0 / L, 2.0 / L):
            k_edge = brentq(lambda k, t=target: g0(k) - t, 0.3, 0.6, xtol=1e-15)
            below, above = finite_size(L, k_edge * (1 - 1e-11)), finite_size(L, k_edge * (1 + 1e-11))
            assert below.energy_per_site == pytest.approx(above.energy_per_site, rel=1e-9)
            assert below.specific_heat == pytest.approx(above.specific_heat, rel=1e-8)

    @pytest.mark.parametrize("L", [4, 32, 1024])
    def test_exactly_at_criticality(self, L):
        at = finite_size(L, K_C)
        for side in (K_C * (1 - 1e-12), K_C * (1 + 1e-12)):
            near = finite_size(L, side)
            assert at.log_partition_function == pytest.approx(near.log_partition_function, rel=1e-12)
            assert at.energy_per_site == pytest.approx(near.energy_per_site, rel=1e-9)
            assert at.specific_heat == pytest.approx(near.specific_heat, rel=1e-8)


class TestStability:
    @pytest.mark.parametrize("L", [512, 1024])
    def test_no_overflow_or_nan_anywhere(self, L):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for K in [1e-8, 1e-3, 0.1, K_C, 0.7, 2.0, 10.0, 100.0, 1000.0]:
                r = finite_size(L, K)
                values = (r.log_partition_function, r.energy_per_site, r.specific_heat)
                assert all(np.isfinite(values)), (K, values)
                n = L * L
                # ln Z >= max(N ln 2, 2NK), -2 <= e <= 0, C >= 0
                assert r.log_partition_function >= max(n * np.log(2), 2 * n * K) * (1 - 1e-14)
                assert -2.0 - 1e-12 <= r.energy_per_site <= 0.0
                assert r.specific_heat >= -1e-12

    @pytest.mark.parametrize("K", [1e-8, 1e-20, 1e-29, 1e-31, 1e-100, 1e-200, 1e-300])
    def test_tiny_coupling(self, K):
        # pairs joined by two bonds (sides of length 2) carry 2K: e = -4K on 2 x 2, -3K on 2 x n, -2K otherwise
        for (m, n), slope in {(2, 2): 4.0, (2, 5): 3.0, (3, 3): 2.0, (64, 64): 2.0}.items():
            r = finite_size(m, K, n=n)
            assert r.energy_per_site == pytest.approx(-slope * K, rel=1e-12)
            assert r.log_partition_function == pytest.approx(m * n * np.log(2), rel=1e-15)
            if K * K > 0:
                assert r.specific_heat == pytest.approx(slope * K * K, rel=1e-12)

    def test_limits(self):
        hot = finite_size(64, 1e-6)
        assert hot.energy_per_site == pytest.approx(-2e-6, rel=1e-6)
        assert hot.specific_heat == pytest.approx(2e-12, rel=1e-5)  # C ~ 2 K^2
        cold = finite_size(1024, 1000.0)
        assert cold.energy_per_site == -2.0
        assert cold.specific_heat == pytest.approx(0.0, abs=1e-300)
        # low temperature: C ~ 64 K^2 e^{-8K} from single spin flips
        assert finite_size(64, 3.0).specific_heat == pytest.approx(64 * 9 * np.exp(-24), rel=1e-3)

    def test_large_lattice_is_finite(self):
        for K in (0.3, K_C, 0.6):
            result = finite_size(1024, K)
            assert np.isfinite([result.log_partition_function, result.energy_per_site, result.specific_heat]).all()


class TestErrors:
    @pytest.mark.parametrize("L", [1, 0, -4])
    def test_small_sides(self, L):
        with pytest.raises(InvalidParameterError, match="L must be an integer >= 2"):
            finite_size(L, 0.4)
        with pytest.raises(InvalidParameterError, match="n must be an integer >= 2"):
            finite_size(4, 0.4, n=L)

    @pytest.mark.parametrize("L", [16.0, "16", None, 2.5])
    def test_non_integer_sides(self, L):
        with pytest.raises(InvalidParameterError, match="integer"):
            finite_size(L, 0.4)

    @pytest.mark.parametrize("beta", [0.0, -1.0, np.nan, np.inf])
    def test_bad_beta(self, beta):
        with pytest.raises(InvalidParameterError, match="beta"):
            finite_size(8, beta)

    def test_frustrated_antiferromagnet(self):
        with pytest.raises(InvalidParameterError, match="frustrated.*brute_force"):
            finite_size(3, 0.4, coupling=-1.0)
        with pytest.raises(InvalidParameterError, match="odd side"):
            finite_size(4, 0.4, coupling=-1.0, n=5)

    def test_overflowing_k(self):
        with pytest.raises(InvalidParameterError, match="finite"):
            finite_size(4, 1e300, coupling=1e300)
