"""Experiment configuration: TOML files, validated, with readable errors.

An experiment (what ``deeprg run`` does) is described by one TOML file with
the tables ``[ensemble]`` (the Ising data), ``[network]`` (the deep belief
networks and their variants), an optional ``[scan]`` (the first layer's
penalty strength scan), ``[analysis]`` and ``[quick]`` (overrides for a
scaled-down run). The default experiment, Mehta & Schwab's, ships inside the
package as ``configs/mehta_schwab_2014.toml``; :func:`builtin_configs` lists
every shipped experiment.

Validation is strict: unknown keys, wrong types and values out of range are
errors, reported together, one line per problem, with the file they came from::

    invalid experiment configuration in my.toml:
      ensemble.beta: must be > 0 (got -1)
      network.variant: unknown key (did you mean 'variants'?)

Examples
--------
>>> from deeprg.experiment.config import load_config, resolve, config_hash
>>> config = load_config()                      # the built-in default
>>> config.name, config.ensemble.L, config.ensemble.beta
('mehta_schwab_2014', 40, 0.408)
>>> quick = resolve(config, quick=True, seed=7)
>>> quick.ensemble.L, quick.network.layers, quick.seed
(16, [64, 16, 4], 7)
>>> config_hash(quick) == config_hash(resolve(config, quick=True, seed=7))
True
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from deeprg.errors import (
    ConfigError,  # noqa: F401 - defined in deeprg.errors, re-exported here
    InvalidParameterError,
)
from deeprg.experiment._config_errors import _dotted, _format_error, _kind, _show
from deeprg.experiment.hashing import canonical_json, config_hash

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

__all__ = [
    "AnalysisConfig",
    "ConfigError",
    "DEFAULT_CONFIG",
    "EnsembleConfig",
    "ExperimentConfig",
    "MCRGConfig",
    "NetworkConfig",
    "ScanConfig",
    "builtin_configs",
    "canonical_json",
    "config_hash",
    "load_config",
    "parse_config",
    "resolve",
    "training_seed",
    "with_backend",
]

#: File name of the built-in default experiment, shipped in ``deeprg/configs/``.
DEFAULT_CONFIG = "mehta_schwab_2014.toml"

Algorithm = Literal["wolff", "swendsen-wang", "metropolis"]
Variant = Literal["sklearn", "l1", "l2", "none"]

#: Upper bound of ``n_seeds``: each replicate trains every variant again.
MAX_SEEDS = 20


def training_seed(seed: int, replicate: int) -> int:
    """The training seed of replicate ``replicate`` of an experiment seeded ``seed`` (``seed`` itself for 0)."""
    if replicate == 0:
        return seed
    return int(np.random.SeedSequence([seed, replicate]).generate_state(1)[0])


# Context flag: the loaders check the quick overrides themselves (to report
# each problem on its own line), so model validation skips that check.
_SKIP_QUICK = "_deeprg_skip_quick"


class _Section(BaseModel):
    """Base of every configuration table: unknown keys are errors, types are strict."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class EnsembleConfig(_Section):
    """The Ising ensemble: lattice, temperature, sampler.

    The Boltzmann weight depends only on ``K = beta * coupling``; the
    critical point of the square lattice is ``K_c = ln(1 + sqrt 2) / 2 = 0.440687``.
    """

    L: int = Field(ge=4, description="linear lattice size (L x L, periodic); even")
    beta: float = Field(gt=0, description="inverse temperature")
    coupling: float = Field(default=1.0, description="ferromagnetic coupling J (non-zero)")
    n_samples: int = Field(ge=10, description="number of configurations to keep")
    n_held_out: int = Field(default=2000, ge=0, description="configurations of an independent chain, never trained "
                            "on: held-out monitoring of the training and the data of the analysis (0: none)")
    algorithm: Algorithm = Field(default="wolff", description="Monte Carlo update")
    n_chains: int = Field(default=2, ge=1, description="independent Markov chains")

    @field_validator("L")
    @classmethod
    def _even(cls, value: int) -> int:
        if value % 2:
            raise ValueError(f"must be even (got {value})")
        return value

    @field_validator("coupling")
    @classmethod
    def _nonzero(cls, value: float) -> float:
        if value == 0:
            raise ValueError("must be non-zero (got 0)")
        return value

    @property
    def K(self) -> float:  # noqa: N802 - the physics name
        """Dimensionless coupling ``K = beta * coupling``."""
        return self.beta * self.coupling


