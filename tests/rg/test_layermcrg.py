"""MCRG on a network's layers: the exact block-spin stack reproduces block-spin RG's y_t, y_h and
K_eff; a random network gets no lattice (and, forced onto one, no y_t near 1); unplaceable layers
are reported with their cause (fast at L = 32; L = 64 is slow)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from deeprg.errors import InvalidParameterError
from deeprg.ising import IsingModel, WolffSampler
from deeprg.rbm import DeepBeliefNetwork
from deeprg.rg import mcrg_eigenvalues
from deeprg.rg.controls import block_stack, random_dense_network
from deeprg.rg.layermcrg import (
    STATES,
    UNPLACED_CAUSES,
    LayerMCRG,
    UnplacedLayer,
    block_spin_couplings,
    layer_mcrg,
)

K_C = math.log(1.0 + math.sqrt(2.0)) / 2.0
Y_T, Y_H = 1.0, 15.0 / 8.0


def _wolff(L: int, n: int, seed: int, K: float = K_C) -> np.ndarray:
    return WolffSampler(IsingModel(L), beta=K, random_state=seed, n_jobs=1).sample(n).spins


@pytest.fixture(scope="module")
def critical_32() -> np.ndarray:
    return _wolff(32, 1000, seed=2024)


def _agree(a: float, a_err: float, b: float, b_err: float, sigmas: float = 3.0) -> bool:
    """|a - b| within ``sigmas`` combined errors (quadrature: conservative, the two share configurations)."""
    return abs(a - b) < sigmas * math.hypot(a_err, b_err)


def _check_reproduces(spins: np.ndarray, levels: int, seed: int) -> None:
    blocks = mcrg_eigenvalues(spins, levels=levels, random_state=seed)
    layers = layer_mcrg(block_stack(spins.shape[1], n_layers=levels), spins, n_blocks=blocks[0].n_blocks,
                        random_state=seed)
    for bs, lm in zip(blocks, layers, strict=True):
        assert isinstance(lm, LayerMCRG), lm
        r = lm.result
        assert (r.level, r.b, lm.coarse_lattice, lm.states, lm.ordered) == (bs.level, 2, bs.coarse_lattice, STATES, True)
        assert lm.rms_displacement == pytest.approx(0.0, abs=1e-9)  # block fields: centroids on the block centres
        # sampled units differ from coin-flip ties only in the coins (and in flips of probability 5e-5)
        assert _agree(r.y_t, r.y_t_error, bs.y_t, bs.y_t_error)  # 3 combined sigma
        assert _agree(r.y_h, r.y_h_error, bs.y_h, bs.y_h_error)  # 3 combined sigma


def test_block_stack_reproduces_block_spin_rg(critical_32):
    """L = 32, 1000 Wolff samples, levels 1-3. Measured: block spins y_t = 0.977(26), 0.931(42), 0.951(50),
    y_h = 1.8794(16), 1.8707(23), 1.8827(45); the stack 0.971(29), 0.946(33), 0.917(77), 1.8796(14),
    1.8771(22), 1.8754(38)."""
    _check_reproduces(critical_32, 3, seed=1)


def test_block_stack_couplings_match_block_spins(critical_32):
    """K_eff (nn, nnn, nn3) of the stack's layers equals the block spins' within 3 combined errors.

    Measured at level 1: block spins 0.358(4), 0.083(5), -0.016(3); the stack's layer 1 0.356, 0.086, -0.017.
    """
    blocks = block_spin_couplings(critical_32, levels=3, random_state=1)
    assert abs(blocks[0].coupling("nn")[0] - K_C) < 4 * blocks[0].coupling("nn")[1]  # level 0: the Ising K_c, 4 sigma
    layers = layer_mcrg(block_stack(32, n_layers=3), critical_32, random_state=1)
    for fit, layer in zip(blocks[1:], layers, strict=True):
        assert layer.couplings.operators == fit.operators == ("nn", "nnn", "nn3")
        for k, e, k2, e2 in zip(fit.couplings, fit.errors, layer.couplings.couplings, layer.couplings.errors, strict=True):
            assert _agree(k, e, k2, e2)  # 3 combined sigma
    assert layers[0].couplings.coupling("nn")[0] < K_C - 0.05  # renormalized below K_c (0.356 measured)


def test_random_network_is_unplaced(critical_32):
    """Dense Gaussian fields are not local: no layer is placed, each says why (RMS ~0.7-0.8 block sides)."""
    out = layer_mcrg(random_dense_network(32, n_layers=3, random_state=0), critical_32, random_state=0)
    assert all(isinstance(r, UnplacedLayer) for r in out)
    assert [r.layer for r in out] == [1, 2, 3]
    assert out[0].cause == "not_on_lattice" and "not local" in out[0].reason
    assert all(r.cause in UNPLACED_CAUSES for r in out)
    assert all(r.rms_displacement > 0.25 for r in out)  # above PLACEMENT_TOLERANCE
    json.dumps([r.to_dict() for r in out])


def test_random_network_forced_on_a_lattice_has_no_rg_exponents(critical_32):
    """Forced onto a lattice (require_ordered=False), a random network's y_t is not near 1.

    Measured (seed 0): y_t = 1.44(7) at layer 1 (6 sigma above 1; 1.27-1.45 over 4 seeds) and -2.0(7)
    at layer 2 (irrelevant); y_h = 2.59(6) and 2.31(4), far from 15/8. Block spins: 0.977(26), 0.931(42).
    """
    out = layer_mcrg(random_dense_network(32, n_layers=2, random_state=0), critical_32, random_state=0,
                     require_ordered=False, couplings=())
    for layer in out:
        assert isinstance(layer, LayerMCRG) and not layer.ordered and layer.couplings is None
        r = layer.result
        assert abs(r.y_t - Y_T) > 3 * r.y_t_error  # not near 1: 3 sigma (6 and 4 measured)
        assert abs(r.y_h - Y_H) > 5 * r.y_h_error  # not 15/8: 5 sigma (12 and 11 measured)
    assert out[1].result.y_t < 0  # the second layer's thermal direction is irrelevant


def _weights_network(rng: np.random.Generator) -> DeepBeliefNetwork:
    """256 -> 50 -> 16 units: the first layer does not tile a 16x16 lattice."""
    return DeepBeliefNetwork.from_weights([0.1 * rng.standard_normal((50, 256)), 0.1 * rng.standard_normal((16, 50))])


def test_unplaceable_layers_say_why(rng):
    s = rng.choice(np.array([-1, 1], dtype=np.int8), size=(40, 16, 16))
    out = layer_mcrg(_weights_network(rng), s, random_state=0, require_ordered=False, n_blocks=10)
    assert [r.cause for r in out] == ["not_tiling", "below_unplaced"]
    assert "50 units do not tile" in out[0].reason and out[0].rms_displacement is None
    assert "layer 1 below has no lattice" in out[1].reason
    small = layer_mcrg(block_stack(16, n_layers=3), s, random_state=0, couplings=(), n_blocks=10)
    assert isinstance(small[1], LayerMCRG) and small[2].cause == "too_small" and "2x2" in small[2].reason


def test_round_trip_and_bad_input(critical_32):
    (layer,) = layer_mcrg(block_stack(32, n_layers=1), critical_32[:200], random_state=0, n_blocks=10)
    data = json.loads(json.dumps(layer.to_dict()))
    assert data["states"] == "sampled" and data["result"]["level"] == 1 and data["couplings"]["operators"][0] == "nn"
    with pytest.raises(InvalidParameterError, match="fitted DeepBeliefNetwork"):
        layer_mcrg(DeepBeliefNetwork(), critical_32)
    with pytest.raises(InvalidParameterError, match="visible units"):
        layer_mcrg(block_stack(16, n_layers=1), critical_32)


def test_seeded_and_reproducible(critical_32):
    net = block_stack(32, n_layers=2)
    a = layer_mcrg(net, critical_32[:300], random_state=5, n_blocks=10)
    b = layer_mcrg(net, critical_32[:300], random_state=5, n_blocks=10)
    assert [x.to_dict() for x in a] == [x.to_dict() for x in b]


@pytest.mark.slow
def test_block_stack_reproduces_block_spin_rg_large():
    """L = 64, 4000 Wolff samples, levels 1-3 (errors ~0.013 in y_t, ~0.001 in y_h)."""
    _check_reproduces(_wolff(64, 4000, seed=64), 3, seed=2)


@pytest.mark.slow
@pytest.mark.parametrize("K", [0.35, K_C])
def test_couplings_recovered_at_known_k_large(K):
    """L = 64, 1000 Wolff samples: the pseudo-likelihood nn coupling is K within 4 jackknife errors."""
    (fit,) = block_spin_couplings(_wolff(64, 1000, seed=7, K=K), levels=0)
    assert abs(fit.coupling("nn")[0] - K) < 4 * fit.coupling("nn")[1]  # consistent estimator, 4 sigma
