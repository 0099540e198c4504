"""Ising model, Monte Carlo samplers and exact results on the 2D square lattice."""

from deeprg.ising.model import IsingModel
from deeprg.ising.montecarlo import ChainState, MonteCarloSampler
from deeprg.ising.samplers import (
    MetropolisSampler,
    SwendsenWangSampler,
    WolffSampler,
    make_sampler,
)
from deeprg.ising.sampleset import ALGORITHMS, SampleSet
from deeprg.ising.spins import check_spins, to_binary, to_spins

__all__ = [
    "ALGORITHMS",
    "ChainState",
    "IsingModel",
    "MetropolisSampler",
    "MonteCarloSampler",
    "SampleSet",
    "SwendsenWangSampler",
    "WolffSampler",
    "check_spins",
    "make_sampler",
    "to_binary",
    "to_spins",
]
