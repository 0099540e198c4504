"""IsingModel: energy symmetries and local fields (property tests), and the kernels' bookkeeping."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from deeprg.errors import InvalidParameterError
from deeprg.ising import IsingModel, kernels, to_binary, to_spins


@st.composite
def lattices(draw, min_L=2, max_L=9):
    L = draw(st.integers(min_L, max_L))
    bits = draw(arrays(np.int8, (L, L), elements=st.sampled_from([-1, 1])))
    return bits


couplings = st.floats(min_value=-3, max_value=3, allow_nan=False).filter(lambda x: abs(x) > 1e-3)


@settings(max_examples=60, deadline=None)
@given(spins=lattices(), coupling=couplings, shift=st.tuples(st.integers(0, 8), st.integers(0, 8)),
       k=st.integers(0, 3))
def test_energy_symmetries(spins, coupling, shift, k):
    model = IsingModel(spins.shape[0], coupling)
    e = model.energy(spins)
    for transformed in (
        np.roll(spins, shift, axis=(0, 1)),  # translation
        np.rot90(spins, k),  # rotation
        spins[::-1],  # reflection
        spins.T,  # diagonal reflection
        -spins,  # global flip
    ):
        np.testing.assert_allclose(model.energy(np.ascontiguousarray(transformed)), e, rtol=1e-12)
    assert model.magnetization(-spins)[0] == -model.magnetization(spins)[0]


@settings(max_examples=60, deadline=None)
@given(spins=lattices(), coupling=couplings, data=st.data())
def test_local_field_energy_difference(spins, coupling, data):
    model = IsingModel(spins.shape[0], coupling)
    L = spins.shape[0]
    i, j = data.draw(st.integers(0, L - 1)), data.draw(st.integers(0, L - 1))
    flipped = spins.copy()
    flipped[i, j] *= -1
    predicted = model.flip_energy_change(spins)[0, i, j]
    np.testing.assert_allclose(model.energy(flipped) - model.energy(spins), predicted, rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(spins=lattices())
def test_kernel_bond_sum_matches_model(spins):
    model = IsingModel(spins.shape[0])
    bonds, mag = kernels.bond_sum_and_magnetization(spins)
    assert -bonds == model.energy(spins)[0]
    assert mag == model.magnetization(spins)[0]


def test_ground_state_energy():
    assert IsingModel(8).energy(np.ones((8, 8), np.int8))[0] == -2 * 64


def test_binary_round_trip(rng):
    spins = rng.choice(np.array([-1, 1], np.int8), size=(5, 6, 6))
    bits = to_binary(spins)
    assert bits.shape == (5, 36) and set(np.unique(bits)) <= {0, 1}
    np.testing.assert_array_equal(to_spins(bits), spins)


@pytest.mark.parametrize("bad", [dict(L=1), dict(L=2.5), dict(L=True), dict(L=4, coupling=0.0), dict(L=4, coupling=float("nan"))])
def test_model_rejects_bad_parameters(bad):
    with pytest.raises(InvalidParameterError):
        IsingModel(**bad)


def test_model_rejects_wrong_lattices():
    model = IsingModel(4)
    with pytest.raises(InvalidParameterError, match="4x4"):
        model.energy(np.ones((5, 5), np.int8))
    with pytest.raises(InvalidParameterError, match="-1 and \\+1"):
        model.energy(np.zeros((4, 4), np.int8))
