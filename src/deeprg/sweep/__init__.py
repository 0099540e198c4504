"""Sweeps: many experiments over a grid of configuration keys, run in parallel, cached, in one dataset.

``deeprg sweep SWEEP.toml`` runs every cell of a sweep file (:mod:`deeprg.sweep.spec`) through the
stages of ``deeprg run`` (:mod:`deeprg.experiment.pipeline`). Stage artifacts live in a
content-addressed store keyed by each stage's input hash (:mod:`deeprg.sweep.store`), so work shared
by cells (one ensemble per lattice, coupling and seed) is done once and a rerun does only what is
missing. :mod:`deeprg.sweep.executor` turns cells into a graph of stage tasks and runs it on an
engine (:mod:`deeprg.sweep.engines`: in-process, local processes, or a Dask cluster);
:mod:`deeprg.sweep.dataset` gathers the results into ``sweep.nc`` and :mod:`deeprg.sweep.report`
draws ``sweep.html``. :func:`run_sweep` (:mod:`deeprg.sweep.run`) does it all.
"""

from deeprg.sweep.spec import Cell, SweepSpec, load_sweep, parse_sweep

__all__ = ["Cell", "SweepSpec", "load_sweep", "parse_sweep"]
