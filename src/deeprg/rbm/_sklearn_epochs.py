"""scikit-learn's ``BernoulliRBM`` trained one epoch at a time, bit for bit as its ``fit`` (private).

``sklearn.neural_network.BernoulliRBM.fit`` trains every epoch in one call: no
progress, no checkpoint, no learning curve. :class:`SklearnEpochs` repeats what
``fit`` does, step by step, with scikit-learn's own mini-batch update
(``BernoulliRBM._fit``): the same validation, the same initialisation from
``check_random_state(random_state)``, the same even batch slices and the same
random stream, so that the weights, biases and persistent chains are identical
to ``fit``'s, while between epochs it records the metrics of
:func:`deeprg.rbm.monitoring.epoch_metrics` (which draw nothing from that
stream) and can save and restore the whole training state, including the
``RandomState``.

``_fit`` is private to scikit-learn. Before a class is first trained this way,
:func:`verify_epoch_driver` runs ``fit`` and the driver side by side on a tiny
problem (float32 and float64, a batch size that does not divide the samples)
and raises :class:`SklearnMismatchError` unless the two agree bit for bit, so a
scikit-learn release that changes ``fit`` stops training with a clear message
instead of silently training something else.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Sequence

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import clone
from sklearn.utils import check_random_state, gen_even_slices
from sklearn.utils.validation import validate_data

from deeprg.errors import (
    InvalidParameterError,
    SklearnMismatchError,  # noqa: F401 - defined in deeprg.errors, re-exported here
)
from deeprg.rbm._params import stored_params
from deeprg.rbm._training import AfterEpoch, train_epochs
from deeprg.rbm.callbacks import Callback
from deeprg.rbm.monitoring import epoch_metrics

logger = logging.getLogger(__name__)

#: The ``estimator`` of scikit-learn layers in model files.
SKLEARN_RBM = "sklearn.neural_network.BernoulliRBM"
#: The scikit-learn release the driver was written against (its ``fit`` has not changed since 1.4).
WRITTEN_FOR = "1.9.1"
#: Name of the persistent chains (``h_samples_``) in a checkpoint's ``state``.
H_SAMPLES = "h_samples"

_VERIFIED: set[type] = set()


def check_sklearn_params(estimator: Any) -> None:
    """scikit-learn's own parameter validation (what ``fit`` does first), as an :class:`InvalidParameterError`."""
    try:
        estimator._validate_params()
    except (ValueError, TypeError) as exc:
        raise InvalidParameterError(f"invalid scikit-learn BernoulliRBM parameter: {exc}") from exc


