"""The fused CD step (deeprg.rbm._cd_kernels) gives the bits of the NumPy reference with the same random draws."""

from __future__ import annotations

import numpy as np
import pytest

from deeprg.rbm import BernoulliRBM
from deeprg.rbm import functional as F
from deeprg.rbm._cd_kernels import CDWorkspace

SETTINGS = [
    {},
    {"l1": 2e-3},
    {"l2": 1e-3},
    {"l1": 2e-3, "penalty_method": "proximal"},
    {"l1": 5e-2, "l2": 1e-3, "penalty_method": "proximal"},
    {"persistent": True},
    {"cd_k": 3},
    {"cd_k": 2, "persistent": True, "l1": 1e-3},
    {"dtype": "float64", "l1": 1e-3},
    {"shuffle": False},
]


def _data(kind: str) -> np.ndarray:
    rng = np.random.default_rng(0)
    if kind == "bits":
        return (rng.random((230, 24)) < 0.4).astype(np.float32)
    return rng.random((230, 24)).astype(np.float32)  # probabilities: the input of upper DBN layers


def _trained(fused: bool, X: np.ndarray, settings: dict) -> BernoulliRBM:
    rbm = BernoulliRBM(8, n_iter=1, batch_size=50, random_state=3, **settings)  # 230 rows: a short last batch
    rbm.partial_fit(X[:7])
    for _ in range(6):  # through the momentum switch
        rbm._sweep(rbm._validate_X(X, reset=False), rbm._current_momentum(), fused=fused)
        rbm.epoch_ += 1
    return rbm


@pytest.mark.parametrize("kind", ["bits", "probabilities"])
@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "cd1")
def test_fused_training_is_bit_for_bit_the_numpy_reference(settings, kind):
    X = _data(kind)
    fused, reference = _trained(True, X, settings), _trained(False, X, settings)
    for a, b in zip((*fused._params, *fused._velocity), (*reference._params, *reference._velocity), strict=True):
        np.testing.assert_array_equal(a, b)
    assert fused._rng.bit_generator.state == reference._rng.bit_generator.state  # the same draws, no more
    if settings.get("persistent"):
        np.testing.assert_array_equal(fused._chain, reference._chain)


def test_one_cd1_step_equals_cd_statistics_with_the_same_draws():
    """One step from given parameters: the statistics of F.cd_statistics, then the momentum update (float tolerance)."""
    rng = np.random.default_rng(5)
    X = (rng.random((40, 12)) < 0.5).astype(np.float32)
    W = (0.3 * rng.standard_normal((6, 12))).astype(np.float32)
    b, c = (0.1 * rng.standard_normal(12)).astype(np.float32), (0.1 * rng.standard_normal(6)).astype(np.float32)
    velocity = [(0.01 * rng.standard_normal(p.shape)).astype(np.float32) for p in (W, b, c)]
    rows = np.arange(3, 33)
    lr, mu = 0.1, 0.5
    dW, db, dc, _ = F.cd_statistics(X[rows], W, b, c, np.random.default_rng(9))
    expected = []
    for p, v, g in zip((W, b, c), velocity, (dW, db, dc), strict=True):
        v_new = mu * v.astype(np.float64) + lr * g
        expected.append((p + v_new, v_new))
    params, vel = [p.copy() for p in (W, b, c)], [v.copy() for v in velocity]
    CDWorkspace(12, 6, 30, None, np.float32).step(X, rows, *params, vel, np.random.default_rng(9), k=1, chain=None,
                                                 lr=lr, mu=mu, l1=0.0, l2=0.0, proximal=False)
    for (p_exp, v_exp), p, v in zip(expected, params, vel, strict=True):
        np.testing.assert_allclose(v, v_exp, rtol=1e-5, atol=1e-7)  # float32 rounding of the same sums
        np.testing.assert_allclose(p, p_exp, rtol=1e-5, atol=1e-7)


def test_fit_uses_the_fused_path_and_keeps_the_seeded_result():
    X = _data("bits")
    a = BernoulliRBM(8, n_iter=3, batch_size=50, random_state=1, l1=1e-3).fit(X)
    b = BernoulliRBM(8, n_iter=1, batch_size=50, random_state=1, l1=1e-3)
    b.partial_fit(X[:1])  # initialise exactly as fit does, then the reference sweeps
    b._initialize(X.shape[1])
    for _ in range(3):
        b._sweep(X, b._current_momentum(), fused=False)
        b.epoch_ += 1
    np.testing.assert_array_equal(a.components_, b.components_)


@pytest.mark.parametrize("settings", [{}, {"l1": 2e-4}, {"persistent": True}], ids=["cd1", "l1", "pcd"])
def test_fused_training_is_bit_for_bit_at_blocked_sizes(settings):
    """Sizes at which BLAS runs its blocked kernels on several threads (the toy sizes above do not):
    the transposed hidden product W v^T still gives the reference's bits."""
    rng = np.random.default_rng(4)
    X = (rng.random((600, 700)) < 0.45).astype(np.float32)
    rbms = []
    for fused in (True, False):
        rbm = BernoulliRBM(160, n_iter=1, batch_size=100, random_state=2, **settings)
        rbm.partial_fit(X[:100])
        rbm._sweep(rbm._validate_X(X, reset=False), rbm._current_momentum(), fused=fused)
        rbms.append(rbm)
    for a, b in zip((*rbms[0]._params, *rbms[0]._velocity), (*rbms[1]._params, *rbms[1]._velocity), strict=True):
        np.testing.assert_array_equal(a, b)
