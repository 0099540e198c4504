"""The verdict: what the measurements say, in plain words, with the numbers behind them.

:func:`verdict` reads the experiment metrics written by the ``deeprg run`` pipeline and
returns statements such as

- "layer 2 of l1 is local (median z 8.7 against the phase null, 39.2 against the permutation
  null; both must exceed 3) at fitted block size 8 (block spins for 100 units: 4x4); its fitted
  scale grows x2.0 from layer 1 (radius of gyration x0.51)",
- "no layer of sklearn is local (median z 1.5, 0.1, -0.2)",
- "the l1 network's layers do not flow measurably, while block spins flow toward the
  disordered fixed point",

and one headline: does the L1 penalty make the network look like block-spin RG where the
off-the-shelf baseline does not, and at what penalty the first-layer fields become local.

Every statement carries a ``status`` word, chosen by fixed rules from the numbers (never
softened): a layer is ``"local"`` (beats every null), ``"mixed"`` (beats one null but not the
other), ``"not local"`` or ``"undetermined"``; a variant is ``"local"`` (every layer),
``"mixed"`` (some), ``"not local"`` (none) or ``"undetermined"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from deeprg.errors import InvalidParameterError
from deeprg.report._checks import AGREEMENT_SIGMAS, _data_verdict, _exact_1d_verdict, _scan_verdict, _training_numbers
from deeprg.report._words import _f, _geometric_mean, _join, _num, _sentence, _size, _statement
from deeprg.rg import matching_block_size

__all__ = ["AGREEMENT_SIGMAS", "SCALE_GROWTH_THRESHOLD", "VERDICT_VERSION", "verdict"]

#: Schema version of the dict returned by :func:`verdict`.
VERDICT_VERSION = 1

#: A scale "grows" with depth when its mean growth factor per layer exceeds this.
SCALE_GROWTH_THRESHOLD = 1.25

_NULL_MEANING = {
    # beaten null -> what beating only that one null means
    "permutation": "smooth but spread out, not compact",
    "phase": "concentrated on a few sites but scattered, not one compact patch",
}

_TREND_PHRASE = {
    "toward ordered": "flow toward the ordered fixed point",
    "toward disordered": "flow toward the disordered fixed point",
    "stays": "do not flow measurably",
    "undetermined": "have an undetermined flow",
}


# ---------------------------------------------------------------------- layers
def _matching_block_size(lattice: Any, n_units: Any) -> int | None:
    """Side of the blocks that tile an ``lattice x lattice`` torus into ``n_units`` block spins (None if none)."""
    L, n = _num(lattice), _num(n_units)
    if not L or not n:
        return None
    try:
        return matching_block_size(int(L) ** 2, int(n))
    except InvalidParameterError:
        return None


def _null_z(locality: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Median primary z and pass/fail per null from a locality summary."""
    primary = str(locality.get("primary_metric") or "z of window_fraction")
    key = primary.removeprefix("z of ").split()[0] if primary.startswith("z of ") else "window_fraction"
    per_null = locality.get("z") or {}
    out = {}
    for name in locality.get("nulls") or list(per_null):
        entry = per_null.get(name) or {}
        out[str(name)] = {"median_z": _num((entry.get(key) or {}).get("median")), "is_local": entry.get("is_local")}
    return out


