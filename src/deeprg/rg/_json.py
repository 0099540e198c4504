"""JSON-safe numbers for the summaries of :mod:`deeprg.rg` (private, shared by its subpackages)."""

from __future__ import annotations

import math

__all__ = ["plain_float"]


def plain_float(x: float | None) -> float | None:
    """``x`` as a JSON-safe float: ``None`` for None, NaN and infinities."""
    return None if x is None or not math.isfinite(x) else float(x)
