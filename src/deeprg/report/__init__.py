"""The experiment report: a plain-words verdict and one self-contained HTML file.

- :func:`verdict` turns the experiment metrics into statements with their numbers;
- :func:`render_report` writes ``report.html``: the verdict up front, then data, training,
  receptive fields, locality and flows, the exact 1D checks and the provenance, every figure
  embedded, readable offline in any browser.
"""

from deeprg.report.html import render_report
from deeprg.report.verdict import VERDICT_VERSION, verdict

__all__ = ["VERDICT_VERSION", "render_report", "verdict"]
