"""Observables along RG flows: block spins on Wolff samples, scattered units, DBN layers, comparison."""

import dataclasses
import json
import math

import numpy as np
import pytest

from deeprg.errors import InvalidParameterError
from deeprg.ising import IsingModel, WolffSampler
from deeprg.ising.exact import BINDER_CRITICAL, CRITICAL_COUPLING
from deeprg.rbm import BernoulliRBM, DeepBeliefNetwork
from deeprg.rg.fields.locality import circular_centroid
from deeprg.rg.fields.receptive import receptive_fields
from deeprg.rg.flow.blockspin import block_positions, block_spin
from deeprg.rg.flow.flowcompare import compare_flows
from deeprg.rg.flow.flows import (
    BinnedCorrelation,
    FlowPoint,
    block_spin_flow,
    flow_observables,
)
from deeprg.rg.flow.networkflow import dbn_flow
from deeprg.stats import Estimate, correlation_function, mean_estimate

L = 32
N_SAMPLES = 1000


@pytest.fixture(scope="module")
def ensembles() -> dict[str, np.ndarray]:
    """Wolff samples on a 32 x 32 torus below, at and above K_c (about 0.5 s together)."""
    couplings = {"disordered": 0.3, "critical": CRITICAL_COUPLING, "ordered": 0.6}
    return {
        name: WolffSampler(IsingModel(L=L), K, random_state=seed).sample(N_SAMPLES).spins
        for seed, (name, K) in enumerate(couplings.items(), start=11)
    }


@pytest.fixture(scope="module")
def flows(ensembles) -> dict[str, list[FlowPoint]]:
    return {name: block_spin_flow(s, (1, 2, 4, 8), random_state=5) for name, s in ensembles.items()}


def combined(a: Estimate, b: Estimate) -> float:
    return math.hypot(a.error, b.error)


# ---------------------------------------------------------------- block-spin flows of the Ising model
def test_flow_levels_bookkeeping(flows):
    flow = flows["critical"]
    assert [p.n_units for p in flow] == [1024, 256, 64, 16]
    assert [p.spacing for p in flow] == [1.0, 2.0, 4.0, 8.0]
    for p in flow:
        assert all(math.isfinite(e.error) for e in (p.abs_magnetization, p.binder_cumulant, p.nn_correlation))
        assert len(p.correlation) > 0 and p.correlation.distance[0] == pytest.approx(p.spacing)
        assert np.all(np.diff(p.correlation.distance) > 0)


def test_disordered_flow_runs_to_the_disordered_fixed_point(flows):
    flow = flows["disordered"]
    # the nearest-neighbour correlation (the effective coupling) falls at every step, far beyond errors
    for a, b in zip(flow, flow[1:], strict=False):
        assert a.nn_correlation.mean - b.nn_correlation.mean > 5 * combined(a.nn_correlation, b.nn_correlation)
    assert flow[-1].nn_correlation.mean < 0.1
    # U4 sits at the disordered fixed point at every level. On a finite lattice that is not 0 but the
    # value of N independent spins, 2/(3N), which *grows* as the block lattice shrinks; short-range
    # correlations add a little more (about 0.7 errors on average here), so allow 5 errors.
    # It never comes near the critical value.
    for p in flow:
        assert abs(p.binder_cumulant.mean - 2 / (3 * p.n_units)) < 5 * p.binder_cumulant.error
        assert p.binder_cumulant.mean + 3 * p.binder_cumulant.error < BINDER_CRITICAL / 2
    summary = compare_flows(flow, flow)["block"]
    assert summary["flow"] == "toward disordered" and summary["fixed_point"] == "disordered"


def test_ordered_flow_runs_to_the_ordered_fixed_point(flows):
    flow = flows["ordered"]
    u4 = [p.binder_cumulant for p in flow]
    # U4 rises toward 2/3: no step falls by more than 2 errors, the whole flow rises by more than 5,
    # and the last level is at 2/3 within 3 errors ...
    for a, b in zip(u4, u4[1:], strict=False):
        assert b.mean - a.mean > -2 * math.hypot(a.error, b.error)
    assert u4[-1].mean - u4[0].mean > 5 * math.hypot(u4[0].error, u4[-1].error)
    assert 2 / 3 - u4[0].mean > 5 * u4[0].error
    assert abs(u4[-1].mean - 2 / 3) <= 3 * u4[-1].error + 1e-12
    # ... and so do |m| and the nearest-neighbour correlation, toward 1
    for name in ("abs_magnetization", "nn_correlation"):
        values = [getattr(p, name).mean for p in flow]
        assert values == sorted(values) and values[-1] > 0.999
    summary = compare_flows(flow, flow)["block"]
    assert summary["flow"] == "toward ordered" and summary["fixed_point"] == "ordered"


