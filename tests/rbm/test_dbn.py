"""DeepBeliefNetwork: greedy training, scikit-learn layers, reconstruction, generation, files, resume."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.neural_network import BernoulliRBM as SkBernoulliRBM
from sklearn.utils.estimator_checks import parametrize_with_checks
from unit_interval import UnitIntervalRBM

from deeprg.errors import InvalidParameterError
from deeprg.rbm import BernoulliRBM, DeepBeliefNetwork, LambdaCallback, make_layers


@pytest.fixture
def X(rng):
    return (rng.random((300, 16)) < 0.4).astype(np.float32)


def test_greedy_fit_equals_fitting_each_layer_by_hand(X):
    layers = [BernoulliRBM(8, n_iter=3, random_state=1), BernoulliRBM(4, n_iter=3, random_state=2)]
    dbn = DeepBeliefNetwork(layers, random_state=0).fit(X)
    first = clone(layers[0]).fit(X)
    second = clone(layers[1]).fit(first.transform(X))
    np.testing.assert_array_equal(dbn.layers_[0].components_, first.components_)
    np.testing.assert_array_equal(dbn.layers_[1].components_, second.components_)
    np.testing.assert_array_equal(dbn.transform(X), second.transform(first.transform(X)))
    np.testing.assert_array_equal(dbn.transform(X, layer=1), first.transform(X))
    assert layers[0].get_params()["random_state"] == 1 and not hasattr(layers[0], "components_")  # not modified


def test_unseeded_layers_get_distinct_streams_from_the_network_seed(X):
    a = DeepBeliefNetwork([BernoulliRBM(8, n_iter=2), BernoulliRBM(8, n_iter=2)], random_state=0).fit(X)
    b = DeepBeliefNetwork([BernoulliRBM(8, n_iter=2), BernoulliRBM(8, n_iter=2)], random_state=0).fit(X)
    np.testing.assert_array_equal(a.layers_[1].components_, b.layers_[1].components_)
    assert a.layers_[0].random_state != a.layers_[1].random_state


def test_sklearn_layers_are_the_baseline(X):
    dbn = DeepBeliefNetwork(make_layers("sklearn", [8, 4], n_iter=2, batch_size=10), random_state=0).fit(X)
    assert all(isinstance(layer, SkBernoulliRBM) for layer in dbn.layers_)
    assert dbn.transform(X).shape == (300, 4)
    assert dbn.reconstruct(X, layer=2).shape == X.shape


def test_reconstruction_and_generation(X):
    dbn = DeepBeliefNetwork([BernoulliRBM(8, n_iter=3), BernoulliRBM(4, n_iter=3)], random_state=0).fit(X)
    mean_field = dbn.reconstruct(X, layer=1)
    assert mean_field.shape == X.shape and np.all((mean_field > 0) & (mean_field < 1))
    sampled = dbn.reconstruct(X, layer=2, method="sample", random_state=0)
    assert set(np.unique(sampled)) <= {0.0, 1.0}
    generated = dbn.generate(5, n_gibbs=20, random_state=0)
    assert generated.shape == (5, 16) and set(np.unique(generated)) <= {0.0, 1.0}
    np.testing.assert_array_equal(generated, dbn.generate(5, n_gibbs=20, random_state=0))


@pytest.mark.parametrize("variant", ["l1", "sklearn"])
def test_save_and_load_round_trip(tmp_path, X, variant):
    dbn = DeepBeliefNetwork(make_layers(variant, [8, 4], n_iter=2, batch_size=20), random_state=0).fit(X)
    path = dbn.save(tmp_path / "dbn.nc")
    loaded = DeepBeliefNetwork.load(path)
    assert [type(layer) for layer in loaded.layers_] == [type(layer) for layer in dbn.layers_]
    np.testing.assert_array_equal(loaded.transform(X), dbn.transform(X))
    for a, b in zip(loaded.layers_, dbn.layers_, strict=True):
        assert a.history_ == b.history_ and len(a.history_["pseudo_likelihood"]) == 2
    if variant == "l1":
        assert loaded.layers_[0].l1 == 2e-4
    else:  # the learning curve of scikit-learn layers survives the file, and leaves their parameters alone
        assert "history_" not in loaded.layers_[0].get_params() and not hasattr(clone(loaded.layers_[0]), "history_")
        np.testing.assert_array_equal(loaded.layers_[0].components_, dbn.layers_[0].components_)
        assert loaded.layers_[0].components_.flags.f_contiguous  # as fit leaves them


def test_resume_after_interruption_in_second_layer(tmp_path, X):
    def layers(callbacks=()):
        return [BernoulliRBM(8, n_iter=4, callbacks=callbacks), BernoulliRBM(4, n_iter=4, callbacks=callbacks)]

    whole = DeepBeliefNetwork(layers(), random_state=0).fit(X)

    class Interrupt(Exception):
        pass

    seen = []

    def interrupt(estimator, epoch, logs):
        seen.append(estimator.n_components)
        if estimator.n_components == 4 and epoch == 2:
            raise Interrupt

    path = tmp_path / "dbn.ckpt"
    with pytest.raises(Interrupt):
        DeepBeliefNetwork(layers([LambdaCallback(interrupt)]), random_state=0).fit(X, checkpoint=path)
    assert path.exists()
    resumed = DeepBeliefNetwork(layers(), random_state=0).fit(X, checkpoint=path, resume=True)
    for a, b in zip(resumed.layers_, whole.layers_, strict=True):
        np.testing.assert_array_equal(a.components_, b.components_)


SKLEARN_FITTED = ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_")


def _stack(kind):
    """Two seeded layers: deeprg's, scikit-learn's (a batch size that does not divide 300), or one of each."""
    ours = [BernoulliRBM(8, n_iter=4, random_state=1), BernoulliRBM(4, n_iter=4, random_state=2)]
    theirs = [SkBernoulliRBM(8, n_iter=4, batch_size=32, random_state=1),
              SkBernoulliRBM(4, n_iter=4, batch_size=32, random_state=2)]
    return {"deeprg": ours, "sklearn": theirs, "mixed": [theirs[0], ours[1]]}[kind]


def _assert_same_layers(a_layers, b_layers):
    for a, b in zip(a_layers, b_layers, strict=True):
        names = SKLEARN_FITTED if isinstance(a, SkBernoulliRBM) else SKLEARN_FITTED[:3]
        for name in names:
            assert np.array_equal(getattr(a, name), getattr(b, name)), name
        assert {k: v for k, v in a.history_.items() if k != "time"} == {
            k: v for k, v in b.history_.items() if k != "time"}


@pytest.mark.parametrize("kind", ["sklearn", "deeprg", "mixed"])
def test_interrupted_network_resumes_bit_for_bit_and_reports_every_epoch_once(tmp_path, X, kind):
    def events_into(events, stop_at=None):
        def hook(estimator, epoch, logs):
            assert set(logs) >= {"pseudo_likelihood", "time"}
            index = (8, 4).index(estimator.n_components)
            events.append((index, epoch))
            if (index, epoch) == stop_at:
                raise Interrupt

        return [LambdaCallback(hook)]

    class Interrupt(Exception):
        pass

    whole_events, first_events, resumed_events = [], [], []
    whole = DeepBeliefNetwork(_stack(kind), random_state=0).fit(X, callbacks=events_into(whole_events))
    assert whole_events == [(i, e) for i in (0, 1) for e in (1, 2, 3, 4)]
    path = tmp_path / "dbn.ckpt"
    with pytest.raises(Interrupt):
        DeepBeliefNetwork(_stack(kind), random_state=0).fit(X, checkpoint=path, callbacks=events_into(first_events, (1, 2)))
    resumed = DeepBeliefNetwork(_stack(kind), random_state=0).fit(
        X, checkpoint=path, resume=True, callbacks=events_into(resumed_events))
    assert first_events + resumed_events == whole_events  # every epoch reaches the hook once, across the resume
    _assert_same_layers(resumed.layers_, whole.layers_)
    if kind == "sklearn":  # and both are what scikit-learn's own fit gives, layer by layer
        first = clone(_stack(kind)[0]).fit(X)
        second = clone(_stack(kind)[1]).fit(first.transform(X))
        for fitted, plain in zip(resumed.layers_, (first, second), strict=True):
            for name in SKLEARN_FITTED:
                assert np.array_equal(getattr(fitted, name), getattr(plain, name)), name


def test_sklearn_layers_record_their_learning_curve(X, rng):
    X_val = (rng.random((40, 16)) < 0.4).astype(np.float32)
    dbn = DeepBeliefNetwork(make_layers("sklearn", [8, 4], n_iter=3, batch_size=25), random_state=0).fit(X, X_val=X_val)
    for layer in dbn.layers_:
        assert len(layer.history_["pseudo_likelihood"]) == 3 and len(layer.history_["pseudo_likelihood_val"]) == 3
        assert -np.log(2) - 0.1 < layer.history_["pseudo_likelihood"][-1] < 0


def test_stop_training_from_the_hook_ends_only_the_current_layer(X):
    from deeprg.rbm import StopTraining

    def hook(estimator, epoch, logs):
        if estimator.n_components == 8 and epoch == 2:
            raise StopTraining("enough")

    for kind in ("sklearn", "deeprg"):
        dbn = DeepBeliefNetwork(_stack(kind), random_state=0).fit(X, callbacks=[LambdaCallback(hook)])
        assert [len(layer.history_["time"]) for layer in dbn.layers_] == [2, 4]


def test_invalid_layers():
    with pytest.raises(InvalidParameterError, match="at least one layer"):
        DeepBeliefNetwork([]).fit(np.zeros((3, 4)))
    with pytest.raises(InvalidParameterError, match="BernoulliRBM"):
        DeepBeliefNetwork([object()]).fit(np.zeros((3, 4)))
    with pytest.raises(InvalidParameterError, match="layer must be an integer <= 1"):
        DeepBeliefNetwork([BernoulliRBM(2, n_iter=1)], random_state=0).fit(np.zeros((3, 4))).transform(np.zeros((3, 4)), layer=2)


def test_resume_refuses_a_checkpoint_of_another_network(tmp_path, X):
    class Interrupt(Exception):
        pass

    def interrupt(estimator, epoch, logs):
        raise Interrupt

    path = tmp_path / "dbn.ckpt"
    with pytest.raises(Interrupt):
        DeepBeliefNetwork([BernoulliRBM(8, n_iter=3, callbacks=[LambdaCallback(interrupt)])],
                          random_state=0).fit(X, checkpoint=path)
    for other in ([BernoulliRBM(10, n_iter=3)], [BernoulliRBM(8, n_iter=3, l1=1e-2)], [SkBernoulliRBM(8, n_iter=3)]):
        with pytest.raises(InvalidParameterError, match="another network"):
            DeepBeliefNetwork(other, random_state=0).fit(X, checkpoint=path, resume=True)
    with pytest.raises(InvalidParameterError, match="another network"):  # another seed is another network
        DeepBeliefNetwork([BernoulliRBM(8, n_iter=3)], random_state=1).fit(X, checkpoint=path, resume=True)


def test_layer_parameters_are_checked_before_any_training(X):
    trained = []
    first = BernoulliRBM(8, n_iter=2, callbacks=[LambdaCallback(lambda *a: trained.append(1))])
    for bad in (BernoulliRBM(4, batch_size=0), SkBernoulliRBM(4, n_iter=-1)):
        with pytest.raises(InvalidParameterError):
            DeepBeliefNetwork([first, bad], random_state=0).fit(X)
    assert trained == []


def test_user_callbacks_are_the_same_objects(X):
    seen = []

    class Recorder(LambdaCallback):
        pass

    recorder = Recorder(lambda est, epoch, logs: seen.append(epoch))
    DeepBeliefNetwork([BernoulliRBM(4, n_iter=2, callbacks=[recorder])], random_state=0).fit(X)
    assert seen == [1, 2]


def test_failed_fit_exposes_no_partial_network(X):
    def explode(estimator, epoch, logs):
        if estimator.n_components == 4:
            raise RuntimeError("boom")

    dbn = DeepBeliefNetwork([BernoulliRBM(8, n_iter=1), BernoulliRBM(4, n_iter=1, callbacks=[LambdaCallback(explode)])],
                            random_state=0)
    with pytest.raises(RuntimeError):
        dbn.fit(X)
    assert not hasattr(dbn, "layers_")


@parametrize_with_checks([DeepBeliefNetwork([UnitIntervalRBM(3, n_iter=2), UnitIntervalRBM(2, n_iter=2)], random_state=0)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
