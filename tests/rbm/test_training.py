"""The one training loop: progress reports, callbacks for both kinds of layer, bit-for-bit weights, errors."""

import hashlib
import json

import numpy as np
import pytest
from sklearn.neural_network import BernoulliRBM as SkBernoulliRBM

from deeprg.errors import InvalidParameterError
from deeprg.rbm import BernoulliRBM, Callback, Checkpoint, DeepBeliefNetwork, LambdaCallback
from deeprg.rbm._training import training_work


@pytest.fixture
def X():
    return (np.random.default_rng(3).random((53, 20)) < 0.4).astype(np.float32)


def _stack(kind):
    ours = [BernoulliRBM(8, n_iter=3, batch_size=10, random_state=1), BernoulliRBM(4, n_iter=2, batch_size=10, random_state=2)]
    theirs = [SkBernoulliRBM(8, n_iter=3, batch_size=10, random_state=1),
              SkBernoulliRBM(4, n_iter=2, batch_size=10, random_state=2)]
    return {"deeprg": ours, "sklearn": theirs, "mixed": [theirs[0], ours[1]]}[kind]


def _assert_monotone_to_total(reports, total):
    assert {task for task, *_ in reports} == {"train"}
    done = [completed for _, _, completed, _ in reports]
    assert done == sorted(done) and all(t == total for *_, t in reports)
    assert reports[-1][2] == reports[-1][3] == total


def test_training_work_weighs_each_epoch_by_the_layer_weights():
    assert training_work(20, [8, 4], 3) == ([160.0, 32.0], 576.0)
    assert training_work(20, [8, 4], [3, 2]) == ([160.0, 32.0], 544.0)


@pytest.mark.parametrize("kind", ["deeprg", "sklearn", "mixed"])
def test_progress_of_a_fit_is_monotone_and_ends_at_the_total(X, kind):
    reports = []
    DeepBeliefNetwork(_stack(kind), random_state=0).fit(X, progress=lambda *a: reports.append(a))
    total = 20 * 8 * 3 + 8 * 4 * 2  # n_in * n_out per epoch of each layer
    _assert_monotone_to_total(reports, total)
    epochs = [message for _, message, _, _ in reports if "epoch" in message]
    assert len(epochs) == 5 and epochs[0].startswith("training layer 1/2 (8 units), epoch 1/3, pseudo-likelihood -")
    assert epochs[-1].startswith("training layer 2/2 (4 units), epoch 2/2, ") and epochs[-1].endswith("/spin")
    assert reports[-1][1] == "trained 2 layer(s)"


@pytest.mark.parametrize("kind", ["deeprg", "sklearn", "mixed"])
def test_progress_of_a_resumed_fit_continues_where_it_stopped(tmp_path, X, kind):
    class Interrupt(Exception):
        pass

    def interrupt(estimator, epoch, logs):
        if estimator.n_components == 4 and epoch == 1:
            raise Interrupt

    path, first, resumed = tmp_path / "dbn.ckpt", [], []
    with pytest.raises(Interrupt):
        DeepBeliefNetwork(_stack(kind), random_state=0).fit(
            X, checkpoint=path, callbacks=[LambdaCallback(interrupt)], progress=lambda *a: first.append(a))
    DeepBeliefNetwork(_stack(kind), random_state=0).fit(
        X, checkpoint=path, resume=True, progress=lambda *a: resumed.append(a))
    total = 20 * 8 * 3 + 8 * 4 * 2
    _assert_monotone_to_total(resumed, total)
    assert resumed[0][1:3] == ("trained layer 1/2 (8 units) (from the checkpoint)", 480.0)
    assert resumed[1][1:3] == ("training layer 2/2 (4 units)", 480.0 + 32.0)  # one epoch of layer 2 was saved
    assert first[-1][2] == resumed[1][2]


