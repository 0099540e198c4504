"""The staged, cached, resumable experiment runner behind ``deeprg run``.

Stages, each writing its artifact into the run directory::

    ensemble            ensemble.nc                      sample the Ising configurations
    train/<variant>     models/<variant>.nc              train the network of each variant
    scan                scan.json                        locality and likelihood against the L1 strength
    analyze/<variant>   analysis/<variant>/              figures and metrics of each network
    exact_1d            exact_1d.json                    the exact 1D mapping and trace-condition checks
    report              report.html, metrics.json        everything, with the verdict

Every stage records the hash of its inputs (its part of the configuration and the
hashes of the stages it reads) in ``.stages/<stage>.json`` after its outputs are
written; a rerun skips a stage whose record matches and whose outputs exist.
Training writes a checkpoint every epoch, keyed by the stage's input hash, so an
interrupted run loses at most the current epoch and a resumed one can never pick
up the training of another configuration. The scan does the same for the RBM it is
training and keeps each finished strength's row in ``.scan/`` (a cache keyed by each
row's own inputs, reused by later runs, with or without ``--resume``).
"""

from __future__ import annotations

import json
import logging
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

from deeprg import __version__
from deeprg.io import atomic_path
from deeprg.progress import within

logger = logging.getLogger(__name__)

#: What the runner reports, as the message, when a stage starts, is skipped (up to date) or finishes;
#: any other message reports work inside the running stage.
STAGE_STARTED, STAGE_SKIPPED, STAGE_FINISHED = "running", "up to date", "done"


class Progress(Protocol):
    """``progress(stage, message, completed, total)``: what a stage is doing and how far it got.

    ``completed`` and ``total`` are in the stage's own units of work (``None`` while unknown);
    the CLI turns them into a bar with the time remaining.
    """

    def __call__(self, stage: str, message: str, completed: float | None = None, total: float | None = None) -> None:
        """Report on ``stage``.

        Parameters
        ----------
        stage : str
            Stage name, e.g. ``"train/l1"``.
        message : str
            :data:`STAGE_STARTED`, :data:`STAGE_SKIPPED`, :data:`STAGE_FINISHED`, or what the
            stage is doing.
        completed, total : float, optional
            Work done and total work of the stage, in its own units.
        """


def _silent(stage: str, message: str, completed: float | None = None, total: float | None = None) -> None:
    return None


@dataclass
class StageRecord:
    """What a finished stage leaves in ``.stages/<name>.json``."""

    name: str
    input_hash: str
    outputs: list[str]
    seconds: float
    skipped: bool = False


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


def _write_json(path: Path, data: Any) -> None:
    with atomic_path(path, overwrite=True) as tmp:
        tmp.write_text(json.dumps(data, indent=2, allow_nan=False))