def test_critical_flow_stays_near_the_critical_fixed_point(flows):
    flow = flows["critical"]
    # finite-size allowance: the last level is a 4x4 block lattice, whose U4 drifts by ~0.015
    allowance = 0.02
    for p in flow:
        assert abs(p.binder_cumulant.mean - BINDER_CRITICAL) <= 3 * p.binder_cumulant.error + allowance
    summary = compare_flows(flow, flow)["block"]
    assert summary["fixed_point"] == "critical"
    # the nn correlation of a small critical block lattice exceeds the infinite-lattice value, so the
    # statistical rule may call the rise "toward ordered"; it must never run toward disorder
    assert summary["trend"]["nn_correlation"] != "toward disordered"
    assert summary["flow"] != "toward disordered"


def test_decimation_flow_is_the_iterated_flow(ensembles):
    s = ensembles["critical"][:200]
    direct = block_spin_flow(s, (1, 2, 4), rule="decimation")
    iterated = block_spin_flow(s, (1, 2, 4), rule="decimation", iterate=True)
    for a, b in zip(direct, iterated, strict=True):
        assert a.to_dict() == b.to_dict()


def test_iterated_majority_flow(ensembles):
    s = ensembles["critical"][:200]
    flow = block_spin_flow(s, (1, 2, 4), iterate=True, random_state=0)
    assert [p.n_units for p in flow] == [1024, 256, 64]
    rng = np.random.default_rng(0)
    twice = block_spin(block_spin(s, 2, random_state=rng), 2, random_state=rng)
    expected = flow_observables(twice.reshape(200, -1), block_positions(L, 4), L, symmetric=True)
    assert flow[-1].to_dict() == expected.to_dict()
    with pytest.raises(InvalidParameterError, match="multiple"):
        block_spin_flow(s, (1, 2, 3), iterate=True)


def test_block_spin_flow_is_reproducible(ensembles):
    s = ensembles["disordered"][:200]
    a = block_spin_flow(s, (2, 4), random_state=3)
    b = block_spin_flow(s, (2, 4), random_state=3)
    assert [p.to_dict() for p in a] == [p.to_dict() for p in b]


# ---------------------------------------------------------------- L = 40, the paper's lattice
BIG_L = 40
BIG_COUPLINGS = {"below": 0.38, "paper": 0.408, "critical": CRITICAL_COUPLING, "above": 0.5}


@pytest.fixture(scope="module")
def big_flows() -> dict[str, list[FlowPoint]]:
    """Block flows b = 1, 2, 4, 8 of 2000 Wolff samples on 40 x 40 (about 2 s together)."""
    out = {}
    for name, K in BIG_COUPLINGS.items():
        spins = WolffSampler(IsingModel(BIG_L), K, random_state=0).sample(2000).spins
        out[name] = block_spin_flow(spins, (1, 2, 4, 8), random_state=5)
    return out


@pytest.mark.parametrize("name", ["below", "paper"])
def test_L40_flow_below_kc_runs_toward_disordered(big_flows, name):
    # at K = 0.408 the nn correlation falls 0.576 -> 0.296: the distance to the disordered value shrinks by
    # less than 2, which the old fixed contraction rule read as "stays"
    flow = big_flows[name]
    nn = [p.nn_correlation for p in flow]
    for a, b in zip(nn, nn[1:], strict=False):
        assert a.mean - b.mean > 5 * combined(a, b)
    summary = compare_flows(flow, flow)["block"]
    assert summary["trend"]["nn_correlation"] == "toward disordered"
    assert summary["flow"] == "toward disordered" and summary["fixed_point"] == "disordered"


def test_L40_flow_above_kc_runs_toward_ordered(big_flows):
    flow = big_flows["above"]
    summary = compare_flows(flow, flow)["block"]
    assert summary["trend"]["nn_correlation"] == "toward ordered"
    assert summary["flow"] == "toward ordered" and summary["fixed_point"] == "ordered"


