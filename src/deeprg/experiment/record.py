"""Frozen dataclasses that turn into plain JSON and back: the base of every typed result.

A :class:`Record` subclass is a frozen dataclass whose fields are JSON values, other records,
or lists, dicts and optionals of them. :meth:`Record.to_dict` gives the plain JSON dict (field
names are the JSON keys, in field order); :meth:`Record.from_dict` reads one back, building the
nested records from the type hints, and refuses a dict with a missing or unknown key, naming the
record and the key.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from deeprg.errors import FileFormatError

__all__ = ["Record"]

R = TypeVar("R", bound="Record")


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _build(hint: Any, value: Any, where: str) -> Any:
    """``value`` (plain JSON) as the type ``hint`` says: records built, containers walked."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _build(options[0], value, where) if len(options) == 1 else value
    if isinstance(hint, type) and issubclass(hint, Record):
        if not isinstance(value, Mapping):
            raise FileFormatError(f"{where}: expected an object for {hint.__name__}, got {type(value).__name__}.")
        return hint.from_dict(value, where=where)
    if origin is list and isinstance(value, list):
        (item,) = typing.get_args(hint) or (Any,)
        return [_build(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict and isinstance(value, Mapping):
        _, item = typing.get_args(hint) or (str, Any)
        return {k: _build(item, v, f"{where}.{k}") for k, v in value.items()}
    return value


@dataclasses.dataclass(frozen=True)
class Record:
    """Base class of the typed results passed between stages (see the module docstring)."""

    def to_dict(self) -> dict[str, Any]:
        """The record as a plain JSON dict (nested records too)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def to_json(self, *, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text (NaN and infinities are refused: they are not JSON)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls: type[R], data: Mapping[str, Any], *, where: str | None = None) -> R:
        """Read a record from its :meth:`to_dict` form.

        Parameters
        ----------
        data : mapping
            The plain dict. Keys of fields that have a default may be missing.
        where : str, optional
            Where the dict came from, for error messages (default: the class name).

        Raises
        ------
        FileFormatError
            A required key is missing or an unknown key is present.
        """
        where = where or cls.__name__
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise FileFormatError(f"{where}: unknown key(s) {unknown} for {cls.__name__}; expected {sorted(fields)}.")
        values = {}
        for name, f in fields.items():
            if name in data:
                values[name] = _build(hints[name], data[name], f"{where}.{name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise FileFormatError(f"{where}: missing key {name!r} of {cls.__name__}.")
        return cls(**values)
