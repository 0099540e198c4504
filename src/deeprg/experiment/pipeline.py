"""The stages of ``deeprg run``, declared as data, and :func:`run_experiment`.

Stages, each writing its artifact into the run directory::

    ensemble            ensemble.nc                      sample the Ising configurations
    held_out            held_out.nc                      an independent chain: held-out data for monitoring and analysis
    train/<variant>     models/<variant>.nc              train the network of each variant
    train/<v>/replicate-<k>  models/<v>.replicate-<k>.nc  the same with training seed k (k = 1 .. n_seeds - 1)
    scan/l1-<strength>  scan/<strength>.json             the L1 scan's RBM of one strength, trained and measured
    scan                scan.json                        the rows gathered: locality and likelihood against the L1 strength
    analyze/<variant>   analysis/<variant>/metrics.json  measurements and figures of each network
    analyze/<v>/replicate-<k>  analysis/<v>/replicate-<k>/metrics.json  the replicate's measurements
    controls            controls.json                    the same measurements of the control networks
    exact_1d            exact_1d.json                    the exact 1D mapping and trace-condition checks
    mcrg                mcrg.json                        RG eigenvalues and K_eff (only with an [mcrg] table)
    report              report.html, metrics.json        everything, with the verdict

:func:`plan` declares them (what each reads and writes); :class:`~deeprg.experiment.stages.Runner`
derives their input hashes and skips those that are up to date. Training keeps a checkpoint
of every epoch (on disk at most every ``deeprg.rbm.dbn.CHECKPOINT_SECONDS`` and when training
stops on an exception), keyed by the stage's input hash, so an interrupted run loses little and a
resumed one can never pick up the training of another configuration. Each strength of the L1 scan
is a stage of its own that declares only its row's inputs (:mod:`deeprg.experiment.scan`), so
adding a strength trains only that one. Stages run one at a time in this process, or, given an
engine of :mod:`deeprg.sweep.engines`, each as soon as the stages it reads are done.
"""

from __future__ import annotations

import logging
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from deeprg import __version__
from deeprg.experiment.accounting import account_summary, run_account
from deeprg.experiment.results import ControlResult, ExactChecks, ExperimentMetrics, NetworkMetrics, Replicate, ScanRow
from deeprg.experiment.stages import (
    STAGE_FINISHED,
    STAGE_SKIPPED,
    STAGE_STARTED,
    Context,
    Runner,
    Stage,
    StageRecord,
    read_json,
    write_json,
)
from deeprg.progress import Progress

__all__ = ["STAGE_FINISHED", "STAGE_SKIPPED", "STAGE_STARTED", "RunResult", "plan", "run_experiment"]

logger = logging.getLogger(__name__)


@dataclass
class RunResult:
    """The outcome of :func:`run_experiment`: where everything is and what ran."""

    directory: Path
    report: Path
    metrics: Path
    stages: list[StageRecord] = field(default_factory=list)

    @property
    def ran(self) -> list[str]:
        """Stages that did work (the others were up to date)."""
        return [s.name for s in self.stages if not s.skipped]


def _load_samples(ctx: Context) -> Any:
    from deeprg.io import load_ensemble

    return load_ensemble(ctx.directory / "ensemble.nc")


def _analysis_samples(ctx: Context) -> tuple[Any, bool]:
    """The configurations the analysis measures on: the held-out ones when there are, and whether they are."""
    from deeprg.io import load_ensemble

    if ctx.config.ensemble.n_held_out:
        return load_ensemble(ctx.directory / "held_out.nc"), True
    return _load_samples(ctx), False


# ---------------------------------------------------------------------- the work of each stage
def _sampler(ctx: Context, random_state: Any) -> Any:
    from deeprg.ising import IsingModel, make_sampler

    ens = ctx.config.ensemble
    return make_sampler(ens.algorithm, IsingModel(ens.L, ens.coupling), ens.beta, random_state=random_state,
                        n_chains=ens.n_chains)


