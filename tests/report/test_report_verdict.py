"""The verdict says what the numbers say: local, mixed, not local, undetermined, with the numbers."""

import copy
import json

import pytest
from synthetic_metrics import ENSEMBLE, EXACT_1D, SCAN, make_flows, make_layer, make_network

from deeprg.report import verdict


def texts(v):
    return [s["text"] for s in v["statements"]]


def test_local_l1_against_non_local_baseline(experiment):
    v = verdict(experiment)
    json.dumps(v, allow_nan=False)  # plain JSON
    l1, sk = v["variants"]["l1"], v["variants"]["sklearn"]
    assert [s["status"] for s in l1["layers"]] == ["local", "local"]
    assert l1["status"] == "local" and l1["n_local"] == 2 and l1["looks_like_block_spin_rg"] == "yes"
    layer2 = l1["layers"][1]["text"]
    assert layer2.startswith("layer 2 of l1 is local (median z 9.6 against the phase null, 30.0 against the permutation null")
    assert "at fitted block size 8" in layer2 and "block spins for 16 units: 4x4" in layer2
    assert "its fitted scale grows x2.0 from layer 1" in layer2
    assert l1["layers"][1]["numbers"]["median_z"] == 9.6 and l1["layers"][1]["numbers"]["growth_fitted_block_size"] == 2.0
    assert l1["scale"]["status"] == "grows"
    assert l1["flow"]["status"] == "like block-spin RG"
    assert "the l1 network's layers flow toward the disordered fixed point like block-spin RG" in l1["flow"]["text"]

    assert sk["status"] == "not local" and sk["n_local"] == 0 and sk["looks_like_block_spin_rg"] == "no"
    assert sk["locality_summary"] == "no layer of sklearn is local (median z 1.4, 0.1)"
    assert [s["status"] for s in sk["layers"]] == ["not local", "not local"]
    assert sk["scale"]["status"] == "undetermined"
    assert sk["flow"]["status"] == "unlike block-spin RG"
    assert "do not flow measurably, while block spins flow toward the disordered fixed point" in sk["flow"]["text"]

    assert v["headline"]["status"] == "yes"
    assert v["headline"]["text"].startswith("Yes: with the L1 penalty the network looks like block-spin RG")
    assert "no layer of sklearn is local" in v["headline"]["text"]
    assert v["scan"] is None and v["data"] == [] and v["exact_1d"] == []


def test_mixed_variant_is_partly(experiment):
    experiment["variants"]["l1"]["layers"][1] = make_layer(2, 16, 1.0, 0.5, fitted=8, rg=3.0)
    v = verdict(experiment)
    l1 = v["variants"]["l1"]
    assert l1["status"] == "mixed" and l1["n_local"] == 1
    assert l1["locality_summary"].startswith("1 of 2 layers of l1 are local (layer 1; median z 12.0, 1.0)")
    assert l1["scale"]["status"] == "undetermined"  # needs two consecutive local layers
    assert v["headline"]["status"] == "partly"
    assert "only 1 of its 2 layers are local" in v["headline"]["text"]


def test_a_layer_beating_one_null_only_is_mixed_and_says_why(experiment):
    experiment["variants"]["sklearn"]["layers"][1] = make_layer(2, 16, 0.2, 26.0)
    experiment["variants"]["sklearn"]["layers"][0] = make_layer(1, 64, 5.0, 1.0)
    sk = verdict(experiment)["variants"]["sklearn"]
    spread, scattered = sk["layers"][1], sk["layers"][0]
    assert spread["status"] == scattered["status"] == "mixed"
    assert "beats the permutation null but not the phase null" in spread["text"]
    assert "smooth but spread out" in spread["text"]
    assert "beats the phase null but not the permutation null" in scattered["text"] and "scattered" in scattered["text"]
    assert sk["status"] == "not local"  # no layer is local
    assert "2 of its layers beat only one of the nulls" in sk["summary"]


def test_z_next_to_the_threshold_is_not_rounded_onto_it(experiment):
    experiment["variants"]["sklearn"]["layers"][0] = make_layer(1, 64, 2.987, 1.0)
    text = verdict(experiment)["variants"]["sklearn"]["layers"][0]["text"]
    assert "median z 2.99 against the phase null" in text


