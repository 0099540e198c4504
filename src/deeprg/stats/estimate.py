"""A Monte Carlo estimate: mean, standard error and the autocorrelation time behind it."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

from deeprg.errors import InvalidParameterError

__all__ = ["Estimate"]


def _decimals_for(value: float, significant: int) -> int:
    """Number of decimals that shows a positive finite ``value`` with ``significant`` digits.

    Negative results mean rounding to tens, hundreds, ... The rounding carry is
    taken into account: 0.0996 to two digits is 0.10, so the answer is 2, not 3.
    """
    decimals = significant - 1 - math.floor(math.log10(value))
    if abs(round(value, decimals)) >= 10 ** (significant - decimals):
        decimals -= 1
    return decimals


def _fixed(value: float, decimals: int) -> str:
    """Format ``value`` rounded to ``decimals`` (which may be negative), without ``-0``."""
    rounded = round(value, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{rounded:.{max(decimals, 0)}f}"


def _significant(value: float, significant: int = 2) -> str:
    """Format ``value`` with ``significant`` significant digits in fixed notation."""
    if not math.isfinite(value) or value == 0:
        return f"{value:g}"
    return _fixed(value, _decimals_for(abs(value), significant))


@dataclass(frozen=True)
class Estimate:
    """A mean with its standard error, and the autocorrelation time used for the error.

    Parameters
    ----------
    mean : float
        Central value.
    error : float
        One standard error (non-negative; ``nan`` when it could not be estimated).
    tau : float or None, default None
        Integrated autocorrelation time (Sokal convention: independent data give
        0.5) that went into ``error``, in units of one sample; ``None`` when the
        error does not rest on one.

    Examples
    --------
    >>> print(Estimate(-1.42983, 0.00112, tau=3.21))
    -1.4298 ± 0.0011 (tau 3.2)
    >>> Estimate(2.0, 0.5).deviation(1.0)
    2.0
    """

    mean: float
    error: float
    tau: float | None = None

    def __post_init__(self) -> None:
        for name in ("mean", "error"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise InvalidParameterError(
                    f"Estimate.{name} must be a real number; received {value!r} "
                    f"of type {type(value).__name__}."
                )
            object.__setattr__(self, name, float(value))
        if self.error < 0:
            raise InvalidParameterError(
                f"Estimate.error is a standard error and must be >= 0 (or nan); received {self.error}."
            )
        if self.tau is not None:
            if isinstance(self.tau, bool) or not isinstance(self.tau, numbers.Real):
                raise InvalidParameterError(
                    f"Estimate.tau must be a real number or None; received {self.tau!r}."
                )
            object.__setattr__(self, "tau", float(self.tau))

    def __str__(self) -> str:
        """``mean ± error (tau t)``: error and tau to two significant digits, mean to match.

        With a zero, nan or infinite error the mean is shown with ``%g``.
        """
        if math.isfinite(self.error) and self.error > 0:
            decimals = _decimals_for(self.error, 2)
            text = f"{_fixed(self.mean, decimals)} ± {_fixed(self.error, decimals)}"
        else:
            text = f"{self.mean:g} ± {self.error:g}"
        if self.tau is not None:
            text += f" (tau {_significant(self.tau, 2)})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form for JSON: ``{"mean": float, "error": float, "tau": float | None}``."""
        return {"mean": self.mean, "error": self.error, "tau": self.tau}

    def deviation(self, exact: float) -> float:
        r"""How many standard errors the mean lies from ``exact``.

        .. math:: z = (\text{mean} - \text{exact}) / \text{error}

        Parameters
        ----------
        exact : float
            Reference value (an exact result or another measurement's mean).

        Returns
        -------
        float
            ``z``. With a zero error it is 0 when the mean equals ``exact`` and
            ``±inf`` otherwise; with a nan error it is nan.
        """
        if isinstance(exact, bool) or not isinstance(exact, numbers.Real):
            raise InvalidParameterError(
                f"exact must be a real number; received {exact!r} of type {type(exact).__name__}."
            )
        diff = self.mean - float(exact)
        if self.error == 0:
            if diff == 0:
                return 0.0
            return math.copysign(math.inf, diff) if not math.isnan(diff) else math.nan
        return diff / self.error
