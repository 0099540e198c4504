"""``deeprg analyze``: whether a trained network does block-spin RG, with a table per layer."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from deeprg.cli._common import _progress, console
from deeprg.errors import InvalidParameterError

#: Largest --surrogates of `deeprg analyze` (each unit's null fields are held in memory together).
_MAX_SURROGATES = 100_000


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
