"""Deep belief networks: RBMs stacked and trained greedily, layer by layer."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Callable, Literal, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted, validate_data

from deeprg._random import RandomState, check_random_state, seed_of
from deeprg._validation import check_int
from deeprg.errors import InvalidParameterError
from deeprg.rbm import functional as F
from deeprg.rbm._sklearn_epochs import (
    SKLEARN_RBM,
    SklearnEpochs,
    check_sklearn_params,
    sklearn_layer_from_record,
    sklearn_layer_record,
)
from deeprg.rbm.callbacks import Callback
from deeprg.rbm.estimator import BernoulliRBM, stored_params

logger = logging.getLogger(__name__)

DEEPRG_RBM = "deeprg.rbm.BernoulliRBM"
#: ``on_epoch_end(layer_index, estimator, epoch, logs)`` of :meth:`DeepBeliefNetwork.fit`.
EpochHook = Callable[[int, Any, int, dict[str, float]], Any]


def _layer_kind(layer: Any) -> str:
    from sklearn.neural_network import BernoulliRBM as SkBernoulliRBM

    if isinstance(layer, BernoulliRBM):
        return DEEPRG_RBM
    if isinstance(layer, SkBernoulliRBM):
        return SKLEARN_RBM
    raise InvalidParameterError(
        f"layers must be deeprg.rbm.BernoulliRBM or sklearn.neural_network.BernoulliRBM; got {type(layer).__name__}."
    )


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
            _layer_kind(layer)
        rng = check_random_state(self.random_state)
        seeds = rng.integers(0, 2**31 - 1, size=len(self.layers))
        prepared = []
        for original, seed in zip(self.layers, seeds, strict=True):
            layer = clone(original)
            if isinstance(original, BernoulliRBM):
                layer.set_params(callbacks=original.callbacks)  # the user's callback objects, not deep copies
            if layer.get_params().get("random_state") is None:
                layer.set_params(random_state=int(seed))
            _check_layer_params(layer)
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
        on_layer_start: Any = None,
        on_epoch_end: EpochHook | None = None,
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
            File rewritten after every epoch and after every layer, holding the
            finished layers and the training state of the current one.
        resume : bool, default False
            Continue from ``checkpoint`` if it exists: finished layers are loaded,
            the interrupted one continues bit for bit.
        on_layer_start : callable, optional
            ``on_layer_start(index, layer)`` before each layer is trained (index from 0).
        on_epoch_end : callable, optional
            ``on_epoch_end(index, estimator, epoch, logs)`` after every epoch of every
            layer, deeprg's or scikit-learn's (``epoch`` from 1, ``logs`` as in
            ``history_``). It runs after the epoch is checkpointed and before the
            layer's own callbacks, once per epoch trained: after a resume it sees
            only the epochs trained since. Raising
            :class:`~deeprg.rbm.callbacks.StopTraining` ends the current layer.

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
        data, val = X, X_val
        fitted_layers: list[Any] = []
        for index, layer in enumerate(layers):
            if index < len(done):
                fitted = done[index]
            else:
                if on_layer_start is not None:
                    on_layer_start(index, layer)
                resume_from = partial if index == len(done) else None
                fitted = self._fit_layer(index, layer, data, val, checkpoint, resume_from, fitted_layers, on_epoch_end)
            fitted_layers.append(fitted)
            if checkpoint is not None:
                self._save_progress(checkpoint, fitted_layers, None)
            if index + 1 < len(layers):
                data = fitted.transform(data)
                val = None if val is None else fitted.transform(val)
        self.layers_ = fitted_layers  # only a complete stack is ever exposed
        return self

    def _fit_layer(
        self, index: int, layer: Any, data: Any, val: Any, checkpoint: Any, partial: Any, finished: list[Any],
        on_epoch_end: EpochHook | None,
    ) -> Any:
        def epoch_done(current: Any, estimator: Any, epoch: int, logs: dict[str, float]) -> None:
            # checkpoint first, so that the epoch is saved even if the hook or a callback then raises
            if checkpoint is not None:
                self._save_progress(checkpoint, finished, current)
            if on_epoch_end is not None:
                on_epoch_end(index, estimator, epoch, logs)

        if not isinstance(layer, BernoulliRBM):
            trainer = SklearnEpochs(layer, data, X_val=val, record=partial)
            return trainer.train(lambda driver, logs: epoch_done(driver, driver.estimator, driver.epoch, logs))
        if partial is not None:
            layer = BernoulliRBM.from_record(partial, callbacks=layer.callbacks)
        own = layer.callbacks
        layer.set_params(callbacks=[_EpochDone(epoch_done), *own])
        try:
            layer.fit(data, X_val=val, resume=partial is not None)
        finally:
            layer.set_params(callbacks=own)
        return layer

    def _save_progress(self, path: str | Path, finished: list[Any], current: Any) -> None:
        """Write the finished layers (with their chains) and ``current.to_record(checkpoint=True)`` if given."""
        from deeprg.io import save_model

        records = [layer_record(layer, checkpoint=True) for layer in finished]
        if current is not None:
            records.append(current.to_record(checkpoint=True))
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
            if record.estimator != _layer_kind(layer) or json.dumps(record.params, sort_keys=True) != json.dumps(
                expected, sort_keys=True
            ):
                raise InvalidParameterError(
                    f"checkpoint {path} was written for another network (layer {index + 1}: {record.estimator} "
                    f"{record.params} vs {_layer_kind(layer)} {expected}); resume with the same options, "
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


def layer_record(layer: Any, *, checkpoint: bool = False):
    """A fitted layer (deeprg or scikit-learn RBM) as a :class:`deeprg.io.LayerRecord`.

    With ``checkpoint``, a scikit-learn layer keeps its persistent chains
    (``h_samples_``); a deeprg layer is stored as finished either way.
    """
    if isinstance(layer, BernoulliRBM):
        return layer.to_record()
    _layer_kind(layer)
    return sklearn_layer_record(layer, checkpoint=checkpoint)


def _check_layer_params(layer: Any) -> None:
    """Validate a layer's parameters before any layer trains (a bad top layer fails at once)."""
    if isinstance(layer, BernoulliRBM):
        layer._check_params()
        return
    check_sklearn_params(layer)


def layer_from_record(record) -> Any:
    """Rebuild a fitted layer from a :class:`deeprg.io.LayerRecord`."""
    if record.estimator == DEEPRG_RBM:
        return BernoulliRBM.from_record(record)
    if record.estimator == SKLEARN_RBM:
        return sklearn_layer_from_record(record)
    raise InvalidParameterError(f"unknown layer estimator {record.estimator!r} in the model file.")


class _EpochDone(Callback):
    """Internal first callback of a deeprg layer: checkpoint the epoch, then call the network's hook."""

    def __init__(self, fn: Callable[[Any, Any, int, dict[str, float]], Any]) -> None:
        self.fn = fn

    def on_epoch_end(self, estimator: BernoulliRBM, epoch: int, logs: dict[str, float]) -> None:
        self.fn(estimator, estimator, epoch, logs)
