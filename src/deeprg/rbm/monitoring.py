"""Per-epoch training metrics, computed on a fixed subset so that they are cheap and comparable.

Monitoring draws nothing from the training stream: the subset and the binarization
of probabilistic inputs come from their own fixed seed, so what is learned does not
depend on whether or how it is watched.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from deeprg.rbm import functional as F

#: Samples (a fixed random subset) on which the per-epoch metrics are computed. The
#: pseudo-likelihood costs n_features * n_components softplus evaluations per sample
#: (0.1 s for 64 samples at 1600 -> 400, against 0.8 s for the epoch itself); the subset
#: is fixed, so the learning curve's epoch-to-epoch noise is small.
MONITOR_SAMPLES = 64
#: Seed of the fixed binarization of probabilistic inputs (upper DBN layers) for the
#: pseudo-likelihood; separate from the training stream, so monitoring never changes training.
_MONITOR_SEED = 20141010

def monitoring_indices(n_samples: int) -> NDArray[np.intp]:
    """The fixed subset of at most ``MONITOR_SAMPLES`` rows on which epoch metrics are computed.

    Drawn from its own fixed seed, never from the training stream, so monitoring
    cannot change what is learned.
    """
    rng = np.random.default_rng(_MONITOR_SEED)
    return np.sort(rng.choice(n_samples, size=min(n_samples, MONITOR_SAMPLES), replace=False))


def monitoring_bits(X: NDArray) -> NDArray:
    """``X`` if it is binary, else one fixed Bernoulli draw of it.

    The pseudo-likelihood is defined for bits, but upper layers of a network learn
    from probabilities; the draw uses its own fixed seed, so monitoring never
    touches the training stream and gives the same numbers every time.
    """
    if np.all((X == 0) | (X == 1)):
        return X
    return F.sample_bernoulli(X, np.random.default_rng(_MONITOR_SEED))


def weight_sparsity(W: NDArray) -> float:
    """Fraction of weights whose magnitude is at most 1e-3 of the largest (1.0 for all-zero weights)."""
    largest = float(np.abs(W).max()) if W.size else 0.0
    return float(np.mean(np.abs(W) <= 1e-3 * largest)) if largest else 1.0


def epoch_metrics(X: NDArray, X_val: NDArray | None, W: NDArray, b: NDArray, c: NDArray) -> dict[str, float]:
    """Pseudo-likelihood per spin, reconstruction error and weight sparsity (and held-out figures).

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_visible)
        Training data; the metrics use the rows of :func:`monitoring_indices`.
    X_val : ndarray, shape (n_val, n_visible) or None
        Held-out data; its first ``MONITOR_SAMPLES`` rows give ``pseudo_likelihood_val``
        and ``free_energy_gap`` (held-out minus training mean free energy).
    W, b, c : ndarray
        Weights (n_hidden, n_visible), visible and hidden biases.

    Returns
    -------
    dict of str to float
    """
    monitored = monitoring_bits(X[monitoring_indices(len(X))])
    held_out = None if X_val is None else monitoring_bits(X_val[:MONITOR_SAMPLES])
    # both subsets' pseudo-likelihoods in one call (each row's is its own: the same numbers as two calls)
    both = monitored if held_out is None else np.concatenate((monitored, held_out))
    pll = F.pseudo_log_likelihood(both, W, b, c)
    logs = {
        "pseudo_likelihood": float(pll[: len(monitored)].mean()),
        "reconstruction_error": float(F.reconstruction_error(monitored, W, b, c)),
        "weight_sparsity": weight_sparsity(W),
    }
    if held_out is not None:
        logs["pseudo_likelihood_val"] = float(pll[len(monitored):].mean())
        logs["free_energy_gap"] = float(F.free_energy(held_out, W, b, c).mean() - F.free_energy(monitored, W, b, c).mean())
    return logs
