"""deeprg.resources: estimates against the arrays really made, and the refusal of what cannot fit."""

import tracemalloc

import numpy as np
import pytest

from deeprg import resources
from deeprg.errors import DeepRGError, InvalidParameterError, ResourceError
from deeprg.experiment.config import load_config, parse_config, resolve
from deeprg.resources import (
    ResourceEstimate,
    available_memory,
    check_fits,
    estimate_experiment,
    estimate_sampling,
    estimate_training,
    format_bytes,
    free_disk,
)


def _peak(work):
    """Peak bytes numpy (and Python) allocated while ``work()`` ran, and its result."""
    tracemalloc.start()
    try:
        result = work()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def test_sampling_estimate_matches_the_arrays_made(tmp_path):
    """Within a factor 2 of the traced peak (the module promises ~2), and above the spins it returns."""
    from deeprg.io import save_ensemble
    from deeprg.ising import IsingModel, make_sampler

    L, n, chains = 16, 4000, 2
    make_sampler("wolff", IsingModel(L), 0.3, random_state=0).sample(5, n_thermalize=5, spacing=1)  # compile first
    sampler = make_sampler("wolff", IsingModel(L), 0.3, random_state=0, n_chains=chains)
    peak, samples = _peak(lambda: sampler.sample(n, n_thermalize=200, spacing=2))
    need = estimate_sampling(L, n, chains, n_thermalize=200)
    assert need.memory >= samples.spins.nbytes
    assert need.memory / 2 <= peak <= need.memory * 2, (peak, need.memory)
    out = tmp_path / "e.nc"
    save_ensemble(samples, out)
    # K = 0.3 is far above T_c: nearly random spins, the worst case of the compression
    assert need.disk / 2 <= out.stat().st_size <= need.disk, (out.stat().st_size, need.disk)


@pytest.mark.parametrize("variant", ["l1", "sklearn"])
def test_training_estimate_matches_the_arrays_made(variant):
    from deeprg.rbm import DeepBeliefNetwork, make_layers

    n, V, layers = 4000, 256, [64, 16]
    rng = np.random.default_rng(0)

    def work():
        X = rng.integers(0, 2, (n, V)).astype(np.float32)  # traced too: the estimate counts the data
        return DeepBeliefNetwork(make_layers(variant, layers, n_iter=1), random_state=0).fit(X)

    peak, _ = _peak(work)
    need = estimate_training(n, V, layers)
    assert need.memory / 2 <= peak <= need.memory * 2, (peak, need.memory)
    assert estimate_training(n, V, layers, dtype="float64").memory > need.memory


def test_experiment_estimate_covers_sampling_and_training():
    config = resolve(load_config(), quick=True)
    need = estimate_experiment(config)
    ens, net = config.ensemble, config.network
    assert need.memory >= estimate_sampling(ens.L, ens.n_samples, ens.n_chains).memory
    assert need.memory >= estimate_training(ens.n_samples, ens.L**2, net.layers).memory
    assert need.disk >= estimate_sampling(ens.L, ens.n_samples).disk
    assert "mehta_schwab_2014" in need.what
    # stages side by side (deeprg run's workers) each hold the data and a training: that part counts once per worker
    two = estimate_experiment(config, workers=2)
    training = estimate_training(ens.n_samples, ens.L**2, net.layers).memory
    assert two.memory >= need.memory + training and two.disk == need.disk


def test_a_request_that_cannot_fit_is_refused_with_the_numbers(tmp_path):
    huge = estimate_sampling(20_000, 1_000_000)
    with pytest.raises(ResourceError, match=r"needs about .* of memory; this machine has .* available") as info:
        check_fits(huge, tmp_path / "x.nc")
    assert isinstance(info.value, MemoryError) and isinstance(info.value, DeepRGError)
    assert info.value.resource == "memory" and info.value.needed == huge.memory
    check_fits(estimate_sampling(8, 100), tmp_path / "x.nc")  # a small one fits


def test_disk_is_checked_at_the_outputs_nearest_existing_directory(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(resources, "free_disk", lambda path: seen.append(path) or 1000)
    with pytest.raises(ResourceError, match="of disk") as info:
        check_fits(ResourceEstimate(memory=1, disk=10**6, what="a test"), tmp_path / "run")
    assert info.value.resource == "disk" and seen == [tmp_path / "run"]
    assert free_disk(tmp_path / "not" / "yet" / "there") > 0  # walks up to tmp_path


def test_machine_figures_and_formatting(monkeypatch):
    assert available_memory() > 0
    assert format_bytes(4e11) == "400 GB" and format_bytes(12) == "12 B"
    monkeypatch.setattr(resources, "available_memory", lambda: None)  # unknown: nothing refused for memory
    check_fits(ResourceEstimate(memory=10**30, disk=0, what="x"), ".")


def test_experiment_estimate_of_a_config_too_big_for_any_machine():
    text = ('name = "big"\n[ensemble]\nL = 100000\nbeta = 0.4\nn_samples = 100000\n'
            '[network]\nlayers = [4]\nepochs = 1\n')
    with pytest.raises(ResourceError, match="experiment 'big' needs"):
        check_fits(estimate_experiment(parse_config(text)), ".")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: estimate_sampling(0, 10), "L must be"),
        (lambda: estimate_sampling(4, -1), "n_samples"),
        (lambda: estimate_training(10, 16, []), "at least one layer"),
        (lambda: estimate_training(10, 16, [4], dtype="int8"), "float32 or float64"),
        (lambda: estimate_training(10, 16, [4], dtype="nonsense"), "float32 or float64"),
        (lambda: estimate_experiment({"ensemble": {}}), "ExperimentConfig"),
        (lambda: check_fits(10**9, "."), "ResourceEstimate"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(InvalidParameterError, match=message):
        call()