def _layer_verdict(variant: str, layer: Mapping[str, Any], lattice: Any) -> dict[str, Any]:
    k = layer.get("layer")
    locality = layer.get("locality") or {}
    threshold = _num(locality.get("threshold")) or 3.0
    nulls = _null_z(locality)
    z = _num(layer.get("z"))
    n_units = layer.get("n_units")
    fitted = _num(layer.get("fitted_block_size"))
    matching = _matching_block_size(lattice, n_units)
    numbers: dict[str, Any] = {
        "n_units": n_units,
        "median_z": z,
        "threshold": threshold,
        "median_z_by_null": {name: v["median_z"] for name, v in nulls.items()},
        "fraction_local": _num(locality.get("fraction_local")),
        "fitted_block_size": fitted,
        "matching_block_size": matching,
        "radius_of_gyration": _num(layer.get("radius_of_gyration")),
        "equivalent_block_size": _num(layer.get("equivalent_block_size")),
    }
    match = layer.get("block_match") or None
    if match:
        numbers["block_match"] = {
            "block_size": match.get("block_size"),
            "median_best_correlation": _num(match.get("median_best_correlation")),
            "median_null_correlation": _num(match.get("median_null_correlation")),
            "median_specificity": _num(match.get("median_specificity")),
        }

    dead = locality.get("n_dead")
    all_dead = dead is not None and n_units is not None and dead >= n_units
    known_nulls = {name: v for name, v in nulls.items() if v["median_z"] is not None}
    if all_dead or (z is None and not known_nulls) or layer.get("is_local") is None:
        status = "undetermined"
    elif layer.get("is_local"):
        status = "local"
    elif any(v["is_local"] for v in known_nulls.values()):
        status = "mixed"
    else:
        status = "not local"

    def zf(value: float | None) -> str:  # enough digits that a value next to the threshold is not rounded onto it
        return _f(value, 2 if value is not None and abs(value - threshold) < 0.05 else 1)

    if known_nulls:
        against = ", ".join(f"{zf(v['median_z'])} against the {name} null" for name, v in known_nulls.items())
    else:
        against = zf(z)
    need = f"{'both' if len(known_nulls) == 2 else 'every null'} must exceed {_f(threshold, 0)}"
    who = f"layer {k} of {variant}"
    if status == "undetermined":
        reason = "every unit is dead" if all_dead else "no locality z-score was measured"
        text = f"{who}: locality undetermined ({reason})"
    elif status == "local":
        notes = []
        tried = [b for b in (_num(x) for x in locality.get("block_sizes") or []) if b is not None]
        if tried and fitted is not None and fitted >= max(tried):
            notes.append("the largest tried")
        if matching:
            notes.append(f"block spins for {n_units} units: {matching}x{matching}")
        scale = f"fitted block size {_size(fitted)}" + (f" ({'; '.join(notes)})" if notes else "")
        text = f"{who} is local (median z {against}; {need}) at {scale}"
    elif status == "mixed":
        beaten = [name for name, v in known_nulls.items() if v["is_local"]]
        missed = [name for name, v in known_nulls.items() if not v["is_local"]]
        meaning = _NULL_MEANING.get(beaten[0], "") if len(beaten) == 1 else ""
        text = (f"{who} is mixed, not local: it beats the {_join(beaten)} null but not the {_join(missed)} null "
                f"(median z {against}; {need})" + (f": its fields are {meaning}" if meaning else ""))
    else:
        text = f"{who} is not local (median z {against}; {need})"
    if match and numbers["block_match"]["median_best_correlation"] is not None:
        bm = numbers["block_match"]
        text += (f"; its units correlate with {_size(bm['block_size'])}x{_size(bm['block_size'])} block spins at "
                 f"median |r| {_f(bm['median_best_correlation'], 2)} (shuffled null "
                 f"{_f(bm['median_null_correlation'], 2)})")
    return _statement("layer", status, text, numbers, variant=variant, layer=k)


