"""``deeprg train``: a deep belief network on an ensemble file, greedily, layer by layer.

Besides the command: its option checks (penalty strength, backend), the fit with a progress bar
that keeps a checkpoint on Ctrl-C, and the table of the trained layers.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Optional

import numpy as np
import typer
from rich.table import Table

from deeprg.cli._common import (
    _BACKEND_HELP,
    _DEVICE_HELP,
    _MAX_CD_K,
    _MAX_EPOCHS,
    EXIT_INTERRUPTED,
    _check_count,
    _progress,
    console,
    err_console,
)
from deeprg.errors import InvalidParameterError


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
