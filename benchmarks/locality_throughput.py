"""Locality null-model throughput: the numba metric kernel next to the NumPy formulas, same run.

``deeprg.rg.locality_scores`` compares every receptive field with ``n_surrogates`` surrogate
fields per null (phase-randomized and permuted) and computes, on every surrogate, the radius of
gyration, the participation ratio, and the window fraction and block overlap at every block size.
For the default run's first layer (400 units on a 40 x 40 torus, 200 surrogates, two nulls, block
sizes 2, 4, 8, 16) that is 160,000 fields.

Prints, for the same stacks of surrogate fields (random fields: the cost does not depend on the
values):
1. seconds to compute every metric with ``deeprg.rg.fields._fields.metrics_of`` (the numba kernel,
   both cores) and with the plain NumPy formulas it replaced (``tests/rg/fields/numpy_locality_reference.py``,
   the reference the kernel is tested against), and the speed-up; the two agree to 1e-12;
2. seconds of ``locality_scores`` end to end (surrogates included), and the same end to end with
   the NumPy metrics (our time minus our metric time plus NumPy's).

Run: ``python benchmarks/locality_throughput.py`` (about 40 s on 2 free cores).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "rg" / "fields"))
from numpy_locality_reference import reference_metrics  # noqa: E402

from deeprg.rg import locality_scores  # noqa: E402
from deeprg.rg.fields._fields import metrics_of  # noqa: E402
from deeprg.rg.fields.locality import _CHUNK_ELEMENTS, default_block_sizes  # noqa: E402
from deeprg.rg.fields.nulls import permuted, phase_randomized  # noqa: E402

N_UNITS, L, N_SURROGATES = 400, 40, 200


def best_of(fn, repeat: int = 2) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    fields = rng.standard_normal((N_UNITS, L, L))
    sizes = default_block_sizes((L, L))
    chunk = max(1, _CHUNK_ELEMENTS // (N_SURROGATES * L * L))
    stacks = [null(fields[i : i + chunk], N_SURROGATES, rng) for null in (phase_randomized, permuted)
              for i in range(0, N_UNITS, chunk)]
    n_fields = sum(s.shape[0] * s.shape[1] for s in stacks)

    metrics_of(stacks[0][:1], sizes)  # compile (or load the cached compilation)
    ours = best_of(lambda: [metrics_of(s, sizes) for s in stacks])
    numpy = best_of(lambda: [reference_metrics(s, sizes) for s in stacks], repeat=1)
    got, want = metrics_of(stacks[0], sizes), reference_metrics(stacks[0], sizes)
    worst = max(float(np.nanmax(np.abs(got[k] - want[k]) / np.maximum(np.abs(want[k]), 1e-300)))
                for k in ("radius_of_gyration", "participation_ratio", "window_fraction", "block_overlap"))

    total = best_of(lambda: locality_scores(fields, n_surrogates=N_SURROGATES, null="both", random_state=1))

    print(f"locality metrics of {n_fields:,} surrogate fields ({N_UNITS} units x {N_SURROGATES} surrogates x 2 nulls, "
          f"{L}x{L}, block sizes {', '.join(map(str, sizes))})")
    print(f"  deeprg (numba kernel, 2 cores): {ours:6.2f} s  ({1e6 * ours / n_fields:.1f} us per field)")
    print(f"  NumPy formulas:                 {numpy:6.2f} s  ({1e6 * numpy / n_fields:.1f} us per field)")
    print(f"  speed-up: {numpy / ours:.1f}x; largest relative difference {worst:.1e}")
    print(f"locality_scores end to end (surrogates included): {total:.2f} s; "
          f"with the NumPy metrics it would take {total - ours + numpy:.2f} s ({(total - ours + numpy) / total:.1f}x)")


if __name__ == "__main__":
    main()