def test_callbacks_are_delivered_identically_to_both_kinds_of_layer(X):
    class Recorder(Callback):
        def __init__(self):
            self.events = []

        def on_train_begin(self, estimator):
            self.events.append(("begin", estimator.n_components, len(estimator.history_.get("time", []))))

        def on_epoch_end(self, estimator, epoch, logs):
            self.events.append(("epoch", estimator.n_components, epoch, len(estimator.history_["time"])))

        def on_train_end(self, estimator):
            self.events.append(("end", estimator.n_components))

    seen = {}
    for kind in ("deeprg", "sklearn"):
        recorder = Recorder()
        DeepBeliefNetwork(_stack(kind), random_state=0).fit(X, callbacks=[recorder])
        seen[kind] = recorder.events
    assert seen["deeprg"] == seen["sklearn"]
    assert seen["deeprg"] == [("begin", 8, 0), ("epoch", 8, 1, 1), ("epoch", 8, 2, 2), ("epoch", 8, 3, 3), ("end", 8),
                              ("begin", 4, 0), ("epoch", 4, 1, 1), ("epoch", 4, 2, 2), ("end", 4)]


def test_a_checkpoint_callback_on_a_scikit_learn_layer_is_a_clear_error(tmp_path, X):
    with pytest.raises(InvalidParameterError, match=r"layer 1 \(scikit-learn BernoulliRBM\): Checkpoint saves .*"
                                                    r"DeepBeliefNetwork.fit\(checkpoint=path\)"):
        DeepBeliefNetwork(_stack("sklearn"), random_state=0).fit(X, callbacks=[Checkpoint(tmp_path / "c")])
    with pytest.raises(InvalidParameterError, match="progress= instead"):
        DeepBeliefNetwork(_stack("sklearn"), random_state=0).fit(X, callbacks=[lambda *a: None])


def test_errors_name_the_layer_they_concern(X):
    layers = [BernoulliRBM(8, n_iter=1), BernoulliRBM(4, n_iter=1), BernoulliRBM(0, n_iter=1)]
    with pytest.raises(InvalidParameterError, match=r"^layer 3 \(BernoulliRBM\): n_components must be"):
        DeepBeliefNetwork(layers, random_state=0).fit(X)
    layers = [BernoulliRBM(8, n_iter=1), SkBernoulliRBM(4, n_iter=-1)]
    with pytest.raises(InvalidParameterError, match=r"^layer 2 \(scikit-learn BernoulliRBM\): invalid scikit-learn"):
        DeepBeliefNetwork(layers, random_state=0).fit(X)


# sha256 (first 16 hex digits) of components_, intercept_hidden_, intercept_visible_ and h_samples_ of each layer,
# and of its history without times, computed with deeprg at e5f0d1e (before the training loop was unified).
# The history hashes were updated when the pseudo-likelihood became one logarithm per term (issue 13): its
# values moved by at most 1.2e-7 (float32) and 1.1e-16 (float64); with the two-softplus form
# (_pll_softplus_form) the old hashes 7a4a03490f77bd28, 5d237ee7ff2176cd and f9c18817b0273d24 come back.
# They were updated again when its logarithms became logarithms of products of terms (pll_log_sums): against
# the two-softplus form the values differ by at most 1.2e-7 (float32) and 1.1e-16 (float64), as before.
REFERENCE = {
    "mixed": [["be558a0016c8e61b", "cff291e3c8c6c57f", "f9ba0b977dd8aa93", "b47f3757fba24c7d"],
              ["eb4a245bf226e249", "c36902b68d768be4", "160f0e08f4b0966c", "6bd2a66c4467bc37"],
              ["4f7fe59118acf06d", "0d9ca069fa2a5ef9", "70067bd9b3432c5c", "5dd15fffe8e6a995"]],
    "mixed/hist": ["d20d9ca400dc979d", "6617523bb4c654e1", "befea46cad93ecd9"],
    "mixed2": [["b33054968a3a013e", "e1086ce307542efd", "b08ee018cbffa317", "6bd2a66c4467bc37"],
               ["8d9782aa6fc7260f", "2a152993e3eb7700", "0ebc7429b4438ddd", "9adce397789d0279"]],
    "mixed2/hist": ["de12228313863043", "66bbed05e291173e"],
}


