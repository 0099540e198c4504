"""Model files, writing side: validate :class:`LayerRecord` stacks and map them onto a dataset (private).

Every name comes from :mod:`deeprg.io.model_format`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from deeprg.errors import InvalidParameterError
from deeprg.io._json import dumps_dict
from deeprg.io.container import chunk_shape, header_attrs
from deeprg.io.model_format import (
    CHECKPOINT,
    FORMAT,
    FORMAT_VERSION,
    N_LAYERS,
    NAME,
    STATE_KINDS,
    WEIGHT_DTYPES,
    LayerNames,
    layer_names,
)
from deeprg.io.records import LayerRecord

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr


def _encoding(shape: tuple[int, ...], itemsize: int, *, compress: bool) -> dict[str, Any]:
    """netCDF encoding: chunks of about 1 MiB over the first axis, Fletcher-32 checksums.

    Scalars cannot be chunked in HDF5, so they get no filters.
    """
    encoding: dict[str, Any] = {"_FillValue": None}
    if not shape:
        return encoding
    encoding.update(fletcher32=True, chunksizes=chunk_shape(shape, itemsize))
    if compress:
        encoding.update(zlib=True, complevel=4, shuffle=True)
    return encoding


def _weight(value: Any, what: str, ndim: int) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype not in WEIGHT_DTYPES:
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
    if not isinstance(name, str) or not NAME.match(name):
        raise InvalidParameterError(f"{what} names must be made of letters, digits and '_'; got {name!r}.")
    return name


def _weights(i: int, layer: LayerRecord) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Checked ``components``, ``intercept_hidden`` and ``intercept_visible`` of layer ``i``."""
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
    return W, b_h, b_v


def _epoch(i: int, layer: LayerRecord) -> int:
    """Check the estimator path of layer ``i`` and return its epoch count."""
    if not isinstance(layer.estimator, str) or not layer.estimator:
        raise InvalidParameterError(
            f"layers[{i}].estimator must be a non-empty class path such as 'deeprg.rbm.BernoulliRBM'; "
            f"got {layer.estimator!r}."
        )
    epoch = layer.epoch
    if isinstance(epoch, (bool, np.bool_)) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
        raise InvalidParameterError(f"layers[{i}].epoch must be a non-negative integer; got {epoch!r}.")
    return int(epoch)


def _history(i: int, history: Any) -> dict[str, np.ndarray]:
    """Layer ``i``'s per-epoch lists as float64 arrays, all of one length, in their order."""
    history = history if history is not None else {}
    if not isinstance(history, Mapping):
        raise InvalidParameterError(f"layers[{i}].history must be a dict of lists; got {type(history).__name__}.")
    arrays: dict[str, np.ndarray] = {}
    for name, values in history.items():
        _check_name(name, f"layers[{i}].history")
        arr = np.asarray(values)
        if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "biuf"):
            raise InvalidParameterError(
                f"layers[{i}].history[{name!r}] must be a list of numbers; got shape {arr.shape}, dtype {arr.dtype}."
            )
        length = len(next(iter(arrays.values()))) if arrays else arr.shape[0]
        if arr.shape[0] != length:
            raise InvalidParameterError(
                f"layers[{i}].history lists must all have one value per epoch; got {length} values for "
                f"{next(iter(history))!r} but {arr.shape[0]} for {name!r}."
            )
        arrays[name] = arr.astype(np.float64)
    return arrays


def _state(i: int, state: Any) -> dict[str, np.ndarray]:
    """Layer ``i``'s checkpoint state arrays, checked, in their order."""
    state = state if state is not None else {}
    if not isinstance(state, Mapping):
        raise InvalidParameterError(f"layers[{i}].state must be a dict of arrays; got {type(state).__name__}.")
    arrays: dict[str, np.ndarray] = {}
    for name, value in state.items():
        _check_name(name, f"layers[{i}].state")
        arr = np.asarray(value)
        what = f"layers[{i}].state[{name!r}]"
        if arr.dtype.kind not in STATE_KINDS or (arr.dtype.kind == "f" and arr.dtype not in WEIGHT_DTYPES):
            raise InvalidParameterError(
                f"{what} must hold bool, integer, float32 or float64 values; got dtype {arr.dtype}."
            )
        if arr.dtype.kind == "f" and arr.size and not np.isfinite(arr).all():
            raise InvalidParameterError(f"{what} holds NaN or infinite values; it cannot be resumed from.")
        arrays[name] = arr
    return arrays


