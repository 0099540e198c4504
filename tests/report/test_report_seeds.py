"""Training seeds: a status counts only when every replicate of a network gives it (verdict version 3).

Positive control: replicates that agree keep their statuses. Negative control: a replicate whose
layer 2 is spread out where the others' is local turns that layer, the network, the comparison
and the headline into "unstable across seeds" / undetermined, with each seed's number in the text.
"""

from __future__ import annotations

import json

import jsonschema
import pytest
from synthetic_metrics import block_spin_network, compactness, make_experiment, make_layer, spread_network, with_layers

from deeprg.errors import FileFormatError
from deeprg.experiment.results import ExperimentMetrics, Replicate
from deeprg.report import METRICS_SCHEMA, UNSTABLE, verdict

SCHEMA = json.loads(METRICS_SCHEMA.read_text())


def _spread_layer2(network):
    """``network`` with its layer 2 spread out (compactness 0.2, the interval below 0.5)."""
    layer = network.layers[1]
    return with_layers(network, layer2=make_layer(2, layer.n_units, compact=0.2, scale=8.0, z=0.5, rms=0.7, own=0.1,
                                                   flow="disagrees", specificity=0.02))


def _experiment(l1_replicates):
    spread = spread_network()
    return make_experiment({"sklearn": spread, "l1": block_spin_network(), "none": spread},
                           replicates={"sklearn": [spread] * len(l1_replicates), "l1": l1_replicates,
                                       "none": [spread] * len(l1_replicates)})


def test_agreeing_seeds_keep_every_status():
    one = verdict(make_experiment({"sklearn": spread_network(), "l1": block_spin_network(), "none": spread_network()}))
    v = verdict(_experiment([block_spin_network(), block_spin_network()]))
    for name in ("sklearn", "l1", "none"):
        merged, single = v["variants"][name], one["variants"][name]
        assert merged["n_seeds"] == 3 and single["n_seeds"] == 1
        assert [s["status"] for s in merged["layers"]] == [s["status"] for s in single["layers"]]
        assert merged["status"] == single["status"] and merged["looks_like_block_spin_rg"] == single["looks_like_block_spin_rg"]
        assert [r["n_local"] for r in merged["per_seed"]] == [single["n_local"]] * 3
    layer = v["variants"]["l1"]["layers"][0]
    assert layer["text"].endswith("(the same for all 3 training seeds)")
    assert [r["status"] for r in layer["numbers"]["per_seed"]] == ["local"] * 3
    assert [c["status"] for c in v["comparisons"]] == ["yes", "yes"] and v["headline"]["status"] == "yes"


def test_a_disagreeing_seed_makes_the_layer_network_and_headline_unstable():
    v = verdict(_experiment([block_spin_network(), _spread_layer2(block_spin_network())]))
    l1 = v["variants"]["l1"]
    assert [s["status"] for s in l1["layers"]] == ["local", UNSTABLE, "local"]
    layer2 = l1["layers"][1]
    assert [r["status"] for r in layer2["numbers"]["per_seed"]] == ["local", "local", "not local"]
    assert layer2["numbers"]["per_seed"][2]["compactness"] == pytest.approx(0.2)
    assert f"{UNSTABLE}, by training seed: local (compactness" in layer2["text"] and "not local (compactness 0.20)" in layer2["text"]
    assert l1["status"] == UNSTABLE and l1["looks_like_block_spin_rg"] == UNSTABLE
    assert [r["n_local"] for r in l1["per_seed"]] == [3, 3, 2]
    assert "local layers by training seed: 3, 3, 2" in l1["summary"]
    # l1 against none: "yes" for seeds 1 and 2, "partly" for seed 3 (two local layers, not block-spin RG)
    penalty = v["comparisons"][0]
    assert penalty["status"] == UNSTABLE and [r["status"] for r in penalty["numbers"]["per_seed"]] == ["yes", "yes", "partly"]
    assert v["headline"]["status"] == "undetermined"
    assert v["headline"]["text"].startswith("Undetermined: The answer changes between training seeds.")
    # the other networks agreed across seeds: their statuses stand
    assert v["variants"]["none"]["status"] == "not local"


def test_seed_statuses_are_in_the_schema():
    experiment = _experiment([_spread_layer2(block_spin_network())])
    data = experiment.to_dict()
    data["verdict"] = verdict(experiment)
    jsonschema.validate(data, SCHEMA)
    assert ExperimentMetrics.from_dict(data).replicates["l1"][0].network == experiment.replicates["l1"][0].network


def test_replicates_of_unequal_counts_are_refused():
    experiment = _experiment([block_spin_network()])
    replicate = Replicate(1, 5, block_spin_network())
    with pytest.raises(FileFormatError, match="same number of replicates"):
        ExperimentMetrics(**{**experiment.__dict__, "replicates": {"l1": [replicate]}})
    with pytest.raises(FileFormatError, match="same number of replicates"):
        ExperimentMetrics(**{**experiment.__dict__, "replicates": {**experiment.replicates, "l2": [replicate]}})


def test_the_layer_interval_is_what_decides_a_seed():
    """A replicate whose layer straddles the threshold is undetermined, which differs from local: unstable."""
    straddling = with_layers(block_spin_network(), layer1=make_layer(1, 64, compact=0.5))
    assert compactness(0.5).is_compact is False and compactness(0.5).is_spread is False
    v = verdict(_experiment([straddling]))
    assert [r["status"] for r in v["variants"]["l1"]["layers"][0]["numbers"]["per_seed"]] == ["local", "undetermined"]
    assert v["variants"]["l1"]["layers"][0]["status"] == UNSTABLE