def test_L40_critical_flow_does_not_run_toward_disordered(big_flows):
    flow = big_flows["critical"]
    first, last = flow[0].nn_correlation, flow[-1].nn_correlation
    # within z = 3 combined errors the nn correlation does not fall (it rises: 0.715 -> 0.802, a
    # finite-size effect of the small block lattices, with a dip from b = 1 to b = 2)
    assert last.mean - first.mean > -3 * combined(first, last)
    summary = compare_flows(flow, flow)["block"]
    assert summary["trend"]["nn_correlation"] != "toward disordered"
    assert summary["flow"] != "toward disordered" and summary["fixed_point"] == "critical"


def test_paired_errors_resolve_the_critical_dip(big_flows):
    # b = 1 -> 2 at K_c: the nn correlation dips by ~0.004. The two levels are measured on the same
    # samples, so the paired error of the step is far below the quadrature sum of the two errors.
    flow = big_flows["critical"]
    a, b = flow[0], flow[1]
    quadrature = combined(a.nn_correlation, b.nn_correlation)
    paired = mean_estimate(b.series["nn_correlation"] - a.series["nn_correlation"])
    assert paired.mean == pytest.approx(b.nn_correlation.mean - a.nn_correlation.mean, abs=1e-12)
    assert paired.error < 0.7 * quadrature


# ---------------------------------------------------------------- one level, on a grid and scattered
def test_grid_nn_correlation_is_correlation_function_G1(ensembles):
    s = ensembles["critical"]
    point = flow_observables(s.reshape(len(s), -1), block_positions(L, 1), L)
    reference = correlation_function(s, max_distance=4)
    assert point.nn_correlation.mean == pytest.approx(reference.value[1], rel=1e-12)
    assert point.nn_correlation.error == pytest.approx(reference.error[1], rel=0.3)
    # axis distances 1..4 have no diagonal companions (r^2 = 1, 4, 9, 16): G(r) agrees exactly
    corr = point.correlation
    for r in (1, 2, 3, 4):
        k = int(np.flatnonzero(np.isclose(corr.distance, r))[0])
        assert corr.value[k] == pytest.approx(reference.value[r], rel=1e-12)
        assert corr.error[k] == pytest.approx(reference.error[r], rel=0.3)
    assert corr.n_pairs[0] == 2 * L * L  # two bonds per site


def test_grid_and_pair_list_agree(ensembles):
    s = ensembles["critical"][:300, :16, :16]  # a 16x16 patch is still a valid +-1 "lattice"
    spins = s.reshape(len(s), -1)
    grid = flow_observables(spins, block_positions(16, 1), 16)
    binned = flow_observables(spins, block_positions(16, 1), 16, bin_width=1e-3)  # forces the pair list
    assert grid.nn_correlation.mean == pytest.approx(binned.nn_correlation.mean, rel=1e-12)
    np.testing.assert_allclose(grid.correlation.distance, binned.correlation.distance, rtol=1e-12)
    np.testing.assert_allclose(grid.correlation.value, binned.correlation.value, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(grid.correlation.n_pairs, binned.correlation.n_pairs)


def test_unit_order_does_not_matter(ensembles, rng):
    s = ensembles["ordered"][:200]
    spins, pos = s.reshape(len(s), -1), block_positions(L, 1)
    perm = rng.permutation(L * L)
    a = flow_observables(spins, pos, L).to_dict()
    b = flow_observables(spins[:, perm], pos[perm] + L, L).to_dict()  # positions are taken mod L
    assert a["nn_correlation"] == b["nn_correlation"]
    np.testing.assert_allclose(a["correlation"]["value"], b["correlation"]["value"], rtol=1e-12)


def test_scattered_positions_hand_made(rng):
    # four units on a 10 x 10 torus; unit 3 is the minimum image of (0, -1)
    positions = np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 5.0], [0.0, 9.0]])
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(400, 4))
    point = flow_observables(spins, positions, 10, bin_width=1.0)
    s = spins.astype(float)
    # nearest: 0 -> {1, 3} (distance 1, a tie: both count), 1 -> 0, 2 -> {1, 3} (distance 4), 3 -> 0
    nn = (2 * s[:, 0] * s[:, 1] + 2 * s[:, 0] * s[:, 3] + s[:, 2] * s[:, 1] + s[:, 2] * s[:, 3]) / 6
    assert point.nn_correlation.mean == pytest.approx(nn.mean(), rel=1e-12)
    # pairs: (0,1) 1, (0,3) 1, (1,3) 2, (1,2) 4, (2,3) 4, (0,2) 5
    corr = point.correlation
    np.testing.assert_allclose(corr.distance, [1, 2, 4, 5])
    np.testing.assert_array_equal(corr.n_pairs, [2, 1, 2, 1])
    expected = [
        (s[:, 0] * s[:, 1] + s[:, 0] * s[:, 3]).mean() / 2,
        (s[:, 1] * s[:, 3]).mean(),
        (s[:, 1] * s[:, 2] + s[:, 2] * s[:, 3]).mean() / 2,
        (s[:, 0] * s[:, 2]).mean(),
    ]
    np.testing.assert_allclose(corr.value, expected, rtol=1e-12)
    assert np.all(corr.error > 0)
    # independent spins: nothing is correlated
    assert abs(point.nn_correlation.deviation(0.0)) < 4


