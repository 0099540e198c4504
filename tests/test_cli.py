"""The command-line interface: a real run, `info`, and every bad-input path (one line, no traceback)."""

import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

from deeprg.cli import main
from deeprg.io import load_ensemble


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_sample_writes_ensemble_and_summary(tmp_path, capsys):
    out = tmp_path / "ising.nc"
    code, stdout, err = run(["sample", "--size", "8", "--beta", "0.408", "--n-samples", "200", "--seed", "0",
                             "--out", str(out)], capsys)
    assert code == 0, err
    samples = load_ensemble(out)
    assert samples.n_samples == 200 and samples.L == 8 and samples.seed == 0 and samples.algorithm == "wolff"
    for word in ("energy per site", "exact", "Binder", "tau_int", "spacing", "samples in"):
        assert word in stdout
    with xr.open_dataset(out) as ds:
        assert ds.attrs["format"] == "deeprg.ensemble"


def test_same_seed_same_file_contents(tmp_path, capsys):
    args = ["sample", "-L", "6", "--beta", "0.3", "-n", "50", "--seed", "7", "-a", "metropolis"]
    assert run(args + ["--out", str(tmp_path / "a.nc")], capsys)[0] == 0
    assert run(args + ["--out", str(tmp_path / "b.nc")], capsys)[0] == 0
    a, b = load_ensemble(tmp_path / "a.nc"), load_ensemble(tmp_path / "b.nc")
    np.testing.assert_array_equal(a.spins, b.spins)


def test_info_describes_ensemble(tmp_path, capsys):
    out = tmp_path / "e.nc"
    run(["sample", "-L", "6", "--beta", "0.3", "-n", "40", "--seed", "1", "-o", str(out)], capsys)
    code, stdout, _ = run(["info", str(out)], capsys)
    assert code == 0
    assert "wolff" in stdout and "40 from 1 chain" in stdout and "energy per site" in stdout


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--beta", "-0.4"], "beta (inverse temperature) must be a finite number > 0"),
        (["--beta", "0"], "beta (inverse temperature) must be a finite number > 0"),
        (["--size", "0"], "L must be an integer >= 2"),
        (["--n-samples", "0"], "n_samples must be an integer >= 1"),
        (["--algorithm", "heatbath"], "unknown algorithm 'heatbath'"),
        (["--size", "5", "--algorithm", "metropolis"], "even lattice size"),
        (["--spacing", "often"], "expected 'auto' or an integer"),
    ],
)
def test_bad_input_gives_one_clear_line(tmp_path, capsys, extra, message):
    out = tmp_path / "x.nc"
    args = ["sample", "--size", "6", "--beta", "0.4", "--n-samples", "10", "--out", str(out)]
    # later options override earlier ones
    code, _, err = run(args + extra, capsys)
    assert code != 0
    assert message in err
    assert "Traceback" not in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary files either


def test_existing_output_needs_overwrite(tmp_path, capsys):
    out = tmp_path / "x.nc"
    out.write_bytes(b"precious")
    code, _, err = run(["sample", "-L", "4", "--beta", "0.4", "-n", "5", "-o", str(out)], capsys)
    assert code != 0 and "--overwrite" in err and out.read_bytes() == b"precious"
    code, _, err = run(["sample", "-L", "4", "--beta", "0.4", "-n", "5", "-o", str(out), "--overwrite"], capsys)
    assert code == 0, err
    assert load_ensemble(out).n_samples == 5


def test_unwritable_output(tmp_path, capsys):
    code, _, err = run(["sample", "-L", "4", "--beta", "0.4", "-n", "5", "-o", str(tmp_path / "missing" / "x.nc")], capsys)
    assert code != 0 and "missing" in err and "Traceback" not in err


def test_info_on_a_file_that_is_not_an_ensemble(tmp_path, capsys):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not an ensemble")
    code, _, err = run(["info", str(bogus)], capsys)
    assert code != 0 and "error:" in err and "Traceback" not in err
    code, _, err = run(["info", str(tmp_path / "absent.nc")], capsys)
    assert code != 0 and "absent.nc" in err


