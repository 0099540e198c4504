r"""Swendsen's linearised Monte Carlo renormalization group: RG eigenvalues from block-spin correlations.

Configurations drawn at a critical point are blocked repeatedly (majority rule, block side
``b``); level 0 is the original lattice, level :math:`n` has side :math:`L / b^n`. For a
set of operators :math:`S_a` (:mod:`deeprg.rg.spinoperators`), evaluated at every level,
Swendsen (Phys. Rev. Lett. 42, 859, 1979) writes the connected correlations

.. math::

    A_{ab} = \langle S_a^{(n+1)} S_b^{(n)} \rangle - \langle S_a^{(n+1)} \rangle \langle S_b^{(n)} \rangle
           = \frac{\partial \langle S_a^{(n+1)} \rangle}{\partial K_b^{(n)}}, \qquad
    B_{ac} = \langle S_a^{(n+1)} S_c^{(n+1)} \rangle - \langle S_a^{(n+1)} \rangle \langle S_c^{(n+1)} \rangle
           = \frac{\partial \langle S_a^{(n+1)} \rangle}{\partial K_c^{(n+1)}},

so that :math:`A = B T` with the linearised RG map :math:`T_{cb} = \partial K_c^{(n+1)} / \partial K_b^{(n)}`,
obtained here as ``solve(B, A)``. Even and odd operators do not mix (spin-flip symmetry), so
:math:`T` is computed in each sector; its leading eigenvalues :math:`\lambda_t` (even) and
:math:`\lambda_h` (odd) give :math:`y = \ln \lambda / \ln b`. For the 2D Ising model
:math:`y_t = 1` and :math:`y_h = 15/8`.

**Level numbering.** The result at ``level = n + 1`` is the map from level :math:`n` to level
:math:`n + 1` (level 1: original lattice to the first block spins), as in Swendsen's tables.

**Two estimators.**

* :func:`mcrg_eigenvalues` (``method = "one-lattice"``): the formula above on one ensemble.
  Levels :math:`n` and :math:`n+1` live on lattices of different sizes, a finite-size bias
  that grows with the level.
* :func:`mcrg_eigenvalues_two_lattice` (``method = "two-lattice"``): ensembles on lattices
  :math:`L` and :math:`L/b`, compared at levels :math:`n+1` and :math:`n` where both have
  side :math:`L / b^{n+1}`. With :math:`M^{(m)}_{ab} = \partial \langle S_a^{(m)} \rangle /
  \partial K_b^{(0)}` (the connected correlation with level-0 operators),
  :math:`M_L^{(n+1)} = D\, T\, R` and :math:`M_{L/b}^{(n)} = D\, R` with the same
  same-size response :math:`D` and :math:`R = \partial K^{(n)} / \partial K^{(0)}`, so
  ``solve(M_{L/b}^{(n)}, M_L^{(n+1)})`` is similar to :math:`T` and has its eigenvalues, with
  the finite-size effects of the two lattices cancelling to leading order.

Errors come from a blocked jackknife over consecutive configurations
(:func:`deeprg.stats.jackknife`): every leave-one-block-out subsample recomputes the
correlations, the matrix and its leading eigenvalue. Truncation (which operators) and the
lattice size bias the estimates; both are recorded in every :class:`MCRGResult`.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg._random import RandomState, check_random_state
from deeprg._validation import check_int, check_spins
from deeprg.errors import InvalidParameterError, ShortChainWarning
from deeprg.rg.flow.blockspin import block_spin
from deeprg.rg.spinoperators import EVEN_OPERATORS, ODD_OPERATORS, SpinOperator, evaluate_operators, get_operators
from deeprg.stats import integrated_autocorrelation_time, jackknife
from deeprg.stats.resampling import MAX_BLOCKS, MIN_BLOCKS

__all__ = ["MCRGResult", "MIN_COARSE_SIZE", "block_levels", "mcrg_eigenvalues", "mcrg_eigenvalues_two_lattice"]

logger = logging.getLogger(__name__)

#: Smallest coarse lattice side used by default: below 4 sites the distance-2 and four-spin
#: operators wrap onto themselves and the correlation matrices become singular.
MIN_COARSE_SIZE = 4

METHODS = ("one-lattice", "two-lattice")


@dataclass(frozen=True)
class MCRGResult:
    """RG eigenvalues of one blocking step, with their truncation and lattice.

    Attributes
    ----------
    level : int
        The coarser level of the step: ``level = n + 1`` for the map from level ``n`` to ``n + 1``.
    b : int
        Block side.
    lattice : int
        Side ``L`` of the (largest) original lattice.
    method : {"one-lattice", "two-lattice"}
        The estimator (see the module docstring); ``"two-lattice"`` also used ``L / b``.
    even_operators, odd_operators : tuple of str
        The operators of each sector (the truncation).
    n_samples : int
        Configurations used (of the larger lattice for ``"two-lattice"``).
    n_blocks : int
        Jackknife blocks.
    y_t, y_t_error : float
        Thermal exponent :math:`\\ln \\lambda_t / \\ln b` and its jackknife error
        (``nan`` when :math:`\\lambda_t \\le 0`).
    y_h, y_h_error : float
        Magnetic exponent from the leading odd eigenvalue, and its error.
    even_eigenvalues, odd_eigenvalues : tuple of float
        Real parts of every eigenvalue of each sector's :math:`T`, by decreasing real part.
    """

    level: int
    b: int
    lattice: int
    method: str
    even_operators: tuple[str, ...]
    odd_operators: tuple[str, ...]
    n_samples: int
    n_blocks: int
    y_t: float
    y_t_error: float
    y_h: float
    y_h_error: float
    even_eigenvalues: tuple[float, ...]
    odd_eigenvalues: tuple[float, ...]

    @property
    def n_operators(self) -> int:
        """Even plus odd operators."""
        return len(self.even_operators) + len(self.odd_operators)

    @property
    def coarse_lattice(self) -> int:
        """Side of the lattice at ``level`` (``lattice / b**level``)."""
        return self.lattice // self.b**self.level

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (lists and floats), with ``n_operators`` added."""
        out = asdict(self)
        for key in ("even_operators", "odd_operators", "even_eigenvalues", "odd_eigenvalues"):
            out[key] = list(out[key])
        for key in ("y_t", "y_t_error", "y_h", "y_h_error"):
            out[key] = float(out[key])
        out["even_eigenvalues"] = [float(x) for x in out["even_eigenvalues"]]
        out["odd_eigenvalues"] = [float(x) for x in out["odd_eigenvalues"]]
        out["n_operators"] = self.n_operators
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MCRGResult:
        """Inverse of :meth:`to_dict` (derived keys such as ``n_operators`` are ignored)."""
        names = {f.name for f in fields(cls)}
        missing = names - set(data)
        if missing:
            raise InvalidParameterError(
                f"an MCRGResult dict needs the keys {sorted(names)}; missing {sorted(missing)}. "
                "Pass the output of MCRGResult.to_dict()."
            )
        kwargs = {k: data[k] for k in names}
        for key in ("even_operators", "odd_operators"):
            kwargs[key] = tuple(str(x) for x in kwargs[key])
        for key in ("even_eigenvalues", "odd_eigenvalues"):
            kwargs[key] = tuple(float(x) for x in kwargs[key])
        for key in ("y_t", "y_t_error", "y_h", "y_h_error"):
            kwargs[key] = float(kwargs[key])
        return cls(**kwargs)


