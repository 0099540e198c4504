"""Hidden units against block spins: does a layer's unit track one majority-rule block?

For every hidden unit of a layer, its correlation with every block spin of the
matching block size is measured on the same configurations; the unit's best
``|correlation|`` is compared with a null in which the unit's activity is shuffled
across samples (which keeps its marginal and destroys any relation to the
configuration), so "0.3" can be read against what chance gives.

Near criticality every smooth field correlates with every block through the global
magnetization: a dense random unit reaches ~0.6 with some 2x2 block on an 8x8 lattice
at K = 0.4. By default the correlation is therefore *partial*: the magnetization of
each configuration is regressed out of both sides first, so what remains is whether a
unit follows one particular block (a block unit: ~0.85; a random dense unit: ~0.35).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from deeprg._random import RandomState, check_random_state
from deeprg._validation import check_int, check_spins
from deeprg.errors import InvalidParameterError
from deeprg.rg.flow.blockspin import block_spin

__all__ = ["OWN_BLOCK_THRESHOLD", "own_block_fraction", "BlockMatch", "hidden_block_correlation", "matching_block_size"]


#: A layer is block-specific when at least this fraction of its units correlate best with the block
#: they sit on (:func:`own_block_fraction`). Majority-rule and block-average stacks: 1.00 at every layer
#: on 16x16 and 40x40, K = 0.408 and K_c; random-site copies 0.20-0.50; random dense, smooth,
#: multi-patch, faint and untrained networks 0.50 or less (0.25-0.50 only where 4 units leave chance
#: high). The median specificity (best minus second best) is reported too, but it also falls with the
#: correlation between neighbouring blocks (0.28-0.30 for 8x8 blocks on 16x16), so it does not separate.
OWN_BLOCK_THRESHOLD = 0.75

@dataclass(frozen=True)
class BlockMatch:
    """Best block-spin correlation of each hidden unit of one layer.

    Attributes
    ----------
    layer : int
        Layer index (1 = first hidden layer).
    block_size : int
        Side ``b`` of the blocks compared with.
    best_correlation : ndarray, shape (n_units,)
        Largest ``|correlation|`` (partial, given the magnetization, if ``partial``) of each unit
        with any block spin.
    best_block : ndarray of int, shape (n_units,)
        Row-major index of that block on the ``L/b x L/b`` block lattice.
    specificity : ndarray, shape (n_units,)
        Best minus second-best ``|correlation|``: large when a unit follows one block, small when
        it correlates about equally with many (a dense field). The shuffled null only shows
        that a unit depends on the configuration at all; specificity shows it depends on *one block*.
    null_correlation : ndarray, shape (n_units, n_null)
        The same maximum after shuffling the unit's activity across samples.
    """

    layer: int
    block_size: int
    best_correlation: NDArray[np.float64]
    best_block: NDArray[np.int64]
    specificity: NDArray[np.float64]
    null_correlation: NDArray[np.float64]
    partial: bool = True

    def summary(self) -> dict[str, Any]:
        """Plain numbers for ``metrics.json``: medians of the units and of the null, and how many beat it."""
        null_q95 = np.quantile(self.null_correlation, 0.95, axis=1)
        return {
            "layer": self.layer,
            "block_size": self.block_size,
            "partial": self.partial,
            "median_best_correlation": float(np.median(self.best_correlation)),
            "median_null_correlation": float(np.median(self.null_correlation)),
            "fraction_above_null_95": float(np.mean(self.best_correlation > null_q95)),
            "median_specificity": float(np.median(self.specificity)),
            "distinct_blocks": int(len(np.unique(self.best_block))),
        }


def matching_block_size(n_visible: int, n_units: int) -> int:
    """The block side ``b`` with ``(L / b)^2 = n_units`` on an ``L x L`` lattice of ``n_visible`` sites.

    Mehta & Schwab's 1600-400-100-25 network gives 2, 4 and 8.
    """
    L = math.isqrt(n_visible)
    side = math.isqrt(n_units)
    if L * L != n_visible or side * side != n_units or L % side:
        raise InvalidParameterError(
            f"{n_units} units do not tile a {L}x{L} lattice into square blocks; pass block_size explicitly."
        )
    return L // side


def _standardize(a: NDArray[np.float64]) -> NDArray[np.float64]:
    centred = a - a.mean(axis=0)
    norm = np.sqrt((centred**2).sum(axis=0))
    return np.divide(centred, norm, out=np.zeros_like(centred), where=norm > 0)


def _residual(a: NDArray[np.float64], m: NDArray[np.float64]) -> NDArray[np.float64]:
    """``a`` with its least-squares dependence on ``[1, m]`` removed (column by column)."""
    design = np.column_stack([np.ones_like(m), m])
    coef, *_ = np.linalg.lstsq(design, a, rcond=None)
    return a - design @ coef


def _best(units: NDArray[np.float64], blocks: NDArray[np.float64]) -> tuple[NDArray, NDArray, NDArray]:
    """Best ``|correlation|`` of each unit with any block, which block, and best minus second best."""
    corr = np.abs(units.T @ blocks)  # (n_units, n_blocks) of standardized columns = Pearson correlations
    top2 = -np.partition(-corr, min(1, corr.shape[1] - 1), axis=1)[:, :2]
    gap = top2[:, 0] - top2[:, 1] if corr.shape[1] > 1 else top2[:, 0]
    return corr.max(axis=1), corr.argmax(axis=1), gap


def hidden_block_correlation(
    dbn: Any,
    spins: NDArray[np.int8],
    layer: int,
    *,
    block_size: int | None = None,
    rule: str = "majority",
    n_null: int = 20,
    partial: bool = True,
    random_state: RandomState = None,
) -> BlockMatch:
    """Correlate each hidden unit of ``layer`` with the block spins of the matching size.

    Parameters
    ----------
    dbn : DeepBeliefNetwork
        Fitted network whose visible layer is the ``L x L`` lattice.
    spins : ndarray of int8, shape (n_samples, L, L)
        Configurations in {-1, +1}.
    layer : int
        Hidden layer (1 = first).
    block_size : int, optional
        Block side; by default the one whose block lattice has as many sites as the layer has units.
    rule : {"majority", "decimation"}
        Block-spin rule (see :func:`deeprg.rg.flow.blockspin.block_spin`).
    n_null : int, default 20
        Shuffles of each unit's activity for the null.
    partial : bool, default True
        Regress the configuration's magnetization out of units and blocks first.
    random_state : None, int, SeedSequence or Generator
        Seeds the majority-rule tie breaks and the shuffles.

    Returns
    -------
    BlockMatch
    """
    batch = check_spins(spins, min_samples=3)
    check_int(n_null, "n_null", minimum=1)
    rng = check_random_state(random_state)
    L = batch.shape[1]
    activity = np.asarray(dbn.transform((batch.reshape(len(batch), -1) > 0).astype(np.float64), layer=layer), dtype=np.float64)
    b = matching_block_size(L * L, activity.shape[1]) if block_size is None else check_int(block_size, "block_size", minimum=1)
    blocks = block_spin(batch, b, rule=rule, random_state=rng).reshape(len(batch), -1).astype(np.float64)
    if partial:
        m = batch.reshape(len(batch), -1).mean(axis=1, dtype=np.float64)
        activity, blocks = _residual(activity, m), _residual(blocks, m)
    units, block_std = _standardize(activity), _standardize(blocks)
    best, where, specificity = _best(units, block_std)
    null = np.empty((units.shape[1], n_null))
    for k in range(n_null):
        shuffled = units[rng.permutation(len(units))]
        null[:, k] = _best(shuffled, block_std)[0]
    return BlockMatch(layer=int(layer), block_size=int(b), best_correlation=best, best_block=where.astype(np.int64),
                      specificity=specificity, null_correlation=null, partial=partial)


def own_block_fraction(match: BlockMatch, placement: Any) -> float:
    """Fraction of a layer's units whose best-correlated block spin is the block they sit on.

    Parameters
    ----------
    match : BlockMatch
        The layer's units against block spins (:func:`hidden_block_correlation`).
    placement : deeprg.rg.flow.placement.Placement
        The same units placed on the block lattice of the same block size.

    Returns
    -------
    float
        ``mean(match.best_block == placement.block_of_unit)``.
    """
    if placement.b != match.block_size or len(placement.block_of_unit) != len(match.best_block):
        raise InvalidParameterError(
            f"the placement ({placement.b}x{placement.b} blocks, {len(placement.block_of_unit)} units) and the block "
            f"matching ({match.block_size}x{match.block_size} blocks, {len(match.best_block)} units) are not of the "
            "same layer."
        )
    return float(np.mean(match.best_block == placement.block_of_unit))
