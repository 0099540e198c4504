"""RG eigenvalues and effective couplings of block spins and of networks' layers, as typed records.

:func:`measure_mcrg` is the one measurement behind ``deeprg mcrg``, the ``mcrg`` stage of
``deeprg run`` and the report's eigenvalue section: Swendsen's MCRG on majority-rule block
spins (:func:`deeprg.rg.mcrg_eigenvalues`) and on every given network's layers
(:func:`deeprg.rg.layer_mcrg`, sampled states, the same operators and jackknife blocks),
with :math:`K_\\mathrm{eff}` per level and per layer, as an
:class:`~deeprg.experiment.results.MCRGMetrics`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from numpy.typing import ArrayLike

from deeprg._random import RandomState, check_random_state, spawn
from deeprg._validation import check_int, check_spins
from deeprg.experiment.results import LayerEigenvalues, MCRGCouplings, MCRGEstimate, MCRGMetrics, NetworkEigenvalues
from deeprg.io import atomic_path
from deeprg.progress import Progress, silent
from deeprg.rg.layermcrg import STATES, LayerMCRG, UnplacedLayer, block_spin_couplings, layer_mcrg
from deeprg.rg.mcrg import MIN_COARSE_SIZE, _max_levels, mcrg_eigenvalues

__all__ = ["MCRGNetwork", "measure_mcrg", "write_mcrg"]

#: The MCRG task under which :func:`measure_mcrg` reports progress.
MCRG_TASK = "mcrg"


@dataclass(frozen=True, eq=False)
class MCRGNetwork:
    """A network to measure: its name, ``"variant"`` or ``"control"``, and whether it is expected to do RG.

    Attributes
    ----------
    name : str
    kind : {"variant", "control"}
    network : DeepBeliefNetwork
    expected : bool or None
        The control's known answer (None for a trained network).
    """

    name: str
    kind: str
    network: Any
    expected: bool | None = None


def _num(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _estimate(result: Any) -> MCRGEstimate:
    side = result.lattice
    for _ in range(result.level):
        side //= result.b
    return MCRGEstimate(level=result.level, b=result.b, coarse_lattice=side, y_t=_num(result.y_t),
                        y_t_error=_num(result.y_t_error), y_h=_num(result.y_h), y_h_error=_num(result.y_h_error),
                        even_eigenvalues=[_num(x) for x in result.even_eigenvalues],
                        odd_eigenvalues=[_num(x) for x in result.odd_eigenvalues],
                        n_samples=result.n_samples, n_blocks=result.n_blocks)


def _couplings(level: int, fit: Any) -> MCRGCouplings | None:
    if fit is None:
        return None
    return MCRGCouplings(level=level, lattice=fit.lattice, operators=list(fit.operators),
                         couplings=[_num(x) for x in fit.couplings], errors=[_num(x) for x in fit.errors])


def _layer(item: LayerMCRG | UnplacedLayer) -> LayerEigenvalues:
    if isinstance(item, UnplacedLayer):
        return LayerEigenvalues(layer=item.layer, placed=False, cause=item.cause, reason=item.reason,
                                rms_displacement=None if item.rms_displacement is None else float(item.rms_displacement),
                                ordered=None, block_size=None, eigenvalues=None, couplings=None)
    estimate = _estimate(item.result)
    estimate = MCRGEstimate(**{**estimate.to_dict(), "coarse_lattice": item.coarse_lattice})
    return LayerEigenvalues(layer=item.layer, placed=True, cause=None, reason=None,
                            rms_displacement=float(item.rms_displacement), ordered=bool(item.ordered),
                            block_size=item.block_size, eigenvalues=estimate,
                            couplings=_couplings(item.layer, item.couplings))


def measure_mcrg(
    spins: ArrayLike,
    beta: float,
    networks: Sequence[MCRGNetwork] = (),
    *,
    levels: int | None = None,
    b: int = 2,
    n_even: int = 4,
    n_odd: int = 3,
    random_state: RandomState = 0,
    progress: Progress | None = None,
) -> MCRGMetrics:
    """MCRG of majority-rule block spins and of every network's layers, with effective couplings.

    Parameters
    ----------
    spins : array_like of int8, shape (n_samples, L, L), or SampleSet
        Equilibrium configurations in chain order (at the critical point for meaningful exponents).
    beta : float
        The ensemble's coupling :math:`K` (recorded).
    networks : sequence of MCRGNetwork, default ()
        Networks whose visible layer is the ``L x L`` lattice.
    levels : int, optional
        Blocking levels of the block spins, and the most layers measured per network; default:
        as many as keep the coarsest lattice at :data:`~deeprg.rg.mcrg.MIN_COARSE_SIZE` sites or more.
    b : int, default 2
        Block side of the block spins.
    n_even, n_odd : int, default 4 and 3
        The operators (:func:`deeprg.rg.mcrg_eigenvalues`).
    random_state : None, int, SeedSequence or Generator
        Tie breaks and sampled states; each network gets its own child stream.
    progress : Progress, optional
        ``progress("mcrg", message, done, total)`` before block spins and each network.

    Returns
    -------
    MCRGMetrics
        The networks' layers use the block spins' jackknife block count.
    """
    start = time.perf_counter()
    batch = check_spins(getattr(spins, "spins", spins), name="spins", min_samples=4)
    L = batch.shape[1]
    b = check_int(b, "b", minimum=2)
    levels = _max_levels(L, b, MIN_COARSE_SIZE) if levels is None else levels
    say = progress or silent
    streams = spawn(check_random_state(random_state), 2 + len(networks))
    say(MCRG_TASK, f"block spins ({L}x{L}, {batch.shape[0]} configurations)", 0, 1 + len(networks))
    blocks = mcrg_eigenvalues(batch, b=b, levels=levels, n_even=n_even, n_odd=n_odd, random_state=streams[0])
    levels = len(blocks)
    fits = block_spin_couplings(batch, b=b, levels=levels, random_state=streams[1])
    measured = []
    for i, net in enumerate(networks):
        say(MCRG_TASK, f"{net.kind} {net.name}", 1 + i, 1 + len(networks))
        n_layers = min(levels, len(getattr(net.network, "layers_", []) or [None]))
        items = layer_mcrg(net.network, batch, levels=n_layers, n_even=n_even, n_odd=n_odd,
                           n_blocks=blocks[0].n_blocks, random_state=streams[2 + i])
        measured.append(NetworkEigenvalues(name=net.name, kind=net.kind, expected=net.expected,
                                           layers=[_layer(item) for item in items]))
    say(MCRG_TASK, "done", 1 + len(networks), 1 + len(networks))
    return MCRGMetrics(lattice=L, beta=float(beta), b=b, states=STATES, even_operators=list(blocks[0].even_operators),
                       odd_operators=list(blocks[0].odd_operators), n_samples=int(batch.shape[0]),
                       block_spins=[_estimate(r) for r in blocks],
                       block_spin_couplings=[_couplings(k, fit) for k, fit in enumerate(fits)],
                       networks=measured, seconds=float(time.perf_counter() - start))


def write_mcrg(metrics: MCRGMetrics, path: str | Path) -> Path:
    """Write ``metrics`` as indented JSON (``mcrg.json``), atomically.

    Parameters
    ----------
    metrics : MCRGMetrics
        :func:`measure_mcrg`.
    path : path
        The file; replaced if it exists.

    Returns
    -------
    Path
    """
    path = Path(path)
    with atomic_path(path, overwrite=True) as tmp:
        tmp.write_text(metrics.to_json())
    return path

