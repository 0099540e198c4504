"""The verdict: what the measurements say, in plain words, with the numbers behind them.

:func:`verdict` reads the typed metrics of an experiment
(:class:`~deeprg.experiment.results.ExperimentMetrics`) and applies the rules of
:mod:`deeprg.report.rules` to every layer of every network, trained ones and control networks
alike. It returns statements such as

- "layer 2 of l1 is local: compactness 0.83 [0.80, 0.86] (at least 0.5) and median z 12.3 against
  the smooth null (more than 3), at scale b* 4 (block spins for 100 units: 4x4); its units sit on
  the 10x10 block lattice (rms 0.04 blocks); block-specific (specificity 0.45); nearest-neighbour
  correlation 0.54 against 0.50 for majority-rule block spins (difference +0.04 ± 0.01: agrees)",
- "no layer of sklearn is local",

and one headline that isolates the penalty: ``l1`` against ``none`` (the same trainer, schedule and
initialisation: Mehta & Schwab's claim), next to the seed write-up's comparison of scikit-learn's
RBM off the shelf with the hand-coded L1 RBM, naming every way the two differ. The control networks,
measured in the same run by the same code, calibrate it: a control classified wrongly turns the
headline into "undetermined", with the reason.

Every statement carries a ``status`` chosen by the rules from the numbers, never softened.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from deeprg.experiment.results import ExperimentMetrics, LayerMetrics, NetworkMetrics
from deeprg.report import rules
from deeprg.report._checks import (
    AGREEMENT_SIGMAS,
    calibration_verdict,
    data_verdict,
    exact_1d_verdict,
    fit_verdict,
    scan_verdict,
    training_numbers,
)
from deeprg.report._replicates import UNSTABLE, merge_network_verdicts, merge_statements
from deeprg.report._words import f, join, sentence, size, statement

__all__ = ["AGREEMENT_SIGMAS", "SKLEARN_DIFFERENCES", "UNSTABLE", "VERDICT_VERSION", "Judgement", "verdict"]

#: Schema version of the dict returned by :func:`verdict` (3: statements merged over training seeds).
VERDICT_VERSION = 3

#: Every way scikit-learn's BernoulliRBM, off the shelf, differs from the hand-coded L1 RBM of
#: Mehta & Schwab (Hinton & Salakhutdinov's rbm.m), besides the penalty; both get the configured
#: learning rate, batch size and epochs.
SKLEARN_DIFFERENCES = (
    "persistent contrastive divergence (PCD-1) against CD-1",
    "no momentum against momentum 0.5, then 0.9 after epoch 5",
    "initial weights N(0, 0.01^2) against 0.1 N(0, 1)",
    "no penalty against the L1 penalty",
)


# ---------------------------------------------------------------------- judging one network
def _agreed(values: Sequence[bool | None]) -> bool | None:
    """True when every determined value is True, False when every one is False, else None (mixed or none)."""
    known = [v for v in values if v is not None]
    if not known:
        return None
    if all(known):
        return True
    return False if not any(known) else None


@dataclass(frozen=True)
class Judgement:
    """The rules of :mod:`deeprg.report.rules` applied to every layer of one network.

    Attributes
    ----------
    local, ordered, block_specific, flow : tuple
        Per layer, bottom first (None where the measure does not apply or is undetermined).
    network_ordered, network_block_specific : bool or None
        The same rules on the statistics of all units of the network pooled, so that a top layer of a
        few units, where chance alone can pass, weighs what its units weigh.
    growth : tuple of float
        Growth factors of the median scale b* between consecutive local layers.
    mean_growth : float or None
        Their geometric mean.
    """

    local: tuple[bool | None, ...]
    ordered: tuple[bool | None, ...]
    block_specific: tuple[bool | None, ...]
    flow: tuple[bool | None, ...]
    growth: tuple[float, ...]
    mean_growth: float | None
    network_ordered: bool | None
    network_block_specific: bool | None

    @classmethod
    def of(cls, network: NetworkMetrics) -> Judgement:
        """Judge ``network``."""
        layers = network.layers
        growth, mean = rules.scale_growth(layers)
        return cls(tuple(rules.layer_locality(la) for la in layers), tuple(rules.layer_is_ordered(la) for la in layers),
                   tuple(rules.layer_is_block_specific(la) for la in layers),
                   tuple(rules.layer_flows_like_block_spins(la) for la in layers), tuple(growth), mean,
                   rules.network_is_ordered(layers), rules.network_is_block_specific(layers))

    @property
    def n_local(self) -> int:
        """Number of local layers."""
        return sum(v is True for v in self.local)

    @property
    def scale_grows(self) -> bool | None:
        """Whether the scale grows with depth (None without two consecutive local layers)."""
        return None if self.mean_growth is None else self.mean_growth > rules.SCALE_GROWTH_THRESHOLD

    @property
    def flows_like_block_spins(self) -> bool | None:
        """False when a compared layer does not flow like block spins, True when every layer does, else None."""
        if any(v is False for v in self.flow):
            return False
        return True if self.flow and all(v is True for v in self.flow) else None

    def observed(self, measure: str) -> bool | None:
        """The network's answer for one of :data:`deeprg.rg.controls.MEASURES` (None: mixed or undetermined)."""
        if measure == "local":
            return _agreed(self.local)
        return {"ordered": self.network_ordered, "block_specific": self.network_block_specific,
                "scale_grows": self.scale_grows, "flow": self.flows_like_block_spins}[measure]

    @property
    def looks_like_block_spin_rg(self) -> str:
        """"yes" when every measure says so, "no" when every layer is spread, "partly" when some layer is local."""
        if self.n_local == 0:
            return "no" if all(v is False for v in self.local) else "undetermined"
        if (all(v is True for v in self.local) and self.scale_grows and self.flows_like_block_spins
                and self.network_block_specific and self.network_ordered):
            return "yes"
        return "partly"


