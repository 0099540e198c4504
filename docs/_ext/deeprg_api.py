"""Write the API reference pages from the packages' ``__all__`` (run by conf.py before the build).

Every public name is documented once, at its *home*: the first module of :data:`HOMES` that exports
it. A module that re-exports a name documented elsewhere lists it in a table that links to the home,
so ``deeprg.rg`` (which re-exports the most used names of its subpackages) points into
``deeprg.rg.fields``, ``deeprg.rg.flow`` and ``deeprg.rg.exact``. A name that is also the name of a
submodule (``deeprg.rg.fields.compactness``) is documented under its defining module, since
autosummary would otherwise import the submodule.
"""

from __future__ import annotations

import importlib
import inspect
import types
from pathlib import Path

#: (page, module): the order decides where a re-exported name is documented.
HOMES: list[tuple[str, str]] = [
    ("errors", "deeprg.errors"),
    ("ising", "deeprg.ising"),
    ("ising.exact", "deeprg.ising.exact"),
    ("rbm", "deeprg.rbm"),
    ("rbm.functional", "deeprg.rbm.functional"),
    ("rg.fields", "deeprg.rg.fields"),
    ("rg.flow", "deeprg.rg.flow"),
    ("rg.exact", "deeprg.rg.exact"),
    ("rg.controls", "deeprg.rg.controls"),
    ("rg.mcrg", "deeprg.rg.mcrg"),
    ("rg.spinoperators", "deeprg.rg.spinoperators"),
    ("rg.couplings", "deeprg.rg.couplings"),
    ("rg.layermcrg", "deeprg.rg.layermcrg"),
    ("rg", "deeprg.rg"),
    ("stats", "deeprg.stats"),
    ("io", "deeprg.io"),
    ("experiment", "deeprg.experiment"),
    ("experiment.results", "deeprg.experiment.results"),
    ("experiment.accounting", "deeprg.experiment.accounting"),
    ("experiment.mcrg", "deeprg.experiment.mcrg"),
    ("sweep", "deeprg.sweep"),
    ("sweep.spec", "deeprg.sweep.spec"),
    ("sweep.store", "deeprg.sweep.store"),
    ("sweep.executor", "deeprg.sweep.executor"),
    ("sweep.engines", "deeprg.sweep.engines"),
    ("sweep.dataset", "deeprg.sweep.dataset"),
    ("sweep.report", "deeprg.sweep.report"),
    ("sweep.run", "deeprg.sweep.run"),
    ("sweep.rundir", "deeprg.sweep.rundir"),
    ("progress", "deeprg.progress"),
    ("plots", "deeprg.plots"),
    ("report", "deeprg.report"),
    ("report.rules", "deeprg.report.rules"),
    ("resources", "deeprg.resources"),
]

#: How the index groups the pages.
SECTIONS: list[tuple[str, list[str]]] = [
    ("Ising model and exact results", ["ising", "ising.exact"]),
    ("Restricted Boltzmann machines", ["rbm", "rbm.functional"]),
    (
        "Renormalization-group analysis",
        ["rg", "rg.fields", "rg.flow", "rg.exact", "rg.controls", "rg.mcrg", "rg.spinoperators", "rg.couplings",
         "rg.layermcrg"],
    ),
    ("Statistics, files, experiments", ["stats", "io", "experiment", "experiment.results", "experiment.mcrg",
                                        "experiment.accounting", "progress",
                                        "resources"]),
    ("Sweeps", ["sweep", "sweep.spec", "sweep.store", "sweep.executor", "sweep.engines", "sweep.dataset", "sweep.report",
                "sweep.run", "sweep.rundir"]),
    ("Figures and the report", ["plots", "report", "report.rules"]),
    ("Errors and warnings", ["errors"]),
]

_KINDS = [("Classes", "class"), ("Functions", "function"), ("Constants", "data")]


def _kind(obj: object) -> str:
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "data"


def _is_module(dotted: str) -> bool:
    try:
        importlib.import_module(dotted)
    except ImportError:
        return False
    return True


def _entries(homes: list[tuple[str, str]]) -> dict[str, list[tuple[str, str, bool]]]:
    """page -> [(kind, full name, documented here)] in ``__all__`` order."""
    seen: dict[object, str] = {}
    out: dict[str, list[tuple[str, str, bool]]] = {}
    for page, modname in homes:
        module = importlib.import_module(modname)
        rows = []
        for name in module.__all__:
            obj = getattr(module, name)
            key = (name, id(obj)) if _kind(obj) == "data" else id(obj)
            if key in seen:
                rows.append((_kind(obj), seen[key], False))
                continue
            full = f"{modname}.{name}"
            if _is_module(full) and not isinstance(obj, types.ModuleType):
                full = f"{obj.__module__}.{name}"  # e.g. deeprg.rg.fields.compactness.compactness
            seen[key] = full
            rows.append((_kind(obj), full, True))
        out[page] = rows
    return out