def test_console_script_reports_errors_without_traceback(tmp_path):
    """The installed entry point, in a real process."""
    proc = subprocess.run(
        [sys.executable, "-m", "deeprg.cli", "sample", "--size", "4", "--beta", "-1", "--n-samples", "3",
         "--out", str(tmp_path / "x.nc")],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert proc.stderr.startswith("error: beta (inverse temperature) must be a finite number > 0")


@pytest.fixture
def ensemble_file(tmp_path, capsys):
    path = tmp_path / "ising.nc"
    assert run(["sample", "-L", "6", "--beta", "0.4", "-n", "300", "--seed", "0", "-o", str(path)], capsys)[0] == 0
    return path


@pytest.mark.parametrize("variant", ["l1", "sklearn"])
def test_train_writes_a_model_and_info_describes_it(tmp_path, capsys, ensemble_file, variant):
    out = tmp_path / f"{variant}.nc"
    code, stdout, err = run(["train", str(ensemble_file), "--variant", variant, "--layers", "8,4", "--epochs", "2",
                             "--seed", "0", "--out", str(out)], capsys)
    assert code == 0, err
    assert f"{variant} network 36-8-4" in stdout
    from deeprg.rbm import DeepBeliefNetwork

    dbn = DeepBeliefNetwork.load(out)
    assert [layer.n_components for layer in dbn.layers_] == [8, 4]
    assert not out.with_name(out.name + ".ckpt").exists()
    code, stdout, _ = run(["info", str(out)], capsys)
    assert code == 0 and "2 layer(s)" in stdout and "36 -> 8" in stdout


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--layers", "8,0"], "--layers must be comma-separated positive integers"),
        (["--layers", "eight"], "--layers must be comma-separated positive integers"),
        (["--variant", "dropout"], "unknown variant 'dropout'"),
        (["--epochs", "-1"], "n_iter must be an integer >= 0"),
        (["--variant", "sklearn", "--epochs", "-1"], "invalid scikit-learn BernoulliRBM parameter"),
        (["--variant", "sklearn", "--batch-size", "0"], "invalid scikit-learn BernoulliRBM parameter"),
        (["--variant", "sklearn", "--cd-k", "3"], "cd_k: not an option of the sklearn variant"),
        (["--variant", "sklearn", "--persistent"], "persistent: not an option of the sklearn variant"),
        (["--cd-k", "0"], "cd_k must be an integer >= 1"),
        (["--penalty-method", "bogus"], "penalty_method must be one of"),
    ],
)
def test_train_bad_input(tmp_path, capsys, ensemble_file, extra, message):
    out = tmp_path / "m.nc"
    code, _, err = run(["train", str(ensemble_file), "--out", str(out), "--epochs", "1", *extra], capsys)
    assert code != 0 and message in err and "Traceback" not in err
    assert not out.exists()


def test_train_passes_the_sampling_options_to_every_layer(tmp_path, capsys, ensemble_file):
    from deeprg.rbm import DeepBeliefNetwork

    out = tmp_path / "pcd.nc"
    code, _, err = run(["train", str(ensemble_file), "--layers", "8,4", "--epochs", "1", "--cd-k", "2", "--persistent",
                        "--penalty-method", "proximal", "--strength", "0.01", "--out", str(out)], capsys)
    assert code == 0, err
    for layer in DeepBeliefNetwork.load(out).layers_:
        params = layer.get_params()
        assert (params["cd_k"], params["persistent"], params["penalty_method"]) == (2, True, "proximal")


def test_train_refuses_a_file_that_is_not_an_ensemble(tmp_path, capsys, ensemble_file):
    model = tmp_path / "m.nc"
    run(["train", str(ensemble_file), "--layers", "4", "--epochs", "1", "--out", str(model)], capsys)
    code, _, err = run(["train", str(model), "--out", str(tmp_path / "n.nc")], capsys)
    assert code != 0 and "not an ensemble" in err


