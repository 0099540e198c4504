"""``network.backend`` / ``network.device`` and ``deeprg run --backend/--device``: defaults keep every hash."""

from __future__ import annotations

import pytest

from deeprg.errors import ConfigError
from deeprg.experiment.config import (
    ExperimentConfig,
    builtin_configs,
    config_hash,
    load_config,
    parse_config,
    resolve,
    with_backend,
)
from deeprg.experiment.pipeline import plan
from deeprg.experiment.stages import input_hashes

SMALL = 'name = "x"\n[ensemble]\nL = 8\nbeta = 0.3\nn_samples = 100\n[network]\nlayers = [16]\nepochs = 1\n'


def hashes(config):
    return {"config": config_hash(config), **input_hashes(plan(config), config.to_dict())}


@pytest.mark.parametrize("name", builtin_configs())
def test_the_default_backend_changes_no_hash(name):
    config = resolve(load_config(name), quick=True)
    assert "backend" not in config.to_dict()["network"] and "device" not in config.to_dict()["network"]
    explicit = with_backend(config, backend="numpy", device="cpu")
    assert (explicit.network.backend, explicit.network.device) == ("numpy", "cpu")
    assert hashes(explicit) == hashes(config)


def test_a_config_naming_the_default_backend_hashes_as_one_that_does_not():
    plain = parse_config(SMALL)
    named = parse_config(SMALL + 'backend = "numpy"\ndevice = "cpu"\n')
    assert hashes(named) == hashes(plain)


def test_torch_changes_the_training_hashes_not_the_ensembles():
    plain = resolve(load_config(), quick=True)
    before, after = hashes(plain), hashes(with_backend(plain, device="cuda"))
    assert after["ensemble"] == before["ensemble"]  # the data do not depend on the backend
    assert after["train/l1"] != before["train/l1"]  # the trainings draw other random numbers
    torch_config = with_backend(plain, device="cuda")
    assert torch_config.network.rbm_backend == {"backend": "torch", "device": "cuda"}
    assert ExperimentConfig.from_dict(torch_config.to_dict()).network.rbm_backend == {"backend": "torch", "device": "cuda"}


@pytest.mark.parametrize("text, word", [
    ('backend = "jax"\n', "network.backend: must be one of 'numpy', 'torch'"),
    ('device = "cuda"\n', "device = 'cuda' needs backend = 'torch'"),
    ('backend = "torch"\ndevice = "tpu"\n', "network.device: must be one of 'cpu', 'cuda'"),
])
def test_bad_backend_keys_are_config_errors(text, word):
    with pytest.raises(ConfigError, match=word.replace("(", r"\(")):
        parse_config(SMALL + text)


def test_with_backend_refuses_cuda_on_numpy():
    with pytest.raises(ConfigError, match="needs backend = 'torch'"):
        with_backend(load_config(), backend="numpy", device="cuda")
    assert with_backend(load_config()) == load_config()
