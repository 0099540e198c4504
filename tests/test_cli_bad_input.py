"""Every command given bad input, the way a hostile user would (issue 9).

Each case runs one command line and asserts that it fails the way a user can act on: a
non-zero exit, a message naming the problem (a distinctive word of it), no traceback, nothing
left behind (no output file or directory, no temporary file, the inputs unchanged) and no
hang (a time limit per case).

The cases run in-process through :func:`deeprg.cli.main`, the console script's own entry point
(typer's ``CliRunner`` would bypass it, and with it the one-line rendering of deeprg's errors
this file tests); a few run the installed entry point in a real process. The inputs (tiny
ensembles and a model, broken files, broken configurations) are made once per module.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from deeprg.cli import main

pytestmark = pytest.mark.timeout(60)

BIG = str(10**30)  # an absurdly large number (beyond 64 bits too)

TINY_CONFIG = """\
name = "tiny"
[ensemble]
L = 4
beta = 0.4
n_samples = 20
n_chains = 1
[network]
layers = [4]
epochs = 1
variants = ["l1"]
"""

#: Broken experiment configurations: file name -> text.
CONFIGS = {
    "syntax.toml": 'name = "tiny\n[ensemble]\n',
    "unknown_key.toml": TINY_CONFIG.replace("beta = 0.4", "beta = 0.4\ncolour = 'red'"),
    "wrong_type.toml": TINY_CONFIG.replace("L = 4", 'L = "four"'),
    "out_of_range.toml": TINY_CONFIG.replace("beta = 0.4", "beta = -1.0"),
    "bad_quick.toml": TINY_CONFIG + "[quick.ensemble]\nL = 5\n",
    "quick_unknown.toml": TINY_CONFIG + "[quick.network]\nlayer = [2]\n",
    "too_big.toml": TINY_CONFIG.replace("L = 4", "L = 100000").replace("n_samples = 20", "n_samples = 100000"),
    "empty.toml": "",
    "tiny.toml": TINY_CONFIG,  # valid: the base of the `run` cases
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Named inputs: tiny ensembles (L = 4 and 6), a model, broken files, configurations."""
    d = tmp_path_factory.mktemp("inputs")
    cwd = os.getcwd()
    os.chdir(d)
    try:
        for L in (4, 6):
            assert main(["sample", "--size", str(L), "--beta", "0.4", "--n-samples", "50", "--seed", "0",
                         "--n-thermalize", "20", "--spacing", "1", "--out", f"ens{L}.nc"]) == 0
        assert main(["train", "ens4.nc", "--layers", "4,2", "--epochs", "1", "--seed", "0", "--out", "model.nc"]) == 0
    finally:
        os.chdir(cwd)
    (d / "notes.txt").write_text("not a deeprg file\n")
    (d / "random.nc").write_bytes(os.urandom(4096))
    (d / "empty.nc").write_bytes(b"")
    data = (d / "ens4.nc").read_bytes()
    (d / "truncated.nc").write_bytes(data[: len(data) // 2])
    (d / "adir").mkdir()
    (d / "afile").write_text("a regular file, in the way of a directory\n")
    for name, text in CONFIGS.items():
        (d / name).write_text(text)
    names = {p.name.replace(".", "_"): str(p) for p in d.iterdir()}
    return d, names


def _snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(directory)): (p.stat().st_size, p.stat().st_mtime_ns) for p in directory.rglob("*")}


SAMPLE = ["sample", "--size", "4", "--beta", "0.4", "--n-samples", "20", "--out", "{out}"]
TRAIN = ["train", "{ens4_nc}", "--layers", "4", "--epochs", "1", "--out", "{out}"]
ANALYZE = ["analyze", "{model_nc}", "{ens4_nc}", "--surrogates", "5", "--out", "{outdir}"]
RUN = ["run", "{tiny_toml}", "--quick", "--out", "{outdir}"]


def case(name, argv, word, *, id=None):
    return pytest.param(argv, word, id=f"{argv[0]}-{id or name}")


