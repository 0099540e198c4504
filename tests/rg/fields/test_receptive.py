"""Receptive fields: the linear product of weights, and the data-driven response fields."""

import numpy as np
import pytest
from sklearn.neural_network import BernoulliRBM as SkBernoulliRBM

from deeprg.errors import InvalidParameterError
from deeprg.rbm import BernoulliRBM, DeepBeliefNetwork
from deeprg.rg.fields.receptive import receptive_fields, response_fields, weight_products


def fitted_rbm(W, c=None, b=None, *, kind="deeprg"):
    """An RBM 'fitted' by hand: weights (n_hidden, n_visible) and biases set directly."""
    W = np.asarray(W, dtype=np.float64)
    rbm = BernoulliRBM(W.shape[0], dtype="float64") if kind == "deeprg" else SkBernoulliRBM(W.shape[0])
    rbm.components_ = W
    rbm.intercept_hidden_ = np.zeros(W.shape[0]) if c is None else np.asarray(c, dtype=np.float64)
    rbm.intercept_visible_ = np.zeros(W.shape[1]) if b is None else np.asarray(b, dtype=np.float64)
    rbm.n_features_in_ = W.shape[1]
    return rbm


def fitted_dbn(layers):
    dbn = DeepBeliefNetwork([BernoulliRBM(layer.components_.shape[0]) for layer in layers])
    dbn.layers_ = list(layers)
    dbn.n_features_in_ = layers[0].components_.shape[1]
    return dbn


