"""The RG analysis of a trained network: every figure written, metrics complete and JSON-clean."""

import json

import numpy as np
import pytest

from deeprg.cli import main
from deeprg.errors import InvalidParameterError
from deeprg.experiment.analysis import analyze_network, write_metrics
from deeprg.experiment.results import NetworkMetrics
from deeprg.io import save_ensemble
from deeprg.ising import IsingModel, WolffSampler
from deeprg.rbm import DeepBeliefNetwork, make_layers


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    samples = WolffSampler(IsingModel(8), 0.408, random_state=0).sample(400)
    dbn = DeepBeliefNetwork(make_layers("l1", [16, 4], n_iter=3, strength=1e-3), random_state=0)
    dbn.fit(samples.as_binary(np.float32))
    return samples, dbn


def test_analysis_writes_figures_and_metrics(tmp_path, trained):
    samples, dbn = trained
    metrics = analyze_network(dbn, samples, tmp_path, n_surrogates=20, n_samples=200, random_state=0)
    for name in metrics.figures.values():
        assert (tmp_path / name).stat().st_size > 1000  # a real PNG, not an empty file
    assert {"weights", "receptive_fields_layer1", "locality_layer2", "scale_growth", "flow_binder_cumulant",
            "reconstructions", "block_correlation_layer1", "learning_curves"} <= set(metrics.figures)
    assert [layer.layer for layer in metrics.layers] == [1, 2]
    for layer in metrics.layers:
        assert isinstance(layer.is_local, bool)
        assert layer.radius_of_gyration > 0 and layer.fitted_block_size in (2, 4)
    assert metrics.layers[0].block_match.block_size == 2
    assert metrics.flows.levels[0]["block"]["n_units"] == 64
    assert set(metrics.training) == {"layer 1", "layer 2"} and len(metrics.training["layer 1"]["pseudo_likelihood"]) == 3
    path = write_metrics(metrics, tmp_path / "metrics.json")
    assert NetworkMetrics.from_dict(json.loads(path.read_text())) == metrics


def test_analysis_is_reproducible(tmp_path, trained):
    samples, dbn = trained
    a = analyze_network(dbn, samples, tmp_path / "a", n_surrogates=10, n_samples=100, random_state=3)
    b = analyze_network(dbn, samples, tmp_path / "b", n_surrogates=10, n_samples=100, random_state=3)
    assert a.layers == b.layers and a.flows == b.flows and a.scale_growth == b.scale_growth


def test_analysis_refuses_a_network_of_another_lattice(tmp_path, trained):
    _, dbn = trained
    other = WolffSampler(IsingModel(6), 0.4, random_state=0).sample(50)
    with pytest.raises(InvalidParameterError, match="visible units but the ensemble is 6x6"):
        analyze_network(dbn, other, tmp_path)


def test_cli_analyze(tmp_path, trained, capsys):
    samples, dbn = trained
    model, ensemble = tmp_path / "m.nc", tmp_path / "e.nc"
    dbn.save(model)
    save_ensemble(samples, ensemble)
    code = main(["analyze", str(model), str(ensemble), "--out", str(tmp_path / "out"), "--surrogates", "10"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "local?" in out
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert len(metrics["layers"]) == 2
