r"""Real-space block-spin transformations of the square-lattice Ising model (Kadanoff 1966).

The ``L x L`` lattice is cut into ``(L/b)^2`` non-overlapping ``b x b`` blocks and each
block is replaced by one spin:

* **majority rule** --- the sign of the block's total spin,

  .. math:: s'_B = \operatorname{sign}\Big(\sum_{i \in B} s_i\Big),

  with ties (possible only when :math:`b^2` is even) broken by an independent fair coin
  per tied block, drawn from an explicit generator, so the rule stays symmetric under a
  global spin flip;
* **decimation** --- the top-left spin of the block, :math:`s'_B = s_{(bI, bJ)}`.

Block ``(I, J)`` covers rows ``b*I .. b*I + b - 1`` and columns ``b*J .. b*J + b - 1``;
block lattices are row-major, like the spin lattices. :func:`block_positions` gives the
block centres in lattice coordinates, for the flows of :mod:`deeprg.rg.flow.flows`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg._random import RandomState, check_random_state
from deeprg._validation import check_int, check_spins
from deeprg.errors import InvalidParameterError

__all__ = ["RULES", "block_positions", "block_spin"]

#: The block-spin rules :func:`block_spin` knows.
RULES = ("majority", "decimation")


def _divisors(L: int) -> list[int]:
    return [d for d in range(1, L + 1) if L % d == 0]


def _check_block_size(b: object, L: int) -> int:
    """``b`` as an int that divides ``L`` (a teaching error otherwise)."""
    b = check_int(
        b,
        "b (block size)",
        minimum=1,
        maximum=L,
        hint=f" Block sizes must divide L = {L}: choose one of {_divisors(L)}.",
    )
    if L % b:
        raise InvalidParameterError(
            f"block size b = {b} does not divide the lattice size L = {L}, so the lattice cannot be cut "
            f"into b x b blocks; choose one of the divisors {_divisors(L)}."
        )
    return b


def block_spin(
    spins: ArrayLike,
    b: int,
    rule: Literal["majority", "decimation"] = "majority",
    random_state: RandomState = None,
) -> NDArray[np.int8]:
    r"""Coarse-grain lattices by ``b x b`` blocks.

    Parameters
    ----------
    spins : array_like of int8, shape (n_samples, L, L) or (L, L)
        Configurations in {-1, +1}.
    b : int
        Block side, a divisor of ``L``. ``b = 1`` returns a copy of the lattices,
        ``b = L`` one spin per configuration.
    rule : {"majority", "decimation"}, default "majority"
        ``"majority"``: the sign of the block's total spin, ties (only for even
        :math:`b^2`) broken by a fair coin per tied block. ``"decimation"``: the
        block's top-left spin ``spins[..., b*I, b*J]``.
    random_state : None, int, SeedSequence or Generator
        Source of the tie-breaking coins (used only by the majority rule with even
        ``b``). The coins are drawn in one call, one per tied block in C order of the
        output, so a seed gives the same block spins every time.

    Returns
    -------
    ndarray of int8, shape (n_samples, L/b, L/b) or (L/b, L/b)
        Block spins in {-1, +1}; a single ``(L, L)`` lattice gives a single block lattice.

    Raises
    ------
    InvalidParameterError
        If ``spins`` are not square lattices of -1/+1, ``b`` does not divide ``L``
        or ``rule`` is unknown.

    Notes
    -----
    Decimation composes exactly, ``decimation(decimation(s, b1), b2) == decimation(s, b1 * b2)``;
    the majority rule does not in general (a majority of majorities is not the majority),
    and with even ``b`` it is stochastic. Both rules commute with a global spin flip
    (for the majority rule, in distribution: the coins are symmetric).

    Examples
    --------
    >>> import numpy as np
    >>> s = np.array([[1, 1, -1, -1], [1, -1, -1, -1], [1, 1, 1, -1], [1, 1, -1, 1]], dtype=np.int8)
    >>> out = block_spin(s, 2, random_state=0)
    >>> out[0, 0].item(), out[0, 1].item(), out[1, 0].item()  # 3 up 1 down, all down, all up
    (1, -1, 1)
    >>> int(out[1, 1]) in (-1, 1)  # a tie (two up, two down): a fair coin
    True
    >>> block_spin(s, 2, rule="decimation")
    array([[ 1, -1],
           [ 1,  1]], dtype=int8)
    """
    if rule not in RULES:
        raise InvalidParameterError(f"rule must be one of {RULES}; got {rule!r}.")
    single = np.ndim(spins) == 2
    batch = check_spins(spins, name="spins")
    n, L, _ = batch.shape
    b = _check_block_size(b, L)
    m = L // b
    if rule == "decimation":
        out = batch[:, ::b, ::b].copy()
    else:
        sums = batch.reshape(n, m, b, m, b).sum(axis=(2, 4), dtype=np.int64)
        out = np.sign(sums).astype(np.int8)
        if (b * b) % 2 == 0:
            tied = out == 0
            n_tied = int(np.count_nonzero(tied))
            if n_tied:
                rng = check_random_state(random_state)
                out[tied] = (2 * rng.integers(0, 2, size=n_tied, dtype=np.int8) - 1).astype(np.int8)
    return out[0] if single else out


def block_positions(L: int, b: int) -> NDArray[np.float64]:
    r"""Centres of the ``b x b`` blocks of an ``L x L`` lattice, in lattice coordinates.

    Block ``(I, J)`` (row-major index ``I * (L/b) + J``, the order of
    ``block_spin(...).reshape(n, -1)``) is centred at
    :math:`(bI + (b-1)/2,\ bJ + (b-1)/2)` in (row, column) site units; ``b = 1`` gives
    the sites themselves. Only differences of positions matter to the flows (distances
    on the torus), so the centre and the top-left site kept by decimation are equivalent.

    Parameters
    ----------
    L : int
        Lattice side.
    b : int
        Block side, a divisor of ``L``.

    Returns
    -------
    ndarray of float64, shape ((L/b)**2, 2)
        (row, column) of every block centre.

    Examples
    --------
    >>> block_positions(4, 2)
    array([[0.5, 0.5],
           [0.5, 2.5],
           [2.5, 0.5],
           [2.5, 2.5]])
    """
    L = check_int(L, "L", minimum=1)
    b = _check_block_size(b, L)
    m = L // b
    centres = b * np.arange(m, dtype=np.float64) + (b - 1) / 2.0
    rows, cols = np.meshgrid(centres, centres, indexing="ij")
    return np.column_stack([rows.ravel(), cols.ravel()])
