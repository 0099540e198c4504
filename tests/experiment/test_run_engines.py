"""`deeprg run`'s stages on an engine (Runner(engine=...)): the numbers of the run in process, bit for bit;
each stage reported started then finished, after the stages it reads; an interrupted run resumes."""

from __future__ import annotations

import json

import pytest

from deeprg.experiment.config import ExperimentConfig, load_config, resolve
from deeprg.experiment.pipeline import STAGE_FINISHED, STAGE_SKIPPED, STAGE_STARTED, plan, run_experiment
from deeprg.sweep.engines import LocalEngine, SerialEngine


def numbers(path):
    """metrics.json without what differs between runs: the stages' times (and their account) and each training's
    wall-clock time."""
    def strip(x, where=""):
        if isinstance(x, dict):
            return {k: strip(v, f"{where}/{k}") for k, v in x.items()
                    if not (where == "" and k in ("timings", "account", "deeprg_version")) and not (k == "time" and "training" in where)}
        return [strip(v, where) for v in x] if isinstance(x, list) else x
    return strip(json.loads(path.read_text()))


@pytest.fixture(scope="module")
def tiny():
    """Two variants, two training seeds, a scan of two strengths on an 8 x 8 lattice: a few seconds per stage."""
    data = resolve(load_config(None), quick=True, n_seeds=2).to_dict()
    del data["quick"]
    data["ensemble"].update(L=8, n_samples=300, n_held_out=200)
    data["network"].update(layers=[16, 4], epochs=2, variants=["l1", "none"])
    data["scan"].update(strengths=[0.002, 0.02], epochs=2)
    data["analysis"].update(n_surrogates=10, n_samples=100, controls=False)
    return ExperimentConfig.from_dict(data)


@pytest.fixture(scope="module")
def serial(tiny, tmp_path_factory):
    directory = tmp_path_factory.mktemp("serial")
    return run_experiment(tiny, directory)


@pytest.fixture(scope="module")
def engine():
    with LocalEngine(2) as engine:
        yield engine


def test_two_local_workers_give_the_serial_numbers_and_report_each_stage_in_order(tiny, serial, engine, tmp_path):
    events = []
    result = run_experiment(tiny, tmp_path, engine=engine, progress=lambda s, m, c=None, t=None: events.append((s, m, c, t)))
    assert numbers(result.metrics) == numbers(serial.metrics)
    assert [s.name for s in result.stages] == [s.name for s in serial.stages] == result.ran
    stages = plan(tiny)
    order = [(e[0], e[1]) for e in events if e[1] in (STAGE_STARTED, STAGE_FINISHED)]
    assert sorted(order) == sorted([(s.name, m) for s in stages for m in (STAGE_STARTED, STAGE_FINISHED)])
    for stage in stages:  # started after what it reads finished, then finished; its work reported in between
        start, end = order.index((stage.name, STAGE_STARTED)), order.index((stage.name, STAGE_FINISHED))
        assert all(order.index((name, STAGE_FINISHED)) < start for name in stage.after) and start < end
        first = next(i for i, e in enumerate(events) if e[0] == stage.name)
        last = max(i for i, e in enumerate(events) if e[0] == stage.name)
        assert events[first][1] == STAGE_STARTED and events[last][1] == STAGE_FINISHED
    for name in ("train/l1/replicate-1", "scan/l1-0.02"):  # the workers' work messages reach the driver
        assert any(e[0] == name and e[2] is not None for e in events), name
    again = []
    assert run_experiment(tiny, tmp_path, engine=engine, progress=lambda *e: again.append(e)).ran == []
    assert [e[0] for e in again if e[1] == STAGE_SKIPPED] == [s.name for s in stages]


@pytest.mark.slow
def test_a_parallel_run_interrupted_resumes_to_the_same_numbers(tiny, serial, tmp_path):
    """Interrupted when a training is done (others running): the rerun (in process) keeps what finished."""
    def stop(stage, message, completed=None, total=None):
        if stage == "train/l1" and message == STAGE_FINISHED:
            raise KeyboardInterrupt

    with LocalEngine(2) as engine, pytest.raises(KeyboardInterrupt):
        run_experiment(tiny, tmp_path, engine=engine, progress=stop)
    assert (tmp_path / "models" / "l1.nc").exists() and not (tmp_path / "metrics.json").exists()
    result = run_experiment(tiny, tmp_path)
    assert "train/l1" not in result.ran and "report" in result.ran
    assert numbers(result.metrics) == numbers(serial.metrics)


def test_a_failing_stage_is_named_the_stages_after_it_skipped_and_the_others_kept(tiny, tmp_path):
    """On the in-process engine (the same path as the workers'): a directory is where the ensemble goes."""
    from deeprg.sweep.rundir import StageFailedError

    (tmp_path / "ensemble.nc").mkdir(parents=True)
    events = []
    with pytest.raises(StageFailedError, match="1 stage.*ensemble: "):
        run_experiment(tiny, tmp_path, engine=SerialEngine(), progress=lambda *e: events.append(e[:2]))
    assert (tmp_path / "exact_1d.json").exists() and (tmp_path / "held_out.nc").exists()  # they do not read it
    assert not (tmp_path / "models").exists() and not (tmp_path / "metrics.json").exists()
    assert [m for s, m in events if s == "ensemble"][-1].startswith("failed: ")
    assert not [s for s, m in events if s.startswith(("train/", "scan"))]  # skipped, silently


def test_a_stage_declared_on_one_blas_thread_runs_on_one_wherever_it_runs(tmp_path):
    """The measurements' stages declare blas_threads=1; compute_stage applies it and records it."""
    from deeprg.experiment.accounting import blas_threads
    from deeprg.experiment.stages import Stage, compute_stage

    seen = {}

    def work(context, key):
        seen[key] = blas_threads()
        (context.directory / f"{key}.txt").write_text("done")

    config = resolve(load_config(None), quick=True)
    (tmp_path / ".stages").mkdir()
    for name, limit in (("pinned", 1), ("free", None)):
        stage = Stage(name, (f"{name}.txt",), work, params={"key": name}, blas_threads=limit)
        record = compute_stage(tmp_path, config, True, stage, {name: "h"}, [], lambda *a: None)
        assert record.threads == seen[name]
    assert seen["pinned"] == 1
    assert seen["free"] == blas_threads()  # this process's own setting, untouched
    measuring = {s.name: s.blas_threads for s in plan(config)}
    assert all(measuring[n] == 1 for n in measuring if n.startswith(("analyze/", "controls/")))
    assert all(measuring[n] is None for n in measuring if n.startswith(("train/", "scan/")))


def test_the_largest_stages_are_offered_first(tiny, tmp_path):
    """Tasks carry priorities: trainings (most FLOPs) before scan strengths before measurements, plan order
    between equals, so that a parallel run does not end on one long training."""
    seen = []

    class Recording(SerialEngine):
        def run(self, tasks, execute, on_done):
            seen.extend(tasks)
            return super().run(tasks, execute, on_done)

    run_experiment(tiny, tmp_path, engine=Recording())
    priority = {task.stage: task.priority for task in seen}
    trainings = [s for s in priority if s.startswith("train/")]
    scans = [s for s in priority if s.startswith("scan/")]
    rest = [s for s in priority if not s.startswith(("train/", "scan/"))]
    assert min(priority[s] for s in trainings) > max(priority[s] for s in scans) > max(priority[s] for s in rest)
    ordered = sorted(trainings, key=priority.get, reverse=True)
    assert ordered == trainings  # equal FLOPs: plan order
