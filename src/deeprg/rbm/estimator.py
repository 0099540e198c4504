"""A Bernoulli restricted Boltzmann machine as a scikit-learn estimator.

Training follows the schedule of Hinton & Salakhutdinov's ``rbm.m``, the code
Mehta & Schwab started from: momentum 0.5 switching to 0.9, weights initialised
as 0.1 N(0, 1), and a weight penalty inside the momentum update, where Mehta &
Schwab replaced weight decay by an L1 term. The negative phase is standard
CD-k on sampled visible states; ``rbm.m`` uses the mean-field reconstruction
P(v|h) there instead, which biases the model statistics (see
:func:`deeprg.rbm.functional.cd_statistics`). Unlike scikit-learn's ``BernoulliRBM`` it offers CD-k and
persistent CD, L1 / L2 / no penalty, momentum, reshuffling, float32 and a
deterministic pseudo-likelihood, and it can checkpoint and resume bit for bit.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from deeprg._random import RandomState, check_random_state
from deeprg.errors import InvalidParameterError
from deeprg.rbm import functional as F
from deeprg.rbm._cd_kernels import CDWorkspace
from deeprg.rbm._params import DTYPES as _DTYPES
from deeprg.rbm._params import check_rbm_params, stored_params
from deeprg.rbm._training import train_epochs
from deeprg.rbm.callbacks import Callback
from deeprg.rbm.monitoring import epoch_metrics

logger = logging.getLogger(__name__)



class BernoulliRBM(TransformerMixin, BaseEstimator):
    r"""Bernoulli-Bernoulli restricted Boltzmann machine trained by contrastive divergence.

    .. math::

        E(v, h) = -v^\top b - h^\top c - h^\top W v, \qquad v \in \{0,1\}^{n_\mathrm{features}},\ h \in \{0,1\}^{n_\mathrm{components}}.

    Each mini-batch step (``rbm.m``, with the penalty of Mehta & Schwab):

    .. math::

        \Delta W \leftarrow \mu \, \Delta W + \eta \left( \langle h v^\top\rangle_\mathrm{data}
            - \langle h v^\top\rangle_{\mathrm{CD}_k} - \lambda_1 \operatorname{sign} W - \lambda_2 W \right),
        \qquad W \leftarrow W + \Delta W,

    and likewise for the biases (which are not penalised).

    Parameters
    ----------
    n_components : int
        Number of hidden units.
    learning_rate : float, default 0.1
        Step size :math:`\eta`.
    batch_size : int, default 100
        Mini-batch size (also the number of persistent chains).
    n_iter : int, default 50
        Number of epochs.
    cd_k : int, default 1
        Gibbs steps of contrastive divergence.
    persistent : bool, default False
        Persistent CD (chains carried across mini-batches) instead of CD started at the data.
    l1 : float, default 0.0
        L1 penalty :math:`\lambda_1` on the weights (Mehta & Schwab use 2e-4).
    l2 : float, default 0.0
        L2 penalty (weight decay) :math:`\lambda_2` on the weights.
    penalty_method : {"subgradient", "proximal"}, default "subgradient"
        ``"subgradient"`` puts :math:`\lambda_1 \operatorname{sign} W` inside the momentum
        update (``rbm.m`` with weight decay replaced by L1); ``"proximal"`` instead
        soft-thresholds the weights by :math:`\eta \lambda_1` after each step, so that
        weights can become exactly zero.
    momentum : float, default 0.5
        Momentum :math:`\mu` of the first ``momentum_switch`` epochs.
    final_momentum : float, default 0.9
        Momentum afterwards.
    momentum_switch : int, default 5
        Epoch after which ``final_momentum`` is used.
    init_std : float, default 0.1
        Weights start as ``init_std * N(0, 1)``; biases start at zero.
    shuffle : bool, default True
        Reshuffle the training data every epoch.
    dtype : {"float32", "float64"}, default "float32"
        Floating-point type of the parameters and the computation.
    backend : {"numpy", "torch"}, default "numpy"
        Where the mini-batch updates run. ``"torch"`` needs the ``torch`` extra
        (``pip install "deeprg[torch]"``); the fitted attributes are NumPy arrays either way, so
        everything else (``transform``, model files, checkpoints) does not depend on it. Its Gibbs
        sampling draws from a ``torch.Generator`` seeded by this estimator's generator every epoch:
        the same ``random_state`` gives the same initial weights and mini-batch order as NumPy but
        other uniforms, so the two backends agree in distribution, not bit for bit.
    device : {"cpu", "cuda"}, default "cpu"
        The device of the torch backend (``"cuda"``: an NVIDIA GPU, with ``backend="torch"``).
        Neither ``backend`` nor ``device`` is stored in model files: a checkpoint resumes on either.
    random_state : None, int, SeedSequence or Generator
        Seed of initialisation, shuffling and Gibbs sampling.
    callbacks : sequence of Callback, default ()
        Called after every epoch (progress, :class:`~deeprg.rbm.callbacks.EarlyStopping`,
        :class:`~deeprg.rbm.callbacks.Checkpoint`).

    Attributes
    ----------
    components_ : ndarray, shape (n_components, n_features)
        Weights :math:`W`.
    intercept_hidden_ : ndarray, shape (n_components,)
        Hidden biases :math:`c`.
    intercept_visible_ : ndarray, shape (n_features,)
        Visible biases :math:`b`.
    history_ : dict of str to list of float
        Per-epoch metrics on a fixed subset of at most ``deeprg.rbm.monitoring.MONITOR_SAMPLES`` training
        samples (and of the held-out data given to ``fit``): ``pseudo_likelihood``
        (mean ``log P(v_i | v_-i)`` per spin), ``reconstruction_error``, ``weight_sparsity``
        (fraction of weights with magnitude below 1e-3 of the largest), ``time``
        (seconds), and with held-out data ``pseudo_likelihood_val`` and
        ``free_energy_gap`` (mean free energy of held-out minus training samples; it
        grows when the model overfits).
    epoch_ : int
        Epochs completed.
    n_features_in_ : int
        Number of visible units.
    """

    def __init__(
        self,
        n_components: int = 256,
        *,
        learning_rate: float = 0.1,
        batch_size: int = 100,
        n_iter: int = 50,
        cd_k: int = 1,
        persistent: bool = False,
        l1: float = 0.0,
        l2: float = 0.0,
        penalty_method: str = "subgradient",
        momentum: float = 0.5,
        final_momentum: float = 0.9,
        momentum_switch: int = 5,
        init_std: float = 0.1,
        shuffle: bool = True,
        dtype: str = "float32",
        random_state: RandomState = None,
        callbacks: Sequence[Callback] = (),
        backend: str = "numpy",
        device: str = "cpu",
    ) -> None:
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.cd_k = cd_k
        self.persistent = persistent
        self.l1 = l1
        self.l2 = l2
        self.penalty_method = penalty_method
        self.momentum = momentum
        self.final_momentum = final_momentum
        self.momentum_switch = momentum_switch
        self.init_std = init_std
        self.shuffle = shuffle
        self.dtype = dtype
        self.random_state = random_state
        self.callbacks = callbacks
        self.backend = backend
        self.device = device

    # ------------------------------------------------------------------ validation
    def _check_params(self) -> None:
        check_rbm_params(self)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = [self.dtype if self.dtype in _DTYPES else "float32"]
        return tags

    def _validate_X(self, X: ArrayLike, *, reset: bool, name: str = "X") -> NDArray[np.floating]:
        """Check shape, finiteness and values, and cast to ``dtype``."""
        dtype = _DTYPES.get(self.dtype, np.float32)
        try:
            X = validate_data(self, X, reset=reset, dtype=[dtype, np.float64], accept_sparse=False)
        except ValueError as exc:  # NaN, wrong feature count, empty or sparse input
            raise InvalidParameterError(f"{name}: {exc}") from exc
        return self._check_unit_interval(np.asarray(X, dtype=dtype), name)

    def _check_unit_interval(self, X: NDArray[np.floating], name: str) -> NDArray[np.floating]:
        """Visible units are bits, or probabilities of bits: refuse anything outside [0, 1]."""
        if X.size and (X.min() < 0 or X.max() > 1):
            bad = X[(X < 0) | (X > 1)].flat[0]
            hint = " (these look like spins: convert them with deeprg.ising.to_binary)" if np.all(np.isin(X, (-1, 1))) else ""
            raise InvalidParameterError(
                f"{name} must hold visible units in [0, 1] (bits, or their probabilities); found {bad!r}{hint}."
            )
        return X

    # ------------------------------------------------------------------ parameters
    @property
    def _params(self) -> tuple[NDArray, NDArray, NDArray]:
        return self.components_, self.intercept_visible_, self.intercept_hidden_

    def _initialize(self, n_features: int) -> None:
        dtype = _DTYPES[self.dtype]
        self._rng = check_random_state(self.random_state)
        self.components_ = (self.init_std * self._rng.standard_normal((self.n_components, n_features))).astype(dtype)
        self.intercept_hidden_ = np.zeros(self.n_components, dtype=dtype)
        self.intercept_visible_ = np.zeros(n_features, dtype=dtype)
        self._velocity = [np.zeros_like(p) for p in (self.components_, self.intercept_visible_, self.intercept_hidden_)]
        self._chain: NDArray | None = None
        self.history_: dict[str, list[float]] = {}
        self.epoch_ = 0

    # ------------------------------------------------------------------ training
    def fit(self, X: ArrayLike, y: Any = None, *, X_val: ArrayLike | None = None, resume: bool = False) -> "BernoulliRBM":
        """Train for ``n_iter`` epochs.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
            Training data in {0, 1} (values in [0, 1] are used as probabilities).
        y : ignored
        X_val : array_like, shape (n_val, n_features), optional
            Held-out data for ``pseudo_likelihood_val`` and ``free_energy_gap``.
        resume : bool, default False
            Continue from the current training state up to ``n_iter`` epochs in all,
            instead of starting afresh. After :meth:`load_checkpoint` this continues
            bit for bit; after a ``fit`` interrupted in memory it continues from
            wherever that epoch stopped.

        Returns
        -------
        self
        """
        self._check_params()
        if resume and not hasattr(self, "_rng"):
            raise InvalidParameterError(
                "there is no training state to resume: load a checkpoint (BernoulliRBM.load_checkpoint, "
                "written by save_checkpoint or the Checkpoint callback), not a model file."
            )
        train_epochs(RBMEpochs(self, X, X_val=X_val, resume=resume))
        return self

    def partial_fit(self, X: ArrayLike, y: Any = None) -> "BernoulliRBM":
        """Make one epoch of mini-batch updates over ``X`` (initialising the model if needed).

        Counts as an epoch for the momentum schedule (``epoch_`` increases); no metrics
        are recorded.

        Returns
        -------
        self
        """
        self._check_params()
        first = not hasattr(self, "_rng")
        X = self._validate_X(X, reset=first)
        if first:
            self._initialize(X.shape[1])
        self._sweep(X, self._current_momentum())
        self.epoch_ += 1
        return self

    def _current_momentum(self) -> float:
        return self.momentum if self.epoch_ < self.momentum_switch else self.final_momentum

    def _sweep(self, X: NDArray, momentum: float, *, fused: bool = True) -> None:
        """One pass of mini-batch updates over ``X``.

        ``fused`` runs :class:`deeprg.rbm._cd_kernels.CDWorkspace` (numba, no temporaries), which
        gives the same bits as ``fused=False``: :func:`~deeprg.rbm.functional.cd_statistics` and
        :meth:`_update` (NumPy, the reference).
        """
        if self.backend == "torch":
            from deeprg.rbm._torch_backend import torch_sweep

            torch_sweep(self, X, momentum)
            return
        order = self._rng.permutation(len(X)) if self.shuffle else np.arange(len(X))
        W = self.components_
        if not fused or not all(p.flags.c_contiguous for p in (*self._params, *self._velocity)):
            for start in range(0, len(X), self.batch_size):
                self._update(X[order[start : start + self.batch_size]], momentum)
            return
        X = np.ascontiguousarray(X, dtype=W.dtype)
        workspace = None
        settings = {"k": self.cd_k, "lr": float(self.learning_rate), "mu": float(momentum), "l1": float(self.l1),
                    "l2": float(self.l2), "proximal": self.penalty_method == "proximal"}
        for start in range(0, len(X), self.batch_size):
            rows = order[start : start + self.batch_size]
            if self.persistent and self._chain is None:
                # persistent chains start at the data of the first mini-batch, one per row
                self._chain = F.sample_bernoulli(X[rows], self._rng)
            if workspace is None:
                chains = None if not self.persistent else len(self._chain)
                workspace = CDWorkspace(W.shape[1], W.shape[0], min(self.batch_size, len(X)), chains, W.dtype)
            workspace.step(X, rows, *self._params, self._velocity, self._rng,
                           chain=self._chain if self.persistent else None, **settings)

    def _update(self, batch: NDArray, momentum: float) -> None:
        W, b, c = self._params
        if self.persistent and self._chain is None:
            # persistent chains start at the data of the first mini-batch, one per row
            self._chain = F.sample_bernoulli(batch, self._rng)
        dW, db, dc, chain_end = F.cd_statistics(
            batch, W, b, c, self._rng, k=self.cd_k, chain=self._chain if self.persistent else None
        )
        if self.persistent:
            self._chain = chain_end
        if self.l2:
            dW -= self.l2 * W
        if self.l1 and self.penalty_method == "subgradient":
            dW -= self.l1 * np.sign(W)
        lr = W.dtype.type(self.learning_rate)
        mu = W.dtype.type(momentum)
        proximal = self.l1 and self.penalty_method == "proximal"
        W_before = W.copy() if proximal else None
        for param, velocity, grad in zip((W, b, c), self._velocity, (dW, db, dc), strict=True):
            grad *= lr  # the gradients are fresh arrays: scale in place, no temporary
            velocity *= mu
            velocity += grad
            param += velocity
        if proximal:
            # soft thresholding, then the weights' velocity becomes their actual displacement
            # (proximal heavy ball), so that a weight held at zero stays at zero
            shrink = W.dtype.type(self.learning_rate * self.l1)
            np.copysign(np.maximum(np.abs(W) - shrink, 0, dtype=W.dtype), W, out=W)
            np.subtract(W, W_before, out=self._velocity[0])

    # ------------------------------------------------------------------ inference
    def transform(self, X: ArrayLike) -> NDArray[np.floating]:
        """Hidden activation probabilities :math:`P(h_j = 1 \\mid v)`, shape (n_samples, n_components)."""
        check_is_fitted(self)
        return F.hidden_probabilities(self._validate_X(X, reset=False), self.components_, self.intercept_hidden_)

    def sample_hidden(self, X: ArrayLike, random_state: RandomState = None) -> NDArray[np.floating]:
        """Sample hidden states from :math:`P(h \\mid v)`."""
        return F.sample_bernoulli(self.transform(X), check_random_state(random_state))

    def sample_visible(self, H: ArrayLike, random_state: RandomState = None) -> NDArray[np.floating]:
        """Sample visible states from :math:`P(v \\mid h)` for hidden states ``H`` (n_samples, n_components)."""
        return F.sample_bernoulli(self.visible_probabilities(H), check_random_state(random_state))

    def visible_probabilities(self, H: ArrayLike) -> NDArray[np.floating]:
        """Visible activation probabilities :math:`P(v_i = 1 \\mid h)`, shape (n_samples, n_features)."""
        check_is_fitted(self)
        H = np.asarray(H, dtype=self.components_.dtype)
        if H.ndim != 2 or H.shape[1] != self.n_components:
            raise InvalidParameterError(
                f"hidden states must have shape (n_samples, {self.n_components}); got {H.shape}."
            )
        return F.visible_probabilities(H, self.components_, self.intercept_visible_)

    def gibbs(self, V: ArrayLike, random_state: RandomState = None) -> NDArray[np.floating]:
        """One Gibbs step v -> h -> v' from visible states ``V``; returns the new visible states."""
        check_is_fitted(self)
        V = self._validate_X(V, reset=False, name="V")
        v_new, _ = F.gibbs_step(V, *self._params, check_random_state(random_state))
        return v_new

    def reconstruct(self, X: ArrayLike) -> NDArray[np.floating]:
        """Mean-field reconstruction :math:`P(v \\mid P(h \\mid v))`, shape (n_samples, n_features)."""
        return self.visible_probabilities(self.transform(X))

    def free_energy(self, X: ArrayLike) -> NDArray[np.floating]:
        """Free energy :math:`F(v)` of each sample, shape (n_samples,)."""
        check_is_fitted(self)
        return F.free_energy(self._validate_X(X, reset=False), *self._params)

    def score_samples(self, X: ArrayLike) -> NDArray[np.floating]:
        """Deterministic pseudo-log-likelihood per spin of each sample, shape (n_samples,).

        The mean over every site of :math:`\\log P(v_i \\mid v_{-i})`, unlike scikit-learn's
        estimate from one random site multiplied by ``n_features``. ``X`` must be binary.
        """
        check_is_fitted(self)
        return F.pseudo_log_likelihood(self._validate_X(X, reset=False), *self._params)

    # ------------------------------------------------------------------ persistence
    def to_record(self, *, checkpoint: bool = False):
        """The fitted model (and, for a checkpoint, its training state) as a :class:`deeprg.io.LayerRecord`."""
        from deeprg.io import LayerRecord

        check_is_fitted(self)
        params = stored_params(self)
        record = LayerRecord(
            components=self.components_,
            intercept_hidden=self.intercept_hidden_,
            intercept_visible=self.intercept_visible_,
            estimator="deeprg.rbm.BernoulliRBM",
            params=params,
            history={k: list(v) for k, v in self.history_.items()},
            epoch=self.epoch_,
        )
        if checkpoint:
            state = {
                "velocity_components": self._velocity[0],
                "velocity_intercept_visible": self._velocity[1],
                "velocity_intercept_hidden": self._velocity[2],
            }
            if self._chain is not None:
                state["persistent_chain"] = self._chain
            record.state = state
            record.rng_state = self._rng.bit_generator.state
        return record

    @classmethod
    def from_record(cls, record, *, callbacks: Sequence[Callback] = (), backend: str = "numpy",
                    device: str = "cpu") -> "BernoulliRBM":
        """Rebuild an estimator (with its training state if the record has one) from a :class:`deeprg.io.LayerRecord`.

        ``backend`` and ``device`` (not stored in records) say where a resumed training continues.
        """
        if record.estimator != "deeprg.rbm.BernoulliRBM":
            raise InvalidParameterError(
                f"this layer was trained by {record.estimator}, not deeprg.rbm.BernoulliRBM; "
                "load it with DeepBeliefNetwork.load."
            )
        params = dict(record.params)
        est = cls(**params, callbacks=callbacks, backend=backend, device=device)
        est.components_ = np.array(record.components)
        est.intercept_hidden_ = np.array(record.intercept_hidden)
        est.intercept_visible_ = np.array(record.intercept_visible)
        est.n_features_in_ = est.components_.shape[1]
        est.history_ = {k: list(v) for k, v in record.history.items()}
        est.epoch_ = int(record.epoch)
        if record.rng_state is not None:
            est._rng = np.random.Generator(getattr(np.random, record.rng_state["bit_generator"])())
            est._rng.bit_generator.state = record.rng_state
            state = record.state
            est._velocity = [np.array(state[f"velocity_{name}"]) for name in ("components", "intercept_visible", "intercept_hidden")]
            est._chain = np.array(state["persistent_chain"]) if "persistent_chain" in state else None
        return est

    def save_checkpoint(self, path: str | Path) -> Path:
        """Write a resumable checkpoint (atomically, replacing ``path``)."""
        from deeprg.io import save_model

        return save_model([self.to_record(checkpoint=True)], path, overwrite=True, checkpoint=True)

    @classmethod
    def load_checkpoint(cls, path: str | Path, *, callbacks: Sequence[Callback] = (), backend: str = "numpy",
                        device: str = "cpu") -> "BernoulliRBM":
        """Load a checkpoint written by :meth:`save_checkpoint`; continue with ``fit(X, resume=True)``.

        The training continues on ``backend`` and ``device``, whichever backend wrote the checkpoint.
        """
        from deeprg.io import load_model

        model = load_model(path)
        if not model.checkpoint or len(model.layers) != 1:
            raise InvalidParameterError(f"{path} is not a single-RBM checkpoint (write one with save_checkpoint).")
        return cls.from_record(model.layers[0], callbacks=callbacks, backend=backend, device=device)


