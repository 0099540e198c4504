"""Run ``deeprg run`` and print its time account: each stage's seconds against its matrix-product floor.

The account (:mod:`deeprg.experiment.accounting`) is computed by the run itself: the float32
GEMM peak is measured once in the run's process, each stage's FLOPs are counted from the
configuration, and ``metrics.json`` keeps them as ``account``. This script runs the CLI in a
fresh run directory (so that no stage is reused) which prints the account at the end, and adds the run's wall time.

Run: ``python benchmarks/run_account.py --quick`` (about a minute) or
``python benchmarks/run_account.py`` (the default replication: many minutes). Extra arguments
after ``--`` go to ``deeprg run`` (e.g. ``-- path/to/experiment.toml``). ``--keep DIR`` runs in
``DIR`` instead of a temporary directory. On a machine shared with other work the seconds are
noisy; the ratios of one run are the figures to compare.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from deeprg.cli import main as deeprg_main


def format_ratio(account: dict) -> str:
    ratio = account["ratio_to_floor"]
    return "n/a" if ratio is None else f"{ratio:.2f}x"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="deeprg run --quick")
    parser.add_argument("--keep", type=Path, default=None, help="run directory (default: a temporary one)")
    parser.add_argument("rest", nargs="*", help="further arguments of deeprg run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp) / "run"
        argv = ["run", *args.rest, "--out", str(out), "--no-resume", *(["--quick"] if args.quick else [])]
        start = time.perf_counter()
        code = deeprg_main(argv)
        wall = time.perf_counter() - start
        if code:
            return code
        account = json.loads((out / "metrics.json").read_text())["account"]
    print(f"\ndeeprg {' '.join(argv)}: {wall:.1f} s wall in all (stages, start-up and the report); "
          f"the run's stages took {account['seconds']:.1f} s, {format_ratio(account)} their matrix-product floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
