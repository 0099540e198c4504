"""Cells as a graph of stage tasks, one task per distinct input hash, run on an engine.

:func:`run_cells` is the one way to run many experiments: each cell's stages are those of
``deeprg run`` (:func:`deeprg.experiment.pipeline.plan`, with the optional ones switched off), their
input hashes are :func:`deeprg.experiment.stages.input_hashes` of the cell's configuration (the same
as a ``deeprg run`` of that configuration), and cells that share a stage's inputs share one task:
one ensemble per (lattice, coupling, seed) serves every network trained on it. A task whose artifact
is already in the store (:class:`~deeprg.sweep.store.ArtifactStore`) costs a file read.

A stage that raises is recorded with its error (type and message) in a :class:`StageOutcome`; the
stages after it are skipped, and every other task runs on. Seeds come from each cell's configuration,
so results do not depend on the engine, the number of workers or the order in which tasks finish.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from deeprg import __version__
from deeprg.experiment.config import ExperimentConfig
from deeprg.experiment.pipeline import plan
from deeprg.experiment.results import NetworkMetrics
from deeprg.experiment.stages import Context, Stage, StageRecord, input_hashes, read_json
from deeprg.progress import Progress, silent
from deeprg.sweep.spec import Cell
from deeprg.sweep.store import ArtifactStore

__all__ = ["CellResult", "StageOutcome", "StageTask", "cell_stages", "execute_stage", "run_cells", "stage_tasks"]

logger = logging.getLogger(__name__)

COMPUTED, CACHED, FAILED, SKIPPED = "computed", "cached", "failed", "skipped"


@dataclass(frozen=True)
class StageTask:
    """One stage with one input hash: the unit of work an engine runs.

    Attributes
    ----------
    key : str
        ``"<stage>@<input hash>"``.
    stage, input_hash : str
    config : dict
        The configuration of (the first) cell that needs it, as plain data.
    hashes : dict of str to str
        Input hashes of that cell's whole plan (:attr:`deeprg.experiment.stages.Context.hashes`).
    after : tuple of str
        Keys of the tasks whose artifacts it reads.
    priority : float, default 0
        Dask's priority: of the tasks waiting on a worker, a higher one starts first (Dask hands ready
        tasks to workers as they become ready, so this orders each worker's queue); the largest
        first, so that a run is less likely to end on one long stage while the other workers wait.
    """

    key: str
    stage: str
    input_hash: str
    config: dict[str, Any]
    hashes: dict[str, str]
    after: tuple[str, ...]
    priority: float = 0.0


@dataclass(frozen=True)
class StageOutcome:
    """What became of a task: computed, found in the store, failed (with its error) or skipped."""

    key: str
    stage: str
    input_hash: str
    status: str
    seconds: float = 0.0
    error_type: str | None = None
    error_message: str | None = None
    failed_stage: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the artifact is in the store."""
        return self.status in (COMPUTED, CACHED)


@dataclass(frozen=True)
class CellResult:
    """One cell after the run: its status, its error, its time and the metrics of its networks.

    Attributes
    ----------
    cell : Cell
    status : str
        ``"ok"`` or ``"failed"``.
    failed_stage, error_type, error_message : str or None
        The first stage of the cell that failed and its exception.
    seconds : float
        Compute time of the cell's stages when they were computed (shared stages count in every cell).
    computed : list of str
        Stages of the cell computed by this run (the others were in the store or failed).
    stages : dict of str to str
        Input hash of each stage of the cell.
    metrics : dict of str to NetworkMetrics
        Per variant, the ``analyze/<variant>`` result (empty when the cell failed).
    """

    cell: Cell
    status: str
    failed_stage: str | None
    error_type: str | None
    error_message: str | None
    seconds: float
    computed: list[str]
    stages: dict[str, str]
    metrics: dict[str, NetworkMetrics] = field(default_factory=dict)


# ---------------------------------------------------------------------- the task graph
def cell_stages(config: ExperimentConfig, *, scan: bool = False, controls: bool = False,
                report: bool = False) -> list[Stage]:
    """The stages of ``deeprg run`` a cell runs: data, training and analysis, and the optional ones asked for.

    Parameters
    ----------
    config : ExperimentConfig
        The cell's resolved experiment.
    scan, controls : bool, default False
        Run the L1 scan, the control networks.
    report : bool, default False
        Write the cell's HTML report; then every stage runs (the report reads them all).

    Returns
    -------
    list of Stage
        In the order of :func:`deeprg.experiment.pipeline.plan`.
    """
    stages = plan(config)
    if report:
        return stages
    # a stage goes with its group: "scan" and its rows "scan/...", "controls" and its parts "controls/..."
    dropped = {"exact_1d", "report"} | {group for group, kept in (("scan", scan), ("controls", controls)) if not kept}
    return [s for s in stages if s.name.split("/")[0] not in dropped]


