"""Stages declared as data, and the runner that skips those that are up to date.

A :class:`Stage` says what it reads (configuration sections, upstream stages, fixed
parameters), what it writes (files in the run directory) and what it does (a function). Its
input hash is *derived* from what it declares, by :func:`input_hashes`, never written by hand:
a stage that forgets to declare an input cannot see it either, because its work function gets
only the declared parameters and the run context.

The :class:`Runner` records each finished stage in ``.stages/<name>.json`` (its input hash,
outputs and time) after its outputs are written; a rerun skips a stage whose record matches and
whose outputs exist.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deeprg import __version__
from deeprg.errors import InvalidParameterError
from deeprg.experiment.accounting import blas_threads
from deeprg.experiment.hashing import config_hash
from deeprg.io import atomic_path
from deeprg.progress import Progress, silent, within

__all__ = ["STAGE_FINISHED", "STAGE_SKIPPED", "STAGE_STARTED", "Context", "Runner", "Stage", "StageRecord",
           "compute_stage", "input_hashes", "read_json", "record_path", "write_json"]

logger = logging.getLogger(__name__)

#: What the runner reports, as the message, when a stage starts, is skipped (up to date) or finishes;
#: any other message reports work inside the running stage.
STAGE_STARTED, STAGE_SKIPPED, STAGE_FINISHED = "running", "up to date", "done"


@dataclass(frozen=True, eq=False)
class Context:
    """What a stage's work function is given.

    Attributes
    ----------
    directory : Path
        The run directory; outputs are paths relative to it.
    config : deeprg.experiment.config.ExperimentConfig
        The resolved experiment.
    resume : bool
        Continue interrupted trainings from their checkpoints.
    progress : Progress
        Reports filed under the running stage.
    input_hash : str
        This stage's input hash (keys its checkpoints).
    hashes : dict of str to str
        Input hashes of every stage of the plan.
    records : list of StageRecord
        The stages finished (or skipped) so far, in order.
    """

    directory: Path
    config: Any
    resume: bool
    progress: Progress
    input_hash: str
    hashes: Mapping[str, str]
    records: Sequence["StageRecord"]


@dataclass(frozen=True)
class Stage:
    """One step of an experiment, declared as data.

    Attributes
    ----------
    name : str
        ``"ensemble"``, ``"train/l1"``, ...
    outputs : tuple of str
        Files it writes, relative to the run directory.
    work : callable
        ``work(context, **params)``: computes and writes the outputs.
    config : tuple of str
        Top-level keys of the configuration (``config.to_dict()``) it reads, e.g. ``("network", "seed")``.
    after : tuple of str
        Earlier stages whose outputs it reads.
    params : dict
        Fixed parameters of the work (e.g. the variant); part of the input hash.
    blas_threads : int, optional
        BLAS threads the stage runs with wherever it runs (default: those of its process). The
        measurements run on one: BLAS may split a float64 product with a long inner dimension
        across threads, which changes its last bits, so one thread gives the same numbers in
        this process (all cores) and in a worker of ``deeprg run`` (one core each).
    """

    name: str
    outputs: tuple[str, ...]
    work: Callable[..., None]
    config: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    blas_threads: int | None = None


@dataclass(frozen=True)
class StageRecord:
    """What a finished stage leaves in ``.stages/<name>.json``."""

    name: str
    input_hash: str
    outputs: list[str]
    seconds: float
    skipped: bool = False
    #: When the stage started (seconds since the epoch), for the run's wall time when stages ran in parallel.
    started: float | None = None
    #: BLAS threads the stage ran with (None: not recorded), for its share of the machine's peak.
    threads: int | None = None

    @classmethod
    def from_file(cls, data: Mapping[str, Any], *, skipped: bool = False) -> StageRecord:
        """The record of a ``.stages/<name>.json`` file's contents (older files lack ``started`` and ``threads``)."""
        started, threads = data.get("started"), data.get("threads")
        return cls(str(data.get("name", "")), str(data.get("input_hash", "")), list(data.get("outputs", [])),
                   float(data.get("seconds", 0.0)), skipped=skipped,
                   started=None if started is None else float(started), threads=None if threads is None else int(threads))


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically (NaN and infinities are refused)."""
    with atomic_path(path, overwrite=True) as tmp:
        tmp.write_text(json.dumps(data, indent=2, allow_nan=False))


def read_json(path: Path) -> Any:
    """The JSON in ``path``, or None when it is missing or unreadable (then it is recomputed)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def input_hashes(plan: Sequence[Stage], config: Mapping[str, Any]) -> dict[str, str]:
    """The input hash of every stage: its declared configuration, upstream hashes and parameters.

    Parameters
    ----------
    plan : sequence of Stage
        Stages in order; each may read only earlier ones.
    config : dict
        The configuration as a plain dict.

    Returns
    -------
    dict of str to str
        Hash by stage name.
    """
    hashes: dict[str, str] = {}
    for stage in plan:
        missing = [name for name in stage.after if name not in hashes]
        if missing:
            raise InvalidParameterError(f"stage {stage.name!r} reads {missing}, which are not earlier stages of the plan.")
        unknown = [key for key in stage.config if key not in config]
        if unknown:
            raise InvalidParameterError(f"stage {stage.name!r} reads configuration keys {unknown} that do not exist.")
        hashes[stage.name] = config_hash({
            "stage": stage.name,
            "config": {key: config[key] for key in stage.config},
            "after": {name: hashes[name] for name in stage.after},
            "params": dict(stage.params),
        })
    return hashes