def test_undetermined_when_numbers_are_missing(experiment):
    experiment["variants"]["sklearn"] = make_network([make_layer(1, 64, None, None)], flows={})
    v = verdict(experiment)
    sk = v["variants"]["sklearn"]
    assert sk["layers"][0]["status"] == "undetermined" and sk["status"] == "undetermined"
    assert sk["flow"]["status"] == "undetermined" and "no flow was measured" in sk["flow"]["text"]
    assert v["headline"]["status"] == "undetermined"
    json.dumps(v, allow_nan=False)


def test_dead_layer_is_undetermined(experiment):
    layer = make_layer(2, 16, 0.0, 0.0)
    layer["locality"]["n_dead"] = 16
    experiment["variants"]["l1"]["layers"][1] = layer
    statement = verdict(experiment)["variants"]["l1"]["layers"][1]
    assert statement["status"] == "undetermined" and "every unit is dead" in statement["text"]


def test_headline_without_the_baseline_is_undetermined(experiment):
    del experiment["variants"]["sklearn"]
    h = verdict(experiment)["headline"]
    assert h["status"] == "undetermined" and "needs an L1 variant and the scikit-learn baseline" in h["text"]
    assert verdict({"variants": {}})["headline"]["status"] == "undetermined"


def test_equally_local_networks_are_a_no(experiment):
    experiment["variants"]["sklearn"]["layers"] = copy.deepcopy(experiment["variants"]["l1"]["layers"])
    h = verdict(experiment)["headline"]
    assert h["status"] == "no" and "does not make the network more local" in h["text"]


def test_scale_that_grows_by_one_measure_only_is_mixed(experiment):
    experiment["variants"]["l1"]["layers"][1]["radius_of_gyration"] = 1.2  # fitted x2, R_g x0.8
    v = verdict(experiment)
    scale = v["variants"]["l1"]["scale"]
    assert scale["status"] == "mixed"
    assert "the fitted block size grows x2.0 per layer" in scale["text"] and "the radius of gyration does not" in scale["text"]
    assert v["variants"]["l1"]["looks_like_block_spin_rg"] == "partly" and v["headline"]["status"] == "partly"


def test_flow_unlike_block_spin(experiment):
    experiment["variants"]["l1"]["flows"] = make_flows(dbn_flow="toward ordered")
    flow = verdict(experiment)["variants"]["l1"]["flow"]
    assert flow["status"] == "unlike block-spin RG"
    assert "flow toward the ordered fixed point, while block spins flow toward the disordered" in flow["text"]


def test_scan_first_local_strength_and_cost(experiment):
    experiment["scan"] = copy.deepcopy(SCAN)
    v = verdict(experiment)
    scan = v["scan"]
    assert scan["status"] == "becomes local"
    assert scan["numbers"]["first_local_strength"] == 1e-3
    assert scan["numbers"]["pseudo_likelihood_cost_per_spin"] == pytest.approx(0.010)
    assert scan["numbers"]["relative_pseudo_likelihood_cost"] == pytest.approx(0.010 / 0.550)
    assert "become local at L1 = 1e-3 (median z 4.0 > 3" in scan["text"]
    assert "a cost of 0.0100 nats per spin" in scan["text"] and "1.8%" in scan["text"]
    assert "become local at L1 = 1e-3" in v["headline"]["text"]


def test_scan_never_local_local_at_weakest_and_non_monotone(experiment):
    never = [dict(row, is_local=False, median_z=z) for row, z in zip(SCAN, (0.5, 1.0, 2.1), strict=True)]
    experiment["scan"] = never
    scan = verdict(experiment)["scan"]
    assert scan["status"] == "never local"
    assert "no scanned L1 strength (2e-4 to 8e-3)" in scan["text"] and "the closest, 8e-3, has median z 2.1" in scan["text"]

    experiment["scan"] = [dict(row, is_local=True) for row in SCAN]
    assert verdict(experiment)["scan"]["status"] == "local at the weakest"

    experiment["scan"] = [dict(SCAN[0]), dict(SCAN[1]), dict(SCAN[2], is_local=False)]
    text = verdict(experiment)["scan"]["text"]
    assert "not local again at 8e-3" in text and "not monotone" in text


