"""`report --out DIR`: a self-contained HTML report with plots, and the files tools read.

The directory holds index.html, every plot as PNG and SVG, the findings as CSV and JSON,
the audit as SARIF, and the report's data as JSON. The page references only those files
(relative links) and carries its style inline: it opens offline and can be zipped and
sent. Nothing in it depends on the time it was made, so a rerun on the same store gives
the same files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from html import escape
from pathlib import Path

from licensegraph import __version__
from licensegraph.api.export_results import AuditFindings, ReportData
from licensegraph.api.results import Finding
from licensegraph.formats import findings_export, plots, sarif

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 1100px;
       padding: 1.5rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
.lead { color: #555; margin-top: 0; }
.numbers { display: flex; flex-wrap: wrap; gap: .8rem; padding: 0; list-style: none; }
.numbers li { background: #f4f6f8; border-radius: 6px; padding: .5rem .9rem; }
.numbers b { display: block; font-size: 1.3rem; }
figure { margin: 1rem 0; } figure img { width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #444; font-size: .95rem; } figcaption a { margin-left: .4rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .92rem; }
th, td { border-bottom: 1px solid #e3e3e3; padding: .3rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; } th { background: #f4f6f8; }
td.text { text-align: left; } .note { color: #666; font-size: .9rem; }
.disclaimer { margin-top: 2.5rem; padding: .8rem 1rem; background: #fff8e1; border-left: 4px solid #f0c040; }
nav a { margin-right: .9rem; }
"""

FILES = {
    "findings.csv": "findings, one row per model and rule row (columns documented in findings.json and the README)",
    "findings.json": "the same findings as JSON, with the column descriptions",
    "audit.sarif": "the findings as a SARIF 2.1.0 log, for tools that read static-analysis results",
    "report.json": "every number on this page, as JSON",
}


@dataclass(frozen=True)
class ReportFiles:
    """What `write_report` wrote."""

    directory: Path
    html: Path
    plots: dict[str, tuple[Path, ...]]
    data_files: tuple[Path, ...]

    @property
    def all(self) -> tuple[Path, ...]:
        return (self.html, *(p for ps in self.plots.values() for p in ps), *self.data_files)


def _table(headers: list[str], rows: list[list[str]], text_cols: tuple[int, ...] = (0,)) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="text">{c}</td>' if i in text_cols else f"<td>{c}</td>"
                         for i, c in enumerate(row)) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _study_table(data: ReportData) -> str:
    if not data.study_rows:
        return '<p class="note">No audit has been run on this store: run <code>licensegraph audit</code>.</p>'
    relations = list(data.study_rows[0].by_relation)
    rows = []
    for r in data.study_rows:
        counts = {rel: c.count for rel, c in r.by_relation.items()}
        rows.append([escape(r.label + ("" if r.in_study else " *")), escape(r.severity),
                     f"{r.noncompliant:,} ({r.noncompliant_pct:.1f}%)", f"{r.qualifying:,}",
                     *(f"{counts.get(rel, 0):,}" for rel in relations)])
    return (_table(["Rule", "Severity", "Noncompliant", "Qualifying", *(r.capitalize() for r in relations)],
                   rows, (0, 1))
            + '<p class="note">* beyond the study\'s table. Noncompliant: models the rule finds noncompliant '
              "(% of the qualifying models, those whose licenses needed for the decision are known).</p>")


def _reused_table(data: ReportData) -> str:
    if not data.most_reused:
        return ""
    rows = [[escape(r.model_id), escape(r.license), escape(", ".join(r.labels)), f"{r.children:,}",
             f"{r.descendants:,}"] for r in data.most_reused]
    return _table(["Model", "License", "Violations", "Direct derivatives", "All descendants"], rows, (0, 1, 2))


def _families_table(data: ReportData) -> str:
    if not data.families:
        return ""
    relations = list(data.families[0].by_relation)
    rows = [[escape(f.root_id), escape(plots.root_license_label(f)), f"{f.descendants:,}",
             *(f"{f.by_relation.get(rel, 0):,}" for rel in relations)] for f in data.families]
    return _table(["Root model", "License", "Descendants", *(r.capitalize() for r in relations)], rows, (0, 1))


def _months_note(data: ReportData) -> str:
    dated = sum(m.models for m in data.months)
    undated = f"; {data.undated_models:,} without one are left out" if data.undated_models else ""
    return f'<p class="note">{dated:,} models with a known creation time{undated}.</p>'


