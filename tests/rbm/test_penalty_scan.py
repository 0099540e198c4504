"""Training half of the L1 scan: one RBM per strength, every one from the same seed."""

import numpy as np
import pytest

from deeprg.errors import InvalidParameterError
from deeprg.rbm import BernoulliRBM
from deeprg.rbm.penalty_scan import fit_penalty_scan, penalty_scan_seeds


def _bits(n=80, d=9, seed=0):
    return (np.random.default_rng(seed).random((n, d)) < 0.5).astype(np.float64)


def test_seeds_are_two_draws_at_once_and_a_generator_is_advanced_once():
    assert penalty_scan_seeds(4) == penalty_scan_seeds(4)
    rng, twin = np.random.default_rng(4), np.random.default_rng(4)
    assert penalty_scan_seeds(rng) == tuple(int(s) for s in twin.integers(0, 2**31 - 1, size=2))
    assert rng.random() == twin.random()  # both advanced by the same single draw


def test_every_rbm_gets_the_same_seed_so_equal_strengths_give_equal_rbms():
    X = _bits()
    seeds = []

    def make_rbm(strength, seed):
        seeds.append(seed)
        return BernoulliRBM(3, l1=strength, n_iter=2, random_state=seed)

    a, b, c = fit_penalty_scan(X, [0.0, 0.0, 0.05], seed=17, make_rbm=make_rbm)
    assert seeds == [17, 17, 17]
    np.testing.assert_array_equal(a.components_, b.components_)
    assert not np.array_equal(a.components_, c.components_)  # the penalty is all that differs
    assert [r.get_params()["l1"] for r in (a, b, c)] == [0.0, 0.0, 0.05]


def test_default_rbm_and_fit_hook():
    X = _bits()
    [default] = fit_penalty_scan(X, [0.01], seed=3, n_components=2, n_iter=1)
    expected = BernoulliRBM(2, l1=0.01, n_iter=1, random_state=3).fit(X)
    np.testing.assert_array_equal(default.components_, expected.components_)
    calls = []
    [hooked] = fit_penalty_scan(X, [0.01], seed=3, n_components=2, n_iter=1,
                                fit=lambda rbm, data: calls.append(len(data)) or rbm.fit(data))
    assert calls == [len(X)]
    np.testing.assert_array_equal(hooked.components_, expected.components_)


def test_rbms_are_trained_lazily_one_at_a_time():
    made = []
    scan = fit_penalty_scan(_bits(), [0.0, 0.1], seed=0,
                            make_rbm=lambda s, seed: made.append(s) or BernoulliRBM(2, l1=s, n_iter=1, random_state=seed))
    assert made == []
    next(scan)
    assert made == [0.0]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"strengths": []}, "strengths is empty"),
        ({"seed": -1}, "seed must be an integer >= 0"),
        ({"n_components": None}, "needs n_components"),
        ({"n_components": 0}, "n_components must be an integer >= 1"),
    ],
)
def test_bad_arguments_are_explained_before_any_training(kwargs, message):
    args = {"strengths": [0.0], "seed": 0, "n_components": 2} | kwargs
    with pytest.raises(InvalidParameterError, match=message):
        fit_penalty_scan(_bits(), args.pop("strengths"), **args)