def test_scattered_jittered_grid_matches_nearest_neighbours(ensembles, rng):
    s = ensembles["disordered"][:, :16, :16]
    pos = block_positions(16, 1) + rng.uniform(-0.05, 0.05, size=(256, 2))
    spins = s.reshape(len(s), -1)
    point = flow_observables(spins, pos, 16, max_distance=4)
    grid = flow_observables(spins, block_positions(16, 1), 16, max_distance=4)
    # bins of the mean spacing (1) centred on 0, 1, 2, ...: the first holds the distances ~1 and ~sqrt(2)
    assert 1.0 < point.correlation.distance[0] < math.sqrt(2)
    # each unit keeps one of its four lattice neighbours: the same correlation within errors
    assert abs(point.nn_correlation.mean - grid.nn_correlation.mean) < 5 * point.nn_correlation.error
    assert point.correlation.tau is not None


def test_single_unit_level(ensembles):
    s = ensembles["ordered"][:100]
    point = block_spin_flow(s, (L,))[0]
    assert point.n_units == 1 and point.spacing == L
    assert point.binder_cumulant.mean == pytest.approx(2 / 3)
    assert math.isnan(point.nn_correlation.mean) and len(point.correlation) == 0
    json.dumps(point.to_dict())


def test_max_distance_limits_the_bins(ensembles):
    s = ensembles["critical"][:200]
    point = flow_observables(s.reshape(200, -1), block_positions(L, 1), L, max_distance=2.5)
    np.testing.assert_allclose(point.correlation.distance, [1, math.sqrt(2), 2, math.sqrt(5)])


def test_flow_observables_validation():
    pos = block_positions(4, 1)
    good = np.ones((5, 16), dtype=np.int8)
    with pytest.raises(InvalidParameterError, match="2 \\* h - 1"):
        flow_observables(np.zeros((5, 16)), pos, 4)
    with pytest.raises(InvalidParameterError, match="at least 2"):
        flow_observables(good[:1], pos, 4)
    with pytest.raises(InvalidParameterError, match="n_units"):
        flow_observables(good.reshape(5, 4, 4), pos, 4)
    with pytest.raises(InvalidParameterError, match="positions"):
        flow_observables(good, pos[:8], 4)
    with pytest.raises(InvalidParameterError, match="max_distance"):
        flow_observables(good, pos, 4, max_distance=0)
    with pytest.raises(InvalidParameterError):
        flow_observables(good, pos, 0)


# ---------------------------------------------------------------- DBN flows
def block_layer(L_in: int, b: int, weight: float) -> BernoulliRBM:
    """A hand-built RBM layer: hidden unit (I, J) sees the b x b block (I, J) with equal weights.

    Its P(h = 1 | v) = sigmoid(weight * (n_up - b*b/2)) is a soft majority rule.
    """
    m = L_in // b
    W = np.zeros((m * m, L_in * L_in))
    for k in range(m * m):
        row, col = divmod(k, m)
        cells = np.zeros((L_in, L_in))
        cells[b * row : b * row + b, b * col : b * col + b] = 1
        W[k] = cells.ravel()
    rbm = BernoulliRBM(m * m, dtype="float64")
    rbm.components_ = weight * W
    rbm.intercept_hidden_ = np.full(m * m, -weight * b * b / 2)
    rbm.intercept_visible_ = np.zeros(L_in * L_in)
    rbm.n_features_in_ = L_in * L_in
    return rbm


