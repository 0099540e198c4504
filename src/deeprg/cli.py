"""The ``deeprg`` command-line interface.

Only this module talks to the terminal. Every error deeprg raises on purpose is
shown as one line on stderr (``error: ...``) with a non-zero exit code, never a
traceback.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Optional

import numpy as np
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from deeprg import __version__
from deeprg.errors import DeepRGError, InvalidParameterError

app = typer.Typer(
    name="deeprg",
    help="Test, with numbers, whether deep learning performs renormalization-group coarse graining.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
#: Largest --surrogates of `deeprg analyze` (each unit's null fields are held in memory together).
_MAX_SURROGATES = 100_000
#: Largest loop counts accepted, far beyond any real use (the paper: 50 epochs, CD-1, spacing ~ 2 tau):
#: a larger count is a typo that would keep the command busy for days.
_MAX_EPOCHS, _MAX_CD_K, _MAX_SPACING = 100_000, 10_000, 10_000_000
#: Worker processes of `deeprg run` by default at most (one per core up to this; more with --workers N).
_DEFAULT_WORKERS = 8
#: Most local worker processes of `deeprg run --workers` (each a Python process with its own memory).
_MAX_WORKERS = 1024
_BACKEND_HELP = "Where deeprg's RBMs train: numpy (default) or torch (needs the torch extra of deeprg, torch 2.13)."
_DEVICE_HELP = "cpu (default) or cuda (an NVIDIA GPU; implies --backend torch)."


def _check_count(value: Any, option: str, maximum: int) -> None:
    """Refuse a loop count so large the command would not finish (a typo, most likely)."""
    if isinstance(value, int) and value > maximum:
        raise InvalidParameterError(
            f"{option} must be at most {maximum:,} (got {value:,}): so many would keep the command busy for days; "
            "check the value.")


def _version_callback(value: bool) -> None:
    if value:
        console.print(f"deeprg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True, help="Show the version and exit."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what the library does."),
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def _parse_auto(value: str, name: str) -> Any:
    """Parse an option that is either ``auto`` or a non-negative integer."""
    if value.strip().lower() == "auto":
        return "auto"
    try:
        return int(value)
    except ValueError:
        raise InvalidParameterError(f"{name}: expected 'auto' or an integer, got {value!r}.") from None


def _progress(*, counts: bool = True) -> Progress:
    """A progress display on stderr: counts (``M/N``) or a percentage, elapsed and remaining time."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn() if counts else TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


def _summary_table(samples: Any, title: str) -> Table:
    """Observables of an ensemble with error bars, next to the exact finite-size values."""
    from deeprg.ising.exact import finite_size

    summary = samples.summary()
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("observable")
    table.add_column("measured")
    table.add_column("exact (finite L)")
    exact = finite_size(samples.L, samples.beta, samples.coupling)
    e = summary["energy_per_site"]
    table.add_row("energy per site", str(e), f"{exact.energy_per_site:.6f}  ({e.deviation(exact.energy_per_site):+.1f} σ)")
    c = summary["specific_heat"]
    table.add_row("specific heat per site", str(c), f"{exact.specific_heat:.6f}  ({c.deviation(exact.specific_heat):+.1f} σ)")
    for key, label in (("abs_magnetization", "<|m|>"), ("magnetization_squared", "<m²>"),
                       ("binder_cumulant", "Binder U4"), ("susceptibility", "susceptibility")):
        table.add_row(label, str(summary[key]), "")
    return table


def _provenance_table(samples: Any, path: Optional[Path] = None) -> Table:
    unit = {"metropolis": "sweeps", "wolff": "clusters", "swendsen-wang": "sweeps"}.get(samples.algorithm, "updates")
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("file", str(path) if path else None),
        ("lattice", f"{samples.L} x {samples.L}, periodic, coupling J = {samples.coupling:g}"),
        ("beta", f"{samples.beta:g}  (K = {samples.beta * samples.coupling:.6g})"),
        ("samples", f"{samples.n_samples} from {samples.n_chains} chain(s)"),
        ("algorithm", samples.algorithm),
        ("thermalization", f"{samples.n_thermalize} {unit} per chain"),
        ("spacing", f"{samples.spacing} {unit}"),
        ("tau_int (energy)", f"{samples.tau['energy']:.3g} {unit}" if "energy" in samples.tau else "not measured"),
        ("tau_int (|m|)", f"{samples.tau['abs_magnetization']:.3g} {unit}" if "abs_magnetization" in samples.tau else "not measured"),
        ("seed", str(samples.seed)),
        ("deeprg version", samples.deeprg_version),
    ]
    for name, value in rows:
        if value is not None:
            table.add_row(name, value)
    return table


