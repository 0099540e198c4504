"""Numba kernels for Ising Monte Carlo updates.

Randomness is counter based: the ``n``-th random word of a chain is
``mix64(key + n * GOLDEN)``, the SplitMix64 output function (Steele, Lea &
Flood 2014) applied to a Weyl sequence, which passes BigCrush. A chain is fully
described by its spins, its 64-bit ``key`` (from ``SeedSequence.spawn``) and
its ``counter``, so chains can be saved, resumed and run on any thread with the
same bits. Acceptance tests compare raw 64-bit words with integer thresholds
``floor(p * 2**64)``; no floating-point random numbers, no per-site ``exp``.

Algorithm codes (``ALGORITHM_CODES``) select the update inside :func:`run_chain`.
All kernels release the GIL, so independent chains run in parallel threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S32 = np.uint64(32)
_S63 = np.uint64(63)
_ONE = np.uint64(1)
#: Threshold meaning "accept without drawing a random number".
ALWAYS = np.uint64(0xFFFFFFFFFFFFFFFF)

METROPOLIS_CHECKERBOARD = 0
METROPOLIS_RANDOM_SITE = 1
WOLFF = 2
SWENDSEN_WANG = 3


@njit(cache=True, nogil=True, inline="always")
def random_word(key, n):
    """The ``n``-th 64-bit random word of the stream ``key`` (both uint64)."""
    z = key + n * GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, nogil=True, inline="always")
def _bounded(word, n):
    """Map a random 64-bit word to ``0 <= k < n`` (Lemire's multiply-shift on the high half)."""
    return np.int64(((word >> _S32) * np.uint64(n)) >> _S32)


def probability_threshold(p: float) -> np.uint64:
    """Integer threshold ``t`` with ``P(word < t) = p`` for a uniform 64-bit word; ``ALWAYS`` for p >= 1."""
    if p >= 1.0:
        return ALWAYS
    if p <= 0.0:
        return np.uint64(0)
    return np.uint64(min(int(p * 2.0**64), 2**64 - 2))


def metropolis_table(beta: float, coupling: float) -> np.ndarray:
    r"""Acceptance thresholds indexed by ``(s_i * sum_j s_j + 4) // 2``.

    Flipping spin :math:`s_i` with neighbour sum :math:`n_i` costs
    :math:`\Delta E = 2 J s_i n_i`; it is accepted with probability
    :math:`\min(1, e^{-\beta \Delta E})`.
    """
    products = np.arange(-4, 5, 2)
    return np.array(
        [probability_threshold(float(np.exp(-2.0 * beta * coupling * p))) for p in products], dtype=np.uint64
    )


def cluster_table(beta: float, coupling: float) -> np.ndarray:
    r"""Bond-activation threshold :math:`p = 1 - e^{-2\beta J}` for Wolff and Swendsen-Wang."""
    return np.array([probability_threshold(-float(np.expm1(-2.0 * beta * coupling)))], dtype=np.uint64)


@njit(cache=True, nogil=True, inline="always")
def _metropolis_flip(s, neighbour_sum, table, word):
    """Branchless Metropolis decision for spin ``s``: 1 to flip, 0 to keep."""
    t = table[(s * neighbour_sum + 4) >> 1]
    return (t == ALWAYS) | (word < t)


@njit(cache=True, nogil=True)
def metropolis_color(spins, color, table, key, base, neighbours):
    """Metropolis update of every site with ``(i + j) % 2 == color`` (a half sweep, even L).

    Site ``(i, j)`` uses random word number ``base + i * L + j``. Each row is done
    in two branch-free passes that the compiler vectorizes: the neighbour sums of
    the whole row (sites of the other colour do not change during a half sweep),
    then hashing, the acceptance test and the flip for every site, masked to this
    colour. ``neighbours`` is int8 scratch space of length ``L``. Returns the
    number of flips.
    """
    L = spins.shape[0]
    # the five thresholds as scalars: a select chain vectorizes, a table gather does not
    t0, t1, t2, t3, t4 = table[0], table[1], table[2], table[3], table[4]
    flips = 0
    for i in range(L):
        above = spins[i - 1 if i > 0 else L - 1]
        below = spins[i + 1 if i < L - 1 else 0]
        row = spins[i]
        neighbours[0] = above[0] + below[0] + row[L - 1] + row[1]
        for j in range(1, L - 1):
            neighbours[j] = above[j] + below[j] + row[j - 1] + row[j + 1]
        neighbours[L - 1] = above[L - 1] + below[L - 1] + row[L - 2] + row[0]
        parity = (color + i) & 1
        first = base + np.uint64(i * L)
        for j in range(L):
            s = row[j]
            sh = s * neighbours[j]
            t = t0 if sh == -4 else (t1 if sh == -2 else (t2 if sh == 0 else (t3 if sh == 2 else t4)))
            flip = ((t == ALWAYS) | (random_word(key, first + np.uint64(j)) < t)) & ((j & 1) == parity)
            row[j] = s - np.int8(2 * flip) * s
            flips += flip
    return flips


@njit(cache=True, nogil=True)
def metropolis_random_site(spins, table, key, base):
    """``L * L`` Metropolis updates of uniformly chosen sites (a random-site sweep). Works for any L.

    Step ``k`` picks its site with word ``base + 2k`` and tests acceptance with word
    ``base + 2k + 1``. Unlike a fixed (typewriter) site order, which on small lattices
    has deterministic cycles that never leave (flips that do not raise the energy
    are always accepted), this chain is irreducible. Returns the number of flips.
    """
    L = spins.shape[0]
    flips = 0
    for k in range(L * L):
        site = _bounded(random_word(key, base + np.uint64(2 * k)), L * L)
        i = site // L
        j = site - i * L
        up = spins[i - 1 if i > 0 else L - 1, j]
        down = spins[i + 1 if i < L - 1 else 0, j]
        left = spins[i, j - 1 if j > 0 else L - 1]
        right = spins[i, j + 1 if j < L - 1 else 0]
        word = random_word(key, base + np.uint64(2 * k + 1))
        if _metropolis_flip(spins[i, j], up + down + left + right, table, word):
            spins[i, j] = -spins[i, j]
            flips += 1
    return flips


@njit(cache=True, nogil=True)
def wolff_cluster(spins, table, key, counter, stack):
    """Grow and flip one Wolff cluster. Returns ``(new_counter, cluster_size)``.

    Every neighbour test draws one random word, whether or not the neighbour is
    aligned, and the test has no data-dependent branch. The stack holds sites
    packed as ``i << 32 | j``, which avoids an integer division per flipped spin.
    """
    L = spins.shape[0]
    p_add = table[0]
    seed = _bounded(random_word(key, counter), L * L)
    counter += _ONE
    i0 = seed // L
    j0 = seed - i0 * L
    s0 = spins[i0, j0]
    spins[i0, j0] = -s0
    stack[0] = (i0 << 32) | j0
    top = 1
    size = 1
    always = p_add == ALWAYS
    while top > 0:
        top -= 1
        i = stack[top] >> 32
        j = stack[top] & 0xFFFFFFFF
        for d in range(4):
            if d == 0:
                ni, nj = (i - 1 if i > 0 else L - 1), j
            elif d == 1:
                ni, nj = (i + 1 if i < L - 1 else 0), j
            elif d == 2:
                ni, nj = i, (j - 1 if j > 0 else L - 1)
            else:
                ni, nj = i, (j + 1 if j < L - 1 else 0)
            # branchless: the bond test is a coin flip at K_c, which a branch would mispredict
            w = random_word(key, counter)
            counter += _ONE
            add = (spins[ni, nj] == s0) & (always | (w < p_add))
            spins[ni, nj] -= np.int8(2 * add) * s0
            stack[top] = (ni << 32) | nj
            top += add
            size += add
    return counter, size


@njit(cache=True, nogil=True, inline="always")
def _find(parent, a):
    while parent[a] != a:
        parent[a] = parent[parent[a]]  # path halving
        a = parent[a]
    return a


@njit(cache=True, nogil=True, inline="always")
def _union(parent, a, b):
    ra = _find(parent, a)
    rb = _find(parent, b)
    if ra < rb:
        parent[rb] = ra
    elif rb < ra:
        parent[ra] = rb


@njit(cache=True, nogil=True)
def swendsen_wang_sweep(spins, table, key, base, parent):
    """One Swendsen-Wang update: activate bonds, label clusters, flip each with probability 1/2.

    Bond ``d`` (0 right, 1 down) of site ``k`` uses word ``base + 2k + d``; the flip of the
    cluster whose smallest site is ``r`` uses word ``base + 2N + r``. Returns the number of flipped spins.
    """
    L = spins.shape[0]
    N = L * L
    p_add = table[0]
    for k in range(N):
        parent[k] = k
    for i in range(L):
        down = i + 1 if i < L - 1 else 0
        for j in range(L):
            right = j + 1 if j < L - 1 else 0
            k = i * L + j
            s = spins[i, j]
            if spins[i, right] == s:
                if p_add == ALWAYS or random_word(key, base + np.uint64(2 * k)) < p_add:
                    _union(parent, k, i * L + right)
            if spins[down, j] == s:
                if p_add == ALWAYS or random_word(key, base + np.uint64(2 * k + 1)) < p_add:
                    _union(parent, k, down * L + j)
    flipped = 0
    offset = base + np.uint64(2 * N)
    for k in range(N):
        r = _find(parent, k)
        if random_word(key, offset + np.uint64(r)) >> _S63:
            i = k // L
            spins[i, k - i * L] = -spins[i, k - i * L]
            flipped += 1
    return flipped


@njit(cache=True, nogil=True)
def update(algorithm, spins, table, key, counter, work, neighbours):
    """Apply one update (a sweep, or one Wolff cluster). Returns ``(new_counter, n_flipped)``.

    ``work`` (int64, ``L * L``) and ``neighbours`` (int8, ``L``) are scratch space.
    """
    N = spins.shape[0] * spins.shape[1]
    if algorithm == METROPOLIS_CHECKERBOARD:
        flips = metropolis_color(spins, 0, table, key, counter, neighbours)
        flips += metropolis_color(spins, 1, table, key, counter, neighbours)
        return counter + np.uint64(N), flips
    if algorithm == METROPOLIS_RANDOM_SITE:
        flips = metropolis_random_site(spins, table, key, counter)
        return counter + np.uint64(2 * N), flips
    if algorithm == WOLFF:
        return wolff_cluster(spins, table, key, counter, work)
    flips = swendsen_wang_sweep(spins, table, key, counter, work)
    return counter + np.uint64(3 * N), flips


@njit(cache=True, nogil=True)
def bond_sum_and_magnetization(spins):
    """Return ``(sum over bonds of s_i s_j, sum_i s_i)`` of one lattice as int64."""
    L = spins.shape[0]
    bonds = 0
    mag = 0
    for i in range(L):
        down = i + 1 if i < L - 1 else 0
        for j in range(L):
            right = j + 1 if j < L - 1 else 0
            s = np.int64(spins[i, j])
            bonds += s * (spins[i, right] + spins[down, j])
            mag += s
    return bonds, mag


@njit(cache=True, nogil=True)
def run_chain(algorithm, spins, table, key, counter, spacing, bonds_out, mag_out, spins_out, work):
    """Advance a chain and record observables every ``spacing`` updates.

    Parameters
    ----------
    algorithm : int
        One of the algorithm codes.
    spins : ndarray of int8, shape (L, L)
        Chain state, modified in place.
    table : ndarray of uint64
        Acceptance thresholds (:func:`metropolis_table` or :func:`cluster_table`).
    key, counter : uint64
        Random stream and position in it.
    spacing : int
        Updates between records.
    bonds_out, mag_out : ndarray of int64, shape (n_records,)
        Filled with the bond sum and the magnetization after each block of updates.
    spins_out : ndarray of int8, shape (n_records, L, L) or (0, L, L)
        Filled with the configurations when it has ``n_records`` rows.
    work : ndarray of int64, shape (L * L,)
        Scratch space (Wolff stack or Swendsen-Wang labels).

    Returns
    -------
    counter : uint64
        The new stream position.
    n_flipped : int
        Total number of spins flipped.
    """
    n_flipped = 0
    keep = spins_out.shape[0] > 0
    neighbours = np.empty(spins.shape[0], dtype=np.int8)
    for r in range(bonds_out.shape[0]):
        for _ in range(spacing):
            counter, flips = update(algorithm, spins, table, key, counter, work, neighbours)
            n_flipped += flips
        bonds_out[r], mag_out[r] = bond_sum_and_magnetization(spins)
        if keep:
            spins_out[r] = spins
    return counter, n_flipped
