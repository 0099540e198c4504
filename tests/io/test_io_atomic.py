"""Atomic writes: the destination is either the complete new file or untouched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import deeprg.io.atomic as atomic
from deeprg.errors import DeepRGError
from deeprg.io import OutputExistsError, UnwritablePathError, atomic_path, check_writable


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_writes_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out.nc"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(".out.nc.") and tmp.name.endswith(".tmp")
        assert tmp.exists() and not target.exists()
        tmp.write_bytes(b"payload")
    assert target.read_bytes() == b"payload"
    assert _leftovers(tmp_path) == []


def test_accepts_str_paths(tmp_path):
    with atomic_path(str(tmp_path / "a.bin")) as tmp:
        tmp.write_bytes(b"x")
    assert (tmp_path / "a.bin").read_bytes() == b"x"


def test_permissions_follow_umask(tmp_path):
    umask = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "f") as tmp:
            tmp.write_bytes(b"x")
    finally:
        os.umask(umask)
    assert (tmp_path / "f").stat().st_mode & 0o777 == 0o644


def test_exception_mid_write_leaves_no_file(tmp_path):
    target = tmp_path / "out.nc"
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half a file")
            raise RuntimeError("boom")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_exception_mid_write_keeps_existing_file(tmp_path):
    target = tmp_path / "out.nc"
    target.write_bytes(b"old and good")
    with pytest.raises(ValueError):
        with atomic_path(target, overwrite=True) as tmp:
            tmp.write_bytes(b"new but broken")
            raise ValueError("writer failed")
    assert target.read_bytes() == b"old and good"
    assert _leftovers(tmp_path) == []


def test_keyboard_interrupt_cleans_up(tmp_path):
    target = tmp_path / "out.nc"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target, overwrite=True) as tmp:
            tmp.write_bytes(b"new")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_refuses_existing_file_without_overwrite(tmp_path):
    target = tmp_path / "out.nc"
    target.write_bytes(b"precious")
    with pytest.raises(OutputExistsError) as info:
        with atomic_path(target) as tmp:  # pragma: no cover - never entered
            tmp.write_bytes(b"new")
    err = info.value
    assert isinstance(err, DeepRGError) and isinstance(err, FileExistsError)
    msg = str(err)
    assert str(target) in msg and "exists" in msg and "overwrite=True" in msg and "--overwrite" in msg
    assert "\n" not in msg
    assert target.read_bytes() == b"precious"
    assert _leftovers(tmp_path) == []


def test_overwrite_replaces_existing_file(tmp_path):
    target = tmp_path / "out.nc"
    target.write_bytes(b"old")
    with atomic_path(target, overwrite=True) as tmp:
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"new"


def test_file_created_during_write_is_not_clobbered(tmp_path):
    target = tmp_path / "out.nc"
    with pytest.raises(OutputExistsError, match="created while writing"):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"mine")
            target.write_bytes(b"someone else's")
    assert target.read_bytes() == b"someone else's"
    assert _leftovers(tmp_path) == []


def test_missing_directory(tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "out.nc"
    with pytest.raises(UnwritablePathError, match="does not exist") as info:
        check_writable(target)
    assert isinstance(info.value, DeepRGError) and isinstance(info.value, OSError)
    assert str(target.parent) in str(info.value)
    with pytest.raises(UnwritablePathError, match="does not exist"):
        with atomic_path(target):  # pragma: no cover - never entered
            pass


def test_parent_is_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(UnwritablePathError, match="is not a directory"):
        check_writable(tmp_path / "file" / "out.nc")


def test_target_is_a_directory(tmp_path):
    with pytest.raises(UnwritablePathError, match="is a directory"):
        check_writable(tmp_path, overwrite=True)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(UnwritablePathError, match="not writable"):
            check_writable(ro / "out.nc")
    finally:
        ro.chmod(0o700)


def test_unwritable_directory_reported_clearly(tmp_path, monkeypatch):
    # Simulates a read-only directory even when the tests run as root.
    def refuse(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(atomic, "_create_temp", refuse)
    with pytest.raises(UnwritablePathError) as info:
        check_writable(tmp_path / "out.nc")
    msg = str(info.value)
    assert "not writable" in msg and "Permission denied" in msg and str(tmp_path) in msg
    assert "\n" not in msg


def test_check_writable_leaves_nothing_behind(tmp_path):
    assert check_writable(tmp_path / "out.nc") == tmp_path / "out.nc"
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "out.nc").write_text("x")
    check_writable(tmp_path / "out.nc", overwrite=True)
    with pytest.raises(OutputExistsError):
        check_writable(tmp_path / "out.nc")
    assert [p.name for p in tmp_path.iterdir()] == ["out.nc"]


def test_relative_path_in_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with atomic_path("rel.bin") as tmp:
        tmp.write_bytes(b"x")
    assert (tmp_path / "rel.bin").read_bytes() == b"x"
    assert _leftovers(tmp_path) == []
