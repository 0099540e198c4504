"""Mehta & Schwab's exact 1D decimation RBM and the trace condition, checked by enumeration."""

import math
from decimal import Decimal, localcontext

import numpy as np
import pytest
from scipy.special import logsumexp

from deeprg.errors import InvalidParameterError
from deeprg.ising import IsingModel, WolffSampler
from deeprg.ising.exact import chain_log_partition_function, decimated_coupling, enumerate_states
from deeprg.rbm import BernoulliRBM
from deeprg.rbm.functional import free_energy, log_partition_function
from deeprg.rg.exact.coarse1d import CoarseGrainedChain, coarse_grained_couplings
from deeprg.rg.exact.exact1d import DecimationRBM, decimation_flow, decimation_rbm
from deeprg.rg.exact.trace import (
    MAX_ENUMERATION_SPINS,
    bernoulli_to_spin,
    coarse_grained_hamiltonian,
    rbm_trace_distance,
    spin_product_expansion,
    spin_states,
    spin_to_bernoulli,
    trace_condition_violation,
)

COUPLINGS = (0.1, 0.5, 1.0, 2.0)


def bits_form(W, b, c, const, x, y):
    """y W x + b x + c y + const for every pair of rows of x and y (bits)."""
    return x @ W.T @ y.T + (x @ b)[:, None] + (y @ c)[None, :] + const


