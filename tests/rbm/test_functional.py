"""Exactness tests of deeprg.rbm.functional: energies, conditionals, sampling, enumeration, errors.

Reference values come from brute force over every joint state (v, h) of tiny models, written
here independently of the library code. Seeds are explicit; tolerances are explained beside each
assert.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit, logsumexp

import deeprg.rbm.functional as F
from deeprg.errors import DeepRGError, InvalidParameterError
from deeprg.rbm.functional import _exact

# float64 brute force vs enumeration: both are sums of <= 2^9 terms of size O(10); the only
# differences are rounding, a few ulp of the result.
RTOL64 = 1e-12


def all_states(n: int) -> np.ndarray:
    """Every binary vector of length n, shape (2^n, n), float64."""
    k = np.arange(2**n)
    return ((k[:, None] >> np.arange(n)) & 1).astype(np.float64)


def brute_joint(W, b, c):
    """All visible states V, hidden states H and the matrix -E(V[a], H[h]) (shape (2^nv, 2^nh))."""
    n_hidden, n_visible = W.shape
    V, H = all_states(n_visible), all_states(n_hidden)
    neg_e = (V @ b)[:, None] + (H @ c)[None, :] + (V @ W.T) @ H.T
    return V, H, neg_e


def random_model(seed: int, n_hidden: int, n_visible: int, scale: float = 1.0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    W = scale * rng.standard_normal((n_hidden, n_visible))
    b = scale * rng.standard_normal(n_visible)
    c = scale * rng.standard_normal(n_hidden)
    return W.astype(dtype), b.astype(dtype), c.astype(dtype)


def random_bits(seed: int, n: int, n_visible: int, dtype=np.float64) -> np.ndarray:
    return (np.random.default_rng(seed).random((n, n_visible)) < 0.5).astype(dtype)


# --- elementwise functions -------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softplus_and_sigmoid_are_stable_and_match_references(dtype):
    x = np.concatenate([np.linspace(-1000, 1000, 2001), [-1e30, 1e30, 0.0]]).astype(dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        sp = F.softplus(x)
        sg = F.sigmoid(x)
    assert sp.dtype == dtype and sg.dtype == dtype
    # Same stable formula as np.logaddexp(0, x); a few ulp of difference from the order of operations.
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(sp, np.logaddexp(dtype(0), x), rtol=rtol, atol=0)
    np.testing.assert_array_equal(sg, expit(x))
    assert np.all(sp >= 0) and np.all((sg >= 0) & (sg <= 1))
    assert F.softplus([0.0])[0] == np.log(2.0)  # exact at 0 (log1p(1) is correctly rounded)
    assert F.softplus(np.array([3], dtype=np.int64)).dtype == np.float64  # ints compute in float64


# --- energy and free energy ------------------------------------------------------------------


def test_energy_matches_the_definition():
    W, b, c = random_model(1, 4, 5)
    v = random_bits(2, 7, 5)
    h = random_bits(3, 7, 4)
    expected = [
        -(vs @ b) - (hs @ c) - sum(hs[j] * W[j, i] * vs[i] for j in range(4) for i in range(5))
        for vs, hs in zip(v, h, strict=True)
    ]
    np.testing.assert_allclose(F.energy(v, h, W, b, c), expected, rtol=RTOL64)


@pytest.mark.parametrize(("n_hidden", "n_visible"), [(4, 5), (5, 3)])
def test_free_energy_equals_minus_log_sum_over_hidden(n_hidden, n_visible):
    W, b, c = random_model(4, n_hidden, n_visible, scale=2.0)
    V, _, neg_e = brute_joint(W, b, c)
    np.testing.assert_allclose(F.free_energy(V, W, b, c), -logsumexp(neg_e, axis=1), rtol=RTOL64)


# --- exact enumeration -----------------------------------------------------------------------


@pytest.mark.parametrize(("n_hidden", "n_visible"), [(4, 5), (5, 4), (3, 3), (1, 6), (6, 1)])
def test_log_partition_function_matches_brute_force(n_hidden, n_visible):
    W, b, c = random_model(5, n_hidden, n_visible, scale=1.5)
    _, _, neg_e = brute_joint(W, b, c)
    log_z = F.log_partition_function(W, b, c)
    assert isinstance(log_z, float)
    np.testing.assert_allclose(log_z, logsumexp(neg_e), rtol=RTOL64)


def test_enumerating_visible_or_hidden_layer_gives_the_same_log_z():
    # (W, b, c) with 4 hidden < 6 visible enumerates the hidden layer; the same model with the layers
    # swapped, (W.T, c, b), has 6 hidden > 4 visible and enumerates its visible layer: the same units.
    W, b, c = random_model(6, 4, 6, scale=1.5)
    np.testing.assert_allclose(F.log_partition_function(W, b, c), F.log_partition_function(W.T, c, b), rtol=RTOL64)
    EW, Eb, Ec = F.model_expectations(W, b, c)
    EWt, Ebt, Ect = F.model_expectations(W.T, c, b)
    np.testing.assert_allclose(EW, EWt.T, rtol=1e-12, atol=1e-15)  # sums of 2^4 probabilities: rounding only
    np.testing.assert_allclose(Eb, Ect, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(Ec, Ebt, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("n_hidden", "n_visible"), [(4, 5), (5, 4)])
def test_probabilities_sum_to_one(n_hidden, n_visible):
    W, b, c = random_model(7, n_hidden, n_visible, scale=1.0)
    V = all_states(n_visible)
    log_p = -F.free_energy(V, W, b, c) - F.log_partition_function(W, b, c)
    assert np.exp(log_p).sum() == pytest.approx(1.0, rel=1e-12)  # 2^n terms, rounding only
    # log_likelihood of every state, weighted by its probability, is the negative entropy.
    assert F.log_likelihood(V, W, b, c) == pytest.approx(log_p.mean(), rel=1e-12)


@pytest.mark.parametrize(("n_hidden", "n_visible"), [(4, 5), (5, 4)])
def test_model_expectations_match_brute_force(n_hidden, n_visible):
    W, b, c = random_model(8, n_hidden, n_visible, scale=1.5)
    V, H, neg_e = brute_joint(W, b, c)
    P = np.exp(neg_e - logsumexp(neg_e))
    EW, Eb, Ec = F.model_expectations(W, b, c)
    assert EW.shape == (n_hidden, n_visible) and Eb.shape == (n_visible,) and Ec.shape == (n_hidden,)
    assert EW.dtype == Eb.dtype == Ec.dtype == np.float64
    np.testing.assert_allclose(EW, H.T @ P.T @ V, rtol=1e-12, atol=1e-15)  # rounding only
    np.testing.assert_allclose(Eb, P.sum(axis=1) @ V, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(Ec, P.sum(axis=0) @ H, rtol=1e-12, atol=1e-15)


def test_chunked_enumeration_rescales_correctly(monkeypatch):
    # Tiny chunks (3 states) with biases that make later chunks dominate, so the running maximum is
    # raised many times: the streamed result must equal the one-chunk result to rounding.
    W, b, c = random_model(9, 6, 7, scale=1.0)
    c = c + 3.0 * np.arange(6)  # high-index hidden states (later chunks) get much larger weights
    log_z, moments = F.log_partition_function(W, b, c), F.model_expectations(W, b, c)
    monkeypatch.setattr(_exact, "_MAX_CHUNK_STATES", 3)
    np.testing.assert_allclose(F.log_partition_function(W, b, c), log_z, rtol=1e-13)
    for got, want in zip(F.model_expectations(W, b, c), moments, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_enumeration_runs_in_float64_for_float32_models():
    W, b, c = random_model(10, 4, 5)
    exact = F.log_partition_function(W, b, c)
    W32, b32, c32 = (a.astype(np.float32) for a in (W, b, c))
    # Only the float32 rounding of the parameters (relative 6e-8, |dlogZ/dtheta| = O(1)) separates them.
    assert F.log_partition_function(W32, b32, c32) == pytest.approx(exact, rel=1e-6)
    assert all(m.dtype == np.float64 for m in F.model_expectations(W32, b32, c32))


def test_log_likelihood_matches_brute_force_and_accepts_known_log_z():
    W, b, c = random_model(11, 3, 5, scale=1.5)
    V, _, neg_e = brute_joint(W, b, c)
    log_p = logsumexp(neg_e, axis=1) - logsumexp(neg_e)
    data = V[[0, 3, 3, 17, 31]]
    expected = log_p[[0, 3, 3, 17, 31]].mean()
    assert F.log_likelihood(data, W, b, c) == pytest.approx(expected, rel=1e-12)
    log_z = F.log_partition_function(W, b, c)
    assert F.log_likelihood(data, W, b, c, log_z=log_z) == pytest.approx(expected, rel=1e-12)
    assert F.log_likelihood(data, W, b, c, log_z=log_z + 1.0) == pytest.approx(expected - 1.0, rel=1e-12)


def test_log_likelihood_gradient_matches_central_finite_differences():
    W, b, c = random_model(12, 4, 5, scale=1.0)
    data = random_bits(13, 11, 5)
    dW, db, dc = F.log_likelihood_gradient(data, W, b, c)
    eps = 1e-5
    for param, grad in ((W, dW), (b, db), (c, dc)):
        numeric = np.empty_like(param)
        for idx in np.ndindex(param.shape):
            saved = param[idx]
            param[idx] = saved + eps
            up = F.log_likelihood(data, W, b, c)
            param[idx] = saved - eps
            down = F.log_likelihood(data, W, b, c)
            param[idx] = saved
            numeric[idx] = (up - down) / (2 * eps)
        # Central differences: truncation eps^2 * L''' / 6 ~ 1e-11 and rounding 1e-16 * |L| / eps ~ 1e-10,
        # so rtol 1e-6 (with atol 1e-8 for entries near zero) is a strict test of the formula.
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def test_gradient_vanishes_when_data_is_the_model_distribution():
    # Feeding every visible state weighted by its model probability makes data term == model term.
    W, b, c = random_model(14, 3, 4)
    V = all_states(4)
    p = np.exp(-F.free_energy(V, W, b, c) - F.log_partition_function(W, b, c))
    counts = np.round(p * 1e5).astype(int)
    data = np.repeat(V, counts, axis=0)
    dW, db, dc = F.log_likelihood_gradient(data, W, b, c)
    # The rounding of counts to integers perturbs each probability by <= 0.5 / 1e5 (16 states).
    for g in (dW, db, dc):
        np.testing.assert_allclose(g, 0.0, atol=16 * 0.5e-5)


@settings(max_examples=25, deadline=None)
@given(
    n_hidden=st.integers(1, 4), n_visible=st.integers(1, 4), seed=st.integers(0, 2**32 - 1), scale=st.floats(0.0, 4.0)
)
def test_log_z_property_small_shapes(n_hidden, n_visible, seed, scale):
    W, b, c = random_model(seed, n_hidden, n_visible, scale=scale)
    _, _, neg_e = brute_joint(W, b, c)
    np.testing.assert_allclose(F.log_partition_function(W, b, c), logsumexp(neg_e), rtol=1e-12)


def test_too_large_enumeration_is_refused_with_advice():
    assert F.MAX_ENUMERATION_UNITS == 24
    W, b, c = np.zeros((25, 30)), np.zeros(30), np.zeros(25)
    for func in (F.log_partition_function, F.model_expectations):
        with pytest.raises(InvalidParameterError, match=r"2\^min\(n_visible, n_hidden\).*pseudo_log_likelihood"):
            func(W, b, c)
    with pytest.raises(InvalidParameterError, match="pseudo_log_likelihood"):
        F.log_likelihood(np.zeros((1, 30)), W, b, c)
    # A large model whose smaller layer is small enough is fine (1 hidden unit, 2 states).
    assert F.log_partition_function(np.zeros((1, 3000)), np.zeros(3000), np.zeros(1)) == pytest.approx(
        3001 * np.log(2.0), rel=1e-12
    )


# --- conditionals, sampling and Gibbs steps ----------------------------------------------------


def test_conditional_probabilities_match_brute_force():
    W, b, c = random_model(15, 3, 4, scale=1.5)
    V, H, neg_e = brute_joint(W, b, c)
    P = np.exp(neg_e - logsumexp(neg_e))
    # P(h_j = 1 | v) = sum_h P(v, h) h_j / P(v)
    np.testing.assert_allclose(F.hidden_probabilities(V, W, c), (P @ H) / P.sum(1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(F.visible_probabilities(H, W, b), (P.T @ V) / P.sum(0)[:, None], rtol=1e-12)


def test_sample_bernoulli_frequencies_and_dtype():
    rng = np.random.default_rng(16)
    p = np.array([0.0, 0.3, 1.0], dtype=np.float32)
    x = F.sample_bernoulli(np.broadcast_to(p, (200_000, 3)), rng)
    assert x.dtype == np.float32 and set(np.unique(x)) <= {0.0, 1.0}
    assert x[:, 0].max() == 0 and x[:, 2].min() == 1
    # Standard error of the mean of 2e5 Bernoulli(0.3) draws is sqrt(0.21 / 2e5) = 1.0e-3: allow 5 SE.
    assert abs(x[:, 1].mean() - 0.3) < 5 * 1.03e-3
    assert F.sample_bernoulli([[0.5]], np.random.default_rng(0)).dtype == np.float64


def test_gibbs_step_shapes_dtypes_and_reproducibility():
    W, b, c = random_model(17, 6, 9, dtype=np.float32)
    v = random_bits(18, 13, 9, dtype=np.float32)
    v1, h1 = F.gibbs_step(v, W, b, c, np.random.default_rng(42))
    v2, h2 = F.gibbs_step(v, W, b, c, np.random.default_rng(42))
    assert v1.shape == (13, 9) and h1.shape == (13, 6)
    assert v1.dtype == h1.dtype == np.float32
    assert set(np.unique(v1)) <= {0.0, 1.0} and set(np.unique(h1)) <= {0.0, 1.0}
    np.testing.assert_array_equal(v1, v2)
    np.testing.assert_array_equal(h1, h2)
    v3, _ = F.gibbs_step(v, W, b, c, np.random.default_rng(43))
    assert not np.array_equal(v1, v3)  # 117 fresh bits: equal with probability ~ 2^-60
    # Documented stream order: hidden uniforms first, then visible uniforms.
    rng = np.random.default_rng(42)
    h = F.sample_bernoulli(F.hidden_probabilities(v, W, c), rng)
    np.testing.assert_array_equal(h, h1)
    np.testing.assert_array_equal(F.sample_bernoulli(F.visible_probabilities(h, W, b), rng), v1)


def test_gibbs_chain_samples_the_model_distribution():
    # 4000 independent chains of a 3x3 model, 50 steps each: visible-state frequencies vs exact P(v).
    W, b, c = random_model(19, 3, 3, scale=1.0)
    rng = np.random.default_rng(20)
    v = (rng.random((4000, 3)) < 0.5).astype(np.float64)
    for _ in range(50):
        v, _ = F.gibbs_step(v, W, b, c, rng)
    V = all_states(3)
    p = np.exp(-F.free_energy(V, W, b, c) - F.log_partition_function(W, b, c))
    freq = np.array([np.all(v == s, axis=1).mean() for s in V])
    # Binomial standard error sqrt(p(1-p)/4000) per state; 4.5 SE over 8 states (false alarm ~1e-4).
    assert np.all(np.abs(freq - p) < 4.5 * np.sqrt(p * (1 - p) / 4000))


# --- dtypes ------------------------------------------------------------------------------------


def test_float32_stays_float32_everywhere():
    W, b, c = random_model(21, 4, 6, dtype=np.float32)
    v = random_bits(22, 5, 6, dtype=np.float32)
    h = random_bits(23, 5, 4, dtype=np.float32)
    rng = np.random.default_rng(0)
    arrays = [
        F.energy(v, h, W, b, c),
        F.free_energy(v, W, b, c),
        F.hidden_probabilities(v, W, c),
        F.visible_probabilities(h, W, b),
        F.sample_bernoulli(F.hidden_probabilities(v, W, c), rng),
        *F.gibbs_step(v, W, b, c, rng),
        *F.log_likelihood_gradient(v, W, b, c),
        *F.cd_statistics(v, W, b, c, rng, k=2),
        *F.cd_statistics(v, W, b, c, rng, chain=v[:3]),
        F.pseudo_log_likelihood(v, W, b, c),
    ]
    assert [a.dtype for a in arrays] == [np.dtype(np.float32)] * len(arrays)
    # Integer or boolean data are cast to the dtype of W, not the other way round.
    assert F.free_energy(v.astype(np.int8), W, b, c).dtype == np.float32
    assert F.free_energy(v.astype(bool), W, b, c).dtype == np.float32
    # A float64 model computes in float64 even for float32 data; integer weights become float64.
    W64, b64, c64 = (a.astype(np.float64) for a in (W, b, c))
    assert F.hidden_probabilities(v, W64, c64).dtype == np.float64
    assert F.hidden_probabilities(v, np.ones((4, 6), dtype=np.int64), c64).dtype == np.float64
    assert isinstance(F.log_likelihood(v, W, b, c), float)
    assert isinstance(F.reconstruction_error(v, W, b, c), float)


# --- errors ------------------------------------------------------------------------------------

_W, _B, _C = np.zeros((3, 5)), np.zeros(5), np.zeros(3)
_V = np.zeros((2, 5))
_RNG = np.random.default_rng(0)


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: F.free_energy(np.zeros((2, 4)), _W, _B, _C), r"n_visible = 5 columns.*got shape \(2, 4\)"),
        (lambda: F.free_energy(np.zeros((2, 3)), _W, _B, _C), r"did you pass W\.T"),
        (lambda: F.free_energy(np.zeros(5), _W, _B, _C), r"reshape\(1, -1\)"),
        (lambda: F.free_energy(_V, np.zeros(15), _B, _C), r"W must be a 2-D array of shape \(n_hidden, n_visible\)"),
        (lambda: F.free_energy(_V, np.zeros((1, 3, 5)), _B, _C), r"W must be a 2-D array"),
        (lambda: F.free_energy(_V, np.zeros((0, 5)), _B, _C), r"both sizes >= 1"),
        (lambda: F.free_energy(_V, _W, np.zeros(4), _C), r"b \(visible bias\) must be a 1-D array of shape \(5,\)"),
        (lambda: F.free_energy(_V, _W, _B, np.zeros(4)), r"c \(hidden bias\) must be a 1-D array of shape \(3,\)"),
        (lambda: F.free_energy(_V, _W, _C, _B), r"did you swap b and c"),
        (lambda: F.free_energy(_V, np.array([["a"]]), _B, _C), r"W must be a real numeric array"),
        (lambda: F.energy(_V, np.zeros((3, 3)), _W, _B, _C), r"same number of samples"),
        (lambda: F.energy(_V, np.zeros((2, 4)), _W, _B, _C), r"n_hidden = 3 columns"),
        (lambda: F.hidden_probabilities(np.zeros((2, 6)), _W, _C), r"n_visible = 5"),
        (lambda: F.visible_probabilities(np.zeros((2, 5)), _W, _B), r"n_hidden = 3.*did you pass W\.T"),
        (lambda: F.gibbs_step(_V, _W, _B, _C, 0), r"rng must be a numpy\.random\.Generator; got int"),
        (lambda: F.sample_bernoulli([0.5], None), r"rng must be a numpy\.random\.Generator"),
        (lambda: F.cd_statistics(_V, _W, _B, _C, _RNG, k=0), r"k must be an integer >= 1"),
        (lambda: F.cd_statistics(_V, _W, _B, _C, _RNG, k=1.0), r"pass k=1 instead"),
        (lambda: F.cd_statistics(_V, _W, _B, _C, _RNG, chain=np.zeros((4, 6))), r"chain must have n_visible = 5"),
        (lambda: F.cd_statistics(_V, _W, _B, _C, _RNG, chain=np.full((4, 5), 0.5)), r"chain must hold binary"),
        (lambda: F.cd_statistics(np.zeros((0, 5)), _W, _B, _C, _RNG), r"at least 1 sample"),
        (lambda: F.pseudo_log_likelihood(-np.ones((2, 5)), _W, _B, _C), r"Ising spins.*to_binary"),
        (lambda: F.pseudo_log_likelihood(_V, _W, _B, _C, chunk_size=0), r"chunk_size must be an integer >= 1"),
        (lambda: F.log_likelihood(_V, _W, _B, _C, log_z=float("nan")), r"log_z must be a finite real"),
        (lambda: F.log_likelihood(np.zeros((0, 5)), _W, _B, _C), r"at least 1 sample"),
        (lambda: F.reconstruction_error(np.zeros((0, 5)), _W, _B, _C), r"at least 1 sample"),
        (lambda: F.log_likelihood_gradient(np.zeros((2, 4)), _W, _B, _C), r"n_visible = 5"),
    ],
)
def test_clear_errors(call, pattern):
    with pytest.raises(InvalidParameterError, match=pattern) as info:
        call()
    assert isinstance(info.value, DeepRGError) and isinstance(info.value, ValueError)


def test_public_api():
    assert sorted(F.__all__) == sorted(
        [
            "MAX_ENUMERATION_UNITS",
            "cd_statistics",
            "energy",
            "free_energy",
            "gibbs_step",
            "hidden_probabilities",
            "log_likelihood",
            "log_likelihood_gradient",
            "log_partition_function",
            "model_expectations",
            "pseudo_log_likelihood",
            "reconstruction_error",
            "sample_bernoulli",
            "sigmoid",
            "softplus",
            "visible_probabilities",
        ]
    )
    assert F.free_energy.__module__ == "deeprg.rbm.functional"
