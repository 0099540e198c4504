"""Renormalization-group analysis: receptive fields, locality, block spins, flows, the exact 1D mapping."""
