"""
Analyze a network trained elsewhere
===================================

Any stack of weight matrices (from PyTorch, scikit-learn, a paper's supplementary material) can be
wrapped into a :class:`~deeprg.rbm.DeepBeliefNetwork` with
:meth:`~deeprg.rbm.DeepBeliefNetwork.from_weights` and measured like a network trained by deeprg.
Here the weights are made up: a 2x2 block-sum on a 16x16 lattice, with noise, and a random
dense matrix for comparison.
"""

# %%
import numpy as np

from deeprg.rbm import DeepBeliefNetwork

L, b = 16, 2
m = L // b
rng = np.random.default_rng(0)

# Each W is laid out as scikit-learn's ``components_``: (n_hidden, n_visible) = (m*m, L*L).
# Unit (I, J) sums the 2x2 block of sites it sits on.
site_block = (np.arange(L)[:, None] // b) * m + np.arange(L)[None, :] // b  # block of each site
W_block = np.zeros((m * m, L * L))
W_block[site_block.ravel(), np.arange(L * L)] = 1.0
W_block += 0.05 * rng.normal(size=W_block.shape)
W_dense = 0.1 * rng.normal(size=(m * m, L * L))

block_net = DeepBeliefNetwork.from_weights([W_block])
dense_net = DeepBeliefNetwork.from_weights([W_dense])
print(block_net)

# %%
# The network behaves like a fitted one: ``transform`` gives :math:`P(h = 1 \mid v)`.
from deeprg.ising import IsingModel, WolffSampler

X = WolffSampler(IsingModel(L=L), beta=0.408, random_state=0).sample(500).as_binary()
H = block_net.transform(X)
print("hidden activities:", H.shape)

# %%
# Compactness and locality of the first layer's receptive fields (see the
# :doc:`user guide </user_guide/measures>`).
from deeprg.rg import compactness, locality_scores, receptive_fields

for name, net in [("block", block_net), ("dense", dense_net)]:
    fields = receptive_fields(net, 1, L)
    comp = compactness(fields)
    loc = locality_scores(fields, n_surrogates=50, random_state=0)
    print(f"{name:6s} median E* = {comp.median_effect:.2f} at b* = {comp.median_scale:.0f};"
          f" local against both nulls: {loc.is_local}")

# %%
import matplotlib.pyplot as plt

from deeprg.plots import plot_fields

fig, axes = plt.subplots(1, 2, figsize=(10, 5))
plot_fields(receptive_fields(block_net, 1, L), ax=axes[0], n_max=16, title="noisy 2x2 blocks")
plot_fields(receptive_fields(dense_net, 1, L), ax=axes[1], n_max=16, title="random dense")
fig.tight_layout()
