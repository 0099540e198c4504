"""Experiments: configuration, stages declared as data, the runner, and typed results.

- :mod:`~deeprg.experiment.config`: TOML experiment files, validated, with readable errors;
- :mod:`~deeprg.experiment.stages`: :class:`Stage` (what a step reads and writes) and the
  :class:`Runner` that derives input hashes and skips what is up to date;
- :mod:`~deeprg.experiment.pipeline`: the stages of ``deeprg run`` and :func:`run_experiment`;
- :mod:`~deeprg.experiment.analysis`, :mod:`~deeprg.experiment.measure`, :mod:`~deeprg.experiment.scan`:
  the measurements, returning the typed results of :mod:`~deeprg.experiment.results`.
"""

from deeprg.experiment.analysis import NetworkAnalysis, analyze_network, measure_network
from deeprg.experiment.config import ExperimentConfig, builtin_configs, config_hash, load_config, parse_config, resolve
from deeprg.experiment.pipeline import RunResult, plan, run_experiment
from deeprg.experiment.results import ExperimentMetrics, NetworkMetrics
from deeprg.experiment.stages import Runner, Stage

__all__ = [
    "ExperimentConfig",
    "ExperimentMetrics",
    "NetworkAnalysis",
    "NetworkMetrics",
    "RunResult",
    "Runner",
    "Stage",
    "analyze_network",
    "builtin_configs",
    "config_hash",
    "load_config",
    "measure_network",
    "parse_config",
    "plan",
    "resolve",
    "run_experiment",
]
