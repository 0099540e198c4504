"""The training variants compared by deeprg: Mehta & Schwab's L1 RBMs, weight decay, none, and scikit-learn."""

from __future__ import annotations

from typing import Any, Sequence

from deeprg._validation import check_int, check_real
from deeprg.errors import InvalidParameterError
from deeprg.rbm.callbacks import Callback
from deeprg.rbm.estimator import BernoulliRBM

#: Variant names: our RBM with an L1 penalty (the paper), with L2 weight decay, with no
#: penalty, and scikit-learn's BernoulliRBM (PCD-1, no penalty, no momentum).
VARIANTS = ("l1", "l2", "none", "sklearn")

#: Mehta & Schwab's settings (from Hinton & Salakhutdinov's rbm.m; see DESIGN.md section 5).
PAPER_SETTINGS: dict[str, Any] = {"learning_rate": 0.1, "batch_size": 100, "n_iter": 50, "strength": 2e-4}


def make_layers(
    variant: str,
    sizes: Sequence[int],
    *,
    strength: float = PAPER_SETTINGS["strength"],
    n_iter: int = PAPER_SETTINGS["n_iter"],
    learning_rate: float = PAPER_SETTINGS["learning_rate"],
    batch_size: int = PAPER_SETTINGS["batch_size"],
    callbacks: Sequence[Callback] = (),
    **rbm_params: Any,
) -> list[Any]:
    """Unfitted RBM layers for one variant, with the same schedule for every variant.

    Parameters
    ----------
    variant : {"l1", "l2", "none", "sklearn"}
        Penalty (``strength`` is the L1 or L2 coefficient) or scikit-learn's estimator.
    sizes : sequence of int
        Hidden units per layer, bottom first (400, 100, 25 in the paper).
    strength : float
        Penalty coefficient of the ``l1`` and ``l2`` variants.
    n_iter, learning_rate, batch_size
        Epochs, step size and mini-batch size, shared by all variants.
    callbacks : sequence of Callback
        Passed to deeprg layers; an error for ``"sklearn"`` (use
        ``DeepBeliefNetwork.fit(callbacks=...)``, which reaches every kind of layer).
    **rbm_params
        Further :class:`~deeprg.rbm.BernoulliRBM` parameters (e.g. ``cd_k``), for deeprg variants
        (an error for ``"sklearn"``).

    Returns
    -------
    list of estimators
    """
    if variant not in VARIANTS:
        raise InvalidParameterError(f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}.")
    if len(sizes) == 0:
        raise InvalidParameterError("give at least one layer size, e.g. 400,100,25.")
    sizes = [check_int(n, "layer size", minimum=1) for n in sizes]
    strength = check_real(strength, "strength", minimum=0.0)
    if variant == "sklearn":
        from sklearn.neural_network import BernoulliRBM as SkBernoulliRBM

        if rbm_params:
            raise InvalidParameterError(
                f"{', '.join(sorted(rbm_params))}: not an option of the sklearn variant (scikit-learn's BernoulliRBM "
                "is PCD-1 without penalty or momentum); they apply to the l1, l2 and none variants.")
        if callbacks:
            raise InvalidParameterError(
                "scikit-learn's BernoulliRBM takes no callbacks; pass them to DeepBeliefNetwork.fit(callbacks=...) instead.")

        return [SkBernoulliRBM(n_components=n, learning_rate=learning_rate, batch_size=batch_size, n_iter=n_iter)
                for n in sizes]
    penalty = {"l1": {"l1": strength}, "l2": {"l2": strength}, "none": {}}[variant]
    return [
        BernoulliRBM(n, learning_rate=learning_rate, batch_size=batch_size, n_iter=n_iter, callbacks=callbacks,
                     **penalty, **rbm_params)
        for n in sizes
    ]


def parse_layer_sizes(text: str) -> list[int]:
    """Parse ``"400,100,25"`` into ``[400, 100, 25]`` with a clear error for anything else."""
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InvalidParameterError(f"--layers must be comma-separated positive integers like 400,100,25; got {text!r}.") from None
    if not sizes or any(n < 1 for n in sizes):
        raise InvalidParameterError(f"--layers must be comma-separated positive integers like 400,100,25; got {text!r}.")
    return sizes
