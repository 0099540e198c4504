r"""Mehta & Schwab's exact RBM for decimation of the 1D Ising chain, checked by enumeration.

The chain
---------
A ring of :math:`N` (even) spins :math:`v_i = \pm 1` with the dimensionless Hamiltonian
:math:`H[v] = -K \sum_{i=0}^{N-1} v_i v_{i+1}` (indices mod :math:`N`, bonds counted like
``numpy.roll`` as in :mod:`deeprg.ising.exact.chain`). Decimation keeps the even sites
:math:`0, 2, \dots, N-2` and sums out the odd ones. Each odd spin :math:`\sigma_j = v_{2j+1}`
sits between the kept spins :math:`h_j = v_{2j}` and :math:`h_{j+1} = v_{2j+2}`, and

.. math::

    \sum_{\sigma = \pm 1} e^{K \sigma (h_j + h_{j+1})} = 2\cosh\bigl(K (h_j + h_{j+1})\bigr)
    = e^{g + K' h_j h_{j+1}}, \qquad
    \tanh K' = \tanh^2 K, \quad K' = \tfrac12 \ln\cosh 2K, \quad g = \ln 2 + K',

so the kept spins form a ring of :math:`N/2` spins with coupling :math:`K'` and
:math:`H'[h] = -K' \sum_j h_j h_{j+1} - \tfrac N2 g` (:math:`Z_N(K) = e^{N g/2} Z_{N/2}(K')`).

The operator (variational RG)
-----------------------------
In Mehta & Schwab's language the hidden spins :math:`h_j` (one per kept site) are tied to
the visible spins by the operator

.. math::

    T(v, h) = \sum_{j=0}^{N/2-1} \bigl[ K_h\, h_j v_{2j} - \ln(2\cosh K_h) \bigr],

which satisfies the trace condition :math:`\sum_h e^{T(v,h)} = \prod_j 1 = 1` exactly for
*every* tie strength :math:`K_h \ge 0`. For :math:`K_h \to \infty`,
:math:`e^{T} = \prod_j \tfrac12(1 + h_j v_{2j}) = \prod_j \delta_{h_j, v_{2j}}`: the hidden
spins copy the kept spins, and :math:`e^{-H'[h]} = \operatorname{Tr}_v e^{T - H}` is exactly
the decimated ring above. :func:`decimation_rbm` uses :math:`K_h = \infty` by default and
evaluates the delta exactly (``T = -inf`` for a mismatched pair). For finite :math:`K_h`
the step is still exact in Mehta & Schwab's sense (the partition function is preserved),
but the hidden spins are noisy copies, and :math:`H'` acquires couplings beyond nearest
neighbours that vanish only as :math:`K_h \to \infty` (:func:`deeprg.rg.exact.coarse1d.coarse_grained_couplings`
reports them as ``residual``).

The exact finite RBM
--------------------
On the support of the delta, :math:`e^{T - H} = e^{K \sum_j \sigma_j (h_j + h_{j+1})}`:
the chain itself is a bipartite graph, i.e. an RBM whose visible units are the decimated
spins :math:`\sigma_j` and whose hidden units are the kept spins :math:`h_j`, with weight
:math:`K` on each bond (Mehta & Schwab's deep architecture for the 1D chain: the weights
between successive layers are the couplings :math:`K^{(n)}`). Marginalising its visible
layer is the decimation; :meth:`DecimationRBM.exact_rbm` gives it in the {0, 1}
parametrization of :mod:`deeprg.rbm.functional`.

Stacking steps gives the flow :math:`\tanh K^{(n)} = (\tanh K)^{2^n} \to 0`
(:func:`decimation_flow`): every finite :math:`K` flows to the disordered fixed point
:math:`K^* = 0`; :math:`K^* = \infty` is the unstable zero-temperature fixed point.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg._validation import check_int
from deeprg.errors import InvalidParameterError
from deeprg.ising.exact import decimated_coupling
from deeprg.rg.exact.trace import (
    spin_to_bernoulli,
)

__all__ = [
    "DecimationRBM",
    "decimation_flow",
    "decimation_rbm",
]


def _check_K(K: Any, name: str = "K") -> float:
    if isinstance(K, bool) or not isinstance(K, numbers.Real):
        raise InvalidParameterError(
            f"{name} (dimensionless coupling beta * J) must be a finite number > 0; got {K!r} of type {type(K).__name__}."
        )
    value = float(K)
    if not (math.isfinite(value) and value > 0):
        raise InvalidParameterError(
            f"{name} (dimensionless coupling beta * J) must be a finite number > 0 (a ferromagnetic chain at "
            f"non-zero temperature); got {value!r}. K = 0 is already the fixed point, K = inf the ground state."
        )
    return value


def _log_2cosh(x: float) -> float:
    return abs(x) + math.log1p(math.exp(-2.0 * abs(x)))


def _check_spin_rows(a: ArrayLike, name: str, width: int) -> NDArray[np.int64]:
    arr = np.asarray(a)
    if arr.ndim == 1:
        arr = arr[np.newaxis]
    if arr.ndim != 2 or arr.shape[1] != width:
        raise InvalidParameterError(f"{name} must have shape (n_samples, {width}); got shape {np.shape(a)}.")
    if arr.dtype.kind not in "iuf" or np.any((arr != 1) & (arr != -1)):
        hint = " (bits? convert with 2 * x - 1)" if arr.dtype.kind in "iuf" and np.all((arr == 0) | (arr == 1)) else ""
        raise InvalidParameterError(f"{name} must hold spins in {{-1, +1}}{hint}.")
    return arr.astype(np.int64)


@dataclass(frozen=True)
class DecimationRBM:
    r"""Mehta & Schwab's decimation of a periodic Ising chain, as an RBM operator.

    Visible spins :math:`v \in \{\pm1\}^N` (the ring), hidden spins
    :math:`h \in \{\pm1\}^{N/2}`, hidden spin ``j`` tied to the kept site ``2j``:

    .. math::

        T(v, h) = \sum_{j} \bigl[K_h h_j v_{2j} - \ln(2\cosh K_h)\bigr]
        \xrightarrow{K_h \to \infty} \sum_j \ln \delta_{h_j, v_{2j}}, \qquad
        H[v] = -K \sum_i v_i v_{i+1}.

    See the module docstring for the derivation. Build it with :func:`decimation_rbm`.

    Attributes
    ----------
    n_visible : int
        Ring length :math:`N`, even, >= 2.
    K : float
        Coupling :math:`K = \beta J > 0` of the ring.
    K_h : float
        Tie strength :math:`K_h \in [0, \infty]`; ``inf`` (the default of
        :func:`decimation_rbm`) is exact decimation.
    """

    n_visible: int
    K: float
    K_h: float = math.inf

    def __post_init__(self) -> None:
        n = check_int(self.n_visible, "n_visible", minimum=2)
        if n % 2:
            raise InvalidParameterError(
                f"n_visible must be even: decimation keeps every other spin of the ring (sites 0, 2, ...) and "
                f"needs the rest to alternate with them; got n_visible={n}. Use n_visible={n + 1} or {n - 1}."
            )
        if isinstance(self.K_h, bool) or not isinstance(self.K_h, numbers.Real):
            raise InvalidParameterError(f"K_h (tie strength) must be a number in [0, inf]; got {self.K_h!r}.")
        K_h = float(self.K_h)
        if math.isnan(K_h) or K_h < 0:
            raise InvalidParameterError(f"K_h (tie strength) must be in [0, inf] (inf: exact decimation); got {K_h}.")
        object.__setattr__(self, "n_visible", n)
        object.__setattr__(self, "K", _check_K(self.K))
        object.__setattr__(self, "K_h", K_h)

    # ------------------------------------------------------------------ geometry and exact values
    @property
    def n_hidden(self) -> int:
        """Number of hidden (kept) spins, :math:`N/2`."""
        return self.n_visible // 2

    @property
    def kept_sites(self) -> NDArray[np.int64]:
        """Visible sites copied by the hidden spins, ``0, 2, ..., N - 2``."""
        return np.arange(0, self.n_visible, 2)

    @property
    def coarse_coupling(self) -> float:
        r"""The exact decimated coupling :math:`K' = \operatorname{artanh}(\tanh^2 K)`."""
        return float(decimated_coupling(self.K))

    @property
    def exact(self) -> bool:
        """Whether the tie is a hard copy (``K_h = inf``), i.e. exact decimation."""
        return math.isinf(self.K_h)

    # ------------------------------------------------------------------ functions of the spins
    def hamiltonian(self, v: ArrayLike) -> NDArray[np.float64]:
        r"""The ring's dimensionless Hamiltonian :math:`H[v] = -K \sum_i v_i v_{i+1}`.

        Parameters
        ----------
        v : array_like, shape (n_samples, n_visible)
            Spins in {-1, +1}.

        Returns
        -------
        ndarray of float64, shape (n_samples,)
        """
        s = _check_spin_rows(v, "v", self.n_visible)
        return -self.K * (s * np.roll(s, -1, axis=1)).sum(axis=1).astype(np.float64)

    def operator(self, v: ArrayLike, h: ArrayLike) -> NDArray[np.float64]:
        r"""The operator :math:`T(v_a, h_b)` for every pair of rows.

        With :math:`m` the number of kept sites where :math:`h_j \ne v_{2j}`,
        :math:`T = -2 K_h m - \tfrac N2 \ln(1 + e^{-2K_h})` (equal to the definition, without
        cancellation); for :math:`K_h = \infty`, :math:`T = 0` if :math:`m = 0` and
        :math:`-\infty` otherwise.

        Parameters
        ----------
        v : array_like, shape (a, n_visible)
            Visible spins in {-1, +1}.
        h : array_like, shape (b, n_hidden)
            Hidden spins in {-1, +1}.

        Returns
        -------
        ndarray of float64, shape (a, b)
        """
        vk = _check_spin_rows(v, "v", self.n_visible)[:, ::2]
        hs = _check_spin_rows(h, "h", self.n_hidden)
        mismatches = (self.n_hidden - vk @ hs.T) // 2
        if self.exact:
            return np.where(mismatches == 0, 0.0, -np.inf)
        return -2.0 * self.K_h * mismatches - self.n_hidden * math.log1p(math.exp(-2.0 * self.K_h))

    # ------------------------------------------------------------------ parametrizations
    def spin_parameters(self) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], float]:
        r"""The operator as a bilinear form of spins, :math:`T = h^\top W v + b^\top v + c^\top h + \mathrm{const}`.

        :math:`W_{j, 2j} = K_h` (zero elsewhere), :math:`b = 0`, :math:`c = 0`,
        :math:`\mathrm{const} = -\tfrac N2 \ln(2\cosh K_h)`.

        Returns
        -------
        W : ndarray of float64, shape (n_hidden, n_visible)
        b : ndarray of float64, shape (n_visible,)
        c : ndarray of float64, shape (n_hidden,)
        const : float

        Raises
        ------
        InvalidParameterError
            For ``K_h = inf``, whose kernel (a Kronecker delta) has no finite parameters.
        """
        if self.exact:
            raise InvalidParameterError(
                "the exact decimation kernel (K_h = inf) is a Kronecker delta, the limit K_h -> inf of finite "
                "parameters; build decimation_rbm(n, K, K_h=20.0) for a finite tie (mismatch weight e^-40), or use "
                "exact_rbm() for the exact finite RBM (decimated spins visible, kept spins hidden)."
            )
        W = np.zeros((self.n_hidden, self.n_visible))
        W[np.arange(self.n_hidden), self.kept_sites] = self.K_h
        return W, np.zeros(self.n_visible), np.zeros(self.n_hidden), -self.n_hidden * _log_2cosh(self.K_h)

    def to_bernoulli(self) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], float]:
        r"""The operator in the {0, 1} convention of :mod:`deeprg.rbm.functional`.

        With :math:`v = 2x - 1`, :math:`h = 2y - 1` (:func:`~deeprg.rg.exact.trace.spin_to_bernoulli`):

        .. math::

            T = y^\top W x + b^\top x + c^\top y + \mathrm{const}, \quad
            W_{j,2j} = 4K_h,\ b_{2j} = -2K_h,\ c_j = -2K_h,\
            \mathrm{const} = \tfrac N2 \bigl[K_h - \ln(2\cosh K_h)\bigr],

        so :math:`e^{T} = e^{\mathrm{const}} e^{-E(x, y; W, b, c)}`: the operator is the
        (unnormalised) joint of the RBM ``(W, b, c)``, and the trace condition says its free
        energy is the constant ``const`` for every ``x``.

        Returns
        -------
        W : ndarray of float64, shape (n_hidden, n_visible)
        b : ndarray of float64, shape (n_visible,)
        c : ndarray of float64, shape (n_hidden,)
        const : float

        Raises
        ------
        InvalidParameterError
            For ``K_h = inf`` (see :meth:`spin_parameters`).
        """
        return spin_to_bernoulli(*self.spin_parameters())

    def exact_rbm(self) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], float]:
        r"""The exact finite RBM of the decimation, in the {0, 1} convention.

        Visible units are the decimated spins :math:`\sigma_j = v_{2j+1}`, hidden units the
        kept spins :math:`h_j = v_{2j}`; in spins the RBM's log-weight is the ring's

        .. math::

            -H[v] = K \sum_j \sigma_j (h_j + h_{j+1}),

        i.e. spin weights :math:`W^s_{j,j} = W^s_{j+1,j} = K` (indices mod :math:`N/2`; both
        bonds land on the same entry, :math:`2K`, when :math:`N = 2`). Converted with
        :func:`~deeprg.rg.exact.trace.spin_to_bernoulli`, so that
        :math:`-H[v] = -E(x, y; W, b, c) + \mathrm{const}` with :math:`x` the bits of the
        decimated spins and :math:`y` those of the kept spins. Hence
        ``log_partition_function(W, b, c) + const`` is :math:`\ln Z_N(K)`, and the RBM's hidden
        marginal is the decimated ring: :math:`-F_h(y) + \mathrm{const} = -H'[h]`. This holds
        for any ``K_h`` (it is the ``K_h = inf`` step).

        Returns
        -------
        W : ndarray of float64, shape (n_hidden, n_visible // 2)
        b : ndarray of float64, shape (n_visible // 2,)
        c : ndarray of float64, shape (n_hidden,)
        const : float
        """
        m = self.n_hidden
        W = np.zeros((m, m))
        j = np.arange(m)
        np.add.at(W, (j, j), self.K)
        np.add.at(W, ((j + 1) % m, j), self.K)
        return spin_to_bernoulli(W, np.zeros(m), np.zeros(m), 0.0)


def decimation_rbm(n_visible: int, K: float, *, K_h: float = math.inf) -> DecimationRBM:
    r"""Mehta & Schwab's RBM operator that decimates a periodic Ising chain.

    Parameters
    ----------
    n_visible : int
        Ring length :math:`N`, even and >= 2 (>= 4 for :func:`coarse_grained_couplings`,
        and :math:`\tfrac32 N \le 22` to enumerate, i.e. :math:`N \le 14`).
    K : float
        Coupling :math:`K = \beta J`, finite and > 0.
    K_h : float, default inf
        Strength of the tie between hidden spin ``j`` and visible spin ``2j``; ``inf`` is
        exact decimation (a Kronecker delta), a finite value a soft copy.

    Returns
    -------
    DecimationRBM

    Examples
    --------
    >>> from deeprg.rg.exact.coarse1d import coarse_grained_couplings
    >>> from deeprg.rg.exact.trace import trace_condition_violation
    >>> rbm = decimation_rbm(8, 0.5)
    >>> trace_condition_violation(rbm)
    0.0
    >>> result = coarse_grained_couplings(rbm)
    >>> abs(result.coupling - result.coupling_exact) < 1e-12
    True
    """
    return DecimationRBM(n_visible, K, K_h)


def decimation_flow(K: float, n_steps: int) -> NDArray[np.float64]:
    r"""The couplings :math:`K, K', K'', \dots` of repeated exact decimation of the chain.

    Each exact layer (:func:`decimation_rbm` with ``K_h = inf``) maps :math:`K^{(n)}` to
    :math:`K^{(n+1)} = \operatorname{artanh}(\tanh^2 K^{(n)})`
    (evaluated to machine precision at every scale, from :math:`K \gg 1` to
    :math:`K^{(n)} \sim 10^{-300}`), so

    .. math::

        \tanh K^{(n)} = (\tanh K)^{2^n}, \qquad \xi^{(n)} = \xi / 2^n, \quad
        \xi = -1/\ln\tanh K,

    and every finite :math:`K` flows to the disordered fixed point :math:`K^* = 0`
    (monotonically; :math:`K^* = \infty` is the unstable zero-temperature fixed point).

    Parameters
    ----------
    K : float
        Initial coupling, finite and > 0.
    n_steps : int
        Number of decimation steps, >= 0.

    Returns
    -------
    ndarray of float64, shape (n_steps + 1,)
        ``[K, K', ..., K^(n_steps)]``.

    Examples
    --------
    >>> flow = decimation_flow(1.0, 3)
    >>> bool(np.all(np.diff(flow) < 0))
    True
    """
    K = _check_K(K)
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    flow = np.empty(n_steps + 1)
    flow[0] = K
    for step in range(n_steps):
        flow[step + 1] = float(decimated_coupling(flow[step]))
    return flow
