"""The numba kernel of the locality metrics against the NumPy reference formulas.

The reference (``numpy_locality_reference``, next to this file) is the former NumPy implementation
of :mod:`deeprg.rg.fields._fields`. The kernel must agree with it to rounding on every kind of field.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy_locality_reference import reference_metrics, squared_weights

from deeprg.errors import InvalidParameterError
from deeprg.rg.fields._fields import metrics_of
from deeprg.rg.fields._metric_kernels import _PART, field_metrics
from deeprg.rg.flow._pairs import minimum_image

RTOL = 1e-12


def brute_window_sums(a, b):
    """Window sums by explicit periodic shifts: entry (i, j) sums a[(i + r) % Ly, (j + c) % Lx] for r, c < b."""
    return sum(np.roll(a, (-r, -c), axis=(-2, -1)) for r in range(b) for c in range(b))


def assert_matches_reference(f, sizes, rtol=RTOL):
    got = metrics_of(f, sizes)
    want = reference_metrics(f, sizes)
    assert set(got) == set(want)
    for name in want:
        assert got[name].shape == want[name].shape, name
        if name == "centroid":  # positions on a ring: compare the minimum-image difference
            dead = np.isnan(want[name])
            np.testing.assert_array_equal(np.isnan(got[name]), dead)
            diff = minimum_image(got[name] - want[name], np.array(f.shape[-2:]))
            np.testing.assert_allclose(diff[~dead], 0, atol=1e-9, err_msg=name)
        else:  # the radius of gyration can be 0: lattice positions are known to ~1e-15 (atan2 of the centroid)
            atol = 1e-12 if name == "radius_of_gyration" else 0.0
            np.testing.assert_allclose(got[name], want[name], rtol=rtol, atol=atol, err_msg=name)


# ---------------------------------------------------------------------------- kernel vs reference


@pytest.mark.parametrize("shape", [(40, 40), (8, 8), (7, 7), (6, 9), (9, 5), (5, 1), (1, 6), (1, 1), (3, 2)])
def test_kernel_matches_the_numpy_formulas_on_random_fields(shape):
    rng = np.random.default_rng(sum(shape))
    fields = rng.standard_normal((70, *shape))  # more than one parallel part of _PART images
    fields[::7] += 2.0  # some fields with a mean: smooth weight, a clear centroid
    side = min(shape)
    sizes = sorted({1, 2, side // 2 or 1, side} & set(range(1, side + 1)))  # block size 1 and block size = L
    assert_matches_reference(fields, sizes)


def test_kernel_works_on_stacks_of_any_leading_shape():
    fields = np.random.default_rng(0).standard_normal((3, 11, 6, 10))  # (units, surrogates, Ly, Lx)
    assert_matches_reference(fields, [1, 3, 6])
    got = metrics_of(fields, [2])
    assert got["window_fraction"].shape == (3, 11, 1) and got["radius_of_gyration"].shape == (3, 11)
    single = metrics_of(fields[1, 4], [2])
    assert single["centroid"].shape == (2,) and single["block_overlap"].shape == (1,)
    np.testing.assert_array_equal(single["block_overlap"], got["block_overlap"][1, 4])


def test_kernel_without_block_sizes_and_without_fields():
    f = np.random.default_rng(1).standard_normal((4, 5, 7))
    got = metrics_of(f)
    assert got["window_fraction"].shape == (4, 0) and got["block_overlap"].shape == (4, 0)
    np.testing.assert_allclose(got["radius_of_gyration"], reference_metrics(f, [1])["radius_of_gyration"], rtol=RTOL)
    empty = metrics_of(np.zeros((0, 5, 7)), [2])
    assert empty["window_fraction"].shape == (0, 1) and empty["centroid"].shape == (0, 2)


def test_zero_field_gives_nan_everywhere_and_leaves_its_neighbours_alone():
    fields = np.random.default_rng(2).standard_normal((5, 6, 6))
    fields[2] = 0.0
    got = metrics_of(fields, [1, 2, 6])
    for name, values in got.items():
        assert np.all(np.isnan(values[2])), name
        assert np.all(np.isfinite(np.delete(values, 2, axis=0))), name
    assert_matches_reference(fields, [1, 2, 6])


@pytest.mark.parametrize("site", [(0, 0), (3, 4), (6, 8), (0, 8), (6, 0)])
def test_field_on_one_site(site):
    f = np.zeros((7, 9))
    f[site] = -2.5
    got = metrics_of(f, [1, 2, 7])
    np.testing.assert_allclose(got["centroid"], site, atol=1e-12)
    np.testing.assert_allclose(got["radius_of_gyration"], 0.0, atol=1e-12)
    np.testing.assert_allclose(got["participation_ratio"], 1 / 63)
    np.testing.assert_allclose(got["window_fraction"], [1, 1, 1])
    np.testing.assert_allclose(got["block_overlap"], [1, 1 / 2, 1 / 7])
    assert_matches_reference(f, [1, 2, 7])


@pytest.mark.parametrize("corner", [(5, 2), (2, 7), (5, 7), (6, 8)])
def test_fields_straddling_the_periodic_boundary(corner):
    """Blocks and smooth bumps wrapping around the edges of a 7 x 9 torus."""
    ly, lx = 7, 9
    rows, cols = np.arange(corner[0], corner[0] + 3) % ly, np.arange(corner[1], corner[1] + 3) % lx
    square = np.zeros((ly, lx))
    square[np.ix_(rows, cols)] = 1.0
    y, x = np.arange(ly)[:, None], np.arange(lx)[None, :]
    dy, dx = minimum_image(y - corner[0] - 0.5, ly), minimum_image(x - corner[1] - 0.5, lx)
    bump = np.exp(-(dy**2 + dx**2) / 2) * np.cos(dx)
    fields = np.array([square, -square, bump])
    assert_matches_reference(fields, [1, 2, 3, 4, 7])
    got = metrics_of(fields, [3])
    np.testing.assert_allclose(got["window_fraction"][:2, 0], 1.0)
    np.testing.assert_allclose(got["block_overlap"][:2, 0], 1.0)
    np.testing.assert_allclose(got["centroid"][0], (np.array(corner) + 1) % [ly, lx], atol=1e-12)


def test_evenly_spread_weight_has_centroid_zero():
    stripes = np.zeros((6, 8))
    stripes[:, ::2] = 1.0  # even spread along both axes (period 2 along the columns)
    uniform = np.ones((5, 5))
    got = metrics_of(np.array([stripes]), [2])
    np.testing.assert_array_equal(got["centroid"], [[0.0, 0.0]])
    np.testing.assert_array_equal(metrics_of(uniform[None])["centroid"], [[0.0, 0.0]])
    np.testing.assert_allclose(metrics_of(uniform[None])["radius_of_gyration"], [2.0])  # (0+1+4+4+1)/5 per axis
    assert_matches_reference(np.array([stripes]), [1, 2, 6])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), ly=st.integers(1, 9), lx=st.integers(1, 9), sparse=st.booleans())
def test_window_sums_match_brute_force(seed, ly, lx, sparse):
    rng = np.random.default_rng(seed)
    f = rng.standard_normal((3, ly, lx))
    if sparse:
        f *= rng.random((3, ly, lx)) < 0.2
    sizes = list(range(1, min(ly, lx) + 1))
    got = metrics_of(f, sizes)
    w = squared_weights(f)
    norm = np.sqrt(np.sum(f * f, axis=(1, 2)))
    for q, b in enumerate(sizes):
        with np.errstate(divide="ignore", invalid="ignore"):
            wf = brute_window_sums(w, b).max(axis=(1, 2))
            bo = np.abs(brute_window_sums(f, b)).max(axis=(1, 2)) / (b * norm)
        np.testing.assert_allclose(got["window_fraction"][:, q], wf, rtol=1e-11, atol=1e-15)
        np.testing.assert_allclose(got["block_overlap"][:, q], bo, rtol=1e-11, atol=1e-15)
    assert_matches_reference(f, sizes, rtol=1e-11)


def test_kernel_accepts_non_contiguous_input_through_metrics_of():
    f = np.random.default_rng(3).standard_normal((40, 10, 12))
    view = f.transpose(0, 2, 1)[:, ::2]  # (40, 6, 10), strided: the kernel must see the view's values
    assert not view.flags.c_contiguous
    assert_matches_reference(view, [2, 3])


def test_parallel_parts_cover_every_image():
    n = 3 * _PART + 5
    f = np.random.default_rng(4).standard_normal((n, 4, 4))
    centroid, rg, pr, wf, bo = field_metrics(f, np.array([1, 4], dtype=np.int64))
    one_by_one = [field_metrics(f[k : k + 1], np.array([1, 4], dtype=np.int64)) for k in range(n)]
    np.testing.assert_array_equal(rg, [r[1][0] for r in one_by_one])
    np.testing.assert_array_equal(wf, np.concatenate([r[3] for r in one_by_one]))
    np.testing.assert_allclose(wf[:, 1], 1.0)  # the window of side L holds all the weight


@pytest.mark.parametrize("sizes", [[0], [2, 7], [-1]])
def test_metrics_of_refuses_block_sizes_that_do_not_fit(sizes):
    with pytest.raises(InvalidParameterError, match="block sizes must lie in"):
        metrics_of(np.ones((2, 6, 7)), sizes)