class NetworkConfig(_Section):
    """The deep belief network: hidden layer sizes, training, variants."""

    layers: list[Annotated[int, Field(ge=1)]] = Field(min_length=1, description="hidden units per layer")
    epochs: int = Field(ge=1, description="training epochs per layer")
    learning_rate: float = Field(default=0.1, gt=0)
    batch_size: int = Field(default=100, ge=1)
    strength: float = Field(default=2e-4, ge=0, description="weight penalty strength (L1 or L2)")
    variants: list[Variant] = Field(
        default_factory=lambda: ["sklearn", "l1", "l2", "none"],
        min_length=1,
        description="network variants trained on the same data",
    )
    backend: Literal["numpy", "torch"] = Field(
        default="numpy", description="where deeprg's RBMs train: NumPy, or torch (pip install \"deeprg[torch]\")")
    device: Literal["cpu", "cuda"] = Field(default="cpu", description="device of the torch backend (cuda: an NVIDIA GPU)")

    @field_validator("variants")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        repeated = sorted({v for v in value if value.count(v) > 1})
        if repeated:
            raise ValueError(f"must not repeat a variant (repeated: {', '.join(map(repr, repeated))})")
        return value

    @model_validator(mode="after")
    def _device_of_backend(self) -> NetworkConfig:
        if self.device != "cpu" and self.backend != "torch":
            raise ValueError(f"device = {self.device!r} needs backend = 'torch' (the NumPy backend runs on the CPU)")
        return self

    @model_serializer(mode="wrap")
    def _omit_default_backend(self, handler: Any) -> Any:
        # backend and device at their defaults are left out of the dump, so that every configuration
        # written before they existed keeps its hash (and its runs their stage records)
        data = handler(self)
        for key, default in _DEFAULT_BACKEND.items():
            if isinstance(data, dict) and data.get(key) == default:
                data.pop(key)
        return data

    @property
    def rbm_backend(self) -> dict[str, str]:
        """``backend`` and ``device``, as keyword arguments of :class:`deeprg.rbm.BernoulliRBM`."""
        return {"backend": self.backend, "device": self.device}


#: The backend of configurations that do not name one (left out of their dumps and hashes).
_DEFAULT_BACKEND = {"backend": "numpy", "device": "cpu"}


class ScanConfig(_Section):
    """A scan of the first layer's L1 penalty strength.

    The scanned RBMs use the network's learning rate and batch size. ``penalty_method`` is the
    L1 update: ``"proximal"`` (default) soft-thresholds the weights, so the penalty reaches exact
    zeros; ``"subgradient"`` is the paper's update (the ``l1`` variant's), whose weights dither
    around zero with amplitude about ``learning_rate * strength / (1 - momentum)`` and which, at
    strong penalties, buries the local structure under that noise floor.
    """

    strengths: list[Annotated[float, Field(gt=0)]] = Field(min_length=1)
    epochs: int = Field(ge=1)
    n_components: int | None = Field(default=None, ge=1, description="hidden units; None = first layer's size")
    penalty_method: Literal["proximal", "subgradient"] = Field(default="proximal", description="the L1 update")

    @field_validator("strengths")
    @classmethod
    def _ascending(cls, value: list[float]) -> list[float]:
        if any(b <= a for a, b in zip(value, value[1:], strict=False)):
            raise ValueError(f"must be in strictly increasing order (got {_show(value)})")
        return value


class AnalysisConfig(_Section):
    """The analysis: null-model surrogates, samples used for the measurements, and the control networks."""

    n_surrogates: int = Field(default=200, ge=10)
    n_samples: int = Field(default=2000, ge=10)
    #: Measure the control networks of deeprg.rg.controls on the same ensemble, by the same code, to
    #: calibrate the verdict (a control classified wrongly makes the headline undetermined).
    controls: bool = True


