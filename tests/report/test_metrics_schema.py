"""metrics.json has a documented, machine-checked schema: the file of a real run validates, and every key is in it."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from deeprg.experiment import accounting, results
from deeprg.experiment.config import load_config, resolve
from deeprg.experiment.pipeline import run_experiment
from deeprg.report import METRICS_SCHEMA, VERDICT_VERSION


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(METRICS_SCHEMA.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator(schema) -> Draft202012Validator:
    return Draft202012Validator(schema)


@pytest.fixture(scope="module")
def quick_metrics(tmp_path_factory) -> dict:
    """metrics.json of a real ``deeprg run --quick`` (about 25 s on a free core), control networks included."""
    result = run_experiment(resolve(load_config(None), quick=True), tmp_path_factory.mktemp("run"))
    return json.loads(result.metrics.read_text())


# ---------------------------------------------------------------------- walking the schema
def _resolve(node: dict, root: dict) -> dict:
    while "$ref" in node:
        assert node["$ref"].startswith("#/$defs/"), node["$ref"]
        node = root["$defs"][node["$ref"].removeprefix("#/$defs/")]
    return node


def _branches(node: dict, root: dict) -> list[dict]:
    """``node`` and every alternative it allows (anyOf / oneOf / allOf), references resolved."""
    node = _resolve(node, root)
    out = [node]
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in node.get(key, []):
            out += _branches(sub, root)
    return out


def _documenting(schemas: list[dict], key: str) -> list[dict]:
    """The subschemas that document ``key`` of an object; a key let through by ``additionalProperties: true``
    (or by its absence) is not documented, a key of a map whose values have a schema is."""
    found = []
    for s in schemas:
        mine = []
        if key in s.get("properties", {}):
            mine.append(s["properties"][key])
        mine += [sub for pattern, sub in s.get("patternProperties", {}).items() if re.search(pattern, key)]
        if not mine and isinstance(s.get("additionalProperties"), dict):
            mine.append(s["additionalProperties"])
        found += mine
    return found


def undocumented_keys(value: Any, schema: dict, root: dict, path: str = "metrics") -> list[str]:
    """Paths of the keys in ``value`` (to any depth) that ``schema`` does not document."""
    schemas = _branches(schema, root)
    missing = []
    if isinstance(value, dict):
        for key, item in value.items():
            subs = _documenting(schemas, key)
            if not subs:
                missing.append(f"{path}[{key!r}]")
                continue
            missing += undocumented_keys(item, {"anyOf": subs}, root, f"{path}[{key!r}]")
    elif isinstance(value, list):
        items = [s["items"] for s in schemas if isinstance(s.get("items"), dict)]
        for i, item in enumerate(value):  # scalars need no documentation, keys of objects in a list do
            missing += undocumented_keys(item, {"anyOf": items}, root, f"{path}[{i}]")
    return sorted(set(missing))


def _subschemas(node: Any, where: str = "schema"):
    """Every schema object inside ``node``, with where it is."""
    if isinstance(node, dict):
        yield where, node
        for key in ("properties", "patternProperties", "$defs"):
            for name, sub in node.get(key, {}).items():
                yield from _subschemas(sub, f"{where}.{key}.{name}")
        for key in ("items", "additionalProperties", "propertyNames"):
            if isinstance(node.get(key), dict):
                yield from _subschemas(node[key], f"{where}.{key}")
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            for i, sub in enumerate(node.get(key, [])):
                yield from _subschemas(sub, f"{where}.{key}[{i}]")


# ---------------------------------------------------------------------- the schema itself
def test_schema_is_a_valid_draft_2020_12_schema(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_every_object_and_field_of_the_schema_is_described(schema):
    undescribed = []
    for where, node in _subschemas(schema):
        target = _resolve(node, schema)
        is_object = "object" in ([target.get("type")] if isinstance(target.get("type"), str) else target.get("type", []))
        if (is_object or "properties" in target) and not (node.get("description") or target.get("description")):
            undescribed.append(where)
        for name, sub in target.get("properties", {}).items():
            if not (sub.get("description") or _resolve(sub, schema).get("description")):
                undescribed.append(f"{where}.properties.{name}")
    assert not undescribed, undescribed


def test_the_issue_minimum_per_layer_is_required(schema):
    layer = schema["$defs"]["layer"]
    assert {"layer", "is_local", "z", "radius_of_gyration", "fitted_block_size", "compactness", "placement",
            "own_block_fraction", "level"} <= set(layer["required"])
    assert layer["properties"]["is_local"]["type"] == "boolean"
    assert layer["properties"]["z"]["type"] == ["number", "null"]
    assert "compact" in layer["properties"]["is_local"]["description"]


#: The schema definitions that are typed records of deeprg.experiment.results, field for field.
RECORD_DEFS = {
    "estimate": results.ObservableEstimate, "ensemble": results.EnsembleSummary, "variant": results.NetworkMetrics,
    "control_network": results.NetworkMetrics, "layer": results.LayerMetrics, "block_match": results.BlockMatchSummary,
    "locality": results.LocalitySummary, "compactness": results.CompactnessSummary,
    "placement": results.PlacementSummary, "level": results.LevelSummary, "scale_growth": results.ScaleGrowth,
    "flows": results.FlowComparison, "scan_row": results.ScanRow, "exact_1d": results.ExactChecks,
    "control": results.ControlResult,
    "account": accounting.RunAccount, "stage_account": accounting.StageAccount,
    "mcrg": results.MCRGMetrics, "mcrg_network": results.NetworkEigenvalues, "mcrg_layer": results.LayerEigenvalues,
    "mcrg_estimate": results.MCRGEstimate, "mcrg_couplings": results.MCRGCouplings,
}


@pytest.mark.parametrize("name", sorted(RECORD_DEFS))
def test_every_field_of_a_typed_record_is_documented_and_required(schema, name):
    """A field added to a Record of deeprg.experiment.results must be added here too (to_dict always writes it)."""
    fields = {f.name for f in dataclasses.fields(RECORD_DEFS[name])}
    definition = schema["$defs"][name]
    assert set(definition["properties"]) == fields
    assert set(definition["required"]) == fields
    assert definition["additionalProperties"] is False


def test_the_top_level_is_experiment_metrics_plus_the_verdict(schema):
    fields = {f.name for f in dataclasses.fields(results.ExperimentMetrics)}
    assert set(schema["properties"]) == fields
    optional = {"scan", "controls", "account", "mcrg"}  # left out by ExperimentMetrics.to_dict when absent
    assert set(schema["required"]) == fields - optional
    assert schema["$defs"]["verdict"]["properties"]["verdict_version"]["const"] == VERDICT_VERSION


# ---------------------------------------------------------------------- a real run
def test_metrics_of_a_quick_run_validate(quick_metrics, validator):
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(quick_metrics)]
    assert not errors, errors[:10]


def test_every_key_of_a_quick_run_is_documented(quick_metrics, schema):
    # the quick run has every optional section but mcrg (off by default: tests/experiment/test_mcrg_stage.py checks it)
    assert set(quick_metrics) == set(schema["properties"]) - {"mcrg"}
    assert undocumented_keys(quick_metrics, schema, schema) == []


def test_the_walker_finds_an_undocumented_key(quick_metrics, schema, validator):
    metrics = copy.deepcopy(quick_metrics)
    metrics["variants"]["l1"]["surprise"] = 1
    metrics["variants"]["l1"]["layers"][0]["locality"]["z"]["phase"]["new_metric"] = {"median": 1.0}
    assert undocumented_keys(metrics, schema, schema) == [
        "metrics['variants']['l1']['layers'][0]['locality']['z']['phase']['new_metric']",
        "metrics['variants']['l1']['surprise']",
    ]
    assert not validator.is_valid(metrics)


# ---------------------------------------------------------------------- what must fail, and what may be null
def _errors_at(validator: Draft202012Validator, metrics: dict) -> list[tuple[list, str]]:
    return [(list(e.absolute_path), e.message) for e in validator.iter_errors(metrics)]


def test_a_layer_without_is_local_fails(quick_metrics, validator):
    metrics = copy.deepcopy(quick_metrics)
    del metrics["variants"]["l1"]["layers"][1]["is_local"]
    errors = _errors_at(validator, metrics)
    assert errors and all(path == ["variants", "l1", "layers", 1] for path, _ in errors)
    assert any("'is_local' is a required property" in message for _, message in errors)


@pytest.mark.parametrize("key, value", [("z", "3.2"), ("is_local", "true"), ("fitted_block_size", [4]),
                                        ("radius_of_gyration", "n/a")])
def test_a_layer_number_of_the_wrong_type_fails(quick_metrics, validator, key, value):
    metrics = copy.deepcopy(quick_metrics)
    metrics["variants"]["sklearn"]["layers"][0][key] = value
    errors = _errors_at(validator, metrics)
    assert [path for path, _ in errors] == [["variants", "sklearn", "layers", 0, key]]


def test_a_top_level_section_missing_or_unknown_fails(quick_metrics, validator):
    missing = copy.deepcopy(quick_metrics)
    del missing["verdict"]
    assert not validator.is_valid(missing)
    extra = copy.deepcopy(quick_metrics)
    extra["notes"] = "hand-edited"
    assert not validator.is_valid(extra)


def test_undefined_numbers_may_be_null_where_documented(quick_metrics, validator):
    """A layer whose every unit is dead: no z, no scale, no compactness, no block match, no placement, no level;
    the scan and the controls may be absent (then the verdict has no scan or calibration statement)."""
    metrics = copy.deepcopy(quick_metrics)
    layer = metrics["variants"]["l2"]["layers"][0]
    for key in ("z", "radius_of_gyration", "fitted_block_size", "equivalent_block_size", "block_match", "placement",
                "own_block_fraction", "level"):
        layer[key] = None
    for key in ("median_z", "fraction_local", "median_fitted_block_size", "median_radius_of_gyration"):
        layer["locality"][key] = None
    for key in ("median_compactness", "fraction_compact", "median_scale"):
        layer["compactness"][key] = None
    layer["compactness"]["median_compactness_interval"] = layer["compactness"]["scale_quartiles"] = [None, None]
    layer["locality"]["z"]["phase"]["window_fraction"]["median"] = None
    metrics["variants"]["l2"]["layers"][1]["level"]["difference"] = None  # a level without numbers
    metrics["variants"]["l2"]["scale_growth"]["mean_growth_fitted_block_size"] = None
    metrics["variants"]["l2"]["flows"]["levels"][-1]["dbn"] = None
    metrics["ensemble"]["tau_energy"] = None
    del metrics["scan"], metrics["controls"]
    metrics["verdict"]["scan"] = metrics["verdict"]["calibration"] = None
    metrics["verdict"]["headline"]["numbers"].update(scan_status=None, calibration=None)
    assert _errors_at(validator, metrics) == []
    metrics["ensemble"]["energy_per_site"]["mean"] = None  # a sampled mean is always a number
    layer["compactness"]["is_compact"] = None  # and a layer is compact or not
    assert sorted(path for path, _ in _errors_at(validator, metrics)) == [
        ["ensemble", "energy_per_site", "mean"], ["variants", "l2", "layers", 0, "compactness", "is_compact"]]


def test_a_layer_without_its_compactness_or_with_an_unknown_flow_status_fails(quick_metrics, validator):
    metrics = copy.deepcopy(quick_metrics)
    del metrics["variants"]["l1"]["layers"][0]["compactness"]
    metrics["variants"]["none"]["layers"][1]["level"]["status"] = "agree"
    metrics["variants"]["sklearn"]["layers"][2]["placement"]["offset"] = [0.5]
    errors = _errors_at(validator, metrics)
    assert sorted(path for path, _ in errors) == [  # a value that may be null fails at its key (neither branch fits)
        ["variants", "l1", "layers", 0], ["variants", "none", "layers", 1, "level"],
        ["variants", "sklearn", "layers", 2, "placement"]]
    assert any("'compactness' is a required property" in message for _, message in errors)


def test_a_broken_control_fails(quick_metrics, validator):
    metrics = copy.deepcopy(quick_metrics)
    del metrics["controls"][0]["expected_measures"]["flow"]
    metrics["controls"][1]["metrics"]["figures"] = {"weights": "weights.png"}  # controls have no figures
    metrics["controls"][2]["name"] = "my_control"
    errors = _errors_at(validator, metrics)
    assert sorted(path for path, _ in errors) == [
        ["controls", 0, "expected_measures"], ["controls", 1, "metrics", "figures"], ["controls", 2, "name"]]


def test_a_verdict_of_the_old_layout_or_out_of_order_fails(quick_metrics, validator):
    old = copy.deepcopy(quick_metrics)
    old["verdict"]["verdict_version"] = 1
    assert [path for path, _ in _errors_at(validator, old)] == [["verdict", "verdict_version"]]
    swapped = copy.deepcopy(quick_metrics)
    swapped["verdict"]["comparisons"].reverse()
    assert {tuple(path[:4]) for path, _ in _errors_at(validator, swapped)} == {
        ("verdict", "comparisons", 0, "comparison"), ("verdict", "comparisons", 0, "numbers"),
        ("verdict", "comparisons", 1, "comparison"), ("verdict", "comparisons", 1, "numbers")}
    wrong = copy.deepcopy(quick_metrics)
    wrong["verdict"]["calibration"]["numbers"]["controls"][0]["measures"].pop("local")
    wrong["verdict"]["variants"]["l1"]["layers"][0]["status"] = "mixed"  # version 1's word, not version 2's
    assert sorted(path for path, _ in _errors_at(validator, wrong)) == [
        ["verdict", "calibration"], ["verdict", "variants", "l1", "layers", 0, "status"]]


# ---------------------------------------------------------------------- what the documentation promises
def test_a_layer_is_local_exactly_when_its_fields_are_compact(quick_metrics):
    """As documented for layer.is_local and scan_row.is_local, for trained networks, control networks and the scan."""
    networks = [*quick_metrics["variants"].values(), *(c["metrics"] for c in quick_metrics["controls"])]
    layers = [layer for network in networks for layer in network["layers"]]
    assert [la["is_local"] for la in layers] == [la["compactness"]["is_compact"] for la in layers]
    assert any(la["is_local"] for la in layers) and not all(la["is_local"] for la in layers)  # both kinds occur
    assert [row["is_local"] for row in quick_metrics["scan"]] == [
        row["compactness"]["is_compact"] for row in quick_metrics["scan"]]


def test_the_quick_run_calibrates_on_the_whole_panel(quick_metrics, schema):
    names = [c["name"] for c in quick_metrics["controls"]]
    assert names == schema["$defs"]["control"]["properties"]["name"]["enum"]
    calibration = quick_metrics["verdict"]["calibration"]
    assert calibration["topic"] == "calibration"
    assert [row["name"] for row in calibration["numbers"]["controls"]] == names
    assert [s["comparison"] for s in quick_metrics["verdict"]["comparisons"]] == ["penalty", "baseline"]


# ---------------------------------------------------------------------- synthetic experiments (no run needed)
def _synthetic_cases() -> dict[str, Any]:
    from dataclasses import replace

    from synthetic_metrics import (
        FIGURE_NAMES,
        NOTHING,
        SCAN,
        block_spin_network,
        canonical_experiment,
        control,
        make_layer,
        make_network,
        passing_controls,
        scan_row,
        with_layers,
    )

    base = replace(canonical_experiment(), scan=list(SCAN), controls=passing_controls())
    odd = make_network([make_layer(1, 50), make_layer(2, 16, compact=None, z=None, rms=None), make_layer(3, 4, flow=None)])
    return {
        "canonical": base,
        "no optional sections": canonical_experiment(),
        "unplaced, dead and uncompared layers": replace(base, variants={**base.variants, "l1": odd}),
        "failed calibration": replace(base, controls=[control("random_dense", block_spin_network(), NOTHING)]),
        "never local scan": replace(base, scan=[scan_row(1e-4, -0.5, 0.1), scan_row(1e-3, -0.5, 0.2)]),
        "undetermined flow": replace(base, variants={**base.variants, "l1": with_layers(
            block_spin_network(), layer2=make_layer(2, 16, flow="undetermined"))}),
    }, FIGURE_NAMES


@pytest.mark.parametrize("case", ["canonical", "no optional sections", "unplaced, dead and uncompared layers",
                                  "failed calibration", "never local scan", "undetermined flow"])
def test_synthetic_experiments_and_their_verdicts_validate(schema, validator, case):
    """The typed records the tests build, and every kind of verdict statement, fit the schema key for key."""
    from deeprg.report import verdict

    cases, figure_names = _synthetic_cases()
    metrics = json.loads(json.dumps(cases[case].to_dict()))
    for network in metrics["variants"].values():
        network["figures"] = {name: f"{name}.png" for name in figure_names}
    metrics["verdict"] = json.loads(json.dumps(verdict(metrics), allow_nan=False))
    assert [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(metrics)] == []
    assert undocumented_keys(metrics, schema, schema) == []
