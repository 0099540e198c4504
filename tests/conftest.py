"""Shared test fixtures."""

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator; tests that need randomness take this instead of seeding globally."""
    return np.random.default_rng(20141010)
