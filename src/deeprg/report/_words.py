"""The verdict's wording: number formatting and sentence helpers, in one place (private to :mod:`deeprg.report`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def num(x: Any) -> float | None:
    """``x`` as a finite float, else None."""
    if isinstance(x, bool) or x is None:
        return None
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def f(x: Any, digits: int = 1) -> str:
    value = num(x)
    if value is None:
        return "n/a"
    text = f"{value:.{digits}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text


def size(x: Any) -> str:
    """A block size: ``8`` for 8.0, ``5.5`` otherwise."""
    value = num(x)
    if value is None:
        return "n/a"
    return str(int(round(value))) if abs(value - round(value)) < 1e-9 else f"{value:.1f}"


def strength(x: Any) -> str:
    """An L1 strength: ``2e-4``, ``1e-3``, ``0``."""
    value = num(x)
    if value is None:
        return "n/a"
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.2e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def sentence(text: str) -> str:
    """Capitalized, with a final full stop."""
    text = text.strip()
    return (text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")) if text else ""


def geometric_mean(values: Sequence[float]) -> float | None:
    valid = [v for v in values if v is not None and v > 0]
    return math.exp(sum(math.log(v) for v in valid) / len(valid)) if valid else None


def statement(topic: str, status: str, text: str, numbers: dict[str, Any], **where: Any) -> dict[str, Any]:
    return {"topic": topic, **where, "status": status, "text": text, "numbers": numbers}
