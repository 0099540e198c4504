r"""Translation-invariant spin-product operators on periodic square lattices, for Monte Carlo RG.

Each operator is a sum over every site :math:`i = (r, c)` of a periodic ``L x L`` lattice and
over a few *shapes* (tuples of offsets) of the product of the spins at the offset sites,

.. math::

    S = \sum_{i} \sum_{\text{shape}} \prod_{(\delta r, \delta c) \in \text{shape}}
        s_{(r + \delta r) \bmod L,\ (c + \delta c) \bmod L}.

The shapes of one operator are the images of one cluster under the lattice symmetries
(rotations, reflections) that give distinct clusters, so every operator is invariant under
translations and the square's point group. An operator with an even number of spins per
shape is *even* (invariant under a global spin flip: a thermal-like coupling), with an odd
number *odd* (it flips sign: a field-like coupling). On the all-up lattice every product is
1 and an operator equals ``len(shapes) * L**2``.

Even operators (:data:`EVEN_OPERATORS`, in the order Swendsen's MCRG adds them):

``nn``
    nearest-neighbour pairs, offsets (0, 1) and (1, 0).
``nnn``
    next-nearest (diagonal) pairs, (1, 1) and (1, -1).
``nn3``
    third neighbours (distance 2), (0, 2) and (2, 0).
``plaquette``
    the four spins of each elementary square, (0, 0), (0, 1), (1, 0), (1, 1).
``nn4``
    fourth neighbours (distance :math:`\sqrt 5`), (1, 2), (2, 1), (1, -2), (2, -1).
``nn5``
    fifth neighbours (distance :math:`2\sqrt 2`), (2, 2) and (2, -2).
``four_row``
    four spins in a row, (0, 0)..(0, 3) and (0, 0)..(3, 0).

Odd operators (:data:`ODD_OPERATORS`):

``m``
    the magnetization sum :math:`\sum_i s_i`.
``three_corner``
    three spins of an elementary square (L-shaped triples): the four corners left out in turn.
``three_line``
    three spins in a row, (0, 0), (0, 1), (0, 2) and the column.
``three_bent``
    three spins of a 2 x 3 box (knight-like triple): a nearest-neighbour pair with a diagonal
    neighbour of its end, (0, 0), (0, 1), (1, 2) and its 7 other images under the point group.
``five_cross``
    a site with its four nearest neighbours (five spins).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg._validation import check_spins
from deeprg.errors import InvalidParameterError

__all__ = [
    "EVEN_OPERATORS",
    "ODD_OPERATORS",
    "OPERATORS",
    "SpinOperator",
    "evaluate_operators",
    "get_operators",
]

Offset = tuple[int, int]


@dataclass(frozen=True)
class SpinOperator:
    """A translation-invariant sum of spin products (see the module docstring).

    Parameters
    ----------
    name : str
        Short name (``"nn"``, ``"m"``, ...).
    shapes : tuple of tuple of (int, int)
        Each shape is the tuple of (row, column) offsets whose spins are multiplied; the
        operator sums every shape over every site.
    """

    name: str
    shapes: tuple[tuple[Offset, ...], ...]

    @property
    def parity(self) -> int:
        """+1 for an even operator (spin-flip invariant), -1 for an odd one."""
        return 1 if len(self.shapes[0]) % 2 == 0 else -1

    @property
    def multiplicity(self) -> int:
        """Number of shapes per site: the operator's value on the all-up lattice over ``L**2``."""
        return len(self.shapes)


def _images(cluster: Sequence[Offset]) -> tuple[tuple[Offset, ...], ...]:
    """Distinct images of ``cluster`` under the 8 symmetries of the square, modulo translation."""
    seen: dict[frozenset[Offset], tuple[Offset, ...]] = {}
    for swap in (False, True):
        for sr in (1, -1):
            for sc in (1, -1):
                pts = [(sr * (c if swap else r), sc * (r if swap else c)) for r, c in cluster]
                r0 = min(p[0] for p in pts)
                c0 = min(p[1] for p in pts if p[0] == r0)
                shifted = tuple(sorted((r - r0, c - c0) for r, c in pts))
                seen.setdefault(frozenset(shifted), shifted)
    return tuple(sorted(seen.values()))


