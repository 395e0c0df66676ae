"""Tables as cells: the layout every tabular output shares (terminal, markdown, plain text).

The CLI draws these cells with rich; `markdown` and `to_text` here write them as text.
"""

from __future__ import annotations

from licensegraph.api.results import AuditResult, AuditRow, DataAuditRow
from licensegraph.vocab import BREAKDOWN

AUDIT_HEADERS = ("Rule", "Noncompliant", "Qualifying", "Finetune", "Merge", "Quantization", "Adapter")
#: Short column headers for narrow terminals, with a legend printed under the table.
RELATION_ABBREVIATIONS = {"finetune": "Ft", "merge": "Mg", "quantization": "Qt", "adapter": "Ad"}
EXCLUDED_INTRO = ("Left out of the denominator (a license the decision needs is none, unknown, "
                  "other-unresolved, or the model is absent from the store):")


def audit_title(result: AuditResult) -> str:
    return f"Noncompliance — {result.view_description} ({result.relations})"


DATA_TITLE = "Data and outputs — models trained on datasets and on other models' outputs"
DATA_HEADERS = ("Rule", "Severity", "Noncompliant", "Qualifying", "Upstream")
DATA_NOTE = ("Noncompliant: models with a finding (share of the qualifying models, those trained on data the rule "
             "concerns); Upstream: the datasets or generating models the findings name. Whether training on data "
             "makes a derivative of it is unsettled: dataset terms are risks.")


def data_cells(row: DataAuditRow) -> list[str]:
    """One row of the "data and outputs" table."""
    return [row.label, row.severity, f"{row.noncompliant:,} ({row.noncompliant_pct:.1f}%)", f"{row.qualifying:,}",
            f"{row.ancestors:,}"]


def audit_cells(row: AuditRow) -> list[str]:
    """One table row: label, noncompliant (share), qualifying, then noncompliant by relation."""
    cells = [row.label, f"{row.noncompliant:,} ({row.noncompliant_pct:.1f}%)", f"{row.qualifying:,}"]
    for rel in BREAKDOWN:
        b = row.by_relation[rel]
        cells.append(f"{b.count:,} ({b.pct:.1f}%)")
    return cells


def excluded_line(row: AuditRow) -> str:
    """How many models the row left out of its denominator, and why."""
    parts = [f"{v:,} {k}" for k, v in row.excluded.items() if v]
    return f"{row.label}: " + (", ".join(parts) if parts else "none left out")


def to_text(result: AuditResult) -> str:
    """The audit table as plain fixed-width text (no terminal library needed)."""
    grid = [list(AUDIT_HEADERS)] + [audit_cells(r) for r in result.rows]
    widths = [max(len(row[i]) for row in grid) for i in range(len(AUDIT_HEADERS))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    out = [audit_title(result), line(grid[0]), "  ".join("-" * w for w in widths)]
    out += [line(cells) for cells in grid[1:]]
    out += ["", EXCLUDED_INTRO]
    out += [f"  {excluded_line(r)}" for r in result.rows]
    out += inferred_lines(result)
    if result.data_rows:
        grid = [list(DATA_HEADERS)] + [data_cells(r) for r in result.data_rows]
        widths = [max(len(row[i]) for row in grid) for i in range(len(DATA_HEADERS))]
        out += ["", DATA_TITLE, line(grid[0]), "  ".join("-" * w for w in widths)]
        out += [line(cells) for cells in grid[1:]]
        out += [DATA_NOTE]
    out += [result.disclaimer]
    return "\n".join(out) + "\n"


def inferred_lines(result: AuditResult) -> list[str]:
    """For a view with inferred edges: the edges in use by source, and each finding that
    rests on an inferred edge with its path and evidence (empty for the declared views)."""
    inferred = result.inferred
    if inferred is None:
        return []
    sources = ", ".join(f"{s} {n:,}" for s, n in inferred.edges_by_source.items()) or "none"
    shown = len(inferred.findings)
    lines = [f"Inferred parents in use (not declared by the models; by evidence source): {sources}.",
             f"{inferred.findings_total:,} finding(s) rest on an inferred edge"
             + (f"; the first {shown}:" if inferred.findings_total > shown else (":" if shown else "."))]
    for f in inferred.findings:
        lines.append(f"  {f.model_id}: {f.label} ({f.severity}) via {' -> '.join(f.path) or f.model_id}")
        lines.append(f"    evidence: {f.inferred_evidence}")
    return lines
