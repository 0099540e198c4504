r"""Locality of receptive fields, measured against null models.

"The receptive fields look like block spins" becomes a number per unit and a verdict per layer:

1. Metrics of each field on the periodic lattice (from the squared, normalised field
   :math:`w = f^2 / \sum f^2`): :func:`circular_centroid`, :func:`radius_of_gyration`,
   :func:`participation_ratio`, :func:`window_fraction` and :func:`block_overlap` for block
   sizes ``b = 2, 4, 8, ...``.
2. The same metrics on surrogate fields from two null models (:mod:`deeprg.rg.fields.nulls`):
   phase-randomized surrogates keep the field's smoothness (its Fourier amplitudes) and move its
   weight around; permuted surrogates keep its values (its sparsity) and scatter them. Each metric
   gets a z-score per unit against each null, signed so that **positive means more local than
   the null**.
3. A verdict per layer (:attr:`LocalityReport.is_local`): the **primary statistic** is the z-score
   of the window fraction at the unit's fitted block size; a layer is local when the median of
   this z over its units exceeds :data:`LOCALITY_Z_THRESHOLD` (3.0) against **both** nulls. The
   phase null alone calls sparse fields with scattered spikes local (the L1 penalty makes fields
   sparse, so this matters); the permutation null alone calls almost any smooth field local.
   The fitted block size of a unit is the ``b`` whose ideal ``b x b`` block best matches the field
   (largest :func:`block_overlap`), so the statistic is not itself maximised over ``b``.

:func:`scale_growth` compares the scales of successive layers. The L1 scan (one RBM per strength:
locality against pseudo-likelihood) is in :mod:`deeprg.rg.fields.scan`.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeprg._random import RandomState, check_random_state
from deeprg._validation import check_int, check_real
from deeprg.errors import InvalidParameterError
from deeprg.rg._json import plain_float
from deeprg.rg.fields._fields import (
    block_overlap,
    check_block_size,
    check_fields,
    circular_centroid,
    metrics_of,
    participation_ratio,
    radius_of_gyration,
    window_fraction,
)
from deeprg.rg.fields.locality_report import METRICS, LocalityReport, NullComparison
from deeprg.rg.fields.nulls import permuted, phase_randomized

__all__ = [
    "LOCALITY_Z_THRESHOLD",
    "METRICS",
    "LocalityReport",
    "NullComparison",
    "block_overlap",
    "circular_centroid",
    "locality_scores",
    "participation_ratio",
    "permuted",
    "phase_randomized",
    "radius_of_gyration",
    "scale_growth",
    "window_fraction",
]

#: A layer is local when the median over its units of the primary z-score (window fraction at the
#: fitted block size, phase-randomized null) exceeds this value: a median unit three null standard
#: deviations more concentrated than smooth fields with the same power spectrum.
LOCALITY_Z_THRESHOLD = 3.0

_NULLS = {"phase": phase_randomized, "permutation": permuted}
#: Most surrogate values held at once by locality_scores (units are processed in chunks).
_CHUNK_ELEMENTS = 1 << 21


def default_block_sizes(shape: tuple[int, int]) -> tuple[int, ...]:
    """``(2, 4, 8, ...)`` up to half the smaller side; ``(1,)`` for lattices narrower than 4."""
    half = min(shape) // 2
    sizes = tuple(2**k for k in range(1, max(1, half).bit_length()) if 2**k <= half)
    return sizes or (1,)


def _only_metrics(values: dict[str, NDArray]) -> dict[str, NDArray]:
    """The entries of :data:`METRICS` from :func:`~deeprg.rg.fields._fields.metrics_of`'s output."""
    return {m: values[m] for m in METRICS}


