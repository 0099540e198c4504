"""The two kinds of layer of a deep belief network, behind one interface (private).

A layer is deeprg's :class:`~deeprg.rbm.BernoulliRBM` or scikit-learn's
``sklearn.neural_network.BernoulliRBM``. Everything that depends on which is here: the name a
model file gives the kind, parameter checks, the :class:`~deeprg.rbm._training.EpochTrainer` that
trains it, and its conversion to and from a :class:`deeprg.io.LayerRecord`. scikit-learn's
private API is used only in :mod:`deeprg.rbm._sklearn_epochs`.
"""

from __future__ import annotations

from typing import Any

from numpy.typing import ArrayLike

from deeprg.errors import InvalidParameterError
from deeprg.rbm._sklearn_epochs import (
    SKLEARN_RBM,
    SklearnEpochs,
    check_sklearn_params,
    sklearn_layer_from_record,
    sklearn_layer_record,
)
from deeprg.rbm._training import EpochTrainer
from deeprg.rbm.estimator import BernoulliRBM, RBMEpochs

#: Name of deeprg's RBM in model files.
DEEPRG_RBM = "deeprg.rbm.BernoulliRBM"


def layer_kind(layer: Any) -> str:
    """``DEEPRG_RBM`` or ``SKLEARN_RBM``; anything else is an :class:`InvalidParameterError`."""
    from sklearn.neural_network import BernoulliRBM as SkBernoulliRBM

    if isinstance(layer, BernoulliRBM):
        return DEEPRG_RBM
    if isinstance(layer, SkBernoulliRBM):
        return SKLEARN_RBM
    raise InvalidParameterError(
        f"layers must be deeprg.rbm.BernoulliRBM or sklearn.neural_network.BernoulliRBM; got {type(layer).__name__}."
    )


def layer_owner(index: int, layer: Any) -> str:
    """How errors name a layer: ``"layer 3 (BernoulliRBM)"`` or ``"layer 1 (scikit-learn BernoulliRBM)"``."""
    name = "BernoulliRBM" if isinstance(layer, BernoulliRBM) else f"scikit-learn {type(layer).__name__}"
    return f"layer {index + 1} ({name})"


def check_layer_params(layer: Any) -> None:
    """Validate a layer's parameters as its ``fit`` would (before anything trains)."""
    if isinstance(layer, BernoulliRBM):
        layer._check_params()
        return
    check_sklearn_params(layer)


def epoch_trainer(layer: Any, X: ArrayLike, X_val: ArrayLike | None = None, record: Any = None) -> EpochTrainer:
    """Start training ``layer`` on ``X``, or resume it from a checkpoint ``record`` (bit for bit).

    Parameters
    ----------
    layer : estimator
        Unfitted, with checked parameters; a deeprg layer resumed from ``record`` is rebuilt from it
        (with ``layer``'s callbacks), a scikit-learn layer is trained in place.
    X, X_val : array_like
        Training and held-out data.
    record : deeprg.io.LayerRecord, optional
        A checkpoint record (``to_record(checkpoint=True)`` of an earlier trainer).

    Returns
    -------
    EpochTrainer
    """
    if not isinstance(layer, BernoulliRBM):
        return SklearnEpochs(layer, X, X_val=X_val, record=record)
    if record is not None:
        layer = BernoulliRBM.from_record(record, callbacks=layer.callbacks, backend=layer.backend, device=layer.device)
    return RBMEpochs(layer, X, X_val=X_val, resume=record is not None)


def layer_record(layer: Any, *, checkpoint: bool = False) -> Any:
    """A fitted layer (deeprg or scikit-learn RBM) as a :class:`deeprg.io.LayerRecord`.

    With ``checkpoint``, a scikit-learn layer keeps its persistent chains
    (``h_samples_``); a deeprg layer is stored as finished either way.
    """
    if isinstance(layer, BernoulliRBM):
        return layer.to_record()
    layer_kind(layer)
    return sklearn_layer_record(layer, checkpoint=checkpoint)


def layer_from_record(record: Any) -> Any:
    """Rebuild a fitted layer from a :class:`deeprg.io.LayerRecord`."""
    if record.estimator == DEEPRG_RBM:
        return BernoulliRBM.from_record(record)
    if record.estimator == SKLEARN_RBM:
        return sklearn_layer_from_record(record)
    raise InvalidParameterError(f"unknown layer estimator {record.estimator!r} in the model file.")
