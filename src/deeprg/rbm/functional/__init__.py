r"""Pure NumPy functions for a Bernoulli-Bernoulli restricted Boltzmann machine.

Conventions (shared by :class:`deeprg.rbm.BernoulliRBM`, the DBN, the tests and any backend):

- Units are in {0, 1}. Batches are rows: ``v`` has shape ``(n_samples, n_visible)``,
  ``h`` has shape ``(n_samples, n_hidden)``.
- Weights ``W`` have shape ``(n_hidden, n_visible)`` (scikit-learn's ``components_``),
  the visible bias ``b`` shape ``(n_visible,)``, the hidden bias ``c`` shape ``(n_hidden,)``.
- The energy is

  .. math::

      E(v, h) = -\sum_i b_i v_i - \sum_j c_j h_j - \sum_{ij} h_j W_{ji} v_i,
      \qquad P(v, h) = e^{-E(v, h)} / Z.

- Work happens in the dtype of ``W``: float32 stays float32, anything else is float64;
  inputs are cast to it. Exact enumerations (:func:`log_partition_function`,
  :func:`model_expectations`) always run in float64.
- Randomness comes only from an explicit :class:`numpy.random.Generator` ``rng``,
  drawn in whole-array batches, so a seeded generator reproduces every bit.
- Gradients are ascent directions of the mean log-likelihood (add them to the parameters).

Everything is a matrix product or an elementwise ufunc: no Python loop over samples.
"""

from __future__ import annotations

from deeprg.rbm.functional._core import (
    energy,
    free_energy,
    gibbs_step,
    hidden_probabilities,
    sample_bernoulli,
    sigmoid,
    softplus,
    visible_probabilities,
)
from deeprg.rbm.functional._estimates import cd_statistics, pseudo_log_likelihood, reconstruction_error
from deeprg.rbm.functional._exact import (
    MAX_ENUMERATION_UNITS,
    log_likelihood,
    log_likelihood_gradient,
    log_partition_function,
    model_expectations,
)

__all__ = [
    "MAX_ENUMERATION_UNITS",
    "cd_statistics",
    "energy",
    "free_energy",
    "gibbs_step",
    "hidden_probabilities",
    "log_likelihood",
    "log_likelihood_gradient",
    "log_partition_function",
    "model_expectations",
    "pseudo_log_likelihood",
    "reconstruction_error",
    "sample_bernoulli",
    "sigmoid",
    "softplus",
    "visible_probabilities",
]

# Document the public path (deeprg.rbm.functional.X) rather than the private submodules.
for _name in __all__:
    _obj = globals()[_name]
    if callable(_obj):
        _obj.__module__ = __name__
del _name, _obj
