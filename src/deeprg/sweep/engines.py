"""Where the stage tasks of a sweep run: in this process, in local worker processes, or on a Dask cluster.

An engine has one method, ``run(tasks, execute, on_done)``: it calls ``execute(task, threads,
*upstream outcomes)`` for every task after the tasks it reads, calls ``on_done(outcome)`` as each
finishes, and returns the outcomes by task key. Engines are context managers (they start and stop
their workers).

Local processes use :class:`distributed.LocalCluster` rather than joblib/loky: the local and the
cluster engine are then one code path (the same scheduler, the same task graph with dependencies,
the same handling of failures), so they cannot drift apart; a task whose worker dies (killed, out of
memory) is rescheduled on another worker by Dask, where loky would break the whole pool; and the
graph lets a cell's training start as soon as its own ensemble exists, not after every ensemble.
Its cost, a scheduler in a thread and a start-up of a second or two, is small next to a training.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from deeprg.errors import DeepRGError, InvalidParameterError
from deeprg.progress import Progress
from deeprg.resources import available_cores  # noqa: F401 - re-exported: the cores an engine divides
from deeprg.sweep.executor import FAILED, SKIPPED, StageOutcome, StageTask

__all__ = ["ClusterEngine", "Engine", "LocalEngine", "SchedulerError", "SerialEngine", "available_cores", "make_engine"]

logger = logging.getLogger(__name__)

#: Seconds to wait for a Dask scheduler to answer, and for its first worker.
CONNECT_TIMEOUT = 10.0

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


class SchedulerError(DeepRGError, ConnectionError):
    """A Dask scheduler cannot be reached, has no workers, or its workers cannot see the output directory."""


class Engine:
    """Base of the engines: a context manager with :meth:`run`."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Stop the engine's workers (nothing to do for an in-process engine)."""

    def run(self, tasks: Sequence[StageTask], execute: Callable[..., StageOutcome],
            on_done: Callable[[StageOutcome], None]) -> dict[str, StageOutcome]:
        """Run every task after those it reads; ``on_done`` as each finishes; outcomes by key."""
        raise NotImplementedError

    @contextmanager
    def reporter(self, progress: Progress) -> Iterator[Progress]:
        """A progress for the tasks' ``execute`` whose reports reach ``progress`` here (this one, in process)."""
        yield progress

    @property
    def description(self) -> str:
        """One line for the summary."""
        return type(self).__name__


class SerialEngine(Engine):
    """In this process, one task at a time, threads untouched (for libraries, tests, ``deeprg run``)."""

    def run(self, tasks: Sequence[StageTask], execute: Callable[..., StageOutcome],
            on_done: Callable[[StageOutcome], None]) -> dict[str, StageOutcome]:
        out: dict[str, StageOutcome] = {}
        for task in tasks:
            out[task.key] = execute(task, None, *(out[k] for k in task.after))
            on_done(out[task.key])
        return out

    @property
    def description(self) -> str:
        return "in this process"


class _DaskEngine(Engine):
    """Runs the task graph through a :class:`distributed.Client`; subclasses make the client."""

    client: Any = None

    def _threads(self) -> int | Mapping[str, int] | None:
        return None

    def run(self, tasks: Sequence[StageTask], execute: Callable[..., StageOutcome],
            on_done: Callable[[StageOutcome], None]) -> dict[str, StageOutcome]:
        from distributed import as_completed

        token, threads = uuid.uuid4().hex[:8], self._threads()
        futures: dict[str, Any] = {}
        for task in tasks:
            futures[task.key] = self.client.submit(
                execute, task, threads, *(futures[k] for k in task.after), priority=task.priority,
                key=f"deeprg-{task.stage.replace('/', '-')}-{task.input_hash[:16]}-{token}", pure=False)
        by_future = {f.key: k for k, f in futures.items()}
        by_key = {task.key: task for task in tasks}
        raw: dict[str, StageOutcome] = {}
        try:
            for future in as_completed(list(futures.values())):
                key = by_future[future.key]
                raw[key] = self._outcome(future, by_key[key])
                on_done(raw[key])
        except BaseException:  # interrupted (Ctrl-C, or on_done raised): nothing of this run goes on working
            self.client.cancel(list(futures.values()), force=True)
            raise
        return _skip_after_failures(tasks, raw)

    @contextmanager
    def reporter(self, progress: Progress) -> Iterator[Progress]:
        """Reports of the workers, sent as Dask events of a topic of their own and passed on to ``progress``."""
        from deeprg.sweep.rundir import WorkerProgress

        topic = f"deeprg-progress-{uuid.uuid4().hex[:8]}"
        self.client.subscribe_topic(topic, lambda event: progress(*event[1]))
        try:
            yield WorkerProgress(topic)
        finally:
            self.client.unsubscribe_topic(topic)

    @staticmethod
    def _outcome(future: Any, task: StageTask) -> StageOutcome:
        if future.status == "finished":
            return future.result()
        # the task never returned: its worker died too often (KilledWorker) or the graph was cut
        exc = future.exception()
        return StageOutcome(task.key, task.stage, task.input_hash, FAILED, error_type=type(exc).__name__,
                            error_message=str(exc), failed_stage=task.stage)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None


