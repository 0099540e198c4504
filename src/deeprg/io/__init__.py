"""Reading and writing deeprg files.

All deeprg files share one container: netCDF4/HDF5, readable with plain
``xarray.open_dataset``, carrying ``format``, ``format_version``,
``deeprg_version``, ``created`` and ``config_json`` attributes, and written
atomically (temporary file, then ``os.replace``).

- :func:`save_ensemble` / :func:`load_ensemble`: Monte Carlo ensembles
  (:class:`~deeprg.ising.sampleset.SampleSet`).
- :func:`save_model` / :func:`load_model`: stacks of RBM layers (a DBN; one RBM is
  a stack of one) as :class:`LayerRecord` lists, and training checkpoints.
- :func:`write_dataset` / :func:`read_dataset`: the shared container, for new formats.

The ensemble layout is documented in :mod:`deeprg.io.ensemble`; the model layout
(every variable and attribute name, built by :func:`deeprg.io.model_format.layer_names`
for both the writer and the reader) in :mod:`deeprg.io.model_format`.

- :func:`atomic_path` / :func:`check_writable`: atomic writes of any file, and
  the up-front check a long run should do before it starts.
"""

from deeprg.io.atomic import (
    OutputExistsError,
    UnwritablePathError,
    atomic_path,
    check_directory,
    check_writable,
)
from deeprg.io.container import MissingFileError, file_format, read_dataset, write_dataset
from deeprg.io.ensemble import (
    FORMAT as ENSEMBLE_FORMAT,
)
from deeprg.io.ensemble import (
    FORMAT_VERSION as ENSEMBLE_FORMAT_VERSION,
)
from deeprg.io.ensemble import (
    ensemble_from_dataset,
    ensemble_to_dataset,
    load_ensemble,
    save_ensemble,
)
from deeprg.io.model import (
    FORMAT as MODEL_FORMAT,
)
from deeprg.io.model import (
    FORMAT_VERSION as MODEL_FORMAT_VERSION,
)
from deeprg.io.model import (
    LayerRecord,
    ModelFile,
    load_model,
    model_from_dataset,
    model_to_dataset,
    save_model,
)

__all__ = [
    "ENSEMBLE_FORMAT",
    "ENSEMBLE_FORMAT_VERSION",
    "LayerRecord",
    "MODEL_FORMAT",
    "MODEL_FORMAT_VERSION",
    "MissingFileError",
    "file_format",
    "ModelFile",
    "OutputExistsError",
    "UnwritablePathError",
    "atomic_path",
    "check_directory",
    "check_writable",
    "ensemble_from_dataset",
    "ensemble_to_dataset",
    "load_ensemble",
    "load_model",
    "model_from_dataset",
    "model_to_dataset",
    "read_dataset",
    "save_ensemble",
    "save_model",
    "write_dataset",
]
