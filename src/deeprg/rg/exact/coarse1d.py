"""The decimated chain's coupling, read off by enumeration: marginalise the visible spins of a
:class:`~deeprg.rg.exact.exact1d.DecimationRBM` and expand the coarse-grained Hamiltonian in spin products."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg.errors import InvalidParameterError
from deeprg.rg.exact.exact1d import DecimationRBM
from deeprg.rg.exact.trace import (
    coarse_grained_hamiltonian,
    spin_product_expansion,
)

__all__ = ["CoarseGrainedChain", "coarse_grained_couplings"]


@dataclass(frozen=True)
class CoarseGrainedChain:
    r"""The coarse Hamiltonian of one decimation step, expanded in spin products.

    Attributes
    ----------
    coupling : float
        Fitted nearest-neighbour coupling :math:`K'` (mean over bonds).
    coupling_exact : float
        :math:`\operatorname{artanh}(\tanh^2 K)` for the step's input coupling :math:`K`.
    bond_couplings : ndarray of float64, shape (n_hidden,)
        The coupling of each bond :math:`(j, j+1)` (equal for a translation-invariant ring).
    constant : float
        The constant term of :math:`H'` (:math:`-\tfrac N2 (\ln 2 + K')` for one exact step).
    residual : float
        Largest magnitude of any other coefficient (fields, longer-range and multi-spin
        couplings); zero up to rounding for exact decimation.
    hamiltonian : ndarray of float64, shape (2**n_hidden,)
        :math:`H'` on every hidden configuration (order of :func:`~deeprg.rg.exact.trace.spin_states`),
        to feed into the next step.
    expansion : ndarray of float64, shape (2**n_hidden,)
        All coefficients (:func:`~deeprg.rg.exact.trace.spin_product_expansion`).
    """

    coupling: float
    coupling_exact: float
    bond_couplings: NDArray[np.float64] = field(repr=False)
    constant: float
    residual: float
    hamiltonian: NDArray[np.float64] = field(repr=False)
    expansion: NDArray[np.float64] = field(repr=False)

    @property
    def error(self) -> float:
        r""":math:`|K' - \operatorname{artanh}(\tanh^2 K)|`."""
        return abs(self.coupling - self.coupling_exact)


def coarse_grained_couplings(rbm: DecimationRBM, *, hamiltonian: ArrayLike | None = None) -> CoarseGrainedChain:
    r"""Marginalise the visible spins by enumeration and read off the coarse couplings.

    Computes :math:`H'[h] = -\ln \sum_v e^{T(v, h) - H[v]}` on all :math:`2^{N/2}` hidden
    configurations (:func:`~deeprg.rg.exact.trace.coarse_grained_hamiltonian`), expands it in
    spin products (:func:`~deeprg.rg.exact.trace.spin_product_expansion`),

    .. math::

        H'[h] = J_\emptyset + \sum_j J_{j,j+1} h_j h_{j+1} + (\text{everything else}),

    and returns :math:`K' = -J_{j,j+1}` (per bond; on a ring of 2 both bonds join the same
    pair, so :math:`K' = -J_{0,1}/2`) and the largest "everything else" coefficient, which
    vanishes for exact decimation.

    Parameters
    ----------
    rbm : DecimationRBM
        The step; ``n_visible >= 4`` (a ring of one kept spin has no bond to measure) and
        ``n_visible <= 14`` (enumeration of :math:`2^{3N/2}` pairs).
    hamiltonian : array_like of shape (2**n_visible,), optional
        The visible Hamiltonian on every configuration (e.g. ``previous.hamiltonian`` to stack
        steps, without refitting in between). Default: the ring at ``rbm.K``, which is also
        the coupling ``coupling_exact`` refers to.

    Returns
    -------
    CoarseGrainedChain

    Raises
    ------
    InvalidParameterError
        If ``n_visible < 4`` or the system is too large to enumerate.
    """
    if not isinstance(rbm, DecimationRBM):
        raise InvalidParameterError(
            f"rbm must be a DecimationRBM (build it with decimation_rbm(n_visible, K)); got {type(rbm).__name__}."
        )
    n = rbm.n_hidden
    if n < 2:
        raise InvalidParameterError(
            f"n_visible must be >= 4 to measure the coarse coupling: a ring of {n} kept spin has no bond "
            "distinct from a constant; got n_visible=2."
        )
    H_prime = coarse_grained_hamiltonian(rbm, rbm.hamiltonian if hamiltonian is None else hamiltonian)
    J = spin_product_expansion(H_prime)
    j = np.arange(n)
    masks = (1 << j) | (1 << ((j + 1) % n))
    multiplicity = np.bincount(masks, minlength=2**n)
    bond_couplings = -J[masks] / multiplicity[masks]
    other = np.ones(2**n, dtype=bool)
    other[0] = False
    other[masks] = False
    return CoarseGrainedChain(
        coupling=float(bond_couplings.mean()),
        coupling_exact=rbm.coarse_coupling,
        bond_couplings=bond_couplings,
        constant=float(J[0]),
        residual=float(np.max(np.abs(J[other]), initial=0.0)),
        hamiltonian=H_prime,
        expansion=J,
    )
