r"""Observables of the 2D Ising model with Monte Carlo error bars.

Inputs are per-sample series in chain order, as stored in
:class:`~deeprg.ising.sampleset.SampleSet`: ``energy`` is the energy per site
:math:`e = H / N` and ``magnetization`` the magnetization per site
:math:`m = \sum_i s_i / N`, with :math:`N = L^2` sites. The energy is in the units
of :math:`1/\beta` (coupling units, :math:`k_B = 1`), so :math:`\beta e` is
dimensionless and so are the specific heat and the susceptibility.

Linear observables (means) carry the error :math:`\sqrt{2\tau_\mathrm{int}\,\mathrm{Var}/n}`
(:func:`~deeprg.stats.mean_estimate`); nonlinear ones (cumulant, fluctuations) use the
blocked jackknife (:func:`~deeprg.stats.jackknife`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg._validation import check_int, check_real, check_spins
from deeprg.errors import InvalidParameterError
from deeprg.stats._validation import as_series
from deeprg.stats.estimate import Estimate
from deeprg.stats.resampling import (
    column_mean_errors,
    jackknife,
    mean_estimate,
)

__all__ = [
    "CorrelationFunction",
    "energy_per_site",
    "abs_magnetization",
    "magnetization_squared",
    "binder_cumulant",
    "susceptibility",
    "specific_heat",
    "correlation_function",
    "summarize",
]

# Spins handled per chunk in correlation_function, to bound the int8 temporaries (~4 MB each).
_CHUNK_SPINS = 1 << 22


def energy_per_site(energy: ArrayLike) -> Estimate:
    r"""Mean energy per site :math:`\langle e \rangle`.

    Parameters
    ----------
    energy : array_like, shape (n_samples,)
        Energy per site of each sample, in chain order.

    Returns
    -------
    Estimate
        :math:`\langle e \rangle` with its autocorrelation-corrected error.
    """
    return mean_estimate(as_series(energy, name="energy"))


def abs_magnetization(magnetization: ArrayLike) -> Estimate:
    r"""Mean absolute magnetization per site :math:`\langle |m| \rangle`.

    On a finite lattice :math:`\langle m \rangle = 0` by symmetry; :math:`\langle |m| \rangle`
    is the usual order parameter.

    Parameters
    ----------
    magnetization : array_like, shape (n_samples,)
        Magnetization per site of each sample, in chain order.

    Returns
    -------
    Estimate
    """
    return mean_estimate(np.abs(as_series(magnetization, name="magnetization")))


def magnetization_squared(magnetization: ArrayLike) -> Estimate:
    r"""Mean squared magnetization per site :math:`\langle m^2 \rangle`.

    Parameters
    ----------
    magnetization : array_like, shape (n_samples,)
        Magnetization per site of each sample, in chain order.

    Returns
    -------
    Estimate
    """
    return mean_estimate(as_series(magnetization, name="magnetization") ** 2)


def binder_cumulant(magnetization: ArrayLike) -> Estimate:
    r"""Binder cumulant :math:`U_4 = 1 - \langle m^4 \rangle / (3 \langle m^2 \rangle^2)`.

    :math:`U_4 \to 0` in the disordered phase (Gaussian :math:`m`), :math:`2/3` in the
    ordered phase (:math:`m = \pm m_0`), and :math:`U_4^* \approx 0.61069` at the critical
    point of the square torus. The error is a blocked jackknife over the series
    :math:`m^2` and :math:`m^4` (whose autocorrelation sets the block size, not the
    much slower sign flips of :math:`m`).

    Parameters
    ----------
    magnetization : array_like, shape (n_samples,)
        Magnetization per site of each sample, in chain order.

    Returns
    -------
    Estimate

    Raises
    ------
    InvalidParameterError
        If every magnetization is zero (:math:`U_4` is undefined).
    """
    m = as_series(magnetization, name="magnetization")
    m2 = m**2
    if not np.any(m2 > 0):
        raise InvalidParameterError(
            "The Binder cumulant is undefined when every magnetization is 0 (<m^2> = 0); "
            f"received {m.shape[0]} zero magnetizations. Check that the magnetization series is right."
        )

    def cumulant(a2: NDArray[np.float64], a4: NDArray[np.float64]) -> float:
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(1.0 - a4.mean() / (3.0 * a2.mean() ** 2))

    return jackknife(cumulant, m2, m2**2)


def _variance_of(x: NDArray[np.float64], prefactor: float) -> Estimate:
    r"""``prefactor * (<x^2> - <x>^2)`` with a blocked-jackknife error.

    The series is centred first (the variance does not change) so that
    :math:`\langle x^2 \rangle - \langle x \rangle^2` does not lose digits to cancellation.
    """
    dx = x - x.mean()

    def fluctuation(a: NDArray[np.float64], a2: NDArray[np.float64]) -> float:
        return prefactor * float(a2.mean() - a.mean() ** 2)

    return jackknife(fluctuation, dx, dx**2)


def susceptibility(
    magnetization: ArrayLike, beta: float, n_sites: int, *, connected: bool = True
) -> Estimate:
    r"""Magnetic susceptibility per site.

    .. math::

        \chi = \beta N \left(\langle m^2 \rangle - \langle |m| \rangle^2\right)
        \quad\text{(connected)}, \qquad
        \chi' = \beta N \langle m^2 \rangle \quad\text{(disconnected)}.

    On a finite lattice :math:`\langle m \rangle = 0`, so the connected form uses
    :math:`\langle |m| \rangle` (the standard finite-size convention, e.g. Landau & Binder);
    :math:`\chi'` is the one that scales as :math:`L^{\gamma/\nu}` at :math:`T_c`. In the
    disordered phase, where :math:`m` is Gaussian, :math:`\chi = (1 - 2/\pi)\, \chi'`.

    Parameters
    ----------
    magnetization : array_like, shape (n_samples,)
        Magnetization per site of each sample, in chain order.
    beta : float
        Inverse temperature (>= 0), in the units of the energy.
    n_sites : int
        Number of spins :math:`N = L^2`.
    connected : bool, default True
        Subtract :math:`\langle |m| \rangle^2` (jackknife error) or not (error of the mean).

    Returns
    -------
    Estimate
    """
    m = as_series(magnetization, name="magnetization")
    beta = check_real(beta, name="beta", minimum=0.0)
    n_sites = check_int(n_sites, name="n_sites", minimum=1)
    prefactor = beta * n_sites
    if connected:
        return _variance_of(np.abs(m), prefactor)
    est = mean_estimate(m**2)
    return Estimate(mean=prefactor * est.mean, error=prefactor * est.error, tau=est.tau)


def specific_heat(energy: ArrayLike, beta: float, n_sites: int) -> Estimate:
    r"""Specific heat per site from energy fluctuations.

    .. math:: C = \beta^2 N \left(\langle e^2 \rangle - \langle e \rangle^2\right),

    with :math:`e` the energy per site in the units of :math:`1/\beta` (so :math:`\beta e`
    is dimensionless and :math:`C` is in units of :math:`k_B`).

    Parameters
    ----------
    energy : array_like, shape (n_samples,)
        Energy per site of each sample, in chain order.
    beta : float
        Inverse temperature (>= 0).
    n_sites : int
        Number of spins :math:`N = L^2`.

    Returns
    -------
    Estimate
        :math:`C` with a blocked-jackknife error.
    """
    e = as_series(energy, name="energy")
    beta = check_real(beta, name="beta", minimum=0.0)
    n_sites = check_int(n_sites, name="n_sites", minimum=1)
    return _variance_of(e, beta**2 * n_sites)


@dataclass(frozen=True, eq=False)
class CorrelationFunction:
    r"""Spin-spin correlation function :math:`G(r)` with error bars.

    Parameters
    ----------
    distance : ndarray of int64, shape (n_distances,)
        Distances :math:`r = 0, 1, \dots` along the lattice axes.
    value : ndarray of float64, shape (n_distances,)
        :math:`G(r) = \langle s_i s_{i+r} \rangle`; ``value[0] == 1``.
    error : ndarray of float64, shape (n_distances,)
        Blocked-jackknife standard errors.
    tau : float or None
        Largest integrated autocorrelation time of the per-sample series
        :math:`G_k(r)`, :math:`r \ge 1`, which set the block size.
    """

    distance: NDArray[np.int64]
    value: NDArray[np.float64]
    error: NDArray[np.float64]
    tau: float | None = None

    def __len__(self) -> int:
        return int(self.distance.shape[0])

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form for JSON: lists under ``distance``, ``value``, ``error``, and ``tau``."""
        return {
            "distance": self.distance.tolist(),
            "value": self.value.tolist(),
            "error": self.error.tolist(),
            "tau": self.tau,
        }