class SklearnEpochs:
    """Train a scikit-learn ``BernoulliRBM`` epoch by epoch, exactly as its ``fit`` would.

    The constructor does what ``fit`` does before its first epoch (or restores a
    checkpoint); :meth:`run_epoch` runs one epoch of ``fit``'s loop. After
    ``n_iter`` epochs the estimator is bit for bit the one ``fit`` returns, and
    it has one extra attribute, ``history_`` (per-epoch metrics as in
    :attr:`deeprg.rbm.BernoulliRBM.history_`), which ``get_params`` and
    ``clone`` ignore.

    Parameters
    ----------
    estimator : sklearn.neural_network.BernoulliRBM
        Trained in place.
    X : array_like, shape (n_samples, n_features)
        Training data, dense; float32 stays float32 as in ``fit``.
    X_val : array_like, shape (n_val, n_features), optional
        Held-out data for ``pseudo_likelihood_val`` and ``free_energy_gap``.
    record : deeprg.io.LayerRecord, optional
        A checkpoint record written by :meth:`to_record` with ``checkpoint=True``:
        training continues from it bit for bit (``X`` must be the same data).

    Attributes
    ----------
    estimator : sklearn.neural_network.BernoulliRBM
    epoch : int
        Epochs completed.
    rng : numpy.random.RandomState
        The training stream, ``check_random_state(estimator.random_state)`` as in ``fit``
        (for a ``RandomState`` instance, that instance itself).

    Raises
    ------
    SklearnMismatchError
        If the installed scikit-learn's ``fit`` does not match this driver.
    InvalidParameterError
        For invalid parameters, sparse input, or a record that does not fit the
        estimator and the data.

    Notes
    -----
    With ``verbose`` set, ``fit`` prints its (random) pseudo-likelihood after
    every epoch; here the same line goes to the logger, computed the same way
    (it draws from the training stream when ``random_state`` is a ``RandomState``
    instance, exactly as in ``fit``).
    """

    def __init__(self, estimator: Any, X: ArrayLike, *, X_val: ArrayLike | None = None, record: Any = None) -> None:
        self._verify(estimator)
        check_sklearn_params(estimator)
        self.estimator = estimator
        try:
            self._X = validate_data(estimator, X, accept_sparse=False, dtype=(np.float64, np.float32))
            self._X_val = None if X_val is None else validate_data(
                estimator, X_val, reset=False, accept_sparse=False, dtype=self._X.dtype)
        except (ValueError, TypeError) as exc:  # NaN, empty, sparse or mis-shaped input
            raise InvalidParameterError(f"X: {exc}") from exc
        self.rng = check_random_state(estimator.random_state)
        if record is None:
            self._initialize()
        else:
            self._restore(record)
        n_samples = self._X.shape[0]
        n_batches = int(np.ceil(float(n_samples) / estimator.batch_size))
        self._batch_slices = list(gen_even_slices(n_batches * estimator.batch_size, n_batches, n_samples=n_samples))

    @staticmethod
    def _verify(estimator: Any) -> None:
        verify_epoch_driver(estimator)

    def _initialize(self) -> None:
        """``fit``'s preamble: weights from N(0, 0.01) in Fortran order, zero biases and chains."""
        est, X = self.estimator, self._X
        est.components_ = np.asarray(self.rng.normal(0, 0.01, (est.n_components, X.shape[1])), order="F", dtype=X.dtype)
        est._n_features_out = est.components_.shape[0]
        est.intercept_hidden_ = np.zeros(est.n_components, dtype=X.dtype)
        est.intercept_visible_ = np.zeros(X.shape[1], dtype=X.dtype)
        est.h_samples_ = np.zeros((est.batch_size, est.n_components), dtype=X.dtype)
        est.history_ = {}
        self.epoch = 0

    def _restore(self, record: Any) -> None:
        est, X = self.estimator, self._X
        if record.estimator != SKLEARN_RBM or record.rng_state is None or H_SAMPLES not in record.state:
            raise InvalidParameterError(
                f"cannot resume a scikit-learn layer from a record of {record.estimator} without its training "
                "state; pass a checkpoint record (SklearnEpochs.to_record(checkpoint=True))."
            )
        W = np.asarray(record.components)
        chains = np.asarray(record.state[H_SAMPLES])
        expected = (est.n_components, X.shape[1])
        if W.shape != expected or W.dtype != X.dtype or chains.shape != (est.batch_size, est.n_components):
            raise InvalidParameterError(
                f"the checkpoint's layer has weights of shape {W.shape} and dtype {W.dtype}, but this layer "
                f"trains {expected} on {X.dtype} data: it was written for other data or another network; "
                "delete the checkpoint to start afresh."
            )
        try:
            self.rng.set_state(record.rng_state)
        except (ValueError, TypeError, KeyError) as exc:
            raise InvalidParameterError(f"the checkpoint's random state cannot be restored: {exc}") from exc
        # the memory layouts of fit (Fortran-ordered weights) keep the matrix products bit for bit identical
        est.components_ = np.array(W, order="F")
        est._n_features_out = est.components_.shape[0]
        est.intercept_hidden_ = np.array(record.intercept_hidden, dtype=X.dtype)
        est.intercept_visible_ = np.array(record.intercept_visible, dtype=X.dtype)
        est.h_samples_ = np.array(chains, dtype=X.dtype, order="C")
        est.history_ = {k: [float(x) for x in v] for k, v in record.history.items()}
        self.epoch = int(record.epoch)

    def run_epoch(self) -> dict[str, float]:
        """One epoch of ``fit``'s loop, then the metrics of :func:`~deeprg.rbm.monitoring.epoch_metrics`.

        Returns
        -------
        dict of str to float
            The epoch's metrics (also appended to ``estimator.history_``), with ``time`` in seconds.
        """
        est, X = self.estimator, self._X
        start = time.perf_counter()
        for batch_slice in self._batch_slices:
            est._fit(X[batch_slice], self.rng)
        self.epoch += 1
        if est.verbose:  # fit prints this line (and draws for it, when random_state is a RandomState)
            logger.info("[%s] Iteration %d, pseudo-likelihood = %.2f", type(est).__name__, self.epoch,
                        est.score_samples(X).mean())
        logs = epoch_metrics(X, self._X_val, est.components_, est.intercept_visible_, est.intercept_hidden_)
        logs["time"] = time.perf_counter() - start
        for key, value in logs.items():
            est.history_.setdefault(key, []).append(float(value))
        logger.debug("epoch %d: %s", self.epoch, logs)
        return logs

    @property
    def n_epochs(self) -> int:
        """Epochs to reach: ``n_iter``."""
        return self.estimator.n_iter

    @property
    def callbacks(self) -> Sequence[Callback]:
        """A scikit-learn layer has no callbacks of its own."""
        return ()

    def train(self, after_epoch: AfterEpoch | None = None, *, callbacks: Sequence[Callback] = ()) -> Any:
        """Run the remaining epochs up to ``n_iter`` with :func:`~deeprg.rbm._training.train_epochs`.

        Parameters
        ----------
        after_epoch : callable, optional
            ``after_epoch(self, logs)`` after every epoch; raising
            :class:`~deeprg.rbm.callbacks.StopTraining` ends training after that epoch.
        callbacks : sequence of Callback
            Hooks called with the estimator, as for deeprg's ``BernoulliRBM``.

        Returns
        -------
        sklearn.neural_network.BernoulliRBM
            The trained estimator.
        """
        return train_epochs(self, callbacks, after_epoch)

    def to_record(self, *, checkpoint: bool = False) -> Any:
        """The layer as a :class:`deeprg.io.LayerRecord`; with ``checkpoint``, with its training state.

        The state is ``h_samples_`` (``state["h_samples"]``) and the ``RandomState``
        (``rng_state``, from ``get_state(legacy=False)``); the epoch is :attr:`epoch`.
        """
        record = sklearn_layer_record(self.estimator, checkpoint=checkpoint)
        record.epoch = self.epoch
        if checkpoint:
            record.rng_state = self.rng.get_state(legacy=False)
        return record


