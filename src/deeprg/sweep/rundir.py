"""One run directory's plan (``deeprg run``) on an engine: every stage as soon as the stages it reads are done.

:class:`deeprg.experiment.stages.Runner` with an ``engine`` calls :func:`run_plan`. The stages that are
up to date are skipped here (as the serial runner skips them); the others become the tasks of the
engine (:mod:`deeprg.sweep.engines`, the same submission code as a sweep's), each reading only the
tasks of the stages it declares, so independent trainings (variants, training seeds, the strengths of
the L1 scan) run at once. Every stage works in the run directory itself, which the workers share; its
outputs are written atomically and its record after them, so a killed run is continued by running
it again, as a serial one.

Progress: a stage's start and its work messages are sent by its worker as Dask events (at most a few
a second per stage), its end is reported when its task is done; a stage's reports are always in the
order started, work, finished.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from deeprg.errors import DeepRGError
from deeprg.experiment.stages import (
    STAGE_FINISHED,
    STAGE_SKIPPED,
    STAGE_STARTED,
    Stage,
    StageRecord,
    compute_stage,
    read_json,
    record_path,
)
from deeprg.progress import Progress, within
from deeprg.sweep.executor import COMPUTED, FAILED, SKIPPED, StageOutcome, StageTask, _threads

__all__ = ["StageFailedError", "WorkerProgress", "execute_plan_stage", "run_plan"]

logger = logging.getLogger(__name__)


class StageFailedError(DeepRGError, RuntimeError):
    """Stages of a run failed on an engine's workers (the others finished and are kept)."""


def run_plan(runner: Any, plan: Sequence[Stage], hashes: Mapping[str, str]) -> list[StageRecord]:
    """Run ``plan`` on ``runner.engine``; return the records of every stage, in plan order.

    Parameters
    ----------
    runner : deeprg.experiment.stages.Runner
        Its directory, configuration, ``resume``, progress and engine.
    plan : sequence of Stage
    hashes : dict of str to str
        Input hashes of the plan (:func:`deeprg.experiment.stages.input_hashes`).

    Raises
    ------
    StageFailedError
        A stage raised (or its worker died too often); it names each failed stage and its error.
    """
    records: dict[str, StageRecord] = {}
    pending = []
    for stage in plan:
        recorded = runner.recorded(stage, hashes[stage.name])
        if recorded is None:
            pending.append(stage)
        else:
            runner.progress(stage.name, STAGE_SKIPPED)
            records[stage.name] = recorded
    names, data = {s.name for s in pending}, runner.config.to_dict()
    tasks = [StageTask(s.name, s.name, hashes[s.name], data, dict(hashes), tuple(a for a in s.after if a in names),
                       priority=_priority(runner.config, s.name, len(pending) - index))
             for index, s in enumerate(pending)]
    reports = _Reports(runner.progress, {task.stage: task.after for task in tasks})
    if tasks:
        with runner.engine.reporter(reports.event) as reporter:
            execute = partial(execute_plan_stage, str(runner.directory), runner.resume, runner.config,
                              {s.name: s for s in pending}, reporter)
            outcomes = runner.engine.run(tasks, execute, reports.done)
        failed = [o for o in outcomes.values() if o.status == FAILED]
        if failed:
            raise StageFailedError(
                f"{len(failed)} stage(s) of the run in {runner.directory} failed: "
                + "; ".join(f"{o.stage}: {o.error_type}: {o.error_message}" for o in failed)
                + ". The stages that do not read them finished and are kept; fix the cause and run again.")
        for stage in pending:  # as its worker recorded it (when it started, with how many threads)
            records[stage.name] = _record(runner.directory, stage.name)
    return [records[stage.name] for stage in plan]


def _priority(config: Any, stage: str, rank: int) -> float:
    """A stage's priority among those ready at once: its matrix-product FLOPs (the trainings, the longest
    stages, first), then plan order (``rank``, larger first) between stages of equal FLOPs."""
    from deeprg.experiment.accounting import stage_flops

    return stage_flops(config, stage) / 1e9 + rank * 1e-3


