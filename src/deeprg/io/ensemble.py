"""Ensemble files: a :class:`~deeprg.ising.sampleset.SampleSet` as a netCDF4/HDF5 file.

Layout (``format = "deeprg.ensemble"``, ``format_version = 1``)::

    dimensions: sample, y, x                      (y = x = L)
    variables:
        int8    spins(sample, y, x)               spins in {-1, +1}, gzip level 4, chunked over samples
        float64 energy(sample)                    energy per site, H / L^2
        float64 magnetization(sample)             magnetization per site
        int64   chain(sample)                     index of the chain each sample comes from
    global attributes:
        format, format_version, deeprg_version, created, config_json   (see deeprg.io.container)
        beta, coupling, L, algorithm, spacing, n_thermalize
        seed                      integer seed; absent when the run had none (seed=None);
                                  stored as a decimal string if it does not fit in int64
        tau_<observable>          integrated autocorrelation times (tau_energy, tau_abs_magnetization, ...)
        samples_deeprg_version    version of deeprg that produced the samples

Every variable is chunked over samples and carries a Fletcher-32 checksum, so
a damaged file fails to load instead of giving wrong numbers. Any netCDF tool reads it; in Python ``xarray.open_dataset(path)`` is enough.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from deeprg.errors import FileFormatError, InvalidParameterError
from deeprg.io.container import (
    check_header,
    chunk_shape,
    decode_config,
    header_attrs,
    read_dataset,
    write_dataset,
)

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

    from deeprg.ising.sampleset import SampleSet

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "ensemble_from_dataset",
    "ensemble_to_dataset",
    "load_ensemble",
    "save_ensemble",
]

FORMAT = "deeprg.ensemble"
FORMAT_VERSION = 1

_DIMS = ("sample", "y", "x")
_TAU_PREFIX = "tau_"
_TAU_KEY = re.compile(r"^[A-Za-z0-9_.\-]+$")
_INT64 = np.iinfo(np.int64)
#: The per-sample columns with their stored dtype and the dtype kinds a file may hold.
_COLUMNS = (("energy", np.float64, "f"), ("magnetization", np.float64, "f"), ("chain", np.int64, "iu"))


def _encodings(n_samples: int, L: int) -> dict[str, dict[str, Any]]:
    """netCDF encodings: gzip for spins, chunks of about 1 MiB over samples, Fletcher-32 checksums.

    The checksums make a damaged chunk an error on reading instead of silently wrong numbers.
    """
    column = {"fletcher32": True, "chunksizes": chunk_shape((n_samples,), 8)}
    return {
        "spins": {"zlib": True, "complevel": 4, "fletcher32": True, "chunksizes": chunk_shape((n_samples, L, L), 1)},
        "energy": {**column, "_FillValue": None},
        "magnetization": {**column, "_FillValue": None},
        "chain": dict(column),
    }


def _encode_seed(seed: Any) -> int | str | None:
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise InvalidParameterError(f"seed must be an int or None to be saved; got {seed!r}.")
    seed = int(seed)
    return seed if _INT64.min <= seed <= _INT64.max else str(seed)


def ensemble_to_dataset(samples: SampleSet) -> xr.Dataset:
    """Map a :class:`SampleSet` onto an :class:`xarray.Dataset` in the ensemble layout.

    The dataset carries the full header (``format``, ``format_version``, ...), and
    ``spins`` carries its compression settings in ``.encoding``, so
    ``ensemble_to_dataset(s).to_netcdf(path, engine="h5netcdf")`` already writes a
    valid ensemble file (but not atomically: prefer :func:`save_ensemble`).

    Parameters
    ----------
    samples : SampleSet
        The ensemble.

    Returns
    -------
    xarray.Dataset
        Variables ``spins (sample, y, x)`` int8, ``energy``, ``magnetization``
        (float64) and ``chain`` (int64) over ``sample``; attributes as in the
        module docstring.

    Raises
    ------
    InvalidParameterError
        If the arrays are not consistent (shapes, lengths, spin values) or a
        field cannot be stored.
    """
    import xarray as xr

    spins, columns = _checked_arrays(samples)
    attrs = _attrs(samples, L=spins.shape[1])
    ds = xr.Dataset(
        {
            "spins": (_DIMS, spins, _variable_attrs("spins")),
            **{name: (("sample",), arr, _variable_attrs(name)) for name, arr in columns.items()},
        },
        attrs=attrs,
    )
    for name, encoding in _encodings(spins.shape[0], spins.shape[1]).items():
        ds[name].encoding = encoding
    return ds


def _checked_arrays(samples: SampleSet) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The spins (int8, n x L x L) and the per-sample columns of ``samples``, checked and in their stored dtypes."""
    from deeprg.ising.spins import check_spins

    spins = np.asarray(samples.spins)
    if spins.ndim != 3:
        raise InvalidParameterError(
            f"SampleSet.spins must have shape (n_samples, L, L); got shape {spins.shape}."
        )
    spins = check_spins(spins, name="SampleSet.spins")
    n = spins.shape[0]
    columns = {}
    for name, dtype, _ in _COLUMNS:
        arr = np.asarray(getattr(samples, name))
        if arr.shape != (n,):
            raise InvalidParameterError(
                f"SampleSet.{name} must have shape ({n},) to match {n} configurations; got shape {arr.shape}."
            )
        if dtype is np.int64 and arr.dtype.kind not in "iu":
            raise InvalidParameterError(f"SampleSet.chain must hold integers; got dtype {arr.dtype}.")
        columns[name] = arr.astype(dtype, copy=False)
    return spins, columns


