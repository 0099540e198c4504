"""Deep belief networks: RBMs stacked and trained greedily, layer by layer."""

from __future__ import annotations

import copy
import json
import logging
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Literal, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted, validate_data

from deeprg._random import RandomState, check_random_state, seed_of
from deeprg._validation import check_int
from deeprg.errors import InvalidParameterError
from deeprg.progress import Progress, silent
from deeprg.rbm import functional as F
from deeprg.rbm._layers import (
    DEEPRG_RBM,  # noqa: F401 - the name of deeprg's RBM in model files, importable from here
    check_layer_params,
    epoch_trainer,
    layer_from_record,
    layer_kind,
    layer_owner,
    layer_record,
)
from deeprg.rbm._params import stored_params
from deeprg.rbm._training import EpochTrainer, train_epochs, training_work
from deeprg.rbm.callbacks import Callback
from deeprg.rbm.estimator import BernoulliRBM

logger = logging.getLogger(__name__)

#: The task under which :meth:`DeepBeliefNetwork.fit` reports its progress.
TRAIN_TASK = "train"
#: Seconds between checkpoint files written during a layer's training. Every epoch is kept in
#: memory and written when this much time has passed since the last write, at the end of the
#: layer, and when training stops on an exception (an error, Ctrl-C): only a hard kill of the
#: process can lose more than the current epoch, and then at most this many seconds.
CHECKPOINT_SECONDS = 30.0


