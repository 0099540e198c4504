r"""Receptive fields of the hidden units of an RBM or a deep belief network.

Two notions are provided:

- :func:`receptive_fields`, Mehta & Schwab's *linear effective receptive field*: the rows of
  the product of the weight matrices of layers 1 to ``l``,

  .. math::

      R^{(l)} = W_l W_{l-1} \cdots W_1, \qquad R^{(l)} \in \mathbb{R}^{n_l \times n_v},

  where :math:`W_k` is the ``components_`` of layer ``k`` (shape ``(n_k, n_{k-1})``). It ignores
  the sigmoids between the layers and the biases.
- :func:`response_fields`, a data-driven field that keeps the nonlinearity: how much
  :math:`P(h_j = 1 \mid v)` of a unit of layer ``l`` changes when each visible spin is turned up,
  averaged over an ensemble (``method="flip"``), or the spike-triggered average of the spins
  (``method="sta"``).

Both return one image per unit, of shape ``(Ly, Lx)``: visible unit ``k`` is the lattice site
``(k // Lx, k % Lx)`` (row-major flattening).
"""

from __future__ import annotations

from typing import Any, Iterator, Literal, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from deeprg._random import RandomState, check_random_state
from deeprg._validation import check_int
from deeprg.errors import InvalidParameterError

__all__ = ["receptive_fields", "response_fields", "weight_products"]

#: Largest number of float64 values held by one temporary of :func:`response_fields` (64 MiB).
_CHUNK_ELEMENTS = 1 << 23


def fitted_layers(model: Any) -> list[Any]:
    """The fitted layers of a network, bottom first.

    Parameters
    ----------
    model : DeepBeliefNetwork, fitted RBM, or sequence of fitted RBMs
        Anything whose layers have ``components_`` of shape ``(n_hidden, n_visible)``
        and ``intercept_hidden_``; consecutive layers must chain (the visible size of a
        layer is the hidden size of the one below).

    Returns
    -------
    list
    """
    from deeprg.rbm.dbn import DeepBeliefNetwork

    if isinstance(model, DeepBeliefNetwork):
        if not hasattr(model, "layers_"):
            raise InvalidParameterError("the DeepBeliefNetwork is not fitted; call fit(X) before asking for its fields.")
        layers = list(model.layers_)
    elif hasattr(model, "components_") or (hasattr(model, "get_params") and not isinstance(model, (list, tuple))):
        layers = [model]
    elif isinstance(model, Sequence) and not isinstance(model, (str, bytes)):
        layers = list(model)
    else:
        raise InvalidParameterError(
            "expected a fitted DeepBeliefNetwork, a fitted RBM, or a list of fitted RBMs (bottom first); "
            f"got {type(model).__name__}."
        )
    if not layers:
        raise InvalidParameterError("the list of layers is empty; give at least one fitted RBM.")
    for index, layer in enumerate(layers, start=1):
        if not (hasattr(layer, "components_") and hasattr(layer, "intercept_hidden_")):
            raise InvalidParameterError(
                f"layer {index} ({type(layer).__name__}) is not a fitted RBM: it has no components_ "
                "and intercept_hidden_; fit it first."
            )
        W = np.asarray(layer.components_)
        if W.ndim != 2:
            raise InvalidParameterError(f"layer {index}: components_ must be 2-D (n_hidden, n_visible); got shape {W.shape}.")
        if index > 1:
            below = np.asarray(layers[index - 2].components_).shape[0]
            if W.shape[1] != below:
                raise InvalidParameterError(
                    f"layer {index} has {W.shape[1]} visible units but layer {index - 1} has {below} hidden "
                    "units; the layers do not form a stack."
                )
    return layers


def _check_layer_index(layer: Any, n_layers: int) -> int:
    return check_int(layer, "layer", minimum=1, maximum=n_layers,
                     hint=f" Layers are numbered from 1 (first hidden layer) to {n_layers}.")


