"""Model files: a stack of RBM layers (a deep belief network) and training checkpoints.

:func:`save_model` and :func:`load_model` write and read them; the layout (every
variable and attribute name) is defined and documented in
:mod:`deeprg.io.model_format`, what a file holds in :mod:`deeprg.io.records`.
A single RBM is a stack of one layer. ``xarray.open_dataset(path)`` reads a
model file without deeprg.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from deeprg.io._model_read import model_from_dataset
from deeprg.io._model_write import model_to_dataset
from deeprg.io.container import read_dataset, write_dataset
from deeprg.io.model_format import FORMAT, FORMAT_VERSION
from deeprg.io.records import LayerRecord, ModelFile

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
