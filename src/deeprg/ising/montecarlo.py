"""Chains and the machinery shared by the Monte Carlo samplers (thermalization, spacing, threads).

The samplers in :mod:`deeprg.ising.samplers` share one interface::

    sampler = WolffSampler(IsingModel(L=40), beta=0.408, random_state=0)
    samples = sampler.sample(20_000)          # thermalize, measure tau, space samples
    more = sampler.sample(5_000)              # continue the same chains

The chains live in ``sampler.state_`` (spins, random key and stream position per
chain), so sampling can continue later, or in another process after
:meth:`MonteCarloSampler.set_state`.
"""

from __future__ import annotations

import logging
import math
import os
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from deeprg._random import RandomState, check_random_state, seed_of, spawn
from deeprg._validation import check_beta, check_int
from deeprg.errors import InvalidParameterError
from deeprg.ising import kernels
from deeprg.ising.exact import CRITICAL_COUPLING
from deeprg.ising.model import IsingModel
from deeprg.ising.sampleset import SampleSet
from deeprg.progress import Progress, silent
from deeprg.stats import ShortChainWarning, integrated_autocorrelation_time

logger = logging.getLogger(__name__)

#: Tasks a sampler reports on (:mod:`deeprg.progress`): burn-in (in updates, total unknown), then sampling
#: (in configurations).
THERMALIZE_TASK, SAMPLE_TASK = "thermalize", "sample"

# Automatic thermalization (see MonteCarloSampler.sample): discard at least
# _BURN_IN_TAUS autocorrelation times, and measure tau on a run at least
# _PROBE_TAUS long (relative error of tau about sqrt(4 c / _PROBE_TAUS) ~ 35%).
_INITIAL_BURN_IN = 100
_INITIAL_PROBE = 1000
_BURN_IN_TAUS = 20
_PROBE_TAUS = 200
#: Cap of the automatic thermalization, in spin updates (sweeps x L^2, or flipped spins for Wolff).
_MAX_THERMALIZE_WORK = 2_000_000_000
#: Samples are spaced by at least this many integrated autocorrelation times.
SPACING_IN_TAUS = 2.0


@dataclass
class ChainState:
    """The complete state of one Markov chain.

    Attributes
    ----------
    spins : ndarray of int8, shape (L, L)
        Current configuration.
    key : int
        64-bit key of the chain's random stream.
    counter : int
        Position in the random stream.
    """

    spins: NDArray[np.int8]
    key: int
    counter: int


