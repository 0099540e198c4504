r"""Swendsen's MCRG on a network's layers: RG eigenvalues and effective couplings of each layer.

A deep belief network's upward pass is a *stochastic* coarse graining: layer :math:`k` draws
its units from :math:`P(h^{(k)} \mid h^{(k-1)})`, a normalized kernel, exactly the kind of
transformation Swendsen's linearised MCRG applies to (:mod:`deeprg.rg.mcrg`; majority rule with
coin-flip ties is another such kernel). So the estimator carries over unchanged once each
layer's units sit on a lattice:

1. **Placement.** Layer :math:`k`'s units are placed one-to-one on the coarse lattice of side
   :math:`m_k = \sqrt{n_k}` (block side :math:`b_k = L / m_k` on the visible lattice) by their
   linear receptive fields' circular centroids (:func:`~deeprg.rg.circular_centroid`,
   :func:`~deeprg.rg.flow.placement.place_on_lattice`, an optimal assignment). A layer whose
   units do not tile the lattice, or whose centroids are not on a lattice
   (:attr:`~deeprg.rg.flow.placement.Placement.is_ordered` false: fields not local), gets an
   :class:`UnplacedLayer` with the reason, never a number; so does every layer above it (its
   step starts from a lattice that does not exist).
2. **States: sampled.** :math:`h^{(1)} \sim P(h \mid v)`, then :math:`h^{(k)} \sim
   P(h \mid h^{(k-1)})` from the sampled states below (as :func:`~deeprg.rg.dbn_flow`), as
   spins :math:`2h - 1`, each multiplied by the sign of its summed receptive field so that up
   means up. The block-spin side it is compared with (:func:`~deeprg.rg.mcrg_eigenvalues`) is
   equally stochastic: majority rule with ties broken by coins. (Mean-field states
   :math:`2P - 1` are not spins; the operators and the exact block-spin control need
   :math:`\pm 1`.)
3. **Eigenvalues.** Level 0 is the visible lattice and level :math:`k` layer :math:`k`'s; the
   step :math:`k - 1 \to k` has scale factor :math:`b = b_k / b_{k-1}` and the even and odd
   operators of :mod:`deeprg.rg.spinoperators` evaluated on both lattices give
   :math:`y_t, y_h` with blocked-jackknife errors, as for block spins.
4. **Couplings.** :func:`~deeprg.rg.pseudolikelihood_couplings` of the placed states gives
   each layer's :math:`K_\mathrm{eff}` (nn, nnn, nn3, ...), next to
   :func:`block_spin_couplings` of the block spins.

The exact block-spin control (:func:`deeprg.rg.controls.block_stack`, strength 10) is majority
rule up to flips of probability :math:`\sigma(-10) \approx 5 \times 10^{-5}`, so it reproduces
block-spin RG's :math:`y_t, y_h` within their errors.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg._random import RandomState, check_random_state
from deeprg._validation import check_int, check_spins
from deeprg.errors import InvalidParameterError
from deeprg.rg.couplings import CouplingFit, pseudolikelihood_couplings
from deeprg.rg.fields import circular_centroid, receptive_fields
from deeprg.rg.fields.receptive import weight_products
from deeprg.rg.flow.matching import matching_block_size
from deeprg.rg.flow.placement import Placement, place_on_lattice
from deeprg.rg.mcrg import (
    MIN_COARSE_SIZE,
    MCRGResult,
    _choose_blocks,
    _one_lattice_sector,
    _operator_values,
    _result,
    _select,
    block_levels,
)
from deeprg.rg.spinoperators import EVEN_OPERATORS, ODD_OPERATORS, SpinOperator

__all__ = [
    "COUPLING_OPERATORS",
    "STATES",
    "UNPLACED_CAUSES",
    "LayerMCRG",
    "UnplacedLayer",
    "block_spin_couplings",
    "layer_lattices",
    "layer_mcrg",
    "layer_placements",
]

logger = logging.getLogger(__name__)

#: How the layers' states are drawn (see the module docstring): sampled upward, bits as spins.
STATES = "sampled"

#: Pair operators of the effective couplings fitted per layer and per block-spin level.
COUPLING_OPERATORS = ("nn", "nnn", "nn3")

#: Why a layer gets no number: its units do not tile the lattice into square blocks; they do but their
#: centroids are not on the coarse lattice (fields not local); the layer below has no lattice; its
#: lattice is smaller than :data:`~deeprg.rg.mcrg.MIN_COARSE_SIZE`; its operators are linearly
#: dependent or constant (e.g. dead units), which makes the correlation matrix singular.
UNPLACED_CAUSES = ("not_tiling", "not_on_lattice", "below_unplaced", "too_small", "singular")


@dataclass(frozen=True)
class UnplacedLayer:
    """A layer that cannot be put on a lattice, hence gets no RG eigenvalue.

    Attributes
    ----------
    layer : int
        The layer (from 1).
    cause : str
        One of :data:`UNPLACED_CAUSES`.
    reason : str
        The explanation, with the numbers behind it.
    rms_displacement : float or None
        The units' RMS distance from their blocks, in block sides, when they were placed.
    """

    layer: int
    cause: str
    reason: str
    rms_displacement: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict."""
        return asdict(self)