def _hash(a):
    a = np.ascontiguousarray(a)
    return hashlib.sha256(a.tobytes() + str(a.dtype).encode()).hexdigest()[:16]


@pytest.mark.parametrize("name", ["mixed", "mixed2"])
def test_mixed_stacks_train_bit_for_bit_as_before(X, name):
    layers = {
        "mixed": [SkBernoulliRBM(n_components=12, batch_size=10, n_iter=3, learning_rate=0.05),
                  BernoulliRBM(6, batch_size=10, n_iter=3, l1=1e-3), SkBernoulliRBM(n_components=4, batch_size=7, n_iter=2)],
        "mixed2": [BernoulliRBM(10, batch_size=8, n_iter=4, persistent=True, l2=1e-3, dtype="float64"),
                   SkBernoulliRBM(n_components=5, batch_size=9, n_iter=3)],
    }[name]
    dbn = DeepBeliefNetwork(layers, random_state=11).fit(X, X_val=X[:9])
    fitted = [[_hash(layer.components_), _hash(layer.intercept_hidden_), _hash(layer.intercept_visible_),
               _hash(getattr(layer, "h_samples_", np.zeros(0)))] for layer in dbn.layers_]
    history = [hashlib.sha256(json.dumps({k: v for k, v in sorted(layer.history_.items()) if k != "time"}).encode())
               .hexdigest()[:16] for layer in dbn.layers_]
    assert fitted == REFERENCE[name]
    assert history == REFERENCE[f"{name}/hist"]


def test_a_checkpoint_with_seconds_is_kept_in_memory_and_written_when_training_stops(tmp_path, X):
    from deeprg.rbm import LambdaCallback

    path = tmp_path / "rbm.ckpt"
    seen = []

    class Interrupt(Exception):
        pass

    def hook(estimator, epoch, logs):
        seen.append(path.exists())  # runs after the Checkpoint callback of the same epoch
        if epoch == 2:
            raise Interrupt

    rbm = BernoulliRBM(6, n_iter=4, batch_size=10, random_state=5,
                       callbacks=[Checkpoint(path, seconds=3600), LambdaCallback(hook)])
    with pytest.raises(Interrupt):
        rbm.fit(X)
    assert seen == [False, False]  # not written after epochs 1 and 2 ...
    resumed = BernoulliRBM.load_checkpoint(path)  # ... but when training stopped, with epoch 2
    assert resumed.epoch_ == 2
    whole = BernoulliRBM(6, n_iter=4, batch_size=10, random_state=5).fit(X)
    np.testing.assert_array_equal(resumed.fit(X, resume=True).components_, whole.components_)


def test_a_network_checkpoint_is_written_every_checkpoint_seconds(tmp_path, X, monkeypatch):
    from deeprg.rbm import LambdaCallback, dbn

    path = tmp_path / "dbn.ckpt"
    seen = []
    hook = LambdaCallback(lambda est, epoch, logs: seen.append(path.exists()))
    monkeypatch.setattr(dbn, "CHECKPOINT_SECONDS", 3600.0)
    DeepBeliefNetwork([BernoulliRBM(6, n_iter=3, batch_size=10)], random_state=0).fit(X, checkpoint=path, callbacks=[hook])
    assert seen == [False, False, False] and path.exists()  # written once, at the end of the layer
    path.unlink()
    seen.clear()
    monkeypatch.setattr(dbn, "CHECKPOINT_SECONDS", 0.0)
    DeepBeliefNetwork([BernoulliRBM(6, n_iter=3, batch_size=10)], random_state=0).fit(X, checkpoint=path, callbacks=[hook])
    assert seen == [True, True, True]  # every epoch
