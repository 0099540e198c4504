"""``deeprg run``: the whole replication, one stage after another or on local workers or a Dask cluster.

Besides the command: its time account at the end, the default number of worker processes and
the engine that runs the stages.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Optional

import typer

from deeprg.cli._common import (
    _BACKEND_HELP,
    _DEVICE_HELP,
    EXIT_INTERRUPTED,
    _progress,
    console,
    err_console,
)
from deeprg.errors import InvalidParameterError

#: Worker processes of `deeprg run` by default at most (one per core up to this; more with --workers N).
_DEFAULT_WORKERS = 8
#: Most local worker processes of `deeprg run --workers` (each a Python process with its own memory).
_MAX_WORKERS = 1024


def run(
    config: Optional[Path] = typer.Argument(None, help="Experiment TOML; default: the built-in Mehta & Schwab replication."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Run directory (default: runs/<experiment name>)."),
    quick: bool = typer.Option(False, "--quick", help="A scaled-down run of the same pipeline (about a minute)."),
    resume: bool = typer.Option(True, "--resume/--no-resume", help="Continue interrupted trainings from checkpoints."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Override the experiment's seed."),
    seeds: Optional[int] = typer.Option(None, "--seeds", help="Training seeds per variant (override n_seeds): a "
                                        "status counts only when every seed gives it."),
    backend: Optional[str] = typer.Option(None, "--backend", help=_BACKEND_HELP),
    device: Optional[str] = typer.Option(None, "--device", help=_DEVICE_HELP),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", min=0, help="Local worker processes that run "
                                          "independent stages (variants, seeds, scan strengths, controls) side by side, "
                                          "each on its share of the cores (default: one per core, at most 8; 0: every "
                                          "stage in this process, one after the other)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Run the stages on a Dask cluster: the "
                                            "scheduler's address, tcp://host:8786 (its workers must share --out)."),
) -> None:
    """Run the whole replication: sample, train every variant, analyze, and write the report."""
    from deeprg.experiment.config import load_config, resolve
    from deeprg.experiment.pipeline import STAGE_FINISHED, STAGE_SKIPPED, STAGE_STARTED, run_experiment
    from deeprg.io import check_directory
    from deeprg.resources import check_fits, estimate_experiment

    experiment = resolve(load_config(config), quick=quick, seed=seed, n_seeds=seeds)
    experiment = _on_backend(experiment, backend, device)
    directory = out or Path("runs") / (experiment.name + ("-quick" if quick else ""))
    check_directory(directory)  # before anything is created: a file in the way, an unwritable parent
    workers = _default_workers(workers, scheduler)
    check_fits(estimate_experiment(experiment, workers=workers or 1), directory,
               advice="lower ensemble.L, ensemble.n_samples or network.layers in the configuration"
               + (", or run fewer stages at once (--workers)" if workers and workers > 1 else ""))
    engine = _run_engine(workers, scheduler, directory)  # before anything is created: an unreachable scheduler
    start = time.perf_counter()
    with engine as engine, _progress(counts=False) as progress:
        tasks: dict[str, Any] = {}

        def report(stage: str, message: str, completed: Optional[float] = None, total: Optional[float] = None) -> None:
            if message == STAGE_STARTED:
                tasks[stage] = (progress.add_task(stage, total=None), time.perf_counter())
                if not err_console.is_terminal:
                    err_console.print(f"{stage}: {message}", markup=False)
            elif message == STAGE_FINISHED and stage in tasks:
                task, started = tasks.pop(stage)
                progress.remove_task(task)
                err_console.print(f"{stage}: done in {time.perf_counter() - started:.1f} s", markup=False)
            elif message == STAGE_SKIPPED:
                err_console.print(f"{stage}: {message}", markup=False)
            elif stage in tasks:
                work = {} if total is None else {"completed": completed or 0, "total": total}
                progress.update(tasks[stage][0], description=f"{stage}: {message}", **work)

        try:
            result = run_experiment(experiment, directory, resume=resume, progress=report, engine=engine)
        except KeyboardInterrupt:
            err_console.print(f"interrupted: finished stages and checkpoints are kept in {directory}; "
                              "run the same command again to continue", markup=False)
            raise typer.Exit(EXIT_INTERRUPTED) from None
    elapsed = time.perf_counter() - start
    verdict = json.loads(result.metrics.read_text()).get("verdict", {})
    console.print(verdict.get("headline", {}).get("text", "done"), markup=False)
    console.print(f"report: {result.report}\nmetrics: {result.metrics}\n"
                  f"{len(result.ran)} stage(s) ran, {len(result.stages) - len(result.ran)} up to date, {elapsed:.0f} s")
    _print_account(result.metrics)


def _print_account(metrics: Path) -> None:
    """The run's time account (deeprg.experiment.accounting), if its metrics.json has one."""
    from deeprg.experiment.accounting import format_account

    account = json.loads(metrics.read_text()).get("account")
    if account is not None:
        console.print(format_account(account), markup=False)


def _default_workers(workers: Optional[int], scheduler: Optional[str]) -> Optional[int]:
    """`deeprg run`'s worker processes: as given; by default one per core (at most _DEFAULT_WORKERS), none on one core.

    Stages side by side, one core each, beat stages one after the other on all cores: the mini-batch
    products run closer to the peak on one thread, and the stages that do not multiply matrices
    (measurements, controls) use every core instead of one.
    """
    from deeprg.resources import available_cores

    if scheduler is not None or workers is not None:
        return workers
    cores = min(available_cores(), _DEFAULT_WORKERS)
    return cores if cores > 1 else 0


def _run_engine(workers: Optional[int], scheduler: Optional[str], directory: Path) -> Any:
    """The engine of `deeprg run --workers/--scheduler` as a context manager (None: stages run in this process)."""
    from contextlib import nullcontext

    from deeprg.sweep.engines import make_engine

    if not workers and scheduler is None:
        return nullcontext(None)
    if workers is not None and workers > _MAX_WORKERS:
        raise InvalidParameterError(f"--workers must be at most {_MAX_WORKERS:,} (got {workers:,}): each is a process "
                                    "of its own; give about one per core, or use --scheduler for a cluster.")
    # the run directory does not exist yet: the workers must see where it will be
    shared = next(p for p in (directory.absolute(), *directory.absolute().parents) if p.is_dir())
    return make_engine(workers, scheduler, shared=shared)


def _on_backend(experiment: Any, backend: Optional[str], device: Optional[str]) -> Any:
    """``deeprg run``'s experiment on ``--backend``/``--device``, checked before anything runs."""
    from deeprg.experiment.config import with_backend
    from deeprg.rbm._params import check_backend

    experiment = with_backend(experiment, backend=backend, device=device)
    check_backend(experiment.network.backend, experiment.network.device)
    return experiment