@dataclass(frozen=True)
class LayerMCRG:
    """The RG eigenvalues of one layer's step (layer below to this layer) and its effective couplings.

    Attributes
    ----------
    layer : int
        The layer (from 1); ``result.level`` is the same.
    block_size : int
        Block side ``b_k = L / m_k`` of the layer on the visible lattice.
    coarse_lattice : int
        Side ``m_k`` of the layer's lattice.
    states : str
        :data:`STATES`.
    ordered : bool
        Whether the placement is ordered (False only when placement was forced).
    rms_displacement : float
        The units' RMS distance from their blocks, in block sides.
    result : MCRGResult
        ``y_t``, ``y_h`` with errors; ``b`` is the step's scale factor ``b_k / b_{k-1}``.
    couplings : CouplingFit or None
        :math:`K_\\mathrm{eff}` of the layer's placed states (None when not fitted).
    """

    layer: int
    block_size: int
    coarse_lattice: int
    states: str
    ordered: bool
    rms_displacement: float
    result: MCRGResult
    couplings: CouplingFit | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (the result and the couplings as their own dicts)."""
        out = {k: getattr(self, k) for k in ("layer", "block_size", "coarse_lattice", "states", "ordered")}
        out["rms_displacement"] = float(self.rms_displacement)
        out["result"] = self.result.to_dict()
        out["couplings"] = None if self.couplings is None else self.couplings.to_dict()
        return out


def _fitted_layers(dbn: Any) -> list[Any]:
    layers = list(getattr(dbn, "layers_", None) or [])
    if not layers:
        raise InvalidParameterError(
            f"dbn must be a fitted DeepBeliefNetwork (with layers_); got {type(dbn).__name__} without fitted "
            "layers. Train it, load it (DeepBeliefNetwork.load) or build it with from_weights."
        )
    return layers


def layer_placements(dbn: Any, L: int, *, levels: int | None = None) -> list[Placement | UnplacedLayer]:
    """Each layer's units placed on its coarse lattice, or why they cannot be.

    Parameters
    ----------
    dbn : DeepBeliefNetwork
        Fitted network whose visible layer is the ``L x L`` lattice.
    L : int
        Lattice side.
    levels : int, optional
        Layers to place (default: all).

    Returns
    -------
    list of Placement or UnplacedLayer
        One per layer ``1 .. levels``; a :class:`Placement` whatever its order (callers decide).
    """
    layers = _fitted_layers(dbn)
    L = check_int(L, "L", minimum=2)
    n = len(layers) if levels is None else check_int(levels, "levels", minimum=1, maximum=len(layers))
    out: list[Placement | UnplacedLayer] = []
    for k in range(1, n + 1):
        n_units = int(np.asarray(layers[k - 1].components_).shape[0])
        try:
            b = matching_block_size(L * L, n_units)
        except InvalidParameterError:
            out.append(UnplacedLayer(k, "not_tiling", f"{n_units} units do not tile the {L}x{L} lattice into square "
                                     "blocks, so they have no coarse lattice."))
            continue
        out.append(place_on_lattice(circular_centroid(receptive_fields(dbn, k, (L, L))), L, b))
    return out


def _unplaced(k: int, placement: Placement | UnplacedLayer, previous: Any, require_ordered: bool) -> UnplacedLayer | None:
    """Why layer ``k`` gets no number, or None when it gets one."""
    if isinstance(placement, UnplacedLayer):
        return placement
    rms = placement.rms_displacement
    if require_ordered and not placement.is_ordered:
        return UnplacedLayer(k, "not_on_lattice", f"its units' receptive-field centroids are {rms:.3g} block sides "
                             f"(RMS) from their blocks, above the tolerance {placement.tolerance:g}: the fields are "
                             "not local, so the units have no lattice.", rms)
    if isinstance(previous, UnplacedLayer):
        return UnplacedLayer(k, "below_unplaced", f"layer {k - 1} below has no lattice ({previous.cause}), so the "
                             f"step from it to layer {k} has none.", rms)
    m = placement.L // placement.b
    step = placement.b / (1 if previous is None else previous.b)
    if step != round(step) or step < 2:
        return UnplacedLayer(k, "not_tiling", f"its blocks (side {placement.b}) are not an integer multiple >= 2 of "
                             f"the layer below's, so the step has no scale factor.", rms)
    if m < MIN_COARSE_SIZE:
        return UnplacedLayer(k, "too_small", f"its lattice is {m}x{m}, below {MIN_COARSE_SIZE}x{MIN_COARSE_SIZE}: "
                             "the operators wrap onto themselves there.", rms)
    return None


def _aligned_signs(layers: Sequence[Any]) -> list[NDArray[np.int8]]:
    """Sign of every unit's summed linear receptive field (so that up means up)."""
    return [np.where(p.sum(axis=1) < 0, -1, 1).astype(np.int8) for p in weight_products(layers)]


