"""Readable messages for invalid experiment configurations (private to :mod:`deeprg.experiment.config`, which passes its schema in).

Pydantic's errors become one line per problem: the dotted key, what was expected, what was
received, and a did-you-mean suggestion for unknown keys and values.
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

_EXPECTED = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "list_type": "an array",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
}

_COMPARISONS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if value is None:
        return "nothing"
    return f"a {type(value).__name__}"


def _show(value: Any, limit: int = 60) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, list | tuple):
        text = "[" + ", ".join(_show(v, limit) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k} = {_show(v, limit)}" for k, v in value.items()) + "}"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _model_at(schema: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The configuration table class found at ``loc`` (a path of keys from the top of ``schema``)."""
    model = schema
    for part in loc:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            return None
        candidates = [field.annotation, *typing.get_args(field.annotation)]
        found = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        if not found:
            return None
        model = found[0]
    return model


def _suggest(word: str, choices: list[str]) -> str | None:
    lowered = {c.lower(): c for c in choices}
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def _format_error(schema: type[BaseModel], error: Mapping[str, Any], prefix: tuple[Any, ...] = ()) -> str:
    """One readable line for one pydantic error: ``dotted.key: what is wrong``."""
    loc = tuple(error.get("loc", ()))
    kind = error.get("type", "")
    value = error.get("input")
    ctx = error.get("ctx") or {}
    where = _dotted((*prefix, *loc))
    got = f"(got {_show(value)})"

    if kind == "extra_forbidden":
        model = _model_at(schema, loc[:-1])
        key = str(loc[-1]) if loc else ""
        if model is None:
            return f"{where}: unknown key"
        valid = list(model.model_fields)
        suggestion = _suggest(key, valid)
        if suggestion:
            return f"{where}: unknown key (did you mean {suggestion!r}?)"
        return f"{where}: unknown key (valid keys: {', '.join(valid)})"
    if kind == "missing":
        if _model_at(schema, loc) is not None:
            return f"{where}: missing required table [{_dotted(loc)}]"
        return f"{where}: missing required key"
    if kind in _COMPARISONS:
        bound = next(iter(ctx.values()), "?")
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)
        return f"{where}: must be {_COMPARISONS[kind]} {bound} {got}"
    if kind in _EXPECTED:
        return f"{where}: must be {_EXPECTED[kind]} (got {_show(value)}, {_kind(value)})"
    if kind == "finite_number":
        return f"{where}: must be a finite number {got}"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        text = f"{where}: must be one of {', '.join(map(repr, choices))} {got}"
        suggestion = _suggest(value, choices) if isinstance(value, str) else None
        return text + (f"; did you mean {suggestion!r}?" if suggestion else "")
    if kind == "too_short":
        minimum = ctx.get("min_length", 1)
        if minimum == 1:
            return f"{where}: must not be empty"
        return f"{where}: must have at least {minimum} items {got}"
    if kind == "too_long":
        return f"{where}: must have at most {ctx.get('max_length')} characters {got}"
    if kind == "string_pattern_mismatch":
        return f"{where}: must start with a letter or digit and contain only letters, digits, '_', '-' and '.' {got}"
    if kind in ("value_error", "assertion_error"):
        cause = ctx.get("error")
        message = str(cause) if cause is not None else str(error.get("msg", ""))
        return f"{where}: {message}"
    return f"{where}: {error.get('msg', 'invalid value')} {got}"
