"""Caching, shared work and failing cells, on the in-process engine."""

from __future__ import annotations

import xarray as xr
from tests.sweep.conftest import tiny

from deeprg.sweep import parse_sweep
from deeprg.sweep.run import run_sweep
from deeprg.sweep.store import ArtifactStore


def test_shared_ensemble_once_rerun_nothing_new_value_only_new_cells(tmp_path):
    spec = parse_sweep(tiny('[axes]\n"network.strength" = [2e-4, 2e-2]\n'))
    first = run_sweep(spec, tmp_path)
    assert [r.status for r in first.cells] == ["ok", "ok"]
    # one ensemble and one held-out chain serve both strengths; each strength trains and analyzes its own
    assert ArtifactStore(tmp_path / "store").artifacts() == {"ensemble": 1, "held_out": 1, "train/l1": 2,
                                                             "analyze/l1": 2}
    assert first.cells[0].stages["ensemble"] == first.cells[1].stages["ensemble"]
    assert first.cells[0].stages["train/l1"] != first.cells[1].stages["train/l1"]

    again = run_sweep(spec, tmp_path)
    assert again.n_computed == 0
    a, b = xr.open_dataset(first.dataset), xr.open_dataset(again.dataset)
    xr.testing.assert_identical(a, b)  # even the times: they are the recorded compute times

    wider = run_sweep(parse_sweep(tiny('[axes]\n"network.strength" = [2e-4, 2e-3, 2e-2]\n')), tmp_path)
    assert [r.computed for r in wider.cells] == [[], ["train/l1", "analyze/l1"], []]
    c = xr.open_dataset(wider.dataset)
    xr.testing.assert_identical(c.sel(strength=[2e-4, 2e-2]).drop_attrs(), a.drop_attrs())


def test_failing_cell_is_recorded_and_the_others_finish(tmp_path):
    spec = parse_sweep(tiny('[axes]\n"ensemble.coupling" = [1.0, -1.0]\n'))
    result = run_sweep(spec, tmp_path)
    ok, bad = result.cells
    assert ok.status == "ok" and ok.metrics
    assert (bad.status, bad.failed_stage, bad.error_type) == ("failed", "ensemble", "InvalidParameterError")
    assert "ferromagnet" in bad.error_message and not bad.metrics
    assert result.failed == [bad]
    ds = xr.open_dataset(result.dataset)
    assert list(ds.status.values) == ["ok", "failed"]
    assert ds.error.values[1].startswith("InvalidParameterError: ") and ds.failed_stage.values[1] == "ensemble"
    assert ds.compactness.sel(coupling=-1.0).isnull().all() and ds.compactness.sel(coupling=1.0).notnull().any()
    page = result.report.read_text()
    assert "Failed cells" in page and "ferromagnet" in page and "data:image/png;base64," in page
    # nothing half-written: no work directory is left, and a rerun retries only the failed cell
    assert not list((tmp_path / "store").rglob(".work-*"))
    assert [r.computed for r in run_sweep(spec, tmp_path).cells] == [[], []]


def test_dataset_layout(tmp_path):
    spec = parse_sweep(tiny('[axes]\nseed = [3]\n'))
    ds = xr.open_dataset(run_sweep(spec, tmp_path).dataset)
    assert dict(ds.sizes) == {"seed": 1, "variant": 1, "layer": 2}
    for name in ("is_local", "compactness", "compactness_low", "compactness_high", "scale", "z", "z_significance",
                 "own_block_fraction", "pseudo_likelihood", "flow_difference"):
        assert ds[name].dims == ("seed", "variant", "layer"), name
    for name in ("rg_like", "mean_scale_growth", "n_local"):
        assert ds[name].dims == ("seed", "variant"), name
    assert ds.seconds.values[0] > 0 and ds.attrs["sweep_toml"] == spec.text
    assert ds.compactness_low.values[0, 0, 0] <= ds.compactness.values[0, 0, 0] <= ds.compactness_high.values[0, 0, 0]


def test_cell_stages_keep_the_optional_stages_and_their_parts_only_when_asked():
    from deeprg.sweep.executor import cell_stages

    cell = parse_sweep(tiny('[axes]\n"network.strength" = [2e-4]\n')).cells[0]
    names = [s.name for s in cell_stages(cell.config)]
    assert names == ["ensemble", "held_out", "train/l1", "analyze/l1"]
    with_controls = [s.name for s in cell_stages(cell.config, controls=True)]
    parts = [n for n in with_controls if n.startswith("controls/")]
    assert len(parts) == 9 and with_controls[-1] == "controls" and with_controls.index("controls") > max(
        with_controls.index(p) for p in parts)
