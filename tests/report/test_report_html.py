"""render_report writes one self-contained, well-formed HTML file with every figure embedded."""

import base64
import copy
import logging
import re
from html.parser import HTMLParser

import pytest
from markupsafe import escape
from synthetic_metrics import FIGURE_NAMES, write_png

from deeprg.errors import InvalidParameterError
from deeprg.io import OutputExistsError
from deeprg.report import render_report, verdict

DATA_IMG = '<img src="data:image/png;base64,'
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class StrictParser(HTMLParser):
    """Fails on any end tag that does not close the innermost open element, and on unclosed elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.images, self.references = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.references += [value or "" for name, value in attrs if name in ("src", "href", "srcset", "action", "poster")]
        if tag == "img":
            self.images.append(dict(attrs))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.references += [value or "" for name, value in attrs if name in ("src", "href", "srcset", "action", "poster")]
        if tag == "img":
            self.images.append(dict(attrs))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'} at {self.getpos()}")
        else:
            self.stack.pop()


def parse(html: str) -> StrictParser:
    parser = StrictParser()
    parser.feed(html)
    parser.close()
    assert parser.errors == []
    assert parser.stack == []
    assert html.lstrip().startswith("<!DOCTYPE html>")
    return parser


def assert_self_contained(html: str) -> None:
    assert "http://" not in html and "https://" not in html
    references = parse(html).references
    assert all(ref.startswith(("data:image/png;base64,", "#")) for ref in references), "a reference that is not a data URI"
    assert "<script" not in html and "<link" not in html and "@import" not in html and "url(" not in html


def test_full_report(full_experiment, tmp_path):
    metrics, dirs = full_experiment
    out = render_report(metrics, dirs, tmp_path / "report.html", provenance={"seed": 7, "python": "3.x"})
    assert out == tmp_path / "report.html"
    html = out.read_text(encoding="utf-8")
    parser = parse(html)
    assert_self_contained(html)

    # every figure file is embedded, byte for byte (configurations once: it is the same data for all variants)
    for i, d in enumerate(dirs.values()):
        for name in FIGURE_NAMES:
            if name == "configurations" and i > 0:
                continue
            encoded = base64.b64encode((d / f"{name}.png").read_bytes()).decode()
            assert f"data:image/png;base64,{encoded}" in html, name
    n_files = len(dirs) * (len(FIGURE_NAMES) - 1) + 1
    assert html.count(DATA_IMG) == n_files + 1  # plus the L1-scan figure drawn from metrics["scan"]
    assert all(img.get("src", "").startswith("data:image/png;base64,") and img.get("alt") for img in parser.images)

    v = verdict(metrics)
    assert str(escape(v["headline"]["text"])) in html
    assert v["headline"]["text"].startswith("Yes:")
    # the order: verdict, data, training, fields, locality and flows, exact 1D, provenance
    ids = re.findall(r'<section id="([^"]+)">', html)
    assert ids == ["verdict", "data", "training", "fields", "locality", "exact-1d", "provenance"]
    for text in ("Layer 2 of l1 is local", "energy per site", "artanh", "Resolved configuration", "&#34;seed&#34;: 7",
                 "numpy", "train/l1", "L1 strength"):
        assert text in html, text


def test_minimal_report_omits_missing_sections(experiment, tmp_path):
    out = render_report(experiment, None, tmp_path / "report.html")
    html = out.read_text(encoding="utf-8")
    parse(html)
    assert_self_contained(html)
    assert html.count("<img") == 0
    ids = re.findall(r'<section id="([^"]+)">', html)
    # complete metrics without figures, histories or a scan: no training or fields section
    assert ids == ["verdict", "data", "locality", "exact-1d", "provenance"]
    assert str(escape(verdict(experiment)["headline"]["text"])) in html


def test_training_curves_come_from_the_histories(experiment, tmp_path):
    history = {"pseudo_likelihood": [-0.6, -0.55, -0.54], "reconstruction_error": [0.2, 0.15, 0.14], "time": [1, 1, 1]}
    experiment["variants"]["l1"]["training"] = {"layer 1": history, "layer 2": history}
    html = render_report(experiment, {}, tmp_path / "r.html").read_text()
    parse(html)
    assert html.count(DATA_IMG) == 1  # drawn from the histories, no file needed
    assert 'id="training"' in html and "-0.5400" in html and "0.1400" in html


def test_precomputed_verdict_is_used_and_everything_is_escaped(experiment, tmp_path):
    metrics = copy.deepcopy(experiment)
    metrics["variants"]["<b>odd</b>"] = metrics["variants"].pop("sklearn")
    metrics["verdict"] = verdict(metrics)
    metrics["verdict"]["headline"]["text"] = "Custom <script>alert(1)</script> headline"
    html = render_report(metrics, None, tmp_path / "r.html", provenance={"config": {"note": "</pre><i>"}}).read_text()
    parse(html)
    assert "Custom &lt;script&gt;alert(1)&lt;/script&gt; headline" in html
    assert "<b>odd</b>" not in html and "&lt;b&gt;odd&lt;/b&gt;" in html
    assert "</pre><i>" not in html


def test_figures_as_explicit_paths_and_missing_files(experiment, tmp_path, caplog):
    good = write_png(tmp_path / "w.png", 1)
    (tmp_path / "bad.png").write_text("not a png")
    figures = {"l1": {"weights": good, "scale_growth": tmp_path / "missing.png", "reconstructions": tmp_path / "bad.png"}}
    with caplog.at_level(logging.WARNING, logger="deeprg.report.html"):
        html = render_report(experiment, figures, tmp_path / "r.html").read_text()
    parse(html)
    assert html.count(DATA_IMG) == 1
    assert base64.b64encode(good.read_bytes()).decode() in html
    assert "missing.png is missing" in caplog.text and "bad.png is not a PNG" in caplog.text


def test_bad_arguments_teach(experiment, tmp_path):
    with pytest.raises(InvalidParameterError, match="metrics must be a dict with 'variants'"):
        render_report({"ensemble": {}}, None, tmp_path / "r.html")
    with pytest.raises(InvalidParameterError, match=r"figures were given for \['l2'\]"):
        render_report(experiment, {"l2": tmp_path}, tmp_path / "r.html")


def test_written_atomically(experiment, tmp_path):
    path = tmp_path / "report.html"
    path.write_text("old")
    render_report(experiment, None, path)
    assert path.read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # no temporary file left behind
    with pytest.raises(OutputExistsError):
        render_report(experiment, None, path, overwrite=False)
