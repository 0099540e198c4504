r"""Exact results for the Ising model, used as ground truth for samplers and analyses.

* :mod:`~deeprg.ising.exact.enumeration` -- exhaustive enumeration of ``L <= 4``
  tori: every moment (energy, specific heat, :math:`|m|`, :math:`m^2`,
  :math:`m^4`, Binder cumulant, susceptibilities) exactly.
* :mod:`~deeprg.ising.exact.torus` -- Kaufman's (1949) exact partition function
  of an ``L x n`` torus (Ferdinand & Fisher 1969): :math:`\ln Z`, energy and
  specific heat at any size.
* :mod:`~deeprg.ising.exact.onsager` -- the infinite lattice: critical point,
  energy, specific heat, free energy, spontaneous magnetization, critical Binder cumulant.
* :mod:`~deeprg.ising.exact.chain` -- the 1D chain and its decimation.

Conventions: :math:`H = -J \sum_{\langle ij \rangle} s_i s_j` on the periodic
square lattice with :math:`2N` bonds counted like
:meth:`deeprg.ising.IsingModel.energy` (``numpy.roll``: on a side of length 2
each pair of neighbours is joined by two bonds), :math:`K = \beta J`. Energies
are per site and in the units of ``coupling``; the specific heat is per site and
dimensionless, :math:`C = \beta^2 N \operatorname{Var}(e) = K^2 \partial_K^2 \ln Z / N`;
magnetizations are per site.
"""

from deeprg.ising.exact.chain import (
    chain_correlation,
    chain_log_partition_function,
    decimated_coupling,
)
from deeprg.ising.exact.enumeration import (
    MAX_ENUMERATION_SIZE,
    EnumerationResult,
    brute_force,
    configuration_index,
    enumerate_states,
)
from deeprg.ising.exact.onsager import (
    BINDER_CRITICAL,
    CRITICAL_COUPLING,
    CRITICAL_TEMPERATURE,
    critical_beta,
    critical_temperature,
    onsager_energy_per_site,
    onsager_log_partition_function_per_site,
    onsager_specific_heat,
    spontaneous_magnetization,
)
from deeprg.ising.exact.torus import TorusResult, finite_size, log_partition_function

__all__ = [
    "BINDER_CRITICAL",
    "CRITICAL_COUPLING",
    "CRITICAL_TEMPERATURE",
    "MAX_ENUMERATION_SIZE",
    "EnumerationResult",
    "TorusResult",
    "brute_force",
    "chain_correlation",
    "chain_log_partition_function",
    "configuration_index",
    "critical_beta",
    "critical_temperature",
    "decimated_coupling",
    "enumerate_states",
    "finite_size",
    "log_partition_function",
    "onsager_energy_per_site",
    "onsager_log_partition_function_per_site",
    "onsager_specific_heat",
    "spontaneous_magnetization",
]
