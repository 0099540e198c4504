"""Locality metrics on the torus, the null models, z-scores, per-layer verdicts, scale growth."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deeprg.errors import InvalidParameterError
from deeprg.rbm import BernoulliRBM, DeepBeliefNetwork
from deeprg.rg.fields.locality import (
    LOCALITY_Z_THRESHOLD,
    METRICS,
    block_overlap,
    circular_centroid,
    locality_scores,
    participation_ratio,
    permuted,
    phase_randomized,
    radius_of_gyration,
    scale_growth,
    window_fraction,
)
from deeprg.rg.fields.nulls import random_phases
from deeprg.rg.fields.receptive import receptive_fields


def block(L, b, top=0, left=0, value=1.0):
    """A uniform b x b block at (top, left) on an L x L torus (wrapping around the edges)."""
    f = np.zeros((L, L))
    rows, cols = (np.arange(top, top + b) % L), (np.arange(left, left + b) % L)
    f[np.ix_(rows, cols)] = value
    return f


def tiling(L, b):
    return np.array([block(L, b, i, j) for i in range(0, L, b) for j in range(0, L, b)])


def fitted_rbm(W):
    rbm = BernoulliRBM(W.shape[0], dtype="float64")
    rbm.components_ = np.asarray(W, dtype=np.float64)
    rbm.intercept_hidden_ = np.zeros(W.shape[0])
    rbm.intercept_visible_ = np.zeros(W.shape[1])
    rbm.n_features_in_ = W.shape[1]
    return rbm


def fitted_dbn(weights):
    dbn = DeepBeliefNetwork([BernoulliRBM(len(W)) for W in weights])
    dbn.layers_ = [fitted_rbm(W) for W in weights]
    dbn.n_features_in_ = weights[0].shape[1]
    return dbn


def smooth_random_fields(n, L, ell, rng):
    """Stationary Gaussian random fields with a Gaussian correlation of length ``ell`` (white noise for 0)."""
    k = 2 * np.pi * np.fft.fftfreq(L)
    filt = np.exp(-(k[:, None] ** 2 + k[None, :] ** 2) * ell**2 / 4)
    return np.fft.ifft2(np.fft.fft2(rng.standard_normal((n, L, L))) * filt).real


# ---------------------------------------------------------------------------- metrics


def test_metrics_of_hand_made_fields():
    L = 8
    delta, uniform, square = block(L, 1, 3, 5), np.ones((L, L)), block(L, 2, 2, 4, value=-3.0)
    np.testing.assert_allclose(circular_centroid(np.array([delta, square])), [[3, 5], [2.5, 4.5]], atol=1e-12)
    np.testing.assert_allclose(radius_of_gyration(np.array([delta, square])), [0, np.sqrt(0.5)], atol=1e-12)
    np.testing.assert_allclose(radius_of_gyration(uniform), [np.sqrt((L**2 + 2) / 6)])
    np.testing.assert_allclose(participation_ratio(np.array([delta, square, uniform])), [1 / 64, 4 / 64, 1])
    for b in (1, 2, 4, 8):
        np.testing.assert_allclose(window_fraction(uniform, b), [b * b / 64])
        np.testing.assert_allclose(window_fraction(square, b), [min(b, 2) ** 2 / 4])
        np.testing.assert_allclose(block_overlap(square, b), [min(b, 2) ** 2 / (2 * b)])  # 1 only at b = 2
    assert window_fraction(uniform, 3).shape == (1,)  # a single 2-D field is one unit


def test_zero_field_has_undefined_metrics():
    fields = np.array([np.zeros((4, 4)), block(4, 2)])
    for metric in (radius_of_gyration, participation_ratio, lambda f: window_fraction(f, 2)):
        values = metric(fields)
        assert np.isnan(values[0]) and np.isfinite(values[1])
    report = locality_scores(fields, n_surrogates=10, random_state=0)
    assert report.fitted_block_size.tolist() == [0, 2]
    assert report.summary()["n_dead"] == 1 and report.summary()["n_units"] == 2


@pytest.mark.parametrize("corner", [(7, 3), (3, 7), (7, 7), (0, 0)])
def test_a_block_across_the_boundary_is_as_local_as_an_interior_block(corner):
    L = 8
    inside, across = block(L, 2, 3, 3), block(L, 2, *corner)  # (7, 3) covers rows {7, 0}
    for metric in (radius_of_gyration, participation_ratio, lambda f: window_fraction(f, 2), lambda f: block_overlap(f, 2)):
        np.testing.assert_allclose(metric(across), metric(inside), rtol=1e-12)
    np.testing.assert_allclose(circular_centroid(across)[0], (np.array(corner) + 0.5) % L)
    report = locality_scores(np.array([inside, across]), block_sizes=(2, 4), n_surrogates=100, random_state=0)
    assert report.fitted_block_size.tolist() == [2, 2]
    assert np.all(report.primary_z > LOCALITY_Z_THRESHOLD)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), L=st.integers(3, 9), shift=st.tuples(st.integers(-9, 9), st.integers(-9, 9)))
def test_metrics_are_translation_invariant_on_the_torus(seed, L, shift):
    f = np.random.default_rng(seed).standard_normal((2, L, L))
    g = np.roll(f, shift, axis=(1, 2))
    for metric in (radius_of_gyration, participation_ratio, lambda x: window_fraction(x, 2), lambda x: block_overlap(x, 3)):
        np.testing.assert_allclose(metric(g), metric(f), rtol=1e-9)
    moved = (circular_centroid(g) - circular_centroid(f) - np.array(shift)) % L
    np.testing.assert_allclose(np.minimum(moved, L - moved), 0, atol=1e-9)


# ---------------------------------------------------------------------------- nulls


@pytest.mark.parametrize("shape", [(8, 8), (7, 7), (6, 9), (5, 1)])
def test_phase_surrogates_keep_the_fourier_amplitudes_exactly(shape):
    rng = np.random.default_rng(1)
    fields = rng.standard_normal((3, *shape)) + 0.3
    surrogates = phase_randomized(fields, 20, random_state=2)
    assert surrogates.shape == (3, 20, *shape) and surrogates.dtype == np.float64  # real by construction
    original = np.abs(np.fft.fft2(fields))[:, np.newaxis]
    np.testing.assert_allclose(np.abs(np.fft.fft2(surrogates)), np.broadcast_to(original, surrogates.shape), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(surrogates.mean(axis=(2, 3)), np.broadcast_to(fields.mean(axis=(1, 2))[:, None], (3, 20)))
    assert not np.allclose(surrogates[:, 0], fields)  # the phases did change
    np.testing.assert_array_equal(surrogates, phase_randomized(fields, 20, random_state=2))


def test_phase_surrogate_phases_are_uniform_and_hermitian():
    field = smooth_random_fields(1, 8, 1.0, np.random.default_rng(3))[0]
    spectra = np.fft.fft2(phase_randomized(field, 4000, random_state=4)[0])
    phase_shift = spectra / np.fft.fft2(field)
    # a non-self-conjugate frequency: uniform phase, so the mean unit phasor is ~ 1/sqrt(4000)
    assert abs(np.mean(phase_shift[:, 1, 2] / np.abs(phase_shift[:, 1, 2]))) < 0.06
    # a self-conjugate frequency (the Nyquist corner): the phase is 0 or pi, half the time each
    nyquist = phase_shift[:, 4, 4]
    np.testing.assert_allclose(nyquist.imag, 0, atol=1e-9)
    assert 0.45 < np.mean(nyquist.real > 0) < 0.55


def test_permutation_surrogates_shuffle_the_values():
    field = np.arange(12.0).reshape(3, 4)
    surrogates = permuted(field, 5, random_state=0)
    assert surrogates.shape == (1, 5, 3, 4)
    np.testing.assert_array_equal(np.sort(surrogates.reshape(5, 12), axis=1), np.broadcast_to(np.arange(12.0), (5, 12)))
    assert len({s.tobytes() for s in surrogates[0]}) == 5


def test_permutation_surrogates_are_contiguous_and_match_a_plain_shuffle():
    fields = np.random.default_rng(11).standard_normal((3, 4, 5))
    surrogates = permuted(fields, 7, random_state=12)
    assert surrogates.flags["C_CONTIGUOUS"]  # the metric kernel reads them without a copy
    flat = np.broadcast_to(fields.reshape(3, 1, 20), (3, 7, 20))
    expected = np.random.default_rng(12).permuted(flat, axis=-1).reshape(3, 7, 4, 5)
    np.testing.assert_array_equal(surrogates, expected)


def test_random_phases_give_factor_one_where_the_noise_spectrum_vanishes():
    class ZeroNoise:
        def standard_normal(self, shape):
            return np.zeros(shape)

    np.testing.assert_array_equal(random_phases((2, 3), 4, 6, ZeroNoise()), np.ones((2, 3, 4, 4)))
    factors = random_phases((5,), 6, 7, np.random.default_rng(13))
    np.testing.assert_allclose(np.abs(factors), 1.0, rtol=1e-15)
    assert np.all(factors[:, 0, 0] == 1.0)


# ---------------------------------------------------------------------------- scores and verdicts


def test_hand_built_block_dbn_is_local_at_the_expected_scale_and_grows_by_two():
    L = 16
    W1 = tiling(L, 2).reshape(-1, L * L)  # 64 units, each a 2x2 block
    W2 = tiling(L // 2, 2).reshape(-1, (L // 2) ** 2)  # 16 units, each a 2x2 group of layer-1 units
    dbn = fitted_dbn([W1, W2])
    reports = []
    for layer, b in ((1, 2), (2, 4)):
        fields = receptive_fields(dbn, layer, (L, L))
        np.testing.assert_array_equal(fields, tiling(L, b))
        report = locality_scores(fields, n_surrogates=100, null="both", random_state=layer)
        assert report.is_local and np.all(report.fitted_block_size == b)
        assert report.median_z > 2 * LOCALITY_Z_THRESHOLD
        summary = report.summary()
        assert summary["fraction_local"] == 1.0 and summary["z"]["permutation"]["is_local"]
        assert summary["median_equivalent_block_size"] == pytest.approx(b)
        reports.append(report)
    growth = scale_growth(reports)
    assert growth["growth_fitted_block_size"] == [2.0]
    assert growth["growth_equivalent_block_size"][0] == pytest.approx(2.0)
    assert growth["growth_radius_of_gyration"][0] == pytest.approx(np.sqrt(5))  # sqrt((16-1)/(4-1)) on the lattice
    assert scale_growth({2: reports[1], 1: reports[0]}) == growth
    json.dumps(growth, allow_nan=False)


def test_random_dense_weights_are_not_local():
    rng = np.random.default_rng(5)
    L = 12
    dbn = fitted_dbn([rng.normal(size=(48, L * L)), rng.normal(size=(12, 48))])
    for layer in (1, 2):
        report = locality_scores(receptive_fields(dbn, layer, L), n_surrogates=50, random_state=0)
        assert not report.is_local
        assert abs(report.median_z) < 1.5
        assert report.summary()["fraction_local"] <= 0.1


def test_z_scores_are_calibrated_on_fields_exchangeable_with_their_surrogates():
    """Stationary Gaussian fields are exchangeable with their phase surrogates, so z has mean 0, sd ~1.

    Tolerances: with n independent fields and S surrogates each z has mean ~0 (to O(1/S) from the
    metrics' skewness) and variance ~1 + 1/S. The mean of n = 240 z-scores then has standard
    error 1/sqrt(n) = 0.065; we allow 4 standard errors (0.26). The sample sd has standard error
    about sqrt((kurtosis - 1) / (4 n)) <= 0.08 for kurtosis up to 7; we allow [0.7, 1.3]. Block
    overlap at the fitted size is left out: the fitted size is chosen to maximise it.
    """
    n, L, S = 240, 12, 60
    fields = smooth_random_fields(n, L, 1.5, np.random.default_rng(6))
    report = locality_scores(fields, block_sizes=(2, 4), n_surrogates=S, null="both", random_state=7)
    statistics = {m: report.z(m, "phase") for m in ("radius_of_gyration", "participation_ratio")}
    statistics |= {f"{m}_b{b}": report.z(m, "phase", b) for m in ("window_fraction", "block_overlap") for b in (2, 4)}
    statistics["primary"] = report.primary_z
    for name, z in statistics.items():
        assert abs(z.mean()) < 4 / np.sqrt(n), name
        assert 0.7 < z.std() < 1.3, name
    assert np.mean(report.primary_z > LOCALITY_Z_THRESHOLD) < 0.03 and not report.is_local
    # the permutation null ignores smoothness and calls these structureless fields local
    assert report.summary()["z"]["permutation"]["is_local"]
    assert np.all(report.z("participation_ratio", "permutation") == 0)  # permutations keep the values


def test_both_nulls_leave_the_phase_results_unchanged():
    fields = smooth_random_fields(5, 8, 1.0, np.random.default_rng(8))
    alone = locality_scores(fields, n_surrogates=20, random_state=9)
    both = locality_scores(fields, n_surrogates=20, null="both", random_state=9)
    for metric in METRICS:
        np.testing.assert_array_equal(alone.nulls["phase"].z[metric], both.nulls["phase"].z[metric])
    only_permutation = locality_scores(fields, n_surrogates=20, null="permutation", random_state=9)
    assert only_permutation.primary_null == "permutation" and list(only_permutation.nulls) == ["permutation"]


def test_summary_is_plain_json():
    fields = np.concatenate([tiling(8, 2), np.zeros((1, 8, 8))])
    summary = locality_scores(fields, n_surrogates=20, null="both", random_state=0).summary()
    text = json.dumps(summary, allow_nan=False)
    assert json.loads(text) == summary
    assert summary["threshold"] == LOCALITY_Z_THRESHOLD and summary["block_sizes"] == [2, 4]
    assert set(summary["z"]) == {"phase", "permutation"}
    assert set(summary["z"]["phase"]) >= {"window_fraction", "window_fraction_b2", "window_fraction_b4", "is_local"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"null": "shuffle"}, "null must be"),
        ({"block_sizes": (2, 9)}, "block size must be an integer <= 8"),
        ({"block_sizes": ()}, "non-empty"),
        ({"n_surrogates": 1}, "two surrogates"),
    ],
)
def test_scores_explain_bad_arguments(kwargs, message):
    with pytest.raises(InvalidParameterError, match=message):
        locality_scores(tiling(8, 2), **kwargs)


def test_metric_arguments_are_checked():
    with pytest.raises(InvalidParameterError, match="shape \\(n_units, Ly, Lx\\)"):
        radius_of_gyration(np.ones(16))
    with pytest.raises(InvalidParameterError, match="finite"):
        participation_ratio(np.full((2, 2), np.nan))
    with pytest.raises(InvalidParameterError, match="b must be an integer <= 4"):
        window_fraction(np.ones((4, 6)), 5)
    with pytest.raises(InvalidParameterError, match="not computed"):
        locality_scores(tiling(4, 2), n_surrogates=5, null="phase", random_state=0).z("window_fraction", "permutation")


def test_sparse_scattered_fields_are_not_local():
    """A few large weights scattered over the lattice are sparse, not local: the phase null alone
    (smooth surrogates) would call them local; the permutation null rejects them."""
    rng = np.random.default_rng(0)
    fields = np.zeros((20, 40, 40))
    for f in fields:
        f.flat[rng.choice(1600, size=6, replace=False)] = rng.choice([-1.0, 1.0], size=6)
    report = locality_scores(fields, n_surrogates=40, random_state=1)
    assert report.null_median_z("phase") > LOCALITY_Z_THRESHOLD  # what the phase null alone says
    assert report.null_median_z("permutation") < LOCALITY_Z_THRESHOLD
    assert not report.is_local
