"""The result of a Monte Carlo run: configurations plus everything needed to trust and reuse them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from deeprg.ising.spins import to_binary

ALGORITHMS = ("metropolis", "wolff", "swendsen-wang")


@dataclass(frozen=True, eq=False)
class SampleSet:
    """Equilibrium Ising configurations with their provenance.

    Parameters
    ----------
    spins : ndarray of int8, shape (n_samples, L, L)
        Configurations in {-1, +1}, in the order they were drawn (chain by chain).
    energy : ndarray of float64, shape (n_samples,)
        Energy per site, :math:`H(s) / L^2`, in units of the coupling scale used by ``beta``.
    magnetization : ndarray of float64, shape (n_samples,)
        Magnetization per site, :math:`\\sum_i s_i / L^2`.
    beta : float
        Inverse temperature.
    coupling : float
        Exchange coupling :math:`J`; the dimensionless coupling is ``beta * coupling``.
    algorithm : {"metropolis", "wolff", "swendsen-wang"}
        Sampler that produced the configurations.
    spacing : int
        Updates between stored samples (Metropolis sweeps, Wolff clusters or
        Swendsen-Wang sweeps).
    n_thermalize : int
        Updates discarded per chain before the first sample.
    tau : dict of str to float
        Integrated autocorrelation times (Sokal convention, independent data
        give 0.5) measured in units of one update, keys ``"energy"`` and
        ``"abs_magnetization"``; empty when not measured.
    chain : ndarray of int64, shape (n_samples,)
        Index of the chain each sample comes from.
    seed : int or None
        Integer seed of the run, ``None`` when it was not seeded by an integer.
    config : dict
        Parameters of the run, stored as ``config_json`` in files.
    deeprg_version : str
        Version of deeprg that produced the data.
    """

    spins: NDArray[np.int8]
    energy: NDArray[np.float64]
    magnetization: NDArray[np.float64]
    beta: float
    coupling: float
    algorithm: str
    spacing: int
    n_thermalize: int
    tau: dict[str, float] = field(default_factory=dict)
    chain: NDArray[np.int64] | None = None
    seed: int | None = None
    config: dict[str, Any] = field(default_factory=dict)
    deeprg_version: str = ""

    def __post_init__(self) -> None:
        if self.chain is None:
            object.__setattr__(self, "chain", np.zeros(len(self.spins), dtype=np.int64))
        if not self.deeprg_version:
            from deeprg import __version__

            object.__setattr__(self, "deeprg_version", __version__)

    @property
    def L(self) -> int:
        """Linear lattice size."""
        return int(self.spins.shape[1])

    @property
    def n_sites(self) -> int:
        """Number of spins per configuration."""
        return self.L * self.L

    @property
    def n_samples(self) -> int:
        """Number of configurations."""
        return int(self.spins.shape[0])

    @property
    def n_chains(self) -> int:
        """Number of independent chains the samples come from."""
        return int(self.chain.max()) + 1 if self.n_samples else 0

    def __len__(self) -> int:
        return self.n_samples

    def __repr__(self) -> str:
        return (
            f"SampleSet(n_samples={self.n_samples}, L={self.L}, beta={self.beta:g}, "
            f"coupling={self.coupling:g}, algorithm={self.algorithm!r}, spacing={self.spacing})"
        )

    def as_binary(self, dtype: np.dtype | type = np.uint8) -> np.ndarray:
        """Configurations as RBM input: ``(n_samples, L * L)`` bits in {0, 1} (spin up is 1)."""
        return to_binary(self.spins, dtype=dtype)

    def summary(self) -> dict[str, Any]:
        """Observables with error bars (see :func:`deeprg.stats.summarize`)."""
        from deeprg.stats import summarize

        return summarize(self)
