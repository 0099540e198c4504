"""``deeprg sweep``: run every cell of a sweep, then write ``sweep.nc`` and ``sweep.html``.

The output directory holds::

    sweep.toml   the sweep file as given
    store/       the stage artifacts by stage and input hash (deeprg.sweep.store)
    sweep.nc     the results (deeprg.sweep.dataset)
    sweep.html   the figures (deeprg.sweep.report)
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deeprg.experiment.stages import write_json
from deeprg.io import atomic_path
from deeprg.progress import Progress
from deeprg.sweep.executor import CellResult, run_cells
from deeprg.sweep.spec import SweepSpec

__all__ = ["SweepResult", "run_sweep"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    """Where a sweep's results are, and what became of each cell."""

    directory: Path
    dataset: Path
    report: Path
    cells: list[CellResult]
    seconds: float

    @property
    def failed(self) -> list[CellResult]:
        """The cells that failed."""
        return [r for r in self.cells if r.status != "ok"]

    @property
    def n_computed(self) -> int:
        """Stages computed by this run, counted per cell."""
        return sum(len(r.computed) for r in self.cells)


def run_sweep(spec: SweepSpec, directory: str | Path, *, engine: Any = None, resume: bool = True,
              progress: Progress | None = None) -> SweepResult:
    """Run (or continue) a sweep: every cell's stages on ``engine``, then the dataset and the report.

    Parameters
    ----------
    spec : SweepSpec
    directory : path
        Output directory; artifacts already in its store are reused.
    engine : Engine, optional
        :mod:`deeprg.sweep.engines`; default: in this process.
    resume : bool, default True
        Continue stages interrupted earlier from their checkpoints.
    progress : Progress, optional
        Reports of :func:`deeprg.sweep.executor.run_cells`.

    Returns
    -------
    SweepResult
    """
    from deeprg.sweep.dataset import sweep_dataset, write_dataset
    from deeprg.sweep.report import render_sweep_report

    out = Path(directory).resolve()  # absolute: cluster workers run in other working directories
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "sweep.toml", overwrite=True) as tmp:
        tmp.write_text(spec.text, encoding="utf-8")
    start = time.perf_counter()
    results = run_cells(spec.cells, out / "store", engine=engine, resume=resume, progress=progress,
                        scan=spec.scan, controls=spec.controls, report=spec.report)
    seconds = time.perf_counter() - start
    dataset = sweep_dataset(spec, results)
    write_dataset(dataset, out / "sweep.nc")
    write_json(out / "cells.json", [{"coords": r.cell.coords, "status": r.status, "failed_stage": r.failed_stage,
                                     "error_type": r.error_type, "error_message": r.error_message,
                                     "stages": r.stages} for r in results])
    render_sweep_report(dataset, out / "sweep.html")
    logger.info("sweep %s: %d cells in %.1f s", spec.name, len(results), seconds)
    return SweepResult(out, out / "sweep.nc", out / "sweep.html", results, seconds)