class DeepBeliefNetwork(TransformerMixin, BaseEstimator):
    """A stack of RBMs trained greedily: layer ``k`` learns the hidden probabilities of layer ``k - 1``.

    Mehta & Schwab's network is 1600-400-100-25::

        DeepBeliefNetwork([BernoulliRBM(400, l1=2e-4), BernoulliRBM(100, l1=2e-4),
                           BernoulliRBM(25, l1=2e-4)], random_state=0).fit(samples.as_binary())

    Any scikit-learn style RBM works as a layer; swapping in
    ``sklearn.neural_network.BernoulliRBM`` gives the off-the-shelf baseline.
    scikit-learn layers are trained epoch by epoch, bit for bit as their own
    ``fit`` (see ``deeprg.rbm._sklearn_epochs``), so that they too report every
    epoch, checkpoint and resume, and get a ``history_`` of per-epoch metrics.

    Parameters
    ----------
    layers : sequence of estimators
        Unfitted RBMs, bottom first; they are cloned, not modified.
    random_state : None, int, SeedSequence or Generator
        Seeds the layers whose own ``random_state`` is None (each gets its own stream).

    Attributes
    ----------
    layers_ : list of estimators
        The fitted layers, bottom first.
    n_features_in_ : int
        Number of visible units of the bottom layer.
    """

    def __init__(self, layers: Sequence[Any] = (), *, random_state: RandomState = None) -> None:
        self.layers = layers
        self.random_state = random_state

    # ------------------------------------------------------------------ training
    def _prepared_layers(self) -> list[Any]:
        if len(self.layers) == 0:
            raise InvalidParameterError("a DeepBeliefNetwork needs at least one layer.")
        for layer in self.layers:
            layer_kind(layer)
        rng = check_random_state(self.random_state)
        seeds = rng.integers(0, 2**31 - 1, size=len(self.layers))
        prepared = []
        for index, (original, seed) in enumerate(zip(self.layers, seeds, strict=True)):
            layer = clone(original)
            if isinstance(original, BernoulliRBM):
                layer.set_params(callbacks=original.callbacks)  # the user's callback objects, not deep copies
            if layer.get_params().get("random_state") is None:
                layer.set_params(random_state=int(seed))
            with _owned_by(index, layer):
                check_layer_params(layer)
            prepared.append(layer)
        return prepared

    def fit(
        self,
        X: ArrayLike,
        y: Any = None,
        *,
        X_val: ArrayLike | None = None,
        checkpoint: str | Path | None = None,
        resume: bool = False,
        callbacks: Sequence[Callback] = (),
        progress: Progress | None = None,
    ) -> "DeepBeliefNetwork":
        """Train the layers greedily.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
            Visible data in {0, 1}.
        y : ignored
        X_val : array_like, optional
            Held-out data, propagated through the stack like ``X`` (every layer
            reports held-out metrics on it in ``history_``).
        checkpoint : path, optional
            File holding the finished layers and the training state of the current one,
            rewritten after every layer and during a layer at most every
            :data:`CHECKPOINT_SECONDS` (every epoch is kept in memory and written when training
            stops on an exception).
        resume : bool, default False
            Continue from ``checkpoint`` if it exists: finished layers are loaded,
            the interrupted one continues bit for bit.
        callbacks : sequence of Callback, default ()
            Hooks delivered to every layer, deeprg's or scikit-learn's, before the layer's own
            callbacks (see :func:`deeprg.rbm._training.train_epochs`): ``on_epoch_end(layer,
            epoch, logs)`` runs after the epoch is checkpointed, once per epoch trained (after a
            resume only for the epochs trained since). Raising
            :class:`~deeprg.rbm.callbacks.StopTraining` ends the current layer.
        progress : Progress, optional
            ``progress("train", message, completed, total)`` (:mod:`deeprg.progress`) at the
            start of every layer and after every epoch, e.g. ``"training layer 2/3 (100 units),
            epoch 5/50, pseudo-likelihood -0.5123/spin"``; ``completed`` and ``total`` count
            ``n_in * n_out`` per epoch of each layer (see :func:`deeprg.rbm._training.training_work`),
            so that they measure time. The last report has ``completed == total``.

        Returns
        -------
        self
        """
        try:
            X = validate_data(self, X, reset=True, dtype=[np.float32, np.float64], accept_sparse=False)
        except ValueError as exc:  # NaN, empty or sparse input
            raise InvalidParameterError(f"X: {exc}") from exc
        layers = self._prepared_layers()
        done: list[Any] = []
        partial = None
        if resume and checkpoint is not None and Path(checkpoint).exists():
            done, partial = self._load_progress(checkpoint, layers)
        run = _GreedyTraining(self, layers, X.shape[1], checkpoint, _checked_callbacks(callbacks), progress)
        data, val = X, X_val
        for index in range(len(layers)):
            if index < len(done):
                fitted = run.loaded(index, done[index])
            else:
                fitted = run.train_layer(index, data, val, partial if index == len(done) else None)
            if index + 1 < len(layers):
                data = fitted.transform(data)
                val = None if val is None else fitted.transform(val)
        run.finished()
        self.layers_ = run.fitted  # only a complete stack is ever exposed
        return self

    def _save_progress(self, path: str | Path, finished: list[Any], current: EpochTrainer | None) -> None:
        """Write the finished layers (with their chains) and ``current.to_record(checkpoint=True)`` if given."""
        records = [layer_record(layer, checkpoint=True) for layer in finished]
        if current is not None:
            records.append(current.to_record(checkpoint=True))
        self._write_progress(path, records)

    def _write_progress(self, path: str | Path, records: list[Any]) -> None:
        from deeprg.io import save_model

        save_model(records, path, overwrite=True, checkpoint=True, config=self._config())

    def _load_progress(self, path: str | Path, layers: list[Any]) -> tuple[list[Any], Any]:
        from deeprg.io import load_model

        model = load_model(path)
        # the layer being trained is the one with a random state to continue
        finished = [r for r in model.layers if r.rng_state is None]
        partial = next((r for r in model.layers if r.rng_state is not None), None)
        if len(model.layers) > len(layers):
            raise InvalidParameterError(f"checkpoint {path} has {len(model.layers)} layers; this network has {len(layers)}.")
        for index, (record, layer) in enumerate(zip(model.layers, layers, strict=False)):
            expected = stored_params(layer)
            if record.estimator != layer_kind(layer) or json.dumps(record.params, sort_keys=True) != json.dumps(
                expected, sort_keys=True
            ):
                raise InvalidParameterError(
                    f"checkpoint {path} was written for another network (layer {index + 1}: {record.estimator} "
                    f"{record.params} vs {layer_kind(layer)} {expected}); resume with the same options, "
                    "or delete the checkpoint to start afresh."
                )
        logger.info("resuming from %s: %d finished layer(s)%s", path, len(finished),
                    f", layer {len(finished) + 1} at epoch {partial.epoch}" if partial else "")
        return [layer_from_record(r) for r in finished], partial

    # ------------------------------------------------------------------ inference
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # the output dtype is that of the layers
        return tags

    def _check_layer(self, layer: int | None) -> int:
        check_is_fitted(self)
        n = len(self.layers_)
        return n if layer is None else check_int(layer, "layer", minimum=1, maximum=n)

    def transform(self, X: ArrayLike, layer: int | None = None) -> NDArray[np.floating]:
        """Hidden probabilities of ``layer`` (1 = first hidden layer; default: the top), propagated upward."""
        k = self._check_layer(layer)
        data = X
        for fitted in self.layers_[:k]:
            data = fitted.transform(data)
        return np.asarray(data)

    def reconstruct(
        self,
        X: ArrayLike,
        layer: int | None = None,
        *,
        method: Literal["mean-field", "sample"] = "mean-field",
        random_state: RandomState = None,
    ) -> NDArray[np.floating]:
        """Go up to ``layer`` and back down to the visible units.

        With ``method="mean-field"`` probabilities are propagated both ways; with
        ``"sample"`` every layer is sampled (up and down).

        Returns
        -------
        ndarray, shape (n_samples, n_features)
            Visible probabilities (mean field) or bits (sampled).
        """
        k = self._check_layer(layer)
        if method not in ("mean-field", "sample"):
            raise InvalidParameterError(f"method must be 'mean-field' or 'sample'; got {method!r}.")
        rng = check_random_state(random_state)
        data = X
        for fitted in self.layers_[:k]:
            data = fitted.transform(data)
            if method == "sample":
                data = F.sample_bernoulli(data, rng)
        return self._down(np.asarray(data), k, method, rng)

    def _down(self, hidden: NDArray, k: int, method: str, rng: np.random.Generator) -> NDArray:
        data = hidden
        for fitted in reversed(self.layers_[:k]):
            W = np.asarray(fitted.components_, dtype=data.dtype)
            data = F.visible_probabilities(data, W, np.asarray(fitted.intercept_visible_, dtype=data.dtype))
            if method == "sample":
                data = F.sample_bernoulli(data, rng)
        return data

    def generate(
        self, n_samples: int, *, n_gibbs: int = 1000, method: Literal["mean-field", "sample"] = "sample",
        random_state: RandomState = None,
    ) -> NDArray[np.floating]:
        """Generate visible configurations: Gibbs-sample the top RBM, then propagate down.

        Parameters
        ----------
        n_samples : int
            Number of configurations.
        n_gibbs : int, default 1000
            Gibbs steps of the top RBM's chains, started from random bits.
        method : {"sample", "mean-field"}, default "sample"
            Whether the downward pass samples every layer (bits) or passes probabilities.
        random_state : None, int, SeedSequence or Generator

        Returns
        -------
        ndarray, shape (n_samples, n_features)
        """
        check_is_fitted(self)
        check_int(n_samples, "n_samples", minimum=1)
        check_int(n_gibbs, "n_gibbs", minimum=0)
        rng = check_random_state(random_state)
        top = self.layers_[-1]
        W = np.asarray(top.components_)
        b, c = np.asarray(top.intercept_visible_, dtype=W.dtype), np.asarray(top.intercept_hidden_, dtype=W.dtype)
        v = F.sample_bernoulli(np.full((n_samples, W.shape[1]), 0.5, dtype=W.dtype), rng)
        for _ in range(n_gibbs):
            v, _ = F.gibbs_step(v, W, b, c, rng)
        return self._down(v, len(self.layers_) - 1, method, rng) if len(self.layers_) > 1 else v

    # ------------------------------------------------------------------ persistence
    def _config(self) -> dict[str, Any]:
        config = {"n_layers": len(self.layers), "random_state": seed_of(self.random_state)}
        return {**config, "weights": "given"} if getattr(self, "weights_given_", False) else config

    def save(self, path: str | Path, *, overwrite: bool = False, config: dict[str, Any] | None = None) -> Path:
        """Write the fitted network as a ``deeprg.model`` file (arrays only, never pickles)."""
        from deeprg.io import save_model

        check_is_fitted(self)
        return save_model([layer_record(layer) for layer in self.layers_], path, overwrite=overwrite,
                          config={**self._config(), **(config or {})})

    @classmethod
    def load(cls, path: str | Path) -> "DeepBeliefNetwork":
        """Read a network written by :meth:`save`."""
        from deeprg.io import load_model

        model = load_model(path)
        layers = [layer_from_record(r) for r in model.layers]
        dbn = cls([clone(layer) for layer in layers], random_state=model.config.get("random_state"))
        dbn.layers_ = layers
        dbn.n_features_in_ = layers[0].components_.shape[1]
        if model.config.get("weights") == "given":  # built by from_weights, not trained
            dbn.weights_given_ = True
        return dbn

    @classmethod
    def from_weights(
        cls,
        weights: Sequence[ArrayLike],
        hidden_biases: Sequence[ArrayLike | None] | None = None,
        visible_biases: Sequence[ArrayLike | None] | None = None,
        *,
        dtype: Literal["float32", "float64"] | None = None,
    ) -> "DeepBeliefNetwork":
        """A fitted network with the given weights: one trained elsewhere (torch, another package) or built by hand.

        It transforms, reconstructs, saves, loads and goes through ``deeprg analyze`` like a
        trained one. Its layers are fitted :class:`~deeprg.rbm.BernoulliRBM` with ``n_iter = 0``,
        ``epoch_ = 0`` and an empty ``history_``; the network has ``weights_given_ = True``, which
        :meth:`save` records in the file's config as ``"weights": "given"``.

        Parameters
        ----------
        weights : sequence of array_like, each of shape (n_hidden_k, n_visible_k)
            Each layer's :math:`W`, bottom first, laid out as scikit-learn's ``components_``
            (hidden x visible); ``n_visible_{k+1} == n_hidden_k``. Real numbers, all finite.
        hidden_biases : sequence of (array_like of shape (n_hidden_k,) or None), optional
            One per layer; None (or a None entry) gives zeros.
        visible_biases : sequence of (array_like of shape (n_visible_k,) or None), optional
            One per layer; None (or a None entry) gives zeros.
        dtype : {"float32", "float64"}, optional
            Parameter dtype; default float32 when every given array is float32, else float64.

        Returns
        -------
        DeepBeliefNetwork
            Fitted (``layers_``, ``n_features_in_``, ``weights_given_``).

        Raises
        ------
        InvalidParameterError
            Naming the layer: shapes that do not chain, wrong bias lengths, non-real dtypes,
            NaN or infinite values.

        Examples
        --------
        >>> import numpy as np
        >>> dbn = DeepBeliefNetwork.from_weights([np.eye(4), np.ones((1, 4))])
        >>> dbn.transform(np.zeros((1, 4)), layer=1)
        array([[0.5, 0.5, 0.5, 0.5]])
        >>> dbn.layers_[1].components_.shape, dbn.weights_given_
        ((1, 4), True)
        """
        from deeprg.rbm._from_weights import network_from_weights

        return network_from_weights(cls, weights, hidden_biases, visible_biases, dtype=dtype)