# (command line, a word of the expected message). Later options override earlier ones.
CASES = [
    # ---------------------------------------------------------------- sample: every option
    *[case(f"{opt}={value}", SAMPLE + [opt, value], word) for opt, value, word in [
        ("--size", "four", "valid integer"),
        ("--size", "-4", "L must be"),
        ("--size", "0", "L must be"),
        ("--size", "1", "L must be"),
        ("--size", "4.5", "valid integer"),
        ("--size", BIG, "memory"),
        ("--beta", "hot", "valid number"),
        ("--beta", "-0.4", "beta"),
        ("--beta", "0", "beta"),
        ("--beta", "nan", "beta"),
        ("--beta", "inf", "beta"),
        ("--beta", "-inf", "beta"),
        ("--n-samples", "many", "valid integer"),
        ("--n-samples", "-1", "n_samples"),
        ("--n-samples", "0", "n_samples"),
        ("--n-samples", BIG, "memory"),
        ("--algorithm", "heatbath", "unknown algorithm"),
        ("--algorithm", "", "unknown algorithm"),
        ("--coupling", "strong", "valid number"),
        ("--coupling", "0", "coupling"),
        ("--coupling", "nan", "coupling"),
        ("--coupling", "inf", "coupling"),
        ("--seed", "-1", "random_state"),
        ("--seed", "zero", "valid integer"),
        ("--n-chains", "0", "n_chains"),
        ("--n-chains", "-2", "n_chains"),
        ("--n-chains", "two", "valid integer"),
        ("--n-chains", BIG, "memory"),
        ("--n-thermalize", "-1", "n_thermalize"),
        ("--n-thermalize", "soon", "expected 'auto' or an integer"),
        ("--n-thermalize", "nan", "expected 'auto' or an integer"),
        ("--n-thermalize", BIG, "memory"),
        ("--spacing", "0", "spacing"),
        ("--spacing", "-3", "spacing"),
        ("--spacing", "often", "expected 'auto' or an integer"),
        ("--spacing", BIG, "at most"),
    ]],
    case("out-is-dir", SAMPLE + ["--out", "{adir}"], "is a directory"),
    case("out-exists", SAMPLE + ["--out", "{ens6_nc}"], "--overwrite"),
    case("out-under-file", SAMPLE + ["--out", "{afile}/x.nc"], "not a directory"),
    case("out-missing-dir", SAMPLE + ["--out", "{missing}/x.nc"], "does not exist"),
    case("out-in-proc", SAMPLE + ["--out", "/proc/deeprg-x.nc"], "not writable"),
    case("huge-issue-9", ["sample", "--size", "20000", "--beta", "0.4", "--n-samples", "1000000", "--out", "{out}"],
         "memory"),
    case("unknown-option", SAMPLE + ["--temperature", "2"], "No such option"),
    case("missing-option", ["sample", "--size", "4", "--out", "{out}"], "Missing option"),
    # ---------------------------------------------------------------- train: the input file
    *[case(f"input-{kind}", ["train", path, "--out", "{out}"], word) for kind, path, word in [
        ("directory", "{adir}", "directory"),
        ("missing", "{missing}", "does not exist"),
        ("text", "{notes_txt}", "not a netCDF4/HDF5 file"),
        ("random-bytes", "{random_nc}", "not a netCDF4/HDF5 file"),
        ("empty", "{empty_nc}", "empty"),
        ("truncated", "{truncated_nc}", "corrupt"),
        ("a-model", "{model_nc}", "not an ensemble"),
    ]],
    # ---------------------------------------------------------------- train: every option
    *[case(f"{opt}={value}", TRAIN + [opt, value], word) for opt, value, word in [
        ("--variant", "dropout", "unknown variant"),
        ("--layers", "eight", "--layers"),
        ("--layers", "4,-1", "--layers"),
        ("--layers", "0", "--layers"),
        ("--layers", "", "--layers"),
        ("--layers", "4,nan", "--layers"),
        ("--layers", f"{10**7},{10**7}", "memory"),
        ("--epochs", "-1", "n_iter"),
        ("--epochs", "many", "valid integer"),
        ("--epochs", BIG, "at most"),
        ("--strength", "-1e-3", "strength"),
        ("--strength", "nan", "strength"),
        ("--strength", "inf", "strength"),
        ("--strength", "lots", "valid number"),
        ("--learning-rate", "0", "learning_rate"),
        ("--learning-rate", "-0.1", "learning_rate"),
        ("--learning-rate", "nan", "learning_rate"),
        ("--learning-rate", "inf", "learning_rate"),
        ("--learning-rate", "fast", "valid number"),
        ("--batch-size", "0", "batch_size"),
        ("--batch-size", "-10", "batch_size"),
        ("--batch-size", "ten", "valid integer"),
        ("--cd-k", "0", "cd_k"),
        ("--cd-k", "-1", "cd_k"),
        ("--cd-k", BIG, "at most"),
        ("--penalty-method", "bogus", "penalty_method"),
        ("--seed", "-1", "random_state"),
        ("--seed", "x", "valid integer"),
    ]],
    *[case(f"sklearn{'+'.join(extra)}", TRAIN + ["--variant", "sklearn", *extra], word) for extra, word in [
        (["--strength", "1e-3"], "no penalty"),
        (["--cd-k", "3"], "not an option of the sklearn variant"),
        (["--persistent"], "not an option of the sklearn variant"),
        (["--penalty-method", "proximal"], "not an option of the sklearn variant"),
        (["--learning-rate", "nan"], "learning_rate"),
        (["--epochs", "-1"], "invalid scikit-learn BernoulliRBM parameter"),
    ]],
    case("none+strength", TRAIN + ["--variant", "none", "--strength", "1e-3"], "without a penalty"),
    case("out-is-dir", TRAIN + ["--out", "{adir}"], "is a directory"),
    case("out-exists", TRAIN + ["--out", "{model_nc}"], "--overwrite"),
    case("out-under-file", TRAIN + ["--out", "{afile}/m.nc"], "not a directory"),
    case("out-in-proc", TRAIN + ["--out", "/proc/deeprg-m.nc"], "not writable"),
    # ---------------------------------------------------------------- analyze: both inputs, options, output
    *[case(f"model-{kind}", ["analyze", path, "{ens4_nc}", "--out", "{outdir}"], word) for kind, path, word in [
        ("directory", "{adir}", "directory"),
        ("missing", "{missing}", "does not exist"),
        ("text", "{notes_txt}", "not a netCDF4/HDF5 file"),
        ("random-bytes", "{random_nc}", "not a netCDF4/HDF5 file"),
        ("empty", "{empty_nc}", "empty"),
        ("an-ensemble", "{ens4_nc}", "model"),
    ]],
    *[case(f"ensemble-{kind}", ["analyze", "{model_nc}", path, "--out", "{outdir}"], word) for kind, path, word in [
        ("directory", "{adir}", "directory"),
        ("text", "{notes_txt}", "not a netCDF4/HDF5 file"),
        ("truncated", "{truncated_nc}", "corrupt"),
        ("a-model", "{model_nc}", "not an ensemble"),
        ("other-size", "{ens6_nc}", "visible units"),
    ]],
    *[case(f"{opt}={value}", ANALYZE + [opt, value], word) for opt, value, word in [
        ("--surrogates", "0", "--surrogates"),
        ("--surrogates", "1", "--surrogates"),
        ("--surrogates", "-5", "--surrogates"),
        ("--surrogates", BIG, "--surrogates"),
        ("--surrogates", "some", "valid integer"),
        ("--seed", "-1", "random_state"),
        ("--seed", "nan", "valid integer"),
    ]],
    case("out-is-file", ANALYZE + ["--out", "{afile}"], "existing file"),
    case("out-under-file", ANALYZE + ["--out", "{afile}/a1"], "existing file"),
    case("out-in-proc", ANALYZE + ["--out", "/proc/deeprg-a1"], "not writable"),
    # ---------------------------------------------------------------- info
    *[case(kind, ["info", path], word) for kind, path, word in [
        ("directory", "{adir}", "directory"),
        ("missing", "{missing}", "does not exist"),
        ("text", "{notes_txt}", "not a netCDF4/HDF5 file"),
        ("random-bytes", "{random_nc}", "not a netCDF4/HDF5 file"),
        ("empty", "{empty_nc}", "empty"),
        ("truncated", "{truncated_nc}", "corrupt"),
    ]],
    # ---------------------------------------------------------------- run: configurations, options, output
    *[case(f"config-{name}", ["run", f"{{{name.replace('.', '_')}}}", "--quick", "--out", "{outdir}"], word)
      for name, word in [
        ("syntax.toml", "invalid TOML"),
        ("unknown_key.toml", "unknown key"),
        ("wrong_type.toml", "ensemble.L"),
        ("out_of_range.toml", "ensemble.beta"),
        ("bad_quick.toml", "quick"),
        ("quick_unknown.toml", "quick.network.layer"),
        ("too_big.toml", "memory"),
        ("empty.toml", "ensemble"),
        ("notes.txt", "invalid TOML"),
        ("random.nc", "cannot read"),
        ("model.nc", "cannot read"),
    ]],
    case("config-directory", ["run", "{adir}", "--out", "{outdir}"], "directory"),
    case("config-missing", ["run", "{missing}", "--out", "{outdir}"], "no such file"),
    case("seed=-1", RUN + ["--seed", "-1"], "seed"),
    case("seed=x", RUN + ["--seed", "x"], "valid integer"),
    case("out-is-file", RUN + ["--out", "{afile}"], "existing file"),
    case("out-under-file", RUN + ["--out", "{afile}/run"], "existing file"),
    case("out-in-proc", RUN + ["--out", "/proc/deeprg-run"], "not writable"),
    case("quick-out-is-file-issue-9", ["run", "--quick", "--out", "{ens4_nc}"], "existing file"),
    case("workers=-1", RUN + ["--workers", "-1"], "--workers"),
    case("workers=two", RUN + ["--workers", "two"], "valid integer"),
    case("workers=big", RUN + ["--workers", BIG], "--workers"),
    case("workers=2000", RUN + ["--workers", "2000"], "at most 1,024"),
    case("workers-and-scheduler", RUN + ["--workers", "2", "--scheduler", "tcp://127.0.0.1:9"], "not both"),
    case("scheduler-unreachable", RUN + ["--scheduler", "tcp://127.0.0.1:9"], "cannot reach the Dask scheduler"),
    case("scheduler-not-an-address", RUN + ["--scheduler", "no such host"], "cannot reach the Dask scheduler"),
    # ---------------------------------------------------------------- commands that do not exist
    case("no-such-command", ["report", "{outdir}"], "No such command"),
]


