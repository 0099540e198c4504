"""The mcrg measurement as typed records: it validates against the schema, round-trips, and the
[mcrg] table adds an mcrg stage without changing any other stage's input hash."""

from __future__ import annotations

import json
import math

import pytest
from jsonschema import Draft202012Validator

from deeprg.experiment.config import ExperimentConfig, load_config, resolve
from deeprg.experiment.mcrg import MCRGNetwork, measure_mcrg
from deeprg.experiment.pipeline import plan
from deeprg.experiment.results import MCRGMetrics
from deeprg.experiment.stages import input_hashes
from deeprg.ising import IsingModel, WolffSampler
from deeprg.report import METRICS_SCHEMA
from deeprg.rg import standard_controls

K_C = math.log(1.0 + math.sqrt(2.0)) / 2.0


@pytest.fixture(scope="module")
def metrics() -> MCRGMetrics:
    spins = WolffSampler(IsingModel(16), beta=K_C, random_state=3, n_jobs=1).sample(300).spins
    nets = [MCRGNetwork(c.name, "control", c.network, c.expected) for c in standard_controls(16, n_layers=2, random_state=0)]
    return measure_mcrg(spins, K_C, nets, random_state=0)


def test_validates_against_the_schema_and_round_trips(metrics):
    schema = json.loads(METRICS_SCHEMA.read_text(encoding="utf-8"))
    validator = Draft202012Validator({"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/mcrg"})
    data = json.loads(metrics.to_json())
    assert list(validator.iter_errors(data)) == []
    assert MCRGMetrics.from_dict(data) == metrics
    names = [n.name for n in metrics.networks]
    assert names[0] == "majority_rule" and metrics.networks[0].expected is True
    unplaced = metrics.networks[names.index("random_dense")].layers
    assert [layer.cause for layer in unplaced] == ["not_on_lattice", "not_on_lattice"]
    assert all(layer.eigenvalues is None and layer.reason for layer in unplaced)
    broken = json.loads(metrics.to_json())
    broken["networks"][0]["layers"][0]["cause"] = "lost"
    assert list(validator.iter_errors(broken))


def test_the_mcrg_table_adds_a_stage_and_changes_no_other_hash():
    base = resolve(load_config("critical"), quick=True)
    data = base.to_dict()
    assert "mcrg" not in data  # absent table: no key, the same data as before the table existed
    with_mcrg = ExperimentConfig.from_dict({**data, "mcrg": {"n_samples": 500}})
    before, after = input_hashes(plan(base), data), input_hashes(plan(with_mcrg), with_mcrg.to_dict())
    assert "mcrg" in after and "mcrg" not in before
    assert {k: v for k, v in after.items() if k not in ("mcrg", "report")} == {k: v for k, v in before.items() if k != "report"}
    assert after["report"] != before["report"]  # the report reads the new stage
    assert with_mcrg.mcrg.levels is None and with_mcrg.mcrg.controls is True


def test_report_rows_show_numbers_and_reasons(metrics):
    from deeprg.report.html import _mcrg_rows

    rows = _mcrg_rows(json.loads(metrics.to_json()))
    block = [r for r in rows if r["source"] == "block spins"]
    assert [r["level"] for r in block] == [0, 1, 2] and "±" in block[1]["y_t"] and len(block[0]["couplings"]) == 3
    dense = [r for r in rows if r["source"] == "random_dense"]
    assert all(r["y_t"] == "–" and "no lattice (not_on_lattice)" in r["note"] for r in dense)
    assert _mcrg_rows(None) == []
