"""The exact on-disk layout of every kind of deeprg file, variable by variable and attribute by attribute.

The expected layouts below were written out by deeprg before the io refactor of
issue 10 (commit e5f0d1e) from the same seeded inputs, so these tests prove that
files written now are identical in content to files written then: the same
variables with the same dimensions, dtypes, attributes and storage filters
(chunks, gzip, shuffle, Fletcher-32), the same global attributes in the same
order with the same values, and every array holding exactly its input.
Only ``created`` (the clock) and ``deeprg_version`` (the release) may differ.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
import xarray as xr

import deeprg
from deeprg.io import LayerRecord, load_ensemble, load_model, save_ensemble, save_model
from deeprg.ising.sampleset import SampleSet

#: Strings longer than this (RNG states) are compared by their SHA-256.
_LONG = 200


# --------------------------------------------------------------------------- seeded inputs


def _history(n_epochs: int, seed: int) -> dict[str, list[float]]:
    rng = np.random.default_rng(seed)
    return {
        "pseudo_likelihood": [float(x) for x in -rng.random(n_epochs)],
        "pseudo_likelihood_heldout": [float("nan")] + [-0.5] * (n_epochs - 1),
        "time": [1.5 * (k + 1) for k in range(n_epochs)],
    }


def sklearn_layer(*, checkpoint: bool) -> LayerRecord:
    """A scikit-learn layer (float64, 6 -> 4) as ``deeprg.rbm`` writes it; MT19937 state in checkpoints."""
    rng = np.random.default_rng(10)
    return LayerRecord(
        components=rng.normal(scale=0.1, size=(4, 6)),
        intercept_hidden=rng.normal(size=4),
        intercept_visible=rng.normal(size=6),
        estimator="sklearn.neural_network.BernoulliRBM",
        params={"batch_size": 32, "learning_rate": 0.1, "n_components": 4, "n_iter": 3, "random_state": 1, "verbose": 0},
        history=_history(2, seed=11),
        state={"h_samples": (rng.random((5, 4)) < 0.5).astype(np.float64)} if checkpoint else {},
        rng_state=np.random.RandomState(0).get_state(legacy=False) if checkpoint else None,
        epoch=2,
    )


def deeprg_layer(n_visible: int, n_hidden: int, *, checkpoint: bool, seed: int = 20) -> LayerRecord:
    """A deeprg layer (float32) with every kind of checkpoint state; PCG64 state (128-bit integers) in checkpoints."""
    rng = np.random.default_rng(seed)
    state = {
        "velocity_components": rng.normal(size=(n_hidden, n_visible)).astype(np.float32),
        "persistent_chain": rng.random((2, n_visible)) < 0.5,  # bool
        "step": np.uint64(2**64 - 1),  # 0-d
        "empty": np.zeros((0, 3), dtype=np.int8),
    }
    return LayerRecord(
        components=rng.normal(scale=0.1, size=(n_hidden, n_visible)).astype(np.float32),
        intercept_hidden=rng.normal(size=n_hidden).astype(np.float32),
        intercept_visible=rng.normal(size=n_visible).astype(np.float32),
        estimator="deeprg.rbm.BernoulliRBM",
        params={"n_components": n_hidden, "l1": 2e-4, "dtype": "float32", "persistent": True, "random_state": None},
        history=_history(3, seed=seed + 1),
        state=state if checkpoint else {},
        rng_state=np.random.default_rng(seed + 2).bit_generator.state if checkpoint else None,
        epoch=3,
    )


def samples() -> SampleSet:
    rng = np.random.default_rng(30)
    spins = np.where(rng.random((6, 3, 3)) < 0.5, -1, 1).astype(np.int8)
    return SampleSet(
        spins=spins,
        energy=rng.normal(-1.4, 0.1, size=6),
        magnetization=spins.mean(axis=(1, 2), dtype=np.float64),
        beta=0.44,
        coupling=1.0,
        algorithm="wolff",
        spacing=2,
        n_thermalize=100,
        tau={"energy": 1.25, "abs_magnetization": 2.5},
        chain=np.array([0, 0, 0, 1, 1, 1], dtype=np.int64),
        seed=2**70,  # beyond int64: stored as a decimal string
        config={"size": 3, "sampler": {"name": "wolff"}},
        deeprg_version="0.0.9.test",
    )


def model_inputs() -> dict[str, tuple[list[LayerRecord], dict[str, Any]]]:
    """Layers and ``save_model`` options of each model file: a mixed DBN, its checkpoint, a single RBM."""
    return {
        "dbn": (
            [sklearn_layer(checkpoint=False), deeprg_layer(4, 3, checkpoint=False)],
            {"config": {"variant": "mixed", "layers": [4, 3]}},
        ),
        "checkpoint": (
            [sklearn_layer(checkpoint=True), deeprg_layer(4, 3, checkpoint=True)],
            {"checkpoint": True, "config": {"variant": "mixed"}},
        ),
        "rbm": ([deeprg_layer(5, 2, checkpoint=False, seed=40)], {}),
    }


def write_all(directory: Path) -> dict[str, Path]:
    """One file of each kind (the model files of :func:`model_inputs` and an ensemble) into ``directory``."""
    paths = {kind: save_model(layers, directory / f"{kind}.nc", **options)
             for kind, (layers, options) in model_inputs().items()}
    paths["ensemble"] = save_ensemble(samples(), directory / "ensemble.nc")
    return paths


# --------------------------------------------------------------------------- reading a layout


def _plain(value: Any) -> Any:
    """An attribute value as a comparable literal (strings longer than ``_LONG`` as their SHA-256)."""
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str):
        return "sha256:" + hashlib.sha256(value.encode()).hexdigest() if len(value) > _LONG else value
    arr = np.asarray(value)
    return (arr.dtype.str, arr.tolist())


def _filters(h5: h5py.Dataset) -> str:
    """Storage filters of an HDF5 dataset, e.g. ``"gzip4+shuffle+fletcher32"``."""
    names = [f"{h5.compression}{h5.compression_opts}" if h5.compression else "", "shuffle" if h5.shuffle else "",
             "fletcher32" if h5.fletcher32 else ""]
    return "+".join(name for name in names if name)


def layout(path: Path) -> dict[str, Any]:
    """Global attributes in order, and per variable: dims, dtype, shape, attributes, chunks and filters.

    A variable's attributes are given as its ``long_name`` when that is all it has.
    """
    with xr.open_dataset(path, engine="h5netcdf", mask_and_scale=False, decode_times=False) as ds:
        attrs = [(key, _plain(value)) for key, value in ds.attrs.items()]
        described = {}
        for name, var in ds.variables.items():
            var_attrs = {k: _plain(v) for k, v in var.attrs.items()}
            described[name] = (var.dims, var_attrs["long_name"] if list(var_attrs) == ["long_name"] else var_attrs)
    variables = {}
    with h5py.File(path, "r") as f:
        for name, (dims, var_attrs) in described.items():
            h5 = f[name]
            variables[name] = (dims, h5.dtype.str, h5.shape, var_attrs, h5.chunks, _filters(h5))
    return {"attrs": attrs, "variables": variables}


# --------------------------------------------------------------------------- the expected layouts

#: Stand-ins for the two attributes that differ between runs.
CREATED = "<any ISO 8601 time>"
VERSION = "<the running deeprg>"

#: Written by deeprg at e5f0d1e (before the refactor) from :func:`write_all`.
EXPECTED = {
    'dbn': {
        "attrs": [
            ('format', 'deeprg.model'),
            ('format_version', ('<i8', 1)),
            ('deeprg_version', VERSION),
            ('created', CREATED),
            ('config_json', '{"layers": [4, 3], "variant": "mixed"}'),
            ('n_layers', ('<i8', 2)),
            ('checkpoint', ('<i8', 0)),
            ('layer_0_estimator', 'sklearn.neural_network.BernoulliRBM'),
            ('layer_0_params_json', '{"batch_size": 32, "learning_rate": 0.1, "n_components": 4, "n_iter": 3, "random_state": 1, "verbose": 0}'),
            ('layer_0_epoch', ('<i8', 2)),
            ('layer_0_history_names_json', '["pseudo_likelihood", "pseudo_likelihood_heldout", "time"]'),
            ('layer_0_state_names_json', '[]'),
            ('layer_1_estimator', 'deeprg.rbm.BernoulliRBM'),
            ('layer_1_params_json', '{"n_components": 3, "l1": 0.0002, "dtype": "float32", "persistent": true, "random_state": null}'),
            ('layer_1_epoch', ('<i8', 3)),
            ('layer_1_history_names_json', '["pseudo_likelihood", "pseudo_likelihood_heldout", "time"]'),
            ('layer_1_state_names_json', '[]'),
        ],
        "variables": {
            'components_0': (('hidden_0', 'visible_0'), '<f8', (4, 6), 'weights W of layer 0 (hidden x visible)', (4, 6), 'gzip4+shuffle+fletcher32'),
            'intercept_hidden_0': (('hidden_0',), '<f8', (4,), 'hidden biases of layer 0', (4,), 'fletcher32'),
            'intercept_visible_0': (('visible_0',), '<f8', (6,), 'visible biases of layer 0', (6,), 'fletcher32'),
            'history_0_pseudo_likelihood': (('epoch_0',), '<f8', (2,), 'per-epoch pseudo_likelihood of layer 0', (2,), 'fletcher32'),
            'history_0_pseudo_likelihood_heldout': (('epoch_0',), '<f8', (2,), 'per-epoch pseudo_likelihood_heldout of layer 0', (2,), 'fletcher32'),
            'history_0_time': (('epoch_0',), '<f8', (2,), 'per-epoch time of layer 0', (2,), 'fletcher32'),
            'components_1': (('hidden_1', 'visible_1'), '<f4', (3, 4), 'weights W of layer 1 (hidden x visible)', (3, 4), 'gzip4+shuffle+fletcher32'),
            'intercept_hidden_1': (('hidden_1',), '<f4', (3,), 'hidden biases of layer 1', (3,), 'fletcher32'),
            'intercept_visible_1': (('visible_1',), '<f4', (4,), 'visible biases of layer 1', (4,), 'fletcher32'),
            'history_1_pseudo_likelihood': (('epoch_1',), '<f8', (3,), 'per-epoch pseudo_likelihood of layer 1', (3,), 'fletcher32'),
            'history_1_pseudo_likelihood_heldout': (('epoch_1',), '<f8', (3,), 'per-epoch pseudo_likelihood_heldout of layer 1', (3,), 'fletcher32'),
            'history_1_time': (('epoch_1',), '<f8', (3,), 'per-epoch time of layer 1', (3,), 'fletcher32'),
        },
    },
    'checkpoint': {
        "attrs": [
            ('format', 'deeprg.model'),
            ('format_version', ('<i8', 1)),
            ('deeprg_version', VERSION),
            ('created', CREATED),
            ('config_json', '{"variant": "mixed"}'),
            ('n_layers', ('<i8', 2)),
            ('checkpoint', ('<i8', 1)),
            ('layer_0_estimator', 'sklearn.neural_network.BernoulliRBM'),
            ('layer_0_params_json', '{"batch_size": 32, "learning_rate": 0.1, "n_components": 4, "n_iter": 3, "random_state": 1, "verbose": 0}'),
            ('layer_0_epoch', ('<i8', 2)),
            ('layer_0_history_names_json', '["pseudo_likelihood", "pseudo_likelihood_heldout", "time"]'),
            ('layer_0_rng_state_json', 'sha256:41456d0e2056c2e06f16248e8f9f9708d6bfc47905e008ff155f1126c2b3d3cb'),
            ('layer_0_state_names_json', '["h_samples"]'),
            ('layer_1_estimator', 'deeprg.rbm.BernoulliRBM'),
            ('layer_1_params_json', '{"n_components": 3, "l1": 0.0002, "dtype": "float32", "persistent": true, "random_state": null}'),
            ('layer_1_epoch', ('<i8', 3)),
            ('layer_1_history_names_json', '["pseudo_likelihood", "pseudo_likelihood_heldout", "time"]'),
            ('layer_1_rng_state_json', '{"bit_generator": "PCG64", "state": {"state": 335908523494565230261422446388509134328, "inc": 188221490827988801950180874055372779863}, "has_uint32": 0, "uinteger": 0}'),
            ('layer_1_state_names_json', '["velocity_components", "persistent_chain", "step", "empty"]'),
        ],
        "variables": {
            'components_0': (('hidden_0', 'visible_0'), '<f8', (4, 6), 'weights W of layer 0 (hidden x visible)', (4, 6), 'fletcher32'),
            'intercept_hidden_0': (('hidden_0',), '<f8', (4,), 'hidden biases of layer 0', (4,), 'fletcher32'),
            'intercept_visible_0': (('visible_0',), '<f8', (6,), 'visible biases of layer 0', (6,), 'fletcher32'),
            'history_0_pseudo_likelihood': (('epoch_0',), '<f8', (2,), 'per-epoch pseudo_likelihood of layer 0', (2,), 'fletcher32'),
            'history_0_pseudo_likelihood_heldout': (('epoch_0',), '<f8', (2,), 'per-epoch pseudo_likelihood_heldout of layer 0', (2,), 'fletcher32'),
            'history_0_time': (('epoch_0',), '<f8', (2,), 'per-epoch time of layer 0', (2,), 'fletcher32'),
            'state_0_h_samples': (('state_0_h_samples_dim0', 'state_0_h_samples_dim1'), '<f8', (5, 4), 'checkpoint state h_samples of layer 0', (5, 4), 'fletcher32'),
            'components_1': (('hidden_1', 'visible_1'), '<f4', (3, 4), 'weights W of layer 1 (hidden x visible)', (3, 4), 'fletcher32'),
            'intercept_hidden_1': (('hidden_1',), '<f4', (3,), 'hidden biases of layer 1', (3,), 'fletcher32'),
            'intercept_visible_1': (('visible_1',), '<f4', (4,), 'visible biases of layer 1', (4,), 'fletcher32'),
            'history_1_pseudo_likelihood': (('epoch_1',), '<f8', (3,), 'per-epoch pseudo_likelihood of layer 1', (3,), 'fletcher32'),
            'history_1_pseudo_likelihood_heldout': (('epoch_1',), '<f8', (3,), 'per-epoch pseudo_likelihood_heldout of layer 1', (3,), 'fletcher32'),
            'history_1_time': (('epoch_1',), '<f8', (3,), 'per-epoch time of layer 1', (3,), 'fletcher32'),
            'state_1_velocity_components': (('state_1_velocity_components_dim0', 'state_1_velocity_components_dim1'), '<f4', (3, 4), 'checkpoint state velocity_components of layer 1', (3, 4), 'fletcher32'),
            'state_1_persistent_chain': (('state_1_persistent_chain_dim0', 'state_1_persistent_chain_dim1'), '|i1', (2, 4), 'checkpoint state persistent_chain of layer 1', (2, 4), 'fletcher32'),
            'state_1_step': ((), '<u8', (), 'checkpoint state step of layer 1', None, ''),
            'state_1_empty': (('state_1_empty_dim0', 'state_1_empty_dim1'), '|i1', (0, 3), 'checkpoint state empty of layer 1', (1024, 3), 'fletcher32'),
        },
    },
    'rbm': {
        "attrs": [
            ('format', 'deeprg.model'),
            ('format_version', ('<i8', 1)),
            ('deeprg_version', VERSION),
            ('created', CREATED),
            ('config_json', '{}'),
            ('n_layers', ('<i8', 1)),
            ('checkpoint', ('<i8', 0)),
            ('layer_0_estimator', 'deeprg.rbm.BernoulliRBM'),
            ('layer_0_params_json', '{"n_components": 2, "l1": 0.0002, "dtype": "float32", "persistent": true, "random_state": null}'),
            ('layer_0_epoch', ('<i8', 3)),
            ('layer_0_history_names_json', '["pseudo_likelihood", "pseudo_likelihood_heldout", "time"]'),
            ('layer_0_state_names_json', '[]'),
        ],
        "variables": {
            'components_0': (('hidden_0', 'visible_0'), '<f4', (2, 5), 'weights W of layer 0 (hidden x visible)', (2, 5), 'gzip4+shuffle+fletcher32'),
            'intercept_hidden_0': (('hidden_0',), '<f4', (2,), 'hidden biases of layer 0', (2,), 'fletcher32'),
            'intercept_visible_0': (('visible_0',), '<f4', (5,), 'visible biases of layer 0', (5,), 'fletcher32'),
            'history_0_pseudo_likelihood': (('epoch_0',), '<f8', (3,), 'per-epoch pseudo_likelihood of layer 0', (3,), 'fletcher32'),
            'history_0_pseudo_likelihood_heldout': (('epoch_0',), '<f8', (3,), 'per-epoch pseudo_likelihood_heldout of layer 0', (3,), 'fletcher32'),
            'history_0_time': (('epoch_0',), '<f8', (3,), 'per-epoch time of layer 0', (3,), 'fletcher32'),
        },
    },
    'ensemble': {
        "attrs": [
            ('format', 'deeprg.ensemble'),
            ('format_version', ('<i8', 1)),
            ('deeprg_version', VERSION),
            ('created', CREATED),
            ('config_json', '{"sampler": {"name": "wolff"}, "size": 3}'),
            ('beta', ('<f8', 0.44)),
            ('coupling', ('<f8', 1.0)),
            ('L', ('<i8', 3)),
            ('algorithm', 'wolff'),
            ('spacing', ('<i8', 2)),
            ('n_thermalize', ('<i8', 100)),
            ('seed', '1180591620717411303424'),
            ('tau_energy', ('<f8', 1.25)),
            ('tau_abs_magnetization', ('<f8', 2.5)),
            ('samples_deeprg_version', '0.0.9.test'),
        ],
        "variables": {
            'spins': (('sample', 'y', 'x'), '|i1', (6, 3, 3), {'long_name': 'Ising spin configurations', 'units': '1', 'flag_values': ('|i1', [-1, 1]), 'flag_meanings': 'down up'}, (6, 3, 3), 'gzip4+fletcher32'),
            'energy': (('sample',), '<f8', (6,), {'long_name': 'energy per site H/L^2, in units of the coupling scale of beta', 'units': 'per site'}, (6,), 'fletcher32'),
            'magnetization': (('sample',), '<f8', (6,), {'long_name': 'magnetization per site sum(s)/L^2', 'units': 'per site'}, (6,), 'fletcher32'),
            'chain': (('sample',), '<i8', (6,), 'index of the Markov chain of each sample', (6,), 'fletcher32'),
        },
    },
}


# --------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    return write_all(tmp_path_factory.mktemp("layout"))


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_global_attributes_are_unchanged(written, kind):
    got, expected = layout(written[kind])["attrs"], EXPECTED[kind]["attrs"]
    assert [key for key, _ in got] == [key for key, _ in expected]  # names and order
    for (key, value), (_, want) in zip(got, expected, strict=True):
        if want is CREATED:
            assert datetime.fromisoformat(value).utcoffset().total_seconds() == 0, value
        elif want is VERSION:
            assert value == deeprg.__version__
        else:
            assert value == want, key


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_variables_are_unchanged(written, kind):
    got, expected = layout(written[kind])["variables"], EXPECTED[kind]["variables"]
    assert list(got) == list(expected)  # names and order
    for name, description in expected.items():
        assert got[name] == description, name  # dims, dtype, shape, attributes, chunks, filters


def _layer_values(i: int, layer: LayerRecord, *, checkpoint: bool) -> dict[str, np.ndarray]:
    """Where each array of a record goes, written out independently of deeprg.io.model_format."""
    values = {
        f"components_{i}": layer.components,
        f"intercept_hidden_{i}": layer.intercept_hidden,
        f"intercept_visible_{i}": layer.intercept_visible,
    }
    values.update({f"history_{i}_{name}": np.array(v, dtype=np.float64) for name, v in layer.history.items()})
    if checkpoint:
        values.update({f"state_{i}_{name}": np.asarray(v) for name, v in layer.state.items()})
    return values


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_every_variable_holds_exactly_its_input(written, kind):
    if kind == "ensemble":
        s = samples()
        values = {"spins": s.spins, "energy": s.energy, "magnetization": s.magnetization, "chain": s.chain}
    else:
        layers, options = model_inputs()[kind]
        values = {}
        for i, layer in enumerate(layers):
            values.update(_layer_values(i, layer, checkpoint=options.get("checkpoint", False)))
    with xr.open_dataset(written[kind], engine="h5netcdf", mask_and_scale=False) as ds:
        assert sorted(ds.variables) == sorted(values)
        for name, want in values.items():
            got = ds[name].values
            assert got.dtype == want.dtype and got.shape == want.shape, name
            assert np.ascontiguousarray(got).tobytes() == np.ascontiguousarray(want).tobytes(), name


def test_the_files_load_back_to_their_inputs(written):
    for kind, (layers, options) in model_inputs().items():
        model = load_model(written[kind])
        assert model.checkpoint == options.get("checkpoint", False) and len(model.layers) == len(layers)
        for got, want in zip(model.layers, layers, strict=True):
            assert got.params == want.params and got.estimator == want.estimator and got.epoch == want.epoch
            assert list(got.state) == (list(want.state) if model.checkpoint else [])
            assert (got.rng_state is None) == (not model.checkpoint)
    loaded = load_ensemble(written["ensemble"])
    assert loaded.seed == 2**70 and loaded.tau == {"energy": 1.25, "abs_magnetization": 2.5}
