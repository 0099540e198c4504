"""Model files and checkpoints: bit-exact round trips, the documented layout, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr

import deeprg
from deeprg.errors import DeepRGError, FileFormatError, InvalidParameterError
from deeprg.io import (
    MODEL_FORMAT,
    MODEL_FORMAT_VERSION,
    LayerRecord,
    ModelFile,
    OutputExistsError,
    load_ensemble,
    load_model,
    model_from_dataset,
    model_to_dataset,
    save_ensemble,
    save_model,
)
from deeprg.ising.sampleset import SampleSet

SIZES = (16, 8, 4, 2)


def make_layer(n_visible: int, n_hidden: int, *, seed: int, dtype=np.float32, checkpoint: bool = False) -> LayerRecord:
    rng = np.random.default_rng(seed)
    state, rng_state = {}, None
    if checkpoint:
        state = {
            "velocity_components": rng.normal(size=(n_hidden, n_visible)).astype(dtype),
            "velocity_intercept_hidden": rng.normal(size=n_hidden).astype(dtype),
            "velocity_intercept_visible": rng.normal(size=n_visible).astype(dtype),
            "persistent_chain": (rng.random((5, n_visible)) < 0.5).astype(dtype),
            "chain_bits": rng.random((3, n_visible)) < 0.5,  # bool
            "step": np.uint64(2**64 - 1),  # 0-d
            "empty": np.zeros((0, 3), dtype=np.int8),
        }
        rng.random(3)
        rng_state = rng.bit_generator.state
    components = rng.normal(scale=0.1, size=(n_hidden, n_visible)).astype(dtype)
    components[0, 0] = -0.0
    components[0, 1] = np.finfo(dtype).tiny / 4  # subnormal
    return LayerRecord(
        components=components,
        intercept_hidden=rng.normal(size=n_hidden).astype(dtype),
        intercept_visible=rng.normal(size=n_visible).astype(dtype),
        estimator="deeprg.rbm.BernoulliRBM",
        params={
            "n_components": n_hidden,
            "learning_rate": 0.1,
            "dtype": "float32",
            "random_state": None,
            "l1": 2e-4,
            "persistent": True,
        },
        history={
            "pseudo_likelihood": [-0.69, -0.5, 0.1 + 0.2],
            "pseudo_likelihood_heldout": [float("nan"), -0.6, -0.55],
            "time": [1.0, 2.0, float("inf")],
        },
        state=state,
        rng_state=rng_state,
        epoch=3,
    )


def make_stack(*, checkpoint: bool = False, dtype=np.float32) -> list[LayerRecord]:
    return [
        make_layer(v, h, seed=i, dtype=dtype, checkpoint=checkpoint)
        for i, (v, h) in enumerate(zip(SIZES[:-1], SIZES[1:], strict=True))
    ]


def same_array(a: np.ndarray, b: np.ndarray) -> None:
    assert isinstance(b, np.ndarray)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()


def same_json(a, b) -> None:
    """Equal including types, arrays compared bit for bit."""
    if isinstance(a, np.ndarray):
        same_array(a, b)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b)
        for key in a:
            same_json(a[key], b[key])
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            same_json(x, y)
    elif isinstance(a, float):
        assert type(b) is float and np.float64(a).tobytes() == np.float64(b).tobytes()
    else:
        assert type(a) is type(b) and a == b


def assert_same_layer(a: LayerRecord, b: LayerRecord, *, checkpoint: bool) -> None:
    for name in ("components", "intercept_hidden", "intercept_visible"):
        same_array(getattr(a, name), getattr(b, name))
    assert b.estimator == a.estimator and b.epoch == a.epoch and type(b.epoch) is int
    same_json(a.params, b.params)
    same_json(a.history, b.history)
    if checkpoint:
        assert list(b.state) == list(a.state)
        for key in a.state:
            same_array(np.asarray(a.state[key]), b.state[key])
        same_json(a.rng_state, b.rng_state)
    else:
        assert b.state == {} and b.rng_state is None


@pytest.fixture
def stack() -> list[LayerRecord]:
    return make_stack()


@pytest.fixture
def saved(tmp_path, stack) -> Path:
    return save_model(stack, tmp_path / "dbn.nc", config={"variant": "l1", "layers": [8, 4, 2]})


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("checkpoint", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_of_a_three_layer_stack(tmp_path, checkpoint, dtype):
    layers = make_stack(checkpoint=checkpoint, dtype=dtype)
    config = {"variant": "l1", "strength": 2e-4, "layers": [8, 4, 2], "seed": 0}
    path = save_model(layers, tmp_path / "m.nc", config=config, checkpoint=checkpoint)
    assert path == tmp_path / "m.nc"
    model = load_model(path)
    assert isinstance(model, ModelFile)
    assert model.checkpoint is checkpoint
    assert model.config == config
    assert model.deeprg_version == deeprg.__version__
    assert model.created.endswith("+00:00")
    assert len(model.layers) == 3
    for a, b in zip(layers, model.layers, strict=True):
        assert_same_layer(a, b, checkpoint=checkpoint)
    assert [layer.components.shape for layer in model.layers] == [(8, 16), (4, 8), (2, 4)]


def test_single_rbm_is_a_stack_of_one(tmp_path):
    layer = make_layer(6, 3, seed=1)
    model = load_model(save_model(layer, tmp_path / "rbm.nc"))
    assert len(model.layers) == 1 and model.config == {}
    assert_same_layer(layer, model.layers[0], checkpoint=False)


def test_pcg64_state_with_128_bit_integers_resumes_identically(tmp_path):
    rng = np.random.default_rng(5)
    rng.random(11)
    rng.integers(0, 10, size=3)
    state = rng.bit_generator.state
    assert state["state"]["state"] > 2**64  # really needs more than 64 bits
    layer = make_layer(4, 2, seed=0)
    layer.rng_state = state
    loaded = load_model(save_model([layer], tmp_path / "ck.nc", checkpoint=True)).layers[0].rng_state
    assert loaded == state
    same_json(state, loaded)
    restored = np.random.Generator(np.random.PCG64())
    restored.bit_generator.state = loaded
    expected = rng.random(100)
    np.testing.assert_array_equal(restored.random(100), expected)
    assert restored.random(100).tobytes() == rng.random(100).tobytes()


def test_mt19937_state_of_sklearn_layers_keeps_its_array(tmp_path):
    rs = np.random.RandomState(3)
    rs.normal(size=5)  # leaves a cached gaussian
    state = rs.get_state(legacy=False)
    layer = make_layer(4, 2, seed=0)
    layer.rng_state = state
    loaded = load_model(save_model([layer], tmp_path / "ck.nc", checkpoint=True)).layers[0].rng_state
    same_json(state, loaded)
    restored = np.random.RandomState()
    restored.set_state(loaded)
    assert restored.normal(size=50).tobytes() == rs.normal(size=50).tobytes()


def test_plain_model_file_leaves_checkpoint_state_out(tmp_path):
    layers = make_stack(checkpoint=True)
    path = save_model(layers, tmp_path / "m.nc")
    with xr.open_dataset(path) as ds:
        assert not [name for name in ds.variables if str(name).startswith("state_")]
        assert not [key for key in ds.attrs if key.endswith("rng_state_json")]
    model = load_model(path)
    assert not model.checkpoint
    for a, b in zip(layers, model.layers, strict=True):
        assert_same_layer(a, b, checkpoint=False)


def test_empty_history_and_empty_lists(tmp_path):
    no_history = make_layer(4, 3, seed=0)
    no_history.history = {}
    zero_epochs = make_layer(3, 2, seed=1)
    zero_epochs.history = {"pseudo_likelihood": [], "time": []}
    zero_epochs.epoch = 0
    model = load_model(save_model([no_history, zero_epochs], tmp_path / "m.nc"))
    assert model.layers[0].history == {}
    assert model.layers[1].history == {"pseudo_likelihood": [], "time": []}
    assert model.layers[1].epoch == 0


def test_round_trip_without_file(stack):
    ds = model_to_dataset(stack, config={"a": 1}, checkpoint=False)
    model = model_from_dataset(ds)
    assert model.config == {"a": 1}
    for a, b in zip(stack, model.layers, strict=True):
        assert_same_layer(a, b, checkpoint=False)


# --------------------------------------------------------------------------- layout


def test_file_is_plain_netcdf_with_documented_layout(saved, stack):
    with xr.open_dataset(saved) as ds:
        assert ds.attrs["format"] == MODEL_FORMAT == "deeprg.model"
        assert ds.attrs["format_version"] == MODEL_FORMAT_VERSION == 1
        assert list(ds.attrs)[:5] == ["format", "format_version", "deeprg_version", "created", "config_json"]
        assert json.loads(ds.attrs["config_json"]) == {"variant": "l1", "layers": [8, 4, 2]}
        assert ds.attrs["n_layers"] == 3 and ds.attrs["checkpoint"] == 0
        for i, layer in enumerate(stack):
            W = ds[f"components_{i}"]
            assert W.dims == (f"hidden_{i}", f"visible_{i}") and W.dtype == np.float32
            np.testing.assert_array_equal(W.values, layer.components)
            assert ds[f"intercept_hidden_{i}"].dims == (f"hidden_{i}",)
            assert ds[f"intercept_visible_{i}"].dims == (f"visible_{i}",)
            assert ds[f"history_{i}_pseudo_likelihood"].dims == (f"epoch_{i}",)
            assert ds.attrs[f"layer_{i}_estimator"] == "deeprg.rbm.BernoulliRBM"
            assert json.loads(ds.attrs[f"layer_{i}_params_json"]) == layer.params
            assert ds.attrs[f"layer_{i}_epoch"] == 3
        assert ds.sizes["visible_1"] == ds.sizes["hidden_0"] == 8


def test_checkpoint_layout_and_checksums(tmp_path):
    path = save_model(make_stack(checkpoint=True), tmp_path / "ck.nc", checkpoint=True)
    with xr.open_dataset(path) as ds:
        assert ds.attrs["checkpoint"] == 1
        assert ds["state_0_persistent_chain"].shape == (5, 16)
        assert ds["state_2_velocity_components"].shape == (2, 4)
        assert "layer_0_rng_state_json" in ds.attrs
    with h5py.File(path, "r") as f:
        for name in ("components_0", "intercept_hidden_1", "history_2_time", "state_1_persistent_chain"):
            assert f[name].fletcher32, name
        # rewritten every epoch: not compressed (gzip would cost 4x the write for 30% less disk)
        assert f["components_0"].compression is None
    model = save_model(make_stack(checkpoint=False), tmp_path / "model.nc")
    with h5py.File(model, "r") as f:
        assert f["components_0"].compression == "gzip"  # written once: compressed


# --------------------------------------------------------------------------- refusing to write


def _refuses(layers, *fragments, tmp_path: Path, **kwargs) -> None:
    target = tmp_path / "bad.nc"
    with pytest.raises(InvalidParameterError) as info:
        save_model(layers, target, **kwargs)
    msg = str(info.value)
    for fragment in fragments:
        assert fragment in msg, msg
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_layers_that_do_not_chain(tmp_path):
    layers = [make_layer(16, 8, seed=0), make_layer(7, 4, seed=1)]
    _refuses(layers, "do not chain", "layer 1 has 7 visible units", "layer 0 has 8 hidden units", tmp_path=tmp_path)


@pytest.mark.parametrize("field", ["components", "intercept_hidden", "intercept_visible"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_weights(tmp_path, field, bad):
    layers = make_stack()
    getattr(layers[1], field)[-1] = bad
    _refuses(layers, f"layers[1].{field}", "NaN or infinite", tmp_path=tmp_path)


def test_non_finite_state_in_a_checkpoint(tmp_path):
    layers = make_stack(checkpoint=True)
    layers[2].state["velocity_components"][0, 0] = np.nan
    _refuses(layers, "velocity_components", "NaN or infinite", tmp_path=tmp_path, checkpoint=True)


@pytest.mark.parametrize(
    "change, fragments",
    [
        (lambda s: s.clear(), ("non-empty list",)),
        (lambda s: s[0].__setattr__("intercept_hidden", s[0].intercept_hidden[:-1]), ("intercept_hidden", "(8,)")),
        (lambda s: s[0].__setattr__("intercept_visible", np.zeros(3, np.float32)), ("intercept_visible", "(16,)")),
        (lambda s: s[0].__setattr__("components", s[0].components.ravel()), ("(n_hidden, n_visible)",)),
        (lambda s: s[0].__setattr__("components", np.zeros((8, 16), np.int64)), ("float32 or float64",)),
        (lambda s: s[0].__setattr__("components", np.zeros((0, 16), np.float32)), ("positive sizes",)),
        (lambda s: s[1].history.__setitem__("time", [1.0]), ("one value per epoch", "'time'")),
        (lambda s: s[1].history.__setitem__("bad name", [1.0, 2.0, 3.0]), ("letters, digits", "bad name")),
        (lambda s: s[1].history.__setitem__("text", ["a", "b", "c"]), ("list of numbers",)),
        (lambda s: s[2].__setattr__("params", {"callbacks": [object()]}), ("params", "JSON", "callbacks")),
        (lambda s: s[2].__setattr__("params", None), ("params must be a dict",)),
        (lambda s: s[2].__setattr__("estimator", ""), ("estimator",)),
        (lambda s: s[2].__setattr__("epoch", -1), ("epoch", "non-negative")),
        (lambda s: s.__setitem__(1, "not a layer"), ("layers[1] must be a LayerRecord",)),
    ],
)
def test_inconsistent_layers_are_refused_before_writing(tmp_path, change, fragments):
    layers = make_stack()
    change(layers)
    _refuses(layers, *fragments, tmp_path=tmp_path)


def test_bad_state_and_config_are_refused(tmp_path):
    layers = make_stack(checkpoint=True)
    layers[0].state["half"] = np.zeros(3, np.float16)
    _refuses(layers, "float32 or float64", tmp_path=tmp_path, checkpoint=True)
    layers = make_stack(checkpoint=True)
    layers[0].rng_state = {"bit_generator": object()}
    _refuses(layers, "rng_state", tmp_path=tmp_path, checkpoint=True)
    _refuses(make_stack(), "config", tmp_path=tmp_path, config={"f": object()})


# --------------------------------------------------------------------------- atomicity


def test_failed_write_leaves_no_trace(tmp_path, stack, monkeypatch):
    target = tmp_path / "m.nc"

    def explode(self, path, *args, **kwargs):
        Path(path).write_bytes(b"\x89HDF\r\n\x1a\n partial")
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", explode)
    with pytest.raises(OSError, match="disk full"):
        save_model(stack, target, checkpoint=True)
    assert list(tmp_path.iterdir()) == []


def test_existing_file_is_untouched(saved, stack):
    before = saved.read_bytes()
    with pytest.raises(OutputExistsError, match="overwrite=True"):
        save_model(stack, saved)
    bad = make_stack()
    bad[0].components[0, 0] = np.nan
    with pytest.raises(InvalidParameterError):
        save_model(bad, saved, overwrite=True)
    assert saved.read_bytes() == before
    assert list(saved.parent.iterdir()) == [saved]
    save_model(stack[:1], saved, overwrite=True)
    assert len(load_model(saved).layers) == 1


# --------------------------------------------------------------------------- refusing bad files


def _fails(path, *fragments: str, loader=load_model) -> FileFormatError:
    with pytest.raises(FileFormatError) as info:
        loader(path)
    err = info.value
    assert isinstance(err, DeepRGError)
    msg = str(err)
    assert "\n" not in msg, msg
    for fragment in fragments:
        assert fragment in msg, msg
    return err


def _write_raw(ds: xr.Dataset, path: Path) -> Path:
    ds.to_netcdf(path, engine="h5netcdf")
    return path


def _ensemble() -> SampleSet:
    rng = np.random.default_rng(0)
    spins = np.where(rng.random((4, 3, 3)) < 0.5, -1, 1).astype(np.int8)
    return SampleSet(
        spins=spins,
        energy=rng.normal(size=4),
        magnetization=spins.mean(axis=(1, 2), dtype=np.float64),
        beta=0.4,
        coupling=1.0,
        algorithm="wolff",
        spacing=1,
        n_thermalize=10,
        tau={},
        chain=np.zeros(4, np.int64),
        seed=0,
        config={},
        deeprg_version=deeprg.__version__,
    )


def test_ensemble_is_not_a_model_and_back(tmp_path, saved):
    ensemble = save_ensemble(_ensemble(), tmp_path / "ising.nc")
    _fails(ensemble, "ising.nc", "this is a deeprg.ensemble file, not a model")
    _fails(saved, "dbn.nc", "this is a deeprg.model file, not an ensemble", loader=load_ensemble)


def test_missing_and_non_hdf5_files(tmp_path):
    err = _fails(tmp_path / "nope.nc", "nope.nc", "does not exist")
    assert isinstance(err, FileNotFoundError)
    text = tmp_path / "notes.nc"
    text.write_text("weights\n")
    _fails(text, "notes.nc", "not a netCDF4/HDF5 file")


def test_newer_format_version(tmp_path, stack):
    ds = model_to_dataset(stack)
    ds.attrs["format_version"] = 2
    _fails(_write_raw(ds, tmp_path / "new.nc"), "newer deeprg (format_version 2 > 1)", "upgrade deeprg")


def test_truncated_copy(tmp_path, saved):
    path = tmp_path / "truncated.nc"
    path.write_bytes(saved.read_bytes()[: len(saved.read_bytes()) // 2])
    _fails(path, "truncated or corrupt")


def test_flipped_byte_in_weights_is_detected(tmp_path, stack):
    ds = model_to_dataset(stack)
    for name in ds.variables:  # uncompressed, so the raw bytes can be found in the file
        ds[name].encoding.pop("zlib", None)
        ds[name].encoding.pop("shuffle", None)
        ds[name].encoding.pop("complevel", None)
    path = _write_raw(ds, tmp_path / "plain.nc")
    data = bytearray(path.read_bytes())
    raw = stack[0].components.tobytes()
    start = data.find(raw)
    assert start > 0
    data[start + 40] ^= 0x10
    path.write_bytes(bytes(data))
    _fails(path, "truncated or corrupt")


def _bad_file(tmp_path, stack, edit) -> Path:
    ds = model_to_dataset(stack)
    result = edit(ds)
    ds = result if isinstance(result, xr.Dataset) else ds
    return _write_raw(ds, tmp_path / "bad.nc")


@pytest.mark.parametrize(
    "edit, fragments",
    [
        (lambda ds: ds.drop_vars("components_1"), ("'components_1' is missing",)),
        (lambda ds: ds.drop_vars("history_2_time"), ("'history_2_time' is missing",)),
        (lambda ds: ds.attrs.pop("layer_0_estimator"), ("'layer_0_estimator' is missing",)),
        (lambda ds: ds.attrs.pop("n_layers"), ("'n_layers' is missing",)),
        (lambda ds: ds.attrs.__setitem__("n_layers", 2), ("'components_2'", "beyond n_layers = 2")),
        (lambda ds: ds.attrs.__setitem__("n_layers", 0), ("'n_layers' must be an integer >= 1",)),
        (lambda ds: ds.attrs.__setitem__("checkpoint", 2), ("'checkpoint' must be 0 or 1",)),
        (lambda ds: ds.attrs.__setitem__("layer_1_params_json", "{oops"), ("layer_1_params_json", "not valid JSON")),
        (lambda ds: ds.attrs.__setitem__("layer_1_epoch", -2), ("layer_1_epoch",)),
        (
            lambda ds: ds.assign(components_0=ds["components_0"].rename(hidden_0="h")),
            ("'components_0' must have dimensions ('hidden_0', 'visible_0')",),
        ),
        (
            lambda ds: ds.assign(components_1=ds["components_1"].astype(np.int32)),
            ("'components_1' must be float32 or float64",),
        ),
        (
            lambda ds: ds.assign(components_2=ds["components_2"].where(ds["components_2"] > 1e9)),
            ("'components_2' holds NaN or infinite values",),
        ),
    ],
)
def test_inconsistent_files(tmp_path, stack, edit, fragments):
    _fails(_bad_file(tmp_path, stack, edit), *fragments)


def test_layers_that_do_not_chain_in_a_file(tmp_path):
    layers = make_stack()
    ds0 = model_to_dataset(layers[:1])
    ds1 = model_to_dataset([make_layer(7, 4, seed=1)])
    ds = ds0.copy()
    for name in ("components", "intercept_hidden", "intercept_visible"):
        ds[f"{name}_1"] = ds1[f"{name}_0"].rename({d: d.replace("_0", "_1") for d in ds1[f"{name}_0"].dims})
    for key in ("estimator", "params_json", "epoch", "history_names_json", "state_names_json"):
        ds.attrs[f"layer_1_{key}"] = ds1.attrs[f"layer_0_{key}"]
    ds.attrs["layer_1_history_names_json"] = "[]"
    ds.attrs["n_layers"] = 2
    _fails(_write_raw(ds, tmp_path / "x.nc"), "do not chain", "layer 1 has 7 visible units")
