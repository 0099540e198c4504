"""Hidden units against block spins: a block network matches its blocks, random weights do not."""

import numpy as np
import pytest

from deeprg.errors import InvalidParameterError
from deeprg.ising import IsingModel, WolffSampler
from deeprg.rbm import BernoulliRBM, DeepBeliefNetwork
from deeprg.rg import hidden_block_correlation, matching_block_size


def network(W):
    rbm = BernoulliRBM(W.shape[0])
    rbm.components_ = W.astype(np.float64)
    rbm.intercept_hidden_ = -W.sum(axis=1) / 2  # centre each unit on its block's magnetization
    rbm.intercept_visible_ = np.zeros(W.shape[1])
    rbm.n_features_in_ = W.shape[1]
    dbn = DeepBeliefNetwork([BernoulliRBM(W.shape[0])])
    dbn.layers_ = [rbm]
    dbn.n_features_in_ = W.shape[1]
    return dbn


@pytest.fixture(scope="module")
def spins():
    return WolffSampler(IsingModel(8), 0.4, random_state=0).sample(600).spins


def block_weights(L=8, b=2, strength=2.0):
    W = np.zeros(((L // b) ** 2, L * L))
    for k in range((L // b) ** 2):
        r, c = divmod(k, L // b)
        for i in range(b):
            for j in range(b):
                W[k, (r * b + i) * L + (c * b + j)] = strength
    return W


def test_block_network_tracks_its_blocks(spins):
    match = hidden_block_correlation(network(block_weights()), spins, layer=1, random_state=0)
    assert match.block_size == 2
    # each unit is a sigmoid of its block's magnetization: partial correlation with its block ~0.85,
    # while shuffled activity stays at the level of chance (~3/sqrt(n_samples) for the max of 16)
    assert np.median(match.best_correlation) > 0.75
    assert np.median(match.null_correlation) < 0.2
    np.testing.assert_array_equal(match.best_block, np.arange(16))  # unit k tracks block k
    summary = match.summary()
    assert summary["fraction_above_null_95"] == 1.0 and summary["distinct_blocks"] == 16
    assert summary["median_specificity"] > 0.4  # one block stands out (measured ~0.64)


def test_random_weights_do_not_track_blocks(spins):
    W = np.random.default_rng(1).standard_normal((16, 64)) * 0.3
    partial = hidden_block_correlation(network(W), spins, layer=1, random_state=0)
    raw = hidden_block_correlation(network(W), spins, layer=1, partial=False, random_state=0)
    # raw correlations are inflated by the global magnetization (~0.6 at K = 0.4, L = 8);
    # with it regressed out, dense random fields follow no particular block (~0.35)
    assert np.median(raw.best_correlation) > 0.5
    assert np.median(partial.best_correlation) < 0.5
    # the shuffled null only shows dependence on the configuration, which a random unit has too;
    # specificity (best minus second-best block) shows it follows no single block (measured ~0.05)
    assert partial.summary()["fraction_above_null_95"] == 1.0
    assert partial.summary()["median_specificity"] < 0.15


def test_matching_block_size():
    assert [matching_block_size(1600, n) for n in (400, 100, 25)] == [2, 4, 8]
    with pytest.raises(InvalidParameterError, match="block_size explicitly"):
        matching_block_size(1600, 300)
