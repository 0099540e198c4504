"""Spins in {-1, +1} for exact enumeration: all states, the spin-product (Walsh) expansion, and
the map between bilinear spin operators and deeprg's {0, 1} RBM parameters."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg._validation import check_int, check_rbm_parameters, check_real
from deeprg.errors import InvalidParameterError

__all__ = ["MAX_ENUMERATION_SPINS", "bernoulli_to_spin", "spin_product_expansion", "spin_states", "spin_to_bernoulli"]

#: Largest total number of spins (visible + hidden) whose :math:`2^{n}` joint states
#: :func:`trace_condition_violation` and :func:`coarse_grained_hamiltonian` enumerate
#: (:math:`2^{22} \approx 4 \times 10^6` evaluations of :math:`T`). Operators given as
#: RBM parameters only enumerate the visible layer, which is limited to the same number.
MAX_ENUMERATION_SPINS = 22


def spin_states(n: int) -> NDArray[np.int8]:
    """All :math:`2^n` configurations of ``n`` spins.

    Parameters
    ----------
    n : int
        Number of spins, ``0 <= n <= MAX_ENUMERATION_SPINS``.

    Returns
    -------
    ndarray of int8, shape (2**n, n)
        Row ``k`` has spin ``i`` equal to +1 exactly when bit ``i`` of ``k`` is 1, the order of
        :func:`deeprg.ising.exact.enumerate_states` (row-major sites of a lattice).

    Examples
    --------
    >>> spin_states(2)
    array([[-1, -1],
           [ 1, -1],
           [-1,  1],
           [ 1,  1]], dtype=int8)
    """
    n = check_int(
        n,
        "n",
        minimum=0,
        maximum=MAX_ENUMERATION_SPINS,
        hint=f" Enumeration visits 2^n states; n <= {MAX_ENUMERATION_SPINS} keeps that below 5 million.",
    )
    return _spin_states(n, 0, 2**n)


def _spin_states(n: int, start: int, stop: int) -> NDArray[np.int8]:
    k = np.arange(start, stop, dtype=np.int64)
    bits = (k[:, np.newaxis] >> np.arange(n, dtype=np.int64)) & 1
    return (2 * bits - 1).astype(np.int8)


def spin_product_expansion(values: ArrayLike) -> NDArray[np.float64]:
    r"""Expand a function of ``n`` spins in the basis of spin products (a Walsh-Hadamard transform).

    Every function of Ising spins is a unique multilinear polynomial

    .. math::

        f(s) = \sum_{S \subseteq \{0, \dots, n-1\}} J_S \prod_{i \in S} s_i, \qquad
        J_S = 2^{-n} \sum_{s} f(s) \prod_{i \in S} s_i ,

    so the coefficients of an effective Hamiltonian are its couplings: :math:`J_\emptyset`
    the constant, :math:`J_{\{i\}}` the fields, :math:`J_{\{i,j\}}` the pair couplings, and so on
    (with the sign of ``values``: for :math:`H = -K s_0 s_1`, :math:`J_{\{0,1\}} = -K`).
    Computed with the fast transform in :math:`O(n 2^n)`, exact up to rounding.

    Parameters
    ----------
    values : array_like, shape (2**n,)
        :math:`f` on every configuration, in the order of :func:`spin_states`.

    Returns
    -------
    ndarray of float64, shape (2**n,)
        ``J[S]`` for every subset, encoded as a bit mask: site ``i`` belongs to ``S``
        exactly when bit ``i`` of ``S`` is set (``J[0]`` is the constant,
        ``J[(1 << i) | (1 << j)]`` the coupling of ``s_i s_j``).

    Examples
    --------
    >>> import numpy as np
    >>> s = spin_states(3).astype(float)
    >>> J = spin_product_expansion(2.0 - 0.5 * s[:, 0] * s[:, 2])
    >>> np.round(J, 12)[[0, 0b101]]
    array([ 2. , -0.5])
    """
    f = np.array(values, dtype=np.float64)  # a copy: transformed in place
    size = f.size
    if f.ndim != 1 or size < 1 or size & (size - 1):
        raise InvalidParameterError(
            f"values must be a 1-D array of length 2**n (a function on every configuration of n spins); "
            f"got shape {np.shape(values)}."
        )
    if not np.all(np.isfinite(f)):
        raise InvalidParameterError(
            "values must be finite; an infinite effective energy means a configuration of probability 0, "
            "which has no expansion in spin products."
        )
    n = size.bit_length() - 1
    h = 1
    while h < size:
        g = f.reshape(-1, 2, h)
        a = g[:, 0, :].copy()
        g[:, 0, :] += g[:, 1, :]
        g[:, 1, :] = a - g[:, 1, :]
        h *= 2
    # the transform used (-1)^{|S & k|} = prod_{i in S} (-s_i); restore prod_{i in S} s_i
    popcount = np.zeros(size, dtype=np.int64)
    masks = np.arange(size, dtype=np.int64)
    for i in range(n):
        popcount += (masks >> i) & 1
    f[popcount % 2 == 1] *= -1.0
    f /= size
    return f


# ---------------------------------------------------------------------- spin <-> bit parameters
def _bilinear_arrays(W: ArrayLike, b: ArrayLike, c: ArrayLike, const: float) -> tuple:
    W, b, c = check_rbm_parameters(W, b, c, dtype=np.float64)
    const = check_real(const, "const")
    if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b)) and np.all(np.isfinite(c))):
        raise InvalidParameterError("W, b and c must be finite.")
    return W, b, c, const


def spin_to_bernoulli(
    W: ArrayLike, b: ArrayLike, c: ArrayLike, const: float = 0.0
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], float]:
    r"""Rewrite a bilinear function of spins in the {0, 1} parametrization of :mod:`deeprg.rbm.functional`.

    With :math:`s = 2x - 1` (visible) and :math:`\sigma = 2y - 1` (hidden),

    .. math::

        \sigma^\top W s + b^\top s + c^\top \sigma + \mathrm{const}
        = y^\top W' x + b'^\top x + c'^\top y + \mathrm{const}'

    exactly, with

    .. math::

        W' = 4W, \quad b' = 2b - 2W^\top \mathbf 1, \quad c' = 2c - 2W\mathbf 1, \quad
        \mathrm{const}' = \mathrm{const} + \mathbf 1^\top W \mathbf 1 - \mathbf 1^\top b - \mathbf 1^\top c .

    Applied to a log-weight (a negative energy, such as an operator :math:`T` or
    :math:`-E`), ``(W', b', c')`` are RBM parameters: the spin model's weights are
    :math:`e^{\mathrm{const}'} e^{-E_\mathrm{RBM}(x, y; W', b', c')}`.

    Parameters
    ----------
    W : array_like, shape (n_hidden, n_visible)
        Spin couplings :math:`W_{ji}` between hidden spin ``j`` and visible spin ``i``.
    b : array_like, shape (n_visible,)
        Visible spin fields.
    c : array_like, shape (n_hidden,)
        Hidden spin fields.
    const : float, default 0.0
        Additive constant.

    Returns
    -------
    W, b, c : ndarray of float64
        The {0, 1} parameters, shapes as given.
    const : float
        The constant of the {0, 1} form.

    See Also
    --------
    bernoulli_to_spin : the inverse map.
    """
    W, b, c, const = _bilinear_arrays(W, b, c, const)
    return (
        4.0 * W,
        2.0 * b - 2.0 * W.sum(axis=0),
        2.0 * c - 2.0 * W.sum(axis=1),
        float(const + W.sum() - b.sum() - c.sum()),
    )


def bernoulli_to_spin(
    W: ArrayLike, b: ArrayLike, c: ArrayLike, const: float = 0.0
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], float]:
    r"""Inverse of :func:`spin_to_bernoulli`: a bilinear function of bits written in spins.

    With :math:`x = (1 + s)/2` and :math:`y = (1 + \sigma)/2`,
    :math:`W_s = W/4`, :math:`b_s = b/2 + W^\top\mathbf 1/4`, :math:`c_s = c/2 + W\mathbf 1/4`,
    :math:`\mathrm{const}_s = \mathrm{const} + \mathbf 1^\top W\mathbf 1/4 + \mathbf 1^\top b/2 + \mathbf 1^\top c/2`.

    Parameters
    ----------
    W : array_like, shape (n_hidden, n_visible)
    b : array_like, shape (n_visible,)
    c : array_like, shape (n_hidden,)
    const : float, default 0.0

    Returns
    -------
    W, b, c : ndarray of float64
    const : float
    """
    W, b, c, const = _bilinear_arrays(W, b, c, const)
    return (
        W / 4.0,
        b / 2.0 + W.sum(axis=0) / 4.0,
        c / 2.0 + W.sum(axis=1) / 4.0,
        float(const + W.sum() / 4.0 + b.sum() / 2.0 + c.sum() / 2.0),
    )


# ---------------------------------------------------------------------- enumeration of an operator