class MCRGConfig(_Section):
    """Swendsen's MCRG (the ``mcrg`` stage): y_t, y_h and K_eff of block spins, each variant's layers and the controls.

    Present as a ``[mcrg]`` table only: without it the experiment has no ``mcrg`` stage, and
    ``config.to_dict()`` has no ``mcrg`` key (so the other stages' input hashes are unchanged).
    """

    n_samples: int = Field(default=4000, ge=10, description="configurations of the training ensemble used "
                           "(an evenly strided subset, still a chain)")
    levels: int | None = Field(default=None, ge=1, description="blocking levels; None = down to a 4x4 lattice")
    n_even: int = Field(default=4, ge=1, le=7, description="even operators (nn, nnn, nn3, plaquette, ...)")
    n_odd: int = Field(default=3, ge=1, le=5, description="odd operators (m, three_corner, three_line, ...)")
    controls: bool = Field(default=True, description="also measure the control networks")


class ExperimentConfig(_Section):
    """A whole experiment, as run by ``deeprg run``.

    Build it with :func:`load_config` (from a TOML file or the built-in
    default) and :func:`resolve` (quick mode, seed override). Instances are
    immutable; ``model_copy(update=...)`` or :func:`resolve` derive new ones.
    """

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=100)
    seed: int = Field(default=0, ge=0)
    n_seeds: int = Field(default=1, ge=1, le=MAX_SEEDS,
                         description="training seeds per variant (replicates of every network; see training_seeds)")
    ensemble: EnsembleConfig
    network: NetworkConfig
    scan: ScanConfig | None = None
    analysis: AnalysisConfig = Field(default_factory=AnalysisConfig)
    mcrg: MCRGConfig | None = None
    quick: dict[str, Any] = Field(default_factory=dict, description="overrides applied in quick mode")

    @model_validator(mode="after")
    def _check_quick(self, info: ValidationInfo) -> ExperimentConfig:
        if self.quick and not (info.context or {}).get(_SKIP_QUICK):
            problems = _quick_problems(self)
            if problems:
                raise ValueError("the [quick] overrides do not give a valid configuration: " + "; ".join(problems))
        return self

    @property
    def training_seeds(self) -> list[int]:
        """The training seed of each replicate of every network: ``seed`` first, then one per further replicate.

        Replicate ``k >= 1`` trains with ``SeedSequence([seed, k])``'s first 32-bit word, a seed
        that depends only on the experiment's seed and ``k``, so adding replicates never changes
        the earlier ones. Every replicate trains on the same data and is analyzed the same way;
        the verdict counts a status only when every replicate agrees.

        >>> ExperimentConfig.model_validate({"name": "x", "seed": 3, "n_seeds": 2, "ensemble": {"L": 8,
        ...     "beta": 0.3, "n_samples": 10}, "network": {"layers": [4], "epochs": 1}}).training_seeds
        [3, 457190280]
        """
        return [training_seed(self.seed, k) for k in range(self.n_seeds)]

    @property
    def scan_n_components(self) -> int | None:
        """Hidden units of the scanned layer (``scan.n_components`` or the first layer's size)."""
        if self.scan is None:
            return None
        return self.scan.n_components if self.scan.n_components is not None else self.network.layers[0]

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain JSON-compatible data (what :func:`ExperimentConfig.from_dict` reads).

        ``mcrg`` is left out when absent, so that configurations without it are the same data as before it existed.
        """
        return self.model_dump(mode="json", exclude={"mcrg"} if self.mcrg is None else None)

    def to_json(self, *, indent: int | None = 2) -> str:
        """The configuration as JSON text, for saving next to the results."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "<dict>") -> ExperimentConfig:
        """Validate plain data (a parsed TOML or JSON document).

        Raises
        ------
        ConfigError
            Listing every problem, one line each.
        """
        if not isinstance(data, Mapping):
            raise ConfigError(source, [f"(top level): must be a table (got {_kind(data)})"])
        return _validate(data, source)


# --------------------------------------------------------------------------- loading