def sklearn_layer_record(layer: Any, *, checkpoint: bool = False) -> Any:
    """A fitted scikit-learn ``BernoulliRBM`` as a :class:`deeprg.io.LayerRecord`.

    With ``checkpoint``, ``h_samples_`` goes into ``state`` (no ``rng_state``: the
    layer is finished), so that a network resumed from a checkpoint has the
    persistent chains of an uninterrupted one.

    Parameters
    ----------
    layer : sklearn.neural_network.BernoulliRBM
        A fitted layer (its ``history_``, when it has one, is kept).
    checkpoint : bool, default False
        Keep the persistent chains too.

    Returns
    -------
    deeprg.io.LayerRecord
    """
    from deeprg.io import LayerRecord

    history = {k: list(v) for k, v in getattr(layer, "history_", {}).items()}
    epochs = len(next(iter(history.values()))) if history else int(layer.n_iter)
    record = LayerRecord(
        components=np.asarray(layer.components_),
        intercept_hidden=np.asarray(layer.intercept_hidden_),
        intercept_visible=np.asarray(layer.intercept_visible_),
        estimator=SKLEARN_RBM,
        params=stored_params(layer),
        history=history,
        epoch=epochs,
    )
    if checkpoint:
        record.state = {H_SAMPLES: np.asarray(layer.h_samples_)}
    return record


