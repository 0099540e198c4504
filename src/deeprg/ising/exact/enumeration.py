r"""Exhaustive enumeration of small periodic lattices (``L <= 4``).

For :math:`N = L^2 \le 16` spins all :math:`2^N` configurations can be listed,
so every thermal average is an exact finite sum

.. math::

    \langle A \rangle = \sum_{k=0}^{2^N - 1} p_k A(s^{(k)}), \qquad
    p_k = \frac{e^{-\beta H(s^{(k)})}}{Z}, \qquad
    \ln Z = \operatorname{logsumexp}_k \bigl(-\beta H(s^{(k)})\bigr).

These are the reference values that Monte Carlo samplers, estimators and the
exact torus formula are tested against. Energies are computed exactly like
:meth:`deeprg.ising.IsingModel.energy` (with ``numpy.roll``, so on the 2 x 2
torus every pair of neighbours is joined by two bonds).

State ``k`` has the spin at site ``i`` (row-major, ``i = row * L + col``) up
exactly when bit ``i`` of ``k`` is 1; :func:`configuration_index` is the inverse map.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from deeprg._validation import check_beta, check_coupling, check_int
from deeprg.errors import InvalidParameterError
from deeprg.ising.spins import check_spins

__all__ = [
    "MAX_ENUMERATION_SIZE",
    "EnumerationResult",
    "brute_force",
    "configuration_index",
    "enumerate_states",
]

#: Largest linear size that :func:`enumerate_states` and :func:`brute_force` accept (:math:`2^{16}` states).
MAX_ENUMERATION_SIZE = 4

#: Largest linear size whose configurations fit an int64 index (:math:`L^2 \le 62`).
_MAX_INDEX_SIZE = 7


def _check_enumeration_size(L: object) -> int:
    L = check_int(L, "L", minimum=2)
    if L > MAX_ENUMERATION_SIZE:
        raise InvalidParameterError(
            f"enumeration of 2^{L * L} states is limited to L <= {MAX_ENUMERATION_SIZE}, got L={L}; "
            "use finite_size(L, beta) for energy and specific heat at larger L."
        )
    return L


@lru_cache(maxsize=MAX_ENUMERATION_SIZE + 1)
def _states(L: int) -> NDArray[np.int8]:
    n_sites = L * L
    k = np.arange(2**n_sites, dtype=np.int64)
    bits = (k[:, np.newaxis] >> np.arange(n_sites, dtype=np.int64)) & 1
    states = (2 * bits - 1).astype(np.int8).reshape(-1, L, L)
    states.setflags(write=False)
    return states


@lru_cache(maxsize=MAX_ENUMERATION_SIZE + 1)
def _bond_sums_and_magnetizations(L: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    s = _states(L).astype(np.int64)
    bonds = (s * np.roll(s, -1, 1) + s * np.roll(s, -1, 2)).sum(axis=(1, 2))
    magnetization = s.sum(axis=(1, 2))
    bonds.setflags(write=False)
    magnetization.setflags(write=False)
    return bonds, magnetization


def enumerate_states(L: int) -> NDArray[np.int8]:
    """All :math:`2^{L^2}` spin configurations of an ``L x L`` lattice.

    Parameters
    ----------
    L : int
        Linear size, ``2 <= L <= 4``.

    Returns
    -------
    ndarray of int8, shape (2**(L*L), L, L)
        Spins in {-1, +1}. Configuration ``k`` has site ``i`` (row-major) up
        exactly when bit ``i`` of ``k`` is 1, so ``states[0]`` is all down and
        ``states[-1]`` all up.

    Raises
    ------
    InvalidParameterError
        If ``L`` is not an integer in ``[2, 4]``.

    Examples
    --------
    >>> enumerate_states(2)[1]
    array([[ 1, -1],
           [-1, -1]], dtype=int8)
    """
    return _states(_check_enumeration_size(L)).copy()


def configuration_index(spins: ArrayLike) -> NDArray[np.int64]:
    """Index of each configuration in :func:`enumerate_states` order.

    Parameters
    ----------
    spins : array_like, shape (L, L) or (n_samples, L, L)
        Spins in {-1, +1}, ``L <= 7`` so that the index fits an int64.

    Returns
    -------
    ndarray of int64, shape (n_samples,)
        :math:`k = \\sum_i 2^i [s_i = +1]` with sites ``i`` in row-major order;
        ``enumerate_states(L)[configuration_index(spins)]`` gives ``spins`` back.

    Raises
    ------
    InvalidParameterError
        If ``spins`` are not valid spins or ``L > 7``.
    """
    batch = check_spins(spins)
    L = batch.shape[1]
    if L > _MAX_INDEX_SIZE:
        raise InvalidParameterError(
            f"configuration_index needs L <= {_MAX_INDEX_SIZE} (L^2 bits in an int64), got {L}x{L} lattices."
        )
    bits = (batch.reshape(batch.shape[0], L * L) > 0).astype(np.int64)
    weights = np.left_shift(np.int64(1), np.arange(L * L, dtype=np.int64))
    return bits @ weights


@dataclass(frozen=True, eq=False)
class EnumerationResult:
    r"""Exact Boltzmann distribution of an ``L x L`` torus, state by state.

    Arrays are indexed by configuration as in :func:`enumerate_states` and are
    read-only.

    Attributes
    ----------
    L : int
        Linear size.
    beta : float
        Inverse temperature.
    coupling : float
        Exchange coupling :math:`J`.
    log_partition_function : float
        :math:`\ln Z`.
    probabilities : ndarray of float64, shape (2**(L*L),)
        Boltzmann probabilities :math:`p_k`, summing to 1.
    energy : ndarray of float64, shape (2**(L*L),)
        Energy per site :math:`e_k = H(s^{(k)}) / N` (units of ``coupling``).
    magnetization : ndarray of float64, shape (2**(L*L),)
        Magnetization per site :math:`m_k = \sum_i s^{(k)}_i / N`.
    """

    L: int
    beta: float
    coupling: float
    log_partition_function: float
    probabilities: NDArray[np.float64]
    energy: NDArray[np.float64]
    magnetization: NDArray[np.float64]

    @property
    def n_sites(self) -> int:
        """Number of spins :math:`N = L^2`."""
        return self.L * self.L

    def expectation(self, observable: ArrayLike) -> float:
        r"""Thermal average :math:`\langle A \rangle = \sum_k p_k A_k`.

        Parameters
        ----------
        observable : array_like, shape (2**(L*L),)
            Value of the observable in every configuration.

        Returns
        -------
        float
        """
        values = np.asarray(observable, dtype=np.float64)
        if values.shape != self.probabilities.shape:
            raise InvalidParameterError(
                f"observable must have one value per configuration, shape {self.probabilities.shape}; "
                f"got shape {values.shape}."
            )
        return float(np.dot(self.probabilities, values))

    def moment(self, observable: ArrayLike, power: int) -> float:
        r"""Thermal moment :math:`\langle A^p \rangle = \sum_k p_k A_k^p`.

        Parameters
        ----------
        observable : array_like, shape (2**(L*L),)
            Value of the observable in every configuration.
        power : int
            The power :math:`p >= 0`.

        Returns
        -------
        float
        """
        power = check_int(power, "power", minimum=0)
        return self.expectation(np.asarray(observable, dtype=np.float64) ** power)

    @property
    def free_energy_per_site(self) -> float:
        r"""Free energy per site :math:`f = -\ln Z / (\beta N)`."""
        return -self.log_partition_function / (self.beta * self.n_sites)

    @property
    def energy_per_site(self) -> float:
        r"""Mean energy per site :math:`\langle e \rangle`."""
        return self.expectation(self.energy)

    @property
    def specific_heat(self) -> float:
        r"""Specific heat per site :math:`C = \beta^2 N (\langle e^2 \rangle - \langle e \rangle^2)`."""
        deviation = self.energy - self.energy_per_site
        variance = self.expectation(deviation**2)
        return 0.0 if variance == 0.0 else self.beta * self.beta * self.n_sites * variance

    @property
    def abs_magnetization(self) -> float:
        r""":math:`\langle |m| \rangle`."""
        return self.expectation(np.abs(self.magnetization))

    @property
    def magnetization_squared(self) -> float:
        r""":math:`\langle m^2 \rangle`."""
        return self.moment(self.magnetization, 2)

    @property
    def magnetization_fourth(self) -> float:
        r""":math:`\langle m^4 \rangle`."""
        return self.moment(self.magnetization, 4)

    @property
    def binder_cumulant(self) -> float:
        r"""Binder cumulant :math:`U_4 = 1 - \langle m^4 \rangle / (3 \langle m^2 \rangle^2)`."""
        return 1.0 - self.magnetization_fourth / (3.0 * self.magnetization_squared**2)

    @property
    def susceptibility(self) -> float:
        r"""Connected susceptibility :math:`\chi = \beta N (\langle m^2 \rangle - \langle |m| \rangle^2)`.

        The finite-lattice convention: :math:`\langle m \rangle = 0` by symmetry,
        so :math:`\langle |m| \rangle` stands in for the order parameter.
        """
        deviation = np.abs(self.magnetization) - self.abs_magnetization
        return self.beta * self.n_sites * self.expectation(deviation**2)

    @property
    def susceptibility_disconnected(self) -> float:
        r"""Disconnected susceptibility :math:`\chi' = \beta N \langle m^2 \rangle`."""
        return self.beta * self.n_sites * self.magnetization_squared


def brute_force(L: int, beta: float, coupling: float = 1.0) -> EnumerationResult:
    r"""Exact Boltzmann distribution of an ``L x L`` torus by enumerating all states.

    Parameters
    ----------
    L : int
        Linear size, ``2 <= L <= 4`` (:math:`2^{16} = 65536` states at most;
        ``L = 4`` takes a few milliseconds once the states are cached).
    beta : float
        Inverse temperature, finite and > 0.
    coupling : float, default 1.0
        Exchange coupling :math:`J` (any finite non-zero value, negative for an
        antiferromagnet).

    Returns
    -------
    EnumerationResult
        Probabilities, energies and magnetizations of every configuration, and
        the moments built from them (energy, specific heat, :math:`\langle |m| \rangle`,
        :math:`\langle m^2 \rangle`, :math:`\langle m^4 \rangle`, Binder cumulant,
        susceptibilities).

    Raises
    ------
    InvalidParameterError
        If ``L`` is not an integer in ``[2, 4]``, ``beta`` is not finite and
        positive, or ``coupling`` is zero or not finite.

    Examples
    --------
    >>> result = brute_force(2, beta=0.5)
    >>> round(float(result.probabilities.sum()), 12)
    1.0
    >>> round(result.binder_cumulant, 6)
    0.641482
    """
    L = _check_enumeration_size(L)
    beta = check_beta(beta)
    coupling = check_coupling(coupling)
    K = beta * coupling
    if not np.isfinite(K):
        raise InvalidParameterError(f"beta * coupling must be finite, got {beta!r} * {coupling!r}.")
    bonds, magnetization = _bond_sums_and_magnetizations(L)
    n_sites = L * L
    log_weights = K * bonds.astype(np.float64)
    log_z = float(logsumexp(log_weights))
    probabilities = np.exp(log_weights - log_z)
    probabilities /= probabilities.sum()
    energy = (-coupling / n_sites) * bonds.astype(np.float64)
    mag = magnetization.astype(np.float64) / n_sites
    for array in (probabilities, energy, mag):
        array.setflags(write=False)
    return EnumerationResult(
        L=L,
        beta=beta,
        coupling=coupling,
        log_partition_function=log_z,
        probabilities=probabilities,
        energy=energy,
        magnetization=mag,
    )