def _scale_verdict(variant: str, layers: Sequence[Mapping[str, Any]], statements: list[dict[str, Any]]) -> dict[str, Any]:
    """Growth of the fitted block size and the radius of gyration between consecutive local layers."""
    fitted_growth, rg_growth, pairs = [], [], []
    for prev, cur, s_prev, s_cur in zip(layers[:-1], layers[1:], statements[:-1], statements[1:], strict=True):
        if s_prev["status"] != "local" or s_cur["status"] != "local":
            continue
        a, b = _num(prev.get("fitted_block_size")), _num(cur.get("fitted_block_size"))
        ra, rb = _num(prev.get("radius_of_gyration")), _num(cur.get("radius_of_gyration"))
        g_fit = b / a if a and b is not None else None
        g_rg = rb / ra if ra and rb is not None else None
        fitted_growth.append(g_fit)
        rg_growth.append(g_rg)
        pairs.append((prev.get("layer"), cur.get("layer")))
        s_cur["numbers"]["growth_fitted_block_size"] = g_fit
        s_cur["numbers"]["growth_radius_of_gyration"] = g_rg
        s_cur["text"] += (f"; its fitted scale grows x{_f(g_fit)} from layer {prev.get('layer')} "
                          f"(radius of gyration x{_f(g_rg, 2)})")
    mean_fit, mean_rg = _geometric_mean(fitted_growth), _geometric_mean(rg_growth)
    local = [layer for layer, s in zip(layers, statements, strict=True) if s["status"] == "local"]
    numbers = {
        "layer_pairs": [list(p) for p in pairs],
        "growth_fitted_block_size": fitted_growth,
        "growth_radius_of_gyration": rg_growth,
        "mean_growth_fitted_block_size": mean_fit,
        "mean_growth_radius_of_gyration": mean_rg,
        "threshold": SCALE_GROWTH_THRESHOLD,
    }
    if mean_fit is None and mean_rg is None:
        text = (f"the scale growth of {variant} is undetermined: it needs two consecutive local layers "
                f"({len(local)} of {len(layers)} layers are local)")
        return _statement("scale", "undetermined", text, numbers, variant=variant)
    fitted = " -> ".join(_size(layer.get("fitted_block_size")) for layer in local)
    radii = " -> ".join(_f(layer.get("radius_of_gyration")) for layer in local)
    matching = [s["numbers"].get("matching_block_size") for s in statements if s["status"] == "local"]
    rg_note = ""
    if all(matching):
        rg_note = f"; block-spin RG with these layer widths: {' -> '.join(str(m) for m in matching)}"
    fit_numbers = f"{fitted}{rg_note}"
    rg_numbers = radii
    need = f"growth needs more than x{_f(SCALE_GROWTH_THRESHOLD, 2)} per layer"
    fit_grows = mean_fit is not None and mean_fit > SCALE_GROWTH_THRESHOLD
    rg_grows = mean_rg is not None and mean_rg > SCALE_GROWTH_THRESHOLD
    if fit_grows and rg_grows:
        status = "grows"
        text = (f"the scale of {variant}'s local layers grows with depth: fitted block size x{_f(mean_fit)} per layer "
                f"({fit_numbers}), radius of gyration x{_f(mean_rg, 2)} per layer ({rg_numbers})")
    elif not fit_grows and not rg_grows:
        status = "does not grow"
        text = (f"the scale of {variant}'s local layers does not grow with depth: fitted block size x{_f(mean_fit)} per "
                f"layer ({fit_numbers}), radius of gyration x{_f(mean_rg, 2)} per layer ({rg_numbers}); {need}")
    else:
        status = "mixed"
        grows = (f"the fitted block size grows x{_f(mean_fit)} per layer ({fit_numbers})" if fit_grows
                 else f"the radius of gyration grows x{_f(mean_rg, 2)} per layer ({rg_numbers})")
        stays = (f"the radius of gyration does not (x{_f(mean_rg, 2)} per layer: {rg_numbers})" if fit_grows
                 else f"the fitted block size does not (x{_f(mean_fit)} per layer: {fit_numbers})")
        text = f"the scale growth of {variant} is mixed: {grows}, but {stays}; {need}"
    return _statement("scale", status, text, numbers, variant=variant)


