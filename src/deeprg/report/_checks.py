"""Verdicts on the controls, the L1 scan, the sampled data and the exact checks (private; see :mod:`deeprg.report.verdict`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from deeprg.report import rules
from deeprg.report._words import f, join, size, statement, strength
from deeprg.rg.controls import MEASURES

#: Observables agree with their exact values within this many standard errors.
AGREEMENT_SIGMAS = 3.0

#: The decimation check is exact when enumeration and the formula agree to this (float64 rounding of a
#: 2^12-state sum is about 1e-15; anything larger is an error in the RBM algebra).
EXACT_TOLERANCE = 1e-8

_MEASURE_WORDS = {"local": "local", "ordered": "ordered on the block lattice", "block_specific": "block-specific",
                  "scale_grows": "growing in scale", "flow": "flowing like block spins"}


# ---------------------------------------------------------------------- calibration on the controls
def calibration_verdict(controls: Sequence[Any], judge: Callable[[Any], Any]) -> dict[str, Any]:
    """Whether every measure gives every control network its known answer (:data:`deeprg.rg.controls.MEASURES`).

    Parameters
    ----------
    controls : sequence of ControlResult
        The control networks measured in this run.
    judge : callable
        ``judge(network_metrics)`` returns an object with ``observed(measure)`` (the verdict's
        :class:`~deeprg.report.verdict.Judgement`).
    """
    rows, wrong = [], []
    for control in controls:
        judged = judge(control.metrics)
        measures = {}
        for measure in MEASURES:
            expected = control.expected_measures.get(measure)
            observed = judged.observed(measure)
            correct = None if expected is None else observed == expected
            measures[measure] = {"expected": expected, "observed": observed, "correct": correct}
            if correct is False:
                wrong.append(f"{control.name} is {'' if observed else 'not '}{_MEASURE_WORDS[measure]}"
                             if observed is not None else f"{control.name} is undetermined on {measure}")
        rows.append({"name": control.name, "expected": control.expected, "description": control.description,
                     "measures": measures, "correct": all(m["correct"] is not False for m in measures.values())})
    n_checks = sum(m["correct"] is not None for row in rows for m in row["measures"].values())
    numbers = {"controls": rows, "n_checks": n_checks, "n_wrong": len(wrong)}
    if wrong:
        text = (f"the measures are not calibrated: {len(wrong)} of {n_checks} known answers of the control networks "
                f"come out wrong ({join(wrong)}), so no verdict on the trained networks can be trusted")
        return statement("calibration", "failed", text, numbers)
    rg_like = [row["name"] for row in rows if row["expected"]]
    others = [row["name"] for row in rows if not row["expected"]]
    text = (f"every measure gives all {len(rows)} control networks their known answers ({n_checks} checks; RG by "
            f"construction: {join(rg_like) or 'none'}; not RG: {join(others) or 'none'})")
    return statement("calibration", "passed", text, numbers)


# ---------------------------------------------------------------------- the L1 scan
def _why_not_local(row: Any) -> str:
    c = row.compactness
    if c.median_compactness is None:
        return "dead"
    if c.is_spread:
        return f"spread out (compactness {f(c.median_compactness, 2)})"
    low, high = c.median_compactness_interval
    return f"undetermined (compactness {f(c.median_compactness, 2)}, interval [{f(low, 2)}, {f(high, 2)}] across units)"


def scan_verdict(scan: Sequence[Any]) -> dict[str, Any]:
    """At which L1 strength the first-layer fields become local, and what it costs in pseudo-likelihood."""
    rows = sorted(scan, key=lambda row: row.l1)
    first = next((row for row in rows if row.is_local), None)
    weakest = rows[0]
    numbers: dict[str, Any] = {
        "strengths": [row.l1 for row in rows],
        "is_local": [row.is_local for row in rows],
        "compactness": [row.compactness.median_compactness for row in rows],
        "median_z": [rules.significance_z(row) for row in rows],
        "pseudo_likelihood": [row.pseudo_likelihood for row in rows],
        "penalty_method": weakest.penalty_method,
        "first_local_strength": None if first is None else first.l1,
        "pseudo_likelihood_cost_per_spin": None,
    }
    method = weakest.penalty_method
    lead = f"with the {method} L1 update, " if method and method != "subgradient" else ""
    span = f"{strength(rows[0].l1)} to {strength(rows[-1].l1)}"
    if first is None:
        text = (f"{lead}no scanned L1 strength ({span}) makes the first-layer fields local: "
                + "; ".join(f"at {strength(row.l1)} they are {_why_not_local(row)}" for row in rows))
        return statement("scan", "never local", text, numbers)
    where = f"compactness {f(first.compactness.median_compactness, 2)}, median z {f(rules.significance_z(first))}"
    if first is weakest:
        status = "local at the weakest"
        text = f"{lead}the first-layer fields are already local at the weakest scanned strength, {strength(first.l1)} ({where})"
    else:
        status = "becomes local"
        cost = weakest.pseudo_likelihood - first.pseudo_likelihood
        numbers["pseudo_likelihood_cost_per_spin"] = cost
        text = (f"{lead}the first-layer fields become local at L1 = {strength(first.l1)} ({where}; at "
                f"{strength(weakest.l1)} they are {_why_not_local(weakest)}), at {'a cost' if cost >= 0 else 'a gain'} "
                f"of {f(abs(cost), 4)} nats per spin in pseudo-likelihood ({f(first.pseudo_likelihood, 4)} against "
                f"{f(weakest.pseudo_likelihood, 4)})")
    lost = [row for row in rows if row.l1 > first.l1 and not row.is_local]
    if lost:
        text += ("; but not local again at " + join([strength(row.l1) for row in lost]) + ", where they are "
                 + join([_why_not_local(row) for row in lost]) + ": locality is not monotone in the strength")
    return statement("scan", status, text, numbers)


# ---------------------------------------------------------------------- the data
def data_verdict(ens: Any) -> list[dict[str, Any]]:
    """The sampled energy and specific heat against the exact finite-size values, and the autocorrelation times."""
    out = []
    where = f"the {ens.L}x{ens.L} torus"
    for key, label in (("energy_per_site", "energy per site"), ("specific_heat", "specific heat per site")):
        estimate, exact = getattr(ens, key), getattr(ens, f"exact_{key}")
        sigmas = abs(estimate.mean - exact) / estimate.error if estimate.error else None
        numbers = {"mean": estimate.mean, "error": estimate.error, "exact": exact, "deviation_in_errors": sigmas}
        if sigmas is None:
            text = (f"the sampled {label} {f(estimate.mean, 5)} against the exact {f(exact, 5)} for {where}: "
                    "agreement undetermined (no error bar)")
            out.append(statement("data", "undetermined", text, numbers, observable=key))
            continue
        agrees = sigmas <= AGREEMENT_SIGMAS
        how = f"{f(sigmas)} standard errors" + ("" if agrees else f", more than {f(AGREEMENT_SIGMAS, 0)}")
        text = (f"the sampled {label} {f(estimate.mean, 5)} ± {f(estimate.error, 5)} "
                f"{'agrees' if agrees else 'disagrees'} with the exact {f(exact, 5)} for {where} ({how})")
        out.append(statement("data", "agrees" if agrees else "disagrees", text, numbers, observable=key))
    taus = {"energy": ens.tau_energy, "abs_magnetization": ens.tau_abs_magnetization}
    known = {k: v for k, v in taus.items() if v is not None}
    if known:
        labels = {"energy": "the energy", "abs_magnetization": "|m|"}
        text = (f"integrated autocorrelation times, in {ens.algorithm} updates: "
                f"{join([f'{f(v)} for {labels[k]}' for k, v in known.items()])}; samples are stored every "
                f"{size(ens.spacing)} updates")
        status = "measured"
        if max(known.values()) > ens.spacing:
            status = "correlated"
            text += ", fewer than tau_int: stored samples are correlated (error bars account for it)"
        out.append(statement("data", status, text, {"tau": taus, "spacing": ens.spacing}, observable="tau_int"))
    return out


# ---------------------------------------------------------------------- the exact checks
def exact_1d_verdict(exact: Any) -> list[dict[str, Any]]:
    """The exact checks, worded for what they are: checks of deeprg's RBM algebra, not evidence about the networks."""
    out = []
    if exact.decimation:
        worst_error = max(row.error for row in exact.decimation)
        worst_violation = max(row.trace_violation for row in exact.decimation)
        ok = worst_error < EXACT_TOLERANCE and worst_violation < EXACT_TOLERANCE
        Ks = join([f(row.K, 2).rstrip("0").rstrip(".") for row in exact.decimation])
        text = (f"deeprg's exact 1D decimation RBM {'reproduces' if ok else 'does not reproduce'} tanh K' = tanh^2 K "
                f"at K = {Ks} (largest error {worst_error:.1e}, trace-condition violation {worst_violation:.1e}): "
                "a check of the RBM algebra against an analytic identity (Mehta & Schwab's mapping exists), "
                "not evidence that a trained network does RG")
        out.append(statement("exact_1d", "exact" if ok else "not exact", text,
                             {"max_coupling_error": worst_error, "max_trace_violation": worst_violation}))
    if exact.trace_distance_4x4:
        kl = [row.kl_divergence for row in exact.trace_distance_4x4]
        epochs = [row.epochs for row in exact.trace_distance_4x4]
        status = "decreases" if kl[-1] < kl[0] else "does not decrease"
        text = (f"a 4-hidden-unit RBM trained on the 4x4 torus is KL {' -> '.join(f(v, 3) for v in kl)} nats from "
                f"satisfying the trace condition after {' -> '.join(str(e) for e in epochs)} epochs ({status}): "
                "this measures how well a small RBM fits the 4x4 Ising distribution, not whether the trained "
                "networks do RG")
        out.append(statement("exact_1d", status, text, {"epochs": epochs, "kl_divergence": kl}))
    return out


