"""Monte Carlo samplers for the 2D Ising model: Metropolis, Wolff and Swendsen-Wang.

All three share the interface of :class:`~deeprg.ising.montecarlo.MonteCarloSampler`::

    samples = WolffSampler(IsingModel(L=40), beta=0.408, random_state=0).sample(20_000)
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from deeprg._random import RandomState
from deeprg.errors import InvalidParameterError
from deeprg.ising import kernels
from deeprg.ising.model import IsingModel
from deeprg.ising.montecarlo import MonteCarloSampler

__all__ = ["MetropolisSampler", "SwendsenWangSampler", "WolffSampler", "SAMPLERS", "make_sampler"]


class MetropolisSampler(MonteCarloSampler):
    """Single-spin-flip Metropolis sampler.

    One update is a sweep: ``L * L`` attempted flips, in checkerboard order (all
    even sites, then all odd sites) by default, or at ``L * L`` uniformly random sites. Acceptance probabilities
    :math:`\\min(1, e^{-\\beta \\Delta E})` come from a lookup table of the five
    possible energy changes; no exponential is computed per site.

    Parameters
    ----------
    model, beta, random_state, n_chains, n_jobs, initial
        See :class:`MonteCarloSampler`.
    order : {"checkerboard", "random"}, default "checkerboard"
        Site order within a sweep. A checkerboard needs an even ``L`` (odd
        periodic lattices are not bipartite); ``"random"`` works for any ``L``.
        There is deliberately no fixed row-major order: on small lattices it has
        deterministic cycles that trap the chain (it is not ergodic).
    """

    algorithm = "metropolis"
    _update_name = "sweep"

    def __init__(
        self,
        model: IsingModel,
        beta: float,
        *,
        order: Literal["checkerboard", "random"] = "checkerboard",
        random_state: RandomState = None,
        n_chains: int = 1,
        n_jobs: int | None = None,
        initial: Literal["auto", "random", "ordered"] = "auto",
    ) -> None:
        if order not in ("checkerboard", "random"):
            raise InvalidParameterError(f"order must be 'checkerboard' or 'random', got {order!r}.")
        self.order = order
        super().__init__(model, beta, random_state=random_state, n_chains=n_chains, n_jobs=n_jobs, initial=initial)

    def _check_model(self) -> None:
        if self.order == "checkerboard" and self.model.L % 2:
            raise InvalidParameterError(
                f"a checkerboard Metropolis sweep needs an even lattice size, got L={self.model.L}; "
                "use an even L, order='random', or a cluster algorithm (wolff, swendsen-wang)."
            )

    def _algorithm_code(self) -> int:
        return kernels.METROPOLIS_CHECKERBOARD if self.order == "checkerboard" else kernels.METROPOLIS_RANDOM_SITE

    def _table(self) -> NDArray[np.uint64]:
        return kernels.metropolis_table(self.beta, self.model.coupling)

    def _extra_config(self) -> dict[str, Any]:
        return {"order": self.order}


class _ClusterSampler(MonteCarloSampler):
    def _check_model(self) -> None:
        if self.model.coupling < 0:
            raise InvalidParameterError(
                f"{self.algorithm} clusters are built for a ferromagnet (coupling > 0), got coupling="
                f"{self.model.coupling:g}; use MetropolisSampler for antiferromagnets."
            )

    def _table(self) -> NDArray[np.uint64]:
        return kernels.cluster_table(self.beta, self.model.coupling)


class WolffSampler(_ClusterSampler):
    r"""Wolff single-cluster sampler.

    One update grows one cluster from a random site, adding aligned neighbours
    with probability :math:`p = 1 - e^{-2 \beta J}`, and flips it. Integer
    ``spacing`` and the measured tau count clusters, not sweeps.
    """

    algorithm = "wolff"
    _update_name = "cluster"

    def _algorithm_code(self) -> int:
        return kernels.WOLFF

    def _work_per_update(self) -> float:
        # a cluster costs its size: the measured mean, or a quarter of the lattice before any update
        if self.n_updates_:
            return max(self.n_flipped_ / self.n_updates_, 1.0)
        return max(self.model.n_sites / 4.0, 1.0)


class SwendsenWangSampler(_ClusterSampler):
    r"""Swendsen-Wang multi-cluster sampler.

    One update activates every aligned bond with probability
    :math:`p = 1 - e^{-2 \beta J}`, labels the clusters (union-find), and flips
    each cluster with probability 1/2.
    """

    algorithm = "swendsen-wang"
    _update_name = "sweep"

    def _algorithm_code(self) -> int:
        return kernels.SWENDSEN_WANG


SAMPLERS: dict[str, type[MonteCarloSampler]] = {
    cls.algorithm: cls for cls in (MetropolisSampler, WolffSampler, SwendsenWangSampler)
}


def make_sampler(algorithm: str, model: IsingModel, beta: float, **kwargs: Any) -> MonteCarloSampler:
    """Build the sampler named ``algorithm`` ("metropolis", "wolff" or "swendsen-wang")."""
    try:
        cls = SAMPLERS[algorithm.lower()]
    except (KeyError, AttributeError):
        raise InvalidParameterError(
            f"unknown algorithm {algorithm!r}; choose one of {', '.join(SAMPLERS)}."
        ) from None
    return cls(model, beta, **kwargs)
