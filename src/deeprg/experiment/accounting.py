r"""Where a run's time goes: each stage's seconds next to its matrix-product floor.

The floor of a stage is the time its matrix products would take at this machine's float32
matrix-multiply rate (:func:`measure_gemm_peak`, measured once per run on every core, by the
report stage): FLOPs divided by the peak, or by the share of it that the stage's BLAS threads had
(one core of two for a stage of ``deeprg run``'s default worker processes). Training is matrix products: one product of an ``n x V`` batch with
a ``V x H`` weight matrix costs :math:`2 n V H` FLOPs, and contrastive divergence makes a fixed
number of them per sample and epoch (:func:`cd_products`). Stages that are not matrix products
(sampling, measurements, the report) count 0 FLOPs: all of their time is above the floor.

:func:`run_account` gives a :class:`RunAccount` (per stage: seconds, FLOPs, floor seconds and
their ratio; the run's ratio to its floor), written to ``metrics.json`` as ``account``, shown in
the report's provenance and printed at the end of ``deeprg run`` (:func:`format_account`).

>>> cd_products(1), cd_products(1, persistent=True), cd_products(3)
(5, 6, 9)
>>> rbm_training_flops(20_000, 1600, 400, 1) / 1e9  # one CD-1 epoch of the paper's first layer
128.0
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from deeprg._validation import check_int
from deeprg.experiment.record import Record

__all__ = ["RunAccount", "StageAccount", "account_summary", "blas_threads", "busy_seconds", "cd_products", "format_account",
           "measure_gemm_peak", "rbm_training_flops", "run_account", "stage_flops"]

#: Side of the square float32 product timed by :func:`measure_gemm_peak` (54 GFLOP: about 0.25 s at 200 GFLOP/s).
#: Not a power of two: with OpenBLAS on a Zen 4 core, 2048 x 2048 products ran 3-8% below 2000, 3000 and 4000
#: (cache-set conflicts), which put the floor too low.
PEAK_SIZE = 3000


def blas_threads() -> int:
    """Threads NumPy's BLAS uses now (its thread pool's size under the current limits; 1 if none is found)."""
    from threadpoolctl import threadpool_info

    counts = [int(pool["num_threads"]) for pool in threadpool_info() if pool.get("user_api") == "blas"]
    return max(counts, default=1)


def measure_gemm_peak(size: int = PEAK_SIZE, repeats: int = 4, *, threads: int | None = None) -> float:
    """This machine's float32 matrix-multiply rate, FLOP/s: the best of ``repeats`` square products after a warm-up.

    Uses NumPy's BLAS, with ``threads`` threads (default: its current setting); takes a second or two.

    Parameters
    ----------
    size : int, default 3000
        Side of the square matrices (``2 size**3`` FLOPs per product).
    repeats : int, default 4
        Products timed; the fastest counts (the others absorb interference from other processes).
    threads : int, optional
        BLAS threads for the measurement, e.g. every core (:func:`deeprg.resources.available_cores`)
        in a worker process that trains on one.

    Returns
    -------
    float
        FLOP/s.
    """
    size = check_int(size, "size", minimum=16)
    repeats = check_int(repeats, "repeats", minimum=1)
    if threads is not None:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=check_int(threads, "threads", minimum=1), user_api="blas"):
            return measure_gemm_peak(size, repeats)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    out = np.empty_like(a)
    np.matmul(a, b, out=out)  # warm-up: threads started, pages touched
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - start)
    return 2.0 * size**3 / best


def cd_products(cd_k: int = 1, *, persistent: bool = False) -> int:
    r"""Matrix products per sample of a CD-k (or PCD-k) mini-batch step, each :math:`2 V H` FLOPs per row.

    :math:`P(h \mid v_\mathrm{data})` (1), ``k`` Gibbs steps of :math:`h W` and :math:`v W^\top`
    (2 each), the weight statistics of both phases (2), and for persistent chains the hidden
    probabilities of the chains' start (1): :math:`2k + 3`, or :math:`2k + 4` for PCD.
    scikit-learn's ``BernoulliRBM`` (PCD-1 persisting hidden samples) makes 5, like CD-1.
    """
    cd_k = check_int(cd_k, "cd_k", minimum=1)
    return 2 * cd_k + 3 + int(bool(persistent))


def rbm_training_flops(n_samples: int, n_visible: int, n_hidden: int, epochs: int, *, cd_k: int = 1,
                       persistent: bool = False, sklearn: bool = False) -> float:
    """FLOPs of the matrix products of training one RBM: ``2 n V H`` per product, :func:`cd_products` per epoch.

    Parameters
    ----------
    n_samples, n_visible, n_hidden, epochs : int
        Training rows, visible and hidden units, epochs.
    cd_k, persistent : int, bool
        The algorithm of deeprg's RBM (ignored with ``sklearn``).
    sklearn : bool
        scikit-learn's ``BernoulliRBM`` (5 products per sample).

    Returns
    -------
    float
    """
    products = 5 if sklearn else cd_products(cd_k, persistent=persistent)
    return 2.0 * n_samples * n_visible * n_hidden * products * epochs


def _network_flops(config: Any, variant: str) -> float:
    """A variant's stack: every layer's training, plus propagating training and held-out data up to the next layer."""
    ens, net = config.ensemble, config.network
    sizes = [ens.L**2, *net.layers]
    rows = ens.n_samples + ens.n_held_out
    total = 0.0
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=False)):
        total += rbm_training_flops(ens.n_samples, n_in, n_out, net.epochs, sklearn=variant == "sklearn")
        if index + 2 < len(sizes):  # transform to the next layer's input
            total += 2.0 * rows * n_in * n_out
    return total


def stage_flops(config: Any, stage: str) -> float:
    """FLOPs of the matrix products of one stage of ``config``'s experiment (0 for a stage that has none counted).

    ``train/<variant>`` and its replicates ``train/<variant>/replicate-<k>``: every layer's training
    (:func:`rbm_training_flops`, CD-1 or scikit-learn's PCD-1) and the transforms between layers;
    ``scan/l1-<strength>``: one first layer. Measurements, sampling, the gathering ``scan`` stage and
    the report are not counted (their floor is 0).

    Parameters
    ----------
    config : deeprg.experiment.config.ExperimentConfig
    stage : str
        A stage name of :func:`deeprg.experiment.pipeline.plan`.

    Returns
    -------
    float
    """
    if stage.startswith("train/"):
        return _network_flops(config, stage.removeprefix("train/").split("/")[0])
    if stage.startswith("scan/") and config.scan is not None:  # one strength's first layer; "scan" only gathers
        ens = config.ensemble
        return rbm_training_flops(ens.n_samples, ens.L**2, config.scan_n_components, config.scan.epochs)
    return 0.0


@dataclass(frozen=True)
class StageAccount(Record):
    """One stage's time against its matrix-product floor on the cores it had."""

    stage: str
    seconds: float
    flops: float
    floor_seconds: float
    ratio_to_floor: float | None
    reused: bool
    threads: int | None = None


@dataclass(frozen=True)
class RunAccount(Record):
    """A run's time against its matrix-product floor at this machine's measured float32 GEMM peak."""

    gemm_peak_gflops: float
    seconds: float
    flops: float
    floor_seconds: float
    ratio_to_floor: float | None
    stages: list[StageAccount]
    stage_seconds: float | None = None
    peak_threads: int | None = None


def busy_seconds(records: Sequence[Any]) -> float:
    """Seconds during which at least one stage ran: the union of the stages' ``[started, started + seconds]``.

    The wall time of a run made in one go, whether its stages ran one after the other or several at
    once; the pauses between the invocations of a resumed run do not count. A record without a start
    time (written before they were kept) adds its seconds.
    """
    spans = sorted((r.started, r.started + r.seconds) for r in records if getattr(r, "started", None) is not None)
    total = sum(float(r.seconds) for r in records if getattr(r, "started", None) is None)
    end = -np.inf
    for start, stop in spans:
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return float(total)


def run_account(config: Any, records: Sequence[Any], peak: float | None = None,
                peak_threads: int | None = None) -> RunAccount:
    """The account of a run from its stage records.

    A stage's floor is its FLOPs at its share of the peak: ``peak * threads / peak_threads`` when
    it ran with fewer BLAS threads than the peak was measured with (a worker of ``deeprg run`` has
    one core of two). The run's floor is all FLOPs at the whole peak, and its seconds are the time
    during which stages ran (:func:`busy_seconds`): with stages running side by side, less than their sum.

    Parameters
    ----------
    config : deeprg.experiment.config.ExperimentConfig
        The resolved experiment.
    records : sequence of StageRecord
        ``name``, ``seconds``, ``skipped``, ``started`` and ``threads`` of each stage (a reused stage
        reports those of when it ran).
    peak : float, optional
        float32 GEMM rate in FLOP/s; measured now on every core (:func:`measure_gemm_peak` with
        :func:`~deeprg.resources.available_cores` threads, also in a worker process that has fewer) when not given.
    peak_threads : int, optional
        BLAS threads of a given ``peak``; default: every core.

    Returns
    -------
    RunAccount
    """
    from deeprg.resources import available_cores

    peak_threads = available_cores() if peak_threads is None else int(peak_threads)
    peak = measure_gemm_peak(threads=peak_threads) if peak is None else float(peak)
    stages = []
    for record in records:
        flops = stage_flops(config, record.name)
        threads = getattr(record, "threads", None)
        share = 1.0 if threads is None else min(1.0, threads / peak_threads)
        floor = flops / (peak * share)
        stages.append(StageAccount(record.name, float(record.seconds), flops, floor,
                                   float(record.seconds) / floor if floor > 0 else None, bool(record.skipped), threads))
    seconds = busy_seconds(records)
    flops = sum(s.flops for s in stages)
    floor = flops / peak
    return RunAccount(peak / 1e9, seconds, flops, floor, seconds / floor if floor > 0 else None, stages,
                      stage_seconds=sum(s.seconds for s in stages), peak_threads=peak_threads)


def format_account(account: RunAccount | dict[str, Any]) -> str:
    """The account as a plain-text table (what ``deeprg run`` prints at the end)."""
    if isinstance(account, dict):
        account = RunAccount.from_dict(account)
    width = max([len("stage"), *(len(s.stage) for s in account.stages)])
    cores = "" if account.peak_threads is None else f" on {account.peak_threads} thread(s)"
    lines = [f"time account at {account.gemm_peak_gflops:.1f} GFLOP/s (float32 GEMM peak{cores}, measured in this run); "
             "a stage's floor is at its threads' share of the peak",
             f"  {'stage':<{width}} {'threads':>7} {'seconds':>9} {'GFLOP':>9} {'floor s':>9} {'x floor':>8}"]
    for s in account.stages:
        ratio = "" if s.ratio_to_floor is None else f"{s.ratio_to_floor:.2f}"
        reused = "  (reused)" if s.reused else ""
        threads = "" if s.threads is None else str(s.threads)
        lines.append(f"  {s.stage:<{width}} {threads:>7} {s.seconds:>9.1f} {s.flops / 1e9:>9.4g} {s.floor_seconds:>9.3g} "
                     f"{ratio:>8}{reused}")
    ratio = "n/a" if account.ratio_to_floor is None else f"{account.ratio_to_floor:.2f}x"
    lines.append(f"  {'run':<{width}} {'':>7} {account.seconds:>9.1f} {account.flops / 1e9:>9.4g} "
                 f"{account.floor_seconds:>9.3g} {ratio:>8}")
    if account.stage_seconds is not None and account.stage_seconds > account.seconds * 1.001:
        lines.append(f"  (the run's seconds are those during which stages ran; its {len(account.stages)} stages took "
                     f"{account.stage_seconds:.1f} s in all, {account.stage_seconds / account.seconds:.2f} at once "
                     "on average)")
    return "\n".join(lines)


def account_summary(account: RunAccount) -> str:
    """One line for the report's provenance: the run's seconds, its floor and their ratio."""
    ratio = "no matrix products counted" if account.ratio_to_floor is None else f"{account.ratio_to_floor:.2f}x its floor"
    return (f"{account.seconds:.0f} s of stages, {ratio} of {account.floor_seconds:.0f} s "
            f"({account.flops / 1e12:.2f} TFLOP at {account.gemm_peak_gflops:.0f} GFLOP/s float32 GEMM, measured in the run)")
