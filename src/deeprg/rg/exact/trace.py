r"""The trace condition of variational RG, checked by exhaustive enumeration.

Mehta & Schwab (2014) phrase Kadanoff's variational renormalization group in the
language of RBMs. A coarse-graining operator :math:`T(v, h)` (a log-kernel
between the visible spins :math:`v` and the coarse spins :math:`h`) defines the
coarse Hamiltonian

.. math::

    e^{-H'[h]} = \operatorname{Tr}_v\, e^{T(v, h) - H[v]},

and the transformation is exact (it preserves the partition function,
:math:`\operatorname{Tr}_h e^{-H'[h]} = \operatorname{Tr}_v e^{-H[v]}`) when the
**trace condition** holds for every visible configuration:

.. math::

    \operatorname{Tr}_h\, e^{T(v, h)} = 1 \quad \forall v .

With an RBM of joint energy :math:`E(v, h)` and :math:`T(v, h) = -E(v, h) + H[v]`
(their eq. 18), the RBM's hidden marginal is :math:`e^{-H'[h]}/Z` and the trace
condition says :math:`\operatorname{Tr}_h e^{-E(v,h)} = e^{-H[v]}`: the RBM's
visible marginal *is* the Boltzmann distribution of :math:`H`. :func:`rbm_trace_distance`
measures how far a (trained) RBM is from that.

Conventions
-----------
Physics is written in spins :math:`s \in \{-1, +1\}`; the RBM functions of
:mod:`deeprg.rbm.functional` use bits :math:`x \in \{0, 1\}` with
:math:`s = 2x - 1` (spin up is bit 1, as in :func:`deeprg.ising.to_binary`).
Enumerated states follow :func:`deeprg.ising.exact.enumerate_states`: state ``k``
has spin ``i`` up exactly when bit ``i`` of ``k`` is 1 (see :func:`spin_states`).
Every "Hamiltonian" here is dimensionless (:math:`\beta H`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from deeprg._validation import check_int, check_rbm_parameters, check_real
from deeprg.errors import InvalidParameterError
from deeprg.rbm.functional import free_energy, log_partition_function
from deeprg.rg.exact.spinbasis import (
    MAX_ENUMERATION_SPINS,
    _bilinear_arrays,
    _spin_states,
    bernoulli_to_spin,
    spin_product_expansion,
    spin_states,
    spin_to_bernoulli,
)

__all__ = [
    "MAX_ENUMERATION_SPINS",
    "TraceDistance",
    "bernoulli_to_spin",
    "coarse_grained_hamiltonian",
    "rbm_trace_distance",
    "spin_product_expansion",
    "spin_states",
    "spin_to_bernoulli",
    "trace_condition_violation",
]


#: At most this many (visible, hidden) pairs are held in memory at once (32 MiB of float64).
_CHUNK_PAIRS = 2**22

#: An operator: a callable ``T(v, h)`` of spins, ``v`` of shape ``(a, n_visible)`` and ``h`` of
#: shape ``(b, n_hidden)``, returning the ``(a, b)`` matrix of :math:`T(v_\alpha, h_\beta)`
#: (``-inf`` allowed: a hard constraint); or RBM parameters ``(W, b, c, const)`` in bits,
#: meaning :math:`T(x, y) = y^\top W x + b^\top x + c^\top y + \mathrm{const}`.
Operator = Union[Callable[[NDArray[np.int8], NDArray[np.int8]], ArrayLike], tuple]


# ---------------------------------------------------------------------- states and bases
def _check_sizes(n_visible: Any, n_hidden: Any) -> tuple[int, int]:
    n_visible = check_int(n_visible, "n_visible", minimum=1)
    n_hidden = check_int(n_hidden, "n_hidden", minimum=1)
    if n_visible + n_hidden > MAX_ENUMERATION_SPINS:
        raise InvalidParameterError(
            f"exact enumeration visits 2^(n_visible + n_hidden) = 2^{n_visible + n_hidden} joint states, above "
            f"the limit of 2^{MAX_ENUMERATION_SPINS} (MAX_ENUMERATION_SPINS); got n_visible={n_visible}, "
            f"n_hidden={n_hidden}. Use a smaller system (e.g. a ring of <= 14 spins for the 1D decimation)."
        )
    return n_visible, n_hidden


def _operator_block(T: Callable, v: NDArray[np.int8], h: NDArray[np.int8]) -> NDArray[np.float64]:
    out = np.asarray(T(v, h), dtype=np.float64)
    if out.shape != (v.shape[0], h.shape[0]):
        raise InvalidParameterError(
            f"the operator must return the matrix T(v_a, h_b) of shape (n_v, n_h) = {(v.shape[0], h.shape[0])} "
            f"for spins v of shape {v.shape} and h of shape {h.shape}; it returned shape {out.shape}."
        )
    if np.any(np.isnan(out)) or np.any(out == np.inf):
        raise InvalidParameterError("the operator returned NaN or +inf; T must be finite or -inf (a hard constraint).")
    return out


def _visible_chunks(n_visible: int, n_hidden: int):
    rows = max(1, _CHUNK_PAIRS >> n_hidden)
    for start in range(0, 2**n_visible, rows):
        stop = min(start + rows, 2**n_visible)
        yield start, stop, _spin_states(n_visible, start, stop)


def _resolve(operator: Any, n_visible: Any, n_hidden: Any) -> tuple[Callable, int, int, tuple | None]:
    """Turn any accepted operator into ``(T, n_visible, n_hidden, parameters)``.

    ``parameters`` is ``(W, b, c, const)`` in bits when the operator was given as RBM
    parameters (``T`` is then their bilinear form in spins), ``None`` otherwise.
    """
    if hasattr(operator, "operator") and callable(operator.operator):  # e.g. DecimationRBM
        sizes = (getattr(operator, "n_visible", None), getattr(operator, "n_hidden", None))
        for name, given, actual in zip(("n_visible", "n_hidden"), (n_visible, n_hidden), sizes, strict=True):
            if given is not None and actual is not None and given != actual:
                raise InvalidParameterError(f"{name}={given!r} does not match the operator's {name}={actual}.")
        return _resolve(
            operator.operator, sizes[0] if n_visible is None else n_visible, sizes[1] if n_hidden is None else n_hidden
        )
    if isinstance(operator, tuple) and len(operator) in (3, 4):
        W, b, c, *rest = operator
        W, b, c, const = _bilinear_arrays(W, b, c, rest[0] if rest else 0.0)
        for name, given, actual in (("n_visible", n_visible, W.shape[1]), ("n_hidden", n_hidden, W.shape[0])):
            if given is not None and given != actual:
                raise InvalidParameterError(
                    f"{name}={given!r} does not match W of shape (n_hidden, n_visible) = {W.shape}; omit it or fix it."
                )

        def bilinear(v: NDArray[np.int8], h: NDArray[np.int8]) -> NDArray[np.float64]:
            x, y = (v > 0).astype(np.float64), (h > 0).astype(np.float64)
            return x @ (W.T @ y.T) + (x @ b)[:, None] + (y @ c)[None, :] + const

        return bilinear, W.shape[1], W.shape[0], (W, b, c, const)
    if callable(operator):
        if n_visible is None or n_hidden is None:
            raise InvalidParameterError("n_visible and n_hidden are required when the operator is a plain callable.")
        return operator, check_int(n_visible, "n_visible", minimum=1), check_int(n_hidden, "n_hidden", minimum=1), None
    raise InvalidParameterError(
        "operator must be a callable T(v, h) -> (n_v, n_h) matrix of spins, RBM parameters (W, b, c[, const]) "
        f"in the {{0, 1}} convention, or an object with an .operator method; got {type(operator).__name__}."
    )


def trace_condition_violation(operator: Operator, n_visible: int | None = None, n_hidden: int | None = None) -> float:
    r"""Largest violation of the trace condition, by enumerating every configuration.

    .. math::

        \max_v \Bigl|\ln \sum_h e^{T(v, h)}\Bigr| ,

    zero exactly when :math:`\operatorname{Tr}_h e^{T(v,h)} = 1` for every :math:`v`.
    For RBM parameters (bits, :math:`T(x,y) = y^\top W x + b^\top x + c^\top y + \mathrm{const}`)
    the hidden sum is analytic, :math:`\ln \sum_y e^{T(x, y)} = \mathrm{const} - F(x)` with
    :math:`F` the free energy of :func:`deeprg.rbm.functional.free_energy`, so only the
    visible layer is enumerated.

    Parameters
    ----------
    operator : callable, tuple or object with an ``operator`` method
        ``T(v, h)`` taking spins ``v`` of shape ``(a, n_visible)`` and ``h`` of shape
        ``(b, n_hidden)`` (int8, values in {-1, +1}) and returning the ``(a, b)`` matrix
        :math:`T(v_\alpha, h_\beta)`, with ``-inf`` for forbidden pairs; or ``(W, b, c)`` /
        ``(W, b, c, const)`` in the {0, 1} convention of :mod:`deeprg.rbm.functional`;
        or an object such as :class:`~deeprg.rg.exact.exact1d.DecimationRBM` with an ``operator``
        method and ``n_visible``, ``n_hidden`` attributes.
    n_visible, n_hidden : int, optional
        Layer sizes; required for a plain callable, inferred otherwise.
        ``n_visible + n_hidden <= MAX_ENUMERATION_SPINS`` for a callable,
        ``n_visible <= MAX_ENUMERATION_SPINS`` for parameters.

    Returns
    -------
    float
        The violation in nats (``inf`` if some :math:`v` has no allowed :math:`h`).

    Raises
    ------
    InvalidParameterError
        If the sizes are missing, inconsistent or too large to enumerate.

    Examples
    --------
    >>> import numpy as np
    >>> tie = lambda v, h: 0.7 * (v @ h.T) - np.log(2 * np.cosh(0.7))   # one hidden spin per visible spin
    >>> trace_condition_violation(tie, 1, 1) < 1e-15
    True
    """
    T, n_visible, n_hidden, parameters = _resolve(operator, n_visible, n_hidden)
    if parameters is not None:
        W, b, c, const = parameters
        if n_visible > MAX_ENUMERATION_SPINS:
            raise InvalidParameterError(
                f"enumeration visits 2^n_visible = 2^{n_visible} states, above the limit of "
                f"2^{MAX_ENUMERATION_SPINS} (MAX_ENUMERATION_SPINS)."
            )
        worst = 0.0
        rows = max(1, _CHUNK_PAIRS // (n_visible + n_hidden))
        for start in range(0, 2**n_visible, rows):
            x = (_spin_states(n_visible, start, min(start + rows, 2**n_visible)) > 0).astype(np.float64)
            worst = max(worst, float(np.max(np.abs(const - free_energy(x, W, b, c)))))
        return worst
    n_visible, n_hidden = _check_sizes(n_visible, n_hidden)
    h = _spin_states(n_hidden, 0, 2**n_hidden)
    worst = 0.0
    for _, _, v in _visible_chunks(n_visible, n_hidden):
        with np.errstate(divide="ignore"):
            log_trace = logsumexp(_operator_block(T, v, h), axis=1)
        worst = max(worst, float(np.max(np.abs(log_trace))))
    return worst


def coarse_grained_hamiltonian(
    operator: Operator,
    hamiltonian: Callable[[NDArray[np.int8]], ArrayLike] | ArrayLike,
    n_visible: int | None = None,
    n_hidden: int | None = None,
) -> NDArray[np.float64]:
    r"""The coarse Hamiltonian of an RG step, on every hidden configuration, by enumeration.

    .. math::

        H'[h] = -\ln \sum_v e^{T(v, h) - H[v]} .

    Parameters
    ----------
    operator : callable, tuple or object with an ``operator`` method
        The operator, as in :func:`trace_condition_violation`.
    hamiltonian : callable or array_like of shape (2**n_visible,)
        The dimensionless visible Hamiltonian :math:`H[v]`: a callable taking spins of
        shape ``(a, n_visible)`` and returning ``(a,)`` values, or its values on every
        configuration in :func:`spin_states` order (e.g. the output of a previous call,
        to stack RG steps).
    n_visible, n_hidden : int, optional
        Layer sizes (required for a plain callable), ``n_visible + n_hidden <= MAX_ENUMERATION_SPINS``.

    Returns
    -------
    ndarray of float64, shape (2**n_hidden,)
        :math:`H'` in :func:`spin_states` order; ``inf`` for configurations of probability 0.
    """
    T, n_visible, n_hidden, _ = _resolve(operator, n_visible, n_hidden)
    n_visible, n_hidden = _check_sizes(n_visible, n_hidden)
    table = None
    if not callable(hamiltonian):
        table = np.asarray(hamiltonian, dtype=np.float64)
        if table.shape != (2**n_visible,):
            raise InvalidParameterError(
                f"hamiltonian must be a callable H(v) or its values on all 2**n_visible = {2**n_visible} "
                f"configurations; got an array of shape {table.shape}."
            )
        if np.any(np.isnan(table)) or np.any(table == -np.inf):
            raise InvalidParameterError("hamiltonian values must not be NaN or -inf.")
    h = _spin_states(n_hidden, 0, 2**n_hidden)
    log_weight = np.full(2**n_hidden, -np.inf)
    for start, stop, v in _visible_chunks(n_visible, n_hidden):
        H = table[start:stop] if table is not None else np.asarray(hamiltonian(v), dtype=np.float64)
        if H.shape != (stop - start,):
            raise InvalidParameterError(
                f"hamiltonian(v) must return one value per configuration, shape ({stop - start},); got {H.shape}."
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            block = logsumexp(_operator_block(T, v, h) - H[:, None], axis=0)
        log_weight = np.logaddexp(log_weight, block)
    return -log_weight


# ---------------------------------------------------------------------- a trained RBM versus the Ising model
@dataclass(frozen=True)
class TraceDistance:
    r"""How far an RBM is from an exact RG step of the Ising model (see :func:`rbm_trace_distance`).

    Attributes
    ----------
    kl_divergence : float
        :math:`D_\mathrm{KL}(p_\mathrm{Ising} \,\|\, p_\mathrm{RBM})` in nats.
    total_variation : float
        :math:`\tfrac12 \sum_v |p_\mathrm{Ising}(v) - p_\mathrm{RBM}(v)|`, in [0, 1].
    mean_log_trace : float
        :math:`\sum_v p_\mathrm{Ising}(v)\, |\ln \operatorname{Tr}_h e^{T(v,h)}|` in nats.
    max_log_trace : float
        :math:`\max_v |\ln \operatorname{Tr}_h e^{T(v,h)}|` in nats.
    log_normalization : float
        The constant :math:`\ln Z_\mathrm{Ising} - \ln Z_\mathrm{RBM}` included in :math:`T`.
    """

    kl_divergence: float
    total_variation: float
    mean_log_trace: float
    max_log_trace: float
    log_normalization: float


def _rbm_parameters(rbm: Any) -> tuple[NDArray, NDArray, NDArray]:
    if hasattr(rbm, "components_"):
        return rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_
    if isinstance(rbm, tuple) and len(rbm) == 3:
        return rbm
    if hasattr(rbm, "fit") and hasattr(rbm, "n_components"):
        raise InvalidParameterError(f"{type(rbm).__name__} is not fitted yet; call fit(X) first.")
    raise InvalidParameterError(
        f"rbm must be a fitted BernoulliRBM or a tuple (W, b, c) in the {{0, 1}} convention; got {type(rbm).__name__}."
    )


def rbm_trace_distance(rbm: Any, beta: float, *, coupling: float = 1.0) -> TraceDistance:
    r"""How far an RBM on an ``L x L`` torus is from an exact RG step of the Ising model.

    Take the Ising Hamiltonian :math:`H[v] = -\beta J \sum_{\langle ij \rangle} v_i v_j` on the
    torus (:class:`deeprg.ising.IsingModel`), an RBM of joint energy :math:`E(v, h)` with visible
    marginal :math:`p_\mathrm{RBM}(v) = e^{-F(v)}/Z_\mathrm{RBM}`, and Mehta & Schwab's operator
    (eq. 18) built with the *physical* Hamiltonian,

    .. math::

        T(v, h) = -E(v, h) + H[v] + \ln Z_\mathrm{RBM}^{-1} Z_\mathrm{Ising}
        \quad\Longrightarrow\quad
        \ln \operatorname{Tr}_h e^{T(v, h)} = \ln \frac{p_\mathrm{RBM}(v)}{p_\mathrm{Ising}(v)} .

    The constant is the unique one that makes the trace condition hold on average,
    :math:`\sum_v p_\mathrm{Ising}(v) \operatorname{Tr}_h e^{T(v,h)} = 1` (a constant in
    :math:`T` only shifts :math:`H'` by a constant). With it, :math:`e^{-H'[h]} =
    \operatorname{Tr}_v e^{T - H}` is proportional to the RBM's hidden marginal, and the RBM
    performs an exact RG step of the Ising model (the trace condition holds for every
    :math:`v`) exactly when :math:`p_\mathrm{RBM} = p_\mathrm{Ising}`. (Using the RBM's own
    free energy for :math:`H`, as in eq. 18, satisfies the trace condition identically and
    measures nothing.) Reported, all zero exactly in that case:

    .. math::

        D_\mathrm{KL} = \sum_v p_\mathrm{Ising} \ln\frac{p_\mathrm{Ising}}{p_\mathrm{RBM}}, \quad
        \mathrm{TV} = \tfrac12 \sum_v |p_\mathrm{Ising} - p_\mathrm{RBM}|, \quad
        \sum_v p_\mathrm{Ising} \Bigl|\ln\frac{p_\mathrm{RBM}}{p_\mathrm{Ising}}\Bigr|, \quad
        \max_v \Bigl|\ln\frac{p_\mathrm{RBM}}{p_\mathrm{Ising}}\Bigr| .

    :math:`D_\mathrm{KL}` is what maximum-likelihood training on Ising samples decreases.
    Everything is exact: all :math:`2^{L^2}` visible states are enumerated (:math:`L \le 4`)
    and the hidden layer is summed analytically.

    Parameters
    ----------
    rbm : fitted BernoulliRBM or tuple (W, b, c)
        Parameters in the {0, 1} convention of :mod:`deeprg.rbm.functional`, ``W`` of shape
        ``(n_hidden, L * L)``; visible unit ``i`` is site ``i`` of the lattice in row-major
        order, as produced by :func:`deeprg.ising.to_binary`.
    beta : float
        Inverse temperature, finite and >= 0 (0 gives the uniform distribution).
    coupling : float, default 1.0
        Exchange coupling :math:`J`.

    Returns
    -------
    TraceDistance
    """
    from deeprg.ising import IsingModel
    from deeprg.ising.exact import enumerate_states

    W, b, c = check_rbm_parameters(*_rbm_parameters(rbm), dtype=np.float64)
    n_visible = W.shape[1]
    L = math.isqrt(n_visible)
    if L * L != n_visible or not 2 <= L <= 4:
        raise InvalidParameterError(
            f"the RBM must have L * L visible units with 2 <= L <= 4 to enumerate the Ising torus exactly; "
            f"got n_visible={n_visible}."
        )
    beta = check_real(beta, "beta", minimum=0.0)
    states = enumerate_states(L)
    minus_h = -beta * IsingModel(L, coupling).energy(states)
    log_z_ising = float(logsumexp(minus_h))
    log_p_ising = minus_h - log_z_ising
    x = states.reshape(states.shape[0], n_visible) > 0
    rows = max(1, _CHUNK_PAIRS // (n_visible + W.shape[0]))
    neg_free_energy = np.concatenate(
        [-free_energy(x[start : start + rows].astype(np.float64), W, b, c) for start in range(0, x.shape[0], rows)]
    )
    log_z_rbm = log_partition_function(W, b, c)
    log_p_rbm = neg_free_energy - log_z_rbm
    p_ising = np.exp(log_p_ising)
    log_ratio = log_p_rbm - log_p_ising
    return TraceDistance(
        kl_divergence=float(max(0.0, -np.sum(p_ising * log_ratio))),
        total_variation=float(0.5 * np.abs(p_ising - np.exp(log_p_rbm)).sum()),
        mean_log_trace=float(np.sum(p_ising * np.abs(log_ratio))),
        max_log_trace=float(np.max(np.abs(log_ratio))),
        log_normalization=log_z_ising - log_z_rbm,
    )
