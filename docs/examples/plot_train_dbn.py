"""
Train a small deep belief network and look at its receptive fields
==================================================================

Mehta & Schwab train a 1600-400-100-25 deep belief network on 40x40 Ising configurations and show
the *receptive fields* of its units: the columns of the product of the weight matrices
:math:`W_1 W_2 \\cdots W_l`, each drawn as an image of the lattice. Here the same on a 16x16
lattice, with a 256-64-16 network (blocks of 2x2, then 4x4 sites) and the L1 penalty of the paper.
"""

# %%
# Data: 2000 configurations at K = 0.408, as bits in {0, 1} for the RBM.
from deeprg.ising import IsingModel, WolffSampler

L = 16
samples = WolffSampler(IsingModel(L=L), beta=0.408, random_state=0, n_chains=2).sample(2000)
X = samples.as_binary()  # shape (2000, 256)
print(X.shape, X.dtype)

# %%
# Two layers, trained greedily with CD-1 (learning rate 0.1, momentum 0.5 then 0.9, batch 100,
# L1 penalty), as in the paper. The estimators follow scikit-learn: ``fit`` returns the network,
# learned attributes end in ``_``.
from deeprg.rbm import BernoulliRBM, DeepBeliefNetwork

dbn = DeepBeliefNetwork(
    [BernoulliRBM(64, l1=2e-4, n_iter=10), BernoulliRBM(16, l1=2e-4, n_iter=10)],
    random_state=0,
).fit(X)
history = dbn.layers_[0].history_
print("pseudo-likelihood per spin, layer 1, by epoch:", [round(x, 3) for x in history["pseudo_likelihood"]])

# %%
# Receptive fields of both layers
# -------------------------------
#
# :func:`deeprg.rg.receptive_fields` returns one ``L x L`` image per unit of the
# layer (the columns of :math:`W_1` for layer 1, of :math:`W_1 W_2` for layer 2).
import matplotlib.pyplot as plt

from deeprg.plots import plot_fields
from deeprg.rg import receptive_fields

fig, axes = plt.subplots(1, 2, figsize=(10, 5))
for layer, ax in zip((1, 2), axes, strict=True):
    fields = receptive_fields(dbn, layer, L)
    print(f"layer {layer}: fields of shape {fields.shape}")
    plot_fields(fields, ax=ax, n_max=16, title=f"layer {layer}")
fig.tight_layout()

# %%
# Whether these pictures "look like block spins" is what the measures of the
# :doc:`user guide </user_guide/measures>` decide, with numbers: see
# :ref:`sphx_glr_auto_examples_plot_controls.py`.