def hand_built_dbn(layers: list[BernoulliRBM]) -> DeepBeliefNetwork:
    dbn = DeepBeliefNetwork([BernoulliRBM(layer.n_components) for layer in layers])
    dbn.layers_ = layers
    dbn.n_features_in_ = layers[0].n_features_in_
    return dbn


@pytest.fixture(scope="module")
def small_ordered() -> np.ndarray:
    """8 x 8 ordered samples, each flipped by an independent fair coin (still equilibrium samples).

    Wolff chains in the ordered phase flip nearly the whole lattice at every update, so with an
    even spacing the sign of m is strongly autocorrelated; the coins make it independent.
    """
    spins = WolffSampler(IsingModel(L=8), 0.6, random_state=3).sample(400).spins
    coins = np.random.default_rng(4).choice(np.array([-1, 1], dtype=np.int8), size=(400, 1, 1))
    return spins * coins


def test_dbn_flow_of_block_weights_follows_the_block_flow(small_ordered):
    dbn = hand_built_dbn([block_layer(8, 2, 8.0), block_layer(4, 2, 8.0)])
    positions = [block_positions(8, 2), block_positions(8, 4)]
    flow = dbn_flow(dbn, small_ordered, (8, 8), positions_by_layer=positions, random_state=0)
    assert [p.n_units for p in flow] == [64, 16, 4]
    assert [p.spacing for p in flow] == [1.0, 2.0, 4.0]
    blocks = block_spin_flow(small_ordered, (1, 2, 4), random_state=0)
    assert flow[0].to_dict() == blocks[0].to_dict()
    for d, b in zip(flow[1:], blocks[1:], strict=True):  # a sharp soft-majority is the majority rule, statistically
        for name in ("abs_magnetization", "nn_correlation"):
            x, y = getattr(d, name), getattr(b, name)
            assert abs(x.mean - y.mean) <= 5 * math.hypot(x.error, y.error) + 0.01
    summary = compare_flows(blocks, flow)
    assert summary["same_flow"] and summary["dbn"]["flow"] == "toward ordered"


def test_dbn_flow_is_reproducible_and_seeded(small_ordered):
    dbn = hand_built_dbn([block_layer(8, 2, 1.0), block_layer(4, 2, 1.0)])  # soft: sampling matters
    positions = [None, block_positions(8, 2), block_positions(8, 4)]  # with the visible entry
    a = dbn_flow(dbn, small_ordered, (8, 8), positions_by_layer=positions, random_state=1)
    b = dbn_flow(
        dbn, small_ordered.reshape(400, 64), (8, 8), positions_by_layer=positions, random_state=np.random.default_rng(1)
    )
    c = dbn_flow(dbn, small_ordered, (8, 8), positions_by_layer=positions, random_state=2)
    assert [p.to_dict() for p in a] == [p.to_dict() for p in b]
    assert a[0].to_dict() == c[0].to_dict()
    assert a[1].to_dict() != c[1].to_dict()


def test_dbn_flow_aligns_unit_signs(small_ordered):
    layer = block_layer(8, 2, 8.0)
    flipped = np.arange(16) % 2 == 1  # half of the units respond to "block down"
    layer.components_[flipped] *= -1
    layer.intercept_hidden_[flipped] = -layer.intercept_hidden_[flipped]
    dbn = hand_built_dbn([layer])
    positions = [block_positions(8, 2)]
    aligned = dbn_flow(dbn, small_ordered, (8, 8), positions_by_layer=positions, random_state=0)[1]
    raw = dbn_flow(dbn, small_ordered, (8, 8), positions_by_layer=positions, random_state=0, align_signs=False)[1]
    assert aligned.abs_magnetization.mean > 0.9  # the ordered phase, seen by every unit the same way
    assert raw.abs_magnetization.mean < 0.2  # half of the units count against the other half


def test_dbn_flow_with_a_trained_network(small_ordered):
    X = (small_ordered.reshape(400, -1) > 0).astype(np.float64)
    dbn = DeepBeliefNetwork(
        [BernoulliRBM(16, n_iter=3, batch_size=50, l1=1e-3), BernoulliRBM(4, n_iter=3, batch_size=50)],
        random_state=0,
    ).fit(X)
    # the documented way to place the units: circular centroids of the linear receptive fields
    positions = [circular_centroid(receptive_fields(dbn, k, (8, 8))) for k in (1, 2)]
    flow = dbn_flow(dbn, small_ordered, (8, 8), positions_by_layer=positions, random_state=0)
    assert [p.n_units for p in flow] == [64, 16, 4]
    for p in flow[1:]:
        assert 0 <= p.abs_magnetization.mean <= 1 and len(p.correlation) > 0
    again = dbn_flow(dbn, small_ordered, (8, 8), positions_by_layer=positions, random_state=0)
    assert [p.to_dict() for p in flow] == [p.to_dict() for p in again]
    json.dumps(compare_flows(block_spin_flow(small_ordered, (1, 2, 4), random_state=0), flow), allow_nan=False)


