"""Control networks: each is what its docstring says, so that its answer is known."""

import numpy as np
import pytest

from deeprg.errors import InvalidParameterError
from deeprg.ising import IsingModel, WolffSampler
from deeprg.rg import ControlNetwork, block_spin, receptive_fields, standard_control_names, standard_controls
from deeprg.rg.controls import (
    DETERMINISTIC_STRENGTH,
    block_stack,
    decimation_stack,
    faint_block_network,
    multi_patch_network,
    random_dense_network,
    random_site_network,
    smooth_field_network,
    untrained_network,
)

NAMES = ["majority_rule", "block_average", "decimation", "random_dense", "random_sites", "smooth_global",
         "multi_patch", "faint_block", "untrained_sklearn"]


def block_mask(L, B, bi, bj):
    mask = np.zeros((L, L), dtype=bool)
    mask[B * bi : B * bi + B, B * bj : B * bj + B] = True
    return mask


@pytest.fixture(scope="module")
def spins16():
    return WolffSampler(IsingModel(16), 0.408, random_state=0).sample(300).spins


@pytest.mark.parametrize(("L", "sizes"), [(16, [256, 64, 16, 4]), (40, [1600, 400, 100, 25])])
def test_panel_shapes_and_expectations(L, sizes):
    panel = standard_controls(L, random_state=0)
    assert [c.name for c in panel] == NAMES
    assert [c.expected for c in panel] == [True] * 3 + [False] * 6
    for control in panel:
        assert isinstance(control, ControlNetwork) and control.description
        layers = control.network.layers_
        assert [layer.components_.shape for layer in layers] == list(zip(sizes[1:], sizes[:-1], strict=True))
        assert control.network.weights_given_
    with pytest.raises(AttributeError):
        panel[0].expected = False  # frozen


@pytest.mark.parametrize(("L", "b", "n_layers"), [(16, 2, 3), (27, 3, 2)])
def test_block_stack_fields_are_exact_blocks(L, b, n_layers):
    w = 2.5
    dbn = block_stack(L, b=b, n_layers=n_layers, strength=w)
    for layer in range(1, n_layers + 1):
        B, m = b**layer, L // b**layer
        fields = receptive_fields(dbn, layer, L)
        expected = np.array([w**layer * block_mask(L, B, *divmod(u, m)) for u in range(m * m)])
        np.testing.assert_allclose(fields, expected, rtol=1e-12, atol=0)


def test_majority_rule_stack_is_the_iterated_majority_rule():
    """Odd blocks (3x3) have no ties: rounded P(h=1|v) is the block spin of the block spins."""
    spins = WolffSampler(IsingModel(27), 0.408, random_state=1).sample(200).spins
    dbn = block_stack(27, b=3, n_layers=2)
    X = (spins.reshape(len(spins), -1) > 0).astype(np.float64)
    level = spins
    for layer in (1, 2):
        level = block_spin(level, 3)
        p = dbn.transform(X, layer=layer)
        # smallest margin: half a spin in the bits, sigma(10 * 0.5) = 0.9933; the layer-2 inputs are
        # off by at most 0.0067 each, 9 of them shift the margin by 0.06 < 0.5
        assert np.all(np.abs(p - 0.5) > 0.49)
        np.testing.assert_array_equal(np.where(p > 0.5, 1, -1), level.reshape(len(spins), -1))


def test_majority_rule_on_2x2_blocks_ties_aside(spins16):
    dbn = block_stack(16, b=2, n_layers=1)
    X = (spins16.reshape(len(spins16), -1) > 0).astype(np.float64)
    p = dbn.transform(X)
    sums = spins16.reshape(-1, 8, 2, 8, 2).sum(axis=(2, 4)).reshape(len(spins16), -1)
    tied = sums == 0
    assert 0.05 < tied.mean() < 0.95  # both cases are exercised
    assert np.all(p[tied] == 0.5)  # a tie is a fair coin, as block_spin's
    majority = block_spin(spins16, 2, random_state=0).reshape(len(spins16), -1)
    np.testing.assert_array_equal(np.where(p > 0.5, 1, -1)[~tied], majority[~tied])
    assert np.all(np.abs(p[~tied] - 0.5) > 0.49)  # near-deterministic: sigma(10) at a margin of one bit


