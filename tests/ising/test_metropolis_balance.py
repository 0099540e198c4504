"""Detailed balance of the Metropolis kernel, from its empirical transition matrix on a 2x2 torus.

A checkerboard half sweep updates sites that do not interact, so it is a product of
commuting single-site Metropolis updates and must satisfy detailed balance; the
full sweep (even then odd sites) need only leave the Boltzmann distribution
invariant. We build the transition matrices by running the real numba kernel from
every one of the 16 states with many different random-stream positions.
"""

import numpy as np
import pytest

from deeprg.ising import kernels
from deeprg.ising.exact import brute_force, enumerate_states

BETA = 0.35
N_TRIALS = 4000


def empirical_transition_matrix(color: int) -> np.ndarray:
    states = enumerate_states(2)
    table = kernels.metropolis_table(BETA, 1.0)
    neighbours = np.empty(2, dtype=np.int8)
    index = {s.tobytes(): k for k, s in enumerate(states)}
    T = np.zeros((16, 16))
    key = np.uint64(0x5EED)
    for a, start in enumerate(states):
        for trial in range(N_TRIALS):
            spins = start.copy()
            kernels.metropolis_color(spins, color, table, key, np.uint64(4 * (a * N_TRIALS + trial)), neighbours)
            T[a, index[spins.tobytes()]] += 1
    return T / N_TRIALS


def exact_transition_matrix(color: int) -> np.ndarray:
    """Product of single-site Metropolis kernels over the sites of one color."""
    states = enumerate_states(2).astype(int)
    sites = [(i, j) for i in range(2) for j in range(2) if (i + j) % 2 == color]
    T = np.eye(16)
    for i, j in sites:
        Ts = np.zeros((16, 16))
        for a, s in enumerate(states):
            h = s[(i - 1) % 2, j] + s[(i + 1) % 2, j] + s[i, (j - 1) % 2] + s[i, (j + 1) % 2]
            p = min(1.0, np.exp(-2 * BETA * s[i, j] * h))
            t = s.copy()
            t[i, j] *= -1
            b = next(k for k, u in enumerate(states) if np.array_equal(u, t))
            Ts[a, b] += p
            Ts[a, a] += 1 - p
        T = T @ Ts
    return T


@pytest.fixture(scope="module")
def pi() -> np.ndarray:
    return brute_force(2, BETA).probabilities


@pytest.mark.parametrize("color", [0, 1])
def test_half_sweep_matches_metropolis_and_detailed_balance(color, pi):
    T_emp = empirical_transition_matrix(color)
    T_exact = exact_transition_matrix(color)
    # each entry is a binomial frequency over N_TRIALS: 5 sigma with sigma = sqrt(p(1-p)/n),
    # floored at one count so that zero-probability moves must be exactly absent
    sigma = np.sqrt(np.maximum(T_exact * (1 - T_exact), 1.0 / N_TRIALS) / N_TRIALS)
    assert np.all(np.abs(T_emp - T_exact) < 5 * sigma)
    assert np.all(T_emp[T_exact == 0] == 0)
    # detailed balance of the exact kernel the empirical one reproduces
    flux = pi[:, None] * T_exact
    np.testing.assert_allclose(flux, flux.T, atol=1e-15)
    # and of the empirical kernel within its binomial errors
    flux_emp = pi[:, None] * T_emp
    flux_err = pi[:, None] * sigma
    assert np.all(np.abs(flux_emp - flux_emp.T) < 5 * np.hypot(flux_err, flux_err.T))


def test_full_sweep_leaves_boltzmann_invariant(pi):
    T = exact_transition_matrix(0) @ exact_transition_matrix(1)
    np.testing.assert_allclose(pi @ T, pi, atol=1e-14)
