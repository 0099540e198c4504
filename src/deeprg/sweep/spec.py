"""Sweep files: a base experiment and axes over its configuration keys, validated like configs.

A sweep file is TOML::

    [sweep]
    name = "temperature_l1"
    base = "mehta_schwab_2014"     # a config file (relative to the sweep file), a shipped name; default: the default
    base_quick = false             # apply the base's [quick] overrides (``--quick`` does too)
    scan = false                   # run the L1 scan stage in every cell
    controls = false               # measure the control networks in every cell
    report = false                 # write every cell's HTML report (needs the exact 1D checks too)

    [set]                          # fixed keys, the same in every cell
    "network.variants" = ["l1"]

    [axes]                         # a grid: every combination
    "ensemble.beta" = [0.35, 0.408, 0.4407, 0.47]
    "network.strength" = [2e-4, 2e-3]
    seed = [0, 1]

or, instead of ``[axes]``, an explicit list of points (each names the same keys)::

    [[points]]
    "ensemble.beta" = 0.35
    seed = 0

Every cell trains one training seed (``n_seeds = 1``, whatever the base says): a sweep's seed
spread is its ``seed`` axis. Keys are dotted configuration keys (``"ensemble.beta"``); unquoted dotted keys (nested tables)
are read the same way. In quick mode (``--quick``) the base's ``[quick]`` overrides apply, and the
sweep's own ``[quick]`` may hold ``axes``, ``points`` and ``set`` tables that replace
(``axes``, ``points``) or extend (``set``) the sweep's own in quick mode. Every cell's
configuration is validated by :mod:`deeprg.experiment.config`; every problem of every cell is
reported, one line each, before anything runs.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

from deeprg.errors import ConfigError
from deeprg.experiment.config import ExperimentConfig, load_config, resolve
from deeprg.experiment.hashing import config_hash

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

__all__ = ["Cell", "SweepSpec", "load_sweep", "parse_sweep"]

_SWEEP_KEYS = {"name": str, "base": str, "base_quick": bool, "scan": bool, "controls": bool, "report": bool}
_TOP_KEYS = ("sweep", "set", "axes", "points", "quick")


@dataclass(frozen=True)
class Cell:
    """One point of a sweep: its coordinates and the experiment it runs.

    Attributes
    ----------
    index : tuple of int
        Position in the sweep's array: one index per axis (a grid), or ``(i,)`` (explicit points).
    coords : dict of str to value
        The swept keys and their values at this cell (``{"ensemble.beta": 0.408, "seed": 1}``).
    config : ExperimentConfig
        The resolved experiment of the cell; its seeds derive from it alone.
    """

    index: tuple[int, ...]
    coords: dict[str, Any]
    config: ExperimentConfig

    @property
    def label(self) -> str:
        """``beta=0.408 strength=0.0002 seed=1``: the coordinates, short."""
        return " ".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in self.coords.items()) or "base"

    @property
    def key(self) -> str:
        """A stable identity of the cell's experiment (the hash of its configuration)."""
        return config_hash(self.config)[:16]


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: the base experiment, the fixed keys and the axes.

    Build it with :func:`load_sweep` or :func:`parse_sweep`.

    Attributes
    ----------
    name : str
    source : str
        Where the sweep came from (its file).
    text : str
        The sweep file as written (kept in the results).
    base : ExperimentConfig
        The resolved base experiment (quick applied when ``quick``).
    quick : bool
    fixed : dict
        Dotted key -> value set in every cell.
    axes : dict of str to list
        Dotted key -> values, in file order (a grid); for explicit points, each key's values in point order.
    grid : bool
        Whether the cells are every combination of the axes (else one cell per point).
    scan, controls, report : bool
        Which optional stages every cell runs.
    cells : list of Cell
        Every cell, in order (the last axis varies fastest).
    """

    name: str
    source: str
    text: str
    base: ExperimentConfig
    quick: bool
    fixed: dict[str, Any]
    axes: dict[str, list[Any]]
    grid: bool
    scan: bool
    controls: bool
    report: bool
    cells: list[Cell] = field(repr=False)

    @property
    def dims(self) -> dict[str, str]:
        """Dotted key -> dimension name in the results (the last part of the key, unless two axes share it)."""
        short = [k.rsplit(".", 1)[-1] for k in self.axes]
        return {k: (s if short.count(s) == 1 else k.replace(".", "_")) for k, s in zip(self.axes, short, strict=True)}

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the sweep's array: one length per axis (a grid) or ``(n_points,)``."""
        return tuple(len(v) for v in self.axes.values()) if self.grid else (len(self.cells),)


