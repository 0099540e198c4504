"""Block-spin transformations: hand-made cases, tie breaking, composition, symmetry, errors."""

import math

import numpy as np
import pytest

from deeprg.errors import InvalidParameterError
from deeprg.rg.flow.blockspin import block_positions, block_spin


def random_spins(rng: np.random.Generator, n: int, L: int) -> np.ndarray:
    return rng.choice(np.array([-1, 1], dtype=np.int8), size=(n, L, L))


# ---------------------------------------------------------------- hand-made cases
HAND = np.array(
    [
        [1, 1, -1, -1],
        [1, -1, -1, -1],
        [1, 1, 1, -1],
        [1, 1, -1, 1],
    ],
    dtype=np.int8,
)


def test_majority_hand_made_2x2_blocks():
    out = block_spin(HAND, 2, random_state=0)
    assert out.shape == (2, 2) and out.dtype == np.int8
    # blocks: 3 up/1 down -> +1, all down -> -1, all up -> +1, tie -> a coin
    assert out[0, 0] == 1 and out[0, 1] == -1 and out[1, 0] == 1
    assert out[1, 1] in (-1, 1)


def test_majority_hand_made_3x3_blocks():
    s = np.ones((6, 6), dtype=np.int8)
    s[0:3, 0:3] = [[-1, -1, -1], [-1, -1, 1], [1, 1, 1]]  # 5 down, 4 up -> -1
    s[0:3, 3:6] = [[-1, -1, 1], [-1, 1, 1], [-1, 1, 1]]  # 4 down, 5 up -> +1
    s[3:6, 0:3] = -1  # all down
    s[3:6, 3:6] = [[1, -1, 1], [-1, 1, -1], [1, -1, 1]]  # 5 up -> +1
    expected = np.array([[-1, 1], [-1, 1]], dtype=np.int8)
    np.testing.assert_array_equal(block_spin(s, 3), expected)


def test_decimation_keeps_top_left_spin():
    np.testing.assert_array_equal(block_spin(HAND, 2, rule="decimation"), [[1, -1], [1, 1]])
    np.testing.assert_array_equal(block_spin(HAND, 4, rule="decimation"), [[1]])


