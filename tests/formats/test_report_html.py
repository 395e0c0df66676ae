"""`report --out DIR` on the ingested, audited sample: every plot exists as a valid PNG and
SVG of sensible size, the page references only files beside it, reruns are identical."""

from __future__ import annotations

import json
import struct
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse
from xml.etree import ElementTree

import pytest

from conftest import writable_copy
from licensegraph.api import LicenseGraph
from licensegraph.formats.findings_export import FINDING_COLUMNS
from licensegraph.formats.plots import PLOTS
from licensegraph.formats.report_html import write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def lg(sample_db):
    with LicenseGraph(sample_db, read_only=True) as graph:
        yield graph


@pytest.fixture(scope="module")
def report(lg, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    files = write_report(lg.report_data("local"), lg.audit_findings("local"), out)
    return out, files


class Refs(HTMLParser):
    """Every URL the page loads or links: src, href, srcset, and url(...) in inline style."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "poster", "data", "action") and value:
                self.refs.append(value)

    def handle_data(self, data):
        self.text.append(data)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_every_plot_is_a_valid_png_and_svg_of_sensible_size(report):
    out, files = report
    assert set(files.plots) == set(PLOTS)
    for name in PLOTS:
        png, svg = out / f"{name}.png", out / f"{name}.svg"
        assert png.exists() and svg.exists(), name
        width, height = png_size(png)
        assert 1200 <= width <= 2000 and 500 <= height <= 3000, (name, width, height)
        assert 20_000 < png.stat().st_size < 3_000_000, (name, png.stat().st_size)
        root = ElementTree.parse(svg).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg", name
        assert float(root.get("width").removesuffix("pt")) > 500
        assert 20_000 < svg.stat().st_size < 3_000_000, (name, svg.stat().st_size)
        # the SVG draws text as paths and embeds nothing from elsewhere
        hrefs = [v for e in root.iter() for k, v in e.attrib.items() if k.endswith("href")]
        assert all(h.startswith("#") or h.startswith("data:") for h in hrefs), (name, hrefs[:3])


def test_the_html_references_only_local_files(report):
    out, files = report
    html = files.html.read_text(encoding="utf-8")
    parser = Refs()
    parser.feed(html)
    assert "script" not in parser.tags  # nothing to run, nothing to fetch
    assert "link" not in parser.tags  # style is inline
    assert "url(" not in html and "@import" not in html
    local = [r for r in parser.refs if not r.startswith("#")]
    assert local, "the page links its plots and files"
    for ref in parser.refs:
        parsed = urlparse(ref)
        assert not parsed.scheme and not parsed.netloc, ref
        if ref.startswith("#"):
            assert f'id="{ref[1:]}"' in html, ref
        else:
            assert "/" not in ref and (out / ref).is_file(), ref
    for name in PLOTS:
        assert f'src="{name}.svg"' in html and f'href="{name}.png"' in html
    for name in ("findings.csv", "findings.json", "audit.sarif", "report.json"):
        assert f'href="{name}"' in html


def test_the_page_shows_the_study_numbers_and_the_disclaimer(lg, report):
    _, files = report
    html = files.html.read_text(encoding="utf-8")
    audit = lg.audit_table("local")
    mismatch = next(r for r in audit.rows if r.label == "License Mismatch")
    assert f"{mismatch.noncompliant:,} ({mismatch.noncompliant_pct:.1f}%)" in html
    assert "not legal advice" in html
    data = json.loads((files.directory / "report.json").read_text())
    assert data["view"] == "local"
    assert sum(m["models"] for m in data["months"]) + data["undated_models"] == data["audited_models"]


def test_the_data_files_hold_every_finding(lg, report):
    out, _ = report
    findings = lg.audit_findings("local").findings
    header, *rows = (out / "findings.csv").read_text(encoding="utf-8").splitlines()
    assert header.split(",") == list(FINDING_COLUMNS)
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert len(doc["findings"]) == len(findings) > 1000
    assert list(doc["findings"][0]) == list(FINDING_COLUMNS)
    assert json.loads((out / "audit.sarif").read_text())["version"] == "2.1.0"


def test_a_rerun_gives_identical_files(lg, report, tmp_path):
    out, files = report
    again = write_report(lg.report_data("local"), lg.audit_findings("local"), tmp_path)
    for path in files.all:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
    assert len(again.all) == len(files.all)


def test_the_effective_view_report(lg, tmp_path):
    files = write_report(lg.report_data("effective"), lg.audit_findings("effective"), tmp_path)
    html = files.html.read_text(encoding="utf-8")
    assert "effective view" in html
    local, effective = lg.report_data("local"), lg.report_data("effective")
    # the effective view judges against every ancestor: at least as many violations
    assert effective.models_with_violation >= local.models_with_violation


def test_report_before_any_audit_says_so(sample_unaudited_db, tmp_path):
    # LicenseGraph.ingest audits as the end of its run; the library's bare ingest does not
    writable_copy(sample_unaudited_db, tmp_path / "fresh.duckdb")
    with LicenseGraph(tmp_path / "fresh.duckdb") as graph:
        data = graph.report_data("local")
        assert not data.audited and not data.study_rows and data.models_with_violation == 0
        files = write_report(data, graph.audit_findings("local"), tmp_path / "out")
    assert "No audit has been run" in files.html.read_text(encoding="utf-8")
    for name in PLOTS:
        png_size(tmp_path / "out" / f"{name}.png")


def test_streamed_findings_give_the_same_files(lg, report, tmp_path):
    # the CLI streams findings from one batched query; the files must not differ
    out, files = report
    header = lg.audit_findings("local", include_findings=False)
    assert header.findings == () and header.rules
    write_report(lg.report_data("local"), header, tmp_path, stream=lg.iter_audit_findings("local"))
    for name in ("findings.csv", "findings.json", "audit.sarif", "index.html"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