def _sample(ctx: Context) -> None:
    from deeprg.io import save_ensemble

    samples = _sampler(ctx, ctx.config.seed).sample(ctx.config.ensemble.n_samples, progress=ctx.progress)
    save_ensemble(samples, ctx.directory / "ensemble.nc", overwrite=True)


def _sample_held_out(ctx: Context) -> None:
    """An independent chain (the second child of the run's seed) that no network is trained on."""
    from deeprg.io import save_ensemble

    sampler = _sampler(ctx, np.random.SeedSequence(ctx.config.seed).spawn(2)[1])
    samples = sampler.sample(ctx.config.ensemble.n_held_out, progress=ctx.progress)
    save_ensemble(samples, ctx.directory / "held_out.nc", overwrite=True)


def _replica(variant: str, replicate: int) -> str:
    """The name of a variant's network trained with training seed ``replicate`` (the variant's own for 0)."""
    return variant if replicate == 0 else f"{variant}.replicate-{replicate}"


def _analysis_dir(variant: str, replicate: int) -> Path:
    """The analysis directory of a variant's network, relative to the run directory."""
    return Path("analysis", variant, *([f"replicate-{replicate}"] if replicate else []))


def _train(ctx: Context, variant: str, replicate: int = 0) -> None:
    from deeprg.rbm import DeepBeliefNetwork, make_layers

    net = ctx.config.network
    X = _load_samples(ctx).as_binary(np.float32)
    held_out, is_held_out = _analysis_samples(ctx)
    X_val = held_out.as_binary(np.float32) if is_held_out else None
    layers = make_layers(variant, net.layers, strength=net.strength, n_iter=net.epochs,
                         learning_rate=net.learning_rate, batch_size=net.batch_size,
                         **({} if variant == "sklearn" else net.rbm_backend))  # scikit-learn's RBM runs on NumPy
    models = ctx.directory / "models"
    models.mkdir(exist_ok=True)
    name, seed = _replica(variant, replicate), ctx.config.training_seeds[replicate]
    checkpoint = models / f".{name}-{ctx.input_hash[:12]}.ckpt"
    dbn = DeepBeliefNetwork(layers, random_state=seed).fit(
        X, X_val=X_val, checkpoint=checkpoint, resume=ctx.resume, progress=ctx.progress)
    extra = {} if replicate == 0 else {"replicate": replicate, "training_seed": seed}
    dbn.save(models / f"{name}.nc", overwrite=True,
             config={"variant": variant, **ctx.config.to_dict()["network"], **extra})
    checkpoint.unlink(missing_ok=True)


def _scan_row(ctx: Context, strength: float, **settings: Any) -> None:
    """One strength of the L1 scan; ``settings`` are the scanned RBM's (see :func:`_scan_row_params`)."""
    from deeprg.experiment.scan import fit_scan_row

    samples = _load_samples(ctx)
    out = ctx.directory / _scan_row_output(strength)
    checkpoint = out.parent / f".{strength!r}-{ctx.input_hash[:12]}.ckpt"
    row = fit_scan_row(samples.as_binary(np.float32), (samples.L, samples.L), strength=strength, seed=ctx.config.seed,
                       checkpoint=checkpoint, resume=ctx.resume, progress=ctx.progress, **settings)
    write_json(out, row)
    checkpoint.unlink(missing_ok=True)


def _scan(ctx: Context, strengths: list[float]) -> None:
    """Gather the rows of the scan's strengths into ``scan.json``, in the configuration's order."""
    rows = [ScanRow.from_dict(read_json(ctx.directory / _scan_row_output(s))) for s in strengths]
    write_json(ctx.directory / "scan.json", [row.to_dict() for row in rows])


def _scan_row_output(strength: float) -> str:
    return f"scan/{float(strength)!r}.json"


