"""Comparing the block-spin flow with the network's layers: trends, fixed points, a JSON summary."""

from __future__ import annotations

import math
from itertools import zip_longest
from typing import Any, Sequence

import numpy as np
import scipy.fft
import scipy.stats

from deeprg._validation import check_real
from deeprg.errors import InvalidParameterError
from deeprg.ising.exact import BINDER_CRITICAL
from deeprg.rg.flows import FlowPoint
from deeprg.stats import Estimate

__all__ = ["TRENDS", "compare_flows"]

TRENDS = ("toward ordered", "toward disordered", "stays", "undetermined")


def _disordered_abs_m(n_units: int) -> float:
    r""":math:`\langle |m| \rangle` of ``n_units`` independent fair spins (exact binomial sum)."""
    k = np.arange(n_units + 1)
    pmf = scipy.stats.binom.pmf(k, n_units, 0.5)
    return float(np.sum(pmf * np.abs(2 * k - n_units)) / n_units)


def _orderedness(name: str, point: FlowPoint) -> tuple[float, float]:
    r"""Observable rescaled to 0 at the disordered and 1 at the ordered fixed point, with its error."""
    est: Estimate = getattr(point, name)
    n = point.n_units
    if name == "binder_cumulant":
        low, high = 2.0 / (3.0 * n), 2.0 / 3.0
    elif name == "abs_magnetization":
        low, high = _disordered_abs_m(n), 1.0
    else:
        low, high = 0.0, 1.0
    span = high - low
    if not span > 0 or not math.isfinite(est.mean):
        return math.nan, math.nan
    return (est.mean - low) / span, est.error / span


def _trend(values: list[tuple[float, float]], z: float, contraction: float) -> str:
    finite = [(v, e) for v, e in values if math.isfinite(v) and math.isfinite(e)]
    if len(finite) < 2:
        return "undetermined"
    (first, e_first), (last, e_last) = finite[0], finite[-1]
    change = last - first
    if abs(change) <= z * math.hypot(e_first, e_last):
        return "stays"
    if change > 0 and max(1.0 - last, 0.0) <= max(1.0 - first, 0.0) / contraction:
        return "toward ordered"
    if change < 0 and max(last, 0.0) <= max(first, 0.0) / contraction:
        return "toward disordered"
    return "stays"


def _combine(u4: str, nn: str) -> str:
    directional = {t for t in (u4, nn) if t in ("toward ordered", "toward disordered")}
    if len(directional) == 2:
        return "mixed"
    if directional:
        return directional.pop()
    if "stays" in (u4, nn):
        return "stays"
    return "undetermined"


def _fixed_point(points: Sequence[FlowPoint]) -> str:
    phi_star = BINDER_CRITICAL / (2.0 / 3.0)
    for point in reversed(points):
        phi, _ = _orderedness("binder_cumulant", point)
        if math.isfinite(phi):
            if phi < phi_star / 2:
                return "disordered"
            if phi > (1.0 + phi_star) / 2:
                return "ordered"
            return "critical"
    return "undetermined"


