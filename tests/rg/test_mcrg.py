"""Spin operators and Swendsen's MCRG: operators on hand-made lattices, the jackknife on a known
answer, the result type, and the exponents of the 2D Ising model (fast; large lattices are slow)."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest

from deeprg.errors import InvalidParameterError
from deeprg.ising import IsingModel, WolffSampler
from deeprg.rg import (
    EVEN_OPERATORS,
    ODD_OPERATORS,
    MCRGResult,
    SpinOperator,
    block_levels,
    evaluate_operators,
    mcrg_eigenvalues,
    mcrg_eigenvalues_two_lattice,
)
from deeprg.rg.mcrg import _one_lattice_sector

K_C = math.log(1.0 + math.sqrt(2.0)) / 2.0
Y_T, Y_H = 1.0, 15.0 / 8.0
ALL = EVEN_OPERATORS + ODD_OPERATORS
NAMES = [op.name for op in ALL]


def _brute_force(spins: np.ndarray, op: SpinOperator) -> float:
    """The operator's definition, site by site."""
    L = spins.shape[0]
    total = 0
    for r in range(L):
        for c in range(L):
            for shape in op.shapes:
                total += np.prod([int(spins[(r + dr) % L, (c + dc) % L]) for dr, dc in shape])
    return float(total)


def _wolff(L: int, n: int, seed: int) -> np.ndarray:
    return WolffSampler(IsingModel(L), beta=K_C, random_state=seed, n_jobs=1).sample(n).spins


# -- operators --------------------------------------------------------------------------------


@pytest.mark.parametrize("L", [4, 6, 8])
def test_all_up_and_all_down(L):
    up = np.ones((1, L, L), dtype=np.int8)
    values = evaluate_operators(np.concatenate([up, -up]), NAMES)
    expected_up = np.array([op.multiplicity * L * L for op in ALL], dtype=float)
    np.testing.assert_array_equal(values[0], expected_up)  # every product is +1: nn = 2 L^2, plaquette = L^2, m = L^2
    parity = np.array([op.parity for op in ALL])
    np.testing.assert_array_equal(values[1], parity * expected_up)  # odd operators flip sign


def test_multiplicities_and_parities():
    mult = {op.name: op.multiplicity for op in ALL}
    assert mult == {
        "nn": 2,
        "nnn": 2,
        "nn3": 2,
        "plaquette": 1,
        "nn4": 4,
        "nn5": 2,
        "four_row": 2,
        "m": 1,
        "three_corner": 4,
        "three_line": 2,
        "three_bent": 8,
        "five_cross": 1,
    }
    assert all(op.parity == 1 for op in EVEN_OPERATORS)
    assert all(op.parity == -1 for op in ODD_OPERATORS)


def test_one_flipped_spin():
    L = 8
    s = np.ones((L, L), dtype=np.int8)
    s[3, 5] = -1
    v = dict(zip(NAMES, evaluate_operators(s, NAMES)[0], strict=True))
    # the flipped spin sits in 4 nn bonds, 4 nnn bonds, 4 plaquettes and 4 x 3 corner triples
    assert v["nn"] == 2 * L * L - 2 * 4
    assert v["nnn"] == 2 * L * L - 2 * 4
    assert v["nn3"] == 2 * L * L - 2 * 4
    assert v["plaquette"] == L * L - 2 * 4
    assert v["m"] == L * L - 2
    assert v["three_corner"] == 4 * L * L - 2 * 12
    assert v["three_line"] == 2 * L * L - 2 * 6  # 3 positions in a row x 2 directions


def test_checkerboard():
    L = 6
    r, c = np.indices((L, L))
    s = np.where((r + c) % 2 == 0, 1, -1).astype(np.int8)
    v = dict(zip(NAMES, evaluate_operators(s, NAMES)[0], strict=True))
    assert v["nn"] == -2 * L * L  # every nearest pair is antiparallel
    assert v["nnn"] == 2 * L * L and v["nn3"] == 2 * L * L  # same sublattice
    assert v["plaquette"] == L * L
    assert v["nn4"] == -4 * L * L  # (1, 2) joins the two sublattices
    assert v["m"] == 0 and v["three_corner"] == 0


