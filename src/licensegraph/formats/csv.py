"""CSV: the audit table, one line per row; the column names are a stable interface."""

from __future__ import annotations

import csv
import io

from licensegraph.api.results import AuditResult, ChangesResult
from licensegraph.vocab import BREAKDOWN, UNDECIDABLE

AUDIT_COLUMNS = (
    "view", "rule_id", "label", "severity", "noncompliant", "noncompliant_pct", "qualifying",
    *(f"{r}_{m}" for r in BREAKDOWN for m in ("count", "pct")),
    *(f"excluded_{u.replace('-', '_')}" for u in UNDECIDABLE),
)


def audit_csv(result: AuditResult) -> str:
    """The table as CSV with the header `AUDIT_COLUMNS`."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(AUDIT_COLUMNS)
    for row in result.rows:
        writer.writerow([result.view, row.rule_id, row.label, row.severity, row.noncompliant, row.noncompliant_pct,
                         row.qualifying,
                         *(getattr(row.by_relation[r], m) for r in BREAKDOWN for m in ("count", "pct")),
                         *(row.excluded[u] for u in UNDECIDABLE)])
    # the second table ("data and outputs"): view-independent, so its rows say so in `view`;
    # relation and left-out columns do not apply to it and stay empty
    blanks = [""] * (len(AUDIT_COLUMNS) - 7)
    for data in result.data_rows:
        writer.writerow(["data-and-outputs", data.rule_id, data.label, data.severity, data.noncompliant,
                         data.noncompliant_pct, data.qualifying, *blanks])
    return buf.getvalue()


CHANGES_COLUMNS = ("entity", "change", "model_id", "related_id", "relation", "license_before", "license",
                   "view", "rule_id", "label", "severity", "run_id")


def changes_csv(result: ChangesResult) -> str:
    """What moved, one line per model, edge or finding change, with the header `CHANGES_COLUMNS`
    (`related_id`: an edge's parent, a finding's ancestor)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CHANGES_COLUMNS)
    for m in result.models:
        writer.writerow(["model", m.change, m.model_id, "", "", m.license_before or "", m.license or "",
                         "", "", "", "", m.run_id])
    for e in result.edges:
        writer.writerow(["edge", e.change, e.model_id, e.parent_id, e.relation, "", "", "", "", "", "", e.run_id])
    for f in result.findings:
        writer.writerow(["finding", f.change, f.model_id, f.ancestor_id or "", "", "", "", f.view, f.rule_id,
                         f.label, f.severity or "", f.run_id])
    return buf.getvalue()
