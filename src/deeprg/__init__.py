"""deeprg: does deep learning perform renormalization-group coarse graining?

A library and command-line tool that samples 2D Ising ensembles, trains
restricted Boltzmann machines and deep belief networks on them, and measures
whether what they learn behaves like block-spin renormalization
(Mehta & Schwab 2014, arXiv:1410.3831).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("deeprg")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

from deeprg.errors import DeepRGError, DeepRGWarning

__all__ = ["__version__", "DeepRGError", "DeepRGWarning"]
