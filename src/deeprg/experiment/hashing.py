"""Canonical JSON and its SHA-256: stable identities for configurations and stage inputs."""

from __future__ import annotations

import hashlib
import json
from os import PathLike
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from deeprg.errors import InvalidParameterError


def _json_default(obj: Any) -> Any:
    if isinstance(obj, BaseModel):  # a config's own to_dict (it leaves out absent optional tables)
        return obj.to_dict() if callable(getattr(obj, "to_dict", None)) else obj.model_dump(mode="json")
    if isinstance(obj, PathLike):
        return str(Path(obj))
    if isinstance(obj, set | frozenset):
        return sorted(obj, key=canonical_json)
    if hasattr(obj, "tolist"):  # numpy arrays and scalars
        return obj.tolist()
    raise TypeError(f"cannot hash an object of type {type(obj).__name__}")


def canonical_json(obj: Any) -> str:
    """Canonical JSON text of ``obj``: sorted keys, no whitespace, ASCII, no NaN.

    Pydantic models (configs), mappings, sequences, numbers, strings, paths
    and numpy arrays are accepted.

    >>> canonical_json({"b": [1, 2.0], "a": None})
    '{"a":null,"b":[1,2.0]}'
    """
    try:
        return json.dumps(
            obj, default=_json_default, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
        )
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(f"cannot make canonical JSON: {exc}") from None


def config_hash(obj: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``obj``: a stable key for cached stage inputs.

    Equal values give equal hashes across runs and machines; any change of a
    value, a key or a type (``1`` vs ``1.0``) changes the hash.

    >>> len(config_hash({"beta": 0.408}))
    64
    """
    return hashlib.sha256(canonical_json(obj).encode("ascii")).hexdigest()
