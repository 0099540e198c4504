"""Where a training stage's time goes: training, monitoring, checkpoints, transforms, surrogates, progress.

Replays the work of ``deeprg run``'s stages on seeded random bits (the costs do not depend on
the values) under :mod:`cProfile`, and splits the wall time by the functions that do each kind
of work (their cumulative time, outermost call only):

- ``train/<variant>``: a :class:`~deeprg.rbm.DeepBeliefNetwork` of the paper's layers
  (1600 -> 400 -> 100 -> 25 by default) fitted with held-out data, a checkpoint rewritten
  every epoch and progress reports, as :func:`deeprg.experiment.pipeline` does;
- ``scan`` (one strength): one first-layer RBM with the scan's callbacks (checkpoint, progress)
  and the scan row measured on it (null-model surrogates included).

Parts:

  training      the mini-batch sweeps (``BernoulliRBM._sweep``, scikit-learn's ``_fit`` loop)
  monitoring    per-epoch metrics (``deeprg.rbm.monitoring.epoch_metrics``)
  checkpoints   checkpoint files written every epoch
  transforms    propagating the data to the next layer
  surrogates    the scan row (locality z-scores against null-model surrogates)
  progress      progress reports and their display
  rest          everything else (data validation, set-up)

and the FLOP floor of the training at this machine's float32 GEMM peak
(:mod:`deeprg.experiment.accounting`).

Run: ``python benchmarks/profile_training.py`` (about a minute on a free core with the
defaults; ``--epochs``, ``--samples``, ``--layers``, ``--surrogates`` to change the size;
``--top N`` to print the N most expensive functions too).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

import numpy as np

from deeprg.experiment.accounting import measure_gemm_peak, rbm_training_flops
from deeprg.rbm import BernoulliRBM, Checkpoint, DeepBeliefNetwork, LambdaCallback, make_layers

#: (part, function name patterns "file:function") in priority order: a call is charged to the
#: first part whose function is on its stack (outermost calls only, so nothing is counted twice).
PARTS = {
    "checkpoints": ("dbn.py:_write_progress", "estimator.py:save_checkpoint", "callbacks.py:_write", "copy.py:deepcopy"),
    "monitoring": ("monitoring.py:epoch_metrics",),
    "surrogates": ("scan.py:scan_row",),
    "transforms": ("estimator.py:transform", "_rbm.py:transform"),
    "progress": ("profile_training.py:report",),
    "training": ("estimator.py:_sweep", "_rbm.py:_fit"),
}


def _cumulative(stats: pstats.Stats, pattern: str) -> float:
    """Cumulative seconds of the functions matching ``file:function`` (primitive calls)."""
    file_part, func = pattern.split(":")
    total = 0.0
    for (filename, _, name), (_, _, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        if filename.endswith(file_part) and name == func:
            total += cumulative
    return total


def split(stats: pstats.Stats, wall: float) -> dict[str, float]:
    """Seconds per part; sweeps inside a checkpoint or transform cannot happen, so the sums are disjoint."""
    parts = {part: sum(_cumulative(stats, p) for p in patterns) for part, patterns in PARTS.items()}
    parts["rest"] = max(wall - sum(parts.values()), 0.0)
    return parts


def make_bits(n: int, n_visible: int, seed: int) -> np.ndarray:
    return (np.random.default_rng(seed).random((n, n_visible), dtype=np.float32) < 0.5).astype(np.float32)


def profile(fn) -> tuple[pstats.Stats, float]:
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    fn()
    profiler.disable()
    return pstats.Stats(profiler), time.perf_counter() - start


def report(stage: str, message: str, completed: float | None = None, total: float | None = None) -> None:
    """A progress sink with the cost of the CLI's: a rich task update."""
    _DISPLAY.update(_TASK, description=f"{stage}: {message}", completed=completed or 0, total=total)


def _display():
    from rich.console import Console
    from rich.progress import Progress

    progress = Progress(console=Console(stderr=True), transient=True)
    return progress, progress.add_task("profile", total=None)


_DISPLAY, _TASK = _display()


def train_stage(X, X_val, layers, epochs, directory: Path, variant: str) -> None:
    net = make_layers(variant, layers, n_iter=epochs)
    DeepBeliefNetwork(net, random_state=0).fit(X, X_val=X_val, checkpoint=directory / f"{variant}.ckpt",
                                               progress=lambda *a: report("train", *a[1:]))


def scan_stage(X, n_components, epochs, n_surrogates, L, directory: Path) -> None:
    from deeprg.rg import scan_row

    callbacks = [Checkpoint(directory / "scan.ckpt"),
                 LambdaCallback(lambda est, n, logs: report("scan", f"epoch {n}", n, epochs))]
    rbm = BernoulliRBM(n_components, l1=2e-4, n_iter=epochs, random_state=0, callbacks=callbacks).fit(X)
    scan_row(rbm, X, (L, L), l1=2e-4, n_surrogates=n_surrogates, random_state=1)


def show(name: str, parts: dict[str, float], wall: float, flops: float, peak: float, top: int, stats) -> None:
    floor = flops / peak
    print(f"{name}: {wall:.2f} s wall, {flops / 1e9:.0f} GFLOP of training products, floor {floor:.2f} s "
          f"at {peak / 1e9:.0f} GFLOP/s: {wall / floor:.2f}x the floor")
    for part, seconds in parts.items():
        print(f"   {part:<12} {seconds:>8.2f} s {seconds / wall:>6.1%}")
    if top:
        stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--L", type=int, default=40)
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--held-out", type=int, default=2_000)
    parser.add_argument("--layers", default="400,100,25")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--variant", default="l1")
    parser.add_argument("--surrogates", type=int, default=200)
    parser.add_argument("--top", type=int, default=0)
    args = parser.parse_args()
    layers = [int(s) for s in args.layers.split(",")]
    n_visible = args.L**2
    X, X_val = make_bits(args.samples, n_visible, 0), make_bits(args.held_out, n_visible, 1)
    peak = measure_gemm_peak()
    print(f"float32 GEMM peak: {peak / 1e9:.1f} GFLOP/s (measured now; on a shared machine all figures are noisy, "
          "compare the shares and ratios within this run)\n")
    with _DISPLAY, tempfile.TemporaryDirectory() as tmp:
        stats, wall = profile(lambda: train_stage(X, X_val, layers, args.epochs, Path(tmp), args.variant))
        sizes = [n_visible, *layers]
        flops = sum(rbm_training_flops(args.samples, v, h, args.epochs, sklearn=args.variant == "sklearn")
                    for v, h in zip(sizes[:-1], sizes[1:], strict=False))
        parts = split(stats, wall)
        show(f"train/{args.variant}, {args.epochs} epochs per layer, layers {n_visible}-{args.layers}",
             parts, wall, flops, peak, args.top, stats)
        stats, wall = profile(lambda: scan_stage(X, layers[0], args.epochs, args.surrogates, args.L, Path(tmp)))
        flops = rbm_training_flops(args.samples, n_visible, layers[0], args.epochs)
        parts = split(stats, wall)
        show(f"\nscan, one strength, {args.epochs} epochs, {args.surrogates} surrogates", parts, wall, flops, peak,
             args.top, stats)


if __name__ == "__main__":
    main()
