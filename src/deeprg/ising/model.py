"""The nearest-neighbour Ising model on an L x L periodic square lattice."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg._validation import check_coupling, check_int, check_spins
from deeprg.errors import InvalidParameterError


class IsingModel:
    r"""Ferromagnetic (or antiferromagnetic) Ising model on an L x L torus.

    .. math::

        H(s) = -J \sum_{\langle ij \rangle} s_i s_j ,

    where the sum runs over the :math:`2 L^2` nearest-neighbour bonds of the
    periodic square lattice. With ``beta`` the inverse temperature, the
    dimensionless coupling is :math:`K = \beta J`.

    All methods are vectorised over a batch ``(n_samples, L, L)``; a single
    ``(L, L)`` lattice is treated as a batch of one.

    Parameters
    ----------
    L : int
        Linear size of the lattice, at least 2.
    coupling : float, default 1.0
        Exchange coupling :math:`J` (positive: ferromagnet).

    Examples
    --------
    >>> import numpy as np
    >>> model = IsingModel(L=4)
    >>> model.energy(np.ones((4, 4), dtype=np.int8))
    array([-32.])
    """

    def __init__(self, L: int, coupling: float = 1.0) -> None:
        self.L = check_int(L, "L", minimum=2)
        self.coupling = check_coupling(coupling)

    @property
    def n_sites(self) -> int:
        """Number of spins, :math:`L^2`."""
        return self.L * self.L

    @property
    def n_bonds(self) -> int:
        """Number of nearest-neighbour bonds, :math:`2 L^2`."""
        return 2 * self.L * self.L

    def __repr__(self) -> str:
        return f"IsingModel(L={self.L}, coupling={self.coupling:g})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IsingModel) and (self.L, self.coupling) == (other.L, other.coupling)

    def __hash__(self) -> int:
        return hash((self.L, self.coupling))

    def _check(self, spins: ArrayLike) -> NDArray[np.int8]:
        batch = check_spins(spins)
        if batch.shape[1] != self.L:
            raise InvalidParameterError(
                f"spins are {batch.shape[1]}x{batch.shape[2]} lattices but the model is {self.L}x{self.L}."
            )
        return batch

    def neighbour_sum(self, spins: ArrayLike) -> NDArray[np.int64]:
        """Sum of the four nearest-neighbour spins of every site.

        Parameters
        ----------
        spins : array_like, shape (L, L) or (n_samples, L, L)

        Returns
        -------
        ndarray of int64, shape (n_samples, L, L)
        """
        s = self._check(spins).astype(np.int64)
        return np.roll(s, 1, 1) + np.roll(s, -1, 1) + np.roll(s, 1, 2) + np.roll(s, -1, 2)

    def local_field(self, spins: ArrayLike) -> NDArray[np.float64]:
        r"""Local field :math:`h_i = J \sum_{j \in \partial i} s_j` on every site.

        Flipping spin :math:`i` changes the energy by :math:`\Delta E_i = 2 s_i h_i`.

        Returns
        -------
        ndarray of float64, shape (n_samples, L, L)
        """
        return self.coupling * self.neighbour_sum(spins)

    def energy(self, spins: ArrayLike) -> NDArray[np.float64]:
        """Total energy :math:`H(s)` of each configuration.

        Returns
        -------
        ndarray of float64, shape (n_samples,)
        """
        s = self._check(spins).astype(np.int64)
        bonds = s * np.roll(s, -1, 1) + s * np.roll(s, -1, 2)
        return -self.coupling * bonds.sum(axis=(1, 2)).astype(np.float64)

    def magnetization(self, spins: ArrayLike) -> NDArray[np.int64]:
        r"""Total magnetization :math:`M = \sum_i s_i` of each configuration.

        Returns
        -------
        ndarray of int64, shape (n_samples,)
        """
        return self._check(spins).sum(axis=(1, 2), dtype=np.int64)

    def flip_energy_change(self, spins: ArrayLike) -> NDArray[np.float64]:
        r"""Energy change :math:`\Delta E_i = 2 s_i h_i` of flipping each single spin.

        Returns
        -------
        ndarray of float64, shape (n_samples, L, L)
        """
        s = self._check(spins)
        return 2.0 * s * self.local_field(s)