def render_html(data: ReportData, plot_files: dict[str, tuple[Path, ...]]) -> str:
    """The report page; plot and data files are linked by their names (same directory)."""
    extra = {
        "study-table": _study_table(data),
        "noncompliance-by-month": _months_note(data),
        "most-reused-noncompliant": _reused_table(data),
        "largest-families": _families_table(data),
    }
    sections = []
    for name, (_, caption) in plots.PLOTS.items():
        files = plot_files.get(name, ())
        svg = next((p.name for p in files if p.suffix == ".svg"), None)
        png = next((p.name for p in files if p.suffix == ".png"), None)
        title = caption.split(":")[0].split(",")[0]
        links = "".join(f'<a href="{escape(f)}">{f.rsplit(".", 1)[1].upper()}</a>' for f in (png, svg) if f)
        sections.append(
            f'<section id="{name}"><h2>{escape(_TITLES.get(name, title))}</h2>'
            f'<figure><img src="{escape(svg or png or "")}" alt="{escape(caption)}">'
            f"<figcaption>{escape(caption)} {links}</figcaption></figure>{extra.get(name, '')}</section>"
        )
    numbers = [("models in the store", data.models), ("with a Hub record", data.audited_models),
               ("derived (have a parent)", data.derived_models), ("lineage edges", data.edges),
               (f"with a violation ({data.view} view)", data.models_with_violation)]
    numbers_html = "".join(f"<li><b>{n:,}</b>{escape(label)}</li>" for label, n in numbers)
    nav = "".join(f'<a href="#{name}">{escape(_TITLES[name])}</a>' for name in plots.PLOTS)
    files = "".join(f'<li><a href="{escape(name)}">{escape(name)}</a>: {escape(text)}</li>'
                    for name, text in FILES.items())
    audit_note = "" if data.audited else (
        '<p class="note"><b>No audit has been run on this store</b>: findings, the study table and the '
        "noncompliance plots are empty. Run <code>licensegraph audit</code> first.</p>")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="licensegraph {escape(__version__)}">
<title>licensegraph report ({escape(data.view)} view)</title>
<style>{CSS}</style>
</head>
<body>
<h1>License compliance of Hugging Face models</h1>
<p class="lead">{escape(data.view_description)}.</p>
{audit_note}
<ul class="numbers">{numbers_html}</ul>
<nav>{nav}</nav>
{"".join(sections)}
<h2 id="files">Files</h2>
<p>Beside this page, for tools and for sending on:</p>
<ul>{files}</ul>
<p class="note">Each plot is also saved as PNG and SVG under the names linked above.</p>
<p class="disclaimer">{escape(data.disclaimer)}</p>
<p class="note">Made by licensegraph {escape(__version__)}.</p>
</body>
</html>
"""


_TITLES = {
    "relation-shares": "Relations: corrected and Hub-labelled",
    "study-table": "The study table",
    "license-flows": "License flows",
    "noncompliance-by-month": "Noncompliance by creation month",
    "most-reused-noncompliant": "Most reused models with a violation",
    "largest-families": "Largest families",
}


def write_report(data: ReportData, findings: AuditFindings, out_dir: Path,
                 stream: Iterable[Finding] | None = None) -> ReportFiles:
    """Write the report into out_dir (created if missing; files of the same names are
    replaced, other files are left alone). The findings files come from `stream` when given
    (read once, whatever its size), else from findings.findings."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plot_files = {name: tuple(paths) for name, paths in plots.render_plots(data, out_dir).items()}
    names = ("findings.csv", "findings.json", "audit.sarif")
    paths = [out_dir / n for n in names]
    tmps = [p.with_name(p.name + ".tmp") for p in paths]
    with ExitStack() as stack:
        csv_fh, json_fh, sarif_fh = (stack.enter_context(t.open("w", encoding="utf-8", newline="")) for t in tmps)
        csv_rows = findings_export.csv_writer(csv_fh)
        json_out = findings_export.JsonWriter(json_fh, findings)
        sarif_out = sarif.AuditSarifWriter(sarif_fh, findings)
        for f in findings.findings if stream is None else stream:
            csv_rows(f)
            json_out.write(f)
            sarif_out.write(f)
        json_out.close()
        sarif_out.close()
    for tmp, path in zip(tmps, paths):
        tmp.replace(path)
    report_json = out_dir / "report.json"
    _write_atomic(report_json, json.dumps(data.to_dict(), indent=2, ensure_ascii=False, default=str))
    html = out_dir / "index.html"
    _write_atomic(html, render_html(data, plot_files))
    return ReportFiles(directory=out_dir, html=html, plots=plot_files, data_files=(*paths, report_json))


def _write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file, so an interrupted run never leaves half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
