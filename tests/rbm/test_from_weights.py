"""DeepBeliefNetwork.from_weights: a network built from given weights behaves like a trained one."""

import json

import numpy as np
import pytest
import xarray as xr
from scipy.special import expit

from deeprg.cli import main
from deeprg.errors import InvalidParameterError
from deeprg.io import load_model, save_ensemble
from deeprg.ising import IsingModel, WolffSampler
from deeprg.rbm import BernoulliRBM, DeepBeliefNetwork


def random_stack(sizes, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(h, v)).astype(dtype) for v, h in zip(sizes[:-1], sizes[1:], strict=True)]
    hidden = [rng.normal(size=h).astype(dtype) for h in sizes[1:]]
    visible = [rng.normal(size=v).astype(dtype) for v in sizes[:-1]]
    return weights, hidden, visible


def test_layers_are_fitted_deeprg_rbms_with_the_given_parameters():
    weights, hidden, visible = random_stack([16, 8, 4])
    dbn = DeepBeliefNetwork.from_weights(weights, hidden, visible)
    assert dbn.weights_given_ and dbn.n_features_in_ == 16 and len(dbn.layers_) == 2
    for layer, W, c, b in zip(dbn.layers_, weights, hidden, visible, strict=True):
        assert isinstance(layer, BernoulliRBM) and layer.n_iter == 0 and layer.epoch_ == 0 and layer.history_ == {}
        assert layer.n_components == W.shape[0] and layer.n_features_in_ == W.shape[1]
        np.testing.assert_array_equal(layer.components_, W)
        np.testing.assert_array_equal(layer.intercept_hidden_, c)
        np.testing.assert_array_equal(layer.intercept_visible_, b)
    weights[0][0, 0] = 99.0  # the network holds copies
    assert dbn.layers_[0].components_[0, 0] != 99.0


def test_transform_and_reconstruct_follow_the_rbm_formulas():
    weights, hidden, visible = random_stack([16, 8, 4], seed=1)
    dbn = DeepBeliefNetwork.from_weights(weights, hidden, visible)
    X = np.random.default_rng(2).integers(0, 2, size=(5, 16)).astype(np.float64)
    h1 = expit(X @ weights[0].T + hidden[0])
    h2 = expit(h1 @ weights[1].T + hidden[1])
    np.testing.assert_allclose(dbn.transform(X, layer=1), h1, rtol=1e-12)
    np.testing.assert_allclose(dbn.transform(X), h2, rtol=1e-12)
    down = expit(expit(h2 @ weights[1] + visible[1]) @ weights[0] + visible[0])
    np.testing.assert_allclose(dbn.reconstruct(X), down, rtol=1e-12)


def test_biases_default_to_zero_and_dtype_follows_the_inputs():
    weights, _, _ = random_stack([9, 4], dtype=np.float32)
    dbn = DeepBeliefNetwork.from_weights(weights)
    layer = dbn.layers_[0]
    assert layer.components_.dtype == np.float32 and layer.dtype == "float32"
    assert not layer.intercept_hidden_.any() and layer.intercept_visible_.shape == (9,)
    as64 = DeepBeliefNetwork.from_weights([np.ones((2, 3), dtype=int)], [None], [np.zeros(3, np.float32)])
    assert as64.layers_[0].components_.dtype == np.float64
    forced = DeepBeliefNetwork.from_weights(weights, dtype="float64")
    assert forced.transform(np.zeros((1, 9))).dtype == np.float64


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_save_load_round_trips_bit_for_bit(tmp_path, dtype):
    weights, hidden, visible = random_stack([25, 9, 4], dtype=dtype, seed=3)
    dbn = DeepBeliefNetwork.from_weights(weights, hidden, visible)
    path = dbn.save(tmp_path / "m.nc")
    back = DeepBeliefNetwork.load(path)
    assert back.weights_given_
    for a, b in zip(dbn.layers_, back.layers_, strict=True):
        for name in ("components_", "intercept_hidden_", "intercept_visible_"):
            x, y = getattr(a, name), getattr(b, name)
            assert x.dtype == y.dtype == dtype and x.tobytes() == y.tobytes()
    X = np.random.default_rng(0).random((3, 25))
    assert back.transform(X).tobytes() == dbn.transform(X).tobytes()
    assert load_model(path).config["weights"] == "given"
    with xr.open_dataset(path) as ds:  # readable without deeprg, provenance in config_json
        assert json.loads(ds.attrs["config_json"])["weights"] == "given"
    back.save(tmp_path / "again.nc")  # the flag survives a second round trip
    assert load_model(tmp_path / "again.nc").config["weights"] == "given"


