"""The model file layout: every name the writer and the reader use, in one place.

A single RBM is a stack of one layer. Layout (``format = "deeprg.model"``,
``format_version = 1``), for every layer ``i = 0 .. n_layers - 1``::

    dimensions: hidden_i, visible_i, epoch_i, state_i_<name>_dim<k>
    variables:
        float   components_i(hidden_i, visible_i)     weights W (scikit-learn's name), float32 or float64
        float   intercept_hidden_i(hidden_i)          hidden biases
        float   intercept_visible_i(visible_i)        visible biases
        float64 history_i_<name>(epoch_i)             per-epoch metrics (may hold NaN, e.g. a missing split)
        any     state_i_<name>(state_i_<name>_dim0, ...)   checkpoints only: momentum buffers,
                                                      persistent chains, ... (bool, integer, float32/64)
    global attributes:
        format, format_version, deeprg_version, created, config_json   (see deeprg.io.container)
        n_layers                       number of layers
        checkpoint                     1 for a checkpoint (state and RNG state stored), else 0
        layer_i_estimator              e.g. "deeprg.rbm.BernoulliRBM"
        layer_i_params_json            the estimator's get_params() as JSON
        layer_i_epoch                  epochs completed
        layer_i_history_names_json     JSON list of the history names, in order
        layer_i_rng_state_json         numpy bit_generator.state as JSON (checkpoints, when present)
        layer_i_state_names_json       JSON list of the state names, in order

Consecutive layers chain: ``visible_{i+1} == hidden_i``. Every array keeps its
dtype, every value round-trips bit for bit, including RNG states with 128-bit
integers (PCG64) or arrays (MT19937, Philox, SFC64). Every non-scalar variable
is chunked and carries a Fletcher-32 checksum (weights of plain model files are
also gzip-compressed), so a damaged file fails to load instead of giving wrong
numbers. ``xarray.open_dataset(path)`` reads the file without deeprg.

The names are built only by :func:`layer_names`; the writer
(:mod:`deeprg.io._model_write`) and the reader (:mod:`deeprg.io._model_read`)
both use it, so they cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

__all__ = [
    "CHECKPOINT",
    "FORMAT",
    "FORMAT_VERSION",
    "N_LAYERS",
    "NAME",
    "STATE_KINDS",
    "WEIGHT_DTYPES",
    "LayerNames",
    "layer_names",
    "layer_of_variable",
]

FORMAT = "deeprg.model"
FORMAT_VERSION = 1

#: Global attribute: number of layers.
N_LAYERS = "n_layers"
#: Global attribute: 1 for a checkpoint, else 0.
CHECKPOINT = "checkpoint"

#: History and state names (they become parts of variable names).
NAME = re.compile(r"^[A-Za-z0-9_]+$")
#: dtypes allowed for weights and biases.
WEIGHT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
#: dtype kinds allowed for checkpoint state arrays (bool, signed, unsigned, float).
STATE_KINDS = "biuf"

# Prefixes of every per-layer variable: ``<prefix>_<i>`` or ``<prefix>_<i>_<name>``.
_PREFIXES = ("components", "intercept_hidden", "intercept_visible", "history", "state")
_LAYER_VARIABLE = re.compile(rf"^(?:{'|'.join(_PREFIXES)})_(\d+)(?:_|$)")


@dataclass(frozen=True)
class LayerNames:
    """Every dimension, variable and attribute name of one layer of a model file.

    Build it with :func:`layer_names`; the per-name variables of history and
    checkpoint state come from :meth:`history` and :meth:`state`.
    """

    index: int
    # dimensions
    hidden: str
    visible: str
    epochs: str
    # variables
    components: str
    intercept_hidden: str
    intercept_visible: str
    # global attributes
    estimator: str
    params_json: str
    epoch: str
    history_names_json: str
    rng_state_json: str
    state_names_json: str

    def history(self, name: str) -> str:
        """Variable holding the per-epoch metric ``name``, over dimension :attr:`epochs`."""
        return f"history_{self.index}_{name}"

    def state(self, name: str) -> str:
        """Variable holding the checkpoint state array ``name``."""
        return f"state_{self.index}_{name}"

    def state_dims(self, name: str, ndim: int) -> tuple[str, ...]:
        """Dimensions of :meth:`state` ``(name)``, one of its own per axis."""
        return tuple(f"{self.state(name)}_dim{k}" for k in range(ndim))


def layer_names(i: int) -> LayerNames:
    """The names of layer ``i`` (0 is the bottom, visible, layer)."""
    return LayerNames(
        index=i,
        hidden=f"hidden_{i}",
        visible=f"visible_{i}",
        epochs=f"epoch_{i}",
        components=f"components_{i}",
        intercept_hidden=f"intercept_hidden_{i}",
        intercept_visible=f"intercept_visible_{i}",
        estimator=f"layer_{i}_estimator",
        params_json=f"layer_{i}_params_json",
        epoch=f"layer_{i}_epoch",
        history_names_json=f"layer_{i}_history_names_json",
        rng_state_json=f"layer_{i}_rng_state_json",
        state_names_json=f"layer_{i}_state_names_json",
    )


def layer_of_variable(name: str) -> int | None:
    """The layer a per-layer variable belongs to (``"history_2_time"`` -> 2), or None for other names."""
    match = _LAYER_VARIABLE.match(name)
    return int(match.group(1)) if match else None