def _json_float(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _level_summary(point: FlowPoint | None) -> dict[str, Any] | None:
    if point is None:
        return None
    out: dict[str, Any] = {"n_units": point.n_units, "spacing": point.spacing}
    for name in _OBSERVABLES:
        est: Estimate = getattr(point, name)
        out[name] = {"mean": _json_float(est.mean), "error": _json_float(est.error)}
    return out


_OBSERVABLES = ("abs_magnetization", "binder_cumulant", "nn_correlation")

_RULE = (
    "Each observable X is rescaled to phi = (X - X_dis) / (X_ord - X_dis), 0 at the disordered and 1 at the "
    "ordered fixed point for that level's number of units N: |m|_dis = <|m|> of N independent spins, "
    "U4_dis = 2/(3N), nn_dis = 0; |m|_ord = nn_ord = 1, U4_ord = 2/3 (so the trivial finite-size drift of a "
    "shrinking lattice is not read as a flow). Between the first and the last level, the trend is "
    "'toward ordered' (or 'toward disordered') when the change of phi exceeds z combined standard errors AND "
    "the distance to that fixed point (1 - phi, or phi) shrinks by at least the factor `contraction`; otherwise "
    "'stays' (a flow that starts at a fixed point stays there); 'undetermined' with fewer than two finite "
    "levels. The overall `flow` combines the U4 and nn-correlation trends (a direction if one shows it and the "
    "other does not contradict it, 'mixed' if they disagree); |m| is reported but not used, being the most "
    "finite-size-sensitive. `fixed_point` names the fixed point nearest to the last level by U4: 'disordered' "
    "below phi*/2, 'ordered' above (1 + phi*)/2, else 'critical', with phi* = U4*/(2/3) and U4* = 0.61069."
)


def _flow_summary(points: Sequence[FlowPoint], z: float, contraction: float) -> dict[str, Any]:
    trends = {name: _trend([_orderedness(name, p) for p in points], z, contraction) for name in _OBSERVABLES}
    return {
        "trend": trends,
        "flow": _combine(trends["binder_cumulant"], trends["nn_correlation"]),
        "fixed_point": _fixed_point(points),
    }


def compare_flows(
    block_flow: Sequence[FlowPoint],
    dbn_flow: Sequence[FlowPoint],
    *,
    z: float = 3.0,
    contraction: float = 2.0,
) -> dict[str, Any]:
    r"""Block-spin flow and network flow side by side, with the direction each one runs.

    Parameters
    ----------
    block_flow, dbn_flow : sequence of FlowPoint
        Levels of the two flows (from :func:`block_spin_flow` and :func:`dbn_flow`), paired
        level by level in order (a shorter flow is padded with ``None``).
    z : float, default 3.0
        Standard errors a change must exceed to count as a trend.
    contraction : float, default 2.0
        Factor by which the distance to a fixed point must shrink between the first and the
        last level for a trend toward it. It is the finite-size allowance: at the critical
        point the flow of a finite torus drifts a little (the last levels are tiny lattices)
        without approaching either trivial fixed point.

    Returns
    -------
    dict
        Plain JSON-able data (non-finite numbers become ``None``)::

            {"levels": [{"level": k, "block": {...} | None, "dbn": {...} | None}, ...],
             "block": {"trend": {observable: trend}, "flow": trend, "fixed_point": str},
             "dbn": {...same...},
             "same_flow": bool, "same_fixed_point": bool,
             "settings": {"z": ..., "contraction": ...}, "rule": str}

        Each level entry holds ``n_units``, ``spacing`` and ``{"mean", "error"}`` of
        ``abs_magnetization``, ``binder_cumulant`` and ``nn_correlation``. Trends are one of
        ``"toward ordered"``, ``"toward disordered"``, ``"stays"``, ``"undetermined"``
        (``"flow"`` may also be ``"mixed"``); ``fixed_point`` is ``"disordered"``,
        ``"critical"``, ``"ordered"`` or ``"undetermined"``.

    Notes
    -----
    Rule (also returned under ``"rule"``): every observable :math:`X` of a level with
    :math:`N` units is rescaled to

    .. math:: \phi = \frac{X - X_\mathrm{dis}(N)}{X_\mathrm{ord} - X_\mathrm{dis}(N)},

    0 at the disordered and 1 at the ordered fixed point, with :math:`U_{4,\mathrm{dis}} = 2/(3N)`
    and :math:`\langle|m|\rangle_\mathrm{dis}` the values of :math:`N` independent spins,
    :math:`G_{nn,\mathrm{dis}} = 0`, and 2/3, 1, 1 when ordered. A trend toward the ordered
    (disordered) fixed point needs :math:`|\phi_\mathrm{last} - \phi_\mathrm{first}| > z\,
    \sqrt{\sigma_\mathrm{first}^2 + \sigma_\mathrm{last}^2}` and :math:`1 - \phi` (:math:`\phi`)
    to shrink by ``contraction``; otherwise the flow "stays". The errors of two levels
    measured on the same samples are positively correlated, so adding them in quadrature is
    conservative. The overall ``"flow"`` combines the :math:`U_4` and nearest-neighbour
    trends. Deep in a phase a flow starts at its fixed point already (e.g. :math:`U_4 \approx 0`
    at :math:`K = 0.3`), so :math:`U_4` "stays" while the nearest-neighbour correlation still
    shows the direction; at :math:`K_c` both stay.
    """
    z = check_real(z, "z", minimum=0.0)
    contraction = check_real(contraction, "contraction", minimum=1.0)
    block_flow, dbn_flow = list(block_flow), list(dbn_flow)
    for name, flow in (("block_flow", block_flow), ("dbn_flow", dbn_flow)):
        if not all(isinstance(p, FlowPoint) for p in flow):
            raise InvalidParameterError(f"{name} must be a sequence of FlowPoint (from block_spin_flow or dbn_flow).")
    levels = [
        {"level": k, "block": _level_summary(b), "dbn": _level_summary(d)}
        for k, (b, d) in enumerate(zip_longest(block_flow, dbn_flow))
    ]
    block = _flow_summary(block_flow, z, contraction)
    dbn = _flow_summary(dbn_flow, z, contraction)
    return {
        "levels": levels,
        "block": block,
        "dbn": dbn,
        "same_flow": block["flow"] == dbn["flow"],
        "same_fixed_point": block["fixed_point"] == dbn["fixed_point"],
        "settings": {"z": z, "contraction": contraction},
        "rule": _RULE,
    }
