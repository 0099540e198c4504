"""The exact RG step: Mehta & Schwab's 1D decimation RBM and the trace condition, by enumeration.

- :mod:`~deeprg.rg.exact.spinbasis`: all spin states, the spin-product (Walsh) expansion, and the
  change between the spin and the {0, 1} parametrization of an RBM;
- :mod:`~deeprg.rg.exact.trace`: the trace condition of variational RG and how far a trained RBM
  on a small torus is from an exact RG step;
- :mod:`~deeprg.rg.exact.exact1d`: the exact decimation RBM of the 1D Ising chain;
- :mod:`~deeprg.rg.exact.coarse1d`: the decimated chain's coupling, read off by enumeration.
"""

from deeprg.rg.exact.coarse1d import CoarseGrainedChain, coarse_grained_couplings
from deeprg.rg.exact.exact1d import DecimationRBM, decimation_flow, decimation_rbm
from deeprg.rg.exact.spinbasis import (
    MAX_ENUMERATION_SPINS,
    bernoulli_to_spin,
    spin_product_expansion,
    spin_states,
    spin_to_bernoulli,
)
from deeprg.rg.exact.trace import (
    TraceDistance,
    coarse_grained_hamiltonian,
    rbm_trace_distance,
    trace_condition_violation,
)

__all__ = [
    "MAX_ENUMERATION_SPINS",
    "CoarseGrainedChain",
    "DecimationRBM",
    "TraceDistance",
    "bernoulli_to_spin",
    "coarse_grained_couplings",
    "coarse_grained_hamiltonian",
    "decimation_flow",
    "decimation_rbm",
    "rbm_trace_distance",
    "spin_product_expansion",
    "spin_states",
    "spin_to_bernoulli",
    "trace_condition_violation",
]