def test_trained_networks_are_not_flagged(tmp_path):
    X = np.random.default_rng(0).integers(0, 2, size=(50, 9)).astype(np.float32)
    dbn = DeepBeliefNetwork([BernoulliRBM(4, n_iter=1)], random_state=0).fit(X)
    dbn.save(tmp_path / "t.nc")
    assert "weights" not in load_model(tmp_path / "t.nc").config
    assert not getattr(DeepBeliefNetwork.load(tmp_path / "t.nc"), "weights_given_", False)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": [np.ones((4, 9)), np.ones((2, 3))]}, r"layer 2: weights have 3 columns but layer 1 has 4 hidden units"),
        ({"weights": np.ones((4, 9))}, "list of 2-D arrays, one per layer"),
        ({"weights": []}, "non-empty list"),
        ({"weights": [np.ones(9)]}, r"layer 1: weights must be a non-empty 2-D array .* got shape \(9,\)"),
        ({"weights": [np.ones((4, 9)), np.full((2, 4), np.nan)]}, "layer 2: weights hold NaN or infinite"),
        ({"weights": [np.array([[1e300]])], "dtype": "float32"}, "layer 1: weights hold NaN or infinite"),
        ({"weights": [np.array([["a"]])]}, "layer 1: weights must hold real numbers"),
        ({"weights": [np.ones((2, 2), dtype=complex)]}, "real numbers"),
        ({"weights": [np.ones((4, 9))], "hidden_biases": [np.ones(9)]}, r"layer 1: hidden_biases must have shape \(4,\)"),
        ({"weights": [np.ones((4, 9))], "visible_biases": [np.ones(9), None]}, "2 entries but there are 1 layers"),
        ({"weights": [np.ones((4, 9))], "visible_biases": [np.array([np.inf] * 9)]}, "layer 1: visible biases hold NaN"),
        ({"weights": [np.ones((4, 9))], "hidden_biases": np.ones(4)}, "one vector \\(or None\\) per layer"),
        ({"weights": [np.ones((4, 9))], "dtype": "float16"}, "dtype must be 'float32', 'float64' or None"),
    ],
)
def test_bad_inputs_give_clear_errors(kwargs, message):
    with pytest.raises(InvalidParameterError, match=message):
        DeepBeliefNetwork.from_weights(**kwargs)


def test_goes_through_deeprg_analyze(tmp_path, capsys):
    """A hand-built 2x2 majority-rule network on 8x8 through the CLI, like a trained model."""
    L, w = 8, 10.0
    S = np.zeros((16, 64))
    for u in range(16):
        bi, bj = divmod(u, 4)
        for i in range(2):
            for j in range(2):
                S[u, (2 * bi + i) * L + 2 * bj + j] = w
    W2 = np.zeros((4, 16))
    for u in range(4):
        bi, bj = divmod(u, 2)
        for i in range(2):
            for j in range(2):
                W2[u, (2 * bi + i) * 4 + 2 * bj + j] = w
    dbn = DeepBeliefNetwork.from_weights([S, W2], [-2 * w * np.ones(16), -2 * w * np.ones(4)])
    model, ensemble = tmp_path / "m.nc", tmp_path / "e.nc"
    dbn.save(model)
    save_ensemble(WolffSampler(IsingModel(L), 0.408, random_state=0).sample(200), ensemble)
    code = main(["analyze", str(model), str(ensemble), "--out", str(tmp_path / "out"), "--surrogates", "10"])
    out, err = capsys.readouterr()
    assert code == 0, err
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert [layer["n_units"] for layer in metrics["layers"]] == [16, 4]
    assert [layer["fitted_block_size"] for layer in metrics["layers"]] == [2, 4]
    assert "learning_curves" not in metrics["figures"]  # nothing was trained: no curves to draw
