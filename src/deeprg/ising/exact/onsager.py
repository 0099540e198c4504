r"""Onsager's exact results for the infinite square-lattice Ising model.

With :math:`K = \beta J`, :math:`x = \sinh 2K` and the elliptic modulus
:math:`\kappa = 2\sinh 2K / \cosh^2 2K = 2x / (1 + x^2)`:

.. math::

    \frac{\ln Z}{N} &= \ln(2\cosh 2K) + \frac{1}{2\pi}\int_0^\pi
        \ln\frac{1 + \sqrt{1 - \kappa^2 \sin^2\phi}}{2}\, d\phi, \\
    \frac{\langle H \rangle}{N J} &= -\coth 2K \left[1 + \frac{2}{\pi}
        (2\tanh^2 2K - 1)\, \mathrm{K}(\kappa)\right], \\
    C &= \frac{4}{\pi}(K \coth 2K)^2 \left\{\mathrm{K}(\kappa) - \mathrm{E}(\kappa)
        - (1 - \tanh^2 2K)\left[\frac{\pi}{2} + (2\tanh^2 2K - 1)\mathrm{K}(\kappa)\right]\right\}, \\
    m_0 &= \bigl(1 - \sinh^{-4} 2K\bigr)^{1/8} \quad (K > K_c), \qquad m_0 = 0 \quad (K \le K_c),

where :math:`\mathrm{K}` and :math:`\mathrm{E}` are the complete elliptic
integrals of the first and second kind *of modulus* :math:`\kappa`. SciPy's
:func:`scipy.special.ellipk` takes the *parameter* :math:`\kappa^2`; close to
:math:`K_c` (where :math:`\kappa \to 1`) :func:`scipy.special.ellipkm1` is used
with :math:`1 - \kappa^2 = \bigl((1 - x^2)/(1 + x^2)\bigr)^2` computed without
cancellation. The critical point is :math:`\sinh 2K_c = 1`, i.e.
:math:`K_c = \tfrac12 \ln(1 + \sqrt 2)`, where the energy is :math:`-\sqrt 2 J`
per site and the specific heat diverges logarithmically.

An antiferromagnet (``coupling < 0``) on the bipartite square lattice has the
same free energy, energy and specific heat as the ferromagnet at :math:`|K|`;
its uniform spontaneous magnetization is 0 (the staggered one equals :math:`m_0(|K|)`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate, special

from deeprg._validation import check_coupling
from deeprg.ising.exact._validation import as_output, check_beta_array

__all__ = [
    "BINDER_CRITICAL",
    "CRITICAL_COUPLING",
    "CRITICAL_TEMPERATURE",
    "critical_beta",
    "critical_temperature",
    "onsager_energy_per_site",
    "onsager_log_partition_function_per_site",
    "onsager_specific_heat",
    "spontaneous_magnetization",
]

#: Critical coupling :math:`K_c = \beta_c J = \tfrac12 \ln(1 + \sqrt 2) \approx 0.4406868`.
CRITICAL_COUPLING: float = 0.5 * float(np.log1p(np.sqrt(2.0)))

#: Critical temperature :math:`T_c / J = 2 / \ln(1 + \sqrt 2) \approx 2.2691853` (for ``J = 1``).
CRITICAL_TEMPERATURE: float = 1.0 / CRITICAL_COUPLING

#: Binder cumulant :math:`U_4^* = 1 - \langle m^4 \rangle / (3\langle m^2 \rangle^2)` at
#: :math:`T_c` in the limit :math:`L \to \infty` on the *square torus* (periodic
#: :math:`L \times L`). From the ratio :math:`Q = \langle m^2 \rangle^2 / \langle m^4 \rangle
#: = 0.856216(1)` of Kamieniarz & Bloete, J. Phys. A 26, 201 (1993), confirmed by
#: Salas & Sokal, J. Stat. Phys. 98, 551 (2000): :math:`U_4^* = 1 - 1/(3Q) = 0.61069`.
#: It depends on the boundary conditions and aspect ratio.
BINDER_CRITICAL: float = 0.61069


def critical_beta(coupling: float = 1.0) -> float:
    r"""Critical inverse temperature :math:`\beta_c = K_c / |J|`.

    Parameters
    ----------
    coupling : float, default 1.0
        Exchange coupling :math:`J`, finite and non-zero.

    Returns
    -------
    float
    """
    return CRITICAL_COUPLING / abs(check_coupling(coupling))


def critical_temperature(coupling: float = 1.0) -> float:
    r"""Critical temperature :math:`T_c = |J| / K_c \approx 2.269\,|J|`.

    Parameters
    ----------
    coupling : float, default 1.0
        Exchange coupling :math:`J`, finite and non-zero.

    Returns
    -------
    float
    """
    return abs(check_coupling(coupling)) / CRITICAL_COUPLING


def _reduced(beta: ArrayLike, coupling: float) -> NDArray[np.float64]:
    """|K| = beta |J| as an array, validated."""
    return check_beta_array(beta) * abs(check_coupling(coupling))


#: Below this |K| the leading high-temperature expansion is exact to machine precision.
_HIGH_TEMPERATURE_LIMIT = 1e-30

#: For kappa^2 below this the elliptic integrals are summed as power series (40 terms
#: reach 0.25**40 ~ 1e-24), which removes the cancellations of the closed forms at
#: high and at low temperature.
_SERIES_LIMIT = 0.25


def _series_coefficients(n_terms: int = 40) -> NDArray[np.float64]:
    """c_n = (binom(2n, n) / 4^n)^2, so that K(m) = (pi/2) sum_n c_n m^n."""
    b = np.cumprod(np.concatenate([[1.0], (2.0 * np.arange(1, n_terms) - 1) / (2.0 * np.arange(1, n_terms))]))
    return b * b


_C = _series_coefficients()
_N = np.arange(_C.size, dtype=np.float64)


def _elliptic_parts(K: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
    r"""Cancellation-free building blocks, in terms of :math:`w = \min(x, 1/x)`, :math:`x = \sinh 2K`.

    Returns ``low`` (:math:`x \le 1`), ``w``, ``kappa_sq``, ``p`` (:math:`1 - \kappa^2`),
    ``a`` (:math:`2\tanh^2 2K - 1`), ``one_plus_a``, ``sech_sq`` (:math:`1 - \tanh^2 2K`),
    ``dk`` (:math:`\frac{2}{\pi}\mathrm{K} - 1`), ``braces`` (:math:`\frac{2}{\pi}\{\dots\}`
    of the specific heat) and ``k_coth`` (:math:`K \coth 2K`).
    """
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        ln_x = 2.0 * K - np.log(2.0) + np.log(-np.expm1(-4.0 * K))
        low = ln_x <= 0.0
        w = np.where(low, np.sinh(2.0 * np.where(low, K, 0.0)), 2.0 * np.exp(-2.0 * K) / -np.expm1(-4.0 * K))
        w2 = w * w
        one_minus_w2 = (1.0 - w) * (1.0 + w)
        kappa_sq = (2.0 * w / (1.0 + w2)) ** 2
        p = (one_minus_w2 / (1.0 + w2)) ** 2  # 1 - kappa^2, exact zero at K_c
        a = np.where(low, -one_minus_w2, one_minus_w2) / (1.0 + w2)
        one_plus_a = np.where(low, 2.0 * w2, 2.0) / (1.0 + w2)
        sech_sq = np.where(low, 1.0, w2) / (1.0 + w2)
        # K coth 2K = K sqrt(1 + x^2) / x, written with K / w to survive tiny K
        k_coth = np.where(low, K / np.where(low, w, 1.0), K) * np.sqrt(1.0 + w2)

        series = kappa_sq < _SERIES_LIMIT
        ks = np.where(series, kappa_sq, 0.0)[..., np.newaxis]
        powers = ks ** _N[1:]
        dk_series = np.sum(_C[1:] * powers, axis=-1)
        # (2/pi)(K - E) = sum_n c_n m^n 2n / (2n - 1); its n = 1 term m/2 cancels sech^2 (1 + a)
        # exactly, so only n >= 2 is kept (see onsager_specific_heat)
        rest_series = np.sum((_C * 2.0 * _N / (2.0 * _N - 1.0))[2:] * powers[..., 1:], axis=-1)

        big_k = np.where(kappa_sq < 0.5, special.ellipk(kappa_sq), special.ellipkm1(p))
        big_e = special.ellipe(kappa_sq)
        dk = np.where(series, dk_series, (2.0 / np.pi) * big_k - 1.0)
        critical = p == 0.0
        closed = (2.0 / np.pi) * (big_k - big_e) - sech_sq * (one_plus_a + np.where(critical, 0.0, a * dk))
        braces = np.where(series, rest_series - sech_sq * a * dk_series, closed)
    return {
        "low": low,
        "w": w,
        "kappa_sq": kappa_sq,
        "p": p,
        "a": a,
        "one_plus_a": one_plus_a,
        "sech_sq": sech_sq,
        "dk": dk,
        "braces": braces,
        "k_coth": k_coth,
        "critical": critical,
    }


def onsager_energy_per_site(beta: ArrayLike, coupling: float = 1.0) -> float | NDArray[np.float64]:
    r"""Energy per site :math:`\langle H \rangle / N` of the infinite lattice (Onsager 1944).

    .. math::

        e = -J \coth 2K \left[1 + \frac{2}{\pi}(2\tanh^2 2K - 1)\,\mathrm{K}(\kappa)\right],
        \qquad \kappa = \frac{2\sinh 2K}{\cosh^2 2K},

    evaluated as :math:`-J\coth 2K\,[(1 + a) + a\,\delta_K]` with
    :math:`a = 2\tanh^2 2K - 1` and :math:`\delta_K = \frac{2}{\pi}\mathrm{K} - 1` (a
    power series in :math:`\kappa^2` when it is small), which keeps full relative
    precision at high temperature where :math:`e \approx -2J\tanh K`.

    Parameters
    ----------
    beta : float or array_like
        Inverse temperature(s), finite and > 0.
    coupling : float, default 1.0
        Exchange coupling :math:`J`.

    Returns
    -------
    float or ndarray of float64, shape of ``beta``
        In the units of ``coupling``; :math:`-\sqrt 2 J` at :math:`K_c`.
        For ``coupling < 0`` the value at :math:`|K|`, times :math:`|J|`.
    """
    K = _reduced(beta, coupling)
    parts = _elliptic_parts(K)
    with np.errstate(invalid="ignore", over="ignore"):
        # a * dk -> 0 at K_c, where dk = inf
        bracket = parts["one_plus_a"] + np.where(parts["critical"], 0.0, parts["a"] * parts["dk"])
        # coth 2K * bracket = (K coth 2K) * bracket / K
        energy = -np.where(parts["low"], parts["k_coth"] * bracket / K, np.sqrt(1.0 + parts["w"] ** 2) * bracket)
        hot = K < _HIGH_TEMPERATURE_LIMIT
        energy = np.where(hot, -2.0 * np.tanh(K), energy)
    return as_output(abs(coupling) * energy)


def onsager_specific_heat(beta: ArrayLike, coupling: float = 1.0) -> float | NDArray[np.float64]:
    r"""Specific heat per site of the infinite lattice (dimensionless, :math:`k_B = 1`).

    .. math::

        C = \frac{4}{\pi}(K \coth 2K)^2 \left\{\mathrm{K}(\kappa) - \mathrm{E}(\kappa)
            - (1 - \tanh^2 2K)\left[\frac{\pi}{2} + (2\tanh^2 2K - 1)\mathrm{K}(\kappa)\right]\right\}

    equivalently :math:`C = -K^2 \, \partial_K (e / J)`. Away from :math:`K_c`
    (:math:`\kappa^2 < 1/4`) the braces are summed as a power series in
    :math:`\kappa^2` whose leading terms cancel analytically, so :math:`C` keeps
    its relative precision both at high temperature (:math:`C \approx 2K^2`) and
    at low temperature (:math:`C \approx 64 K^2 e^{-8K}`).

    Parameters
    ----------
    beta : float or array_like
        Inverse temperature(s), finite and > 0.
    coupling : float, default 1.0
        Exchange coupling :math:`J`.

    Returns
    -------
    float or ndarray of float64, shape of ``beta``
        ``inf`` exactly at :math:`K_c` (logarithmic divergence
        :math:`C \approx -\frac{8 K_c^2}{\pi} \ln|1 - K/K_c|`).
    """
    K = _reduced(beta, coupling)
    parts = _elliptic_parts(K)
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        braces = parts["braces"]
        heat = np.where(braces == 0.0, 0.0, 2.0 * parts["k_coth"] ** 2 * braces)
        heat = np.where(K < _HIGH_TEMPERATURE_LIMIT, 2.0 * K * K, heat)
    heat = np.where(parts["critical"], np.inf, heat)
    return as_output(heat)


def onsager_log_partition_function_per_site(beta: ArrayLike, coupling: float = 1.0) -> float | NDArray[np.float64]:
    r"""Free-energy density :math:`\lim_{N\to\infty} \ln Z / N = -\beta f` of the infinite lattice.

    .. math::

        \frac{\ln Z}{N} = \ln(2\cosh 2K) + \frac{1}{2\pi}\int_0^\pi
            \ln\frac{1 + \sqrt{1 - \kappa^2 \sin^2\phi}}{2}\, d\phi ,

    integrated numerically with :func:`scipy.integrate.quad` (absolute error
    below ``1e-13``). At :math:`K_c` it equals :math:`2G/\pi + \tfrac12\ln 2`
    with :math:`G` Catalan's constant.

    Parameters
    ----------
    beta : float or array_like
        Inverse temperature(s), finite and > 0.
    coupling : float, default 1.0
        Exchange coupling :math:`J`.

    Returns
    -------
    float or ndarray of float64, shape of ``beta``
    """
    K = _reduced(beta, coupling)
    kappa_sq = _elliptic_parts(K)["kappa_sq"]
    ln_2cosh = 2.0 * K + np.log1p(np.exp(-4.0 * K))

    def integral(k2: float) -> float:
        def integrand(phi: float) -> float:
            s = np.sin(phi)
            root = np.sqrt(max(1.0 - k2 * s * s, 0.0))
            # ln((1 + root) / 2) = log1p((root - 1) / 2), with root - 1 = -k2 s^2 / (1 + root)
            return float(np.log1p(-0.5 * k2 * s * s / (1.0 + root)))

        # symmetric about pi/2: integrate over [0, pi/2] and double
        value, _ = integrate.quad(integrand, 0.0, 0.5 * np.pi, epsabs=1e-14, epsrel=1e-13, limit=200)
        return 2.0 * value

    values = np.array([integral(float(k2)) for k2 in np.ravel(kappa_sq)]).reshape(np.shape(K))
    return as_output(ln_2cosh + values / (2.0 * np.pi))


def spontaneous_magnetization(beta: ArrayLike, coupling: float = 1.0) -> float | NDArray[np.float64]:
    r"""Spontaneous magnetization per site of the infinite lattice (Onsager, Yang 1952).

    .. math::

        m_0 = \bigl(1 - \sinh^{-4} 2K\bigr)^{1/8} \text{ for } K > K_c, \qquad m_0 = 0 \text{ otherwise}.

    Parameters
    ----------
    beta : float or array_like
        Inverse temperature(s), finite and > 0.
    coupling : float, default 1.0
        Exchange coupling :math:`J`. For ``coupling < 0`` (antiferromagnet) the
        uniform magnetization is 0 at every temperature.

    Returns
    -------
    float or ndarray of float64, shape of ``beta``
        Values in ``[0, 1)``; vanishes like :math:`(K - K_c)^{1/8}` at :math:`K_c`.
    """
    K = _reduced(beta, coupling)
    parts = _elliptic_parts(K)
    z = parts["w"]  # 1 / sinh 2K in the ordered phase
    ordered = (~parts["low"]) & (coupling > 0)
    mag = np.where(ordered, np.exp(np.log1p(-(np.where(ordered, z, 0.0) ** 4)) / 8.0), 0.0)
    return as_output(mag)
