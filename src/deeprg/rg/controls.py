r"""Control networks: deep belief networks whose answer to "is this RG?" is known by construction.

A measure of "the network coarse-grains like block-spin RG" is only worth its verdict if it is
right where the answer is known. Every function here builds an ``L x L`` network of
``n_layers`` layers with ``b x b`` blockings (layer ``l`` has ``(L / b^l)^2`` units, e.g.
1600-400-100-25 for ``L = 40, b = 2``) through
:meth:`deeprg.rbm.DeepBeliefNetwork.from_weights`, and :func:`standard_controls` lists the panel,
each as a :class:`ControlNetwork` with its expected answer.

Conventions
-----------
Unit ``u`` of layer ``l`` sits at ``(I, J) = divmod(u, L / b^l)`` on its block lattice (row-major,
as :func:`deeprg.rg.block_spin` reshaped), and its block covers lattice rows ``b^l I .. b^l I + b^l - 1``
and columns ``b^l J .. b^l J + b^l - 1``, as in :func:`deeprg.rg.block_positions`.

Visible and hidden units are bits :math:`v = (1 + s)/2`. A unit with weights :math:`w_i` and hidden bias

.. math:: c = -\tfrac12 \sum_i w_i

(the *spin-symmetric* bias, used by every control except the untrained initialisation) has

.. math:: P(h = 1 \mid v) = \sigma\Big(\sum_i w_i (v_i - \tfrac12)\Big) = \sigma\Big(\tfrac12 \sum_i w_i s_i\Big),

so flipping every spin below maps :math:`P` to :math:`1 - P`, as a block-spin rule does, and a
unit whose inputs are all at one half sits at one half. Layers above the first see the layer
below's probabilities :math:`P(h = 1 \mid \cdot)` (``transform``), i.e. mean-field spins
:math:`2P - 1`.

The weight *strength* of the deterministic constructions (block sums, copies) is a parameter:
:data:`DETERMINISTIC_STRENGTH` (10) makes :math:`\sigma` a step to within
:math:`\sigma(-5) = 0.7\%` at a margin of one spin, and small strengths give soft, linear rules.
The random controls have a weight *scale* (:data:`TRAINED_WEIGHT_SCALE`, 0.1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from deeprg._random import RandomState, check_random_state, spawn
from deeprg._validation import check_int, check_real
from deeprg.errors import InvalidParameterError

__all__ = [
    "DETERMINISTIC_STRENGTH",
    "MEASURES",
    "SKLEARN_INIT_STD",
    "TRAINED_WEIGHT_SCALE",
    "ControlNetwork",
    "block_stack",
    "decimation_stack",
    "faint_block_network",
    "multi_patch_network",
    "random_dense_network",
    "random_site_network",
    "smooth_field_network",
    "standard_control_names",
    "standard_controls",
    "untrained_network",
]

#: Weight of the block sums and copies of the near-deterministic controls: at a margin of one
#: spin (the smallest nonzero margin of a majority over an even number of sites) the unit is
#: wrong with probability sigma(-10 / 2) = 0.7%, and with probability 4.5e-5 at a margin of two.
DETERMINISTIC_STRENGTH = 10.0

#: Scale of the random controls' weights: Hinton & Salakhutdinov's ``rbm.m`` initialises
#: W ~ 0.1 N(0, 1), the starting point (and the order of magnitude) of the trained networks'
#: weights that Mehta & Schwab analyse, so a random network at this scale is what a trained one
#: would look like if training had found no structure.
TRAINED_WEIGHT_SCALE = 0.1

#: Initial weight scale of scikit-learn's BernoulliRBM: W ~ N(0, 0.01^2), zero biases.
SKLEARN_INIT_STD = 0.01

#: The measures of the verdict that every control has a known answer for (see ControlNetwork):
#: per layer "local", "ordered", "block_specific"; per network "scale_grows" and "flow".
MEASURES = ("local", "ordered", "block_specific", "scale_grows", "flow")


def _expect(local: bool, ordered: bool | None, specific: bool | None, grows: bool | None, flow: bool) -> dict[str, bool | None]:
    return dict(zip(MEASURES, (local, ordered, specific, grows, flow), strict=True))


@dataclass(frozen=True, eq=False)
class ControlNetwork:
    """A network whose answer is known.

    Attributes
    ----------
    name : str
        Short identifier, e.g. ``"majority_rule"``.
    network : DeepBeliefNetwork
        The fitted network (built by :meth:`~deeprg.rbm.DeepBeliefNetwork.from_weights`).
    expected : bool
        True if the network does RG (block-spin RG, or decimation), False if not.
    description : str
        What the network is and why its answer is known.
    expected_measures : dict of str to bool or None
        The known answer of each measure of the verdict (:data:`MEASURES`): True when the measure
        must say "like block-spin RG" for every layer (or for the network), False when it must
        not, None when the measure has no known answer for this control (e.g. the scale growth
        of a network with no local layer is undetermined, the order of a faint block's centroids
        says nothing). Decimation is RG but not block-spin RG: its fields are single sites (local,
        ordered) that do not grow, a single site carries less and less of its block's spin (its
        units correlate best with their own block at the first layers, at chance level by the
        third: no known answer), and decimated spins flow differently from block spins.
    """

    name: str
    network: Any
    expected: bool
    description: str
    expected_measures: dict[str, bool | None]


# ---------------------------------------------------------------------- geometry
def _grids(L: Any, b: Any, n_layers: Any) -> list[int]:
    """Sides ``[L, L/b, ..., L/b^n_layers]`` of the block lattices, validated."""
    L = check_int(L, "L (lattice side)", minimum=2)
    b = check_int(b, "b (block side)", minimum=2)
    n_layers = check_int(n_layers, "n_layers", minimum=1)
    if L % b**n_layers:
        fits = max(k for k in range(n_layers + 1) if L % b**k == 0)
        raise InvalidParameterError(
            f"{n_layers} layers of {b}x{b} blockings need L divisible by {b}^{n_layers} = {b**n_layers}; "
            f"got L = {L}, which allows at most {fits} layer(s): lower n_layers or change L."
        )
    return [L // b**k for k in range(n_layers + 1)]


def _block_matrix(m: int, b: int, *, top_left_only: bool = False) -> NDArray[np.float64]:
    """Indicator matrix ``((m/b)^2, m^2)``: unit (I, J) of the coarse grid and the sites of its ``b x b`` block.

    With ``top_left_only`` only the block's top-left site (decimation).
    """
    k = m // b
    bi, bj = np.divmod(np.arange(k * k), k)
    offsets = [(0, 0)] if top_left_only else [(i, j) for i in range(b) for j in range(b)]
    S = np.zeros((k * k, m * m))
    for i, j in offsets:
        S[np.arange(k * k), (b * bi + i) * m + (b * bj + j)] = 1.0
    return S


def _symmetric_bias(W: NDArray[np.float64]) -> NDArray[np.float64]:
    """Spin-symmetric hidden biases ``c = -W 1 / 2`` (see the module notes)."""
    return -0.5 * W.sum(axis=1)


def _network(weights: list[NDArray[np.float64]], *, symmetric: bool = True) -> Any:
    from deeprg.rbm import DeepBeliefNetwork

    biases = [_symmetric_bias(W) for W in weights] if symmetric else None
    return DeepBeliefNetwork.from_weights(weights, hidden_biases=biases, dtype="float64")


def _gaussian_weights(grids: list[int], scale: float, random_state: RandomState) -> list[NDArray[np.float64]]:
    """Dense weights ``scale * N(0, 1)`` between consecutive grids, bottom layer first."""
    rng = check_random_state(random_state)
    return [scale * rng.standard_normal((k * k, m * m)) for m, k in zip(grids[:-1], grids[1:], strict=True)]


def _strength(strength: Any) -> float:
    return check_real(strength, "strength", minimum=0.0, strict=True)


# ---------------------------------------------------------------------- positive controls
def block_stack(L: int, *, b: int = 2, n_layers: int = 3, strength: float = DETERMINISTIC_STRENGTH) -> Any:
    r"""Majority-rule / block-averaging stack: each unit sums the ``b x b`` units below it.

    :math:`W_l = w\,S_l` with :math:`S_l` the block indicator (unit ``(I, J)`` of layer ``l``
    and the ``b x b`` units of layer ``l - 1`` it covers) and the spin-symmetric bias
    :math:`c = -w b^2/2`, so

    .. math::

        P(h = 1 \mid v) = \sigma\Big(w \big(\textstyle\sum_{i \in B} v_i - b^2/2\big)\Big)
                        = \sigma\Big(\tfrac{w}{2} \textstyle\sum_{i \in B} s_i\Big).

    Large ``w`` makes this the majority rule :math:`\tfrac12 (1 + \operatorname{sign} \sum_B s_i)`
    (a tie, possible for even :math:`b^2`, gives exactly one half: the fair coin of
    :func:`deeprg.rg.block_spin`); small ``w`` gives the block average,
    :math:`P \approx \tfrac12 + \tfrac{w b^2}{8} \bar s_B` (linearising :math:`\sigma` at 0).
    Layer ``l`` applies the rule to the mean-field spins of layer ``l - 1``, so the stack is the
    iterated (majority-of-majorities) rule.

    **Why the answer is known (RG-like):** this *is* Kadanoff's block-spin transformation, layer by
    layer; the receptive field of a layer-``l`` unit (:math:`W_l \cdots W_1`) is exactly
    :math:`w^l` on its :math:`b^l \times b^l` block and zero elsewhere.

    Parameters
    ----------
    L : int
        Lattice side; divisible by ``b ** n_layers``.
    b : int, default 2
        Block side of every layer.
    n_layers : int, default 3
        Hidden layers.
    strength : float, default DETERMINISTIC_STRENGTH
        The weight :math:`w` (> 0): 10 is near-deterministic majority rule, 1 or less a soft block average.

    Returns
    -------
    DeepBeliefNetwork
    """
    grids, w = _grids(L, b, n_layers), _strength(strength)
    return _network([w * _block_matrix(m, b) for m in grids[:-1]])


def decimation_stack(L: int, *, b: int = 2, n_layers: int = 3, strength: float = DETERMINISTIC_STRENGTH) -> Any:
    r"""Decimation stack: each unit copies the top-left unit of its ``b x b`` block below.

    One weight :math:`w` per unit and the bias :math:`-w/2`, so
    :math:`P(h = 1 \mid v) = \sigma(w (v_{\mathrm{tl}} - \tfrac12))`, a copy of the site for large ``w``.

    **Why the answer is known (RG-like):** decimation is a textbook real-space RG transformation
    (exact in 1D, Mehta & Schwab's own example), and it composes: layer ``l`` copies lattice site
    :math:`(b^l I, b^l J)`, the block spin ``block_spin(s, b**l, rule="decimation")``. Its receptive
    fields are single sites (:math:`w^l` at that site), so a locality measure must call a
    one-site field compact.

    Parameters
    ----------
    L, b, n_layers, strength
        As in :func:`block_stack`.

    Returns
    -------
    DeepBeliefNetwork
    """
    grids, w = _grids(L, b, n_layers), _strength(strength)
    return _network([w * _block_matrix(m, b, top_left_only=True) for m in grids[:-1]])


# ---------------------------------------------------------------------- negative controls
def random_dense_network(
    L: int, *, b: int = 2, n_layers: int = 3, scale: float = TRAINED_WEIGHT_SCALE, random_state: RandomState = None
) -> Any:
    r"""Random dense Gaussian network: every weight :math:`\sim \mathrm{scale}\; N(0, 1)`, spin-symmetric biases.

    **Why the answer is known (not RG):** each unit's field is white noise over the whole lattice,
    with no block, no locality, and no relation between a unit's position on its block lattice
    and its field. Any unit depends on the configuration, so a measure that only asks "does the
    unit beat shuffled activity?" is fooled by it; one that asks "does it follow one block?" is not.

    Parameters
    ----------
    L, b, n_layers
        As in :func:`block_stack`.
    scale : float, default TRAINED_WEIGHT_SCALE (0.1)
        Standard deviation of the weights.
    random_state : None, int, SeedSequence or Generator

    Returns
    -------
    DeepBeliefNetwork
    """
    scale = check_real(scale, "scale", minimum=0.0, strict=True)
    return _network(_gaussian_weights(_grids(L, b, n_layers), scale, random_state))


def untrained_network(
    L: int, *, b: int = 2, n_layers: int = 3, init_std: float = TRAINED_WEIGHT_SCALE, random_state: RandomState = None
) -> Any:
    r"""The untrained initialisation: :math:`W \sim \mathrm{init\_std}\; N(0, 1)` and zero biases.

    ``init_std = 0.1`` is ``rbm.m``'s (and :class:`deeprg.rbm.BernoulliRBM`'s) start,
    :data:`SKLEARN_INIT_STD` (0.01) scikit-learn's.

    **Why the answer is known (not RG):** nothing has been learnt, so whatever a measure finds in
    these weights it would find in any trained network for free; its fields are white noise, like
    :func:`random_dense_network`'s, and its units (zero biases) sit near one half.

    Parameters
    ----------
    L, b, n_layers
        As in :func:`block_stack`.
    init_std : float, default 0.1
        Standard deviation of the initial weights.
    random_state : None, int, SeedSequence or Generator

    Returns
    -------
    DeepBeliefNetwork
    """
    init_std = check_real(init_std, "init_std", minimum=0.0, strict=True)
    return _network(_gaussian_weights(_grids(L, b, n_layers), init_std, random_state), symmetric=False)


def random_site_network(
    L: int, *, b: int = 2, n_layers: int = 3, strength: float = DETERMINISTIC_STRENGTH, random_state: RandomState = None
) -> Any:
    r"""Random-site copies: each unit copies one unit of the layer below, chosen at random (no two alike).

    Like :func:`decimation_stack` (weight :math:`w`, bias :math:`-w/2`), but the copied unit is
    drawn uniformly without replacement instead of being the top-left unit of the unit's block.

    **Why the answer is known (not RG):** every receptive field is one site, as compact as
    decimation's, but the site has nothing to do with the unit's place on its block lattice:
    neighbouring units copy far-apart sites, a layer-``l`` unit's field does not grow with ``l``,
    and the block spin at the unit's position is independent of it. Compactness alone must not
    pass it; scale growth and spatial order between layers must fail it.

    Parameters
    ----------
    L, b, n_layers, strength
        As in :func:`block_stack`.
    random_state : None, int, SeedSequence or Generator

    Returns
    -------
    DeepBeliefNetwork
    """
    grids, w = _grids(L, b, n_layers), _strength(strength)
    rng = check_random_state(random_state)
    weights = []
    for m, k in zip(grids[:-1], grids[1:], strict=True):
        W = np.zeros((k * k, m * m))
        W[np.arange(k * k), rng.choice(m * m, size=k * k, replace=False)] = w
        weights.append(W)
    return _network(weights)


def _low_modes(L: int, max_mode: int) -> NDArray[np.float64]:
    """Orthonormal real Fourier modes ``(n_modes, L * L)`` with ``1 <= max(|kx|, |ky|) <= max_mode``."""
    x = np.arange(L)
    rows, cols = np.meshgrid(x, x, indexing="ij")
    modes = []
    for ky in range(0, max_mode + 1):
        for kx in range(-max_mode, max_mode + 1):
            if (ky, kx) <= (0, 0):  # one of each pair +-k, and not k = 0
                continue
            phase = 2 * np.pi * (ky * rows + kx * cols) / L
            modes.extend([np.cos(phase).ravel(), np.sin(phase).ravel()])
    basis = np.array(modes)
    basis = basis[np.linalg.norm(basis, axis=1) > 1e-9]  # sin of a Nyquist mode vanishes
    return basis / np.linalg.norm(basis, axis=1, keepdims=True)


def smooth_field_network(
    L: int, *, b: int = 2, n_layers: int = 3, max_mode: int = 1, scale: float = TRAINED_WEIGHT_SCALE,
    random_state: RandomState = None,
) -> Any:
    r"""Smooth global fields: first-layer fields are random combinations of the lowest Fourier modes.

    Layer 1: each unit's field is :math:`\sum_k a_k \phi_k` over the real Fourier modes with
    :math:`1 \le \max(|k_x|, |k_y|) \le` ``max_mode`` (wavelengths of at least ``L / max_mode``),
    :math:`a_k \sim N(0, 1)`, rescaled to root-mean-square weight ``scale``. Higher layers are
    dense Gaussian (``scale``), so their fields, combinations of the first layer's, stay in the
    same span of low modes. Spin-symmetric biases.

    **Why the answer is known (not RG):** every field spreads over the whole lattice (a sine of
    the lattice's wavelength); it is smooth, so a null that scrambles sites finds it "more
    concentrated than noise", but there is no block and no growth of scale.

    Parameters
    ----------
    L, b, n_layers
        As in :func:`block_stack`.
    max_mode : int, default 1
        Largest wave number :math:`\max(|k_x|, |k_y|)`, at most ``L // 2``.
    scale : float, default TRAINED_WEIGHT_SCALE
        Root-mean-square weight of every layer.
    random_state : None, int, SeedSequence or Generator

    Returns
    -------
    DeepBeliefNetwork
    """
    grids = _grids(L, b, n_layers)
    max_mode = check_int(max_mode, "max_mode", minimum=1, maximum=grids[0] // 2)
    scale = check_real(scale, "scale", minimum=0.0, strict=True)
    rng = check_random_state(random_state)
    first = rng.standard_normal((grids[1] ** 2, len(basis := _low_modes(grids[0], max_mode)))) @ basis
    first *= scale / np.sqrt(np.mean(first**2, axis=1, keepdims=True))
    rest = [scale * rng.standard_normal((k * k, m * m)) for m, k in zip(grids[1:-1], grids[2:], strict=True)]
    return _network([first, *rest])


def multi_patch_network(L: int, *, b: int = 2, n_layers: int = 3, strength: float = DETERMINISTIC_STRENGTH) -> Any:
    r"""Multi-patch fields: each unit sums four :math:`b^l \times b^l` patches at the far corners of the torus.

    A first-layer unit at ``(I, J)`` sums its own ``b x b`` block and the blocks shifted by
    ``L/2`` in rows, in columns and in both (the points farthest apart on the torus), with the
    majority-rule weight and bias of :func:`block_stack`; higher layers are block sums
    (:func:`block_stack`'s). The field of a layer-``l`` unit is then four
    :math:`b^l \times b^l` patches at the same far corners (once :math:`b^l = L/2` the four
    patches tile the lattice and the field is uniform, e.g. layer 3 on 16 x 16).

    **Why the answer is known (not RG):** a block spin depends on one compact region; this unit
    depends on four regions as far apart as the lattice allows (the majority over 4 blocks), so
    its field is as spread out as a field of its weight can be. It is concentrated on a few
    sites, so a null that keeps smoothness finds it "local"; it correlates equally with four block
    spins, so its best-minus-second-best block correlation is near zero.

    Parameters
    ----------
    L, b, n_layers, strength
        As in :func:`block_stack`; ``L`` must also be even.

    Returns
    -------
    DeepBeliefNetwork
    """
    grids, w = _grids(L, b, n_layers), _strength(strength)
    if grids[1] % 2:
        raise InvalidParameterError(f"multi-patch fields shift blocks by L/2 = {L / 2} sites, a whole number of "
                                    f"{b}x{b} blocks only when L / b = {grids[1]} is even; choose another L.")
    L, half = grids[0], grids[0] // 2
    first = _block_matrix(L, b).reshape(-1, L, L)
    first = first + np.roll(first, half, axis=1)
    first = (first + np.roll(first, half, axis=2)).reshape(len(first), -1)
    return _network([w * first] + [w * _block_matrix(m, b) for m in grids[1:-1]])


def faint_block_network(
    L: int, *, b: int = 2, n_layers: int = 3, share: float = 0.04, scale: float = TRAINED_WEIGHT_SCALE,
    strength: float = DETERMINISTIC_STRENGTH,
) -> Any:
    r"""A faint ``b x b`` block on a uniform background: ``share`` of the squared weight in the block.

    A first-layer unit at ``(I, J)`` has the field :math:`\beta (1 + a\,\mathbb 1_B)` on its own
    ``b x b`` block :math:`B` and the rest of the lattice, with :math:`a` chosen so that

    .. math:: \frac{b^2 (1 + a)^2}{b^2 (1 + a)^2 + (L^2 - b^2)} = \mathrm{share},
              \qquad (1 + a)^2 = \frac{\mathrm{share}\,(L^2 - b^2)}{(1 - \mathrm{share})\, b^2},

    and :math:`\beta` the root-mean-square weight ``scale``. Higher layers copy the top-left unit
    of their block below (:func:`decimation_stack`'s copies, weight ``strength``), so every layer's
    fields are the same faint blocks (times :math:`w^{l-1}`), with the same share.

    **Why the answer is known (not RG):** 1 - share (96% by default) of the field's squared weight
    is spread uniformly over the lattice: the unit mostly measures the magnetization, not a block.
    A significance test finds the bump at any share above the uniform one (:math:`b^2 / L^2`);
    an effect size must say the field is not compact.

    Parameters
    ----------
    L, b, n_layers, strength
        As in :func:`block_stack`.
    share : float, default 0.04
        Share of the squared weight in the block, strictly between :math:`b^2/L^2` (a uniform field)
        and 1.
    scale : float, default TRAINED_WEIGHT_SCALE
        Root-mean-square weight of the first layer.

    Returns
    -------
    DeepBeliefNetwork
    """
    grids, w = _grids(L, b, n_layers), _strength(strength)
    share = check_real(share, "share", minimum=0.0, strict=True)
    L, n = grids[0], grids[0] ** 2
    if not b * b / n < share < 1:
        raise InvalidParameterError(
            f"share must lie strictly between {b * b / n:.4g} (the share of a {b}x{b} block in a uniform {L}x{L} "
            f"field) and 1; got {share}."
        )
    scale = check_real(scale, "scale", minimum=0.0, strict=True)
    level = math.sqrt(share * (n - b * b) / ((1 - share) * b * b))  # 1 + a
    first = 1.0 + (level - 1.0) * _block_matrix(L, b)
    first *= scale / np.sqrt(np.mean(first**2, axis=1, keepdims=True))
    return _network([first] + [w * _block_matrix(m, b, top_left_only=True) for m in grids[1:-1]])


# ---------------------------------------------------------------------- the panel
def _panel() -> list[tuple[str, bool, str, dict[str, bool | None], Any]]:
    """(name, expected, description, expected measures, build(L, b, n_layers, rng)) of every control, in order."""
    block_rg = _expect(local=True, ordered=True, specific=True, grows=True, flow=True)
    nothing = _expect(local=False, ordered=False, specific=False, grows=None, flow=False)
    return [
        ("majority_rule", True, "block sums with majority-rule biases, strength 10: Kadanoff's block spins", block_rg,
         lambda L, b, n, rng: block_stack(L, b=b, n_layers=n)),
        ("block_average", True, "the same block sums at strength 1: a soft block average", block_rg,
         lambda L, b, n, rng: block_stack(L, b=b, n_layers=n, strength=1.0)),
        ("decimation", True, "each unit copies the top-left unit of its block: decimation, single-site fields",
         _expect(local=True, ordered=True, specific=None, grows=False, flow=False),
         lambda L, b, n, rng: decimation_stack(L, b=b, n_layers=n)),
        ("random_dense", False, "dense Gaussian weights, scale 0.1, spin-symmetric biases: no structure", nothing,
         lambda L, b, n, rng: random_dense_network(L, b=b, n_layers=n, random_state=rng)),
        ("random_sites", False, "each unit copies a random unit below: compact fields, no growth, no order",
         _expect(local=True, ordered=False, specific=False, grows=False, flow=False),
         lambda L, b, n, rng: random_site_network(L, b=b, n_layers=n, random_state=rng)),
        ("smooth_global", False, "random combinations of the lowest Fourier modes: smooth but global fields", nothing,
         lambda L, b, n, rng: smooth_field_network(L, b=b, n_layers=n, random_state=rng)),
        ("multi_patch", False, "majority over four patches at the far corners of the torus", nothing,
         lambda L, b, n, rng: multi_patch_network(L, b=b, n_layers=n)),
        ("faint_block", False, "4% of the squared weight in a 2x2 block, the rest uniform",
         _expect(local=False, ordered=None, specific=False, grows=None, flow=False),
         lambda L, b, n, rng: faint_block_network(L, b=b, n_layers=n)),
        ("untrained_sklearn", False, "scikit-learn's initialisation, W ~ 0.01 N(0, 1), zero biases: nothing learnt",
         nothing,
         lambda L, b, n, rng: untrained_network(L, b=b, n_layers=n, init_std=SKLEARN_INIT_STD, random_state=rng)),
    ]


def standard_control_names() -> tuple[str, ...]:
    """The names of the standard panel's controls, in the panel's order (see :func:`standard_controls`)."""
    return tuple(entry[0] for entry in _panel())


def standard_controls(L: int, *, b: int = 2, n_layers: int = 3, random_state: RandomState = None,
                      names: Sequence[str] | None = None) -> list[ControlNetwork]:
    """The standard panel of control networks for an ``L x L`` lattice: RG-like ones first, then the rest.

    In order: ``majority_rule``, ``block_average``, ``decimation`` (expected RG-like), and
    ``random_dense``, ``random_sites``, ``smooth_global``, ``multi_patch``, ``faint_block``,
    ``untrained_sklearn`` (expected not RG-like); see each builder's docstring for why.

    Parameters
    ----------
    L : int
        Lattice side, divisible by ``b ** n_layers``.
    b : int, default 2
        Block side of every layer.
    n_layers : int, default 3
        Hidden layers (1600-400-100-25 for ``L = 40``).
    random_state : None, int, SeedSequence or Generator
        Control ``k`` of the panel (in the order above, deterministic ones included) gets the
        ``k``-th child of ``SeedSequence.spawn`` (:func:`deeprg._random.spawn`), so its randomness
        does not depend on the other controls: ``random_dense_network(L,
        random_state=np.random.default_rng(seed).spawn(9)[3])`` is the panel's ``random_dense``.
    names : sequence of str, optional
        Build only these controls (of :func:`standard_control_names`), in the panel's order; each
        is the same network as in the whole panel.

    Returns
    -------
    list of ControlNetwork

    Raises
    ------
    InvalidParameterError
        For a name that is not in the panel.
    """
    grids = _grids(L, b, n_layers)
    panel = _panel()
    if names is not None:
        unknown = sorted(set(names) - {entry[0] for entry in panel})
        if unknown:
            raise InvalidParameterError(
                f"unknown control(s) {', '.join(unknown)}; the panel has {', '.join(standard_control_names())}.")
    streams = spawn(check_random_state(random_state), len(panel))
    return [
        ControlNetwork(name=name, network=build(grids[0], b, n_layers, rng), expected=expected, description=text,
                       expected_measures=dict(measures))
        for (name, expected, text, measures, build), rng in zip(panel, streams, strict=True)
        if names is None or name in names
    ]
