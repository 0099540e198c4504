"""Experiments shipped with deeprg, as TOML files (see :mod:`deeprg.experiment.config`).

``deeprg.experiment.config.load_config()`` reads ``mehta_schwab_2014.toml``, the default;
``deeprg.experiment.config.builtin_configs()`` lists them all.
"""
