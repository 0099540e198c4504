"""Deep belief networks from given weights: networks trained elsewhere, or built by hand (private).

:meth:`deeprg.rbm.DeepBeliefNetwork.from_weights` calls :func:`network_from_weights`. The
result is made of fitted :class:`deeprg.rbm.BernoulliRBM` layers with ``n_iter = 0``,
``epoch_ = 0`` and an empty ``history_`` (nothing was trained here), and the network carries
``weights_given_ = True``, which :meth:`~deeprg.rbm.DeepBeliefNetwork.save` records in the model
file's config (``"weights": "given"``) and :meth:`~deeprg.rbm.DeepBeliefNetwork.load` restores.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import clone

from deeprg.errors import InvalidParameterError
from deeprg.rbm._params import DTYPES
from deeprg.rbm.estimator import BernoulliRBM


def _as_real(value: Any, what: str) -> NDArray:
    """``value`` as an array of real numbers (bool, integer or float), or a teaching error."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged nested lists
        raise InvalidParameterError(f"{what} must be an array of real numbers; could not read it ({exc}).") from exc
    if arr.dtype.kind not in "biuf":
        raise InvalidParameterError(
            f"{what} must hold real numbers (float32 or float64, or integers); got dtype {arr.dtype}."
        )
    return arr


def _common_dtype(arrays: Sequence[NDArray], dtype: str | None) -> str:
    """``dtype`` if given; else float32 when every array is float32, float64 otherwise."""
    if dtype is not None:
        if dtype not in DTYPES:
            raise InvalidParameterError(f"dtype must be 'float32', 'float64' or None; got {dtype!r}.")
        return dtype
    return "float32" if all(a.dtype == np.float32 for a in arrays) else "float64"


def _checked_biases(biases: Sequence[ArrayLike | None] | None, n_layers: int, sizes: list[int], what: str) -> list:
    """One bias vector per layer (None = zeros), each of the right length."""
    if biases is None:
        return [None] * n_layers
    if isinstance(biases, np.ndarray) or not isinstance(biases, Sequence):
        raise InvalidParameterError(
            f"{what} must be a list with one vector (or None) per layer; got {type(biases).__name__}."
        )
    if len(biases) != n_layers:
        raise InvalidParameterError(f"{what} has {len(biases)} entries but there are {n_layers} layers; give one per layer.")
    out = []
    for index, (bias, size) in enumerate(zip(biases, sizes, strict=True), start=1):
        if bias is None:
            out.append(None)
            continue
        arr = _as_real(bias, f"layer {index}: {what}")
        if arr.shape != (size,):
            raise InvalidParameterError(f"layer {index}: {what} must have shape ({size},); got {arr.shape}.")
        out.append(arr)
    return out


def _checked_weights(weights: Sequence[ArrayLike]) -> list[NDArray]:
    if isinstance(weights, np.ndarray) and weights.ndim == 2:
        raise InvalidParameterError(
            "weights must be a list of 2-D arrays, one per layer (bottom first); for one layer pass [W]."
        )
    if isinstance(weights, (str, bytes)) or not isinstance(weights, Sequence) or len(weights) == 0:
        raise InvalidParameterError(
            "weights must be a non-empty list of 2-D arrays of shape (n_hidden, n_visible), one per layer, "
            f"bottom first; got {type(weights).__name__}."
        )
    arrays = []
    for index, W in enumerate(weights, start=1):
        arr = _as_real(W, f"layer {index}: weights")
        if arr.ndim != 2 or 0 in arr.shape:
            raise InvalidParameterError(
                f"layer {index}: weights must be a non-empty 2-D array (n_hidden, n_visible), as scikit-learn's "
                f"components_; got shape {arr.shape}."
            )
        if arrays and arr.shape[1] != arrays[-1].shape[0]:
            raise InvalidParameterError(
                f"layer {index}: weights have {arr.shape[1]} columns but layer {index - 1} has "
                f"{arrays[-1].shape[0]} hidden units; each layer's W is (n_hidden, n_visible) and its n_visible must "
                "equal the n_hidden of the layer below (did you pass a transposed matrix?)."
            )
        arrays.append(arr)
    return arrays


def _finite(arr: NDArray, what: str) -> None:
    if not np.isfinite(arr).all():
        raise InvalidParameterError(f"{what} hold NaN or infinite values; only finite weights and biases can be analysed.")


def fitted_layer(W: NDArray, c: NDArray, b: NDArray, dtype: str) -> BernoulliRBM:
    """A fitted :class:`BernoulliRBM` with weights ``W`` (n_hidden, n_visible), hidden biases ``c``, visible ``b``."""
    layer = BernoulliRBM(n_components=int(W.shape[0]), n_iter=0, dtype=dtype)
    layer.components_ = W
    layer.intercept_hidden_ = c
    layer.intercept_visible_ = b
    layer.n_features_in_ = int(W.shape[1])
    layer.history_ = {}
    layer.epoch_ = 0
    return layer


def network_from_weights(
    cls: type,
    weights: Sequence[ArrayLike],
    hidden_biases: Sequence[ArrayLike | None] | None = None,
    visible_biases: Sequence[ArrayLike | None] | None = None,
    *,
    dtype: str | None = None,
) -> Any:
    """Build a fitted ``cls`` (a DeepBeliefNetwork) from given weights; see ``DeepBeliefNetwork.from_weights``."""
    arrays = _checked_weights(weights)
    n = len(arrays)
    c_list = _checked_biases(hidden_biases, n, [W.shape[0] for W in arrays], "hidden_biases")
    b_list = _checked_biases(visible_biases, n, [W.shape[1] for W in arrays], "visible_biases")
    dtype = _common_dtype(arrays + [a for a in c_list + b_list if a is not None], dtype)
    np_dtype = DTYPES[dtype]
    layers = []
    for index, (W, c, b) in enumerate(zip(arrays, c_list, b_list, strict=True), start=1):
        with np.errstate(over="ignore"):  # copies: later changes to the caller's arrays do not leak in
            W = np.array(W, dtype=np_dtype)
            c = np.zeros(W.shape[0], dtype=np_dtype) if c is None else np.array(c, dtype=np_dtype)
            b = np.zeros(W.shape[1], dtype=np_dtype) if b is None else np.array(b, dtype=np_dtype)
        for arr, what in ((W, "weights"), (c, "hidden biases"), (b, "visible biases")):
            _finite(arr, f"layer {index}: {what}")  # after the cast: float64 values beyond float32 overflow here
        layers.append(fitted_layer(W, c, b, dtype))
    dbn = cls([clone(layer) for layer in layers])
    dbn.layers_ = layers
    dbn.n_features_in_ = int(arrays[0].shape[1])
    dbn.weights_given_ = True
    return dbn
