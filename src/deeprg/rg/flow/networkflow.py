"""Observables along a network's layers: hidden units sampled upward, placed at their fields' centroids."""

from __future__ import annotations

import numbers
from typing import Any, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg._random import RandomState, check_random_state
from deeprg._validation import check_int, check_spins
from deeprg.errors import InvalidParameterError
from deeprg.rg.fields.receptive import weight_products
from deeprg.rg.flow._pairs import _check_positions
from deeprg.rg.flow.blockspin import block_positions
from deeprg.rg.flow.flows import FlowPoint, flow_observables

__all__ = ["dbn_flow"]


def _receptive_signs(layers: Sequence[Any]) -> list[NDArray[np.int8]]:
    """Sign of the summed linear receptive field (row sums of W_k ... W_1) of every unit of every layer."""
    return [np.where(product.sum(axis=1) < 0, -1, 1).astype(np.int8) for product in weight_products(layers)]


def _layer_positions(positions_by_layer: Any, layers: Sequence[Any], L: int) -> list[NDArray[np.float64] | None]:
    if (
        positions_by_layer is None
        or isinstance(positions_by_layer, (str, bytes))
        or not hasattr(positions_by_layer, "__len__")
    ):
        raise InvalidParameterError(
            "dbn_flow needs positions_by_layer: one (n_units, 2) array of (row, column) positions per hidden "
            "layer, the centroids of the units' receptive fields, e.g. "
            "[circular_centroid(receptive_fields(dbn, k, shape)) for k in range(1, n_layers + 1)] with "
            "deeprg.rg.circular_centroid and deeprg.rg.receptive_fields; got "
            f"{type(positions_by_layer).__name__}."
        )
    n_layers = len(layers)
    given = list(positions_by_layer)
    if len(given) == n_layers:
        given = [None, *given]
    if len(given) != n_layers + 1:
        raise InvalidParameterError(
            f"positions_by_layer must hold one array per hidden layer ({n_layers}), optionally preceded by "
            f"the visible layer's ({n_layers + 1} entries); got {len(given)} entries."
        )
    out: list[NDArray[np.float64] | None] = [None if given[0] is None else np.asarray(given[0])]
    for k, (layer, pos) in enumerate(zip(layers, given[1:], strict=True), start=1):
        if pos is None:
            raise InvalidParameterError(f"positions_by_layer[{k}] (hidden layer {k}) is None; give its unit positions.")
        n_units = np.asarray(layer.components_).shape[0]
        out.append(_check_positions(pos, n_units, L, name=f"positions_by_layer[{k}]"))
    return out


