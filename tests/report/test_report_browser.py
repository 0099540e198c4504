"""The report in a real browser: headless Chromium renders it, every figure loads, no console messages.

Chromium comes from Debian's packages (``apt-get install -y chromium``); the test is skipped,
saying so, where it is absent. The report itself has no JavaScript: to check that every image
decodes, a copy of it gets a probe script that records, after the load event, how many
``<img>`` elements have a decoded picture; ``--dump-dom`` then prints the result.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from deeprg.report import render_report

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

PROBE = """<script>window.addEventListener("load", function () {
  var images = Array.from(document.images);
  var loaded = images.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute("data-images-total", images.length);
  document.body.setAttribute("data-images-loaded", loaded);
});</script>"""


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless browser check skipped: Chromium not found (on Debian: apt-get install -y chromium)",
)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                          timeout=180, check=False)


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.fixture
def report(full_experiment, tmp_path) -> Path:
    metrics, dirs = full_experiment
    return render_report(metrics, dirs, tmp_path / "report.html", provenance={"seed": 7})


def test_report_renders_in_chromium(report, tmp_path):
    shot = tmp_path / "shot.png"
    result = chromium(tmp_path, "--enable-logging=stderr", "--v=0", f"--screenshot={shot}", "--window-size=1200,3000",
                      report.as_uri())
    assert shot.exists(), f"Chromium wrote no screenshot (exit {result.returncode}):\n{result.stderr[-3000:]}"
    assert console_messages(result.stderr) == []
    from PIL import Image  # matplotlib depends on Pillow

    with Image.open(shot) as image:
        assert image.size == (1200, 3000)
        pixels = np.asarray(image.convert("RGB"), dtype=np.float64)
    assert pixels.std() > 20  # text, tables and figures, not a blank page
    assert len(np.unique(pixels.reshape(-1, 3)[::7], axis=0)) > 100  # coloured figures among the text


def test_every_figure_loads_in_chromium(report, tmp_path):
    html = report.read_text(encoding="utf-8")
    expected = html.count("<img ")
    assert expected > 10
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    result = chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000", "--dump-dom",
                      probe.as_uri())
    assert result.returncode == 0, result.stderr[-3000:]
    dom = result.stdout
    sources = re.findall(r"<img\b[^>]*?\bsrc=\"([^\"]*)\"", dom)
    assert len(sources) == expected
    assert all(src.startswith("data:image/png;base64,") and len(src) > 100 for src in sources)
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert f'data-images-total="{expected}"' in body
    assert f'data-images-loaded="{expected}"' in body, "some figure did not decode in the browser"
    assert console_messages(result.stderr) == []