# -- linear algebra --------------------------------------------------------------------------


def _connected(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Connected correlation matrix <x_a y_b> - <x_a><y_b>, shapes (n, k), (n, l) -> (k, l)."""
    dx = x - x.mean(axis=0)
    dy = y - y.mean(axis=0)
    return dx.T @ dy / x.shape[0]


def _linearised_map(response: NDArray[np.float64], cross: NDArray[np.float64]) -> NDArray[np.float64]:
    """``T = response^-1 cross`` by a linear solve (an explicit error when singular)."""
    try:
        return np.linalg.solve(response, cross)
    except np.linalg.LinAlgError as exc:
        raise InvalidParameterError(
            "the MCRG response matrix (connected correlations of the coarser level's operators) is "
            f"singular ({exc}): the operators are linearly dependent on this lattice or constant in "
            "this ensemble. Use fewer levels (a coarse lattice of at least "
            f"{MIN_COARSE_SIZE} sites), fewer operators, or more samples."
        ) from exc


def _eigenvalues(t: NDArray[np.float64]) -> NDArray[np.float64]:
    """Real parts of the eigenvalues of ``t``, decreasing."""
    return np.sort(np.linalg.eigvals(t).real)[::-1]


def _exponent(leading: float, b: int) -> float:
    return math.log(leading) / math.log(b) if leading > 0 else math.nan


# -- blocking and operators ------------------------------------------------------------------


def block_levels(spins: ArrayLike, b: int, n_levels: int, random_state: RandomState = None) -> list[NDArray[np.int8]]:
    """Repeated majority-rule block spins: levels 0 to ``n_levels``.

    Parameters
    ----------
    spins : array_like of int8, shape (n_samples, L, L)
        Configurations in {-1, +1}; ``b**n_levels`` must divide ``L``.
    b : int
        Block side (``b = 2`` breaks ties with fair coins from ``random_state``; odd ``b`` has none).
    n_levels : int
        Blockings to apply.
    random_state : None, int, SeedSequence or Generator
        Source of the tie-breaking coins (one generator shared by all levels).

    Returns
    -------
    list of ndarray of int8
        ``n_levels + 1`` arrays; entry ``n`` has shape ``(n_samples, L / b**n, L / b**n)``.
    """
    batch = check_spins(spins, name="spins")
    rng = check_random_state(random_state)
    out = [batch]
    for _ in range(n_levels):
        out.append(block_spin(out[-1], b, rule="majority", random_state=rng))
    return out


def _max_levels(L: int, b: int, min_size: int) -> int:
    n = 0
    while L % b == 0 and L // b >= min_size:
        L //= b
        n += 1
    return n


def _check_levels(levels: int | None, L: int, b: int) -> int:
    most = _max_levels(L, b, MIN_COARSE_SIZE)
    if levels is None:
        levels = most
    levels = check_int(
        levels,
        "levels",
        minimum=1,
        hint=f" With L = {L} and b = {b}, up to {most} levels keep coarse lattices of >= {MIN_COARSE_SIZE} sites.",
    )
    if L % b**levels:
        raise InvalidParameterError(
            f"levels = {levels} blockings by b = {b} need L divisible by b**levels = {b**levels}; L = {L}. "
            f"Use at most {_max_levels(L, b, 1)} levels."
        )
    if levels > most:
        logger.warning("MCRG level %d of L = %d has a coarse lattice smaller than %d sites", levels, L, MIN_COARSE_SIZE)
    return levels


def _select(
    n: int | None, given: Sequence[str | SpinOperator] | None, catalog: tuple[SpinOperator, ...], sector: str
) -> tuple[SpinOperator, ...]:
    if given is not None:
        ops = get_operators(given)
    else:
        n = check_int(n, f"n_{sector}", minimum=1, maximum=len(catalog))
        ops = catalog[:n]
    want = 1 if sector == "even" else -1
    wrong = [op.name for op in ops if op.parity != want]
    if wrong or not ops:
        raise InvalidParameterError(
            f"the {sector} sector needs at least one {sector} operator; got {[op.name for op in ops]} "
            f"({wrong} have the other parity). Choose from {[op.name for op in catalog]}."
        )
    return ops


# -- the estimators --------------------------------------------------------------------------


def _choose_blocks(values: list[NDArray[np.float64]], n_blocks: int | None) -> int:
    """Jackknife blocks: ``n_blocks`` checked, or blocks of at least ``2 tau`` samples.

    ``tau`` is the largest integrated autocorrelation time of the operator series
    ``values`` (each (n, k)); the count is clipped to the range of :func:`deeprg.stats.jackknife`'s
    own automatic choice (2 .. ``MAX_BLOCKS``), with a warning below ``MIN_BLOCKS``.
    """
    n = values[0].shape[0]
    if n_blocks is not None:
        return check_int(n_blocks, "n_blocks", minimum=2, maximum=n)
    taus = [integrated_autocorrelation_time(col, warn=False).tau for v in values for col in v.T if np.ptp(col) > 0]
    tau = max(taus, default=0.5)
    chosen = max(2, min(n // max(1, math.ceil(2.0 * tau)), MAX_BLOCKS))
    if chosen < MIN_BLOCKS:
        warnings.warn(
            f"MCRG on {n} configurations whose operators have tau_int up to {tau:.3g}: only {chosen} "
            f"jackknife blocks of >= 2 tau fit (at least {MIN_BLOCKS} are needed for a reliable error). "
            f"Draw at least {MIN_BLOCKS * max(1, math.ceil(2.0 * tau))} configurations.",
            ShortChainWarning,
            stacklevel=3,
        )
    return chosen


def _jackknife_of(func: Callable[[NDArray[np.float64], NDArray[np.float64]], float], x, y, n_blocks: int):
    """Blocked jackknife of ``func(x, y)`` over the rows of (n, k) arrays ``x`` and ``y`` (same samples)."""
    k = x.shape[1]

    def stacked(*cols: NDArray[np.float64]) -> float:
        return func(np.column_stack(cols[:k]), np.column_stack(cols[k:]))

    return jackknife(stacked, *(np.ascontiguousarray(c) for c in (*x.T, *y.T)), n_blocks=n_blocks)


def _one_lattice_sector(
    fine: NDArray[np.float64], coarse: NDArray[np.float64], b: int, n_blocks: int
) -> tuple[float, float, tuple[float, ...]]:
    """y from ``solve(B, A)`` of one sector, its jackknife error and the central spectrum."""

    def spectrum(f: NDArray[np.float64], c: NDArray[np.float64]) -> NDArray[np.float64]:
        return _eigenvalues(_linearised_map(_connected(c, c), _connected(c, f)))

    est = _jackknife_of(lambda f, c: _exponent(spectrum(f, c)[0], b), fine, coarse, n_blocks)
    return est.mean, est.error, tuple(float(x) for x in spectrum(fine, coarse))


def _operator_values(lattices: Any, even_ops: Any, odd_ops: Any) -> list[tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """(even, odd) operator values ``(n_samples, n_ops)`` of every blocking level."""
    return [(evaluate_operators(s, even_ops), evaluate_operators(s, odd_ops)) for s in lattices]


def _result(level: int, b: int, L: int, method: str, even_ops: Any, odd_ops: Any, n_samples: int, n_blocks: int,
            sectors: Any) -> MCRGResult:
    """An :class:`MCRGResult` from the (y, error, eigenvalues) of the even and the odd sector."""
    (y_t, y_t_err, ev_t), (y_h, y_h_err, ev_h) = sectors
    return MCRGResult(level=level, b=b, lattice=L, method=method, even_operators=tuple(op.name for op in even_ops),
                      odd_operators=tuple(op.name for op in odd_ops), n_samples=n_samples, n_blocks=n_blocks,
                      y_t=y_t, y_t_error=y_t_err, y_h=y_h, y_h_error=y_h_err, even_eigenvalues=ev_t,
                      odd_eigenvalues=ev_h)


def mcrg_eigenvalues(
    spins: ArrayLike,
    *,
    b: int = 2,
    levels: int | None = None,
    n_even: int = 4,
    n_odd: int = 3,
    even: Sequence[str | SpinOperator] | None = None,
    odd: Sequence[str | SpinOperator] | None = None,
    n_blocks: int | None = None,
    random_state: RandomState = None,
) -> list[MCRGResult]:
    r"""Swendsen's linearised MCRG on one ensemble: y_t and y_h at every blocking level.

    Parameters
    ----------
    spins : array_like of int8, shape (n_samples, L, L)
        Equilibrium configurations in chain order (the jackknife blocks are consecutive).
    b : int, default 2
        Majority-rule block side; ``b = 2`` breaks ties at random, ``b = 3`` has no ties.
    levels : int, optional
        Blocking steps; default: as many as keep the coarsest lattice at
        :data:`MIN_COARSE_SIZE` sites or more.
    n_even, n_odd : int, default 4 and 3
        Use the first ``n_even`` of :data:`~deeprg.rg.spinoperators.EVEN_OPERATORS` (nn, nnn,
        nn3, plaquette, ...) and the first ``n_odd`` of ``ODD_OPERATORS`` (m, three_corner,
        three_line, ...).
    even, odd : sequence of str or SpinOperator, optional
        Explicit operators instead (override ``n_even`` / ``n_odd``).
    n_blocks : int, optional
        Jackknife blocks; default: automatic (blocks of at least 2 tau_int, at most 100).
    random_state : None, int, SeedSequence or Generator
        Tie-breaking coins of the majority rule.

    Returns
    -------
    list of MCRGResult
        One per level ``1 .. levels`` (``method = "one-lattice"``).

    Raises
    ------
    InvalidParameterError
        On invalid spins, levels, operators, or singular correlation matrices.

    Warns
    -----
    ShortChainWarning
        If the automatic jackknife blocking finds the chain too short.
    """
    batch = check_spins(spins, name="spins", min_samples=4)
    b = check_int(b, "b", minimum=2)
    L = batch.shape[1]
    levels = _check_levels(levels, L, b)
    even_ops = _select(n_even, even, EVEN_OPERATORS, "even")
    odd_ops = _select(n_odd, odd, ODD_OPERATORS, "odd")
    values = _operator_values(block_levels(batch, b, levels, random_state), even_ops, odd_ops)
    used = _choose_blocks([v for pair in values for v in pair], n_blocks)
    results = []
    for n in range(levels):
        sectors = [_one_lattice_sector(values[n][s], values[n + 1][s], b, used) for s in (0, 1)]
        results.append(_result(n + 1, b, L, "one-lattice", even_ops, odd_ops, batch.shape[0], used, sectors))
    return results


def _two_lattice_sector(
    large: tuple[NDArray[np.float64], NDArray[np.float64]],
    small: tuple[NDArray[np.float64], NDArray[np.float64]],
    b: int,
    blocks: tuple[int, int],
) -> tuple[float, float, tuple[float, ...]]:
    """y of ``solve(M_small, M_large)`` for (level-0, compared-level) operator values of each ensemble.

    The two ensembles are independent: the error adds in quadrature the jackknife over the
    large lattice's blocks (small one fixed) and over the small lattice's blocks.
    """

    def spectrum(l0, lm, s0, sm) -> NDArray[np.float64]:
        return _eigenvalues(_linearised_map(_connected(sm, s0), _connected(lm, l0)))

    est_large = _jackknife_of(lambda l0, lm: _exponent(spectrum(l0, lm, *small)[0], b), *large, blocks[0])
    est_small = _jackknife_of(lambda s0, sm: _exponent(spectrum(*large, s0, sm)[0], b), *small, blocks[1])
    central = spectrum(*large, *small)
    return est_large.mean, math.hypot(est_large.error, est_small.error), tuple(float(x) for x in central)


def mcrg_eigenvalues_two_lattice(
    spins: ArrayLike,
    small_spins: ArrayLike,
    *,
    b: int = 2,
    levels: int | None = None,
    n_even: int = 4,
    n_odd: int = 3,
    even: Sequence[str | SpinOperator] | None = None,
    odd: Sequence[str | SpinOperator] | None = None,
    n_blocks: int | None = None,
    random_state: RandomState = None,
) -> list[MCRGResult]:
    r"""Two-lattice MCRG: level ``n + 1`` of an ``L`` lattice against level ``n`` of an ``L / b`` one.

    Both compared lattices have side :math:`L / b^{n+1}`, so the finite-size effects of the
    response to the renormalized couplings cancel to leading order (module docstring). With
    :math:`M^{(m)}_{ab} = \langle S_a^{(m)} S_b^{(0)} \rangle - \langle S_a^{(m)} \rangle
    \langle S_b^{(0)} \rangle` measured on each ensemble, the map at ``level = n + 1`` is
    ``solve(M_small^(n), M_large^(n+1))``, similar to :math:`T` (same eigenvalues).

    The two ensembles are independent, so their noise does not cancel as it does in the
    one-lattice ratio: with the same number of samples the errors are ~5 times larger, and
    beyond level 2 the matrix :math:`R` becomes nearly singular (the relevant direction
    dominates it) and the estimate is unusable. Prefer :func:`mcrg_eigenvalues` unless the
    finite-size bias of the one-lattice estimator is the question.

    Parameters
    ----------
    spins : array_like of int8, shape (n_samples, L, L)
        Configurations of the larger lattice, in chain order.
    small_spins : array_like of int8, shape (n_small, L / b, L / b)
        An independent ensemble at the same coupling on the lattice ``b`` times smaller.
    b, levels, n_even, n_odd, even, odd, random_state
        As in :func:`mcrg_eigenvalues` (``levels`` counts blockings of the larger lattice).
    n_blocks : int, optional
        Jackknife blocks of each ensemble; default automatic per ensemble.

    Returns
    -------
    list of MCRGResult
        One per level ``1 .. levels`` with ``method = "two-lattice"``; ``lattice`` is ``L``,
        ``n_samples`` and ``n_blocks`` those of the larger ensemble; the error combines both
        ensembles' jackknives in quadrature (they are independent).
    """
    batch = check_spins(spins, name="spins", min_samples=4)
    small = check_spins(small_spins, name="small_spins", min_samples=4)
    b = check_int(b, "b", minimum=2)
    L = batch.shape[1]
    if small.shape[1] * b != L:
        raise InvalidParameterError(
            f"the two-lattice MCRG needs small_spins of side L / b = {L}/{b}; got side {small.shape[1]}. "
            f"Sample the second ensemble on a {L // b} x {L // b} lattice at the same coupling."
        )
    levels = _check_levels(levels, L, b)
    even_ops = _select(n_even, even, EVEN_OPERATORS, "even")
    odd_ops = _select(n_odd, odd, ODD_OPERATORS, "odd")
    rng = check_random_state(random_state)
    large_values = _operator_values(block_levels(batch, b, levels, rng), even_ops, odd_ops)
    small_values = _operator_values(block_levels(small, b, levels - 1, rng), even_ops, odd_ops)
    blocks = (
        _choose_blocks([v for pair in large_values for v in pair], n_blocks),
        _choose_blocks(
            [v for pair in small_values for v in pair], n_blocks if n_blocks is None else min(n_blocks, small.shape[0])
        ),
    )
    results = []
    for m in range(1, levels + 1):
        sectors = [
            _two_lattice_sector(
                (large_values[0][s], large_values[m][s]), (small_values[0][s], small_values[m - 1][s]), b, blocks
            )
            for s in (0, 1)
        ]
        results.append(_result(m, b, L, "two-lattice", even_ops, odd_ops, batch.shape[0], blocks[0], sectors))
    return results