# ---------------------------------------------------------------------- layers
def _matching_block(lattice: int, n_units: int) -> int | None:
    from deeprg.rg import matching_block_size

    try:
        return matching_block_size(lattice * lattice, n_units)
    except ValueError:
        return None


def _digits(value: float | None, threshold: float) -> int:
    """Enough digits that a value next to its threshold is not rounded onto it."""
    return 4 if value is not None and abs(value - threshold) < 0.005 else 2


def _locality_clause(layer: LayerMetrics, local: bool) -> str:
    c = layer.compactness
    z = rules.significance_z(layer)
    interval = "[" + ", ".join(f(v, 2) for v in c.median_compactness_interval) + "]"
    compact = f"compactness {f(c.median_compactness, _digits(c.median_compactness, c.threshold))} {interval}"
    significance = f"median z {f(z)} against the smooth null"
    if local:
        return f"{compact}, at least {f(c.threshold, 1)} ({significance})"
    return (f"{compact}, less than {f(c.threshold, 1)}: its squared weight is spread out, not in one window "
            f"({significance})")


def _structure_clauses(layer: LayerMetrics, lattice: int) -> list[str]:
    out = []
    if layer.placement is not None:
        p = layer.placement
        m = lattice // p.block_size
        where = "sit on" if p.is_ordered else "do not sit on"
        out.append(f"its units {where} the {m}x{m} block lattice (rms {f(p.rms_displacement, 2)} blocks, "
                   f"at most {f(p.tolerance, 2)})")
    specific = rules.layer_is_block_specific(layer)
    if specific is not None:
        share = f(100 * layer.own_block_fraction, _digits(layer.own_block_fraction, rules.OWN_BLOCK_THRESHOLD) - 2)
        out.append(f"{'block-specific' if specific else 'not block-specific'}: {share}% "
                   f"of its units correlate best with their own block ({'at least' if specific else 'fewer than'} "
                   f"{f(100 * rules.OWN_BLOCK_THRESHOLD, 0)}%; specificity {f(layer.block_match.median_specificity, 2)})")
    if layer.level is not None:
        lv = layer.level
        diff = "n/a" if lv.difference is None else f"{lv.difference:+.3f}"
        out.append(f"nearest-neighbour correlation {f(lv.network, 2)} against {f(lv.block, 2)} for {lv.rule}-rule "
                   f"block spins (difference {diff} ± {f(lv.error, 3)}: {lv.status})")
    return out