def _tau_attrs(tau: Any) -> dict[str, float]:
    """``tau_<observable>`` attributes of the autocorrelation times."""
    attrs = {}
    for key, value in dict(tau or {}).items():
        if not isinstance(key, str) or not _TAU_KEY.match(key):
            raise InvalidParameterError(
                f"tau keys must be names made of letters, digits, '_', '.', '-'; got {key!r}."
            )
        try:
            attrs[_TAU_PREFIX + key] = float(value)
        except (TypeError, ValueError):
            raise InvalidParameterError(f"tau[{key!r}] must be a number; got {value!r}.") from None
    return attrs


def _attrs(samples: SampleSet, *, L: int) -> dict[str, Any]:
    """Global attributes of an ensemble file, in the order they are written."""
    tau = _tau_attrs(samples.tau)
    attrs: dict[str, Any] = header_attrs(format=FORMAT, format_version=FORMAT_VERSION, config=samples.config)
    attrs.update(
        beta=float(samples.beta),
        coupling=float(samples.coupling),
        L=int(L),
        algorithm=str(samples.algorithm),
        spacing=int(samples.spacing),
        n_thermalize=int(samples.n_thermalize),
    )
    seed = _encode_seed(samples.seed)
    if seed is not None:
        attrs["seed"] = seed
    attrs.update(tau)
    attrs["samples_deeprg_version"] = str(samples.deeprg_version)
    return attrs


def _variable_attrs(name: str) -> dict[str, Any]:
    """The CF attributes (``long_name``, ``units``, ...) of variable ``name``."""
    return {
        "spins": {
            "long_name": "Ising spin configurations",
            "units": "1",
            "flag_values": np.array([-1, 1], dtype=np.int8),
            "flag_meanings": "down up",
        },
        "energy": {"long_name": "energy per site H/L^2, in units of the coupling scale of beta", "units": "per site"},
        "magnetization": {"long_name": "magnetization per site sum(s)/L^2", "units": "per site"},
        "chain": {"long_name": "index of the Markov chain of each sample"},
    }[name]


def _attr(attrs: dict[str, Any], name: str, kind: type, source: str) -> Any:
    if name not in attrs:
        raise FileFormatError(f"{source}: required attribute {name!r} is missing; the file is incomplete or corrupt")
    value = attrs[name]
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if kind is str:
        if not isinstance(value, str):
            raise FileFormatError(f"{source}: attribute {name!r} must be text; got {value!r}")
        return value
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in ("iu" if kind is int else "iuf"):
        raise FileFormatError(f"{source}: attribute {name!r} must be a single {kind.__name__}; got {value!r}")
    return kind(arr.item())


def _decode_seed(attrs: dict[str, Any], source: str) -> int | None:
    if "seed" not in attrs:
        return None
    value = attrs["seed"]
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    try:
        if isinstance(value, str):
            return int(value)
        arr = np.asarray(value)
        if arr.size == 1 and arr.dtype.kind in "iu":
            return int(arr.item())
    except ValueError:
        pass
    raise FileFormatError(f"{source}: attribute 'seed' must be an integer; got {value!r}")


def _variable(ds: xr.Dataset, name: str, source: str) -> xr.DataArray:
    if name not in ds.variables:
        raise FileFormatError(f"{source}: required variable {name!r} is missing; the file is incomplete or corrupt")
    return ds[name]


def _read_spins(ds: xr.Dataset, source: str) -> np.ndarray:
    """The ``spins`` variable: int8, (sample, y, x), square lattices, only -1 and +1."""
    spins_var = _variable(ds, "spins", source)
    if spins_var.dims != _DIMS:
        raise FileFormatError(f"{source}: variable 'spins' must have dimensions {_DIMS}; got {spins_var.dims}")
    spins = np.array(spins_var.values)
    if spins.dtype != np.int8:
        raise FileFormatError(f"{source}: variable 'spins' must be int8; got {spins.dtype}")
    _, ny, nx = spins.shape
    if ny != nx or ny < 1:
        raise FileFormatError(f"{source}: spins must be square L x L lattices; got {ny} x {nx}")
    if spins.size and not np.all((spins == 1) | (spins == -1)):
        bad = spins[(spins != 1) & (spins != -1)].flat[0]
        raise FileFormatError(f"{source}: spins must hold only -1 and +1; found {int(bad)}; the file is corrupt")
    return spins


