"""deeprg.rbm.BernoulliRBM: scikit-learn compatibility, training behaviour, penalties, resume."""

import numpy as np
import pytest
from sklearn.neural_network import BernoulliRBM as SkBernoulliRBM
from sklearn.utils.estimator_checks import parametrize_with_checks
from unit_interval import UnitIntervalRBM

from deeprg.errors import InvalidParameterError
from deeprg.rbm import BernoulliRBM, Checkpoint, EarlyStopping, LambdaCallback
from deeprg.rbm import functional as F


def bits(rng, n, d, p=0.3):
    return (rng.random((n, d)) < p).astype(np.float32)


@parametrize_with_checks([UnitIntervalRBM(n_components=3, n_iter=2, random_state=0),
                          UnitIntervalRBM(n_components=2, n_iter=2, persistent=True, l1=1e-3, dtype="float64",
                                          random_state=0)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture
def toy_distribution():
    """A small distribution with structure: two noisy prototypes on 8 visible units."""
    rng = np.random.default_rng(7)
    prototypes = np.array([[1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1]], dtype=np.float32)
    choice = rng.integers(0, 2, size=2000)
    noise = rng.random((2000, 8)) < 0.1
    return np.abs(prototypes[choice] - noise).astype(np.float32)


def test_training_raises_exact_log_likelihood(toy_distribution):
    X = toy_distribution
    rbm = BernoulliRBM(4, n_iter=30, batch_size=20, learning_rate=0.05, dtype="float64", random_state=0)
    rbm.fit(X)
    W0 = np.zeros_like(rbm.components_)
    ll_start = F.log_likelihood(X, 0.1 * np.random.default_rng(0).standard_normal(W0.shape), np.zeros(8), np.zeros(4))
    ll_end = F.log_likelihood(X, rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_)
    # the data's entropy bounds the log-likelihood from above: 8 bits at 10% noise around 2 modes
    # (H = ln 2 + 8 H_b(0.1) = 3.29 nats); an untrained model sits at about -8 ln 2 = -5.5
    assert ll_start < -5.0
    assert ll_end > -3.9, ll_end
    assert rbm.history_["pseudo_likelihood"][-1] > rbm.history_["pseudo_likelihood"][0]


def test_pcd_matches_sklearn_exact_log_likelihood():
    """Our PCD-1 without penalty or momentum and scikit-learn's PCD-1 learn at the same rate.

    Compared mid-learning (one epoch at a small step), where the exact log-likelihood is
    still moving fast: a 30% error in the effective learning rate shifts it by ~0.15 nats,
    about 25 standard errors, so the test can fail.
    """
    rng = np.random.default_rng(7)
    prototypes = np.array([[1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 1, 1, 1, 1, 0, 0]], dtype=np.float32)
    X = np.abs(prototypes[(rng.random(2000) < 0.3).astype(int)] - (rng.random((2000, 8)) < 0.05)).astype(np.float32)

    def ll(model):
        return F.log_likelihood(X, model.components_, model.intercept_visible_, model.intercept_hidden_)

    ours, theirs = [], []
    for seed in range(12):
        ours.append(ll(BernoulliRBM(4, n_iter=1, batch_size=10, learning_rate=0.01, persistent=True, momentum=0.0,
                                    final_momentum=0.0, init_std=0.01, dtype="float64", random_state=seed).fit(X)))
        theirs.append(ll(SkBernoulliRBM(4, n_iter=1, batch_size=10, learning_rate=0.01,
                                        random_state=seed).fit(X.astype(np.float64))))
    ours, theirs = np.array(ours), np.array(theirs)
    se = np.sqrt(ours.var(ddof=1) / len(ours) + theirs.var(ddof=1) / len(theirs))
    assert se < 0.01
    # equal in distribution over seeds: 4 standard errors (~0.026 nats)
    assert abs(ours.mean() - theirs.mean()) < 4 * se, (ours.mean(), theirs.mean(), se)


def test_l1_sign_convention_shrinks_weights():
    """The L1 term is -l1 * sign(W) inside the update: it moves every weight toward 0 by lr * l1."""
    X = np.full((200, 6), 0.5, dtype=np.float64)  # probabilities 1/2: no preferred direction
    base = dict(n_iter=1, batch_size=200, momentum=0.0, final_momentum=0.0, dtype="float64", random_state=1)
    plain = BernoulliRBM(3, **base).fit(X)
    penal = BernoulliRBM(3, l1=1e-2, **base).fit(X)
    # same seed, same data, same stochastic gradient: the only difference is lr * l1 * sign(W0)
    W0 = 0.1 * np.random.default_rng(1).standard_normal((3, 6))  # the initial weights of random_state=1
    np.testing.assert_allclose(penal.components_ - plain.components_, -0.1 * 1e-2 * np.sign(W0), atol=1e-12)


def test_l1_shrinks_weights(toy_distribution):
    X = toy_distribution
    kwargs = dict(n_iter=15, batch_size=50, random_state=0)
    none = BernoulliRBM(6, **kwargs).fit(X)
    l1 = BernoulliRBM(6, l1=5e-3, **kwargs).fit(X)
    assert np.abs(l1.components_).sum() < 0.9 * np.abs(none.components_).sum()


def test_proximal_l1_gives_exact_zeros_and_keeps_the_signal():
    """4 correlated units and 4 pure-noise units; full batches keep CD's gradient noise below
    the soft threshold lr * l1, so weights without support sit exactly at zero."""
    rng = np.random.default_rng(7)
    proto = np.array([[1, 1, 1, 1], [0, 0, 0, 0]], dtype=np.float32)
    signal = np.abs(proto[rng.integers(0, 2, size=4000)] - (rng.random((4000, 4)) < 0.1))
    X = np.hstack([signal, rng.random((4000, 4)) < 0.5]).astype(np.float32)
    kwargs = dict(l1=5e-3, n_iter=60, batch_size=4000, learning_rate=0.5, random_state=0)
    prox = BernoulliRBM(4, penalty_method="proximal", **kwargs).fit(X)
    sub = BernoulliRBM(4, penalty_method="subgradient", **kwargs).fit(X)
    assert np.mean(prox.components_ == 0) > 0.1
    assert np.mean(sub.components_ == 0) == 0  # the subgradient oscillates around zero, never on it
    assert np.abs(prox.components_[:, :4]).mean() > 0.5  # the correlated block is still learned


def test_l2_is_weight_decay(toy_distribution):
    X = toy_distribution
    kwargs = dict(n_iter=10, batch_size=50, random_state=0)
    none = BernoulliRBM(6, **kwargs).fit(X)
    l2 = BernoulliRBM(6, l2=0.05, **kwargs).fit(X)
    assert np.square(l2.components_).sum() < np.square(none.components_).sum()


def test_fitted_attributes_and_dtypes(rng):
    X = bits(rng, 120, 10)
    rbm = BernoulliRBM(5, n_iter=3, random_state=0).fit(X, X_val=X[:30])
    assert rbm.components_.shape == (5, 10) and rbm.components_.dtype == np.float32
    assert rbm.intercept_hidden_.shape == (5,) and rbm.intercept_visible_.shape == (10,)
    assert rbm.transform(X).shape == (120, 5) and rbm.transform(X).dtype == np.float32
    assert set(rbm.history_) == {"pseudo_likelihood", "reconstruction_error", "weight_sparsity", "time",
                                 "pseudo_likelihood_val", "free_energy_gap"}
    assert all(len(v) == 3 for v in rbm.history_.values())
    assert rbm.epoch_ == 3
    assert rbm.reconstruct(X).shape == X.shape
    assert rbm.gibbs(X, random_state=0).shape == X.shape
    assert rbm.free_energy(X).shape == (120,)
    assert np.all(rbm.score_samples(X) <= 0)
    assert BernoulliRBM(5, n_iter=3, random_state=0, dtype="float64").fit(X).components_.dtype == np.float64


def test_same_seed_same_bits(rng):
    X = bits(rng, 200, 12)
    a = BernoulliRBM(4, n_iter=3, random_state=5).fit(X)
    b = BernoulliRBM(4, n_iter=3, random_state=5).fit(X)
    np.testing.assert_array_equal(a.components_, b.components_)


@pytest.mark.parametrize("persistent", [False, True])
def test_resume_equals_uninterrupted_training(tmp_path, rng, persistent):
    X = bits(rng, 300, 12)
    kwargs = dict(n_iter=8, batch_size=32, persistent=persistent, cd_k=2, l1=1e-3, random_state=3)
    whole = BernoulliRBM(4, **kwargs).fit(X)
    path = tmp_path / "rbm.ckpt.nc"

    class Interrupt(Exception):
        pass

    def stop_at_4(est, epoch, logs):
        if epoch == 4:
            raise Interrupt

    with pytest.raises(Interrupt):
        BernoulliRBM(4, callbacks=[Checkpoint(path), LambdaCallback(stop_at_4)], **kwargs).fit(X)
    resumed = BernoulliRBM.load_checkpoint(path)
    assert resumed.epoch_ == 4
    resumed.fit(X, resume=True)
    np.testing.assert_array_equal(resumed.components_, whole.components_)
    np.testing.assert_array_equal(resumed.intercept_hidden_, whole.intercept_hidden_)
    assert resumed.history_["pseudo_likelihood"] == whole.history_["pseudo_likelihood"]


def test_early_stopping(rng):
    X = bits(rng, 100, 8)
    rbm = BernoulliRBM(3, n_iter=50, learning_rate=1e-9, random_state=0,
                       callbacks=[EarlyStopping(monitor="pseudo_likelihood", patience=2, min_delta=1e-3)]).fit(X)
    assert rbm.epoch_ < 50


def test_partial_fit_continues_and_counts_epochs(rng):
    X = bits(rng, 100, 8)
    rbm = BernoulliRBM(3, random_state=0, momentum_switch=2).partial_fit(X)
    first = rbm.components_.copy()
    assert rbm.partial_fit(X) is rbm
    assert rbm.epoch_ == 2 and not np.array_equal(rbm.components_, first)
    assert rbm._current_momentum() == rbm.final_momentum
    # two partial_fit epochs equal a two-epoch fit (same schedule, same stream)
    fitted = BernoulliRBM(3, n_iter=2, random_state=0, momentum_switch=2).fit(X)
    np.testing.assert_array_equal(fitted.components_, rbm.components_)


def test_resume_without_training_state_is_refused(tmp_path, rng):
    from deeprg.rbm import DeepBeliefNetwork

    X = bits(rng, 50, 6)
    DeepBeliefNetwork([BernoulliRBM(3, n_iter=1)], random_state=0).fit(X).save(tmp_path / "m.nc")
    layer = DeepBeliefNetwork.load(tmp_path / "m.nc").layers_[0]
    with pytest.raises(InvalidParameterError, match="no training state to resume"):
        layer.fit(X, resume=True)


def test_early_stopping_survives_a_resume(tmp_path, rng):
    """A resumed run stops at the same epoch, with the same weights, as an uninterrupted one."""
    X = bits(rng, 200, 8)
    kwargs = dict(n_iter=40, learning_rate=1e-4, random_state=0)

    def stopper():
        return EarlyStopping(monitor="pseudo_likelihood", patience=2, min_delta=1e-3)

    whole = BernoulliRBM(3, callbacks=[stopper()], **kwargs).fit(X)
    assert whole.epoch_ < 40
    path = tmp_path / "ck.nc"

    class Interrupt(Exception):
        pass

    def stop_at_2(est, epoch, logs):
        if epoch == 2:
            raise Interrupt

    with pytest.raises(Interrupt):
        BernoulliRBM(3, callbacks=[Checkpoint(path), LambdaCallback(stop_at_2)], **kwargs).fit(X)
    resumed = BernoulliRBM.load_checkpoint(path, callbacks=[stopper()]).fit(X, resume=True)
    assert resumed.epoch_ == whole.epoch_
    np.testing.assert_array_equal(resumed.components_, whole.components_)


def test_checkpoint_is_written_even_when_an_earlier_callback_stops(tmp_path, rng):
    path = tmp_path / "ck.nc"
    rbm = BernoulliRBM(3, n_iter=40, learning_rate=1e-4, random_state=0,
                       callbacks=[EarlyStopping(monitor="pseudo_likelihood", patience=1, min_delta=1.0),
                                  Checkpoint(path)]).fit(bits(rng, 100, 8))
    assert BernoulliRBM.load_checkpoint(path).epoch_ == rbm.epoch_


@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[0.0, 2.0], [1.0, 0.0]]), r"\[0, 1\]"),
        (np.array([[-1.0, 1.0], [1.0, -1.0]]), "to_binary"),
        (np.array([[np.nan, 1.0], [1.0, 0.0]]), "NaN"),
    ],
)
def test_bad_data(X, match):
    with pytest.raises(InvalidParameterError, match=match):
        BernoulliRBM(2, n_iter=1).fit(X)


@pytest.mark.parametrize("params, match", [
    (dict(n_components=0), "n_components"), (dict(learning_rate=-1.0), "learning_rate"),
    (dict(penalty_method="lasso"), "penalty_method"), (dict(momentum=1.0), "momentum"),
    (dict(dtype="float16"), "dtype"), (dict(callbacks=[print]), "callbacks"),
])
def test_bad_parameters(rng, params, match):
    with pytest.raises(InvalidParameterError, match=match):
        BernoulliRBM(**{"n_components": 2, **params}).fit(bits(rng, 10, 4))


def test_wrong_feature_count_at_transform(rng):
    rbm = BernoulliRBM(2, n_iter=1, random_state=0).fit(bits(rng, 20, 6))
    with pytest.raises(InvalidParameterError, match="6 features"):
        rbm.transform(bits(rng, 5, 7))
