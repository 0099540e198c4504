"""Placement of units on the coarse lattice: block and decimation positions are ordered, scattered ones are not."""

from __future__ import annotations

import numpy as np
import pytest

from deeprg.errors import InvalidParameterError
from deeprg.rg import block_positions
from deeprg.rg.flow.placement import PLACEMENT_TOLERANCE, place_on_lattice


@pytest.mark.parametrize(("L", "b"), [(16, 2), (16, 4), (16, 8), (40, 2), (40, 4), (40, 8)])
def test_block_centres_and_decimation_sites_in_any_order_are_ordered(L, b):
    rng = np.random.default_rng(L + b)
    perm = rng.permutation((L // b) ** 2)
    for shift in (0.0, -(b - 1) / 2):  # block centres; decimation's top-left sites
        placement = place_on_lattice(block_positions(L, b)[perm] + shift, L, b)
        assert placement.rms_displacement == pytest.approx(0, abs=1e-9)
        assert placement.is_ordered
        np.testing.assert_array_equal(placement.grid.ravel(), np.argsort(perm))  # each unit back on its block
        np.testing.assert_allclose(placement.offset, [shift, shift], atol=1e-9)


@pytest.mark.parametrize(("L", "b"), [(16, 2), (16, 4), (40, 2), (40, 4), (40, 8)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scattered_units_are_not_ordered(L, b, seed):
    rng = np.random.default_rng(seed)
    n = (L // b) ** 2
    uniform = place_on_lattice(rng.uniform(0, L, (n, 2)), L, b)
    sites = place_on_lattice(rng.integers(0, L, (n, 2)).astype(float), L, b)  # random-site copies
    for placement in (uniform, sites):
        # measured 0.46-0.92 block sides on these sizes: well above the tolerance
        assert placement.rms_displacement > PLACEMENT_TOLERANCE + 0.1
        assert not placement.is_ordered


def test_small_jitter_stays_ordered_and_on_grid_rearranges_values():
    rng = np.random.default_rng(5)
    L, b = 40, 4
    centres = block_positions(L, b)
    placement = place_on_lattice(centres + rng.normal(0, 0.1 * b, centres.shape), L, b)
    assert placement.is_ordered and placement.rms_displacement < 0.2
    values = np.arange(len(centres))[None, :] * np.ones((3, 1))
    grid = placement.on_grid(values)
    assert grid.shape == (3, 10, 10)
    np.testing.assert_array_equal(grid[0].ravel(), placement.grid.ravel())


def test_bad_placements_are_refused():
    with pytest.raises(InvalidParameterError, match="must divide"):
        place_on_lattice(np.zeros((9, 2)), 16, 3)
    with pytest.raises(InvalidParameterError, match="cannot be placed"):
        place_on_lattice(np.zeros((10, 2)), 16, 4)