def _read_columns(ds: xr.Dataset, n: int, source: str) -> dict[str, np.ndarray]:
    """The per-sample columns (one value per spin configuration), in their documented dtypes."""
    columns = {}
    for name, dtype, kinds in _COLUMNS:
        var = _variable(ds, name, source)
        if var.ndim != 1:
            raise FileFormatError(f"{source}: variable {name!r} must be 1-D over 'sample'; got dimensions {var.dims}")
        if var.shape[0] != n:
            raise FileFormatError(
                f"{source}: length mismatch: {n} spin configurations but {var.shape[0]} {name} values; "
                "the file is corrupt"
            )
        if var.dims != ("sample",):
            raise FileFormatError(f"{source}: variable {name!r} must have dimension ('sample',); got {var.dims}")
        arr = np.array(var.values)
        if arr.dtype.kind not in kinds:
            raise FileFormatError(
                f"{source}: variable {name!r} has dtype {arr.dtype}; expected {np.dtype(dtype).name}"
            )
        columns[name] = arr.astype(dtype, copy=False)
    return columns


def ensemble_from_dataset(ds: xr.Dataset, *, source: str = "dataset") -> SampleSet:
    """Validate an ensemble-layout dataset and turn it back into a :class:`SampleSet`.

    Inverse of :func:`ensemble_to_dataset`: every field round-trips exactly.

    Parameters
    ----------
    ds : xarray.Dataset
        Dataset in the ensemble layout (with its header attributes).
    source : str
        Name used in error messages (the file name when loading).

    Returns
    -------
    SampleSet
        With arrays copied into memory owned by the SampleSet.

    Raises
    ------
    FileFormatError
        If the header is wrong (see :func:`deeprg.io.container.check_header`),
        or variables or attributes are missing, of the wrong type or shape, or
        spins hold values other than -1 and +1.
    """
    from deeprg.ising.sampleset import SampleSet

    attrs = dict(ds.attrs)
    check_header(attrs, format=FORMAT, max_version=FORMAT_VERSION, source=source)

    spins = _read_spins(ds, source)
    columns = _read_columns(ds, spins.shape[0], source)
    ny, nx = spins.shape[1:]
    L = _attr(attrs, "L", int, source)
    if L != ny:
        raise FileFormatError(f"{source}: attribute L = {L} does not match spins of size {ny} x {nx}")
    tau = {
        key[len(_TAU_PREFIX):]: _attr(attrs, key, float, source)
        for key in attrs
        if key.startswith(_TAU_PREFIX)
    }
    version = attrs.get("samples_deeprg_version", attrs.get("deeprg_version", ""))
    return SampleSet(
        spins=spins,
        energy=columns["energy"],
        magnetization=columns["magnetization"],
        beta=_attr(attrs, "beta", float, source),
        coupling=_attr(attrs, "coupling", float, source),
        algorithm=_attr(attrs, "algorithm", str, source),
        spacing=_attr(attrs, "spacing", int, source),
        n_thermalize=_attr(attrs, "n_thermalize", int, source),
        tau=tau,
        chain=columns["chain"],
        seed=_decode_seed(attrs, source),
        config=decode_config(attrs, source=source),
        deeprg_version=str(version),
    )


def save_ensemble(samples: SampleSet, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write a :class:`SampleSet` to an ensemble file, atomically.

    Parameters
    ----------
    samples : SampleSet
        The ensemble to store.
    path : str or path-like
        Output file, conventionally ``*.nc``.
    overwrite : bool, default False
        Whether an existing file may be replaced.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``overwrite`` is False.
    UnwritablePathError
        If the directory does not exist or is not writable.
    InvalidParameterError
        If ``samples`` is inconsistent or holds something that cannot be stored.

    See Also
    --------
    load_ensemble, deeprg.io.check_writable
    """
    ds = ensemble_to_dataset(samples)
    return write_dataset(
        ds,
        path,
        format=FORMAT,
        format_version=FORMAT_VERSION,
        config=samples.config,
        overwrite=overwrite,
    )


def load_ensemble(path: str | os.PathLike[str]) -> SampleSet:
    """Read an ensemble file written by :func:`save_ensemble`.

    The whole file is read into memory and closed, so it may be overwritten afterwards.

    Parameters
    ----------
    path : str or path-like
        Ensemble file.

    Returns
    -------
    SampleSet
        Identical, field by field, to the one that was saved.

    Raises
    ------
    FileFormatError
        If the file does not exist, is not netCDF4/HDF5, is truncated or
        corrupt, is another kind of deeprg file, was written by a newer deeprg,
        or does not hold a valid ensemble.
    """
    ds = read_dataset(path, format=FORMAT, max_version=FORMAT_VERSION)
    return ensemble_from_dataset(ds, source=os.fspath(path))