def _layer_statement(variant: str, layer: LayerMetrics, lattice: int) -> dict[str, Any]:
    c, k = layer.compactness, layer.layer
    z = rules.significance_z(layer)
    matching = _matching_block(lattice, layer.n_units)
    numbers: dict[str, Any] = {
        "n_units": layer.n_units,
        "compactness": c.median_compactness,
        "compactness_interval": c.median_compactness_interval,
        "compactness_threshold": c.threshold,
        "fraction_compact": c.fraction_compact,
        "scale": c.median_scale,
        "matching_block_size": matching,
        "median_z": z,
        "median_z_permutation": layer.locality.null_median_z("permutation", rules.PRIMARY_METRIC),
        "ordered": rules.layer_is_ordered(layer),
        "rms_displacement": None if layer.placement is None else layer.placement.rms_displacement,
        "block_specificity": None if layer.block_match is None else layer.block_match.median_specificity,
        "own_block_fraction": layer.own_block_fraction,
        "block_specific": rules.layer_is_block_specific(layer),
        "level": None if layer.level is None else layer.level.to_dict(),
        "flows_like_block_spins": rules.layer_flows_like_block_spins(layer),
    }
    who = f"layer {k} of {variant}"
    local = rules.layer_locality(layer)
    if local is None:
        if c.median_compactness is None:
            reason = "every unit is dead"
        else:
            low, high = c.median_compactness_interval
            reason = (f"compactness {f(c.median_compactness, 2)}, but its 95% interval over units [{f(low, 2)}, "
                      f"{f(high, 2)}] straddles {f(c.threshold, 1)}: the units disagree")
        text = f"{who}: locality undetermined ({reason})"
        clauses = _structure_clauses(layer, lattice)
        return statement("layer", "undetermined", text + ("; " + "; ".join(clauses) if clauses else ""), numbers,
                         variant=variant, layer=k)
    text = f"{who} is {'local' if local else 'not local'}: {_locality_clause(layer, local)}"
    if local:
        text += f", at scale b* {size(c.median_scale)}" + (
            f" (block spins for {layer.n_units} units: {matching}x{matching})" if matching else "")
    clauses = _structure_clauses(layer, lattice)
    if clauses:
        text += "; " + "; ".join(clauses)
    return statement("layer", "local" if local else "not local", text, numbers, variant=variant, layer=k)


# ---------------------------------------------------------------------- networks
def _scale_statement(variant: str, network: NetworkMetrics, judged: Judgement) -> dict[str, Any]:
    local_scales = [la.compactness.median_scale for la, ok in zip(network.layers, judged.local, strict=True) if ok]
    numbers = {"growth": list(judged.growth), "mean_growth": judged.mean_growth,
               "threshold": rules.SCALE_GROWTH_THRESHOLD, "local_scales": local_scales}
    if judged.scale_grows is None:
        return statement("scale", "undetermined", f"the scale growth of {variant} is undetermined: it needs two "
                         f"consecutive local layers ({judged.n_local} of {len(judged.local)} are local)", numbers,
                         variant=variant)
    runs: list[list[str]] = [[]]  # the scales of each run of consecutive local layers (growth is measured within runs)
    for layer, local in zip(network.layers, judged.local, strict=True):
        if local:
            runs[-1].append(size(layer.compactness.median_scale))
        elif runs[-1]:
            runs.append([])
    path = "; ".join(" -> ".join(run) for run in runs if len(run) > 1)
    need = f"growth needs more than x{f(rules.SCALE_GROWTH_THRESHOLD, 2)} per layer; block-spin RG doubles it"
    if judged.scale_grows:
        text = f"the scale b* of {variant}'s local layers grows x{f(judged.mean_growth, 2)} per layer ({path})"
        return statement("scale", "grows", text, numbers, variant=variant)
    text = (f"the scale b* of {variant}'s local layers does not grow with depth: x{f(judged.mean_growth, 2)} per layer "
            f"({path}); {need}")
    return statement("scale", "does not grow", text, numbers, variant=variant)


def _flow_statement(variant: str, network: NetworkMetrics, judged: Judgement) -> dict[str, Any]:
    levels = [la.level for la in network.layers if la.level is not None]
    numbers = {"layers": [lv.to_dict() for lv in levels], "flows_like": list(judged.flow)}
    name = f"the {variant} network's layers"
    if not levels:
        return statement("flow", "undetermined", f"whether {name} flow like block spins is undetermined: no layer "
                         "tiles the lattice into blocks", numbers, variant=variant)
    per_layer = ", ".join(f"layer {lv.layer} {lv.status}{'' if lv.ordered else ' but unordered'}" for lv in levels)
    like = judged.flows_like_block_spins
    if like:
        return statement("flow", "like block-spin RG", f"{name} match block spins level by level ({per_layer})",
                         numbers, variant=variant)
    if like is False:
        return statement("flow", "unlike block-spin RG", f"{name} do not match block spins level by level "
                         f"({per_layer})", numbers, variant=variant)
    return statement("flow", "undetermined", f"whether {name} match block spins is undetermined ({per_layer})",
                     numbers, variant=variant)


