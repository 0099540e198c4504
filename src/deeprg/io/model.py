"""Model files: a stack of RBM layers (a deep belief network) and training checkpoints.

A single RBM is a stack of one layer. Layout (``format = "deeprg.model"``,
``format_version = 1``), for every layer ``i = 0 .. n_layers - 1``::

    dimensions: hidden_i, visible_i, epoch_i, state_i_<name>_dim<k>
    variables:
        float   components_i(hidden_i, visible_i)     weights W (scikit-learn's name), float32 or float64
        float   intercept_hidden_i(hidden_i)          hidden biases
        float   intercept_visible_i(visible_i)        visible biases
        float64 history_i_<name>(epoch_i)             per-epoch metrics (may hold NaN, e.g. a missing split)
        any     state_i_<name>(state_i_<name>_dim0, ...)   checkpoints only: momentum buffers,
                                                      persistent chains, ... (bool, integer, float32/64)
    global attributes:
        format, format_version, deeprg_version, created, config_json   (see deeprg.io.container)
        n_layers                       number of layers
        checkpoint                     1 for a checkpoint (state and RNG state stored), else 0
        layer_i_estimator              e.g. "deeprg.rbm.BernoulliRBM"
        layer_i_params_json            the estimator's get_params() as JSON
        layer_i_epoch                  epochs completed
        layer_i_history_names_json     JSON list of the history names, in order
        layer_i_state_names_json       JSON list of the state names, in order
        layer_i_rng_state_json         numpy bit_generator.state as JSON (checkpoints, when present)

Consecutive layers chain: ``visible_{i+1} == hidden_i``. Every array keeps its
dtype, every value round-trips bit for bit, including RNG states with 128-bit
integers (PCG64) or arrays (MT19937, Philox, SFC64). Every non-scalar variable
is chunked and carries a Fletcher-32 checksum (weights and state arrays are also
gzip-compressed), so a damaged file fails to load instead of giving wrong
numbers. ``xarray.open_dataset(path)`` reads the file without deeprg.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from deeprg.errors import FileFormatError, InvalidParameterError
from deeprg.io.container import (
    _json_default,
    check_header,
    decode_config,
    header_attrs,
    read_dataset,
    write_dataset,
)

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "LayerRecord",
    "ModelFile",
    "load_model",
    "model_from_dataset",
    "model_to_dataset",
    "save_model",
]

FORMAT = "deeprg.model"
FORMAT_VERSION = 1

_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_LAYER_VAR = re.compile(r"^(?:components|intercept_hidden|intercept_visible|history|state)_(\d+)(?:_|$)")
_WEIGHT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_STATE_KINDS = "biuf"
_NDARRAY_TAG = "__ndarray__"
#: Target size of one chunk (bytes before compression), as for ensemble files.
_CHUNK_BYTES = 1 << 20


@dataclass(eq=False)
class LayerRecord:
    """Everything stored for one RBM layer of a model file or checkpoint.

    Parameters
    ----------
    components : ndarray of shape (n_hidden, n_visible)
        Weights ``W``, float32 or float64 (scikit-learn's ``components_``).
    intercept_hidden : ndarray of shape (n_hidden,)
        Hidden biases, float32 or float64.
    intercept_visible : ndarray of shape (n_visible,)
        Visible biases, float32 or float64.
    estimator : str
        Import path of the layer's class, e.g. ``"deeprg.rbm.BernoulliRBM"`` or
        ``"sklearn.neural_network.BernoulliRBM"``.
    params : dict
        The estimator's ``get_params()``, JSON-compatible (drop callbacks
        first). Tuples come back as lists.
    history : dict of str to list of float
        Per-epoch metrics, all of the same length; stored as float64, so the
        values may be NaN or infinite.
    state : dict of str to ndarray
        Checkpoint-only arrays (``"velocity_components"``, ``"persistent_chain"``
        of shape (n_chains, n_visible), ...): any shape, dtype bool, integer,
        float32 or float64, finite; names made of ``[A-Za-z0-9_]``.
        Written only by ``save_model(..., checkpoint=True)``.
    rng_state : dict or None
        ``bit_generator.state`` of the layer's random generator (arbitrarily
        large integers and numpy arrays are kept exactly). Written only by
        checkpoints.
    epoch : int
        Epochs completed.

    Notes
    -----
    Records compare by identity (``eq=False``): arrays have no single truth value.
    """

    components: np.ndarray
    intercept_hidden: np.ndarray
    intercept_visible: np.ndarray
    estimator: str
    params: dict
    history: dict[str, list[float]] = field(default_factory=dict)
    state: dict[str, np.ndarray] = field(default_factory=dict)
    rng_state: dict | None = None
    epoch: int = 0


@dataclass(eq=False)
class ModelFile:
    """A loaded model file or checkpoint.

    Attributes
    ----------
    layers : list of LayerRecord
        Bottom (visible) layer first.
    config : dict
        The ``config_json`` of the file (``{}`` when none was given).
    checkpoint : bool
        Whether the file is a checkpoint (layers carry ``state`` and ``rng_state``).
    deeprg_version : str
        Version of deeprg that wrote the file.
    created : str
        Creation time, ISO 8601 in UTC.
    """

    layers: list[LayerRecord]
    config: dict
    checkpoint: bool
    deeprg_version: str
    created: str


# --------------------------------------------------------------------------- JSON helpers


def _rng_default(obj: Any) -> Any:
    """JSON ``default`` for RNG states: numpy arrays are tagged so they come back as arrays."""
    if isinstance(obj, np.ndarray):
        return {_NDARRAY_TAG: {"dtype": obj.dtype.str, "shape": list(obj.shape), "data": obj.ravel().tolist()}}
    return _json_default(obj)


def _rng_hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and _NDARRAY_TAG in obj:
        spec = obj[_NDARRAY_TAG]
        return np.array(spec["data"], dtype=np.dtype(spec["dtype"])).reshape(spec["shape"])
    return obj


def _dumps(value: Any, what: str, *, default: Any = _json_default) -> str:
    if not isinstance(value, Mapping):
        raise InvalidParameterError(f"{what} must be a dict; got {type(value).__name__}.")
    bad = [key for key in value if not isinstance(key, str)]
    if bad:
        raise InvalidParameterError(f"{what} must have string keys; got {bad[0]!r}.")
    try:
        return json.dumps(dict(value), default=default)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"{what} cannot be stored as JSON ({exc}); use only numbers, strings, booleans, None, lists "
            "and dicts (drop callbacks and other objects first)."
        ) from exc


def _loads(text: Any, what: str, source: str, *, hook: Any = None) -> dict[str, Any]:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not isinstance(text, str):
        raise FileFormatError(f"{source}: attribute {what} must be JSON text; got {text!r}")
    try:
        value = json.loads(text, object_hook=hook)
    except (ValueError, TypeError, KeyError) as exc:
        raise FileFormatError(f"{source}: attribute {what} is not valid JSON ({exc}); the file is corrupt") from exc
    if not isinstance(value, dict):
        raise FileFormatError(f"{source}: attribute {what} must hold a JSON object; got {type(value).__name__}")
    return value


# --------------------------------------------------------------------------- writing


def _encoding(shape: tuple[int, ...], itemsize: int, *, compress: bool) -> dict[str, Any]:
    """netCDF encoding: chunks of about 1 MiB over the first axis, Fletcher-32 checksums.

    Scalars cannot be chunked in HDF5, so they get no filters.
    """
    encoding: dict[str, Any] = {"_FillValue": None}
    if not shape:
        return encoding
    row = max(1, int(np.prod(shape[1:], dtype=np.int64)) * itemsize)
    chunks = (max(1, min(shape[0], _CHUNK_BYTES // row)), *(max(1, n) for n in shape[1:]))
    encoding.update(fletcher32=True, chunksizes=chunks)
    if compress:
        encoding.update(zlib=True, complevel=4, shuffle=True)
    return encoding


def _weight(value: Any, what: str, ndim: int) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype not in _WEIGHT_DTYPES:
        raise InvalidParameterError(f"{what} must be float32 or float64; got dtype {arr.dtype}.")
    if arr.ndim != ndim:
        shape = "(n_hidden, n_visible)" if ndim == 2 else "1-D"
        raise InvalidParameterError(f"{what} must be {shape}; got shape {arr.shape}.")
    if arr.size and not np.isfinite(arr).all():
        raise InvalidParameterError(
            f"{what} holds NaN or infinite values; training diverged: lower the learning rate "
            "or save an earlier checkpoint."
        )
    return arr


def _check_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidParameterError(f"{what} names must be made of letters, digits and '_'; got {name!r}.")
    return name


def _layer_arrays(i: int, layer: LayerRecord, *, checkpoint: bool) -> tuple[dict[str, Any], dict[str, Any], dict]:
    """Validated variables, encodings and attributes of layer ``i``."""
    if not isinstance(layer, LayerRecord):
        raise InvalidParameterError(f"layers[{i}] must be a LayerRecord; got {type(layer).__name__}.")
    W = _weight(layer.components, f"layers[{i}].components", 2)
    n_hidden, n_visible = W.shape
    if n_hidden < 1 or n_visible < 1:
        raise InvalidParameterError(f"layers[{i}].components must have positive sizes; got shape {W.shape}.")
    b_h = _weight(layer.intercept_hidden, f"layers[{i}].intercept_hidden", 1)
    b_v = _weight(layer.intercept_visible, f"layers[{i}].intercept_visible", 1)
    if b_h.shape != (n_hidden,):
        raise InvalidParameterError(
            f"layers[{i}].intercept_hidden must have shape ({n_hidden},) to match components of shape "
            f"{W.shape}; got {b_h.shape}."
        )
    if b_v.shape != (n_visible,):
        raise InvalidParameterError(
            f"layers[{i}].intercept_visible must have shape ({n_visible},) to match components of shape "
            f"{W.shape}; got {b_v.shape}."
        )
    if not isinstance(layer.estimator, str) or not layer.estimator:
        raise InvalidParameterError(
            f"layers[{i}].estimator must be a non-empty class path such as 'deeprg.rbm.BernoulliRBM'; "
            f"got {layer.estimator!r}."
        )
    epoch = layer.epoch
    if isinstance(epoch, (bool, np.bool_)) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
        raise InvalidParameterError(f"layers[{i}].epoch must be a non-negative integer; got {epoch!r}.")

    hidden, visible, epochs = f"hidden_{i}", f"visible_{i}", f"epoch_{i}"
    variables: dict[str, Any] = {
        f"components_{i}": ((hidden, visible), W, {"long_name": f"weights W of layer {i} (hidden x visible)"}),
        f"intercept_hidden_{i}": ((hidden,), b_h, {"long_name": f"hidden biases of layer {i}"}),
        f"intercept_visible_{i}": ((visible,), b_v, {"long_name": f"visible biases of layer {i}"}),
    }
    encodings = {
        # checkpoints are rewritten every epoch: gzip would cost 4x the write for 30% less disk
        f"components_{i}": _encoding(W.shape, W.itemsize, compress=not checkpoint),
        f"intercept_hidden_{i}": _encoding(b_h.shape, b_h.itemsize, compress=False),
        f"intercept_visible_{i}": _encoding(b_v.shape, b_v.itemsize, compress=False),
    }

    history = layer.history if layer.history is not None else {}
    if not isinstance(history, Mapping):
        raise InvalidParameterError(f"layers[{i}].history must be a dict of lists; got {type(history).__name__}.")
    length = None
    for name, values in history.items():
        _check_name(name, f"layers[{i}].history")
        arr = np.asarray(values)
        if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "biuf"):
            raise InvalidParameterError(
                f"layers[{i}].history[{name!r}] must be a list of numbers; got shape {arr.shape}, dtype {arr.dtype}."
            )
        if length is None:
            length = arr.shape[0]
        elif arr.shape[0] != length:
            raise InvalidParameterError(
                f"layers[{i}].history lists must all have one value per epoch; got {length} values for "
                f"{next(iter(history))!r} but {arr.shape[0]} for {name!r}."
            )
        arr = arr.astype(np.float64)
        var = f"history_{i}_{name}"
        variables[var] = ((epochs,), arr, {"long_name": f"per-epoch {name} of layer {i}"})
        encodings[var] = _encoding(arr.shape, arr.itemsize, compress=False)

    attrs: dict[str, Any] = {
        f"layer_{i}_estimator": layer.estimator,
        f"layer_{i}_params_json": _dumps(layer.params, f"layers[{i}].params"),
        f"layer_{i}_epoch": int(epoch),
        f"layer_{i}_history_names_json": json.dumps(list(history)),
    }

    state_names: list[str] = []
    if checkpoint:
        state = layer.state if layer.state is not None else {}
        if not isinstance(state, Mapping):
            raise InvalidParameterError(f"layers[{i}].state must be a dict of arrays; got {type(state).__name__}.")
        for name, value in state.items():
            _check_name(name, f"layers[{i}].state")
            arr = np.asarray(value)
            what = f"layers[{i}].state[{name!r}]"
            if arr.dtype.kind not in _STATE_KINDS or (arr.dtype.kind == "f" and arr.dtype not in _WEIGHT_DTYPES):
                raise InvalidParameterError(
                    f"{what} must hold bool, integer, float32 or float64 values; got dtype {arr.dtype}."
                )
            if arr.dtype.kind == "f" and arr.size and not np.isfinite(arr).all():
                raise InvalidParameterError(f"{what} holds NaN or infinite values; it cannot be resumed from.")
            var = f"state_{i}_{name}"
            dims = tuple(f"{var}_dim{k}" for k in range(arr.ndim))
            variables[var] = (dims, arr, {"long_name": f"checkpoint state {name} of layer {i}"})
            # state exists only in checkpoints, which are rewritten every epoch and not compressed
            encodings[var] = _encoding(arr.shape, arr.itemsize, compress=False)
            state_names.append(name)
        if layer.rng_state is not None:
            attrs[f"layer_{i}_rng_state_json"] = _dumps(layer.rng_state, f"layers[{i}].rng_state", default=_rng_default)
    attrs[f"layer_{i}_state_names_json"] = json.dumps(state_names)
    return variables, encodings, attrs


def model_to_dataset(
    layers: Sequence[LayerRecord],
    *,
    config: Mapping[str, Any] | None = None,
    checkpoint: bool = False,
) -> xr.Dataset:
    """Validate a stack of layers and map it onto an :class:`xarray.Dataset` in the model layout.

    The dataset carries the full header and per-variable encodings (checksums,
    chunks, compression) in ``.encoding``; :func:`save_model` writes it atomically.

    Parameters
    ----------
    layers : sequence of LayerRecord
        Bottom layer first; at least one.
    config : mapping, optional
        Stored as ``config_json``.
    checkpoint : bool, default False
        Store the layers' ``state`` and ``rng_state`` too. A plain model file
        (False) leaves them out.

    Returns
    -------
    xarray.Dataset

    Raises
    ------
    InvalidParameterError
        If a layer is inconsistent: wrong shapes or dtypes, layers that do not
        chain (``visible_{i+1} != hidden_i``), non-finite weights or state,
        history lists of different lengths, bad names, or values JSON cannot hold.
    """
    import xarray as xr

    if isinstance(layers, LayerRecord):
        layers = [layers]
    if not isinstance(layers, Sequence) or not layers:
        raise InvalidParameterError("layers must be a non-empty list of LayerRecord (a single RBM is a list of one).")
    variables: dict[str, Any] = {}
    encodings: dict[str, Any] = {}
    # header_attrs validates config first, before any array work
    attrs: dict[str, Any] = header_attrs(format=FORMAT, format_version=FORMAT_VERSION, config=config)
    attrs.update(n_layers=len(layers), checkpoint=int(bool(checkpoint)))
    previous = None
    for i, layer in enumerate(layers):
        layer_vars, layer_enc, layer_attrs = _layer_arrays(i, layer, checkpoint=bool(checkpoint))
        n_hidden, n_visible = layer_vars[f"components_{i}"][1].shape
        if previous is not None and n_visible != previous:
            raise InvalidParameterError(
                f"layers do not chain: layer {i} has {n_visible} visible units but layer {i - 1} has "
                f"{previous} hidden units; each layer's n_visible must equal the previous layer's n_hidden."
            )
        previous = n_hidden
        variables.update(layer_vars)
        encodings.update(layer_enc)
        attrs.update(layer_attrs)
    ds = xr.Dataset(variables, attrs=attrs)
    for name, encoding in encodings.items():
        ds[name].encoding = encoding
    return ds


def save_model(
    layers: Sequence[LayerRecord],
    path: str | os.PathLike[str],
    *,
    config: Mapping[str, Any] | None = None,
    overwrite: bool = False,
    checkpoint: bool = False,
) -> Path:
    """Write a stack of RBM layers (or a checkpoint of one in training) to a model file, atomically.

    Everything is validated before anything is written; the file appears only
    when complete (temporary file, then ``os.replace``).

    Parameters
    ----------
    layers : sequence of LayerRecord
        Bottom layer first; a single RBM is a list of one.
    path : str or path-like
        Output file, conventionally ``*.nc``.
    config : mapping, optional
        Parameters of the run, stored as ``config_json``.
    overwrite : bool, default False
        Whether an existing file may be replaced.
    checkpoint : bool, default False
        Also store each layer's ``state`` arrays and ``rng_state`` so that
        training can resume bit for bit. Without it they are left out.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    InvalidParameterError
        If the layers are inconsistent (see :func:`model_to_dataset`).
    OutputExistsError
        If ``path`` exists and ``overwrite`` is False.
    UnwritablePathError
        If the directory does not exist or is not writable.

    See Also
    --------
    load_model
    """
    ds = model_to_dataset(layers, config=config, checkpoint=checkpoint)
    return write_dataset(ds, path, format=FORMAT, format_version=FORMAT_VERSION, config=config, overwrite=overwrite)


# --------------------------------------------------------------------------- reading


def _attr(attrs: Mapping[str, Any], name: str, source: str) -> Any:
    if name not in attrs:
        raise FileFormatError(f"{source}: required attribute {name!r} is missing; the file is incomplete or corrupt")
    value = attrs[name]
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _int_attr(attrs: Mapping[str, Any], name: str, source: str, *, minimum: int) -> int:
    value = _attr(attrs, name, source)
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "iu" or int(arr.item()) < minimum:
        raise FileFormatError(f"{source}: attribute {name!r} must be an integer >= {minimum}; got {value!r}")
    return int(arr.item())


def _names_attr(attrs: Mapping[str, Any], name: str, source: str) -> list[str]:
    text = _attr(attrs, name, source)
    try:
        names = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        names = None
    if not isinstance(names, list) or not all(isinstance(n, str) and _NAME.match(n) for n in names):
        raise FileFormatError(f"{source}: attribute {name!r} must be a JSON list of names; got {text!r}")
    return names


def _read_var(ds: xr.Dataset, name: str, dims: tuple[str, ...] | None, source: str) -> np.ndarray:
    if name not in ds.variables:
        raise FileFormatError(f"{source}: required variable {name!r} is missing; the file is incomplete or corrupt")
    var = ds.variables[name]
    if dims is not None and var.dims != dims:
        raise FileFormatError(f"{source}: variable {name!r} must have dimensions {dims}; got {var.dims}")
    return np.array(var.values)


def _read_weight(ds: xr.Dataset, name: str, dims: tuple[str, ...], source: str) -> np.ndarray:
    arr = _read_var(ds, name, dims, source)
    if arr.dtype not in _WEIGHT_DTYPES:
        raise FileFormatError(f"{source}: variable {name!r} must be float32 or float64; got {arr.dtype}")
    if arr.size and not np.isfinite(arr).all():
        raise FileFormatError(f"{source}: variable {name!r} holds NaN or infinite values; the model is unusable")
    return arr


def model_from_dataset(ds: xr.Dataset, *, source: str = "dataset") -> ModelFile:
    """Validate a model-layout dataset and turn it back into a :class:`ModelFile`.

    Inverse of :func:`model_to_dataset`: every field round-trips exactly.

    Parameters
    ----------
    ds : xarray.Dataset
        Dataset in the model layout, with its header attributes.
    source : str
        Name used in error messages (the file name when loading).

    Returns
    -------
    ModelFile

    Raises
    ------
    FileFormatError
        If the header is wrong, or variables or attributes are missing,
        inconsistent (layers that do not chain, variables of layers beyond
        ``n_layers``), of the wrong type, or weights are not finite.
    """
    attrs = dict(ds.attrs)
    check_header(attrs, format=FORMAT, max_version=FORMAT_VERSION, source=source)
    n_layers = _int_attr(attrs, "n_layers", source, minimum=1)
    checkpoint = _int_attr(attrs, "checkpoint", source, minimum=0)
    if checkpoint > 1:
        raise FileFormatError(f"{source}: attribute 'checkpoint' must be 0 or 1; got {checkpoint}")
    for name in ds.variables:
        match = _LAYER_VAR.match(str(name))
        if match and int(match.group(1)) >= n_layers:
            raise FileFormatError(
                f"{source}: variable {name!r} belongs to a layer beyond n_layers = {n_layers}; the file is inconsistent"
            )

    layers = []
    previous = None
    for i in range(n_layers):
        hidden, visible = f"hidden_{i}", f"visible_{i}"
        W = _read_weight(ds, f"components_{i}", (hidden, visible), source)
        b_h = _read_weight(ds, f"intercept_hidden_{i}", (hidden,), source)
        b_v = _read_weight(ds, f"intercept_visible_{i}", (visible,), source)
        if W.shape[0] < 1 or W.shape[1] < 1:
            raise FileFormatError(f"{source}: layer {i} has an empty weight matrix of shape {W.shape}")
        if previous is not None and W.shape[1] != previous:
            raise FileFormatError(
                f"{source}: layers do not chain: layer {i} has {W.shape[1]} visible units but layer {i - 1} "
                f"has {previous} hidden units; the file is inconsistent"
            )
        previous = W.shape[0]
        estimator = _attr(attrs, f"layer_{i}_estimator", source)
        if not isinstance(estimator, str) or not estimator:
            raise FileFormatError(f"{source}: attribute 'layer_{i}_estimator' must be a class path; got {estimator!r}")
        params = _loads(_attr(attrs, f"layer_{i}_params_json", source), f"'layer_{i}_params_json'", source)
        epoch = _int_attr(attrs, f"layer_{i}_epoch", source, minimum=0)

        history = {}
        for name in _names_attr(attrs, f"layer_{i}_history_names_json", source):
            arr = _read_var(ds, f"history_{i}_{name}", (f"epoch_{i}",), source)
            if arr.dtype.kind != "f":
                raise FileFormatError(f"{source}: variable 'history_{i}_{name}' must be float; got {arr.dtype}")
            history[name] = arr.astype(np.float64, copy=False).tolist()

        state = {}
        for name in _names_attr(attrs, f"layer_{i}_state_names_json", source):
            var = f"state_{i}_{name}"
            arr = _read_var(ds, var, None, source)
            if arr.dtype.kind not in _STATE_KINDS:
                raise FileFormatError(f"{source}: variable {var!r} has unsupported dtype {arr.dtype}")
            if arr.dtype.kind == "f" and arr.size and not np.isfinite(arr).all():
                raise FileFormatError(
                    f"{source}: variable {var!r} holds NaN or infinite values; the checkpoint is unusable"
                )
            state[name] = arr

        rng_state = None
        key = f"layer_{i}_rng_state_json"
        if key in attrs:
            rng_state = _loads(attrs[key], f"'{key}'", source, hook=_rng_hook)
        layers.append(
            LayerRecord(
                components=W,
                intercept_hidden=b_h,
                intercept_visible=b_v,
                estimator=estimator,
                params=params,
                history=history,
                state=state,
                rng_state=rng_state,
                epoch=epoch,
            )
        )
    created = _attr(attrs, "created", source)
    return ModelFile(
        layers=layers,
        config=decode_config(attrs, source=source),
        checkpoint=bool(checkpoint),
        deeprg_version=str(attrs.get("deeprg_version", "")),
        created=str(created),
    )


def load_model(path: str | os.PathLike[str]) -> ModelFile:
    """Read a model file or checkpoint written by :func:`save_model`.

    The whole file is read into memory and closed, so it may be overwritten afterwards.

    Parameters
    ----------
    path : str or path-like
        Model file.

    Returns
    -------
    ModelFile
        The layers (bottom first), config, checkpoint flag, writer version and
        creation time; identical, field by field, to what was saved.

    Raises
    ------
    FileFormatError
        If the file does not exist, is not netCDF4/HDF5, is truncated or
        corrupt, is another kind of deeprg file (e.g. an ensemble), was written
        by a newer deeprg, or does not hold a valid model.
    """
    ds = read_dataset(path, format=FORMAT, max_version=FORMAT_VERSION)
    return model_from_dataset(ds, source=os.fspath(path))
