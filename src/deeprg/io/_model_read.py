"""Model files, reading side: parse and validate a dataset back into layer records (private).

Every name comes from :mod:`deeprg.io.model_format`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from deeprg.errors import FileFormatError
from deeprg.io._json import loads_dict
from deeprg.io.container import check_header, decode_config
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
    layer_of_variable,
)
from deeprg.io.records import LayerRecord, ModelFile

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr


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
    if not isinstance(names, list) or not all(isinstance(n, str) and NAME.match(n) for n in names):
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
    if arr.dtype not in WEIGHT_DTYPES:
        raise FileFormatError(f"{source}: variable {name!r} must be float32 or float64; got {arr.dtype}")
    if arr.size and not np.isfinite(arr).all():
        raise FileFormatError(f"{source}: variable {name!r} holds NaN or infinite values; the model is unusable")
    return arr


def _check_layer_count(ds: xr.Dataset, n_layers: int, source: str) -> None:
    """Refuse variables of layers beyond ``n_layers`` (a file edited or written inconsistently)."""
    for name in ds.variables:
        index = layer_of_variable(str(name))
        if index is not None and index >= n_layers:
            raise FileFormatError(
                f"{source}: variable {name!r} belongs to a layer beyond n_layers = {n_layers}; the file is inconsistent"
            )


def _read_weights(ds: xr.Dataset, names: LayerNames, source: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights and biases of one layer, checked for dimensions, dtype and finiteness."""
    W = _read_weight(ds, names.components, (names.hidden, names.visible), source)
    b_h = _read_weight(ds, names.intercept_hidden, (names.hidden,), source)
    b_v = _read_weight(ds, names.intercept_visible, (names.visible,), source)
    if W.shape[0] < 1 or W.shape[1] < 1:
        raise FileFormatError(f"{source}: layer {names.index} has an empty weight matrix of shape {W.shape}")
    return W, b_h, b_v


def _read_history(ds: xr.Dataset, attrs: Mapping[str, Any], names: LayerNames, source: str) -> dict[str, list[float]]:
    history = {}
    for name in _names_attr(attrs, names.history_names_json, source):
        var = names.history(name)
        arr = _read_var(ds, var, (names.epochs,), source)
        if arr.dtype.kind != "f":
            raise FileFormatError(f"{source}: variable {var!r} must be float; got {arr.dtype}")
        history[name] = arr.astype(np.float64, copy=False).tolist()
    return history


def _read_state(ds: xr.Dataset, attrs: Mapping[str, Any], names: LayerNames, source: str) -> dict[str, np.ndarray]:
    state = {}
    for name in _names_attr(attrs, names.state_names_json, source):
        var = names.state(name)
        arr = _read_var(ds, var, None, source)
        if arr.dtype.kind not in STATE_KINDS:
            raise FileFormatError(f"{source}: variable {var!r} has unsupported dtype {arr.dtype}")
        if arr.dtype.kind == "f" and arr.size and not np.isfinite(arr).all():
            raise FileFormatError(f"{source}: variable {var!r} holds NaN or infinite values; the checkpoint is unusable")
        state[name] = arr
    return state


def _read_layer(
    ds: xr.Dataset,
    attrs: Mapping[str, Any],
    names: LayerNames,
    weights: tuple[np.ndarray, np.ndarray, np.ndarray],
    source: str,
) -> LayerRecord:
    """Everything but the weights (already read and chained) of one layer, as a record."""
    estimator = _attr(attrs, names.estimator, source)
    if not isinstance(estimator, str) or not estimator:
        raise FileFormatError(f"{source}: attribute {names.estimator!r} must be a class path; got {estimator!r}")
    params = loads_dict(_attr(attrs, names.params_json, source), f"{names.params_json!r}", source)
    epoch = _int_attr(attrs, names.epoch, source, minimum=0)
    history = _read_history(ds, attrs, names, source)
    state = _read_state(ds, attrs, names, source)
    rng_state = None
    if names.rng_state_json in attrs:
        rng_state = loads_dict(attrs[names.rng_state_json], f"{names.rng_state_json!r}", source, exact_arrays=True)
    W, b_h, b_v = weights
    return LayerRecord(
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
    n_layers = _int_attr(attrs, N_LAYERS, source, minimum=1)
    checkpoint = _int_attr(attrs, CHECKPOINT, source, minimum=0)
    if checkpoint > 1:
        raise FileFormatError(f"{source}: attribute {CHECKPOINT!r} must be 0 or 1; got {checkpoint}")
    _check_layer_count(ds, n_layers, source)
    layers = []
    previous = None
    for i in range(n_layers):
        names = layer_names(i)
        weights = _read_weights(ds, names, source)
        n_hidden, n_visible = weights[0].shape
        if previous is not None and n_visible != previous:
            raise FileFormatError(
                f"{source}: layers do not chain: layer {i} has {n_visible} visible units but layer {i - 1} "
                f"has {previous} hidden units; the file is inconsistent"
            )
        previous = n_hidden
        layers.append(_read_layer(ds, attrs, names, weights, source))
    created = _attr(attrs, "created", source)
    return ModelFile(
        layers=layers,
        config=decode_config(attrs, source=source),
        checkpoint=bool(checkpoint),
        deeprg_version=str(attrs.get("deeprg_version", "")),
        created=str(created),
    )
