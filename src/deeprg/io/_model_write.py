"""Model files, writing side: validate :class:`LayerRecord` stacks and map them onto a dataset (private)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from deeprg.errors import FileFormatError, InvalidParameterError
from deeprg.io.container import (
    _json_default,
    header_attrs,
)

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

from deeprg.io.records import FORMAT, FORMAT_VERSION, LayerRecord

_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_WEIGHT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_STATE_KINDS = "biuf"
_NDARRAY_TAG = "__ndarray__"
#: Target size of one chunk (bytes before compression), as for ensemble files.
_CHUNK_BYTES = 1 << 20


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