def test_matches_brute_force_and_symmetries(rng):
    s = (2 * rng.integers(0, 2, size=(2, 7, 7)) - 1).astype(np.int8)
    fast = evaluate_operators(s, NAMES)
    slow = np.array([[_brute_force(x, op) for op in ALL] for x in s])
    np.testing.assert_array_equal(fast, slow)
    # translation, rotation and reflection invariance
    for moved in (np.roll(s, (2, 3), axis=(1, 2)), np.rot90(s, axes=(1, 2)), s[:, ::-1, :], s.transpose(0, 2, 1)):
        np.testing.assert_array_equal(evaluate_operators(np.ascontiguousarray(moved), NAMES), fast)


def test_unknown_operator_is_explained():
    with pytest.raises(InvalidParameterError, match="unknown spin operator 'nnnn'"):
        evaluate_operators(np.ones((1, 4, 4), dtype=np.int8), ["nnnn"])


# -- blocking ---------------------------------------------------------------------------------


def test_block_levels_shapes_and_seeds(rng):
    s = (2 * rng.integers(0, 2, size=(3, 36, 36)) - 1).astype(np.int8)
    three = block_levels(s, 3, 2)
    assert [x.shape for x in three] == [(3, 36, 36), (3, 12, 12), (3, 4, 4)]
    np.testing.assert_array_equal(three[1], np.sign(s.reshape(3, 12, 3, 12, 3).sum(axis=(2, 4))))  # no ties for b = 3
    s2 = s[:, :32, :32]
    a, b = block_levels(s2, 2, 3, random_state=7), block_levels(s2, 2, 3, random_state=7)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert [x.shape[1] for x in a] == [32, 16, 8, 4]


# -- the linearised map and its jackknife -----------------------------------------------------


def test_jackknife_of_a_known_map(rng):
    """One operator per level: T = cov(coarse, fine) / var(coarse) is the regression slope of fine on coarse.

    With fine = lam * coarse + noise, T -> lam and the slope's standard error is
    sigma_noise / (sigma_coarse sqrt(n)), so y = ln(lam) / ln 2 has error se / (lam ln 2).
    """
    n, lam, sigma = 20_000, 3.0, 2.0
    coarse = rng.normal(size=(n, 1))
    fine = lam * coarse + sigma * rng.normal(size=(n, 1))
    y, err, spectrum = _one_lattice_sector(fine, coarse, 2, 50)
    expected_err = sigma / math.sqrt(n) / (lam * math.log(2))
    # 50 blocks give the jackknife error itself a relative error 1/sqrt(2 * 49) = 10 %: allow 35 % (3.5 sigma)
    assert abs(err / expected_err - 1) < 0.35
    assert abs(y - math.log(lam) / math.log(2)) < 4 * expected_err
    assert spectrum[0] == pytest.approx(2**y)


def test_result_round_trip():
    result = MCRGResult(
        level=2,
        b=2,
        lattice=64,
        method="one-lattice",
        even_operators=("nn", "nnn"),
        odd_operators=("m",),
        n_samples=100,
        n_blocks=20,
        y_t=np.float64(1.01),
        y_t_error=0.02,
        y_h=1.876,
        y_h_error=0.001,
        even_eigenvalues=(2.01, 0.4),
        odd_eigenvalues=(3.67,),
    )
    data = json.loads(json.dumps(result.to_dict()))
    assert data["n_operators"] == 3 and type(data["y_t"]) is float
    assert MCRGResult.from_dict(data) == result
    assert result.coarse_lattice == 16
    with pytest.raises(InvalidParameterError, match="missing"):
        MCRGResult.from_dict({"level": 1})


def test_argument_errors(rng):
    s = (2 * rng.integers(0, 2, size=(8, 16, 16)) - 1).astype(np.int8)
    with pytest.raises(InvalidParameterError, match="even sector"):
        mcrg_eigenvalues(s, even=["nn", "m"])
    with pytest.raises(InvalidParameterError, match="levels"):
        mcrg_eigenvalues(s, levels=5)  # 16 / 2**5 is not an integer
    with pytest.raises(InvalidParameterError, match="L / b"):
        mcrg_eigenvalues_two_lattice(s, s)


# -- the 2D Ising model at K_c ----------------------------------------------------------------


@pytest.fixture(scope="module")
def critical_32() -> np.ndarray:
    return _wolff(32, 1000, seed=2024)


