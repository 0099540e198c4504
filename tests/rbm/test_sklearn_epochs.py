"""scikit-learn's BernoulliRBM trained epoch by epoch: bit for bit its own fit, with history and checkpoints."""

import logging

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.neural_network import BernoulliRBM as SkBernoulliRBM

from deeprg.errors import DeepRGError, InvalidParameterError
from deeprg.io import load_model, save_model
from deeprg.rbm._sklearn_epochs import SklearnEpochs, SklearnMismatchError, verify_epoch_driver
from deeprg.rbm.callbacks import StopTraining
from deeprg.rbm.monitoring import epoch_metrics

FITTED = ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_")


@pytest.fixture
def X(rng):
    return (rng.random((150, 12)) < 0.4).astype(np.float64)


def assert_same_fit(a, b):
    for name in FITTED:
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and x.flags.f_contiguous == y.flags.f_contiguous, name
        assert np.array_equal(x, y), name
    assert a.n_features_in_ == b.n_features_in_ and a._n_features_out == b._n_features_out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_size", [10, 7, 150, 200])  # divides 150, does not, one batch, more than the samples
def test_epochs_reproduce_fit_bit_for_bit(X, dtype, batch_size):
    X = X.astype(dtype)
    rbm = SkBernoulliRBM(6, batch_size=batch_size, n_iter=5, learning_rate=0.05, random_state=3)
    reference = clone(rbm).fit(X)
    driven = SklearnEpochs(clone(rbm), X).train()
    assert_same_fit(driven, reference)
    assert driven.components_.dtype == dtype


def test_a_shared_random_state_ends_in_the_same_state(X, capsys, caplog):
    """A RandomState instance is advanced exactly as fit advances it, verbose (which draws from it) or not."""
    for verbose in (0, 1):
        a, b = np.random.RandomState(5), np.random.RandomState(5)
        reference = SkBernoulliRBM(4, batch_size=16, n_iter=3, verbose=verbose, random_state=a).fit(X)
        with caplog.at_level(logging.INFO, logger="deeprg.rbm._sklearn_epochs"):
            driven = SklearnEpochs(SkBernoulliRBM(4, batch_size=16, n_iter=3, verbose=verbose, random_state=b), X).train()
        assert_same_fit(driven, reference)
        assert a.random_sample() == b.random_sample()
    assert "Iteration 3, pseudo-likelihood" in caplog.text and "Iteration 3" in capsys.readouterr().out


def test_history_holds_the_epoch_metrics_and_leaves_params_alone(X, rng):
    X_val = (rng.random((20, 12)) < 0.4).astype(np.float64)
    rbm = SkBernoulliRBM(5, batch_size=20, n_iter=3, random_state=0)
    seen = []
    driven = SklearnEpochs(rbm, X, X_val=X_val).train(lambda driver, logs: seen.append((driver.epoch, dict(logs))))
    assert [epoch for epoch, _ in seen] == [1, 2, 3]
    history = driven.history_
    assert set(history) == {"pseudo_likelihood", "reconstruction_error", "weight_sparsity", "time",
                            "pseudo_likelihood_val", "free_energy_gap"}
    assert all(len(values) == 3 for values in history.values())
    last = epoch_metrics(X, X_val, driven.components_, driven.intercept_visible_, driven.intercept_hidden_)
    assert {k: history[k][-1] for k in last} == last
    assert seen[-1][1]["pseudo_likelihood"] == history["pseudo_likelihood"][-1]
    assert rbm.get_params() == SkBernoulliRBM(5, batch_size=20, n_iter=3, random_state=0).get_params()
    assert not hasattr(clone(rbm), "history_")
    assert_same_fit(driven, clone(rbm).fit(X))  # held-out data and metrics change nothing


