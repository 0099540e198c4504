r"""Null models for locality: surrogate fields that keep some property of a field and scramble the rest.

Receptive fields learned from Ising data are spatially smooth, and a smooth field concentrates
its weight more than a field whose values were shuffled over the lattice, whether or not it is
local. So the reference null is :func:`phase_randomized`: surrogates with exactly the same 2-D
Fourier amplitudes (hence the same power spectrum and two-point autocorrelation, i.e. the same
smoothness) and random phases. :func:`permuted` (values shuffled over the sites) keeps only the
histogram of values; it is reported beside the phase null to show how much smoothness alone
would "explain".

Both return arrays of shape ``(n, n_surrogates, Ly, Lx)``: mind the memory for many large
fields (:func:`deeprg.rg.fields.locality.locality_scores` works through the units in chunks).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg._random import RandomState, check_random_state
from deeprg._validation import check_int
from deeprg.rg.fields._fields import check_fields

__all__ = ["permuted", "phase_randomized"]


def random_phases(shape: tuple[int, ...], ly: int, lx: int, rng: np.random.Generator) -> NDArray[np.complex128]:
    r"""Unit-modulus factors on the ``rfft2`` half-plane, Hermitian-consistent, uniform in phase.

    They are the phases of the ``rfft2`` of real Gaussian white noise: for every pair of
    frequencies :math:`\pm k` the phase is uniform on the circle and the pair is conjugate, and at
    the self-conjugate frequencies (the zero and Nyquist rows and columns' fixed points) the factor
    is a random sign :math:`\pm 1`, which keeps the surrogate real. The zero frequency gets 1 (the
    surrogate keeps the field's mean).

    Returns
    -------
    ndarray of complex128, shape (*shape, Ly, Lx // 2 + 1)
    """
    factors = np.fft.rfft2(rng.standard_normal((*shape, ly, lx)))
    magnitude = np.abs(factors)
    zero = magnitude == 0  # a zero of the noise spectrum (probability zero) gets the factor 1
    if zero.any():
        np.divide(factors, magnitude, out=factors, where=~zero)
        factors[zero] = 1.0
    else:
        np.divide(factors, magnitude, out=factors)  # in place: no temporaries
    factors[..., 0, 0] = 1.0
    return factors


def phase_randomized(fields: ArrayLike, n_surrogates: int, random_state: RandomState = None) -> NDArray[np.float64]:
    r"""Surrogates with the same Fourier amplitudes as each field and random phases.

    .. math::

        \tilde f = \mathcal{F}^{-1}\bigl[\,|\hat f(k)|\, e^{i(\arg \hat f(k) + \phi_k)}\bigr],
        \qquad \phi_{-k} = -\phi_k ,

    computed with ``numpy.fft.rfft2`` / ``irfft2`` on the half-plane. The random phases respect
    Hermitian symmetry (including in the zero and Nyquist columns, whose entries at
    :math:`k_y` and :math:`-k_y` are both stored), and at the self-conjugate frequencies they are
    :math:`0` or :math:`\pi`, so every surrogate is real and :math:`|\hat{\tilde f}(k)| = |\hat f(k)|`
    at every frequency, to rounding. The zero frequency is kept, so surrogates have the field's
    mean (and the same sum of squares, by Parseval). For a stationary Gaussian random field the
    field itself is exchangeable with its surrogates; that is what makes z-scores against this
    null calibrated.

    Parameters
    ----------
    fields : array_like, shape (n, Ly, Lx) or (Ly, Lx)
    n_surrogates : int
        Surrogates per field.
    random_state : None, int, SeedSequence or Generator

    Returns
    -------
    ndarray of float64, shape (n, n_surrogates, Ly, Lx)
    """
    f = check_fields(fields)
    n_surrogates = check_int(n_surrogates, "n_surrogates", minimum=1)
    rng = check_random_state(random_state)
    n, ly, lx = f.shape
    spectrum = np.fft.rfft2(f)[:, np.newaxis]  # (n, 1, Ly, Lx//2+1)
    phases = random_phases((n, n_surrogates), ly, lx, rng)
    return np.fft.irfft2(np.multiply(spectrum, phases, out=phases), s=(ly, lx))


def permuted(fields: ArrayLike, n_surrogates: int, random_state: RandomState = None) -> NDArray[np.float64]:
    """Surrogates whose values are those of each field, shuffled over the sites.

    Each surrogate is an independent uniformly random permutation of the ``Ly * Lx`` values; it
    keeps the histogram of values (so the participation ratio is unchanged) and destroys all
    spatial structure, smoothness included.

    Parameters
    ----------
    fields : array_like, shape (n, Ly, Lx) or (Ly, Lx)
    n_surrogates : int
        Surrogates per field.
    random_state : None, int, SeedSequence or Generator

    Returns
    -------
    ndarray of float64, shape (n, n_surrogates, Ly, Lx)
    """
    f = check_fields(fields)
    n_surrogates = check_int(n_surrogates, "n_surrogates", minimum=1)
    rng = check_random_state(random_state)
    n, ly, lx = f.shape
    flat = np.broadcast_to(f.reshape(n, 1, ly * lx), (n, n_surrogates, ly * lx))
    # a C-contiguous ``out`` (same shuffles as without one) spares the metrics a copy
    out = np.empty((n, n_surrogates, ly * lx))
    return rng.permuted(flat, axis=-1, out=out).reshape(n, n_surrogates, ly, lx)
