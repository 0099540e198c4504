"""The one deeprg file container: netCDF4/HDF5 with self-describing attributes.

Every deeprg file (ensembles now, RBM/DBN models later) is a netCDF4 file
written with xarray's ``h5netcdf`` engine, so ``xarray.open_dataset(path)`` reads
it without deeprg. Its global attributes always start with

``format``
    What the file holds, e.g. ``"deeprg.ensemble"`` or ``"deeprg.model"``.
``format_version``
    Integer layout version of that format; readers refuse newer versions.
``deeprg_version``
    Version of deeprg that wrote the file.
``created``
    Creation time, ISO 8601 in UTC (``2026-05-09T07:35:25+00:00``).
``config_json``
    ``json.dumps(config, sort_keys=True)`` of the parameters that produced the data.

This module writes those attributes (:func:`write_dataset`), checks them
(:func:`check_header`), and opens, validates and fully loads a file
(:func:`read_dataset`). Format-specific modules such as
:mod:`deeprg.io.ensemble` only map their objects to and from an
:class:`xarray.Dataset`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from deeprg.errors import (
    FileFormatError,
    InvalidParameterError,
    MissingFileError,  # noqa: F401 - defined in deeprg.errors, re-exported here
)
from deeprg.io._json import json_default
from deeprg.io.atomic import atomic_path

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

__all__ = [
    "CHUNK_BYTES",
    "HEADER_ATTRS",
    "MissingFileError",
    "check_header",
    "chunk_shape",
    "decode_config",
    "encode_config",
    "header_attrs",
    "read_dataset",
    "write_dataset",
]

#: Global attributes every deeprg file carries, in the order they are written.
HEADER_ATTRS = ("format", "format_version", "deeprg_version", "created", "config_json")

#: Target size of one chunk of a variable, in bytes before compression.
CHUNK_BYTES = 1 << 20

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _require_backend() -> None:
    """Fail with an actionable message when the HDF5 backend is missing."""
    try:
        import h5netcdf  # noqa: F401
        import h5py  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"deeprg files need h5netcdf with h5py ({exc}); install them with "
            "`pip install 'h5netcdf[h5py]'` (h5netcdf >= 1.8 no longer installs h5py by itself)"
        ) from exc


def chunk_shape(shape: tuple[int, ...], itemsize: int) -> tuple[int, ...]:
    """HDF5 chunks of about :data:`CHUNK_BYTES` over the first axis, whole along the others.

    Parameters
    ----------
    shape : tuple of int
        Shape of the variable, at least 1-D (HDF5 cannot chunk scalars).
    itemsize : int
        Bytes per element.

    Returns
    -------
    tuple of int
        Chunk shape, every entry at least 1 (empty axes still need a chunk).
    """
    row = max(1, int(np.prod(shape[1:], dtype=np.int64)) * itemsize)
    return (max(1, min(shape[0], CHUNK_BYTES // row)), *(max(1, n) for n in shape[1:]))


def encode_config(config: Mapping[str, Any] | None) -> str:
    """Serialize a configuration dictionary as ``config_json``.

    Parameters
    ----------
    config : mapping or None
        JSON-compatible parameters (numpy scalars and arrays, paths and sets are
        converted); ``None`` is stored as ``{}``.

    Returns
    -------
    str
        ``json.dumps(config, sort_keys=True)``.

    Raises
    ------
    InvalidParameterError
        If ``config`` is not a mapping or holds values JSON cannot represent.
    """
    if config is None:
        config = {}
    if not isinstance(config, Mapping):
        raise InvalidParameterError(f"config must be a dict; got {type(config).__name__}.")
    try:
        return json.dumps(dict(config), sort_keys=True, default=json_default)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"config cannot be stored as JSON ({exc}); use only numbers, strings, booleans, None, lists and dicts."
        ) from exc


def decode_config(attrs: Mapping[str, Any], *, source: str = "dataset") -> dict[str, Any]:
    """Parse the ``config_json`` attribute back into a dictionary (``{}`` when absent)."""
    text = attrs.get("config_json")
    if text is None:
        return {}
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    try:
        config = json.loads(str(text))
    except ValueError as exc:
        raise FileFormatError(f"{source}: attribute config_json is not valid JSON ({exc}); the file is corrupt") from exc
    if not isinstance(config, dict):
        raise FileFormatError(
            f"{source}: attribute config_json must hold a JSON object; got {type(config).__name__}"
        )
    return config


def header_attrs(
    *,
    format: str,
    format_version: int,
    config: Mapping[str, Any] | None = None,
    deeprg_version: str | None = None,
    created: str | None = None,
) -> dict[str, Any]:
    """The common global attributes of a deeprg file, in :data:`HEADER_ATTRS` order.

    Parameters
    ----------
    format : str
        File kind, e.g. ``"deeprg.ensemble"``.
    format_version : int
        Layout version of that kind.
    config : mapping, optional
        Parameters stored as ``config_json``.
    deeprg_version : str, optional
        Defaults to the running ``deeprg.__version__``.
    created : str, optional
        Defaults to the current UTC time in ISO 8601.
    """
    from deeprg import __version__

    if created is None:
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return {
        "format": str(format),
        "format_version": int(format_version),
        "deeprg_version": str(deeprg_version or __version__),
        "created": created,
        "config_json": encode_config(config),
    }


def _describe(format: str) -> str:
    """``"deeprg.ensemble"`` -> ``"an ensemble"``: how error messages name a format."""
    noun = format.rsplit(".", 1)[-1]
    article = "an" if noun[:1].lower() in "aeiou" else "a"
    return f"{article} {noun}"


def check_header(attrs: Mapping[str, Any], *, format: str, max_version: int, source: str = "dataset") -> int:
    """Check the ``format`` and ``format_version`` attributes of a deeprg file.

    Parameters
    ----------
    attrs : mapping
        Global attributes of the file or dataset.
    format : str
        Expected ``format``.
    max_version : int
        Newest ``format_version`` this deeprg can read.
    source : str
        Name of the file used in error messages.

    Returns
    -------
    int
        The file's ``format_version``.

    Raises
    ------
    FileFormatError
        If ``format`` is missing or different, or ``format_version`` is missing,
        not a positive integer, or newer than ``max_version``.
    """
    found = attrs.get("format")
    if found is None:
        raise FileFormatError(
            f"{source} is not a deeprg file: it has no 'format' attribute (expected format '{format}')"
        )
    if isinstance(found, bytes):
        found = found.decode("utf-8", "replace")
    found = str(found)
    if found != format:
        raise FileFormatError(
            f"{source}: this is a {found} file, not {_describe(format)} (expected format '{format}')"
        )
    raw = attrs.get("format_version")
    try:
        version = int(np.asarray(raw).item())
        valid = float(np.asarray(raw).item()) == version and version >= 1
    except (TypeError, ValueError):
        valid = False
    if raw is None or not valid:
        raise FileFormatError(
            f"{source}: attribute format_version must be a positive integer; got {raw!r} (the file is corrupt)"
        )
    if version > max_version:
        writer = attrs.get("deeprg_version")
        by = f"the file names deeprg {writer}; " if writer else ""
        raise FileFormatError(
            f"{source} was written by a newer deeprg (format_version {version} > {max_version}); "
            f"upgrade deeprg ({by}pip install --upgrade deeprg)"
        )
    return version


def write_dataset(
    ds: xr.Dataset,
    path: str | os.PathLike[str],
    *,
    format: str,
    format_version: int,
    config: Mapping[str, Any] | None = None,
    overwrite: bool = False,
    deeprg_version: str | None = None,
    encoding: Mapping[str, Mapping[str, Any]] | None = None,
) -> Path:
    """Write a dataset as a deeprg file, atomically.

    The header attributes (:data:`HEADER_ATTRS`) are set (replacing any already
    in ``ds``) and put first; the dataset's other attributes follow unchanged.
    ``ds`` itself is not modified.

    Parameters
    ----------
    ds : xarray.Dataset
        Arrays and format-specific attributes.
    path : str or path-like
        Output file (conventionally ``*.nc``).
    format, format_version : str, int
        File kind and layout version (see :func:`header_attrs`).
    config : mapping, optional
        Parameters stored as ``config_json``.
    overwrite : bool, default False
        Whether an existing file may be replaced.
    deeprg_version : str, optional
        Stored as ``deeprg_version``; defaults to the running deeprg.
    encoding : mapping, optional
        Per-variable netCDF encoding passed to :meth:`xarray.Dataset.to_netcdf`;
        by default each variable's own ``.encoding`` is used.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OutputExistsError, UnwritablePathError
        See :func:`deeprg.io.atomic_path`.
    """
    _require_backend()
    header = header_attrs(
        format=format, format_version=format_version, config=config, deeprg_version=deeprg_version
    )
    out = ds.copy(deep=False)
    out.attrs = {**header, **{k: v for k, v in ds.attrs.items() if k not in header}}
    with atomic_path(path, overwrite=overwrite) as tmp:
        out.to_netcdf(tmp, engine="h5netcdf", encoding=dict(encoding) if encoding else None)
    return Path(os.fspath(path))


def _sniff(path: Path) -> None:
    """Refuse files that are not HDF5 before handing them to the HDF5 library."""
    size = path.stat().st_size
    if size == 0:
        raise FileFormatError(f"{path} is empty (0 bytes): not a netCDF4/HDF5 file; it was probably never written")
    with path.open("rb") as fh:
        head = fh.read(8)
        if head.startswith(b"CDF"):
            raise FileFormatError(
                f"{path} is a netCDF-3 file; deeprg files are netCDF4/HDF5 written by deeprg"
            )
        # HDF5 allows a user block: the signature sits at 0, 512, 1024, 2048, ...
        offset = 0
        while offset + 8 <= size:
            fh.seek(offset)
            if fh.read(8) == _HDF5_SIGNATURE:
                return
            offset = 512 if offset == 0 else 2 * offset
    looks = "a text file" if _is_text(head) else "binary data of another kind"
    raise FileFormatError(f"{path} is not a netCDF4/HDF5 file (it looks like {looks}, starting {head!r})")


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(c >= 32 or c in b"\t\n\r" for c in head)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _existing_hdf5(path: str | os.PathLike[str], expected: str) -> Path:
    """Check that ``path`` is an existing HDF5 file before any library opens it."""
    _require_backend()
    p = Path(os.fspath(path))
    if not p.exists():
        raise MissingFileError(f"{p} does not exist; check the path (expected {expected})")
    if p.is_dir():
        raise FileFormatError(f"{p} is a directory, not {expected}")
    _sniff(p)
    return p


def file_format(path: str | os.PathLike[str]) -> str:
    """The ``format`` attribute of a deeprg file (e.g. ``"deeprg.ensemble"``), without loading it.

    Raises
    ------
    FileFormatError
        If the file does not exist, is not netCDF4/HDF5, or has no ``format`` attribute.
    """
    import h5py

    p = _existing_hdf5(path, "a deeprg file")
    try:
        with h5py.File(p, "r") as fh:
            value = fh.attrs.get("format")
    except Exception as exc:
        raise FileFormatError(f"{p} cannot be read as netCDF4/HDF5 ({_first_line(exc)}); it is probably corrupt") from exc
    if value is None:
        raise FileFormatError(f"{p} has no 'format' attribute: it was not written by deeprg")
    return value.decode() if isinstance(value, bytes) else str(value)


def read_dataset(
    path: str | os.PathLike[str],
    *,
    format: str,
    max_version: int,
) -> xr.Dataset:
    """Open a deeprg file, check its header and load it fully into memory.

    The file is closed before returning, so it can be overwritten or deleted
    afterwards. Variables are returned as stored (no CF masking or scaling).

    Parameters
    ----------
    path : str or path-like
        File to read.
    format : str
        Expected ``format`` attribute, e.g. ``"deeprg.ensemble"``.
    max_version : int
        Newest ``format_version`` the caller understands.

    Returns
    -------
    xarray.Dataset
        The in-memory dataset, with ``format_version`` checked.

    Raises
    ------
    FileFormatError
        If the file does not exist (:class:`MissingFileError`), is not
        netCDF4/HDF5, is truncated or corrupt, or is not a ``format`` file of a
        supported version.
    """
    import xarray as xr

    p = _existing_hdf5(path, f"a {format} file")
    try:
        with xr.open_dataset(p, engine="h5netcdf", mask_and_scale=False, decode_times=False) as ds:
            check_header(ds.attrs, format=format, max_version=max_version, source=str(p))
            loaded = ds.load()
    except FileFormatError:
        raise
    except Exception as exc:  # h5py/h5netcdf/xarray raise many kinds on damaged files
        raise FileFormatError(
            f"{p} cannot be read as netCDF4/HDF5 ({_first_line(exc)}); it is probably truncated or corrupt: "
            "regenerate it or restore a good copy"
        ) from exc
    for var in loaded.variables.values():  # the file is closed: drop references to it
        var.encoding.pop("source", None)
    loaded.encoding.pop("source", None)
    return loaded