class MonteCarloSampler:
    """Shared machinery of the samplers; use a concrete subclass.

    Parameters
    ----------
    model : IsingModel
        Lattice and coupling.
    beta : float
        Inverse temperature, > 0. The dimensionless coupling is ``beta * model.coupling``.
    random_state : None, int, SeedSequence or Generator
        Seed of the chains; each chain gets its own stream from ``SeedSequence.spawn``.
    n_chains : int, default 1
        Independent chains; samples are split evenly between them and stored chain by chain.
    n_jobs : int or None, default None
        Threads used to run the chains (``None``: one per chain, at most the number of CPUs).
    initial : {"auto", "random", "ordered"}, default "auto"
        Starting configuration: ``"auto"`` is ordered (all up) below the critical
        temperature and random above it.

    Attributes
    ----------
    state_ : list of ChainState or None
        The chains, created at the first call to :meth:`sample`.
    spacing_ : int or None
        Updates between samples chosen by the last call.
    tau_ : dict of str to float
        Integrated autocorrelation times (in updates) measured during thermalization.
    n_thermalize_ : int
        Updates discarded per chain so far.
    n_updates_, n_flipped_ : int
        Updates made and spins flipped so far, all chains together (their ratio is
        the Metropolis acceptance rate times ``L * L``, or the mean Wolff cluster size).
    """

    algorithm: str = ""
    _update_name: str = "update"

    def __init__(
        self,
        model: IsingModel,
        beta: float,
        *,
        random_state: RandomState = None,
        n_chains: int = 1,
        n_jobs: int | None = None,
        initial: Literal["auto", "random", "ordered"] = "auto",
    ) -> None:
        if not isinstance(model, IsingModel):
            raise InvalidParameterError(f"model must be an IsingModel, got {type(model).__name__}.")
        beta = check_beta(beta)
        check_int(n_chains, "n_chains", minimum=1)
        if n_jobs is not None:
            check_int(n_jobs, "n_jobs", minimum=1)
        if initial not in ("auto", "random", "ordered"):
            raise InvalidParameterError(f"initial must be 'auto', 'random' or 'ordered', got {initial!r}.")
        self.model = model
        self.beta = float(beta)
        self.random_state = random_state
        self.n_chains = int(n_chains)
        self.n_jobs = n_jobs
        self.initial = initial
        self.state_: list[ChainState] | None = None
        self.spacing_: int | None = None
        self.tau_: dict[str, float] = {}
        self.n_thermalize_ = 0
        self.n_flipped_ = 0
        self.n_updates_ = 0
        self._check_model()

    # -- subclass hooks ---------------------------------------------------------------
    def _check_model(self) -> None:
        """Refuse models the algorithm cannot sample."""

    def _algorithm_code(self) -> int:
        raise NotImplementedError

    def _table(self) -> NDArray[np.uint64]:
        raise NotImplementedError

    def _work_per_update(self) -> float:
        """Spin updates one update costs, for the thermalization budget."""
        return float(self.model.n_sites)

    # -- state ------------------------------------------------------------------------
    def _init_state(self) -> list[ChainState]:
        rng = check_random_state(self.random_state)
        ordered = self.initial == "ordered" or (
            self.initial == "auto" and self.beta * abs(self.model.coupling) > CRITICAL_COUPLING
        )
        L = self.model.L
        states = []
        for child in spawn(rng, self.n_chains):
            key = int(child.integers(0, 2**64, dtype=np.uint64))
            if ordered:
                spins = np.ones((L, L), dtype=np.int8)
            else:
                spins = (2 * child.integers(0, 2, size=(L, L), dtype=np.int8) - 1).astype(np.int8)
            states.append(ChainState(spins=spins, key=key, counter=0))
        return states

    def set_state(self, state: list[ChainState]) -> "MonteCarloSampler":
        """Continue from previously saved chains (``state_`` of an earlier sampler).

        Parameters
        ----------
        state : list of ChainState
            One state per chain, lattices of the model's size.

        Returns
        -------
        self
        """
        if len(state) != self.n_chains:
            raise InvalidParameterError(f"expected {self.n_chains} chain states, got {len(state)}.")
        for chain in state:
            if chain.spins.shape != (self.model.L, self.model.L):
                raise InvalidParameterError(
                    f"chain lattice is {chain.spins.shape}, model is {self.model.L}x{self.model.L}."
                )
        self.state_ = [ChainState(c.spins.astype(np.int8, copy=True), int(c.key), int(c.counter)) for c in state]
        return self

    # -- running ----------------------------------------------------------------------
    def _run(self, n_records: int, spacing: int, keep_spins: bool) -> list[tuple[np.ndarray, ...]]:
        """Advance every chain by ``n_records * spacing`` updates in parallel threads."""
        code = self._algorithm_code()
        table = self._table()
        L = self.model.L

        def one(chain: ChainState) -> tuple[np.ndarray, ...]:
            bonds = np.empty(n_records, dtype=np.int64)
            mags = np.empty(n_records, dtype=np.int64)
            out = np.empty((n_records if keep_spins else 0, L, L), dtype=np.int8)
            work = np.empty(L * L, dtype=np.int64)
            counter, flipped = kernels.run_chain(
                code, chain.spins, table, np.uint64(chain.key), np.uint64(chain.counter), spacing,
                bonds, mags, out, work,
            )
            chain.counter = int(counter)
            return bonds, mags, out, flipped

        chains = self.state_ or []
        n_jobs = min(self.n_jobs or os.cpu_count() or 1, self.n_chains)
        if n_jobs == 1:
            results = [one(c) for c in chains]
        else:
            with ThreadPoolExecutor(max_workers=n_jobs) as pool:
                results = list(pool.map(one, chains))
        self.n_flipped_ += int(sum(r[3] for r in results))
        self.n_updates_ += n_records * spacing * len(chains)
        return results

    def _measure_tau(self, results: list[tuple[np.ndarray, ...]]) -> tuple[dict[str, float], bool]:
        """Largest tau over the chains of the energy and |m| series; reliable if all are."""
        taus = {"energy": 0.5, "abs_magnetization": 0.5}
        reliable = True
        for bonds, mags, _, _ in results:
            for name, series in (("energy", bonds), ("abs_magnetization", np.abs(mags))):
                est = integrated_autocorrelation_time(series.astype(np.float64), warn=False)
                taus[name] = max(taus[name], est.tau)
                reliable &= est.reliable
        return taus, reliable

    def _thermalize_auto(self, progress: Progress) -> None:
        """Burn in until at least 20 tau are discarded and tau is measured on >= 200 tau."""
        burn, probe = _INITIAL_BURN_IN, _INITIAL_PROBE
        self._run(burn, 1, keep_spins=False)
        done = burn
        while True:
            results = self._run(probe, 1, keep_spins=False)
            done += probe
            progress(THERMALIZE_TASK, f"thermalize: {done} {self._update_name}s", done, None)
            taus, reliable = self._measure_tau(results)
            tau = max(taus.values())
            if reliable and probe >= _PROBE_TAUS * tau and done - probe >= _BURN_IN_TAUS * tau:
                break
            budget = _MAX_THERMALIZE_WORK / self._work_per_update()  # in updates; Wolff's cost is now measured
            if done + 2 * probe > budget:
                warnings.warn(
                    f"{self.algorithm}: the autocorrelation time could not be measured within the "
                    f"thermalization budget ({done} {self._update_name}s, tau >= {tau:.3g}); samples may be "
                    "correlated. Use a cluster algorithm near the critical point, or pass an explicit "
                    "n_thermalize and spacing.",
                    ShortChainWarning,
                    stacklevel=3,
                )
                break
            probe *= 2
        self.tau_ = taus
        self.n_thermalize_ += done
        logger.info("%s thermalized for %d %ss; tau = %s", self.algorithm, done, self._update_name, taus)

    def sample(
        self,
        n_samples: int,
        *,
        n_thermalize: int | Literal["auto"] = "auto",
        spacing: int | Literal["auto"] = "auto",
        progress: Progress | None = None,
    ) -> SampleSet:
        """Draw equilibrium configurations.

        Parameters
        ----------
        n_samples : int
            Number of configurations, split evenly between the chains.
        n_thermalize : int or "auto", default "auto"
            Updates discarded per chain before sampling. ``"auto"`` (only on the first
            call; later calls continue the chains) burns in until at least 20
            integrated autocorrelation times are discarded, measuring tau of the
            energy and of :math:`|m|` on a run at least 200 tau long.
        spacing : int or "auto", default "auto"
            Updates between stored samples: Metropolis sweeps (``L * L`` attempted
            flips), Wolff clusters or Swendsen-Wang sweeps. ``"auto"`` uses
            ``ceil(2 * tau)`` with tau the larger of the energy and :math:`|m|` times
            measured during thermalization (measured then even when ``n_thermalize``
            is an integer).
        progress : Progress, optional
            Reports (:mod:`deeprg.progress`) on the task ``"thermalize"`` (``completed`` in
            updates, ``total`` None: the burn-in ends when tau is measured) and then ``"sample"``
            (``completed`` and ``total`` in configurations).

        Returns
        -------
        SampleSet
        """
        check_int(n_samples, "n_samples", minimum=1)
        if n_thermalize != "auto":
            n_thermalize = check_int(n_thermalize, "n_thermalize (or 'auto')", minimum=0)
        if spacing != "auto":
            spacing = check_int(spacing, "spacing (or 'auto')", minimum=1)

        say = progress if progress is not None else silent
        first_call = self.state_ is None
        if first_call:
            self.state_ = self._init_state()
        if n_thermalize == "auto":
            if first_call:
                self._thermalize_auto(say)
        elif n_thermalize > 0:
            self._run(n_thermalize, 1, keep_spins=False)
            self.n_thermalize_ += n_thermalize
        if spacing == "auto":
            if not self.tau_:
                self._thermalize_auto(say)
            spacing = max(1, math.ceil(SPACING_IN_TAUS * max(self.tau_.values())))
        self.spacing_ = int(spacing)

        per_chain = _split(n_samples, self.n_chains)
        parts: list[list[tuple[np.ndarray, ...]]] = [[] for _ in range(self.n_chains)]
        chunk = max(1, int(2e7 // (self.spacing_ * self._work_per_update())))
        done = 0
        start = time.perf_counter()
        while done < max(per_chain):
            n = min(chunk, max(per_chain) - done)
            results = self._run(n, self.spacing_, keep_spins=True)
            for c, res in enumerate(results):
                parts[c].append(res)
            done += n
            drawn = min(done * self.n_chains, n_samples)
            say(SAMPLE_TASK, f"sample: {drawn}/{n_samples} configurations", drawn, n_samples)
        logger.info("%s drew %d samples in %.2f s", self.algorithm, n_samples, time.perf_counter() - start)
        return self._to_sampleset(parts, per_chain, n_samples, n_thermalize, spacing)

    def _to_sampleset(self, parts, per_chain, n_samples, n_thermalize_arg, spacing_arg) -> SampleSet:
        spins, bonds, mags, chain = [], [], [], []
        for c, (chunks, n) in enumerate(zip(parts, per_chain, strict=True)):
            spins.append(np.concatenate([p[2] for p in chunks])[:n])
            bonds.append(np.concatenate([p[0] for p in chunks])[:n])
            mags.append(np.concatenate([p[1] for p in chunks])[:n])
            chain.append(np.full(n, c, dtype=np.int64))
        n_sites = self.model.n_sites
        energy = -self.model.coupling * np.concatenate(bonds).astype(np.float64) / n_sites
        config: dict[str, Any] = {
            "L": self.model.L,
            "coupling": self.model.coupling,
            "beta": self.beta,
            "algorithm": self.algorithm,
            "n_samples": n_samples,
            "n_chains": self.n_chains,
            "n_thermalize": n_thermalize_arg,
            "spacing": spacing_arg if spacing_arg == "auto" else int(spacing_arg),
            "initial": self.initial,
            "seed": seed_of(self.random_state),
            **self._extra_config(),
        }
        return SampleSet(
            spins=np.concatenate(spins),
            energy=energy,
            magnetization=np.concatenate(mags).astype(np.float64) / n_sites,
            beta=self.beta,
            coupling=self.model.coupling,
            algorithm=self.algorithm,
            spacing=self.spacing_,
            n_thermalize=self.n_thermalize_,
            tau=dict(self.tau_),
            chain=np.concatenate(chain),
            seed=seed_of(self.random_state),
            config=config,
        )

    def _extra_config(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model!r}, beta={self.beta:g}, n_chains={self.n_chains})"


def _split(n: int, parts: int) -> list[int]:
    """Split ``n`` into ``parts`` near-equal non-negative integers, larger ones first."""
    return [n // parts + (1 if c < n % parts else 0) for c in range(parts)]
