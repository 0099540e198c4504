"""Model files: a stack of RBM layers (a deep belief network) and training checkpoints.

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
        layer_i_state_names_json       JSON list of the state names, in order
        layer_i_rng_state_json         numpy bit_generator.state as JSON (checkpoints, when present)

Consecutive layers chain: ``visible_{i+1} == hidden_i``. Every array keeps its
dtype, every value round-trips bit for bit, including RNG states with 128-bit
integers (PCG64) or arrays (MT19937, Philox, SFC64). Every non-scalar variable
is chunked and carries a Fletcher-32 checksum (weights and state arrays are also
gzip-compressed), so a damaged file fails to load instead of giving wrong
numbers. ``xarray.open_dataset(path)`` reads the file without deeprg.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from deeprg.io._model_read import model_from_dataset
from deeprg.io._model_write import model_to_dataset
from deeprg.io.container import (
    read_dataset,
    write_dataset,
)
from deeprg.io.records import FORMAT, FORMAT_VERSION, LayerRecord, ModelFile

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "LayerRecord",
    "ModelFile",
    "load_model",
    "model_from_dataset",
    "model_to_dataset",
    "save_model",
]


def save_model(
    layers: Sequence[LayerRecord],
    path: str | os.PathLike[str],
    *,
    config: Mapping[str, Any] | None = None,
    overwrite: bool = False,
    checkpoint: bool = False,
) -> Path:
    """Write a stack of RBM layers (or a checkpoint of one in training) to a model file, atomically.

    Everything is validated before anything is written; the file appears only
    when complete (temporary file, then ``os.replace``).

    Parameters
    ----------
    layers : sequence of LayerRecord
        Bottom layer first; a single RBM is a list of one.
    path : str or path-like
        Output file, conventionally ``*.nc``.
    config : mapping, optional
        Parameters of the run, stored as ``config_json``.
    overwrite : bool, default False
        Whether an existing file may be replaced.
    checkpoint : bool, default False
        Also store each layer's ``state`` arrays and ``rng_state`` so that
        training can resume bit for bit. Without it they are left out.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    InvalidParameterError
        If the layers are inconsistent (see :func:`model_to_dataset`).
    OutputExistsError
        If ``path`` exists and ``overwrite`` is False.
    UnwritablePathError
        If the directory does not exist or is not writable.

    See Also
    --------
    load_model
    """
    ds = model_to_dataset(layers, config=config, checkpoint=checkpoint)
    return write_dataset(ds, path, format=FORMAT, format_version=FORMAT_VERSION, config=config, overwrite=overwrite)


# --------------------------------------------------------------------------- reading


def load_model(path: str | os.PathLike[str]) -> ModelFile:
    """Read a model file or checkpoint written by :func:`save_model`.

    The whole file is read into memory and closed, so it may be overwritten afterwards.

    Parameters
    ----------
    path : str or path-like
        Model file.

    Returns
    -------
    ModelFile
        The layers (bottom first), config, checkpoint flag, writer version and
        creation time; identical, field by field, to what was saved.

    Raises
    ------
    FileFormatError
        If the file does not exist, is not netCDF4/HDF5, is truncated or
        corrupt, is another kind of deeprg file (e.g. an ensemble), was written
        by a newer deeprg, or does not hold a valid model.
    """
    ds = read_dataset(path, format=FORMAT, max_version=FORMAT_VERSION)
    return model_from_dataset(ds, source=os.fspath(path))