def test_dbn_flow_validation(small_ordered):
    dbn = hand_built_dbn([block_layer(8, 2, 1.0)])
    ok = [block_positions(8, 2)]
    with pytest.raises(InvalidParameterError, match="circular_centroid"):
        dbn_flow(dbn, small_ordered, (8, 8), positions_by_layer=None)
    with pytest.raises(InvalidParameterError, match="one array per hidden layer"):
        dbn_flow(dbn, small_ordered, (8, 8), positions_by_layer=[None, ok[0], ok[0]])
    with pytest.raises(InvalidParameterError, match=r"\(16, 2\)"):
        dbn_flow(dbn, small_ordered, (8, 8), positions_by_layer=[block_positions(8, 4)])
    with pytest.raises(InvalidParameterError, match="square"):
        dbn_flow(dbn, small_ordered, (8, 4), positions_by_layer=ok)
    with pytest.raises(InvalidParameterError, match="visible units"):
        dbn_flow(dbn, small_ordered[:, :4, :4], (4, 4), positions_by_layer=ok)
    with pytest.raises(InvalidParameterError, match="fitted"):
        dbn_flow(DeepBeliefNetwork([BernoulliRBM(4)]), small_ordered, (8, 8), positions_by_layer=ok)


# ---------------------------------------------------------------- comparison rule
def point(n_units: int, u4: float, nn: float, error: float = 0.001, m: float = 0.5) -> FlowPoint:
    empty = np.empty(0)
    return FlowPoint(
        abs_magnetization=Estimate(m, error),
        binder_cumulant=Estimate(u4, error),
        nn_correlation=Estimate(nn, error),
        correlation=BinnedCorrelation(empty, empty, empty, n_pairs=np.empty(0, dtype=np.int64)),
        n_units=n_units,
        spacing=1.0,
    )


def test_compare_flows_rule():
    ordered = [point(256, 0.60, 0.80), point(64, 0.66, 0.95)]
    disordered = [point(256, 0.0035, 0.40), point(64, 0.0104, 0.10)]
    critical = [point(256, 0.61, 0.70), point(64, 0.611, 0.702)]
    noisy = [point(256, 0.30, 0.40, error=0.1), point(64, 0.60, 0.99, error=0.1)]
    out = compare_flows(ordered, disordered)
    assert out["block"]["trend"]["binder_cumulant"] == "toward ordered"
    assert out["block"]["flow"] == "toward ordered" and out["block"]["fixed_point"] == "ordered"
    assert out["dbn"]["trend"]["binder_cumulant"] == "stays"  # at 2/(3N): the disordered fixed point
    assert out["dbn"]["flow"] == "toward disordered" and out["dbn"]["fixed_point"] == "disordered"
    assert not out["same_flow"] and not out["same_fixed_point"]
    crit = compare_flows(critical, critical)  # changes of U4 and nn of 1.4 errors or less: no trend
    assert crit["block"]["trend"]["binder_cumulant"] == crit["block"]["trend"]["nn_correlation"] == "stays"
    assert crit["block"]["flow"] == "stays" and crit["block"]["fixed_point"] == "critical" and crit["same_flow"]
    assert compare_flows(noisy, noisy)["block"]["trend"]["binder_cumulant"] == "stays"  # 2.1 errors only
    single = compare_flows(ordered[:1], [])
    assert single["block"]["flow"] == "undetermined" and single["dbn"]["fixed_point"] == "undetermined"


