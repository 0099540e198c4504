"""Tests of deeprg.stats.estimate: formatting, conversion and deviations of an Estimate."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deeprg.errors import InvalidParameterError
from deeprg.stats import Estimate


@pytest.mark.parametrize(
    ("estimate", "text"),
    [
        (Estimate(-1.42983, 0.00112, 3.21), "-1.4298 ± 0.0011 (tau 3.2)"),
        (Estimate(-1.42983, 0.00112), "-1.4298 ± 0.0011"),
        (Estimate(1.0, 0.0996), "1.00 ± 0.10"),  # error rounds up to a new decade
        (Estimate(0.5, 0.25, 0.5), "0.50 ± 0.25 (tau 0.50)"),
        (Estimate(12345.6, 123.0, 123.4), "12350 ± 120 (tau 120)"),
        (Estimate(12345.6, 99.6), "12350 ± 100"),  # 2 digits of 99.6 -> "10" tens
        (Estimate(-0.0001, 0.01), "0.000 ± 0.010"),  # no "-0.000"
        (Estimate(3.0, 1.0), "3.0 ± 1.0"),
        (Estimate(2.5e-7, 3.14e-9), "0.0000002500 ± 0.0000000031"),
        (Estimate(1.5, 0.0), "1.5 ± 0"),
        (Estimate(1.5, math.nan, 0.5), "1.5 ± nan (tau 0.50)"),
        (Estimate(1.5, math.inf), "1.5 ± inf"),
        (Estimate(math.nan, 0.1), "nan ± 0.10"),
        (Estimate(1.0, 0.1, math.nan), "1.00 ± 0.10 (tau nan)"),
    ],
)
def test_str(estimate: Estimate, text: str) -> None:
    assert str(estimate) == text


@given(
    mean=st.floats(-1e6, 1e6, allow_nan=False),
    error=st.floats(1e-8, 1e4, allow_nan=False),
)
def test_str_rounds_to_two_significant_digits_of_the_error(mean: float, error: float) -> None:
    shown_mean, shown_error = str(Estimate(mean, error)).split(" ± ")
    digits = shown_error.replace(".", "").lstrip("0")
    decimals = len(shown_error.split(".")[1]) if "." in shown_error else 0
    # exactly two significant digits whenever decimals are shown ("0.10", "1.2", "0.0031")
    assert decimals == 0 or len(digits) == 2
    # each shown number is within half a unit of its last shown digit (plus float slack)
    unit = 10.0 ** -decimals if decimals else 10.0 ** (len(shown_error) - 2)
    assert abs(float(shown_error) - error) <= 0.5 * unit * (1 + 1e-9) + 1e-12
    assert abs(float(shown_mean) - mean) <= 0.5 * unit * (1 + 1e-9) + 1e-9 * abs(mean)


def test_to_dict_and_fields_are_floats() -> None:
    est = Estimate(1, 2, 3)
    assert est.to_dict() == {"mean": 1.0, "error": 2.0, "tau": 3.0}
    assert all(type(v) is float for v in est.to_dict().values())
    assert Estimate(1.0, 0.5).to_dict()["tau"] is None


def test_is_frozen() -> None:
    est = Estimate(1.0, 0.5)
    with pytest.raises(AttributeError):
        est.mean = 2.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("estimate", "exact", "z"),
    [
        (Estimate(2.0, 0.5), 1.0, 2.0),
        (Estimate(0.0, 0.5), 1.0, -2.0),
        (Estimate(1.0, 0.0), 1.0, 0.0),
        (Estimate(1.5, 0.0), 1.0, math.inf),
        (Estimate(0.5, 0.0), 1.0, -math.inf),
    ],
)
def test_deviation(estimate: Estimate, exact: float, z: float) -> None:
    assert estimate.deviation(exact) == z


def test_deviation_with_nan_error_is_nan() -> None:
    assert math.isnan(Estimate(1.0, math.nan).deviation(0.0))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mean": 1.0, "error": -0.1},
        {"mean": "1.0", "error": 0.1},
        {"mean": 1.0, "error": None},
        {"mean": 1.0, "error": 0.1, "tau": "3"},
        {"mean": True, "error": 0.1},
    ],
)
def test_invalid_fields_raise(kwargs: dict) -> None:
    with pytest.raises(InvalidParameterError):
        Estimate(**kwargs)


def test_deviation_rejects_non_numbers() -> None:
    with pytest.raises(InvalidParameterError, match="exact must be a real number"):
        Estimate(1.0, 0.1).deviation("1.0")  # type: ignore[arg-type]
