"""The L1 scan: locality of an RBM's receptive fields against its pseudo-likelihood, one row per L1 strength.

Mehta & Schwab train their RBMs with an L1 penalty to make the receptive fields local. The scan
trains one RBM per penalty strength (in :mod:`deeprg.rbm.penalty_scan`, every RBM from the same
seed) and measures each one here (:func:`scan_row`), so that the trade-off between locality and
fit can be read off the rows. :func:`locality_scan` composes the two.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Literal, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from deeprg._random import RandomState
from deeprg._validation import check_int, check_real
from deeprg.rg.fields.compactness import compactness
from deeprg.rg.fields.locality import locality_scores
from deeprg.rg.fields.locality_report import PRIMARY_METRIC
from deeprg.rg.fields.receptive import receptive_fields

__all__ = ["locality_scan", "scan_median_z", "scan_row"]


def scan_row(
    rbm: Any,
    X: ArrayLike,
    shape: tuple[int, int] | int,
    *,
    l1: float,
    block_sizes: Sequence[int] | None = None,
    n_surrogates: int = 100,
    null: Literal["phase", "permutation", "both"] = "both",
    random_state: RandomState = None,
) -> dict[str, Any]:
    """Measure one fitted RBM of an L1 scan: its fit, its sparsity and the locality of its receptive fields.

    Parameters
    ----------
    rbm : fitted RBM
        deeprg's or scikit-learn's ``BernoulliRBM`` (anything with ``components_``,
        ``intercept_visible_``, ``intercept_hidden_`` and ``get_params``).
    X : array_like, shape (n_samples, n_visible)
        The bits it was trained on (for the pseudo-likelihood of an RBM without ``history_``).
    shape : (int, int) or int
        Lattice shape of the visible units.
    l1 : float
        The L1 strength the RBM was trained with (recorded in the row).
    block_sizes, n_surrogates, null
        Passed to :func:`~deeprg.rg.fields.locality.locality_scores`.
    random_state : None, int, SeedSequence or Generator
        Seed of the nulls; an L1 scan gives every row the same one (the second of
        :func:`deeprg.rbm.penalty_scan.penalty_scan_seeds`).

    Returns
    -------
    dict
        ``l1``, ``pseudo_likelihood`` (final mean ``log P(v_i | v_-i)`` per spin, from the RBM's
        ``history_``, or computed on the same monitoring subset for RBMs without one),
        ``is_local`` (compact: :attr:`~deeprg.rg.fields.compactness.CompactnessReport.is_compact`),
        ``median_z`` (against the phase null), ``weight_sparsity`` (fraction of weights whose
        magnitude is at most 1e-3 of the largest: :func:`deeprg.rbm.monitoring.weight_sparsity`),
        ``penalty_method`` (the RBM's L1 update; None for estimators without one), ``locality``
        (:meth:`~deeprg.rg.fields.locality_report.LocalityReport.summary`) and ``compactness``
        (:meth:`~deeprg.rg.fields.compactness.CompactnessReport.summary`).
    """
    from deeprg.rbm import functional as F
    from deeprg.rbm.monitoring import monitoring_bits, monitoring_indices, weight_sparsity

    l1 = check_real(l1, "l1", minimum=0.0)
    fields = receptive_fields(rbm, 1, shape)
    W = np.asarray(rbm.components_, dtype=np.float64)
    history = getattr(rbm, "history_", {})
    if history.get("pseudo_likelihood"):
        pll = float(history["pseudo_likelihood"][-1])
    else:
        X = np.asarray(X)
        bits = monitoring_bits(np.asarray(X, dtype=np.float64)[monitoring_indices(len(X))])
        pll = float(F.pseudo_log_likelihood(bits, W, rbm.intercept_visible_, rbm.intercept_hidden_).mean())
    report = locality_scores(fields, block_sizes=block_sizes, n_surrogates=n_surrogates, null=null,
                             random_state=random_state)
    summary = report.summary()
    compact = compactness(fields, random_state=random_state)
    return {"l1": l1, "pseudo_likelihood": pll, "is_local": compact.is_compact,
            "median_z": summary["median_z"], "weight_sparsity": weight_sparsity(W),
            "penalty_method": rbm.get_params().get("penalty_method"), "locality": summary,
            "compactness": compact.summary()}


def locality_scan(
    X: ArrayLike,
    strengths: Sequence[float],
    *,
    n_components: int,
    shape: tuple[int, int] | int,
    make_rbm: Callable[[float, int], Any] | None = None,
    fit: Callable[[Any, Any], Any] | None = None,
    n_iter: int = 10,
    block_sizes: Sequence[int] | None = None,
    n_surrogates: int = 100,
    null: Literal["phase", "permutation", "both"] = "both",
    random_state: RandomState = None,
) -> list[dict[str, Any]]:
    """Train one RBM per L1 strength: locality of its receptive fields against its pseudo-likelihood.

    Every RBM gets the same seed (same initial weights and mini-batch order), so the curves
    differ only through the penalty. A row does not depend on which other strengths are in the
    scan, so a scan can be run (and resumed) one strength at a time with the same ``random_state``.
    The training is :func:`deeprg.rbm.penalty_scan.fit_penalty_scan`, the measurement
    :func:`scan_row`, with the seeds of :func:`deeprg.rbm.penalty_scan.penalty_scan_seeds`.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_visible)
        Training bits in {0, 1}.
    strengths : sequence of float
        L1 penalties (``l1`` of :class:`deeprg.rbm.BernoulliRBM`).
    n_components : int
        Hidden units of every RBM.
    shape : (int, int) or int
        Lattice shape of the visible units.
    make_rbm : callable, optional
        ``make_rbm(strength, seed)`` returning an unfitted RBM, to change other settings;
        default ``BernoulliRBM(n_components, l1=strength, n_iter=n_iter, random_state=seed)``.
    fit : callable, optional
        ``fit(rbm, X)`` trains the RBM from ``make_rbm`` and returns the fitted estimator, e.g.
        to resume it from a checkpoint; default ``rbm.fit(X)``.
    n_iter : int, default 10
        Epochs of the default RBM.
    block_sizes, n_surrogates, null
        Passed to :func:`~deeprg.rg.fields.locality.locality_scores`.
    random_state : None, int, SeedSequence or Generator
        Draws one seed shared by all the RBMs and one shared by all the nulls.

    Returns
    -------
    list of dict, one per strength
        The rows of :func:`scan_row`.
    """
    from deeprg.rbm.penalty_scan import fit_penalty_scan, penalty_scan_seeds

    strengths = list(strengths)
    n_components = check_int(n_components, "n_components", minimum=1)
    fit_seed, null_seed = penalty_scan_seeds(random_state)
    rbms = fit_penalty_scan(X, strengths, seed=fit_seed, n_components=n_components, n_iter=n_iter,
                            make_rbm=make_rbm, fit=fit)
    return [scan_row(rbm, X, shape, l1=strength, block_sizes=block_sizes, n_surrogates=n_surrogates, null=null,
                     random_state=null_seed)
            for strength, rbm in zip(strengths, rbms, strict=True)]


def scan_median_z(row: Mapping[str, Any], null: str) -> float | None:
    """The median primary z of a scan row (:func:`scan_row`) against ``null`` (None when not recorded).

    Rows keep every null's medians in ``row["locality"]["z"]``; the phase null's is also the
    row's ``median_z``, which is used when the full summary is missing.
    """
    entry = (((row.get("locality") or {}).get("z") or {}).get(null) or {}).get(PRIMARY_METRIC) or {}
    value = entry.get("median", row.get("median_z") if null == "phase" else None)
    if value is None or isinstance(value, bool):
        return None
    value = float(value)
    return value if math.isfinite(value) else None