def test_compare_flows_trend_must_be_monotone():
    def nn_trend(values, error=0.001):
        flow = [point(64, 0.3, v, error=error) for v in values]
        return compare_flows(flow, flow)["block"]["trend"]["nn_correlation"]

    assert nn_trend([0.50, 0.55, 0.70]) == "toward ordered"
    assert nn_trend([0.50, 0.499, 0.70]) == "toward ordered"  # a step back of 0.7 errors: monotone within errors
    assert nn_trend([0.50, 0.49, 0.70]) == "stays"  # a step back of 7 errors
    assert nn_trend([0.50, 0.80, 0.55]) == "stays"  # up by 35 errors overall, but down by 177 on the way
    assert nn_trend([0.50, 0.30, 0.20]) == "toward disordered"
    assert nn_trend([0.50, 0.30, 0.20], error=0.1) == "stays"  # 2.1 errors
    # the overall flow is the nn trend; U4 only stands in when the nn correlation is undetermined
    flow = [point(64, 0.30, 0.50), point(16, 0.50, 0.40)]
    summary = compare_flows(flow, flow)["block"]
    assert summary["trend"]["binder_cumulant"] == "toward ordered" and summary["flow"] == "toward disordered"
    no_nn = [point(64, 0.30, math.nan), point(16, 0.50, math.nan)]
    assert compare_flows(no_nn, no_nn)["block"]["flow"] == "toward ordered"


def series_point(nn_series: np.ndarray, m_series: np.ndarray) -> FlowPoint:
    """A level with per-sample series and estimates computed from them (no reference: fair coins)."""
    empty = np.empty(0)
    return FlowPoint(
        abs_magnetization=mean_estimate(np.abs(m_series)),
        binder_cumulant=Estimate(0.5, 0.01),
        nn_correlation=mean_estimate(nn_series),
        correlation=BinnedCorrelation(empty, empty, empty, n_pairs=np.empty(0, dtype=np.int64)),
        n_units=64,
        spacing=1.0,
        series={"nn_correlation": nn_series, "magnetization": m_series},
    )


def test_trend_errors_are_paired_when_levels_share_samples(rng):
    # two levels measured on the same samples: level b = level a + 0.005 + small noise. Each level's own
    # error is ~0.0045, so in quadrature the change is 0.8 errors; the paired error is ~1e-4.
    base = rng.normal(0.5, 0.2, size=4000)
    m = rng.choice([-0.5, 0.5], size=4000)
    a = series_point(base, m)
    b = series_point(base + 0.005 + rng.normal(0, 0.005, size=4000), m)
    assert compare_flows([a, b], [])["block"]["trend"]["nn_correlation"] == "toward ordered"
    unpaired = [dataclasses.replace(p, series=None) for p in (a, b)]
    assert compare_flows(unpaired, [])["block"]["trend"]["nn_correlation"] == "stays"


# ---------------------------------------------------------------- the disordered reference
def independent_units(rng, p_fire: float, sizes=(256, 64, 16, 4), n: int = 2000, L_units: int = 16):
    """A flow of independent units, each firing (s = +1) with probability p_fire, on full grids of a 16 x 16 torus."""
    flow = []
    for n_units in sizes:
        b = L_units // math.isqrt(n_units)
        spins = np.where(rng.random((n, n_units)) < p_fire, 1, -1).astype(np.int8)
        flow.append(flow_observables(spins, block_positions(L_units, b), L_units))
    return flow


def test_biased_independent_units_are_disordered(rng):
    flow = independent_units(rng, 0.2)
    for p in flow:
        # the raw observables look ordered (m ~ -0.6 in every sample) ...
        assert p.abs_magnetization.mean > 0.5 and p.nn_correlation.mean > 0.3
        # ... and so does the fair-coin rescaling, but the shuffled reference keeps the firing rate
        for name in ("abs_magnetization", "binder_cumulant", "nn_correlation"):
            x, ref = getattr(p, name), p.reference[name]
            assert abs(x.mean - ref.mean) < 4 * math.hypot(x.error, ref.error), name
    out = compare_flows(flow, flow)
    for level in out["levels"]:
        for name, phi in level["block"]["phi"].items():
            assert abs(phi["mean"]) < max(4 * phi["error"], 0.02), name
    assert out["block"]["fixed_point"] == "disordered"
    assert out["block"]["trend"]["nn_correlation"] == "stays" and out["block"]["flow"] == "stays"
    # without the reference (fair coins as the disordered end) the same units would score as ordered
    fair = [dataclasses.replace(p, reference=None) for p in flow]
    phi = compare_flows(fair, fair)["levels"][0]["block"]["phi"]
    assert phi["binder_cumulant"]["mean"] > 0.95 and phi["abs_magnetization"]["mean"] > 0.5


