"""Agreement across training seeds: a status counts only when every replicate of a network agrees.

An experiment with ``n_seeds > 1`` trains every variant once per training seed, on the same data,
and analyzes every replicate the same way. The verdict judges each replicate on its own
(:func:`deeprg.report.verdict.verdict`) and then merges them here: a statement keeps its status
when every replicate gives it, and reads :data:`UNSTABLE` otherwise, with each replicate's status
and key number in its text and under ``numbers["per_seed"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from deeprg.report._words import f

__all__ = ["UNSTABLE", "merge_network_verdicts", "merge_statements"]

#: The status of a statement whose replicates (training seeds) disagree.
UNSTABLE = "unstable across seeds"

#: Per statement topic: the number quoted next to each replicate's status, and how it is written.
_KEY_NUMBER: dict[str, tuple[str, Callable[[Any], str]]] = {
    "layer": ("compactness", lambda x: f"compactness {f(x, 2)}"),
    "scale": ("mean_growth", lambda x: f"x{f(x, 2)} per layer"),
    "comparison": ("penalized_n_local", lambda x: f"{x} local layers of l1"),
}


def _seed_detail(statement: Mapping[str, Any]) -> str:
    key = _KEY_NUMBER.get(statement["topic"])
    if key is None or statement["numbers"].get(key[0]) is None:
        return statement["status"]
    return f"{statement['status']} ({key[1](statement['numbers'][key[0]])})"


def merge_statements(statements: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One statement from the same statement of every replicate, the first one's words and numbers kept.

    Parameters
    ----------
    statements : sequence of dict
        The statement of each replicate, training seed order (the experiment's own seed first).

    Returns
    -------
    dict
        The first statement; with more than one replicate, its status is :data:`UNSTABLE` unless every
        replicate gives the same, its text says which, and ``numbers["per_seed"]`` lists each
        replicate's ``status`` (and key number, when the topic has one).
    """
    first = dict(statements[0])
    if len(statements) == 1:
        return first
    n = len(statements)
    key = _KEY_NUMBER.get(first["topic"])
    per_seed = [{"status": s["status"], **({key[0]: s["numbers"].get(key[0])} if key else {})} for s in statements]
    first["numbers"] = {**first["numbers"], "per_seed": per_seed}
    if len({s["status"] for s in statements}) == 1:
        first["text"] = f"{first['text']} (the same for {_every(n)} training seeds)"
    else:
        first["status"] = UNSTABLE
        first["text"] = (f"{first['text']}; {UNSTABLE}, by training seed: "
                         + "; ".join(_seed_detail(s) for s in statements))
    return first


def _every(n: int) -> str:
    return "both" if n == 2 else f"all {n}"


def _common(values: Sequence[Any]) -> Any:
    return values[0] if len(set(values)) == 1 else UNSTABLE


def merge_network_verdicts(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One network verdict from the verdicts of every replicate of a variant.

    Parameters
    ----------
    runs : sequence of dict
        The verdict of each replicate (``verdict()["variants"][name]`` form), the experiment's own
        seed first.

    Returns
    -------
    dict
        The first replicate's verdict with ``n_seeds``; its ``status`` and
        ``looks_like_block_spin_rg`` are :data:`UNSTABLE` unless every replicate agrees, and each
        layer, scale, flow and fit statement is merged by :func:`merge_statements`. With more than
        one replicate, ``per_seed`` lists each one's status, answer and number of local layers.
    """
    first = dict(runs[0])
    first["n_seeds"] = len(runs)
    if len(runs) == 1:
        return first
    first["layers"] = [merge_statements(layer) for layer in zip(*(r["layers"] for r in runs), strict=True)]
    for topic in ("scale", "flow", "fit"):
        first[topic] = merge_statements([r[topic] for r in runs])
    first["status"] = _common([r["status"] for r in runs])
    first["looks_like_block_spin_rg"] = _common([r["looks_like_block_spin_rg"] for r in runs])
    first["per_seed"] = [{"status": r["status"], "looks_like_block_spin_rg": r["looks_like_block_spin_rg"],
                          "n_local": r["n_local"]} for r in runs]
    if first["status"] == UNSTABLE or first["looks_like_block_spin_rg"] == UNSTABLE:
        counts = ", ".join(str(r["n_local"]) for r in runs)
        first["summary"] += f"; {UNSTABLE} (local layers by training seed: {counts})"
        first["locality_summary"] += f"; {UNSTABLE} (local layers by training seed: {counts})"
    else:
        first["summary"] += f" (the same for {_every(len(runs))} training seeds)"
    return first