def test_decimation_copies_the_top_left_site(spins16):
    dbn = decimation_stack(16)
    X = (spins16.reshape(len(spins16), -1) > 0).astype(np.float64)
    for layer in (1, 2, 3):
        B, m = 2**layer, 16 // 2**layer
        fields = receptive_fields(dbn, layer, 16)
        for u in range(m * m):
            bi, bj = divmod(u, m)
            expected = np.zeros((16, 16))
            expected[B * bi, B * bj] = DETERMINISTIC_STRENGTH**layer
            np.testing.assert_array_equal(fields[u], expected)
        p = dbn.transform(X, layer=layer)
        decimated = block_spin(spins16, B, rule="decimation").reshape(len(spins16), -1)
        np.testing.assert_array_equal(np.where(p > 0.5, 1, -1), decimated)


def test_random_site_fields_are_distinct_single_sites():
    dbn = random_site_network(16, random_state=0)
    for layer in (1, 2, 3):
        fields = receptive_fields(dbn, layer, 16).reshape(-1, 256)
        assert np.all((fields != 0).sum(axis=1) == 1)
        sites = np.argmax(np.abs(fields), axis=1)
        assert len(np.unique(sites)) == len(sites)
    # not decimation: the copied site is unrelated to the unit's block
    top_left = np.array([(2 * bi) * 16 + 2 * bj for bi in range(8) for bj in range(8)])
    first = np.argmax(np.abs(receptive_fields(dbn, 1, 16).reshape(-1, 256)), axis=1)
    assert np.mean(first == top_left) < 0.2


@pytest.mark.parametrize(("L", "share"), [(16, 0.04), (40, 0.04), (40, 0.5)])
def test_faint_block_has_the_requested_share(L, share):
    dbn = faint_block_network(L, share=share)
    for layer in (1, 2, 3):
        B, m = 2**layer, L // 2**layer
        fields = receptive_fields(dbn, layer, L)
        for u in (0, m * m - 1):
            bi, bj = divmod(u, m)
            mask = np.zeros((L, L), dtype=bool)
            mask[B * bi : B * bi + 2, B * bj : B * bj + 2] = True  # the 2x2 block at the unit's corner
            f2 = fields[u] ** 2
            assert f2[mask].sum() / f2.sum() == pytest.approx(share, rel=1e-12)
            assert np.ptp(fields[u][~mask]) < 1e-12 * np.abs(fields[u]).max()  # a uniform background
    first = dbn.layers_[0].components_
    np.testing.assert_allclose(np.sqrt(np.mean(first**2, axis=1)), 0.1, rtol=1e-12)


def test_multi_patch_fields_are_four_far_patches():
    L = 16
    dbn = multi_patch_network(L)
    for layer, n_sites in ((1, 16), (2, 64), (3, 256)):  # layer 3: four 8x8 patches tile 16x16
        B, m = 2**layer, L // 2**layer
        fields = receptive_fields(dbn, layer, L)
        for u in (0, 5 % (m * m)):
            bi, bj = divmod(u, m)
            mask = block_mask(L, B, bi, bj)
            mask = mask | np.roll(mask, L // 2, axis=0)
            mask = mask | np.roll(mask, L // 2, axis=1)
            assert mask.sum() == n_sites
            support = fields[u] != 0
            np.testing.assert_array_equal(support, mask)
            assert np.ptp(fields[u][support]) == 0


def test_smooth_fields_are_low_fourier_modes():
    L = 16
    dbn = smooth_field_network(L, max_mode=1, random_state=0)
    for layer in (1, 2, 3):
        fields = receptive_fields(dbn, layer, L)
        power = np.abs(np.fft.fft2(fields)) ** 2
        k = np.fft.fftfreq(L, 1 / L)
        low = (np.maximum(np.abs(k)[:, None], np.abs(k)[None, :]) <= 1) & ~((k[:, None] == 0) & (k[None, :] == 0))
        share_low = power[:, low].sum(axis=1) / power.sum(axis=(1, 2))
        np.testing.assert_allclose(share_low, 1.0, rtol=1e-10)
    first = dbn.layers_[0].components_
    np.testing.assert_allclose(np.sqrt(np.mean(first**2, axis=1)), 0.1, rtol=1e-12)


def test_untrained_network_is_the_initialisation():
    dbn = untrained_network(16, init_std=0.01, random_state=0)
    W = dbn.layers_[0].components_
    # 16384 Gaussian weights: the sample std has relative standard error 1/sqrt(2n) = 0.55%; allow 5 of them
    assert np.std(W) == pytest.approx(0.01, rel=5 / np.sqrt(2 * W.size))
    assert all(not layer.intercept_hidden_.any() and not layer.intercept_visible_.any() for layer in dbn.layers_)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "untrained_sklearn"])