def _scan_row_params(config: Any, strength: float) -> dict[str, Any]:
    """What one row of the scan depends on besides the ensemble and the seed (its stage's parameters).

    Not the other strengths, nor the network's other settings: adding a strength or a variant keeps the rows.
    """
    sc, net = config.scan, config.network
    return {"strength": float(strength), "n_components": config.scan_n_components, "epochs": sc.epochs,
            "penalty_method": sc.penalty_method, "learning_rate": net.learning_rate, "batch_size": net.batch_size,
            "n_surrogates": config.analysis.n_surrogates, "rbm_backend": dict(net.rbm_backend)}


def _analyze(ctx: Context, variant: str, replicate: int = 0) -> None:
    """Measure a variant's network; the variant's own (replicate 0) gets its figures drawn too.

    Every replicate is measured with the experiment's seed, so replicates differ only by training.
    """
    from deeprg.experiment.analysis import analyze_network, measure_network, write_metrics
    from deeprg.rbm import DeepBeliefNetwork

    dbn = DeepBeliefNetwork.load(ctx.directory / "models" / f"{_replica(variant, replicate)}.nc")
    out = ctx.directory / _analysis_dir(variant, replicate)
    samples, held_out = _analysis_samples(ctx)
    options = {"n_surrogates": ctx.config.analysis.n_surrogates, "n_samples": ctx.config.analysis.n_samples,
               "random_state": ctx.config.seed, "progress": ctx.progress, "held_out": held_out}
    if replicate == 0:
        metrics = analyze_network(dbn, samples, out, **options)
    else:
        metrics = measure_network(dbn, samples, **options).metrics
        out.mkdir(parents=True, exist_ok=True)
    write_metrics(metrics, out / "metrics.json")


def _control_depth(L: int, layers: list[int]) -> int:
    """Layers of the control networks: as many of the network's as halve the lattice each time (at least 1)."""
    depth = 0
    while depth < len(layers) and L % 2 ** (depth + 1) == 0 and L // 2 ** (depth + 1) >= 2:
        depth += 1
    return max(depth, 1)


def _control(ctx: Context, name: str) -> None:
    """Measure one control network of the panel like the trained networks (one stage per control)."""
    from deeprg.experiment.analysis import measure_network
    from deeprg.rg import standard_controls

    (samples, held_out), analysis = _analysis_samples(ctx), ctx.config.analysis
    (control,) = standard_controls(samples.L, b=2, n_layers=_control_depth(samples.L, ctx.config.network.layers),
                                   random_state=ctx.config.seed, names=[name])
    measured = measure_network(control.network, samples, n_surrogates=analysis.n_surrogates,
                               n_samples=analysis.n_samples, random_state=ctx.config.seed, held_out=held_out,
                               progress=ctx.progress)
    result = ControlResult(control.name, control.expected, control.description, dict(control.expected_measures),
                           measured.metrics)
    out = ctx.directory / _control_output(name)
    out.parent.mkdir(exist_ok=True)
    write_json(out, result.to_dict())


def _control_output(name: str) -> str:
    return f"controls/{name}.json"


def _controls(ctx: Context, names: list[str]) -> None:
    """Gather the measured controls into ``controls.json``, in the panel's order."""
    results = [ControlResult.from_dict(read_json(ctx.directory / _control_output(name))) for name in names]
    write_json(ctx.directory / "controls.json", [result.to_dict() for result in results])


def _exact_1d(ctx: Context) -> None:
    from deeprg.experiment.measure import exact_checks

    ens = ctx.config.ensemble
    write_json(ctx.directory / "exact_1d.json", exact_checks(ens.beta * ens.coupling, random_state=ctx.config.seed).to_dict())


