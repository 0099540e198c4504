r"""The torch backend of :class:`deeprg.rbm.BernoulliRBM`: its epochs of CD-k / PCD-k on a CPU or a CUDA GPU (private).

Imported only by an estimator with ``backend="torch"`` (``import deeprg`` never imports torch).
Only the mini-batch updates of an epoch run in torch: the estimator keeps its parameters,
momentum buffers and persistent chains as NumPy arrays between epochs, so that monitoring,
``transform``, model files and checkpoints do not depend on the backend, and a checkpoint
written by one backend resumes on the other. On the CPU the tensors share memory with those
arrays; on a GPU the parameters travel once per epoch (a few MB) and the training data stay on
the device for as long as the same array is trained on.

Random numbers
--------------
The NumPy generator of the estimator (seeded from ``random_state``) initialises the weights and
shuffles the data exactly as on the NumPy backend; at the start of every epoch it also draws
the seed of a ``torch.Generator`` on the device, which draws the Gibbs sampling uniforms. The
uniforms of the two backends therefore differ: their trainings are equal in distribution, not
bit for bit. Within the torch backend a checkpoint (taken at an epoch's end) resumes bit for bit
on the same device.

The step (:func:`cd_step`) takes its uniforms from a callable, so that a test can hand the
same draws to both backends.
"""

from __future__ import annotations

import weakref
from types import ModuleType
from typing import Any, Callable

import numpy as np
from numpy.typing import NDArray

from deeprg.errors import InvalidParameterError

try:
    import torch
except ImportError:  # the estimator refuses backend="torch" through import_torch
    torch = None  # type: ignore[assignment]

#: ``uniform(shape)``: a tensor of that shape of uniforms in [0, 1), in the working dtype and device.
Uniforms = Callable[[tuple[int, ...]], "torch.Tensor"]

#: What the torch extra installs (the message of a missing torch).
INSTALL_HINT = 'pip install "deeprg[torch]"'


def import_torch() -> ModuleType:
    """``torch``, or an :class:`InvalidParameterError` that says how to install it."""
    if torch is None:
        raise InvalidParameterError(
            f"backend='torch' needs PyTorch, which is not installed: {INSTALL_HINT} (or use backend='numpy')."
        )
    return torch


def torch_device(device: str) -> "torch.device":
    """The ``torch.device`` for ``"cpu"`` or ``"cuda"``; a clear error when no CUDA GPU is visible."""
    import_torch()
    if device == "cuda" and not torch.cuda.is_available():
        build = "a CPU-only build" if torch.version.cuda is None else f"built for CUDA {torch.version.cuda}"
        raise InvalidParameterError(
            f"device='cuda' needs an NVIDIA GPU visible to PyTorch, and torch {torch.__version__} ({build}) sees "
            "none (torch.cuda.is_available() is False); use device='cpu', or run on a machine with a GPU and a "
            "CUDA build of torch."
        )
    return torch.device(device)


def _sample(p: "torch.Tensor", uniform: Uniforms) -> "torch.Tensor":
    """Bernoulli bits ``u < p`` in the dtype of ``p`` (as NumPy's ``sample_bernoulli``)."""
    return uniform(tuple(p.shape)).lt_(p)


def _conditional(x: "torch.Tensor", W: "torch.Tensor", bias: "torch.Tensor") -> "torch.Tensor":
    """``sigmoid(bias + x @ W)``: P(h|v) with ``W.T``, P(v|h) with ``W``."""
    return torch.addmm(bias, x, W).sigmoid_()


def cd_step(
    params: tuple["torch.Tensor", "torch.Tensor", "torch.Tensor"],
    velocity: tuple["torch.Tensor", "torch.Tensor", "torch.Tensor"],
    batch: "torch.Tensor",
    uniform: Uniforms,
    *,
    k: int,
    momentum: float,
    learning_rate: float,
    l1: float = 0.0,
    l2: float = 0.0,
    proximal: bool = False,
    chain: "torch.Tensor | None" = None,
) -> "torch.Tensor":
    r"""One mini-batch update of CD-k (or PCD-k with ``chain``), in place: the torch twin of ``BernoulliRBM._update``.

    The negative phase and the gradient are those of :func:`deeprg.rbm.functional.cd_statistics`
    (sampled hidden and visible states, hidden probabilities in the statistics), drawing its
    uniforms in the same order: per Gibbs step ``(m, n_hidden)`` then ``(m, n_visible)``. The
    update is ``rbm.m``'s heavy ball,
    :math:`\Delta \leftarrow \mu\Delta + \eta(g - \lambda_2 W - \lambda_1 \operatorname{sign} W)`,
    :math:`\theta \leftarrow \theta + \Delta`, or with ``proximal`` soft thresholding of the weights
    by :math:`\eta\lambda_1` after the step (the weights' velocity becomes their displacement).

    Parameters
    ----------
    params : (W, b, c) tensors, shapes (n_hidden, n_visible), (n_visible,), (n_hidden,)
        Updated in place.
    velocity : three tensors of the same shapes
        Momentum buffers, updated in place.
    batch : tensor, shape (n, n_visible)
        The mini-batch (bits or probabilities).
    uniform : callable
        ``uniform(shape)`` gives the sampling uniforms.
    k : int
        Gibbs steps.
    momentum, learning_rate, l1, l2 : float
    proximal : bool
        Apply ``l1`` by soft thresholding instead of its subgradient.
    chain : tensor, shape (m, n_visible), optional
        Persistent chains' visible bits (PCD); CD-k starts at ``batch``.

    Returns
    -------
    tensor, shape (m, n_visible)
        The chains' final visible bits (pass them back as ``chain`` for PCD).
    """
    W, b, c = params
    Wt = W.T
    ph0 = _conditional(batch, Wt, c)
    vk, ph = (batch, ph0) if chain is None else (chain, _conditional(chain, Wt, c))
    for _ in range(k):
        vk = _sample(_conditional(_sample(ph, uniform), W, b), uniform)
        ph = _conditional(vk, Wt, c)
    n, m = batch.shape[0], vk.shape[0]
    dW = (ph0.T @ batch).div_(n).addmm_(ph.T, vk, alpha=-1.0 / m)
    db = batch.mean(dim=0).sub_(vk.mean(dim=0))
    dc = ph0.mean(dim=0).sub_(ph.mean(dim=0))
    if l2:
        dW.sub_(W, alpha=l2)
    if l1 and not proximal:
        dW.sub_(W.sign(), alpha=l1)
    W_before = W.clone() if proximal and l1 else None
    for param, vel, grad in zip(params, velocity, (dW, db, dc), strict=True):
        vel.mul_(momentum).add_(grad, alpha=learning_rate)
        param.add_(vel)
    if W_before is not None:
        shrunk = W.abs().sub_(learning_rate * l1).clamp_(min=0)
        W.copy_(shrunk.mul_(W.sign()))
        torch.sub(W, W_before, out=velocity[0])
    return vk