def test_controls_are_spin_flip_symmetric(name, spins16):
    """Spin-symmetric biases: P(h | flipped v) = 1 - P(h | v) at every layer."""
    dbn = next(c for c in standard_controls(16, random_state=0) if c.name == name).network
    X = (spins16[:20].reshape(20, -1) > 0).astype(np.float64)
    for layer in (1, 2, 3):
        np.testing.assert_allclose(dbn.transform(1 - X, layer=layer), 1 - dbn.transform(X, layer=layer), atol=1e-12)


def test_random_dense_scale():
    dbn = random_dense_network(40, scale=0.1, random_state=0)
    W = dbn.layers_[0].components_
    assert np.std(W) == pytest.approx(0.1, rel=5 / np.sqrt(2 * W.size))


def test_reproducible_by_seed_each_control_on_its_own():
    a = standard_controls(16, random_state=7)
    b = standard_controls(16, random_state=7)
    c = standard_controls(16, random_state=8)
    for x, y, z in zip(a, b, c, strict=True):
        for lx, ly, lz in zip(x.network.layers_, y.network.layers_, z.network.layers_, strict=True):
            assert lx.components_.tobytes() == ly.components_.tobytes()
            same_as_other_seed = lx.components_.tobytes() == lz.components_.tobytes()
            assert same_as_other_seed == (x.name in ("majority_rule", "block_average", "decimation", "multi_patch",
                                                     "faint_block"))
    child = np.random.default_rng(7).spawn(len(NAMES))[NAMES.index("random_dense")]
    alone = random_dense_network(16, random_state=child)
    assert alone.layers_[2].components_.tobytes() == a[NAMES.index("random_dense")].network.layers_[2].components_.tobytes()


def test_a_control_built_alone_is_the_panels():
    assert standard_control_names() == tuple(NAMES)
    panel = {c.name: c for c in standard_controls(16, random_state=7)}
    picked = standard_controls(16, random_state=7, names=["untrained_sklearn", "random_dense"])
    assert [c.name for c in picked] == ["random_dense", "untrained_sklearn"]  # the panel's order
    for control in picked:
        for mine, theirs in zip(control.network.layers_, panel[control.name].network.layers_, strict=True):
            assert mine.components_.tobytes() == theirs.components_.tobytes()
            assert mine.intercept_hidden_.tobytes() == theirs.intercept_hidden_.tobytes()
    with pytest.raises(InvalidParameterError, match="unknown control.*majority_vote; the panel has majority_rule"):
        standard_controls(16, names=["majority_vote"])


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: block_stack(20, n_layers=3), r"need L divisible by 2\^3 = 8; got L = 20, which allows at most 2"),
        (lambda: block_stack(16, strength=0.0), "strength"),
        (lambda: block_stack(16, b=1), "b \\(block side\\)"),
        (lambda: faint_block_network(16, share=0.01), r"share must lie strictly between 0.0156.* and 1"),
        (lambda: faint_block_network(16, share=1.0), "share must lie strictly between"),
        (lambda: smooth_field_network(16, max_mode=9), "max_mode"),
        (lambda: multi_patch_network(18, n_layers=1), "L / b = 9 is even"),
        (lambda: standard_controls(12), r"need L divisible by 2\^3 = 8"),
    ],
)
def test_bad_parameters_give_clear_errors(build, message):
    with pytest.raises(InvalidParameterError, match=message):
        build()
