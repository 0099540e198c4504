"""Engines: the same sweep.nc bit for bit on the in-process engine, 1 and 2 local workers and a real Dask cluster;
an unreachable scheduler starts nothing; a killed worker or a killed sweep costs time, not results."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import dask
import pytest
import xarray as xr
from tests.sweep.conftest import SRC, DaskCluster, _env, tiny

from deeprg.sweep import parse_sweep
from deeprg.sweep.dataset import TIMING_VARIABLES
from deeprg.sweep.engines import ClusterEngine, LocalEngine, SchedulerError
from deeprg.sweep.run import run_sweep

AXES = '[axes]\n"ensemble.beta" = [0.3, 0.5]\n'


def _physics(path):
    """The dataset without its times (the only variables that differ between runs)."""
    with xr.open_dataset(path) as ds:
        return ds.drop_vars(TIMING_VARIABLES).load()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The sweep on the in-process engine."""
    return _physics(run_sweep(parse_sweep(tiny(AXES)), tmp_path_factory.mktemp("serial")).dataset)


#: Smaller cells than the others' (1 layer of 16 units, 1 epoch, 100 samples), for the default suite.
SMALLER = {'"ensemble.n_samples" = 200': '"ensemble.n_samples" = 100', '"ensemble.n_held_out" = 100':
           '"ensemble.n_held_out" = 50', '"network.layers" = [16, 4]': '"network.layers" = [16]',
           '"network.epochs" = 2': '"network.epochs" = 1', '"analysis.n_samples" = 100': '"analysis.n_samples" = 50'}


def _smaller(text):
    for old, new in SMALLER.items():
        assert old in text
        text = text.replace(old, new)
    return text


def test_dask_cluster_equals_in_process_bit_for_bit(dask_cluster, tmp_path):
    """A real cluster (`dask scheduler` + 2 `dask worker` processes) in the default suite, on small cells."""
    sweep = parse_sweep(_smaller(tiny(AXES)))
    reference = _physics(run_sweep(sweep, tmp_path / "serial").dataset)
    with ClusterEngine(dask_cluster.address, shared=tmp_path) as engine:
        result = run_sweep(sweep, tmp_path / "cluster", engine=engine)
    assert [r.status for r in result.cells] == ["ok", "ok"]
    xr.testing.assert_identical(_physics(result.dataset), reference)


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_local_workers_equal_in_process_bit_for_bit(workers, reference, tmp_path):
    with LocalEngine(workers) as engine:
        result = run_sweep(parse_sweep(tiny(AXES)), tmp_path, engine=engine)
    xr.testing.assert_identical(_physics(result.dataset), reference)


def _worker_settings() -> tuple[bool, str | None]:
    return dask.config.get("distributed.worker.profile.enabled"), os.environ.get("OPENBLAS_NUM_THREADS")


def test_local_workers_run_without_dasks_profiler_and_with_their_share_of_threads():
    with LocalEngine(2, threads_per_worker=1) as engine:
        settings = engine.client.run(_worker_settings)
    assert sorted(settings.values()) == [(False, "1"), (False, "1")]
    assert dask.config.get("distributed.worker.profile.enabled") is True  # this process's config is left as it was


def test_unreachable_scheduler_gives_a_readable_error_and_starts_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr("deeprg.sweep.engines.CONNECT_TIMEOUT", 1.0)
    from tests.sweep.conftest import _free_port

    from deeprg.cli import main

    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(SchedulerError, match="cannot reach the Dask scheduler"):
        ClusterEngine(address)
    sweep = tmp_path / "s.toml"
    sweep.write_text(tiny(AXES))
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "out"), "--scheduler", address]) == 2
    assert not (tmp_path / "out" / "store").exists()


@pytest.mark.slow
def test_killed_worker_mid_cell_is_redone(reference, tmp_path):
    cluster = DaskCluster(2, nanny=False)
    try:
        with ClusterEngine(cluster.address, shared=tmp_path) as engine:
            pids = engine.client.run(os.getpid)
            killed = []

            def kill_when_training() -> None:
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline and not killed:
                    busy = [w for w, tasks in engine.client.processing().items() if any("train" in t for t in tasks)]
                    if busy and list((tmp_path / "store").rglob(".work-*")):
                        os.kill(pids[busy[0]], signal.SIGKILL)
                        killed.append(busy[0])
                    time.sleep(0.05)

            killer = threading.Thread(target=kill_when_training)
            killer.start()
            result = run_sweep(parse_sweep(tiny(AXES)), tmp_path, engine=engine)
            killer.join()
        assert killed, "no worker was killed"
        assert [r.status for r in result.cells] == ["ok", "ok"]
        xr.testing.assert_identical(_physics(result.dataset), reference)
    finally:
        cluster.stop()


@pytest.mark.slow
def test_killed_sweep_resumes_to_the_same_result(reference, tmp_path):
    sweep = tmp_path / "s.toml"
    sweep.write_text(tiny(AXES))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "deeprg.cli", "sweep", str(sweep), "--out", str(out), "--workers", "1"]
    process = subprocess.Popen(command, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list((out / "store").glob("train/l1/*")):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the sweep, its scheduler and its workers
    process.wait()
    assert not (out / "sweep.nc").exists()
    done = subprocess.run([*command, "--resume"], env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    xr.testing.assert_identical(_physics(out / "sweep.nc"), reference)
    assert SRC  # the subprocesses ran this source tree (conftest._env)