def test_fair_independent_units_are_judged_as_with_fair_coins(rng):
    flow = independent_units(rng, 0.5)
    for p in flow:
        n = p.n_units
        exact = {
            "abs_magnetization": sum(math.comb(n, k) * abs(2 * k - n) for k in range(n + 1)) / (n * 2**n),
            "binder_cumulant": 2 / (3 * n),
            "nn_correlation": 0.0,
        }
        for name, value in exact.items():
            assert abs(p.reference[name].deviation(value)) < 4, (name, n)
    with_reference = compare_flows(flow, flow)
    fair = [dataclasses.replace(p, reference=None) for p in flow]
    before = compare_flows(fair, fair)
    assert with_reference["block"] == before["block"]
    assert before["block"]["fixed_point"] == "disordered" and before["block"]["flow"] == "stays"
    for new, old in zip(with_reference["levels"], before["levels"], strict=True):
        for name in ("abs_magnetization", "binder_cumulant", "nn_correlation"):
            a, b = new["block"]["phi"][name], old["block"]["phi"][name]
            assert abs(a["mean"] - b["mean"]) < 4 * a["error"], name


def test_reference_is_seeded_and_in_to_dict(ensembles):
    s = ensembles["critical"][:200].reshape(200, -1)
    pos = block_positions(L, 1)
    a = flow_observables(s, pos, L)
    assert a.to_dict() == flow_observables(s, pos, L, random_state=0).to_dict()
    c = flow_observables(s, pos, L, random_state=1).to_dict()
    d = a.to_dict()
    assert c["reference"] != d["reference"]
    assert {k: v for k, v in c.items() if k != "reference"} == {k: v for k, v in d.items() if k != "reference"}
    assert set(d["reference"]) == {"abs_magnetization", "binder_cumulant", "nn_correlation"}
    json.dumps(d, allow_nan=False)


def test_symmetric_reference_ignores_the_orientation_of_an_ordered_ensemble(ensembles):
    # every sample turned to m > 0, as a chain stuck in one orientation would be
    s = ensembles["ordered"]
    stuck = s * np.where(s.mean(axis=(1, 2)) < 0, -1, 1).astype(np.int8)[:, None, None]
    flow = block_spin_flow(stuck, (1, 2, 4, 8), random_state=5)  # block spins: symmetric references
    summary = compare_flows(flow, flow)["block"]
    assert summary["flow"] == "toward ordered" and summary["fixed_point"] == "ordered"
    # without the symmetry the orientation counts as a firing rate: the lattice looks like biased coins
    plain = flow_observables(stuck.reshape(len(stuck), -1), block_positions(L, 1), L)
    assert abs(plain.abs_magnetization.mean - plain.reference["abs_magnetization"].mean) < 1e-9


def test_dbn_hidden_units_that_ignore_the_input_are_disordered(small_ordered):
    # one hidden layer of 16 units with no weights, firing with probability 0.2 whatever the input
    layer = block_layer(8, 2, 8.0)
    layer.components_ = np.zeros_like(layer.components_)
    layer.intercept_hidden_ = np.full(16, math.log(0.2 / 0.8))
    dbn = hand_built_dbn([layer])
    flow = dbn_flow(dbn, small_ordered, (8, 8), positions_by_layer=[block_positions(8, 2)], random_state=0)
    hidden = flow[1]
    assert hidden.abs_magnetization.mean > 0.5  # m ~ -0.6: "ordered" by the raw value
    out = compare_flows(flow, flow)
    assert out["levels"][0]["block"]["phi"]["binder_cumulant"]["mean"] > 0.95  # the visible lattice is ordered
    phi = out["levels"][1]["block"]["phi"]
    for name in ("abs_magnetization", "binder_cumulant", "nn_correlation"):
        assert abs(phi[name]["mean"]) < max(4 * phi[name]["error"], 0.05), name
    assert out["block"]["fixed_point"] == "disordered"
    assert out["block"]["flow"] == "toward disordered"


def test_compare_flows_is_json(flows):
    out = compare_flows(flows["critical"], flows["ordered"][:3])
    text = json.dumps(out, allow_nan=False)
    back = json.loads(text)
    assert len(back["levels"]) == 4 and back["levels"][3]["dbn"] is None
    assert back["levels"][0]["block"]["binder_cumulant"]["mean"] == pytest.approx(
        flows["critical"][0].binder_cumulant.mean
    )
    assert "rule" in back and back["settings"] == {"z": 3.0}
    with pytest.raises(InvalidParameterError):
        compare_flows(flows["critical"], [1, 2])