def _skip_after_failures(tasks: Sequence[StageTask], raw: dict[str, StageOutcome]) -> dict[str, StageOutcome]:
    """A task whose upstream task failed is skipped (Dask reports it as failed with the same error)."""
    out: dict[str, StageOutcome] = {}
    for task in tasks:
        failed = next((out[k] for k in task.after if not out[k].ok), None)
        if failed is not None and raw[task.key].status == FAILED:
            out[task.key] = StageOutcome(task.key, task.stage, task.input_hash, SKIPPED, error_type=failed.error_type,
                                         error_message=failed.error_message,
                                         failed_stage=failed.failed_stage or failed.stage)
        else:
            out[task.key] = raw[task.key]
    return out


class LocalEngine(_DaskEngine):
    """``n_workers`` local processes (a :class:`distributed.LocalCluster`), one task each at a time.

    Parameters
    ----------
    n_workers : int
        Worker processes.
    threads_per_worker : int, optional
        BLAS and numba threads of each worker; default ``cores // n_workers`` (at least 1), so that
        workers x threads = cores.
    """

    def __init__(self, n_workers: int, threads_per_worker: int | None = None) -> None:
        import dask
        from distributed import Client, LocalCluster

        if not isinstance(n_workers, int) or n_workers < 1:
            raise InvalidParameterError(f"the number of workers must be a positive integer (got {n_workers!r}).")
        self.n_workers = n_workers
        self.threads = threads_per_worker or max(1, available_cores() // n_workers)
        env = {name: str(self.threads) for name in _THREAD_VARIABLES}
        if logging.getLogger().getEffectiveLevel() > logging.INFO:  # Dask's own INFO lines only with --verbose
            logging.getLogger("distributed").setLevel(logging.ERROR)
        # Dask's statistical profiler samples every worker's stack every 10 ms for a dashboard this cluster does not
        # have; off, a worker measured the float32 GEMM peak 1-10% higher (the account's peak is measured on one)
        with dask.config.set({"distributed.worker.profile.enabled": False}):  # the nannies pass it to their workers
            self.cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=logging.ERROR, env=env)
        self.client = Client(self.cluster)

    def _threads(self) -> int:
        return self.threads

    def close(self) -> None:
        super().close()
        if getattr(self, "cluster", None) is not None:
            self.cluster.close()
            self.cluster = None

    @property
    def description(self) -> str:
        return f"{self.n_workers} local worker process(es) x {self.threads} thread(s)"


class ClusterEngine(_DaskEngine):
    """The workers of a running Dask scheduler (``tcp://host:8786``), which must share the output directory.

    Each worker gets ``cores of its host // tasks run at once on its host`` BLAS and numba threads.

    Parameters
    ----------
    address : str
        The scheduler's address.
    shared : path, optional
        A directory every worker must see (the sweep's output directory); checked on connecting.

    Raises
    ------
    SchedulerError
        The scheduler does not answer within :data:`CONNECT_TIMEOUT` seconds, has no worker, or a
        worker cannot see ``shared``. Nothing has been started.
    """

    def __init__(self, address: str, shared: str | os.PathLike[str] | None = None) -> None:
        from distributed import Client

        self.address = address
        try:
            self.client = Client(address, timeout=f"{CONNECT_TIMEOUT}s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise SchedulerError(
                f"cannot reach the Dask scheduler at {address!r} within {CONNECT_TIMEOUT:g} s ({type(exc).__name__}: "
                f"{exc}); start one (`dask scheduler`, then `dask worker {address}` on each machine) or check the "
                "address, or leave out --scheduler to run on local processes.") from None
        try:
            self.client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise SchedulerError(f"the Dask scheduler at {address!r} has no worker ({exc}); start one with "
                                 f"`dask worker {address}`.") from None
        if shared is not None:
            self._check_shared(os.path.abspath(shared))

    def _check_shared(self, path: str) -> None:
        seen = self.client.run(os.path.isdir, path)
        blind = sorted(worker for worker, ok in seen.items() if not ok)
        if blind:
            self.close()
            raise SchedulerError(f"Dask worker(s) {', '.join(blind)} cannot see the output directory {path}; the workers "
                                 "must share it (a network file system mounted at the same path).")

    def _threads(self) -> dict[str, int]:
        info = self.client.scheduler_info()["workers"]
        cores = self.client.run(available_cores)
        per_host: dict[str, int] = {}
        for worker in info.values():
            per_host[worker["host"]] = per_host.get(worker["host"], 0) + int(worker["nthreads"])
        return {address: max(1, int(cores.get(address, 1)) // per_host[w["host"]]) for address, w in info.items()}

    @property
    def description(self) -> str:
        workers = self.client.scheduler_info()["workers"] if self.client is not None else {}
        return f"Dask cluster {self.address} ({len(workers)} worker(s))"


def make_engine(workers: int | None = None, scheduler: str | None = None,
                shared: str | os.PathLike[str] | None = None) -> Engine:
    """The engine of ``--workers N`` (local processes, default: one per core) or ``--scheduler ADDRESS``.

    Parameters
    ----------
    workers : int, optional
        Local worker processes (:class:`LocalEngine`); default: one per core (:func:`available_cores`).
    scheduler : str, optional
        A Dask scheduler's address (:class:`ClusterEngine`).
    shared : path, optional
        The directory every cluster worker must see (the sweep's output directory).

    Returns
    -------
    Engine
        Its workers are started (or the cluster connected); use it as a context manager, which stops them.

    Raises
    ------
    InvalidParameterError
        Both are given.
    SchedulerError
        The scheduler is unreachable (see :class:`ClusterEngine`).
    """
    if workers is not None and scheduler is not None:
        raise InvalidParameterError("give either --workers (local processes) or --scheduler (a Dask cluster), not both.")
    if scheduler is not None:
        return ClusterEngine(scheduler, shared)
    return LocalEngine(workers or available_cores())
