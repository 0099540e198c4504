"""Parameter validation and storage of the Bernoulli RBM (private)."""

from __future__ import annotations

from typing import Any

import numpy as np

from deeprg._random import seed_of
from deeprg._validation import check_int, check_real
from deeprg.errors import InvalidParameterError
from deeprg.rbm.callbacks import Callback

PENALTY_METHODS = ("subgradient", "proximal")
DTYPES = {"float32": np.float32, "float64": np.float64}
#: Where the mini-batch updates run: NumPy (default) or torch (the ``torch`` extra) on a CPU or a CUDA GPU.
BACKENDS = ("numpy", "torch")
DEVICES = ("cpu", "cuda")
#: Parameters that say how a layer is computed, not what it is: left out of model files and checkpoints,
#: so that a checkpoint resumes on either backend.
EXECUTION_PARAMS = ("backend", "device")


def check_rbm_params(rbm: Any) -> None:
    """Validate the parameters of a :class:`~deeprg.rbm.BernoulliRBM` (at ``fit``, as scikit-learn does)."""
    check_int(rbm.n_components, "n_components", minimum=1)
    check_real(rbm.learning_rate, "learning_rate", minimum=0.0, strict=True)
    check_int(rbm.batch_size, "batch_size", minimum=1)
    check_int(rbm.n_iter, "n_iter", minimum=0)
    check_int(rbm.cd_k, "cd_k", minimum=1)
    check_real(rbm.l1, "l1", minimum=0.0)
    check_real(rbm.l2, "l2", minimum=0.0)
    for name in ("momentum", "final_momentum"):
        value = check_real(getattr(rbm, name), name, minimum=0.0)
        if value >= 1.0:
            raise InvalidParameterError(f"{name} must be in [0, 1); got {value}.")
    check_int(rbm.momentum_switch, "momentum_switch", minimum=0)
    check_real(rbm.init_std, "init_std", minimum=0.0)
    if rbm.penalty_method not in PENALTY_METHODS:
        raise InvalidParameterError(
            f"penalty_method must be one of {PENALTY_METHODS}; got {rbm.penalty_method!r}."
        )
    if rbm.dtype not in DTYPES:
        raise InvalidParameterError(f"dtype must be 'float32' or 'float64'; got {rbm.dtype!r}.")
    check_backend(getattr(rbm, "backend", "numpy"), getattr(rbm, "device", "cpu"))
    for cb in rbm.callbacks:
        if not isinstance(cb, Callback):
            raise InvalidParameterError(
                f"callbacks must be deeprg.rbm.callbacks.Callback instances; got {type(cb).__name__}."
            )


def check_backend(backend: str, device: str) -> None:
    """Validate ``backend`` and ``device``; for torch, that torch is installed and the device exists."""
    if backend not in BACKENDS:
        raise InvalidParameterError(f"backend must be one of {BACKENDS}; got {backend!r}.")
    if device not in DEVICES:
        raise InvalidParameterError(f"device must be one of {DEVICES}; got {device!r}.")
    if backend == "numpy":
        if device != "cpu":
            raise InvalidParameterError(
                f"device={device!r} runs on the torch backend; pass backend='torch' as well (the NumPy backend is CPU only)."
            )
        return
    from deeprg.rbm._torch_backend import torch_device

    torch_device(device)


def stored_params(estimator: Any) -> dict[str, Any]:
    """Parameters saved with a layer: ``get_params()`` without callbacks and execution settings
    (:data:`EXECUTION_PARAMS`), with an integer seed or None."""
    params = {k: v for k, v in estimator.get_params().items() if k != "callbacks" and k not in EXECUTION_PARAMS}
    params["random_state"] = seed_of(params.get("random_state"))
    return params