def execute_plan_stage(directory: str, resume: bool, config: Any, stages: Mapping[str, Stage], progress: Progress,
                       task: StageTask, threads: int | Mapping[str, int] | None, *upstream: StageOutcome) -> StageOutcome:
    """Run one stage of a run directory's plan on a worker (the engine's ``execute``) and say what became of it.

    Its :attr:`~deeprg.experiment.stages.Context.records` are those of the stages it reads, from
    their records in the run directory.
    """
    failed = next((u for u in upstream if not u.ok), None)
    if failed is not None:
        return StageOutcome(task.key, task.stage, task.input_hash, SKIPPED, error_type=failed.error_type,
                            error_message=failed.error_message, failed_stage=failed.failed_stage or failed.stage)
    stage, out = stages[task.stage], Path(directory)
    try:
        with _threads(threads):
            progress(task.stage, STAGE_STARTED)
            records = [_record(out, name) for name in stage.after]
            record = compute_stage(out, config, resume, stage, task.hashes, records, within(progress, task.stage))
    except Exception as exc:  # reported with the others when the run ends; the independent stages run on
        logger.warning("stage %s failed: %s: %s", task.stage, type(exc).__name__, exc, exc_info=True)
        return StageOutcome(task.key, task.stage, task.input_hash, FAILED, error_type=type(exc).__name__,
                            error_message=str(exc), failed_stage=task.stage)
    return StageOutcome(task.key, task.stage, task.input_hash, COMPUTED, record.seconds)


def _record(directory: Path, name: str) -> StageRecord:
    return StageRecord.from_file({**(read_json(record_path(directory, name)) or {}), "name": name})


class _Reports:
    """The driver's side of the progress: each stage's reports in the order started, work, finished.

    Worker events and finished tasks arrive on different threads (Dask's event loop, the engine's
    loop over finished tasks) and streams; a lock keeps the reports whole, a stage's reports are held
    back until the stages it reads are reported finished, and late work messages of a stage already
    reported finished are dropped.

    Parameters
    ----------
    progress : Progress
    upstream : dict of str to tuple of str
        The stages (of those that run) that each stage reads.
    """

    def __init__(self, progress: Progress, upstream: Mapping[str, Sequence[str]]) -> None:
        self.progress, self.upstream = progress, upstream
        self.state: dict[str, str] = {}
        self.held: dict[str, list[tuple[Any, ...]]] = {}
        self.lock = threading.Lock()

    def event(self, stage: str, message: str, completed: float | None = None, total: float | None = None) -> None:
        with self.lock:
            if self.state.get(stage) == STAGE_FINISHED:
                return
            if any(self.state.get(name) != STAGE_FINISHED for name in self.upstream.get(stage, ())):
                self.held.setdefault(stage, []).append((message, completed, total))
                return
            self._emit(stage, message, completed, total)

    def _emit(self, stage: str, message: str, completed: float | None = None, total: float | None = None) -> None:
        if stage not in self.state:
            self.state[stage] = STAGE_STARTED
            self.progress(stage, STAGE_STARTED)
        if message != STAGE_STARTED:
            self.progress(stage, message, completed, total)

    def done(self, outcome: StageOutcome) -> None:
        with self.lock:
            stage = outcome.stage
            if outcome.status != SKIPPED:  # a stage skipped after a failure says nothing
                for held in self.held.pop(stage, []):
                    self._emit(stage, *held)
                self._emit(stage, STAGE_STARTED)
                self.progress(stage, STAGE_FINISHED if outcome.ok else
                              f"failed: {outcome.error_type}: {outcome.error_message}")
            self.state[stage] = STAGE_FINISHED
            for waiting in [w for w in self.held if all(self.state.get(u) == STAGE_FINISHED for u in self.upstream[w])]:
                for held in self.held.pop(waiting):
                    self._emit(waiting, *held)


class WorkerProgress:
    """A :class:`~deeprg.progress.Progress` that sends reports from a Dask worker as events of ``topic``.

    Work messages of a task are sent at most every ``interval`` seconds (and always its last, when
    ``completed`` reaches ``total``); the start of a stage always.
    """

    def __init__(self, topic: str, interval: float = 0.25) -> None:
        self.topic, self.interval, self._last = topic, interval, 0.0

    def __call__(self, task: str, message: str, completed: float | None = None, total: float | None = None) -> None:
        from distributed import get_worker

        now = time.monotonic()
        final = completed is not None and total is not None and completed >= total
        if message != STAGE_STARTED and not final and now - self._last < self.interval:
            return
        self._last = now
        get_worker().log_event(self.topic, [task, message, None if completed is None else float(completed),
                                            None if total is None else float(total)])
