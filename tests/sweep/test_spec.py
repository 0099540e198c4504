"""Sweep files: grids, points, and a readable error (nothing started) for each kind of bad file."""

from __future__ import annotations

import pytest
from tests.sweep.conftest import tiny

from deeprg.errors import ConfigError
from deeprg.sweep import load_sweep, parse_sweep


def test_grid_expands_to_every_combination_last_axis_fastest():
    spec = parse_sweep(tiny('[axes]\n"ensemble.beta" = [0.3, 0.5]\nnetwork.strength = [2e-4, 2e-3, 2e-2]\n'
                            "seed = [0, 1]\n"))
    assert spec.shape == (2, 3, 2) and len(spec.cells) == 12
    assert spec.dims == {"ensemble.beta": "beta", "network.strength": "strength", "seed": "seed"}
    cell = spec.cells[7]  # (1, 0, 1)
    assert cell.index == (1, 0, 1)
    assert cell.coords == {"ensemble.beta": 0.5, "network.strength": 2e-4, "seed": 1}
    assert (cell.config.ensemble.beta, cell.config.network.strength, cell.config.seed) == (0.5, 2e-4, 1)
    assert cell.config.ensemble.L == 8 and cell.config.network.variants == ["l1"]  # the fixed keys
    assert len({c.key for c in spec.cells}) == 12


def test_points_give_one_cell_each():
    spec = parse_sweep(tiny('[[points]]\n"ensemble.beta" = 0.3\nseed = 0\n[[points]]\n"ensemble.beta" = 0.5\nseed = 4\n'))
    assert not spec.grid and spec.shape == (2,)
    assert [c.coords for c in spec.cells] == [{"ensemble.beta": 0.3, "seed": 0}, {"ensemble.beta": 0.5, "seed": 4}]
    assert spec.axes == {"ensemble.beta": [0.3, 0.5], "seed": [0, 4]}


def test_quick_form_replaces_axes_and_extends_fixed_keys():
    text = tiny('[axes]\nseed = [0, 1, 2]\n[quick.axes]\nseed = [5]\n[quick.set]\n"network.epochs" = 1\n')
    assert len(parse_sweep(text).cells) == 3
    quick = parse_sweep(text, quick=True)
    assert [c.config.seed for c in quick.cells] == [5] and quick.cells[0].config.network.epochs == 1


def test_example_sweep_loads_in_both_forms():
    full, quick = load_sweep("configs/sweep_temperature_l1.toml"), load_sweep("configs/sweep_temperature_l1.toml", quick=True)
    assert len(full.cells) == 32 and len(quick.cells) == 4
    assert quick.cells[0].config.ensemble.L < full.cells[0].config.ensemble.L
    assert full.base.n_seeds == 2 and {c.config.n_seeds for c in full.cells} == {1}  # the seed axis is the spread


@pytest.mark.parametrize(("axes", "expected"), [
    ('[axes]\n"ensemble.betta" = [0.3]\n', "axes.ensemble.betta: unknown key (did you mean 'beta'?)"),
    ('[axes]\n"foo.bar" = [1]\n', "axes.foo.bar: foo: unknown key"),
    ('[axes]\n"ensemble.beta" = []\n', "axes.ensemble.beta: must not be empty"),
    ('[axes]\n"ensemble.beta" = ["hot", 0.3]\n', "axes.ensemble.beta: must be a number (got 'hot', a string)"),
    ('[axes]\nseed = [0, 1.5]\n', "axes.seed: must be an integer"),
    ('[axes]\nseed = 3\n', "axes.seed: must be an array of values"),
    ('[axes]\nseed = [1, 1]\n', "axes.seed: must not repeat a value"),
    ('[axes]\n"ensemble.L" = [8]\n', "conflicts with the fixed key set.ensemble.L"),
    ('[axes]\nseed = [-1]\n', "axes.seed: must be >= 0 (got -1)"),
    ("", "axes: missing"),
    ('[axes]\nseed = [0]\n[[points]]\nseed = 1\n', "either a grid ([axes]) or explicit [[points]]"),
    ('[[points]]\nseed = 1\n[[points]]\n"ensemble.beta" = 0.3\n', "points[1]: must name the same keys"),
    ('[axes]\nseed = [0]\n[sweep.extra]\nx = 1\n', "sweep.extra: unknown key"),
    ('[axes]\nseed = [0]\n[typo]\n', "typo: unknown table or key"),
    ('[axes]\n"ensemble.beta" = [0.3\n', "invalid TOML"),
    ('[axes]\nn_seeds = [1, 2]\n', "axes.n_seeds: a sweep cell trains one training seed; sweep `seed"),
])
def test_bad_sweep_file_gives_a_readable_error(axes, expected):
    with pytest.raises(ConfigError) as info:
        parse_sweep(tiny(axes), source="bad.toml")
    assert expected in str(info.value)
    assert "bad.toml" in str(info.value).splitlines()[0]


def test_bad_base_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="sweep.base: .*no such file"):
        parse_sweep('[sweep]\nbase = "nowhere.toml"\n[axes]\nseed = [0]\n')
    with pytest.raises(ConfigError, match="cannot read sweep file"):
        load_sweep(tmp_path / "missing.toml")


def test_bad_file_starts_nothing(tmp_path):
    from deeprg.cli import main

    bad = tmp_path / "bad.toml"
    bad.write_text(tiny('[axes]\n"ensemble.betta" = [0.3]\n'))
    assert main(["sweep", str(bad), "--out", str(tmp_path / "out"), "--workers", "1"]) == 2
    assert not (tmp_path / "out").exists()
