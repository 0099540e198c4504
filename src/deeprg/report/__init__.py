"""The experiment report: a plain-words verdict and one self-contained HTML file.

- :func:`verdict` turns the experiment metrics into statements with their numbers;
- :func:`render_report` writes ``report.html``: the verdict up front, then data, training,
  receptive fields, locality and flows, the exact 1D checks and the provenance, every figure
  embedded, readable offline in any browser;
- :data:`METRICS_SCHEMA` is the JSON Schema (draft 2020-12) of the ``metrics.json`` written next
  to it, every field described with its units and when it can be null.
"""

from importlib import resources
from pathlib import Path

from deeprg.report.html import render_report
from deeprg.report.verdict import UNSTABLE, VERDICT_VERSION, verdict

#: Path of the JSON Schema of ``metrics.json`` (package data): ``json.loads(METRICS_SCHEMA.read_text())``.
METRICS_SCHEMA: Path = Path(str(resources.files(__name__).joinpath("metrics.schema.json")))

__all__ = ["METRICS_SCHEMA", "UNSTABLE", "VERDICT_VERSION", "render_report", "verdict"]