def test_stop_training_ends_after_that_epoch(X):
    def stop(driver, logs):
        if driver.epoch == 2:
            raise StopTraining("enough")

    driven = SklearnEpochs(SkBernoulliRBM(4, n_iter=5, batch_size=30, random_state=0), X).train(stop)
    assert len(driven.history_["time"]) == 2


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_checkpoint_in_the_middle_resumes_bit_for_bit(tmp_path, X, dtype):
    X = X.astype(dtype)
    rbm = SkBernoulliRBM(6, batch_size=11, n_iter=5, random_state=7)
    reference = clone(rbm).fit(X)

    class Interrupt(Exception):
        pass

    def interrupt(driver, logs):
        save_model([driver.to_record(checkpoint=True)], tmp_path / "ck.nc", overwrite=True, checkpoint=True)
        if driver.epoch == 2:
            raise Interrupt

    first = SklearnEpochs(clone(rbm), X)
    with pytest.raises(Interrupt):
        first.train(interrupt)
    record = load_model(tmp_path / "ck.nc").layers[0]
    assert record.epoch == 2 and record.rng_state["bit_generator"] == "MT19937"
    resumed = SklearnEpochs(clone(rbm), X, record=record)
    assert resumed.epoch == 2
    est = resumed.train()
    assert_same_fit(est, reference)
    assert len(est.history_["pseudo_likelihood"]) == 5
    assert est.history_["pseudo_likelihood"][:2] == first.estimator.history_["pseudo_likelihood"]


def test_records_that_do_not_fit_are_refused(X):
    driver = SklearnEpochs(SkBernoulliRBM(4, n_iter=1, batch_size=30, random_state=0), X)
    driver.train()
    record = driver.to_record(checkpoint=True)
    with pytest.raises(InvalidParameterError, match="other data or another network"):
        SklearnEpochs(SkBernoulliRBM(5, n_iter=2, batch_size=30, random_state=0), X, record=record)
    with pytest.raises(InvalidParameterError, match="other data or another network"):
        SklearnEpochs(SkBernoulliRBM(4, n_iter=2, batch_size=30, random_state=0), X.astype(np.float32), record=record)
    with pytest.raises(InvalidParameterError, match="without its training state"):
        SklearnEpochs(SkBernoulliRBM(4, n_iter=2, batch_size=30, random_state=0), X, record=driver.to_record())


def test_bad_input_and_parameters(X):
    with pytest.raises(InvalidParameterError, match="X:"):
        SklearnEpochs(SkBernoulliRBM(4), sp.csr_matrix(X))
    with pytest.raises(InvalidParameterError, match="X:"):
        SklearnEpochs(SkBernoulliRBM(4), X, X_val=np.zeros((3, 5)))
    with pytest.raises(InvalidParameterError, match="scikit-learn BernoulliRBM parameter"):
        SklearnEpochs(SkBernoulliRBM(4, n_iter=-1), X)


class Drifted(SkBernoulliRBM):
    """A fit that does one thing more than the driver: what a changed scikit-learn would look like."""

    def fit(self, X, y=None):
        super().fit(X)
        self.intercept_hidden_ = self.intercept_hidden_ + np.finfo(self.intercept_hidden_.dtype).eps
        return self


class ExtraDraw(SkBernoulliRBM):
    def fit(self, X, y=None):
        super().fit(X)
        self.random_state.random_sample()  # one draw more from the training stream
        return self


class NewAttribute(SkBernoulliRBM):
    def fit(self, X, y=None):
        super().fit(X)
        self.n_iter_ = self.n_iter
        return self


class RenamedPrivateFit(SkBernoulliRBM):
    """The mini-batch update renamed: fit still works, the driver's ``_fit`` is gone."""

    _fit = None
    _fit_batch = SkBernoulliRBM._fit

    def fit(self, X, y=None):
        self._fit = self._fit_batch
        try:
            return super().fit(X)
        finally:
            del self._fit


@pytest.mark.parametrize("cls, fragment", [(Drifted, "intercept_hidden_ differ"), (ExtraDraw, "random state differ"),
                                           (NewAttribute, "attributes"), (RenamedPrivateFit, "the driver fails")])
def test_a_fit_the_driver_does_not_reproduce_is_a_clear_error(X, cls, fragment):
    with pytest.raises(SklearnMismatchError, match=fragment) as info:
        SklearnEpochs(cls(4, n_iter=2, random_state=0), X)
    assert isinstance(info.value, DeepRGError) and "written against scikit-learn" in str(info.value)
    with pytest.raises(SklearnMismatchError):  # never cached as verified
        verify_epoch_driver(cls(4))


def test_the_installed_scikit_learn_passes_the_check():
    verify_epoch_driver(SkBernoulliRBM())