def test_ising_exponents_fast(critical_32):
    """L = 32, 1000 Wolff samples, 4 even and 3 odd operators, level 2 (16 -> 8).

    Truncation and finite size bias level 2 by about -0.02 in y_t and +0.001 in y_h
    (measured with 4000 samples at L = 64 and 128: y_t = 1.003(13), 0.983(12); y_h = 1.8761(6), 1.8761(4)).
    """
    (r1, r2) = mcrg_eigenvalues(critical_32, levels=2, random_state=1)
    assert (r2.level, r2.lattice, r2.coarse_lattice, r2.n_operators) == (2, 32, 8, 7)
    assert r2.even_operators == ("nn", "nnn", "nn3", "plaquette")
    assert r2.odd_operators == ("m", "three_corner", "three_line")
    assert abs(r2.y_t - Y_T) < 4 * r2.y_t_error + 0.02  # 4 sigma + truncation bias
    assert abs(r2.y_h - Y_H) < 4 * r2.y_h_error + 0.002  # 4 sigma + truncation bias
    assert 0.01 < r2.y_t_error < 0.1 and 0.0005 < r2.y_h_error < 0.01  # ~0.034 and ~0.0025 for 1000 samples
    assert r2.even_eigenvalues[0] == pytest.approx(2**r2.y_t)
    again = mcrg_eigenvalues(critical_32, levels=2, random_state=1)
    assert again[1] == r2  # seeded tie-breaking: reproducible


def test_uncorrelated_ensemble_is_trivial(rng):
    """Infinite temperature: the trivial fixed point, every coupling irrelevant.

    Measured leading even eigenvalues 0.17-0.55 (critical: b**y_t = 2) and odd ones 1.47-1.57
    (critical: 2**1.875 = 3.67) at levels 1-3 with 1000 samples of L = 32 (4 seeds); y_t ~ -2
    with a jackknife error of 0.3-1.6 (the logarithm of a small, noisy eigenvalue), so the
    test bounds the eigenvalues, whose scatter between seeds is ~0.1.
    """
    s = (2 * rng.integers(0, 2, size=(1000, 32, 32)) - 1).astype(np.int8)
    for r in mcrg_eigenvalues(s, levels=3, random_state=3):
        assert r.even_eigenvalues[0] < 1.0  # irrelevant: 4 scatters above the largest seen, 10 below 2
        assert r.y_t < 0.5  # hence y_t < 0, nowhere near 1
        assert r.odd_eigenvalues[0] < 2.5  # ~10 scatters (~0.03) above the measured ~1.5, far below the critical 3.67


def test_two_lattice_fast(critical_32):
    """Two-lattice MCRG, L = 32 against L = 16 (1000 samples each) at level 1 (both compared lattices 16 x 16).

    Its error is larger than the one-lattice one (the independent ensembles' noise does not cancel):
    ~0.1 in y_t and ~0.03 in y_h here. Level-1 truncation bias ~ -0.05 in y_t and +0.006 in y_h.
    """
    small = _wolff(16, 1000, seed=2025)
    (r1,) = mcrg_eigenvalues_two_lattice(critical_32, small, levels=1, random_state=1)
    assert r1.method == "two-lattice" and r1.coarse_lattice == 16
    assert abs(r1.y_t - Y_T) < 4 * r1.y_t_error + 0.05  # 4 sigma + level-1 truncation bias
    assert abs(r1.y_h - Y_H) < 4 * r1.y_h_error + 0.006  # 4 sigma + level-1 truncation bias


@pytest.mark.slow
@pytest.mark.parametrize("L", [64, 128, 256])
def test_ising_exponents_large(L):
    """The issue's targets: |y_t - 1| < 0.05 and |y_h - 15/8| < 0.01 at levels 2-3, 4 even and 3 odd operators.

    4000 Wolff samples give errors ~0.013 in y_t and <= 0.0013 in y_h (so 0.05 and 0.01 are >= 3.5 sigma).
    """
    start = time.perf_counter()
    spins = _wolff(L, 4000, seed=L)
    sampled = time.perf_counter()
    results = mcrg_eigenvalues(spins, levels=3, random_state=L)
    done = time.perf_counter()
    print(f"L={L}: Wolff {sampled - start:.1f} s, MCRG {done - sampled:.1f} s")
    for r in results[1:]:
        print(f"  level {r.level}: y_t = {r.y_t:.4f} +- {r.y_t_error:.4f}, y_h = {r.y_h:.4f} +- {r.y_h_error:.4f}")
        assert abs(r.y_t - Y_T) < 0.05  # issue target (errors ~0.013-0.016: >= 3 sigma)
        assert abs(r.y_h - Y_H) < 0.01  # issue target (errors <= 0.0013)
