"""Sphinx configuration of the deeprg documentation.

Build (from the repository root, after ``pip install ".[docs]"``)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the gallery draws off screen; the notebook kernel chooses its own (inline)

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

from deeprg_api import write_api_pages  # noqa: E402

import deeprg  # noqa: E402

write_api_pages(HERE / "api")

project = "deeprg"
author = "deeprg developers"
copyright = "2026, deeprg developers"
release = deeprg.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax shipped with the site: it renders offline too
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "numpydoc",
    "deeprg_cli_help",
    "deeprg_api",  # references to re-exported names link to where they are documented
    "sphinx_design",
    "sphinx_gallery.gen_gallery",
    "myst_nb",
]

exclude_patterns = ["_build", "examples", "**.ipynb_checkpoints", "auto_examples/*.ipynb", "auto_examples/*.py"]
templates_path = ["_templates"]
source_suffix = {".rst": "restructuredtext", ".ipynb": "myst-nb", ".md": "myst-nb"}
root_doc = "index"

# ---------------------------------------------------------------- API reference
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": False}
autodoc_typehints = "none"  # the signatures stay short; the numpydoc sections give the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False
add_module_names = False

# No network at build time: cross-references to other projects are written out, not looked up.
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}

# ---------------------------------------------------------------- gallery and notebook
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "show_memory": False,
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib",),
    "backreferences_dir": "api/generated/backreferences",
    "doc_module": ("deeprg",),
}

nb_execution_mode = "force"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
myst_enable_extensions = ["dollarmath", "amsmath"]

# ---------------------------------------------------------------- HTML
html_theme = "pydata_sphinx_theme"
html_title = f"deeprg {release}"
html_static_path = ["_static"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": []}
html_show_sourcelink = False
