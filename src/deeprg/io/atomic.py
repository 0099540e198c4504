"""Atomic file writes: write to a hidden temporary file, then ``os.replace`` it into place.

A reader never sees a half-written deeprg file: the data go to a temporary file
in the destination directory (so the final rename stays on one file system),
the file is flushed to disk, and only then is it renamed onto the requested
name. If anything goes wrong in between, including ``KeyboardInterrupt``, the
temporary file is removed and the destination is left exactly as it was.

:func:`check_writable` runs the same checks up front, so that a command-line
run can refuse a bad output path *before* an hour of sampling rather than after.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

from deeprg.errors import DeepRGError, OutputExistsError, UnwritablePathError  # noqa: F401 - defined in deeprg.errors, re-exported here

__all__ = ["OutputExistsError", "UnwritablePathError", "atomic_path", "check_directory", "check_writable"]

#: errno values for which ``os.link`` is simply not available on a file system.
_NO_HARDLINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOSYS, errno.EACCES} | {
    getattr(errno, name) for name in ("ENOTSUP", "EOPNOTSUPP") if hasattr(errno, name)
}


def _as_path(path: str | os.PathLike[str]) -> Path:
    return Path(os.fspath(path))


def _create_temp(path: Path) -> Path:
    """Create an empty hidden file ``.name.<random>.tmp`` next to ``path`` and return its path.

    The file is created with mode ``0o666`` filtered by the process umask, like
    an ordinary ``open(path, "w")``, so the final file gets the usual permissions.
    """
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:  # pragma: no cover - 48 random bits collided
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(errno.EEXIST, "could not find a free temporary file name", str(path))  # pragma: no cover


def check_writable(path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Check that ``path`` can be written, before doing the work that produces it.

    The check creates and removes a hidden probe file in the destination
    directory, so it also catches read-only file systems and permissions that
    ``os.access`` cannot see (for example when running as root).

    Parameters
    ----------
    path : str or path-like
        File that will be written.
    overwrite : bool, default False
        Whether an existing file at ``path`` may be replaced.

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``overwrite`` is False.
    UnwritablePathError
        If ``path`` is a directory, its directory does not exist or is not a
        directory, or files cannot be created there.
    """
    p = _as_path(path)
    if p.is_dir():
        raise UnwritablePathError(f"cannot write {p}: it is a directory; give a file name such as {p / 'out.nc'}")
    if not overwrite and (p.exists() or p.is_symlink()):
        raise OutputExistsError(f"{p} exists; pass overwrite=True (CLI: --overwrite) or choose another path")
    parent = p.parent
    if not parent.exists():
        raise UnwritablePathError(
            f"cannot write {p}: directory {parent} does not exist; create it first or choose another path"
        )
    if not parent.is_dir():
        raise UnwritablePathError(f"cannot write {p}: {parent} is not a directory; choose another path")
    try:
        probe = _create_temp(p)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UnwritablePathError(
            f"cannot write {p}: directory {parent} is not writable ({reason}); "
            "fix its permissions or choose another path"
        ) from exc
    probe.unlink(missing_ok=True)
    return p


def check_directory(path: str | os.PathLike[str]) -> Path:
    """Check that ``path`` is, or can be created as, a writable directory; create nothing.

    For commands that write a directory of results (``deeprg run``, ``deeprg analyze``):
    they call this before any work, so that a file in the way or an unwritable location is
    refused at once, and nothing is left behind.

    Parameters
    ----------
    path : str or path-like
        The output directory (existing or not).

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    UnwritablePathError
        If ``path`` or one of its ancestors is an existing file, or the nearest existing
        directory is not writable.
    """
    p = _as_path(path)
    for ancestor in (p, *p.parents):
        if ancestor.exists() or ancestor.is_symlink():
            break
    else:  # pragma: no cover - the file system root always exists
        ancestor = Path(".")
    if not ancestor.is_dir():
        where = "it is" if ancestor == p else f"{ancestor} is"
        raise UnwritablePathError(
            f"cannot write the directory {p}: {where} an existing file, not a directory; choose another path"
        )
    try:  # a probe catches read-only file systems and permissions os.access cannot see
        probe = tempfile.mkdtemp(prefix=".deeprg-probe-", dir=ancestor)
    except OSError as exc:
        raise UnwritablePathError(
            f"cannot write the directory {p}: {ancestor} is not writable ({exc.strerror or type(exc).__name__}); "
            "fix its permissions or choose another path"
        ) from exc
    os.rmdir(probe)
    return p


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    """Flush a directory entry to disk; best effort (not every platform can open directories)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _publish(tmp: Path, path: Path, *, overwrite: bool) -> None:
    """Move the finished temporary file onto ``path``."""
    if overwrite:
        os.replace(tmp, path)
        return
    # Without overwrite, a hard link is the atomic "create only if absent":
    # it fails if someone created ``path`` while we were writing.
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise OutputExistsError(
            f"{path} exists (it was created while writing); pass overwrite=True (CLI: --overwrite) "
            "or choose another path"
        ) from None
    except OSError as exc:
        if exc.errno not in _NO_HARDLINKS:
            raise
        # File system without hard links: check, then rename (a tiny race remains).
        if path.exists() or path.is_symlink():
            raise OutputExistsError(
                f"{path} exists (it was created while writing); pass overwrite=True (CLI: --overwrite) "
                "or choose another path"
            ) from None
        os.replace(tmp, path)
    else:
        tmp.unlink()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Context manager that yields a temporary path and moves it onto ``path`` on success.

    Write the complete file to the yielded path inside the ``with`` block. When
    the block finishes without an exception, the file is flushed to disk
    (``fsync``) and atomically renamed onto ``path`` (``os.replace``), and the
    directory entry is flushed too (best effort). When the block raises,
    anything (including ``KeyboardInterrupt``), the temporary file is deleted,
    ``path`` is left untouched, and the exception propagates.

    Parameters
    ----------
    path : str or path-like
        Final name of the file.
    overwrite : bool, default False
        Whether an existing file at ``path`` may be replaced.

    Yields
    ------
    Path
        A hidden, already created (empty) file ``.<name>.<random>.tmp`` in the
        same directory as ``path``; the writer may truncate or replace it.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``overwrite`` is False (checked before and after writing).
    UnwritablePathError
        If the directory does not exist or is not writable (checked before writing).

    Examples
    --------
    >>> with atomic_path("result.nc", overwrite=True) as tmp:  # doctest: +SKIP
    ...     dataset.to_netcdf(tmp, engine="h5netcdf")
    """
    p = check_writable(path, overwrite=overwrite)
    try:
        tmp = _create_temp(p)
    except OSError as exc:  # pragma: no cover - the directory changed since the check
        raise UnwritablePathError(f"cannot write {p}: {exc.strerror or exc}; choose another path") from exc
    try:
        yield tmp
        _fsync_file(tmp)
        _publish(tmp, p, overwrite=overwrite)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(p.parent)