def block_indicators(L, b):
    """(L/b)^2 images of the b x b blocks tiling an L x L lattice, row-major over the blocks."""
    out = np.zeros((L // b, L // b, L, L))
    for i in range(L // b):
        for j in range(L // b):
            out[i, j, i * b : (i + 1) * b, j * b : (j + 1) * b] = 1.0
    return out.reshape(-1, L, L)


def block_dbn(L=8, weight=2.0, bias=-4.0):
    """Layer 1: one unit per 2x2 block; layer 2: one unit per 2x2 group of layer-1 units (a 4x4 block)."""
    W1 = weight * block_indicators(L, 2).reshape(-1, L * L)
    m = L // 2  # layer-1 units form an m x m grid
    W2 = weight * block_indicators(m, 2).reshape(-1, m * m)
    return fitted_dbn([fitted_rbm(W1, np.full(len(W1), bias)), fitted_rbm(W2, np.full(len(W2), bias))])


def test_block_dbn_fields_are_the_blocks():
    dbn = block_dbn(L=8, weight=2.0)
    np.testing.assert_array_equal(receptive_fields(dbn, 1, (8, 8)), 2.0 * block_indicators(8, 2))
    np.testing.assert_array_equal(receptive_fields(dbn, 2, (8, 8)), 4.0 * block_indicators(8, 4))


def test_fields_are_the_weight_product_for_any_container():
    rng = np.random.default_rng(0)
    W1, W2, W3 = rng.normal(size=(6, 12)), rng.normal(size=(4, 6)), rng.normal(size=(2, 4))
    layers = [fitted_rbm(W1), fitted_rbm(W2, kind="sklearn"), fitted_rbm(W3)]
    expected = (W3 @ W2 @ W1).reshape(2, 3, 4)  # rectangular lattice: site k is (k // 4, k % 4)
    np.testing.assert_allclose(receptive_fields(fitted_dbn(layers), 3, (3, 4)), expected, rtol=1e-12)
    np.testing.assert_allclose(receptive_fields(layers, 3, (3, 4)), expected, rtol=1e-12)
    np.testing.assert_array_equal(receptive_fields(layers[0], 1, (3, 4)), W1.reshape(6, 3, 4))
    assert receptive_fields(layers, 1, (3, 4))[0, 1, 2] == W1[0, 6]  # row-major flattening
    products = list(weight_products(layers))
    assert [p.shape for p in products] == [(6, 12), (4, 12), (2, 12)]
    for k, product in enumerate(products, start=1):  # one weight product for the fields and the flow's signs
        np.testing.assert_array_equal(product.reshape(-1, 3, 4), receptive_fields(layers, k, (3, 4)))


def test_fields_of_a_trained_dbn():
    X = (np.random.default_rng(1).random((50, 16)) < 0.5).astype(np.float32)
    dbn = DeepBeliefNetwork([BernoulliRBM(8, n_iter=1), BernoulliRBM(4, n_iter=1)], random_state=0).fit(X)
    fields = receptive_fields(dbn, layer=2, shape=4)
    np.testing.assert_allclose(fields.reshape(4, 16), dbn.layers_[1].components_ @ dbn.layers_[0].components_, rtol=1e-5)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda dbn: receptive_fields(dbn, 3, (8, 8)), "layer must be an integer <= 2"),
        (lambda dbn: receptive_fields(dbn, 0, (8, 8)), "layer must be an integer >= 1"),
        (lambda dbn: receptive_fields(dbn, 1, (8, 7)), "shape=\\(8, 8\\)"),
        (lambda dbn: receptive_fields(DeepBeliefNetwork([BernoulliRBM(4)]), 1, (8, 8)), "not fitted"),
        (lambda dbn: receptive_fields([BernoulliRBM(4)], 1, (8, 8)), "not a fitted RBM"),
        (lambda dbn: receptive_fields(dbn.layers_[::-1], 1, (8, 8)), "do not form a stack"),
        (lambda dbn: response_fields(dbn, 1, np.where(np.eye(3, 64) > 0, 1, -1)), "to_binary"),
        (lambda dbn: response_fields(dbn, 1, np.ones((3, 8, 8))), "reshape"),
        (lambda dbn: response_fields(dbn, 1, np.ones((3, 64)), method="mean"), "'flip' or 'sta'"),
    ],
)
def test_errors_explain(call, message):
    with pytest.raises(InvalidParameterError, match=message):
        call(block_dbn(L=8))


def brute_force_flip(dbn, layer, X):
    """The definition: for every sample and site, P(h | bit on) - P(h | bit off), via dbn.transform."""
    n, n_visible = X.shape
    on = np.repeat(X[:, np.newaxis, :], n_visible, axis=1)
    off = on.copy()
    on[:, np.arange(n_visible), np.arange(n_visible)] = 1
    off[:, np.arange(n_visible), np.arange(n_visible)] = 0
    p_on = dbn.transform(on.reshape(-1, n_visible), layer=layer).reshape(n, n_visible, -1)
    p_off = dbn.transform(off.reshape(-1, n_visible), layer=layer).reshape(n, n_visible, -1)
    return (p_on - p_off).mean(axis=0).T


@pytest.mark.parametrize("layer", [1, 2, 3])
def test_flip_response_matches_the_definition(layer):
    rng = np.random.default_rng(2)
    layers = [fitted_rbm(rng.normal(size=(6, 9)), rng.normal(size=6)),
              fitted_rbm(rng.normal(size=(5, 6)), rng.normal(size=5), kind="sklearn"),
              fitted_rbm(rng.normal(size=(3, 5)), rng.normal(size=3))]
    dbn = fitted_dbn(layers)
    X = (rng.random((20, 9)) < 0.5).astype(float)
    got = response_fields(dbn, layer, X, shape=(3, 3))
    np.testing.assert_allclose(got.reshape(len(got), 9), brute_force_flip(dbn, layer, X), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("method", ["flip", "sta"])
@pytest.mark.parametrize(("layer", "b"), [(1, 2), (2, 4)])
def test_response_fields_of_the_block_dbn_peak_inside_the_block(method, layer, b):
    L = 8
    dbn = block_dbn(L=L)
    X = (np.random.default_rng(3).random((1000, L * L)) < 0.5).astype(float)
    fields = response_fields(dbn, layer, X, method=method, random_state=0)
    blocks = block_indicators(L, b).astype(bool)
    assert fields.shape == blocks.shape
    for field, block in zip(fields, blocks, strict=True):
        assert block.flat[np.argmax(field)]  # the peak is inside the block
        assert field[block].min() > 0  # turning any spin of the block up raises the unit's probability
        if method == "flip":  # nothing outside the block feeds into the unit: exactly zero response there
            assert np.all(field[~block] == 0)
        else:  # sampling noise outside (about 1/sqrt(1000) per site), signal inside
            assert field[block].mean() > 5 * np.abs(field[~block]).mean()


def test_spike_triggered_average_is_deterministic_and_subsamples_reproducibly():
    dbn = block_dbn(L=8)
    X = (np.random.default_rng(4).random((300, 64)) < 0.5).astype(float)
    full = response_fields(dbn, 1, X, method="sta", max_samples=None)
    np.testing.assert_array_equal(full, response_fields(dbn, 1, X, method="sta", random_state=99))  # 300 < 1000
    p = dbn.transform(X, layer=1)
    s = 2 * X - 1
    np.testing.assert_allclose(full.reshape(16, 64), (p.T @ s) / p.sum(0)[:, None] - s.mean(0), rtol=1e-12)
    a = response_fields(dbn, 2, X, max_samples=50, random_state=5)
    np.testing.assert_array_equal(a, response_fields(dbn, 2, X, max_samples=50, random_state=5))
    assert not np.array_equal(a, response_fields(dbn, 2, X, max_samples=50, random_state=6))
