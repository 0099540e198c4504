"""The L1 scan's rows: one RBM per strength, each a stage of its own (``scan/l1-<strength>``).

A row depends only on its own inputs (its strength, the scanned layer's settings, the ensemble and
the seed), never on which other strengths are in the scan, so adding a strength or a variant
reuses the other rows: the runner caches each row stage by its input hash, as every other stage.
An interruption loses little: the RBM being trained is checkpointed (every epoch in memory, on
disk every ``deeprg.rbm.dbn.CHECKPOINT_SECONDS`` and when training stops on an exception), in a
file keyed by the row stage's input hash.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from deeprg.progress import Progress, silent

__all__ = ["fit_scan_row"]

logger = logging.getLogger(__name__)


def fit_scan_row(
    X: np.ndarray,
    shape: tuple[int, int],
    *,
    strength: float,
    seed: int,
    n_components: int,
    epochs: int,
    penalty_method: str,
    learning_rate: float,
    batch_size: int,
    n_surrogates: int,
    rbm_backend: Mapping[str, str],
    checkpoint: Path,
    resume: bool,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train the scan's RBM of one L1 strength and measure it.

    Parameters
    ----------
    X : ndarray, shape (n_samples, L * L)
        The training bits.
    shape : (int, int)
        The lattice.
    strength : float
        The L1 penalty.
    seed : int
        The experiment's seed; the scan's training and measurement seeds derive from it alone
        (:func:`deeprg.rbm.penalty_scan.penalty_scan_seeds`), so a row is the same whichever other
        strengths are scanned and in whatever order rows are computed.
    n_components, epochs, penalty_method, learning_rate, batch_size :
        The scanned RBM (:class:`deeprg.rbm.BernoulliRBM`).
    n_surrogates : int
        Surrogates of the locality nulls.
    rbm_backend : dict
        ``backend`` and ``device`` of the RBM.
    checkpoint : Path
        Where the RBM is checkpointed every epoch (removed when the row is done).
    resume : bool
        Continue from ``checkpoint`` when it was written for the same RBM settings.
    progress : Progress, optional
        Reports as ``(task, "L1 <strength>, epoch n/N", epochs done, epochs)``.

    Returns
    -------
    dict
        The row (:func:`deeprg.rg.scan_row`), equal to that of one :func:`deeprg.rg.locality_scan`
        call over all the strengths (its rows are independent of each other).
    """
    from deeprg.rbm import BernoulliRBM, Checkpoint, LambdaCallback
    from deeprg.rbm._params import stored_params
    from deeprg.rbm.dbn import CHECKPOINT_SECONDS
    from deeprg.rbm.penalty_scan import fit_penalty_scan, penalty_scan_seeds
    from deeprg.rg import scan_row

    say = progress or silent
    fit_seed, null_seed = penalty_scan_seeds(seed)
    label = f"L1 {strength:g}"
    say("scan", label, 0, epochs)

    def epoch(est: Any, n: int, logs: dict[str, float]) -> None:
        say("scan", f"{label}, epoch {n}/{epochs}", n, epochs)

    # saved before anything else runs (kept in memory, written every CHECKPOINT_SECONDS and on interruption)
    callbacks = [Checkpoint(checkpoint, seconds=CHECKPOINT_SECONDS), LambdaCallback(epoch)]

    def make_rbm(strength: float, seed: int) -> BernoulliRBM:
        return BernoulliRBM(n_components, l1=strength, penalty_method=penalty_method, n_iter=epochs,
                            learning_rate=learning_rate, batch_size=batch_size, random_state=seed,
                            callbacks=callbacks, **rbm_backend)

    def fit(rbm: BernoulliRBM, data: Any) -> BernoulliRBM:
        if resume and checkpoint.exists():
            saved = BernoulliRBM.load_checkpoint(checkpoint, callbacks=rbm.callbacks, **rbm_backend)
            if stored_params(saved) == stored_params(rbm):
                return saved.fit(data, resume=True)
            logger.warning("ignoring %s: written for other settings", checkpoint)
        return rbm.fit(data)

    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    [rbm] = fit_penalty_scan(X, [strength], seed=fit_seed, make_rbm=make_rbm, fit=fit)
    return scan_row(rbm, X, shape, l1=strength, n_surrogates=n_surrogates, random_state=null_seed)