class RBMEpochs:
    """Train a :class:`BernoulliRBM` one epoch at a time (the :class:`~deeprg.rbm._training.EpochTrainer` of deeprg's RBM).

    Parameters
    ----------
    estimator : BernoulliRBM
        Trained in place; its parameters must have been checked.
    X : array_like, shape (n_samples, n_features)
        Training data in [0, 1].
    X_val : array_like, shape (n_val, n_features), optional
        Held-out data for the held-out metrics.
    resume : bool, default False
        Continue from the estimator's training state (after :meth:`BernoulliRBM.from_record` of a
        checkpoint record, bit for bit) instead of initialising it.
    """

    def __init__(self, estimator: BernoulliRBM, X: ArrayLike, *, X_val: ArrayLike | None = None,
                 resume: bool = False) -> None:
        self.estimator = estimator
        self._X = estimator._validate_X(X, reset=not resume)
        self._X_val = None if X_val is None else estimator._validate_X(X_val, reset=False, name="X_val")
        if not resume:
            estimator._initialize(self._X.shape[1])

    @property
    def epoch(self) -> int:
        """Epochs completed."""
        return self.estimator.epoch_

    @property
    def n_epochs(self) -> int:
        """Epochs to reach: ``n_iter``."""
        return self.estimator.n_iter

    @property
    def callbacks(self) -> Sequence[Callback]:
        """The estimator's own callbacks."""
        return self.estimator.callbacks

    def run_epoch(self) -> dict[str, float]:
        """One sweep of mini-batch updates, then the epoch's metrics (appended to ``history_``)."""
        est, X = self.estimator, self._X
        start = time.perf_counter()
        est._sweep(X, est._current_momentum())
        est.epoch_ += 1
        logs = epoch_metrics(X, self._X_val, *est._params)
        logs["time"] = time.perf_counter() - start
        for key, value in logs.items():
            est.history_.setdefault(key, []).append(float(value))
        logger.debug("epoch %d: %s", est.epoch_, logs)
        return logs

    def to_record(self, *, checkpoint: bool = False) -> Any:
        """The layer (with its training state for a checkpoint) as a :class:`deeprg.io.LayerRecord`."""
        return self.estimator.to_record(checkpoint=checkpoint)
