"""Tests of deeprg.stats.observables: Ising observables, correlation function and summarize."""

from __future__ import annotations

import itertools
import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from deeprg.errors import InvalidParameterError
from deeprg.stats import (
    CorrelationFunction,
    Estimate,
    abs_magnetization,
    binder_cumulant,
    correlation_function,
    energy_per_site,
    magnetization_squared,
    mean_estimate,
    specific_heat,
    summarize,
    susceptibility,
)

# ---------------------------------------------------------------- simple means


def test_means_are_mean_estimates() -> None:
    rng = np.random.default_rng(1)
    m, e = rng.uniform(-1, 1, 500), rng.uniform(-2, 0, 500)
    assert energy_per_site(e) == mean_estimate(e)
    assert abs_magnetization(m) == mean_estimate(np.abs(m))
    assert magnetization_squared(m) == mean_estimate(m**2)


# ---------------------------------------------------------------- Binder cumulant


def test_binder_cumulant_of_gaussian_magnetization_is_zero() -> None:
    m = np.random.default_rng(2).normal(0.0, 0.1, 20_000)  # disordered phase: <m^4> = 3 <m^2>^2
    est = binder_cumulant(m)
    assert est.error > 0
    assert abs(est.deviation(0.0)) < 4  # within 4 jackknife sigmas (O(1/n) bias ~ 1e-4 << sigma)


def test_binder_cumulant_of_two_peaks_is_two_thirds() -> None:
    m = np.random.default_rng(3).choice([-1.0, 1.0], size=1_000)  # ordered phase: m = +-1
    est = binder_cumulant(m)
    assert est.mean == pytest.approx(2.0 / 3.0, abs=1e-14)  # m^2 = m^4 = 1 exactly
    assert est.error == 0.0


def test_binder_cumulant_of_zero_magnetization_raises() -> None:
    with pytest.raises(InvalidParameterError, match="Binder cumulant is undefined"):
        binder_cumulant(np.zeros(100))


# ---------------------------------------------------------------- fluctuations on hand-made series

ENERGY = np.tile([-1.0, -2.0, -1.5, -0.5], 25)  # <e> = -1.25, <e^2> = 1.875
MAGNETIZATION = np.tile([0.5, -0.5, 1.0, -0.25], 25)  # <m^2> = 0.390625, <|m|> = 0.5625


def test_specific_heat_formula() -> None:
    beta, n_sites = 0.5, 16
    est = specific_heat(ENERGY, beta, n_sites)
    # beta^2 N (<e^2> - <e>^2) = 0.25 * 16 * (1.875 - 1.5625) = 1.25
    assert est.mean == pytest.approx(1.25, rel=1e-12)
    assert est.error >= 0


def test_susceptibility_formulas() -> None:
    beta, n_sites = 0.4, 25
    connected = susceptibility(MAGNETIZATION, beta, n_sites)
    # beta N (<m^2> - <|m|>^2) = 10 * (0.390625 - 0.31640625) = 0.7421875
    assert connected.mean == pytest.approx(0.7421875, rel=1e-12)
    full = susceptibility(MAGNETIZATION, beta, n_sites, connected=False)
    assert full.mean == pytest.approx(10 * 0.390625, rel=1e-12)  # beta N <m^2>
    assert full.error == pytest.approx(10 * magnetization_squared(MAGNETIZATION).error, rel=1e-12)


def test_fluctuations_are_shift_invariant_and_scale_with_prefactor() -> None:
    e = np.random.default_rng(4).normal(-1.4, 0.05, 4_000)
    a = specific_heat(e, 0.4, 100)
    b = specific_heat(e + 1e6, 0.4, 100)  # large offset: centring avoids cancellation
    assert b.mean == pytest.approx(a.mean, rel=1e-6)
    c = specific_heat(e, 0.8, 100)
    assert c.mean == pytest.approx(4 * a.mean, rel=1e-12) and c.error == pytest.approx(4 * a.error, rel=1e-12)


def test_specific_heat_of_gaussian_energy(ar1_chain) -> None:
    # e ~ N(mu, s^2) correlated: C = beta^2 N s^2 exactly in expectation.
    phi, n, s, beta, n_sites = 0.5, 50_000, 0.02, 0.44, 64
    e = -1.4 + s * math.sqrt(1 - phi**2) * ar1_chain(phi, n, np.random.default_rng(5))
    est = specific_heat(e, beta, n_sites)
    assert abs(est.deviation(beta**2 * n_sites * s**2)) < 4  # 4 jackknife sigmas