def dbn_flow(
    dbn: Any,
    spins: ArrayLike,
    shape: tuple[int, int],
    *,
    positions_by_layer: Sequence[ArrayLike | None],
    align_signs: bool = True,
    max_distance: float | None = None,
    random_state: RandomState = None,
    reference_random_state: RandomState = 0,
) -> list[FlowPoint]:
    r"""Observables along a deep belief network's layers, as a flow comparable with block spins.

    Level 0 is the visible lattice. Level ``k`` holds the hidden units of layer ``k``,
    *sampled* in a stochastic upward pass: :math:`h^{(1)} \sim P(h \mid v)`, then
    :math:`h^{(k)} \sim P(h \mid h^{(k-1)})` from the sampled states of the layer below
    (one explicit generator, all of a layer's bits drawn at once), mapped to spins
    :math:`2h - 1` and placed at ``positions_by_layer[k]``.

    Parameters
    ----------
    dbn : DeepBeliefNetwork
        Fitted network whose visible layer is the ``L x L`` lattice (row-major bits,
        ``bit = (spin + 1) / 2``). Any stack with ``layers_`` of RBMs exposing
        ``transform`` (= :math:`P(h = 1 \mid v)`) and ``components_`` works.
    spins : array_like, shape (n_samples, L, L) or (n_samples, L * L), or SampleSet
        Configurations in {-1, +1}, in chain order, ``n_samples >= 2``.
    shape : (int, int)
        Lattice shape ``(L, L)`` (square lattices only).
    positions_by_layer : sequence of array_like
        (row, column) positions of the units, in sites: one ``(n_units_k, 2)`` array per
        hidden layer ``k = 1 .. n_layers``, optionally preceded by the visible layer's entry
        (``None`` = the lattice sites). Required: use the receptive-field centroids, e.g.
        ``[circular_centroid(receptive_fields(dbn, k, shape)) for k in range(1, n_layers + 1)]``
        with :func:`deeprg.rg.circular_centroid` and
        :func:`deeprg.rg.receptive_fields`.
    align_signs : bool, default True
        Multiply the spin of every hidden unit by the sign of the sum of its linear
        receptive field (the row of :math:`W_k \cdots W_1`), so that a positive spin means
        "magnetization up" for every unit. Without it a unit with a negative field counts
        against the magnetization, and :math:`|m|`, :math:`U_4` and the correlations of a
        layer mix the two orientations.
    max_distance : float, optional
        Passed to :func:`flow_observables` (default ``L / 2``).
    reference_random_state : None, int, SeedSequence or Generator, default 0
        Passed to :func:`flow_observables` for every level (the column shuffle of the
        disordered reference): a seed gives every level a fresh generator from it, a
        ``Generator`` is shared by the levels in order. Separate from ``random_state``
        so that the references stay deterministic by default.
        The visible level is treated as symmetric under a global flip (``symmetric=True``
        in :func:`flow_observables`), the hidden layers are not: their references keep
        each unit's firing rate over the given ensemble, so give an ensemble that holds
        both orientations of an ordered phase in equal measure (flip each sample with a
        fair coin if in doubt; the Ising measure is symmetric).
    random_state : None, int, SeedSequence or Generator
        Source of the sampled hidden states.

    Returns
    -------
    list of FlowPoint
        ``n_layers + 1`` points: the visible lattice, then each hidden layer.
    """
    layers = getattr(dbn, "layers_", None)
    if not layers:
        raise InvalidParameterError(
            f"dbn must be a fitted DeepBeliefNetwork (with layers_); got {type(dbn).__name__} without fitted layers. "
            "Call fit first or load a trained network."
        )
    if (
        not isinstance(shape, (tuple, list))
        or len(shape) != 2
        or not all(isinstance(x, numbers.Integral) and not isinstance(x, bool) for x in shape)
    ):
        raise InvalidParameterError(f"shape must be a pair of ints (L, L); got {shape!r}.")
    L = check_int(shape[0], "shape[0]", minimum=1)
    if int(shape[1]) != L:
        raise InvalidParameterError(f"only square lattices are supported; got shape {tuple(shape)}.")
    raw = np.asarray(getattr(spins, "spins", spins))
    if raw.ndim == 2 and raw.shape[1] == L * L and raw.shape != (L, L):
        raw = raw.reshape(raw.shape[0], L, L)
    batch = check_spins(raw, name="spins", min_samples=2)
    n = batch.shape[0]
    if batch.shape[1] != L:
        raise InvalidParameterError(
            f"spins are {batch.shape[1]}x{batch.shape[1]} lattices but shape is {tuple(shape)}."
        )
    n_visible = np.asarray(layers[0].components_).shape[1]
    if n_visible != L * L:
        raise InvalidParameterError(
            f"the network's bottom layer has {n_visible} visible units but the lattice has L*L = {L * L} sites."
        )
    positions = _layer_positions(positions_by_layer, layers, L)
    rng = check_random_state(random_state)
    from deeprg.rbm import functional as F

    signs = _receptive_signs(layers) if align_signs else [None] * len(layers)
    visible = batch.reshape(n, -1)
    visible_positions = block_positions(L, 1) if positions[0] is None else positions[0]

    def observe(units: NDArray[np.int8], pos: NDArray[np.float64], symmetric: bool) -> FlowPoint:
        return flow_observables(
            units, pos, L, max_distance=max_distance, random_state=reference_random_state, symmetric=symmetric
        )

    points = [observe(visible, visible_positions, True)]
    data: NDArray[np.floating] = (visible > 0).astype(np.float64)
    for layer, pos, sign in zip(layers, positions[1:], signs, strict=True):
        data = F.sample_bernoulli(np.asarray(layer.transform(data)), rng)
        units = (2 * data - 1).astype(np.int8)
        if sign is not None:
            units *= sign
        points.append(observe(units, pos, False))
    return points
