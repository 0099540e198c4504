"""Observables along RG flows: block spins on Wolff samples, scattered units, DBN layers, comparison."""

import json
import math

import numpy as np
import pytest

from deeprg.errors import InvalidParameterError
from deeprg.ising import IsingModel, WolffSampler
from deeprg.ising.exact import BINDER_CRITICAL, CRITICAL_COUPLING
from deeprg.rbm import BernoulliRBM, DeepBeliefNetwork
from deeprg.rg.blockspin import block_positions, block_spin
from deeprg.rg.flowcompare import compare_flows
from deeprg.rg.flows import (
    BinnedCorrelation,
    FlowPoint,
    block_spin_flow,
    dbn_flow,
    flow_observables,
)
from deeprg.rg.locality import circular_centroid
from deeprg.rg.receptive import receptive_fields
from deeprg.stats import Estimate, correlation_function

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
    assert summary["trend"]["binder_cumulant"] == "stays"
    assert summary["flow"] == "stays" and summary["fixed_point"] == "critical"


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
    expected = flow_observables(twice.reshape(200, -1), block_positions(L, 4), L)
    assert flow[-1].to_dict() == expected.to_dict()
    with pytest.raises(InvalidParameterError, match="multiple"):
        block_spin_flow(s, (1, 2, 3), iterate=True)


def test_block_spin_flow_is_reproducible(ensembles):
    s = ensembles["disordered"][:200]
    a = block_spin_flow(s, (2, 4), random_state=3)
    b = block_spin_flow(s, (2, 4), random_state=3)
    assert [p.to_dict() for p in a] == [p.to_dict() for p in b]


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
    critical = [point(256, 0.61, 0.70), point(64, 0.62, 0.75)]
    noisy = [point(256, 0.30, 0.40, error=0.1), point(64, 0.60, 0.99, error=0.1)]
    out = compare_flows(ordered, disordered)
    assert out["block"]["trend"]["binder_cumulant"] == "toward ordered"
    assert out["block"]["flow"] == "toward ordered" and out["block"]["fixed_point"] == "ordered"
    assert out["dbn"]["trend"]["binder_cumulant"] == "stays"  # at 2/(3N): the disordered fixed point
    assert out["dbn"]["flow"] == "toward disordered" and out["dbn"]["fixed_point"] == "disordered"
    assert not out["same_flow"] and not out["same_fixed_point"]
    crit = compare_flows(critical, critical)
    assert crit["block"]["flow"] == "stays" and crit["block"]["fixed_point"] == "critical" and crit["same_flow"]
    assert compare_flows(noisy, noisy)["block"]["trend"]["binder_cumulant"] == "stays"  # 2.1 errors only
    mixed = [point(256, 0.30, 0.80), point(64, 0.62, 0.10)]
    assert compare_flows(mixed, mixed)["block"]["flow"] == "mixed"
    single = compare_flows(ordered[:1], [])
    assert single["block"]["flow"] == "undetermined" and single["dbn"]["fixed_point"] == "undetermined"


def test_compare_flows_is_json(flows):
    out = compare_flows(flows["critical"], flows["ordered"][:3])
    text = json.dumps(out, allow_nan=False)
    back = json.loads(text)
    assert len(back["levels"]) == 4 and back["levels"][3]["dbn"] is None
    assert back["levels"][0]["block"]["binder_cumulant"]["mean"] == pytest.approx(
        flows["critical"][0].binder_cumulant.mean
    )
    assert "rule" in back and back["settings"] == {"z": 3.0, "contraction": 2.0}
    with pytest.raises(InvalidParameterError):
        compare_flows(flows["critical"], [1, 2])