def _mcrg(ctx: Context) -> None:
    """Swendsen's MCRG of block spins, every variant's layers and (optionally) the controls, on the training ensemble."""
    from deeprg.experiment.analysis import _analysis_subset
    from deeprg.experiment.mcrg import MCRGNetwork, measure_mcrg, write_mcrg
    from deeprg.rbm import DeepBeliefNetwork
    from deeprg.rg import standard_controls

    settings, samples = ctx.config.mcrg, _load_samples(ctx)
    networks = [MCRGNetwork(v, "variant", DeepBeliefNetwork.load(ctx.directory / "models" / f"{v}.nc"))
                for v in ctx.config.network.variants]
    if settings.controls:
        depth = _control_depth(samples.L, ctx.config.network.layers)
        networks += [MCRGNetwork(c.name, "control", c.network, c.expected)
                     for c in standard_controls(samples.L, b=2, n_layers=depth, random_state=ctx.config.seed)]
    metrics = measure_mcrg(_analysis_subset(samples, settings.n_samples), samples.beta * ctx.config.ensemble.coupling,
                           networks, levels=settings.levels, n_even=settings.n_even, n_odd=settings.n_odd,
                           random_state=ctx.config.seed, progress=ctx.progress)
    write_mcrg(metrics, ctx.directory / "mcrg.json")


def _report(ctx: Context, version: str) -> None:
    from deeprg.experiment.measure import ensemble_summary
    from deeprg.report import render_report, verdict

    out, config = ctx.directory, ctx.config
    variants = config.network.variants
    scan = read_json(out / "scan.json") if config.scan is not None else None
    controls = read_json(out / "controls.json") if config.analysis.controls else None
    timings = {r.name: r.seconds for r in ctx.records}
    account = run_account(config, ctx.records)  # measures the float32 GEMM peak (a second or two)
    metrics = ExperimentMetrics(
        deeprg_version=version,
        config=config.to_dict(),
        ensemble=ensemble_summary(_load_samples(ctx)),
        variants={v: NetworkMetrics.from_dict(read_json(out / "analysis" / v / "metrics.json")) for v in variants},
        replicates={v: [Replicate(k, config.training_seeds[k], NetworkMetrics.from_dict(
            read_json(out / _analysis_dir(v, k) / "metrics.json"))) for k in range(1, config.n_seeds)]
            for v in variants} if config.n_seeds > 1 else {},
        exact_1d=ExactChecks.from_dict(read_json(out / "exact_1d.json")),
        scan=None if scan is None else [ScanRow.from_dict(row) for row in scan],
        controls=None if controls is None else [ControlResult.from_dict(row) for row in controls],
        timings=timings,
        account=account,
        mcrg=_mcrg_metrics(ctx),
    )
    data = metrics.to_dict()
    data["verdict"] = verdict(metrics)
    write_json(out / "metrics.json", data)
    provenance = {"deeprg_version": version, "python": platform.python_version(),
                  "machine": f"{platform.machine()} {platform.system()}, {platform.processor() or ''}".strip(", "),
                  "seed": config.seed, "config": data["config"], "timings": timings,
                  "time_account": account_summary(account)}
    render_report(data, {v: out / "analysis" / v for v in variants}, out / "report.html", provenance=provenance)


def _mcrg_metrics(ctx: Context) -> Any:
    """The ``mcrg`` stage's record, or None when the experiment has no ``[mcrg]`` table."""
    from deeprg.experiment.results import MCRGMetrics

    data = read_json(ctx.directory / "mcrg.json") if ctx.config.mcrg is not None else None
    return None if data is None else MCRGMetrics.from_dict(data)


# ---------------------------------------------------------------------- the plan
def _stage(kind: str, variant: str, replicate: int) -> str:
    return f"{kind}/{variant}" + (f"/replicate-{replicate}" if replicate else "")


def _params(variant: str, replicate: int) -> dict[str, Any]:
    return {"variant": variant, **({"replicate": replicate} if replicate else {})}


