"""
Compactness and locality on the control networks
================================================

A measure of "this network coarse-grains like block-spin RG" is only worth its verdict if it gets
the answer right where the answer is known. :func:`deeprg.rg.standard_controls` builds a panel of
networks by construction: exact block-sum stacks and decimation (RG-like), and random dense,
scattered single sites, smooth global modes, several patches, a faint block on a dense background
(not RG-like). Here both field measures on every control's first layer, on a 16x16 lattice.
"""

# %%
from deeprg.rg import standard_controls

controls = standard_controls(16, b=2, n_layers=2, random_state=0)
for control in controls:
    print(f"{control.name:22s} RG-like: {str(control.expected):5s}  {control.description}")

# %%
# **Compactness** :math:`E^* = \max_b [M(b) - b^2/L^2]`: the share of squared weight that the best
# :math:`b \times b` window holds beyond what a spread-out field would put there. A layer is compact
# when its median unit reaches :data:`~deeprg.rg.fields.compactness.COMPACTNESS_THRESHOLD`.
# **Locality**: the median z of the window fraction against the phase-randomized (same smoothness)
# and the permuted (same values) surrogates; local means beyond 3 against both.
from deeprg.rg import compactness, locality_scores, receptive_fields

rows = []
for control in controls:
    fields = receptive_fields(control.network, 1, 16)
    comp = compactness(fields, random_state=0)
    loc = locality_scores(fields, n_surrogates=40, random_state=0)
    rows.append((control, comp, loc))
    print(f"{control.name:22s} E* {comp.median_effect:5.2f} (b* {comp.median_scale:3.0f}) compact {comp.is_compact!s:5s}"
          f" | z phase {loc.null_median_z('phase'):6.1f}, permutation {loc.null_median_z('permutation'):6.1f}"
          f" local {loc.is_local!s:5s} | expected {control.expected}")

# %%
# No first-layer measure alone separates the panel. Decimation (one site per unit) is compact but
# cannot beat the permutation null (a single site permuted is still a single site); the random
# sites network is as compact as decimation; the four patches beat both nulls of the z-scores but
# not compactness. What tells decimation from random sites is *where* the units are: RG puts one
# unit on each block of the coarse lattice. :func:`deeprg.rg.place_on_lattice` assigns units to
# blocks (one each, up to a common shift) and measures how far they are from them, in block sides.
from deeprg.rg import circular_centroid, place_on_lattice

for control, _, _ in rows:
    placement = place_on_lattice(circular_centroid(receptive_fields(control.network, 1, 16)), 16, 2)
    print(f"{control.name:22s} rms distance {placement.rms_displacement:.2f} block sides,"
          f" on the lattice: {placement.is_ordered}")

# %%
# Each measure should say "yes" exactly for the RG-like controls.
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 4.5))
y = np.arange(len(rows))
ax.barh(y, [comp.median_effect for _, comp, _ in rows],
        color=["tab:green" if c.expected else "tab:red" for c, _, _ in rows])
ax.axvline(rows[0][1].threshold, color="k", ls="--", label="compactness threshold")
ax.set_yticks(y, [c.name for c, _, _ in rows])
ax.set_xlabel("median compactness E* of the first layer")
ax.set_title("controls: green RG-like by construction, red not")
ax.legend(loc="lower right")
fig.tight_layout()

# %%
# The receptive fields of three of them.
from deeprg.plots import plot_fields

shown = [row for row in rows if row[0].name in {rows[0][0].name, rows[-1][0].name}] + [rows[len(rows) // 2]]
fig, axes = plt.subplots(1, len(shown), figsize=(4 * len(shown), 4))
for (control, _, _), ax in zip(shown, axes, strict=True):
    plot_fields(receptive_fields(control.network, 1, 16), ax=ax, n_max=16, title=control.name)
fig.tight_layout()
