"""Fixtures: synthetic experiments as complete metrics.json dicts, with and without every optional section and figure."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from synthetic_metrics import FIGURE_NAMES, SCAN, canonical_experiment, passing_controls, write_png

from deeprg.experiment.results import ExperimentMetrics


@pytest.fixture
def typed_experiment() -> ExperimentMetrics:
    """l1 looks like block-spin RG, none and sklearn do not; no scan, no controls."""
    return canonical_experiment()


@pytest.fixture
def experiment(typed_experiment) -> dict:
    """The same as a metrics.json dict (what render_report and the verdict read from disk)."""
    return typed_experiment.to_dict()


@pytest.fixture
def full_experiment(typed_experiment, tmp_path) -> tuple[dict, dict[str, Path]]:
    """Every optional section present (scan, controls, timings), and one directory of PNG figures per variant."""
    typed = replace(typed_experiment, scan=list(SCAN), controls=passing_controls(),
                    timings={"ensemble": 1.5, "train/l1": 12.0, "controls": 3.0, "exact_1d": 0.5})
    metrics = typed.to_dict()
    dirs = {}
    for i, name in enumerate(metrics["variants"]):
        d = tmp_path / "analysis" / name
        d.mkdir(parents=True)
        for j, figure in enumerate(FIGURE_NAMES):
            write_png(d / f"{figure}.png", seed=100 * i + j)
        metrics["variants"][name]["figures"] = {figure: f"{figure}.png" for figure in FIGURE_NAMES}
        dirs[name] = d
    return metrics, dirs