def plan(config: Any) -> list[Stage]:
    """The stages of ``config``'s experiment, in order, with what each reads and writes.

    Parameters
    ----------
    config : deeprg.experiment.config.ExperimentConfig
        The resolved experiment.

    Returns
    -------
    list of Stage
    """
    variants = list(config.network.variants)
    stages = [Stage("ensemble", ("ensemble.nc",), _sample, config=("ensemble", "seed"))]
    data = ("ensemble",)
    if config.ensemble.n_held_out:
        stages.append(Stage("held_out", ("held_out.nc",), _sample_held_out, config=("ensemble", "seed")))
        data = ("ensemble", "held_out")
    # Replicate 0 is the variant's own network; its stages keep the names and input hashes they have
    # without replicates (the replicate parameter is declared only from 1 on).
    replicates = [(v, k) for v in variants for k in range(config.n_seeds)]
    stages += [Stage(_stage("train", v, k), (f"models/{_replica(v, k)}.nc",), _train, config=("network", "seed"),
                     after=data, params=_params(v, k)) for v, k in replicates]
    if config.scan is not None:
        rows = [Stage(f"scan/l1-{float(s)!r}", (_scan_row_output(s),), _scan_row, config=("seed",),
                      after=("ensemble",), params=_scan_row_params(config, s)) for s in config.scan.strengths]
        stages += rows
        stages.append(Stage("scan", ("scan.json",), _scan, after=tuple(r.name for r in rows),
                            params={"strengths": [float(s) for s in config.scan.strengths]}))
    # measurements on one BLAS thread wherever they run: the same numbers in this process and on a worker
    stages += [Stage(_stage("analyze", v, k), (str(_analysis_dir(v, k) / "metrics.json"),), _analyze, config=("analysis", "seed"), after=(*data, _stage("train", v, k)), params=_params(v, k),
                     blas_threads=1) for v, k in replicates]
    if config.analysis.controls:  # one stage per control network: pieces the size of an analysis, run side by side
        from deeprg.rg import standard_control_names

        names = list(standard_control_names())
        parts = [Stage(f"controls/{name}", (_control_output(name),), _control, config=("analysis", "network", "seed"),
                       after=data, params={"name": name}, blas_threads=1) for name in names]
        stages += parts
        stages.append(Stage("controls", ("controls.json",), _controls, after=tuple(p.name for p in parts),
                            params={"names": names}))
    stages.append(Stage("exact_1d", ("exact_1d.json",), _exact_1d, config=("ensemble", "seed")))
    if config.mcrg is not None:
        stages.append(Stage("mcrg", ("mcrg.json",), _mcrg, config=("mcrg", "ensemble", "network", "seed"),
                            after=("ensemble", *(f"train/{v}" for v in variants)), blas_threads=1))
    stages.append(Stage("report", ("report.html", "metrics.json"), _report,
                        after=tuple(stage.name for stage in stages), params={"version": __version__}))
    return stages


def run_experiment(
    config: Any,
    directory: str | Path,
    *,
    resume: bool = True,
    progress: Progress | None = None,
    engine: Any = None,
) -> RunResult:
    """Run (or continue) an experiment: sample, train every variant, scan, analyze, report.

    Parameters
    ----------
    config : deeprg.experiment.config.ExperimentConfig
        The resolved experiment.
    directory : path
        Run directory; finished stages found there are reused.
    resume : bool, default True
        Continue interrupted trainings from their checkpoints.
    progress : Progress, optional
        Reports as ``progress(stage, message, completed, total)`` (see :mod:`deeprg.progress`).
    engine : deeprg.sweep.engines.Engine, optional
        Where the stages run (:class:`~deeprg.experiment.stages.Runner`); default: in this process,
        one at a time. The results are the same on every engine.

    Returns
    -------
    RunResult
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    write_json(out / "config.json", config.to_dict())
    records = Runner(out, config, resume=resume, progress=progress, engine=engine).run(plan(config))
    logger.info("run finished in %.1f s", time.perf_counter() - started)
    return RunResult(out, out / "report.html", out / "metrics.json", records)