def test_train_resume_continues_an_interrupted_run(tmp_path, capsys, ensemble_file):
    """Interrupt training in the second layer, then `--resume` finishes with the uninterrupted model."""
    from deeprg.io import load_ensemble
    from deeprg.rbm import DeepBeliefNetwork, LambdaCallback, make_layers

    args = ["--layers", "8,4", "--epochs", "3", "--seed", "0"]
    whole = tmp_path / "whole.nc"
    assert run(["train", str(ensemble_file), *args, "--out", str(whole)], capsys)[0] == 0

    class Interrupt(Exception):
        pass

    def interrupt(estimator, epoch, logs):
        if estimator.n_components == 4 and epoch == 2:
            raise Interrupt

    out = tmp_path / "resumed.nc"
    X = load_ensemble(ensemble_file).as_binary(np.float32)
    layers = make_layers("l1", [8, 4], n_iter=3, callbacks=[LambdaCallback(interrupt)])
    with pytest.raises(Interrupt):  # what the CLI does, killed mid-layer
        DeepBeliefNetwork(layers, random_state=0).fit(X, checkpoint=out.with_name(out.name + ".ckpt"))
    code, _, err = run(["train", str(ensemble_file), *args, "--out", str(out)], capsys)
    assert code != 0 and "--resume" in err and not out.exists()
    code, _, err = run(["train", str(ensemble_file), *args, "--out", str(out), "--resume"], capsys)
    assert code == 0, err
    a, b = DeepBeliefNetwork.load(whole), DeepBeliefNetwork.load(out)
    for la, lb in zip(a.layers_, b.layers_, strict=True):
        np.testing.assert_array_equal(la.components_, lb.components_)


def test_train_without_a_seed_resumes_with_the_seed_it_drew(tmp_path, capsys, ensemble_file, monkeypatch):
    """No --seed: the drawn seed is kept in the checkpoint, so --resume continues the same run."""
    from deeprg.rbm import DeepBeliefNetwork, LambdaCallback

    args = ["--layers", "8,4", "--epochs", "3"]
    out = tmp_path / "m.nc"
    fit = DeepBeliefNetwork.fit

    def killed_in_layer_2(self, X, **kwargs):
        def hook(estimator, epoch, logs):
            if estimator.n_components == 4 and epoch == 2:  # layer 2 of 8,4
                raise KeyboardInterrupt
        return fit(self, X, **kwargs, callbacks=[LambdaCallback(hook)])

    monkeypatch.setattr(DeepBeliefNetwork, "fit", killed_in_layer_2)
    assert run(["train", str(ensemble_file), *args, "--out", str(out)], capsys)[0] == 130
    monkeypatch.setattr(DeepBeliefNetwork, "fit", fit)
    code, _, err = run(["train", str(ensemble_file), *args, "--out", str(out), "--resume"], capsys)
    assert code == 0, err
    resumed = DeepBeliefNetwork.load(out)
    seed = resumed.random_state
    assert isinstance(seed, int)
    whole = tmp_path / "whole.nc"
    assert run(["train", str(ensemble_file), *args, "--seed", str(seed), "--out", str(whole)], capsys)[0] == 0
    for a, b in zip(DeepBeliefNetwork.load(whole).layers_, resumed.layers_, strict=True):
        np.testing.assert_array_equal(a.components_, b.components_)


def test_train_interrupted_keeps_its_checkpoint(tmp_path, capsys, ensemble_file, monkeypatch):
    from deeprg.rbm import DeepBeliefNetwork

    out = tmp_path / "m.nc"
    checkpoint = out.with_name(out.name + ".ckpt")

    def killed(self, X, **kwargs):
        checkpoint.write_bytes(b"progress")  # what the real fit has written by then
        raise KeyboardInterrupt

    monkeypatch.setattr(DeepBeliefNetwork, "fit", killed)
    code, _, err = run(["train", str(ensemble_file), "--layers", "4", "--epochs", "1", "--out", str(out)], capsys)
    assert code == 130
    assert "--resume" in err and str(checkpoint) in err
    assert checkpoint.exists() and not out.exists()