# ---------------------------------------------------------------------- loading
def load_sweep(path: str | PathLike[str], *, quick: bool = False) -> SweepSpec:
    """Load and validate a sweep file.

    Parameters
    ----------
    path : path-like
        The TOML sweep file.
    quick : bool, default False
        Quick mode (``--quick``): the base's and the sweep's ``[quick]`` overrides.

    Returns
    -------
    SweepSpec

    Raises
    ------
    ConfigError
        The file is missing or unreadable, is not TOML, or any cell is invalid (one line per problem).
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [exc.strerror or str(exc) if isinstance(exc, OSError) else str(exc)],
                          header=f"cannot read sweep file {path}:") from None
    return parse_sweep(text, source=str(path), quick=quick, folder=file.parent)


def parse_sweep(text: str, *, source: str = "<string>", quick: bool = False,
                folder: str | PathLike[str] | None = None) -> SweepSpec:
    """Parse and validate the TOML text of a sweep (``folder`` resolves a relative ``base``).

    Parameters
    ----------
    text : str
        The sweep file's TOML text.
    source : str, default "<string>"
        Where the text came from, for messages; its stem names the sweep when ``folder`` is given
        and ``[sweep]`` has no ``name``.
    quick : bool, default False
        Quick mode (``--quick``): the base's and the sweep's ``[quick]`` overrides.
    folder : path-like, optional
        The sweep file's folder: a ``base`` that names a file there is read from it.

    Returns
    -------
    SweepSpec

    Raises
    ------
    ConfigError
        The text is not TOML, or any table or cell is invalid (one line per problem).

    Examples
    --------
    >>> spec = parse_sweep('[set]\\n"network.variants" = ["l1"]\\n[axes]\\nseed = [0, 1]\\n', quick=True)
    >>> [cell.coords for cell in spec.cells], spec.shape
    ([{'seed': 0}, {'seed': 1}], (2,))
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [str(exc)], header=f"invalid TOML in sweep file {source}:") from None
    problems: list[str] = []
    settings = _settings(data, problems)
    fixed, axes, points = _tables(data, quick, problems)
    if problems:
        raise ConfigError(source, problems, header=f"invalid sweep file {source}:")
    base = _base(settings.get("base"), quick or bool(settings.get("base_quick", False)), folder, source)
    cells = _cells(base, fixed, axes, points, problems)
    if problems:
        raise ConfigError(source, problems, header=f"invalid sweep file {source}:")
    if points is not None:
        axes = {key: [p[key] for p in points] for key in points[0]}
    return SweepSpec(name=settings.get("name", Path(source).stem if folder is not None else "sweep"), source=source,
                     text=text, base=base, quick=quick, fixed=fixed, axes=axes, grid=points is None,
                     scan=settings.get("scan", False), controls=settings.get("controls", False),
                     report=settings.get("report", False), cells=cells)


def _settings(data: Mapping[str, Any], problems: list[str]) -> dict[str, Any]:
    for key in data:
        if key not in _TOP_KEYS:
            problems.append(f"{key}: unknown table or key (valid: {', '.join(_TOP_KEYS)})")
    settings = data.get("sweep", {})
    if not isinstance(settings, Mapping):
        problems.append(f"sweep: must be a table (got {type(settings).__name__})")
        return {}
    for key, value in settings.items():
        kind = _SWEEP_KEYS.get(key)
        if kind is None:
            problems.append(f"sweep.{key}: unknown key (valid keys: {', '.join(_SWEEP_KEYS)})")
        elif not isinstance(value, kind):
            problems.append(f"sweep.{key}: must be {'true or false' if kind is bool else 'a string'} (got {value!r})")
    return dict(settings)


def _flatten(table: Any, where: str, problems: list[str]) -> dict[str, Any]:
    """``{"ensemble": {"beta": x}}`` -> ``{"ensemble.beta": x}`` (values that are not tables end a key)."""
    if not isinstance(table, Mapping):
        problems.append(f"{where}: must be a table (got {type(table).__name__})")
        return {}
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            for sub, leaf in _flatten(value, f"{where}.{key}", problems).items():
                out[f"{key}.{sub}"] = leaf
        else:
            out[str(key)] = value
    return out


def _tables(data: Mapping[str, Any], quick: bool, problems: list[str]) -> tuple[dict, dict, list | None]:
    """The fixed keys, the axes and the points, quick overrides applied, each checked on its own."""
    q = data.get("quick", {}) if quick else {}
    if not isinstance(q, Mapping):
        problems.append(f"quick: must be a table (got {type(q).__name__})")
        q = {}
    for key in q:
        if key not in ("set", "axes", "points"):
            problems.append(f"quick.{key}: unknown key (valid keys: set, axes, points)")
    fixed = {**_flatten(data.get("set", {}), "set", problems), **_flatten(q.get("set", {}), "quick.set", problems)}
    has_axes, has_points = ("axes" in q or "axes" in data), ("points" in q or "points" in data)
    if "axes" in q or "points" in q:  # the quick form replaces the sweep's cells
        has_axes, has_points = "axes" in q, "points" in q
    where = "quick." if ("axes" in q or "points" in q) else ""
    if has_axes and has_points:
        problems.append(f"{where}axes, {where}points: give either a grid ([axes]) or explicit [[points]], not both")
    if not has_axes and not has_points:
        problems.append("axes: missing; give [axes] (a grid) or [[points]] (explicit cells)")
        return fixed, {}, None
    if has_points:
        points = _points((q if "points" in q else data)["points"], f"{where}points", problems)
        _conflicts(fixed, points[0] if points else {}, f"{where}points", problems)
        return fixed, {}, points
    axes = _flatten((q if "axes" in q else data)["axes"], f"{where}axes", problems)
    for key, values in axes.items():
        if not isinstance(values, list):
            problems.append(f"{where}axes.{key}: must be an array of values (got {values!r})")
        elif not values:
            problems.append(f"{where}axes.{key}: must not be empty (give at least one value)")
        elif len({config_hash(v) for v in values}) < len(values):
            problems.append(f"{where}axes.{key}: must not repeat a value (got {values!r})")
    _conflicts(fixed, axes, f"{where}axes", problems)
    return fixed, axes, None