@app.command()
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


@app.command()
def sweep(
    sweep_file: Path = typer.Argument(..., help="Sweep TOML: a base experiment and axes over its keys."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output directory (default: sweeps/<sweep name>)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", min=1, help="Local worker processes (default: one per core)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Run on a Dask cluster: the scheduler's address, tcp://host:8786."),
    resume: bool = typer.Option(False, "--resume", help="Continue stages interrupted earlier from their checkpoints."),
    quick: bool = typer.Option(False, "--quick", help="The sweep's quick form (quick overrides of base and sweep)."),
) -> None:
    """Run many experiments over a grid of configuration keys, in parallel, cached; write sweep.nc and sweep.html."""
    from deeprg.sweep import load_sweep
    from deeprg.sweep.engines import make_engine
    from deeprg.sweep.run import run_sweep

    spec = load_sweep(sweep_file, quick=quick)
    directory = (out or Path("sweeps") / (spec.name + ("-quick" if spec.quick else ""))).resolve()
    directory.mkdir(parents=True, exist_ok=True)

    def report(task: str, message: str, completed: Optional[float] = None, total: Optional[float] = None) -> None:
        counter = f"[{int(completed or 0)}/{int(total)}] " if total else ""
        err_console.print(f"{counter}{message}", markup=False)

    with make_engine(workers, scheduler, shared=directory) as engine:
        err_console.print(f"sweep {spec.name}: {len(spec.cells)} cells on {engine.description}", markup=False)
        try:
            result = run_sweep(spec, directory, engine=engine, resume=resume, progress=report)
        except KeyboardInterrupt:
            err_console.print(f"interrupted: finished stages are kept in {directory}/store; "
                              "run the same command with --resume to continue", markup=False)
            raise typer.Exit(EXIT_INTERRUPTED) from None
    table = Table(title=f"sweep {spec.name}", show_header=True, header_style="bold")
    for column in (*spec.dims.values(), "status", "local layers", "RG-like", "seconds"):
        table.add_column(column)
    for cell in result.cells:
        local = ", ".join(f"{v}: {sum(la.is_local for la in m.layers)}/{len(m.layers)}" for v, m in cell.metrics.items())
        status = cell.status if cell.status == "ok" else f"failed in {cell.failed_stage}: {cell.error_type}"
        from deeprg.report.verdict import Judgement

        rg = ", ".join(f"{v}: {Judgement.of(m).looks_like_block_spin_rg}" for v, m in cell.metrics.items())
        table.add_row(*(str(cell.cell.coords[k]) for k in spec.dims), status, local, rg, f"{cell.seconds:.1f}")
    console.print(table)
    for cell in result.failed:
        console.print(f"failed: {cell.cell.label}: {cell.failed_stage}: {cell.error_type}: {cell.error_message}", markup=False)
    console.print(f"results: {result.dataset}\nreport: {result.report}\n{len(result.cells)} cells "
                  f"({len(result.failed)} failed), {result.n_computed} stage(s) computed, {result.seconds:.0f} s", markup=False)

@app.command()
def sample(
    size: int = typer.Option(..., "--size", "-L", help="Linear lattice size L (an L x L periodic lattice)."),
    beta: float = typer.Option(..., "--beta", help="Inverse temperature (K = beta * coupling; K_c = 0.440687)."),
    n_samples: int = typer.Option(..., "--n-samples", "-n", help="Number of configurations to store."),
    out: Path = typer.Option(..., "--out", "-o", help="Output ensemble file (netCDF4/HDF5)."),
    algorithm: str = typer.Option("wolff", "--algorithm", "-a", help="metropolis, wolff or swendsen-wang."),
    coupling: float = typer.Option(1.0, "--coupling", help="Exchange coupling J."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Integer seed; the same seed gives the same file contents."),
    n_chains: int = typer.Option(1, "--n-chains", help="Independent chains, run in parallel threads."),
    n_thermalize: str = typer.Option("auto", "--n-thermalize", help="Updates discarded per chain, or 'auto'."),
    spacing: str = typer.Option("auto", "--spacing", help="Updates between samples, or 'auto' (2 tau_int)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace OUT if it exists."),
) -> None:
    """Sample equilibrium 2D Ising configurations and save them as an ensemble file."""
    from deeprg.io import check_writable, save_ensemble
    from deeprg.ising import IsingModel, make_sampler
    from deeprg.resources import check_fits, estimate_sampling

    thermalize_arg = _parse_auto(n_thermalize, "--n-thermalize")
    spacing_arg = _parse_auto(spacing, "--spacing")
    _check_count(spacing_arg, "--spacing", _MAX_SPACING)
    check_writable(out, overwrite=overwrite)
    sampler = make_sampler(algorithm, IsingModel(size, coupling), beta, random_state=seed, n_chains=n_chains)
    check_fits(estimate_sampling(size, n_samples, n_chains, n_thermalize=0 if thermalize_arg == "auto" else thermalize_arg),
               out, advice="ask for fewer samples (--n-samples) or a smaller lattice (--size)")
    start = time.perf_counter()
    with _progress() as progress:
        therm = progress.add_task("thermalizing", total=None)
        draw = progress.add_task("sampling", total=n_samples, visible=False)

        def report(task: str, message: str, done: Optional[float] = None, total: Optional[float] = None) -> None:
            if task == "thermalize":
                progress.update(therm, completed=done, description=f"thermalizing ({done} updates)")
            else:
                progress.update(therm, visible=False)
                progress.update(draw, completed=done, visible=True)

        samples = sampler.sample(n_samples, n_thermalize=thermalize_arg, spacing=spacing_arg, progress=report)
    elapsed = time.perf_counter() - start
    save_ensemble(samples, out, overwrite=overwrite)
    console.print(_provenance_table(samples, out))
    console.print(_summary_table(samples, f"{samples.n_samples} samples in {elapsed:.2f} s"))


@app.command()
def train(
    ensemble: Path = typer.Argument(..., help="Ensemble file written by `deeprg sample`."),
    out: Path = typer.Option(..., "--out", "-o", help="Output model file (netCDF4/HDF5)."),
    variant: str = typer.Option("l1", "--variant", help="l1 (Mehta & Schwab), l2 (weight decay), none, or sklearn."),
    strength: Optional[float] = typer.Option(None, "--strength", help="Penalty coefficient of the l1 and l2 variants (default 2e-4)."),
    layers: str = typer.Option("400,100,25", "--layers", help="Hidden units per layer, bottom first."),
    epochs: int = typer.Option(50, "--epochs", help="Epochs per layer."),
    learning_rate: float = typer.Option(0.1, "--learning-rate", help="Step size (all variants)."),
    batch_size: int = typer.Option(100, "--batch-size", help="Mini-batch size (all variants)."),
    cd_k: Optional[int] = typer.Option(None, "--cd-k", help="Gibbs steps per gradient estimate (l1, l2, none; default 1)."),
    persistent: Optional[bool] = typer.Option(None, "--persistent/--no-persistent",
                                              help="PCD-k instead of CD-k (l1, l2, none; default CD)."),
    penalty_method: Optional[str] = typer.Option(
        None, "--penalty-method", help="L1 update: subgradient (the paper's, default) or proximal (exact zeros)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Integer seed; the same seed gives the same model (default: a fresh one, kept in the file)."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run from OUT's checkpoint."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace OUT if it exists."),
    backend: Optional[str] = typer.Option(None, "--backend", help=_BACKEND_HELP + " (l1, l2, none)"),
    device: Optional[str] = typer.Option(None, "--device", help=_DEVICE_HELP),
) -> None:
    """Train a deep belief network on an ensemble, greedily, layer by layer."""
    from deeprg.io import check_writable, load_ensemble
    from deeprg.rbm import DeepBeliefNetwork, make_layers
    from deeprg.rbm.variants import parse_layer_sizes
    from deeprg.resources import check_fits, estimate_training

    sizes = parse_layer_sizes(layers)
    strength = _penalty_strength(variant, strength)
    _check_count(epochs, "--epochs", _MAX_EPOCHS)
    _check_count(cd_k, "--cd-k", _MAX_CD_K)
    chosen = {"cd_k": cd_k, "persistent": persistent, "penalty_method": penalty_method,
              **_backend_options(backend, device)}
    rbm_params = {k: v for k, v in chosen.items() if v is not None}  # the estimator's defaults otherwise
    # built before any file is read, so that bad options (the sklearn variant refuses these) fail first
    stack = make_layers(variant, sizes, strength=strength, n_iter=epochs, learning_rate=learning_rate,
                        batch_size=batch_size, **rbm_params)
    check_writable(out, overwrite=overwrite)
    checkpoint = out.with_name(out.name + ".ckpt")
    if checkpoint.exists() and not resume:
        raise InvalidParameterError(
            f"{checkpoint} holds an interrupted training; pass --resume to continue it, or delete it to start afresh."
        )
    if seed is None:  # draw one, and keep it in the checkpoint, so that --resume continues the same run
        seed = _checkpoint_seed(checkpoint) if resume and checkpoint.exists() else int(np.random.SeedSequence().entropy % 2**31)
    samples = load_ensemble(ensemble)
    check_fits(estimate_training(samples.n_samples, samples.n_sites, sizes), out,
               advice="use smaller layers (--layers) or an ensemble with fewer samples")
    X = samples.as_binary(np.float32)
    start = time.perf_counter()
    dbn = _fit_with_progress(DeepBeliefNetwork(stack, random_state=seed), X, checkpoint, resume)
    elapsed = time.perf_counter() - start
    dbn.save(out, overwrite=overwrite, config={
        "ensemble": str(ensemble), "variant": variant, "strength": strength if variant in ("l1", "l2") else None, "layers": sizes, "epochs": epochs,
        "learning_rate": learning_rate, "batch_size": batch_size, "seed": seed, **rbm_params})
    checkpoint.unlink(missing_ok=True)
    console.print(_model_table(dbn, X, f"{variant} network {X.shape[1]}-{'-'.join(map(str, sizes))} in {elapsed:.1f} s"))


def _backend_options(backend: Optional[str], device: Optional[str]) -> dict[str, str]:
    """The ``backend``/``device`` layer options given on the command line (``--device cuda`` implies torch),
    checked now, before any file is read: torch installed, a GPU visible."""
    from deeprg.rbm._params import check_backend

    if backend is None and device is None:
        return {}
    backend = backend or ("torch" if device == "cuda" else "numpy")
    check_backend(backend, device or "cpu")
    return {"backend": backend, "device": device or "cpu"}


def _on_backend(experiment: Any, backend: Optional[str], device: Optional[str]) -> Any:
    """``deeprg run``'s experiment on ``--backend``/``--device``, checked before anything runs."""
    from deeprg.experiment.config import with_backend
    from deeprg.rbm._params import check_backend

    experiment = with_backend(experiment, backend=backend, device=device)
    check_backend(experiment.network.backend, experiment.network.device)
    return experiment


def _analysis_table(metrics: Any, title: str) -> Table:
    """Per layer: locality (compactness with its interval, scale, significance), order, own block, flow level."""
    from deeprg.report.rules import significance_z

    table = Table(title=title, header_style="bold")
    for column in ("layer", "units", "local?", "compactness E* [95%]", "b*", "z (smooth null)", "on lattice (rms)",
                   "own block", "Δr vs block spins"):
        table.add_column(column)

    def fmt(value: Any, spec: str) -> str:  # None where a layer has no live unit, or a measure does not apply
        return "-" if value is None else format(value, spec)

    for layer in metrics.layers:
        c, level = layer.compactness, layer.level
        low, high = c.median_compactness_interval
        table.add_row(
            str(layer.layer), str(layer.n_units), "yes" if layer.is_local else "no",
            f"{fmt(c.median_compactness, '.2f')} [{fmt(low, '.2f')}, {fmt(high, '.2f')}]", fmt(c.median_scale, "g"),
            fmt(significance_z(layer), ".1f"),
            fmt(None if layer.placement is None else layer.placement.rms_displacement, ".2f"),
            fmt(layer.own_block_fraction, ".2f"),
            "-" if level is None else f"{fmt(level.difference, '+.3f')} ± {fmt(level.error, '.3f')} ({level.status})",
        )
    return table


def _penalty_strength(variant: str, strength: Optional[float]) -> float:
    """``--strength`` for the l1 and l2 variants (default 2e-4); refused for those without a penalty."""
    if strength is not None and variant in ("sklearn", "none"):
        raise InvalidParameterError(
            f"--strength: not an option of the {variant} variant ("
            + ("scikit-learn's BernoulliRBM has no penalty" if variant == "sklearn" else "it trains without a penalty")
            + "); it applies to the l1 and l2 variants.")
    return 2e-4 if strength is None else strength


def _fit_with_progress(dbn: Any, X: Any, checkpoint: Path, resume: bool) -> Any:
    """Fit ``dbn`` with a progress bar; on Ctrl-C, say where the checkpoint is and exit."""
    with _progress(counts=False) as progress:
        bar = progress.add_task("training", total=None)

        def report(task: str, message: str, done: Optional[float] = None, total: Optional[float] = None) -> None:
            progress.update(bar, description=message, completed=done, total=total)

        try:
            return dbn.fit(X, checkpoint=checkpoint, resume=resume, progress=report)
        except KeyboardInterrupt:
            if checkpoint.exists():
                err_console.print(f"interrupted: progress is kept in {checkpoint}; rerun with --resume", markup=False)
                raise typer.Exit(EXIT_INTERRUPTED) from None
            raise


def _checkpoint_seed(checkpoint: Path) -> Optional[int]:
    """The network seed an interrupted ``deeprg train`` drew and stored in its checkpoint."""
    from deeprg.io import load_model

    return load_model(checkpoint).config.get("random_state")


def _model_table(dbn: Any, X: Any, title: str) -> Table:
    """Per layer: size, estimator, pseudo-likelihood per spin of its own input, weight statistics.

    The metrics are those of training's monitoring, on the same samples: only those are propagated
    up the layers (not the whole data).
    """
    from deeprg.rbm.monitoring import epoch_metrics, monitoring_indices

    table = Table(title=title, header_style="bold")
    for column in ("layer", "units", "estimator", "pseudo-likelihood / spin", "reconstruction error", "sparsity", "epochs"):
        table.add_column(column)
    data = np.asarray(X[monitoring_indices(len(X))], np.float64)
    for index, layer in enumerate(dbn.layers_):
        # the same metrics, on the same monitored samples, for deeprg and scikit-learn layers
        W = np.asarray(layer.components_, dtype=np.float64)
        b, c = np.asarray(layer.intercept_visible_, np.float64), np.asarray(layer.intercept_hidden_, np.float64)
        logs = epoch_metrics(data, None, W, b, c)
        table.add_row(
            str(index + 1), f"{W.shape[1]} -> {W.shape[0]}", type(layer).__module__.split(".")[0],
            f"{logs['pseudo_likelihood']:.4f}", f"{logs['reconstruction_error']:.4f}",
            f"{logs['weight_sparsity']:.1%}", str(getattr(layer, "epoch_", getattr(layer, "n_iter", ""))),
        )
        data = layer.transform(data)
    return table


@app.command()
def analyze(
    model: Path = typer.Argument(..., help="Model file written by `deeprg train`."),
    ensemble: Path = typer.Argument(..., help="The ensemble the model was trained on."),
    out: Path = typer.Option(..., "--out", "-o", help="Directory for the figures (PNG) and metrics.json."),
    surrogates: int = typer.Option(200, "--surrogates", help="Null fields per unit for the locality z-scores."),
    seed: int = typer.Option(0, "--seed", help="Seed of nulls, tie breaks and sampled hidden states."),
) -> None:
    """Measure whether a trained network does block-spin RG: receptive fields, locality, flows."""
    from deeprg._random import check_random_state
    from deeprg._validation import check_int
    from deeprg.experiment.analysis import analyze_network, write_metrics
    from deeprg.io import check_directory, load_ensemble
    from deeprg.rbm import DeepBeliefNetwork

    check_int(surrogates, "--surrogates", minimum=2, maximum=_MAX_SURROGATES,
              hint=" Locality z-scores need two null fields at least; a few hundred are plenty.")
    check_random_state(seed)
    check_directory(out)
    dbn = DeepBeliefNetwork.load(model)
    samples = load_ensemble(ensemble)
    if dbn.n_features_in_ != samples.n_sites:  # refused before the output directory exists
        raise InvalidParameterError(
            f"{model} has {dbn.n_features_in_} visible units but {ensemble} holds {samples.L}x{samples.L} lattices "
            f"({samples.n_sites} spins); analyze a network with the ensemble it was trained on.")
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        with _progress() as progress:
            task = progress.add_task("analyzing", total=None)
            metrics = analyze_network(dbn, samples, out, n_surrogates=surrogates, random_state=seed,
                                      progress=lambda _, message, step=None, n_steps=None: progress.update(
                                          task, description=message, completed=step, total=n_steps))
        write_metrics(metrics, out / "metrics.json")
    except BaseException:
        if created:  # leave nothing behind that this command made
            shutil.rmtree(out, ignore_errors=True)
        raise
    console.print(_analysis_table(metrics, f"{model}: RG analysis on {ensemble}"))
    console.print(f"figures and metrics.json in {out}")


@app.command()
def mcrg(
    ensemble: Path = typer.Argument(..., help="Ensemble file written by `deeprg sample` (at K_c for critical exponents)."),
    out: Path = typer.Option(..., "--out", "-o", help="Directory for mcrg.json."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="A network (from `deeprg train`) to measure layer by layer."),
    levels: Optional[int] = typer.Option(None, "--levels", help="Blocking levels (default: down to a 4x4 lattice)."),
    controls: bool = typer.Option(False, "--controls", help="Also measure the control networks (deeprg.rg.controls)."),
    seed: int = typer.Option(0, "--seed", help="Seed of tie breaks and sampled hidden states."),
) -> None:
    """RG eigenvalues y_t, y_h (Swendsen's MCRG) and effective couplings of block spins and a network's layers."""
    from deeprg._random import check_random_state
    from deeprg.experiment.mcrg import MCRGNetwork, measure_mcrg, write_mcrg
    from deeprg.io import check_directory, load_ensemble
    from deeprg.rg.mcrg import _check_levels

    check_random_state(seed)
    check_directory(out)
    samples = load_ensemble(ensemble)
    levels = _check_levels(levels, samples.L, 2)
    networks = []
    if model is not None:
        from deeprg.rbm import DeepBeliefNetwork

        dbn = DeepBeliefNetwork.load(model)
        if dbn.n_features_in_ != samples.n_sites:  # refused before the output directory exists
            raise InvalidParameterError(
                f"{model} has {dbn.n_features_in_} visible units but {ensemble} holds {samples.L}x{samples.L} lattices "
                f"({samples.n_sites} spins); measure a network with the ensemble it was trained on.")
        networks.append(MCRGNetwork(model.stem, "variant", dbn))
    if controls:
        from deeprg.rg import standard_controls

        depth = max(1, min(levels, max(k for k in range(levels + 1) if samples.L % 2**k == 0)))
        networks += [MCRGNetwork(c.name, "control", c.network, c.expected)
                     for c in standard_controls(samples.L, n_layers=depth, random_state=seed)]
    with _progress() as progress:
        task = progress.add_task("mcrg", total=None)
        metrics = measure_mcrg(samples.spins, samples.beta, networks, levels=levels, random_state=seed,
                               progress=lambda _, message, step=None, n_steps=None: progress.update(
                                   task, description=message, completed=step, total=n_steps))
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_mcrg(metrics, out / "mcrg.json")
    except BaseException:
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise
    console.print(_mcrg_table(metrics, f"{ensemble}: MCRG, {metrics.n_samples} configurations of {metrics.lattice}x"
                              f"{metrics.lattice}, {metrics.states} states ({metrics.seconds:.1f} s)"))
    console.print(f"mcrg.json in {out}")


def _mcrg_table(metrics: Any, title: str) -> Table:
    """y_t, y_h (exact: 1 and 15/8) and K_nn per level for block spins, per layer for each network."""
    table = Table(title=title, header_style="bold")
    for column in ("network", "level", "lattice", "y_t (1)", "y_h (15/8)", "K_nn"):
        table.add_column(column)

    def pm(value: Any, error: Any, spec: str) -> str:
        return "-" if value is None else f"{value:{spec}}±{'-' if error is None else format(error, spec)}"

    def k_nn(fit: Any) -> str:
        return "-" if fit is None else pm(fit.couplings[0], fit.errors[0], ".3f")

    for e in metrics.block_spins:
        table.add_row("block spins", str(e.level), str(e.coarse_lattice), pm(e.y_t, e.y_t_error, ".3f"),
                      pm(e.y_h, e.y_h_error, ".4f"), k_nn(metrics.block_spin_couplings[e.level]))
    for net in metrics.networks:
        for layer in net.layers:
            e = layer.eigenvalues
            if e is None:
                table.add_row(f"{net.name} ({net.kind})", str(layer.layer), "-", f"no lattice: {layer.cause}", "-", "-")
                continue
            table.add_row(f"{net.name} ({net.kind})", str(layer.layer), str(e.coarse_lattice),
                          pm(e.y_t, e.y_t_error, ".3f"), pm(e.y_h, e.y_h_error, ".4f"), k_nn(layer.couplings))
    return table


@app.command()
def info(path: Path = typer.Argument(..., help="A deeprg file: an ensemble or a model.")) -> None:
    """Describe a deeprg file: its metadata and a summary of its contents."""
    from deeprg.io import MODEL_FORMAT, file_format, load_ensemble, load_model
    from deeprg.rbm.monitoring import weight_sparsity

    if file_format(path) == MODEL_FORMAT:
        model = load_model(path)
        table = Table(title=f"{path}: deeprg model, {len(model.layers)} layer(s)"
                      + (" (checkpoint)" if model.checkpoint else ""), header_style="bold")
        for column in ("layer", "units", "estimator", "epochs", "final pseudo-likelihood / spin", "|W| mean", "sparsity"):
            table.add_column(column)
        for index, layer in enumerate(model.layers):
            W = np.asarray(layer.components)
            pl = layer.history.get("pseudo_likelihood", [])
            table.add_row(str(index + 1), f"{W.shape[1]} -> {W.shape[0]}", layer.estimator, str(layer.epoch),
                          f"{pl[-1]:.4f}" if pl else "-", f"{np.abs(W).mean():.4f}", f"{weight_sparsity(W):.1%}")
        console.print(table)
        console.print(f"written by deeprg {model.deeprg_version} on {model.created}; config: {model.config}")
        return
    samples = load_ensemble(path)
    console.print(_provenance_table(samples, path))
    console.print(_summary_table(samples, "observables"))


def _show_warning(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    """Show library warnings (short chains, unreliable error bars) as one line each."""
    err_console.print(f"warning: {message}", markup=False)


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point of the ``deeprg`` console script.

    Returns
    -------
    int
        The exit code: 0 on success, 2 for bad input or files, 130 when interrupted.
    """
    warnings.showwarning = _show_warning
    try:
        # without standalone mode, click returns the code of typer.Exit instead of raising it
        code = app(args=argv, standalone_mode=False)
        if isinstance(code, int):
            return code
    except DeepRGError as exc:
        err_console.print(f"error: {exc}", markup=False)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        err_console.print("interrupted: nothing was written", markup=False)
        return EXIT_INTERRUPTED
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err_console.print("aborted", markup=False)
        return EXIT_INTERRUPTED
    except Exception as exc:
        # usage errors of the (possibly vendored) click behind typer: wrong option types, unknown options
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show(file=sys.stderr)
            return int(exc.exit_code)
        raise
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
