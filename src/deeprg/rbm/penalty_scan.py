"""Train one RBM per L1 strength, all from the same seed, so that they differ only through the penalty.

This is the training half of the L1 scan; :func:`deeprg.rg.fields.scan.scan_row` measures each
fitted RBM and :func:`deeprg.rg.locality_scan` composes the two. Training lives here so that the
analysis package never trains a model itself.

Examples
--------
>>> import numpy as np
>>> X = (np.random.default_rng(0).random((60, 9)) < 0.5).astype(np.float64)
>>> fit_seed, measure_seed = penalty_scan_seeds(0)
>>> rbms = list(fit_penalty_scan(X, [0.0, 0.01], n_components=2, n_iter=1, seed=fit_seed))
>>> [rbm.get_params()["l1"] for rbm in rbms]
[0.0, 0.01]
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

import numpy as np
from numpy.typing import ArrayLike

from deeprg._random import RandomState, check_random_state
from deeprg._validation import check_int
from deeprg.errors import InvalidParameterError

__all__ = ["fit_penalty_scan", "penalty_scan_seeds"]


def penalty_scan_seeds(random_state: RandomState) -> tuple[int, int]:
    """The two seeds of an L1 scan: one shared by every RBM's training, one shared by what is measured on them.

    Both are drawn at once (two integers in ``[0, 2**31 - 1)``), so a scan gives the same numbers
    whether it is run at once or one strength at a time with the same integer ``random_state``.

    Parameters
    ----------
    random_state : None, int, SeedSequence or Generator
        A ``Generator`` is advanced by one draw of two integers: call this once per scan.

    Returns
    -------
    fit_seed : int
        Seed of every RBM (same initial weights and mini-batch order).
    measure_seed : int
        Seed of the measurement of every fitted RBM (e.g. the locality nulls of
        :func:`deeprg.rg.fields.scan.scan_row`).
    """
    rng = check_random_state(random_state)
    fit_seed, measure_seed = (int(s) for s in rng.integers(0, 2**31 - 1, size=2))
    return fit_seed, measure_seed


def fit_penalty_scan(
    X: ArrayLike,
    strengths: Sequence[float],
    *,
    seed: int,
    n_components: int | None = None,
    n_iter: int = 10,
    make_rbm: Callable[[float, int], Any] | None = None,
    fit: Callable[[Any, Any], Any] | None = None,
) -> Iterator[Any]:
    """Fit one RBM per L1 strength, every one from the same ``seed``, lazily (one RBM held at a time).

    Parameters
    ----------
    X : array_like, shape (n_samples, n_visible)
        Training bits in {0, 1}.
    strengths : sequence of float
        L1 penalties (``l1`` of :class:`deeprg.rbm.BernoulliRBM`), in the order the RBMs are yielded.
    seed : int
        Seed of every RBM, e.g. the first of :func:`penalty_scan_seeds`.
    n_components : int, optional
        Hidden units of the default RBM (required without ``make_rbm``).
    n_iter : int, default 10
        Epochs of the default RBM.
    make_rbm : callable, optional
        ``make_rbm(strength, seed)`` returning an unfitted RBM, to change other settings;
        default ``BernoulliRBM(n_components, l1=strength, n_iter=n_iter, random_state=seed)``.
    fit : callable, optional
        ``fit(rbm, X)`` trains the RBM from ``make_rbm`` and returns the fitted estimator, e.g.
        to resume it from a checkpoint; default ``rbm.fit(X)``.

    Yields
    ------
    fitted RBM, one per strength
    """
    from deeprg.rbm.estimator import BernoulliRBM

    strengths = list(strengths)
    if not strengths:
        raise InvalidParameterError("strengths is empty; give the L1 penalties to scan, e.g. [0, 2e-4, 2e-3].")
    seed = check_int(seed, "seed", minimum=0)
    if make_rbm is None:
        if n_components is None:
            raise InvalidParameterError(
                "fit_penalty_scan needs n_components (hidden units of the default RBM) or make_rbm; got neither."
            )
        n_components = check_int(n_components, "n_components", minimum=1)

        def make_rbm(strength: float, seed: int) -> Any:
            return BernoulliRBM(n_components, l1=strength, n_iter=n_iter, random_state=seed)

    X = np.asarray(X)
    return (_fit_one(make_rbm(strength, seed), X, fit) for strength in strengths)


def _fit_one(rbm: Any, X: np.ndarray, fit: Callable[[Any, Any], Any] | None) -> Any:
    return rbm.fit(X) if fit is None else fit(rbm, X)
