"""The verdict (version 2) says what the numbers say: every rule, its wording, the headline and its calibration."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from synthetic_metrics import (
    BLOCK_RG,
    ENSEMBLE,
    EXACT_1D,
    NOTHING,
    SCAN,
    block_spin_network,
    compactness,
    control,
    make_experiment,
    make_layer,
    make_network,
    passing_controls,
    scan_row,
    spread_network,
    with_layers,
)

from deeprg.experiment.results import DecimationCheck, ExactChecks, ObservableEstimate, TraceDistanceCheck
from deeprg.report import VERDICT_VERSION, verdict
from deeprg.report.verdict import SKLEARN_DIFFERENCES, Judgement


def layer_statuses(v: dict, variant: str) -> list[str]:
    return [s["status"] for s in v["variants"][variant]["layers"]]


# ---------------------------------------------------------------------- the canonical experiment
def test_block_spin_l1_against_spread_out_none_and_sklearn(experiment):
    v = verdict(experiment)  # a metrics.json dict, as read from disk
    json.dumps(v, allow_nan=False)
    assert v["verdict_version"] == VERDICT_VERSION == 3
    l1, none = v["variants"]["l1"], v["variants"]["none"]
    assert layer_statuses(v, "l1") == ["local"] * 3 and layer_statuses(v, "none") == ["not local"] * 3
    assert (l1["status"], l1["n_local"], l1["looks_like_block_spin_rg"]) == ("local", 3, "yes")
    assert (none["status"], none["n_local"], none["looks_like_block_spin_rg"]) == ("not local", 0, "no")
    assert l1["locality_summary"] == "all 3 layers of l1 are local" and none["locality_summary"] == "no layer of none is local"
    assert [c["comparison"] for c in v["comparisons"]] == ["penalty", "baseline"]
    assert [c["status"] for c in v["comparisons"]] == ["yes", "yes"]
    assert v["headline"]["status"] == "yes" and v["headline"]["text"].startswith("Yes: With the same trainer")
    assert v["headline"]["numbers"] == {"penalty": "yes", "baseline": "yes", "calibration": None, "scan_status": None}
    assert v["calibration"] is None and v["scan"] is None
    assert [s["topic"] for s in v["statements"]][:2] == ["comparison", "comparison"]
    assert v["statements"][2:5] == v["variants"]["sklearn"]["layers"]  # reading order: networks as in metrics
    assert v["variants"]["l1"]["training"] == {}  # no histories, no training numbers


def test_training_numbers_are_the_last_epoch_of_each_history(typed_experiment):
    history = {"pseudo_likelihood": [-0.60, -0.54], "reconstruction_error": [0.2, 0.15], "time": [1.0, 1.0]}
    l1 = replace(typed_experiment.variants["l1"], training={"layer 1": history, "layer 2": {}})
    v = verdict(replace(typed_experiment, variants={**typed_experiment.variants, "l1": l1}))
    assert v["variants"]["l1"]["training"] == {"layer 1": {"pseudo_likelihood": -0.54, "reconstruction_error": 0.15,
                                                           "epochs": 2}}


def test_a_local_layer_statement_has_its_numbers_and_words(typed_experiment):
    statement = verdict(typed_experiment)["variants"]["l1"]["layers"][1]
    assert statement["text"].startswith(
        "layer 2 of l1 is local: compactness 0.90 [0.85, 0.95], at least 0.5 (median z 12.0 against the smooth null), "
        "at scale b* 4 (block spins for 16 units: 4x4); its units sit on the 4x4 block lattice (rms 0.00 blocks")
    assert "block-specific: 100% of its units correlate best with their own block (at least 75%" in statement["text"]
    assert "(difference +0.020 ± 0.010: agrees)" in statement["text"]
    n = statement["numbers"]
    assert (n["compactness"], n["scale"], n["matching_block_size"], n["median_z"]) == (0.9, 4, 4, 12.0)
    assert (n["ordered"], n["block_specific"], n["flows_like_block_spins"]) == (True, True, True)
    assert n["level"]["status"] == "agrees" and n["own_block_fraction"] == 1.0


# ---------------------------------------------------------------------- locality is compactness
@pytest.mark.parametrize(("compact", "z", "local"), [
    (0.5, 12.0, True),      # at the threshold
    (0.4999, 12.0, False),  # just below it, however significant
    (0.3, 40.0, False),     # a large z does not make a spread-out field local
    (0.9, 0.1, True),       # a compact field is local without significance (large fields on small lattices)
    (0.9, None, True),
])
def test_a_layer_is_local_iff_its_fields_are_compact(typed_experiment, compact, z, local):
    layer = replace(make_layer(1, 64, compact=compact, z=z), compactness=compactness(compact, 12.0, half_width=0.0))
    net = with_layers(typed_experiment.variants["l1"], layer1=layer)
    v = verdict(replace(typed_experiment, variants={**typed_experiment.variants, "l1": net}))
    statement = v["variants"]["l1"]["layers"][0]
    assert statement["status"] == ("local" if local else "not local")
    assert Judgement.of(net).local[0] is local
    assert statement["numbers"]["compactness"] == compact and statement["numbers"]["median_z"] == z


@pytest.mark.parametrize(("low", "high", "status"), [(0.45, 0.55, "undetermined"), (0.5, 0.7, "local"),
                                                    (0.3, 0.4999, "not local")])
def test_a_layer_whose_units_straddle_the_threshold_is_undetermined(typed_experiment, low, high, status):
    """The 95% interval of the median compactness decides, not the median alone."""
    c = compactness((low + high) / 2, 4.0, half_width=(high - low) / 2)
    net = with_layers(typed_experiment.variants["l1"], layer1=replace(make_layer(1, 64), compactness=c))
    v = verdict(replace(typed_experiment, variants={**typed_experiment.variants, "l1": net}))
    statement = v["variants"]["l1"]["layers"][0]
    assert statement["status"] == status
    assert Judgement.of(net).local[0] is {"local": True, "not local": False, "undetermined": None}[status]
    if status == "undetermined":
        assert "straddles 0.5: the units disagree" in statement["text"]


def test_not_local_says_spread_out_with_the_threshold(typed_experiment):
    text = verdict(typed_experiment)["variants"]["sklearn"]["layers"][0]["text"]
    assert text.startswith("layer 1 of sklearn is not local: compactness 0.20 [0.15, 0.25], less than 0.5: its "
                           "squared weight is spread out, not in one window (median z 0.5 against the smooth null)")
    assert "at scale b*" not in text  # a scale is quoted for local layers only


def test_a_dead_layer_is_undetermined(typed_experiment):
    net = with_layers(typed_experiment.variants["l1"], layer3=make_layer(3, 4, compact=None, z=None))
    v = verdict(replace(typed_experiment, variants={**typed_experiment.variants, "l1": net}))
    statement = v["variants"]["l1"]["layers"][2]
    assert statement["status"] == "undetermined" and "every unit is dead" in statement["text"]
    assert v["variants"]["l1"]["status"] == "mixed" and v["variants"]["l1"]["n_local"] == 2


def test_a_network_of_dead_layers_is_undetermined_and_so_is_its_comparison(typed_experiment):
    dead = make_network([make_layer(k, n, compact=None, z=None) for k, n in ((1, 64), (2, 16))])
    v = verdict(replace(typed_experiment, variants={**typed_experiment.variants, "none": dead}))
    assert v["variants"]["none"]["status"] == "undetermined"
    assert v["variants"]["none"]["looks_like_block_spin_rg"] == "undetermined"
    assert v["comparisons"][0]["status"] == "undetermined"
    assert v["headline"]["status"] == "yes"  # the penalty is undetermined: the headline falls back to the baseline


# ---------------------------------------------------------------------- scale
def test_scale_grows_for_b_star_2_4_8(typed_experiment):
    scale = verdict(typed_experiment)["variants"]["l1"]["scale"]
    assert scale["status"] == "grows"
    assert scale["numbers"]["growth"] == [2.0, 2.0] and scale["numbers"]["mean_growth"] == pytest.approx(2.0)
    assert scale["text"] == "the scale b* of l1's local layers grows x2.00 per layer (2 -> 4 -> 8)"


def test_scale_does_not_grow_for_b_star_1_1_1(typed_experiment):
    """Single-site fields at every layer (random-site copies): local, but not coarser with depth."""
    sites = block_spin_network(scale=1.0)
    v = verdict(replace(typed_experiment, variants={**typed_experiment.variants, "l1": sites}))
    scale = v["variants"]["l1"]["scale"]
    assert layer_statuses(v, "l1") == ["local"] * 3
    assert scale["status"] == "does not grow" and scale["numbers"]["mean_growth"] == 1.0
    assert "does not grow with depth: x1.00 per layer (1 -> 1 -> 1)" in scale["text"]
    assert "block-spin RG doubles it" in scale["text"]
    assert v["variants"]["l1"]["looks_like_block_spin_rg"] == "partly"


def test_scale_needs_two_consecutive_local_layers(typed_experiment):
    """Layers 1 and 3 local, 2 not: no pair of consecutive local layers, so no growth is quoted."""
    net = with_layers(typed_experiment.variants["l1"], layer2=make_layer(2, 16, compact=0.2, scale=8.0))
    scale = verdict(replace(typed_experiment, variants={**typed_experiment.variants, "l1": net}))["variants"]["l1"]["scale"]
    assert scale["status"] == "undetermined" and scale["numbers"]["growth"] == []
    assert "it needs two consecutive local layers (2 of 3 are local)" in scale["text"]


# ---------------------------------------------------------------------- flow, level by level
def _flow(typed_experiment, *layers):
    net = make_network(layers)
    v = verdict(replace(typed_experiment, variants={**typed_experiment.variants, "l1": net}))
    return v["variants"]["l1"]["flow"], v


def test_flow_agrees_at_every_level(typed_experiment):
    flow, _ = _flow(typed_experiment, make_layer(1, 64), make_layer(2, 16))
    assert flow["status"] == "like block-spin RG" and flow["numbers"]["flows_like"] == [True, True]
    assert flow["text"] == "the l1 network's layers match block spins level by level (layer 1 agrees, layer 2 agrees)"


def test_flow_disagreeing_at_one_level_is_unlike_block_spins(typed_experiment):
    flow, v = _flow(typed_experiment, make_layer(1, 64), make_layer(2, 16, flow="disagrees"))
    assert flow["status"] == "unlike block-spin RG" and flow["numbers"]["flows_like"] == [True, False]
    assert "(layer 1 agrees, layer 2 disagrees)" in flow["text"]
    assert v["variants"]["l1"]["looks_like_block_spin_rg"] == "partly"


def test_flow_agreeing_but_unordered_is_unlike_block_spins(typed_experiment):
    """Nearest-neighbour correlations that agree mean nothing when the units do not sit on the block lattice."""
    flow, v = _flow(typed_experiment, make_layer(1, 64, rms=0.4), make_layer(2, 16))
    assert flow["status"] == "unlike block-spin RG" and flow["numbers"]["flows_like"] == [False, True]
    assert "layer 1 agrees but unordered" in flow["text"]
    assert "its units do not sit on the 8x8 block lattice (rms 0.40 blocks, at most 0.25)" in (
        v["variants"]["l1"]["layers"][0]["text"])


def test_flow_undetermined_at_one_level_is_undetermined(typed_experiment):
    flow, _ = _flow(typed_experiment, make_layer(1, 64), make_layer(2, 16, flow="undetermined"))
    assert flow["status"] == "undetermined" and flow["numbers"]["flows_like"] == [True, None]
    assert "layer 2 undetermined" in flow["text"]


def test_flow_without_a_placed_layer_is_undetermined(typed_experiment):
    """50 and 10 units do not tile a 16x16 lattice into square blocks: nothing to compare level by level."""
    flow, v = _flow(typed_experiment, make_layer(1, 50), make_layer(2, 10))
    assert flow["status"] == "undetermined" and "no layer tiles the lattice into blocks" in flow["text"]
    numbers = v["variants"]["l1"]["layers"][0]["numbers"]
    assert numbers["matching_block_size"] is None and numbers["ordered"] is None and numbers["level"] is None


# ---------------------------------------------------------------------- the two comparisons and the headline
def _comparisons(**variants):
    v = verdict(make_experiment(variants))
    return v, {c["comparison"]: c for c in v["comparisons"]}


def test_the_penalty_comparison_drives_the_headline():
    """l1 and none alike (both block-spin-like), sklearn spread out: the seed write-up's comparison says yes,
    but the penalty makes no difference, and the headline says so."""
    v, c = _comparisons(sklearn=spread_network(), l1=block_spin_network(), none=block_spin_network())
    assert (c["penalty"]["status"], c["baseline"]["status"]) == ("no", "yes")
    assert v["headline"]["status"] == "no"
    assert "the L1 penalty (0.0002) does not make the network more local" in c["penalty"]["text"]
    assert v["headline"]["text"].startswith("No: With the same trainer, schedule and initialisation")
    assert c["penalty"]["numbers"] == {"penalized": "l1", "reference": "none", "penalized_n_local": 3,
                                       "reference_n_local": 3, "penalized_looks_like_block_spin_rg": "yes",
                                       "reference_looks_like_block_spin_rg": "yes"}


def test_the_penalty_comparison_partly_and_reversed():
    partly_local = with_layers(spread_network(), layer1=make_layer(1, 64, compact=0.9, scale=2.0, rms=0.7, own=0.1,
                                                                   flow="disagrees"))
    v, c = _comparisons(sklearn=spread_network(), l1=partly_local, none=spread_network())
    assert c["penalty"]["status"] == "partly" and v["headline"]["status"] == "partly"
    assert "makes the network more local, but not block-spin RG in every respect" in c["penalty"]["text"]
    v, c = _comparisons(sklearn=spread_network(), l1=spread_network(), none=block_spin_network())
    assert c["penalty"]["status"] == "no" and v["headline"]["status"] == "no"


def test_without_none_the_penalty_is_not_isolated_and_the_baseline_leads():
    v, c = _comparisons(sklearn=spread_network(), l1=block_spin_network())
    assert c["penalty"]["status"] == "undetermined"
    assert "the penalty is not isolated: it needs the l1 and none variants" in c["penalty"]["text"]
    assert v["headline"]["status"] == "yes"
    v, c = _comparisons(l1=block_spin_network())
    assert v["headline"]["status"] == "undetermined" and c["baseline"]["status"] == "undetermined"


def test_sklearn_against_l1_names_the_four_differences(typed_experiment):
    baseline = verdict(typed_experiment)["comparisons"][1]
    assert baseline["numbers"]["differences"] == list(SKLEARN_DIFFERENCES) and len(SKLEARN_DIFFERENCES) == 4
    text = baseline["text"]
    assert "they differ in 4 ways" in text and "so it does not isolate the penalty" in text
    for difference in SKLEARN_DIFFERENCES:
        assert difference in text
    # the four, named independently of the constant: the trainer, the momentum, the initial scale, the penalty
    for word in ("PCD-1", "CD-1", "momentum", "N(0, 0.01^2)", "0.1 N(0, 1)", "L1 penalty"):
        assert word in text


# ---------------------------------------------------------------------- calibration
def test_a_passing_calibration_is_stated(typed_experiment):
    v = verdict(replace(typed_experiment, controls=passing_controls()))
    cal = v["calibration"]
    assert cal["topic"] == "calibration" and cal["status"] == "passed"
    assert cal["numbers"]["n_checks"] == 9 and cal["numbers"]["n_wrong"] == 0  # 5 + 4 (scale unknown for random)
    rows = {row["name"]: row for row in cal["numbers"]["controls"]}
    assert rows["majority_rule"]["measures"]["scale_grows"] == {"expected": True, "observed": True, "correct": True}
    assert rows["random_dense"]["measures"]["scale_grows"] == {"expected": None, "observed": None, "correct": None}
    assert v["headline"]["status"] == "yes" and v["headline"]["numbers"]["calibration"] == "passed"
    assert "Every measure gives all 2 control networks their known answers (9 checks" in v["headline"]["text"]
    assert v["statements"].count(cal) == 1


def test_a_failed_calibration_makes_the_headline_undetermined_with_the_reason(typed_experiment):
    """A 'random' control that every measure calls block-spin RG: the measures cannot be trusted."""
    fooled = control("random_dense", block_spin_network(), NOTHING)
    v = verdict(replace(typed_experiment, controls=[passing_controls()[0], fooled]))
    cal = v["calibration"]
    assert cal["status"] == "failed" and cal["numbers"]["n_wrong"] == 4  # local, ordered, block_specific, flow
    assert ("random_dense is local, random_dense is ordered on the block lattice, random_dense is block-specific and "
            "random_dense is flowing like block spins") in cal["text"]
    assert [row["correct"] for row in cal["numbers"]["controls"]] == [True, False]
    headline = v["headline"]
    assert headline["status"] == "undetermined" and headline["numbers"]["penalty"] == "yes"
    assert headline["text"].startswith("Undetermined: The measures are not calibrated: 4 of 9 known answers")
    assert "so no verdict on the trained networks can be trusted" in headline["text"]


def test_a_positive_control_that_fails_and_an_undetermined_answer_count_as_wrong(typed_experiment):
    broken = with_layers(block_spin_network(), layer3=make_layer(3, 4, flow="undetermined"))
    controls = [control("majority_rule", spread_network(), BLOCK_RG), control("block_average", broken, BLOCK_RG)]
    cal = verdict(replace(typed_experiment, controls=controls))["calibration"]
    assert cal["status"] == "failed"
    assert "majority_rule is not local" in cal["text"] and "block_average is undetermined on flow" in cal["text"]


# ---------------------------------------------------------------------- the L1 scan
def test_scan_becomes_local_with_its_cost(typed_experiment):
    v = verdict(replace(typed_experiment, scan=list(SCAN)))
    scan = v["scan"]
    assert scan["status"] == "becomes local"
    assert scan["numbers"]["first_local_strength"] == 1e-3 and scan["numbers"]["is_local"] == [False, True, True]
    assert scan["numbers"]["pseudo_likelihood_cost_per_spin"] == pytest.approx(0.010)
    assert ("become local at L1 = 1e-3 (compactness 0.70, median z 4.0; at 2e-4 they are spread out "
            "(compactness 0.20)), at a cost of 0.0100 nats per spin") in scan["text"]
    assert "In the L1 scan, the first-layer fields become local at L1 = 1e-3" in v["headline"]["text"]
    assert v["headline"]["numbers"]["scan_status"] == "becomes local"


def test_scan_never_local_names_each_strength(typed_experiment):
    rows = [scan_row(s, -0.55, c, z, method="proximal") for s, c, z in ((2e-4, 0.1, 0.5), (1e-3, 0.2, 1.0),
                                                                          (8e-3, 0.4, 30.0))]
    scan = verdict(replace(typed_experiment, scan=rows))["scan"]
    assert scan["status"] == "never local" and scan["numbers"]["first_local_strength"] is None
    assert scan["text"].startswith("with the proximal L1 update, no scanned L1 strength (2e-4 to 8e-3) makes the "
                                   "first-layer fields local")
    assert "at 8e-3 they are spread out (compactness 0.40)" in scan["text"]  # z 30 does not make them local


def test_scan_local_at_the_weakest_and_not_monotone(typed_experiment):
    rows = [scan_row(2e-4, -0.55, 0.7), scan_row(1e-3, -0.56, 0.8)]
    assert verdict(replace(typed_experiment, scan=rows))["scan"]["status"] == "local at the weakest"
    rows = [SCAN[0], SCAN[1], scan_row(8e-3, -0.63, 0.3)]
    scan = verdict(replace(typed_experiment, scan=rows))["scan"]
    assert scan["status"] == "becomes local"
    assert "but not local again at 8e-3, where they are spread out (compactness 0.30)" in scan["text"]
    assert "locality is not monotone in the strength" in scan["text"]


# ---------------------------------------------------------------------- data and exact checks: honest wording
def test_data_statements(typed_experiment):
    energy, heat, tau = verdict(typed_experiment)["data"]
    assert energy["status"] == "agrees" and energy["numbers"]["deviation_in_errors"] == pytest.approx(0.6)
    assert "energy per site -1.15150 ± 0.00050 agrees with the exact -1.15180 for the 16x16 torus" in energy["text"]
    assert heat["status"] == "agrees" and tau["status"] == "measured" and "18.0 for the energy" in tau["text"]
    bad = replace(ENSEMBLE, exact_energy_per_site=-1.16, spacing=10,
                  specific_heat=ObservableEstimate(0.98, 0.0, 0.7))
    energy, heat, tau = verdict(replace(typed_experiment, ensemble=bad))["data"]
    assert energy["status"] == "disagrees" and "more than 3" in energy["text"]
    assert heat["status"] == "undetermined" and "no error bar" in heat["text"]
    assert tau["status"] == "correlated" and "stored samples are correlated" in tau["text"]


def test_the_exact_checks_are_worded_as_checks_not_evidence(typed_experiment):
    decimation, distance = verdict(typed_experiment)["exact_1d"]
    assert decimation["status"] == "exact" and "K = 0.5 and 1" in decimation["text"]
    assert "a check of the RBM algebra against an analytic identity" in decimation["text"]
    assert "not evidence that a trained network does RG" in decimation["text"]
    assert distance["status"] == "decreases" and "4.800 -> 0.350" in distance["text"]
    assert "measures how well a small RBM fits the 4x4 Ising distribution, not whether the trained networks do RG" in (
        distance["text"])
    wrong = ExactChecks(decimation=[DecimationCheck(0.5, 0.2, 0.2, 1e-6, 0.0, [0.5, 0.2])],
                        trace_distance_4x4=[TraceDistanceCheck(1, 0.3, 0.1, 0.3), TraceDistanceCheck(30, 0.4, 0.1, 0.4)],
                        beta=0.408)
    decimation, distance = verdict(replace(typed_experiment, exact_1d=wrong))["exact_1d"]
    assert decimation["status"] == "not exact" and "does not reproduce" in decimation["text"]
    assert distance["status"] == "does not decrease"
    assert verdict(replace(typed_experiment, exact_1d=replace(EXACT_1D, decimation=[])))["exact_1d"][0][
        "status"] == "decreases"


def test_a_dict_that_is_not_a_complete_experiment_is_refused():
    from deeprg.errors import FileFormatError

    with pytest.raises(FileFormatError, match="missing key 'ensemble'"):
        verdict({"deeprg_version": "x", "config": {}, "variants": {}, "exact_1d": EXACT_1D.to_dict()})


# ---------------------------------------------------------------------- real measurements
@pytest.fixture(scope="module")
def wolff_16():
    from deeprg.ising import IsingModel, WolffSampler

    return WolffSampler(IsingModel(16), 0.408, random_state=0).sample(300)


def test_verdict_on_real_analysis_metrics(tmp_path):
    """analyze_network's own output goes through unchanged; the statuses follow compactness."""
    from deeprg.experiment.analysis import analyze_network
    from deeprg.ising import IsingModel, WolffSampler
    from deeprg.rbm import DeepBeliefNetwork, make_layers

    samples = WolffSampler(IsingModel(8), 0.408, random_state=0).sample(300)
    dbn = DeepBeliefNetwork(make_layers("l1", [16, 4], n_iter=2, strength=1e-3), random_state=0)
    dbn.fit(samples.as_binary(np.float32))
    m = analyze_network(dbn, samples, tmp_path, n_surrogates=10, n_samples=150, random_state=0)
    experiment = make_experiment({"l1": m, "none": m, "sklearn": m})
    v = verdict(experiment.to_dict())
    json.dumps(v, allow_nan=False)
    for layer, statement in zip(m.layers, v["variants"]["l1"]["layers"], strict=True):
        assert layer.is_local == layer.compactness.is_compact
        assert (statement["status"] == "local") == layer.is_local
        assert statement["text"].startswith(f"layer {layer.layer} of l1 ")
        assert statement["numbers"]["compactness"] == layer.compactness.median_compactness
    assert [c["status"] for c in v["comparisons"]] == ["no", "no"]  # the same network is never better than itself


@pytest.mark.parametrize("name", ["majority_rule", "random_dense"])
def test_a_real_control_network_gets_its_known_answer(wolff_16, name):
    """The positive and the negative control, measured by the pipeline's own code on a small Wolff ensemble."""
    from deeprg.experiment.analysis import measure_network
    from deeprg.rg import standard_controls

    [ctrl] = [c for c in standard_controls(16, n_layers=3, random_state=0) if c.name == name]
    metrics = measure_network(ctrl.network, wolff_16, n_surrogates=20, n_samples=300, random_state=0).metrics
    judged = Judgement.of(metrics)
    observed = {measure: judged.observed(measure) for measure in ctrl.expected_measures}
    known = {m: e for m, e in ctrl.expected_measures.items() if e is not None}
    assert {m: observed[m] for m in known} == known
    if name == "majority_rule":
        assert observed == BLOCK_RG and judged.looks_like_block_spin_rg == "yes"
        assert judged.growth == pytest.approx((2.0, 2.0))  # b* = 2, 4, 8
    else:
        assert judged.n_local == 0 and judged.looks_like_block_spin_rg == "no"
        assert observed["scale_grows"] is None  # no local layer: no growth to judge
