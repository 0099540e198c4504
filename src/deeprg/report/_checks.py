"""Verdicts on the L1 scan, the sampled data and the exact 1D checks (private; see :mod:`deeprg.report.verdict`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from deeprg.report._words import _f, _join, _num, _size, _statement, _strength
from deeprg.rg import scan_median_z

#: Observables agree with their exact values within this many standard errors.
AGREEMENT_SIGMAS = 3.0

def _scan_verdict(scan: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    rows = sorted((row for row in scan if _num(row.get("l1")) is not None), key=lambda row: float(row["l1"]))
    if not rows:
        return _statement("scan", "undetermined", "the L1 scan has no rows", {})
    weakest = rows[0]
    threshold = _num((weakest.get("locality") or {}).get("threshold")) or 3.0
    first = next((row for row in rows if row.get("is_local")), None)
    span = f"{_strength(rows[0]['l1'])} to {_strength(rows[-1]['l1'])}"
    numbers: dict[str, Any] = {
        "strengths": [_num(row["l1"]) for row in rows],
        "is_local": [row.get("is_local") for row in rows],
        "median_z": [_num(row.get("median_z")) for row in rows],
        "pseudo_likelihood": [_num(row.get("pseudo_likelihood")) for row in rows],
        "weakest_strength": _num(weakest["l1"]),
        "first_local_strength": _num(first["l1"]) if first else None,
        "pseudo_likelihood_cost_per_spin": None,
        "relative_pseudo_likelihood_cost": None,
    }
    method = weakest.get("penalty_method")
    numbers["penalty_method"] = method
    # the strengths of the proximal update are not those of the paper's (momentum scales the latter)
    lead = f"with the {method} L1 update, " if method and method != "subgradient" else ""
    if first is None:
        best = max(rows, key=_weaker_null_z)
        phase, permutation = (scan_median_z(best, null) for null in ("phase", "permutation"))
        text = (f"{lead}no scanned L1 strength ({span}) makes the first-layer fields local: the closest, "
                f"{_strength(best['l1'])}, has median z {_f(phase)} against the smooth null and "
                f"{_f(permutation)} against the shuffled one; both must exceed {_f(threshold, 0)}")
        kind = _failure(best)
        if kind:
            text += f"; its fields are {kind}"
        return _statement("scan", "never local", text, numbers)
    if first is weakest:
        status = "local at the weakest"
        text = (f"{lead}the first-layer fields are already local at the weakest scanned L1 strength, "
                f"{_strength(first['l1'])} (median z {_f(first.get('median_z'))})")
    else:
        status = "becomes local"
        pl_first, pl_weak = _num(first.get("pseudo_likelihood")), _num(weakest.get("pseudo_likelihood"))
        text = (f"{lead}the first-layer fields become local at L1 = {_strength(first['l1'])} (median z "
                f"{_f(first.get('median_z'))} > {_f(threshold, 0)}; {_f(weakest.get('median_z'))} at {_strength(weakest['l1'])})")
        if pl_first is not None and pl_weak is not None:
            cost = pl_weak - pl_first
            relative = cost / abs(pl_weak) if pl_weak else None
            numbers["pseudo_likelihood_cost_per_spin"] = cost
            numbers["relative_pseudo_likelihood_cost"] = relative
            direction = "a cost" if cost >= 0 else "a gain"
            text += (f", at {direction} of {_f(abs(cost), 4)} nats per spin in pseudo-likelihood "
                     f"({_f(pl_first, 4)} against {_f(pl_weak, 4)} at {_strength(weakest['l1'])}"
                     + (f", {_f(100 * abs(relative), 1)}%" if relative is not None else "") + ")")
        else:
            text += "; its pseudo-likelihood cost is unknown (not recorded)"
    lost = [row for row in rows if float(row["l1"]) > float(first["l1"]) and not row.get("is_local")]
    if lost:
        text += (f"; but not local again at {_join([_strength(row['l1']) for row in lost])}: "
                 "locality is not monotone in the strength")
        kinds = [_failure(row) for row in lost]
        numbers["failures"] = {_strength(row["l1"]): kind for row, kind in zip(lost, kinds, strict=True)}
        for kind in dict.fromkeys(k for k in kinds if k):
            which = [row for row, k in zip(lost, kinds, strict=True) if k == kind]
            radii = _join([_f((row.get("locality") or {}).get("median_radius_of_gyration")) for row in which])
            where = "there" if len(which) == len(lost) else f"at {_join([_strength(row['l1']) for row in which])}"
            text += f"; {where} the fields are {kind} (median R_g {radii})"
    return _statement("scan", status, text, numbers)


def _weaker_null_z(row: Mapping[str, Any]) -> float:
    """The smaller of a row's two median z (what must exceed the threshold), -inf when unknown."""
    values = [z for z in (scan_median_z(row, "phase"), scan_median_z(row, "permutation")) if z is not None]
    return min(values) if values else -math.inf


def _failure(row: Mapping[str, Any]) -> str | None:
    """Why a scanned layer is not local, from the nulls it beats (None when unknown)."""
    z = (row.get("locality") or {}).get("z") or {}
    phase, permutation = ((z.get(name) or {}).get("is_local") for name in ("phase", "permutation"))
    if phase and permutation is False:
        return "sparse but scattered: more concentrated than smooth fields, no more compact than shuffled ones"
    if permutation and phase is False:
        return "smooth but spread: more compact than shuffled fields, no more concentrated than smooth ones"
    if phase is False and permutation is False:
        return "spread out: neither null is beaten"
    return None


