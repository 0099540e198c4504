"""The README is the front door: its test command is the one CI runs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    command = [line for line in ci.splitlines() if line.startswith("pip install")][0]
    assert command in readme


def test_ci_builds_the_docs_with_the_readme_command():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    commands = [line for line in ci.splitlines() if line.startswith("pip install") and "sphinx" in line]
    assert len(commands) == 1, "CI must build the documentation exactly once"
    assert commands[0] in readme
    assert " -W " in commands[0], "the docs build must turn warnings into errors"
