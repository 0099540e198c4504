"""
Sample an Ising ensemble and check it against the exact result
===============================================================

A sampler is only as good as its check. For a finite periodic lattice the partition function is
known exactly (Kaufman 1949; Ferdinand & Fisher 1969), so the energy per site and the specific heat
of a Monte Carlo ensemble can be compared with the exact values *of the same finite torus*, in
units of the ensemble's own error bars (which account for the autocorrelation left between samples).
"""

# %%
# Sample a 16x16 torus above the critical temperature with the Wolff cluster algorithm: two chains,
# thermalized, with samples spaced by twice the integrated autocorrelation time.
from deeprg.ising import IsingModel, WolffSampler
from deeprg.ising.exact import CRITICAL_COUPLING, finite_size

L, K = 16, 0.408  # Mehta & Schwab's coupling, K < K_c = 0.4407
sampler = WolffSampler(IsingModel(L=L), beta=K, random_state=0, n_chains=2)
samples = sampler.sample(4000)
print(f"{samples.n_samples} samples, K = {K} (K_c = {CRITICAL_COUPLING:.6f})")

# %%
# Every observable comes as an :class:`~deeprg.stats.Estimate`: a mean, an error bar and the
# integrated autocorrelation time behind it. Compare with the exact finite-size values.
summary = samples.summary()
exact = finite_size(L, K)
for name, value in [("energy_per_site", exact.energy_per_site), ("specific_heat", exact.specific_heat)]:
    est = summary[name]
    print(f"{name:16s} {est.mean:+.4f} ± {est.error:.4f} (tau {est.tau:.2f})   exact {value:+.4f}"
          f"   deviation {est.deviation(value):+.1f} sigma")

# %%
# A correct sampler lands within a few standard errors of the exact value. The same check at the
# critical point, where single-spin Metropolis would be slow, is just as quick with Wolff clusters.
critical = WolffSampler(IsingModel(L=L), beta=CRITICAL_COUPLING, random_state=1, n_chains=2).sample(4000)
est = critical.summary()["energy_per_site"]
exact_c = finite_size(L, CRITICAL_COUPLING).energy_per_site
print(f"at K_c: {est.mean:+.4f} ± {est.error:.4f}, exact {exact_c:+.4f} ({est.deviation(exact_c):+.1f} sigma)")

# %%
# A few configurations of each ensemble.
import matplotlib.pyplot as plt

from deeprg.plots import plot_configurations

fig, axes = plt.subplots(1, 2, figsize=(9, 4.5))
plot_configurations(samples.spins, ax=axes[0], n_max=9, title=f"K = {K}")
plot_configurations(critical.spins, ax=axes[1], n_max=9, title="K = K_c")
fig.tight_layout()