def _network_verdict(name: str, network: NetworkMetrics) -> dict[str, Any]:
    judged = Judgement.of(network)
    layers = [_layer_statement(name, la, network.lattice) for la in network.layers]
    scale, flow = _scale_statement(name, network, judged), _flow_statement(name, network, judged)
    n, n_local = len(layers), judged.n_local
    determined = [s for s in layers if s["status"] != "undetermined"]
    if not determined:
        status, summary = "undetermined", f"the locality of {name} is undetermined (no layer is clearly local or spread)"
    elif n_local == n:
        status = "local"
        summary = f"{'the only layer' if n == 1 else f'all {n} layers'} of {name} {'is' if n == 1 else 'are'} local"
    elif n_local == 0 and len(determined) == n:
        status, summary = "not local", f"no layer of {name} is local"
    elif n_local == 0:
        status = "not local"
        summary = (f"no layer of {name} is local ({n - len(determined)} undetermined: their units' compactness "
                   "straddles the threshold)")
    else:
        which = [str(s["layer"]) for s in layers if s["status"] == "local"]
        status = "mixed"
        summary = f"{n_local} of {n} layers of {name} are local (layer{'s' if len(which) > 1 else ''} {join(which)})"
    looks = "undetermined" if status == "undetermined" else judged.looks_like_block_spin_rg
    if status == "mixed" and len(determined) < n:
        summary += f"; {n - len(determined)} undetermined (their units' compactness straddles the threshold)"
    full = summary + (f"; scale {scale['status']}" if scale["status"] != "undetermined" else "") + f"; flow {flow['status']}"
    return {"status": status, "looks_like_block_spin_rg": looks, "n_layers": n, "n_local": n_local,
            "summary": full, "locality_summary": summary, "layers": layers, "scale": scale, "flow": flow,
            "fit": fit_verdict(name, network.training), "training": training_numbers(network.training),
            "held_out": network.held_out}


# ---------------------------------------------------------------------- the headline
def _describe(name: str, v: Mapping[str, Any]) -> str:
    return f"{name} has {v['n_local']} of {v['n_layers']} layers local (looks like block-spin RG: {v['looks_like_block_spin_rg']})"


def _compare(a: Mapping[str, Any], b: Mapping[str, Any]) -> str:
    """Whether network ``a`` looks more like block-spin RG than ``b``: "yes", "partly", "no" or "undetermined"."""
    if "undetermined" in (a["status"], b["status"]):
        return "undetermined"
    if a["looks_like_block_spin_rg"] == "yes" and b["looks_like_block_spin_rg"] != "yes":
        return "yes"
    return "partly" if a["n_local"] > b["n_local"] else "no"