def _pair_products(spins: NDArray[np.int8], max_distance: int) -> NDArray[np.float64]:
    """Per-sample :math:`G_k(r)`, shape (n_samples, max_distance + 1), vectorized over sites."""
    n, L, _ = spins.shape
    out = np.empty((n, max_distance + 1))
    chunk = max(1, _CHUNK_SPINS // (L * L))
    norm = 2.0 * L * L
    for start in range(0, n, chunk):
        block = spins[start : start + chunk]
        for r in range(max_distance + 1):
            # products of +-1 are +-1 and fit in int8; the sums are taken in int64.
            along_x = np.multiply(block, np.roll(block, r, axis=1)).sum(axis=(1, 2), dtype=np.int64)
            along_y = np.multiply(block, np.roll(block, r, axis=2)).sum(axis=(1, 2), dtype=np.int64)
            out[start : start + chunk, r] = (along_x + along_y) / norm
    return out


def correlation_function(spins: ArrayLike, *, max_distance: int | None = None) -> CorrelationFunction:
    r"""Spin-spin correlation function on the periodic lattice, with error bars.

    .. math::

        G(r) = \frac{1}{2N} \sum_i \left\langle s_i\, s_{i + r\hat x} + s_i\, s_{i + r\hat y} \right\rangle,

    averaged over all sites and both lattice axes (periodic boundaries). This is the full,
    not the connected, correlation: in the ordered phase it tends to :math:`m^2` at large
    :math:`r`. Each sample gives one site average :math:`G_k(r)`; the errors come from a
    blocked jackknife over these per-sample series (blocks of at least
    :math:`2\tau_\mathrm{int}` samples, up to 100 blocks).

    Parameters
    ----------
    spins : array_like of int8, shape (n_samples, L, L)
        Configurations in {-1, +1}, in chain order; ``n_samples >= 2``.
    max_distance : int, optional
        Largest distance, ``0 <= max_distance <= L // 2`` (default ``L // 2``; larger
        distances repeat by periodicity, :math:`G(r) = G(L - r)`).

    Returns
    -------
    CorrelationFunction
        ``distance`` (0 .. max_distance), ``value`` and ``error``, each shape
        ``(max_distance + 1,)``, and the ``tau`` that set the blocks.

    Raises
    ------
    InvalidParameterError
        If ``spins`` is not a batch of at least 2 square lattices of -1/+1, or
        ``max_distance`` is out of range.

    Warns
    -----
    ShortChainWarning
        If the chain is too short for the autocorrelation of :math:`G_k(r)`.
    """
    lattice = check_spins(spins, name="spins", min_samples=2)
    n, L, _ = lattice.shape
    if max_distance is None:
        max_distance = L // 2
    else:
        max_distance = check_int(max_distance, name="max_distance", minimum=0)
        if max_distance > L // 2:
            raise InvalidParameterError(
                f"max_distance must be <= L // 2 = {L // 2} on an L = {L} torus (G(r) = G(L - r)); "
                f"received {max_distance}."
            )
    products = _pair_products(lattice, max_distance)
    value = products.mean(axis=0)
    if max_distance == 0:
        return CorrelationFunction(
            distance=np.zeros(1, dtype=np.int64), value=value, error=np.zeros(1), tau=0.5
        )
    error, tau = column_mean_errors(products, tau_columns=slice(1, None))  # G(0) = 1 is constant
    return CorrelationFunction(
        distance=np.arange(max_distance + 1, dtype=np.int64), value=value, error=error, tau=tau
    )


def summarize(samples: Any) -> dict[str, Estimate]:
    """Standard observables of an Ising ensemble with error bars.

    Parameters
    ----------
    samples : SampleSet or any object with the same attributes
        Needs ``energy`` and ``magnetization`` (per site, shape ``(n_samples,)``, chain
        order), ``beta`` and ``n_sites``. Samples of several chains are analysed as one
        concatenated series, which is harmless when each chain is much longer than tau.

    Returns
    -------
    dict of str to Estimate
        Keys ``"energy_per_site"``, ``"abs_magnetization"``, ``"magnetization_squared"``,
        ``"binder_cumulant"``, ``"susceptibility"`` (connected) and ``"specific_heat"``.

    Raises
    ------
    InvalidParameterError
        If ``samples`` lacks one of the attributes or they are invalid.
    """
    missing = [a for a in ("energy", "magnetization", "beta", "n_sites") if not hasattr(samples, a)]
    if missing:
        raise InvalidParameterError(
            f"summarize needs a SampleSet (or an object with energy, magnetization, beta and "
            f"n_sites); received a {type(samples).__name__} without {', '.join(missing)}."
        )
    energy = as_series(samples.energy, name="samples.energy")
    magnetization = as_series(samples.magnetization, name="samples.magnetization")
    if energy.shape != magnetization.shape:
        raise InvalidParameterError(
            f"samples.energy and samples.magnetization must have one value per sample; received "
            f"shapes {energy.shape} and {magnetization.shape}."
        )
    beta, n_sites = samples.beta, samples.n_sites
    return {
        "energy_per_site": energy_per_site(energy),
        "abs_magnetization": abs_magnetization(magnetization),
        "magnetization_squared": magnetization_squared(magnetization),
        "binder_cumulant": binder_cumulant(magnetization),
        "susceptibility": susceptibility(magnetization, beta, n_sites),
        "specific_heat": specific_heat(energy, beta, n_sites),
    }