def builtin_configs() -> list[str]:
    """Names of the experiments shipped with deeprg (``load_config(name)`` loads one).

    >>> "mehta_schwab_2014" in builtin_configs()
    True
    """
    folder = resources.files("deeprg.configs")
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_config(path: str | PathLike[str] | None = None) -> ExperimentConfig:
    """Load and validate an experiment configuration.

    Parameters
    ----------
    path : path-like or None
        A TOML file (``.json`` files written by :meth:`ExperimentConfig.to_json`
        are read too). ``None`` loads the built-in default,
        ``mehta_schwab_2014.toml``. A bare name of a shipped experiment that is
        not an existing file (``"critical"``) loads that experiment.

    Returns
    -------
    ExperimentConfig
        Validated, not yet resolved (see :func:`resolve`).

    Raises
    ------
    ConfigError
        If the file is missing, is not valid TOML (with line and column), or
        holds an invalid configuration (one line per problem).
    """
    if path is None:
        return _load_builtin(DEFAULT_CONFIG)
    file = Path(path)
    if not file.exists():
        shipped = builtin_configs()
        stem = file.name[: -len(".toml")] if file.name.endswith(".toml") else file.name
        if file.parent == Path(".") and stem in shipped:
            return _load_builtin(f"{stem}.toml")
        raise ConfigError(
            str(path),
            [f"no such file; give a TOML file or one of the shipped experiments: {', '.join(shipped)}"],
            header=f"cannot read experiment configuration {path}:",
        )
    if file.is_dir():
        raise ConfigError(
            str(path), ["is a directory, not a TOML file"], header=f"cannot read experiment configuration {path}:"
        )
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [str(exc)], header=f"cannot read experiment configuration {path}:") from None
    if file.suffix.lower() == ".json":
        return _parse_json(text, str(path))
    return parse_config(text, source=str(path))