def _page(modname: str, rows: list[tuple[str, str, bool]]) -> str:
    title = f"``{modname}``"
    lines = [title, "=" * len(title), "", f".. automodule:: {modname}", "   :no-members:", "",
             f".. currentmodule:: {modname}", ""]
    for heading, kind in _KINDS:
        own = [full for k, full, here in rows if k == kind and here]
        if own:
            lines += [heading, "-" * len(heading), "", ".. autosummary::", "   :toctree: generated/",
                      "   :nosignatures:", ""]
            lines += [f"   {full.removeprefix(modname + '.')}" for full in own] + [""]
    others = [full for _, full, here in rows if not here]
    if others:
        heading = "Also available here"
        lines += [heading, "-" * len(heading), "",
                  f"Re-exported by ``{modname}``, documented where they are defined.", "",
                  ".. currentmodule:: None", "", ".. autosummary::", "   :nosignatures:", ""]
        lines += [f"   ~{full}" for full in others] + [""]
    return "\n".join(lines)


def write_api_pages(outdir: Path) -> None:
    """Write ``<page>.rst`` for every home and the ``index.rst`` of the reference into ``outdir``."""
    outdir.mkdir(parents=True, exist_ok=True)
    entries = _entries(HOMES)
    modules = dict(HOMES)
    for page, rows in entries.items():
        text = _page(modules[page], rows)
        target = outdir / f"{page}.rst"
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
    index = ["API reference", "=============", "",
             "Every public name of deeprg, generated from its docstring. The command-line interface",
             "is documented in :doc:`cli`.", ""]
    for heading, pages in SECTIONS:
        index += [heading, "-" * len(heading), "", ".. toctree::", "   :maxdepth: 1", ""]
        index += [f"   {p}" for p in pages] + [""]
    index += ["Command line", "------------", "", ".. toctree::", "   :maxdepth: 1", "", "   cli", ""]
    text = "\n".join(index)
    target = outdir / "index.rst"
    if not target.exists() or target.read_text() != text:
        target.write_text(text)


# ---------------------------------------------------------------- cross-references to re-exported names
def _aliases(homes: list[tuple[str, str]]) -> dict[str, str]:
    """Other dotted names of every documented object -> the name it is documented under.

    ``deeprg.rg.mcrg_eigenvalues`` (a re-export) and ``deeprg.experiment.config.ExperimentConfig``
    (the defining module, when it is not a home) both lead to the object's home page.
    """
    documented: dict[int, str] = {}
    aliases: dict[str, str] = {}
    for page, rows in _entries(homes).items():
        modname = dict(homes)[page]
        module = importlib.import_module(modname)
        for name in module.__all__:
            obj = getattr(module, name)
            if _kind(obj) == "data":
                continue
            row = next(full for _, full, _ in rows if full.rsplit(".", 1)[-1] == name)
            documented.setdefault(id(obj), row)
            home = documented[id(obj)]
            aliases.setdefault(home, home)  # a member of it (``Placement.is_ordered``) falls back to its page
            for alias in (f"{modname}.{name}", f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', name)}"):
                if alias != home:
                    aliases.setdefault(alias, home)
        for _, full, here in rows:
            short = full.rsplit(".", 1)[-1]
            if not here and f"{modname}.{short}" != full:  # constants re-exported under the same name
                aliases.setdefault(f"{modname}.{short}", full)
    return aliases


def _resolve_alias(app, env, node, contnode):  # noqa: ANN001, ANN202 - Sphinx's missing-reference signature
    """Resolve a ``py`` reference to a re-exported name at the object's home (or its class, for a member)."""
    if node.get("refdomain") != "py":
        return None
    target, aliases = node.get("reftarget", ""), app.env.deeprg_aliases
    parts = target.split(".")
    for cut in range(len(parts), 0, -1):
        home = aliases.get(".".join(parts[:cut]))
        if home is None:
            continue
        domain = env.get_domain("py")
        rest = ".".join(parts[cut:])
        for candidate, kind in (((f"{home}.{rest}", node["reftype"]), (home, "obj")) if rest else ((home, node["reftype"]),)):
            found = domain.resolve_xref(env, node["refdoc"], app.builder, kind, candidate, node, contnode)
            if found is not None:
                return found
        return None
    return None


def _store_aliases(app) -> None:  # noqa: ANN001
    app.env.deeprg_aliases = _aliases(HOMES)


def setup(app):  # noqa: ANN001, ANN201
    """Sphinx extension: references to re-exported names (``deeprg.rg.layer_mcrg``) link to their home."""
    app.connect("builder-inited", _store_aliases)
    app.connect("missing-reference", _resolve_alias)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
