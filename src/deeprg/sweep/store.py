"""A content-addressed store of stage artifacts: ``store/<stage>/<input hash>/``.

A stage of ``deeprg run`` (:mod:`deeprg.experiment.pipeline`) writes its outputs at fixed paths of a
run directory and reads those of earlier stages there. In the store each stage runs in its own work
directory ``store/<stage>/.work-<hash>/``, in which the outputs of the stages it reads are linked at
their usual paths; when it is done the links are removed, a record is written, and the work
directory is renamed to ``store/<stage>/<hash>/`` in one step. A finished artifact is therefore
complete or absent, never half-written, and any cell whose stage has the same input hash (same
configuration sections, same upstream artifacts) reuses it.

The work directory is named by the hash alone, so a stage that was interrupted (a killed worker, a
killed sweep) finds its training checkpoint there when it is run again.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from deeprg.experiment.stages import read_json, write_json

__all__ = ["RECORD", "ArtifactStore"]

#: The record of a finished stage, inside its artifact directory.
RECORD = ".record.json"


class ArtifactStore:
    """Stage artifacts by stage name and input hash, under ``root``.

    Parameters
    ----------
    root : path
        The store directory (``DIR/store`` of a sweep); created when needed. Every process that
        runs stages (local workers, workers of a cluster) must see it at the same path.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, stage: str, input_hash: str) -> Path:
        """Directory of the finished artifact of ``stage`` with ``input_hash`` (``train/l1`` nests)."""
        return self.root / stage / input_hash

    def work_path(self, stage: str, input_hash: str) -> Path:
        """Directory in which the stage runs before its artifact is committed."""
        return self.root / stage / f".work-{input_hash}"

    def record(self, stage: str, input_hash: str) -> dict[str, Any] | None:
        """The record of the finished artifact, or None when it is not (completely) there."""
        record = read_json(self.path(stage, input_hash) / RECORD)
        return record if isinstance(record, dict) else None

    def prepare(self, stage: str, input_hash: str, inputs: Mapping[str, str], *, resume: bool) -> Path:
        """A work directory for the stage with every file of the artifacts it reads linked in at its relative path.

        Parameters
        ----------
        stage, input_hash : str
            The stage to run.
        inputs : dict of str to str
            Stage name -> input hash of each finished artifact the stage reads.
        resume : bool
            Keep what an interrupted attempt left (its training checkpoint); else start empty.
        """
        work = self.work_path(stage, input_hash)
        if work.exists() and not resume:
            shutil.rmtree(work)
        work.mkdir(parents=True, exist_ok=True)
        for name, upstream_hash in inputs.items():
            artifact = self.path(name, upstream_hash)
            for file in artifact.rglob("*"):
                if file.is_file() and file.name != RECORD:
                    self._link(file, work / file.relative_to(artifact))
        return work

    @staticmethod
    def _link(target: Path, link: Path) -> None:
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target.resolve())

    def commit(self, stage: str, input_hash: str, record: Mapping[str, Any]) -> Path:
        """Remove the links from the work directory, write the record, and rename it to the artifact.

        When another process committed the same artifact first, the work directory is discarded
        (the two are equal: a stage's outputs are a function of its inputs).
        """
        work, final = self.work_path(stage, input_hash), self.path(stage, input_hash)
        for path in sorted(work.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if path.is_symlink():
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        write_json(work / RECORD, dict(record))
        try:
            os.rename(work, final)
        except OSError:
            if self.record(stage, input_hash) is None:
                raise
            shutil.rmtree(work, ignore_errors=True)
        return final

    def artifacts(self) -> dict[str, int]:
        """Finished artifacts per stage name (for summaries and tests)."""
        counts: dict[str, int] = {}
        for record in self.root.rglob(RECORD):
            name = json.loads(record.read_text()).get("name", "?")
            counts[name] = counts.get(name, 0) + 1
        return counts
