"""Sweep throughput: cells per hour with 1 and 2 local workers on small trainings, and each engine's per-cell
overhead on trivially small cells (prints; absolute times on a shared machine mean little, compare ratios).

Run: ``python benchmarks/sweep_throughput.py``.
"""

from __future__ import annotations

import tempfile
import time
import warnings

from deeprg.sweep import parse_sweep
from deeprg.sweep.engines import LocalEngine, SerialEngine
from deeprg.sweep.run import run_sweep

BASE = """
[sweep]
name = "bench"
base_quick = true
[set]
"ensemble.L" = {L}
"ensemble.n_samples" = {n}
"ensemble.n_held_out" = {n}
"network.layers" = {layers}
"network.epochs" = {epochs}
"network.variants" = ["l1"]
"analysis.n_surrogates" = 10
"analysis.n_samples" = {n}
[axes]
"network.strength" = [1e-4, 2e-4, 5e-4, 1e-3]
seed = [0, 1]
"""
SMALL = BASE.format(L=16, n=1000, layers="[64, 16, 4]", epochs=5)
TRIVIAL = BASE.format(L=4, n=20, layers="[4]", epochs=1)


def timed(text: str, engine) -> tuple[int, float]:
    spec = parse_sweep(text)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        run_sweep(spec, out, engine=engine)
        return len(spec.cells), time.perf_counter() - start


def main() -> None:
    warnings.simplefilter("ignore")  # trivial cells have chains too short for error bars: they are meant to be
    timed(TRIVIAL, SerialEngine())  # compile numba kernels, warm caches
    for workers in (1, 2):
        with LocalEngine(workers) as engine:
            n, seconds = timed(SMALL, engine)
        print(f"small trainings, {workers} local worker(s): {n} cells in {seconds:.1f} s = {3600 * n / seconds:.0f} cells/hour")
    for name, make in (("in process", SerialEngine), ("1 local worker", lambda: LocalEngine(1)),
                       ("2 local workers", lambda: LocalEngine(2))):
        with make() as engine:
            n, seconds = timed(TRIVIAL, engine)
        print(f"trivial cells, {name}: {seconds / n:.2f} s per cell ({n} cells, engine start-up excluded)")


if __name__ == "__main__":
    main()
