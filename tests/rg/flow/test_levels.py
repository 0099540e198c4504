"""Level-by-level comparison with block spins: block stacks agree, random and decimation networks do not."""

from __future__ import annotations

import numpy as np
import pytest

from deeprg.errors import InvalidParameterError
from deeprg.ising import IsingModel, WolffSampler
from deeprg.rg import circular_centroid, receptive_fields, standard_controls
from deeprg.rg.flow.levels import FLOW_TOLERANCE, compare_levels, lattice_nn_correlation
from deeprg.rg.flow.placement import place_on_lattice

K_C = 0.5 * np.log(1 + np.sqrt(2))


@pytest.fixture(scope="module", params=[0.408, K_C], ids=["K=0.408", "K_c"])
def ensemble(request):
    return WolffSampler(IsingModel(16), request.param, random_state=3).sample(800)


def _levels(control, spins):
    placements = []
    for k in range(1, len(control.network.layers_) + 1):
        fields = receptive_fields(control.network, k, (16, 16))
        b = int(round(16 / np.sqrt(fields.shape[0])))
        placements.append(place_on_lattice(circular_centroid(fields), 16, b))
    return compare_levels(control.network, spins, placements, random_state=0)


@pytest.fixture(scope="module")
def controls():
    return {c.name: c for c in standard_controls(16, random_state=0)}


@pytest.mark.parametrize("name", ["majority_rule", "block_average"])
def test_block_stacks_agree_with_block_spins_at_every_level(ensemble, controls, name):
    for level in _levels(controls[name], ensemble):
        assert level.status == "agrees", level  # measured |difference| <= 0.08 with errors <= 0.01
        assert level.ordered


@pytest.mark.parametrize("name", ["random_dense", "untrained_sklearn", "smooth_global"])
def test_random_networks_disagree_at_every_level(ensemble, controls, name):
    for level in _levels(controls[name], ensemble):
        assert level.status == "disagrees", level  # measured |difference| >= 0.24, far beyond the tolerance
        assert abs(level.difference) > FLOW_TOLERANCE + 0.1


def test_decimation_and_random_sites_fall_behind_block_spins_with_depth(ensemble, controls):
    for name in ("decimation", "random_sites"):
        levels = _levels(controls[name], ensemble)
        assert levels[-1].status == "disagrees" and levels[-1].difference < -FLOW_TOLERANCE
    assert not any(level.ordered for level in _levels(controls["random_sites"], ensemble))


def test_the_statistic_is_a_correlation_coefficient():
    rng = np.random.default_rng(0)
    independent = rng.choice([-1.0, 1.0], size=(4000, 4, 4))
    assert abs(lattice_nn_correlation(independent)) < 0.02  # 4000 x 32 pairs: standard error about 0.003
    shared = np.repeat(rng.standard_normal((4000, 1, 1)), 4, axis=1).repeat(4, axis=2)
    assert lattice_nn_correlation(3 * shared + 1) == pytest.approx(1.0)  # scale and offset free


def test_a_placement_per_layer_is_required(ensemble, controls):
    with pytest.raises(InvalidParameterError, match="one placement"):
        compare_levels(controls["majority_rule"].network, ensemble, [None])