def stage_tasks(cells: Sequence[Cell], **options: bool) -> tuple[list[StageTask], list[list[str]]]:
    """Every distinct stage task of ``cells``, in an order that runs each after what it reads.

    Parameters
    ----------
    cells : sequence of Cell
    **options
        ``scan``, ``controls``, ``report`` of :func:`cell_stages`.

    Returns
    -------
    tasks : list of StageTask
    keys : list of list of str
        Per cell, the keys of its tasks in plan order.
    """
    tasks: dict[str, StageTask] = {}
    keys = []
    for cell in cells:
        data = cell.config.to_dict()
        hashes = input_hashes(plan(cell.config), data)
        own = []
        for stage in cell_stages(cell.config, **options):
            key = f"{stage.name}@{hashes[stage.name]}"
            own.append(key)
            if key not in tasks:
                after = tuple(f"{name}@{hashes[name]}" for name in stage.after)
                tasks[key] = StageTask(key, stage.name, hashes[stage.name], data, hashes, after)
        keys.append(own)
    return list(tasks.values()), keys


# ---------------------------------------------------------------------- one task, on a worker
@contextmanager
def _threads(threads: int | Mapping[str, int] | None):
    """Limit BLAS and numba threads to ``threads`` (a number, or a number per Dask worker address)."""
    if isinstance(threads, Mapping):
        from distributed import get_worker

        threads = threads.get(get_worker().address, 1)
    if threads is None:
        yield
        return
    import numba
    from threadpoolctl import threadpool_limits

    before = numba.get_num_threads()
    numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    try:
        with threadpool_limits(limits=int(threads)):
            yield
    finally:
        numba.set_num_threads(before)


def execute_stage(store_root: str, resume: bool, task: StageTask, threads: int | Mapping[str, int] | None,
                  *upstream: StageOutcome) -> StageOutcome:
    """Run one task (unless its artifact is in the store or an upstream task failed) and say what became of it.

    Runs on the engine's workers; everything it needs is in its arguments and in the store.

    Parameters
    ----------
    store_root : str
        The artifact store (:class:`~deeprg.sweep.store.ArtifactStore`), at the same path on every worker.
    resume : bool
        Continue the stage from what an interrupted attempt left in its work directory (else start over).
    task : StageTask
        The task.
    threads : int, dict of str to int, or None
        BLAS and numba threads while it runs: a number, a number per Dask worker address, or None
        (leave them as they are).
    *upstream : StageOutcome
        The outcomes of the tasks it reads (:attr:`StageTask.after`).

    Returns
    -------
    StageOutcome
        ``"computed"``, ``"cached"``, ``"failed"`` (with the exception's type and message) or
        ``"skipped"`` (an upstream task failed).
    """
    failed = next((u for u in upstream if not u.ok), None)
    if failed is not None:
        return StageOutcome(task.key, task.stage, task.input_hash, SKIPPED, error_type=failed.error_type,
                            error_message=failed.error_message, failed_stage=failed.failed_stage or failed.stage)
    store = ArtifactStore(store_root)
    record = store.record(task.stage, task.input_hash)
    if record is not None:
        return StageOutcome(task.key, task.stage, task.input_hash, CACHED, float(record.get("seconds", 0.0)))
    try:
        with _threads(threads):
            seconds = _compute(store, task, resume, upstream)
    except Exception as exc:  # a failing cell is recorded, and the others run on
        shutil.rmtree(store.work_path(task.stage, task.input_hash), ignore_errors=True)
        logger.warning("stage %s failed: %s: %s", task.key, type(exc).__name__, exc)
        return StageOutcome(task.key, task.stage, task.input_hash, FAILED, error_type=type(exc).__name__,
                            error_message=str(exc), failed_stage=task.stage)
    return StageOutcome(task.key, task.stage, task.input_hash, COMPUTED, seconds)


