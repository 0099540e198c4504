"""The ``deeprg`` command-line interface.

Only this package talks to the terminal. Every error deeprg raises on purpose is
shown as one line on stderr (``error: ...``) with a non-zero exit code, never a
traceback.

This module holds the typer application, its root options (``--version``, ``--verbose``)
and the console script's entry point :func:`main`. Each command lives in a module of its own
(``run``, ``sweep``, ``data`` for ``sample`` and ``info``, ``train``, ``analyze``, ``mcrg``; what
they share in ``_common``) and is registered on ``app`` here, in the order ``deeprg --help``
lists them.
"""

from __future__ import annotations

import logging
import sys
import warnings
from typing import Any, Optional

import typer

from deeprg import __version__
from deeprg.cli import analyze, data, mcrg, run, sweep, train
from deeprg.cli._common import EXIT_INTERRUPTED, EXIT_USER_ERROR, console, err_console
from deeprg.errors import DeepRGError

app = typer.Typer(
    name="deeprg",
    help="Test, with numbers, whether deep learning performs renormalization-group coarse graining.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
# the commands, in the order `deeprg --help` lists them
app.command()(run.run)
app.command()(sweep.sweep)
app.command()(data.sample)
app.command()(train.train)
app.command()(analyze.analyze)
app.command()(mcrg.mcrg)
app.command()(data.info)


def _version_callback(value: bool) -> None:
    if value:
        console.print(f"deeprg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True, help="Show the version and exit."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what the library does."),
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def _show_warning(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    """Show library warnings (short chains, unreliable error bars) as one line each."""
    err_console.print(f"warning: {message}", markup=False)


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point of the ``deeprg`` console script.

    Returns
    -------
    int
        The exit code: 0 on success, 2 for bad input or files, 130 when interrupted.
    """
    warnings.showwarning = _show_warning
    try:
        # without standalone mode, click returns the code of typer.Exit instead of raising it
        code = app(args=argv, standalone_mode=False)
        if isinstance(code, int):
            return code
    except DeepRGError as exc:
        err_console.print(f"error: {exc}", markup=False)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        err_console.print("interrupted: nothing was written", markup=False)
        return EXIT_INTERRUPTED
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err_console.print("aborted", markup=False)
        return EXIT_INTERRUPTED
    except Exception as exc:
        # usage errors of the (possibly vendored) click behind typer: wrong option types, unknown options
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show(file=sys.stderr)
            return int(exc.exit_code)
        raise
    return 0
