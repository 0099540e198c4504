"""``deeprg mcrg``: RG eigenvalues and effective couplings (Swendsen's MCRG) of block spins and networks."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from deeprg.cli._common import _progress, console
from deeprg.errors import InvalidParameterError


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