def _operator(name: str, cluster: Sequence[Offset]) -> SpinOperator:
    return SpinOperator(name, _images(cluster))


#: Even operators in order of range; the first ``n_even`` are used by :func:`~deeprg.rg.mcrg_eigenvalues`.
EVEN_OPERATORS: tuple[SpinOperator, ...] = (
    _operator("nn", [(0, 0), (0, 1)]),
    _operator("nnn", [(0, 0), (1, 1)]),
    _operator("nn3", [(0, 0), (0, 2)]),
    _operator("plaquette", [(0, 0), (0, 1), (1, 0), (1, 1)]),
    _operator("nn4", [(0, 0), (1, 2)]),
    _operator("nn5", [(0, 0), (2, 2)]),
    _operator("four_row", [(0, 0), (0, 1), (0, 2), (0, 3)]),
)

#: Odd operators in order of range; the first ``n_odd`` are used by :func:`~deeprg.rg.mcrg_eigenvalues`.
ODD_OPERATORS: tuple[SpinOperator, ...] = (
    _operator("m", [(0, 0)]),
    _operator("three_corner", [(0, 0), (0, 1), (1, 0)]),
    _operator("three_line", [(0, 0), (0, 1), (0, 2)]),
    _operator("three_bent", [(0, 0), (0, 1), (1, 2)]),
    _operator("five_cross", [(0, 1), (1, 0), (1, 1), (1, 2), (2, 1)]),
)

#: Every operator by name.
OPERATORS: dict[str, SpinOperator] = {op.name: op for op in EVEN_OPERATORS + ODD_OPERATORS}


def get_operators(names: Sequence[str | SpinOperator]) -> tuple[SpinOperator, ...]:
    """Operators from names (or operators, passed through); a teaching error for unknown names."""
    out = []
    for item in names:
        if isinstance(item, SpinOperator):
            out.append(item)
        elif item in OPERATORS:
            out.append(OPERATORS[item])
        else:
            raise InvalidParameterError(
                f"unknown spin operator {item!r}; the known ones are {sorted(OPERATORS)} "
                "(or pass a deeprg.rg.SpinOperator)."
            )
    return tuple(out)


#: Configurations evaluated at once, to bound the temporaries at ~n_chunk * L**2 bytes.
_CHUNK_SITES = 1 << 23


def evaluate_operators(spins: ArrayLike, operators: Sequence[str | SpinOperator]) -> NDArray[np.float64]:
    r"""Values of spin-product operators on every configuration.

    Parameters
    ----------
    spins : array_like of int8, shape (n_samples, L, L) or (L, L)
        Periodic configurations in {-1, +1}.
    operators : sequence of str or SpinOperator
        Names from :data:`OPERATORS` or operators.

    Returns
    -------
    ndarray of float64, shape (n_samples, n_operators)
        :math:`S_a` of every configuration (an extensive sum, not a density); exact integers.

    Examples
    --------
    >>> import numpy as np
    >>> up = np.ones((1, 4, 4), dtype=np.int8)
    >>> evaluate_operators(up, ["nn", "plaquette", "m", "three_corner"])
    array([[32., 16., 16., 64.]])
    """
    batch = check_spins(spins, name="spins")
    ops = get_operators(operators)
    n, L, _ = batch.shape
    out = np.empty((n, len(ops)), dtype=np.float64)
    step = max(1, _CHUNK_SITES // (L * L))
    for lo in range(0, n, step):
        chunk = batch[lo : lo + step]
        rolled: dict[Offset, NDArray[np.int8]] = {(0, 0): chunk}
        for a, op in enumerate(ops):
            total = np.zeros(chunk.shape[0], dtype=np.int64)
            for shape in op.shapes:
                product = None
                for offset in shape:
                    if offset not in rolled:
                        rolled[offset] = np.roll(chunk, (-offset[0], -offset[1]), axis=(1, 2))
                    product = rolled[offset] if product is None else product * rolled[offset]
                total += product.sum(axis=(1, 2), dtype=np.int64)
            out[lo : lo + step, a] = total
    return out
