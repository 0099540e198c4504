"""Every plot function draws on a given axes or a new figure, headless, and the figure saves."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from deeprg.plots import (
    plot_configurations,
    plot_fields,
    plot_learning_curves,
    plot_locality_scan,
    plot_reconstructions,
)
from deeprg.plots.images import mosaic


def test_mosaic_layout():
    tiles = mosaic(np.ones((5, 3, 3)), n_cols=3, pad=1)
    assert tiles.shape == (7, 11)
    assert np.isnan(tiles[3]).all()  # padding row between the two rows of tiles


@pytest.mark.parametrize("draw", [
    lambda ax: plot_fields(np.random.default_rng(0).standard_normal((10, 6, 6)), ax=ax),
    lambda ax: plot_configurations(np.sign(np.random.default_rng(0).standard_normal((4, 6, 6))), ax=ax),
    lambda ax: plot_reconstructions(-np.ones((3, 6, 6)), {"layer 1": np.full((3, 6, 6), 0.3)}, ax=ax),
    lambda ax: plot_learning_curves({"l1": {"pseudo_likelihood": [-0.6, -0.5, -0.45]}}, ax=ax),
    lambda ax: plot_locality_scan([{"l1": s, "median_z": z, "pseudo_likelihood": p, "locality": {"threshold": 3.0}}
                                   for s, z, p in ((1e-4, 1.0, -0.41), (1e-3, 8.0, -0.42))], ax=ax),
])
def test_plots_draw_and_save(tmp_path, draw):
    ax = Figure().add_subplot()
    assert draw(ax) is ax
    ax.figure.savefig(tmp_path / "x.png")
    assert (tmp_path / "x.png").stat().st_size > 500
    assert draw(None).figure is not ax.figure  # without ax: a new figure


def test_locality_scan_draws_compactness_and_fills_only_local_strengths():
    def row(strength, effect):
        compact = {"threshold": 0.5, "median_compactness": effect, "median_compactness_interval": [effect - 0.1, effect + 0.1]}
        return {"l1": strength, "pseudo_likelihood": -0.5, "is_local": effect >= 0.5, "compactness": compact}

    ax = plot_locality_scan([row(2e-4, 0.2), row(8e-3, 0.7)])
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["median compactness E*"].get_ydata()) == [0.2, 0.7]
    markers = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert [m.get_markerfacecolor() == "white" for m in markers] == [True, False]  # only the compact one is filled
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.0002", "0.008"]