# ---------------------------------------------------------------------- tanh K' = tanh^2 K
@pytest.mark.parametrize("n_visible", [8, 12])
@pytest.mark.parametrize("K", COUPLINGS)
def test_marginalising_visible_spins_gives_decimated_chain(n_visible, K):
    result = coarse_grained_couplings(decimation_rbm(n_visible, K))
    exact = math.atanh(math.tanh(K) ** 2)
    assert isinstance(result, CoarseGrainedChain)
    assert abs(result.coupling - exact) < 1e-12
    assert result.error < 1e-12
    assert abs(math.tanh(result.coupling) - math.tanh(K) ** 2) < 1e-12
    np.testing.assert_allclose(result.bond_couplings, exact, rtol=0, atol=1e-12)
    # nothing but a constant and nearest-neighbour bonds: no fields, no longer-range or multi-spin terms
    assert result.residual < 1e-12
    # the constant: Z_N(K) = e^{N g / 2} Z_{N/2}(K') with g = ln 2 + K'
    assert result.constant == pytest.approx(-n_visible / 2 * (math.log(2) + exact), rel=1e-13)
    assert result.hamiltonian.shape == (2 ** (n_visible // 2),)


def test_ring_of_two_kept_spins_counts_both_bonds():
    # n_visible = 4: the kept ring of 2 has two bonds between the same pair (numpy.roll convention)
    result = coarse_grained_couplings(decimation_rbm(4, 0.8))
    assert result.expansion[0b11] == pytest.approx(-2 * decimated_coupling(0.8), rel=1e-13)
    assert result.error < 1e-12 and result.residual < 1e-12


# ---------------------------------------------------------------------- the trace condition
@pytest.mark.parametrize("K_h", [math.inf, 0.0, 0.3, 2.0, 25.0])
def test_trace_condition_holds_exactly(K_h):
    rbm = decimation_rbm(8, 1.0, K_h=K_h)
    assert trace_condition_violation(rbm) < 1e-12
    assert trace_condition_violation(rbm.operator, 8, 4) < 1e-12
    if not rbm.exact:
        assert trace_condition_violation(rbm.to_bernoulli()) < 1e-12
        # so the partition function is preserved exactly, whatever the tie strength
        H_prime = coarse_grained_hamiltonian(rbm, rbm.hamiltonian)
        assert logsumexp(-H_prime) == pytest.approx(chain_log_partition_function(8, 1.0), rel=1e-14)


def test_trace_condition_is_violated_when_perturbed():
    rbm = decimation_rbm(8, 1.0, K_h=2.0)

    def with_hidden_field(v, h):
        return rbm.operator(v, h) + 0.05 * h.sum(axis=1)[None, :]

    assert trace_condition_violation(with_hidden_field, 8, 4) > 1e-3
    W, b, c, const = rbm.to_bernoulli()
    W = W.copy()
    W[0, 1] += 0.1  # couples hidden spin 0 to a decimated site
    assert trace_condition_violation((W, b, c, const)) > 1e-3
    assert trace_condition_violation((W, b, c, const + 0.01)) > 1e-3
    exact = decimation_rbm(6, 1.0)
    assert trace_condition_violation(lambda v, h: exact.operator(v, h) - 0.2, 6, 3) == pytest.approx(0.2)


def test_soft_tie_is_exact_rg_but_not_nearest_neighbour():
    # finite K_h: Z is preserved, but H' has longer-range terms that vanish only as K_h -> inf
    residuals = [coarse_grained_couplings(decimation_rbm(8, 1.0, K_h=k)).residual for k in (1.0, 3.0, 6.0, 12.0)]
    assert residuals[0] > 1e-2
    assert all(a > b for a, b in zip(residuals[:-1], residuals[1:], strict=True))
    assert residuals[-1] < 1e-8
    assert coarse_grained_couplings(decimation_rbm(8, 1.0, K_h=40.0)).error < 1e-12


# ---------------------------------------------------------------------- {0, 1} parametrization
def test_bernoulli_conversion_of_the_operator_by_enumeration():
    rbm = decimation_rbm(6, 0.7, K_h=1.3)
    v, h = spin_states(6), spin_states(3)
    x, y = (v > 0).astype(float), (h > 0).astype(float)
    W, b, c, const = rbm.to_bernoulli()
    np.testing.assert_allclose(bits_form(W, b, c, const, x, y), rbm.operator(v, h), rtol=0, atol=1e-12)
    # the documented closed form
    np.testing.assert_allclose(W[np.arange(3), [0, 2, 4]], 4 * 1.3)
    assert np.count_nonzero(W) == 3
    np.testing.assert_allclose(b, [-2.6, 0, -2.6, 0, -2.6, 0])
    np.testing.assert_allclose(c, -2.6)
    assert const == pytest.approx(3 * (1.3 - math.log(2 * math.cosh(1.3))))
    # trace condition <=> the RBM's free energy equals const for every visible configuration
    np.testing.assert_allclose(free_energy(x, W, b, c), const, rtol=0, atol=1e-12)


def test_spin_bernoulli_round_trip_on_random_parameters(rng):
    Ws, bs, cs = rng.normal(size=(3, 5)), rng.normal(size=5), rng.normal(size=3)
    W, b, c, const = spin_to_bernoulli(Ws, bs, cs, 0.4)
    v, h = spin_states(5).astype(float), spin_states(3).astype(float)
    spin_values = v @ Ws.T @ h.T + (v @ bs)[:, None] + (h @ cs)[None, :] + 0.4
    np.testing.assert_allclose(bits_form(W, b, c, const, (v > 0) * 1.0, (h > 0) * 1.0), spin_values, atol=1e-12)
    back = bernoulli_to_spin(W, b, c, const)
    for got, want in zip(back, (Ws, bs, cs, 0.4), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-13)


@pytest.mark.parametrize("n_visible", [2, 4, 8])
def test_exact_finite_rbm_is_the_chain(n_visible):
    K = 0.9
    rbm = decimation_rbm(n_visible, K)
    W, b, c, const = rbm.exact_rbm()
    m = n_visible // 2
    sigma, kept = spin_states(m), spin_states(m)
    # every (decimated, kept) pair assembles one ring configuration; the RBM's log-weight is -H[v]
    v = np.empty((2**m, 2**m, n_visible), dtype=np.int8)
    v[:, :, 1::2] = sigma[:, None, :]
    v[:, :, 0::2] = kept[None, :, :]
    minus_H = -rbm.hamiltonian(v.reshape(-1, n_visible)).reshape(2**m, 2**m)
    np.testing.assert_allclose(bits_form(W, b, c, const, (sigma > 0) * 1.0, (kept > 0) * 1.0), minus_H, atol=1e-12)
    assert log_partition_function(W, b, c) + const == pytest.approx(
        chain_log_partition_function(n_visible, K), rel=1e-13
    )
    if m >= 2:
        # its hidden marginal is the decimated ring, the same H' as marginalising the operator
        hidden_free_energy = free_energy((kept > 0) * 1.0, W.T, c, b) - const
        np.testing.assert_allclose(hidden_free_energy, coarse_grained_couplings(rbm).hamiltonian, atol=1e-12)


# ---------------------------------------------------------------------- the flow
def flow_reference(K, n):
    """artanh(tanh(K) ** (2 ** n)) with 300 significant digits."""
    with localcontext() as ctx:
        ctx.prec = 300
        e = Decimal(-2 * K).exp()
        x = ((1 - e) / (1 + e)) ** (2**n)
        return float(((1 + x) / (1 - x)).ln() / 2)


@pytest.mark.parametrize("K", [1e-6, 0.05, 0.5, 1.0, 3.0, 8.0, 14.0, 30.0])
def test_flow_runs_to_the_disordered_fixed_point(K):
    flow = decimation_flow(K, 120)  # K' ~ K - ln(2)/2 while K >> 1, K' ~ K^2 once K << 1
    assert flow.shape == (121,) and flow[0] == K
    assert np.all(np.diff(flow[flow > 0]) < 0)
    assert flow[-1] < 1e-12
    # the closed form tanh K^(n) = (tanh K)^(2^n). Iterating accumulates rounding errors: about an
    # ulp of K per step while K' ~ K - ln(2)/2 (K > 1), then doubling per step once K' ~ K^2
    for n in range(0, 121, 3):
        reference = flow_reference(K, n)
        if reference > 1e-290:
            large, squaring = int(np.sum(flow[:n] >= 1.0)), int(np.sum(flow[:n] < 1.0))
            tolerance = max(1e-14, (1 + large * K) * 2.0**squaring * 4e-16)
            assert flow[n] == pytest.approx(reference, rel=tolerance, abs=0), n
    # the same as deeprg.ising.exact.decimated_coupling where that is accurate
    if 0.05 <= K <= 3:
        assert flow[1] == pytest.approx(decimated_coupling(K), rel=1e-13)


@pytest.mark.parametrize(("n_visible", "n_steps"), [(8, 2), (12, 2)])
def test_stacked_exact_layers_follow_the_flow(n_visible, n_steps):
    K = 1.2
    flow = decimation_flow(K, n_steps)
    hamiltonian = None
    size = n_visible
    for step in range(n_steps):
        # each layer marginalises the previous layer's exact tabulated H', without refitting in between
        result = coarse_grained_couplings(decimation_rbm(size, flow[step]), hamiltonian=hamiltonian)
        assert abs(result.coupling - flow[step + 1]) < 1e-12
        assert result.residual < 1e-12
        hamiltonian, size = result.hamiltonian, size // 2


# ---------------------------------------------------------------------- spin-product expansion
def test_spin_product_expansion_recovers_couplings_and_inverts(rng):
    s = spin_states(4).astype(float)
    f = 1.5 - 0.3 * s[:, 1] + 0.7 * s[:, 0] * s[:, 3] - 0.2 * s[:, 0] * s[:, 1] * s[:, 2]
    J = spin_product_expansion(f)
    expected = np.zeros(16)
    expected[[0, 0b10, 0b1001, 0b111]] = [1.5, -0.3, 0.7, -0.2]
    np.testing.assert_allclose(J, expected, atol=1e-14)
    g = rng.normal(size=32)
    J = spin_product_expansion(g)
    states = spin_states(5)
    basis = np.array([[np.prod(row[[i for i in range(5) if S >> i & 1]]) for S in range(32)] for row in states])
    np.testing.assert_allclose(basis @ J, g, atol=1e-13)


def test_spin_states_follow_enumeration_order():
    np.testing.assert_array_equal(spin_states(9), enumerate_states(3).reshape(512, 9))


# ---------------------------------------------------------------------- a trained 2D RBM
def bond_rbm(L, beta):
    """An RBM whose visible marginal is exactly the Ising torus: one hidden spin per bond.

    sum_{sigma=+-1} exp(a sigma (s_i + s_j)) = 2 cosh(a (s_i + s_j)) is proportional to exp(beta s_i s_j)
    when cosh(2a) = exp(2 beta).
    """
    index = np.arange(L * L).reshape(L, L)
    bonds = [(index[i, j], np.roll(index, -1, axis=axis)[i, j]) for axis in (0, 1) for i in range(L) for j in range(L)]
    a = 0.5 * np.arccosh(np.exp(2 * beta))
    W = np.zeros((len(bonds), L * L))
    for k, (i, j) in enumerate(bonds):
        W[k, i] += a
        W[k, j] += a
    W, b, c, _ = spin_to_bernoulli(W, np.zeros(L * L), np.zeros(len(bonds)))
    return W, b, c


@pytest.mark.parametrize(("L", "beta"), [(4, 0.3), (4, 0.44), (3, 0.6), (2, 0.2)])
def test_trace_distance_vanishes_for_an_exact_rbm(L, beta):
    d = rbm_trace_distance(bond_rbm(L, beta), beta)
    assert d.kl_divergence < 1e-12 and d.total_variation < 1e-12
    assert d.mean_log_trace < 1e-12 and d.max_log_trace < 1e-12


def test_trace_distance_vanishes_for_independent_spins():
    d = rbm_trace_distance((np.zeros((4, 16)), np.zeros(16), np.array([0.3, -1.0, 2.0, 0.0])), beta=0.0)
    assert max(d.kl_divergence, d.total_variation, d.mean_log_trace, d.max_log_trace) < 1e-14
    # the same RBM is far from a correlated torus
    assert rbm_trace_distance((np.zeros((4, 16)), np.zeros(16), np.zeros(4)), beta=0.4).kl_divergence > 1.0


def test_trace_distance_decreases_with_training():
    beta = 0.4
    X = WolffSampler(IsingModel(4), beta, random_state=0).sample(5000).as_binary(np.float64)
    distances = [
        rbm_trace_distance(BernoulliRBM(4, n_iter=n_iter, random_state=0, dtype="float64").fit(X), beta)
        for n_iter in (0, 3, 30)
    ]
    for name in ("kl_divergence", "total_variation", "mean_log_trace"):
        values = [getattr(d, name) for d in distances]
        assert values[0] > values[1] > values[2], (name, values)
    assert distances[-1].kl_divergence < 0.25 * distances[0].kl_divergence
    # the float32 default is accepted too
    assert rbm_trace_distance(BernoulliRBM(4, n_iter=1, random_state=0).fit(X), beta).kl_divergence > 0


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("n_visible", [3, 7, 1, 0, 4.0, True])
def test_odd_or_invalid_ring_length_is_refused(n_visible):
    with pytest.raises(InvalidParameterError, match="n_visible"):
        decimation_rbm(n_visible, 1.0)


@pytest.mark.parametrize("K", [0.0, -0.5, math.inf, math.nan, True, "1"])
def test_non_positive_or_invalid_coupling_is_refused(K):
    with pytest.raises(InvalidParameterError, match="K"):
        decimation_rbm(8, K)
    with pytest.raises(InvalidParameterError, match="K"):
        decimation_flow(K, 3)


@pytest.mark.parametrize("K_h", [-1.0, math.nan, "strong"])
def test_invalid_tie_is_refused(K_h):
    with pytest.raises(InvalidParameterError, match="K_h"):
        decimation_rbm(8, 1.0, K_h=K_h)


def test_too_large_for_enumeration():
    rbm = decimation_rbm(16, 1.0)  # 16 + 8 = 24 spins
    with pytest.raises(InvalidParameterError, match="MAX_ENUMERATION_SPINS"):
        coarse_grained_couplings(rbm)
    with pytest.raises(InvalidParameterError, match="MAX_ENUMERATION_SPINS"):
        trace_condition_violation(rbm)
    with pytest.raises(InvalidParameterError, match="MAX_ENUMERATION_SPINS"):
        trace_condition_violation(
            (np.zeros((2, MAX_ENUMERATION_SPINS + 1)), np.zeros(MAX_ENUMERATION_SPINS + 1), np.zeros(2))
        )


def test_other_errors_teach():
    with pytest.raises(InvalidParameterError, match=">= 4"):
        coarse_grained_couplings(decimation_rbm(2, 1.0))
    with pytest.raises(InvalidParameterError, match="exact_rbm"):
        decimation_rbm(8, 1.0).to_bernoulli()
    with pytest.raises(InvalidParameterError, match="required"):
        trace_condition_violation(lambda v, h: np.zeros((len(v), len(h))))
    with pytest.raises(InvalidParameterError, match="shape"):
        trace_condition_violation(lambda v, h: np.zeros(len(v)), 2, 2)
    with pytest.raises(InvalidParameterError, match="does not match"):
        trace_condition_violation(decimation_rbm(8, 1.0), n_visible=6)
    with pytest.raises(InvalidParameterError, match="2\\*\\*n_visible"):
        coarse_grained_couplings(decimation_rbm(8, 1.0), hamiltonian=np.zeros(10))
    with pytest.raises(InvalidParameterError, match="spins"):
        decimation_rbm(4, 1.0).operator(np.ones((1, 4)) * 0, np.ones((1, 2)))
    with pytest.raises(InvalidParameterError, match="DecimationRBM"):
        coarse_grained_couplings((8, 1.0))
    with pytest.raises(InvalidParameterError, match="L \\* L"):
        rbm_trace_distance((np.zeros((2, 5)), np.zeros(5), np.zeros(2)), 0.4)
    with pytest.raises(InvalidParameterError, match="not fitted"):
        rbm_trace_distance(BernoulliRBM(2), 0.4)
    with pytest.raises(InvalidParameterError, match="did you swap b and c"):
        rbm_trace_distance((np.zeros((2, 4)), np.zeros(2), np.zeros(4)), 0.4)
    with pytest.raises(InvalidParameterError, match="W must be a 2-D array"):
        spin_to_bernoulli(np.zeros(4), np.zeros(4), np.zeros(1))
    with pytest.raises(InvalidParameterError, match="real numeric array"):
        spin_to_bernoulli(np.zeros((1, 4)), np.array(["a"] * 4), np.zeros(1))
    with pytest.raises(InvalidParameterError, match="length 2\\*\\*n"):
        spin_product_expansion(np.zeros(6))
    with pytest.raises(InvalidParameterError, match="n_steps"):
        decimation_flow(1.0, -1)
    assert isinstance(decimation_rbm(6, 1), DecimationRBM) and decimation_rbm(6, 1).K == 1.0
