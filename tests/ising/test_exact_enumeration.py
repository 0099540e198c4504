"""Exhaustive enumeration of small tori (deeprg.ising.exact.enumeration)."""

from __future__ import annotations

import numpy as np
import pytest

from deeprg.errors import InvalidParameterError
from deeprg.ising.exact import (
    MAX_ENUMERATION_SIZE,
    EnumerationResult,
    brute_force,
    configuration_index,
    enumerate_states,
)
from deeprg.ising.model import IsingModel

K_C = 0.5 * np.log1p(np.sqrt(2.0))


def derivatives_by_finite_differences(L: int, K: float, h: float = 1e-4) -> tuple[float, float]:
    """First and second derivatives of ln Z in K, by fourth-order central differences."""

    def f(k: float) -> float:
        return brute_force(L, k).log_partition_function

    fp1, fm1, fp2, fm2, f0 = f(K + h), f(K - h), f(K + 2 * h), f(K - 2 * h), f(K)
    first = (8 * (fp1 - fm1) - (fp2 - fm2)) / (12 * h)
    second = (-fp2 + 16 * fp1 - 30 * f0 + 16 * fm1 - fm2) / (12 * h * h)
    return first, second


class TestEnumerateStates:
    @pytest.mark.parametrize("L", [2, 3, 4])
    def test_shape_dtype_and_bit_order(self, L):
        states = enumerate_states(L)
        n = L * L
        assert states.shape == (2**n, L, L)
        assert states.dtype == np.int8
        assert np.all(states[0] == -1) and np.all(states[-1] == 1)
        # bit i of k <-> site i in row-major order
        k = 2**n - 3  # all bits set except bit 1
        flat = states[k].ravel()
        assert flat[1] == -1 and np.all(np.delete(flat, 1) == 1)
        assert len({s.tobytes() for s in states}) == 2**n

    def test_small_example(self):
        np.testing.assert_array_equal(enumerate_states(2)[1], [[1, -1], [-1, -1]])
        np.testing.assert_array_equal(enumerate_states(2)[6], [[-1, 1], [1, -1]])

    def test_returns_a_fresh_writable_copy(self):
        states = enumerate_states(2)
        states[0, 0, 0] = 1
        assert enumerate_states(2)[0, 0, 0] == -1

    @pytest.mark.parametrize("L", [2, 3, 4])
    def test_configuration_index_inverts_enumeration(self, L):
        states = enumerate_states(L)
        np.testing.assert_array_equal(configuration_index(states), np.arange(2 ** (L * L)))

    def test_configuration_index_single_lattice_and_round_trip(self):
        rng = np.random.default_rng(0)
        batch = rng.choice(np.array([-1, 1], dtype=np.int8), size=(50, 3, 3))
        index = configuration_index(batch)
        assert index.dtype == np.int64 and index.shape == (50,)
        np.testing.assert_array_equal(enumerate_states(3)[index], batch)
        assert configuration_index(batch[7]).shape == (1,)
        # indices are defined up to L = 7 (49 bits)
        big = rng.choice(np.array([-1, 1], dtype=np.int8), size=(4, 7, 7))
        assert np.all(configuration_index(big) >= 0)

    def test_configuration_index_rejects_bad_input(self):
        with pytest.raises(InvalidParameterError, match="L <= 7"):
            configuration_index(np.ones((8, 8), dtype=np.int8))
        with pytest.raises(InvalidParameterError, match="-1 and \\+1"):
            configuration_index(np.zeros((2, 2)))


