"""`deeprg run --quick` end to end: every stage, the report, caching and resumption."""

import json

import numpy as np
import pytest

from deeprg.cli import main
from deeprg.experiment.accounting import blas_threads
from deeprg.experiment.config import load_config, resolve
from deeprg.experiment.pipeline import STAGE_FINISHED, STAGE_STARTED, run_experiment
from deeprg.resources import available_cores


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("run")
    config = resolve(load_config(None), quick=True, n_seeds=1)  # one training seed; a test adds the second
    events = []
    result = run_experiment(config, directory, progress=lambda stage, message, completed=None, total=None: events.append(
        (stage, message, completed, total)))
    return config, directory, result, events


def test_quick_run_writes_report_and_metrics(quick_run):
    config, directory, result, _ = quick_run
    assert result.report.exists() and result.metrics.exists()
    metrics = json.loads(result.metrics.read_text())
    assert set(metrics["variants"]) == set(config.network.variants)
    for variant in config.network.variants:
        layers = metrics["variants"][variant]["layers"]
        assert len(layers) == len(config.network.layers)
        for layer in layers:  # the documented minimum of the schema
            assert {"is_local", "z", "radius_of_gyration", "fitted_block_size"} <= set(layer)
    assert metrics["verdict"]["headline"]["status"] in ("yes", "partly", "no", "undetermined")
    assert [row["l1"] for row in metrics["scan"]] == list(config.scan.strengths)
    assert metrics["exact_1d"]["decimation"][0]["error"] < 1e-12
    assert json.loads((directory / "config.json").read_text())["name"] == config.name
    html = result.report.read_text()
    assert html.count('<img src="data:image/png;base64,') >= 10 and "http://" not in html


def test_rerun_skips_finished_stages(quick_run):
    config, directory, first, _ = quick_run
    again = run_experiment(config, directory)
    assert again.ran == []
    assert len(again.stages) == len(first.stages)


def test_changing_the_analysis_reruns_only_what_depends_on_it(quick_run, tmp_path):
    import shutil

    config, directory, _, _ = quick_run
    copy = tmp_path / "run"
    shutil.copytree(directory, copy)
    data = config.to_dict()
    data["analysis"]["n_surrogates"] += 1
    changed = type(config).from_dict(data)
    result = run_experiment(changed, copy)
    assert "ensemble" not in result.ran and not any(s.startswith("train/") for s in result.ran)
    assert {f"analyze/{v}" for v in config.network.variants} <= set(result.ran) and "report" in result.ran


def test_more_training_seeds_train_only_the_new_replicates(quick_run, tmp_path):
    """n_seeds 1 -> 2 keeps every finished stage; the replicates train with their own seeds and are measured alike."""
    import shutil

    config, directory, _, _ = quick_run
    copy = tmp_path / "run"
    shutil.copytree(directory, copy)
    two = resolve(config, n_seeds=2)
    result = run_experiment(two, copy)
    variants = config.network.variants
    assert set(result.ran) == ({f"train/{v}/replicate-1" for v in variants} | {f"analyze/{v}/replicate-1" for v in variants}
                               | {"report"})
    metrics = json.loads(result.metrics.read_text())
    assert metrics["config"]["n_seeds"] == 2 and two.training_seeds[0] == config.seed != two.training_seeds[1]
    for v in variants:
        (replicate,) = metrics["replicates"][v]
        assert (replicate["replicate"], replicate["training_seed"]) == (1, two.training_seeds[1])
        own, other = metrics["variants"][v]["layers"][0], replicate["network"]["layers"][0]
        assert other["n_units"] == own["n_units"] and other["compactness"] != own["compactness"]  # trained anew
        assert metrics["verdict"]["variants"][v]["n_seeds"] == 2
        assert len(metrics["verdict"]["variants"][v]["per_seed"]) == 2
    assert (copy / "models" / "l1.replicate-1.nc").exists() and (copy / "analysis" / "l1" / "replicate-1" / "metrics.json").exists()
    assert "trained 2 times, with 2 training seeds" in result.report.read_text()


def test_progress_reports_every_stage_with_work_done_and_total(quick_run):
    config, _, result, events = quick_run
    started = [e[0] for e in events if e[1] == STAGE_STARTED]
    finished = [e[0] for e in events if e[1] == STAGE_FINISHED]
    assert started == finished == [s.name for s in result.stages]
    for stage in [s for s in started if s.startswith(("train/", "scan/", "analyze/"))]:
        work = [(e[2], e[3]) for e in events if e[0] == stage and e[2] is not None]
        assert work, stage
        done = [w[0] for w in work]
        assert done == sorted(done) and all(w[1] == work[0][1] for w in work)  # monotone, one total
    # every variant, scikit-learn's included, reports every epoch of every layer and ends at its total
    for variant in config.network.variants:
        train = [e for e in events if e[0] == f"train/{variant}" and e[2] is not None]
        assert sum("epoch" in e[1] for e in train) == len(config.network.layers) * config.network.epochs
        assert train[-1][2] == pytest.approx(train[-1][3])
    for strength in config.scan.strengths:  # every strength of the scan is a stage, that ends at its epochs
        scan = [e for e in events if e[0] == f"scan/l1-{strength!r}" and e[2] is not None]
        assert scan[-1][2] == scan[-1][3] == config.scan.epochs


