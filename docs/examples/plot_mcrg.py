"""
Monte Carlo RG eigenvalues of majority-rule block spins at the critical point
=============================================================================

Swendsen's Monte Carlo renormalization group linearises the block-spin map around the fixed point
from correlations measured on one ensemble: with :math:`S_a^{(n)}` the spin operators at blocking
level :math:`n`, :math:`T = B^{-1} A` with
:math:`A_{ab} = \\langle S_a^{(n+1)} S_b^{(n)} \\rangle_c` and
:math:`B_{ac} = \\langle S_a^{(n+1)} S_c^{(n+1)} \\rangle_c`. The leading even and odd eigenvalues
give the exponents :math:`y = \\ln \\lambda / \\ln b`; for the 2D Ising model exactly
:math:`y_t = 1` and :math:`y_h = 15/8`. A small lattice and few operators bias the estimates
(truncation and finite size), which is why every result carries its operators and lattice.
"""

# %%
from deeprg.ising import IsingModel, WolffSampler
from deeprg.ising.exact import CRITICAL_COUPLING

L = 32
samples = WolffSampler(IsingModel(L=L), beta=CRITICAL_COUPLING, random_state=0, n_chains=2).sample(4000)

# %%
from deeprg.rg import mcrg_eigenvalues

results = mcrg_eigenvalues(samples.spins, b=2, n_even=3, n_odd=2, random_state=0)
for r in results:
    print(f"level {r.level} ({r.lattice // 2 ** (r.level - 1)} -> {r.lattice // 2 ** r.level}):"
          f" y_t = {r.y_t:.3f} ± {r.y_t_error:.3f}, y_h = {r.y_h:.3f} ± {r.y_h_error:.3f}"
          f"  [even: {', '.join(r.even_operators)}; odd: {', '.join(r.odd_operators)}]")

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 4))
levels = [r.level for r in results]
ax.errorbar(levels, [r.y_t for r in results], [r.y_t_error for r in results], marker="o", label="$y_t$")
ax.errorbar(levels, [r.y_h for r in results], [r.y_h_error for r in results], marker="s", label="$y_h$")
ax.axhline(1.0, color="C0", ls=":")
ax.axhline(15 / 8, color="C1", ls=":")
ax.set_xlabel("blocking level")
ax.set_ylabel("exponent")
ax.set_xticks(levels)
ax.set_title(f"majority rule, b = 2, L = {L} at $K_c$ (dotted: exact)")
ax.legend()
fig.tight_layout()
