"""Experiment configuration: loading, validation messages, quick mode, hashing."""

import json
import math
import os
import subprocess
import sys
from importlib import resources

import numpy as np
import pytest

from deeprg.errors import DeepRGError, InvalidParameterError
from deeprg.experiment.config import (
    DEFAULT_CONFIG,
    ConfigError,
    ExperimentConfig,
    builtin_configs,
    canonical_json,
    config_hash,
    load_config,
    parse_config,
    resolve,
)

K_C = math.log(1 + math.sqrt(2)) / 2

MINIMAL = """\
name = "tiny"

[ensemble]
L = 8
beta = 0.3
n_samples = 100

[network]
layers = [16]
epochs = 1
"""


def write(tmp_path, text, name="exp.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path, text):
    """The ConfigError raised when loading ``text`` from a file."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.splitlines()[0].endswith(f"{path}:"), "the first line names the file"
    assert "pydantic" not in message and "validation error for" not in message
    return info.value


def replace_line(text, old, new):
    assert old in text
    return text.replace(old, new, 1)


DEFAULT_TEXT = resources.files("deeprg.configs").joinpath(DEFAULT_CONFIG).read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- loading


def test_default_config_is_mehta_schwab():
    config = load_config()
    assert isinstance(config, ExperimentConfig)
    assert config.name == "mehta_schwab_2014"
    e, n, s, a = config.ensemble, config.network, config.scan, config.analysis
    assert (e.L, e.beta, e.coupling, e.K, e.n_samples, e.algorithm, e.n_chains) == (
        40,
        0.408,
        1.0,
        0.408,
        20000,
        "wolff",
        2,
    )
    assert (n.layers, n.epochs, n.learning_rate, n.batch_size, n.strength) == ([400, 100, 25], 50, 0.1, 100, 2e-4)
    assert n.variants == ["sklearn", "l1", "l2", "none"]
    assert s is not None and s.strengths == [2e-4, 5e-4, 1e-3, 2e-3, 8e-3] and s.epochs == 50
    assert s.n_components is None and config.scan_n_components == 400
    assert (a.n_surrogates, a.n_samples) == (200, 2000)
    assert config.seed == 0


def test_every_shipped_config_validates_and_resolves():
    names = builtin_configs()
    assert {"mehta_schwab_2014", "critical", "below_tc", "above_tc"} <= set(names)
    for name in names:
        config = load_config(name)
        assert config.name == name, "a shipped config's name is its file name"
        quick = resolve(config, quick=True)
        assert quick.ensemble.L < config.ensemble.L
        assert quick.ensemble.n_samples < config.ensemble.n_samples
        assert quick.network.epochs < config.network.epochs


def test_shipped_temperatures_bracket_the_critical_point():
    k = {name: load_config(name).ensemble.K for name in ("below_tc", "critical", "above_tc", "mehta_schwab_2014")}
    assert k["critical"] == pytest.approx(K_C, abs=1e-6)
    assert k["below_tc"] == 0.5 > K_C  # larger K = lower temperature: ordered
    assert k["above_tc"] == 0.38 < k["mehta_schwab_2014"] < K_C


def test_shipped_configs_are_package_data():
    folder = resources.files("deeprg.configs")
    for name in builtin_configs():
        assert folder.joinpath(f"{name}.toml").is_file()


def test_load_from_path_and_bare_name(tmp_path):
    config = load_config(write(tmp_path, MINIMAL))
    assert config.name == "tiny" and config.scan is None and config.quick == {}
    assert config.network.variants == ["sklearn", "l1", "l2", "none"]  # defaults fill in
    assert load_config("critical.toml") == load_config("critical")


def test_missing_file_lists_shipped_experiments(tmp_path):
    with pytest.raises(ConfigError, match="no such file") as info:
        load_config(tmp_path / "nope.toml")
    assert "mehta_schwab_2014" in str(info.value)


def test_config_error_is_a_deeprg_parameter_error():
    assert issubclass(ConfigError, InvalidParameterError)
    assert issubclass(ConfigError, DeepRGError)


# ----------------------------------------------------------------------------- errors


def test_unknown_key_suggests_the_right_one(tmp_path):
    text = MINIMAL + 'variant = ["l1"]\n'
    error = problems_of(tmp_path, text)
    assert "network.variant: unknown key (did you mean 'variants'?)" in error.problems


def test_unknown_table_and_unknown_key_without_match(tmp_path):
    text = MINIMAL.replace("[network]", "[netwrok]") + "\n[analysis]\nzzz = 1\n"
    error = problems_of(tmp_path, text)
    assert "netwrok: unknown key (did you mean 'network'?)" in error.problems
    assert "network: missing required table [network]" in error.problems
    assert any(p.startswith("analysis.zzz: unknown key (valid keys: n_surrogates") for p in error.problems)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("L = 8", 'L = "8"', "ensemble.L: must be an integer (got '8', a string)"),
        ("L = 8", "L = 8.0", "ensemble.L: must be an integer (got 8.0, a float)"),
        ("epochs = 1", "epochs = true", "network.epochs: must be an integer (got true, a boolean)"),
        ("beta = 0.3", 'beta = "0.3"', "ensemble.beta: must be a number (got '0.3', a string)"),
        ("layers = [16]", "layers = 16", "network.layers: must be an array (got 16, an integer)"),
        ("layers = [16]", "layers = [16, 2.5]", "network.layers[1]: must be an integer (got 2.5, a float)"),
    ],
)
def test_wrong_type(tmp_path, old, new, expected):
    error = problems_of(tmp_path, replace_line(MINIMAL, old, new))
    assert error.problems == [expected]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("beta = 0.3", "beta = -1", "ensemble.beta: must be > 0 (got -1)"),
        ("beta = 0.3", "beta = inf", "ensemble.beta: must be a finite number (got inf)"),
        ("L = 8", "L = 9", "ensemble.L: must be even (got 9)"),
        ("L = 8", "L = 2", "ensemble.L: must be >= 4 (got 2)"),
        ("n_samples = 100", "n_samples = 5", "ensemble.n_samples: must be >= 10 (got 5)"),
        ("beta = 0.3", "beta = 0.3\ncoupling = 0", "ensemble.coupling: must be non-zero (got 0)"),
        ("layers = [16]", "layers = []", "network.layers: must not be empty"),
        ("layers = [16]", "layers = [16, 0]", "network.layers[1]: must be >= 1 (got 0)"),
        (
            "epochs = 1",
            'epochs = 1\nvariants = ["l1", "l1"]',
            "network.variants: must not repeat a variant (repeated: 'l1')",
        ),
        (
            "n_samples = 100",
            'n_samples = 100\nalgorithm = "wolf"',
            "ensemble.algorithm: must be one of 'wolff', 'swendsen-wang', 'metropolis' (got 'wolf'); did you mean 'wolff'?",
        ),
        ('name = "tiny"', "seed = -3\nname = 'tiny'", "seed: must be >= 0 (got -3)"),
    ],
)
def test_out_of_range(tmp_path, old, new, expected):
    error = problems_of(tmp_path, replace_line(MINIMAL, old, new))
    assert error.problems == [expected]


def test_scan_strengths_must_be_sorted_and_positive(tmp_path):
    error = problems_of(tmp_path, MINIMAL + "\n[scan]\nstrengths = [1e-3, 1e-4]\nepochs = 1\n")
    assert error.problems == ["scan.strengths: must be in strictly increasing order (got [0.001, 0.0001])"]
    error = problems_of(tmp_path, MINIMAL + "\n[scan]\nstrengths = [0.0, 1e-4]\nepochs = 1\n")
    assert error.problems == ["scan.strengths[0]: must be > 0 (got 0.0)"]


def test_every_problem_is_reported_on_its_own_line(tmp_path):
    text = DEFAULT_TEXT
    text = replace_line(text, "beta = 0.408", "beta = -1")
    text = replace_line(text, "variants = [", "variant = [")
    error = problems_of(tmp_path, text)
    assert error.problems == [
        "ensemble.beta: must be > 0 (got -1)",
        "network.variant: unknown key (did you mean 'variants'?)",
    ]
    assert str(error).splitlines()[1:] == [f"  {p}" for p in error.problems]


def test_quick_overrides_are_validated_at_load_time(tmp_path):
    text = MINIMAL + "\n[quick.ensemble]\nL = 7\nn_sample = 3\n[quick.scan]\nepochs = 1\n"
    error = problems_of(tmp_path, text)
    assert "quick.ensemble.L: must be even (got 7)" in error.problems
    assert "quick.ensemble.n_sample: unknown key (did you mean 'n_samples'?)" in error.problems
    assert any(p.startswith("quick.scan: overrides the [scan] table") for p in error.problems)


def test_toml_syntax_error_gives_line_and_column(tmp_path):
    text = replace_line(MINIMAL, "beta = 0.3", "beta = 0.3.1")
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.splitlines()[0] == f"invalid TOML in {path}:"
    assert "line 5, column" in message
    assert "beta = 0.3.1" in message  # the offending line is quoted


def test_direct_construction_checks_quick_too():
    data = load_config().to_dict()
    data["quick"] = {"ensemble": {"L": 5}}
    with pytest.raises(ValueError, match=r"quick\.ensemble\.L: must be even"):
        ExperimentConfig.model_validate(data)


# ----------------------------------------------------------------------------- resolve


def test_quick_resolve_scales_down_and_keeps_the_rest():
    config = load_config()
    quick = resolve(config, quick=True)
    assert (quick.ensemble.L, quick.ensemble.n_samples) == (16, 2000)
    assert (quick.network.layers, quick.network.epochs) == ([64, 16, 4], 5)
    assert quick.scan.strengths == [2e-4, 2e-3, 2e-2] and quick.scan.epochs == 5
    assert quick.scan_n_components == 64
    assert (quick.analysis.n_surrogates, quick.analysis.n_samples) == (40, 500)
    # untouched keys survive the deep merge
    assert quick.ensemble.beta == 0.408 and quick.network.learning_rate == 0.1
    assert quick.network.variants == config.network.variants
    # the input is unchanged, and re-applying quick changes nothing
    assert config.ensemble.L == 40
    assert resolve(quick, quick=True) == quick
    assert resolve(config) == config


def test_seed_override():
    config = load_config()
    assert resolve(config, seed=123).seed == 123
    assert resolve(config, quick=True, seed=5).seed == 5
    assert config.seed == 0
    with pytest.raises(ConfigError, match=r"seed: must be >= 0 \(got -1\)"):
        resolve(config, seed=-1)
    with pytest.raises(ConfigError, match="seed: must be an integer"):
        resolve(config, seed=1.5)


def test_resolve_rejects_non_configs():
    with pytest.raises(InvalidParameterError, match="ExperimentConfig"):
        resolve({"name": "x"})


def test_to_dict_and_json_round_trip(tmp_path):
    config = resolve(load_config(), quick=True, seed=3)
    assert ExperimentConfig.from_dict(config.to_dict()) == config
    assert ExperimentConfig.from_dict(json.loads(config.to_json())) == config
    saved = tmp_path / "config.json"
    saved.write_text(config.to_json())
    assert load_config(saved) == config


# ----------------------------------------------------------------------------- hashing


def test_config_hash_is_stable():
    config = load_config()
    assert config_hash(config) == config_hash(load_config())
    assert config_hash(config) == config_hash(config.to_dict())
    assert config_hash({"a": 1, "b": [1.5, "x"]}) == config_hash({"b": [1.5, "x"], "a": 1})
    assert config_hash({"a": 1}) == "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"
    # the same in a fresh interpreter with a different string-hash seed
    code = "from deeprg.experiment.config import load_config, config_hash; print(config_hash(load_config()))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "123"},
    )
    assert out.stdout.strip() == config_hash(config)


def test_config_hash_is_sensitive():
    config = load_config()
    base = config_hash(config)
    assert config_hash(resolve(config, seed=1)) != base
    assert config_hash(resolve(config, quick=True)) != base
    changed = config.model_copy(update={"ensemble": config.ensemble.model_copy(update={"beta": 0.4080001})})
    assert config_hash(changed) != base
    assert config_hash(config.ensemble) != config_hash(config.network)
    assert config_hash({"a": 1}) != config_hash({"a": 1.0})
    assert config_hash([1, 2]) != config_hash([2, 1])


def test_canonical_json_accepts_numpy_and_rejects_nan():
    assert canonical_json({"x": np.arange(3), "y": np.float64(0.5)}) == '{"x":[0,1,2],"y":0.5}'
    with pytest.raises(InvalidParameterError):
        canonical_json({"x": float("nan")})
    with pytest.raises(InvalidParameterError):
        canonical_json({"x": object()})


def test_parse_config_names_its_source():
    with pytest.raises(ConfigError, match="invalid experiment configuration in <mine>"):
        parse_config("name = 'x'", source="<mine>")


def test_training_seeds_depend_only_on_the_seed_and_the_replicate():
    from deeprg.experiment.config import MAX_SEEDS, training_seed

    config = load_config(None)
    three = resolve(config, n_seeds=3, seed=5)
    assert three.training_seeds[0] == 5 and len(set(three.training_seeds)) == 3
    assert resolve(config, n_seeds=2, seed=5).training_seeds == three.training_seeds[:2]  # adding seeds keeps the others
    assert resolve(config, n_seeds=3, seed=6).training_seeds[1:] != three.training_seeds[1:]
    assert training_seed(5, 2) == three.training_seeds[2]
    for bad, message in ((0, "n_seeds: must be >= 1"), (MAX_SEEDS + 1, f"n_seeds: must be <= {MAX_SEEDS}")):
        with pytest.raises(ConfigError, match=message):
            resolve(config, n_seeds=bad)


def test_n_seeds_is_read_from_the_file():
    config = parse_config('name = "x"\nn_seeds = 3\n[ensemble]\nL = 8\nbeta = 0.3\nn_samples = 100\n'
                          '[network]\nlayers = [16]\nepochs = 1\n')
    assert config.n_seeds == 3
    with pytest.raises(ConfigError, match="n_seeds"):
        parse_config('name = "x"\nn_seeds = "two"\n[ensemble]\nL = 8\nbeta = 0.3\nn_samples = 100\n'
                     '[network]\nlayers = [16]\nepochs = 1\n')
