"""Experiments shipped with deeprg, as TOML files (see :mod:`deeprg.config`).

``deeprg.config.load_config()`` reads ``mehta_schwab_2014.toml``, the default;
``deeprg.config.builtin_configs()`` lists them all.
"""