def parse_config(text: str, *, source: str = "<string>") -> ExperimentConfig:
    """Parse and validate TOML text (``source`` names it in error messages).

    >>> parse_config('name = "x"\\n[ensemble]\\nL = 8\\nbeta = 0.3\\nn_samples = 100\\n'
    ...              '[network]\\nlayers = [16]\\nepochs = 1\\n').network.variants
    ['sklearn', 'l1', 'l2', 'none']
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, _toml_problem(exc, text), header=f"invalid TOML in {source}:") from None
    return _validate(data, source)


def _load_builtin(filename: str) -> ExperimentConfig:
    text = resources.files("deeprg.configs").joinpath(filename).read_text(encoding="utf-8")
    return parse_config(text, source=f"<deeprg>/configs/{filename}")


def _parse_json(text: str, source: str) -> ExperimentConfig:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            source, [f"line {exc.lineno}, column {exc.colno}: {exc.msg}"], header=f"invalid JSON in {source}:"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(source, [f"(top level): must be an object (got {_kind(data)})"])
    return _validate(data, source)


def _toml_problem(exc: tomllib.TOMLDecodeError, text: str) -> list[str]:
    message = str(exc)
    lines = [message]
    match = re.search(r"line (\d+), column (\d+)", message)
    if match:
        lineno, colno = int(match.group(1)), int(match.group(2))
        source_lines = text.splitlines()
        if 1 <= lineno <= len(source_lines):
            shown = source_lines[lineno - 1]
            lines += [f"  {lineno:>4} | {shown}", f"       | {' ' * max(colno - 1, 0)}^"]
    return lines


# --------------------------------------------------------------------------- resolving


def resolve(config: ExperimentConfig, *, quick: bool = False, seed: int | None = None,
            n_seeds: int | None = None) -> ExperimentConfig:
    """The configuration that will actually run.

    Parameters
    ----------
    config : ExperimentConfig
        As returned by :func:`load_config`.
    quick : bool
        Apply the ``[quick]`` overrides (deep merge: tables merge key by key,
        values and arrays are replaced).
    seed : int or None
        Replace the experiment's seed.
    n_seeds : int or None
        Replace the number of training seeds per variant.

    Returns
    -------
    ExperimentConfig
        A new, re-validated configuration; ``config`` is not changed. The
        ``quick`` table is kept (re-applying it changes nothing).

    Raises
    ------
    ConfigError
        If the result is invalid (for example a negative seed).
    """
    if not isinstance(config, ExperimentConfig):
        raise InvalidParameterError(
            f"resolve expects an ExperimentConfig (from load_config), got {type(config).__name__}"
        )
    data = config.to_dict()
    source = f"experiment {config.name!r}"
    if quick and config.quick:
        problems: list[str] = []
        data = _deep_merge(data, copy.deepcopy(config.quick), ("quick",), problems)
        if problems:
            raise ConfigError(source, problems)
        data["quick"] = copy.deepcopy(config.quick)
    if seed is not None:
        data["seed"] = seed
    if n_seeds is not None:
        data["n_seeds"] = n_seeds
    try:
        return ExperimentConfig.model_validate(data, context={_SKIP_QUICK: True})
    except ValidationError as exc:
        prefix = ("quick",) if quick else ()
        lines = []
        for error in exc.errors():
            loc = error["loc"]
            # Only the seeds and the quick overrides can make a validated config invalid here.
            lines.append(_format_error(ExperimentConfig, error, () if loc[:1] in (("seed",), ("n_seeds",)) else prefix))
        raise ConfigError(source, lines, header=f"invalid resolved configuration of {source}:") from None


def with_backend(config: ExperimentConfig, *, backend: str | None = None, device: str | None = None) -> ExperimentConfig:
    """``config`` with its networks trained on ``backend`` and ``device`` (``deeprg run --backend/--device``).

    ``device="cuda"`` alone implies ``backend="torch"``; None keeps the configuration's value.
    The default backend (NumPy on the CPU) leaves the configuration's hash unchanged; any other
    gives new stage hashes, since the two backends draw other random numbers.

    Raises
    ------
    ConfigError
        For values other than ``backend`` in {"numpy", "torch"} and ``device`` in {"cpu", "cuda"},
        or ``device="cuda"`` with ``backend="numpy"``.
    """
    if backend is None and device is None:
        return config
    network = config.to_dict()["network"]
    if device is not None:
        network["device"] = device
        if device == "cuda" and backend is None:
            backend = "torch"
    if backend is not None:
        network["backend"] = backend
    try:
        return config.model_copy(update={"network": NetworkConfig.model_validate(network)})
    except ValidationError as exc:
        lines = [_format_error(NetworkConfig, error, ("network",)) for error in exc.errors()]
        raise ConfigError(f"experiment {config.name!r}", lines, header="invalid --backend/--device:") from None


def _deep_merge(base: Any, override: Any, where: tuple[str, ...], problems: list[str]) -> Any:
    """Merge ``override`` into ``base``: tables recursively, everything else replaced."""
    if not isinstance(override, dict) or not isinstance(base, dict):
        return override
    merged = dict(base)
    for key, value in override.items():
        here = (*where, str(key))
        if here == ("quick", "quick"):
            problems.append("quick.quick: the quick overrides cannot themselves contain a [quick] table")
            continue
        if isinstance(value, dict) and key in merged and merged[key] is None:
            problems.append(
                f"{_dotted(here)}: overrides the [{_dotted(here[1:])}] table, which this configuration does not have "
                f"(add the table or remove the override)"
            )
            continue
        merged[key] = _deep_merge(merged.get(key), value, here, problems) if key in merged else value
    return merged


def _quick_problems(config: ExperimentConfig) -> list[str]:
    """Problems of the configuration obtained by applying ``config.quick`` (empty if it is valid)."""
    problems: list[str] = []
    data = config.model_dump(mode="json")
    merged = _deep_merge(data, copy.deepcopy(config.quick), ("quick",), problems)
    merged["quick"] = {}
    try:
        ExperimentConfig.model_validate(merged, context={_SKIP_QUICK: True})
    except ValidationError as exc:
        problems += [_format_error(ExperimentConfig, error, ("quick",)) for error in exc.errors()]
    return problems


def _validate(data: Mapping[str, Any], source: str) -> ExperimentConfig:
    try:
        config = ExperimentConfig.model_validate(dict(data), context={_SKIP_QUICK: True})
    except ValidationError as exc:
        raise ConfigError(source, [_format_error(ExperimentConfig, error) for error in exc.errors()]) from None
    problems = _quick_problems(config)
    if problems:
        raise ConfigError(source, problems)
    return config


# --------------------------------------------------------------------------- hashing


# --------------------------------------------------------------------------- error messages