# ---------------------------------------------------------------------- flows
def _phi_series(flows: Mapping[str, Any], which: str, observable: str = "nn_correlation") -> list[float | None]:
    series = []
    for level in flows.get("levels") or []:
        point = level.get(which) or {}
        series.append(_num(((point.get("phi") or {}).get(observable) or {}).get("mean")))
    while series and series[-1] is None:
        series.pop()
    return series


def _flow_verdict(variant: str, flows: Mapping[str, Any] | None) -> dict[str, Any]:
    flows = flows or {}
    block, dbn = flows.get("block") or {}, flows.get("dbn") or {}
    b_flow, d_flow = block.get("flow"), dbn.get("flow")
    b_fixed, d_fixed = block.get("fixed_point"), dbn.get("fixed_point")
    numbers = {
        "block_flow": b_flow,
        "dbn_flow": d_flow,
        "block_fixed_point": b_fixed,
        "dbn_fixed_point": d_fixed,
        "block_trends": block.get("trend"),
        "dbn_trends": dbn.get("trend"),
        "same_flow": flows.get("same_flow"),
        "same_fixed_point": flows.get("same_fixed_point"),
        "block_phi_nn_correlation": _phi_series(flows, "block"),
        "dbn_phi_nn_correlation": _phi_series(flows, "dbn"),
    }
    name = f"the {variant} network's layers"
    if b_flow in (None, "undetermined") or d_flow in (None, "undetermined"):
        missing = "no flow was measured" if not flows else "a flow is undetermined (fewer than two finite levels)"
        return _statement("flow", "undetermined", f"whether {name} flow like block-spin RG is undetermined: {missing}",
                          numbers, variant=variant)
    phis = (f"nearest-neighbour orderedness phi {' -> '.join(_f(p, 2) for p in numbers['dbn_phi_nn_correlation'])} "
            f"for the layers, {' -> '.join(_f(p, 2) for p in numbers['block_phi_nn_correlation'])} for block spins")
    if flows.get("same_flow"):
        status = "like block-spin RG"
        if d_flow == "stays":
            text = f"neither {name} nor block spins flow measurably, alike ({phis})"
        else:
            text = f"{name} {_TREND_PHRASE.get(d_flow, d_flow)} like block-spin RG ({phis})"
    else:
        status = "unlike block-spin RG"
        text = (f"{name} {_TREND_PHRASE.get(d_flow, d_flow)}, while block spins "
                f"{_TREND_PHRASE.get(b_flow, b_flow)}: not like block-spin RG ({phis})")
    if b_fixed and d_fixed:
        if flows.get("same_fixed_point"):
            text += f"; both end nearest the {b_fixed} fixed point by the Binder cumulant"
        else:
            text += f"; by the Binder cumulant block spins end nearest the {b_fixed}, the layers the {d_fixed} fixed point"
    return _statement("flow", status, text, numbers, variant=variant)


