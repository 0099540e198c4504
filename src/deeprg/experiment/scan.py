"""The L1 scan stage: one RBM per strength, trained one at a time, each row cached by its own inputs.

A row does not depend on which other strengths are in the scan, so adding a strength or a
variant reuses the other rows, and an interruption loses at most one epoch: the RBM being
trained is checkpointed (every epoch in memory, on disk every ``deeprg.rbm.dbn.CHECKPOINT_SECONDS`` and
when training stops on an exception), and finished rows are kept in the cache directory.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from deeprg import __version__
from deeprg.errors import FileFormatError
from deeprg.experiment.hashing import config_hash
from deeprg.experiment.results import ScanRow
from deeprg.experiment.stages import read_json, write_json
from deeprg.progress import Progress, silent

__all__ = ["scan_rows"]

logger = logging.getLogger(__name__)


def _row_key(config: Any, strength: float, ensemble_hash: str) -> str:
    """The cache key of one row: the hash of everything the row depends on."""
    sc, net = config.scan, config.network
    settings = {"l1": strength, "n_components": config.scan_n_components, "epochs": sc.epochs,
                "method": sc.penalty_method, "learning_rate": net.learning_rate, "batch_size": net.batch_size,
                "ensemble": ensemble_hash, "n_surrogates": config.analysis.n_surrogates, "seed": config.seed,
                "version": __version__}
    if net.rbm_backend != {"backend": "numpy", "device": "cpu"}:  # only then: the keys of NumPy rows stay as they were
        settings.update(net.rbm_backend)
    return f"l1-{strength!r}-{config_hash(settings)[:12]}"


def _cached_row(path: Path) -> ScanRow | None:
    """The finished row in ``path``; None when it is missing, unreadable or of another layout (then it is recomputed)."""
    data = read_json(path)
    if data is None:
        return None
    try:
        return ScanRow.from_dict(data)
    except FileFormatError as exc:
        logger.warning("recomputing the scan row %s: %s", path.name, exc)
        return None


def scan_rows(
    config: Any,
    X: np.ndarray,
    shape: tuple[int, int],
    cache: Path,
    ensemble_hash: str,
    *,
    resume: bool,
    progress: Progress | None = None,
) -> list[ScanRow]:
    """The L1 scan, one strength at a time.

    Parameters
    ----------
    config : deeprg.experiment.config.ExperimentConfig
        The experiment; its ``scan`` is not None.
    X : ndarray, shape (n_samples, L * L)
        The training bits.
    shape : (int, int)
        The lattice.
    cache : Path
        Directory of finished rows and of the checkpoint of the RBM being trained, each keyed by
        the hash of everything its row depends on. A row file that cannot be read counts as missing.
    ensemble_hash : str
        Input hash of the ensemble stage.
    resume : bool
        Continue the RBM being trained from its checkpoint (one written for the same row inputs).
    progress : Progress, optional
        Reports as ``("scan", message, epochs done, total epochs)``.

    Returns
    -------
    list of ScanRow
        One row per strength (:func:`deeprg.rg.scan_row`), equal to those of one
        :func:`deeprg.rg.locality_scan` call over all the strengths (its rows are independent of each other).
    """
    from deeprg.rbm import BernoulliRBM, Checkpoint, LambdaCallback
    from deeprg.rbm._params import stored_params
    from deeprg.rbm.dbn import CHECKPOINT_SECONDS
    from deeprg.rbm.penalty_scan import fit_penalty_scan, penalty_scan_seeds
    from deeprg.rg import scan_row

    say = progress or silent
    sc, net = config.scan, config.network
    n_components = config.scan_n_components
    total = len(sc.strengths) * sc.epochs
    cache.mkdir(parents=True, exist_ok=True)
    fit_seed, null_seed = penalty_scan_seeds(config.seed)
    rows = []
    for index, strength in enumerate(sc.strengths):
        key = _row_key(config, strength, ensemble_hash)
        row_path, checkpoint = cache / f"{key}.json", cache / f"{key}.ckpt"
        row = _cached_row(row_path)
        if row is not None:
            checkpoint.unlink(missing_ok=True)  # left behind if a run stopped between the two
            rows.append(row)
            continue
        label = f"L1 {strength:g} ({index + 1}/{len(sc.strengths)})"
        say("scan", label, index * sc.epochs, total)

        def epoch(est: Any, n: int, logs: dict[str, float], label: str = label, index: int = index) -> None:
            say("scan", f"{label}, epoch {n}/{sc.epochs}", index * sc.epochs + n, total)

        # saved before anything else runs (kept in memory, written every CHECKPOINT_SECONDS and on interruption)
        callbacks = [Checkpoint(checkpoint, seconds=CHECKPOINT_SECONDS), LambdaCallback(epoch)]

        def make_rbm(strength: float, seed: int, callbacks: list[Any] = callbacks) -> BernoulliRBM:
            return BernoulliRBM(n_components, l1=strength, penalty_method=sc.penalty_method, n_iter=sc.epochs,
                                learning_rate=net.learning_rate, batch_size=net.batch_size, random_state=seed,
                                callbacks=callbacks, **net.rbm_backend)

        def fit(rbm: BernoulliRBM, data: Any, checkpoint: Path = checkpoint) -> BernoulliRBM:
            if resume and checkpoint.exists():
                saved = BernoulliRBM.load_checkpoint(checkpoint, callbacks=rbm.callbacks, **net.rbm_backend)
                if stored_params(saved) == stored_params(rbm):
                    return saved.fit(data, resume=True)
                logger.warning("ignoring %s: written for other settings", checkpoint)
            return rbm.fit(data)

        [rbm] = fit_penalty_scan(X, [strength], seed=fit_seed, make_rbm=make_rbm, fit=fit)
        row = scan_row(rbm, X, shape, l1=strength, n_surrogates=config.analysis.n_surrogates, random_state=null_seed)
        write_json(row_path, row)
        checkpoint.unlink(missing_ok=True)
        rows.append(ScanRow.from_dict(row))
    return rows