def _zscore(value: NDArray, mean: NDArray, std: NDArray, sign: int) -> NDArray:
    diff = sign * (value - mean)
    tol = 1e-9 * np.maximum(1.0, np.abs(mean))
    degenerate = std <= tol
    with np.errstate(invalid="ignore", divide="ignore"):
        z = diff / np.where(degenerate, 1.0, std)
    flat = np.where(np.abs(diff) <= tol, 0.0, np.copysign(np.inf, diff))
    return np.where(degenerate & ~np.isnan(diff), flat, z)


def locality_scores(
    fields: ArrayLike,
    *,
    block_sizes: Sequence[int] | None = None,
    n_surrogates: int = 200,
    null: Literal["phase", "permutation", "both"] = "both",
    threshold: float = LOCALITY_Z_THRESHOLD,
    random_state: RandomState = None,
) -> LocalityReport:
    r"""Measure every locality metric of every field and compare it with a null model.

    For each unit and each metric :math:`m` (see :data:`METRICS`) the null gives the mean
    :math:`\mu` and standard deviation :math:`\sigma` of :math:`m` over ``n_surrogates``
    surrogates of that unit's field, and

    .. math::

        z = s_m \, \frac{m - \mu}{\sigma},

    with :math:`s_m = -1` for the radius of gyration and the participation ratio (smaller is
    more local) and :math:`+1` for the window fraction and the block overlap (larger is more
    local), so **z > 0 means more local than the null**.

    The fitted block size of a unit is the ``b`` in ``block_sizes`` with the largest block
    overlap. The layer's verdict (:attr:`LocalityReport.is_local`) uses one primary statistic,
    the z of the window fraction at the fitted block size: the layer is local when its median
    over the units exceeds ``threshold`` (:data:`LOCALITY_Z_THRESHOLD` = 3.0 by default) against
    every computed null.

    Parameters
    ----------
    fields : array_like, shape (n_units, Ly, Lx) or (Ly, Lx)
        Receptive fields (e.g. from :func:`~deeprg.rg.fields.receptive.receptive_fields`).
    block_sizes : sequence of int, optional
        Window and block sides; default ``2, 4, 8, ...`` up to half the smaller side.
    n_surrogates : int, default 200
        Surrogates per unit and per null (at least 2).
    null : {"phase", "permutation", "both"}, default "both"
        Phase-randomized surrogates (same Fourier amplitudes: the null that keeps smoothness),
        random permutations of the sites (the null that keeps sparsity), or both, which the
        verdict then needs to beat. Each null has its own random stream, so the phase results
        do not depend on whether the permutation null is computed too.
    threshold : float, default LOCALITY_Z_THRESHOLD
        Verdict threshold on the median primary z.
    random_state : None, int, SeedSequence or Generator

    Returns
    -------
    LocalityReport

    Examples
    --------
    >>> fields = receptive_fields(dbn, layer=1, shape=(40, 40))  # doctest: +SKIP
    >>> report = locality_scores(fields, null="both", random_state=0)  # doctest: +SKIP
    >>> report.is_local, report.summary()["median_fitted_block_size"]  # doctest: +SKIP
    """
    f = check_fields(fields)
    n, ly, lx = f.shape
    if block_sizes is None:
        sizes = default_block_sizes((ly, lx))
    else:
        if isinstance(block_sizes, (int, np.integer)) or len(block_sizes) == 0:
            raise InvalidParameterError(f"block_sizes must be a non-empty sequence of ints; got {block_sizes!r}.")
        sizes = tuple(sorted({check_block_size(b, f.shape, "block size") for b in block_sizes}))
    n_surrogates = check_int(n_surrogates, "n_surrogates", minimum=2, hint=" The null's spread needs two surrogates at least.")
    if null not in ("phase", "permutation", "both"):
        raise InvalidParameterError(f"null must be 'phase', 'permutation' or 'both'; got {null!r}.")
    threshold = check_real(threshold, "threshold")
    names = ["phase", "permutation"] if null == "both" else [null]
    streams = dict(zip(_NULLS, check_random_state(random_state).spawn(len(_NULLS)), strict=True))

    all_values = metrics_of(f, sizes)
    values = _only_metrics(all_values)
    fitted_index = np.argmax(np.nan_to_num(values["block_overlap"], nan=-1.0), axis=1)
    dead = np.isnan(values["radius_of_gyration"])
    fitted = np.where(dead, 0, np.asarray(sizes)[fitted_index])

    chunk = max(1, _CHUNK_ELEMENTS // (n_surrogates * ly * lx))
    comparisons = {}
    for name in names:
        parts: dict[str, list[tuple[NDArray, NDArray]]] = {m: [] for m in METRICS}
        for start in range(0, n, chunk):
            surrogates = _NULLS[name](f[start : start + chunk], n_surrogates, streams[name])
            for metric, samples in _only_metrics(metrics_of(surrogates, sizes)).items():
                parts[metric].append((samples.mean(axis=1), samples.std(axis=1, ddof=1)))
        mean = {m: np.concatenate([p[0] for p in parts[m]]) for m in METRICS}
        std = {m: np.concatenate([p[1] for p in parts[m]]) for m in METRICS}
        z = {m: _zscore(values[m], mean[m], std[m], METRICS[m]) for m in METRICS}
        comparisons[name] = NullComparison(name=name, mean=mean, std=std, z=z)
    return LocalityReport(
        shape=(ly, lx),
        block_sizes=np.asarray(sizes, dtype=np.int64),
        centroid=all_values["centroid"],
        values=values,
        nulls=comparisons,
        fitted_block_size=fitted.astype(np.int64),
        primary_null=names[0],
        n_surrogates=n_surrogates,
        threshold=threshold,
    )


def scale_growth(reports_by_layer: Sequence[LocalityReport] | Mapping[int, LocalityReport]) -> dict[str, Any]:
    r"""The spatial scale of each layer and how it grows from one layer to the next.

    Scales are medians over a layer's units (with a nonzero field): the radius of gyration
    :math:`R_g`, the equivalent block size :math:`b_\mathrm{eq} = \sqrt{1 + 6 R_g^2}` (equal to
    ``b`` for a uniform ``b x b`` block) and the fitted block size. Block-spin RG with blocks of
    side 2 per layer gives growth factors of 2.

    Parameters
    ----------
    reports_by_layer : sequence of LocalityReport, or mapping of layer number to LocalityReport
        Bottom layer first (a mapping is ordered by its keys).

    Returns
    -------
    dict
        ``layers`` (layer numbers, from 1 for a sequence), ``is_local``,
        ``median_radius_of_gyration``, ``median_equivalent_block_size``,
        ``median_fitted_block_size`` (one per layer) and ``growth_radius_of_gyration``,
        ``growth_equivalent_block_size``, ``growth_fitted_block_size`` (ratios of consecutive
        layers, one fewer), plus their geometric means ``mean_growth_*``. Plain floats (``None`` when undefined).
    """
    if isinstance(reports_by_layer, Mapping):
        layers = sorted(reports_by_layer)
        reports = [reports_by_layer[k] for k in layers]
    else:
        reports = list(reports_by_layer)
        layers = list(range(1, len(reports) + 1))
    if not reports or not all(isinstance(r, LocalityReport) for r in reports):
        raise InvalidParameterError("scale_growth needs one or more LocalityReport objects, bottom layer first.")
    summaries = [r.summary() for r in reports]
    out: dict[str, Any] = {"layers": [int(k) for k in layers], "is_local": [s["is_local"] for s in summaries]}
    for key in ("radius_of_gyration", "equivalent_block_size", "fitted_block_size"):
        scales = [s[f"median_{key}"] for s in summaries]
        growth = [plain_float(b / a) if a and b is not None else None for a, b in zip(scales[:-1], scales[1:], strict=True)]
        out[f"median_{key}"] = scales
        out[f"growth_{key}"] = growth
        valid = [g for g in growth if g is not None and g > 0]
        out[f"mean_growth_{key}"] = plain_float(math.exp(np.mean(np.log(valid)))) if valid else None
    return out
