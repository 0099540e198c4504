"""Compactness E* and scale b*: positive controls pass, negative controls fail, on 16x16 and 40x40."""

from __future__ import annotations

import numpy as np
import pytest

from deeprg.errors import InvalidParameterError
from deeprg.rg.fields.compactness import COMPACTNESS_THRESHOLD, compactness, window_shares


def _block(L: int, b: int, y: int = 0, x: int = 0) -> np.ndarray:
    f = np.zeros((L, L))
    f[np.ix_(np.arange(y, y + b) % L, np.arange(x, x + b) % L)] = 1.0
    return f


def _with_background(field: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """``field`` holding ``1 - share`` of the squared weight, Gaussian noise the rest."""
    noise = rng.standard_normal(field.shape)
    return field / np.linalg.norm(field) * np.sqrt(1 - share) + noise / np.linalg.norm(noise) * np.sqrt(share)


def _patches(L: int) -> np.ndarray:
    f = np.zeros((L, L))
    for y in (0, L // 2):
        for x in (0, L // 2):
            f[y:y + 2, x:x + 2] = 1.0
    return f


def _faint(L: int, share: float) -> np.ndarray:
    """A 2x2 block with ``share`` of the squared weight on a uniform background."""
    f = np.full((L, L), np.sqrt((1 - share) / (L * L - 4)))
    f[:2, :2] = np.sqrt(share / 4)
    return f


@pytest.mark.parametrize("L", [16, 40])
@pytest.mark.parametrize("b", [1, 2, 4, 8])
def test_an_exact_block_is_compact_at_its_own_size(L, b):
    report = compactness(_block(L, b, 3, 5)[None])
    assert report.scale[0] == b
    assert report.effect[0] == pytest.approx(1 - b * b / L**2)  # exact: the whole weight in one window
    assert report.is_compact


@pytest.mark.parametrize("L", [16, 40])
def test_blocks_wrapping_around_the_edge_are_found(L):
    report = compactness(_block(L, 4, L - 2, L - 1)[None])
    assert report.scale[0] == 4 and report.effect[0] == pytest.approx(1 - 16 / L**2)


@pytest.mark.parametrize("L", [16, 40])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_diffuse_background_lowers_compactness_by_its_share_and_keeps_the_scale(L, seed):
    rng = np.random.default_rng(seed)
    for share in (0.1, 0.3):
        report = compactness(_with_background(_block(L, 2, 6, 6), share, rng)[None])
        assert report.scale[0] == 2  # R_g would be dominated by the tails; b* is not
        # E* = (1 - share) from the block, plus the noise inside the window minus b^2/L^2: within 0.05
        assert report.effect[0] == pytest.approx(1 - share, abs=0.05)
        assert report.is_compact


@pytest.mark.parametrize("L", [16, 40])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_negative_controls_are_not_compact(L, seed):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:L, :L]
    negatives = {
        "random dense": rng.standard_normal((L, L)),
        "uniform": np.ones((L, L)),
        "four patches half a lattice apart": _patches(L),
        "faint block (4%) on a uniform background": _faint(L, 0.04),
        "smooth global mode": np.cos(2 * np.pi * (xx + rng.integers(L)) / L) * np.cos(2 * np.pi * yy / L),
    }
    report = compactness(np.stack(list(negatives.values())))
    for name, effect in zip(negatives, report.effect, strict=True):
        assert effect < COMPACTNESS_THRESHOLD - 0.2, name  # a clear margin, not a borderline call
    assert not report.is_compact


@pytest.mark.parametrize("share", [0.1, 1e-3, 1e-6])
def test_a_faint_bump_has_a_small_effect_whatever_its_significance(share):
    report = compactness(_faint(40, share)[None])
    assert report.effect[0] == pytest.approx(share, abs=0.01)


def test_single_sites_are_compact():
    report = compactness(np.eye(16 * 16).reshape(-1, 16, 16)[:10])
    assert np.all(report.scale == 1) and report.is_compact


def test_window_shares_against_brute_force():
    rng = np.random.default_rng(4)
    f = rng.standard_normal((3, 6, 6))
    shares, sizes = window_shares(f)
    w = f**2 / (f**2).sum(axis=(1, 2), keepdims=True)
    for b in sizes:
        brute = [max(np.roll(np.roll(w[u], -y, 0), -x, 1)[:b, :b].sum() for y in range(6) for x in range(6))
                 for u in range(3)]
        np.testing.assert_allclose(shares[:, b - 1], brute, rtol=1e-12)


def test_dead_units_are_left_out_and_summaries_are_json():
    import json

    fields = np.stack([_block(16, 2), np.zeros((16, 16)), _block(16, 4, 8, 8)])
    report = compactness(fields, random_state=0)
    assert np.isnan(report.effect[1]) and report.alive.tolist() == [True, False, True]
    summary = report.summary()
    json.dumps(summary, allow_nan=False)
    low, high = summary["median_compactness_interval"]
    assert low <= summary["median_compactness"] <= high


def test_the_median_interval_covers_the_spread_of_units():
    rng = np.random.default_rng(0)
    fields = np.stack([_with_background(_block(16, 2, 3, 3), s, rng) for s in rng.uniform(0.1, 0.6, 60)])
    report = compactness(fields, random_state=1)
    low, high = report.median_interval
    assert low < report.median_effect < high and high - low < 0.2


def test_bad_fields_are_refused():
    with pytest.raises(InvalidParameterError, match="finite"):
        compactness(np.full((1, 4, 4), np.nan))