def _estimate(entry: Any) -> tuple[float | None, float | None]:
    if isinstance(entry, Mapping):
        return _num(entry.get("mean")), _num(entry.get("error"))
    return _num(entry), None


def _data_verdict(ens: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    L = ens.get("L")
    where = f"the {L}x{L} torus" if L else "this torus"
    for key, label in (("energy_per_site", "energy per site"), ("specific_heat", "specific heat per site")):
        mean, error = _estimate(ens.get(key))
        exact = _num(ens.get(f"exact_{key}"))
        if mean is None or exact is None:
            continue
        sigmas = abs(mean - exact) / error if error else None
        numbers = {"mean": mean, "error": error, "exact": exact, "deviation_in_errors": sigmas}
        if sigmas is None:
            status, how = "undetermined", "no error bar"
        elif sigmas <= AGREEMENT_SIGMAS:
            status, how = "agrees", f"{_f(sigmas)} standard errors"
        else:
            status, how = "disagrees", f"{_f(sigmas)} standard errors, more than {_f(AGREEMENT_SIGMAS, 0)}"
        if status == "undetermined":
            text = f"the sampled {label} {_f(mean, 5)} against the exact {_f(exact, 5)} for {where}: agreement undetermined ({how})"
        else:
            verb = "agrees with" if status == "agrees" else "disagrees with"
            text = f"the sampled {label} {_f(mean, 5)} ± {_f(error, 5)} {verb} the exact {_f(exact, 5)} for {where} ({how})"
        out.append(_statement("data", status, text, numbers, observable=key))
    taus = {k: _num(ens.get(f"tau_{k}")) for k in ("energy", "abs_magnetization")}
    if any(v is not None for v in taus.values()):
        algorithm, spacing = ens.get("algorithm") or "sampler", ens.get("spacing")
        labels = {"energy": "the energy", "abs_magnetization": "|m|"}
        parts = [f"{_f(v)} for {labels[k]}" for k, v in taus.items() if v is not None]
        text = f"integrated autocorrelation times, in {algorithm} updates: {_join(parts)}"
        status = "measured"
        if _num(spacing):
            worst = max(v for v in taus.values() if v is not None)
            text += f"; samples are stored every {_size(spacing)} updates"
            if worst > float(spacing):
                status = "correlated"
                text += ", fewer than tau_int: stored samples are correlated (error bars account for it)"
        out.append(_statement("data", status, text, {"tau": taus, "spacing": _num(spacing)}, observable="tau_int"))
    return out


def _exact_1d_verdict(exact: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    chain = [row for row in exact.get("decimation") or [] if isinstance(row, Mapping)]
    if chain:
        errors = [_num(row.get("error")) for row in chain]
        violations = [_num(row.get("trace_violation")) for row in chain]
        worst_error = max((e for e in errors if e is not None), default=None)
        worst_violation = max((v for v in violations if v is not None), default=None)
        Ks = _join([_f(row.get("K"), 2).rstrip("0").rstrip(".") for row in chain])
        exact_ok = worst_error is not None and worst_error < 1e-8 and (worst_violation is None or worst_violation < 1e-8)
        status = "exact" if exact_ok else ("undetermined" if worst_error is None else "not exact")
        text = (f"the exact 1D decimation RBM {'reproduces' if exact_ok else 'does not reproduce'} "
                f"tanh K' = tanh^2 K at K = {Ks}: largest coupling error {worst_error:.1e}" if worst_error is not None
                else "the exact 1D decimation check has no coupling errors")
        if worst_violation is not None:
            text += f", largest trace-condition violation {worst_violation:.1e}"
        out.append(_statement("exact_1d", status, text, {"max_coupling_error": worst_error,
                                                          "max_trace_violation": worst_violation}))
    distances = [row for row in exact.get("trace_distance_4x4") or [] if isinstance(row, Mapping)]
    if distances:
        kl = [_num(row.get("kl_divergence")) for row in distances]
        epochs = [row.get("epochs") for row in distances]
        if kl[0] is not None and kl[-1] is not None:
            status = "decreases" if kl[-1] < kl[0] else "does not decrease"
        else:
            status = "undetermined"
        text = (f"a small RBM on the 4x4 torus is KL {' -> '.join(_f(v, 3) for v in kl)} nats from an exact RG step "
                f"after {' -> '.join(str(e) for e in epochs)} epochs (trace-condition distance {status} with training; "
                "0 would be exact)")
        out.append(_statement("exact_1d", status, text, {"epochs": epochs, "kl_divergence": kl}))
    return out


def _training_numbers(training: Mapping[str, Any]) -> dict[str, Any]:
    """Final pseudo-likelihood and reconstruction error per layer, when the histories are there."""
    out = {}
    for name, history in training.items():
        if not isinstance(history, Mapping):
            continue
        row = {}
        for key in ("pseudo_likelihood", "reconstruction_error"):
            values = history.get(key)
            if isinstance(values, Sequence) and values:
                row[key] = _num(values[-1])
        if row:
            out[str(name)] = {**row, "epochs": max(len(v) for v in history.values() if isinstance(v, Sequence))}
    return out


# ---------------------------------------------------------------------- headline