# ---------------------------------------------------------------------- training
_FINAL = ("pseudo_likelihood", "reconstruction_error", "pseudo_likelihood_val", "free_energy_gap")


def training_numbers(training: Mapping[str, Mapping[str, Sequence[float]]]) -> dict[str, Any]:
    """Final training (and held-out) metrics per layer, when the histories are there."""
    out = {}
    for name, history in training.items():
        row = {key: float(history[key][-1]) for key in _FINAL if history.get(key)}
        if row:
            out[str(name)] = {**row, "epochs": max(len(v) for v in history.values())}
    return out


def fit_verdict(variant: str, training: Mapping[str, Mapping[str, Sequence[float]]]) -> dict[str, Any]:
    """Does training overfit? The final pseudo-likelihood per spin on the training data against held-out data."""
    final = training_numbers(training)
    gaps = {layer: row["pseudo_likelihood"] - row["pseudo_likelihood_val"] for layer, row in final.items()
            if "pseudo_likelihood" in row and "pseudo_likelihood_val" in row}
    numbers = {"layers": final, "pseudo_likelihood_gap": gaps, "threshold": rules.OVERFIT_GAP}
    if not gaps:
        return statement("fit", "not measured", f"{variant} was trained without held-out data", numbers, variant=variant)
    parts = [f"{layer}: {f(final[layer]['pseudo_likelihood'], 4)} training, {f(final[layer]['pseudo_likelihood_val'], 4)} "
             f"held out" + (f", free-energy gap {f(final[layer]['free_energy_gap'], 3)}" if "free_energy_gap" in final[layer]
                            else "") for layer in gaps]
    # judged on the first layer, the one that models the spins; the layers above model the hidden
    # probabilities of the layer below, which differ between training and held-out data by construction
    first = next(iter(gaps))
    gap = gaps[first]
    epochs = max(row["epochs"] for row in final.values())
    status = "overfits" if gap > rules.OVERFIT_GAP else "generalizes"
    verb = (f"overfits: its {first} pseudo-likelihood on the training data exceeds the held-out one by {f(gap, 4)} nats "
            f"per spin, more than {f(rules.OVERFIT_GAP, 2)}") if status == "overfits" else (
            f"does not overfit: its {first} pseudo-likelihood on the training and held-out data differ by {f(gap, 4)} "
            f"nats per spin, at most {f(rules.OVERFIT_GAP, 2)}")
    return statement("fit", status, f"after {epochs} epochs {variant} {verb} ({'; '.join(parts)})", numbers,
                     variant=variant)