class _Variables:
    """Variables of a dataset under construction, with their netCDF encodings."""

    def __init__(self) -> None:
        self.variables: dict[str, Any] = {}
        self.encodings: dict[str, dict[str, Any]] = {}

    def add(self, name: str, dims: tuple[str, ...], arr: np.ndarray, long_name: str, *, compress: bool = False) -> None:
        self.variables[name] = (dims, arr, {"long_name": long_name})
        self.encodings[name] = _encoding(arr.shape, arr.itemsize, compress=compress)


def _add_layer(out: _Variables, names: LayerNames, layer: Any, *, checkpoint: bool) -> tuple[int, int, dict]:
    """Validate layer ``names.index``, add its variables to ``out``; return its (n_hidden, n_visible) and attributes."""
    i = names.index
    if not isinstance(layer, LayerRecord):
        raise InvalidParameterError(f"layers[{i}] must be a LayerRecord; got {type(layer).__name__}.")
    W, b_h, b_v = _weights(i, layer)
    epoch = _epoch(i, layer)
    history = _history(i, layer.history)
    # checkpoints are rewritten every epoch: gzip would cost 4x the write for 30% less disk
    out.add(names.components, (names.hidden, names.visible), W, f"weights W of layer {i} (hidden x visible)",
            compress=not checkpoint)
    out.add(names.intercept_hidden, (names.hidden,), b_h, f"hidden biases of layer {i}")
    out.add(names.intercept_visible, (names.visible,), b_v, f"visible biases of layer {i}")
    for name, arr in history.items():
        out.add(names.history(name), (names.epochs,), arr, f"per-epoch {name} of layer {i}")
    attrs: dict[str, Any] = {
        names.estimator: layer.estimator,
        names.params_json: dumps_dict(layer.params, f"layers[{i}].params"),
        names.epoch: epoch,
        names.history_names_json: json.dumps(list(history)),
    }
    state = _state(i, layer.state) if checkpoint else {}
    for name, arr in state.items():
        # state exists only in checkpoints, which are rewritten every epoch: not compressed
        out.add(names.state(name), names.state_dims(name, arr.ndim), arr, f"checkpoint state {name} of layer {i}")
    if checkpoint and layer.rng_state is not None:
        attrs[names.rng_state_json] = dumps_dict(layer.rng_state, f"layers[{i}].rng_state", exact_arrays=True)
    attrs[names.state_names_json] = json.dumps(list(state))
    return W.shape[0], W.shape[1], attrs


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
    out = _Variables()
    # header_attrs validates config first, before any array work
    attrs: dict[str, Any] = header_attrs(format=FORMAT, format_version=FORMAT_VERSION, config=config)
    attrs.update({N_LAYERS: len(layers), CHECKPOINT: int(bool(checkpoint))})
    previous = None
    for i, layer in enumerate(layers):
        n_hidden, n_visible, layer_attrs = _add_layer(out, layer_names(i), layer, checkpoint=bool(checkpoint))
        if previous is not None and n_visible != previous:
            raise InvalidParameterError(
                f"layers do not chain: layer {i} has {n_visible} visible units but layer {i - 1} has "
                f"{previous} hidden units; each layer's n_visible must equal the previous layer's n_hidden."
            )
        previous = n_hidden
        attrs.update(layer_attrs)
    ds = xr.Dataset(out.variables, attrs=attrs)
    for name, encoding in out.encodings.items():
        ds[name].encoding = encoding
    return ds