@pytest.mark.parametrize(
    ("beta", "n_sites", "match"),
    [
        (-0.1, 16, "beta must be >= 0"),
        (math.nan, 16, "beta must be finite"),
        (0.4, 0, "n_sites"),
        (0.4, 2.0, "n_sites"),
    ],
)
def test_fluctuation_validation(beta: float, n_sites: int, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        specific_heat(ENERGY, beta, n_sites)
    with pytest.raises(InvalidParameterError, match=match):
        susceptibility(MAGNETIZATION, beta, n_sites)


# ---------------------------------------------------------------- correlation function


@pytest.mark.filterwarnings("ignore::deeprg.stats.ShortChainWarning")  # a handful of samples
def test_correlation_of_all_up_lattices_is_one() -> None:
    spins = np.ones((5, 16, 16), dtype=np.int8)  # 2 * 16^2 = 512 products: would overflow int8 sums
    g = correlation_function(spins)
    assert isinstance(g, CorrelationFunction) and len(g) == 9
    np.testing.assert_array_equal(g.distance, np.arange(9))
    np.testing.assert_array_equal(g.value, np.ones(9))
    np.testing.assert_array_equal(g.error, np.zeros(9))


@pytest.mark.filterwarnings("ignore::deeprg.stats.ShortChainWarning")  # a handful of samples
def test_correlation_of_checkerboard_alternates() -> None:
    L = 6
    x, y = np.indices((L, L))
    board = np.where((x + y) % 2 == 0, 1, -1).astype(np.int8)
    g = correlation_function(np.stack([board, -board, board]))
    np.testing.assert_array_equal(g.value, (-1.0) ** np.arange(L // 2 + 1))


@pytest.mark.filterwarnings("ignore::deeprg.stats.ShortChainWarning")  # a handful of samples
def test_correlation_averages_both_axes() -> None:
    L = 8
    stripes = np.where(np.arange(L) % 2 == 0, 1, -1).astype(np.int8)[:, np.newaxis] * np.ones((1, L), np.int8)
    g = correlation_function(np.stack([stripes, stripes]))
    # along one axis s_i s_{i+r} = (-1)^r, along the other it is 1: the average is (1 + (-1)^r) / 2
    np.testing.assert_array_equal(g.value, (1 + (-1.0) ** np.arange(L // 2 + 1)) / 2)


def test_correlation_of_random_spins_vanishes_beyond_zero() -> None:
    n, L = 400, 12
    spins = np.random.default_rng(6).choice(np.array([-1, 1], dtype=np.int8), size=(n, L, L))
    g = correlation_function(spins)
    assert g.value[0] == 1.0 and g.error[0] == 0.0
    # iid spins: G(r >= 1) = 0; each value within 4 of its jackknife sigmas
    assert np.all(np.abs(g.value[1:]) < 4 * g.error[1:])
    # the 2 L^2 products are uncorrelated for 1 <= r < L/2 (r = L/2 counts each pair twice), so
    # sigma = 1 / sqrt(2 L^2 n); a jackknife error from 100 blocks is good to 1/sqrt(2*99) ~ 7 %,
    # allow 4 sigma of that (28 %)
    expected = 1 / math.sqrt(2 * L * L * n)
    np.testing.assert_allclose(g.error[1 : L // 2], expected, rtol=4 / math.sqrt(2 * 99))


def test_correlation_max_distance_and_chunking(monkeypatch: pytest.MonkeyPatch) -> None:
    spins = np.random.default_rng(7).choice(np.array([-1, 1], dtype=np.int8), size=(30, 6, 6))
    full = correlation_function(spins)
    short = correlation_function(spins, max_distance=1)
    np.testing.assert_array_equal(short.value, full.value[:2])
    import deeprg.stats.observables as observables

    monkeypatch.setattr(observables, "_CHUNK_SPINS", 7 * 36)  # 5 chunks of <= 7 samples
    np.testing.assert_allclose(correlation_function(spins).value, full.value, rtol=0, atol=1e-15)
    zero = correlation_function(spins, max_distance=0)
    assert zero.value.tolist() == [1.0] and zero.error.tolist() == [0.0]


@pytest.mark.filterwarnings("ignore::deeprg.stats.ShortChainWarning")  # a handful of samples
def test_correlation_to_dict() -> None:
    d = correlation_function(np.ones((3, 4, 4), dtype=np.int8)).to_dict()
    assert d == {"distance": [0, 1, 2], "value": [1.0, 1.0, 1.0], "error": [0.0, 0.0, 0.0], "tau": 0.5}


@pytest.mark.parametrize(
    ("spins", "kwargs", "match"),
    [
        (np.ones((4, 4), np.int8), {}, "at least 2 configurations"),
        (np.ones((3, 4, 5), np.int8), {}, r"shape \(L, L\) or \(n_samples, L, L\)"),
        (np.ones((1, 4, 4), np.int8), {}, "at least 2 configurations"),
        (np.zeros((3, 4, 4), np.uint8), {}, "to_spins"),
        (np.full((3, 4, 4), 2, np.int8), {}, "only -1 and \\+1"),
        (np.ones((3, 4, 4), np.int8), {"max_distance": 3}, "max_distance must be <= L // 2"),
        (np.ones((3, 4, 4), np.int8), {"max_distance": -1}, "max_distance"),
    ],
)
def test_correlation_validation(spins: np.ndarray, kwargs: dict, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        correlation_function(spins, **kwargs)


# ---------------------------------------------------------------- summarize

KEYS = {
    "energy_per_site",
    "abs_magnetization",
    "magnetization_squared",
    "binder_cumulant",
    "susceptibility",
    "specific_heat",
}


def _exact_moments(L: int, beta: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All 2^(L^2) states of an L x L torus: energy and magnetization per site, Boltzmann weights."""
    states = np.array(list(itertools.product([-1, 1], repeat=L * L)), dtype=np.int8).reshape(-1, L, L)
    bonds = states * np.roll(states, 1, axis=1) + states * np.roll(states, 1, axis=2)
    energy = -bonds.sum(axis=(1, 2), dtype=np.int64) / (L * L)
    magnetization = states.sum(axis=(1, 2), dtype=np.int64) / (L * L)
    weights = np.exp(-beta * L * L * (energy - energy.min()))
    return energy, magnetization, weights / weights.sum()


def test_summarize_matches_exact_enumeration() -> None:
    # Independent exact draws from the Boltzmann distribution of a 3x3 torus: every estimate
    # must cover the exact value computed with the same formulas on the exact distribution.
    L, beta, n = 3, 0.3, 40_000
    energy, magnetization, p = _exact_moments(L, beta)
    idx = np.random.default_rng(8).choice(len(p), size=n, p=p)
    samples = SimpleNamespace(energy=energy[idx], magnetization=magnetization[idx], beta=beta, n_sites=L * L)
    result = summarize(samples)
    assert set(result) == KEYS and all(isinstance(v, Estimate) for v in result.values())
    mean = lambda f: float(np.dot(p, f))  # noqa: E731
    m2, m4, am, e, e2 = (mean(magnetization**2), mean(magnetization**4), mean(np.abs(magnetization)),
                         mean(energy), mean(energy**2))
    exact = {
        "energy_per_site": e,
        "abs_magnetization": am,
        "magnetization_squared": m2,
        "binder_cumulant": 1 - m4 / (3 * m2**2),
        "susceptibility": beta * L * L * (m2 - am**2),
        "specific_heat": beta**2 * L * L * (e2 - e**2),
    }
    for key, value in exact.items():
        # six 4-sigma checks on one seeded draw; false alarm odds ~ 6 * 6e-5
        assert abs(result[key].deviation(value)) < 4, (key, result[key], value)


def test_summarize_of_a_sampleset() -> None:
    sampleset = pytest.importorskip(
        "deeprg.ising.sampleset", reason="deeprg.ising does not import", exc_type=ImportError
    )
    SampleSet = sampleset.SampleSet

    rng = np.random.default_rng(9)
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(200, 4, 4))
    samples = SampleSet(
        spins=spins,
        energy=rng.normal(-1.0, 0.1, 200),
        magnetization=spins.mean(axis=(1, 2)),
        beta=0.2,
        coupling=1.0,
        algorithm="metropolis",
        spacing=1,
        n_thermalize=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert set(samples.summary()) == KEYS


def test_summarize_rejects_other_objects() -> None:
    with pytest.raises(InvalidParameterError, match="without energy, magnetization"):
        summarize(SimpleNamespace(beta=0.4, n_sites=16))
    bad = SimpleNamespace(energy=np.ones(10), magnetization=np.ones(9), beta=0.4, n_sites=16)
    with pytest.raises(InvalidParameterError, match="one value per sample"):
        summarize(bad)
