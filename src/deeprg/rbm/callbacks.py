"""Training callbacks: hooks that may stop or save training (early stopping, periodic checkpoints).

Every layer trains through one loop (:func:`deeprg.rbm._training.train_epochs`), which calls
these hooks with the layer being trained, deeprg's ``BernoulliRBM`` or scikit-learn's: a
``BernoulliRBM``'s own ``callbacks`` and those given to ``DeepBeliefNetwork.fit``. A callback may
stop training by raising :class:`StopTraining` from :meth:`Callback.on_epoch_end`. Progress is
not a callback: pass a :mod:`deeprg.progress` function as ``progress`` instead.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from pathlib import Path
from typing import Any, Callable

from deeprg.errors import (
    InvalidParameterError,
    StopTraining,  # noqa: F401 - defined in deeprg.errors, re-exported here
)

logger = logging.getLogger(__name__)


class Callback:
    """Base class: override the hooks you need (all do nothing by default).

    ``estimator`` is the layer being trained: a :class:`deeprg.rbm.BernoulliRBM` or a
    ``sklearn.neural_network.BernoulliRBM`` (inside a :class:`deeprg.rbm.DeepBeliefNetwork`).
    """

    def on_train_begin(self, estimator: Any) -> None:
        """Called once before the first epoch of a call to ``fit``."""

    def on_epoch_end(self, estimator: Any, epoch: int, logs: dict[str, float]) -> None:
        """Called after every epoch with the epoch number (from 1) and that epoch's metrics."""

    def on_train_end(self, estimator: Any) -> None:
        """Called once after the last epoch (also after :class:`StopTraining`)."""


class LambdaCallback(Callback):
    """Call ``fn(estimator, epoch, logs)`` after every epoch (e.g. to record or inspect the learning curve)."""

    def __init__(self, fn: Callable[[Any, int, dict[str, float]], Any]) -> None:
        self.fn = fn

    def on_epoch_end(self, estimator: Any, epoch: int, logs: dict[str, float]) -> None:
        self.fn(estimator, epoch, logs)


class EarlyStopping(Callback):
    """Stop when a monitored metric has not improved for ``patience`` epochs.

    Parameters
    ----------
    monitor : str, default "pseudo_likelihood_val"
        Key of the epoch logs (see ``BernoulliRBM.history_``); falls back to
        ``"pseudo_likelihood"`` when no held-out data were given.
    patience : int, default 5
        Epochs without improvement before stopping.
    min_delta : float, default 0.0
        Smallest increase that counts as an improvement (metrics are maximised,
        except names containing "error" or "gap", which are minimised).
    """

    def __init__(self, monitor: str = "pseudo_likelihood_val", patience: int = 5, min_delta: float = 0.0) -> None:
        self.monitor = monitor
        self.patience = patience
        self.min_delta = min_delta
        self.best_ = -math.inf
        self.wait_ = 0

    def on_train_begin(self, estimator: Any) -> None:
        if isinstance(self.patience, bool) or not isinstance(self.patience, int) or self.patience < 1:
            raise InvalidParameterError(f"EarlyStopping patience must be an integer >= 1; got {self.patience!r}.")
        # replay the recorded history, so that a resumed training stops where an uninterrupted one would
        self.best_, self.wait_ = -math.inf, 0
        history = getattr(estimator, "history_", {})
        key = self.monitor if self.monitor in history else "pseudo_likelihood"
        for value in history.get(key, []):
            self._observe(key, value)
        if self.wait_ >= self.patience:
            raise StopTraining(f"{key} had already stopped improving for {self.patience} epochs")

    def _observe(self, key: str, value: float) -> None:
        score = -value if ("error" in key or "gap" in key) else value
        if score > self.best_ + self.min_delta:
            self.best_, self.wait_ = score, 0
        else:
            self.wait_ += 1

    def on_epoch_end(self, estimator: Any, epoch: int, logs: dict[str, float]) -> None:
        key = self.monitor if self.monitor in logs else "pseudo_likelihood"
        if key not in logs:
            raise InvalidParameterError(f"EarlyStopping monitors {self.monitor!r}, which is not among {sorted(logs)}.")
        self._observe(key, logs[key])
        if self.wait_ >= self.patience:
            logger.info("early stopping at epoch %d: %s has not improved for %d epochs", epoch, key, self.patience)
            raise StopTraining(f"{key} has not improved for {self.patience} epochs")


class Checkpoint(Callback):
    """Save a resumable checkpoint every ``every`` epochs (atomically, replacing the previous one).

    The file holds the weights, the momentum buffers, the persistent chains, the
    random generator's state and the epoch; ``BernoulliRBM.load_checkpoint(path)``
    followed by ``fit(X, resume=True)`` continues bit for bit.

    Parameters
    ----------
    path : str or Path
        Checkpoint file.
    every : int, default 1
        Epochs between checkpoints.
    seconds : float, default 0
        Write the file at most this often: a checkpoint due sooner is kept in memory and
        written when the time has come, at the last epoch, or when training ends otherwise
        (early stopping, an error, Ctrl-C). Only a hard kill of the process loses more than
        the current epoch, and then at most ``seconds`` of training. 0 writes every checkpoint.
    """

    def __init__(self, path: str | Path, every: int = 1, seconds: float = 0.0) -> None:
        self.path = path
        self.every = every
        self.seconds = seconds

    def on_train_begin(self, estimator: Any) -> None:
        if isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 1:
            raise InvalidParameterError(f"Checkpoint every must be an integer >= 1; got {self.every!r}.")
        if isinstance(self.seconds, bool) or not isinstance(self.seconds, (int, float)) or not self.seconds >= 0:
            raise InvalidParameterError(f"Checkpoint seconds must be a number >= 0; got {self.seconds!r}.")
        if not hasattr(estimator, "save_checkpoint"):
            raise InvalidParameterError(
                f"Checkpoint saves deeprg.rbm.BernoulliRBM layers; got {type(estimator).__module__}."
                f"{type(estimator).__name__}. Checkpoint a network of any layers with "
                "DeepBeliefNetwork.fit(checkpoint=path) instead."
            )
        self._pending = None
        self._written = time.monotonic()

    def on_epoch_end(self, estimator: Any, epoch: int, logs: dict[str, float]) -> None:
        if epoch % self.every == 0 or epoch == estimator.n_iter:
            if not self.seconds:
                estimator.save_checkpoint(self.path)
                return
            self._pending = copy.deepcopy(estimator.to_record(checkpoint=True))  # training goes on in place
            if epoch == estimator.n_iter or time.monotonic() - self._written >= self.seconds:
                self._write()

    def on_train_end(self, estimator: Any) -> None:
        self._write()

    def _write(self) -> None:
        from deeprg.io import save_model

        if getattr(self, "_pending", None) is not None:
            save_model([self._pending], self.path, overwrite=True, checkpoint=True)
            self._pending = None
            self._written = time.monotonic()