def _points(raw: Any, where: str, problems: list[str]) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where}: must be a non-empty array of tables ([[points]])")
        return []
    points = [_flatten(p, f"{where}[{i}]", problems) for i, p in enumerate(raw)]
    keys = list(points[0])
    for i, p in enumerate(points):
        if list(p) != keys and set(p) != set(keys):
            problems.append(f"{where}[{i}]: must name the same keys as the first point ({', '.join(keys)}); "
                            f"got {', '.join(p) or 'none'}")
    return [{k: p[k] for k in keys} for p in points if set(p) == set(keys)]


def _conflicts(fixed: Mapping[str, Any], axes: Mapping[str, Any], where: str, problems: list[str]) -> None:
    for key in axes:
        clash = [f for f in fixed if f == key or f.startswith(key + ".") or key.startswith(f + ".")]
        for other in clash:
            problems.append(f"{where}.{key}: conflicts with the fixed key set.{other} (sweep it or fix it, not both)")


def _base(base: str | None, quick: bool, folder: str | PathLike[str] | None, source: str) -> ExperimentConfig:
    path: Any = base
    if base is not None and folder is not None and (Path(folder) / base).exists():
        path = Path(folder) / base
    try:
        return resolve(load_config(path), quick=quick)
    except ConfigError as exc:
        raise ConfigError(source, [f"sweep.base: {line}" for line in str(exc).splitlines()],
                          header=f"invalid sweep file {source}:") from None


# ---------------------------------------------------------------------- cells
def _assign(data: dict[str, Any], key: str, value: Any) -> str | None:
    """Set dotted ``key`` in the nested ``data``; a problem when a part of the path is not a table."""
    parts = key.split(".")
    node = data
    for depth, part in enumerate(parts[:-1]):
        child = node.get(part)
        if child is None and part in node:
            return f"{'.'.join(parts[:depth + 1])} is absent from the base experiment (add the table to it)"
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            return f"{'.'.join(parts[:depth + 1])} is not a table"
        node = child
    node[parts[-1]] = copy.deepcopy(value)
    return None


def _cell_config(base: ExperimentConfig, values: Mapping[str, Any], where: Mapping[str, str],
                 problems: list[str]) -> ExperimentConfig | None:
    data = base.to_dict()
    data["quick"] = {}  # already applied (or not wanted): a cell is a resolved experiment
    data["n_seeds"] = 1  # a cell trains one seed: the sweep's seed spread is its `seed` axis
    if values.get("n_seeds", 1) != 1:
        problem = f"{where['n_seeds']}: a sweep cell trains one training seed; sweep `seed = [0, 1, ...]` for the spread"
        if problem not in problems:
            problems.append(problem)
        return None
    assigned = [f"{where[key]}: {problem}" for key, value in values.items() if (problem := _assign(data, key, value))]
    if assigned:
        problems.extend(p for p in assigned if p not in problems)
        return None
    try:
        return ExperimentConfig.from_dict(data)
    except ConfigError as exc:
        for line in exc.problems:
            key, _, what = line.partition(":")
            owner = next((k for k in where if key == k or key.startswith((k + ".", k + "[")) or k.startswith(key + ".")),
                         None)
            text = line if owner is None else (f"{where[owner]}:{what}" if owner == key else f"{where[owner]}: {line}")
            if text not in problems:
                problems.append(text)
        return None


def _cells(base: ExperimentConfig, fixed: dict[str, Any], axes: dict[str, list[Any]], points: list[dict] | None,
           problems: list[str]) -> list[Cell]:
    where = {key: f"set.{key}" for key in fixed}
    if points is None:
        where |= {key: f"axes.{key}" for key in axes}
        combos = list(itertools.product(*(list(enumerate(v)) for v in axes.values())))
        raw = [(tuple(i for i, _ in combo), dict(zip(axes, (v for _, v in combo), strict=True))) for combo in combos]
    else:
        where |= {key: f"points.{key}" for key in (points[0] if points else {})}
        raw = [((i,), point) for i, point in enumerate(points)]
    cells = []
    for index, coords in raw:
        config = _cell_config(base, {**fixed, **coords}, where, problems)
        if config is not None:
            cells.append(Cell(index, dict(coords), config))
    return cells

