"""Tests of the estimates in deeprg.rbm.functional: CD-k / PCD statistics, pseudo-likelihood, reconstruction.

Monte Carlo tolerances are derived from standard errors measured on the same samples; seeds are
explicit so every run sees the same bits.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neural_network import BernoulliRBM as SklearnRBM

import deeprg.rbm.functional as F


def random_model(seed: int, n_hidden: int, n_visible: int, scale: float = 1.0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    W = scale * rng.standard_normal((n_hidden, n_visible))
    b = scale * rng.standard_normal(n_visible)
    c = scale * rng.standard_normal(n_hidden)
    return W.astype(dtype), b.astype(dtype), c.astype(dtype)


def random_bits(seed: int, n: int, n_visible: int, p: float = 0.5, dtype=np.float64) -> np.ndarray:
    return (np.random.default_rng(seed).random((n, n_visible)) < p).astype(dtype)


def negative_phase_standard_errors(chain_end, W, c):
    """Per-entry standard errors of the chain averages <P(h|v) v^T>, <v>, <P(h|v)> over independent chains."""
    m = chain_end.shape[0]
    ph = F.hidden_probabilities(chain_end, W, c)
    x = ph[:, :, None] * chain_end[:, None, :]
    return (x.std(0, ddof=1) / np.sqrt(m), chain_end.std(0, ddof=1) / np.sqrt(m), ph.std(0, ddof=1) / np.sqrt(m))


# --- contrastive divergence ---------------------------------------------------------------------


def test_cd1_follows_the_documented_convention_exactly():
    # Replays CD-1 by hand with an identically seeded generator: positive phase (v, P(h|v)), one Gibbs
    # step with sampled h and sampled v, negative phase (v_1, P(h|v_1)), both averaged over the batch.
    W, b, c = random_model(1, 4, 6)
    v = random_bits(2, 9, 6)
    dW, db, dc, chain_end = F.cd_statistics(v, W, b, c, np.random.default_rng(3), k=1)
    rng = np.random.default_rng(3)
    ph0 = F.hidden_probabilities(v, W, c)
    v1 = F.sample_bernoulli(F.visible_probabilities(F.sample_bernoulli(ph0, rng), W, b), rng)
    ph1 = F.hidden_probabilities(v1, W, c)
    np.testing.assert_array_equal(chain_end, v1)
    # Same operations in the same order up to the grouping of the subtraction: rounding only.
    np.testing.assert_allclose(dW, ph0.T @ v / 9 - ph1.T @ v1 / 9, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(db, v.mean(0) - v1.mean(0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dc, ph0.mean(0) - ph1.mean(0), rtol=1e-12, atol=1e-15)


def test_persistent_chain_with_its_own_number_of_rows():
    # PCD-2 with 3 data rows and 7 chains: each phase is averaged over its own rows.
    W, b, c = random_model(4, 4, 6)
    v = random_bits(5, 3, 6)
    chain = random_bits(6, 7, 6)
    chain_copy = chain.copy()
    dW, db, dc, chain_end = F.cd_statistics(v, W, b, c, np.random.default_rng(7), k=2, chain=chain)
    np.testing.assert_array_equal(chain, chain_copy)  # the input chain is not modified
    assert chain_end.shape == (7, 6) and set(np.unique(chain_end)) <= {0.0, 1.0}
    rng = np.random.default_rng(7)
    vk = chain
    for _ in range(2):
        vk, _ = F.gibbs_step(vk, W, b, c, rng)
    np.testing.assert_array_equal(chain_end, vk)
    ph0, phk = F.hidden_probabilities(v, W, c), F.hidden_probabilities(vk, W, c)
    np.testing.assert_allclose(dW, ph0.T @ v / 3 - phk.T @ vk / 7, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(db, v.mean(0) - vk.mean(0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dc, ph0.mean(0) - phk.mean(0), rtol=1e-12, atol=1e-15)
    # Resuming from chain_end continues the same chains.
    _, _, _, again = F.cd_statistics(v, W, b, c, np.random.default_rng(8), chain=chain_end)
    assert again.shape == (7, 6)


def test_pcd_with_many_chains_reaches_the_exact_model_expectations():
    # 20,000 independent chains from uniform random bits, k = 200 steps of a 4 x 5 model whose weights
    # are O(1): the chains forget their start (mixing takes a handful of steps here), so the negative
    # phase is an average of 20,000 independent draws from the model. It must match the exact
    # <h v^T>, <v>, <h> within 4.5 standard errors, the SE measured on the same chains (29 entries:
    # a false alarm has probability < 29 * 7e-6 = 2e-4, and the seed is fixed anyway).
    W, b, c = random_model(9, 4, 5, scale=1.0)
    rng = np.random.default_rng(10)
    v = random_bits(11, 50, 5)
    chain = (rng.random((20_000, 5)) < 0.5).astype(np.float64)
    dW, db, dc, chain_end = F.cd_statistics(v, W, b, c, rng, k=200, chain=chain)
    ph = F.hidden_probabilities(v, W, c)
    negatives = (ph.T @ v / 50 - dW, v.mean(0) - db, ph.mean(0) - dc)
    for est, exact, se in zip(
        negatives, F.model_expectations(W, b, c), negative_phase_standard_errors(chain_end, W, c), strict=True
    ):
        assert np.all(np.abs(est - exact) < 4.5 * se)


def test_cd_with_large_k_approaches_the_exact_gradient():
    # Non-persistent CD-200 on a batch of 20,000 data rows: the chains start at the data but after 200
    # steps they are model samples, so CD-k estimates the exact log-likelihood gradient. The positive
    # phase is exact, so the error is the negative-phase Monte Carlo error: 4.5 SE as above.
    W, b, c = random_model(12, 5, 4, scale=1.0)
    v = random_bits(13, 20_000, 4, p=0.8)  # data far from the model, so the gradient is not small
    rng = np.random.default_rng(14)
    dW, db, dc, chain_end = F.cd_statistics(v, W, b, c, rng, k=200)
    exact = F.log_likelihood_gradient(v, W, b, c)
    for est, ex, se in zip((dW, db, dc), exact, negative_phase_standard_errors(chain_end, W, c), strict=True):
        assert np.all(np.abs(est - ex) < 4.5 * se)
    assert np.abs(exact[1]).max() > 20 * negative_phase_standard_errors(chain_end, W, c)[1].max()


def test_cd_statistics_reproducible_and_float32():
    W, b, c = random_model(15, 8, 12, dtype=np.float32)
    v = random_bits(16, 10, 12, dtype=np.float32)
    first = F.cd_statistics(v, W, b, c, np.random.default_rng(17), k=3)
    second = F.cd_statistics(v, W, b, c, np.random.default_rng(17), k=3)
    for x, y in zip(first, second, strict=True):
        assert x.dtype == np.float32
        np.testing.assert_array_equal(x, y)


# --- pseudo-likelihood ----------------------------------------------------------------------------


def naive_pseudo_log_likelihood(v, W, b, c):
    """Mean over sites of log P(v_i | v_-i) = -softplus(F(v) - F(v with bit i flipped)), one site at a time."""
    f = F.free_energy(v, W, b, c)
    terms = []
    for i in range(v.shape[1]):
        flipped = v.copy()
        flipped[:, i] = 1 - flipped[:, i]
        terms.append(-np.logaddexp(0, f - F.free_energy(flipped, W, b, c)))
    return np.mean(terms, axis=0)


@pytest.mark.parametrize("scale", [0.1, 1.0, 5.0])
def test_pseudo_log_likelihood_matches_naive_loop_over_sites(scale):
    W, b, c = random_model(18, 7, 9, scale=scale)
    v = random_bits(19, 6, 9)
    pll = F.pseudo_log_likelihood(v, W, b, c)
    assert pll.shape == (6,) and pll.dtype == np.float64
    # Two float64 evaluations of the same sums in a different order: rounding only.
    np.testing.assert_allclose(pll, naive_pseudo_log_likelihood(v, W, b, c), rtol=1e-10, atol=1e-12)
    assert np.all(pll <= 0)


def test_pseudo_log_likelihood_is_the_exact_conditional():
    # log P(v_i | v_-i) from the exact joint P(v) of all 2^5 visible states.
    W, b, c = random_model(20, 3, 5, scale=1.5)
    k = np.arange(32)
    V = ((k[:, None] >> np.arange(5)) & 1).astype(np.float64)
    log_p = -F.free_energy(V, W, b, c) - F.log_partition_function(W, b, c)
    expected = np.mean([log_p - np.logaddexp(log_p, log_p[k ^ (1 << i)]) for i in range(5)], axis=0)
    np.testing.assert_allclose(F.pseudo_log_likelihood(V, W, b, c), expected, rtol=1e-10)


@pytest.mark.parametrize("chunk_size", [1, 2, 8, 9, 10, 17, 45, 10_000])
def test_pseudo_log_likelihood_independent_of_chunking(chunk_size):
    # Chunks smaller than a sample (site splitting), exactly one sample, several samples, everything.
    W, b, c = random_model(21, 5, 9, scale=2.0)
    v = random_bits(22, 11, 9)
    np.testing.assert_allclose(
        F.pseudo_log_likelihood(v, W, b, c, chunk_size=chunk_size),
        F.pseudo_log_likelihood(v, W, b, c),
        rtol=1e-13,  # only the order of float64 additions changes
    )


def test_pseudo_log_likelihood_sanity_float32_and_zero_model():
    W, b, c = random_model(23, 40, 64, scale=0.5)
    v = random_bits(24, 30, 64)
    p64 = F.pseudo_log_likelihood(v, W, b, c)
    p32 = F.pseudo_log_likelihood(v.astype(np.float32), *(a.astype(np.float32) for a in (W, b, c)))
    assert p32.dtype == np.float32
    # float32: each softplus difference carries ~1e-7 * |x| ~ 1e-6 absolute error; summed over 40 hidden
    # units (random-walk) that is ~1e-5 in F(v) - F(v'), and averaged over sites it does not grow.
    np.testing.assert_allclose(p32, p64, rtol=0, atol=1e-4)
    assert np.all(p64 <= 0)
    # A model with no parameters: every bit is a fair coin, log(1/2) per site, exactly.
    zeros = np.zeros((40, 64))
    np.testing.assert_allclose(F.pseudo_log_likelihood(v, zeros, np.zeros(64), np.zeros(40)), -np.log(2), rtol=1e-15)
    assert F.pseudo_log_likelihood(np.zeros((0, 64)), W, b, c).shape == (0,)


def test_pseudo_log_likelihood_is_sklearn_score_samples_averaged_and_rescaled():
    # scikit-learn's score_samples flips ONE random bit and multiplies by n_features. Averaged over many
    # random draws it estimates n_features * (our per-spin PLL). 4000 draws per sample: SE is
    # n_features * std_i(log P(v_i|v_-i)) / sqrt(4000), allow 5 SE.
    W, b, c = random_model(25, 6, 10, scale=1.0)
    v = random_bits(26, 3, 10)
    rbm = SklearnRBM(n_components=6, random_state=np.random.RandomState(27))
    rbm.components_, rbm.intercept_hidden_, rbm.intercept_visible_ = W, c, b
    rbm.n_features_in_ = 10
    rbm.h_samples_ = np.zeros((1, 6))
    reps = 4000
    scores = rbm.score_samples(np.repeat(v, reps, axis=0)).reshape(3, reps)
    pll = F.pseudo_log_likelihood(v, W, b, c)
    se = scores.std(axis=1, ddof=1) / np.sqrt(reps)
    assert np.all(np.abs(scores.mean(axis=1) - 10 * pll) < 5 * se)


# --- reconstruction error -------------------------------------------------------------------------


def test_reconstruction_error():
    W, b, c = random_model(28, 4, 7)
    v = random_bits(29, 13, 7)
    pv = F.visible_probabilities(F.hidden_probabilities(v, W, c), W, b)
    err = F.reconstruction_error(v, W, b, c)
    assert isinstance(err, float)
    assert err == pytest.approx(np.mean((v - pv) ** 2), rel=1e-12)  # same formula, rounding only
    # No parameters: every unit is reconstructed as 1/2 and (v - 1/2)^2 = 1/4 for bits.
    assert F.reconstruction_error(v, np.zeros((4, 7)), np.zeros(7), np.zeros(4)) == 0.25


@pytest.mark.parametrize("scale", [0.1, 1.0, 4.0])
def test_pseudo_log_likelihood_log_form_equals_the_softplus_form(scale):
    """The one-logarithm form (used for |W| <= 60) and the two-softplus form (larger weights) are the same sums."""
    from deeprg.rbm.functional._estimates import _pll_log_form, _pll_softplus_form

    W, b, c = random_model(31, 12, 20, scale=scale)
    c = c * 5  # saturated hidden units: the case where a naive log(1 + p expm1(a)) would cancel
    v = random_bits(32, 9, 20)
    log_form, softplus_form = np.zeros(9), np.zeros(9)
    _pll_log_form(v, W, b, c, 4, log_form)  # row blocks
    _pll_softplus_form(v, W, b, c, 9, 20, softplus_form)
    np.testing.assert_allclose(log_form, softplus_form, rtol=1e-12)  # float64: rounding only
    W32, b32, c32, v32 = (a.astype(np.float32) for a in (W, b, c, v))
    log32 = np.zeros(9)
    _pll_log_form(v32, W32, b32, c32, 9, log32)
    # float32 terms are each within ~1e-7 * |term|; 20 sites x 12 hidden units of them: well inside 1e-4 per sample sum
    np.testing.assert_allclose(log32, softplus_form, rtol=0, atol=1e-4 * 20)


def test_pseudo_log_likelihood_with_huge_weights_uses_the_softplus_form():
    W, b, c = random_model(33, 4, 6, scale=1.0)
    W[0, 0] = 200.0  # expm1(200) overflows float32
    v = random_bits(34, 5, 6)
    p32 = F.pseudo_log_likelihood(v.astype(np.float32), *(a.astype(np.float32) for a in (W, b, c)))
    assert np.all(np.isfinite(p32))
    np.testing.assert_allclose(p32, naive_pseudo_log_likelihood(v, W, b, c), rtol=0, atol=1e-4)


@pytest.mark.parametrize("scale", [0.5, 6.0, 15.0])
def test_pseudo_log_likelihood_products_of_terms_stay_finite_and_exact(scale):
    """The log form takes one logarithm per product of terms; large weights make each term large (up to
    e^|W| / 2), so fewer terms go into each product: no product may overflow or underflow float32."""
    from deeprg.rbm.functional._estimates import _MAX_LOG_FORM_WEIGHT, _pll_softplus_form, _product_group

    W, b, c = random_model(35, 70, 40, scale=scale)  # 70 hidden units: products over more than one row of lanes
    assert np.abs(W).max() <= _MAX_LOG_FORM_WEIGHT  # the log form, with terms up to ~1e20 at the largest scale
    v = random_bits(36, 8, 40)
    expected = np.zeros(8)
    _pll_softplus_form(v, W, b, c, 8, 40, expected)
    expected /= 40
    got = F.pseudo_log_likelihood(v.astype(np.float32), *(a.astype(np.float32) for a in (W, b, c)))
    assert np.all(np.isfinite(got))
    # float32 terms and products: relative rounding ~1e-7 per factor, far inside 1e-4 of the per-spin mean's size
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    assert _product_group(0.0) == 64  # terms of at most 1/2: 64 of them are ~5e-20, normal
    largest = float(np.abs(W).max())
    group = _product_group(largest)
    assert (0.5 + 0.5 * np.expm1(largest)) ** group < 1e31 and 0.5**group > 1e-31
