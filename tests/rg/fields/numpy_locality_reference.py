"""The locality metrics in plain NumPy: the reference for the numba kernel (tests) and its baseline (benchmarks).

This is the former NumPy implementation of :mod:`deeprg.rg.fields._fields` (periodic prefix sums for
the windows, circular centroid with the "even spread -> 0" rule, minimum-image distances).
"""

import numpy as np

from deeprg.rg.flow._pairs import minimum_image


def squared_weights(f):
    sq = np.square(f)
    total = sq.sum(axis=(-2, -1), keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sq / np.where(total > 0, total, np.nan)


def box_sums(a, sizes):
    """Sums over every periodic b x b window (entry (i, j): rows i..i+b-1, columns j..j+b-1)."""
    ly, lx = a.shape[-2:]
    big = max(sizes)
    pad = [(0, 0)] * (a.ndim - 2) + [(1, big - 1), (1, big - 1)]
    padded = np.pad(a, pad, mode="wrap")
    padded[..., 0, :] = 0.0
    padded[..., :, 0] = 0.0
    s = padded.cumsum(axis=-2).cumsum(axis=-1)
    corner = s[..., :ly, :lx]
    return [s[..., b : b + ly, b : b + lx] - s[..., :ly, b : b + lx] - s[..., b : b + ly, :lx] + corner for b in sizes]


def centroid_of(w):
    out = []
    for axis, other in ((-2, -1), (-1, -2)):
        n = w.shape[axis]
        marginal = w.sum(axis=other)
        theta = 2 * np.pi * np.arange(n) / n
        re, im = marginal @ np.cos(theta), marginal @ np.sin(theta)
        even = np.hypot(re, im) <= 1e-12
        angle = np.arctan2(np.where(even, 0.0, im), np.where(even, 1.0, re))
        pos = np.mod(angle * (n / (2 * np.pi)), n)
        out.append(np.where(pos >= n, pos - n, pos))
    return np.stack(out, axis=-1)


def radius_of_gyration_of(w, centroid):
    total = np.zeros(w.shape[:-2])
    for axis, other, index in ((-2, -1, 0), (-1, -2, 1)):
        n = w.shape[axis]
        d = minimum_image(np.arange(n) - centroid[..., index, np.newaxis], n)
        total = total + np.sum(w.sum(axis=other) * d * d, axis=-1)
    return np.sqrt(total)


def reference_metrics(f, sizes):
    w = squared_weights(f)
    centroid = centroid_of(w)
    ly, lx = f.shape[-2:]
    norm = np.sqrt(np.sum(f * f, axis=(-2, -1)))
    scale = np.asarray(sizes, dtype=np.float64) * norm[..., np.newaxis]
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "centroid": centroid,
            "radius_of_gyration": radius_of_gyration_of(w, centroid),
            "participation_ratio": 1.0 / np.sum(w * w, axis=(-2, -1)) / (ly * lx),
            "window_fraction": np.stack([s.max(axis=(-2, -1)) for s in box_sums(w, sizes)], axis=-1),
            "block_overlap": np.stack([np.abs(s).max(axis=(-2, -1)) for s in box_sums(f, sizes)], axis=-1)
            / np.where(scale > 0, scale, np.nan),
        }