def _compute(store: ArtifactStore, task: StageTask, resume: bool, upstream: Sequence[StageOutcome]) -> float:
    config = ExperimentConfig.from_dict(task.config)
    stage = next(s for s in plan(config) if s.name == task.stage)
    inputs = {u.stage: u.input_hash for u in upstream}
    work = store.prepare(task.stage, task.input_hash, inputs, resume=resume)
    records = [StageRecord(u.stage, u.input_hash, [], u.seconds) for u in upstream]
    context = Context(work, config, resume, silent, task.input_hash, task.hashes, records)
    start = time.perf_counter()
    stage.work(context, **stage.params)
    seconds = time.perf_counter() - start
    store.commit(task.stage, task.input_hash, {"name": task.stage, "input_hash": task.input_hash,
                                               "outputs": list(stage.outputs), "seconds": seconds,
                                               "deeprg_version": __version__})
    return seconds


# ---------------------------------------------------------------------- many cells
def run_cells(
    cells: Sequence[Cell],
    store_root: str | Path,
    *,
    engine: Any = None,
    resume: bool = True,
    progress: Progress | None = None,
    **options: bool,
) -> list[CellResult]:
    """Run every cell's stages on ``engine`` and return one typed result per cell, in the cells' order.

    Parameters
    ----------
    cells : sequence of Cell
        The experiments (:attr:`deeprg.sweep.SweepSpec.cells`, or any built by hand).
    store_root : path
        The artifact store (:class:`~deeprg.sweep.store.ArtifactStore`), shared by every worker.
    engine : Engine, optional
        Where the tasks run (:mod:`deeprg.sweep.engines`); default: in this process, one at a time.
    resume : bool, default True
        Continue stages interrupted earlier from their checkpoints (else they start over).
    progress : Progress, optional
        Reports ``("sweep", "<stage> <status> (<cells>)", tasks done, tasks)`` as tasks finish.
    **options
        ``scan``, ``controls``, ``report``: the optional stages (:func:`cell_stages`).

    Returns
    -------
    list of CellResult
    """
    from deeprg.sweep.engines import SerialEngine

    engine = engine or SerialEngine()
    say = progress or silent
    tasks, keys = stage_tasks(cells, **options)
    users: dict[str, list[str]] = {}
    for cell, own in zip(cells, keys, strict=True):
        for key in own:
            users.setdefault(key, []).append(cell.label)
    done: list[StageOutcome] = []

    def on_done(outcome: StageOutcome) -> None:
        done.append(outcome)
        where = users[outcome.key]
        text = f"{outcome.stage} {outcome.status}" + (f" in {outcome.seconds:.1f} s" if outcome.status == COMPUTED else "")
        if outcome.status == FAILED:
            text += f": {outcome.error_type}: {outcome.error_message}"
        say("sweep", f"{text} ({where[0]}{f' and {len(where) - 1} more' if len(where) > 1 else ''})",
            len(done), len(tasks))

    say("sweep", f"{len(cells)} cells, {len(tasks)} distinct stages", 0, len(tasks))
    outcomes = engine.run(tasks, partial(execute_stage, str(store_root), resume), on_done)
    return [_cell_result(cell, [outcomes[k] for k in own], ArtifactStore(store_root)) for cell, own in
            zip(cells, keys, strict=True)]


def _cell_result(cell: Cell, outcomes: list[StageOutcome], store: ArtifactStore) -> CellResult:
    failed = next((o for o in outcomes if not o.ok), None)
    metrics = {}
    if failed is None:
        for o in outcomes:
            if o.stage.startswith("analyze/") and o.stage.count("/") == 1:  # not analyze/<v>/replicate-<k>
                variant = o.stage.split("/", 1)[1]
                data = read_json(store.path(o.stage, o.input_hash) / "analysis" / variant / "metrics.json")
                metrics[variant] = NetworkMetrics.from_dict(data)
    return CellResult(cell=cell, status="ok" if failed is None else "failed",
                      failed_stage=None if failed is None else (failed.failed_stage or failed.stage),
                      error_type=None if failed is None else failed.error_type,
                      error_message=None if failed is None else failed.error_message,
                      seconds=sum(o.seconds for o in outcomes), computed=[o.stage for o in outcomes if o.status == COMPUTED],
                      stages={o.stage: o.input_hash for o in outcomes}, metrics=metrics)


#: The type of the function an engine runs for each task: ``execute(task, threads, *upstream outcomes)``.
Execute = Callable[..., StageOutcome]