def sklearn_layer_from_record(record: Any) -> Any:
    """Rebuild a fitted scikit-learn ``BernoulliRBM`` (with ``history_``) from a :class:`deeprg.io.LayerRecord`.

    The weights are Fortran-ordered as ``fit`` leaves them, so that ``transform``
    gives bit for bit the same numbers; ``h_samples_`` comes from the record's
    state when it has one (checkpoints), else it is zero.

    Parameters
    ----------
    record : deeprg.io.LayerRecord
        Written by :func:`sklearn_layer_record`.

    Returns
    -------
    sklearn.neural_network.BernoulliRBM
        Fitted, with ``history_`` (empty when the record has none).
    """
    from sklearn.neural_network import BernoulliRBM as SkBernoulliRBM

    layer = SkBernoulliRBM(**record.params)
    layer.components_ = np.array(record.components, order="F")
    dtype = layer.components_.dtype
    layer.intercept_hidden_ = np.array(record.intercept_hidden, dtype=dtype)
    layer.intercept_visible_ = np.array(record.intercept_visible, dtype=dtype)
    layer.n_features_in_ = layer.components_.shape[1]
    layer._n_features_out = layer.components_.shape[0]
    if H_SAMPLES in record.state:
        layer.h_samples_ = np.array(record.state[H_SAMPLES], dtype=dtype, order="C")
    else:
        layer.h_samples_ = np.zeros((layer.batch_size, layer.n_components), dtype=dtype)
    layer.history_ = {k: list(v) for k, v in record.history.items()}
    return layer


# ---------------------------------------------------------------------- the guard against scikit-learn changing


class _Unverified(SklearnEpochs):
    """The driver without the check (used by the check itself)."""

    @staticmethod
    def _verify(estimator: Any) -> None:
        pass


def _fitted_state(est: Any, rng: np.random.RandomState) -> dict[str, Any]:
    state = {name: value for name, value in vars(est).items() if name.endswith("_") and name != "history_"}
    state["_n_features_out"] = getattr(est, "_n_features_out", None)
    state["random state"] = rng.get_state(legacy=False)
    return state


def _differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    if a.keys() != b.keys():
        return [f"attributes {sorted(a.keys() ^ b.keys())}"]
    out = []
    for name in a:
        x, y = a[name], b[name]
        if name == "random state":
            same = x["state"]["pos"] == y["state"]["pos"] and np.array_equal(x["state"]["key"], y["state"]["key"]) \
                and (x["has_gauss"], x["gauss"]) == (y["has_gauss"], y["gauss"])
        elif isinstance(x, np.ndarray):
            same = isinstance(y, np.ndarray) and x.dtype == y.dtype and np.array_equal(x, y) \
                and x.flags.f_contiguous == y.flags.f_contiguous and x.flags.c_contiguous == y.flags.c_contiguous
        else:
            same = bool(np.all(x == y))
        if not same:
            out.append(name)
    return out


def verify_epoch_driver(estimator: Any) -> None:
    """Check once per class that :class:`SklearnEpochs` reproduces ``type(estimator).fit`` bit for bit.

    Both train a clone of ``estimator`` on a tiny problem (7 samples, batch size 3,
    3 epochs, float32 and float64, seeded by a shared ``RandomState``); every
    fitted attribute, the memory layouts and the final random state must agree.

    Raises
    ------
    SklearnMismatchError
        If they do not (or the driver cannot run), naming what differs.
    """
    cls = type(estimator)
    if cls in _VERIFIED:
        return
    import sklearn

    data = (np.random.default_rng(0).random((7, 5)) < 0.5)
    problems = []
    for dtype in (np.float64, np.float32):
        X = data.astype(dtype)
        probe = clone(estimator).set_params(n_components=4, batch_size=3, n_iter=3, learning_rate=0.1, verbose=0)
        reference = clone(probe).set_params(random_state=np.random.RandomState(1))
        driven = clone(probe).set_params(random_state=np.random.RandomState(1))
        reference.fit(X)
        try:
            trainer = _Unverified(driven, X)
            trainer.train()
        except Exception as exc:  # any failure of the private API is a mismatch
            problems.append(f"the driver fails on {np.dtype(dtype).name} data ({type(exc).__name__}: {exc})")
            continue
        diff = _differences(_fitted_state(reference, reference.random_state), _fitted_state(driven, trainer.rng))
        if diff:
            problems.append(f"{', '.join(diff)} differ on {np.dtype(dtype).name} data")
    if problems:
        raise SklearnMismatchError(
            f"scikit-learn {sklearn.__version__}: {cls.__module__}.{cls.__qualname__}.fit no longer matches deeprg's "
            f"epoch-by-epoch training of scikit-learn layers ({'; '.join(problems)}). deeprg was written against "
            f"scikit-learn {WRITTEN_FOR}: install that release, or update deeprg.rbm._sklearn_epochs to the new fit."
        )
    _VERIFIED.add(cls)