def layer_lattices(
    dbn: Any, spins: ArrayLike, placements: Sequence[Placement | UnplacedLayer | None], *,
    random_state: RandomState = None,
) -> list[NDArray[np.int8] | None]:
    """Sampled states of every layer on its lattice: level 0 (the spins), then each layer.

    Parameters
    ----------
    dbn : DeepBeliefNetwork
        Fitted network on the ``L x L`` lattice.
    spins : array_like of int8, shape (n_samples, L, L)
        Configurations in chain order.
    placements : sequence of Placement, UnplacedLayer or None
        One per layer to sample (bottom first); layers without a Placement are sampled (the
        layers above need them) but not placed.
    random_state : None, int, SeedSequence or Generator
        Source of the sampled states (one generator, layer after layer).

    Returns
    -------
    list of ndarray of int8 or None
        ``len(placements) + 1`` entries; entry ``k`` has shape ``(n_samples, m_k, m_k)``, sign aligned,
        or is None when layer ``k`` has no placement.
    """
    from deeprg.rbm import functional as F

    batch = check_spins(spins, name="spins", min_samples=2)
    n, L, _ = batch.shape
    layers = _fitted_layers(dbn)[: len(placements)]
    if np.asarray(layers[0].components_).shape[1] != L * L:
        raise InvalidParameterError(
            f"the network has {np.asarray(layers[0].components_).shape[1]} visible units but the spins are {L}x{L} "
            f"({L * L} sites); use the ensemble the network was trained on."
        )
    rng = check_random_state(random_state)
    out: list[NDArray[np.int8] | None] = [batch]
    data: NDArray[np.floating] = (batch.reshape(n, -1) > 0).astype(np.float64)
    for layer, placement, sign in zip(layers, placements, _aligned_signs(layers), strict=True):
        data = F.sample_bernoulli(np.asarray(layer.transform(data)), rng)
        units = (2 * data - 1).astype(np.int8) * sign
        out.append(placement.on_grid(units) if isinstance(placement, Placement) else None)
    return out


def _fit_couplings(lattice: NDArray[np.int8], operators: Sequence[str], n_blocks: int) -> CouplingFit | None:
    """Pseudo-likelihood couplings, or None (logged) when the fit diverges or the sample is too short."""
    if not operators:
        return None
    try:
        return pseudolikelihood_couplings(lattice, operators, n_blocks=min(n_blocks, lattice.shape[0]))
    except InvalidParameterError as exc:
        logger.info("no effective couplings on a %dx%d lattice: %s", lattice.shape[1], lattice.shape[1], exc)
        return None


