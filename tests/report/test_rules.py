"""deeprg.report.rules on hand-built typed layers: every rule on both sides of its threshold."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from synthetic_metrics import compactness, level, make_layer

from deeprg.experiment.results import PlacementSummary
from deeprg.report import rules
from deeprg.rg.fields.compactness import COMPACTNESS_THRESHOLD
from deeprg.rg.flow.placement import PLACEMENT_TOLERANCE

EPS = 1e-9


def placed(layer, rms: float):
    """``layer`` with its units at ``rms`` block sides from their blocks."""
    p = layer.placement
    return replace(layer, placement=replace(p, rms_displacement=rms, is_ordered=rms <= p.tolerance))


# ---------------------------------------------------------------------- local
def test_local_follows_is_compact_not_the_z_score():
    assert rules.layer_is_local(make_layer(1, 64, compact=0.9, z=-2.0)) is True
    assert rules.layer_is_local(make_layer(1, 64, compact=0.2, z=50.0)) is False


@pytest.mark.parametrize(("median", "local"), [(COMPACTNESS_THRESHOLD, True), (COMPACTNESS_THRESHOLD - EPS, False),
                                               (1.0, True), (0.0, False)])
def test_local_at_the_compactness_threshold(median, local):
    assert rules.layer_is_local(replace(make_layer(1, 64), compactness=compactness(median, half_width=0.0))) is local


@pytest.mark.parametrize(("low", "high", "expected"), [(0.5, 0.6, True), (0.4, 0.4999, False), (0.45, 0.55, None),
                                                      (0.4999, 0.9, None)])
def test_locality_follows_the_interval_of_the_median(low, high, expected):
    c = compactness((low + high) / 2, half_width=(high - low) / 2)
    assert rules.layer_locality(replace(make_layer(1, 64), compactness=c)) is expected


def test_local_reads_the_summary_as_written():
    """The rule trusts is_compact (computed with the layer's own threshold), not a median re-read against 0.5."""
    strict = replace(make_layer(1, 64), compactness=compactness(0.6, threshold=0.7))
    assert strict.compactness.is_compact is False and rules.layer_is_local(strict) is False


def test_a_dead_layer_is_not_local():
    assert rules.layer_is_local(make_layer(1, 64, compact=None, z=None)) is False


def test_significance_z_is_the_phase_null_median():
    layer = make_layer(1, 64, z=7.5, z_permutation=-1.0)
    assert rules.significance_z(layer) == 7.5
    assert layer.locality.null_median_z("permutation", rules.PRIMARY_METRIC) == -1.0


# ---------------------------------------------------------------------- ordered
@pytest.mark.parametrize(("rms", "ordered"), [(0.0, True), (PLACEMENT_TOLERANCE, True),
                                              (PLACEMENT_TOLERANCE + EPS, False), (1.3, False)])
def test_ordered_at_the_placement_tolerance(rms, ordered):
    layer = placed(make_layer(1, 64), rms)
    assert rules.layer_is_ordered(layer) is ordered
    assert rules.network_is_ordered([layer]) is ordered


def test_an_unplaced_layer_has_no_order():
    layer = make_layer(1, 50)  # 50 units do not tile a 16x16 lattice
    assert layer.placement is None and rules.layer_is_ordered(layer) is None
    assert rules.network_is_ordered([layer]) is None
    assert rules.network_is_ordered([layer, make_layer(2, 16)]) is True  # the placed layers decide


def test_network_order_pools_the_units_by_their_number():
    """RMS over all placed units: 64 units at 0.2 and 16 at 0.3 pool to sqrt(0.05) = 0.224 (ordered), though the
    16-unit layer alone is not; 4 units at 1.0 and 64 at 0.1 pool to 0.261 (not), though most units are on it."""
    assert rules.network_is_ordered([placed(make_layer(1, 64), 0.2), placed(make_layer(2, 16), 0.3)]) is True
    assert rules.network_is_ordered([placed(make_layer(2, 16), 0.3)]) is False
    assert rules.network_is_ordered([placed(make_layer(1, 64), 0.1), placed(make_layer(3, 4), 1.0)]) is False


def test_network_order_uses_the_placements_tolerance():
    layer = make_layer(1, 64)
    wide = replace(layer, placement=PlacementSummary(2, 0.3, 0.5, True, [0.0, 0.0]))
    assert rules.network_is_ordered([wide]) is True


# ---------------------------------------------------------------------- block-specific
@pytest.mark.parametrize(("fraction", "specific"), [(1.0, True), (rules.OWN_BLOCK_THRESHOLD, True),
                                                    (rules.OWN_BLOCK_THRESHOLD - EPS, False), (0.0, False)])
def test_block_specific_at_the_own_block_threshold(fraction, specific):
    layer = make_layer(1, 64, own=fraction)
    assert rules.layer_is_block_specific(layer) is specific
    assert rules.network_is_block_specific([layer]) is specific


def test_block_specificity_needs_matching_and_placement():
    assert rules.layer_is_block_specific(make_layer(1, 64, rms=None)) is None  # not placed
    assert rules.layer_is_block_specific(make_layer(1, 50)) is None  # no blocks to match
    assert rules.network_is_block_specific([make_layer(1, 50)]) is None


def test_a_high_specificity_does_not_make_a_layer_block_specific():
    """The median best-minus-second correlation is reported, not a rule: the own-block fraction decides."""
    assert rules.layer_is_block_specific(make_layer(1, 64, own=0.5, specificity=0.9)) is False


def test_network_block_specificity_weighs_layers_by_their_units():
    """(64 x 0.8 + 4 x 0.25) / 68 = 0.768: specific, though the mean over the two layers is 0.525."""
    layers = [make_layer(1, 64, own=0.8), make_layer(3, 4, own=0.25)]
    assert rules.network_is_block_specific(layers) is True
    assert rules.network_is_block_specific([make_layer(1, 16, own=0.7), make_layer(2, 16, own=0.8)]) is True  # 0.75
    assert rules.network_is_block_specific([make_layer(1, 16, own=0.7), make_layer(2, 16, own=0.79)]) is False


# ---------------------------------------------------------------------- flows like block spins
@pytest.mark.parametrize(("status", "ordered", "expected"), [
    ("agrees", True, True), ("agrees", False, False), ("disagrees", True, False), ("disagrees", False, False),
    ("undetermined", True, None), ("undetermined", False, None)])
def test_flows_like_block_spins_needs_agreement_and_order(status, ordered, expected):
    layer = replace(make_layer(1, 64), level=level(1, 2, status=status, ordered=ordered))
    assert rules.layer_flows_like_block_spins(layer) is expected


def test_a_layer_without_a_level_is_not_compared():
    assert rules.layer_flows_like_block_spins(make_layer(1, 64, flow=None)) is None


# ---------------------------------------------------------------------- scale growth
def _scales(*scales, local=None):
    local = local or [True] * len(scales)
    return [make_layer(k, (16 // 2**k) ** 2, compact=0.9 if ok else 0.2, scale=s)
            for k, (s, ok) in enumerate(zip(scales, local, strict=True), start=1)]


def test_scale_growth_of_a_block_stack_and_of_single_sites():
    assert rules.scale_growth(_scales(2.0, 4.0, 8.0)) == ([2.0, 2.0], pytest.approx(2.0))
    assert rules.scale_growth(_scales(1.0, 1.0, 1.0)) == ([1.0, 1.0], 1.0)


def test_scale_growth_is_a_geometric_mean():
    factors, mean = rules.scale_growth(_scales(1.0, 4.0, 4.0))
    assert factors == [4.0, 1.0] and mean == pytest.approx(2.0)


@pytest.mark.parametrize(("factor", "grows"), [(math.sqrt(2) * (1 + 1e-6), True), (math.sqrt(2), False),
                                               (math.sqrt(2) * (1 - 1e-6), False)])
def test_scale_grows_strictly_above_the_threshold(factor, grows):
    _, mean = rules.scale_growth(_scales(2.0, 2.0 * factor))
    assert (mean > rules.SCALE_GROWTH_THRESHOLD) is grows


def test_scale_growth_only_between_consecutive_local_layers():
    assert rules.scale_growth(_scales(2.0, 8.0, 8.0, local=[True, False, True])) == ([], None)
    assert rules.scale_growth(_scales(2.0, 4.0, 4.0, local=[True, True, False])) == ([2.0], 2.0)
    assert rules.scale_growth(_scales(2.0)) == ([], None)
