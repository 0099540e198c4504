"""`deeprg mcrg`: mcrg.json and its table, and bad input refused the house way (tests/test_cli_bad_input.py)."""

from __future__ import annotations

import json
import os

import pytest

from deeprg.cli import main
from deeprg.experiment.results import MCRGMetrics

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A 16x16 ensemble near K_c, a 16x16 model (64-16), a 4x4 ensemble and a text file."""
    d = tmp_path_factory.mktemp("mcrg_inputs")
    cwd = os.getcwd()
    os.chdir(d)
    try:
        for L, n in ((16, 300), (4, 50)):
            assert main(["sample", "--size", str(L), "--beta", "0.4406868", "--n-samples", str(n), "--seed", "0",
                         "--out", f"ens{L}.nc"]) == 0
        assert main(["train", "ens16.nc", "--layers", "64,16", "--epochs", "1", "--seed", "0", "--out", "m16.nc"]) == 0
    finally:
        os.chdir(cwd)
    (d / "notes.txt").write_text("not a deeprg file\n")
    (d / "afile").write_text("in the way\n")
    return d


def test_writes_mcrg_json_and_prints_the_table(files, tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["mcrg", str(files / "ens16.nc"), "--model", str(files / "m16.nc"), "--controls", "--out", str(out)]) == 0
    metrics = MCRGMetrics.from_dict(json.loads((out / "mcrg.json").read_text()))
    assert metrics.lattice == 16 and metrics.states == "sampled" and len(metrics.block_spins) == 2
    assert [n.name for n in metrics.networks][:2] == ["m16", "majority_rule"]
    assert all(layer.placed for layer in metrics.networks[1].layers)  # the exact block stack is on its lattice
    assert not any(layer.placed for layer in metrics.networks[4].layers)  # random_dense: not local
    assert [c.level for c in metrics.block_spin_couplings] == [0, 1, 2]
    stdout = capsys.readouterr().out
    assert "block spins" in stdout and "y_t (1)" in stdout and "mcrg.json in" in stdout


@pytest.mark.parametrize("argv, word", [
    (["mcrg", "{ens4}", "--out", "{outdir}"], "levels"),  # 4x4: no coarse lattice of >= 4 sites
    (["mcrg", "{ens16}", "--levels", "0", "--out", "{outdir}"], "levels"),
    (["mcrg", "{ens16}", "--levels", "9", "--out", "{outdir}"], "divisible"),
    (["mcrg", "{ens16}", "--levels", "two", "--out", "{outdir}"], "valid integer"),
    (["mcrg", "{ens16}", "--seed", "-1", "--out", "{outdir}"], "random_state"),
    (["mcrg", "{notes}", "--out", "{outdir}"], "not a netCDF4/HDF5 file"),
    (["mcrg", "{missing}", "--out", "{outdir}"], "does not exist"),
    (["mcrg", "{m16}", "--out", "{outdir}"], "not an ensemble"),
    (["mcrg", "{ens16}", "--model", "{ens16}", "--out", "{outdir}"], "model"),
    (["mcrg", "{ens4}", "--model", "{m16}", "--levels", "1", "--out", "{outdir}"], "visible units"),
    (["mcrg", "{ens16}", "--out", "{afile}"], "existing file"),
    (["mcrg", "{ens16}"], "Missing option"),
], ids=["tiny-lattice", "levels-0", "levels-too-many", "levels-word", "seed", "text", "missing", "a-model",
        "model-is-ensemble", "model-other-size", "out-is-file", "no-out"])
def test_bad_input_is_refused_cleanly(argv, word, files, tmp_path, monkeypatch, capsys):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    paths = {"ens4": str(files / "ens4.nc"), "ens16": str(files / "ens16.nc"), "m16": str(files / "m16.nc"),
             "notes": str(files / "notes.txt"), "afile": str(files / "afile"), "missing": str(work / "missing"),
             "outdir": str(work / "results")}
    code = main([arg.format(**paths) for arg in argv])
    stdout, stderr = capsys.readouterr()
    assert code != 0
    assert word.lower() in stderr.lower(), stderr
    assert "Traceback" not in stdout + stderr
    assert sorted(os.listdir(work)) == [], "left behind"
