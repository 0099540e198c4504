"""JSON text in file attributes: dicts in, dicts out, with clear errors both ways (private).

Used by the container (``config_json``) and the model format (``layer_<i>_params_json``,
``layer_<i>_rng_state_json``). With ``exact_arrays=True`` numpy arrays are stored
tagged (dtype, shape, data) and come back as arrays of the same dtype, so an RNG
state round-trips bit for bit; Python integers of any size are exact in JSON.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from deeprg.errors import FileFormatError, InvalidParameterError

__all__ = ["dumps_dict", "json_default", "loads_dict"]

_NDARRAY_TAG = "__ndarray__"


def json_default(obj: Any) -> Any:
    """JSON ``default``: numpy scalars and arrays, paths and sets as plain JSON values."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"object of type {type(obj).__name__} is not JSON serializable")


def _tagged_default(obj: Any) -> Any:
    """JSON ``default`` that keeps numpy arrays as arrays (tagged with dtype and shape)."""
    if isinstance(obj, np.ndarray):
        return {_NDARRAY_TAG: {"dtype": obj.dtype.str, "shape": list(obj.shape), "data": obj.ravel().tolist()}}
    return json_default(obj)


def _tagged_hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and _NDARRAY_TAG in obj:
        spec = obj[_NDARRAY_TAG]
        return np.array(spec["data"], dtype=np.dtype(spec["dtype"])).reshape(spec["shape"])
    return obj


def dumps_dict(value: Any, what: str, *, exact_arrays: bool = False) -> str:
    """A dict with string keys as JSON text, or :class:`InvalidParameterError` naming ``what``."""
    if not isinstance(value, Mapping):
        raise InvalidParameterError(f"{what} must be a dict; got {type(value).__name__}.")
    bad = [key for key in value if not isinstance(key, str)]
    if bad:
        raise InvalidParameterError(f"{what} must have string keys; got {bad[0]!r}.")
    try:
        return json.dumps(dict(value), default=_tagged_default if exact_arrays else json_default)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"{what} cannot be stored as JSON ({exc}); use only numbers, strings, booleans, None, lists "
            "and dicts (drop callbacks and other objects first)."
        ) from exc


def loads_dict(text: Any, what: str, source: str, *, exact_arrays: bool = False) -> dict[str, Any]:
    """Parse the JSON object of attribute ``what`` of ``source``, or :class:`FileFormatError`."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not isinstance(text, str):
        raise FileFormatError(f"{source}: attribute {what} must be JSON text; got {text!r}")
    try:
        value = json.loads(text, object_hook=_tagged_hook if exact_arrays else None)
    except (ValueError, TypeError, KeyError) as exc:
        raise FileFormatError(f"{source}: attribute {what} is not valid JSON ({exc}); the file is corrupt") from exc
    if not isinstance(value, dict):
        raise FileFormatError(f"{source}: attribute {what} must hold a JSON object; got {type(value).__name__}")
    return value
