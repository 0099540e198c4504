"""The L1 scan: one fitted RBM measured into a row, and the scan composed from training and measurement."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.neural_network import BernoulliRBM as SkBernoulliRBM

from deeprg.errors import InvalidParameterError
from deeprg.rbm import BernoulliRBM
from deeprg.rbm.penalty_scan import fit_penalty_scan, penalty_scan_seeds
from deeprg.rg import locality_scan, scan_median_z, scan_row

#: Rows written by locality_scan before it was split into fit_penalty_scan and scan_row (issue 10),
#: by the code of commit e5f0d1e on the data of _reference_bits below.
REFERENCE = Path(__file__).parent / "data" / "locality_scan_rows_before_split.json"


def _reference_bits() -> np.ndarray:
    rng = np.random.default_rng(2024)
    base = rng.normal(size=(300, 6, 6))
    smooth = base + np.roll(base, 1, axis=1) + np.roll(base, 1, axis=2)
    return (smooth > 0).astype(np.float64).reshape(300, 36)


def _reference_scans(X: np.ndarray) -> dict[str, list[dict]]:
    """The calls that wrote REFERENCE (one per kind of RBM and of random_state)."""
    return {
        "default": locality_scan(X, [0.0, 0.003, 0.03], n_components=5, shape=(6, 6), n_iter=3,
                                 n_surrogates=12, random_state=7),
        "proximal_phase": locality_scan(
            X, [0.01], n_components=5, shape=6, n_surrogates=12, null="phase", block_sizes=[2, 3],
            random_state=np.random.default_rng(3),
            make_rbm=lambda s, seed: BernoulliRBM(5, l1=s, n_iter=2, penalty_method="proximal", batch_size=20,
                                                  random_state=seed)),
        "sklearn": locality_scan(X, [0.0], n_components=5, shape=(6, 6), n_surrogates=12, random_state=11,
                                 make_rbm=lambda s, seed: SkBernoulliRBM(5, n_iter=2, random_state=seed)),
    }


def _assert_same(actual, expected, path="") -> None:
    """Equal structure and values; floats to 1e-9 relative (summation order of another BLAS), not more.

    A different seed, null or training path changes these numbers in the second or third digit.
    """
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and list(actual) == list(expected), path
        for key in expected:
            _assert_same(actual[key], expected[key], f"{path}/{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), path
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            _assert_same(a, e, f"{path}[{i}]")
    elif isinstance(expected, float) and not isinstance(actual, bool):
        # The float32 pseudo-likelihood is one logarithm per term since issue 13 (the same sums, rounded
        # differently): it may move by a float32 rounding step, 2 ulp of |PLL| < 1 is 2.4e-7.
        abs_tol = 2.4e-7 if path.endswith("/pseudo_likelihood") else 1e-12
        assert isinstance(actual, float) and math.isclose(actual, expected, rel_tol=1e-9, abs_tol=abs_tol), \
            f"{path}: {actual!r} != {expected!r}"
    else:
        assert actual == expected and type(actual) is type(expected), f"{path}: {actual!r} != {expected!r}"


def test_locality_scan_gives_the_rows_it_gave_before_the_split():
    """Training and nulls are unchanged; rows now carry compactness, and is_local means compact (issue 15)."""
    expected = json.loads(REFERENCE.read_text())
    actual = json.loads(json.dumps(_reference_scans(_reference_bits()), allow_nan=False))
    for rows in (*actual.values(), *expected.values()):
        for row in rows:
            if "compactness" in row:
                assert row["is_local"] == row["compactness"]["is_compact"]
                del row["compactness"]
            del row["is_local"]
    _assert_same(actual, expected)


def test_locality_scan_is_fit_penalty_scan_then_scan_row():
    X = _reference_bits()
    strengths = [0.0, 0.02]
    rows = locality_scan(X, strengths, n_components=4, shape=6, n_iter=2, n_surrogates=8, random_state=5)
    fit_seed, null_seed = penalty_scan_seeds(5)
    rbms = fit_penalty_scan(X, strengths, seed=fit_seed, n_components=4, n_iter=2)
    composed = [scan_row(rbm, X, 6, l1=s, n_surrogates=8, random_state=null_seed) for s, rbm in zip(strengths, rbms, strict=True)]
    assert rows == composed
    # one strength at a time with the same integer seed (how the pipeline runs it): the same rows
    assert rows == [locality_scan(X, [s], n_components=4, shape=6, n_iter=2, n_surrogates=8, random_state=5)[0]
                    for s in strengths]


def test_locality_scan_reports_locality_and_pseudo_likelihood_per_strength():
    rng = np.random.default_rng(10)
    X = (rng.random((200, 16)) < 0.5).astype(np.float32)
    results = locality_scan(X, [0.0, 0.01], n_components=4, shape=(4, 4), n_iter=2, n_surrogates=10, random_state=0)
    assert [r["l1"] for r in results] == [0.0, 0.01]
    for r in results:
        assert r["pseudo_likelihood"] < 0 and isinstance(r["is_local"], bool)
        assert r["locality"]["n_units"] == 4
        assert scan_median_z(r, "phase") == r["median_z"]
    json.dumps(results, allow_nan=False)
    assert results == locality_scan(X, [0.0, 0.01], n_components=4, shape=(4, 4), n_iter=2, n_surrogates=10, random_state=0)
    sklearn = locality_scan(X, [0.0], n_components=4, shape=4, n_surrogates=10, random_state=0,
                            make_rbm=lambda s, seed: SkBernoulliRBM(4, n_iter=2, random_state=seed))
    assert -np.log(2) - 0.5 < sklearn[0]["pseudo_likelihood"] < 0  # computed, sklearn keeps no history_
    assert sklearn[0]["penalty_method"] is None and results[0]["penalty_method"] == "subgradient"


def test_locality_scan_records_the_l1_update_and_the_sparsity_it_reaches():
    """Proximal L1 sets weights exactly to zero; the subgradient update leaves them dithering around it."""
    rng = np.random.default_rng(11)
    X = (rng.random((300, 16)) < 0.5).astype(np.float32)
    rows = {method: locality_scan(
        X, [0.05], n_components=4, shape=(4, 4), n_surrogates=10, random_state=0,
        make_rbm=lambda s, seed, method=method: BernoulliRBM(4, l1=s, n_iter=5, penalty_method=method, random_state=seed))[0]
        for method in ("proximal", "subgradient")}
    assert rows["proximal"]["penalty_method"] == "proximal" and rows["subgradient"]["penalty_method"] == "subgradient"
    # uncorrelated bits: the penalty wins almost everywhere, but only the proximal update reaches zero
    assert rows["proximal"]["weight_sparsity"] > 0.5 > rows["subgradient"]["weight_sparsity"]


def test_scan_row_explains_bad_arguments():
    X = _reference_bits()[:50]
    rbm = BernoulliRBM(3, n_iter=1, random_state=0).fit(X)
    with pytest.raises(InvalidParameterError, match="l1 must be >= 0"):
        scan_row(rbm, X, 6, l1=-1.0)
    with pytest.raises(InvalidParameterError, match="shape"):
        scan_row(rbm, X, 5, l1=0.0)
    with pytest.raises(InvalidParameterError, match="not a fitted RBM"):
        scan_row(BernoulliRBM(3), X, 6, l1=0.0)
    with pytest.raises(InvalidParameterError, match="strengths is empty"):
        locality_scan(X, [], n_components=3, shape=6)
