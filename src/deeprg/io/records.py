"""What a model file holds: one :class:`LayerRecord` per RBM layer, read back as a :class:`ModelFile`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(eq=False)
class LayerRecord:
    """Everything stored for one RBM layer of a model file or checkpoint.

    Parameters
    ----------
    components : ndarray of shape (n_hidden, n_visible)
        Weights ``W``, float32 or float64 (scikit-learn's ``components_``).
    intercept_hidden : ndarray of shape (n_hidden,)
        Hidden biases, float32 or float64.
    intercept_visible : ndarray of shape (n_visible,)
        Visible biases, float32 or float64.
    estimator : str
        Import path of the layer's class, e.g. ``"deeprg.rbm.BernoulliRBM"`` or
        ``"sklearn.neural_network.BernoulliRBM"``.
    params : dict
        The estimator's ``get_params()``, JSON-compatible (drop callbacks
        first). Tuples come back as lists.
    history : dict of str to list of float
        Per-epoch metrics, all of the same length; stored as float64, so the
        values may be NaN or infinite.
    state : dict of str to ndarray
        Checkpoint-only arrays (``"velocity_components"``, ``"persistent_chain"``
        of shape (n_chains, n_visible), ``"h_samples"`` for scikit-learn layers,
        ...): any shape, dtype bool, integer, float32 or float64, finite; names
        made of ``[A-Za-z0-9_]``. Written only by ``save_model(..., checkpoint=True)``.
    rng_state : dict or None
        State of the random generator of the layer being trained:
        ``bit_generator.state`` of a ``Generator`` (deeprg layers) or
        ``RandomState.get_state(legacy=False)`` (scikit-learn layers); arbitrarily
        large integers and numpy arrays are kept exactly. Written only by
        checkpoints; in a network's checkpoint only the unfinished layer has one.
    epoch : int
        Epochs completed.

    Notes
    -----
    Records compare by identity (``eq=False``): arrays have no single truth value.
    """

    components: np.ndarray
    intercept_hidden: np.ndarray
    intercept_visible: np.ndarray
    estimator: str
    params: dict
    history: dict[str, list[float]] = field(default_factory=dict)
    state: dict[str, np.ndarray] = field(default_factory=dict)
    rng_state: dict | None = None
    epoch: int = 0


@dataclass(eq=False)
class ModelFile:
    """A loaded model file or checkpoint.

    Attributes
    ----------
    layers : list of LayerRecord
        Bottom (visible) layer first.
    config : dict
        The ``config_json`` of the file (``{}`` when none was given).
    checkpoint : bool
        Whether the file is a checkpoint (layers carry ``state`` and ``rng_state``).
    deeprg_version : str
        Version of deeprg that wrote the file.
    created : str
        Creation time, ISO 8601 in UTC.
    """

    layers: list[LayerRecord]
    config: dict
    checkpoint: bool
    deeprg_version: str
    created: str
