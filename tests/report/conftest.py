"""Fixtures: synthetic experiment metrics, with and without every optional section and figure."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from synthetic_metrics import (
    ENSEMBLE,
    EXACT_1D,
    FIGURE_NAMES,
    L1_LAYERS,
    SCAN,
    SK_LAYERS,
    make_flows,
    make_network,
    write_png,
)


@pytest.fixture
def experiment() -> dict:
    """l1 local and block-spin-like, sklearn not local; no optional sections."""
    return {"variants": {"l1": make_network(copy.deepcopy(L1_LAYERS)),
                         "sklearn": make_network(copy.deepcopy(SK_LAYERS), flows=make_flows(dbn_flow="stays"))}}


@pytest.fixture
def full_experiment(experiment, tmp_path) -> tuple[dict, dict[str, Path]]:
    """Every optional section present, and one directory of PNG figures per variant."""
    metrics = copy.deepcopy(experiment)
    metrics.update(ensemble=dict(ENSEMBLE), exact_1d=copy.deepcopy(EXACT_1D), scan=copy.deepcopy(SCAN),
                   config={"seed": 7, "network": {"layers": [64, 16]}}, timings={"ensemble": 1.5, "train/l1": 12.0})
    dirs = {}
    for i, name in enumerate(metrics["variants"]):
        d = tmp_path / "analysis" / name
        d.mkdir(parents=True)
        for j, figure in enumerate(FIGURE_NAMES):
            write_png(d / f"{figure}.png", seed=100 * i + j)
        metrics["variants"][name]["figures"] = {figure: f"{figure}.png" for figure in FIGURE_NAMES}
        dirs[name] = d
    return metrics, dirs
