"""One progress protocol, from the Monte Carlo sampler to the command line.

Every long-running piece of deeprg (sampling, training a layer stack, measuring a network,
running an experiment's stages) reports through the same callable::

    progress(task, message, completed, total)

- ``task`` names what is running (``"ensemble"``, ``"train/l1"``, ``"thermalize"``);
- ``message`` says what it is doing, in words for a person;
- ``completed`` and ``total`` are in the task's own units of work (``None`` while unknown), so a
  display can draw a bar and estimate the time remaining.

Library code never prints: it calls its ``progress`` and the command line renders it. A component
that is part of a larger task is given :func:`within` ``(progress, task)``, which files its reports
under that task.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Progress", "silent", "within"]


class Progress(Protocol):
    """``progress(task, message, completed, total)``: what a task is doing and how far it got."""

    def __call__(self, task: str, message: str, completed: float | None = None, total: float | None = None) -> None:
        """Report on ``task``.

        Parameters
        ----------
        task : str
            What is running, e.g. ``"train/l1"``.
        message : str
            What it is doing, for a person.
        completed, total : float, optional
            Work done and total work of the task, in its own units (``None`` while unknown).
        """


def silent(task: str, message: str, completed: float | None = None, total: float | None = None) -> None:
    """The progress that reports nowhere (the default of every ``progress`` argument)."""
    return None


def within(progress: Progress | None, task: str) -> Progress:
    """``progress`` with every report filed under ``task``.

    A component reports under its own task names (a sampler says ``"thermalize"`` then
    ``"sample"``) and says everything a person needs in its messages; the caller that runs it as
    part of ``task`` passes ``within(progress, task)``, which files the same reports under ``task``.

    Parameters
    ----------
    progress : Progress or None
        Where reports go (None: nowhere).
    task : str
        The task they belong to.

    Returns
    -------
    Progress
    """
    if progress is None:
        return silent

    def report(inner: str, message: str, completed: float | None = None, total: float | None = None) -> None:
        progress(task, message, completed, total)

    return report