class _GreedyTraining:
    """One greedy training of a stack: the layers trained so far, their checkpoint and progress reports."""

    def __init__(self, network: DeepBeliefNetwork, layers: list[Any], n_visible: int, checkpoint: str | Path | None,
                 callbacks: list[Callback], progress: Progress | None) -> None:
        self.network, self.layers, self.checkpoint, self.callbacks = network, layers, checkpoint, callbacks
        self.say = progress if progress is not None else silent
        self.fitted: list[Any] = []
        self.epochs = [int(layer.n_iter) for layer in layers]
        self.work, self.total = training_work(n_visible, [int(layer.n_components) for layer in layers], self.epochs)
        self.pending: list[Any] | None = None  # the last epoch's checkpoint records, not yet written
        self.written = time.monotonic()

    def _completed(self, index: int, epoch: int) -> float:
        """Work done when layer ``index`` (from 0) has trained ``epoch`` epochs."""
        before = sum(w * n for w, n in zip(self.work[:index], self.epochs[:index], strict=True))
        return before + self.work[index] * min(epoch, self.epochs[index])

    def _name(self, index: int) -> str:
        return f"layer {index + 1}/{len(self.layers)} ({self.layers[index].n_components} units)"

    def loaded(self, index: int, fitted: Any) -> Any:
        """A layer finished before the resume: kept as it was."""
        self.fitted.append(fitted)
        self.say(TRAIN_TASK, f"trained {self._name(index)} (from the checkpoint)",
                 self._completed(index, self.epochs[index]), self.total)
        return fitted

    def train_layer(self, index: int, data: Any, val: Any, record: Any) -> Any:
        """Train layer ``index`` on ``data`` (resumed from a checkpoint ``record`` if given); return it fitted."""
        layer = self.layers[index]
        with _owned_by(index, layer):
            trainer = epoch_trainer(layer, data, val, record)
            self.say(TRAIN_TASK, f"training {self._name(index)}", self._completed(index, trainer.epoch), self.total)
            try:
                fitted = train_epochs(trainer, self.callbacks, lambda trainer, logs: self._epoch_done(index, trainer, logs))
            except BaseException:
                self._flush()  # the last finished epoch, so that a resume loses only the interrupted one
                raise
        self.pending = None
        self.fitted.append(fitted)
        if self.checkpoint is not None:
            self.network._save_progress(self.checkpoint, self.fitted, None)
            self.written = time.monotonic()
        return fitted

    def _epoch_done(self, index: int, trainer: EpochTrainer, logs: dict[str, float]) -> None:
        # checkpoint first, so that the epoch is saved even if a callback then raises
        if self.checkpoint is not None:
            current = copy.deepcopy(trainer.to_record(checkpoint=True))  # training goes on in place
            self.pending = [layer_record(layer, checkpoint=True) for layer in self.fitted] + [current]
            if time.monotonic() - self.written >= CHECKPOINT_SECONDS:
                self._flush()
        self.say(TRAIN_TASK, f"training {self._name(index)}, epoch {trainer.epoch}/{self.epochs[index]}, "
                             f"pseudo-likelihood {logs['pseudo_likelihood']:.4f}/spin",
                 self._completed(index, trainer.epoch), self.total)

    def _flush(self) -> None:
        """Write the pending checkpoint records, if any."""
        if self.checkpoint is not None and self.pending is not None:
            self.network._write_progress(self.checkpoint, self.pending)
            self.pending = None
            self.written = time.monotonic()

    def finished(self) -> None:
        self.say(TRAIN_TASK, f"trained {len(self.layers)} layer(s)", self.total, self.total)


def _checked_callbacks(callbacks: Sequence[Callback]) -> list[Callback]:
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise InvalidParameterError(
                f"callbacks must be deeprg.rbm.callbacks.Callback instances; got {type(cb).__name__}. For progress "
                "reports pass progress= instead."
            )
    return list(callbacks)


@contextmanager
def _owned_by(index: int, layer: Any) -> Iterator[None]:
    """Prefix the message of an :class:`InvalidParameterError` with the layer it concerns."""
    try:
        yield
    except InvalidParameterError as exc:
        if type(exc) is not InvalidParameterError:
            raise
        raise InvalidParameterError(f"{layer_owner(index, layer)}: {exc}") from exc
