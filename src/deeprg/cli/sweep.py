"""``deeprg sweep``: many experiments over a grid of configuration keys, with a table of the cells."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from deeprg.cli._common import EXIT_INTERRUPTED, console, err_console


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