def check_shape(shape: Any, n_visible: int) -> tuple[int, int]:
    """``shape`` as ``(Ly, Lx)`` with ``Ly * Lx == n_visible`` (an int ``L`` means ``(L, L)``)."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape, shape)
    if not (isinstance(shape, (tuple, list)) and len(shape) == 2):
        raise InvalidParameterError(f"shape must be a pair (Ly, Lx) of lattice sizes; got {shape!r}.")
    ly = check_int(shape[0], "shape[0]", minimum=1)
    lx = check_int(shape[1], "shape[1]", minimum=1)
    if ly * lx != n_visible:
        side = int(round(np.sqrt(n_visible)))
        hint = f"; for a square lattice use shape=({side}, {side})" if side * side == n_visible else ""
        raise InvalidParameterError(
            f"shape {(ly, lx)} has {ly * lx} sites but the network has {n_visible} visible units{hint}."
        )
    return ly, lx


def receptive_fields(model: Any, layer: int, shape: tuple[int, int] | int) -> NDArray[np.float64]:
    r"""Linear effective receptive fields of the units of one layer (Mehta & Schwab).

    .. math::

        R^{(l)} = W_l W_{l-1} \cdots W_1,

    with :math:`W_k` the ``components_`` (shape ``(n_k, n_{k-1})``) of layer ``k``. Row
    ``j`` of :math:`R^{(l)}` is the field of unit ``j`` of layer ``l``, shown as an image.

    Parameters
    ----------
    model : DeepBeliefNetwork, fitted RBM, or sequence of fitted RBMs
        A fitted network, or its fitted layers bottom first (deeprg or scikit-learn RBMs).
    layer : int
        Which hidden layer, from 1 (the first) to the number of layers.
    shape : (int, int) or int
        Lattice shape ``(Ly, Lx)`` of the visible units (``L`` means ``(L, L)``); visible
        unit ``k`` is site ``(k // Lx, k % Lx)``.

    Returns
    -------
    ndarray of float64, shape (n_units, Ly, Lx)
        One field per unit of ``layer``.

    Examples
    --------
    >>> fields = receptive_fields(dbn, layer=3, shape=(40, 40))  # doctest: +SKIP
    """
    layers = fitted_layers(model)
    k = _check_layer_index(layer, len(layers))
    *_, product = weight_products(layers[:k])
    ly, lx = check_shape(shape, product.shape[1])
    return product.reshape(product.shape[0], ly, lx)


def weight_products(layers: Sequence[Any]) -> Iterator[NDArray[np.float64]]:
    r"""The products :math:`W_1, W_2 W_1, \ldots, W_l \cdots W_1` of a stack's weights, bottom first.

    The rows of the ``k``-th product are the linear receptive fields of layer ``k``, flat
    (unlike :func:`receptive_fields`, the layers are not checked and no shape is applied).

    Parameters
    ----------
    layers : sequence of fitted RBMs
        Bottom first, each with ``components_`` of shape ``(n_k, n_{k-1})``.

    Yields
    ------
    ndarray of float64, shape (n_k, n_visible)
    """
    product: NDArray[np.float64] | None = None
    for fitted in layers:
        W = np.asarray(fitted.components_, dtype=np.float64)
        product = W if product is None else W @ product
        yield product


def _check_bits(X: ArrayLike, n_visible: int) -> NDArray[np.float64]:
    arr = np.asarray(X)
    if arr.ndim != 2:
        hint = " (flatten lattices row-major: X.reshape(len(X), -1))" if arr.ndim == 3 else ""
        raise InvalidParameterError(f"X must have shape (n_samples, n_visible); got shape {arr.shape}{hint}.")
    if arr.shape[1] != n_visible:
        raise InvalidParameterError(f"X has {arr.shape[1]} features but the network has {n_visible} visible units.")
    if arr.shape[0] == 0:
        raise InvalidParameterError("X holds no samples; give at least one configuration.")
    if arr.dtype.kind not in "biuf":
        raise InvalidParameterError(f"X must be numeric bits in {{0, 1}}; got dtype {arr.dtype}.")
    arr = arr.astype(np.float64)
    bad = (arr != 0) & (arr != 1)
    if np.any(bad):
        hint = (" (these look like spins: convert them with deeprg.ising.to_binary)"
                if np.all((arr == -1) | (arr == 1)) else "")
        raise InvalidParameterError(f"X must hold visible bits in {{0, 1}}; found {arr[bad].flat[0]!r}{hint}.")
    return arr


def _propagate(data: NDArray, layers: Sequence[Any]) -> NDArray[np.float64]:
    for fitted in layers:
        data = fitted.transform(data)
    return np.asarray(data, dtype=np.float64)


def response_fields(
    model: Any,
    layer: int,
    X: ArrayLike,
    *,
    shape: tuple[int, int] | int | None = None,
    method: Literal["flip", "sta"] = "flip",
    max_samples: int | None = 1000,
    random_state: RandomState = None,
) -> NDArray[np.float64]:
    r"""Data-driven receptive fields that keep the network's nonlinearity.

    With :math:`p_j(v) = P(h_j = 1 \mid v)` for unit ``j`` of ``layer`` (propagated up the
    stack as :meth:`DeepBeliefNetwork.transform` does) and :math:`v^{(i \to s)}` the
    configuration ``v`` with bit ``i`` set to ``s``:

    - ``method="flip"``: the mean response to turning spin ``i`` up,

      .. math::

          F_{ji} = \bigl\langle p_j(v^{(i\to 1)}) - p_j(v^{(i\to 0)}) \bigr\rangle_v ,

      i.e. the change of :math:`p_j` when spin ``i`` is flipped, signed by the direction of the
      flip. For a single RBM with weak weights this is :math:`\langle\sigma'\rangle W_{ji}`, the
      linear field rescaled. The first layer's flipped pre-activations are computed in closed
      form (:math:`x \pm W_{:, i}`); layers above receive all ``n_visible`` flipped states of each
      sample, so the cost is ``n_samples * n_visible`` forward passes through layers 2..``layer``.
    - ``method="sta"``: the spike-triggered average of the spins :math:`s = 2v - 1`,

      .. math::

          S_{ji} = E[s_i \mid h_j = 1] - E[s_i]
                 = \frac{\sum_n p_j(v_n)\, s_{n i}}{\sum_n p_j(v_n)} - \frac{1}{N}\sum_n s_{n i},

      with the probabilities :math:`p_j` as weights (deterministic: nothing is sampled).
      A unit whose probability is zero on every sample gets a row of NaN.

    Parameters
    ----------
    model : DeepBeliefNetwork, fitted RBM, or sequence of fitted RBMs
        The network (layers bottom first). For ``"flip"`` the first layer must compute
        :math:`\sigma(v W^\top + c)` from ``components_`` and ``intercept_hidden_``, as both
        deeprg's and scikit-learn's ``BernoulliRBM`` do.
    layer : int
        Hidden layer, from 1.
    X : array_like, shape (n_samples, n_visible)
        Visible bits in {0, 1} (an ensemble, e.g. ``samples.as_binary()``).
    shape : (int, int) or int, optional
        Lattice shape ``(Ly, Lx)``; default: square.
    method : {"flip", "sta"}, default "flip"
    max_samples : int or None, default 1000
        Use at most this many samples (a random subset without replacement when ``X`` has
        more); ``None`` uses them all. Without subsampling the result is deterministic.
    random_state : None, int, SeedSequence or Generator
        Chooses the subset.

    Returns
    -------
    ndarray of float64, shape (n_units, Ly, Lx)
    """
    layers = fitted_layers(model)
    k = _check_layer_index(layer, len(layers))
    W1 = np.asarray(layers[0].components_, dtype=np.float64)
    n_visible = W1.shape[1]
    if shape is None:
        side = int(round(np.sqrt(n_visible)))
        shape = (side, side) if side * side == n_visible else (1, n_visible)
    ly, lx = check_shape(shape, n_visible)
    if method not in ("flip", "sta"):
        raise InvalidParameterError(f"method must be 'flip' or 'sta'; got {method!r}.")
    data = _check_bits(X, n_visible)
    if max_samples is not None:
        max_samples = check_int(max_samples, "max_samples", minimum=1)
        if len(data) > max_samples:
            rng = check_random_state(random_state)
            data = data[np.sort(rng.choice(len(data), size=max_samples, replace=False))]
    if method == "sta":
        field = _spike_triggered_average(data, layers[:k])
    else:
        field = _flip_response(data, W1, np.asarray(layers[0].intercept_hidden_, dtype=np.float64), layers[1:k])
    return field.reshape(field.shape[0], ly, lx)


def _spike_triggered_average(data: NDArray[np.float64], layers: Sequence[Any]) -> NDArray[np.float64]:
    p = _propagate(data, layers)  # (n, n_units)
    spins = 2.0 * data - 1.0
    total = p.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        conditional = (p.T @ spins) / total[:, np.newaxis]
    return conditional - spins.mean(axis=0)


def _flip_response(
    data: NDArray[np.float64], W1: NDArray[np.float64], c1: NDArray[np.float64], upper: Sequence[Any]
) -> NDArray[np.float64]:
    n_hidden, n_visible = W1.shape
    widest = max([n_hidden] + [np.asarray(layer.components_).shape[0] for layer in upper])
    rows = max(1, _CHUNK_ELEMENTS // (n_visible * widest))
    WT = W1.T  # (n_visible, n_hidden): row i is the shift of the pre-activation when bit i turns on
    total: NDArray[np.float64] | None = None
    for r0 in range(0, len(data), rows):
        v = data[r0 : r0 + rows]
        sign = 1.0 - 2.0 * v  # +1 turns a 0 into a 1, -1 turns a 1 into a 0
        x = v @ W1.T + c1  # (r, n_hidden)
        base = _propagate(expit(x), upper)  # (r, n_units)
        flipped = expit(x[:, np.newaxis, :] + sign[:, :, np.newaxis] * WT[np.newaxis])  # (r, n_visible, n_hidden)
        flipped = _propagate(flipped.reshape(-1, n_hidden), upper).reshape(len(v), n_visible, -1)
        flipped -= base[:, np.newaxis, :]
        flipped *= sign[:, :, np.newaxis]  # p(bit on) - p(bit off), whichever way the flip went
        chunk = flipped.sum(axis=0)
        total = chunk if total is None else total + chunk
    return (total / len(data)).T
