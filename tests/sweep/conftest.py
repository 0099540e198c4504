"""Tiny sweeps and a real Dask cluster (a `dask scheduler` and two `dask worker` processes on 127.0.0.1)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")

#: A cell of an 8 x 8 lattice, a 16-4 network trained 2 epochs: a few seconds.
TINY = """
[sweep]
name = "tiny"
base_quick = true

[set]
"ensemble.L" = 8
"ensemble.n_samples" = 200
"ensemble.n_held_out" = 100
"network.layers" = [16, 4]
"network.epochs" = 2
"network.variants" = ["l1"]
"analysis.n_surrogates" = 10
"analysis.n_samples" = 100
"""


def tiny(axes: str) -> str:
    """The tiny sweep with ``axes`` (TOML text of an [axes] table or [[points]])."""
    return TINY + axes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    return env


def _dask(*args: str) -> list[str]:
    exe = shutil.which("dask")
    return [exe, *args] if exe else [sys.executable, "-m", "dask", *args]


class DaskCluster:
    """A scheduler and workers started as subprocesses; ``address``, ``workers`` (Popen objects)."""

    def __init__(self, n_workers: int = 2, *, nanny: bool = True) -> None:
        port = _free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        self.scheduler = subprocess.Popen(_dask("scheduler", "--host", "127.0.0.1", "--port", str(port),
                                                "--dashboard-address", ":0"),
                                          env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        worker = ["worker", self.address, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"]
        worker += [] if nanny else ["--no-nanny"]
        self.workers = [subprocess.Popen(_dask(*worker), env=_env(), stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL) for _ in range(n_workers)]
        self._wait(n_workers)

    def _wait(self, n: int) -> None:
        from distributed import Client

        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(self.address, timeout="5s") as client:
                    client.wait_for_workers(n, timeout=max(1.0, deadline - time.monotonic()))
                    return
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.workers, self.scheduler]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def dask_cluster():
    """A real Dask cluster of two single-threaded workers on free ports, stopped after the module."""
    cluster = DaskCluster(2)
    yield cluster
    cluster.stop()


@pytest.fixture(autouse=True)
def _one_thread(monkeypatch):
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        monkeypatch.setenv(name, "1")
