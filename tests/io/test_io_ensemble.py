"""Ensemble files: exact round trips, the documented layout, and clear errors on bad files."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deeprg
from deeprg.errors import DeepRGError, FileFormatError, InvalidParameterError
from deeprg.io import (
    ENSEMBLE_FORMAT,
    ENSEMBLE_FORMAT_VERSION,
    OutputExistsError,
    ensemble_from_dataset,
    ensemble_to_dataset,
    load_ensemble,
    read_dataset,
    save_ensemble,
    write_dataset,
)
from deeprg.io.ensemble import FORMAT, FORMAT_VERSION
from deeprg.ising.sampleset import ALGORITHMS, SampleSet

FIELDS = (
    "spins",
    "energy",
    "magnetization",
    "beta",
    "coupling",
    "algorithm",
    "spacing",
    "n_thermalize",
    "tau",
    "chain",
    "seed",
    "config",
    "deeprg_version",
)
ARRAYS = ("spins", "energy", "magnetization", "chain")


def make_samples(seed: int | None = 3, n: int = 7, L: int = 5, **overrides) -> SampleSet:
    rng = np.random.default_rng(12345)
    spins = np.where(rng.random((n, L, L)) < 0.5, -1, 1).astype(np.int8)
    fields = dict(
        spins=spins,
        energy=rng.normal(-1.4, 0.1, size=n),
        magnetization=spins.mean(axis=(1, 2), dtype=np.float64),
        beta=0.408,
        coupling=1.0,
        algorithm="wolff",
        spacing=3,
        n_thermalize=1000,
        tau={"energy": 1.7320508075688772, "abs_magnetization": 2.5},
        chain=np.repeat(np.arange(2, dtype=np.int64), [4, n - 4]) if n >= 4 else np.zeros(n, dtype=np.int64),
        seed=seed,
        config={"size": L, "beta": 0.408, "sampler": {"name": "wolff", "spacing": 3}, "tags": ["a", "b"], "x": None},
        deeprg_version="0.0.9.test",
    )
    fields.update(overrides)
    return SampleSet(**fields)


def assert_identical(a: SampleSet, b: SampleSet) -> None:
    for name in FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        if name in ARRAYS:
            assert isinstance(y, np.ndarray), name
            assert x.dtype == y.dtype, name
            assert x.shape == y.shape, name
            assert x.tobytes() == y.tobytes(), name  # bit for bit, NaN payloads and -0.0 included
        elif name == "tau":
            assert x.keys() == y.keys()
            for key in x:
                assert np.float64(x[key]).tobytes() == np.float64(y[key]).tobytes(), key
                assert type(y[key]) is float
        else:
            assert x == y, name
            assert type(x) is type(y), name


@pytest.fixture
def samples() -> SampleSet:
    return make_samples()


@pytest.fixture
def saved(tmp_path, samples) -> Path:
    return save_ensemble(samples, tmp_path / "ensemble.nc")


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("seed", [3, None, 0, 2**63 - 1, 2**100])
def test_round_trip_keeps_every_field(tmp_path, seed):
    original = make_samples(seed=seed)
    path = save_ensemble(original, tmp_path / "e.nc")
    assert path == tmp_path / "e.nc"
    loaded = load_ensemble(path)
    assert_identical(original, loaded)
    assert loaded.seed == seed and (seed is not None or loaded.seed is None)


def test_round_trip_of_special_values(tmp_path):
    energy = np.array([np.nan, -0.0, np.inf, -np.inf, 5e-324, 1.0, -2.0], dtype=np.float64)
    original = make_samples(energy=energy, tau={}, config={}, seed=None)
    loaded = load_ensemble(save_ensemble(original, tmp_path / "e.nc"))
    assert_identical(original, loaded)
    assert loaded.tau == {} and loaded.config == {}


def test_round_trip_without_file(samples):
    assert_identical(samples, ensemble_from_dataset(ensemble_to_dataset(samples)))


def test_empty_ensemble_round_trips(tmp_path):
    original = make_samples(n=0, L=4)
    assert_identical(original, load_ensemble(save_ensemble(original, tmp_path / "e.nc")))


def test_written_and_sampled_versions_are_kept_apart(saved, samples):
    with xr.open_dataset(saved) as ds:
        assert ds.attrs["deeprg_version"] == deeprg.__version__
        assert ds.attrs["samples_deeprg_version"] == samples.deeprg_version
    assert load_ensemble(saved).deeprg_version == "0.0.9.test"


# --------------------------------------------------------------------------- the layout


def test_file_is_plain_netcdf_with_documented_layout(saved, samples):
    with xr.open_dataset(saved) as ds:  # no engine, no deeprg
        ds.load()
    assert FORMAT == ENSEMBLE_FORMAT == "deeprg.ensemble" and FORMAT_VERSION == ENSEMBLE_FORMAT_VERSION == 1
    assert dict(ds.sizes) == {"sample": 7, "y": 5, "x": 5}
    assert ds["spins"].dims == ("sample", "y", "x") and ds["spins"].dtype == np.int8
    np.testing.assert_array_equal(ds["spins"].values, samples.spins)
    for name in ("energy", "magnetization"):
        assert ds[name].dims == ("sample",) and ds[name].dtype == np.float64
        assert ds[name].attrs["units"] == "per site" and ds[name].attrs["long_name"]
        assert "_FillValue" not in ds[name].encoding
    assert ds["chain"].dims == ("sample",) and ds["chain"].dtype == np.int64
    a = ds.attrs
    assert list(a)[:5] == ["format", "format_version", "deeprg_version", "created", "config_json"]
    assert a["format"] == "deeprg.ensemble" and a["format_version"] == 1
    assert a["beta"] == 0.408 and a["coupling"] == 1.0 and a["L"] == 5
    assert a["algorithm"] == "wolff" and a["spacing"] == 3 and a["n_thermalize"] == 1000 and a["seed"] == 3
    assert a["tau_energy"] == samples.tau["energy"] and a["tau_abs_magnetization"] == 2.5
    assert a["config_json"] == json.dumps(samples.config, sort_keys=True)
    created = datetime.fromisoformat(a["created"])
    assert created.utcoffset().total_seconds() == 0
    assert abs((datetime.now(timezone.utc) - created).total_seconds()) < 600


def test_spins_are_compressed_and_chunked_over_samples(saved):
    with h5py.File(saved, "r") as f:
        spins = f["spins"]
        assert spins.compression == "gzip" and spins.compression_opts == 4
        assert spins.chunks is not None and spins.chunks[1:] == (5, 5)


def test_seed_none_is_omitted(tmp_path):
    path = save_ensemble(make_samples(seed=None), tmp_path / "e.nc")
    with xr.open_dataset(path) as ds:
        assert "seed" not in ds.attrs


# --------------------------------------------------------------------------- writing


def test_save_refuses_existing_file(saved, samples):
    before = saved.read_bytes()
    with pytest.raises(OutputExistsError, match="exists; pass overwrite=True"):
        save_ensemble(samples, saved)
    assert saved.read_bytes() == before
    save_ensemble(make_samples(seed=None), saved, overwrite=True)
    assert load_ensemble(saved).seed is None


def test_loaded_file_is_closed_and_can_be_overwritten(saved):
    loaded = load_ensemble(saved)
    with h5py.File(saved, "w"):  # fails if a handle to the file were still open
        pass
    save_ensemble(loaded, saved, overwrite=True)
    assert_identical(loaded, load_ensemble(saved))


def test_failed_write_leaves_no_trace(tmp_path, samples, monkeypatch):
    target = tmp_path / "e.nc"

    def explode(self, path, *args, **kwargs):
        Path(path).write_bytes(b"\x89HDF\r\n\x1a\n partial")
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", explode)
    with pytest.raises(OSError, match="disk full"):
        save_ensemble(samples, target)
    assert list(tmp_path.iterdir()) == []


def test_save_validates_the_sampleset(tmp_path):
    bits = np.zeros((3, 4, 4), dtype=np.int8)
    with pytest.raises(InvalidParameterError, match="-1 and \\+1"):
        save_ensemble(make_samples(n=3, L=4, spins=bits), tmp_path / "a.nc")
    with pytest.raises(InvalidParameterError, match="energy must have shape"):
        save_ensemble(make_samples(energy=np.zeros(6)), tmp_path / "b.nc")
    with pytest.raises(InvalidParameterError, match="tau keys"):
        save_ensemble(make_samples(tau={"bad key/": 1.0}), tmp_path / "c.nc")
    with pytest.raises(InvalidParameterError, match="config cannot be stored as JSON"):
        save_ensemble(make_samples(config={"f": object()}), tmp_path / "d.nc")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- refusing bad files


def _fails(path, *fragments: str, kind: type = FileFormatError) -> FileFormatError:
    with pytest.raises(kind) as info:
        load_ensemble(path)
    err = info.value
    assert isinstance(err, FileFormatError) and isinstance(err, DeepRGError)
    msg = str(err)
    assert "\n" not in msg, msg
    for fragment in fragments:
        assert fragment in msg, msg
    return err


def _write_raw(ds: xr.Dataset, path: Path) -> Path:
    ds.to_netcdf(path, engine="h5netcdf")
    return path


def test_missing_file(tmp_path):
    err = _fails(tmp_path / "nope.nc", "nope.nc", "does not exist")
    assert isinstance(err, FileNotFoundError)


def test_directory_instead_of_file(tmp_path):
    _fails(tmp_path, "is a directory")


def test_text_file(tmp_path):
    path = tmp_path / "notes.nc"
    path.write_text("beta = 0.408\nthese are not spins\n")
    _fails(path, "notes.nc", "not a netCDF4/HDF5 file", "text")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.nc"
    path.touch()
    _fails(path, "empty", "not a netCDF4/HDF5 file")


def test_netcdf3_file(tmp_path):
    path = tmp_path / "classic.nc"
    path.write_bytes(b"CDF\x01" + bytes(60))
    _fails(path, "netCDF-3")


@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_truncated_copy(tmp_path, saved, fraction):
    data = saved.read_bytes()
    path = tmp_path / "truncated.nc"
    path.write_bytes(data[: int(len(data) * fraction)])
    _fails(path, "truncated.nc", "truncated or corrupt")


@pytest.mark.parametrize("variable", ["energy", "chain"])
def test_flipped_byte_inside_data_is_detected(tmp_path, saved, samples, variable):
    data = bytearray(saved.read_bytes())
    raw = getattr(samples, variable).tobytes()
    start = data.find(raw)
    assert start > 0 and data.find(raw, start + 1) == -1
    data[start + 3] ^= 0x10  # bit rot in the middle of the column
    path = tmp_path / "rotten.nc"
    path.write_bytes(bytes(data))
    _fails(path, "rotten.nc", "truncated or corrupt")


def test_checksums_are_written(saved):
    with h5py.File(saved, "r") as f:
        assert all(f[name].fletcher32 for name in ("spins", "energy", "magnetization", "chain"))


def test_netcdf_without_format(tmp_path):
    path = _write_raw(xr.Dataset({"spins": (("sample", "y", "x"), np.ones((2, 3, 3), np.int8))}), tmp_path / "x.nc")
    _fails(path, "not a deeprg file", "no 'format' attribute", "deeprg.ensemble")


def test_other_deeprg_format(tmp_path, samples):
    ds = ensemble_to_dataset(samples)
    ds.attrs["format"] = "deeprg.model"
    _fails(_write_raw(ds, tmp_path / "m.nc"), "this is a deeprg.model file, not an ensemble")


def test_newer_format_version(tmp_path, samples):
    ds = ensemble_to_dataset(samples)
    ds.attrs["format_version"] = 2
    ds.attrs["deeprg_version"] = "9.0.0"
    _fails(_write_raw(ds, tmp_path / "new.nc"), "written by a newer deeprg (format_version 2 > 1); upgrade deeprg", "9.0.0")


@pytest.mark.parametrize("bad", [0, -3, "one", 1.5])
def test_invalid_format_version(tmp_path, samples, bad):
    ds = ensemble_to_dataset(samples)
    ds.attrs["format_version"] = bad
    _fails(_write_raw(ds, tmp_path / "v.nc"), "format_version must be a positive integer")


def test_spins_of_wrong_dtype(tmp_path, samples):
    ds = ensemble_to_dataset(samples)
    ds["spins"] = ds["spins"].astype(np.float32)
    _fails(_write_raw(ds, tmp_path / "f.nc"), "'spins' must be int8", "float32")


def test_spins_not_plus_minus_one(tmp_path, samples):
    ds = ensemble_to_dataset(samples)
    ds["spins"].values[2, 1, 1] = 0
    _fails(_write_raw(ds, tmp_path / "z.nc"), "only -1 and +1", "found 0")


def test_spins_not_square(tmp_path, samples):
    ds = ensemble_to_dataset(samples).isel(x=slice(0, 4))
    _fails(_write_raw(ds, tmp_path / "r.nc"), "square", "5 x 4")


def test_spins_of_wrong_rank(tmp_path, samples):
    ds = ensemble_to_dataset(samples)
    ds["spins"] = (("sample", "site"), samples.spins.reshape(7, 25))
    _fails(_write_raw(ds, tmp_path / "flat.nc"), "'spins' must have dimensions ('sample', 'y', 'x')")


def test_length_mismatch(tmp_path, samples):
    ds = ensemble_to_dataset(samples)
    ds["energy"] = (("n_energy",), samples.energy[:6])
    _fails(_write_raw(ds, tmp_path / "len.nc"), "length mismatch", "7 spin configurations but 6 energy values")


def test_missing_variable_and_attribute(tmp_path, samples):
    _fails(_write_raw(ensemble_to_dataset(samples).drop_vars("chain"), tmp_path / "a.nc"), "'chain' is missing")
    ds = ensemble_to_dataset(samples)
    del ds.attrs["beta"]
    _fails(_write_raw(ds, tmp_path / "b.nc"), "'beta' is missing")


def test_inconsistent_L(tmp_path, samples):
    ds = ensemble_to_dataset(samples)
    ds.attrs["L"] = 6
    _fails(_write_raw(ds, tmp_path / "l.nc"), "L = 6 does not match")


def test_corrupt_config_json(tmp_path, samples):
    ds = ensemble_to_dataset(samples)
    ds.attrs["config_json"] = "{not json"
    _fails(_write_raw(ds, tmp_path / "c.nc"), "config_json is not valid JSON")


# --------------------------------------------------------------------------- the shared container


def test_container_is_reusable_for_other_formats(tmp_path):
    ds = xr.Dataset({"weights": (("visible", "hidden"), np.arange(6.0).reshape(3, 2))}, attrs={"n_components": 2})
    path = write_dataset(ds, tmp_path / "m.nc", format="deeprg.model", format_version=1, config={"l1": 2e-4})
    back = read_dataset(path, format="deeprg.model", max_version=1)
    assert back.attrs["format"] == "deeprg.model" and back.attrs["n_components"] == 2
    assert json.loads(back.attrs["config_json"]) == {"l1": 2e-4}
    np.testing.assert_array_equal(back["weights"].values, ds["weights"].values)
    assert "format" not in ds.attrs  # the input is not modified
    with pytest.raises(FileFormatError, match="this is a deeprg.model file, not an ensemble"):
        read_dataset(path, format="deeprg.ensemble", max_version=1)
    with pytest.raises(FileFormatError, match="this is a deeprg.ensemble file, not a model"):
        read_dataset(save_ensemble(make_samples(), tmp_path / "e.nc"), format="deeprg.model", max_version=1)


# --------------------------------------------------------------------------- property test

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)


@st.composite
def sample_sets(draw) -> SampleSet:
    n = draw(st.integers(0, 6))
    L = draw(st.integers(1, 5))
    signs = draw(hnp.arrays(np.bool_, (n, L, L)))
    floats = hnp.arrays(np.float64, (n,), elements=st.floats(allow_nan=True, allow_infinity=True))
    return SampleSet(
        spins=np.where(signs, 1, -1).astype(np.int8),
        energy=draw(floats),
        magnetization=draw(floats),
        beta=draw(st.floats(0, 10)),
        coupling=draw(st.floats(-5, 5)),
        algorithm=draw(st.sampled_from(ALGORITHMS)),
        spacing=draw(st.integers(1, 2**40)),
        n_thermalize=draw(st.integers(0, 2**40)),
        tau=draw(st.dictionaries(st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True), st.floats(0, 1e6), max_size=3)),
        chain=draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, 2**62))),
        seed=draw(st.none() | st.integers(0, 2**128)),
        config=draw(st.dictionaries(st.text(max_size=5), json_values, max_size=4)),
        deeprg_version=draw(st.from_regex(r"[0-9]\.[0-9]{1,2}\.[0-9](\.dev[0-9])?", fullmatch=True)),
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sample_sets())
def test_round_trip_property(original):
    directory = Path(tempfile.mkdtemp(prefix="deeprg-io-"))
    try:
        path = save_ensemble(original, directory / "e.nc")
        assert_identical(original, load_ensemble(path))
    finally:
        shutil.rmtree(directory)
