"""Restricted Boltzmann machines and deep belief networks (Bernoulli-Bernoulli)."""

from deeprg.rbm.callbacks import Callback, Checkpoint, EarlyStopping, LambdaCallback, StopTraining
from deeprg.rbm.dbn import DeepBeliefNetwork
from deeprg.rbm.estimator import BernoulliRBM
from deeprg.rbm.variants import VARIANTS, make_layers

__all__ = [
    "VARIANTS",
    "BernoulliRBM",
    "Callback",
    "Checkpoint",
    "DeepBeliefNetwork",
    "EarlyStopping",
    "LambdaCallback",
    "StopTraining",
    "make_layers",
]