@pytest.mark.parametrize("argv, word", CASES)
def test_bad_input_is_refused_cleanly(argv, word, files, tmp_path, monkeypatch, capsys):
    directory, names = files
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # default outputs (runs/<name>) would land here
    paths = {**names, "out": str(work / "out.nc"), "outdir": str(work / "results"), "missing": str(work / "missing")}
    before = _snapshot(directory)
    code = main([arg.format(**paths) for arg in argv])
    stdout, stderr = capsys.readouterr()
    assert code != 0
    assert word.lower() in stderr.lower(), stderr
    assert "Traceback" not in stdout + stderr
    assert sorted(os.listdir(work)) == [], "left behind"
    assert _snapshot(directory) == before, "an input changed"


@pytest.mark.parametrize(
    "argv, word",
    [
        (["sample", "--size", "4", "--beta", "nan", "--n-samples", "5", "--out", "{out}"], "beta"),
        (["sample", "--size", "100000", "--beta", "0.4", "--n-samples", "100000", "--out", "{out}"], "memory"),
        (["run", "--quick", "--out", "{ens4_nc}"], "existing file"),
        (["info", "{truncated_nc}"], "corrupt"),
    ],
    ids=["sample-nan", "sample-huge", "run-out-is-file", "info-truncated"],
)
def test_console_script_refuses_cleanly(argv, word, files, tmp_path):
    """The real entry point in a real process (one line on stderr, exit code 2)."""
    directory, names = files
    before = _snapshot(directory)
    paths = {**names, "out": str(tmp_path / "out.nc")}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1] / "src"),
                                                        os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "deeprg.cli", *(a.format(**paths) for a in argv)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: ") and word in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert os.listdir(tmp_path) == []
    assert _snapshot(directory) == before

