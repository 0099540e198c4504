"""What the commands of ``deeprg.cli`` share: the consoles, exit codes, option checks, progress display.

The commands print results on ``console`` (stdout) and progress, warnings and errors on
``err_console`` (stderr), so that a command's output can be piped while its progress stays
on the terminal.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from deeprg.errors import InvalidParameterError

console = Console()
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
#: Largest loop counts accepted, far beyond any real use (the paper: 50 epochs, CD-1, spacing ~ 2 tau):
#: a larger count is a typo that would keep the command busy for days.
_MAX_EPOCHS, _MAX_CD_K, _MAX_SPACING = 100_000, 10_000, 10_000_000
_BACKEND_HELP = "Where deeprg's RBMs train: numpy (default) or torch (needs the torch extra of deeprg, torch 2.13)."
_DEVICE_HELP = "cpu (default) or cuda (an NVIDIA GPU; implies --backend torch)."


def _check_count(value: Any, option: str, maximum: int) -> None:
    """Refuse a loop count so large the command would not finish (a typo, most likely)."""
    if isinstance(value, int) and value > maximum:
        raise InvalidParameterError(
            f"{option} must be at most {maximum:,} (got {value:,}): so many would keep the command busy for days; "
            "check the value.")


def _parse_auto(value: str, name: str) -> Any:
    """Parse an option that is either ``auto`` or a non-negative integer."""
    if value.strip().lower() == "auto":
        return "auto"
    try:
        return int(value)
    except ValueError:
        raise InvalidParameterError(f"{name}: expected 'auto' or an integer, got {value!r}.") from None


def _progress(*, counts: bool = True) -> Progress:
    """A progress display on stderr: counts (``M/N``) or a percentage, elapsed and remaining time."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn() if counts else TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )
