"""``.. deeprg-cli::``: the command line documented by its own help texts, captured at build time.

sphinx-click cannot read typer's commands (typer carries its own copy of click), so this directive
runs ``deeprg --help`` and ``deeprg COMMAND --help`` in a subprocess, with typer's plain (not rich)
formatting, and shows each output in a section of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

_RUN = "import sys; from deeprg.cli import main; sys.exit(main(sys.argv[1:]))"


def _help(*args: str) -> str:
    env = {**os.environ, "TYPER_USE_RICH": "0", "COLUMNS": "96", "NO_COLOR": "1", "TERM": "dumb"}
    done = subprocess.run([sys.executable, "-c", _RUN, *args, "--help"], capture_output=True, text=True, env=env,
                          check=False, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"`deeprg {' '.join(args)} --help` failed ({done.returncode}): {done.stderr}")
    return done.stdout.rstrip()


def _commands() -> list[str]:
    import typer.main

    from deeprg.cli import app

    return sorted(typer.main.get_command(app).commands)


class DeeprgCli(SphinxDirective):
    """Sections ``deeprg`` and ``deeprg COMMAND`` with their ``--help`` output."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        lines = ["``deeprg``", "-" * 10, "", ".. code-block:: text", ""]
        lines += ["   " + line for line in _help().splitlines()] + [""]
        for name in _commands():
            title = f"``deeprg {name}``"
            lines += [title, "-" * len(title), "", ".. code-block:: text", ""]
            lines += ["   " + line for line in _help(name).splitlines()] + [""]
        node = nodes.section()
        node.document = self.state.document
        nested_parse_with_titles(self.state, StringList(lines, source="deeprg --help"), node)
        return node.children


def setup(app: Sphinx) -> dict[str, object]:
    app.add_directive("deeprg-cli", DeeprgCli)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
