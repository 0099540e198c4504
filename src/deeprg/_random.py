"""The one place where ``random_state`` arguments become NumPy generators."""

from __future__ import annotations

from typing import Union

import numpy as np

from deeprg.errors import InvalidParameterError

RandomState = Union[None, int, np.integer, np.random.SeedSequence, np.random.Generator]


def check_random_state(random_state: RandomState) -> np.random.Generator:
    """Turn ``random_state`` into a :class:`numpy.random.Generator`.

    Parameters
    ----------
    random_state : None, int, numpy.random.SeedSequence or numpy.random.Generator
        ``None`` draws fresh entropy from the operating system, an integer or a
        ``SeedSequence`` seeds a new PCG64 generator, and a ``Generator`` is
        returned as it is (it is shared, not copied).

    Returns
    -------
    numpy.random.Generator
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or isinstance(random_state, np.random.SeedSequence):
        return np.random.default_rng(random_state)
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if random_state < 0:
            raise InvalidParameterError(
                f"random_state must be a non-negative integer seed, got {random_state}."
            )
        return np.random.default_rng(int(random_state))
    raise InvalidParameterError(
        "random_state must be None, a non-negative int, a numpy SeedSequence or a numpy "
        f"Generator; got {type(random_state).__name__}."
    )


def seed_of(random_state: RandomState) -> int | None:
    """Return the integer seed behind ``random_state`` if there is one, for provenance."""
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return int(random_state)
    return None


def spawn(rng: np.random.Generator, n: int) -> list[np.random.Generator]:
    """Split ``rng`` into ``n`` independent child generators (``SeedSequence.spawn``).

    The children depend only on the parent's seed sequence and on how many
    children it spawned before, so the same seed always gives the same streams.
    """
    return rng.spawn(n)