def _read_json(path: Path) -> Any:
    """The JSON in ``path``, or None when it is missing or unreadable (then it is recomputed)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


class Runner:
    """Runs stages in a directory, skipping those whose recorded input hash matches."""

    def __init__(self, directory: Path, progress: Progress | None) -> None:
        self.directory = directory
        self.progress: Progress = progress or _silent
        self.records: list[StageRecord] = []
        (directory / ".stages").mkdir(parents=True, exist_ok=True)

    def _record_path(self, name: str) -> Path:
        return self.directory / ".stages" / (name.replace("/", "__") + ".json")

    def up_to_date(self, name: str, input_hash: str) -> bool:
        record = _read_json(self._record_path(name))
        if not isinstance(record, dict):
            return False
        return record.get("input_hash") == input_hash and all(
            (self.directory / out).exists() for out in record.get("outputs", [])
        )

    def stage(self, name: str, input_hash: str, outputs: list[str], work: Callable[[], None]) -> None:
        """Run ``work`` unless the stage is up to date; then record it."""
        if self.up_to_date(name, input_hash):
            self.progress(name, STAGE_SKIPPED)
            seconds = json.loads(self._record_path(name).read_text()).get("seconds", 0.0)
            self.records.append(StageRecord(name, input_hash, outputs, seconds, skipped=True))
            return
        self.progress(name, STAGE_STARTED)
        start = time.perf_counter()
        work()
        seconds = time.perf_counter() - start
        self.progress(name, STAGE_FINISHED)
        _write_json(self._record_path(name), {"name": name, "input_hash": input_hash, "outputs": outputs,
                                              "seconds": seconds, "deeprg_version": __version__})
        self.records.append(StageRecord(name, input_hash, outputs, seconds))
        logger.info("stage %s done in %.1f s", name, seconds)


def _ensemble_summary(samples: Any) -> dict[str, Any]:
    from deeprg.ising.exact import finite_size

    summary = {k: v.to_dict() for k, v in samples.summary().items()}
    exact = finite_size(samples.L, samples.beta, samples.coupling)
    return {
        **summary,
        "exact_energy_per_site": exact.energy_per_site,
        "exact_specific_heat": exact.specific_heat,
        "algorithm": samples.algorithm,
        "spacing": samples.spacing,
        "n_thermalize": samples.n_thermalize,
        "tau_energy": samples.tau.get("energy"),
        "tau_abs_magnetization": samples.tau.get("abs_magnetization"),
        "n_samples": samples.n_samples,
        "L": samples.L,
        "beta": samples.beta,
        "coupling": samples.coupling,
    }


def exact_1d_checks(beta: float, *, random_state: int = 0) -> dict[str, Any]:
    """The exact 1D decimation RBM checked by enumeration, and a small 2D RBM's trace distance.

    Returns a JSON-able dict: per coupling K the decimated coupling from enumeration against
    artanh(tanh^2 K), the trace-condition violation, the flow K -> K' -> ..., and for a 4x4
    torus at ``beta`` the distance of a briefly trained 4-hidden-unit RBM from an exact RG step.
    """
    from deeprg.ising import IsingModel, WolffSampler
    from deeprg.rbm import BernoulliRBM
    from deeprg.rg import (
        coarse_grained_couplings,
        decimation_flow,
        decimation_rbm,
        rbm_trace_distance,
        trace_condition_violation,
    )

    chain = []
    for K in (0.5, 1.0, 2.0):
        rbm = decimation_rbm(12, K)
        result = coarse_grained_couplings(rbm)
        chain.append({
            "K": K,
            "K_prime_enumerated": result.coupling,
            "K_prime_exact": result.coupling_exact,
            "error": abs(result.coupling - result.coupling_exact),
            "trace_violation": trace_condition_violation(rbm),
            "flow": decimation_flow(K, 5).tolist(),
        })
    samples = WolffSampler(IsingModel(4), beta, random_state=random_state).sample(3000)
    X = samples.as_binary(np.float64)
    distances = []
    for epochs in (1, 10, 30):
        rbm = BernoulliRBM(4, n_iter=epochs, batch_size=50, dtype="float64", random_state=random_state).fit(X)
        d = rbm_trace_distance(rbm, beta)
        distances.append({"epochs": epochs, "kl_divergence": d.kl_divergence, "total_variation": d.total_variation,
                          "mean_log_trace": d.mean_log_trace})
    return {"decimation": chain, "trace_distance_4x4": distances, "beta": beta}


def _scan(config: Any, X: np.ndarray, shape: tuple[int, int], cache: Path, ensemble_hash: str, *, resume: bool,
          say: Progress) -> list[dict[str, Any]]:
    """The L1 scan, one strength at a time, so that an interruption loses at most one epoch.

    Parameters
    ----------
    config : deeprg.config.ExperimentConfig
        The experiment; its ``scan`` is not None.
    X : ndarray, shape (n_samples, L * L)
        The training bits.
    shape : (int, int)
        The lattice.
    cache : Path
        Directory of finished rows and of the checkpoint of the RBM being trained, each keyed by
        the hash of everything its row depends on (so adding a strength or a variant reuses the
        other rows). A row file that cannot be read counts as missing.
    ensemble_hash : str
        Input hash of the ensemble stage.
    resume : bool
        Continue the RBM being trained from its checkpoint (one written for the same row inputs).
    say : Progress
        Progress reports, as ``say("scan", message, epochs done, total epochs)``.

    Returns
    -------
    list of dict
        One row per strength, equal to those of one :func:`deeprg.rg.locality_scan` call over all
        the strengths (its rows are independent of each other).
    """
    from deeprg.config import config_hash
    from deeprg.rbm import BernoulliRBM, Checkpoint, LambdaCallback
    from deeprg.rbm._params import stored_params
    from deeprg.rg import locality_scan

    sc, net = config.scan, config.network
    n_components = config.scan_n_components
    total = len(sc.strengths) * sc.epochs
    cache.mkdir(parents=True, exist_ok=True)
    rows = []
    for index, strength in enumerate(sc.strengths):
        settings = {"l1": strength, "n_components": n_components, "epochs": sc.epochs, "method": sc.penalty_method,
                    "learning_rate": net.learning_rate, "batch_size": net.batch_size, "ensemble": ensemble_hash,
                    "n_surrogates": config.analysis.n_surrogates, "seed": config.seed, "version": __version__}
        key = f"l1-{strength!r}-{config_hash(settings)[:12]}"
        row_path, checkpoint = cache / f"{key}.json", cache / f"{key}.ckpt"
        row = _read_json(row_path)
        if row is not None:
            checkpoint.unlink(missing_ok=True)  # left behind if a run stopped between the two
            rows.append(row)
            continue
        label = f"L1 {strength:g} ({index + 1}/{len(sc.strengths)})"
        say("scan", label, index * sc.epochs, total)

        def epoch(est: Any, n: int, logs: dict[str, float], label: str = label, index: int = index) -> None:
            say("scan", f"{label}, epoch {n}/{sc.epochs}", index * sc.epochs + n, total)

        callbacks = [Checkpoint(checkpoint), LambdaCallback(epoch)]  # saved before anything else runs

        def make_rbm(strength: float, seed: int, callbacks: list[Any] = callbacks) -> BernoulliRBM:
            return BernoulliRBM(n_components, l1=strength, penalty_method=sc.penalty_method, n_iter=sc.epochs,
                                learning_rate=net.learning_rate, batch_size=net.batch_size, random_state=seed,
                                callbacks=callbacks)

        def fit(rbm: BernoulliRBM, data: Any, checkpoint: Path = checkpoint) -> BernoulliRBM:
            if resume and checkpoint.exists():
                saved = BernoulliRBM.load_checkpoint(checkpoint, callbacks=rbm.callbacks)
                if stored_params(saved) == stored_params(rbm):
                    return saved.fit(data, resume=True)
                logger.warning("ignoring %s: written for other settings", checkpoint)
            return rbm.fit(data)

        [row] = locality_scan(X, [strength], n_components=n_components, shape=shape, make_rbm=make_rbm, fit=fit,
                              n_surrogates=config.analysis.n_surrogates, random_state=config.seed)
        _write_json(row_path, row)
        checkpoint.unlink(missing_ok=True)
        rows.append(row)
    return rows


def run_experiment(
    config: Any,
    directory: str | Path,
    *,
    resume: bool = True,
    progress: Progress | None = None,
) -> RunResult:
    """Run (or continue) an experiment: sample, train every variant, scan, analyze, report.

    Parameters
    ----------
    config : deeprg.config.ExperimentConfig
        The resolved experiment.
    directory : path
        Run directory; finished stages found there are reused.
    resume : bool, default True
        Continue interrupted trainings from their checkpoints.
    progress : callable, optional
        Reports as ``progress(stage, message, completed, total)`` (see :class:`Progress`).

    Returns
    -------
    RunResult
    """
    from deeprg.analysis import analyze_network, write_metrics
    from deeprg.config import config_hash
    from deeprg.io import load_ensemble, save_ensemble
    from deeprg.ising import IsingModel, make_sampler
    from deeprg.rbm import DeepBeliefNetwork, make_layers
    from deeprg.report import render_report, verdict

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    runner = Runner(out, progress)
    say = runner.progress
    cfg = config.to_dict() if hasattr(config, "to_dict") else dict(config)
    started = time.perf_counter()
    _write_json(out / "config.json", cfg)

    # -- ensemble
    ens = config.ensemble
    ensemble_hash = config_hash({"ensemble": cfg["ensemble"], "seed": config.seed})

    def sample() -> None:
        sampler = make_sampler(ens.algorithm, IsingModel(ens.L, ens.coupling), ens.beta,
                               random_state=config.seed, n_chains=ens.n_chains)
        samples = sampler.sample(ens.n_samples, progress=within(say, "ensemble"))
        save_ensemble(samples, out / "ensemble.nc", overwrite=True)

    runner.stage("ensemble", ensemble_hash, ["ensemble.nc"], sample)
    samples = load_ensemble(out / "ensemble.nc")
    X = samples.as_binary(np.float32)

    # -- training, one network per variant
    net = config.network
    models = out / "models"
    models.mkdir(exist_ok=True)
    model_hashes: dict[str, str] = {}
    for variant in net.variants:
        h = config_hash({"network": cfg["network"], "variant": variant, "ensemble": ensemble_hash, "seed": config.seed})
        model_hashes[variant] = h

        def train(variant: str = variant, h: str = h) -> None:
            layers = make_layers(variant, net.layers, strength=net.strength, n_iter=net.epochs,
                                 learning_rate=net.learning_rate, batch_size=net.batch_size)
            checkpoint = models / f".{variant}-{h[:12]}.ckpt"
            dbn = DeepBeliefNetwork(layers, random_state=config.seed).fit(
                X, checkpoint=checkpoint, resume=resume, progress=within(say, f"train/{variant}"))
            dbn.save(models / f"{variant}.nc", overwrite=True, config={"variant": variant, **cfg["network"]})
            checkpoint.unlink(missing_ok=True)

        runner.stage(f"train/{variant}", h, [f"models/{variant}.nc"], train)

    # -- locality against the L1 strength
    scan_hash = config_hash({"scan": cfg.get("scan"), "network": cfg["network"], "ensemble": ensemble_hash,
                             "analysis": cfg["analysis"], "seed": config.seed})
    if config.scan is not None:
        def scan() -> None:
            rows = _scan(config, X, (samples.L, samples.L), out / ".scan", ensemble_hash, resume=resume, say=say)
            _write_json(out / "scan.json", rows)

        runner.stage("scan", scan_hash, ["scan.json"], scan)

    # -- analysis of each network
    analysis_hashes: dict[str, str] = {}
    for variant in net.variants:
        h = config_hash({"model": model_hashes[variant], "analysis": cfg["analysis"], "seed": config.seed})
        analysis_hashes[variant] = h

        def analyze(variant: str = variant) -> None:
            dbn = DeepBeliefNetwork.load(out / "models" / f"{variant}.nc")
            metrics = analyze_network(
                dbn, samples, out / "analysis" / variant, n_surrogates=config.analysis.n_surrogates,
                n_samples=config.analysis.n_samples, random_state=config.seed,
                progress=lambda message, step, n_steps: say(f"analyze/{variant}", message, step, n_steps))
            metrics["training"] = {f"layer {k + 1}": getattr(layer, "history_", {}) for k, layer in enumerate(dbn.layers_)}
            write_metrics(metrics, out / "analysis" / variant / "metrics.json")

        runner.stage(f"analyze/{variant}", h, [f"analysis/{variant}/metrics.json"], analyze)

    # -- the exact 1D mapping and the trace distance
    exact_hash = config_hash({"beta": ens.beta * ens.coupling, "seed": config.seed})
    runner.stage("exact_1d", exact_hash, ["exact_1d.json"],
                 lambda: _write_json(out / "exact_1d.json", exact_1d_checks(ens.beta * ens.coupling, random_state=config.seed)))

    # -- report
    report_hash = config_hash({"inputs": [ensemble_hash, scan_hash, exact_hash, *analysis_hashes.values()],
                               "version": __version__})

    def report() -> None:
        metrics: dict[str, Any] = {
            "deeprg_version": __version__,
            "config": cfg,
            "ensemble": _ensemble_summary(samples),
            "variants": {v: json.loads((out / "analysis" / v / "metrics.json").read_text()) for v in net.variants},
            "exact_1d": json.loads((out / "exact_1d.json").read_text()),
        }
        if (out / "scan.json").exists() and config.scan is not None:
            metrics["scan"] = json.loads((out / "scan.json").read_text())
        metrics["verdict"] = verdict(metrics)
        metrics["timings"] = {r.name: r.seconds for r in runner.records}
        _write_json(out / "metrics.json", metrics)
        provenance = {"deeprg_version": __version__, "python": platform.python_version(),
                      "machine": f"{platform.machine()} {platform.system()}, {platform.processor() or ''}".strip(", "),
                      "seed": config.seed, "config": cfg, "timings": metrics["timings"]}
        render_report(metrics, {v: out / "analysis" / v for v in net.variants}, out / "report.html",
                      provenance=provenance)

    runner.stage("report", report_hash, ["report.html", "metrics.json"], report)
    logger.info("run finished in %.1f s", time.perf_counter() - started)
    return RunResult(out, out / "report.html", out / "metrics.json", runner.records)