# ---------------------------------------------------------------------- variants
def _variant_verdict(variant: str, m: Mapping[str, Any]) -> dict[str, Any]:
    layers = list(m.get("layers") or [])
    lattice = m.get("lattice")
    layer_statements = [_layer_verdict(variant, layer, lattice) for layer in layers]
    scale = _scale_verdict(variant, layers, layer_statements) if layers else _statement(
        "scale", "undetermined", f"the scale growth of {variant} is undetermined: no layers", {}, variant=variant)
    flow = _flow_verdict(variant, m.get("flows"))
    statuses = [s["status"] for s in layer_statements]
    determined = [s for s in statuses if s != "undetermined"]
    n_local = statuses.count("local")
    zs = ", ".join(_f(s["numbers"]["median_z"]) for s in layer_statements)
    if not determined:
        status, summary = "undetermined", f"the locality of {variant} is undetermined (no measured layer)"
    elif n_local == len(statuses):
        status = "local"
        summary = (f"{'the only layer' if n_local == 1 else f'all {n_local} layers'} of {variant} "
                   f"{'is' if n_local == 1 else 'are'} local (median z {zs})")
    elif n_local == 0:
        status = "not local"
        summary = f"no layer of {variant} is local (median z {zs})"
        n_mixed = statuses.count("mixed")
        if n_mixed:
            summary += (f"; {n_mixed} of its layers {'beats' if n_mixed == 1 else 'beat'} only one of the nulls "
                        "(mixed evidence, not local)")
    else:
        status = "mixed"
        which = [str(s["layer"]) for s in layer_statements if s["status"] == "local"]
        summary = (f"{n_local} of {len(statuses)} layers of {variant} are local "
                   f"(layer{'s' if len(which) > 1 else ''} {_join(which)}; median z {zs})")
    locality_summary = summary
    if status in ("local", "mixed") and scale["status"] != "undetermined":
        summary += f"; scale growth {scale['status']}"
    summary += f"; flow {flow['status']}"

    if status == "undetermined":
        looks_like_rg = "undetermined"
    elif status == "local" and scale["status"] == "grows" and flow["status"] == "like block-spin RG":
        looks_like_rg = "yes"
    elif status == "not local":
        looks_like_rg = "no"
    else:
        looks_like_rg = "partly"
    training = m.get("training") or {}
    return {
        "status": status,
        "looks_like_block_spin_rg": looks_like_rg,
        "n_layers": len(layers),
        "n_local": n_local,
        "summary": summary,
        "locality_summary": locality_summary,
        "layers": layer_statements,
        "scale": scale,
        "flow": flow,
        "training": _training_numbers(training),
    }


def _pick(names: Sequence[str], exact: str, *fragments: str) -> str | None:
    if exact in names:
        return exact
    return next((n for n in names if any(f in n.lower() for f in fragments)), None)


def _headline(variants: Mapping[str, dict[str, Any]], scan: dict[str, Any] | None) -> dict[str, Any]:
    names = list(variants)
    penalized, baseline = _pick(names, "l1", "l1"), _pick(names, "sklearn", "sklearn", "baseline")
    numbers: dict[str, Any] = {"penalized": penalized, "baseline": baseline}
    if not names:
        return {"status": "undetermined", "text": "No network was analyzed, so there is no verdict.", "numbers": numbers}
    if penalized is None or baseline is None:
        status = "undetermined"
        text = ("Undetermined: the comparison needs an L1 variant and the scikit-learn baseline. "
                + " ".join(_sentence(v["summary"]) for v in variants.values()))
    else:
        p, b = variants[penalized], variants[baseline]
        numbers.update({"penalized_n_local": p["n_local"], "baseline_n_local": b["n_local"],
                        "penalized_looks_like_block_spin_rg": p["looks_like_block_spin_rg"],
                        "baseline_looks_like_block_spin_rg": b["looks_like_block_spin_rg"]})
        evidence = _sentence(f"{p['locality_summary']}, while {b['locality_summary']}")
        if "undetermined" in (p["status"], b["status"]):
            status = "undetermined"
            text = f"Undetermined: the locality of a network could not be measured. {evidence}"
        elif p["n_local"] > b["n_local"] and p["looks_like_block_spin_rg"] == "yes" and b["n_local"] == 0:
            status = "yes"
            text = (f"Yes: with the L1 penalty the network looks like block-spin RG (local layers, a scale that grows "
                    f"with depth, the same flow) and the off-the-shelf baseline does not. {evidence}")
        elif p["n_local"] > b["n_local"]:
            status = "partly"
            missing = []
            if p["status"] != "local":
                missing.append(f"only {p['n_local']} of its {p['n_layers']} layers are local")
            if p["scale"]["status"] != "grows":
                missing.append(f"its scale growth with depth is {p['scale']['status']}")
            if p["flow"]["status"] != "like block-spin RG":
                missing.append("its layers do not flow like block-spin RG" if p["flow"]["status"] == "unlike block-spin RG"
                               else f"its flow is {p['flow']['status']}")
            if b["n_local"]:
                missing.append(f"the baseline has {b['n_local']} local layer{'s' if b['n_local'] > 1 else ''} too")
            text = (f"Partly: L1 makes the network more local than the off-the-shelf baseline, but "
                    f"{_join(missing)}. {evidence}")
        elif p["n_local"] == b["n_local"]:
            status = "no"
            text = (f"No: the L1 penalty does not make the network more local than the off-the-shelf baseline "
                    f"({p['n_local']} against {b['n_local']} local layers). {evidence}")
        else:
            status = "no"
            text = (f"No: the off-the-shelf baseline is more local than the L1 network ({b['n_local']} against "
                    f"{p['n_local']} local layers). {evidence}")
    if scan is not None:
        text += " " + _sentence(f"In the L1 scan, {scan['text']}")
        numbers["scan_status"] = scan["status"]
    return {"status": status, "text": text, "numbers": numbers}


