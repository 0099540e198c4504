"""Restricted Boltzmann machines and deep belief networks (Bernoulli-Bernoulli)."""