def layer_mcrg(
    dbn: Any,
    spins: ArrayLike,
    *,
    levels: int | None = None,
    n_even: int = 4,
    n_odd: int = 3,
    even: Sequence[str | SpinOperator] | None = None,
    odd: Sequence[str | SpinOperator] | None = None,
    n_blocks: int | None = None,
    couplings: Sequence[str] = COUPLING_OPERATORS,
    coupling_blocks: int = 20,
    require_ordered: bool = True,
    random_state: RandomState = None,
) -> list[LayerMCRG | UnplacedLayer]:
    r"""Swendsen's MCRG on every layer of a network: y_t, y_h and K_eff per layer, or why not.

    Parameters
    ----------
    dbn : DeepBeliefNetwork
        Fitted network whose visible layer is the ``L x L`` lattice of ``spins``.
    spins : array_like of int8, shape (n_samples, L, L), or SampleSet
        Equilibrium configurations in chain order.
    levels : int, optional
        Layers to measure (default: all).
    n_even, n_odd, even, odd
        The operators, as in :func:`~deeprg.rg.mcrg_eigenvalues`.
    n_blocks : int, optional
        Jackknife blocks of the eigenvalues; default automatic (pass the block-spin run's
        ``n_blocks`` to compare like with like).
    couplings : sequence of str, default COUPLING_OPERATORS
        Pair operators of :math:`K_\mathrm{eff}`; empty for none.
    coupling_blocks : int, default 20
        Jackknife blocks of the couplings.
    require_ordered : bool, default True
        Give no number to a layer whose placement is not ordered (its fields are not local).
        False forces the best assignment and measures it anyway (``ordered`` says so), e.g. to
        show that a random network's forced lattice has no RG eigenvalues.
    random_state : None, int, SeedSequence or Generator
        Source of the sampled states.

    Returns
    -------
    list of LayerMCRG or UnplacedLayer
        One per layer ``1 .. levels``, bottom first.

    Examples
    --------
    >>> from deeprg.rg.controls import random_dense_network
    >>> s = np.random.default_rng(0).choice(np.array([-1, 1], dtype=np.int8), size=(40, 8, 8))
    >>> net = random_dense_network(8, n_layers=1, random_state=0)
    >>> [r.cause for r in layer_mcrg(net, s, n_blocks=4, random_state=0)]
    ['not_on_lattice']
    """
    batch = check_spins(getattr(spins, "spins", spins), name="spins", min_samples=4)
    L = batch.shape[1]
    placements = layer_placements(dbn, L, levels=levels)
    even_ops = _select(n_even, even, EVEN_OPERATORS, "even")
    odd_ops = _select(n_odd, odd, ODD_OPERATORS, "odd")
    reasons: list[UnplacedLayer | None] = []
    previous: Any = None
    for k, placement in enumerate(placements, start=1):
        reasons.append(_unplaced(k, placement, previous, require_ordered))
        previous = reasons[-1] if reasons[-1] is not None else placement
    kept = [p if r is None else None for p, r in zip(placements, reasons, strict=True)]
    lattices = layer_lattices(dbn, batch, kept, random_state=random_state)
    values = [None if lat is None else _operator_values([lat], even_ops, odd_ops)[0] for lat in lattices]
    used = _choose_blocks([v for pair in values if pair is not None for v in pair], n_blocks)
    out: list[LayerMCRG | UnplacedLayer] = []
    for k, (placement, reason) in enumerate(zip(placements, reasons, strict=True), start=1):
        out.append(reason if reason is not None else _measure_layer(
            k, placement, placements, values, lattices[k], (even_ops, odd_ops), used, couplings, coupling_blocks, L))
    return out


def _measure_layer(k: int, placement: Placement, placements: list, values: list, lattice: NDArray[np.int8],
                   ops: tuple, n_blocks: int, couplings: Sequence[str], coupling_blocks: int, L: int) -> Any:
    """The :class:`LayerMCRG` of layer ``k`` (or an :class:`UnplacedLayer` when its matrices are singular)."""
    below = 1 if k == 1 else placements[k - 2].b
    step = placement.b // below
    try:
        sectors = [_one_lattice_sector(values[k - 1][s], values[k][s], step, n_blocks) for s in (0, 1)]
    except InvalidParameterError as exc:
        return UnplacedLayer(k, "singular", str(exc), placement.rms_displacement)
    result = _result(k, step, L, "one-lattice", *ops, lattice.shape[0], n_blocks, sectors)
    return LayerMCRG(k, placement.b, L // placement.b, STATES, placement.is_ordered, placement.rms_displacement,
                     result, _fit_couplings(lattice, couplings, coupling_blocks))


def block_spin_couplings(
    spins: ArrayLike,
    *,
    b: int = 2,
    levels: int = 3,
    operators: Sequence[str] = COUPLING_OPERATORS,
    n_blocks: int = 20,
    random_state: RandomState = None,
) -> list[CouplingFit | None]:
    """:math:`K_\\mathrm{eff}` of majority-rule block spins at levels 0 to ``levels`` (level 0: the lattice).

    Parameters
    ----------
    spins : array_like of int8, shape (n_samples, L, L)
        Configurations in chain order.
    b, levels : int
        Block side and blockings (:func:`~deeprg.rg.block_levels`).
    operators : sequence of str, default COUPLING_OPERATORS
        Pair operators fitted.
    n_blocks : int, default 20
        Jackknife blocks.
    random_state : None, int, SeedSequence or Generator
        Tie-breaking coins.

    Returns
    -------
    list of CouplingFit or None
        ``levels + 1`` fits; None where a lattice is below 4 sites or the fit diverges.
    """
    lattices = block_levels(spins, b, check_int(levels, "levels", minimum=0), random_state)
    return [None if lat.shape[1] < MIN_COARSE_SIZE else _fit_couplings(lat, operators, n_blocks) for lat in lattices]