class TestBruteForce:
    @pytest.mark.parametrize("L", [2, 3, 4])
    @pytest.mark.parametrize("coupling", [1.0, -0.7, 2.5])
    def test_energy_and_magnetization_match_ising_model(self, L, coupling):
        result = brute_force(L, 0.3, coupling)
        model = IsingModel(L, coupling=coupling)
        states = enumerate_states(L)
        np.testing.assert_allclose(result.energy * L * L, model.energy(states), rtol=0, atol=1e-12)
        np.testing.assert_allclose(result.magnetization * L * L, model.magnetization(states), rtol=0, atol=0)

    @pytest.mark.parametrize("L", [2, 3, 4])
    @pytest.mark.parametrize("K", [0.05, K_C, 1.3])
    def test_probabilities_normalised_and_flip_symmetric(self, L, K):
        result = brute_force(L, K)
        p = result.probabilities
        assert p.shape == (2 ** (L * L),) and p.dtype == np.float64
        assert p.sum() == pytest.approx(1.0, abs=1e-14)
        # flipping every spin complements the bits: k -> 2^N - 1 - k
        np.testing.assert_allclose(p, p[::-1], rtol=1e-13, atol=0)
        np.testing.assert_array_equal(result.energy, result.energy[::-1])
        np.testing.assert_array_equal(result.magnetization, -result.magnetization[::-1])
        assert abs(result.expectation(result.magnetization)) < 1e-14

    def test_arrays_are_read_only(self):
        result = brute_force(2, 0.4)
        for array in (result.probabilities, result.energy, result.magnetization):
            with pytest.raises(ValueError):
                array[0] = 0.0

    @pytest.mark.parametrize("K", [0.01, 0.2, K_C, 0.9])
    def test_two_by_two_closed_form(self, K):
        # 8 bonds (every neighbour pair twice): Z = 2 e^{8K} + 2 e^{-8K} + 12
        result = brute_force(2, K)
        assert result.log_partition_function == pytest.approx(np.log(4 * np.cosh(8 * K) + 12), rel=1e-14)

    @pytest.mark.parametrize("L", [2, 3, 4])
    @pytest.mark.parametrize("K", [0.2, K_C, 0.7])
    def test_energy_and_specific_heat_are_derivatives_of_log_z(self, L, K):
        first, second = derivatives_by_finite_differences(L, K)
        result = brute_force(L, K)
        n = L * L
        # fourth-order differences with h = 1e-4: truncation ~1e-14, rounding ~1e-8 on the second
        assert result.energy_per_site == pytest.approx(-first / n, rel=1e-9)
        assert result.specific_heat == pytest.approx(K * K * second / n, rel=1e-6)

    def test_coupling_and_beta_enter_through_k(self):
        a = brute_force(3, 0.2, coupling=2.0)
        b = brute_force(3, 0.4, coupling=1.0)
        assert a.log_partition_function == pytest.approx(b.log_partition_function, rel=1e-14)
        assert a.energy_per_site == pytest.approx(2.0 * b.energy_per_site, rel=1e-13)
        assert a.specific_heat == pytest.approx(b.specific_heat, rel=1e-12)
        assert a.binder_cumulant == pytest.approx(b.binder_cumulant, rel=1e-12)

    def test_observable_definitions(self):
        r = brute_force(3, 0.35)
        n, beta, m = 9, 0.35, r.magnetization
        m2 = float(np.sum(r.probabilities * m**2))
        m4 = float(np.sum(r.probabilities * m**4))
        mabs = float(np.sum(r.probabilities * np.abs(m)))
        assert r.magnetization_squared == pytest.approx(m2, rel=1e-14)
        assert r.magnetization_fourth == pytest.approx(m4, rel=1e-14)
        assert r.abs_magnetization == pytest.approx(mabs, rel=1e-14)
        assert r.moment(m, 2) == pytest.approx(m2, rel=1e-14)
        assert r.binder_cumulant == pytest.approx(1 - m4 / (3 * m2**2), rel=1e-13)
        assert r.susceptibility == pytest.approx(beta * n * (m2 - mabs**2), rel=1e-12)
        assert r.susceptibility_disconnected == pytest.approx(beta * n * m2, rel=1e-14)
        e = r.energy
        var_e = float(np.sum(r.probabilities * e**2) - np.sum(r.probabilities * e) ** 2)
        assert r.specific_heat == pytest.approx(beta**2 * n * var_e, rel=1e-10)
        assert r.free_energy_per_site == pytest.approx(-r.log_partition_function / (beta * n))
        assert r.n_sites == 9 and isinstance(r, EnumerationResult)

    def test_high_and_low_temperature_limits(self):
        hot = brute_force(3, 1e-9)
        # independent spins: <m^2> = 1/N, <m^4> = (3N^2 - 2N)/N^4, U4 = 2/(3N)
        assert hot.magnetization_squared == pytest.approx(1 / 9, rel=1e-7)
        assert hot.binder_cumulant == pytest.approx(2 / 27, rel=1e-6)
        assert hot.log_partition_function == pytest.approx(9 * np.log(2), rel=1e-9)
        cold = brute_force(4, 5.0)
        assert cold.abs_magnetization == pytest.approx(1.0, abs=1e-12)
        assert cold.binder_cumulant == pytest.approx(2 / 3, abs=1e-12)
        assert cold.energy_per_site == pytest.approx(-2.0, abs=1e-12)

    def test_l4_binder_between_limits(self):
        values = [brute_force(4, beta).binder_cumulant for beta in (0.3, 0.4, 0.5)]
        assert all(0.0 < u < 2.0 / 3.0 for u in values)

    def test_expectation_rejects_wrong_shape(self):
        with pytest.raises(InvalidParameterError, match="one value per configuration"):
            brute_force(2, 0.3).expectation(np.ones(3))


class TestErrors:
    def test_l5_is_refused_with_advice(self):
        assert MAX_ENUMERATION_SIZE == 4
        with pytest.raises(InvalidParameterError, match=r"2\^25 states is limited to L <= 4.*finite_size"):
            brute_force(5, 0.4)
        with pytest.raises(InvalidParameterError, match="L <= 4"):
            enumerate_states(5)

    @pytest.mark.parametrize("L", [1, 0, -3])
    def test_small_l(self, L):
        with pytest.raises(InvalidParameterError, match=">= 2"):
            brute_force(L, 0.4)

    @pytest.mark.parametrize("L", [3.0, "3", None, True])
    def test_non_integer_l(self, L):
        with pytest.raises(InvalidParameterError, match="integer"):
            brute_force(L, 0.4)

    def test_float_l_gets_a_suggestion(self):
        with pytest.raises(InvalidParameterError, match="pass L=3 instead"):
            enumerate_states(3.0)

    @pytest.mark.parametrize("beta", [0.0, -0.1, np.nan, np.inf, "0.4", None])
    def test_bad_beta(self, beta):
        with pytest.raises(InvalidParameterError, match="beta"):
            brute_force(2, beta)

    @pytest.mark.parametrize("coupling", [0.0, np.nan, -np.inf])
    def test_bad_coupling(self, coupling):
        with pytest.raises(InvalidParameterError, match="coupling"):
            brute_force(2, 0.3, coupling)

    def test_errors_are_value_errors(self):
        with pytest.raises(ValueError):
            brute_force(2, -1.0)
