"""Memory and disk a request will need, estimated before any work, and the check that it fits.

A command that cannot fit (``deeprg sample --size 20000 --n-samples 1000000`` asks for
400 GB of spins) should be refused at once with the numbers, not run until the machine
swaps or the disk fills. The estimates count the large arrays each step really makes
(the ``int8`` spins and their copies, the training data, the hidden probabilities, the
weights) and are meant to be honest to within a factor of about 2 of the peak, not exact;
small bookkeeping is left out.

Examples
--------
>>> from deeprg.resources import estimate_sampling, format_bytes
>>> need = estimate_sampling(40, 20_000)
>>> format_bytes(need.memory), format_bytes(need.disk)
('97.5 MB', '8.48 MB')
>>> check_fits(need, "runs/x")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from deeprg._validation import check_int
from deeprg.errors import InvalidParameterError, ResourceError

__all__ = [
    "ResourceEstimate",
    "available_cores",
    "available_memory",
    "check_fits",
    "estimate_experiment",
    "estimate_sampling",
    "estimate_training",
    "format_bytes",
    "free_disk",
]

#: Copies of the int8 spins alive at the peak of sampling: the chunks the chains wrote, their
#: per-chain concatenation and the final one (the file writer's copies come after the chunks are freed).
_SAMPLING_SPIN_COPIES = 3
#: Bytes per sample of the per-sample series: bonds and magnetization (int64, three copies
#: each while they are concatenated), energy, magnetization and chain index (8 bytes each).
_BYTES_PER_SAMPLE = 8 * (2 * 3 + 3)
#: gzip level 4 compresses spins in {-1, +1} stored as int8 to at most about 1/5 (random spins,
#: high temperature; ordered ones compress far better): a file holds at most this fraction.
_SPIN_FILE_FRACTION = 0.25
#: Rows of the training data on which epoch metrics are computed (deeprg.rbm.monitoring);
#: the per-site pseudo-likelihood makes a transient (rows, n_visible, n_hidden) array.
_MONITOR_ROWS = 64
#: Allowance per analysed network for figures and metrics (PNG files, JSON).
_ANALYSIS_DISK = 10 * 2**20


@dataclass(frozen=True)
class ResourceEstimate:
    """Peak memory and disk a piece of work is estimated to need.

    Attributes
    ----------
    memory : int
        Peak bytes of memory (the large arrays alive at the same time).
    disk : int
        Bytes written to disk (the output files).
    what : str
        What the estimate is for, in words (``"sampling 20000 lattices of 40 x 40"``).
    """

    memory: int
    disk: int
    what: str

    def __str__(self) -> str:
        return f"{self.what}: about {format_bytes(self.memory)} of memory and {format_bytes(self.disk)} of disk"


def format_bytes(n: float) -> str:
    """``n`` bytes in decimal units with three significant digits (``'400 GB'``).

    >>> format_bytes(4e11), format_bytes(1536)
    ('400 GB', '1.54 kB')
    """
    for unit, size in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} B"


def _itemsize(dtype: Any) -> int:
    try:
        kind = np.dtype(dtype)
    except TypeError:
        raise InvalidParameterError(f"dtype must be float32 or float64, got {dtype!r}.") from None
    if kind not in (np.float32, np.float64):
        raise InvalidParameterError(f"dtype must be float32 or float64, got {kind}.")
    return kind.itemsize


def estimate_sampling(L: int, n_samples: int, n_chains: int = 1, *, n_thermalize: int = 0) -> ResourceEstimate:
    """Memory and disk of sampling ``n_samples`` lattices of ``L x L`` and saving them.

    Parameters
    ----------
    L : int
        Linear lattice size.
    n_samples : int
        Configurations stored.
    n_chains : int, default 1
        Independent chains (each holds its own lattice and work arrays).
    n_thermalize : int, default 0
        An explicit thermalization length: each chain records its energy and magnetization
        (two int64) at every update it discards.

    Returns
    -------
    ResourceEstimate
        Memory: three copies of the ``(n_samples, L, L)`` int8 spins (chunks written by the
        chains, their concatenation per chain and over chains) plus the per-sample series;
        disk: the compressed ensemble file.
    """
    L = check_int(L, "L", minimum=1)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    n_chains = check_int(n_chains, "n_chains", minimum=1)
    n_thermalize = check_int(n_thermalize, "n_thermalize", minimum=0)
    spins = n_samples * L * L  # int8
    memory = _SAMPLING_SPIN_COPIES * spins + _BYTES_PER_SAMPLE * n_samples + n_chains * L * L * (1 + 8)
    memory = max(memory, 2 * 8 * n_thermalize * n_chains)
    disk = int(_SPIN_FILE_FRACTION * spins) + 3 * 8 * n_samples
    return ResourceEstimate(int(memory), int(disk), f"sampling {n_samples} lattices of {L} x {L}")


def estimate_training(
    n_samples: int, n_visible: int, layers: Sequence[int], dtype: Any = "float32"
) -> ResourceEstimate:
    """Memory and disk of training a stack of RBMs greedily on ``(n_samples, n_visible)`` data.

    Parameters
    ----------
    n_samples, n_visible : int
        Shape of the training data.
    layers : sequence of int
        Hidden units per layer, bottom first.
    dtype : {"float32", "float64"}
        Floating type of the data and the weights.

    Returns
    -------
    ResourceEstimate
        Memory: the data, the hidden probabilities of every layer (each layer's output is
        the next one's input), the weights with their velocity and gradient, and the largest
        transient of the epoch metrics; disk: the model file and its checkpoint.
    """
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    n_visible = check_int(n_visible, "n_visible", minimum=1)
    sizes = [check_int(n, "layer size", minimum=1) for n in layers]
    if not sizes:
        raise InvalidParameterError("layers: give at least one layer size, e.g. [400, 100, 25].")
    item = _itemsize(dtype)
    inputs = [n_visible, *sizes[:-1]]
    data = n_samples * n_visible * item
    hidden = sum(n_samples * h * item for h in sizes)
    weights = sum((v * h + v + h) * item for v, h in zip(inputs, sizes, strict=True))
    monitor = max(min(n_samples, _MONITOR_ROWS) * v * h * item for v, h in zip(inputs, sizes, strict=True))
    memory = data + hidden + 3 * weights + monitor
    disk = 3 * weights  # the model file, and the checkpoint (weights and velocities) while training
    shape = "-".join(map(str, [n_visible, *sizes]))
    return ResourceEstimate(int(memory), int(disk), f"training a {shape} network on {n_samples} samples")


def estimate_experiment(config: Any, *, workers: int = 1) -> ResourceEstimate:
    """Memory and disk of a whole experiment (``deeprg run``) with a resolved configuration.

    Parameters
    ----------
    config : deeprg.experiment.config.ExperimentConfig
        The configuration that will run (after :func:`deeprg.experiment.config.resolve`).
    workers : int, default 1
        Stages that may run at once (``deeprg run``'s worker processes), each with its own copy of the data.

    Returns
    -------
    ResourceEstimate
        Memory: the larger of sampling and, with the ensemble and its training bits held for
        the whole run, the largest training (a network or the scanned layer), once per worker;
        disk: the ensemble, one model per variant and training seed, and the analysis figures.
    """
    from deeprg.experiment.config import ExperimentConfig

    if not isinstance(config, ExperimentConfig):
        raise InvalidParameterError(
            f"estimate_experiment expects an ExperimentConfig (deeprg.experiment.config.load_config), got {type(config).__name__}."
        )
    ens, net = config.ensemble, config.network
    sampling = estimate_sampling(ens.L, ens.n_samples, ens.n_chains)
    n_visible = ens.L * ens.L
    spins = ens.n_samples * n_visible  # the int8 ensemble, loaded for the whole run
    trainings = [estimate_training(ens.n_samples, n_visible, net.layers)]
    if config.scan is not None:
        trainings.append(estimate_training(ens.n_samples, n_visible, [config.scan_n_components]))
    workers = check_int(workers, "workers", minimum=1)
    memory = max(sampling.memory, workers * (spins + max(t.memory for t in trainings)))
    n_variants = len(net.variants)
    disk = (sampling.disk + n_variants * (config.n_seeds * trainings[0].disk + _ANALYSIS_DISK)
            + sum(t.disk for t in trainings[1:]))
    return ResourceEstimate(int(memory), int(disk), f"experiment {config.name!r}")


# --------------------------------------------------------------------------- what the machine has


def _cgroup_memory() -> int | None:
    """Memory left under a cgroup v2 limit (containers), or None without a limit."""
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit == "max":
            return None
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
        return max(int(limit) - used, 0)
    except (OSError, ValueError):
        return None


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity; ``os.cpu_count()`` where there is none)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def available_memory() -> int | None:
    """Bytes of memory available to new work: ``MemAvailable`` of ``/proc/meminfo``, else ``os.sysconf``.

    Returns None where neither can be read (then nothing is refused for memory). A cgroup
    limit (a container's) lowers the figure.
    """
    found: int | None = None
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    found = int(line.split()[1]) * 1024  # kB
                    break
    except (OSError, ValueError, IndexError):
        found = None
    if found is None:
        try:
            found = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            found = None
    limit = _cgroup_memory()
    if limit is not None:
        found = limit if found is None else min(found, limit)
    return found


def free_disk(path: str | os.PathLike[str]) -> int | None:
    """Free bytes on the file system that would hold ``path`` (its nearest existing ancestor).

    Returns None if no ancestor can be examined.
    """
    p = Path(os.path.abspath(os.fspath(path)))
    for candidate in (p, *p.parents):
        try:
            if candidate.is_dir():
                return shutil.disk_usage(candidate).free
        except OSError:
            continue
    return None


def check_fits(estimate: ResourceEstimate, directory: str | os.PathLike[str], *, advice: str = "") -> None:
    """Refuse a request whose estimate exceeds the memory available or the free disk.

    Parameters
    ----------
    estimate : ResourceEstimate
        From :func:`estimate_sampling`, :func:`estimate_training` or :func:`estimate_experiment`.
    directory : path-like
        Where the output will be written (a file or directory; need not exist yet: the disk
        of its nearest existing ancestor is checked).
    advice : str
        What the user can do instead, appended to the message.

    Raises
    ------
    ResourceError
        If the estimated memory exceeds what is available, or the output does not fit on disk.
    """
    if not isinstance(estimate, ResourceEstimate):
        raise InvalidParameterError(f"check_fits expects a ResourceEstimate, got {type(estimate).__name__}.")
    tail = f"; {advice}" if advice else "; ask for less, or run on a larger machine"
    memory = available_memory()
    if memory is not None and estimate.memory > memory:
        raise ResourceError(
            f"{estimate.what} needs about {format_bytes(estimate.memory)} of memory; this machine has "
            f"{format_bytes(memory)} available{tail}",
            needed=estimate.memory, available=memory, resource="memory")
    disk = free_disk(directory)
    if disk is not None and estimate.disk > disk:
        raise ResourceError(
            f"{estimate.what} needs about {format_bytes(estimate.disk)} of disk; {directory} has "
            f"{format_bytes(disk)} free{tail}",
            needed=estimate.disk, available=disk, resource="disk")
