"""Calibration of today's RG measures on the control networks of ``deeprg.rg.controls``.

For every control of ``standard_controls(L)`` (3 layers of 2 x 2 blockings) at L = 16 and L = 40,
on one Wolff ensemble per L at K = 0.408 (2000 samples), runs the measures exactly as
``deeprg analyze`` does (``deeprg.analysis.analyze_network``), without changing them:

- locality: ``locality_scores(receptive_fields(dbn, k), null="both")`` per layer; a layer is local
  when its median primary z beats ``LOCALITY_Z_THRESHOLD`` against both nulls; a network is
  "local" when every layer is (the verdict's variant status);
- scale growth: ``scale_growth`` over all layers; it "grows" when the geometric-mean growth of both
  the fitted block size and the radius of gyration exceeds ``SCALE_GROWTH_THRESHOLD`` (1.25; the
  verdict applies it to consecutive local layers only, here every layer is used so that every
  control gets a number);
- block matching: ``hidden_block_correlation(dbn, spins, k)`` per layer; a layer "matches" when
  the median unit beats the 95% quantile of its shuffled null (``fraction_above_null_95 >= 0.5``),
  the comparison ``metrics.json`` quotes. Specificity (best minus second-best block) is printed too.

A control is classified wrongly by a measure when the measure's RG-like answer differs from the
control's ``expected``. Prints one table per L, then the list of wrong classifications.

Run: ``python benchmarks/controls_calibration.py [--sizes 16 40] [--n-samples 2000] [--surrogates 200]``
(a few minutes on 2 cores: most of it is the locality nulls at L = 40).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from deeprg.ising import IsingModel, WolffSampler
from deeprg.report.verdict import SCALE_GROWTH_THRESHOLD
from deeprg.rg import hidden_block_correlation, locality_scores, receptive_fields, scale_growth, standard_controls

K = 0.408


def measure(control, spins, L: int, n_surrogates: int, seed: int) -> dict:
    dbn = control.network
    streams = np.random.default_rng(seed).spawn(2 * len(dbn.layers_))
    layers, reports = [], []
    for k in range(1, len(dbn.layers_) + 1):
        report = locality_scores(receptive_fields(dbn, k, (L, L)), n_surrogates=n_surrogates, null="both",
                                 random_state=streams[2 * k - 2])
        reports.append(report)
        s = report.summary()
        z = {name: s["z"][name]["window_fraction"]["median"] for name in s["z"]}
        match = hidden_block_correlation(dbn, spins, k, random_state=streams[2 * k - 1]).summary()
        layers.append({"local": bool(report.is_local), "z": z, "b_fit": s["median_fitted_block_size"],
                       "rg": s["median_radius_of_gyration"], "match": match})
    growth = scale_growth(reports)
    g_fit, g_rg = growth["mean_growth_fitted_block_size"], growth["mean_growth_radius_of_gyration"]
    grows = all(g is not None and g > SCALE_GROWTH_THRESHOLD for g in (g_fit, g_rg))
    return {"layers": layers, "g_fit": g_fit, "g_rg": g_rg,
            "local": all(layer["local"] for layer in layers), "grows": grows,
            "matches": all(layer["match"]["fraction_above_null_95"] >= 0.5 for layer in layers)}


def fmt(x, spec=".1f") -> str:
    return "-" if x is None else format(x, spec)


def table(L: int, rows: list) -> list[str]:
    print(f"\nL = {L}, K = {K}: per layer 'z phase / z perm -> local?', fitted b, R_g, block |r| (null) spec")
    wrong = []
    for control, m in rows:
        print(f"{control.name:18s} expected {'RG' if control.expected else 'not RG'}")
        for k, layer in enumerate(m["layers"], start=1):
            mt = layer["match"]
            print(f"    layer {k}: z {fmt(layer['z']['phase']):>6s} / {fmt(layer['z']['permutation']):>6s} -> "
                  f"{'local' if layer['local'] else 'not local':9s}  b_fit {fmt(layer['b_fit'], 'g'):>3s}  "
                  f"R_g {fmt(layer['rg'], '.2f'):>5s}  |r| {mt['median_best_correlation']:.2f} "
                  f"({mt['median_null_correlation']:.2f}, above q95 {mt['fraction_above_null_95']:.2f}) "
                  f"spec {mt['median_specificity']:.2f}")
        verdicts = {"locality": m["local"], "scale growth": m["grows"], "block matching": m["matches"]}
        print(f"    growth b_fit x{fmt(m['g_fit'], '.2f')}, R_g x{fmt(m['g_rg'], '.2f')}; "
              + ", ".join(f"{name}: {'RG' if v else 'not RG'}" for name, v in verdicts.items()))
        wrong += [(L, control.name, name, control.expected) for name, v in verdicts.items() if v != control.expected]
    return wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 40])
    parser.add_argument("--n-samples", type=int, default=2000)
    parser.add_argument("--surrogates", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    wrong = []
    for L in args.sizes:
        start = time.perf_counter()
        spins = WolffSampler(IsingModel(L), K, random_state=args.seed).sample(args.n_samples).spins
        controls = standard_controls(L, random_state=args.seed)
        rows = [(c, measure(c, spins, L, args.surrogates, args.seed)) for c in controls]
        wrong += table(L, rows)
        print(f"    ({time.perf_counter() - start:.0f} s)")
    print("\nwrongly classified (L, control, measure, expected):")
    for L, name, measure_name, expected in wrong:
        print(f"  L = {L:2d}  {name:18s} {measure_name:15s} expected {'RG' if expected else 'not RG'}, "
              f"measured {'not RG' if expected else 'RG'}")


if __name__ == "__main__":
    main()