def _penalty_comparison(variants: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    numbers = {"penalized": "l1", "reference": "none"}
    if "l1" not in variants or "none" not in variants:
        return statement("comparison", "undetermined", "the penalty is not isolated: it needs the l1 and none variants",
                         numbers, comparison="penalty")
    p, r = variants["l1"], variants["none"]
    status = _compare(p, r)
    numbers |= {"penalized_n_local": p["n_local"], "reference_n_local": r["n_local"],
                "penalized_looks_like_block_spin_rg": p["looks_like_block_spin_rg"],
                "reference_looks_like_block_spin_rg": r["looks_like_block_spin_rg"]}
    strength = (config.get("network") or {}).get("strength")
    verb = {"yes": "makes the network look like block-spin RG where the unpenalized one does not",
            "partly": "makes the network more local, but not block-spin RG in every respect",
            "no": "does not make the network more local", "undetermined": "has an undetermined effect"}[status]
    text = (f"with the same trainer, schedule and initialisation (CD-1, momentum, W ~ 0.1 N(0, 1)), the L1 penalty"
            f"{f' ({strength:g})' if isinstance(strength, (int, float)) else ''} {verb}: {_describe('l1', p)}; "
            f"{_describe('none', r)}")
    return statement("comparison", status, text, numbers, comparison="penalty")


def _baseline_comparison(variants: Mapping[str, Any]) -> dict[str, Any]:
    numbers: dict[str, Any] = {"penalized": "l1", "baseline": "sklearn", "differences": list(SKLEARN_DIFFERENCES)}
    if "l1" not in variants or "sklearn" not in variants:
        return statement("comparison", "undetermined", "the seed write-up's comparison needs the l1 and sklearn "
                         "variants", numbers, comparison="baseline")
    p, b = variants["l1"], variants["sklearn"]
    status = _compare(p, b)
    numbers |= {"penalized_n_local": p["n_local"], "baseline_n_local": b["n_local"]}
    text = (f"scikit-learn's RBM off the shelf against the hand-coded L1 RBM (the seed write-up's comparison; they "
            f"differ in {len(SKLEARN_DIFFERENCES)} ways: {join(list(SKLEARN_DIFFERENCES))}, so it does not isolate the "
            f"penalty): {_describe('l1', p)}; {_describe('sklearn', b)}")
    return statement("comparison", status, text, numbers, comparison="baseline")


def _headline(comparisons: list[dict[str, Any]], calibration: dict[str, Any] | None,
              scan: dict[str, Any] | None) -> dict[str, Any]:
    penalty, baseline = comparisons
    lead = penalty if penalty["status"] != "undetermined" else baseline
    status = lead["status"]
    reason = None
    if status == UNSTABLE:
        status, reason = "undetermined", "the answer changes between training seeds"
    if calibration is not None and calibration["status"] == "failed":
        status, reason = "undetermined", calibration["text"]
    word = {"yes": "Yes", "partly": "Partly", "no": "No", "undetermined": "Undetermined"}[status]
    text = f"{word}: " + (f"{sentence(reason)} " if reason else "") + sentence(lead["text"])
    if calibration is not None and reason is None:
        text += " " + sentence(calibration["text"])
    if scan is not None:
        text += " " + sentence(f"In the L1 scan, {scan['text']}")
    numbers = {"penalty": penalty["status"], "baseline": baseline["status"],
               "calibration": None if calibration is None else calibration["status"],
               "scan_status": None if scan is None else scan["status"]}
    return {"status": status, "text": text, "numbers": numbers}


# ---------------------------------------------------------------------- entry point
def verdict(metrics: ExperimentMetrics | Mapping[str, Any]) -> dict[str, Any]:
    """Plain-words statements, with their numbers, about every network, layer, control, the scan and the checks.

    Parameters
    ----------
    metrics : ExperimentMetrics or dict
        The experiment's typed metrics (a dict is read with :meth:`ExperimentMetrics.from_dict`).

    Returns
    -------
    dict
        JSON-able::

            {"verdict_version": 3,
             "headline": {"status": "yes" | "partly" | "no" | "undetermined", "text", "numbers"},
             "comparisons": [penalty statement (l1 against none), baseline statement (sklearn against l1)],
             "variants": {name: {"status": "local" | "mixed" | "not local" | "undetermined" | UNSTABLE,
                                 "looks_like_block_spin_rg": "yes" | "partly" | "no" | "undetermined" | UNSTABLE,
                                 "n_layers", "n_local", "n_seeds", "summary", "locality_summary",
                                 "layers": [statement, ...], "scale": statement, "flow": statement,
                                 "fit": statement (training against held-out pseudo-likelihood),
                                 "training": {layer: final metrics}, "held_out": bool}},
             "calibration": statement | None, "scan": statement | None,
             "data": [statement, ...], "exact_1d": [statement, ...],
             "statements": [every statement, in reading order]}

        A statement is ``{"topic", ... "status", "text", "numbers"}``. With replicates
        (``metrics.replicates``: ``n_seeds > 1``), every replicate is judged on its own and a status
        counts only when all agree; otherwise it is :data:`UNSTABLE` (see
        :mod:`deeprg.report._replicates`), and the headline is undetermined when its comparison is.
        ``variants[name]["n_local"]`` and the numbers are those of the experiment's own seed.
    """
    if not isinstance(metrics, ExperimentMetrics):
        metrics = ExperimentMetrics.from_dict(metrics)
    # every replicate (training seed) judged on its own, then merged: a status counts when all agree
    runs = [{name: _network_verdict(name, network) for name, network in metrics.variants.items()}]
    for k in range(1, 1 + max((len(r) for r in metrics.replicates.values()), default=0)):
        runs.append({name: _network_verdict(name, metrics.replicates[name][k - 1].network)
                     for name in metrics.variants})
    variants = {name: merge_network_verdicts([run[name] for run in runs]) for name in metrics.variants}
    comparisons = [merge_statements([_penalty_comparison(run, metrics.config) for run in runs]),
                   merge_statements([_baseline_comparison(run) for run in runs])]
    calibration = calibration_verdict(metrics.controls, Judgement.of) if metrics.controls else None
    scan = scan_verdict(metrics.scan) if metrics.scan else None
    data = data_verdict(metrics.ensemble)
    exact = exact_1d_verdict(metrics.exact_1d)
    statements: list[dict[str, Any]] = [*comparisons]
    for v in variants.values():
        statements += [*v["layers"], v["scale"], v["flow"], v["fit"]]
    statements += ([calibration] if calibration else []) + ([scan] if scan else []) + data + exact
    return {
        "verdict_version": VERDICT_VERSION,
        "headline": _headline(comparisons, calibration, scan),
        "comparisons": comparisons,
        "variants": variants,
        "calibration": calibration,
        "scan": scan,
        "data": data,
        "exact_1d": exact,
        "statements": statements,
    }