# ---------------------------------------------------------------------- entry point
def verdict(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """Plain-words statements, with their numbers, about every variant, layer, the scan and the checks.

    Parameters
    ----------
    metrics : dict
        Experiment metrics: ``{"variants": {name: per-network metrics of
        :func:`deeprg.analysis.analyze_network` (plus optional ``"training"`` histories)},
        "ensemble": {...}, "scan": [rows of :func:`deeprg.rg.locality_scan`], "exact_1d": {...}}``;
        everything but ``"variants"`` is optional, and missing numbers give "undetermined".

    Returns
    -------
    dict
        JSON-able::

            {"verdict_version": 1,
             "headline": {"status": "yes" | "partly" | "no" | "undetermined", "text", "numbers"},
             "variants": {name: {"status": "local" | "mixed" | "not local" | "undetermined",
                                 "looks_like_block_spin_rg": "yes" | "partly" | "no" | "undetermined",
                                 "n_layers", "n_local", "summary",
                                 "layers": [statement, ...], "scale": statement, "flow": statement,
                                 "training": {layer: {"pseudo_likelihood", "reconstruction_error", "epochs"}}}},
             "scan": statement | None, "data": [statement, ...], "exact_1d": [statement, ...],
             "statements": [every statement, in reading order]}

        A statement is ``{"topic", ("variant", "layer",) "status", "text", "numbers"}``.

    Notes
    -----
    Rules: a layer is local when its median unit beats every null by more than the locality
    threshold (:attr:`deeprg.rg.LocalityReport.is_local`), "mixed" when it beats some nulls
    only. The scale grows when the geometric-mean growth per layer between consecutive local
    layers exceeds :data:`SCALE_GROWTH_THRESHOLD`, for the fitted block size and the radius of
    gyration alike ("mixed" when only one grows). The flow is like block-spin RG when the
    network's and the block spins' nearest-neighbour trends agree (``flows["same_flow"]``). A
    variant looks like block-spin RG ("yes") when all three hold, "no" when no layer is local.
    The headline compares the ``l1`` variant with the ``sklearn`` baseline.
    """
    variants_in = metrics.get("variants") or {}
    variants = {str(name): _variant_verdict(str(name), m or {}) for name, m in variants_in.items()}
    scan_rows = metrics.get("scan")
    scan = _scan_verdict(scan_rows) if scan_rows else None
    data = _data_verdict(metrics["ensemble"]) if metrics.get("ensemble") else []
    exact = _exact_1d_verdict(metrics["exact_1d"]) if metrics.get("exact_1d") else []
    headline = _headline(variants, scan)
    statements: list[dict[str, Any]] = []
    for v in variants.values():
        statements += [*v["layers"], v["scale"], v["flow"]]
    statements += ([scan] if scan else []) + data + exact
    return {
        "verdict_version": VERDICT_VERSION,
        "headline": headline,
        "variants": variants,
        "scan": scan,
        "data": data,
        "exact_1d": exact,
        "statements": statements,
    }