def test_batch_and_single_lattice_shapes(rng):
    s = random_spins(rng, 5, 12)
    for b in (1, 2, 3, 4, 6, 12):
        out = block_spin(s, b, random_state=1)
        assert out.shape == (5, 12 // b, 12 // b) and out.dtype == np.int8
        assert set(np.unique(out)) <= {-1, 1}
        assert block_spin(s[0], b, random_state=1).shape == (12 // b, 12 // b)


def test_block_size_one_is_a_copy(rng):
    s = random_spins(rng, 3, 6)
    for rule in ("majority", "decimation"):
        out = block_spin(s, 1, rule=rule)
        np.testing.assert_array_equal(out, s)
        assert not np.shares_memory(out, s)


def test_majority_of_whole_lattice_is_the_sign_of_the_magnetization(rng):
    s = random_spins(rng, 50, 5)  # odd number of spins: never tied
    out = block_spin(s, 5)
    np.testing.assert_array_equal(out[:, 0, 0], np.sign(s.sum(axis=(1, 2))))


# ---------------------------------------------------------------- ties
def all_tied(n: int, L: int) -> np.ndarray:
    """Checkerboards: every 2x2 block holds two up and two down spins."""
    i, j = np.indices((L, L))
    board = np.where((i + j) % 2 == 0, 1, -1).astype(np.int8)
    return np.broadcast_to(board, (n, L, L)).copy()


def test_ties_are_broken_by_fair_coins():
    s = all_tied(200, 8)  # 200 * 16 = 3200 tied blocks
    out = block_spin(s, 2, random_state=123)
    n_blocks = out.size
    up = np.count_nonzero(out == 1)
    assert np.count_nonzero(out == 0) == 0
    # binomial(3200, 1/2): 4 standard deviations
    assert abs(up - n_blocks / 2) <= 4 * math.sqrt(n_blocks / 4)
    # every block position gets both signs over the samples, and samples differ
    assert np.all(out.min(axis=0) == -1) and np.all(out.max(axis=0) == 1)
    # neighbouring blocks are not copies of each other
    assert 0.3 < np.mean(out[:, :, 0] == out[:, :, 1]) < 0.7


def test_tie_breaking_is_reproducible_and_seed_dependent():
    s = all_tied(20, 8)
    a = block_spin(s, 2, random_state=7)
    np.testing.assert_array_equal(a, block_spin(s, 2, random_state=7))
    np.testing.assert_array_equal(a, block_spin(s, 2, random_state=np.random.default_rng(7)))
    assert not np.array_equal(a, block_spin(s, 2, random_state=8))


def test_ties_with_4x4_blocks(rng):
    s = all_tied(50, 8)  # 4x4 checkerboard blocks: 8 up, 8 down
    out = block_spin(s, 4, random_state=rng)
    assert 0.3 < np.mean(out == 1) < 0.7


def test_decided_blocks_ignore_the_generator(rng):
    s = random_spins(rng, 30, 8)
    sums = s.reshape(30, 4, 2, 4, 2).sum(axis=(2, 4))
    decided = sums != 0
    a, b = block_spin(s, 2, random_state=0), block_spin(s, 2, random_state=1)
    np.testing.assert_array_equal(a[decided], np.sign(sums[decided]))
    np.testing.assert_array_equal(a[decided], b[decided])


def test_odd_blocks_need_no_randomness(rng):
    s = random_spins(rng, 20, 9)
    np.testing.assert_array_equal(block_spin(s, 3, random_state=0), block_spin(s, 3, random_state=99))


# ---------------------------------------------------------------- composition
@pytest.mark.parametrize("b1, b2", [(2, 2), (2, 3), (3, 2), (2, 6), (4, 3), (1, 12)])
def test_decimation_composes(rng, b1, b2):
    s = random_spins(rng, 10, 2 * b1 * b2)
    twice = block_spin(block_spin(s, b1, rule="decimation"), b2, rule="decimation")
    np.testing.assert_array_equal(twice, block_spin(s, b1 * b2, rule="decimation"))


def test_majority_with_odd_blocks_composes_deterministically(rng):
    s = random_spins(rng, 40, 27)
    once = block_spin(s, 3)
    twice = block_spin(once, 3)
    # majority of majorities, computed independently
    signs = np.sign(s.reshape(40, 9, 3, 9, 3).sum(axis=(2, 4)))
    expected = np.sign(signs.reshape(40, 3, 3, 3, 3).sum(axis=(2, 4)))
    np.testing.assert_array_equal(twice, expected)
    np.testing.assert_array_equal(block_spin(once, 3, random_state=5), twice)
    # ... which is not the majority of the 9x9 blocks in general (documented)
    assert not np.array_equal(twice, block_spin(s, 9))


# ---------------------------------------------------------------- symmetry
@pytest.mark.parametrize("b", [1, 3, 9])
def test_global_flip_commutes_exactly_for_odd_blocks(rng, b):
    s = random_spins(rng, 10, 9)
    for rule in ("majority", "decimation"):
        np.testing.assert_array_equal(block_spin(-s, b, rule=rule), -block_spin(s, b, rule=rule))


def test_global_flip_for_even_blocks(rng):
    s = random_spins(rng, 200, 8)
    np.testing.assert_array_equal(block_spin(-s, 2, rule="decimation"), -block_spin(s, 2, rule="decimation"))
    sums = s.reshape(200, 4, 2, 4, 2).sum(axis=(2, 4))
    decided = sums != 0
    flipped, original = block_spin(-s, 2, random_state=3), block_spin(s, 2, random_state=4)
    np.testing.assert_array_equal(flipped[decided], -original[decided])
    # tied blocks: a fair coin either way
    assert abs(np.mean(flipped[~decided] == 1) - 0.5) < 4 * 0.5 / math.sqrt(np.count_nonzero(~decided))


# ---------------------------------------------------------------- positions
def test_block_positions_hand_made():
    np.testing.assert_array_equal(block_positions(4, 2), [[0.5, 0.5], [0.5, 2.5], [2.5, 0.5], [2.5, 2.5]])
    np.testing.assert_array_equal(block_positions(3, 1), [[i, j] for i in range(3) for j in range(3)])
    np.testing.assert_array_equal(block_positions(6, 6), [[2.5, 2.5]])


def test_block_positions_follow_the_block_order():
    L, b = 12, 3
    pos = block_positions(L, b)
    for k in range(16):
        s = -np.ones((L, L), dtype=np.int8)
        row, col = divmod(k, L // b)
        s[b * row : b * row + b, b * col : b * col + b] = 1
        flat = block_spin(s, b).ravel()
        assert np.flatnonzero(flat == 1).tolist() == [k]
        assert b * row <= pos[k, 0] <= b * row + b - 1 and b * col <= pos[k, 1] <= b * col + b - 1


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("b", [0, -2, 3, 5, 16, 2.0, True, "2"])
def test_invalid_block_size(b):
    s = np.ones((2, 8, 8), dtype=np.int8)
    with pytest.raises(InvalidParameterError):
        block_spin(s, b)
    with pytest.raises(InvalidParameterError):
        block_positions(8, b)


def test_error_names_the_divisors():
    with pytest.raises(InvalidParameterError, match=r"\[1, 2, 3, 4, 6, 12\]"):
        block_spin(np.ones((12, 12), dtype=np.int8), 5)


def test_invalid_rule_and_spins():
    with pytest.raises(InvalidParameterError, match="rule"):
        block_spin(np.ones((4, 4), dtype=np.int8), 2, rule="average")
    with pytest.raises(InvalidParameterError, match="to_spins"):
        block_spin(np.zeros((4, 4), dtype=np.int8), 2)
    with pytest.raises(InvalidParameterError):
        block_spin(np.ones((4, 6), dtype=np.int8), 2)
    with pytest.raises(InvalidParameterError, match="random_state"):
        block_spin(all_tied(1, 4), 2, random_state="seed")