# The training data on the device, kept while the same array is trained on (one at a time).
_DEVICE_DATA: dict[str, Any] = {}


def _device_data(X: NDArray, device: "torch.device") -> "torch.Tensor":
    """``X`` as a tensor on ``device``: shared memory on the CPU, one copy per array on a GPU."""
    if device.type == "cpu":
        return torch.from_numpy(X if X.flags.writeable else X.copy())
    ref = _DEVICE_DATA.get("array")
    if ref is None or ref() is not X or _DEVICE_DATA["device"] != device:
        _DEVICE_DATA.clear()  # free the previous array's copy first
        _DEVICE_DATA.update(array=weakref.ref(X), device=device, tensor=torch.from_numpy(np.ascontiguousarray(X)).to(device))
    return _DEVICE_DATA["tensor"]


class _OnDevice:
    """NumPy arrays as tensors on a device, written back by :meth:`sync` (a no-op where memory is shared)."""

    def __init__(self, device: "torch.device") -> None:
        self.device = device
        self._pairs: list[tuple[NDArray, "torch.Tensor"]] = []

    def __call__(self, array: NDArray) -> "torch.Tensor":
        tensor = torch.from_numpy(array).to(self.device)
        self._pairs.append((array, tensor))
        return tensor

    def sync(self) -> None:
        for array, tensor in self._pairs:
            if tensor.data_ptr() != array.ctypes.data:
                array[...] = tensor.cpu().numpy()


def _uniforms(seed: int, device: "torch.device", dtype: np.dtype) -> Uniforms:
    """``uniform(shape)`` from a ``torch.Generator`` on ``device`` seeded with ``seed``."""
    generator = torch.Generator(device=device)
    generator.manual_seed(seed)
    tdtype = torch.float32 if dtype == np.float32 else torch.float64

    def uniform(shape: tuple[int, ...]) -> "torch.Tensor":
        return torch.rand(shape, generator=generator, device=device, dtype=tdtype)

    return uniform


def torch_sweep(estimator: Any, X: NDArray, momentum: float, uniform: Uniforms | None = None) -> None:
    """One epoch of mini-batch updates of ``estimator`` over ``X`` in torch (``BernoulliRBM._sweep`` with ``backend="torch"``).

    Parameters
    ----------
    estimator : BernoulliRBM
        Initialised (``_rng``, parameters, ``_velocity``, ``_chain``); its arrays are updated.
    X : ndarray, shape (n_samples, n_features)
        Training data in the estimator's dtype.
    momentum : float
        This epoch's momentum.
    uniform : callable, optional
        ``uniform(shape)``: the sampling uniforms (a test's); default a ``torch.Generator`` on the
        device seeded from the estimator's NumPy generator.
    """
    device = torch_device(estimator.device)
    est = estimator
    order = est._rng.permutation(len(X)) if est.shuffle else np.arange(len(X))
    seed = int(est._rng.integers(2**63 - 1))
    uniform = uniform or _uniforms(seed, device, est.components_.dtype)

    on_device = _OnDevice(device)
    params = tuple(on_device(p) for p in est._params)
    velocity = tuple(on_device(v) for v in est._velocity)
    chain = None if est._chain is None else torch.from_numpy(est._chain).to(device)
    data, rows = _device_data(X, device), torch.from_numpy(order).to(device)
    settings = {"k": est.cd_k, "momentum": float(momentum), "learning_rate": float(est.learning_rate),
                "l1": float(est.l1), "l2": float(est.l2), "proximal": est.penalty_method == "proximal"}
    with torch.no_grad():
        for start in range(0, len(X), est.batch_size):
            batch = data.index_select(0, rows[start : start + est.batch_size])
            if est.persistent and chain is None:  # chains start at the first mini-batch's data, as in NumPy
                chain = _sample(batch, uniform)
            end = cd_step(params, velocity, batch, uniform, chain=chain if est.persistent else None, **settings)
            if est.persistent:
                chain = end
    on_device.sync()
    if est.persistent:
        est._chain = chain.cpu().numpy().copy()
