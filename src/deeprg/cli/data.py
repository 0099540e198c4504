"""``deeprg sample`` and ``deeprg info``: write an ensemble file; describe an ensemble or a model file.

Both show an ensemble the same way: its provenance (lattice, algorithm, autocorrelation times,
seed) and its observables with error bars next to the exact finite-size values.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Optional

import numpy as np
import typer
from rich.table import Table

from deeprg.cli._common import _MAX_SPACING, _check_count, _parse_auto, _progress, console


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


def _provenance_table(samples: Any, path: Optional[Path] = None) -> Table:
    """Where an ensemble comes from: file, lattice, beta, sampler, thermalization, spacing, tau_int, seed."""
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
