"""Model files, reading side: parse and validate a dataset back into layer records (private)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from deeprg.errors import FileFormatError
from deeprg.io.container import (
    check_header,
    decode_config,
)

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

from deeprg.io._model_write import _NAME, _STATE_KINDS, _WEIGHT_DTYPES, _loads, _rng_hook
from deeprg.io.records import FORMAT, FORMAT_VERSION, LayerRecord, ModelFile

_LAYER_VAR = re.compile(r"^(?:components|intercept_hidden|intercept_visible|history|state)_(\d+)(?:_|$)")


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
