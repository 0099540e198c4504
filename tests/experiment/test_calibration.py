"""Every measure of the verdict gives every control network its known answer (deeprg.rg.controls).

The default suite checks the quick run's setting (16x16, K = 0.408); the slow suite checks 16x16
and 40x40, at K = 0.408 and at K_c, over three seeds of the controls' randomness and of the data.
"""

from __future__ import annotations

import numpy as np
import pytest

from deeprg.experiment.analysis import measure_network
from deeprg.ising import IsingModel, WolffSampler
from deeprg.report.verdict import Judgement
from deeprg.rg import standard_controls
from deeprg.rg.controls import MEASURES

K_C = 0.5 * np.log(1 + np.sqrt(2))


def _wrong_answers(L: int, K: float, seed: int, n_samples: int) -> list[str]:
    samples = WolffSampler(IsingModel(L), K, random_state=seed).sample(n_samples)
    wrong = []
    for control in standard_controls(L, random_state=seed):
        metrics = measure_network(control.network, samples, n_surrogates=20, n_samples=n_samples,
                                  random_state=seed).metrics
        judged = Judgement.of(metrics)
        for measure in MEASURES:
            expected = control.expected_measures[measure]
            if expected is not None and judged.observed(measure) != expected:
                wrong.append(f"{control.name}: {measure} is {judged.observed(measure)}, expected {expected}")
    return wrong


def test_every_control_gets_its_known_answer_on_the_quick_lattice():
    assert _wrong_answers(16, 0.408, seed=0, n_samples=500) == []


def test_the_panel_has_both_answers_for_every_measure():
    """A measure calibrated on positives only (or negatives only) proves nothing: each needs both."""
    panel = standard_controls(16, random_state=0)
    for measure in MEASURES:
        answers = {c.expected_measures[measure] for c in panel} - {None}
        assert answers == {True, False}, measure


@pytest.mark.slow
@pytest.mark.parametrize("L", [16, 40])
@pytest.mark.parametrize("K", [0.408, K_C], ids=["K=0.408", "K_c"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_control_gets_its_known_answer(L, K, seed):
    assert _wrong_answers(L, K, seed=seed, n_samples=1000) == []
