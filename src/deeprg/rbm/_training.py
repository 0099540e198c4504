"""The one training loop of deeprg, for every kind of RBM layer (private).

A layer is trained through an :class:`EpochTrainer`: an object that has started (or resumed)
the training of one estimator and runs it one epoch at a time. There are two:
:class:`deeprg.rbm.estimator.RBMEpochs` for deeprg's ``BernoulliRBM`` and
:class:`deeprg.rbm._sklearn_epochs.SklearnEpochs` for scikit-learn's. :func:`train_epochs` drives
either: it delivers the :class:`~deeprg.rbm.callbacks.Callback` hooks, calls ``after_epoch``
(checkpoints and progress of a network) and ends the layer on
:class:`~deeprg.errors.StopTraining`, identically for both.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Protocol, Sequence

from deeprg.errors import StopTraining
from deeprg.rbm.callbacks import Callback

logger = logging.getLogger(__name__)

#: ``after_epoch(trainer, logs)``: called after every epoch, before the callbacks see it.
AfterEpoch = Callable[["EpochTrainer", dict[str, float]], Any]


class EpochTrainer(Protocol):
    """One layer's training, started or resumed, run one epoch at a time.

    Attributes
    ----------
    estimator : estimator
        The layer, trained in place (what callbacks receive).
    epoch : int
        Epochs completed (after a resume, counting those before it).
    n_epochs : int
        Epochs to reach (the layer's ``n_iter``).
    callbacks : sequence of Callback
        The layer's own hooks (deeprg's ``callbacks`` parameter; none for scikit-learn's).
    """

    estimator: Any

    @property
    def epoch(self) -> int: ...

    @property
    def n_epochs(self) -> int: ...

    @property
    def callbacks(self) -> Sequence[Callback]: ...

    def run_epoch(self) -> dict[str, float]:
        """Train one epoch; return its metrics (also appended to ``estimator.history_``)."""

    def to_record(self, *, checkpoint: bool = False) -> Any:
        """The layer as a :class:`deeprg.io.LayerRecord`; with ``checkpoint``, with its training state."""


def train_epochs(trainer: EpochTrainer, callbacks: Sequence[Callback] = (), after_epoch: AfterEpoch | None = None) -> Any:
    """Run ``trainer`` up to its ``n_epochs``, delivering the hooks.

    Every epoch: ``after_epoch(trainer, logs)`` first (so that a checkpoint holds the epoch even
    if a hook then raises), then ``on_epoch_end`` of ``callbacks`` and of the layer's own
    callbacks, in that order. Every callback sees the epoch before a :class:`StopTraining` one of
    them raised ends training; ``on_train_end`` runs in any case.

    Parameters
    ----------
    trainer : EpochTrainer
    callbacks : sequence of Callback
        Hooks in addition to the layer's own (a network's, delivered to every layer).
    after_epoch : callable, optional
        ``after_epoch(trainer, logs)``.

    Returns
    -------
    estimator
        ``trainer.estimator``, trained.
    """
    hooks = [*callbacks, *trainer.callbacks]
    estimator = trainer.estimator
    try:
        for cb in hooks:
            cb.on_train_begin(estimator)
        while trainer.epoch < trainer.n_epochs:
            logs = trainer.run_epoch()
            if after_epoch is not None:
                after_epoch(trainer, logs)
            _end_epoch(hooks, estimator, trainer.epoch, logs)
    except StopTraining as stop:
        logger.info("training stopped after epoch %d: %s", trainer.epoch, stop)
    finally:
        for cb in hooks:
            cb.on_train_end(estimator)
    return estimator


def _end_epoch(hooks: Sequence[Callback], estimator: Any, epoch: int, logs: dict[str, float]) -> None:
    stop: StopTraining | None = None
    for cb in hooks:  # every callback sees the epoch (a checkpoint too), then we stop
        try:
            cb.on_epoch_end(estimator, epoch, logs)
        except StopTraining as exc:
            stop = exc
    if stop is not None:
        raise stop


def training_work(n_visible: int, sizes: Sequence[int], epochs: int | Sequence[int]) -> tuple[list[float], float]:
    """Work per epoch of each layer of a stack and the total, for progress reports and time estimates.

    An epoch costs in proportion to the layer's weights, ``n_in * n_out``.

    Parameters
    ----------
    n_visible : int
        Visible units of the bottom layer.
    sizes : sequence of int
        Hidden units of each layer, bottom first.
    epochs : int or sequence of int
        Epochs of every layer, or of each.

    Returns
    -------
    per_epoch : list of float, one per layer
    total : float
        ``sum(per_epoch[k] * epochs[k])``.
    """
    counts = [epochs] * len(sizes) if isinstance(epochs, int) else list(epochs)
    inputs = [n_visible, *sizes]
    per_epoch = [float(a * b) for a, b in zip(inputs[:-1], inputs[1:], strict=False)]
    return per_epoch, float(sum(w * n for w, n in zip(per_epoch, counts, strict=True)))
