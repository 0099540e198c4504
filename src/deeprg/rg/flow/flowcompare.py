"""Comparing the block-spin flow with the network's layers: trends, fixed points, a JSON summary."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any, Sequence

import numpy as np
import scipy.stats
from numpy.typing import NDArray

from deeprg._validation import check_real
from deeprg.errors import InvalidParameterError
from deeprg.ising.exact import BINDER_CRITICAL
from deeprg.rg._json import plain_float
from deeprg.rg.flow.flows import FlowPoint
from deeprg.stats import Estimate, jackknife, mean_estimate

__all__ = ["TRENDS", "compare_flows"]

TRENDS = ("toward ordered", "toward disordered", "stays", "undetermined")


def _disordered_abs_m(n_units: int) -> float:
    r""":math:`\langle |m| \rangle` of ``n_units`` independent fair spins (exact binomial sum)."""
    k = np.arange(n_units + 1)
    pmf = scipy.stats.binom.pmf(k, n_units, 0.5)
    return float(np.sum(pmf * np.abs(2 * k - n_units)) / n_units)


@dataclass(frozen=True)
class _Level:
    """One level of one observable on the orderedness scale phi = (X - low) / (high - low)."""

    point: FlowPoint
    value: float
    low: float
    low_error: float
    high: float
    phi: float
    error: float

    @property
    def span(self) -> float:
        return self.high - self.low

    @property
    def reference_variance(self) -> float:
        """Variance of phi from the error of the disordered reference (d phi / d low = (X - high) / span^2)."""
        return (self.low_error * (self.high - self.value) / self.span**2) ** 2


def _disordered_end(name: str, point: FlowPoint) -> tuple[float, float]:
    """The disordered value of ``name`` for this level, with its error: the shuffled reference, else fair coins."""
    reference = point.reference.get(name) if point.reference else None
    if reference is not None and math.isfinite(reference.mean):
        return reference.mean, reference.error
    n = point.n_units
    if name == "binder_cumulant":
        return 2.0 / (3.0 * n), 0.0
    if name == "abs_magnetization":
        return _disordered_abs_m(n), 0.0
    return 0.0, 0.0


def _level(name: str, point: FlowPoint) -> _Level | None:
    est: Estimate = getattr(point, name)
    low, low_error = _disordered_end(name, point)
    high = 2.0 / 3.0 if name == "binder_cumulant" else 1.0
    span = high - low
    if not (span > 0 and math.isfinite(est.mean) and math.isfinite(est.error) and math.isfinite(low_error)):
        return None
    reference_variance = (low_error * (high - est.mean) / span**2) ** 2
    error = math.sqrt((est.error / span) ** 2 + reference_variance)
    return _Level(point, est.mean, low, low_error, high, (est.mean - low) / span, error)


def _orderedness(name: str, point: FlowPoint) -> tuple[float, float]:
    r"""Observable rescaled to 0 at the disordered and 1 at the ordered fixed point, with its error."""
    level = _level(name, point)
    return (math.nan, math.nan) if level is None else (level.phi, level.error)


def _paired_error(name: str, a: _Level, b: _Level) -> float | None:
    """Error of phi_b - phi_a from the per-sample series of both levels (None without series)."""
    sa, sb = a.point.series, b.point.series
    if not sa or not sb:
        return None
    key = "nn_correlation" if name == "nn_correlation" else "magnetization"
    xa, xb = sa.get(key), sb.get(key)
    if xa is None or xb is None or xa.shape != xb.shape or xa.shape[0] < 2:
        return None
    if not (np.all(np.isfinite(xa)) and np.all(np.isfinite(xb))):
        return None
    if name == "binder_cumulant":

        def difference(
            a2: NDArray[np.float64], a4: NDArray[np.float64], b2: NDArray[np.float64], b4: NDArray[np.float64]
        ) -> float:
            with np.errstate(divide="ignore", invalid="ignore"):
                ua = 1.0 - a4.mean() / (3.0 * a2.mean() ** 2)
                ub = 1.0 - b4.mean() / (3.0 * b2.mean() ** 2)
            return float(ub / b.span - ua / a.span)

        return jackknife(difference, xa**2, xa**4, xb**2, xb**4).error
    if name == "abs_magnetization":
        xa, xb = np.abs(xa), np.abs(xb)
    return mean_estimate(xb / b.span - xa / a.span).error


def _difference(name: str, a: _Level, b: _Level) -> tuple[float, float]:
    """phi_b - phi_a and its standard error (paired when possible, plus both references' errors)."""
    paired = _paired_error(name, a, b)
    if paired is None or not math.isfinite(paired):
        return b.phi - a.phi, math.hypot(a.error, b.error)
    return b.phi - a.phi, math.sqrt(paired**2 + a.reference_variance + b.reference_variance)


def _trend(name: str, points: Sequence[FlowPoint], z: float) -> str:
    levels = [lv for lv in (_level(name, p) for p in points) if lv is not None]
    if len(levels) < 2:
        return "undetermined"
    change, error = _difference(name, levels[0], levels[-1])
    if not abs(change) > z * error:
        return "stays"
    sign = 1.0 if change > 0 else -1.0
    for a, b in zip(levels, levels[1:], strict=False):
        step, step_error = _difference(name, a, b)
        if sign * step < -z * step_error:
            return "stays"  # a significant step against the overall change: not a monotone flow
    return "toward ordered" if change > 0 else "toward disordered"


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


def _level_summary(point: FlowPoint | None) -> dict[str, Any] | None:
    if point is None:
        return None
    out: dict[str, Any] = {"n_units": point.n_units, "spacing": point.spacing}
    for name in _OBSERVABLES:
        est: Estimate = getattr(point, name)
        out[name] = {"mean": plain_float(est.mean), "error": plain_float(est.error)}
    out["reference"] = {}
    out["phi"] = {}
    for name in _OBSERVABLES:
        low, low_error = _disordered_end(name, point)
        out["reference"][name] = {"mean": plain_float(low), "error": plain_float(low_error)}
        phi, phi_error = _orderedness(name, point)
        out["phi"][name] = {"mean": plain_float(phi), "error": plain_float(phi_error)}
    return out


_OBSERVABLES = ("abs_magnetization", "binder_cumulant", "nn_correlation")

_RULE = (
    "Each observable X of a level is rescaled to phi = (X - X_dis) / (X_ord - X_dis), 0 at the disordered and "
    "1 at the ordered fixed point, with X_ord = 1 for |m| and the nn correlation and 2/3 for U4, and X_dis the "
    "level's disordered reference: X measured on the same data with every unit's column shuffled independently "
    "across samples (each unit keeps its firing rate, correlations are destroyed; for N fair coins this is "
    "<|m|> of N independent spins, U4 = 2/(3N), nn = 0, the values used when a level carries no reference). "
    "The error of phi includes the reference's. A difference of phi between two levels has the standard error "
    "of the paired per-sample difference (the levels of a flow are measured on the same samples) plus the two "
    "references' errors, or the quadrature sum of the two levels' errors when per-sample series are missing. "
    "An observable's trend is 'toward ordered' ('toward disordered') when phi(last level) - phi(first level) is "
    "positive (negative) and exceeds z standard errors of that difference, AND no step between consecutive "
    "levels goes the other way by more than z standard errors of that step (monotone within errors); "
    "otherwise 'stays'; 'undetermined' with fewer than two finite levels. The overall `flow` is the "
    "nearest-neighbour correlation's trend (the effective coupling; U4's trend if that is undetermined): on a "
    "fixed torus U4 depends on L/xi, which blocking keeps, and |m| and U4 drift with the shrinking block "
    "lattice, so their trends are reported but not used. `fixed_point` labels the phase of the input by U4 at "
    "the last level: 'disordered' below phi*/2, 'ordered' above (1 + phi*)/2, else 'critical', with phi* = "
    "U4*/(2/3) and U4* = 0.61069. All statistical: with many samples the finite-size drift of a critical "
    "flow (the nn correlation of a small block lattice at K_c exceeds the infinite-lattice value) is "
    "significant and can read as 'toward ordered'; `fixed_point` then still says 'critical'."
)


def _flow_summary(points: Sequence[FlowPoint], z: float) -> dict[str, Any]:
    trends = {name: _trend(name, points, z) for name in _OBSERVABLES}
    flow = trends["nn_correlation"]
    if flow == "undetermined":
        flow = trends["binder_cumulant"]
    return {"trend": trends, "flow": flow, "fixed_point": _fixed_point(points)}


def compare_flows(
    block_flow: Sequence[FlowPoint],
    dbn_flow: Sequence[FlowPoint],
    *,
    z: float = 3.0,
) -> dict[str, Any]:
    r"""Block-spin flow and network flow side by side, with the direction each one runs.

    Parameters
    ----------
    block_flow, dbn_flow : sequence of FlowPoint
        Levels of the two flows (from :func:`~deeprg.rg.flow.flows.block_spin_flow` and
        :func:`~deeprg.rg.flow.networkflow.dbn_flow`), paired level by level in order (a shorter flow is
        padded with ``None``).
    z : float, default 3.0
        Standard errors a change between the first and the last level must exceed to count
        as a trend, and that a step between consecutive levels may go against it.

    Returns
    -------
    dict
        Plain JSON-able data (non-finite numbers become ``None``)::

            {"levels": [{"level": k, "block": {...} | None, "dbn": {...} | None}, ...],
             "block": {"trend": {observable: trend}, "flow": trend, "fixed_point": str},
             "dbn": {...same...},
             "same_flow": bool, "same_fixed_point": bool,
             "settings": {"z": ...}, "rule": str}

        Each level entry holds ``n_units``, ``spacing``, ``{"mean", "error"}`` of
        ``abs_magnetization``, ``binder_cumulant`` and ``nn_correlation``, and the same
        for their disordered references (``"reference"``) and orderedness (``"phi"``).
        Trends are one of ``"toward ordered"``, ``"toward disordered"``, ``"stays"``,
        ``"undetermined"``; ``fixed_point`` is ``"disordered"``, ``"critical"``,
        ``"ordered"`` or ``"undetermined"``.

    Notes
    -----
    Rule (also returned under ``"rule"``): every observable :math:`X` of a level is rescaled to

    .. math:: \phi = \frac{X - X_\mathrm{dis}}{X_\mathrm{ord} - X_\mathrm{dis}},

    0 at the disordered and 1 at the ordered fixed point, with :math:`X_\mathrm{ord}` = 1
    (:math:`\langle|m|\rangle`, :math:`G_{nn}`) or 2/3 (:math:`U_4`) and :math:`X_\mathrm{dis}`
    the level's disordered reference (:attr:`FlowPoint.reference`: the data with every
    unit's column shuffled across samples, which keeps firing rates, so biased independent
    units score :math:`\phi \approx 0`; without a reference, :math:`N` fair coins:
    :math:`U_4 = 2/(3N)`, the binomial :math:`\langle|m|\rangle`, :math:`G_{nn} = 0`).
    With :math:`\Delta = \phi_\mathrm{last} - \phi_\mathrm{first}` and :math:`\sigma_\Delta`
    its standard error, an observable runs "toward ordered" ("toward disordered") when
    :math:`\Delta > z\,\sigma_\Delta` (:math:`\Delta < -z\,\sigma_\Delta`) and no step
    :math:`\delta_k = \phi_{k+1} - \phi_k` goes against :math:`\Delta` by more than
    :math:`z\,\sigma_{\delta_k}`; otherwise it "stays". The levels of a flow are measured
    on the same samples, so :math:`\sigma_\Delta` and :math:`\sigma_{\delta_k}` are the
    errors of the per-sample differences (:attr:`FlowPoint.series`; mean estimate for
    :math:`\langle|m|\rangle` and :math:`G_{nn}`, blocked jackknife for :math:`U_4`), which
    account for the strong correlation between levels, plus the references' errors; for
    points without series the two errors are added in quadrature (conservative).

    The overall ``"flow"`` is the nearest-neighbour correlation's trend (the effective
    coupling). :math:`U_4` depends on :math:`L/\xi`, which a block-spin step keeps, so on a
    fixed torus it stays roughly flat along the flow and labels the *input's* phase:
    ``"fixed_point"`` is the fixed point nearest to the last level by :math:`U_4`. Its
    trend and that of :math:`\langle|m|\rangle` are reported; both drift with the shrinking
    block lattice.

    The rule is purely statistical, with no finite-size allowance: at :math:`K_c` the
    nearest-neighbour correlation of a small block lattice exceeds the infinite-lattice
    value (on 40 x 40, for example, 0.715, 0.711, 0.759, 0.802 for b = 1, 2, 4, 8; about the same
    on 80 x 80 for the same block-lattice sizes), and with enough samples that rise is
    significant. Whether the rule then says "stays" or "toward ordered" depends on whether
    the small first dip (b = 1 to 2) is resolved beyond :math:`z` errors; it never says
    "toward disordered", and ``"fixed_point"`` says "critical". Read the flow together with
    the fixed point.
    """
    z = check_real(z, "z", minimum=0.0)
    block_flow, dbn_flow = list(block_flow), list(dbn_flow)
    for name, flow in (("block_flow", block_flow), ("dbn_flow", dbn_flow)):
        if not all(isinstance(p, FlowPoint) for p in flow):
            raise InvalidParameterError(f"{name} must be a sequence of FlowPoint (from block_spin_flow or dbn_flow).")
    levels = [
        {"level": k, "block": _level_summary(b), "dbn": _level_summary(d)}
        for k, (b, d) in enumerate(zip_longest(block_flow, dbn_flow))
    ]
    block = _flow_summary(block_flow, z)
    dbn = _flow_summary(dbn_flow, z)
    return {
        "levels": levels,
        "block": block,
        "dbn": dbn,
        "same_flow": block["flow"] == dbn["flow"],
        "same_fixed_point": block["fixed_point"] == dbn["fixed_point"],
        "settings": {"z": z},
        "rule": _RULE,
    }
