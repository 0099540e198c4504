"""Measurements of the experiment that are not about a network: the ensemble and the exact checks."""

from __future__ import annotations

from typing import Any

import numpy as np

from deeprg.experiment.results import (
    DecimationCheck,
    EnsembleSummary,
    ExactChecks,
    ObservableEstimate,
    TraceDistanceCheck,
)

__all__ = ["DECIMATION_COUPLINGS", "TRACE_DISTANCE_EPOCHS", "ensemble_summary", "exact_checks"]

#: Couplings K of the 1D chain at which the exact decimation RBM is checked (weak, moderate, strong).
DECIMATION_COUPLINGS = (0.5, 1.0, 2.0)
#: Spins of the periodic chain the decimation RBM is enumerated on (2^12 configurations: exact and instant).
DECIMATION_CHAIN_LENGTH = 12
#: Decimation steps of the flow K -> K' -> ... that is recorded.
DECIMATION_FLOW_STEPS = 5
#: Wolff configurations of the 4x4 torus the small RBM of the trace-distance check is trained on.
TRACE_DISTANCE_SAMPLES = 3000
#: Epochs after which the small RBM's distance from an exact RG step is measured.
TRACE_DISTANCE_EPOCHS = (1, 10, 30)


def ensemble_summary(samples: Any) -> EnsembleSummary:
    """Observables of ``samples`` with error bars, next to the exact finite-size energy and specific heat.

    Parameters
    ----------
    samples : deeprg.ising.SampleSet

    Returns
    -------
    EnsembleSummary
    """
    from deeprg.ising.exact import finite_size

    observables = {k: ObservableEstimate.from_dict(v.to_dict()) for k, v in samples.summary().items()}
    exact = finite_size(samples.L, samples.beta, samples.coupling)
    return EnsembleSummary(
        **observables,
        exact_energy_per_site=exact.energy_per_site,
        exact_specific_heat=exact.specific_heat,
        algorithm=samples.algorithm,
        spacing=samples.spacing,
        n_thermalize=samples.n_thermalize,
        tau_energy=samples.tau.get("energy"),
        tau_abs_magnetization=samples.tau.get("abs_magnetization"),
        n_samples=samples.n_samples,
        L=samples.L,
        beta=samples.beta,
        coupling=samples.coupling,
    )


def _decimation_check(K: float) -> DecimationCheck:
    from deeprg.rg import coarse_grained_couplings, decimation_flow, decimation_rbm, trace_condition_violation

    rbm = decimation_rbm(DECIMATION_CHAIN_LENGTH, K)
    result = coarse_grained_couplings(rbm)
    return DecimationCheck(K=K, K_prime_enumerated=result.coupling, K_prime_exact=result.coupling_exact,
                           error=abs(result.coupling - result.coupling_exact),
                           trace_violation=trace_condition_violation(rbm),
                           flow=decimation_flow(K, DECIMATION_FLOW_STEPS).tolist())


def exact_checks(beta: float, *, random_state: int = 0) -> ExactChecks:
    """The exact 1D decimation RBM checked by enumeration, and a small 2D RBM's trace distance.

    Parameters
    ----------
    beta : float
        Coupling K of the 4x4 torus whose Wolff samples train the small RBM.
    random_state : int
        Seeds the sampler and the RBMs.

    Returns
    -------
    ExactChecks
        Per coupling of :data:`DECIMATION_COUPLINGS` the decimated coupling from enumeration against
        artanh(tanh^2 K), the trace-condition violation and the flow K -> K' -> ...; for the 4x4 torus
        the distance of a 4-hidden-unit RBM from an exact RG step after each of :data:`TRACE_DISTANCE_EPOCHS`.
    """
    from deeprg.ising import IsingModel, WolffSampler
    from deeprg.rbm import BernoulliRBM
    from deeprg.rg import rbm_trace_distance

    samples = WolffSampler(IsingModel(4), beta, random_state=random_state).sample(TRACE_DISTANCE_SAMPLES)
    X = samples.as_binary(np.float64)
    distances = []
    for epochs in TRACE_DISTANCE_EPOCHS:
        rbm = BernoulliRBM(4, n_iter=epochs, batch_size=50, dtype="float64", random_state=random_state).fit(X)
        d = rbm_trace_distance(rbm, beta)
        distances.append(TraceDistanceCheck(epochs=epochs, kl_divergence=d.kl_divergence,
                                            total_variation=d.total_variation, mean_log_trace=d.mean_log_trace))
    return ExactChecks(decimation=[_decimation_check(K) for K in DECIMATION_COUPLINGS],
                       trace_distance_4x4=distances, beta=beta)