def test_an_interrupted_run_resumes_to_the_results_of_an_uninterrupted_one(quick_run, tmp_path):
    """Kill the run mid-layer in training, then mid-strength in the scan: each rerun continues from
    the last epoch's checkpoint, and the end result equals the uninterrupted run's, bit for bit."""
    from deeprg.rbm import DeepBeliefNetwork

    config, directory, _, _ = quick_run
    run_dir = tmp_path / "run"

    def epochs(events, stage):
        return [message for name, message in events if name == stage and "epoch" in message]

    def stop_at(stage, text, events):
        def progress(name, message, completed=None, total=None):
            events.append((name, message))
            if name == stage and text in message:
                raise KeyboardInterrupt
        return progress

    with pytest.raises(KeyboardInterrupt):
        run_experiment(config, run_dir, progress=stop_at("train/l1", "layer 2/3 (16 units), epoch 2/", []))
    assert len(list((run_dir / "models").glob(".l1-*.ckpt"))) == 1 and not (run_dir / "models" / "l1.nc").exists()
    events = []
    with pytest.raises(KeyboardInterrupt):
        run_experiment(config, run_dir, progress=stop_at("scan/l1-0.002", "epoch 3/", events))
    assert epochs(events, "train/l1")[0].startswith("training layer 2/3 (16 units), epoch 3/")  # resumed, not restarted
    assert (run_dir / "models" / "l1.nc").exists() and not list((run_dir / "models").glob(".*.ckpt"))
    assert [p.name for p in run_dir.glob("scan/*.json")] == ["0.0002.json"]
    assert [p.name.split("-")[0] for p in run_dir.glob("scan/.*.ckpt")] == [".0.002"]
    events = []
    result = run_experiment(config, run_dir, progress=stop_at("none", "never", events))
    assert "scan/l1-0.0002" not in result.ran  # the finished strength is kept
    assert epochs(events, "scan/l1-0.002")[0] == "L1 0.002, epoch 4/5"  # the interrupted one resumed
    assert {"scan/l1-0.002", "scan/l1-0.02", "scan"} <= set(result.ran) and not list(run_dir.glob("scan/.*.ckpt"))
    assert json.loads((run_dir / "scan.json").read_text()) == json.loads((directory / "scan.json").read_text())
    for variant in config.network.variants:
        ours, reference = (DeepBeliefNetwork.load(d / "models" / f"{variant}.nc") for d in (run_dir, directory))
        for a, b in zip(ours.layers_, reference.layers_, strict=True):
            assert np.array_equal(a.components_, b.components_) and np.array_equal(a.intercept_hidden_, b.intercept_hidden_)


def test_scan_rows_are_cached_by_their_own_inputs(quick_run, tmp_path):
    """Adding a strength trains only that one; an unreadable row is recomputed, not a traceback."""
    import shutil

    config, directory, _, _ = quick_run
    copy = tmp_path / "run"
    shutil.copytree(directory, copy)
    data = config.to_dict()
    data["scan"]["strengths"] = [*config.scan.strengths, 0.05]
    more = type(config).from_dict(data)
    (copy / "scan" / f"{config.scan.strengths[0]!r}.json").write_text("{ truncated")
    events = []
    result = run_experiment(more, copy, progress=lambda stage, message, completed=None, total=None: events.append(
        (stage, message)))
    assert result.ran == [f"scan/l1-{config.scan.strengths[0]!r}", "scan/l1-0.05", "scan", "report"]
    trained = {message.split(",")[0] for stage, message in events if stage.startswith("scan/") and "epoch" in message}
    assert trained == {f"L1 {config.scan.strengths[0]:g}", "L1 0.05"}
    scan = json.loads((copy / "scan.json").read_text())
    assert scan[:-1] == json.loads((directory / "scan.json").read_text())


def test_cli_run_quick_in_this_process(tmp_path, capsys):
    code = main(["run", "--quick", "--workers", "0", "--out", str(tmp_path / "r"), "--seed", "3"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "report:" in out and (tmp_path / "r" / "report.html").exists()
    assert json.loads((tmp_path / "r" / "config.json").read_text())["seed"] == 3
    account = json.loads((tmp_path / "r" / "metrics.json").read_text())["account"]
    # trainings on this process's BLAS threads, measurements on one (blas_threads=1); one after the other: the
    # run's seconds are the stages' sum
    threads = {stage["stage"]: stage["threads"] for stage in account["stages"]}
    assert {threads[s] for s in threads if s.startswith("train/")} == {blas_threads()}  # this process's, whatever limits it
    assert account["peak_threads"] == available_cores()  # the peak is that of every core
    assert {threads[s] for s in threads if s.startswith(("analyze/", "controls/"))} == {1}
    assert account["seconds"] == pytest.approx(account["stage_seconds"], abs=0.01)  # two clocks: microseconds apart


def test_cli_run_rejects_a_bad_config(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[ensemble]\nL = 16\nbeta = -1\nn_samples = 100\n')
    code = main(["run", str(bad), "--out", str(tmp_path / "r")])
    _, err = capsys.readouterr()
    assert code != 0 and "beta" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_cli_quick_run_on_default_workers_equals_the_serial_run(quick_run, tmp_path, capsys):
    """`deeprg run --quick` (one worker per core, one thread each): every number of metrics.json as in process
    (times aside), bit for bit: no result depends on how many threads BLAS had."""
    from tests.experiment.test_run_engines import numbers

    _, _, serial, _ = quick_run
    code = main(["run", "--quick", "--seeds", "1", "--out", str(tmp_path / "r")])
    assert code == 0, capsys.readouterr().err
    assert numbers(tmp_path / "r" / "metrics.json") == numbers(serial.metrics)
    account = json.loads((tmp_path / "r" / "metrics.json").read_text())["account"]
    cores = available_cores()
    expected = {account["peak_threads"]} if cores < 2 else {max(1, cores // min(cores, 8))}
    assert {stage["threads"] for stage in account["stages"]} == expected