class Runner:
    """Runs a plan of stages in a directory, skipping those whose recorded input hash matches.

    Parameters
    ----------
    directory : Path
        The run directory (created if needed).
    config : ExperimentConfig
        The resolved experiment.
    resume : bool
        Passed to every stage's :class:`Context`.
    progress : Progress, optional
        Reports ``(stage, message, completed, total)``; the stage's own messages and
        :data:`STAGE_STARTED`, :data:`STAGE_SKIPPED`, :data:`STAGE_FINISHED`.
    engine : deeprg.sweep.engines.Engine, optional
        Where the stages run; default: in this process, in plan order. With an engine (e.g.
        :class:`~deeprg.sweep.engines.LocalEngine`), independent stages run in parallel; the results
        are the same, since every stage's seeds come from the configuration and its parameters.
    """

    def __init__(self, directory: Path, config: Any, *, resume: bool = True, progress: Progress | None = None,
                 engine: Any = None) -> None:
        self.directory = directory
        self.config = config
        self.resume = resume
        self.progress: Progress = progress or silent
        self.engine = engine
        self.records: list[StageRecord] = []

    def _record_path(self, name: str) -> Path:
        return record_path(self.directory, name)

    def recorded(self, stage: Stage, input_hash: str) -> StageRecord | None:
        """The record of ``stage`` when it is up to date: same input hash, every output there (JSON ones readable)."""
        record = read_json(self._record_path(stage.name))
        if not isinstance(record, dict) or record.get("input_hash") != input_hash:
            return None
        for out in record.get("outputs", []):
            path = self.directory / out
            if not path.exists() or (path.suffix == ".json" and read_json(path) is None):
                if path.exists():
                    logger.warning("recomputing stage %s: %s cannot be read", stage.name, path)
                return None
        return StageRecord.from_file({**record, "name": stage.name, "outputs": list(stage.outputs)}, skipped=True)

    def run(self, plan: Sequence[Stage]) -> list[StageRecord]:
        """Run every stage of ``plan`` that is not up to date; return the records of all, in plan order.

        Without an engine the stages run in plan order in this process; with one, each is submitted
        as soon as the stages it reads are finished (:func:`deeprg.sweep.rundir.run_plan`).
        """
        hashes = input_hashes(plan, self.config.to_dict())
        (self.directory / ".stages").mkdir(parents=True, exist_ok=True)
        if self.engine is not None:
            from deeprg.sweep.rundir import run_plan

            self.records.extend(run_plan(self, plan, hashes))
            return self.records
        for stage in plan:
            self._run_stage(stage, hashes)
        return self.records

    def _run_stage(self, stage: Stage, hashes: Mapping[str, str]) -> None:
        input_hash = hashes[stage.name]
        recorded = self.recorded(stage, input_hash)
        if recorded is not None:
            self.progress(stage.name, STAGE_SKIPPED)
            self.records.append(recorded)
            return
        self.progress(stage.name, STAGE_STARTED)
        record = compute_stage(self.directory, self.config, self.resume, stage, hashes, self.records,
                               within(self.progress, stage.name))
        self.progress(stage.name, STAGE_FINISHED)
        self.records.append(record)


def _blas_limit(threads: int | None) -> Any:
    """A context in which BLAS uses ``threads`` threads (nothing changes for None)."""
    if threads is None:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads, user_api="blas")


def record_path(directory: Path, name: str) -> Path:
    """Where the runner records stage ``name`` of the run in ``directory``."""
    return directory / ".stages" / (name.replace("/", "__") + ".json")


def compute_stage(directory: Path, config: Any, resume: bool, stage: Stage, hashes: Mapping[str, str],
                  records: Sequence[StageRecord], progress: Progress) -> StageRecord:
    """Do ``stage``'s work in ``directory`` and record it (after its outputs are written); return its record.

    Parameters
    ----------
    directory, config, resume :
        As :class:`Runner`'s.
    stage : Stage
    hashes : dict of str to str
        Input hashes of the plan (:func:`input_hashes`).
    records : sequence of StageRecord
        Stages finished before it (:attr:`Context.records`).
    progress : Progress
        Reports of the stage's work, already filed under the stage.
    """
    input_hash = hashes[stage.name]
    context = Context(directory, config, resume, progress, input_hash, hashes, records)
    with _blas_limit(stage.blas_threads):
        started, threads = time.time(), blas_threads()
        start = time.perf_counter()
        stage.work(context, **stage.params)
        seconds = time.perf_counter() - start
    record = StageRecord(stage.name, input_hash, list(stage.outputs), seconds, started=started, threads=threads)
    write_json(record_path(directory, stage.name), {"name": stage.name, "input_hash": input_hash,
                                                     "outputs": record.outputs, "seconds": seconds,
                                                     "started": started, "threads": threads,
                                                     "deeprg_version": __version__})
    logger.info("stage %s done in %.1f s", stage.name, seconds)
    return record
