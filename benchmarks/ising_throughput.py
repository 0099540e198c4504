"""Ising Monte Carlo throughput on this machine, next to a NumPy baseline measured in the same run.

Prints:
1. ns per Metropolis spin update at L=40 and L=256: our kernel on one core and
   with two chains on two cores, next to a vectorised NumPy checkerboard sweep.
2. ns per flipped spin of the Wolff kernel at K_c.
3. Effectively independent 40x40 samples per second at K_c and K=0.408 for each
   algorithm: 1 / (2 tau_int x time per update), with tau_int measured here.
4. Wall time of ``WolffSampler(..., n_chains=2).sample(20_000)`` at K_c, 40x40,
   thermalization and automatic spacing included.

Targets (issue 2): Metropolis <= 2 ns per update at L=256 on 2 cores and >= 30x
NumPy; Wolff <= 30 ns per flipped spin; 20,000 independent 40x40 samples at K_c
in < 2 s.

Run: ``python benchmarks/ising_throughput.py``.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from deeprg.ising import IsingModel, MetropolisSampler, SwendsenWangSampler, WolffSampler, kernels
from deeprg.ising.exact import CRITICAL_COUPLING
from deeprg.stats import integrated_autocorrelation_time

K_PAPER = 0.408


def numpy_checkerboard_sweeps(spins: np.ndarray, beta: float, n_sweeps: int, rng: np.random.Generator) -> None:
    """The usual vectorised NumPy Metropolis: two masked half sweeps per sweep."""
    L = spins.shape[0]
    ii, jj = np.indices((L, L))
    masks = [((ii + jj) % 2) == c for c in (0, 1)]
    for _ in range(n_sweeps):
        for mask in masks:
            h = np.roll(spins, 1, 0) + np.roll(spins, -1, 0) + np.roll(spins, 1, 1) + np.roll(spins, -1, 1)
            accept = rng.random((L, L)) < np.exp(-2.0 * beta * spins * h)
            spins[mask & accept] *= -1


def time_kernel(algorithm: int, L: int, beta: float, n_updates: int, n_chains: int) -> tuple[float, int]:
    """Seconds for ``n_updates`` updates of each of ``n_chains`` chains run in parallel threads."""
    table = kernels.metropolis_table(beta, 1.0) if algorithm <= 1 else kernels.cluster_table(beta, 1.0)
    rng = np.random.default_rng(0)
    chains = [np.ones((L, L), np.int8) if beta > CRITICAL_COUPLING else rng.choice(np.array([-1, 1], np.int8), (L, L))
              for _ in range(n_chains)]

    def one(args):
        c, spins = args
        out = np.empty(1, np.int64)
        return kernels.run_chain(algorithm, spins, table, np.uint64(c + 1), np.uint64(0), n_updates, out, out.copy(),
                                 np.empty((0, L, L), np.int8), np.empty(L * L, np.int64))

    one((0, chains[0].copy()))  # compile and warm up
    start = time.perf_counter()
    with ThreadPoolExecutor(n_chains) as pool:
        results = list(pool.map(one, enumerate(chains)))
    return time.perf_counter() - start, sum(int(r[1]) for r in results)


def metropolis_section() -> None:
    print("1. Metropolis, ns per attempted spin update (K = K_c)")
    print(f"   {'L':>4} {'deeprg 1 core':>14} {'deeprg 2 cores':>15} {'NumPy':>10} {'speed-up (2 cores)':>19}")
    for L, sweeps, np_sweeps in ((40, 40_000, 400), (256, 1_000, 20)):
        n = L * L
        t1, _ = time_kernel(kernels.METROPOLIS_CHECKERBOARD, L, CRITICAL_COUPLING, sweeps, 1)
        t2, _ = time_kernel(kernels.METROPOLIS_CHECKERBOARD, L, CRITICAL_COUPLING, sweeps, 2)
        spins = np.random.default_rng(0).choice(np.array([-1, 1], np.int8), (L, L))
        rng = np.random.default_rng(1)
        numpy_checkerboard_sweeps(spins, CRITICAL_COUPLING, 2, rng)
        start = time.perf_counter()
        numpy_checkerboard_sweeps(spins, CRITICAL_COUPLING, np_sweeps, rng)
        t_np = time.perf_counter() - start
        ns1, ns2, ns_np = t1 / (sweeps * n) * 1e9, t2 / (2 * sweeps * n) * 1e9, t_np / (np_sweeps * n) * 1e9
        print(f"   {L:>4} {ns1:>14.2f} {ns2:>15.2f} {ns_np:>10.1f} {ns_np / ns2:>18.0f}x")


def wolff_section() -> None:
    print("2. Wolff at K_c, ns per flipped spin")
    for L, clusters in ((40, 200_000), (256, 20_000)):
        t, flipped = time_kernel(kernels.WOLFF, L, CRITICAL_COUPLING, clusters, 1)
        print(f"   L={L:<4} {t / flipped * 1e9:6.2f} ns per flipped spin, {flipped / t / 1e6:6.1f} M spins/s "
              f"(mean cluster {flipped / clusters:.0f} spins)")


def independent_samples_section() -> None:
    print("3. Effectively independent 40x40 samples per second, per core and with 2 cores "
          "(1 / (2 tau_int x time per update); tau_int = max over energy and |m|)")
    print(f"   {'algorithm':<14} {'K':>8} {'tau_int':>10} {'us/update':>10} {'per core':>10} {'2 cores':>10}")
    for beta in (CRITICAL_COUPLING, K_PAPER):
        for cls, code, n in ((MetropolisSampler, kernels.METROPOLIS_CHECKERBOARD, 400_000),
                             (WolffSampler, kernels.WOLFF, 400_000),
                             (SwendsenWangSampler, kernels.SWENDSEN_WANG, 200_000)):
            sampler = cls(IsingModel(40), beta, random_state=0)
            run = sampler.sample(n, n_thermalize=2_000, spacing=1)
            tau = max(integrated_autocorrelation_time(run.energy, warn=False).tau,
                      integrated_autocorrelation_time(np.abs(run.magnetization), warn=False).tau)
            t, _ = time_kernel(code, 40, beta, n // 4, 1)
            per_update = t / (n // 4)
            rate = 1.0 / (2 * tau * per_update)
            t2, _ = time_kernel(code, 40, beta, n // 4, 2)
            rate2 = 2.0 / (2 * tau * t2 / (n // 4))
            print(f"   {cls.algorithm:<14} {beta:>8.4f} {tau:>10.2f} {per_update * 1e6:>10.2f} {rate:>10.0f} {rate2:>10.0f}")


def end_to_end_section() -> None:
    print("4. End to end: WolffSampler(IsingModel(40), K_c, n_chains=2).sample(20_000), auto thermalization and spacing")
    WolffSampler(IsingModel(40), CRITICAL_COUPLING, random_state=1).sample(100)  # compile
    start = time.perf_counter()
    samples = WolffSampler(IsingModel(40), CRITICAL_COUPLING, random_state=0, n_chains=2).sample(20_000)
    elapsed = time.perf_counter() - start
    print(f"   {elapsed:.2f} s (tau_int {samples.tau['energy']:.2f} / {samples.tau['abs_magnetization']:.2f} clusters, "
          f"spacing {samples.spacing}, thermalization {samples.n_thermalize} clusters)")
    start = time.perf_counter()
    samples = WolffSampler(IsingModel(40), K_PAPER, random_state=0, n_chains=2).sample(20_000)
    elapsed = time.perf_counter() - start
    print(f"   K=0.408 (the paper's ensemble): {elapsed:.2f} s (spacing {samples.spacing} clusters)")


if __name__ == "__main__":
    import os

    print(f"deeprg Ising throughput, {os.cpu_count()} CPUs\n")
    metropolis_section()
    wolff_section()
    independent_samples_section()
    end_to_end_section()