def test_a_never_local_scan_is_judged_by_the_weaker_null_and_names_the_update(experiment):
    def row(base, phase, permutation):
        z = {"phase": {"is_local": phase > 3, "window_fraction": {"median": phase}},
             "permutation": {"is_local": permutation > 3, "window_fraction": {"median": permutation}}}
        return dict(base, is_local=False, median_z=phase, penalty_method="proximal",
                    locality={"median_radius_of_gyration": 15.0, "z": z})

    experiment["scan"] = [row(SCAN[0], 2.0, 2.5), row(SCAN[1], 18.0, -0.5), row(SCAN[2], 64.0, 0.1)]
    scan = verdict(experiment)["scan"]
    assert scan["text"].startswith("with the proximal L1 update, no scanned L1 strength")
    # 2e-4 comes closest to local (the weaker of its two z is the largest), not 8e-3 with its phase z of 64
    assert "the closest, 2e-4, has median z 2.0 against the smooth null and 2.5 against the shuffled one" in scan["text"]
    assert scan["numbers"]["penalty_method"] == "proximal"
    experiment["scan"] = [row(SCAN[0], 2.0, -1.0), row(SCAN[1], 18.0, -0.5)]
    assert "its fields are sparse but scattered" in verdict(experiment)["scan"]["text"]


@pytest.mark.parametrize(("phase", "permutation", "kind"), [
    (True, False, "sparse but scattered"), (False, True, "smooth but spread"), (False, False, "spread out")])
def test_scan_says_which_null_a_strength_that_loses_locality_fails(experiment, phase, permutation, kind):
    lost = dict(SCAN[2], is_local=False,
                locality={"median_radius_of_gyration": 14.96,
                          "z": {"phase": {"is_local": phase}, "permutation": {"is_local": permutation}}})
    experiment["scan"] = [dict(SCAN[0]), dict(SCAN[1]), lost]
    statement = verdict(experiment)["scan"]
    assert f"there the fields are {kind}" in statement["text"] and "median R_g 15.0" in statement["text"]
    assert statement["numbers"]["failures"]["8e-3"].startswith(kind)


def test_data_and_exact_1d_statements(experiment):
    experiment.update(ensemble=dict(ENSEMBLE), exact_1d=copy.deepcopy(EXACT_1D))
    v = verdict(experiment)
    energy, heat, tau = v["data"]
    assert energy["status"] == "agrees" and energy["numbers"]["deviation_in_errors"] == pytest.approx(0.6)
    assert "energy per site -1.15150 ± 0.00050 agrees with the exact -1.15180 for the 16x16 torus" in energy["text"]
    assert heat["status"] == "agrees"
    assert tau["status"] == "measured" and "18.0 for the energy" in tau["text"]
    decimation, distance = v["exact_1d"]
    assert decimation["status"] == "exact" and "K = 0.5 and 1" in decimation["text"]
    assert distance["status"] == "decreases" and "4.800 -> 0.350" in distance["text"]

    bad = dict(ENSEMBLE, exact_energy_per_site=-1.16)
    experiment["ensemble"] = bad
    assert verdict(experiment)["data"][0]["status"] == "disagrees"


def test_verdict_on_real_analysis_metrics(tmp_path):
    """analyze_network's own output goes through unchanged, and the statuses follow is_local."""
    import numpy as np

    from deeprg.experiment.analysis import analyze_network
    from deeprg.ising import IsingModel, WolffSampler
    from deeprg.rbm import DeepBeliefNetwork, make_layers

    samples = WolffSampler(IsingModel(8), 0.408, random_state=0).sample(300)
    dbn = DeepBeliefNetwork(make_layers("l1", [16, 4], n_iter=2, strength=1e-3), random_state=0)
    dbn.fit(samples.as_binary(np.float32))
    m = analyze_network(dbn, samples, tmp_path, n_surrogates=10, n_samples=150, random_state=0).to_dict()
    v = verdict({"variants": {"l1": m, "sklearn": m}})
    json.dumps(v, allow_nan=False)
    for layer, statement in zip(m["layers"], v["variants"]["l1"]["layers"], strict=True):
        assert (statement["status"] == "local") == layer["is_local"]
        assert statement["text"].startswith(f"layer {layer['layer']} of l1 ")
    assert v["headline"]["status"] in ("no", "undetermined")  # the same network twice is never better than itself
